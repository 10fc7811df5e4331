/* In-process delivery of SIP and media between nodes (profile §1: SIP and
 * media are passed inside the process, as real RFC 3261 and RTP bytes, and
 * the pcap records them as UDP).
 *
 * Every node attaches at an address and port. A sent message is logged in
 * the event log once (SIP) or handed to the media listeners (RTP/RTCP),
 * then delivered after the bus latency of virtual time, in order, to the
 * endpoint at the destination. A destination nobody listens on is a logged
 * failure, as an ICMP port unreachable would be.
 *
 * Media delivery allocates nothing per packet: packets are copied into a
 * ring of fixed slots (64 at first, doubled when full, up to
 * IMPS_SIP_BUS_MEDIA_SLOTS), and one clock timer serves the ring's head.
 */
#pragma once

#include "imps-network.h"

G_BEGIN_DECLS

typedef struct _ImpsSipBus ImpsSipBus;

typedef void (*ImpsBusReceiveFunc) (const gchar *from_address, guint16 from_port,
                                    const guint8 *data, gsize len,
                                    gpointer user_data);

/* Media packets as they pass, for the pcap and the network observer. */
typedef void (*ImpsMediaTapFunc) (gint64 time_us, ImpsProtocol proto,
                                  const gchar *from_address, guint16 from_port,
                                  const gchar *to_address, guint16 to_port,
                                  const guint8 *data, gsize len,
                                  gpointer user_data);

#define IMPS_SIP_BUS_MAX_PACKET 1500
#define IMPS_SIP_BUS_MEDIA_SLOTS 4096

ImpsSipBus *imps_sip_bus_new (ImpsNetwork *net, gint64 latency_us);
void imps_sip_bus_free (ImpsSipBus *bus);

/* Attaches a receiver at @address:@port for SIP (@media FALSE) or media.
 * Returns an id > 0, or 0 when the address and port are taken. */
guint imps_sip_bus_attach (ImpsSipBus *bus, gboolean media, const gchar *node_name,
                           const gchar *address, guint16 port,
                           ImpsBusReceiveFunc receive, gpointer user_data);
void imps_sip_bus_detach (ImpsSipBus *bus, guint id);

/* Sends a SIP message; logs it with @summary ("INVITE (a=key-mgmt:
 * TRANSFER_INIT)", "200 OK") on @ref (Gm or Mw). FALSE when no endpoint
 * listens at the destination (logged as a failure). */
gboolean imps_sip_bus_send_sip (ImpsSipBus *bus, ImpsRefPoint ref,
                                const gchar *from_address, guint16 from_port,
                                const gchar *to_address, guint16 to_port,
                                GBytes *message, const gchar *summary);

/* Sends one RTP or RTCP packet (copied; at most IMPS_SIP_BUS_MAX_PACKET
 * bytes). FALSE when the ring is full or the packet too large: the packet is
 * dropped and counted. */
gboolean imps_sip_bus_send_media (ImpsSipBus *bus, ImpsProtocol proto,
                                  const gchar *from_address, guint16 from_port,
                                  const gchar *to_address, guint16 to_port,
                                  const guint8 *data, gsize len);

/* A SIP filter sees every SIP message as its sender hands it to the bus,
 * before it is logged: it returns the bytes to send instead (a new
 * reference), or NULL to send the message as it is. The scenario runner's
 * attack steps act through it (an on-path node that changes what it
 * forwards). A changed message is logged with " [altered by the sender]"
 * after its summary (which its sender wrote for the unchanged bytes). At
 * most one filter; NULL removes it. */
typedef GBytes *(*ImpsSipFilterFunc) (ImpsRefPoint ref, const gchar *from_node,
                                      const gchar *to_node, GBytes *message,
                                      gpointer user_data);
void imps_sip_bus_set_sip_filter (ImpsSipBus *bus, ImpsSipFilterFunc filter,
                                  gpointer user_data);

guint imps_sip_bus_add_media_tap (ImpsSipBus *bus, ImpsMediaTapFunc tap, gpointer user_data);
void imps_sip_bus_remove_media_tap (ImpsSipBus *bus, guint id);

/* Media to and from outside the process (`impsim serve`, when a call has an
 * outside end). @attached / @detached see every media endpoint come and go
 * (to open and close a real socket at its address and port); @send gets a
 * media packet whose destination no endpoint listens on, after the taps saw
 * it, and returns TRUE when it took it (sent it on a socket). NULL removes
 * the hooks. */
typedef struct {
  void (*attached) (const gchar *address, guint16 port, gpointer user_data);
  void (*detached) (const gchar *address, guint16 port, gpointer user_data);
  gboolean (*send) (ImpsProtocol proto, const gchar *from_address, guint16 from_port,
                    const gchar *to_address, guint16 to_port, const guint8 *data, gsize len,
                    gpointer user_data);
  gpointer user_data;
} ImpsSipBusOutside;
void imps_sip_bus_set_outside (ImpsSipBus *bus, const ImpsSipBusOutside *outside);

/* A media packet that arrived from outside at @to_address:@to_port: the
 * taps see it, then the endpoint there gets it at once. FALSE (counted as
 * dropped) when no media endpoint listens there or the packet is too large. */
gboolean imps_sip_bus_deliver_media (ImpsSipBus *bus, ImpsProtocol proto,
                                     const gchar *from_address, guint16 from_port,
                                     const gchar *to_address, guint16 to_port,
                                     const guint8 *data, gsize len);

/* Media packets dropped (ring full, too large, nobody listening). */
guint64 imps_sip_bus_media_dropped (ImpsSipBus *bus);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipBus, imps_sip_bus_free)

G_END_DECLS
