/* Typed SIP header values, builders and transaction helpers.
 * Grammar: RFC 3261 §25.1 (name-addr, via-parm, CSeq, media-type, callid),
 * RFC 3581 (rport). */
#include "imps-sip-headers.h"
#include "imps-sip-private.h"

#include "imps-hex.h"

#include <string.h>

static inline gboolean
is_ws (gchar c)
{
  return c == ' ' || c == '\t';
}

static const gchar *
skip_ws (const gchar *p, const gchar *end)
{
  while (p < end && is_ws (*p))
    p++;
  return p;
}

static gboolean
hdr_fail (GError **error, const gchar *base, const gchar *at, const gchar *what)
{
  g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
               "%s at offset %" G_GSIZE_FORMAT, what, (gsize) (at - base));
  return FALSE;
}

static inline gboolean
is_ctl (gchar c)
{
  return ((guchar) c < 0x20 && c != '\t') || c == 0x7f;
}

/* A quoted-string starting at @p ('"'); returns the position after the
 * closing quote, or NULL when it is not terminated or holds a control
 * character (raw or escaped: refused, so a value never hides a NUL). */
static const gchar *
skip_quoted (const gchar *p, const gchar *end)
{
  for (p++; p < end; p++)
    {
      if (is_ctl (*p))
        return NULL;
      if (*p == '\\')
        {
          if (++p >= end || is_ctl (*p))
            return NULL;
        }
      else if (*p == '"')
        return p + 1;
    }
  return NULL;
}

static gchar *
unquote (const gchar *s, const gchar *e)
{
  /* [s, e) is the quoted string including both quotes. */
  GString *out = g_string_sized_new (e - s);
  for (const gchar *p = s + 1; p < e - 1; p++)
    {
      if (*p == '\\' && p + 1 < e - 1)
        p++;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Reads one ";name[=value]" generic-param at *pp (after optional
 * whitespace). Returns 1 with the spans set, 0 at the end of the text, -1
 * on error. gen-value = token / host / quoted-string. */
static gint
next_param (const gchar *base, const gchar **pp, const gchar *end,
            const gchar **ns, gsize *nl, const gchar **vs, gsize *vl,
            GError **error)
{
  const gchar *p = skip_ws (*pp, end);
  const gchar *what = NULL;

  if (p >= end)
    {
      *pp = p;
      return 0;
    }
  if (*p != ';')
    {
      what = "expected ';' before a parameter";
      goto fail;
    }
  p = skip_ws (p + 1, end);
  *ns = p;
  while (p < end && imps_sip_is_token_char (*p))
    p++;
  *nl = p - *ns;
  if (*nl == 0)
    {
      what = "empty parameter name";
      goto fail;
    }
  p = skip_ws (p, end);
  *vs = NULL;
  *vl = 0;
  if (p < end && *p == '=')
    {
      p = skip_ws (p + 1, end);
      const gchar *v = p;
      if (p < end && *p == '"')
        {
          p = skip_quoted (p, end);
          if (p == NULL)
            {
              p = v;
              what = "unterminated quoted parameter value";
              goto fail;
            }
        }
      else
        while (p < end && imps_sip_char_is (*p, IMPS_SIP_C_GEN_VALUE))
          p++;
      if (p == v)
        {
          what = "empty parameter value";
          goto fail;
        }
      *vs = v;
      *vl = p - v;
    }
  *pp = p;
  return 1;

fail:
  hdr_fail (error, base, p, what);
  return -1;
}

/* ---- name-addr ---------------------------------------------------------- */

gboolean
imps_sip_name_addr_scan (const gchar *text, gsize len, gboolean allow_star,
                         ImpsSipNameAddr *out, const gchar **tag,
                         gsize *tag_len, GError **error)
{
  const gchar *base = text, *end = text + len;
  const gchar *p = skip_ws (text, end);
  const gchar *us, *ue;
  GError *sub = NULL;
  guint count = 0;

  if (tag)
    {
      *tag = NULL;
      *tag_len = 0;
    }
  while (end > p && is_ws (end[-1]))
    end--;
  if (p == end)
    return hdr_fail (error, base, p, "empty address");
  if (allow_star && end - p == 1 && *p == '*')
    {
      if (out)
        out->star = TRUE;
      return TRUE;
    }

  if (*p == '"')
    {
      const gchar *q = skip_quoted (p, end);
      if (q == NULL)
        return hdr_fail (error, base, p, "unterminated display name");
      if (out)
        out->display_name = unquote (p, q);
      p = skip_ws (q, end);
      if (p >= end || *p != '<')
        return hdr_fail (error, base, p, "expected '<' after the display name");
    }
  else
    {
      const gchar *q = p;
      while (q < end && (imps_sip_is_token_char (*q) || is_ws (*q)))
        q++;
      if (q < end && *q == '<')
        {
          const gchar *de = q;
          while (de > p && is_ws (de[-1]))
            de--;
          if (out && de > p)
            out->display_name = g_strndup (p, de - p);
          p = q;
        }
    }

  if (*p == '<')
    {
      const gchar *close = memchr (p + 1, '>', end - p - 1);
      if (close == NULL)
        return hdr_fail (error, base, p, "'<' without '>'");
      us = p + 1;
      ue = close;
      p = close + 1;
    }
  else
    {
      /* addr-spec: the URI ends at the first ';' (RFC 3261 §20.10). */
      us = p;
      while (p < end && *p != ';')
        p++;
      ue = p;
      while (ue > us && is_ws (ue[-1]))
        ue--;
    }

  gboolean ok;
  if (out)
    ok = (out->uri = imps_sip_uri_parse (us, ue - us, &sub)) != NULL;
  else
    ok = imps_sip_uri_validate (us, ue - us, &sub);
  if (!ok)
    {
      g_propagate_prefixed_error (error, sub, "URI at offset %" G_GSIZE_FORMAT ": ",
                                  (gsize) (us - base));
      return FALSE;
    }

  for (;;)
    {
      const gchar *ns, *vs;
      gsize nl, vl;
      gint r = next_param (base, &p, end, &ns, &nl, &vs, &vl, error);
      if (r < 0)
        return FALSE;
      if (r == 0)
        break;
      if (++count > IMPS_SIP_MAX_PARAMS)
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                       "more than %d parameters at offset %" G_GSIZE_FORMAT,
                       IMPS_SIP_MAX_PARAMS, (gsize) (ns - base));
          return FALSE;
        }
      if (tag && nl == 3 && g_ascii_strncasecmp (ns, "tag", 3) == 0 && vs)
        {
          *tag = vs;
          *tag_len = vl;
        }
      if (out)
        imps_sip_params_add_take (out->params, g_strndup (ns, nl),
                                  vs ? g_strndup (vs, vl) : NULL);
    }
  return TRUE;
}

static ImpsSipNameAddr *
name_addr_alloc (void)
{
  ImpsSipNameAddr *na = g_new0 (ImpsSipNameAddr, 1);
  na->params = imps_sip_params_new ();
  return na;
}

ImpsSipNameAddr *
imps_sip_name_addr_parse (const gchar *text, gssize len, gboolean allow_star,
                          GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strlen (text);

  ImpsSipNameAddr *na = name_addr_alloc ();
  if (!imps_sip_name_addr_scan (text, (gsize) len, allow_star, na, NULL, NULL, error))
    {
      imps_sip_name_addr_free (na);
      return NULL;
    }
  return na;
}

ImpsSipNameAddr *
imps_sip_name_addr_new (const gchar *display_name, ImpsSipUri *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  ImpsSipNameAddr *na = name_addr_alloc ();
  na->display_name = g_strdup (display_name);
  na->uri = uri;
  return na;
}

ImpsSipNameAddr *
imps_sip_name_addr_copy (const ImpsSipNameAddr *na)
{
  g_return_val_if_fail (na != NULL, NULL);

  ImpsSipNameAddr *c = g_new0 (ImpsSipNameAddr, 1);
  c->display_name = g_strdup (na->display_name);
  c->uri = na->uri ? imps_sip_uri_copy (na->uri) : NULL;
  c->params = imps_sip_params_copy (na->params);
  c->star = na->star;
  return c;
}

void
imps_sip_name_addr_free (ImpsSipNameAddr *na)
{
  if (na == NULL)
    return;
  g_free (na->display_name);
  imps_sip_uri_free (na->uri);
  g_ptr_array_unref (na->params);
  g_free (na);
}

static void
append_header_params (GString *out, GPtrArray *params)
{
  for (guint i = 0; i < params->len; i++)
    {
      const ImpsSipParam *p = g_ptr_array_index (params, i);
      g_string_append_c (out, ';');
      g_string_append (out, p->name);
      if (p->value)
        {
          g_string_append_c (out, '=');
          g_string_append (out, p->value);
        }
    }
}

void
imps_sip_name_addr_append (const ImpsSipNameAddr *na, GString *out)
{
  g_return_if_fail (na != NULL && out != NULL);

  if (na->star)
    {
      g_string_append_c (out, '*');
      return;
    }
  if (na->display_name && *na->display_name)
    {
      gboolean plain = TRUE;
      for (const gchar *p = na->display_name; *p; p++)
        if (!imps_sip_is_token_char (*p) && *p != ' ')
          plain = FALSE;
      if (na->display_name[0] == ' ' || g_str_has_suffix (na->display_name, " "))
        plain = FALSE;
      if (plain)
        g_string_append (out, na->display_name);
      else
        {
          g_string_append_c (out, '"');
          for (const gchar *p = na->display_name; *p; p++)
            {
              if (*p == '"' || *p == '\\')
                g_string_append_c (out, '\\');
              g_string_append_c (out, *p);
            }
          g_string_append_c (out, '"');
        }
      g_string_append_c (out, ' ');
    }
  g_string_append_c (out, '<');
  imps_sip_uri_append (na->uri, out);
  g_string_append_c (out, '>');
  append_header_params (out, na->params);
}

gchar *
imps_sip_name_addr_to_string (const ImpsSipNameAddr *na)
{
  GString *s = g_string_sized_new (96);

  imps_sip_name_addr_append (na, s);
  return g_string_free (s, FALSE);
}

const gchar *
imps_sip_name_addr_get_tag (const ImpsSipNameAddr *na)
{
  g_return_val_if_fail (na != NULL, NULL);
  return imps_sip_params_get (na->params, "tag");
}

void
imps_sip_name_addr_set_tag (ImpsSipNameAddr *na, const gchar *tag)
{
  g_return_if_fail (na != NULL && tag != NULL);
  imps_sip_params_set (na->params, "tag", tag);
}

static gboolean
digits_u32 (const gchar *s, gsize len, guint max_digits, guint64 *out)
{
  guint64 v = 0;

  if (len == 0 || len > max_digits)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      v = v * 10 + (guint64) (s[i] - '0');
    }
  *out = v;
  return TRUE;
}

gboolean
imps_sip_name_addr_get_expires (const ImpsSipNameAddr *na, guint32 *expires)
{
  g_return_val_if_fail (na != NULL && expires != NULL, FALSE);

  const gchar *v = imps_sip_params_get (na->params, "expires");
  guint64 n;
  if (v == NULL || !digits_u32 (v, strlen (v), 10, &n))
    return FALSE;
  *expires = (guint32) MIN (n, G_MAXUINT32);
  return TRUE;
}

/* ---- Via ------------------------------------------------------------------ */

static const gchar *
scan_token (const gchar *p, const gchar *end)
{
  while (p < end && imps_sip_is_token_char (*p))
    p++;
  return p;
}

gboolean
imps_sip_via_scan (const gchar *text, gsize len, ImpsSipVia *out,
                   GError **error)
{
  const gchar *base = text, *end = text + len;
  const gchar *p = skip_ws (text, end);
  const gchar *s, *e;
  guint count = 0;
  gboolean have_branch = FALSE;

  /* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
  s = p;
  p = scan_token (p, end);
  if (p - s != 3 || g_ascii_strncasecmp (s, "SIP", 3) != 0)
    return hdr_fail (error, base, s, "protocol name is not SIP");
  p = skip_ws (p, end);
  if (p >= end || *p != '/')
    return hdr_fail (error, base, p, "expected '/' in sent-protocol");
  p = skip_ws (p + 1, end);
  s = p;
  p = scan_token (p, end);
  if (p - s != 3 || memcmp (s, "2.0", 3) != 0)
    return hdr_fail (error, base, s, "protocol version is not 2.0");
  p = skip_ws (p, end);
  if (p >= end || *p != '/')
    return hdr_fail (error, base, p, "expected '/' in sent-protocol");
  p = skip_ws (p + 1, end);
  s = p;
  p = scan_token (p, end);
  if (p == s)
    return hdr_fail (error, base, s, "empty transport");
  if (out)
    out->transport = g_strndup (s, p - s);
  if (p >= end || !is_ws (*p))
    return hdr_fail (error, base, p, "expected whitespace before sent-by");
  p = skip_ws (p, end);

  /* sent-by = host [ COLON port ] */
  gboolean v6 = FALSE;
  if (p < end && *p == '[')
    {
      const gchar *close = memchr (p, ']', end - p);
      if (close == NULL)
        return hdr_fail (error, base, p, "IPv6 reference without ']'");
      s = p + 1;
      e = close;
      if (!imps_sip_host_check (s, e - s, &v6) || !v6)
        return hdr_fail (error, base, s, "bad IPv6 reference");
      p = close + 1;
    }
  else
    {
      s = p;
      while (p < end && imps_sip_char_is (*p, IMPS_SIP_C_HOST))
        p++;
      e = p;
      if (!imps_sip_host_check (s, e - s, NULL))
        return hdr_fail (error, base, s, "bad or empty sent-by host");
    }
  if (out)
    {
      out->host = g_strndup (s, e - s);
      out->host_is_ipv6 = v6;
    }
  p = skip_ws (p, end);
  if (p < end && *p == ':')
    {
      p = skip_ws (p + 1, end);
      s = p;
      while (p < end && g_ascii_isdigit (*p))
        p++;
      guint64 port;
      if (!digits_u32 (s, p - s, 5, &port) || port > 65535)
        return hdr_fail (error, base, s, "bad sent-by port");
      if (out)
        out->port = (gint) port;
    }

  for (;;)
    {
      const gchar *ns, *vs;
      gsize nl, vl;
      gint r = next_param (base, &p, end, &ns, &nl, &vs, &vl, error);
      if (r < 0)
        return FALSE;
      if (r == 0)
        break;
      if (++count > IMPS_SIP_MAX_PARAMS)
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                       "more than %d parameters at offset %" G_GSIZE_FORMAT,
                       IMPS_SIP_MAX_PARAMS, (gsize) (ns - base));
          return FALSE;
        }
      if (nl == 6 && g_ascii_strncasecmp (ns, "branch", 6) == 0)
        {
          if (vs == NULL || *vs == '"')
            return hdr_fail (error, base, ns, "branch without a token value");
          if (have_branch)
            return hdr_fail (error, base, ns, "second branch parameter");
          have_branch = TRUE;
          if (out)
            out->branch = g_strndup (vs, vl);
        }
      else if (nl == 8 && g_ascii_strncasecmp (ns, "received", 8) == 0)
        {
          gboolean is6;
          if (vs == NULL || !imps_sip_host_check (vs, vl, &is6))
            return hdr_fail (error, base, ns, "received is not an address");
          if (out)
            {
              g_free (out->received);
              out->received = g_strndup (vs, vl);
            }
        }
      else if (nl == 5 && g_ascii_strncasecmp (ns, "rport", 5) == 0)
        {
          guint64 port = 0;
          if (vs != NULL && (!digits_u32 (vs, vl, 5, &port) || port == 0 || port > 65535))
            return hdr_fail (error, base, vs, "rport is not a port");
          if (out)
            out->rport = (gint) port;
        }
      else if (out)
        imps_sip_params_add_take (out->params, g_strndup (ns, nl),
                                  vs ? g_strndup (vs, vl) : NULL);
    }
  return TRUE;
}

static ImpsSipVia *
via_alloc (void)
{
  ImpsSipVia *via = g_new0 (ImpsSipVia, 1);
  via->port = -1;
  via->rport = -1;
  via->params = imps_sip_params_new ();
  return via;
}

ImpsSipVia *
imps_sip_via_parse (const gchar *text, gssize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strlen (text);

  ImpsSipVia *via = via_alloc ();
  if (!imps_sip_via_scan (text, (gsize) len, via, error))
    {
      imps_sip_via_free (via);
      return NULL;
    }
  return via;
}

ImpsSipVia *
imps_sip_via_new (const gchar *transport, const gchar *host, gint port,
                  const gchar *branch)
{
  g_return_val_if_fail (transport != NULL && host != NULL, NULL);

  ImpsSipVia *via = via_alloc ();
  via->transport = g_strdup (transport);
  via->host = g_strdup (host);
  via->host_is_ipv6 = strchr (host, ':') != NULL;
  via->port = port;
  via->branch = g_strdup (branch);
  return via;
}

ImpsSipVia *
imps_sip_via_copy (const ImpsSipVia *via)
{
  g_return_val_if_fail (via != NULL, NULL);

  ImpsSipVia *c = g_new0 (ImpsSipVia, 1);
  c->transport = g_strdup (via->transport);
  c->host = g_strdup (via->host);
  c->host_is_ipv6 = via->host_is_ipv6;
  c->port = via->port;
  c->branch = g_strdup (via->branch);
  c->received = g_strdup (via->received);
  c->rport = via->rport;
  c->params = imps_sip_params_copy (via->params);
  return c;
}

void
imps_sip_via_free (ImpsSipVia *via)
{
  if (via == NULL)
    return;
  g_free (via->transport);
  g_free (via->host);
  g_free (via->branch);
  g_free (via->received);
  g_ptr_array_unref (via->params);
  g_free (via);
}

void
imps_sip_via_append (const ImpsSipVia *via, GString *out)
{
  g_return_if_fail (via != NULL && out != NULL);

  g_string_append_printf (out, "SIP/2.0/%s ", via->transport);
  if (via->host_is_ipv6)
    g_string_append_printf (out, "[%s]", via->host);
  else
    g_string_append (out, via->host);
  if (via->port >= 0)
    g_string_append_printf (out, ":%d", via->port);
  if (via->branch)
    g_string_append_printf (out, ";branch=%s", via->branch);
  if (via->received)
    g_string_append_printf (out, ";received=%s", via->received);
  if (via->rport == 0)
    g_string_append (out, ";rport");
  else if (via->rport > 0)
    g_string_append_printf (out, ";rport=%d", via->rport);
  append_header_params (out, via->params);
}

gchar *
imps_sip_via_to_string (const ImpsSipVia *via)
{
  GString *s = g_string_sized_new (96);

  imps_sip_via_append (via, s);
  return g_string_free (s, FALSE);
}

/* ---- CSeq, Content-Type, Call-ID ------------------------------------------- */

gboolean
imps_sip_cseq_parse (const gchar *text, gssize len, ImpsSipCSeq *out,
                     GError **error)
{
  g_return_val_if_fail ((text != NULL || len == 0) && out != NULL, FALSE);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strlen (text);

  const gchar *base = text, *end = text + len;
  const gchar *p = skip_ws (text, end), *s = p;
  guint64 n;

  while (p < end && g_ascii_isdigit (*p))
    p++;
  if (!digits_u32 (s, p - s, 10, &n))
    return hdr_fail (error, base, s, "CSeq number missing or too long");
  if (n >= G_GUINT64_CONSTANT (0x80000000))
    return hdr_fail (error, base, s, "CSeq number not below 2^31");
  if (p >= end || !is_ws (*p))
    return hdr_fail (error, base, p, "expected whitespace after the CSeq number");
  p = skip_ws (p, end);
  s = p;
  p = scan_token (p, end);
  if (p == s)
    return hdr_fail (error, base, s, "CSeq without a method");
  if (p - s > IMPS_SIP_MAX_METHOD)
    return hdr_fail (error, base, s, "CSeq method too long");
  const gchar *m = s, *me = p;
  p = skip_ws (p, end);
  if (p != end)
    return hdr_fail (error, base, p, "unexpected character after the CSeq method");
  out->number = (guint32) n;
  memcpy (out->method, m, me - m);
  out->method[me - m] = '\0';
  return TRUE;
}

ImpsSipContentType *
imps_sip_content_type_parse (const gchar *text, gssize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strlen (text);

  const gchar *base = text, *end = text + len;
  const gchar *p = skip_ws (text, end), *ts, *te, *ss, *se;
  guint count = 0;

  ts = p;
  te = p = scan_token (p, end);
  p = skip_ws (p, end);
  if (te == ts || p >= end || *p != '/')
    {
      hdr_fail (error, base, p, "media type without '/'");
      return NULL;
    }
  p = skip_ws (p + 1, end);
  ss = p;
  se = p = scan_token (p, end);
  if (se == ss)
    {
      hdr_fail (error, base, p, "empty media subtype");
      return NULL;
    }

  g_autoptr (ImpsSipContentType) ct = g_new0 (ImpsSipContentType, 1);
  ct->type = g_strndup (ts, te - ts);
  ct->subtype = g_strndup (ss, se - ss);
  ct->params = imps_sip_params_new ();
  for (;;)
    {
      const gchar *ns, *vs;
      gsize nl, vl;
      gint r = next_param (base, &p, end, &ns, &nl, &vs, &vl, error);
      if (r < 0)
        return NULL;
      if (r == 0)
        break;
      if (vs == NULL)
        {
          hdr_fail (error, base, ns, "media type parameter without a value");
          return NULL;
        }
      if (++count > IMPS_SIP_MAX_PARAMS)
        {
          g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE,
                       "more than %d parameters", IMPS_SIP_MAX_PARAMS);
          return NULL;
        }
      imps_sip_params_add_take (ct->params, g_strndup (ns, nl), g_strndup (vs, vl));
    }
  return g_steal_pointer (&ct);
}

void
imps_sip_content_type_free (ImpsSipContentType *ct)
{
  if (ct == NULL)
    return;
  g_free (ct->type);
  g_free (ct->subtype);
  if (ct->params)
    g_ptr_array_unref (ct->params);
  g_free (ct);
}

static gboolean
is_word_char (gchar c)
{
  return imps_sip_char_is (c, IMPS_SIP_C_WORD);
}

gboolean
imps_sip_call_id_validate (const gchar *text, gssize len, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  if (text == NULL)
    text = "";
  if (len < 0)
    len = (gssize) strlen (text);

  const gchar *p = text, *end = text + len;
  const gchar *s = p;
  while (p < end && is_word_char (*p))
    p++;
  if (p == s)
    return hdr_fail (error, text, p, "empty Call-ID");
  if (p < end && *p == '@')
    {
      s = ++p;
      while (p < end && is_word_char (*p))
        p++;
      if (p == s)
        return hdr_fail (error, text, p, "empty Call-ID host part");
    }
  if (p != end)
    return hdr_fail (error, text, p, "unexpected character in Call-ID");
  return TRUE;
}

/* ---- reading typed values from a message ---------------------------------- */

static const gchar *
required_value (const ImpsSipMessage *msg, const gchar *name, GError **error)
{
  const gchar *v = imps_sip_message_get_header_value (msg, name);

  if (v == NULL)
    g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER,
                 "no %s header", name);
  return v;
}

static ImpsSipNameAddr *
get_single_name_addr (const ImpsSipMessage *msg, const gchar *name,
                      GError **error)
{
  const gchar *v = required_value (msg, name, error);
  GError *sub = NULL;

  if (v == NULL)
    return NULL;
  ImpsSipNameAddr *na = imps_sip_name_addr_parse (v, -1, FALSE, &sub);
  if (na == NULL)
    g_propagate_prefixed_error (error, sub, "header %s: ", name);
  return na;
}

ImpsSipNameAddr *
imps_sip_message_get_from (const ImpsSipMessage *msg, GError **error)
{
  return get_single_name_addr (msg, "From", error);
}

ImpsSipNameAddr *
imps_sip_message_get_to (const ImpsSipMessage *msg, GError **error)
{
  return get_single_name_addr (msg, "To", error);
}

static gboolean
get_tag (const ImpsSipMessage *msg, const gchar *name, gchar *buf, gsize size)
{
  const gchar *v = imps_sip_message_get_header_value (msg, name);
  const gchar *tag;
  gsize tag_len;

  g_return_val_if_fail (buf != NULL && size > 0, FALSE);
  if (v == NULL
      || !imps_sip_name_addr_scan (v, strlen (v), FALSE, NULL, &tag, &tag_len, NULL)
      || tag == NULL || tag_len >= size)
    return FALSE;
  memcpy (buf, tag, tag_len);
  buf[tag_len] = '\0';
  return TRUE;
}

gboolean
imps_sip_message_get_from_tag (const ImpsSipMessage *msg, gchar *buf, gsize size)
{
  return get_tag (msg, "From", buf, size);
}

gboolean
imps_sip_message_get_to_tag (const ImpsSipMessage *msg, gchar *buf, gsize size)
{
  return get_tag (msg, "To", buf, size);
}

const gchar *
imps_sip_message_get_call_id (const ImpsSipMessage *msg)
{
  return imps_sip_message_get_header_value (msg, "Call-ID");
}

gboolean
imps_sip_message_get_cseq (const ImpsSipMessage *msg, ImpsSipCSeq *out,
                           GError **error)
{
  const gchar *v = required_value (msg, "CSeq", error);
  GError *sub = NULL;

  if (v == NULL)
    return FALSE;
  if (!imps_sip_cseq_parse (v, -1, out, &sub))
    {
      g_propagate_prefixed_error (error, sub, "header CSeq: ");
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_number (const ImpsSipMessage *msg, const gchar *name, guint max_digits,
            guint64 *out, GError **error)
{
  const gchar *v = required_value (msg, name, error);

  if (v == NULL)
    return FALSE;
  if (!digits_u32 (v, strlen (v), max_digits, out))
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                   "header %s: \"%s\" is not a number of at most %u digits",
                   name, v, max_digits);
      return FALSE;
    }
  return TRUE;
}

gboolean
imps_sip_message_get_max_forwards (const ImpsSipMessage *msg, guint *out,
                                   GError **error)
{
  guint64 v;

  if (!get_number (msg, "Max-Forwards", 3, &v, error))
    return FALSE;
  if (v > 255)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                   "header Max-Forwards: %" G_GUINT64_FORMAT " above 255", v);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

gboolean
imps_sip_message_get_expires (const ImpsSipMessage *msg, guint32 *out,
                              GError **error)
{
  guint64 v;

  if (!get_number (msg, "Expires", 10, &v, error))
    return FALSE;
  *out = (guint32) MIN (v, G_MAXUINT32);
  return TRUE;
}

ImpsSipVia *
imps_sip_message_get_via (const ImpsSipMessage *msg, guint index,
                          GError **error)
{
  ImpsSipValueIter it;
  const gchar *v;
  gsize n;
  guint i = 0;

  g_return_val_if_fail (msg != NULL, NULL);
  imps_sip_value_iter_init (&it, msg, "Via");
  while (imps_sip_value_iter_next (&it, &v, &n))
    if (i++ == index)
      {
        GError *sub = NULL;
        ImpsSipVia *via = imps_sip_via_parse (v, (gssize) n, &sub);
        if (via == NULL)
          g_propagate_prefixed_error (error, sub, "header Via, value %u: ", index);
        return via;
      }
  g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER,
               "no Via value %u", index);
  return NULL;
}

GPtrArray *
imps_sip_message_get_vias (const ImpsSipMessage *msg, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sip_via_free);
  ImpsSipValueIter it;
  const gchar *v;
  gsize n;

  g_return_val_if_fail (msg != NULL, NULL);
  imps_sip_value_iter_init (&it, msg, "Via");
  while (imps_sip_value_iter_next (&it, &v, &n))
    {
      GError *sub = NULL;
      ImpsSipVia *via = imps_sip_via_parse (v, (gssize) n, &sub);
      if (via == NULL)
        {
          g_propagate_prefixed_error (error, sub, "header Via, value %u: ", out->len);
          return NULL;
        }
      g_ptr_array_add (out, via);
    }
  return g_steal_pointer (&out);
}

static GPtrArray *
get_name_addr_list (const ImpsSipMessage *msg, const gchar *name,
                    gboolean allow_star, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sip_name_addr_free);
  ImpsSipValueIter it;
  const gchar *v;
  gsize n;

  g_return_val_if_fail (msg != NULL && name != NULL, NULL);
  imps_sip_value_iter_init (&it, msg, name);
  while (imps_sip_value_iter_next (&it, &v, &n))
    {
      GError *sub = NULL;
      ImpsSipNameAddr *na = imps_sip_name_addr_parse (v, (gssize) n, allow_star, &sub);
      if (na == NULL)
        {
          g_propagate_prefixed_error (error, sub, "header %s, value %u: ", name, out->len);
          return NULL;
        }
      g_ptr_array_add (out, na);
    }
  return g_steal_pointer (&out);
}

GPtrArray *
imps_sip_message_get_contacts (const ImpsSipMessage *msg, GError **error)
{
  return get_name_addr_list (msg, "Contact", TRUE, error);
}

GPtrArray *
imps_sip_message_get_name_addrs (const ImpsSipMessage *msg, const gchar *name,
                                 GError **error)
{
  return get_name_addr_list (msg, name, FALSE, error);
}

ImpsSipContentType *
imps_sip_message_get_content_type (const ImpsSipMessage *msg, GError **error)
{
  const gchar *v = required_value (msg, "Content-Type", error);
  GError *sub = NULL;

  if (v == NULL)
    return NULL;
  ImpsSipContentType *ct = imps_sip_content_type_parse (v, -1, &sub);
  if (ct == NULL)
    g_propagate_prefixed_error (error, sub, "header Content-Type: ");
  return ct;
}

/* ---- building -------------------------------------------------------------- */

void
imps_sip_message_push_via (ImpsSipMessage *msg, const ImpsSipVia *via)
{
  g_return_if_fail (msg != NULL && via != NULL);

  g_autofree gchar *s = imps_sip_via_to_string (via);
  gint first = imps_sip_message_find_header (msg, "Via", 0);
  imps_sip_message_insert_header (msg, first < 0 ? 0 : (guint) first, "Via", s);
}

gboolean
imps_sip_message_pop_value (ImpsSipMessage *msg, const gchar *name)
{
  g_return_val_if_fail (msg != NULL && name != NULL, FALSE);

  /* Skips lines whose value is empty (they hold no element). */
  for (gint i = imps_sip_message_find_header (msg, name, 0); i >= 0;
       i = imps_sip_message_find_header (msg, name, (guint) i + 1))
    {
      const ImpsSipHeader *h = imps_sip_message_get_header (msg, (guint) i);
      const gchar *v, *rest;
      gsize n;
      rest = imps_sip_split_element (h->value, &v, &n, NULL);
      if (n == 0 && rest == NULL)
        continue;
      while (rest && is_ws (*rest))
        rest++;
      if (rest == NULL || *rest == '\0')
        imps_sip_message_remove_header_at (msg, (guint) i);
      else
        imps_sip_message_replace_header_value (msg, (guint) i, rest);
      return TRUE;
    }
  return FALSE;
}

gboolean
imps_sip_message_pop_via (ImpsSipMessage *msg)
{
  return imps_sip_message_pop_value (msg, "Via");
}

gboolean
imps_sip_message_replace_top_via (ImpsSipMessage *msg, const ImpsSipVia *via)
{
  g_return_val_if_fail (msg != NULL && via != NULL, FALSE);

  gint i = imps_sip_message_find_header (msg, "Via", 0);
  if (i < 0)
    return FALSE;
  const ImpsSipHeader *h = imps_sip_message_get_header (msg, (guint) i);
  const gchar *v;
  gsize n;
  const gchar *rest = imps_sip_split_element (h->value, &v, &n, NULL);
  GString *s = g_string_sized_new (128);
  imps_sip_via_append (via, s);
  while (rest && is_ws (*rest))
    rest++;
  if (rest && *rest)
    {
      g_string_append (s, ", ");
      g_string_append (s, rest);
    }
  imps_sip_message_replace_header_value (msg, (guint) i, s->str);
  g_string_free (s, TRUE);
  return TRUE;
}

static void
set_name_addr (ImpsSipMessage *msg, const gchar *name, const ImpsSipNameAddr *na)
{
  g_autofree gchar *s = imps_sip_name_addr_to_string (na);
  imps_sip_message_set_header (msg, name, s);
}

void
imps_sip_message_set_from (ImpsSipMessage *msg, const ImpsSipNameAddr *na)
{
  g_return_if_fail (msg != NULL && na != NULL);
  set_name_addr (msg, "From", na);
}

void
imps_sip_message_set_to (ImpsSipMessage *msg, const ImpsSipNameAddr *na)
{
  g_return_if_fail (msg != NULL && na != NULL);
  set_name_addr (msg, "To", na);
}

gboolean
imps_sip_message_set_to_tag (ImpsSipMessage *msg, const gchar *tag,
                             gboolean replace, GError **error)
{
  g_return_val_if_fail (msg != NULL && tag != NULL, FALSE);

  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (msg, error);
  if (to == NULL)
    return FALSE;
  gboolean had_tag = imps_sip_params_lookup (to->params, "tag", NULL);
  if (had_tag && !replace)
    return TRUE;
  if (!had_tag)
    {
      /* Append to the original text so the rest stays byte for byte. */
      gint i = imps_sip_message_find_header (msg, "To", 0);
      const ImpsSipHeader *h = imps_sip_message_get_header (msg, (guint) i);
      g_autofree gchar *s = g_strdup_printf ("%s;tag=%s", h->value, tag);
      imps_sip_message_replace_header_value (msg, (guint) i, s);
      return TRUE;
    }
  imps_sip_name_addr_set_tag (to, tag);
  set_name_addr (msg, "To", to);
  return TRUE;
}

void
imps_sip_message_set_call_id (ImpsSipMessage *msg, const gchar *call_id)
{
  g_return_if_fail (msg != NULL && call_id != NULL);
  imps_sip_message_set_header (msg, "Call-ID", call_id);
}

void
imps_sip_message_set_cseq (ImpsSipMessage *msg, guint32 number,
                           const gchar *method)
{
  gchar buf[16 + IMPS_SIP_MAX_METHOD + 1];

  g_return_if_fail (msg != NULL && method != NULL);
  g_return_if_fail (strlen (method) <= IMPS_SIP_MAX_METHOD && number < 0x80000000u);
  g_snprintf (buf, sizeof buf, "%u %s", number, method);
  imps_sip_message_set_header (msg, "CSeq", buf);
}

void
imps_sip_message_set_max_forwards (ImpsSipMessage *msg, guint value)
{
  gchar buf[16];

  g_return_if_fail (msg != NULL && value <= 255);
  g_snprintf (buf, sizeof buf, "%u", value);
  imps_sip_message_set_header (msg, "Max-Forwards", buf);
}

void
imps_sip_message_set_expires (ImpsSipMessage *msg, guint32 value)
{
  gchar buf[16];

  g_return_if_fail (msg != NULL);
  g_snprintf (buf, sizeof buf, "%u", value);
  imps_sip_message_set_header (msg, "Expires", buf);
}

gboolean
imps_sip_message_decrement_max_forwards (ImpsSipMessage *msg, GError **error)
{
  guint mf;

  g_return_val_if_fail (msg != NULL, FALSE);
  if (imps_sip_message_find_header (msg, "Max-Forwards", 0) < 0)
    {
      imps_sip_message_set_max_forwards (msg, 70);
      return TRUE;
    }
  if (!imps_sip_message_get_max_forwards (msg, &mf, error))
    return FALSE;
  if (mf == 0)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_MANY_HOPS,
                   "header Max-Forwards: 0, the request may not be forwarded");
      return FALSE;
    }
  imps_sip_message_set_max_forwards (msg, mf - 1);
  return TRUE;
}

void
imps_sip_message_add_name_addr (ImpsSipMessage *msg, const gchar *name,
                                const ImpsSipNameAddr *na)
{
  g_return_if_fail (msg != NULL && name != NULL && na != NULL);

  g_autofree gchar *s = imps_sip_name_addr_to_string (na);
  imps_sip_message_append_header (msg, name, s);
}

void
imps_sip_message_add_contact (ImpsSipMessage *msg, const ImpsSipNameAddr *na)
{
  imps_sip_message_add_name_addr (msg, "Contact", na);
}

void
imps_sip_message_prepend_name_addr (ImpsSipMessage *msg, const gchar *name,
                                    const ImpsSipNameAddr *na)
{
  g_return_if_fail (msg != NULL && name != NULL && na != NULL);

  g_autofree gchar *s = imps_sip_name_addr_to_string (na);
  gint first = imps_sip_message_find_header (msg, name, 0);
  if (first < 0)
    imps_sip_message_append_header (msg, name, s);
  else
    imps_sip_message_insert_header (msg, (guint) first, name, s);
}

/* ---- transactions and dialogs ----------------------------------------------- */

static gboolean
is_invite (const ImpsSipMessage *msg)
{
  return imps_sip_message_is_request (msg)
         && strcmp (imps_sip_message_get_method (msg), "INVITE") == 0;
}

static gboolean
copy_required (ImpsSipMessage *to, const ImpsSipMessage *from,
               const gchar *name, GError **error)
{
  const gchar *v = required_value (from, name, error);

  if (v == NULL)
    return FALSE;
  imps_sip_message_append_header (to, name, v);
  return TRUE;
}

static gboolean
copy_top_via (ImpsSipMessage *to, const ImpsSipMessage *from, GError **error)
{
  ImpsSipValueIter it;
  const gchar *v;
  gsize n;

  imps_sip_value_iter_init (&it, from, "Via");
  if (!imps_sip_value_iter_next (&it, &v, &n))
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER, "no Via header");
      return FALSE;
    }
  g_autofree gchar *s = g_strndup (v, n);
  imps_sip_message_append_header (to, "Via", s);
  return TRUE;
}

static void
copy_all (ImpsSipMessage *to, const ImpsSipMessage *from, const gchar *name)
{
  for (gint i = imps_sip_message_find_header (from, name, 0); i >= 0;
       i = imps_sip_message_find_header (from, name, (guint) i + 1))
    {
      const ImpsSipHeader *h = imps_sip_message_get_header (from, (guint) i);
      imps_sip_message_append_header (to, h->name, h->value);
    }
}

ImpsSipMessage *
imps_sip_message_new_response_for (const ImpsSipMessage *request, guint status,
                                   const gchar *reason, const gchar *to_tag,
                                   GError **error)
{
  g_return_val_if_fail (request != NULL && imps_sip_message_is_request (request), NULL);
  g_return_val_if_fail (status >= 100 && status <= 699, NULL);

  g_autoptr (ImpsSipMessage) resp = imps_sip_message_new_response (status, reason);
  gboolean dialog = is_invite (request) && status > 100 && status < 300;
  static const gchar *const required[] = { "Via", "From", "To", "Call-ID", "CSeq" };

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (imps_sip_message_find_header (request, required[i], 0) < 0)
      {
        g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER,
                     "request without a %s header", required[i]);
        return NULL;
      }
  /* In the request's order (RFC 3261 §8.2.6.2 copies Via in order). */
  for (guint i = 0; i < imps_sip_message_get_n_headers (request); i++)
    {
      const ImpsSipHeader *h = imps_sip_message_get_header (request, i);
      switch (h->id)
        {
        case IMPS_SIP_HDR_VIA:
        case IMPS_SIP_HDR_FROM:
        case IMPS_SIP_HDR_TO:
        case IMPS_SIP_HDR_CALL_ID:
        case IMPS_SIP_HDR_CSEQ:
          imps_sip_message_append_header (resp, h->name, h->value);
          break;
        case IMPS_SIP_HDR_RECORD_ROUTE:
          if (dialog)
            imps_sip_message_append_header (resp, h->name, h->value);
          break;
        default:
          break;
        }
    }
  if (to_tag != NULL && status != 100
      && !imps_sip_message_set_to_tag (resp, to_tag, FALSE, error))
    return NULL;
  return g_steal_pointer (&resp);
}

static gboolean
cseq_number (const ImpsSipMessage *msg, guint32 *number, GError **error)
{
  ImpsSipCSeq cseq;

  if (!imps_sip_message_get_cseq (msg, &cseq, error))
    return FALSE;
  *number = cseq.number;
  return TRUE;
}

ImpsSipMessage *
imps_sip_message_new_ack_for_error (const ImpsSipMessage *invite,
                                   const ImpsSipMessage *response,
                                   GError **error)
{
  guint32 number;

  g_return_val_if_fail (invite != NULL && is_invite (invite), NULL);
  g_return_val_if_fail (response != NULL && !imps_sip_message_is_request (response), NULL);
  g_return_val_if_fail (imps_sip_message_get_status (response) >= 300, NULL);

  g_autoptr (ImpsSipMessage) ack =
    imps_sip_message_new_request ("ACK", imps_sip_message_get_request_uri (invite));
  if (!copy_top_via (ack, invite, error))
    return NULL;
  imps_sip_message_set_max_forwards (ack, 70);
  copy_all (ack, invite, "Route");
  if (!copy_required (ack, invite, "From", error)
      || !copy_required (ack, response, "To", error)
      || !copy_required (ack, invite, "Call-ID", error)
      || !cseq_number (invite, &number, error))
    return NULL;
  imps_sip_message_set_cseq (ack, number, "ACK");
  return g_steal_pointer (&ack);
}

ImpsSipMessage *
imps_sip_message_new_ack_for_2xx (const ImpsSipMessage *invite,
                                  const ImpsSipMessage *response,
                                  const ImpsSipVia *via, GError **error)
{
  guint32 number;

  g_return_val_if_fail (invite != NULL && is_invite (invite), NULL);
  g_return_val_if_fail (response != NULL && !imps_sip_message_is_request (response), NULL);
  g_return_val_if_fail (via != NULL, NULL);

  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (response, error);
  if (contacts == NULL)
    return NULL;
  if (contacts->len == 0 || ((ImpsSipNameAddr *) contacts->pdata[0])->star)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER,
                   "2xx response without a Contact URI");
      return NULL;
    }
  g_autoptr (GPtrArray) rr = imps_sip_message_get_name_addrs (response, "Record-Route", error);
  if (rr == NULL)
    return NULL;

  g_autofree gchar *target = imps_sip_uri_to_string (((ImpsSipNameAddr *) contacts->pdata[0])->uri);
  g_autoptr (ImpsSipMessage) ack = imps_sip_message_new_request ("ACK", target);
  imps_sip_message_push_via (ack, via);
  imps_sip_message_set_max_forwards (ack, 70);
  /* The UAC's route set is the Record-Route list in reverse (§12.1.2). */
  for (guint i = rr->len; i > 0; i--)
    imps_sip_message_add_name_addr (ack, "Route", rr->pdata[i - 1]);
  if (!copy_required (ack, invite, "From", error)
      || !copy_required (ack, response, "To", error)
      || !copy_required (ack, invite, "Call-ID", error)
      || !cseq_number (invite, &number, error))
    return NULL;
  imps_sip_message_set_cseq (ack, number, "ACK");
  return g_steal_pointer (&ack);
}

ImpsSipMessage *
imps_sip_message_new_cancel_for (const ImpsSipMessage *invite, GError **error)
{
  guint32 number;

  g_return_val_if_fail (invite != NULL && is_invite (invite), NULL);

  g_autoptr (ImpsSipMessage) cancel =
    imps_sip_message_new_request ("CANCEL", imps_sip_message_get_request_uri (invite));
  if (!copy_top_via (cancel, invite, error))
    return NULL;
  imps_sip_message_set_max_forwards (cancel, 70);
  copy_all (cancel, invite, "Route");
  if (!copy_required (cancel, invite, "From", error)
      || !copy_required (cancel, invite, "To", error)
      || !copy_required (cancel, invite, "Call-ID", error)
      || !cseq_number (invite, &number, error))
    return NULL;
  imps_sip_message_set_cseq (cancel, number, "CANCEL");
  return g_steal_pointer (&cancel);
}

/* ---- identifiers -------------------------------------------------------------- */

static gchar *
random_hex (ImpsRandom *rnd, const gchar *prefix, gsize nbytes,
            const gchar *suffix)
{
  guint8 buf[16];
  gchar hex[33];

  g_return_val_if_fail (rnd != NULL && nbytes <= sizeof buf, NULL);
  imps_random_fill (rnd, buf, nbytes);
  imps_hex_encode_into (buf, nbytes, hex);
  return g_strconcat (prefix, hex, suffix ? "@" : NULL, suffix, NULL);
}

gchar *
imps_sip_branch_new (ImpsRandom *rnd)
{
  return random_hex (rnd, IMPS_SIP_BRANCH_MAGIC, 16, NULL);
}

gchar *
imps_sip_tag_new (ImpsRandom *rnd)
{
  return random_hex (rnd, "", 8, NULL);
}

gchar *
imps_sip_call_id_new (ImpsRandom *rnd, const gchar *host)
{
  return random_hex (rnd, "", 16, host);
}
