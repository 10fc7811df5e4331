/* `impsim tool milenage | auts | resync` run as a user runs them: the
 * executable is argv[1] (meson passes impsim_exe). Expected values are
 * TS 35.208 set 1 from gba.md §4.2 Tables M-1/M-2 and §4.3 Table M-4, and
 * the hostap AUTS of gba.md §4.4. */
#include <glib.h>
#include <string.h>

static const gchar *impsim;

typedef struct {
  gint status;        /* exit code */
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
  va_start (ap, first);
  for (const gchar *a = first; a; a = va_arg (ap, const gchar *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_assert_true (g_spawn_sync (NULL, (gchar **) args->pdata, NULL,
                               G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                               &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
}

/* gba.md §4.2 Table M-1 set 1 */
#define K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define OP "cdc202d5123e20f62b6d676ac72cb318"
#define OPC "cd63cb71954a9f4e48a5994e37a02baf"
#define RAND "23553cbe9637a89d218ae64dae47bf35"
#define SQN "ff9bb4d0b607"
#define AMF "b9b9"

/* Output for set 1: Tables M-1/M-2 (OPc, f1, f1*, f2, f3, f4, f5, f5*) and
 * Table M-4 (AUTN). */
static const gchar *set1_output =
  "OPC=cd63cb71954a9f4e48a5994e37a02baf\n"
  "MAC_A=4a9ffac354dfafb3\n"
  "MAC_S=01cfaf9ec4e871e9\n"
  "XRES=a54211d5e3ba50bf\n"
  "CK=b40ba9a3c58b2a05bbf0d987b21bf8cb\n"
  "IK=f769bcd751044604127672711c6d3441\n"
  "AK=aa689c648370\n"
  "AK_STAR=451e8beca43b\n"
  "AUTN=55f328b43577b9b94a9ffac354dfafb3\n";

static void
test_milenage_set1 (void)
{
  g_auto (Run) a = { 0 };
  g_auto (Run) b = { 0 };

  run (&a, "milenage", "--k", K, "--op", OP, "--rand", RAND, "--sqn", SQN,
       "--amf", AMF, NULL);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_cmpstr (a.out, ==, set1_output);
  g_assert_cmpstr (a.err, ==, "");

  run (&b, "milenage", "--k", K, "--opc", OPC, "--rand", RAND, "--sqn", SQN,
       "--amf", AMF, NULL);
  g_assert_cmpint (b.status, ==, 0);
  g_assert_cmpstr (b.out, ==, set1_output);
}

static void
test_milenage_bad_args (void)
{
  struct {
    const gchar *k, *op, *opc, *rand;
    const gchar *names;     /* what the error line must name */
  } cases[] = {
    { "465b", NULL, OPC, RAND, "--k" },                      /* too short */
    { "zz5b5ce8b199b49faa5f0a2ee238a6bc", NULL, OPC, RAND, "--k" },
    { NULL, NULL, OPC, RAND, "--k" },                        /* missing */
    { K, OP, OPC, RAND, "--op" },                            /* both */
    { K, NULL, NULL, RAND, "--opc" },                        /* neither */
    { K, NULL, OPC, "23553c", "--rand" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) r = { 0 };
      g_autoptr (GPtrArray) a = g_ptr_array_new ();
      g_ptr_array_add (a, (gpointer) "milenage");
      if (cases[i].k) { g_ptr_array_add (a, (gpointer) "--k"); g_ptr_array_add (a, (gpointer) cases[i].k); }
      if (cases[i].op) { g_ptr_array_add (a, (gpointer) "--op"); g_ptr_array_add (a, (gpointer) cases[i].op); }
      if (cases[i].opc) { g_ptr_array_add (a, (gpointer) "--opc"); g_ptr_array_add (a, (gpointer) cases[i].opc); }
      if (cases[i].rand) { g_ptr_array_add (a, (gpointer) "--rand"); g_ptr_array_add (a, (gpointer) cases[i].rand); }
      g_ptr_array_add (a, (gpointer) "--sqn");
      g_ptr_array_add (a, (gpointer) SQN);
      g_ptr_array_add (a, (gpointer) "--amf");
      g_ptr_array_add (a, (gpointer) AMF);
      while (a->len < 14)
        g_ptr_array_add (a, NULL);
      run (&r, a->pdata[0], a->pdata[1], a->pdata[2], a->pdata[3], a->pdata[4],
           a->pdata[5], a->pdata[6], a->pdata[7], a->pdata[8], a->pdata[9],
           a->pdata[10], a->pdata[11], a->pdata[12], a->pdata[13], NULL);
      g_test_message ("case %u: %s", i, r.err);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_nonnull (strstr (r.err, cases[i].names));
      /* exactly one line */
      g_assert_true (g_str_has_suffix (r.err, "\n"));
      g_assert_true (strchr (r.err, '\n') == r.err + strlen (r.err) - 1);
    }
}

static void
test_help (void)
{
  const gchar *tools[] = { "milenage", "auts", "resync" };
  const gchar *mention[] = { "--opc", "--sqn-ms", "--auts" };

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_auto (Run) r = { 0 };
      run (&r, tools[i], "--help", NULL);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_nonnull (strstr (r.out, "Usage:"));
      g_assert_nonnull (strstr (r.out, "--k"));
      g_assert_nonnull (strstr (r.out, mention[i]));
    }
}

static void
test_auts_resync (void)
{
  g_auto (Run) a = { 0 };
  g_auto (Run) b = { 0 };
  g_auto (Run) c = { 0 };
  g_auto (Run) d = { 0 };
  g_auto (Run) e = { 0 };

  /* Table M-4 set 1: AUTS for SQN_MS = SQN */
  run (&a, "auts", "--k", K, "--opc", OPC, "--rand", RAND, "--sqn-ms", SQN, NULL);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_cmpstr (a.out, ==, "AUTS=ba853f3c123ccf44e93596e355c6\n");
  run (&e, "auts", "--k", K, "--op", OP, "--rand", RAND, "--sqn-ms", SQN, NULL);
  g_assert_cmpint (e.status, ==, 0);
  g_assert_cmpstr (e.out, ==, a.out);

  /* gba.md §4.4 hostap AUTS under 35.208 set 20 */
  run (&b, "resync", "--k", "90dca4eda45b53cf0f12d7c9c3bc6a89",
       "--opc", "cb9cccc4b9258e6dca4760379fb82581",
       "--rand", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       "--auts", "43681ad3daf006bcde405a207267", NULL);
  g_assert_cmpint (b.status, ==, 0);
  g_assert_cmpstr (b.out, ==, "SQN_MS=00000000002a\n");

  /* a flipped bit in MAC-S: exit 1, both MAC-S values named */
  run (&c, "resync", "--k", K, "--opc", OPC, "--rand", RAND,
       "--auts", "ba853f3c123ccf44e93596e355c7", NULL);
  g_assert_cmpint (c.status, ==, 1);
  g_assert_cmpstr (c.out, ==, "");
  g_assert_nonnull (strstr (c.err, "MAC-S"));
  g_assert_nonnull (strstr (c.err, "cf44e93596e355c6"));   /* expected */
  g_assert_nonnull (strstr (c.err, "cf44e93596e355c7"));   /* received */

  /* bad --auts length: exit 2 naming it */
  run (&d, "resync", "--k", K, "--opc", OPC, "--rand", RAND, "--auts", "ba85", NULL);
  g_assert_cmpint (d.status, ==, 2);
  g_assert_nonnull (strstr (d.err, "--auts"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    {
      g_printerr ("usage: %s PATH-TO-IMPSIM\n", argv[0]);
      return 2;
    }
  impsim = argv[1];

  g_test_add_func ("/aka/cli/milenage-35.208-set1", test_milenage_set1);
  g_test_add_func ("/aka/cli/milenage-bad-arguments", test_milenage_bad_args);
  g_test_add_func ("/aka/cli/help", test_help);
  g_test_add_func ("/aka/cli/auts-resync", test_auts_resync);
  return g_test_run ();
}
