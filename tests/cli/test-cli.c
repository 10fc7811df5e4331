/* The top level of the impsim command: what a user or a script sees. */
#include "imps-test.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;

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

static void
run (Run *r, const gchar *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) impsim_path);
  va_start (ap, first);
  for (const gchar *a = first; a; a = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  memset (r, 0, sizeof *r);
  gint wait_status = 0;
  g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &r->out, &r->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
}

static void
test_help (void)
{
  g_auto (Run) r;

  run (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "tool"));
  g_assert_nonnull (strstr (r.out, "decode"));

  g_auto (Run) t;
  run (&t, "tool", "--help", NULL);
  g_assert_cmpint (t.status, ==, 0);
  for (const gchar *const *n = (const gchar *const[]) { "milenage", "auts", "resync",
                                                         "ks-naf", "selftest", NULL };
       *n; n++)
    g_assert_nonnull (strstr (t.out, *n));
}

static void
test_usage_errors (void)
{
  g_auto (Run) none;
  run (&none, NULL);
  g_assert_cmpint (none.status, ==, 2);

  g_auto (Run) bad;
  run (&bad, "no-such-command", NULL);
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "no-such-command"));

  g_auto (Run) badtool;
  run (&badtool, "tool", "no-such-tool", NULL);
  g_assert_cmpint (badtool.status, ==, 2);
  g_assert_nonnull (strstr (badtool.err, "no-such-tool"));

  g_auto (Run) badopt;
  run (&badopt, "tool", "selftest", "--no-such-option", NULL);
  g_assert_cmpint (badopt.status, ==, 2);
  g_assert_nonnull (strstr (badopt.err, "--no-such-option"));
  g_assert_null (strchr (strchr (badopt.err, '\n') + 1, '\n')); /* one line */
}

static void
test_version (void)
{
  g_auto (Run) r;
  run (&r, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "impsim "));
}

/* The self test ends with the closing line 'N passed, N failed' and exits 0
 * only when nothing failed and something ran. */
static void
test_selftest (void)
{
  g_auto (Run) r;
  run (&r, "tool", "selftest", NULL);

  g_auto (GStrv) lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  guint n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 1);
  guint passed = 0, failed = 0;
  g_assert_cmpint (sscanf (lines[n - 1], "%u passed, %u failed", &passed, &failed), ==, 2);
  g_assert_cmpuint (failed, ==, 0);
  g_assert_cmpuint (passed, >, 0);
  g_assert_cmpint (r.status, ==, 0);

  g_auto (Run) list;
  run (&list, "tool", "selftest", "--list", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_auto (Run) unknown;
  run (&unknown, "tool", "selftest", "--module", "no-such-module", NULL);
  g_assert_cmpint (unknown.status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: test-cli PATH-TO-IMPSIM");
  impsim_path = argv[1];
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/selftest", test_selftest);
  return g_test_run ();
}
