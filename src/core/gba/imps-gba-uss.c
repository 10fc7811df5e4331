/* USS lists (gba.md §9.4, §10.1): see imps-gba-uss.h. */
#include "imps-gba-uss.h"
#include "imps-gba.h"

#include <string.h>

ImpsGbaUssList *
imps_gba_uss_list_new (void)
{
  ImpsGbaUssList *l = g_new0 (ImpsGbaUssList, 1);
  l->uss = g_ptr_array_new ();
  return l;
}

static void
uss_free (ImpsGbaUss *u)
{
  g_free (u->id);
  g_free (u->type);
  g_free (u->naf_group);
  g_strfreev (u->uids);
  g_strfreev (u->flags);
  g_free (u);
}

void
imps_gba_uss_list_free (ImpsGbaUssList *list)
{
  if (list == NULL)
    return;
  for (guint i = 0; i < list->uss->len; i++)
    uss_free (g_ptr_array_index (list->uss, i));
  g_ptr_array_free (list->uss, TRUE);
  g_free (list);
}

void
imps_gba_uss_list_add (ImpsGbaUssList *list, const gchar *id, const gchar *type,
                       const gchar *const *uids, const gchar *const *flags)
{
  ImpsGbaUss *u = g_new0 (ImpsGbaUss, 1);
  u->id = g_strdup (id);
  u->type = g_strdup (type);
  u->uids = uids ? g_strdupv ((gchar **) uids) : g_new0 (gchar *, 1);
  u->flags = flags ? g_strdupv ((gchar **) flags) : g_new0 (gchar *, 1);
  g_ptr_array_add (list->uss, u);
}

/* ---- the reader ---- */

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  guint n_elements;
  GString *text;          /* character data of the current element */
  GString *value;         /* an attribute value */
  ImpsGbaUssList *list;
  ImpsGbaUss *cur;        /* the <uss> being read, NULL outside one */
  GPtrArray *uids;        /* of cur */
  GPtrArray *flags;       /* of cur */
  gboolean seen_list;
} Rd;

static gboolean
fail (Rd *r, GError **error, gsize pos, gint code, const gchar *fmt, ...) G_GNUC_PRINTF (5, 6);

static gboolean
fail (Rd *r, GError **error, gsize pos, gint code, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_GBA_ERROR, code, "USS XML at byte %" G_GSIZE_FORMAT ": %s", pos, msg);
  return FALSE;
}

static gboolean
at (const Rd *r, const gchar *lit)
{
  gsize n = strlen (lit);
  return r->len - r->pos >= n && memcmp (r->data + r->pos, lit, n) == 0;
}

static gboolean
is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
skip_space (Rd *r)
{
  while (r->pos < r->len && is_space (r->data[r->pos]))
    r->pos++;
}

static gboolean
name_char (guint8 c, gboolean first)
{
  if (g_ascii_isalpha (c) || c == '_' || c == ':' || c >= 0x80)
    return TRUE;
  return !first && (g_ascii_isdigit (c) || c == '-' || c == '.');
}

static gboolean
read_name (Rd *r, GError **error, const gchar *what, gsize *start, gsize *n)
{
  *start = r->pos;
  if (r->pos >= r->len || !name_char (r->data[r->pos], TRUE))
    return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX, "expected %s", what);
  while (r->pos < r->len && name_char (r->data[r->pos], FALSE))
    r->pos++;
  *n = r->pos - *start;
  if (*n > 128)
    return fail (r, error, *start, IMPS_GBA_ERROR_XML_LIMIT, "%s longer than 128 bytes", what);
  return TRUE;
}

/* The local part of a qualified name. */
static gboolean
local_is (const guint8 *name, gsize n, const gchar *want)
{
  const guint8 *colon = memchr (name, ':', n);
  if (colon)
    {
      n -= (gsize) (colon + 1 - name);
      name = colon + 1;
    }
  return n == strlen (want) && memcmp (name, want, n) == 0;
}

/* A reference at r->pos ('&'), appended to @out. */
static gboolean
reference (Rd *r, GError **error, GString *out)
{
  gsize start = r->pos;
  const guint8 *semi = memchr (r->data + r->pos, ';', MIN (r->len - r->pos, (gsize) 12));
  if (semi == NULL)
    return fail (r, error, start, IMPS_GBA_ERROR_XML_SYNTAX, "unterminated reference");
  const gchar *s = (const gchar *) r->data + r->pos + 1;
  gsize n = (gsize) (semi - (r->data + r->pos)) - 1;
  static const struct { const gchar *name; gchar c; } named[] = {
    { "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' }, { "apos", '\'' },
  };
  r->pos += n + 2;
  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    if (n == strlen (named[i].name) && memcmp (s, named[i].name, n) == 0)
      {
        g_string_append_c (out, named[i].c);
        return TRUE;
      }
  if (n >= 2 && s[0] == '#')
    {
      gboolean hex = s[1] == 'x';
      gsize i = hex ? 2 : 1;
      guint64 v = 0;
      if (i >= n)
        return fail (r, error, start, IMPS_GBA_ERROR_XML_SYNTAX, "empty character reference");
      for (; i < n; i++)
        {
          gint d = hex ? g_ascii_xdigit_value (s[i]) : g_ascii_digit_value (s[i]);
          if (d < 0)
            return fail (r, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                         "bad digit in a character reference");
          v = v * (hex ? 16 : 10) + (guint) d;
          if (v > 0x10FFFF)
            break;
        }
      if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)
          || (v < 0x20 && !is_space ((guint8) v)))
        return fail (r, error, start, IMPS_GBA_ERROR_XML_SYNTAX,
                     "character reference to a character XML does not allow");
      g_string_append_unichar (out, (gunichar) v);
      return TRUE;
    }
  return fail (r, error, start, IMPS_GBA_ERROR_XML_SYNTAX, "unknown entity '%.*s'", (int) n, s);
}

static gboolean
skip_until (Rd *r, GError **error, const gchar *end, const gchar *what)
{
  gsize start = r->pos;
  gsize n = strlen (end);
  while (r->pos + n <= r->len)
    {
      if (memcmp (r->data + r->pos, end, n) == 0)
        {
          r->pos += n;
          return TRUE;
        }
      r->pos++;
    }
  return fail (r, error, start, IMPS_GBA_ERROR_XML_SYNTAX, "unterminated %s", what);
}

static gboolean
bounded_append (Rd *r, GError **error, gsize pos, GString *s, const guint8 *p, gsize n)
{
  g_string_append_len (s, (const gchar *) p, (gssize) n);
  if (s->len > IMPS_GBA_USS_MAX_VALUE)
    return fail (r, error, pos, IMPS_GBA_ERROR_XML_LIMIT, "a value longer than %d bytes",
                 IMPS_GBA_USS_MAX_VALUE);
  return TRUE;
}

static gboolean
att_value (Rd *r, GError **error)
{
  g_string_truncate (r->value, 0);
  if (r->pos >= r->len || (r->data[r->pos] != '"' && r->data[r->pos] != '\''))
    return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX, "expected a quoted value");
  guint8 q = r->data[r->pos++];
  gsize start = r->pos;
  while (r->pos < r->len && r->data[r->pos] != q)
    {
      guint8 c = r->data[r->pos];
      if (c == '<')
        return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX, "'<' in an attribute value");
      if (c == '&')
        {
          if (!reference (r, error, r->value))
            return FALSE;
          if (r->value->len > IMPS_GBA_USS_MAX_VALUE)
            return fail (r, error, start, IMPS_GBA_ERROR_XML_LIMIT,
                         "a value longer than %d bytes", IMPS_GBA_USS_MAX_VALUE);
          continue;
        }
      if (!bounded_append (r, error, start, r->value, &c, 1))
        return FALSE;
      r->pos++;
    }
  if (r->pos >= r->len)
    return fail (r, error, start, IMPS_GBA_ERROR_XML_SYNTAX, "unterminated attribute value");
  r->pos++;
  return TRUE;
}

typedef enum {
  CTX_OTHER,       /* outside what we read, or skipped */
  CTX_TOP,         /* the document (parent of the root) */
  CTX_GUSS,        /* <guss> */
  CTX_LIST,        /* <ussList> */
  CTX_USS,         /* <uss> */
  CTX_UIDS,        /* <uids> */
  CTX_FLAGS,       /* <flags> */
  CTX_UID,         /* <uid>: text kept */
  CTX_FLAG,        /* <flag>: text kept */
} Ctx;

static gchar *
stripped (const GString *s)
{
  gsize a = 0, b = s->len;
  while (a < b && is_space ((guint8) s->str[a]))
    a++;
  while (b > a && is_space ((guint8) s->str[b - 1]))
    b--;
  return g_strndup (s->str + a, b - a);
}

static gboolean element (Rd *r, GError **error, guint depth, Ctx parent);

static Ctx
child_ctx (Ctx parent, const guint8 *name, gsize n)
{
  switch (parent)
    {
    case CTX_TOP:
      if (local_is (name, n, "guss"))
        return CTX_GUSS;
      if (local_is (name, n, "ussList"))
        return CTX_LIST;
      return CTX_OTHER;
    case CTX_GUSS:
      return local_is (name, n, "ussList") ? CTX_LIST : CTX_OTHER;
    case CTX_LIST:
      return local_is (name, n, "uss") ? CTX_USS : CTX_OTHER;
    case CTX_USS:
      if (local_is (name, n, "uids"))
        return CTX_UIDS;
      if (local_is (name, n, "flags"))
        return CTX_FLAGS;
      return CTX_OTHER;
    case CTX_UIDS:
      return local_is (name, n, "uid") ? CTX_UID : CTX_OTHER;
    case CTX_FLAGS:
      return local_is (name, n, "flag") ? CTX_FLAG : CTX_OTHER;
    default:
      return CTX_OTHER;
    }
}

static gboolean
element (Rd *r, GError **error, guint depth, Ctx parent)
{
  gsize el_pos = r->pos, qs, qn;
  gboolean empty = FALSE;

  if (depth > IMPS_GBA_USS_MAX_DEPTH)
    return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_LIMIT, "elements nested deeper than %d",
                 IMPS_GBA_USS_MAX_DEPTH);
  if (++r->n_elements > IMPS_GBA_USS_MAX_ELEMENTS)
    return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_LIMIT, "more than %d elements",
                 IMPS_GBA_USS_MAX_ELEMENTS);
  r->pos++;  /* '<' */
  if (!read_name (r, error, "an element name", &qs, &qn))
    return FALSE;
  Ctx ctx = child_ctx (parent, r->data + qs, qn);
  if (parent == CTX_TOP && ctx == CTX_OTHER)
    return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_SCHEMA,
                 "root element '%.*s' is neither guss nor ussList", (int) qn, r->data + qs);
  if (ctx == CTX_LIST)
    {
      if (r->seen_list)
        return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_SCHEMA, "a second ussList");
      r->seen_list = TRUE;
    }
  if (ctx == CTX_USS)
    {
      if (r->list->uss->len >= IMPS_GBA_USS_MAX_USS)
        return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_LIMIT, "more than %d uss elements",
                     IMPS_GBA_USS_MAX_USS);
      r->cur = g_new0 (ImpsGbaUss, 1);
      r->uids = g_ptr_array_new_with_free_func (g_free);
      r->flags = g_ptr_array_new_with_free_func (g_free);
    }

  /* attributes (at most 16, names unique) */
  gsize att_s[16], att_n[16];
  guint n_att = 0;
  for (;;)
    {
      gsize before = r->pos;
      skip_space (r);
      if (r->pos >= r->len)
        return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_SYNTAX, "unterminated start tag");
      if (at (r, "/>"))
        {
          r->pos += 2;
          empty = TRUE;
          break;
        }
      if (r->data[r->pos] == '>')
        {
          r->pos++;
          break;
        }
      if (r->pos == before)
        return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                     "expected white space, '>' or '/>' in a start tag");
      gsize as, an;
      if (!read_name (r, error, "an attribute name", &as, &an))
        return FALSE;
      if (n_att == G_N_ELEMENTS (att_s))
        return fail (r, error, as, IMPS_GBA_ERROR_XML_LIMIT, "more than 16 attributes");
      for (guint i = 0; i < n_att; i++)
        if (att_n[i] == an && memcmp (r->data + att_s[i], r->data + as, an) == 0)
          return fail (r, error, as, IMPS_GBA_ERROR_XML_SYNTAX, "attribute '%.*s' given twice",
                       (int) an, r->data + as);
      att_s[n_att] = as;
      att_n[n_att++] = an;
      skip_space (r);
      if (r->pos >= r->len || r->data[r->pos] != '=')
        return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX, "expected '='");
      r->pos++;
      skip_space (r);
      if (!att_value (r, error))
        return FALSE;
      if (ctx == CTX_USS && memchr (r->data + as, ':', an) == NULL)
        {
          gchar **slot = an == 2 && memcmp (r->data + as, "id", 2) == 0 ? &r->cur->id
                         : an == 4 && memcmp (r->data + as, "type", 4) == 0 ? &r->cur->type
                         : an == 8 && memcmp (r->data + as, "nafGroup", 8) == 0
                           ? &r->cur->naf_group : NULL;
          if (slot)
            *slot = g_strndup (r->value->str, r->value->len);
        }
    }

  if (ctx == CTX_UID || ctx == CTX_FLAG)
    g_string_truncate (r->text, 0);
  while (!empty)
    {
      if (r->pos >= r->len)
        return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_SYNTAX, "element '%.*s' is not closed",
                     (int) qn, r->data + qs);
      guint8 c = r->data[r->pos];
      if (c == '<')
        {
          if (at (r, "</"))
            {
              gsize end_pos = r->pos, es, en;
              r->pos += 2;
              if (!read_name (r, error, "an end tag name", &es, &en))
                return FALSE;
              if (en != qn || memcmp (r->data + es, r->data + qs, qn) != 0)
                return fail (r, error, end_pos, IMPS_GBA_ERROR_XML_SYNTAX,
                             "end tag '%.*s' does not match '%.*s'", (int) en, r->data + es,
                             (int) qn, r->data + qs);
              skip_space (r);
              if (r->pos >= r->len || r->data[r->pos] != '>')
                return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                             "expected '>' to close the end tag");
              r->pos++;
              break;
            }
          if (at (r, "<!--"))
            {
              if (!skip_until (r, error, "-->", "comment"))
                return FALSE;
            }
          else if (at (r, "<![CDATA["))
            {
              gsize cs = r->pos;
              r->pos += 9;
              gsize start = r->pos;
              if (!skip_until (r, error, "]]>", "CDATA section"))
                return FALSE;
              if ((ctx == CTX_UID || ctx == CTX_FLAG)
                  && !bounded_append (r, error, cs, r->text, r->data + start,
                                      r->pos - 3 - start))
                return FALSE;
            }
          else if (at (r, "<?"))
            {
              if (!skip_until (r, error, "?>", "processing instruction"))
                return FALSE;
            }
          else if (at (r, "<!"))
            return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                         "markup declaration inside an element");
          else
            {
              if (ctx == CTX_UID || ctx == CTX_FLAG)
                return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SCHEMA,
                             "an element inside '%.*s', which holds text", (int) qn,
                             r->data + qs);
              if (!element (r, error, depth + 1, ctx))
                return FALSE;
            }
        }
      else if (c == '&')
        {
          gsize rp = r->pos;
          g_string_truncate (r->value, 0);
          if (!reference (r, error, r->value))
            return FALSE;
          if ((ctx == CTX_UID || ctx == CTX_FLAG)
              && !bounded_append (r, error, rp, r->text, (const guint8 *) r->value->str,
                                  r->value->len))
            return FALSE;
        }
      else
        {
          gsize ts = r->pos;
          while (r->pos < r->len && r->data[r->pos] != '<' && r->data[r->pos] != '&')
            r->pos++;
          if ((ctx == CTX_UID || ctx == CTX_FLAG)
              && !bounded_append (r, error, ts, r->text, r->data + ts, r->pos - ts))
            return FALSE;
        }
    }

  if (ctx == CTX_UID || ctx == CTX_FLAG)
    {
      GPtrArray *to = ctx == CTX_UID ? r->uids : r->flags;
      guint max = ctx == CTX_UID ? IMPS_GBA_USS_MAX_UIDS : IMPS_GBA_USS_MAX_FLAGS;
      gchar *v = stripped (r->text);
      if (*v == '\0')
        {
          g_free (v);
          return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_VALUE, "an empty %s",
                       ctx == CTX_UID ? "uid" : "flag");
        }
      if (to->len >= max)
        {
          g_free (v);
          return fail (r, error, el_pos, IMPS_GBA_ERROR_XML_LIMIT, "more than %u %s in one uss",
                       max, ctx == CTX_UID ? "uids" : "flags");
        }
      g_ptr_array_add (to, v);
    }
  if (ctx == CTX_USS)
    {
      g_ptr_array_add (r->uids, NULL);
      g_ptr_array_add (r->flags, NULL);
      r->cur->uids = (GStrv) g_ptr_array_free (g_steal_pointer (&r->uids), FALSE);
      r->cur->flags = (GStrv) g_ptr_array_free (g_steal_pointer (&r->flags), FALSE);
      g_ptr_array_add (r->list->uss, g_steal_pointer (&r->cur));
    }
  return TRUE;
}

static gboolean
document (Rd *r, GError **error)
{
  gboolean have_root = FALSE;
  const gchar *end = NULL;

  if (r->len > IMPS_GBA_USS_MAX_SIZE)
    return fail (r, error, 0, IMPS_GBA_ERROR_XML_LIMIT, "%" G_GSIZE_FORMAT
                 " bytes, more than %d", r->len, IMPS_GBA_USS_MAX_SIZE);
  if (!g_utf8_validate_len ((const gchar *) r->data, r->len, &end))
    return fail (r, error, (gsize) ((const guint8 *) end - r->data), IMPS_GBA_ERROR_XML_SYNTAX,
                 "invalid UTF-8");
  for (gsize i = 0; i < r->len; i++)
    if (r->data[i] < 0x20 && !is_space (r->data[i]))
      return fail (r, error, i, IMPS_GBA_ERROR_XML_SYNTAX, "control character 0x%02x",
                   r->data[i]);
  if (at (r, "\xef\xbb\xbf"))
    r->pos += 3;
  for (;;)
    {
      skip_space (r);
      if (r->pos >= r->len)
        break;
      if (at (r, "<!--"))
        {
          if (!skip_until (r, error, "-->", "comment"))
            return FALSE;
        }
      else if (at (r, "<?"))
        {
          if (!skip_until (r, error, "?>", "processing instruction"))
            return FALSE;
        }
      else if (at (r, "<!"))
        return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                     "a DOCTYPE or declaration is not accepted");
      else if (r->data[r->pos] == '<' && !have_root)
        {
          if (!element (r, error, 1, CTX_TOP))
            return FALSE;
          have_root = TRUE;
        }
      else
        return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX,
                     have_root ? "content after the root element" : "expected the root element");
    }
  if (!have_root)
    return fail (r, error, r->pos, IMPS_GBA_ERROR_XML_SYNTAX, "no root element");
  return TRUE;
}

ImpsGbaUssList *
imps_gba_uss_list_parse (const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  Rd r = { 0 };
  r.data = data;
  r.len = len;
  r.text = g_string_new (NULL);
  r.value = g_string_new (NULL);
  r.list = imps_gba_uss_list_new ();
  gboolean ok = document (&r, error);
  g_string_free (r.text, TRUE);
  g_string_free (r.value, TRUE);
  if (r.cur)
    uss_free (r.cur);
  if (r.uids)
    g_ptr_array_unref (r.uids);
  if (r.flags)
    g_ptr_array_unref (r.flags);
  if (!ok)
    {
      imps_gba_uss_list_free (r.list);
      return NULL;
    }
  return r.list;
}

/* ---- the writer ---- */

static gboolean
type_wanted (const ImpsGbaUss *u, const gchar *const *types)
{
  if (types == NULL)
    return TRUE;
  for (guint i = 0; types[i]; i++)
    if (g_strcmp0 (u->type, types[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
append_att (GString *x, const gchar *name, const gchar *v)
{
  if (v == NULL)
    return;
  g_autofree gchar *e = g_markup_escape_text (v, -1);
  g_string_append_printf (x, " %s=\"%s\"", name, e);
}

gchar *
imps_gba_uss_list_build (const ImpsGbaUssList *list, const gchar *const *types)
{
  GString *x = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ussList>");
  for (guint i = 0; list && i < list->uss->len; i++)
    {
      const ImpsGbaUss *u = g_ptr_array_index (list->uss, i);
      if (!type_wanted (u, types))
        continue;
      g_string_append (x, "<uss");
      append_att (x, "id", u->id);
      append_att (x, "type", u->type);
      append_att (x, "nafGroup", u->naf_group);
      g_string_append (x, "><uids>");
      for (guint j = 0; u->uids[j]; j++)
        {
          g_autofree gchar *e = g_markup_escape_text (u->uids[j], -1);
          g_string_append_printf (x, "<uid>%s</uid>", e);
        }
      g_string_append (x, "</uids><flags>");
      for (guint j = 0; u->flags[j]; j++)
        {
          g_autofree gchar *e = g_markup_escape_text (u->flags[j], -1);
          g_string_append_printf (x, "<flag>%s</flag>", e);
        }
      g_string_append (x, "</flags></uss>");
    }
  g_string_append (x, "</ussList>\n");
  return g_string_free (x, FALSE);
}

GStrv
imps_gba_uss_list_uids (const ImpsGbaUssList *list, const gchar *type)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; list && i < list->uss->len; i++)
    {
      const ImpsGbaUss *u = g_ptr_array_index (list->uss, i);
      if (g_strcmp0 (u->type, type) != 0)
        continue;
      for (guint j = 0; u->uids[j]; j++)
        {
          gboolean dup = FALSE;
          for (guint k = 0; k < out->len && !dup; k++)
            dup = strcmp (g_ptr_array_index (out, k), u->uids[j]) == 0;
          if (!dup)
            g_ptr_array_add (out, g_strdup (u->uids[j]));
        }
    }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}
