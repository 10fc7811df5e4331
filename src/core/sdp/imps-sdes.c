/* a=crypto (RFC 4568 §9.1-9.2, digest §14.1-14.3): suite table, parse,
 * build, and the "can we honour this?" check of profile §5. */
#include "imps-sdes.h"
#include "imps-sdp-private.h"
#include "imps-secret.h"

#include <string.h>

/* Lengths from digest §14.3 (RFC 4568 §6.2, RFC 6188, RFC 7714). The key
 * lifetime maximum is 2^48 SRTP packets for every suite here (RFC 4568
 * §6.2.1 for AES_CM_128; RFC 6188 and RFC 7714 keep the SRTP limit). */
static const ImpsSdesSuiteInfo suites[] = {
  { IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, 48, TRUE },
  { IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, 48, TRUE },
  { IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, 48, TRUE },
  { IMPS_SDES_SUITE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 16, 16, 48, TRUE },
  { IMPS_SDES_SUITE_F8_128_HMAC_SHA1_80, "F8_128_HMAC_SHA1_80", 16, 14, 10, 10, 48, FALSE },
  { IMPS_SDES_SUITE_F8_128_HMAC_SHA1_32, "F8_128_HMAC_SHA1_32", 16, 14, 4, 10, 48, FALSE },
  { IMPS_SDES_SUITE_AES_192_CM_HMAC_SHA1_80, "AES_192_CM_HMAC_SHA1_80", 24, 14, 10, 10, 48, FALSE },
  { IMPS_SDES_SUITE_AES_192_CM_HMAC_SHA1_32, "AES_192_CM_HMAC_SHA1_32", 24, 14, 4, 10, 48, FALSE },
  { IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10, 48, FALSE },
  { IMPS_SDES_SUITE_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32, 12, 16, 16, 48, FALSE },
};

const ImpsSdesSuiteInfo *
imps_sdes_suite_info (ImpsSdesSuite suite)
{
  for (guint i = 0; i < G_N_ELEMENTS (suites); i++)
    if (suites[i].suite == suite)
      return &suites[i];
  return NULL;
}

ImpsSdesSuite
imps_sdes_suite_from_name (const gchar *name, gsize len)
{
  for (guint i = 0; i < G_N_ELEMENTS (suites); i++)
    if (strlen (suites[i].name) == len && g_ascii_strncasecmp (suites[i].name, name, len) == 0)
      return suites[i].suite;
  return IMPS_SDES_SUITE_UNKNOWN;
}

const gchar *
imps_sdes_suite_name (ImpsSdesSuite suite)
{
  const ImpsSdesSuiteInfo *info = imps_sdes_suite_info (suite);
  return info != NULL ? info->name : NULL;
}

gboolean
imps_sdp_crypto_has_param (const ImpsSdpCrypto *c, ImpsSdesParam p)
{
  for (guint i = 0; i < c->n_params; i++)
    if (c->params[i] == p)
      return TRUE;
  return FALSE;
}

/* ---- parse ------------------------------------------------------------- */

static gboolean G_GNUC_PRINTF (5, 6)
crypto_fail (GError **error, gint code, const gchar *field, gsize offset, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_SDP_ERROR, code, "a=crypto: %s: %s at byte offset %zu",
               field, msg, offset);
  return FALSE;
}

static gboolean
is_wsp (gchar c)
{
  return c == ' ' || c == '\t';
}

static gboolean
starts_with_ci (const gchar *p, gsize n, const gchar *prefix)
{
  gsize k = strlen (prefix);
  return n >= k && g_ascii_strncasecmp (p, prefix, k) == 0;
}

static gboolean
equals_ci (const gchar *p, gsize n, const gchar *word)
{
  return strlen (word) == n && g_ascii_strncasecmp (p, word, n) == 0;
}

/* Decimal into a guint64; FALSE on an empty string, a non-digit or overflow. */
static gboolean
parse_u64 (const gchar *p, gsize n, guint64 *out)
{
  if (n == 0)
    return FALSE;
  guint64 v = 0;
  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return FALSE;
      guint d = (guint) (p[i] - '0');
      if (v > (G_MAXUINT64 - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }
  *out = v;
  return TRUE;
}

/* One "inline:" key-param in v[start, end). */
static gboolean
parse_key_param (const gchar *v, gsize start, gsize end, const ImpsSdesSuiteInfo *info,
                 const gchar *what, ImpsSdesKey *key, GError **error)
{
  memset (key, 0, sizeof *key);
  if (!starts_with_ci (v + start, end - start, "inline:"))
    return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, what, start,
                        "key-method: expected \"inline:\"");
  gsize pos = start + 7;
  const gchar *bar = memchr (v + pos, '|', end - pos);
  gsize ks_end = bar != NULL ? (gsize) (bar - v) : end;

  gsize n = 0;
  gboolean padded = FALSE;
  if (!imps_sdp_b64_decode (v + pos, ks_end - pos, IMPS_SDP_B64_PAD_OPTIONAL, key->key_salt,
                            sizeof key->key_salt, &n, &padded,
                            "a=crypto: key-salt", pos, error))
    return FALSE;
  key->key_salt_len = (guint8) n;
  key->unpadded = !padded;
  if (info != NULL && n != info->key_len + info->salt_len)
    return crypto_fail (error, IMPS_SDP_ERROR_KEY_LENGTH, "key-salt", pos,
                        "%zu bytes of key||salt, %s needs %u", n, info->name,
                        info->key_len + info->salt_len);

  pos = ks_end;
  guint nfields = 0;
  while (pos < end)
    {
      /* v[pos] == '|' */
      pos++;
      const gchar *next = memchr (v + pos, '|', end - pos);
      gsize fend = next != NULL ? (gsize) (next - v) : end;
      const gchar *f = v + pos;
      gsize fn = fend - pos;
      if (++nfields > 2)
        return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, what, pos,
                            "more than a lifetime and an MKI after the key");
      const gchar *colon = memchr (f, ':', fn);
      if (colon == NULL)
        {
          /* lifetime = ["2^"] 1*DIGIT */
          if (key->has_lifetime || key->has_mki)
            return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "lifetime", pos,
                                key->has_mki ? "after the MKI" : "repeated");
          key->has_lifetime = TRUE;
          if (fn >= 2 && f[0] == '2' && f[1] == '^')
            {
              guint64 e;
              if (!parse_u64 (f + 2, fn - 2, &e) || fn - 2 > 2 || e > 63)
                return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "lifetime", pos,
                                    "2^n needs n of 0..63");
              key->lifetime_pow2 = TRUE;
              key->lifetime_log2 = (guint8) e;
              key->lifetime = G_GUINT64_CONSTANT (1) << e;
            }
          else if (!parse_u64 (f, fn, &key->lifetime) || key->lifetime == 0)
            return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "lifetime", pos,
                                "not a positive decimal number or 2^n below 2^64");
        }
      else
        {
          /* mki = mki-value ":" mki-length */
          if (key->has_mki)
            return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "mki", pos, "repeated");
          key->has_mki = TRUE;
          gsize vn = (gsize) (colon - f);
          guint64 len64;
          if (!parse_u64 (f, vn, &key->mki_value))
            return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "mki-value", pos,
                                "not a decimal number below 2^64");
          if (fn - vn - 1 > 3 || !parse_u64 (colon + 1, fn - vn - 1, &len64)
              || len64 == 0 || len64 > IMPS_SDES_MAX_MKI_LEN)
            return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "mki-length", pos + vn + 1,
                                "not a decimal number 1..%u", IMPS_SDES_MAX_MKI_LEN);
          key->mki_len = (guint8) len64;
          if (key->mki_len < 8 && key->mki_value >> (8 * key->mki_len) != 0)
            return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "mki-value", pos,
                                "%" G_GUINT64_FORMAT " does not fit in %u bytes",
                                key->mki_value, key->mki_len);
        }
      pos = fend;
    }
  return TRUE;
}

/* key-params = key-param *(";" key-param) in v[start, end). */
static gboolean
parse_key_params (const gchar *v, gsize start, gsize end, const ImpsSdesSuiteInfo *info,
                  const gchar *what, ImpsSdesKey *keys, guint *n_keys, GError **error)
{
  guint n = 0;
  gsize pos = start;
  for (;;)
    {
      const gchar *semi = memchr (v + pos, ';', end - pos);
      gsize kend = semi != NULL ? (gsize) (semi - v) : end;
      if (n == IMPS_SDES_MAX_KEYS)
        return crypto_fail (error, IMPS_SDP_ERROR_LIMIT, what, pos,
                            "more than %u keys", IMPS_SDES_MAX_KEYS);
      if (!parse_key_param (v, pos, kend, info, what, &keys[n], error))
        return FALSE;
      n++;
      if (semi == NULL)
        break;
      pos = kend + 1;
    }
  if (n > 1)
    for (guint i = 0; i < n; i++)
      {
        if (!keys[i].has_mki || keys[i].mki_len != keys[0].mki_len)
          return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, what, start,
                              "key %u of %u: several keys need MKIs of one length", i + 1, n);
        for (guint j = 0; j < i; j++)
          if (keys[j].mki_value == keys[i].mki_value)
            return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, what, start,
                                "keys %u and %u have the same MKI %" G_GUINT64_FORMAT,
                                j + 1, i + 1, keys[i].mki_value);
      }
  *n_keys = n;
  return TRUE;
}

static gboolean
add_param (ImpsSdpCrypto *c, ImpsSdesParam p, const gchar *name, gsize offset, GError **error)
{
  if (p != IMPS_SDES_PARAM_EXTENSION && imps_sdp_crypto_has_param (c, p))
    return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "session-param", offset,
                        "%s repeated", name);
  if (c->n_params == IMPS_SDES_MAX_PARAMS)
    return crypto_fail (error, IMPS_SDP_ERROR_LIMIT, "session-param", offset,
                        "more than %u session parameters", IMPS_SDES_MAX_PARAMS);
  c->params[c->n_params++] = p;
  return TRUE;
}

static gboolean
parse_session_param (ImpsSdpCrypto *c, const gchar *v, gsize start, gsize end,
                     const ImpsSdesSuiteInfo *info, GError **error)
{
  const gchar *p = v + start;
  gsize n = end - start;
  guint64 x;

  for (gsize i = 0; i < n; i++)
    if ((guchar) p[i] < 0x21 || (guchar) p[i] > 0x7e)
      return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "session-param", start + i,
                          "character 0x%02x is not VCHAR", (guchar) p[i]);

  if (starts_with_ci (p, n, "KDR="))
    {
      if (n - 4 > 2 || !parse_u64 (p + 4, n - 4, &x) || x > 24)
        return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "KDR", start,
                            "not a decimal number 0..24");
      c->kdr = (guint) x;
      return add_param (c, IMPS_SDES_PARAM_KDR, "KDR", start, error);
    }
  if (equals_ci (p, n, "UNENCRYPTED_SRTP"))
    {
      c->unencrypted_srtp = TRUE;
      return add_param (c, IMPS_SDES_PARAM_UNENCRYPTED_SRTP, "UNENCRYPTED_SRTP", start, error);
    }
  if (equals_ci (p, n, "UNENCRYPTED_SRTCP"))
    {
      c->unencrypted_srtcp = TRUE;
      return add_param (c, IMPS_SDES_PARAM_UNENCRYPTED_SRTCP, "UNENCRYPTED_SRTCP", start, error);
    }
  if (equals_ci (p, n, "UNAUTHENTICATED_SRTP"))
    {
      c->unauthenticated_srtp = TRUE;
      return add_param (c, IMPS_SDES_PARAM_UNAUTHENTICATED_SRTP, "UNAUTHENTICATED_SRTP", start,
                        error);
    }
  if (starts_with_ci (p, n, "FEC_ORDER="))
    {
      if (equals_ci (p + 10, n - 10, "FEC_SRTP"))
        c->fec_order = IMPS_SDES_FEC_ORDER_FEC_SRTP;
      else if (equals_ci (p + 10, n - 10, "SRTP_FEC"))
        c->fec_order = IMPS_SDES_FEC_ORDER_SRTP_FEC;
      else
        return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "FEC_ORDER", start + 10,
                            "expected FEC_SRTP or SRTP_FEC");
      return add_param (c, IMPS_SDES_PARAM_FEC_ORDER, "FEC_ORDER", start, error);
    }
  if (starts_with_ci (p, n, "FEC_KEY="))
    {
      if (imps_sdp_crypto_has_param (c, IMPS_SDES_PARAM_FEC_KEY))
        return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "session-param", start,
                            "FEC_KEY repeated");
      if (!parse_key_params (v, start + 8, end, info, "FEC_KEY", c->fec_keys,
                             &c->n_fec_keys, error))
        return FALSE;
      return add_param (c, IMPS_SDES_PARAM_FEC_KEY, "FEC_KEY", start, error);
    }
  if (starts_with_ci (p, n, "WSH="))
    {
      if (n - 4 < 2 || n - 4 > 9 || !parse_u64 (p + 4, n - 4, &x))
        return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "WSH", start,
                            "not a decimal number of 2 to 9 digits");
      c->wsh = (guint) x;
      return add_param (c, IMPS_SDES_PARAM_WSH, "WSH", start, error);
    }
  if (p[0] == '-')
    {
      if (n < 2)
        return crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "session-param", start,
                            "'-' without an extension name");
      if (c->extensions == NULL)
        c->extensions = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (c->extensions, g_strndup (p, n));
      return add_param (c, IMPS_SDES_PARAM_EXTENSION, "extension", start, error);
    }
  g_autofree gchar *name = g_strndup (p, MIN (n, 64));
  return crypto_fail (error, IMPS_SDP_ERROR_UNKNOWN_PARAM, "session-param", start,
                      "unknown mandatory parameter \"%s\" (no '-' prefix)", name);
}

ImpsSdpCrypto *
imps_sdp_crypto_parse (const gchar *value, gsize len, GError **error)
{
  g_return_val_if_fail (value != NULL || len == 0, NULL);
  const gchar *v = value;
  gsize pos = 0;

  if (len > IMPS_SDP_MAX_LINE)
    {
      crypto_fail (error, IMPS_SDP_ERROR_LIMIT, "value", 0, "%zu bytes, more than %u",
                   len, IMPS_SDP_MAX_LINE);
      return NULL;
    }

  g_autoptr (ImpsSdpCrypto) c = g_new0 (ImpsSdpCrypto, 1);

  /* tag = 1*9DIGIT, no leading zero */
  while (pos < len && g_ascii_isdigit (v[pos]))
    pos++;
  if (pos == 0 || pos > 9)
    {
      crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "tag", 0, "expected 1 to 9 decimal digits");
      return NULL;
    }
  if (pos > 1 && v[0] == '0')
    {
      crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "tag", 0, "leading zero");
      return NULL;
    }
  guint64 tag = 0;
  parse_u64 (v, pos, &tag);
  c->tag = (guint32) tag;

  /* 1*WSP crypto-suite */
  gsize ws = pos;
  while (pos < len && is_wsp (v[pos]))
    pos++;
  if (pos == ws)
    {
      crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "tag", pos, "expected whitespace after the tag");
      return NULL;
    }
  gsize sstart = pos;
  while (pos < len && (g_ascii_isalnum (v[pos]) || v[pos] == '_'))
    pos++;
  gsize sn = pos - sstart;
  if (sn == 0 || (pos < len && !is_wsp (v[pos])))
    {
      crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "crypto-suite", pos,
                   "expected 1*(ALPHA / DIGIT / \"_\") then whitespace");
      return NULL;
    }
  if (sn > IMPS_SDES_MAX_SUITE_NAME)
    {
      crypto_fail (error, IMPS_SDP_ERROR_LIMIT, "crypto-suite", sstart,
                   "name longer than %u bytes", IMPS_SDES_MAX_SUITE_NAME);
      return NULL;
    }
  memcpy (c->suite_name, v + sstart, sn);
  c->suite_name[sn] = '\0';
  c->suite = imps_sdes_suite_from_name (v + sstart, sn);
  const ImpsSdesSuiteInfo *info = imps_sdes_suite_info (c->suite);

  /* 1*WSP key-params */
  ws = pos;
  while (pos < len && is_wsp (v[pos]))
    pos++;
  if (pos == ws || pos == len)
    {
      crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "key-params", pos, "missing");
      return NULL;
    }
  gsize kstart = pos;
  while (pos < len && !is_wsp (v[pos]))
    pos++;
  if (!parse_key_params (v, kstart, pos, info, "key-params", c->keys, &c->n_keys, error))
    return NULL;

  /* *(1*WSP session-param) */
  while (pos < len)
    {
      ws = pos;
      while (pos < len && is_wsp (v[pos]))
        pos++;
      if (pos == len)
        {
          crypto_fail (error, IMPS_SDP_ERROR_SYNTAX, "session-param", ws,
                       "trailing whitespace");
          return NULL;
        }
      gsize pstart = pos;
      while (pos < len && !is_wsp (v[pos]))
        pos++;
      if (!parse_session_param (c, v, pstart, pos, info, error))
        return NULL;
    }
  return g_steal_pointer (&c);
}

ImpsSdpCrypto *
imps_sdp_crypto_new (guint32 tag, ImpsSdesSuite suite, const guint8 *key_salt, gsize key_salt_len)
{
  const ImpsSdesSuiteInfo *info = imps_sdes_suite_info (suite);
  g_return_val_if_fail (info != NULL && tag <= 999999999, NULL);
  g_return_val_if_fail (key_salt_len == info->key_len + info->salt_len, NULL);
  ImpsSdpCrypto *c = g_new0 (ImpsSdpCrypto, 1);
  c->tag = tag;
  c->suite = suite;
  g_strlcpy (c->suite_name, info->name, sizeof c->suite_name);
  memcpy (c->keys[0].key_salt, key_salt, key_salt_len);
  c->keys[0].key_salt_len = (guint8) key_salt_len;
  c->n_keys = 1;
  return c;
}

ImpsSdpCrypto *
imps_sdp_crypto_copy (const ImpsSdpCrypto *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  ImpsSdpCrypto *d = g_memdup2 (c, sizeof *c);
  d->extensions = NULL;
  if (c->extensions != NULL)
    {
      d->extensions = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < c->extensions->len; i++)
        g_ptr_array_add (d->extensions, g_strdup (g_ptr_array_index (c->extensions, i)));
    }
  return d;
}

void
imps_sdp_crypto_free (ImpsSdpCrypto *c)
{
  if (c == NULL)
    return;
  if (c->extensions != NULL)
    g_ptr_array_unref (c->extensions);
  imps_wipe (c, sizeof *c);
  g_free (c);
}

/* ---- build ------------------------------------------------------------- */

static void
append_key_params (GString *s, const ImpsSdesKey *keys, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      const ImpsSdesKey *k = &keys[i];
      if (i > 0)
        g_string_append_c (s, ';');
      g_string_append (s, "inline:");
      imps_sdp_b64_append (s, k->key_salt, k->key_salt_len, !k->unpadded);
      if (k->has_lifetime)
        {
          if (k->lifetime_pow2)
            g_string_append_printf (s, "|2^%u", k->lifetime_log2);
          else
            g_string_append_printf (s, "|%" G_GUINT64_FORMAT, k->lifetime);
        }
      if (k->has_mki)
        g_string_append_printf (s, "|%" G_GUINT64_FORMAT ":%u", k->mki_value, k->mki_len);
    }
}

gchar *
imps_sdp_crypto_to_string (const ImpsSdpCrypto *c)
{
  g_return_val_if_fail (c != NULL && c->n_keys > 0, NULL);
  /* Sized for the whole line up front, so the buffer holding the keys is
   * never reallocated (a realloc would leave an unwiped copy behind). */
  gsize cap = 96 + 160 * (c->n_keys + c->n_fec_keys) + 32 * c->n_params;
  for (guint i = 0; c->extensions != NULL && i < c->extensions->len; i++)
    cap += strlen (g_ptr_array_index (c->extensions, i));
  GString *s = g_string_sized_new (cap);
  g_string_append_printf (s, "%u %s ", c->tag, c->suite_name);
  append_key_params (s, c->keys, c->n_keys);
  guint ext = 0;
  for (guint i = 0; i < c->n_params; i++)
    {
      g_string_append_c (s, ' ');
      switch (c->params[i])
        {
        case IMPS_SDES_PARAM_KDR:
          g_string_append_printf (s, "KDR=%u", c->kdr);
          break;
        case IMPS_SDES_PARAM_UNENCRYPTED_SRTP:
          g_string_append (s, "UNENCRYPTED_SRTP");
          break;
        case IMPS_SDES_PARAM_UNENCRYPTED_SRTCP:
          g_string_append (s, "UNENCRYPTED_SRTCP");
          break;
        case IMPS_SDES_PARAM_UNAUTHENTICATED_SRTP:
          g_string_append (s, "UNAUTHENTICATED_SRTP");
          break;
        case IMPS_SDES_PARAM_FEC_ORDER:
          g_string_append (s, c->fec_order == IMPS_SDES_FEC_ORDER_SRTP_FEC
                                ? "FEC_ORDER=SRTP_FEC" : "FEC_ORDER=FEC_SRTP");
          break;
        case IMPS_SDES_PARAM_FEC_KEY:
          g_string_append (s, "FEC_KEY=");
          append_key_params (s, c->fec_keys, c->n_fec_keys);
          break;
        case IMPS_SDES_PARAM_WSH:
          g_string_append_printf (s, "WSH=%02u", c->wsh);
          break;
        case IMPS_SDES_PARAM_EXTENSION:
          if (c->extensions != NULL && ext < c->extensions->len)
            g_string_append (s, g_ptr_array_index (c->extensions, ext++));
          break;
        }
    }
  /* Copy out so that the GString's buffer (with the key) can be wiped. */
  gchar *out = g_strndup (s->str, s->len);
  imps_sdp_string_wipe_free (s);
  return out;
}

/* ---- can we honour it? ------------------------------------------------- */

static gboolean G_GNUC_PRINTF (4, 5)
refuse (GError **error, gint code, const ImpsSdpCrypto *c, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_SDP_ERROR, code, "a=crypto tag %u (%s): %s", c->tag,
               c->suite_name, msg);
  return FALSE;
}

void
imps_sdes_policy_init (ImpsSdesPolicy *policy)
{
  g_return_if_fail (policy != NULL);
  memset (policy, 0, sizeof *policy);
  policy->accept_aes_256 = TRUE;
  policy->accept_gcm = TRUE;
}

#define SRTP_MIN_WSH 64
#define SRTP_MAX_WSH 32767 /* libsrtp2: window size below 0x8000 */
#define SRTP_MAX_MKI_LEN 4 /* profile §5: MKI up to 4 bytes */

static gboolean
check_key (const ImpsSdpCrypto *c, const ImpsSdesKey *k, const ImpsSdesSuiteInfo *info,
           GError **error)
{
  if (k->has_mki && k->mki_len > SRTP_MAX_MKI_LEN)
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "MKI length %u bytes: more than the %u bytes libsrtp supports (profile §5)",
                   k->mki_len, SRTP_MAX_MKI_LEN);
  if (k->has_lifetime && (k->lifetime_pow2 ? k->lifetime_log2 > info->max_lifetime_log2
                                           : k->lifetime > (G_GUINT64_CONSTANT (1) << info->max_lifetime_log2)))
    {
      if (k->lifetime_pow2)
        return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                       "lifetime 2^%u: above the suite maximum 2^%u packets",
                       k->lifetime_log2, info->max_lifetime_log2);
      return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                     "lifetime %" G_GUINT64_FORMAT ": above the suite maximum 2^%u packets",
                     k->lifetime, info->max_lifetime_log2);
    }
  return TRUE;
}

gboolean
imps_sdes_check_honourable (const ImpsSdpCrypto *c, const ImpsSdesPolicy *policy, GError **error)
{
  g_return_val_if_fail (c != NULL && policy != NULL, FALSE);
  const ImpsSdesSuiteInfo *info = imps_sdes_suite_info (c->suite);

  if (info == NULL || !info->supported)
    return refuse (error, IMPS_SDP_ERROR_UNSUPPORTED_SUITE, c,
                   "crypto-suite %s: not supported", c->suite_name);
  if ((c->suite == IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_80 && !policy->accept_aes_256)
      || (c->suite == IMPS_SDES_SUITE_AEAD_AES_128_GCM && !policy->accept_gcm))
    return refuse (error, IMPS_SDP_ERROR_UNSUPPORTED_SUITE, c,
                   "crypto-suite %s: not enabled in this end's configuration", c->suite_name);
  if (c->n_keys != 1)
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "key-params: %u keys; only one key per line is supported", c->n_keys);
  if (!check_key (c, &c->keys[0], info, error))
    return FALSE;
  if (imps_sdp_crypto_has_param (c, IMPS_SDES_PARAM_KDR) && c->kdr != 0)
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "KDR=%u: only KDR=0 (one initial derivation) is supported", c->kdr);
  if (c->fec_order == IMPS_SDES_FEC_ORDER_SRTP_FEC)
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "FEC_ORDER=SRTP_FEC: only the default FEC_SRTP is supported");
  if (imps_sdp_crypto_has_param (c, IMPS_SDES_PARAM_FEC_KEY))
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "FEC_KEY: FEC is not supported");
  if (imps_sdp_crypto_has_param (c, IMPS_SDES_PARAM_WSH)
      && (c->wsh < SRTP_MIN_WSH || c->wsh > SRTP_MAX_WSH))
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "WSH=%u: outside %u..%u", c->wsh, SRTP_MIN_WSH, SRTP_MAX_WSH);
  if (c->unencrypted_srtp && !policy->allow_unencrypted_srtp)
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "UNENCRYPTED_SRTP: not allowed by this end's configuration");
  if (c->unencrypted_srtcp && !policy->allow_unencrypted_srtcp)
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "UNENCRYPTED_SRTCP: not allowed by this end's configuration");
  if (c->unauthenticated_srtp && !policy->allow_unauthenticated_srtp)
    return refuse (error, IMPS_SDP_ERROR_REFUSED, c,
                   "UNAUTHENTICATED_SRTP: not allowed by this end's configuration");
  return TRUE;
}
