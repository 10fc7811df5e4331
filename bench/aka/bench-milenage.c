/* Authentication vector generation speed, as a ratio to raw AES-128 block
 * encryptions (imps_aes_encrypt_block) measured in the same run. An AV costs
 * five AES blocks (TEMP, OUT1..OUT4), so the ideal ratio is about 5, and
 * 6 to 7 with the XORs and copies around them. Timing: bench/imps-bench.h. */
#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "imps-crypto.h"
#include "imps-bench.h"

static volatile guint8 sink;

typedef struct {
  ImpsAes *aes;
  guint8 block[16];
} AesCtx;

static gboolean
op_aes (gpointer data, guint64 first, guint64 n)
{
  AesCtx *c = data;
  for (guint64 i = 0; i < n; i++)
    imps_aes_encrypt_block (c->aes, c->block, c->block);
  sink = c->block[0];
  return TRUE;
}

typedef struct {
  ImpsMilenage *m;
  guint8 rand[16];
  guint8 sqn[6];
  ImpsAkaVector av;
} AvCtx;

static gboolean
op_av (gpointer data, guint64 first, guint64 n)
{
  static const guint8 amf[2] = { 0x80, 0x00 };
  AvCtx *c = data;
  for (guint64 i = 0; i < n; i++)
    {
      c->rand[15] = (guint8) (first + i);
      c->sqn[5] = (guint8) (first + i);
      imps_aka_generate_av (c->m, c->rand, c->sqn, amf, &c->av);
      c->rand[0] ^= c->av.autn[15];
    }
  sink = c->av.autn[0];
  return TRUE;
}

int
main (int argc, char **argv)
{
  imps_bench_options (&argc, &argv, NULL,
                      "Authentication vector generation (Milenage) against raw AES-128 blocks, "
                      "in the same run.",
                      NULL);
  static const guint8 key[16] = { 0x46, 0x5b, 0x5c, 0xe8 };
  static const guint8 opc[16] = { 0xcd, 0x63, 0xcb, 0x71 };
  AesCtx aes = { imps_aes_new (key, sizeof key), { 0 } };
  AvCtx av = { 0 };
  av.m = imps_milenage_new (key, opc);

  ImpsBench *b = imps_bench_new ("milenage", 9, 30 * 1000 * 1000);
  guint a = imps_bench_add (b, "aes128-block", "block", op_aes, &aes);
  guint v = imps_bench_add (b, "milenage-av", "vector", op_av, &av);
  imps_bench_run (b);
  imps_bench_print (b);
  imps_bench_ratio (b, "av / aes-block (ideal about 5, expected 6-7)", v, a);
  imps_aes_free (aes.aes);
  imps_milenage_free (av.m);
  imps_aka_vector_clear (&av.av);
  return imps_bench_finish (b);
}
