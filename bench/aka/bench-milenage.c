/* Authentication vector generation speed, as a ratio to raw AES-128 block
 * encryptions (imps_aes_encrypt_block) measured in the same run. An AV costs
 * five AES blocks (TEMP, OUT1..OUT4), so the ideal ratio is about 1/5, and
 * 1/6 to 1/7 with the XORs and copies around them. */
#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "imps-crypto.h"

#include <stdio.h>
#include <time.h>

#define RUN_USEC (G_USEC_PER_SEC / 10)
#define ROUNDS 9

/* CPU time of this thread in microseconds: time spent waiting for a CPU
 * while other processes run does not count, so the ratio holds on a busy
 * machine. */
static gint64
cpu_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}
#define BATCH 1024

static volatile guint8 sink;

static double
rate_aes (void)
{
  static const guint8 key[16] = { 0x46, 0x5b, 0x5c, 0xe8 };
  guint8 block[16] = { 0 };
  g_autoptr (ImpsAes) aes = imps_aes_new (key, sizeof key);
  gint64 start = cpu_usec (), now;
  guint64 n = 0;

  do
    {
      for (guint i = 0; i < BATCH; i++)
        imps_aes_encrypt_block (aes, block, block);
      n += BATCH;
      now = cpu_usec ();
    }
  while (now - start < RUN_USEC);
  sink = block[0];
  return (double) n * G_USEC_PER_SEC / (double) (now - start);
}

static double
rate_av (void)
{
  static const guint8 k[16] = { 0x46, 0x5b, 0x5c, 0xe8 };
  static const guint8 opc[16] = { 0xcd, 0x63, 0xcb, 0x71 };
  static const guint8 amf[2] = { 0x80, 0x00 };
  guint8 rand[16] = { 0 }, sqn[6] = { 0 };
  g_autoptr (ImpsMilenage) m = imps_milenage_new (k, opc);
  g_auto (ImpsAkaVector) av = { 0 };
  gint64 start = cpu_usec (), now;
  guint64 n = 0;

  do
    {
      for (guint i = 0; i < BATCH; i++)
        {
          rand[15] = (guint8) i;
          sqn[5] = (guint8) i;
          imps_aka_generate_av (m, rand, sqn, amf, &av);
          rand[0] ^= av.autn[15];
        }
      n += BATCH;
      now = cpu_usec ();
    }
  while (now - start < RUN_USEC);
  sink = av.autn[0];
  return (double) n * G_USEC_PER_SEC / (double) (now - start);
}

int
main (void)
{
  /* Alternate the two measurements and keep the best round of each, so that
   * load from other processes hits both alike and a bad round is dropped. */
  double aes = 0, av = 0;
  for (guint i = 0; i < ROUNDS; i++)
    {
      aes = MAX (aes, rate_aes ());
      av = MAX (av, rate_av ());
    }

  printf ("aes128-block: %.0f blocks/s\n", aes);
  printf ("milenage-av:  %.0f vectors/s\n", av);
  printf ("ratio av/aes-block: %.4f (1/%.2f; ideal about 1/5, expected 1/6-1/7)\n",
          av / aes, aes / av);
  return 0;
}
