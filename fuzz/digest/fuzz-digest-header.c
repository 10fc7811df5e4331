/* Fuzz target for the Digest header parsers. The first input byte picks
 * the header kind (0 WWW-Authenticate, 1 Authorization, 2
 * Authentication-Info, modulo 3); the rest is the header value. Whatever
 * parses must build, and what builds must parse again to the same text. */
#include "digest/imps-digest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static void
fuzz_challenge (const gchar *text, gsize len)
{
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (text, len, NULL);
  if (c == NULL)
    return;
  ImpsDigestAkaNonce n;
  imps_digest_aka_nonce_parse (c->nonce, strlen (c->nonce), &n, NULL);
  g_autofree gchar *out = imps_digest_challenge_build (c, NULL);
  if (out == NULL)
    return;   /* escaping can push it over the length bound */
  g_autoptr (ImpsDigestChallenge) again = imps_digest_challenge_parse (out, strlen (out), NULL);
  check (again != NULL);
  g_autofree gchar *out2 = imps_digest_challenge_build (again, NULL);
  check (out2 != NULL && strcmp (out, out2) == 0);
}

static void
fuzz_credentials (const gchar *text, gsize len)
{
  g_autoptr (ImpsDigestCredentials) c = imps_digest_credentials_parse (text, len, NULL);
  if (c == NULL)
    return;
  guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN];
  if (c->auts != NULL)
    check (imps_digest_credentials_get_auts (c, auts, NULL));
  static const guint8 res[8] = { 0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf };
  static const guint8 key[16] = { 0 };
  ImpsDigestAkaOutcome outcome;
  if (c->algorithm == IMPS_DIGEST_ALGORITHM_AKAV1_MD5
      || c->algorithm == IMPS_DIGEST_ALGORITHM_AKAV2_MD5)
    imps_digest_aka_verify (c, "GET", NULL, 0, res, sizeof res, key, key, &outcome, auts, NULL);
  else
    imps_digest_credentials_verify (c, "GET", res, sizeof res, NULL, 0, NULL);
  g_autofree gchar *out = imps_digest_credentials_build (c, NULL);
  if (out == NULL)
    return;
  g_autoptr (ImpsDigestCredentials) again = imps_digest_credentials_parse (out, strlen (out), NULL);
  check (again != NULL);
  g_autofree gchar *out2 = imps_digest_credentials_build (again, NULL);
  check (out2 != NULL && strcmp (out, out2) == 0);
}

static void
fuzz_auth_info (const gchar *text, gsize len)
{
  g_autoptr (ImpsDigestAuthInfo) a = imps_digest_auth_info_parse (text, len, NULL);
  if (a == NULL)
    return;
  g_autofree gchar *out = imps_digest_auth_info_build (a, NULL);
  if (out == NULL)
    return;
  g_autoptr (ImpsDigestAuthInfo) again = imps_digest_auth_info_parse (out, strlen (out), NULL);
  check (again != NULL);
  g_autofree gchar *out2 = imps_digest_auth_info_build (again, NULL);
  check (out2 != NULL && strcmp (out, out2) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const gchar *text = (const gchar *) data + 1;
  gsize len = size - 1;
  switch (data[0] % 3)
    {
    case 0:
      fuzz_challenge (text, len);
      break;
    case 1:
      fuzz_credentials (text, len);
      break;
    default:
      fuzz_auth_info (text, len);
      break;
    }
  return 0;
}
