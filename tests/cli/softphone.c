/* What the softphone tests share: see softphone.h. */
#include "softphone.h"
#include "outside-ue.h"

#include <gio/gunixinputstream.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

guint16
sp_free_port (const gchar *address, GSocketType type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, type,
                                        type == G_SOCKET_TYPE_STREAM ? G_SOCKET_PROTOCOL_TCP
                                                                     : G_SOCKET_PROTOCOL_UDP,
                                        &error);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, 0);
  g_assert_true (g_socket_bind (s, sa, FALSE, &error));
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (s, &error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* 20 s of a 440 Hz tone, 8 kHz mono 16-bit: baresip's audio source. */
void
sp_write_tone (const gchar *path)
{
  const guint32 rate = 8000, n = rate * 20;
  g_autoptr (GByteArray) w = g_byte_array_new ();
  guint8 h[44] = { 'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
                   16, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 16, 0,
                   'd', 'a', 't', 'a', 0, 0, 0, 0 };
  guint32 data_len = n * 2, riff = 36 + data_len, byte_rate = rate * 2;
  memcpy (h + 4, &riff, 4);
  memcpy (h + 24, &rate, 4);
  memcpy (h + 28, &byte_rate, 4);
  memcpy (h + 40, &data_len, 4);
  g_byte_array_append (w, h, sizeof h);
  for (guint32 i = 0; i < n; i++)
    {
      gint16 v = (gint16) (8000 * sin (2 * G_PI * 440 * i / rate));
      g_byte_array_append (w, (const guint8 *) &v, 2);
    }
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, (const gchar *) w->data, w->len, &error));
}

gchar *
sp_next_line (SpServe *sv)
{
  g_autoptr (GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_utf8 (sv->out, NULL, NULL, &error);
  g_assert_no_error (error);
  return line;
}

/* Reads serve's lines until one starts with @prefix and contains
 * @contains; returns it. */
gchar *
sp_wait_line (SpServe *sv, const gchar *prefix, const gchar *contains)
{
  for (;;)
    {
      gchar *line = sp_next_line (sv);
      g_assert_nonnull (line);
      g_test_message ("serve: %s", line);
      if (g_str_has_prefix (line, prefix) && (contains == NULL || strstr (line, contains)))
        return line;
      g_free (line);
    }
}

void
sp_serve_start (SpServe *sv, const gchar *impsim_path, const gchar *scn, gboolean e2ae,
                const gchar *pcscf_address)
{
  const gchar *argv[] = { impsim_path, "serve", scn, e2ae ? "--outside-e2ae" : NULL, "carol",
                          NULL };
  gint out_fd;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           ou_die_with_parent, NULL, &sv->pid, NULL, &out_fd, NULL,
                                           &error));
  sv->raw = g_unix_input_stream_new (out_fd, TRUE);
  sv->out = g_data_input_stream_new (sv->raw);
  for (;;)
    {
      g_autofree gchar *line = sp_next_line (sv);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "serving "))
        break;
      guint port;
      const gchar *at = g_str_has_prefix (line, "P-CSCF Gm sip:") ? line + 14 : NULL;
      if (at && g_str_has_prefix (at, pcscf_address) && at[strlen (pcscf_address)] == ':'
          && sscanf (at + strlen (pcscf_address), ":%u (UDP and TCP", &port) == 1)
        sv->gm_port = port;
    }
  g_assert_cmpuint (sv->gm_port, >, 0);
}

/* Stops serve; its report lines. */
GPtrArray *
sp_serve_stop (SpServe *sv)
{
  kill (sv->pid, SIGTERM);
  GPtrArray *report = g_ptr_array_new_with_free_func (g_free);
  gchar *line;
  while ((line = sp_next_line (sv)) != NULL)
    {
      g_test_message ("serve: %s", line);
      g_ptr_array_add (report, line);
    }
  gint status = 0;
  g_assert_cmpint (waitpid (sv->pid, &status, 0), ==, sv->pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_spawn_close_pid (sv->pid);
  g_clear_object (&sv->out);
  g_clear_object (&sv->raw);
  return report;
}

gchar *
sp_call_id_of (const gchar *line)
{
  const gchar *p = line + strlen ("call ");
  const gchar *colon = strchr (p, ':');
  g_assert_nonnull (colon);
  return g_strndup (p, (gsize) (colon - p));
}
