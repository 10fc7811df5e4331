/* Fuzz target for the HSS's Zh handler beyond the codec: bytes fed to a
 * Diameter server (without a socket) whose handler is the HSS's MAR
 * handler, with one subscriber (alice@home1.net, TS 35.208 test set 1)
 * and the operator's BSF (bsf.home1.net at 127.0.1.20) as the one peer.
 * Reaches the peer check, the M-bit check, MAR parsing, the subscriber
 * look-up, AUTS resynchronisation and vector generation. Seeds: MARs
 * captured from `impsim run` of the library's scenarios.
 *
 * Checks: every answer is a parseable MAA (or a base-protocol answer),
 * and an MAA that carries a vector says 2001. */
#include "fuzz-diameter-answers.h"
#include "imps-hss.h"
#include "diameter/imps-diameter-gba.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const guint8 k[16] = { 0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                              0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc };
static const guint8 opc[16] = { 0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
                                0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf };
static const guint8 sqn[6] = { 0, 0, 0, 0, 0, 0x20 };
static const guint8 amf[2] = { 0, 0 };

/* A vector in an MAA: only ever a success (for the provisioned IMPI). */
static void
check_maa (ImpsDiameterMessage *m)
{
  if (m->command == IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH
      && imps_diameter_message_find (m, IMPS_DIAMETER_VENDOR_3GPP,
                                     IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM) >= 0)
    {
      ImpsDiameterMaa *maa = imps_diameter_maa_parse (m, NULL);
      if (maa == NULL || maa->result_code != IMPS_DIAMETER_SUCCESS)
        abort ();
      imps_diameter_maa_free (maa);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint32 apps[] = { IMPS_DIAMETER_APP_ZH };
  static const gchar *const impus[] = { "sip:alice@home1.net", NULL };
  ImpsClock *clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC);
  ImpsRandom *random = imps_random_new_seeded (1);
  ImpsNetwork *net = imps_network_new (clock, random);
  ImpsHss *hss = imps_hss_new (net, "home1.net", NULL, NULL);
  if (hss == NULL)
    abort ();
  ImpsHssSubscriber sub = { .impi = "alice@home1.net", .impus = impus, .k = k, .opc = opc,
                            .sqn = sqn, .amf = amf, .ind_len = 5 };
  if (!imps_hss_provision (hss, &sub, NULL))
    abort ();
  ImpsDiameterServer *server = imps_diameter_server_new (net, "hss.home1.net", "hss.home1.net",
                                                         "home1.net", IMPS_REF_ZH, apps, 1,
                                                         imps_hss_zh_handle, hss);
  imps_diameter_server_allow_peer (server, "bsf.home1.net", "127.0.1.20");
  GByteArray *out = g_byte_array_new ();

  imps_diameter_server_feed (server, "127.0.1.20", data, size, out);

  fuzz_diameter_check_answers (out, check_maa);
  g_byte_array_unref (out);
  imps_diameter_server_free (server);
  imps_hss_free (hss);
  imps_network_free (net);
  imps_random_free (random);
  imps_clock_unref (clock);
  return 0;
}
