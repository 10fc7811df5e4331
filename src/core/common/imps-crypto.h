/* Thin wrappers over OpenSSL 3 (libcrypto) for the primitives impsim uses.
 *
 * The fetched algorithm objects are cached once per process (read-only after
 * that); each thread keeps one digest context per hash; everything else is
 * per call or per context.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  IMPS_HASH_MD5,
  IMPS_HASH_SHA1,
  IMPS_HASH_SHA256,
} ImpsHash;

#define IMPS_HASH_MAX_LEN 32

gsize imps_hash_len (ImpsHash hash);

typedef struct {
  const guint8 *data;
  gsize len;
} ImpsIovec;

/* out receives imps_hash_len(hash) bytes. */
void imps_digest (ImpsHash hash, const guint8 *data, gsize len, guint8 *out);
void imps_digest_iov (ImpsHash hash, const ImpsIovec *iov, gsize n, guint8 *out);
/* Digest contexts made so far in the process: each thread makes one per
 * hash on its first digest and keeps it. */
guint imps_crypto_digest_contexts_made (void);
void imps_hmac (ImpsHash hash, const guint8 *key, gsize key_len,
                const guint8 *data, gsize len, guint8 *out);
void imps_hmac_iov (ImpsHash hash, const guint8 *key, gsize key_len,
                    const ImpsIovec *iov, gsize n, guint8 *out);

/* AES with a prepared key schedule, for algorithms built on single blocks
 * (Milenage, AES-CM key streams). Key length 16, 24 or 32 bytes. */
typedef struct _ImpsAes ImpsAes;

ImpsAes *imps_aes_new (const guint8 *key, gsize key_len);
void imps_aes_encrypt_block (ImpsAes *aes, const guint8 in[16], guint8 out[16]);
void imps_aes_free (ImpsAes *aes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAes, imps_aes_free)

/* AES counter mode over @len bytes: the 16-byte @iv is the first counter
 * block, incremented as a 128-bit big-endian integer. @in and @out may be
 * the same buffer. */
void imps_aes_ctr (const guint8 *key, gsize key_len, const guint8 iv[16],
                   const guint8 *in, guint8 *out, gsize len);

/* AES key wrap (RFC 3394, default IV). @out receives len+8 bytes on wrap,
 * len-8 on unwrap. Unwrap returns FALSE when the integrity check fails. */
gboolean imps_aes_key_wrap (const guint8 *kek, gsize kek_len,
                            const guint8 *in, gsize len, guint8 *out);
gboolean imps_aes_key_unwrap (const guint8 *kek, gsize kek_len,
                              const guint8 *in, gsize len, guint8 *out);

G_END_DECLS
