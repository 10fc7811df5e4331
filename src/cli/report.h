/* impsim run's reports for CI: JUnit XML (report-junit.c) and JSON
 * (report-json.c, documented in docs/report-json.md), and the names both
 * give each verdict (report-describe.c).
 *
 * A run of several scenario files adds one ReportRun per file, in order,
 * while that file's world still exists (the JSON needs its event log);
 * the report is written once all have run. */
#pragma once

#include "imps-runner.h"
#include "imps-scenario.h"
#include "imps-script.h"
#include "imps-world.h"

#include <glib.h>

G_BEGIN_DECLS

/* The version of the JSON report's layout ("version" in the report);
 * docs/report-json.md says what changed between versions. */
#define REPORT_JSON_VERSION 2
#define REPORT_JSON_SCHEMA "impsim-run-report"

/* One scenario file of the run, as the writers see it. */
typedef struct {
  const gchar *path;              /* as given on the command line */
  const ImpsScenario *scenario;   /* NULL when the file did not load */
  GPtrArray *script;              /* ImpsScriptStep*, NULL when the file is invalid */
  const gchar *error;             /* why the file is invalid or the run could not start */
  gboolean invalid;               /* the file is invalid, not only not run */
  const gchar *error_check;       /* the JUnit test case of the error: "the scenario file is valid" */
  const gchar *error_type;        /* its error type: "invalid scenario file" */
  guint error_line;               /* the line the error names, 0 when none */
  ImpsWorld *world;               /* NULL when it did not start */
  ImpsRunner *runner;             /* NULL when it did not run */
  guint64 seed;
  gint64 wall_start_us;           /* real time at the start (Unix microseconds) */
  gint64 wall_us;                 /* real time the run took */
  const gint64 *step_wall_us;     /* real time of each result, by result index */
  guint64 media_rtp;              /* RTP and SRTP packets that crossed the network */
  guint64 media_rtcp;             /* RTCP and SRTCP packets */
} ReportRun;

/* ---- names (report-describe.c) ---- */

/* What a verdict checked, in words: "alice -> bob mikey-ticket: media
 * both ways", "bootstrap alice: succeeds". @script is the checked script
 * (ImpsScriptStep*), @index the verdict's step. */
gchar *report_describe_verdict (GPtrArray *script, guint index);
/* The kind of check, for JUnit's failure type: "expect media",
 * "expect refusal", or the verb of an action judged by itself ("call"). */
gchar *report_verdict_kind (GPtrArray *script, guint index);
/* Virtual time the run covered, from its first step's start to its last
 * step's end, in microseconds. */
gint64 report_virtual_us (ImpsRunner *runner);

/* ---- JUnit (report-junit.c) ---- */

typedef struct _ReportJunit ReportJunit;
ReportJunit *report_junit_new (void);
void report_junit_add (ReportJunit *junit, const ReportRun *run);
gboolean report_junit_write (ReportJunit *junit, const gchar *path, GError **error);
/* The document as it would be written (for tests and the writer). */
gchar *report_junit_to_string (ReportJunit *junit);
void report_junit_free (ReportJunit *junit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReportJunit, report_junit_free)

/* ---- JSON (report-json.c) ---- */

typedef struct _ReportJson ReportJson;
ReportJson *report_json_new (void);
void report_json_add (ReportJson *json, const ReportRun *run);
gboolean report_json_write (ReportJson *json, const gchar *path, GError **error);
void report_json_free (ReportJson *json);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReportJson, report_json_free)

G_END_DECLS
