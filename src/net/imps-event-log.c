#include "imps-event-log.h"

typedef struct {
  guint id;
  ImpsEventListener fn;
  gpointer user_data;
} Listener;

struct _ImpsEventLog {
  GPtrArray *events; /* of ImpsEvent*, owned */
  GArray *listeners; /* of Listener */
  guint next_listener_id;
};

static void
event_free (gpointer p)
{
  ImpsEvent *e = p;
  g_free (e->summary);
  g_free (e->detail);
  g_free (e->stream);
  if (e->bytes)
    g_bytes_unref (e->bytes);
  g_free (e);
}

ImpsEventLog *
imps_event_log_new (void)
{
  ImpsEventLog *log = g_new0 (ImpsEventLog, 1);
  log->events = g_ptr_array_new_with_free_func (event_free);
  log->listeners = g_array_new (FALSE, FALSE, sizeof (Listener));
  log->next_listener_id = 1;
  return log;
}

void
imps_event_log_free (ImpsEventLog *log)
{
  if (log == NULL)
    return;
  g_ptr_array_unref (log->events);
  g_array_unref (log->listeners);
  g_free (log);
}

const ImpsEvent *
imps_event_log_add (ImpsEventLog *log, gint64 time_us, ImpsEventKind kind,
                    ImpsRefPoint ref, ImpsProtocol proto, const gchar *from,
                    const gchar *to, const gchar *summary, const gchar *detail,
                    GBytes *bytes, const gchar *stream)
{
  g_return_val_if_fail (log != NULL, NULL);
  g_return_val_if_fail (from != NULL && summary != NULL, NULL);

  ImpsEvent *e = g_new0 (ImpsEvent, 1);
  e->seq = log->events->len;
  e->time_us = time_us;
  e->kind = kind;
  e->ref = ref;
  e->proto = proto;
  e->from = g_intern_string (from);
  e->to = to ? g_intern_string (to) : NULL;
  e->summary = g_strdup (summary);
  e->detail = g_strdup (detail);
  e->bytes = bytes ? g_bytes_ref (bytes) : NULL;
  e->stream = g_strdup (stream);
  g_ptr_array_add (log->events, e);

  for (guint i = 0; i < log->listeners->len; i++)
    {
      Listener *l = &g_array_index (log->listeners, Listener, i);
      l->fn (log, e, l->user_data);
    }
  return e;
}

guint
imps_event_log_len (ImpsEventLog *log)
{
  return log->events->len;
}

const ImpsEvent *
imps_event_log_get (ImpsEventLog *log, guint index)
{
  g_return_val_if_fail (index < log->events->len, NULL);
  return g_ptr_array_index (log->events, index);
}

guint
imps_event_log_add_listener (ImpsEventLog *log, ImpsEventListener fn,
                             gpointer user_data)
{
  Listener l = { log->next_listener_id++, fn, user_data };
  g_array_append_val (log->listeners, l);
  return l.id;
}

void
imps_event_log_remove_listener (ImpsEventLog *log, guint id)
{
  for (guint i = 0; i < log->listeners->len; i++)
    if (g_array_index (log->listeners, Listener, i).id == id)
      {
        g_array_remove_index (log->listeners, i);
        return;
      }
}

const gchar *
imps_ref_point_name (ImpsRefPoint ref)
{
  static const gchar *names[] = { "-", "Ub", "Zh", "Zn", "Ua", "Zk", "Gm", "Mw", "media" };
  g_return_val_if_fail ((guint) ref < G_N_ELEMENTS (names), "?");
  return names[ref];
}

const gchar *
imps_protocol_name (ImpsProtocol proto)
{
  static const gchar *names[] = { "-", "HTTP", "Diameter", "SIP", "RTP", "RTCP" };
  g_return_val_if_fail ((guint) proto < G_N_ELEMENTS (names), "?");
  return names[proto];
}

const gchar *
imps_event_kind_name (ImpsEventKind kind)
{
  static const gchar *names[] = { "message", "note", "refusal", "failure" };
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (names), "?");
  return names[kind];
}
