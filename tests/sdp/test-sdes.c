/* Tests of SDES in src/core/sdp: a=crypto parse/build (RFC 4568, digest
 * §14.1-14.3), the refusals of profile §5, and offer/answer. */
#include "sdp/imps-sdes.h"
#include "imps-test.h"

#include <string.h>

/* RFC 4568 a=crypto lines (the first is quoted in digest §14.1; both are in
 * the RFC's example offer). */
#define RFC4568_LINE1 \
  "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP"
#define RFC4568_LINE2 \
  "2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;" \
  "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP"

#define K30 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

static ImpsSdpCrypto *
crypto_ok (const gchar *v)
{
  g_autoptr (GError) error = NULL;
  ImpsSdpCrypto *c = imps_sdp_crypto_parse (v, strlen (v), &error);
  g_assert_no_error (error);
  g_assert_nonnull (c);
  return c;
}

static void
assert_crypto_round_trip (const gchar *v)
{
  g_autoptr (ImpsSdpCrypto) c = crypto_ok (v);
  gchar *s = imps_sdp_crypto_to_string (c);
  g_assert_cmpstr (s, ==, v);
  imps_sdp_string_free (s);
}

static void
test_rfc4568_lines (void)
{
  g_autoptr (ImpsSdpCrypto) c1 = crypto_ok (RFC4568_LINE1);
  g_assert_cmpuint (c1->tag, ==, 1);
  g_assert_cmpint (c1->suite, ==, IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_80);
  g_assert_cmpuint (c1->n_keys, ==, 1);
  /* "YS___semctl () {\t220;}\n}\nunles": 30 bytes, as AES_CM_128 needs (§14.3) */
  imps_assert_hex (c1->keys[0].key_salt, c1->keys[0].key_salt_len,
                   "59535f5f5f73656d63746c202829207b093232303b7d0a7d0a756e6c6573");
  g_assert_true (c1->keys[0].has_lifetime);
  g_assert_true (c1->keys[0].lifetime_pow2);
  g_assert_cmpuint (c1->keys[0].lifetime, ==, 1u << 20);
  g_assert_true (c1->keys[0].has_mki);
  g_assert_cmpuint (c1->keys[0].mki_value, ==, 1);
  g_assert_cmpuint (c1->keys[0].mki_len, ==, 4);
  g_assert_cmpint (c1->fec_order, ==, IMPS_SDES_FEC_ORDER_FEC_SRTP);
  g_assert_cmpuint (c1->n_params, ==, 1);

  g_autoptr (ImpsSdpCrypto) c2 = crypto_ok (RFC4568_LINE2);
  g_assert_cmpuint (c2->tag, ==, 2);
  g_assert_cmpint (c2->suite, ==, IMPS_SDES_SUITE_F8_128_HMAC_SHA1_80);
  g_assert_cmpuint (c2->n_keys, ==, 2);
  imps_assert_hex (c2->keys[0].key_salt, 30, "313233343536373839414243444530313233343536373839414263646566");
  g_assert_cmpuint (c2->keys[1].mki_value, ==, 2);
  g_assert_cmpuint (c2->keys[1].mki_len, ==, 4);

  assert_crypto_round_trip (RFC4568_LINE1);
  assert_crypto_round_trip (RFC4568_LINE2);

  /* Case-insensitive values (digest §14.1) and tab as WSP; built back in
   * canonical form. */
  g_autoptr (ImpsSdpCrypto) c3 = crypto_ok ("1\taes_cm_128_hmac_sha1_32 INLINE:" K30 " fec_order=srtp_fec");
  g_assert_cmpint (c3->suite, ==, IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_32);
  g_assert_cmpint (c3->fec_order, ==, IMPS_SDES_FEC_ORDER_SRTP_FEC);
}

static void
test_all_params_round_trip (void)
{
  static const gchar *lines[] = {
    "7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1048576",
    "7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4",
    "7 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=0 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP WSH=128",
    "7 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_KEY=inline:" K30 "|2^10|5:2;inline:" K30 "|6:2 -vendor=1 FEC_ORDER=SRTP_FEC",
    "999999999 AEAD_AES_128_GCM inline:PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWVw==",
    "0 AES_256_CM_HMAC_SHA1_80 inline:WFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhQ==",
    /* unpadded key-salt is accepted and kept unpadded */
    "3 AEAD_AES_128_GCM inline:PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWVw",
    /* an unknown suite is parsed (any key length) */
    "4 SEED_CTR_128_HMAC_SHA1_80 inline:AAECAwQF",
  };
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    assert_crypto_round_trip (lines[i]);

  g_autoptr (ImpsSdpCrypto) c = crypto_ok (lines[3]);
  g_assert_cmpuint (c->n_fec_keys, ==, 2);
  g_assert_cmpuint (c->fec_keys[0].lifetime, ==, 1024);
  g_assert_cmpuint (c->fec_keys[1].mki_value, ==, 6);
  g_assert_cmpuint (c->extensions->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c->extensions, 0), ==, "-vendor=1");
  g_autoptr (ImpsSdpCrypto) d = crypto_ok (lines[2]);
  g_assert_true (d->unencrypted_srtp && d->unencrypted_srtcp && d->unauthenticated_srtp);
  g_assert_cmpuint (d->wsh, ==, 128);
  g_assert_true (imps_sdp_crypto_has_param (d, IMPS_SDES_PARAM_KDR));
  g_autoptr (ImpsSdpCrypto) u = crypto_ok (lines[7]);
  g_assert_cmpint (u->suite, ==, IMPS_SDES_SUITE_UNKNOWN);
  g_assert_cmpstr (u->suite_name, ==, "SEED_CTR_128_HMAC_SHA1_80");
  g_autoptr (ImpsSdpCrypto) copy = imps_sdp_crypto_copy (c);
  gchar *s1 = imps_sdp_crypto_to_string (c), *s2 = imps_sdp_crypto_to_string (copy);
  g_assert_cmpstr (s1, ==, s2);
  imps_sdp_string_free (s1);
  imps_sdp_string_free (s2);
}

typedef struct {
  const gchar *value;
  gint code;
  const gchar *message;
} BadCrypto;

static const BadCrypto bad_cryptos[] = {
  { "", IMPS_SDP_ERROR_SYNTAX, "tag: expected 1 to 9 decimal digits at byte offset 0" },
  { "01 AES_CM_128_HMAC_SHA1_80 inline:" K30, IMPS_SDP_ERROR_SYNTAX, "tag: leading zero" },
  { "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" K30, IMPS_SDP_ERROR_SYNTAX, "tag: expected 1 to 9" },
  { "1AES_CM_128_HMAC_SHA1_80 inline:" K30, IMPS_SDP_ERROR_SYNTAX, "tag: expected whitespace" },
  { "1 AES-CM inline:" K30, IMPS_SDP_ERROR_SYNTAX, "crypto-suite" },
  { "1 AES_CM_128_HMAC_SHA1_80", IMPS_SDP_ERROR_SYNTAX, "key-params: missing" },
  { "1 AES_CM_128_HMAC_SHA1_80 ", IMPS_SDP_ERROR_SYNTAX, "key-params: missing" },
  { "1 AES_CM_128_HMAC_SHA1_80 uri:http://x", IMPS_SDP_ERROR_SYNTAX, "key-method" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubG*z", IMPS_SDP_ERROR_BASE64, "0x2a is not base64, at byte offset 71" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV=", IMPS_SDP_ERROR_BASE64, "trailing bits" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVu", IMPS_SDP_ERROR_KEY_LENGTH, "27 bytes of key||salt, AES_CM_128_HMAC_SHA1_80 needs 30" },
  { "1 AEAD_AES_128_GCM inline:" K30, IMPS_SDP_ERROR_KEY_LENGTH, "AEAD_AES_128_GCM needs 28" },
  { "1 AES_256_CM_HMAC_SHA1_80 inline:" K30, IMPS_SDP_ERROR_KEY_LENGTH, "needs 46" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^64", IMPS_SDP_ERROR_SYNTAX, "lifetime" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|0", IMPS_SDP_ERROR_SYNTAX, "lifetime" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|99999999999999999999999", IMPS_SDP_ERROR_SYNTAX, "lifetime" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|2^10", IMPS_SDP_ERROR_SYNTAX, "lifetime: repeated" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4|2^20", IMPS_SDP_ERROR_SYNTAX, "lifetime: after the MKI" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4|2:4", IMPS_SDP_ERROR_SYNTAX, "mki: repeated" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4|5", IMPS_SDP_ERROR_SYNTAX, "more than a lifetime and an MKI" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:0", IMPS_SDP_ERROR_SYNTAX, "mki-length" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:129", IMPS_SDP_ERROR_SYNTAX, "mki-length" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:", IMPS_SDP_ERROR_SYNTAX, "mki-length" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|:4", IMPS_SDP_ERROR_SYNTAX, "mki-value" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|256:1", IMPS_SDP_ERROR_SYNTAX, "256 does not fit in 1 bytes" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 ";inline:" K30, IMPS_SDP_ERROR_SYNTAX, "several keys need MKIs" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4;inline:" K30 "|2:2", IMPS_SDP_ERROR_SYNTAX, "several keys need MKIs of one length" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4;inline:" K30 "|1:4", IMPS_SDP_ERROR_SYNTAX, "same MKI" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=25", IMPS_SDP_ERROR_SYNTAX, "KDR" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=x", IMPS_SDP_ERROR_SYNTAX, "KDR" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_ORDER=FEC", IMPS_SDP_ERROR_SYNTAX, "FEC_ORDER" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_KEY=inline:AAAA", IMPS_SDP_ERROR_KEY_LENGTH, "key-salt" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " WSH=6", IMPS_SDP_ERROR_SYNTAX, "WSH" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " WSH=1234567890", IMPS_SDP_ERROR_SYNTAX, "WSH" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FOO=1", IMPS_SDP_ERROR_UNKNOWN_PARAM, "unknown mandatory parameter \"FOO=1\"" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " -", IMPS_SDP_ERROR_SYNTAX, "'-' without" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNENCRYPTED_SRTP UNENCRYPTED_SRTP", IMPS_SDP_ERROR_SYNTAX, "UNENCRYPTED_SRTP repeated" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " ", IMPS_SDP_ERROR_SYNTAX, "trailing whitespace" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " -a -b -c -d -e -f -g -h -i -j -k -l -m -n -o -p -q", IMPS_SDP_ERROR_LIMIT, "more than 16" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:1;inline:" K30 "|2:1;inline:" K30 "|3:1;inline:" K30 "|4:1;inline:" K30
    "|5:1;inline:" K30 "|6:1;inline:" K30 "|7:1;inline:" K30 "|8:1;inline:" K30 "|9:1", IMPS_SDP_ERROR_LIMIT, "more than 8 keys" },
  { "1 X inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", IMPS_SDP_ERROR_LIMIT, "more than the limit of 64" },
};

static void
test_bad_crypto (void)
{
  /* bound: the whole value */
  {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *big = g_strnfill (IMPS_SDP_MAX_LINE + 1, '1');
    g_assert_null (imps_sdp_crypto_parse (big, strlen (big), &error));
    g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad_cryptos); i++)
    {
      const BadCrypto *b = &bad_cryptos[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsSdpCrypto) c = imps_sdp_crypto_parse (b->value, strlen (b->value), &error);
      if (c != NULL || error == NULL || error->code != b->code
          || strstr (error->message, b->message) == NULL)
        g_error ("crypto case %u (%s): got %s (code %d), expected code %d with \"%s\"",
                 i, b->value, error ? error->message : "success", error ? error->code : -1,
                 b->code, b->message);
    }
}

/* profile §5: what is refused, with which parameter and value */
typedef struct {
  const gchar *value;
  gint code;           /* -1: honourable */
  const gchar *message;
} Honour;

static const Honour honour_cases[] = {
  { RFC4568_LINE1, -1, NULL },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=0 WSH=64 -ext", -1, NULL },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^48|4294967295:4 WSH=32767 FEC_ORDER=FEC_SRTP", -1, NULL },
  { "1 AEAD_AES_128_GCM inline:PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWVw==", -1, NULL },
  { RFC4568_LINE2, IMPS_SDP_ERROR_UNSUPPORTED_SUITE, "a=crypto tag 2 (F8_128_HMAC_SHA1_80): crypto-suite F8_128_HMAC_SHA1_80: not supported" },
  { "5 FOO_SUITE inline:AAAA", IMPS_SDP_ERROR_UNSUPPORTED_SUITE, "crypto-suite FOO_SUITE" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:4;inline:" K30 "|2:4", IMPS_SDP_ERROR_REFUSED, "key-params: 2 keys" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:5", IMPS_SDP_ERROR_REFUSED, "MKI length 5 bytes" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^49", IMPS_SDP_ERROR_REFUSED, "lifetime 2^49" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|281474976710657", IMPS_SDP_ERROR_REFUSED, "lifetime 281474976710657" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=1", IMPS_SDP_ERROR_REFUSED, "KDR=1" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_ORDER=SRTP_FEC", IMPS_SDP_ERROR_REFUSED, "FEC_ORDER=SRTP_FEC" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_KEY=inline:" K30, IMPS_SDP_ERROR_REFUSED, "FEC_KEY" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " WSH=60", IMPS_SDP_ERROR_REFUSED, "WSH=60: outside 64..32767" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " WSH=32768", IMPS_SDP_ERROR_REFUSED, "WSH=32768" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNENCRYPTED_SRTP", IMPS_SDP_ERROR_REFUSED, "UNENCRYPTED_SRTP: not allowed" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNENCRYPTED_SRTCP", IMPS_SDP_ERROR_REFUSED, "UNENCRYPTED_SRTCP: not allowed" },
  { "1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNAUTHENTICATED_SRTP", IMPS_SDP_ERROR_REFUSED, "UNAUTHENTICATED_SRTP: not allowed" },
};

static void
test_honour (void)
{
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  for (guint i = 0; i < G_N_ELEMENTS (honour_cases); i++)
    {
      const Honour *h = &honour_cases[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsSdpCrypto) c = crypto_ok (h->value);
      gboolean ok = imps_sdes_check_honourable (c, &policy, &error);
      if (h->code < 0)
        {
          if (!ok)
            g_error ("honour case %u: refused: %s", i, error->message);
          continue;
        }
      if (ok || error->code != h->code || strstr (error->message, h->message) == NULL)
        g_error ("honour case %u (%s): got %s, expected code %d with \"%s\"", i, h->value,
                 ok ? "accepted" : error->message, h->code, h->message);
    }

  /* configured: UNENCRYPTED_* / UNAUTHENTICATED pass; GCM off refuses */
  g_autoptr (GError) error = NULL;
  policy.allow_unencrypted_srtp = policy.allow_unencrypted_srtcp = TRUE;
  policy.allow_unauthenticated_srtp = TRUE;
  g_autoptr (ImpsSdpCrypto) u = crypto_ok ("1 AES_CM_128_HMAC_SHA1_80 inline:" K30
                                           " UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP");
  g_assert_true (imps_sdes_check_honourable (u, &policy, &error));
  g_assert_no_error (error);
  policy.accept_gcm = FALSE;
  g_autoptr (ImpsSdpCrypto) g = crypto_ok (honour_cases[3].value);
  g_assert_false (imps_sdes_check_honourable (g, &policy, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_UNSUPPORTED_SUITE);
  g_assert_nonnull (strstr (error->message, "not enabled"));
}

static void
test_suites (void)
{
  /* digest §14.3 */
  const ImpsSdesSuiteInfo *i = imps_sdes_suite_info (IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_32);
  g_assert_cmpuint (i->key_len + i->salt_len, ==, 30);
  g_assert_cmpuint (i->srtp_tag_len, ==, 4);
  g_assert_cmpuint (i->srtcp_tag_len, ==, 10);
  i = imps_sdes_suite_info (IMPS_SDES_SUITE_AEAD_AES_128_GCM);
  g_assert_cmpuint (i->key_len + i->salt_len, ==, 28);
  g_assert_cmpuint (i->srtp_tag_len, ==, 16);
  i = imps_sdes_suite_info (IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_80);
  g_assert_cmpuint (i->key_len + i->salt_len, ==, 46);
  g_assert_null (imps_sdes_suite_info (IMPS_SDES_SUITE_UNKNOWN));
  g_assert_cmpint (imps_sdes_suite_from_name ("aead_aes_256_gcm", 16), ==, IMPS_SDES_SUITE_AEAD_AES_256_GCM);
  g_assert_false (imps_sdes_suite_info (IMPS_SDES_SUITE_AEAD_AES_256_GCM)->supported);
  g_assert_cmpstr (imps_sdes_suite_name (IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_80), ==, "AES_CM_128_HMAC_SHA1_80");
}

/* ---- offer / answer (expected lines computed by this project from the
 * fixed random bytes 00 01 02 ...) ------------------------------------ */

static ImpsRandom *
counting_random (guint8 first, gsize n)
{
  guint8 buf[256];
  g_assert_cmpuint (n, <=, sizeof buf);
  for (gsize i = 0; i < n; i++)
    buf[i] = (guint8) (first + i);
  return imps_random_new_fixed (buf, n);
}

static ImpsSdp *
media_sdp (const gchar *addr)
{
  g_autoptr (GError) error = NULL;
  ImpsSdp *sdp = imps_sdp_new ();
  g_autofree gchar *o = g_strdup_printf ("- 1 1 IN IP4 %s", addr);
  g_autofree gchar *c = g_strdup_printf ("IN IP4 %s", addr);
  g_assert_true (imps_sdp_add_line (sdp, 'v', "0", &error));
  g_assert_true (imps_sdp_add_line (sdp, 'o', o, &error));
  g_assert_true (imps_sdp_add_line (sdp, 's', "-", &error));
  g_assert_true (imps_sdp_add_line (sdp, 'c', c, &error));
  g_assert_true (imps_sdp_add_line (sdp, 't', "0 0", &error));
  g_assert_nonnull (imps_sdp_add_media (sdp, "audio", 49152, 0, "RTP/SAVP", "0", &error));
  g_assert_no_error (error);
  return sdp;
}

static void
test_offer (void)
{
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  g_autoptr (GError) error = NULL;

  g_autoptr (ImpsRandom) rnd = counting_random (0x00, 60);
  g_autoptr (ImpsSdp) sdp = media_sdp ("127.1.1.1");
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  g_assert_true (imps_sdes_offer_add (m, &policy, rnd, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (imps_sdp_media_find_attribute (m, "crypto", 0), ==,
                   "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd");
  g_assert_cmpstr (imps_sdp_media_find_attribute (m, "crypto", 1), ==,
                   "2 AES_CM_128_HMAC_SHA1_32 inline:Hh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7");
  g_assert_null (imps_sdp_media_find_attribute (m, "crypto", 2));

  /* with GCM and AES-256 configured: they follow, in that order */
  policy.offer_gcm = policy.offer_aes_256 = TRUE;
  g_autoptr (ImpsRandom) rnd2 = counting_random (0x00, 60 + 28 + 46);
  g_autoptr (GPtrArray) list = imps_sdes_offer_new (&policy, rnd2);
  g_assert_cmpuint (list->len, ==, 4);
  static const gchar *expected[] = {
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
    "2 AES_CM_128_HMAC_SHA1_32 inline:Hh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7",
    "3 AEAD_AES_128_GCM inline:PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWVw==",
    "4 AES_256_CM_HMAC_SHA1_80 inline:WFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhQ==",
  };
  for (guint i = 0; i < list->len; i++)
    {
      gchar *s = imps_sdp_crypto_to_string (g_ptr_array_index (list, i));
      g_assert_cmpstr (s, ==, expected[i]);
      imps_sdp_string_free (s);
    }
}

static void
test_answer_negotiate (void)
{
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  g_autoptr (GError) error = NULL;

  /* Offer: an F8 line (unsupported), a KDR=1 line (refused), then the
   * acceptable AES_CM_128_HMAC_SHA1_32 with an MKI, and _80. */
  g_autoptr (ImpsSdp) offer = media_sdp ("127.1.1.1");
  ImpsSdpMedia *om = imps_sdp_get_media (offer, 0);
  g_assert_true (imps_sdp_media_add_attribute (om, "crypto", RFC4568_LINE2, &error));
  g_assert_true (imps_sdp_media_add_attribute (om, "crypto", "3 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=1", &error));
  g_assert_true (imps_sdp_media_add_attribute (om, "crypto", "5 AES_CM_128_HMAC_SHA1_32 inline:" K30 "|2^31|7:1 UNENCRYPTED_SRTCP WSH=64", &error));
  g_assert_true (imps_sdp_media_add_attribute (om, "crypto", "6 AES_CM_128_HMAC_SHA1_80 inline:" K30, &error));
  g_assert_no_error (error);

  /* UNENCRYPTED_SRTCP not allowed: tag 6 is picked */
  g_autoptr (ImpsRandom) rnd = counting_random (0x80, 30);
  g_autoptr (ImpsSdpCrypto) a = imps_sdes_answer_new (om, &policy, rnd, &error);
  g_assert_no_error (error);
  gchar *s = imps_sdp_crypto_to_string (a);
  g_assert_cmpstr (s, ==, "6 AES_CM_128_HMAC_SHA1_80 inline:gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5yd");
  imps_sdp_string_free (s);

  /* allowed: tag 5, the negotiated parameter echoed, declarative WSH not */
  policy.allow_unencrypted_srtcp = TRUE;
  g_autoptr (ImpsRandom) rnd2 = counting_random (0x80, 30);
  g_autoptr (ImpsSdp) answer = media_sdp ("127.1.1.2");
  ImpsSdpMedia *am = imps_sdp_get_media (answer, 0);
  g_assert_true (imps_sdes_answer_add (om, am, &policy, rnd2, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (imps_sdp_media_find_attribute (am, "crypto", 0), ==,
                   "5 AES_CM_128_HMAC_SHA1_32 inline:gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5yd UNENCRYPTED_SRTCP");

  g_auto (ImpsSdesKeys) keys = { 0 };
  g_assert_true (imps_sdes_negotiate (om, am, &policy, &keys, &error));
  g_assert_no_error (error);
  g_assert_cmpint (keys.suite, ==, IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_32);
  g_assert_cmpuint (keys.tag, ==, 5);
  g_assert_cmpuint (keys.key_salt_len, ==, 30);
  imps_assert_hex (keys.offerer_key_salt, 30, "59535f5f5f73656d63746c202829207b093232303b7d0a7d0a756e6c6573");
  imps_assert_hex (keys.answerer_key_salt, 30, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d");
  g_assert_cmpuint (keys.offerer_mki_len, ==, 1);
  g_assert_cmpuint (keys.offerer_mki, ==, 7);
  g_assert_cmpuint (keys.answerer_mki_len, ==, 0);
  g_assert_cmpuint (keys.offerer_lifetime, ==, G_GUINT64_CONSTANT (1) << 31);
  g_assert_true (keys.unencrypted_srtcp);
  g_assert_false (keys.unencrypted_srtp);

  /* Nothing acceptable: the error says why, line by line. */
  g_autoptr (ImpsSdp) bad = media_sdp ("127.1.1.1");
  ImpsSdpMedia *bm = imps_sdp_get_media (bad, 0);
  g_assert_true (imps_sdp_media_add_attribute (bm, "crypto", RFC4568_LINE2, &error));
  g_assert_true (imps_sdp_media_add_attribute (bm, "crypto", "3 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:8", &error));
  g_assert_true (imps_sdp_media_add_attribute (bm, "crypto", "4 AES_CM_128_HMAC_SHA1_80 inline:" K30 " BOGUS", &error));
  g_autoptr (ImpsRandom) rnd3 = counting_random (0x80, 30);
  g_assert_null (imps_sdes_answer_new (bm, &policy, rnd3, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_NO_ACCEPTABLE);
  g_assert_nonnull (strstr (error->message, "line 1: a=crypto tag 2 (F8_128_HMAC_SHA1_80)"));
  g_assert_nonnull (strstr (error->message, "line 2: a=crypto tag 3 (AES_CM_128_HMAC_SHA1_80): MKI length 8 bytes"));
  g_assert_nonnull (strstr (error->message, "line 3: a=crypto: session-param: unknown mandatory parameter \"BOGUS\""));
  g_clear_error (&error);
  g_autoptr (ImpsSdp) none = media_sdp ("127.1.1.1");
  g_assert_null (imps_sdes_answer_new (imps_sdp_get_media (none, 0), &policy, rnd3, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_NO_ACCEPTABLE);
  g_assert_nonnull (strstr (error->message, "none offered"));
}

/* The offerer's checks of an answer (RFC 4568 §7.1.3, digest §14.2). */
static void
test_negotiate_mismatch (void)
{
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  static const struct {
    const gchar *answer[2];
    const gchar *message;
  } cases[] = {
    { { NULL, NULL }, "0 a=crypto lines" },
    { { "1 AES_CM_128_HMAC_SHA1_80 inline:ERERERERERERERERERERERERERERERERERERERER",
        "2 AES_CM_128_HMAC_SHA1_32 inline:ERERERERERERERERERERERERERERERERERERERER" }, "2 a=crypto lines" },
    { { "9 AES_CM_128_HMAC_SHA1_80 inline:ERERERERERERERERERERERERERERERERERERERER", NULL }, "tag 9 was not offered" },
    { { "1 AES_CM_128_HMAC_SHA1_32 inline:ERERERERERERERERERERERERERERERERERERERER", NULL },
      "offered with AES_CM_128_HMAC_SHA1_80, answered with AES_CM_128_HMAC_SHA1_32" },
    { { "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", NULL }, "reuses the offer's key" },
    { { "1 AES_CM_128_HMAC_SHA1_80 inline:ERERERERERERERERERERERERERERERERERERERER UNENCRYPTED_SRTP", NULL },
      "UNENCRYPTED_SRTP: not allowed" },
    { { "1 AES_CM_128_HMAC_SHA1_80 inline:ERERERERERERERERERERERERERERERERERERERER|1:9", NULL }, "answer: a=crypto tag 1" },
    { { "1 AES_CM_128_HMAC_SHA1_80 inline:ERERERERERERERERERERERERERERERERERERER", NULL }, "answer: a=crypto: key-salt" },
  };
  g_autoptr (ImpsRandom) rnd = counting_random (0x00, 60);
  g_autoptr (ImpsSdp) offer = media_sdp ("127.1.1.1");
  ImpsSdpMedia *om = imps_sdp_get_media (offer, 0);
  g_assert_true (imps_sdes_offer_add (om, &policy, rnd, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsSdp) answer = media_sdp ("127.1.1.2");
      ImpsSdpMedia *am = imps_sdp_get_media (answer, 0);
      for (guint j = 0; j < 2; j++)
        if (cases[i].answer[j] != NULL)
          g_assert_true (imps_sdp_media_add_attribute (am, "crypto", cases[i].answer[j], NULL));
      g_auto (ImpsSdesKeys) keys = { 0 };
      gboolean ok = imps_sdes_negotiate (om, am, &policy, &keys, &error);
      if (ok || strstr (error->message, cases[i].message) == NULL)
        g_error ("negotiate case %u: got %s, expected \"%s\"", i, ok ? "success" : error->message,
                 cases[i].message);
    }

  /* and the good case with the same offer */
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSdp) answer = media_sdp ("127.1.1.2");
  ImpsSdpMedia *am = imps_sdp_get_media (answer, 0);
  g_assert_true (imps_sdp_media_add_attribute (am, "crypto", "2 AES_CM_128_HMAC_SHA1_32 inline:ERERERERERERERERERERERERERERERERERERERER", NULL));
  g_auto (ImpsSdesKeys) keys = { 0 };
  g_assert_true (imps_sdes_negotiate (om, am, &policy, &keys, &error));
  g_assert_no_error (error);
  imps_assert_hex (keys.offerer_key_salt, 30, "1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b");
  imps_assert_hex (keys.answerer_key_salt, 30, "111111111111111111111111111111111111111111111111111111111111");
}

/* A full SDES call with the seeded source: both ends agree. */
static void
test_seeded_round (void)
{
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  policy.offer_gcm = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (42);

  g_autoptr (ImpsSdp) offer = media_sdp ("127.1.1.1");
  g_assert_true (imps_sdes_offer_add (imps_sdp_get_media (offer, 0), &policy, rnd, &error));
  gchar *text = imps_sdp_to_string (offer, NULL);
  g_autoptr (ImpsSdp) received = imps_sdp_parse (text, strlen (text), &error);
  imps_sdp_string_free (text);
  g_assert_no_error (error);

  g_autoptr (ImpsSdp) answer = media_sdp ("127.1.1.2");
  g_assert_true (imps_sdes_answer_add (imps_sdp_get_media (received, 0), imps_sdp_get_media (answer, 0),
                                       &policy, rnd, &error));
  g_assert_no_error (error);
  g_auto (ImpsSdesKeys) k1 = { 0 };
  g_auto (ImpsSdesKeys) k2 = { 0 };
  g_assert_true (imps_sdes_negotiate (imps_sdp_get_media (offer, 0), imps_sdp_get_media (answer, 0), &policy, &k1, &error));
  g_assert_true (imps_sdes_negotiate (imps_sdp_get_media (received, 0), imps_sdp_get_media (answer, 0), &policy, &k2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (k1.suite, ==, IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_80);
  g_assert_cmpmem (&k1, sizeof k1, &k2, sizeof k2);
  g_assert_true (memcmp (k1.offerer_key_salt, k1.answerer_key_salt, 30) != 0);
}

/* Every seed of the a=crypto fuzz corpus parses and round-trips. */
static void
test_corpus_seeds (void)
{
  g_autofree gchar *dir = g_test_build_filename (G_TEST_DIST, "..", "fuzz", "sdp", "corpus", "sdp-crypto", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  const gchar *name;
  guint n = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_autofree gchar *text = NULL;
      g_assert_true (g_file_get_contents (path, &text, NULL, &error));
      g_test_message ("seed %s", name);
      assert_crypto_round_trip (text);
      n++;
    }
  g_assert_cmpuint (n, >=, 9);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sdes/rfc4568-lines", test_rfc4568_lines);
  g_test_add_func ("/sdes/all-params-round-trip", test_all_params_round_trip);
  g_test_add_func ("/sdes/bad-crypto", test_bad_crypto);
  g_test_add_func ("/sdes/honour", test_honour);
  g_test_add_func ("/sdes/suites", test_suites);
  g_test_add_func ("/sdes/offer", test_offer);
  g_test_add_func ("/sdes/answer-negotiate", test_answer_negotiate);
  g_test_add_func ("/sdes/negotiate-mismatch", test_negotiate_mismatch);
  g_test_add_func ("/sdes/seeded-round", test_seeded_round);
  g_test_add_func ("/sdes/corpus-seeds", test_corpus_seeds);
  return g_test_run ();
}
