/* Tests of src/core/gba: the KDF, Ks, Ks_NAF / Ks_int_NAF, NAF_Id, B-TID
 * and TMPI. Vectors come from the shared table imps-gba-vectors.c, whose
 * rows name their gba.md section; values marked "computed by this project"
 * are our own. */
#include "gba/imps-gba.h"
#include "gba/imps-gba-vectors.h"
#include "gba/imps-gba-ub.h"
#include "digest/imps-digest.h"
#include "imps-selftest.h"
#include "imps-test.h"

#include <string.h>

/* gba.md §12.2: the KDF input S for the KMS NAF, built through the generic
 * KDF with the four parameters, gives the Ks_NAF of the table; and the
 * generic KDF over S's parameters equals HMAC-SHA-256(Ks, S). */
static void
test_kdf_generic (void)
{
  const ImpsGbaKsNafVector *v = &imps_gba_ks_naf_vectors[0];
  guint8 ks[32], rand[16], ua[5], out[32], ref[32];
  g_autoptr (GBytes) s = imps_test_hex (v->s);

  imps_test_hex_into (v->ks, ks, 32);
  imps_test_hex_into (v->rand, rand, 16);
  imps_test_hex_into (v->ua_id, ua, 5);
  g_autoptr (GBytes) naf_id = imps_gba_naf_id_new (v->naf_fqdn, ua);
  gsize naf_len;
  const guint8 *naf = g_bytes_get_data (naf_id, &naf_len);
  ImpsIovec params[] = {
    { (const guint8 *) "gba-me", 6 },
    { rand, 16 },
    { (const guint8 *) v->impi, strlen (v->impi) },
    { naf, naf_len },
  };
  imps_gba_kdf (ks, 32, 0x01, params, 4, out);
  imps_assert_hex (out, 32, v->ks_naf);

  gsize s_len;
  const guint8 *s_data = g_bytes_get_data (s, &s_len);
  imps_hmac (IMPS_HASH_SHA256, ks, 32, s_data, s_len, ref);
  imps_assert_hex (ref, 32, v->ks_naf);
}

/* The length field is a full 16-bit value (gba.md §13 D4): a 300-byte
 * parameter must be encoded 01 2c, not 00 2c. Expected value computed by
 * this project as HMAC-SHA-256 over the S we assemble by hand. */
static void
test_kdf_long_param (void)
{
  guint8 key[32] = { 0 }, p[300], out[32], ref[32];
  memset (p, 'a', sizeof p);
  ImpsIovec params[] = { { p, sizeof p } };
  imps_gba_kdf (key, 32, 0x01, params, 1, out);

  guint8 s[1 + 300 + 2];
  s[0] = 0x01;
  memcpy (s + 1, p, 300);
  s[301] = 0x01;
  s[302] = 0x2c;
  imps_hmac (IMPS_HASH_SHA256, key, 32, s, sizeof s, ref);
  g_assert_cmpmem (out, 32, ref, 32);
  s[301] = 0x00;   /* the one-octet mistake gives another key */
  imps_hmac (IMPS_HASH_SHA256, key, 32, s, sizeof s, ref);
  g_assert_true (memcmp (out, ref, 32) != 0);
}

static void
test_ks (void)
{
  for (gsize i = 0; i < imps_gba_n_ks_vectors; i++)
    {
      const ImpsGbaKsVector *v = &imps_gba_ks_vectors[i];
      guint8 ck[16], ik[16];
      g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
      imps_test_hex_into (v->ck, ck, 16);
      imps_test_hex_into (v->ik, ik, 16);
      imps_gba_ks_from_ck_ik (ck, ik, &ks);
      imps_assert_hex (ks.bytes, 32, v->ks);
    }
}

static void
test_ks_naf_table (void)
{
  for (gsize i = 0; i < imps_gba_n_ks_naf_vectors; i++)
    {
      const ImpsGbaKsNafVector *v = &imps_gba_ks_naf_vectors[i];
      g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
      g_auto (ImpsGbaKey) out = IMPS_GBA_KEY_INIT;
      g_auto (ImpsGbaKey) out2 = IMPS_GBA_KEY_INIT;
      guint8 rand[16], ua[5];
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", v->source);
      imps_test_hex_into (v->ks, ks.bytes, 32);
      imps_test_hex_into (v->rand, rand, 16);
      imps_test_hex_into (v->ua_id, ua, 5);
      imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, v->impi, strlen (v->impi),
                       v->naf_fqdn, strlen (v->naf_fqdn), ua, &out);
      imps_assert_hex (out.bytes, 32, v->ks_naf);
      g_autofree gchar *b64 = g_base64_encode (out.bytes, 32);
      g_assert_cmpstr (b64, ==, v->ks_naf_b64);

      /* The same through a NAF_Id byte string. */
      g_autoptr (GBytes) naf_id = imps_gba_naf_id_new (v->naf_fqdn, ua);
      gsize nl;
      const guint8 *nd = g_bytes_get_data (naf_id, &nl);
      g_assert_cmpuint (nl, ==, strlen (v->naf_fqdn) + 5);
      g_assert_true (imps_gba_ks_naf_for_naf_id (IMPS_GBA_NAF_KEY_ME, &ks, rand, v->impi,
                                                 strlen (v->impi), nd, nl, &out2, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (out.bytes, 32, out2.bytes, 32);

      if (v->ks_int_naf != NULL)
        {
          imps_gba_ks_naf (IMPS_GBA_NAF_KEY_INT, &ks, rand, v->impi, strlen (v->impi),
                           v->naf_fqdn, strlen (v->naf_fqdn), ua, &out);
          imps_assert_hex (out.bytes, 32, v->ks_int_naf);
        }
    }
}

/* Changing any one input changes the key. */
static void
test_ks_naf_separation (void)
{
  const ImpsGbaKsNafVector *v = &imps_gba_ks_naf_vectors[0];
  g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
  g_auto (ImpsGbaKey) a = IMPS_GBA_KEY_INIT;
  g_auto (ImpsGbaKey) b = IMPS_GBA_KEY_INIT;
  guint8 rand[16];

  imps_test_hex_into (v->ks, ks.bytes, 32);
  imps_test_hex_into (v->rand, rand, 16);
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, v->impi, strlen (v->impi),
                   "kms.home1.net", 13, IMPS_GBA_UA_ID_IMS_MEDIA, &a);
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, v->impi, strlen (v->impi),
                   "kms.home1.net", 13, IMPS_GBA_UA_ID_HTTP_DIGEST, &b);
  g_assert_true (memcmp (a.bytes, b.bytes, 32) != 0);
  /* Moving one byte between FQDN and IMPI must not collide (lengths are in S). */
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, "user1_private@home1.netk", 24,
                   "ms.home1.net", 12, IMPS_GBA_UA_ID_IMS_MEDIA, &b);
  g_assert_true (memcmp (a.bytes, b.bytes, 32) != 0);
  rand[0] ^= 1;
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, v->impi, strlen (v->impi),
                   "kms.home1.net", 13, IMPS_GBA_UA_ID_IMS_MEDIA, &b);
  g_assert_true (memcmp (a.bytes, b.bytes, 32) != 0);
}

/* Ks_NAF with an S longer than the stack copy (a 600-byte IMPI) takes the
 * scatter path; both paths must agree with the generic KDF. */
static void
test_ks_naf_long_s (void)
{
  g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
  g_auto (ImpsGbaKey) a = IMPS_GBA_KEY_INIT;
  guint8 rand[16] = { 1, 2, 3 }, b[32];
  g_autofree gchar *impi = g_strnfill (600, 'i');

  memset (ks.bytes, 7, 32);
  for (guint round = 0; round < 2; round++)
    {
      gsize impi_len = round == 0 ? 23 : 600;
      imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, impi, impi_len, "kms.home1.net", 13,
                       IMPS_GBA_UA_ID_IMS_MEDIA, &a);
      g_autoptr (GBytes) naf_id = imps_gba_naf_id_new ("kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
      gsize nl;
      const guint8 *nd = g_bytes_get_data (naf_id, &nl);
      ImpsIovec params[] = {
        { (const guint8 *) "gba-me", 6 }, { rand, 16 }, { (const guint8 *) impi, impi_len },
        { nd, nl },
      };
      imps_gba_kdf (ks.bytes, 32, 0x01, params, 4, b);
      g_assert_cmpmem (a.bytes, 32, b, 32);
    }
}

static void
test_ua_ids (void)
{
  /* gba.md §7.3 (33.220 H.3). */
  imps_assert_hex (IMPS_GBA_UA_ID_IMS_MEDIA, 5, "0100000006");
  imps_assert_hex (IMPS_GBA_UA_ID_HTTP_DIGEST, 5, "0100000002");
  imps_assert_hex (IMPS_GBA_UA_ID_TMPI, 5, "0100000100");
  imps_assert_hex (IMPS_GBA_UA_ID_DEFAULT, 5, "0000000000");
  imps_assert_hex (IMPS_GBA_UA_ID_TLS13_PSK, 5, "0100000007");
  guint8 tls[5];
  imps_gba_ua_id_tls (0x002f, FALSE, tls);
  imps_assert_hex (tls, 5, "010001002f");
  imps_gba_ua_id_tls (0xc02b, TRUE, tls);
  imps_assert_hex (tls, 5, "010002c02b");
}

static void
test_naf_id_check (void)
{
  static const struct {
    const gchar *hex;
    gboolean ok;
    const gchar *needle;
  } cases[] = {
    { "6b6d732e686f6d65312e6e65740100000006", TRUE, NULL },  /* kms.home1.net || id */
    { "6b0100000006", TRUE, NULL },                          /* one-byte FQDN */
    { "0100000006", FALSE, "at least" },                     /* no FQDN */
    { "", FALSE, "at least" },
    { "6b6d20730100000006", FALSE, "offset 2" },             /* a space in the FQDN */
    { "6b6dff730100000006", FALSE, "offset 2" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) b = imps_test_hex (cases[i].hex);
      g_autoptr (GError) error = NULL;
      gsize len, flen = 0;
      const guint8 *d = g_bytes_get_data (b, &len);
      gboolean ok = imps_gba_naf_id_check (d, len, &flen, &error);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_cmpuint (flen, ==, len - 5);
      else
        {
          g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_NAF_ID);
          g_assert_nonnull (strstr (error->message, cases[i].needle));
        }
    }
  /* 255-byte FQDN is the most. */
  guint8 big[256 + 5];
  memset (big, 'a', sizeof big);
  g_assert_true (imps_gba_naf_id_check (big, 255 + 5, NULL, NULL));
  g_autoptr (GError) error = NULL;
  g_assert_false (imps_gba_naf_id_check (big, 256 + 5, NULL, &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_NAF_ID);
}

static void
test_btid (void)
{
  for (gsize i = 0; i < imps_gba_n_btid_vectors; i++)
    {
      const ImpsGbaBtidVector *v = &imps_gba_btid_vectors[i];
      guint8 rand[16];
      imps_test_hex_into (v->rand, rand, 16);
      g_autofree gchar *btid = imps_gba_btid_new (rand, v->domain);
      g_assert_cmpstr (btid, ==, v->btid);
      g_assert_true (imps_gba_btid_check (btid, strlen (btid), NULL));
    }

  static const struct {
    const gchar *btid;
    const gchar *needle;
  } bad[] = {
    { "", "offset 0" },
    { "abc", "offset 3" },
    { "@bsf.home1.net", "offset 0" },
    { "abc@", "offset 3" },
    { "ab c@bsf", "offset 2" },
    { "abc@bsf/x", "offset 7" },
    { "abc\x7f@bsf", "offset 3" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (imps_gba_btid_check (bad[i].btid, strlen (bad[i].btid), &error));
      g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_BTID);
      g_assert_nonnull (strstr (error->message, bad[i].needle));
    }
  g_autofree gchar *huge = g_strnfill (IMPS_GBA_MAX_BTID_LEN + 1, 'a');
  g_autoptr (GError) error = NULL;
  g_assert_false (imps_gba_btid_check (huge, strlen (huge), &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_BTID);
}

static void
test_tmpi (void)
{
  for (gsize i = 0; i < imps_gba_n_tmpi_vectors; i++)
    {
      const ImpsGbaTmpiVector *v = &imps_gba_tmpi_vectors[i];
      g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
      g_auto (ImpsGbaKey) out = IMPS_GBA_KEY_INIT;
      guint8 rand[16];
      imps_test_hex_into (v->ks, ks.bytes, 32);
      imps_test_hex_into (v->rand, rand, 16);
      /* The full KDF output first (same KDF with BSF_Id as P3). */
      imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, v->impi, strlen (v->impi),
                       v->bsf_fqdn, strlen (v->bsf_fqdn), IMPS_GBA_UA_ID_TMPI, &out);
      imps_assert_hex (out.bytes, 32, v->kdf_out);
      g_autofree gchar *tmpi = imps_gba_tmpi_new (&ks, rand, v->impi, v->bsf_fqdn);
      g_assert_cmpstr (tmpi, ==, v->tmpi);
    }
}

static void
test_key_wipe (void)
{
  guint8 bytes[32];
  memset (bytes, 0x5a, sizeof bytes);
  ImpsGbaKey *k = imps_gba_key_new (bytes);
  g_assert_cmpmem (k->bytes, 32, bytes, 32);
  imps_gba_key_clear (k);
  memset (bytes, 0, sizeof bytes);
  g_assert_cmpmem (k->bytes, 32, bytes, 32);
  imps_gba_key_free (k);
  imps_gba_key_free (NULL);
}

/* gba.md §6.1/§6.2 tokens, §8.1 realm, §6.5 statuses (the choices are the
 * profile's: see the header). */
static void
test_ub_conventions (void)
{
  g_assert_true (imps_gba_product_has_token (IMPS_GBA_UB_USER_AGENT, IMPS_GBA_TOKEN_TMPI));
  g_assert_true (imps_gba_product_has_token (IMPS_GBA_UB_SERVER, "3GPP-GBA-TMPI"));
  g_assert_false (imps_gba_product_has_token (IMPS_GBA_UB_USER_AGENT, IMPS_GBA_TOKEN_ME));
  g_assert_true (imps_gba_product_has_token ("Bootstrapping Client Agent 3gpp-gba", IMPS_GBA_TOKEN_ME));
  g_assert_true (imps_gba_product_has_token ("x/1.0,3gpp-gba-uicc;y", IMPS_GBA_TOKEN_UICC));
  g_assert_false (imps_gba_product_has_token ("x3gpp-gba", IMPS_GBA_TOKEN_ME));
  g_assert_false (imps_gba_product_has_token ("", IMPS_GBA_TOKEN_ME));

  g_autofree gchar *realm = imps_gba_naf_realm_new ("kms.home1.net");
  g_assert_cmpstr (realm, ==, "3GPP-bootstrapping@kms.home1.net");
  g_assert_cmpstr (imps_gba_naf_realm_fqdn (realm), ==, "kms.home1.net");
  g_assert_null (imps_gba_naf_realm_fqdn ("3GPP-bootstrapping-uicc@kms.home1.net"));
  g_assert_null (imps_gba_naf_realm_fqdn ("3GPP-bootstrapping@"));
  g_assert_null (imps_gba_naf_realm_fqdn ("bsf.home1.net"));

  g_assert_cmpuint (imps_gba_ub_http_status (IMPS_GBA_UB_OK), ==, 200);
  g_assert_cmpuint (imps_gba_ub_http_status (IMPS_GBA_UB_CHALLENGE), ==, 401);
  g_assert_cmpuint (imps_gba_ub_http_status (IMPS_GBA_UB_WRONG_RESPONSE), ==, 401);
  g_assert_cmpuint (imps_gba_ub_http_status (IMPS_GBA_UB_BAD_REQUEST), ==, 400);
  g_assert_cmpuint (imps_gba_ub_http_status (IMPS_GBA_UB_NETWORK_REJECTED), ==, 403);
  g_assert_cmpuint (imps_gba_ub_http_status (IMPS_GBA_UB_UNKNOWN_USER), ==, 403);

  /* Errors from the digest module map to verdicts. */
  g_autoptr (GError) error = NULL;
  g_assert_null (imps_digest_credentials_parse ("Digest realm=\"r\"", 16, &error));
  g_assert_cmpint (imps_gba_ub_verdict_for_error (error), ==, IMPS_GBA_UB_BAD_REQUEST);
  g_clear_error (&error);
  g_set_error (&error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE, "x");
  g_assert_cmpint (imps_gba_ub_verdict_for_error (error), ==, IMPS_GBA_UB_WRONG_RESPONSE);
  g_clear_error (&error);
  g_set_error (&error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISMATCH, "x");
  g_assert_cmpint (imps_gba_ub_verdict_for_error (error), ==, IMPS_GBA_UB_CHALLENGE);
  g_clear_error (&error);
  g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "x");
  g_assert_cmpint (imps_gba_ub_verdict_for_error (error), ==, IMPS_GBA_UB_BAD_REQUEST);
  for (gint v = IMPS_GBA_UB_OK; v <= IMPS_GBA_UB_UNKNOWN_USER; v++)
    g_assert_cmpstr (imps_gba_ub_verdict_to_string (v), !=, "?");
}

/* The compiled-in self tests of both modules run their tables clean. */
static void
test_selftest (void)
{
  static const gchar *modules[] = { "gba", "digest" };
  for (guint i = 0; i < G_N_ELEMENTS (modules); i++)
    {
      g_autoptr (ImpsSelftest) st = imps_selftest_new (NULL, NULL);
      g_assert_true (imps_selftest_run (st, modules[i]));
      g_assert_cmpuint (imps_selftest_failed (st), ==, 0);
      g_assert_cmpuint (imps_selftest_passed (st), >=, 10);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gba/kdf/generic", test_kdf_generic);
  g_test_add_func ("/gba/kdf/long-param", test_kdf_long_param);
  g_test_add_func ("/gba/ks", test_ks);
  g_test_add_func ("/gba/ks-naf/table", test_ks_naf_table);
  g_test_add_func ("/gba/ks-naf/separation", test_ks_naf_separation);
  g_test_add_func ("/gba/ks-naf/long-s", test_ks_naf_long_s);
  g_test_add_func ("/gba/ua-ids", test_ua_ids);
  g_test_add_func ("/gba/naf-id/check", test_naf_id_check);
  g_test_add_func ("/gba/btid", test_btid);
  g_test_add_func ("/gba/tmpi", test_tmpi);
  g_test_add_func ("/gba/key/wipe", test_key_wipe);
  g_test_add_func ("/gba/selftest", test_selftest);
  g_test_add_func ("/gba/ub-conventions", test_ub_conventions);
  return g_test_run ();
}
