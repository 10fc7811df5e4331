/* The media receive path of `serve` without sockets: a datagram that
 * arrived at a media port (imps_media_sockets_receive), checked against
 * the port's peer, classed RTP or RTCP and given to a UE's media endpoint
 * with an SRTP receive key (unprotect, payload, sequence and loss checks).
 * The first input byte picks the source (bit 0: the peer the port sends
 * to, or another port of it; bit 1: the media port, or a port nobody
 * listens on; bit 2: instead the address and port the SDP names for the
 * outside end, imps_media_sockets_expect(), of a call not yet answered);
 * the rest is the datagram. Nothing may crash, and every datagram is
 * counted exactly once: delivered, from an unknown source or too large;
 * what comes from the SDP's address before the answer is early media.
 *
 * Seeds: an RTP header with a short payload, an RTCP SR, a datagram from
 * the wrong port, early media from the SDP's port, written for this
 * target. */
#include "imps-media-sockets.h"
#include "imps-ue-media.h"

#include <stdint.h>
#include <string.h>

#define FZ_NOW_UNIX_US G_GINT64_CONSTANT (1767225600000000) /* 2026-01-01 */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static ImpsMediaSockets *ms;

static void
setup (void)
{
  static ImpsClock *vclock;
  static ImpsRandom *root;
  static ImpsNetwork *net;
  static ImpsSipBus *bus;
  static ImpsUeMedia *media;
  vclock = imps_clock_new_virtual (FZ_NOW_UNIX_US);
  root = imps_random_new_seeded (16);
  net = imps_network_new (vclock, root);
  bus = imps_sip_bus_new (net, 1000);
  ms = imps_media_sockets_new (net, bus, TRUE);
  g_autoptr (ImpsRandom) rnd = imps_network_new_random (net, "fuzz media");
  media = imps_ue_media_new (bus, vclock, "ue", "127.1.1.1", 40000, rnd, NULL, NULL);
  g_assert (media != NULL);
  guint8 key[30];
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) i;
  g_assert (imps_ue_media_set_rx_key (media, IMPS_SRTP_AES_CM_128_HMAC_SHA1_80, key, sizeof key,
                                      0, 0, 0, NULL));
  /* the port learns its peer from what it sends */
  const guint8 probe[12] = { 0x80, 0, 0, 1 };
  g_assert (imps_sip_bus_send_media (bus, IMPS_PROTO_RTP, "127.1.1.1", 40000, "127.0.0.1", 4000,
                                     probe, sizeof probe));
  /* the SDP names another port of the outside end: early media */
  imps_media_sockets_expect (ms, "127.1.1.1", 40000, "127.1.1.1", 40001, "127.0.0.1", 4010,
                             "127.0.0.1", 4011, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (ms == NULL)
    setup ();
  if (size == 0)
    return 0;
  ImpsMediaSocketsStats before, after;
  imps_media_sockets_get_stats (ms, &before);
  guint16 from_port = (data[0] & 4) ? 4010 : (data[0] & 1) ? 4002 : 4000;
  imps_media_sockets_receive (ms, "127.1.1.1", (data[0] & 2) ? 40100 : 40000, "127.0.0.1",
                              from_port, data + 1, size - 1);
  imps_media_sockets_get_stats (ms, &after);
  g_assert (after.received == before.received + 1);
  g_assert (after.early <= after.delivered);
  g_assert (after.early == before.early
            || (from_port == 4010 && after.delivered == before.delivered + 1));
  g_assert (after.delivered + after.unknown_source + after.too_large
            == before.delivered + before.unknown_source + before.too_large + 1);
  return 0;
}
