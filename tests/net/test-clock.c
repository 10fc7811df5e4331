/* The virtual clock: ordering, removal, advance windows, auto-advance on an
 * idle main loop, and holds for operations in flight. */
#include "imps-clock.h"

typedef struct {
  ImpsClock *clock;
  GArray *fired; /* of gint64: the clock's time when each timer ran */
  GArray *tags;  /* of gint */
} Fx;

typedef struct {
  Fx *fx;
  gint tag;
  gint64 chain_delay; /* > 0: add another timer from the callback */
} Arg;

static gboolean
record (gpointer data)
{
  Arg *a = data;
  gint64 now = imps_clock_now_us (a->fx->clock);
  g_array_append_val (a->fx->fired, now);
  g_array_append_val (a->fx->tags, a->tag);
  if (a->chain_delay > 0)
    {
      Arg *next = g_new0 (Arg, 1);
      next->fx = a->fx;
      next->tag = a->tag + 100;
      imps_clock_timeout_add (a->fx->clock, a->chain_delay, record, next, g_free);
    }
  return G_SOURCE_REMOVE;
}

static guint
add (Fx *fx, gint64 delay, gint tag, gint64 chain)
{
  Arg *a = g_new0 (Arg, 1);
  a->fx = fx;
  a->tag = tag;
  a->chain_delay = chain;
  return imps_clock_timeout_add (fx->clock, delay, record, a, g_free);
}

static void
fx_setup (Fx *fx, gconstpointer unused)
{
  fx->clock = imps_clock_new_virtual (1000000);
  fx->fired = g_array_new (FALSE, FALSE, sizeof (gint64));
  fx->tags = g_array_new (FALSE, FALSE, sizeof (gint));
}

static void
fx_teardown (Fx *fx, gconstpointer unused)
{
  imps_clock_unref (fx->clock);
  g_array_unref (fx->fired);
  g_array_unref (fx->tags);
}

static void
test_order_and_window (Fx *fx, gconstpointer unused)
{
  add (fx, 300, 3, 0);
  add (fx, 100, 1, 0);
  add (fx, 200, 2, 50);  /* chains tag 102 at 250 */
  add (fx, 100, 11, 0);  /* same instant as tag 1: runs after it */
  guint late = add (fx, 1000, 9, 0);

  imps_clock_advance (fx->clock, 260);
  g_assert_cmpint (imps_clock_now_us (fx->clock), ==, 1000260);
  g_assert_cmpuint (fx->tags->len, ==, 4);
  gint want_tags[] = { 1, 11, 2, 102 };
  gint64 want_times[] = { 1000100, 1000100, 1000200, 1000250 };
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpint (g_array_index (fx->tags, gint, i), ==, want_tags[i]);
      g_assert_cmpint (g_array_index (fx->fired, gint64, i), ==, want_times[i]);
    }

  g_assert_true (imps_clock_timeout_remove (fx->clock, late));
  g_assert_false (imps_clock_timeout_remove (fx->clock, late));
  g_assert_cmpuint (imps_clock_pending_timers (fx->clock), ==, 1);
  g_assert_true (imps_clock_advance_to_next (fx->clock));
  g_assert_cmpint (imps_clock_now_us (fx->clock), ==, 1000300);
  g_assert_false (imps_clock_advance_to_next (fx->clock));
  g_assert_cmpuint (fx->tags->len, ==, 5);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Two hours of virtual time pass in no real time when the loop is idle. */
static void
test_auto_advance (Fx *fx, gconstpointer unused)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gint64 two_hours = G_GINT64_CONSTANT (7200) * G_USEC_PER_SEC;

  add (fx, 10, 1, 0);
  add (fx, two_hours, 2, 0);
  imps_clock_timeout_add (fx->clock, two_hours + 1, quit_loop, loop, NULL);
  imps_clock_set_auto_advance (fx->clock, TRUE);
  gint64 real_start = g_get_monotonic_time ();
  g_main_loop_run (loop);
  g_assert_cmpuint (fx->tags->len, ==, 2);
  g_assert_cmpint (imps_clock_now_us (fx->clock), ==, 1000000 + two_hours + 1);
  /* Not a timing assertion: only that no real two hours were waited. */
  g_assert_cmpint (g_get_monotonic_time () - real_start, <, two_hours);
}

static gboolean
release_cb (gpointer data)
{
  Fx *fx = data;
  g_assert_cmpuint (fx->tags->len, ==, 0); /* the held clock did not move */
  imps_clock_release (fx->clock);
  return G_SOURCE_REMOVE;
}

static void
test_hold (Fx *fx, gconstpointer unused)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  add (fx, 500, 1, 0);
  imps_clock_timeout_add (fx->clock, 600, quit_loop, loop, NULL);
  imps_clock_hold (fx->clock);
  imps_clock_set_auto_advance (fx->clock, TRUE);
  /* A real-time source stands for a network reply arriving later. */
  g_timeout_add (20, release_cb, fx);
  g_main_loop_run (loop);
  g_assert_cmpuint (fx->tags->len, ==, 1);
  g_assert_cmpint (imps_clock_now_us (fx->clock), ==, 1000600);
}

static guint
add_quiet (Fx *fx, gint64 delay, gint tag)
{
  Arg *a = g_new0 (Arg, 1);
  a->fx = fx;
  a->tag = tag;
  return imps_clock_quiet_timeout_add (fx->clock, delay, record, a, g_free);
}

static gboolean
hold_cb (gpointer data)
{
  imps_clock_hold (data);
  return G_SOURCE_REMOVE;
}

static gboolean
idle_record (gpointer data)
{
  Fx *fx = data;
  gint64 now = imps_clock_now_us (fx->clock);
  gint tag = -1;
  g_array_append_val (fx->fired, now);
  g_array_append_val (fx->tags, tag);
  return G_SOURCE_REMOVE;
}

static gboolean
loud_adds_idle (gpointer data)
{
  g_idle_add (idle_record, data);
  return G_SOURCE_REMOVE;
}

/* Quiet timers (a packet of media) at successive instants run in one turn
 * of the main loop; a timer that is not quiet, or a hold, ends the run at
 * its instant; what a loud timer makes ready (an idle) still runs before
 * the clock moves on. */
static void
test_quiet_run (Fx *fx, gconstpointer unused)
{
  imps_clock_set_auto_advance (fx->clock, TRUE);
  for (gint i = 1; i <= 10; i++)
    add_quiet (fx, i * 1000, i);
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (fx->tags->len, ==, 10);
  g_assert_cmpint (imps_clock_now_us (fx->clock), ==, 1010000);

  /* loud timers: one instant a turn */
  g_array_set_size (fx->tags, 0);
  for (gint i = 1; i <= 3; i++)
    add (fx, i * 1000, i, 0);
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (fx->tags->len, ==, 1);
  while (imps_clock_pending_timers (fx->clock) > 0)
    g_main_context_iteration (NULL, FALSE);

  /* quiet, loud, quiet: the run ends after the loud timer's instant */
  g_array_set_size (fx->tags, 0);
  add_quiet (fx, 1000, 1);
  add (fx, 2000, 2, 0);
  add_quiet (fx, 3000, 3);
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (fx->tags->len, ==, 2);
  g_assert_cmpint (g_array_index (fx->tags, gint, 1), ==, 2);
  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (fx->tags->len, ==, 3);

  /* a quiet timer that (against its word) takes a hold stops the run */
  g_array_set_size (fx->tags, 0);
  imps_clock_quiet_timeout_add (fx->clock, 1000, hold_cb, fx->clock, NULL);
  add_quiet (fx, 2000, 1);
  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (fx->tags->len, ==, 0);
  g_assert_cmpuint (imps_clock_pending_timers (fx->clock), ==, 1);
  imps_clock_release (fx->clock);
  while (imps_clock_pending_timers (fx->clock) > 0)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (fx->tags->len, ==, 1);

  /* an idle made by a loud timer runs at that timer's instant */
  g_array_set_size (fx->tags, 0);
  g_array_set_size (fx->fired, 0);
  gint64 t0 = imps_clock_now_us (fx->clock);
  imps_clock_timeout_add (fx->clock, 1000, loud_adds_idle, fx, NULL);
  add_quiet (fx, 2000, 1);
  add_quiet (fx, 3000, 2);
  while (imps_clock_pending_timers (fx->clock) > 0 || g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (fx->tags->len, ==, 3);
  g_assert_cmpint (g_array_index (fx->tags, gint, 0), ==, -1);
  g_assert_cmpint (g_array_index (fx->fired, gint64, 0), ==, t0 + 1000);
  g_assert_cmpint (g_array_index (fx->fired, gint64, 2), ==, t0 + 3000);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A skewed view reads its base's time plus the offset; its timers, holds
 * and advances are the base's. */
static void
test_skewed (Fx *fx, gconstpointer unused)
{
  g_autoptr (ImpsClock) ahead = imps_clock_new_skewed (fx->clock, 400 * G_USEC_PER_SEC);
  g_autoptr (ImpsClock) behind = imps_clock_new_skewed (ahead, -700 * G_USEC_PER_SEC);
  gint64 base = imps_clock_now_us (fx->clock);
  g_assert_cmpint (imps_clock_now_us (ahead), ==, base + 400 * G_USEC_PER_SEC);
  g_assert_cmpint (imps_clock_now_us (behind), ==, base - 300 * G_USEC_PER_SEC);
  g_assert_cmpint (imps_clock_get_skew (ahead), ==, 400 * G_USEC_PER_SEC);
  g_assert_cmpint (imps_clock_get_skew (behind), ==, -300 * G_USEC_PER_SEC);
  g_assert_cmpint (imps_clock_get_skew (fx->clock), ==, 0);
  g_assert_cmpuint (imps_clock_now_ntp (ahead) >> 32, ==,
                    (imps_clock_now_ntp (fx->clock) >> 32) + 400);
  g_assert_true (imps_clock_is_virtual (ahead));

  /* a timer on the view runs after the same delay, on the base's queue */
  gboolean fired = FALSE;
  imps_clock_timeout_add (behind, 5 * G_USEC_PER_SEC, set_flag, &fired, NULL);
  g_assert_cmpuint (imps_clock_pending_timers (fx->clock), ==, 1);
  imps_clock_advance (fx->clock, 4 * G_USEC_PER_SEC);
  g_assert_false (fired);
  imps_clock_advance (ahead, 1 * G_USEC_PER_SEC);
  g_assert_true (fired);
  g_assert_cmpint (imps_clock_now_us (fx->clock), ==, base + 5 * G_USEC_PER_SEC);
  g_assert_cmpint (imps_clock_now_us (ahead), ==, base + 405 * G_USEC_PER_SEC);

  /* a timer removed through the view is gone from the base */
  fired = FALSE;
  guint id = imps_clock_timeout_add (ahead, G_USEC_PER_SEC, set_flag, &fired, NULL);
  g_assert_true (imps_clock_timeout_remove (ahead, id));
  g_assert_cmpuint (imps_clock_pending_timers (fx->clock), ==, 0);

  /* a hold through the view holds the base */
  imps_clock_hold (ahead);
  imps_clock_release (fx->clock);
}

static void
test_real_clock (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_real ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gint64 before = g_get_real_time ();

  g_assert_false (imps_clock_is_virtual (clock));
  g_assert_cmpint (imps_clock_now_us (clock), >=, before);
  imps_clock_timeout_add (clock, 1000, quit_loop, loop, NULL);
  guint never = imps_clock_timeout_add (clock, 10 * G_USEC_PER_SEC, quit_loop, loop, NULL);
  g_main_loop_run (loop);
  g_assert_cmpuint (imps_clock_pending_timers (clock), ==, 1);
  g_assert_true (imps_clock_timeout_remove (clock, never));
  g_assert_cmpuint (imps_clock_pending_timers (clock), ==, 0);
}

/* NTP epoch offset: 1970-01-01 is 2208988800 s after 1900-01-01 (RFC 5905). */
static void
test_ntp (void)
{
  g_assert_cmphex (imps_ntp_from_unix_us (0), ==, G_GUINT64_CONSTANT (0x83aa7e8000000000));
  g_assert_cmphex (imps_ntp_from_unix_us (500000), ==, G_GUINT64_CONSTANT (0x83aa7e8080000000));
  gint64 samples[] = { 0, 1, 999999, 1700000000123456, -1 };
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    g_assert_cmpint (imps_unix_us_from_ntp (imps_ntp_from_unix_us (samples[i])), ==, samples[i]);
  g_autoptr (ImpsClock) c = imps_clock_new_virtual (0);
  g_assert_cmphex (imps_clock_now_ntp (c) >> 32, ==, 2208988800u);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/clock/order-and-window", Fx, NULL, fx_setup, test_order_and_window, fx_teardown);
  g_test_add ("/clock/auto-advance", Fx, NULL, fx_setup, test_auto_advance, fx_teardown);
  g_test_add ("/clock/hold", Fx, NULL, fx_setup, test_hold, fx_teardown);
  g_test_add ("/clock/quiet-run", Fx, NULL, fx_setup, test_quiet_run, fx_teardown);
  g_test_add ("/clock/skewed", Fx, NULL, fx_setup, test_skewed, fx_teardown);
  g_test_add_func ("/clock/real", test_real_clock);
  g_test_add_func ("/clock/ntp", test_ntp);
  return g_test_run ();
}
