/* The KMS node on loopback (profile §9 addresses, virtual clock) with a
 * real HSS and BSF: GBA-keyed ticket request and resolve over Ua (profile
 * §2) with the UE's Ua client, forking, group and reused tickets, every
 * refusal with its MIKEY ERR code (mikey-ticket.md §11) and event-log
 * entry, the HTTP status codes of profile §2, the Zn 5403 re-bootstrap,
 * stateless tickets over a KMS restart and a TPK roll, and Zk between two
 * operators over mutual TLS (profile §4).
 *
 * Subscriber keys: gba.md §12.1 (TS 35.208 set 1 K and OPc). Identities,
 * addresses beyond profile §9, static PSKs and pair keys are chosen by this
 * project; the expected values are relations (equal / different keys, ERR
 * codes, HTTP statuses), not published numbers. */
#include "../bsf/gba-fixture.h"
#include "imps-hex.h"
#include "imps-kms.h"
#include "imps-kms-private.h"
#include "imps-world.h"
#include "imps-ue-ua.h"
#include "gba/imps-gba-uss.h"
#include "mikey/imps-mikey-exchange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define KX_ALICE "sip:user1_public1@home1.net"
#define KX_BOB "sip:bob@home1.net"
#define KX_CAROL "sip:carol@home1.net"
#define KX_DAVE "sip:dave@home1.net"
#define KX_TEAM "sip:team@home1.net"
#define KX_REMOTE_BOB "sip:bob@home2.net"
#define KX_SKEW 300
#define KX_SEC(n) ((guint64) (n) << 32)
#define KX_STATIC_ID "static-alice"

enum { ALICE, BOB, BOB2, CAROL, DAVE, N_USERS };

/* The suite of the exchanges the test drives (the KMS follows each
 * request's suite). */
static gboolean kx_suite_256;

static const struct {
  const gchar *name, *address, *impi, *impu;
} users[N_USERS] = {
  { "alice", FX_UE_ADDR, FX_IMPI, KX_ALICE },
  { "bob", "127.1.1.3", "bob_private@home1.net", KX_BOB },
  { "bob-tablet", "127.1.1.4", "bob2_private@home1.net", KX_BOB },
  { "carol", "127.1.1.5", "carol_private@home1.net", KX_CAROL },
  { "dave", "127.1.1.6", "dave_private@home1.net", KX_DAVE },
};

typedef struct {
  GbaFx fx;                /* first: the GBA fixture functions take it */
  ImpsKms *kms;
  guint16 kms_port;
  gchar *kms_state;
  ImpsUe *ue[N_USERS];     /* [ALICE] is fx.ue */
  ImpsUeUa *ua[N_USERS];
  GAsyncResult *result;
  ImpsRandom *rnd;
  SoupSession *http;
  SoupMessage *msg;
  guint8 static_psk[32];
  gboolean use_state;
} KmsFx;

/* ---- set-up ---- */

static void
done (GObject *source, GAsyncResult *res, gpointer data)
{
  KmsFx *k = data;
  g_clear_object (&k->result);
  k->result = g_object_ref (res);
  g_main_loop_quit (k->fx.loop);
}

static void
provision (KmsFx *k, ImpsHss *hss, const gchar *impi, const gchar *impu)
{
  guint8 key[16], opc[16], sqn[6], amf[2] = { 0, 0 };
  g_autoptr (GError) error = NULL;
  const gchar *impus[] = { impu, NULL };
  imps_test_hex_into (FX_K, key, 16);
  imps_test_hex_into (FX_OPC, opc, 16);
  imps_test_hex_into ("000000000020", sqn, 6);
  ImpsHssSubscriber sub = { impi, impus, key, opc, NULL, sqn, amf, 5, FX_LIFETIME };
  g_assert_true (imps_hss_provision (hss, &sub, &error));
  g_assert_no_error (error);
}

static ImpsUe *
new_ue (KmsFx *k, const gchar *name, const gchar *address, const gchar *impi)
{
  guint8 key[16], opc[16];
  imps_test_hex_into (FX_K, key, 16);
  imps_test_hex_into (FX_OPC, opc, 16);
  ImpsUeUsimConfig usim = { impi, key, opc, 5 };
  return imps_ue_new (k->fx.net, name, address, &usim);
}

static ImpsUeUa *
new_ua (KmsFx *k, ImpsUe *ue, const gchar *address, const gchar *impu, const gchar *bsf_fqdn,
        const gchar *bsf_addr, guint16 bsf_port, const gchar *kms_fqdn, const gchar *kms_addr,
        guint16 kms_port)
{
  ImpsUeUaKeySource src;
  imps_ue_ua_key_source_for_ue (&src, ue, bsf_fqdn, bsf_addr, bsf_port);
  return imps_ue_ua_new (k->fx.net, address, impu, kms_fqdn, kms_addr, kms_port, &src);
}

static void
start_kms (KmsFx *k)
{
  g_autoptr (GError) error = NULL;
  k->kms = imps_kms_new (k->fx.net, "home1.net", k->use_state ? k->kms_state : NULL, &error);
  g_assert_no_error (error);
  g_assert_true (imps_kms_listen (k->kms, FX_KMS_ADDR, k->kms_port, &error));
  g_assert_no_error (error);
  k->kms_port = imps_kms_get_ua_port (k->kms);
  imps_kms_set_bsf (k->kms, FX_BSF_ADDR, imps_bsf_get_zn_port (k->fx.bsf));
  const gchar *team[] = { KX_ALICE, KX_BOB, KX_CAROL, NULL };
  g_assert_true (imps_kms_add_group (k->kms, KX_TEAM, team, &error));
  g_assert_no_error (error);
  imps_kms_add_static_psk (k->kms, KX_STATIC_ID, KX_ALICE, k->static_psk, 32);
}

static void
make_uas (KmsFx *k)
{
  for (guint i = 0; i < N_USERS; i++)
    {
      g_clear_pointer (&k->ua[i], imps_ue_ua_free);
      k->ua[i] = new_ua (k, k->ue[i], users[i].address, users[i].impu, "bsf.home1.net",
                         FX_BSF_ADDR, imps_bsf_get_ub_port (k->fx.bsf), "kms.home1.net",
                         FX_KMS_ADDR, k->kms_port);
    }
}

static void
setup (KmsFx *k, gconstpointer data)
{
  fx_setup (&k->fx, NULL);
  k->rnd = imps_random_new_seeded (6043);
  for (guint i = 0; i < 32; i++)
    k->static_psk[i] = (guint8) (0x40 + i);
  k->kms_state = g_build_filename (k->fx.dir, "kms.db", NULL);
  k->ue[ALICE] = k->fx.ue;
  for (guint i = 1; i < N_USERS; i++)
    {
      provision (k, k->fx.hss, users[i].impi, users[i].impu);
      k->ue[i] = new_ue (k, users[i].name, users[i].address, users[i].impi);
    }
  k->http = soup_session_new_with_options ("timeout", 10, NULL);
  k->use_state = GPOINTER_TO_INT (data) == 1;
  if (k->use_state)
    return;  /* the test starts its KMS itself (state path) */
  start_kms (k);
  make_uas (k);
}

static void
remove_state (const gchar *path)
{
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

static void
teardown (KmsFx *k, gconstpointer data)
{
  for (guint i = 0; i < N_USERS; i++)
    g_clear_pointer (&k->ua[i], imps_ue_ua_free);
  g_clear_pointer (&k->kms, imps_kms_free);
  for (guint i = 1; i < N_USERS; i++)
    g_clear_pointer (&k->ue[i], imps_ue_free);
  g_clear_object (&k->msg);
  if (k->http)
    soup_session_abort (k->http);
  g_clear_object (&k->http);
  g_clear_object (&k->result);
  fx_drain ();
  remove_state (k->kms_state);
  g_free (k->kms_state);
  imps_random_free (k->rnd);
  fx_teardown (&k->fx, NULL);
}

static guint64
now_ntp (KmsFx *k)
{
  return imps_clock_now_ntp (k->fx.clock);
}

static void
advance (KmsFx *k, gint64 seconds)
{
  imps_clock_advance (k->fx.clock, seconds * G_USEC_PER_SEC);
}

/* ---- exchanges ---- */

static ImpsMikeyHeldTicket *
request (KmsFx *k, guint who, const ImpsMikeyTp *tp, gboolean *from_cache, GError **error)
{
  imps_ue_ua_request_ticket_async (k->ua[who], tp, NULL, done, k);
  g_main_loop_run (k->fx.loop);
  return imps_ue_ua_request_ticket_finish (k->ua[who], k->result, from_cache, error);
}

static ImpsMikeyHeldTicket *
request_ok (KmsFx *k, guint who, const ImpsMikeyTp *tp)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyHeldTicket *held = request (k, who, tp, NULL, &error);
  if (error)
    fx_dump_log (&k->fx);
  g_assert_no_error (error);
  g_assert_nonnull (held);
  return held;
}

static ImpsMikeyMessage *
transfer (KmsFx *k, ImpsMikeyHeldTicket *held, const gchar *from, const gchar *to)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyTransferParams p = { 0 };
  imps_mikey_suite_init (&p.suite, kx_suite_256);
  p.initiator_uri = from;
  p.responder_uri = to;
  p.n_media = 1;
  p.ssrc[0] = 0x11110000;
  ImpsMikeyMessage *ti = imps_mikey_transfer_init_build (held, &p, now_ntp (k), k->rnd, &error);
  g_assert_no_error (error);
  return ti;
}

static ImpsMikeyResolved *
resolve (KmsFx *k, ImpsUeUa *ua, const ImpsMikeyMessage *ti, GError **error)
{
  imps_ue_ua_resolve_async (ua, ti, NULL, done, k);
  g_main_loop_run (k->fx.loop);
  return imps_ue_ua_resolve_finish (ua, k->result, error);
}

/* The whole call: resolve at the responder, TRANSFER_RESP, and equal SRTP
 * keys at both ends; the responder's keys go to @kr. */
static void
complete_call (KmsFx *k, ImpsMikeyHeldTicket *held, const ImpsMikeyMessage *ti, ImpsUeUa *ua,
               const gchar *responder, ImpsMikeySrtpKeys *kr, guint *nr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) pre = imps_mikey_transfer_init_precheck (ti->body.raw,
                                                                        ti->body.raw_len,
                                                                        responder, now_ntp (k),
                                                                        KX_SKEW, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyResolved) res = resolve (k, ua, pre, &error);
  if (error)
    fx_dump_log (&k->fx);
  g_assert_no_error (error);
  g_assert_nonnull (res);
  guint32 ssrc[IMPS_MIKEY_MAX_MEDIA] = { 0x22220000 };
  g_autoptr (ImpsMikeyMessage) tr = imps_mikey_transfer_resp_build (pre, res, responder, ssrc, 1,
                                                                    now_ntp (k), k->rnd, kr, nr,
                                                                    NULL, &error);
  g_assert_no_error (error);
  ImpsMikeySrtpKeys ki[IMPS_MIKEY_MAX_CS];
  guint ni = 0;
  g_assert_true (imps_mikey_transfer_resp_process (held, ti, tr->body.raw, tr->body.raw_len,
                                                   now_ntp (k), KX_SKEW, ki, &ni, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ni, ==, *nr);
  g_assert_cmpuint (ni, ==, 2);
  for (guint i = 0; i < ni; i++)
    {
      g_assert_cmpuint (ki[i].key_len, ==, kx_suite_256 ? 32 : 16);
      g_assert_cmpmem (ki[i].key, ki[i].key_len, kr[i].key, kr[i].key_len);
      g_assert_cmpmem (ki[i].salt, ki[i].salt_len, kr[i].salt, kr[i].salt_len);
    }
  imps_mikey_srtp_keys_clear (ki, ni);
}

static guint
count_msgs (KmsFx *k, ImpsRefPoint ref, const gchar *from, const gchar *prefix)
{
  ImpsEventLog *log = imps_network_get_event_log (k->fx.net);
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && e->ref == ref && g_strcmp0 (e->from, from) == 0
          && g_str_has_prefix (e->summary, prefix))
        n++;
    }
  return n;
}

/* ---- the GBA-keyed exchange ---- */

static void
test_request_resolve (KmsFx *k, gconstpointer data)
{
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS];
  guint nb = 0;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);

  /* alice has not bootstrapped: the client bootstraps once, then asks */
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  g_assert_cmpuint (imps_ue_ua_count_bootstraps (k->ua[ALICE]), ==, 1);
  g_assert_cmpuint (imps_ue_ua_count_requests (k->ua[ALICE]), ==, 1);
  /* granted: the profile §3 default flags (mikey-ticket.md §17.3), 1 h */
  g_assert_cmphex (held->policy.flags, ==, 0x1F460);
  g_assert_cmpuint (held->policy.valid_to - held->policy.valid_from, ==, KX_SEC (3600));
  g_assert_cmpuint (held->keys.n_keys, ==, 1);
  g_assert_cmpuint (held->keys.keys[0].type, ==, IMPS_MIKEY_KEY_TGK);

  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_BOB);
  advance (k, 1);
  complete_call (k, held, ti, k->ua[BOB], KX_BOB, kb, &nb);
  imps_mikey_srtp_keys_clear (kb, nb);

  /* Ua and Zn on the wire, each logged once: two BIR/BIA (alice, bob) */
  g_assert_cmpuint (count_msgs (k, IMPS_REF_UA, "alice",
                                "POST /kms?requesttype=ticketrequest"), ==, 1);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_UA, "kms.home1.net", "200 REQUEST_RESP"), ==, 1);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_UA, "bob",
                                "POST /kms?requesttype=ticketresolve"), ==, 1);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_UA, "kms.home1.net", "200 RESOLVE_RESP"), ==, 1);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_ZN, "kms.home1.net", "BIR"), ==, 2);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_ZN, "bsf.home1.net", "BIA 2001"), ==, 2);
  g_assert_cmpuint (imps_kms_count_cached_keys (k->kms), ==, 3); /* 2 Ks_NAF + static */

  /* a second request for carol: Ks_NAF comes from the cache, no new BIR */
  ImpsMikeyTp tp2;
  imps_mikey_tp_init_default (&tp2, 0, FALSE);
  imps_mikey_tp_add_responder (&tp2, KX_CAROL);
  request_ok (k, ALICE, &tp2);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_ZN, "kms.home1.net", "BIR"), ==, 2);

  /* audit rows, written in a batch */
  g_assert_cmpuint (imps_kms_count_audit (k->kms, "issued"), ==, 2);
  g_assert_cmpuint (imps_kms_count_audit (k->kms, "resolved"), ==, 1);

  /* the cached Ks_NAF honours Key-ExpiryTime (7200 s): past it, a new BIR
   * (answered 5403 since the B-TID expired too) */
  advance (k, FX_LIFETIME + 10);
  g_autoptr (GError) error = NULL;
  ImpsMikeyTp tp3;
  imps_mikey_tp_init_default (&tp3, 0, FALSE);
  imps_mikey_tp_add_responder (&tp3, KX_DAVE);
  ImpsMikeyHeldTicket *h3 = request (k, ALICE, &tp3, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (h3);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_ZN, "kms.home1.net", "BIR"), ==, 3);
  g_assert_cmpuint (imps_ue_ua_count_bootstraps (k->ua[ALICE]), ==, 2);
}

static void
test_forking (KmsFx *k, gconstpointer data)
{
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS], k2[IMPS_MIKEY_MAX_CS];
  guint n1 = 0, n2 = 0;
  imps_mikey_tp_init_default (&tp, 0, TRUE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  g_assert_true (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_I);
  g_assert_cmpuint (held->keys.n_mpks, ==, 2);
  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_BOB);
  /* two devices of bob answer the same TRANSFER_INIT, each with its own
   * Ks_NAF, and get different keys (mikey-ticket.md §6.5) */
  complete_call (k, held, ti, k->ua[BOB], KX_BOB, k1, &n1);
  complete_call (k, held, ti, k->ua[BOB2], KX_BOB, k2, &n2);
  g_assert_true (memcmp (k1[0].key, k2[0].key, 16) != 0);
  g_assert_true (memcmp (k1[1].key, k2[1].key, 16) != 0);
  imps_mikey_srtp_keys_clear (k1, n1);
  imps_mikey_srtp_keys_clear (k2, n2);

  /* a policy without forking: I is cleared and K set (the grant differs) */
  g_autoptr (GError) error = NULL;
  ImpsKmsPolicyRow row;
  imps_kms_policy_row_init_default (&row);
  row.forking = FALSE;
  g_assert_true (imps_kms_set_user_policy (k->kms, KX_ALICE, &row, &error));
  g_assert_no_error (error);
  imps_ue_ua_forget_tickets (k->ua[ALICE]);
  advance (k, 1);
  ImpsMikeyHeldTicket *h2 = request_ok (k, ALICE, &tp);
  g_assert_false (h2->policy.flags & IMPS_MIKEY_TICKET_FLAG_I);
  g_assert_true (h2->policy.flags & IMPS_MIKEY_TICKET_FLAG_K);
}

/* The 256-bit suite through the node (profile §3): the KMS keeps its
 * default settings and answers a 256-bit request in the 256-bit suite;
 * request, transfer, resolve by two forked devices, reuse. */
static void
test_suite_256 (KmsFx *k, gconstpointer data)
{
  kx_suite_256 = TRUE;
  for (guint i = 0; i < N_USERS; i++)
    imps_ue_ua_set_suite_256 (k->ua[i], TRUE);
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, IMPS_MIKEY_PRF_HMAC_SHA256, TRUE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  /* the held ticket keeps the TICKET alone of its REQUEST_RESP; the
   * REQUEST_RESP itself is in the event log */
  g_assert_null (imps_mikey_message_find (held->resp, IMPS_MIKEY_PAYLOAD_KEMAC));
  g_assert_true (imps_mikey_message_find (held->resp, IMPS_MIKEY_PAYLOAD_TICKET) == held->ticket);
  g_autoptr (ImpsMikeyMessage) resp = NULL;
  {
    ImpsEventLog *log = imps_network_get_event_log (k->fx.net);
    for (guint i = imps_event_log_len (log); i-- > 0 && resp == NULL;)
      {
        const ImpsEvent *e = imps_event_log_get (log, i);
        if (e->kind != IMPS_EVENT_MESSAGE || e->ref != IMPS_REF_UA || e->bytes == NULL)
          continue;
        gsize len;
        const guint8 *b = g_bytes_get_data (e->bytes, &len);
        /* the HTTP message: its body after the head */
        const guint8 *end = (const guint8 *) g_strstr_len ((const gchar *) b, (gssize) len,
                                                           "\r\n\r\n");
        if (end == NULL)
          continue;
        g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (end + 4, len - (gsize) (end + 4 - b),
                                                                   NULL);
        if (m && m->hdr.data_type == IMPS_MIKEY_DATA_REQUEST_RESP)
          resp = g_steal_pointer (&m);
      }
  }
  g_assert_nonnull (resp);
  const ImpsMikeyPayload *kemac = imps_mikey_message_find (resp, IMPS_MIKEY_PAYLOAD_KEMAC);
  g_assert_cmpuint (kemac->u.kemac.encr_alg, ==, IMPS_MIKEY_ENCR_AES_CM_256);
  g_assert_cmpuint (held->keys.mpks[0].key_len, ==, 32);
  g_assert_cmpuint (held->keys.keys[0].key_len, ==, 32);
  g_assert_cmpuint (held->policy.prf, ==, IMPS_MIKEY_PRF_HMAC_SHA256);
  ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS], k2[IMPS_MIKEY_MAX_CS];
  guint n1 = 0, n2 = 0;
  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_BOB);
  g_assert_cmpuint (ti->hdr.prf, ==, IMPS_MIKEY_PRF_HMAC_SHA256);
  complete_call (k, held, ti, k->ua[BOB], KX_BOB, k1, &n1);
  complete_call (k, held, ti, k->ua[BOB2], KX_BOB, k2, &n2);
  g_assert_cmpuint (k1[0].key_len, ==, 32);
  g_assert_true (memcmp (k1[0].key, k2[0].key, 32) != 0);
  imps_mikey_srtp_keys_clear (k1, n1);
  imps_mikey_srtp_keys_clear (k2, n2);
  advance (k, 1);
  g_autoptr (ImpsMikeyMessage) ti2 = transfer (k, held, KX_ALICE, KX_BOB);
  complete_call (k, held, ti2, k->ua[BOB], KX_BOB, k1, &n1);
  imps_mikey_srtp_keys_clear (k1, n1);

  /* a desired 32-byte TGK under the 128-bit suite: ERR 15 */
  g_autoptr (GError) error = NULL;
  ImpsMikeyTp t128;
  imps_mikey_tp_init_default (&t128, IMPS_MIKEY_PRF_MIKEY_1, FALSE);
  imps_mikey_tp_add_responder (&t128, KX_CAROL);
  t128.n_desired = 1;
  t128.desired[0].type = IMPS_MIKEY_KEY_TGK;
  t128.desired[0].len = 32;
  imps_ue_ua_set_suite_256 (k->ua[ALICE], FALSE);
  ImpsMikeyHeldTicket *none = request (k, ALICE, &t128, NULL, &error);
  g_assert_null (none);
  g_assert_nonnull (strstr (error->message, "ERR 15"));
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "policy refused: ERR 15",
                              "32 bytes under a suite with 16-byte keys"), ==, 1);
  kx_suite_256 = FALSE;
}

/* J = 0 with forking (RFC 6043 §6.10; profile §11 "The KMS"): each device
 * that receives the one forked TRANSFER_INIT resolves it once; a second
 * resolve by a device, or a resolve for another TRANSFER_INIT made with
 * the same ticket, is refused with ERR 15. */
static void
test_single_use_forking (KmsFx *k, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ImpsKmsPolicyRow row;
  imps_kms_policy_row_init_default (&row);
  row.reuse = FALSE;
  g_assert_true (imps_kms_set_user_policy (k->kms, KX_ALICE, &row, &error));
  g_assert_no_error (error);
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, TRUE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  g_assert_false (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_J);
  g_assert_true (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_I);
  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_BOB);

  /* both of bob's devices resolve the forked TRANSFER_INIT */
  ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS], k2[IMPS_MIKEY_MAX_CS];
  guint n1 = 0, n2 = 0;
  complete_call (k, held, ti, k->ua[BOB], KX_BOB, k1, &n1);
  complete_call (k, held, ti, k->ua[BOB2], KX_BOB, k2, &n2);
  g_assert_true (memcmp (k1[0].key, k2[0].key, 16) != 0);
  imps_mikey_srtp_keys_clear (k1, n1);
  imps_mikey_srtp_keys_clear (k2, n2);

  /* the first device again: refused */
  g_autoptr (ImpsMikeyResolved) again = resolve (k, k->ua[BOB], ti, &error);
  g_assert_null (again);
  g_assert_error (error, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "ERR 15"));
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "single use refused: ERR 15",
                              "this device resolved it before"), ==, 1);
  g_clear_error (&error);

  /* the same ticket in a second TRANSFER_INIT (as a dishonest initiator
   * would send it): refused for every device, also one that has not
   * resolved yet */
  held->n_transfers = 0;
  advance (k, 1);
  g_autoptr (ImpsMikeyMessage) ti2 = transfer (k, held, KX_ALICE, KX_BOB);
  provision (k, k->fx.hss, "bob3_private@home1.net", KX_BOB);
  g_autoptr (ImpsUe) bob3 = new_ue (k, "bob-watch", "127.1.1.9", "bob3_private@home1.net");
  g_autoptr (ImpsUeUa) third = new_ua (k, bob3, "127.1.1.9", KX_BOB, "bsf.home1.net",
                                       FX_BSF_ADDR, imps_bsf_get_ub_port (k->fx.bsf),
                                       "kms.home1.net", FX_KMS_ADDR, k->kms_port);
  g_autoptr (ImpsMikeyResolved) other = resolve (k, third, ti2, &error);
  g_assert_null (other);
  g_assert_nonnull (strstr (error->message, "ERR 15"));
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "single use refused: ERR 15",
                              "resolved for another TRANSFER_INIT"), ==, 1);
  g_assert_cmpuint (imps_kms_count_audit (k->kms, "resolved"), ==, 2);
}

static void
test_group (KmsFx *k, gconstpointer data)
{
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS], kc[IMPS_MIKEY_MAX_CS];
  guint nb = 0, nc = 0;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_TEAM);
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_TEAM);
  /* members resolve the group ticket ... */
  complete_call (k, held, ti, k->ua[BOB], KX_TEAM, kb, &nb);
  complete_call (k, held, ti, k->ua[CAROL], KX_TEAM, kc, &nc);
  imps_mikey_srtp_keys_clear (kb, nb);
  imps_mikey_srtp_keys_clear (kc, nc);
  /* ... dave, not a member, is refused: ERR 7 with the event-log entry */
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyResolved) res = resolve (k, k->ua[DAVE], ti, &error);
  g_assert_null (res);
  g_assert_error (error, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "ERR 7"));
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "identity refused: ERR 7",
                              "sip:dave@home1.net"), ==, 1);
  /* dave may not request for a group he is not in (profile §3): ERR 15 */
  g_clear_error (&error);
  ImpsMikeyHeldTicket *hd = request (k, DAVE, &tp, NULL, &error);
  g_assert_null (hd);
  g_assert_error (error, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "ERR 15"));
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "policy refused: ERR 15",
                              "group sip:team@home1.net"), ==, 1);
}

static void
test_reuse (KmsFx *k, gconstpointer data)
{
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS], k2[IMPS_MIKEY_MAX_CS];
  guint n1 = 0, n2 = 0;
  gboolean cached = TRUE;
  g_autoptr (GError) error = NULL;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  ImpsMikeyHeldTicket *held = request (k, ALICE, &tp, &cached, &error);
  g_assert_no_error (error);
  g_assert_false (cached);
  g_autoptr (ImpsMikeyMessage) ti1 = transfer (k, held, KX_ALICE, KX_BOB);
  complete_call (k, held, ti1, k->ua[BOB], KX_BOB, k1, &n1);
  advance (k, 60);
  /* J = 1 and still valid: the same ticket, no request to the KMS */
  ImpsMikeyHeldTicket *again = request (k, ALICE, &tp, &cached, &error);
  g_assert_no_error (error);
  g_assert_true (cached);
  g_assert_true (again == held);
  g_assert_cmpuint (imps_ue_ua_count_requests (k->ua[ALICE]), ==, 1);
  g_autoptr (ImpsMikeyMessage) ti2 = transfer (k, again, KX_ALICE, KX_BOB);
  complete_call (k, again, ti2, k->ua[BOB], KX_BOB, k2, &n2);
  /* new CSB ID and RANDs: new keys */
  g_assert_true (memcmp (k1[0].key, k2[0].key, 16) != 0);
  imps_mikey_srtp_keys_clear (k1, n1);
  imps_mikey_srtp_keys_clear (k2, n2);
  /* past TRe the cache asks the KMS again */
  advance (k, 3600);
  held = request (k, ALICE, &tp, &cached, &error);
  g_assert_no_error (error);
  g_assert_false (cached);
  g_assert_cmpuint (imps_ue_ua_count_requests (k->ua[ALICE]), ==, 2);

  /* J = 0 (a policy without reuse): one transfer per ticket */
  ImpsKmsPolicyRow row;
  imps_kms_policy_row_init_default (&row);
  row.reuse = FALSE;
  g_assert_true (imps_kms_set_user_policy (k->kms, KX_ALICE, &row, &error));
  imps_ue_ua_forget_tickets (k->ua[ALICE]);
  ImpsMikeyHeldTicket *once = request (k, ALICE, &tp, &cached, &error);
  g_assert_no_error (error);
  g_assert_false (once->policy.flags & IMPS_MIKEY_TICKET_FLAG_J);
  g_autoptr (ImpsMikeyMessage) ti3 = transfer (k, once, KX_ALICE, KX_BOB);
  g_assert_cmpuint (once->n_transfers, ==, 1);
  g_assert_nonnull (ti3);
  ImpsMikeyHeldTicket *fresh = request (k, ALICE, &tp, &cached, &error);
  g_assert_no_error (error);
  g_assert_false (cached);
  g_assert_true (fresh != once);
}

/* ---- identity binding (TS 33.220 §4.5.3; profile §11 "The KMS") ---- */

/* A resolve or request refused with ERR 7 by the identity binding. */
static void
assert_binding_refusal (KmsFx *k, const GError *error, const gchar *claim, const gchar *owner,
                        guint before)
{
  g_assert_error (error, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "ERR 7"));
  g_autofree gchar *detail = g_strdup_printf ("%s is not an identity of B-TID", claim);
  g_autofree gchar *ids = g_strdup_printf ("its identities: %s)", owner);
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "identity binding refused: ERR 7",
                              detail), ==, before + 1);
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "identity binding refused: ERR 7",
                              ids), >=, 1);
}

static void
test_identity_binding (KmsFx *k, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_BOB);

  /* alice, bootstrapped with her own USIM (her B-TID, her Ks_NAF), claims
   * bob's IDRr to resolve the ticket for bob: ERR 7, no keys */
  g_autoptr (ImpsUeUa) mallory = new_ua (k, k->ue[ALICE], FX_UE_ADDR, KX_BOB, "bsf.home1.net",
                                         FX_BSF_ADDR, imps_bsf_get_ub_port (k->fx.bsf),
                                         "kms.home1.net", FX_KMS_ADDR, k->kms_port);
  g_autoptr (ImpsMikeyResolved) res = resolve (k, mallory, ti, &error);
  g_assert_null (res);
  assert_binding_refusal (k, error, "IDRr " KX_BOB, KX_ALICE, 0);
  g_assert_cmpuint (imps_kms_count_audit (k->kms, "resolved"), ==, 0);

  /* ... and asks for a ticket in bob's name (IDRi = bob), which would also
   * pick bob's policy row: ERR 7 */
  g_clear_error (&error);
  const gchar *anyone[] = { "sip:*", NULL };
  ImpsKmsPolicyRow row;
  imps_kms_policy_row_init_default (&row);
  row.may_request_for = anyone;
  g_assert_true (imps_kms_set_user_policy (k->kms, KX_BOB, &row, &error));
  g_assert_no_error (error);
  ImpsMikeyTp tpc;
  imps_mikey_tp_init_default (&tpc, 0, FALSE);
  imps_mikey_tp_add_responder (&tpc, "sip:victim@home9.net");
  /* as herself alice gets the default policy row (own domain only) */
  ImpsMikeyHeldTicket *h = request (k, ALICE, &tpc, NULL, &error);
  g_assert_null (h);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "ERR 15"));
  g_clear_error (&error);
  {
    imps_ue_ua_request_ticket_async (mallory, &tpc, NULL, done, k);
    g_main_loop_run (k->fx.loop);
    ImpsMikeyHeldTicket *hm = imps_ue_ua_request_ticket_finish (mallory, k->result, NULL,
                                                                &error);
    g_assert_null (hm);
    assert_binding_refusal (k, error, "IDRi " KX_BOB, KX_ALICE, 0);
  }
  g_assert_cmpuint (imps_kms_count_audit (k->kms, "issued"), ==, 1);

  /* bob himself resolves the ticket afterwards */
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS];
  guint nb = 0;
  complete_call (k, held, ti, k->ua[BOB], KX_BOB, kb, &nb);
  imps_mikey_srtp_keys_clear (kb, nb);

  /* a group identity as IDRr: only for a member (dave is not in team) */
  g_clear_error (&error);
  ImpsMikeyTp tpg;
  imps_mikey_tp_init_default (&tpg, 0, FALSE);
  imps_mikey_tp_add_responder (&tpg, KX_TEAM);
  ImpsMikeyHeldTicket *hg = request_ok (k, ALICE, &tpg);
  g_autoptr (ImpsMikeyMessage) tig = transfer (k, hg, KX_ALICE, KX_TEAM);
  g_autoptr (ImpsUeUa) dave_as_team = new_ua (k, k->ue[DAVE], users[DAVE].address, KX_TEAM,
                                              "bsf.home1.net", FX_BSF_ADDR,
                                              imps_bsf_get_ub_port (k->fx.bsf), "kms.home1.net",
                                              FX_KMS_ADDR, k->kms_port);
  g_autoptr (ImpsMikeyResolved) rg = resolve (k, dave_as_team, tig, &error);
  g_assert_null (rg);
  assert_binding_refusal (k, error, "IDRr " KX_TEAM, KX_DAVE, 0);
  g_clear_error (&error);
  g_autoptr (ImpsUeUa) carol_as_team = new_ua (k, k->ue[CAROL], users[CAROL].address, KX_TEAM,
                                               "bsf.home1.net", FX_BSF_ADDR,
                                               imps_bsf_get_ub_port (k->fx.bsf), "kms.home1.net",
                                               FX_KMS_ADDR, k->kms_port);
  g_autoptr (ImpsMikeyResolved) rc = resolve (k, carol_as_team, tig, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rc);
}

static void
restart_bsf (KmsFx *k, guint16 ub, guint16 zn, const gchar *state)
{
  g_autoptr (GError) error = NULL;
  g_clear_pointer (&k->fx.bsf, imps_bsf_free);
  fx_drain ();
  k->fx.bsf = imps_bsf_new (k->fx.net, "home1.net", state, &error);
  g_assert_no_error (error);
  g_assert_true (imps_bsf_listen (k->fx.bsf, FX_BSF_ADDR, ub, zn, &error));
  g_assert_no_error (error);
  imps_bsf_set_hss (k->fx.bsf, FX_HSS_ADDR, imps_hss_get_port (k->fx.hss));
}

/* A BIA without the KMS's USS (here: a BSF session kept without its GUSS,
 * as a state file of an older version has it) gives the user no identity:
 * every claim is refused, fail closed. */
static void
test_identity_without_uss (KmsFx *k, gconstpointer data)
{
  guint16 ub = imps_bsf_get_ub_port (k->fx.bsf), zn = imps_bsf_get_zn_port (k->fx.bsf);
  restart_bsf (k, ub, zn, k->fx.state);
  g_assert_true (fx_bootstrap (&k->fx, k->ue[ALICE]));
  g_clear_pointer (&k->fx.bsf, imps_bsf_free);
  fx_drain ();
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (k->fx.state, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE session SET guss = NULL", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  restart_bsf (k, ub, zn, k->fx.state);

  g_autoptr (GError) error = NULL;
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  ImpsMikeyHeldTicket *h = request (k, ALICE, &tp, NULL, &error);
  g_assert_null (h);
  assert_binding_refusal (k, error, "IDRi " KX_ALICE,
                          "none: the BSF sent no USS for GSID " IMPS_GBA_GSID_IMS_MEDIA, 0);
  g_assert_cmpuint (imps_ue_ua_count_bootstraps (k->ua[ALICE]), ==, 0);
}

/* ---- refusals, with a static PSK (profile §2 NOTE 1) and raw HTTP ---- */

typedef struct {
  guint status;
  GBytes *body;
  gchar *content_type;
  gchar *rebootstrap;
} Answer;

static void
answer_clear (Answer *a)
{
  g_clear_pointer (&a->body, g_bytes_unref);
  g_clear_pointer (&a->content_type, g_free);
  g_clear_pointer (&a->rebootstrap, g_free);
}

static void
post (KmsFx *k, const gchar *query, const gchar *content_type, const guint8 *body, gsize len,
      Answer *a)
{
  g_autofree gchar *url = g_strdup_printf ("http://%s:%u/kms%s", FX_KMS_ADDR, k->kms_port, query);
  g_autoptr (GError) error = NULL;
  g_clear_object (&k->msg);
  k->msg = soup_message_new ("POST", url);
  g_autoptr (GBytes) b = g_bytes_new (body, len);
  soup_message_set_request_body_from_bytes (k->msg, content_type, b);
  soup_session_send_and_read_async (k->http, k->msg, G_PRIORITY_DEFAULT, NULL, done, k);
  g_main_loop_run (k->fx.loop);
  answer_clear (a);
  a->body = soup_session_send_and_read_finish (k->http, k->result, &error);
  g_assert_no_error (error);
  a->status = soup_message_get_status (k->msg);
  SoupMessageHeaders *h = soup_message_get_response_headers (k->msg);
  a->content_type = g_strdup (soup_message_headers_get_content_type (h, NULL));
  a->rebootstrap = g_strdup (soup_message_headers_get_one (h, IMPS_KMS_REBOOTSTRAP_HEADER));
}

static ImpsMikeyMessage *
static_request (KmsFx *k, const ImpsMikeyTp *tp, guint64 now)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyRequestParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = KX_ALICE;
  p.kms_uri = "kms.home1.net";
  p.psk_id = (const guint8 *) KX_STATIC_ID;
  p.psk_id_len = strlen (KX_STATIC_ID);
  p.desired = tp;
  ImpsMikeyMessage *m = imps_mikey_request_init_build (&p, k->static_psk, 32, now, k->rnd, &error);
  g_assert_no_error (error);
  return m;
}

/* Posts @m (or @bytes) as a ticket request and checks the MIKEY Error: its
 * ERR code, whether its V verifies with the keys of @m, and the event-log
 * entry that names the check. */
static void
expect_error (KmsFx *k, const gchar *query, const ImpsMikeyMessage *m, const guint8 *bytes,
              gsize len, guint8 err_no, gboolean authenticated, const gchar *summary,
              const gchar *detail)
{
  Answer a = { 0 };
  guint before = fx_count (&k->fx, IMPS_EVENT_REFUSAL, summary, detail);
  post (k, query, IMPS_KMS_CONTENT_TYPE, bytes ? bytes : m->body.raw, bytes ? len : m->body.raw_len,
        &a);
  g_assert_cmpuint (a.status, ==, 200);
  g_assert_cmpstr (a.content_type, ==, IMPS_KMS_CONTENT_TYPE);
  gsize blen;
  const guint8 *b = g_bytes_get_data (a.body, &blen);
  guint8 errs[4];
  guint n = 0;
  gboolean auth = FALSE;
  g_autoptr (GError) error = NULL;
  ImpsMikeyMsgKeys keys;
  memset (&keys, 0, sizeof keys);
  g_assert_true (imps_mikey_error_keys (m, k->static_psk, 32, &keys, &error));
  g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_parse (b, blen,
                                                            authenticated ? &keys : NULL, errs,
                                                            4, &n, &auth, &error);
  imps_mikey_msg_keys_clear (&keys);
  g_assert_no_error (error);
  g_assert_nonnull (em);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (errs[0], ==, err_no);
  g_assert_cmpuint (em->hdr.csb_id, ==, m->hdr.csb_id);
  g_assert_cmpint (auth, ==, authenticated);
  if (!authenticated)
    g_assert_null (imps_mikey_message_find (em, IMPS_MIKEY_PAYLOAD_V));
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, summary, detail), ==, before + 1);
  answer_clear (&a);
}

static void
test_refusals (KmsFx *k, gconstpointer data)
{
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  const gchar *rq = "?requesttype=ticketrequest";

  /* a good one first: 200 REQUEST_RESP */
  {
    g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp, now_ntp (k));
    Answer a = { 0 };
    post (k, rq, IMPS_KMS_CONTENT_TYPE, m->body.raw, m->body.raw_len, &a);
    g_assert_cmpuint (a.status, ==, 200);
    gsize blen;
    const guint8 *b = g_bytes_get_data (a.body, &blen);
    g_autoptr (GError) error = NULL;
    g_autoptr (ImpsMikeyHeldTicket) held = imps_mikey_request_resp_process (m, b, blen,
                                                                            k->static_psk, 32,
                                                                            now_ntp (k), KX_SKEW,
                                                                            &error);
    g_assert_no_error (error);
    g_assert_cmpuint (held->policy.n_responders, ==, 1);
    /* replay: the same bytes again, ERR 1 (RFC 3830 §5.4) */
    expect_error (k, rq, m, NULL, 0, IMPS_MIKEY_ERR_INVALID_TS, FALSE, "replay refused: ERR 1",
                  "was received before (replay)");
    answer_clear (&a);
  }
  /* bad MAC: the last byte of V flipped, ERR 0, unauthenticated */
  {
    g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp, now_ntp (k));
    g_autofree guint8 *bad = g_memdup2 (m->body.raw, m->body.raw_len);
    bad[m->body.raw_len - 1] ^= 1;
    expect_error (k, rq, m, bad, m->body.raw_len, IMPS_MIKEY_ERR_AUTH_FAILURE, FALSE,
                  "MAC refused: ERR 0", "IDRpsk " KX_STATIC_ID);
  }
  /* stale timestamp: T 400 s behind the KMS's clock (skew 300 s), ERR 1 */
  {
    g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp, now_ntp (k) - KX_SEC (400));
    expect_error (k, rq, m, NULL, 0, IMPS_MIKEY_ERR_INVALID_TS, FALSE,
                  "timestamp refused: ERR 1", "IDRi " KX_ALICE);
  }
  /* policy: a responder outside the user's may-request-for, ERR 15,
   * authenticated (the MAC verified) */
  {
    ImpsMikeyTp tp2;
    imps_mikey_tp_init_default (&tp2, 0, FALSE);
    imps_mikey_tp_add_responder (&tp2, "sip:eve@elsewhere.example");
    g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp2, now_ntp (k));
    expect_error (k, rq, m, NULL, 0, IMPS_MIKEY_ERR_INVALID_TPPAR, TRUE, "policy refused: ERR 15",
                  "sip:eve@elsewhere.example (may request for: sip:*@home1.net, tel:*)");
  }
  /* unknown ticket type: TP asks for type 2, ERR 14 */
  {
    ImpsMikeyTp tp3;
    imps_mikey_tp_init_default (&tp3, 0, FALSE);
    imps_mikey_tp_add_responder (&tp3, KX_BOB);
    tp3.ticket_type = 2;
    g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp3, now_ntp (k));
    expect_error (k, rq, m, NULL, 0, IMPS_MIKEY_ERR_INVALID_TICKET, TRUE,
                  "ticket type refused: ERR 14", "Ticket Type 2");
  }
  /* alice's static key with another IDRi: the key's owner, ERR 7 */
  {
    ImpsMikeyRequestParams p = { 0 };
    imps_mikey_suite_init (&p.suite, FALSE);
    p.initiator_uri = KX_CAROL;
    p.kms_uri = "kms.home1.net";
    p.psk_id = (const guint8 *) KX_STATIC_ID;
    p.psk_id_len = strlen (KX_STATIC_ID);
    p.desired = &tp;
    g_autoptr (GError) error = NULL;
    g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, k->static_psk, 32,
                                                                    now_ntp (k), k->rnd, &error);
    g_assert_no_error (error);
    expect_error (k, rq, m, NULL, 0, IMPS_MIKEY_ERR_INVALID_ID, TRUE, "key owner refused: ERR 7",
                  "is the key of " KX_ALICE ", not of IDRi " KX_CAROL);
  }
  /* a REQUEST_INIT sent as ticketresolve: data type, ERR 11 */
  {
    g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp, now_ntp (k));
    expect_error (k, "?requesttype=ticketresolve", m, NULL, 0, IMPS_MIKEY_ERR_INVALID_DT, FALSE,
                  "data type refused: ERR 11", "data type 11");
  }
  /* responder not in IDRr: carol resolves bob's ticket, ERR 7 */
  {
    request_ok (k, ALICE, &tp);
    ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
    g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_BOB);
    g_autoptr (GError) error = NULL;
    g_autoptr (ImpsMikeyResolved) res = resolve (k, k->ua[CAROL], ti, &error);
    g_assert_null (res);
    g_assert_error (error, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_REFUSED);
    g_assert_nonnull (strstr (error->message, "ERR 7"));
    g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "identity refused: ERR 7",
                                "IDRr sip:carol@home1.net"), ==, 1);
    g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "identity refused: ERR 7",
                                "the ticket's IDRr: " KX_BOB), ==, 1);
  }
  if (g_getenv ("KX_DUMP"))
    fx_dump_log (&k->fx);
  /* nothing secret in the event log: no static PSK bytes in any detail */
  {
    g_autofree gchar *hex = imps_hex_encode (k->static_psk, 32);
    ImpsEventLog *log = imps_network_get_event_log (k->fx.net);
    for (guint i = 0; i < imps_event_log_len (log); i++)
      {
        const ImpsEvent *e = imps_event_log_get (log, i);
        g_assert_null (e->detail ? strstr (e->detail, hex) : NULL);
      }
  }
}

/* A 4xx's body: its reason, text/plain, exactly @want. */
static void
assert_text_body (const Answer *a, const gchar *want)
{
  g_assert_cmpstr (a->content_type, ==, "text/plain");
  g_test_message ("body: %.*s", (int) g_bytes_get_size (a->body),
                  (const gchar *) g_bytes_get_data (a->body, NULL));
  g_assert_cmpmem (g_bytes_get_data (a->body, NULL), g_bytes_get_size (a->body), want,
                   strlen (want));
}

static void
test_http_status (KmsFx *k, gconstpointer data)
{
  ImpsMikeyTp tp;
  Answer a = { 0 };
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp, now_ntp (k));

  /* profile §2: requesttype missing or unknown: 400, its reason as text */
  post (k, "", IMPS_KMS_CONTENT_TYPE, m->body.raw, m->body.raw_len, &a);
  g_assert_cmpuint (a.status, ==, 400);
  assert_text_body (&a, "requesttype missing\n");
  post (k, "?requesttype=ticketfetch", IMPS_KMS_CONTENT_TYPE, m->body.raw, m->body.raw_len, &a);
  g_assert_cmpuint (a.status, ==, 400);
  assert_text_body (&a, "requesttype 'ticketfetch' is unknown\n");
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "HTTP 400", "'ticketfetch' is unknown"),
                    ==, 1);
  /* not application/mikey: 415 */
  post (k, "?requesttype=ticketrequest", "application/octet-stream", m->body.raw, m->body.raw_len,
        &a);
  g_assert_cmpuint (a.status, ==, 415);
  assert_text_body (&a, "Content-Type application/octet-stream; the KMS takes application/mikey\n");
  /* over 64 KiB: 413 */
  {
    g_autofree guint8 *big = g_malloc0 (IMPS_KMS_MAX_BODY + 1);
    memcpy (big, m->body.raw, m->body.raw_len);
    post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, big, IMPS_KMS_MAX_BODY + 1, &a);
    g_assert_cmpuint (a.status, ==, 413);
  }
  /* exactly 64 KiB is not too large: it is read (and is no MIKEY message) */
  {
    g_autofree guint8 *edge = g_malloc0 (IMPS_KMS_MAX_BODY);
    memcpy (edge, m->body.raw, 8);
    post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, edge, IMPS_KMS_MAX_BODY, &a);
    g_assert_cmpuint (a.status, ==, 400);
  }
  /* unparsable, CSB ID readable: 400 with an unauthenticated Error 13
   * carrying that CSB ID */
  {
    guint8 junk[16] = { 1, 11, 0x00, 0, 0x12, 0x34, 0x56, 0x78, 0xff, 0xff };
    post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, junk, sizeof junk, &a);
    g_assert_cmpuint (a.status, ==, 400);
    g_assert_cmpstr (a.content_type, ==, IMPS_KMS_CONTENT_TYPE);
    gsize blen;
    const guint8 *b = g_bytes_get_data (a.body, &blen);
    guint8 errs[4];
    guint n = 0;
    gboolean auth = TRUE;
    g_autoptr (GError) error = NULL;
    g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_parse (b, blen, NULL, errs, 4, &n, &auth,
                                                              &error);
    g_assert_no_error (error);
    g_assert_cmpuint (em->hdr.csb_id, ==, 0x12345678);
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpuint (errs[0], ==, IMPS_MIKEY_ERR_UNSUPPORTED_MESSAGE);
    g_assert_false (auth);
  }
  /* unparsable, too short for a CSB ID: 400, the parser's reason as text */
  {
    guint8 tiny[5] = { 1, 11, 0, 0, 0 };
    post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, tiny, sizeof tiny, &a);
    g_assert_cmpuint (a.status, ==, 400);
    g_assert_cmpstr (a.content_type, ==, "text/plain");
    g_autofree gchar *text = g_strndup (g_bytes_get_data (a.body, NULL), g_bytes_get_size (a.body));
    g_test_message ("400 body: %s", text);
    g_assert_true (g_str_has_prefix (text, "ticket request: "));
    g_assert_nonnull (strstr (text, "(5 bytes); no CSB ID could be read\n"));
  }
  /* a MIKEY Error sent as a request: no Error answers an Error, so 400 and
   * an empty body (the refusal is logged) */
  {
    guint8 en = IMPS_MIKEY_ERR_UNSPECIFIED;
    g_autoptr (GError) error = NULL;
    g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_build (&m->hdr, &en, 1, NULL, now_ntp (k),
                                                              &error);
    g_assert_no_error (error);
    post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, em->body.raw, em->body.raw_len,
          &a);
    g_assert_cmpuint (a.status, ==, 400);
    g_assert_cmpstr (a.content_type, ==, "text/plain");
    g_autofree gchar *text = g_strndup (g_bytes_get_data (a.body, NULL), g_bytes_get_size (a.body));
    g_assert_true (g_str_has_prefix (text, "ticket request carries data type 6 (Error); expected "
                                           "11 (REQUEST_INIT_PSK); no Error could be built: "));
    g_assert_true (g_str_has_suffix (text, "\n"));
    g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "data type refused: ERR 11",
                                "data type 6 (Error)"), ==, 1);
  }
  /* the good one: 200 application/mikey */
  post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, m->body.raw, m->body.raw_len, &a);
  g_assert_cmpuint (a.status, ==, 200);
  g_assert_cmpstr (a.content_type, ==, IMPS_KMS_CONTENT_TYPE);
  g_assert_cmpuint (g_bytes_get_data (a.body, NULL) ? ((const guint8 *) g_bytes_get_data (a.body,
                    NULL))[1] : 0, ==, IMPS_MIKEY_DATA_REQUEST_RESP);
  answer_clear (&a);
}

/* ---- Zn 5403: re-bootstrap and one retry ---- */

static void
test_rebootstrap (KmsFx *k, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fx_bootstrap (&k->fx, k->ue[ALICE]));
  const gchar *old_btid = imps_ue_get_btid (k->ue[ALICE]);
  g_autofree gchar *btid1 = g_strdup (old_btid);
  /* the BSF restarts without its state, on the same ports: it no longer
   * knows the B-TID the UE holds, and answers 5403 */
  guint16 ub = imps_bsf_get_ub_port (k->fx.bsf), zn = imps_bsf_get_zn_port (k->fx.bsf);
  g_clear_pointer (&k->fx.bsf, imps_bsf_free);
  fx_drain ();
  k->fx.bsf = imps_bsf_new (k->fx.net, "home1.net", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (imps_bsf_listen (k->fx.bsf, FX_BSF_ADDR, ub, zn, &error));
  g_assert_no_error (error);
  imps_bsf_set_hss (k->fx.bsf, FX_HSS_ADDR, imps_hss_get_port (k->fx.hss));

  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  request_ok (k, ALICE, &tp);
  /* one refusal with the header, one bootstrap, one retry */
  g_assert_cmpuint (imps_ue_ua_count_bootstraps (k->ua[ALICE]), ==, 1);
  g_assert_cmpuint (imps_ue_ua_count_requests (k->ua[ALICE]), ==, 2);
  g_assert_cmpstr (imps_ue_get_btid (k->ue[ALICE]), !=, btid1);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_ZN, "bsf.home1.net", "BIA"), ==, 2);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_UA, "kms.home1.net",
                                "200 MIKEY Error (re-bootstrap)"), ==, 1);
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "B-TID refused: ERR 0", "5403"), ==, 1);
  /* the header is on the wire (the logged response bytes) */
  ImpsEventLog *log = imps_network_get_event_log (k->fx.net);
  guint found = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->bytes && e->ref == IMPS_REF_UA && g_str_has_prefix (e->summary, "200 MIKEY Error"))
        {
          gsize n;
          const gchar *d = g_bytes_get_data (e->bytes, &n);
          if (g_strstr_len (d, (gssize) n, "\r\nX-Impsim-Rebootstrap: 1\r\n"))
            found++;
        }
    }
  g_assert_cmpuint (found, ==, 1);

  /* a raw client sees the 5403 answer itself: an unknown B-TID */
  ImpsMikeyRequestParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = KX_ALICE;
  p.kms_uri = "kms.home1.net";
  p.psk_id = (const guint8 *) "AAAAAAAAAAAAAAAAAAAAAA==@bsf.home1.net";
  p.psk_id_len = strlen ((const gchar *) p.psk_id);
  p.desired = &tp;
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, k->static_psk, 32,
                                                                  now_ntp (k), k->rnd, &error);
  Answer a = { 0 };
  post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, m->body.raw, m->body.raw_len, &a);
  g_assert_cmpuint (a.status, ==, 200);
  g_assert_cmpstr (a.rebootstrap, ==, "1");

  /* a B-TID of another operator's BSF (or no B-TID at all): ERR 7 with
   * the reason in the event log, no re-bootstrap header (bootstrapping
   * again at our BSF would not help) and no BIR */
  static const gchar *foreign[] = { "AAAAAAAAAAAAAAAAAAAAAA==@bsf.home2.net",
                                    "AAAAAAAAAAAAAAAAAAAAAA==@bsf.home1.net.evil.net",
                                    "no-domain-at-all" };
  for (guint i = 0; i < G_N_ELEMENTS (foreign); i++)
    {
      guint birs = count_msgs (k, IMPS_REF_ZN, "kms.home1.net", "BIR");
      p.psk_id = (const guint8 *) foreign[i];
      p.psk_id_len = strlen (foreign[i]);
      g_autoptr (ImpsMikeyMessage) fm = imps_mikey_request_init_build (&p, k->static_psk, 32,
                                                                       now_ntp (k), k->rnd,
                                                                       &error);
      g_assert_no_error (error);
      post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, fm->body.raw,
            fm->body.raw_len, &a);
      g_assert_cmpuint (a.status, ==, 200);
      g_assert_null (a.rebootstrap);
      gsize blen;
      const guint8 *b = g_bytes_get_data (a.body, &blen);
      guint8 errs[4];
      guint n = 0;
      gboolean auth = TRUE;
      g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_parse (b, blen, NULL, errs, 4, &n, &auth,
                                                                &error);
      g_assert_no_error (error);
      g_assert_nonnull (em);
      g_assert_cmpuint (n, ==, 1);
      g_assert_cmpuint (errs[0], ==, IMPS_MIKEY_ERR_INVALID_ID);
      g_autofree gchar *why = g_strdup_printf ("IDRpsk %s is not a B-TID of this KMS's BSF "
                                               "bsf.home1.net", foreign[i]);
      g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "B-TID domain refused: ERR 7", why),
                        ==, 1);
      g_assert_cmpuint (count_msgs (k, IMPS_REF_ZN, "kms.home1.net", "BIR"), ==, birs);
    }
  p.psk_id = (const guint8 *) "AAAAAAAAAAAAAAAAAAAAAA==@bsf.home1.net";
  p.psk_id_len = strlen ((const gchar *) p.psk_id);

  /* the BSF unreachable (nothing listens on its port): 503, and the
   * event log says why; the UE's client reports the HTTP status */
  imps_kms_set_bsf (k->kms, FX_BSF_ADDR, 1);
  g_autoptr (ImpsMikeyMessage) m2 = imps_mikey_request_init_build (&p, k->static_psk, 32,
                                                                   now_ntp (k), k->rnd, &error);
  post (k, "?requesttype=ticketrequest", IMPS_KMS_CONTENT_TYPE, m2->body.raw, m2->body.raw_len,
        &a);
  g_assert_cmpuint (a.status, ==, 503);
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_FAILURE, "BSF unreachable", "Zn to 127.0.1.20:1"),
                    ==, 1);
  imps_ue_ua_forget_tickets (k->ua[ALICE]);
  g_clear_pointer (&k->kms, imps_kms_free);
  fx_drain ();
  start_kms (k);                       /* empty Ks_NAF cache, same port */
  imps_kms_set_bsf (k->kms, FX_BSF_ADDR, 1);
  ImpsMikeyHeldTicket *none = request (k, ALICE, &tp, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "503"));
  answer_clear (&a);
}

/* ---- stateless tickets: restart and TPK roll ---- */

static void
test_restart_roll (KmsFx *k, gconstpointer data)
{
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS];
  guint nb = 0;
  start_kms (k);
  make_uas (k);
  g_assert_cmpuint (imps_kms_get_tpk_index (k->kms), ==, 1);
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_BOB);
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_BOB);

  /* the KMS restarts on its state file (same port): the ticket resolves */
  g_clear_pointer (&k->kms, imps_kms_free);
  fx_drain ();
  start_kms (k);
  g_assert_cmpuint (imps_kms_get_tpk_index (k->kms), ==, 1);
  g_assert_cmpuint (imps_kms_count_audit (k->kms, "issued"), ==, 1);
  advance (k, 5);
  complete_call (k, held, ti, k->ua[BOB], KX_BOB, kb, &nb);
  imps_mikey_srtp_keys_clear (kb, nb);

  /* roll the TPK: new tickets carry index 2, the old one still resolves */
  g_autoptr (GError) error = NULL;
  g_assert_cmpuint (imps_kms_roll_tpk (k->kms, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpuint (imps_kms_count_tpks (k->kms), ==, 2);
  g_autoptr (ImpsMikeyMessage) ti2 = transfer (k, held, KX_ALICE, KX_BOB);
  complete_call (k, held, ti2, k->ua[BOB], KX_BOB, kb, &nb);
  imps_mikey_srtp_keys_clear (kb, nb);
  ImpsMikeyTp tpc;
  imps_mikey_tp_init_default (&tpc, 0, FALSE);
  imps_mikey_tp_add_responder (&tpc, KX_CAROL);
  ImpsMikeyHeldTicket *held2 = request_ok (k, ALICE, &tpc);
  ImpsMikeyTicketContents c;
  memset (&c, 0, sizeof c);
  /* the new ticket's THDR names index 2 (opening it needs the TPK, so the
   * index is read from the Ticket Data bytes: THDR format 1, index) */
  {
    const ImpsMikeyPayload *t = held2->ticket;
    g_assert_cmpuint (t->u.ticket.ticket_data.len, >, 8);
    const guint8 *td = t->u.ticket.ticket_data.data;
    /* Ticket Data starts with the THDR payload: next payload, length (2),
     * format 0x01, index (4) (mikey-ticket.md §9, A-8) */
    g_assert_cmpuint (td[3], ==, 0x01);
    g_assert_cmpuint ((guint32) td[4] << 24 | td[5] << 16 | td[6] << 8 | td[7], ==, 2);
  }
  /* a restart keeps both keys and the roll */
  g_clear_pointer (&k->kms, imps_kms_free);
  fx_drain ();
  start_kms (k);
  g_assert_cmpuint (imps_kms_get_tpk_index (k->kms), ==, 2);
  g_assert_cmpuint (imps_kms_count_tpks (k->kms), ==, 2);
  g_autoptr (ImpsMikeyMessage) ti3 = transfer (k, held, KX_ALICE, KX_BOB);
  complete_call (k, held, ti3, k->ua[BOB], KX_BOB, kb, &nb);
  imps_mikey_srtp_keys_clear (kb, nb);
  /* after the longest validity the old key is gone */
  advance (k, 3600 + 300 + 10);
  g_assert_cmpuint (imps_kms_count_tpks (k->kms), ==, 1);
}

/* ---- Zk: two operators over mutual TLS ---- */

typedef struct {
  ImpsHss *hss;
  ImpsBsf *bsf;
  ImpsKms *kms;
  ImpsUe *ue;
  ImpsUeUa *ua;
} Op2;

static gboolean
accept_kms1 (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  /* the URL is an address; the certificate names the FQDN (the chain is
   * checked by the TLS layer) */
  return errors == G_TLS_CERTIFICATE_BAD_IDENTITY;
}

static void
zk_post (KmsFx *k, SoupSession *s, GTlsCertificate *client, const gchar *query,
         const guint8 *body, gsize len, guint *status, GBytes **out, GError **error)
{
  g_autofree gchar *url = g_strdup_printf ("https://%s:%u/kms%s", FX_KMS_ADDR,
                                           imps_kms_get_zk_port (k->kms), query);
  g_clear_object (&k->msg);
  k->msg = soup_message_new ("POST", url);
  g_autoptr (GBytes) b = g_bytes_new (body, len);
  soup_message_set_request_body_from_bytes (k->msg, IMPS_KMS_CONTENT_TYPE, b);
  if (client)
    soup_message_set_tls_client_certificate (k->msg, client);
  g_signal_connect (k->msg, "accept-certificate", G_CALLBACK (accept_kms1), NULL);
  soup_session_send_and_read_async (s, k->msg, G_PRIORITY_DEFAULT, NULL, done, k);
  g_main_loop_run (k->fx.loop);
  *out = soup_session_send_and_read_finish (s, k->result, error);
  *status = soup_message_get_status (k->msg);
}

/* ---- Zk under idle sockets and outside TLS clients ---- */

/* @n idle TCP connections to @port, each from its own loopback address
 * (so that the per-source cap does not close them). */
/* @n connections to @port, each from its own address 127.@net.x.y; with
 * @first_byte each sends that one byte (a record that never completes). */
static GArray *
open_idle_sockets (guint16 port, guint n, guint net, gint first_byte)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; i < n; i++)
    {
      int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      g_assert_cmpint (fd, >=, 0);
      struct sockaddr_in src = { 0 }, dst = { 0 };
      src.sin_family = dst.sin_family = AF_INET;
      g_autofree gchar *ip = g_strdup_printf ("127.%u.%u.%u", net, i / 200, i % 200 + 1);
      inet_pton (AF_INET, ip, &src.sin_addr);
      g_assert_cmpint (bind (fd, (struct sockaddr *) &src, sizeof src), ==, 0);
      dst.sin_port = htons (port);
      inet_pton (AF_INET, FX_KMS_ADDR, &dst.sin_addr);
      int r = connect (fd, (struct sockaddr *) &dst, sizeof dst);
      g_assert_true (r == 0 || errno == EINPROGRESS);
      if (first_byte >= 0)
        {
          /* loopback: the connect is done at once */
          guint8 b = (guint8) first_byte;
          g_assert_cmpint (send (fd, &b, 1, MSG_NOSIGNAL), ==, 1);
        }
      g_array_append_val (fds, fd);
    }
  return fds;
}

static void
close_idle_sockets (GArray *fds)
{
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_array_unref (fds);
}

/* Runs openssl s_client against the Zk port of the KMS under test with
 * @args, sends @input, and returns everything it printed. The main loop
 * runs meanwhile (the server is in this process). */
static gchar *
s_client (KmsFx *k, const gchar *ca_path, const gchar *const *args, GBytes *input)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *target = g_strdup_printf ("%s:%u", FX_KMS_ADDR,
                                              imps_kms_get_zk_port (k->kms));
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const gchar *head[] = { "timeout", "30", "openssl", "s_client", "-connect", target, "-CAfile",
                          ca_path, "-servername", "kms.home1.net", "-ign_eof", "-msg" };
  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (gpointer) head[i]);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GSubprocess) p = g_subprocess_newv ((const gchar *const *) argv->pdata,
                                                 G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                 | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                 | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_async (p, input, NULL, done, k);
  g_main_loop_run (k->fx.loop);
  g_autoptr (GBytes) out = NULL;
  g_subprocess_communicate_finish (p, k->result, &out, NULL, &error);
  g_assert_no_error (error);
  gsize len;
  const gchar *d = g_bytes_get_data (out, &len);
  return g_strndup (d, len);
}

static void
zk_outside_clients (KmsFx *k, const gchar *ca_path, const gchar *pem2_path,
                    const guint8 *body, gsize body_len)
{
  g_autofree gchar *req_head = g_strdup_printf ("POST /kms?requesttype=ticketrequest HTTP/1.1\r\n"
                                                "Host: kms.home1.net\r\nConnection: close\r\n"
                                                "Content-Type: " IMPS_KMS_CONTENT_TYPE "\r\nContent-Length: "
                                                "%" G_GSIZE_FORMAT "\r\n\r\n", body_len);
  GByteArray *req = g_byte_array_new ();
  g_byte_array_append (req, (const guint8 *) req_head, (guint) strlen (req_head));
  g_byte_array_append (req, body, (guint) body_len);
  g_autoptr (GBytes) request = g_byte_array_free_to_bytes (req);

  /* a self-signed certificate that names a KMS */
  g_autofree gchar *self_key = g_build_filename (k->fx.dir, "self.key", NULL);
  g_autofree gchar *self_crt = g_build_filename (k->fx.dir, "self.crt", NULL);
  const gchar *mk[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", self_key, "-out",
                        self_crt, "-subj", "/CN=kms.home2.net", "-days", "2", "-addext",
                        "subjectAltName=DNS:kms.home2.net", NULL };
  gint st = -1;
  g_assert_true (g_spawn_sync (NULL, (gchar **) mk, NULL, G_SPAWN_SEARCH_PATH
                               | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &st, NULL));
  g_assert_cmpint (st, ==, 0);

  /* a certificate of the run's CA asking ticketrequest: 403, over TLS 1.3
   * and TLS 1.2 (an AEAD suite) */
  {
    const gchar *a13[] = { "-tls1_3", "-cert", pem2_path, "-key", pem2_path, NULL };
    g_autofree gchar *out = s_client (k, ca_path, a13, request);
    g_test_message ("%s", out);
    g_assert_nonnull (strstr (out, "HTTP/1.1 403 Forbidden"));
    /* the 403 says why, as text */
    g_assert_nonnull (strstr (out, "Content-Type: text/plain; charset=utf-8\r\n"));
    g_assert_nonnull (strstr (out, "\nticketrequest is not served on Zk (profile §4)\n"));
    g_assert_nonnull (strstr (out, "Verify return code: 0 (ok)"));
    const gchar *a12[] = { "-tls1_2", "-cert", pem2_path, "-key", pem2_path, NULL };
    g_autofree gchar *out12 = s_client (k, ca_path, a12, request);
    g_assert_nonnull (strstr (out12, "HTTP/1.1 403 Forbidden"));
    g_assert_nonnull (strstr (out12, "Cipher is ECDHE-ECDSA-AES256-GCM-SHA384"));
  }
  /* no certificate, and a self-signed one: a close_notify alert right
   * after the handshake, never an HTTP answer (and no reset) */
  {
    const gchar *none[] = { "-tls1_3", NULL };
    const gchar *self[] = { "-tls1_3", "-cert", self_crt, "-key", self_key, NULL };
    const gchar *none12[] = { "-tls1_2", NULL };
    const gchar *const *cases[] = { none, self, none12 };
    guint before = fx_count (&k->fx, IMPS_EVENT_REFUSAL, "TLS client refused",
                             "sent no certificate");
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree gchar *out = s_client (k, ca_path, cases[i], request);
        g_test_message ("%s", out);
        g_assert_nonnull (strstr (out, "Alert [length 0002], warning close_notify"));
        g_assert_null (strstr (out, "HTTP/1.1"));
        g_assert_null (strstr (out, "errno=104"));
      }
    g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "TLS client refused",
                                "sent no certificate"), ==, before + 2);
    g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "TLS client refused",
                                "does not verify against the CA"), ==, 1);
  }
  /* TLS 1.1, and TLS 1.2 with CBC suites only: fatal alerts
   * protocol_version and handshake_failure */
  {
    const gchar *v11[] = { "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-cert", pem2_path,
                           "-key", pem2_path, NULL };
    g_autofree gchar *out = s_client (k, ca_path, v11, request);
    g_test_message ("%s", out);
    g_assert_nonnull (strstr (out, "alert protocol version"));
    g_assert_null (strstr (out, "HTTP/1.1"));
    const gchar *cbc[] = { "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA",
                           "-cert", pem2_path, "-key", pem2_path, NULL };
    g_autofree gchar *out2 = s_client (k, ca_path, cbc, request);
    g_test_message ("%s", out2);
    g_assert_nonnull (strstr (out2, "alert handshake failure"));
    g_assert_null (strstr (out2, "HTTP/1.1"));
  }
  g_unlink (self_key);
  g_unlink (self_crt);
}

static void
probe_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_task_return_boolean (task, TRUE);
}

static void
probe_ready (GObject *source, GAsyncResult *res, gpointer data)
{
  g_assert_true (g_task_propagate_boolean (G_TASK (res), NULL));
  *(gboolean *) data = TRUE;
}

static void
test_zk (KmsFx *k, gconstpointer data)
{
  gboolean hostile = GPOINTER_TO_INT (data) == 2;
  g_autoptr (GError) error = NULL;
  Op2 o = { 0 };
  guint8 pair[32];
  for (guint i = 0; i < 32; i++)
    pair[i] = (guint8) (0xa0 ^ i);

  /* operator 2: HSS, BSF, KMS at 127.0.2.x (profile §9), bob at 127.2.1.1 */
  o.hss = imps_hss_new (k->fx.net, "home2.net", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (imps_hss_listen (o.hss, "127.0.2.10", 0, &error));
  provision (k, o.hss, "bob_private@home2.net", KX_REMOTE_BOB);
  o.bsf = imps_bsf_new (k->fx.net, "home2.net", NULL, &error);
  g_assert_true (imps_bsf_listen (o.bsf, "127.0.2.20", 0, 0, &error));
  imps_bsf_set_hss (o.bsf, "127.0.2.10", imps_hss_get_port (o.hss));
  o.kms = imps_kms_new (k->fx.net, "home2.net", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (imps_kms_listen (o.kms, "127.0.2.30", 0, &error));
  imps_kms_set_bsf (o.kms, "127.0.2.20", imps_bsf_get_zn_port (o.bsf));

  /* the run's CA and a certificate per KMS */
  gint64 now_s = imps_clock_now_us (k->fx.clock) / G_USEC_PER_SEC;
  g_autoptr (ImpsKmsCa) ca = imps_kms_ca_new ("impsim test CA", now_s, &error);
  g_assert_no_error (error);
  gchar *pem1 = imps_kms_ca_issue (ca, "kms.home1.net", now_s, &error);
  gchar *pem2 = imps_kms_ca_issue (ca, "kms.home2.net", now_s, &error);
  gchar *pem3 = imps_kms_ca_issue (ca, "kms.home3.net", now_s, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (imps_kms_ca_get_pem (ca), "-----BEGIN CERTIFICATE-----"));
  g_assert_nonnull (strstr (pem1, "-----BEGIN PRIVATE KEY-----"));
  g_assert_true (imps_kms_set_zk_tls (k->kms, pem1, imps_kms_ca_get_pem (ca), &error));
  g_assert_no_error (error);
  /* KMS 2 reads its identity from PEM files named by the caller */
  g_autofree gchar *pem2_path = g_build_filename (k->fx.dir, "kms2.pem", NULL);
  g_autofree gchar *ca2_path = g_build_filename (k->fx.dir, "ca2.pem", NULL);
  g_assert_true (g_file_set_contents (pem2_path, pem2, -1, NULL));
  g_assert_true (g_file_set_contents (ca2_path, imps_kms_ca_get_pem (ca), -1, NULL));
  g_assert_true (imps_kms_set_zk_tls_files (o.kms, pem2_path, pem2_path, ca2_path, &error));
  g_assert_no_error (error);
  g_assert_true (imps_kms_listen_zk (k->kms, FX_KMS_ADDR, 0, &error));
  g_assert_no_error (error);
  g_assert_true (imps_kms_listen_zk (o.kms, "127.0.2.30", 0, &error));
  g_assert_true (imps_kms_add_agreement (k->kms, "kms.home2.net", pair, 32, &error));
  g_assert_true (imps_kms_add_agreement (o.kms, "kms.home1.net", pair, 32, &error));
  g_assert_no_error (error);
  imps_kms_set_peer_zk (o.kms, "kms.home1.net", FX_KMS_ADDR, imps_kms_get_zk_port (k->kms));
  imps_kms_set_peer_zk (k->kms, "kms.home2.net", "127.0.2.30", imps_kms_get_zk_port (o.kms));
  /* alice may ask for tickets to home2 users */
  const gchar *pats[] = { "sip:*@home1.net", "sip:*@home2.net", NULL };
  ImpsKmsPolicyRow row;
  imps_kms_policy_row_init_default (&row);
  row.may_request_for = pats;
  g_assert_true (imps_kms_set_default_policy (k->kms, &row, &error));

  o.ue = new_ue (k, "bob@home2", "127.2.1.1", "bob_private@home2.net");
  o.ua = new_ua (k, o.ue, "127.2.1.1", KX_REMOTE_BOB, "bsf.home2.net", "127.0.2.20",
                 imps_bsf_get_ub_port (o.bsf), "kms.home2.net", "127.0.2.30",
                 imps_kms_get_ua_port (o.kms));

  /* with 500 idle TCP connections on the issuing KMS's Zk port, each from
   * its own address, the relay still works: an idle socket holds no
   * thread (the TLS handshake starts at the client's first bytes) */
  GArray *idle = NULL;
  if (hostile)
    {
      /* both ends of each socket are in this process: raise the soft
       * descriptor limit (600 sockets need about 1,300) */
      struct rlimit rl;
      g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
      guint n = rl.rlim_cur >= 1400 ? 500 : (guint) (rl.rlim_cur - 400) / 2;
      if (n < 500)
        g_test_message ("descriptor limit %lu: %u idle sockets", (gulong) rl.rlim_cur, n);
      idle = open_idle_sockets (imps_kms_get_zk_port (k->kms), n, 9, -1);
    }
  if (idle)
    {
      /* every idle socket is accepted */
      ImpsHttpStats st;
      imps_http_server_get_stats (k->kms->zk_server, &st);
      while (st.accepted < idle->len)
        {
          g_main_context_iteration (NULL, TRUE);
          imps_http_server_get_stats (k->kms->zk_server, &st);
        }
      /* glib-networking runs each TLS handshake in a thread of GLib's GTask
       * pool that blocks until the handshake is over. With the handshake
       * deferred to the client's first bytes, the idle sockets hold none of
       * those threads: a task pushed to the pool now runs while every idle
       * socket is still open and none has hit the handshake deadline. A
       * handshake started at the accept would hold a pool thread for each
       * idle socket, and the task would wait behind them until the deadline
       * ended them (or, without a deadline, for good). */
      gboolean probe_done = FALSE;
      GTask *probe = g_task_new (NULL, NULL, probe_ready, &probe_done);
      g_task_run_in_thread (probe, probe_thread);
      g_object_unref (probe);
      while (!probe_done)
        g_main_context_iteration (NULL, TRUE);
      imps_http_server_get_stats (k->kms->zk_server, &st);
      g_assert_cmpuint (st.open, >=, idle->len);
      g_assert_cmpuint (st.timed_out, ==, 0);
      g_assert_cmpuint (st.handshake_failed, ==, 0);

      /* 100 more that each send the first byte of a TLS record and no
       * more: none of them starts a handshake (which would block a pool
       * thread until the deadline) before its whole ClientHello record is
       * there, so no handshake runs and the pool again runs a task while
       * all of them are open */
      GArray *slow = open_idle_sockets (imps_kms_get_zk_port (k->kms), 100, 10, 22);
      while (st.hellos_waiting < slow->len)
        {
          g_main_context_iteration (NULL, TRUE);
          imps_http_server_get_stats (k->kms->zk_server, &st);
        }
      g_assert_cmpuint (st.handshaking, ==, 0);
      g_assert_cmpuint (st.handshakes_waiting, ==, 0);
      probe_done = FALSE;
      probe = g_task_new (NULL, NULL, probe_ready, &probe_done);
      g_task_run_in_thread (probe, probe_thread);
      g_object_unref (probe);
      while (!probe_done)
        g_main_context_iteration (NULL, TRUE);
      imps_http_server_get_stats (k->kms->zk_server, &st);
      g_assert_cmpuint (st.open, >=, idle->len + slow->len);
      g_assert_cmpuint (st.timed_out, ==, 0);
      g_assert_cmpuint (st.handshake_failed, ==, 0);
      /* their clients give up: each then gets its handshake, in turn (at
       * most IMPS_HTTP_MAX_HANDSHAKES at once), which fails on the close */
      close_idle_sockets (slow);
      while (st.hellos_waiting + st.handshaking + st.handshakes_waiting > 0)
        {
          g_main_context_iteration (NULL, TRUE);
          imps_http_server_get_stats (k->kms->zk_server, &st);
        }
      g_assert_cmpuint (st.handshake_failed, ==, 100);
    }

  /* the relay: bob resolves alice's ticket with his own KMS, which asks
   * the issuing KMS over Zk; equal keys at both ends */
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS];
  guint nb = 0;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_REMOTE_BOB);
  ImpsMikeyHeldTicket *held = request_ok (k, ALICE, &tp);
  g_autoptr (ImpsMikeyMessage) ti = transfer (k, held, KX_ALICE, KX_REMOTE_BOB);
  complete_call (k, held, ti, o.ua, KX_REMOTE_BOB, kb, &nb);
  imps_mikey_srtp_keys_clear (kb, nb);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_ZK, "kms.home2.net",
                                "POST /kms?requesttype=ticketresolve"), ==, 1);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_ZK, "kms.home1.net", "200 RESOLVE_RESP"), ==, 1);
  g_assert_cmpuint (count_msgs (k, IMPS_REF_UA, "kms.home2.net", "200 RESOLVE_RESP"), ==, 1);
  g_assert_cmpuint (imps_kms_count_audit (o.kms, "relayed"), ==, 1);
  g_assert_cmpuint (imps_kms_count_audit (k->kms, "resolved-zk"), ==, 1);
  if (idle)
    close_idle_sockets (idle);

  /* identity claims across operators: eve (home2) claims bob@home2's IDRr
   * at her own KMS, which refuses before relaying (no second Zk request);
   * carol (home1) claims it at the issuing KMS directly */
  {
    provision (k, o.hss, "eve_private@home2.net", "sip:eve@home2.net");
    g_autoptr (ImpsUe) eve = new_ue (k, "eve@home2", "127.2.1.2", "eve_private@home2.net");
    g_autoptr (ImpsUeUa) eve_as_bob = new_ua (k, eve, "127.2.1.2", KX_REMOTE_BOB, "bsf.home2.net",
                                              "127.0.2.20", imps_bsf_get_ub_port (o.bsf),
                                              "kms.home2.net", "127.0.2.30",
                                              imps_kms_get_ua_port (o.kms));
    g_autoptr (ImpsMikeyResolved) r1 = resolve (k, eve_as_bob, ti, &error);
    g_assert_null (r1);
    assert_binding_refusal (k, error, "IDRr " KX_REMOTE_BOB, "sip:eve@home2.net", 0);
    g_assert_cmpuint (count_msgs (k, IMPS_REF_ZK, "kms.home2.net",
                                  "POST /kms?requesttype=ticketresolve"), ==, 1);
    g_clear_error (&error);
    g_autoptr (ImpsUeUa) carol_as_bob = new_ua (k, k->ue[CAROL], users[CAROL].address,
                                                KX_REMOTE_BOB, "bsf.home1.net", FX_BSF_ADDR,
                                                imps_bsf_get_ub_port (k->fx.bsf), "kms.home1.net",
                                                FX_KMS_ADDR, k->kms_port);
    g_autoptr (ImpsMikeyResolved) r2 = resolve (k, carol_as_bob, ti, &error);
    g_assert_null (r2);
    assert_binding_refusal (k, error, "IDRr " KX_REMOTE_BOB, KX_CAROL, 1);
    g_clear_error (&error);
    g_assert_cmpuint (imps_kms_count_audit (k->kms, "resolved-zk"), ==, 1);
    g_assert_cmpuint (imps_kms_count_audit (k->kms, "resolved"), ==, 0);
    imps_ue_ua_free (g_steal_pointer (&eve_as_bob));
    fx_drain ();
  }

  /* a J = 0 forking ticket across operators: two devices of bob@home2
   * resolve through their KMS, which counts its devices before relaying;
   * the first device's second resolve is refused there, without Zk */
  {
    ImpsKmsPolicyRow once;
    imps_kms_policy_row_init_default (&once);
    once.reuse = FALSE;
    once.may_request_for = pats;
    g_assert_true (imps_kms_set_user_policy (k->kms, KX_ALICE, &once, &error));
    g_assert_no_error (error);
    provision (k, o.hss, "bob2_private@home2.net", KX_REMOTE_BOB);
    g_autoptr (ImpsUe) bob2 = new_ue (k, "bob2@home2", "127.2.1.3", "bob2_private@home2.net");
    g_autoptr (ImpsUeUa) bob2_ua = new_ua (k, bob2, "127.2.1.3", KX_REMOTE_BOB, "bsf.home2.net",
                                           "127.0.2.20", imps_bsf_get_ub_port (o.bsf),
                                           "kms.home2.net", "127.0.2.30",
                                           imps_kms_get_ua_port (o.kms));
    imps_ue_ua_forget_tickets (k->ua[ALICE]);
    ImpsMikeyTp tpf;
    imps_mikey_tp_init_default (&tpf, 0, TRUE);
    imps_mikey_tp_add_responder (&tpf, KX_REMOTE_BOB);
    ImpsMikeyHeldTicket *h1 = request_ok (k, ALICE, &tpf);
    g_assert_false (h1->policy.flags & IMPS_MIKEY_TICKET_FLAG_J);
    g_autoptr (ImpsMikeyMessage) tif = transfer (k, h1, KX_ALICE, KX_REMOTE_BOB);
    ImpsMikeySrtpKeys f1[IMPS_MIKEY_MAX_CS], f2[IMPS_MIKEY_MAX_CS];
    guint m1 = 0, m2 = 0;
    complete_call (k, h1, tif, o.ua, KX_REMOTE_BOB, f1, &m1);
    complete_call (k, h1, tif, bob2_ua, KX_REMOTE_BOB, f2, &m2);
    g_assert_true (memcmp (f1[0].key, f2[0].key, 16) != 0);
    imps_mikey_srtp_keys_clear (f1, m1);
    imps_mikey_srtp_keys_clear (f2, m2);
    guint zk_before = count_msgs (k, IMPS_REF_ZK, "kms.home2.net",
                                  "POST /kms?requesttype=ticketresolve");
    g_autoptr (ImpsMikeyResolved) again = resolve (k, o.ua, tif, &error);
    g_assert_null (again);
    g_assert_nonnull (strstr (error->message, "ERR 15"));
    g_clear_error (&error);
    g_assert_cmpuint (count_msgs (k, IMPS_REF_ZK, "kms.home2.net",
                                  "POST /kms?requesttype=ticketresolve"), ==, zk_before);
    g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "single use refused: ERR 15",
                                "this device resolved it before"), ==, 1);
    imps_ue_ua_free (g_steal_pointer (&bob2_ua));
    fx_drain ();
  }

  /* raw Zk clients: trust the CA, with or without a client certificate */
  g_autofree gchar *ca_path = g_build_filename (k->fx.dir, "ca.pem", NULL);
  g_assert_true (g_file_set_contents (ca_path, imps_kms_ca_get_pem (ca), -1, NULL));
  g_autoptr (GTlsDatabase) db = g_tls_file_database_new (ca_path, &error);
  g_assert_no_error (error);
  g_autoptr (SoupSession) s = soup_session_new_with_options ("tls-database", db, "timeout", 10,
                                                             NULL);
  g_autoptr (GTlsCertificate) c3 = g_tls_certificate_new_from_pem (pem3, -1, &error);
  g_autoptr (GTlsCertificate) c2 = g_tls_certificate_new_from_pem (pem2, -1, &error);
  g_assert_no_error (error);
  guint status = 0;
  g_autoptr (GBytes) out = NULL;

  /* ticketrequest on Zk: 403 */
  {
    ImpsMikeyTp tpr;
    imps_mikey_tp_init_default (&tpr, 0, FALSE);
    imps_mikey_tp_add_responder (&tpr, KX_BOB);
    g_autoptr (ImpsMikeyMessage) m = static_request (k, &tpr, now_ntp (k));
    zk_post (k, s, c2, "?requesttype=ticketrequest", m->body.raw, m->body.raw_len, &status, &out,
             &error);
    g_assert_no_error (error);
    g_assert_cmpuint (status, ==, 403);
    g_assert_cmpuint (count_msgs (k, IMPS_REF_ZK, "kms.home1.net", "403 (ticketrequest)"), ==, 1);
    g_clear_pointer (&out, g_bytes_unref);
  }
  /* no agreement between kms.home3.net and kms.home1.net: MIKEY Error 7 */
  {
    guint8 psk3[32] = { 3 };
    ImpsMikeyResolveParams rp = { KX_REMOTE_BOB, "kms.home3.net", (const guint8 *) "x", 1 };
    g_autoptr (ImpsMikeyMessage) ri = imps_mikey_resolve_init_build (ti, &rp, psk3, 32,
                                                                     now_ntp (k), k->rnd, &error);
    g_assert_no_error (error);
    g_autoptr (ImpsMikeyMessage) relay = imps_mikey_resolve_relay_init_build (ri, "kms.home3.net",
                                                                              "kms.home1.net",
                                                                              psk3, 32,
                                                                              now_ntp (k), k->rnd,
                                                                              &error);
    g_assert_no_error (error);
    zk_post (k, s, c3, "?requesttype=ticketresolve", relay->body.raw, relay->body.raw_len,
             &status, &out, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (status, ==, 200);
    gsize blen;
    const guint8 *b = g_bytes_get_data (out, &blen);
    guint8 errs[4];
    guint n = 0;
    gboolean auth = TRUE;
    g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_parse (b, blen, NULL, errs, 4, &n, &auth,
                                                              &error);
    g_assert_no_error (error);
    g_assert_nonnull (em);
    g_assert_false (auth);
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpuint (errs[0], ==, IMPS_MIKEY_ERR_INVALID_ID);
    g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "agreement refused: ERR 7",
                                "kms.home3.net"), ==, 1);
    g_clear_pointer (&out, g_bytes_unref);
  }
  /* a certificate that names another KMS than IDRpsk, and a wrong pair
   * key: ERR 7 and ERR 0 */
  {
    guint8 wrong[32] = { 7 };
    ImpsMikeyResolveParams rp = { KX_REMOTE_BOB, "kms.home2.net", (const guint8 *) "x", 1 };
    g_autoptr (ImpsMikeyMessage) ri = imps_mikey_resolve_init_build (ti, &rp, wrong, 32,
                                                                     now_ntp (k), k->rnd, &error);
    g_assert_no_error (error);
    static const struct {
      gboolean right_key;
      gboolean cert2;
      guint8 err;
      const gchar *summary, *detail;
    } cases[] = {
      { TRUE, FALSE, IMPS_MIKEY_ERR_INVALID_ID, "client certificate refused: ERR 7",
        "IDRpsk names kms.home2.net but the TLS client certificate names kms.home3.net" },
      { FALSE, TRUE, IMPS_MIKEY_ERR_AUTH_FAILURE, "MAC refused: ERR 0", "IDRpsk kms.home2.net" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr (ImpsMikeyMessage) relay = imps_mikey_resolve_relay_init_build (
          ri, "kms.home2.net", "kms.home1.net", cases[i].right_key ? pair : wrong, 32,
          now_ntp (k), k->rnd, &error);
        g_assert_no_error (error);
        zk_post (k, s, cases[i].cert2 ? c2 : c3, "?requesttype=ticketresolve", relay->body.raw,
                 relay->body.raw_len, &status, &out, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (status, ==, 200);
        gsize blen;
        const guint8 *b = g_bytes_get_data (out, &blen);
        guint8 errs[4];
        guint n = 0;
        gboolean auth = TRUE;
        g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_parse (b, blen, NULL, errs, 4, &n,
                                                                  &auth, &error);
        g_assert_no_error (error);
        g_assert_nonnull (em);
        g_assert_cmpuint (n, ==, 1);
        g_assert_cmpuint (errs[0], ==, cases[i].err);
        g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, cases[i].summary,
                                    cases[i].detail), ==, 1);
        g_clear_pointer (&out, g_bytes_unref);
      }
  }
  /* no client certificate: the handshake fails, the handler never runs */
  {
    guint zk_before = count_msgs (k, IMPS_REF_ZK, "kms.home1.net", "");
    guint8 one = 1;
    zk_post (k, s, NULL, "?requesttype=ticketresolve", &one, 1, &status, &out, &error);
    g_assert_null (out);
    g_assert_nonnull (error);
    g_test_message ("without a client certificate: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpuint (count_msgs (k, IMPS_REF_ZK, "kms.home1.net", ""), ==, zk_before);
  }
  if (hostile)
    {
      ImpsMikeyTp tpr;
      imps_mikey_tp_init_default (&tpr, 0, FALSE);
      imps_mikey_tp_add_responder (&tpr, KX_BOB);
      g_autoptr (ImpsMikeyMessage) m = static_request (k, &tpr, now_ntp (k));
      zk_outside_clients (k, ca_path, pem2_path, m->body.raw, m->body.raw_len);
    }

  g_unlink (ca_path);
  imps_ue_ua_free (o.ua);
  imps_kms_free (o.kms);
  fx_drain ();
  g_unlink (pem2_path);
  g_unlink (ca2_path);
  o.ua = NULL;
  o.kms = NULL;
  imps_kms_pem_free (pem1);
  imps_kms_pem_free (pem2);
  imps_kms_pem_free (pem3);
  g_clear_object (&k->msg);
  soup_session_abort (s);
  imps_ue_free (o.ue);
  imps_bsf_free (o.bsf);
  imps_hss_free (o.hss);
  fx_drain ();
}

/* ---- replay protection at scale (profile §11 "Replay cache") ---- */

/* Issue 14's load on the KMS's replay cache as the KMS configures it
 * (IMPS_KMS_REPLAY_ENTRIES, _BURST, _USER_QUOTA; entries live T + 300 s):
 * 5,000 distinct requests a second for 10 minutes of the KMS's clock,
 * all from one user (the hardest case: everything beyond its quota comes
 * from the shared pool), and one request a second from another user.
 * Not one is refused; the cache levels off at the window's worth of
 * entries (5,000 x 300 s, 1.5 million) and its memory with it. Digests
 * are distinct 32-byte values (a 64-bit mixer of a counter), not hashes
 * of real messages: the cache keys on the bytes alone. */
static guint64
mix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static void
test_replay_sustained (void)
{
  const guint rate = 5000, seconds = 600;
  g_autoptr (ImpsMikeyReplay) c = imps_mikey_replay_new (IMPS_KMS_REPLAY_ENTRIES,
                                                          IMPS_MIKEY_DEFAULT_SKEW_S);
  imps_mikey_replay_set_limits (c, IMPS_KMS_REPLAY_ENTRIES, IMPS_KMS_REPLAY_BURST);
  const guint8 *alice = (const guint8 *) "alice-btid", *bob = (const guint8 *) "bob-btid";
  guint64 start = (guint64) 3900000000u << 32, counter = 0;
  guint peak = 0;
  gsize peak_memory = 0;
  for (guint s = 0; s < seconds; s++)
    {
      guint64 now = start + ((guint64) s << 32);
      imps_mikey_replay_expire (c, now);
      for (guint i = 0; i <= rate; i++)
        {
          guint8 d[IMPS_MIKEY_REPLAY_DIGEST_LEN];
          for (guint w = 0; w < 4; w++)
            {
              guint64 v = mix64 (counter * 4 + w);
              memcpy (d + 8 * w, &v, 8);
            }
          counter++;
          /* within the second, T steps as the requests come */
          guint64 t = now + (((guint64) i << 32) / (rate + 1));
          gboolean other = i == rate;
          const guint8 *owner = other ? bob : alice;
          ImpsMikeyReplayResult r = imps_mikey_replay_insert_for (c, d, owner,
                                                                  strlen ((const gchar *) owner),
                                                                  IMPS_KMS_REPLAY_USER_QUOTA,
                                                                  t, now);
          if (r != IMPS_MIKEY_REPLAY_OK)
            g_error ("request %" G_GUINT64_FORMAT " of %s at second %u refused (%d) with %u "
                     "entries cached, %u from the shared pool", counter, other ? "bob" : "alice",
                     s, (int) r, imps_mikey_replay_size (c), imps_mikey_replay_burst_size (c));
        }
      peak = MAX (peak, imps_mikey_replay_size (c));
      if (s % 60 == 59)
        peak_memory = MAX (peak_memory, imps_mikey_replay_memory (c));
    }
  g_test_message ("%" G_GUINT64_FORMAT " requests; at most %u entries, %" G_GSIZE_FORMAT
                  " bytes", counter, peak, peak_memory);
  /* the window's worth, not the run's */
  g_assert_cmpuint (peak, <=, (rate + 1) * (IMPS_MIKEY_DEFAULT_SKEW_S + 2));
  g_assert_cmpuint (peak, >=, (rate + 1) * (IMPS_MIKEY_DEFAULT_SKEW_S - 2));
  /* memory levels off with the entries: about 75-90 bytes an entry */
  g_assert_cmpuint (peak_memory, <=, (gsize) peak * 160);
}

/* One user sends more than 65,536 distinct, valid requests in one skew
 * window: it is served up to its own quota and then from the pool shared
 * beyond quotas, stopped when that is empty (the bounds made small here:
 * 65,536 entries, a pool of 32,768), every other user is still served,
 * replays are still refused, and entries go with the window. */
static void
test_replay_flood (KmsFx *k, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint8 bob_psk[32];
  for (guint i = 0; i < 32; i++)
    bob_psk[i] = (guint8) (0x90 + i);
  imps_kms_add_static_psk (k->kms, "static-bob", KX_BOB, bob_psk, 32);
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, KX_CAROL);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (ImpsMikeyMessage) first = NULL;
  guint answered = 0, refused = 0;
  guint64 now = now_ntp (k);
  const guint n = 65536 + 4096, pool = 32768;
  imps_kms_set_replay_limits (k->kms, 65536, pool);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (ImpsMikeyMessage) m = static_request (k, &tp, now);
      ImpsKmsOutcome o = imps_kms_handle (k->kms, IMPS_KMS_REQUEST_TICKET, m->body.raw,
                                          m->body.raw_len, out);
      if (o == IMPS_KMS_OUTCOME_ANSWER)
        answered++;
      else
        refused++;
      if (i == 0)
        first = g_steal_pointer (&m);
    }
  g_test_message ("%u requests from one user: %u answered, %u refused; cache %u entries, "
                  "about %" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT " a entry)", n, answered,
                  refused, imps_kms_count_replay (k->kms, NULL), imps_kms_replay_memory (k->kms),
                  imps_kms_replay_memory (k->kms) / MAX (imps_kms_count_replay (k->kms, NULL), 1));
  g_assert_cmpuint (answered, ==, IMPS_KMS_REPLAY_USER_QUOTA + pool);
  g_assert_cmpuint (imps_kms_count_replay (k->kms, KX_STATIC_ID), ==,
                    IMPS_KMS_REPLAY_USER_QUOTA + pool);
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "request refused: ERR 12",
                              "static-alice already has 16384 messages in the skew window, its "
                              "quota, and the pool shared beyond quotas is full"), ==,
                    n - IMPS_KMS_REPLAY_USER_QUOTA - pool);
  g_assert_cmpuint (imps_kms_replay_memory (k->kms), <, (gsize) answered * 200);

  /* another user is served in the same window */
  ImpsMikeyRequestParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = KX_BOB;
  p.kms_uri = "kms.home1.net";
  p.psk_id = (const guint8 *) "static-bob";
  p.psk_id_len = strlen ("static-bob");
  p.desired = &tp;
  g_autoptr (ImpsMikeyMessage) mb = imps_mikey_request_init_build (&p, bob_psk, 32, now, k->rnd,
                                                                   &error);
  g_assert_no_error (error);
  g_assert_cmpint (imps_kms_handle (k->kms, IMPS_KMS_REQUEST_TICKET, mb->body.raw,
                                    mb->body.raw_len, out), ==, IMPS_KMS_OUTCOME_ANSWER);
  /* replays are refused, the flooding user's and the other's (ERR 1) */
  guint before = fx_count (&k->fx, IMPS_EVENT_REFUSAL, "replay refused: ERR 1", NULL);
  g_assert_cmpint (imps_kms_handle (k->kms, IMPS_KMS_REQUEST_TICKET, first->body.raw,
                                    first->body.raw_len, out), ==, IMPS_KMS_OUTCOME_REFUSED);
  g_assert_cmpint (imps_kms_handle (k->kms, IMPS_KMS_REQUEST_TICKET, mb->body.raw,
                                    mb->body.raw_len, out), ==, IMPS_KMS_OUTCOME_REFUSED);
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "replay refused: ERR 1", NULL), ==,
                    before + 2);

  /* the entries leave with the skew window (T + 300 s): the user is
   * served again, and the cache is empty but for the new entry */
  advance (k, KX_SKEW + 1);
  g_autoptr (ImpsMikeyMessage) later = static_request (k, &tp, now_ntp (k));
  g_assert_cmpint (imps_kms_handle (k->kms, IMPS_KMS_REQUEST_TICKET, later->body.raw,
                                    later->body.raw_len, out), ==, IMPS_KMS_OUTCOME_ANSWER);
  g_assert_cmpuint (imps_kms_count_replay (k->kms, NULL), ==, 1);
}

/* ---- policy store from a scenario ---- */

static void
test_scenario (KmsFx *k, gconstpointer data)
{
  static const gchar scn[] =
    "[scenario]\nname = kms\n\n"
    "[operator home1]\nnumber = 1\ndomain = home1.net\nnodes = hss; bsf; kms\n\n"
    "[operator home2]\nnumber = 2\ndomain = home2.net\nnodes = hss; bsf; kms\n\n"
    "[subscriber alice]\noperator = home1\nimpi = alice@home1.net\n"
    "impu = sip:alice@home1.net\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
    "opc = cd63cb71954a9f4e48a5994e37a02baf\n\n"
    "[policy strict]\noperator = home1\nuser = sip:alice@home1.net\nvalidity = 10m\n"
    "forking = false\n\n"
    "[group friends]\noperator = home1\nidentity = sip:friends@home1.net\n"
    "members = sip:alice@home1.net\n\n"
    "[agreement a]\noperators = home1; home2\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (scn, sizeof scn - 1, "kms.scn", &error);
  if (s == NULL)
    {
      g_test_skip (error->message);
      return;
    }
  guint8 seed[32] = { 9 };
  imps_kms_add_static_psk (k->kms, "static-scn", "sip:alice@home1.net", k->static_psk, 32);
  g_assert_true (imps_world_load_kms (k->kms, s, 1, seed, 32, &error));
  g_assert_no_error (error);
  /* the user row: validity 600 s and no forking, granted with K */
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, TRUE);
  imps_mikey_tp_add_responder (&tp, "sip:friends@home1.net");
  ImpsMikeyRequestParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = "sip:alice@home1.net";
  p.kms_uri = "kms.home1.net";
  p.psk_id = (const guint8 *) "static-scn";
  p.psk_id_len = strlen ("static-scn");
  p.desired = &tp;
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, k->static_psk, 32,
                                                                  now_ntp (k), k->rnd, &error);
  g_autoptr (GByteArray) outb = g_byte_array_new ();
  g_assert_cmpint (imps_kms_handle (k->kms, IMPS_KMS_REQUEST_TICKET, m->body.raw, m->body.raw_len,
                                    outb), ==, IMPS_KMS_OUTCOME_ANSWER);
  g_autoptr (ImpsMikeyHeldTicket) held = imps_mikey_request_resp_process (m, outb->data, outb->len,
                                                                          k->static_psk, 32,
                                                                          now_ntp (k), KX_SKEW,
                                                                          &error);
  g_assert_no_error (error);
  g_assert_cmpuint (held->policy.valid_to - held->policy.valid_from, ==, KX_SEC (600));
  g_assert_false (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_I);
  g_assert_true (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_K);

  /* no may-request-for: the own domain and the domains of operators with
   * an agreement (home2), not others (profile §3) */
  static const struct {
    const gchar *to;
    ImpsKmsOutcome outcome;
  } targets[] = {
    { "sip:bob@home2.net", IMPS_KMS_OUTCOME_ANSWER },
    { "sip:carol@home1.net", IMPS_KMS_OUTCOME_ANSWER },
    { "sip:eve@home3.net", IMPS_KMS_OUTCOME_REFUSED },
    { "sip:eve@nothome2.net", IMPS_KMS_OUTCOME_REFUSED },
  };
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      ImpsMikeyTp t2;
      imps_mikey_tp_init_default (&t2, 0, FALSE);
      imps_mikey_tp_add_responder (&t2, targets[i].to);
      p.desired = &t2;
      g_autoptr (ImpsMikeyMessage) m2 = imps_mikey_request_init_build (&p, k->static_psk, 32,
                                                                       now_ntp (k), k->rnd,
                                                                       &error);
      g_assert_no_error (error);
      g_assert_cmpint (imps_kms_handle (k->kms, IMPS_KMS_REQUEST_TICKET, m2->body.raw,
                                        m2->body.raw_len, outb), ==, targets[i].outcome);
    }
  g_assert_cmpuint (fx_count (&k->fx, IMPS_EVENT_REFUSAL, "policy refused: ERR 15",
                              "(may request for: sip:*@home1.net, sip:*@home2.net, tel:*)"), ==, 2);
  /* the same from the default row, also after a restart on the store */
  {
    g_autofree gchar *path = g_build_filename (k->fx.dir, "kms-scn.db", NULL);
    for (guint round = 0; round < 2; round++)
      {
        g_autoptr (ImpsKms) k3 = imps_kms_new (k->fx.net, "home1.net", path, &error);
        g_assert_no_error (error);
        if (round == 0)
          g_assert_true (imps_world_load_kms (k3, s, 1, seed, 32, &error));
        imps_kms_add_static_psk (k3, "static-bob", "sip:bob@home1.net", k->static_psk, 32);
        ImpsMikeyTp t3;
        imps_mikey_tp_init_default (&t3, 0, FALSE);
        imps_mikey_tp_add_responder (&t3, "sip:bob@home2.net");
        ImpsMikeyRequestParams pb = p;
        pb.initiator_uri = "sip:bob@home1.net";
        pb.psk_id = (const guint8 *) "static-bob";
        pb.psk_id_len = strlen ("static-bob");
        pb.desired = &t3;
        g_autoptr (ImpsMikeyMessage) m3 = imps_mikey_request_init_build (&pb, k->static_psk, 32,
                                                                         now_ntp (k), k->rnd,
                                                                         &error);
        g_assert_cmpint (imps_kms_handle (k3, IMPS_KMS_REQUEST_TICKET, m3->body.raw,
                                          m3->body.raw_len, outb), ==, IMPS_KMS_OUTCOME_ANSWER);
      }
    remove_state (path);
  }
  /* a KMS for operator 2 derives the same pair key from the same seed */
  g_autoptr (ImpsKms) k2 = imps_kms_new (k->fx.net, "home2.net", NULL, &error);
  g_assert_true (imps_world_load_kms (k2, s, 2, seed, 32, &error));
  g_assert_no_error (error);
  g_assert_false (imps_world_load_kms (k2, s, 7, seed, 32, &error));
  g_assert_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_INVALID);
}

/* ---- the fuzz corpus stays in step with the handler ---- */

/* The same KMS as fuzz/kms/fuzz-kms-handle.c builds: the request and
 * resolve seeds (made by this project with that set-up) must still be
 * answered, so that the fuzz run reaches the ticket and policy code. */
static void
test_fuzz_seeds (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1767225600000000));
  g_autoptr (ImpsRandom) root = imps_random_new_seeded (33328);
  ImpsNetwork *net = imps_network_new (clock, root);
  g_autoptr (GError) error = NULL;
  ImpsKms *kms = imps_kms_new (net, "home1.net", NULL, &error);
  g_assert_no_error (error);
  guint8 psk[32];
  for (guint i = 0; i < 32; i++)
    psk[i] = (guint8) (0x40 + i);
  imps_kms_add_static_psk (kms, "static-alice", "sip:alice@home1.net", psk, 32);
  for (guint i = 0; i < 32; i++)
    psk[i] = (guint8) (0x60 + i);
  imps_kms_add_static_psk (kms, "static-bob", "sip:bob@home1.net", psk, 32);
  const gchar *team[] = { "sip:alice@home1.net", "sip:bob@home1.net", NULL };
  g_assert_true (imps_kms_add_group (kms, "sip:team@home1.net", team, &error));
  static const struct {
    const gchar *file;
    ImpsKmsOutcome outcome;
  } seeds[] = {
    { "resolve-bob", IMPS_KMS_OUTCOME_ANSWER },   /* before its request: stateless */
    { "request-bob", IMPS_KMS_OUTCOME_ANSWER },
    { "request-team", IMPS_KMS_OUTCOME_ANSWER },
    { "resolve-team", IMPS_KMS_OUTCOME_ANSWER },
    { "request-bob-forking", IMPS_KMS_OUTCOME_ANSWER },
    { "resolve-bob-forking", IMPS_KMS_OUTCOME_ANSWER },
    { "request-bob", IMPS_KMS_OUTCOME_REFUSED },  /* again: a replay */
    { "unparsable", IMPS_KMS_OUTCOME_MALFORMED },
    { "error-as-request", IMPS_KMS_OUTCOME_MALFORMED }, /* no Error answers an Error */
    { "empty-body", IMPS_KMS_OUTCOME_MALFORMED },
  };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "..", "fuzz", "kms",
                                                      "corpus", "kms-handle", seeds[i].file,
                                                      NULL);
      g_autofree gchar *data = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &data, &len, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (len, >=, 1);
      ImpsKmsRequestType type = (data[0] & 1) ? IMPS_KMS_REQUEST_RESOLVE : IMPS_KMS_REQUEST_TICKET;
      g_test_message ("seed %s", seeds[i].file);
      g_assert_cmpint (imps_kms_handle (kms, type, (const guint8 *) data + 1, len - 1, out), ==,
                       seeds[i].outcome);
    }
  imps_kms_free (kms);
  imps_network_free (net);
}

/* A memory store keeps the newest IMPS_KMS_MEMORY_AUDIT_ROWS audit rows, so
 * that `impsim serve` without --state-dir does not grow by a row per
 * ticket. */
static void
test_audit_bound (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1767225600000000));
  g_autoptr (ImpsRandom) root = imps_random_new_seeded (33328);
  ImpsNetwork *net = imps_network_new (clock, root);
  g_autoptr (GError) error = NULL;
  ImpsKms *kms = imps_kms_new (net, "home1.net", NULL, &error);
  g_assert_no_error (error);
  const guint extra = 300;
  for (guint i = 0; i < IMPS_KMS_MEMORY_AUDIT_ROWS + extra; i++)
    imps_kms_audit (kms, i < extra ? "resolved" : "issued", i, NULL, NULL, 0, NULL);
  g_assert_cmpuint (imps_kms_count_audit (kms, NULL), ==, IMPS_KMS_MEMORY_AUDIT_ROWS);
  /* the oldest went */
  g_assert_cmpuint (imps_kms_count_audit (kms, "resolved"), ==, 0);
  g_assert_cmpuint (imps_kms_count_audit (kms, "issued"), ==, IMPS_KMS_MEMORY_AUDIT_ROWS);
  imps_kms_free (kms);
  imps_network_free (net);
}

/* The Ks_NAF cache keeps at most IMPS_KMS_KS_NAF_CACHE_MAX keys fetched
 * over Zn: at the bound the key cached first goes (not an arbitrary one),
 * expired keys at the head go before any live one, a key cached again
 * for the same B-TID counts once, and static PSKs are never dropped. */
static gboolean
cached (ImpsKms *kms, guint i)
{
  gchar btid[64];
  g_snprintf (btid, sizeof btid, "btid-%05u@bsf.home1.net", i);
  return g_hash_table_contains (kms->keys, btid);
}

static void
cache_add (ImpsKms *kms, guint i, gint64 expiry)
{
  gchar btid[64];
  guint8 key[IMPS_GBA_KEY_LEN] = { 0 };
  key[0] = (guint8) i;
  g_snprintf (btid, sizeof btid, "btid-%05u@bsf.home1.net", i);
  const gchar *impus[] = { "sip:alice@home1.net", NULL };
  kms_key_cache_add (kms, btid, key, expiry, "alice@home1.net", g_strdupv ((GStrv) impus));
}

static void
test_ks_naf_cache_bound (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1767225600000000));
  g_autoptr (ImpsRandom) root = imps_random_new_seeded (33328);
  ImpsNetwork *net = imps_network_new (clock, root);
  g_autoptr (GError) error = NULL;
  ImpsKms *kms = imps_kms_new (net, "home1.net", NULL, &error);
  g_assert_no_error (error);
  guint8 psk[32] = { 1 };
  imps_kms_add_static_psk (kms, "static-1", "sip:alice@home1.net", psk, sizeof psk);
  const guint max = IMPS_KMS_KS_NAF_CACHE_MAX, extra = 100;
  gint64 later = imps_kms_now (kms) + 3600;
  for (guint i = 0; i < max + extra; i++)
    cache_add (kms, i, later);
  g_assert_cmpuint (kms->key_fifo.length, ==, max);
  g_assert_cmpuint (imps_kms_count_cached_keys (kms), ==, max + 1);
  g_assert_true (g_hash_table_contains (kms->keys, "static-1"));
  for (guint i = 0; i < extra; i++)
    g_assert_false (cached (kms, i));
  for (guint i = extra; i < max + extra; i++)
    g_assert_true (cached (kms, i));
  /* the same B-TID again: moved to the tail, counted once, nothing else goes */
  cache_add (kms, extra + 50, later);
  g_assert_cmpuint (kms->key_fifo.length, ==, max);
  g_assert_true (cached (kms, extra));
  g_assert_true (((KmsKey *) kms->key_fifo.tail->data) == g_hash_table_lookup (kms->keys,
                                                                                "btid-00150@bsf.home1.net"));
  cache_add (kms, max + extra, later);
  g_assert_false (cached (kms, extra));
  g_assert_true (cached (kms, extra + 50));
  /* expired keys at the head go before the bound is reached */
  KmsKey *head = kms->key_fifo.head->data;
  head->expiry = imps_kms_now (kms) - 1;
  ((KmsKey *) kms->key_fifo.head->next->data)->expiry = imps_kms_now (kms) - 1;
  g_assert_cmpuint (kms->key_fifo.length, ==, max);
  cache_add (kms, max + extra + 1, later);
  g_assert_cmpuint (kms->key_fifo.length, ==, max - 1);
  g_assert_cmpuint (imps_kms_count_cached_keys (kms), ==, max);
  imps_kms_free (kms);
  imps_network_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn, data) \
  g_test_add ("/kms/" path, KmsFx, GINT_TO_POINTER (data), setup, fn, teardown)
  ADD ("request-resolve", test_request_resolve, 0);
  ADD ("forking", test_forking, 0);
  ADD ("group", test_group, 0);
  ADD ("reuse", test_reuse, 0);
  ADD ("identity-binding", test_identity_binding, 0);
  ADD ("identity-without-uss", test_identity_without_uss, 0);
  ADD ("single-use-forking", test_single_use_forking, 0);
  ADD ("suite-256", test_suite_256, 0);
  ADD ("refusals", test_refusals, 0);
  ADD ("http-status", test_http_status, 0);
  ADD ("rebootstrap", test_rebootstrap, 0);
  ADD ("restart-roll", test_restart_roll, 1);
  ADD ("zk", test_zk, 0);
  ADD ("zk-hostile", test_zk, 2);
  ADD ("scenario", test_scenario, 0);
  ADD ("replay-flood", test_replay_flood, 0);
  g_test_add_func ("/kms/fuzz-seeds", test_fuzz_seeds);
  g_test_add_func ("/kms/audit-bound", test_audit_bound);
  g_test_add_func ("/kms/ks-naf-cache-bound", test_ks_naf_cache_bound);
  g_test_add_func ("/kms/replay-sustained", test_replay_sustained);
  return g_test_run ();
}
