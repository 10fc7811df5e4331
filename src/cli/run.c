/* impsim run: each scenario file's network on a virtual clock, its script
 * run step by step with a verdict per step, a progress line on a terminal,
 * and the reports (written by report-junit.c and report-json.c). */
#include "cli.h"
#include "imps-files.h"
#include "imps-ladder.h"
#include "imps-pcap.h"
#include "imps-runner.h"
#include "imps-script.h"
#include "imps-world.h"
#include "report.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What the whole command holds across its scenario files. */
typedef struct {
  gboolean quiet;
  gboolean progress;         /* draw the progress line on stderr */
  /* per file */
  const gchar *file;         /* as given, for the progress line */
  guint file_index, n_files;
  guint steps_total, steps_done, calls_done;
  GArray *step_wall_us;      /* gint64 per result */
  gint64 last_step_mono;
  gint64 unjudged_us;        /* real time since the last verdict */
  /* the progress line */
  gboolean shown;
  gint64 last_draw_mono;
  guint redraw_source;
} RunCtx;

/* At most four updates of the progress line a second. */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 4)

static void
progress_draw (RunCtx *ctx)
{
  g_autofree gchar *base = g_path_get_basename (ctx->file);
  if (ctx->n_files > 1)
    fprintf (stderr, "\r\033[K[%u/%u] %s: step %u of %u, calls done %u", ctx->file_index + 1,
             ctx->n_files, base, ctx->steps_done, ctx->steps_total, ctx->calls_done);
  else
    fprintf (stderr, "\r\033[K%s: step %u of %u, calls done %u", base, ctx->steps_done,
             ctx->steps_total, ctx->calls_done);
  fflush (stderr);
  ctx->shown = TRUE;
  ctx->last_draw_mono = g_get_monotonic_time ();
}

static gboolean
progress_redraw_cb (gpointer data)
{
  RunCtx *ctx = data;
  ctx->redraw_source = 0;
  progress_draw (ctx);
  return G_SOURCE_REMOVE;
}

/* Draws the line now when the last update is old enough, else once when
 * it is (one timer, not a poll). */
static void
progress_update (RunCtx *ctx)
{
  if (!ctx->progress || ctx->redraw_source)
    return;
  gint64 wait = ctx->last_draw_mono + PROGRESS_INTERVAL_US - g_get_monotonic_time ();
  if (ctx->last_draw_mono == 0 || wait <= 0)
    progress_draw (ctx);
  else
    ctx->redraw_source = g_timeout_add ((guint) (wait / 1000) + 1, progress_redraw_cb, ctx);
}

/* Takes the line away (before stdout prints, and at the end). */
static void
progress_clear (RunCtx *ctx)
{
  if (ctx->shown)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      ctx->shown = FALSE;
    }
}

static void
progress_stop (RunCtx *ctx)
{
  if (ctx->redraw_source)
    g_source_remove (ctx->redraw_source);
  ctx->redraw_source = 0;
  progress_clear (ctx);
}

static void
on_step (ImpsRunner *runner, const ImpsStepResult *r, gpointer data)
{
  RunCtx *ctx = data;
  gint64 now = g_get_monotonic_time ();
  gint64 took = now - ctx->last_step_mono;
  ctx->last_step_mono = now;
  /* A verdict's time is the real time since the verdict before it: the
   * action it judges included. */
  ctx->unjudged_us += took;
  if (ctx->step_wall_us->len <= r->index)
    g_array_set_size (ctx->step_wall_us, r->index + 1);
  if (r->judged)
    {
      g_array_index (ctx->step_wall_us, gint64, r->index) = ctx->unjudged_us;
      ctx->unjudged_us = 0;
    }
  ctx->steps_done = r->index + 1;
  if (g_str_equal (r->verb, "call") && !r->skipped)
    ctx->calls_done++;

  /* The line makes way for the output, and comes back at its own pace. */
  if (r->judged || !ctx->quiet)
    progress_clear (ctx);
  if (!r->judged)
    {
      if (!ctx->quiet)
        printf ("      line %u: %s %s: %s\n", r->line, r->verb, r->args,
                r->outcome ? r->outcome : "");
    }
  else
    printf ("%s  line %u: %s %s: %s\n", r->skipped ? "SKIP" : r->passed ? "PASS" : "FAIL", r->line,
            r->verb, r->args, r->passed ? (r->outcome ? r->outcome : "") : r->reason);
  fflush (stdout);
  progress_update (ctx);
}

/* The line an error message names: "FILE:LINE: ...", else 0. */
static guint
error_line (const gchar *path, const gchar *message)
{
  gsize n = strlen (path);
  if (strncmp (message, path, n) != 0 || message[n] != ':')
    return 0;
  const gchar *p = message + n + 1;
  gchar *end = NULL;
  guint64 line = g_ascii_strtoull (p, &end, 10);
  return end != p && *end == ':' && line <= G_MAXUINT ? (guint) line : 0;
}

/* Counts the media packets that cross the network, as the capture has
 * them. */
static void
count_media (gint64 time_us, ImpsProtocol proto, const gchar *from_address, guint16 from_port,
             const gchar *to_address, guint16 to_port, const guint8 *data, gsize len,
             gpointer user_data)
{
  ReportRun *run = user_data;
  (void) time_us, (void) from_address, (void) from_port, (void) to_address, (void) to_port;
  (void) data, (void) len;
  if (proto == IMPS_PROTO_RTCP)
    run->media_rtcp++;
  else
    run->media_rtp++;
}

/* Removes a state folder impsim made itself (its files, then it). */
static void
remove_tree (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static gboolean
script_restarts (const ImpsScenario *sc)
{
  for (guint i = 0; i < sc->steps->len; i++)
    if (g_str_equal (((ImpsStepSpec *) g_ptr_array_index (sc->steps, i))->verb, "restart"))
      return TRUE;
  return FALSE;
}

/* Options that hold for every scenario file of the command. */
typedef struct {
  gint64 seed;
  gchar *state_dir;
  gchar *svg_path;
  gchar *pcap_path;
  gint width;
  GStrv only;
  gboolean summary, full;
  ImpsKeyLog *keylog;
  ReportJunit *junit;
  ReportJson *json;
} RunOptions;

typedef enum {
  RUN_PASSED,
  RUN_FAILED,       /* a verdict failed, or an output could not be written */
  RUN_NOT_STARTED,  /* the network did not start */
  RUN_INVALID,      /* the file is not a valid scenario */
  RUN_BAD_OUTPUT,   /* --pcap could not be opened: bad arguments */
} RunStatus;

static void
report_add (const RunOptions *o, const ReportRun *run)
{
  if (o->junit)
    report_junit_add (o->junit, run);
  if (o->json)
    report_json_add (o->json, run);
}

/* A file that was not run: the reason on stderr and in the reports. */
static RunStatus
run_refused (const RunOptions *o, ReportRun *run, RunStatus status, const gchar *message)
{
  fprintf (stderr, "impsim run: %s\n", message);
  run->invalid = status == RUN_INVALID;
  run->error_check = status == RUN_INVALID ? "the scenario file is valid"
                     : status == RUN_BAD_OUTPUT ? "the capture file can be written"
                     : "the network starts";
  run->error_type = status == RUN_INVALID ? "invalid scenario file"
                    : status == RUN_BAD_OUTPUT ? "bad arguments"
                    : "network did not start";
  run->error = message;
  run->error_line = status == RUN_INVALID ? error_line (run->path, message) : 0;
  run->wall_us = g_get_real_time () - run->wall_start_us;
  report_add (o, run);
  return status;
}

/* The ladder's frame numbers: where each event went in --pcap. */
static guint64
ladder_pcap_frame (guint64 seq, gpointer writer)
{
  return imps_pcap_writer_get_event_frame (writer, seq);
}

static RunStatus
run_one (RunOptions *o, RunCtx *ctx, const gchar *path, guint *passed, guint *failed,
         guint *skipped)
{
  g_autoptr (GError) error = NULL;
  ReportRun run = { .path = path, .wall_start_us = g_get_real_time () };
  gint64 mono_start = g_get_monotonic_time ();

  g_autoptr (ImpsScenario) scenario = imps_scenario_load_file (path, &error);
  if (scenario == NULL)
    return run_refused (o, &run, RUN_INVALID, error->message);
  run.scenario = scenario;
  /* Every step is checked before any node starts. */
  g_autoptr (GPtrArray) script = imps_script_parse (scenario, &error);
  if (script == NULL)
    return run_refused (o, &run, RUN_INVALID, error->message);
  g_ptr_array_set_free_func (script, (GDestroyNotify) imps_script_step_free);
  run.script = script;

  g_autofree gchar *temp_state = NULL;
  if (o->state_dir == NULL && script_restarts (scenario))
    {
      temp_state = g_dir_make_tmp ("impsim-state-XXXXXX", &error);
      if (temp_state == NULL)
        {
          g_autofree gchar *m = g_strdup_printf ("temporary state folder: %s", error->message);
          return run_refused (o, &run, RUN_NOT_STARTED, m);
        }
    }

  ImpsWorldOptions opt = {
    .virtual_clock = TRUE,
    .has_seed = o->seed >= 0,
    .seed = (guint64) o->seed,
    .state_dir = o->state_dir ? o->state_dir : temp_state,
    .key_log = o->keylog,
  };
  RunStatus status = RUN_PASSED;
  ImpsRunner *runner = NULL;
  ImpsPcapWriter *pcap = NULL;
  ImpsWorld *world = imps_world_new (scenario, &opt, &error);
  if (world == NULL)
    {
      status = run_refused (o, &run, RUN_NOT_STARTED, error->message);
      goto out;
    }
  run.world = world;
  run.seed = imps_world_get_seed (world);
  if (imps_world_get_state_dir_old_mode (world))
    fprintf (stderr, "impsim run: --state-dir %s had mode %04o; made it 0700 (it holds keys)\n",
             o->state_dir, imps_world_get_state_dir_old_mode (world));
  ImpsNetwork *net = imps_world_get_network (world);
  /* The ladders and the JSON report's digests read the messages after the
   * run; without them the log keeps summaries (a capture listens live). */
  imps_event_log_set_keep_bytes (imps_network_get_event_log (net),
                                 !ctx->quiet || o->svg_path != NULL || o->json != NULL);
  if (o->pcap_path)
    {
      pcap = imps_pcap_writer_new (o->pcap_path, &error);
      if (pcap == NULL)
        {
          g_autofree gchar *m = g_strdup_printf ("--pcap %s: %s", o->pcap_path, error->message);
          status = run_refused (o, &run, RUN_BAD_OUTPUT, m);
          goto out;
        }
      imps_pcap_writer_learn_network (pcap, net);
      imps_pcap_writer_attach (pcap, imps_network_get_event_log (net));
      imps_sip_bus_add_media_tap (imps_world_get_bus (world), imps_pcap_media_tap, pcap);
    }
  imps_sip_bus_add_media_tap (imps_world_get_bus (world), count_media, &run);
  printf ("running %s (seed %" G_GUINT64_FORMAT ")\n", path, run.seed);
  fflush (stdout);

  ctx->file = path;
  ctx->steps_total = scenario->steps->len;
  ctx->steps_done = 0;
  ctx->calls_done = 0;
  g_array_set_size (ctx->step_wall_us, 0);
  ctx->last_step_mono = g_get_monotonic_time ();
  ctx->unjudged_us = 0;
  progress_update (ctx);

  runner = imps_runner_new (world, scenario);
  imps_runner_set_step_callback (runner, on_step, ctx);
  /* Without the ladders and the JSON report nothing reads the log after
   * the run (a capture listens as it goes): a finished call's entries
   * need not stay until the end. */
  imps_runner_set_forget_events (runner, ctx->quiet && o->svg_path == NULL && o->json == NULL);
  /* Nor, without the reports too, the results and records of finished
   * calls: the verdict lines and the observer report are written as they
   * come or from a temporary file. */
  imps_runner_set_keep_records (runner, !ctx->quiet || o->svg_path != NULL || o->json != NULL
                                            || o->junit != NULL);
  gboolean ran = imps_runner_run (runner, &error);
  progress_stop (ctx);
  if (!ran)
    {
      g_clear_pointer (&runner, imps_runner_free);
      status = run_refused (o, &run, RUN_INVALID, error->message);
      goto out;
    }
  run.runner = runner;
  if (!ctx->quiet || o->svg_path)
    {
      g_autoptr (ImpsLadder) ladder = imps_ladder_new (imps_network_get_event_log (net));
      imps_world_describe_ladder (world, ladder);
      if (pcap)
        imps_ladder_set_frames (ladder, ladder_pcap_frame, pcap);
      for (guint i = 0; o->only && o->only[i]; i++)
        imps_ladder_add_filter (ladder, o->only[i], NULL); /* checked before */
      imps_ladder_set_detail (ladder, o->summary ? IMPS_LADDER_SUMMARY
                                      : o->full ? IMPS_LADDER_FULL : IMPS_LADDER_AUTO);
      GPtrArray *media = imps_runner_get_media (runner);
      for (guint i = 0; i < media->len; i++)
        imps_ladder_add_media (ladder, g_ptr_array_index (media, i));
      if (!ctx->quiet)
        {
          g_autofree gchar *text = imps_ladder_render_text (ladder, o->width ? (guint) o->width
                                                                          : imps_ladder_text_width_for (STDOUT_FILENO));
          printf ("\n%s\n", text);
        }
      if (o->svg_path && !imps_ladder_write_svg (ladder, o->svg_path, &error))
        {
          cli_fail ("run", "--svg %s: %s", o->svg_path, error->message);
          status = RUN_FAILED;
        }
      g_clear_error (&error);
    }
  const gchar *observer = imps_runner_get_observer_report (runner);
  if (observer[0])
    printf ("\nNetwork observer (who could read each call's media keys):\n%s\n", observer);
  if (pcap)
    {
      imps_pcap_writer_detach (pcap);
      if (!imps_pcap_writer_close (pcap, &error))
        {
          cli_fail ("run", "--pcap %s: %s", o->pcap_path, error->message);
          status = RUN_FAILED;
        }
      g_clear_error (&error);
    }
  run.wall_us = g_get_monotonic_time () - mono_start;
  g_array_set_size (ctx->step_wall_us, imps_runner_get_results (runner)->len);
  run.step_wall_us = (const gint64 *) (gpointer) ctx->step_wall_us->data;
  report_add (o, &run);
  *passed += imps_runner_count_passed (runner);
  *failed += imps_runner_count_failed (runner);
  *skipped += imps_runner_count_skipped (runner);
  printf ("%u passed, %u failed, %u skipped\n", imps_runner_count_passed (runner),
          imps_runner_count_failed (runner), imps_runner_count_skipped (runner));
  if (imps_runner_count_failed (runner) > 0)
    status = RUN_FAILED;

out:
  g_clear_pointer (&runner, imps_runner_free);
  if (pcap)
    imps_pcap_writer_detach (pcap);
  g_clear_pointer (&world, imps_world_free);
  g_clear_pointer (&pcap, imps_pcap_writer_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (temp_state)
    remove_tree (temp_state);
  return status;
}

int
cli_run (int argc, char **argv)
{
  RunOptions o = { .seed = -1 };
  g_autofree gchar *keylog_path = NULL, *json_path = NULL, *junit_path = NULL;
  gboolean progress = FALSE, no_progress = FALSE;
  RunCtx ctx = { FALSE };
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o.seed,
      "Seed of every RAND, key and identifier: the same seed gives the same run (default: the file's, else random)", "N" },
    { "keylog", 0, 0, G_OPTION_ARG_FILENAME, &keylog_path,
      "Write every key to FILE in the key-log format of docs/profile.md §8", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path,
      "Write every step, verdict, event, call, media stream and counter to FILE as JSON (docs/report-json.md)", "FILE" },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &junit_path,
      "Write a JUnit XML report to FILE: a testsuite per SCENARIO, a testcase per verdict", "FILE" },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &o.svg_path,
      "Write the ladder diagram of the run to FILE as a self-contained SVG (one SCENARIO only)", "FILE" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &o.pcap_path,
      "Write every message and media packet of the run to FILE (classic pcap, virtual time; one SCENARIO only); the ladder rows then end with their frame number, #N", "FILE" },
    { "width", 0, 0, G_OPTION_ARG_INT, &o.width,
      "Width of the text ladder in columns (default: the terminal's, 100 when not a terminal)", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.only,
      "Draw only some rows of the text and SVG ladders: call=1,2, ref=Ua,Zk or time=2s..5s (virtual time after time 0; either end may be left out) (repeatable; docs/ladder.md)", "KEY=VALUE[,VALUE...]" },
    { "summary", 0, 0, G_OPTION_ARG_NONE, &o.summary,
      "Draw one row per call in the text and SVG ladders (caller, callee, security, final answer, media counts, messages), as for a run of more than " G_STRINGIFY (IMPS_LADDER_SUMMARY_CALLS) " calls (docs/ladder.md)", NULL },
    { "full", 0, 0, G_OPTION_ARG_NONE, &o.full,
      "Draw every message of every call in the ladders, even in a run of more than " G_STRINGIFY (IMPS_LADDER_SUMMARY_CALLS) " calls", NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.state_dir,
      "Keep each node's SQLite store in DIR (default: memory, or a temporary folder when the script restarts a node; one SCENARIO only)", "DIR" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &ctx.quiet,
      "Print only the verdicts, the observer report and the closing line, not the ladder; without --svg, --json and --junit a finished call then keeps no memory (for runs of thousands of calls)", NULL },
    { "progress", 0, 0, G_OPTION_ARG_NONE, &progress,
      "Show the progress line (step N of M, calls done) on stderr even when it is not a terminal", NULL },
    { "no-progress", 0, 0, G_OPTION_ARG_NONE, &no_progress,
      "Never show the progress line", NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("run", "SCENARIO...",
                          "Builds each SCENARIO's network on a virtual clock, runs its [script] step\n"
                          "by step, prints one verdict per step, the text ladder of every message, the\n"
                          "network observer's report, and ends with a line 'N passed, N failed, N skipped'.\n"
                          "With several SCENARIO files they run one after the other, each with its own\n"
                          "network; the reports hold them all (JUnit: one testsuite each).\n"
                          "On a terminal, stderr shows a progress line (step N of M, calls done K).\n"
                          "Exit status (one for all files): 0 every verdict passed; 1 a verdict failed\n"
                          "(or a network did not start, or a report could not be written); 2 bad\n"
                          "arguments or an invalid scenario file (the others still run and are reported).",
                          "Script verbs (docs/scenario-format.md): bootstrap = DEVICE; register = DEVICE;\n"
                          "call = CALLER CALLEE [security=none|sdes-e2e|sdes-e2ae|mikey-ticket] [media=DURATION]\n"
                          "  [cancel-after=DURATION] [ticket=NAME];\n"
                          "answer = DEVICE after=DURATION|reject=STATUS|busy|decline|never;\n"
                          "ticket = DEVICE for TARGET [validity=D] [reuse=B] [forking=B] [keys=N] as NAME;\n"
                          "load = CALLERS CALLEES calls=N rate=R/s [concurrent=C] [security=...] [media=D];\n"
                          "hangup = DEVICE; advance = DURATION; restart = hss|bsf|kms|pcscf|scscf|agw OPERATOR [wiped];\n"
                          "forget-btid = bsf OPERATOR DEVICE; attack = ... (see the docs);\n"
                          "repeat = RANGE... (steps, $1) end = repeat;\n"
                          "expect = ok | fail [TEXT] | refusal NODE [TEXT] |\n"
                          "  message REF [TEXT] [from=NODE] [to=NODE] [count=N] |\n"
                          "  no-message REF [TEXT] [from=NODE] [to=NODE] | bootstrapped DEVICE |\n"
                          "  established | sip STATUS | media | forks-differ | forks-share | cancelled N |\n"
                          "  ticket NAME flags X=0|1... | ticket NAME validity D | answered-by DEVICE |\n"
                          "  media-rejected DEVICE replays|auth-failures | exposure NODE keys|none",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  int rc = CLI_EXIT_OK;
  FILE *keylog_file = NULL;
  if (argc < 2)
    {
      rc = cli_usage_error ("run", "a SCENARIO file is required");
      goto done;
    }
  if (argc > 2 && (o.svg_path || o.pcap_path || o.state_dir))
    {
      rc = cli_usage_error ("run", "--svg, --pcap and --state-dir take one SCENARIO file, not %d",
                            argc - 1);
      goto done;
    }
  if (progress && no_progress)
    {
      rc = cli_usage_error ("run", "--progress and --no-progress: give one of them");
      goto done;
    }
  if (o.seed < -1)
    {
      rc = cli_usage_error ("run", "--seed: must not be negative");
      goto done;
    }
  if (o.summary && o.full)
    {
      rc = cli_usage_error ("run", "--summary and --full exclude each other");
      goto done;
    }
  if (o.width != 0 && (o.width < 40 || o.width > 1000))
    {
      rc = cli_usage_error ("run", "--width: %d is out of range (40 to 1000)", o.width);
      goto done;
    }
  {
    /* --only is checked before the run, on an empty ladder. */
    g_autoptr (ImpsEventLog) none = imps_event_log_new ();
    g_autoptr (ImpsLadder) check = imps_ladder_new (none);
    g_autoptr (GError) only_error = NULL;
    for (guint i = 0; o.only && o.only[i]; i++)
      if (!imps_ladder_add_filter (check, o.only[i], &only_error))
        {
          rc = cli_usage_error ("run", "--only %s", only_error->message);
          goto done;
        }
  }
  if (keylog_path)
    {
      g_autoptr (GError) error = NULL;
      keylog_file = imps_file_fopen_private (keylog_path, &error);
      if (keylog_file == NULL)
        {
          rc = cli_usage_error ("run", "--keylog: %s", error->message);
          goto done;
        }
      o.keylog = imps_key_log_new_file (keylog_file);
    }
  if (junit_path)
    o.junit = report_junit_new ();
  if (json_path)
    o.json = report_json_new ();

  ctx.progress = progress || (!no_progress && isatty (STDERR_FILENO));
  ctx.n_files = (guint) argc - 1;
  ctx.step_wall_us = g_array_new (FALSE, TRUE, sizeof (gint64));
  guint passed = 0, failed = 0, skipped = 0, n_invalid = 0, n_not_started = 0, n_failed = 0;
  guint n_bad_output = 0;
  for (int i = 1; i < argc; i++)
    {
      ctx.file_index = (guint) i - 1;
      switch (run_one (&o, &ctx, argv[i], &passed, &failed, &skipped))
        {
        case RUN_PASSED:
          break;
        case RUN_FAILED:
          n_failed++;
          break;
        case RUN_NOT_STARTED:
          n_not_started++;
          break;
        case RUN_INVALID:
          n_invalid++;
          break;
        case RUN_BAD_OUTPUT:
          n_bad_output++;
          break;
        }
    }
  g_array_unref (ctx.step_wall_us);
  if (argc > 2)
    printf ("%d scenario files: %u passed, %u failed, %u skipped; %u invalid, %u not started\n",
            argc - 1, passed, failed, skipped, n_invalid, n_not_started + n_bad_output);

  gboolean written = TRUE;
  if (o.json)
    {
      g_autoptr (GError) error = NULL;
      if (!report_json_write (o.json, json_path, &error))
        written = (cli_fail ("run", "--json %s: %s", json_path, error->message), FALSE);
    }
  if (o.junit)
    {
      g_autoptr (GError) error = NULL;
      if (!report_junit_write (o.junit, junit_path, &error))
        written = (cli_fail ("run", "--junit %s: %s", junit_path, error->message), FALSE);
    }
  if (n_invalid > 0 || n_bad_output > 0)
    rc = CLI_EXIT_USAGE;
  else if (n_failed > 0 || n_not_started > 0 || !written)
    rc = CLI_EXIT_FAIL;

done:
  g_clear_pointer (&o.junit, report_junit_free);
  g_clear_pointer (&o.json, report_json_free);
  if (o.keylog)
    {
      g_clear_pointer (&o.keylog, imps_key_log_free);
      fclose (keylog_file);
    }
  g_free (o.state_dir);
  g_free (o.svg_path);
  g_free (o.pcap_path);
  g_strfreev (o.only);
  return rc;
}
