/* Known-answer self test of src/core/srtp for `impsim tool selftest`.
 *
 * Each vector protects one packet with a fresh sender under published master
 * keys and compares the SRTP/SRTCP bytes, then unprotects them with a fresh
 * receiver and compares the plaintext. The keys are the RFCs'
 * (RFC 3711 App. B.3 as in mikey-ticket.md §15, RFC 6188 §7.2, and the
 * RFC 7714 §16 key and salt used as a master key||salt); the packets and the
 * expected bytes are computed by this project with the independent
 * reference in tests/srtp/test-srtp.c, which is itself checked there against
 * RFC 3711 B.2/B.3, RFC 6188 §7.1/§7.2 and RFC 7714 §16.1.1.
 */
#include "srtp/imps-srtp.h"

#include "imps-hex.h"
#include "imps-selftest.h"

#include <string.h>

void imps_srtp_selftest (ImpsSelftest *st);

typedef struct {
  const gchar *name;
  ImpsSrtpSuite suite;
  gboolean rtcp;
  const gchar *key_salt;
  const gchar *plain;
  const gchar *srtp;
} SrtpVector;

#define B3_KEY "E1F97A0D3E018BE0D64FA32C06DE4139" "0EC675AD498AFEEBB6960B3AABE6"
#define RTP_PLAIN "800000010000a000decafbad" "000102030405060708090a0b0c0d0e0f10111213"

static const SrtpVector vectors[] = {
  { "RFC 3711 B.3 keys, AES_CM_128_HMAC_SHA1_80 SRTP", IMPS_SRTP_AES_CM_128_HMAC_SHA1_80, FALSE,
    B3_KEY, RTP_PLAIN,
    "800000010000a000decafbad75d2a64fb20a8df6a849687a52d917e5bbedf732196418a58216f815c93c" },
  { "RFC 3711 B.3 keys, AES_CM_128_HMAC_SHA1_32 SRTP", IMPS_SRTP_AES_CM_128_HMAC_SHA1_32, FALSE,
    B3_KEY, RTP_PLAIN,
    "800000010000a000decafbad75d2a64fb20a8df6a849687a52d917e5bbedf732196418a5" },
  { "RFC 3711 B.3 keys, AES_CM_128_HMAC_SHA1_80 SRTCP", IMPS_SRTP_AES_CM_128_HMAC_SHA1_80, TRUE,
    B3_KEY, "80c80006decafbad" "000102030405060708090a0b0c0d0e0f1011121314151617",
    "80c80006decafbad321c39a809bf86644ee8284b4a34c993c05141397bcde66a"
    "800000014b90c67ad852bebc8d9c" },
  { "RFC 6188 7.2 keys, AES_256_CM_HMAC_SHA1_80 SRTP", IMPS_SRTP_AES_256_CM_HMAC_SHA1_80, FALSE,
    "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6" "3b04803de51ee7c96423ab5b78d2",
    RTP_PLAIN,
    "800000010000a000decafbadbe693eaec79262d6ea0558cfe1a81f60f5dd3f353a53ff97da82ef980c4c" },
  { "RFC 7714 16 key||salt as master, AEAD_AES_128_GCM SRTP", IMPS_SRTP_AEAD_AES_128_GCM, FALSE,
    "000102030405060708090a0b0c0d0e0f" "517569642070726f2071756f",
    "8040f17b8041f8d35501a0b2"
    "47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573",
    "8040f17b8041f8d35501a0b292cb0ecff0a0db188f7bff6b523933aacef8ae9585ed378a627836cb"
    "2d6a731d6c3490d925387db18c0661762d59e50ad553d241535a" },
};

static void
run_vector (ImpsSelftest *st, const SrtpVector *v)
{
  guint8 key[IMPS_SRTP_MAX_KEY_SALT_LEN];
  guint8 buf[256], plain[256];
  gsize key_len = imps_srtp_suite_key_len (v->suite) + imps_srtp_suite_salt_len (v->suite);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) pb = imps_hex_decode_bytes (v->plain, &error);
  gsize len, out = 0, back = 0;

  if (!imps_srtp_suite_supported (v->suite))
    {
      imps_selftest_result (st, v->name, FALSE, "suite %s not supported by %s",
                            imps_srtp_suite_name (v->suite), imps_srtp_library_version ());
      return;
    }
  if (pb == NULL || !imps_hex_decode_fixed (v->key_salt, key, key_len, &error)
      || g_bytes_get_size (pb) > sizeof plain - IMPS_SRTP_MAX_RTCP_TRAILER_LEN)
    {
      imps_selftest_result (st, v->name, FALSE, "bad vector: %s",
                            error ? error->message : "packet too long");
      return;
    }
  len = g_bytes_get_size (pb);
  memcpy (plain, g_bytes_get_data (pb, NULL), len);
  memcpy (buf, plain, len);

  ImpsSrtpConfig cfg;
  ImpsSrtpMasterKey mk = { key, key_len, 0 };
  imps_srtp_config_init (&cfg, IMPS_SRTP_SENDER);
  cfg.suite = v->suite;
  g_autoptr (ImpsSrtpSession) tx = imps_srtp_session_new (&cfg, &mk, 1, &error);
  cfg.direction = IMPS_SRTP_RECEIVER;
  g_autoptr (ImpsSrtpSession) rx = tx ? imps_srtp_session_new (&cfg, &mk, 1, &error) : NULL;
  memset (key, 0, sizeof key);
  gboolean ok = rx != NULL
    && (v->rtcp ? imps_srtp_session_protect_rtcp (tx, buf, len, sizeof buf, &out, &error)
                : imps_srtp_session_protect_rtp (tx, buf, len, sizeof buf, &out, &error));
  if (!ok)
    {
      imps_selftest_result (st, v->name, FALSE, "protect failed: %s",
                            error ? error->message : "?");
      return;
    }
  if (!imps_selftest_check_hex (st, v->name, buf, out, v->srtp))
    return;
  g_autofree gchar *name = g_strdup_printf ("%s, unprotect", v->name);
  ok = v->rtcp ? imps_srtp_session_unprotect_rtcp (rx, buf, out, &back, &error)
               : imps_srtp_session_unprotect_rtp (rx, buf, out, &back, &error);
  if (!ok)
    imps_selftest_result (st, name, FALSE, "unprotect failed: %s", error->message);
  else
    imps_selftest_result (st, name, back == len && memcmp (buf, plain, len) == 0,
                          "the plaintext differs (%" G_GSIZE_FORMAT " bytes back, %"
                          G_GSIZE_FORMAT " sent)", back, len);
}

void
imps_srtp_selftest (ImpsSelftest *st)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    run_vector (st, &vectors[i]);
}
