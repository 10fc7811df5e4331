/* The pcap view of the event log: one classic pcap file (LINKTYPE_RAW,
 * IPv4, microsecond time stamps from the virtual clock) with every message
 * event as the packets that would have carried it, so researchers open a
 * run in Wireshark.
 *
 * Addresses: each node's own address (profile §9), learned from the
 * network (imps_pcap_writer_learn_network()) or set by hand; an outside
 * peer's "a.b.c.d:port" name is its address and port. A name with no
 * address gets one of 127.254.x.y in the order first seen.
 *
 * Ports (profile §9, §11 "pcap"): Ub and Ua HTTP on TCP 80, Zh and Zn
 * Diameter on TCP 3868, Zk on TCP 8080: the HTTP plaintext as sent inside
 * the TLS session on 443 (a distinct port says the bytes were encrypted on
 * the wire). SIP on UDP between the addresses and ports of the SIP bus's
 * stream label ("sip A:P-B:Q") when it has one: 5060 for the nodes in the
 * process, the real ports of serve's Gm socket and of an outside device. RTP and RTCP
 * (imps_pcap_media_tap()) on the addresses and ports the bus gives; as
 * events, on UDP 49170 (RTP) and 49171 (RTCP) unless the from/to names
 * carry ports.
 *
 * TCP: one connection per event stream label: a three-way handshake before
 * its first message (client = the sender of the first message), segments
 * of at most IMPS_PCAP_TCP_SEGMENT bytes with running sequence and
 * acknowledgement numbers per direction, a pure ACK from the receiver after
 * each message, and FIN/FIN-ACK/ACK for every connection when the writer is
 * closed. Notes, refusals and failures carry no bytes and are left out.
 *
 * Keys never go here; the bytes are those the event log holds.
 */
#pragma once

#include <glib.h>

#include "imps-event-log.h"
#include "imps-network.h"
#include "mikey/imps-mikey-dump.h"

G_BEGIN_DECLS

#define IMPS_PCAP_ERROR (imps_pcap_error_quark ())
GQuark imps_pcap_error_quark (void);

typedef enum {
  IMPS_PCAP_ERROR_IO,        /* the file could not be opened or written */
  IMPS_PCAP_ERROR_TOO_LARGE, /* a UDP message larger than one IPv4 datagram */
  IMPS_PCAP_ERROR_CLOSED,    /* the writer was already closed */
  IMPS_PCAP_ERROR_MALFORMED, /* reading: not a classic pcap file, or a record past its end */
  IMPS_PCAP_ERROR_UNSUPPORTED, /* reading: a link type or version this reader does not know */
  IMPS_PCAP_ERROR_TOO_LARGE_INPUT, /* reading: over a limit below */
  IMPS_PCAP_ERROR_FILTER,    /* reading: a filter (imps_pcap_filter_add()) that does not parse */
} ImpsPcapError;

/* The TCP payload of one segment (Ethernet MTU 1500 less IPv4, TCP and
 * the 12 bytes of TCP timestamps a real stack would send). */
#define IMPS_PCAP_TCP_SEGMENT 1448

#define IMPS_PCAP_PORT_HTTP 80
#define IMPS_PCAP_PORT_DIAMETER 3868
#define IMPS_PCAP_PORT_ZK_PLAINTEXT 8080
#define IMPS_PCAP_PORT_SIP 5060
#define IMPS_PCAP_PORT_RTP 49170
#define IMPS_PCAP_PORT_RTCP 49171

typedef struct _ImpsPcapWriter ImpsPcapWriter;

/* Creates (truncates) @path and writes the pcap file header. */
ImpsPcapWriter *imps_pcap_writer_new (const gchar *path, GError **error);

/* Names @name's address (dotted IPv4). Later calls win. */
void imps_pcap_writer_set_address (ImpsPcapWriter *w, const gchar *name,
                                   const gchar *address);

/* Remembers @net (not reffed: it must outlive the writer, or be forgotten
 * with NULL) and resolves node names through it: the network maps
 * addresses to names, so the writer walks the profile §9 addresses
 * (127.0.<op>.{10,20,30,40,41,50}, UEs 127.<op>.1.<n>, op 1..16) when it
 * meets a name it does not know yet. */
void imps_pcap_writer_learn_network (ImpsPcapWriter *w, ImpsNetwork *net);

/* Writes the packets of @event (nothing for events without bytes). */
gboolean imps_pcap_writer_add_event (ImpsPcapWriter *w, const ImpsEvent *event,
                                     GError **error);
/* Every event of @log in order. */
gboolean imps_pcap_writer_add_log (ImpsPcapWriter *w, ImpsEventLog *log, GError **error);

/* Writes each event of @log as it is added (and flushes the file), so a
 * long session is on disk as it goes. Errors are counted (see
 * imps_pcap_writer_get_errors()) and the first is kept for
 * imps_pcap_writer_close(). Call imps_pcap_writer_detach() before freeing
 * the log or the writer. */
void imps_pcap_writer_attach (ImpsPcapWriter *w, ImpsEventLog *log);
void imps_pcap_writer_detach (ImpsPcapWriter *w);

/* One RTP or RTCP packet as the SIP bus's media tap sees it (signature of
 * ImpsMediaTapFunc in imps-sip-bus.h, @writer as user data): media does
 * not go through the event log. Written as UDP between the given
 * addresses and ports; allocates nothing; errors are counted like the
 * listener's. Connect with
 * imps_sip_bus_add_media_tap (bus, imps_pcap_media_tap, writer). */
void imps_pcap_media_tap (gint64 time_us, ImpsProtocol proto, const gchar *from_address,
                          guint16 from_port, const gchar *to_address, guint16 to_port,
                          const guint8 *data, gsize len, gpointer writer);

/* The frame number (from 1) that completed event @seq (ImpsEvent.seq) in
 * the file: its UDP datagram, or its last TCP data segment, where
 * Wireshark shows the reassembled message. 0 when the event was not
 * written (no bytes, an error) or when @seq is IMPS_PCAP_MAX_PACKETS or
 * more (a long session's later events are not remembered). */
guint64 imps_pcap_writer_get_event_frame (ImpsPcapWriter *w, guint64 seq);

/* Packets written so far, and events that could not be written. */
guint64 imps_pcap_writer_get_packets (ImpsPcapWriter *w);
guint imps_pcap_writer_get_errors (ImpsPcapWriter *w);

/* Ends every open TCP connection (FIN, FIN-ACK, ACK at the last time
 * seen), flushes and closes the file. FALSE with the first error seen by
 * the listener, or a write error now. Idempotent; free still needed. */
gboolean imps_pcap_writer_close (ImpsPcapWriter *w, GError **error);
/* Closes (ignoring errors) if still open, detaches, frees. */
void imps_pcap_writer_free (ImpsPcapWriter *w);

/* One call: writes every event of @log to @path; @net may be NULL. */
gboolean imps_pcap_write_log (ImpsEventLog *log, ImpsNetwork *net, const gchar *path,
                              GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsPcapWriter, imps_pcap_writer_free)

/* ---- Reading ----------------------------------------------------------
 *
 * A bounded reader of classic pcap files (ours or Wireshark's): magic
 * a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds) in either byte order,
 * version 2.x, link types RAW (101), IPv4 (228), Ethernet (1, with 802.1Q
 * tags), Linux cooked (113) and BSD loopback (0). Only IPv4 TCP and UDP
 * packets are kept; other records, IP fragments and packets cut short by
 * the snap length are counted and skipped. Errors name the record number
 * and byte offset.
 *
 * pcapng files (magic 0a0d0d0a) are read through libpcap and turned into
 * a classic file in memory first (then the capture's bytes are that file,
 * not the input), record for record, so frame numbers are Wireshark's.
 * libpcap refuses a pcapng whose interfaces have different link types. */

#define IMPS_PCAP_MAX_FILE (256 * 1024 * 1024)
#define IMPS_PCAP_MAX_RECORD (256 * 1024)
#define IMPS_PCAP_MAX_PACKETS 1000000

typedef struct {
  guint frame;           /* record number, from 1 */
  gint64 time_us;
  guint32 src, dst;      /* IPv4, host order */
  guint16 sport, dport;
  guint8 proto;          /* 6 TCP, 17 UDP */
  guint8 tcp_flags;
  guint32 seq;
  const guint8 *payload; /* into the capture's bytes */
  gsize len;
} ImpsPcapPacket;

typedef struct {
  guint32 linktype;
  guint32 snaplen;
  gboolean nanoseconds;
  GArray *packets;       /* ImpsPcapPacket */
  guint n_records;
  guint n_skipped;       /* not IPv4 TCP/UDP, fragments, cut short */
  GBytes *bytes;         /* the file (a reference) */
} ImpsPcapCapture;

ImpsPcapCapture *imps_pcap_capture_parse (GBytes *bytes, GError **error);

/* One record (@len bytes at @rec) of a capture with LINKTYPE_ @linktype,
 * by the rules above (a BSD loopback header in this host's byte order):
 * FALSE when it is not a whole IPv4 TCP or UDP packet; else @pk is filled
 * (frame and time left 0, payload pointing into @rec) and *@ip_offset is
 * where the IPv4 header starts. */
gboolean imps_pcap_record_packet (guint32 linktype, const guint8 *rec, gsize len,
                                  ImpsPcapPacket *pk, gsize *ip_offset);
void imps_pcap_capture_free (ImpsPcapCapture *capture);

/* One direction of a TCP connection, reassembled in sequence order from
 * its first packet (or SYN). Reassembly stops at the first missing
 * segment (gap_frame says where). */
typedef struct {
  guint32 src, dst;
  guint16 sport, dport;
  GByteArray *data;
  GArray *frames;        /* guint64 pairs: stream offset, frame of the segment starting there */
  guint first_frame;
  guint gap_frame;       /* 0: no gap */
} ImpsPcapTcpStream;

/* Every TCP direction with payload, in order of its first packet (a new
 * array of ImpsPcapTcpStream *, freed with the array). */
GPtrArray *imps_pcap_capture_tcp_streams (const ImpsPcapCapture *capture);
/* The frame in which byte @offset of @stream arrived. */
guint imps_pcap_tcp_stream_frame_at (const ImpsPcapTcpStream *stream, gsize offset);

/* The content of a capture for people (impsim decode --pcap): a field
 * tree (see mikey/imps-mikey-dump.h) with one child per message in order
 * of the frame where it starts: HTTP (Ub, Ua, Zk plaintext) with a MIKEY
 * or SDP body decoded, Diameter with the dictionary's AVP names and
 * rendering (key material hidden), SIP with its SDP (a=crypto parsed,
 * a=key-mgmt MIKEY decoded), and MIKEY over UDP 2269. A message that
 * cannot be decoded is shown with the reason. NULL with @error when the
 * file itself is not a readable capture. */
ImpsMikeyField *imps_pcap_decode (GBytes *bytes, GError **error);

/* Choosing messages (impsim decode --pcap --only SPEC). A filter is a list
 * of conditions, each added from one SPEC; a message is kept when every
 * condition holds. A SPEC is KEY=VALUE[,VALUE...], and one of its values
 * must match:
 *   proto=sip,sdp,mikey,diameter,http,tcp  the message is of that protocol
 *       or carries it: "mikey" is MIKEY over UDP 2269, in an
 *       application/mikey HTTP body or in an SDP a=key-mgmt; "sdp" a SIP
 *       or HTTP message with an SDP body; "tcp" TCP data that is neither
 *       HTTP nor Diameter, and reassembly gaps
 *   addr=A.B.C.D        the message is from or to that IPv4 address
 *   call=CALL-ID or N   a SIP message with that Call-ID, or of the N-th
 *       call (from 1: the Call-IDs of INVITEs in frame order)
 * Unknown keys, protocols, addresses that are not dotted IPv4 and empty
 * values are IMPS_PCAP_ERROR_FILTER errors naming the SPEC. */
typedef enum {
  IMPS_PCAP_PROTO_SIP = 1 << 0,
  IMPS_PCAP_PROTO_SDP = 1 << 1,
  IMPS_PCAP_PROTO_MIKEY = 1 << 2,
  IMPS_PCAP_PROTO_DIAMETER = 1 << 3,
  IMPS_PCAP_PROTO_HTTP = 1 << 4,
  IMPS_PCAP_PROTO_TCP = 1 << 5,
} ImpsPcapProto;

typedef struct _ImpsPcapFilter ImpsPcapFilter;
ImpsPcapFilter *imps_pcap_filter_new (void);
void imps_pcap_filter_free (ImpsPcapFilter *filter);
gboolean imps_pcap_filter_add (ImpsPcapFilter *filter, const gchar *spec, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsPcapFilter, imps_pcap_filter_free)

/* imps_pcap_decode() keeping only the messages @filter (may be NULL: all)
 * chooses; the root's value says how many there were and how many are
 * shown. */
ImpsMikeyField *imps_pcap_decode_filtered (GBytes *bytes, const ImpsPcapFilter *filter,
                                           GError **error);

/* One message's fields, as decode --pcap prints them, added under
 * @parent: a SIP message (with its SDP body and any a=key-mgmt MIKEY
 * inside), an SDP, a Diameter message (AVP names from the dictionary, key
 * material shown as secret). A message that does not parse adds an "error"
 * field with the reason. */
void imps_pcap_describe_sip (ImpsMikeyField *parent, const guint8 *data, gsize len);
void imps_pcap_describe_sdp (ImpsMikeyField *parent, const guint8 *data, gsize len);
void imps_pcap_describe_diameter (ImpsMikeyField *parent, const guint8 *data, gsize len);
/* A SIP status line or a request line ending in " SIP/2.0". */
gboolean imps_pcap_looks_like_sip (const guint8 *data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsPcapCapture, imps_pcap_capture_free)

G_END_DECLS
