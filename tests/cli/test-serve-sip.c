/* impsim serve as an outside SIP UE sees it: the P-CSCF's Gm endpoint and
 * the outside device slot in the endpoint list, then over real loopback
 * UDP a REGISTER without credentials gets 401, one with a wrong password
 * 403, one with the right Digest 200 (the S-CSCF registered it), and
 * malformed bytes 400. The scenario is two-operators.scn with a password
 * added to alice. */
#include "imps-test.h"
#include "digest/imps-digest.h"

#include <gio/gio.h>
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

/* One exchange: the UE socket is blocking with a receive timeout (the
 * server runs in another process). */
static gchar *
exchange (GSocket *ue, GSocketAddress *to, const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (ue, to, text, strlen (text), NULL, &error), ==,
                   (gssize) strlen (text));
  gchar buf[8192];
  gssize n = g_socket_receive (ue, buf, sizeof buf - 1, NULL, &error);
  g_assert_no_error (error);
  buf[n] = '\0';
  return g_strdup (buf);
}

static gchar *
register_text (guint16 ue_port, guint cseq, const gchar *auth)
{
  return g_strdup_printf (
    "REGISTER sip:home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKcli%u;rport\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:alice@home1.net>;tag=c1\r\nTo: <sip:alice@home1.net>\r\n"
    "Call-ID: cli-reg\r\nCSeq: %u REGISTER\r\nContact: <sip:alice@127.0.0.1:%u>\r\n"
    "%s%s%sContent-Length: 0\r\n\r\n",
    ue_port, cseq, cseq, ue_port, auth ? "Authorization: " : "", auth ? auth : "",
    auth ? "\r\n" : "");
}

static gchar *
digest_answer (const gchar *response_401, const gchar *password, guint32 nc)
{
  const gchar *h = strstr (response_401, "WWW-Authenticate: ");
  g_assert_nonnull (h);
  h += strlen ("WWW-Authenticate: ");
  const gchar *end = strstr (h, "\r\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (h, (gsize) (end - h), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new_for (
      c, "alice@home1.net", "sip:home1.net", "c0ffee", nc);
  imps_digest_credentials_sign (cred, "REGISTER", (const guint8 *) password, strlen (password),
                                NULL, 0);
  gchar *v = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  return v;
}

static void
test_register (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (scenario_path, &text, NULL, &error));
  g_auto (GStrv) parts = g_strsplit (text, "impi = alice@home1.net\n", 2);
  g_assert_nonnull (parts[1]);
  g_autofree gchar *with_pw = g_strconcat (parts[0], "impi = alice@home1.net\n",
                                           "password = s3cret pass\n", parts[1], NULL);
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-serve-sip-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *scn = g_build_filename (dir, "outside.scn", NULL);
  g_assert_true (g_file_set_contents (scn, with_pw, -1, &error));

  const gchar *argv[] = { impsim_path, "serve", scn, NULL };
  GPid pid;
  gint out_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  guint gm_port = 0, gm2_port = 0;
  gboolean slot = FALSE;
  for (;;)
    {
      g_autofree gchar *line = read_line (in);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "serving "))
        break;
      guint port;
      if (sscanf (line, "P-CSCF Gm sip:127.0.1.40:%u (UDP and TCP", &port) == 1)
        gm_port = port;
      if (sscanf (line, "P-CSCF Gm sip:127.0.2.40:%u (UDP and TCP", &port) == 1)
        gm2_port = port;
      if (g_str_has_prefix (line, "outside device alice: sip:alice@home1.net, Digest user "
                                  "alice@home1.net"))
        {
          slot = TRUE;
          g_assert_null (strstr (line, "s3cret"));
        }
    }
  g_assert_cmpuint (gm_port, >, 0);
  g_assert_cmpuint (gm2_port, >, 0);
  g_assert_true (slot);

  g_autoptr (GSocket) ue = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                         G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (ue, any, FALSE, &error));
  g_socket_set_timeout (ue, 20);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (ue, &error);
  guint16 ue_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_autoptr (GInetAddress) pa = g_inet_address_new_from_string ("127.0.1.40");
  g_autoptr (GSocketAddress) pcscf = g_inet_socket_address_new (pa, (guint16) gm_port);

  g_autofree gchar *r1 = register_text (ue_port, 1, NULL);
  g_autofree gchar *a1 = exchange (ue, pcscf, r1);
  g_assert_true (g_str_has_prefix (a1, "SIP/2.0 401 "));

  g_autofree gchar *wrong = digest_answer (a1, "not it", 1);
  g_autofree gchar *r2 = register_text (ue_port, 2, wrong);
  g_autofree gchar *a2 = exchange (ue, pcscf, r2);
  g_assert_true (g_str_has_prefix (a2, "SIP/2.0 403 "));

  g_autofree gchar *right = digest_answer (a1, "s3cret pass", 2);
  g_autofree gchar *r3 = register_text (ue_port, 3, right);
  g_autofree gchar *a3 = exchange (ue, pcscf, r3);
  g_assert_true (g_str_has_prefix (a3, "SIP/2.0 200 "));
  g_autofree gchar *contact = g_strdup_printf ("Contact: <sip:alice@127.0.0.1:%u>;expires=", ue_port);
  g_assert_nonnull (strstr (a3, contact));

  const gchar *bad = "OPTIONS sip:home1.net SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\n"
                     "To: <sip:a@b>\r\nCall-ID: bad\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: x\r\n\r\n";
  g_autofree gchar *a4 = exchange (ue, pcscf, bad);
  g_assert_true (g_str_has_prefix (a4, "SIP/2.0 400 "));

  kill (pid, SIGTERM);
  gint status_code = 0;
  g_assert_cmpint (waitpid (pid, &status_code, 0), ==, pid);
  g_assert_true (WIFEXITED (status_code));
  g_assert_cmpint (WEXITSTATUS (status_code), ==, 0);
  g_spawn_close_pid (pid);
  g_unlink (scn);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert (argc == 3);
  impsim_path = argv[1];
  scenario_path = argv[2];
  g_test_add_func ("/serve/sip-register", test_register);
  return g_test_run ();
}
