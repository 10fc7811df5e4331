/* The KMS request handler (imps_kms_handle: the path every Ua body takes
 * after the HTTP envelope) on any bytes: the first byte picks the request
 * type (bit 0: 0 ticketrequest, 1 ticketresolve), the rest is the body.
 * It must answer every input with an outcome and never crash; an answer
 * or refusal must be a message that parses back.
 *
 * The KMS is built once, deterministically (seeded network, virtual clock
 * at KX_NOW), with static PSKs for alice and bob (profile §2 NOTE 1) and
 * a group, so that the seeds (a REQUEST_INIT_PSK from alice and a
 * RESOLVE_INIT_PSK from bob on a ticket this KMS issued, made by this
 * project with the same set-up) reach the ticket and policy code. */
#include "imps-kms.h"

#include <stdint.h>
#include <string.h>

#define KX_NOW_UNIX_US G_GINT64_CONSTANT (1767225600000000) /* 2026-01-01 */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static ImpsKms *kms;
static GByteArray *out;

static void
setup (void)
{
  static ImpsClock *clock;
  static ImpsRandom *root;
  static ImpsNetwork *net;
  guint8 psk[32];
  clock = imps_clock_new_virtual (KX_NOW_UNIX_US);
  root = imps_random_new_seeded (33328);
  net = imps_network_new (clock, root);
  /* the KMS lives for the whole run: keep only the last events (the log
   * of every input made a 10-minute run reach 2 GB) */
  imps_event_log_set_ring (imps_network_get_event_log (net), 64);
  kms = imps_kms_new (net, "home1.net", NULL, NULL);
  g_assert (kms != NULL);
  for (guint i = 0; i < 32; i++)
    psk[i] = (guint8) (0x40 + i);
  imps_kms_add_static_psk (kms, "static-alice", "sip:alice@home1.net", psk, 32);
  for (guint i = 0; i < 32; i++)
    psk[i] = (guint8) (0x60 + i);
  imps_kms_add_static_psk (kms, "static-bob", "sip:bob@home1.net", psk, 32);
  const gchar *team[] = { "sip:alice@home1.net", "sip:bob@home1.net", NULL };
  imps_kms_add_group (kms, "sip:team@home1.net", team, NULL);
  out = g_byte_array_new ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (kms == NULL)
    setup ();
  if (size == 0)
    return 0;
  ImpsKmsRequestType type = (data[0] & 1) ? IMPS_KMS_REQUEST_RESOLVE : IMPS_KMS_REQUEST_TICKET;
  ImpsKmsOutcome o = imps_kms_handle (kms, type, data + 1, size - 1, out);
  switch (o)
    {
    case IMPS_KMS_OUTCOME_ANSWER:
    case IMPS_KMS_OUTCOME_REFUSED:
      {
        /* what the KMS sends is a message that parses */
        ImpsMikeyMessage *m = imps_mikey_message_parse (out->data, out->len, NULL);
        g_assert (m != NULL);
        g_assert (m->hdr.data_type == (o == IMPS_KMS_OUTCOME_REFUSED ? IMPS_MIKEY_DATA_ERROR
                                       : type == IMPS_KMS_REQUEST_TICKET
                                       ? IMPS_MIKEY_DATA_REQUEST_RESP
                                       : IMPS_MIKEY_DATA_RESOLVE_RESP));
        imps_mikey_message_free (m);
        break;
      }
    case IMPS_KMS_OUTCOME_MALFORMED:
      g_assert (out->len == 0 || out->data[1] == IMPS_MIKEY_DATA_ERROR);
      break;
    case IMPS_KMS_OUTCOME_NEED_KEY:
    case IMPS_KMS_OUTCOME_RELAY:
      g_assert (out->len == 0);
      break;
    }
  return 0;
}
