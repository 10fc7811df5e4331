/* The UE's media endpoint (profile §7): one RTP stream each way for one
 * m-line, sent and checked on the virtual clock through the SIP bus's media
 * delivery.
 *
 * Sending: SSRC, first sequence number and first timestamp from the UE's
 * random source; PT 0; a 160-byte payload every 20 ms of virtual time (50
 * packets/s, one clock timer per stream re-armed each tick); an RTCP sender
 * report every 5 s on the RTP port + 1. Without keys the packets are plain
 * RTP/RTCP; with keys they are SRTP/SRTCP through core/srtp. The packet
 * buffers are preallocated with the SRTP tail room, so a tick allocates
 * nothing.
 *
 * Payload (this project's own format, profile §7 "a counter and a
 * checksum"): bytes 0-3 the packet counter (0, 1, 2, ... big-endian), 4-7
 * the sender's SSRC, 8-155 a pattern generated from counter and SSRC,
 * 156-159 the FNV-1a 32-bit hash of bytes 0-155. The receiver unprotects,
 * then checks the counter against the RTP sequence number (both start
 * together), the pattern and the hash: anything else is a mismatch, so an
 * accepted packet proves that what was decrypted is what was sent.
 *
 * Receiving counts per stream: packets verified, payload mismatches, lost
 * (gaps in the counter), authentication failures, replays, other errors
 * (malformed, wrong PT, wrong SSRC), and RTCP reports accepted or refused.
 *
 * Keys: the master key||salt given to imps_ue_media_set_tx_key() /
 * _set_rx_key() is copied into the SRTP session (which wipes its copy);
 * the SRTP key-log line (profile §8) is written when a key log is set, for
 * the receiving side when its SSRC is known (given, or on the first
 * authenticated packet).
 */
#pragma once

#include "imps-sip-bus.h"
#include "imps-keylog.h"
#include "srtp/imps-srtp.h"

G_BEGIN_DECLS

#define IMPS_UE_MEDIA_ERROR (imps_ue_media_error_quark ())
GQuark imps_ue_media_error_quark (void);

typedef enum {
  IMPS_UE_MEDIA_ERROR_PORT_TAKEN,   /* the RTP or RTCP port is in use on the bus */
  IMPS_UE_MEDIA_ERROR_KEY,          /* the SRTP session could not be made (message says why) */
} ImpsUeMediaError;

#define IMPS_UE_MEDIA_PT 0
#define IMPS_UE_MEDIA_PAYLOAD_LEN 160                /* G.711 PCMU: 20 ms at 8 kHz */
#define IMPS_UE_MEDIA_RTP_HEADER_LEN 12
#define IMPS_UE_MEDIA_EXT_LEN 16                     /* RFC 8285 one-byte extension */
#define IMPS_UE_MEDIA_EXT_ID 1                       /* its element: counter, checksum */
/* The element's name in a=extmap (RFC 8285 §5), and the IDs the one-byte
 * form can carry. The SDP's ID replaces IMPS_UE_MEDIA_EXT_ID when present. */
#define IMPS_UE_MEDIA_EXT_URI "urn:impsim:rtp-hdrext:counter-checksum"
#define IMPS_UE_MEDIA_EXT_ID_MAX 14
#define IMPS_UE_MEDIA_PACKET_LEN (IMPS_UE_MEDIA_RTP_HEADER_LEN + IMPS_UE_MEDIA_EXT_LEN \
                                  + IMPS_UE_MEDIA_PAYLOAD_LEN)
#define IMPS_UE_MEDIA_TONE_HZ 400                    /* the tone the payload carries */
#define IMPS_UE_MEDIA_PACKET_US 20000              /* 50 packets/s */
#define IMPS_UE_MEDIA_SR_US (5 * G_USEC_PER_SEC)   /* RTCP SR interval */
#define IMPS_UE_MEDIA_SR_LEN 28                    /* SR with no report blocks */

/* Counters of one stream. For the sending stream: @ssrc is ours, @packets
 * and @rtcp_packets are what was sent. For the receiving stream: @ssrc is
 * the peer's (0 until the first accepted packet, unless given), and the
 * rest is what arrived. */
typedef struct {
  guint32 ssrc;
  guint64 packets;          /* RTP sent, or received and verified */
  guint64 payload_bytes;
  guint64 rtcp_packets;     /* SR sent, or received and accepted */
  guint64 mismatches;       /* decrypted (or plain) payload not as sent */
  guint64 lost;             /* counter gaps */
  guint64 auth_failures;    /* SRTP/SRTCP tag did not verify */
  guint64 replays;          /* SRTP/SRTCP index seen before */
  guint64 other_errors;     /* malformed, wrong PT or SSRC, send failures */
  guint64 rtcp_failures;    /* SRTCP packets refused (any reason) */
  guint32 last_counter;     /* highest counter accepted */
} ImpsUeMediaStats;

typedef struct _ImpsUeMedia ImpsUeMedia;

/* Attaches at @address:@rtp_port (RTP) and @rtp_port + 1 (RTCP) on @bus's
 * media delivery as node @node. @rnd (borrowed, only used here) gives the
 * SSRC, first sequence number and timestamp. @key_log may be NULL
 * (borrowed). NULL with @error when a port is taken. */
ImpsUeMedia *imps_ue_media_new (ImpsSipBus *bus, ImpsClock *clock, const gchar *node,
                                const gchar *address, guint16 rtp_port, ImpsRandom *rnd,
                                ImpsKeyLog *key_log, GError **error);
void imps_ue_media_free (ImpsUeMedia *media);

guint32 imps_ue_media_get_ssrc (ImpsUeMedia *media);
guint16 imps_ue_media_get_port (ImpsUeMedia *media);
const gchar *imps_ue_media_get_address (ImpsUeMedia *media);

/* Where our stream goes (RTP port; RTCP to port + 1 unless
 * imps_ue_media_set_remote_rtcp() says otherwise). */
void imps_ue_media_set_remote (ImpsUeMedia *media, const gchar *address, guint16 rtp_port);
/* Where our RTCP goes when the peer's SDP names it (a=rtcp, RFC 3605):
 * @address (NULL: the RTP address) and @port; port 0: back to RTP port + 1. */
void imps_ue_media_set_remote_rtcp (ImpsUeMedia *media, const gchar *address, guint16 port);

/* SRTP keys of the sending / receiving direction (@key_salt: master key ||
 * master salt of @suite; @mki_len 0 for none). @peer_ssrc: the peer's SSRC
 * when known (MIKEY CS ID map), 0 otherwise; the receiver accepts any SSRC
 * but counts packets of another SSRC than the first as other errors. With
 * no key set the direction is plain RTP. Keys must be set before start. */
gboolean imps_ue_media_set_tx_key (ImpsUeMedia *media, ImpsSrtpSuite suite,
                                   const guint8 *key_salt, gsize len,
                                   guint mki_len, guint32 mki, GError **error);
gboolean imps_ue_media_set_rx_key (ImpsUeMedia *media, ImpsSrtpSuite suite,
                                   const guint8 *key_salt, gsize len,
                                   guint mki_len, guint32 mki, guint32 peer_ssrc,
                                   GError **error);

/* Starts / stops sending (receiving is on from imps_ue_media_new()). */
void imps_ue_media_start (ImpsUeMedia *media);
void imps_ue_media_stop (ImpsUeMedia *media);
/* Stops for good: stops sending, gives the RTP and RTCP ports back to the
 * bus and frees both SRTP sessions (wiping their keys). The statistics
 * stay readable; packets that still arrive find no listener. */
void imps_ue_media_close (ImpsUeMedia *media);
gboolean imps_ue_media_is_closed (ImpsUeMedia *media);
gboolean imps_ue_media_is_sending (ImpsUeMedia *media);

const ImpsUeMediaStats *imps_ue_media_get_tx_stats (ImpsUeMedia *media);
const ImpsUeMediaStats *imps_ue_media_get_rx_stats (ImpsUeMedia *media);

/* G.711 mu-law (PCMU) of one 16-bit linear sample, and back. */
guint8 imps_g711_ulaw_encode (gint16 sample);
gint16 imps_g711_ulaw_decode (guint8 code);

typedef enum {
  IMPS_UE_MEDIA_CHECK_OK,
  IMPS_UE_MEDIA_CHECK_MALFORMED,   /* not RTP: shorter than its header, or not version 2 */
  IMPS_UE_MEDIA_CHECK_MISMATCH,    /* RTP, not as sent: length, padding, CSRCs, payload type,
                                    * header extension, checksum or payload */
} ImpsUeMediaCheck;

/* The packet format on its own (for tests and tools; profile.md, media):
 * writes the IMPS_UE_MEDIA_PACKET_LEN bytes of plain RTP packet number
 * @counter from @ssrc into @out: the RTP header with X set, the one-byte
 * header extension whose element IMPS_UE_MEDIA_EXT_ID holds the counter
 * and the checksum, and 160 bytes of the tone in G.711 mu-law. */
void imps_ue_media_packet_fill (guint8 *out, guint16 seq, guint32 ts, guint32 ssrc,
                                guint32 counter);
/* Checks a plain RTP packet of @len bytes at @pkt; on OK, *@counter (may be
 * NULL) is its counter. */
ImpsUeMediaCheck imps_ue_media_packet_check (const guint8 *pkt, gsize len, guint32 *counter);
/* The same with element ID @ext_id (1..IMPS_UE_MEDIA_EXT_ID_MAX) instead of
 * IMPS_UE_MEDIA_EXT_ID. */
void imps_ue_media_packet_fill_id (guint8 *out, guint8 ext_id, guint16 seq, guint32 ts,
                                   guint32 ssrc, guint32 counter);
ImpsUeMediaCheck imps_ue_media_packet_check_id (const guint8 *pkt, gsize len, guint8 ext_id,
                                                guint32 *counter);
/* The element ID of the call's header extension, both ways, as the SDP
 * negotiated it (a=extmap); IMPS_UE_MEDIA_EXT_ID until this is called. */
void imps_ue_media_set_ext_id (ImpsUeMedia *m, guint8 ext_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsUeMedia, imps_ue_media_free)

G_END_DECLS
