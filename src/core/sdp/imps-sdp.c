/* SDP (RFC 4566) parse and build. See imps-sdp.h for the model. */
#include "imps-sdp.h"
#include "imps-sdp-private.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-sdp-error-quark, imps_sdp_error)

struct _ImpsSdpMedia {
  GArray *lines;           /* ImpsSdpLine; [0] is the m= line */
  guint n_attributes;
  guint port;
  guint nports;
  gchar media[32];
  gchar proto[64];
  guint formats_off;       /* offset of the format list in the m= value */
};

struct _ImpsSdp {
  gchar *text;             /* the parsed copy; line values point into it */
  gsize text_len;
  GArray *lines;           /* session-level ImpsSdpLine */
  guint n_attributes;
  GPtrArray *media;        /* ImpsSdpMedia* */
};

/* ---- lines ----------------------------------------------------------- */

static void
line_clear (ImpsSdpLine *l)
{
  if (l->owned)
    imps_wipe_free (l->value, l->len + 1);
  l->value = NULL;
  l->owned = FALSE;
}

static void
line_clear_func (gpointer p)
{
  line_clear (p);
}

static GArray *
lines_new (void)
{
  GArray *a = g_array_sized_new (FALSE, TRUE, sizeof (ImpsSdpLine), 16);
  g_array_set_clear_func (a, line_clear_func);
  return a;
}

static void
media_free (gpointer p)
{
  ImpsSdpMedia *m = p;
  if (m == NULL)
    return;
  g_array_unref (m->lines);
  g_free (m);
}

static ImpsSdpMedia *
media_new (void)
{
  ImpsSdpMedia *m = g_new0 (ImpsSdpMedia, 1);
  m->lines = lines_new ();
  return m;
}

ImpsSdp *
imps_sdp_new (void)
{
  ImpsSdp *sdp = g_new0 (ImpsSdp, 1);
  sdp->lines = lines_new ();
  sdp->media = g_ptr_array_new_with_free_func (media_free);
  return sdp;
}

void
imps_sdp_free (ImpsSdp *sdp)
{
  if (sdp == NULL)
    return;
  g_ptr_array_unref (sdp->media);
  g_array_unref (sdp->lines);
  imps_wipe_free (sdp->text, sdp->text_len + 1);
  g_free (sdp);
}

void
imps_sdp_string_free (gchar *text)
{
  if (text != NULL)
    imps_wipe_free (text, strlen (text) + 1);
}

void
imps_sdp_string_wipe_free (GString *s)
{
  if (s == NULL)
    return;
  imps_wipe (s->str, s->allocated_len);
  g_string_free (s, TRUE);
}

/* ---- field grammar --------------------------------------------------- */

/* Where an error is reported: a parsed line number, or 0 for a line given
 * through the API. */
typedef struct {
  guint lineno;
  gchar type;
} Where;

static gboolean G_GNUC_PRINTF (4, 5)
fail (GError **error, const Where *w, const gchar *field, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (w->lineno > 0)
    g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                 "SDP line %u (%c=): %s: %s", w->lineno, w->type, field, msg);
  else
    g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                 "SDP %c= line: %s: %s", w->type, field, msg);
  return FALSE;
}

static gboolean
is_token (const gchar *p, gsize n)
{
  if (n == 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!imps_sdp_is_token_char ((guchar) p[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_digits (const gchar *p, gsize n)
{
  if (n == 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (p[i]))
      return FALSE;
  return TRUE;
}

/* non-ws-string = 1*(VCHAR / %x80-FF) */
static gboolean
is_non_ws (const gchar *p, gsize n)
{
  if (n == 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      guchar c = (guchar) p[i];
      if (c <= 0x20 || c == 0x7f)
        return FALSE;
    }
  return TRUE;
}

/* Splits @v into fields separated by exactly one SP. Returns the number of
 * fields (at most @max; more gives max + 1). An empty field (two spaces, or
 * a space at either end) gives 0. */
typedef struct {
  const gchar *p;
  gsize n;
} Field;

static guint
split_fields (const gchar *v, gsize len, Field *f, guint max)
{
  guint k = 0;
  gsize start = 0;
  for (gsize i = 0; i <= len; i++)
    {
      if (i == len || v[i] == ' ')
        {
          if (i == start)
            return 0;
          if (k == max)
            return max + 1;
          f[k].p = v + start;
          f[k].n = i - start;
          k++;
          start = i + 1;
        }
    }
  return k;
}

/* Decimal of at most 9 digits into *out. */
static gboolean
parse_uint (const gchar *p, gsize n, guint *out)
{
  if (!is_digits (p, n) || n > 9)
    return FALSE;
  guint v = 0;
  for (gsize i = 0; i < n; i++)
    v = v * 10 + (guint) (p[i] - '0');
  *out = v;
  return TRUE;
}

/* typed-time = 1*DIGIT [fixed-len-time-unit] */
static gboolean
is_typed_time (const gchar *p, gsize n)
{
  if (n > 1 && strchr ("dhms", p[n - 1]) != NULL)
    n--;
  return is_digits (p, n);
}

static gboolean
check_origin (const gchar *v, gsize len, const Where *w, GError **error)
{
  Field f[6];
  guint k = split_fields (v, len, f, 6);
  if (k != 6)
    return fail (error, w, "origin", "expected 6 fields separated by single spaces");
  if (!is_non_ws (f[0].p, f[0].n))
    return fail (error, w, "username", "not a non-whitespace string");
  if (!is_digits (f[1].p, f[1].n))
    return fail (error, w, "sess-id", "not a decimal number");
  if (!is_digits (f[2].p, f[2].n))
    return fail (error, w, "sess-version", "not a decimal number");
  if (!is_token (f[3].p, f[3].n))
    return fail (error, w, "nettype", "not a token");
  if (!is_token (f[4].p, f[4].n))
    return fail (error, w, "addrtype", "not a token");
  if (!is_non_ws (f[5].p, f[5].n))
    return fail (error, w, "unicast-address", "not a non-whitespace string");
  return TRUE;
}

static gboolean
check_connection (const gchar *v, gsize len, const Where *w, GError **error)
{
  Field f[3];
  if (split_fields (v, len, f, 3) != 3)
    return fail (error, w, "connection", "expected 3 fields separated by single spaces");
  if (!is_token (f[0].p, f[0].n))
    return fail (error, w, "nettype", "not a token");
  if (!is_token (f[1].p, f[1].n))
    return fail (error, w, "addrtype", "not a token");
  if (!is_non_ws (f[2].p, f[2].n))
    return fail (error, w, "connection-address", "not a non-whitespace string");
  return TRUE;
}

/* Parses the m= value; fills @m when not NULL. */
static gboolean
check_media (const gchar *v, gsize len, const Where *w, ImpsSdpMedia *m, GError **error)
{
  Field f[4];
  /* media SP port[/n] SP proto SP fmt *(SP fmt): split the first three, the
   * rest is the format list. */
  const gchar *sp1 = memchr (v, ' ', len);
  if (sp1 == NULL)
    return fail (error, w, "media", "expected media, port, proto and formats");
  f[0].p = v;
  f[0].n = (gsize) (sp1 - v);
  const gchar *rest = sp1 + 1;
  gsize rlen = len - f[0].n - 1;
  const gchar *sp2 = memchr (rest, ' ', rlen);
  if (sp2 == NULL)
    return fail (error, w, "port", "expected port, proto and formats");
  f[1].p = rest;
  f[1].n = (gsize) (sp2 - rest);
  rest = sp2 + 1;
  rlen -= f[1].n + 1;
  const gchar *sp3 = memchr (rest, ' ', rlen);
  if (sp3 == NULL)
    return fail (error, w, "proto", "expected proto and formats");
  f[2].p = rest;
  f[2].n = (gsize) (sp3 - rest);
  rest = sp3 + 1;
  rlen -= f[2].n + 1;
  f[3].p = rest;
  f[3].n = rlen;

  if (!is_token (f[0].p, f[0].n))
    return fail (error, w, "media", "not a token");
  if (f[0].n >= sizeof m->media)
    return fail (error, w, "media", "longer than %zu bytes", sizeof m->media - 1);

  guint port = 0, nports = 0;
  const gchar *slash = memchr (f[1].p, '/', f[1].n);
  gsize port_n = slash ? (gsize) (slash - f[1].p) : f[1].n;
  if (!parse_uint (f[1].p, port_n, &port) || port > 65535)
    return fail (error, w, "port", "not a decimal number 0..65535");
  if (slash != NULL)
    {
      gsize nn = f[1].n - port_n - 1;
      if (!parse_uint (slash + 1, nn, &nports) || nports == 0 || nports > 65535)
        return fail (error, w, "number of ports", "not a decimal number 1..65535");
    }

  /* proto = token *("/" token) */
  if (f[2].n == 0 || f[2].n >= sizeof m->proto)
    return fail (error, w, "proto", "empty or longer than %zu bytes", sizeof m->proto - 1);
  gsize start = 0;
  for (gsize i = 0; i <= f[2].n; i++)
    if (i == f[2].n || f[2].p[i] == '/')
      {
        if (!is_token (f[2].p + start, i - start))
          return fail (error, w, "proto", "not token *(\"/\" token)");
        start = i + 1;
      }

  /* fmt *(SP fmt) */
  guint nfmt = 0;
  start = 0;
  for (gsize i = 0; i <= f[3].n; i++)
    if (i == f[3].n || f[3].p[i] == ' ')
      {
        nfmt++;
        if (!is_token (f[3].p + start, i - start))
          return fail (error, w, "fmt", "format %u is not a token", nfmt);
        start = i + 1;
      }

  if (m != NULL)
    {
      m->port = port;
      m->nports = nports;
      memcpy (m->media, f[0].p, f[0].n);
      m->media[f[0].n] = '\0';
      memcpy (m->proto, f[2].p, f[2].n);
      m->proto[f[2].n] = '\0';
      m->formats_off = (guint) (f[3].p - v);
    }
  return TRUE;
}

/* Checks the grammar of the value of a line of @type (RFC 4566 §5). */
static gboolean
check_value (gchar type, const gchar *v, gsize len, const Where *w,
             ImpsSdpMedia *m, GError **error)
{
  for (gsize i = 0; i < len; i++)
    if (v[i] == '\0' || v[i] == '\r' || v[i] == '\n')
      return fail (error, w, "value", "NUL, CR or LF byte at offset %zu", i + 2);

  switch (type)
    {
    case 'v':
      if (len != 1 || v[0] != '0')
        return fail (error, w, "proto-version", "must be 0");
      return TRUE;
    case 'o':
      return check_origin (v, len, w, error);
    case 's':
      if (len == 0)
        return fail (error, w, "session name", "empty (use a single space)");
      return TRUE;
    case 'i':
    case 'u':
    case 'e':
    case 'p':
      if (len == 0)
        return fail (error, w, "text", "empty");
      return TRUE;
    case 'c':
      return check_connection (v, len, w, error);
    case 'b':
      {
        const gchar *colon = memchr (v, ':', len);
        if (colon == NULL)
          return fail (error, w, "bandwidth", "expected <bwtype>:<bandwidth>");
        gsize tn = (gsize) (colon - v);
        if (!is_token (v, tn))
          return fail (error, w, "bwtype", "not a token");
        if (!is_digits (colon + 1, len - tn - 1))
          return fail (error, w, "bandwidth", "not a decimal number");
        return TRUE;
      }
    case 't':
      {
        Field f[2];
        if (split_fields (v, len, f, 2) != 2)
          return fail (error, w, "timing", "expected <start-time> <stop-time>");
        if (!is_digits (f[0].p, f[0].n))
          return fail (error, w, "start-time", "not a decimal number");
        if (!is_digits (f[1].p, f[1].n))
          return fail (error, w, "stop-time", "not a decimal number");
        return TRUE;
      }
    case 'r':
    case 'z':
      {
        Field f[65];
        guint k = split_fields (v, len, f, 64);
        if (k == 0 || k > 64)
          return fail (error, w, type == 'r' ? "repeat" : "zone adjustments",
                       "empty field, or more than 64 fields");
        if (type == 'r')
          {
            if (k < 3)
              return fail (error, w, "repeat", "expected interval, duration and offsets");
            for (guint i = 0; i < k; i++)
              if (!is_typed_time (f[i].p, f[i].n))
                return fail (error, w, i == 0 ? "repeat-interval" : i == 1 ? "active duration" : "offset",
                             "not a typed time (field %u)", i + 1);
            return TRUE;
          }
        if (k % 2 != 0)
          return fail (error, w, "zone adjustments", "expected <time> <offset> pairs");
        for (guint i = 0; i < k; i += 2)
          {
            if (!is_digits (f[i].p, f[i].n))
              return fail (error, w, "adjustment time", "not a decimal number (field %u)", i + 1);
            const gchar *o = f[i + 1].p;
            gsize on = f[i + 1].n;
            if (on > 0 && o[0] == '-')
              o++, on--;
            if (!is_typed_time (o, on))
              return fail (error, w, "offset", "not a typed time (field %u)", i + 2);
          }
        return TRUE;
      }
    case 'k':
      {
        const gchar *colon = memchr (v, ':', len);
        gsize mn = colon ? (gsize) (colon - v) : len;
        if (!is_token (v, mn))
          return fail (error, w, "method", "not a token");
        if (colon != NULL && mn + 1 == len)
          return fail (error, w, "encryption key", "empty after ':'");
        return TRUE;
      }
    case 'a':
      {
        const gchar *colon = memchr (v, ':', len);
        gsize nn = colon ? (gsize) (colon - v) : len;
        if (!is_token (v, nn))
          return fail (error, w, "att-field", "not a token");
        if (colon != NULL && nn + 1 == len)
          return fail (error, w, "att-value", "empty after ':'");
        return TRUE;
      }
    case 'm':
      return check_media (v, len, w, m, error);
    default:
      /* A line type this parser does not know: kept as it is. */
      return TRUE;
    }
}

/* Order ranks (RFC 4566 §5). -1: not allowed at this level; 100: unknown
 * type, no constraint. */
static gint
session_rank (gchar t)
{
  switch (t)
    {
    case 'v': return 0;
    case 'o': return 1;
    case 's': return 2;
    case 'i': return 3;
    case 'u': return 4;
    case 'e': return 5;
    case 'p': return 6;
    case 'c': return 7;
    case 'b': return 8;
    case 't': return 9;
    case 'r': return 9;
    case 'z': return 10;
    case 'k': return 11;
    case 'a': return 12;
    case 'm': return 13;
    default: return 100;
    }
}

static gint
media_rank (gchar t)
{
  switch (t)
    {
    case 'm': return 0;
    case 'i': return 1;
    case 'c': return 2;
    case 'b': return 3;
    case 'k': return 4;
    case 'a': return 5;
    case 'v': case 'o': case 's': case 'u': case 'e': case 'p':
    case 't': case 'r': case 'z':
      return -1;
    default: return 100;
    }
}

static gboolean
repeatable (gchar t, gboolean media)
{
  if (media)
    return t == 'c' || t == 'b' || t == 'a';
  return t == 'e' || t == 'p' || t == 'b' || t == 't' || t == 'r' || t == 'a';
}

/* ---- parse ------------------------------------------------------------ */

static gboolean
order_fail (GError **error, guint lineno, gchar type, const gchar *why)
{
  g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_ORDER,
               "SDP line %u (%c=): line order: %s", lineno, type, why);
  return FALSE;
}

ImpsSdp *
imps_sdp_parse (const gchar *text, gsize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len > IMPS_SDP_MAX_SIZE)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "SDP: %zu bytes, more than the limit of %u", len, IMPS_SDP_MAX_SIZE);
      return NULL;
    }
  if (len == 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX, "SDP line 1: empty description");
      return NULL;
    }

  g_autoptr (ImpsSdp) sdp = imps_sdp_new ();
  sdp->text = g_malloc (len + 1);
  memcpy (sdp->text, text, len);
  sdp->text[len] = '\0';
  sdp->text_len = len;

  ImpsSdpMedia *cur = NULL;
  gint rank = -1;           /* last rank seen in the current section */
  gchar last_type = 0;      /* last known type seen (for r= after t=) */
  guint lineno = 0;
  gboolean have_t = FALSE;
  gboolean session_c = FALSE;
  gsize pos = 0;

  while (pos < len)
    {
      lineno++;
      gchar *line = sdp->text + pos;
      gchar *nl = memchr (line, '\n', len - pos);
      if (nl == NULL)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "SDP line %u: line end: missing (CRLF or LF) at byte offset %zu",
                       lineno, len);
          return NULL;
        }
      gsize llen = (gsize) (nl - line);
      pos += llen + 1;
      if (llen > 0 && line[llen - 1] == '\r')
        llen--;
      line[llen] = '\0';

      if (lineno > IMPS_SDP_MAX_LINES)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                       "SDP line %u: more than %u lines", lineno, IMPS_SDP_MAX_LINES);
          return NULL;
        }
      if (llen > IMPS_SDP_MAX_LINE)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                       "SDP line %u: %zu bytes long, more than the limit of %u",
                       lineno, llen, IMPS_SDP_MAX_LINE);
          return NULL;
        }
      if (llen < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "SDP line %u: type: expected <letter a-z>=<value>", lineno);
          return NULL;
        }

      gchar type = line[0];
      ImpsSdpLine l = { type, (guint32) (llen - 2), line + 2, FALSE };
      Where w = { lineno, type };

      if (type == 'm')
        {
          if (!have_t)
            {
              order_fail (error, lineno, type, "media section before any t= line");
              return NULL;
            }
          if (sdp->media->len >= IMPS_SDP_MAX_MEDIA)
            {
              g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                           "SDP line %u (m=): more than %u media sections",
                           lineno, IMPS_SDP_MAX_MEDIA);
              return NULL;
            }
          cur = media_new ();
          g_ptr_array_add (sdp->media, cur);
          if (!check_value (type, l.value, l.len, &w, cur, error))
            return NULL;
          g_array_append_val (cur->lines, l);
          rank = 0;
          last_type = 'm';
          continue;
        }

      if (!check_value (type, l.value, l.len, &w, NULL, error))
        return NULL;

      /* Order. */
      if (cur == NULL)
        {
          static const gchar first[] = { 'v', 'o', 's' };
          if (lineno <= 3 && type != first[lineno - 1])
            {
              g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_ORDER,
                           "SDP line %u (%c=): line order: expected %c= here",
                           lineno, type, first[lineno - 1]);
              return NULL;
            }
          gint r = session_rank (type);
          if (r != 100)
            {
              if (r < rank || (r == rank && !repeatable (type, FALSE)))
                {
                  order_fail (error, lineno, type, r == rank ? "repeated" : "out of RFC 4566 order");
                  return NULL;
                }
              if (type == 'r' && last_type != 't' && last_type != 'r')
                {
                  order_fail (error, lineno, type, "r= must follow t= or r=");
                  return NULL;
                }
              rank = r;
              last_type = type;
            }
          if (type == 't')
            have_t = TRUE;
          if (type == 'c')
            session_c = TRUE;
          if (type == 'a' && ++sdp->n_attributes > IMPS_SDP_MAX_ATTRIBUTES)
            {
              g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                           "SDP line %u (a=): more than %u session attributes",
                           lineno, IMPS_SDP_MAX_ATTRIBUTES);
              return NULL;
            }
          g_array_append_val (sdp->lines, l);
        }
      else
        {
          gint r = media_rank (type);
          if (r < 0)
            {
              order_fail (error, lineno, type, "not allowed in a media section");
              return NULL;
            }
          if (r != 100)
            {
              if (r < rank || (r == rank && !repeatable (type, TRUE)))
                {
                  order_fail (error, lineno, type, r == rank ? "repeated" : "out of RFC 4566 order");
                  return NULL;
                }
              rank = r;
              last_type = type;
            }
          if (type == 'a' && ++cur->n_attributes > IMPS_SDP_MAX_ATTRIBUTES)
            {
              g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                           "SDP line %u (a=): more than %u attributes in media section %u",
                           lineno, IMPS_SDP_MAX_ATTRIBUTES, sdp->media->len);
              return NULL;
            }
          g_array_append_val (cur->lines, l);
        }
    }

  if (sdp->lines->len < 3)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_ORDER,
                   "SDP line %u: line order: description ends before v=, o= and s=",
                   lineno + 1);
      return NULL;
    }
  if (!have_t)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_ORDER,
                   "SDP line %u: line order: no t= line", lineno + 1);
      return NULL;
    }
  if (!session_c)
    for (guint i = 0; i < sdp->media->len; i++)
      {
        ImpsSdpMedia *m = g_ptr_array_index (sdp->media, i);
        if (imps_sdp_media_find_line (m, 'c') == NULL)
          {
            g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_ORDER,
                         "SDP media section %u: c=: missing at session and media level", i + 1);
            return NULL;
          }
      }
  return g_steal_pointer (&sdp);
}

/* ---- build ----------------------------------------------------------- */

static gsize
lines_size (GArray *lines)
{
  gsize n = 0;
  for (guint i = 0; i < lines->len; i++)
    n += g_array_index (lines, ImpsSdpLine, i).len + 4;
  return n;
}

static gchar *
lines_write (GArray *lines, gchar *p)
{
  for (guint i = 0; i < lines->len; i++)
    {
      const ImpsSdpLine *l = &g_array_index (lines, ImpsSdpLine, i);
      *p++ = l->type;
      *p++ = '=';
      memcpy (p, l->value, l->len);
      p += l->len;
      *p++ = '\r';
      *p++ = '\n';
    }
  return p;
}

gchar *
imps_sdp_to_string (const ImpsSdp *sdp, gsize *len)
{
  g_return_val_if_fail (sdp != NULL, NULL);
  gsize n = lines_size (sdp->lines);
  for (guint i = 0; i < sdp->media->len; i++)
    n += lines_size (((ImpsSdpMedia *) g_ptr_array_index (sdp->media, i))->lines);
  gchar *out = g_malloc (n + 1);
  gchar *p = lines_write (sdp->lines, out);
  for (guint i = 0; i < sdp->media->len; i++)
    p = lines_write (((ImpsSdpMedia *) g_ptr_array_index (sdp->media, i))->lines, p);
  *p = '\0';
  if (len != NULL)
    *len = n;
  return out;
}

/* ---- access and change ------------------------------------------------ */

guint
imps_sdp_n_lines (const ImpsSdp *sdp)
{
  g_return_val_if_fail (sdp != NULL, 0);
  return sdp->lines->len;
}

const ImpsSdpLine *
imps_sdp_get_line (const ImpsSdp *sdp, guint i)
{
  g_return_val_if_fail (sdp != NULL && i < sdp->lines->len, NULL);
  return &g_array_index (sdp->lines, ImpsSdpLine, i);
}

static const gchar *
lines_find (GArray *lines, gchar type)
{
  for (guint i = 0; i < lines->len; i++)
    {
      const ImpsSdpLine *l = &g_array_index (lines, ImpsSdpLine, i);
      if (l->type == type)
        return l->value;
    }
  return NULL;
}

const gchar *
imps_sdp_find_line (const ImpsSdp *sdp, gchar type)
{
  g_return_val_if_fail (sdp != NULL, NULL);
  return lines_find (sdp->lines, type);
}

static gboolean
line_make (gchar type, const gchar *value, ImpsSdpLine *l, ImpsSdpMedia *m, GError **error)
{
  Where w = { 0, type };
  gsize n = strlen (value);
  if (type < 'a' || type > 'z')
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "SDP line type 0x%02x: not a letter a-z", (guchar) type);
      return FALSE;
    }
  if (n > IMPS_SDP_MAX_LINE - 2)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "SDP %c= line: %zu bytes long, more than the limit of %u",
                   type, n + 2, IMPS_SDP_MAX_LINE);
      return FALSE;
    }
  if (!check_value (type, value, n, &w, m, error))
    return FALSE;
  l->type = type;
  l->len = (guint32) n;
  l->value = g_strndup (value, n);
  l->owned = TRUE;
  return TRUE;
}

static gboolean
count_attribute (guint *n, GError **error)
{
  if (*n >= IMPS_SDP_MAX_ATTRIBUTES)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "SDP a= line: more than %u attributes in one section", IMPS_SDP_MAX_ATTRIBUTES);
      return FALSE;
    }
  (*n)++;
  return TRUE;
}

gboolean
imps_sdp_add_line (ImpsSdp *sdp, gchar type, const gchar *value, GError **error)
{
  g_return_val_if_fail (sdp != NULL && value != NULL, FALSE);
  g_return_val_if_fail (type != 'm', FALSE);
  ImpsSdpLine l;
  if (!line_make (type, value, &l, NULL, error))
    return FALSE;
  if (type == 'a' && !count_attribute (&sdp->n_attributes, error))
    {
      line_clear (&l);
      return FALSE;
    }
  g_array_append_val (sdp->lines, l);
  return TRUE;
}

gboolean
imps_sdp_set_line (ImpsSdp *sdp, guint i, const gchar *value, GError **error)
{
  g_return_val_if_fail (sdp != NULL && i < sdp->lines->len && value != NULL, FALSE);
  ImpsSdpLine *old = &g_array_index (sdp->lines, ImpsSdpLine, i);
  ImpsSdpLine l;
  if (!line_make (old->type, value, &l, NULL, error))
    return FALSE;
  line_clear (old);
  *old = l;
  return TRUE;
}

guint
imps_sdp_n_media (const ImpsSdp *sdp)
{
  g_return_val_if_fail (sdp != NULL, 0);
  return sdp->media->len;
}

ImpsSdpMedia *
imps_sdp_get_media (const ImpsSdp *sdp, guint i)
{
  g_return_val_if_fail (sdp != NULL && i < sdp->media->len, NULL);
  return g_ptr_array_index (sdp->media, i);
}

ImpsSdpMedia *
imps_sdp_add_media (ImpsSdp *sdp, const gchar *media, guint port, guint nports,
                    const gchar *proto, const gchar *formats, GError **error)
{
  g_return_val_if_fail (sdp != NULL && media != NULL && proto != NULL && formats != NULL, NULL);
  if (sdp->media->len >= IMPS_SDP_MAX_MEDIA)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "SDP m= line: more than %u media sections", IMPS_SDP_MAX_MEDIA);
      return NULL;
    }
  g_autofree gchar *v = nports > 0
    ? g_strdup_printf ("%s %u/%u %s %s", media, port, nports, proto, formats)
    : g_strdup_printf ("%s %u %s %s", media, port, proto, formats);
  ImpsSdpMedia *m = media_new ();
  ImpsSdpLine l;
  if (!line_make ('m', v, &l, m, error))
    {
      media_free (m);
      return NULL;
    }
  g_array_append_val (m->lines, l);
  g_ptr_array_add (sdp->media, m);
  return m;
}

guint
imps_sdp_media_n_lines (const ImpsSdpMedia *m)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->lines->len;
}

const ImpsSdpLine *
imps_sdp_media_get_line (const ImpsSdpMedia *m, guint i)
{
  g_return_val_if_fail (m != NULL && i < m->lines->len, NULL);
  return &g_array_index (m->lines, ImpsSdpLine, i);
}

const gchar *
imps_sdp_media_find_line (const ImpsSdpMedia *m, gchar type)
{
  g_return_val_if_fail (m != NULL, NULL);
  return lines_find (m->lines, type);
}

gboolean
imps_sdp_media_add_line (ImpsSdpMedia *m, gchar type, const gchar *value, GError **error)
{
  g_return_val_if_fail (m != NULL && value != NULL, FALSE);
  if (media_rank (type) < 0 || type == 'm')
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_ORDER,
                   "SDP %c= line: line order: not allowed in a media section", type);
      return FALSE;
    }
  ImpsSdpLine l;
  if (!line_make (type, value, &l, NULL, error))
    return FALSE;
  if (type == 'a' && !count_attribute (&m->n_attributes, error))
    {
      line_clear (&l);
      return FALSE;
    }
  g_array_append_val (m->lines, l);
  return TRUE;
}

const gchar *
imps_sdp_media_get_media (const ImpsSdpMedia *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  return m->media;
}

guint
imps_sdp_media_get_port (const ImpsSdpMedia *m)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->port;
}

guint
imps_sdp_media_get_nports (const ImpsSdpMedia *m)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->nports;
}

const gchar *
imps_sdp_media_get_proto (const ImpsSdpMedia *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  return m->proto;
}

const gchar *
imps_sdp_media_get_formats (const ImpsSdpMedia *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  return g_array_index (m->lines, ImpsSdpLine, 0).value + m->formats_off;
}

void
imps_sdp_media_set_port (ImpsSdpMedia *m, guint port)
{
  g_return_if_fail (m != NULL && port <= 65535);
  const gchar *formats = imps_sdp_media_get_formats (m);
  g_autofree gchar *v = m->nports > 0
    ? g_strdup_printf ("%s %u/%u %s %s", m->media, port, m->nports, m->proto, formats)
    : g_strdup_printf ("%s %u %s %s", m->media, port, m->proto, formats);
  ImpsSdpLine *old = &g_array_index (m->lines, ImpsSdpLine, 0);
  line_clear (old);
  old->value = g_steal_pointer (&v);
  old->len = (guint32) strlen (old->value);
  old->owned = TRUE;
  /* Recompute the fields (port, format offset) from the new text. */
  Where w = { 0, 'm' };
  gboolean ok = check_media (old->value, old->len, &w, m, NULL);
  g_assert (ok);
}

/* ---- attributes ------------------------------------------------------- */

static gboolean
lines_get_attribute (GArray *lines, guint index, const gchar **name, gsize *name_len,
                     const gchar **value)
{
  guint k = 0;
  for (guint i = 0; i < lines->len; i++)
    {
      const ImpsSdpLine *l = &g_array_index (lines, ImpsSdpLine, i);
      if (l->type != 'a')
        continue;
      if (k++ != index)
        continue;
      const gchar *colon = memchr (l->value, ':', l->len);
      if (name != NULL)
        *name = l->value;
      if (name_len != NULL)
        *name_len = colon ? (gsize) (colon - l->value) : l->len;
      if (value != NULL)
        *value = colon ? colon + 1 : NULL;
      return TRUE;
    }
  return FALSE;
}

static gboolean
line_is_attribute (const ImpsSdpLine *l, const gchar *name, gsize nlen, const gchar **value)
{
  if (l->type != 'a' || l->len < nlen || memcmp (l->value, name, nlen) != 0)
    return FALSE;
  if (l->len == nlen)
    {
      *value = NULL;
      return TRUE;
    }
  if (l->value[nlen] != ':')
    return FALSE;
  *value = l->value + nlen + 1;
  return TRUE;
}

static const gchar *
lines_find_attribute (GArray *lines, const gchar *name, guint nth, gboolean *found)
{
  gsize nlen = strlen (name);
  for (guint i = 0; i < lines->len; i++)
    {
      const gchar *v;
      if (line_is_attribute (&g_array_index (lines, ImpsSdpLine, i), name, nlen, &v)
          && nth-- == 0)
        {
          if (found != NULL)
            *found = TRUE;
          return v;
        }
    }
  if (found != NULL)
    *found = FALSE;
  return NULL;
}

static guint
lines_remove_attributes (GArray *lines, const gchar *name)
{
  gsize nlen = strlen (name);
  guint n = 0;
  for (guint i = 0; i < lines->len;)
    {
      const gchar *v;
      if (line_is_attribute (&g_array_index (lines, ImpsSdpLine, i), name, nlen, &v))
        {
          g_array_remove_index (lines, i);
          n++;
        }
      else
        i++;
    }
  return n;
}

guint
imps_sdp_n_attributes (const ImpsSdp *sdp)
{
  g_return_val_if_fail (sdp != NULL, 0);
  return sdp->n_attributes;
}

gboolean
imps_sdp_get_attribute (const ImpsSdp *sdp, guint index, const gchar **name,
                        gsize *name_len, const gchar **value)
{
  g_return_val_if_fail (sdp != NULL, FALSE);
  return lines_get_attribute (sdp->lines, index, name, name_len, value);
}

guint
imps_sdp_media_n_attributes (const ImpsSdpMedia *m)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->n_attributes;
}

gboolean
imps_sdp_media_get_attribute (const ImpsSdpMedia *m, guint index, const gchar **name,
                              gsize *name_len, const gchar **value)
{
  g_return_val_if_fail (m != NULL, FALSE);
  return lines_get_attribute (m->lines, index, name, name_len, value);
}

const gchar *
imps_sdp_find_attribute (const ImpsSdp *sdp, const gchar *name, guint nth)
{
  g_return_val_if_fail (sdp != NULL && name != NULL, NULL);
  return lines_find_attribute (sdp->lines, name, nth, NULL);
}

const gchar *
imps_sdp_media_find_attribute (const ImpsSdpMedia *m, const gchar *name, guint nth)
{
  g_return_val_if_fail (m != NULL && name != NULL, NULL);
  return lines_find_attribute (m->lines, name, nth, NULL);
}

gboolean
imps_sdp_media_has_attribute (const ImpsSdpMedia *m, const gchar *name)
{
  gboolean found;
  g_return_val_if_fail (m != NULL && name != NULL, FALSE);
  lines_find_attribute (m->lines, name, 0, &found);
  return found;
}

static gchar *
attribute_text (const gchar *name, const gchar *value)
{
  return value != NULL ? g_strconcat (name, ":", value, NULL) : g_strdup (name);
}

gboolean
imps_sdp_add_attribute (ImpsSdp *sdp, const gchar *name, const gchar *value, GError **error)
{
  g_return_val_if_fail (sdp != NULL && name != NULL, FALSE);
  g_autofree gchar *v = attribute_text (name, value);
  gboolean ok = imps_sdp_add_line (sdp, 'a', v, error);
  imps_wipe (v, strlen (v));
  return ok;
}

gboolean
imps_sdp_media_add_attribute (ImpsSdpMedia *m, const gchar *name, const gchar *value, GError **error)
{
  g_return_val_if_fail (m != NULL && name != NULL, FALSE);
  g_autofree gchar *v = attribute_text (name, value);
  gboolean ok = imps_sdp_media_add_line (m, 'a', v, error);
  imps_wipe (v, strlen (v));
  return ok;
}

guint
imps_sdp_remove_attributes (ImpsSdp *sdp, const gchar *name)
{
  g_return_val_if_fail (sdp != NULL && name != NULL, 0);
  guint n = lines_remove_attributes (sdp->lines, name);
  sdp->n_attributes -= n;
  return n;
}

guint
imps_sdp_media_remove_attributes (ImpsSdpMedia *m, const gchar *name)
{
  g_return_val_if_fail (m != NULL && name != NULL, 0);
  guint n = lines_remove_attributes (m->lines, name);
  m->n_attributes -= n;
  return n;
}

/* ---- o= and c= -------------------------------------------------------- */

gboolean
imps_sdp_origin_parse (const gchar *value, ImpsSdpOrigin *out, GError **error)
{
  g_return_val_if_fail (value != NULL && out != NULL, FALSE);
  Where w = { 0, 'o' };
  gsize n = strlen (value);
  memset (out, 0, sizeof *out);
  if (!check_value ('o', value, n, &w, NULL, error))
    return FALSE;
  Field f[6];
  split_fields (value, n, f, 6);
  out->username = g_strndup (f[0].p, f[0].n);
  out->sess_id = g_strndup (f[1].p, f[1].n);
  out->sess_version = g_strndup (f[2].p, f[2].n);
  out->nettype = g_strndup (f[3].p, f[3].n);
  out->addrtype = g_strndup (f[4].p, f[4].n);
  out->address = g_strndup (f[5].p, f[5].n);
  return TRUE;
}

gchar *
imps_sdp_origin_to_string (const ImpsSdpOrigin *o)
{
  g_return_val_if_fail (o != NULL, NULL);
  return g_strdup_printf ("%s %s %s %s %s %s", o->username, o->sess_id, o->sess_version,
                          o->nettype, o->addrtype, o->address);
}

void
imps_sdp_origin_clear (ImpsSdpOrigin *o)
{
  g_clear_pointer (&o->username, g_free);
  g_clear_pointer (&o->sess_id, g_free);
  g_clear_pointer (&o->sess_version, g_free);
  g_clear_pointer (&o->nettype, g_free);
  g_clear_pointer (&o->addrtype, g_free);
  g_clear_pointer (&o->address, g_free);
}

gboolean
imps_sdp_connection_parse (const gchar *value, ImpsSdpConnection *out, GError **error)
{
  g_return_val_if_fail (value != NULL && out != NULL, FALSE);
  Where w = { 0, 'c' };
  gsize n = strlen (value);
  memset (out, 0, sizeof *out);
  if (!check_value ('c', value, n, &w, NULL, error))
    return FALSE;
  Field f[3];
  split_fields (value, n, f, 3);
  out->nettype = g_strndup (f[0].p, f[0].n);
  out->addrtype = g_strndup (f[1].p, f[1].n);
  out->address = g_strndup (f[2].p, f[2].n);
  return TRUE;
}

gchar *
imps_sdp_connection_to_string (const ImpsSdpConnection *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return g_strdup_printf ("%s %s %s", c->nettype, c->addrtype, c->address);
}

void
imps_sdp_connection_clear (ImpsSdpConnection *c)
{
  g_clear_pointer (&c->nettype, g_free);
  g_clear_pointer (&c->addrtype, g_free);
  g_clear_pointer (&c->address, g_free);
}

const gchar *
imps_sdp_media_connection (const ImpsSdp *sdp, const ImpsSdpMedia *m)
{
  g_return_val_if_fail (sdp != NULL && m != NULL, NULL);
  const gchar *c = imps_sdp_media_find_line (m, 'c');
  return c != NULL ? c : imps_sdp_find_line (sdp, 'c');
}
