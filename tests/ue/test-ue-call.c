/* The UE's SIP user agent and media endpoint: two UEs call each other
 * straight over the SIP bus on the virtual clock (profile §6, §7), with no
 * security, SDES end to end (profile §5) and MIKEY-TICKET (profile §3,
 * mikey-ticket.md §5.4, §13), and send 2 s of media both ways that the
 * other end verifies packet by packet.
 *
 * The MIKEY-TICKET KMS here is in memory, built from the core exchange
 * functions as tests/mikey/test-mikey-exchange.c does, behind the UA's KMS
 * interface. All keys, RANDs and SSRCs come from seeded random sources
 * chosen by this project; the expected values are relations (both ends
 * derive the same keys, every packet sent is received and verified), and
 * key-log lines are checked for the profile §8 format. */
#include "../bsf/gba-fixture.h"
#include "imps-ue-sip.h"
#include "imps-ue-media.h"
#include "imps-ue-ua.h"
#include "imps-ims.h"
#include "imps-kms.h"
#include "sdp/imps-sdes.h"
#include "imps-test.h"

#include <math.h>
#include <string.h>

#define START_US (G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC) /* 2026-01-01 */
#define ALICE "sip:alice@home1.net"
#define BOB "sip:bob@home1.net"
#define A_ADDR "127.1.1.1"
#define B_ADDR "127.1.1.2"
#define KMS_URI "kms.home1.net"
#define RING_US (200 * 1000)
#define SKEW 300

/* ---- an in-memory KMS behind ImpsUeSipKms ---- */

typedef struct {
  const gchar *uri;
  guint8 psk[32];
  const gchar *psk_id;
} KmsUser;

typedef struct {
  ImpsRandom *rnd;
  ImpsClock *clock;
  ImpsMikeyTpk tpk;
  ImpsMikeyKms kms;
  ImpsMikeyKmsPolicy policy;
  ImpsMikeyReplay *replay;
  ImpsMikeyReplay *uses;
  KmsUser users[3];
} Kms;

typedef struct {
  Kms *kms;
  const KmsUser *user;
  GPtrArray *held;     /* ImpsMikeyHeldTicket*, kept for the calls */
  guint requests;
  guint resolves;
  guint drops;         /* tickets the UE dropped after a 488 */
} KmsClient;

static void
kms_init (Kms *k, ImpsClock *clock)
{
  memset (k, 0, sizeof *k);
  k->rnd = imps_random_new_seeded (77);
  k->clock = clock;
  k->tpk.index = 1;
  k->tpk.key_len = 32;
  imps_random_fill (k->rnd, k->tpk.key, 32);
  imps_mikey_suite_init (&k->kms.suite, FALSE);
  k->kms.kms_uri = KMS_URI;
  k->kms.tpk = &k->tpk;
  k->kms.tpks = &k->tpk;
  k->kms.n_tpks = 1;
  k->kms.skew = SKEW;
  imps_mikey_kms_policy_init_default (&k->policy, "home1.net");
  k->replay = imps_mikey_replay_new (256, SKEW);
  k->uses = imps_mikey_replay_new (256, SKEW);
  k->users[0].uri = ALICE;
  k->users[0].psk_id = "alice-btid@bsf.home1.net";
  k->users[1].uri = BOB;
  k->users[1].psk_id = "bob-btid@bsf.home1.net";
  k->users[2].uri = BOB;
  k->users[2].psk_id = "bob-tablet-btid@bsf.home1.net";
  for (guint i = 0; i < 32; i++)
    {
      k->users[0].psk[i] = (guint8) (0x40 + i);
      k->users[1].psk[i] = (guint8) (0x80 + i);
      k->users[2].psk[i] = (guint8) (0xc0 + i);
    }
}

static void
kms_clear (Kms *k)
{
  imps_random_free (k->rnd);
  imps_mikey_replay_free (k->replay);
  imps_mikey_replay_free (k->uses);
  imps_mikey_tpk_clear (&k->tpk);
}

static ImpsMikeyMessage *
kms_handle (Kms *k, const KmsUser *user, const ImpsMikeyMessage *sent, GError **error)
{
  guint64 now = imps_clock_now_ntp (k->clock);
  g_autoptr (ImpsMikeyMessage) in = imps_mikey_message_parse (sent->body.raw, sent->body.raw_len,
                                                              error);
  if (in == NULL
      || !imps_mikey_initial_verify (in, user->psk, 32, KMS_URI, now, SKEW, k->replay, error))
    return NULL;
  if (in->hdr.data_type == IMPS_MIKEY_DATA_REQUEST_INIT_PSK)
    return imps_mikey_request_resp_build (&k->kms, &k->policy, in, user->psk, 32, now, k->rnd,
                                          error);
  return imps_mikey_resolve_resp_build (&k->kms, &k->policy, in, user->psk, 32, now, k->rnd,
                                        k->uses, error);
}

static void
client_request_async (gpointer data, const ImpsMikeyTp *desired, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  KmsClient *c = data;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;
  guint64 now = imps_clock_now_ntp (c->kms->clock);
  ImpsMikeyRequestParams p = { 0 };
  p.suite = c->kms->kms.suite;
  p.initiator_uri = c->user->uri;
  p.kms_uri = KMS_URI;
  p.psk_id = (const guint8 *) c->user->psk_id;
  p.psk_id_len = strlen (c->user->psk_id);
  p.desired = desired;
  c->requests++;
  g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&p, c->user->psk, 32, now,
                                                                     c->kms->rnd, &error);
  g_autoptr (ImpsMikeyMessage) resp = req ? kms_handle (c->kms, c->user, req, &error) : NULL;
  ImpsMikeyHeldTicket *held = resp ? imps_mikey_request_resp_process (req, resp->body.raw,
                                                                      resp->body.raw_len,
                                                                      c->user->psk, 32, now,
                                                                      SKEW, &error) : NULL;
  if (held == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_add (c->held, held);
  g_task_return_pointer (task, held, NULL);
}

static ImpsMikeyHeldTicket *
client_request_finish (gpointer data, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
client_resolve_async (gpointer data, const ImpsMikeyMessage *ti, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  KmsClient *c = data;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;
  guint64 now = imps_clock_now_ntp (c->kms->clock);
  ImpsMikeyResolveParams rp = { c->user->uri, KMS_URI, (const guint8 *) c->user->psk_id,
                                strlen (c->user->psk_id) };
  c->resolves++;
  g_autoptr (ImpsMikeyMessage) ri = imps_mikey_resolve_init_build (ti, &rp, c->user->psk, 32,
                                                                    now, c->kms->rnd, &error);
  g_autoptr (ImpsMikeyMessage) rr = ri ? kms_handle (c->kms, c->user, ri, &error) : NULL;
  ImpsMikeyResolved *res = rr ? imps_mikey_resolve_resp_process (ri, rr->body.raw,
                                                                 rr->body.raw_len, c->user->psk,
                                                                 32, ti, c->user->uri, now, SKEW,
                                                                 NULL, &error) : NULL;
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, res, (GDestroyNotify) imps_mikey_resolved_free);
}

static ImpsMikeyResolved *
client_resolve_finish (gpointer data, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* As the Ua client's cache does: the ticket leaves (and is freed). */
static gboolean
client_drop_ticket (gpointer data, ImpsMikeyHeldTicket *held)
{
  KmsClient *c = data;
  c->drops++;
  return g_ptr_array_remove (c->held, held);
}

static void
client_init (KmsClient *c, Kms *k, const KmsUser *user, ImpsUeSipKms *iface)
{
  c->kms = k;
  c->user = user;
  c->held = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_mikey_held_ticket_free);
  c->requests = c->resolves = c->drops = 0;
  iface->request_ticket_async = client_request_async;
  iface->request_ticket_finish = client_request_finish;
  iface->resolve_async = client_resolve_async;
  iface->resolve_finish = client_resolve_finish;
  iface->drop_ticket = NULL;
  iface->hold_ticket = NULL;
  iface->release_ticket = NULL;
  iface->kms = c;
}

/* ---- the fixture: two UEs on one bus ---- */

typedef struct {
  ImpsClock *clock;
  ImpsRandom *rnd;
  ImpsNetwork *net;
  ImpsSipBus *bus;
  GOutputStream *a_log_out, *b_log_out;
  ImpsKeyLog *a_log, *b_log;
  ImpsUe *a_ue, *b_ue;
  ImpsUeSip *a, *b;
  Kms kms;
  KmsClient a_kms, b_kms;
  ImpsScscf *scscf;    /* with the IMS core only */
  ImpsPcscf *pcscf;
} Fx;

#define P_ADDR "127.0.1.40"
#define AGW_ADDR "127.0.1.41"
#define S_ADDR "127.0.1.50"

static const guint8 usim_k[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const guint8 usim_opc[16] = { 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };

static void
fx_init_full (Fx *f, const gchar *bob_impu, gboolean ims)
{
  g_autoptr (GError) error = NULL;
  ImpsUeUsimConfig usim_a = { "alice@home1.net", usim_k, usim_opc, 5 };
  ImpsUeUsimConfig usim_b = { "bob@home1.net", usim_k, usim_opc, 5 };
  ImpsUeSipConfig ca = { 0 }, cb = { 0 };
  ImpsUeSipKms ia, ib;

  memset (f, 0, sizeof *f);
  f->clock = imps_clock_new_virtual (START_US);
  f->rnd = imps_random_new_seeded (2026);
  f->net = imps_network_new (f->clock, f->rnd);
  f->bus = imps_sip_bus_new (f->net, 1000);
  f->a_log_out = g_memory_output_stream_new_resizable ();
  f->b_log_out = g_memory_output_stream_new_resizable ();
  f->a_log = imps_key_log_new_stream (f->a_log_out);
  f->b_log = imps_key_log_new_stream (f->b_log_out);
  f->a_ue = imps_ue_new (f->net, "alice", A_ADDR, &usim_a);
  f->b_ue = imps_ue_new (f->net, "bob", B_ADDR, &usim_b);
  imps_ue_set_key_log (f->a_ue, f->a_log);
  imps_ue_set_key_log (f->b_ue, f->b_log);
  ca.impu = ALICE;
  ca.ring_us = RING_US;
  cb.impu = bob_impu ? bob_impu : BOB;
  cb.ring_us = RING_US;
  if (ims)
    {
      ImpsPcscfConfig pc = { .domain = "home1.net", .address = P_ADDR, .agw_address = AGW_ADDR,
                             .scscf_address = S_ADDR };
      f->scscf = imps_scscf_new (f->net, f->bus, "home1.net", S_ADDR, 0, &error);
      g_assert_no_error (error);
      f->pcscf = imps_pcscf_new (f->net, f->bus, &pc, &error);
      g_assert_no_error (error);
      ca.proxy_address = cb.proxy_address = P_ADDR;
      ca.mikey_forking = TRUE;   /* bob may have several devices (profile §3) */
    }
  f->a = imps_ue_sip_new (f->a_ue, f->bus, &ca, &error);
  g_assert_no_error (error);
  f->b = imps_ue_sip_new (f->b_ue, f->bus, &cb, &error);
  g_assert_no_error (error);
  kms_init (&f->kms, f->clock);
  client_init (&f->a_kms, &f->kms, &f->kms.users[0], &ia);
  client_init (&f->b_kms, &f->kms, &f->kms.users[1], &ib);
  imps_ue_sip_set_kms (f->a, &ia);
  imps_ue_sip_set_kms (f->b, &ib);
}

static void
fx_init (Fx *f, const gchar *bob_impu)
{
  fx_init_full (f, bob_impu, FALSE);
}

static void
fx_clear (Fx *f)
{
  imps_ue_sip_free (f->a);
  imps_ue_sip_free (f->b);
  imps_pcscf_free (f->pcscf);
  imps_scscf_free (f->scscf);
  /* pending GTask completions of the freed agents run and see them gone */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (f->a_kms.held);
  g_ptr_array_unref (f->b_kms.held);
  kms_clear (&f->kms);
  imps_ue_free (f->a_ue);
  imps_ue_free (f->b_ue);
  imps_key_log_free (f->a_log);
  imps_key_log_free (f->b_log);
  g_object_unref (f->a_log_out);
  g_object_unref (f->b_log_out);
  imps_sip_bus_free (f->bus);
  imps_network_free (f->net);
  imps_random_free (f->rnd);
  imps_clock_unref (f->clock);
}

/* Moves virtual time on by @us in 1 ms steps, letting GTask callbacks run. */
static void
run_for (Fx *f, gint64 us)
{
  gint64 end = imps_clock_now_us (f->clock) + us;
  while (g_main_context_iteration (NULL, FALSE))
    ;
  while (imps_clock_now_us (f->clock) < end)
    {
      gint64 step = MIN (1000, end - imps_clock_now_us (f->clock));
      imps_clock_advance (f->clock, step);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

static gchar *
log_text (GOutputStream *out)
{
  GMemoryOutputStream *m = G_MEMORY_OUTPUT_STREAM (out);
  gsize len = g_memory_output_stream_get_data_size (m);
  return len ? g_strndup (g_memory_output_stream_get_data (m), len) : g_strdup ("");
}

/* The lines of @text that start with @prefix, in order. */
static GPtrArray *
log_lines (GOutputStream *out, const gchar *prefix)
{
  g_autofree gchar *text = log_text (out);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      g_ptr_array_add (found, g_strdup (lines[i]));
  return found;
}

/* Every packet @from sent reached @to and was verified, but for the last
 * @tail ones. */
static void
assert_media_verified_tail (ImpsUeMedia *from, ImpsUeMedia *to, guint64 min_packets,
                            guint64 tail)
{
  const ImpsUeMediaStats *tx = imps_ue_media_get_tx_stats (from);
  const ImpsUeMediaStats *rx = imps_ue_media_get_rx_stats (to);
  g_assert_cmpuint (tx->packets, >=, min_packets);
  g_assert_cmpuint (tx->other_errors, ==, 0);
  g_assert_cmpuint (rx->packets + tail, ==, tx->packets);
  g_assert_cmpuint (rx->payload_bytes, ==, rx->packets * IMPS_UE_MEDIA_PAYLOAD_LEN);
  g_assert_cmpuint (rx->mismatches, ==, 0);
  g_assert_cmpuint (rx->lost, ==, 0);
  g_assert_cmpuint (rx->auth_failures, ==, 0);
  g_assert_cmpuint (rx->replays, ==, 0);
  g_assert_cmpuint (rx->other_errors, ==, 0);
  g_assert_cmphex (rx->ssrc, ==, tx->ssrc);
  g_assert_cmpuint (rx->last_counter + 1 + tail, ==, tx->packets);
  g_assert_cmpuint (rx->rtcp_packets, ==, tx->rtcp_packets);
  g_assert_cmpuint (rx->rtcp_failures, ==, 0);
}

static void
assert_media_verified (ImpsUeMedia *from, ImpsUeMedia *to, guint64 min_packets)
{
  assert_media_verified_tail (from, to, min_packets, 0);
}

/* A whole call: alice calls bob directly, media for @media_us, alice hangs
 * up. Returns alice's call; bob's is *@callee. */
static ImpsUeCall *
run_call_full (Fx *f, ImpsUeSecurity security, ImpsUeSecurity callee_security,
               const gchar *target, gint64 media_us, ImpsUeCall **callee)
{
  g_autoptr (GError) error = NULL;
  ImpsUeCall *call = imps_ue_sip_call (f->a, BOB, security, target, 5060, &error);
  g_assert_no_error (error);
  g_assert_nonnull (call);
  run_for (f, RING_US + 50 * 1000);
  g_assert_cmpstr (imps_ue_call_get_reason (call), ==, NULL);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_ESTABLISHED);
  g_assert_cmpuint (imps_ue_call_get_status (call), ==, 200);
  g_assert_cmpuint (imps_ue_sip_n_calls (f->b), ==, 1);
  *callee = imps_ue_sip_get_call (f->b, 0);
  g_assert_cmpint (imps_ue_call_get_state (*callee), ==, IMPS_UE_CALL_ESTABLISHED);
  g_assert_cmpint (imps_ue_call_get_security (*callee), ==, callee_security);
  g_assert_cmpstr (imps_ue_call_get_call_id (*callee), ==, imps_ue_call_get_call_id (call));
  g_assert_false (imps_ue_call_is_caller (*callee));
  run_for (f, media_us);
  imps_ue_call_hangup (call);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
  run_for (f, 100 * 1000);   /* BYE, 200, the packets in flight */
  g_assert_cmpint (imps_ue_call_get_state (*callee), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_false (imps_ue_media_is_sending (imps_ue_call_get_media (call)));
  g_assert_false (imps_ue_media_is_sending (imps_ue_call_get_media (*callee)));
  return call;
}

static ImpsUeCall *
run_call (Fx *f, ImpsUeSecurity security, gint64 media_us, ImpsUeCall **callee)
{
  return run_call_full (f, security, security, B_ADDR, media_us, callee);
}

/* The SIP messages of the run, in the event log order, as summaries. */
static gchar *
sip_ladder (Fx *f)
{
  ImpsEventLog *log = imps_network_get_event_log (f->net);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && e->proto == IMPS_PROTO_SIP)
        g_string_append_printf (s, "%s>%s %s\n", e->from, e->to, e->summary);
    }
  return g_string_free (s, FALSE);
}

static void
test_call_none (void)
{
  Fx f;
  ImpsUeCall *callee;
  fx_init (&f, NULL);
  /* 6 s of media: one SR each way at 5 s (profile §7) */
  ImpsUeCall *call = run_call (&f, IMPS_UE_SECURITY_NONE, 6 * G_USEC_PER_SEC, &callee);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  assert_media_verified (ma, mb, 300);
  assert_media_verified (mb, ma, 300);
  g_assert_cmpuint (imps_ue_media_get_tx_stats (ma)->rtcp_packets, ==, 1);
  g_assert_cmpuint (imps_ue_media_get_tx_stats (mb)->rtcp_packets, ==, 1);
  g_autofree gchar *ladder = sip_ladder (&f);
  g_assert_cmpstr (ladder, ==,
                   "alice>bob INVITE (SDP)\n"
                   "bob>alice 100 Trying\n"
                   "bob>alice 180 Ringing\n"
                   "bob>alice 200 OK (SDP)\n"
                   "alice>bob ACK\n"
                   "alice>bob BYE\n"
                   "bob>alice 200 OK\n");
  /* no keys, no key log lines */
  g_autofree gchar *text = log_text (f.a_log_out);
  g_assert_cmpstr (text, ==, "");
  fx_clear (&f);
}

/* Checks an SRTP key-log line's fields (profile §8) and returns its key. */
static const gchar *
check_srtp_line (const gchar *line, const gchar *src, const gchar *dst, guint32 ssrc)
{
  g_auto (GStrv) v = g_strsplit (line, " ", -1);
  g_autofree gchar *ssrc_hex = g_strdup_printf ("%08x", ssrc);
  gsize len = 0;
  g_assert_cmpuint (g_strv_length (v), ==, 6);
  g_assert_cmpstr (v[0], ==, "SRTP");
  g_assert_cmpstr (v[1], ==, src);
  g_assert_cmpstr (v[2], ==, dst);
  g_assert_cmpstr (v[3], ==, ssrc_hex);
  g_assert_cmpstr (v[4], ==, "AES_CM_128_HMAC_SHA1_80");
  g_free (g_base64_decode (v[5], &len));
  g_assert_cmpuint (len, ==, 30);
  return strrchr (line, ' ') + 1;
}

static void
test_call_sdes (void)
{
  Fx f;
  ImpsUeCall *callee;
  fx_init (&f, NULL);
  /* 6 s: one SRTCP sender report each way at 5 s (profile §7) */
  ImpsUeCall *call = run_call (&f, IMPS_UE_SECURITY_SDES_E2E, 6 * G_USEC_PER_SEC, &callee);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  assert_media_verified (ma, mb, 300);
  assert_media_verified (mb, ma, 300);
  g_assert_cmpuint (imps_ue_media_get_rx_stats (ma)->rtcp_packets, ==, 1);
  g_assert_cmpuint (imps_ue_media_get_rx_stats (mb)->rtcp_packets, ==, 1);
  g_autofree gchar *ladder = sip_ladder (&f);
  g_assert_nonnull (strstr (ladder, "alice>bob INVITE (a=crypto)\n"));
  g_assert_nonnull (strstr (ladder, "bob>alice 200 OK (a=crypto)\n"));

  /* key log: each end logs its sending key and, from the first packet, its
   * receiving key; alice's sending line is bob's receiving line */
  g_autoptr (GPtrArray) la = log_lines (f.a_log_out, "SRTP ");
  g_autoptr (GPtrArray) lb = log_lines (f.b_log_out, "SRTP ");
  g_assert_cmpuint (la->len, ==, 2);
  g_assert_cmpuint (lb->len, ==, 2);
  guint32 sa = imps_ue_media_get_ssrc (ma), sb = imps_ue_media_get_ssrc (mb);
  g_autofree gchar *a_src = g_strdup_printf (A_ADDR ":%u", imps_ue_media_get_port (ma));
  g_autofree gchar *b_src = g_strdup_printf (B_ADDR ":%u", imps_ue_media_get_port (mb));
  const gchar *k_ab = check_srtp_line (la->pdata[0], a_src, b_src, sa);
  const gchar *k_ba = check_srtp_line (la->pdata[1], b_src, a_src, sb);
  g_assert_cmpstr (lb->pdata[0], ==, la->pdata[1]);
  g_assert_cmpstr (lb->pdata[1], ==, la->pdata[0]);
  g_assert_cmpstr (k_ab, !=, k_ba);
  fx_clear (&f);
}

/* MIKEY_TEK <CSB ID hex> <CS ID> <RANDRi hex> <RANDRr hex or -> <TEK hex> <salt hex> */
static void
check_tek_line (const gchar *line, guint32 csb_id, guint cs_id)
{
  g_auto (GStrv) v = g_strsplit (line, " ", -1);
  g_autofree gchar *csb = g_strdup_printf ("%08x", csb_id);
  g_autofree gchar *cs = g_strdup_printf ("%u", cs_id);
  g_assert_cmpuint (g_strv_length (v), ==, 7);
  g_assert_cmpstr (v[0], ==, "MIKEY_TEK");
  g_assert_cmpstr (v[1], ==, csb);
  g_assert_cmpstr (v[2], ==, cs);
  g_assert_cmpuint (strlen (v[3]), ==, 32);   /* 16-byte RANDs (profile §3) */
  g_assert_cmpuint (strlen (v[4]), ==, 32);   /* G = 1: RANDRr present */
  g_assert_cmpuint (strlen (v[5]), ==, 32);   /* TEK 16 bytes */
  g_assert_cmpuint (strlen (v[6]), ==, 28);   /* salt 14 bytes */
  for (guint i = 3; i < 7; i++)
    g_assert_cmpuint (strspn (v[i], "0123456789abcdef"), ==, strlen (v[i]));
}

static void
test_call_mikey (void)
{
  Fx f;
  ImpsUeCall *callee;
  fx_init (&f, NULL);
  ImpsUeCall *call = run_call (&f, IMPS_UE_SECURITY_MIKEY_TICKET, 2 * G_USEC_PER_SEC, &callee);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  assert_media_verified (ma, mb, 100);
  assert_media_verified (mb, ma, 100);
  g_assert_cmpuint (f.a_kms.requests, ==, 1);
  g_assert_cmpuint (f.b_kms.resolves, ==, 1);
  guint32 csb = imps_ue_call_get_csb_id (call);
  g_assert_cmphex (csb, ==, imps_ue_call_get_csb_id (callee));
  g_autofree gchar *ladder = sip_ladder (&f);
  g_assert_nonnull (strstr (ladder, "alice>bob INVITE (a=key-mgmt: TRANSFER_INIT)\n"));
  g_assert_nonnull (strstr (ladder, "bob>alice 200 OK (a=key-mgmt: TRANSFER_RESP)\n"));

  /* both ends derived the same TEK and salt per crypto session */
  g_autoptr (GPtrArray) ta = log_lines (f.a_log_out, "MIKEY_TEK ");
  g_autoptr (GPtrArray) tb = log_lines (f.b_log_out, "MIKEY_TEK ");
  g_assert_cmpuint (ta->len, ==, 2);
  g_assert_cmpuint (tb->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      check_tek_line (ta->pdata[i], csb, i + 1);
      g_assert_cmpstr (ta->pdata[i], ==, tb->pdata[i]);
    }
  /* SRTP lines: the same keys as the TEK lines, CS 1 is alice's stream */
  g_autoptr (GPtrArray) la = log_lines (f.a_log_out, "SRTP ");
  g_autoptr (GPtrArray) lb = log_lines (f.b_log_out, "SRTP ");
  g_assert_cmpuint (la->len, ==, 2);
  g_assert_cmpuint (lb->len, ==, 2);
  g_autofree gchar *a_src = g_strdup_printf (A_ADDR ":%u", imps_ue_media_get_port (ma));
  g_autofree gchar *b_src = g_strdup_printf (B_ADDR ":%u", imps_ue_media_get_port (mb));
  const gchar *k1 = check_srtp_line (la->pdata[0], a_src, b_src, imps_ue_media_get_ssrc (ma));
  check_srtp_line (la->pdata[1], b_src, a_src, imps_ue_media_get_ssrc (mb));
  g_assert_true (g_ptr_array_find_with_equal_func (lb, la->pdata[0], g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (lb, la->pdata[1], g_str_equal, NULL));
  {
    g_auto (GStrv) tek = g_strsplit (ta->pdata[0], " ", -1);
    gsize len = 0;
    g_autofree guint8 *ks = g_base64_decode (k1, &len);
    g_autofree gchar *hex = g_strdup_printf ("%s%s", tek[5], tek[6]);
    imps_assert_hex (ks, len, hex);
  }
  fx_clear (&f);
}

/* A man in the middle changes the key of bob's a=crypto answer: alice's
 * receiver refuses every packet of bob's stream as an authentication
 * failure and accepts none; alice's stream to bob is unharmed. */
static void
tamper_answer (ImpsUeSip *sip, ImpsSdp *sdp, gboolean is_offer, gpointer user_data)
{
  guint *done = user_data;
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  const gchar *value = imps_sdp_media_find_attribute (m, "crypto", 0);
  g_autoptr (GError) error = NULL;
  if (is_offer || value == NULL)
    return;
  g_autoptr (ImpsSdpCrypto) c = imps_sdp_crypto_parse (value, strlen (value), &error);
  g_assert_no_error (error);
  c->keys[0].key_salt[0] ^= 0x01;
  gchar *text = imps_sdp_crypto_to_string (c);
  g_assert_cmpuint (imps_sdp_media_remove_attributes (m, "crypto"), ==, 1);
  g_assert_true (imps_sdp_media_add_attribute (m, "crypto", text, &error));
  imps_sdp_string_free (text);
  (*done)++;
}

static void
test_wrong_key (void)
{
  Fx f;
  ImpsUeCall *callee;
  guint tampered = 0;
  fx_init (&f, NULL);
  imps_ue_sip_set_sdp_hook (f.b, tamper_answer, &tampered);
  ImpsUeCall *call = run_call (&f, IMPS_UE_SECURITY_SDES_E2E, 2 * G_USEC_PER_SEC, &callee);
  g_assert_cmpuint (tampered, ==, 1);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  const ImpsUeMediaStats *tx = imps_ue_media_get_tx_stats (mb);
  const ImpsUeMediaStats *rx = imps_ue_media_get_rx_stats (ma);
  g_assert_cmpuint (tx->packets, >=, 100);
  g_assert_cmpuint (rx->auth_failures, ==, tx->packets);
  g_assert_cmpuint (rx->packets, ==, 0);
  g_assert_cmpuint (rx->payload_bytes, ==, 0);
  g_assert_cmpuint (rx->mismatches, ==, 0);
  assert_media_verified (ma, mb, 100);
  fx_clear (&f);
}

/* a=extmap (RFC 8285): the offer announces the header extension's element
 * ID, the answer repeats it, and both ends send and check that ID. */
typedef struct {
  guint offer_id;      /* 0: leave the offer as built; 99: remove a=extmap */
  gchar *offer, *answer;
  guint ids_a[16], ids_b[16]; /* packets seen per element ID, from alice / bob */
} ExtmapFx;

static void
extmap_hook (ImpsUeSip *sip, ImpsSdp *sdp, gboolean is_offer, gpointer user_data)
{
  ExtmapFx *x = user_data;
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  g_autoptr (GError) error = NULL;
  if (is_offer && x->offer_id != 0)
    {
      g_assert_cmpuint (imps_sdp_media_remove_attributes (m, "extmap"), ==, 1);
      if (x->offer_id != 99)
        g_assert_true (imps_sdp_media_add_extmap (m, x->offer_id, IMPS_UE_MEDIA_EXT_URI, &error));
      g_assert_no_error (error);
    }
  gchar **out = is_offer ? &x->offer : &x->answer;
  g_free (*out);
  *out = imps_sdp_to_string (sdp, NULL);
}

static void
extmap_tap (gint64 t, ImpsProtocol proto, const gchar *fa, guint16 fp, const gchar *ta,
            guint16 tp, const guint8 *data, gsize len, gpointer user_data)
{
  ExtmapFx *x = user_data;
  if (proto != IMPS_PROTO_RTP || len < IMPS_UE_MEDIA_RTP_HEADER_LEN + 5)
    return;
  guint id = data[IMPS_UE_MEDIA_RTP_HEADER_LEN + 4] >> 4;
  if (strcmp (fa, A_ADDR) == 0)
    x->ids_a[id]++;
  else if (strcmp (fa, B_ADDR) == 0)
    x->ids_b[id]++;
}

static void
run_extmap (guint offer_id, guint expect_id, const gchar *offer_line, const gchar *answer_line)
{
  Fx f;
  ImpsUeCall *callee;
  ExtmapFx x = { .offer_id = offer_id };
  fx_init (&f, NULL);
  imps_ue_sip_set_sdp_hook (f.a, extmap_hook, &x);
  imps_ue_sip_set_sdp_hook (f.b, extmap_hook, &x);
  guint tap = imps_sip_bus_add_media_tap (f.bus, extmap_tap, &x);
  ImpsUeCall *call = run_call (&f, IMPS_UE_SECURITY_SDES_E2E, G_USEC_PER_SEC, &callee);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  assert_media_verified (ma, mb, 50);
  assert_media_verified (mb, ma, 50);
  if (offer_line != NULL)
    g_assert_nonnull (strstr (x.offer, offer_line));
  else
    g_assert_null (strstr (x.offer, "a=extmap"));
  if (answer_line != NULL)
    g_assert_nonnull (strstr (x.answer, answer_line));
  else
    g_assert_null (strstr (x.answer, "a=extmap"));
  /* every packet both ways carried the negotiated ID */
  g_assert_cmpuint (x.ids_a[expect_id], ==, imps_ue_media_get_tx_stats (ma)->packets);
  g_assert_cmpuint (x.ids_b[expect_id], ==, imps_ue_media_get_tx_stats (mb)->packets);
  g_assert_cmpuint (x.ids_a[expect_id], >=, 50);
  imps_sip_bus_remove_media_tap (f.bus, tap);
  g_free (x.offer);
  g_free (x.answer);
  fx_clear (&f);
}

static void
test_extmap (void)
{
  /* as built: ID 1 announced both ways */
  run_extmap (0, 1, "a=extmap:1 " IMPS_UE_MEDIA_EXT_URI "\r\n",
              "a=extmap:1 " IMPS_UE_MEDIA_EXT_URI "\r\n");
  /* an offer with ID 7: the answer repeats it, both ends use it */
  run_extmap (7, 7, "a=extmap:7 " IMPS_UE_MEDIA_EXT_URI "\r\n",
              "a=extmap:7 " IMPS_UE_MEDIA_EXT_URI "\r\n");
  /* an offer with none: no a=extmap in the answer, the fixed ID 1 */
  run_extmap (99, 1, NULL, NULL);
}

/* An ID the one-byte extension cannot carry: the offer is refused. */
static void
test_extmap_refused (void)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  ExtmapFx x = { .offer_id = 15 };
  fx_init (&f, NULL);
  imps_ue_sip_set_sdp_hook (f.a, extmap_hook, &x);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_SDES_E2E, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, 50 * 1000);
  g_assert_cmpuint (imps_ue_call_get_status (call), ==, 488);
  ImpsUeCall *callee = imps_ue_sip_get_call (f.b, 0);
  g_assert_cmpuint (imps_ue_call_get_status (callee), ==, 488);
  g_assert_nonnull (strstr (imps_ue_call_get_reason (callee), "ID 15"));
  g_free (x.offer);
  g_free (x.answer);
  fx_clear (&f);
}

/* a=rtcp (RFC 3605): the answer names another RTCP port, the caller's
 * sender report goes there and not to RTP + 1; a=rtcp with an IPv6
 * address is refused with the reason. */
typedef struct {
  guint port;        /* 0: no a=rtcp */
  const gchar *value;
  guint received;
} RtcpFx;

static void
rtcp_hook (ImpsUeSip *sip, ImpsSdp *sdp, gboolean is_offer, gpointer user_data)
{
  RtcpFx *x = user_data;
  g_autoptr (GError) error = NULL;
  if (is_offer || x->value == NULL)
    return;
  g_assert_true (imps_sdp_media_add_attribute (imps_sdp_get_media (sdp, 0), "rtcp", x->value,
                                               &error));
  g_assert_no_error (error);
}

static void
rtcp_receive (const gchar *from_address, guint16 from_port, const guint8 *data, gsize len,
              gpointer user_data)
{
  RtcpFx *x = user_data;
  if (strcmp (from_address, A_ADDR) == 0 && len >= 8 && data[1] == 200)
    x->received++;
}

static void
test_rtcp_port (void)
{
  Fx f;
  ImpsUeCall *callee;
  g_autofree gchar *value = g_strdup_printf ("%u IN IP4 %s", 41000, B_ADDR);
  RtcpFx x = { .port = 41000, .value = value };
  fx_init (&f, NULL);
  imps_ue_sip_set_sdp_hook (f.b, rtcp_hook, &x);
  guint id = imps_sip_bus_attach (f.bus, TRUE, "bob", B_ADDR, 41000, rtcp_receive, &x);
  g_assert_cmpuint (id, >, 0);
  /* 6 s of media: one SR each way at 5 s */
  ImpsUeCall *call = run_call (&f, IMPS_UE_SECURITY_SDES_E2E, 6 * G_USEC_PER_SEC, &callee);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  g_assert_cmpuint (imps_ue_media_get_rx_stats (mb)->packets, >=, 300);
  g_assert_cmpuint (imps_ue_media_get_rx_stats (mb)->auth_failures, ==, 0);
  g_assert_cmpuint (imps_ue_media_get_tx_stats (ma)->rtcp_packets, ==, 1);
  g_assert_cmpuint (imps_ue_media_get_tx_stats (ma)->other_errors, ==, 0);
  g_assert_cmpuint (x.received, ==, 1);
  g_assert_cmpuint (imps_ue_media_get_rx_stats (mb)->rtcp_packets, ==, 0);
  /* the other way, bob's report to alice's RTP + 1 as before */
  g_assert_cmpuint (imps_ue_media_get_rx_stats (ma)->rtcp_packets, ==, 1);
  imps_sip_bus_detach (f.bus, id);
  fx_clear (&f);

  /* an IPv6 address: the caller cannot send there, the call fails with why */
  g_autoptr (GError) error = NULL;
  RtcpFx y = { .value = "41000 IN IP6 ::1" };
  fx_init (&f, NULL);
  imps_ue_sip_set_sdp_hook (f.b, rtcp_hook, &y);
  call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_SDES_E2E, B_ADDR, 5060, &error);
  g_assert_no_error (error);
  run_for (&f, 2 * G_USEC_PER_SEC);
  g_assert_nonnull (strstr (imps_ue_call_get_reason (call), "a=rtcp names an IP6 address"));
  fx_clear (&f);
}

/* A replayed SRTP packet is refused and counted (RFC 3711 §3.3.2). */
typedef struct {
  guint8 pkt[IMPS_SIP_BUS_MAX_PACKET];
  gsize len;
  gchar from[32], to[32];
  guint16 from_port, to_port;
} Captured;

static void
capture_tap (gint64 t, ImpsProtocol proto, const gchar *fa, guint16 fp, const gchar *ta,
             guint16 tp, const guint8 *data, gsize len, gpointer user_data)
{
  Captured *c = user_data;
  if (c->len == 0 && proto == IMPS_PROTO_RTP && strcmp (fa, A_ADDR) == 0)
    {
      memcpy (c->pkt, data, len);
      c->len = len;
      g_strlcpy (c->from, fa, sizeof c->from);
      g_strlcpy (c->to, ta, sizeof c->to);
      c->from_port = fp;
      c->to_port = tp;
    }
}

static void
test_replay (void)
{
  Fx f;
  Captured cap = { 0 };
  g_autoptr (GError) error = NULL;
  fx_init (&f, NULL);
  guint tap = imps_sip_bus_add_media_tap (f.bus, capture_tap, &cap);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_SDES_E2E, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, RING_US + G_USEC_PER_SEC);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_ESTABLISHED);
  g_assert_cmpuint (cap.len, >, IMPS_UE_MEDIA_RTP_HEADER_LEN + IMPS_UE_MEDIA_PAYLOAD_LEN);
  imps_sip_bus_send_media (f.bus, IMPS_PROTO_RTP, cap.from, cap.from_port, cap.to, cap.to_port,
                           cap.pkt, cap.len);
  /* a copy with a sequence number not seen yet (1000 packets ahead, not
   * reached in this test): the replay list lets it through, and the tag,
   * which covers the header, does not verify */
  guint16 seq = (guint16) ((cap.pkt[2] << 8 | cap.pkt[3]) + 1000);
  cap.pkt[2] = (guint8) (seq >> 8);
  cap.pkt[3] = (guint8) seq;
  imps_sip_bus_send_media (f.bus, IMPS_PROTO_RTP, cap.from, cap.from_port, cap.to, cap.to_port,
                           cap.pkt, cap.len);
  run_for (&f, 100 * 1000);
  const ImpsUeMediaStats *rx = imps_ue_media_get_rx_stats (
    imps_ue_call_get_media (imps_ue_sip_get_call (f.b, 0)));
  g_assert_cmpuint (rx->replays, ==, 1);
  g_assert_cmpuint (rx->auth_failures, ==, 1);
  g_assert_cmpuint (rx->mismatches, ==, 0);
  g_assert_cmpuint (rx->packets, ==, imps_ue_media_get_tx_stats (imps_ue_call_get_media (call))->packets);
  imps_sip_bus_remove_media_tap (f.bus, tap);
  imps_ue_call_hangup (call);
  run_for (&f, 100 * 1000);
  fx_clear (&f);
}

static void
test_reject (void)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  fx_init (&f, NULL);
  imps_ue_sip_set_answer (f.b, RING_US, 486);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_NONE, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, 50 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_cmpuint (imps_ue_call_get_status (call), ==, 486);
  ImpsUeCall *callee = imps_ue_sip_get_call (f.b, 0);
  g_assert_cmpint (imps_ue_call_get_state (callee), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_cmpuint (imps_ue_call_get_status (callee), ==, 486);
  g_assert_cmpuint (imps_ue_media_get_tx_stats (imps_ue_call_get_media (call))->packets, ==, 0);
  g_autofree gchar *ladder = sip_ladder (&f);
  g_assert_cmpstr (ladder, ==,
                   "alice>bob INVITE (SDP)\n"
                   "bob>alice 100 Trying\n"
                   "bob>alice 486 Busy Here\n"
                   "alice>bob ACK\n");
  fx_clear (&f);
}

static void
test_cancel (void)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  fx_init (&f, NULL);
  imps_ue_sip_set_answer (f.b, 10 * G_USEC_PER_SEC, 0);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_SDES_E2E, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, 100 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_RINGING);
  imps_ue_call_hangup (call);
  run_for (&f, 100 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_cmpuint (imps_ue_call_get_status (call), ==, 487);
  ImpsUeCall *callee = imps_ue_sip_get_call (f.b, 0);
  g_assert_cmpuint (imps_ue_call_get_status (callee), ==, 487);
  g_assert_cmpint (imps_ue_call_get_state (callee), ==, IMPS_UE_CALL_TERMINATED);
  /* the ring timer is gone: nothing is answered later */
  run_for (&f, 11 * G_USEC_PER_SEC);
  g_autofree gchar *ladder = sip_ladder (&f);
  g_assert_cmpstr (ladder, ==,
                   "alice>bob INVITE (a=crypto)\n"
                   "bob>alice 100 Trying\n"
                   "bob>alice 180 Ringing\n"
                   "alice>bob CANCEL\n"
                   "bob>alice 200 OK\n"
                   "bob>alice 487 Request Terminated\n"
                   "alice>bob ACK\n");
  fx_clear (&f);
}

/* The callee is not the responder the ticket names (IDRr): its precheck
 * refuses the TRANSFER_INIT (INVALID_ID), it answers 488 (mikey-ticket.md
 * §13.2) and the event log says why; the caller drops the refused ticket. */
static void
test_mikey_refused (void)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  fx_init (&f, "sip:bobby@home1.net");
  /* alice's KMS side drops tickets as the Ua client's cache does */
  ImpsUeSipKms ia = {
    .request_ticket_async = client_request_async,
    .request_ticket_finish = client_request_finish,
    .resolve_async = client_resolve_async,
    .resolve_finish = client_resolve_finish,
    .drop_ticket = client_drop_ticket,
    .kms = &f.a_kms,
  };
  imps_ue_sip_set_kms (f.a, &ia);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_MIKEY_TICKET, B_ADDR, 0,
                                       &error);
  g_assert_no_error (error);
  run_for (&f, 50 * 1000);
  g_assert_cmpuint (imps_ue_call_get_status (call), ==, 488);
  /* the 488 made the caller drop the ticket it offered: a next call asks
   * the KMS again instead of offering the refused ticket */
  g_assert_cmpuint (f.a_kms.requests, ==, 1);
  g_assert_cmpuint (f.a_kms.drops, ==, 1);
  g_assert_cmpuint (f.a_kms.held->len, ==, 0);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
  ImpsUeCall *callee = imps_ue_sip_get_call (f.b, 0);
  g_assert_cmpuint (imps_ue_call_get_status (callee), ==, 488);
  g_assert_nonnull (imps_ue_call_get_reason (callee));
  g_assert_cmpuint (f.b_kms.resolves, ==, 0);
  ImpsEventLog *log = imps_network_get_event_log (f.net);
  gboolean refusal = FALSE;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_REFUSAL && g_strcmp0 (e->from, "bob") == 0
          && strstr (e->summary, "488") != NULL)
        {
          g_assert_cmpstr (e->detail, ==, imps_ue_call_get_reason (callee));
          refusal = TRUE;
        }
    }
  g_assert_true (refusal);
  fx_clear (&f);
}

/* Bidding down (mikey-ticket.md §13.2, A-24): a man in the middle adds a
 * second key management protocol to the offer; the SDP IDs under the
 * TRANSFER_INIT's MAC say "mikey" only, so the callee refuses with 488 after
 * resolving (the MAC is checked with the keys the KMS returns). */
static void
add_key_mgmt (ImpsUeSip *sip, ImpsSdp *sdp, gboolean is_offer, gpointer user_data)
{
  static const guint8 junk[4] = { 1, 2, 3, 4 };
  g_autoptr (GError) error = NULL;
  if (!is_offer)
    return;
  g_assert_true (imps_sdp_add_key_mgmt (sdp, imps_sdp_get_media (sdp, 0), "keyp1", junk,
                                        sizeof junk, &error));
  g_assert_no_error (error);
}

static void
test_mikey_bidding_down (void)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  fx_init (&f, NULL);
  imps_ue_sip_set_sdp_hook (f.a, add_key_mgmt, NULL);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_MIKEY_TICKET, B_ADDR, 0,
                                       &error);
  g_assert_no_error (error);
  run_for (&f, 50 * 1000);
  g_assert_cmpuint (f.b_kms.resolves, ==, 1);
  g_assert_cmpuint (imps_ue_call_get_status (call), ==, 488);
  ImpsUeCall *callee = imps_ue_sip_get_call (f.b, 0);
  g_assert_cmpuint (imps_ue_call_get_status (callee), ==, 488);
  g_assert_nonnull (strstr (imps_ue_call_get_reason (callee), "keyp1"));
  fx_clear (&f);
}

/* Through the IMS core (src/ims): both UEs register with the P-CSCF, alice
 * calls bob's public identity, the S-CSCF routes to bob's registered
 * contact; 2 s of media both ways, verified. With e2ae the IMS-ALG answers
 * alice's a=crypto and strips it towards bob (profile §5), so bob's leg is
 * plain RTP from the IMS-AGW. */
static void
run_ims (ImpsUeSecurity security, ImpsUeSecurity callee_security)
{
  Fx f;
  ImpsUeCall *callee;
  g_autoptr (GError) error = NULL;
  fx_init_full (&f, NULL, TRUE);
  g_assert_true (imps_ue_sip_register (f.a, &error));
  g_assert_true (imps_ue_sip_register (f.b, &error));
  g_assert_no_error (error);
  run_for (&f, 50 * 1000);
  g_assert_true (imps_ue_sip_is_registered (f.a));
  g_assert_true (imps_ue_sip_is_registered (f.b));
  g_assert_cmpstr (imps_pcscf_registered_impu (f.pcscf, B_ADDR), ==, BOB);
  ImpsUeCall *call = run_call_full (&f, security, callee_security, NULL, 2 * G_USEC_PER_SEC,
                                    &callee);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  if (security == IMPS_UE_SECURITY_SDES_E2AE)
    {
      /* the IMS-AGW releases bob's leg when alice's BYE passes the P-CSCF;
       * bob's packets still on their way to it then find nobody listening
       * and the bus counts them: the tail of the stream, never a gap */
      guint64 tail = imps_sip_bus_media_dropped (f.bus);
      g_assert_cmpuint (tail, <=, 2);
      assert_media_verified_tail (ma, mb, 100, 0);
      assert_media_verified_tail (mb, ma, 100, tail);
    }
  else
    {
      g_assert_cmpuint (imps_sip_bus_media_dropped (f.bus), ==, 0);
      assert_media_verified (ma, mb, 100);
      assert_media_verified (mb, ma, 100);
    }
  if (security == IMPS_UE_SECURITY_SDES_E2AE)
    {
      ImpsAgwStats st;
      g_assert_true (imps_pcscf_agw_stats (f.pcscf, imps_ue_call_get_call_id (call), &st));
      g_assert_cmpuint (st.rtp_to_core, ==, imps_ue_media_get_tx_stats (ma)->packets);
      g_assert_cmpuint (st.rtp_to_ue + imps_sip_bus_media_dropped (f.bus), ==,
                        imps_ue_media_get_tx_stats (mb)->packets);
      g_assert_cmpuint (st.auth_failures, ==, 0);
    }
  fx_clear (&f);
}

static void
test_ims_none (void)
{
  run_ims (IMPS_UE_SECURITY_NONE, IMPS_UE_SECURITY_NONE);
}

static void
test_ims_sdes_e2e (void)
{
  run_ims (IMPS_UE_SECURITY_SDES_E2E, IMPS_UE_SECURITY_SDES_E2E);
}

static void
test_ims_sdes_e2ae (void)
{
  run_ims (IMPS_UE_SECURITY_SDES_E2AE, IMPS_UE_SECURITY_NONE);
}

static void
test_ims_mikey (void)
{
  run_ims (IMPS_UE_SECURITY_MIKEY_TICKET, IMPS_UE_SECURITY_MIKEY_TICKET);
}

/* With the real nodes (gba.md §12.1 subscriber keys, profile §9
 * addresses): HSS and BSF from tests/bsf/gba-fixture.h, the KMS of
 * src/kms, and each UE's Ua client (imps-ue-ua.h) as its KMS interface.
 * Each UE bootstraps on its first Ua request; alice's ticket request and
 * bob's resolve go over HTTP. Real I/O and the virtual clock: the loop
 * below waits for sockets and moves virtual time by 1 ms when idle. */
#define RK_BOB_ADDR "127.1.1.3"
#define RK_ALICE_IMPU "sip:user1_public1@home1.net"

static gboolean
wait_until (GbaFx *fx, ImpsUeCall *call, ImpsUeCallState state)
{
  gint64 give_up = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (imps_ue_call_get_state (call) != state && g_get_monotonic_time () < give_up)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        {
          g_usleep (200);
          imps_clock_advance (fx->clock, 1000);
        }
    }
  return imps_ue_call_get_state (call) == state;
}

static void
test_real_kms (void)
{
  GbaFx fx = { 0 };
  g_autoptr (GError) error = NULL;
  guint8 k[16], opc[16], sqn[6], amf[2] = { 0, 0 };
  const gchar *bob_impus[] = { BOB, NULL };

  fx_setup (&fx, NULL);
  imps_test_hex_into (FX_K, k, 16);
  imps_test_hex_into (FX_OPC, opc, 16);
  imps_test_hex_into ("000000000020", sqn, 6);
  ImpsHssSubscriber sub = { "bob_private@home1.net", bob_impus, k, opc, NULL, sqn, amf, 5,
                            FX_LIFETIME };
  g_assert_true (imps_hss_provision (fx.hss, &sub, &error));
  g_assert_no_error (error);
  ImpsUeUsimConfig usim = { "bob_private@home1.net", k, opc, 5 };
  ImpsUe *bob_ue = imps_ue_new (fx.net, "bob", RK_BOB_ADDR, &usim);

  ImpsKms *kms = imps_kms_new (fx.net, "home1.net", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (imps_kms_listen (kms, FX_KMS_ADDR, 0, &error));
  g_assert_no_error (error);
  imps_kms_set_bsf (kms, FX_BSF_ADDR, imps_bsf_get_zn_port (fx.bsf));

  ImpsUeUaKeySource src_a, src_b;
  imps_ue_ua_key_source_for_ue (&src_a, fx.ue, "bsf.home1.net", FX_BSF_ADDR,
                                imps_bsf_get_ub_port (fx.bsf));
  imps_ue_ua_key_source_for_ue (&src_b, bob_ue, "bsf.home1.net", FX_BSF_ADDR,
                                imps_bsf_get_ub_port (fx.bsf));
  ImpsUeUa *ua_a = imps_ue_ua_new (fx.net, FX_UE_ADDR, RK_ALICE_IMPU, "kms.home1.net",
                                   FX_KMS_ADDR, imps_kms_get_ua_port (kms), &src_a);
  ImpsUeUa *ua_b = imps_ue_ua_new (fx.net, RK_BOB_ADDR, BOB, "kms.home1.net", FX_KMS_ADDR,
                                   imps_kms_get_ua_port (kms), &src_b);

  ImpsSipBus *bus = imps_sip_bus_new (fx.net, 1000);
  ImpsUeSipConfig ca = { .impu = RK_ALICE_IMPU, .ring_us = RING_US };
  ImpsUeSipConfig cb = { .impu = BOB, .ring_us = RING_US };
  ImpsUeSip *a = imps_ue_sip_new (fx.ue, bus, &ca, &error);
  g_assert_no_error (error);
  ImpsUeSip *b = imps_ue_sip_new (bob_ue, bus, &cb, &error);
  g_assert_no_error (error);
  ImpsUeSipKms ka, kb;
  imps_ue_sip_kms_for_ua (&ka, ua_a);
  imps_ue_sip_kms_for_ua (&kb, ua_b);
  imps_ue_sip_set_kms (a, &ka);
  imps_ue_sip_set_kms (b, &kb);

  ImpsUeCall *call = imps_ue_sip_call (a, BOB, IMPS_UE_SECURITY_MIKEY_TICKET, RK_BOB_ADDR, 0,
                                       &error);
  g_assert_no_error (error);
  if (!wait_until (&fx, call, IMPS_UE_CALL_ESTABLISHED))
    fx_dump_log (&fx);
  g_assert_cmpstr (imps_ue_call_get_reason (call), ==, NULL);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_ESTABLISHED);
  g_assert_cmpuint (imps_ue_ua_count_requests (ua_a), ==, 1);
  g_assert_cmpuint (imps_ue_ua_count_requests (ua_b), ==, 1);
  g_assert_cmpuint (imps_ue_ua_count_bootstraps (ua_a), ==, 1);
  g_assert_cmpuint (imps_ue_ua_count_bootstraps (ua_b), ==, 1);
  ImpsUeCall *callee = imps_ue_sip_get_call (b, 0);
  /* 2 s of media on the virtual clock (no I/O is pending now) */
  imps_clock_advance (fx.clock, 2 * G_USEC_PER_SEC);
  imps_ue_call_hangup (call);
  imps_clock_advance (fx.clock, 100 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (callee), ==, IMPS_UE_CALL_TERMINATED);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  assert_media_verified (ma, mb, 100);
  assert_media_verified (mb, ma, 100);

  imps_ue_sip_free (a);
  imps_ue_sip_free (b);
  imps_sip_bus_free (bus);
  imps_ue_ua_free (ua_a);
  imps_ue_ua_free (ua_b);
  imps_kms_free (kms);
  imps_ue_free (bob_ue);
  fx_drain ();
  fx_teardown (&fx, NULL);
}

/* Outside input that is not what it should be (no fuzz target here: the
 * SIP and SDP parsers have theirs in core; this throws the agent's whole
 * receive path at it). Every SIP message of a MIKEY-TICKET call, cut at
 * every length and with seeded random byte changes, goes to both UEs'
 * SIP ports, and random packets go to the media ports of a running SRTP
 * call: nothing crashes, every bad media packet is counted, the running
 * call's verified media goes on, and a new call afterwards works. */
static void
test_garbage (void)
{
  Fx f;
  ImpsUeCall *callee;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (3261);
  fx_init (&f, NULL);
  run_call (&f, IMPS_UE_SECURITY_MIKEY_TICKET, 100 * 1000, &callee);
  ImpsEventLog *log = imps_network_get_event_log (f.net);
  g_autoptr (GPtrArray) msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && e->proto == IMPS_PROTO_SIP && e->bytes)
        g_ptr_array_add (msgs, g_bytes_ref (e->bytes));
    }
  g_assert_cmpuint (msgs->len, ==, 7);

  /* a second call whose media runs through the storm */
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_SDES_E2E, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, RING_US + 50 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_ESTABLISHED);
  callee = imps_ue_sip_get_call (f.b, 1);
  ImpsUeMedia *mb = imps_ue_call_get_media (callee);
  guint64 bad_media = 0;

  for (guint i = 0; i < msgs->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (msgs->pdata[i], &len);
      guint8 buf[4096];
      g_assert_cmpuint (len, <=, sizeof buf);
      for (gsize cut = 0; cut < len; cut += 7)
        {
          g_autoptr (GBytes) b = g_bytes_new (data, cut);
          imps_sip_bus_send_sip (f.bus, IMPS_REF_GM, "127.9.9.9", 5060,
                                 i % 2 ? A_ADDR : B_ADDR, 5060, b, "cut");
          imps_sip_bus_send_sip (f.bus, IMPS_REF_GM, "127.9.9.9", 5060,
                                 i % 2 ? B_ADDR : A_ADDR, 5060, b, "cut");
        }
      for (guint n = 0; n < 64; n++)
        {
          memcpy (buf, data, len);
          for (guint k = 0; k < 4; k++)
            buf[imps_random_uniform (rnd, (guint32) len)] = (guint8) imps_random_u32 (rnd);
          g_autoptr (GBytes) b = g_bytes_new (buf, len);
          imps_sip_bus_send_sip (f.bus, IMPS_REF_GM, "127.9.9.9", 5060,
                                 n % 2 ? A_ADDR : B_ADDR, 5060, b, "mutated");
        }
      /* media garbage: random lengths 0..300 to bob's RTP and RTCP ports */
      for (guint n = 0; n < 64; n++)
        {
          guint8 pkt[300];
          gsize plen = imps_random_uniform (rnd, sizeof pkt + 1);
          imps_random_fill (rnd, pkt, plen);
          if (plen > 0)
            pkt[0] = (guint8) (0x80 | (pkt[0] & 0x3f));
          imps_sip_bus_send_media (f.bus, n % 2 ? IMPS_PROTO_RTCP : IMPS_PROTO_RTP, "127.9.9.9",
                                   4000, B_ADDR, imps_ue_media_get_port (mb) + n % 2, pkt, plen);
          bad_media++;
        }
      run_for (&f, 20 * 1000);
    }
  run_for (&f, G_USEC_PER_SEC);
  const ImpsUeMediaStats *rx = imps_ue_media_get_rx_stats (mb);
  g_assert_cmpuint (rx->auth_failures + rx->replays + rx->other_errors + rx->rtcp_failures, ==,
                    bad_media);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_ESTABLISHED);
  imps_ue_call_hangup (call);
  run_for (&f, 100 * 1000);
  /* every genuine packet still arrived and verified */
  g_assert_cmpuint (rx->packets, ==, imps_ue_media_get_tx_stats (imps_ue_call_get_media (call))->packets);
  g_assert_cmpuint (rx->mismatches, ==, 0);
  g_assert_cmpuint (rx->lost, ==, 0);

  /* and a new call still works */
  ImpsUeCall *again = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_NONE, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, RING_US + 50 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (again), ==, IMPS_UE_CALL_ESTABLISHED);
  imps_ue_call_hangup (again);
  run_for (&f, 100 * 1000);
  fx_clear (&f);
}

/* Timer B (RFC 3261 §17.1.1.2): an INVITE that nobody answers ends with
 * 408 after 32 s of virtual time; a callee that hangs up sends BYE. */
static void
test_timer_b_and_callee_bye (void)
{
  Fx f;
  ImpsUeCall *callee;
  g_autoptr (GError) error = NULL;
  fx_init (&f, NULL);
  ImpsUeCall *lost = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_NONE, "127.1.1.99", 0, &error);
  g_assert_no_error (error);
  run_for (&f, IMPS_UE_SIP_TIMER_B_US - 1000);
  g_assert_cmpint (imps_ue_call_get_state (lost), ==, IMPS_UE_CALL_CALLING);
  run_for (&f, 2000);
  g_assert_cmpint (imps_ue_call_get_state (lost), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_cmpuint (imps_ue_call_get_status (lost), ==, 408);

  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_SDES_E2E, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, RING_US + 50 * 1000);
  callee = imps_ue_sip_get_call (f.b, 0);
  g_assert_cmpint (imps_ue_call_get_state (callee), ==, IMPS_UE_CALL_ESTABLISHED);
  run_for (&f, G_USEC_PER_SEC);
  imps_ue_call_hangup (callee);
  run_for (&f, 100 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
  assert_media_verified (imps_ue_call_get_media (call), imps_ue_call_get_media (callee), 50);
  assert_media_verified (imps_ue_call_get_media (callee), imps_ue_call_get_media (call), 50);
  fx_clear (&f);
}

/* CANCEL and 200 cross (RFC 3261 §9.1): the callee answered before the
 * CANCEL arrived, so it answers the CANCEL 200 and no 487; the caller
 * ACKs the 200 and ends the dialog with BYE. */
static void
test_cancel_crosses_200 (void)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  fx_init (&f, NULL);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_NONE, B_ADDR, 0, &error);
  g_assert_no_error (error);
  run_for (&f, 10 * 1000);
  ImpsUeCall *callee = imps_ue_sip_get_call (f.b, 0);
  while (imps_ue_call_get_status (callee) != 200)
    run_for (&f, 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_RINGING);
  imps_ue_call_hangup (call);   /* CANCEL while the 200 is on its way */
  run_for (&f, 100 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_cmpint (imps_ue_call_get_state (callee), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_cmpuint (imps_ue_call_get_status (callee), ==, 200);
  g_assert_false (imps_ue_media_is_sending (imps_ue_call_get_media (call)));
  g_assert_false (imps_ue_media_is_sending (imps_ue_call_get_media (callee)));
  g_autofree gchar *ladder = sip_ladder (&f);
  g_assert_cmpstr (ladder, ==,
                   "alice>bob INVITE (SDP)\n"
                   "bob>alice 100 Trying\n"
                   "bob>alice 180 Ringing\n"
                   "bob>alice 200 OK (SDP)\n"
                   "alice>bob CANCEL\n"
                   "alice>bob ACK\n"
                   "alice>bob BYE\n"
                   "bob>alice 200 OK\n"
                   "bob>alice 200 OK\n");
  fx_clear (&f);
}

/* Forking through the IMS core (profile §6): bob has two devices
 * registered; the S-CSCF forks alice's INVITE to both, the phone answers
 * first (ring 200 ms), the tablet (ring 1 s) gets CANCEL and answers 487.
 * With MIKEY-TICKET and I = 1 both devices resolve the ticket and each
 * answering fork would have its own keys (mikey-ticket.md §6.5); the media
 * of the winning fork is verified. */
#define TABLET_ADDR "127.1.1.4"

static void
run_fork (ImpsUeSecurity security)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  fx_init_full (&f, NULL, TRUE);
  ImpsUeUsimConfig usim = { "bob2@home1.net", usim_k, usim_opc, 5 };
  ImpsUe *t_ue = imps_ue_new (f.net, "bob-tablet", TABLET_ADDR, &usim);
  ImpsUeSipConfig ct = { .impu = BOB, .ring_us = G_USEC_PER_SEC, .proxy_address = P_ADDR };
  ImpsUeSip *t = imps_ue_sip_new (t_ue, f.bus, &ct, &error);
  g_assert_no_error (error);
  KmsClient t_kms;
  ImpsUeSipKms it;
  client_init (&t_kms, &f.kms, &f.kms.users[2], &it);
  imps_ue_sip_set_kms (t, &it);

  g_assert_true (imps_ue_sip_register (f.a, &error));
  g_assert_true (imps_ue_sip_register (f.b, &error));
  g_assert_true (imps_ue_sip_register (t, &error));
  run_for (&f, 50 * 1000);
  g_autoptr (GPtrArray) contacts = imps_scscf_dup_contacts (f.scscf, BOB);
  g_assert_cmpuint (contacts->len, ==, 2);

  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, security, NULL, 0, &error);
  g_assert_no_error (error);
  run_for (&f, RING_US + 50 * 1000);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_ESTABLISHED);
  ImpsUeCall *phone = imps_ue_sip_get_call (f.b, 0);
  ImpsUeCall *tablet = imps_ue_sip_get_call (t, 0);
  g_assert_cmpint (imps_ue_call_get_state (phone), ==, IMPS_UE_CALL_ESTABLISHED);
  g_assert_cmpint (imps_ue_call_get_state (tablet), ==, IMPS_UE_CALL_TERMINATED);
  g_assert_cmpuint (imps_ue_call_get_status (tablet), ==, 487);
  if (security == IMPS_UE_SECURITY_MIKEY_TICKET)
    {
      g_assert_cmpuint (f.b_kms.resolves, ==, 1);
      g_assert_cmpuint (t_kms.resolves, ==, 1);
      g_assert_cmphex (imps_ue_call_get_csb_id (tablet), ==, imps_ue_call_get_csb_id (call));
    }
  run_for (&f, 2 * G_USEC_PER_SEC);
  imps_ue_call_hangup (call);
  run_for (&f, 100 * 1000);
  assert_media_verified (imps_ue_call_get_media (call), imps_ue_call_get_media (phone), 100);
  assert_media_verified (imps_ue_call_get_media (phone), imps_ue_call_get_media (call), 100);
  g_assert_cmpuint (imps_ue_media_get_rx_stats (imps_ue_call_get_media (tablet))->packets, ==, 0);
  g_assert_cmpuint (imps_ue_media_get_tx_stats (imps_ue_call_get_media (tablet))->packets, ==, 0);
  run_for (&f, 40 * G_USEC_PER_SEC);   /* past the proxy's Timer D */
  g_assert_cmpuint (imps_scscf_n_transactions (f.scscf), ==, 0);

  imps_ue_sip_free (t);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (t_kms.held);
  imps_ue_free (t_ue);
  fx_clear (&f);
}

static void
test_fork_sdes (void)
{
  run_fork (IMPS_UE_SECURITY_SDES_E2E);
}

static void
test_fork_mikey (void)
{
  run_fork (IMPS_UE_SECURITY_MIKEY_TICKET);
}

/* The UE asks for 600,000 s (TS 24.229 §5.1.1.2.1) and registers again
 * 600 s before the end of what the S-CSCF granted when that is more than
 * 1,200 s, else at half of it (§5.1.1.4.1); the S-CSCF grants at most its
 * policy's maximum, so it keeps the contact past the first expiry; a callee
 * that hangs up before answering declines with 603. */
static guint
count_sip (Fx *f, const gchar *from, const gchar *summary)
{
  ImpsEventLog *log = imps_network_get_event_log (f->net);
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && g_strcmp0 (e->from, from) == 0
          && g_strcmp0 (e->summary, summary) == 0)
        n++;
    }
  return n;
}

static void
test_register_refresh_and_decline (void)
{
  Fx f;
  g_autoptr (GError) error = NULL;
  fx_init_full (&f, NULL, TRUE);
  imps_scscf_set_max_expires (f.scscf, 1200);
  g_assert_true (imps_ue_sip_register (f.b, &error));
  g_assert_no_error (error);
  run_for (&f, 50 * 1000);
  g_assert_true (imps_ue_sip_is_registered (f.b));
  g_assert_cmpuint (count_sip (&f, "bob", "REGISTER"), ==, 1);
  /* 1,200 s granted: refreshed at half, at 600, 1,200 and 1,800 s, and
   * still reachable */
  imps_clock_advance (f.clock, G_GINT64_CONSTANT (1800) * G_USEC_PER_SEC);
  run_for (&f, 50 * 1000);
  g_assert_cmpuint (count_sip (&f, "bob", "REGISTER"), ==, 4);
  g_autoptr (GPtrArray) contacts = imps_scscf_dup_contacts (f.scscf, BOB);
  g_assert_cmpuint (contacts->len, ==, 1);

  imps_ue_sip_set_answer (f.b, 10 * G_USEC_PER_SEC, 0);
  g_assert_true (imps_ue_sip_register (f.a, &error));
  run_for (&f, 50 * 1000);
  ImpsUeCall *call = imps_ue_sip_call (f.a, BOB, IMPS_UE_SECURITY_NONE, NULL, 0, &error);
  g_assert_no_error (error);
  run_for (&f, 50 * 1000);
  ImpsUeCall *callee = imps_ue_sip_get_call (f.b, 0);
  g_assert_cmpint (imps_ue_call_get_state (callee), ==, IMPS_UE_CALL_RINGING);
  imps_ue_call_hangup (callee);
  run_for (&f, 50 * 1000);
  g_assert_cmpuint (imps_ue_call_get_status (call), ==, 603);
  g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
  fx_clear (&f);
}

/* A registration of more than 1,200 s is refreshed 600 s before its end:
 * the S-CSCF's default grants the UE's whole 600,000 s (one refresh in a
 * week), a maximum of 3,600 s gives refreshes every 3,000 s. */
static void
test_register_refresh_3gpp (void)
{
  static const struct {
    guint32 max;     /* the S-CSCF's maximum, 0: its default */
    gint64 every_s;  /* the refresh interval the UE must keep */
  } cases[] = { { 0, 599400 }, { 3600, 3000 }, { 1201, 601 } };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fx f;
      g_autoptr (GError) error = NULL;
      fx_init_full (&f, NULL, TRUE);
      if (cases[i].max)
        imps_scscf_set_max_expires (f.scscf, cases[i].max);
      g_assert_true (imps_ue_sip_register (f.b, &error));
      g_assert_no_error (error);
      run_for (&f, 50 * 1000);
      g_assert_true (imps_ue_sip_is_registered (f.b));
      /* the registration's own 50 ms went by: one second short of the refresh */
      imps_clock_advance (f.clock, (cases[i].every_s - 1) * G_USEC_PER_SEC);
      run_for (&f, 50 * 1000);
      g_assert_cmpuint (count_sip (&f, "bob", "REGISTER"), ==, 1);
      imps_clock_advance (f.clock, G_USEC_PER_SEC);
      run_for (&f, 50 * 1000);
      g_assert_cmpuint (count_sip (&f, "bob", "REGISTER"), ==, 2);
      imps_clock_advance (f.clock, cases[i].every_s * G_USEC_PER_SEC);
      run_for (&f, 50 * 1000);
      g_assert_cmpuint (count_sip (&f, "bob", "REGISTER"), ==, 3);
      g_autoptr (GPtrArray) contacts = imps_scscf_dup_contacts (f.scscf, BOB);
      g_assert_cmpuint (contacts->len, ==, 1);
      fx_clear (&f);
    }
}

/* The optional 256-bit suite (profile §3: PRF-HMAC-SHA-256, AES-CM-256,
 * HMAC-SHA-256-256, 32-byte RANDs): the TEKs are 32 bytes and the media
 * runs AES_256_CM_HMAC_SHA1_80. */
static void
test_call_mikey_256 (void)
{
  Fx f;
  ImpsUeCall *callee;
  g_autoptr (GError) error = NULL;
  fx_init (&f, NULL);
  imps_ue_sip_free (f.a);
  imps_ue_sip_free (f.b);
  ImpsUeSipConfig ca = { .impu = ALICE, .ring_us = RING_US, .mikey_suite_256 = TRUE };
  ImpsUeSipConfig cb = { .impu = BOB, .ring_us = RING_US, .mikey_suite_256 = TRUE };
  f.a = imps_ue_sip_new (f.a_ue, f.bus, &ca, &error);
  g_assert_no_error (error);
  f.b = imps_ue_sip_new (f.b_ue, f.bus, &cb, &error);
  g_assert_no_error (error);
  ImpsUeSipKms ia, ib;
  g_ptr_array_unref (f.a_kms.held);
  g_ptr_array_unref (f.b_kms.held);
  client_init (&f.a_kms, &f.kms, &f.kms.users[0], &ia);
  client_init (&f.b_kms, &f.kms, &f.kms.users[1], &ib);
  imps_ue_sip_set_kms (f.a, &ia);
  imps_ue_sip_set_kms (f.b, &ib);
  imps_mikey_suite_init (&f.kms.kms.suite, TRUE);

  ImpsUeCall *call = run_call (&f, IMPS_UE_SECURITY_MIKEY_TICKET, 2 * G_USEC_PER_SEC, &callee);
  ImpsUeMedia *ma = imps_ue_call_get_media (call), *mb = imps_ue_call_get_media (callee);
  assert_media_verified (ma, mb, 100);
  assert_media_verified (mb, ma, 100);
  g_autoptr (GPtrArray) ta = log_lines (f.a_log_out, "MIKEY_TEK ");
  g_autoptr (GPtrArray) tb = log_lines (f.b_log_out, "MIKEY_TEK ");
  g_autoptr (GPtrArray) la = log_lines (f.a_log_out, "SRTP ");
  g_assert_cmpuint (ta->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_auto (GStrv) v = g_strsplit (ta->pdata[i], " ", -1);
      g_assert_cmpuint (strlen (v[3]), ==, 64);   /* RANDRi 32 bytes */
      g_assert_cmpuint (strlen (v[5]), ==, 64);   /* TEK 32 bytes */
      g_assert_cmpstr (ta->pdata[i], ==, tb->pdata[i]);
    }
  g_assert_cmpuint (la->len, ==, 2);
  g_assert_nonnull (strstr (la->pdata[0], " AES_256_CM_HMAC_SHA1_80 "));
  fx_clear (&f);
}

/* The packet format on its own (profile.md, media): an RTP header with X
 * set, a one-byte header extension (RFC 8285) whose element 1 carries the
 * counter and the checksum, and 160 bytes of a 400 Hz tone in G.711 mu-law. */
static void
test_payload (void)
{
  guint8 p[IMPS_UE_MEDIA_PACKET_LEN];
  g_assert_cmpuint (sizeof p, ==, 12 + 16 + 160);
  imps_ue_media_packet_fill (p, 0xfffe, 0x01020304, 0x12345678, 7);
  guint32 counter = 0;
  g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p, &counter), ==, IMPS_UE_MEDIA_CHECK_OK);
  g_assert_cmpuint (counter, ==, 7);

  /* the RTP header: V=2, X=1, CC=0, PT 0 (PCMU), then seq, ts, SSRC */
  g_assert_cmphex (p[0], ==, 0x90);
  g_assert_cmphex (p[1], ==, 0);
  g_assert_cmphex (p[2] << 8 | p[3], ==, 0xfffe);
  g_assert_cmphex ((guint32) p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7], ==, 0x01020304);
  g_assert_cmphex ((guint32) p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11], ==, 0x12345678);
  /* the extension, parsed as RFC 8285 says: 0xBEDE, 3 words, one element
   * (ID 1, L 7: 8 bytes) with the counter first, then padding */
  const guint8 *x = p + 12;
  g_assert_cmphex (x[0] << 8 | x[1], ==, 0xBEDE);
  guint words = x[2] << 8 | x[3];
  g_assert_cmpuint (words, ==, 3);
  guint id = x[4] >> 4, len = (x[4] & 15) + 1;
  g_assert_cmpuint (id, ==, 1);
  g_assert_cmpuint (len, ==, 8);
  g_assert_cmphex ((guint32) x[5] << 24 | x[6] << 16 | x[7] << 8 | x[8], ==, 7);
  g_assert_cmpuint (5 + len + 3, ==, 4 + words * 4);
  g_assert_cmpuint (x[13] | x[14] | x[15], ==, 0);
  /* the checksum: FNV-1a 32 over SSRC, counter and payload */
  guint32 h = 0x811c9dc5u;
  const guint8 head[8] = { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 7 };
  for (guint i = 0; i < 8; i++)
    h = (h ^ head[i]) * 0x01000193u;
  for (guint i = 0; i < 160; i++)
    h = (h ^ p[28 + i]) * 0x01000193u;
  g_assert_cmphex ((guint32) x[9] << 24 | x[10] << 16 | x[11] << 8 | x[12], ==, h);

  /* The payload decodes to the tone: 400 Hz at 8 kHz, amplitude 8000,
   * within the mu-law step at that level (under 3 %). */
  for (guint i = 0; i < 160; i += 7)
    {
      gdouble want = 8000.0 * sin (2 * G_PI * IMPS_UE_MEDIA_TONE_HZ * i / 8000.0);
      gint got = imps_g711_ulaw_decode (p[28 + i]);
      g_assert_cmpfloat (fabs (got - want), <=, 8000.0 * 0.03);
    }
  /* a few known G.711 codes: silence, and the ends of the scale */
  g_assert_cmphex (imps_g711_ulaw_encode (0), ==, 0xff);
  g_assert_cmpint (imps_g711_ulaw_decode (0xff), ==, 0);
  g_assert_cmphex (imps_g711_ulaw_encode (32767), ==, 0x80);
  g_assert_cmphex (imps_g711_ulaw_encode (-32768), ==, 0x00);
  g_assert_cmpint (imps_g711_ulaw_decode (0x80), ==, 32124);
  g_assert_cmpint (imps_g711_ulaw_decode (0x00), ==, -32124);
  for (gint v = -32768; v <= 32767; v += 97)
    {
      /* encode then decode stays within the segment's step */
      gint back = imps_g711_ulaw_decode (imps_g711_ulaw_encode ((gint16) v));
      g_assert_cmpint (ABS (back - CLAMP (v, -32635, 32635)), <=, 1024);
    }

  /* Every bit of the extension and the payload counts: a tampered counter,
   * checksum, element header or sample is a mismatch. */
  for (guint i = 12; i < sizeof p; i++)
    {
      p[i] ^= 0x01;
      g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p, NULL), ==,
                       IMPS_UE_MEDIA_CHECK_MISMATCH);
      p[i] ^= 0x01;
    }
  /* counter and checksum both rewritten for another counter, by someone
   * who knows the format: consistent, so the receiver's sequence check is
   * what catches it (the counter must follow the sequence number) */
  imps_ue_media_packet_fill (p, 0xfffe, 0x01020304, 0x12345678, 8);
  g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p, &counter), ==, IMPS_UE_MEDIA_CHECK_OK);
  g_assert_cmpuint (counter, ==, 8);
  /* malformed: not RTP (shorter than its header, version not 2) */
  g_assert_cmpint (imps_ue_media_packet_check (p, 11, NULL), ==, IMPS_UE_MEDIA_CHECK_MALFORMED);
  p[0] = 0x50;
  g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p, NULL), ==, IMPS_UE_MEDIA_CHECK_MALFORMED);
  /* RTP in another shape is a mismatch (a softphone's audio behind an AGW
   * is this): length, no extension bit, CSRCs, payload type */
  p[0] = 0x90;
  g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p - 1, NULL), ==, IMPS_UE_MEDIA_CHECK_MISMATCH);
  g_assert_cmpint (imps_ue_media_packet_check (p, 12 + 160, NULL), ==, IMPS_UE_MEDIA_CHECK_MISMATCH);
  p[0] = 0x80;
  g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p, NULL), ==, IMPS_UE_MEDIA_CHECK_MISMATCH);
  p[0] = 0x91;
  g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p, NULL), ==, IMPS_UE_MEDIA_CHECK_MISMATCH);
  p[0] = 0x90;
  p[1] = 8;
  g_assert_cmpint (imps_ue_media_packet_check (p, sizeof p, NULL), ==, IMPS_UE_MEDIA_CHECK_MISMATCH);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ue-call/payload", test_payload);
  g_test_add_func ("/ue-call/none", test_call_none);
  g_test_add_func ("/ue-call/sdes-e2e", test_call_sdes);
  g_test_add_func ("/ue-call/mikey-ticket", test_call_mikey);
  g_test_add_func ("/ue-call/mikey-ticket-256", test_call_mikey_256);
  g_test_add_func ("/ue-call/wrong-key", test_wrong_key);
  g_test_add_func ("/ue-call/extmap", test_extmap);
  g_test_add_func ("/ue-call/extmap-refused-488", test_extmap_refused);
  g_test_add_func ("/ue-call/rtcp-port", test_rtcp_port);
  g_test_add_func ("/ue-call/replay", test_replay);
  g_test_add_func ("/ue-call/reject-486", test_reject);
  g_test_add_func ("/ue-call/cancel-487", test_cancel);
  g_test_add_func ("/ue-call/mikey-refused-488", test_mikey_refused);
  g_test_add_func ("/ue-call/mikey-bidding-down-488", test_mikey_bidding_down);
  g_test_add_func ("/ue-call/cancel-crosses-200", test_cancel_crosses_200);
  g_test_add_func ("/ue-call/garbage", test_garbage);
  g_test_add_func ("/ue-call/timer-b-and-callee-bye", test_timer_b_and_callee_bye);
  g_test_add_func ("/ue-call/ims/none", test_ims_none);
  g_test_add_func ("/ue-call/ims/sdes-e2e", test_ims_sdes_e2e);
  g_test_add_func ("/ue-call/ims/sdes-e2ae", test_ims_sdes_e2ae);
  g_test_add_func ("/ue-call/ims/mikey-ticket", test_ims_mikey);
  g_test_add_func ("/ue-call/ims/register-refresh-and-decline",
                   test_register_refresh_and_decline);
  g_test_add_func ("/ue-call/ims/register-refresh-3gpp", test_register_refresh_3gpp);
  g_test_add_func ("/ue-call/ims/fork-sdes", test_fork_sdes);
  g_test_add_func ("/ue-call/ims/fork-mikey", test_fork_mikey);
  g_test_add_func ("/ue-call/real-kms/mikey-ticket", test_real_kms);
  return g_test_run ();
}
