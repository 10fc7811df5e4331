/* Milenage, TS 35.206, as written in gba.md §3. */
#include "aka/imps-milenage.h"
#include "aka/imps-milenage-private.h"

#include "imps-crypto.h"
#include "imps-secret.h"

#include <string.h>

struct _ImpsMilenage {
  ImpsAes *aes;          /* E_K: AES-128 key schedule of K, made at first use and
                          * dropped by imps_milenage_drop_cipher() */
  guint8 k[16];
  guint8 opc[16];
  /* mask[i] = rot(OPc, r_{i+1}) xor c_{i+1}, prepared once: since rot() is
   * linear, rot(TEMP xor OPc, r) xor c = rot(TEMP, r) xor mask, so each OUT
   * block costs one rotation of TEMP, one XOR and one AES block. */
  guint8 mask[5][16];
};

/* gba.md §3 constants: r_i in octets (r/8) and the last octet of c_i
 * (c_1 = 0; c_2..c_5 = 1, 2, 4, 8 in octet 15). Index 0 is OUT1. */
static const guint8 rot_octets[5] = { 8, 0, 4, 8, 12 };
static const guint8 c_last[5] = { 0x00, 0x01, 0x02, 0x04, 0x08 };

/* out = a xor b over 16 octets, two 64-bit words at a time (XOR does not
 * care about byte order). */
static inline void
xor16 (guint8 *out, const guint8 *a, const guint8 *b)
{
  guint64 a0, a1, b0, b1;
  memcpy (&a0, a, 8);
  memcpy (&a1, a + 8, 8);
  memcpy (&b0, b, 8);
  memcpy (&b1, b + 8, 8);
  a0 ^= b0;
  a1 ^= b1;
  memcpy (out, &a0, 8);
  memcpy (out + 8, &a1, 8);
}

/* rot(x, r) for r = 8 * @octets (0, 4, 8 or 12):
 * rot(x, r)[i] = x[(i + r/8) mod 16]. */
static inline void
rot16 (guint8 out[16], const guint8 in[16], guint octets)
{
  switch (octets)
    {
    case 0:
      memcpy (out, in, 16);
      break;
    case 4:
      memcpy (out, in + 4, 12);
      memcpy (out + 12, in, 4);
      break;
    case 8:
      memcpy (out, in + 8, 8);
      memcpy (out + 8, in, 8);
      break;
    case 12:
      memcpy (out, in + 12, 4);
      memcpy (out + 4, in, 12);
      break;
    default:
      for (guint i = 0; i < 16; i++)
        out[i] = in[(i + octets) & 15];
    }
}

static void
prepare_masks (ImpsMilenage *m)
{
  for (guint i = 0; i < 5; i++)
    {
      rot16 (m->mask[i], m->opc, rot_octets[i]);
      m->mask[i][15] ^= c_last[i];
    }
}

/* E_K, keyed at first use after imps_milenage_new() or a drop. */
static ImpsAes *
cipher (ImpsMilenage *m)
{
  if (m->aes == NULL)
    m->aes = imps_aes_new (m->k, 16);
  return m->aes;
}

void
imps_milenage_drop_cipher (ImpsMilenage *m)
{
  g_return_if_fail (m != NULL);
  g_clear_pointer (&m->aes, imps_aes_free);
}

gboolean
imps_milenage_has_cipher (const ImpsMilenage *m)
{
  g_return_val_if_fail (m != NULL, FALSE);
  return m->aes != NULL;
}

ImpsMilenage *
imps_milenage_new (const guint8 k[16], const guint8 opc[16])
{
  g_return_val_if_fail (k != NULL && opc != NULL, NULL);

  ImpsMilenage *m = g_new0 (ImpsMilenage, 1);
  memcpy (m->k, k, 16);
  memcpy (m->opc, opc, 16);
  prepare_masks (m);
  return m;
}

ImpsMilenage *
imps_milenage_new_from_op (const guint8 k[16], const guint8 op[16])
{
  g_return_val_if_fail (k != NULL && op != NULL, NULL);

  ImpsMilenage *m = g_new0 (ImpsMilenage, 1);
  memcpy (m->k, k, 16);
  imps_aes_encrypt_block (cipher (m), op, m->opc);
  xor16 (m->opc, m->opc, op);
  prepare_masks (m);
  return m;
}

void
imps_milenage_free (ImpsMilenage *m)
{
  if (m == NULL)
    return;
  imps_aes_free (m->aes);
  imps_wipe (m->k, sizeof m->k);
  imps_wipe (m->opc, sizeof m->opc);
  imps_wipe (m->mask, sizeof m->mask);
  g_free (m);
}

void
imps_milenage_derive_opc (const guint8 k[16], const guint8 op[16],
                          guint8 opc[16])
{
  g_autoptr (ImpsMilenage) m = imps_milenage_new_from_op (k, op);
  memcpy (opc, m->opc, 16);
}

void
imps_milenage_get_opc (const ImpsMilenage *m, guint8 opc[16])
{
  g_return_if_fail (m != NULL);
  memcpy (opc, m->opc, 16);
}

void
imps_milenage_temp (ImpsMilenage *m, const guint8 rand[16], guint8 temp[16],
                    guint8 rand_xor_opc[16], guint8 scratch[16])
{
  xor16 (scratch, rand, m->opc);
  if (rand_xor_opc)
    memcpy (rand_xor_opc, scratch, 16);
  imps_aes_encrypt_block (cipher (m), scratch, temp);
}

void
imps_milenage_out1 (ImpsMilenage *m, const guint8 temp[16],
                    const guint8 sqn[6], const guint8 amf[2], guint8 out[16],
                    guint8 scratch[16])
{
  /* IN1 = SQN || AMF || SQN || AMF (octet strings, never host integers).
   * Its halves are equal, so rot(IN1, 64) = IN1 and
   * TEMP xor rot(IN1 xor OPc, r1) xor c1 = TEMP xor IN1 xor mask[0]. */
  memcpy (scratch, sqn, 6);
  memcpy (scratch + 6, amf, 2);
  memcpy (scratch + 8, scratch, 8);
  xor16 (scratch, scratch, temp);
  xor16 (scratch, scratch, m->mask[0]);
  imps_aes_encrypt_block (cipher (m), scratch, out);
  xor16 (out, out, m->opc);
}

void
imps_milenage_outn (ImpsMilenage *m, const guint8 temp[16], guint i,
                    guint8 out[16], guint8 scratch[16])
{
  rot16 (scratch, temp, rot_octets[i - 1]);
  xor16 (scratch, scratch, m->mask[i - 1]);
  imps_aes_encrypt_block (cipher (m), scratch, out);
  xor16 (out, out, m->opc);
}

void
imps_milenage_f1 (ImpsMilenage *m, const guint8 rand[16], const guint8 sqn[6],
                  const guint8 amf[2], guint8 mac_a[8], guint8 mac_s[8])
{
  guint8 temp[16], out1[16], x[16];

  g_return_if_fail (m != NULL && rand != NULL && sqn != NULL && amf != NULL);
  imps_milenage_temp (m, rand, temp, NULL, x);
  imps_milenage_out1 (m, temp, sqn, amf, out1, x);
  if (mac_a)
    memcpy (mac_a, out1, 8);          /* f1 = OUT1[0..7] */
  if (mac_s)
    memcpy (mac_s, out1 + 8, 8);      /* f1* = OUT1[8..15] */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out1, sizeof out1);
  imps_wipe (x, sizeof x);
}

void
imps_milenage_f2345 (ImpsMilenage *m, const guint8 rand[16], guint8 res[8],
                     guint8 ck[16], guint8 ik[16], guint8 ak[6])
{
  guint8 temp[16], out[16], x[16];

  g_return_if_fail (m != NULL && rand != NULL);
  imps_milenage_temp (m, rand, temp, NULL, x);
  if (res || ak)
    {
      imps_milenage_outn (m, temp, 2, out, x);
      if (ak)
        memcpy (ak, out, 6);            /* f5 = OUT2[0..5] */
      if (res)
        memcpy (res, out + 8, 8);       /* f2 = OUT2[8..15] */
    }
  if (ck)
    imps_milenage_outn (m, temp, 3, ck, x);  /* f3 = OUT3 */
  if (ik)
    imps_milenage_outn (m, temp, 4, ik, x);  /* f4 = OUT4 */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out, sizeof out);
  imps_wipe (x, sizeof x);
}

void
imps_milenage_f5star (ImpsMilenage *m, const guint8 rand[16],
                      guint8 ak_star[6])
{
  guint8 temp[16], out5[16], x[16];

  g_return_if_fail (m != NULL && rand != NULL && ak_star != NULL);
  imps_milenage_temp (m, rand, temp, NULL, x);
  imps_milenage_outn (m, temp, 5, out5, x);
  memcpy (ak_star, out5, 6);            /* f5* = OUT5[0..5] */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out5, sizeof out5);
  imps_wipe (x, sizeof x);
}

void
imps_milenage_compute_blocks (ImpsMilenage *m, const guint8 rand[16],
                              const guint8 sqn[6], const guint8 amf[2],
                              ImpsMilenageBlocks *blocks)
{
  g_return_if_fail (m != NULL && rand != NULL && sqn != NULL && amf != NULL
                    && blocks != NULL);
  guint8 x[16];

  imps_milenage_temp (m, rand, blocks->temp, blocks->rand_xor_opc, x);
  imps_milenage_out1 (m, blocks->temp, sqn, amf, blocks->out[0], x);
  for (guint i = 2; i <= 5; i++)
    imps_milenage_outn (m, blocks->temp, i, blocks->out[i - 1], x);
  imps_wipe (x, sizeof x);
}

void
imps_milenage_blocks_clear (ImpsMilenageBlocks *blocks)
{
  if (blocks)
    imps_wipe (blocks, sizeof *blocks);
}
