#include "imps-event-log.h"

#include "imps-secret.h"

#include <string.h>

typedef struct {
  guint id;
  ImpsEventListener fn;
  gpointer user_data;
} Listener;

/* The events are kept in a ring of ring_size slots when ring_size > 0
 * (serve), all of them otherwise (run). */
struct _ImpsEventLog {
  GPtrArray *events; /* of ImpsEvent*, owned; a circular buffer when ring_size > 0 */
  guint64 total;     /* events ever added */
  guint ring_size;   /* 0: keep every event */
  GArray *listeners; /* of Listener */
  guint next_listener_id;
  gboolean drop_bytes; /* entries keep the size of their message, not its bytes */
  /* Node and peer names and stream names of the entries, each kept once
   * (a run of 10,000 UEs names the same nodes and connections in millions
   * of entries). Only while every event is kept: a ring (serve) sees
   * outside peers' names without end. */
  GHashTable *names;
  gboolean forgets;    /* imps_event_log_forget_before() was called: streams stay out of
                        * the pool, since their entries will not stay */
};

/* The entries' strings are the log's: from, to and stream in the name pool
 * while it is on, else their own (stream in the entry's block); summary and
 * detail in the entry's own block, after the ImpsEvent (one allocation an
 * entry). */
static void
event_free_owned (ImpsEvent *e, gboolean pooled)
{
  if (e == NULL)
    return;
  if (!pooled)
    {
      g_free ((gchar *) e->from);
      g_free ((gchar *) e->to);
    }
  if (e->bytes)
    g_bytes_unref (e->bytes);
  g_free (e);
}

static void
event_free (gpointer p)
{
  event_free_owned (p, FALSE);
}

static void
event_free_pooled (gpointer p)
{
  event_free_owned (p, TRUE);
}

/* The copy's bytes follow its length in one block. */
typedef struct {
  gsize len;
  guint8 data[];
} Copy;

static void
wipe_free (gpointer p)
{
  Copy *c = p;
  imps_wipe (c->data, c->len);
  g_free (c);
}

/* A private copy of a message's bytes that is wiped when the last
 * reference goes (messages such as MAA and BIA carry keys): one block for
 * the bytes and one for the GBytes. */
static GBytes *
wiped_copy (GBytes *bytes)
{
  gsize len;
  gconstpointer d = g_bytes_get_data (bytes, &len);
  Copy *c = g_malloc (sizeof (Copy) + len);
  c->len = len;
  if (len > 0)
    memcpy (c->data, d, len);
  return g_bytes_new_with_free_func (c->data, len, wipe_free, c);
}

static const gchar *
pooled_name (ImpsEventLog *log, const gchar *name)
{
  if (name == NULL)
    return NULL;
  if (log->names == NULL)
    return g_strdup (name);
  gchar *kept = g_hash_table_lookup (log->names, name);
  if (kept == NULL)
    {
      kept = g_strdup (name);
      g_hash_table_add (log->names, kept);
    }
  return kept;
}

ImpsEventLog *
imps_event_log_new (void)
{
  ImpsEventLog *log = g_new0 (ImpsEventLog, 1);
  log->events = g_ptr_array_new_with_free_func (event_free_pooled);
  log->listeners = g_array_new (FALSE, FALSE, sizeof (Listener));
  log->next_listener_id = 1;
  log->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return log;
}

void
imps_event_log_free (ImpsEventLog *log)
{
  if (log == NULL)
    return;
  g_ptr_array_unref (log->events);
  g_array_unref (log->listeners);
  if (log->names)
    g_hash_table_unref (log->names);
  g_free (log);
}

void
imps_event_log_set_keep_bytes (ImpsEventLog *log, gboolean keep)
{
  g_return_if_fail (log != NULL);
  log->drop_bytes = !keep;
}

const ImpsEvent *
imps_event_log_add (ImpsEventLog *log, gint64 time_us, ImpsEventKind kind,
                    ImpsRefPoint ref, ImpsProtocol proto, const gchar *from,
                    const gchar *to, const gchar *summary, const gchar *detail,
                    GBytes *bytes, const gchar *stream)
{
  g_return_val_if_fail (log != NULL, NULL);
  g_return_val_if_fail (from != NULL && summary != NULL, NULL);

  /* A stream names a connection or a media stream, which many entries
   * share: in the name pool while it is on, else in the entry's block. */
  gboolean pool_stream = log->names != NULL && !log->forgets;
  gsize ls = strlen (summary) + 1;
  gsize ld = detail ? strlen (detail) + 1 : 0;
  gsize lt = stream && !pool_stream ? strlen (stream) + 1 : 0;
  ImpsEvent *e = g_malloc0 (sizeof (ImpsEvent) + ls + ld + lt);
  gchar *text = (gchar *) (e + 1);
  e->summary = memcpy (text, summary, ls);
  e->detail = detail ? memcpy (text + ls, detail, ld) : NULL;
  if (stream)
    e->stream = pool_stream ? (gchar *) pooled_name (log, stream)
                            : memcpy (text + ls + ld, stream, lt);
  e->seq = log->total++;
  e->time_us = time_us;
  e->kind = kind;
  e->ref = ref;
  e->proto = proto;
  e->from = pooled_name (log, from);
  e->to = pooled_name (log, to);
  e->size = bytes ? g_bytes_get_size (bytes) : 0;
  /* When the entry will not keep the bytes, the listeners see the
   * caller's (which stay the caller's to wipe): no copy. */
  if (bytes != NULL)
    e->bytes = log->drop_bytes ? g_bytes_ref (bytes) : wiped_copy (bytes);
  if (log->ring_size == 0 || log->events->len < log->ring_size)
    g_ptr_array_add (log->events, e);
  else
    {
      /* the oldest goes */
      gpointer *slot = &g_ptr_array_index (log->events, e->seq % log->ring_size);
      event_free (*slot);
      *slot = e;
    }

  for (guint i = 0; i < log->listeners->len; i++)
    {
      Listener *l = &g_array_index (log->listeners, Listener, i);
      l->fn (log, e, l->user_data);
    }
  /* The listeners (a live capture, a ladder as it happens) had the bytes;
   * the entry keeps the summary and the size. */
  if (log->drop_bytes)
    g_clear_pointer (&e->bytes, g_bytes_unref);
  return e;
}

void
imps_event_log_set_ring (ImpsEventLog *log, guint size)
{
  g_return_if_fail (log->ring_size == 0);
  if (size == 0)
    return;
  /* keep the last @size events, each in slot seq % size */
  guint64 first = log->total > size ? log->total - size : 0;
  GPtrArray *ring = g_ptr_array_new_with_free_func (event_free);

  g_ptr_array_set_size (ring, (guint) MIN (log->total, (guint64) size));
  for (guint i = 0; i < log->events->len; i++)
    {
      ImpsEvent *e = g_ptr_array_index (log->events, i);
      if (e->seq < first)
        continue;
      /* The ring's entries own their names: the pool is for runs that
       * keep everything. The stream moves into the entry's block. */
      e->from = g_strdup (e->from);
      e->to = g_strdup (e->to);
      if (e->stream)
        {
          gsize ls = strlen (e->summary) + 1;
          gsize ld = e->detail ? strlen (e->detail) + 1 : 0;
          gsize lt = strlen (e->stream) + 1;
          const gchar *pooled = e->stream;
          e = g_realloc (e, sizeof (ImpsEvent) + ls + ld + lt);
          e->summary = (gchar *) (e + 1);
          e->detail = ld ? e->summary + ls : NULL;
          e->stream = memcpy (e->summary + ls + ld, pooled, lt);
        }
      g_ptr_array_index (ring, e->seq % size) = e;
      g_ptr_array_index (log->events, i) = NULL;
    }
  g_ptr_array_unref (log->events);
  g_clear_pointer (&log->names, g_hash_table_unref);
  log->events = ring;
  log->ring_size = size;
}

void
imps_event_log_forget_before (ImpsEventLog *log, guint index)
{
  g_return_if_fail (log != NULL);
  if (log->ring_size > 0)
    return;
  log->forgets = TRUE;
  /* Without a ring the array holds the entries [first, total) in order. */
  guint first = imps_event_log_first (log);
  index = (guint) MIN ((guint64) index, log->total);
  if (index > first)
    g_ptr_array_remove_range (log->events, 0, index - first);
}

guint
imps_event_log_len (ImpsEventLog *log)
{
  return (guint) log->total;
}

guint
imps_event_log_first (ImpsEventLog *log)
{
  return (guint) (log->total - log->events->len);
}

const ImpsEvent *
imps_event_log_get (ImpsEventLog *log, guint index)
{
  g_return_val_if_fail (index < log->total, NULL);
  if (index < imps_event_log_first (log))
    return NULL;
  if (log->ring_size == 0)
    return g_ptr_array_index (log->events, index - imps_event_log_first (log));
  if (index < imps_event_log_first (log))
    return NULL;
  return g_ptr_array_index (log->events, index % log->ring_size);
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
