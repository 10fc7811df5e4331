/* The load step: its arguments checked with reasons, and a load run in
 * process: every call made, never more in progress than allowed, tickets
 * reused, latencies in order, failures counted by reason. */
#include "imps-test.h"
#include "imps-load.h"
#include "imps-runner.h"
#include "imps-script.h"
#include "imps-world.h"

#include <string.h>

#define HEAD                                                                                  \
  "[scenario]\nseed = 14\n\n[operator op1]\nnumber = 1\ndomain = op1.net\n\n"                 \
  "[operator op2]\nnumber = 2\ndomain = op2.net\nnodes = hss;bsf\n\n"                          \
  "[subscribers u1..u6]\noperator = op1\nanswer-after = 1s\n\n"                                \
  "[subscribers w1..w2]\noperator = op2\n\n[script]\n"

static const struct {
  const gchar *step;
  const gchar *find;
} bad[] = {
  { "load = u1..u3", "usage: load = CALLERS CALLEES" },
  { "load = u1..u3 calls=4 rate=1/s", "usage: load = CALLERS CALLEES" },
  { "load = u1..u3 u4..u6 rate=1/s", "calls= and rate= are required" },
  { "load = u1..u3 u4..u6 calls=4", "calls= and rate= are required" },
  { "load = u1..u3 u4..u6 calls=0 rate=1/s", "calls=0: a whole number from 1 to 100000" },
  { "load = u1..u3 u4..u6 calls=100001 rate=1/s", "calls=100001: a whole number" },
  { "load = u1..u3 u4..u6 calls=4 rate=0/s", "rate=0/s: a positive number of calls" },
  { "load = u1..u3 u4..u6 calls=4 rate=5", "rate=5: a positive number of calls" },
  { "load = u1..u3 u4..u6 calls=4 rate=-1/s", "rate=-1/s" },
  { "load = u1..u3 u4..u6 calls=4 rate=20000/s", "at most 10000/s" },
  { "load = u1..u3 u4..u6 calls=4 rate=1/s concurrent=0", "concurrent=0: a whole number" },
  { "load = u1..u3 u4..u6 calls=4 rate=1/s security=sdes", "security=sdes: one of none" },
  { "load = u1..u3 u4..u6 calls=4 rate=1/s media=forever", "media=forever" },
  { "load = u1..u3 u4..u6 calls=4 rate=1/s media=2h", "media=2h" },
  { "load = u1..u3 u4..u6 calls=100000 rate=1/s media=1h", "more than 100000 s of media" },
  { "load = u1..u3 u4..u6 calls=4 rate=1/s calls=5", "calls= given twice" },
  { "load = u1..u3 u4..u6 calls=4 rate=1/s colour=red", "'colour=red' is not an option" },
  { "load = u1..u9 u4..u6 calls=4 rate=1/s", "caller 'u7'" },
  { "load = u1..u3 u3..u6 calls=4 rate=1/s", "subscriber u3 is in both the caller and the "
                                             "callee set" },
  { "load = u3..u1 u4..u6 calls=4 rate=1/s", "caller set: 'u3..u1': a range goes up" },
  { "load = u1,,u2 u4..u6 calls=4 rate=1/s", "caller set 'u1,,u2' has an empty item" },
  { "load = u1 u4.tablet calls=4 rate=1/s", "callee 'u4.tablet'" },
  { "load = w1 u4 calls=4 rate=1/s", "caller 'w1': its home operator op2 runs no IMS core" },
};

static void
test_parse_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *text = g_strconcat (HEAD, bad[i].step, "\n", NULL);
      g_autoptr (ImpsScenario) s = imps_scenario_load_data (text, strlen (text), "l.scn", &error);
      g_assert_no_error (error);
      g_autoptr (GPtrArray) steps = imps_script_parse (s, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "(accepted)");
      g_assert_null (steps);
      g_assert_error (error, IMPS_SCENARIO_ERROR, error->code);
      if (strstr (error->message, bad[i].find) == NULL
          || strstr (error->message, "l.scn:21: [script] load: ") == NULL)
        g_error ("case %u: '%s' not in '%s'", i, bad[i].find, error->message);
    }
}

static void
test_parse_good (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *text = HEAD "load = u1..u3,u5 u4,u6 calls=7 rate=30/m concurrent=3 "
                           "security=mikey-ticket media=1.5s\n";
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (text, strlen (text), "l.scn", &error);
  g_assert_no_error (error);
  /* The ranges of a load are its sets: one step, not a repeat. */
  g_assert_cmpuint (s->steps->len, ==, 1);
  g_autoptr (GPtrArray) steps = imps_script_parse (s, &error);
  g_assert_no_error (error);
  const ImpsScriptStep *st = g_ptr_array_index (steps, 0);
  g_assert_cmpint (st->verb, ==, IMPS_SCRIPT_LOAD);
  const ImpsLoadSpec *l = st->load;
  g_assert_cmpstrv (l->callers, ((const gchar *[]) { "u1", "u2", "u3", "u5", NULL }));
  g_assert_cmpstrv (l->callees, ((const gchar *[]) { "u4", "u6", NULL }));
  g_assert_cmpuint (l->calls, ==, 7);
  g_assert_cmpint (l->interval_us, ==, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (l->concurrent, ==, 3);
  g_assert_cmpuint (l->security, ==, IMPS_SCRIPT_SECURITY_MIKEY_TICKET);
  g_assert_cmpint (l->media_us, ==, 1500 * 1000);
}

typedef struct {
  ImpsScenario *scenario;
  ImpsWorld *world;
  ImpsRunner *runner;
} Run;

static void
run_text (Run *r, const gchar *text, gboolean forget)
{
  g_autoptr (GError) error = NULL;
  r->scenario = imps_scenario_load_data (text, strlen (text), "l.scn", &error);
  g_assert_no_error (error);
  ImpsWorldOptions opt = { .virtual_clock = TRUE };
  r->world = imps_world_new (r->scenario, &opt, &error);
  g_assert_no_error (error);
  r->runner = imps_runner_new (r->world, r->scenario);
  imps_runner_set_forget_events (r->runner, forget);
  imps_runner_set_keep_records (r->runner, !forget);
  g_assert_true (imps_runner_run (r->runner, &error));
  g_assert_no_error (error);
}

static void
run_script_forgetting (Run *r, const gchar *script, gboolean forget)
{
  g_autofree gchar *text = g_strconcat (HEAD, script, NULL);
  run_text (r, text, forget);
}

static void
run_script (Run *r, const gchar *script)
{
  run_script_forgetting (r, script, FALSE);
}

static guint
entries_kept (Run *r)
{
  ImpsEventLog *log = imps_network_get_event_log (imps_world_get_network (r->world));
  return imps_event_log_len (log) - imps_event_log_first (log);
}

static void
run_clear (Run *r)
{
  imps_runner_free (r->runner);
  imps_world_free (r->world);
  imps_scenario_free (r->scenario);
}

static const ImpsStepResult *
last_result (Run *r)
{
  GPtrArray *res = imps_runner_get_results (r->runner);
  return g_ptr_array_index (res, res->len - 1);
}

/* 12 MIKEY-TICKET calls from 3 callers to 3 callees, at most 2 at once:
 * all established, the bound held, one ticket request per caller (the
 * default policy lets a ticket serve the next calls), and the virtual time
 * at least what 12 calls of 1 s ringing and 1 s media take two at a time. */
static void
test_run (void)
{
  Run r = { 0 };
  run_script (&r, "repeat = u1..u6\nbootstrap = $1\nregister = $1\nend = repeat\n"
                  "load = u1..u3 u4..u6 calls=12 rate=50/s concurrent=2 security=mikey-ticket "
                  "media=1s\n");
  const ImpsStepResult *res = last_result (&r);
  g_test_message ("%s", res->outcome);
  g_assert_true (res->passed);
  g_assert_cmpuint (imps_runner_count_failed (r.runner), ==, 0);
  g_assert_nonnull (strstr (res->outcome, "12 calls (12 established, 0 failed), at most 2 at once"));
  g_assert_nonnull (strstr (res->outcome, "3 ticket requests for 12 MIKEY-TICKET calls (9 saved "
                                          "by ticket reuse)"));
  g_assert_nonnull (strstr (res->outcome, "failures: none"));
  /* 6 rounds of two calls, each at least 1 s ringing + 1 s media. */
  g_assert_cmpint (res->end_us - res->start_us, >=, 12 * G_USEC_PER_SEC);
  /* The set-up latency is the ringing time (1 s) and a little. */
  g_assert_nonnull (strstr (res->outcome, "virtual p50 10"));
  run_clear (&r);
}

/* Calls to a subscriber that never registered fail, and the report counts
 * them by reason; the step fails with that list. Round robin over free
 * devices: u1 -> u4 rings for a second while u2 -> u5 fails at once, and
 * the two calls after it find only u2 and u5 free. */
static void
test_failures (void)
{
  Run r = { 0 };
  run_script (&r, "register = u1\nregister = u2\nregister = u4\n"
                  "load = u1,u2 u4,u5 calls=4 rate=10/s concurrent=4 media=200ms\n");
  const ImpsStepResult *res = last_result (&r);
  g_test_message ("%s / %s", res->outcome, res->reason);
  g_assert_false (res->passed);
  g_assert_nonnull (strstr (res->outcome, "4 calls (1 established, 3 failed)"));
  g_assert_nonnull (res->reason);
  g_assert_nonnull (strstr (res->reason, "failed calls: 3 x 480 Temporarily Unavailable"));
  g_autofree gchar *reason = g_strdup (res->reason);
  guint kept = entries_kept (&r);
  run_clear (&r);

  /* A run that forgets events (impsim run --quiet), where only `expect ok`
   * and `expect fail` follow the load: each call's entries go as it ends,
   * the verdict and its root cause stay the same. */
  const gchar *script = "register = u1\nregister = u2\nregister = u4\n"
                        "load = u1,u2 u4,u5 calls=4 rate=10/s concurrent=4 media=200ms\n"
                        "expect = fail\n";
  run_script_forgetting (&r, script, TRUE);
  GPtrArray *results = imps_runner_get_results (r.runner);
  const ImpsStepResult *load = g_ptr_array_index (results, results->len - 2);
  g_assert_nonnull (load);
  g_assert_cmpstr (load->reason, ==, reason);
  g_assert_cmpuint (imps_runner_count_passed (r.runner), ==, 4);
  g_test_message ("entries kept at the end: %u, forgetting %u", kept, entries_kept (&r));
  g_assert_cmpuint (entries_kept (&r), <, kept / 4);
  run_clear (&r);
  /* an expect that reads the log keeps the load's entries */
  run_script_forgetting (&r, "register = u1\nregister = u2\nregister = u4\n"
                             "load = u1,u2 u4,u5 calls=4 rate=10/s concurrent=4 media=200ms\n"
                             "expect = message Gm \"INVITE\" from=u1\n", TRUE);
  g_assert_cmpuint (entries_kept (&r), >=, kept * 3 / 4);
  run_clear (&r);
}

/* A load whose ticket requests the KMS refuses (its policy lets no one
 * ask for op1's users): the verdict names the KMS's first refusal as the
 * root cause, the same when the load's entries go as its calls end. */
static void
test_forget_root_cause (void)
{
  const gchar *text =
      "[scenario]\nseed = 14\n\n[operator op1]\nnumber = 1\ndomain = op1.net\n\n"
      "[subscribers u1..u4]\noperator = op1\nanswer-after = 1s\n\n"
      "[policy op1-default]\noperator = op1\nmay-request-for = sip:*@elsewhere.net\n\n"
      "[script]\nrepeat = u1..u4\nbootstrap = $1\nregister = $1\nend = repeat\n"
      "load = u1..u2 u3..u4 calls=4 rate=10/s concurrent=2 security=mikey-ticket\n"
      "expect = fail\n";
  g_autofree gchar *reason = NULL;
  for (guint forget = 0; forget < 2; forget++)
    {
      Run r = { 0 };
      run_text (&r, text, forget);
      GPtrArray *results = imps_runner_get_results (r.runner);
      const ImpsStepResult *load = g_ptr_array_index (results, results->len - 2);
      g_assert_nonnull (load);
      g_test_message ("forget %u: %s; %u entries kept", forget, load->reason, entries_kept (&r));
      g_assert_false (load->passed);
      g_assert_nonnull (strstr (load->reason, "(kms.op1.net refused: "));
      if (forget)
        {
          g_assert_cmpstr (load->reason, ==, reason);
          g_assert_cmpuint (entries_kept (&r), <, 10);
        }
      else
        reason = g_strdup (load->reason);
      g_assert_cmpuint (imps_runner_count_failed (r.runner), ==, 0);
      run_clear (&r);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/load/parse-errors", test_parse_errors);
  g_test_add_func ("/load/parse", test_parse_good);
  g_test_add_func ("/load/run", test_run);
  g_test_add_func ("/load/failures", test_failures);
  g_test_add_func ("/load/forget-root-cause", test_forget_root_cause);
  return g_test_run ();
}
