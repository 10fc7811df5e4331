/* A real softphone against impsim serve: baresip (headless, its config
 * folder written here, driven through its ctrl_tcp interface) registers
 * as the outside device carol and
 *
 *   1. with serve --outside-e2ae carol, takes the script's plain call from
 *      bob (its P-CSCF offers it SDES for the AGW) and calls bob with SDES
 *      e2ae: the AGW must authenticate baresip's SRTP in both;
 *   2. takes the script's call from bob (SDES e2e), then calls bob with
 *      SDES e2e: bob must authenticate baresip's SRTP in both calls.
 *
 * No authentication failures or replays anywhere. baresip sends audio, not
 * impsim's payload format, so bob counts its packets as "authenticated but
 * not as sent". Skipped (exit 77) when baresip is not installed. */
#include "outside-ue.h"
#include "softphone.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static gchar *baresip_path;

static const gchar scenario_head[] =
  "[scenario]\n"
  "name = baresip\n"
  "description = bob is simulated, carol is baresip\n"
  "seed = 8\n"
  "start = 2026-01-01T08:00:00Z\n"
  "\n"
  "[operator lab]\n"
  "number = 8\n"
  "domain = lab8.net\n"
  "\n"
  "[subscriber bob]\n"
  "operator = lab\n"
  "impi = bob@lab8.net\n"
  "impu = sip:bob@lab8.net\n"
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
  "opc = cd63cb71954a9f4e48a5994e37a02baf\n"
  "answer-after = 1s\n"
  "\n"
  "[subscriber carol]\n"
  "operator = lab\n"
  "impi = carol@lab8.net\n"
  "impu = sip:carol@lab8.net\n"
  "k = 9e5944aea94b81165c82fbf9f32db751\n"
  "opc = a64a507ae1a2a98bb88eb4210135dc87\n"
  "password = carolpass\n";

typedef struct {
  GPid pid;
  GSocketConnection *ctrl;
} Baresip;

static void
baresip_start (Baresip *b, const gchar *dir, guint gm_port)
{
  guint16 sip_port = sp_free_port ("127.0.0.102", G_SOCKET_TYPE_DATAGRAM);
  guint16 ctrl_port = sp_free_port ("127.0.0.1", G_SOCKET_TYPE_STREAM);
  g_autofree gchar *tone = g_build_filename (dir, "tone.wav", NULL);
  sp_write_tone (tone);
  g_autofree gchar *config = g_strdup_printf (
    "poll_method epoll\n"
    "sip_listen 127.0.0.102:%u\n"
    "net_interface 127.0.0.102\n"
    "audio_player aufile,%s/heard.wav\n"
    "audio_source aufile,%s\n"
    "audio_alert aufile,%s/alert.wav\n"
    "module_path /usr/lib/baresip/modules\n"
    "module g711.so\n"
    "module aufile.so\n"
    "module srtp.so\n"
    "module_app account.so\n"
    "module_app menu.so\n"
    "module_app ctrl_tcp.so\n"
    "ctrl_tcp_listen 127.0.0.1:%u\n",
    sip_port, dir, tone, dir, ctrl_port);
  g_autofree gchar *accounts = g_strdup_printf (
    "<sip:carol@lab8.net>;auth_user=carol@lab8.net;auth_pass=carolpass;"
    "outbound=\"sip:127.0.8.40:%u\";regint=600;mediaenc=srtp-mand;answermode=auto\n",
    gm_port);
  g_autofree gchar *cpath = g_build_filename (dir, "config", NULL);
  g_autofree gchar *apath = g_build_filename (dir, "accounts", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (cpath, config, -1, &error));
  g_assert_true (g_file_set_contents (apath, accounts, -1, &error));
  const gchar *argv[] = { baresip_path, "-f", dir, NULL };
  g_assert_true (g_spawn_async (NULL, (gchar **) argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                  | G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_CHILD_INHERITS_STDIN,
                                ou_die_with_parent, NULL, &b->pid, &error));
  g_assert_no_error (error);
  /* ctrl_tcp listens once baresip is up; the caller connects after the
   * registration it waits for */
  b->ctrl = NULL;
}

static void
baresip_command (Baresip *b, guint16 ctrl_port, const gchar *command, const gchar *params)
{
  g_autoptr (GError) error = NULL;
  if (b->ctrl == NULL)
    {
      g_autoptr (GSocketClient) c = g_socket_client_new ();
      b->ctrl = g_socket_client_connect_to_host (c, "127.0.0.1", ctrl_port, NULL, &error);
      g_assert_no_error (error);
    }
  g_autofree gchar *json = params
    ? g_strdup_printf ("{\"command\":\"%s\",\"params\":\"%s\",\"token\":\"t\"}", command, params)
    : g_strdup_printf ("{\"command\":\"%s\",\"token\":\"t\"}", command);
  g_autofree gchar *ns = g_strdup_printf ("%zu:%s,", strlen (json), json);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (b->ctrl)),
                                            ns, strlen (ns), NULL, NULL, &error));
}

static void
baresip_stop (Baresip *b)
{
  g_clear_object (&b->ctrl);
  kill (b->pid, SIGTERM);
  gint status;
  g_assert_cmpint (waitpid (b->pid, &status, 0), ==, b->pid);
  g_spawn_close_pid (b->pid);
}

/* baresip dials bob; after media, hangs up. Returns the Call-ID. */
static gchar *
dial_bob (SpServe *sv, Baresip *b, guint16 ctrl_port)
{
  baresip_command (b, ctrl_port, "dial", "sip:bob@lab8.net");
  g_autofree gchar *est = sp_wait_line (sv, "call ", "answered, established");
  g_usleep (3 * G_USEC_PER_SEC);
  baresip_command (b, ctrl_port, "hangup", NULL);
  g_autofree gchar *id = sp_call_id_of (est);
  g_autofree gchar *end = sp_wait_line (sv, "call ", "answered, terminated");
  g_assert_nonnull (strstr (end, id));
  return g_steal_pointer (&id);
}

static guint16
read_ctrl_port (const gchar *dir)
{
  g_autofree gchar *path = g_build_filename (dir, "config", NULL);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  guint port = 0;
  g_assert_cmpint (sscanf (strstr (text, "ctrl_tcp_listen "), "ctrl_tcp_listen 127.0.0.1:%u",
                           &port), ==, 1);
  return (guint16) port;
}

/* One lab run: serve with bob calling carol (baresip) with @security, then
 * baresip calling bob; returns serve's report at stop and the Call-IDs of
 * the incoming (*@incoming) and outgoing (*@call) calls. */
static GPtrArray *
lab_run (const gchar *security, gboolean outside_e2ae, gchar **incoming, gchar **call)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-baresip-XXXXXX", &error);
  g_autofree gchar *scn = g_build_filename (dir, "lab.scn", NULL);
  g_autofree gchar *text = g_strdup_printf ("%s\n[script]\ncall = bob carol security=%s media=3s\n",
                                            scenario_head, security);
  g_assert_true (g_file_set_contents (scn, text, -1, &error));
  SpServe sv = { 0 };
  sp_serve_start (&sv, impsim_path, scn, outside_e2ae, "127.0.8.40");
  Baresip b = { 0 };
  baresip_start (&b, dir, sv.gm_port);
  g_free (sp_wait_line (&sv, "outside device sip:carol@lab8.net registered", NULL));
  /* the script's call: bob calls carol, baresip answers at once */
  g_autofree gchar *done = g_strdup_printf ("placed, established (%s)", security);
  g_autofree gchar *est = sp_wait_line (&sv, "call ", done);
  *incoming = sp_call_id_of (est);
  g_free (sp_wait_line (&sv, "call ", "placed, terminated"));
  *call = dial_bob (&sv, &b, read_ctrl_port (dir));
  baresip_stop (&b);
  GPtrArray *report = sp_serve_stop (&sv);
  g_autofree gchar *rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (rm), ==, 0);
  return report;
}

static void
test_e2ae (void)
{
  /* bob calls with plain RTP: carol's P-CSCF offers SDES to baresip for
   * its AGW (carol registered with mediasec through --outside-e2ae) */
  g_autofree gchar *incoming = NULL, *call = NULL;
  g_autoptr (GPtrArray) report = lab_run ("none", TRUE, &incoming, &call);

  guint64 v = 0;
  /* the AGW terminated baresip's SRTP: authenticated, none refused */
  g_assert_true (ou_report_numbers (report, "report agw ", call, "authenticated ", &v));
  g_assert_cmpuint (v, >, 50);
  g_assert_true (ou_report_numbers (report, "report agw ", call, "replays ", &v));
  g_assert_cmpuint (v, ==, 0);
  /* and bob got it as RTP from the AGW */
  g_assert_true (ou_report_numbers (report, "report media ", call, " authenticated but not as sent",
                                &v));
  g_assert_cmpuint (v, >, 50);
  g_assert_true (ou_report_numbers (report, "report call ", call, "bob callee, none", &v));
  /* the call to baresip: its SRTP terminated at the AGW too */
  g_assert_true (ou_report_numbers (report, "report agw ", incoming, "authenticated ", &v));
  g_assert_cmpuint (v, >, 50);
  g_assert_true (ou_report_numbers (report, "report agw ", incoming, "replays ", &v));
  g_assert_cmpuint (v, ==, 0);
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
      /* e2e: bob decrypted and authenticated baresip's SRTP itself */
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
  baresip_path = g_find_program_in_path ("baresip");
  if (baresip_path == NULL)
    {
      printf ("baresip is not installed (Debian: apt-get install baresip): test skipped\n");
      return 77;
    }
  g_test_add_func ("/serve/baresip/e2ae", test_e2ae);
  g_test_add_func ("/serve/baresip/e2e", test_e2e);
  int ret = g_test_run ();
  g_free (baresip_path);
  return ret;
}
