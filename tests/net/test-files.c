/* Private files and folders, escaped log text, and the stores' boot
 * counter (src/net/imps-files.c, src/net/imps-store.c). */
#include "imps-test.h"
#include "imps-files.h"
#include "imps-store.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static guint
mode_of (const gchar *path)
{
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_escape (void)
{
  static const struct {
    const gchar *in;
    gssize len;
    const gchar *out;
  } cases[] = {
    { "alice@home1.net", -1, "alice@home1.net" },
    { "a\nb\rc\td", -1, "a\\nb\\rc\\td" },
    { "\x1b[2J\x7f\x01", -1, "\\x1b[2J\\x7f\\x01" },
    { "back\\slash", -1, "back\\\\slash" },
    { "nul\0after", 9, "nul\\x00after" },
    { "caf\xc3\xa9", -1, "caf\xc3\xa9" },          /* UTF-8 stays */
    { "csi\xc2\x9b" "31m", -1, "csi\\u009b31m" },  /* C1 control (CSI) */
    { "bad\xff\xc3", -1, "bad\\xff\\xc3" },          /* not UTF-8 */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *e = imps_escape_text (cases[i].in, cases[i].len);
      g_assert_cmpstr (e, ==, cases[i].out);
    }
}

static void
test_private_files (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-files-XXXXXX", NULL);
  g_autofree gchar *a = g_build_filename (dir, "a", NULL);
  g_autofree gchar *b = g_build_filename (dir, "b", NULL);
  g_autofree gchar *sub = g_build_filename (dir, "sub", "deeper", NULL);
  g_autoptr (GError) error = NULL;
  mode_t old = umask (0);

  /* new file, umask 0: still 0600 */
  FILE *f = imps_file_fopen_private (a, &error);
  g_assert_no_error (error);
  fputs ("x", f);
  fclose (f);
  g_assert_cmpuint (mode_of (a), ==, 0600);
  /* an existing 0666 file is tightened and truncated */
  g_assert_cmpint (g_chmod (a, 0666), ==, 0);
  int fd = imps_file_open_private (a, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_cmpuint (mode_of (a), ==, 0600);
  gsize len = 1;
  g_autofree gchar *c = NULL;
  g_assert_true (g_file_get_contents (a, &c, &len, NULL));
  g_assert_cmpuint (len, ==, 0);

  g_assert_true (imps_file_set_contents_private (b, "report", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (b), ==, 0600);

  /* folders: created 0700; a 0755 one tightened and its old mode told */
  guint was = 1;
  g_assert_true (imps_dir_make_private (sub, &was, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (was, ==, 0);
  g_assert_cmpuint (mode_of (sub), ==, 0700);
  g_assert_cmpint (g_chmod (sub, 0755), ==, 0);
  g_assert_true (imps_dir_make_private (sub, &was, &error));
  g_assert_cmpuint (was, ==, 0755);
  g_assert_cmpuint (mode_of (sub), ==, 0700);
  /* a file is not a folder */
  g_assert_false (imps_dir_make_private (a, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);

  umask (old);
  g_unlink (a);
  g_unlink (b);
  g_rmdir (sub);
  g_autofree gchar *subp = g_path_get_dirname (sub);
  g_rmdir (subp);
  g_rmdir (dir);
}

static gint64
pragma_int (sqlite3 *db, const gchar *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  gint64 v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

static void
test_store_boot (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-store-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "node.db", NULL);
  g_autoptr (GError) error = NULL;
  guint64 gen = 0;
  mode_t old = umask (022);

  /* memory: generation 1 every time, secure_delete on */
  sqlite3 *db = imps_store_open (NULL, "test store", G_IO_ERROR, G_IO_ERROR_FAILED, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gen, ==, 1);
  g_assert_cmpint (pragma_int (db, "PRAGMA secure_delete"), ==, 1);
  sqlite3_close (db);

  guint8 first[3][16];
  for (guint boot = 1; boot <= 3; boot++)
    {
      db = imps_store_open (path, "test store", G_IO_ERROR, G_IO_ERROR_FAILED, &gen, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (gen, ==, boot);
      g_assert_cmpint (pragma_int (db, "PRAGMA secure_delete"), ==, 1);
      g_assert_cmpuint (mode_of (path), ==, 0600);
      /* the same seed, another start: other bytes; the first start keeps
       * the node's own stream */
      ImpsRandom *r = imps_random_new_seeded (42);
      imps_store_random_for_boot (&r, gen);
      imps_random_fill (r, first[boot - 1], 16);
      imps_random_free (r);
      sqlite3_close (db);
    }
  ImpsRandom *plain = imps_random_new_seeded (42);
  guint8 p[16];
  imps_random_fill (plain, p, 16);
  imps_random_free (plain);
  g_assert_cmpmem (first[0], 16, p, 16);
  g_assert_true (memcmp (first[1], p, 16) != 0);
  g_assert_true (memcmp (first[2], p, 16) != 0);
  g_assert_true (memcmp (first[1], first[2], 16) != 0);

  /* a store left 0644 (with its WAL files) is tightened */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  db = imps_store_open (path, "test store", G_IO_ERROR, G_IO_ERROR_FAILED, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (path), ==, 0600);
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    g_assert_cmpuint (mode_of (wal), ==, 0600);
  sqlite3_close (db);

  umask (old);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree gchar *f = g_build_filename (dir, name, NULL);
      g_unlink (f);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/files/escape", test_escape);
  g_test_add_func ("/files/private", test_private_files);
  g_test_add_func ("/files/store-boot", test_store_boot);
  return g_test_run ();
}
