/* The cost curve of a whole run as the network grows: N subscribers of one
 * operator, each bootstrapped (Ub, Zh) and registered (Gm, Mw), then N/2
 * MIKEY-TICKET calls (Ua ticket request and resolve, SIP, 1 s of SRTP each
 * way) one after another, each hung up. The same scenario a researcher
 * writes, run in process by the runner of `impsim run` (without the ladder
 * and reports).
 *
 * Each N runs in a child process of its own, so that its CPU time and peak
 * memory are its own (wait4). Printed per N: wall time, CPU time (user +
 * system, all threads), peak RSS, the CPU cost per subscriber (bootstrap +
 * register) and per call, the memory per registered UE, and the CPU per
 * call over the first and the last thousand calls (flat when a run is
 * linear), and under each row the protocol messages a call (every hop of
 * SIP, HTTP, Diameter) and the CPU a message over those same calls: once
 * Ks has expired a call carries two bootstraps more, so it costs more
 * while a message does not; then the ratios of the per-unit costs to the
 * first N's. Wall time on a shared machine is only indicative: compare CPU
 * time.
 *
 *   bench-scale [--media DURATION] [--load C] [--ks-lifetime DURATION] [--rounds R]
 *               [N...]                                 (default N: 100 1000 10000)
 *
 * --load C makes the calls one load step (u1..u(N/2) calling the other
 * half, C at once, offered at 1,000 calls/s) instead of one call after
 * another: the virtual time of the calls no longer grows with N. The
 * first/last columns then stay empty (one step makes all the calls).
 *
 * --ks-lifetime DURATION sets the operator's Ks lifetime (default 1h): a
 * short one makes the callers and callees bootstrap again during the calls
 * at small N, as the hour does from about the 1,100th call of N = 10,000.
 *
 * --rounds R makes each pair call R times (R * N/2 calls, one after
 * another): with a small N, what a finished call keeps stands out from
 * what a registered UE holds.
 *
 * IMPS_BENCH_SCALE_RSS=1 also prints the RSS at each stage, the event log,
 * the clock timers and the REGISTER and Ub requests during the calls;
 * IMPS_BENCH_SCALE_KEEP_LOG=1 keeps every event-log entry to the end
 * (without the messages' bytes) and the records of finished calls, as
 * impsim run does for a ladder or a JSON report; IMPS_BENCH_SCALE_SLICES=1 the CPU per call in each 64th of the calls
 * (where along the run a call costs more).
 *
 * With IMPS_BENCH_JSON naming a file, one JSON object a line per N is
 * appended (what `make bench` collects).
 */
#include "imps-bench.h"
#include "imps-config.h"
#include "imps-runner.h"
#include "imps-world.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the child reports to the parent, over a pipe. */
typedef struct {
  gboolean ok;
  guint passed, failed;
  double setup_cpu_s;       /* world built (all nodes, N UEs) */
  double subscribers_cpu_s; /* bootstrap + register of all N */
  double calls_cpu_s;       /* every call and hangup */
  double first_k_cpu_s;     /* the first min(1000, calls/4) calls */
  double last_k_cpu_s;      /* the last as many */
  guint k;
  gsize rss_start_kb;       /* before the world was built */
  gsize rss_world_kb;       /* the world built: every node, N idle UEs */
  gsize rss_registered_kb;  /* when every UE is registered, before the first call */
  gsize heap_registered_kb; /* malloc's bytes in use then */
  gsize heap_end_kb;        /* and after the last call */
  guint64 timers;           /* clock timers run */
  guint64 events;           /* event-log entries ever added */
  guint64 events_kept;      /* those still kept at the end */
  guint64 event_bytes;      /* their messages, summaries and details (what the log keeps) */
  gint64 regs_end_us;       /* virtual time when every UE was registered */
  guint64 refreshes;        /* REGISTER requests on Gm after that (refreshes of idle UEs) */
  guint64 ub_after;         /* Ub requests after that (bootstraps again as Ks expire) */
  guint64 first_k_messages; /* protocol messages (every hop of SIP, HTTP, Diameter, MIKEY)
                             * during the first k calls */
  guint64 last_k_messages;  /* and during the last k */
  guint64 calls_messages;   /* during all the calls */
  double slice_cpu_ms[64];  /* CPU per call in each 64th of the calls */
} ChildReport;

static double
process_cpu_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

#if defined(__SANITIZE_ADDRESS__)
/* the sanitizer runtime's (sanitizer/allocator_interface.h, which GCC
 * does not install) */
size_t __sanitizer_get_current_allocated_bytes (void);
#endif

#ifdef IMPS_HAVE_JEMALLOC
/* jemalloc's control interface (jemalloc/jemalloc.h, without the rest of
 * that header's declarations of the malloc family) */
int mallctl (const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#define HEAP_NAME "jemalloc"
#elif defined(__SANITIZE_ADDRESS__)
#define HEAP_NAME "AddressSanitizer's"
#else
#define HEAP_NAME "glibc malloc"
#endif

/* Bytes malloc has handed out and not had back (not what the pages
 * around them cost: rss_kb says that). */
static gsize
heap_kb (void)
{
#ifdef IMPS_HAVE_JEMALLOC
  guint64 epoch = 1;
  size_t len = sizeof epoch;
  mallctl ("epoch", &epoch, &len, &epoch, len);  /* refresh the statistics */
  size_t allocated = 0;
  len = sizeof allocated;
  if (mallctl ("stats.allocated", &allocated, &len, NULL, 0) != 0)
    return 0;
  return allocated / 1024;
#elif defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer's heap, which mallinfo2() does not see */
  return __sanitizer_get_current_allocated_bytes () / 1024;
#else
  struct mallinfo2 mi = mallinfo2 ();
  return (mi.uordblks + mi.hblkhd) / 1024;
#endif
}

static gsize
rss_kb (void)
{
  gsize size = 0, resident = 0;
  FILE *f = fopen ("/proc/self/statm", "r");
  if (f == NULL)
    return 0;
  if (fscanf (f, "%zu %zu", &size, &resident) != 2)
    resident = 0;
  fclose (f);
  return resident * (gsize) sysconf (_SC_PAGESIZE) / 1024;
}

/* The scenario in the scenario language's own few lines: a range of
 * subscribers (keys derived from the seed) and two repeat blocks. */
static guint load_concurrent;   /* --load: calls at once in one load step (0: one after another) */
static gchar *ks_lifetime;       /* --ks-lifetime: the operator's, else its default (1h) */
static guint rounds = 1;         /* --rounds: each pair calls this many times */

static gchar *
scale_scenario (guint n, const gchar *media)
{
  g_autofree gchar *op = g_strdup_printf ("[operator op1]\nnumber = 1\ndomain = op1.net\n%s%s%s\n",
                                          ks_lifetime ? "ks-lifetime = " : "",
                                          ks_lifetime ? ks_lifetime : "", ks_lifetime ? "\n" : "");
  if (load_concurrent > 0)
    return g_strdup_printf ("[scenario]\nname = scale-%u\nseed = 14\n\n%s"
                            "[subscribers u1..u%u]\noperator = op1\n\n"
                            "[script]\n"
                            "repeat = u1..u%u\nbootstrap = $1\nregister = $1\nend = repeat\n"
                            "load = u1..u%u u%u..u%u calls=%u rate=1000/s concurrent=%u "
                            "security=mikey-ticket media=%s\n",
                            n, op, n, n, n / 2, n / 2 + 1, n / 2 * 2, n / 2, load_concurrent, media);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "[scenario]\nname = scale-%u\nseed = 14\n\n%s"
                          "[subscribers u1..u%u]\noperator = op1\n\n"
                          "[script]\n"
                          "repeat = u1..u%u\nbootstrap = $1\nregister = $1\nend = repeat\n",
                          n, op, n, n);
  for (guint i = 0; i < rounds; i++)
    g_string_append_printf (s, "repeat = u1..u%u/2 u2..u%u/2\n"
                            "call = $1 $2 security=mikey-ticket media=%s\nhangup = $1\n"
                            "end = repeat\n",
                            n - n % 2 - 1, n - n % 2, media);
  return g_string_free (s, FALSE);
}

typedef struct {
  ChildReport *rep;
  guint n;
  guint calls;
  guint calls_done;
  double t_setup_end;
  double t_regs_end;
  double t_k_start, t_last_k_start;
  double t_slice_start;
  guint64 *timers_at;
  guint64 messages;         /* protocol messages since every UE was registered */
  guint64 messages_last_start;
} Watch;

/* Counts, as they happen, the REGISTER and Ub requests once every UE is
 * registered (the log itself forgets them). */
static void
count_event (ImpsEventLog *log, const ImpsEvent *e, gpointer data)
{
  Watch *w = data;
  if (w->rep->regs_end_us == 0 || e->time_us <= w->rep->regs_end_us
      || e->kind != IMPS_EVENT_MESSAGE)
    return;
  w->messages++;
  if (e->ref == IMPS_REF_GM && g_str_has_prefix (e->summary, "REGISTER"))
    w->rep->refreshes++;
  else if (e->ref == IMPS_REF_UB && g_str_has_prefix (e->summary, "GET"))
    w->rep->ub_after++;
}

static void
on_step (ImpsRunner *runner, const ImpsStepResult *res, gpointer data)
{
  Watch *w = data;
  if (!res->judged)
    return;
  guint index = res->index;
  guint regs = 2 * w->n;
  double now = process_cpu_s ();
  if (index + 1 == regs)
    {
      w->t_regs_end = now;
      w->t_slice_start = now;
      w->rep->regs_end_us = res->end_us;
      w->rep->rss_registered_kb = rss_kb ();
      w->rep->heap_registered_kb = heap_kb ();
    }
  if (index >= regs && g_str_equal (res->verb, "hangup"))
    {
      w->calls_done++;
      guint per = MAX (w->calls / 64, 1u);
      if (w->calls_done % per == 0 && w->calls_done / per <= 64)
        {
          w->rep->slice_cpu_ms[w->calls_done / per - 1] = (now - w->t_slice_start) * 1e3 / per;
          w->t_slice_start = now;
        }
      if (w->calls_done == w->rep->k)
        {
          w->rep->first_k_cpu_s = now - w->t_regs_end;
          w->rep->first_k_messages = w->messages;
        }
      if (w->calls_done == w->calls - w->rep->k)
        {
          w->t_last_k_start = now;
          w->messages_last_start = w->messages;
        }
      if (w->calls_done == w->calls)
        {
          w->rep->last_k_cpu_s = now - (w->calls == w->rep->k ? w->t_regs_end : w->t_last_k_start);
          w->rep->last_k_messages = w->messages - (w->calls == w->rep->k ? 0 : w->messages_last_start);
        }
    }
}

static int
child (guint n, const gchar *media, int fd)
{
  ChildReport rep = { 0 };
  Watch w = { .rep = &rep, .n = n, .calls = n / 2 * (load_concurrent ? 1 : rounds) };
  rep.k = MIN (1000u, MAX (w.calls / 4, 1u));
  rep.rss_start_kb = rss_kb ();
  g_autofree gchar *text = scale_scenario (n, media);
  g_autoptr (GError) error = NULL;
  double t0 = process_cpu_s ();
  ImpsScenario *sc = imps_scenario_load_data (text, strlen (text), "scale.scn", &error);
  if (sc == NULL)
    {
      fprintf (stderr, "bench-scale: %s\n", error->message);
      return 1;
    }
  ImpsWorldOptions opt = { .virtual_clock = TRUE };
  ImpsWorld *world = imps_world_new (sc, &opt, &error);
  if (world == NULL)
    {
      fprintf (stderr, "bench-scale: %s\n", error->message);
      return 1;
    }
  /* As impsim run --quiet: no ladder or report reads the bytes afterwards. */
  imps_event_log_set_keep_bytes (imps_network_get_event_log (imps_world_get_network (world)),
                                 FALSE);
  w.t_setup_end = process_cpu_s ();
  rep.rss_world_kb = rss_kb ();
  w.t_regs_end = w.t_setup_end;
  rep.setup_cpu_s = w.t_setup_end - t0;
  ImpsRunner *r = imps_runner_new (world, sc);
  imps_runner_set_step_callback (r, on_step, &w);
  /* As impsim run --quiet: entries before the current action go, and
   * finished calls keep no record (unless IMPS_BENCH_SCALE_KEEP_LOG asks
   * for the whole log and the records, as --svg or --json keep them). */
  gboolean keep = g_getenv ("IMPS_BENCH_SCALE_KEEP_LOG") != NULL;
  imps_runner_set_forget_events (r, !keep);
  imps_runner_set_keep_records (r, keep);
  imps_event_log_add_listener (imps_network_get_event_log (imps_world_get_network (world)),
                               count_event, &w);
  rep.ok = imps_runner_run (r, &error);
  double t_end = process_cpu_s ();
  rep.heap_end_kb = heap_kb ();
  rep.subscribers_cpu_s = w.t_regs_end - w.t_setup_end;
  rep.calls_cpu_s = t_end - w.t_regs_end;
  rep.calls_messages = w.messages;
  rep.passed = imps_runner_count_passed (r);
  rep.failed = imps_runner_count_failed (r);
  ImpsEventLog *log = imps_network_get_event_log (imps_world_get_network (world));
  rep.events = imps_event_log_len (log);
  for (guint i = imps_event_log_first (log); i < rep.events; i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      rep.events_kept++;
      rep.event_bytes += sizeof *e + (e->bytes ? e->size : 0)
                         + strlen (e->summary) + (e->detail ? strlen (e->detail) : 0)
                         + (e->stream ? strlen (e->stream) : 0);
    }
  rep.timers = imps_clock_count_fired (imps_network_get_clock (imps_world_get_network (world)));
  if (write (fd, &rep, sizeof rep) != sizeof rep)
    return 1;
  /* no clean-up: the process ends here */
  return rep.ok && rep.failed == 0 ? 0 : 1;
}

typedef struct {
  guint n;
  double wall_s, cpu_s;
  long maxrss_kb;
  ChildReport rep;
} Point;

static gboolean
run_point (guint n, const gchar *media, Point *p)
{
  int fds[2];
  if (pipe (fds) != 0)
    return FALSE;
  fflush (stdout);
  gint64 w0 = g_get_monotonic_time ();
  pid_t pid = fork ();
  if (pid < 0)
    return FALSE;
  if (pid == 0)
    {
      close (fds[0]);
      _exit (child (n, media, fds[1]));
    }
  close (fds[1]);
  memset (p, 0, sizeof *p);
  p->n = n;
  gssize got = read (fds[0], &p->rep, sizeof p->rep);
  close (fds[0]);
  int status = 0;
  struct rusage ru;
  while (wait4 (pid, &status, 0, &ru) < 0 && errno == EINTR)
    ;
  p->wall_s = (g_get_monotonic_time () - w0) / 1e6;
  p->cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
             + ru.ru_stime.tv_usec / 1e6;
  p->maxrss_kb = ru.ru_maxrss;
  return got == sizeof p->rep && WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/* A usage error unless @value (NULL: not given) is a scenario duration. */
static void
check_duration (const gchar *option, const gchar *value)
{
  gint64 us;
  GError *error = NULL;
  if (value == NULL || imps_parse_duration_us (value, &us, &error))
    return;
  gchar msg[512];   /* not on the heap: the exit leaves nothing allocated */
  g_snprintf (msg, sizeof msg, "%s: %s", option, error->message);
  g_error_free (error);
  imps_bench_usage_error ("%s", msg);
}

int
main (int argc, char **argv)
{
  gchar *media = NULL;
  gint load = 0, n_rounds = 1;
  const GOptionEntry entries[] = {
    { "media", 0, 0, G_OPTION_ARG_STRING, &media, "Media of each call (default 1s)", "DURATION" },
    { "load", 0, 0, G_OPTION_ARG_INT, &load,
      "Offer the calls in one load step, C at once, 1 to 16384 (default: one after another)",
      "C" },
    { "ks-lifetime", 0, 0, G_OPTION_ARG_STRING, &ks_lifetime,
      "The operator's Ks lifetime (default its own, 1h)", "DURATION" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &n_rounds,
      "Calls of each pair, one after another, 1 to 1000 (default 1)", "R" },
    G_OPTION_ENTRY_NULL
  };
  imps_bench_options (&argc, &argv, "[N...]",
                      "The cost curve of a run as the network grows: N subscribers bootstrapped "
                      "and registered, N/2 MIKEY-TICKET calls, each N (2 to 16384; default 100, "
                      "1000 and 10000) in a child process of its own.",
                      entries);
  if (load != 0)
    load_concurrent = imps_bench_option_range ("--load", load, 1, 16384);
  rounds = imps_bench_option_range ("--rounds", n_rounds, 1, 1000);
  check_duration ("--media", media);
  check_duration ("--ks-lifetime", ks_lifetime);
  if (media == NULL)
    media = g_strdup ("1s");
  g_autoptr (GArray) ns = g_array_new (FALSE, FALSE, sizeof (guint));
  for (int i = 1; i < argc; i++)
    {
      guint64 v;
      if (!g_ascii_string_to_unsigned (argv[i], 10, 2, 16384, &v, NULL))
        imps_bench_usage_error ("N: '%s' is not a number from 2 to 16384", argv[i]);
      guint n = (guint) v;
      g_array_append_val (ns, n);
    }
  if (ns->len == 0)
    {
      const guint def[] = { 100, 1000, 10000 };
      g_array_append_vals (ns, def, G_N_ELEMENTS (def));
    }

  const gchar *json_path = g_getenv ("IMPS_BENCH_JSON");
  FILE *json = json_path && *json_path ? fopen (json_path, "a") : NULL;
  g_autofree gchar *how = load_concurrent ? g_strdup_printf ("in one load step, %u at once",
                                                             load_concurrent)
                                          : g_strdup ("one after another");
  printf ("scale: N subscribers bootstrapped and registered, N/2 MIKEY-TICKET calls with %s of "
          "media, %s%s%s; heap: %s\n", media, how, ks_lifetime ? ", Ks lifetime " : "",
          ks_lifetime ? ks_lifetime : "", HEAP_NAME);
  printf ("%7s %9s %9s %10s %12s %11s %12s %12s %12s %8s\n", "N", "wall s", "CPU s", "peak RSS",
          "CPU/subscr.", "CPU/call", "KiB/reg. UE", "first calls", "last calls", "verdicts");
  g_autoptr (GArray) points = g_array_new (FALSE, TRUE, sizeof (Point));
  int rc = 0;
  for (guint i = 0; i < ns->len; i++)
    {
      Point p;
      guint n = g_array_index (ns, guint, i);
      gboolean ok = run_point (n, media, &p);
      guint calls = n / 2 * (load_concurrent ? 1 : rounds);
      double per_sub_ms = p.rep.subscribers_cpu_s * 1e3 / n;
      double per_call_ms = calls ? p.rep.calls_cpu_s * 1e3 / calls : 0;
      double kib_ue = p.rep.rss_registered_kb > p.rep.rss_start_kb
                          ? (double) (p.rep.rss_registered_kb - p.rep.rss_start_kb) / n : 0;
      double first_ms = p.rep.k ? p.rep.first_k_cpu_s * 1e3 / p.rep.k : 0;
      double last_ms = p.rep.k ? p.rep.last_k_cpu_s * 1e3 / p.rep.k : 0;
      g_autofree gchar *verdicts = g_strdup_printf ("%u/%u", p.rep.passed, p.rep.passed + p.rep.failed);
      /* one load step has no first and last calls of its own */
      g_autofree gchar *first_col = load_concurrent ? g_strdup ("-")
                                                    : g_strdup_printf ("%.3f ms", first_ms);
      g_autofree gchar *last_col = load_concurrent ? g_strdup ("-")
                                                   : g_strdup_printf ("%.3f ms", last_ms);
      printf ("%7u %9.2f %9.2f %7.1f MiB %9.3f ms %8.3f ms %12.1f %12s %12s %8s%s\n", n,
              p.wall_s, p.cpu_s, p.maxrss_kb / 1024.0, per_sub_ms, per_call_ms, kib_ue, first_col,
              last_col, verdicts, ok ? "" : "  FAILED");
      /* The work a call is: a call after the Ks expired carries two
       * bootstraps more (TS 33.220), so its CPU is compared per message too. */
      double first_msgs = p.rep.k ? (double) p.rep.first_k_messages / p.rep.k : 0;
      double last_msgs = p.rep.k ? (double) p.rep.last_k_messages / p.rep.k : 0;
      double first_us = p.rep.first_k_messages ? p.rep.first_k_cpu_s * 1e6 / p.rep.first_k_messages : 0;
      double last_us = p.rep.last_k_messages ? p.rep.last_k_cpu_s * 1e6 / p.rep.last_k_messages : 0;
      if (calls > 0 && !load_concurrent)
        printf ("        messages a call: first calls %.1f, last calls %.1f; CPU a message: "
                "%.1f us and %.1f us (%.2f)\n", first_msgs, last_msgs, first_us, last_us,
                first_us > 0 ? last_us / first_us : 0);
      /* With one load step: the work of a call, and what the peak RSS
       * adds to the RSS with every UE registered: the calls up at once and
       * the finished ones the protocols still remember (a UE frees a call
       * after Timer B, 32 s; replay caches keep their 300 s window). */
      double load_msgs = calls ? (double) p.rep.calls_messages / calls : 0;
      double load_us = p.rep.calls_messages ? p.rep.calls_cpu_s * 1e6 / p.rep.calls_messages : 0;
      double peak_over_kib = load_concurrent && (gsize) p.maxrss_kb > p.rep.rss_registered_kb
                                 ? (double) ((gsize) p.maxrss_kb - p.rep.rss_registered_kb)
                                 : 0;
      if (calls > 0 && load_concurrent)
        printf ("        messages a call: %.1f; CPU a message: %.1f us; peak RSS over every UE "
                "registered: %.1f MiB with %u calls at once\n", load_msgs, load_us,
                peak_over_kib / 1024, MIN (load_concurrent, calls));
      if (g_getenv ("IMPS_BENCH_SCALE_RSS"))
        printf ("        RSS KiB: start %zu, world built %zu, every UE registered %zu; event log "
                "%" G_GUINT64_FORMAT " entries, %" G_GUINT64_FORMAT " kept at the end, %" G_GUINT64_FORMAT
                " KiB; %" G_GUINT64_FORMAT
                " clock timers; during the calls %" G_GUINT64_FORMAT " REGISTER requests "
                "(idle UEs' refreshes) and %" G_GUINT64_FORMAT " Ub GET requests\n",
                p.rep.rss_start_kb, p.rep.rss_world_kb, p.rep.rss_registered_kb, p.rep.events,
                p.rep.events_kept, p.rep.event_bytes / 1024, p.rep.timers, p.rep.refreshes, p.rep.ub_after);
      if (g_getenv ("IMPS_BENCH_SCALE_RSS") && calls > 0)
        printf ("        heap in use KiB: every UE registered %zu, after the calls %zu: "
                "%.2f KiB a finished call\n",
                p.rep.heap_registered_kb, p.rep.heap_end_kb,
                ((double) p.rep.heap_end_kb - (double) p.rep.heap_registered_kb) / calls);
      if (g_getenv ("IMPS_BENCH_SCALE_SLICES") && calls >= 64)
        {
          printf ("        CPU ms per call in each 64th of the calls:");
          for (guint j = 0; j < 64; j++)
            printf ("%s%.1f", j % 16 ? " " : "\n         ", p.rep.slice_cpu_ms[j]);
          printf ("\n");
        }
      fflush (stdout);
      if (!ok)
        rc = 1;
      g_array_append_val (points, p);
      if (json)
        fprintf (json,
                 "{\"bench\": \"scale\", \"kind\": \"scale\", \"name\": \"N=%u\", \"n\": %u, "
                 "\"calls\": %u, \"media\": \"%s\", \"wall_s\": %.3f, \"cpu_s\": %.3f, "
                 "\"peak_rss_kib\": %ld, \"setup_cpu_s\": %.3f, \"cpu_per_subscriber_ms\": %.4f, "
                 "\"cpu_per_call_ms\": %.4f, \"kib_per_registered_ue\": %.2f, "
                 "\"cpu_per_call_first_ms\": %.4f, \"cpu_per_call_last_ms\": %.4f, "
                 "\"messages_per_call_first\": %.2f, \"messages_per_call_last\": %.2f, "
                 "\"cpu_per_message_first_us\": %.3f, \"cpu_per_message_last_us\": %.3f, "
                 "\"load_concurrent\": %u, \"messages_per_call\": %.2f, "
                 "\"cpu_per_message_us\": %.3f, \"peak_rss_over_registered_kib\": %.0f, "
                 "\"calls_in_slices\": %u, \"timers\": %" G_GUINT64_FORMAT ", \"passed\": %u, "
                 "\"failed\": %u, \"event_log_entries\": %" G_GUINT64_FORMAT ", "
                 "\"event_log_kib\": %" G_GUINT64_FORMAT ", \"ok\": %s}\n",
                 n, n, calls, media, p.wall_s, p.cpu_s, p.maxrss_kb, p.rep.setup_cpu_s, per_sub_ms,
                 per_call_ms, kib_ue, first_ms, last_ms, first_msgs, last_msgs, first_us, last_us,
                 load_concurrent, load_msgs, load_us, peak_over_kib, p.rep.k, p.rep.timers, p.rep.passed,
                 p.rep.failed, p.rep.events, p.rep.event_bytes / 1024, ok ? "true" : "false");
    }
  if (points->len > 1)
    {
      Point *b = &g_array_index (points, Point, 0);
      printf ("per-unit cost as a ratio to N=%u (1.00 = linear):\n", b->n);
      printf ("%7s %12s %12s %12s %12s\n", "N", "CPU/subscr.", "CPU/call", "CPU/N", "RSS/N");
      for (guint i = 1; i < points->len; i++)
        {
          Point *p = &g_array_index (points, Point, i);
          double sub = (p->rep.subscribers_cpu_s / p->n) / (b->rep.subscribers_cpu_s / b->n);
          double call = (p->rep.calls_cpu_s / (p->n / 2)) / (b->rep.calls_cpu_s / (b->n / 2));
          /* (the same --rounds for every N: the ratio holds) */
          double cpu = (p->cpu_s / p->n) / (b->cpu_s / b->n);
          double rss = ((double) p->maxrss_kb / p->n) / ((double) b->maxrss_kb / b->n);
          printf ("%7u %12.2f %12.2f %12.2f %12.2f\n", p->n, sub, call, cpu, rss);
        }
    }
  if (json)
    fclose (json);
  g_free (media);
  g_free (ks_lifetime);
  return rc;
}
