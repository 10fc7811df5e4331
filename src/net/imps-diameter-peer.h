/* Diameter over TCP (RFC 6733 framing): a server that answers requests with
 * a handler, and a client that sends requests and matches the answers.
 *
 * Framing copes with partial reads, several messages in one read and a
 * maximum message size. The server answers CER with CEA, DWR with DWA and
 * DPR with DPA (then closes) for outside peers; it does not insist on a CER
 * first, since the simulator's own peers skip the capability exchange
 * (profile §1).
 *
 * The server side logs every request and answer in the network's event
 * log, once; the client logs nothing, so a message is never logged twice.
 */
#pragma once

#include <gio/gio.h>

#include "diameter/imps-diameter.h"
#include "imps-network.h"

G_BEGIN_DECLS

#define IMPS_NET_ERROR (imps_net_error_quark ())
GQuark imps_net_error_quark (void);

typedef enum {
  IMPS_NET_ERROR_TIMEOUT,   /* no answer in time */
  IMPS_NET_ERROR_CLOSED,    /* the connection closed with the request pending */
  IMPS_NET_ERROR_PROTOCOL,  /* the peer sent something that is not Diameter */
} ImpsNetError;

/* Real-time limit on a Diameter request; protocol time is virtual, but a
 * peer that never answers must not hang a run. */
#define IMPS_DIAMETER_REQUEST_TIMEOUT_MS 10000

/* Server defaults (profile §11, Diameter): a connection that sends nothing
 * for the idle limit (four times RFC 6733's Tw of 30 s, so a peer that
 * watches the connection with DWR keeps it) is closed; so is one that
 * leaves a message incomplete for the frame limit; one source address
 * holds at most so many connections at once. */
#define IMPS_DIAMETER_IDLE_TIMEOUT_MS 120000
#define IMPS_DIAMETER_FRAME_TIMEOUT_MS 10000
#define IMPS_DIAMETER_MAX_CONNECTIONS_PER_SOURCE 32
#define IMPS_DIAMETER_LISTEN_BACKLOG 1024
/* A client closes its connection after this long with nothing sent or
 * received (half the server's idle limit) and reconnects on its next
 * request. */
#define IMPS_DIAMETER_CLIENT_IDLE_TIMEOUT_MS 60000

typedef struct {
  guint idle_ms;          /* 0: none */
  guint frame_ms;         /* 0: none */
  guint max_per_source;   /* 0: no cap */
} ImpsDiameterLimits;

typedef struct _ImpsDiameterServer ImpsDiameterServer;
typedef struct _ImpsDiameterRequest ImpsDiameterRequest;

/* Called for each application request (not CER, DWR, DPR). The handler
 * answers now or later with imps_diameter_request_answer(). */
typedef void (*ImpsDiameterHandler) (ImpsDiameterServer *server,
                                     ImpsDiameterRequest *request,
                                     gpointer user_data);

/* @node_name: the name in the event log; @origin_host/@origin_realm: the
 * server's Diameter identity; @apps: the application ids it serves. */
ImpsDiameterServer *imps_diameter_server_new (ImpsNetwork *net,
                                              const gchar *node_name,
                                              const gchar *origin_host,
                                              const gchar *origin_realm,
                                              ImpsRefPoint ref,
                                              const guint32 *apps, guint n_apps,
                                              ImpsDiameterHandler handler,
                                              gpointer user_data);
/* Only peers named with imps_diameter_server_allow_peer() get answers
 * (restricting with an empty list refuses everyone). A request whose source
 * address and Origin-Host are not a named pair is answered 3010
 * DIAMETER_UNKNOWN_PEER (E bit) and the connection is closed; the refusal
 * is in the event log. A server that was never restricted answers anyone. */
void imps_diameter_server_restrict_peers (ImpsDiameterServer *server);
void imps_diameter_server_allow_peer (ImpsDiameterServer *server,
                                      const gchar *origin_host,
                                      const gchar *address);
/* Replaces the defaults above; applies to connections accepted later. */
void imps_diameter_server_set_limits (ImpsDiameterServer *server,
                                      const ImpsDiameterLimits *limits);
/* @port 0: the kernel chooses. */
gboolean imps_diameter_server_listen (ImpsDiameterServer *server,
                                      const gchar *address, guint16 port,
                                      GError **error);
guint16 imps_diameter_server_get_port (ImpsDiameterServer *server);
/* Connections open now. */
guint imps_diameter_server_count_connections (ImpsDiameterServer *server);
/* Main-loop sources the Diameter connections of this process have made so
 * far (reads and idle and frame timers): a connection makes them as it
 * starts, not per message. For tests. */
guint imps_diameter_peer_sources_made (void);
/* Runs @data through the server as if it came on a new connection from
 * @peer_address (framing, dispatch, handlers), without a socket; answers
 * given before this returns are appended to @answers (may be NULL). For
 * fuzz targets and tests. */
void imps_diameter_server_feed (ImpsDiameterServer *server, const gchar *peer_address,
                                const guint8 *data, gsize len, GByteArray *answers);
/* Closes the listener and every connection; pending requests are dropped. */
void imps_diameter_server_free (ImpsDiameterServer *server);

const ImpsDiameterMessage *imps_diameter_request_get_message (ImpsDiameterRequest *request);
const gchar *imps_diameter_request_get_peer (ImpsDiameterRequest *request);
/* The peer's IP address as text (NULL when unknown). */
const gchar *imps_diameter_request_get_peer_address (ImpsDiameterRequest *request);
/* Sends @answer (the bytes of an answer built for this request), logs it
 * and frees @request. If the connection has gone, only logs a note. */
void imps_diameter_request_answer (ImpsDiameterRequest *request, GBytes *answer);

typedef struct _ImpsDiameterClient ImpsDiameterClient;

/* Connects on the first request. @local_address may be NULL. */
ImpsDiameterClient *imps_diameter_client_new (ImpsNetwork *net,
                                              const gchar *local_address,
                                              const gchar *remote_address,
                                              guint16 remote_port);
void imps_diameter_client_free (ImpsDiameterClient *client);
/* Replaces IMPS_DIAMETER_CLIENT_IDLE_TIMEOUT_MS (0: keep connections open)
 * for connections made later. */
void imps_diameter_client_set_idle_timeout (ImpsDiameterClient *client, guint idle_ms);

/* Sends @request; the client sets its own hop-by-hop id (unique on the
 * connection) and End-to-End id (RFC 6733 §3: the low 12 bits of the
 * clock's seconds at creation in the high 12 bits, 20 random bits below,
 * then counting up; from the network's random source, so a seeded run
 * repeats). */
void imps_diameter_client_request_async (ImpsDiameterClient *client,
                                         GBytes *request,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
ImpsDiameterMessage *imps_diameter_client_request_finish (ImpsDiameterClient *client,
                                                          GAsyncResult *result,
                                                          GError **error);

/* "MAR", "MAA", "BIR", "CEA", ... or "Diameter <code>". */
const gchar *imps_diameter_command_abbrev (guint32 command, gboolean request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterServer, imps_diameter_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterClient, imps_diameter_client_free)

G_END_DECLS
