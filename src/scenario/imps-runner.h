/* The script runner: executes a scenario's [script] steps in order on the
 * world's main loop and virtual clock, and judges each one.
 *
 * An action step (bootstrap, advance, restart, ...) records what happened.
 * If `expect` lines follow it, each of them is a verdict on that action;
 * otherwise the action is its own verdict and passes when it did what it
 * was told. Every step therefore has exactly one verdict, or none for an
 * action whose expects judge it.
 *
 * Verbs and their arguments are listed in docs/scenario-format.md.
 */
#pragma once

#include "imps-scenario.h"
#include "imps-world.h"

G_BEGIN_DECLS

typedef struct {
  guint index;            /* position in the script */
  guint line;             /* in the scenario file */
  gchar *verb;
  gchar *args;
  gboolean judged;        /* has a verdict (FALSE: an action judged by expects) */
  gboolean passed;
  gboolean skipped;       /* not run: an earlier action failed (reason says which); neither
                           * passed nor failed */
  gchar *outcome;         /* what happened, for people: "bootstrapped: B-TID ..." */
  gchar *reason;          /* why it failed, with the values; NULL when passed */
  gint64 start_us;        /* virtual time */
  gint64 end_us;
  guint first_event;      /* event-log entries during the step: [first, last) */
  guint last_event;
} ImpsStepResult;

typedef struct _ImpsRunner ImpsRunner;

ImpsRunner *imps_runner_new (ImpsWorld *world, const ImpsScenario *scenario);
void imps_runner_free (ImpsRunner *runner);

/* Runs every step on the thread-default main context and returns when the
 * script is done. Verbs and arguments are checked before anything runs
 * (imps_script_parse()): FALSE with @error naming the file, line and verb
 * when one is wrong, or when the script has no step. After an action fails
 * and a verdict reports it, the later steps are not run: their verdicts are
 * skipped. */
gboolean imps_runner_run (ImpsRunner *runner, GError **error);

/* Results, one per step, in order (see imps_runner_set_keep_records()). */
GPtrArray *imps_runner_get_results (ImpsRunner *runner);
guint imps_runner_count_passed (ImpsRunner *runner);
guint imps_runner_count_failed (ImpsRunner *runner);
guint imps_runner_count_skipped (ImpsRunner *runner);

/* Called after each step with its result (for live output). */
typedef void (*ImpsRunnerStepFunc) (ImpsRunner *runner, const ImpsStepResult *result,
                                    gpointer user_data);
void imps_runner_set_step_callback (ImpsRunner *runner, ImpsRunnerStepFunc func,
                                    gpointer user_data);

/* TRUE: nothing reads the event log after the run (no ladder, no JSON
 * report; a capture listens as events are added): as each action begins,
 * the entries before it are freed (imps_event_log_forget_before()). The
 * expects still read the last action's entries, so every verdict stays
 * as it was; the results' event ranges then name freed entries. Default
 * FALSE. */
void imps_runner_set_forget_events (ImpsRunner *runner, gboolean forget);

/* FALSE: nothing reads the results, the calls or the ladder media after
 * the run (no ladder, no report; the counts and the observer report are
 * still read): a step's result is freed once the step callback saw it
 * (the results then hold NULL for it; the last action and the failed one
 * that skips later steps stay while they are needed), no call or ladder
 * media record is kept, the observer report waits in a temporary file, and
 * each call is released to the devices when the next call begins, or as
 * it ends in a load step (imps_world_release_call()). A finished call then
 * keeps no memory. Default TRUE. */
void imps_runner_set_keep_records (ImpsRunner *runner, gboolean keep);

/* Media streams of the calls hung up so far, for the ladder
 * (ImpsLadderMedia*, owned by the runner). */
GPtrArray *imps_runner_get_media (ImpsRunner *runner);

/* One direction of a call's media, device to device, as the receiving
 * device counted it (docs/report-json.md says what each count means). */
typedef struct {
  gchar *from;              /* sending device */
  gchar *to;                /* receiving device */
  gboolean srtp;            /* SRTP at the devices (FALSE: plain RTP) */
  gchar *via;               /* the IMS-AGW that relayed it (e2ae), or NULL */
  guint64 sent;             /* RTP packets the sender sent */
  guint64 received;         /* packets that reached the receiver: the sum of the next five */
  guint64 verified;         /* accepted: authenticated, counter and checksum as sent */
  guint64 mismatches;       /* payload not as sent */
  guint64 auth_failures;    /* SRTP tag did not verify */
  guint64 replayed;         /* SRTP index seen before */
  guint64 other_errors;     /* malformed, wrong payload type or SSRC */
  guint64 lost;             /* gaps in the sender's counter */
} ImpsRunnerStream;

/* A call of the script: who could read its keys, and its media. */
typedef struct {
  gchar *call_id;
  gchar *security;          /* "mikey-ticket", "sdes-e2ae", ... */
  gchar *caller;            /* device names */
  gchar *callee;            /* NULL when no device answered */
  guint line;               /* the call step's line in the scenario file */
  gboolean hung_up;         /* a hangup step ended it (FALSE: recorded when the next call
                             * or the end of the script came, as it then stood) */
  GPtrArray *readers;       /* ImpsWorldKeyReader*: every node that saw the call */
  GPtrArray *streams;       /* ImpsRunnerStream*, caller to callee first */
} ImpsRunnerCall;

/* The calls of the script so far (ImpsRunnerCall*, owned by the runner),
 * in order: the structured form of the observer report, which also has
 * the calls never hung up. */
GPtrArray *imps_runner_get_calls (ImpsRunner *runner);

/* The network observer's report: for every call hung up, which nodes
 * could read its media keys and what media they carried. */
const gchar *imps_runner_get_observer_report (ImpsRunner *runner);

/* Parses "2h", "90s", "1.5s", "20ms", "3d" into microseconds. */
gboolean imps_parse_duration_us (const gchar *text, gint64 *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsRunner, imps_runner_free)

G_END_DECLS
