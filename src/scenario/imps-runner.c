#include "imps-runner.h"
#include "imps-ladder.h"

#include <math.h>
#include <string.h>

typedef enum {
  VERB_BOOTSTRAP,
  VERB_ADVANCE,
  VERB_RESTART,
  VERB_REGISTER,
  VERB_CALL,
  VERB_HANGUP,
  VERB_EXPECT,
} Verb;

typedef enum {
  EXPECT_OK,
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
} ExpectKind;

typedef struct {
  Verb verb;
  const ImpsStepSpec *spec;
  ImpsUe *ue;
  gint64 duration_us;
  gchar *node;        /* restart: hss/bsf; expect refusal: node name */
  gchar *op;          /* restart: operator */
  ExpectKind expect;
  ImpsRefPoint ref;
  gchar *text;        /* expect: text to find (may be NULL) */
  ImpsWorldDevice *dev;   /* register, call (caller), hangup */
  const gchar *callee_impu;
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
  ImpsUe *last_caller_ue;
};

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
  gchar *end = NULL;
  gdouble v = g_ascii_strtod (text, &end);
  gdouble mult = 1e6;

  /* "nan", "inf" and overflow parse as numbers: refuse them too. */
  if (end == text || !isfinite (v) || v < 0)
    goto bad;
  if (g_str_equal (end, "ms"))
    mult = 1e3;
  else if (g_str_equal (end, "s") || *end == '\0')
    mult = 1e6;
  else if (g_str_equal (end, "m"))
    mult = 60e6;
  else if (g_str_equal (end, "h"))
    mult = 3600e6;
  else if (g_str_equal (end, "d"))
    mult = 86400e6;
  else
    goto bad;
  if (v * mult > 1e17)
    goto bad;
  *out = (gint64) (v * mult + 0.5);
  return TRUE;
bad:
  g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
               "'%s' is not a duration (a number with ms, s, m, h or d)", text);
  return FALSE;
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

static gboolean G_GNUC_PRINTF (4, 5)
step_error (const ImpsScenario *sc, const ImpsStepSpec *spec, GError **error,
            const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "%s:%u: [script] %s: %s",
               sc->path, spec->line, spec->verb, msg);
  return FALSE;
}

/* Checks one step's arguments and resolves the names it uses. */
static Step *
prepare (ImpsRunner *r, const ImpsStepSpec *spec, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_auto (GStrv) argv = NULL;
  gint argc = 0;

  if (spec->args[0] != '\0' && !g_shell_parse_argv (spec->args, &argc, &argv, &e))
    {
      step_error (r->scenario, spec, error, "cannot read the arguments: %s", e->message);
      return NULL;
    }
  Step *s = g_new0 (Step, 1);
  s->spec = spec;

  if (g_str_equal (spec->verb, "bootstrap"))
    {
      s->verb = VERB_BOOTSTRAP;
      if (argc != 1)
        goto usage_bootstrap;
      s->ue = imps_world_find_ue (r->world, argv[0]);
      if (s->ue == NULL)
        {
          step_error (r->scenario, spec, error, "no device '%s' (a subscriber NAME, or NAME.DEVICE)",
                      argv[0]);
          goto fail;
        }
      const gchar *f, *a;
      guint16 p;
      if (!imps_world_ue_bsf (r->world, s->ue, &f, &a, &p))
        {
          step_error (r->scenario, spec, error, "the home operator of '%s' runs no bsf", argv[0]);
          goto fail;
        }
      return s;
    usage_bootstrap:
      step_error (r->scenario, spec, error, "usage: bootstrap = DEVICE");
      goto fail;
    }
  if (g_str_equal (spec->verb, "register") || g_str_equal (spec->verb, "hangup"))
    {
      s->verb = g_str_equal (spec->verb, "register") ? VERB_REGISTER : VERB_HANGUP;
      if (argc != 1)
        {
          step_error (r->scenario, spec, error, "usage: %s = DEVICE", spec->verb);
          goto fail;
        }
      s->dev = imps_world_find_device (r->world, argv[0]);
      if (s->dev == NULL || s->dev->sip == NULL)
        {
          step_error (r->scenario, spec, error, s->dev ? "the home operator of '%s' runs no IMS core"
                                                         : "no device '%s' (a subscriber NAME, or NAME.DEVICE)",
                      argv[0]);
          goto fail;
        }
      return s;
    }
  if (g_str_equal (spec->verb, "call"))
    {
      s->verb = VERB_CALL;
      s->security = IMPS_UE_SECURITY_NONE;
      s->media_us = 2 * G_USEC_PER_SEC;
      if (argc < 2)
        goto usage_call;
      s->dev = imps_world_find_device (r->world, argv[0]);
      if (s->dev == NULL || s->dev->sip == NULL)
        {
          step_error (r->scenario, spec, error, s->dev ? "the home operator of '%s' runs no IMS core"
                                                         : "no device '%s'", argv[0]);
          goto fail;
        }
      s->callee_impu = imps_world_resolve_impu (r->world, argv[1]);
      if (s->callee_impu == NULL)
        {
          step_error (r->scenario, spec, error, "no subscriber '%s' (a NAME or a sip: URI)", argv[1]);
          goto fail;
        }
      for (gint i = 2; i < argc; i++)
        {
          if (g_str_has_prefix (argv[i], "security="))
            {
              const gchar *v = argv[i] + 9;
              guint k;
              for (k = 0; k < G_N_ELEMENTS (securities); k++)
                if (g_str_equal (v, securities[k].name))
                  break;
              if (k == G_N_ELEMENTS (securities))
                {
                  step_error (r->scenario, spec, error,
                              "security=%s: one of none, sdes-e2e, sdes-e2ae, mikey-ticket", v);
                  goto fail;
                }
              s->security = securities[k].security;
              if (s->security == IMPS_UE_SECURITY_MIKEY_TICKET && s->dev->ua == NULL)
                {
                  step_error (r->scenario, spec, error, "security=mikey-ticket needs a kms at %s's operator",
                              argv[0]);
                  goto fail;
                }
            }
          else if (g_str_has_prefix (argv[i], "media="))
            {
              if (!imps_parse_duration_us (argv[i] + 6, &s->media_us, &e))
                {
                  step_error (r->scenario, spec, error, "media=: %s", e->message);
                  goto fail;
                }
            }
          else
            goto usage_call;
        }
      return s;
    usage_call:
      step_error (r->scenario, spec, error,
                  "usage: call = CALLER CALLEE [security=none|sdes-e2e|sdes-e2ae|mikey-ticket] "
                  "[media=DURATION]");
      goto fail;
    }
  if (g_str_equal (spec->verb, "advance"))
    {
      s->verb = VERB_ADVANCE;
      if (argc != 1)
        {
          step_error (r->scenario, spec, error, "usage: advance = DURATION (e.g. 2h, 90s, 20ms)");
          goto fail;
        }
      if (!imps_parse_duration_us (argv[0], &s->duration_us, &e))
        {
          step_error (r->scenario, spec, error, "%s", e->message);
          goto fail;
        }
      return s;
    }
  if (g_str_equal (spec->verb, "restart"))
    {
      s->verb = VERB_RESTART;
      if (argc != 2 || (!g_str_equal (argv[0], "hss") && !g_str_equal (argv[0], "bsf")
                        && !g_str_equal (argv[0], "kms")))
        {
          step_error (r->scenario, spec, error, "usage: restart = hss|bsf|kms OPERATOR");
          goto fail;
        }
      if (imps_scenario_find_operator (r->scenario, argv[1]) == NULL)
        {
          step_error (r->scenario, spec, error, "no operator '%s'", argv[1]);
          goto fail;
        }
      s->node = g_strdup (argv[0]);
      s->op = g_strdup (argv[1]);
      return s;
    }
  if (g_str_equal (spec->verb, "expect"))
    {
      s->verb = VERB_EXPECT;
      if (argc < 1)
        goto usage_expect;
      const gchar *k = argv[0];
      if (g_str_equal (k, "ok") && argc == 1)
        s->expect = EXPECT_OK;
      else if (g_str_equal (k, "fail"))
        {
          s->expect = EXPECT_FAIL;
          s->text = argc > 1 ? g_strjoinv (" ", argv + 1) : NULL;
        }
      else if (g_str_equal (k, "refusal") && argc >= 2)
        {
          s->expect = EXPECT_REFUSAL;
          s->node = g_strdup (argv[1]);
          s->text = argc > 2 ? g_strjoinv (" ", argv + 2) : NULL;
        }
      else if ((g_str_equal (k, "message") || g_str_equal (k, "no-message")) && argc >= 2)
        {
          s->expect = g_str_equal (k, "message") ? EXPECT_MESSAGE : EXPECT_NO_MESSAGE;
          if (!ref_from_name (argv[1], &s->ref))
            {
              step_error (r->scenario, spec, error,
                          "'%s' is not a reference point (Ub, Zh, Zn, Ua, Zk, Gm, Mw, media)", argv[1]);
              goto fail;
            }
          s->text = argc > 2 ? g_strjoinv (" ", argv + 2) : NULL;
        }
      else if (g_str_equal (k, "established") && argc == 1)
        s->expect = EXPECT_ESTABLISHED;
      else if (g_str_equal (k, "sip") && argc == 2)
        {
          s->expect = EXPECT_SIP;
          guint64 st = 0;
          if (!g_ascii_string_to_unsigned (argv[1], 10, 100, 699, &st, NULL))
            {
              step_error (r->scenario, spec, error, "'%s' is not a SIP status (100-699)", argv[1]);
              goto fail;
            }
          s->status = (guint) st;
        }
      else if (g_str_equal (k, "media") && argc == 1)
        s->expect = EXPECT_MEDIA;
      else if (g_str_equal (k, "forks-differ") && argc == 1)
        s->expect = EXPECT_FORKS_DIFFER;
      else if (g_str_equal (k, "exposure") && argc == 3
               && (g_str_equal (argv[2], "keys") || g_str_equal (argv[2], "none")))
        {
          s->expect = EXPECT_EXPOSURE;
          s->node = g_strdup (argv[1]);
          s->keys = g_str_equal (argv[2], "keys");
        }
      else if (g_str_equal (k, "bootstrapped") && argc == 2)
        {
          s->expect = EXPECT_BOOTSTRAPPED;
          s->ue = imps_world_find_ue (r->world, argv[1]);
          if (s->ue == NULL)
            {
              step_error (r->scenario, spec, error, "no device '%s'", argv[1]);
              goto fail;
            }
        }
      else
        goto usage_expect;
      if (r->steps->len == 0)
        {
          step_error (r->scenario, spec, error, "an expect needs an action before it");
          goto fail;
        }
      return s;
    usage_expect:
      step_error (r->scenario, spec, error,
                  "usage: expect = ok | fail [TEXT] | refusal NODE [TEXT] | message REF [TEXT] "
                  "| no-message REF [TEXT] | bootstrapped DEVICE | established | sip STATUS "
                  "| media | exposure NODE keys|none | forks-differ");
      goto fail;
    }
  step_error (r->scenario, spec, error,
              "unknown verb (known: bootstrap, register, call, hangup, advance, restart, expect)");
fail:
  step_free (s);
  return NULL;
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
  return r;
}

GPtrArray *
imps_runner_get_media (ImpsRunner *r)
{
  return r->media;
}

static void
add_media (ImpsRunner *r, const gchar *from, ImpsUeMedia *tx, const gchar *to, ImpsUeMedia *rx,
           gboolean srtp)
{
  const ImpsUeMediaStats *t = imps_ue_media_get_tx_stats (tx);
  const ImpsUeMediaStats *x = imps_ue_media_get_rx_stats (rx);
  g_autofree gchar *id = g_strdup_printf ("%s->%s audio", from, to);
  ImpsLadderMedia *m = imps_ladder_media_new (id, from, to, srtp);
  m->first_us = r->call_answered_us;
  m->last_us = imps_clock_now_us (r->clock);
  m->packets_sent = t->packets;
  m->packets_received = x->packets;
  m->auth_failures = x->auth_failures + x->replays;
  g_ptr_array_add (r->media, m);
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
      n += x->judged && x->passed;
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
      n += x->judged && !x->passed;
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

static void
action_done (ImpsRunner *r, gboolean ok, gchar *outcome, gchar *reason)
{
  ImpsStepResult *res = r->last_action;
  res->end_us = imps_clock_now_us (r->clock);
  res->last_event = imps_event_log_len (imps_network_get_event_log (r->net));
  res->passed = ok;
  res->outcome = outcome;
  res->reason = ok ? (g_free (reason), NULL) : reason;
  res->judged = !followed_by_expect (r, res->index);
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

static gboolean
media_done (gpointer data)
{
  ImpsRunner *r = data;
  r->advance_timer = 0;
  LastCall *lc = &r->last_call;
  action_done (r, TRUE,
               g_strdup_printf ("call %s established with %s (%s), media ran", lc->call_id,
                                lc->callee_name ? lc->callee_name : "?",
                                imps_ue_security_name (lc->security)),
               NULL);
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
      add_media (r, caller, ma, lc->callee_name, mb, srtp);
      add_media (r, lc->callee_name, mb, caller, ma, srtp);
    }
  action_done (r, TRUE, g_strdup_printf ("%s hung up call %s", s->dev->name, lc->call_id), NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
check_direction (const gchar *from, ImpsUeMedia *tx, const gchar *to, ImpsUeMedia *rx,
                 GString *why)
{
  ImpsUeMediaStats t = *imps_ue_media_get_tx_stats (tx);
  ImpsUeMediaStats x = *imps_ue_media_get_rx_stats (rx);
  gboolean ok = t.packets > 0 && x.packets > 0 && x.packets + 5 >= t.packets && x.mismatches == 0
                && x.auth_failures == 0 && x.replays == 0;
  g_string_append_printf (why, "%s%s -> %s: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT
                          " verified, %" G_GUINT64_FORMAT " mismatches, %" G_GUINT64_FORMAT
                          " auth failures, %" G_GUINT64_FORMAT " replays",
                          why->len ? "; " : "", from, to, t.packets, x.packets, x.mismatches,
                          x.auth_failures, x.replays);
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
        res->reason = g_strdup_printf ("no refusal at %s%s%s%s during %s %s", s->node,
                                       s->text ? " mentioning '" : "", s->text ? s->text : "",
                                       s->text ? "'" : "", a->verb, a->args);
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
    case EXPECT_FORKS_DIFFER:
      {
        LastCall *lc = &r->last_call;
        g_autoptr (GString) seen = g_string_new (NULL);
        g_autoptr (GPtrArray) fps = g_ptr_array_new_with_free_func (g_free);
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
                    || !imps_ue_call_get_key_fingerprint (call, fp))
                  continue;
                gboolean dup = FALSE;
                for (guint k = 0; k < fps->len; k++)
                  dup |= memcmp (g_ptr_array_index (fps, k), fp, 32) == 0;
                g_ptr_array_add (fps, g_memdup2 (fp, 32));
                g_string_append_printf (seen, "%s%s %02x%02x%02x%02x%s", seen->len ? ", " : "",
                                        d->name, fp[0], fp[1], fp[2], fp[3], dup ? " (same as another)" : "");
                if (dup)
                  res->reason = g_strdup_printf ("two forks derived the same keys: %s", seen->str);
              }
          }
        res->passed = fps->len >= 2 && res->reason == NULL;
        if (res->passed)
          res->outcome = g_strdup_printf ("%u forks, each with its own keys (key fingerprints %s)",
                                          fps->len, seen->str);
        else if (res->reason == NULL)
          res->reason = g_strdup_printf ("only %u device%s derived keys for call %s%s%s", fps->len,
                                         fps->len == 1 ? "" : "s", lc->call_id ? lc->call_id : "(none)",
                                         seen->len ? ": " : "", seen->str);
        break;
      }
    case EXPECT_ESTABLISHED:
    case EXPECT_SIP:
    case EXPECT_MEDIA:
    case EXPECT_EXPOSURE:
      {
        LastCall *lc = &r->last_call;
        if (lc->caller == NULL)
          {
            res->passed = FALSE;
            res->reason = g_strdup ("no call has been made yet");
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
                                             imps_ue_call_get_reason (lc->caller) ? ", " : "",
                                             imps_ue_call_get_reason (lc->caller)
                                                 ? imps_ue_call_get_reason (lc->caller) : "");
          }
        else if (s->expect == EXPECT_SIP)
          {
            guint got = imps_ue_call_get_status (lc->caller);
            res->passed = got == s->status;
            if (res->passed)
              res->outcome = g_strdup_printf ("the caller got %u", got);
            else
              res->reason = g_strdup_printf ("the caller got %u, expected %u%s%s", got, s->status,
                                             imps_ue_call_get_reason (lc->caller) ? " (" : "",
                                             imps_ue_call_get_reason (lc->caller)
                                                 ? imps_ue_call_get_reason (lc->caller) : "");
            if (!res->passed && imps_ue_call_get_reason (lc->caller))
              {
                gchar *t = g_strconcat (res->reason, ")", NULL);
                g_free (res->reason);
                res->reason = t;
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
            gboolean ab = check_direction ("caller", ma, lc->callee_name, mb, why);
            gboolean ba = check_direction (lc->callee_name, mb, "caller", ma, why);
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

  switch (s->verb)
    {
    case VERB_EXPECT:
      res->judged = TRUE;
      judge (r, s, res);
      res->end_us = imps_clock_now_us (r->clock);
      if (r->step_cb)
        r->step_cb (r, res, r->step_cb_data);
      r->current++;
      g_idle_add (run_next_idle, r);
      return;
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
        lc->callee = NULL;
        lc->security = s->security;
        r->last_caller_ue = s->dev->ue;
        lc->caller = imps_ue_sip_call (s->dev->sip, s->callee_impu, s->security, NULL, 0, &error);
        if (lc->caller == NULL)
          {
            action_done (r, FALSE, g_strdup ("call not placed"), g_strdup (error->message));
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

  for (guint i = 0; i < r->scenario->steps->len; i++)
    {
      Step *s = prepare (r, g_ptr_array_index (r->scenario->steps, i), error);
      if (s == NULL)
        return FALSE;
      g_ptr_array_add (r->steps, s);
    }
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
