/* A small GBA network on loopback for the bsf and ue tests: HSS, BSF, UEs
 * and a test KMS (a Diameter client on Zn), at the addresses of profile §9,
 * on a virtual clock, with kernel-chosen ports.
 *
 * Subscriber values: gba.md §12.1 (TS 35.208 set 1 K and OPc, IMPI
 * user1_private@home1.net). */
#pragma once

#include "aka/imps-milenage.h"
#include "diameter/imps-diameter-gba.h"
#include "gba/imps-gba.h"
#include "imps-bsf.h"
#include "imps-diameter-peer.h"
#include "imps-hss.h"
#include "imps-test.h"
#include "imps-ue.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define FX_HSS_ADDR "127.0.1.10"
#define FX_BSF_ADDR "127.0.1.20"
#define FX_KMS_ADDR "127.0.1.30"
#define FX_UE_ADDR "127.1.1.1"
#define FX_RAW_ADDR "127.1.1.2"

#define FX_K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define FX_OPC "cd63cb71954a9f4e48a5994e37a02baf"
#define FX_IMPI "user1_private@home1.net"
#define FX_LIFETIME 7200
/* 2026-01-01T00:00:00Z */
#define FX_START_S G_GINT64_CONSTANT (1767225600)

typedef struct {
  ImpsClock *clock;
  ImpsRandom *random;
  ImpsNetwork *net;
  ImpsHss *hss;
  ImpsBsf *bsf;
  ImpsUe *ue;
  ImpsDiameterClient *kms;
  SoupSession *raw;
  GMainLoop *loop;
  gchar *dir;
  gchar *state;
  /* results of the last async call */
  gboolean ok;
  GError *error;
  ImpsDiameterMessage *answer;
  GBytes *body;
} GbaFx;

static inline void
fx_provision (GbaFx *fx, const gchar *impi, guint lifetime)
{
  guint8 k[16], opc[16], sqn[6], amf[2] = { 0, 0 };
  g_autoptr (GError) error = NULL;
  const gchar *impus[] = { "sip:user1_public1@home1.net", NULL };
  imps_test_hex_into (FX_K, k, 16);
  imps_test_hex_into (FX_OPC, opc, 16);
  imps_test_hex_into ("000000000020", sqn, 6);
  ImpsHssSubscriber sub = { impi, impus, k, opc, NULL, sqn, amf, 5, lifetime };
  g_assert_true (imps_hss_provision (fx->hss, &sub, &error));
  g_assert_no_error (error);
}

static inline void
fx_start_bsf (GbaFx *fx, const gchar *state)
{
  g_autoptr (GError) error = NULL;
  fx->bsf = imps_bsf_new (fx->net, "home1.net", state, &error);
  g_assert_no_error (error);
  g_assert_true (imps_bsf_listen (fx->bsf, FX_BSF_ADDR, 0, 0, &error));
  g_assert_no_error (error);
  imps_bsf_set_hss (fx->bsf, FX_HSS_ADDR, imps_hss_get_port (fx->hss));
  g_clear_pointer (&fx->kms, imps_diameter_client_free);
  fx->kms = imps_diameter_client_new (fx->net, FX_KMS_ADDR, FX_BSF_ADDR,
                                      imps_bsf_get_zn_port (fx->bsf));
}

static inline ImpsUe *
fx_new_ue (GbaFx *fx, const gchar *name, const gchar *address, const gchar *k_hex)
{
  guint8 k[16], opc[16];
  imps_test_hex_into (k_hex, k, 16);
  imps_test_hex_into (FX_OPC, opc, 16);
  ImpsUeUsimConfig usim = { FX_IMPI, k, opc, 5 };
  return imps_ue_new (fx->net, name, address, &usim);
}

static inline void
fx_setup (GbaFx *fx, gconstpointer unused)
{
  g_autoptr (GError) error = NULL;
  fx->clock = imps_clock_new_virtual (FX_START_S * G_USEC_PER_SEC);
  fx->random = imps_random_new_seeded (33328);
  fx->net = imps_network_new (fx->clock, fx->random);
  fx->loop = g_main_loop_new (NULL, FALSE);
  fx->dir = g_dir_make_tmp ("impsim-bsf-XXXXXX", NULL);
  fx->state = g_build_filename (fx->dir, "bsf.db", NULL);
  fx->hss = imps_hss_new (fx->net, "home1.net", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (imps_hss_listen (fx->hss, FX_HSS_ADDR, 0, &error));
  g_assert_no_error (error);
  fx_provision (fx, FX_IMPI, FX_LIFETIME);
  imps_network_register_node (fx->net, "kms.home1.net", FX_KMS_ADDR);
  imps_network_register_node (fx->net, "raw", FX_RAW_ADDR);
  fx_start_bsf (fx, NULL);
  fx->ue = fx_new_ue (fx, "alice", FX_UE_ADDR, FX_K);
}

static inline void
fx_drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static inline void
fx_teardown (GbaFx *fx, gconstpointer unused)
{
  g_clear_pointer (&fx->ue, imps_ue_free);
  g_clear_object (&fx->raw);
  g_clear_pointer (&fx->kms, imps_diameter_client_free);
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  g_clear_pointer (&fx->hss, imps_hss_free);
  fx_drain ();
  g_autofree gchar *wal = g_strconcat (fx->state, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (fx->state, "-shm", NULL);
  g_unlink (fx->state);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (fx->dir);
  g_free (fx->dir);
  g_free (fx->state);
  g_clear_error (&fx->error);
  g_clear_pointer (&fx->answer, imps_diameter_message_free);
  g_clear_pointer (&fx->body, g_bytes_unref);
  imps_network_free (fx->net);
  imps_random_free (fx->random);
  imps_clock_unref (fx->clock);
  g_main_loop_unref (fx->loop);
}

static inline void
fx_bootstrap_done (GObject *src, GAsyncResult *res, gpointer data)
{
  GbaFx *fx = data;
  fx->ok = imps_ue_bootstrap_finish (NULL, res, &fx->error);
  g_main_loop_quit (fx->loop);
}

/* Runs a bootstrap of @ue to completion; the error (if any) is in fx->error. */
static inline gboolean
fx_bootstrap (GbaFx *fx, ImpsUe *ue)
{
  g_clear_error (&fx->error);
  imps_ue_bootstrap_async (ue, "bsf.home1.net", FX_BSF_ADDR, imps_bsf_get_ub_port (fx->bsf), NULL,
                           fx_bootstrap_done, fx);
  g_main_loop_run (fx->loop);
  return fx->ok;
}

static inline void
fx_bir_done (GObject *src, GAsyncResult *res, gpointer data)
{
  GbaFx *fx = data;
  fx->answer = imps_diameter_client_request_finish (fx->kms, res, &fx->error);
  g_main_loop_quit (fx->loop);
}

/* The test KMS asks the BSF for Ks_NAF (gba.md §10.1), and for the USSs of
 * @gsid when not NULL. */
static inline ImpsDiameterBia *
fx_bir_gsid (GbaFx *fx, const gchar *btid, const gchar *naf_fqdn, const guint8 *ua_id,
             const gchar *gsid)
{
  g_autoptr (ImpsDiameterBir) bir = imps_diameter_bir_new ();
  if (gsid)
    {
      bir->gsids = g_new0 (gchar *, 2);
      bir->gsids[0] = g_strdup (gsid);
    }
  bir->session_id = g_strdup ("kms.home1.net;1;1");
  bir->origin_host = g_strdup (naf_fqdn); /* a NAF asks for its own key */
  bir->origin_realm = g_strdup ("home1.net");
  bir->destination_realm = g_strdup ("home1.net");
  bir->btid = g_strdup (btid);
  g_autoptr (GBytes) naf_id = imps_gba_naf_id_new (naf_fqdn, ua_id);
  bir->naf_id = g_bytes_unref_to_data (g_steal_pointer (&naf_id), &bir->naf_id_len);
  g_autoptr (GBytes) bytes = imps_diameter_bir_build (bir);
  g_clear_error (&fx->error);
  imps_diameter_client_request_async (fx->kms, bytes, NULL, fx_bir_done, fx);
  g_main_loop_run (fx->loop);
  g_assert_no_error (fx->error);
  g_autoptr (GError) error = NULL;
  ImpsDiameterBia *bia = imps_diameter_bia_parse (fx->answer, &error);
  g_assert_no_error (error);
  g_clear_pointer (&fx->answer, imps_diameter_message_free);
  return bia;
}

static inline ImpsDiameterBia *
fx_bir (GbaFx *fx, const gchar *btid, const gchar *naf_fqdn, const guint8 *ua_id)
{
  return fx_bir_gsid (fx, btid, naf_fqdn, ua_id, NULL);
}

/* Counts event-log entries of @kind whose summary starts with @prefix
 * (NULL: any) and, when @detail is given, whose detail contains it. */
static inline guint
fx_count (GbaFx *fx, ImpsEventKind kind, const gchar *prefix, const gchar *detail)
{
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != kind)
        continue;
      if (prefix && !g_str_has_prefix (e->summary, prefix))
        continue;
      if (detail && (e->detail == NULL || strstr (e->detail, detail) == NULL))
        continue;
      n++;
    }
  return n;
}

static inline void
fx_dump_log (GbaFx *fx)
{
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      g_test_message ("%u %s %s %s -> %s: %s%s%s", i, imps_event_kind_name (e->kind),
                      imps_ref_point_name (e->ref), e->from, e->to ? e->to : "-", e->summary,
                      e->detail ? " | " : "", e->detail ? e->detail : "");
    }
}
