/* The benchmarks' shared harness: subjects and baselines timed with this
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID: time spent waiting for a CPU
 * while other processes run does not count), in alternating rounds (every
 * round runs every measurement once, so load from elsewhere hits them
 * alike), reported as the median over the rounds with its spread
 * ((max - min) / median), and ratios as the median of the per-round ratios.
 *
 * A benchmark adds its measurements, runs them, prints its rows and ratios:
 *
 *   ImpsBench *b = imps_bench_new ("srtp", 9, 50 * 1000 * 1000);
 *   guint copy = imps_bench_add (b, "memcpy", "packet", op_copy, data);
 *   guint srtp = imps_bench_add (b, "aes-cm-128", "packet", op_srtp, pair);
 *   imps_bench_run (b);
 *   imps_bench_print (b);
 *   imps_bench_ratio (b, "srtp / memcpy", srtp, copy);
 *   return imps_bench_finish (b);
 *
 * An op runs @n operations and returns FALSE on failure. With the
 * environment variable IMPS_BENCH_JSON naming a file, every row and ratio
 * is also appended to it as one JSON object a line (what `make bench`
 * collects into bench/results.json).
 *
 * Header only, so that each bench program stays one file.
 */
#pragma once

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A usage error: "PROGRAM: MESSAGE" and where the options are, on
 * standard error; exit status 2. */
static inline void G_GNUC_NORETURN G_GNUC_PRINTF (1, 2)
imps_bench_usage_error (const gchar *format, ...)
{
  va_list ap;
  va_start (ap, format);
  fprintf (stderr, "%s: ", g_get_prgname ());
  vfprintf (stderr, format, ap);
  va_end (ap);
  fprintf (stderr, "\nRun '%s --help' for the options.\n", g_get_prgname ());
  exit (2);
}

/* Parses a bench's command line with GOptionContext: --help prints
 * @summary and the @entries (NULL: none) and exits 0; an unknown option
 * or a value of the wrong type is a usage error. @params names the
 * positional arguments the bench takes ("[N...]"), which stay in
 * @argc and @argv for it; with NULL, any argument left is a usage error. */
static inline void
imps_bench_options (int *argc, char ***argv, const gchar *params, const gchar *summary,
                    const GOptionEntry *entries)
{
  GOptionContext *ctx = g_option_context_new (params);
  g_option_context_set_summary (ctx, summary);
  if (entries)
    g_option_context_add_main_entries (ctx, entries, NULL);
  GError *error = NULL;
  gboolean ok = g_option_context_parse (ctx, argc, argv, &error);
  g_option_context_free (ctx);
  if (!ok)
    {
      gchar msg[512];   /* not on the heap: the exit leaves nothing allocated */
      g_strlcpy (msg, error->message, sizeof msg);
      g_error_free (error);
      imps_bench_usage_error ("%s", msg);
    }
  if (params == NULL && *argc > 1)
    imps_bench_usage_error ("unexpected argument '%s'", (*argv)[1]);
}

/* A usage error unless @v is within [@min, @max]. */
static inline guint
imps_bench_option_range (const gchar *option, gint v, gint min, gint max)
{
  if (v < min || v > max)
    imps_bench_usage_error ("%s: %d is not from %d to %d", option, v, min, max);
  return (guint) v;
}

/* The options of the HTTP load benches (bench-ua, bench-ub): --conns C
 * (1 to @max_conns), --@count_name N, the operations a round (@count_what;
 * 100 to 100000), and --rounds R (1 to 99). Each variable holds its default
 * on entry and the value given on return. */
static inline void
imps_bench_load_options (int *argc, char ***argv, const gchar *summary, guint max_conns,
                         const gchar *count_name, const gchar *count_what, guint *conns,
                         guint *count, guint *rounds)
{
  gint c = (gint) *conns, n = (gint) *count, r = (gint) *rounds;
  gchar *help[3] = {
    g_strdup_printf ("Connections at once, 1 to %u (default %u)", max_conns, *conns),
    g_strdup_printf ("%s a round, 100 to 100000 (default %u)", count_what, *count),
    g_strdup_printf ("Rounds, 1 to 99 (default %u)", *rounds),
  };
  const GOptionEntry entries[] = {
    { "conns", 0, 0, G_OPTION_ARG_INT, &c, help[0], "C" },
    { count_name, 0, 0, G_OPTION_ARG_INT, &n, help[1], "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &r, help[2], "R" },
    G_OPTION_ENTRY_NULL
  };
  imps_bench_options (argc, argv, NULL, summary, entries);
  for (guint i = 0; i < G_N_ELEMENTS (help); i++)
    g_free (help[i]);
  gchar name[64];
  g_snprintf (name, sizeof name, "--%s", count_name);
  *conns = imps_bench_option_range ("--conns", c, 1, (gint) max_conns);
  *count = imps_bench_option_range (name, n, 100, 100000);
  *rounds = imps_bench_option_range ("--rounds", r, 1, 99);
}

typedef gboolean (*ImpsBenchOp) (gpointer data, guint64 first, guint64 n);

typedef struct {
  gchar *name;
  gchar *unit;          /* what one operation is: "packet", "request" */
  ImpsBenchOp op;
  gpointer data;
  guint64 batch;        /* operations per timed call, calibrated */
  gboolean fixed;       /* one call of @batch operations per round, not calibrated */
  guint64 done;         /* operations run so far (the next op's first index) */
  double *ns;           /* per round: CPU ns per operation */
} ImpsBenchItem;

typedef struct {
  gchar *bench;
  guint rounds;
  gint64 round_ns;      /* CPU time each measurement takes per round, at least */
  GPtrArray *items;     /* ImpsBenchItem* */
  FILE *json;
  gboolean failed;
} ImpsBench;

static inline gint64
imps_bench_cpu_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static inline void
imps_bench_item_free (gpointer p)
{
  ImpsBenchItem *it = p;
  g_free (it->name);
  g_free (it->unit);
  g_free (it->ns);
  g_free (it);
}

static inline ImpsBench *
imps_bench_new (const gchar *bench, guint rounds, gint64 round_ns)
{
  ImpsBench *b = g_new0 (ImpsBench, 1);
  b->bench = g_strdup (bench);
  b->rounds = MAX (rounds, 1);
  b->round_ns = round_ns;
  b->items = g_ptr_array_new_with_free_func (imps_bench_item_free);
  const gchar *path = g_getenv ("IMPS_BENCH_JSON");
  if (path != NULL && *path != '\0')
    b->json = fopen (path, "a");
  return b;
}

static inline guint
imps_bench_add (ImpsBench *b, const gchar *name, const gchar *unit, ImpsBenchOp op,
                gpointer data)
{
  ImpsBenchItem *it = g_new0 (ImpsBenchItem, 1);
  it->name = g_strdup (name);
  it->unit = g_strdup (unit);
  it->op = op;
  it->data = data;
  it->batch = 1;
  it->ns = g_new0 (double, b->rounds);
  g_ptr_array_add (b->items, it);
  return b->items->len - 1;
}

/* A measurement whose operations cannot repeat (each request once, for a
 * replay cache): every round runs exactly @batch of them in one call, and
 * so does the warm-up, so the op sees indices 0 to (rounds + 1) * batch - 1. */
static inline guint
imps_bench_add_fixed (ImpsBench *b, const gchar *name, const gchar *unit, ImpsBenchOp op,
                      gpointer data, guint64 batch)
{
  guint id = imps_bench_add (b, name, unit, op, data);
  ImpsBenchItem *it = g_ptr_array_index (b->items, id);
  it->fixed = TRUE;
  it->batch = batch;
  return id;
}

/* Runs @it for at least the round time (or its one fixed batch); returns
 * CPU ns per operation. */
static inline double
imps_bench_measure (ImpsBench *b, ImpsBenchItem *it)
{
  guint64 n = 0;
  gint64 start = imps_bench_cpu_ns (), elapsed;
  do
    {
      if (!it->op (it->data, it->done, it->batch))
        {
          fprintf (stderr, "%s: %s failed after %" G_GUINT64_FORMAT " operations\n", b->bench,
                   it->name, it->done);
          exit (1);
        }
      it->done += it->batch;
      n += it->batch;
      elapsed = imps_bench_cpu_ns () - start;
    }
  while (!it->fixed && elapsed < b->round_ns);
  return (double) elapsed / (double) n;
}

static inline void
imps_bench_run (ImpsBench *b)
{
  /* Untimed calls first: one-time set-up is not counted, and the batch
   * grows until one call takes a fiftieth of the round, so reading the
   * clock (a system call) costs nothing that shows. */
  for (guint i = 0; i < b->items->len; i++)
    {
      ImpsBenchItem *it = g_ptr_array_index (b->items, i);
      if (!it->fixed)
        {
          /* one-time set-up, so that it does not stop the calibration */
          if (!it->op (it->data, it->done, 1))
            {
              fprintf (stderr, "%s: %s failed\n", b->bench, it->name);
              exit (1);
            }
          it->done++;
        }
      for (;;)
        {
          gint64 t0 = imps_bench_cpu_ns ();
          if (!it->op (it->data, it->done, it->batch))
            {
              fprintf (stderr, "%s: %s failed\n", b->bench, it->name);
              exit (1);
            }
          it->done += it->batch;
          if (it->fixed || imps_bench_cpu_ns () - t0 >= b->round_ns / 50
              || it->batch >= G_GUINT64_CONSTANT (1) << 40)
            break;
          it->batch *= 2;
        }
    }
  for (guint r = 0; r < b->rounds; r++)
    for (guint i = 0; i < b->items->len; i++)
      {
        /* alternate the order too, so that no measurement always follows
         * the same one */
        guint k = (r % 2 == 0) ? i : b->items->len - 1 - i;
        ImpsBenchItem *it = g_ptr_array_index (b->items, k);
        it->ns[r] = imps_bench_measure (b, it);
      }
}

static inline int
imps_bench_cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Median and spread ((max - min) / median) of @n values. */
static inline double
imps_bench_median (const double *v, guint n, double *spread)
{
  g_autofree double *s = g_memdup2 (v, n * sizeof *v);
  qsort (s, n, sizeof *s, imps_bench_cmp_double);
  double med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  if (spread)
    *spread = med > 0 ? (s[n - 1] - s[0]) / med : 0;
  return med;
}

static inline double
imps_bench_item_median (ImpsBench *b, guint id, double *spread)
{
  ImpsBenchItem *it = g_ptr_array_index (b->items, id);
  return imps_bench_median (it->ns, b->rounds, spread);
}

static inline void
imps_bench_json_string (FILE *f, const gchar *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        fprintf (f, "\\%c", *s);
      else if ((guchar) *s < 0x20)
        fprintf (f, "\\u%04x", (guchar) *s);
      else
        fputc (*s, f);
    }
  fputc ('"', f);
}

/* Prints one row per measurement: median CPU time per operation, the rate
 * on one core, the spread over the rounds. */
static inline void
imps_bench_print (ImpsBench *b)
{
  printf ("%s: %u alternating rounds, thread CPU time\n", b->bench, b->rounds);
  printf ("  %-34s %14s %14s %8s\n", "measurement", "median/op", "per second", "spread");
  for (guint i = 0; i < b->items->len; i++)
    {
      ImpsBenchItem *it = g_ptr_array_index (b->items, i);
      double spread;
      double ns = imps_bench_item_median (b, i, &spread);
      gchar t[32];
      if (ns >= 1e6)
        g_snprintf (t, sizeof t, "%.2f ms", ns / 1e6);
      else if (ns >= 1e3)
        g_snprintf (t, sizeof t, "%.2f us", ns / 1e3);
      else
        g_snprintf (t, sizeof t, "%.1f ns", ns);
      printf ("  %-34s %14s %14.0f %7.1f%%\n", it->name, t, 1e9 / ns, spread * 100);
      if (b->json)
        {
          fprintf (b->json, "{\"bench\": ");
          imps_bench_json_string (b->json, b->bench);
          fprintf (b->json, ", \"kind\": \"measurement\", \"name\": ");
          imps_bench_json_string (b->json, it->name);
          fprintf (b->json, ", \"unit\": ");
          imps_bench_json_string (b->json, it->unit);
          fprintf (b->json, ", \"median_ns\": %.3f, \"per_second\": %.3f, \"spread\": %.4f, "
                   "\"rounds\": %u}\n", ns, 1e9 / ns, spread, b->rounds);
        }
    }
}

/* Prints and records @subject's cost over @baseline's: the median of the
 * per-round ratios (each round measured both under the same load). */
static inline double
imps_bench_ratio (ImpsBench *b, const gchar *label, guint subject, guint baseline)
{
  ImpsBenchItem *s = g_ptr_array_index (b->items, subject);
  ImpsBenchItem *base = g_ptr_array_index (b->items, baseline);
  g_autofree double *r = g_new (double, b->rounds);
  for (guint i = 0; i < b->rounds; i++)
    r[i] = s->ns[i] / base->ns[i];
  double spread;
  double med = imps_bench_median (r, b->rounds, &spread);
  printf ("  ratio %-40s %10.3f  (spread %.1f%%)\n", label, med, spread * 100);
  if (b->json)
    {
      fprintf (b->json, "{\"bench\": ");
      imps_bench_json_string (b->json, b->bench);
      fprintf (b->json, ", \"kind\": \"ratio\", \"name\": ");
      imps_bench_json_string (b->json, label);
      fprintf (b->json, ", \"subject\": ");
      imps_bench_json_string (b->json, s->name);
      fprintf (b->json, ", \"baseline\": ");
      imps_bench_json_string (b->json, base->name);
      fprintf (b->json, ", \"ratio\": %.5f, \"spread\": %.4f, \"rounds\": %u}\n", med, spread,
               b->rounds);
    }
  return med;
}

static inline int
imps_bench_finish (ImpsBench *b)
{
  int rc = b->failed ? 1 : 0;
  if (b->json)
    fclose (b->json);
  g_ptr_array_unref (b->items);
  g_free (b->bench);
  g_free (b);
  return rc;
}
