#include "imps-crypto.h"
#include "imps-secret.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <string.h>

struct _ImpsAes {
  EVP_CIPHER_CTX *ctx;
};

gsize
imps_hash_len (ImpsHash hash)
{
  switch (hash)
    {
    case IMPS_HASH_MD5:
      return 16;
    case IMPS_HASH_SHA1:
      return 20;
    case IMPS_HASH_SHA256:
      return 32;
    }
  g_return_val_if_reached (0);
}

static const gchar *
hash_name (ImpsHash hash)
{
  switch (hash)
    {
    case IMPS_HASH_MD5:
      return "MD5";
    case IMPS_HASH_SHA1:
      return "SHA1";
    case IMPS_HASH_SHA256:
      return "SHA256";
    }
  g_return_val_if_reached (NULL);
}

/* Fetching an algorithm in OpenSSL 3 costs a lock and a lookup; do it once. */
static EVP_MD *
get_md (ImpsHash hash)
{
  static EVP_MD *mds[3];
  static gsize once[3];
  g_return_val_if_fail ((guint) hash < 3, NULL);
  if (g_once_init_enter (&once[hash]))
    {
      mds[hash] = EVP_MD_fetch (NULL, hash_name (hash), NULL);
      if (mds[hash] == NULL)
        g_error ("OpenSSL has no %s", hash_name (hash));
      g_once_init_leave (&once[hash], 1);
    }
  return mds[hash];
}

static EVP_MAC *
get_hmac (void)
{
  static EVP_MAC *mac;
  static gsize once;
  if (g_once_init_enter (&once))
    {
      mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
      if (mac == NULL)
        g_error ("OpenSSL has no HMAC");
      g_once_init_leave (&once, 1);
    }
  return mac;
}

static const EVP_CIPHER *
get_cipher (const gchar *mode, gsize key_len)
{
  static EVP_CIPHER *ciphers[2][3];
  static gsize once;
  if (g_once_init_enter (&once))
    {
      static const gchar *names[2][3] = {
        { "AES-128-ECB", "AES-192-ECB", "AES-256-ECB" },
        { "AES-128-CTR", "AES-192-CTR", "AES-256-CTR" },
      };
      for (guint m = 0; m < 2; m++)
        for (guint k = 0; k < 3; k++)
          {
            ciphers[m][k] = EVP_CIPHER_fetch (NULL, names[m][k], NULL);
            if (ciphers[m][k] == NULL)
              g_error ("OpenSSL has no %s", names[m][k]);
          }
      g_once_init_leave (&once, 1);
    }
  guint m = g_str_equal (mode, "ctr") ? 1 : 0;
  switch (key_len)
    {
    case 16:
      return ciphers[m][0];
    case 24:
      return ciphers[m][1];
    case 32:
      return ciphers[m][2];
    default:
      g_return_val_if_reached (NULL);
    }
}

/* Each thread keeps one digest context per hash, initialised and ready:
 * making and freeing a context per digest cost more than a short digest
 * itself. After each digest the context is initialised again at once, so
 * that no state of a finished digest (such as an H(A1)) stays in it. */
typedef struct {
  EVP_MD_CTX *ctx[3];
} DigestContexts;

static gint digest_contexts_made;

static void
digest_contexts_free (gpointer data)
{
  DigestContexts *dc = data;
  for (guint i = 0; i < G_N_ELEMENTS (dc->ctx); i++)
    EVP_MD_CTX_free (dc->ctx[i]);
  g_free (dc);
}

static GPrivate digest_contexts = G_PRIVATE_INIT (digest_contexts_free);

static EVP_MD_CTX *
digest_context (ImpsHash hash)
{
  DigestContexts *dc = g_private_get (&digest_contexts);
  if (dc == NULL)
    {
      dc = g_new0 (DigestContexts, 1);
      g_private_set (&digest_contexts, dc);
    }
  if (dc->ctx[hash] == NULL)
    {
      dc->ctx[hash] = EVP_MD_CTX_new ();
      if (dc->ctx[hash] == NULL || !EVP_DigestInit_ex2 (dc->ctx[hash], get_md (hash), NULL))
        g_error ("EVP_DigestInit failed");
      g_atomic_int_inc (&digest_contexts_made);
    }
  return dc->ctx[hash];
}

guint
imps_crypto_digest_contexts_made (void)
{
  return (guint) g_atomic_int_get (&digest_contexts_made);
}

void
imps_digest_iov (ImpsHash hash, const ImpsIovec *iov, gsize n, guint8 *out)
{
  g_return_if_fail ((guint) hash < 3);
  EVP_MD_CTX *ctx = digest_context (hash);
  unsigned int outlen = 0;
  /* Short inputs in pieces (Digest's "a:b:c") go in as one update: each
   * update passes through OpenSSL's provider dispatch. */
  guint8 joined[256];
  gsize total = 0;
  for (gsize i = 0; i < n && total <= sizeof joined; i++)
    total += iov[i].len;
  if (n > 1 && total <= sizeof joined)
    {
      gsize at = 0;
      for (gsize i = 0; i < n; i++)
        if (iov[i].len > 0)
          {
            memcpy (joined + at, iov[i].data, iov[i].len);
            at += iov[i].len;
          }
      EVP_DigestUpdate (ctx, joined, at);
      imps_wipe (joined, at);
    }
  else
    for (gsize i = 0; i < n; i++)
      if (iov[i].len > 0)
        EVP_DigestUpdate (ctx, iov[i].data, iov[i].len);
  if (!EVP_DigestFinal_ex (ctx, out, &outlen) || !EVP_DigestInit_ex2 (ctx, get_md (hash), NULL))
    g_error ("EVP_DigestFinal failed");
}

void
imps_digest (ImpsHash hash, const guint8 *data, gsize len, guint8 *out)
{
  ImpsIovec iov = { data, len };
  imps_digest_iov (hash, &iov, 1, out);
}

/* One HMAC context per hash with its digest already set: duplicating it is
 * much cheaper than naming the digest again, which makes OpenSSL look the
 * algorithm up by name on every call. Read-only after creation. */
static const EVP_MAC_CTX *
get_hmac_template (ImpsHash hash)
{
  static EVP_MAC_CTX *templates[3];
  static gsize once[3];
  g_return_val_if_fail ((guint) hash < 3, NULL);
  if (g_once_init_enter (&once[hash]))
    {
      OSSL_PARAM params[2];
      params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
                                                    (char *) hash_name (hash), 0);
      params[1] = OSSL_PARAM_construct_end ();
      templates[hash] = EVP_MAC_CTX_new (get_hmac ());
      if (templates[hash] == NULL || !EVP_MAC_CTX_set_params (templates[hash], params))
        g_error ("cannot set up HMAC-%s", hash_name (hash));
      g_once_init_leave (&once[hash], 1);
    }
  return templates[hash];
}

void
imps_hmac_iov (ImpsHash hash, const guint8 *key, gsize key_len,
               const ImpsIovec *iov, gsize n, guint8 *out)
{
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup (get_hmac_template (hash));
  gsize outlen = 0;
  static const guint8 empty_key[1] = { 0 };

  /* OpenSSL refuses a NULL key; an empty key is a valid HMAC key. */
  if (ctx == NULL
      || !EVP_MAC_init (ctx, key_len > 0 ? key : empty_key, key_len, NULL))
    g_error ("EVP_MAC_init failed");
  for (gsize i = 0; i < n; i++)
    if (iov[i].len > 0)
      EVP_MAC_update (ctx, iov[i].data, iov[i].len);
  EVP_MAC_final (ctx, out, &outlen, IMPS_HASH_MAX_LEN);
  EVP_MAC_CTX_free (ctx);
}

void
imps_hmac (ImpsHash hash, const guint8 *key, gsize key_len,
           const guint8 *data, gsize len, guint8 *out)
{
  ImpsIovec iov = { data, len };
  imps_hmac_iov (hash, key, key_len, &iov, 1, out);
}

ImpsAes *
imps_aes_new (const guint8 *key, gsize key_len)
{
  ImpsAes *aes = g_new0 (ImpsAes, 1);
  aes->ctx = EVP_CIPHER_CTX_new ();
  if (aes->ctx == NULL
      || !EVP_EncryptInit_ex2 (aes->ctx, get_cipher ("ecb", key_len), key,
                               NULL, NULL))
    g_error ("EVP_EncryptInit failed");
  EVP_CIPHER_CTX_set_padding (aes->ctx, 0);
  return aes;
}

void
imps_aes_encrypt_block (ImpsAes *aes, const guint8 in[16], guint8 out[16])
{
  int outl = 0;
  if (!EVP_EncryptUpdate (aes->ctx, out, &outl, in, 16) || outl != 16)
    g_error ("AES block encryption failed");
}

void
imps_aes_free (ImpsAes *aes)
{
  if (aes == NULL)
    return;
  EVP_CIPHER_CTX_free (aes->ctx); /* wipes the key schedule */
  g_free (aes);
}

void
imps_aes_ctr (const guint8 *key, gsize key_len, const guint8 iv[16],
              const guint8 *in, guint8 *out, gsize len)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int outl = 0;

  if (ctx == NULL
      || !EVP_EncryptInit_ex2 (ctx, get_cipher ("ctr", key_len), key, iv, NULL))
    g_error ("EVP_EncryptInit (CTR) failed");
  if (len > 0 && (!EVP_EncryptUpdate (ctx, out, &outl, in, (int) len)
                  || (gsize) outl != len))
    g_error ("AES-CTR failed");
  EVP_CIPHER_CTX_free (ctx);
}

static gboolean
key_wrap (gboolean enc, const guint8 *kek, gsize kek_len,
          const guint8 *in, gsize len, guint8 *out)
{
  const gchar *name = kek_len == 16 ? "AES-128-WRAP"
                      : kek_len == 24 ? "AES-192-WRAP" : "AES-256-WRAP";
  EVP_CIPHER *cipher = EVP_CIPHER_fetch (NULL, name, NULL);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int outl = 0, finl = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (kek_len == 16 || kek_len == 24 || kek_len == 32, FALSE);
  if (cipher == NULL || ctx == NULL)
    g_error ("OpenSSL has no %s", name);
  if (len % 8 != 0 || len < (enc ? 16u : 24u))
    goto out;
  if (enc)
    ok = EVP_EncryptInit_ex2 (ctx, cipher, kek, NULL, NULL)
         && EVP_EncryptUpdate (ctx, out, &outl, in, (int) len)
         && EVP_EncryptFinal_ex (ctx, out + outl, &finl);
  else
    ok = EVP_DecryptInit_ex2 (ctx, cipher, kek, NULL, NULL)
         && EVP_DecryptUpdate (ctx, out, &outl, in, (int) len)
         && EVP_DecryptFinal_ex (ctx, out + outl, &finl);
out:
  EVP_CIPHER_CTX_free (ctx);
  EVP_CIPHER_free (cipher);
  return ok;
}

gboolean
imps_aes_key_wrap (const guint8 *kek, gsize kek_len,
                   const guint8 *in, gsize len, guint8 *out)
{
  return key_wrap (TRUE, kek, kek_len, in, len, out);
}

gboolean
imps_aes_key_unwrap (const guint8 *kek, gsize kek_len,
                     const guint8 *in, gsize len, guint8 *out)
{
  return key_wrap (FALSE, kek, kek_len, in, len, out);
}
