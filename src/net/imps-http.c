#include "imps-http.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* ---------------------------------------------------------------------
 * A connection with bytes in front: what libsoup had already read past
 * the request it answered (pipelined requests), given back before what
 * the socket holds. The input is pollable (libsoup needs that); the
 * output is the connection's own. Closing it closes the connection,
 * unless it was detached first (the connection then goes on alone).
 * ------------------------------------------------------------------- */

typedef struct {
  GInputStream parent;
  GInputStream *base;       /* the connection's input */
  GBytes *prefix;
  gsize offset;
} ImpsPrefixInput;

typedef struct {
  GInputStreamClass parent_class;
} ImpsPrefixInputClass;

static void imps_prefix_input_pollable_init (GPollableInputStreamInterface *iface);
static GType imps_prefix_input_get_type (void);
static GType imps_prefix_stream_get_type (void);

G_DEFINE_TYPE_WITH_CODE (ImpsPrefixInput, imps_prefix_input, G_TYPE_INPUT_STREAM,
                         G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                imps_prefix_input_pollable_init))

static gsize
prefix_left (ImpsPrefixInput *p)
{
  return p->prefix ? g_bytes_get_size (p->prefix) - p->offset : 0;
}

static gssize
prefix_take (ImpsPrefixInput *p, void *buffer, gsize count)
{
  gsize n = MIN (count, prefix_left (p));
  memcpy (buffer, (const guint8 *) g_bytes_get_data (p->prefix, NULL) + p->offset, n);
  p->offset += n;
  if (prefix_left (p) == 0)
    g_clear_pointer (&p->prefix, g_bytes_unref);
  return (gssize) n;
}

static gssize
imps_prefix_input_read (GInputStream *stream, void *buffer, gsize count,
                        GCancellable *cancellable, GError **error)
{
  ImpsPrefixInput *p = (ImpsPrefixInput *) stream;
  if (prefix_left (p))
    return prefix_take (p, buffer, count);
  return g_input_stream_read (p->base, buffer, count, cancellable, error);
}

static gssize
imps_prefix_input_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count,
                                    GError **error)
{
  ImpsPrefixInput *p = (ImpsPrefixInput *) stream;
  if (prefix_left (p))
    return prefix_take (p, buffer, count);
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (p->base), buffer,
                                                   count, NULL, error);
}

static gboolean
imps_prefix_input_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
imps_prefix_input_is_readable (GPollableInputStream *stream)
{
  ImpsPrefixInput *p = (ImpsPrefixInput *) stream;
  return prefix_left (p) > 0
         || g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (p->base));
}

static GSource *
imps_prefix_input_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  ImpsPrefixInput *p = (ImpsPrefixInput *) stream;
  /* bytes in front: ready at once; else when the connection is */
  g_autoptr (GSource) base = prefix_left (p) > 0 ? g_timeout_source_new (0)
    : g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (p->base), cancellable);
  g_source_set_dummy_callback (base);
  return g_pollable_source_new_full (stream, base, cancellable);
}

static gboolean
imps_prefix_input_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  return TRUE;  /* the connection closes with the GIOStream */
}

static void
imps_prefix_input_finalize (GObject *object)
{
  ImpsPrefixInput *p = (ImpsPrefixInput *) object;
  g_clear_object (&p->base);
  g_clear_pointer (&p->prefix, g_bytes_unref);
  G_OBJECT_CLASS (imps_prefix_input_parent_class)->finalize (object);
}

static void
imps_prefix_input_class_init (ImpsPrefixInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = imps_prefix_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = imps_prefix_input_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = imps_prefix_input_close;
}

static void
imps_prefix_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = imps_prefix_input_can_poll;
  iface->is_readable = imps_prefix_input_is_readable;
  iface->create_source = imps_prefix_input_create_source;
  iface->read_nonblocking = imps_prefix_input_read_nonblocking;
}

static void
imps_prefix_input_init (ImpsPrefixInput *p)
{
}

typedef struct {
  GIOStream parent;
  GIOStream *base;          /* the connection (plain TCP or TLS) */
  GInputStream *input;      /* ImpsPrefixInput over base's input */
  gboolean detached;        /* closing does not close base */
} ImpsPrefixStream;

typedef struct {
  GIOStreamClass parent_class;
} ImpsPrefixStreamClass;

G_DEFINE_TYPE (ImpsPrefixStream, imps_prefix_stream, G_TYPE_IO_STREAM)

static GInputStream *
imps_prefix_stream_get_input (GIOStream *stream)
{
  return ((ImpsPrefixStream *) stream)->input;
}

static GOutputStream *
imps_prefix_stream_get_output (GIOStream *stream)
{
  return g_io_stream_get_output_stream (((ImpsPrefixStream *) stream)->base);
}

static gboolean
imps_prefix_stream_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  ImpsPrefixStream *p = (ImpsPrefixStream *) stream;
  if (p->detached)
    return TRUE;
  return g_io_stream_close (p->base, cancellable, error);
}

static void
imps_prefix_stream_finalize (GObject *object)
{
  ImpsPrefixStream *p = (ImpsPrefixStream *) object;
  g_clear_object (&p->input);
  g_clear_object (&p->base);
  G_OBJECT_CLASS (imps_prefix_stream_parent_class)->finalize (object);
}

static void
imps_prefix_stream_class_init (ImpsPrefixStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = imps_prefix_stream_finalize;
  G_IO_STREAM_CLASS (klass)->get_input_stream = imps_prefix_stream_get_input;
  G_IO_STREAM_CLASS (klass)->get_output_stream = imps_prefix_stream_get_output;
  G_IO_STREAM_CLASS (klass)->close_fn = imps_prefix_stream_close;
}

static void
imps_prefix_stream_init (ImpsPrefixStream *p)
{
}

/* @base with @prefix read first (takes @prefix). */
static GIOStream *
imps_prefix_stream_new (GIOStream *base, GBytes *prefix)
{
  ImpsPrefixStream *p = g_object_new (imps_prefix_stream_get_type (), NULL);
  p->base = g_object_ref (base);
  ImpsPrefixInput *in = g_object_new (imps_prefix_input_get_type (), NULL);
  in->base = g_object_ref (g_io_stream_get_input_stream (base));
  in->prefix = prefix;
  p->input = G_INPUT_STREAM (in);
  return G_IO_STREAM (p);
}

static void
put_headers (GString *s, SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_string_append (s, name);
      g_string_append_len (s, ": ", 2);
      g_string_append (s, value);
      g_string_append_len (s, "\r\n", 2);
    }
  g_string_append_len (s, "\r\n", 2);
}

/* Room for a message's head and @body in one allocation. */
static GString *
head_for (SoupMessageBody *body)
{
  return g_string_sized_new (512 + (body && body->length > 0 ? (gsize) body->length : 0));
}

static GBytes *
finish_bytes (GString *head, SoupMessageBody *body)
{
  g_autoptr (GBytes) flat = body && body->length > 0 ? soup_message_body_flatten (body) : NULL;
  gsize len = 0;
  const guint8 *data = flat ? g_bytes_get_data (flat, &len) : NULL;
  if (len)
    g_string_append_len (head, (const gchar *) data, (gssize) len);
  gsize total = head->len;
  return g_bytes_new_take (g_string_free (head, FALSE), total);
}

static gchar
version_digit (SoupHTTPVersion v)
{
  return v == SOUP_HTTP_1_0 ? '0' : '1';
}

GBytes *
imps_http_request_bytes (SoupServerMessage *msg)
{
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);
  GUri *uri = soup_server_message_get_uri (msg);
  const gchar *path = uri ? g_uri_get_path (uri) : "/";
  const gchar *query = uri ? g_uri_get_query (uri) : NULL;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GString *s = head_for (body);
  g_string_append (s, soup_server_message_get_method (msg));
  g_string_append_c (s, ' ');
  g_string_append (s, path && *path ? path : "/");
  if (query)
    {
      g_string_append_c (s, '?');
      g_string_append (s, query);
    }
  g_string_append_len (s, " HTTP/1.", 8);
  g_string_append_c (s, version_digit (soup_server_message_get_http_version (msg)));
  g_string_append_len (s, "\r\n", 2);
  put_headers (s, soup_server_message_get_request_headers (msg));
  return finish_bytes (s, body);
}

GBytes *
imps_http_response_bytes (SoupServerMessage *msg)
{
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);
  guint status = soup_server_message_get_status (msg);
  const gchar *phrase = soup_server_message_get_reason_phrase (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  GString *s = head_for (body);
  g_string_append_printf (s, "HTTP/1.%c %u ",
                          version_digit (soup_server_message_get_http_version (msg)), status);
  g_string_append (s, phrase ? phrase : soup_status_get_phrase (status));
  g_string_append_len (s, "\r\n", 2);
  put_headers (s, soup_server_message_get_response_headers (msg));
  return finish_bytes (s, body);
}

gchar *
imps_http_date (gint64 unix_seconds)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);
  if (dt == NULL)
    return g_strdup ("Thu, 01 Jan 1970 00:00:00 GMT");
  return soup_date_time_to_string (dt, SOUP_DATE_HTTP);
}

/* ---------------------------------------------------------------------
 * Server.
 *
 * impsim accepts the TCP connections itself (a GSocketService on a socket
 * it made, with a listen backlog sized for bursts) and hands each one to
 * libsoup with soup_server_accept_iostream(). That gives it what libsoup
 * 3.2 does not: a cap on the connections from one source address, an idle
 * timeout and a lifetime on every connection, and, for TLS, a handshake
 * that starts only when the client has sent something and that has a
 * deadline, so idle sockets hold no thread.
 *
 * Keep-alive: libsoup keeps a connection alive only when it has listeners
 * of its own (here it has none), and libsoup 3.2 leaves a keep-alive
 * connection that the client closes between two requests in CLOSE-WAIT for
 * good (the message it waits on never starts, so nothing closes it). So
 * libsoup only ever serves the first message of a connection, which it
 * tracks from the accept on: a client that closes it (or times out) before
 * or after the request makes libsoup close its side too. When the client
 * may keep the connection (HTTP/1.1 without "Connection: close"), impsim
 * takes the connection back from libsoup as soon as the answer is written
 * and hands it over again as if just accepted, so the next request is again
 * a first message. The idle timeout, the lifetime and the per-source cap
 * hold across requests (they belong to the socket). A client that asks for
 * "Connection: close" gets it, and libsoup closes after the answer.
 * Pipelined requests (sent before the answer to the previous one): the
 * bytes libsoup has read past the answered request are taken from its
 * buffer with the connection and handed over in front of it (an
 * ImpsPrefixStream), so the next request is read from them first.
 *
 * Bodies: the request headers are checked on "got-headers", before any
 * body byte is read. A declared body over the bound gets 413, a chunked
 * body 411, a Content-Length that is not a number or overflows 400; each
 * time impsim takes the connection from libsoup, writes the answer
 * itself, stops sending, drains what the client still sends for a short
 * while (into a fixed buffer) and closes.
 * ------------------------------------------------------------------- */

void
imps_http_limits_init (ImpsHttpLimits *limits)
{
  limits->idle_timeout_s = IMPS_HTTP_IDLE_TIMEOUT_DEFAULT;
  limits->lifetime_s = IMPS_HTTP_LIFETIME_DEFAULT;
  limits->max_per_source = IMPS_HTTP_MAX_PER_SOURCE_DEFAULT;
  limits->backlog = IMPS_HTTP_BACKLOG_DEFAULT;
  limits->handshake_timeout_s = IMPS_HTTP_HANDSHAKE_TIMEOUT_DEFAULT;
}

/* GnuTLS through glib-networking reads its priority string once per
 * process, from the environment: TLS 1.2 and 1.3 only, AEAD suites only
 * (TS 33.210's TLS profile for Zk). */
#define IMPS_TLS_PRIORITY                                                          \
  "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:" \
  "+AES-128-GCM:+CHACHA20-POLY1305:+AES-256-CCM:+AES-128-CCM:-MAC-ALL:+AEAD:"         \
  "-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:%SERVER_PRECEDENCE"

const gchar *
imps_tls_policy (void)
{
  return IMPS_TLS_PRIORITY;
}

void
imps_tls_policy_init (void)
{
  if (g_strcmp0 (g_getenv ("G_TLS_GNUTLS_PRIORITY"), IMPS_TLS_PRIORITY) != 0)
    g_setenv ("G_TLS_GNUTLS_PRIORITY", IMPS_TLS_PRIORITY, TRUE);
}

struct _ImpsHttpServer {
  ImpsNetwork *net;
  gchar *node_name;
  gchar *server_header;
  ImpsRefPoint ref;
  ImpsHttpHandler handler;
  gpointer user_data;
  SoupServer *soup;
  GSocketService *service;
  guint16 port;
  gsize max_body;
  ImpsHttpLimits limits;
  GTlsCertificate *tls_cert;   /* with a key: the server's identity (TLS) */
  GTlsDatabase *tls_ca;        /* client certificates must chain to it */
  GPtrArray *paused;           /* SoupServerMessage*, one reference each */
  GHashTable *per_source;      /* source IP -> open connections (GUINT_TO_POINTER) */
  GHashTable *conns;           /* Conn* -> Conn*, every open connection */
  guint handshaking;           /* TLS handshakes in progress */
  GQueue handshake_wait;       /* Conn*: TLS clients waiting for a handshake slot */
  guint hellos_waiting;        /* Conn* with hello_waits > 0 and no handshake yet */
  GQueue rehand;               /* Rehand*: kept-alive connections to hand to libsoup again */
  guint rehand_source;
  gint64 date_s;               /* the second of date[] */
  gchar *date;                 /* Date header for date_s */
  ImpsHttpStats stats;
};

/* What every message on one connection shares, kept on the connection's
 * remote address (the object libsoup gives back for each of its
 * messages), so that a request costs no name lookup or formatting. */
typedef struct {
  GRefString *peer;          /* the client's node name */
  GRefString *stream;        /* "http alice-kms.home1.net" */
  GSocket *socket;           /* NULL once the connection is gone (conn_untag()) */
} ConnTag;

static GQuark
conn_tag_quark (void)
{
  static GQuark q;
  if (q == 0)
    q = g_quark_from_static_string ("imps-http-conn");
  return q;
}

static void
conn_tag_free (gpointer p)
{
  ConnTag *t = p;
  g_ref_string_release (t->peer);
  g_ref_string_release (t->stream);
  g_free (t);
}

static ConnTag *
conn_tag (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  return remote ? g_object_get_qdata (G_OBJECT (remote), conn_tag_quark ()) : NULL;
}

/* TCP_CORK on the connection of @msg: an answer's head and body (two
 * writes) leave in one segment when the body is written. */
static void
conn_cork (SoupServerMessage *msg, gboolean on)
{
  ConnTag *t = conn_tag (msg);
  if (t == NULL || t->socket == NULL || g_socket_is_closed (t->socket))
    return;
  int v = on ? 1 : 0;
  setsockopt (g_socket_get_fd (t->socket), IPPROTO_TCP, TCP_CORK, &v, sizeof v);
}

/* One accepted connection. Lives as long as its GSocket (a weak
 * reference), whoever holds that: impsim during the TLS handshake and a
 * refusal, libsoup while it serves. */
typedef struct {
  ImpsHttpServer *s;
  gchar *ip;
  GSocket *socket;                 /* not owned */
  GSocketConnection *tcp;          /* owned until handed on */
  GTlsConnection *tls;             /* owned during the handshake */
  guint16 port;                    /* the client's */
  GTlsCertificate *peer_cert;      /* TLS: the verified client certificate */
  GTlsCertificateFlags peer_errors;
  guint16 hello_version;           /* TLS: client_version of the ClientHello */
  GCancellable *cancel;
  GSource *wait;                   /* the first bytes of a TLS client */
  guint deadline;                  /* handshake deadline, then lifetime */
  gboolean queued;                 /* in s->handshake_wait */
  gboolean handshaking;            /* holds one of s's handshake slots */
  guint hello_waits;               /* waits for the rest of the first TLS record */
  GSocketAddress *local, *remote;  /* remote carries the ConnTag */
} Conn;

static void handshake_slot_release (Conn *c);

/* @c no longer waits for its ClientHello (it has come, or @c is gone). */
static void
hello_wait_end (Conn *c)
{
  if (c->hello_waits == 0)
    return;
  c->hello_waits = 0;
  c->s->hellos_waiting--;
  if (c->socket != NULL)
    {
      int one = 1;
      setsockopt (g_socket_get_fd (c->socket), SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
    }
}

static void
conn_clear_timers (Conn *c)
{
  if (c->wait)
    {
      g_source_destroy (c->wait);
      g_clear_pointer (&c->wait, g_source_unref);
    }
  g_clear_handle_id (&c->deadline, g_source_remove);
}

/* The connection's socket goes: the messages that may outlive it no
 * longer reach it. */
static void
conn_untag (Conn *c)
{
  ConnTag *t = c->remote ? g_object_get_qdata (G_OBJECT (c->remote), conn_tag_quark ()) : NULL;
  if (t)
    t->socket = NULL;
}

/* The GSocket is gone: the connection is closed and forgotten. */
static void
conn_gone (gpointer data, GObject *where_the_socket_was)
{
  Conn *c = data;
  ImpsHttpServer *s = c->s;
  conn_untag (c);
  conn_clear_timers (c);
  hello_wait_end (c);
  if (c->queued)
    g_queue_remove (&s->handshake_wait, c);
  c->queued = FALSE;
  handshake_slot_release (c);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (s->per_source, c->ip));
  if (n <= 1)
    g_hash_table_remove (s->per_source, c->ip);
  else
    g_hash_table_insert (s->per_source, g_strdup (c->ip), GUINT_TO_POINTER (n - 1));
  g_hash_table_remove (s->conns, c);
  s->stats.closed++;
  g_clear_object (&c->peer_cert);
  g_clear_object (&c->cancel);
  g_clear_object (&c->local);
  g_clear_object (&c->remote);
  g_free (c->ip);
  g_free (c);
}

/* Makes every read and write on the connection fail (both directions
 * shut down): whoever serves it then closes it. */
static void
conn_kill (Conn *c)
{
  if (c->cancel)
    g_cancellable_cancel (c->cancel);
  if (c->socket && !g_socket_is_closed (c->socket))
    g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
}

static gboolean
conn_lifetime_over (gpointer data)
{
  Conn *c = data;
  c->deadline = 0;
  c->s->stats.timed_out++;
  conn_kill (c);
  return G_SOURCE_REMOVE;
}

static void
conn_note (ImpsHttpServer *s, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static void
conn_note (ImpsHttpServer *s, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  imps_network_log (s->net, kind, IMPS_REF_NONE, IMPS_PROTO_NONE, s->node_name, NULL, NULL,
                    NULL, why, "%s", summary);
}

static void request_started (SoupServer *soup, SoupServerMessage *msg, gpointer data);

/* Gives the connection (plain, or TLS after the handshake) to libsoup,
 * which serves one request on it and closes it. */
static void
conn_hand_to_soup (Conn *c, GIOStream *stream)
{
  ImpsHttpServer *s = c->s;
  if (c->local == NULL)
    c->local = g_socket_get_local_address (c->socket, NULL);
  if (c->remote == NULL)
    c->remote = g_socket_get_remote_address (c->socket, NULL);
  if (c->remote != NULL)
    {
      ConnTag *t = g_new0 (ConnTag, 1);
      g_autofree gchar *peer = imps_network_peer_name (s->net, c->remote);
      g_autofree gchar *name = g_strdup_printf ("%s %s-%s", s->tls_cert ? "https" : "http", peer,
                                                s->node_name);
      t->peer = g_ref_string_new (peer);
      t->stream = g_ref_string_new (name);
      t->socket = c->socket;
      g_object_set_qdata_full (G_OBJECT (c->remote), conn_tag_quark (), t, conn_tag_free);
    }
  g_autoptr (GError) error = NULL;
  if (c->local == NULL || c->remote == NULL
      || !soup_server_accept_iostream (s->soup, stream, c->local, c->remote, &error))
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }
  s->stats.served++;
  /* From here on only the lifetime bounds the connection (the socket's
   * timeout bounds each idle wait). */
  g_clear_handle_id (&c->deadline, g_source_remove);
  if (s->limits.lifetime_s)
    c->deadline = g_timeout_add_seconds (s->limits.lifetime_s, conn_lifetime_over, c);
}

/* Every client certificate passes the handshake; impsim checks the
 * verification result right after it (see handshake_done()). */
static void
closed_async (GObject *source, GAsyncResult *res, gpointer data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), res, NULL);
  g_object_unref (source);
}

/* Closes a TLS connection without blocking the main loop (a synchronous
 * close waits for GnuTLS). */
static void
close_tls_async (GTlsConnection *tls)
{
  g_io_stream_close_async (G_IO_STREAM (g_object_ref (tls)), G_PRIORITY_DEFAULT, NULL,
                           closed_async, NULL);
}

static gboolean
accept_for_later_check (GTlsConnection *tls, GTlsCertificate *cert, GTlsCertificateFlags errors,
                        gpointer data)
{
  return TRUE;
}

/* Bytes this side has sent on @socket (Linux TCP_INFO), or -1. */
static gint64
bytes_sent (GSocket *socket)
{
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset (&ti, 0, sizeof ti);
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &ti, &len) != 0
      || len < offsetof (struct tcp_info, tcpi_bytes_sent) + sizeof ti.tcpi_bytes_sent)
    return -1;
  return (gint64) ti.tcpi_bytes_sent;
}

/* GnuTLS (through glib-networking) sends no alert when a handshake fails.
 * When nothing has been sent yet (the failure was at the ClientHello: an
 * old version, no common suite), the alert is a plaintext record, which
 * impsim writes itself: protocol_version (70) for a client below TLS 1.2,
 * handshake_failure (40) otherwise. */
static void
send_plaintext_alert (Conn *c)
{
  if (bytes_sent (c->socket) != 0)
    return;
  guint8 desc = c->hello_version && c->hello_version < 0x0303 ? 70 : 40;
  guint16 v = c->hello_version && c->hello_version < 0x0303 ? c->hello_version : 0x0303;
  guint8 rec[7] = { 21, (guint8) (v >> 8), (guint8) v, 0, 2, 2, desc };
  g_socket_send_with_blocking (c->socket, (const gchar *) rec, sizeof rec, FALSE, NULL, NULL);
  g_socket_shutdown (c->socket, FALSE, TRUE, NULL);
}

static void refusal_start (GIOStream *stream, GBytes *answer, gboolean close_output);

static void
handshake_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Conn *c = data;  /* alive: c->tls holds the socket */
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsConnection) tls = g_steal_pointer (&c->tls);
  gboolean ok = g_tls_connection_handshake_finish (tls, res, &error);
  if (c->s == NULL)
    {
      /* the server is gone */
      close_tls_async (tls);
      g_clear_object (&c->cancel);
      g_free (c->ip);
      g_free (c);
      return;
    }
  handshake_slot_release (c);
  if (!ok)
    {
      ImpsHttpServer *s = c->s;
      s->stats.handshake_failed++;
      g_autofree gchar *peer = g_strdup (c->ip);
      gboolean late = g_cancellable_is_cancelled (c->cancel);
      conn_note (s, IMPS_EVENT_REFUSAL, "TLS handshake failed",
                 "TLS handshake from %s failed: %s", peer,
                 late ? "no handshake within the deadline" : error->message);
      if (!late)
        send_plaintext_alert (c);
      close_tls_async (tls);
      return;
    }
  /* libsoup learns the peer certificate only from handshakes it runs
   * itself: keep it for imps_http_server_get_peer_certificate() */
  GTlsCertificate *pc = g_tls_connection_get_peer_certificate (tls);
  c->peer_cert = pc ? g_object_ref (pc) : NULL;
  c->peer_errors = g_tls_connection_get_peer_certificate_errors (tls);
  if (c->peer_cert == NULL || c->peer_errors != 0)
    {
      /* Refused before any HTTP byte is read: a close_notify alert (the
       * TLS 1.3 keys that a certificate_required alert needs are GnuTLS's
       * own), then a short drain and the close. */
      c->s->stats.handshake_failed++;
      conn_note (c->s, IMPS_EVENT_REFUSAL, "TLS client refused",
                 "TLS client %s %s; the connection is closed (close_notify)", c->ip,
                 c->peer_cert == NULL ? "sent no certificate"
                 : "sent a certificate that does not verify against the CA");
      refusal_start (G_IO_STREAM (g_object_ref (tls)), NULL, TRUE);
      return;
    }
  conn_hand_to_soup (c, G_IO_STREAM (tls));
}

static gboolean
handshake_deadline (gpointer data)
{
  Conn *c = data;
  c->deadline = 0;
  c->s->stats.timed_out++;
  if (c->queued)
    {
      /* still waiting for a handshake slot: closed at once (which frees c) */
      g_queue_remove (&c->s->handshake_wait, c);
      c->queued = FALSE;
      g_autoptr (GSocketConnection) tcp = g_steal_pointer (&c->tcp);
      g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
      return G_SOURCE_REMOVE;
    }
  conn_kill (c);
  return G_SOURCE_REMOVE;
}

static void
conn_start_tls (Conn *c)
{
  ImpsHttpServer *s = c->s;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) tcp = g_steal_pointer (&c->tcp);
  /* Everything at construction: a connection made without a database
   * loads the system's trust store first (tens of milliseconds, on the
   * main loop). */
  GIOStream *tls = g_initable_new (g_tls_backend_get_server_connection_type (
                                     g_tls_backend_get_default ()), NULL, &error,
                                   "base-io-stream", tcp, "certificate", s->tls_cert,
                                   "database", s->tls_ca,
                                   "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED,
                                   "require-close-notify", FALSE, NULL);
  if (tls == NULL)
    {
      conn_note (s, IMPS_EVENT_FAILURE, "TLS failed", "TLS for %s: %s", c->ip, error->message);
      g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
      return;
    }
  c->tls = G_TLS_CONNECTION (tls);
  static const gchar *alpn[] = { "http/1.1", NULL };
  g_tls_connection_set_advertised_protocols (c->tls, alpn);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_for_later_check), NULL);
  g_tls_connection_handshake_async (c->tls, G_PRIORITY_DEFAULT, c->cancel, handshake_done, c);
}

/* Starts the handshakes of waiting connections while slots are free. */
static void
handshake_next (ImpsHttpServer *s)
{
  while (s->handshaking < IMPS_HTTP_MAX_HANDSHAKES && !g_queue_is_empty (&s->handshake_wait))
    {
      Conn *c = g_queue_pop_head (&s->handshake_wait);
      c->queued = FALSE;
      c->handshaking = TRUE;
      s->handshaking++;
      conn_start_tls (c);
    }
}

/* @c's handshake is over (or @c is gone): its slot goes to the next. */
static void
handshake_slot_release (Conn *c)
{
  if (!c->handshaking)
    return;
  c->handshaking = FALSE;
  c->s->handshaking--;
  handshake_next (c->s);
}

static gboolean first_bytes (GSocket *socket, GIOCondition cond, gpointer data);

/* Waits (without a thread) until @need bytes of @c's first TLS record can
 * be read, or the client closes: the socket becomes readable only then
 * (SO_RCVLOWAT). */
static void
hello_wait (Conn *c, gsize need)
{
  int lowat = (int) need;
  setsockopt (g_socket_get_fd (c->socket), SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
  if (c->hello_waits++ == 0)
    c->s->hellos_waiting++;
  c->wait = g_socket_create_source (c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, c->cancel);
  g_source_set_callback (c->wait, G_SOURCE_FUNC (first_bytes), c, NULL);
  g_source_attach (c->wait, NULL);
}

/* A TLS client's first bytes (or its close, or the deadline). glib-networking
 * runs a server handshake in a GTask pool thread that blocks on every read,
 * so the handshake starts only when the whole first record (the
 * ClientHello: 5-byte header and the length it gives, at most 2^14 + 2048)
 * is there: a client that sends part of it and stops holds a socket, not a
 * thread. At most two waits (the header, then the rest); after that, or
 * when the client closed early, the handshake starts on what there is and
 * fails at once. */
static gboolean
first_bytes (GSocket *socket, GIOCondition cond, gpointer data)
{
  Conn *c = data;
  g_clear_pointer (&c->wait, g_source_unref);
  guint8 b[11];
  gssize n = recv (g_socket_get_fd (socket), b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0)
    {
      /* closed before a byte, or an error: done */
      hello_wait_end (c);
      g_autoptr (GSocketConnection) tcp = g_steal_pointer (&c->tcp);
      g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
      return G_SOURCE_REMOVE;
    }
  if (b[0] == 22 && c->hello_waits < 2)
    {
      gsize need = 5;
      if (n >= 5)
        need += MIN ((gsize) (b[3] << 8 | b[4]), (gsize) 16384 + 2048);
      int avail = 0;
      if (ioctl (g_socket_get_fd (socket), FIONREAD, &avail) == 0 && (gsize) avail < need)
        {
          hello_wait (c, need);
          return G_SOURCE_REMOVE;
        }
    }
  hello_wait_end (c);
  /* a handshake record with a ClientHello: its client_version */
  if (n == (gssize) sizeof b && b[0] == 22 && b[5] == 1)
    c->hello_version = (guint16) (b[9] << 8 | b[10]);
  /* in turn: at most IMPS_HTTP_MAX_HANDSHAKES at once */
  c->queued = TRUE;
  g_queue_push_tail (&c->s->handshake_wait, c);
  handshake_next (c->s);
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *tcp, GObject *source, gpointer data)
{
  ImpsHttpServer *s = data;
  GSocket *socket = g_socket_connection_get_socket (tcp);
  g_autoptr (GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autofree gchar *ip = NULL;
  guint16 port = 0;
  if (remote && G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS (remote);
      ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
      port = g_inet_socket_address_get_port (isa);
    }
  else
    ip = g_strdup ("?");
  s->stats.accepted++;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (s->per_source, ip));
  if (s->limits.max_per_source && n >= s->limits.max_per_source)
    {
      s->stats.refused_cap++;
      conn_note (s, IMPS_EVENT_REFUSAL, "connection refused",
                 "%s already has %u connections open to %s (at most %u from one address)",
                 ip, n, s->node_name, s->limits.max_per_source);
      g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
      return TRUE;
    }
  Conn *c = g_new0 (Conn, 1);
  c->s = s;
  c->ip = g_steal_pointer (&ip);
  c->port = port;
  c->socket = socket;
  c->cancel = g_cancellable_new ();
  g_hash_table_insert (s->per_source, g_strdup (c->ip), GUINT_TO_POINTER (n + 1));
  g_hash_table_add (s->conns, c);
  g_object_weak_ref (G_OBJECT (socket), conn_gone, c);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  /* Every wait for the client to send or read (the request, the answer,
   * TLS records) ends after the idle timeout. */
  g_socket_set_timeout (socket, s->limits.idle_timeout_s);

  if (s->tls_cert == NULL)
    {
      conn_hand_to_soup (c, G_IO_STREAM (tcp));
      return TRUE;
    }
  /* TLS: the handshake starts when the client has sent its first bytes,
   * and must be over by the deadline. */
  c->tcp = g_object_ref (tcp);
  c->wait = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, c->cancel);
  g_source_set_callback (c->wait, G_SOURCE_FUNC (first_bytes), c, NULL);
  g_source_attach (c->wait, NULL);
  c->deadline = g_timeout_add_seconds (s->limits.handshake_timeout_s, handshake_deadline, c);
  return TRUE;
}

/* What the server remembers about one message. */
typedef struct {
  GRefString *peer;
  GRefString *stream;
  gboolean request_logged;
  gboolean responded;
  gboolean finished;       /* the connection is done with it (or gone) */
  gboolean paused;
} MsgState;

#define STATE_KEY "imps-http-state"

static void
msg_state_free (gpointer p)
{
  MsgState *st = p;
  g_ref_string_release (st->peer);
  g_ref_string_release (st->stream);
  g_free (st);
}

static MsgState *
msg_state (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), STATE_KEY);
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  MsgState *st = msg_state (msg);
  if (st)
    st->finished = TRUE;
}

static void
log_request (ImpsHttpServer *s, SoupServerMessage *msg, MsgState *st, const gchar *summary)
{
  if (st->request_logged)
    return;
  st->request_logged = TRUE;
  g_autoptr (GBytes) bytes = imps_http_request_bytes (msg);
  imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, st->peer, s->node_name,
                    bytes, st->stream, NULL, "%s", summary);
}

void
imps_http_server_log_request (ImpsHttpServer *s, SoupServerMessage *msg,
                              const gchar *summary_fmt, ...)
{
  MsgState *st = msg_state (msg);
  g_return_if_fail (st != NULL);
  if (st->request_logged)
    return;
  va_list ap;
  va_start (ap, summary_fmt);
  g_autofree gchar *summary = g_strdup_vprintf (summary_fmt, ap);
  va_end (ap);
  log_request (s, msg, st, summary);
}

static MsgState *
msg_state_new (ImpsHttpServer *s, SoupServerMessage *msg)
{
  MsgState *st = msg_state (msg);
  if (st)
    return st;
  st = g_new0 (MsgState, 1);
  ConnTag *t = conn_tag (msg);
  if (t != NULL)
    {
      st->peer = g_ref_string_acquire (t->peer);
      st->stream = g_ref_string_acquire (t->stream);
    }
  else
    {
      GSocketAddress *remote = soup_server_message_get_remote_address (msg);
      g_autofree gchar *peer = remote ? imps_network_peer_name (s->net, remote) : g_strdup ("?");
      g_autofree gchar *name = g_strdup_printf ("%s %s-%s", s->tls_cert ? "https" : "http", peer,
                                                s->node_name);
      st->peer = g_ref_string_new (peer);
      st->stream = g_ref_string_new (name);
    }
  g_object_set_data_full (G_OBJECT (msg), STATE_KEY, st, msg_state_free);
  return st;
}

/* A refusal that impsim writes itself on a connection it took from
 * libsoup: the answer, then a short drain of what the client still
 * sends, then the close. */
typedef struct {
  GIOStream *stream;
  GBytes *answer;
  guint8 buf[4096];
  gsize drained;
  guint timer;
  GCancellable *cancel;
} Refusal;

#define REFUSAL_DRAIN_MAX (1024 * 1024)
#define REFUSAL_DRAIN_S 2

static void
refusal_free (Refusal *r)
{
  g_clear_handle_id (&r->timer, g_source_remove);
  g_io_stream_close (r->stream, NULL, NULL);
  g_object_unref (r->stream);
  g_bytes_unref (r->answer);
  g_object_unref (r->cancel);
  g_free (r);
}

static gboolean
refusal_drain_over (gpointer data)
{
  Refusal *r = data;
  r->timer = 0;
  g_cancellable_cancel (r->cancel);
  return G_SOURCE_REMOVE;
}

static void
refusal_drained (GObject *source, GAsyncResult *res, gpointer data)
{
  Refusal *r = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);
  if (n > 0 && (r->drained += (gsize) n) < REFUSAL_DRAIN_MAX)
    {
      g_input_stream_read_async (G_INPUT_STREAM (source), r->buf, sizeof r->buf,
                                 G_PRIORITY_LOW, r->cancel, refusal_drained, r);
      return;
    }
  refusal_free (r);
}

static void
refusal_drain (Refusal *r)
{
  /* Stop sending (a FIN on plain TCP), and read what is still coming so
   * that the close does not reset the connection under the answer. */
  g_autoptr (GIOStream) base = NULL;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (r->stream), "base-iostream"))
    g_object_get (r->stream, "base-iostream", &base, NULL);
  GIOStream *plain = base ? base : r->stream;
  if (G_IS_SOCKET_CONNECTION (plain))
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (plain)), FALSE, TRUE,
                       NULL);
  r->timer = g_timeout_add_seconds (REFUSAL_DRAIN_S, refusal_drain_over, r);
  g_input_stream_read_async (g_io_stream_get_input_stream (r->stream), r->buf, sizeof r->buf,
                             G_PRIORITY_LOW, r->cancel, refusal_drained, r);
}

static void
refusal_written (GObject *source, GAsyncResult *res, gpointer data)
{
  Refusal *r = data;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, NULL))
    {
      refusal_free (r);
      return;
    }
  refusal_drain (r);
}

static void
refusal_output_closed (GObject *source, GAsyncResult *res, gpointer data)
{
  Refusal *r = data;
  g_output_stream_close_finish (G_OUTPUT_STREAM (source), res, NULL);
  refusal_drain (r);
}

/* Takes @stream: writes @answer (or, with @close_output, closes the
 * sending side: a TLS close_notify), drains, closes. */
static void
refusal_start (GIOStream *stream, GBytes *answer, gboolean close_output)
{
  Refusal *r = g_new0 (Refusal, 1);
  r->stream = stream;
  r->answer = answer ? g_bytes_ref (answer) : g_bytes_new (NULL, 0);
  r->cancel = g_cancellable_new ();
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  if (close_output)
    {
      g_output_stream_close_async (out, G_PRIORITY_DEFAULT, NULL, refusal_output_closed, r);
      return;
    }
  gsize len;
  const guint8 *d = g_bytes_get_data (r->answer, &len);
  g_output_stream_write_all_async (out, d, len, G_PRIORITY_DEFAULT, NULL, refusal_written, r);
}

static void
refuse_and_close (ImpsHttpServer *s, SoupServerMessage *msg, guint status, const gchar *why,
                  const gchar *reason, const gchar *request_summary,
                  const gchar *answer_summary)
{
  MsgState *st = msg_state_new (s, msg);
  log_request (s, msg, st, request_summary);
  st->responded = TRUE;
  st->finished = TRUE;
  s->stats.refused_body++;
  g_autofree gchar *date = imps_http_date (imps_clock_now_us (imps_network_get_clock (s->net))
                                           / G_USEC_PER_SEC);
  GString *a = g_string_new (NULL);
  g_string_append_printf (a, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  if (s->server_header)
    g_string_append_printf (a, "Server: %s\r\n", s->server_header);
  /* the reason as a one-line text/plain body, like every other 4xx */
  g_string_append_printf (a, "Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s\n",
                          date, strlen (reason) + 1, reason);
  gsize alen = a->len;
  g_autoptr (GBytes) answer = g_bytes_new_take (g_string_free (a, FALSE), alen);
  imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, s->node_name, st->peer,
                    answer, st->stream, why, "%s", answer_summary);
  /* libsoup must not read the body: take the connection from it */
  GIOStream *stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    refusal_start (stream, answer, FALSE);
}

/* A Content-Length is 1*DIGIT that fits in 63 bits (RFC 9110 §8.6). */
static gboolean
parse_content_length (const gchar *v, guint64 *out)
{
  guint64 n = 0;
  if (v == NULL || *v == '\0')
    return FALSE;
  for (const gchar *p = v; *p; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      guint d = (guint) (*p - '0');
      if (n > ((guint64) G_MAXINT64 - d) / 10)
        return FALSE;
      n = n * 10 + d;
    }
  *out = n;
  return TRUE;
}

/* Runs when the request headers are in, before any body byte is read. */
static void
on_got_headers (SoupServerMessage *msg, gpointer data)
{
  ImpsHttpServer *s = data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const gchar *method = soup_server_message_get_method (msg);
  const gchar *path = uri ? g_uri_get_path (uri) : "/";
  const gchar *cl = soup_message_headers_get_one (h, "Content-Length");
  SoupEncoding encoding = soup_message_headers_get_encoding (h);
  guint64 length = 0;
  if (cl != NULL && !parse_content_length (cl, &length))
    {
      g_autofree gchar *shown = g_strescape (cl, NULL);
      g_autofree gchar *req = g_strdup_printf ("%s %s (Content-Length \"%.40s\")", method, path,
                                               shown);
      g_autofree gchar *why = g_strdup_printf ("request from %s has Content-Length \"%.40s\", "
                                               "which is not a number of at most 63 bits",
                                               msg_state_new (s, msg)->peer, shown);
      g_autofree gchar *reason = g_strdup_printf ("Content-Length \"%.40s\" is not a number "
                                                  "of at most 63 bits", shown);
      refuse_and_close (s, msg, SOUP_STATUS_BAD_REQUEST, why, reason, req,
                        "400 bad Content-Length");
    }
  else if (encoding == SOUP_ENCODING_CHUNKED)
    {
      g_autofree gchar *req = g_strdup_printf ("%s %s (chunked body)", method, path);
      g_autofree gchar *why = g_strdup_printf ("request from %s has a chunked body; a length "
                                               "is required (at most %" G_GSIZE_FORMAT " bytes)",
                                               msg_state_new (s, msg)->peer, s->max_body);
      g_autofree gchar *reason = g_strdup_printf ("a chunked body is refused: send "
                                                  "Content-Length (at most %" G_GSIZE_FORMAT
                                                  " bytes)", s->max_body);
      refuse_and_close (s, msg, SOUP_STATUS_LENGTH_REQUIRED, why, reason, req,
                        "411 body length required");
    }
  else if (cl != NULL && length > s->max_body)
    {
      g_autofree gchar *req = g_strdup_printf ("%s %s (%" G_GUINT64_FORMAT "-byte body)", method,
                                               path, length);
      g_autofree gchar *why = g_strdup_printf ("request from %s has a %" G_GUINT64_FORMAT
                                               "-byte body; at most %" G_GSIZE_FORMAT
                                               " bytes are read", msg_state_new (s, msg)->peer,
                                               length, s->max_body);
      g_autofree gchar *reason = g_strdup_printf ("a %" G_GUINT64_FORMAT "-byte body is over "
                                                  "the limit of %" G_GSIZE_FORMAT " bytes",
                                                  length, s->max_body);
      refuse_and_close (s, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, why, reason, req,
                        "413 body too large");
    }
}

static void
request_started (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  ImpsHttpServer *s = data;
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), s);
}

static void
server_callback (SoupServer *soup, SoupServerMessage *msg, const char *path,
                 GHashTable *query, gpointer data)
{
  ImpsHttpServer *s = data;
  MsgState *st = msg_state (msg);
  if (st != NULL && st->responded)
    return;
  st = msg_state_new (s, msg);
  s->handler (s, msg, st->peer, s->user_data);
  if (!st->responded && !st->paused)
    {
      g_warning ("HTTP handler of %s neither answered nor paused", s->node_name);
      imps_http_server_respond (s, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL, NULL, 0,
                                "the handler did not answer", "500 (no answer)");
    }
}

ImpsHttpServer *
imps_http_server_new (ImpsNetwork *net, const gchar *node_name, ImpsRefPoint ref,
                      const gchar *server_header, ImpsHttpHandler handler, gpointer user_data)
{
  g_return_val_if_fail (net && node_name && handler, NULL);
  ImpsHttpServer *s = g_new0 (ImpsHttpServer, 1);
  s->net = net;
  s->node_name = g_strdup (node_name);
  s->server_header = g_strdup (server_header);
  s->ref = ref;
  s->handler = handler;
  s->user_data = user_data;
  s->max_body = IMPS_HTTP_MAX_BODY_DEFAULT;
  imps_http_limits_init (&s->limits);
  s->paused = g_ptr_array_new ();
  s->per_source = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->conns = g_hash_table_new (NULL, NULL);
  g_queue_init (&s->handshake_wait);
  return s;
}

void
imps_http_server_set_limits (ImpsHttpServer *s, const ImpsHttpLimits *limits)
{
  g_return_if_fail (s->service == NULL);
  s->limits = *limits;
  if (s->limits.handshake_timeout_s == 0)
    s->limits.handshake_timeout_s = IMPS_HTTP_HANDSHAKE_TIMEOUT_DEFAULT;
  if (s->limits.backlog <= 0)
    s->limits.backlog = IMPS_HTTP_BACKLOG_DEFAULT;
}

void
imps_http_server_set_tls (ImpsHttpServer *s, GTlsCertificate *cert, GTlsDatabase *ca)
{
  g_return_if_fail (s->service == NULL);
  g_return_if_fail (G_IS_TLS_CERTIFICATE (cert) && G_IS_TLS_DATABASE (ca));
  imps_tls_policy_init ();
  g_set_object (&s->tls_cert, cert);
  g_set_object (&s->tls_ca, ca);
}

gboolean
imps_http_server_listen (ImpsHttpServer *s, const gchar *address, guint16 port, GError **error)
{
  g_return_val_if_fail (s->soup == NULL, FALSE);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  if (ia == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address",
                   address);
      return FALSE;
    }
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, port);
  g_autoptr (GSocket) socket = g_socket_new (g_inet_address_get_family (ia), G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, s->limits.backlog);
  if (!g_socket_bind (socket, sa, TRUE, error) || !g_socket_listen (socket, error))
    {
      g_prefix_error (error, "%s at %s:%u: ", s->node_name, address, port);
      return FALSE;
    }
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;
  GSocketService *service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (service), socket, NULL, error))
    {
      g_object_unref (service);
      return FALSE;
    }
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  /* No automatic Server header: the node's own goes on every response. */
  s->soup = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (s->soup, NULL, server_callback, s, NULL);
  g_signal_connect (s->soup, "request-started", G_CALLBACK (request_started), s);
  s->service = service;
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), s);
  g_socket_service_start (service);
  imps_network_register_node (s->net, s->node_name, address);
  return TRUE;
}

guint16
imps_http_server_get_port (ImpsHttpServer *s)
{
  return s->port;
}

void
imps_http_server_set_max_body (ImpsHttpServer *s, gsize max_body)
{
  s->max_body = max_body;
}

void
imps_http_server_get_stats (ImpsHttpServer *s, ImpsHttpStats *stats)
{
  *stats = s->stats;
  stats->open = g_hash_table_size (s->conns);
  stats->handshaking = s->handshaking;
  stats->handshakes_waiting = s->handshake_wait.length;
  stats->hellos_waiting = s->hellos_waiting;
}

GTlsCertificate *
imps_http_server_get_peer_certificate (ImpsHttpServer *s, SoupServerMessage *msg,
                                       GTlsCertificateFlags *errors)
{
  *errors = G_TLS_CERTIFICATE_GENERIC_ERROR;
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;
  GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS (remote);
  g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
  guint16 port = g_inet_socket_address_get_port (isa);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, s->conns);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      Conn *c = key;
      if (c->port == port && g_strcmp0 (c->ip, ip) == 0)
        {
          *errors = c->peer_errors;
          return c->peer_cert;
        }
    }
  return NULL;
}

void
imps_http_server_pause (ImpsHttpServer *s, SoupServerMessage *msg)
{
  MsgState *st = msg_state (msg);
  g_return_if_fail (st != NULL && !st->paused && !st->responded);
  st->paused = TRUE;
  /* a message answered at once cannot be finished before its answer; one
   * answered later learns whether the client went meanwhile */
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), NULL);
  if (g_signal_lookup ("disconnected", SOUP_TYPE_SERVER_MESSAGE) != 0)
    g_signal_connect (msg, "disconnected", G_CALLBACK (on_finished), NULL);
  g_ptr_array_add (s->paused, g_object_ref (msg));
  soup_server_message_pause (msg);
}

/* Whether the client may send another request on the connection of @msg
 * (RFC 9112 §9.3): HTTP/1.1 unless it said "Connection: close"; HTTP/1.0
 * only with "Connection: keep-alive". */
static gboolean
client_keeps_alive (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  if (soup_server_message_get_http_version (msg) == SOUP_HTTP_1_1)
    return !soup_message_headers_header_contains (h, "Connection", "close");
  if (soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0)
    return soup_message_headers_header_contains (h, "Connection", "keep-alive");
  return FALSE;
}

/* A connection taken back from libsoup after a keep-alive answer. */
typedef struct {
  GIOStream *stream;
  GSocketAddress *local, *remote;
} Rehand;

static void
rehand_free (gpointer p)
{
  Rehand *r = p;
  g_object_unref (r->stream);
  g_object_unref (r->local);
  g_object_unref (r->remote);
  g_free (r);
}

/* Hands the connections taken back to libsoup again, as new ones: from
 * the main loop, not from inside libsoup's write of the previous answer,
 * so that a client that sends at once never nests one request in
 * another. */
static gboolean
rehand_pending (gpointer data)
{
  ImpsHttpServer *s = data;
  s->rehand_source = 0;
  Rehand *r;
  while ((r = g_queue_pop_head (&s->rehand)) != NULL)
    {
      if (!soup_server_accept_iostream (s->soup, r->stream, r->local, r->remote, NULL))
        g_io_stream_close (r->stream, NULL, NULL);
      else
        s->stats.kept_alive++;
      rehand_free (r);
    }
  return G_SOURCE_REMOVE;
}

/* Bytes a client may have sent ahead (pipelined requests) that impsim
 * takes from libsoup's buffer when it takes a connection back; more stay in
 * the socket for later. */
#define PIPELINED_MAX (256 * 1024)

/* What libsoup had read past the answered request (pipelined requests),
 * and what is already waiting in the socket: NULL when nothing. */
static GBytes *
take_read_ahead (GIOStream *stolen)
{
  GInputStream *in = g_io_stream_get_input_stream (stolen);
  if (!G_IS_POLLABLE_INPUT_STREAM (in)
      || !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)))
    return NULL;
  GByteArray *a = NULL;
  guint8 buf[4096];
  while (a == NULL || a->len < PIPELINED_MAX)
    {
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (in), buf,
                                                           sizeof buf, NULL, NULL);
      if (n <= 0)
        break;  /* nothing more now, the client's end, or an error libsoup meets next */
      if (a == NULL)
        a = g_byte_array_sized_new ((guint) n);
      g_byte_array_append (a, buf, (guint) n);
    }
  return a ? g_byte_array_free_to_bytes (a) : NULL;
}

/* The answer is written: the head and body leave together; after a
 * keep-alive answer the connection goes back to libsoup as a new one (see
 * above), with any bytes libsoup had read ahead in front. */
static void
on_wrote_body (SoupServerMessage *msg, gpointer data)
{
  ImpsHttpServer *s = data;
  conn_cork (msg, FALSE);
  if (!client_keeps_alive (msg))
    return;
  MsgState *st = msg_state (msg);
  if (st)
    st->finished = TRUE;
  GSocketAddress *local = soup_server_message_get_local_address (msg);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  if (local == NULL || remote == NULL)
    return; /* libsoup closes it as usual */
  g_autoptr (GIOStream) stolen = soup_server_message_steal_connection (msg);
  if (stolen == NULL)
    return;
  g_autoptr (GBytes) ahead = take_read_ahead (stolen);
  /* libsoup's wrapper, which does not close what it wraps when it goes */
  g_autoptr (GIOStream) base = NULL;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (stolen), "base-iostream"))
    g_object_get (stolen, "base-iostream", &base, NULL);
  else
    base = g_object_ref (stolen);
  if (base == NULL)
    return;
  if (G_TYPE_CHECK_INSTANCE_TYPE (base, imps_prefix_stream_get_type ()))
    {
      /* its bytes in front are all in @ahead now: the connection alone */
      ImpsPrefixStream *old = (ImpsPrefixStream *) base;
      old->detached = TRUE;
      GIOStream *conn = g_object_ref (old->base);
      g_object_unref (base);
      base = conn;
    }
  Rehand *r = g_new0 (Rehand, 1);
  r->local = g_object_ref (local);
  r->remote = g_object_ref (remote);
  r->stream = ahead ? imps_prefix_stream_new (base, g_steal_pointer (&ahead))
                    : g_steal_pointer (&base);
  g_queue_push_tail (&s->rehand, r);
  if (s->rehand_source == 0)
    s->rehand_source = g_idle_add_full (G_PRIORITY_HIGH, rehand_pending, s, NULL);
}

/* The Date header for now (RFC 7231 IMF-fixdate), made once a second. */
static const gchar *
server_date (ImpsHttpServer *s)
{
  gint64 now = imps_clock_now_us (imps_network_get_clock (s->net)) / G_USEC_PER_SEC;
  if (s->date == NULL || now != s->date_s)
    {
      g_free (s->date);
      s->date = imps_http_date (now);
      s->date_s = now;
    }
  return s->date;
}

void
imps_http_server_respond (ImpsHttpServer *s, SoupServerMessage *msg, guint status,
                          const gchar *content_type, const guint8 *body, gsize body_len,
                          const gchar *detail, const gchar *summary_fmt, ...)
{
  MsgState *st = msg_state (msg);
  g_return_if_fail (st != NULL && !st->responded);
  g_return_if_fail (content_type != NULL || body_len == 0);
  st->responded = TRUE;

  if (!st->request_logged)
    {
      GUri *uri = soup_server_message_get_uri (msg);
      g_autofree gchar *summary = g_strdup_printf ("%s %s", soup_server_message_get_method (msg),
                                                   uri ? g_uri_get_path (uri) : "/");
      log_request (s, msg, st, summary);
    }

  va_list ap;
  va_start (ap, summary_fmt);
  g_autofree gchar *summary = g_strdup_vprintf (summary_fmt, ap);
  va_end (ap);

  if (st->finished)
    {
      g_autofree gchar *why = g_strdup_printf ("%s closed the connection before the answer (%s)",
                                               st->peer, summary);
      imps_network_log (s->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, s->node_name,
                        NULL, NULL, NULL, why, "answer dropped");
    }
  else
    {
      soup_server_message_set_status (msg, status, NULL);
      SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
      if (s->server_header)
        soup_message_headers_replace (h, "Server", s->server_header);
      soup_message_headers_replace (h, "Date", server_date (s));
      if (client_keeps_alive (msg))
        {
          if (soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0)
            soup_message_headers_replace (h, "Connection", "keep-alive");
        }
      else
        soup_message_headers_replace (h, "Connection", "close");
      conn_cork (msg, TRUE);
      g_signal_connect (msg, "wrote-body", G_CALLBACK (on_wrote_body), s);
      soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                        (const char *) body, body_len);
      soup_message_headers_set_content_length (h, (goffset) body_len);
      g_autoptr (GBytes) bytes = imps_http_response_bytes (msg);
      imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, s->node_name,
                        st->peer, bytes, st->stream, detail, "%s", summary);
    }

  if (st->paused)
    {
      st->paused = FALSE;
      if (!st->finished)
        soup_server_message_unpause (msg);
      if (g_ptr_array_remove_fast (s->paused, msg))
        g_object_unref (msg);
    }
}

void
imps_http_server_free (ImpsHttpServer *s)
{
  if (s == NULL)
    return;
  /* Requests still waiting get no answer: the connections close below,
   * so the log says that instead of claiming a message that never left. */
  for (guint i = 0; i < s->paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (s->paused, i);
      MsgState *st = msg_state (msg);
      if (st)
        {
          st->responded = TRUE;
          g_autofree gchar *why = g_strdup_printf ("%s is shutting down; the request from %s is "
                                                   "not answered", s->node_name, st->peer);
          imps_network_log (s->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE,
                            s->node_name, NULL, NULL, NULL, why, "request dropped");
        }
      g_object_unref (msg);
    }
  g_ptr_array_set_size (s->paused, 0);
  g_clear_handle_id (&s->rehand_source, g_source_remove);
  Rehand *r;
  while ((r = g_queue_pop_head (&s->rehand)) != NULL)
    {
      g_io_stream_close (r->stream, NULL, NULL);
      rehand_free (r);
    }
  if (s->service)
    {
      g_socket_service_stop (s->service);
      g_socket_listener_close (G_SOCKET_LISTENER (s->service));
      g_signal_handlers_disconnect_by_data (s->service, s);
      g_clear_object (&s->service);
    }
  /* Forget the connections still open (their sockets may outlive the
   * server in libsoup's or GnuTLS's hands) and shut each down. */
  g_queue_clear (&s->handshake_wait);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, s->conns);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      Conn *c = key;
      conn_clear_timers (c);
      c->queued = FALSE;
      c->handshaking = FALSE;
      g_object_weak_unref (G_OBJECT (c->socket), conn_gone, c);
      conn_untag (c);
      conn_kill (c);
      g_clear_object (&c->peer_cert);
      if (c->tcp)
        g_io_stream_close (G_IO_STREAM (c->tcp), NULL, NULL);
      g_clear_object (&c->tcp);
      /* a handshake in flight still holds c: it sees the cancellation */
      g_clear_object (&c->local);
      g_clear_object (&c->remote);
      if (c->tls == NULL)
        {
          g_clear_object (&c->cancel);
          g_free (c->ip);
          g_free (c);
        }
      else
        c->s = NULL;
    }
  g_hash_table_remove_all (s->conns);
  if (s->soup)
    {
      g_signal_handlers_disconnect_by_data (s->soup, s);
      soup_server_disconnect (s->soup);
      g_object_unref (s->soup);
    }
  g_hash_table_unref (s->conns);
  g_hash_table_unref (s->per_source);
  g_clear_object (&s->tls_cert);
  g_clear_object (&s->tls_ca);
  g_ptr_array_unref (s->paused);
  g_free (s->node_name);
  g_free (s->server_header);
  g_free (s->date);
  g_free (s);
}
