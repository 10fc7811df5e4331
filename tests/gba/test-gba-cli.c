/* `impsim tool ks-naf` run as a user runs it: the executable is argv[1]
 * (meson passes impsim_exe). Expected values are gba.md §12.2. */
#include <glib.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim;

typedef struct {
  gint status;
  gchar *out;
  gchar *err;
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
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  va_list ap;
  gint wait_status = 0;

  g_ptr_array_add (args, (gpointer) impsim);
  g_ptr_array_add (args, (gpointer) "tool");
  g_ptr_array_add (args, (gpointer) "ks-naf");
  va_start (ap, first);
  for (const gchar *a = first; a; a = va_arg (ap, const gchar *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_assert_true (g_spawn_sync (NULL, (gchar **) args->pdata, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
}

/* gba.md §12.1 / §12.2 */
#define KS "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441"
#define RAND "23553cbe9637a89d218ae64dae47bf35"
#define IMPI "user1_private@home1.net"

static void
test_kms_default (void)
{
  g_auto (Run) r = { 0 };
  run (&r, "--ks", KS, "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==,
                   "NAF_ID=6b6d732e686f6d65312e6e65740100000006\n"
                   "KS_NAF=74eb8672becc0b19eccb86f2780cfb0178097e8873944798ab096d69e7351862\n");
  g_assert_cmpstr (r.err, ==, "");
}

static void
test_ua_id_and_gba_u (void)
{
  g_auto (Run) a = { 0 };
  run (&a, "--ks", KS, "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "naf.home1.net",
       "--ua-id", "0100000002", NULL);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_nonnull (strstr (a.out, "KS_NAF=d4bcc1d30ed5b3f92db5ced018cb02aa117e8a2cd253235679570a94c5db2428\n"));

  g_auto (Run) b = { 0 };
  run (&b, "--ks", KS, "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net",
       "--gba-u", NULL);
  g_assert_cmpint (b.status, ==, 0);
  g_assert_nonnull (strstr (b.out, "KS_INT_NAF=33da9b860ab80341fbb6d21bb7a19afe1a2210d1f800e75f05dbb158feeb6a0b\n"));
}

/* Non-ASCII IMPIs are NFKC-normalised first (gba.md §7.1): the
 * compatibility character U+FB01 (the "fi" ligature) gives the same key as
 * the two letters "fi". */
static void
test_nfkc (void)
{
  g_auto (Run) a = { 0 };
  g_auto (Run) b = { 0 };
  run (&a, "--ks", KS, "--rand", RAND, "--impi", "\xef\xac\x81@home1.net", "--naf-fqdn", "kms.home1.net", NULL);
  run (&b, "--ks", KS, "--rand", RAND, "--impi", "fi@home1.net", "--naf-fqdn", "kms.home1.net", NULL);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_cmpint (b.status, ==, 0);
  g_assert_cmpstr (a.out, ==, b.out);
}

static void
test_help (void)
{
  g_auto (Run) r = { 0 };
  run (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "--ks"));
  g_assert_nonnull (strstr (r.out, "--naf-fqdn"));
  g_assert_nonnull (strstr (r.out, "--ua-id"));
}

/* Each bad argument: exit 2 and one line on stderr that names it. */
static void
test_bad_arguments (void)
{
  static const struct {
    const gchar *args[12];
    const gchar *names;
  } cases[] = {
    { { "--ks", "00", "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net" }, "--ks" },
    { { "--ks", KS "00", "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net" }, "--ks" },
    { { "--ks", "zz", "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net" }, "--ks" },
    { { "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net" }, "--ks" },
    { { "--ks", KS, "--rand", "0011", "--impi", IMPI, "--naf-fqdn", "kms.home1.net" }, "--rand" },
    { { "--ks", KS, "--rand", RAND, "--naf-fqdn", "kms.home1.net" }, "--impi" },
    { { "--ks", KS, "--rand", RAND, "--impi", IMPI }, "--naf-fqdn" },
    { { "--ks", KS, "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms home" }, "--naf-fqdn" },
    { { "--ks", KS, "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net",
        "--ua-id", "01000000" }, "--ua-id" },
    { { "--ks", KS, "--rand", RAND, "--impi", IMPI, "--naf-fqdn", "kms.home1.net",
        "extra" }, "extra" },
    { { "--bogus" }, "--bogus" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) r = { 0 };
      const gchar *const *a = cases[i].args;
      run (&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], NULL);
      g_test_message ("case %zu: %s", i, r.err);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_nonnull (strstr (r.err, cases[i].names));
      /* one line */
      g_assert_true (g_str_has_suffix (r.err, "\n"));
      g_assert_true (strchr (r.err, '\n') == r.err + strlen (r.err) - 1);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s PATH-TO-IMPSIM", argv[0]);
  impsim = argv[1];
  g_test_add_func ("/gba/cli/kms-default", test_kms_default);
  g_test_add_func ("/gba/cli/ua-id-and-gba-u", test_ua_id_and_gba_u);
  g_test_add_func ("/gba/cli/help", test_help);
  g_test_add_func ("/gba/cli/nfkc", test_nfkc);
  g_test_add_func ("/gba/cli/bad-arguments", test_bad_arguments);
  return g_test_run ();
}
