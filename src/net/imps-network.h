/* The shared context of one run: the clock, the event log, the root random
 * source, and the names of the nodes by address so that every message can
 * be logged as "from node A to node B". Nodes reach each other only through
 * src/net (sockets or in-process delivery), never by calling each other.
 */
#pragma once

#include <gio/gio.h>

#include "imps-clock.h"
#include "imps-event-log.h"
#include "imps-random.h"

G_BEGIN_DECLS

typedef struct _ImpsNetwork ImpsNetwork;

/* Takes references/ownership of nothing: @clock is reffed, @random is
 * owned by the caller and must outlive the network. */
ImpsNetwork *imps_network_new (ImpsClock *clock, ImpsRandom *random);
void imps_network_free (ImpsNetwork *net);

ImpsClock *imps_network_get_clock (ImpsNetwork *net);
ImpsEventLog *imps_network_get_event_log (ImpsNetwork *net);
/* A random source of its own for @label (a node name), derived from the
 * root source: adding a node does not change the others' streams. */
ImpsRandom *imps_network_new_random (ImpsNetwork *net, const gchar *label);

/* Names the node at @address (dotted IPv4), e.g. "bsf.home1.net". */
void imps_network_register_node (ImpsNetwork *net, const gchar *name,
                                 const gchar *address);
/* The node's name, or "a.b.c.d:port" for an address no node has. */
gchar *imps_network_peer_name (ImpsNetwork *net, GSocketAddress *address);
/* The same for the dotted IPv4 @ip and @port (an address already known:
 * no system call to ask the socket again). */
gchar *imps_network_peer_name_for (ImpsNetwork *net, const gchar *ip, guint16 port);
const gchar *imps_network_node_at (ImpsNetwork *net, const gchar *address);

/* Logs one message crossing a reference point, time-stamped now. */
const ImpsEvent *imps_network_log (ImpsNetwork *net, ImpsEventKind kind,
                                   ImpsRefPoint ref, ImpsProtocol proto,
                                   const gchar *from, const gchar *to,
                                   GBytes *bytes, const gchar *stream,
                                   const gchar *detail,
                                   const gchar *summary_fmt, ...) G_GNUC_PRINTF (10, 11);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsNetwork, imps_network_free)

G_END_DECLS
