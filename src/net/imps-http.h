/* HTTP endpoints of the nodes (Ub, Ua, Zk): HTTP/1.1 servers (plain, or
 * TLS through GIO) bound to a node's own loopback address, and the exact
 * HTTP/1.1 bytes of each message for the event log.
 *
 * Like the Diameter server, the HTTP server side logs both directions, each
 * message once: the request when the handler has read it (with the summary
 * the handler gives, e.g. "GET / (Authorization: alice@home1.net)"), the
 * response when the handler answers ("401 (AKA challenge)"). HTTP clients
 * log nothing, so a message is never logged twice.
 *
 * Date headers come from the network's virtual clock, never the wall clock.
 */
#pragma once

#include <libsoup/soup.h>

#include "imps-network.h"

G_BEGIN_DECLS

/* One request to an impsim HTTP server, and the answer it gets: what a
 * handler reads (method, path, query, header fields, body) and the
 * fields it adds to the answer. Reference-counted: a handler that answers
 * later keeps a reference. Its strings live as long as the message. */
typedef struct _ImpsHttpMessage ImpsHttpMessage;

ImpsHttpMessage *imps_http_message_ref (ImpsHttpMessage *msg);
void imps_http_message_unref (ImpsHttpMessage *msg);
const gchar *imps_http_message_get_method (ImpsHttpMessage *msg);
/* The request target's path, percent-decoded ("/" for an absolute URI
 * without one). */
const gchar *imps_http_message_get_path (ImpsHttpMessage *msg);
/* What follows '?' in the target, or NULL. */
const gchar *imps_http_message_get_query (ImpsHttpMessage *msg);
/* The value of the first field named @name (case-insensitive), or NULL. */
const gchar *imps_http_message_get_header (ImpsHttpMessage *msg, const gchar *name);
/* The media type of Content-Type without its parameters, or NULL. */
const gchar *imps_http_message_get_content_type (ImpsHttpMessage *msg);
/* The body (empty without one). */
GBytes *imps_http_message_get_body (ImpsHttpMessage *msg);
/* The request as it came: request line, fields in order, empty line,
 * body. */
GBytes *imps_http_message_get_bytes (ImpsHttpMessage *msg);
/* A field of the answer, before imps_http_server_respond() (replaces one
 * of the same name). At most IMPS_HTTP_MAX_ANSWER_FIELDS. */
#define IMPS_HTTP_MAX_ANSWER_FIELDS 8
void imps_http_message_set_header (ImpsHttpMessage *msg, const gchar *name, const gchar *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsHttpMessage, imps_http_message_unref)

/* An HTTP-date (RFC 7231 IMF-fixdate) for @unix_seconds. Free with g_free(). */
gchar *imps_http_date (gint64 unix_seconds);

typedef struct _ImpsHttpServer ImpsHttpServer;

/* Request bodies larger than this are refused with 413 right after the
 * headers, without reading the body (profile §2 fixes 64 KiB for Ua); a
 * chunked request, whose length is not known in advance, gets 411, and a
 * Content-Length that is not a number of at most 63 bits 400. Each of
 * these answers closes the connection. */
#define IMPS_HTTP_MAX_BODY_DEFAULT (64 * 1024)

/* Connection limits of a server (docs/reliability.md). */
#define IMPS_HTTP_IDLE_TIMEOUT_DEFAULT 30       /* s without a byte either way */
#define IMPS_HTTP_LIFETIME_DEFAULT 300          /* s, whatever happens on it */
/* Open at once from one IP address: a sixteenth of the process's
 * open-file limit, at least the floor and at most the ceiling (32 under a
 * limit of 512 or less, 64 under 1,024, 1,024 under the hard limits of
 * 16,384 and more that main() takes): enough that a load tool on loopback
 * is not refused, too few for one address to take the descriptors. */
#define IMPS_HTTP_MAX_PER_SOURCE_FLOOR 32
#define IMPS_HTTP_MAX_PER_SOURCE_CEILING 1024
#define IMPS_HTTP_BACKLOG_DEFAULT 1024          /* listen(2) backlog */
#define IMPS_HTTP_HANDSHAKE_TIMEOUT_DEFAULT 10  /* s from the accept to a finished TLS handshake */
/* TLS handshakes in progress at once per server: each holds a thread of
 * GLib's GTask pool (glib-networking blocks in it), whose first 10 must
 * stay free for everything else; the other connections wait for a slot
 * within their handshake deadline. */
#define IMPS_HTTP_MAX_HANDSHAKES 6

typedef struct {
  guint idle_timeout_s;      /* 0: none */
  guint lifetime_s;          /* 0: none */
  guint max_per_source;      /* 0: no cap */
  gint backlog;
  guint handshake_timeout_s;
} ImpsHttpLimits;

void imps_http_limits_init (ImpsHttpLimits *limits);
/* The default per-source cap under an open-file limit of @open_files
 * (G_MAXUINT64: unlimited). */
guint imps_http_per_source_cap_for (guint64 open_files);

/* Counters of a server's connections (for tests and the soak tool). */
typedef struct {
  guint64 accepted;          /* TCP connections accepted */
  guint64 served;            /* handed to the HTTP layer */
  guint64 kept_alive;        /* answers after which the connection stayed open for another request */
  guint64 closed;            /* gone (every kind) */
  guint64 refused_cap;       /* closed at once: the source had too many open */
  guint64 refused_body;      /* refused at the head (400, 411, 413, 431, 505) */
  guint64 timed_out;         /* closed by the handshake deadline or the lifetime */
  guint64 idle_closed;       /* plain TCP: closed after the idle timeout without a byte
                              * either way (TLS connections end on the socket's timeout) */
  guint64 handshake_failed;  /* TLS handshakes that failed */
  guint open;                /* open now */
  guint handshaking;         /* TLS handshakes in progress now */
  guint handshakes_waiting;  /* TLS connections waiting for a handshake slot */
  guint hellos_waiting;      /* TLS connections whose first record (the ClientHello)
                              * has not all arrived: no handshake, no thread yet */
} ImpsHttpStats;

/* The GnuTLS priority string impsim uses for every TLS connection (TLS 1.2
 * and 1.3, AEAD suites only). glib-networking reads it from the
 * environment (G_TLS_GNUTLS_PRIORITY) once per process, at the first TLS
 * connection, so imps_tls_policy_init() must run before any: main() calls
 * it first thing; imps_http_server_set_tls() calls it too. */
const gchar *imps_tls_policy (void);
void imps_tls_policy_init (void);

/* Called once per request, with the peer's node name. The handler answers
 * now or later: to answer later it calls imps_http_server_pause() first.
 * Either way it ends with imps_http_server_respond(). */
typedef void (*ImpsHttpHandler) (ImpsHttpServer *server, ImpsHttpMessage *msg,
                                 const gchar *peer, gpointer user_data);

/* @node_name: the name in the event log; @server_header: the Server header
 * of every response (may be NULL: none). */
ImpsHttpServer *imps_http_server_new (ImpsNetwork *net, const gchar *node_name,
                                      ImpsRefPoint ref, const gchar *server_header,
                                      ImpsHttpHandler handler, gpointer user_data);
/* Before listening: connection limits (default imps_http_limits_init()). */
void imps_http_server_set_limits (ImpsHttpServer *server, const ImpsHttpLimits *limits);
/* Before listening: serve HTTPS with @cert (with its key), requiring a
 * client certificate that chains to @ca (mutual TLS, Zk). The handshake
 * starts when the client's whole first record (the ClientHello) has
 * arrived and must end within the handshake timeout; idle sockets and
 * clients that send part of a ClientHello hold no thread. */
void imps_http_server_set_tls (ImpsHttpServer *server, GTlsCertificate *cert, GTlsDatabase *ca);
/* Binds to @address:@port (0: the kernel chooses) and registers the node
 * name for @address in the network. */
gboolean imps_http_server_listen (ImpsHttpServer *server, const gchar *address,
                                  guint16 port, GError **error);
guint16 imps_http_server_get_port (ImpsHttpServer *server);
/* The request body bound (bytes); default IMPS_HTTP_MAX_BODY_DEFAULT. */
void imps_http_server_set_max_body (ImpsHttpServer *server, gsize max_body);
/* TLS: the client certificate of @msg's connection as the handshake
 * verified it (NULL without one), and the verification errors. */
GTlsCertificate *imps_http_server_get_peer_certificate (ImpsHttpServer *server,
                                                       ImpsHttpMessage *msg,
                                                       GTlsCertificateFlags *errors);
void imps_http_server_get_stats (ImpsHttpServer *server, ImpsHttpStats *stats);
/* Closes the listener and every connection. Requests the handler still
 * holds are not answered; each gets a note in the event log. */
void imps_http_server_free (ImpsHttpServer *server);

/* Logs @msg's request with this summary. Only the first call for a message
 * logs; imps_http_server_respond() logs "METHOD path" when the handler never
 * did. */
void imps_http_server_log_request (ImpsHttpServer *server, ImpsHttpMessage *msg,
                                   const gchar *summary_fmt, ...) G_GNUC_PRINTF (3, 4);

/* Keeps @msg (a reference) for an answer after the handler returns. */
void imps_http_server_pause (ImpsHttpServer *server, ImpsHttpMessage *msg);

/* Answers: status with its standard phrase, Server and Date headers,
 * @content_type (NULL with an empty body), the body (copied) and
 * Content-Length; other headers the handler set on the response headers
 * stay. Logs the response once with @summary_fmt, and resumes a paused
 * message. If the client has gone, logs a note instead. */
void imps_http_server_respond (ImpsHttpServer *server, ImpsHttpMessage *msg,
                               guint status, const gchar *content_type,
                               const guint8 *body, gsize body_len,
                               const gchar *detail,
                               const gchar *summary_fmt, ...) G_GNUC_PRINTF (8, 9);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsHttpServer, imps_http_server_free)

G_END_DECLS
