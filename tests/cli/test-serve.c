/* impsim serve as an outside client sees it: endpoint lines, a real Ub
 * challenge from the BSF (which asked the HSS over Zh), a clean stop on
 * SIGTERM, and a clear error for a bad scenario. */
#include "imps-test.h"

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static const gchar *scenario_path;

static gchar *
read_line (GDataInputStream *in)
{
  g_autoptr (GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  return line;
}

static void
test_serve (void)
{
  const gchar *argv[] = { impsim_path, "serve", scenario_path, NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;
  gint out_fd;

  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);

  g_autofree gchar *ub_host = NULL;
  guint ub_port = 0, endpoints = 0;
  gboolean ca_seen = FALSE;
  for (;;)
    {
      g_autofree gchar *line = read_line (in);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "serving "))
        break;
      if (g_str_has_prefix (line, "Zk CA certificate: "))
        {
          /* the run's CA, for outside Zk clients: a PEM file only we can read */
          const gchar *path = line + strlen ("Zk CA certificate: ");
          GStatBuf st;
          g_assert_cmpint (g_stat (path, &st), ==, 0);
          g_assert_cmpint (st.st_mode & 0777, ==, 0600);
          g_autofree gchar *pem = NULL;
          g_assert_true (g_file_get_contents (path, &pem, NULL, NULL));
          g_assert_true (g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----"));
          ca_seen = TRUE;
          continue;
        }
      endpoints++;
      gchar host[64];
      guint port;
      if (ub_port == 0 && sscanf (line, "BSF Ub http://%63[0-9.]:%u/", host, &port) == 2)
        {
          ub_host = g_strdup (host);
          ub_port = port;
        }
    }
  /* Two operators, each with an HSS (Zh) and a BSF (Ub, Zn) at least. */
  g_assert_cmpuint (endpoints, >=, 6);
  g_assert_true (ca_seen);
  g_assert_cmpstr (ub_host, ==, "127.0.1.20");

  /* An outside GBA client's first request gets the AKA challenge. */
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = g_socket_client_connect_to_host (sc, ub_host, (guint16) ub_port,
                                                                       NULL, &error);
  g_assert_no_error (error);
  const gchar *req = "GET / HTTP/1.1\r\nHost: bsf.home1.net\r\n"
                     "Authorization: Digest username=\"alice@home1.net\", realm=\"bsf.home1.net\", "
                     "nonce=\"\", uri=\"/\", response=\"\"\r\n\r\n";
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req, strlen (req),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GDataInputStream) resp = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_autofree gchar *status = read_line (resp);
  g_assert_true (g_str_has_prefix (status, "HTTP/1.1 401"));
  gboolean challenge = FALSE;
  for (;;)
    {
      g_autofree gchar *h = read_line (resp);
      if (h == NULL || h[0] == '\r' || h[0] == '\0')
        break;
      if (g_str_has_prefix (h, "WWW-Authenticate: Digest") && strstr (h, "AKAv1-MD5"))
        challenge = TRUE;
    }
  g_assert_true (challenge);

  kill (pid, SIGTERM);
  gint status_code = 0;
  g_assert_cmpint (waitpid (pid, &status_code, 0), ==, pid);
  g_assert_true (WIFEXITED (status_code));
  g_assert_cmpint (WEXITSTATUS (status_code), ==, 0);
  g_autofree gchar *last = read_line (in);
  g_assert_nonnull (last);
  g_assert_true (g_str_has_prefix (last, "stopped after"));
  g_spawn_close_pid (pid);
}

static void
test_bad_scenario (void)
{
  g_autofree gchar *out = NULL, *err = NULL;
  gint status = 0;
  g_autoptr (GError) error = NULL;
  const gchar *argv[] = { impsim_path, "serve", "/nonexistent.scn", NULL };
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent.scn"));

  const gchar *argv2[] = { impsim_path, "serve", NULL };
  g_free (err);
  err = NULL;
  g_spawn_sync (NULL, (gchar **) argv2, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err, &status, &error);
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-serve PATH-TO-IMPSIM SCENARIO");
  impsim_path = argv[1];
  scenario_path = argv[2];
  g_test_add_func ("/serve/outside-client", test_serve);
  g_test_add_func ("/serve/bad-scenario", test_bad_scenario);
  return g_test_run ();
}
