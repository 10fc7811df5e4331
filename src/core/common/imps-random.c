#include "imps-random.h"
#include "imps-crypto.h"
#include "imps-secret.h"

#include <openssl/rand.h>
#include <string.h>

typedef enum {
  KIND_SYSTEM,
  KIND_SEEDED,
  KIND_FIXED,
} Kind;

struct _ImpsRandom {
  Kind kind;
  /* seeded */
  ImpsAes *aes;
  guint8 counter[16];
  guint8 block[16];
  guint block_used;
  guint8 key[16];
  /* fixed */
  guint8 *fixed;
  gsize fixed_len;
  gsize fixed_pos;
};

ImpsRandom *
imps_random_new_system (void)
{
  ImpsRandom *r = g_new0 (ImpsRandom, 1);
  r->kind = KIND_SYSTEM;
  return r;
}

static ImpsRandom *
new_seeded_from_key (const guint8 key[16])
{
  ImpsRandom *r = g_new0 (ImpsRandom, 1);
  r->kind = KIND_SEEDED;
  memcpy (r->key, key, 16);
  /* the AES context (about 1 KiB) comes with the first draw: many sources
   * (each UE's Ua source, say) are made long before they are used, or
   * never used */
  r->block_used = 16;
  return r;
}

ImpsRandom *
imps_random_new_seeded (guint64 seed)
{
  guint8 in[13 + 8];
  guint8 digest[32];

  memcpy (in, "impsim-random", 13);
  for (guint i = 0; i < 8; i++)
    in[13 + i] = (guint8) (seed >> (56 - 8 * i));
  imps_digest (IMPS_HASH_SHA256, in, sizeof in, digest);
  ImpsRandom *r = new_seeded_from_key (digest);
  imps_wipe (digest, sizeof digest);
  return r;
}

ImpsRandom *
imps_random_new_child (ImpsRandom *parent, const gchar *label)
{
  guint8 seed[32];
  guint8 key[32];

  imps_random_fill (parent, seed, sizeof seed);
  imps_hmac (IMPS_HASH_SHA256, seed, sizeof seed, (const guint8 *) label,
             strlen (label), key);
  ImpsRandom *r = new_seeded_from_key (key);
  imps_wipe (seed, sizeof seed);
  imps_wipe (key, sizeof key);
  return r;
}

ImpsRandom *
imps_random_new_fixed (const guint8 *data, gsize len)
{
  ImpsRandom *r = g_new0 (ImpsRandom, 1);
  r->kind = KIND_FIXED;
  r->fixed = g_memdup2 (data, len);
  r->fixed_len = len;
  return r;
}

static void
counter_inc (guint8 c[16])
{
  for (gint i = 15; i >= 0; i--)
    if (++c[i] != 0)
      break;
}

void
imps_random_fill (ImpsRandom *rnd, guint8 *buf, gsize len)
{
  g_return_if_fail (rnd != NULL);

  switch (rnd->kind)
    {
    case KIND_SYSTEM:
      if (len > 0 && RAND_bytes (buf, (int) len) != 1)
        g_error ("RAND_bytes failed");
      return;
    case KIND_FIXED:
      if (len > rnd->fixed_len - rnd->fixed_pos)
        g_error ("fixed random source exhausted: %zu bytes asked, %zu left",
                 len, rnd->fixed_len - rnd->fixed_pos);
      memcpy (buf, rnd->fixed + rnd->fixed_pos, len);
      rnd->fixed_pos += len;
      return;
    case KIND_SEEDED:
      for (gsize i = 0; i < len; i++)
        {
          if (rnd->block_used == 16)
            {
              if (rnd->aes == NULL)
                rnd->aes = imps_aes_new (rnd->key, 16);
              imps_aes_encrypt_block (rnd->aes, rnd->counter, rnd->block);
              counter_inc (rnd->counter);
              rnd->block_used = 0;
            }
          buf[i] = rnd->block[rnd->block_used++];
        }
      return;
    }
}

guint32
imps_random_u32 (ImpsRandom *rnd)
{
  guint8 b[4];
  imps_random_fill (rnd, b, 4);
  return ((guint32) b[0] << 24) | ((guint32) b[1] << 16) | ((guint32) b[2] << 8) | b[3];
}

guint32
imps_random_uniform (ImpsRandom *rnd, guint32 bound)
{
  g_return_val_if_fail (bound > 0, 0);
  guint32 limit = G_MAXUINT32 - (G_MAXUINT32 % bound);
  guint32 v;
  do
    v = imps_random_u32 (rnd);
  while (v >= limit);
  return v % bound;
}

void
imps_random_free (ImpsRandom *rnd)
{
  if (rnd == NULL)
    return;
  imps_aes_free (rnd->aes);
  imps_wipe (rnd->key, sizeof rnd->key);
  imps_wipe (rnd->block, sizeof rnd->block);
  imps_wipe_free (rnd->fixed, rnd->fixed_len);
  g_free (rnd);
}
