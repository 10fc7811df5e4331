/* Benchmark of the IMS-AGW relay (src/ims): one 172-byte RTP packet
 * (12-byte header + 160 bytes of PCMU, docs/profile.md §7) that the UE
 * protects, sends to the AGW over the SIP bus, and that the AGW unprotects
 * and relays as RTP into the core, on the virtual clock. Printed as ratios
 * to two baselines measured in the same run, never as a time alone:
 *   srtp   the UE's protect plus an unprotect of the same packet, called
 *          directly (the cryptographic work the relay cannot avoid);
 *   bus    the same two bus hops with a plain forwarder in the middle
 *          (the delivery work the relay cannot avoid).
 * The call is set up through a real P-CSCF; the S-CSCF side is a scripted
 * endpoint that answers REGISTER and INVITE. Never asserted. Timing:
 * bench/imps-bench.h (thread CPU time, alternating rounds).
 */
#include "imps-ims.h"
#include "imps-sip-bus.h"
#include "sip/imps-sip-headers.h"
#include "sip/imps-sip-message.h"
#include "sdp/imps-sdes.h"
#include "srtp/imps-srtp.h"

#include <stdio.h>
#include <string.h>

#include "imps-bench.h"

#define RTP_LEN 172
#define LATENCY_US 100

typedef struct {
  ImpsSipMessage *last;   /* the last SIP message the scripted S-CSCF or UE got */
  guint64 media;
} Sink;

static void
sip_sink (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  Sink *s = user_data;
  g_clear_pointer (&s->last, imps_sip_message_free);
  s->last = imps_sip_message_parse (data, len, NULL);
}

static void
media_sink (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  ((Sink *) user_data)->media++;
}

typedef struct {
  ImpsSipBus *bus;
} Forwarder;

static void
forwarder (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  Forwarder *f = user_data;
  imps_sip_bus_send_media (f->bus, IMPS_PROTO_RTP, "127.0.9.2", 40000, "127.0.9.1", 40000, data,
                           len);
}

typedef struct {
  ImpsSipBus *bus;
  ImpsClock *clock;
  ImpsSrtpSession *tx, *tx2, *rx;
  guint16 agw_port;
  guint16 seq;         /* of the relayed stream */
  guint16 seq2;        /* of the baseline's stream */
  guint16 seq_bus;
  guint8 buf[RTP_LEN + IMPS_SRTP_MAX_TRAILER_LEN];
} Ctx;

static void make_rtp (guint8 *buf, guint16 seq);

/* the relay: UE protect, bus to the AGW, unprotect, bus to the core */
static gboolean
op_relay (gpointer data, guint64 first, guint64 n)
{
  Ctx *c = data;
  gsize out_len;
  for (guint64 i = 0; i < n; i++)
    {
      make_rtp (c->buf, ++c->seq);
      imps_srtp_session_protect_rtp (c->tx, c->buf, RTP_LEN, sizeof c->buf, &out_len, NULL);
      imps_sip_bus_send_media (c->bus, IMPS_PROTO_RTP, "127.1.1.1", 30000, "127.0.1.41",
                               c->agw_port, c->buf, out_len);
      imps_clock_advance (c->clock, 2 * LATENCY_US);
    }
  return TRUE;
}

/* srtp baseline */
static gboolean
op_srtp (gpointer data, guint64 first, guint64 n)
{
  Ctx *c = data;
  gsize out_len;
  for (guint64 i = 0; i < n; i++)
    {
      make_rtp (c->buf, ++c->seq2);
      imps_srtp_session_protect_rtp (c->tx2, c->buf, RTP_LEN, sizeof c->buf, &out_len, NULL);
      imps_srtp_session_unprotect_rtp (c->rx, c->buf, out_len, &out_len, NULL);
    }
  return TRUE;
}

/* bus baseline: two hops through a plain forwarder */
static gboolean
op_bus (gpointer data, guint64 first, guint64 n)
{
  Ctx *c = data;
  for (guint64 i = 0; i < n; i++)
    {
      make_rtp (c->buf, ++c->seq_bus);
      imps_sip_bus_send_media (c->bus, IMPS_PROTO_RTP, "127.1.1.1", 30000, "127.0.9.2", 40000,
                               c->buf, RTP_LEN);
      imps_clock_advance (c->clock, 2 * LATENCY_US);
    }
  return TRUE;
}

static void
send_sip (ImpsSipBus *bus, const gchar *from, const gchar *to, ImpsSipMessage *msg)
{
  g_autoptr (GBytes) b = imps_sip_message_to_bytes (msg);
  imps_sip_bus_send_sip (bus, IMPS_REF_GM, from, 5060, to, 5060, b, "bench");
}

static void
make_rtp (guint8 *buf, guint16 seq)
{
  memset (buf, 0, RTP_LEN);
  buf[0] = 0x80;
  buf[2] = (guint8) (seq >> 8);
  buf[3] = (guint8) seq;
  buf[11] = 0x42;
}

int
main (int argc, char **argv)
{
  imps_bench_options (&argc, &argv, NULL,
                      "The IMS-AGW's SRTP-to-RTP relay against the SRTP work alone and against "
                      "plain bus hops, in the same run.",
                      NULL);
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (0);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (5);
  g_autoptr (ImpsRandom) ue_rnd = imps_random_new_seeded (6);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  g_autoptr (ImpsSipBus) bus = imps_sip_bus_new (net, LATENCY_US);
  ImpsPcscfConfig cfg = {
    .domain = "home1.net", .address = "127.0.1.40", .agw_address = "127.0.1.41",
    .scscf_address = "127.0.1.50",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsPcscf) pcscf = imps_pcscf_new (net, bus, &cfg, &error);
  Sink scscf = { 0 }, ue = { 0 }, core = { 0 };
  imps_sip_bus_attach (bus, FALSE, "scscf", "127.0.1.50", 5060, sip_sink, &scscf);
  imps_sip_bus_attach (bus, FALSE, "ue", "127.1.1.1", 5060, sip_sink, &ue);
  imps_sip_bus_attach (bus, TRUE, "core", "127.0.9.1", 40000, media_sink, &core);
  Forwarder fwd = { bus };
  imps_sip_bus_attach (bus, TRUE, "fwd", "127.0.9.2", 40000, forwarder, &fwd);

  /* REGISTER through the P-CSCF, answered by the scripted S-CSCF. */
  const gchar *reg_text =
    "REGISTER sip:home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.1.1.1:5060;branch=z9hG4bKbenchreg\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:alice@home1.net>;tag=1\r\nTo: <sip:alice@home1.net>\r\n"
    "Call-ID: bench-reg\r\nCSeq: 1 REGISTER\r\n"
    "Contact: <sip:alice@127.1.1.1:5060>;expires=3600\r\nContent-Length: 0\r\n\r\n";
  g_autoptr (ImpsSipMessage) reg = imps_sip_message_parse ((const guint8 *) reg_text,
                                                           strlen (reg_text), &error);
  send_sip (bus, "127.1.1.1", "127.0.1.40", reg);
  imps_clock_advance (clock, 10 * LATENCY_US);
  g_autoptr (ImpsSipMessage) reg_ok = imps_sip_message_new_response_for (scscf.last, 200, NULL,
                                                                          "r", &error);
  imps_sip_message_append_header (reg_ok, "Contact", "<sip:alice@127.1.1.1:5060>;expires=3600");
  send_sip (bus, "127.0.1.50", "127.0.1.40", reg_ok);
  imps_clock_advance (clock, 10 * LATENCY_US);

  /* An e2ae INVITE; the far end answers plain RTP at 127.0.9.1:40000. */
  g_autofree gchar *sdp_text = g_strdup (
    "v=0\r\no=alice 1 1 IN IP4 127.1.1.1\r\ns=-\r\nc=IN IP4 127.1.1.1\r\nt=0 0\r\n"
    "m=audio 30000 RTP/SAVP 0\r\n");
  g_autoptr (ImpsSdp) offer = imps_sdp_parse (sdp_text, strlen (sdp_text), &error);
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  imps_sdes_offer_add (imps_sdp_get_media (offer, 0), &policy, ue_rnd, &error);
  imps_sdp_media_add_attribute (imps_sdp_get_media (offer, 0), "3ge2ae", "requested", &error);
  gsize len;
  gchar *offer_text = imps_sdp_to_string (offer, &len);
  g_autoptr (GBytes) offer_body = g_bytes_new (offer_text, len);
  imps_sdp_string_free (offer_text);
  g_autoptr (ImpsSipMessage) inv = imps_sip_message_new_request ("INVITE", "sip:bob@home2.net");
  g_autoptr (ImpsSipVia) via = imps_sip_via_new ("UDP", "127.1.1.1", 5060, "z9hG4bKbenchinv");
  imps_sip_message_push_via (inv, via);
  imps_sip_message_set_max_forwards (inv, 70);
  imps_sip_message_append_header (inv, "From", "<sip:alice@home1.net>;tag=2");
  imps_sip_message_append_header (inv, "To", "<sip:bob@home2.net>");
  imps_sip_message_set_call_id (inv, "bench-call");
  imps_sip_message_set_cseq (inv, 1, "INVITE");
  imps_sip_message_append_header (inv, "Contact", "<sip:alice@127.1.1.1:5060>");
  imps_sip_message_set_body (inv, offer_body, "application/sdp");
  send_sip (bus, "127.1.1.1", "127.0.1.40", inv);
  imps_clock_advance (clock, 10 * LATENCY_US);
  const gchar *answer_text = "v=0\r\no=bob 1 1 IN IP4 127.0.9.1\r\ns=-\r\nc=IN IP4 127.0.9.1\r\n"
                             "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
  g_autoptr (GBytes) answer_body = g_bytes_new_static (answer_text, strlen (answer_text));
  g_autoptr (ImpsSipMessage) ok = imps_sip_message_new_response_for (scscf.last, 200, NULL, "b",
                                                                      &error);
  imps_sip_message_append_header (ok, "Contact", "<sip:bob@127.0.9.1:5060>");
  imps_sip_message_set_body (ok, answer_body, "application/sdp");
  send_sip (bus, "127.0.1.50", "127.0.1.40", ok);
  imps_clock_advance (clock, 10 * LATENCY_US);
  if (ue.last == NULL || imps_sip_message_get_status (ue.last) != 200)
    {
      fprintf (stderr, "bench-agw: the call was not set up\n");
      return 1;
    }
  GBytes *ab = imps_sip_message_get_body (ue.last);
  const gchar *ad = g_bytes_get_data (ab, &len);
  g_autoptr (ImpsSdp) answer = imps_sdp_parse (ad, len, &error);
  g_auto (ImpsSdesKeys) keys = { 0 };
  if (answer == NULL
      || !imps_sdes_negotiate (imps_sdp_get_media (offer, 0), imps_sdp_get_media (answer, 0),
                               &policy, &keys, &error))
    {
      fprintf (stderr, "bench-agw: %s\n", error != NULL ? error->message : "no answer");
      return 1;
    }
  guint16 agw_port = (guint16) imps_sdp_media_get_port (imps_sdp_get_media (answer, 0));

  ImpsSrtpConfig scfg;
  imps_srtp_config_init (&scfg, IMPS_SRTP_SENDER);
  ImpsSrtpMasterKey k = { .key_salt = keys.offerer_key_salt, .key_salt_len = keys.key_salt_len };
  g_autoptr (ImpsSrtpSession) tx = imps_srtp_session_new (&scfg, &k, 1, &error);
  g_autoptr (ImpsSrtpSession) tx2 = imps_srtp_session_new (&scfg, &k, 1, &error);
  imps_srtp_config_init (&scfg, IMPS_SRTP_RECEIVER);
  g_autoptr (ImpsSrtpSession) rx = imps_srtp_session_new (&scfg, &k, 1, &error);
  Ctx c = { bus, clock, tx, tx2, rx, agw_port, 0, 0, 0, { 0 } };
  ImpsBench *b = imps_bench_new ("ims-agw", 9, 30 * 1000 * 1000);
  guint relay = imps_bench_add (b, "relay (protect, AGW, 2 hops)", "packet", op_relay, &c);
  guint srtp = imps_bench_add (b, "protect + unprotect", "packet", op_srtp, &c);
  guint hops = imps_bench_add (b, "two bus hops, no SRTP", "packet", op_bus, &c);
  imps_bench_run (b);
  ImpsAgwStats st;
  imps_pcscf_agw_stats (pcscf, "bench-call", &st);
  printf ("IMS-AGW relay of a %u-byte SRTP packet to RTP (%" G_GUINT64_FORMAT " relayed, "
          "%" G_GUINT64_FORMAT " dropped)\n", RTP_LEN, st.rtp_to_core, st.dropped);
  imps_bench_print (b);
  imps_bench_ratio (b, "relay / (protect + unprotect)", relay, srtp);
  imps_bench_ratio (b, "relay / (two bus hops, no SRTP)", relay, hops);
  printf ("  relay / (srtp + bus baselines, medians)  %.2f\n",
          imps_bench_item_median (b, relay, NULL)
              / (imps_bench_item_median (b, srtp, NULL) + imps_bench_item_median (b, hops, NULL)));
  g_clear_pointer (&scscf.last, imps_sip_message_free);
  g_clear_pointer (&ue.last, imps_sip_message_free);
  return imps_bench_finish (b);
}
