/* The KMS node's ticket-request handler (imps_kms_handle: parse, the key
 * lookup, T, the replay cache and MAC, the policy from the in-memory
 * store, the ticket and REQUEST_RESP, the audit row appended in batches)
 * measured against the pure core functions doing the same protocol work
 * (imps_mikey_message_parse + imps_mikey_initial_verify +
 * imps_mikey_request_resp_build) on the same requests in the same run.
 * Printed: the handler's rate as a ratio to the core's rate (1.0 = no
 * overhead), and both rates. No HTTP. Inputs are fixed by this project
 * (seeded random source, static PSK of profile §2 NOTE 1). */
#include "imps-kms.h"
#include "imps-random.h"

#include <stdio.h>
#include <string.h>

#define N_REQ 2000
#define ROUNDS 5
#define NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000)

int
main (void)
{
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (7);
  g_autoptr (ImpsRandom) root = imps_random_new_seeded (8);
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (imps_unix_us_from_ntp (NOW));
  ImpsNetwork *net = imps_network_new (clock, root);
  g_autoptr (GError) error = NULL;
  ImpsKms *kms = imps_kms_new (net, "example.org", NULL, &error);
  guint8 psk[32];
  ImpsMikeyTp tp;
  ImpsMikeyRequestParams p = { 0 };
  GBytes **reqs = g_new0 (GBytes *, N_REQ * ROUNDS);
  volatile guint sink = 0;
  gint64 t0, t_core = 0, t_kms = 0;

  g_assert_no_error (error);
  imps_random_fill (rnd, psk, 32);
  imps_kms_add_static_psk (kms, "static-alice", "sip:alice@example.org", psk, 32);
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, "sip:bob@example.org");
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = "sip:alice@example.org";
  p.kms_uri = "kms.example.org";
  p.psk_id = (const guint8 *) "static-alice";
  p.psk_id_len = strlen ((const char *) p.psk_id);
  p.desired = &tp;
  for (guint i = 0; i < N_REQ * ROUNDS; i++)
    {
      g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, psk, 32,
                                                                       NOW + ((guint64) i << 16),
                                                                       rnd, NULL);
      g_assert (m != NULL);
      reqs[i] = g_bytes_new (m->body.raw, m->body.raw_len);
    }

  /* the same TPK and policy for the core as the KMS grants by default */
  ImpsMikeyTpk tpk = { .index = 1, .key_len = 32 };
  ImpsMikeyKms core = { 0 };
  ImpsMikeyKmsPolicy policy;
  imps_random_fill (rnd, tpk.key, 32);
  core.kms_uri = "kms.example.org";
  core.tpk = &tpk;
  core.tpks = &tpk;
  core.n_tpks = 1;
  imps_mikey_suite_init (&core.suite, FALSE);
  core.skew = 300;
  imps_mikey_kms_policy_init_default (&policy, "example.org");

  g_autoptr (GByteArray) out = g_byte_array_sized_new (1024);
  for (guint r = 0; r < ROUNDS; r++)
    {
      GBytes **set = reqs + r * N_REQ;
      /* the two alternate which runs first, so warm-up favours neither */
      for (guint pass = 0; pass < 2; pass++)
        {
          if (pass == (r & 1))
            {
          /* core */
          g_autoptr (ImpsMikeyReplay) replay = imps_mikey_replay_new (N_REQ, 300);
          t0 = g_get_monotonic_time ();
          for (guint i = 0; i < N_REQ; i++)
            {
              gsize len;
              const guint8 *d = g_bytes_get_data (set[i], &len);
              g_autoptr (ImpsMikeyMessage) req = imps_mikey_message_parse (d, len, &error);
              if (req == NULL
                  || !imps_mikey_initial_verify (req, psk, 32, core.kms_uri, NOW, 300, replay, &error))
                g_error ("core request %u: %s", i, error->message);
              g_autoptr (ImpsMikeyMessage) resp = imps_mikey_request_resp_build (&core, &policy, req,
                                                                                 psk, 32, NOW, rnd,
                                                                                 &error);
              if (resp == NULL)
                g_error ("core request %u: %s", i, error->message);
              sink += resp->body.raw[resp->body.raw_len - 1];
            }
          t_core += g_get_monotonic_time () - t0;
            }
          else
            {
          /* the KMS handler */
          t0 = g_get_monotonic_time ();
          for (guint i = 0; i < N_REQ; i++)
            {
              gsize len;
              const guint8 *d = g_bytes_get_data (set[i], &len);
              if (imps_kms_handle (kms, IMPS_KMS_REQUEST_TICKET, d, len, out)
                  != IMPS_KMS_OUTCOME_ANSWER)
                g_error ("KMS request %u refused", i);
              sink += out->data[out->len - 1];
            }
          t_kms += g_get_monotonic_time () - t0;
            }
        }
    }

  double core_rate = (double) N_REQ * ROUNDS * 1e6 / (double) MAX (t_core, 1);
  double kms_rate = (double) N_REQ * ROUNDS * 1e6 / (double) MAX (t_kms, 1);
  printf ("KMS ticket request handler (no HTTP) against the core functions, same requests\n");
  printf ("  handler rate / core rate: %.2f\n", kms_rate / core_rate);
  printf ("  handler %.0f requests/s, core %.0f requests/s on one core\n", kms_rate, core_rate);
  printf ("  (%u requests x %u rounds; audit rows %u; sink %u)\n", N_REQ, ROUNDS,
          imps_kms_count_audit (kms, "issued"), sink);
  for (guint i = 0; i < N_REQ * ROUNDS; i++)
    g_bytes_unref (reqs[i]);
  g_free (reqs);
  imps_mikey_tpk_clear (&tpk);
  imps_kms_free (kms);
  imps_network_free (net);
  return 0;
}
