/* Secrets at rest and in output, as a user of impsim sees them: serve
 * draws its own seed (never the file's), stores, key logs, captures and
 * reports are 0600 and the state folder 0700 whatever the umask, and
 * `serve --log` escapes control characters a peer put in a URL or a
 * Diameter User-Name. */
#include "imps-test.h"

#include <gio/gio.h>
#include "diameter/imps-diameter.h"
#include "diameter/imps-diameter-base.h"
#include "diameter/imps-diameter-gba.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const gchar *impsim_path;
static const gchar *scenario_dir;

typedef struct {
  GSubprocess *proc;
  GDataInputStream *out;
  GPtrArray *lines;   /* every line read so far */
  guint64 seed;
  gchar *err_path;
} Serve;

static gchar *
scenario (const gchar *name)
{
  return g_build_filename (scenario_dir, name, NULL);
}

static gchar *
read_line (Serve *s)
{
  g_autoptr (GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_utf8 (s->out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line)
    g_ptr_array_add (s->lines, g_strdup (line));
  return line;
}

static gchar *
serve_stderr (Serve *s)
{
  gchar *text = NULL;
  g_assert_true (g_file_get_contents (s->err_path, &text, NULL, NULL));
  return text;
}

/* Starts impsim serve with @args (NULL-terminated, after "serve") and
 * reads up to its "serving" line; stderr goes to a file. */
static void
serve_start (Serve *s, const gchar *const *args)
{
  static guint n_started;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;

  memset (s, 0, sizeof *s);
  s->lines = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, (gpointer) impsim_path);
  g_ptr_array_add (argv, (gpointer) "serve");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  s->err_path = g_strdup_printf ("%s/impsim-secrets-%d-%u.err", g_get_tmp_dir (), (int) getpid (),
                                 n_started++);
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (l, s->err_path);
  s->proc = g_subprocess_launcher_spawnv (l, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  s->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  for (;;)
    {
      g_autofree gchar *line = read_line (s);
      if (line == NULL)
        {
          g_autofree gchar *err = serve_stderr (s);
          g_error ("impsim serve ended before serving: %s", err);
        }
      if (g_str_has_prefix (line, "serving "))
        {
          const gchar *p = strstr (line, "(seed ");
          g_assert_nonnull (p);
          s->seed = g_ascii_strtoull (p + 6, NULL, 10);
          break;
        }
    }
}

static void
serve_stop (Serve *s)
{
  g_autoptr (GError) error = NULL;
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (s->proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (s->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (s->proc), ==, 0);
  g_clear_object (&s->out);
  g_clear_object (&s->proc);
  g_ptr_array_unref (s->lines);
  g_unlink (s->err_path);
  g_free (s->err_path);
}

/* The address and port of an endpoint line "KIND REF scheme://A:P...". */
static gboolean
endpoint (Serve *s, const gchar *prefix, gchar **host, guint16 *port)
{
  for (guint i = 0; i < s->lines->len; i++)
    {
      const gchar *l = g_ptr_array_index (s->lines, i);
      if (!g_str_has_prefix (l, prefix))
        continue;
      const gchar *p = strstr (l, "://");
      gchar h[64];
      guint pt;
      if (p && sscanf (p + 3, "%63[0-9.]:%u", h, &pt) == 2)
        {
          *host = g_strdup (h);
          *port = (guint16) pt;
          return TRUE;
        }
    }
  return FALSE;
}

static guint
mode_of (const gchar *path)
{
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

/* ---- the seed ---- */

static void
test_serve_seed (void)
{
  g_autofree gchar *scn = scenario ("two-operators.scn");
  /* the file says seed = 42 */
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (scn, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "seed = 42"));

  Serve a, b, c;
  const gchar *plain[] = { scn, NULL };
  serve_start (&a, plain);
  serve_stop (&a);
  serve_start (&b, plain);
  serve_stop (&b);
  /* Each start draws its own seed; none is the file's. */
  g_assert_cmpuint (a.seed, !=, 42);
  g_assert_cmpuint (b.seed, !=, 42);
  g_assert_cmpuint (a.seed, !=, b.seed);

  const gchar *fixed[] = { "--seed", "7", scn, NULL };
  serve_start (&c, fixed);
  g_assert_cmpuint (c.seed, ==, 7);
  serve_stop (&c);
}

/* ---- modes ---- */

static void
assert_private_files (const gchar *dir, guint min_files)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const gchar *name;
  guint n = 0;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      if (g_test_verbose ())
        g_printerr ("%s %04o\n", p, mode_of (p));
      g_assert_cmpuint (mode_of (p), ==, 0600);
      n++;
    }
  g_assert_cmpuint (n, >=, min_files);
}

static void
remove_dir (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_dir (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

static void
test_serve_modes (void)
{
  g_autofree gchar *scn = scenario ("two-operators.scn");
  g_autofree gchar *top = g_dir_make_tmp ("impsim-secrets-XXXXXX", NULL);
  g_autofree gchar *state = g_build_filename (top, "state", NULL);
  g_autofree gchar *cap = g_build_filename (top, "serve.pcap", NULL);
  mode_t old = umask (022);

  /* A state folder someone made readable for all, a capture file left
   * world-readable by an earlier tool. */
  g_assert_cmpint (g_mkdir (state, 0755), ==, 0);
  g_assert_true (g_file_set_contents (cap, "old", 3, NULL));
  g_assert_cmpint (g_chmod (cap, 0644), ==, 0);

  Serve s;
  const gchar *args[] = { "--state-dir", state, "--pcap", cap, scn, NULL };
  serve_start (&s, args);
  g_assert_cmpuint (mode_of (state), ==, 0700);
  g_autofree gchar *err = serve_stderr (&s);
  g_assert_nonnull (strstr (err, "made it 0700"));
  /* HSS, BSF and KMS of two operators, each with its WAL files */
  assert_private_files (state, 6);
  g_assert_cmpuint (mode_of (cap), ==, 0600);
  serve_stop (&s);
  assert_private_files (state, 6);
  g_assert_cmpuint (mode_of (cap), ==, 0600);

  /* A second start into a folder that is already private says nothing. */
  Serve again;
  serve_start (&again, args);
  g_autofree gchar *err2 = serve_stderr (&again);
  g_assert_null (strstr (err2, "0700"));
  serve_stop (&again);

  umask (old);
  remove_dir (top);
}

static void
test_run_modes (void)
{
  g_autofree gchar *scn = scenario ("ticket-reuse-restart.scn");
  g_autofree gchar *top = g_dir_make_tmp ("impsim-secrets-XXXXXX", NULL);
  g_autofree gchar *state = g_build_filename (top, "state", NULL);
  g_autofree gchar *out = g_build_filename (top, "out", NULL);
  mode_t old = umask (022);
  g_assert_cmpint (g_mkdir (state, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);

  const gchar *names[] = { "keys.log", "run.json", "run.xml", "run.svg", "run.pcap" };
  gchar *paths[G_N_ELEMENTS (names)];
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      paths[i] = g_build_filename (out, names[i], NULL);
      /* an existing world-readable file is written and tightened */
      g_assert_true (g_file_set_contents (paths[i], "old", 3, NULL));
      g_assert_cmpint (g_chmod (paths[i], 0644), ==, 0);
    }
  const gchar *argv[] = { impsim_path, "run", "--quiet", "--state-dir", state,
                          "--keylog", paths[0], "--json", paths[1], "--junit", paths[2],
                          "--svg", paths[3], "--pcap", paths[4], scn, NULL };
  g_autofree gchar *sout = NULL, *serr = NULL;
  gint status = 0;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr, &status,
                &error);
  g_assert_no_error (error);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("impsim run failed: %s%s", sout, serr);
  assert_private_files (out, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize len = 0;
      g_autofree gchar *c = NULL;
      g_assert_true (g_file_get_contents (paths[i], &c, &len, NULL));
      g_assert_cmpuint (len, >, 3);   /* written, not left as it was */
      g_free (paths[i]);
    }
  g_assert_cmpuint (mode_of (state), ==, 0700);
  g_assert_nonnull (strstr (serr, "made it 0700"));
  assert_private_files (state, 3);
  umask (old);
  remove_dir (top);
}

/* ---- log lines ---- */

static GSocket *
connect_from (const gchar *from, const gchar *host, guint16 port)
{
  g_autoptr (GError) error = NULL;
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  if (from)
    {
      g_autoptr (GSocketAddress) local = g_inet_socket_address_new_from_string (from, 0);
      g_assert_true (g_socket_bind (sock, local, FALSE, &error));
      g_assert_no_error (error);
    }
  g_autoptr (GSocketAddress) remote = g_inet_socket_address_new_from_string (host, port);
  g_assert_true (g_socket_connect (sock, remote, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_timeout (sock, 10);
  return sock;
}

static void
send_all (GSocket *sock, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  while (len > 0)
    {
      gssize n = g_socket_send (sock, (const gchar *) data, len, NULL, &error);
      g_assert_no_error (error);
      data += n;
      len -= (gsize) n;
    }
}

/* Reads one Diameter frame. */
static void
read_frame (GSocket *sock)
{
  g_autoptr (GError) error = NULL;
  guint8 hdr[4];
  gsize got = 0;
  while (got < 4)
    {
      gssize n = g_socket_receive (sock, (gchar *) hdr + got, 4 - got, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      got += (gsize) n;
    }
  gsize len = ((gsize) hdr[1] << 16) | ((gsize) hdr[2] << 8) | hdr[3];
  g_assert_cmpuint (len, >=, 20);
  g_autofree guint8 *rest = g_malloc (len - 4);
  got = 0;
  while (got < len - 4)
    {
      gssize n = g_socket_receive (sock, (gchar *) rest + got, len - 4 - got, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      got += (gsize) n;
    }
}

/* A MAR from the BSF's address, as the BSF would send it, for an IMPI
 * with a newline and an ESC in it. */
static void
send_forged_mar (const gchar *bsf_address, const gchar *hss_host, guint16 hss_port)
{
  g_autoptr (GSocket) sock = connect_from (bsf_address, hss_host, hss_port);
  ImpsDiameterCapabilities *caps = imps_diameter_capabilities_new ();
  caps->origin_host = g_strdup ("bsf.home1.net");
  caps->origin_realm = g_strdup ("home1.net");
  caps->n_addresses = 1;
  caps->addresses[0].family = IMPS_DIAMETER_ADDRESS_IPV4;
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (bsf_address);
  memcpy (caps->addresses[0].addr, g_inet_address_to_bytes (ia), 4);
  caps->vendor_id = IMPS_DIAMETER_VENDOR_3GPP;
  caps->product_name = g_strdup ("test");
  caps->n_supported_vendors = 1;
  caps->supported_vendors[0] = IMPS_DIAMETER_VENDOR_3GPP;
  caps->n_vendor_apps = 1;
  caps->vendor_apps[0].vendor_id = IMPS_DIAMETER_VENDOR_3GPP;
  caps->vendor_apps[0].auth_application_id = IMPS_DIAMETER_APP_ZH;
  caps->hop_by_hop = 1;
  caps->end_to_end = 1;
  g_autoptr (GBytes) cer = imps_diameter_cer_build (caps);
  imps_diameter_capabilities_free (caps);
  send_all (sock, g_bytes_get_data (cer, NULL), g_bytes_get_size (cer));
  read_frame (sock);

  g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_new ();
  mar->hop_by_hop = 2;
  mar->end_to_end = 2;
  mar->session_id = g_strdup ("bsf.home1.net;1;1");
  mar->origin_host = g_strdup ("bsf.home1.net");
  mar->origin_realm = g_strdup ("home1.net");
  mar->destination_realm = g_strdup ("home1.net");
  mar->impi = g_strdup ("mallory@home1.net\nFORGED-NAME \x1b[2J");
  mar->number_auth_items = 1;
  g_autoptr (GBytes) req = imps_diameter_mar_build (mar);
  send_all (sock, g_bytes_get_data (req, NULL), g_bytes_get_size (req));
  read_frame (sock);
}

static void
test_log_escapes (void)
{
  g_autofree gchar *scn = scenario ("two-operators.scn");
  Serve s;
  const gchar *args[] = { "--log", scn, NULL };
  serve_start (&s, args);
  g_autofree gchar *ub = NULL, *hss = NULL;
  guint16 ub_port = 0, hss_port = 0;
  g_assert_true (endpoint (&s, "BSF Ub", &ub, &ub_port));
  g_assert_true (endpoint (&s, "HSS Zh", &hss, &hss_port));

  /* A URL whose %0a and %1b libsoup decodes into the path. */
  {
    g_autoptr (GSocket) sock = connect_from (NULL, ub, ub_port);
    const gchar *req = "GET /x%0aFORGED-URL%1b[31m HTTP/1.1\r\nHost: bsf.home1.net\r\n\r\n";
    send_all (sock, (const guint8 *) req, strlen (req));
    gchar buf[512];
    g_assert_cmpint (g_socket_receive (sock, buf, sizeof buf, NULL, NULL), >, 0);
  }
  send_forged_mar (ub, hss, hss_port);

  /* Read the log until both have been printed. */
  gboolean url = FALSE, name = FALSE;
  while (!(url && name))
    {
      g_autofree gchar *line = read_line (&s);
      g_assert_nonnull (line);
      g_assert_false (g_str_has_prefix (line, "FORGED"));
      g_assert_null (strchr (line, '\x1b'));
      if (strstr (line, "/x\\nFORGED-URL\\x1b[31m"))
        url = TRUE;
      if (strstr (line, "mallory@home1.net\\nFORGED-NAME \\x1b[2J"))
        name = TRUE;
    }
  serve_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-secrets PATH-TO-IMPSIM SCENARIO-DIR");
  impsim_path = argv[1];
  scenario_dir = argv[2];
  g_test_add_func ("/secrets/serve-seed", test_serve_seed);
  g_test_add_func ("/secrets/serve-modes", test_serve_modes);
  g_test_add_func ("/secrets/run-modes", test_run_modes);
  g_test_add_func ("/secrets/log-escapes", test_log_escapes);
  return g_test_run ();
}
