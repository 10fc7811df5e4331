/* BootstrappingInfo XML (24.109 Annex C; gba.md §6.2 (4), §6.4). */
#include "imps-gba-xml.h"
#include "imps-gba.h"

#include <stdarg.h>
#include <string.h>

/* ---- xs:dateTime ---------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static gint64
days_from_civil (gint64 y, guint m, guint d)
{
  y -= m <= 2;
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  guint yoe = (guint) (y - era * 400);
  guint doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  guint doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64) doe - 719468;
}

static void
civil_from_days (gint64 z, gint64 *y, guint *m, guint *d)
{
  z += 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  guint doe = (guint) (z - era * 146097);
  guint yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  guint doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  guint mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (gint64) yoe + era * 400 + (*m <= 2);
}

#define MIN_TIME G_GINT64_CONSTANT (0)
/* 9999-12-31T23:59:59Z */
#define MAX_TIME G_GINT64_CONSTANT (253402300799)

gboolean
imps_gba_datetime_format (gint64 t, gchar out[IMPS_GBA_DATETIME_LEN])
{
  gint64 y;
  guint mo, d;

  if (t < MIN_TIME || t > MAX_TIME)
    return FALSE;
  gint64 days = t / 86400, secs = t % 86400;
  civil_from_days (days, &y, &mo, &d);
  /* "YYYY-MM-DDThh:mm:ssZ" (the year has four digits in this range) */
  const guint fields[6] = { (guint) y, mo, d, (guint) (secs / 3600), (guint) (secs / 60 % 60),
                            (guint) (secs % 60) };
  static const gchar seps[6] = { '-', '-', 'T', ':', ':', 'Z' };
  gchar *p = out;
  for (guint i = 0; i < 6; i++)
    {
      guint v = fields[i];
      if (i == 0)
        {
          *p++ = (gchar) ('0' + v / 1000);
          *p++ = (gchar) ('0' + v / 100 % 10);
        }
      *p++ = (gchar) ('0' + v / 10 % 10);
      *p++ = (gchar) ('0' + v % 10);
      *p++ = seps[i];
    }
  *p = '\0';
  return TRUE;
}

static gboolean
read_digits (const gchar *s, gsize len, gsize *pos, guint n, guint *out)
{
  guint v = 0;
  if (*pos + n > len)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      gchar c = s[*pos + i];
      if (!g_ascii_isdigit (c))
        return FALSE;
      v = v * 10 + (guint) (c - '0');
    }
  *pos += n;
  *out = v;
  return TRUE;
}

static gboolean
expect_char (const gchar *s, gsize len, gsize *pos, gchar c)
{
  if (*pos >= len || s[*pos] != c)
    return FALSE;
  (*pos)++;
  return TRUE;
}

static const guint8 days_in_month[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

gboolean
imps_gba_datetime_parse (const gchar *text, gsize len, gint64 *out, GError **error)
{
  gsize pos = 0;
  guint y, mo, d, h, mi, s, zh = 0, zm = 0;
  gint sign = 0;
  const gchar *what = "year";

  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  if (!read_digits (text, len, &pos, 4, &y))
    goto bad;
  what = "'-' after the year";
  if (!expect_char (text, len, &pos, '-'))
    goto bad;
  what = "month";
  if (!read_digits (text, len, &pos, 2, &mo) || mo < 1 || mo > 12)
    goto bad;
  what = "'-' after the month";
  if (!expect_char (text, len, &pos, '-'))
    goto bad;
  what = "day";
  if (!read_digits (text, len, &pos, 2, &d) || d < 1 || d > days_in_month[mo - 1]
      || (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
    goto bad;
  what = "'T'";
  if (!expect_char (text, len, &pos, 'T'))
    goto bad;
  what = "hour";
  if (!read_digits (text, len, &pos, 2, &h) || h > 23)
    goto bad;
  what = "':' after the hour";
  if (!expect_char (text, len, &pos, ':'))
    goto bad;
  what = "minute";
  if (!read_digits (text, len, &pos, 2, &mi) || mi > 59)
    goto bad;
  what = "':' after the minute";
  if (!expect_char (text, len, &pos, ':'))
    goto bad;
  what = "second";
  if (!read_digits (text, len, &pos, 2, &s) || s > 59)
    goto bad;
  if (pos < len && text[pos] == '.')
    {
      what = "fraction of a second";
      pos++;
      gsize start = pos;
      while (pos < len && g_ascii_isdigit (text[pos]))
        pos++;
      if (pos == start)
        goto bad;
    }
  what = "time zone ('Z' or +hh:mm)";
  if (pos < len && text[pos] == 'Z')
    pos++;
  else if (pos < len && (text[pos] == '+' || text[pos] == '-'))
    {
      sign = text[pos] == '+' ? 1 : -1;
      pos++;
      if (!read_digits (text, len, &pos, 2, &zh) || zh > 14
          || !expect_char (text, len, &pos, ':')
          || !read_digits (text, len, &pos, 2, &zm) || zm > 59)
        goto bad;
    }
  else
    goto bad;
  what = "end of the value";
  if (pos != len)
    goto bad;

  gint64 t = days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  t -= sign * (gint64) (zh * 3600 + zm * 60);
  if (y < 1970 || t < MIN_TIME || t > MAX_TIME)
    {
      g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_VALUE,
                   "dateTime: %.*s is outside the years 1970 to 9999",
                   (int) MIN (len, 64), text);
      return FALSE;
    }
  *out = t;
  return TRUE;

bad:
  g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_VALUE,
               "dateTime: expected the %s at offset %zu", what, pos);
  return FALSE;
}

/* ---- building ------------------------------------------------------- */

ImpsGbaBootstrappingInfo *
imps_gba_bootstrapping_info_new (const gchar *btid, gint64 lifetime)
{
  g_return_val_if_fail (btid != NULL, NULL);
  ImpsGbaBootstrappingInfo *info = g_new0 (ImpsGbaBootstrappingInfo, 1);
  info->btid = g_strdup (btid);
  info->lifetime = lifetime;
  return info;
}

void
imps_gba_bootstrapping_info_free (ImpsGbaBootstrappingInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->btid);
  g_free (info);
}

gchar *
imps_gba_bootstrapping_info_build (const ImpsGbaBootstrappingInfo *info,
                                   gsize *len, GError **error)
{
  gchar lifetime[IMPS_GBA_DATETIME_LEN], now[IMPS_GBA_DATETIME_LEN];

  g_return_val_if_fail (info != NULL && info->btid != NULL, NULL);
  if (!imps_gba_btid_check (info->btid, strlen (info->btid), error))
    return NULL;
  if (!imps_gba_datetime_format (info->lifetime, lifetime)
      || (info->has_current_time && !imps_gba_datetime_format (info->current_time, now)))
    {
      g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_VALUE,
                   "BootstrappingInfo: %s is outside the years 1970 to 9999",
                   imps_gba_datetime_format (info->lifetime, lifetime)
                   ? "currenttime" : "lifetime");
      return NULL;
    }

  GString *s = g_string_sized_new (256);
  g_string_append (s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<BootstrappingInfo xmlns=\"" IMPS_GBA_XML_NAMESPACE "\">\n"
                      "<btid>");
  for (const gchar *c = info->btid; *c; c++)
    {
      if (*c == '<')
        g_string_append (s, "&lt;");
      else if (*c == '>')
        g_string_append (s, "&gt;");
      else if (*c == '&')
        g_string_append (s, "&amp;");
      else
        g_string_append_c (s, *c);
    }
  g_string_append (s, "</btid>\n<lifetime>");
  g_string_append (s, lifetime);
  g_string_append (s, "</lifetime>\n");
  if (info->has_current_time)
    {
      g_string_append (s, "<Extension>\n<currenttime>");
      g_string_append (s, now);
      g_string_append (s, "</currenttime>\n</Extension>\n");
    }
  g_string_append (s, "</BootstrappingInfo>\n");
  if (len != NULL)
    *len = s->len;
  return g_string_free (s, FALSE);
}

/* ---- the XML reader ------------------------------------------------- */

typedef enum {
  MODE_DOCUMENT,    /* parent of the root */
  MODE_ROOT,        /* BootstrappingInfo */
  MODE_TEXT,        /* a simple-typed element whose text we keep */
  MODE_EXTENSION,   /* Extension: we look for currenttime */
  MODE_SKIP,        /* unknown: checked for well-formedness, then dropped */
} Mode;

typedef enum {
  FIELD_NONE,
  FIELD_BTID,
  FIELD_LIFETIME,
  FIELD_CURRENTTIME,
} Field;

typedef struct {
  gsize prefix_off;    /* into data; prefix_len 0 = default namespace */
  gsize prefix_len;
  gchar *uri;          /* owned; "" undeclares the default namespace */
  guint depth;
} NsBinding;

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  NsBinding ns[IMPS_GBA_XML_MAX_NS_BINDINGS];
  guint n_ns;
  guint n_elements;
  GString *text;       /* text of the current MODE_TEXT element */
  GString *scratch;    /* attribute values */
  gboolean seen[4];    /* per Field */
  gboolean seen_extension;
  gsize field_pos[4];
  gchar *btid;
  gchar *lifetime;
  gchar *currenttime;
} Xml;

static void
xml_where (const Xml *x, gsize pos, guint *line, guint *col)
{
  guint l = 1, c = 1;
  for (gsize i = 0; i < pos && i < x->len; i++)
    {
      if (x->data[i] == '\n')
        {
          l++;
          c = 1;
        }
      else if ((x->data[i] & 0xc0) != 0x80)
        c++;
    }
  *line = l;
  *col = c;
}

static gboolean xml_fail (Xml *x, GError **error, gsize pos, ImpsGbaError code,
                          const gchar *fmt, ...) G_GNUC_PRINTF (5, 6);

static gboolean
xml_fail (Xml *x, GError **error, gsize pos, ImpsGbaError code,
          const gchar *fmt, ...)
{
  va_list ap;
  guint line, col;

  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  xml_where (x, pos, &line, &col);
  g_set_error (error, IMPS_GBA_ERROR, code,
               "BootstrappingInfo: %s at line %u column %u", msg, line, col);
  return FALSE;
}

static inline gboolean
xml_at (const Xml *x, const gchar *lit)
{
  gsize n = strlen (lit);
  return x->len - x->pos >= n && memcmp (x->data + x->pos, lit, n) == 0;
}

static inline gboolean
xml_is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
xml_skip_space (Xml *x)
{
  while (x->pos < x->len && xml_is_space (x->data[x->pos]))
    x->pos++;
}

static inline gboolean
name_start (guint8 c)
{
  return g_ascii_isalpha (c) || c == '_' || c == ':' || c >= 0x80;
}

static inline gboolean
name_char (guint8 c)
{
  return name_start (c) || g_ascii_isdigit (c) || c == '-' || c == '.';
}

/* Reads a Name; *@start and *@n give it within data. */
static gboolean
xml_name (Xml *x, GError **error, const gchar *what, gsize *start, gsize *n)
{
  gsize s = x->pos;
  if (x->pos >= x->len || !name_start (x->data[x->pos]))
    return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX, "expected %s", what);
  while (x->pos < x->len && name_char (x->data[x->pos]))
    {
      x->pos++;
      if (x->pos - s > IMPS_GBA_XML_MAX_NAME)
        return xml_fail (x, error, s, IMPS_GBA_ERROR_XML_LIMIT,
                         "%s longer than %d bytes", what, IMPS_GBA_XML_MAX_NAME);
    }
  *start = s;
  *n = x->pos - s;
  return TRUE;
}

/* Splits a QName at its colon. At most one colon, with text on both sides. */
static gboolean
xml_split_qname (Xml *x, GError **error, gsize start, gsize n,
                 gsize *prefix_len, gsize *local_off)
{
  const guint8 *p = x->data + start;
  const guint8 *colon = memchr (p, ':', n);
  if (colon == NULL)
    {
      *prefix_len = 0;
      *local_off = start;
      return TRUE;
    }
  gsize pl = (gsize) (colon - p);
  if (pl == 0 || pl + 1 == n || memchr (colon + 1, ':', n - pl - 1) != NULL)
    return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                     "'%.*s' is not a qualified name", (int) n, p);
  *prefix_len = pl;
  *local_off = start + pl + 1;
  return TRUE;
}

/* The namespace bound to a prefix (length 0: the default namespace), or
 * NULL when unbound. */
static const gchar *
xml_lookup_ns (const Xml *x, const guint8 *prefix, gsize prefix_len)
{
  if (prefix_len == 3 && memcmp (prefix, "xml", 3) == 0)
    return "http://www.w3.org/XML/1998/namespace";
  for (guint i = x->n_ns; i-- > 0;)
    if (x->ns[i].prefix_len == prefix_len
        && memcmp (x->data + x->ns[i].prefix_off, prefix, prefix_len) == 0)
      return x->ns[i].uri;
  return prefix_len == 0 ? "" : NULL;
}

/* Appends one code point as UTF-8 after checking it is an XML Char. */
static gboolean
xml_append_char (Xml *x, GError **error, gsize pos, GString *out, gunichar c)
{
  if (!(c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff)
        || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)))
    return xml_fail (x, error, pos, IMPS_GBA_ERROR_XML_SYNTAX,
                     "character reference to U+%04X, which XML does not allow", c);
  g_string_append_unichar (out, c);
  return TRUE;
}

/* At '&': reads one entity or character reference into @out. */
static gboolean
xml_reference (Xml *x, GError **error, GString *out)
{
  gsize start = x->pos;
  x->pos++;  /* '&' */
  if (x->pos < x->len && x->data[x->pos] == '#')
    {
      gboolean hex = FALSE;
      guint32 v = 0;
      guint digits = 0;
      x->pos++;
      if (x->pos < x->len && x->data[x->pos] == 'x')
        {
          hex = TRUE;
          x->pos++;
        }
      while (x->pos < x->len && x->data[x->pos] != ';')
        {
          guint8 c = x->data[x->pos];
          gint dv = hex ? g_ascii_xdigit_value (c) : g_ascii_digit_value (c);
          if (dv < 0)
            return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                             "bad digit in a character reference");
          if (++digits > 8)
            return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_LIMIT,
                             "character reference with more than 8 digits");
          v = v * (hex ? 16 : 10) + (guint32) dv;
          x->pos++;
        }
      if (x->pos >= x->len || digits == 0)
        return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                         "unterminated character reference");
      x->pos++;  /* ';' */
      return xml_append_char (x, error, start, out, v);
    }

  static const struct { const gchar *name; gchar c; } entities[] = {
    { "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' }, { "apos;", '\'' },
  };
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (xml_at (x, entities[i].name))
      {
        x->pos += strlen (entities[i].name);
        g_string_append_c (out, entities[i].c);
        return TRUE;
      }
  return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                   "unknown entity (only the five predefined ones and character "
                   "references are accepted; there is no DTD)");
}

/* "<!--" ... "-->", with no "--" inside. */
static gboolean
xml_comment (Xml *x, GError **error)
{
  gsize start = x->pos;
  x->pos += 4;
  while (x->pos + 1 < x->len)
    {
      if (x->data[x->pos] == '-' && x->data[x->pos + 1] == '-')
        {
          if (x->pos + 2 < x->len && x->data[x->pos + 2] == '>')
            {
              x->pos += 3;
              return TRUE;
            }
          return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                           "'--' inside a comment");
        }
      x->pos++;
    }
  return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX, "unterminated comment");
}

/* "<?" target ... "?>" (not the XML declaration). */
static gboolean
xml_pi (Xml *x, GError **error)
{
  gsize start = x->pos, ns, nn;
  x->pos += 2;
  if (!xml_name (x, error, "processing instruction target", &ns, &nn))
    return FALSE;
  if (nn == 3 && g_ascii_strncasecmp ((const gchar *) x->data + ns, "xml", 3) == 0)
    return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                     "XML declaration not at the start of the document");
  while (x->pos + 1 < x->len)
    {
      if (x->data[x->pos] == '?' && x->data[x->pos + 1] == '>')
        {
          x->pos += 2;
          return TRUE;
        }
      x->pos++;
    }
  return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                   "unterminated processing instruction");
}

/* Reads a quoted attribute value into x->scratch (references expanded,
 * white space normalised to spaces). */
static gboolean
xml_att_value (Xml *x, GError **error)
{
  gsize start = x->pos;
  g_string_truncate (x->scratch, 0);
  if (x->pos >= x->len || (x->data[x->pos] != '"' && x->data[x->pos] != '\''))
    return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                     "expected a quoted attribute value");
  guint8 q = x->data[x->pos++];
  for (;;)
    {
      if (x->pos >= x->len)
        return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                         "unterminated attribute value");
      guint8 c = x->data[x->pos];
      if (c == q)
        {
          x->pos++;
          return TRUE;
        }
      if (c == '<')
        return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "'<' inside an attribute value");
      if (c == '&')
        {
          if (!xml_reference (x, error, x->scratch))
            return FALSE;
        }
      else
        {
          g_string_append_c (x->scratch, xml_is_space (c) ? ' ' : (gchar) c);
          x->pos++;
        }
      if (x->scratch->len > IMPS_GBA_XML_MAX_VALUE)
        return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_LIMIT,
                         "attribute value longer than %d bytes", IMPS_GBA_XML_MAX_VALUE);
    }
}

static void
xml_pop_ns (Xml *x, guint depth)
{
  while (x->n_ns > 0 && x->ns[x->n_ns - 1].depth >= depth)
    {
      x->n_ns--;
      g_free (x->ns[x->n_ns].uri);
      x->ns[x->n_ns].uri = NULL;
    }
}

static gboolean
is_gba_name (const gchar *ns, const guint8 *local, gsize n, const gchar *want)
{
  return strcmp (ns, IMPS_GBA_XML_NAMESPACE) == 0 && n == strlen (want)
         && memcmp (local, want, n) == 0;
}

/* Decides what to do with a child, from its parent's mode and its name. */
static gboolean
xml_child_mode (Xml *x, GError **error, gsize el_pos, Mode parent,
                const gchar *ns, const guint8 *local, gsize n,
                Mode *mode, Field *field)
{
  *field = FIELD_NONE;
  switch (parent)
    {
    case MODE_DOCUMENT:
      if (!is_gba_name (ns, local, n, "BootstrappingInfo"))
        return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_SCHEMA,
                         "root element is '%.*s' in namespace '%s', expected "
                         "BootstrappingInfo in '" IMPS_GBA_XML_NAMESPACE "'",
                         (int) n, local, ns);
      *mode = MODE_ROOT;
      return TRUE;
    case MODE_ROOT:
      if (is_gba_name (ns, local, n, "btid"))
        *field = FIELD_BTID;
      else if (is_gba_name (ns, local, n, "lifetime"))
        *field = FIELD_LIFETIME;
      else if (is_gba_name (ns, local, n, "Extension"))
        {
          if (x->seen_extension)
            return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_SCHEMA,
                             "a second Extension element");
          x->seen_extension = TRUE;
          *mode = MODE_EXTENSION;
          return TRUE;
        }
      break;
    case MODE_EXTENSION:
      /* The namespace of currenttime is not pinned down (gba.md §6.4 [M]):
       * match the local name only. */
      if (n == strlen ("currenttime") && memcmp (local, "currenttime", n) == 0)
        *field = FIELD_CURRENTTIME;
      break;
    case MODE_TEXT:
      return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_SCHEMA,
                       "element '%.*s' inside an element that holds only text",
                       (int) n, local);
    case MODE_SKIP:
      break;
    }
  if (*field != FIELD_NONE)
    {
      if (x->seen[*field])
        return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_SCHEMA,
                         "a second '%.*s' element", (int) n, local);
      x->seen[*field] = TRUE;
      x->field_pos[*field] = el_pos;
      *mode = MODE_TEXT;
      return TRUE;
    }
  *mode = MODE_SKIP;
  return TRUE;
}

static gchar *
strip_copy (const GString *s)
{
  gsize a = 0, b = s->len;
  while (a < b && xml_is_space ((guint8) s->str[a]))
    a++;
  while (b > a && xml_is_space ((guint8) s->str[b - 1]))
    b--;
  return g_strndup (s->str + a, b - a);
}

/* Appends character data to the element's text if it keeps it; refuses
 * non-space text where the schema has element-only content. */
static gboolean
xml_text (Xml *x, GError **error, Mode mode, gsize pos, const guint8 *p, gsize n)
{
  if (mode == MODE_TEXT)
    {
      g_string_append_len (x->text, (const gchar *) p, (gssize) n);
      if (x->text->len > IMPS_GBA_XML_MAX_VALUE)
        return xml_fail (x, error, pos, IMPS_GBA_ERROR_XML_LIMIT,
                         "element text longer than %d bytes", IMPS_GBA_XML_MAX_VALUE);
    }
  else if (mode == MODE_ROOT)
    {
      for (gsize i = 0; i < n; i++)
        if (!xml_is_space (p[i]))
          return xml_fail (x, error, pos + i, IMPS_GBA_ERROR_XML_SCHEMA,
                           "text directly inside BootstrappingInfo");
    }
  return TRUE;
}

static gboolean
xml_element (Xml *x, GError **error, guint depth, Mode parent)
{
  gsize el_pos = x->pos, qs, qn;
  gsize att_start[IMPS_GBA_XML_MAX_ATTRIBUTES], att_len[IMPS_GBA_XML_MAX_ATTRIBUTES];
  guint n_att = 0;
  gboolean empty = FALSE;

  if (depth > IMPS_GBA_XML_MAX_DEPTH)
    return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_LIMIT,
                     "elements nested deeper than %d", IMPS_GBA_XML_MAX_DEPTH);
  if (++x->n_elements > IMPS_GBA_XML_MAX_ELEMENTS)
    return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_LIMIT,
                     "more than %d elements", IMPS_GBA_XML_MAX_ELEMENTS);
  x->pos++;  /* '<' */
  if (!xml_name (x, error, "element name", &qs, &qn))
    return FALSE;

  /* Attributes; namespace declarations bind at this depth. */
  for (;;)
    {
      gsize before = x->pos;
      xml_skip_space (x);
      if (x->pos >= x->len)
        return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "unterminated start tag");
      if (xml_at (x, "/>"))
        {
          x->pos += 2;
          empty = TRUE;
          break;
        }
      if (x->data[x->pos] == '>')
        {
          x->pos++;
          break;
        }
      if (x->pos == before)
        return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "expected white space, '>' or '/>' in a start tag");
      gsize as, an, att_pos = x->pos;
      if (!xml_name (x, error, "attribute name", &as, &an))
        return FALSE;
      if (n_att == IMPS_GBA_XML_MAX_ATTRIBUTES)
        return xml_fail (x, error, att_pos, IMPS_GBA_ERROR_XML_LIMIT,
                         "more than %d attributes on one element",
                         IMPS_GBA_XML_MAX_ATTRIBUTES);
      for (guint i = 0; i < n_att; i++)
        if (att_len[i] == an && memcmp (x->data + att_start[i], x->data + as, an) == 0)
          return xml_fail (x, error, att_pos, IMPS_GBA_ERROR_XML_SYNTAX,
                           "attribute '%.*s' given twice", (int) an, x->data + as);
      att_start[n_att] = as;
      att_len[n_att] = an;
      n_att++;
      xml_skip_space (x);
      if (x->pos >= x->len || x->data[x->pos] != '=')
        return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "expected '=' after attribute '%.*s'", (int) an, x->data + as);
      x->pos++;
      xml_skip_space (x);
      if (!xml_att_value (x, error))
        return FALSE;

      gboolean is_default = an == 5 && memcmp (x->data + as, "xmlns", 5) == 0;
      gboolean is_prefixed = an > 6 && memcmp (x->data + as, "xmlns:", 6) == 0;
      if (is_default || is_prefixed)
        {
          if (is_prefixed && x->scratch->len == 0)
            return xml_fail (x, error, att_pos, IMPS_GBA_ERROR_XML_SYNTAX,
                             "a namespace prefix cannot be undeclared");
          if (x->n_ns == IMPS_GBA_XML_MAX_NS_BINDINGS)
            return xml_fail (x, error, att_pos, IMPS_GBA_ERROR_XML_LIMIT,
                             "more than %d namespace declarations in scope",
                             IMPS_GBA_XML_MAX_NS_BINDINGS);
          NsBinding *b = &x->ns[x->n_ns++];
          b->prefix_off = is_prefixed ? as + 6 : as;
          b->prefix_len = is_prefixed ? an - 6 : 0;
          b->uri = g_strndup (x->scratch->str, x->scratch->len);
          b->depth = depth;
        }
    }

  /* Resolve the element and check every attribute prefix is bound. */
  gsize pl, lo;
  if (!xml_split_qname (x, error, qs, qn, &pl, &lo))
    return FALSE;
  const gchar *ns = xml_lookup_ns (x, x->data + qs, pl);
  if (ns == NULL)
    return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_SYNTAX,
                     "namespace prefix '%.*s' is not declared", (int) pl, x->data + qs);
  for (guint i = 0; i < n_att; i++)
    {
      gsize apl, alo;
      if (!xml_split_qname (x, error, att_start[i], att_len[i], &apl, &alo))
        return FALSE;
      if (apl > 0 && !(apl == 5 && memcmp (x->data + att_start[i], "xmlns", 5) == 0)
          && xml_lookup_ns (x, x->data + att_start[i], apl) == NULL)
        return xml_fail (x, error, att_start[i], IMPS_GBA_ERROR_XML_SYNTAX,
                         "namespace prefix '%.*s' is not declared",
                         (int) apl, x->data + att_start[i]);
    }

  Mode mode = MODE_SKIP;
  Field field = FIELD_NONE;
  if (!xml_child_mode (x, error, el_pos, parent, ns, x->data + lo, qn - (lo - qs),
                       &mode, &field))
    return FALSE;
  if (mode == MODE_TEXT)
    g_string_truncate (x->text, 0);

  while (!empty)
    {
      if (x->pos >= x->len)
        return xml_fail (x, error, el_pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "element '%.*s' is not closed", (int) qn, x->data + qs);
      guint8 c = x->data[x->pos];
      if (c == '<')
        {
          if (xml_at (x, "</"))
            {
              gsize end_pos = x->pos, es, en;
              x->pos += 2;
              if (!xml_name (x, error, "element name in an end tag", &es, &en))
                return FALSE;
              if (en != qn || memcmp (x->data + es, x->data + qs, qn) != 0)
                return xml_fail (x, error, end_pos, IMPS_GBA_ERROR_XML_SYNTAX,
                                 "end tag '%.*s' does not match start tag '%.*s'",
                                 (int) en, x->data + es, (int) qn, x->data + qs);
              xml_skip_space (x);
              if (x->pos >= x->len || x->data[x->pos] != '>')
                return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                                 "expected '>' to close the end tag");
              x->pos++;
              break;
            }
          if (xml_at (x, "<!--"))
            {
              if (!xml_comment (x, error))
                return FALSE;
            }
          else if (xml_at (x, "<![CDATA["))
            {
              gsize cs = x->pos;
              x->pos += 9;
              const guint8 *p = x->data + x->pos;
              gsize left = x->len - x->pos, i;
              for (i = 0; i + 2 < left; i++)
                if (p[i] == ']' && p[i + 1] == ']' && p[i + 2] == '>')
                  break;
              if (i + 2 >= left)
                return xml_fail (x, error, cs, IMPS_GBA_ERROR_XML_SYNTAX,
                                 "unterminated CDATA section");
              if (!xml_text (x, error, mode, x->pos, p, i))
                return FALSE;
              x->pos += i + 3;
            }
          else if (xml_at (x, "<?"))
            {
              if (!xml_pi (x, error))
                return FALSE;
            }
          else if (xml_at (x, "<!"))
            return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                             "markup declaration inside an element");
          else if (!xml_element (x, error, depth + 1, mode))
            return FALSE;
        }
      else if (c == '&')
        {
          gsize rp = x->pos;
          g_string_truncate (x->scratch, 0);
          if (!xml_reference (x, error, x->scratch))
            return FALSE;
          if (!xml_text (x, error, mode, rp, (const guint8 *) x->scratch->str,
                         x->scratch->len))
            return FALSE;
        }
      else
        {
          gsize ts = x->pos;
          while (x->pos < x->len && x->data[x->pos] != '<' && x->data[x->pos] != '&')
            {
              if (x->data[x->pos] == '>' && x->pos >= ts + 2
                  && x->data[x->pos - 1] == ']' && x->data[x->pos - 2] == ']')
                return xml_fail (x, error, x->pos - 2, IMPS_GBA_ERROR_XML_SYNTAX,
                                 "']]>' in character data");
              x->pos++;
            }
          if (!xml_text (x, error, mode, ts, x->data + ts, x->pos - ts))
            return FALSE;
        }
    }

  xml_pop_ns (x, depth);

  if (mode == MODE_TEXT)
    {
      gchar **slot = field == FIELD_BTID ? &x->btid
                     : field == FIELD_LIFETIME ? &x->lifetime : &x->currenttime;
      g_free (*slot);
      *slot = strip_copy (x->text);
    }
  return TRUE;
}

/* "<?xml" S ... "?>": version must be 1.x, encoding (if given) UTF-8. */
static gboolean
xml_declaration (Xml *x, GError **error)
{
  gsize start = x->pos;
  gboolean have_version = FALSE;
  x->pos += 5;
  for (;;)
    {
      gsize before = x->pos, as, an;
      xml_skip_space (x);
      if (xml_at (x, "?>"))
        {
          x->pos += 2;
          break;
        }
      if (x->pos == before)
        return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "expected white space or '?>' in the XML declaration");
      if (!xml_name (x, error, "XML declaration attribute", &as, &an))
        return FALSE;
      xml_skip_space (x);
      if (x->pos >= x->len || x->data[x->pos] != '=')
        return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "expected '=' in the XML declaration");
      x->pos++;
      xml_skip_space (x);
      gsize vpos = x->pos;
      if (!xml_att_value (x, error))
        return FALSE;
      const gchar *v = x->scratch->str;
      if (an == 7 && memcmp (x->data + as, "version", 7) == 0)
        {
          if (!g_str_has_prefix (v, "1."))
            return xml_fail (x, error, vpos, IMPS_GBA_ERROR_XML_SYNTAX,
                             "XML version '%s' is not 1.x", v);
          have_version = TRUE;
        }
      else if (an == 8 && memcmp (x->data + as, "encoding", 8) == 0)
        {
          if (g_ascii_strcasecmp (v, "UTF-8") != 0 && g_ascii_strcasecmp (v, "UTF8") != 0)
            return xml_fail (x, error, vpos, IMPS_GBA_ERROR_XML_SYNTAX,
                             "encoding '%s' is not UTF-8", v);
        }
      else if (!(an == 10 && memcmp (x->data + as, "standalone", 10) == 0))
        return xml_fail (x, error, as, IMPS_GBA_ERROR_XML_SYNTAX,
                         "unknown XML declaration attribute '%.*s'", (int) an, x->data + as);
    }
  if (!have_version)
    return xml_fail (x, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                     "XML declaration without a version");
  return TRUE;
}

/* UTF-8, no NUL, no C0 controls other than TAB, LF, CR. */
static gboolean
xml_check_chars (Xml *x, GError **error)
{
  const gchar *end = NULL;
  if (!g_utf8_validate_len ((const gchar *) x->data, x->len, &end))
    return xml_fail (x, error, (gsize) ((const guint8 *) end - x->data),
                     IMPS_GBA_ERROR_XML_SYNTAX, "invalid UTF-8");
  for (gsize i = 0; i < x->len; i++)
    if (x->data[i] < 0x20 && !xml_is_space (x->data[i]))
      return xml_fail (x, error, i, IMPS_GBA_ERROR_XML_SYNTAX,
                       "control character 0x%02x", x->data[i]);
  return TRUE;
}

static void
xml_clear (Xml *x)
{
  xml_pop_ns (x, 0);
  g_string_free (x->text, TRUE);
  g_string_free (x->scratch, TRUE);
  g_free (x->btid);
  g_free (x->lifetime);
  g_free (x->currenttime);
}

static gboolean
xml_document (Xml *x, GError **error)
{
  gboolean have_root = FALSE;

  if (x->len > IMPS_GBA_XML_MAX_SIZE)
    return xml_fail (x, error, 0, IMPS_GBA_ERROR_XML_LIMIT,
                     "document of %zu bytes is larger than %d", x->len,
                     IMPS_GBA_XML_MAX_SIZE);
  if (!xml_check_chars (x, error))
    return FALSE;
  if (xml_at (x, "\xef\xbb\xbf"))
    x->pos += 3;
  if (xml_at (x, "<?xml") && x->len - x->pos > 5 && xml_is_space (x->data[x->pos + 5]))
    if (!xml_declaration (x, error))
      return FALSE;

  for (;;)
    {
      xml_skip_space (x);
      if (x->pos >= x->len)
        break;
      if (xml_at (x, "<!--"))
        {
          if (!xml_comment (x, error))
            return FALSE;
        }
      else if (xml_at (x, "<?"))
        {
          if (!xml_pi (x, error))
            return FALSE;
        }
      else if (xml_at (x, "<!DOCTYPE"))
        return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "a DOCTYPE is not accepted");
      else if (x->data[x->pos] == '<' && !xml_at (x, "<!") && !have_root)
        {
          if (!xml_element (x, error, 1, MODE_DOCUMENT))
            return FALSE;
          have_root = TRUE;
        }
      else
        return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         have_root ? "content after the root element"
                                   : "expected the root element");
    }
  if (!have_root)
    return xml_fail (x, error, x->pos, IMPS_GBA_ERROR_XML_SYNTAX, "no root element");
  return TRUE;
}

ImpsGbaBootstrappingInfo *
imps_gba_bootstrapping_info_parse (const guint8 *data, gsize len, GError **error)
{
  Xml x = { 0 };
  g_autoptr (GError) local = NULL;
  gint64 lifetime = 0, now = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  x.data = data;
  x.len = len;
  x.text = g_string_new (NULL);
  x.scratch = g_string_new (NULL);

  if (!xml_document (&x, error))
    goto fail;
  if (x.btid == NULL || x.lifetime == NULL)
    {
      xml_fail (&x, error, 0, IMPS_GBA_ERROR_XML_SCHEMA, "no %s element",
                x.btid == NULL ? "btid" : "lifetime");
      goto fail;
    }
  if (!imps_gba_btid_check (x.btid, strlen (x.btid), &local))
    {
      xml_fail (&x, error, x.field_pos[FIELD_BTID], IMPS_GBA_ERROR_XML_VALUE,
                "btid: %s", local->message);
      goto fail;
    }
  if (!imps_gba_datetime_parse (x.lifetime, strlen (x.lifetime), &lifetime, &local))
    {
      xml_fail (&x, error, x.field_pos[FIELD_LIFETIME], IMPS_GBA_ERROR_XML_VALUE,
                "lifetime: %s", local->message);
      goto fail;
    }
  if (x.currenttime != NULL
      && !imps_gba_datetime_parse (x.currenttime, strlen (x.currenttime), &now, &local))
    {
      xml_fail (&x, error, x.field_pos[FIELD_CURRENTTIME], IMPS_GBA_ERROR_XML_VALUE,
                "currenttime: %s", local->message);
      goto fail;
    }

  ImpsGbaBootstrappingInfo *info = g_new0 (ImpsGbaBootstrappingInfo, 1);
  info->btid = g_steal_pointer (&x.btid);
  info->lifetime = lifetime;
  info->has_current_time = x.currenttime != NULL;
  info->current_time = now;
  xml_clear (&x);
  return info;

fail:
  xml_clear (&x);
  return NULL;
}
