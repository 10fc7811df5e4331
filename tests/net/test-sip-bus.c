/* In-process SIP and media delivery on the virtual clock. */
#include "imps-sip-bus.h"
#include "imps-media-sockets.h"

#include <string.h>

typedef struct {
  guint n;
  gchar from[64];
  guint16 from_port;
  guint8 last[IMPS_SIP_BUS_MAX_PACKET];
  gsize last_len;
  guint32 expect_seq;
  gboolean in_order;
} Rx;

static void
receive (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  Rx *rx = user_data;
  rx->n++;
  g_strlcpy (rx->from, from, sizeof rx->from);
  rx->from_port = port;
  memcpy (rx->last, data, len);
  rx->last_len = len;
  if (len >= 4)
    {
      guint32 seq = ((guint32) data[0] << 24) | ((guint32) data[1] << 16) | ((guint32) data[2] << 8) | data[3];
      if (seq != rx->expect_seq)
        rx->in_order = FALSE;
      rx->expect_seq = seq + 1;
    }
}

static void
tap (gint64 t, ImpsProtocol proto, const gchar *fa, guint16 fp, const gchar *ta, guint16 tp,
     const guint8 *data, gsize len, gpointer user_data)
{
  guint *n = user_data;
  (*n)++;
}

static void
test_sip (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (0);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (1);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  g_autoptr (ImpsSipBus) bus = imps_sip_bus_new (net, 1000);
  Rx a = { 0 }, b = { 0 };

  g_assert_cmpuint (imps_sip_bus_attach (bus, FALSE, "ue1", "127.1.1.1", 5060, receive, &a), >, 0);
  guint bid = imps_sip_bus_attach (bus, FALSE, "pcscf.home1.net", "127.0.1.40", 5060, receive, &b);
  g_assert_cmpuint (bid, >, 0);
  /* The same address and port twice: refused. */
  g_assert_cmpuint (imps_sip_bus_attach (bus, FALSE, "x", "127.0.1.40", 5060, receive, &b), ==, 0);

  g_autoptr (GBytes) msg = g_bytes_new_static ("INVITE sip:bob@home2.net SIP/2.0\r\n\r\n", 36);
  g_assert_true (imps_sip_bus_send_sip (bus, IMPS_REF_GM, "127.1.1.1", 5060, "127.0.1.40", 5060,
                                        msg, "INVITE"));
  g_assert_cmpuint (b.n, ==, 0);           /* not before the latency */
  imps_clock_advance (clock, 999);
  g_assert_cmpuint (b.n, ==, 0);
  imps_clock_advance (clock, 1);
  g_assert_cmpuint (b.n, ==, 1);
  g_assert_cmpstr (b.from, ==, "127.1.1.1");
  g_assert_cmpmem (b.last, b.last_len, g_bytes_get_data (msg, NULL), 36);

  ImpsEventLog *log = imps_network_get_event_log (net);
  g_assert_cmpuint (imps_event_log_len (log), ==, 1);
  const ImpsEvent *e = imps_event_log_get (log, 0);
  g_assert_cmpstr (e->from, ==, "ue1");
  g_assert_cmpstr (e->to, ==, "pcscf.home1.net");
  g_assert_cmpint (e->ref, ==, IMPS_REF_GM);

  /* Nobody at the destination: logged as a failure, not delivered. */
  g_assert_false (imps_sip_bus_send_sip (bus, IMPS_REF_GM, "127.1.1.1", 5060, "127.0.9.9", 5060,
                                         msg, "INVITE"));
  g_assert_cmpint (imps_event_log_get (log, imps_event_log_len (log) - 1)->kind, ==,
                   IMPS_EVENT_FAILURE);

  /* Detached: a message in flight is dropped on arrival. */
  imps_sip_bus_send_sip (bus, IMPS_REF_GM, "127.1.1.1", 5060, "127.0.1.40", 5060, msg, "BYE");
  imps_sip_bus_detach (bus, bid);
  imps_clock_advance (clock, 5000);
  g_assert_cmpuint (b.n, ==, 1);
}

static void
test_media (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (0);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (1);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  g_autoptr (ImpsSipBus) bus = imps_sip_bus_new (net, 500);
  Rx rx = { .in_order = TRUE };
  guint tapped = 0;
  guint8 pkt[172] = { 0 };

  imps_sip_bus_attach (bus, TRUE, "ue2", "127.2.1.1", 40000, receive, &rx);
  imps_sip_bus_add_media_tap (bus, tap, &tapped);
  for (guint32 i = 0; i < 1000; i++)
    {
      pkt[0] = (guint8) (i >> 24);
      pkt[1] = (guint8) (i >> 16);
      pkt[2] = (guint8) (i >> 8);
      pkt[3] = (guint8) i;
      g_assert_true (imps_sip_bus_send_media (bus, IMPS_PROTO_RTP, "127.1.1.1", 40000,
                                              "127.2.1.1", 40000, pkt, sizeof pkt));
      imps_clock_advance (clock, 20000); /* 50 packets a second */
    }
  g_assert_cmpuint (rx.n, ==, 1000);
  g_assert_true (rx.in_order);
  g_assert_cmpuint (tapped, ==, 1000);
  g_assert_cmpuint (rx.last_len, ==, sizeof pkt);
  /* Media is not in the event log (taps see it instead). */
  g_assert_cmpuint (imps_event_log_len (imps_network_get_event_log (net)), ==, 0);

  /* The ring fills without the clock moving; the excess is dropped and
   * counted, and the rest is delivered in order. */
  rx.n = 0;
  guint sent = 0;
  for (guint32 i = 0; i < IMPS_SIP_BUS_MEDIA_SLOTS + 10; i++)
    {
      pkt[0] = (guint8) (i >> 24);
      pkt[1] = (guint8) (i >> 16);
      pkt[2] = (guint8) (i >> 8);
      pkt[3] = (guint8) i;
      if (i == 0)
        rx.expect_seq = 0;
      sent += imps_sip_bus_send_media (bus, IMPS_PROTO_RTP, "127.1.1.1", 40000, "127.2.1.1",
                                       40000, pkt, sizeof pkt);
    }
  g_assert_cmpuint (sent, ==, IMPS_SIP_BUS_MEDIA_SLOTS);
  g_assert_cmpuint (imps_sip_bus_media_dropped (bus), ==, 10);
  imps_clock_advance (clock, 1000);
  g_assert_cmpuint (rx.n, ==, IMPS_SIP_BUS_MEDIA_SLOTS);
  /* in order through the ring's growth, which began with its head
   * mid-ring (after the first 1,000 packets) */
  g_assert_true (rx.in_order);

  /* Too large, and nobody listening: dropped and counted. */
  guint8 big[IMPS_SIP_BUS_MAX_PACKET + 1] = { 0 };
  g_assert_false (imps_sip_bus_send_media (bus, IMPS_PROTO_RTP, "127.1.1.1", 1, "127.2.1.1", 40000,
                                           big, sizeof big));
  g_assert_true (imps_sip_bus_send_media (bus, IMPS_PROTO_RTP, "127.1.1.1", 1, "127.9.9.9", 1,
                                          pkt, 12));
  imps_clock_advance (clock, 1000);
  g_assert_cmpuint (imps_sip_bus_media_dropped (bus), ==, 12);
}

/* Media sockets (socketless): what the SDP names for each media line of a
 * call is taken before the endpoint sent anything and counted as early
 * media, RTP on the line's port and RTCP from where a=rtcp said; RTCP from
 * the RTP port + 1 of a line with a=rtcp is from an unknown source. */
static void
test_media_sockets_expect (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (0);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (1);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  g_autoptr (ImpsSipBus) bus = imps_sip_bus_new (net, 500);
  g_autoptr (ImpsMediaSockets) ms = imps_media_sockets_new (net, bus, TRUE);
  Rx rtp[2] = { 0 }, rtcp[2] = { 0 };
  for (guint i = 0; i < 2; i++)
    {
      imps_sip_bus_attach (bus, TRUE, "ue1", "127.1.1.1", (guint16) (40000 + 2 * i), receive,
                           &rtp[i]);
      imps_sip_bus_attach (bus, TRUE, "ue1", "127.1.1.1", (guint16) (40001 + 2 * i), receive,
                           &rtcp[i]);
    }
  /* line 0: RTCP at the next port; line 1: a=rtcp:50100 IN IP4 127.0.0.9 */
  imps_media_sockets_expect (ms, "127.1.1.1", 40000, "127.1.1.1", 40001, "127.0.0.1", 50000,
                             "127.0.0.1", 50001, FALSE);
  imps_media_sockets_expect (ms, "127.1.1.1", 40002, "127.1.1.1", 40003, "127.0.0.1", 50002,
                             "127.0.0.9", 50100, FALSE);
  guint8 pkt[20] = { 0x80, 0 };
  guint8 sr[28] = { 0x80, 200, 0, 6 };
  imps_media_sockets_receive (ms, "127.1.1.1", 40000, "127.0.0.1", 50000, pkt, sizeof pkt);
  imps_media_sockets_receive (ms, "127.1.1.1", 40001, "127.0.0.1", 50001, sr, sizeof sr);
  imps_media_sockets_receive (ms, "127.1.1.1", 40002, "127.0.0.1", 50002, pkt, sizeof pkt);
  imps_media_sockets_receive (ms, "127.1.1.1", 40003, "127.0.0.9", 50100, sr, sizeof sr);
  imps_media_sockets_receive (ms, "127.1.1.1", 40003, "127.0.0.1", 50003, sr, sizeof sr);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (rtp[i].n, ==, 1);
      g_assert_cmpuint (rtcp[i].n, ==, 1);
    }
  g_assert_cmpstr (rtcp[1].from, ==, "127.0.0.9");
  g_assert_cmpuint (rtcp[1].from_port, ==, 50100);
  ImpsMediaSocketsStats st;
  imps_media_sockets_get_stats (ms, &st);
  g_assert_cmpuint (st.received, ==, 5);
  g_assert_cmpuint (st.delivered, ==, 4);
  g_assert_cmpuint (st.early, ==, 4);
  g_assert_cmpuint (st.unknown_source, ==, 1);
  /* answered: still taken, no longer early */
  imps_media_sockets_expect (ms, "127.1.1.1", 40002, "127.1.1.1", 40003, "127.0.0.1", 50002,
                             "127.0.0.9", 50100, TRUE);
  imps_media_sockets_receive (ms, "127.1.1.1", 40002, "127.0.0.1", 50002, pkt, sizeof pkt);
  imps_media_sockets_get_stats (ms, &st);
  g_assert_cmpuint (st.delivered, ==, 5);
  g_assert_cmpuint (st.early, ==, 4);
  g_assert_cmpuint (rtp[1].n, ==, 2);
}


int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip-bus/sip", test_sip);
  g_test_add_func ("/sip-bus/media", test_media);
  g_test_add_func ("/sip-bus/media-sockets-expect", test_media_sockets_expect);
  return g_test_run ();
}
