#include "imps-store.h"
#include "imps-files.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

static sqlite3 *
store_fail (sqlite3 *db, const gchar *what, const gchar *step, GQuark domain, gint code,
            GError **error)
{
  g_set_error (error, domain, code, "%s: %s: %s", what, step,
               db ? sqlite3_errmsg (db) : "out of memory");
  if (db)
    sqlite3_close (db);
  return NULL;
}

/* Creates the file 0600 before SQLite does (SQLite would use 0644 less
 * the umask); its -wal and -shm files take the main file's mode. Files
 * left with wider modes are tightened. */
static gboolean
make_private (const gchar *path, const gchar *what, GQuark domain, gint code, GError **error)
{
  const gchar *suffixes[] = { "", "-wal", "-shm", "-journal" };
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree gchar *p = g_strconcat (path, suffixes[i], NULL);
      GStatBuf st;
      if (i == 0)
        {
          int fd = g_open (p, O_RDWR | O_CREAT | O_CLOEXEC, IMPS_FILE_MODE_PRIVATE);
          if (fd < 0)
            {
              int saved = errno;
              g_set_error (error, domain, code, "%s: %s: %s", what, path, g_strerror (saved));
              return FALSE;
            }
          close (fd);
        }
      if (g_stat (p, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 077) != 0
          && g_chmod (p, IMPS_FILE_MODE_PRIVATE) != 0)
        {
          int saved = errno;
          g_set_error (error, domain, code, "%s: %s has mode %04o and cannot be made private: %s",
                       what, p, (guint) (st.st_mode & 07777), g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

sqlite3 *
imps_store_open (const gchar *path, const gchar *what, GQuark domain, gint code,
                 guint64 *generation, GError **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  *generation = 0;
  if (path && !make_private (path, what, domain, code, error))
    return NULL;
  if (sqlite3_open_v2 (path ? path : ":memory:", &db, flags, NULL) != SQLITE_OK)
    return store_fail (db, what, path ? path : ":memory:", domain, code, error);
  if (path && sqlite3_exec (db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)
    return store_fail (db, what, "WAL mode", domain, code, error);
  if (sqlite3_exec (db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK)
    return store_fail (db, what, "secure_delete", domain, code, error);
  /* One row; committed (and synced in WAL mode) before the node serves. */
  if (sqlite3_exec (db,
                    "CREATE TABLE IF NOT EXISTS boot (id INTEGER PRIMARY KEY CHECK (id = 1),"
                    " generation INTEGER NOT NULL);"
                    "INSERT INTO boot (id, generation) VALUES (1, 1)"
                    " ON CONFLICT (id) DO UPDATE SET generation = generation + 1",
                    NULL, NULL, NULL) != SQLITE_OK)
    return store_fail (db, what, "boot counter", domain, code, error);
  sqlite3_stmt *st = NULL;
  gint64 gen = 0;
  if (sqlite3_prepare_v2 (db, "SELECT generation FROM boot WHERE id = 1", -1, &st, NULL)
      == SQLITE_OK && sqlite3_step (st) == SQLITE_ROW)
    gen = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  if (gen < 1)
    return store_fail (db, what, "boot counter unreadable", domain, code, error);
  *generation = (guint64) gen;
  return db;
}

void
imps_store_random_for_boot (ImpsRandom **random, guint64 generation)
{
  if (generation <= 1)
    return;
  g_autofree gchar *label = g_strdup_printf ("boot %" G_GUINT64_FORMAT, generation);
  ImpsRandom *r = imps_random_new_child (*random, label);
  imps_random_free (*random);
  *random = r;
}
