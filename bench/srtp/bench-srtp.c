/* Benchmark of the SRTP adapter: protect + unprotect of one 172-byte RTP
 * packet (12-byte header + 160 bytes of PCMU, 20 ms at 8 kHz; docs/profile.md
 * §7) per suite, as a ratio to two baselines measured in the same run:
 *   memcpy   copying the same packet (what the loop does besides SRTP);
 *   aes-ctr  imps_aes_ctr() (one-shot AES-128-CTR) over the 160-byte payload.
 *
 * It also counts heap allocations inside the measured loops, by wrapping
 * malloc/calloc/realloc in this program (glibc's __libc_* entry points), so
 * the claim that protect/unprotect allocate nothing per packet is checked,
 * including libsrtp and its crypto backend. Not counted under AddressSanitizer
 * (which owns malloc). Prints ratios, never a time alone; never asserted.
 * Timing: bench/imps-bench.h (thread CPU time, alternating rounds, medians
 * of per-round ratios).
 *
 * The adapter itself allocates nothing per packet (no call on its success
 * path allocates; a GError only on failure and only when asked for). What
 * this program counts beyond zero comes from libsrtp's crypto backend: the
 * Debian libsrtp2 2.5 is built with NSS, whose per-packet cipher and HMAC
 * contexts allocate (14 allocations per srtp_protect with AES-CM/HMAC-SHA1,
 * measured with the same malloc wrapper around libsrtp alone).
 */
#include "srtp/imps-srtp.h"

#include "imps-bytes.h"
#include "imps-crypto.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imps-bench.h"

#include "imps-alloc-count.h"

#define RTP_LEN 172
#define ALLOC_OPS 1000        /* operations whose allocations are counted */

static guint8 template_pkt[RTP_LEN];
static volatile guint8 sink;

typedef gboolean (*OpFunc) (gpointer data, guint32 i);

/* Allocations per operation, counted over ALLOC_OPS operations outside the
 * timed rounds. */
static double
allocs_per_op (OpFunc op, gpointer data, guint32 first)
{
  gsize a0 = IMPS_ALLOCS ();
  for (guint32 i = 0; i < ALLOC_OPS; i++)
    if (!op (data, first + i))
      {
        fprintf (stderr, "operation failed\n");
        exit (1);
      }
  return (double) (IMPS_ALLOCS () - a0) / ALLOC_OPS;
}

static gboolean
op_memcpy (gpointer data, guint32 i)
{
  guint8 *buf = data;
  memcpy (buf, template_pkt, RTP_LEN);
  buf[2] = (guint8) (i >> 8);
  sink ^= buf[i % RTP_LEN];
  return TRUE;
}

static gboolean
op_aes_ctr (gpointer data, guint32 i)
{
  guint8 *buf = data;
  static const guint8 key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  guint8 iv[16] = { 0 };
  imps_store_u32 (iv + 8, i);
  memcpy (buf, template_pkt, RTP_LEN);
  imps_aes_ctr (key, 16, iv, buf + 12, buf + 12, RTP_LEN - 12);
  sink ^= buf[20];
  return TRUE;
}

typedef struct {
  ImpsSrtpSession *tx;
  ImpsSrtpSession *rx;
  guint8 buf[RTP_LEN + IMPS_SRTP_MAX_TRAILER_LEN];
} SrtpPair;

static gboolean
op_srtp (gpointer data, guint32 i)
{
  SrtpPair *p = data;
  gsize len = 0, back = 0;
  memcpy (p->buf, template_pkt, RTP_LEN);
  imps_store_u16 (p->buf + 2, (guint16) i);
  imps_store_u32 (p->buf + 4, 160u * i);
  if (!imps_srtp_session_protect_rtp (p->tx, p->buf, RTP_LEN, sizeof p->buf, &len, NULL))
    return FALSE;
  if (!imps_srtp_session_unprotect_rtp (p->rx, p->buf, len, &back, NULL))
    return FALSE;
  sink ^= p->buf[20];
  return back == RTP_LEN;
}

/* The harness's ops: @n operations from index @first. */
static gboolean
batch_memcpy (gpointer data, guint64 first, guint64 n)
{
  for (guint64 i = 0; i < n; i++)
    op_memcpy (data, (guint32) (first + i));
  return TRUE;
}

static gboolean
batch_aes_ctr (gpointer data, guint64 first, guint64 n)
{
  for (guint64 i = 0; i < n; i++)
    op_aes_ctr (data, (guint32) (first + i));
  return TRUE;
}

static gboolean
batch_srtp (gpointer data, guint64 first, guint64 n)
{
  for (guint64 i = 0; i < n; i++)
    if (!op_srtp (data, (guint32) (first + i)))
      return FALSE;
  return TRUE;
}

static void
print_row (const gchar *name, double x_copy, double x_aes, double allocs)
{
  if (IMPS_COUNT_ALLOCS)
    printf ("%-27s %12.1f %12.2f %14.2f\n", name, x_copy, x_aes, allocs);
  else
    printf ("%-27s %12.1f %12.2f %14s\n", name, x_copy, x_aes, "-");
}

int
main (int argc, char **argv)
{
  imps_bench_options (&argc, &argv, NULL,
                      "SRTP protect and unprotect of one RTP packet per suite against memcpy "
                      "and AES-CTR, in the same run, with the heap allocations counted.",
                      NULL);
  guint8 scratch_copy[RTP_LEN], scratch_aes[RTP_LEN];
  SrtpPair *pairs[IMPS_SRTP_N_SUITES] = { 0 };
  guint ids[IMPS_SRTP_N_SUITES];

  template_pkt[0] = 0x80;
  imps_store_u32 (template_pkt + 8, 0x5eed5eed);
  for (guint i = 12; i < RTP_LEN; i++)
    template_pkt[i] = (guint8) (0xff - (i & 0x7f));   /* PCMU near silence */

  if (!imps_srtp_init (NULL))
    {
      fprintf (stderr, "libsrtp initialisation failed\n");
      return 1;
    }
  ImpsBench *b = imps_bench_new ("srtp", 9, 30 * 1000 * 1000);
  guint copy = imps_bench_add (b, "baseline memcpy", "packet", batch_memcpy, scratch_copy);
  guint aes = imps_bench_add (b, "baseline aes-ctr (one-shot)", "packet", batch_aes_ctr, scratch_aes);
  for (guint s = 0; s < IMPS_SRTP_N_SUITES; s++)
    {
      ImpsSrtpSuite suite = (ImpsSrtpSuite) s;
      if (!imps_srtp_suite_supported (suite))
        continue;
      guint8 ks[IMPS_SRTP_MAX_KEY_SALT_LEN];
      gsize n = imps_srtp_suite_key_len (suite) + imps_srtp_suite_salt_len (suite);
      for (gsize i = 0; i < n; i++)
        ks[i] = (guint8) (i * 13 + 1);
      ImpsSrtpMasterKey key = { ks, n, 0 };
      ImpsSrtpConfig cfg;
      g_autoptr (GError) error = NULL;
      imps_srtp_config_init (&cfg, IMPS_SRTP_SENDER);
      cfg.suite = suite;
      cfg.any_ssrc = FALSE;
      cfg.ssrc = 0x5eed5eed;
      SrtpPair *p = g_new0 (SrtpPair, 1);
      p->tx = imps_srtp_session_new (&cfg, &key, 1, &error);
      cfg.direction = IMPS_SRTP_RECEIVER;
      p->rx = imps_srtp_session_new (&cfg, &key, 1, &error);
      if (error)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      pairs[s] = p;
      ids[s] = imps_bench_add (b, imps_srtp_suite_name (suite), "packet", batch_srtp, p);
    }
  imps_bench_run (b);

  printf ("SRTP protect+unprotect of a %d-byte RTP packet, %s\n", RTP_LEN,
          imps_srtp_library_version ());
  imps_bench_print (b);
  imps_bench_ratio (b, "aes-ctr / memcpy", aes, copy);
  double x_copy[IMPS_SRTP_N_SUITES] = { 0 }, x_aes[IMPS_SRTP_N_SUITES] = { 0 };
  for (guint s = 0; s < IMPS_SRTP_N_SUITES; s++)
    if (pairs[s] != NULL)
      {
        /* medians of per-round ratios, recorded too */
        g_autofree gchar *l1 = g_strdup_printf ("%s / memcpy", imps_srtp_suite_name (s));
        g_autofree gchar *l2 = g_strdup_printf ("%s / aes-ctr", imps_srtp_suite_name (s));
        x_copy[s] = imps_bench_ratio (b, l1, ids[s], copy);
        x_aes[s] = imps_bench_ratio (b, l2, ids[s], aes);
      }
  printf ("%-27s %12s %12s %14s\n", "suite", "x memcpy", "x aes-ctr", "allocs/packet");
  print_row ("baseline memcpy", 1.0, imps_bench_item_median (b, copy, NULL)
                                         / imps_bench_item_median (b, aes, NULL),
             allocs_per_op (op_memcpy, scratch_copy, 0));
  for (guint s = 0; s < IMPS_SRTP_N_SUITES; s++)
    {
      ImpsSrtpSuite suite = (ImpsSrtpSuite) s;
      if (pairs[s] == NULL)
        {
          printf ("%-27s not supported by this libsrtp build\n", imps_srtp_suite_name (suite));
          continue;
        }
      /* go on from the harness's last index: sequence numbers keep rising */
      ImpsBenchItem *it = g_ptr_array_index (b->items, ids[s]);
      print_row (imps_srtp_suite_name (suite), x_copy[s], x_aes[s],
                 allocs_per_op (op_srtp, pairs[s], (guint32) it->done));
      imps_srtp_session_free (pairs[s]->tx);
      imps_srtp_session_free (pairs[s]->rx);
      g_free (pairs[s]);
    }
  if (!IMPS_COUNT_ALLOCS)
    printf ("(allocations not counted: built with AddressSanitizer)\n");
  return imps_bench_finish (b);
}
