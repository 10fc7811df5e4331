/* The newcomer's path through the Makefile: `make demo` builds only the
 * impsim binary, keeps the build output in a log, runs the demo and says
 * where each output is; a failed build shows the end of that log;
 * `make install` puts impsim in a bin directory. */
#include "imps-test.h"

#include <glib/gstdio.h>

#include <string.h>
#include <sys/wait.h>

static const gchar *make_path;
static const gchar *source_root;
static const gchar *build_root;

typedef struct {
  gchar *out;
  gchar *err;
  gint status;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* make -C SOURCE_ROOT BUILD=BUILD_ROOT <args...>, without the make
 * variables of any outer make (make test runs this test). */
static void
run_make (Run *r, const gchar *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *build_var = g_strdup_printf ("BUILD=%s", build_root);
  va_list ap;

  g_ptr_array_add (argv, (gpointer) make_path);
  g_ptr_array_add (argv, (gpointer) "--no-print-directory");
  g_ptr_array_add (argv, (gpointer) "-C");
  g_ptr_array_add (argv, (gpointer) source_root);
  g_ptr_array_add (argv, build_var);
  va_start (ap, first);
  for (const gchar *a = first; a; a = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_auto (GStrv) env = g_get_environ ();
  env = g_environ_unsetenv (env, "MAKEFLAGS");
  env = g_environ_unsetenv (env, "MAKELEVEL");
  env = g_environ_unsetenv (env, "MFLAGS");

  memset (r, 0, sizeof *r);
  gint wait_status = 0;
  g_spawn_sync (NULL, (gchar **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
}

static gboolean
skip_without_make (void)
{
  if (make_path == NULL || *make_path == '\0')
    {
      g_test_skip ("make is not installed");
      return TRUE;
    }
  return FALSE;
}

static void
assert_file_nonempty (const gchar *dir, const gchar *name)
{
  g_autofree gchar *p = g_build_filename (dir, name, NULL);
  GStatBuf st;
  g_assert_cmpint (g_stat (p, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
}

static void
rm_rf (const gchar *dir)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_demo (void)
{
  if (skip_without_make ())
    return;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-make-demo-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *out_var = g_strdup_printf ("DEMO_OUT=%s", dir);

  g_auto (Run) r;
  run_make (&r, "demo", out_var, NULL);
  if (r.status != 0)
    g_printerr ("%s\n%s\n", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  /* Quiet: no compiler or ninja lines, the log named instead. */
  g_assert_null (strstr (r.out, "Compiling"));
  g_assert_null (strstr (r.out, "Linking"));
  g_assert_null (strstr (r.out, "ninja: "));
  g_assert_nonnull (strstr (r.out, "demo-build.log"));
  g_autofree gchar *log = g_build_filename (build_root, "demo-build.log", NULL);
  g_assert_true (g_file_test (log, G_FILE_TEST_IS_REGULAR));
  /* The run itself, then where everything is and what to open. */
  g_assert_nonnull (strstr (r.out, "19 passed, 0 failed"));
  g_autofree gchar *wrote = g_strdup_printf ("The demo wrote, in %s:", dir);
  g_assert_nonnull (strstr (r.out, wrote));
  g_assert_true (strstr (r.out, wrote) > strstr (r.out, "19 passed"));
  for (const gchar *const *n = (const gchar *const[]) { "demo.svg", "demo.pcap", "demo.keys", NULL };
       *n; n++)
    {
      assert_file_nonempty (dir, *n);
      g_autofree gchar *full = g_build_filename (dir, *n, NULL);
      g_assert_nonnull (strstr (r.out, full));
    }
  g_assert_nonnull (strstr (r.out, "web browser"));
  g_assert_nonnull (strstr (r.out, "wireshark "));
  g_assert_nonnull (strstr (r.out, "srtp-decrypt"));
  g_assert_nonnull (strstr (r.out, "the binary is "));
  rm_rf (dir);
}

static void
test_demo_build_failure (void)
{
  if (skip_without_make ())
    return;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-make-fail-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *out_var = g_strdup_printf ("DEMO_OUT=%s", dir);
  /* A "ninja" that fails with a message of its own. */
  g_autofree gchar *fake = g_build_filename (dir, "fake-ninja", NULL);
  g_file_set_contents (fake, "#!/bin/sh\necho 'src/x.c:1: error: the fake compiler failed'\nexit 1\n",
                       -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (fake, 0700), ==, 0);
  g_autofree gchar *ninja_var = g_strdup_printf ("NINJA=%s", fake);

  g_auto (Run) r;
  run_make (&r, "demo", out_var, ninja_var, NULL);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.out, "The build failed"));
  g_assert_nonnull (strstr (r.out, "the fake compiler failed"));
  g_autofree gchar *svg = g_build_filename (dir, "demo.svg", NULL);
  g_assert_false (g_file_test (svg, G_FILE_TEST_EXISTS));
  rm_rf (dir);
}

static void
test_install (void)
{
  if (skip_without_make ())
    return;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-make-install-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *destdir = g_strdup_printf ("DESTDIR=%s", dir);

  g_auto (Run) r;
  run_make (&r, "install", destdir, NULL);
  if (r.status != 0)
    g_printerr ("%s\n%s\n", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);

  /* The prefix is meson's (/usr/local unless set up otherwise). */
  g_autofree gchar *cmd = g_strdup_printf ("find '%s' -path '*/bin/impsim' -type f", dir);
  g_autofree gchar *found = NULL;
  gint wait_status = 0;
  g_spawn_command_line_sync (cmd, &found, NULL, &wait_status, &error);
  g_assert_no_error (error);
  g_strstrip (found);
  g_assert_cmpstr (found, !=, "");
  g_assert_null (strchr (found, '\n'));
  g_assert_true (g_file_test (found, G_FILE_TEST_IS_EXECUTABLE));

  g_autofree gchar *out = NULL;
  const gchar *argv[] = { found, "--help", NULL };
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &wait_status,
                &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0);
  g_assert_nonnull (strstr (out, "Commands:"));
  rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 4);
  make_path = argv[1];
  source_root = argv[2];
  build_root = argv[3];
  g_test_add_func ("/make/demo", test_demo);
  g_test_add_func ("/make/demo-build-failure", test_demo_build_failure);
  g_test_add_func ("/make/install", test_install);
  return g_test_run ();
}
