/* Fuzz target for a Diameter server's stream handling without a socket:
 * framing and reassembly of the byte stream (conn_process), dispatch of each
 * frame (server_on_frame: the peer check, the M-bit check, CER/DWR/DPR
 * answers, application requests) and the answers built for malformed input.
 * The server names one peer (bsf.home1.net at 127.0.1.20) and the input
 * comes from that address, so both allowed and refused requests are
 * reached. Seeds: MARs and BIRs captured from `impsim run` of the library's
 * scenarios, one message a file, and all of them back to back.
 *
 * Checks: every answer the server writes is one or more whole Diameter
 * messages that parse, and none is a request. */
#include "fuzz-diameter-answers.h"
#include "imps-diameter-peer.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
handler (ImpsDiameterServer *server, ImpsDiameterRequest *req, gpointer data)
{
  const ImpsDiameterMessage *m = imps_diameter_request_get_message (req);
  g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new_answer (m);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                 IMPS_DIAMETER_SUCCESS);
  g_autoptr (GBytes) answer = imps_diameter_builder_finish (g_steal_pointer (&b));
  imps_diameter_request_answer (req, answer);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint32 apps[] = { IMPS_DIAMETER_APP_ZH, IMPS_DIAMETER_APP_ZN };
  ImpsClock *clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC);
  ImpsRandom *random = imps_random_new_seeded (1);
  ImpsNetwork *net = imps_network_new (clock, random);
  ImpsDiameterServer *server = imps_diameter_server_new (net, "hss.home1.net", "hss.home1.net",
                                                         "home1.net", IMPS_REF_ZH, apps,
                                                         G_N_ELEMENTS (apps), handler, NULL);
  imps_diameter_server_allow_peer (server, "bsf.home1.net", "127.0.1.20");
  GByteArray *out = g_byte_array_new ();

  imps_diameter_server_feed (server, "127.0.1.20", data, size, out);

  fuzz_diameter_check_answers (out, NULL);
  g_byte_array_unref (out);
  imps_diameter_server_free (server);
  imps_network_free (net);
  imps_random_free (random);
  imps_clock_unref (clock);
  return 0;
}
