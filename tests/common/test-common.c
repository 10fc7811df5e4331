/* Tests of the shared core helpers: hex, bounded reader, crypto wrappers,
 * random sources. Crypto vectors are the published ones named per case. */
#include "imps-bytes.h"
#include "imps-crypto.h"
#include "imps-hex.h"
#include "imps-random.h"
#include "imps-secret.h"
#include "imps-test.h"

#include <string.h>

static void
test_hex (void)
{
  g_autoptr (GError) error = NULL;
  guint8 buf[4];
  guint8 *dyn = NULL;
  gsize n = 0;

  g_assert_true (imps_hex_decode_fixed ("0xDEad:be ef", buf, 4, &error));
  g_assert_no_error (error);
  imps_assert_hex (buf, 4, "deadbeef");

  g_assert_false (imps_hex_decode_fixed ("deadbe", buf, 4, &error));
  g_assert_error (error, IMPS_HEX_ERROR, IMPS_HEX_ERROR_LENGTH);
  g_clear_error (&error);
  g_assert_false (imps_hex_decode ("abc", &dyn, &n, &error));
  g_assert_error (error, IMPS_HEX_ERROR, IMPS_HEX_ERROR_LENGTH);
  g_clear_error (&error);
  g_assert_false (imps_hex_decode ("zz", &dyn, &n, &error));
  g_assert_error (error, IMPS_HEX_ERROR, IMPS_HEX_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "position 0"));
  g_clear_error (&error);

  g_assert_true (imps_hex_decode ("", &dyn, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  g_free (dyn);
}

static void
test_reader (void)
{
  static const guint8 data[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  ImpsReader r, sub;
  guint8 u8;
  guint16 u16;
  guint32 u32;
  guint64 u64;

  imps_reader_init (&r, data, sizeof data);
  g_assert_true (imps_reader_u8 (&r, &u8));
  g_assert_cmpuint (u8, ==, 1);
  g_assert_true (imps_reader_u16 (&r, &u16));
  g_assert_cmpuint (u16, ==, 0x0203);
  g_assert_true (imps_reader_u24 (&r, &u32));
  g_assert_cmpuint (u32, ==, 0x040506);
  g_assert_false (imps_reader_u64 (&r, &u64));
  g_assert_cmpuint (imps_reader_offset (&r), ==, 6); /* unchanged on failure */
  g_assert_true (imps_reader_sub (&r, &sub, 2));
  g_assert_true (imps_reader_u16 (&sub, &u16));
  g_assert_cmpuint (u16, ==, 0x0708);
  g_assert_false (imps_reader_u8 (&sub, &u8));
  g_assert_false (imps_reader_sub (&r, &sub, 2));
  g_assert_true (imps_reader_u8 (&r, &u8));
  g_assert_cmpuint (imps_reader_remaining (&r), ==, 0);

  g_autoptr (GByteArray) b = g_byte_array_new ();
  imps_put_u8 (b, 0xaa);
  imps_put_u16 (b, 0);
  imps_put_u24 (b, 0x010203);
  imps_put_u32 (b, 0x04050607);
  imps_put_u64 (b, G_GUINT64_CONSTANT (0x08090a0b0c0d0e0f));
  imps_set_u16 (b, 1, 0xbbcc);
  imps_assert_hex (b->data, b->len, "aabbcc01020304050607" "08090a0b0c0d0e0f");
}

/* FIPS 180-2 / RFC 1321 / RFC 2202 / RFC 4231 published values. */
static void
test_hash_hmac (void)
{
  guint8 out[32];

  imps_digest (IMPS_HASH_MD5, (const guint8 *) "abc", 3, out);
  imps_assert_hex (out, 16, "900150983cd24fb0d6963f7d28e17f72");
  imps_digest (IMPS_HASH_SHA1, (const guint8 *) "abc", 3, out);
  imps_assert_hex (out, 20, "a9993e364706816aba3e25717850c26c9cd0d89d");
  imps_digest (IMPS_HASH_SHA256, (const guint8 *) "abc", 3, out);
  imps_assert_hex (out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  /* RFC 2202 test case 2 (HMAC-SHA-1) and RFC 4231 test case 2 (HMAC-SHA-256). */
  imps_hmac (IMPS_HASH_SHA1, (const guint8 *) "Jefe", 4,
             (const guint8 *) "what do ya want for nothing?", 28, out);
  imps_assert_hex (out, 20, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  imps_hmac (IMPS_HASH_SHA256, (const guint8 *) "Jefe", 4,
             (const guint8 *) "what do ya want for nothing?", 28, out);
  imps_assert_hex (out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

  /* The same through two iovecs. */
  ImpsIovec iov[2] = { { (const guint8 *) "what do ya ", 11 },
                       { (const guint8 *) "want for nothing?", 17 } };
  imps_hmac_iov (IMPS_HASH_SHA256, (const guint8 *) "Jefe", 4, iov, 2, out);
  imps_assert_hex (out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static gpointer
digest_in_thread (gpointer data)
{
  guint8 *out = data;
  imps_digest (IMPS_HASH_MD5, (const guint8 *) "abc", 3, out);
  return NULL;
}

/* Digests share one context per hash and thread: the answers stay right
 * across hashes, input shapes (pieces joined, or too long to join) and
 * threads, and no context is made per digest. */
static void
test_digest_contexts (void)
{
  guint8 out[32];
  static guint8 a300[300];
  memset (a300, 'a', sizeof a300);
  imps_digest (IMPS_HASH_SHA256, (const guint8 *) "abc", 3, out);
  imps_digest (IMPS_HASH_MD5, (const guint8 *) "abc", 3, out);
  imps_digest (IMPS_HASH_SHA1, (const guint8 *) "abc", 3, out);
  guint made = imps_crypto_digest_contexts_made ();
  for (guint i = 0; i < 100; i++)
    {
      ImpsIovec abc[] = { { (const guint8 *) "a", 1 }, { NULL, 0 }, { (const guint8 *) "bc", 2 } };
      imps_digest_iov (IMPS_HASH_MD5, abc, G_N_ELEMENTS (abc), out);
      imps_assert_hex (out, 16, "900150983cd24fb0d6963f7d28e17f72");
      ImpsIovec long_pieces[] = { { a300, 100 }, { a300, 200 } };
      imps_digest_iov (IMPS_HASH_MD5, long_pieces, G_N_ELEMENTS (long_pieces), out);
      imps_assert_hex (out, 16, "4e5475d125a33c6190718e75adc1b704");
      ImpsIovec at_bound[] = { { a300, 56 }, { a300, 200 } };
      imps_digest_iov (IMPS_HASH_SHA1, at_bound, G_N_ELEMENTS (at_bound), out);
      imps_assert_hex (out, 20, "9c78512ad150c8b5d8918395ad0e5169397d2b62");
      imps_digest (IMPS_HASH_MD5, NULL, 0, out);
      imps_assert_hex (out, 16, "d41d8cd98f00b204e9800998ecf8427e");
    }
  g_assert_cmpuint (imps_crypto_digest_contexts_made (), ==, made);

  guint8 other[16];
  GThread *t = g_thread_new ("digest", digest_in_thread, other);
  g_thread_join (t);
  imps_assert_hex (other, 16, "900150983cd24fb0d6963f7d28e17f72");
  g_assert_cmpuint (imps_crypto_digest_contexts_made (), ==, made + 1);
}

/* FIPS 197 Appendix C.1 (AES-128) and NIST SP 800-38A F.5.1 (CTR-AES128). */
static void
test_aes (void)
{
  guint8 key[16], in[16], out[64];

  imps_test_hex_into ("000102030405060708090a0b0c0d0e0f", key, 16);
  imps_test_hex_into ("00112233445566778899aabbccddeeff", in, 16);
  g_autoptr (ImpsAes) aes = imps_aes_new (key, 16);
  imps_aes_encrypt_block (aes, in, out);
  imps_assert_hex (out, 16, "69c4e0d86a7b0430d8cdb78070b4c55a");

  guint8 ctr_key[16], iv[16], pt[64];
  imps_test_hex_into ("2b7e151628aed2a6abf7158809cf4f3c", ctr_key, 16);
  imps_test_hex_into ("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
  imps_test_hex_into ("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                      pt, 64);
  imps_aes_ctr (ctr_key, 16, iv, pt, out, 64);
  imps_assert_hex (out, 64,
                   "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
                   "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
}

/* RFC 3394 §4.1: 128-bit key data with a 128-bit KEK. */
static void
test_key_wrap (void)
{
  guint8 kek[16], kd[16], wrapped[24], back[16];

  imps_test_hex_into ("000102030405060708090A0B0C0D0E0F", kek, 16);
  imps_test_hex_into ("00112233445566778899AABBCCDDEEFF", kd, 16);
  g_assert_true (imps_aes_key_wrap (kek, 16, kd, 16, wrapped));
  imps_assert_hex (wrapped, 24, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
  g_assert_true (imps_aes_key_unwrap (kek, 16, wrapped, 24, back));
  imps_assert_hex (back, 16, "00112233445566778899AABBCCDDEEFF");
  wrapped[3] ^= 1;
  g_assert_false (imps_aes_key_unwrap (kek, 16, wrapped, 24, back));
}

static void
test_random (void)
{
  guint8 a[40], b[40];

  /* Seeded sources repeat; different seeds differ. */
  g_autoptr (ImpsRandom) r1 = imps_random_new_seeded (42);
  g_autoptr (ImpsRandom) r2 = imps_random_new_seeded (42);
  g_autoptr (ImpsRandom) r3 = imps_random_new_seeded (43);
  imps_random_fill (r1, a, 7);
  imps_random_fill (r1, a + 7, 33); /* split reads give the same stream */
  imps_random_fill (r2, b, 40);
  g_assert_cmpmem (a, 40, b, 40);
  imps_random_fill (r3, b, 40);
  g_assert_false (memcmp (a, b, 40) == 0);

  /* Children of equal parents with equal labels are equal; labels separate. */
  g_autoptr (ImpsRandom) p1 = imps_random_new_seeded (7);
  g_autoptr (ImpsRandom) p2 = imps_random_new_seeded (7);
  g_autoptr (ImpsRandom) c1 = imps_random_new_child (p1, "bsf");
  g_autoptr (ImpsRandom) c2 = imps_random_new_child (p2, "bsf");
  imps_random_fill (c1, a, 16);
  imps_random_fill (c2, b, 16);
  g_assert_cmpmem (a, 16, b, 16);

  static const guint8 fixed[] = { 9, 8, 7 };
  g_autoptr (ImpsRandom) f = imps_random_new_fixed (fixed, 3);
  imps_random_fill (f, a, 3);
  g_assert_cmpmem (a, 3, fixed, 3);

  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (imps_random_uniform (r1, 7), <, 7);
}

static void
test_secret (void)
{
  static const guint8 k[] = { 1, 2, 3 };
  g_autoptr (ImpsSecret) s = imps_secret_new (k, 3);
  g_autoptr (ImpsSecret) d = imps_secret_dup (s);
  g_assert_true (imps_secret_equal (s, d));
  d->data[2] ^= 1;
  g_assert_false (imps_secret_equal (s, d));
  g_assert_true (imps_mem_equal (k, s->data, 3));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/hex", test_hex);
  g_test_add_func ("/common/reader", test_reader);
  g_test_add_func ("/common/hash-hmac", test_hash_hmac);
  g_test_add_func ("/common/digest-contexts", test_digest_contexts);
  g_test_add_func ("/common/aes", test_aes);
  g_test_add_func ("/common/key-wrap", test_key_wrap);
  g_test_add_func ("/common/random", test_random);
  g_test_add_func ("/common/secret", test_secret);
  return g_test_run ();
}
