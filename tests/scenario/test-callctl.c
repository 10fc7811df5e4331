/* Call control and the expectations on messages: the script's checks on
 * `answer =`, `cancel-after=`, `cancelled` and the options of `message`,
 * and that these verdicts can fail: scenarios/call-control.scn with a
 * wrong number or a wrong sender in an expect must fail exactly there. */
#include "imps-test.h"

#include <glib/gstdio.h>
#include <string.h>

static const gchar *impsim_path;
static const gchar *scenarios;
static gchar *tmpdir;

#define NET                                                                                   \
  "[scenario]\nseed = 1\n[operator h]\nnumber = 1\ndomain = h.net\n"                          \
  "[subscriber a]\noperator = h\nimpi = a@h.net\nimpu = sip:a@h.net\n"                        \
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n"           \
  "[subscriber b]\noperator = h\nimpi = b@h.net\nimpu = sip:b@h.net\n"                        \
  "k = fec86ba6eb707ed08905757b1bb44b8f\nopc = 1006020f0a478bf6b699f15c062e42b3\n"

static void
run_text (ImpsTestRun *r, const gchar *name, const gchar *text)
{
  g_autofree gchar *path = g_build_filename (tmpdir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  const gchar *args[] = { "run", "--quiet", path, NULL };
  imps_test_run_argv (r, impsim_path, args);
  g_assert_cmpint (r->status, >=, 0);
}

static void
test_checks (void)
{
  static const struct {
    const gchar *script;
    const gchar *error;
  } cases[] = {
    { "answer = b sometimes\n", "[script] answer: usage: answer = DEVICE" },
    { "answer = b reject=200\n", "reject=200: a final SIP status of 400 to 699" },
    { "answer = b after=0x10\n", "after=: '0x10' is not a duration" },
    { "answer = zed busy\n", "[script] answer: no device 'zed'" },
    { "answer = b\n", "[script] answer: usage: answer = DEVICE" },
    { "register = a\ncall = a b cancel-after=0\n", "cancel-after=0: more than 0" },
    { "register = a\ncall = a b cancel-after=1s cancel-after=2s\n", "usage: call = " },
    { "register = a\ncall = a b\nexpect = cancelled many\n", "cancelled 'many'" },
    { "register = a\ncall = a b\nexpect = message Mw INVITE count=x\n", "'count=x': count=N" },
    { "register = a\ncall = a b\nexpect = message Mw INVITE count=1 count=2\n",
      "'count=2': count=N at most once" },
    { "register = a\ncall = a b\nexpect = no-message Mw INVITE count=1\n",
      "with message only" },
    { "register = a\ncall = a b\nexpect = message Mw INVITE from=pcscf.g.net\n",
      "no node 'pcscf.g.net' in this network" },
    { "register = a\ncall = a b\nexpect = message Gm INVITE to=a to=b\n", "'to=b': given twice" },
    { "forget-btid = kms h a\n", "usage: forget-btid = bsf OPERATOR DEVICE" },
    { "forget-btid = bsf g a\n", "no operator 'g'" },
    { "forget-btid = bsf h zed\n", "no device 'zed'" },
    { "ticket = a for b as\n", "usage: ticket = DEVICE for TARGET" },
    { "ticket = a for zed as t\n", "no subscriber or group 'zed'" },
    { "ticket = a for b validity=0 as t\n", "validity=0: a duration of 1s to 366d" },
    { "ticket = a for b reuse=yes as t\n", "reuse=yes: true or false" },
    { "ticket = a for b keys=9 as t\n", "keys=9: 1 to 8" },
    { "ticket = a for b as t.1\n", "ticket name 't.1'" },
    { "ticket = a for b as t\nticket = a for b as t\n", "a ticket named 't' already exists" },
    { "register = a\ncall = a b ticket=t\n", "ticket=t: no ticket step names 't'" },
    { "ticket = b for a as t\nregister = a\ncall = a b ticket=t\n",
      "ticket=t: the ticket is b's, not a's" },
    { "ticket = a for b as t\ncall = a b security=sdes-e2e ticket=t\n",
      "ticket= needs security=mikey-ticket" },
    { "ticket = a for b as t\nexpect = ticket u flags I=1\n", "no ticket step names 'u'" },
    { "ticket = a for b as t\nexpect = ticket t flags A=1\n", "'A=1': a flag D to O" },
    { "ticket = a for b as t\nexpect = ticket t flags I=1 i=0\n", "flag I given twice" },
    { "ticket = a for b as t\nexpect = ticket t validity forever\n", "validity: 'forever'" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = g_strconcat (NET, "[script]\n", cases[i].script, NULL);
      g_auto (ImpsTestRun) r;
      run_text (&r, "check.scn", text);
      g_assert_cmpint (r.status, ==, 2);
      if (strstr (r.err, cases[i].error) == NULL)
        g_error ("case %u: got '%s'", i, r.err);
    }
}

/* "N passed, N failed, N skipped" */
static guint
count_failed (const gchar *out)
{
  const gchar *p = strstr (out, " passed, ");
  g_assert_nonnull (p);
  return (guint) g_ascii_strtoull (p + 9, NULL, 10);
}

/* The library's call-control scenario passes; each change below makes
 * exactly its own verdict fail (the count, the sender, the case-blind
 * match, the cancelled devices, the timeout's status). */
static void
test_verdicts_can_fail (void)
{
  static const struct {
    const gchar *from, *to, *fails;
  } changes[] = {
    { "expect = message Mw \"CANCEL sip:\" count=3\n", "expect = message Mw \"CANCEL sip:\" count=2\n",
      "3 Mw message with 'CANCEL sip:' during call" },
    { "from=scscf.home1.net count=2", "from=pcscf.home1.net count=2",
      "1 Mw message with 'CANCEL sip:' from pcscf.home1.net" },
    { "expect = cancelled 2\nexpect = message Gm", "expect = cancelled 1\nexpect = message Gm",
      "2 devices cancelled in call" },
    { "expect = sip 408\n", "expect = sip 487\n", "the caller got 408, expected 487" },
    { "expect = no-message media\n", "expect = no-message gm \"cancel SIP:\"\n",
      "unexpected Gm message alice -> pcscf.home1.net: CANCEL" },
  };
  g_autofree gchar *path = g_build_filename (scenarios, "call-control.scn", NULL);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  {
    g_auto (ImpsTestRun) r;
    run_text (&r, "call-control.scn", text);
    if (r.status != 0)
      g_error ("call-control.scn: exit %d:\n%s%s", r.status, r.out, r.err);
  }
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_assert_nonnull (strstr (text, changes[i].from));
      g_autoptr (GString) wrong = g_string_new (text);
      g_string_replace (wrong, changes[i].from, changes[i].to, 1);
      g_auto (ImpsTestRun) r;
      run_text (&r, "wrong.scn", wrong->str);
      g_assert_cmpint (r.status, ==, 1);
      if (count_failed (r.out) != 1 || strstr (r.out, changes[i].fails) == NULL)
        g_error ("change %u: expected one failure with '%s':\n%s", i, changes[i].fails, r.out);
    }
}

/* scenarios/tickets.scn passes; a wrong flag or validity fails there. */
static void
test_ticket_verdicts (void)
{
  static const struct {
    const gchar *from, *to, *fails;
  } changes[] = {
    { "expect = ticket once flags I=0 J=0 D=1", "expect = ticket once flags I=0 J=1 D=1",
      "ticket once was granted D=1 E=1 F=1 G=1 H=1 I=0 J=0" },
    { "expect = ticket long validity 1h", "expect = ticket long validity 2h",
      "ticket long is valid for 3600 s, expected 7200 s" },
    { "expect = fail \"J = 0: it may not be reused\"", "expect = ok", "may not be reused" },
  };
  g_autofree gchar *path = g_build_filename (scenarios, "tickets.scn", NULL);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_assert_nonnull (strstr (text, changes[i].from));
      g_autoptr (GString) wrong = g_string_new (text);
      g_string_replace (wrong, changes[i].from, changes[i].to, 1);
      g_auto (ImpsTestRun) r;
      run_text (&r, "wrong-ticket.scn", wrong->str);
      g_assert_cmpint (r.status, ==, 1);
      if (strstr (r.out, changes[i].fails) == NULL)
        g_error ("change %u: expected a failure with '%s':\n%s", i, changes[i].fails, r.out);
    }
}

/* A call step that places no call (its ticket step got none) leaves no
 * last call: an `expect sip` after it fails with the step's reason, not
 * with the status of the call before it (which it read before). */
static void
test_unplaced_call (void)
{
  g_auto (ImpsTestRun) r;
  run_text (&r, "unplaced.scn", NET
            "[policy h-default]\noperator = h\nmay-request-for = sip:*@elsewhere.net\n"
            "[script]\nregister = a\nregister = b\n"
            "call = a b security=sdes-e2e media=200ms\nexpect = sip 200\nhangup = a\n"
            "ticket = a for b as t1\nexpect = fail\n"
            "call = a b ticket=t1\nexpect = sip 200\n");
  g_test_message ("%s", r.out);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL  line "));
  g_assert_nonnull (strstr (r.out, "expect sip 200: the call to sip:b@h.net was not placed: its "
                                   "ticket step got no ticket t1"));
  g_assert_nonnull (strstr (r.out, "5 passed, 1 failed, 0 skipped"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-callctl PATH-TO-IMPSIM SCENARIO-DIR");
  impsim_path = argv[1];
  scenarios = argv[2];
  tmpdir = g_dir_make_tmp ("impsim-callctl-XXXXXX", NULL);
  g_test_add_func ("/callctl/checks", test_checks);
  g_test_add_func ("/callctl/verdicts-can-fail", test_verdicts_can_fail);
  g_test_add_func ("/callctl/ticket-verdicts", test_ticket_verdicts);
  g_test_add_func ("/callctl/unplaced-call", test_unplaced_call);
  int rc = g_test_run ();
  g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
  const gchar *n;
  while (d && (n = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (tmpdir, n, NULL);
      g_unlink (p);
    }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
