/* impsim run as CI and researchers use it: verdict lines, the closing line,
 * exit codes, JSON and JUnit reports, the key log, and a seed that repeats a
 * run byte for byte. */
#include "imps-test.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static const gchar *scenarios;
static gchar *tmpdir;

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
run (Run *r, const gchar *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  gint ws = 0;
  g_ptr_array_add (argv, (gpointer) impsim_path);
  g_ptr_array_add (argv, (gpointer) "run");
  for (const gchar *const *a = args; *a; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  memset (r, 0, sizeof *r);
  g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                &ws, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (ws));
  r->status = WEXITSTATUS (ws);
}

static gchar *
write_scenario (const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static const gchar *
last_line (gchar *out)
{
  g_strchomp (out);
  const gchar *nl = strrchr (out, '\n');
  return nl ? nl + 1 : out;
}

#define NET "[scenario]\nseed = 1\n[operator h]\nnumber = 1\ndomain = h.net\nnodes = hss; bsf\n" \
  "[subscriber a]\noperator = h\nimpi = a@h.net\nimpu = sip:a@h.net\n" \
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n"

static void
test_verdicts (void)
{
  g_autofree gchar *path = write_scenario ("v.scn", NET "[script]\nbootstrap = a\nexpect = ok\n"
                                                    "expect = fail\nexpect = refusal bsf.h.net\n"
                                                    "advance = 90m\nexpect = bootstrapped a\n");
  g_autofree gchar *json = g_build_filename (tmpdir, "v.json", NULL);
  g_autofree gchar *junit = g_build_filename (tmpdir, "v.xml", NULL);
  g_autofree gchar *keys = g_build_filename (tmpdir, "v.keys", NULL);
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "--json", json, "--junit", junit, "--keylog", keys, path, NULL });

  /* ok passes; fail and refusal fail (nothing failed, nothing refused);
   * the Ks of 1 h has expired after 90 minutes. */
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (last_line (r.out), ==, "1 passed, 3 failed, 0 skipped");
  g_assert_nonnull (strstr (r.out, "PASS  line 15: expect ok"));
  g_assert_nonnull (strstr (r.out, "FAIL  line 16: expect fail: expected bootstrap a to fail"));
  g_assert_nonnull (strstr (r.out, "FAIL  line 17: expect refusal bsf.h.net: no refusal at bsf.h.net "
                                   "during bootstrap a (no node refused anything)"));
  g_assert_nonnull (strstr (r.out, "has expired (valid until 2026-01-01T01:00:00Z)"));
  /* The text ladder of every message follows (without --quiet). */
  g_assert_nonnull (strstr (r.out, "\nladder: "));
  g_assert_nonnull (strstr (r.out, "+--------->|  MAR\n"));
  g_assert_nonnull (strstr (r.out, "|<---------+  MAA 2001\n"));

  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, json, &error));
  /* One run in the report's runs (docs/report-json.md). */
  JsonObject *o = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "runs"), 0);
  g_assert_cmpint (json_object_get_int_member (o, "passed"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "failed"), ==, 3);
  JsonArray *steps = json_object_get_array_member (o, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 6);
  JsonObject *s1 = json_array_get_object_element (steps, 1);
  g_assert_cmpstr (json_object_get_string_member (s1, "verdict"), ==, "pass");
  JsonArray *events = json_object_get_array_member (o, "events");
  g_assert_cmpuint (json_array_get_length (events), >=, 8);
  JsonObject *counters = json_object_get_object_member (o, "counters");
  g_assert_cmpint (json_object_get_int_member (counters, "messages_Zh"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (counters, "messages_Ub"), ==, 4);

  g_autofree gchar *xml = NULL;
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  g_assert_nonnull (strstr (xml, "tests=\"4\" failures=\"3\""));
  g_assert_nonnull (strstr (xml, "<failure message=\"no refusal at bsf.h.net"));

  g_autofree gchar *keylog = NULL;
  g_assert_true (g_file_get_contents (keys, &keylog, NULL, NULL));
  g_assert_true (g_str_has_prefix (keylog, "GBA_KS a@h.net "));
  g_assert_cmpuint (strlen (keylog), ==, strlen ("GBA_KS a@h.net ") + 24 + strlen ("@bsf.h.net ") + 64 + 1);
}

static void
test_repeatable (void)
{
  /* The demo: real sockets (Ub, Ua, Zn, Zh, Zk with TLS), SIP, forking and
   * media, so every source of nondeterminism is exercised. */
  g_autofree gchar *path = g_build_filename (scenarios, "demo.scn", NULL);
  g_autofree gchar *j1 = g_build_filename (tmpdir, "r1.json", NULL);
  g_autofree gchar *j2 = g_build_filename (tmpdir, "r2.json", NULL);
  g_autofree gchar *j3 = g_build_filename (tmpdir, "r3.json", NULL);
  g_auto (Run) a;
  g_auto (Run) b;
  g_auto (Run) c;
  g_autofree gchar *p1 = g_build_filename (tmpdir, "r1.pcap", NULL);
  g_autofree gchar *p2 = g_build_filename (tmpdir, "r2.pcap", NULL);
  run (&a, (const gchar *const[]) { "-q", "--json", j1, "--pcap", p1, path, NULL });
  run (&b, (const gchar *const[]) { "-q", "--json", j2, "--pcap", p2, path, NULL });
  run (&c, (const gchar *const[]) { "-q", "--seed", "5", "--json", j3, path, NULL });
  g_assert_cmpint (a.status, ==, 0);
  g_autofree gchar *t1 = NULL, *t2 = NULL, *t3 = NULL;
  g_assert_true (g_file_get_contents (j1, &t1, NULL, NULL));
  g_assert_true (g_file_get_contents (j2, &t2, NULL, NULL));
  g_assert_true (g_file_get_contents (j3, &t3, NULL, NULL));
  /* Same seed: every event's bytes (their SHA-256) and every verdict equal.
   * (Compared without printing the reports, which are long.) */
  g_assert_true (strcmp (t1, t2) == 0);
  g_assert_nonnull (strstr (t1, "\"sha256\""));
  g_assert_false (strcmp (t1, t3) == 0);
  /* And so is the capture, media included. */
  g_autofree gchar *c1 = NULL, *c2 = NULL;
  gsize l1 = 0, l2 = 0;
  g_assert_true (g_file_get_contents (p1, &c1, &l1, NULL));
  g_assert_true (g_file_get_contents (p2, &c2, &l2, NULL));
  g_assert_cmpuint (l1, >, 100000);
  g_assert_true (l1 == l2 && memcmp (c1, c2, l1) == 0);
}

/* Only an end of the last call can hang it up; anyone else's hangup is a
 * failed step that says whose call it is. */
static void
test_hangup (void)
{
  g_autofree gchar *path = write_scenario ("h.scn",
    "[scenario]\nseed = 2\n[operator h]\nnumber = 1\ndomain = h.net\n"
    "[subscriber a]\noperator = h\nimpi = a@h.net\nimpu = sip:a@h.net\n"
    "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n"
    "[subscriber b]\noperator = h\nimpi = b@h.net\nimpu = sip:b@h.net\n"
    "k = fec86ba6eb707ed08905757b1bb44b8f\nopc = 1006020f0a478bf6b699f15c062e42b3\n"
    "[subscriber c]\noperator = h\nimpi = c@h.net\nimpu = sip:c@h.net\n"
    "k = 9e5944aea94b81165c82fbf9f32db751\nopc = a64a507ae1a2a98bb88eb4210135dc87\n"
    "[script]\nregister = a\nregister = b\ncall = a b media=200ms\n"
    "hangup = c\nexpect = fail no established call\nhangup = b\nexpect = ok\n"
    "hangup = a\nexpect = fail no established call\n");
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", path, NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (last_line (r.out), ==, "6 passed, 0 failed, 0 skipped");
  g_assert_nonnull (strstr (r.out, "b hung up call"));
  /* The observer names the caller, not the device that hung up. */
  g_assert_nonnull (strstr (r.out, "(none, a -> b)"));
}

#define IMS2 "[scenario]\nseed = 7\n[operator h]\nnumber = 1\ndomain = h.net\n" \
  "[operator g]\nnumber = 2\ndomain = g.net\n[agreement hg]\noperators = h; g\n" \
  "[policy h-default]\noperator = h\nmay-request-for = sip:*@h.net\n" \
  "[policy g-default]\noperator = g\nforking = false\n" \
  "[subscriber a]\noperator = h\nimpi = a@h.net\nimpu = sip:a@h.net\n" \
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n" \
  "[subscriber b]\noperator = h\nimpi = b@h.net\nimpu = sip:b@h.net\n" \
  "k = fec86ba6eb707ed08905757b1bb44b8f\nopc = 1006020f0a478bf6b699f15c062e42b3\n" \
  "[subscriber c]\noperator = g\nimpi = c@g.net\nimpu = sip:c@g.net\n" \
  "k = 9e5944aea94b81165c82fbf9f32db751\nopc = a64a507ae1a2a98bb88eb4210135dc87\n" \
  "[subscriber d]\noperator = g\nimpi = d@g.net\nimpu = sip:d@g.net\n" \
  "k = 9e5944aea94b81165c82fbf9f32db752\nopc = a64a507ae1a2a98bb88eb4210135dc88\n" \
  "devices = phone; tab\n"

/* A callee given as a URI: the step keeps its own copy (it was a pointer
 * into freed memory), the call reaches the right user, and the run
 * repeats byte for byte. */
static void
test_uri_callee (void)
{
  g_autofree gchar *path = write_scenario ("uri.scn", IMS2
    "[script]\nregister = a\nregister = b\ncall = a \"sip:b@h.net\" media=200ms\n"
    "expect = established\nexpect = media\nexpect = message media RTP stream\nhangup = a\n"
    "call = a sip:b@h.net security=sdes-e2e media=200ms\nexpect = established\n"
    "expect = no-message media\nhangup = b\n");
  g_autofree gchar *j1 = g_build_filename (tmpdir, "uri1.json", NULL);
  g_autofree gchar *j2 = g_build_filename (tmpdir, "uri2.json", NULL);
  g_auto (Run) a;
  g_auto (Run) b;
  run (&a, (const gchar *const[]) { "-q", "--json", j1, path, NULL });
  run (&b, (const gchar *const[]) { "-q", "--json", j2, path, NULL });
  /* The media reference point has events now: message passes, no-message
   * fails (with the stream it found). */
  g_assert_cmpstr (last_line (a.out), ==, "8 passed, 1 failed, 0 skipped");
  g_assert_nonnull (strstr (a.out, "PASS  line 46: expect established: call "));
  g_assert_nonnull (strstr (a.out, "answered by b\n"));
  g_assert_nonnull (strstr (a.out, "PASS  line 48: expect message media RTP stream: media a -> b: "
                                   "RTP stream of call "));
  g_assert_nonnull (strstr (a.out, "FAIL  line 52: expect no-message media: unexpected media message "
                                   "a -> b: SRTP stream of call "));
  g_autofree gchar *t1 = NULL, *t2 = NULL;
  g_assert_true (g_file_get_contents (j1, &t1, NULL, NULL));
  g_assert_true (g_file_get_contents (j2, &t2, NULL, NULL));
  g_assert_true (strcmp (t1, t2) == 0);
  g_assert_nonnull (strstr (t1, "\"args\" : \"a \\\"sip:b@h.net\\\" media=200ms\""));
}

/* After a failed action that a verdict reported, later verdicts are
 * skipped: not run, counted apart, shown as such in text, JSON and JUnit. */
static void
test_skipped (void)
{
  g_autofree gchar *path = write_scenario ("skip.scn", IMS2
    "[script]\nregister = a\nhangup = a\nregister = b\nexpect = ok\ncall = a b\n"
    "expect = established\n");
  g_autofree gchar *json = g_build_filename (tmpdir, "skip.json", NULL);
  g_autofree gchar *junit = g_build_filename (tmpdir, "skip.xml", NULL);
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", "--json", json, "--junit", junit, path, NULL });
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (last_line (r.out), ==, "1 passed, 1 failed, 2 skipped");
  g_assert_nonnull (strstr (r.out, "FAIL  line 44: hangup a: a has no established call"));
  g_assert_nonnull (strstr (r.out, "SKIP  line 46: expect ok: skipped: line 44, hangup a, failed: "));
  g_assert_nonnull (strstr (r.out, "SKIP  line 48: expect established: skipped: line 44"));
  /* Skipped steps do not run: b never registered. */
  g_assert_null (strstr (r.out, "b registered"));

  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, json, &error));
  /* One run in the report's runs (docs/report-json.md). */
  JsonObject *o = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "runs"), 0);
  g_assert_cmpint (json_object_get_int_member (o, "failed"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "skipped"), ==, 2);
  JsonArray *steps = json_object_get_array_member (o, "steps");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 3), "verdict"),
                   ==, "skipped");
  g_autofree gchar *xml = NULL;
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  g_assert_nonnull (strstr (xml, "tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"2\""));
  g_assert_nonnull (strstr (xml, "<skipped message=\"skipped: line 44"));

  /* -q without reports keeps no results of reported steps, but the failed
   * action the skips name stays */
  g_auto (Run) q;
  run (&q, (const gchar *const[]) { "-q", path, NULL });
  g_assert_cmpint (q.status, ==, 1);
  g_assert_cmpstr (last_line (q.out), ==, "1 passed, 1 failed, 2 skipped");
  g_assert_nonnull (strstr (q.out, "SKIP  line 46: expect ok: skipped: line 44, hangup a, failed: "));
  g_assert_nonnull (strstr (q.out, "SKIP  line 48: expect established: skipped: line 44, hangup a"));
}

/* A verdict on a refused action carries the refusing node's reason, not
 * only the MIKEY error code. */
static void
test_root_cause (void)
{
  g_autofree gchar *path = write_scenario ("cause.scn", IMS2
    "[script]\nregister = a\nregister = c\ncall = a c security=mikey-ticket\nexpect = ok\n"
    "expect = refusal kms.g.net\n");
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", path, NULL });
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL  line 46: expect ok: call a c security=mikey-ticket failed: "));
  g_assert_nonnull (strstr (r.out, "ERR 15 (Invalid TPpar) (kms.h.net refused: "));
  g_assert_nonnull (strstr (r.out, "sip:a@h.net may not request a ticket for sip:c@g.net "
                                   "(may request for: sip:*@h.net))\n"));
  /* A refusal expected at the wrong node names the refusals there were;
   * judged although the action failed (it says what happened). */
  g_assert_nonnull (strstr (r.out, "FAIL  line 47: expect refusal kms.g.net: no refusal at kms.g.net "
                                   "during call a c security=mikey-ticket (refusals logged: "
                                   "kms.h.net: policy refused: ERR 15 (Invalid TPpar)"));
  g_assert_cmpstr (last_line (r.out), ==, "2 passed, 2 failed, 0 skipped");
}

/* forks-differ and forks-share compare the forks' TGKs: a ticket granted
 * with I=0 gives every device the one TGK (their TEKs still differ through
 * RANDRr, which forks-differ used to compare). */
static void
test_forks (void)
{
  g_autofree gchar *path = write_scenario ("forks.scn", IMS2
    "[script]\nregister = c\nregister = d\nregister = d.tab\n"
    "call = c d security=mikey-ticket media=200ms\nexpect = established\n"
    "expect = forks-differ\nexpect = forks-share\nexpect = exposure kms.g.net keys\n"
    "expect = exposure kms.h.net none\nhangup = c\n");
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", path, NULL });
  g_assert_cmpstr (last_line (r.out), ==, "8 passed, 1 failed, 0 skipped");
  g_assert_nonnull (strstr (r.out, "FAIL  line 48: expect forks-differ: two forks derived keys from "
                                   "the same TGK (no key forking): TGK fingerprints d "));
  g_assert_nonnull (strstr (r.out, "PASS  line 49: expect forks-share: 2 forks, one TGK for all"));
  /* Only the KMS that issued the ticket could derive the keys. */
  g_assert_nonnull (strstr (r.out, "PASS  line 51: expect exposure kms.h.net none"));
}

static void
test_errors (void)
{
  g_autofree gchar *bad = write_scenario ("bad.scn", NET "[script]\nbootstrap = a\nfly = away\n");
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { bad, NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "bad.scn:15: [script] fly: unknown verb"));

  g_autofree gchar *nodev = write_scenario ("nodev.scn", NET "[script]\nbootstrap = zed\n");
  g_auto (Run) n;
  run (&n, (const gchar *const[]) { nodev, NULL });
  g_assert_cmpint (n.status, ==, 2);
  g_assert_nonnull (strstr (n.err, "no device 'zed'"));

  g_autofree gchar *dur = write_scenario ("dur.scn", NET "[script]\nadvance = soon\n");
  g_auto (Run) d;
  run (&d, (const gchar *const[]) { dur, NULL });
  g_assert_cmpint (d.status, ==, 2);
  g_assert_nonnull (strstr (d.err, "'soon' is not a duration"));

  /* "nan" and "inf" parse as numbers but are no durations. */
  g_autofree gchar *nan = write_scenario ("nan.scn", NET "[script]\nadvance = nan\n");
  g_auto (Run) dn;
  run (&dn, (const gchar *const[]) { nan, NULL });
  g_assert_cmpint (dn.status, ==, 2);
  g_assert_nonnull (strstr (dn.err, "'nan' is not a duration"));
  g_autofree gchar *inf = write_scenario ("inf.scn", NET "[script]\nadvance = infs\n");
  g_auto (Run) di;
  run (&di, (const gchar *const[]) { inf, NULL });
  g_assert_cmpint (di.status, ==, 2);

  /* Nothing to judge is an error, not a pass with 0 verdicts. */
  g_autofree gchar *empty = write_scenario ("empty.scn", NET);
  g_auto (Run) e;
  run (&e, (const gchar *const[]) { empty, NULL });
  g_assert_cmpint (e.status, ==, 2);
  g_assert_nonnull (strstr (e.err, "empty.scn: no [script] steps"));

  /* Checked before any node starts: a typo in a node name. */
  g_autofree gchar *typo = write_scenario ("typo.scn", NET "[script]\nbootstrap = a\n"
                                                       "expect = refusal bsf.h.nett\n");
  g_auto (Run) t;
  run (&t, (const gchar *const[]) { typo, NULL });
  g_assert_cmpint (t.status, ==, 2);
  g_assert_nonnull (strstr (t.err, "typo.scn:15: [script] expect: no node 'bsf.h.nett' in this "
                                   "network (hss.h.net, bsf.h.net, or a device)"));
  g_assert_null (strstr (t.out, "running"));

  g_auto (Run) m;
  run (&m, (const gchar *const[]) { "/nonexistent.scn", NULL });
  g_assert_cmpint (m.status, ==, 2);
  g_auto (Run) none;
  run (&none, (const gchar *const[]) { NULL });
  g_assert_cmpint (none.status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-run PATH-TO-IMPSIM SCENARIO-DIR");
  impsim_path = argv[1];
  scenarios = argv[2];
  tmpdir = g_dir_make_tmp ("impsim-run-XXXXXX", NULL);
  g_test_add_func ("/run/verdicts", test_verdicts);
  g_test_add_func ("/run/repeatable", test_repeatable);
  g_test_add_func ("/run/errors", test_errors);
  g_test_add_func ("/run/hangup", test_hangup);
  g_test_add_func ("/run/uri-callee", test_uri_callee);
  g_test_add_func ("/run/skipped", test_skipped);
  g_test_add_func ("/run/root-cause", test_root_cause);
  g_test_add_func ("/run/forks", test_forks);
  int rc = g_test_run ();
  g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
  const gchar *n;
  while (d && (n = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (tmpdir, n, NULL);
      g_unlink (p);
    }
  g_rmdir (tmpdir);
  return rc;
}
