#include "imps-clock.h"

/* Seconds between 1900-01-01 (NTP era 0) and 1970-01-01. */
#define NTP_UNIX_OFFSET G_GINT64_CONSTANT (2208988800)

typedef struct {
  guint id;
  gint64 due_us;
  guint64 seq; /* ties run in the order they were added */
  gboolean quiet; /* imps_clock_quiet_timeout_add() */
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
  GSource *real_source; /* real clocks only */
  ImpsClock *clock;     /* real clocks only, not a reference */
} Timer;

struct _ImpsClock {
  gint ref_count;
  gboolean is_virtual;
  gint64 now_us;         /* virtual time */
  GMainContext *context; /* owned */
  GSequence *queue;      /* of Timer*, ordered by (due, seq); virtual only */
  GHashTable *by_id;     /* id -> Timer*: GSequenceIter* (virtual) or Timer* (real) */
  guint next_id;
  guint64 next_seq;
  guint holds;
  GSource *auto_source;
  guint64 fired;         /* timers run so far */
  gboolean loud_ran;     /* a timer that is not quiet ran (auto-advance's batch) */
  ImpsClock *base;       /* a skewed view: every call but the time goes here */
  gint64 offset_us;      /* a skewed view: added to the base's time */
};

/* A skewed view forwards to the clock it views. */
#define VIEWED(clock) ((clock)->base != NULL ? (clock)->base : (clock))

guint64
imps_ntp_from_unix_us (gint64 unix_us)
{
  gint64 secs = unix_us / G_USEC_PER_SEC;
  gint64 frac_us = unix_us % G_USEC_PER_SEC;
  if (frac_us < 0)
    {
      secs -= 1;
      frac_us += G_USEC_PER_SEC;
    }
  guint64 frac = ((guint64) frac_us << 32) / G_USEC_PER_SEC;
  return ((guint64) (guint32) (secs + NTP_UNIX_OFFSET) << 32) | frac;
}

gint64
imps_unix_us_from_ntp (guint64 ntp)
{
  gint64 secs = (gint64) (ntp >> 32) - NTP_UNIX_OFFSET;
  /* Round to the nearest microsecond so that a round trip is exact. */
  gint64 frac_us = (gint64) (((ntp & 0xffffffffu) * G_USEC_PER_SEC + (G_GUINT64_CONSTANT (1) << 31)) >> 32);
  return secs * G_USEC_PER_SEC + frac_us;
}

static gint
timer_cmp (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Timer *ta = a, *tb = b;
  if (ta->due_us != tb->due_us)
    return ta->due_us < tb->due_us ? -1 : 1;
  if (ta->seq != tb->seq)
    return ta->seq < tb->seq ? -1 : 1;
  return 0;
}

static void
timer_free (Timer *t)
{
  if (t->notify)
    t->notify (t->data);
  g_free (t);
}

ImpsClock *
imps_clock_new_virtual (gint64 start_unix_us)
{
  ImpsClock *c = g_new0 (ImpsClock, 1);
  c->ref_count = 1;
  c->is_virtual = TRUE;
  c->now_us = start_unix_us;
  c->context = g_main_context_ref_thread_default ();
  c->queue = g_sequence_new (NULL);
  c->by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  c->next_id = 1;
  return c;
}

ImpsClock *
imps_clock_new_real (void)
{
  ImpsClock *c = imps_clock_new_virtual (0);
  c->is_virtual = FALSE;
  return c;
}

ImpsClock *
imps_clock_new_skewed (ImpsClock *base, gint64 offset_us)
{
  g_return_val_if_fail (base != NULL, NULL);
  ImpsClock *c = g_new0 (ImpsClock, 1);
  c->ref_count = 1;
  c->is_virtual = base->is_virtual;
  c->offset_us = base->offset_us + offset_us;
  c->base = imps_clock_ref (VIEWED (base));
  return c;
}

gint64
imps_clock_get_skew (ImpsClock *clock)
{
  g_return_val_if_fail (clock != NULL, 0);
  return clock->offset_us;
}

ImpsClock *
imps_clock_ref (ImpsClock *clock)
{
  g_return_val_if_fail (clock != NULL, NULL);
  g_atomic_int_inc (&clock->ref_count);
  return clock;
}

static void
real_timer_destroy (gpointer data)
{
  Timer *t = data;
  g_hash_table_remove (t->clock->by_id, GUINT_TO_POINTER (t->id));
  timer_free (t);
}

void
imps_clock_unref (ImpsClock *clock)
{
  if (clock == NULL || !g_atomic_int_dec_and_test (&clock->ref_count))
    return;
  if (clock->base != NULL)
    {
      imps_clock_unref (clock->base);
      g_free (clock);
      return;
    }

  if (clock->auto_source)
    {
      g_source_destroy (clock->auto_source);
      g_source_unref (clock->auto_source);
    }
  if (clock->is_virtual)
    {
      GSequenceIter *it = g_sequence_get_begin_iter (clock->queue);
      while (!g_sequence_iter_is_end (it))
        {
          timer_free (g_sequence_get (it));
          it = g_sequence_iter_next (it);
        }
    }
  else
    {
      /* Destroying a source runs real_timer_destroy, which edits by_id. */
      GList *timers = g_hash_table_get_values (clock->by_id);
      for (GList *l = timers; l; l = l->next)
        {
          Timer *t = l->data;
          g_source_destroy (t->real_source);
        }
      g_list_free (timers);
    }
  g_sequence_free (clock->queue);
  g_hash_table_unref (clock->by_id);
  g_main_context_unref (clock->context);
  g_free (clock);
}

gboolean
imps_clock_is_virtual (ImpsClock *clock)
{
  return clock->is_virtual;
}

gint64
imps_clock_now_us (ImpsClock *clock)
{
  g_return_val_if_fail (clock != NULL, 0);
  if (clock->base != NULL)
    return imps_clock_now_us (clock->base) + clock->offset_us;
  return clock->is_virtual ? clock->now_us : g_get_real_time ();
}

guint64
imps_clock_now_ntp (ImpsClock *clock)
{
  return imps_ntp_from_unix_us (imps_clock_now_us (clock));
}

static gboolean
real_timer_fire (gpointer data)
{
  Timer *t = data;
  t->clock->fired++;
  t->func (t->data);
  return G_SOURCE_REMOVE;
}

static guint
timeout_add (ImpsClock *clock, gint64 delay_us, gboolean quiet, GSourceFunc func,
             gpointer data, GDestroyNotify notify)
{
  g_return_val_if_fail (clock != NULL && func != NULL, 0);
  clock = VIEWED (clock);

  Timer *t = g_new0 (Timer, 1);
  t->quiet = quiet;
  t->id = clock->next_id++;
  if (clock->next_id == 0)
    clock->next_id = 1;
  t->func = func;
  t->data = data;
  t->notify = notify;
  if (delay_us < 0)
    delay_us = 0;

  if (!clock->is_virtual)
    {
      t->clock = clock;
      t->real_source = g_timeout_source_new ((guint) MIN (delay_us / 1000, G_MAXUINT));
      g_source_set_callback (t->real_source, real_timer_fire, t, real_timer_destroy);
      g_hash_table_insert (clock->by_id, GUINT_TO_POINTER (t->id), t);
      g_source_attach (t->real_source, clock->context);
      g_source_unref (t->real_source);
      return t->id;
    }

  t->due_us = clock->now_us + delay_us;
  t->seq = clock->next_seq++;
  GSequenceIter *it = g_sequence_insert_sorted (clock->queue, t, timer_cmp, NULL);
  g_hash_table_insert (clock->by_id, GUINT_TO_POINTER (t->id), it);
  return t->id;
}

guint
imps_clock_timeout_add (ImpsClock *clock, gint64 delay_us, GSourceFunc func,
                        gpointer data, GDestroyNotify notify)
{
  return timeout_add (clock, delay_us, FALSE, func, data, notify);
}

guint
imps_clock_quiet_timeout_add (ImpsClock *clock, gint64 delay_us, GSourceFunc func,
                              gpointer data, GDestroyNotify notify)
{
  return timeout_add (clock, delay_us, TRUE, func, data, notify);
}

gboolean
imps_clock_timeout_remove (ImpsClock *clock, guint id)
{
  clock = VIEWED (clock);
  gpointer v = g_hash_table_lookup (clock->by_id, GUINT_TO_POINTER (id));
  if (v == NULL)
    return FALSE;
  if (!clock->is_virtual)
    {
      Timer *t = v;
      g_source_destroy (t->real_source); /* runs real_timer_destroy */
      return TRUE;
    }
  GSequenceIter *it = v;
  Timer *t = g_sequence_get (it);
  g_hash_table_remove (clock->by_id, GUINT_TO_POINTER (id));
  g_sequence_remove (it);
  timer_free (t);
  return TRUE;
}

guint
imps_clock_pending_timers (ImpsClock *clock)
{
  clock = VIEWED (clock);
  return g_hash_table_size (clock->by_id);
}

guint64
imps_clock_count_fired (ImpsClock *clock)
{
  clock = VIEWED (clock);
  return clock->fired;
}

/* Runs the earliest timer if it is due at or before @limit_us. */
static gboolean
run_first_due (ImpsClock *clock, gint64 limit_us)
{
  GSequenceIter *it = g_sequence_get_begin_iter (clock->queue);
  if (g_sequence_iter_is_end (it))
    return FALSE;
  Timer *t = g_sequence_get (it);
  if (t->due_us > limit_us)
    return FALSE;
  g_sequence_remove (it);
  g_hash_table_remove (clock->by_id, GUINT_TO_POINTER (t->id));
  if (t->due_us > clock->now_us)
    clock->now_us = t->due_us;
  clock->fired++;
  if (!t->quiet)
    clock->loud_ran = TRUE;
  t->func (t->data);
  timer_free (t);
  return TRUE;
}

void
imps_clock_advance (ImpsClock *clock, gint64 delta_us)
{
  clock = VIEWED (clock);
  g_return_if_fail (clock->is_virtual);
  g_return_if_fail (delta_us >= 0);

  gint64 target = clock->now_us + delta_us;
  while (run_first_due (clock, target))
    ;
  clock->now_us = target;
}

gboolean
imps_clock_advance_to_next (ImpsClock *clock)
{
  clock = VIEWED (clock);
  g_return_val_if_fail (clock->is_virtual, FALSE);

  GSequenceIter *it = g_sequence_get_begin_iter (clock->queue);
  if (g_sequence_iter_is_end (it))
    return FALSE;
  gint64 due = ((Timer *) g_sequence_get (it))->due_us;
  while (run_first_due (clock, due))
    ;
  return TRUE;
}

/* The main loop was idle and nothing is held: run the earliest instant's
 * timers. When only quiet timers ran (they make no source ready and take
 * no hold), the loop would be idle again and come straight back here, so
 * go on to the next instant without that turn, up to a bound that keeps
 * real-time sources (a progress line) served. */
#define QUIET_INSTANTS_MAX 256

static gboolean
auto_advance_cb (gpointer data)
{
  ImpsClock *clock = data;
  for (guint n = 0; n < QUIET_INSTANTS_MAX && clock->holds == 0; n++)
    {
      clock->loud_ran = FALSE;
      if (!imps_clock_advance_to_next (clock) || clock->loud_ran)
        break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
auto_prepare (GSource *source, gint *timeout)
{
  ImpsClock *clock = *(ImpsClock **) (source + 1);
  gboolean ready = clock->holds == 0 && g_sequence_get_length (clock->queue) > 0;
  /* While something is held, wait for I/O; poll again soon in case the
   * hold is released by a source of another context. */
  *timeout = ready ? 0 : (clock->holds > 0 ? 10 : -1);
  return ready;
}

static gboolean
auto_check (GSource *source)
{
  ImpsClock *clock = *(ImpsClock **) (source + 1);
  return clock->holds == 0 && g_sequence_get_length (clock->queue) > 0;
}

static gboolean
auto_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  return callback (user_data);
}

static GSourceFuncs auto_funcs = {
  auto_prepare, auto_check, auto_dispatch, NULL, NULL, NULL,
};

void
imps_clock_set_auto_advance (ImpsClock *clock, gboolean enabled)
{
  clock = VIEWED (clock);
  g_return_if_fail (clock->is_virtual);

  if (enabled && clock->auto_source == NULL)
    {
      GSource *s = g_source_new (&auto_funcs, sizeof (GSource) + sizeof (ImpsClock *));
      *(ImpsClock **) (s + 1) = clock;
      /* Lowest priority: runs only when nothing else is ready. */
      g_source_set_priority (s, G_PRIORITY_LOW);
      g_source_set_callback (s, auto_advance_cb, clock, NULL);
      g_source_set_static_name (s, "impsim virtual clock");
      g_source_attach (s, clock->context);
      clock->auto_source = s;
    }
  else if (!enabled && clock->auto_source != NULL)
    {
      g_source_destroy (clock->auto_source);
      g_source_unref (clock->auto_source);
      clock->auto_source = NULL;
    }
}

void
imps_clock_hold (ImpsClock *clock)
{
  clock = VIEWED (clock);
  clock->holds++;
}

void
imps_clock_release (ImpsClock *clock)
{
  clock = VIEWED (clock);
  g_return_if_fail (clock->holds > 0);
  clock->holds--;
  if (clock->holds == 0 && clock->auto_source)
    g_main_context_wakeup (clock->context);
}
