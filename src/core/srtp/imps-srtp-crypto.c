/* The ciphers and the MAC that libsrtp2 runs for every SRTP packet
 * (AES-CM, AES-128-GCM, HMAC-SHA1), on OpenSSL, installed with libsrtp2's public srtp_replace_cipher_type()
 * and srtp_replace_auth_type() (see imps-srtp-crypto.h).
 *
 * Why: Debian's libsrtp2 is built on NSS, whose AES-CM makes a new PKCS#11
 * context for every packet (PK11_CreateContextBySymKey in set_iv, with its
 * allocations and locks) and whose HMAC begins a digest context per
 * packet: 28 heap allocations a packet protected and unprotected, and a
 * cost that grows with the live keys of the process (NSS's softoken keeps
 * them in lists), so a run with many calls at once paid more per call.
 *
 * AES-CM (RFC 3711 §4.1.1): the key given to init is the session key and
 * its 14-byte salt; set_iv's 16 bytes are XORed with the salt (padded with
 * two zero octets) to make the first counter block, and the keystream is
 * AES in counter mode from there (OpenSSL's CTR mode: the 16-bit block
 * counter of RFC 3711 never wraps within a packet). One EVP_CIPHER_CTX per
 * cipher, keyed once; a packet only sets its IV.
 *
 * HMAC-SHA1 (RFC 2104, RFC 3711 §4.2.1): init hashes the key's inner and
 * outer pads once (SRTP's auth keys are 20 octets; a key longer than a
 * SHA-1 block, which RFC 2104 would hash first, is refused); start copies the inner state, compute finishes it and
 * runs the outer hash from its copy. The states are plain SHA_CTX values,
 * so copying one is an assignment. This is the one file of impsim built
 * against OpenSSL's deprecated API (the project builds with
 * OPENSSL_NO_DEPRECATED): SHA1_Init, SHA1_Update and SHA1_Final. Every EVP
 * way of starting a digest or a MAC again (EVP_DigestInit_ex2,
 * EVP_MD_CTX_copy_ex, EVP_MAC_init with the same key) allocates in
 * OpenSSL 3.0, two allocations a packet's HMAC, and took 2.3 times as long
 * (measured with OpenSSL 3.0 here: 414 against 184 ns for an HMAC over a
 * 172-byte packet).
 *
 * AEAD_AES_128_GCM (RFC 7714): libsrtp2 hands the cipher the 12-byte IV
 * it made from the salt, the header (and SRTCP's trailer) as AAD, then the
 * payload; encrypt and get_tag, or decrypt with the tag after the
 * ciphertext. One EVP_CIPHER_CTX keyed once; a packet sets its IV and
 * direction. Tags of 16 octets (the profile's suite) and of 8 (libsrtp2's
 * own known answers for the type it replaces, which it runs on the new
 * one, have them). AES-256-GCM (no suite of the profile) stays on
 * libsrtp2's own backend.
 *
 * Replacing a type, libsrtp2 runs the new type's known answers (below)
 * and those of the type it replaces: both must pass. */
#undef OPENSSL_NO_DEPRECATED
#undef OPENSSL_API_COMPAT
#define OPENSSL_API_COMPAT 10101
#define OPENSSL_SUPPRESS_DEPRECATED

#include "srtp/imps-srtp-crypto.h"

#include "imps-secret.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>
#include <string.h>

/* ---- one keyed OpenSSL context per cipher ---- */

/* The state of an AES-CM or AES-GCM cipher. */
typedef struct {
  EVP_CIPHER_CTX *ctx;
  guint key_size;            /* 16 or 32 */
  guint8 salt[16];           /* AES-CM: the 14-byte salt, two zero octets after it */
  int tag_len;               /* GCM: 16 or 8 */
  srtp_cipher_direction_t dir; /* GCM: the packet's, from set_iv */
} CipherState;

/* A cipher of @type (libsrtp2 frees it with the type's dealloc). */
static srtp_err_status_t
cipher_new (const srtp_cipher_type_t *type, int key_len, guint key_size, int tag_len,
            srtp_cipher_pointer_t *cp)
{
  CipherState *st = g_new0 (CipherState, 1);
  st->ctx = EVP_CIPHER_CTX_new ();
  if (st->ctx == NULL)
    {
      g_free (st);
      return srtp_err_status_alloc_fail;
    }
  st->key_size = key_size;
  st->tag_len = tag_len;
  st->dir = srtp_direction_any;
  srtp_cipher_t *c = g_new0 (srtp_cipher_t, 1);
  c->type = type;
  c->state = st;
  c->key_len = key_len;
  c->algorithm = type->id;
  *cp = c;
  return srtp_err_status_ok;
}

static srtp_err_status_t
cipher_dealloc (srtp_cipher_pointer_t c)
{
  if (c == NULL)
    return srtp_err_status_bad_param;
  CipherState *st = c->state;
  if (st)
    {
      EVP_CIPHER_CTX_free (st->ctx);
      imps_wipe (st, sizeof *st);
      g_free (st);
    }
  g_free (c);
  return srtp_err_status_ok;
}

/* ---- AES-CM ---- */

static const srtp_cipher_type_t icm_128_type;
static const srtp_cipher_type_t icm_256_type;

/* OpenSSL's AES-CTR, fetched once: a fetch per key costs a lock and a
 * lookup in the provider's tables. */
static EVP_CIPHER *ctr_128, *ctr_256;

static srtp_err_status_t
icm_alloc (srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  switch (key_len)
    {
    case SRTP_AES_ICM_128_KEY_LEN_WSALT:
      return cipher_new (&icm_128_type, key_len, SRTP_AES_128_KEY_LEN, 0, cp);
    case SRTP_AES_ICM_256_KEY_LEN_WSALT:
      return cipher_new (&icm_256_type, key_len, SRTP_AES_256_KEY_LEN, 0, cp);
    default:
      return srtp_err_status_bad_param;
    }
}

static srtp_err_status_t
icm_init (void *state, const uint8_t *key)
{
  CipherState *st = state;
  memset (st->salt, 0, sizeof st->salt);
  memcpy (st->salt, key + st->key_size, SRTP_SALT_LEN);
  EVP_CIPHER *cipher = st->key_size == SRTP_AES_256_KEY_LEN ? ctr_256 : ctr_128;
  if (!EVP_EncryptInit_ex2 (st->ctx, cipher, key, NULL, NULL))
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
icm_set_iv (void *state, uint8_t *iv, srtp_cipher_direction_t direction)
{
  CipherState *st = state;
  guint8 counter[16];   /* holds the salt: wiped */
  for (guint i = 0; i < 16; i++)
    counter[i] = st->salt[i] ^ iv[i];
  gboolean ok = EVP_EncryptInit_ex2 (st->ctx, NULL, NULL, counter, NULL);
  imps_wipe (counter, sizeof counter);
  return ok ? srtp_err_status_ok : srtp_err_status_fail;
}

/* Encryption and decryption are the same XOR with the keystream. */
static srtp_err_status_t
icm_crypt (void *state, uint8_t *buffer, unsigned int *octets)
{
  CipherState *st = state;
  int out = 0;
  if (*octets > G_MAXINT || !EVP_EncryptUpdate (st->ctx, buffer, &out, buffer, (int) *octets))
    return srtp_err_status_cipher_fail;
  return srtp_err_status_ok;
}

/* libsrtp2 runs a type's known answers when it is installed. RFC 3711
 * App. B.2 (mikey-ticket.md §15): session key 2B7E..3C, salt F0F1..FD,
 * index 0; the keystream over zeros. */
static const uint8_t icm_128_key[30] = {
  0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
  0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static uint8_t icm_zero_index[16];
static const uint8_t icm_zeros[48];
static const uint8_t icm_128_keystream[32] = {
  0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
  0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
static const srtp_cipher_test_case_t icm_128_test = {
  30, icm_128_key, icm_zero_index, 32, icm_zeros, 32, icm_128_keystream, 0, NULL, 0, NULL,
};

/* RFC 6188 §7.1 (AES-256 in counter mode, as tests/srtp checks it). */
static const uint8_t icm_256_key[46] = {
  0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70, 0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
  0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82, 0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
  0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm_256_keystream[48] = {
  0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25, 0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
  0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6, 0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
  0x63, 0xc4, 0x86, 0x8b, 0x70, 0x96, 0xd8, 0x84, 0x21, 0xb5, 0x63, 0xb8, 0xc9, 0x4c, 0x9a, 0x31,
};
static const srtp_cipher_test_case_t icm_256_test = {
  46, icm_256_key, icm_zero_index, 48, icm_zeros, 48, icm_256_keystream, 0, NULL, 0, NULL,
};

static const srtp_cipher_type_t icm_128_type = {
  icm_alloc, cipher_dealloc, icm_init, NULL, icm_crypt, icm_crypt, icm_set_iv, NULL,
  "AES-128 counter mode (impsim, OpenSSL)", &icm_128_test, SRTP_AES_ICM_128,
};

static const srtp_cipher_type_t icm_256_type = {
  icm_alloc, cipher_dealloc, icm_init, NULL, icm_crypt, icm_crypt, icm_set_iv, NULL,
  "AES-256 counter mode (impsim, OpenSSL)", &icm_256_test, SRTP_AES_ICM_256,
};

/* ---- AES-128-GCM ---- */

#define GCM_TAG_LEN 16

static const srtp_cipher_type_t gcm_128_type;
static EVP_CIPHER *gcm_128;

static srtp_err_status_t
gcm_alloc (srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  if (key_len != SRTP_AES_GCM_128_KEY_LEN_WSALT || (tag_len != GCM_TAG_LEN && tag_len != 8))
    return srtp_err_status_bad_param;
  return cipher_new (&gcm_128_type, key_len, SRTP_AES_128_KEY_LEN, tag_len, cp);
}

/* The key only: the salt went into the IV libsrtp2 gives set_iv. */
static srtp_err_status_t
gcm_init (void *state, const uint8_t *key)
{
  CipherState *st = state;
  st->dir = srtp_direction_any;
  if (!EVP_CipherInit_ex2 (st->ctx, gcm_128, key, NULL, 1, NULL))
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_iv (void *state, uint8_t *iv, srtp_cipher_direction_t direction)
{
  CipherState *st = state;
  if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  st->dir = direction;
  if (!EVP_CipherInit_ex2 (st->ctx, NULL, NULL, iv, direction == srtp_direction_encrypt, NULL))
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_aad (void *state, const uint8_t *aad, uint32_t len)
{
  CipherState *st = state;
  int out = 0;
  if (st->dir == srtp_direction_any || len > G_MAXINT
      || !EVP_CipherUpdate (st->ctx, NULL, &out, aad, (int) len))
    return srtp_err_status_algo_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_encrypt (void *state, uint8_t *buffer, unsigned int *octets)
{
  CipherState *st = state;
  int out = 0;
  if (st->dir != srtp_direction_encrypt || *octets > G_MAXINT
      || !EVP_CipherUpdate (st->ctx, buffer, &out, buffer, (int) *octets))
    return srtp_err_status_cipher_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_get_tag (void *state, uint8_t *tag, uint32_t *len)
{
  CipherState *st = state;
  guint8 none[GCM_TAG_LEN];
  int out = 0;
  if (st->dir != srtp_direction_encrypt || !EVP_CipherFinal_ex (st->ctx, none, &out)
      || !EVP_CIPHER_CTX_ctrl (st->ctx, EVP_CTRL_AEAD_GET_TAG, st->tag_len, tag))
    return srtp_err_status_algo_fail;
  *len = (uint32_t) st->tag_len;
  return srtp_err_status_ok;
}

/* @octets counts the ciphertext and the tag after it; on return the
 * plaintext only. A tag that does not match: auth_fail. */
static srtp_err_status_t
gcm_decrypt (void *state, uint8_t *buffer, unsigned int *octets)
{
  CipherState *st = state;
  guint8 none[GCM_TAG_LEN];
  int out = 0;
  if (st->dir != srtp_direction_decrypt || *octets < (unsigned int) st->tag_len
      || *octets > G_MAXINT)
    return srtp_err_status_bad_param;
  int data = (int) *octets - st->tag_len;
  if (!EVP_CipherUpdate (st->ctx, buffer, &out, buffer, data)
      || !EVP_CIPHER_CTX_ctrl (st->ctx, EVP_CTRL_AEAD_SET_TAG, st->tag_len, buffer + data))
    return srtp_err_status_cipher_fail;
  if (EVP_CipherFinal_ex (st->ctx, none, &out) <= 0)
    return srtp_err_status_auth_fail;
  *octets = (unsigned int) data;
  return srtp_err_status_ok;
}

/* RFC 7714 §16.1.1 (as tests/srtp checks it): key 0001..0f, the IV made
 * from salt 5175..6f, SSRC 5501a0b2, ROC 0 and SEQ f17b; the RTP header as
 * AAD; the ciphertext with its 16-octet tag. */
static const uint8_t gcm_128_key[28] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
  0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f,
};
static uint8_t gcm_128_iv[12] = {
  0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f, 0x20, 0x71, 0x84, 0x14,
};
static const uint8_t gcm_128_aad[12] = {
  0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3, 0x55, 0x01, 0xa0, 0xb2,
};
static const uint8_t gcm_128_plain[38] = {
  0x47, 0x61, 0x6c, 0x6c, 0x69, 0x61, 0x20, 0x65, 0x73, 0x74, 0x20, 0x6f, 0x6d,
  0x6e, 0x69, 0x73, 0x20, 0x64, 0x69, 0x76, 0x69, 0x73, 0x61, 0x20, 0x69, 0x6e,
  0x20, 0x70, 0x61, 0x72, 0x74, 0x65, 0x73, 0x20, 0x74, 0x72, 0x65, 0x73,
};
static const uint8_t gcm_128_cipher[54] = {
  0xf2, 0x4d, 0xe3, 0xa3, 0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86, 0x1c, 0x9d, 0x7e,
  0x4b, 0xca, 0xbe, 0x63, 0x3b, 0xd5, 0x0d, 0x29, 0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a,
  0x51, 0xc7, 0xd1, 0x9b, 0x36, 0xde, 0x3a, 0xdf, 0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27,
  0xbe, 0xb1, 0x6a, 0x91, 0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39, 0x0c, 0xce,
};
static const srtp_cipher_test_case_t gcm_128_test = {
  28, gcm_128_key, gcm_128_iv, 38, gcm_128_plain, 54, gcm_128_cipher, 12, gcm_128_aad, 16, NULL,
};

static const srtp_cipher_type_t gcm_128_type = {
  gcm_alloc, cipher_dealloc, gcm_init, gcm_set_aad, gcm_encrypt, gcm_decrypt, gcm_set_iv,
  gcm_get_tag, "AES-128 GCM (impsim, OpenSSL)", &gcm_128_test, SRTP_AES_GCM_128,
};

/* ---- HMAC-SHA1 ---- */

#define SHA1_BLOCK 64
#define SHA1_LEN 20

typedef struct {
  SHA_CTX inner;             /* after the key XOR ipad block */
  SHA_CTX outer;             /* after the key XOR opad block */
  SHA_CTX work;              /* the message in progress */
} HmacState;

static const srtp_auth_type_t hmac_type;

static srtp_err_status_t
hmac_alloc (srtp_auth_pointer_t *ap, int key_len, int out_len)
{
  if (out_len < 0 || out_len > SHA1_LEN || key_len < 0 || key_len > SHA1_BLOCK)
    return srtp_err_status_bad_param;
  srtp_auth_t *a = g_new0 (srtp_auth_t, 1);
  a->type = &hmac_type;
  a->state = g_new0 (HmacState, 1);
  a->out_len = out_len;
  a->key_len = key_len;
  a->prefix_len = 0;
  *ap = a;
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_dealloc (srtp_auth_pointer_t a)
{
  if (a->state)
    {
      imps_wipe (a->state, sizeof (HmacState));
      g_free (a->state);
    }
  g_free (a);
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_init (void *state, const uint8_t *key, int key_len)
{
  HmacState *st = state;
  guint8 block[SHA1_BLOCK] = { 0 }, pad[SHA1_BLOCK];
  if (key_len < 0 || key_len > SHA1_BLOCK)
    return srtp_err_status_bad_param;
  memcpy (block, key, (size_t) key_len);
  for (guint i = 0; i < SHA1_BLOCK; i++)
    pad[i] = block[i] ^ 0x36;
  SHA1_Init (&st->inner);
  SHA1_Update (&st->inner, pad, SHA1_BLOCK);
  for (guint i = 0; i < SHA1_BLOCK; i++)
    pad[i] = block[i] ^ 0x5c;
  SHA1_Init (&st->outer);
  SHA1_Update (&st->outer, pad, SHA1_BLOCK);
  st->work = st->inner;
  imps_wipe (block, sizeof block);
  imps_wipe (pad, sizeof pad);
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_start (void *state)
{
  HmacState *st = state;
  st->work = st->inner;
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_update (void *state, const uint8_t *buffer, int octets)
{
  HmacState *st = state;
  if (octets < 0)
    return srtp_err_status_bad_param;
  SHA1_Update (&st->work, buffer, (size_t) octets);
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_compute (void *state, const uint8_t *buffer, int octets, int tag_len, uint8_t *tag)
{
  HmacState *st = state;
  if (octets < 0 || tag_len < 0 || tag_len > SHA1_LEN)
    return srtp_err_status_bad_param;
  guint8 digest[SHA1_LEN];
  SHA1_Update (&st->work, buffer, (size_t) octets);
  SHA1_Final (digest, &st->work);
  SHA_CTX outer = st->outer;
  SHA1_Update (&outer, digest, SHA1_LEN);
  SHA1_Final (digest, &outer);
  memcpy (tag, digest, (size_t) tag_len);
  imps_wipe (digest, sizeof digest);
  imps_wipe (&outer, sizeof outer);
  return srtp_err_status_ok;
}

/* RFC 2202 §3, test case 1: key 20 octets of 0x0b, "Hi There" (a
 * published vector outside the project's digests; /srtp/hmac-sha1-vector
 * checks it against OpenSSL's own HMAC). */
static const uint8_t hmac_test_key[20] = {
  0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
  0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_test_data[8] = { 'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e' };
static const uint8_t hmac_test_tag[20] = {
  0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
  0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t hmac_test = {
  20, hmac_test_key, 8, hmac_test_data, 20, hmac_test_tag, NULL,
};

static const srtp_auth_type_t hmac_type = {
  hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update, hmac_start,
  "HMAC-SHA1 (impsim, OpenSSL)", &hmac_test, SRTP_HMAC_SHA1,
};

/* ---- installing them ---- */

gboolean
imps_srtp_crypto_install (int *status)
{
  ctr_128 = EVP_CIPHER_fetch (NULL, "AES-128-CTR", NULL);
  ctr_256 = EVP_CIPHER_fetch (NULL, "AES-256-CTR", NULL);
  gcm_128 = EVP_CIPHER_fetch (NULL, "AES-128-GCM", NULL);
  int st = srtp_err_status_fail;
  if (ctr_128 && ctr_256 && gcm_128
      && (st = srtp_replace_cipher_type (&icm_128_type, SRTP_AES_ICM_128)) == srtp_err_status_ok
      && (st = srtp_replace_cipher_type (&icm_256_type, SRTP_AES_ICM_256)) == srtp_err_status_ok
      && (st = srtp_replace_cipher_type (&gcm_128_type, SRTP_AES_GCM_128)) == srtp_err_status_ok
      && (st = srtp_replace_auth_type (&hmac_type, SRTP_HMAC_SHA1)) == srtp_err_status_ok)
    return TRUE;
  *status = st;
  return FALSE;
}
