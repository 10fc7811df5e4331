/* SIP message parse and build. Grammar: RFC 3261 §7 and §25.1. */
#include "imps-sip-message.h"
#include "imps-sip-headers.h"
#include "imps-sip-private.h"

#include <string.h>

struct _ImpsSipMessage {
  gboolean is_request;
  const gchar *method;
  const gchar *request_uri;
  guint status;
  const gchar *reason;
  GStringChunk *strings;   /* every name and value of the message */
  GArray *headers;         /* ImpsSipHeader */
  GBytes *body;
};

/* ---- the header table --------------------------------------------------- */

typedef struct {
  const gchar *name;
  gsize len;
  gchar compact;
  gboolean list;
} HeaderInfo;

/* Indexed by ImpsSipHeaderId. Compact forms: RFC 3261 §7.3.3 (c e f i k l
 * m s t v), RFC 3841 (a j d), RFC 3515 (r), RFC 3892 (b), RFC 6665 (o u),
 * RFC 4028 (x), RFC 8224 (y). */
static const HeaderInfo header_info[IMPS_SIP_HDR_N_KNOWN] = {
  [IMPS_SIP_HDR_OTHER] = { NULL, 0, 0, FALSE },
  [IMPS_SIP_HDR_ACCEPT] = { "Accept", sizeof "Accept" - 1, 0, TRUE },
  [IMPS_SIP_HDR_ACCEPT_CONTACT] = { "Accept-Contact", sizeof "Accept-Contact" - 1, 'a', TRUE },
  [IMPS_SIP_HDR_ACCEPT_ENCODING] = { "Accept-Encoding", sizeof "Accept-Encoding" - 1, 0, TRUE },
  [IMPS_SIP_HDR_ACCEPT_LANGUAGE] = { "Accept-Language", sizeof "Accept-Language" - 1, 0, TRUE },
  [IMPS_SIP_HDR_ALERT_INFO] = { "Alert-Info", sizeof "Alert-Info" - 1, 0, TRUE },
  [IMPS_SIP_HDR_ALLOW] = { "Allow", sizeof "Allow" - 1, 0, TRUE },
  [IMPS_SIP_HDR_ALLOW_EVENTS] = { "Allow-Events", sizeof "Allow-Events" - 1, 'u', TRUE },
  [IMPS_SIP_HDR_AUTHORIZATION] = { "Authorization", sizeof "Authorization" - 1, 0, FALSE },
  [IMPS_SIP_HDR_CALL_ID] = { "Call-ID", sizeof "Call-ID" - 1, 'i', FALSE },
  [IMPS_SIP_HDR_CALL_INFO] = { "Call-Info", sizeof "Call-Info" - 1, 0, TRUE },
  [IMPS_SIP_HDR_CONTACT] = { "Contact", sizeof "Contact" - 1, 'm', TRUE },
  [IMPS_SIP_HDR_CONTENT_DISPOSITION] = { "Content-Disposition", sizeof "Content-Disposition" - 1, 0, FALSE },
  [IMPS_SIP_HDR_CONTENT_ENCODING] = { "Content-Encoding", sizeof "Content-Encoding" - 1, 'e', TRUE },
  [IMPS_SIP_HDR_CONTENT_LANGUAGE] = { "Content-Language", sizeof "Content-Language" - 1, 0, TRUE },
  [IMPS_SIP_HDR_CONTENT_LENGTH] = { "Content-Length", sizeof "Content-Length" - 1, 'l', FALSE },
  [IMPS_SIP_HDR_CONTENT_TYPE] = { "Content-Type", sizeof "Content-Type" - 1, 'c', FALSE },
  [IMPS_SIP_HDR_CSEQ] = { "CSeq", sizeof "CSeq" - 1, 0, FALSE },
  [IMPS_SIP_HDR_DATE] = { "Date", sizeof "Date" - 1, 0, FALSE },
  [IMPS_SIP_HDR_ERROR_INFO] = { "Error-Info", sizeof "Error-Info" - 1, 0, TRUE },
  [IMPS_SIP_HDR_EVENT] = { "Event", sizeof "Event" - 1, 'o', FALSE },
  [IMPS_SIP_HDR_EXPIRES] = { "Expires", sizeof "Expires" - 1, 0, FALSE },
  [IMPS_SIP_HDR_FROM] = { "From", sizeof "From" - 1, 'f', FALSE },
  [IMPS_SIP_HDR_IDENTITY] = { "Identity", sizeof "Identity" - 1, 'y', FALSE },
  [IMPS_SIP_HDR_IN_REPLY_TO] = { "In-Reply-To", sizeof "In-Reply-To" - 1, 0, TRUE },
  [IMPS_SIP_HDR_MAX_FORWARDS] = { "Max-Forwards", sizeof "Max-Forwards" - 1, 0, FALSE },
  [IMPS_SIP_HDR_MIME_VERSION] = { "MIME-Version", sizeof "MIME-Version" - 1, 0, FALSE },
  [IMPS_SIP_HDR_MIN_EXPIRES] = { "Min-Expires", sizeof "Min-Expires" - 1, 0, FALSE },
  [IMPS_SIP_HDR_ORGANIZATION] = { "Organization", sizeof "Organization" - 1, 0, FALSE },
  [IMPS_SIP_HDR_P_ASSERTED_IDENTITY] = { "P-Asserted-Identity", sizeof "P-Asserted-Identity" - 1, 0, TRUE },
  [IMPS_SIP_HDR_P_ASSOCIATED_URI] = { "P-Associated-URI", sizeof "P-Associated-URI" - 1, 0, TRUE },
  [IMPS_SIP_HDR_P_PREFERRED_IDENTITY] = { "P-Preferred-Identity", sizeof "P-Preferred-Identity" - 1, 0, TRUE },
  [IMPS_SIP_HDR_PATH] = { "Path", sizeof "Path" - 1, 0, TRUE },
  [IMPS_SIP_HDR_PRIORITY] = { "Priority", sizeof "Priority" - 1, 0, FALSE },
  [IMPS_SIP_HDR_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", sizeof "Proxy-Authenticate" - 1, 0, FALSE },
  [IMPS_SIP_HDR_PROXY_AUTHORIZATION] = { "Proxy-Authorization", sizeof "Proxy-Authorization" - 1, 0, FALSE },
  [IMPS_SIP_HDR_PROXY_REQUIRE] = { "Proxy-Require", sizeof "Proxy-Require" - 1, 0, TRUE },
  [IMPS_SIP_HDR_REASON] = { "Reason", sizeof "Reason" - 1, 0, TRUE },
  [IMPS_SIP_HDR_RECORD_ROUTE] = { "Record-Route", sizeof "Record-Route" - 1, 0, TRUE },
  [IMPS_SIP_HDR_REFER_TO] = { "Refer-To", sizeof "Refer-To" - 1, 'r', FALSE },
  [IMPS_SIP_HDR_REFERRED_BY] = { "Referred-By", sizeof "Referred-By" - 1, 'b', FALSE },
  [IMPS_SIP_HDR_REJECT_CONTACT] = { "Reject-Contact", sizeof "Reject-Contact" - 1, 'j', TRUE },
  [IMPS_SIP_HDR_REPLY_TO] = { "Reply-To", sizeof "Reply-To" - 1, 0, FALSE },
  [IMPS_SIP_HDR_REQUEST_DISPOSITION] = { "Request-Disposition", sizeof "Request-Disposition" - 1, 'd', TRUE },
  [IMPS_SIP_HDR_REQUIRE] = { "Require", sizeof "Require" - 1, 0, TRUE },
  [IMPS_SIP_HDR_RETRY_AFTER] = { "Retry-After", sizeof "Retry-After" - 1, 0, FALSE },
  [IMPS_SIP_HDR_ROUTE] = { "Route", sizeof "Route" - 1, 0, TRUE },
  [IMPS_SIP_HDR_SERVER] = { "Server", sizeof "Server" - 1, 0, FALSE },
  [IMPS_SIP_HDR_SERVICE_ROUTE] = { "Service-Route", sizeof "Service-Route" - 1, 0, TRUE },
  [IMPS_SIP_HDR_SESSION_EXPIRES] = { "Session-Expires", sizeof "Session-Expires" - 1, 'x', FALSE },
  [IMPS_SIP_HDR_SUBJECT] = { "Subject", sizeof "Subject" - 1, 's', FALSE },
  [IMPS_SIP_HDR_SUPPORTED] = { "Supported", sizeof "Supported" - 1, 'k', TRUE },
  [IMPS_SIP_HDR_TIMESTAMP] = { "Timestamp", sizeof "Timestamp" - 1, 0, FALSE },
  [IMPS_SIP_HDR_TO] = { "To", sizeof "To" - 1, 't', FALSE },
  [IMPS_SIP_HDR_UNSUPPORTED] = { "Unsupported", sizeof "Unsupported" - 1, 0, TRUE },
  [IMPS_SIP_HDR_USER_AGENT] = { "User-Agent", sizeof "User-Agent" - 1, 0, FALSE },
  [IMPS_SIP_HDR_VIA] = { "Via", sizeof "Via" - 1, 'v', TRUE },
  [IMPS_SIP_HDR_WARNING] = { "Warning", sizeof "Warning" - 1, 0, TRUE },
  [IMPS_SIP_HDR_WWW_AUTHENTICATE] = { "WWW-Authenticate", sizeof "WWW-Authenticate" - 1, 0, FALSE },
};

ImpsSipHeaderId
imps_sip_header_id_from_name (const gchar *name, gsize len)
{
  g_return_val_if_fail (name != NULL || len == 0, IMPS_SIP_HDR_OTHER);

  if (len == 0)
    return IMPS_SIP_HDR_OTHER;
  if (len == 1)
    {
      gchar c = g_ascii_tolower (name[0]);
      for (guint i = 1; i < IMPS_SIP_HDR_N_KNOWN; i++)
        if (header_info[i].compact == c)
          return (ImpsSipHeaderId) i;
      return IMPS_SIP_HDR_OTHER;
    }
  gchar first = g_ascii_tolower (name[0]);
  for (guint i = 1; i < IMPS_SIP_HDR_N_KNOWN; i++)
    if (header_info[i].len == len
        && g_ascii_tolower (header_info[i].name[0]) == first
        && g_ascii_strncasecmp (header_info[i].name, name, len) == 0)
      return (ImpsSipHeaderId) i;
  return IMPS_SIP_HDR_OTHER;
}

const gchar *
imps_sip_header_id_to_name (ImpsSipHeaderId id)
{
  g_return_val_if_fail (id < IMPS_SIP_HDR_N_KNOWN, NULL);
  return header_info[id].name;
}

gboolean
imps_sip_header_id_is_list (ImpsSipHeaderId id)
{
  g_return_val_if_fail (id < IMPS_SIP_HDR_N_KNOWN, FALSE);
  return header_info[id].list;
}

/* ---- small helpers ------------------------------------------------------ */

static inline gboolean
is_ws (gchar c)
{
  return c == ' ' || c == '\t';
}

const gchar *
imps_sip_split_element (const gchar *p, const gchar **start, gsize *len,
                        gboolean *ok)
{
  gboolean quoted = FALSE, angle = FALSE;
  const gchar *s, *e;

  while (is_ws (*p))
    p++;
  s = p;
  if (ok)
    *ok = TRUE;
  for (; *p; p++)
    {
      if (quoted)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            quoted = FALSE;
        }
      else if (angle)
        {
          if (*p == '>')
            angle = FALSE;
        }
      else if (*p == '"')
        quoted = TRUE;
      else if (*p == '<')
        angle = TRUE;
      else if (*p == ',')
        break;
    }
  if ((quoted || angle) && ok)
    *ok = FALSE;
  e = p;
  while (e > s && is_ws (e[-1]))
    e--;
  *start = s;
  *len = e - s;
  return *p == ',' ? p + 1 : NULL;
}

static const gchar *
chunk_str (ImpsSipMessage *msg, const gchar *s, gssize len)
{
  return g_string_chunk_insert_len (msg->strings, s, len);
}

/* A value must not hold CR or LF: built, it would break the lines. */
static gboolean
value_ok (const gchar *value)
{
  for (const gchar *p = value; *p; p++)
    if (*p == '\r' || *p == '\n')
      return FALSE;
  return TRUE;
}

static gboolean
token_ok (const gchar *s, gsize max)
{
  gsize n = 0;

  for (; s[n]; n++)
    if (!imps_sip_is_token_char (s[n]))
      return FALSE;
  return n > 0 && n <= max;
}

static ImpsSipMessage *
message_alloc (gsize chunk_size)
{
  ImpsSipMessage *msg = g_new0 (ImpsSipMessage, 1);
  msg->strings = g_string_chunk_new (MAX (chunk_size, 256));
  msg->headers = g_array_sized_new (FALSE, FALSE, sizeof (ImpsSipHeader), 16);
  msg->body = g_bytes_new_static ("", 0);
  return msg;
}

static const struct {
  guint code;
  const gchar *phrase;
} reason_table[] = {
  { 100, "Trying" }, { 180, "Ringing" },
  { 181, "Call Is Being Forwarded" }, { 182, "Queued" },
  { 183, "Session Progress" }, { 200, "OK" }, { 202, "Accepted" },
  { 300, "Multiple Choices" }, { 301, "Moved Permanently" },
  { 302, "Moved Temporarily" }, { 305, "Use Proxy" },
  { 380, "Alternative Service" }, { 400, "Bad Request" },
  { 401, "Unauthorized" }, { 402, "Payment Required" },
  { 403, "Forbidden" }, { 404, "Not Found" },
  { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
  { 407, "Proxy Authentication Required" }, { 408, "Request Timeout" },
  { 410, "Gone" }, { 413, "Request Entity Too Large" },
  { 414, "Request-URI Too Long" }, { 415, "Unsupported Media Type" },
  { 416, "Unsupported URI Scheme" }, { 420, "Bad Extension" },
  { 421, "Extension Required" }, { 423, "Interval Too Brief" },
  { 480, "Temporarily Unavailable" },
  { 481, "Call/Transaction Does Not Exist" }, { 482, "Loop Detected" },
  { 483, "Too Many Hops" }, { 484, "Address Incomplete" },
  { 485, "Ambiguous" }, { 486, "Busy Here" },
  { 487, "Request Terminated" }, { 488, "Not Acceptable Here" },
  { 491, "Request Pending" }, { 493, "Undecipherable" },
  { 500, "Server Internal Error" }, { 501, "Not Implemented" },
  { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
  { 504, "Server Time-out" }, { 505, "Version Not Supported" },
  { 513, "Message Too Large" }, { 600, "Busy Everywhere" },
  { 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
  { 606, "Not Acceptable" },
};

const gchar *
imps_sip_reason_phrase (guint status)
{
  for (guint i = 0; i < G_N_ELEMENTS (reason_table); i++)
    if (reason_table[i].code == status)
      return reason_table[i].phrase;
  return "Unknown";
}

/* ---- parsing ------------------------------------------------------------ */

/* Finds the CRLF that ends the line starting at @p; *ascii tells whether
 * the line holds only ASCII (then it needs no UTF-8 check). */
static gboolean
find_line_end (const gchar *base, const gchar *p, const gchar *end,
               guint line, const gchar **eol, gboolean *ascii, GError **error)
{
  const gchar *lim = end;
  gboolean high = FALSE;

  if ((gsize) (end - p) > IMPS_SIP_MAX_LINE + 2)
    lim = p + IMPS_SIP_MAX_LINE + 2;
  for (const gchar *q = p; q < lim; q++)
    {
      guchar c = (guchar) *q;
      if (G_LIKELY (c >= 0x20 && c < 0x7f))
        continue;
      if (c >= 0x80)
        {
          high = TRUE;
          continue;
        }
      if (c == '\t')
        continue;
      if (c == '\r')
        {
          if (q + 1 < end && q[1] == '\n')
            {
              if ((gsize) (q - p) > IMPS_SIP_MAX_LINE)
                break;
              *eol = q;
              *ascii = !high;
              return TRUE;
            }
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_LINE,
                       "line %u: CR without LF at offset %" G_GSIZE_FORMAT,
                       line, (gsize) (q - base));
          return FALSE;
        }
      if (c == '\n')
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_LINE,
                       "line %u ends with LF without CR at offset %" G_GSIZE_FORMAT,
                       line, (gsize) (q - base));
          return FALSE;
        }
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_LINE,
                   "line %u: control character 0x%02x at offset %" G_GSIZE_FORMAT,
                   line, c, (gsize) (q - base));
      return FALSE;
    }
  if (lim < end || (gsize) (end - p) > IMPS_SIP_MAX_LINE + 1)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                   "line %u at offset %" G_GSIZE_FORMAT " is longer than %d bytes",
                   line, (gsize) (p - base), IMPS_SIP_MAX_LINE);
      return FALSE;
    }
  g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_LINE,
               "line %u: message ends at offset %" G_GSIZE_FORMAT " without CRLF%s",
               line, (gsize) (end - base),
               line > 1 ? " (no empty line after the headers)" : "");
  return FALSE;
}

static gboolean
parse_start_line (ImpsSipMessage *msg, const gchar *base, const gchar *s,
                  const gchar *e, GError **error)
{
  gsize off = s - base;

  if (e - s >= 4 && memcmp (s, "SIP/", 4) == 0)
    {
      /* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
      if (e - s < 12 || g_ascii_strncasecmp (s, "SIP/2.0 ", 8) != 0)
        {
          if (e - s >= 8 && g_ascii_strncasecmp (s, "SIP/2.0", 7) == 0)
            g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                         "status line at offset %" G_GSIZE_FORMAT
                         ": no space after SIP/2.0", off);
          else
            g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_VERSION,
                         "status line at offset %" G_GSIZE_FORMAT
                         ": version is not SIP/2.0", off);
          return FALSE;
        }
      const gchar *c = s + 8;
      if (!g_ascii_isdigit (c[0]) || !g_ascii_isdigit (c[1])
          || !g_ascii_isdigit (c[2]) || c[3] != ' ')
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                       "status line: bad status code at offset %" G_GSIZE_FORMAT,
                       (gsize) (c - base));
          return FALSE;
        }
      guint status = (guint) ((c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0'));
      if (status < 100 || status > 699)
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                       "status line: status code %u out of range at offset %" G_GSIZE_FORMAT,
                       status, (gsize) (c - base));
          return FALSE;
        }
      const gchar *r = c + 4;
      if (!g_utf8_validate (r, e - r, NULL))
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                       "status line: reason phrase is not UTF-8 at offset %" G_GSIZE_FORMAT,
                       (gsize) (r - base));
          return FALSE;
        }
      msg->is_request = FALSE;
      msg->status = status;
      msg->reason = chunk_str (msg, r, e - r);
      return TRUE;
    }

  /* Request-Line = Method SP Request-URI SP SIP-Version */
  const gchar *p = s;
  while (p < e && imps_sip_is_token_char (*p))
    p++;
  if (p == s || p >= e || *p != ' ')
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                   "request line: bad method at offset %" G_GSIZE_FORMAT,
                   (gsize) (p - base));
      return FALSE;
    }
  if (p - s > IMPS_SIP_MAX_METHOD)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                   "request line: method longer than %d bytes at offset %" G_GSIZE_FORMAT,
                   IMPS_SIP_MAX_METHOD, off);
      return FALSE;
    }
  const gchar *u = p + 1;
  const gchar *ue = u;
  while (ue < e && *ue != ' ')
    ue++;
  if (ue == u || ue >= e)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                   "request line: missing Request-URI or SIP-Version at offset %" G_GSIZE_FORMAT,
                   (gsize) (ue - base));
      return FALSE;
    }
  const gchar *v = ue + 1;
  if (e - v != 7 || g_ascii_strncasecmp (v, "SIP/2.0", 7) != 0)
    {
      gboolean sipish = e - v >= 4 && g_ascii_strncasecmp (v, "SIP/", 4) == 0
                        && memchr (v, ' ', e - v) == NULL;
      g_set_error (error, IMPS_SIP_ERROR,
                   sipish ? IMPS_SIP_ERROR_VERSION : IMPS_SIP_ERROR_START_LINE,
                   "request line: %s at offset %" G_GSIZE_FORMAT,
                   sipish ? "version is not SIP/2.0" : "bad SIP-Version",
                   (gsize) (v - base));
      return FALSE;
    }
  GError *uri_error = NULL;
  if (!imps_sip_uri_validate (u, ue - u, &uri_error))
    {
      g_propagate_prefixed_error (error, uri_error,
                                  "request line: Request-URI at offset %" G_GSIZE_FORMAT ": ",
                                  (gsize) (u - base));
      return FALSE;
    }
  msg->is_request = TRUE;
  msg->method = chunk_str (msg, s, p - s);
  msg->request_uri = chunk_str (msg, u, ue - u);
  return TRUE;
}

static gboolean
header_fail (GError **error, gint code, const ImpsSipHeader *h,
             const gchar *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
header_fail (GError **error, gint code, const ImpsSipHeader *h,
             const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_SIP_ERROR, code, "header %s (line %u): %s",
               h->name, h->line, what);
  return FALSE;
}

static gboolean
parse_digits (const gchar *s, guint max_digits, guint64 *out)
{
  guint64 v = 0;
  guint n = 0;

  for (; *s; s++, n++)
    {
      if (!g_ascii_isdigit (*s) || n >= max_digits)
        return FALSE;
      v = v * 10 + (guint64) (*s - '0');
    }
  if (n == 0)
    return FALSE;
  *out = v;
  return TRUE;
}

/* Checks the headers the nodes rely on, without allocating. */
static gboolean
validate_headers (ImpsSipMessage *msg, gsize body_len, GError **error)
{
  guint counts[IMPS_SIP_HDR_N_KNOWN] = { 0 };
  gboolean star = FALSE;
  gint64 content_length = -1;

  for (guint i = 0; i < msg->headers->len; i++)
    {
      const ImpsSipHeader *h = &g_array_index (msg->headers, ImpsSipHeader, i);
      GError *sub = NULL;
      gboolean ok = TRUE;

      /* Allow, Supported and the Accept family may be empty (RFC 3261
       * §20: [element *(COMMA element)]): an empty line has no values. */
      if (header_info[h->id].list && h->value[0] == '\0'
          && (h->id == IMPS_SIP_HDR_ALLOW || h->id == IMPS_SIP_HDR_SUPPORTED
              || h->id == IMPS_SIP_HDR_ACCEPT || h->id == IMPS_SIP_HDR_ACCEPT_ENCODING
              || h->id == IMPS_SIP_HDR_ACCEPT_LANGUAGE))
        continue;
      if (header_info[h->id].list)
        {
          const gchar *p = h->value;
          do
            {
              const gchar *v;
              gsize vlen;
              gboolean balanced;
              p = imps_sip_split_element (p, &v, &vlen, &balanced);
              if (!balanced)
                return header_fail (error, IMPS_SIP_ERROR_HEADER, h,
                                    "unterminated quoted string or <...>");
              if (vlen == 0)
                return header_fail (error, IMPS_SIP_ERROR_HEADER, h,
                                    "empty list element at offset %" G_GSIZE_FORMAT,
                                    (gsize) (v - h->value));
              if (++counts[h->id] > IMPS_SIP_MAX_VALUES)
                return header_fail (error, IMPS_SIP_ERROR_TOO_LARGE, h,
                                    "more than %d values", IMPS_SIP_MAX_VALUES);
              switch (h->id)
                {
                case IMPS_SIP_HDR_VIA:
                  ok = imps_sip_via_scan (v, vlen, NULL, &sub);
                  break;
                case IMPS_SIP_HDR_CONTACT:
                  ok = imps_sip_name_addr_scan (v, vlen, TRUE, NULL, NULL, NULL, &sub);
                  if (ok && vlen == 1 && *v == '*')
                    star = TRUE;
                  break;
                case IMPS_SIP_HDR_ROUTE:
                case IMPS_SIP_HDR_RECORD_ROUTE:
                case IMPS_SIP_HDR_P_ASSERTED_IDENTITY:
                  ok = imps_sip_name_addr_scan (v, vlen, FALSE, NULL, NULL, NULL, &sub);
                  break;
                default:
                  break;
                }
              if (!ok)
                {
                  g_propagate_prefixed_error (error, sub,
                                              "header %s (line %u), value at offset %" G_GSIZE_FORMAT ": ",
                                              h->name, h->line, (gsize) (v - h->value));
                  return FALSE;
                }
            }
          while (p != NULL);
          continue;
        }

      counts[h->id]++;
      switch (h->id)
        {
        case IMPS_SIP_HDR_FROM:
        case IMPS_SIP_HDR_TO:
          ok = imps_sip_name_addr_scan (h->value, strlen (h->value), FALSE, NULL,
                                        NULL, NULL, &sub);
          break;
        case IMPS_SIP_HDR_CALL_ID:
          ok = imps_sip_call_id_validate (h->value, -1, &sub);
          break;
        case IMPS_SIP_HDR_CSEQ:
          {
            ImpsSipCSeq cseq;
            ok = imps_sip_cseq_parse (h->value, -1, &cseq, &sub);
            if (ok && msg->is_request && strcmp (cseq.method, msg->method) != 0)
              return header_fail (error, IMPS_SIP_ERROR_HEADER, h,
                                  "method %s is not the request method %s",
                                  cseq.method, msg->method);
          }
          break;
        case IMPS_SIP_HDR_MAX_FORWARDS:
          {
            guint64 v;
            if (!parse_digits (h->value, 3, &v) || v > 255)
              return header_fail (error, IMPS_SIP_ERROR_HEADER, h,
                                  "not a number from 0 to 255");
          }
          break;
        case IMPS_SIP_HDR_EXPIRES:
          {
            guint64 v;
            if (!parse_digits (h->value, 10, &v))
              return header_fail (error, IMPS_SIP_ERROR_HEADER, h,
                                  "not a number of seconds");
          }
          break;
        case IMPS_SIP_HDR_CONTENT_LENGTH:
          {
            guint64 v;
            const gchar *q = h->value;
            for (; *q; q++)
              if (!g_ascii_isdigit (*q))
                return header_fail (error, IMPS_SIP_ERROR_CONTENT_LENGTH, h,
                                    "not a number (character 0x%02x at offset %" G_GSIZE_FORMAT ")",
                                    (guint) (guchar) *q, (gsize) (q - h->value));
            if (q == h->value)
              return header_fail (error, IMPS_SIP_ERROR_CONTENT_LENGTH, h,
                                  "empty value");
            if (!parse_digits (h->value, 10, &v) || v > IMPS_SIP_MAX_MESSAGE)
              return header_fail (error, IMPS_SIP_ERROR_CONTENT_LENGTH, h,
                                  "%s exceeds the message bound %d", h->value,
                                  IMPS_SIP_MAX_MESSAGE);
            if (content_length >= 0 && (guint64) content_length != v)
              return header_fail (error, IMPS_SIP_ERROR_CONTENT_LENGTH, h,
                                  "%" G_GUINT64_FORMAT " disagrees with an earlier %"
                                  G_GINT64_FORMAT, v, content_length);
            content_length = (gint64) v;
          }
          break;
        default:
          break;
        }
      if (!ok)
        {
          g_propagate_prefixed_error (error, sub, "header %s (line %u): ",
                                      h->name, h->line);
          return FALSE;
        }
    }

  if (star && counts[IMPS_SIP_HDR_CONTACT] > 1)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                   "header Contact: '*' together with other contacts");
      return FALSE;
    }
  static const ImpsSipHeaderId single[] = {
    IMPS_SIP_HDR_FROM, IMPS_SIP_HDR_TO, IMPS_SIP_HDR_CALL_ID, IMPS_SIP_HDR_CSEQ,
    IMPS_SIP_HDR_MAX_FORWARDS, IMPS_SIP_HDR_CONTENT_TYPE, IMPS_SIP_HDR_EXPIRES,
  };
  for (guint i = 0; i < G_N_ELEMENTS (single); i++)
    if (counts[single[i]] > 1)
      {
        g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                     "header %s appears %u times", header_info[single[i]].name,
                     counts[single[i]]);
        return FALSE;
      }
  static const ImpsSipHeaderId mandatory[] = {
    IMPS_SIP_HDR_VIA, IMPS_SIP_HDR_FROM, IMPS_SIP_HDR_TO, IMPS_SIP_HDR_CALL_ID,
    IMPS_SIP_HDR_CSEQ, IMPS_SIP_HDR_MAX_FORWARDS,
  };
  for (guint i = 0; i < G_N_ELEMENTS (mandatory); i++)
    {
      if (mandatory[i] == IMPS_SIP_HDR_MAX_FORWARDS && !msg->is_request)
        continue;
      if (counts[mandatory[i]] == 0)
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER,
                       "%s without a %s header",
                       msg->is_request ? "request" : "response",
                       header_info[mandatory[i]].name);
          return FALSE;
        }
    }
  if (content_length >= 0 && (guint64) content_length != body_len)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_CONTENT_LENGTH,
                   "header Content-Length: %" G_GINT64_FORMAT
                   " but the body has %" G_GSIZE_FORMAT " bytes",
                   content_length, body_len);
      return FALSE;
    }
  return TRUE;
}

/* Adds a header whose value spans [vs, ve) of the input, possibly over
 * several folded lines (@folded). */
static void
add_parsed_header (ImpsSipMessage *msg, const gchar *ns, gsize nlen,
                   const gchar *vs, const gchar *ve, gboolean folded,
                   guint line)
{
  ImpsSipHeader h;

  h.name = chunk_str (msg, ns, nlen);
  h.id = imps_sip_header_id_from_name (ns, nlen);
  h.line = line;
  while (vs < ve && is_ws (*vs))
    vs++;
  while (ve > vs && is_ws (ve[-1]))
    ve--;
  if (!folded)
    h.value = chunk_str (msg, vs, ve - vs);
  else
    {
      /* Replace each CRLF and the whitespace around it by one space. */
      gchar *tmp = g_malloc (ve - vs + 1);
      gsize o = 0;
      for (const gchar *p = vs; p < ve; p++)
        {
          if (*p == '\r')
            {
              while (o > 0 && is_ws (tmp[o - 1]))
                o--;
              p += 2;
              while (p < ve && is_ws (*p))
                p++;
              p--;
              if (o > 0)
                tmp[o++] = ' ';
            }
          else
            tmp[o++] = *p;
        }
      while (o > 0 && is_ws (tmp[o - 1]))
        o--;
      h.value = chunk_str (msg, tmp, o);
      g_free (tmp);
    }
  g_array_append_val (msg->headers, h);
}

ImpsSipMessage *
imps_sip_message_parse (const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > IMPS_SIP_MAX_MESSAGE)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                   "message of %" G_GSIZE_FORMAT " bytes exceeds %d",
                   len, IMPS_SIP_MAX_MESSAGE);
      return NULL;
    }

  if (len == 0)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                   "start line: empty message");
      return NULL;
    }

  const gchar *base = (const gchar *) data;
  const gchar *end = base + len;
  const gchar *p = base;
  const gchar *eol;
  guint line = 1;

  /* RFC 3261 §7.5: CRLFs before the start line are ignored. */
  while (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
    {
      p += 2;
      line++;
    }
  if (p == end)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                   "start line: empty message");
      return NULL;
    }

  /* One block holds the copied strings and their NULs in most messages. */
  g_autoptr (ImpsSipMessage) msg = message_alloc (len + 512);
  GError *sub = NULL;
  gboolean ascii;
  if (!find_line_end (base, p, end, line, &eol, &ascii, &sub))
    {
      g_propagate_prefixed_error (error, sub, "start line: ");
      return NULL;
    }
  if (!parse_start_line (msg, base, p, eol, error))
    return NULL;
  p = eol + 2;
  line++;

  /* Header lines, with folding (RFC 3261 §7.3.1). */
  const gchar *ns = NULL, *vs = NULL, *ve = NULL;
  gsize nlen = 0;
  guint hline = 0;
  gboolean folded = FALSE;
  for (;;)
    {
      if (!find_line_end (base, p, end, line, &eol, &ascii, error))
        return NULL;
      if (eol == p)
        break;   /* the empty line */
      if (is_ws (*p))
        {
          if (ns == NULL)
            {
              g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                           "line %u: continuation line before any header at offset %"
                           G_GSIZE_FORMAT, line, (gsize) (p - base));
              return NULL;
            }
          ve = eol;
          folded = TRUE;
          if ((gsize) (ve - ns) > IMPS_SIP_MAX_LINE)
            {
              g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                           "header %.*s (line %u) is longer than %d bytes",
                           (int) nlen, ns, hline, IMPS_SIP_MAX_LINE);
              return NULL;
            }
        }
      else
        {
          if (ns != NULL)
            add_parsed_header (msg, ns, nlen, vs, ve, folded, hline);
          if (msg->headers->len >= IMPS_SIP_MAX_HEADERS)
            {
              g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                           "line %u: more than %d header lines", line,
                           IMPS_SIP_MAX_HEADERS);
              return NULL;
            }
          const gchar *q = p;
          while (q < eol && imps_sip_is_token_char (*q))
            q++;
          ns = p;
          nlen = q - p;
          while (q < eol && is_ws (*q))
            q++;
          if (nlen == 0 || q >= eol || *q != ':')
            {
              g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                           "line %u: header %s at offset %" G_GSIZE_FORMAT,
                           line, nlen == 0 ? "without a name" : "without a colon",
                           (gsize) (q - base));
              return NULL;
            }
          vs = q + 1;
          ve = eol;
          folded = FALSE;
          hline = line;
        }
      if (!ascii && !g_utf8_validate (p, eol - p, NULL))
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                       "header %.*s (line %u): not UTF-8", (int) nlen, ns, line);
          return NULL;
        }
      p = eol + 2;
      line++;
    }
  if (ns != NULL)
    add_parsed_header (msg, ns, nlen, vs, ve, folded, hline);
  p = eol + 2;

  if (!validate_headers (msg, end - p, error))
    return NULL;
  g_bytes_unref (msg->body);
  msg->body = g_bytes_new (p, end - p);
  return g_steal_pointer (&msg);
}

/* ---- construction and access ------------------------------------------- */

ImpsSipMessage *
imps_sip_message_new_request (const gchar *method, const gchar *request_uri)
{
  g_return_val_if_fail (method != NULL && request_uri != NULL, NULL);
  g_return_val_if_fail (token_ok (method, IMPS_SIP_MAX_METHOD), NULL);
  g_return_val_if_fail (imps_sip_uri_validate (request_uri, -1, NULL), NULL);

  ImpsSipMessage *msg = message_alloc (512);
  msg->is_request = TRUE;
  msg->method = chunk_str (msg, method, -1);
  msg->request_uri = chunk_str (msg, request_uri, -1);
  return msg;
}

ImpsSipMessage *
imps_sip_message_new_response (guint status, const gchar *reason)
{
  g_return_val_if_fail (status >= 100 && status <= 699, NULL);
  g_return_val_if_fail (reason == NULL || value_ok (reason), NULL);

  ImpsSipMessage *msg = message_alloc (512);
  msg->status = status;
  msg->reason = chunk_str (msg, reason ? reason : imps_sip_reason_phrase (status), -1);
  return msg;
}

void
imps_sip_message_free (ImpsSipMessage *msg)
{
  if (msg == NULL)
    return;
  g_string_chunk_free (msg->strings);
  g_array_unref (msg->headers);
  g_bytes_unref (msg->body);
  g_free (msg);
}

ImpsSipMessage *
imps_sip_message_copy (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);

  ImpsSipMessage *c = message_alloc (1024);
  c->is_request = msg->is_request;
  c->status = msg->status;
  if (msg->method)
    c->method = chunk_str (c, msg->method, -1);
  if (msg->request_uri)
    c->request_uri = chunk_str (c, msg->request_uri, -1);
  if (msg->reason)
    c->reason = chunk_str (c, msg->reason, -1);
  for (guint i = 0; i < msg->headers->len; i++)
    {
      ImpsSipHeader h = g_array_index (msg->headers, ImpsSipHeader, i);
      h.name = chunk_str (c, h.name, -1);
      h.value = chunk_str (c, h.value, -1);
      g_array_append_val (c->headers, h);
    }
  g_bytes_unref (c->body);
  c->body = g_bytes_ref (msg->body);
  return c;
}

gboolean
imps_sip_message_is_request (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  return msg->is_request;
}

const gchar *
imps_sip_message_get_method (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->method;
}

const gchar *
imps_sip_message_get_request_uri (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->request_uri;
}

ImpsSipUri *
imps_sip_message_dup_request_uri (const ImpsSipMessage *msg, GError **error)
{
  g_return_val_if_fail (msg != NULL && msg->is_request, NULL);
  return imps_sip_uri_parse (msg->request_uri, -1, error);
}

void
imps_sip_message_set_request_uri (ImpsSipMessage *msg, const gchar *uri)
{
  g_return_if_fail (msg != NULL && msg->is_request && uri != NULL);
  g_return_if_fail (imps_sip_uri_validate (uri, -1, NULL));
  msg->request_uri = chunk_str (msg, uri, -1);
}

guint
imps_sip_message_get_status (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->status;
}

const gchar *
imps_sip_message_get_reason (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->reason;
}

gboolean
imps_sip_message_has_method (const ImpsSipMessage *msg, const gchar *method)
{
  g_return_val_if_fail (msg != NULL && method != NULL, FALSE);
  if (msg->is_request)
    return strcmp (msg->method, method) == 0;

  ImpsSipCSeq cseq;
  const gchar *v = imps_sip_message_get_header_value (msg, "CSeq");
  return v != NULL && imps_sip_cseq_parse (v, -1, &cseq, NULL)
         && strcmp (cseq.method, method) == 0;
}

guint
imps_sip_message_get_n_headers (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->headers->len;
}

const ImpsSipHeader *
imps_sip_message_get_header (const ImpsSipMessage *msg, guint index)
{
  g_return_val_if_fail (msg != NULL && index < msg->headers->len, NULL);
  return &g_array_index (msg->headers, ImpsSipHeader, index);
}

static inline gboolean
header_matches (const ImpsSipHeader *h, ImpsSipHeaderId id, const gchar *name)
{
  if (id != IMPS_SIP_HDR_OTHER)
    return h->id == id;
  return h->id == IMPS_SIP_HDR_OTHER && g_ascii_strcasecmp (h->name, name) == 0;
}

static gint
find_by_id (const ImpsSipMessage *msg, ImpsSipHeaderId id, const gchar *name,
            guint from)
{
  for (guint i = from; i < msg->headers->len; i++)
    if (header_matches (&g_array_index (msg->headers, ImpsSipHeader, i), id, name))
      return (gint) i;
  return -1;
}

gint
imps_sip_message_find_header (const ImpsSipMessage *msg, const gchar *name,
                              guint from)
{
  g_return_val_if_fail (msg != NULL && name != NULL, -1);
  return find_by_id (msg, imps_sip_header_id_from_name (name, strlen (name)),
                     name, from);
}

const gchar *
imps_sip_message_get_header_value (const ImpsSipMessage *msg,
                                   const gchar *name)
{
  gint i = imps_sip_message_find_header (msg, name, 0);

  return i < 0 ? NULL : g_array_index (msg->headers, ImpsSipHeader, i).value;
}

guint
imps_sip_message_count_headers (const ImpsSipMessage *msg, const gchar *name)
{
  g_return_val_if_fail (msg != NULL && name != NULL, 0);

  ImpsSipHeaderId id = imps_sip_header_id_from_name (name, strlen (name));
  guint n = 0;
  for (guint i = 0; i < msg->headers->len; i++)
    if (header_matches (&g_array_index (msg->headers, ImpsSipHeader, i), id, name))
      n++;
  return n;
}

void
imps_sip_value_iter_init (ImpsSipValueIter *iter, const ImpsSipMessage *msg,
                          const gchar *name)
{
  g_return_if_fail (iter != NULL && msg != NULL && name != NULL);
  iter->msg = msg;
  iter->name = name;
  iter->id = imps_sip_header_id_from_name (name, strlen (name));
  iter->line = 0;
  iter->pos = NULL;
  iter->list = header_info[iter->id].list;
}

gboolean
imps_sip_value_iter_next (ImpsSipValueIter *iter, const gchar **value,
                          gsize *len)
{
  g_return_val_if_fail (iter != NULL && value != NULL && len != NULL, FALSE);

  for (;;)
    {
      if (iter->pos == NULL)
        {
          gint i = find_by_id (iter->msg, iter->id, iter->name, iter->line);
          if (i < 0)
            return FALSE;
          iter->line = (guint) i + 1;
          iter->pos = g_array_index (iter->msg->headers, ImpsSipHeader, i).value;
          if (!iter->list)
            {
              *value = iter->pos;
              *len = strlen (iter->pos);
              iter->pos = NULL;
              return TRUE;
            }
        }
      iter->pos = imps_sip_split_element (iter->pos, value, len, NULL);
      if (*len > 0)
        return TRUE;
    }
}

GPtrArray *
imps_sip_message_get_values (const ImpsSipMessage *msg, const gchar *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  ImpsSipValueIter it;
  const gchar *v;
  gsize n;

  imps_sip_value_iter_init (&it, msg, name);
  while (imps_sip_value_iter_next (&it, &v, &n))
    g_ptr_array_add (out, g_strndup (v, n));
  return out;
}

/* ---- editing ----------------------------------------------------------- */

void
imps_sip_message_insert_header (ImpsSipMessage *msg, guint index,
                                const gchar *name, const gchar *value)
{
  g_return_if_fail (msg != NULL && name != NULL && value != NULL);
  g_return_if_fail (index <= msg->headers->len);
  g_return_if_fail (token_ok (name, IMPS_SIP_MAX_LINE) && value_ok (value));

  ImpsSipHeader h;
  h.name = chunk_str (msg, name, -1);
  h.value = chunk_str (msg, value, -1);
  h.id = imps_sip_header_id_from_name (name, strlen (name));
  h.line = 0;
  g_array_insert_val (msg->headers, index, h);
}

void
imps_sip_message_append_header (ImpsSipMessage *msg, const gchar *name,
                                const gchar *value)
{
  g_return_if_fail (msg != NULL);
  imps_sip_message_insert_header (msg, msg->headers->len, name, value);
}

void
imps_sip_message_set_header (ImpsSipMessage *msg, const gchar *name,
                             const gchar *value)
{
  g_return_if_fail (msg != NULL && name != NULL && value != NULL);

  gint first = imps_sip_message_find_header (msg, name, 0);
  if (first < 0)
    {
      imps_sip_message_append_header (msg, name, value);
      return;
    }
  imps_sip_message_replace_header_value (msg, (guint) first, value);
  gint i;
  while ((i = imps_sip_message_find_header (msg, name, (guint) first + 1)) >= 0)
    g_array_remove_index (msg->headers, (guint) i);
}

void
imps_sip_message_replace_header_value (ImpsSipMessage *msg, guint index,
                                       const gchar *value)
{
  g_return_if_fail (msg != NULL && value != NULL && index < msg->headers->len);
  g_return_if_fail (value_ok (value));
  g_array_index (msg->headers, ImpsSipHeader, index).value = chunk_str (msg, value, -1);
}

void
imps_sip_message_remove_header_at (ImpsSipMessage *msg, guint index)
{
  g_return_if_fail (msg != NULL && index < msg->headers->len);
  g_array_remove_index (msg->headers, index);
}

guint
imps_sip_message_remove_header (ImpsSipMessage *msg, const gchar *name)
{
  guint n = 0;
  gint i;

  g_return_val_if_fail (msg != NULL && name != NULL, 0);
  while ((i = imps_sip_message_find_header (msg, name, 0)) >= 0)
    {
      g_array_remove_index (msg->headers, (guint) i);
      n++;
    }
  return n;
}

GBytes *
imps_sip_message_get_body (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->body;
}

void
imps_sip_message_set_body (ImpsSipMessage *msg, GBytes *body,
                           const gchar *content_type)
{
  g_return_if_fail (msg != NULL);

  GBytes *old = msg->body;
  msg->body = body ? g_bytes_ref (body) : g_bytes_new_static ("", 0);
  g_bytes_unref (old);
  if (content_type)
    imps_sip_message_set_header (msg, "Content-Type", content_type);
}

/* ---- building ----------------------------------------------------------- */

static void
put_str (GByteArray *out, const gchar *s)
{
  g_byte_array_append (out, (const guint8 *) s, strlen (s));
}

void
imps_sip_message_write (const ImpsSipMessage *msg, GByteArray *out)
{
  g_return_if_fail (msg != NULL && out != NULL);

  gchar num[32];
  gsize body_len = g_bytes_get_size (msg->body);
  gboolean length_written = FALSE;

  if (msg->is_request)
    {
      put_str (out, msg->method);
      put_str (out, " ");
      put_str (out, msg->request_uri);
      put_str (out, " SIP/2.0\r\n");
    }
  else
    {
      g_snprintf (num, sizeof num, "SIP/2.0 %03u ", msg->status);
      put_str (out, num);
      put_str (out, msg->reason);
      put_str (out, "\r\n");
    }
  g_snprintf (num, sizeof num, "%" G_GSIZE_FORMAT, body_len);
  for (guint i = 0; i < msg->headers->len; i++)
    {
      const ImpsSipHeader *h = &g_array_index (msg->headers, ImpsSipHeader, i);
      if (h->id == IMPS_SIP_HDR_CONTENT_LENGTH)
        {
          if (!length_written)
            {
              put_str (out, "Content-Length: ");
              put_str (out, num);
              put_str (out, "\r\n");
              length_written = TRUE;
            }
          continue;
        }
      put_str (out, h->id != IMPS_SIP_HDR_OTHER ? header_info[h->id].name : h->name);
      put_str (out, ": ");
      put_str (out, h->value);
      put_str (out, "\r\n");
    }
  if (!length_written)
    {
      put_str (out, "Content-Length: ");
      put_str (out, num);
      put_str (out, "\r\n");
    }
  put_str (out, "\r\n");
  g_byte_array_append (out, g_bytes_get_data (msg->body, NULL), body_len);
}

GBytes *
imps_sip_message_to_bytes (const ImpsSipMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);

  GByteArray *out = g_byte_array_sized_new (512 + g_bytes_get_size (msg->body));
  imps_sip_message_write (msg, out);
  return g_byte_array_free_to_bytes (out);
}
