/* Media on real UDP sockets; see imps-media-sockets.h. */
#include "imps-media-sockets.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <string.h>

#define BATCH 64

typedef struct {
  ImpsMediaSockets *ms;
  gchar *key;                      /* "127.0.1.41:30000" */
  gchar address[INET_ADDRSTRLEN];
  guint16 port;
  GSocket *sock;                   /* NULL: no_sockets, or the bind failed */
  GSource *source;
  gchar peer[INET_ADDRSTRLEN];     /* where the endpoint sends; "" until then */
  guint16 peer_port;
  gboolean logged_unknown;
} Port;

/* Where the SDP says a port's media comes from. */
typedef struct {
  gchar peer[INET_ADDRSTRLEN];
  guint16 peer_port;
  gboolean answered;               /* a 2xx to the INVITE has passed */
} Expect;

struct _ImpsMediaSockets {
  ImpsNetwork *net;
  ImpsSipBus *bus;
  gboolean no_sockets;
  GHashTable *ports;               /* key -> Port* (owned) */
  GHashTable *expect;              /* key -> Expect* (owned) */
  guint8 buf[IMPS_SIP_BUS_MAX_PACKET + 1];
  ImpsMediaSocketsStats stats;
};

static gchar *
port_key (const gchar *address, guint16 port)
{
  return g_strdup_printf ("%s:%u", address, port);
}

static void
port_free (gpointer p)
{
  Port *mp = p;
  if (mp->source)
    {
      g_source_destroy (mp->source);
      g_source_unref (mp->source);
    }
  if (mp->sock)
    {
      g_socket_close (mp->sock, NULL);
      g_object_unref (mp->sock);
      mp->ms->stats.sockets--;
    }
  g_free (mp->key);
  g_free (mp);
}

static void
note (ImpsMediaSockets *ms, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static void
note (ImpsMediaSockets *ms, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *detail = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  imps_network_log (ms->net, kind, IMPS_REF_MEDIA, IMPS_PROTO_NONE, "media sockets", NULL, NULL,
                    NULL, detail, "%s", summary);
}

/* 127.0.0.0/8: one host, whichever of its addresses a client sends from */
static gboolean
is_loopback (const gchar *address)
{
  return g_str_has_prefix (address, "127.");
}

/* @from:@from_port is @peer:@peer_port (on loopback, the port only) */
static gboolean
same_source (const gchar *peer, guint16 peer_port, const gchar *from, guint16 from_port)
{
  return peer_port != 0 && peer_port == from_port
         && (strcmp (peer, from) == 0 || (is_loopback (peer) && is_loopback (from)));
}

void
imps_media_sockets_receive (ImpsMediaSockets *ms, const gchar *local, guint16 local_port,
                            const gchar *from, guint16 from_port, const guint8 *data, gsize len)
{
  g_return_if_fail (ms != NULL && local != NULL && from != NULL);
  ms->stats.received++;
  g_autofree gchar *key = port_key (local, local_port);
  Port *mp = g_hash_table_lookup (ms->ports, key);
  if (mp == NULL)
    {
      ms->stats.unknown_source++;
      return;
    }
  if (len > IMPS_SIP_BUS_MAX_PACKET)
    {
      ms->stats.too_large++;
      return;
    }
  Expect *e = g_hash_table_lookup (ms->expect, key);
  gboolean from_sdp = e != NULL && same_source (e->peer, e->peer_port, from, from_port);
  if (!from_sdp && !same_source (mp->peer, mp->peer_port, from, from_port))
    {
      ms->stats.unknown_source++;
      if (!mp->logged_unknown)
        {
          mp->logged_unknown = TRUE;
          note (ms, IMPS_EVENT_REFUSAL, "media dropped",
                "at %s from %s:%u: not the peer this port sends to (%s); further ones are "
                "counted only", mp->key, from, from_port,
                mp->peer_port ? mp->peer : e ? e->peer : "it has sent nothing yet");
        }
      return;
    }
  if (from_sdp && !e->answered)
    ms->stats.early++;
  /* RTCP packet types 200-204 in the second byte (RFC 5761 §4). */
  ImpsProtocol proto = len >= 2 && data[1] >= 192 && data[1] <= 223 ? IMPS_PROTO_RTCP
                                                                    : IMPS_PROTO_RTP;
  if (imps_sip_bus_deliver_media (ms->bus, proto, from, from_port, local, local_port, data, len))
    ms->stats.delivered++;
}

static gboolean
on_readable (GSocket *sock, GIOCondition cond, gpointer user_data)
{
  Port *mp = user_data;
  ImpsMediaSockets *ms = mp->ms;
  (void) cond;
  /* The endpoint may detach (and this port go) while a packet is
   * delivered: copy what the loop needs. */
  gchar local[INET_ADDRSTRLEN];
  g_strlcpy (local, mp->address, sizeof local);
  guint16 local_port = mp->port;
  g_object_ref (sock);
  for (guint i = 0; i < BATCH; i++)
    {
      GSocketAddress *sa = NULL;
      gssize n = g_socket_receive_from (sock, &sa, (gchar *) ms->buf, sizeof ms->buf, NULL,
                                        NULL);
      g_autoptr (GSocketAddress) from = sa;
      if (n < 0)
        break;
      if (!G_IS_INET_SOCKET_ADDRESS (from))
        continue;
      GInetAddress *ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from));
      g_autofree gchar *addr = g_inet_address_to_string (ia);
      guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from));
      imps_media_sockets_receive (ms, local, local_port, addr, port, ms->buf, (gsize) n);
      if (g_socket_is_closed (sock))
        break;
    }
  gboolean closed = g_socket_is_closed (sock);
  g_object_unref (sock);
  return closed ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
on_attached (const gchar *address, guint16 port, gpointer user_data)
{
  ImpsMediaSockets *ms = user_data;
  Port *mp = g_new0 (Port, 1);
  mp->ms = ms;
  mp->key = port_key (address, port);
  g_strlcpy (mp->address, address, sizeof mp->address);
  mp->port = port;
  g_hash_table_replace (ms->ports, mp->key, mp);
  if (ms->no_sockets)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                        G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) sa = ia ? g_inet_socket_address_new (ia, port) : NULL;
  if (s == NULL || sa == NULL || !g_socket_bind (s, sa, FALSE, &error))
    {
      ms->stats.bind_failed++;
      note (ms, IMPS_EVENT_FAILURE, "no media socket", "%s: %s (media of this port stays "
            "in the process)", mp->key, error ? error->message : "not an IPv4 address");
      return;
    }
  g_socket_set_blocking (s, FALSE);
  mp->sock = g_steal_pointer (&s);
  ms->stats.sockets++;
  mp->source = g_socket_create_source (mp->sock, G_IO_IN, NULL);
  g_source_set_callback (mp->source, G_SOURCE_FUNC (on_readable), mp, NULL);
  g_source_attach (mp->source, g_main_context_get_thread_default ());
}

static void
on_detached (const gchar *address, guint16 port, gpointer user_data)
{
  ImpsMediaSockets *ms = user_data;
  g_autofree gchar *key = port_key (address, port);
  g_hash_table_remove (ms->ports, key);
  g_hash_table_remove (ms->expect, key);
}

static gboolean
on_send (ImpsProtocol proto, const gchar *from_address, guint16 from_port,
         const gchar *to_address, guint16 to_port, const guint8 *data, gsize len,
         gpointer user_data)
{
  ImpsMediaSockets *ms = user_data;
  (void) proto;
  g_autofree gchar *key = port_key (from_address, from_port);
  Port *mp = g_hash_table_lookup (ms->ports, key);
  if (mp == NULL || strlen (to_address) >= sizeof mp->peer)
    {
      ms->stats.send_failed++;
      return FALSE;
    }
  g_strlcpy (mp->peer, to_address, sizeof mp->peer);
  mp->peer_port = to_port;
  if (ms->no_sockets)
    {
      ms->stats.sent++;
      return TRUE;
    }
  if (mp->sock == NULL)
    {
      ms->stats.send_failed++;
      return FALSE;
    }
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (to_address);
  g_autoptr (GSocketAddress) sa = ia ? g_inet_socket_address_new (ia, to_port) : NULL;
  if (sa == NULL
      || g_socket_send_to (mp->sock, sa, (const gchar *) data, len, NULL, NULL) != (gssize) len)
    {
      ms->stats.send_failed++;
      return FALSE;
    }
  ms->stats.sent++;
  return TRUE;
}

ImpsMediaSockets *
imps_media_sockets_new (ImpsNetwork *net, ImpsSipBus *bus, gboolean no_sockets)
{
  g_return_val_if_fail (net != NULL && bus != NULL, NULL);
  ImpsMediaSockets *ms = g_new0 (ImpsMediaSockets, 1);
  ms->net = net;
  ms->bus = bus;
  ms->no_sockets = no_sockets;
  ms->ports = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, port_free);
  ms->expect = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ImpsSipBusOutside o = {
    .attached = on_attached,
    .detached = on_detached,
    .send = on_send,
    .user_data = ms,
  };
  imps_sip_bus_set_outside (bus, &o);
  return ms;
}

void
imps_media_sockets_free (ImpsMediaSockets *ms)
{
  if (ms == NULL)
    return;
  imps_sip_bus_set_outside (ms->bus, NULL);
  g_hash_table_destroy (ms->ports);
  g_hash_table_destroy (ms->expect);
  g_free (ms);
}

static void
expect_one (ImpsMediaSockets *ms, const gchar *local, guint16 local_port, const gchar *peer,
            guint16 peer_port, gboolean answered)
{
  if (g_hash_table_size (ms->expect) >= IMPS_MEDIA_SOCKETS_MAX_EXPECT)
    g_hash_table_remove_all (ms->expect); /* the calls that are still on set theirs again */
  Expect *e = g_new0 (Expect, 1);
  g_strlcpy (e->peer, peer, sizeof e->peer);
  e->peer_port = peer_port;
  e->answered = answered;
  g_hash_table_replace (ms->expect, port_key (local, local_port), e);
}

static gboolean
expect_ok (const gchar *address, guint16 port)
{
  return address != NULL && strlen (address) < INET_ADDRSTRLEN && port != 0;
}

void
imps_media_sockets_expect (ImpsMediaSockets *ms, const gchar *local, guint16 local_port,
                           const gchar *local_rtcp, guint16 local_rtcp_port, const gchar *peer,
                           guint16 peer_port, const gchar *peer_rtcp, guint16 peer_rtcp_port,
                           gboolean answered)
{
  g_return_if_fail (ms != NULL);
  if (expect_ok (local, local_port) && expect_ok (peer, peer_port))
    expect_one (ms, local, local_port, peer, peer_port, answered);
  if (expect_ok (local_rtcp, local_rtcp_port) && expect_ok (peer_rtcp, peer_rtcp_port))
    expect_one (ms, local_rtcp, local_rtcp_port, peer_rtcp, peer_rtcp_port, answered);
}

void
imps_media_sockets_get_stats (ImpsMediaSockets *ms, ImpsMediaSocketsStats *out)
{
  *out = ms->stats;
}
