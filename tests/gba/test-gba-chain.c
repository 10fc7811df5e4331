/* The whole gba.md §12 chain, from K/OPc through Milenage (src/core/aka)
 * to the Ub digest exchange (src/core/digest) and the GBA keys
 * (src/core/gba): nonce, response, rspauth, AUTS and the resync request,
 * Ks, Ks_NAF, B-TID. Every expected value is copied from gba.md §12.2 (or
 * §6.2/§6.3 for the header values). */
#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "digest/imps-digest.h"
#include "digest/imps-digest-vectors.h"
#include "gba/imps-gba.h"
#include "gba/imps-gba-vectors.h"
#include "gba/imps-gba-xml.h"
#include "imps-test.h"

#include <string.h>

/* gba.md §12.1 inputs. */
#define K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define OP "cdc202d5123e20f62b6d676ac72cb318"
#define RAND "23553cbe9637a89d218ae64dae47bf35"
#define SQN "ff9bb4d0b607"
#define AMF "b9b9"
#define IMPI "user1_private@home1.net"
#define BSF "bsf.home1.net"
#define KMS "kms.home1.net"
#define OPAQUE "5ccc069c403ebaf9f0171e9517f30e41"
#define CNONCE "6629fae49393a05397450978507c4ef1"

typedef struct {
  ImpsMilenage *m;
  guint8 rand[16];
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  guint8 k[16], op[16], opc[16];
  imps_test_hex_into (K, k, 16);
  imps_test_hex_into (OP, op, 16);
  f->m = imps_milenage_new_from_op (k, op);
  imps_milenage_get_opc (f->m, opc);
  imps_assert_hex (opc, 16, "cd63cb71954a9f4e48a5994e37a02baf");   /* §12.1 */
  imps_test_hex_into (RAND, f->rand, 16);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  imps_milenage_free (f->m);
}

/* The BSF's side: vector, challenge; the UE's side: AUTN check, response;
 * the BSF again: verify, Ks, B-TID, body, rspauth; the UE: rspauth, Ks_NAF. */
static void
test_ub_success (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint8 sqn[6], amf[2];
  g_auto (ImpsAkaVector) av = { 0 };

  imps_test_hex_into (SQN, sqn, 6);
  imps_test_hex_into (AMF, amf, 2);
  imps_aka_generate_av (f->m, f->rand, sqn, amf, &av);
  imps_assert_hex (av.xres, 8, "a54211d5e3ba50bf");
  imps_assert_hex (av.ck, 16, "b40ba9a3c58b2a05bbf0d987b21bf8cb");
  imps_assert_hex (av.ik, 16, "f769bcd751044604127672711c6d3441");
  imps_assert_hex (av.ak, 6, "aa689c648370");
  imps_assert_hex (av.autn, 16, "55f328b43577b9b94a9ffac354dfafb3");

  /* (2) 401 challenge. */
  g_autoptr (ImpsDigestChallenge) ch = imps_digest_challenge_new ();
  ch->realm = g_strdup (BSF);
  ch->nonce = imps_digest_aka_nonce_build (av.rand, av.autn, NULL, 0);
  g_assert_cmpstr (ch->nonce, ==, "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=");
  ch->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  ch->qop_options = IMPS_DIGEST_QOP_AUTH_INT;
  ch->opaque = g_strdup (OPAQUE);
  g_autofree gchar *www = imps_digest_challenge_build (ch, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (www, ==, imps_digest_challenge_vectors[0].value);

  /* UE: parse the challenge, run AKA on RAND and AUTN from the nonce. */
  g_autoptr (ImpsDigestChallenge) got = imps_digest_challenge_parse (www, strlen (www), &error);
  g_assert_no_error (error);
  ImpsDigestAkaNonce nonce;
  g_assert_true (imps_digest_aka_nonce_parse (got->nonce, strlen (got->nonce), &nonce, &error));
  g_auto (ImpsAkaResult) res = { 0 };
  g_assert_true (imps_aka_check_autn (f->m, NULL, nonce.rand, nonce.autn, &res, NULL, &error));
  g_assert_no_error (error);
  imps_assert_hex (res.res, 8, "a54211d5e3ba50bf");

  /* (3) the request with credentials. */
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new ();
  cred->username = g_strdup (IMPI);
  cred->realm = g_strdup (got->realm);
  cred->nonce = g_strdup (got->nonce);
  cred->uri = g_strdup ("/");
  cred->qop = IMPS_DIGEST_QOP_AUTH_INT;
  strcpy (cred->nc, "00000001");
  cred->cnonce = g_strdup (CNONCE);
  cred->opaque = g_strdup (got->opaque);
  cred->algorithm = got->algorithm;
  guint8 pw[IMPS_DIGEST_AKA_PASSWORD_MAX];
  gsize pwlen = imps_digest_aka_password (cred->algorithm, res.res, 8, res.ik, res.ck, pw);
  imps_digest_credentials_sign (cred, "GET", pw, pwlen, NULL, 0);
  g_assert_cmpstr (cred->response, ==, "c3010b8b0c8fe3d6425a4d50b6a66ba8");
  g_autofree gchar *authz = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authz, ==, imps_digest_credentials_vectors[1].value);

  /* BSF: parse, match, verify with XRES. */
  g_autoptr (ImpsDigestCredentials) rcv = imps_digest_credentials_parse (authz, strlen (authz), &error);
  g_assert_no_error (error);
  g_assert_true (imps_digest_credentials_match (rcv, ch, &error));
  ImpsDigestAkaOutcome outcome = -1;
  guint8 auts[14];
  g_assert_true (imps_digest_aka_verify (rcv, "GET", NULL, 0, av.xres, 8, av.ik, av.ck,
                                         &outcome, auts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, IMPS_DIGEST_AKA_AUTHENTICATED);
  /* A wrong XRES does not verify. */
  guint8 wrong[8];
  memcpy (wrong, av.xres, 8);
  wrong[7] ^= 1;
  g_assert_false (imps_digest_aka_verify (rcv, "GET", NULL, 0, wrong, 8, av.ik, av.ck,
                                          &outcome, auts, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE);
  g_clear_error (&error);

  /* Ks, B-TID, the (4) body and rspauth. */
  g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
  imps_gba_ks_from_ck_ik (av.ck, av.ik, &ks);
  imps_assert_hex (ks.bytes, 32, "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441");
  g_autofree gchar *btid = imps_gba_btid_new (av.rand, BSF);
  g_assert_cmpstr (btid, ==, "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net");
  g_autoptr (ImpsGbaBootstrappingInfo) info =
    imps_gba_bootstrapping_info_new (btid, IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_LIFETIME);
  gsize body_len = 0;
  g_autofree gchar *body = imps_gba_bootstrapping_info_build (info, &body_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (body_len, ==, 195);
  guint8 md5[16];
  imps_digest (IMPS_HASH_MD5, (const guint8 *) body, body_len, md5);
  imps_assert_hex (md5, 16, "a63c8b303812f74330da03844e470d2a");
  pwlen = imps_digest_aka_password (rcv->algorithm, av.xres, 8, av.ik, av.ck, pw);
  g_autoptr (ImpsDigestAuthInfo) ai =
    imps_digest_auth_info_new_for (rcv, pw, pwlen, (const guint8 *) body, body_len);
  g_assert_cmpstr (ai->rspauth, ==, "2f715cfe8ac1bc8ccccfc1a5654a7959");
  g_autofree gchar *ainfo = imps_digest_auth_info_build (ai, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ainfo, ==, imps_digest_auth_info_vectors[0].value);

  /* UE: checks rspauth over the body it received, reads the B-TID. */
  g_autoptr (ImpsDigestAuthInfo) ai2 = imps_digest_auth_info_parse (ainfo, strlen (ainfo), &error);
  g_assert_no_error (error);
  pwlen = imps_digest_aka_password (cred->algorithm, res.res, 8, res.ik, res.ck, pw);
  g_assert_true (imps_digest_auth_info_verify (ai2, cred, pw, pwlen, (const guint8 *) body,
                                               body_len, &error));
  g_assert_no_error (error);
  g_assert_false (imps_digest_auth_info_verify (ai2, cred, pw, pwlen, (const guint8 *) body,
                                                body_len - 1, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE);
  g_clear_error (&error);
  g_autoptr (ImpsGbaBootstrappingInfo) info2 =
    imps_gba_bootstrapping_info_parse ((const guint8 *) body, body_len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info2->btid, ==, btid);

  /* Both sides: Ks_NAF for the KMS, and the Ua password. */
  g_auto (ImpsGbaKey) ue_ks = IMPS_GBA_KEY_INIT;
  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  imps_gba_ks_from_ck_ik (res.ck, res.ik, &ue_ks);
  g_assert_cmpmem (ue_ks.bytes, 32, ks.bytes, 32);
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ue_ks, nonce.rand, IMPI, strlen (IMPI),
                   KMS, strlen (KMS), IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf);
  imps_assert_hex (ks_naf.bytes, 32, "74eb8672becc0b19eccb86f2780cfb0178097e8873944798ab096d69e7351862");
  g_autofree gchar *ua_pw = g_base64_encode (ks_naf.bytes, 32);
  g_assert_cmpstr (ua_pw, ==, "dOuGcr7MCxnsy4byeAz7AXgJfohzlEeYqwltaec1GGI=");

  /* Ua digest at the KMS with that password (§12.2). */
  g_autoptr (ImpsDigestCredentials) ua = imps_digest_credentials_new ();
  ua->username = g_strdup (btid);
  ua->realm = g_strdup ("3GPP-bootstrapping@" KMS);
  ua->nonce = g_strdup ("a3f1c9e2b7d84f6a9e0c5b1d2f3a4b5c");
  ua->uri = g_strdup ("/");
  ua->qop = IMPS_DIGEST_QOP_AUTH;
  strcpy (ua->nc, "00000001");
  ua->cnonce = g_strdup ("0a4f113b");
  imps_digest_credentials_sign (ua, "GET", (const guint8 *) ua_pw, strlen (ua_pw), NULL, 0);
  g_assert_cmpstr (ua->response, ==, "9a334ed539e4d68396ce9fbf2d71de02");
}

/* gba.md §12.2 / §6.3: SQN_MS = 000000000020, AUTS, the resync request
 * with the empty password, the BSF's classification and the HSS's
 * recovery of SQN_MS. */
static void
test_ub_resync (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint8 sqn_ms[6], auts[14], got_auts[14], back[6];

  imps_test_hex_into ("000000000020", sqn_ms, 6);
  imps_aka_auts (f->m, f->rand, sqn_ms, auts);
  imps_assert_hex (auts, 14, IMPS_DIGEST_VECTOR_AUTS_HEX);
  guint8 ak_star[6];
  imps_milenage_f5star (f->m, f->rand, ak_star);
  imps_assert_hex (ak_star, 6, "451e8beca43b");

  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new ();
  cred->username = g_strdup (IMPI);
  cred->realm = g_strdup (BSF);
  cred->nonce = g_strdup ("I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=");
  cred->uri = g_strdup ("/");
  cred->qop = IMPS_DIGEST_QOP_AUTH_INT;
  strcpy (cred->nc, "00000001");
  cred->cnonce = g_strdup (CNONCE);
  cred->opaque = g_strdup (OPAQUE);
  cred->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  cred->auts = imps_digest_aka_auts_encode (auts);
  g_assert_cmpstr (cred->auts, ==, IMPS_DIGEST_VECTOR_AUTS_B64);
  imps_digest_credentials_sign (cred, "GET", NULL, 0, NULL, 0);   /* empty password */
  g_assert_cmpstr (cred->response, ==, "0c6b780251d1cc17f1efdcbe83e90720");
  g_autofree gchar *authz = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (authz, ==, imps_digest_credentials_vectors[2].value);

  /* BSF. */
  g_autoptr (ImpsDigestCredentials) rcv = imps_digest_credentials_parse (authz, strlen (authz), &error);
  g_assert_no_error (error);
  guint8 xres[8], ck[16], ik[16];
  imps_milenage_f2345 (f->m, f->rand, xres, ck, ik, NULL);
  ImpsDigestAkaOutcome outcome = -1;
  g_assert_true (imps_digest_aka_verify (rcv, "GET", NULL, 0, xres, 8, ik, ck, &outcome,
                                         got_auts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, IMPS_DIGEST_AKA_RESYNC);
  g_assert_cmpmem (got_auts, 14, auts, 14);

  /* HSS. */
  g_assert_true (imps_aka_resync (f->m, f->rand, got_auts, back, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (back, 6, sqn_ms, 6);

  /* An auts request whose response was made with RES is refused. */
  imps_digest_credentials_sign (rcv, "GET", xres, 8, NULL, 0);
  g_assert_false (imps_digest_aka_verify (rcv, "GET", NULL, 0, xres, 8, ik, ck, &outcome,
                                          got_auts, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE);
}

/* profile §10: after a MAC failure the UE answers with the empty password
 * and no auts; the BSF sees NETWORK_REJECTED and must not issue a B-TID. */
static void
test_ub_mac_failure (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint8 sqn[6], amf[2], xres[8], ck[16], ik[16];
  g_auto (ImpsAkaVector) av = { 0 };
  g_auto (ImpsAkaResult) res = { 0 };

  imps_test_hex_into (SQN, sqn, 6);
  imps_test_hex_into (AMF, amf, 2);
  imps_aka_generate_av (f->m, f->rand, sqn, amf, &av);
  av.autn[15] ^= 0x01;   /* the MAC the UE sees is wrong */
  g_assert_false (imps_aka_check_autn (f->m, NULL, av.rand, av.autn, &res, NULL, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_MAC_FAILURE);
  g_clear_error (&error);

  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new ();
  cred->username = g_strdup (IMPI);
  cred->realm = g_strdup (BSF);
  cred->nonce = imps_digest_aka_nonce_build (av.rand, av.autn, NULL, 0);
  cred->uri = g_strdup ("/");
  cred->qop = IMPS_DIGEST_QOP_AUTH_INT;
  strcpy (cred->nc, "00000001");
  cred->cnonce = g_strdup (CNONCE);
  cred->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  imps_digest_credentials_sign (cred, "GET", NULL, 0, NULL, 0);

  imps_milenage_f2345 (f->m, f->rand, xres, ck, ik, NULL);
  ImpsDigestAkaOutcome outcome = -1;
  guint8 auts[14];
  g_assert_true (imps_digest_aka_verify (cred, "GET", NULL, 0, xres, 8, ik, ck, &outcome,
                                         auts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, IMPS_DIGEST_AKA_NETWORK_REJECTED);
}

/* gba.md §12.2 AKAv2-MD5 (for reference): password and response. */
static void
test_akav2 (Fixture *f, gconstpointer data)
{
  guint8 res[8], ck[16], ik[16], pw[IMPS_DIGEST_AKA_PASSWORD_MAX];
  imps_milenage_f2345 (f->m, f->rand, res, ck, ik, NULL);
  gsize n = imps_digest_aka_password (IMPS_DIGEST_ALGORITHM_AKAV2_MD5, res, 8, ik, ck, pw);
  g_assert_cmpmem (pw, n, "shzt3q8CWaZnCAWqs3WmEQ==", 24);

  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new ();
  cred->username = g_strdup (IMPI);
  cred->realm = g_strdup (BSF);
  cred->nonce = g_strdup ("I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=");
  cred->uri = g_strdup ("/");
  cred->qop = IMPS_DIGEST_QOP_AUTH_INT;
  strcpy (cred->nc, "00000001");
  cred->cnonce = g_strdup (CNONCE);
  cred->algorithm = IMPS_DIGEST_ALGORITHM_AKAV2_MD5;
  imps_digest_credentials_sign (cred, "GET", pw, n, NULL, 0);
  g_assert_cmpstr (cred->response, ==, "3a912f43f0f899c2bc13e4f80281f73d");

  ImpsDigestAkaOutcome outcome = -1;
  guint8 auts[14];
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_digest_aka_verify (cred, "GET", NULL, 0, res, 8, ik, ck, &outcome,
                                         auts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, IMPS_DIGEST_AKA_AUTHENTICATED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/gba/chain/ub-success", Fixture, NULL, fixture_setup, test_ub_success, fixture_teardown);
  g_test_add ("/gba/chain/ub-resync", Fixture, NULL, fixture_setup, test_ub_resync, fixture_teardown);
  g_test_add ("/gba/chain/ub-mac-failure", Fixture, NULL, fixture_setup, test_ub_mac_failure, fixture_teardown);
  g_test_add ("/gba/chain/akav2", Fixture, NULL, fixture_setup, test_akav2, fixture_teardown);
  return g_test_run ();
}
