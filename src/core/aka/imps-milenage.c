/* Milenage, TS 35.206, as written in gba.md §3. */
#include "aka/imps-milenage.h"
#include "aka/imps-milenage-private.h"

#include "imps-crypto.h"
#include "imps-secret.h"

#include <string.h>

struct _ImpsMilenage {
  ImpsAes *aes;          /* E_K: AES-128 key schedule of K */
  guint8 opc[16];
};

/* gba.md §3 constants: r_i in octets (r/8) and the last octet of c_i
 * (c_1 = 0; c_2..c_5 = 1, 2, 4, 8 in octet 15). Index 0 is OUT1. */
static const guint8 rot_octets[5] = { 8, 0, 4, 8, 12 };
static const guint8 c_last[5] = { 0x00, 0x01, 0x02, 0x04, 0x08 };

static inline void
xor16 (guint8 *out, const guint8 *a, const guint8 *b)
{
  for (guint i = 0; i < 16; i++)
    out[i] = a[i] ^ b[i];
}

/* rot(x, r) for r = 8 * @octets: rot(x, r)[i] = x[(i + r/8) mod 16]. */
static inline void
rot16 (guint8 out[16], const guint8 in[16], guint octets)
{
  for (guint i = 0; i < 16; i++)
    out[i] = in[(i + octets) & 15];
}

ImpsMilenage *
imps_milenage_new (const guint8 k[16], const guint8 opc[16])
{
  g_return_val_if_fail (k != NULL && opc != NULL, NULL);

  ImpsMilenage *m = g_new0 (ImpsMilenage, 1);
  m->aes = imps_aes_new (k, 16);
  memcpy (m->opc, opc, 16);
  return m;
}

ImpsMilenage *
imps_milenage_new_from_op (const guint8 k[16], const guint8 op[16])
{
  g_return_val_if_fail (k != NULL && op != NULL, NULL);

  ImpsMilenage *m = g_new0 (ImpsMilenage, 1);
  m->aes = imps_aes_new (k, 16);
  imps_aes_encrypt_block (m->aes, op, m->opc);
  xor16 (m->opc, m->opc, op);
  return m;
}

void
imps_milenage_free (ImpsMilenage *m)
{
  if (m == NULL)
    return;
  imps_aes_free (m->aes);
  imps_wipe (m->opc, sizeof m->opc);
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
                    guint8 rand_xor_opc[16])
{
  guint8 x[16];

  xor16 (x, rand, m->opc);
  if (rand_xor_opc)
    memcpy (rand_xor_opc, x, 16);
  imps_aes_encrypt_block (m->aes, x, temp);
  imps_wipe (x, sizeof x);
}

void
imps_milenage_out1 (ImpsMilenage *m, const guint8 temp[16],
                    const guint8 sqn[6], const guint8 amf[2], guint8 out[16])
{
  guint8 in1[16], x[16], y[16];

  /* IN1 = SQN || AMF || SQN || AMF (octet strings, never host integers) */
  memcpy (in1, sqn, 6);
  memcpy (in1 + 6, amf, 2);
  memcpy (in1 + 8, sqn, 6);
  memcpy (in1 + 14, amf, 2);
  xor16 (x, in1, m->opc);
  rot16 (y, x, rot_octets[0]);
  xor16 (y, y, temp);
  y[15] ^= c_last[0];
  imps_aes_encrypt_block (m->aes, y, out);
  xor16 (out, out, m->opc);
  imps_wipe (x, sizeof x);
  imps_wipe (y, sizeof y);
}

void
imps_milenage_outn (ImpsMilenage *m, const guint8 temp[16], guint i,
                    guint8 out[16])
{
  guint8 x[16], y[16];

  g_return_if_fail (i >= 2 && i <= 5);
  xor16 (x, temp, m->opc);
  rot16 (y, x, rot_octets[i - 1]);
  y[15] ^= c_last[i - 1];
  imps_aes_encrypt_block (m->aes, y, out);
  xor16 (out, out, m->opc);
  imps_wipe (x, sizeof x);
  imps_wipe (y, sizeof y);
}

void
imps_milenage_f1 (ImpsMilenage *m, const guint8 rand[16], const guint8 sqn[6],
                  const guint8 amf[2], guint8 mac_a[8], guint8 mac_s[8])
{
  guint8 temp[16], out1[16];

  g_return_if_fail (m != NULL && rand != NULL && sqn != NULL && amf != NULL);
  imps_milenage_temp (m, rand, temp, NULL);
  imps_milenage_out1 (m, temp, sqn, amf, out1);
  if (mac_a)
    memcpy (mac_a, out1, 8);          /* f1 = OUT1[0..7] */
  if (mac_s)
    memcpy (mac_s, out1 + 8, 8);      /* f1* = OUT1[8..15] */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out1, sizeof out1);
}

void
imps_milenage_f2345 (ImpsMilenage *m, const guint8 rand[16], guint8 res[8],
                     guint8 ck[16], guint8 ik[16], guint8 ak[6])
{
  guint8 temp[16], out[16];

  g_return_if_fail (m != NULL && rand != NULL);
  imps_milenage_temp (m, rand, temp, NULL);
  if (res || ak)
    {
      imps_milenage_outn (m, temp, 2, out);
      if (ak)
        memcpy (ak, out, 6);            /* f5 = OUT2[0..5] */
      if (res)
        memcpy (res, out + 8, 8);       /* f2 = OUT2[8..15] */
    }
  if (ck)
    imps_milenage_outn (m, temp, 3, ck);  /* f3 = OUT3 */
  if (ik)
    imps_milenage_outn (m, temp, 4, ik);  /* f4 = OUT4 */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out, sizeof out);
}

void
imps_milenage_f5star (ImpsMilenage *m, const guint8 rand[16],
                      guint8 ak_star[6])
{
  guint8 temp[16], out5[16];

  g_return_if_fail (m != NULL && rand != NULL && ak_star != NULL);
  imps_milenage_temp (m, rand, temp, NULL);
  imps_milenage_outn (m, temp, 5, out5);
  memcpy (ak_star, out5, 6);            /* f5* = OUT5[0..5] */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out5, sizeof out5);
}

void
imps_milenage_compute_blocks (ImpsMilenage *m, const guint8 rand[16],
                              const guint8 sqn[6], const guint8 amf[2],
                              ImpsMilenageBlocks *blocks)
{
  g_return_if_fail (m != NULL && rand != NULL && sqn != NULL && amf != NULL
                    && blocks != NULL);
  imps_milenage_temp (m, rand, blocks->temp, blocks->rand_xor_opc);
  imps_milenage_out1 (m, blocks->temp, sqn, amf, blocks->out[0]);
  for (guint i = 2; i <= 5; i++)
    imps_milenage_outn (m, blocks->temp, i, blocks->out[i - 1]);
}

void
imps_milenage_blocks_clear (ImpsMilenageBlocks *blocks)
{
  if (blocks)
    imps_wipe (blocks, sizeof *blocks);
}
