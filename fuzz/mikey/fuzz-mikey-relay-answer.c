/* Fuzz target: the Zk relay's reading of the issuing KMS's answer
 * (imps_mikey_resolve_relay_answer(), what src/kms/imps-kms-zk.c does with
 * the body of its HTTPS answer): verify a RESOLVE_RESP under the KMS pair
 * key against the relayed RESOLVE_INIT, open its KEMAC and re-wrap the keys
 * for the responder, or read a MIKEY Error and pick the ERR code to pass on.
 *
 * The relay context is fixed and valid, built once from seeded values:
 * alice gets a ticket from kms.example.org, sends bob a TRANSFER_INIT, bob
 * asks his own KMS kms.home2.net, which relays a RESOLVE_INIT to the
 * issuing KMS under the pair key. The input is the issuing KMS's answer.
 *
 * Seeds: fuzz/mikey/corpus/mikey-relay-answer/, the issuing KMS's real
 * answers to that RESOLVE_INIT (a RESOLVE_RESP, forked and not, and a
 * MIKEY Error), written by make-relay-corpus.c (not built; see there). */
#include "mikey/imps-mikey-exchange.h"
#include "imps-random.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define RELAY_NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000) /* 2025-08-01 (NTP) */
#define RELAY_SKEW 300
#define RELAY_SEC(n) ((guint64) (n) << 32)
#define RELAY_KMS1 "kms.example.org"
#define RELAY_KMS2 "kms.home2.net"
#define RELAY_ALICE "sip:alice@example.org"
#define RELAY_BOB "sip:bob@home2.net"
#define RELAY_ALICE_ID "alice-btid@bsf.example.org"
#define RELAY_BOB_ID "bob-btid@bsf.home2.net"

typedef struct {
  ImpsRandom *rnd;
  ImpsMikeyTpk tpk1, tpk2;
  ImpsMikeyKms kms1, kms2;
  ImpsMikeyKmsPolicy policy1;
  guint8 alice_psk[32], bob_psk[32], pair[32];
  ImpsMikeyMessage *from_responder;   /* bob's RESOLVE_INIT, as kms2 parsed it */
  ImpsMikeyMessage *relay_init;       /* kms2's RESOLVE_INIT to kms1 */
} RelayContext;

static void
relay_check (gboolean ok, const GError *error)
{
  if (!ok)
    g_error ("relay context: %s", error ? error->message : "failed");
}

/* Builds the context; the same every time (seeded RAND, fixed clock). */
static void
relay_context_init (RelayContext *c, gboolean forking)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeySuite suite;
  ImpsMikeyTp tp;
  guint64 now = RELAY_NOW;

  memset (c, 0, sizeof *c);
  c->rnd = imps_random_new_seeded (forking ? 6043 : 6042);
  c->tpk1.index = 8;
  c->tpk1.key_len = 32;
  imps_random_fill (c->rnd, c->tpk1.key, 32);
  c->tpk2.index = 1;
  c->tpk2.key_len = 16;
  memset (c->tpk2.key, 0x77, 16);
  imps_mikey_suite_init (&suite, FALSE);
  c->kms1.kms_uri = RELAY_KMS1;
  c->kms1.tpk = &c->tpk1;
  c->kms1.tpks = &c->tpk1;
  c->kms1.n_tpks = 1;
  c->kms1.suite = suite;
  c->kms1.skew = RELAY_SKEW;
  c->kms2 = c->kms1;
  c->kms2.kms_uri = RELAY_KMS2;
  c->kms2.tpk = &c->tpk2;
  c->kms2.tpks = &c->tpk2;
  imps_mikey_kms_policy_init_default (&c->policy1, "example.org");
  for (guint i = 0; i < 32; i++)
    {
      c->alice_psk[i] = (guint8) (0x40 + i);
      c->bob_psk[i] = (guint8) (0x60 + i);
      c->pair[i] = (guint8) (0xE0 ^ i);
    }

  /* alice: a ticket for bob from kms1 */
  imps_mikey_tp_init_default (&tp, suite.prf, forking);
  imps_mikey_tp_add_responder (&tp, RELAY_BOB);
  ImpsMikeyRequestParams rq = { 0 };
  rq.suite = suite;
  rq.initiator_uri = RELAY_ALICE;
  rq.kms_uri = RELAY_KMS1;
  rq.psk_id = (const guint8 *) RELAY_ALICE_ID;
  rq.psk_id_len = strlen (RELAY_ALICE_ID);
  rq.desired = &tp;
  g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&rq, c->alice_psk, 32, now,
                                                                     c->rnd, &error);
  relay_check (req != NULL, error);
  g_autoptr (ImpsMikeyMessage) req_in = imps_mikey_message_parse (req->body.raw,
                                                                  req->body.raw_len, &error);
  relay_check (req_in != NULL, error);
  relay_check (imps_mikey_initial_verify (req_in, c->alice_psk, 32, RELAY_KMS1, now, RELAY_SKEW,
                                          NULL, &error), error);
  /* bob's domain is another operator's: kms1 grants it by policy */
  c->policy1.domain = NULL;
  g_autoptr (ImpsMikeyMessage) rresp = imps_mikey_request_resp_build (&c->kms1, &c->policy1,
                                                                      req_in, c->alice_psk, 32,
                                                                      now, c->rnd, &error);
  relay_check (rresp != NULL, error);
  g_autoptr (ImpsMikeyHeldTicket) held
    = imps_mikey_request_resp_process (req, rresp->body.raw, rresp->body.raw_len, c->alice_psk,
                                       32, now, RELAY_SKEW, &error);
  relay_check (held != NULL, error);
  ImpsMikeyTransferParams tq = { 0 };
  tq.suite = suite;
  tq.initiator_uri = RELAY_ALICE;
  tq.responder_uri = RELAY_BOB;
  tq.n_media = 1;
  tq.ssrc[0] = 0x11110000;
  tq.sdp_ids = "mikey";
  now += RELAY_SEC (1);
  g_autoptr (ImpsMikeyMessage) ti_sent = imps_mikey_transfer_init_build (held, &tq, now, c->rnd,
                                                                         &error);
  relay_check (ti_sent != NULL, error);

  /* bob: RESOLVE_INIT to his own KMS */
  now += RELAY_SEC (1);
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_precheck (ti_sent->body.raw,
                                                                       ti_sent->body.raw_len,
                                                                       RELAY_BOB, now,
                                                                       RELAY_SKEW, NULL, &error);
  relay_check (ti != NULL, error);
  ImpsMikeyResolveParams rp = { RELAY_BOB, RELAY_KMS2, (const guint8 *) RELAY_BOB_ID,
                                strlen (RELAY_BOB_ID) };
  g_autoptr (ImpsMikeyMessage) ri_sent = imps_mikey_resolve_init_build (ti, &rp, c->bob_psk, 32,
                                                                         now, c->rnd, &error);
  relay_check (ri_sent != NULL, error);

  /* kms2: verify bob, relay to kms1 under the pair key */
  c->from_responder = imps_mikey_message_parse (ri_sent->body.raw, ri_sent->body.raw_len,
                                                &error);
  relay_check (c->from_responder != NULL, error);
  relay_check (imps_mikey_initial_verify (c->from_responder, c->bob_psk, 32, RELAY_KMS2, now,
                                          RELAY_SKEW, NULL, &error), error);
  c->relay_init = imps_mikey_resolve_relay_init_build (c->from_responder, RELAY_KMS2, RELAY_KMS1,
                                                       c->pair, 32, now, c->rnd, &error);
  relay_check (c->relay_init != NULL, error);
}

static RelayContext *
relay_context (gboolean forking)
{
  static RelayContext ctx[2];
  static gboolean done[2];
  if (!done[forking])
    {
      relay_context_init (&ctx[forking], forking);
      done[forking] = TRUE;
    }
  return &ctx[forking];
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  /* first byte: which context (bit 0: a forking ticket) */
  RelayContext *c = relay_context (data[0] & 1);
  g_autoptr (GError) error = NULL;
  guint8 err_no = 0xff;
  gboolean refused = TRUE;
  g_autoptr (ImpsMikeyMessage) resp
    = imps_mikey_resolve_relay_answer (&c->kms2, c->relay_init, data + 1, size - 1, c->pair, 32,
                                       c->from_responder, c->bob_psk, 32,
                                       RELAY_NOW + RELAY_SEC (2), RELAY_SKEW, &err_no, &refused,
                                       &error);
  if (resp != NULL)
    {
      g_assert (error == NULL && !refused);
      g_assert (resp->hdr.data_type == IMPS_MIKEY_DATA_RESOLVE_RESP);
      /* the re-wrapped answer reads back */
      g_autoptr (ImpsMikeyMessage) back = imps_mikey_message_parse (resp->body.raw,
                                                                    resp->body.raw_len, NULL);
      g_assert (back != NULL);
      return 0;
    }
  g_assert (error != NULL && error->message[0] != '\0');
  g_assert (refused || err_no == IMPS_MIKEY_ERR_UNSPECIFIED);
  return 0;
}
