#include "imps-sip-bus.h"

#include <arpa/inet.h>
#include <string.h>

typedef struct {
  guint id;
  gboolean media;
  gchar *node_name;
  gchar *address;
  guint16 port;
  ImpsBusReceiveFunc receive;
  gpointer user_data;
} Endpoint;

#define RING_FIRST_SLOTS 64

typedef struct {
  gint64 due_us;
  ImpsProtocol proto;
  guint32 from_addr;     /* network order */
  guint16 from_port;
  guint64 to_key;
  guint16 len;
  guint8 data[IMPS_SIP_BUS_MAX_PACKET];
} Slot;

typedef struct {
  guint id;
  ImpsMediaTapFunc tap;
  gpointer user_data;
} Tap;

struct _ImpsSipBus {
  ImpsNetwork *net;
  gint64 latency_us;
  GHashTable *endpoints;   /* key (guint64 in a pointer-sized box) -> Endpoint* */
  GHashTable *by_id;       /* id -> Endpoint* */
  guint next_id;
  Slot *ring;              /* capacity slots, grown up to IMPS_SIP_BUS_MEDIA_SLOTS */
  guint capacity;
  guint head;
  guint count;
  guint media_timer;       /* clock timer id for the ring's head, 0 if none */
  GArray *taps;            /* of Tap */
  guint next_tap;
  guint64 dropped;
  GHashTable *sip_timers;  /* pending SIP deliveries: timer id -> NULL */
  ImpsSipFilterFunc filter;
  gpointer filter_data;
  ImpsSipBusOutside outside; /* all NULL: none */
};

static gboolean
parse_addr (const gchar *address, guint32 *out)
{
  struct in_addr a;
  if (inet_pton (AF_INET, address, &a) != 1)
    return FALSE;
  *out = a.s_addr;
  return TRUE;
}

static guint64
make_key (guint32 addr, guint16 port, gboolean media)
{
  return ((guint64) addr << 17) | ((guint64) port << 1) | (media ? 1 : 0);
}

/* The endpoint keys differ in a few bits of the address and port; mix all
 * 64 into the hash (the 64-bit finaliser of MurmurHash3), so that ten
 * thousand UEs with their media ports do not share hash chains. */
static guint
key_hash (gconstpointer p)
{
  guint64 k = *(const guint64 *) p;
  k ^= k >> 33;
  k *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  k ^= k >> 33;
  k *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  k ^= k >> 33;
  return (guint) k;
}

static Endpoint *
lookup (ImpsSipBus *bus, guint64 key)
{
  return g_hash_table_lookup (bus->endpoints, &key);
}

static void
endpoint_free (gpointer p)
{
  Endpoint *e = p;
  g_free (e->node_name);
  g_free (e->address);
  g_free (e);
}

ImpsSipBus *
imps_sip_bus_new (ImpsNetwork *net, gint64 latency_us)
{
  ImpsSipBus *bus = g_new0 (ImpsSipBus, 1);
  bus->net = net;
  /* At least 1 us, so a packet sent from a delivery callback is never
   * delivered in the same batch. */
  bus->latency_us = MAX (latency_us, 1);
  bus->endpoints = g_hash_table_new_full (key_hash, g_int64_equal, g_free, NULL);
  bus->by_id = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, endpoint_free);
  bus->next_id = 1;
  /* Small at first: a run of calls one after another has a few packets
   * in flight; the ring doubles when full, up to its bound. */
  bus->capacity = RING_FIRST_SLOTS;
  bus->ring = g_new (Slot, bus->capacity);
  bus->taps = g_array_new (FALSE, FALSE, sizeof (Tap));
  bus->next_tap = 1;
  bus->sip_timers = g_hash_table_new (g_direct_hash, g_direct_equal);
  return bus;
}

void
imps_sip_bus_free (ImpsSipBus *bus)
{
  if (bus == NULL)
    return;
  ImpsClock *clock = imps_network_get_clock (bus->net);
  if (bus->media_timer)
    imps_clock_timeout_remove (clock, bus->media_timer);
  GList *ids = g_hash_table_get_keys (bus->sip_timers);
  for (GList *l = ids; l; l = l->next)
    imps_clock_timeout_remove (clock, GPOINTER_TO_UINT (l->data));
  g_list_free (ids);
  g_hash_table_unref (bus->sip_timers);
  g_hash_table_unref (bus->endpoints);
  g_hash_table_unref (bus->by_id);
  g_free (bus->ring);
  g_array_unref (bus->taps);
  g_free (bus);
}

guint
imps_sip_bus_attach (ImpsSipBus *bus, gboolean media, const gchar *node_name,
                     const gchar *address, guint16 port,
                     ImpsBusReceiveFunc receive, gpointer user_data)
{
  guint32 a;
  g_return_val_if_fail (receive != NULL, 0);
  if (!parse_addr (address, &a))
    return 0;
  guint64 key = make_key (a, port, media);
  if (lookup (bus, key))
    return 0;
  Endpoint *e = g_new0 (Endpoint, 1);
  e->id = bus->next_id++;
  e->media = media;
  e->node_name = g_strdup (node_name);
  e->address = g_strdup (address);
  e->port = port;
  e->receive = receive;
  e->user_data = user_data;
  g_hash_table_insert (bus->endpoints, g_memdup2 (&key, sizeof key), e);
  g_hash_table_insert (bus->by_id, GUINT_TO_POINTER (e->id), e);
  if (!media)
    imps_network_register_node (bus->net, node_name, address);
  else if (bus->outside.attached)
    bus->outside.attached (address, port, bus->outside.user_data);
  return e->id;
}

void
imps_sip_bus_detach (ImpsSipBus *bus, guint id)
{
  Endpoint *e = g_hash_table_lookup (bus->by_id, GUINT_TO_POINTER (id));
  if (e == NULL)
    return;
  guint32 a = 0;
  parse_addr (e->address, &a); /* it parsed when attached */
  guint64 key = make_key (a, e->port, e->media);
  if (e->media && bus->outside.detached)
    bus->outside.detached (e->address, e->port, bus->outside.user_data);
  g_hash_table_remove (bus->endpoints, &key);
  g_hash_table_remove (bus->by_id, GUINT_TO_POINTER (id));
}

/* ---- SIP ---- */

typedef struct {
  ImpsSipBus *bus;
  guint timer;
  guint64 to_key;
  gchar *from_address;
  guint16 from_port;
  GBytes *bytes;
} SipDelivery;

static void
sip_delivery_free (gpointer p)
{
  SipDelivery *d = p;
  g_free (d->from_address);
  g_bytes_unref (d->bytes);
  g_free (d);
}

static gboolean
deliver_sip (gpointer data)
{
  SipDelivery *d = data;
  g_hash_table_remove (d->bus->sip_timers, GUINT_TO_POINTER (d->timer));
  Endpoint *e = lookup (d->bus, d->to_key);
  if (e)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (d->bytes, &len);
      e->receive (d->from_address, d->from_port, p, len, e->user_data);
    }
  return G_SOURCE_REMOVE;
}

static const gchar *
name_or_address (ImpsSipBus *bus, const gchar *address, guint16 port, gboolean media,
                 gchar *buf, gsize buflen)
{
  guint32 a;
  if (parse_addr (address, &a))
    {
      Endpoint *e = lookup (bus, make_key (a, port, media));
      if (e)
        return e->node_name;
    }
  g_snprintf (buf, buflen, "%s:%u", address, port);
  return buf;
}

gboolean
imps_sip_bus_send_sip (ImpsSipBus *bus, ImpsRefPoint ref,
                       const gchar *from_address, guint16 from_port,
                       const gchar *to_address, guint16 to_port,
                       GBytes *message, const gchar *summary)
{
  gchar fbuf[64], tbuf[64];
  const gchar *from = name_or_address (bus, from_address, from_port, FALSE, fbuf, sizeof fbuf);
  const gchar *to = name_or_address (bus, to_address, to_port, FALSE, tbuf, sizeof tbuf);
  g_autofree gchar *stream = g_strdup_printf ("sip %s:%u-%s:%u", from_address, from_port,
                                              to_address, to_port);
  guint32 a;
  Endpoint *e = parse_addr (to_address, &a) ? lookup (bus, make_key (a, to_port, FALSE)) : NULL;
  g_autoptr (GBytes) replaced = bus->filter != NULL
                                    ? bus->filter (ref, from, to, message, bus->filter_data)
                                    : NULL;

  if (replaced != NULL)
    message = replaced;
  imps_network_log (bus->net, IMPS_EVENT_MESSAGE, ref, IMPS_PROTO_SIP, from, to, message,
                    stream, NULL, "%s%s", summary, replaced ? " [altered by the sender]" : "");
  if (e == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("nothing listens at %s:%u", to_address, to_port);
      imps_network_log (bus->net, IMPS_EVENT_FAILURE, ref, IMPS_PROTO_SIP, from, NULL, NULL,
                        NULL, why, "SIP undeliverable");
      return FALSE;
    }
  SipDelivery *d = g_new0 (SipDelivery, 1);
  d->bus = bus;
  d->to_key = make_key (a, to_port, FALSE);
  d->from_address = g_strdup (from_address);
  d->from_port = from_port;
  d->bytes = g_bytes_ref (message);
  d->timer = imps_clock_timeout_add (imps_network_get_clock (bus->net), bus->latency_us,
                                     deliver_sip, d, sip_delivery_free);
  g_hash_table_add (bus->sip_timers, GUINT_TO_POINTER (d->timer));
  return TRUE;
}

void
imps_sip_bus_set_sip_filter (ImpsSipBus *bus, ImpsSipFilterFunc filter, gpointer user_data)
{
  bus->filter = filter;
  bus->filter_data = user_data;
}

/* ---- media ---- */

static void schedule_media (ImpsSipBus *bus);

/* Doubles the ring (it is full), keeping the packets in order from slot 0. */
static void
ring_grow (ImpsSipBus *bus)
{
  guint cap = MIN (bus->capacity * 2, IMPS_SIP_BUS_MEDIA_SLOTS);
  Slot *ring = g_new (Slot, cap);
  for (guint i = 0; i < bus->count; i++)
    {
      const Slot *from = &bus->ring[(bus->head + i) % bus->capacity];
      memcpy (&ring[i], from, G_STRUCT_OFFSET (Slot, data) + from->len);
    }
  g_free (bus->ring);
  bus->ring = ring;
  bus->capacity = cap;
  bus->head = 0;
}

static gboolean
deliver_media (gpointer data)
{
  ImpsSipBus *bus = data;
  gint64 now = imps_clock_now_us (imps_network_get_clock (bus->net));

  bus->media_timer = 0;
  while (bus->count > 0)
    {
      Slot *s = &bus->ring[bus->head];
      if (s->due_us > now)
        break;
      Endpoint *e = lookup (bus, s->to_key);
      if (e)
        {
          gchar from[INET_ADDRSTRLEN];
          struct in_addr ia = { s->from_addr };
          inet_ntop (AF_INET, &ia, from, sizeof from);
          e->receive (from, s->from_port, s->data, s->len, e->user_data);
        }
      else
        bus->dropped++;
      bus->head = (bus->head + 1) % bus->capacity;
      bus->count--;
    }
  schedule_media (bus);
  return G_SOURCE_REMOVE;
}

static void
schedule_media (ImpsSipBus *bus)
{
  if (bus->media_timer || bus->count == 0)
    return;
  ImpsClock *clock = imps_network_get_clock (bus->net);
  gint64 delay = bus->ring[bus->head].due_us - imps_clock_now_us (clock);
  /* quiet: delivering media reaches endpoints that count, relay and send
   * media again, nothing that needs the main loop */
  bus->media_timer = imps_clock_quiet_timeout_add (clock, MAX (delay, 0), deliver_media, bus,
                                                   NULL);
}

gboolean
imps_sip_bus_send_media (ImpsSipBus *bus, ImpsProtocol proto,
                         const gchar *from_address, guint16 from_port,
                         const gchar *to_address, guint16 to_port,
                         const guint8 *data, gsize len)
{
  guint32 fa, ta;
  if (bus->count == bus->capacity && bus->capacity < IMPS_SIP_BUS_MEDIA_SLOTS)
    ring_grow (bus);
  if (len > IMPS_SIP_BUS_MAX_PACKET || bus->count == bus->capacity
      || !parse_addr (from_address, &fa) || !parse_addr (to_address, &ta))
    {
      bus->dropped++;
      return FALSE;
    }
  gint64 now = imps_clock_now_us (imps_network_get_clock (bus->net));
  for (guint i = 0; i < bus->taps->len; i++)
    {
      Tap *t = &g_array_index (bus->taps, Tap, i);
      t->tap (now, proto, from_address, from_port, to_address, to_port, data, len, t->user_data);
    }
  if (bus->outside.send && lookup (bus, make_key (ta, to_port, TRUE)) == NULL)
    {
      if (bus->outside.send (proto, from_address, from_port, to_address, to_port, data, len,
                             bus->outside.user_data))
        return TRUE;
      bus->dropped++;
      return FALSE;
    }
  Slot *s = &bus->ring[(bus->head + bus->count) % bus->capacity];
  s->due_us = now + bus->latency_us;
  s->proto = proto;
  s->from_addr = fa;
  s->from_port = from_port;
  s->to_key = make_key (ta, to_port, TRUE);
  s->len = (guint16) len;
  memcpy (s->data, data, len);
  bus->count++;
  schedule_media (bus);
  return TRUE;
}

guint
imps_sip_bus_add_media_tap (ImpsSipBus *bus, ImpsMediaTapFunc tap, gpointer user_data)
{
  Tap t = { bus->next_tap++, tap, user_data };
  g_array_append_val (bus->taps, t);
  return t.id;
}

void
imps_sip_bus_remove_media_tap (ImpsSipBus *bus, guint id)
{
  for (guint i = 0; i < bus->taps->len; i++)
    if (g_array_index (bus->taps, Tap, i).id == id)
      {
        g_array_remove_index (bus->taps, i);
        return;
      }
}

void
imps_sip_bus_set_outside (ImpsSipBus *bus, const ImpsSipBusOutside *outside)
{
  if (outside)
    bus->outside = *outside;
  else
    memset (&bus->outside, 0, sizeof bus->outside);
}

gboolean
imps_sip_bus_deliver_media (ImpsSipBus *bus, ImpsProtocol proto,
                            const gchar *from_address, guint16 from_port,
                            const gchar *to_address, guint16 to_port,
                            const guint8 *data, gsize len)
{
  guint32 ta;
  Endpoint *e = len <= IMPS_SIP_BUS_MAX_PACKET && parse_addr (to_address, &ta)
                    ? lookup (bus, make_key (ta, to_port, TRUE)) : NULL;
  if (e == NULL)
    {
      bus->dropped++;
      return FALSE;
    }
  gint64 now = imps_clock_now_us (imps_network_get_clock (bus->net));
  for (guint i = 0; i < bus->taps->len; i++)
    {
      Tap *t = &g_array_index (bus->taps, Tap, i);
      t->tap (now, proto, from_address, from_port, to_address, to_port, data, len, t->user_data);
    }
  e->receive (from_address, from_port, data, len, e->user_data);
  return TRUE;
}

guint64
imps_sip_bus_media_dropped (ImpsSipBus *bus)
{
  return bus->dropped;
}
