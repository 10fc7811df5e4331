/* impsim run: a scenario's network on a virtual clock, its script run step
 * by step with a verdict per step, and the reports. */
#include "cli.h"
#include "imps-files.h"
#include "imps-ladder.h"
#include "imps-pcap.h"
#include "imps-runner.h"
#include "imps-script.h"
#include "imps-world.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  gboolean quiet;
} RunCtx;

static void
on_step (ImpsRunner *runner, const ImpsStepResult *r, gpointer data)
{
  RunCtx *ctx = data;
  if (!r->judged)
    {
      if (!ctx->quiet)
        printf ("      line %u: %s %s: %s\n", r->line, r->verb, r->args,
                r->outcome ? r->outcome : "");
      return;
    }
  printf ("%s  line %u: %s %s: %s\n", r->skipped ? "SKIP" : r->passed ? "PASS" : "FAIL", r->line,
          r->verb, r->args, r->passed ? (r->outcome ? r->outcome : "") : r->reason);
  fflush (stdout);
}

static gchar *
iso_time (gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) t2 = g_date_time_add (t, us % G_USEC_PER_SEC);
  return g_date_time_format (t2, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static gboolean
write_json (const gchar *path, const ImpsScenario *sc, ImpsWorld *world, ImpsRunner *runner,
            GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  ImpsEventLog *log = imps_network_get_event_log (imps_world_get_network (world));
  GPtrArray *results = imps_runner_get_results (runner);
  guint counts[IMPS_REF_MEDIA + 1] = { 0 };

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "scenario");
  json_builder_add_string_value (b, sc->path);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, sc->name ? sc->name : "");
  json_builder_set_member_name (b, "seed");
  g_autofree gchar *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, imps_world_get_seed (world));
  json_builder_add_string_value (b, seed);
  json_builder_set_member_name (b, "passed");
  json_builder_add_int_value (b, imps_runner_count_passed (runner));
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, imps_runner_count_failed (runner));
  json_builder_set_member_name (b, "skipped");
  json_builder_add_int_value (b, imps_runner_count_skipped (runner));

  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      const ImpsStepResult *r = g_ptr_array_index (results, i);
      g_autofree gchar *start = iso_time (r->start_us);
      g_autofree gchar *end = iso_time (r->end_us);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, r->index);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, r->line);
      json_builder_set_member_name (b, "verb");
      json_builder_add_string_value (b, r->verb);
      json_builder_set_member_name (b, "args");
      json_builder_add_string_value (b, r->args);
      json_builder_set_member_name (b, "verdict");
      json_builder_add_string_value (b, !r->judged ? "judged-by-expect"
                                         : r->skipped ? "skipped"
                                         : r->passed ? "pass" : "fail");
      json_builder_set_member_name (b, "outcome");
      json_builder_add_string_value (b, r->outcome ? r->outcome : "");
      json_builder_set_member_name (b, "reason");
      if (r->reason)
        json_builder_add_string_value (b, r->reason);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "start");
      json_builder_add_string_value (b, start);
      json_builder_set_member_name (b, "end");
      json_builder_add_string_value (b, end);
      json_builder_set_member_name (b, "events");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, r->first_event);
      json_builder_add_int_value (b, r->last_event);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      g_autofree gchar *t = iso_time (e->time_us);
      if (e->kind == IMPS_EVENT_MESSAGE && e->ref <= IMPS_REF_MEDIA)
        counts[e->ref]++;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "seq");
      json_builder_add_int_value (b, (gint64) e->seq);
      json_builder_set_member_name (b, "time");
      json_builder_add_string_value (b, t);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, imps_event_kind_name (e->kind));
      json_builder_set_member_name (b, "ref");
      json_builder_add_string_value (b, imps_ref_point_name (e->ref));
      json_builder_set_member_name (b, "protocol");
      json_builder_add_string_value (b, imps_protocol_name (e->proto));
      json_builder_set_member_name (b, "from");
      json_builder_add_string_value (b, e->from);
      json_builder_set_member_name (b, "to");
      if (e->to)
        json_builder_add_string_value (b, e->to);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, e->summary);
      json_builder_set_member_name (b, "detail");
      if (e->detail)
        json_builder_add_string_value (b, e->detail);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, e->bytes ? (gint64) g_bytes_get_size (e->bytes) : 0);
      if (e->bytes)
        {
          /* So two runs with one seed can be compared byte for byte. */
          g_autofree gchar *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, e->bytes);
          json_builder_set_member_name (b, "sha256");
          json_builder_add_string_value (b, sum);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "observer");
  json_builder_add_string_value (b, imps_runner_get_observer_report (runner));

  json_builder_set_member_name (b, "counters");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "events");
  json_builder_add_int_value (b, imps_event_log_len (log));
  for (guint ref = IMPS_REF_UB; ref <= IMPS_REF_MEDIA; ref++)
    {
      g_autofree gchar *name = g_strdup_printf ("messages_%s", imps_ref_point_name (ref));
      json_builder_set_member_name (b, name);
      json_builder_add_int_value (b, counts[ref]);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  gsize len = 0;
  g_autofree gchar *data = json_generator_to_data (gen, &len);
  return imps_file_set_contents_private (path, data, (gssize) len, error);
}

static void
xml_attr (GString *out, const gchar *name, const gchar *value)
{
  g_autofree gchar *esc = g_markup_escape_text (value, -1);
  g_string_append_printf (out, " %s=\"%s\"", name, esc);
}

static gboolean
write_junit (const gchar *path, const ImpsScenario *sc, ImpsRunner *runner, GError **error)
{
  GPtrArray *results = imps_runner_get_results (runner);
  g_autoptr (GString) x = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
  const gchar *suite = sc->name ? sc->name : sc->path;
  guint tests = imps_runner_count_passed (runner) + imps_runner_count_failed (runner)
                + imps_runner_count_skipped (runner);
  gdouble total = 0;

  for (guint i = 0; i < results->len; i++)
    {
      const ImpsStepResult *r = g_ptr_array_index (results, i);
      total += (r->end_us - r->start_us) / 1e6;
    }
  g_string_append (x, "  <testsuite");
  xml_attr (x, "name", suite);
  g_string_append_printf (x, " tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\" time=\"%.6f\">\n",
                          tests, imps_runner_count_failed (runner),
                          imps_runner_count_skipped (runner), total);
  for (guint i = 0; i < results->len; i++)
    {
      const ImpsStepResult *r = g_ptr_array_index (results, i);
      if (!r->judged)
        continue;
      g_autofree gchar *name = g_strdup_printf ("line %u: %s = %s", r->line, r->verb, r->args);
      g_string_append (x, "    <testcase");
      xml_attr (x, "classname", suite);
      xml_attr (x, "name", name);
      g_string_append_printf (x, " time=\"%.6f\"", (r->end_us - r->start_us) / 1e6);
      if (r->passed)
        g_string_append (x, "/>\n");
      else if (r->skipped)
        {
          g_string_append (x, ">\n      <skipped");
          xml_attr (x, "message", r->reason ? r->reason : "skipped");
          g_string_append (x, "/>\n    </testcase>\n");
        }
      else
        {
          g_string_append (x, ">\n      <failure");
          xml_attr (x, "message", r->reason ? r->reason : "failed");
          g_string_append (x, "/>\n    </testcase>\n");
        }
    }
  g_string_append (x, "  </testsuite>\n</testsuites>\n");
  return imps_file_set_contents_private (path, x->str, (gssize) x->len, error);
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

int
cli_run (int argc, char **argv)
{
  gint64 seed = -1;
  g_autofree gchar *state_dir = NULL, *keylog_path = NULL, *json_path = NULL, *junit_path = NULL;
  g_autofree gchar *svg_path = NULL, *pcap_path = NULL;
  gint width = 0;
  g_auto (GStrv) only = NULL;
  RunCtx ctx = { FALSE };
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      "Seed of every RAND, key and identifier: the same seed gives the same run (default: the file's, else random)", "N" },
    { "keylog", 0, 0, G_OPTION_ARG_FILENAME, &keylog_path,
      "Write every key to FILE in the key-log format of docs/profile.md §8", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path,
      "Write every step, verdict, event and counter to FILE as JSON", "FILE" },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &junit_path,
      "Write a JUnit XML report to FILE, one test case per verdict", "FILE" },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &svg_path,
      "Write the ladder diagram of the run to FILE as a self-contained SVG", "FILE" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap_path,
      "Write every message and media packet of the run to FILE (classic pcap, virtual time)", "FILE" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width,
      "Width of the text ladder in columns (default: the terminal's, 100 when not a terminal)", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &only,
      "Draw only some rows of the text and SVG ladders: call=1,2 or ref=Ua,Zk (repeatable; docs/ladder.md)", "KEY=VALUE[,VALUE...]" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Keep each node's SQLite store in DIR (default: memory, or a temporary folder when the script restarts a node)", "DIR" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &ctx.quiet,
      "Print only the verdicts and the closing line, not the ladder", NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("run", "SCENARIO",
                          "Builds SCENARIO's network on a virtual clock, runs its [script] step by\n"
                          "step, prints one verdict per step, the text ladder of every message, the\n"
                          "network observer's report, and ends with a line 'N passed, N failed, N skipped'.\n"
                          "Exit status 0 when nothing failed, 1 when a verdict failed, 2 for bad\n"
                          "arguments or a bad scenario file.",
                          "Script verbs (docs/scenario-format.md): bootstrap = DEVICE; register = DEVICE;\n"
                          "call = CALLER CALLEE [security=none|sdes-e2e|sdes-e2ae|mikey-ticket] [media=DURATION];\n"
                          "hangup = DEVICE; advance = DURATION; restart = hss|bsf|kms OPERATOR;\n"
                          "expect = ok | fail [TEXT] | refusal NODE [TEXT] | message REF [TEXT] |\n"
                          "  no-message REF [TEXT] | bootstrapped DEVICE | established | sip STATUS |\n"
                          "  media | exposure NODE keys|none",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("run", "%s", argc < 2 ? "a SCENARIO file is required"
                                                  : "give one SCENARIO file only");
  if (seed < -1)
    return cli_usage_error ("run", "--seed: must not be negative");
  if (width != 0 && (width < 40 || width > 1000))
    return cli_usage_error ("run", "--width: %d is out of range (40 to 1000)", width);
  {
    /* --only is checked before the run, on an empty ladder. */
    g_autoptr (ImpsEventLog) none = imps_event_log_new ();
    g_autoptr (ImpsLadder) check = imps_ladder_new (none);
    g_autoptr (GError) only_error = NULL;
    for (guint i = 0; only && only[i]; i++)
      if (!imps_ladder_add_filter (check, only[i], &only_error))
        return cli_usage_error ("run", "--only %s", only_error->message);
  }

  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) scenario = imps_scenario_load_file (argv[1], &error);
  if (scenario == NULL)
    return cli_usage_error ("run", "%s", error->message);
  /* Every step is checked before any node starts. */
  {
    g_autoptr (GPtrArray) checked = imps_script_parse (scenario, &error);
    if (checked == NULL)
      return cli_usage_error ("run", "%s", error->message);
  }

  FILE *keylog_file = NULL;
  g_autoptr (ImpsKeyLog) keylog = NULL;
  if (keylog_path)
    {
      keylog_file = imps_file_fopen_private (keylog_path, &error);
      if (keylog_file == NULL)
        return cli_usage_error ("run", "--keylog: %s", error->message);
      keylog = imps_key_log_new_file (keylog_file);
    }

  gboolean temp_state = FALSE;
  if (state_dir == NULL && script_restarts (scenario))
    {
      state_dir = g_dir_make_tmp ("impsim-state-XXXXXX", &error);
      if (state_dir == NULL)
        return cli_fail ("run", "temporary state folder: %s", error->message);
      temp_state = TRUE;
    }

  ImpsWorldOptions opt = {
    .virtual_clock = TRUE,
    .has_seed = seed >= 0,
    .seed = (guint64) seed,
    .state_dir = state_dir,
    .key_log = keylog,
  };
  int rc = CLI_EXIT_OK;
  ImpsRunner *runner = NULL;
  ImpsPcapWriter *pcap = NULL;
  ImpsWorld *world = imps_world_new (scenario, &opt, &error);
  if (world == NULL)
    {
      rc = cli_fail ("run", "%s", error->message);
      goto out;
    }
  if (imps_world_get_state_dir_old_mode (world))
    fprintf (stderr, "impsim run: --state-dir %s had mode %04o; made it 0700 (it holds keys)\n",
             state_dir, imps_world_get_state_dir_old_mode (world));
  ImpsNetwork *net = imps_world_get_network (world);
  /* The ladders and the JSON report's digests read the messages after the
   * run; without them the log keeps summaries (a capture listens live). */
  imps_event_log_set_keep_bytes (imps_network_get_event_log (net),
                                 !ctx.quiet || svg_path != NULL || json_path != NULL);
  if (pcap_path)
    {
      pcap = imps_pcap_writer_new (pcap_path, &error);
      if (pcap == NULL)
        {
          rc = cli_usage_error ("run", "--pcap %s: %s", pcap_path, error->message);
          goto out;
        }
      imps_pcap_writer_learn_network (pcap, net);
      imps_pcap_writer_attach (pcap, imps_network_get_event_log (net));
      imps_sip_bus_add_media_tap (imps_world_get_bus (world), imps_pcap_media_tap, pcap);
    }
  printf ("running %s (seed %" G_GUINT64_FORMAT ")\n", argv[1], imps_world_get_seed (world));

  runner = imps_runner_new (world, scenario);
  imps_runner_set_step_callback (runner, on_step, &ctx);
  if (!imps_runner_run (runner, &error))
    {
      rc = cli_usage_error ("run", "%s", error->message);
      goto out;
    }
  if (!ctx.quiet || svg_path)
    {
      g_autoptr (ImpsLadder) ladder = imps_ladder_new (imps_network_get_event_log (net));
      imps_world_describe_ladder (world, ladder);
      for (guint i = 0; only && only[i]; i++)
        imps_ladder_add_filter (ladder, only[i], NULL); /* checked above */
      GPtrArray *media = imps_runner_get_media (runner);
      for (guint i = 0; i < media->len; i++)
        imps_ladder_add_media (ladder, g_ptr_array_index (media, i));
      if (!ctx.quiet)
        {
          g_autofree gchar *text = imps_ladder_render_text (ladder, width ? (guint) width
                                                                       : imps_ladder_text_width_for (STDOUT_FILENO));
          printf ("\n%s\n", text);
        }
      if (svg_path && !imps_ladder_write_svg (ladder, svg_path, &error))
        rc = cli_fail ("run", "--svg %s: %s", svg_path, error->message);
      g_clear_error (&error);
    }
  const gchar *observer = imps_runner_get_observer_report (runner);
  if (observer[0])
    printf ("\nNetwork observer (who could read each call's media keys):\n%s\n", observer);
  if (pcap)
    {
      imps_pcap_writer_detach (pcap);
      if (!imps_pcap_writer_close (pcap, &error))
        rc = cli_fail ("run", "--pcap %s: %s", pcap_path, error->message);
      g_clear_error (&error);
    }
  if (json_path && !write_json (json_path, scenario, world, runner, &error))
    rc = cli_fail ("run", "--json %s: %s", json_path, error->message);
  g_clear_error (&error);
  if (junit_path && !write_junit (junit_path, scenario, runner, &error))
    rc = cli_fail ("run", "--junit %s: %s", junit_path, error->message);
  printf ("%u passed, %u failed, %u skipped\n", imps_runner_count_passed (runner),
          imps_runner_count_failed (runner), imps_runner_count_skipped (runner));
  if (rc == CLI_EXIT_OK && imps_runner_count_failed (runner) > 0)
    rc = CLI_EXIT_FAIL;

out:
  g_clear_pointer (&runner, imps_runner_free);
  if (pcap)
    imps_pcap_writer_detach (pcap);
  g_clear_pointer (&world, imps_world_free);
  g_clear_pointer (&pcap, imps_pcap_writer_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (keylog)
    {
      g_clear_pointer (&keylog, imps_key_log_free);
      fclose (keylog_file);
    }
  if (temp_state)
    remove_tree (state_dir);
  return rc;
}
