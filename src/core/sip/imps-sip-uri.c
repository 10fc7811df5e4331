/* SIP, SIPS and tel URIs. Grammar: RFC 3261 §25.1, RFC 3966 §3. */
#include "imps-sip-uri.h"
#include "imps-sip-private.h"

#include <string.h>

G_DEFINE_QUARK (imps-sip-error-quark, imps_sip_error)

/* ---- character classes ------------------------------------------------ */

gboolean
imps_sip_in_set (gchar c, const gchar *set)
{
  return c != '\0' && strchr (set, c) != NULL;
}

/* The classes of what each component may hold unescaped. */
#define SET_USER     IMPS_SIP_C_USER
#define SET_PASSWORD IMPS_SIP_C_PASSWORD
#define SET_PARAM    IMPS_SIP_C_PARAM
#define SET_HNV      IMPS_SIP_C_HNV

/* Checks a run [s, s+len) of component characters or %XX escapes. Offsets
 * in errors are from @base. */
static gboolean
check_component (const gchar *base, const gchar *s, gsize len,
                 guint16 cls, const gchar *what, GError **error)
{
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '%')
        {
          if (len - i < 3 || !g_ascii_isxdigit (s[i + 1])
              || !g_ascii_isxdigit (s[i + 2]))
            {
              g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_URI,
                           "bad %%-escape in %s at offset %" G_GSIZE_FORMAT,
                           what, (gsize) (s + i - base));
              return FALSE;
            }
          if (s[i + 1] == '0' && s[i + 2] == '0')
            {
              g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_URI,
                           "escaped NUL in %s at offset %" G_GSIZE_FORMAT,
                           what, (gsize) (s + i - base));
              return FALSE;
            }
          i += 2;
          continue;
        }
      if (!imps_sip_char_is (s[i], cls))
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_URI,
                       "unexpected character 0x%02x in %s at offset %" G_GSIZE_FORMAT,
                       (guint) (guchar) s[i], what, (gsize) (s + i - base));
          return FALSE;
        }
    }
  return TRUE;
}

/* Decodes %XX escapes of an already checked run. */
static gchar *
unescape (const gchar *s, gsize len)
{
  gchar *out = g_malloc (len + 1);
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '%' && len - i >= 3)
        {
          out[o++] = (gchar) ((g_ascii_xdigit_value (s[i + 1]) << 4)
                              | g_ascii_xdigit_value (s[i + 2]));
          i += 2;
        }
      else
        out[o++] = s[i];
    }
  out[o] = '\0';
  return out;
}

/* The next character of an already checked run at *@p (before @end), with
 * a %XX escape decoded. */
static gchar
next_unescaped (const gchar **p, const gchar *end)
{
  const gchar *s = *p;
  if (s[0] == '%' && end - s >= 3)
    {
      *p = s + 3;
      return (gchar) ((g_ascii_xdigit_value (s[1]) << 4) | g_ascii_xdigit_value (s[2]));
    }
  *p = s + 1;
  return s[0];
}

/* Whether two checked runs name the same thing once escapes are decoded,
 * ASCII case ignored ("E" and "%45" and "e"). No allocation. */
static gboolean
unescaped_caseeq (const gchar *a, gsize alen, const gchar *b, gsize blen)
{
  const gchar *ae = a + alen, *be = b + blen;
  while (a < ae && b < be)
    if (g_ascii_tolower (next_unescaped (&a, ae)) != g_ascii_tolower (next_unescaped (&b, be)))
      return FALSE;
  return a == ae && b == be;
}

static void
append_escaped (GString *out, const gchar *s, guint16 cls)
{
  static const gchar hex[] = "0123456789ABCDEF";

  for (; *s; s++)
    {
      if (imps_sip_char_is (*s, cls))
        g_string_append_c (out, *s);
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, hex[(guchar) *s >> 4]);
          g_string_append_c (out, hex[(guchar) *s & 15]);
        }
    }
}

/* ---- parameters -------------------------------------------------------- */

void
imps_sip_param_free (ImpsSipParam *param)
{
  if (param == NULL)
    return;
  g_free (param->name);
  g_free (param->value);
  g_free (param);
}

GPtrArray *
imps_sip_params_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sip_param_free);
}

gboolean
imps_sip_params_lookup (GPtrArray *params, const gchar *name,
                        const gchar **value)
{
  if (params == NULL)
    return FALSE;
  for (guint i = 0; i < params->len; i++)
    {
      const ImpsSipParam *p = g_ptr_array_index (params, i);
      if (g_ascii_strcasecmp (p->name, name) == 0)
        {
          if (value)
            *value = p->value;
          return TRUE;
        }
    }
  return FALSE;
}

const gchar *
imps_sip_params_get (GPtrArray *params, const gchar *name)
{
  const gchar *v = NULL;

  if (imps_sip_params_lookup (params, name, &v))
    return v;
  return NULL;
}

void
imps_sip_params_set (GPtrArray *params, const gchar *name, const gchar *value)
{
  gboolean done = FALSE;

  g_return_if_fail (params != NULL && name != NULL);
  for (guint i = 0; i < params->len;)
    {
      ImpsSipParam *p = g_ptr_array_index (params, i);
      if (g_ascii_strcasecmp (p->name, name) == 0)
        {
          if (done)
            {
              g_ptr_array_remove_index (params, i);
              continue;
            }
          g_free (p->value);
          p->value = g_strdup (value);
          done = TRUE;
        }
      i++;
    }
  if (!done)
    {
      ImpsSipParam *p = g_new0 (ImpsSipParam, 1);
      p->name = g_strdup (name);
      p->value = g_strdup (value);
      g_ptr_array_add (params, p);
    }
}

guint
imps_sip_params_remove (GPtrArray *params, const gchar *name)
{
  guint n = 0;

  if (params == NULL)
    return 0;
  for (guint i = 0; i < params->len;)
    {
      ImpsSipParam *p = g_ptr_array_index (params, i);
      if (g_ascii_strcasecmp (p->name, name) == 0)
        {
          g_ptr_array_remove_index (params, i);
          n++;
        }
      else
        i++;
    }
  return n;
}

GPtrArray *
imps_sip_params_copy (GPtrArray *params)
{
  GPtrArray *copy = imps_sip_params_new ();

  if (params == NULL)
    return copy;
  for (guint i = 0; i < params->len; i++)
    {
      const ImpsSipParam *p = g_ptr_array_index (params, i);
      ImpsSipParam *c = g_new0 (ImpsSipParam, 1);
      c->name = g_strdup (p->name);
      c->value = g_strdup (p->value);
      g_ptr_array_add (copy, c);
    }
  return copy;
}

void
imps_sip_params_add_take (GPtrArray *params, gchar *name, gchar *value)
{
  ImpsSipParam *p = g_new0 (ImpsSipParam, 1);
  p->name = name;
  p->value = value;
  g_ptr_array_add (params, p);
}

/* ---- scanning ---------------------------------------------------------- */

static gboolean
uri_fail (GError **error, const gchar *base, const gchar *at, const gchar *what)
{
  g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_URI,
               "%s at offset %" G_GSIZE_FORMAT, what, (gsize) (at - base));
  return FALSE;
}

gboolean
imps_sip_host_check (const gchar *s, gsize len, gboolean *is_ipv6)
{
  if (len == 0)
    return FALSE;
  if (is_ipv6)
    *is_ipv6 = FALSE;
  if (memchr (s, ':', len) != NULL)
    {
      gchar buf[64];
      if (len >= sizeof buf)
        return FALSE;
      for (gsize i = 0; i < len; i++)
        if (!g_ascii_isxdigit (s[i]) && s[i] != ':' && s[i] != '.')
          return FALSE;
      memcpy (buf, s, len);
      buf[len] = '\0';
      if (!g_hostname_is_ip_address (buf))
        return FALSE;
      if (is_ipv6)
        *is_ipv6 = TRUE;
      return TRUE;
    }
  if (!g_ascii_isalnum (s[0]))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!imps_sip_char_is (s[i], IMPS_SIP_C_HOST))
      return FALSE;
  return TRUE;
}

/* Parses ";name[=value]" parameters at *pp up to @end, or up to a
 * character of @stop. @nameset/@valueset: allowed characters besides
 * unreserved (escapes allowed when @escapes). */
static gboolean
scan_uri_params (const gchar *base, const gchar **pp, const gchar *end,
                 gboolean tel, GPtrArray *out, guint *count, GError **error)
{
  const gchar *p = *pp;
  const gchar *seen[IMPS_SIP_MAX_PARAMS];
  gsize seen_len[IMPS_SIP_MAX_PARAMS];

  while (p < end && *p == ';')
    {
      const gchar *n = ++p;
      while (p < end && *p != ';' && *p != '=' && *p != '?')
        p++;
      const gchar *ne = p;
      const gchar *v = NULL, *ve = NULL;
      if (ne == n)
        return uri_fail (error, base, n, "empty parameter name");
      if (tel)
        {
          for (const gchar *q = n; q < ne; q++)
            if (!imps_sip_char_is (*q, IMPS_SIP_C_TEL_PNAME))
              return uri_fail (error, base, q, "bad character in tel parameter name");
        }
      else if (!check_component (base, n, ne - n, SET_PARAM, "parameter name", error))
        return FALSE;
      if (p < end && *p == '=')
        {
          v = ++p;
          while (p < end && *p != ';' && *p != '?')
            p++;
          ve = p;
          if (ve == v)
            return uri_fail (error, base, v, "empty parameter value");
          if (!check_component (base, v, ve - v, SET_PARAM, "parameter value", error))
            return FALSE;
        }
      if (*count >= IMPS_SIP_MAX_PARAMS)
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                       "more than %d URI parameters at offset %" G_GSIZE_FORMAT,
                       IMPS_SIP_MAX_PARAMS, (gsize) (n - base));
          return FALSE;
        }
      /* RFC 3261 §19.1.1, RFC 3966 §3: a name appears at most once
       * (compared as decoded: "%45" is "E", and so "e") */
      for (guint k = 0; k < *count; k++)
        if (unescaped_caseeq (seen[k], seen_len[k], n, (gsize) (ne - n)))
          return uri_fail (error, base, n, "repeated parameter name");
      seen[*count] = n;
      seen_len[*count] = ne - n;
      ++*count;
      if (out)
        imps_sip_params_add_take (out, unescape (n, ne - n),
                                  v ? unescape (v, ve - v) : NULL);
    }
  *pp = p;
  return TRUE;
}

static gboolean
scan_sip (const gchar *base, const gchar *p, const gchar *end, ImpsSipUri *out,
          GError **error)
{
  const gchar *at = memchr (p, '@', end - p);
  guint count = 0;

  if (at != NULL)
    {
      const gchar *colon = memchr (p, ':', at - p);
      const gchar *ue = colon ? colon : at;
      if (ue == p)
        return uri_fail (error, base, p, "empty user before '@'");
      if (!check_component (base, p, ue - p, SET_USER, "user", error))
        return FALSE;
      if (colon && !check_component (base, colon + 1, at - colon - 1,
                                     SET_PASSWORD, "password", error))
        return FALSE;
      if (out)
        {
          out->user = unescape (p, ue - p);
          if (colon)
            out->password = unescape (colon + 1, at - colon - 1);
        }
      p = at + 1;
    }

  const gchar *h = p, *he;
  gboolean v6 = FALSE;
  if (p < end && *p == '[')
    {
      const gchar *close = memchr (p, ']', end - p);
      if (close == NULL)
        return uri_fail (error, base, p, "IPv6 reference without ']'");
      h = p + 1;
      he = close;
      if (!imps_sip_host_check (h, he - h, &v6) || !v6)
        return uri_fail (error, base, h, "bad IPv6 reference");
      p = close + 1;
    }
  else
    {
      while (p < end && imps_sip_char_is (*p, IMPS_SIP_C_HOST))
        p++;
      he = p;
      if (!imps_sip_host_check (h, he - h, NULL))
        return uri_fail (error, base, h, "bad or empty host");
    }
  if (out)
    {
      out->host = g_strndup (h, he - h);
      out->host_is_ipv6 = v6;
    }

  if (p < end && *p == ':')
    {
      const gchar *d = ++p;
      guint port = 0;
      while (p < end && g_ascii_isdigit (*p) && p - d < 5)
        port = port * 10 + (guint) (*p++ - '0');
      if (p == d || (p < end && g_ascii_isdigit (*p)) || port > 65535)
        return uri_fail (error, base, d, "bad port");
      if (out)
        out->port = (gint) port;
    }

  if (!scan_uri_params (base, &p, end, FALSE, out ? out->params : NULL,
                        &count, error))
    return FALSE;

  if (p < end && *p == '?')
    {
      count = 0;
      do
        {
          const gchar *n = ++p;
          while (p < end && *p != '=' && *p != '&')
            p++;
          const gchar *ne = p;
          if (ne == n)
            return uri_fail (error, base, n, "empty header name");
          if (!check_component (base, n, ne - n, SET_HNV, "header name", error))
            return FALSE;
          if (p >= end || *p != '=')
            return uri_fail (error, base, p, "URI header without '='");
          const gchar *v = ++p;
          while (p < end && *p != '&')
            p++;
          if (!check_component (base, v, p - v, SET_HNV, "header value", error))
            return FALSE;
          if (++count > IMPS_SIP_MAX_PARAMS)
            {
              g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                           "more than %d URI headers at offset %" G_GSIZE_FORMAT,
                           IMPS_SIP_MAX_PARAMS, (gsize) (n - base));
              return FALSE;
            }
          if (out)
            imps_sip_params_add_take (out->headers, unescape (n, ne - n),
                                      unescape (v, p - v));
        }
      while (p < end && *p == '&');
    }

  if (p != end)
    return uri_fail (error, base, p, "unexpected character");
  return TRUE;
}

static gboolean
scan_tel (const gchar *base, const gchar *p, const gchar *end, ImpsSipUri *out,
          GError **error)
{
  const gchar *n = p;
  gboolean global = p < end && *p == '+';
  guint digits = 0, count = 0;

  if (global)
    p++;
  for (; p < end && *p != ';'; p++)
    {
      if (imps_sip_in_set (*p, "-.()"))
        continue;
      if (g_ascii_isdigit (*p) || (!global && (g_ascii_isxdigit (*p)
                                               || *p == '*' || *p == '#')))
        digits++;
      else
        return uri_fail (error, base, p, "bad character in telephone number");
    }
  if (digits == 0)
    return uri_fail (error, base, n, "telephone number without digits");
  if (out)
    out->user = g_strndup (n, p - n);

  g_autoptr (GPtrArray) tmp = NULL;
  GPtrArray *params = out ? out->params : NULL;
  if (params == NULL && !global)
    params = tmp = imps_sip_params_new ();   /* to look for phone-context */
  if (!scan_uri_params (base, &p, end, TRUE, params, &count, error))
    return FALSE;
  if (p != end)
    return uri_fail (error, base, p, "unexpected character");
  if (!global && !imps_sip_params_lookup (params, "phone-context", NULL))
    return uri_fail (error, base, n, "local number without phone-context");
  return TRUE;
}

static gboolean
uri_scan (const gchar *text, gsize len, ImpsSipUri *out, GError **error)
{
  const gchar *end = text + len;
  const gchar *p = text;

  if (len > IMPS_SIP_MAX_URI)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                   "URI of %" G_GSIZE_FORMAT " bytes exceeds %d",
                   len, IMPS_SIP_MAX_URI);
      return FALSE;
    }
  if (p == end || !g_ascii_isalpha (*p))
    return uri_fail (error, text, p, "URI without scheme");
  while (p < end && (g_ascii_isalnum (*p) || imps_sip_in_set (*p, "+-.")))
    p++;
  if (p >= end || *p != ':')
    return uri_fail (error, text, p, "URI scheme without ':'");
  gsize slen = p - text;
  ImpsSipUriScheme scheme = IMPS_SIP_URI_OTHER;
  if (slen == 3 && g_ascii_strncasecmp (text, "sip", 3) == 0)
    scheme = IMPS_SIP_URI_SIP;
  else if (slen == 4 && g_ascii_strncasecmp (text, "sips", 4) == 0)
    scheme = IMPS_SIP_URI_SIPS;
  else if (slen == 3 && g_ascii_strncasecmp (text, "tel", 3) == 0)
    scheme = IMPS_SIP_URI_TEL;
  if (out)
    {
      out->scheme = scheme;
      out->scheme_name = scheme != IMPS_SIP_URI_OTHER
                         ? g_ascii_strdown (text, (gssize) slen)
                         : g_strndup (text, slen);
    }
  p++;

  switch (scheme)
    {
    case IMPS_SIP_URI_SIP:
    case IMPS_SIP_URI_SIPS:
      return scan_sip (text, p, end, out, error);
    case IMPS_SIP_URI_TEL:
      return scan_tel (text, p, end, out, error);
    case IMPS_SIP_URI_OTHER:
    default:
      if (p == end)
        return uri_fail (error, text, p, "empty URI after scheme");
      for (const gchar *q = p; q < end; q++)
        if ((guchar) *q <= 0x20 || (guchar) *q >= 0x7f
            || imps_sip_in_set (*q, "<>\"\\{}|^`"))
          return uri_fail (error, text, q, "unexpected character");
      if (out)
        out->opaque = g_strndup (p, end - p);
      return TRUE;
    }
}

static ImpsSipUri *
uri_alloc (void)
{
  ImpsSipUri *uri = g_new0 (ImpsSipUri, 1);
  uri->port = -1;
  uri->params = imps_sip_params_new ();
  uri->headers = imps_sip_params_new ();
  return uri;
}

ImpsSipUri *
imps_sip_uri_parse (const gchar *text, gssize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strlen (text);

  ImpsSipUri *uri = uri_alloc ();
  if (!uri_scan (text, (gsize) len, uri, error))
    {
      imps_sip_uri_free (uri);
      return NULL;
    }
  return uri;
}

gboolean
imps_sip_uri_validate (const gchar *text, gssize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strlen (text);
  return uri_scan (text, (gsize) len, NULL, error);
}

ImpsSipUri *
imps_sip_uri_new (ImpsSipUriScheme scheme, const gchar *user,
                  const gchar *host, gint port)
{
  g_return_val_if_fail (scheme == IMPS_SIP_URI_SIP || scheme == IMPS_SIP_URI_SIPS, NULL);
  g_return_val_if_fail (host != NULL, NULL);

  ImpsSipUri *uri = uri_alloc ();
  uri->scheme = scheme;
  uri->scheme_name = g_strdup (scheme == IMPS_SIP_URI_SIP ? "sip" : "sips");
  uri->user = g_strdup (user);
  uri->host = g_strdup (host);
  uri->host_is_ipv6 = strchr (host, ':') != NULL;
  uri->port = port;
  return uri;
}

ImpsSipUri *
imps_sip_uri_new_tel (const gchar *number)
{
  g_return_val_if_fail (number != NULL, NULL);

  ImpsSipUri *uri = uri_alloc ();
  uri->scheme = IMPS_SIP_URI_TEL;
  uri->scheme_name = g_strdup ("tel");
  uri->user = g_strdup (number);
  return uri;
}

ImpsSipUri *
imps_sip_uri_copy (const ImpsSipUri *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  ImpsSipUri *c = g_new0 (ImpsSipUri, 1);
  c->scheme = uri->scheme;
  c->scheme_name = g_strdup (uri->scheme_name);
  c->user = g_strdup (uri->user);
  c->password = g_strdup (uri->password);
  c->host = g_strdup (uri->host);
  c->host_is_ipv6 = uri->host_is_ipv6;
  c->port = uri->port;
  c->params = imps_sip_params_copy (uri->params);
  c->headers = imps_sip_params_copy (uri->headers);
  c->opaque = g_strdup (uri->opaque);
  return c;
}

void
imps_sip_uri_free (ImpsSipUri *uri)
{
  if (uri == NULL)
    return;
  g_free (uri->scheme_name);
  g_free (uri->user);
  g_free (uri->password);
  g_free (uri->host);
  if (uri->params)
    g_ptr_array_unref (uri->params);
  if (uri->headers)
    g_ptr_array_unref (uri->headers);
  g_free (uri->opaque);
  g_free (uri);
}

const gchar *
imps_sip_uri_get_param (const ImpsSipUri *uri, const gchar *name)
{
  g_return_val_if_fail (uri != NULL && name != NULL, NULL);
  return imps_sip_params_get (uri->params, name);
}

gboolean
imps_sip_uri_has_param (const ImpsSipUri *uri, const gchar *name)
{
  g_return_val_if_fail (uri != NULL && name != NULL, FALSE);
  return imps_sip_params_lookup (uri->params, name, NULL);
}

void
imps_sip_uri_set_param (ImpsSipUri *uri, const gchar *name, const gchar *value)
{
  g_return_if_fail (uri != NULL && name != NULL);
  imps_sip_params_set (uri->params, name, value);
}

static void
append_params (GString *out, GPtrArray *params, gboolean tel)
{
  for (guint i = 0; i < params->len; i++)
    {
      const ImpsSipParam *p = g_ptr_array_index (params, i);
      g_string_append_c (out, ';');
      if (tel)
        g_string_append (out, p->name);
      else
        append_escaped (out, p->name, SET_PARAM);
      if (p->value)
        {
          g_string_append_c (out, '=');
          append_escaped (out, p->value, SET_PARAM);
        }
    }
}

void
imps_sip_uri_append (const ImpsSipUri *uri, GString *out)
{
  g_return_if_fail (uri != NULL && out != NULL);

  g_string_append (out, uri->scheme_name);
  g_string_append_c (out, ':');
  switch (uri->scheme)
    {
    case IMPS_SIP_URI_SIP:
    case IMPS_SIP_URI_SIPS:
      if (uri->user)
        {
          append_escaped (out, uri->user, SET_USER);
          if (uri->password)
            {
              g_string_append_c (out, ':');
              append_escaped (out, uri->password, SET_PASSWORD);
            }
          g_string_append_c (out, '@');
        }
      if (uri->host_is_ipv6)
        g_string_append_printf (out, "[%s]", uri->host);
      else
        g_string_append (out, uri->host);
      if (uri->port >= 0)
        g_string_append_printf (out, ":%d", uri->port);
      append_params (out, uri->params, FALSE);
      for (guint i = 0; i < uri->headers->len; i++)
        {
          const ImpsSipParam *h = g_ptr_array_index (uri->headers, i);
          g_string_append_c (out, i == 0 ? '?' : '&');
          append_escaped (out, h->name, SET_HNV);
          g_string_append_c (out, '=');
          if (h->value)
            append_escaped (out, h->value, SET_HNV);
        }
      break;
    case IMPS_SIP_URI_TEL:
      g_string_append (out, uri->user);
      append_params (out, uri->params, TRUE);
      break;
    case IMPS_SIP_URI_OTHER:
    default:
      g_string_append (out, uri->opaque);
      break;
    }
}

gchar *
imps_sip_uri_to_string (const ImpsSipUri *uri)
{
  GString *s = g_string_sized_new (64);

  imps_sip_uri_append (uri, s);
  return g_string_free (s, FALSE);
}

/* ---- comparison (RFC 3261 §19.1.4; RFC 3966 §4) ------------------------ */

/* The @nth parameter named @name (0 = first), or NULL. */
static const ImpsSipParam *
param_nth (GPtrArray *params, const gchar *name, guint nth)
{
  for (guint i = 0; i < params->len; i++)
    {
      const ImpsSipParam *p = g_ptr_array_index (params, i);
      if (g_ascii_strcasecmp (p->name, name) == 0 && nth-- == 0)
        return p;
    }
  return NULL;
}

/* Every parameter of @a that is also in @b has the same value there (a
 * repeated name is matched occurrence by occurrence); with
 * @must_match_set, every parameter of @a must be in @b. */
static gboolean
param_in_both_equal (GPtrArray *a, GPtrArray *b, gboolean must_match_set)
{
  for (guint i = 0; i < a->len; i++)
    {
      const ImpsSipParam *p = g_ptr_array_index (a, i);
      guint nth = 0;
      for (guint j = 0; j < i; j++)
        if (g_ascii_strcasecmp (((ImpsSipParam *) g_ptr_array_index (a, j))->name, p->name) == 0)
          nth++;
      const ImpsSipParam *o = param_nth (b, p->name, nth);
      if (o == NULL)
        {
          if (must_match_set)
            return FALSE;
          continue;
        }
      if ((p->value == NULL) != (o->value == NULL))
        return FALSE;
      if (p->value && g_ascii_strcasecmp (p->value, o->value) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
special_params_match (const ImpsSipUri *a, const ImpsSipUri *b)
{
  static const gchar *const special[] = { "user", "ttl", "method", "maddr", "transport" };

  for (guint i = 0; i < G_N_ELEMENTS (special); i++)
    {
      const gchar *va = NULL, *vb = NULL;
      gboolean ha = imps_sip_params_lookup (a->params, special[i], &va);
      gboolean hb = imps_sip_params_lookup (b->params, special[i], &vb);
      if (ha != hb)
        return FALSE;
    }
  return TRUE;
}

static gchar *
tel_digits (const gchar *s)
{
  GString *d = g_string_new (NULL);

  for (; *s; s++)
    if (!imps_sip_in_set (*s, "-.()"))
      g_string_append_c (d, g_ascii_tolower (*s));
  return g_string_free (d, FALSE);
}

gboolean
imps_sip_uri_equal (const ImpsSipUri *a, const ImpsSipUri *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->scheme != b->scheme)
    return FALSE;
  switch (a->scheme)
    {
    case IMPS_SIP_URI_SIP:
    case IMPS_SIP_URI_SIPS:
      if (g_strcmp0 (a->user, b->user) != 0
          || g_strcmp0 (a->password, b->password) != 0
          || g_ascii_strcasecmp (a->host, b->host) != 0
          || a->port != b->port)
        return FALSE;
      if (!special_params_match (a, b)
          || !param_in_both_equal (a->params, b->params, FALSE))
        return FALSE;
      if (a->headers->len != b->headers->len)
        return FALSE;
      return param_in_both_equal (a->headers, b->headers, TRUE)
             && param_in_both_equal (b->headers, a->headers, TRUE);
    case IMPS_SIP_URI_TEL:
      {
        g_autofree gchar *da = tel_digits (a->user);
        g_autofree gchar *db = tel_digits (b->user);
        if (strcmp (da, db) != 0 || a->params->len != b->params->len)
          return FALSE;
        return param_in_both_equal (a->params, b->params, TRUE)
               && param_in_both_equal (b->params, a->params, TRUE);
      }
    case IMPS_SIP_URI_OTHER:
    default:
      return g_ascii_strcasecmp (a->scheme_name, b->scheme_name) == 0
             && strcmp (a->opaque, b->opaque) == 0;
    }
}
