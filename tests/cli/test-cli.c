/* The top level of the impsim command: what a user or a script sees. */
#include "imps-config.h"
#include "imps-test.h"
#include "diameter/imps-diameter.h"

#include <glib/gstdio.h>

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
  /* the heap: jemalloc when built with it (never under the sanitizers) */
  const gchar *heap = strchr (r.out, '\n');
  g_assert_nonnull (heap);
#ifdef IMPS_HAVE_JEMALLOC
  g_assert_true (g_str_has_prefix (heap + 1, "heap: jemalloc 5."));
#elif defined(__SANITIZE_ADDRESS__)
  g_assert_true (g_str_has_prefix (heap + 1, "heap: AddressSanitizer's\n"));
#else
  g_assert_true (g_str_has_prefix (heap + 1, "heap: glibc malloc\n"));
#endif
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

static gchar *
temp_file (const gchar *name, const void *data, gsize len)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-decode-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  return path;
}

static void
remove_temp (const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_unlink (path);
  g_rmdir (dir);
}

/* impsim decode recognises Diameter, SIP (with its SDP and the MIKEY in
 * a=key-mgmt) and SDP as well as MIKEY (issue 4 item 5). */
static void
test_decode_protocols (void)
{
  static const gchar sip[] =
    "INVITE sip:bob@home2.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.1.1.1:5060;branch=z9hG4bK1\r\n"
    "From: <sip:alice@home1.net>;tag=1\r\nTo: <sip:bob@home2.net>\r\n"
    "Call-ID: x@y\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
    "Content-Type: application/sdp\r\nContent-Length: 100\r\n\r\n"
    "v=0\r\no=- 1 1 IN IP4 127.1.1.1\r\ns=-\r\nc=IN IP4 127.1.1.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=sendrecv\r\n";
  g_autofree gchar *sip_path = temp_file ("invite.sip", sip, strlen (sip));
  g_auto (Run) r;
  run (&r, "decode", sip_path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Request-Line: INVITE sip:bob@home2.net SIP/2.0"));
  g_assert_nonnull (strstr (r.out, "m=audio 40000 RTP/AVP 0"));
  remove_temp (sip_path);

  /* A Content-Length that does not match: exit 1 with the reason. */
  g_autofree gchar *bad = g_strdup (sip);
  *strstr (bad, "100") = '9';
  g_autofree gchar *bad_path = temp_file ("bad.sip", bad, strlen (bad));
  g_auto (Run) b;
  run (&b, "decode", bad_path, NULL);
  g_assert_cmpint (b.status, ==, 1);
  g_assert_nonnull (strstr (b.err, "not a valid sip message"));
  remove_temp (bad_path);

  g_autoptr (ImpsDiameterBuilder) db = imps_diameter_builder_new (
      IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P, IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO,
      IMPS_DIAMETER_APP_ZN, 1, 2);
  imps_diameter_builder_add_utf8 (db, IMPS_DIAMETER_AVP_SESSION_ID, IMPS_DIAMETER_AVP_FLAG_M, 0, "kms;1");
  imps_diameter_builder_add_octets (db, IMPS_DIAMETER_AVP_TRANSACTION_IDENTIFIER,
                                    IMPS_DIAMETER_AVP_FLAG_M, IMPS_DIAMETER_VENDOR_3GPP,
                                    (const guint8 *) "abc@bsf.home1.net", 17);
  g_autoptr (GBytes) bir = imps_diameter_builder_finish (g_steal_pointer (&db));
  g_autofree gchar *dia_path = temp_file ("bir.bin", g_bytes_get_data (bir, NULL),
                                          g_bytes_get_size (bir));
  g_auto (Run) d;
  run (&d, "decode", "--json", dia_path, NULL);
  g_assert_cmpint (d.status, ==, 0);
  g_assert_nonnull (strstr (d.out, "Bootstrapping-Info"));
  g_assert_nonnull (strstr (d.out, "Transaction-Identifier"));
  remove_temp (dia_path);
}

/* A capture or file is outside input: a decoded field with a newline or
 * an ESC in it cannot start a line of its own or drive the terminal. */
static void
test_decode_escapes (void)
{
  static const gchar sdp[] = "v=0\r\no=- 1 1 IN IP4 127.1.1.1\r\ns=x\x1b[2Jy\r\n"
                             "c=IN IP4 127.1.1.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
  g_autofree gchar *path = temp_file ("esc.sdp", sdp, strlen (sdp));
  g_auto (Run) r;
  run (&r, "decode", path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Line: s=x\\x1b[2Jy"));
  g_assert_null (strchr (r.out, '\x1b'));
  /* what needs no escape stays as it was */
  g_assert_nonnull (strstr (r.out, "Line: m=audio 40000 RTP/AVP 0 [sdp.line]"));
  remove_temp (path);
}

/* An empty standard input (the test's is /dev/null) is input that does
 * not decode (exit 1 with the reason), not a crash: its bytes have no data
 * pointer. Found by fuzz/cli/fuzz-decode-input.c. */
static void
test_decode_empty (void)
{
  g_auto (Run) r;
  run (&r, "decode", "-", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "0 bytes"));
  g_assert_null (strstr (r.err, "CRITICAL"));
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
  g_test_add_func ("/cli/decode-protocols", test_decode_protocols);
  g_test_add_func ("/cli/decode-escapes", test_decode_escapes);
  g_test_add_func ("/cli/decode-empty", test_decode_empty);
  return g_test_run ();
}
