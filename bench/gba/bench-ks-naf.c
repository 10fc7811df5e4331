/* Ks_NAF derivation speed (imps_gba_ks_naf, TS 33.220 B.3) as a ratio to
 * plain HMAC-SHA-256 computations (imps_hmac) over an input of the same
 * length as the KDF's S, measured in the same run. Ks_NAF is one HMAC over
 * S assembled from ten pieces without copying, so the ideal cost ratio is
 * 1; more means overhead in the KDF wrapper. Timing: bench/imps-bench.h. */
#include "gba/imps-gba.h"
#include "imps-crypto.h"
#include "imps-bench.h"

/* gba.md §12 inputs. */
static const gchar impi[] = "user1_private@home1.net";
static const gchar fqdn[] = "kms.home1.net";

static volatile guint8 sink;

/* |S| = FC + "gba-me" + L0 + RAND + L1 + IMPI + L2 + NAF_Id + L3. */
static gsize
s_len (void)
{
  return 1 + 6 + 2 + IMPS_GBA_RAND_LEN + 2 + strlen (impi) + 2
         + strlen (fqdn) + IMPS_GBA_UA_ID_LEN + 2;
}

static gboolean
op_hmac (gpointer data, guint64 first, guint64 n)
{
  static guint8 key[32] = { 0xb4, 0x0b }, s[128] = { 0x01 };
  guint8 out[32] = { 0 };
  gsize len = s_len ();
  g_assert (len <= sizeof s);
  for (guint64 i = 0; i < n; i++)
    {
      imps_hmac (IMPS_HASH_SHA256, key, sizeof key, s, len, out);
      s[1] = out[0];
    }
  sink = out[0];
  return TRUE;
}

static gboolean
op_ks_naf (gpointer data, guint64 first, guint64 n)
{
  g_auto (ImpsGbaKey) ks = { { 0xb4, 0x0b } };
  g_auto (ImpsGbaKey) out = IMPS_GBA_KEY_INIT;
  static guint8 rand[IMPS_GBA_RAND_LEN] = { 0x23, 0x55 };
  for (guint64 i = 0; i < n; i++)
    {
      imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, impi, sizeof impi - 1,
                       fqdn, sizeof fqdn - 1, IMPS_GBA_UA_ID_IMS_MEDIA, &out);
      rand[0] = out.bytes[0];
    }
  sink = out.bytes[0];
  return TRUE;
}

int
main (int argc, char **argv)
{
  imps_bench_options (&argc, &argv, NULL,
                      "Ks_NAF derivation (TS 33.220 B.3) against plain HMAC-SHA-256 over an "
                      "input of the same length, in the same run.",
                      NULL);
  ImpsBench *b = imps_bench_new ("ks-naf", 9, 30 * 1000 * 1000);
  guint h = imps_bench_add (b, "hmac-sha256 over |S| bytes", "hmac", op_hmac, NULL);
  guint k = imps_bench_add (b, "ks-naf derivation", "key", op_ks_naf, NULL);
  imps_bench_run (b);
  imps_bench_print (b);
  imps_bench_ratio (b, "ks-naf / hmac (ideal 1)", k, h);
  return imps_bench_finish (b);
}
