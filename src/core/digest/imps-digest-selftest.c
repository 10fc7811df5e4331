/* Known-answer self test of the digest module: the tables of
 * imps-digest-vectors.c (RFC 2617 §3.5 via gba.md §5.1, gba.md §6, §12). */
#include "imps-digest.h"
#include "imps-digest-vectors.h"
#include "imps-hex.h"
#include "imps-secret.h"
#include "imps-selftest.h"

#include <string.h>

void imps_digest_selftest (ImpsSelftest *st);

static void
check_str (ImpsSelftest *st, const gchar *name, const gchar *got, const gchar *want)
{
  imps_selftest_result (st, name, g_strcmp0 (got, want) == 0, "got %s, expected %s",
                        got ? got : "(null)", want);
}

static void
run_vector (ImpsSelftest *st, const ImpsDigestVector *v)
{
  g_autoptr (GError) error = NULL;
  guint8 *pw = NULL;
  gsize pw_len = 0;
  gchar ha1[IMPS_DIGEST_HEX_LEN], ha2[IMPS_DIGEST_HEX_LEN], resp[IMPS_DIGEST_HEX_LEN];

  if (v->password_hex != NULL)
    {
      if (!imps_hex_decode (v->password_hex, &pw, &pw_len, &error))
        {
          imps_selftest_result (st, v->source, FALSE, "bad vector: %s", error->message);
          return;
        }
    }
  else
    {
      pw_len = strlen (v->password_text);
      pw = g_memdup2 (v->password_text, pw_len);
    }

  gsize body_len = strlen (v->body);
  imps_digest_ha1 (v->username, v->realm, pw, pw_len, ha1);
  imps_digest_ha2 (v->method, v->uri, v->qop, (const guint8 *) v->body, body_len, ha2);
  imps_digest_kd (ha1, v->nonce, v->nc, v->cnonce, v->qop, ha2, resp);

  g_autofree gchar *n1 = g_strdup_printf ("H(A1): %s", v->source);
  check_str (st, n1, ha1, v->ha1);
  if (v->ha2 != NULL)
    {
      g_autofree gchar *n2 = g_strdup_printf ("H(A2): %s", v->source);
      check_str (st, n2, ha2, v->ha2);
    }
  g_autofree gchar *n3 = g_strdup_printf ("response: %s", v->source);
  check_str (st, n3, resp, v->response);
  imps_wipe (ha1, sizeof ha1);
  imps_wipe_free (pw, pw_len);
}

void
imps_digest_selftest (ImpsSelftest *st)
{
  for (gsize i = 0; i < imps_digest_n_vectors; i++)
    run_vector (st, &imps_digest_vectors[i]);

  for (gsize i = 0; i < imps_digest_n_nonce_vectors; i++)
    {
      const ImpsDigestNonceVector *v = &imps_digest_nonce_vectors[i];
      guint8 rand[16], autn[16];
      ImpsDigestAkaNonce parsed;
      if (!imps_hex_decode_fixed (v->rand, rand, 16, NULL)
          || !imps_hex_decode_fixed (v->autn, autn, 16, NULL))
        {
          imps_selftest_result (st, v->source, FALSE, "bad vector");
          continue;
        }
      g_autofree gchar *nonce = imps_digest_aka_nonce_build (rand, autn, NULL, 0);
      g_autofree gchar *name = g_strdup_printf ("build: %s", v->source);
      check_str (st, name, nonce, v->nonce);
      gboolean ok = imps_digest_aka_nonce_parse (v->nonce, strlen (v->nonce), &parsed, NULL)
                    && memcmp (parsed.rand, rand, 16) == 0
                    && memcmp (parsed.autn, autn, 16) == 0
                    && parsed.server_data_len == 0;
      g_autofree gchar *pname = g_strdup_printf ("parse: %s", v->source);
      imps_selftest_result (st, pname, ok, "RAND or AUTN differ after parsing %s", v->nonce);
    }

  for (gsize i = 0; i < imps_digest_n_akav2_vectors; i++)
    {
      const ImpsDigestAkav2Vector *v = &imps_digest_akav2_vectors[i];
      guint8 res[8], ik[16], ck[16], pw[IMPS_DIGEST_AKA_PASSWORD_MAX];
      if (!imps_hex_decode_fixed (v->res, res, 8, NULL)
          || !imps_hex_decode_fixed (v->ik, ik, 16, NULL)
          || !imps_hex_decode_fixed (v->ck, ck, 16, NULL))
        {
          imps_selftest_result (st, v->source, FALSE, "bad vector");
          continue;
        }
      gsize n = imps_digest_aka_password (IMPS_DIGEST_ALGORITHM_AKAV2_MD5, res, 8, ik, ck, pw);
      g_autofree gchar *got = g_strndup ((const gchar *) pw, n);
      check_str (st, v->source, got, v->password);
      imps_wipe (pw, sizeof pw);
    }

  {
    guint8 auts[14];
    imps_hex_decode_fixed (IMPS_DIGEST_VECTOR_AUTS_HEX, auts, 14, NULL);
    g_autofree gchar *b64 = imps_digest_aka_auts_encode (auts);
    check_str (st, "gba.md §12.2 base64(AUTS) [C]", b64, IMPS_DIGEST_VECTOR_AUTS_B64);
  }

  /* The §6.2 header values survive parse and build byte for byte. */
  for (gsize i = 0; i < imps_digest_n_challenge_vectors; i++)
    {
      const ImpsDigestHeaderVector *v = &imps_digest_challenge_vectors[i];
      g_autoptr (ImpsDigestChallenge) c =
        imps_digest_challenge_parse (v->value, strlen (v->value), NULL);
      g_autofree gchar *out = c ? imps_digest_challenge_build (c, NULL) : NULL;
      check_str (st, v->source, out, v->value);
    }
  for (gsize i = 0; i < imps_digest_n_credentials_vectors; i++)
    {
      const ImpsDigestHeaderVector *v = &imps_digest_credentials_vectors[i];
      g_autoptr (ImpsDigestCredentials) c =
        imps_digest_credentials_parse (v->value, strlen (v->value), NULL);
      g_autofree gchar *out = c ? imps_digest_credentials_build (c, NULL) : NULL;
      check_str (st, v->source, out, v->value);
    }
  for (gsize i = 0; i < imps_digest_n_auth_info_vectors; i++)
    {
      const ImpsDigestHeaderVector *v = &imps_digest_auth_info_vectors[i];
      g_autoptr (ImpsDigestAuthInfo) a =
        imps_digest_auth_info_parse (v->value, strlen (v->value), NULL);
      g_autofree gchar *out = a ? imps_digest_auth_info_build (a, NULL) : NULL;
      check_str (st, v->source, out, v->value);
    }
}
