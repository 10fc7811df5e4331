/* The BSF's bootstrapping store: sessions in a hash table for lookups and,
 * with a state path, in SQLite (a WAL file) so that a restart keeps them.
 * Without a state path nothing would ever read a database back, so there
 * is none: the sessions live in memory only. */
#include "imps-bsf-private.h"
#include "imps-secret.h"
#include "imps-store.h"

#include <string.h>

void
imps_bsf_session_free (ImpsBsfSession *s)
{
  if (s == NULL)
    return;
  if (s->peers)
    g_ptr_array_remove_fast (s->peers, s);
  g_free (s->btid);
  g_free (s->impi);
  g_free (s->guss);
  imps_wipe (s, sizeof *s);
  g_free (s);
}

/* @s goes into bsf->sessions: it joins its IMPI's list. */
static void
session_index (ImpsBsf *bsf, ImpsBsfSession *s)
{
  GPtrArray *peers = g_hash_table_lookup (bsf->by_impi, s->impi);
  if (peers == NULL)
    {
      peers = g_ptr_array_new ();
      g_hash_table_insert (bsf->by_impi, g_strdup (s->impi), peers);
    }
  g_ptr_array_add (peers, s);
  s->peers = peers;
}

static void
session_store (ImpsBsf *bsf, ImpsBsfSession *s)
{
  session_index (bsf, s);
  g_hash_table_replace (bsf->sessions, s->btid, s);
}

static gboolean
store_fail (sqlite3 *db, const gchar *what, GError **error)
{
  g_set_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_STORE, "BSF store: %s: %s", what,
               db ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

static gboolean
store_exec (sqlite3 *db, const gchar *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_STORE, "BSF store: %s",
                   msg ? msg : "failed");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Reads the sessions a previous run kept; rows that are not what this
 * code writes are skipped with a note (the file is outside input). */
static gboolean
store_load (ImpsBsf *bsf, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (bsf->db, "SELECT btid, impi, rand, ks, created, expiry, guss FROM session",
                          -1, &st, NULL) != SQLITE_OK)
    return store_fail (bsf->db, "prepare", error);
  int rc;
  guint skipped = 0;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const guchar *btid = sqlite3_column_text (st, 0);
      const guchar *impi = sqlite3_column_text (st, 1);
      const void *rand = sqlite3_column_blob (st, 2);
      int rand_len = sqlite3_column_bytes (st, 2);
      const void *ks = sqlite3_column_blob (st, 3);
      int ks_len = sqlite3_column_bytes (st, 3);
      if (btid == NULL || impi == NULL || rand == NULL || ks == NULL
          || rand_len != IMPS_GBA_RAND_LEN || ks_len != IMPS_GBA_KEY_LEN
          || !imps_gba_btid_check ((const gchar *) btid, strlen ((const gchar *) btid), NULL))
        {
          skipped++;
          continue;
        }
      ImpsBsfSession *s = g_new0 (ImpsBsfSession, 1);
      s->btid = g_strdup ((const gchar *) btid);
      s->impi = g_strdup ((const gchar *) impi);
      memcpy (s->rand, rand, IMPS_GBA_RAND_LEN);
      memcpy (s->ks.bytes, ks, IMPS_GBA_KEY_LEN);
      s->created = sqlite3_column_int64 (st, 4);
      s->expiry = sqlite3_column_int64 (st, 5);
      const guchar *guss = sqlite3_column_text (st, 6);
      if (guss != NULL && strlen ((const gchar *) guss) <= IMPS_DIAMETER_MAX_GUSS)
        s->guss = g_strdup ((const gchar *) guss);
      session_store (bsf, s);
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (bsf->db, "load sessions", error);
  if (skipped)
    {
      g_autofree gchar *why = g_strdup_printf ("%u rows of the state file are not sessions "
                                               "(wrong sizes or B-TID form)", skipped);
      imps_bsf_note (bsf, IMPS_EVENT_FAILURE, why, "state rows skipped");
    }
  return TRUE;
}

gboolean
imps_bsf_store_open (ImpsBsf *bsf, const gchar *state_path, GError **error)
{
  /* Ks is kept because Zn needs it: the file is 0600 and SQLite's freed
   * pages are zeroed. A restart draws from a stream of its own. */
  guint64 generation = 0;
  if (state_path == NULL)
    return TRUE;
  bsf->db = imps_store_open (state_path, "BSF store", IMPS_BSF_ERROR, IMPS_BSF_ERROR_STORE,
                             &generation, error);
  if (bsf->db == NULL)
    return FALSE;
  imps_store_random_for_boot (&bsf->random, generation);
  if (!store_exec (bsf->db,
                      "CREATE TABLE IF NOT EXISTS session ("
                      " btid TEXT PRIMARY KEY, impi TEXT NOT NULL, rand BLOB NOT NULL,"
                      " ks BLOB NOT NULL, created INTEGER NOT NULL, expiry INTEGER NOT NULL,"
                      " guss TEXT)",
                      error))
    return FALSE;
  /* a state file of an older version has no guss column: add it (the
   * error for a file that has one is expected and ignored) */
  sqlite3_exec (bsf->db, "ALTER TABLE session ADD COLUMN guss TEXT", NULL, NULL, NULL);
  return store_load (bsf, error);
}

void
imps_bsf_store_close (ImpsBsf *bsf)
{
  g_clear_pointer (&bsf->st_save, sqlite3_finalize);
  g_clear_pointer (&bsf->st_drop, sqlite3_finalize);
  if (bsf->db)
    sqlite3_close (bsf->db);
  bsf->db = NULL;
}

/* TRUE when @a should go before @b: it expires first (then: it was made
 * first, then: its B-TID sorts first, so that the choice is the same on
 * every run). */
static gboolean
session_older (const ImpsBsfSession *a, const ImpsBsfSession *b)
{
  if (a->expiry != b->expiry)
    return a->expiry < b->expiry;
  if (a->created != b->created)
    return a->created < b->created;
  return strcmp (a->btid, b->btid) < 0;
}

/* Makes room for one more session of @impi: while it has
 * IMPS_BSF_MAX_SESSIONS_PER_IMPI or more, the one that expires first
 * goes (from memory and the database). A client that bootstraps in a loop
 * then holds a bounded number of sessions instead of one per bootstrap
 * for the whole key lifetime. */
static void
store_make_room (ImpsBsf *bsf, const gchar *impi)
{
  for (;;)
    {
      GPtrArray *peers = g_hash_table_lookup (bsf->by_impi, impi);
      guint n = peers ? peers->len : 0;
      ImpsBsfSession *oldest = NULL;
      for (guint i = 0; i < n; i++)
        {
          ImpsBsfSession *o = g_ptr_array_index (peers, i);
          if (oldest == NULL || session_older (o, oldest))
            oldest = o;
        }
      if (n < IMPS_BSF_MAX_SESSIONS_PER_IMPI || oldest == NULL)
        return;
      if (bsf->db != NULL && bsf->st_drop == NULL)
        sqlite3_prepare_v3 (bsf->db, "DELETE FROM session WHERE btid = ?1", -1,
                            SQLITE_PREPARE_PERSISTENT, &bsf->st_drop, NULL);
      sqlite3_stmt *st = bsf->st_drop;
      if (st != NULL)
        {
          sqlite3_bind_text (st, 1, oldest->btid, -1, SQLITE_STATIC);
          if (sqlite3_step (st) != SQLITE_DONE)
            imps_bsf_note (bsf, IMPS_EVENT_FAILURE, sqlite3_errmsg (bsf->db),
                           "store delete failed");
          sqlite3_reset (st);
          sqlite3_clear_bindings (st);
        }
      g_autofree gchar *why = g_strdup_printf ("%s has %u bootstrapping sessions (at most %u): "
                                               "B-TID %s, valid until %" G_GINT64_FORMAT
                                               ", is dropped", impi, n,
                                               IMPS_BSF_MAX_SESSIONS_PER_IMPI, oldest->btid,
                                               oldest->expiry);
      g_hash_table_remove (bsf->sessions, oldest->btid);
      imps_bsf_note (bsf, IMPS_EVENT_NOTE, why, "old session dropped");
    }
}

gboolean
imps_bsf_store_add (ImpsBsf *bsf, ImpsBsfSession *s, GError **error)
{
  if (!g_hash_table_contains (bsf->sessions, s->btid))
    store_make_room (bsf, s->impi);
  if (bsf->db == NULL)
    {
      session_store (bsf, s);
      return TRUE;
    }
  if (bsf->st_save == NULL
      && sqlite3_prepare_v3 (bsf->db,
                             "INSERT OR REPLACE INTO session (btid, impi, rand, ks, created,"
                             " expiry, guss) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             -1, SQLITE_PREPARE_PERSISTENT, &bsf->st_save, NULL) != SQLITE_OK)
    {
      imps_bsf_session_free (s);
      return store_fail (bsf->db, "prepare", error);
    }
  sqlite3_stmt *st = bsf->st_save;
  sqlite3_bind_text (st, 1, s->btid, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, s->impi, -1, SQLITE_STATIC);
  sqlite3_bind_blob (st, 3, s->rand, IMPS_GBA_RAND_LEN, SQLITE_STATIC);
  sqlite3_bind_blob (st, 4, s->ks.bytes, IMPS_GBA_KEY_LEN, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 5, s->created);
  sqlite3_bind_int64 (st, 6, s->expiry);
  if (s->guss)
    sqlite3_bind_text (st, 7, s->guss, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (st, 7);
  gboolean ok = sqlite3_step (st) == SQLITE_DONE;
  if (!ok)
    store_fail (bsf->db, "save session", error);
  /* the bound values are the session's: unbind before it may go */
  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  if (!ok)
    {
      imps_bsf_session_free (s);
      return FALSE;
    }
  session_store (bsf, s);
  return TRUE;
}

static gboolean
impi_has_none (gpointer impi, gpointer peers, gpointer data)
{
  return ((GPtrArray *) peers)->len == 0;
}

void
imps_bsf_store_prune (ImpsBsf *bsf)
{
  gint64 now = imps_bsf_now (bsf);
  if (now - bsf->last_prune < 60)
    return;
  bsf->last_prune = now;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, bsf->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (((ImpsBsfSession *) value)->expiry <= now)
      g_hash_table_iter_remove (&it);
  g_hash_table_foreach_remove (bsf->by_impi, impi_has_none, NULL);
  sqlite3_stmt *st = NULL;
  if (bsf->db != NULL && sqlite3_prepare_v2 (bsf->db, "DELETE FROM session WHERE expiry <= ?1", -1, &st, NULL)
      == SQLITE_OK)
    {
      sqlite3_bind_int64 (st, 1, now);
      if (sqlite3_step (st) != SQLITE_DONE)
        imps_bsf_note (bsf, IMPS_EVENT_FAILURE, sqlite3_errmsg (bsf->db), "store prune failed");
      sqlite3_finalize (st);
    }
}

gboolean
imps_bsf_store_forget (ImpsBsf *bsf, const gchar *btid, GError **error)
{
  if (bsf->db == NULL)
    return TRUE;
  sqlite3_stmt *st = NULL;
  gboolean ok = sqlite3_prepare_v2 (bsf->db, "DELETE FROM session WHERE btid = ?1", -1, &st,
                                    NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (st, 1, btid, -1, SQLITE_TRANSIENT);
      ok = sqlite3_step (st) == SQLITE_DONE;
    }
  sqlite3_finalize (st);
  if (!ok)
    g_set_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_STORE, "%s: forgetting B-TID %s: %s",
                 bsf->name, btid, sqlite3_errmsg (bsf->db));
  return ok;
}

gint
imps_bsf_count_stored_rows (ImpsBsf *bsf)
{
  g_return_val_if_fail (bsf != NULL, -1);
  if (bsf->db == NULL)
    return -1;
  sqlite3_stmt *st = NULL;
  gint n = -1;
  if (sqlite3_prepare_v2 (bsf->db, "SELECT count(*) FROM session", -1, &st, NULL) == SQLITE_OK
      && sqlite3_step (st) == SQLITE_ROW)
    n = sqlite3_column_int (st, 0);
  sqlite3_finalize (st);
  return n;
}

/* ---- GUSS lifeTime (gba.md §9.4) ---- */

gboolean
imps_bsf_guss_lifetime (const guint8 *xml, gsize len, gint64 *lifetime, GError **error)
{
  g_return_val_if_fail (xml != NULL || len == 0, FALSE);
  static const gchar name[] = "lifeTime";
  const gsize name_len = sizeof name - 1;
  if (len > IMPS_DIAMETER_MAX_GUSS)
    len = IMPS_DIAMETER_MAX_GUSS;

  for (gsize i = 0; i < len; i++)
    {
      if (xml[i] != '<')
        continue;
      /* A start tag: '<' [prefix ':'] name, then '>' or white space. */
      gsize p = i + 1;
      gsize start = p;
      while (p < len && (g_ascii_isalnum (xml[p]) || xml[p] == ':' || xml[p] == '_'
                         || xml[p] == '-' || xml[p] == '.'))
        p++;
      if (p == start)
        continue;
      gsize local = start;
      for (gsize q = start; q < p; q++)
        if (xml[q] == ':')
          local = q + 1;
      if (p - local != name_len || memcmp (xml + local, name, name_len) != 0)
        continue;
      /* Skip attributes up to the end of the tag. */
      while (p < len && xml[p] != '>')
        p++;
      if (p >= len || xml[p - 1] == '/')
        {
          g_set_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_GUSS,
                       "GUSS lifeTime at byte %" G_GSIZE_FORMAT ": %s", i,
                       p >= len ? "the tag is not closed" : "the element is empty");
          return FALSE;
        }
      p++;
      while (p < len && g_ascii_isspace (xml[p]))
        p++;
      gsize digits_at = p;
      gint64 v = 0;
      while (p < len && g_ascii_isdigit (xml[p]))
        {
          v = v * 10 + (xml[p] - '0');
          if (v > IMPS_BSF_MAX_LIFETIME)
            {
              g_set_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_GUSS,
                           "GUSS lifeTime at byte %" G_GSIZE_FORMAT ": more than %" G_GINT64_FORMAT
                           " seconds", digits_at, IMPS_BSF_MAX_LIFETIME);
              return FALSE;
            }
          p++;
        }
      gsize digits_end = p;
      while (p < len && g_ascii_isspace (xml[p]))
        p++;
      if (digits_end == digits_at || p >= len || xml[p] != '<' || v == 0)
        {
          g_set_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_GUSS,
                       "GUSS lifeTime at byte %" G_GSIZE_FORMAT ": not a positive decimal number "
                       "of seconds", digits_at);
          return FALSE;
        }
      *lifetime = v;
      return TRUE;
    }
  return FALSE;
}
