/* The load step: calls between two sets of devices, offered at a rate
 * with a bound on the calls in progress, on the virtual clock (what SIPp
 * users call a load test).
 *
 *   load = u1..u500 u501..u1000 calls=2000 rate=50/s concurrent=100
 *          security=mikey-ticket media=1s
 *
 * The spec is read and checked with the scenario alone (imps-load-spec.c,
 * used by the script checker); the engine (imps-load.c) runs it on a world.
 * docs/scenario-format.md describes the step and its report.
 */
#pragma once

#include "imps-scenario.h"

#include <stdio.h>

G_BEGIN_DECLS

#define IMPS_LOAD_MAX_CALLS 100000
#define IMPS_LOAD_MAX_CONCURRENT 4096
#define IMPS_LOAD_MAX_RATE 10000.0 /* calls per second of virtual time */

typedef struct {
  GStrv callers;          /* device names, in order */
  GStrv callees;
  guint calls;            /* calls to make */
  gint64 interval_us;     /* between two call starts (1 / rate) */
  gchar *rate_text;       /* as written, for reports */
  guint concurrent;       /* calls in progress at most */
  guint security;         /* ImpsScriptSecurity */
  gint64 media_us;        /* media time of each call after the answer */
} ImpsLoadSpec;

void imps_load_spec_free (ImpsLoadSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsLoadSpec, imps_load_spec_free)

/* Reads the arguments of a load step: CALLER_SET CALLEE_SET then
 * calls=N rate=R/s [concurrent=C] [security=...] [media=DURATION]. A SET
 * is a device name, a range (u1..u500) or several of them joined by ','.
 * Every device must exist and its operator run the IMS core (and a KMS for
 * mikey-ticket); the two sets must not share a device. NULL with a reason. */
ImpsLoadSpec *imps_load_spec_parse (const ImpsScenario *s, gint argc, gchar **argv,
                                    GError **error);


/* ---- the engine (imps-load.c, with the world) ---- */

struct _ImpsWorld;
typedef struct _ImpsLoad ImpsLoad;

typedef struct {
  guint calls;             /* asked for */
  guint established;       /* answered, media ran, hung up */
  guint failed;
  guint peak_in_progress;
  gint64 virtual_us;       /* from the first call offered to the last one ended */
  gint64 wall_us;
  gint64 setup_virtual_us[4]; /* set-up latency (INVITE to established): p50, p90, p99, max */
  gint64 setup_wall_us[4];
  guint mikey_calls;       /* MIKEY-TICKET calls placed */
  guint ticket_requests;   /* ticket requests the callers sent to their KMS */
} ImpsLoadStats;

typedef void (*ImpsLoadDoneFunc) (ImpsLoad *load, gpointer user_data);

/* @spec is borrowed and must outlive the load. Every device it names
 * exists in @world (the script checked). */
ImpsLoad *imps_load_new (struct _ImpsWorld *world, const ImpsLoadSpec *spec);
void imps_load_free (ImpsLoad *load);
/* TRUE: each call is released as it ends (imps_world_release_call()), for
 * runs that keep no record of finished calls. Default FALSE. */
void imps_load_set_release_calls (ImpsLoad *load, gboolean release);
/* Called each time a call of the load has ended (well or not) and been
 * counted, before the next one is offered. */
typedef void (*ImpsLoadCallEndFunc) (ImpsLoad *load, gpointer user_data);
void imps_load_set_call_end_func (ImpsLoad *load, ImpsLoadCallEndFunc func, gpointer user_data);
/* Offers the calls on the world's clock; @done runs when the last one has
 * ended. A line of progress goes to @progress (a terminal) when not NULL. */
void imps_load_start (ImpsLoad *load, FILE *progress, ImpsLoadDoneFunc done,
                      gpointer user_data);
void imps_load_get_stats (ImpsLoad *load, ImpsLoadStats *out);
/* The report: rates, latencies, tickets, failures by reason. */
gchar *imps_load_describe (ImpsLoad *load);
/* "3 x 488 ...; 1 x not answered within 60 s", or NULL without failures. */
gchar *imps_load_describe_failures (ImpsLoad *load);

G_END_DECLS
