/* MIKEY PRF edge cases, KEMAC crypto and the replay cache.
 *
 * Sources: RFC 3394 §4.1 (published AES key wrap vector); mikey-ticket.md
 * §18.2 V10 (the KEMAC IV); everything marked "computed by this project"
 * is checked against a second, deliberately naive PRF written here from
 * the §6.1 formula. */
#include "mikey/imps-mikey-keys.h"
#include "mikey/imps-mikey-replay.h"
#include "imps-crypto.h"
#include "imps-test.h"

#include <string.h>

/* Naive §6.1 PRF: P() per 256-bit block of inkey, XORed, truncated. */
static void
naive_prf (ImpsHash hash, const guint8 *inkey, gsize inkey_len, const guint8 *label,
           gsize label_len, guint8 *out, gsize out_len)
{
  gsize hlen = imps_hash_len (hash);
  gsize m = (out_len + hlen - 1) / hlen;
  gsize n = (inkey_len + 31) / 32;
  guint8 *acc = g_malloc0 (m * hlen);

  for (gsize j = 0; j < n; j++)
    {
      const guint8 *s = inkey + 32 * j;
      gsize sl = MIN (32, inkey_len - 32 * j);
      guint8 *a = g_memdup2 (label, label_len); /* A_0 = label */
      gsize al = label_len;
      for (gsize i = 0; i < m; i++)
        {
          guint8 next[32], blk[32];
          imps_hmac (hash, s, sl, a, al, next); /* A_i */
          g_free (a);
          a = g_memdup2 (next, hlen);
          al = hlen;
          guint8 *in = g_malloc (hlen + label_len);
          memcpy (in, next, hlen);
          memcpy (in + hlen, label, label_len);
          imps_hmac (hash, s, sl, in, hlen + label_len, blk);
          g_free (in);
          for (gsize k = 0; k < hlen; k++)
            acc[i * hlen + k] ^= blk[k];
        }
      g_free (a);
    }
  memcpy (out, acc, out_len);
  g_free (acc);
}

/* computed by this project: the production PRF against the naive one for
 * inkey lengths around the 256-bit block boundary (the minisip pitfall of
 * §6.1: a 32- or 64-byte key must not lose its last block) and outputs of
 * several hash blocks, for both PRFs. */
static void
test_prf_cross_check (void)
{
  static const gsize key_lens[] = { 1, 16, 31, 32, 33, 48, 64, 65 };
  static const gsize out_lens[] = { 1, 14, 16, 20, 21, 32, 40, 64 };
  guint8 key[65], label[40], a[64], b[64];

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) (3 * i + 1);
  for (guint i = 0; i < sizeof label; i++)
    label[i] = (guint8) (0xA0 ^ i);
  for (guint prf = 0; prf < 2; prf++)
    for (guint k = 0; k < G_N_ELEMENTS (key_lens); k++)
      for (guint o = 0; o < G_N_ELEMENTS (out_lens); o++)
        {
          g_assert_true (imps_mikey_prf (prf, key, key_lens[k], label, sizeof label, a,
                                         out_lens[o]));
          naive_prf (prf == 0 ? IMPS_HASH_SHA1 : IMPS_HASH_SHA256, key, key_lens[k], label,
                     sizeof label, b, out_lens[o]);
          g_assert_cmpmem (a, out_lens[o], b, out_lens[o]);
        }
  /* a 64-byte key is not the same as its first half */
  g_assert_true (imps_mikey_prf (0, key, 64, label, 8, a, 16));
  g_assert_true (imps_mikey_prf (0, key, 32, label, 8, b, 16));
  g_assert_false (memcmp (a, b, 16) == 0);
  g_assert_false (imps_mikey_prf (2, key, 16, label, 8, a, 16));
  g_assert_false (imps_mikey_prf (127, key, 16, label, 8, a, 16));
}

/* §6.3 label layouts (computed by this project): derive_msg_keys with
 * type 0x02 equals the PRF over the label written out by hand. */
static void
test_labels (void)
{
  guint8 key[16], ri[16], rr[16], label[64], want[20];
  ImpsMikeyMsgKeys k;
  gsize n = 0;

  for (guint i = 0; i < 16; i++)
    {
      key[i] = (guint8) i;
      ri[i] = (guint8) (0xC0 + i);
      rr[i] = (guint8) (0xD0 + i);
    }
  g_assert_true (imps_mikey_derive_msg_keys (0, key, 16, 0xA1B2C3D4, IMPS_MIKEY_LABEL_RESPONSE,
                                             ri, 16, rr, 16, 1, 1, &k));
  /* 2D22AC75 FF A1B2C3D4 02 10 RANDRi 10 RANDRr */
  imps_test_hex_into ("2D22AC75FFA1B2C3D40210", label, 11);
  n = 11;
  memcpy (label + n, ri, 16);
  n += 16;
  label[n++] = 16;
  memcpy (label + n, rr, 16);
  n += 16;
  naive_prf (IMPS_HASH_SHA1, key, 16, label, n, want, 20);
  g_assert_cmpmem (k.auth, k.auth_len, want, 20);
  g_assert_cmpuint (k.encr_len, ==, 16);
  g_assert_cmpuint (k.salt_len, ==, 14);
  /* omitted RANDRr: only its length byte 0 */
  g_assert_true (imps_mikey_derive_msg_keys (0, key, 16, 0xA1B2C3D4, IMPS_MIKEY_LABEL_INITIAL,
                                             ri, 16, NULL, 0, 0, 1, &k));
  label[9] = 0x01;
  label[27] = 0x00;
  naive_prf (IMPS_HASH_SHA1, key, 16, label, 28, want, 20);
  g_assert_cmpmem (k.auth, k.auth_len, want, 20);
  g_assert_cmpuint (k.encr_len, ==, 0); /* NULL encryption: no encr key */
  /* AES-KW gets a 64-bit salt (§6.4) */
  g_assert_true (imps_mikey_derive_msg_keys (0, key, 16, 1, IMPS_MIKEY_LABEL_INITIAL, ri, 16,
                                             NULL, 0, IMPS_MIKEY_ENCR_AES_KW_128, 0, &k));
  g_assert_cmpuint (k.salt_len, ==, 8);
  g_assert_cmpuint (k.auth_len, ==, 0);
  g_assert_false (imps_mikey_derive_msg_keys (0, key, 16, 1, 1, ri, 16, NULL, 0, 9, 1, &k));
  imps_mikey_msg_keys_clear (&k);
  g_assert_cmpuint (k.auth[0] | k.encr[0] | k.salt[0], ==, 0);
}

/* mikey-ticket.md §18.2 V10: the IV for CSB 12345678 and T C8E350EA00000000
 * with salt V2c. */
static void
test_kemac_iv (void)
{
  guint8 salt[14], iv[16];
  imps_test_hex_into ("C417042CDED72CA507B70C1C2524", salt, 14);
  imps_mikey_kemac_iv (salt, 0x12345678, G_GUINT64_CONSTANT (0xC8E350EA00000000), iv);
  imps_assert_hex (iv, 16, "C417161888AFE446575D0C1C25240000");
  /* COUNTER zero-extended, NTP-UTC-32 gets a zero fraction */
  g_assert_cmphex (imps_mikey_ts64 (2, 0x01020304), ==, 0x01020304);
  g_assert_cmphex (imps_mikey_ts64 (3, 0x01020304), ==, G_GUINT64_CONSTANT (0x0102030400000000));
  g_assert_cmphex (imps_mikey_ts64 (0, 0x1122334455667788), ==,
                   G_GUINT64_CONSTANT (0x1122334455667788));
}

/* RFC 3394 §4.1: 128 bits of key data with a 128-bit KEK, default IV. */
static void
test_aes_kw_rfc3394 (void)
{
  guint8 kek[16], data[16], iv[8], out[24], back[16];
  imps_test_hex_into ("000102030405060708090A0B0C0D0E0F", kek, 16);
  imps_test_hex_into ("00112233445566778899AABBCCDDEEFF", data, 16);
  imps_test_hex_into ("A6A6A6A6A6A6A6A6", iv, 8);
  g_assert_true (imps_mikey_aes_kw (TRUE, kek, 16, iv, data, 16, out));
  imps_assert_hex (out, 24, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
  g_assert_true (imps_mikey_aes_kw (FALSE, kek, 16, iv, out, 24, back));
  g_assert_cmpmem (back, 16, data, 16);
  out[5] ^= 1;
  g_assert_false (imps_mikey_aes_kw (FALSE, kek, 16, iv, out, 24, back));
  g_assert_false (imps_mikey_aes_kw (TRUE, kek, 16, iv, data, 12, out)); /* not 8k */
  g_assert_false (imps_mikey_aes_kw (TRUE, kek, 16, iv, data, 8, out));  /* too short */
}

static void
kemac_round_trip (guint encr_alg, gsize len, gboolean expect_ok)
{
  guint8 psk[16], rnd[16], plain[64], dec[72];
  ImpsMikeyMsgKeys k;
  gsize dl = 0;
  g_autoptr (GByteArray) enc = g_byte_array_new ();

  for (guint i = 0; i < 16; i++)
    {
      psk[i] = (guint8) (0x10 + i);
      rnd[i] = (guint8) (0xA0 + i);
    }
  for (guint i = 0; i < sizeof plain; i++)
    plain[i] = (guint8) i;
  g_assert_true (imps_mikey_derive_msg_keys (0, psk, 16, 0x12345678, IMPS_MIKEY_LABEL_RESPONSE,
                                             rnd, 16, NULL, 0, encr_alg, 0, &k));
  if (!expect_ok)
    {
      g_assert_false (imps_mikey_kemac_encrypt (&k, 0x12345678, 1, plain, len, enc));
      g_assert_cmpuint (enc->len, ==, 0);
      return;
    }
  g_assert_true (imps_mikey_kemac_encrypt (&k, 0x12345678, 1, plain, len, enc));
  g_assert_cmpuint (enc->len, ==, encr_alg == IMPS_MIKEY_ENCR_AES_KW_128 ? len + 8 : len);
  if (encr_alg != IMPS_MIKEY_ENCR_NULL)
    g_assert_false (memcmp (enc->data, plain, len) == 0);
  g_assert_true (imps_mikey_kemac_decrypt (&k, 0x12345678, 1, enc->data, enc->len, dec, &dl));
  g_assert_cmpmem (dec, dl, plain, len);
  /* another CSB ID or T gives another key stream (§8 IV) */
  if (encr_alg == IMPS_MIKEY_ENCR_AES_CM_128 || encr_alg == IMPS_MIKEY_ENCR_AES_CM_256)
    {
      g_assert_true (imps_mikey_kemac_decrypt (&k, 0x12345679, 1, enc->data, enc->len, dec, &dl));
      g_assert_false (memcmp (dec, plain, len) == 0);
      g_assert_true (imps_mikey_kemac_decrypt (&k, 0x12345678, 2, enc->data, enc->len, dec, &dl));
      g_assert_false (memcmp (dec, plain, len) == 0);
    }
  imps_mikey_msg_keys_clear (&k);
}

static void
test_kemac_round_trip (void)
{
  kemac_round_trip (IMPS_MIKEY_ENCR_NULL, 25, TRUE);
  kemac_round_trip (IMPS_MIKEY_ENCR_AES_CM_128, 25, TRUE);
  kemac_round_trip (IMPS_MIKEY_ENCR_AES_CM_256, 64, TRUE);
  kemac_round_trip (IMPS_MIKEY_ENCR_AES_KW_128, 32, TRUE);
  kemac_round_trip (IMPS_MIKEY_ENCR_AES_KW_128, 25, FALSE); /* not a multiple of 8 */
}

/* RFC 2202 §3 test case 2: HMAC-SHA-1 with key "Jefe". */
static void
test_mac (void)
{
  static const char data[] = "what do ya want for nothing?";
  guint8 out[32];
  ImpsIovec iov[2] = { { (const guint8 *) data, 10 }, { (const guint8 *) data + 10, 18 } };
  g_assert_true (imps_mikey_mac (IMPS_MIKEY_MAC_HMAC_SHA1_160, (const guint8 *) "Jefe", 4,
                                 iov, 2, out));
  imps_assert_hex (out, 20, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  /* RFC 4231 test case 2, HMAC-SHA-256 */
  g_assert_true (imps_mikey_mac (IMPS_MIKEY_MAC_HMAC_SHA256_256, (const guint8 *) "Jefe", 4,
                                 iov, 2, out));
  imps_assert_hex (out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  g_assert_false (imps_mikey_mac (IMPS_MIKEY_MAC_NULL, (const guint8 *) "k", 1, iov, 2, out));
  g_assert_cmpuint (imps_mikey_mac_len (1), ==, 20);
  g_assert_cmpuint (imps_mikey_mac_len (2), ==, 32);
  g_assert_cmpuint (imps_mikey_mac_len (3), ==, 0);
}

/* ---- replay cache (profile §3: SHA-256 key, kept until T + skew) -------- */

#define T0 G_GUINT64_CONSTANT (0xEC3F1E4F00000000)
#define S(n) ((guint64) (n) << 32)

static void
test_replay_basic (void)
{
  g_autoptr (ImpsMikeyReplay) c = imps_mikey_replay_new (4, 300);
  static const guint8 m1[] = "message one", m2[] = "message two";
  guint8 d1[32], d2[32];
  gboolean full = TRUE;

  /* an empty cache holds no tables (a UE's, until its first TRANSFER_INIT) */
  gsize empty = imps_mikey_replay_memory (c);
  g_assert_cmpuint (empty, <, 128);
  imps_mikey_replay_digest (m1, sizeof m1, d1);
  imps_mikey_replay_digest (m2, sizeof m2, d2);
  g_assert_false (imps_mikey_replay_contains (c, d1, T0));
  g_assert_cmpuint (imps_mikey_replay_size (c), ==, 0);
  g_assert_cmpuint (imps_mikey_replay_expire (c, T0 + S (1000)), ==, 0);
  g_assert_cmpuint (imps_mikey_replay_memory (c), ==, empty);
  g_assert_true (imps_mikey_replay_insert (c, d1, T0, T0, &full));
  g_assert_false (full);
  g_assert_true (imps_mikey_replay_contains (c, d1, T0 + S (10)));
  g_assert_false (imps_mikey_replay_contains (c, d2, T0 + S (10)));
  /* a replay is refused and is not "full" */
  g_assert_false (imps_mikey_replay_insert (c, d1, T0, T0 + S (20), &full));
  g_assert_false (full);
  /* kept until T + skew, gone after */
  g_assert_true (imps_mikey_replay_contains (c, d1, T0 + S (299)));
  g_assert_false (imps_mikey_replay_contains (c, d1, T0 + S (300)));
  g_assert_cmpuint (imps_mikey_replay_size (c), ==, 0);
  /* skew window */
  g_assert_true (imps_mikey_ts_within_skew (T0 + S (300), T0, 300));
  g_assert_true (imps_mikey_ts_within_skew (T0 - S (300), T0, 300));
  g_assert_false (imps_mikey_ts_within_skew (T0 + S (301), T0, 300));
  g_assert_false (imps_mikey_ts_within_skew (T0 - S (301), T0, 300));
  /* the one-call form */
  g_assert_true (imps_mikey_replay_check_message (c, m2, sizeof m2, T0, T0 + S (1)));
  g_assert_false (imps_mikey_replay_check_message (c, m2, sizeof m2, T0, T0 + S (2)));
  g_assert_false (imps_mikey_replay_check_message (c, m1, sizeof m1, T0, T0 + S (400)));
}

/* Full: refuse (fail closed) until something expires. */
static void
test_replay_full (void)
{
  g_autoptr (ImpsMikeyReplay) c = imps_mikey_replay_new (3, 300);
  guint8 d[4][32];
  gboolean full = FALSE;

  for (guint i = 0; i < 4; i++)
    {
      guint8 m[8] = { (guint8) i };
      imps_mikey_replay_digest (m, sizeof m, d[i]);
    }
  g_assert_true (imps_mikey_replay_insert (c, d[0], T0, T0, &full));
  g_assert_true (imps_mikey_replay_insert (c, d[1], T0 + S (100), T0 + S (100), &full));
  g_assert_true (imps_mikey_replay_insert (c, d[2], T0 + S (200), T0 + S (200), &full));
  g_assert_false (imps_mikey_replay_insert (c, d[3], T0 + S (250), T0 + S (250), &full));
  g_assert_true (full);
  g_assert_true (imps_mikey_replay_contains (c, d[0], T0 + S (250))); /* nothing evicted */
  /* at T0 + 300 the first entry expires and the new one fits */
  g_assert_true (imps_mikey_replay_insert (c, d[3], T0 + S (250), T0 + S (300), &full));
  g_assert_false (full);
  g_assert_false (imps_mikey_replay_contains (c, d[0], T0 + S (300)));
  g_assert_cmpuint (imps_mikey_replay_size (c), ==, 3);
}

/* computed by this project: entries with T out of order expire exactly at
 * their own T + skew (the heap), checked against a brute-force model. */
static void
test_replay_order (void)
{
  g_autoptr (ImpsMikeyReplay) c = imps_mikey_replay_new (1000, 300);
  guint64 ts[500];
  guint8 d[500][32];
  GRand *r = g_rand_new_with_seed (42);

  for (guint i = 0; i < 500; i++)
    {
      guint32 m = i;
      ts[i] = T0 + S (g_rand_int_range (r, 0, 600)) + g_rand_int (r);
      imps_mikey_replay_digest ((const guint8 *) &m, sizeof m, d[i]);
      g_assert_true (imps_mikey_replay_insert (c, d[i], ts[i], T0, NULL));
    }
  for (guint step = 0; step <= 1000; step += 37)
    {
      guint64 now = T0 + S (step);
      guint live = 0;
      imps_mikey_replay_expire (c, now);
      for (guint i = 0; i < 500; i++)
        {
          gboolean expect = ts[i] + S (300) > now;
          live += expect;
          g_assert_true (imps_mikey_replay_contains (c, d[i], now) == expect);
        }
      g_assert_cmpuint (imps_mikey_replay_size (c), ==, live);
    }
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mikey/keys/prf-cross-check", test_prf_cross_check);
  g_test_add_func ("/mikey/keys/labels", test_labels);
  g_test_add_func ("/mikey/keys/kemac-iv", test_kemac_iv);
  g_test_add_func ("/mikey/keys/aes-kw-rfc3394", test_aes_kw_rfc3394);
  g_test_add_func ("/mikey/keys/kemac-round-trip", test_kemac_round_trip);
  g_test_add_func ("/mikey/keys/mac", test_mac);
  g_test_add_func ("/mikey/replay/basic", test_replay_basic);
  g_test_add_func ("/mikey/replay/full", test_replay_full);
  g_test_add_func ("/mikey/replay/order", test_replay_order);
  return g_test_run ();
}
