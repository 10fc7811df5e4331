/* Media on real UDP sockets (`impsim serve`): every media endpoint on the
 * SIP bus (a simulated UE's RTP and RTCP ports, the IMS-AGW's leg ports)
 * also gets a UDP socket bound at its loopback address and port, so that
 * an outside UE reaches it at what the SDP advertises.
 *
 * Sending: a media packet the bus cannot deliver in process (no endpoint at
 * its destination) goes out on the socket of the port it was sent from; the
 * destination becomes that port's peer.
 *
 * Receiving: a datagram is taken only from the port's peer (the address and
 * port the endpoint sends to, learned from its first packet out) or from
 * the address and port the call's SDP names for the outside end
 * (imps_media_sockets_expect(), so that media the outside UE sends before
 * the endpoint sent anything is taken: early media after a 183 with SDP,
 * or what follows the 200 at once); when both the expected address and the
 * source are on 127.0.0.0/8 only the port must match, since a client whose
 * media socket is bound to 0.0.0.0 sends from 127.0.0.1 whatever address
 * its SDP names. Anything else is dropped and counted as from an unknown
 * source (the first one per port is logged with its source). What the SDP's
 * address sends before the call is answered is counted as early media. A datagram from the peer is classed as RTCP by
 * its packet type (200 to 204, RFC 5761 §4) and given to the endpoint,
 * which checks it as it checks in-process media (SRTP authentication,
 * replay, sequence, loss). Nothing blocks: at most 64 datagrams per socket
 * and wake-up; a datagram of more than IMPS_SIP_BUS_MAX_PACKET bytes is
 * dropped and counted.
 */
#pragma once

#include "imps-sip-bus.h"

G_BEGIN_DECLS

typedef struct _ImpsMediaSockets ImpsMediaSockets;

typedef struct {
  guint64 received;        /* datagrams read */
  guint64 delivered;       /* given to the endpoint */
  guint64 early;           /* of those: from the SDP's address before the call was answered */
  guint64 unknown_source;  /* dropped: not from the port's peer */
  guint64 too_large;       /* dropped: more than IMPS_SIP_BUS_MAX_PACKET bytes */
  guint64 sent;            /* packets sent to outside */
  guint64 send_failed;     /* no socket at the source port, or the send failed */
  guint64 bind_failed;     /* endpoints that got no socket (address or port in use) */
  guint sockets;           /* sockets open now */
} ImpsMediaSocketsStats;

/* Hooks itself into @bus (imps_sip_bus_set_outside); @net and @bus are
 * borrowed and must outlive it. With @no_sockets nothing is bound (tests,
 * fuzzing): ports are tracked and sends counted only. */
ImpsMediaSockets *imps_media_sockets_new (ImpsNetwork *net, ImpsSipBus *bus,
                                          gboolean no_sockets);
/* Unhooks and closes every socket. */
void imps_media_sockets_free (ImpsMediaSockets *ms);

/* At most this many ports have an expected peer (beyond: all are forgotten
 * and the calls still going set theirs again with their next SDP). */
#define IMPS_MEDIA_SOCKETS_MAX_EXPECT 1024

/* The SDP of a call with an outside end, for one media line: RTP for
 * @local:@local_port comes from @peer:@peer_port, RTCP for
 * @local_rtcp:@local_rtcp_port from @peer_rtcp:@peer_rtcp_port (the next
 * ports, or what a=rtcp names, RFC 3605). @answered: a 2xx to the INVITE
 * has passed (before it, what comes from there counts as early media).
 * Replaces what each port expected before; forgotten when the port's
 * endpoint goes. */
void imps_media_sockets_expect (ImpsMediaSockets *ms, const gchar *local, guint16 local_port,
                                const gchar *local_rtcp, guint16 local_rtcp_port,
                                const gchar *peer, guint16 peer_port, const gchar *peer_rtcp,
                                guint16 peer_rtcp_port, gboolean answered);

/* The receive path of one datagram that arrived at @local:@local_port
 * from @from:@from_port, as the socket's callback runs it. */
void imps_media_sockets_receive (ImpsMediaSockets *ms, const gchar *local, guint16 local_port,
                                 const gchar *from, guint16 from_port, const guint8 *data,
                                 gsize len);

void imps_media_sockets_get_stats (ImpsMediaSockets *ms, ImpsMediaSocketsStats *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMediaSockets, imps_media_sockets_free)

G_END_DECLS
