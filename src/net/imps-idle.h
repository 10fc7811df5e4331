/* Idle bounds for many connections with one timer: the entries of a list
 * share one timeout, so ordered by their last activity they are in
 * deadline order, and one timer at the first entry's deadline serves them
 * all. Activity moves an entry to the end of the list (no system call, no
 * change to any GSource); only the timer's own dispatch moves its ready
 * time, which does not wake the main loop.
 *
 * This replaces GSocket's timeout, whose source moves its ready time at
 * every dispatch: a write to GLib's wake-up eventfd and one more turn of
 * the main loop for every read or write on every connection. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpsIdleList ImpsIdleList;

/* Embedded in what the list bounds (a connection, an exchange). */
typedef struct {
  GList link;          /* link.data is the owner while listed, NULL otherwise */
  gint64 active_us;    /* monotonic time of the last activity */
} ImpsIdleEntry;

/* @entry has had no activity for the list's timeout; it is already off
 * the list. The callback may touch it again (to keep it), or close what it
 * belongs to (and may free it). */
typedef void (*ImpsIdleExpired) (ImpsIdleEntry *entry, gpointer owner, gpointer user_data);

/* A list whose entries expire after @timeout_s seconds without activity,
 * with its timer on @context (NULL: the global default context), the one
 * the sources of what it bounds run on. */
ImpsIdleList *imps_idle_list_new (GMainContext *context, guint timeout_s, ImpsIdleExpired expired,
                                  gpointer user_data);
/* The entries are forgotten (none expires). */
void imps_idle_list_free (ImpsIdleList *list);

/* Activity on @entry (owned by @owner): its deadline starts again; listed
 * if it was not. */
void imps_idle_list_touch (ImpsIdleList *list, ImpsIdleEntry *entry, gpointer owner);
/* @entry leaves the list (nothing when it is not on it). */
void imps_idle_list_remove (ImpsIdleList *list, ImpsIdleEntry *entry);
guint imps_idle_list_length (ImpsIdleList *list);

G_END_DECLS
