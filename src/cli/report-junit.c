/* The JUnit XML report of impsim run: one <testsuite> per scenario file
 * inside <testsuites>, one <testcase> per verdict. The shape is the one
 * Jenkins and GitLab read (docs/scenario-format.md, "Reports"):
 *
 *   testsuites (name tests failures errors time)
 *     testsuite (name tests failures errors skipped time timestamp hostname id package file)
 *       properties / property (name value): seed, file, impsim_version, virtual_duration, ...
 *       testcase (name classname time file line)
 *         failure (type message) text | error (type message) text | skipped (message)
 *         system-out: what happened
 *       system-out: the network observer's report
 *
 * Times are wall-clock seconds; the virtual time a scenario covered is
 * the property virtual_duration. */
#include "report.h"
#include "imps-config.h"
#include "imps-files.h"

#include <string.h>

struct _ReportJunit {
  GString *suites;
  guint tests, failures, errors, skipped;
  gint64 wall_us;
  guint n;
};

ReportJunit *
report_junit_new (void)
{
  ReportJunit *j = g_new0 (ReportJunit, 1);
  j->suites = g_string_new (NULL);
  return j;
}

void
report_junit_free (ReportJunit *j)
{
  if (j == NULL)
    return;
  g_string_free (j->suites, TRUE);
  g_free (j);
}

/* Appends @text escaped for XML 1.0: markup characters as entities,
 * invalid UTF-8 and characters XML 1.0 does not allow (most control
 * characters, even as references) as U+FFFD. In an attribute, tab and line
 * ends are written as references so that a parser keeps them. */
static void
xml_escape (GString *out, const gchar *text, gboolean attribute)
{
  g_autofree gchar *valid = g_utf8_make_valid (text ? text : "", -1);
  for (const gchar *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      switch (c)
        {
        case '&':
          g_string_append (out, "&amp;");
          continue;
        case '<':
          g_string_append (out, "&lt;");
          continue;
        case '>':
          g_string_append (out, "&gt;");
          continue;
        case '"':
          g_string_append (out, attribute ? "&quot;" : "\"");
          continue;
        case '\t':
        case '\n':
        case '\r':
          if (attribute)
            g_string_append_printf (out, "&#%u;", c);
          else
            g_string_append_unichar (out, c);
          continue;
        default:
          break;
        }
      gboolean allowed = (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
                         || (c >= 0x10000 && c <= 0x10FFFF);
      g_string_append_unichar (out, allowed ? c : 0xFFFD);
    }
}

static void
attr (GString *out, const gchar *name, const gchar *value)
{
  g_string_append_printf (out, " %s=\"", name);
  xml_escape (out, value, TRUE);
  g_string_append_c (out, '"');
}

static void
attr_uint (GString *out, const gchar *name, guint64 value)
{
  g_string_append_printf (out, " %s=\"%" G_GUINT64_FORMAT "\"", name, value);
}

/* Seconds with three decimals and a '.', whatever the locale. */
static void
attr_seconds (GString *out, const gchar *name, gint64 us)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.3f", MAX (us, 0) / 1e6);
  attr (out, name, buf);
}

static void
property (GString *out, const gchar *name, const gchar *value)
{
  g_string_append (out, "      <property");
  attr (out, "name", name);
  attr (out, "value", value);
  g_string_append (out, "/>\n");
}

static void
element_text (GString *out, const gchar *indent, const gchar *name, const gchar *text)
{
  g_string_append_printf (out, "%s<%s>", indent, name);
  xml_escape (out, text, FALSE);
  g_string_append_printf (out, "</%s>\n", name);
}

/* The suite's opening tag and properties. */
static void
suite_begin (ReportJunit *j, GString *x, const ReportRun *run, const gchar *name, guint tests,
             guint failures, guint errors, guint skipped)
{
  g_autoptr (GDateTime) start = g_date_time_new_from_unix_utc (run->wall_start_us / G_USEC_PER_SEC);
  g_autofree gchar *timestamp = g_date_time_format (start, "%Y-%m-%dT%H:%M:%S");
  g_string_append (x, "  <testsuite");
  attr (x, "name", name);
  attr_uint (x, "tests", tests);
  attr_uint (x, "failures", failures);
  attr_uint (x, "errors", errors);
  attr_uint (x, "skipped", skipped);
  attr_seconds (x, "time", run->wall_us);
  attr (x, "timestamp", timestamp);
  attr (x, "hostname", g_get_host_name ());
  attr_uint (x, "id", j->n);
  attr (x, "package", "impsim");
  attr (x, "file", run->path);
  g_string_append (x, ">\n    <properties>\n");
  property (x, "file", run->path);
  if (run->scenario && run->scenario->name)
    property (x, "scenario", run->scenario->name);
  property (x, "impsim_version", IMPS_VERSION);
  if (run->world)
    {
      g_autofree gchar *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, run->seed);
      property (x, "seed", seed);
    }
  if (run->runner)
    {
      gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (buf, sizeof buf, "%.6f", report_virtual_us (run->runner) / 1e6);
      property (x, "virtual_duration", buf);
    }
  g_string_append (x, "    </properties>\n");
  j->tests += tests;
  j->failures += failures;
  j->errors += errors;
  j->skipped += skipped;
  j->wall_us += run->wall_us;
}

/* A scenario file that is invalid, or that did not run (its network did
 * not start, its capture could not be written): one test case with an
 * <error> that gives the reason. */
static void
add_error (ReportJunit *j, GString *x, const ReportRun *run)
{
  const gchar *name = run->scenario && run->scenario->name ? run->scenario->name : run->path;
  suite_begin (j, x, run, name, 1, 0, 1, 0);
  g_string_append (x, "    <testcase");
  attr (x, "name", run->error_check);
  attr (x, "classname", name);
  attr_seconds (x, "time", run->wall_us);
  attr (x, "file", run->path);
  if (run->error_line)
    attr_uint (x, "line", run->error_line);
  g_string_append (x, ">\n      <error");
  attr (x, "type", run->error_type);
  attr (x, "message", run->error);
  g_string_append (x, ">");
  xml_escape (x, run->error, FALSE);
  g_string_append (x, "</error>\n    </testcase>\n  </testsuite>\n");
}

void
report_junit_add (ReportJunit *j, const ReportRun *run)
{
  GString *x = j->suites;
  if (run->runner == NULL)
    {
      add_error (j, x, run);
      j->n++;
      return;
    }
  GPtrArray *results = imps_runner_get_results (run->runner);
  const gchar *suite = run->scenario->name ? run->scenario->name : run->path;
  guint passed = imps_runner_count_passed (run->runner);
  guint failed = imps_runner_count_failed (run->runner);
  guint skipped = imps_runner_count_skipped (run->runner);
  suite_begin (j, x, run, suite, passed + failed + skipped, failed, 0, skipped);

  /* Names are unique in a suite: a repeated check gets its line. */
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < results->len; i++)
    {
      const ImpsStepResult *r = g_ptr_array_index (results, i);
      if (!r->judged)
        continue;
      g_autofree gchar *name = report_describe_verdict (run->script, r->index);
      if (g_hash_table_contains (seen, name))
        {
          gchar *n = g_strdup_printf ("%s (line %u)", name, r->line);
          g_free (name);
          name = n;
        }
      g_hash_table_add (seen, g_strdup (name));
      g_string_append (x, "    <testcase");
      attr (x, "name", name);
      attr (x, "classname", suite);
      attr_seconds (x, "time", run->step_wall_us[i]);
      attr (x, "file", run->path);
      attr_uint (x, "line", r->line);
      g_string_append (x, ">\n");
      if (r->skipped)
        {
          g_string_append (x, "      <skipped");
          attr (x, "message", r->reason ? r->reason : "skipped");
          g_string_append (x, "/>\n");
        }
      else if (!r->passed)
        {
          g_autofree gchar *kind = report_verdict_kind (run->script, r->index);
          g_autoptr (GString) text = g_string_new (NULL);
          g_string_append_printf (text, "%s:%u: %s = %s\n", run->path, r->line, r->verb, r->args);
          g_string_append_printf (text, "reason: %s\n", r->reason ? r->reason : "failed");
          if (r->outcome)
            g_string_append_printf (text, "what happened: %s\n", r->outcome);
          g_string_append (x, "      <failure");
          attr (x, "message", r->reason ? r->reason : "failed");
          attr (x, "type", kind);
          g_string_append (x, ">");
          xml_escape (x, text->str, FALSE);
          g_string_append (x, "</failure>\n");
        }
      else if (r->outcome)
        element_text (x, "      ", "system-out", r->outcome);
      g_string_append (x, "    </testcase>\n");
    }
  const gchar *observer = imps_runner_get_observer_report (run->runner);
  if (observer[0])
    element_text (x, "    ", "system-out", observer);
  g_string_append (x, "  </testsuite>\n");
  j->n++;
}

gchar *
report_junit_to_string (ReportJunit *j)
{
  GString *x = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
  attr (x, "name", "impsim run");
  attr_uint (x, "tests", j->tests);
  attr_uint (x, "failures", j->failures);
  attr_uint (x, "errors", j->errors);
  attr_seconds (x, "time", j->wall_us);
  g_string_append (x, ">\n");
  g_string_append_len (x, j->suites->str, (gssize) j->suites->len);
  g_string_append (x, "</testsuites>\n");
  return g_string_free (x, FALSE);
}

gboolean
report_junit_write (ReportJunit *j, const gchar *path, GError **error)
{
  g_autofree gchar *x = report_junit_to_string (j);
  return imps_file_set_contents_private (path, x, -1, error);
}
