/* Digest header values: WWW-Authenticate, Authorization,
 * Authentication-Info (RFC 2617 §3.2, RFC 7235 §2.1 list syntax). */
#include "imps-digest.h"
#include "imps-digest-private.h"

#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (imps-digest-error-quark, imps_digest_error)

/* ---- value types ----------------------------------------------------- */

ImpsDigestParam *
imps_digest_param_new (const gchar *name, const gchar *value, gboolean quoted)
{
  g_return_val_if_fail (name != NULL && value != NULL, NULL);
  ImpsDigestParam *p = g_new0 (ImpsDigestParam, 1);
  p->name = g_strdup (name);
  p->value = g_strdup (value);
  p->quoted = quoted;
  return p;
}

void
imps_digest_param_free (ImpsDigestParam *param)
{
  if (param == NULL)
    return;
  g_free (param->name);
  g_free (param->value);
  g_free (param);
}

static void
param_free (gpointer p)
{
  imps_digest_param_free (p);
}

void
imps_digest_params_add (GPtrArray *unknown, const gchar *name,
                        const gchar *value, gboolean quoted)
{
  g_return_if_fail (unknown != NULL && name != NULL && value != NULL);
  g_ptr_array_add (unknown, imps_digest_param_new (name, value, quoted));
}

ImpsDigestChallenge *
imps_digest_challenge_new (void)
{
  ImpsDigestChallenge *c = g_new0 (ImpsDigestChallenge, 1);
  c->unknown = g_ptr_array_new_with_free_func (param_free);
  return c;
}

void
imps_digest_challenge_free (ImpsDigestChallenge *c)
{
  if (c == NULL)
    return;
  g_free (c->realm);
  g_free (c->nonce);
  g_free (c->domain);
  g_free (c->opaque);
  g_ptr_array_unref (c->unknown);
  g_free (c);
}

ImpsDigestCredentials *
imps_digest_credentials_new (void)
{
  ImpsDigestCredentials *c = g_new0 (ImpsDigestCredentials, 1);
  c->unknown = g_ptr_array_new_with_free_func (param_free);
  return c;
}

void
imps_digest_credentials_free (ImpsDigestCredentials *c)
{
  if (c == NULL)
    return;
  g_free (c->username);
  g_free (c->realm);
  g_free (c->nonce);
  g_free (c->uri);
  g_free (c->response);
  g_free (c->cnonce);
  g_free (c->opaque);
  g_free (c->auts);
  g_ptr_array_unref (c->unknown);
  g_free (c);
}

ImpsDigestAuthInfo *
imps_digest_auth_info_new (void)
{
  ImpsDigestAuthInfo *a = g_new0 (ImpsDigestAuthInfo, 1);
  a->unknown = g_ptr_array_new_with_free_func (param_free);
  return a;
}

void
imps_digest_auth_info_free (ImpsDigestAuthInfo *a)
{
  if (a == NULL)
    return;
  g_free (a->nextnonce);
  g_free (a->rspauth);
  g_free (a->cnonce);
  g_free (a->opaque);
  g_free (a->nonce);
  g_ptr_array_unref (a->unknown);
  g_free (a);
}

const gchar *
imps_digest_algorithm_to_string (ImpsDigestAlgorithm algorithm)
{
  switch (algorithm)
    {
    case IMPS_DIGEST_ALGORITHM_NONE:
      return NULL;
    case IMPS_DIGEST_ALGORITHM_MD5:
      return "MD5";
    case IMPS_DIGEST_ALGORITHM_AKAV1_MD5:
      return "AKAv1-MD5";
    case IMPS_DIGEST_ALGORITHM_AKAV2_MD5:
      return "AKAv2-MD5";
    }
  return NULL;
}

const gchar *
imps_digest_qop_to_string (ImpsDigestQop qop)
{
  switch (qop)
    {
    case IMPS_DIGEST_QOP_AUTH:
      return "auth";
    case IMPS_DIGEST_QOP_AUTH_INT:
      return "auth-int";
    case IMPS_DIGEST_QOP_NONE:
    default:
      return NULL;
    }
}

/* ---- the lexer ------------------------------------------------------- */

/* One parameter as read: name and unescaped value point into @buf of the
 * list (no allocation per parameter while lexing). */
typedef struct {
  gsize offset;          /* of the name in the header */
  gsize value_offset;
  const gchar *name;
  gsize name_len;
  gsize value_start;     /* into ParamList.buf */
  gsize value_len;
  gboolean quoted;
  gboolean used;         /* taken by a known field */
} Param;

typedef struct {
  const gchar *what;     /* header name, for messages */
  Param params[IMPS_DIGEST_MAX_PARAMS];
  guint n;
  GString *buf;          /* unescaped values, NUL-separated */
} ParamList;

static gboolean fail (GError **error, ImpsDigestError code, const gchar *fmt, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, ImpsDigestError code, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, IMPS_DIGEST_ERROR, code, msg);
  return FALSE;
}

/* RFC 7230 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~, one bit per byte. */
static const guint32 tchar_bits[8] = {
  0x00000000u, 0x03ff6cfau, 0xc7fffffeu, 0x57ffffffu, 0, 0, 0, 0,
};

static inline gboolean
is_tchar (guchar c)
{
  return (tchar_bits[c >> 5] >> (c & 31)) & 1;
}

gboolean
imps_digest_is_tchar (guchar c)
{
  return is_tchar (c);
}

static inline gboolean
is_ows (gchar c)
{
  return c == ' ' || c == '\t';
}

static const gchar *
param_value (const ParamList *l, const Param *p)
{
  return l->buf->str + p->value_start;
}

/* Reads "[scheme 1*SP] #auth-param" into @l. */
static gboolean
lex (ParamList *l, const gchar *text, gsize len, gboolean with_scheme, GError **error)
{
  gsize pos = 0;
  guint elements = 0;

  if (len > IMPS_DIGEST_MAX_HEADER)
    return fail (error, IMPS_DIGEST_ERROR_LIMIT,
                 "%s: header value of %zu bytes is longer than %d (at offset %d)",
                 l->what, len, IMPS_DIGEST_MAX_HEADER, IMPS_DIGEST_MAX_HEADER);

  if (with_scheme)
    {
      while (pos < len && is_ows (text[pos]))
        pos++;
      gsize s = pos;
      while (pos < len && is_tchar ((guchar) text[pos]))
        pos++;
      if (pos == s)
        return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                     "%s: expected the auth scheme at offset %zu", l->what, s);
      if (pos - s != 6 || g_ascii_strncasecmp (text + s, "Digest", 6) != 0)
        return fail (error, IMPS_DIGEST_ERROR_SCHEME,
                     "%s: scheme '%.*s' at offset %zu is not Digest", l->what,
                     (int) MIN (pos - s, 32), text + s, s);
      if (pos < len && text[pos] != ' ')
        return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                     "%s: expected a space after the scheme at offset %zu",
                     l->what, pos);
    }

  for (;;)
    {
      while (pos < len && is_ows (text[pos]))
        pos++;
      if (pos >= len)
        break;
      if (text[pos] == ',')
        {
          if (++elements > IMPS_DIGEST_MAX_PARAMS)
            return fail (error, IMPS_DIGEST_ERROR_LIMIT,
                         "%s: more than %d list elements at offset %zu",
                         l->what, IMPS_DIGEST_MAX_PARAMS, pos);
          pos++;
          continue;
        }

      /* name */
      gsize ns = pos;
      while (pos < len && is_tchar ((guchar) text[pos]))
        pos++;
      if (pos == ns)
        return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                     "%s: expected a parameter name at offset %zu, found 0x%02x",
                     l->what, ns, (guchar) text[ns]);
      gsize nl = pos - ns;
      if (nl > IMPS_DIGEST_MAX_NAME)
        return fail (error, IMPS_DIGEST_ERROR_LIMIT,
                     "%s: parameter name at offset %zu is longer than %d bytes",
                     l->what, ns, IMPS_DIGEST_MAX_NAME);
      if (l->n == IMPS_DIGEST_MAX_PARAMS || ++elements > IMPS_DIGEST_MAX_PARAMS)
        return fail (error, IMPS_DIGEST_ERROR_LIMIT,
                     "%s: parameter '%.*s' at offset %zu is one more than %d",
                     l->what, (int) nl, text + ns, ns, IMPS_DIGEST_MAX_PARAMS);
      for (guint i = 0; i < l->n; i++)
        if (l->params[i].name_len == nl
            && g_ascii_strncasecmp (l->params[i].name, text + ns, nl) == 0)
          return fail (error, IMPS_DIGEST_ERROR_DUPLICATE,
                       "%s: parameter '%.*s' at offset %zu was already given at offset %zu",
                       l->what, (int) nl, text + ns, ns, l->params[i].offset);

      /* BWS "=" BWS */
      while (pos < len && is_ows (text[pos]))
        pos++;
      if (pos >= len || text[pos] != '=')
        return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                     "%s: parameter '%.*s': expected '=' at offset %zu",
                     l->what, (int) nl, text + ns, pos);
      pos++;
      while (pos < len && is_ows (text[pos]))
        pos++;

      Param *p = &l->params[l->n];
      p->offset = ns;
      p->name = text + ns;
      p->name_len = nl;
      p->value_offset = pos;
      p->value_start = l->buf->len;
      p->used = FALSE;

      if (pos < len && text[pos] == '"')
        {
          gsize qs = pos;
          p->quoted = TRUE;
          pos++;
          for (;;)
            {
              /* a run of plain characters goes in at once */
              gsize run = pos;
              while (run < len && (guchar) text[run] >= 0x20 && text[run] != '"'
                     && text[run] != '\\' && text[run] != 0x7f)
                run++;
              if (run > pos)
                {
                  gsize have = l->buf->len - p->value_start;
                  if (have + (run - pos) > IMPS_DIGEST_MAX_VALUE)
                    /* where the character-by-character reading stops */
                    return fail (error, IMPS_DIGEST_ERROR_LIMIT,
                                 "%s: parameter '%.*s': value longer than %d bytes at offset %zu",
                                 l->what, (int) nl, text + ns, IMPS_DIGEST_MAX_VALUE,
                                 pos + (IMPS_DIGEST_MAX_VALUE - have) + 1);
                  g_string_append_len (l->buf, text + pos, (gssize) (run - pos));
                  pos = run;
                }
              if (pos >= len)
                return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                             "%s: parameter '%.*s': quoted string from offset %zu "
                             "is not closed", l->what, (int) nl, text + ns, qs);
              guchar c = (guchar) text[pos];
              if (c == '"')
                {
                  pos++;
                  break;
                }
              if (c == '\\')
                {
                  pos++;
                  if (pos >= len)
                    return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                                 "%s: parameter '%.*s': backslash at the end at offset %zu",
                                 l->what, (int) nl, text + ns, pos - 1);
                  c = (guchar) text[pos];
                }
              if ((c < 0x20 && c != '\t') || c == 0x7f)
                return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                             "%s: parameter '%.*s': control character 0x%02x at offset %zu",
                             l->what, (int) nl, text + ns, c, pos);
              g_string_append_c (l->buf, (gchar) c);
              pos++;
              if (l->buf->len - p->value_start > IMPS_DIGEST_MAX_VALUE)
                return fail (error, IMPS_DIGEST_ERROR_LIMIT,
                             "%s: parameter '%.*s': value longer than %d bytes at offset %zu",
                             l->what, (int) nl, text + ns, IMPS_DIGEST_MAX_VALUE, pos);
            }
        }
      else
        {
          gsize vs = pos;
          p->quoted = FALSE;
          while (pos < len && is_tchar ((guchar) text[pos]))
            pos++;
          if (pos == vs)
            return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                         "%s: parameter '%.*s': expected a token or a quoted string "
                         "at offset %zu", l->what, (int) nl, text + ns, vs);
          if (pos - vs > IMPS_DIGEST_MAX_VALUE)
            return fail (error, IMPS_DIGEST_ERROR_LIMIT,
                         "%s: parameter '%.*s': value longer than %d bytes at offset %zu",
                         l->what, (int) nl, text + ns, IMPS_DIGEST_MAX_VALUE, vs);
          g_string_append_len (l->buf, text + vs, (gssize) (pos - vs));
        }
      p->value_len = l->buf->len - p->value_start;
      g_string_append_c (l->buf, '\0');
      l->n++;

      while (pos < len && is_ows (text[pos]))
        pos++;
      if (pos >= len)
        break;
      if (text[pos] != ',')
        return fail (error, IMPS_DIGEST_ERROR_SYNTAX,
                     "%s: after parameter '%.*s': expected ',' at offset %zu, found 0x%02x",
                     l->what, (int) nl, text + ns, pos, (guchar) text[pos]);
      pos++;   /* the separator; further commas are empty elements */
    }
  return TRUE;
}

static Param *
take (ParamList *l, const gchar *name)
{
  gsize n = strlen (name);
  for (guint i = 0; i < l->n; i++)
    if (l->params[i].name_len == n && g_ascii_strncasecmp (l->params[i].name, name, n) == 0)
      {
        l->params[i].used = TRUE;
        return &l->params[i];
      }
  return NULL;
}

static gchar *
take_string (ParamList *l, const gchar *name)
{
  Param *p = take (l, name);
  return p ? g_strndup (param_value (l, p), p->value_len) : NULL;
}

static void
keep_unknown (ParamList *l, GPtrArray *unknown)
{
  for (guint i = 0; i < l->n; i++)
    if (!l->params[i].used)
      {
        ImpsDigestParam *p = g_new0 (ImpsDigestParam, 1);
        p->name = g_strndup (l->params[i].name, l->params[i].name_len);
        p->value = g_strndup (param_value (l, &l->params[i]), l->params[i].value_len);
        p->quoted = l->params[i].quoted;
        g_ptr_array_add (unknown, p);
      }
}

static gboolean
missing (ParamList *l, const gchar *name, GError **error)
{
  return fail (error, IMPS_DIGEST_ERROR_MISSING, "%s: parameter '%s' is missing",
               l->what, name);
}

static gboolean
take_algorithm (ParamList *l, ImpsDigestAlgorithm *out, GError **error)
{
  Param *p = take (l, "algorithm");
  *out = IMPS_DIGEST_ALGORITHM_NONE;
  if (p == NULL)
    return TRUE;
  const gchar *v = param_value (l, p);
  if (g_ascii_strcasecmp (v, "MD5") == 0)
    *out = IMPS_DIGEST_ALGORITHM_MD5;
  else if (g_ascii_strcasecmp (v, "AKAv1-MD5") == 0)
    *out = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  else if (g_ascii_strcasecmp (v, "AKAv2-MD5") == 0)
    *out = IMPS_DIGEST_ALGORITHM_AKAV2_MD5;
  else
    return fail (error, IMPS_DIGEST_ERROR_UNSUPPORTED,
                 "%s: parameter 'algorithm': '%.*s' at offset %zu is not MD5, "
                 "AKAv1-MD5 or AKAv2-MD5", l->what, (int) MIN (p->value_len, 64), v,
                 p->value_offset);
  return TRUE;
}

static gboolean
parse_qop_value (const gchar *v, gsize n, ImpsDigestQop *out)
{
  if (n == 4 && g_ascii_strncasecmp (v, "auth", 4) == 0)
    *out = IMPS_DIGEST_QOP_AUTH;
  else if (n == 8 && g_ascii_strncasecmp (v, "auth-int", 8) == 0)
    *out = IMPS_DIGEST_QOP_AUTH_INT;
  else
    return FALSE;
  return TRUE;
}

/* A single qop value (Authorization, Authentication-Info). */
static gboolean
take_qop (ParamList *l, ImpsDigestQop *out, GError **error)
{
  Param *p = take (l, "qop");
  *out = IMPS_DIGEST_QOP_NONE;
  if (p == NULL)
    return TRUE;
  if (!parse_qop_value (param_value (l, p), p->value_len, out))
    return fail (error, IMPS_DIGEST_ERROR_UNSUPPORTED,
                 "%s: parameter 'qop': '%.*s' at offset %zu is not auth or auth-int",
                 l->what, (int) MIN (p->value_len, 64), param_value (l, p),
                 p->value_offset);
  return TRUE;
}

static gboolean
is_hex (const gchar *v, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isxdigit (v[i]))
      return FALSE;
  return TRUE;
}

static gboolean
take_nc (ParamList *l, gchar nc[IMPS_DIGEST_NC_LEN], GError **error)
{
  Param *p = take (l, "nc");
  nc[0] = '\0';
  if (p == NULL)
    return TRUE;
  if (p->value_len != 8 || !is_hex (param_value (l, p), 8))
    return fail (error, IMPS_DIGEST_ERROR_VALUE,
                 "%s: parameter 'nc' at offset %zu is not 8 hex digits",
                 l->what, p->value_offset);
  memcpy (nc, param_value (l, p), 8);
  nc[8] = '\0';
  return TRUE;
}

/* "" or 32 hex digits (MD5); @allow_empty for the first Ub request. */
static gboolean
take_digest_hex (ParamList *l, const gchar *name, gboolean allow_empty,
                 gchar **out, GError **error)
{
  Param *p = take (l, name);
  *out = NULL;
  if (p == NULL)
    return TRUE;
  if (!((p->value_len == 0 && allow_empty)
        || (p->value_len == 32 && is_hex (param_value (l, p), 32))))
    return fail (error, IMPS_DIGEST_ERROR_VALUE,
                 "%s: parameter '%s' at offset %zu is not 32 hex digits",
                 l->what, name, p->value_offset);
  *out = g_ascii_strdown (param_value (l, p), (gssize) p->value_len);
  return TRUE;
}

static void
list_init (ParamList *l, const gchar *what)
{
  l->what = what;
  l->n = 0;
  l->buf = g_string_sized_new (256);
}

static void
list_clear (ParamList *l)
{
  g_string_free (l->buf, TRUE);
}

ImpsDigestChallenge *
imps_digest_challenge_parse (const gchar *text, gsize len, GError **error)
{
  ParamList l;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_new ();
  gboolean ok = FALSE;
  Param *p;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  list_init (&l, "WWW-Authenticate");
  if (!lex (&l, text, len, TRUE, error))
    goto out;
  c->realm = take_string (&l, "realm");
  c->nonce = take_string (&l, "nonce");
  c->domain = take_string (&l, "domain");
  c->opaque = take_string (&l, "opaque");
  if (c->realm == NULL)
    {
      missing (&l, "realm", error);
      goto out;
    }
  if (c->nonce == NULL)
    {
      missing (&l, "nonce", error);
      goto out;
    }
  if ((p = take (&l, "stale")) != NULL)
    {
      const gchar *v = param_value (&l, p);
      if (g_ascii_strcasecmp (v, "true") == 0)
        c->stale = TRUE;
      else if (g_ascii_strcasecmp (v, "false") != 0)
        {
          fail (error, IMPS_DIGEST_ERROR_VALUE,
                "%s: parameter 'stale' at offset %zu is not true or false",
                l.what, p->value_offset);
          goto out;
        }
    }
  if (!take_algorithm (&l, &c->algorithm, error))
    goto out;
  if ((p = take (&l, "qop")) != NULL)
    {
      /* qop-options: a comma list inside the quoted string; unknown
       * options are ignored (RFC 2617 §3.2.1). */
      const gchar *v = param_value (&l, p);
      gsize i = 0, n = p->value_len;
      while (i < n)
        {
          while (i < n && (is_ows (v[i]) || v[i] == ','))
            i++;
          gsize s = i;
          while (i < n && !is_ows (v[i]) && v[i] != ',')
            i++;
          ImpsDigestQop q;
          if (i > s && parse_qop_value (v + s, i - s, &q))
            c->qop_options |= q;
        }
      if (c->qop_options == 0)
        {
          fail (error, IMPS_DIGEST_ERROR_UNSUPPORTED,
                "%s: parameter 'qop' at offset %zu offers neither auth nor auth-int",
                l.what, p->value_offset);
          goto out;
        }
    }
  keep_unknown (&l, c->unknown);
  ok = TRUE;

out:
  list_clear (&l);
  return ok ? g_steal_pointer (&c) : NULL;
}

static gboolean
check_auts (ParamList *l, Param *p, GError **error)
{
  guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN];
  gsize n = 0, bad = 0;
  if (!imps_digest_base64_decode (param_value (l, p), p->value_len, auts, sizeof auts,
                                  &n, &bad) || n != sizeof auts)
    return fail (error, IMPS_DIGEST_ERROR_VALUE,
                 "%s: parameter 'auts' at offset %zu is not base64 of 14 bytes%s",
                 l->what, p->value_offset + (p->quoted ? 1 : 0) + bad,
                 n == sizeof auts ? "" : " (bad character or length)");
  return TRUE;
}

ImpsDigestCredentials *
imps_digest_credentials_parse (const gchar *text, gsize len, GError **error)
{
  ParamList l;
  g_autoptr (ImpsDigestCredentials) c = imps_digest_credentials_new ();
  gboolean ok = FALSE;
  Param *p;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  list_init (&l, "Authorization");
  if (!lex (&l, text, len, TRUE, error))
    goto out;
  c->username = take_string (&l, "username");
  c->realm = take_string (&l, "realm");
  c->nonce = take_string (&l, "nonce");
  c->uri = take_string (&l, "uri");
  c->cnonce = take_string (&l, "cnonce");
  c->opaque = take_string (&l, "opaque");
  static const gchar *required[] = { "username", "realm", "nonce", "uri" };
  gchar *values[] = { c->username, c->realm, c->nonce, c->uri };
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (values[i] == NULL)
      {
        missing (&l, required[i], error);
        goto out;
      }
  if (!take_digest_hex (&l, "response", TRUE, &c->response, error))
    goto out;
  if (c->response == NULL)
    {
      missing (&l, "response", error);
      goto out;
    }
  if (!take_algorithm (&l, &c->algorithm, error)
      || !take_qop (&l, &c->qop, error)
      || !take_nc (&l, c->nc, error))
    goto out;
  if (c->qop != IMPS_DIGEST_QOP_NONE)
    {
      if (c->cnonce == NULL)
        {
          missing (&l, "cnonce", error);
          goto out;
        }
      if (c->nc[0] == '\0')
        {
          missing (&l, "nc", error);
          goto out;
        }
    }
  else if (c->cnonce != NULL || c->nc[0] != '\0')
    {
      fail (error, IMPS_DIGEST_ERROR_VALUE,
            "%s: parameter '%s' given without qop (RFC 2617 §3.2.2)", l.what,
            c->cnonce != NULL ? "cnonce" : "nc");
      goto out;
    }
  if ((p = take (&l, "auts")) != NULL)
    {
      if (!check_auts (&l, p, error))
        goto out;
      c->auts = g_strndup (param_value (&l, p), p->value_len);
    }
  keep_unknown (&l, c->unknown);
  ok = TRUE;

out:
  list_clear (&l);
  return ok ? g_steal_pointer (&c) : NULL;
}

ImpsDigestAuthInfo *
imps_digest_auth_info_parse (const gchar *text, gsize len, GError **error)
{
  ParamList l;
  g_autoptr (ImpsDigestAuthInfo) a = imps_digest_auth_info_new ();
  gboolean ok = FALSE;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  list_init (&l, "Authentication-Info");
  if (!lex (&l, text, len, FALSE, error))
    goto out;
  if (l.n == 0)
    {
      fail (error, IMPS_DIGEST_ERROR_SYNTAX,
            "%s: no parameters (at offset %zu)", l.what, len);
      goto out;
    }
  a->nextnonce = take_string (&l, "nextnonce");
  a->cnonce = take_string (&l, "cnonce");
  a->opaque = take_string (&l, "opaque");
  a->nonce = take_string (&l, "nonce");
  if (!take_digest_hex (&l, "rspauth", FALSE, &a->rspauth, error)
      || !take_qop (&l, &a->qop, error)
      || !take_nc (&l, a->nc, error))
    goto out;
  keep_unknown (&l, a->unknown);
  ok = TRUE;

out:
  list_clear (&l);
  return ok ? g_steal_pointer (&a) : NULL;
}

/* ---- builders --------------------------------------------------------- */

typedef struct {
  GString *s;
  const gchar *what;
  gboolean first;
  GError **error;
  gboolean failed;
} Builder;

static void
put_sep (Builder *b, const gchar *name)
{
  if (!b->first)
    g_string_append (b->s, ", ");
  b->first = FALSE;
  g_string_append (b->s, name);
  g_string_append_c (b->s, '=');
}

static void
put_quoted (Builder *b, const gchar *name, const gchar *value)
{
  if (value == NULL || b->failed)
    return;
  gsize n = strlen (value);
  if (n > IMPS_DIGEST_MAX_VALUE)
    {
      b->failed = !fail (b->error, IMPS_DIGEST_ERROR_VALUE,
                         "%s: parameter '%s' is longer than %d bytes", b->what, name,
                         IMPS_DIGEST_MAX_VALUE);
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      guchar c = (guchar) value[i];
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        {
          b->failed = !fail (b->error, IMPS_DIGEST_ERROR_VALUE,
                             "%s: parameter '%s' holds control character 0x%02x "
                             "at offset %zu", b->what, name, c, i);
          return;
        }
    }
  put_sep (b, name);
  g_string_append_c (b->s, '"');
  gsize from = 0;
  for (gsize i = 0; i < n; i++)
    if (value[i] == '"' || value[i] == '\\')
      {
        g_string_append_len (b->s, value + from, (gssize) (i - from));
        g_string_append_c (b->s, '\\');
        from = i;
      }
  g_string_append_len (b->s, value + from, (gssize) (n - from));
  g_string_append_c (b->s, '"');
}

static void
put_token (Builder *b, const gchar *name, const gchar *value)
{
  if (value == NULL || b->failed)
    return;
  gsize n = strlen (value);
  gboolean ok = n > 0 && n <= IMPS_DIGEST_MAX_VALUE;
  for (gsize i = 0; ok && i < n; i++)
    ok = is_tchar ((guchar) value[i]);
  if (!ok)
    {
      b->failed = !fail (b->error, IMPS_DIGEST_ERROR_VALUE,
                         "%s: parameter '%s' is not a token", b->what, name);
      return;
    }
  put_sep (b, name);
  g_string_append (b->s, value);
}

static void
put_unknown (Builder *b, GPtrArray *unknown)
{
  for (guint i = 0; unknown != NULL && i < unknown->len; i++)
    {
      const ImpsDigestParam *p = g_ptr_array_index (unknown, i);
      gboolean name_ok = p->name != NULL && p->name[0] != '\0'
                         && strlen (p->name) <= IMPS_DIGEST_MAX_NAME;
      for (const gchar *c = p->name; name_ok && *c; c++)
        name_ok = is_tchar ((guchar) *c);
      if (!name_ok)
        {
          if (!b->failed)
            b->failed = !fail (b->error, IMPS_DIGEST_ERROR_VALUE,
                               "%s: unknown parameter %u has a name that is not a token",
                               b->what, i);
          return;
        }
      if (p->quoted)
        put_quoted (b, p->name, p->value);
      else
        put_token (b, p->name, p->value);
    }
}

static gchar *
finish (Builder *b)
{
  if (!b->failed && b->s->len > IMPS_DIGEST_MAX_HEADER)
    b->failed = !fail (b->error, IMPS_DIGEST_ERROR_LIMIT,
                       "%s: header value of %zu bytes is longer than %d", b->what,
                       b->s->len, IMPS_DIGEST_MAX_HEADER);
  if (b->failed)
    {
      g_string_free (b->s, TRUE);
      return NULL;
    }
  return g_string_free (b->s, FALSE);
}

static void
builder_init (Builder *b, const gchar *what, const gchar *prefix, GError **error)
{
  b->s = g_string_new (prefix);
  b->what = what;
  b->first = TRUE;
  b->error = error;
  b->failed = FALSE;
}

static gboolean
require (Builder *b, const gchar *name, const gchar *value)
{
  if (value != NULL || b->failed)
    return TRUE;
  b->failed = !fail (b->error, IMPS_DIGEST_ERROR_VALUE,
                     "%s: parameter '%s' is required", b->what, name);
  return FALSE;
}

gchar *
imps_digest_challenge_build (const ImpsDigestChallenge *c, GError **error)
{
  Builder b;

  g_return_val_if_fail (c != NULL, NULL);
  builder_init (&b, "WWW-Authenticate", "Digest ", error);
  require (&b, "realm", c->realm);
  require (&b, "nonce", c->nonce);
  put_quoted (&b, "realm", c->realm);
  put_quoted (&b, "nonce", c->nonce);
  put_token (&b, "algorithm", imps_digest_algorithm_to_string (c->algorithm));
  if (c->qop_options != 0)
    {
      const gchar *q = (c->qop_options & IMPS_DIGEST_QOP_AUTH)
                       ? ((c->qop_options & IMPS_DIGEST_QOP_AUTH_INT) ? "auth,auth-int" : "auth")
                       : "auth-int";
      put_quoted (&b, "qop", q);
    }
  put_quoted (&b, "opaque", c->opaque);
  put_quoted (&b, "domain", c->domain);
  if (c->stale)
    put_token (&b, "stale", "true");
  put_unknown (&b, c->unknown);
  return finish (&b);
}

gchar *
imps_digest_credentials_build (const ImpsDigestCredentials *c, GError **error)
{
  Builder b;

  g_return_val_if_fail (c != NULL, NULL);
  builder_init (&b, "Authorization", "Digest ", error);
  require (&b, "username", c->username);
  require (&b, "realm", c->realm);
  require (&b, "nonce", c->nonce);
  require (&b, "uri", c->uri);
  if (c->qop != IMPS_DIGEST_QOP_NONE)
    {
      require (&b, "cnonce", c->cnonce);
      if (!b.failed && !(strlen (c->nc) == 8 && is_hex (c->nc, 8)))
        b.failed = !fail (error, IMPS_DIGEST_ERROR_VALUE,
                          "Authorization: parameter 'nc' is not 8 hex digits");
    }
  put_quoted (&b, "username", c->username);
  put_quoted (&b, "realm", c->realm);
  put_quoted (&b, "nonce", c->nonce);
  put_quoted (&b, "uri", c->uri);
  if (c->qop != IMPS_DIGEST_QOP_NONE)
    {
      put_token (&b, "qop", imps_digest_qop_to_string (c->qop));
      put_token (&b, "nc", c->nc);
      put_quoted (&b, "cnonce", c->cnonce);
    }
  put_quoted (&b, "response", c->response ? c->response : "");
  put_quoted (&b, "opaque", c->opaque);
  put_token (&b, "algorithm", imps_digest_algorithm_to_string (c->algorithm));
  put_quoted (&b, "auts", c->auts);
  put_unknown (&b, c->unknown);
  return finish (&b);
}

gchar *
imps_digest_auth_info_build (const ImpsDigestAuthInfo *a, GError **error)
{
  Builder b;

  g_return_val_if_fail (a != NULL, NULL);
  builder_init (&b, "Authentication-Info", "", error);
  put_quoted (&b, "nextnonce", a->nextnonce);
  put_token (&b, "qop", imps_digest_qop_to_string (a->qop));
  put_quoted (&b, "rspauth", a->rspauth);
  put_quoted (&b, "cnonce", a->cnonce);
  if (a->nc[0] != '\0')
    put_token (&b, "nc", a->nc);
  put_quoted (&b, "opaque", a->opaque);
  put_quoted (&b, "nonce", a->nonce);
  put_unknown (&b, a->unknown);
  if (!b.failed && b.first)
    b.failed = !fail (error, IMPS_DIGEST_ERROR_VALUE,
                      "Authentication-Info: no parameters to write");
  return finish (&b);
}
