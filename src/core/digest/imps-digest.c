/* Digest computations (RFC 2617 §3.2.2) and Digest AKA (RFC 3310,
 * RFC 4169); gba.md §5. No allocation on these paths. */
#include "imps-digest.h"
#include "imps-digest-private.h"
#include "imps-crypto.h"
#include "imps-hex.h"
#include "imps-secret.h"

#include <string.h>

static const guint8 COLON[1] = { ':' };

#define S(str) { (const guint8 *) (str), (str) ? strlen (str) : 0 }

static void
md5_hex (const ImpsIovec *iov, gsize n, gchar out[IMPS_DIGEST_HEX_LEN])
{
  guint8 md[16];
  imps_digest_iov (IMPS_HASH_MD5, iov, n, md);
  imps_hex_encode_into (md, sizeof md, out);
}

void
imps_digest_ha1 (const gchar *username, const gchar *realm,
                 const guint8 *password, gsize password_len,
                 gchar out[IMPS_DIGEST_HEX_LEN])
{
  g_return_if_fail (username != NULL && realm != NULL && out != NULL);
  g_return_if_fail (password != NULL || password_len == 0);
  const ImpsIovec iov[] = {
    S (username), { COLON, 1 }, S (realm), { COLON, 1 }, { password, password_len },
  };
  md5_hex (iov, G_N_ELEMENTS (iov), out);
}

void
imps_digest_ha2 (const gchar *method, const gchar *uri, ImpsDigestQop qop,
                 const guint8 *body, gsize body_len, gchar out[IMPS_DIGEST_HEX_LEN])
{
  gchar hbody[IMPS_DIGEST_HEX_LEN];

  g_return_if_fail (method != NULL && uri != NULL && out != NULL);
  g_return_if_fail (body != NULL || body_len == 0);
  if (qop == IMPS_DIGEST_QOP_AUTH_INT)
    {
      const ImpsIovec b[] = { { body, body_len } };
      md5_hex (b, 1, hbody);
      const ImpsIovec iov[] = {
        S (method), { COLON, 1 }, S (uri), { COLON, 1 }, { (const guint8 *) hbody, 32 },
      };
      md5_hex (iov, G_N_ELEMENTS (iov), out);
    }
  else
    {
      const ImpsIovec iov[] = { S (method), { COLON, 1 }, S (uri) };
      md5_hex (iov, G_N_ELEMENTS (iov), out);
    }
}

void
imps_digest_kd (const gchar ha1[IMPS_DIGEST_HEX_LEN], const gchar *nonce,
                const gchar *nc, const gchar *cnonce, ImpsDigestQop qop,
                const gchar ha2[IMPS_DIGEST_HEX_LEN], gchar out[IMPS_DIGEST_HEX_LEN])
{
  g_return_if_fail (ha1 != NULL && nonce != NULL && ha2 != NULL && out != NULL);
  if (qop == IMPS_DIGEST_QOP_NONE)
    {
      const ImpsIovec iov[] = {
        { (const guint8 *) ha1, 32 }, { COLON, 1 }, S (nonce), { COLON, 1 },
        { (const guint8 *) ha2, 32 },
      };
      md5_hex (iov, G_N_ELEMENTS (iov), out);
      return;
    }
  g_return_if_fail (nc != NULL && cnonce != NULL);
  const gchar *q = imps_digest_qop_to_string (qop);
  g_return_if_fail (q != NULL);
  const ImpsIovec iov[] = {
    { (const guint8 *) ha1, 32 }, { COLON, 1 }, S (nonce), { COLON, 1 },
    S (nc), { COLON, 1 }, S (cnonce), { COLON, 1 }, S (q), { COLON, 1 },
    { (const guint8 *) ha2, 32 },
  };
  md5_hex (iov, G_N_ELEMENTS (iov), out);
}

static void
response_with_method (const ImpsDigestCredentials *cred, const gchar *method,
                      const guint8 *password, gsize password_len,
                      const guint8 *body, gsize body_len,
                      gchar out[IMPS_DIGEST_HEX_LEN])
{
  gchar ha1[IMPS_DIGEST_HEX_LEN], ha2[IMPS_DIGEST_HEX_LEN];

  g_return_if_fail (cred != NULL && cred->username != NULL && cred->realm != NULL
                    && cred->nonce != NULL && cred->uri != NULL);
  g_return_if_fail (cred->qop == IMPS_DIGEST_QOP_NONE || cred->cnonce != NULL);
  imps_digest_ha1 (cred->username, cred->realm, password, password_len, ha1);
  imps_digest_ha2 (method, cred->uri, cred->qop, body, body_len, ha2);
  imps_digest_kd (ha1, cred->nonce, cred->nc, cred->cnonce, cred->qop, ha2, out);
  /* H(A1) is a password equivalent. */
  imps_wipe (ha1, sizeof ha1);
}

void
imps_digest_credentials_response (const ImpsDigestCredentials *cred,
                                  const gchar *method,
                                  const guint8 *password, gsize password_len,
                                  const guint8 *body, gsize body_len,
                                  gchar out[IMPS_DIGEST_HEX_LEN])
{
  g_return_if_fail (method != NULL);
  response_with_method (cred, method, password, password_len, body, body_len, out);
}

void
imps_digest_credentials_sign (ImpsDigestCredentials *cred, const gchar *method,
                              const guint8 *password, gsize password_len,
                              const guint8 *body, gsize body_len)
{
  gchar r[IMPS_DIGEST_HEX_LEN];

  g_return_if_fail (cred != NULL && method != NULL);
  response_with_method (cred, method, password, password_len, body, body_len, r);
  g_free (cred->response);
  cred->response = g_strdup (r);
}

gboolean
imps_digest_credentials_verify (const ImpsDigestCredentials *cred,
                                const gchar *method,
                                const guint8 *password, gsize password_len,
                                const guint8 *body, gsize body_len, GError **error)
{
  gchar want[IMPS_DIGEST_HEX_LEN];

  g_return_val_if_fail (cred != NULL && method != NULL, FALSE);
  response_with_method (cred, method, password, password_len, body, body_len, want);
  if (cred->response != NULL && strlen (cred->response) == 32
      && imps_mem_equal ((const guint8 *) want, (const guint8 *) cred->response, 32))
    return TRUE;
  g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE,
               "Authorization: response of user '%s' in realm '%s' does not verify",
               cred->username, cred->realm);
  return FALSE;
}

void
imps_digest_rspauth (const ImpsDigestCredentials *cred,
                     const guint8 *password, gsize password_len,
                     const guint8 *response_body, gsize body_len,
                     gchar out[IMPS_DIGEST_HEX_LEN])
{
  response_with_method (cred, "", password, password_len, response_body, body_len, out);
}

ImpsDigestAuthInfo *
imps_digest_auth_info_new_for (const ImpsDigestCredentials *cred,
                               const guint8 *password, gsize password_len,
                               const guint8 *response_body, gsize body_len)
{
  gchar r[IMPS_DIGEST_HEX_LEN];

  g_return_val_if_fail (cred != NULL, NULL);
  imps_digest_rspauth (cred, password, password_len, response_body, body_len, r);
  ImpsDigestAuthInfo *a = imps_digest_auth_info_new ();
  a->qop = cred->qop;
  a->rspauth = g_strdup (r);
  a->cnonce = g_strdup (cred->cnonce);
  memcpy (a->nc, cred->nc, sizeof a->nc);
  a->opaque = g_strdup (cred->opaque);
  a->nonce = g_strdup (cred->nonce);
  return a;
}

gboolean
imps_digest_auth_info_verify (const ImpsDigestAuthInfo *info,
                              const ImpsDigestCredentials *sent,
                              const guint8 *password, gsize password_len,
                              const guint8 *response_body, gsize body_len,
                              GError **error)
{
  gchar want[IMPS_DIGEST_HEX_LEN];

  g_return_val_if_fail (info != NULL && sent != NULL, FALSE);
  if (info->rspauth == NULL)
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISSING,
                   "Authentication-Info: parameter 'rspauth' is missing");
      return FALSE;
    }
  if (info->qop != sent->qop
      || (sent->qop != IMPS_DIGEST_QOP_NONE
          && (g_strcmp0 (info->cnonce, sent->cnonce) != 0
              || strcmp (info->nc, sent->nc) != 0)))
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISMATCH,
                   "Authentication-Info: qop, cnonce or nc (%s, %s, %s) do not echo "
                   "the request's (%s, %s, %s)",
                   imps_digest_qop_to_string (info->qop) ?: "-", info->cnonce ?: "-",
                   info->nc[0] ? info->nc : "-",
                   imps_digest_qop_to_string (sent->qop) ?: "-", sent->cnonce ?: "-",
                   sent->nc[0] ? sent->nc : "-");
      return FALSE;
    }
  imps_digest_rspauth (sent, password, password_len, response_body, body_len, want);
  if (strlen (info->rspauth) != 32
      || !imps_mem_equal ((const guint8 *) want, (const guint8 *) info->rspauth, 32))
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE,
                   "Authentication-Info: rspauth %s does not verify for user '%s'",
                   info->rspauth, sent->username);
      return FALSE;
    }
  return TRUE;
}

static gboolean
same_algorithm (ImpsDigestAlgorithm a, ImpsDigestAlgorithm b)
{
  if (a == IMPS_DIGEST_ALGORITHM_NONE)
    a = IMPS_DIGEST_ALGORITHM_MD5;
  if (b == IMPS_DIGEST_ALGORITHM_NONE)
    b = IMPS_DIGEST_ALGORITHM_MD5;
  return a == b;
}

gboolean
imps_digest_credentials_match (const ImpsDigestCredentials *cred,
                               const ImpsDigestChallenge *challenge, GError **error)
{
  const gchar *bad = NULL;

  g_return_val_if_fail (cred != NULL && challenge != NULL, FALSE);
  if (g_strcmp0 (cred->realm, challenge->realm) != 0)
    bad = "realm";
  else if (g_strcmp0 (cred->nonce, challenge->nonce) != 0)
    bad = "nonce";
  else if (g_strcmp0 (cred->opaque, challenge->opaque) != 0)
    bad = "opaque";
  else if (!same_algorithm (cred->algorithm, challenge->algorithm))
    bad = "algorithm";
  else if (challenge->qop_options == 0 ? cred->qop != IMPS_DIGEST_QOP_NONE
           : (cred->qop & challenge->qop_options) == 0)
    bad = "qop";
  if (bad == NULL)
    return TRUE;
  g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISMATCH,
               "Authorization: parameter '%s' does not answer the challenge", bad);
  return FALSE;
}

ImpsDigestChallenge *
imps_digest_challenge_new_aka (const gchar *realm, const guint8 rand[16],
                               const guint8 autn[16], const guint8 *server_data,
                               gsize server_data_len, guint qop_options,
                               const gchar *opaque)
{
  g_return_val_if_fail (realm != NULL && rand != NULL && autn != NULL, NULL);
  g_return_val_if_fail ((qop_options & ~(guint) (IMPS_DIGEST_QOP_AUTH | IMPS_DIGEST_QOP_AUTH_INT)) == 0,
                        NULL);
  ImpsDigestChallenge *c = imps_digest_challenge_new ();
  c->realm = g_strdup (realm);
  c->nonce = imps_digest_aka_nonce_build (rand, autn, server_data, server_data_len);
  c->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  c->qop_options = qop_options;
  c->opaque = g_strdup (opaque);
  return c;
}

ImpsDigestCredentials *
imps_digest_credentials_new_for (const ImpsDigestChallenge *challenge,
                                 const gchar *username, const gchar *uri,
                                 const gchar *cnonce, guint32 nc)
{
  g_return_val_if_fail (challenge != NULL && username != NULL && uri != NULL, NULL);
  ImpsDigestCredentials *c = imps_digest_credentials_new ();
  c->username = g_strdup (username);
  c->realm = g_strdup (challenge->realm);
  c->nonce = g_strdup (challenge->nonce);
  c->uri = g_strdup (uri);
  c->opaque = g_strdup (challenge->opaque);
  c->algorithm = challenge->algorithm;
  c->response = g_strdup ("");
  if (challenge->qop_options & IMPS_DIGEST_QOP_AUTH_INT)
    c->qop = IMPS_DIGEST_QOP_AUTH_INT;
  else if (challenge->qop_options & IMPS_DIGEST_QOP_AUTH)
    c->qop = IMPS_DIGEST_QOP_AUTH;
  if (c->qop != IMPS_DIGEST_QOP_NONE)
    {
      g_return_val_if_fail (cnonce != NULL && nc != 0, c);
      c->cnonce = g_strdup (cnonce);
      g_snprintf (c->nc, sizeof c->nc, "%08x", nc);
    }
  return c;
}

/* ---- base64 ----------------------------------------------------------- */

static gint
b64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

gboolean
imps_digest_base64_decode (const gchar *text, gsize len, guint8 *out, gsize out_max,
                           gsize *out_len, gsize *bad_offset)
{
  gsize n = 0;

  *out_len = 0;
  *bad_offset = 0;
  if (len % 4 != 0)
    {
      *bad_offset = len;
      return FALSE;
    }
  for (gsize i = 0; i < len; i += 4)
    {
      gint v[4];
      guint pad = 0;
      for (guint j = 0; j < 4; j++)
        {
          guchar c = (guchar) text[i + j];
          if (c == '=' && i + 4 == len && j >= 2)
            {
              v[j] = 0;
              pad++;
              continue;
            }
          v[j] = pad > 0 ? -1 : b64_value (c);
          if (v[j] < 0)
            {
              *bad_offset = i + j;
              return FALSE;
            }
        }
      guint32 w = ((guint32) v[0] << 18) | ((guint32) v[1] << 12)
                  | ((guint32) v[2] << 6) | (guint32) v[3];
      guint bytes = 3 - pad;
      /* Non-canonical encodings (bits set in the padding) are refused. */
      if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0))
        {
          *bad_offset = i + 3 - pad;
          return FALSE;
        }
      if (n + bytes > out_max)
        {
          *bad_offset = i;
          *out_len = n;
          return FALSE;
        }
      out[n++] = (guint8) (w >> 16);
      if (bytes > 1)
        out[n++] = (guint8) (w >> 8);
      if (bytes > 2)
        out[n++] = (guint8) w;
    }
  *out_len = n;
  return TRUE;
}

/* ---- Digest AKA ------------------------------------------------------- */

gsize
imps_digest_aka_password (ImpsDigestAlgorithm algorithm,
                          const guint8 *res, gsize res_len,
                          const guint8 ik[16], const guint8 ck[16],
                          guint8 out[IMPS_DIGEST_AKA_PASSWORD_MAX])
{
  static const gchar label[] = "http-digest-akav2-password";

  g_return_val_if_fail (res != NULL && out != NULL, 0);
  g_return_val_if_fail (res_len >= IMPS_DIGEST_AKA_RES_MIN
                        && res_len <= IMPS_DIGEST_AKA_RES_MAX, 0);
  switch (algorithm)
    {
    case IMPS_DIGEST_ALGORITHM_AKAV1_MD5:
      memcpy (out, res, res_len);
      return res_len;
    case IMPS_DIGEST_ALGORITHM_AKAV2_MD5:
      {
        guint8 key[IMPS_DIGEST_AKA_RES_MAX + 32], mac[16];
        gchar b64[32];
        gint state = 0, save = 0;
        g_return_val_if_fail (ik != NULL && ck != NULL, 0);
        memcpy (key, res, res_len);
        memcpy (key + res_len, ik, 16);
        memcpy (key + res_len + 16, ck, 16);
        imps_hmac (IMPS_HASH_MD5, key, res_len + 32, (const guint8 *) label,
                   sizeof label - 1, mac);
        gsize n = g_base64_encode_step (mac, sizeof mac, FALSE, b64, &state, &save);
        n += g_base64_encode_close (FALSE, b64 + n, &state, &save);
        g_assert (n == IMPS_DIGEST_AKA_PASSWORD_MAX);
        memcpy (out, b64, n);
        imps_wipe (key, sizeof key);
        imps_wipe (mac, sizeof mac);
        imps_wipe (b64, sizeof b64);
        return n;
      }
    case IMPS_DIGEST_ALGORITHM_NONE:
    case IMPS_DIGEST_ALGORITHM_MD5:
    default:
      g_return_val_if_reached (0);
    }
}

gchar *
imps_digest_aka_nonce_build (const guint8 rand[16], const guint8 autn[16],
                             const guint8 *server_data, gsize server_data_len)
{
  guint8 buf[32 + IMPS_DIGEST_AKA_MAX_SERVER_DATA];

  g_return_val_if_fail (rand != NULL && autn != NULL, NULL);
  g_return_val_if_fail (server_data_len <= IMPS_DIGEST_AKA_MAX_SERVER_DATA, NULL);
  g_return_val_if_fail (server_data != NULL || server_data_len == 0, NULL);
  memcpy (buf, rand, 16);
  memcpy (buf + 16, autn, 16);
  if (server_data_len > 0)
    memcpy (buf + 32, server_data, server_data_len);
  return g_base64_encode (buf, 32 + server_data_len);
}

gboolean
imps_digest_aka_nonce_parse (const gchar *nonce, gsize len, ImpsDigestAkaNonce *out,
                             GError **error)
{
  guint8 buf[32 + IMPS_DIGEST_AKA_MAX_SERVER_DATA];
  gsize n = 0, bad = 0;

  g_return_val_if_fail (nonce != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  if (len > ((sizeof buf + 2) / 3) * 4)
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_NONCE,
                   "nonce: %zu characters is longer than base64 of %zu bytes",
                   len, sizeof buf);
      return FALSE;
    }
  if (!imps_digest_base64_decode (nonce, len, buf, sizeof buf, &n, &bad))
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_NONCE,
                   "nonce: not base64 at offset %zu", bad);
      return FALSE;
    }
  if (n < 32)
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_NONCE,
                   "nonce: %zu bytes, need at least 32 (RAND || AUTN)", n);
      return FALSE;
    }
  memcpy (out->rand, buf, 16);
  memcpy (out->autn, buf + 16, 16);
  out->server_data_len = n - 32;
  memcpy (out->server_data, buf + 32, n - 32);
  return TRUE;
}

gchar *
imps_digest_aka_auts_encode (const guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN])
{
  g_return_val_if_fail (auts != NULL, NULL);
  return g_base64_encode (auts, IMPS_DIGEST_AKA_AUTS_LEN);
}

gboolean
imps_digest_credentials_get_auts (const ImpsDigestCredentials *cred,
                                  guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN], GError **error)
{
  gsize n = 0, bad = 0;

  g_return_val_if_fail (cred != NULL && auts != NULL, FALSE);
  if (cred->auts == NULL)
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISSING,
                   "Authorization: parameter 'auts' is missing");
      return FALSE;
    }
  if (!imps_digest_base64_decode (cred->auts, strlen (cred->auts), auts,
                                  IMPS_DIGEST_AKA_AUTS_LEN, &n, &bad)
      || n != IMPS_DIGEST_AKA_AUTS_LEN)
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE,
                   "Authorization: parameter 'auts' is not base64 of 14 bytes");
      return FALSE;
    }
  return TRUE;
}

gboolean
imps_digest_aka_verify (const ImpsDigestCredentials *cred, const gchar *method,
                        const guint8 *body, gsize body_len,
                        const guint8 *xres, gsize xres_len,
                        const guint8 ik[16], const guint8 ck[16],
                        ImpsDigestAkaOutcome *outcome,
                        guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN], GError **error)
{
  guint8 password[IMPS_DIGEST_AKA_PASSWORD_MAX];
  gboolean ok;

  g_return_val_if_fail (cred != NULL && method != NULL && outcome != NULL, FALSE);
  g_return_val_if_fail (xres != NULL && xres_len >= IMPS_DIGEST_AKA_RES_MIN
                        && xres_len <= IMPS_DIGEST_AKA_RES_MAX, FALSE);
  if (cred->algorithm != IMPS_DIGEST_ALGORITHM_AKAV1_MD5
      && cred->algorithm != IMPS_DIGEST_ALGORITHM_AKAV2_MD5)
    {
      g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_UNSUPPORTED,
                   "Authorization: parameter 'algorithm' is %s, not AKAv1-MD5 or AKAv2-MD5",
                   imps_digest_algorithm_to_string (cred->algorithm) ?: "absent");
      return FALSE;
    }
  g_return_val_if_fail (cred->algorithm == IMPS_DIGEST_ALGORITHM_AKAV1_MD5
                        || (ik != NULL && ck != NULL), FALSE);

  if (cred->auts != NULL)
    {
      /* Synchronisation failure: computed with the empty password. */
      if (!imps_digest_credentials_verify (cred, method, NULL, 0, body, body_len, error)
          || !imps_digest_credentials_get_auts (cred, auts, error))
        return FALSE;
      *outcome = IMPS_DIGEST_AKA_RESYNC;
      return TRUE;
    }

  gsize plen = imps_digest_aka_password (cred->algorithm, xres, xres_len, ik, ck, password);
  ok = imps_digest_credentials_verify (cred, method, password, plen, body, body_len, NULL);
  imps_wipe (password, sizeof password);
  if (ok)
    {
      *outcome = IMPS_DIGEST_AKA_AUTHENTICATED;
      return TRUE;
    }
  if (imps_digest_credentials_verify (cred, method, NULL, 0, body, body_len, NULL))
    {
      *outcome = IMPS_DIGEST_AKA_NETWORK_REJECTED;
      return TRUE;
    }
  g_set_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE,
               "Authorization: response of user '%s' in realm '%s' does not verify "
               "with RES (nor with the empty password of a refused AUTN)",
               cred->username, cred->realm);
  return FALSE;
}
