#include "imps-runner.h"
#include "imps-ladder.h"
#include "imps-script.h"
#include "imps-attacker.h"
#include "imps-callctl.h"
#include "imps-tickets.h"
#include "imps-load.h"

#include <unistd.h>

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
  VERB_ANSWER,
  VERB_TICKET,
  VERB_FORGET_BTID,
  VERB_LOAD,
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
  EXPECT_CANCELLED,
  EXPECT_TICKET,
} ExpectKind;

G_STATIC_ASSERT ((gint) EXPECT_TICKET == (gint) IMPS_EXPECT_TICKET);

/* How long a call step waits for the answer: past the S-CSCF's timer C
 * (181 s) and the 32 s it then gives a cancelled branch, so a call nobody
 * answers ends with the network's 408, not with the runner's deadline. */
#define CALL_WAIT_US (G_GINT64_CONSTANT (240) * G_USEC_PER_SEC)

typedef struct {
  Verb verb;
  ImpsScriptStep *script;  /* owned: the checked step */
  const ImpsStepSpec *spec;
  ImpsUe *ue;
  gint64 duration_us;
  gchar *node;        /* restart: hss/bsf/kms/pcscf/scscf/agw; expect refusal: node name */
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

/* A refusal a node logged, kept apart from the event log (all NULL: none). */
typedef struct {
  gchar *from;
  gchar *summary;
  gchar *detail;
} Refusal;

/* The last call a call step made, as the expects and the observer see it. */
typedef struct {
  ImpsUeCall *caller;
  ImpsUeCall *callee;     /* the answering device's side, when it answered */
  gchar *callee_name;
  ImpsUeSecurity security;
  gchar *call_id;
  gchar *why;             /* why the call step failed (not placed, refused, ...), or NULL */
  guint cancel_timer;     /* cancel-after= */
  gboolean cancel_sent;   /* the caller sent its CANCEL */
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
  gboolean forget_events;        /* no one reads the event log after the run */
  GPtrArray *calls;              /* ImpsRunnerCall* of every call hung up */
  guint call_line;               /* line of the last call step */
  gboolean call_recorded;        /* the last call is in calls */
  GHashTable *tickets;           /* ticket NAME -> ImpsMikeyHeldTicket* (owned) */
  ImpsLoad *load;                /* the last load step's (imps-load.h) */
  gboolean keep_records;         /* imps_runner_set_keep_records() */
  FILE *observer_file;           /* the observer report while it is not kept in memory */
  guint n_passed, n_failed, n_skipped;
  guint trim_from;               /* results before this one are freed or still needed */
  guint steps_freed;             /* steps before this one are done and freed, or kept */
  Refusal held_refusal;          /* a load's first refusal, when its entries went as it ran */
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
  if (s == NULL)
    return;   /* done and freed (imps_runner_set_keep_records()) */
  g_free (s->node);
  g_free (s->op);
  g_free (s->text);
  g_free (s->callee_impu);
  imps_script_step_free (s->script);
  g_free (s);
}

static void
stream_free (gpointer p)
{
  ImpsRunnerStream *s = p;
  g_free (s->from);
  g_free (s->to);
  g_free (s->via);
  g_free (s);
}

static void
call_free (gpointer p)
{
  ImpsRunnerCall *c = p;
  g_free (c->call_id);
  g_free (c->security);
  g_free (c->caller);
  g_free (c->callee);
  g_ptr_array_unref (c->readers);
  g_ptr_array_unref (c->streams);
  g_free (c);
}

static void
result_free (gpointer p)
{
  ImpsStepResult *r = p;
  if (r == NULL)
    return;   /* freed early (imps_runner_set_keep_records()) */
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
    [IMPS_SCRIPT_ANSWER] = VERB_ANSWER,       [IMPS_SCRIPT_TICKET] = VERB_TICKET,
    [IMPS_SCRIPT_FORGET_BTID] = VERB_FORGET_BTID,
    [IMPS_SCRIPT_LOAD] = VERB_LOAD,
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
  if (ps->verb == IMPS_SCRIPT_RESTART || ps->verb == IMPS_SCRIPT_FORGET_BTID)
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
  r->calls = g_ptr_array_new_with_free_func (call_free);
  r->tickets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) imps_mikey_held_ticket_free);
  r->keep_records = TRUE;
  return r;
}

GPtrArray *
imps_runner_get_calls (ImpsRunner *r)
{
  return r->calls;
}

static ImpsRunnerStream *
call_stream (const gchar *from, ImpsUeMedia *tx, const gchar *to, ImpsUeMedia *rx, gboolean srtp)
{
  const ImpsUeMediaStats *t = imps_ue_media_get_tx_stats (tx);
  const ImpsUeMediaStats *x = imps_ue_media_get_rx_stats (rx);
  ImpsRunnerStream *s = g_new0 (ImpsRunnerStream, 1);
  s->from = g_strdup (from);
  s->to = g_strdup (to);
  s->srtp = srtp;
  s->sent = t->packets;
  s->verified = x->packets;
  s->mismatches = x->mismatches;
  s->auth_failures = x->auth_failures;
  s->replayed = x->replays;
  s->other_errors = x->other_errors;
  s->received = s->verified + s->mismatches + s->auth_failures + s->replayed + s->other_errors;
  s->lost = x->lost;
  return s;
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
  if (r->observer_file)
    {
      /* what went to the file comes first: the memory takes over only
       * when a write failed */
      FILE *f = g_steal_pointer (&r->observer_file);
      g_autoptr (GString) all = g_string_new (NULL);
      gchar buf[8192];
      size_t n;
      rewind (f);
      while ((n = fread (buf, 1, sizeof buf, f)) > 0)
        g_string_append_len (all, buf, (gssize) n);
      fclose (f);
      g_string_prepend (r->observer, all->str);
    }
  return r->observer->str;
}

static void
held_refusal_clear (ImpsRunner *r)
{
  g_clear_pointer (&r->held_refusal.from, g_free);
  g_clear_pointer (&r->held_refusal.summary, g_free);
  g_clear_pointer (&r->held_refusal.detail, g_free);
}

void
imps_runner_free (ImpsRunner *r)
{
  if (r == NULL)
    return;
  if (r->advance_timer)
    imps_clock_timeout_remove (r->clock, r->advance_timer);
  imps_load_free (r->load);
  if (r->wait_timer)
    imps_clock_timeout_remove (r->clock, r->wait_timer);
  if (r->last_call.cancel_timer)
    imps_clock_timeout_remove (r->clock, r->last_call.cancel_timer);
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
  held_refusal_clear (r);
  if (r->attacks->len > 0)
    imps_sip_bus_set_sip_filter (imps_world_get_bus (r->world), NULL, NULL);
  g_ptr_array_unref (r->attacks);
  g_ptr_array_unref (r->calls);
  g_hash_table_unref (r->tickets);
  g_string_free (r->observer, TRUE);
  if (r->observer_file)
    fclose (r->observer_file);
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

void
imps_runner_set_forget_events (ImpsRunner *r, gboolean forget)
{
  r->forget_events = forget;
}

GPtrArray *
imps_runner_get_results (ImpsRunner *r)
{
  return r->results;
}

guint
imps_runner_count_passed (ImpsRunner *r)
{
  return r->n_passed;
}

guint
imps_runner_count_failed (ImpsRunner *r)
{
  return r->n_failed;
}

guint
imps_runner_count_skipped (ImpsRunner *r)
{
  return r->n_skipped;
}

void
imps_runner_set_keep_records (ImpsRunner *r, gboolean keep)
{
  g_return_if_fail (r != NULL);
  r->keep_records = keep;
}

/* Without records, a result goes once its step is reported, unless an
 * expect still judges it (the last action) or a skip still names it (the
 * blocker). */
static void
results_trim (ImpsRunner *r)
{
  guint from = r->results->len;
  for (guint i = r->trim_from; i < r->results->len; i++)
    {
      ImpsStepResult *x = r->results->pdata[i];
      if (x == NULL || x == r->blocker)
        continue;
      if (x == r->last_action)
        {
          from = MIN (from, i);
          continue;
        }
      result_free (x);
      r->results->pdata[i] = NULL;
    }
  r->trim_from = from;
}

/* The step has its verdict (or its outcome, for an action the expects
 * judge): counted, and reported to the step callback. */
static void
step_settled (ImpsRunner *r, ImpsStepResult *res)
{
  if (res->judged)
    {
      if (res->skipped)
        r->n_skipped++;
      else if (res->passed)
        r->n_passed++;
      else
        r->n_failed++;
    }
  if (r->step_cb)
    r->step_cb (r, res, r->step_cb_data);
  if (!r->keep_records)
    results_trim (r);
}

static void run_next (ImpsRunner *r);

static gboolean
run_next_idle (gpointer data)
{
  run_next (data);
  return G_SOURCE_REMOVE;
}

/* @res is the action the expects after it judge. The expects read only
 * the last action's entries, so when nothing reads the log after the run
 * what came before it can go: a finished call keeps no entries. */
static void
begin_action (ImpsRunner *r, ImpsStepResult *res)
{
  r->last_action = res;
  held_refusal_clear (r);
  if (r->forget_events)
    imps_event_log_forget_before (imps_network_get_event_log (r->net), res->first_event);
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

/* The first refusal logged in [@from, @to) of what the log still keeps,
 * or NULL. */
static const ImpsEvent *
first_refusal (ImpsEventLog *log, guint from, guint to)
{
  for (guint i = MAX (from, imps_event_log_first (log)); i < to; i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_REFUSAL)
        return e;
    }
  return NULL;
}

/* A failed action's reason, with the first refusal a node logged during it
 * (the root cause: "ERR 15" alone does not say which policy refused), or
 * kept aside from it (a load's). */
static gchar *
with_root_cause (ImpsRunner *r, const ImpsStepResult *res, gchar *reason)
{
  Refusal seen = r->held_refusal;   /* borrowed */
  if (seen.from == NULL)
    {
      const ImpsEvent *e = first_refusal (imps_network_get_event_log (r->net), res->first_event,
                                          res->last_event);
      if (e == NULL)
        return reason;
      seen = (Refusal) { (gchar *) e->from, e->summary, e->detail };
    }
  if ((seen.detail && strstr (reason, seen.detail))
      || (!seen.detail && strstr (reason, seen.summary)))
    return reason;
  gchar *t = g_strdup_printf ("%s (%s refused: %s%s%s)", reason, seen.from, seen.summary,
                              seen.detail ? ": " : "", seen.detail ? seen.detail : "");
  g_free (reason);
  return t;
}

/* Whether the expects after step @index read the event log (the others
 * read the action's result, the calls or the devices). */
static gboolean
expects_read_log (ImpsRunner *r, guint index)
{
  for (guint i = index + 1; i < r->steps->len; i++)
    {
      Step *next = g_ptr_array_index (r->steps, i);
      if (next->verb != VERB_EXPECT)
        return FALSE;
      if (next->expect != EXPECT_OK && next->expect != EXPECT_FAIL)
        return TRUE;
    }
  return FALSE;
}

/* A load call ended in a run that forgets events and whose expects after
 * the load do not read them: its entries, and those of the calls still in
 * progress, go now rather than when the next action begins, once the
 * load's first refusal (its root cause, should it fail) is kept aside. */
static void
load_call_ended (ImpsLoad *load, gpointer data)
{
  ImpsRunner *r = data;
  ImpsEventLog *log = imps_network_get_event_log (r->net);
  guint end = imps_event_log_len (log);
  (void) load;
  const ImpsEvent *e = r->held_refusal.from ? NULL
                       : first_refusal (log, r->last_action->first_event, end);
  if (e != NULL)
    r->held_refusal = (Refusal) { g_strdup (e->from), g_strdup (e->summary),
                                  g_strdup (e->detail) };
  imps_event_log_forget_before (log, end);
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
  step_settled (r, res);
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

/* ticket = ...: the KMS granted (the runner keeps the ticket by its name)
 * or refused. */
static void
ticket_done (GObject *src, GAsyncResult *result, gpointer data)
{
  ImpsRunner *r = data;
  Step *s = g_ptr_array_index (r->steps, r->current);
  g_autoptr (GError) error = NULL;
  ImpsMikeyHeldTicket *held = imps_ue_ua_request_new_ticket_finish (s->dev->ua, result, &error);
  if (held == NULL)
    {
      action_done (r, FALSE, g_strdup_printf ("no ticket %s", s->script->ticket),
                   g_strdup_printf ("the KMS gave %s no ticket for %s: %s", s->dev->name,
                                    s->script->callee, error->message));
      return;
    }
  g_autofree gchar *flags = imps_tickets_describe_flags (held->policy.flags);
  guint64 secs = (held->policy.valid_to - held->policy.valid_from) >> 32;
  g_hash_table_replace (r->tickets, g_strdup (s->script->ticket), held);
  action_done (r, TRUE,
               g_strdup_printf ("ticket %s for %s granted to %s: %s, valid %" G_GUINT64_FORMAT
                                " s, %u key%s", s->script->ticket, s->script->callee,
                               s->dev->name, flags, secs, held->keys.n_keys,
                               held->keys.n_keys == 1 ? "" : "s"),
               NULL);
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
  GPtrArray *calls = imps_world_find_calls (r->world, lc->call_id);
  for (guint i = 0; calls && i < calls->len; i++)
    if (find_callee_in (lc, ((ImpsWorldCall *) g_ptr_array_index (calls, i))->device))
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
  if (lc->cancel_timer != 0 && st == IMPS_UE_CALL_TERMINATED)
    {
      imps_clock_timeout_remove (r->clock, lc->cancel_timer);
      lc->cancel_timer = 0;
    }
  if (st == IMPS_UE_CALL_ESTABLISHED && lc->cancel_timer != 0)
    {
      imps_clock_timeout_remove (r->clock, lc->cancel_timer);
      lc->cancel_timer = 0;
      wait_end (r);
      find_callee (r, lc, s->callee_impu);
      action_done (r, FALSE, g_strdup_printf ("call %s answered before the CANCEL", lc->call_id),
                   g_strdup_printf ("call to %s was answered by %s before cancel-after=%s",
                                    s->callee_impu, lc->callee_name ? lc->callee_name : "?",
                                    strstr (s->spec->args, "cancel-after=") + 13));
      return;
    }
  if (st == IMPS_UE_CALL_TERMINATED && lc->cancel_sent)
    {
      wait_end (r);
      guint status = imps_ue_call_get_status (lc->caller);
      const gchar *why = imps_ue_call_get_reason (lc->caller);
      if (status == 487)
        action_done (r, TRUE, g_strdup_printf ("call %s cancelled by the caller: 487", lc->call_id),
                     NULL);
      else
        action_done (r, FALSE, g_strdup_printf ("call %s not cancelled", lc->call_id),
                     g_strdup_printf ("the caller sent CANCEL, but the call to %s ended with "
                                      "%u%s%s", s->callee_impu, status, why ? ": " : "",
                                      why ? why : ""));
      return;
    }
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

/* cancel-after=: the caller gives up on an unanswered call. */
static gboolean
cancel_fired (gpointer data)
{
  ImpsRunner *r = data;
  LastCall *lc = &r->last_call;
  lc->cancel_timer = 0;
  ImpsUeCallState st = imps_ue_call_get_state (lc->caller);
  if (st == IMPS_UE_CALL_ESTABLISHED || st == IMPS_UE_CALL_TERMINATED)
    return G_SOURCE_REMOVE;
  lc->cancel_sent = TRUE;
  imps_ue_call_hangup (lc->caller);
  return G_SOURCE_REMOVE;
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
               g_strdup_printf ("call to %s not answered within %d s (state %s)", s->callee_impu,
                                (gint) (CALL_WAIT_US / G_USEC_PER_SEC),
                                imps_ue_call_state_name (imps_ue_call_get_state (lc->caller))));
  return G_SOURCE_REMOVE;
}

/* Keeps the last call's key readers and media counts as data
 * (imps_runner_get_calls()), once: when it is hung up, or when the next
 * call or the end of the script comes first. */
static void
record_call (ImpsRunner *r, gboolean hung_up)
{
  LastCall *lc = &r->last_call;
  if (lc->call_id == NULL || r->call_recorded || !r->keep_records)
    return;
  r->call_recorded = TRUE;
  ImpsRunnerCall *rc = g_new0 (ImpsRunnerCall, 1);
  rc->call_id = g_strdup (lc->call_id);
  rc->security = g_strdup (imps_ue_security_name (lc->security));
  rc->caller = g_strdup (imps_ue_get_name (r->last_caller_ue));
  rc->callee = g_strdup (lc->callee_name);
  rc->line = r->call_line;
  rc->hung_up = hung_up;
  rc->readers = imps_world_call_key_readers (r->world, lc->call_id, lc->security);
  rc->streams = g_ptr_array_new_with_free_func (stream_free);
  g_ptr_array_add (r->calls, rc);
  ImpsUeMedia *ma = lc->caller ? imps_ue_call_get_media (lc->caller) : NULL;
  ImpsUeMedia *mb = lc->callee ? imps_ue_call_get_media (lc->callee) : NULL;
  if (ma == NULL || mb == NULL)
    return;
  const gchar *caller = imps_ue_get_name (r->last_caller_ue);
  gboolean srtp = lc->security != IMPS_UE_SECURITY_NONE;
  g_autofree gchar *agw = NULL;
  guint64 n;
  if (lc->security == IMPS_UE_SECURITY_SDES_E2AE
      && !imps_world_call_agw (r->world, caller, lc->call_id, &agw, &n, &n, &n, &n, &n))
    imps_world_call_agw (r->world, lc->callee_name, lc->call_id, &agw, &n, &n, &n, &n, &n);
  ImpsRunnerStream *ab = call_stream (caller, ma, lc->callee_name, mb, srtp);
  ImpsRunnerStream *ba = call_stream (lc->callee_name, mb, caller, ma, srtp);
  ab->via = g_strdup (agw);
  ba->via = g_strdup (agw);
  g_ptr_array_add (rc->streams, ab);
  g_ptr_array_add (rc->streams, ba);
}

/* The observer report grows by a call: in memory, or without records in a
 * temporary file read back at the end (in memory when none can be made). */
static void
observer_add (ImpsRunner *r, const gchar *text)
{
  if (!r->keep_records && r->observer_file == NULL && r->observer->len == 0)
    r->observer_file = tmpfile ();
  if (r->observer_file && fputs (text, r->observer_file) < 0)
    imps_runner_get_observer_report (r); /* back in memory, in order */
  if (r->observer_file)
    return;
  g_string_append (r->observer, text);
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
  g_autofree gchar *text = g_strdup_printf ("call %s (%s, %s -> %s): %u node%s could read the media keys\n%s",
                                            lc->call_id, imps_ue_security_name (lc->security),
                                            imps_ue_get_name (r->last_caller_ue),
                                            lc->callee_name ? lc->callee_name : "?",
                                            readers, readers == 1 ? "" : "s", rep->str);
  observer_add (r, text);
  record_call (r, TRUE);
  if (lc->callee && r->keep_records)
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

/* @needle in the first @len bytes of @hay (-1: up to its NUL), ASCII
 * case ignored. */
static gboolean
imps_strcasestr (const gchar *hay, gssize len, const gchar *needle)
{
  gsize n = strlen (needle), h = len < 0 ? strlen (hay) : (gsize) len;
  for (gsize i = 0; n <= h && i <= h - n; i++)
    if (g_ascii_strncasecmp (hay + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* TRUE when @text occurs in the event, any case: its summary, its detail,
 * or (SIP, HTTP) the message as sent, so that a header or an SDP line
 * can be named. */
static gboolean
event_has_text (const ImpsEvent *e, const gchar *text)
{
  if (text == NULL)
    return TRUE;
  if (imps_strcasestr (e->summary, -1, text) || (e->detail && imps_strcasestr (e->detail, -1, text)))
    return TRUE;
  if (e->bytes != NULL && (e->proto == IMPS_PROTO_SIP || e->proto == IMPS_PROTO_HTTP))
    {
      gsize len = 0;
      const gchar *data = g_bytes_get_data (e->bytes, &len);
      return data != NULL && imps_strcasestr (data, (gssize) len, text);
    }
  return FALSE;
}

/* The message events of @in that match @s (reference point, text, from=,
 * to=): how many, and the first. */
static guint
count_messages (ImpsRunner *r, const ImpsStepResult *in, const Step *s, const ImpsEvent **first)
{
  ImpsEventLog *log = imps_network_get_event_log (r->net);
  guint n = 0;
  *first = NULL;
  for (guint i = in->first_event; i < in->last_event; i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != IMPS_EVENT_MESSAGE || e->ref != s->ref
          || (s->script->from && g_ascii_strcasecmp (e->from, s->script->from) != 0)
          || (s->script->to && (e->to == NULL || g_ascii_strcasecmp (e->to, s->script->to) != 0))
          || !event_has_text (e, s->text))
        continue;
      if (n++ == 0)
        *first = e;
    }
  return n;
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
  GPtrArray *calls = lc->call_id ? imps_world_find_calls (r->world, lc->call_id) : NULL;
  for (guint i = 0; calls && i < calls->len; i++)
    {
      const ImpsWorldCall *wc = g_ptr_array_index (calls, i);
      guint8 fp[32];
      if (imps_ue_call_is_caller (wc->call) || !imps_ue_call_get_tgk_fingerprint (wc->call, fp))
        continue;
      gboolean dup = FALSE;
      for (guint k = 0; k < fps->len; k++)
        dup |= memcmp (g_ptr_array_index (fps, k), fp, 32) == 0;
      same += dup;
      g_ptr_array_add (fps, g_memdup2 (fp, 32));
      g_string_append_printf (seen, "%s%s %02x%02x%02x%02x", seen->len ? ", " : "",
                              wc->device->name, fp[0], fp[1], fp[2], fp[3]);
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
      {
        guint n = count_messages (r, a, s, &e);
        g_autofree gchar *what = g_strdup_printf (
            "%s message%s%s%s%s%s%s%s", imps_ref_point_name (s->ref), s->text ? " with '" : "",
            s->text ? s->text : "", s->text ? "'" : "", s->script->from ? " from " : "",
            s->script->from ? s->script->from : "", s->script->to ? " to " : "",
            s->script->to ? s->script->to : "");
        if (s->expect == EXPECT_MESSAGE && s->script->has_count)
          {
            res->passed = n == s->script->count;
            if (res->passed)
              res->outcome = g_strdup_printf ("%u %s%s", n, what, n ? "" : " (none, as expected)");
            else
              res->reason = g_strdup_printf ("%u %s during %s %s, expected %u%s%s -> %s: %s", n,
                                             what, a->verb, a->args, s->script->count,
                                             e ? "; the first: " : "", e ? e->from : "",
                                             e && e->to ? e->to : "", e ? e->summary : "");
            if (!e && !res->passed)
              {
                g_free (res->reason);
                res->reason = g_strdup_printf ("no %s during %s %s, expected %u", what, a->verb,
                                               a->args, s->script->count);
              }
            break;
          }
        res->passed = (e != NULL) == (s->expect == EXPECT_MESSAGE);
        if (e && res->passed)
          res->outcome = g_strdup_printf ("%s %s -> %s: %s (%u such)", imps_ref_point_name (e->ref),
                                          e->from, e->to ? e->to : "", e->summary, n);
        else if (e)
          res->reason = g_strdup_printf ("unexpected %s message %s -> %s: %s (%u such)",
                                         imps_ref_point_name (e->ref), e->from,
                                         e->to ? e->to : "", e->summary, n);
        else if (res->passed)
          res->outcome = g_strdup_printf ("no %s", what);
        else
          res->reason = g_strdup_printf ("no %s during %s %s", what, a->verb, a->args);
        break;
      }
    case EXPECT_TICKET:
      {
        ImpsMikeyHeldTicket *held = g_hash_table_lookup (r->tickets, s->script->ticket);
        if (held == NULL)
          {
            res->passed = FALSE;
            res->reason = g_strdup_printf ("no ticket %s: its ticket step got none",
                                           s->script->ticket);
            break;
          }
        g_autofree gchar *flags = imps_tickets_describe_flags (held->policy.flags);
        guint64 secs = (held->policy.valid_to - held->policy.valid_from) >> 32;
        if (s->script->flags_set | s->script->flags_clear)
          {
            guint32 f = held->policy.flags;
            res->passed = (f & s->script->flags_set) == s->script->flags_set
                          && (f & s->script->flags_clear) == 0;
            if (res->passed)
              res->outcome = g_strdup_printf ("ticket %s granted %s", s->script->ticket, flags);
            else
              res->reason = g_strdup_printf ("ticket %s was granted %s, expected %s",
                                             s->script->ticket, flags,
                                             strstr (s->spec->args, "flags ") + 6);
          }
        else
          {
            guint64 want = (guint64) (s->script->duration_us / G_USEC_PER_SEC);
            res->passed = secs == want;
            if (res->passed)
              res->outcome = g_strdup_printf ("ticket %s valid for %" G_GUINT64_FORMAT " s",
                                              s->script->ticket, secs);
            else
              res->reason = g_strdup_printf ("ticket %s is valid for %" G_GUINT64_FORMAT
                                             " s, expected %" G_GUINT64_FORMAT " s",
                                             s->script->ticket, secs, want);
          }
        break;
      }
    case EXPECT_CANCELLED:
      {
        /* the callee devices whose INVITE of the last call was cancelled */
        LastCall *lc = &r->last_call;
        g_autoptr (GString) who = g_string_new (NULL);
        guint n = 0;
        GPtrArray *ues = imps_world_get_ues (r->world);
        for (guint i = 0; lc->call_id && i < ues->len; i++)
          {
            ImpsWorldDevice *d = imps_world_find_device (
                r->world, imps_ue_get_name (g_ptr_array_index (ues, i)));
            for (guint c = 0; d && d->sip && c < imps_ue_sip_n_calls (d->sip); c++)
              {
                ImpsUeCall *call = imps_ue_sip_get_call (d->sip, c);
                if (imps_ue_call_is_caller (call)
                    || g_strcmp0 (imps_ue_call_get_call_id (call), lc->call_id) != 0
                    || imps_ue_call_get_status (call) != 487)
                  continue;
                n++;
                g_string_append_printf (who, "%s%s", who->len ? ", " : "", d->name);
              }
          }
        res->passed = lc->call_id != NULL && n == s->script->count;
        if (res->passed)
          res->outcome = g_strdup_printf ("%u device%s cancelled in call %s%s%s", n,
                                          n == 1 ? "" : "s", lc->call_id, n ? ": " : "",
                                          who->str);
        else
          res->reason = g_strdup_printf ("%u device%s cancelled in call %s%s%s, expected %u", n,
                                         n == 1 ? "" : "s",
                                         lc->call_id ? lc->call_id : "(none)", n ? ": " : "",
                                         who->str, s->script->count);
        break;
      }
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
  step_settled (r, res);
  r->current++;
  g_idle_add (run_next_idle, r);
}

static void
load_done (ImpsLoad *load, gpointer data)
{
  ImpsRunner *r = data;
  g_autofree gchar *failures = imps_load_describe_failures (load);
  action_done (r, failures == NULL, imps_load_describe (load),
               failures ? g_strdup_printf ("failed calls: %s", failures) : NULL);
}

/* Without records a step is not read once it is done (a step reads only
 * itself and the next one), but for a load's and an attack's, which what
 * they made borrows. */
static void
steps_trim (ImpsRunner *r)
{
  for (; r->steps_freed < r->current; r->steps_freed++)
    {
      Step *done = r->steps->pdata[r->steps_freed];
      if (done->verb != VERB_LOAD && done->verb != VERB_ATTACK)
        {
          step_free (done);
          r->steps->pdata[r->steps_freed] = NULL;
        }
    }
}

static void
run_next (ImpsRunner *r)
{
  if (!r->keep_records)
    steps_trim (r);
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
      step_settled (r, res);
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
        imps_attack_set_sip (attack, s->dev ? s->dev->sip : NULL);
        const ImpsAttackSpec *as = s->script->attack;
        const gchar *zk_address = NULL;
        guint16 zk_port = 0;
        if (as->kind == IMPS_ATTACK_RELAY
            && imps_world_kms_zk_endpoint (r->world, as->victim, &zk_address, &zk_port))
          imps_attack_set_zk_target (attack, zk_address, zk_port);
        g_ptr_array_add (r->attacks, attack);
        g_autofree gchar *what = imps_attack_spec_describe (s->script->attack);
        res->passed = TRUE;
        res->judged = FALSE;
        res->outcome = g_strdup_printf ("armed for the next call: %s", what);
        res->end_us = res->start_us;
        res->last_event = res->first_event;
        step_settled (r, res);
        r->current++;
        g_idle_add (run_next_idle, r);
        return;
      }
    case VERB_BOOTSTRAP:
      {
        begin_action (r, res);
        const gchar *fqdn, *addr;
        guint16 port;
        imps_world_ue_bsf (r->world, s->ue, &fqdn, &addr, &port);
        imps_ue_bootstrap_async (s->ue, fqdn, addr, port, NULL, bootstrap_done, r);
        return;
      }
    case VERB_REGISTER:
      {
        begin_action (r, res);
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
        begin_action (r, res);
        g_autoptr (GError) error = NULL;
        LastCall *lc = &r->last_call;
        record_call (r, FALSE);
        r->call_recorded = FALSE;
        /* without records nothing reads the last call again */
        if (!r->keep_records)
          imps_world_release_call (r->world, lc->call_id);
        lc->caller = NULL;
        g_clear_pointer (&lc->call_id, g_free);
        g_clear_pointer (&lc->callee_name, g_free);
        g_clear_pointer (&lc->why, g_free);
        lc->callee = NULL;
        lc->cancel_sent = FALSE;
        if (lc->cancel_timer)
          imps_clock_timeout_remove (r->clock, lc->cancel_timer);
        lc->cancel_timer = 0;
        lc->security = s->security;
        r->last_caller_ue = s->dev->ue;
        r->call_line = s->spec->line;
        if (s->script->ticket != NULL)
          {
            ImpsMikeyHeldTicket *held = g_hash_table_lookup (r->tickets, s->script->ticket);
            if (held == NULL)
              {
                action_done (r, FALSE, g_strdup ("call not placed"),
                             g_strdup_printf ("the call to %s was not placed: its ticket step "
                                              "got no ticket %s", s->callee_impu,
                                              s->script->ticket));
                return;
              }
            imps_ue_sip_set_next_ticket (s->dev->sip, held);
          }
        lc->caller = imps_ue_sip_call (s->dev->sip, s->callee_impu, s->security, NULL, 0, &error);
        imps_ue_sip_set_next_ticket (s->dev->sip, NULL);
        if (lc->caller == NULL)
          {
            action_done (r, FALSE, g_strdup ("call not placed"),
                         g_strdup_printf ("the call to %s was not placed: %s", s->callee_impu,
                                          error->message));
            return;
          }
        lc->call_id = g_strdup (imps_ue_call_get_call_id (lc->caller));
        wait_begin (r, s->dev->sip, CALL_WAIT_US + s->script->cancel_after_us, call_deadline);
        imps_ue_sip_set_call_callback (s->dev->sip, call_changed, r);
        if (s->script->cancel_after_us > 0)
          lc->cancel_timer = imps_clock_timeout_add (r->clock, s->script->cancel_after_us,
                                                     cancel_fired, r, NULL);
        call_check (r);
        return;
      }
    case VERB_HANGUP:
      {
        begin_action (r, res);
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
    case VERB_TICKET:
      {
        begin_action (r, res);
        const ImpsScriptStep *t = s->script;
        ImpsMikeyTp tp;
        imps_mikey_tp_init_default (&tp, 0, t->forking != 0);
        imps_mikey_tp_add_responder (&tp, t->callee);
        if (t->reuse == 0)
          tp.flags &= ~IMPS_MIKEY_TICKET_FLAG_J;
        if (t->duration_us > 0)
          {
            guint64 now = imps_clock_now_ntp (r->clock) & G_GUINT64_CONSTANT (0xFFFFFFFF00000000);
            tp.valid_from = now;
            tp.valid_to = now + ((guint64) (t->duration_us / G_USEC_PER_SEC) << 32);
          }
        tp.n_desired = t->n_keys;
        for (guint i = 0; i < t->n_keys; i++)
          {
            tp.desired[i].type = IMPS_MIKEY_KEY_TGK;
            tp.desired[i].len = 16;
          }
        imps_ue_ua_request_new_ticket_async (s->dev->ua, &tp, NULL, ticket_done, r);
        return;
      }
    case VERB_FORGET_BTID:
      {
        begin_action (r, res);
        g_autoptr (GError) error = NULL;
        g_autofree gchar *btid = g_strdup (imps_ue_get_btid (s->ue));
        if (imps_world_forget_btid (r->world, s->op, s->ue, &error))
          action_done (r, TRUE, g_strdup_printf ("bsf of %s forgot %s's B-TID %s", s->op,
                                                 s->dev->name, btid), NULL);
        else
          action_done (r, FALSE, g_strdup ("nothing forgotten"), g_strdup (error->message));
        return;
      }
    case VERB_ANSWER:
      {
        begin_action (r, res);
        gint64 ring = s->script->ring_us;
        if (ring == 0)
          ring = (gint64) (s->dev->answer_after ? s->dev->answer_after
                                                 : 2 + s->dev->device_index) * G_USEC_PER_SEC;
        imps_ue_sip_set_answer (s->dev->sip, ring, s->script->status);
        g_autofree gchar *how = imps_callctl_describe_answer (s->script);
        action_done (r, TRUE, g_strdup_printf ("%s %s", s->dev->name, how), NULL);
        return;
      }
    case VERB_LOAD:
      begin_action (r, res);
      g_clear_pointer (&r->load, imps_load_free);
      r->load = imps_load_new (r->world, s->script->load);
      imps_load_set_release_calls (r->load, !r->keep_records);
      if (r->forget_events && !expects_read_log (r, r->current))
        imps_load_set_call_end_func (r->load, load_call_ended, r);
      imps_load_start (r->load, isatty (STDERR_FILENO) ? stderr : NULL, load_done, r);
      return;
    case VERB_ADVANCE:
      begin_action (r, res);
      r->advance_timer = imps_clock_timeout_add (r->clock, s->duration_us, advance_done, r, NULL);
      return;
    case VERB_RESTART:
      {
        begin_action (r, res);
        g_autoptr (GError) error = NULL;
        if (imps_world_restart (r->world, s->node, s->op, s->script->wiped, &error))
          action_done (r, TRUE, g_strdup_printf ("%s of %s restarted%s", s->node, s->op,
                                                 s->script->wiped ? " with an empty store" : ""),
                       NULL);
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
  gboolean reads_bytes = FALSE;
  for (guint i = 0; i < checked->len; i++)
    {
      const ImpsScriptStep *ps = checked->pdata[i];
      /* `message REF TEXT` matches TEXT against the message as sent, so the
       * log must keep the bytes even when no output asks for them. */
      if (ps->verb == IMPS_SCRIPT_EXPECT && ps->text != NULL
          && (ps->expect == IMPS_EXPECT_MESSAGE || ps->expect == IMPS_EXPECT_NO_MESSAGE))
        reads_bytes = TRUE;
      g_ptr_array_add (r->steps, bind_step (r, g_steal_pointer (&checked->pdata[i])));
    }
  if (reads_bytes)
    imps_event_log_set_keep_bytes (imps_network_get_event_log (r->net), TRUE);
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
  record_call (r, FALSE);
  imps_clock_set_auto_advance (r->clock, FALSE);
  return TRUE;
}
