/* The runner at scale: it waits on events rather than polling the virtual
 * clock, idle UEs hold no sockets, finished calls give their media state
 * back, and the address and subscriber bounds reach 10,000 subscribers. */
#include "imps-test.h"
#include "imps-netaddr.h"
#include "imps-runner.h"
#include "imps-world.h"

#include <dirent.h>
#include <string.h>

/* A scenario of @n subscribers of one operator (keys derived from the
 * index), each bootstrapped and registered, then @calls calls from u(2i)
 * to u(2i+1) with @call_args, each hung up. */
static gchar *
scale_scenario (guint n, guint calls, const gchar *subscriber_extra, const gchar *call_args)
{
  GString *s = g_string_new ("[scenario]\nname = scale\nseed = 14\n\n"
                             "[operator op1]\nnumber = 1\ndomain = op1.net\n\n");
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *label = g_strdup_printf ("u%u", i);
      g_autoptr (GChecksum) h = g_checksum_new (G_CHECKSUM_SHA256);
      g_checksum_update (h, (const guchar *) label, -1);
      const gchar *hex = g_checksum_get_string (h);
      g_string_append_printf (s, "[subscriber u%u]\noperator = op1\nimpi = u%u@op1.net\n"
                              "impu = sip:u%u@op1.net\nk = %.32s\nopc = %.32s\n%s\n",
                              i, i, i, hex, hex + 32, subscriber_extra ? subscriber_extra : "");
    }
  g_string_append (s, "[script]\n");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "bootstrap = u%u\nregister = u%u\n", i, i);
  for (guint c = 0; c < calls; c++)
    g_string_append_printf (s, "call = u%u u%u %s\nhangup = u%u\n", 2 * c, 2 * c + 1, call_args,
                            2 * c);
  return g_string_free (s, FALSE);
}

static guint
count_open_fds (void)
{
  guint n = 0;
  DIR *d = opendir ("/proc/self/fd");
  g_assert_nonnull (d);
  while (readdir (d))
    n++;
  closedir (d);
  return n;
}

typedef struct {
  ImpsScenario *scenario;
  ImpsWorld *world;
  ImpsRunner *runner;
} Run;

static void
run_clear (Run *r)
{
  imps_runner_free (r->runner);
  imps_world_free (r->world);
  imps_scenario_free (r->scenario);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_text (Run *r, const gchar *text, guint *fds_before, guint *fds_after)
{
  g_autoptr (GError) error = NULL;
  memset (r, 0, sizeof *r);
  r->scenario = imps_scenario_load_data (text, strlen (text), "scale.scn", &error);
  g_assert_no_error (error);
  ImpsWorldOptions opt = { .virtual_clock = TRUE };
  r->world = imps_world_new (r->scenario, &opt, &error);
  g_assert_no_error (error);
  if (fds_before)
    *fds_before = count_open_fds ();
  r->runner = imps_runner_new (r->world, r->scenario);
  g_assert_true (imps_runner_run (r->runner, &error));
  g_assert_no_error (error);
  /* what is ready (a close of the last exchange) runs first */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (fds_after)
    *fds_after = count_open_fds ();
  g_assert_cmpuint (imps_runner_count_failed (r->runner), ==, 0);
  g_assert_cmpuint (imps_runner_count_passed (r->runner), ==, r->scenario->steps->len);
}

/* Runs @text as impsim run does with (@forget) and without (@keep) its
 * reports; the verdicts are the caller's to check. */
static void
run_modes (Run *r, const gchar *text, gboolean forget, gboolean keep)
{
  g_autoptr (GError) error = NULL;
  memset (r, 0, sizeof *r);
  r->scenario = imps_scenario_load_data (text, strlen (text), "modes.scn", &error);
  g_assert_no_error (error);
  ImpsWorldOptions opt = { .virtual_clock = TRUE };
  r->world = imps_world_new (r->scenario, &opt, &error);
  g_assert_no_error (error);
  r->runner = imps_runner_new (r->world, r->scenario);
  imps_runner_set_forget_events (r->runner, forget);
  imps_runner_set_keep_records (r->runner, keep);
  g_assert_true (imps_runner_run (r->runner, &error));
  g_assert_no_error (error);
}

/* A call that rings for 30 s and carries 1 s of media costs clock events
 * for its messages and media packets, not one per millisecond of waiting
 * (a 1 ms poll would cost over 30,000). */
static void
test_waits_on_events (void)
{
  g_autofree gchar *text = scale_scenario (2, 1, "answer-after = 30s\n",
                                           "security=mikey-ticket media=1s");
  g_auto (Run) r;
  run_text (&r, text, NULL, NULL);
  ImpsClock *clock = imps_network_get_clock (imps_world_get_network (r.world));
  guint64 fired = imps_clock_count_fired (clock);
  g_test_message ("timers fired: %" G_GUINT64_FORMAT, fired);
  /* 1 s of media: 50 packets each way, each sent and delivered. */
  g_assert_cmpuint (fired, >, 100);
  g_assert_cmpuint (fired, <, 2000);
}

/* Bootstrapped, registered UEs that made MIKEY-TICKET calls keep no HTTP
 * connection to the BSF or the KMS open (each would hold a descriptor at
 * both ends). */
static void
test_no_idle_sockets (void)
{
  g_autofree gchar *text = scale_scenario (40, 20, NULL, "security=mikey-ticket media=100ms");
  guint before = 0, after = 0;
  g_auto (Run) r;
  run_text (&r, text, &before, &after);
  g_test_message ("descriptors before the run %u, after %u", before, after);
  /* A few for the nodes' own peers (Diameter Zh, Zn) may stay. */
  g_assert_cmpuint (after, <=, before + 8);
}

/* A second after a call ends, both ends have closed their media: ports
 * back on the bus, SRTP sessions freed; the statistics stay. */
static void
test_call_state_freed (void)
{
  g_autofree gchar *text = scale_scenario (4, 2, NULL, "security=mikey-ticket media=1s");
  /* the second call is still up when the script ends */
  gchar *last = g_strrstr (text, "hangup = u2\n");
  g_assert_nonnull (last);
  strcpy (last, "advance = 2s\n");
  g_auto (Run) r;
  run_text (&r, text, NULL, NULL);
  for (guint u = 0; u < 4; u++)
    {
      g_autofree gchar *name = g_strdup_printf ("u%u", u);
      ImpsWorldDevice *d = imps_world_find_device (r.world, name);
      g_assert_cmpuint (imps_ue_sip_n_calls (d->sip), ==, 1);
      ImpsUeCall *call = imps_ue_sip_get_call (d->sip, 0);
      ImpsUeMedia *m = imps_ue_call_get_media (call);
      gboolean ended = u < 2;
      g_assert_cmpint (imps_ue_call_get_state (call), ==,
                       ended ? IMPS_UE_CALL_TERMINATED : IMPS_UE_CALL_ESTABLISHED);
      g_assert_cmpint (imps_ue_media_is_closed (m), ==, ended);
      g_assert_cmpuint (imps_ue_media_get_rx_stats (m)->packets, >=, 45);
    }
}

/* A finished call keeps only what its report and verdicts read: a second
 * after its end its SDP, MIKEY messages and resolved keys are gone, Timer B
 * later its INVITE and dialog; a call in progress still has them all. */
static void
test_finished_call_compact (void)
{
  g_autofree gchar *text = scale_scenario (4, 2, NULL, "security=mikey-ticket media=1s");
  /* the second call is still up when the script ends, 40 s after the first ended */
  gchar *last = g_strrstr (text, "hangup = u2\n");
  g_assert_nonnull (last);
  strcpy (last, "advance = 40s\n");
  g_auto (Run) r;
  run_text (&r, text, NULL, NULL);
  for (guint u = 0; u < 4; u++)
    {
      g_autofree gchar *name = g_strdup_printf ("u%u", u);
      ImpsWorldDevice *d = imps_world_find_device (r.world, name);
      ImpsUeCall *call = imps_ue_sip_get_call (d->sip, 0);
      if (u < 2)
        {
          g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_TERMINATED);
          g_assert_cmpuint (imps_ue_call_count_setup_objects (call), ==, 0);
          /* what the verdicts read stays */
          g_assert_nonnull (imps_ue_call_get_call_id (call));
          g_assert_cmpuint (imps_ue_call_get_csb_id (call), !=, 0);
          guint8 fp[32];
          g_assert_true (imps_ue_call_get_key_fingerprint (call, fp));
          g_assert_cmpuint (imps_ue_media_get_rx_stats (imps_ue_call_get_media (call))->packets,
                            >=, 45);
        }
      else
        {
          g_assert_cmpint (imps_ue_call_get_state (call), ==, IMPS_UE_CALL_ESTABLISHED);
          /* INVITE, dialog, offer, answer, TRANSFER_INIT (+ resolved keys at the callee) */
          g_assert_cmpuint (imps_ue_call_count_setup_objects (call), ==, u == 2 ? 5 : 6);
        }
    }
}

/* A run that nothing reads afterwards (impsim run --quiet) forgets the
 * event log's entries before the current action: at the end the log holds
 * the last action's entries only, and verdicts that read an action's
 * messages, refusals and failures judge as before. Without it every entry
 * of every finished call stays to the end (about 5 KiB a call). */
static void
test_finished_call_forgets_events (void)
{
  g_autofree gchar *head = scale_scenario (6, 0, NULL, NULL);
  GString *text = g_string_new (head);
  for (guint c = 0; c < 3; c++)
    g_string_append_printf (text, "call = u%u u%u security=mikey-ticket media=200ms\n"
                            "expect = message Ua \"REQUEST_INIT\" from=u%u count=1\n"
                            "expect = message Gm \"INVITE\" from=u%u count=1\n"
                            "expect = no-message Ub\n"
                            "hangup = u%u\nexpect = message Gm \"BYE\" from=u%u\n",
                            2 * c, 2 * c + 1, 2 * c, 2 * c, 2 * c, 2 * c);
  /* an expect that fails still sees its action's messages */
  g_string_append (text, "ticket = u0 for u1 as t1\nexpect = no-message Ua\n");
  for (guint forget = 0; forget < 2; forget++)
    {
      g_auto (Run) r;
      run_modes (&r, text->str, forget, TRUE);
      ImpsWorld *world = r.world;
      ImpsRunner *runner = r.runner;
      ImpsEventLog *log = imps_network_get_event_log (imps_world_get_network (world));
      guint total = imps_event_log_len (log), kept = total - imps_event_log_first (log);
      g_test_message ("forget %u: %u entries, %u kept", forget, total, kept);
      GPtrArray *results = imps_runner_get_results (runner);
      const ImpsStepResult *last = g_ptr_array_index (results, results->len - 2);
      g_assert_cmpstr (last->verb, ==, "ticket");
      if (forget)
        {
          g_assert_cmpuint (imps_event_log_first (log), ==, last->first_event);
          g_assert_cmpuint (kept, <, 20);
        }
      else
        g_assert_cmpuint (kept, ==, total);
      g_assert_cmpuint (total, >, 100);
      /* every verdict passed but the last (the ticket request was on Ua):
       * 12 bootstraps and registrations, 3 x 4 expects, the ticket's own */
      g_assert_cmpuint (imps_runner_count_failed (runner), ==, 1);
      g_assert_cmpuint (imps_runner_count_passed (runner), ==, 12 + 3 * 4);
    }
  g_string_free (text, TRUE);
}

/* Without records (imps_runner_set_keep_records (FALSE), as impsim run
 * --quiet without reports): the verdicts and the observer report are
 * those of a run that keeps them, while a finished call leaves the
 * devices once the next call began and it is long over, the world's
 * Call-ID index with it, and the results of reported steps go. The calls
 * of a load step leave as they end. */
static void
test_finished_call_leaves (void)
{
  g_autofree gchar *head = scale_scenario (6, 0, NULL, NULL);
  GString *text = g_string_new (head);
  for (guint c = 0; c < 4; c++)
    g_string_append_printf (text, "call = u0 u1 security=mikey-ticket media=200ms\n"
                            "expect = media\nhangup = u0\n"
                            /* long enough for the call to be forgotten */
                            "advance = 40s\nexpect = ok\n");
  g_string_append (text, "load = u2..u3 u4..u5 calls=6 rate=10/s concurrent=2 "
                   "security=sdes-e2e media=100ms\nexpect = ok\nadvance = 40s\n"
                   "call = u0 u1 security=sdes-e2e media=200ms\nexpect = media\n");
  g_autofree gchar *observer_kept = NULL;
  guint passed_kept = 0;
  for (guint keep = 2; keep-- > 0;)
    {
      g_auto (Run) r;
      run_modes (&r, text->str, !keep, keep);
      ImpsWorld *world = r.world;
      ImpsRunner *runner = r.runner;
      const ImpsScenario *sc = r.scenario;
      g_assert_cmpuint (imps_runner_count_failed (runner), ==, 0);
      guint calls = 0, freed = 0;
      for (guint i = 0; i < 6; i++)
        {
          g_autofree gchar *name = g_strdup_printf ("u%u", i);
          calls += imps_ue_sip_n_calls (imps_world_find_device (world, name)->sip);
        }
      GPtrArray *results = imps_runner_get_results (runner);
      g_assert_cmpuint (results->len, ==, sc->steps->len);
      for (guint i = 0; i < results->len; i++)
        freed += g_ptr_array_index (results, i) == NULL;
      GPtrArray *recorded = imps_runner_get_calls (runner);
      g_test_message ("keep %u: %u calls at the devices, %u results freed, %u calls recorded",
                      keep, calls, freed, recorded->len);
      if (keep)
        {
          /* 5 calls of the script and 6 of the load, both ends of each */
          g_assert_cmpuint (calls, ==, 2 * (5 + 6));
          g_assert_cmpuint (freed, ==, 0);
          g_assert_cmpuint (recorded->len, ==, 5);
          g_assert_nonnull (imps_world_find_calls (
              world, ((ImpsRunnerCall *) g_ptr_array_index (recorded, 0))->call_id));
          observer_kept = g_strdup (imps_runner_get_observer_report (runner));
          passed_kept = imps_runner_count_passed (runner);
        }
      else
        {
          /* the last call's two ends (nothing came after it to release it) */
          g_assert_cmpuint (calls, ==, 2);
          g_assert_cmpuint (recorded->len, ==, 0);
          g_assert_cmpuint (imps_runner_get_media (runner)->len, ==, 0);
          /* all but the last action, which an expect could still judge */
          g_assert_cmpuint (freed, ==, results->len - 1);
          g_assert_nonnull (g_ptr_array_index (results, results->len - 2));
          g_assert_cmpuint (imps_runner_count_passed (runner), ==, passed_kept);
          g_assert_cmpstr (imps_runner_get_observer_report (runner), ==, observer_kept);
          /* the report read back is kept: a second read gives the same */
          g_assert_cmpstr (imps_runner_get_observer_report (runner), ==, observer_kept);
        }
      g_assert_nonnull (strstr (imps_runner_get_observer_report (runner), "could read"));
    }
  g_string_free (text, TRUE);
}

/* REGISTER requests the UEs sent on Gm. */
static guint
count_registers (Run *r)
{
  ImpsEventLog *log = imps_network_get_event_log (imps_world_get_network (r->world));
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && e->ref == IMPS_REF_GM
          && g_str_has_prefix (e->summary, "REGISTER"))
        n++;
    }
  return n;
}

/* The UEs ask for 600,000 s (TS 24.229 §5.1.1.2.1) and the S-CSCF grants it
 * unless the operator's registration-max says less: five hours after four
 * UEs registered they have sent no refresh (the run of 5,000 calls one
 * after another spans four and a half), and a call still reaches the
 * callee. With registration-max = 1h they refresh 600 s before the end of
 * each hour: six times each in five hours. */
static void
test_registration_outlives_run (void)
{
  static const struct {
    const gchar *op_extra;
    guint registers;
  } cases[] = { { "", 4 }, { "registration-max = 1h\n", 4 + 4 * 6 } };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *base = scale_scenario (4, 0, NULL, "");
      GString *text = g_string_new (base);
      g_autofree gchar *op = g_strdup_printf ("domain = op1.net\n%s", cases[i].op_extra);
      g_assert_cmpuint (g_string_replace (text, "domain = op1.net\n", op, 1), ==, 1);
      g_string_append (text, "advance = 5h\ncall = u0 u1 security=mikey-ticket media=1s\n"
                             "hangup = u0\n");
      g_autofree gchar *scn = g_string_free (text, FALSE);
      g_auto (Run) r;
      run_text (&r, scn, NULL, NULL);
      g_test_message ("case %u: %u REGISTER requests", i, count_registers (&r));
      g_assert_cmpuint (count_registers (&r), ==, cases[i].registers);
    }
}

/* The Call-ID index looks at the devices that made or got a call since its
 * last look-up, not at every device: ten calls among 300 devices cost a few
 * visits per call (each call is looked up several times: the callee, the
 * exposure report), where a walk over every device costs 300 a look-up. */
static void
test_call_index_visits (void)
{
  g_autofree gchar *text = scale_scenario (300, 10, NULL, "security=mikey-ticket media=20ms");
  g_auto (Run) r;
  run_text (&r, text, NULL, NULL);
  guint64 visits = imps_world_count_call_index_visits (r.world);
  g_test_message ("devices visited by the call index: %" G_GUINT64_FORMAT, visits);
  g_assert_cmpuint (visits, >=, 20);
  g_assert_cmpuint (visits, <=, 10 * 6);
  /* every call is in it, under its Call-ID, with both ends */
  for (guint u = 0; u < 20; u++)
    {
      g_autofree gchar *name = g_strdup_printf ("u%u", u);
      ImpsWorldDevice *d = imps_world_find_device (r.world, name);
      ImpsUeCall *call = imps_ue_sip_get_call (d->sip, 0);
      GPtrArray *calls = imps_world_find_calls (r.world, imps_ue_call_get_call_id (call));
      g_assert_nonnull (calls);
      g_assert_cmpuint (calls->len, ==, 2);
      /* in device order: the caller u(2i), then the callee u(2i+1) */
      g_autofree gchar *first = g_strdup_printf ("u%u", u - u % 2);
      g_autofree gchar *second = g_strdup_printf ("u%u", u - u % 2 + 1);
      g_assert_cmpstr (((ImpsWorldCall *) g_ptr_array_index (calls, 0))->device->name, ==, first);
      g_assert_cmpstr (((ImpsWorldCall *) g_ptr_array_index (calls, 1))->device->name, ==, second);
    }
}

/* Two calls u0 -> u1 and u2 -> u3, the second left up; then @tail. */
static gchar *
ticket_scenario (const gchar *policy, const gchar *tail)
{
  g_autofree gchar *base = scale_scenario (4, 2, NULL, "security=mikey-ticket media=1s");
  GString *text = g_string_new (base);
  g_autofree gchar *script = g_strdup_printf ("%s[script]\n", policy);
  g_assert_cmpuint (g_string_replace (text, "[script]\n", script, 1), ==, 1);
  g_assert_cmpuint (g_string_replace (text, "hangup = u2\n", tail, 1), ==, 1);
  return g_string_free (text, FALSE);
}

/* The caller's ticket cache does not keep what no call can use: a
 * single-use ticket (policy reuse = false) leaves it a second after its call
 * ends, a reusable one when it expires (1 h) even if the UE asks for no
 * other ticket (a clock timer); a ticket that a call in progress uses stays,
 * expired or not. */
static void
test_spent_tickets_leave (void)
{
  static const struct {
    const gchar *policy;
    const gchar *tail;
    guint ended, up;   /* tickets cached by u0 (its call ended) and u2 (its call up) */
  } cases[] = {
    { "", "advance = 2s\n", 1, 1 },
    { "", "advance = 2s\nadvance = 1h\n", 0, 1 },
    { "[policy single]\noperator = op1\nreuse = false\n", "advance = 2s\n", 0, 1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *scn = ticket_scenario (cases[i].policy, cases[i].tail);
      g_auto (Run) r;
      run_text (&r, scn, NULL, NULL);
      ImpsWorldDevice *ended = imps_world_find_device (r.world, "u0");
      ImpsWorldDevice *up = imps_world_find_device (r.world, "u2");
      g_assert_cmpint (imps_ue_call_get_state (imps_ue_sip_get_call (ended->sip, 0)), ==,
                       IMPS_UE_CALL_TERMINATED);
      g_assert_cmpint (imps_ue_call_get_state (imps_ue_sip_get_call (up->sip, 0)), ==,
                       IMPS_UE_CALL_ESTABLISHED);
      g_assert_cmpuint (imps_ue_ua_count_tickets (ended->ua), ==, cases[i].ended);
      g_assert_cmpuint (imps_ue_ua_count_tickets (up->ua), ==, cases[i].up);
    }
}

/* Past 254 devices of one operator, addresses go on in the next third
 * octet; the first 254 keep 127.<op>.1.n. */
static void
test_addresses (void)
{
  g_autofree gchar *a1 = imps_node_address (IMPS_NODE_UE, 3, 1);
  g_autofree gchar *a254 = imps_node_address (IMPS_NODE_UE, 3, 254);
  g_autofree gchar *a255 = imps_node_address (IMPS_NODE_UE, 3, 255);
  g_autofree gchar *a10000 = imps_node_address (IMPS_NODE_UE, 3, 10000);
  g_autofree gchar *amax = imps_node_address (IMPS_NODE_UE, 3, IMPS_NODE_MAX_UES);
  g_assert_cmpstr (a1, ==, "127.3.1.1");
  g_assert_cmpstr (a254, ==, "127.3.1.254");
  g_assert_cmpstr (a255, ==, "127.3.2.1");
  g_assert_cmpstr (a10000, ==, "127.3.40.94");
  g_assert_cmpstr (amax, ==, "127.3.255.254");
  g_assert_cmpuint (IMPS_NODE_MAX_UES, >=, 10000);
}

/* 300 UEs of one operator: a world builds, and the 255th UE bootstraps and
 * registers from its address in the second block. */
static void
test_many_devices (void)
{
  g_autofree gchar *text = scale_scenario (300, 0, NULL, "");
  /* only the last few act */
  gchar *script = strstr (text, "[script]\n");
  g_assert_nonnull (script);
  strcpy (script, "[script]\nbootstrap = u254\nregister = u254\nbootstrap = u299\nregister = u299\n");
  g_auto (Run) r;
  run_text (&r, text, NULL, NULL);
  g_assert_cmpstr (imps_network_node_at (imps_world_get_network (r.world), "127.1.2.1"), ==, "u254");
  g_assert_true (imps_ue_is_bootstrapped (imps_world_find_ue (r.world, "u299")));
}

/* 10,000 subscribers fit in one file. */
static void
test_ten_thousand_subscribers (void)
{
  g_autofree gchar *text = scale_scenario (10000, 0, NULL, "");
  gchar *script = strstr (text, "[script]\n");
  strcpy (script, "[script]\nbootstrap = u9999\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (text, strlen (text), "big.scn", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->subscribers->len, ==, 10000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/runner-scale/waits-on-events", test_waits_on_events);
  g_test_add_func ("/runner-scale/no-idle-sockets", test_no_idle_sockets);
  g_test_add_func ("/runner-scale/call-state-freed", test_call_state_freed);
  g_test_add_func ("/runner-scale/finished-call-compact", test_finished_call_compact);
  g_test_add_func ("/runner-scale/finished-call-forgets-events",
                   test_finished_call_forgets_events);
  g_test_add_func ("/runner-scale/finished-call-leaves", test_finished_call_leaves);
  g_test_add_func ("/runner-scale/registration-outlives-run", test_registration_outlives_run);
  g_test_add_func ("/runner-scale/call-index-visits", test_call_index_visits);
  g_test_add_func ("/runner-scale/spent-tickets-leave", test_spent_tickets_leave);
  g_test_add_func ("/runner-scale/addresses", test_addresses);
  g_test_add_func ("/runner-scale/many-devices", test_many_devices);
  g_test_add_func ("/runner-scale/ten-thousand-subscribers", test_ten_thousand_subscribers);
  return g_test_run ();
}
