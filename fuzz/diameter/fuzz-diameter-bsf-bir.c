/* Fuzz target for the BSF's Zn handler beyond the codec: bytes fed to a
 * Diameter server (without a socket) whose handler is the BSF's BIR
 * handler, with the operator's KMS (kms.home1.net at 127.0.1.30) as the one
 * peer and a live bootstrapping session under the B-TID that the seed BIR
 * (captured from `impsim run scenarios/demo.scn`) asks for. Reaches the
 * peer check, the M-bit check, BIR parsing, the B-TID look-up, the NAF-Id
 * checks and authorisation, and Ks_NAF derivation.
 *
 * Checks: every answer parses; a BIA with key material says 2001 and is
 * for the seeded session's NAF, kms.home1.net. */
#include "fuzz-diameter-answers.h"
#include "imps-bsf-private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The B-TID of fuzz/diameter/corpus/diameter-bsf-bir/bir-1.bin. */
#define SEED_BTID "VBnMsjMB8cIRjMO7Xv9Ywg==@bsf.home1.net"

/* Key material in a BIA: only ever a success, for the stored session. */
static void
check_bia (ImpsDiameterMessage *m)
{
  if (imps_diameter_message_find (m, IMPS_DIAMETER_VENDOR_3GPP,
                                  IMPS_DIAMETER_AVP_ME_KEY_MATERIAL) >= 0)
    {
      ImpsDiameterBia *bia = imps_diameter_bia_parse (m, NULL);
      if (bia == NULL || bia->result_code != IMPS_DIAMETER_SUCCESS
          || g_strcmp0 (bia->impi, "alice@home1.net") != 0)
        abort ();
      imps_diameter_bia_free (bia);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint32 apps[] = { IMPS_DIAMETER_APP_ZN };
  const gint64 now_s = G_GINT64_CONSTANT (1767225600);
  ImpsClock *clock = imps_clock_new_virtual (now_s * G_USEC_PER_SEC);
  ImpsRandom *random = imps_random_new_seeded (1);
  ImpsNetwork *net = imps_network_new (clock, random);
  ImpsBsf *bsf = imps_bsf_new (net, "home1.net", NULL, NULL);
  if (bsf == NULL)
    abort ();
  ImpsBsfSession *s = g_new0 (ImpsBsfSession, 1);
  s->btid = g_strdup (SEED_BTID);
  s->impi = g_strdup ("alice@home1.net");
  memset (s->rand, 0x5a, sizeof s->rand);
  memset (s->ks.bytes, 0xa5, sizeof s->ks.bytes);
  s->created = now_s;
  s->expiry = now_s + 3600;
  if (!imps_bsf_store_add (bsf, s, NULL))
    abort ();
  ImpsDiameterServer *server = imps_diameter_server_new (net, "bsf.home1.net", "bsf.home1.net",
                                                         "home1.net", IMPS_REF_ZN, apps, 1,
                                                         imps_bsf_zn_handle, bsf);
  imps_diameter_server_allow_peer (server, "kms.home1.net", "127.0.1.30");
  GByteArray *out = g_byte_array_new ();

  imps_diameter_server_feed (server, "127.0.1.30", data, size, out);

  fuzz_diameter_check_answers (out, check_bia);
  g_byte_array_unref (out);
  imps_diameter_server_free (server);
  imps_bsf_free (bsf);
  imps_network_free (net);
  imps_random_free (random);
  imps_clock_unref (clock);
  return 0;
}
