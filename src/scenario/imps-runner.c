#include "imps-runner.h"

#include <string.h>

typedef enum {
  VERB_BOOTSTRAP,
  VERB_ADVANCE,
  VERB_RESTART,
  VERB_EXPECT,
} Verb;

typedef enum {
  EXPECT_OK,
  EXPECT_FAIL,
  EXPECT_REFUSAL,
  EXPECT_MESSAGE,
  EXPECT_NO_MESSAGE,
  EXPECT_BOOTSTRAPPED,
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
} Step;

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

  if (end == text || v < 0)
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
      if (argc != 2 || (!g_str_equal (argv[0], "hss") && !g_str_equal (argv[0], "bsf")))
        {
          step_error (r->scenario, spec, error, "usage: restart = hss|bsf OPERATOR");
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
                  "| no-message REF [TEXT] | bootstrapped DEVICE");
      goto fail;
    }
  step_error (r->scenario, spec, error,
              "unknown verb (known: bootstrap, advance, restart, expect)");
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
  return r;
}

void
imps_runner_free (ImpsRunner *r)
{
  if (r == NULL)
    return;
  if (r->advance_timer)
    imps_clock_timeout_remove (r->clock, r->advance_timer);
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
