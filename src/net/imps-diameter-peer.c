#include "imps-diameter-peer.h"
#include "imps-source.h"
#include "imps-accept.h"
#include "diameter/imps-diameter-base.h"
#include "imps-bytes.h"

#include <string.h>

G_DEFINE_QUARK (imps-net-error-quark, imps_net_error)

#define READ_CHUNK 16384

/* ---------------------------------------------------------------------
 * A framed connection, shared by the server's connections and the client.
 * ------------------------------------------------------------------- */

typedef struct _Conn Conn;

typedef void (*ConnFrameFunc) (Conn *conn, const guint8 *data, gsize len, gpointer owner);
typedef void (*ConnCloseFunc) (Conn *conn, const GError *error, gpointer owner);

struct _Conn {
  gint ref_count;
  GSocketConnection *sc;
  GInputStream *in;
  GOutputStream *out;
  GCancellable *cancel;
  GByteArray *buf;
  guint8 chunk[READ_CHUNK];
  GQueue writes;          /* of GBytes* */
  GBytes *in_flight;      /* the write under way */
  gboolean writing;
  gboolean close_after_write;
  gboolean closed;
  ConnFrameFunc on_frame;
  ConnCloseFunc on_close;
  gpointer owner;         /* not a reference; cleared when the owner goes */
  gchar *peer;
  gchar *address;         /* the peer's IP address as text, or NULL */
  GByteArray *sink;       /* socketless (fed) connections: what was sent */
  guint idle_ms;          /* 0: no idle limit */
  guint frame_ms;         /* 0: no limit on completing a frame */
  GSource *idle_timer;     /* fires at or before idle_deadline */
  gint64 idle_deadline;    /* monotonic time at which the idle limit ends */
  GSource *frame_timer;
  GSource *read_source;    /* while open: the socket is readable */
};

static gint sources_made;

guint
imps_diameter_peer_sources_made (void)
{
  return (guint) g_atomic_int_get (&sources_made);
}

static Conn *
conn_ref (Conn *c)
{
  c->ref_count++;
  return c;
}

static void
conn_unref (Conn *c)
{
  if (--c->ref_count > 0)
    return;
  g_assert (c->idle_timer == NULL && c->frame_timer == NULL && c->read_source == NULL);
  g_clear_object (&c->sc);
  g_clear_object (&c->cancel);
  g_byte_array_unref (c->buf);
  g_queue_clear_full (&c->writes, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&c->in_flight, g_bytes_unref);
  g_free (c->peer);
  g_free (c->address);
  g_free (c);
}

static void
conn_close (Conn *c, const GError *error)
{
  if (c->closed)
    return;
  c->closed = TRUE;
  /* the read source holds a reference: keep one until the end */
  conn_ref (c);
  imps_source_drop (&c->idle_timer);
  imps_source_drop (&c->frame_timer);
  imps_source_drop (&c->read_source);
  g_cancellable_cancel (c->cancel);
  if (c->sc)
    g_io_stream_close (G_IO_STREAM (c->sc), NULL, NULL);
  if (c->on_close && c->owner)
    c->on_close (c, error, c->owner);
  conn_unref (c);
}

static void conn_write_next (Conn *c);
static void conn_idle_restart (Conn *c);

static void
write_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;

  c->writing = FALSE;
  g_clear_pointer (&c->in_flight, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error))
    conn_close (c, error);
  else if (!c->closed)
    conn_write_next (c);
  conn_unref (c);
}

static void
conn_write_next (Conn *c)
{
  if (c->writing || c->closed)
    return;
  GBytes *b = g_queue_pop_head (&c->writes);
  if (c->sc == NULL)
    {
      /* A fed connection: keep what would have been written. */
      while (b != NULL)
        {
          gsize blen;
          const guint8 *bdata = g_bytes_get_data (b, &blen);
          if (c->sink)
            g_byte_array_append (c->sink, bdata, (guint) blen);
          g_bytes_unref (b);
          b = g_queue_pop_head (&c->writes);
        }
      if (c->close_after_write)
        conn_close (c, NULL);
      return;
    }
  /* Most writes fit in the socket's buffer at once: write them now, and
   * leave only what does not (or fails: the asynchronous write reports it
   * as before) to an asynchronous write. */
  while (b != NULL && G_IS_POLLABLE_OUTPUT_STREAM (c->out)
         && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (c->out)))
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (b, &len);
      gssize n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (c->out),
                                                             data, len, NULL, NULL);
      if (n < 0 || (gsize) n >= len)
        {
          if (n < 0)
            break;
          g_bytes_unref (b);
          b = g_queue_pop_head (&c->writes);
          continue;
        }
      GBytes *rest = g_bytes_new_from_bytes (b, (gsize) n, len - (gsize) n);
      g_bytes_unref (b);
      b = rest;
      break;
    }
  if (b == NULL)
    {
      if (c->close_after_write)
        conn_close (c, NULL);
      return;
    }
  c->writing = TRUE;
  c->in_flight = b;
  gsize len;
  const guint8 *data = g_bytes_get_data (b, &len);
  g_output_stream_write_all_async (c->out, data, len, G_PRIORITY_DEFAULT, c->cancel,
                                   write_done, conn_ref (c));
}

static void
conn_send (Conn *c, GBytes *bytes)
{
  if (c->closed)
    return;
  g_queue_push_tail (&c->writes, g_bytes_ref (bytes));
  /* not the frame limit: a handler that answers at once sends while the
   * request is still in the buffer */
  conn_idle_restart (c);
  conn_write_next (c);
}

static void conn_read_more (Conn *c);

static gboolean
idle_expired (gpointer data)
{
  Conn *c = data;
  /* Bytes since the timer was set moved the deadline: wait for it. */
  gint64 now = g_get_monotonic_time ();
  if (now < c->idle_deadline)
    {
      g_source_set_ready_time (c->idle_timer, c->idle_deadline);
      return G_SOURCE_CONTINUE;
    }
  g_source_unref (c->idle_timer);
  c->idle_timer = NULL;
  g_autoptr (GError) e = g_error_new (IMPS_NET_ERROR, IMPS_NET_ERROR_TIMEOUT,
                                      "nothing from %s for %u ms: connection closed",
                                      c->peer, c->idle_ms);
  conn_close (c, e);
  return G_SOURCE_REMOVE;
}

static gboolean
frame_expired (gpointer data)
{
  Conn *c = data;
  g_source_unref (c->frame_timer);
  c->frame_timer = NULL;
  g_autoptr (GError) e = g_error_new (IMPS_NET_ERROR, IMPS_NET_ERROR_TIMEOUT,
                                      "%s left a Diameter message incomplete (%u bytes) "
                                      "for %u ms: connection closed", c->peer, c->buf->len,
                                      c->frame_ms);
  conn_close (c, e);
  return G_SOURCE_REMOVE;
}

static gboolean
deadline_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  /* Fired once; the callback may set a later time. */
  g_source_set_ready_time (source, -1);
  return callback (data);
}

static GSourceFuncs deadline_funcs = { NULL, NULL, deadline_dispatch, NULL, NULL, NULL };

/* A source that calls @func at monotonic time @when (and again whenever
 * @func sets a new ready time and returns G_SOURCE_CONTINUE). Moving the
 * deadline later needs no new source: the callback sees the deadline has
 * moved and waits for it (setting a source's time from its own dispatch
 * does not wake the main context up). */
static GSource *
deadline_start (Conn *c, gint64 when, GSourceFunc func)
{
  GSource *t = g_source_new (&deadline_funcs, sizeof (GSource));
  g_atomic_int_inc (&sources_made);
  g_source_set_ready_time (t, when);
  g_source_set_callback (t, func, c, NULL);
  g_source_attach (t, g_main_context_get_thread_default ());
  return t;
}

static GSource *
timer_start (Conn *c, guint ms, GSourceFunc func)
{
  GSource *t = g_timeout_source_new (ms);
  g_atomic_int_inc (&sources_made);
  g_source_set_callback (t, func, c, NULL);
  g_source_attach (t, g_main_context_get_thread_default ());
  return t;
}

/* The idle limit starts again (bytes came or go). */
static void
conn_idle_restart (Conn *c)
{
  if (c->closed || c->sc == NULL || c->idle_ms == 0)
    return;
  c->idle_deadline = g_get_monotonic_time () + (gint64) c->idle_ms * 1000;
  if (c->idle_timer == NULL)
    c->idle_timer = deadline_start (c, c->idle_deadline, idle_expired);
}

/* Called whenever bytes arrive: the idle limit starts again, and the frame
 * limit runs while a message is incomplete. */
static void
conn_timers_update (Conn *c)
{
  if (c->closed || c->sc == NULL)
    return;
  conn_idle_restart (c);
  if (c->buf->len == 0)
    imps_source_drop (&c->frame_timer);
  else if (c->frame_timer == NULL && c->frame_ms > 0)
    c->frame_timer = timer_start (c, c->frame_ms, frame_expired);
}

static void
conn_process (Conn *c)
{
  while (!c->closed)
    {
      g_autoptr (GError) error = NULL;
      gssize need = imps_diameter_frame_length (c->buf->data, c->buf->len, &error);
      if (need < 0)
        {
          g_autoptr (GError) e = g_error_new (IMPS_NET_ERROR, IMPS_NET_ERROR_PROTOCOL,
                                              "not a Diameter stream from %s: %s", c->peer,
                                              error->message);
          conn_close (c, e);
          return;
        }
      if (need == 0 || c->buf->len < (gsize) need)
        return;
      conn_ref (c);
      if (c->on_frame && c->owner)
        c->on_frame (c, c->buf->data, (gsize) need, c->owner);
      if (!c->closed)
        {
          g_byte_array_remove_range (c->buf, 0, (guint) need);
          /* A whole message came: the frame limit starts again for the
           * next one (a busy peer's reads may end mid-message every time). */
          imps_source_drop (&c->frame_timer);
        }
      conn_unref (c);
    }
}

/* What one read gave (@n bytes in c->chunk, 0 at the peer's end, < 0
 * with @error): the messages it completes, or the close. TRUE when bytes
 * came. */
static gboolean
conn_took (Conn *c, gssize n, const GError *error)
{
  if (n <= 0)
    {
      conn_close (c, n < 0 ? error : NULL);
      return FALSE;
    }
  g_byte_array_append (c->buf, c->chunk, (guint) n);
  conn_process (c);
  conn_timers_update (c);
  return TRUE;
}

static void
read_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (!c->closed && conn_took (c, n, error))
    conn_read_more (c);
  conn_unref (c);
}

/* The socket is readable: one read, as read_done does with its result. */
static gboolean
conn_readable (GObject *stream, gpointer data)
{
  Conn *c = data;
  if (c->closed)
    return G_SOURCE_REMOVE;
  g_autoptr (GError) error = NULL;
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (c->in), c->chunk,
                                                       sizeof c->chunk, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  conn_ref (c);
  conn_took (c, n, error);
  gboolean open = !c->closed;
  conn_unref (c);
  return open ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
conn_socket_readable (GSocket *socket, GIOCondition cond, gpointer data)
{
  return conn_readable (NULL, data);
}

static void
conn_read_more (Conn *c)
{
  if (c->closed)
    return;
  /* A socket's stream: one source for the connection's life, instead of
   * an asynchronous read (a task and a source) for every read. */
  if (G_IS_POLLABLE_INPUT_STREAM (c->in)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (c->in)))
    {
      if (c->read_source != NULL)
        return;
      /* the socket's own source, never blocked while it runs (a stream's
       * source wraps one in another, and each is blocked and unblocked
       * around every dispatch: a wake-up of the main loop each time) */
      c->read_source = g_socket_create_source (g_socket_connection_get_socket (c->sc),
                                               G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (c->read_source, G_SOURCE_FUNC (conn_socket_readable),
                             conn_ref (c), (GDestroyNotify) conn_unref);
      g_source_set_can_recurse (c->read_source, TRUE);
      g_source_attach (c->read_source, g_main_context_get_thread_default ());
      g_atomic_int_inc (&sources_made);
      return;
    }
  g_input_stream_read_async (c->in, c->chunk, sizeof c->chunk, G_PRIORITY_DEFAULT,
                             c->cancel, read_done, conn_ref (c));
}

/* @sc NULL: a connection without a socket, fed by imps_diameter_server_feed(). */
static Conn *
conn_new (GSocketConnection *sc, const gchar *peer, ConnFrameFunc on_frame,
          ConnCloseFunc on_close, gpointer owner)
{
  Conn *c = g_new0 (Conn, 1);
  c->ref_count = 1;
  if (sc)
    {
      c->sc = g_object_ref (sc);
      c->in = g_io_stream_get_input_stream (G_IO_STREAM (sc));
      c->out = g_io_stream_get_output_stream (G_IO_STREAM (sc));
    }
  c->cancel = g_cancellable_new ();
  c->buf = g_byte_array_new ();
  g_queue_init (&c->writes);
  c->on_frame = on_frame;
  c->on_close = on_close;
  c->owner = owner;
  c->peer = g_strdup (peer);
  return c;
}

static void
conn_start (Conn *c)
{
  conn_timers_update (c);
  conn_read_more (c);
}

/* ---------------------------------------------------------------------
 * Names and summaries.
 * ------------------------------------------------------------------- */

const gchar *
imps_diameter_command_abbrev (guint32 command, gboolean request)
{
  switch (command)
    {
    case IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE:
      return request ? "CER" : "CEA";
    case IMPS_DIAMETER_CMD_DEVICE_WATCHDOG:
      return request ? "DWR" : "DWA";
    case IMPS_DIAMETER_CMD_DISCONNECT_PEER:
      return request ? "DPR" : "DPA";
    case IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH:
      return request ? "MAR" : "MAA";
    case IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO:
      return request ? "BIR" : "BIA";
    default:
      return request ? "Diameter request" : "Diameter answer";
    }
}

/* "MAR", or "MAR (resynchronisation: RAND and AUTS)" when its
 * SIP-Auth-Data-Item carries SIP-Authorization (TS 29.109, Zh: the
 * BSF passes the UE's AUTS on to the HSS). */
static gchar *
request_summary (const ImpsDiameterMessage *msg)
{
  const gchar *abbrev = imps_diameter_command_abbrev (msg->command, TRUE);
  if (msg->command == IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH)
    {
      gint item = imps_diameter_message_find (msg, IMPS_DIAMETER_VENDOR_3GPP,
                                              IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM);
      if (item >= 0
          && imps_diameter_message_find_child (msg, (guint) item, IMPS_DIAMETER_VENDOR_3GPP,
                                               IMPS_DIAMETER_AVP_SIP_AUTHORIZATION) >= 0)
        return g_strdup_printf ("%s (resynchronisation: RAND and AUTS)", abbrev);
    }
  return g_strdup (abbrev);
}

/* "MAA 2001" / "BIA 5403 DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID". */
static gchar *
answer_summary (const ImpsDiameterMessage *msg)
{
  const gchar *abbrev = imps_diameter_command_abbrev (msg->command, FALSE);
  guint32 code = 0;
  gboolean experimental = FALSE;
  gint i = imps_diameter_message_find (msg, IMPS_DIAMETER_VENDOR_NONE, IMPS_DIAMETER_AVP_RESULT_CODE);
  if (i >= 0)
    imps_diameter_avp_get_u32 (imps_diameter_message_avp (msg, (guint) i), &code, NULL);
  else
    {
      gint er = imps_diameter_message_find (msg, IMPS_DIAMETER_VENDOR_NONE,
                                            IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT);
      gint erc = er < 0 ? -1
                        : imps_diameter_message_find_child (msg, (guint) er, IMPS_DIAMETER_VENDOR_NONE,
                                                            IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE);
      if (erc >= 0)
        {
          imps_diameter_avp_get_u32 (imps_diameter_message_avp (msg, (guint) erc), &code, NULL);
          experimental = TRUE;
        }
    }
  if (code == 0)
    return g_strdup (abbrev);
  if (code == IMPS_DIAMETER_SUCCESS)
    return g_strdup_printf ("%s %u", abbrev, code);
  const gchar *name = imps_diameter_result_code_name (code, experimental);
  return g_strdup_printf ("%s %u%s%s", abbrev, code, name ? " " : "", name ? name : "");
}

/* ---------------------------------------------------------------------
 * Server.
 * ------------------------------------------------------------------- */

typedef struct {
  gchar *origin_host;
  gchar *address;
} AllowedPeer;

struct _ImpsDiameterServer {
  ImpsNetwork *net;
  gchar *node_name;
  gchar *origin_host;
  gchar *origin_realm;
  ImpsRefPoint ref;
  GArray *apps;
  ImpsDiameterHandler handler;
  gpointer user_data;
  ImpsAcceptor *acceptor;
  gchar *address;
  guint16 port;
  GPtrArray *conns;       /* of Conn*, each holding one reference */
  guint32 origin_state_id;
  gboolean restricted;    /* only the allowed peers get answers */
  GPtrArray *allowed;     /* of AllowedPeer* */
  ImpsDiameterLimits limits;
};

struct _ImpsDiameterRequest {
  ImpsDiameterServer *server;
  Conn *conn;
  ImpsDiameterMessage *msg;
};

static void
allowed_peer_free (gpointer p)
{
  AllowedPeer *a = p;
  g_free (a->origin_host);
  g_free (a->address);
  g_free (a);
}

static void
server_log (ImpsDiameterServer *s, gboolean inbound, const gchar *peer,
            const guint8 *data, gsize len, ImpsEventKind kind,
            const gchar *detail, const gchar *summary)
{
  g_autoptr (GBytes) bytes = data ? g_bytes_new (data, len) : NULL;
  g_autofree gchar *stream = g_strdup_printf ("diameter %s-%s", peer, s->node_name);
  imps_network_log (s->net, kind, s->ref, IMPS_PROTO_DIAMETER,
                    inbound ? peer : s->node_name, inbound ? s->node_name : peer,
                    bytes, stream, detail, "%s", summary);
}

static void
server_send_answer (ImpsDiameterServer *s, Conn *c, GBytes *answer)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (answer, &len);
  g_autoptr (ImpsDiameterMessage) m = imps_diameter_message_parse (data, len, NULL);
  g_autofree gchar *summary = m ? answer_summary (m) : g_strdup ("Diameter answer (malformed)");
  server_log (s, FALSE, c->peer, data, len, IMPS_EVENT_MESSAGE, NULL, summary);
  conn_send (c, answer);
}

/* An answer with @result (E only for 3xxx), the reason in Error-Message
 * and, when @error names an AVP of @raw, Failed-AVP. @data is the request's
 * raw header (at least 20 bytes). */
static void
server_answer_error (ImpsDiameterServer *s, Conn *c, const guint8 *data, gsize len,
                     guint32 result, const gchar *message, const GError *error)
{
  if (len < IMPS_DIAMETER_HEADER_SIZE || !(data[4] & IMPS_DIAMETER_FLAG_R))
    return;
  g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new (
      imps_diameter_answer_flags (data[4], result), imps_load_u24 (data + 5),
      imps_load_u32 (data + 8), imps_load_u32 (data + 12), imps_load_u32 (data + 16));
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  s->origin_host);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  s->origin_realm);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                 result);
  if (message)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ERROR_MESSAGE, 0, 0, message);
  if (error)
    imps_diameter_builder_add_failed_avp (b, data, len, error);
  g_autoptr (GBytes) answer = imps_diameter_builder_finish (g_steal_pointer (&b));
  server_send_answer (s, c, answer);
}

static ImpsDiameterCapabilities *
server_caps (ImpsDiameterServer *s)
{
  ImpsDiameterCapabilities *caps = imps_diameter_capabilities_new ();
  caps->result_code = IMPS_DIAMETER_SUCCESS;
  caps->origin_host = g_strdup (s->origin_host);
  caps->origin_realm = g_strdup (s->origin_realm);
  caps->n_addresses = 1;
  caps->addresses[0].family = IMPS_DIAMETER_ADDRESS_IPV4;
  g_autoptr (GInetAddress) ia = s->address ? g_inet_address_new_from_string (s->address) : NULL;
  if (ia && g_inet_address_get_family (ia) == G_SOCKET_FAMILY_IPV4)
    memcpy (caps->addresses[0].addr, g_inet_address_to_bytes (ia), 4);
  caps->vendor_id = IMPS_DIAMETER_VENDOR_3GPP;
  caps->product_name = g_strdup ("impsim");
  caps->has_origin_state_id = TRUE;
  caps->origin_state_id = s->origin_state_id;
  caps->n_supported_vendors = 1;
  caps->supported_vendors[0] = IMPS_DIAMETER_VENDOR_3GPP;
  caps->n_vendor_apps = MIN (s->apps->len, IMPS_DIAMETER_MAX_LISTED_APPS);
  for (guint i = 0; i < caps->n_vendor_apps; i++)
    {
      caps->vendor_apps[i].vendor_id = IMPS_DIAMETER_VENDOR_3GPP;
      caps->vendor_apps[i].auth_application_id = g_array_index (s->apps, guint32, i);
    }
  return caps;
}

static ImpsDiameterPeerControl *
server_peer_control (ImpsDiameterServer *s)
{
  ImpsDiameterPeerControl *ctl = imps_diameter_peer_control_new ();
  ctl->result_code = IMPS_DIAMETER_SUCCESS;
  ctl->origin_host = g_strdup (s->origin_host);
  ctl->origin_realm = g_strdup (s->origin_realm);
  ctl->has_origin_state_id = TRUE;
  ctl->origin_state_id = s->origin_state_id;
  return ctl;
}

static gboolean
server_address_allowed (ImpsDiameterServer *s, const gchar *address)
{
  for (guint i = 0; address && i < s->allowed->len; i++)
    {
      AllowedPeer *a = g_ptr_array_index (s->allowed, i);
      if (strcmp (a->address, address) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
server_peer_allowed (ImpsDiameterServer *s, const gchar *address, const gchar *origin_host)
{
  for (guint i = 0; address && i < s->allowed->len; i++)
    {
      AllowedPeer *a = g_ptr_array_index (s->allowed, i);
      if (strcmp (a->address, address) == 0
          && g_ascii_strcasecmp (a->origin_host, origin_host) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Only the peers the scenario names get answers (profile §11, Diameter):
 * the source address and the Origin-Host must be a pair on the list. A
 * refused peer gets 3010 DIAMETER_UNKNOWN_PEER and the connection closes.
 * Returns FALSE when the request was refused. */
static gboolean
server_check_peer (ImpsDiameterServer *s, Conn *c, const ImpsDiameterMessage *msg)
{
  if (!s->restricted)
    return TRUE;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *origin_host = NULL;
  gint i = imps_diameter_message_find (msg, 0, IMPS_DIAMETER_AVP_ORIGIN_HOST);
  if (i >= 0)
    origin_host = imps_diameter_avp_dup_utf8 (imps_diameter_message_avp (msg, (guint) i), &error);
  const gchar *abbrev = imps_diameter_command_abbrev (msg->command, TRUE);
  if (i < 0 || origin_host == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("%s from %s without a readable Origin-Host: "
                                               "the peer cannot be identified", abbrev,
                                               c->address ? c->address : c->peer);
      server_log (s, TRUE, c->peer, NULL, 0, IMPS_EVENT_REFUSAL, why, "unknown Diameter peer");
      server_answer_error (s, c, msg->raw, msg->raw_len, IMPS_DIAMETER_UNKNOWN_PEER, why, NULL);
      c->close_after_write = TRUE;
      conn_write_next (c);
      return FALSE;
    }
  if (server_peer_allowed (s, c->address, origin_host))
    return TRUE;
  /* Shown escaped and cut, so a hostile Origin-Host can neither forge
   * log lines nor push the answer over the message size limit. */
  if (strlen (origin_host) > 255)
    strcpy (g_utf8_find_prev_char (origin_host, origin_host + 253) ?: origin_host + 252, "...");
  g_autofree gchar *shown = g_strescape (origin_host, NULL);
  g_autofree gchar *why = NULL;
  if (!server_address_allowed (s, c->address))
    why = g_strdup_printf ("%s from %s (Origin-Host \"%s\"): no peer of %s is known at this "
                           "address", abbrev, c->address ? c->address : c->peer, shown,
                           s->node_name);
  else
    why = g_strdup_printf ("%s from %s with Origin-Host \"%s\": not the host known at this "
                           "address", abbrev, c->address, shown);
  server_log (s, TRUE, c->peer, NULL, 0, IMPS_EVENT_REFUSAL, why, "unknown Diameter peer");
  server_answer_error (s, c, msg->raw, msg->raw_len, IMPS_DIAMETER_UNKNOWN_PEER, why, NULL);
  c->close_after_write = TRUE;
  conn_write_next (c);
  return FALSE;
}

static void
server_on_cer (ImpsDiameterServer *s, Conn *c, const ImpsDiameterMessage *msg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDiameterCapabilities) peer = imps_diameter_capabilities_parse (msg, &error);
  if (peer == NULL)
    {
      server_log (s, TRUE, c->peer, NULL, 0, IMPS_EVENT_REFUSAL, error->message, "CER refused");
      server_answer_error (s, c, msg->raw, msg->raw_len, imps_diameter_error_result_code (error),
                           error->message, error);
      return;
    }
  g_autoptr (ImpsDiameterCapabilities) caps = server_caps (s);
  gboolean common = FALSE;
  for (guint i = 0; i < s->apps->len; i++)
    common |= imps_diameter_capabilities_supports (peer, g_array_index (s->apps, guint32, i));
  if (!common)
    {
      /* RFC 6733 §5.3: no common application; the transport goes. */
      g_autoptr (GString) apps = g_string_new (NULL);
      for (guint i = 0; i < s->apps->len; i++)
        g_string_append_printf (apps, "%s%u", i ? ", " : "", g_array_index (s->apps, guint32, i));
      caps->result_code = IMPS_DIAMETER_NO_COMMON_APPLICATION;
      caps->error_message = g_strdup_printf ("no common application (this node serves %s)",
                                             apps->str);
      server_log (s, TRUE, c->peer, NULL, 0, IMPS_EVENT_REFUSAL, caps->error_message,
                  "CER refused");
      c->close_after_write = TRUE;
    }
  g_autoptr (GBytes) cea = imps_diameter_cea_build (msg, caps);
  server_send_answer (s, c, cea);
}

static void
server_on_frame (Conn *c, const guint8 *data, gsize len, gpointer owner)
{
  ImpsDiameterServer *s = owner;
  g_autoptr (GError) error = NULL;
  ImpsDiameterMessage *msg = imps_diameter_message_parse (data, len, &error);

  if (msg == NULL)
    {
      server_log (s, TRUE, c->peer, data, len, IMPS_EVENT_REFUSAL, error->message,
                  "Diameter (malformed)");
      server_answer_error (s, c, data, len, imps_diameter_error_result_code (error),
                           error->message, error);
      return;
    }
  gboolean request = imps_diameter_message_is_request (msg);
  const gchar *abbrev = imps_diameter_command_abbrev (msg->command, request);
  if (!request)
    {
      server_log (s, TRUE, c->peer, data, len, IMPS_EVENT_REFUSAL,
                  "an answer to no request of ours: ignored", abbrev);
      imps_diameter_message_free (msg);
      return;
    }
  g_autofree gchar *summary = request_summary (msg);
  server_log (s, TRUE, c->peer, data, len, IMPS_EVENT_MESSAGE, NULL, summary);

  if (!server_check_peer (s, c, msg))
    {
      imps_diameter_message_free (msg);
      return;
    }
  if (!imps_diameter_message_check_mandatory (msg, &error))
    {
      server_log (s, TRUE, c->peer, NULL, 0, IMPS_EVENT_REFUSAL, error->message,
                  "AVP unsupported");
      server_answer_error (s, c, data, len, IMPS_DIAMETER_AVP_UNSUPPORTED, error->message, error);
      imps_diameter_message_free (msg);
      return;
    }

  switch (msg->command)
    {
    case IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE:
      server_on_cer (s, c, msg);
      break;
    case IMPS_DIAMETER_CMD_DEVICE_WATCHDOG:
      {
        g_autoptr (ImpsDiameterPeerControl) ctl = server_peer_control (s);
        g_autoptr (GBytes) dwa = imps_diameter_dwa_build (msg, ctl);
        server_send_answer (s, c, dwa);
        break;
      }
    case IMPS_DIAMETER_CMD_DISCONNECT_PEER:
      {
        g_autoptr (ImpsDiameterPeerControl) ctl = server_peer_control (s);
        g_autoptr (GBytes) dpa = imps_diameter_dpa_build (msg, ctl);
        server_send_answer (s, c, dpa);
        c->close_after_write = TRUE;
        conn_write_next (c);
        break;
      }
    default:
      {
        gboolean served = FALSE;
        for (guint i = 0; i < s->apps->len; i++)
          served |= g_array_index (s->apps, guint32, i) == msg->application_id;
        if (!served)
          {
            g_autofree gchar *why = g_strdup_printf ("application %u is not served here",
                                                     msg->application_id);
            server_answer_error (s, c, data, len, IMPS_DIAMETER_APPLICATION_UNSUPPORTED, why,
                                 NULL);
            break;
          }
        ImpsDiameterRequest *r = g_new0 (ImpsDiameterRequest, 1);
        r->server = s;
        r->conn = conn_ref (c);
        r->msg = g_steal_pointer (&msg);
        s->handler (s, r, s->user_data);
        break;
      }
    }
  imps_diameter_message_free (msg);
}

static void
server_on_close (Conn *c, const GError *error, gpointer owner)
{
  ImpsDiameterServer *s = owner;
  c->owner = NULL;
  if (error)
    server_log (s, TRUE, c->peer, NULL, 0, IMPS_EVENT_NOTE, error->message,
                "Diameter connection closed");
  g_ptr_array_remove (s->conns, c); /* drops the server's reference */
}

static void
on_incoming (GSocketConnection *sc, gpointer data)
{
  ImpsDiameterServer *s = data;
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (sc, NULL);
  g_autofree gchar *address = NULL;
  if (remote && G_IS_INET_SOCKET_ADDRESS (remote))
    address = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  g_autofree gchar *peer = remote ? imps_network_peer_name (s->net, remote) : g_strdup ("?");

  guint same = 0;
  for (guint i = 0; address && i < s->conns->len; i++)
    {
      Conn *o = g_ptr_array_index (s->conns, i);
      same += o->address && strcmp (o->address, address) == 0;
    }
  if (s->limits.max_per_source > 0 && same >= s->limits.max_per_source)
    {
      g_autofree gchar *why = g_strdup_printf ("%s already has %u connections (the limit): "
                                               "closed", address ? address : peer, same);
      server_log (s, TRUE, peer, NULL, 0, IMPS_EVENT_REFUSAL, why, "Diameter connection refused");
      g_io_stream_close (G_IO_STREAM (sc), NULL, NULL);
      return;
    }
  Conn *c = conn_new (sc, peer, server_on_frame, server_on_close, s);
  c->address = g_steal_pointer (&address);
  c->idle_ms = s->limits.idle_ms;
  c->frame_ms = s->limits.frame_ms;
  g_ptr_array_add (s->conns, c);
  conn_start (c);
}

ImpsDiameterServer *
imps_diameter_server_new (ImpsNetwork *net, const gchar *node_name,
                          const gchar *origin_host, const gchar *origin_realm,
                          ImpsRefPoint ref, const guint32 *apps, guint n_apps,
                          ImpsDiameterHandler handler, gpointer user_data)
{
  g_return_val_if_fail (net && node_name && origin_host && origin_realm && handler, NULL);
  ImpsDiameterServer *s = g_new0 (ImpsDiameterServer, 1);
  s->net = net;
  s->node_name = g_strdup (node_name);
  s->origin_host = g_strdup (origin_host);
  s->origin_realm = g_strdup (origin_realm);
  s->ref = ref;
  s->apps = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (s->apps, apps, n_apps);
  s->handler = handler;
  s->user_data = user_data;
  s->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_unref);
  s->allowed = g_ptr_array_new_with_free_func (allowed_peer_free);
  s->limits.idle_ms = IMPS_DIAMETER_IDLE_TIMEOUT_MS;
  s->limits.frame_ms = IMPS_DIAMETER_FRAME_TIMEOUT_MS;
  s->limits.max_per_source = IMPS_DIAMETER_MAX_CONNECTIONS_PER_SOURCE;
  s->origin_state_id = (guint32) (imps_clock_now_us (imps_network_get_clock (net)) / G_USEC_PER_SEC);
  return s;
}

void
imps_diameter_server_restrict_peers (ImpsDiameterServer *s)
{
  g_return_if_fail (s != NULL);
  s->restricted = TRUE;
}

void
imps_diameter_server_allow_peer (ImpsDiameterServer *s, const gchar *origin_host,
                                 const gchar *address)
{
  g_return_if_fail (s != NULL && origin_host != NULL && address != NULL);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  AllowedPeer *a = g_new0 (AllowedPeer, 1);
  a->origin_host = g_strdup (origin_host);
  /* The form g_inet_address_to_string() gives, as compared on receipt. */
  a->address = ia ? g_inet_address_to_string (ia) : g_strdup (address);
  g_ptr_array_add (s->allowed, a);
  s->restricted = TRUE;
}

void
imps_diameter_server_set_limits (ImpsDiameterServer *s, const ImpsDiameterLimits *limits)
{
  g_return_if_fail (s != NULL && limits != NULL);
  s->limits = *limits;
}

static void
on_accept_failed (const GError *error, guint pause_ms, gpointer data)
{
  ImpsDiameterServer *s = data;
  g_autofree gchar *why = g_strdup_printf ("%s could not accept a connection (%s); trying "
                                           "again in %u ms", s->node_name, error->message,
                                           pause_ms);
  imps_network_log (s->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, s->node_name, NULL,
                    NULL, NULL, why, "accept failed");
}

gboolean
imps_diameter_server_listen (ImpsDiameterServer *s, const gchar *address,
                             guint16 port, GError **error)
{
  g_return_val_if_fail (s->acceptor == NULL, FALSE);
  g_autoptr (GSocket) socket = imps_accept_listen_socket (address, port,
                                                          IMPS_DIAMETER_LISTEN_BACKLOG, &s->port,
                                                          error);
  if (socket == NULL)
    {
      g_prefix_error (error, "%s at ", s->node_name);
      return FALSE;
    }
  s->address = g_strdup (address);
  s->acceptor = imps_acceptor_new (socket, on_incoming, on_accept_failed, s);
  return TRUE;
}

guint16
imps_diameter_server_get_port (ImpsDiameterServer *s)
{
  return s->port;
}

guint
imps_diameter_server_count_connections (ImpsDiameterServer *s)
{
  return s->conns->len;
}

void
imps_diameter_server_feed (ImpsDiameterServer *s, const gchar *peer_address,
                           const guint8 *data, gsize len, GByteArray *answers)
{
  g_return_if_fail (s != NULL && (data != NULL || len == 0));
  const gchar *name = peer_address ? imps_network_node_at (s->net, peer_address) : NULL;
  Conn *c = conn_new (NULL, name ? name : (peer_address ? peer_address : "?"),
                      server_on_frame, NULL, s);
  c->address = g_strdup (peer_address);
  c->sink = answers;
  g_byte_array_append (c->buf, data, (guint) len);
  conn_process (c);
  c->owner = NULL;
  conn_close (c, NULL);
  c->sink = NULL;
  conn_unref (c);
}

void
imps_diameter_server_free (ImpsDiameterServer *s)
{
  if (s == NULL)
    return;
  imps_acceptor_free (s->acceptor);
  /* Closing calls server_on_close only while owner is set: clear it first. */
  for (guint i = 0; i < s->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (s->conns, i);
      c->owner = NULL;
      conn_close (c, NULL);
    }
  g_ptr_array_unref (s->conns);
  g_ptr_array_unref (s->allowed);
  g_array_unref (s->apps);
  g_free (s->node_name);
  g_free (s->origin_host);
  g_free (s->origin_realm);
  g_free (s->address);
  g_free (s);
}

const ImpsDiameterMessage *
imps_diameter_request_get_message (ImpsDiameterRequest *r)
{
  return r->msg;
}

const gchar *
imps_diameter_request_get_peer (ImpsDiameterRequest *r)
{
  return r->conn->peer;
}

const gchar *
imps_diameter_request_get_peer_address (ImpsDiameterRequest *r)
{
  return r->conn->address;
}

void
imps_diameter_request_answer (ImpsDiameterRequest *r, GBytes *answer)
{
  g_return_if_fail (r != NULL && answer != NULL);
  if (!r->conn->closed && r->conn->owner == r->server)
    server_send_answer (r->server, r->conn, answer);
  conn_unref (r->conn);
  imps_diameter_message_free (r->msg);
  g_free (r);
}

/* ---------------------------------------------------------------------
 * Client.
 * ------------------------------------------------------------------- */

typedef struct {
  ImpsDiameterClient *client;
  GTask *task;
  guint32 hop_by_hop;
  GSource *timeout;
  GBytes *bytes;
} Pending;

struct _ImpsDiameterClient {
  ImpsNetwork *net;
  gchar *local_address;
  gchar *remote_address;
  guint16 remote_port;
  gchar *peer;
  Conn *conn;
  struct ConnectAttempt *connecting; /* the attempt under way, or NULL */
  GQueue unsent;          /* Pending* waiting for the connection */
  GHashTable *pending;    /* hop-by-hop -> Pending* (sent) */
  guint32 next_hop_by_hop;
  guint32 next_end_to_end;
  guint idle_ms;
};

static void
pending_complete (Pending *p, ImpsDiameterMessage *answer, GError *error)
{
  ImpsDiameterClient *cl = p->client;
  if (p->timeout)
    {
      g_source_destroy (p->timeout);
      g_source_unref (p->timeout);
    }
  if (answer)
    g_task_return_pointer (p->task, answer, (GDestroyNotify) imps_diameter_message_free);
  else
    g_task_return_error (p->task, error);
  imps_clock_release (imps_network_get_clock (cl->net));
  g_object_unref (p->task);
  g_bytes_unref (p->bytes);
  g_free (p);
}

static void
client_fail_all (ImpsDiameterClient *cl, ImpsNetError code, const gchar *why)
{
  GList *values = g_hash_table_get_values (cl->pending);
  g_hash_table_steal_all (cl->pending);
  for (GList *l = values; l; l = l->next)
    pending_complete (l->data, NULL, g_error_new (IMPS_NET_ERROR, code, "%s", why));
  g_list_free (values);
  Pending *p;
  while ((p = g_queue_pop_head (&cl->unsent)))
    pending_complete (p, NULL, g_error_new (IMPS_NET_ERROR, code, "%s", why));
}

static void
client_on_frame (Conn *c, const guint8 *data, gsize len, gpointer owner)
{
  ImpsDiameterClient *cl = owner;
  g_autoptr (GError) error = NULL;
  ImpsDiameterMessage *msg = imps_diameter_message_parse (data, len, &error);

  if (msg == NULL)
    {
      /* An answer we cannot read fails the request it answers, if we can
       * tell which; otherwise it is dropped. */
      if (len >= IMPS_DIAMETER_HEADER_SIZE)
        {
          guint32 hbh = imps_load_u32 (data + 12);
          Pending *p = g_hash_table_lookup (cl->pending, GUINT_TO_POINTER (hbh));
          if (p)
            {
              g_hash_table_steal (cl->pending, GUINT_TO_POINTER (hbh));
              pending_complete (p, NULL, g_error_new (IMPS_NET_ERROR, IMPS_NET_ERROR_PROTOCOL,
                                                      "malformed answer from %s: %s", cl->peer,
                                                      error->message));
            }
        }
      return;
    }
  if (imps_diameter_message_is_request (msg))
    {
      /* A server may watch us with DWR; answer it. */
      if (msg->command == IMPS_DIAMETER_CMD_DEVICE_WATCHDOG)
        {
          g_autoptr (ImpsDiameterPeerControl) ctl = imps_diameter_peer_control_new ();
          ctl->result_code = IMPS_DIAMETER_SUCCESS;
          ctl->origin_host = g_strdup (cl->local_address ? cl->local_address : "impsim");
          ctl->origin_realm = g_strdup ("impsim");
          g_autoptr (GBytes) dwa = imps_diameter_dwa_build (msg, ctl);
          conn_send (c, dwa);
        }
      imps_diameter_message_free (msg);
      return;
    }
  Pending *p = g_hash_table_lookup (cl->pending, GUINT_TO_POINTER (msg->hop_by_hop));
  if (p == NULL)
    {
      imps_diameter_message_free (msg);
      return;
    }
  g_hash_table_steal (cl->pending, GUINT_TO_POINTER (msg->hop_by_hop));
  pending_complete (p, msg, NULL);
}

static void
client_on_close (Conn *c, const GError *error, gpointer owner)
{
  ImpsDiameterClient *cl = owner;
  g_autofree gchar *why = g_strdup_printf ("connection to %s closed%s%s", cl->peer,
                                           error ? ": " : "", error ? error->message : "");
  c->owner = NULL;
  cl->conn = NULL;
  conn_unref (c);
  client_fail_all (cl, IMPS_NET_ERROR_CLOSED, why);
}

static gboolean
pending_timeout (gpointer data)
{
  Pending *p = data;
  ImpsDiameterClient *cl = p->client;
  g_source_unref (p->timeout);
  p->timeout = NULL;
  if (!g_hash_table_steal (cl->pending, GUINT_TO_POINTER (p->hop_by_hop)))
    g_queue_remove (&cl->unsent, p);
  pending_complete (p, NULL, g_error_new (IMPS_NET_ERROR, IMPS_NET_ERROR_TIMEOUT,
                                          "no answer from %s within %u ms", cl->peer,
                                          IMPS_DIAMETER_REQUEST_TIMEOUT_MS));
  return G_SOURCE_REMOVE;
}

static void
client_send (ImpsDiameterClient *cl, Pending *p)
{
  g_hash_table_insert (cl->pending, GUINT_TO_POINTER (p->hop_by_hop), p);
  conn_send (cl->conn, p->bytes);
}

/* Outlives the client if the client is freed while connecting. */
struct ConnectAttempt {
  ImpsDiameterClient *client; /* NULL once the client is gone */
  GCancellable *cancel;
};

static void
connect_done (GObject *source, GAsyncResult *res, gpointer data)
{
  struct ConnectAttempt *a = data;
  ImpsDiameterClient *cl = a->client;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) sc = g_socket_client_connect_finish (G_SOCKET_CLIENT (source),
                                                                     res, &error);
  g_object_unref (a->cancel);
  g_free (a);
  if (cl == NULL)
    return; /* the client is gone */
  cl->connecting = NULL;
  if (sc == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("cannot connect to %s: %s", cl->peer,
                                               error->message);
      client_fail_all (cl, IMPS_NET_ERROR_CLOSED, why);
      return;
    }
  cl->conn = conn_new (sc, cl->peer, client_on_frame, client_on_close, cl);
  /* Close an idle connection before the server's idle limit does, so a
   * request never meets a connection the server is closing. */
  cl->conn->idle_ms = cl->idle_ms;
  conn_start (cl->conn);
  Pending *p;
  while ((p = g_queue_pop_head (&cl->unsent)))
    client_send (cl, p);
}

ImpsDiameterClient *
imps_diameter_client_new (ImpsNetwork *net, const gchar *local_address,
                          const gchar *remote_address, guint16 remote_port)
{
  ImpsDiameterClient *cl = g_new0 (ImpsDiameterClient, 1);
  cl->net = net;
  cl->local_address = g_strdup (local_address);
  cl->remote_address = g_strdup (remote_address);
  cl->remote_port = remote_port;
  cl->idle_ms = IMPS_DIAMETER_CLIENT_IDLE_TIMEOUT_MS;
  const gchar *name = imps_network_node_at (net, remote_address);
  cl->peer = name ? g_strdup (name) : g_strdup_printf ("%s:%u", remote_address, remote_port);
  g_queue_init (&cl->unsent);
  cl->pending = g_hash_table_new (g_direct_hash, g_direct_equal);
  /* RFC 6733 §3: start hop-by-hop ids at a random value. */
  g_autoptr (ImpsRandom) r = imps_network_new_random (net, "diameter-client");
  cl->next_hop_by_hop = imps_random_u32 (r);
  /* RFC 6733 §3: End-to-End ids start with the time in the high 12 bits
   * and random low 20 bits. */
  guint32 secs = (guint32) (imps_clock_now_us (imps_network_get_clock (net)) / G_USEC_PER_SEC);
  cl->next_end_to_end = ((secs & 0xfffu) << 20) | (imps_random_u32 (r) & 0xfffffu);
  return cl;
}

void
imps_diameter_client_set_idle_timeout (ImpsDiameterClient *cl, guint idle_ms)
{
  g_return_if_fail (cl != NULL);
  cl->idle_ms = idle_ms;
}

void
imps_diameter_client_free (ImpsDiameterClient *cl)
{
  if (cl == NULL)
    return;
  if (cl->connecting)
    {
      cl->connecting->client = NULL;
      g_cancellable_cancel (cl->connecting->cancel);
    }
  if (cl->conn)
    {
      Conn *c = cl->conn;
      c->owner = NULL;
      conn_close (c, NULL);
      conn_unref (c);
    }
  client_fail_all (cl, IMPS_NET_ERROR_CLOSED, "client closed");
  g_hash_table_unref (cl->pending);
  g_free (cl->local_address);
  g_free (cl->remote_address);
  g_free (cl->peer);
  g_free (cl);
}

void
imps_diameter_client_request_async (ImpsDiameterClient *cl, GBytes *request,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  gsize len;
  const guint8 *data = g_bytes_get_data (request, &len);

  g_task_set_source_tag (task, imps_diameter_client_request_async);
  if (len < IMPS_DIAMETER_HEADER_SIZE || !(data[4] & IMPS_DIAMETER_FLAG_R))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "not a Diameter request (%zu bytes)", len);
      g_object_unref (task);
      return;
    }
  Pending *p = g_new0 (Pending, 1);
  p->client = cl;
  p->task = task;
  p->hop_by_hop = cl->next_hop_by_hop++;
  guint8 *copy = g_memdup2 (data, len);
  imps_store_u32 (copy + 12, p->hop_by_hop);
  imps_store_u32 (copy + 16, cl->next_end_to_end++);
  p->bytes = g_bytes_new_take (copy, len);
  p->timeout = g_timeout_source_new (IMPS_DIAMETER_REQUEST_TIMEOUT_MS);
  g_source_set_callback (p->timeout, pending_timeout, p, NULL);
  g_source_attach (p->timeout, g_main_context_get_thread_default ());
  imps_clock_hold (imps_network_get_clock (cl->net));

  if (cl->conn)
    {
      client_send (cl, p);
      return;
    }
  g_queue_push_tail (&cl->unsent, p);
  if (cl->connecting)
    return;
  g_autoptr (GSocketClient) sock = g_socket_client_new ();
  /* An address literal and no proxy look-up: the connect needs no thread
   * of the GTask pool, which TLS handshakes elsewhere may hold. */
  g_socket_client_set_enable_proxy (sock, FALSE);
  if (cl->local_address)
    {
      g_autoptr (GInetAddress) la = g_inet_address_new_from_string (cl->local_address);
      if (la)
        {
          g_autoptr (GSocketAddress) lsa = g_inet_socket_address_new (la, 0);
          g_socket_client_set_local_address (sock, lsa);
        }
    }
  g_autoptr (GInetAddress) ra = g_inet_address_new_from_string (cl->remote_address);
  if (ra == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("'%s' is not an IP address", cl->remote_address);
      client_fail_all (cl, IMPS_NET_ERROR_CLOSED, why);
      return;
    }
  g_autoptr (GSocketAddress) rsa = g_inet_socket_address_new (ra, cl->remote_port);
  struct ConnectAttempt *a = g_new0 (struct ConnectAttempt, 1);
  a->client = cl;
  a->cancel = g_cancellable_new ();
  cl->connecting = a;
  g_socket_client_connect_async (sock, G_SOCKET_CONNECTABLE (rsa), a->cancel,
                                 connect_done, a);
}

ImpsDiameterMessage *
imps_diameter_client_request_finish (ImpsDiameterClient *cl, GAsyncResult *result,
                                     GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
