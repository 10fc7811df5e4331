/* The pcap writer over the event log (see imps-pcap.h for the choices). */
#include "imps-pcap.h"

#include <errno.h>
#include <gio/gio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "imps-bytes.h"

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
  w->dumper = pcap_dump_open (w->pcap, path);
  if (w->dumper == NULL)
    {
      g_set_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_IO, "pcap: cannot write %s: %s", path,
                   pcap_geterr (w->pcap));
      pcap_close (w->pcap);
      g_free (w);
      return NULL;
    }
  w->path = g_strdup (path);
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
      if (!last && ++n % TCP_ACK_EVERY == 0
          && !tcp_segment (w, c, 1 - dir, e->time_us, TCP_ACK, NULL, 0, error))
        return FALSE;
    }
  /* The receiver acknowledges the whole message. */
  return tcp_segment (w, c, 1 - dir, e->time_us, TCP_ACK, NULL, 0, error);
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
  Endpoint src = resolve (w, e->from);
  Endpoint dst = resolve (w, e->to);
  guint16 port = e->proto == IMPS_PROTO_SIP ? IMPS_PCAP_PORT_SIP
                 : e->proto == IMPS_PROTO_RTCP ? IMPS_PCAP_PORT_RTCP : IMPS_PCAP_PORT_RTP;
  if (src.port == 0)
    src.port = port;
  if (dst.port == 0)
    dst.port = port;
  guint8 *u = w->pkt + IP_HDR;
  imps_store_u16 (u, src.port);
  imps_store_u16 (u + 2, dst.port);
  imps_store_u16 (u + 4, (guint16) (UDP_HDR + len));
  imps_store_u16 (u + 6, 0);
  memcpy (u + UDP_HDR, data, len);
  return emit (w, e->time_us, src.addr, dst.addr, IP_PROTO_UDP, UDP_HDR, len, error);
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
  switch (e->proto)
    {
    case IMPS_PROTO_HTTP:
    case IMPS_PROTO_DIAMETER:
      return add_tcp (w, e, data, len, error);
    case IMPS_PROTO_SIP:
    case IMPS_PROTO_RTP:
    case IMPS_PROTO_RTCP:
      return add_udp (w, e, data, len, error);
    case IMPS_PROTO_NONE:
    default:
      return TRUE;
    }
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
  g_autoptr (GError) error = NULL;
  if (!imps_pcap_writer_add_event (w, e, &error))
    {
      w->errors++;
      if (w->first_error == NULL)
        w->first_error = g_steal_pointer (&error);
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
