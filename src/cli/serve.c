/* impsim serve: a scenario's network on loopback, on the real clock, for
 * outside GBA and MIKEY-TICKET clients. */
#include "cli.h"
#include "imps-ladder.h"
#include "imps-media-sockets.h"
#include "imps-netaddr.h"
#include "imps-pcap.h"
#include "imps-pcscf-gm.h"
#include "imps-script.h"
#include "imps-secret.h"
#include "imps-world.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The ladder's frame numbers: where each event went in --pcap. */
static guint64
ladder_pcap_frame (guint64 seq, gpointer writer)
{
  return imps_pcap_writer_get_event_frame (writer, seq);
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* ---- simulated devices and calls with outside ends ---- */

typedef struct {
  ImpsWorld *world;
  const ImpsScenario *scenario;
  GPtrArray *steps;       /* ImpsScriptStep*: calls to outside device slots */
  GHashTable *placed;     /* step -> step, once placed */
  GHashTable *hangups;    /* ImpsUeCall* -> source id */
  GHashTable *pending;    /* source id -> step: calls about to be placed */
  ImpsMediaSockets *media;
} Serve;

/* The outside device slot (a subscriber with a password) of @impu. */
static const ImpsSubscriberSpec *
outside_slot (const ImpsScenario *s, const gchar *impu)
{
  for (guint i = 0; i < s->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, i);
      for (guint j = 0; u->password && u->impus[j]; j++)
        if (g_ascii_strcasecmp (u->impus[j], impu) == 0)
          return u;
    }
  return NULL;
}

typedef struct {
  Serve *sv;
  ImpsUeCall *call;
} Hangup;

static gboolean
hangup_due (gpointer data)
{
  Hangup *h = data;
  /* the timer is done: the call's end must not remove it again */
  g_hash_table_remove (h->sv->hangups, h->call);
  imps_ue_call_hangup (h->call);
  return G_SOURCE_REMOVE;
}

static void
on_call (ImpsUeSip *sip, ImpsUeCall *call, gpointer user_data)
{
  Serve *sv = user_data;
  (void) sip;
  ImpsUeCallState st = imps_ue_call_get_state (call);
  if (st != IMPS_UE_CALL_ESTABLISHED && st != IMPS_UE_CALL_TERMINATED)
    return;
  printf ("call %s: %s, %s (%s)\n", imps_ue_call_get_call_id (call),
          imps_ue_call_is_caller (call) ? "placed" : "answered", imps_ue_call_state_name (st),
          imps_ue_security_name (imps_ue_call_get_security (call)));
  fflush (stdout);
  gpointer id;
  if (st == IMPS_UE_CALL_TERMINATED && g_hash_table_steal_extended (sv->hangups, call, NULL, &id))
    g_source_remove (GPOINTER_TO_UINT (id));
}

static gboolean
place_call (gpointer data)
{
  Serve *sv = data;
  /* the source that runs is the one whose step is due now */
  guint id = g_source_get_id (g_main_current_source ());
  const ImpsScriptStep *step = g_hash_table_lookup (sv->pending, GUINT_TO_POINTER (id));
  g_hash_table_remove (sv->pending, GUINT_TO_POINTER (id));
  ImpsWorldDevice *d = step ? imps_world_find_device (sv->world, step->device) : NULL;
  if (d == NULL || d->sip == NULL)
    return G_SOURCE_REMOVE;
  g_autoptr (GError) error = NULL;
  ImpsUeSecurity sec = (ImpsUeSecurity) step->security;
  ImpsUeCall *call = imps_ue_sip_call (d->sip, step->callee, sec, NULL, 0, &error);
  if (call == NULL)
    {
      fprintf (stderr, "impsim serve: %s cannot call %s: %s\n", step->device, step->callee,
               error->message);
      return G_SOURCE_REMOVE;
    }
  printf ("call %s: %s calls %s (%s, media %" G_GINT64_FORMAT " ms)\n",
          imps_ue_call_get_call_id (call), step->device, step->callee,
          imps_ue_security_name (sec), step->media_us / 1000);
  fflush (stdout);
  if (step->media_us > 0)
    {
      Hangup *h = g_new0 (Hangup, 1);
      h->sv = sv;
      h->call = call;
      guint hid = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (step->media_us / 1000),
                                      hangup_due, h, g_free);
      g_hash_table_insert (sv->hangups, call, GUINT_TO_POINTER (hid));
    }
  return G_SOURCE_REMOVE;
}

/* An outside device registered: the script's calls to it start, once each,
 * half a second later (its 200 OK first). */
static void
on_outside_registered (ImpsPcscfGm *gm, const gchar *impu, const gchar *address, guint16 port,
                       gboolean registered, gpointer user_data)
{
  Serve *sv = user_data;
  gboolean mw = FALSE;
  for (guint i = 0; i < sv->scenario->operators->len && !mw; i++)
    mw = gm == imps_world_get_scscf_mw (sv->world, i);
  printf ("outside device %s %s %s %s:%u\n", impu,
          registered ? "registered" : "deregistered",
          mw ? "through the outside P-CSCF at" : "from", address, port);
  fflush (stdout);
  if (!registered)
    return;
  const ImpsSubscriberSpec *slot = outside_slot (sv->scenario, impu);
  for (guint i = 0; slot && i < sv->steps->len; i++)
    {
      ImpsScriptStep *step = g_ptr_array_index (sv->steps, i);
      if (outside_slot (sv->scenario, step->callee) != slot
          || g_hash_table_contains (sv->placed, step))
        continue;
      g_hash_table_add (sv->placed, step);
      guint id = g_timeout_add (500 + 100 * g_hash_table_size (sv->pending), place_call, sv);
      g_hash_table_insert (sv->pending, GUINT_TO_POINTER (id), step);
    }
}

/* The SDP of a call with an outside end, one media line at a time: the
 * media ports take what the outside end sends from where its SDP says (RTP
 * and RTCP, a=rtcp included), also before they have sent anything (early
 * media). */
static void
on_outside_media (ImpsPcscfGm *gm, const gchar *call_id, guint stream,
                  const ImpsPcscfGmMediaEnd *local, const ImpsPcscfGmMediaEnd *remote,
                  gboolean answered, gpointer user_data)
{
  Serve *sv = user_data;
  (void) gm;
  (void) call_id;
  (void) stream;
  if (sv->media)
    imps_media_sockets_expect (sv->media, local->rtp, local->rtp_port, local->rtcp,
                               local->rtcp_port, remote->rtp, remote->rtp_port, remote->rtcp,
                               remote->rtcp_port, answered);
}

static void
on_sim_registered (ImpsUeSip *sip, guint status, gpointer user_data)
{
  (void) sip;
  if (status < 200 || status >= 300)
    fprintf (stderr, "impsim serve: simulated device %s: REGISTER answered %u\n",
             (const gchar *) user_data, status);
}

/* hangups: call -> source id */
static void
remove_value_source (gpointer key, gpointer value, gpointer user_data)
{
  (void) key;
  (void) user_data;
  g_source_remove (GPOINTER_TO_UINT (value));
}

/* pending: source id -> step */
static void
remove_key_source (gpointer key, gpointer value, gpointer user_data)
{
  (void) value;
  (void) user_data;
  g_source_remove (GPOINTER_TO_UINT (key));
}

static void
serve_clear (Serve *sv)
{
  if (sv->hangups)
    g_hash_table_foreach (sv->hangups, remove_value_source, NULL);
  if (sv->pending)
    g_hash_table_foreach (sv->pending, remove_key_source, NULL);
  g_clear_pointer (&sv->hangups, g_hash_table_unref);
  g_clear_pointer (&sv->pending, g_hash_table_unref);
  g_clear_pointer (&sv->placed, g_hash_table_unref);
  g_clear_pointer (&sv->steps, g_ptr_array_unref);
}

/* Simulated devices (subscribers without a password) register with their
 * P-CSCF and answer after their answer-after; the script's calls to
 * outside device slots wait for those to register; --outside-e2ae slots get
 * e2ae. */
static gboolean
serve_start (Serve *sv, gchar **e2ae, GError **error)
{
  const ImpsScenario *s = sv->scenario;
  sv->placed = g_hash_table_new (g_direct_hash, g_direct_equal);
  sv->hangups = g_hash_table_new (g_direct_hash, g_direct_equal);
  sv->pending = g_hash_table_new (g_direct_hash, g_direct_equal);
  sv->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_script_step_free);
  /* A served scenario needs no script (run does). */
  g_autoptr (GPtrArray) steps = s->steps->len > 0 ? imps_script_parse (s, error)
                                                  : g_ptr_array_new ();
  if (steps == NULL)
    return FALSE;
  for (guint i = 0; i < steps->len; i++)
    {
      ImpsScriptStep *step = g_ptr_array_index (steps, i);
      ImpsWorldDevice *d = step->verb == IMPS_SCRIPT_CALL
                               ? imps_world_find_device (sv->world, step->device) : NULL;
      const ImpsSubscriberSpec *caller = d ? imps_scenario_find_subscriber (s, step->device)
                                           : NULL;
      if (d == NULL || d->sip == NULL || step->callee == NULL
          || outside_slot (s, step->callee) == NULL || (caller && caller->password))
        continue;
      g_ptr_array_add (sv->steps, g_steal_pointer (&g_ptr_array_index (steps, i)));
    }
  for (guint i = 0; e2ae && e2ae[i]; i++)
    {
      const ImpsSubscriberSpec *u = imps_scenario_find_subscriber (s, e2ae[i]);
      ImpsPcscfGm *gm = u ? imps_world_get_pcscf_gm (sv->world, u->op) : NULL;
      if (u == NULL || u->password == NULL || gm == NULL
          || !imps_pcscf_gm_set_e2ae (gm, u->impus[0], TRUE))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "--outside-e2ae: %s is no outside device slot (a subscriber with a "
                       "password whose operator runs a P-CSCF)", e2ae[i]);
          return FALSE;
        }
    }
  for (guint i = 0; i < s->operators->len; i++)
    {
      /* Gm (outside UEs) and Mw (UEs behind an outside P-CSCF) alike */
      ImpsPcscfGm *gms[] = { imps_world_get_pcscf_gm (sv->world, i),
                             imps_world_get_scscf_mw (sv->world, i) };
      for (guint k = 0; k < G_N_ELEMENTS (gms); k++)
        if (gms[k])
          {
            imps_pcscf_gm_set_registered_callback (gms[k], on_outside_registered, sv);
            imps_pcscf_gm_set_media_callback (gms[k], on_outside_media, sv);
          }
    }
  for (guint i = 0; i < s->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, i);
      if (u->password)
        continue;
      for (guint j = 0; u->devices[j]; j++)
        {
          g_autofree gchar *name = j == 0 ? g_strdup (u->name)
                                          : g_strdup_printf ("%s.%s", u->name, u->devices[j]);
          ImpsWorldDevice *d = imps_world_find_device (sv->world, name);
          if (d == NULL || d->sip == NULL)
            continue;
          imps_ue_sip_set_call_callback (d->sip, on_call, sv);
          imps_ue_sip_set_register_callback (d->sip, on_sim_registered, d->name);
          if (!imps_ue_sip_register (d->sip, error))
            {
              g_prefix_error (error, "simulated device %s: ", name);
              return FALSE;
            }
          printf ("simulated device %s: %s, answers after %u s\n", d->name, d->impu,
                  d->answer_after ? d->answer_after : 2 + d->device_index);
        }
    }
  return TRUE;
}

/* --media-ports LOW-HIGH: LOW even, at least four ports (one IMS-AGW leg). */
static gboolean
parse_media_ports (const gchar *text, guint16 *first, guint16 *last, GError **error)
{
  guint lo = 0, hi = 0;
  gint used = 0;
  if (sscanf (text, "%u-%u%n", &lo, &hi, &used) != 2 || text[used] != '\0'
      || !g_ascii_isdigit (text[0]))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--media-ports: '%s' is not LOW-HIGH (e.g. 30000-30099)", text);
      return FALSE;
    }
  if (lo < 1024 || hi > 65535 || (lo & 1) != 0 || hi < lo + 3)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--media-ports: %u-%u must start at an even port of at least 1024, end at "
                   "most at 65535 and hold at least 4 ports", lo, hi);
      return FALSE;
    }
  *first = (guint16) lo;
  *last = (guint16) hi;
  return TRUE;
}

/* Every port of --media-ports must be free at every media address (the
 * simulated UEs', the IMS-AGWs'): each is bound once and let go. */
static gboolean
check_media_ports (ImpsWorld *world, const ImpsScenario *s, guint16 first, guint16 last,
                   GError **error)
{
  g_autoptr (GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < s->operators->len; i++)
    {
      const ImpsOperatorSpec *op = g_ptr_array_index (s->operators, i);
      g_ptr_array_add (addrs, imps_node_address (IMPS_NODE_AGW, op->number, 0));
    }
  GPtrArray *ues = imps_world_get_ues (world);
  for (guint i = 0; ues && i < ues->len; i++)
    g_ptr_array_add (addrs, g_strdup (imps_ue_get_address (g_ptr_array_index (ues, i))));
  for (guint i = 0; i < addrs->len; i++)
    {
      const gchar *addr = g_ptr_array_index (addrs, i);
      struct sockaddr_in sin = { .sin_family = AF_INET };
      if (inet_pton (AF_INET, addr, &sin.sin_addr) != 1)
        continue;
      for (guint port = first; port <= last; port++)
        {
          int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
          if (fd < 0)
            {
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                           "--media-ports: no socket: %s", g_strerror (errno));
              return FALSE;
            }
          sin.sin_port = htons ((guint16) port);
          int rc = bind (fd, (struct sockaddr *) &sin, sizeof sin);
          int saved = errno;
          close (fd);
          if (rc != 0)
            {
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                           "--media-ports %u-%u: UDP port %s:%u cannot be bound (%s); free it "
                           "or choose another range", first, last, addr, port,
                           g_strerror (saved));
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* What each simulated device's calls carried, and what the AGWs relayed:
 * printed when serve stops. */
static void
serve_report (Serve *sv, ImpsMediaSockets *ms)
{
  const ImpsScenario *s = sv->scenario;
  for (guint i = 0; i < s->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, i);
      for (guint j = 0; !u->password && u->devices[j]; j++)
        {
          g_autofree gchar *name = j == 0 ? g_strdup (u->name)
                                          : g_strdup_printf ("%s.%s", u->name, u->devices[j]);
          ImpsWorldDevice *d = imps_world_find_device (sv->world, name);
          for (guint c = 0; d && d->sip && c < imps_ue_sip_n_calls (d->sip); c++)
            {
              ImpsUeCall *call = imps_ue_sip_get_call (d->sip, c);
              const gchar *cid = imps_ue_call_get_call_id (call);
              printf ("report call %s: %s %s, %s, %s, status %u%s%s\n", cid, d->name,
                      imps_ue_call_is_caller (call) ? "caller" : "callee",
                      imps_ue_security_name (imps_ue_call_get_security (call)),
                      imps_ue_call_state_name (imps_ue_call_get_state (call)),
                      imps_ue_call_get_status (call),
                      imps_ue_call_get_reason (call) ? ", " : "",
                      imps_ue_call_get_reason (call) ? imps_ue_call_get_reason (call) : "");
              ImpsUeMedia *m = imps_ue_call_get_media (call);
              if (m)
                {
                  const ImpsUeMediaStats *rx = imps_ue_media_get_rx_stats (m);
                  const ImpsUeMediaStats *tx = imps_ue_media_get_tx_stats (m);
                  printf ("report media %s at %s: received %" G_GUINT64_FORMAT " verified, %"
                          G_GUINT64_FORMAT " authenticated but not as sent, %" G_GUINT64_FORMAT
                          " auth failures, %" G_GUINT64_FORMAT " replays, %" G_GUINT64_FORMAT
                          " lost, %" G_GUINT64_FORMAT " other; RTCP %" G_GUINT64_FORMAT
                          " accepted; sent %" G_GUINT64_FORMAT "\n", cid, d->name, rx->packets,
                          rx->mismatches, rx->auth_failures, rx->replays, rx->lost,
                          rx->other_errors, rx->rtcp_packets, tx->packets);
                }
              for (guint o = 0; o < s->subscribers->len; o++)
                {
                  /* one subscriber per operator names that operator's AGW */
                  const ImpsSubscriberSpec *v = g_ptr_array_index (s->subscribers, o);
                  gboolean first = TRUE;
                  for (guint p = 0; p < o && first; p++)
                    first = ((const ImpsSubscriberSpec *) g_ptr_array_index (s->subscribers, p))->op
                            != v->op;
                  g_autofree gchar *agw = NULL;
                  guint64 in, to_core, from_core, out, fails;
                  if (first && imps_world_call_agw (sv->world, v->name, cid, &agw, &in, &to_core,
                                                    &from_core, &out, &fails))
                    printf ("report agw %s at %s: SRTP from the UE authenticated %"
                            G_GUINT64_FORMAT ", SRTP to the UE %" G_GUINT64_FORMAT
                            ", auth failures and replays %" G_GUINT64_FORMAT "\n", cid, agw, in,
                            out, fails);
                }
            }
        }
    }
  for (guint i = 0; i < 2 * s->operators->len; i++)
    {
      gboolean mw = i >= s->operators->len;
      guint o = mw ? i - s->operators->len : i;
      ImpsPcscfGm *gm = mw ? imps_world_get_scscf_mw (sv->world, o)
                           : imps_world_get_pcscf_gm (sv->world, o);
      ImpsPcscfGmStats g;
      if (gm == NULL)
        continue;
      imps_pcscf_gm_get_stats (gm, &g);
      if (g.received == 0)
        continue;
      const ImpsOperatorSpec *op = g_ptr_array_index (s->operators, o);
      printf ("report %s.%s: received %" G_GUINT64_FORMAT ", passed %" G_GUINT64_FORMAT
              ", answered 400 %" G_GUINT64_FORMAT ", 401 %" G_GUINT64_FORMAT ", 403 %"
              G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT " (no room for a transaction %"
              G_GUINT64_FORMAT "), retransmissions absorbed %" G_GUINT64_FORMAT
              ", sent %" G_GUINT64_FORMAT ", sent again %" G_GUINT64_FORMAT ", timed out %"
              G_GUINT64_FORMAT "\n", mw ? "mw scscf" : "gm pcscf", op->domain, g.received,
              g.passed, g.bad_request, g.challenged, g.refused, g.dropped, g.no_room, g.absorbed,
              g.sent, g.retransmitted, g.timed_out);
    }
  ImpsMediaSocketsStats st;
  if (ms)
    imps_media_sockets_get_stats (ms, &st);
  if (ms && (st.received > 0 || st.sent > 0 || st.bind_failed > 0))
    {
      printf ("report media sockets: received %" G_GUINT64_FORMAT ", delivered %"
              G_GUINT64_FORMAT " (early media %" G_GUINT64_FORMAT "), from unknown sources %"
              G_GUINT64_FORMAT ", too large %" G_GUINT64_FORMAT ", sent %" G_GUINT64_FORMAT
              ", send failed %" G_GUINT64_FORMAT ", ports without a socket %" G_GUINT64_FORMAT
              "\n", st.received, st.delivered, st.early, st.unknown_source, st.too_large, st.sent,
              st.send_failed, st.bind_failed);
    }
}

int
cli_serve (int argc, char **argv)
{
  gint64 seed = -1;
  gint port_base = 0;
  g_autofree gchar *state_dir = NULL;
  gboolean log_events = FALSE;
  g_autofree gchar *pcap_path = NULL;
  gint event_ring = 10000;
  gint per_address_cap = G_MININT;   /* not given: the servers' default */
  g_autofree gchar *zk_trust_path = NULL;
  g_autofree gchar *zk_ca_path = NULL;
  g_autofree gchar *zk_ca_key_path = NULL;
  g_auto (GStrv) outside_e2ae = NULL;
  g_autofree gchar *media_ports = NULL;
  g_autofree gchar *ladder_path = NULL;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      "Seed of every RAND and key (default: drawn from the system at each start; "
      "the scenario file's seed is not used)", "N" },
    { "port-base", 0, 0, G_OPTION_ARG_INT, &port_base,
      "Fixed ports: N+80 for HTTP (Ub, Ua), N+3868 for Diameter (Zh, Zn), N+443 for Zk, "
      "N+5060 for SIP (Gm at each P-CSCF, Mw at each S-CSCF for an outside P-CSCF; UDP and TCP)",
      "N" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Keep each node's SQLite store in DIR (WAL mode, files 0600, DIR made 0700), so "
      "state survives a restart", "DIR" },
    { "log", 0, 0, G_OPTION_ARG_NONE, &log_events,
      "Print every message and refusal as it happens", NULL },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap_path,
      "Write every message to a pcap capture in FILE as it happens (closed when serve stops)",
      "FILE" },
    { "zk-trust", 0, 0, G_OPTION_ARG_FILENAME, &zk_trust_path,
      "Zk also accepts KMS client certificates of the CA certificates (PEM) in FILE, e.g. an "
      "outside KMS's", "FILE" },
    { "zk-ca", 0, 0, G_OPTION_ARG_FILENAME, &zk_ca_path,
      "Issue the KMSs' Zk certificates from this CA (PEM certificate; with --zk-ca-key) instead "
      "of a new CA per start, so that outside KMSs with certificates of that CA interoperate",
      "FILE" },
    { "zk-ca-key", 0, 0, G_OPTION_ARG_FILENAME, &zk_ca_key_path,
      "The --zk-ca CA's private key (unencrypted PEM)", "FILE" },
    { "outside-e2ae", 0, 0, G_OPTION_ARG_STRING_ARRAY, &outside_e2ae,
      "The outside device slot NAME gets SDES e2ae: the P-CSCF answers its a=crypto offers for "
      "the IMS-AGW and offers it SDES for the AGW on calls to it (repeatable)", "NAME" },
    { "ladder", 0, 0, G_OPTION_ARG_FILENAME, &ladder_path,
      "Write the text ladder of what serve saw (the events --event-ring keeps; with --pcap, rows "
      "end with their frame number) to FILE when serve stops", "FILE" },
    { "media-ports", 0, 0, G_OPTION_ARG_STRING, &media_ports,
      "UDP media ports of every simulated UE and IMS-AGW in LOW-HIGH only (LOW even, at least 4 "
      "ports; each address has its own ports); serve stops at start if one is in use",
      "LOW-HIGH" },
    { "event-ring", 0, 0, G_OPTION_ARG_INT, &event_ring,
      "Keep only the last N events in memory (default 10000; --log and --pcap see every one)",
      "N" },
    { "per-address-cap", 0, 0, G_OPTION_ARG_INT, &per_address_cap,
      "Accept at most N connections at once from one IP address at each HTTP server (Ub, Ua, "
      "Zk; default a sixteenth of the open-file limit, 32 to 1024; 0: no cap)",
      "N" },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("serve", "SCENARIO",
                          "Starts the nodes of SCENARIO's network on loopback (profile §9\n"
                          "addresses), prints one line per endpoint, and serves until SIGINT or\n"
                          "SIGTERM. Simulated UEs register and answer calls; the script's calls\n"
                          "to outside devices start when those register; media of calls with an\n"
                          "outside end is on real UDP; a report of every call is printed at\n"
                          "stop. Every start draws a new seed unless --seed is given (the\n"
                          "seed line says which); with --state-dir a restarted node continues\n"
                          "from its store and never repeats a RAND, B-TID or key.",
                          NULL, entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("serve", argc < 2 ? "a SCENARIO file is required"
                                              : "one SCENARIO file only (got '%s' too)",
                            argc < 2 ? "" : argv[2]);
  if (port_base < 0 || port_base > 65535 - 5060)
    return cli_usage_error ("serve", "--port-base: %d is out of range (0 to %d)", port_base,
                            65535 - 5060);
  if (seed < -1)
    return cli_usage_error ("serve", "--seed: must not be negative");
  if (event_ring < 1)
    return cli_usage_error ("serve", "--event-ring: must be at least 1");
  if (per_address_cap != G_MININT && per_address_cap < 0)
    return cli_usage_error ("serve", "--per-address-cap: must not be negative");
  guint16 media_first = 0, media_last = 0;
  g_autoptr (GError) port_error = NULL;
  if (media_ports && !parse_media_ports (media_ports, &media_first, &media_last, &port_error))
    return cli_usage_error ("serve", "%s", port_error->message);

  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) scenario = imps_scenario_load_file (argv[1], &error);
  if (scenario == NULL)
    return cli_fail ("serve", "%s", error->message);

  /* A served network's keys must not be the ones anyone with the file
   * can derive: the file's seed is for `impsim run`. */
  guint64 run_seed = (guint64) seed;
  if (seed < 0)
    {
      g_autoptr (ImpsRandom) sys = imps_random_new_system ();
      guint8 b[8];
      imps_random_fill (sys, b, sizeof b);
      run_seed = 0;
      for (guint i = 0; i < sizeof b; i++)
        run_seed = run_seed << 8 | b[i];
      /* printed as a --seed value, which is at most G_MAXINT64 */
      run_seed &= G_MAXINT64;
    }

  g_autofree gchar *zk_trust = NULL;
  if (zk_trust_path)
    {
      if (!g_file_get_contents (zk_trust_path, &zk_trust, NULL, &error))
        return cli_fail ("serve", "--zk-trust: %s", error->message);
      if (strstr (zk_trust, "-----BEGIN CERTIFICATE-----") == NULL)
        return cli_fail ("serve", "--zk-trust: %s holds no PEM certificate", zk_trust_path);
    }

  if ((zk_ca_path == NULL) != (zk_ca_key_path == NULL))
    return cli_usage_error ("serve", "--zk-ca and --zk-ca-key go together");
  g_autofree gchar *zk_ca = NULL;
  gchar *zk_ca_key = NULL;
  gsize zk_ca_key_len = 0;
  if (zk_ca_path)
    {
      if (!g_file_get_contents (zk_ca_path, &zk_ca, NULL, &error))
        return cli_fail ("serve", "--zk-ca: %s", error->message);
      if (!g_file_get_contents (zk_ca_key_path, &zk_ca_key, &zk_ca_key_len, &error))
        return cli_fail ("serve", "--zk-ca-key: %s", error->message);
    }

  ImpsWorldOptions opt = {
    .virtual_clock = FALSE,
    .has_seed = TRUE,
    .seed = run_seed,
    .state_dir = state_dir,
    .port_base = (guint16) port_base,
    .zk_trust_pem = zk_trust,
    .zk_ca_cert_pem = zk_ca,
    .zk_ca_key_pem = zk_ca_key,
    .sip_sockets = TRUE,
    .media_port_first = media_first,
    .media_port_last = media_last,
    .http_per_address_cap_set = per_address_cap != G_MININT,
    .http_per_address_cap = per_address_cap >= 0 ? (guint) per_address_cap : 0,
  };
  g_autoptr (ImpsWorld) world = imps_world_new (scenario, &opt, &error);
  /* the CA's key is in the KMS CA now (or nowhere) */
  if (zk_ca_key)
    imps_wipe_free (zk_ca_key, zk_ca_key_len);
  zk_ca_key = NULL;
  opt.zk_ca_key_pem = NULL;
  if (world == NULL)
    return cli_fail ("serve", "%s", error->message);
  imps_event_log_set_ring (imps_network_get_event_log (imps_world_get_network (world)),
                           (guint) event_ring);
  if (media_last != 0 && !check_media_ports (world, scenario, media_first, media_last, &error))
    return cli_fail ("serve", "%s", error->message);

  if (imps_world_get_state_dir_old_mode (world))
    fprintf (stderr, "impsim serve: --state-dir %s had mode %04o; made it 0700 (it holds keys)\n",
             state_dir, imps_world_get_state_dir_old_mode (world));

  g_autoptr (ImpsPcapWriter) pcap = NULL;
  guint pcap_tap = 0;
  if (pcap_path)
    {
      pcap = imps_pcap_writer_new (pcap_path, &error);
      if (pcap == NULL)
        return cli_fail ("serve", "--pcap: %s", error->message);
      imps_pcap_writer_learn_network (pcap, imps_world_get_network (world));
      imps_pcap_writer_attach (pcap, imps_network_get_event_log (imps_world_get_network (world)));
      /* media too: the outside legs and the AGW's core legs */
      pcap_tap = imps_sip_bus_add_media_tap (imps_world_get_bus (world), imps_pcap_media_tap,
                                             pcap);
    }

  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  if (log_events)
    cli_print_events (imps_network_get_event_log (imps_world_get_network (world)));

  imps_world_print_endpoints (world, stdout);
  if (media_last != 0)
    printf ("media ports %u-%u (UDP, at every simulated UE's and IMS-AGW's address)\n",
            media_first, media_last);
  /* Media of calls with an outside end on real sockets; in-process media
   * stays on the bus. */
  g_autoptr (ImpsMediaSockets) media = imps_media_sockets_new (
      imps_world_get_network (world), imps_world_get_bus (world), FALSE);
  Serve sv = { .world = world, .scenario = scenario, .media = media };
  if (!serve_start (&sv, outside_e2ae, &error))
    {
      serve_clear (&sv);
      g_clear_pointer (&media, imps_media_sockets_free);
      if (pcap)
        imps_sip_bus_remove_media_tap (imps_world_get_bus (world), pcap_tap);
      g_clear_pointer (&pcap, imps_pcap_writer_free);
      return cli_fail ("serve", "%s", error->message);
    }
  g_autofree gchar *ca_path = NULL;
  g_autofree gchar *ca_dir = NULL;
  if (imps_world_get_ca_pem (world))
    {
      /* the run's CA certificate (public), for outside Zk clients */
      if (state_dir == NULL)
        ca_dir = g_dir_make_tmp ("impsim-serve-XXXXXX", &error);
      ca_path = g_build_filename (state_dir ? state_dir : ca_dir ? ca_dir : ".", "zk-ca.pem",
                                  NULL);
      int fd = g_open (ca_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      const gchar *pem = imps_world_get_ca_pem (world);
      if (fd < 0 || write (fd, pem, strlen (pem)) != (gssize) strlen (pem))
        g_clear_pointer (&ca_path, g_free);
      if (fd >= 0)
        close (fd);
      if (ca_path)
        printf ("Zk CA certificate: %s\n", ca_path);
    }
  printf ("serving %s (seed %" G_GUINT64_FORMAT "); stop with Ctrl-C\n", argv[1],
          imps_world_get_seed (world));
  fflush (stdout);
  g_main_loop_run (loop);

  guint n = imps_event_log_len (imps_network_get_event_log (imps_world_get_network (world)));
  serve_report (&sv, media);
  serve_clear (&sv);
  int ret = CLI_EXIT_OK;
  if (ladder_path)
    {
      g_autoptr (ImpsLadder) ladder = imps_ladder_new (
          imps_network_get_event_log (imps_world_get_network (world)));
      imps_world_describe_ladder (world, ladder);
      if (pcap)
        imps_ladder_set_frames (ladder, ladder_pcap_frame, pcap);
      imps_ladder_set_detail (ladder, IMPS_LADDER_FULL);
      g_autofree gchar *text = imps_ladder_render_text (ladder, 160);
      if (!g_file_set_contents (ladder_path, text, -1, &error))
        {
          ret = cli_fail ("serve", "--ladder: %s", error->message);
          g_clear_error (&error);
        }
      else
        printf ("ladder %s\n", ladder_path);
    }
  if (pcap)
    {
      imps_sip_bus_remove_media_tap (imps_world_get_bus (world), pcap_tap);
      imps_pcap_writer_detach (pcap);
      /* FIN for every connection; the writer is done before the network goes. */
      if (!imps_pcap_writer_close (pcap, &error))
        ret = cli_fail ("serve", "--pcap: %s", error->message);
      else
        printf ("capture %s: %" G_GUINT64_FORMAT " packets\n", pcap_path,
                imps_pcap_writer_get_packets (pcap));
      g_clear_pointer (&pcap, imps_pcap_writer_free);
    }
  g_clear_pointer (&media, imps_media_sockets_free);
  g_clear_pointer (&world, imps_world_free);
  /* Let closed connections finish their callbacks. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (ca_dir)
    {
      g_unlink (ca_path);
      g_rmdir (ca_dir);
    }
  printf ("stopped after %u logged events\n", n);
  return ret;
}
