/* KMS-side cost of one Ticket Request: parse REQUEST_INIT_PSK, check T,
 * the replay cache and its MAC (imps_mikey_initial_verify), then grant the
 * policy, draw keys, build the base ticket and REQUEST_RESP
 * (imps_mikey_request_resp_build). Printed as a ratio to one HMAC-SHA-1
 * over the same REQUEST_INIT bytes, measured in the same run, plus the
 * requests per second on this core (to judge "tens of thousands per
 * second"). Inputs are fixed by this project (seeded random source).
 * Timing: bench/imps-bench.h. */
#include "mikey/imps-mikey-exchange.h"
#include "imps-crypto.h"
#include "imps-random.h"
#include "imps-bench.h"

#define N_REQ 2000
#define NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000)

typedef struct {
  ImpsRandom *rnd;
  ImpsMikeyKms kms;
  ImpsMikeyKmsPolicy policy;
  guint8 psk[32];
  GBytes **reqs;
  ImpsMikeyReplay *replay;
} Ctx;

static volatile guint sink;

static gboolean
op_hmac (gpointer data, guint64 first, guint64 n)
{
  Ctx *c = data;
  guint8 mac[20];
  for (guint64 i = 0; i < n; i++)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (c->reqs[(first + i) % N_REQ], &len);
      imps_hmac (IMPS_HASH_SHA1, c->psk, 32, d, len, mac);
      sink += mac[0];
    }
  return TRUE;
}

static gboolean
op_kms (gpointer data, guint64 first, guint64 n)
{
  Ctx *c = data;
  for (guint64 i = 0; i < n; i++)
    {
      guint k = (guint) ((first + i) % N_REQ);
      if (k == 0)
        {
          /* every request once per replay cache */
          imps_mikey_replay_free (c->replay);
          c->replay = imps_mikey_replay_new (N_REQ, 300);
        }
      g_autoptr (GError) error = NULL;
      gsize len;
      const guint8 *d = g_bytes_get_data (c->reqs[k], &len);
      g_autoptr (ImpsMikeyMessage) req = imps_mikey_message_parse (d, len, &error);
      if (req == NULL
          || !imps_mikey_initial_verify (req, c->psk, 32, c->kms.kms_uri, NOW, 300, c->replay,
                                         &error))
        {
          fprintf (stderr, "request %u: %s\n", k, error->message);
          return FALSE;
        }
      g_autoptr (ImpsMikeyMessage) resp = imps_mikey_request_resp_build (&c->kms, &c->policy, req,
                                                                         c->psk, 32, NOW, c->rnd,
                                                                         &error);
      if (resp == NULL)
        {
          fprintf (stderr, "request %u: %s\n", k, error->message);
          return FALSE;
        }
      sink += resp->body.raw[resp->body.raw_len - 1];
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  imps_bench_options (&argc, &argv, NULL,
                      "The KMS side of one MIKEY-TICKET ticket request against one HMAC-SHA-1 "
                      "over the same bytes, in the same run.",
                      NULL);
  Ctx c = { 0 };
  ImpsMikeyTpk tpk = { .index = 1, .key_len = 32 };
  ImpsMikeyTp tp;
  ImpsMikeyRequestParams p = { 0 };

  c.rnd = imps_random_new_seeded (7);
  imps_random_fill (c.rnd, tpk.key, 32);
  imps_random_fill (c.rnd, c.psk, 32);
  c.kms.kms_uri = "kms.example.org";
  c.kms.tpk = &tpk;
  c.kms.tpks = &tpk;
  c.kms.n_tpks = 1;
  imps_mikey_suite_init (&c.kms.suite, FALSE);
  c.kms.skew = 300;
  imps_mikey_kms_policy_init_default (&c.policy, "example.org");
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, "sip:bob@example.org");
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = "sip:alice@example.org";
  p.kms_uri = "kms.example.org";
  p.psk_id = (const guint8 *) "ZmFrZVJBTkQ=@bsf.example.org";
  p.psk_id_len = strlen ((const char *) p.psk_id);
  p.desired = &tp;
  c.reqs = g_new0 (GBytes *, N_REQ);
  for (guint i = 0; i < N_REQ; i++)
    {
      g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, c.psk, 32,
                                                                       NOW + ((guint64) i << 20),
                                                                       c.rnd, NULL);
      g_assert (m != NULL);
      c.reqs[i] = g_bytes_new (m->body.raw, m->body.raw_len);
    }

  ImpsBench *b = imps_bench_new ("mikey-kms", 9, 50 * 1000 * 1000);
  guint h = imps_bench_add (b, "hmac-sha1 over REQUEST_INIT", "request", op_hmac, &c);
  guint k = imps_bench_add (b, "verify + REQUEST_RESP", "request", op_kms, &c);
  imps_bench_run (b);
  imps_bench_print (b);
  imps_bench_ratio (b, "ticket request / hmac-sha1", k, h);

  for (guint i = 0; i < N_REQ; i++)
    g_bytes_unref (c.reqs[i]);
  g_free (c.reqs);
  imps_mikey_replay_free (c.replay);
  imps_mikey_tpk_clear (&tpk);
  imps_random_free (c.rnd);
  return imps_bench_finish (b);
}
