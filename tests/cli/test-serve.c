/* impsim serve as an outside client sees it: endpoint lines, a real Ub
 * challenge from the BSF (which asked the HSS over Zh), a clean stop on
 * SIGTERM, and a clear error for a bad scenario. */
#include "imps-test.h"

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
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

/* The open-file limit (soft and hard) serve starts under; 0: the test's. */
static rlim_t serve_nofile;

static void
serve_child_setup (gpointer data)
{
  if (serve_nofile)
    {
      struct rlimit rl = { serve_nofile, serve_nofile };
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

/* Starts serve on the scenario, with @option before it when not NULL;
 * its standard output as lines. */
static GDataInputStream *
serve_spawn (const gchar *option, GPid *pid)
{
  const gchar *argv[] = { impsim_path, "serve", option ? option : scenario_path,
                          option ? scenario_path : NULL, NULL };
  g_autoptr (GError) error = NULL;
  gint out_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           serve_child_setup, NULL, pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  return g_data_input_stream_new (raw);
}

static void
test_serve (void)
{
  g_autoptr (GError) error = NULL;
  GPid pid;
  g_autoptr (GDataInputStream) in = serve_spawn (NULL, &pid);

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

/* Starts serve with @extra (one option) and returns its pid and the
 * first KMS Ua endpoint. */
static GPid
serve_with (const gchar *extra, gchar host[64], guint *port, GDataInputStream **in_out)
{
  GPid pid;
  GDataInputStream *in = serve_spawn (extra, &pid);
  *port = 0;
  for (;;)
    {
      g_autofree gchar *line = read_line (in);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "serving "))
        break;
      if (*port == 0)
        sscanf (line, "KMS Ua http://%63[0-9.]:%u/kms", host, port);
    }
  g_assert_cmpuint (*port, >, 0);
  *in_out = in;
  return pid;
}

static void
serve_end (GPid pid, GDataInputStream *in)
{
  kill (pid, SIGTERM);
  gint status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_spawn_close_pid (pid);
  g_object_unref (in);
}

/* One GET on @conn: TRUE when an HTTP status line comes back, FALSE when
 * the server closed the connection first. */
static gboolean
answered (GSocketConnection *conn)
{
  const gchar *req = "GET /kms HTTP/1.1\r\nHost: kms.home1.net\r\n\r\n";
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  if (!g_output_stream_write_all (out, req, strlen (req), NULL, NULL, NULL))
    return FALSE;
  gchar buf[16] = { 0 };
  gsize got = 0;
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, 9, &got, NULL,
                           NULL);
  return got == 9 && g_str_has_prefix (buf, "HTTP/1.1 ");
}

/* Opens @n connections to @host:@port from one address and asks on each;
 * returns how many were answered. */
static guint
answered_of (const gchar *host, guint port, guint n)
{
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection **conns = g_new0 (GSocketConnection *, n);
  for (guint i = 0; i < n; i++)
    {
      conns[i] = g_socket_client_connect_to_host (sc, host, (guint16) port, NULL, &error);
      g_assert_no_error (error);
    }
  guint yes = 0;
  for (guint i = 0; i < n; i++)
    yes += answered (conns[i]);
  for (guint i = 0; i < n; i++)
    g_object_unref (conns[i]);
  g_free (conns);
  return yes;
}

/* --per-address-cap: 2 closes the third connection from one address at
 * once while the first two are served. Under an open-file limit of 1,024
 * the default cap is 64 (a sixteenth): 64 of 100 connections from one
 * address answered; --per-address-cap=0 answers all 100. */
static void
test_per_address_cap (void)
{
  gchar host[64];
  guint port;
  GDataInputStream *in;
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GError) error = NULL;

  GPid pid = serve_with ("--per-address-cap=2", host, &port, &in);
  GSocketConnection *conns[3];
  for (guint i = 0; i < 3; i++)
    {
      conns[i] = g_socket_client_connect_to_host (sc, host, (guint16) port, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_true (answered (conns[0]));
  g_assert_true (answered (conns[1]));
  g_assert_false (answered (conns[2]));
  for (guint i = 0; i < 3; i++)
    g_object_unref (conns[i]);
  serve_end (pid, in);

  serve_nofile = 1024;
  pid = serve_with (NULL, host, &port, &in);
  g_assert_cmpuint (answered_of (host, port, 100), ==, 64);
  serve_end (pid, in);
  pid = serve_with ("--per-address-cap=0", host, &port, &in);
  g_assert_cmpuint (answered_of (host, port, 100), ==, 100);
  serve_end (pid, in);
  serve_nofile = 0;

  /* a negative cap is a usage error */
  const gchar *argv[] = { impsim_path, "serve", "--per-address-cap=-3", scenario_path, NULL };
  g_autofree gchar *err = NULL;
  gint status = 0;
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_nonnull (strstr (err, "--per-address-cap: must not be negative"));
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

/* Runs a command line (argv) and asserts that it exits 0. */
static void
run_ok (const gchar *const *argv)
{
  gint st = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                                   | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &st, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (st, NULL));
}

typedef struct {
  GPid pid;
  GInputStream *raw;
  GDataInputStream *in;
  gchar *zk;       /* kms.home1.net's Zk address:port */
  gchar *ca_path;  /* the printed Zk CA certificate */
} Served;

/* Starts serve and reads its endpoint lines up to "serving". */
static void
serve_start (Served *sv, const gchar *const *argv)
{
  g_autoptr (GError) error = NULL;
  gint out_fd;
  memset (sv, 0, sizeof *sv);
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &sv->pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  sv->raw = g_unix_input_stream_new (out_fd, TRUE);
  sv->in = g_data_input_stream_new (sv->raw);
  for (;;)
    {
      g_autofree gchar *line = read_line (sv->in);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "serving "))
        break;
      gchar host[64];
      guint port;
      if (g_str_has_prefix (line, "Zk CA certificate: "))
        sv->ca_path = g_strdup (line + strlen ("Zk CA certificate: "));
      if (sv->zk == NULL && strstr (line, "kms.home1.net")
          && sscanf (line, "KMS Zk https://%63[0-9.]:%u/kms", host, &port) == 2)
        sv->zk = g_strdup_printf ("%s:%u", host, port);
    }
  g_assert_nonnull (sv->zk);
  g_assert_nonnull (sv->ca_path);
}

static void
serve_stop (Served *sv)
{
  kill (sv->pid, SIGTERM);
  gint status_code = 0;
  g_assert_cmpint (waitpid (sv->pid, &status_code, 0), ==, sv->pid);
  g_assert_true (WIFEXITED (status_code));
  g_assert_cmpint (WEXITSTATUS (status_code), ==, 0);
  g_spawn_close_pid (sv->pid);
  g_object_unref (sv->in);
  g_object_unref (sv->raw);
  g_free (sv->zk);
  g_free (sv->ca_path);
}

/* An outside KMS on Zk (openssl s_client with @cert/@key, trusting
 * @ca_file) asks ticketrequest; returns all that s_client printed. */
static gchar *
zk_client (const gchar *zk, const gchar *ca_file, const gchar *cert, const gchar *key)
{
  g_autoptr (GError) error = NULL;
  const gchar *req = "POST /kms?requesttype=ticketrequest HTTP/1.1\r\nHost: kms.home1.net\r\n"
                     "Connection: close\r\n"
                     "Content-Type: application/mikey\r\nContent-Length: 8\r\n\r\n"
                     "\x01\x00\x00\x00\x00\x00\x00\x00";
  g_autoptr (GBytes) request = g_bytes_new_static (req, strlen (req) + 8);
  const gchar *sc[] = { "timeout", "30", "openssl", "s_client", "-connect", zk, "-CAfile", ca_file,
                        "-servername", "kms.home1.net", "-cert", cert, "-key", key, "-tls1_3",
                        "-ign_eof", NULL };
  g_autoptr (GSubprocess) p = g_subprocess_newv (sc, G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                         | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                         | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                                 &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) out = NULL;
  g_assert_true (g_subprocess_communicate (p, request, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  gchar *text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_test_message ("%s", text);
  return text;
}

/* --event-ring takes a positive number (the ring itself: /event-log/ring). */
static void
test_event_ring (void)
{
  g_autofree gchar *err = NULL;
  gint st = 0;
  g_autoptr (GError) error = NULL;
  const gchar *argv[] = { impsim_path, "serve", scenario_path, "--event-ring", "0", NULL };
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                &st, &error);
  g_assert_no_error (error);
  g_assert_cmpint (WEXITSTATUS (st), ==, 2);
  g_assert_nonnull (strstr (err, "--event-ring"));
  const gchar *ok[] = { impsim_path, "serve", scenario_path, "--event-ring", "5", NULL };
  Served sv;
  serve_start (&sv, ok);
  serve_stop (&sv);
}

/* serve --zk-ca/--zk-ca-key: the KMSs' Zk certificates come from an
 * outside party's CA, so an outside KMS holding a certificate of that CA
 * verifies the served KMS and is verified by it (and, asking
 * ticketrequest on Zk, gets the profile's 403). */
static void
test_zk_ca (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-zk-ca-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *ca_key = g_build_filename (dir, "ca.key", NULL);
  g_autofree gchar *ca_crt = g_build_filename (dir, "ca.crt", NULL);
  g_autofree gchar *cl_key = g_build_filename (dir, "cl.key", NULL);
  g_autofree gchar *cl_csr = g_build_filename (dir, "cl.csr", NULL);
  g_autofree gchar *cl_crt = g_build_filename (dir, "cl.crt", NULL);
  g_autofree gchar *ext = g_build_filename (dir, "ext.cnf", NULL);
  g_autofree gchar *other_key = g_build_filename (dir, "other.key", NULL);
  const gchar *mk_ca[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key, "-out", ca_crt,
                           "-subj", "/CN=outside CA", "-days", "2", "-addext",
                           "basicConstraints=critical,CA:TRUE", "-addext",
                           "keyUsage=critical,keyCertSign,cRLSign", NULL };
  run_ok (mk_ca);
  const gchar *mk_csr[] = { "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout", cl_key, "-out", cl_csr,
                            "-subj", "/CN=kms.outside.net", NULL };
  run_ok (mk_csr);
  g_assert_true (g_file_set_contents (ext, "subjectAltName=DNS:kms.outside.net\n"
                                      "extendedKeyUsage=clientAuth,serverAuth\n", -1, NULL));
  const gchar *sign[] = { "openssl", "x509", "-req", "-in", cl_csr, "-CA", ca_crt, "-CAkey", ca_key,
                          "-CAcreateserial", "-out", cl_crt, "-days", "2", "-extfile", ext, NULL };
  run_ok (sign);
  const gchar *mk_other[] = { "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                              "ec_paramgen_curve:P-256", "-out", other_key, NULL };
  run_ok (mk_other);

  /* the two options go together; a key of another certificate is refused */
  {
    gint st = 0;
    g_autofree gchar *err = NULL;
    const gchar *half[] = { impsim_path, "serve", scenario_path, "--zk-ca", ca_crt, NULL };
    g_spawn_sync (NULL, (gchar **) half, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                  &st, &error);
    g_assert_no_error (error);
    g_assert_cmpint (WEXITSTATUS (st), ==, 2);
    g_assert_nonnull (strstr (err, "--zk-ca and --zk-ca-key go together"));
    g_clear_pointer (&err, g_free);
    const gchar *wrong[] = { impsim_path, "serve", scenario_path, "--zk-ca", ca_crt,
                             "--zk-ca-key", other_key, NULL };
    g_spawn_sync (NULL, (gchar **) wrong, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                  &st, &error);
    g_assert_no_error (error);
    g_assert_cmpint (WEXITSTATUS (st), ==, 1);
    g_assert_nonnull (strstr (err, "not the key of the CA certificate"));
    g_clear_pointer (&err, g_free);
    /* a KMS certificate with its own key is no CA */
    const gchar *leaf[] = { impsim_path, "serve", scenario_path, "--zk-ca", cl_crt,
                            "--zk-ca-key", cl_key, NULL };
    g_spawn_sync (NULL, (gchar **) leaf, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                  &st, &error);
    g_assert_no_error (error);
    g_assert_cmpint (WEXITSTATUS (st), ==, 1);
    g_assert_nonnull (strstr (err, "not a CA"));
  }

  /* --zk-ca: the served KMS's certificate chains to the given CA, and the
   * outside KMS's certificate of that CA is accepted (403 for
   * ticketrequest on Zk is the profile's answer to an accepted peer) */
  {
    const gchar *argv[] = { impsim_path, "serve", scenario_path, "--zk-ca", ca_crt,
                            "--zk-ca-key", ca_key, NULL };
    Served sv;
    serve_start (&sv, argv);
    g_autofree gchar *text = zk_client (sv.zk, ca_crt, cl_crt, cl_key);
    g_assert_nonnull (strstr (text, "Verify return code: 0 (ok)"));
    g_assert_nonnull (strstr (text, "HTTP/1.1 403"));
    serve_stop (&sv);
  }
  /* without it the outside certificate does not chain to the run's CA:
   * no HTTP answer ... */
  {
    const gchar *argv[] = { impsim_path, "serve", scenario_path, NULL };
    Served sv;
    serve_start (&sv, argv);
    g_autofree gchar *text = zk_client (sv.zk, sv.ca_path, cl_crt, cl_key);
    g_assert_null (strstr (text, "HTTP/1.1"));
    serve_stop (&sv);
  }
  /* ... unless --zk-trust names the outside CA: then the run's CA (its
   * printed path) verifies the served KMS and the outside KMS is accepted */
  {
    const gchar *argv[] = { impsim_path, "serve", scenario_path, "--zk-trust", ca_crt, NULL };
    Served sv;
    serve_start (&sv, argv);
    g_autofree gchar *text = zk_client (sv.zk, sv.ca_path, cl_crt, cl_key);
    g_assert_nonnull (strstr (text, "Verify return code: 0 (ok)"));
    g_assert_nonnull (strstr (text, "HTTP/1.1 403"));
    serve_stop (&sv);
  }
  const gchar *rm[] = { "rm", "-rf", dir, NULL };
  run_ok (rm);
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
  g_test_add_func ("/serve/zk-ca", test_zk_ca);
  g_test_add_func ("/serve/event-ring", test_event_ring);
  g_test_add_func ("/serve/per-address-cap", test_per_address_cap);
  return g_test_run ();
}
