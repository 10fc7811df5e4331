/* A raw Diameter peer for tests: a TCP connection from a chosen loopback
 * address, bytes written as they are, and whole messages read back while
 * the main loop runs (so servers in the same process answer). */
#pragma once

#include <gio/gio.h>

#include "diameter/imps-diameter.h"

/* Connects to @address:@port from @local (NULL: any). */
static inline GSocketConnection *
raw_peer_connect (const gchar *local, const gchar *address, guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  g_socket_client_set_enable_proxy (c, FALSE);
  if (local)
    {
      g_autoptr (GInetAddress) la = g_inet_address_new_from_string (local);
      g_autoptr (GSocketAddress) lsa = g_inet_socket_address_new (la, 0);
      g_socket_client_set_local_address (c, lsa);
    }
  g_autoptr (GInetAddress) ra = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) rsa = g_inet_socket_address_new (ra, port);
  GSocketConnection *sc = g_socket_client_connect (c, G_SOCKET_CONNECTABLE (rsa), NULL, &error);
  g_assert_no_error (error);
  return sc;
}

static inline void
raw_peer_write (GSocketConnection *sc, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (sc)), data, len, NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

typedef struct {
  GMainLoop *loop;
  gboolean eof;
  gsize got;
  guint8 chunk[4096];
} RawPeerRead;

static inline void
raw_peer_read_done (GObject *src, GAsyncResult *res, gpointer data)
{
  RawPeerRead *r = data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (src), res, &error);
  if (n <= 0)
    r->eof = TRUE;
  else
    r->got = (gsize) n;
  g_main_loop_quit (r->loop);
}

static inline gboolean
raw_peer_guard (gpointer data)
{
  g_error ("no Diameter answer and no close within %s", (const gchar *) data);
  return G_SOURCE_REMOVE;
}

/* The next whole message on @sc (bytes beyond it stay in @buf), or NULL
 * when the peer closes first. A peer that does neither within a minute
 * fails the test (a guard against hanging, not a timing check). */
static inline ImpsDiameterMessage *
raw_peer_read (GSocketConnection *sc, GByteArray *buf)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (sc));
  for (;;)
    {
      gssize need = imps_diameter_frame_length (buf->data, buf->len, NULL);
      g_assert_cmpint (need, >=, 0);
      if (need > 0 && buf->len >= (gsize) need)
        {
          g_autoptr (GError) error = NULL;
          ImpsDiameterMessage *m = imps_diameter_message_parse (buf->data, (gsize) need, &error);
          g_assert_no_error (error);
          g_byte_array_remove_range (buf, 0, (guint) need);
          return m;
        }
      RawPeerRead *r = g_new0 (RawPeerRead, 1);
      r->loop = loop;
      guint guard = g_timeout_add_seconds (60, raw_peer_guard, (gpointer) "60 s");
      g_input_stream_read_async (in, r->chunk, sizeof r->chunk, G_PRIORITY_DEFAULT, NULL,
                                 raw_peer_read_done, r);
      g_main_loop_run (loop);
      g_source_remove (guard);
      gboolean eof = r->eof;
      g_byte_array_append (buf, r->chunk, (guint) r->got);
      g_free (r);
      if (eof)
        return NULL;
    }
}

/* Result-Code of an answer (0 when absent). */
static inline guint32
raw_peer_result (const ImpsDiameterMessage *m)
{
  guint32 code = 0;
  gint i = imps_diameter_message_find (m, 0, IMPS_DIAMETER_AVP_RESULT_CODE);
  if (i >= 0)
    g_assert_true (imps_diameter_avp_get_u32 (imps_diameter_message_avp (m, (guint) i), &code,
                                              NULL));
  return code;
}

/* Experimental-Result-Code of an answer (0 when absent). */
static inline guint32
raw_peer_experimental (const ImpsDiameterMessage *m)
{
  guint32 code = 0;
  gint g = imps_diameter_message_find (m, 0, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT);
  if (g < 0)
    return 0;
  gint i = imps_diameter_message_find_child (m, (guint) g, 0,
                                             IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE);
  if (i >= 0)
    g_assert_true (imps_diameter_avp_get_u32 (imps_diameter_message_avp (m, (guint) i), &code,
                                              NULL));
  return code;
}

/* The AVP inside Failed-AVP (its header and data as sent back), or NULL. */
static inline const ImpsDiameterAvp *
raw_peer_failed_avp (const ImpsDiameterMessage *m)
{
  gint f = imps_diameter_message_find (m, 0, IMPS_DIAMETER_AVP_FAILED_AVP);
  if (f < 0)
    return NULL;
  const ImpsDiameterAvp *g = imps_diameter_message_avp (m, (guint) f);
  if (g->next == (guint) f + 1)
    return NULL;
  return imps_diameter_message_avp (m, (guint) f + 1);
}
