/* The JSON report of impsim run (--json): every step, verdict, event,
 * call, media stream and counter of each scenario file. The layout is
 * documented field by field in docs/report-json.md and described by the
 * JSON Schema docs/report.schema.json; "version" changes when a field
 * changes meaning or goes away.
 *
 * The report holds no wall-clock value (those are in the JUnit report
 * only), so the same seed gives the same bytes. */
#include "report.h"
#include "imps-config.h"
#include "imps-files.h"

#include <json-glib/json-glib.h>
#include <string.h>

struct _ReportJson {
  JsonBuilder *b;
  GArray *seeds;               /* guint64 of each run that has one, by placeholder */
  gchar *nonce;                /* in each placeholder: no event text can match one */
  guint passed, failed, skipped, invalid, not_started;
};

ReportJson *
report_json_new (void)
{
  ReportJson *j = g_new0 (ReportJson, 1);
  j->b = json_builder_new ();
  j->seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  j->nonce = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  json_builder_begin_object (j->b);
  json_builder_set_member_name (j->b, "schema");
  json_builder_add_string_value (j->b, REPORT_JSON_SCHEMA);
  json_builder_set_member_name (j->b, "version");
  json_builder_add_int_value (j->b, REPORT_JSON_VERSION);
  json_builder_set_member_name (j->b, "impsim_version");
  json_builder_add_string_value (j->b, IMPS_VERSION);
  json_builder_set_member_name (j->b, "runs");
  json_builder_begin_array (j->b);
  return j;
}

void
report_json_free (ReportJson *j)
{
  if (j == NULL)
    return;
  g_object_unref (j->b);
  g_array_unref (j->seeds);
  g_free (j->nonce);
  g_free (j);
}

static gchar *
iso_time (gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) t2 = g_date_time_add (t, us % G_USEC_PER_SEC);
  return g_date_time_format (t2, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static void
member_string (JsonBuilder *b, const gchar *name, const gchar *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
member_int (JsonBuilder *b, const gchar *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
member_bool (JsonBuilder *b, const gchar *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

/* The seed is an unsigned 64-bit number, which json-glib cannot write as a
 * number above 2^63 - 1: a placeholder string is written and replaced by
 * the digits in report_json_write(). */
static void
member_seed (ReportJson *j, guint64 seed)
{
  g_autofree gchar *placeholder = g_strdup_printf ("\x01seed%u-%s\x01", j->seeds->len, j->nonce);
  g_array_append_val (j->seeds, seed);
  member_string (j->b, "seed", placeholder);
  g_autofree gchar *text = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  member_string (j->b, "seed_text", text);
}

static const gchar *
verdict_name (const ImpsStepResult *r)
{
  return !r->judged ? "judged-by-expect" : r->skipped ? "skipped" : r->passed ? "pass" : "fail";
}

static void
add_steps (JsonBuilder *b, const ReportRun *run)
{
  GPtrArray *results = imps_runner_get_results (run->runner);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      const ImpsStepResult *r = g_ptr_array_index (results, i);
      g_autofree gchar *start = iso_time (r->start_us);
      g_autofree gchar *end = iso_time (r->end_us);
      g_autofree gchar *title = report_describe_verdict (run->script, r->index);
      json_builder_begin_object (b);
      member_int (b, "index", r->index);
      member_int (b, "line", r->line);
      member_string (b, "verb", r->verb);
      member_string (b, "args", r->args);
      member_string (b, "title", title);
      member_string (b, "verdict", verdict_name (r));
      member_string (b, "outcome", r->outcome ? r->outcome : "");
      member_string (b, "reason", r->reason);
      member_string (b, "start", start);
      member_string (b, "end", end);
      json_builder_set_member_name (b, "events");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, r->first_event);
      json_builder_add_int_value (b, r->last_event);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_events (JsonBuilder *b, ImpsEventLog *log, guint counts[IMPS_REF_MEDIA + 1])
{
  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      g_autofree gchar *t = iso_time (e->time_us);
      if (e->kind == IMPS_EVENT_MESSAGE && e->ref <= IMPS_REF_MEDIA)
        counts[e->ref]++;
      json_builder_begin_object (b);
      member_int (b, "seq", (gint64) e->seq);
      member_string (b, "time", t);
      member_string (b, "kind", imps_event_kind_name (e->kind));
      member_string (b, "ref", imps_ref_point_name (e->ref));
      member_string (b, "protocol", imps_protocol_name (e->proto));
      member_string (b, "from", e->from);
      member_string (b, "to", e->to);
      member_string (b, "summary", e->summary);
      member_string (b, "detail", e->detail);
      member_int (b, "bytes", e->bytes ? (gint64) g_bytes_get_size (e->bytes) : 0);
      if (e->bytes)
        {
          /* So two runs with one seed can be compared byte for byte. */
          g_autofree gchar *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, e->bytes);
          member_string (b, "sha256", sum);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_observer (JsonBuilder *b, ImpsRunner *runner)
{
  GPtrArray *calls = imps_runner_get_calls (runner);
  json_builder_set_member_name (b, "observer");
  json_builder_begin_object (b);
  member_string (b, "text", imps_runner_get_observer_report (runner));
  json_builder_set_member_name (b, "calls");
  json_builder_begin_array (b);
  for (guint i = 0; i < calls->len; i++)
    {
      const ImpsRunnerCall *c = g_ptr_array_index (calls, i);
      guint readers = 0;
      json_builder_begin_object (b);
      member_string (b, "call_id", c->call_id);
      member_int (b, "line", c->line);
      member_string (b, "security", c->security);
      member_string (b, "caller", c->caller);
      member_string (b, "callee", c->callee);
      member_bool (b, "hung_up", c->hung_up);
      json_builder_set_member_name (b, "nodes");
      json_builder_begin_array (b);
      for (guint k = 0; k < c->readers->len; k++)
        {
          const ImpsWorldKeyReader *r = g_ptr_array_index (c->readers, k);
          readers += r->keys;
          json_builder_begin_object (b);
          member_string (b, "node", r->node);
          member_string (b, "role", r->role);
          member_bool (b, "keys", r->keys);
          member_string (b, "reason", r->reason);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      member_int (b, "readers", readers);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
add_media (JsonBuilder *b, ImpsRunner *runner)
{
  GPtrArray *calls = imps_runner_get_calls (runner);
  json_builder_set_member_name (b, "media");
  json_builder_begin_array (b);
  for (guint i = 0; i < calls->len; i++)
    {
      const ImpsRunnerCall *c = g_ptr_array_index (calls, i);
      for (guint k = 0; k < c->streams->len; k++)
        {
          const ImpsRunnerStream *s = g_ptr_array_index (c->streams, k);
          json_builder_begin_object (b);
          member_string (b, "call_id", c->call_id);
          member_string (b, "from", s->from);
          member_string (b, "to", s->to);
          member_string (b, "protection", s->via ? "e2ae" : s->srtp ? "srtp" : "rtp");
          member_string (b, "via", s->via);
          member_int (b, "sent", (gint64) s->sent);
          member_int (b, "received", (gint64) s->received);
          member_int (b, "verified", (gint64) s->verified);
          member_int (b, "lost", (gint64) s->lost);
          member_int (b, "replayed", (gint64) s->replayed);
          member_int (b, "auth_failures", (gint64) s->auth_failures);
          member_int (b, "mismatches", (gint64) s->mismatches);
          member_int (b, "other_errors", (gint64) s->other_errors);
          json_builder_end_object (b);
        }
    }
  json_builder_end_array (b);
}

static void
add_counters (JsonBuilder *b, const ReportRun *run, ImpsEventLog *log,
              const guint counts[IMPS_REF_MEDIA + 1])
{
  json_builder_set_member_name (b, "counters");
  json_builder_begin_object (b);
  member_int (b, "events", imps_event_log_len (log));
  for (guint ref = IMPS_REF_UB; ref < IMPS_REF_MEDIA; ref++)
    {
      g_autofree gchar *name = g_strdup_printf ("messages_%s", imps_ref_point_name (ref));
      member_int (b, name, counts[ref]);
    }
  /* Media is counted by packet, as the capture has it; the event log has
   * one summary event per direction of a call. */
  member_int (b, "messages_media", (gint64) (run->media_rtp + run->media_rtcp));
  member_int (b, "media_rtp_packets", (gint64) run->media_rtp);
  member_int (b, "media_rtcp_packets", (gint64) run->media_rtcp);
  member_int (b, "media_summaries", counts[IMPS_REF_MEDIA]);
  json_builder_end_object (b);
}

void
report_json_add (ReportJson *j, const ReportRun *run)
{
  JsonBuilder *b = j->b;
  json_builder_begin_object (b);
  member_string (b, "scenario", run->path);
  member_string (b, "name", run->scenario && run->scenario->name ? run->scenario->name : "");
  if (run->runner == NULL)
    {
      member_string (b, "status", run->invalid ? "invalid" : "not-started");
      json_builder_set_member_name (b, "error");
      json_builder_begin_object (b);
      member_string (b, "reason", run->error);
      member_int (b, "line", run->error_line);
      json_builder_end_object (b);
      json_builder_end_object (b);
      if (run->invalid)
        j->invalid++;
      else
        j->not_started++;
      return;
    }
  ImpsEventLog *log = imps_network_get_event_log (imps_world_get_network (run->world));
  guint counts[IMPS_REF_MEDIA + 1] = { 0 };
  guint passed = imps_runner_count_passed (run->runner);
  guint failed = imps_runner_count_failed (run->runner);
  guint skipped = imps_runner_count_skipped (run->runner);
  GPtrArray *results = imps_runner_get_results (run->runner);

  member_string (b, "status", "ran");
  member_seed (j, run->seed);
  member_int (b, "passed", passed);
  member_int (b, "failed", failed);
  member_int (b, "skipped", skipped);
  if (results->len > 0)
    {
      g_autofree gchar *start = iso_time (((const ImpsStepResult *) g_ptr_array_index (results, 0))->start_us);
      member_string (b, "virtual_start", start);
    }
  else
    member_string (b, "virtual_start", NULL);
  member_int (b, "virtual_duration_us", report_virtual_us (run->runner));
  add_steps (b, run);
  add_events (b, log, counts);
  add_observer (b, run->runner);
  add_media (b, run->runner);
  add_counters (b, run, log, counts);
  json_builder_end_object (b);
  j->passed += passed;
  j->failed += failed;
  j->skipped += skipped;
}

gboolean
report_json_write (ReportJson *j, const gchar *path, GError **error)
{
  JsonBuilder *b = j->b;
  json_builder_end_array (b);
  member_int (b, "passed", j->passed);
  member_int (b, "failed", j->failed);
  member_int (b, "skipped", j->skipped);
  member_int (b, "invalid", j->invalid);
  member_int (b, "not_started", j->not_started);
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  g_autofree gchar *data = json_generator_to_data (gen, NULL);
  g_autoptr (GString) out = g_string_new (data);
  for (guint i = 0; i < j->seeds->len; i++)
    {
      g_autofree gchar *placeholder = g_strdup_printf ("\"\\u0001seed%u-%s\\u0001\"", i, j->nonce);
      g_autofree gchar *digits = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                  g_array_index (j->seeds, guint64, i));
      const gchar *at = strstr (out->str, placeholder);
      g_assert (at != NULL);
      gsize pos = (gsize) (at - out->str);
      g_string_erase (out, (gssize) pos, (gssize) strlen (placeholder));
      g_string_insert (out, (gssize) pos, digits);
    }
  g_string_append_c (out, '\n');
  return imps_file_set_contents_private (path, out->str, (gssize) out->len, error);
}
