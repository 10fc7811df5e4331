/* Idle bounds with one timer a list: see imps-idle.h. */
#include "imps-idle.h"

#include "imps-source.h"

struct _ImpsIdleList {
  gint64 timeout_us;
  ImpsIdleExpired expired;
  gpointer user_data;
  GQueue entries;        /* ImpsIdleEntry links, least recently active first */
  GSource *timer;        /* at the first entry's deadline; NULL when the list is empty */
  GMainContext *context;
  gboolean dispatching;
  gboolean freed;        /* freed by an expiry callback: the dispatch finishes the job */
};

static void
list_destroy (ImpsIdleList *l)
{
  for (GList *i = l->entries.head; i != NULL; i = i->next)
    i->data = NULL;
  imps_source_drop (&l->timer);
  g_main_context_unref (l->context);
  g_free (l);
}

typedef struct {
  GSource base;
  ImpsIdleList *list;
} Timer;

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  ImpsIdleList *l = ((Timer *) source)->list;
  gint64 now = g_get_monotonic_time ();
  l->dispatching = TRUE;
  GList *head;
  while ((head = g_queue_peek_head_link (&l->entries)) != NULL)
    {
      ImpsIdleEntry *e = (ImpsIdleEntry *) head;
      if (e->active_us + l->timeout_us > now)
        break;
      gpointer owner = e->link.data;
      g_queue_unlink (&l->entries, &e->link);
      e->link.data = NULL;
      /* may touch @e again (its deadline is then after now), free it, or
       * free what owns the list */
      l->expired (e, owner, l->user_data);
      if (l->freed)
        {
          g_clear_pointer (&l->timer, g_source_unref);
          list_destroy (l);
          return G_SOURCE_REMOVE;
        }
    }
  l->dispatching = FALSE;
  head = g_queue_peek_head_link (&l->entries);
  if (head == NULL)
    {
      /* nothing to bound: the timer goes (made again by the next touch) */
      g_clear_pointer (&l->timer, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  /* from its own dispatch: the source is blocked, no wake-up */
  g_source_set_ready_time (source, ((ImpsIdleEntry *) head)->active_us + l->timeout_us);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = { NULL, NULL, timer_dispatch, NULL, NULL, NULL };

ImpsIdleList *
imps_idle_list_new (GMainContext *context, guint timeout_s, ImpsIdleExpired expired,
                    gpointer user_data)
{
  g_return_val_if_fail (timeout_s > 0 && expired != NULL, NULL);
  ImpsIdleList *l = g_new0 (ImpsIdleList, 1);
  l->timeout_us = (gint64) timeout_s * G_USEC_PER_SEC;
  l->expired = expired;
  l->user_data = user_data;
  g_queue_init (&l->entries);
  l->context = g_main_context_ref (context ? context : g_main_context_default ());
  return l;
}

void
imps_idle_list_free (ImpsIdleList *l)
{
  if (l == NULL)
    return;
  if (l->dispatching)
    {
      /* inside an expiry callback: the dispatch frees the list after it */
      l->freed = TRUE;
      return;
    }
  list_destroy (l);
}

void
imps_idle_list_touch (ImpsIdleList *l, ImpsIdleEntry *e, gpointer owner)
{
  g_return_if_fail (owner != NULL);
  e->active_us = g_get_monotonic_time ();
  if (e->link.data != NULL)
    g_queue_unlink (&l->entries, &e->link);
  e->link.data = owner;
  g_queue_push_tail_link (&l->entries, &e->link);
  if (l->timer == NULL)
    {
      /* Attached with its ready time already set, from the context's own
       * thread: no wake-up either. */
      l->timer = g_source_new (&timer_funcs, sizeof (Timer));
      ((Timer *) l->timer)->list = l;
      g_source_set_name (l->timer, "impsim idle bound");
      g_source_set_ready_time (l->timer, e->active_us + l->timeout_us);
      g_source_attach (l->timer, l->context);
    }
}

void
imps_idle_list_remove (ImpsIdleList *l, ImpsIdleEntry *e)
{
  if (e->link.data == NULL)
    return;
  g_queue_unlink (&l->entries, &e->link);
  e->link.data = NULL;
  /* An empty list keeps no timer (destroying one without descriptors
   * wakes nothing); during the timer's dispatch, the dispatch decides. */
  if (l->entries.length == 0 && !l->dispatching)
    imps_source_drop (&l->timer);
}

guint
imps_idle_list_length (ImpsIdleList *l)
{
  return l->entries.length;
}
