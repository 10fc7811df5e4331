/* HTTP endpoints of the nodes (Ub, Ua, Zk): libsoup 3 servers bound to a
 * node's own loopback address, and the exact HTTP/1.1 bytes of each
 * message for the event log.
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

/* The request as it came: request line, headers in order, empty line,
 * body. */
GBytes *imps_http_request_bytes (SoupServerMessage *msg);
/* The response as libsoup writes it: status line, headers in order, empty
 * line, body. Call after the status, headers and body are final (with an
 * explicit Content-Length, which imps_http_server_respond() sets). */
GBytes *imps_http_response_bytes (SoupServerMessage *msg);

/* An HTTP-date (RFC 7231 IMF-fixdate) for @unix_seconds. Free with g_free(). */
gchar *imps_http_date (gint64 unix_seconds);

typedef struct _ImpsHttpServer ImpsHttpServer;

/* Request bodies larger than this are refused with 413 before they are
 * read (profile §2 fixes 64 KiB for Ua); a chunked request, whose length
 * is not known in advance, gets 411. */
#define IMPS_HTTP_MAX_BODY_DEFAULT (64 * 1024)

/* Called once per request, with the peer's node name. The handler answers
 * now or later: to answer later it calls imps_http_server_pause() first.
 * Either way it ends with imps_http_server_respond(). */
typedef void (*ImpsHttpHandler) (ImpsHttpServer *server, SoupServerMessage *msg,
                                 const gchar *peer, gpointer user_data);

/* @node_name: the name in the event log; @server_header: the Server header
 * of every response (may be NULL: none). */
ImpsHttpServer *imps_http_server_new (ImpsNetwork *net, const gchar *node_name,
                                      ImpsRefPoint ref, const gchar *server_header,
                                      ImpsHttpHandler handler, gpointer user_data);
/* Binds to @address:@port (0: the kernel chooses) and registers the node
 * name for @address in the network. */
gboolean imps_http_server_listen (ImpsHttpServer *server, const gchar *address,
                                  guint16 port, GError **error);
guint16 imps_http_server_get_port (ImpsHttpServer *server);
/* The request body bound (bytes); default IMPS_HTTP_MAX_BODY_DEFAULT. */
void imps_http_server_set_max_body (ImpsHttpServer *server, gsize max_body);
/* Closes the listener and every connection. Requests the handler still
 * holds are not answered; each gets a note in the event log. */
void imps_http_server_free (ImpsHttpServer *server);

/* Logs @msg's request with this summary. Only the first call for a message
 * logs; imps_http_server_respond() logs "METHOD path" when the handler never
 * did. */
void imps_http_server_log_request (ImpsHttpServer *server, SoupServerMessage *msg,
                                   const gchar *summary_fmt, ...) G_GNUC_PRINTF (3, 4);

/* Keeps @msg (a reference) for an answer after the handler returns. */
void imps_http_server_pause (ImpsHttpServer *server, SoupServerMessage *msg);

/* Answers: status with its standard phrase, Server and Date headers,
 * @content_type (NULL with an empty body), the body (copied) and
 * Content-Length; other headers the handler set on the response headers
 * stay. Logs the response once with @summary_fmt, and resumes a paused
 * message. If the client has gone, logs a note instead. */
void imps_http_server_respond (ImpsHttpServer *server, SoupServerMessage *msg,
                               guint status, const gchar *content_type,
                               const guint8 *body, gsize body_len,
                               const gchar *detail,
                               const gchar *summary_fmt, ...) G_GNUC_PRINTF (8, 9);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsHttpServer, imps_http_server_free)

G_END_DECLS
