/* The P-CSCF's Gm on real sockets (profile §6.1): a UDP and a TCP listener
 * at the P-CSCF's address, so that outside UEs (softphones, SIP tools)
 * join a served network.
 *
 * What arrives is framed (one datagram, or Content-Length on TCP), parsed
 * with the SIP parser, given received/rport on its top Via (RFC 3581) and
 * passed to the P-CSCF over the in-process bus as if the outside device
 * were a node at its source address and port. What the bus delivers to
 * that address and port goes back over the socket it came from.
 *
 * A REGISTER from outside must carry SIP Digest (MD5, RFC 3261 §22, RFC
 * 2617) for the IMPI of a subscriber with a password: without valid
 * credentials the P-CSCF answers 401 with a challenge (or 403 for a wrong
 * password or an unknown identity) and the S-CSCF never sees it.
 *
 * IMS AKA (RFC 3310 AKAv1-MD5, TS 33.203 without IPsec security
 * association): a device whose Authorization names algorithm=AKAv1-MD5,
 * and every device of a subscriber without a password, is challenged with
 * nonce = base64(RAND || AUTN) of a vector the P-CSCF fetches from its HSS
 * (MAR/MAA, as the BSF does on Zh); the response is checked with XRES as
 * the password, an AUTS sends the HSS a resynchronisation (RAND || AUTS)
 * and the device gets a fresh challenge.
 *
 * Over UDP, what is sent to an outside device is retransmitted and what it
 * retransmits is absorbed, as RFC 3261 §17 says (imps-pcscf-gm-tx.h).
 *
 * Malformed SIP is answered 400 with the parser's reason when its Via,
 * From, To, Call-ID and CSeq lines can be read, and dropped and counted
 * otherwise. Nothing here blocks: sockets are non-blocking, a TCP peer that
 * cannot take a message at once loses its connection.
 */
#pragma once

#include "imps-ims.h"
#include "imps-sip-bus.h"

#include <netinet/in.h>

G_BEGIN_DECLS

/* Bytes of one SIP message, on UDP and on TCP. */
#define IMPS_PCSCF_GM_MAX_MESSAGE 16384
/* TCP connections at a time; UDP and TCP peers the bus knows at a time
 * (when full, the UDP peer heard from least recently is forgotten). */
#define IMPS_PCSCF_GM_MAX_CONNECTIONS 64
#define IMPS_PCSCF_GM_MAX_PEERS 256
/* How long a Digest nonce is accepted, and how many are outstanding. */
#define IMPS_PCSCF_GM_NONCE_LIFETIME_S 300
#define IMPS_PCSCF_GM_MAX_NONCES 1024
/* AKA vectors asked of the HSS and not yet answered (beyond: dropped). */
#define IMPS_PCSCF_GM_MAX_AKA_FETCHES 64

typedef struct _ImpsPcscfGm ImpsPcscfGm;

/* Whose sockets these are. Gm: the P-CSCF's, for outside UEs. Mw: the
 * S-CSCF's, for an outside P-CSCF (a SIP proxy such as Kamailio) in front
 * of outside UEs (imps-scscf-mw.h): the same framing, Digest check on
 * REGISTER and transactions, but the node on the bus is the S-CSCF, the
 * events are labelled Mw and named scscf.<domain>, nothing is rewritten
 * for e2ae, and requests other than REGISTER are taken only from an
 * address through which a REGISTER was verified (403 otherwise). */
typedef enum {
  IMPS_PCSCF_GM_ROLE_GM = 0,
  IMPS_PCSCF_GM_ROLE_MW,
} ImpsPcscfGmRole;

typedef struct {
  const gchar *domain;         /* the Digest realm and the P-CSCF's name */
  const gchar *address;        /* where the sockets listen: the P-CSCF's Gm address */
  guint16 port;                /* 0: the kernel chooses (the same for UDP and TCP) */
  const gchar *pcscf_address;  /* the P-CSCF on the bus (Mw: the S-CSCF) */
  guint16 pcscf_port;          /* 0: the port the sockets got */
  ImpsPcscfGmRole role;
  gboolean no_sockets;         /* open nothing (tests, fuzzing): what would go out is
                                * counted and given to the send hook */
} ImpsPcscfGmConfig;

typedef struct {
  guint64 received;        /* datagrams and TCP messages taken */
  guint64 passed;          /* messages passed to the P-CSCF */
  guint64 bad_request;     /* answered 400 */
  guint64 dropped;         /* dropped unanswered: unreadable, too large, no room */
  guint64 challenged;      /* REGISTERs answered 401 (MD5 or AKA) */
  guint64 authenticated;   /* REGISTERs whose Digest (MD5 or AKA) verified */
  guint64 refused;         /* REGISTERs answered 403 (or 503: no AKA vector) */
  guint64 sent;            /* messages sent back to outside devices */
  guint64 send_failed;     /* messages that could not be sent (counted, dropped) */
  guint64 retransmitted;   /* UDP: requests and INVITE answers sent again (RFC 3261 §17) */
  guint64 absorbed;        /* UDP: retransmitted requests from outside, answered again */
  guint64 timed_out;       /* UDP: requests to outside without a final answer (Timer B, F) */
  guint64 no_room;         /* requests dropped: no room for their transaction (floods) */
} ImpsPcscfGmStats;

typedef enum {
  IMPS_PCSCF_GM_UDP,
  IMPS_PCSCF_GM_TCP,
} ImpsPcscfGmTransport;

/* Everything sent to an outside device, before it goes on the socket. */
typedef void (*ImpsPcscfGmSendHook) (ImpsPcscfGmTransport transport, const gchar *to_address,
                                     guint16 to_port, const guint8 *data, gsize len,
                                     gpointer user_data);

ImpsPcscfGm *imps_pcscf_gm_new (ImpsNetwork *net, ImpsSipBus *bus,
                                const ImpsPcscfGmConfig *config, GError **error);
void imps_pcscf_gm_free (ImpsPcscfGm *gm);

/* The port both sockets are bound to (the configured one when no_sockets). */
guint16 imps_pcscf_gm_get_port (ImpsPcscfGm *gm);

/* An outside device slot: Digest user name @impi, the public identities it
 * may register, and its password (copied; wiped on free), or NULL: IMS AKA
 * only. */
void imps_pcscf_gm_add_user (ImpsPcscfGm *gm, const gchar *impi, const gchar *const *impus,
                             const gchar *password);

/* Where IMS AKA vectors come from: the HSS's Diameter address and port.
 * The P-CSCF connects from its Gm address as Origin-Host pcscf.<domain>
 * (the HSS must allow that peer). Without one, AKA REGISTERs get 403. */
void imps_pcscf_gm_set_hss (ImpsPcscfGm *gm, const gchar *hss_address, guint16 hss_port);

/* Media security for a device that cannot ask for e2ae itself (most
 * softphones): the outside device slot of @impu gets e2ae. Its REGISTER
 * gains "Security-Client: sdes-srtp;mediasec" when it has no
 * Security-Client (so that calls to it get SDES from the P-CSCF for the
 * AGW), and every media line of its INVITE offers that has a=crypto gains
 * a=3ge2ae:requested (so that the P-CSCF answers its a=crypto for the AGW).
 * FALSE when no slot has @impu. */
gboolean imps_pcscf_gm_set_e2ae (ImpsPcscfGm *gm, const gchar *impu, gboolean e2ae);

/* The SDP rewrite behind imps_pcscf_gm_set_e2ae(): @text (@len bytes,
 * an SDP body as received) with a=3ge2ae:requested added at the end of
 * every media section (from an "m=" line to the next) that has an
 * "a=crypto:" line and no "a=3ge2ae:" line. A new string of *@out_len
 * bytes, or NULL (and *@added 0) when nothing was added or @len is 0 or
 * more than IMPS_PCSCF_GM_MAX_MESSAGE. */
gchar *imps_pcscf_gm_sdp_request_e2ae (const gchar *text, gsize len, gsize *out_len,
                                       guint *added);

/* Called for every 2xx to a REGISTER on its way to an outside device:
 * @impu (the To identity, as the S-CSCF keys it: "sip:carol@home1.net"),
 * the device's address, and whether the answer still names a contact
 * (FALSE: it deregistered). */
typedef void (*ImpsPcscfGmRegisteredFunc) (ImpsPcscfGm *gm, const gchar *impu,
                                           const gchar *address, guint16 port,
                                           gboolean registered, gpointer user_data);
void imps_pcscf_gm_set_registered_callback (ImpsPcscfGm *gm, ImpsPcscfGmRegisteredFunc func,
                                            gpointer user_data);

/* Media lines of one SDP that are paired (RFC 3264 §6: an answer has the
 * offer's media lines in their order); the rest are not followed. */
#define IMPS_PCSCF_GM_MAX_STREAMS 8

/* Where one media line's RTP and RTCP are: the line's port and address
 * (its c=, else the session's); RTCP at a=rtcp's port and address (RFC
 * 3605) when the line has one that parses, else at the next port. */
typedef struct {
  gchar rtp[INET_ADDRSTRLEN];
  guint16 rtp_port;
  gchar rtcp[INET_ADDRSTRLEN];
  guint16 rtcp_port;
} ImpsPcscfGmMediaEnd;

/* The media ends of a call with an outside device, from the SDP that
 * passes the sockets: @local is what the network's side (a simulated UE, or
 * the IMS-AGW for e2ae) named toward the device for media line @stream
 * (from 0), and @remote what the device named for the same line. Called
 * for every line with a port and an IPv4 address on both sides, when both
 * are known and again when an SDP changes them or a 2xx to the INVITE
 * passes (@answered). At most IMPS_PCSCF_GM_MAX_PEERS calls are followed;
 * a BYE ends one. */
typedef void (*ImpsPcscfGmMediaFunc) (ImpsPcscfGm *gm, const gchar *call_id, guint stream,
                                      const ImpsPcscfGmMediaEnd *local,
                                      const ImpsPcscfGmMediaEnd *remote,
                                      gboolean answered, gpointer user_data);
void imps_pcscf_gm_set_media_callback (ImpsPcscfGm *gm, ImpsPcscfGmMediaFunc func,
                                       gpointer user_data);

void imps_pcscf_gm_set_send_hook (ImpsPcscfGm *gm, ImpsPcscfGmSendHook hook,
                                  gpointer user_data);

/* The receive path without sockets: one UDP datagram from @from:@from_port
 * (bytes -> message -> dispatch), as the socket's callback runs it. */
void imps_pcscf_gm_receive_datagram (ImpsPcscfGm *gm, const gchar *from, guint16 from_port,
                                     const guint8 *data, gsize len);
/* @len bytes of one TCP connection from @from:@from_port, framed and
 * dispatched as the connection's callback does; the connection ends after
 * them. */
void imps_pcscf_gm_receive_stream (ImpsPcscfGm *gm, const gchar *from, guint16 from_port,
                                   const guint8 *data, gsize len);

/* TCP framing (RFC 3261 §18.3): leading CRLFs (keep-alives) are skipped
 * (*@skip), then the header block must end within
 * IMPS_PCSCF_GM_MAX_MESSAGE bytes and name a Content-Length. TRUE with
 * *@msg_len 0 when more bytes are needed, TRUE with the message's length
 * when @data[*skip..] holds a whole one, FALSE with the reason when the
 * stream cannot be framed (the connection must end). */
gboolean imps_pcscf_gm_frame (const guint8 *data, gsize len, gsize *skip, gsize *msg_len,
                              GError **error);

void imps_pcscf_gm_get_stats (ImpsPcscfGm *gm, ImpsPcscfGmStats *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsPcscfGm, imps_pcscf_gm_free)

G_END_DECLS
