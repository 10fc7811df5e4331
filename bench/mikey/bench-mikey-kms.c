/* KMS-side cost of one Ticket Request: parse REQUEST_INIT_PSK, check T,
 * the replay cache and its MAC (imps_mikey_initial_verify), then grant the
 * policy, draw keys, build the base ticket and REQUEST_RESP
 * (imps_mikey_request_resp_build). Printed as a ratio to one HMAC-SHA-1
 * over the same REQUEST_INIT bytes, measured in the same run, plus the
 * requests per second on this core (to judge "tens of thousands per
 * second"). Inputs are fixed by this project (seeded random source). */
#include "mikey/imps-mikey-exchange.h"
#include "imps-crypto.h"
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
  ImpsMikeyTpk tpk = { .index = 1, .key_len = 32 };
  ImpsMikeyKms kms = { 0 };
  ImpsMikeyKmsPolicy policy;
  ImpsMikeyTp tp;
  ImpsMikeyRequestParams p = { 0 };
  guint8 psk[32];
  GBytes **reqs = g_new0 (GBytes *, N_REQ);
  guint8 mac[20];
  volatile guint sink = 0;
  gint64 t0, t_hmac, t_kms;

  imps_random_fill (rnd, tpk.key, 32);
  imps_random_fill (rnd, psk, 32);
  kms.kms_uri = "kms.example.org";
  kms.tpk = &tpk;
  kms.tpks = &tpk;
  kms.n_tpks = 1;
  imps_mikey_suite_init (&kms.suite, FALSE);
  kms.skew = 300;
  imps_mikey_kms_policy_init_default (&policy, "example.org");
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, "sip:bob@example.org");
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = "sip:alice@example.org";
  p.kms_uri = "kms.example.org";
  p.psk_id = (const guint8 *) "ZmFrZVJBTkQ=@bsf.example.org";
  p.psk_id_len = strlen ((const char *) p.psk_id);
  p.desired = &tp;
  for (guint i = 0; i < N_REQ; i++)
    {
      g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, psk, 32,
                                                                       NOW + ((guint64) i << 20),
                                                                       rnd, NULL);
      g_assert (m != NULL);
      reqs[i] = g_bytes_new (m->body.raw, m->body.raw_len);
    }

  /* baseline: one HMAC-SHA-1 over each REQUEST_INIT */
  t0 = g_get_monotonic_time ();
  for (guint r = 0; r < ROUNDS; r++)
    for (guint i = 0; i < N_REQ; i++)
      {
        gsize len;
        const guint8 *d = g_bytes_get_data (reqs[i], &len);
        imps_hmac (IMPS_HASH_SHA1, psk, 32, d, len, mac);
        sink += mac[0];
      }
  t_hmac = g_get_monotonic_time () - t0;

  /* the KMS: parse, verify (with a replay cache), answer */
  t0 = g_get_monotonic_time ();
  for (guint r = 0; r < ROUNDS; r++)
    {
      g_autoptr (ImpsMikeyReplay) replay = imps_mikey_replay_new (N_REQ, 300);
      for (guint i = 0; i < N_REQ; i++)
        {
          g_autoptr (GError) error = NULL;
          gsize len;
          const guint8 *d = g_bytes_get_data (reqs[i], &len);
          g_autoptr (ImpsMikeyMessage) req = imps_mikey_message_parse (d, len, &error);
          if (req == NULL
              || !imps_mikey_initial_verify (req, psk, 32, kms.kms_uri, NOW, 300, replay, &error))
            g_error ("request %u: %s", i, error->message);
          g_autoptr (ImpsMikeyMessage) resp = imps_mikey_request_resp_build (&kms, &policy, req,
                                                                             psk, 32, NOW, rnd,
                                                                             &error);
          if (resp == NULL)
            g_error ("request %u: %s", i, error->message);
          sink += resp->body.raw[resp->body.raw_len - 1];
        }
    }
  t_kms = g_get_monotonic_time () - t0;

  printf ("mikey KMS ticket request (verify REQUEST_INIT_PSK + build REQUEST_RESP)\n");
  printf ("  cost ratio to one HMAC-SHA-1 over the request: %.1f\n",
          (double) t_kms / (double) MAX (t_hmac, 1));
  printf ("  requests per second on one core: %.0f\n",
          (double) N_REQ * ROUNDS * 1e6 / (double) MAX (t_kms, 1));
  printf ("  (%u requests x %u rounds; sink %u)\n", N_REQ, ROUNDS, sink);
  for (guint i = 0; i < N_REQ; i++)
    g_bytes_unref (reqs[i]);
  g_free (reqs);
  return 0;
}
