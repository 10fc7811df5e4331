/* The pcap writer over the event log (see imps-pcap.h for the choices). */
#include "imps-pcap.h"

#include <errno.h>
#include <gio/gio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "diameter/imps-diameter-dict.h"
#include "imps-bytes.h"
#include "imps-files.h"
#include "mikey/imps-mikey-dump.h"
#include "mikey/imps-mikey-message.h"
#include "sdp/imps-sdes.h"
#include "sdp/imps-sdp.h"
#include "sip/imps-sip-message.h"

G_DEFINE_QUARK (imps-pcap-error-quark, imps_pcap_error)

#define IP_HDR 20
#define TCP_HDR 20
#define TCP_SYN_OPTS 8
#define UDP_HDR 8
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_MSS 1460
#define TCP_WSCALE 7
/* 2048 << 7 = 256 KiB: four whole 64 KiB messages in flight. */
#define TCP_WINDOW 2048
/* A mid-message ACK every this many segments keeps bytes in flight far
 * below the window. */
#define TCP_ACK_EVERY 32
#define UDP_MAX_PAYLOAD (65535 - IP_HDR - UDP_HDR)
#define EPHEMERAL_FIRST 49152
#define SNAPLEN 262144

typedef struct {
  guint32 addr;  /* host order */
  guint16 port;  /* 0: not named */
} Endpoint;

typedef struct {
  Endpoint ends[2];   /* 0 client, 1 server */
  guint32 next_seq[2];
  gchar *from;        /* the client's node name (interned by the log, copied here) */
} TcpConn;

struct _ImpsPcapWriter {
  pcap_t *pcap;
  pcap_dumper_t *dumper;
  gchar *path;
  GHashTable *addresses;   /* name -> GUINT_TO_POINTER (host-order IPv4) */
  GHashTable *conns;       /* stream label -> TcpConn * */
  GPtrArray *conn_order;   /* TcpConn *, in order of opening (owns) */
  ImpsNetwork *net;
  guint32 next_auto;
  guint32 next_port;
  guint16 ip_id;
  gint64 last_time_us;
  guint64 packets;
  guint64 message_frame;   /* the frame that completed the last message */
  GArray *event_frames;    /* guint64 per event seq; 0: no frame */
  guint errors;
  GError *first_error;
  ImpsEventLog *log;
  guint listener;
  gboolean closed;
  guint8 pkt[IP_HDR + 64 + 65536];
};

static void
tcp_conn_free (gpointer p)
{
  TcpConn *c = p;
  g_free (c->from);
  g_free (c);
}

ImpsPcapWriter *
imps_pcap_writer_new (const gchar *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  ImpsPcapWriter *w = g_new0 (ImpsPcapWriter, 1);
  w->pcap = pcap_open_dead_with_tstamp_precision (DLT_RAW, SNAPLEN, PCAP_TSTAMP_PRECISION_MICRO);
  if (w->pcap == NULL)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_IO, "pcap: cannot create a capture handle");
      g_free (w);
      return NULL;
    }
  /* Captures carry Zk plaintext and every Ub/Ua message: 0600. */
  g_autoptr (GError) open_error = NULL;
  FILE *f = imps_file_fopen_private (path, &open_error);
  w->dumper = f ? pcap_dump_fopen (w->pcap, f) : NULL;
  if (w->dumper == NULL)
    {
      if (f)
        fclose (f);
      if (open_error)
        g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_IO, "pcap: cannot write %s",
                     open_error->message);
      else
        g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_IO, "pcap: cannot write %s: %s", path,
                     pcap_geterr (w->pcap));
      pcap_close (w->pcap);
      g_free (w);
      return NULL;
    }
  w->path = g_strdup (path);
  w->event_frames = g_array_new (FALSE, TRUE, sizeof (guint64));
  w->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->conns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->conn_order = g_ptr_array_new_with_free_func (tcp_conn_free);
  w->next_auto = 1;
  return w;
}

static guint32
parse_ipv4 (const gchar *s, gsize len)
{
  /* Strict dotted quad: four decimal parts 0..255. Returns 0 otherwise
   * (0.0.0.0 is never a node's address). */
  guint32 v = 0;
  guint parts = 0;
  gsize i = 0;
  while (parts < 4)
    {
      guint n = 0, digits = 0;
      while (i < len && g_ascii_isdigit (s[i]) && digits < 3)
        {
          n = n * 10 + (guint) (s[i] - '0');
          i++;
          digits++;
        }
      if (digits == 0 || n > 255)
        return 0;
      v = (v << 8) | n;
      parts++;
      if (parts < 4)
        {
          if (i >= len || s[i] != '.')
            return 0;
          i++;
        }
    }
  return i == len ? v : 0;
}

void
imps_pcap_writer_set_address (ImpsPcapWriter *w, const gchar *name, const gchar *address)
{
  g_return_if_fail (w != NULL && name != NULL && address != NULL);
  guint32 a = parse_ipv4 (address, strlen (address));
  g_return_if_fail (a != 0);
  g_hash_table_replace (w->addresses, g_strdup (name), GUINT_TO_POINTER (a));
}

void
imps_pcap_writer_learn_network (ImpsPcapWriter *w, ImpsNetwork *net)
{
  g_return_if_fail (w != NULL);
  w->net = net;
}

/* Walks the profile §9 addresses and records every node the network names
 * there (names already known keep their address). */
static void
walk_network (ImpsPcapWriter *w)
{
  static const guint8 hosts[] = { 10, 20, 30, 40, 41, 50 };
  gchar buf[16];
  for (guint op = 1; op <= 16; op++)
    {
      for (guint h = 0; h < G_N_ELEMENTS (hosts); h++)
        {
          g_snprintf (buf, sizeof buf, "127.0.%u.%u", op, hosts[h]);
          const gchar *name = imps_network_node_at (w->net, buf);
          if (name && !g_hash_table_contains (w->addresses, name))
            g_hash_table_insert (w->addresses, g_strdup (name),
                                 GUINT_TO_POINTER (parse_ipv4 (buf, strlen (buf))));
        }
      for (guint n = 1; n <= 254; n++)
        {
          g_snprintf (buf, sizeof buf, "127.%u.1.%u", op, n);
          const gchar *name = imps_network_node_at (w->net, buf);
          if (name && !g_hash_table_contains (w->addresses, name))
            g_hash_table_insert (w->addresses, g_strdup (name),
                                 GUINT_TO_POINTER (parse_ipv4 (buf, strlen (buf))));
        }
    }
}

/* The endpoint of node @name: "a.b.c.d:port" and "a.b.c.d" are taken as
 * written; other names are looked up (then learned from the network, then
 * given 127.254.x.y). */
static Endpoint
resolve (ImpsPcapWriter *w, const gchar *name)
{
  Endpoint e = { 0, 0 };
  if (name == NULL)
    name = "?";
  gsize len = strlen (name);
  const gchar *colon = strrchr (name, ':');
  if (colon)
    {
      guint32 a = parse_ipv4 (name, (gsize) (colon - name));
      guint64 port = 0;
      if (a != 0 && colon[1] != '\0' && g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
        {
          e.addr = a;
          e.port = (guint16) port;
          return e;
        }
    }
  guint32 a = parse_ipv4 (name, len);
  if (a != 0)
    {
      e.addr = a;
      return e;
    }
  gpointer v = g_hash_table_lookup (w->addresses, name);
  if (v == NULL && w->net)
    {
      walk_network (w);
      v = g_hash_table_lookup (w->addresses, name);
    }
  if (v == NULL)
    {
      /* 127.254.0.1, 127.254.0.2, ... (skipping .0 and .255). */
      guint32 n = w->next_auto++;
      guint32 a2 = (127u << 24) | (254u << 16) | (((n / 254) & 0xff) << 8) | (n % 254 + 1);
      v = GUINT_TO_POINTER (a2);
      g_hash_table_insert (w->addresses, g_strdup (name), v);
    }
  e.addr = GPOINTER_TO_UINT (v);
  return e;
}

static guint32
checksum_add (guint32 sum, const guint8 *p, gsize len)
{
  while (len > 1)
    {
      sum += (guint32) ((p[0] << 8) | p[1]);
      p += 2;
      len -= 2;
    }
  if (len)
    sum += (guint32) (p[0] << 8);
  return sum;
}

static guint16
checksum_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static gboolean
set_io_error (ImpsPcapWriter *w, GError **error)
{
  g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_IO, "pcap: writing %s failed: %s",
               w->path, g_strerror (errno));
  return FALSE;
}

/* Writes one IPv4 packet whose transport header (@l4_len bytes, checksum
 * field zero) is already at w->pkt + IP_HDR and whose payload follows it. */
static gboolean
emit (ImpsPcapWriter *w, gint64 time_us, guint32 src, guint32 dst, guint8 proto,
      gsize l4_len, gsize payload_len, GError **error)
{
  guint8 *ip = w->pkt;
  gsize total = IP_HDR + l4_len + payload_len;
  ip[0] = 0x45;
  ip[1] = 0;
  imps_store_u16 (ip + 2, (guint16) total);
  imps_store_u16 (ip + 4, w->ip_id++);
  imps_store_u16 (ip + 6, 0x4000);  /* DF */
  ip[8] = 64;
  ip[9] = proto;
  imps_store_u16 (ip + 10, 0);
  imps_store_u32 (ip + 12, src);
  imps_store_u32 (ip + 16, dst);
  imps_store_u16 (ip + 10, checksum_fold (checksum_add (0, ip, IP_HDR)));

  /* Transport checksum over the pseudo header, header and payload. */
  guint8 pseudo[12];
  imps_store_u32 (pseudo, src);
  imps_store_u32 (pseudo + 4, dst);
  pseudo[8] = 0;
  pseudo[9] = proto;
  imps_store_u16 (pseudo + 10, (guint16) (l4_len + payload_len));
  guint32 sum = checksum_add (0, pseudo, sizeof pseudo);
  sum = checksum_add (sum, ip + IP_HDR, l4_len + payload_len);
  guint16 ck = checksum_fold (sum);
  if (proto == IP_PROTO_UDP && ck == 0)
    ck = 0xffff;
  imps_store_u16 (ip + IP_HDR + (proto == IP_PROTO_TCP ? 16 : 6), ck);

  if (time_us < w->last_time_us)
    time_us = w->last_time_us;
  w->last_time_us = time_us;
  struct pcap_pkthdr h;
  memset (&h, 0, sizeof h);
  h.ts.tv_sec = (time_t) (time_us / G_USEC_PER_SEC);
  h.ts.tv_usec = (suseconds_t) (time_us % G_USEC_PER_SEC);
  h.caplen = (bpf_u_int32) total;
  h.len = (bpf_u_int32) total;
  pcap_dump ((u_char *) w->dumper, &h, ip);
  w->packets++;
  if (ferror (pcap_dump_file (w->dumper)))
    return set_io_error (w, error);
  return TRUE;
}

/* One TCP segment from side @dir (0 client, 1 server) of @c. */
static gboolean
tcp_segment (ImpsPcapWriter *w, TcpConn *c, guint dir, gint64 time_us, guint8 flags,
             const guint8 *payload, gsize len, GError **error)
{
  const Endpoint *src = &c->ends[dir];
  const Endpoint *dst = &c->ends[1 - dir];
  guint8 *t = w->pkt + IP_HDR;
  gboolean syn = (flags & TCP_SYN) != 0;
  gsize hlen = TCP_HDR + (syn ? TCP_SYN_OPTS : 0);

  imps_store_u16 (t, src->port);
  imps_store_u16 (t + 2, dst->port);
  imps_store_u32 (t + 4, c->next_seq[dir] - (syn ? 1 : 0));
  imps_store_u32 (t + 8, (flags & TCP_ACK) ? c->next_seq[1 - dir] : 0);
  t[12] = (guint8) ((hlen / 4) << 4);
  t[13] = flags;
  imps_store_u16 (t + 14, syn ? 65535 : TCP_WINDOW);
  imps_store_u16 (t + 16, 0);
  imps_store_u16 (t + 18, 0);
  if (syn)
    {
      /* MSS, NOP, window scale (RFC 7323: only in SYNs). */
      t[20] = 2;
      t[21] = 4;
      imps_store_u16 (t + 22, TCP_MSS);
      t[24] = 1;
      t[25] = 3;
      t[26] = 3;
      t[27] = TCP_WSCALE;
    }
  if (len)
    memcpy (t + hlen, payload, len);
  if (!emit (w, time_us, src->addr, dst->addr, IP_PROTO_TCP, hlen, len, error))
    return FALSE;
  c->next_seq[dir] += (guint32) len + ((flags & TCP_FIN) ? 1 : 0);
  return TRUE;
}

static guint16
server_port (const ImpsEvent *e)
{
  if (e->proto == IMPS_PROTO_DIAMETER)
    return IMPS_PCAP_PORT_DIAMETER;
  if (e->ref == IMPS_REF_ZK)
    return IMPS_PCAP_PORT_ZK_PLAINTEXT;
  return IMPS_PCAP_PORT_HTTP;
}

static guint32
initial_seq (const gchar *label, guint dir)
{
  /* Fixed per stream label, so the same run gives the same capture. */
  return g_str_hash (label) * 2654435761u + dir * 0x40000000u + 1000;
}

static TcpConn *
tcp_open (ImpsPcapWriter *w, const ImpsEvent *e, const gchar *label, GError **error)
{
  TcpConn *c = g_new0 (TcpConn, 1);
  c->ends[0] = resolve (w, e->from);
  c->ends[1] = resolve (w, e->to);
  if (c->ends[1].port == 0)
    c->ends[1].port = server_port (e);
  if (c->ends[0].port == 0)
    {
      c->ends[0].port = (guint16) (EPHEMERAL_FIRST + w->next_port % (65536 - EPHEMERAL_FIRST));
      w->next_port++;
    }
  c->from = g_strdup (e->from ? e->from : "?");
  c->next_seq[0] = initial_seq (label, 0) + 1;
  c->next_seq[1] = initial_seq (label, 1) + 1;
  g_hash_table_insert (w->conns, g_strdup (label), c);
  g_ptr_array_add (w->conn_order, c);

  /* SYN, SYN-ACK, ACK (next_seq already counts each SYN's sequence number). */
  if (!tcp_segment (w, c, 0, e->time_us, TCP_SYN, NULL, 0, error)
      || !tcp_segment (w, c, 1, e->time_us, TCP_SYN | TCP_ACK, NULL, 0, error)
      || !tcp_segment (w, c, 0, e->time_us, TCP_ACK, NULL, 0, error))
    return NULL;
  return c;
}

static gboolean
add_tcp (ImpsPcapWriter *w, const ImpsEvent *e, const guint8 *data, gsize len, GError **error)
{
  g_autofree gchar *own_label = NULL;
  const gchar *label = e->stream;
  if (label == NULL)
    label = own_label = g_strdup_printf ("%s %s-%s", imps_protocol_name (e->proto),
                                         e->from ? e->from : "?", e->to ? e->to : "?");
  TcpConn *c = g_hash_table_lookup (w->conns, label);
  if (c == NULL && (c = tcp_open (w, e, label, error)) == NULL)
    return FALSE;
  guint dir = g_strcmp0 (e->from, c->from) == 0 ? 0 : 1;
  guint n = 0;
  for (gsize off = 0; off < len; off += IMPS_PCAP_TCP_SEGMENT)
    {
      gsize seg = MIN (len - off, (gsize) IMPS_PCAP_TCP_SEGMENT);
      gboolean last = off + seg == len;
      if (!tcp_segment (w, c, dir, e->time_us, TCP_ACK | (last ? TCP_PSH : 0), data + off, seg,
                        error))
        return FALSE;
      if (last)
        w->message_frame = w->packets; /* where Wireshark shows the message */
      if (!last && ++n % TCP_ACK_EVERY == 0
          && !tcp_segment (w, c, 1 - dir, e->time_us, TCP_ACK, NULL, 0, error))
        return FALSE;
    }
  /* The receiver acknowledges the whole message. */
  return tcp_segment (w, c, 1 - dir, e->time_us, TCP_ACK, NULL, 0, error);
}

static gboolean
write_udp (ImpsPcapWriter *w, gint64 time_us, Endpoint src, Endpoint dst, const guint8 *data,
           gsize len, GError **error)
{
  guint8 *u = w->pkt + IP_HDR;
  imps_store_u16 (u, src.port);
  imps_store_u16 (u + 2, dst.port);
  imps_store_u16 (u + 4, (guint16) (UDP_HDR + len));
  imps_store_u16 (u + 6, 0);
  memcpy (u + UDP_HDR, data, len);
  return emit (w, time_us, src.addr, dst.addr, IP_PROTO_UDP, UDP_HDR, len, error);
}

/* The port after the colon at @colon, up to @end (or the string's end). */
static gboolean
label_port (const gchar *colon, const gchar *end, guint16 *port)
{
  guint v = 0;
  const gchar *p = colon + 1;
  if (p == end || *p == '\0')
    return FALSE;
  for (; p != end && *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) || (v = v * 10 + (guint) (*p - '0')) > G_MAXUINT16)
        return FALSE;
    }
  *port = (guint16) v;
  return v != 0;
}

/* "sip 127.1.1.1:5060-127.0.1.40:5060" (the SIP bus's stream label): the
 * two addresses and ports, as the bus (and, for an outside peer, its
 * socket) had them. */
static gboolean
stream_endpoints (const gchar *label, Endpoint *a, Endpoint *b)
{
  const gchar *sp = label ? strchr (label, ' ') : NULL;
  if (sp == NULL)
    return FALSE;
  const gchar *c1 = strchr (sp + 1, ':');
  const gchar *dash = c1 ? strchr (c1, '-') : NULL;
  const gchar *c2 = dash ? strchr (dash + 1, ':') : NULL;
  if (c2 == NULL)
    return FALSE;
  a->addr = parse_ipv4 (sp + 1, (gsize) (c1 - sp - 1));
  b->addr = parse_ipv4 (dash + 1, (gsize) (c2 - dash - 1));
  return a->addr != 0 && b->addr != 0 && label_port (c1, dash, &a->port)
         && label_port (c2, NULL, &b->port);
}

static gboolean
add_udp (ImpsPcapWriter *w, const ImpsEvent *e, const guint8 *data, gsize len, GError **error)
{
  if (len > UDP_MAX_PAYLOAD)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_TOO_LARGE,
                   "pcap: event %" G_GUINT64_FORMAT " (%s) has %" G_GSIZE_FORMAT
                   " bytes, more than one UDP datagram carries (%u)",
                   e->seq, imps_protocol_name (e->proto), len, UDP_MAX_PAYLOAD);
      return FALSE;
    }
  Endpoint src, dst;
  if (e->proto == IMPS_PROTO_SIP && stream_endpoints (e->stream, &src, &dst))
    {
      /* The bus's own addresses and ports: 5060 for the nodes in the
       * process, the real ones of serve's Gm socket and of an outside
       * device (profile §9). */
    }
  else
    {
      src = resolve (w, e->from);
      dst = resolve (w, e->to);
      guint16 port = e->proto == IMPS_PROTO_SIP ? IMPS_PCAP_PORT_SIP
                     : e->proto == IMPS_PROTO_RTCP ? IMPS_PCAP_PORT_RTCP : IMPS_PCAP_PORT_RTP;
      if (src.port == 0)
        src.port = port;
      if (dst.port == 0)
        dst.port = port;
    }
  if (!write_udp (w, e->time_us, src, dst, data, len, error))
    return FALSE;
  w->message_frame = w->packets;
  return TRUE;
}

static void
count_error (ImpsPcapWriter *w, GError *error)
{
  w->errors++;
  if (w->first_error == NULL)
    w->first_error = error;
  else
    g_error_free (error);
}

void
imps_pcap_media_tap (gint64 time_us, ImpsProtocol proto, const gchar *from_address,
                     guint16 from_port, const gchar *to_address, guint16 to_port,
                     const guint8 *data, gsize len, gpointer writer)
{
  ImpsPcapWriter *w = writer;
  GError *error = NULL;
  Endpoint src = { parse_ipv4 (from_address, strlen (from_address)), from_port };
  Endpoint dst = { parse_ipv4 (to_address, strlen (to_address)), to_port };
  if (w->closed)
    {
      g_set_error (&error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_CLOSED, "pcap: %s is already closed",
                   w->path);
      count_error (w, error);
      return;
    }
  if (src.addr == 0 || dst.addr == 0 || len > UDP_MAX_PAYLOAD)
    {
      g_set_error (&error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_TOO_LARGE,
                   "pcap: %s packet %s:%u -> %s:%u of %" G_GSIZE_FORMAT " bytes not written "
                   "(not IPv4, or over %u bytes)", imps_protocol_name (proto), from_address,
                   from_port, to_address, to_port, len, UDP_MAX_PAYLOAD);
      count_error (w, error);
      return;
    }
  if (!write_udp (w, time_us, src, dst, data, len, &error))
    count_error (w, error);
}

gboolean
imps_pcap_writer_add_event (ImpsPcapWriter *w, const ImpsEvent *e, GError **error)
{
  g_return_val_if_fail (w != NULL && e != NULL, FALSE);
  if (w->closed)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_CLOSED, "pcap: %s is already closed",
                   w->path);
      return FALSE;
    }
  if (e->kind != IMPS_EVENT_MESSAGE || e->bytes == NULL)
    return TRUE;
  gsize len;
  const guint8 *data = g_bytes_get_data (e->bytes, &len);
  if (len == 0)
    return TRUE;
  gboolean ok;
  w->message_frame = 0;
  switch (e->proto)
    {
    case IMPS_PROTO_HTTP:
    case IMPS_PROTO_DIAMETER:
      ok = add_tcp (w, e, data, len, error);
      break;
    case IMPS_PROTO_SIP:
    case IMPS_PROTO_RTP:
    case IMPS_PROTO_RTCP:
      ok = add_udp (w, e, data, len, error);
      break;
    case IMPS_PROTO_NONE:
    default:
      return TRUE;
    }
  if (ok && w->message_frame != 0 && e->seq < IMPS_PCAP_MAX_PACKETS)
    {
      if (w->event_frames->len <= e->seq)
        g_array_set_size (w->event_frames, (guint) e->seq + 1);
      g_array_index (w->event_frames, guint64, e->seq) = w->message_frame;
    }
  return ok;
}

guint64
imps_pcap_writer_get_event_frame (ImpsPcapWriter *w, guint64 seq)
{
  g_return_val_if_fail (w != NULL, 0);
  return seq < w->event_frames->len ? g_array_index (w->event_frames, guint64, seq) : 0;
}

gboolean
imps_pcap_writer_add_log (ImpsPcapWriter *w, ImpsEventLog *log, GError **error)
{
  g_return_val_if_fail (w != NULL && log != NULL, FALSE);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    if (!imps_pcap_writer_add_event (w, imps_event_log_get (log, i), error))
      return FALSE;
  return TRUE;
}

static void
on_event (ImpsEventLog *log, const ImpsEvent *e, gpointer data)
{
  ImpsPcapWriter *w = data;
  GError *error = NULL;
  if (!imps_pcap_writer_add_event (w, e, &error))
    {
      count_error (w, error);
      return;
    }
  if (e->kind == IMPS_EVENT_MESSAGE && e->bytes != NULL)
    pcap_dump_flush (w->dumper);
}

void
imps_pcap_writer_attach (ImpsPcapWriter *w, ImpsEventLog *log)
{
  g_return_if_fail (w != NULL && log != NULL && w->log == NULL);
  w->log = log;
  w->listener = imps_event_log_add_listener (log, on_event, w);
}

void
imps_pcap_writer_detach (ImpsPcapWriter *w)
{
  g_return_if_fail (w != NULL);
  if (w->log)
    imps_event_log_remove_listener (w->log, w->listener);
  w->log = NULL;
  w->listener = 0;
}

guint64
imps_pcap_writer_get_packets (ImpsPcapWriter *w)
{
  return w->packets;
}

guint
imps_pcap_writer_get_errors (ImpsPcapWriter *w)
{
  return w->errors;
}

gboolean
imps_pcap_writer_close (ImpsPcapWriter *w, GError **error)
{
  g_return_val_if_fail (w != NULL, FALSE);
  if (w->closed)
    return TRUE;
  g_autoptr (GError) local = NULL;
  gboolean ok = TRUE;
  for (guint i = 0; i < w->conn_order->len && ok; i++)
    {
      TcpConn *c = g_ptr_array_index (w->conn_order, i);
      gint64 t = w->last_time_us;
      ok = tcp_segment (w, c, 0, t, TCP_FIN | TCP_ACK, NULL, 0, &local)
           && tcp_segment (w, c, 1, t, TCP_FIN | TCP_ACK, NULL, 0, &local)
           && tcp_segment (w, c, 0, t, TCP_ACK, NULL, 0, &local);
    }
  w->closed = TRUE;
  if (ok && pcap_dump_flush (w->dumper) != 0)
    ok = set_io_error (w, &local);
  pcap_dump_close (w->dumper);
  w->dumper = NULL;
  pcap_close (w->pcap);
  w->pcap = NULL;
  if (w->first_error)
    {
      g_propagate_error (error, g_steal_pointer (&w->first_error));
      return FALSE;
    }
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

void
imps_pcap_writer_free (ImpsPcapWriter *w)
{
  if (w == NULL)
    return;
  imps_pcap_writer_detach (w);
  if (!w->closed)
    imps_pcap_writer_close (w, NULL);
  g_clear_error (&w->first_error);
  g_hash_table_unref (w->addresses);
  g_hash_table_unref (w->conns);
  g_ptr_array_unref (w->conn_order);
  g_array_unref (w->event_frames);
  g_free (w->path);
  g_free (w);
}

gboolean
imps_pcap_write_log (ImpsEventLog *log, ImpsNetwork *net, const gchar *path, GError **error)
{
  g_autoptr (ImpsPcapWriter) w = imps_pcap_writer_new (path, error);
  if (w == NULL)
    return FALSE;
  if (net)
    imps_pcap_writer_learn_network (w, net);
  if (!imps_pcap_writer_add_log (w, log, error))
    return FALSE;
  return imps_pcap_writer_close (w, error);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

static gboolean
malformed (GError **error, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
malformed (GError **error, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_MALFORMED, "pcap: %s", msg);
  return FALSE;
}

void
imps_pcap_capture_free (ImpsPcapCapture *c)
{
  if (c == NULL)
    return;
  if (c->packets)
    g_array_unref (c->packets);
  if (c->bytes)
    g_bytes_unref (c->bytes);
  g_free (c);
}

/* The IPv4 packet inside one record's link layer, or NULL when the
 * record carries something else. */
static const guint8 *
link_payload (guint32 linktype, const guint8 *d, gsize len, gsize *out_len, gboolean swapped)
{
  gsize off = 0;
  switch (linktype)
    {
    case 101: /* RAW */
    case 228: /* IPV4 */
      break;
    case 1: /* Ethernet */
      {
        if (len < 14)
          return NULL;
        guint16 et = imps_load_u16 (d + 12);
        off = 14;
        while ((et == 0x8100 || et == 0x88a8) && len >= off + 4)
          {
            et = imps_load_u16 (d + off + 2);
            off += 4;
          }
        if (et != 0x0800)
          return NULL;
        break;
      }
    case 113: /* Linux cooked */
      if (len < 16 || imps_load_u16 (d + 14) != 0x0800)
        return NULL;
      off = 16;
      break;
    case 0: /* BSD loopback: address family in the writer's byte order */
      {
        if (len < 4)
          return NULL;
        guint32 fam = swapped ? imps_load_u32 (d) : (guint32) (d[0] | d[1] << 8 | d[2] << 16 | (guint32) d[3] << 24);
        if (fam != 2)
          return NULL;
        off = 4;
        break;
      }
    default:
      return NULL;
    }
  if (off > len)
    return NULL;
  *out_len = len - off;
  return d + off;
}

/* Fills @pk from an IPv4 packet; FALSE when it is not a whole TCP or UDP
 * packet (fragment, other protocol, cut short). */
static gboolean
read_ipv4_packet (const guint8 *ip, gsize len, ImpsPcapPacket *pk)
{
  if (len < 20 || (ip[0] >> 4) != 4)
    return FALSE;
  gsize ihl = (gsize) (ip[0] & 0x0f) * 4;
  gsize total = imps_load_u16 (ip + 2);
  if (ihl < 20 || total < ihl || total > len)
    return FALSE;
  guint16 frag = imps_load_u16 (ip + 6);
  if ((frag & 0x2000) || (frag & 0x1fff))
    return FALSE;
  pk->proto = ip[9];
  pk->src = imps_load_u32 (ip + 12);
  pk->dst = imps_load_u32 (ip + 16);
  const guint8 *l4 = ip + ihl;
  gsize l4len = total - ihl;
  if (pk->proto == 6)
    {
      if (l4len < 20)
        return FALSE;
      gsize doff = (gsize) (l4[12] >> 4) * 4;
      if (doff < 20 || doff > l4len)
        return FALSE;
      pk->sport = imps_load_u16 (l4);
      pk->dport = imps_load_u16 (l4 + 2);
      pk->seq = imps_load_u32 (l4 + 4);
      pk->tcp_flags = l4[13];
      pk->payload = l4 + doff;
      pk->len = l4len - doff;
      return TRUE;
    }
  if (pk->proto == 17)
    {
      if (l4len < 8)
        return FALSE;
      gsize ulen = imps_load_u16 (l4 + 4);
      if (ulen < 8 || ulen > l4len)
        return FALSE;
      pk->sport = imps_load_u16 (l4);
      pk->dport = imps_load_u16 (l4 + 2);
      pk->payload = l4 + 8;
      pk->len = ulen - 8;
      return TRUE;
    }
  return FALSE;
}

gboolean
imps_pcap_record_packet (guint32 linktype, const guint8 *rec, gsize len, ImpsPcapPacket *pk,
                         gsize *ip_offset)
{
  g_return_val_if_fail (pk != NULL && ip_offset != NULL, FALSE);
  gsize iplen = 0;
  memset (pk, 0, sizeof *pk);
  const guint8 *ip = link_payload (linktype, rec, len, &iplen, G_BYTE_ORDER == G_BIG_ENDIAN);
  if (ip == NULL || !read_ipv4_packet (ip, iplen, pk))
    return FALSE;
  *ip_offset = (gsize) (ip - rec);
  return TRUE;
}

/* A pcapng file (@data, @len) read through libpcap and written again as a
 * classic pcap file in host byte order with microsecond stamps, record
 * for record (frame numbers stay those of Wireshark: one per packet
 * block). libpcap refuses files whose interfaces have different link
 * types; the limits are those of the classic reader. */
static GBytes *
pcapng_to_classic (const guint8 *data, gsize len, GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  FILE *f = fmemopen ((void *) data, len, "rb");
  if (f == NULL)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_IO, "pcapng: %s", g_strerror (errno));
      return NULL;
    }
  pcap_t *p = pcap_fopen_offline_with_tstamp_precision (f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (p == NULL)
    {
      fclose (f);
      malformed (error, "pcapng: libpcap cannot read it: %s", errbuf);
      return NULL;
    }
  /* libpcap gives a DLT_ value; the file wants the LINKTYPE_ one, which
   * differs only for raw IP (DLT_RAW is 12 or 14, LINKTYPE_RAW 101). */
  int dlt = pcap_datalink (p);
  guint32 linktype = dlt == DLT_RAW ? 101u : (guint32) dlt;
  guint32 snaplen = (guint32) pcap_snapshot (p);
  g_autoptr (GByteArray) out = g_byte_array_sized_new (MIN (len, (gsize) 1 << 20) + 24);
  const guint32 magic = 0xa1b2c3d4;
  const guint16 version[2] = { 2, 4 };
  const guint32 rest[4] = { 0, 0, snaplen, linktype }; /* zone, sigfigs, snaplen, link type */
  g_byte_array_append (out, (const guint8 *) &magic, sizeof magic);
  g_byte_array_append (out, (const guint8 *) version, sizeof version);
  g_byte_array_append (out, (const guint8 *) rest, sizeof rest);
  guint n = 0;
  for (;;)
    {
      struct pcap_pkthdr *h;
      const u_char *pkt;
      int rc = pcap_next_ex (p, &h, &pkt);
      if (rc == PCAP_ERROR_BREAK)
        break;
      if (rc != 1)
        {
          malformed (error, "pcapng: packet %u: %s", n + 1, pcap_geterr (p));
          pcap_close (p);
          return NULL;
        }
      n++;
      if (n > IMPS_PCAP_MAX_PACKETS)
        {
          g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_TOO_LARGE_INPUT,
                       "pcap: pcapng packet %u: more than %u records", n, IMPS_PCAP_MAX_PACKETS);
          pcap_close (p);
          return NULL;
        }
      if (h->caplen > IMPS_PCAP_MAX_RECORD || out->len + 16 + (gsize) h->caplen > IMPS_PCAP_MAX_FILE)
        {
          g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_TOO_LARGE_INPUT,
                       "pcap: pcapng packet %u: captured length %u over the limit of %u bytes a "
                       "record or %u a file", n, h->caplen, IMPS_PCAP_MAX_RECORD, IMPS_PCAP_MAX_FILE);
          pcap_close (p);
          return NULL;
        }
      guint32 rec[4] = { (guint32) h->ts.tv_sec, (guint32) h->ts.tv_usec, h->caplen, h->len };
      g_byte_array_append (out, (const guint8 *) rec, sizeof rec);
      g_byte_array_append (out, pkt, h->caplen);
    }
  pcap_close (p);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

ImpsPcapCapture *
imps_pcap_capture_parse (GBytes *bytes, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  ImpsReader r;
  guint32 magic;

  if (len > IMPS_PCAP_MAX_FILE)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_TOO_LARGE_INPUT,
                   "pcap: %" G_GSIZE_FORMAT " bytes, more than the limit of %u", len,
                   IMPS_PCAP_MAX_FILE);
      return NULL;
    }
  imps_reader_init (&r, data, len);
  if (!imps_reader_u32 (&r, &magic))
    {
      malformed (error, "file header: %" G_GSIZE_FORMAT " bytes, too short for the magic number at offset 0", len);
      return NULL;
    }
  gboolean swapped, nano;
  switch (magic)
    {
    case 0xa1b2c3d4: swapped = FALSE; nano = FALSE; break;
    case 0xa1b23c4d: swapped = FALSE; nano = TRUE; break;
    case 0xd4c3b2a1: swapped = TRUE; nano = FALSE; break;
    case 0x4d3cb2a1: swapped = TRUE; nano = TRUE; break;
    case 0x0a0d0d0a:
      {
        /* pcapng: libpcap reads it; its records become a classic file. */
        g_autoptr (GBytes) classic = pcapng_to_classic (data, len, error);
        if (classic == NULL)
          return NULL;
        return imps_pcap_capture_parse (classic, error);
      }
    default:
      malformed (error, "file header: magic number %08x at offset 0 is not a classic pcap one", magic);
      return NULL;
    }
  /* Fields in the writer's byte order: "swapped" means little-endian here
   * (the reader's u32 is big-endian). */
#define FIX16(v) (swapped ? GUINT16_SWAP_LE_BE (v) : (v))
#define FIX32(v) (swapped ? GUINT32_SWAP_LE_BE (v) : (v))
  guint16 vmaj, vmin;
  guint32 zone, sigfigs, snaplen, linktype;
  if (!imps_reader_u16 (&r, &vmaj) || !imps_reader_u16 (&r, &vmin) || !imps_reader_u32 (&r, &zone)
      || !imps_reader_u32 (&r, &sigfigs) || !imps_reader_u32 (&r, &snaplen)
      || !imps_reader_u32 (&r, &linktype))
    {
      malformed (error, "file header: %" G_GSIZE_FORMAT " bytes, fewer than 24", len);
      return NULL;
    }
  vmaj = FIX16 (vmaj);
  vmin = FIX16 (vmin);
  snaplen = FIX32 (snaplen);
  linktype = FIX32 (linktype) & 0x0fffffff; /* upper bits: FCS length flags */
  if (vmaj != 2)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_UNSUPPORTED,
                   "pcap: file header: version %u.%u at offset 4; only 2.x is known", vmaj, vmin);
      return NULL;
    }
  if (linktype != 101 && linktype != 228 && linktype != 1 && linktype != 113 && linktype != 0)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_UNSUPPORTED,
                   "pcap: file header: link type %u at offset 20 is not RAW, IPv4, Ethernet, "
                   "Linux cooked or loopback", linktype);
      return NULL;
    }

  g_autoptr (ImpsPcapCapture) c = g_new0 (ImpsPcapCapture, 1);
  c->linktype = linktype;
  c->snaplen = snaplen;
  c->nanoseconds = nano;
  c->bytes = g_bytes_ref (bytes);
  c->packets = g_array_new (FALSE, FALSE, sizeof (ImpsPcapPacket));
  while (imps_reader_remaining (&r) > 0)
    {
      gsize at = imps_reader_offset (&r);
      guint frame = c->n_records + 1;
      guint32 sec, frac, incl, orig;
      const guint8 *rec;
      if (c->n_records >= IMPS_PCAP_MAX_PACKETS)
        {
          g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_TOO_LARGE_INPUT,
                       "pcap: record %u at offset %" G_GSIZE_FORMAT ": more than %u records",
                       frame, at, IMPS_PCAP_MAX_PACKETS);
          return NULL;
        }
      if (!imps_reader_u32 (&r, &sec) || !imps_reader_u32 (&r, &frac) || !imps_reader_u32 (&r, &incl)
          || !imps_reader_u32 (&r, &orig))
        {
          malformed (error, "record %u at offset %" G_GSIZE_FORMAT ": header cut short (%" G_GSIZE_FORMAT
                     " of 16 bytes)", frame, at, len - at);
          return NULL;
        }
      sec = FIX32 (sec);
      frac = FIX32 (frac);
      incl = FIX32 (incl);
      orig = FIX32 (orig);
      if (incl > IMPS_PCAP_MAX_RECORD)
        {
          malformed (error, "record %u at offset %" G_GSIZE_FORMAT ": captured length %u over the limit of %u",
                     frame, at, incl, IMPS_PCAP_MAX_RECORD);
          return NULL;
        }
      if (snaplen != 0 && incl > snaplen)
        {
          malformed (error, "record %u at offset %" G_GSIZE_FORMAT ": captured length %u over the "
                     "file's snap length %u", frame, at, incl, snaplen);
          return NULL;
        }
      if (frac >= (nano ? 1000000000u : 1000000u))
        {
          malformed (error, "record %u at offset %" G_GSIZE_FORMAT ": time fraction %u out of range",
                     frame, at, frac);
          return NULL;
        }
      if (!imps_reader_bytes (&r, &rec, incl))
        {
          malformed (error, "record %u at offset %" G_GSIZE_FORMAT ": captured length %u but only %"
                     G_GSIZE_FORMAT " bytes left", frame, at, incl, len - at - 16);
          return NULL;
        }
      c->n_records++;
      gsize iplen = 0;
      const guint8 *ip = link_payload (linktype, rec, incl, &iplen, !swapped);
      ImpsPcapPacket pk = { 0 };
      if (ip == NULL || !read_ipv4_packet (ip, iplen, &pk))
        {
          c->n_skipped++;
          continue;
        }
      pk.frame = frame;
      pk.time_us = (gint64) sec * G_USEC_PER_SEC + (nano ? frac / 1000 : frac);
      g_array_append_val (c->packets, pk);
    }
#undef FIX16
#undef FIX32
  return g_steal_pointer (&c);
}

static void
tcp_stream_free (gpointer p)
{
  ImpsPcapTcpStream *s = p;
  g_byte_array_unref (s->data);
  g_array_unref (s->frames);
  g_free (s);
}

typedef struct {
  ImpsPcapTcpStream *s;
  guint32 next;
  gboolean started;
} StreamState;

GPtrArray *
imps_pcap_capture_tcp_streams (const ImpsPcapCapture *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (tcp_stream_free);
  g_autoptr (GHashTable) map = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                      (GDestroyNotify) g_bytes_unref, g_free);
  for (guint i = 0; i < c->packets->len; i++)
    {
      const ImpsPcapPacket *pk = &g_array_index (c->packets, ImpsPcapPacket, i);
      if (pk->proto != 6)
        continue;
      guint8 key[12];
      imps_store_u32 (key, pk->src);
      imps_store_u32 (key + 4, pk->dst);
      imps_store_u16 (key + 8, pk->sport);
      imps_store_u16 (key + 10, pk->dport);
      g_autoptr (GBytes) kb = g_bytes_new (key, sizeof key);
      StreamState *st = g_hash_table_lookup (map, kb);
      if (st == NULL)
        {
          st = g_new0 (StreamState, 1);
          g_hash_table_insert (map, g_bytes_ref (kb), st);
        }
      if (pk->tcp_flags & TCP_SYN)
        {
          if (st->s == NULL || st->s->data->len == 0)
            {
              st->next = pk->seq + 1;
              st->started = TRUE;
            }
          continue;
        }
      if (pk->len == 0)
        continue;
      if (!st->started)
        {
          st->next = pk->seq;  /* joined mid-stream */
          st->started = TRUE;
        }
      if (st->s == NULL)
        {
          st->s = g_new0 (ImpsPcapTcpStream, 1);
          st->s->src = pk->src;
          st->s->dst = pk->dst;
          st->s->sport = pk->sport;
          st->s->dport = pk->dport;
          st->s->data = g_byte_array_new ();
          st->s->frames = g_array_new (FALSE, FALSE, sizeof (guint64) * 2);
          st->s->first_frame = pk->frame;
          g_ptr_array_add (out, st->s);
        }
      if (st->s->gap_frame)
        continue;
      gint32 delta = (gint32) (pk->seq - st->next);
      gsize skip = 0;
      if (delta > 0)
        {
          st->s->gap_frame = pk->frame;
          continue;
        }
      if (delta < 0)
        {
          skip = (gsize) -(gint64) delta;  /* retransmitted bytes */
          if (skip >= pk->len)
            continue;
        }
      guint64 entry[2] = { st->s->data->len, pk->frame };
      g_array_append_vals (st->s->frames, entry, 1);
      g_byte_array_append (st->s->data, pk->payload + skip, (guint) (pk->len - skip));
      st->next += (guint32) (pk->len - skip);
    }
  return out;
}

guint
imps_pcap_tcp_stream_frame_at (const ImpsPcapTcpStream *s, gsize offset)
{
  guint frame = s->first_frame;
  for (guint i = 0; i < s->frames->len; i++)
    {
      const guint64 *e = &g_array_index (s->frames, guint64, i * 2);
      if (e[0] > offset)
        break;
      frame = (guint) e[1];
    }
  return frame;
}

/* ------------------------------------------------------------------ */
/* Decoding for people                                                 */

#define HTTP_MAX_HEADER (64 * 1024)
#define HTTP_MAX_BODY (16 * 1024 * 1024)

typedef struct {
  guint frame;
  guint order;
  ImpsMikeyField *tree;
  guint32 src, dst;
  guint protos;        /* ImpsPcapProto */
  const gchar *call_id; /* SIP: into the tree */
} Item;

static gint
item_cmp (gconstpointer a, gconstpointer b)
{
  const Item *x = *(const Item *const *) a;
  const Item *y = *(const Item *const *) b;
  if (x->frame != y->frame)
    return x->frame < y->frame ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
item_free (gpointer p)
{
  Item *it = p;
  if (it->tree)
    imps_mikey_field_free (it->tree);
  g_free (it);
}

static gchar *
endpoint_text (guint32 a, guint16 port)
{
  return g_strdup_printf ("%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
                          port);
}

/* Appends the message length to the item's line. */
static void
item_set_len (ImpsMikeyField *item, gsize len)
{
  gchar *v = g_strdup_printf ("%s, %" G_GSIZE_FORMAT " bytes", item->value, len);
  g_free (item->value);
  item->value = v;
}

static ImpsMikeyField *
item_add (GPtrArray *items, guint frame, const gchar *name, const gchar *label, guint32 src,
          guint16 sport, guint32 dst, guint16 dport, gsize len)
{
  Item *it = g_new0 (Item, 1);
  g_autofree gchar *s = endpoint_text (src, sport);
  g_autofree gchar *d = endpoint_text (dst, dport);
  it->frame = frame;
  it->order = items->len;
  it->tree = imps_mikey_field_new (name, label, NULL);
  it->tree->value = g_strdup_printf ("frame %u, %s -> %s", frame, s, d);
  it->src = src;
  it->dst = dst;
  g_ptr_array_add (items, it);
  if (len)
    item_set_len (it->tree, len);
  return it->tree;
}

static void
add_error (ImpsMikeyField *parent, const gchar *what, const GError *error)
{
  imps_mikey_field_add (parent, "error", "Error", "%s: %s", what, error->message);
}

/* A printable copy of @len bytes (control characters as '.'). */
static gchar *
printable_keep (const guint8 *d, gsize len, gboolean keep_crlf)
{
  gchar *s = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    s[i] = (d[i] >= 0x20 && d[i] < 0x7f) || (keep_crlf && (d[i] == '\r' || d[i] == '\n'))
           ? (gchar) d[i] : '.';
  s[len] = '\0';
  return s;
}

static gchar *
printable (const guint8 *d, gsize len)
{
  return printable_keep (d, len, FALSE);
}

static void
decode_mikey (ImpsMikeyField *parent, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_parse (data, len, &error);
  if (msg == NULL)
    {
      add_error (parent, "MIKEY", error);
      return;
    }
  imps_mikey_field_append (parent, imps_mikey_dump_message (msg, NULL));
}

static void
decode_sdp_attribute (ImpsMikeyField *line, const gchar *name, gsize name_len, const gchar *value)
{
  g_autoptr (GError) error = NULL;
  if (value == NULL)
    return;
  if (name_len == 6 && strncmp (name, "crypto", 6) == 0)
    {
      ImpsSdpCrypto *c = imps_sdp_crypto_parse (value, strlen (value), &error);
      if (c == NULL)
        {
          add_error (line, "a=crypto", error);
          return;
        }
      imps_mikey_field_add (line, "sdp.crypto.tag", "Tag", "%u", c->tag);
      imps_mikey_field_add (line, "sdp.crypto.crypto_suite", "Crypto suite", "%s", c->suite_name);
      for (guint i = 0; i < c->n_keys; i++)
        {
          ImpsMikeyField *k = imps_mikey_field_add (line, "sdp.crypto.key", "Inline key",
                                                    "%u bytes of master key||salt",
                                                    c->keys[i].key_salt_len);
          if (c->keys[i].has_lifetime)
            imps_mikey_field_add (k, "sdp.crypto.lifetime", "Lifetime", "%" G_GUINT64_FORMAT,
                                  c->keys[i].lifetime);
          if (c->keys[i].has_mki)
            imps_mikey_field_add (k, "sdp.crypto.mki", "MKI", "%" G_GUINT64_FORMAT " (%u bytes)",
                                  c->keys[i].mki_value, c->keys[i].mki_len);
        }
      imps_mikey_field_add (line, "sdp.crypto.session_params", "Session parameters", "%u",
                            c->n_params);
      imps_sdp_crypto_free (c);
      return;
    }
  if (name_len == 8 && strncmp (name, "key-mgmt", 8) == 0)
    {
      ImpsSdpKeyMgmt *km = imps_sdp_key_mgmt_parse (value, strlen (value), &error);
      if (km == NULL)
        {
          add_error (line, "a=key-mgmt", error);
          return;
        }
      imps_mikey_field_add (line, "sdp.key_mgmt.kmpid", "Key Management Protocol", "%s",
                            km->prtcl_id);
      if (g_str_equal (km->prtcl_id, "mikey"))
        {
          gsize n;
          const guint8 *d = g_bytes_get_data (km->data, &n);
          decode_mikey (line, d, n);
        }
      imps_sdp_key_mgmt_free (km);
    }
}

static void
add_sdp_line (ImpsMikeyField *parent, const ImpsSdpLine *l)
{
  ImpsMikeyField *f = imps_mikey_field_add (parent, "sdp.line", "Line", "%c=%s", l->type, l->value);
  if (l->type == 'a')
    {
      const gchar *colon = strchr (l->value, ':');
      gsize name_len = colon ? (gsize) (colon - l->value) : strlen (l->value);
      decode_sdp_attribute (f, l->value, name_len, colon ? colon + 1 : NULL);
    }
}

static void
decode_sdp (ImpsMikeyField *parent, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  ImpsSdp *sdp = imps_sdp_parse ((const gchar *) data, len, &error);
  if (sdp == NULL)
    {
      add_error (parent, "SDP", error);
      return;
    }
  ImpsMikeyField *root = imps_mikey_field_add (parent, "sdp", "Session Description Protocol", NULL);
  for (guint i = 0; i < imps_sdp_n_lines (sdp); i++)
    add_sdp_line (root, imps_sdp_get_line (sdp, i));
  for (guint m = 0; m < imps_sdp_n_media (sdp); m++)
    {
      ImpsSdpMedia *media = imps_sdp_get_media (sdp, m);
      ImpsMikeyField *mf = imps_mikey_field_add (root, "sdp.media", "Media Description", "%u", m + 1);
      for (guint i = 0; i < imps_sdp_media_n_lines (media); i++)
        add_sdp_line (mf, imps_sdp_media_get_line (media, i));
    }
  imps_sdp_free (sdp);
}

/* A body by its Content-Type. */
static void
decode_body (ImpsMikeyField *parent, const gchar *content_type, const guint8 *body, gsize len)
{
  if (len == 0)
    return;
  g_autofree gchar *ct = g_ascii_strdown (content_type ? content_type : "", -1);
  gchar *semi = strchr (ct, ';');
  if (semi)
    *semi = '\0';
  g_strstrip (ct);
  if (g_str_equal (ct, "application/mikey"))
    decode_mikey (parent, body, len);
  else if (g_str_equal (ct, "application/sdp"))
    decode_sdp (parent, body, len);
  else
    {
      ImpsMikeyField *b = imps_mikey_field_add (parent, "body", "Body", "%" G_GSIZE_FORMAT " bytes%s%s",
                                                len, ct[0] ? " of " : "", ct);
      gboolean text = TRUE;
      for (gsize i = 0; i < len && text; i++)
        text = body[i] >= 0x20 || body[i] == '\r' || body[i] == '\n' || body[i] == '\t';
      if (text && len <= 4096)
        {
          g_autofree gchar *p = printable (body, len);
          imps_mikey_field_add (b, "body.text", "Text", "%s", p);
        }
    }
}

static void
decode_sip (ImpsMikeyField *item, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *msg = imps_sip_message_parse (data, len, &error);
  if (msg == NULL)
    {
      add_error (item, "SIP", error);
      return;
    }
  if (imps_sip_message_is_request (msg))
    imps_mikey_field_add (item, "sip.Request-Line", "Request-Line", "%s %s SIP/2.0",
                          imps_sip_message_get_method (msg), imps_sip_message_get_request_uri (msg));
  else
    imps_mikey_field_add (item, "sip.Status-Line", "Status-Line", "SIP/2.0 %u %s",
                          imps_sip_message_get_status (msg), imps_sip_message_get_reason (msg));
  for (guint i = 0; i < imps_sip_message_get_n_headers (msg); i++)
    {
      const ImpsSipHeader *h = imps_sip_message_get_header (msg, i);
      imps_mikey_field_add (item, "sip.header", h->name, "%s", h->value);
    }
  GBytes *body = imps_sip_message_get_body (msg);
  gsize blen;
  const guint8 *b = g_bytes_get_data (body, &blen);
  const gchar *ct = imps_sip_message_get_header_value (msg, "Content-Type");
  if (ct == NULL)
    ct = imps_sip_message_get_header_value (msg, "c");
  decode_body (item, ct, b, blen);
  imps_sip_message_free (msg);
}

static void
decode_diameter (ImpsMikeyField *item, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  ImpsDiameterMessage *m = imps_diameter_message_parse (data, len, &error);
  if (m == NULL)
    {
      add_error (item, "Diameter", error);
      return;
    }
  gboolean req = imps_diameter_message_is_request (m);
  const gchar *cmd = imps_diameter_command_name (m->command, req, FALSE);
  imps_mikey_field_add (item, "diameter.cmd.code", "Command", "%s (%u, %s)", cmd ? cmd : "Unknown",
                        m->command, req ? "request" : "answer");
  imps_mikey_field_add (item, "diameter.flags", "Flags", "0x%02x", m->flags);
  imps_mikey_field_add (item, "diameter.applicationId", "Application Id", "%u", m->application_id);
  imps_mikey_field_add (item, "diameter.hopbyhopid", "Hop-by-Hop Identifier", "0x%08x", m->hop_by_hop);
  imps_mikey_field_add (item, "diameter.endtoendid", "End-to-End Identifier", "0x%08x", m->end_to_end);
  ImpsMikeyField *parents[IMPS_DIAMETER_MAX_DEPTH + 2];
  parents[0] = item;
  for (guint i = 0; i < m->avps->len; i++)
    {
      const ImpsDiameterAvp *a = &g_array_index (m->avps, ImpsDiameterAvp, i);
      guint depth = MIN ((guint) a->depth, (guint) IMPS_DIAMETER_MAX_DEPTH);
      const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (a->vendor_id, a->code);
      g_autofree gchar *fallback = g_strdup_printf ("AVP %u (vendor %u)", a->code, a->vendor_id);
      g_autofree gchar *v = imps_diameter_avp_render (a, IMPS_DIAMETER_RENDER_DEFAULT);
      ImpsMikeyField *f = imps_mikey_field_add (parents[depth], "diameter.avp", e ? e->name : fallback,
                                                "%s", v ? v : "");
      f->offset = a->offset;
      f->length = a->len;
      f->has_offset = TRUE;
      parents[depth + 1] = f;
    }
  imps_diameter_message_free (m);
}

/* Decodes a chunked body (RFC 9112 §7.1) at @d; returns the body and the
 * bytes it took in *@used, or NULL with *@why (static text) and the
 * offset of the problem (from @d) in *@used. */
static GByteArray *
http_dechunk (const guint8 *d, gsize len, gsize *used, const gchar **why)
{
  g_autoptr (GByteArray) body = g_byte_array_new ();
  gsize off = 0;
  for (;;)
    {
      guint64 size = 0;
      guint digits = 0;
      while (off < len && g_ascii_isxdigit (d[off]))
        {
          if (++digits > 8)
            {
              *why = "chunk size has more than 8 hex digits";
              *used = off;
              return NULL;
            }
          size = size * 16 + (guint64) g_ascii_xdigit_value (d[off]);
          off++;
        }
      if (digits == 0)
        {
          *why = "no chunk size";
          *used = off;
          return NULL;
        }
      /* chunk extensions up to the line end */
      while (off < len && d[off] != '\r')
        off++;
      if (off + 2 > len || d[off + 1] != '\n')
        {
          *why = "chunk size line not ended by CRLF";
          *used = off;
          return NULL;
        }
      off += 2;
      if (size == 0)
        break;
      if (body->len + size > HTTP_MAX_BODY)
        {
          *why = "chunked body over the 16 MiB limit";
          *used = off;
          return NULL;
        }
      if (size + 2 > len - off)
        {
          *why = "chunk cut short";
          *used = off;
          return NULL;
        }
      if (d[off + size] != '\r' || d[off + size + 1] != '\n')
        {
          *why = "chunk data not followed by CRLF";
          *used = off + (gsize) size;
          return NULL;
        }
      g_byte_array_append (body, d + off, (guint) size);
      off += (gsize) size + 2;
    }
  /* trailer fields, then an empty line */
  for (;;)
    {
      gsize start = off;
      while (off + 1 < len && !(d[off] == '\r' && d[off + 1] == '\n'))
        off++;
      if (off + 1 >= len)
        {
          *why = "chunked body: trailer not ended by an empty line";
          *used = off;
          return NULL;
        }
      off += 2;
      if (off - start == 2)
        break;
    }
  *used = off;
  return g_steal_pointer (&body);
}

/* Splits an HTTP byte stream into messages. */
static void
decode_http_stream (GPtrArray *items, const ImpsPcapTcpStream *s, const gchar *label)
{
  const guint8 *d = s->data->data;
  gsize len = s->data->len, off = 0;
  while (off < len)
    {
      gsize avail = len - off;
      guint frame = imps_pcap_tcp_stream_frame_at (s, off);
      ImpsMikeyField *item = item_add (items, frame, "http", label, s->src, s->sport, s->dst,
                                       s->dport, 0);
      const guint8 *end = NULL;
      for (gsize i = 0; i + 3 < avail && i < HTTP_MAX_HEADER; i++)
        if (d[off + i] == '\r' && d[off + i + 1] == '\n' && d[off + i + 2] == '\r' && d[off + i + 3] == '\n')
          {
            end = d + off + i;
            break;
          }
      if (end == NULL)
        {
          imps_mikey_field_add (item, "error", "Error",
                                "HTTP: no end of headers within %" G_GSIZE_FORMAT " bytes at stream offset %"
                                G_GSIZE_FORMAT, MIN (avail, (gsize) HTTP_MAX_HEADER), off);
          return;
        }
      gsize head_len = (gsize) (end - (d + off));
      g_autofree gchar *head = printable_keep (d + off, head_len, TRUE);
      g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);
      gboolean response = g_str_has_prefix (lines[0], "HTTP/");
      imps_mikey_field_add (item, response ? "http.response.line" : "http.request.line",
                            response ? "Status-Line" : "Request-Line", "%s", lines[0]);
      const gchar *ctype = NULL;
      gint64 clen = -1;
      gboolean chunked = FALSE;
      for (guint i = 1; lines[i]; i++)
        {
          const gchar *colon = strchr (lines[i], ':');
          if (colon == NULL)
            {
              imps_mikey_field_add (item, "http.header", "Header", "%s", lines[i]);
              continue;
            }
          g_autofree gchar *name = g_strndup (lines[i], (gsize) (colon - lines[i]));
          const gchar *value = colon + 1;
          while (*value == ' ' || *value == '\t')
            value++;
          imps_mikey_field_add (item, "http.header", name, "%s", value);
          if (g_ascii_strcasecmp (name, "Content-Type") == 0)
            ctype = value;
          else if (g_ascii_strcasecmp (name, "Content-Length") == 0)
            {
              guint64 v;
              if (!g_ascii_string_to_unsigned (value, 10, 0, HTTP_MAX_BODY, &v, NULL))
                {
                  imps_mikey_field_add (item, "error", "Error",
                                        "HTTP: Content-Length '%s' at stream offset %" G_GSIZE_FORMAT
                                        " is not a number up to %u", value, off, HTTP_MAX_BODY);
                  return;
                }
              clen = (gint64) v;
            }
          else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0
                   && g_ascii_strcasecmp (value, "identity") != 0)
            chunked = TRUE;
        }
      off += head_len + 4;
      if (chunked)
        {
          const gchar *why = NULL;
          gsize used = 0;
          g_autoptr (GByteArray) body = http_dechunk (d + off, len - off, &used, &why);
          if (body == NULL)
            {
              imps_mikey_field_add (item, "error", "Error",
                                    "HTTP: %s at stream offset %" G_GSIZE_FORMAT, why, off + used);
              return;
            }
          item_set_len (item, head_len + 4 + used);
          imps_mikey_field_add (item, "http.chunked", "Chunked body", "%u bytes", body->len);
          decode_body (item, ctype, body->data, body->len);
          off += used;
          continue;
        }
      /* No Content-Length: a request has no body; a response has none for
       * 1xx, 204 and 304 (RFC 9112 §6.3), else it runs to the end. */
      guint64 code = 0;
      if (response && strlen (lines[0]) >= 12)
        {
          gchar digits[4] = { lines[0][9], lines[0][10], lines[0][11], '\0' };
          if (!g_ascii_string_to_unsigned (digits, 10, 100, 599, &code, NULL))
            code = 0;
        }
      gboolean no_body = code / 100 == 1 || code == 204 || code == 304;
      gsize blen = clen >= 0 ? (gsize) clen : (response && !no_body ? len - off : 0);
      if (blen > len - off)
        {
          imps_mikey_field_add (item, "error", "Error",
                                "HTTP: body of %" G_GSIZE_FORMAT " bytes at stream offset %" G_GSIZE_FORMAT
                                " but only %" G_GSIZE_FORMAT " captured", blen, off, len - off);
          return;
        }
      item_set_len (item, head_len + 4 + blen);
      decode_body (item, ctype, d + off, blen);
      off += blen;
    }
}

static void
decode_diameter_stream (GPtrArray *items, const ImpsPcapTcpStream *s)
{
  const guint8 *d = s->data->data;
  gsize len = s->data->len, off = 0;
  while (off < len)
    {
      g_autoptr (GError) error = NULL;
      guint frame = imps_pcap_tcp_stream_frame_at (s, off);
      gssize n = imps_diameter_frame_length (d + off, len - off, &error);
      ImpsMikeyField *item = item_add (items, frame, "diameter", "Diameter", s->src, s->sport, s->dst,
                                       s->dport, n > 0 ? (gsize) n : len - off);
      if (n < 0)
        {
          imps_mikey_field_add (item, "error", "Error", "Diameter at stream offset %" G_GSIZE_FORMAT ": %s",
                                off, error->message);
          return;
        }
      if (n == 0 || (gsize) n > len - off)
        {
          imps_mikey_field_add (item, "error", "Error",
                                "Diameter at stream offset %" G_GSIZE_FORMAT ": cut short (%" G_GSIZE_FORMAT
                                " bytes captured)", off, len - off);
          return;
        }
      decode_diameter (item, d + off, (gsize) n);
      off += (gsize) n;
    }
}

static gboolean
looks_like_http (const guint8 *d, gsize len)
{
  static const gchar *const starts[] = { "HTTP/", "GET ", "POST ", "PUT ", "HEAD ", "DELETE ",
                                         "OPTIONS ", "PATCH " };
  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      gsize n = strlen (starts[i]);
      if (len >= n && memcmp (d, starts[i], n) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
looks_like_sip (const guint8 *d, gsize len)
{
  if (len >= 8 && memcmp (d, "SIP/2.0 ", 8) == 0)
    return TRUE;
  /* A request line ending in " SIP/2.0". */
  for (gsize i = 0; i + 1 < len && i < 1024; i++)
    if (d[i] == '\r' && d[i + 1] == '\n')
      return i >= 8 && memcmp (d + i - 8, " SIP/2.0", 8) == 0;
  return FALSE;
}

/* ---- choosing messages (--only) ---- */

typedef enum {
  COND_PROTO,
  COND_ADDR,
  COND_CALL,
} CondKind;

typedef struct {
  CondKind kind;
  guint protos;        /* COND_PROTO */
  GArray *addrs;       /* COND_ADDR: guint32, host order */
  GStrv calls;         /* COND_CALL: Call-IDs or call numbers */
} Cond;

struct _ImpsPcapFilter {
  GArray *conds;       /* Cond */
};

static const struct {
  const gchar *name;
  guint proto;
} proto_names[] = {
  { "sip", IMPS_PCAP_PROTO_SIP },
  { "sdp", IMPS_PCAP_PROTO_SDP },
  { "mikey", IMPS_PCAP_PROTO_MIKEY },
  { "diameter", IMPS_PCAP_PROTO_DIAMETER },
  { "http", IMPS_PCAP_PROTO_HTTP },
  { "tcp", IMPS_PCAP_PROTO_TCP },
};

static void
cond_clear (gpointer p)
{
  Cond *c = p;
  if (c->addrs)
    g_array_unref (c->addrs);
  g_strfreev (c->calls);
}

ImpsPcapFilter *
imps_pcap_filter_new (void)
{
  ImpsPcapFilter *f = g_new0 (ImpsPcapFilter, 1);
  f->conds = g_array_new (FALSE, TRUE, sizeof (Cond));
  g_array_set_clear_func (f->conds, cond_clear);
  return f;
}

void
imps_pcap_filter_free (ImpsPcapFilter *f)
{
  if (f == NULL)
    return;
  g_array_unref (f->conds);
  g_free (f);
}

static gboolean
filter_error (GError **error, const gchar *spec, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
filter_error (GError **error, const gchar *spec, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_FILTER, "'%s': %s", spec, msg);
  return FALSE;
}

gboolean
imps_pcap_filter_add (ImpsPcapFilter *f, const gchar *spec, GError **error)
{
  g_return_val_if_fail (f != NULL && spec != NULL, FALSE);
  const gchar *eq = strchr (spec, '=');
  if (eq == NULL || eq == spec)
    return filter_error (error, spec, "not KEY=VALUE[,VALUE...] (keys: proto, addr, call)");
  g_autofree gchar *key = g_strndup (spec, (gsize) (eq - spec));
  g_auto (GStrv) values = g_strsplit (eq + 1, ",", -1);
  if (values[0] == NULL)
    return filter_error (error, spec, "no value after '='");
  for (guint i = 0; values[i]; i++)
    {
      g_strstrip (values[i]);
      if (values[i][0] == '\0')
        return filter_error (error, spec, "value %u is empty", i + 1);
    }
  Cond c = { 0 };
  if (g_str_equal (key, "proto"))
    {
      c.kind = COND_PROTO;
      for (guint i = 0; values[i]; i++)
        {
          guint j;
          for (j = 0; j < G_N_ELEMENTS (proto_names); j++)
            if (g_ascii_strcasecmp (values[i], proto_names[j].name) == 0)
              break;
          if (j == G_N_ELEMENTS (proto_names))
            return filter_error (error, spec, "protocol '%s' is not one of sip, sdp, mikey, "
                                 "diameter, http, tcp", values[i]);
          c.protos |= proto_names[j].proto;
        }
    }
  else if (g_str_equal (key, "addr"))
    {
      c.kind = COND_ADDR;
      c.addrs = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (guint i = 0; values[i]; i++)
        {
          guint32 a = parse_ipv4 (values[i], strlen (values[i]));
          if (a == 0)
            {
              g_array_unref (c.addrs);
              return filter_error (error, spec, "'%s' is not a dotted IPv4 address", values[i]);
            }
          g_array_append_val (c.addrs, a);
        }
    }
  else if (g_str_equal (key, "call"))
    {
      c.kind = COND_CALL;
      c.calls = g_steal_pointer (&values);
    }
  else
    return filter_error (error, spec, "key '%s' is not proto, addr or call", key);
  g_array_append_val (f->conds, c);
  return TRUE;
}

static gboolean
tree_has (const ImpsMikeyField *f, const gchar *name)
{
  if (g_str_equal (f->name, name))
    return TRUE;
  if (f->children)
    for (guint i = 0; i < f->children->len; i++)
      if (tree_has (g_ptr_array_index (f->children, i), name))
        return TRUE;
  return FALSE;
}

/* What the message of @it is, from its decoded tree. */
static void
item_classify (Item *it)
{
  const ImpsMikeyField *t = it->tree;
  if (g_str_equal (t->name, "sip"))
    it->protos = IMPS_PCAP_PROTO_SIP;
  else if (g_str_equal (t->name, "http"))
    it->protos = IMPS_PCAP_PROTO_HTTP;
  else if (g_str_equal (t->name, "diameter"))
    it->protos = IMPS_PCAP_PROTO_DIAMETER;
  else if (g_str_equal (t->name, "mikey"))
    it->protos = IMPS_PCAP_PROTO_MIKEY;
  else
    it->protos = IMPS_PCAP_PROTO_TCP;
  if (tree_has (t, "mikey"))
    it->protos |= IMPS_PCAP_PROTO_MIKEY;
  if (tree_has (t, "sdp"))
    it->protos |= IMPS_PCAP_PROTO_SDP;
  if (t->children && (it->protos & IMPS_PCAP_PROTO_SIP))
    for (guint i = 0; i < t->children->len; i++)
      {
        const ImpsMikeyField *h = g_ptr_array_index (t->children, i);
        if (g_str_equal (h->name, "sip.header") && h->value
            && (g_ascii_strcasecmp (h->label, "Call-ID") == 0 || g_str_equal (h->label, "i")))
          {
            it->call_id = h->value;
            break;
          }
      }
}

static gboolean
item_is_invite (const Item *it)
{
  const ImpsMikeyField *t = it->tree;
  if (t->children == NULL || t->children->len == 0)
    return FALSE;
  const ImpsMikeyField *first = g_ptr_array_index (t->children, 0);
  return g_str_equal (first->name, "sip.Request-Line") && first->value
         && g_str_has_prefix (first->value, "INVITE ");
}

static gboolean
cond_holds (const Cond *c, const Item *it, GPtrArray *calls_in_order)
{
  switch (c->kind)
    {
    case COND_PROTO:
      return (it->protos & c->protos) != 0;
    case COND_ADDR:
      for (guint i = 0; i < c->addrs->len; i++)
        {
          guint32 a = g_array_index (c->addrs, guint32, i);
          if (it->src == a || it->dst == a)
            return TRUE;
        }
      return FALSE;
    case COND_CALL:
      if (it->call_id == NULL)
        return FALSE;
      for (guint i = 0; c->calls[i]; i++)
        {
          if (g_str_equal (c->calls[i], it->call_id))
            return TRUE;
          guint64 n;
          if (g_ascii_string_to_unsigned (c->calls[i], 10, 1, G_MAXUINT, &n, NULL)
              && n <= calls_in_order->len
              && g_str_equal (g_ptr_array_index (calls_in_order, n - 1), it->call_id))
            return TRUE;
        }
      return FALSE;
    }
  return FALSE;
}

ImpsMikeyField *
imps_pcap_decode (GBytes *bytes, GError **error)
{
  return imps_pcap_decode_filtered (bytes, NULL, error);
}

ImpsMikeyField *
imps_pcap_decode_filtered (GBytes *bytes, const ImpsPcapFilter *filter, GError **error)
{
  g_autoptr (ImpsPcapCapture) c = imps_pcap_capture_parse (bytes, error);
  if (c == NULL)
    return NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (item_free);

  g_autoptr (GPtrArray) streams = imps_pcap_capture_tcp_streams (c);
  for (guint i = 0; i < streams->len; i++)
    {
      const ImpsPcapTcpStream *s = g_ptr_array_index (streams, i);
      const guint8 *d = s->data->data;
      gsize len = s->data->len;
      if (s->sport == IMPS_PCAP_PORT_DIAMETER || s->dport == IMPS_PCAP_PORT_DIAMETER
          || (len >= 1 && d[0] == IMPS_DIAMETER_VERSION && !looks_like_http (d, len)))
        decode_diameter_stream (items, s);
      else if (looks_like_http (d, len))
        decode_http_stream (items, s,
                            (s->sport == IMPS_PCAP_PORT_ZK_PLAINTEXT || s->dport == IMPS_PCAP_PORT_ZK_PLAINTEXT)
                            ? "HTTP (Zk plaintext)" : "HTTP");
      else
        {
          ImpsMikeyField *item = item_add (items, s->first_frame, "tcp", "TCP data", s->src, s->sport,
                                           s->dst, s->dport, len);
          imps_mikey_field_add (item, "note", "Note", "not HTTP or Diameter; not decoded");
        }
      if (s->gap_frame)
        {
          ImpsMikeyField *item = item_add (items, s->gap_frame, "tcp", "TCP gap", s->src, s->sport,
                                           s->dst, s->dport, 0);
          imps_mikey_field_add (item, "note", "Note",
                                "a segment is missing before frame %u; the rest of this direction is "
                                "not decoded", s->gap_frame);
        }
    }
  for (guint i = 0; i < c->packets->len; i++)
    {
      const ImpsPcapPacket *pk = &g_array_index (c->packets, ImpsPcapPacket, i);
      if (pk->proto != 17 || pk->len == 0)
        continue;
      if (pk->sport == 2269 || pk->dport == 2269)
        {
          ImpsMikeyField *item = item_add (items, pk->frame, "mikey", "MIKEY (UDP)", pk->src, pk->sport,
                                           pk->dst, pk->dport, pk->len);
          decode_mikey (item, pk->payload, pk->len);
        }
      else if (pk->sport == IMPS_PCAP_PORT_SIP || pk->dport == IMPS_PCAP_PORT_SIP
               || looks_like_sip (pk->payload, pk->len))
        {
          ImpsMikeyField *item = item_add (items, pk->frame, "sip", "SIP", pk->src, pk->sport, pk->dst,
                                           pk->dport, pk->len);
          decode_sip (item, pk->payload, pk->len);
        }
    }
  g_ptr_array_sort (items, item_cmp);

  /* Calls are numbered from 1 by their first INVITE in frame order. */
  g_autoptr (GPtrArray) calls = g_ptr_array_new ();
  for (guint i = 0; i < items->len; i++)
    {
      Item *it = g_ptr_array_index (items, i);
      item_classify (it);
      if (it->call_id && item_is_invite (it)
          && !g_ptr_array_find_with_equal_func (calls, it->call_id, g_str_equal, NULL))
        g_ptr_array_add (calls, (gpointer) it->call_id);
    }

  ImpsMikeyField *root = imps_mikey_field_new ("pcap", "Capture", NULL);
  guint shown = 0;
  for (guint i = 0; i < items->len; i++)
    {
      Item *it = g_ptr_array_index (items, i);
      gboolean keep = TRUE;
      for (guint j = 0; filter && keep && j < filter->conds->len; j++)
        keep = cond_holds (&g_array_index (filter->conds, Cond, j), it, calls);
      if (!keep)
        continue;
      shown++;
      imps_mikey_field_append (root, g_steal_pointer (&it->tree));
    }
  if (filter && filter->conds->len)
    root->value = g_strdup_printf ("%u records, link type %u, %u messages (%u shown by the filter), "
                                   "%u records skipped (not IPv4 TCP/UDP)", c->n_records,
                                   c->linktype, items->len, shown, c->n_skipped);
  else
    root->value = g_strdup_printf ("%u records, link type %u, %u messages, %u records skipped "
                                   "(not IPv4 TCP/UDP)", c->n_records, c->linktype, items->len,
                                   c->n_skipped);
  return root;
}

/* ---- one message at a time, for impsim decode ---- */

void
imps_pcap_describe_sip (ImpsMikeyField *parent, const guint8 *data, gsize len)
{
  decode_sip (parent, data, len);
}

void
imps_pcap_describe_sdp (ImpsMikeyField *parent, const guint8 *data, gsize len)
{
  decode_sdp (parent, data, len);
}

void
imps_pcap_describe_diameter (ImpsMikeyField *parent, const guint8 *data, gsize len)
{
  decode_diameter (parent, data, len);
}

gboolean
imps_pcap_looks_like_sip (const guint8 *data, gsize len)
{
  return looks_like_sip (data, len);
}
