#include "imps-runner.h"
#include "imps-ladder.h"
#include "imps-script.h"
#include "imps-attacker.h"

#include <string.h>

typedef enum {
  VERB_BOOTSTRAP,
  VERB_ADVANCE,
  VERB_RESTART,
  VERB_REGISTER,
  VERB_CALL,
  VERB_HANGUP,
  VERB_EXPECT,
  VERB_ATTACK,
} Verb;

/* In the order of ImpsScriptExpect. */
typedef enum {
  EXPECT_OK = IMPS_EXPECT_OK,
  EXPECT_FAIL,
  EXPECT_REFUSAL,
  EXPECT_MESSAGE,
  EXPECT_NO_MESSAGE,
  EXPECT_BOOTSTRAPPED,
  EXPECT_ESTABLISHED,
  EXPECT_SIP,
  EXPECT_MEDIA,
  EXPECT_EXPOSURE,
  EXPECT_FORKS_DIFFER,
  EXPECT_FORKS_SHARE,
  EXPECT_MEDIA_REJECTED,
  EXPECT_ANSWERED_BY,
} ExpectKind;

G_STATIC_ASSERT ((gint) EXPECT_ANSWERED_BY == (gint) IMPS_EXPECT_ANSWERED_BY);

typedef struct {
  Verb verb;
  ImpsScriptStep *script;  /* owned: the checked step */
  const ImpsStepSpec *spec;
  ImpsUe *ue;
  gint64 duration_us;
  gchar *node;        /* restart: hss/bsf; expect refusal: node name */
  gchar *op;          /* restart: operator */
  ExpectKind expect;
  ImpsRefPoint ref;
  gchar *text;        /* expect: text to find (may be NULL) */
  ImpsWorldDevice *dev;   /* register, call (caller), hangup */
  gchar *callee_impu;      /* owned (a URI argument is not kept by the parser) */
  ImpsUeSecurity security;
  gint64 media_us;    /* call: media time after the answer */
  guint status;       /* expect sip */
  gboolean keys;      /* expect exposure: keys (TRUE) or none */
} Step;

/* The last call a call step made, as the expects and the observer see it. */
typedef struct {
  ImpsUeCall *caller;
  ImpsUeCall *callee;     /* the answering device's side, when it answered */
  gchar *callee_name;
  ImpsUeSecurity security;
  gchar *call_id;
  gchar *why;             /* why the call step failed (not placed, refused, ...), or NULL */
} LastCall;

struct _ImpsRunner {
  ImpsWorld *world;
  const ImpsScenario *scenario;
  ImpsNetwork *net;
  ImpsClock *clock;
  GPtrArray *steps;          /* of Step* */
  GPtrArray *results;        /* of ImpsStepResult* */
  ImpsStepResult *last_action;
  guint current;
  GMainLoop *loop;
  guint advance_timer;
  ImpsRunnerStepFunc step_cb;
  gpointer step_cb_data;
  LastCall last_call;
  guint wait_timer;          /* the deadline of the wait for an event, one clock timer */
  ImpsUeSip *wait_sip;       /* the agent whose callbacks the runner holds while waiting */
  GHashTable *devices_of;    /* IMPU -> GPtrArray of ImpsWorldDevice*, for finding the callee */
  GString *observer;       /* the network observer's report of every call */
  GPtrArray *media;        /* ImpsLadderMedia* of every call hung up */
  gint64 call_answered_us;
  gint64 media_end_us;     /* when the last call's senders stopped */
  ImpsUe *last_caller_ue;
  const ImpsStepResult *blocker; /* the failed action every later verdict is skipped for */
  gboolean past_blocker;         /* an action after the blocker was skipped */
  GPtrArray *attacks;            /* ImpsAttack* armed by attack steps */
};

/* In the order of ImpsScriptSecurity. */
static const struct {
  const gchar *name;
  ImpsUeSecurity security;
} securities[] = {
  { "none", IMPS_UE_SECURITY_NONE },
  { "sdes-e2e", IMPS_UE_SECURITY_SDES_E2E },
  { "sdes-e2ae", IMPS_UE_SECURITY_SDES_E2AE },
  { "mikey-ticket", IMPS_UE_SECURITY_MIKEY_TICKET },
};

static void
step_free (gpointer p)
{
  Step *s = p;
  g_free (s->node);
  g_free (s->op);
  g_free (s->text);
  g_free (s->callee_impu);
  imps_script_step_free (s->script);
  g_free (s);
}

static void
result_free (gpointer p)
{
  ImpsStepResult *r = p;
  g_free (r->verb);
  g_free (r->args);
  g_free (r->outcome);
  g_free (r->reason);
  g_free (r);
}

gboolean
imps_parse_duration_us (const gchar *text, gint64 *out, GError **error)
{
  return imps_script_parse_duration_us (text, out, error);
}

static gboolean
ref_from_name (const gchar *name, ImpsRefPoint *out)
{
  for (guint r = IMPS_REF_UB; r <= IMPS_REF_MEDIA; r++)
    if (g_ascii_strcasecmp (name, imps_ref_point_name (r)) == 0)
      {
        *out = r;
        return TRUE;
      }
  return FALSE;
}

/* Binds a checked step to the world's devices; the script's checks made
 * sure every name exists. */
static Step *
bind_step (ImpsRunner *r, ImpsScriptStep *ps)
{
  static const Verb verbs[] = {
    [IMPS_SCRIPT_BOOTSTRAP] = VERB_BOOTSTRAP, [IMPS_SCRIPT_ADVANCE] = VERB_ADVANCE,
    [IMPS_SCRIPT_RESTART] = VERB_RESTART,     [IMPS_SCRIPT_REGISTER] = VERB_REGISTER,
    [IMPS_SCRIPT_CALL] = VERB_CALL,           [IMPS_SCRIPT_HANGUP] = VERB_HANGUP,
    [IMPS_SCRIPT_EXPECT] = VERB_EXPECT,       [IMPS_SCRIPT_ATTACK] = VERB_ATTACK,
  };
  Step *s = g_new0 (Step, 1);
  s->script = ps;
  s->spec = ps->spec;
  s->verb = verbs[ps->verb];
  s->expect = (ExpectKind) ps->expect;
  s->duration_us = ps->duration_us;
  s->media_us = ps->media_us;
  s->status = ps->status;
  s->keys = ps->keys;
  s->security = securities[ps->security].security;
  s->node = g_strdup (ps->node);
  s->text = g_strdup (ps->text);
  s->callee_impu = g_strdup (ps->callee);
  if (ps->verb == IMPS_SCRIPT_RESTART)
    s->op = g_strdup (((const ImpsOperatorSpec *) g_ptr_array_index (r->scenario->operators,
                                                                     ps->op))->name);
  if (ps->ref)
    ref_from_name (ps->ref, &s->ref);
  if (ps->device)
    {
      s->dev = imps_world_find_device (r->world, ps->device);
      s->ue = imps_world_find_ue (r->world, ps->device);
    }
  return s;
}

ImpsRunner *
imps_runner_new (ImpsWorld *world, const ImpsScenario *scenario)
{
  ImpsRunner *r = g_new0 (ImpsRunner, 1);
  r->world = world;
  r->scenario = scenario;
  r->net = imps_world_get_network (world);
  r->clock = imps_network_get_clock (r->net);
  r->steps = g_ptr_array_new_with_free_func (step_free);
  r->results = g_ptr_array_new_with_free_func (result_free);
  r->observer = g_string_new (NULL);
  r->media = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_ladder_media_free);
  r->attacks = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_attack_free);
  return r;
}

GPtrArray *
imps_runner_get_media (ImpsRunner *r)
{
  return r->media;
}

/* One direction of a call's media as the ladder, the media event and the
 * verdict all show it: sent by @tx, received and verified by @rx. */
static ImpsLadderMedia *
ue_stream (const gchar *from, ImpsUeMedia *tx, const gchar *to, ImpsUeMedia *rx, gboolean srtp)
{
  const ImpsUeMediaStats *t = imps_ue_media_get_tx_stats (tx);
  const ImpsUeMediaStats *x = imps_ue_media_get_rx_stats (rx);
  g_autofree gchar *id = g_strdup_printf ("%s->%s audio", from, to);
  ImpsLadderMedia *m = imps_ladder_media_new (id, from, to, srtp);
  m->packets_sent = t->packets;
  m->packets_verified = x->packets;
  m->auth_failures = x->auth_failures;
  m->replays = x->replays;
  m->mismatches = x->mismatches;
  m->other_refused = x->other_errors;
  m->packets_received = x->packets + x->auth_failures + x->replays + x->mismatches
                        + x->other_errors;
  return m;
}

static void
add_stream (ImpsRunner *r, ImpsLadderMedia *m)
{
  m->first_us = r->call_answered_us;
  m->last_us = r->media_end_us;
  g_ptr_array_add (r->media, m);
}

static void
add_media (ImpsRunner *r, const gchar *from, ImpsUeMedia *tx, const gchar *to, ImpsUeMedia *rx,
           gboolean srtp)
{
  add_stream (r, ue_stream (from, tx, to, rx, srtp));
}

/* An e2ae call whose media @ue's operator's IMS-AGW relayed: four legs,
 * each with its own counts, SRTP between @ue and the AGW, RTP between the
 * AGW and @peer. The AGW verifies what it relays: an SRTP packet from the
 * UE that authenticated, and every plain RTP packet from the core (which
 * has nothing to verify). FALSE when that AGW did not relay the call. */
static gboolean
add_agw_media (ImpsRunner *r, const gchar *call_id, const gchar *ue, ImpsUeMedia *ue_media,
               const gchar *peer, ImpsUeMedia *peer_media)
{
  g_autofree gchar *agw = NULL;
  guint64 srtp_in, rtp_out, rtp_in, srtp_out, agw_fail;
  if (!imps_world_call_agw (r->world, ue, call_id, &agw, &srtp_in, &rtp_out, &rtp_in, &srtp_out,
                            &agw_fail))
    return FALSE;
  /* UE -> AGW: the UE's sender, the AGW's SRTP receiver */
  ImpsLadderMedia *up = ue_stream (ue, ue_media, agw, ue_media, TRUE);
  up->packets_received = srtp_in + agw_fail;
  up->packets_verified = srtp_in;
  up->auth_failures = agw_fail;
  up->replays = up->mismatches = up->other_refused = 0;
  add_stream (r, up);
  /* AGW -> peer: what the AGW relayed, the peer's receiver */
  ImpsLadderMedia *core_out = ue_stream (agw, peer_media, peer, peer_media, FALSE);
  core_out->packets_sent = rtp_out;
  add_stream (r, core_out);
  /* peer -> AGW: the peer's sender, what the AGW relayed */
  ImpsLadderMedia *core_in = ue_stream (peer, peer_media, agw, peer_media, FALSE);
  core_in->packets_received = core_in->packets_verified = rtp_in;
  core_in->auth_failures = core_in->replays = core_in->mismatches = core_in->other_refused = 0;
  add_stream (r, core_in);
  /* AGW -> UE: what the AGW protected and sent, the UE's receiver */
  ImpsLadderMedia *down = ue_stream (agw, ue_media, ue, ue_media, TRUE);
  down->packets_sent = srtp_out;
  add_stream (r, down);
  return TRUE;
}

const gchar *
imps_runner_get_observer_report (ImpsRunner *r)
{
  return r->observer->str;
}

void
imps_runner_free (ImpsRunner *r)
{
  if (r == NULL)
    return;
  if (r->advance_timer)
    imps_clock_timeout_remove (r->clock, r->advance_timer);
  if (r->wait_timer)
    imps_clock_timeout_remove (r->clock, r->wait_timer);
  if (r->wait_sip)
    {
      imps_ue_sip_set_register_callback (r->wait_sip, NULL, NULL);
      imps_ue_sip_set_call_callback (r->wait_sip, NULL, NULL);
    }
  if (r->devices_of)
    g_hash_table_unref (r->devices_of);
  g_free (r->last_call.call_id);
  g_free (r->last_call.callee_name);
  g_free (r->last_call.why);
  if (r->attacks->len > 0)
    imps_sip_bus_set_sip_filter (imps_world_get_bus (r->world), NULL, NULL);
  g_ptr_array_unref (r->attacks);
  g_string_free (r->observer, TRUE);
  g_ptr_array_unref (r->media);
  g_ptr_array_unref (r->steps);
  g_ptr_array_unref (r->results);
  if (r->loop)
    g_main_loop_unref (r->loop);
  g_free (r);
}

void
imps_runner_set_step_callback (ImpsRunner *r, ImpsRunnerStepFunc func, gpointer user_data)
{
  r->step_cb = func;
  r->step_cb_data = user_data;
}

GPtrArray *
imps_runner_get_results (ImpsRunner *r)
{
  return r->results;
}

guint
imps_runner_count_passed (ImpsRunner *r)
{
  guint n = 0;
  for (guint i = 0; i < r->results->len; i++)
    {
      ImpsStepResult *x = g_ptr_array_index (r->results, i);
      n += x->judged && x->passed && !x->skipped;
    }
  return n;
}

guint
imps_runner_count_failed (ImpsRunner *r)
{
  guint n = 0;
  for (guint i = 0; i < r->results->len; i++)
    {
      ImpsStepResult *x = g_ptr_array_index (r->results, i);
      n += x->judged && !x->passed && !x->skipped;
    }
  return n;
}

guint
imps_runner_count_skipped (ImpsRunner *r)
{
  guint n = 0;
  for (guint i = 0; i < r->results->len; i++)
    {
      ImpsStepResult *x = g_ptr_array_index (r->results, i);
      n += x->judged && x->skipped;
    }
  return n;
}

static void run_next (ImpsRunner *r);

static gboolean
run_next_idle (gpointer data)
{
  run_next (data);
  return G_SOURCE_REMOVE;
}

static ImpsStepResult *
result_begin (ImpsRunner *r, Step *s)
{
  ImpsStepResult *res = g_new0 (ImpsStepResult, 1);
  res->index = r->current;
  res->line = s->spec->line;
  res->verb = g_strdup (s->spec->verb);
  res->args = g_strdup (s->spec->args);
  res->start_us = imps_clock_now_us (r->clock);
  res->first_event = imps_event_log_len (imps_network_get_event_log (r->net));
  g_ptr_array_add (r->results, res);
  return res;
}

/* An action is judged by the expects after it, or by itself when none
 * follow. */
static gboolean
followed_by_expect (ImpsRunner *r, guint index)
{
  if (index + 1 >= r->steps->len)
    return FALSE;
  Step *next = g_ptr_array_index (r->steps, index + 1);
  return next->verb == VERB_EXPECT;
}

/* A failed action's reason, with the first refusal a node logged during it
 * (the root cause: "ERR 15" alone does not say which policy refused). */
static gchar *
with_root_cause (ImpsRunner *r, const ImpsStepResult *res, gchar *reason)
{
  ImpsEventLog *log = imps_network_get_event_log (r->net);
  for (guint i = res->first_event; i < res->last_event; i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != IMPS_EVENT_REFUSAL)
        continue;
      if ((e->detail && strstr (reason, e->detail)) || (!e->detail && strstr (reason, e->summary)))
        return reason;
      gchar *t = g_strdup_printf ("%s (%s refused: %s%s%s)", reason, e->from, e->summary,
                                  e->detail ? ": " : "", e->detail ? e->detail : "");
      g_free (reason);
      return t;
    }
  return reason;
}

/* The SIP bus's filter while attacks are armed: each armed attack whose
 * node sends @message may change it, in the order they were armed. */
static GBytes *
attack_filter (ImpsRefPoint ref, const gchar *from_node, const gchar *to_node, GBytes *message,
               gpointer data)
{
  ImpsRunner *r = data;
  GBytes *out = NULL;
  (void) to_node;
  for (guint i = 0; i < r->attacks->len; i++)
    {
      GBytes *changed = imps_attack_filter (g_ptr_array_index (r->attacks, i), ref, from_node,
                                            out ? out : message);
      if (changed)
        {
          if (out)
            g_bytes_unref (out);
          out = changed;
        }
    }
  return out;
}

/* A call step ended: attacks count it, and those that are over disarm. */
static void
attacks_call_ended (ImpsRunner *r)
{
  for (guint i = r->attacks->len; i-- > 0;)
    {
      ImpsAttack *a = g_ptr_array_index (r->attacks, i);
      imps_attack_call_ended (a);
      if (imps_attack_is_over (a))
        g_ptr_array_remove_index (r->attacks, i);
    }
}

static void
action_done (ImpsRunner *r, gboolean ok, gchar *outcome, gchar *reason)
{
  ImpsStepResult *res = r->last_action;
  Step *s = g_ptr_array_index (r->steps, res->index);
  res->end_us = imps_clock_now_us (r->clock);
  res->last_event = imps_event_log_len (imps_network_get_event_log (r->net));
  res->passed = ok;
  res->outcome = outcome;
  res->reason = ok ? (g_free (reason), NULL) : with_root_cause (r, res, reason);
  res->judged = !followed_by_expect (r, res->index);
  if (s->verb == VERB_CALL)
    attacks_call_ended (r);
  if (!ok && s->verb == VERB_CALL)
    {
      g_free (r->last_call.why);
      r->last_call.why = g_strdup (res->reason);
    }
  if (!ok && res->judged && r->blocker == NULL)
    r->blocker = res;
  if (r->step_cb)
    r->step_cb (r, res, r->step_cb_data);
  r->current++;
  g_idle_add (run_next_idle, r);
}

static void
bootstrap_done (GObject *src, GAsyncResult *result, gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  g_autoptr (GError) error = NULL;

  if (imps_ue_bootstrap_finish (s->ue, result, &error))
    action_done (r, TRUE, g_strdup_printf ("bootstrapped: B-TID %s", imps_ue_get_btid (s->ue)),
                 NULL);
  else
    action_done (r, FALSE, g_strdup ("bootstrap failed"), g_strdup (error->message));
}

static gboolean
advance_done (gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  r->advance_timer = 0;
  g_autofree gchar *d = g_strdup (s->spec->args);
  action_done (r, TRUE, g_strdup_printf ("virtual clock advanced by %s", d), NULL);
  return G_SOURCE_REMOVE;
}

/* ---- calls ---- */

/* The devices of every IMPU, built once, so that finding who answered a
 * call looks at the callee's devices only, not at the whole network. */
static GHashTable *
devices_of (ImpsRunner *r)
{
  if (r->devices_of)
    return r->devices_of;
  r->devices_of = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *ues = imps_world_get_ues (r->world);
  for (guint i = 0; i < ues->len; i++)
    {
      ImpsWorldDevice *d = imps_world_find_device (r->world,
                                                   imps_ue_get_name (g_ptr_array_index (ues, i)));
      if (d == NULL || d->sip == NULL || d->impu == NULL)
        continue;
      GPtrArray *a = g_hash_table_lookup (r->devices_of, d->impu);
      if (a == NULL)
        {
          a = g_ptr_array_new ();
          g_hash_table_insert (r->devices_of, (gpointer) d->impu, a);
        }
      g_ptr_array_add (a, d);
    }
  return r->devices_of;
}

static gboolean
find_callee_in (LastCall *lc, ImpsWorldDevice *d)
{
  if (d == NULL || d->sip == NULL)
    return FALSE;
  for (guint c = 0; c < imps_ue_sip_n_calls (d->sip); c++)
    {
      ImpsUeCall *call = imps_ue_sip_get_call (d->sip, c);
      if (call == lc->caller || imps_ue_call_is_caller (call))
        continue;
      if (g_strcmp0 (imps_ue_call_get_call_id (call), lc->call_id) == 0
          && imps_ue_call_get_state (call) == IMPS_UE_CALL_ESTABLISHED)
        {
          lc->callee = call;
          g_free (lc->callee_name);
          lc->callee_name = g_strdup (d->name);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
find_callee (ImpsRunner *r, LastCall *lc, const gchar *callee_impu)
{
  /* The devices registered for the IMPU called first; then, for a call
   * that reached someone else (a URI no device has as its first IMPU),
   * every device. */
  GPtrArray *mine = g_hash_table_lookup (devices_of (r), callee_impu);
  for (guint i = 0; mine && i < mine->len; i++)
    if (find_callee_in (lc, g_ptr_array_index (mine, i)))
      return TRUE;
  GPtrArray *ues = imps_world_get_ues (r->world);
  for (guint i = 0; i < ues->len; i++)
    if (find_callee_in (lc, imps_world_find_device (r->world,
                                                    imps_ue_get_name (g_ptr_array_index (ues, i)))))
      return TRUE;
  return FALSE;
}

/* The media reference point in the event log: one event per direction of
 * the call when its media time is over, with the counts (never one per
 * packet: the capture has those). */
static void
log_media_direction (ImpsRunner *r, const gchar *from, ImpsUeMedia *tx, const gchar *to,
                     ImpsUeMedia *rx)
{
  LastCall *lc = &r->last_call;
  gboolean srtp = lc->security != IMPS_UE_SECURITY_NONE;
  g_autoptr (ImpsLadderMedia) m = ue_stream (from, tx, to, rx, srtp);
  g_autofree gchar *counts = imps_ladder_media_counts (m);
  imps_network_log (r->net, IMPS_EVENT_MESSAGE, IMPS_REF_MEDIA, IMPS_PROTO_RTP, from, to, NULL,
                    m->stream_id, NULL, "%s stream of call %s: %s", srtp ? "SRTP" : "RTP",
                    lc->call_id, counts);
}

static void
log_media_streams (ImpsRunner *r)
{
  LastCall *lc = &r->last_call;
  if (lc->callee == NULL)
    return;
  ImpsUeMedia *ma = imps_ue_call_get_media (lc->caller);
  ImpsUeMedia *mb = imps_ue_call_get_media (lc->callee);
  const gchar *caller = imps_ue_get_name (r->last_caller_ue);
  if (ma && mb)
    {
      log_media_direction (r, caller, ma, lc->callee_name, mb);
      log_media_direction (r, lc->callee_name, mb, caller, ma);
    }
}

/* The senders stopped MEDIA_DRAIN_US ago, so every packet still on its way
 * then (the bus's latency, twice through an IMS-AGW) has arrived: the
 * counts are final, and the media event, the verdicts, the ladder bands
 * and the capture all hold the same packets. */
#define MEDIA_DRAIN_US IMPS_UE_MEDIA_PACKET_US

static gboolean
media_drained (gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  r->advance_timer = 0;
  LastCall *lc = &r->last_call;
  log_media_streams (r);
  action_done (r, TRUE,
               g_strdup_printf ("call %s established with %s (%s), media ran", lc->call_id,
                                lc->callee_name ? lc->callee_name : "?",
                                imps_ue_security_name (lc->security)),
               g_strdup_printf ("call to %s not answered within 60 s (state %s)", s->callee_impu,
                                imps_ue_call_state_name (imps_ue_call_get_state (lc->caller))));
  return G_SOURCE_REMOVE;
}

/* The call's media time is over: both ends stop sending (the call stays
 * up until its hangup), and the step ends once the last packets are in. */
static gboolean
media_done (gpointer data)
{
  ImpsRunner *r = data;
  LastCall *lc = &r->last_call;
  ImpsUeMedia *ma = imps_ue_call_get_media (lc->caller);
  ImpsUeMedia *mb = lc->callee ? imps_ue_call_get_media (lc->callee) : NULL;
  if (ma)
    imps_ue_media_stop (ma);
  if (mb)
    imps_ue_media_stop (mb);
  r->media_end_us = imps_clock_now_us (r->clock);
  r->advance_timer = imps_clock_timeout_add (r->clock, MEDIA_DRAIN_US, media_drained, r, NULL);
  return G_SOURCE_REMOVE;
}

/* ---- waiting: on the events of the agent in question, with the step's
 * deadline as one clock timer, so that the virtual clock jumps straight
 * from one event to the next ---- */

static void
wait_end (ImpsRunner *r)
{
  if (r->wait_timer)
    imps_clock_timeout_remove (r->clock, r->wait_timer);
  r->wait_timer = 0;
  if (r->wait_sip)
    {
      imps_ue_sip_set_register_callback (r->wait_sip, NULL, NULL);
      imps_ue_sip_set_call_callback (r->wait_sip, NULL, NULL);
    }
  r->wait_sip = NULL;
}

static void
wait_begin (ImpsRunner *r, ImpsUeSip *sip, gint64 limit_us, GSourceFunc on_deadline)
{
  wait_end (r);
  r->wait_sip = sip;
  r->wait_timer = imps_clock_timeout_add (r->clock, limit_us, on_deadline, r, NULL);
}

static void
register_answered (ImpsUeSip *sip, guint status, gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  /* A refusal is not final for the step: it still waits for a 200 until
   * its deadline, as a retried registration could bring one. */
  if (!imps_ue_sip_is_registered (sip))
    return;
  wait_end (r);
  action_done (r, TRUE, g_strdup_printf ("%s registered %s", s->dev->name, s->dev->impu), NULL);
}

static gboolean
register_deadline (gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  r->wait_timer = 0;
  wait_end (r);
  action_done (r, FALSE, g_strdup ("not registered"),
               g_strdup_printf ("%s got no 200 to its REGISTER within 5 s", s->dev->name));
  return G_SOURCE_REMOVE;
}

/* The caller's call changed state: established starts the media time, an
 * end fails the step. */
static void
call_check (ImpsRunner *r)
{
  Step *s = g_ptr_array_index (r->steps, r->current);
  LastCall *lc = &r->last_call;
  ImpsUeCallState st = imps_ue_call_get_state (lc->caller);
  if (st == IMPS_UE_CALL_ESTABLISHED)
    {
      wait_end (r);
      find_callee (r, lc, s->callee_impu);
      r->call_answered_us = imps_clock_now_us (r->clock);
      r->advance_timer = imps_clock_timeout_add (r->clock, s->media_us, media_done, r, NULL);
      return;
    }
  if (st == IMPS_UE_CALL_TERMINATED)
    {
      wait_end (r);
      const gchar *why = imps_ue_call_get_reason (lc->caller);
      guint status = imps_ue_call_get_status (lc->caller);
      action_done (r, FALSE, g_strdup_printf ("call %s not established", lc->call_id),
                   g_strdup_printf ("call to %s ended with %u%s%s", s->callee_impu, status,
                                    why ? ": " : "", why ? why : ""));
    }
}

static void
call_changed (ImpsUeSip *sip, ImpsUeCall *call, gpointer data)
{
  ImpsRunner *r = data;
  if (call == r->last_call.caller)
    call_check (r);
}

static gboolean
call_deadline (gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  LastCall *lc = &r->last_call;
  r->wait_timer = 0;
  wait_end (r);
  action_done (r, FALSE, g_strdup_printf ("call %s not established", lc->call_id),
               g_strdup_printf ("call to %s not answered within 60 s (state %s)", s->callee_impu,
                                imps_ue_call_state_name (imps_ue_call_get_state (lc->caller))));
  return G_SOURCE_REMOVE;
}

/* The BYE and its 200 have had their time: report the call. */
static gboolean
hangup_done (gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  LastCall *lc = &r->last_call;
  r->wait_timer = 0;
  g_autoptr (GString) rep = g_string_new (NULL);
  guint readers = imps_world_call_exposure (r->world, lc->call_id, lc->security, rep);
  g_string_append_printf (r->observer, "call %s (%s, %s -> %s): %u node%s could read the media keys\n%s",
                          lc->call_id, imps_ue_security_name (lc->security),
                          imps_ue_get_name (r->last_caller_ue),
                          lc->callee_name ? lc->callee_name : "?",
                          readers, readers == 1 ? "" : "s", rep->str);
  if (lc->callee)
    {
      gboolean srtp = lc->security != IMPS_UE_SECURITY_NONE;
      ImpsUeMedia *ma = imps_ue_call_get_media (lc->caller);
      ImpsUeMedia *mb = imps_ue_call_get_media (lc->callee);
      const gchar *caller = imps_ue_get_name (r->last_caller_ue);
      gboolean e2ae = lc->security == IMPS_UE_SECURITY_SDES_E2AE;
      if (!(e2ae && add_agw_media (r, lc->call_id, caller, ma, lc->callee_name, mb))
          && !(e2ae && add_agw_media (r, lc->call_id, lc->callee_name, mb, caller, ma)))
        {
          add_media (r, caller, ma, lc->callee_name, mb, srtp);
          add_media (r, lc->callee_name, mb, caller, ma, srtp);
        }
    }
  action_done (r, TRUE, g_strdup_printf ("%s hung up call %s", s->dev->name, lc->call_id), NULL);
  return G_SOURCE_REMOVE;
}

/* "every packet verified": each packet sent was received and verified,
 * and nothing else arrived (the counts of the media event and the ladder,
 * imps_ladder_media_counts()). */
static gboolean
check_direction (const gchar *from, ImpsUeMedia *tx, const gchar *to, ImpsUeMedia *rx,
                 GString *why)
{
  g_autoptr (ImpsLadderMedia) m = ue_stream (from, tx, to, rx, TRUE);
  g_autofree gchar *counts = imps_ladder_media_counts (m);
  gboolean ok = m->packets_sent > 0 && imps_ladder_media_complete (m);
  g_string_append_printf (why, "%s%s -> %s: %s", why->len ? "; " : "", from, to, counts);
  return ok;
}

static const ImpsEvent *
find_event (ImpsRunner *r, const ImpsStepResult *in, ImpsEventKind kind, const gchar *from,
            gint ref, const gchar *text)
{
  ImpsEventLog *log = imps_network_get_event_log (r->net);
  for (guint i = in->first_event; i < in->last_event; i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != kind)
        continue;
      if (from && g_strcmp0 (e->from, from) != 0)
        continue;
      if (ref >= 0 && e->ref != (ImpsRefPoint) ref)
        continue;
      if (text && !strstr (e->summary, text) && !(e->detail && strstr (e->detail, text)))
        continue;
      return e;
    }
  return NULL;
}

/* The refusals logged during an action (at most three), for the reason of
 * a refusal expectation that found none of its own. */
static gchar *
refusals_seen (ImpsRunner *r, const ImpsStepResult *in)
{
  ImpsEventLog *log = imps_network_get_event_log (r->net);
  GString *out = g_string_new (NULL);
  guint n = 0;
  for (guint i = in->first_event; i < in->last_event; i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != IMPS_EVENT_REFUSAL)
        continue;
      if (n++ == 3)
        {
          g_string_append (out, "; ...");
          break;
        }
      g_string_append_printf (out, "%s%s: %s%s%s", out->len ? "; " : "refusals logged: ", e->from,
                              e->summary, e->detail ? ": " : "", e->detail ? e->detail : "");
    }
  if (n == 0)
    g_string_append (out, "no node refused anything");
  return g_string_free (out, FALSE);
}

/* forks-differ / forks-share: the TGK-level keys of every callee device
 * that derived keys for the last call (their TEKs differ through RANDRr
 * whether or not the keys are forked, so only the TGK tells). */
static void
judge_forks (ImpsRunner *r, gboolean share, ImpsStepResult *res)
{
  LastCall *lc = &r->last_call;
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GPtrArray) fps = g_ptr_array_new_with_free_func (g_free);
  guint same = 0;
  GPtrArray *ues = imps_world_get_ues (r->world);
  for (guint i = 0; lc->call_id && i < ues->len; i++)
    {
      ImpsWorldDevice *d = imps_world_find_device (r->world,
                                                   imps_ue_get_name (g_ptr_array_index (ues, i)));
      for (guint c = 0; d && d->sip && c < imps_ue_sip_n_calls (d->sip); c++)
        {
          ImpsUeCall *call = imps_ue_sip_get_call (d->sip, c);
          guint8 fp[32];
          if (imps_ue_call_is_caller (call)
              || g_strcmp0 (imps_ue_call_get_call_id (call), lc->call_id) != 0
              || !imps_ue_call_get_tgk_fingerprint (call, fp))
            continue;
          gboolean dup = FALSE;
          for (guint k = 0; k < fps->len; k++)
            dup |= memcmp (g_ptr_array_index (fps, k), fp, 32) == 0;
          same += dup;
          g_ptr_array_add (fps, g_memdup2 (fp, 32));
          g_string_append_printf (seen, "%s%s %02x%02x%02x%02x", seen->len ? ", " : "", d->name,
                                  fp[0], fp[1], fp[2], fp[3]);
        }
    }
  /* differ: no two alike; share: every one like the first. */
  gboolean all_same = same + 1 == fps->len;
  res->passed = fps->len >= 2 && (share ? all_same : same == 0);
  if (res->passed)
    res->outcome = g_strdup_printf (share ? "%u forks, one TGK for all (TGK fingerprints %s)"
                                          : "%u forks, each with its own TGK' (TGK fingerprints %s)",
                                    fps->len, seen->str);
  else if (fps->len < 2)
    res->reason = g_strdup_printf ("only %u device%s derived MIKEY-TICKET keys for call %s%s%s",
                                   fps->len, fps->len == 1 ? "" : "s",
                                   lc->call_id ? lc->call_id : "(none)", seen->len ? ": " : "",
                                   seen->str);
  else
    res->reason = g_strdup_printf (share ? "the forks derived keys from different TGKs "
                                           "(key forking): TGK fingerprints %s"
                                         : "two forks derived keys from the same TGK "
                                           "(no key forking): TGK fingerprints %s",
                                   seen->str);
}

/* Judges an expect against the last action. */
static void
judge (ImpsRunner *r, Step *s, ImpsStepResult *res)
{
  const ImpsStepResult *a = r->last_action;
  const ImpsEvent *e;

  res->first_event = a->first_event;
  res->last_event = a->last_event;
  switch (s->expect)
    {
    case EXPECT_OK:
      res->passed = a->passed;
      res->outcome = g_strdup_printf ("%s %s: %s", a->verb, a->args, a->outcome);
      if (!a->passed)
        res->reason = g_strdup_printf ("%s %s failed: %s", a->verb, a->args, a->reason);
      break;
    case EXPECT_FAIL:
      res->passed = !a->passed && (!s->text || (a->reason && strstr (a->reason, s->text)));
      res->outcome = g_strdup_printf ("%s %s: %s", a->verb, a->args,
                                      a->passed ? a->outcome : a->reason);
      if (!res->passed)
        res->reason = a->passed
                          ? g_strdup_printf ("expected %s %s to fail%s%s%s, but it succeeded (%s)",
                                             a->verb, a->args, s->text ? " with '" : "",
                                             s->text ? s->text : "", s->text ? "'" : "", a->outcome)
                          : g_strdup_printf ("%s %s failed, but not with '%s': %s", a->verb,
                                             a->args, s->text, a->reason);
      break;
    case EXPECT_REFUSAL:
      e = find_event (r, a, IMPS_EVENT_REFUSAL, s->node, -1, s->text);
      res->passed = e != NULL;
      if (e)
        res->outcome = g_strdup_printf ("%s refused: %s%s%s", e->from, e->summary,
                                        e->detail ? ": " : "", e->detail ? e->detail : "");
      else
        {
          g_autofree gchar *seen = refusals_seen (r, a);
          res->reason = g_strdup_printf ("no refusal at %s%s%s%s during %s %s (%s)", s->node,
                                         s->text ? " mentioning '" : "", s->text ? s->text : "",
                                         s->text ? "'" : "", a->verb, a->args, seen);
        }
      break;
    case EXPECT_MESSAGE:
    case EXPECT_NO_MESSAGE:
      e = find_event (r, a, IMPS_EVENT_MESSAGE, NULL, s->ref, s->text);
      res->passed = (e != NULL) == (s->expect == EXPECT_MESSAGE);
      if (e)
        {
          if (res->passed)
            res->outcome = g_strdup_printf ("%s %s -> %s: %s", imps_ref_point_name (e->ref),
                                            e->from, e->to ? e->to : "", e->summary);
          else
            res->reason = g_strdup_printf ("unexpected %s message %s -> %s: %s",
                                           imps_ref_point_name (e->ref), e->from,
                                           e->to ? e->to : "", e->summary);
        }
      else if (res->passed)
        res->outcome = g_strdup_printf ("no %s message%s%s%s", imps_ref_point_name (s->ref),
                                        s->text ? " with '" : "", s->text ? s->text : "",
                                        s->text ? "'" : "");
      else
        res->reason = g_strdup_printf ("no %s message%s%s%s during %s %s",
                                       imps_ref_point_name (s->ref), s->text ? " with '" : "",
                                       s->text ? s->text : "", s->text ? "'" : "", a->verb, a->args);
      break;
    case EXPECT_ANSWERED_BY:
      {
        LastCall *lc = &r->last_call;
        res->passed = lc->callee_name != NULL && g_strcmp0 (lc->callee_name, s->dev->name) == 0;
        if (res->passed)
          res->outcome = g_strdup_printf ("call %s answered by %s", lc->call_id, lc->callee_name);
        else if (lc->callee_name != NULL)
          res->reason = g_strdup_printf ("call %s was answered by %s, not %s", lc->call_id,
                                         lc->callee_name, s->dev->name);
        else
          res->reason = g_strdup_printf ("call %s was not answered%s%s",
                                         lc->call_id ? lc->call_id : "(none)",
                                         lc->why ? ": " : "", lc->why ? lc->why : "");
        break;
      }
    case EXPECT_MEDIA_REJECTED:
      {
        /* DEVICE's end of the last call: what its SRTP receiver refused */
        LastCall *lc = &r->last_call;
        ImpsUeCall *mine = NULL;
        if (s->dev && s->dev->ue == r->last_caller_ue)
          mine = lc->caller;
        else if (s->dev && lc->callee && g_strcmp0 (lc->callee_name, s->dev->name) == 0)
          mine = lc->callee;
        ImpsUeMedia *m = mine ? imps_ue_call_get_media (mine) : NULL;
        if (m == NULL)
          {
            res->passed = FALSE;
            res->reason = g_strdup_printf ("%s is no end of the last call %s, or it has no media",
                                           s->dev ? s->dev->name : "?",
                                           lc->call_id ? lc->call_id : "(none)");
            break;
          }
        const ImpsUeMediaStats *x = imps_ue_media_get_rx_stats (m);
        guint64 n = s->keys ? x->replays : x->auth_failures;
        res->passed = n > 0;
        g_autofree gchar *counts = g_strdup_printf (
            "%s received %" G_GUINT64_FORMAT " packets verified, %" G_GUINT64_FORMAT
            " auth failures, %" G_GUINT64_FORMAT " replays", s->dev->name, x->packets,
            x->auth_failures, x->replays);
        if (res->passed)
          res->outcome = g_strdup_printf ("%s refused %" G_GUINT64_FORMAT " %s (%s)", s->dev->name,
                                          n, s->keys ? "replays" : "packets that did not verify",
                                          counts);
        else
          res->reason = g_strdup_printf ("%s refused no %s: %s", s->dev->name,
                                         s->keys ? "replayed packet" : "packet for its tag",
                                         counts);
        break;
      }
    case EXPECT_FORKS_DIFFER:
    case EXPECT_FORKS_SHARE:
      judge_forks (r, s->expect == EXPECT_FORKS_SHARE, res);
      break;
    case EXPECT_ESTABLISHED:
    case EXPECT_SIP:
    case EXPECT_MEDIA:
    case EXPECT_EXPOSURE:
      {
        LastCall *lc = &r->last_call;
        if (lc->caller == NULL)
          {
            res->passed = FALSE;
            res->reason = g_strdup (lc->why ? lc->why : "no call has been made yet");
            break;
          }
        if (s->expect == EXPECT_ESTABLISHED)
          {
            res->passed = lc->callee != NULL;
            if (res->passed)
              res->outcome = g_strdup_printf ("call %s answered by %s", lc->call_id, lc->callee_name);
            else
              res->reason = g_strdup_printf ("call %s was not established: status %u%s%s", lc->call_id,
                                             imps_ue_call_get_status (lc->caller),
                                             lc->why ? ": " : "", lc->why ? lc->why : "");
          }
        else if (s->expect == EXPECT_SIP)
          {
            guint got = imps_ue_call_get_status (lc->caller);
            res->passed = got == s->status;
            if (res->passed)
              res->outcome = g_strdup_printf ("the caller got %u", got);
            else
              {
                const gchar *why = lc->why ? lc->why : imps_ue_call_get_reason (lc->caller);
                res->reason = g_strdup_printf ("the caller got %u, expected %u%s%s%s", got,
                                               s->status, why ? " (" : "", why ? why : "",
                                               why ? ")" : "");
              }
          }
        else if (s->expect == EXPECT_MEDIA)
          {
            g_autoptr (GString) why = g_string_new (NULL);
            if (lc->callee == NULL)
              {
                res->passed = FALSE;
                res->reason = g_strdup_printf ("call %s has no answering device", lc->call_id);
                break;
              }
            ImpsUeMedia *ma = imps_ue_call_get_media (lc->caller);
            ImpsUeMedia *mb = imps_ue_call_get_media (lc->callee);
            const gchar *caller = imps_ue_get_name (r->last_caller_ue);
            gboolean ab = check_direction (caller, ma, lc->callee_name, mb, why);
            gboolean ba = check_direction (lc->callee_name, mb, caller, ma, why);
            res->passed = ab && ba;
            if (res->passed)
              res->outcome = g_strdup_printf ("media both ways, every packet verified (%s)", why->str);
            else
              res->reason = g_strdup_printf ("media not verified both ways: %s", why->str);
          }
        else
          {
            gboolean saw = imps_world_node_saw_keys (r->world, s->node, lc->call_id, lc->security);
            res->passed = saw == s->keys;
            g_autofree gchar *what = g_strdup_printf ("%s %s read the media keys of call %s (%s)",
                                                      s->node, saw ? "could" : "could not",
                                                      lc->call_id, imps_ue_security_name (lc->security));
            if (res->passed)
              res->outcome = g_steal_pointer (&what);
            else
              res->reason = g_strdup_printf ("%s, expected %s", what, s->keys ? "keys" : "none");
          }
        break;
      }
    case EXPECT_BOOTSTRAPPED:
      res->passed = imps_ue_is_bootstrapped (s->ue)
                    && imps_ue_get_ks_expiry (s->ue) * G_USEC_PER_SEC > imps_clock_now_us (r->clock);
      if (res->passed)
        res->outcome = g_strdup_printf ("%s holds B-TID %s", imps_ue_get_name (s->ue),
                                        imps_ue_get_btid (s->ue));
      else if (imps_ue_get_btid (s->ue) != NULL)
        {
          g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (imps_ue_get_ks_expiry (s->ue));
          g_autofree gchar *when = g_date_time_format_iso8601 (t);
          res->reason = g_strdup_printf ("%s holds no valid bootstrapping: its Ks of B-TID %s "
                                         "has expired (valid until %s)",
                                         imps_ue_get_name (s->ue), imps_ue_get_btid (s->ue), when);
        }
      else
        res->reason = g_strdup_printf ("%s holds no valid bootstrapping: it has not bootstrapped",
                                       imps_ue_get_name (s->ue));
      break;
    }
}

/* After a failed action whose failure a verdict reported, the rest of the
 * script cannot mean anything: later steps do not run and their verdicts
 * are `skipped`. The failed action's own expects still judge what happened
 * (refusal, sip, message, ...), except those that need a call that is up. */
static gboolean
must_skip (ImpsRunner *r, Step *s)
{
  if (r->blocker == NULL)
    return FALSE;
  if (s->verb != VERB_EXPECT)
    r->past_blocker = TRUE;
  if (r->past_blocker)
    return TRUE;
  return s->expect == EXPECT_MEDIA || s->expect == EXPECT_EXPOSURE
         || s->expect == EXPECT_FORKS_DIFFER || s->expect == EXPECT_FORKS_SHARE
         || s->expect == EXPECT_MEDIA_REJECTED;
}

static void
skip (ImpsRunner *r, Step *s, ImpsStepResult *res)
{
  const ImpsStepResult *b = r->blocker;
  res->skipped = TRUE;
  res->judged = s->verb == VERB_EXPECT || !followed_by_expect (r, res->index);
  res->last_event = res->first_event;
  res->end_us = res->start_us;
  res->reason = g_strdup_printf ("skipped: line %u, %s %s, failed: %s", b->line, b->verb,
                                 b->args, b->reason ? b->reason : "");
  res->outcome = g_strdup ("not run");
  if (r->step_cb)
    r->step_cb (r, res, r->step_cb_data);
  r->current++;
  g_idle_add (run_next_idle, r);
}

static void
run_next (ImpsRunner *r)
{
  if (r->current >= r->steps->len)
    {
      g_main_loop_quit (r->loop);
      return;
    }
  Step *s = g_ptr_array_index (r->steps, r->current);
  ImpsStepResult *res = result_begin (r, s);

  if (must_skip (r, s))
    {
      skip (r, s, res);
      return;
    }
  switch (s->verb)
    {
    case VERB_EXPECT:
      res->judged = TRUE;
      judge (r, s, res);
      if (!res->passed && !r->last_action->passed && r->blocker == NULL)
        r->blocker = r->last_action;
      res->end_us = imps_clock_now_us (r->clock);
      if (r->step_cb)
        r->step_cb (r, res, r->step_cb_data);
      r->current++;
      g_idle_add (run_next_idle, r);
      return;
    case VERB_ATTACK:
      {
        /* Arms the attack for the next call; not an action the expects
         * judge, and no verdict of its own. */
        if (r->attacks->len == 0)
          imps_sip_bus_set_sip_filter (imps_world_get_bus (r->world), attack_filter, r);
        ImpsAttack *attack = imps_attack_new (s->script->attack, r->net,
                                              s->dev ? s->dev->ua : NULL,
                                              s->dev ? s->dev->name : NULL);
        imps_attack_set_bus (attack, imps_world_get_bus (r->world));
        g_ptr_array_add (r->attacks, attack);
        g_autofree gchar *what = imps_attack_spec_describe (s->script->attack);
        res->passed = TRUE;
        res->judged = FALSE;
        res->outcome = g_strdup_printf ("armed for the next call: %s", what);
        res->end_us = res->start_us;
        res->last_event = res->first_event;
        if (r->step_cb)
          r->step_cb (r, res, r->step_cb_data);
        r->current++;
        g_idle_add (run_next_idle, r);
        return;
      }
    case VERB_BOOTSTRAP:
      {
        r->last_action = res;
        const gchar *fqdn, *addr;
        guint16 port;
        imps_world_ue_bsf (r->world, s->ue, &fqdn, &addr, &port);
        imps_ue_bootstrap_async (s->ue, fqdn, addr, port, NULL, bootstrap_done, r);
        return;
      }
    case VERB_REGISTER:
      {
        r->last_action = res;
        g_autoptr (GError) error = NULL;
        if (!imps_ue_sip_register (s->dev->sip, &error))
          {
            action_done (r, FALSE, g_strdup ("not registered"), g_strdup (error->message));
            return;
          }
        wait_begin (r, s->dev->sip, 5 * G_USEC_PER_SEC, register_deadline);
        imps_ue_sip_set_register_callback (s->dev->sip, register_answered, r);
        return;
      }
    case VERB_CALL:
      {
        r->last_action = res;
        g_autoptr (GError) error = NULL;
        LastCall *lc = &r->last_call;
        g_clear_pointer (&lc->call_id, g_free);
        g_clear_pointer (&lc->callee_name, g_free);
        g_clear_pointer (&lc->why, g_free);
        lc->callee = NULL;
        lc->security = s->security;
        r->last_caller_ue = s->dev->ue;
        lc->caller = imps_ue_sip_call (s->dev->sip, s->callee_impu, s->security, NULL, 0, &error);
        if (lc->caller == NULL)
          {
            action_done (r, FALSE, g_strdup ("call not placed"),
                         g_strdup_printf ("the call to %s was not placed: %s", s->callee_impu,
                                          error->message));
            return;
          }
        lc->call_id = g_strdup (imps_ue_call_get_call_id (lc->caller));
        wait_begin (r, s->dev->sip, 60 * G_USEC_PER_SEC, call_deadline);
        imps_ue_sip_set_call_callback (s->dev->sip, call_changed, r);
        call_check (r);
        return;
      }
    case VERB_HANGUP:
      {
        r->last_action = res;
        LastCall *lc = &r->last_call;
        /* The device must be one end of the last call, and that call up. */
        ImpsUeCall *mine = NULL;
        if (s->dev->ue == r->last_caller_ue)
          mine = lc->caller;
        else if (lc->callee && g_strcmp0 (lc->callee_name, s->dev->name) == 0)
          mine = lc->callee;
        if (mine == NULL || imps_ue_call_get_state (mine) != IMPS_UE_CALL_ESTABLISHED)
          {
            action_done (r, FALSE, g_strdup ("nothing to hang up"),
                         g_strdup_printf ("%s has no established call (the last call %s is %s -> %s, %s)",
                                          s->dev->name, lc->call_id ? lc->call_id : "(none)",
                                          r->last_caller_ue ? imps_ue_get_name (r->last_caller_ue) : "-",
                                          lc->callee_name ? lc->callee_name : "-",
                                          lc->caller ? imps_ue_call_state_name (imps_ue_call_get_state (lc->caller))
                                                     : "never placed"));
            return;
          }
        imps_ue_call_hangup (mine);
        /* Long enough for BYE and its 200 through both cores. */
        r->wait_timer = imps_clock_timeout_add (r->clock, 200 * 1000, hangup_done, r, NULL);
        return;
      }
    case VERB_ADVANCE:
      r->last_action = res;
      r->advance_timer = imps_clock_timeout_add (r->clock, s->duration_us, advance_done, r, NULL);
      return;
    case VERB_RESTART:
      {
        r->last_action = res;
        g_autoptr (GError) error = NULL;
        if (imps_world_restart (r->world, s->node, s->op, &error))
          action_done (r, TRUE, g_strdup_printf ("%s of %s restarted", s->node, s->op), NULL);
        else
          action_done (r, FALSE, g_strdup ("restart failed"), g_strdup (error->message));
        return;
      }
    }
}

gboolean
imps_runner_run (ImpsRunner *r, GError **error)
{
  g_return_val_if_fail (r->steps->len == 0, FALSE);

  g_autoptr (GPtrArray) checked = imps_script_parse (r->scenario, error);
  if (checked == NULL)
    return FALSE;
  for (guint i = 0; i < checked->len; i++)
    g_ptr_array_add (r->steps, bind_step (r, g_steal_pointer (&checked->pdata[i])));
  if (!imps_clock_is_virtual (r->clock))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "the runner needs a virtual clock");
      return FALSE;
    }
  r->loop = g_main_loop_new (NULL, FALSE);
  imps_clock_set_auto_advance (r->clock, TRUE);
  g_idle_add (run_next_idle, r);
  g_main_loop_run (r->loop);
  imps_clock_set_auto_advance (r->clock, FALSE);
  return TRUE;
}
