/* Idle lists (imps-idle.c): entries expire in the order of their last
 * activity, a touch starts an entry's bound again, a removed entry never
 * expires, an expiry callback may keep its entry or free the list, and an
 * empty list keeps no timer. The lists run on the wall clock with a 1 s
 * timeout; the tests assert orders and counts, never durations. */
#include "imps-idle.h"

typedef struct {
  ImpsIdleEntry entry;
  gchar name;
  guint keep;          /* expiries to survive by touching again */
} Item;

typedef struct {
  ImpsIdleList *list;
  GString *order;      /* the names of the entries as they expired */
  guint want;          /* expiries after which the loop stops */
  GMainLoop *loop;
  gboolean free_list;  /* the callback frees the list at the first expiry */
} Fx;

static void
expired (ImpsIdleEntry *entry, gpointer owner, gpointer data)
{
  Fx *fx = data;
  Item *it = owner;
  g_assert_true ((gpointer) entry == (gpointer) &it->entry);
  g_assert_null (entry->link.data);
  g_string_append_c (fx->order, it->name);
  if (it->keep > 0)
    {
      it->keep--;
      imps_idle_list_touch (fx->list, &it->entry, it);
    }
  if (fx->free_list)
    {
      imps_idle_list_free (fx->list);
      fx->list = NULL;
    }
  if (fx->order->len == fx->want)
    g_main_loop_quit (fx->loop);
}

static gboolean
stop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
fx_init (Fx *fx, guint want)
{
  fx->list = imps_idle_list_new (NULL, 1, expired, fx);
  fx->order = g_string_new (NULL);
  fx->want = want;
  fx->loop = g_main_loop_new (NULL, FALSE);
}

static void
fx_clear (Fx *fx)
{
  imps_idle_list_free (fx->list);
  g_string_free (fx->order, TRUE);
  g_main_loop_unref (fx->loop);
}

/* A, B, C, D, E touched in that order, D removed, A touched again (its
 * bound starts again, after the others'): B, C, E, then A expire, in
 * the order of their last touch; D never does; E survives its first
 * expiry by touching itself again and expires last. The order does not
 * depend on how fast the machine runs the loop. */
static void
test_order (void)
{
  Fx fx = { 0 };
  fx_init (&fx, 5);
  Item a = { .name = 'A' }, b = { .name = 'B' }, c = { .name = 'C' }, d = { .name = 'D' },
       e = { .name = 'E', .keep = 1 };
  imps_idle_list_touch (fx.list, &a.entry, &a);
  imps_idle_list_touch (fx.list, &b.entry, &b);
  imps_idle_list_touch (fx.list, &c.entry, &c);
  imps_idle_list_touch (fx.list, &d.entry, &d);
  imps_idle_list_touch (fx.list, &e.entry, &e);
  g_assert_cmpuint (imps_idle_list_length (fx.list), ==, 5);
  imps_idle_list_remove (fx.list, &d.entry);
  imps_idle_list_remove (fx.list, &d.entry);  /* twice: nothing */
  g_assert_null (d.entry.link.data);
  g_assert_cmpuint (imps_idle_list_length (fx.list), ==, 4);
  gint64 first = a.entry.active_us;
  imps_idle_list_touch (fx.list, &a.entry, &a);
  g_assert_cmpint (a.entry.active_us, >=, first);
  g_assert_cmpuint (imps_idle_list_length (fx.list), ==, 4);
  guint guard = g_timeout_add_seconds (20, stop_cb, fx.loop);
  g_main_loop_run (fx.loop);
  g_source_remove (guard);
  g_assert_cmpstr (fx.order->str, ==, "BCEAE");
  g_assert_cmpuint (imps_idle_list_length (fx.list), ==, 0);
  /* the empty list's timer is gone: the context has nothing left to run */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (g_main_context_pending (NULL));
  fx_clear (&fx);
}

/* The callback frees the list (as a client freed by its exchange's
 * failure does): the dispatch stops there and frees nothing twice (ASan
 * checks). */
static void
test_free_in_callback (void)
{
  Fx fx = { 0 };
  fx_init (&fx, 1);
  fx.free_list = TRUE;
  Item a = { .name = 'A' }, b = { .name = 'B' };
  imps_idle_list_touch (fx.list, &a.entry, &a);
  imps_idle_list_touch (fx.list, &b.entry, &b);
  guint guard = g_timeout_add_seconds (20, stop_cb, fx.loop);
  g_main_loop_run (fx.loop);
  g_source_remove (guard);
  g_assert_null (fx.list);
  /* A expired; B was forgotten with the list, before its deadline or at it */
  g_assert_cmpstr (fx.order->str, ==, "A");
  g_assert_null (b.entry.link.data);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpstr (fx.order->str, ==, "A");
  fx_clear (&fx);
}

static void
expired_count (ImpsIdleEntry *entry, gpointer owner, gpointer data)
{
  (*(guint *) data)++;
}

/* A list's timer runs on the context it was made for (the one the
 * sources of what it bounds run on), not on the default one. */
static void
test_context (void)
{
  GMainContext *ctx = g_main_context_new ();
  guint n = 0;
  ImpsIdleList *l = imps_idle_list_new (ctx, 1, expired_count, &n);
  Item a = { .name = 'A' };
  imps_idle_list_touch (l, &a.entry, &a);
  /* past the deadline on the default context: nothing there to run */
  gint64 until = g_get_monotonic_time () + 1500 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (imps_idle_list_length (l), ==, 1);
  /* its own context runs it */
  while (n == 0)
    g_main_context_iteration (ctx, TRUE);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (imps_idle_list_length (l), ==, 0);
  imps_idle_list_free (l);
  g_main_context_unref (ctx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/idle/order", test_order);
  g_test_add_func ("/idle/free-in-callback", test_free_in_callback);
  g_test_add_func ("/idle/context", test_context);
  return g_test_run ();
}
