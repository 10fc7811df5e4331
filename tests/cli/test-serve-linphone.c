/* A second softphone against impsim serve: Debian's linphone-cli
 * (linphonec, headless, its linphonerc and home folder written here,
 * driven through its standard input) registers as the outside device
 * carol with SIP Digest and
 *
 *   1. with serve --outside-e2ae carol, takes the script's plain call from
 *      bob (its P-CSCF offers it SDES for the AGW) and calls bob with SDES
 *      e2ae: the AGW must authenticate linphonec's SRTP in both;
 *   2. takes the script's call from bob (SDES e2e), then calls bob with
 *      SDES e2e: bob must authenticate linphonec's SRTP in both calls.
 *
 * linphonec 5.1 does not start its SIP stack (no REGISTER, no listening
 * socket) while it cannot open its database under
 * $HOME/.local/share/linphone, and it ends at the end of its standard
 * input: the test creates the folder and keeps the pipe open. With no
 * sound card it plays a WAV file ("soundcard use files", "play").
 * Skipped (exit 77) when linphonec is not installed. */
#include "outside-ue.h"
#include "softphone.h"

#include <gio/gio.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static gchar *linphonec_path;

static const gchar scenario_head[] =
  "[scenario]\n"
  "name = linphone\n"
  "description = bob is simulated, carol is linphonec\n"
  "seed = 5\n"
  "start = 2026-01-01T08:00:00Z\n"
  "\n"
  "[operator lab]\n"
  "number = 5\n"
  "domain = lab5.net\n"
  "\n"
  "[subscriber bob]\n"
  "operator = lab\n"
  "impi = bob@lab5.net\n"
  "impu = sip:bob@lab5.net\n"
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
  "opc = cd63cb71954a9f4e48a5994e37a02baf\n"
  "answer-after = 1s\n"
  "\n"
  "[subscriber carol]\n"
  "operator = lab\n"
  "impi = carol@lab5.net\n"
  "impu = sip:carol@lab5.net\n"
  "k = 9e5944aea94b81165c82fbf9f32db751\n"
  "opc = a64a507ae1a2a98bb88eb4210135dc87\n"
  "password = carolpass\n";

typedef struct {
  GPid pid;
  GOutputStream *in;     /* linphonec's standard input */
} Linphone;

static void
linphone_command (Linphone *l, const gchar *command)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_strdup_printf ("%s\n", command);
  g_assert_true (g_output_stream_write_all (l->in, line, strlen (line), NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_flush (l->in, NULL, &error));
}

static void
linphone_start (Linphone *l, const gchar *dir, guint gm_port)
{
  guint16 sip_port = sp_free_port ("127.0.0.104", G_SOCKET_TYPE_DATAGRAM);
  guint16 rtp_port = sp_free_port ("127.0.0.104", G_SOCKET_TYPE_DATAGRAM) & ~1u;
  g_autofree gchar *tone = g_build_filename (dir, "tone.wav", NULL);
  sp_write_tone (tone);
  /* the database folder: without it linphonec never starts its SIP stack */
  g_autofree gchar *home = g_build_filename (dir, "home", NULL);
  g_autofree gchar *db = g_build_filename (home, ".local", "share", "linphone", NULL);
  g_assert_cmpint (g_mkdir_with_parents (db, 0700), ==, 0);
  g_autofree gchar *rc = g_strdup_printf (
    "[sip]\n"
    "sip_port=%u\n"
    "sip_tcp_port=-1\n"
    "sip_tls_port=-1\n"
    "bind_address=127.0.0.104\n"
    "default_proxy=0\n"
    "media_encryption=srtp\n"
    "media_encryption_mandatory=1\n"
    "\n"
    "[rtp]\n"
    "audio_rtp_port=%u\n"
    "\n"
    "[proxy_0]\n"
    "reg_proxy=<sip:127.0.5.40:%u>\n"
    "reg_route=<sip:127.0.5.40:%u;lr>\n"
    "reg_identity=sip:carol@lab5.net\n"
    "reg_expires=600\n"
    "reg_sendregister=1\n"
    "publish=0\n"
    "\n"
    "[auth_info_0]\n"
    "username=carol\n"
    "userid=carol@lab5.net\n"
    "passwd=carolpass\n"
    "realm=lab5.net\n",
    sip_port, rtp_port, gm_port, gm_port);
  g_autofree gchar *rc_path = g_build_filename (dir, "linphonerc", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (rc_path, rc, -1, &error));
  g_autofree gchar *log_path = g_build_filename (dir, "linphone.log", NULL);
  const gchar *argv[] = { linphonec_path, "-c", rc_path, "-a", "-d", "6", "-l", log_path, NULL };
  g_auto (GStrv) env = g_get_environ ();
  env = g_environ_setenv (env, "HOME", home, TRUE);
  env = g_environ_unsetenv (env, "XDG_DATA_HOME");
  env = g_environ_unsetenv (env, "XDG_CONFIG_HOME");
  gint in_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, env,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                             | G_SPAWN_STDERR_TO_DEV_NULL,
                                           ou_die_with_parent, NULL, &l->pid, &in_fd, NULL, NULL,
                                           &error));
  g_assert_no_error (error);
  l->in = g_unix_output_stream_new (in_fd, TRUE);
  /* no sound card here: audio from the WAV file */
  linphone_command (l, "soundcard use files");
  g_autofree gchar *play = g_strdup_printf ("play %s", tone);
  linphone_command (l, play);
}

static void
linphone_stop (Linphone *l)
{
  linphone_command (l, "quit");
  g_clear_object (&l->in);
  gint status;
  g_assert_cmpint (waitpid (l->pid, &status, 0), ==, l->pid);
  g_spawn_close_pid (l->pid);
}

/* linphonec dials bob; after media, hangs up. Returns the Call-ID. */
static gchar *
dial_bob (SpServe *sv, Linphone *l)
{
  linphone_command (l, "call sip:bob@lab5.net");
  g_autofree gchar *est = sp_wait_line (sv, "call ", "answered, established");
  g_usleep (3 * G_USEC_PER_SEC);
  linphone_command (l, "terminate");
  g_autofree gchar *id = sp_call_id_of (est);
  g_autofree gchar *end = sp_wait_line (sv, "call ", "answered, terminated");
  g_assert_nonnull (strstr (end, id));
  return g_steal_pointer (&id);
}

/* One lab run: serve with bob calling carol (linphonec) with @security,
 * then linphonec calling bob; returns serve's report at stop and the
 * Call-IDs of the incoming (*@incoming) and outgoing (*@call) calls. */
static GPtrArray *
lab_run (const gchar *security, gboolean outside_e2ae, gchar **incoming, gchar **call)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-linphone-XXXXXX", &error);
  g_autofree gchar *scn = g_build_filename (dir, "lab.scn", NULL);
  g_autofree gchar *text = g_strdup_printf ("%s\n[script]\ncall = bob carol security=%s media=3s\n",
                                            scenario_head, security);
  g_assert_true (g_file_set_contents (scn, text, -1, &error));
  SpServe sv = { 0 };
  sp_serve_start (&sv, impsim_path, scn, outside_e2ae, "127.0.5.40");
  Linphone l = { 0 };
  linphone_start (&l, dir, sv.gm_port);
  /* Digest: a 401, then 200 */
  g_free (sp_wait_line (&sv, "outside device sip:carol@lab5.net registered", NULL));
  /* the script's call: bob calls carol, linphonec answers at once (-a) */
  g_autofree gchar *done = g_strdup_printf ("placed, established (%s)", security);
  g_autofree gchar *est = sp_wait_line (&sv, "call ", done);
  *incoming = sp_call_id_of (est);
  g_free (sp_wait_line (&sv, "call ", "placed, terminated"));
  /* serve's line comes when bob sends his BYE: a "call" command that
   * linphonec reads before the BYE, while its call is still up, is lost */
  g_usleep (G_USEC_PER_SEC);
  *call = dial_bob (&sv, &l);
  linphone_stop (&l);
  GPtrArray *report = sp_serve_stop (&sv);
  /* it registered with SIP Digest: challenged, then not refused */
  guint64 v = 0;
  g_assert_true (ou_report_numbers (report, "report gm ", NULL, "401 ", &v));
  g_assert_cmpuint (v, >=, 1);
  g_assert_true (ou_report_numbers (report, "report gm ", NULL, "403 ", &v));
  g_assert_cmpuint (v, ==, 0);
  if (g_test_failed ())
    {
      g_autofree gchar *log_path = g_build_filename (dir, "linphone.log", NULL);
      g_test_message ("linphonec's log: %s", log_path);
      return report;
    }
  g_autofree gchar *rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (rm), ==, 0);
  return report;
}

static void
test_e2ae (void)
{
  /* bob calls with plain RTP: carol's P-CSCF offers SDES to linphonec for
   * its AGW (carol registered with mediasec through --outside-e2ae) */
  g_autofree gchar *incoming = NULL, *call = NULL;
  g_autoptr (GPtrArray) report = lab_run ("none", TRUE, &incoming, &call);

  guint64 v = 0;
  const gchar *calls[] = { incoming, call };
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      /* the AGW terminated linphonec's SRTP: authenticated, none refused */
      g_assert_true (ou_report_numbers (report, "report agw ", calls[i], "authenticated ", &v));
      g_assert_cmpuint (v, >, 50);
      g_assert_true (ou_report_numbers (report, "report agw ", calls[i], "replays ", &v));
      g_assert_cmpuint (v, ==, 0);
    }
  /* and bob got it as RTP from the AGW */
  g_assert_true (ou_report_numbers (report, "report media ", call, " authenticated but not as sent",
                                &v));
  g_assert_cmpuint (v, >, 50);
  g_assert_true (ou_report_numbers (report, "report call ", call, "bob callee, none", &v));
}

static void
test_e2e (void)
{
  g_autofree gchar *incoming = NULL, *call = NULL;
  g_autoptr (GPtrArray) report = lab_run ("sdes-e2e", FALSE, &incoming, &call);

  guint64 v = 0;
  const gchar *calls[] = { incoming, call };
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      /* e2e: bob decrypted and authenticated linphonec's SRTP itself */
      g_assert_true (ou_report_numbers (report, "report call ", calls[i], "sdes-e2e, terminated", &v));
      g_assert_true (ou_report_numbers (report, "report media ", calls[i],
                                    " authenticated but not as sent", &v));
      g_assert_cmpuint (v, >, 50);
      g_assert_true (ou_report_numbers (report, "report media ", calls[i], " auth failures", &v));
      g_assert_cmpuint (v, ==, 0);
      g_assert_true (ou_report_numbers (report, "report media ", calls[i], " replays", &v));
      g_assert_cmpuint (v, ==, 0);
      g_assert_false (ou_report_numbers (report, "report agw ", calls[i], "authenticated", &v));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert (argc == 2);
  impsim_path = argv[1];
  linphonec_path = g_find_program_in_path ("linphonec");
  if (linphonec_path == NULL)
    {
      printf ("linphonec is not installed (Debian: apt-get install linphone-cli): test "
              "skipped\n");
      return 77;
    }
  g_test_add_func ("/serve/linphone/e2ae", test_e2ae);
  g_test_add_func ("/serve/linphone/e2e", test_e2e);
  int ret = g_test_run ();
  g_free (linphonec_path);
  return ret;
}
