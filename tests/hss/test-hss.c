/* The HSS over real Zh (Diameter on loopback): vectors a USIM accepts, SQN
 * stepping, unknown users, resynchronisation, bad AUTS, and SQN values that
 * survive a restart with a state file. AKA values: TS 35.208 set 1
 * (gba.md §4). */
#include "imps-hss.h"
#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "diameter/imps-diameter-gba.h"
#include "gba/imps-gba-uss.h"
#include "imps-diameter-peer.h"
#include "imps-test.h"

#include <glib/gstdio.h>
#include <string.h>

#define K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define OPC "cd63cb71954a9f4e48a5994e37a02baf"
#define HSS_IMPUS "sip:alice@home1.net,tel:+358501234567"

typedef struct {
  ImpsClock *clock;
  ImpsRandom *random;
  ImpsNetwork *net;
  ImpsHss *hss;
  ImpsDiameterClient *client;
  GMainLoop *loop;
  ImpsDiameterMessage *answer;
  GError *error;
  gchar *dir;
} Fx;

static void
provision (Fx *fx, const gchar *impi, const gchar *sqn_hex)
{
  guint8 k[16], opc[16], sqn[6], amf[2] = { 0, 0 };
  g_autoptr (GError) error = NULL;
  const gchar *impus[] = { "sip:alice@home1.net", "tel:+358501234567", NULL };
  imps_test_hex_into (K, k, 16);
  imps_test_hex_into (OPC, opc, 16);
  imps_test_hex_into (sqn_hex, sqn, 6);
  ImpsHssSubscriber sub = { impi, impus, k, opc, NULL, sqn, amf, 5, 7200 };
  g_assert_true (imps_hss_provision (fx->hss, &sub, &error));
  g_assert_no_error (error);
}

static void
start (Fx *fx, const gchar *state)
{
  g_autoptr (GError) error = NULL;
  fx->hss = imps_hss_new (fx->net, "home1.net", state, &error);
  g_assert_no_error (error);
  g_assert_true (imps_hss_listen (fx->hss, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  fx->client = imps_diameter_client_new (fx->net, NULL, "127.0.0.1", imps_hss_get_port (fx->hss));
}

static void
stop (Fx *fx)
{
  g_clear_pointer (&fx->client, imps_diameter_client_free);
  g_clear_pointer (&fx->hss, imps_hss_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fx_setup (Fx *fx, gconstpointer unused)
{
  fx->clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC);
  fx->random = imps_random_new_seeded (5);
  fx->net = imps_network_new (fx->clock, fx->random);
  fx->loop = g_main_loop_new (NULL, FALSE);
  fx->dir = g_dir_make_tmp ("impsim-hss-XXXXXX", NULL);
  start (fx, NULL);
  provision (fx, "alice@home1.net", "000000000020");
}

static void
fx_teardown (Fx *fx, gconstpointer unused)
{
  stop (fx);
  g_autofree gchar *db = g_build_filename (fx->dir, "hss.db", NULL);
  g_autofree gchar *wal = g_strconcat (db, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (db, "-shm", NULL);
  g_unlink (db);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (fx->dir);
  g_free (fx->dir);
  imps_network_free (fx->net);
  imps_random_free (fx->random);
  imps_clock_unref (fx->clock);
  g_main_loop_unref (fx->loop);
}

static void
done (GObject *src, GAsyncResult *res, gpointer data)
{
  Fx *fx = data;
  fx->answer = imps_diameter_client_request_finish (fx->client, res, &fx->error);
  g_main_loop_quit (fx->loop);
}

static ImpsDiameterMaa *
send_mar (Fx *fx, const gchar *impi, const guint8 *resync)
{
  g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_new ();
  mar->session_id = g_strdup ("bsf.home1.net;1;2");
  mar->origin_host = g_strdup ("bsf.home1.net");
  mar->origin_realm = g_strdup ("home1.net");
  mar->destination_realm = g_strdup ("home1.net");
  mar->impi = g_strdup (impi);
  if (resync)
    {
      mar->has_resync = TRUE;
      memcpy (mar->resync, resync, 30);
    }
  g_autoptr (GBytes) bytes = imps_diameter_mar_build (mar);
  imps_diameter_client_request_async (fx->client, bytes, NULL, done, fx);
  g_main_loop_run (fx->loop);
  g_assert_no_error (fx->error);
  g_autoptr (GError) error = NULL;
  ImpsDiameterMaa *maa = imps_diameter_maa_parse (fx->answer, &error);
  g_assert_no_error (error);
  g_clear_pointer (&fx->answer, imps_diameter_message_free);
  return maa;
}

static ImpsMilenage *
usim (void)
{
  guint8 k[16], opc[16];
  imps_test_hex_into (K, k, 16);
  imps_test_hex_into (OPC, opc, 16);
  return imps_milenage_new (k, opc);
}

static void
test_vectors (Fx *fx, gconstpointer unused)
{
  g_autoptr (ImpsMilenage) m = usim ();
  g_autoptr (ImpsAkaSqnState) st = imps_aka_sqn_state_new (5);
  guint64 last = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (ImpsDiameterMaa) maa = send_mar (fx, "alice@home1.net", NULL);
      g_assert_cmpuint (maa->result_code, ==, IMPS_DIAMETER_SUCCESS);
      g_assert_true (maa->has_av);
      g_assert_cmpuint (maa->xres_len, ==, 8);
      g_autoptr (GError) error = NULL;
      g_auto (ImpsAkaResult) r = { 0 };
      guint8 auts[14];
      /* The USIM accepts each vector, and RES, CK, IK are the HSS's. */
      g_assert_true (imps_aka_check_autn (m, st, maa->sip_authenticate, maa->sip_authenticate + 16,
                                          &r, auts, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (r.res, 8, maa->xres, 8);
      g_assert_cmpmem (r.ck, 16, maa->ck, 16);
      g_assert_cmpmem (r.ik, 16, maa->ik, 16);
      guint64 sqn = imps_aka_sqn_from_bytes (r.sqn);
      g_assert_cmpuint (sqn, >, last);
      if (i == 0)
        g_assert_cmphex (sqn, ==, 0x20); /* the provisioned next SQN */
      last = sqn;
      g_assert_nonnull (maa->guss);
      g_assert_nonnull (strstr ((const gchar *) maa->guss, "<lifeTime>7200</lifeTime>"));
      /* the USS of the KMS's service lists the subscriber's IMPUs */
      g_autoptr (ImpsGbaUssList) uss = imps_gba_uss_list_parse (maa->guss, maa->guss_len, &error);
      g_assert_no_error (error);
      g_auto (GStrv) uids = imps_gba_uss_list_uids (uss, IMPS_GBA_GSID_IMS_MEDIA);
      g_autofree gchar *joined = g_strjoinv (",", uids);
      g_assert_cmpstr (joined, ==, HSS_IMPUS);
    }
}

static void
test_unknown (Fx *fx, gconstpointer unused)
{
  g_autoptr (ImpsDiameterMaa) maa = send_mar (fx, "nobody@home1.net", NULL);
  g_assert_cmpuint (maa->experimental_result, ==, IMPS_DIAMETER_ERROR_IDENTITY_UNKNOWN);
  g_assert_false (maa->has_av);
  /* The refusal says who. */
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  gboolean found = FALSE;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_REFUSAL && e->detail && strstr (e->detail, "nobody@home1.net"))
        found = TRUE;
    }
  g_assert_true (found);
}

static void
test_resync (Fx *fx, gconstpointer unused)
{
  g_autoptr (ImpsMilenage) m = usim ();
  /* A USIM that has seen far more than the HSS thinks: SQN_MS = SEQ 5000,
   * with an age limit so that an old SEQ in another IND slot is refused too
   * (TS 33.102 Annex C). */
  g_autoptr (ImpsAkaSqnState) st = imps_aka_sqn_state_new (5);
  st->age_limit = 100;
  guint8 high[6], auts[14];
  imps_aka_sqn_to_bytes ((G_GUINT64_CONSTANT (5000) << 5) | 3, high);
  g_assert_true (imps_aka_sqn_state_accept (st, imps_aka_sqn_from_bytes (high), NULL));

  g_autoptr (ImpsDiameterMaa) first = send_mar (fx, "alice@home1.net", NULL);
  g_auto (ImpsAkaResult) r = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (imps_aka_check_autn (m, st, first->sip_authenticate,
                                       first->sip_authenticate + 16, &r, auts, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_clear_error (&error);

  guint8 resync[30];
  memcpy (resync, first->sip_authenticate, 16);
  memcpy (resync + 16, auts, 14);
  g_autoptr (ImpsDiameterMaa) second = send_mar (fx, "alice@home1.net", resync);
  g_assert_cmpuint (second->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_auto (ImpsAkaResult) r2 = { 0 };
  g_assert_true (imps_aka_check_autn (m, st, second->sip_authenticate,
                                      second->sip_authenticate + 16, &r2, auts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imps_aka_sqn_from_bytes (r2.sqn) >> 5, >, 5000);

  /* A forged AUTS: no vector. */
  resync[29] ^= 1;
  g_autoptr (ImpsDiameterMaa) third = send_mar (fx, "alice@home1.net", resync);
  g_assert_cmpuint (third->experimental_result, ==, IMPS_DIAMETER_ERROR_AUTHENTICATION_DATA_UNAVAILABLE);
  g_assert_false (third->has_av);
}

/* SQN values are never reused across a restart with a state file, even
 * though the database is written once per block. */
static void
test_restart (Fx *fx, gconstpointer unused)
{
  g_autofree gchar *db = g_build_filename (fx->dir, "hss.db", NULL);
  g_autoptr (ImpsMilenage) m = usim ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GArray) sqns = g_array_new (FALSE, FALSE, sizeof (gint64));

  stop (fx);
  for (guint run = 0; run < 3; run++)
    {
      start (fx, db);
      provision (fx, "alice@home1.net", "000000000020");
      for (guint i = 0; i < 5; i++)
        {
          g_autoptr (ImpsDiameterMaa) maa = send_mar (fx, "alice@home1.net", NULL);
          guint8 ak[6], sqn[6];
          imps_milenage_f2345 (m, maa->sip_authenticate, NULL, NULL, NULL, ak);
          for (guint j = 0; j < 6; j++)
            sqn[j] = maa->sip_authenticate[16 + j] ^ ak[j];
          gint64 v = (gint64) imps_aka_sqn_from_bytes (sqn);
          g_array_append_val (sqns, v);
        }
      stop (fx);
    }
  for (guint i = 0; i < sqns->len; i++)
    {
      gint64 *v = &g_array_index (sqns, gint64, i);
      g_assert_false (g_hash_table_contains (seen, v));
      g_hash_table_add (seen, v);
      if (i > 0)
        g_assert_cmpint (*v, >, g_array_index (sqns, gint64, i - 1));
    }
  start (fx, NULL); /* for teardown symmetry */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hss/vectors", Fx, NULL, fx_setup, test_vectors, fx_teardown);
  g_test_add ("/hss/unknown", Fx, NULL, fx_setup, test_unknown, fx_teardown);
  g_test_add ("/hss/resync", Fx, NULL, fx_setup, test_resync, fx_teardown);
  g_test_add ("/hss/restart", Fx, NULL, fx_setup, test_restart, fx_teardown);
  return g_test_run ();
}
