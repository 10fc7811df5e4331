/* HTTP/1.1 servers of the nodes: see imps-http.h. */
#include "imps-accept.h"
#include "imps-idle.h"
#include "imps-source.h"
#include "imps-http-private.h"
#include "imps-http-write.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

/* RFC 9110 section 5.6.7's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT",
 * written by hand: every answer of every server carries one, and a
 * GDateTime with libsoup's formatter cost about 26,000 instructions. */
gchar *
imps_http_date (gint64 unix_seconds)
{
  static const gchar days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const gchar months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  time_t t = (time_t) unix_seconds;
  struct tm tm;
  if ((gint64) t != unix_seconds || gmtime_r (&t, &tm) == NULL || tm.tm_year < 1 - 1900
      || tm.tm_year > 9999 - 1900)
    return g_strdup ("Thu, 01 Jan 1970 00:00:00 GMT");
  gchar *d = g_malloc (30);
  gint year = tm.tm_year + 1900;
  gchar *p = d;
  memcpy (p, days[tm.tm_wday], 3);
  p += 3;
  *p++ = ',';
  *p++ = ' ';
  *p++ = (gchar) ('0' + tm.tm_mday / 10);
  *p++ = (gchar) ('0' + tm.tm_mday % 10);
  *p++ = ' ';
  memcpy (p, months[tm.tm_mon], 3);
  p += 3;
  *p++ = ' ';
  *p++ = (gchar) ('0' + year / 1000);
  *p++ = (gchar) ('0' + year / 100 % 10);
  *p++ = (gchar) ('0' + year / 10 % 10);
  *p++ = (gchar) ('0' + year % 10);
  *p++ = ' ';
  const gint hms[3] = { tm.tm_hour, tm.tm_min, tm.tm_sec };
  for (guint i = 0; i < 3; i++)
    {
      *p++ = (gchar) ('0' + hms[i] / 10);
      *p++ = (gchar) ('0' + hms[i] % 10);
      *p++ = i < 2 ? ':' : ' ';
    }
  memcpy (p, "GMT", 4);
  return d;
}


/* ---------------------------------------------------------------------
 * Server.
 *
 * impsim accepts the TCP connections itself (imps-accept.c, on a listening
 * socket it made with a listen backlog sized for bursts) and serves HTTP/1.1 on
 * them with its own reader (imps-http-parse.c) and writer, on the main
 * loop: a cap on the connections from one source address, an idle timeout
 * (the socket's: every wait for the client to send or read ends after it)
 * and a lifetime on every connection, and, for TLS, a handshake that
 * starts only when the client has sent something and that has a
 * deadline, so idle sockets hold no thread.
 *
 * A connection reads what the client sends into one buffer, takes the
 * requests from it in order (pipelined requests wait there for the answer
 * to the one before), and writes each answer, head and body, in one
 * write. A client that may keep the connection (HTTP/1.1 without
 * "Connection: close", HTTP/1.0 with "Connection: keep-alive") gets its
 * next request served on it; after an answer with "Connection: close" the
 * server stops sending, reads what still comes for a short while and
 * closes. A client that stops sending (a half-close, or a close: the two
 * look the same until the server writes) still gets the answers to the
 * requests it sent, with "Connection: close" once the server has seen its
 * end; an answer that can no longer be written closes the connection.
 *
 * Bodies: the head is checked before any body byte is kept. A declared
 * body over the bound gets 413, a Transfer-Encoding 411, a bad head (see
 * imps_http_head_parse()) its status; each answer closes the connection:
 * the server writes it, stops sending, drains what the client still sends
 * for a short while (into a fixed buffer) and closes.
 * ------------------------------------------------------------------- */

guint
imps_http_per_source_cap_for (guint64 open_files)
{
  guint64 cap = open_files / 16;
  return (guint) CLAMP (cap, IMPS_HTTP_MAX_PER_SOURCE_FLOOR, IMPS_HTTP_MAX_PER_SOURCE_CEILING);
}

void
imps_http_limits_init (ImpsHttpLimits *limits)
{
  struct rlimit nofile;
  guint64 open_files = 1024;
  if (getrlimit (RLIMIT_NOFILE, &nofile) == 0)
    open_files = nofile.rlim_cur == RLIM_INFINITY ? G_MAXUINT64 : (guint64) nofile.rlim_cur;
  limits->idle_timeout_s = IMPS_HTTP_IDLE_TIMEOUT_DEFAULT;
  limits->lifetime_s = IMPS_HTTP_LIFETIME_DEFAULT;
  limits->max_per_source = imps_http_per_source_cap_for (open_files);
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
  ImpsAcceptor *acceptor;
  guint16 port;
  gsize max_body;
  ImpsHttpLimits limits;
  GTlsCertificate *tls_cert;   /* with a key: the server's identity (TLS) */
  GTlsDatabase *tls_ca;        /* client certificates must chain to it */
  GPtrArray *paused;           /* ImpsHttpMessage*, one reference each */
  GHashTable *per_source;      /* source IP -> open connections (GUINT_TO_POINTER) */
  GHashTable *conns;           /* Conn* -> Conn*, every open connection */
  guint handshaking;           /* TLS handshakes in progress */
  GQueue handshake_wait;       /* Conn*: TLS clients waiting for a handshake slot */
  ImpsIdleList *idle;          /* connections served, by their last byte either way */
  ImpsIdleList *lifetime;      /* connections served, by when they were first served */
  guint hellos_waiting;        /* Conn* with hello_waits > 0 and no handshake yet */
  gint64 date_s;               /* the second of date[] */
  gchar *date;                 /* Date header for date_s */
  ImpsHttpStats stats;
};

/* One accepted connection. Lives as long as its GSocket (a weak
 * reference), whoever holds that: impsim during the TLS handshake, while
 * it serves HTTP on it and during a refusal. */
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
  guint deadline;                  /* handshake deadline, then the closing drain's */
  gboolean queued;                 /* in s->handshake_wait */
  gboolean handshaking;            /* holds one of s's handshake slots */
  guint hello_waits;               /* waits for the rest of the first TLS record */
  /* Serving HTTP (conn_serve() on). */
  GIOStream *stream;               /* plain or TLS; NULL when not serving */
  GPollableInputStream *in;
  GPollableOutputStream *out;
  GSource *reading, *writing;
  GRefString *peer;                /* the client's node name */
  GRefString *stream_name;         /* "http alice-kms.home1.net" */
  guint8 *buf;                     /* what the client sent and no request has taken yet */
  gsize buf_start, buf_len, buf_size;  /* unread bytes are buf[buf_start, buf_len) */
  gsize scanned;                   /* bytes from buf_start that hold no end of a head */
  ImpsHttpMessage *current;        /* the request being answered (a reference) */
  GBytes *answer;                  /* being written */
  gsize answer_sent;
  gboolean processing;             /* inside conn_process() */
  gboolean eof;                    /* the client will send no more */
  gboolean close_after;            /* the answer being written is the last */
  gboolean closing;                /* the last answer is out: draining until the close */
  gsize drained;                   /* bytes read and dropped while closing */
  ImpsIdleEntry idle;              /* in s->idle while HTTP is served */
  ImpsIdleEntry life;              /* in s->lifetime from the start of HTTP to the closing */
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

/* @c leaves the idle and lifetime lists (nothing when it is on neither). */
static void
conn_unlist (Conn *c)
{
  if (c->s == NULL)
    return;
  if (c->s->idle != NULL)
    imps_idle_list_remove (c->s->idle, &c->idle);
  if (c->s->lifetime != NULL)
    imps_idle_list_remove (c->s->lifetime, &c->life);
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

/* The GSocket is gone: the connection is closed and forgotten. */
static void
conn_gone (gpointer data, GObject *where_the_socket_was)
{
  Conn *c = data;
  ImpsHttpServer *s = c->s;
  conn_clear_timers (c);
  conn_unlist (c);
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

/* The connection's lifetime is over: both directions shut down (whoever
 * serves it then closes it). The lifetime list is an idle list touched
 * once, when HTTP starts: one timeout for all, so the order of that start
 * is the order of the deadlines, and no connection needs a timer of its
 * own (each would be one more source for every turn of the main loop to
 * look at). */
static void
conn_lifetime_over (ImpsIdleEntry *entry, gpointer owner, gpointer data)
{
  Conn *c = owner;
  c->s->stats.timed_out++;
  conn_kill (c);
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

static void conn_serve (Conn *c, GIOStream *stream);

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
  /* for imps_http_server_get_peer_certificate() */
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
  conn_serve (c, G_IO_STREAM (tls));
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

static void
conn_accepted (GSocketConnection *tcp, gpointer data)
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
      return;
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
  /* TLS: every wait for the client to send or read (TLS records, the
   * handshake's in glib-networking's thread) ends after the idle timeout.
   * Plain TCP: the server's idle list bounds the connection once HTTP is
   * served on it (a socket timeout would wake the main loop at every read,
   * see imps-idle.h). */
  if (s->tls_cert != NULL)
    g_socket_set_timeout (socket, s->limits.idle_timeout_s);

  if (s->tls_cert == NULL)
    {
      conn_serve (c, G_IO_STREAM (tcp));
      return;
    }
  /* TLS: the handshake starts when the client has sent its first bytes,
   * and must be over by the deadline. */
  c->tcp = g_object_ref (tcp);
  c->wait = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, c->cancel);
  g_source_set_callback (c->wait, G_SOURCE_FUNC (first_bytes), c, NULL);
  g_source_attach (c->wait, NULL);
  c->deadline = g_timeout_add_seconds (s->limits.handshake_timeout_s, handshake_deadline, c);
}

static void
on_accept_failed (const GError *error, guint pause_ms, gpointer data)
{
  ImpsHttpServer *s = data;
  conn_note (s, IMPS_EVENT_NOTE, "accept failed",
             "%s could not accept a connection (%s); trying again in %u ms", s->node_name,
             error->message, pause_ms);
}

/* What the server remembers about one message. */


/* A refusal: the answer, then a short drain of what the client still
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


/* ---------------------------------------------------------------------
 * HTTP on a connection.
 * ------------------------------------------------------------------- */

#define BUF_FIRST 4096

static gboolean on_readable (GObject *stream, gpointer data);
static gboolean on_socket_readable (GSocket *socket, GIOCondition cond, gpointer data);
static gboolean on_writable (GObject *stream, gpointer data);
static void conn_process (Conn *c);

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

static void
log_request (ImpsHttpServer *s, ImpsHttpMessage *msg, const gchar *summary)
{
  if (msg->request_logged)
    return;
  msg->request_logged = TRUE;
  imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, msg->peer, s->node_name,
                    msg->raw, msg->stream, NULL, "%s", summary);
}

static void
conn_read_start (Conn *c)
{
  if (c->reading != NULL || c->stream == NULL)
    return;
  /* Plain TCP: the socket's own source (a stream's source wraps one in
   * another, and each is blocked and unblocked around every dispatch, a
   * wake-up of the main loop each time). Never blocked while it runs:
   * nothing here runs a main loop of its own. */
  if (G_IS_TLS_CONNECTION (c->stream))
    {
      c->reading = g_pollable_input_stream_create_source (c->in, NULL);
      g_source_set_callback (c->reading, G_SOURCE_FUNC (on_readable), c, NULL);
    }
  else
    {
      c->reading = g_socket_create_source (c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (c->reading, G_SOURCE_FUNC (on_socket_readable), c, NULL);
    }
  g_source_set_can_recurse (c->reading, TRUE);
  g_source_attach (c->reading, NULL);
}

/* A byte in or out on @c: its idle bound starts again. */
static void
conn_touch (Conn *c)
{
  if (c->s->idle != NULL)
    imps_idle_list_touch (c->s->idle, &c->idle, c);
}

static void conn_close (Conn *c);

/* No byte either way on @c for the idle timeout: closed, unless the
 * handler is still at the request (the client is not the one idle). */
static void
conn_idle_over (ImpsIdleEntry *entry, gpointer owner, gpointer data)
{
  Conn *c = owner;
  if (c->current != NULL && c->answer == NULL && !c->closing)
    {
      imps_idle_list_touch (c->s->idle, &c->idle, c);
      return;
    }
  c->s->stats.idle_closed++;
  GSocket *hold = g_object_ref (c->socket);
  conn_close (c);
  g_object_unref (hold);
}

/* Ends the HTTP side of @c: its sources, its buffer, the request it was
 * answering (whose answer, if one comes, is dropped). Returns its stream,
 * the caller's to close or hand on, or NULL. */
static GIOStream *
conn_unserve (Conn *c)
{
  conn_unlist (c);
  imps_source_drop (&c->reading);
  imps_source_drop (&c->writing);
  if (c->current != NULL)
    {
      c->current->conn = NULL;
      c->current->finished = TRUE;
      g_clear_pointer (&c->current, imps_http_message_unref);
    }
  g_clear_pointer (&c->answer, g_bytes_unref);
  g_clear_pointer (&c->buf, g_free);
  c->buf_start = c->buf_len = c->buf_size = c->scanned = 0;
  g_clear_pointer (&c->peer, g_ref_string_release);
  g_clear_pointer (&c->stream_name, g_ref_string_release);
  c->in = NULL;
  c->out = NULL;
  return g_steal_pointer (&c->stream);
}

/* Closes @c's connection. @c itself goes when its socket does: callers
 * that go on using it hold a reference on c->socket. */
static void
conn_close (Conn *c)
{
  GIOStream *stream = conn_unserve (c);
  if (stream == NULL)
    return;
  if (G_IS_TLS_CONNECTION (stream))
    close_tls_async (G_TLS_CONNECTION (stream));
  else
    g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
}

/* Serves HTTP on @stream (plain TCP, or TLS after the handshake; a
 * reference is taken). */
static void
conn_serve (Conn *c, GIOStream *stream)
{
  ImpsHttpServer *s = c->s;
  GInputStream *in = g_io_stream_get_input_stream (stream);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  c->stream = g_object_ref (stream);
  /* the client's address as the accept read it ("?": it could not, the
   * connection was gone already) */
  if (c->port == 0 || !G_IS_POLLABLE_INPUT_STREAM (in) || !G_IS_POLLABLE_OUTPUT_STREAM (out)
      || !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in))
      || !g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (out)))
    {
      conn_close (c);
      return;
    }
  c->in = G_POLLABLE_INPUT_STREAM (in);
  c->out = G_POLLABLE_OUTPUT_STREAM (out);
  g_autofree gchar *peer = imps_network_peer_name_for (s->net, c->ip, c->port);
  g_autofree gchar *name = g_strdup_printf ("%s %s-%s", s->tls_cert ? "https" : "http", peer,
                                            s->node_name);
  c->peer = g_ref_string_new (peer);
  c->stream_name = g_ref_string_new (name);
  s->stats.served++;
  /* From here on only the lifetime bounds the connection, and the idle
   * list each wait without a byte either way. */
  g_clear_handle_id (&c->deadline, g_source_remove);
  if (s->lifetime != NULL)
    imps_idle_list_touch (s->lifetime, &c->life, c);
  conn_touch (c);
  conn_read_start (c);
}

/* A head refused before any body byte is kept: the answer (the reason as
 * a one-line text/plain body, like every other 4xx), logged with the
 * request as it came so far, then the stop, the drain and the close. */
static void
conn_refuse (Conn *c, const guint8 *head, gsize head_len, guint status, const gchar *why,
             const gchar *reason, const gchar *request_summary, const gchar *answer_summary)
{
  ImpsHttpServer *s = c->s;
  s->stats.refused_body++;
  g_autoptr (GBytes) request = g_bytes_new (head, head_len);
  imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, c->peer, s->node_name,
                    request, c->stream_name, NULL, "%s", request_summary);
  GString *a = g_string_sized_new (256 + strlen (reason));
  g_string_append_printf (a, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  if (s->server_header)
    g_string_append_printf (a, "Server: %s\r\n", s->server_header);
  g_string_append_printf (a, "Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s\n",
                          server_date (s), strlen (reason) + 1, reason);
  gsize alen = a->len;
  g_autoptr (GBytes) answer = g_bytes_new_take (g_string_free (a, FALSE), alen);
  imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, s->node_name, c->peer,
                    answer, c->stream_name, why, "%s", answer_summary);
  GIOStream *stream = conn_unserve (c);
  /* the refusal's write and drain: bounded by the socket's timeout, as a
   * TLS connection's always are */
  if (s->tls_cert == NULL)
    g_socket_set_timeout (c->socket, s->limits.idle_timeout_s);
  if (stream != NULL)
    refusal_start (stream, answer, FALSE);
}

/* The head at @p (@avail bytes) is refused: @error says why (its code is
 * the status), or its declared body is over the bound (@error NULL). */
static void
conn_refuse_head (Conn *c, const guint8 *p, gsize avail, const ImpsHttpHead *head,
                  const GError *error)
{
  ImpsHttpServer *s = c->s;
  gsize shown = head->head_len && head->head_len <= avail ? head->head_len
                                                          : MIN (avail, (gsize) IMPS_HTTP_MAX_HEAD);
  g_autofree gchar *method = NULL, *path = NULL;
  if (head->method.len && head->path.off + head->path.len <= avail)
    {
      method = g_strndup ((const gchar *) p + head->method.off, head->method.len);
      path = head->path.len ? g_strndup ((const gchar *) p + head->path.off, head->path.len)
                            : g_strdup ("/");
    }
  if (error == NULL)
    {
      g_autofree gchar *req = g_strdup_printf ("%s %s (%" G_GUINT64_FORMAT "-byte body)", method,
                                               path, head->content_length);
      g_autofree gchar *why = g_strdup_printf ("request from %s has a %" G_GUINT64_FORMAT
                                               "-byte body; at most %" G_GSIZE_FORMAT
                                               " bytes are read", c->peer,
                                               head->content_length, s->max_body);
      g_autofree gchar *reason = g_strdup_printf ("a %" G_GUINT64_FORMAT "-byte body is over "
                                                  "the limit of %" G_GSIZE_FORMAT " bytes",
                                                  head->content_length, s->max_body);
      conn_refuse (c, p, shown, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, why, reason, req,
                   "413 body too large");
      return;
    }
  guint status = (guint) error->code;
  g_autofree gchar *reason = status == SOUP_STATUS_LENGTH_REQUIRED
    ? g_strdup_printf ("%s (at most %" G_GSIZE_FORMAT " bytes)", error->message, s->max_body)
    : g_strdup (error->message);
  g_autofree gchar *why = g_strdup_printf ("request from %s refused: %s", c->peer, reason);
  const gchar *what = status == SOUP_STATUS_LENGTH_REQUIRED ? "body length required"
                      : g_str_has_prefix (error->message, "Content-Length") ? "bad Content-Length"
                      : status == 431 ? "head too large"
                      : status == SOUP_STATUS_HTTP_VERSION_NOT_SUPPORTED ? "version not supported"
                      : "bad request";
  g_autofree gchar *req = method ? g_strdup_printf ("%s %s (%s)", method, path, what)
                                 : g_strdup_printf ("request (%s)", what);
  g_autofree gchar *ans = g_strdup_printf ("%u %s", status, what);
  conn_refuse (c, p, shown, status, why, reason, req, ans);
}

/* Room for @need unread bytes in @c's buffer (@need is bounded by the
 * caller). */
static void
conn_buf_room (Conn *c, gsize need)
{
  if (c->buf_start > 0 && c->buf_size - c->buf_start < need)
    {
      memmove (c->buf, c->buf + c->buf_start, c->buf_len - c->buf_start);
      c->buf_len -= c->buf_start;
      c->buf_start = 0;
    }
  if (c->buf_size < need)
    {
      gsize size = MAX (c->buf_size, (gsize) BUF_FIRST);
      while (size < need)
        size *= 2;
      c->buf = g_realloc (c->buf, size);
      c->buf_size = size;
    }
}

/* Hands @msg to the handler, which answers now or later. */
static void
conn_dispatch (Conn *c, ImpsHttpMessage *msg)
{
  ImpsHttpServer *s = c->s;
  msg->conn = c;
  msg->peer = g_ref_string_acquire (c->peer);
  msg->stream = g_ref_string_acquire (c->stream_name);
  if (c->peer_cert != NULL)
    msg->peer_cert = g_object_ref (c->peer_cert);
  msg->peer_errors = c->peer_errors;
  c->current = imps_http_message_ref (msg);
  s->handler (s, msg, msg->peer, s->user_data);
  if (!msg->responded && !msg->paused)
    {
      g_warning ("HTTP handler of %s neither answered nor paused", s->node_name);
      imps_http_server_respond (s, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL, NULL, 0,
                                "the handler did not answer", "500 (no answer)");
    }
}

/* Takes the requests in @c's buffer in order, each once the answer to the
 * one before is out. */
static void
conn_process (Conn *c)
{
  ImpsHttpServer *s = c->s;
  if (c->processing)
    return;
  c->processing = TRUE;
  while (c->stream != NULL && c->current == NULL && c->answer == NULL && !c->closing)
    {
      const guint8 *p = c->buf + c->buf_start;
      gsize avail = c->buf_len - c->buf_start;
      gsize end = avail ? imps_http_head_end (p, MIN (avail, (gsize) IMPS_HTTP_MAX_HEAD),
                                              c->scanned) : 0;
      if (end == 0 && avail < IMPS_HTTP_MAX_HEAD)
        {
          /* more to read */
          c->scanned = avail;
          if (c->eof)
            conn_close (c);
          else
            conn_read_start (c);
          break;
        }
      ImpsHttpHead head;
      g_autoptr (GError) error = NULL;
      head.head_len = 0;
      head.method.len = 0;
      ImpsHttpHeadResult r = imps_http_head_parse (p, avail, &head, &error);
      if (r != IMPS_HTTP_HEAD_OK)
        {
          /* INCOMPLETE cannot be: an end was found, or the bound is reached */
          if (error == NULL)
            g_set_error (&error, IMPS_HTTP_ERROR, 400, "the request head did not end");
          conn_refuse_head (c, p, avail, &head, error);
          break;
        }
      if (head.has_length && head.content_length > s->max_body)
        {
          conn_refuse_head (c, p, avail, &head, NULL);
          break;
        }
      gsize body = head.has_length ? (gsize) head.content_length : 0;
      if (avail < head.head_len + body)
        {
          /* the body is still coming: room for all of it */
          conn_buf_room (c, head.head_len + body);
          c->scanned = 0;
          if (c->eof)
            conn_close (c);
          else
            conn_read_start (c);
          break;
        }
      ImpsHttpMessage *msg = imps_http_message_new (p, &head, body, &error);
      if (msg == NULL)
        {
          conn_refuse_head (c, p, avail, &head, error);
          break;
        }
      c->buf_start += head.head_len + body;
      c->scanned = 0;
      if (c->buf_start == c->buf_len)
        c->buf_start = c->buf_len = 0;
      conn_dispatch (c, msg);
      imps_http_message_unref (msg);
    }
  c->processing = FALSE;
}

static gboolean
conn_drain_over (gpointer data)
{
  Conn *c = data;
  c->deadline = 0;
  GSocket *hold = g_object_ref (c->socket);
  conn_close (c);
  g_object_unref (hold);
  return G_SOURCE_REMOVE;
}

#define DRAIN_MAX (1024 * 1024)
#define DRAIN_S 2

/* The last answer is out: stop sending, read (and drop) what the client
 * still sends until it closes, for a short while, then close, so that
 * the close does not reset the connection under the answer. */
static void
conn_start_closing (Conn *c)
{
  if (c->eof || G_IS_TLS_CONNECTION (c->stream))
    {
      /* TLS: the close sends close_notify */
      conn_close (c);
      return;
    }
  c->closing = TRUE;
  c->buf_start = c->buf_len = 0;
  c->scanned = 0;
  g_socket_shutdown (c->socket, FALSE, TRUE, NULL);
  /* the drain's own deadline from here on */
  if (c->s->lifetime != NULL)
    imps_idle_list_remove (c->s->lifetime, &c->life);
  g_clear_handle_id (&c->deadline, g_source_remove);
  c->deadline = g_timeout_add_seconds (DRAIN_S, conn_drain_over, c);
  conn_read_start (c);
}

/* @c's answer is all written. */
static void
conn_answered (Conn *c)
{
  if (c->close_after)
    {
      conn_start_closing (c);
      return;
    }
  c->s->stats.kept_alive++;
  conn_process (c);
}

/* Writes what is left of @c's answer; waits for room when the socket has
 * none. */
static void
conn_flush (Conn *c)
{
  while (c->answer != NULL)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (c->answer, &len);
      g_autoptr (GError) error = NULL;
      gssize n = len > c->answer_sent
        ? g_pollable_output_stream_write_nonblocking (c->out, d + c->answer_sent,
                                                      len - c->answer_sent, NULL, &error)
        : 0;
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              if (c->writing == NULL)
                {
                  c->writing = g_pollable_output_stream_create_source (c->out, NULL);
                  g_source_set_callback (c->writing, G_SOURCE_FUNC (on_writable), c, NULL);
                  g_source_attach (c->writing, NULL);
                }
              return;
            }
          conn_close (c);
          return;
        }
      if (n > 0)
        conn_touch (c);
      c->answer_sent += (gsize) n;
      if (c->answer_sent >= len)
        {
          g_clear_pointer (&c->answer, g_bytes_unref);
          imps_source_drop (&c->writing);
          conn_answered (c);
          return;
        }
    }
}

static gboolean
on_writable (GObject *stream, gpointer data)
{
  Conn *c = data;
  GSocket *hold = g_object_ref (c->socket);
  conn_flush (c);
  g_object_unref (hold);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_readable (GObject *stream, gpointer data)
{
  Conn *c = data;
  GSocket *hold = g_object_ref (c->socket);
  if (c->closing)
    {
      /* what is drained goes nowhere */
      conn_buf_room (c, BUF_FIRST);
      c->buf_start = c->buf_len = 0;
    }
  else if (c->buf_len == c->buf_size)
    {
      gsize unread = c->buf_len - c->buf_start;
      gsize max = IMPS_HTTP_MAX_HEAD + c->s->max_body;
      if (unread >= max)
        {
          /* full of requests that wait for an answer: read again when it is out */
          imps_source_drop (&c->reading);
          g_object_unref (hold);
          return G_SOURCE_REMOVE;
        }
      conn_buf_room (c, MAX (unread + 1, MIN (2 * unread, max)));
    }
  g_autoptr (GError) error = NULL;
  gssize n = g_pollable_input_stream_read_nonblocking (c->in, c->buf + c->buf_len,
                                                       c->buf_size - c->buf_len, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    ;
  else if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
           && (c->current != NULL || c->answer != NULL))
    ; /* the handler takes its time: the client is not idle */
  else if (n <= 0)
    {
      /* the client's end (of sending at least: a client may half-close
       * and still read its answer), an error or the idle timeout */
      c->eof = TRUE;
      imps_source_drop (&c->reading);
      if (n < 0 || c->closing)
        conn_close (c);
      else if (c->current == NULL && c->answer == NULL)
        conn_process (c);
    }
  else if (c->closing)
    {
      c->drained += (gsize) n;
      if (c->drained >= DRAIN_MAX)
        conn_close (c);
    }
  else
    {
      conn_touch (c);
      c->buf_len += (gsize) n;
      conn_process (c);
    }
  g_object_unref (hold);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_socket_readable (GSocket *socket, GIOCondition cond, gpointer data)
{
  return on_readable (NULL, data);
}

/* ---------------------------------------------------------------------
 * The server's API.
 * ------------------------------------------------------------------- */

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

gboolean
imps_http_server_listen (ImpsHttpServer *s, const gchar *address, guint16 port, GError **error)
{
  g_return_val_if_fail (s->acceptor == NULL, FALSE);
  g_autoptr (GSocket) socket = imps_accept_listen_socket (address, port, s->limits.backlog,
                                                          &s->port, error);
  if (socket == NULL)
    {
      g_prefix_error (error, "%s at ", s->node_name);
      return FALSE;
    }
  if (s->limits.idle_timeout_s > 0)
    s->idle = imps_idle_list_new (NULL, s->limits.idle_timeout_s, conn_idle_over, s);
  if (s->limits.lifetime_s > 0)
    s->lifetime = imps_idle_list_new (NULL, s->limits.lifetime_s, conn_lifetime_over, s);
  s->acceptor = imps_acceptor_new (socket, conn_accepted, on_accept_failed, s);
  imps_network_register_node (s->net, s->node_name, address);
  return TRUE;
}

GTlsCertificate *
imps_http_server_get_peer_certificate (ImpsHttpServer *s, ImpsHttpMessage *msg,
                                       GTlsCertificateFlags *errors)
{
  *errors = msg->peer_cert != NULL ? msg->peer_errors : G_TLS_CERTIFICATE_GENERIC_ERROR;
  return msg->peer_cert;
}

void
imps_http_server_log_request (ImpsHttpServer *s, ImpsHttpMessage *msg,
                              const gchar *summary_fmt, ...)
{
  if (msg->request_logged)
    return;
  va_list ap;
  va_start (ap, summary_fmt);
  g_autofree gchar *summary = g_strdup_vprintf (summary_fmt, ap);
  va_end (ap);
  log_request (s, msg, summary);
}

void
imps_http_server_pause (ImpsHttpServer *s, ImpsHttpMessage *msg)
{
  g_return_if_fail (!msg->paused && !msg->responded);
  msg->paused = TRUE;
  g_ptr_array_add (s->paused, imps_http_message_ref (msg));
}

/* The answer's bytes: status line, the handler's fields, Server, Date,
 * Content-Type, Content-Length, Connection, empty line, body. */
static GBytes *
answer_bytes (ImpsHttpServer *s, ImpsHttpMessage *msg, guint status, const gchar *content_type,
              const guint8 *body, gsize body_len, gboolean keep)
{
  GString *a = g_string_sized_new (320 + body_len);
  g_string_append_len (a, msg->minor ? "HTTP/1.1 " : "HTTP/1.0 ", 9);
  imps_http_put_uint (a, status);
  g_string_append_c (a, ' ');
  g_string_append (a, soup_status_get_phrase (status));
  g_string_append_len (a, "\r\n", 2);
  for (guint i = 0; i < msg->n_answer; i++)
    imps_http_put_field (a, msg->answer[i].name, msg->answer[i].value);
  if (s->server_header)
    imps_http_put_field (a, "Server", s->server_header);
  imps_http_put_field (a, "Date", server_date (s));
  if (content_type)
    imps_http_put_field (a, "Content-Type", content_type);
  imps_http_put_content_length (a, body_len);
  if (!keep)
    g_string_append (a, "Connection: close\r\n");
  else if (msg->minor == 0)
    g_string_append (a, "Connection: keep-alive\r\n");
  g_string_append_len (a, "\r\n", 2);
  if (body_len)
    g_string_append_len (a, (const gchar *) body, (gssize) body_len);
  gsize len = a->len;
  return g_bytes_new_take (g_string_free (a, FALSE), len);
}

void
imps_http_server_respond (ImpsHttpServer *s, ImpsHttpMessage *msg, guint status,
                          const gchar *content_type, const guint8 *body, gsize body_len,
                          const gchar *detail, const gchar *summary_fmt, ...)
{
  g_return_if_fail (!msg->responded);
  g_return_if_fail (content_type != NULL || body_len == 0);
  msg->responded = TRUE;

  if (!msg->request_logged)
    {
      g_autofree gchar *summary = g_strdup_printf ("%s %s", msg->method, msg->path);
      log_request (s, msg, summary);
    }
  va_list ap;
  va_start (ap, summary_fmt);
  g_autofree gchar *summary = g_strdup_vprintf (summary_fmt, ap);
  va_end (ap);

  Conn *c = msg->conn;
  if (msg->finished || c == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("%s closed the connection before the answer (%s)",
                                               msg->peer, summary);
      imps_network_log (s->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, s->node_name,
                        NULL, NULL, NULL, why, "answer dropped");
      c = NULL;
    }
  else
    {
      gboolean keep = msg->keep_alive && !c->eof;
      c->answer = answer_bytes (s, msg, status, content_type, body, body_len, keep);
      c->answer_sent = 0;
      c->close_after = !keep;
      imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, s->node_name,
                        msg->peer, c->answer, msg->stream, detail, "%s", summary);
    }

  /* the connection is done with @msg; a paused one is not held any more */
  gboolean conn_ref = FALSE, paused_ref = FALSE;
  if (msg->conn != NULL && ((Conn *) msg->conn)->current == msg)
    {
      ((Conn *) msg->conn)->current = NULL;
      conn_ref = TRUE;
    }
  msg->conn = NULL;
  if (msg->paused)
    {
      msg->paused = FALSE;
      paused_ref = g_ptr_array_remove_fast (s->paused, msg);
    }
  if (c != NULL)
    {
      GSocket *hold = g_object_ref (c->socket);
      conn_flush (c);
      g_object_unref (hold);
    }
  if (conn_ref)
    imps_http_message_unref (msg);
  if (paused_ref)
    imps_http_message_unref (msg);
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
      ImpsHttpMessage *msg = g_ptr_array_index (s->paused, i);
      msg->responded = TRUE;
      msg->paused = FALSE;
      msg->conn = NULL;
      g_autofree gchar *why = g_strdup_printf ("%s is shutting down; the request from %s is "
                                               "not answered", s->node_name, msg->peer);
      imps_network_log (s->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, s->node_name,
                        NULL, NULL, NULL, why, "request dropped");
      imps_http_message_unref (msg);
    }
  g_ptr_array_set_size (s->paused, 0);
  g_clear_pointer (&s->acceptor, imps_acceptor_free);
  /* Forget the connections still open (a refusal's or GnuTLS's may
   * outlive the server) and shut each down. */
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
      conn_kill (c);
      GIOStream *stream = conn_unserve (c);
      if (stream != NULL)
        {
          if (G_IS_TLS_CONNECTION (stream))
            close_tls_async (G_TLS_CONNECTION (stream));
          else
            g_io_stream_close (stream, NULL, NULL);
          g_object_unref (stream);
        }
      g_clear_object (&c->peer_cert);
      if (c->tcp)
        g_io_stream_close (G_IO_STREAM (c->tcp), NULL, NULL);
      g_clear_object (&c->tcp);
      /* a handshake in flight still holds c: it sees the cancellation */
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
  g_hash_table_unref (s->conns);
  imps_idle_list_free (s->idle);
  imps_idle_list_free (s->lifetime);
  g_hash_table_unref (s->per_source);
  g_clear_object (&s->tls_cert);
  g_clear_object (&s->tls_ca);
  g_ptr_array_unref (s->paused);
  g_free (s->node_name);
  g_free (s->server_header);
  g_free (s->date);
  g_free (s);
}
void
imps_http_server_set_limits (ImpsHttpServer *s, const ImpsHttpLimits *limits)
{
  g_return_if_fail (s->acceptor == NULL);
  s->limits = *limits;
  if (s->limits.handshake_timeout_s == 0)
    s->limits.handshake_timeout_s = IMPS_HTTP_HANDSHAKE_TIMEOUT_DEFAULT;
  if (s->limits.backlog <= 0)
    s->limits.backlog = IMPS_HTTP_BACKLOG_DEFAULT;
}

void
imps_http_server_set_tls (ImpsHttpServer *s, GTlsCertificate *cert, GTlsDatabase *ca)
{
  g_return_if_fail (s->acceptor == NULL);
  g_return_if_fail (G_IS_TLS_CERTIFICATE (cert) && G_IS_TLS_DATABASE (ca));
  imps_tls_policy_init ();
  g_set_object (&s->tls_cert, cert);
  g_set_object (&s->tls_ca, ca);
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

