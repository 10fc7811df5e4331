/* The head of an HTTP/1.1 request: see imps-http-parse.h. */
#include "imps-http-parse.h"

#include <string.h>

G_DEFINE_QUARK (imps-http-error-quark, imps_http_error)

/* tchar (RFC 9110 §5.6.2) */
static gboolean
is_tchar (guint8 c)
{
  if (g_ascii_isalnum (c))
    return TRUE;
  return c != 0 && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP or HTAB (RFC 9110 §5.5): no control characters */
static gboolean
is_field_char (guint8 c)
{
  return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

static gboolean
span_is (const guint8 *buf, ImpsHttpSpan s, const gchar *name)
{
  gsize n = strlen (name);
  return s.len == n && g_ascii_strncasecmp ((const gchar *) buf + s.off, name, n) == 0;
}

/* A field value for a message: escaped, at most 40 bytes of it. */
static gchar *
shown (const guint8 *buf, ImpsHttpSpan s)
{
  g_autofree gchar *cut = g_strndup ((const gchar *) buf + s.off, MIN (s.len, 40));
  return g_strescape (cut, NULL);
}

static ImpsHttpHeadResult
refuse (GError **error, guint status, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);

static ImpsHttpHeadResult
refuse (GError **error, guint status, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, IMPS_HTTP_ERROR, (gint) status, msg);
  return IMPS_HTTP_HEAD_REFUSED;
}

/* A refused request or status line (@kind), shown in the reason. */
static ImpsHttpHeadResult
refuse_line (GError **error, guint status, const gchar *kind, const guint8 *buf, gsize start,
             gsize stop, const gchar *why)
{
  ImpsHttpSpan line = { (guint32) start, (guint32) (stop - start) };
  g_autofree gchar *seen = shown (buf, line);
  return refuse (error, status, "%s line \"%s\" %s", kind, seen, why);
}

/* Empty lines before the request line (RFC 9112 §2.2: ignored). */
static gsize
leading_empty_lines (const guint8 *buf, gsize len)
{
  gsize i = 0;
  for (;;)
    {
      if (i < len && buf[i] == '\n')
        i++;
      else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
        i += 2;
      else
        return i;
    }
}

gsize
imps_http_head_end (const guint8 *buf, gsize len, gsize from)
{
  gsize i = leading_empty_lines (buf, len);
  /* a terminator may straddle what was seen and what came since */
  if (from > i + 2)
    i = from - 2;
  while (i < len)
    {
      const guint8 *nl = memchr (buf + i, '\n', len - i);
      if (nl == NULL)
        return 0;
      gsize at = (gsize) (nl - buf);
      if (at + 1 < len && buf[at + 1] == '\n')
        return at + 2;
      if (at + 2 < len && buf[at + 1] == '\r' && buf[at + 2] == '\n')
        return at + 3;
      i = at + 1;
    }
  return 0;
}

/* The next line from *pos (without its CRLF or LF); FALSE at the end of
 * the head. */
static gboolean
next_line (const guint8 *buf, gsize end, gsize *pos, gsize *start, gsize *stop)
{
  if (*pos >= end)
    return FALSE;
  const guint8 *nl = memchr (buf + *pos, '\n', end - *pos);
  gsize at = nl ? (gsize) (nl - buf) : end;
  *start = *pos;
  *stop = at > *pos && buf[at - 1] == '\r' ? at - 1 : at;
  *pos = at + 1;
  return TRUE;
}

/* Path and query of the request target (RFC 9112 §3.2). */
static gboolean
split_target (const guint8 *buf, ImpsHttpHead *h)
{
  const guint8 *t = buf + h->target.off;
  gsize n = h->target.len, p = 0;
  if (n == 1 && t[0] == '*')
    {
      h->path = h->target;
      return TRUE;
    }
  if (t[0] != '/')
    {
      /* absolute-form: scheme "://" authority [path] [?query] */
      gsize skip;
      if (n >= 7 && g_ascii_strncasecmp ((const gchar *) t, "http://", 7) == 0)
        skip = 7;
      else if (n >= 8 && g_ascii_strncasecmp ((const gchar *) t, "https://", 8) == 0)
        skip = 8;
      else
        return FALSE;
      for (p = skip; p < n && t[p] != '/' && t[p] != '?'; p++)
        ;
      if (p == skip)
        return FALSE;  /* no authority */
    }
  gsize q = p;
  while (q < n && t[q] != '?')
    q++;
  h->path.off = h->target.off + (guint32) p;
  h->path.len = (guint32) (q - p);
  if (q < n)
    {
      h->has_query = TRUE;
      h->query.off = h->target.off + (guint32) q + 1;
      h->query.len = (guint32) (n - q - 1);
    }
  return TRUE;
}

static ImpsHttpHeadResult
request_line (const guint8 *buf, gsize start, gsize stop, ImpsHttpHead *h, GError **error)
{
  gsize i = start;
  while (i < stop && is_tchar (buf[i]))
    i++;
  if (i == start || i >= stop || buf[i] != ' ')
    return refuse_line (error, 400, "request", buf, start, stop,
                        "does not start with a method and one space");
  h->method.off = (guint32) start;
  h->method.len = (guint32) (i - start);
  gsize t = ++i;
  while (i < stop && buf[i] >= 0x21 && buf[i] <= 0x7e)
    i++;
  if (i == t || i >= stop || buf[i] != ' ')
    return refuse_line (error, 400, "request", buf, start, stop,
                        "has no request target of visible ASCII followed by one space");
  h->target.off = (guint32) t;
  h->target.len = (guint32) (i - t);
  i++;
  if (stop - i != 8 || memcmp (buf + i, "HTTP/", 5) != 0 || !g_ascii_isdigit (buf[i + 5])
      || buf[i + 6] != '.' || !g_ascii_isdigit (buf[i + 7]))
    return refuse_line (error, 400, "request", buf, start, stop,
                        "does not end in HTTP/DIGIT.DIGIT");
  if (buf[i + 5] != '1')
    return refuse (error, 505, "HTTP/%c.%c is not supported: HTTP/1.1 is", buf[i + 5], buf[i + 7]);
  /* a higher minor version is served as 1.1 (RFC 9110 §2.5) */
  h->minor = buf[i + 7] == '0' ? 0 : 1;
  if (!split_target (buf, h))
    {
      g_autofree gchar *s = shown (buf, h->target);
      return refuse (error, 400, "request target \"%s\" is neither a path nor an absolute "
                     "http(s) URI", s);
    }
  return IMPS_HTTP_HEAD_OK;
}

/* A Content-Length is 1*DIGIT that fits in 63 bits (RFC 9110 §8.6). */
static gboolean
parse_length (const guint8 *v, gsize n, guint64 *out)
{
  guint64 x = 0;
  if (n == 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (v[i]))
        return FALSE;
      guint d = (guint) (v[i] - '0');
      if (x > ((guint64) G_MAXINT64 - d) / 10)
        return FALSE;
      x = x * 10 + d;
    }
  *out = x;
  return TRUE;
}

/* Whether the comma-separated list @v holds @token (case-insensitive). */
static gboolean
list_has (const guint8 *buf, ImpsHttpSpan v, const gchar *token)
{
  gsize n = strlen (token), i = v.off, end = (gsize) v.off + v.len;
  while (i < end)
    {
      while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == ','))
        i++;
      gsize s = i;
      while (i < end && buf[i] != ',')
        i++;
      gsize e = i;
      while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t'))
        e--;
      if (e - s == n && g_ascii_strncasecmp ((const gchar *) buf + s, token, n) == 0)
        return TRUE;
    }
  return FALSE;
}

/* What the fields of a head say about the message. */
typedef struct {
  guint hosts;
  gboolean te, chunked, conn_close, conn_keep;
  ImpsHttpSpan te_value;
} FieldFacts;

/* The header fields from *pos up to the empty line that ends the head at
 * @end. */
static ImpsHttpHeadResult
parse_fields (const guint8 *buf, gsize end, gsize pos, ImpsHttpHead *h, FieldFacts *ff,
              guint bad, GError **error)
{
  gsize start, stop;
  memset (ff, 0, sizeof *ff);
  while (next_line (buf, end, &pos, &start, &stop) && stop > start)
    {
      if (buf[start] == ' ' || buf[start] == '\t')
        return refuse (error, bad, "a header field is folded over lines (obs-fold)");
      gsize i = start;
      while (i < stop && is_tchar (buf[i]))
        i++;
      if (i == start || i >= stop || buf[i] != ':')
        {
          ImpsHttpSpan line = { (guint32) start, (guint32) (stop - start) };
          g_autofree gchar *s = shown (buf, line);
          return refuse (error, bad, "header line \"%s\" is not a field name, a colon and a "
                         "value", s);
        }
      if (h->n_fields == IMPS_HTTP_MAX_HEADERS)
        return refuse (error, bad == 400 ? 431 : bad, "the head has more than %u header fields",
                       IMPS_HTTP_MAX_HEADERS);
      ImpsHttpField *f = &h->fields[h->n_fields++];
      f->name.off = (guint32) start;
      f->name.len = (guint32) (i - start);
      gsize v = i + 1;
      while (v < stop && (buf[v] == ' ' || buf[v] == '\t'))
        v++;
      gsize ve = stop;
      while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
        ve--;
      for (gsize k = v; k < ve; k++)
        if (!is_field_char (buf[k]))
          {
            g_autofree gchar *name = shown (buf, f->name);
            return refuse (error, bad, "header field %s holds control character 0x%02x", name,
                           buf[k]);
          }
      f->value.off = (guint32) v;
      f->value.len = (guint32) (ve - v);

      if (span_is (buf, f->name, "Content-Length"))
        {
          guint64 n = 0;
          if (!parse_length (buf + v, ve - v, &n))
            {
              g_autofree gchar *s = shown (buf, f->value);
              return refuse (error, bad, "Content-Length \"%s\" is not a number of at most 63 "
                             "bits", s);
            }
          if (h->has_length && n != h->content_length)
            return refuse (error, bad, "two Content-Length fields with different values");
          h->has_length = TRUE;
          h->content_length = n;
        }
      else if (span_is (buf, f->name, "Transfer-Encoding"))
        {
          ff->te = TRUE;
          ff->te_value = f->value;
          ff->chunked = ff->chunked || list_has (buf, f->value, "chunked");
        }
      else if (span_is (buf, f->name, "Host"))
        ff->hosts++;
      else if (span_is (buf, f->name, "Connection"))
        {
          ff->conn_close = ff->conn_close || list_has (buf, f->value, "close");
          ff->conn_keep = ff->conn_keep || list_has (buf, f->value, "keep-alive");
        }
    }
  return IMPS_HTTP_HEAD_OK;
}

static void
head_reset (ImpsHttpHead *h)
{
  h->n_fields = 0;
  h->has_query = FALSE;
  h->has_length = FALSE;
  h->content_length = 0;
  h->keep_alive = FALSE;
  h->query.off = h->query.len = 0;
  h->status = 0;
  h->reason.off = h->reason.len = 0;
}

ImpsHttpHeadResult
imps_http_head_parse (const guint8 *buf, gsize len, ImpsHttpHead *h, GError **error)
{
  head_reset (h);
  gsize end = imps_http_head_end (buf, MIN (len, (gsize) IMPS_HTTP_MAX_HEAD), 0);
  if (end == 0)
    {
      if (len >= IMPS_HTTP_MAX_HEAD)
        return refuse (error, 431, "the request head is over %u bytes", IMPS_HTTP_MAX_HEAD);
      return IMPS_HTTP_HEAD_INCOMPLETE;
    }
  h->head_len = end;
  gsize pos = leading_empty_lines (buf, end), start, stop;
  if (!next_line (buf, end, &pos, &start, &stop))
    return refuse (error, 400, "the request has no request line");
  for (gsize i = start; i < stop; i++)
    if (buf[i] < 0x20 || buf[i] == 0x7f)
      return refuse (error, 400, "the request line holds control character 0x%02x", buf[i]);
  ImpsHttpHeadResult r = request_line (buf, start, stop, h, error);
  if (r != IMPS_HTTP_HEAD_OK)
    return r;
  FieldFacts ff;
  r = parse_fields (buf, end, pos, h, &ff, 400, error);
  if (r != IMPS_HTTP_HEAD_OK)
    return r;
  if (ff.te)
    {
      if (ff.chunked)
        return refuse (error, 411, "a chunked body is refused: send Content-Length");
      g_autofree gchar *s = shown (buf, ff.te_value);
      return refuse (error, 411, "Transfer-Encoding \"%s\" is refused: send Content-Length", s);
    }
  if (h->minor == 1 && ff.hosts != 1)
    return refuse (error, 400, "an HTTP/1.1 request needs exactly one Host field, not %u",
                   ff.hosts);
  h->keep_alive = h->minor == 1 ? !ff.conn_close : ff.conn_keep && !ff.conn_close;
  return IMPS_HTTP_HEAD_OK;
}

ImpsHttpHeadResult
imps_http_response_head_parse (const guint8 *buf, gsize len, ImpsHttpHead *h, GError **error)
{
  head_reset (h);
  h->method.off = h->method.len = 0;
  h->target = h->path = h->method;
  gsize end = imps_http_head_end (buf, MIN (len, (gsize) IMPS_HTTP_MAX_HEAD), 0);
  if (end == 0)
    {
      if (len >= IMPS_HTTP_MAX_HEAD)
        return refuse (error, 502, "the answer's head is over %u bytes", IMPS_HTTP_MAX_HEAD);
      return IMPS_HTTP_HEAD_INCOMPLETE;
    }
  h->head_len = end;
  gsize pos = 0, start, stop;
  next_line (buf, end, &pos, &start, &stop);
  for (gsize i = start; i < stop; i++)
    if ((buf[i] < 0x20 && buf[i] != '\t') || buf[i] == 0x7f)
      return refuse (error, 502, "the status line holds control character 0x%02x", buf[i]);
  /* HTTP-version SP 3DIGIT SP [reason-phrase] (RFC 9112 §4) */
  if (stop - start < 12 || memcmp (buf + start, "HTTP/1.", 7) != 0
      || !g_ascii_isdigit (buf[start + 7]) || buf[start + 8] != ' '
      || !g_ascii_isdigit (buf[start + 9]) || !g_ascii_isdigit (buf[start + 10])
      || !g_ascii_isdigit (buf[start + 11]) || (stop - start > 12 && buf[start + 12] != ' '))
    return refuse_line (error, 502, "status", buf, start, stop,
                        "is not HTTP/1.DIGIT, a space and a 3-digit status");
  h->minor = buf[start + 7] == '0' ? 0 : 1;
  h->status = (guint) ((buf[start + 9] - '0') * 100 + (buf[start + 10] - '0') * 10
                       + (buf[start + 11] - '0'));
  if (h->status < 100)
    return refuse (error, 502, "status %03u is not a status code", h->status);
  if (stop - start > 12)
    {
      h->reason.off = (guint32) (start + 13);
      h->reason.len = (guint32) (stop - start - 13);
    }
  FieldFacts ff;
  ImpsHttpHeadResult r = parse_fields (buf, end, pos, h, &ff, 502, error);
  if (r != IMPS_HTTP_HEAD_OK)
    return r;
  if (ff.te)
    {
      g_autofree gchar *s = shown (buf, ff.te_value);
      return refuse (error, 502, "an answer with Transfer-Encoding \"%s\" is not read: impsim's "
                     "servers send Content-Length", s);
    }
  h->keep_alive = h->minor == 1 ? !ff.conn_close : ff.conn_keep && !ff.conn_close;
  return IMPS_HTTP_HEAD_OK;
}

gboolean
imps_http_head_find (const ImpsHttpHead *h, const guint8 *buf, const gchar *name,
                     ImpsHttpSpan *value)
{
  for (guint i = 0; i < h->n_fields; i++)
    if (span_is (buf, h->fields[i].name, name))
      {
        *value = h->fields[i].value;
        return TRUE;
      }
  return FALSE;
}

void
imps_http_head_strings (const guint8 *buf, const ImpsHttpHead *h, gchar *text, ImpsHttpPair *pairs)
{
  memcpy (text, buf, h->head_len);
  text[h->head_len] = '\0';
  for (guint i = 0; i < h->n_fields; i++)
    {
      const ImpsHttpField *f = &h->fields[i];
      text[f->name.off + f->name.len] = '\0';
      text[f->value.off + f->value.len] = '\0';
      pairs[i].name = text + f->name.off;
      pairs[i].value = text + f->value.off;
    }
}

const gchar *
imps_http_pairs_find (const ImpsHttpPair *pairs, guint n, const gchar *name)
{
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (pairs[i].name, name) == 0)
      return pairs[i].value;
  return NULL;
}

const gchar *
imps_http_media_type (const gchar *value, gchar **owned)
{
  const gchar *semi = value ? strchr (value, ';') : NULL;
  if (semi == NULL)
    return value;
  *owned = g_strchomp (g_strndup (value, (gsize) (semi - value)));
  return *owned;
}
