/* The load engine: calls offered at a rate, at most C in progress, each
 * answered, given its media time and hung up, on the world's virtual clock
 * (imps-load.h). It waits on the callers' call events and clock timers
 * only, so the clock jumps from one event to the next.
 *
 * A device takes part in one load call at a time: a call whose turn has
 * come waits for a free caller and a free callee (round robin over each
 * set) and for a free slot under the concurrency bound.
 */
#include "imps-load.h"
#include "imps-script.h"
#include "imps-world.h"

#include <string.h>
#include <unistd.h>

/* How long a call may take to be answered, and the BYE to be answered. */
#define ANSWER_LIMIT_US (60 * G_USEC_PER_SEC)
#define HANGUP_US (200 * 1000)

typedef struct {
  ImpsLoad *load;
  guint caller, callee;     /* indexes into the sets */
  ImpsUeCall *call;
  gint64 start_us, start_wall_us;
  guint timer;              /* the deadline, then the media time, then the BYE's */
  gboolean established, hung_up;
} LoadCall;

struct _ImpsLoad {
  ImpsWorld *world;
  ImpsClock *clock;
  const ImpsLoadSpec *spec;
  GPtrArray *callers;       /* ImpsWorldDevice*, borrowed */
  GPtrArray *callee_impus;  /* const gchar*, borrowed from the world */
  guint8 *caller_busy, *callee_busy;
  guint n_callers, n_callees;
  guint next_caller, next_callee;
  guint due, started, in_progress, ended;
  ImpsLoadStats stats;
  guint rate_timer;
  GHashTable *by_call;      /* ImpsUeCall* -> LoadCall* (owned) */
  GArray *lat_virtual, *lat_wall; /* gint64 */
  GHashTable *failures;     /* reason -> count */
  gint64 t0_us, t0_wall_us;
  guint requests_before;
  FILE *progress;
  gint64 progress_wall_us;
  ImpsLoadDoneFunc done;
  gpointer done_data;
  gboolean finished;
  gboolean release_calls;   /* imps_load_set_release_calls() */
  ImpsLoadCallEndFunc call_end_cb;
  gpointer call_end_data;
};

static void pump (ImpsLoad *l);

void
imps_load_set_release_calls (ImpsLoad *l, gboolean release)
{
  l->release_calls = release;
}

void
imps_load_set_call_end_func (ImpsLoad *l, ImpsLoadCallEndFunc func, gpointer user_data)
{
  l->call_end_cb = func;
  l->call_end_data = user_data;
}

ImpsLoad *
imps_load_new (ImpsWorld *world, const ImpsLoadSpec *spec)
{
  ImpsLoad *l = g_new0 (ImpsLoad, 1);
  l->world = world;
  l->clock = imps_network_get_clock (imps_world_get_network (world));
  l->spec = spec;
  l->callers = g_ptr_array_new ();
  l->callee_impus = g_ptr_array_new ();
  for (gchar **c = spec->callers; *c; c++)
    g_ptr_array_add (l->callers, imps_world_find_device (world, *c));
  for (gchar **c = spec->callees; *c; c++)
    g_ptr_array_add (l->callee_impus, (gpointer) imps_world_find_device (world, *c)->impu);
  l->n_callers = l->callers->len;
  l->n_callees = l->callee_impus->len;
  l->caller_busy = g_new0 (guint8, l->n_callers);
  l->callee_busy = g_new0 (guint8, l->n_callees);
  l->by_call = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  l->lat_virtual = g_array_new (FALSE, FALSE, sizeof (gint64));
  l->lat_wall = g_array_new (FALSE, FALSE, sizeof (gint64));
  l->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  l->stats.calls = spec->calls;
  return l;
}

static void
call_stop_timer (ImpsLoad *l, LoadCall *lc)
{
  if (lc->timer)
    imps_clock_timeout_remove (l->clock, lc->timer);
  lc->timer = 0;
}

void
imps_load_free (ImpsLoad *l)
{
  if (l == NULL)
    return;
  if (l->rate_timer)
    imps_clock_timeout_remove (l->clock, l->rate_timer);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, l->by_call);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      LoadCall *lc = v;
      call_stop_timer (l, lc);
      ImpsWorldDevice *d = g_ptr_array_index (l->callers, lc->caller);
      imps_ue_sip_set_call_callback (d->sip, NULL, NULL);
    }
  g_hash_table_unref (l->by_call);
  g_ptr_array_unref (l->callers);
  g_ptr_array_unref (l->callee_impus);
  g_free (l->caller_busy);
  g_free (l->callee_busy);
  g_array_unref (l->lat_virtual);
  g_array_unref (l->lat_wall);
  g_hash_table_unref (l->failures);
  g_free (l);
}

static guint
count_requests (ImpsLoad *l)
{
  guint n = 0;
  for (guint i = 0; i < l->n_callers; i++)
    {
      ImpsWorldDevice *d = g_ptr_array_index (l->callers, i);
      n += d->ua ? imps_ue_ua_count_requests (d->ua) : 0;
    }
  return n;
}

static void
show_progress (ImpsLoad *l, gboolean last)
{
  if (l->progress == NULL)
    return;
  gint64 now = g_get_monotonic_time ();
  if (!last && now - l->progress_wall_us < G_USEC_PER_SEC / 4)
    return;
  l->progress_wall_us = now;
  fprintf (l->progress,
           "\r  load: %u/%u calls offered, %u in progress, %u established, %u failed%s",
           l->started, l->spec->calls, l->in_progress, l->stats.established, l->stats.failed,
           last ? "\n" : "");
  fflush (l->progress);
}

static void
finish_all (ImpsLoad *l)
{
  l->finished = TRUE;
  l->stats.virtual_us = imps_clock_now_us (l->clock) - l->t0_us;
  l->stats.wall_us = g_get_monotonic_time () - l->t0_wall_us;
  l->stats.ticket_requests = count_requests (l) - l->requests_before;
  show_progress (l, TRUE);
  if (l->done)
    l->done (l, l->done_data);
}

/* The call is over, well or not: its devices and its slot are free. */
static void
call_end (ImpsLoad *l, LoadCall *lc, const gchar *failure)
{
  call_stop_timer (l, lc);
  ImpsWorldDevice *d = g_ptr_array_index (l->callers, lc->caller);
  imps_ue_sip_set_call_callback (d->sip, NULL, NULL);
  l->caller_busy[lc->caller] = 0;
  l->callee_busy[lc->callee] = 0;
  l->in_progress--;
  l->ended++;
  if (failure)
    {
      l->stats.failed++;
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (l->failures, failure));
      g_hash_table_insert (l->failures, g_strdup (failure), GUINT_TO_POINTER (n + 1));
    }
  else
    l->stats.established++;
  if (lc->call && l->release_calls)
    imps_world_release_call (l->world, imps_ue_call_get_call_id (lc->call));
  if (lc->call)
    g_hash_table_remove (l->by_call, lc->call); /* frees lc */
  else
    g_free (lc);
  if (l->call_end_cb)
    l->call_end_cb (l, l->call_end_data);
  show_progress (l, FALSE);
  if (l->ended == l->spec->calls)
    finish_all (l);
  else
    pump (l);
}

static gboolean
bye_done (gpointer data)
{
  LoadCall *lc = data;
  lc->timer = 0;
  call_end (lc->load, lc, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
media_over (gpointer data)
{
  LoadCall *lc = data;
  ImpsLoad *l = lc->load;
  lc->timer = 0;
  lc->hung_up = TRUE;
  imps_ue_call_hangup (lc->call);
  lc->timer = imps_clock_timeout_add (l->clock, HANGUP_US, bye_done, lc, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
answer_deadline (gpointer data)
{
  LoadCall *lc = data;
  lc->timer = 0;
  imps_ue_call_hangup (lc->call);
  call_end (lc->load, lc, "not answered within 60 s");
  return G_SOURCE_REMOVE;
}

static void
call_check (ImpsLoad *l, LoadCall *lc)
{
  ImpsUeCallState st = imps_ue_call_get_state (lc->call);
  if (st == IMPS_UE_CALL_ESTABLISHED && !lc->established)
    {
      lc->established = TRUE;
      gint64 v = imps_clock_now_us (l->clock) - lc->start_us;
      gint64 w = g_get_monotonic_time () - lc->start_wall_us;
      g_array_append_val (l->lat_virtual, v);
      g_array_append_val (l->lat_wall, w);
      call_stop_timer (l, lc);
      lc->timer = imps_clock_timeout_add (l->clock, l->spec->media_us, media_over, lc, NULL);
      return;
    }
  if (st == IMPS_UE_CALL_TERMINATED && !lc->hung_up)
    {
      g_autofree gchar *why = NULL;
      if (lc->established)
        why = g_strdup ("ended during its media time");
      else
        {
          /* The reason names the status when there is one. */
          const gchar *reason = imps_ue_call_get_reason (lc->call);
          why = reason ? g_strdup (reason)
                       : g_strdup_printf ("ended with %u", imps_ue_call_get_status (lc->call));
        }
      call_end (l, lc, why);
    }
}

static void
call_changed (ImpsUeSip *sip, ImpsUeCall *call, gpointer data)
{
  ImpsLoad *l = data;
  LoadCall *lc = g_hash_table_lookup (l->by_call, call);
  if (lc != NULL)
    call_check (l, lc);
}

/* Index of the next free device from *next on, or -1. */
static gint
next_free (const guint8 *busy, guint n, guint *next, gint not_this)
{
  for (guint t = 0; t < n; t++)
    {
      guint i = (*next + t) % n;
      if (!busy[i] && (gint) i != not_this)
        {
          *next = (i + 1) % n;
          return (gint) i;
        }
    }
  return -1;
}

static void
start_call (ImpsLoad *l, guint caller, guint callee)
{
  ImpsWorldDevice *d = g_ptr_array_index (l->callers, caller);
  const gchar *impu = g_ptr_array_index (l->callee_impus, callee);
  static const ImpsUeSecurity securities[] = {
    [IMPS_SCRIPT_SECURITY_NONE] = IMPS_UE_SECURITY_NONE,
    [IMPS_SCRIPT_SECURITY_SDES_E2E] = IMPS_UE_SECURITY_SDES_E2E,
    [IMPS_SCRIPT_SECURITY_SDES_E2AE] = IMPS_UE_SECURITY_SDES_E2AE,
    [IMPS_SCRIPT_SECURITY_MIKEY_TICKET] = IMPS_UE_SECURITY_MIKEY_TICKET,
  };
  LoadCall *lc = g_new0 (LoadCall, 1);
  lc->load = l;
  lc->caller = caller;
  lc->callee = callee;
  lc->start_us = imps_clock_now_us (l->clock);
  lc->start_wall_us = g_get_monotonic_time ();
  l->caller_busy[caller] = 1;
  l->callee_busy[callee] = 1;
  l->started++;
  l->in_progress++;
  l->stats.peak_in_progress = MAX (l->stats.peak_in_progress, l->in_progress);
  if (l->spec->security == IMPS_SCRIPT_SECURITY_MIKEY_TICKET)
    l->stats.mikey_calls++;
  g_autoptr (GError) error = NULL;
  lc->call = imps_ue_sip_call (d->sip, impu, securities[l->spec->security], NULL, 0, &error);
  if (lc->call == NULL)
    {
      /* Not a reason per call: the message names the call. */
      g_autofree gchar *why = g_strdup_printf ("not placed: %s", error->message);
      call_end (l, lc, why);
      return;
    }
  g_hash_table_insert (l->by_call, lc->call, lc);
  imps_ue_sip_set_call_callback (d->sip, call_changed, l);
  lc->timer = imps_clock_timeout_add (l->clock, ANSWER_LIMIT_US, answer_deadline, lc, NULL);
  call_check (l, lc);
}

/* Starts every call whose turn has come, as devices and slots allow. */
static void
pump (ImpsLoad *l)
{
  while (!l->finished && l->started < l->due && l->in_progress < l->spec->concurrent)
    {
      guint save = l->next_caller;
      gint caller = next_free (l->caller_busy, l->n_callers, &l->next_caller, -1);
      gint callee = caller < 0 ? -1 : next_free (l->callee_busy, l->n_callees,
                                                 &l->next_callee, -1);
      if (caller < 0 || callee < 0)
        {
          l->next_caller = save;
          return; /* a call that ends calls pump() again */
        }
      start_call (l, (guint) caller, (guint) callee);
    }
}

static gboolean
rate_tick (gpointer data)
{
  ImpsLoad *l = data;
  l->rate_timer = 0;
  l->due++;
  if (l->due < l->spec->calls)
    l->rate_timer = imps_clock_timeout_add (l->clock, l->spec->interval_us, rate_tick, l, NULL);
  pump (l);
  return G_SOURCE_REMOVE;
}

void
imps_load_start (ImpsLoad *l, FILE *progress, ImpsLoadDoneFunc done, gpointer user_data)
{
  l->done = done;
  l->done_data = user_data;
  l->progress = progress;
  l->t0_us = imps_clock_now_us (l->clock);
  l->t0_wall_us = g_get_monotonic_time ();
  l->requests_before = count_requests (l);
  rate_tick (l);
}

static gint
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
percentiles (GArray *a, gint64 out[4])
{
  memset (out, 0, 4 * sizeof (gint64));
  if (a->len == 0)
    return;
  g_array_sort (a, cmp_i64);
  static const guint per[] = { 50, 90, 99 };
  for (guint i = 0; i < 3; i++)
    {
      /* The nearest rank: the smallest value with at least p% at or below it. */
      guint rank = (guint) (((guint64) per[i] * a->len + 99) / 100);
      out[i] = g_array_index (a, gint64, MAX (rank, 1u) - 1);
    }
  out[3] = g_array_index (a, gint64, a->len - 1);
}

void
imps_load_get_stats (ImpsLoad *l, ImpsLoadStats *out)
{
  *out = l->stats;
  percentiles (l->lat_virtual, out->setup_virtual_us);
  percentiles (l->lat_wall, out->setup_wall_us);
}

static gint
cmp_failure (gconstpointer a, gconstpointer b, gpointer data)
{
  GHashTable *f = data;
  guint x = GPOINTER_TO_UINT (g_hash_table_lookup (f, *(const gchar *const *) a));
  guint y = GPOINTER_TO_UINT (g_hash_table_lookup (f, *(const gchar *const *) b));
  if (x != y)
    return x > y ? -1 : 1;
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

gchar *
imps_load_describe_failures (ImpsLoad *l)
{
  if (g_hash_table_size (l->failures) == 0)
    return NULL;
  guint n = 0;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (l->failures, &n);
  g_qsort_with_data (keys, (gint) n, sizeof (gpointer), cmp_failure, l->failures);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%u x %s", i ? "; " : "",
                            GPOINTER_TO_UINT (g_hash_table_lookup (l->failures, keys[i])),
                            (const gchar *) keys[i]);
  return g_string_free (out, FALSE);
}

static void
append_ms (GString *out, const gchar *label, const gint64 v[4])
{
  g_string_append_printf (out, "%s p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", label,
                          v[0] / 1000.0, v[1] / 1000.0, v[2] / 1000.0, v[3] / 1000.0);
}

gchar *
imps_load_describe (ImpsLoad *l)
{
  ImpsLoadStats st;
  imps_load_get_stats (l, &st);
  GString *out = g_string_new (NULL);
  gdouble vs = st.virtual_us / 1e6, ws = st.wall_us / 1e6;
  g_string_append_printf (out, "%u calls (%u established, %u failed), at most %u at once, in "
                          "%.3f s of virtual time (%.2f calls/s) and %.3f s of wall time "
                          "(%.1f calls/s); set-up latency (INVITE to answer): ",
                          st.calls, st.established, st.failed, st.peak_in_progress, vs,
                          vs > 0 ? st.calls / vs : 0.0, ws, ws > 0 ? st.calls / ws : 0.0);
  append_ms (out, "virtual", st.setup_virtual_us);
  append_ms (out, "; wall", st.setup_wall_us);
  if (st.mikey_calls > 0)
    g_string_append_printf (out, "; %u ticket requests for %u MIKEY-TICKET calls (%u saved by "
                            "ticket reuse)", st.ticket_requests, st.mikey_calls,
                            st.mikey_calls > st.ticket_requests
                                ? st.mikey_calls - st.ticket_requests : 0);
  g_autofree gchar *f = imps_load_describe_failures (l);
  g_string_append_printf (out, "; failures: %s", f ? f : "none");
  return g_string_free (out, FALSE);
}
