/* The SQLite stores of the HSS, BSF and KMS open the same way: a file
 * (created 0600, WAL mode) or memory, secure_delete on, and a boot counter
 * that tells each start of a node from the ones before it. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "imps-random.h"

G_BEGIN_DECLS

/* Opens the store at @path (NULL: memory) for @what ("HSS store", used in
 * errors, set in @domain/@code). A file is created 0600 (an existing one,
 * with its -wal and -shm files, is tightened to 0600) and put in WAL mode.
 * Every store has secure_delete on: pages freed by a DELETE or UPDATE are
 * zeroed, so removed keys do not stay in the file.
 *
 * The boot counter (table boot) is incremented and committed before this
 * returns: *@generation is 1 for a new store (and always for memory), N
 * for its N-th start. */
sqlite3 *imps_store_open (const gchar *path, const gchar *what, GQuark domain, gint code,
                          guint64 *generation, GError **error);

/* Gives a node a random stream of its own for this start: from the
 * second start of a store on (@generation > 1), *@random is replaced by a
 * stream derived from it and the generation, so a node restarted with the
 * same seed never draws the bytes (RANDs, B-TIDs, keys) it drew before.
 * The first start keeps the node's stream as it is, so runs without kept
 * state repeat byte for byte. */
void imps_store_random_for_boot (ImpsRandom **random, guint64 generation);

G_END_DECLS
