/* The KMS node's ticket-request handler (imps_kms_handle: parse, the key
 * lookup, T, the replay cache and MAC, the policy from the in-memory
 * store, the ticket and REQUEST_RESP, the audit row appended in batches)
 * measured against the pure core functions doing the same protocol work
 * (imps_mikey_message_parse + imps_mikey_initial_verify +
 * imps_mikey_request_resp_build) on the same requests in the same run.
 * Printed: the handler's cost as a ratio to the core's (1.0 = no
 * overhead), and both rates. No HTTP. Timing: bench/imps-bench.h (each
 * round one fixed batch of distinct requests, as the KMS's replay cache
 * refuses a request seen before). Inputs are fixed by this project
 * (seeded random source, static PSK of profile §2 NOTE 1). */
#include "imps-kms.h"
#include "imps-random.h"
#include "imps-bench.h"

#define N_REQ 2000
#define ROUNDS 9
#define NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000)

typedef struct {
  ImpsKms *kms;
  ImpsRandom *rnd;
  guint8 psk[32];
  GBytes **reqs;            /* (ROUNDS + 1) * N_REQ distinct requests */
  ImpsMikeyKms core;
  ImpsMikeyKmsPolicy policy;
  GByteArray *out;
} Ctx;

static volatile guint sink;

/* The core functions on requests first .. first + n - 1, with a replay
 * cache of their own per batch (as the handler's holds every request). */
static gboolean
op_core (gpointer data, guint64 first, guint64 n)
{
  Ctx *c = data;
  g_autoptr (ImpsMikeyReplay) replay = imps_mikey_replay_new (N_REQ, 300);
  for (guint64 i = first; i < first + n; i++)
    {
      g_autoptr (GError) error = NULL;
      gsize len;
      const guint8 *d = g_bytes_get_data (c->reqs[i], &len);
      g_autoptr (ImpsMikeyMessage) req = imps_mikey_message_parse (d, len, &error);
      if (req == NULL
          || !imps_mikey_initial_verify (req, c->psk, 32, c->core.kms_uri, NOW, 300, replay, &error))
        {
          fprintf (stderr, "core request %" G_GUINT64_FORMAT ": %s\n", i, error->message);
          return FALSE;
        }
      g_autoptr (ImpsMikeyMessage) resp = imps_mikey_request_resp_build (&c->core, &c->policy, req,
                                                                         c->psk, 32, NOW, c->rnd,
                                                                         &error);
      if (resp == NULL)
        {
          fprintf (stderr, "core request %" G_GUINT64_FORMAT ": %s\n", i, error->message);
          return FALSE;
        }
      sink += resp->body.raw[resp->body.raw_len - 1];
    }
  return TRUE;
}

static gboolean
op_handler (gpointer data, guint64 first, guint64 n)
{
  Ctx *c = data;
  for (guint64 i = first; i < first + n; i++)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (c->reqs[i], &len);
      if (imps_kms_handle (c->kms, IMPS_KMS_REQUEST_TICKET, d, len, c->out)
          != IMPS_KMS_OUTCOME_ANSWER)
        {
          fprintf (stderr, "KMS request %" G_GUINT64_FORMAT " refused\n", i);
          return FALSE;
        }
      sink += c->out->data[c->out->len - 1];
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  imps_bench_options (&argc, &argv, NULL,
                      "The KMS's ticket-request handler against the core MIKEY functions doing "
                      "the same work, in the same run.",
                      NULL);
  g_autoptr (ImpsRandom) root = imps_random_new_seeded (8);
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (imps_unix_us_from_ntp (NOW));
  ImpsNetwork *net = imps_network_new (clock, root);
  g_autoptr (GError) error = NULL;
  Ctx c = { 0 };
  ImpsMikeyTp tp;
  ImpsMikeyRequestParams p = { 0 };
  guint n_all = (ROUNDS + 1) * N_REQ;

  c.rnd = imps_random_new_seeded (7);
  c.kms = imps_kms_new (net, "example.org", NULL, &error);
  g_assert_no_error (error);
  imps_random_fill (c.rnd, c.psk, 32);
  imps_kms_add_static_psk (c.kms, "static-alice", "sip:alice@example.org", c.psk, 32);
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, "sip:bob@example.org");
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = "sip:alice@example.org";
  p.kms_uri = "kms.example.org";
  p.psk_id = (const guint8 *) "static-alice";
  p.psk_id_len = strlen ((const char *) p.psk_id);
  p.desired = &tp;
  c.reqs = g_new0 (GBytes *, n_all);
  for (guint i = 0; i < n_all; i++)
    {
      /* T steps 1/65536 s: every request distinct and within the skew */
      g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, c.psk, 32,
                                                                       NOW + ((guint64) i << 16),
                                                                       c.rnd, NULL);
      g_assert (m != NULL);
      c.reqs[i] = g_bytes_new (m->body.raw, m->body.raw_len);
    }

  /* the same TPK and policy for the core as the KMS grants by default */
  ImpsMikeyTpk tpk = { .index = 1, .key_len = 32 };
  imps_random_fill (c.rnd, tpk.key, 32);
  c.core.kms_uri = "kms.example.org";
  c.core.tpk = &tpk;
  c.core.tpks = &tpk;
  c.core.n_tpks = 1;
  imps_mikey_suite_init (&c.core.suite, FALSE);
  c.core.skew = 300;
  imps_mikey_kms_policy_init_default (&c.policy, "example.org");
  c.out = g_byte_array_sized_new (1024);

  ImpsBench *b = imps_bench_new ("kms", ROUNDS, 0);
  guint core = imps_bench_add_fixed (b, "core functions", "request", op_core, &c, N_REQ);
  guint handler = imps_bench_add_fixed (b, "imps_kms_handle", "request", op_handler, &c, N_REQ);
  imps_bench_run (b);
  printf ("KMS ticket request handler (no HTTP) against the core functions, same requests\n");
  imps_bench_print (b);
  imps_bench_ratio (b, "handler / core functions (1 = no overhead)", handler, core);
  printf ("  (%u requests a round; audit rows %u; sink %u)\n", N_REQ,
          imps_kms_count_audit (c.kms, "issued"), sink);

  for (guint i = 0; i < n_all; i++)
    g_bytes_unref (c.reqs[i]);
  g_free (c.reqs);
  g_byte_array_unref (c.out);
  imps_mikey_tpk_clear (&tpk);
  imps_kms_free (c.kms);
  imps_random_free (c.rnd);
  imps_network_free (net);
  return imps_bench_finish (b);
}
