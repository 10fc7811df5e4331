/* Media of calls with an outside end under serve, as a raw SIP and SRTP
 * client sees it over loopback UDP, with --media-ports, --pcap and --ladder:
 *
 *   1. early media: the script's call from the simulated bob reaches the
 *      outside device carol, who answers 183 with her SDP and sends SRTP to
 *      bob's port before her 200: the media socket takes it from the
 *      address and port of her SDP (bob has sent nothing yet) and counts it
 *      as early media, nothing is dropped as from an unknown source, and
 *      bob verifies it with the keys of the 183's answer; her SRTCP comes
 *      from the port her a=rtcp names (RFC 3605), and bob takes it too;
 *   2. carol calls bob with SDES e2ae: the AGW answers for bob and takes
 *      carol's SRTP at once after the 200;
 *   3. every media port in the SDP (bob's, the AGW's) is in --media-ports;
 *   4. the capture holds carol's SIP with the P-CSCF (Gm) on the ports
 *      both really used, her SRTP with the AGW (the access leg) and the
 *      AGW's RTP to bob (the core leg); the ladder shows carol's column and
 *      her messages;
 *   5. a port of the range in use on a media address stops serve at start
 *      with a message that names it; a range that is not LOW-HIGH is a
 *      usage error. */
#include "imps-test.h"
#include "outside-ue.h"
#include "digest/imps-digest.h"
#include "imps-pcap.h"
#include "imps-ue-media.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static const gchar *impsim_path;

static const gchar scenario_text[] =
  "[scenario]\n"
  "name = outside-media\n"
  "description = bob is simulated, carol is an outside device slot\n"
  "seed = 9\n"
  "start = 2026-01-01T08:00:00Z\n"
  "\n"
  "[operator lab]\n"
  "number = 9\n"
  "domain = lab9.net\n"
  "\n"
  "[subscriber bob]\n"
  "operator = lab\n"
  "impi = bob@lab9.net\n"
  "impu = sip:bob@lab9.net\n"
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
  "opc = cd63cb71954a9f4e48a5994e37a02baf\n"
  "answer-after = 1s\n"
  "\n"
  "[subscriber carol]\n"
  "operator = lab\n"
  "impi = carol@lab9.net\n"
  "impu = sip:carol@lab9.net\n"
  "k = 9e5944aea94b81165c82fbf9f32db751\n"
  "opc = a64a507ae1a2a98bb88eb4210135dc87\n"
  "password = carol pass\n"
  "\n"
  "[script]\n"
  "call = bob carol security=sdes-e2e media=3s\n";

#define PASSWORD "carol pass"
#define MEDIA_PACKETS 40
#define EARLY_PACKETS 20
#define PORT_FIRST 31000
#define PORT_LAST 31099

/* the port carol's a=rtcp named in the first call */
static guint16 carol_rtcp_port;

/* bob (the script) calls carol: 183 with carol's SDP, early SRTP to bob's
 * port, 200, ACK, media, BYE from bob. bob's media address and port in
 * @bob_addr, @bob_port. */
static gchar *
take_call_early (OuUe *ue, gchar bob_addr[64], guint16 *bob_port)
{
  g_autofree gchar *invite = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (invite, "INVITE sip:carol@127.0.0.1:"));
  guint8 bob_key[30], my_key[30];
  guint tag;
  ou_sdp_read (ou_body (invite), bob_addr, bob_port, bob_key, &tag);
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0x50 + i);
  g_autofree gchar *vias = ou_header_lines (invite, "Via");
  g_autofree gchar *rr = ou_header_lines (invite, "Record-Route");
  g_autofree gchar *from = ou_header (invite, "From");
  g_autofree gchar *to = ou_header (invite, "To");
  g_autofree gchar *call_id = ou_header (invite, "Call-ID");
  g_autofree gchar *cseq = ou_header (invite, "CSeq");
  /* her RTCP on a socket of its own, named by a=rtcp (RFC 3605) */
  guint16 rtcp_port = 0;
  g_autoptr (GSocket) rtcp = ou_udp_socket (&rtcp_port);
  while (rtcp_port == ue->rtp_port + 1)
    {
      g_autoptr (GSocket) next = ou_udp_socket (&rtcp_port);
      g_object_unref (g_steal_pointer (&rtcp));
      rtcp = g_steal_pointer (&next);
    }
  g_autofree gchar *offer = ou_sdp_offer (ue, my_key, tag, FALSE);
  g_autofree gchar *sdp = g_strdup_printf ("%sa=rtcp:%u IN IP4 127.0.0.1\r\n", offer, rtcp_port);
  g_autofree gchar *progress = g_strdup_printf (
    "SIP/2.0 183 Session Progress\r\n%s%sFrom: %s\r\nTo: %s;tag=carol9\r\nCall-ID: %s\r\n"
    "CSeq: %s\r\nContact: <sip:carol@127.0.0.1:%u>\r\nContent-Type: application/sdp\r\n"
    "Content-Length: %zu\r\n\r\n%s",
    vias, rr, from, to, call_id, cseq, ue->sip_port, strlen (sdp), sdp);
  ou_send_text (ue, progress);
  g_usleep (200000);

  /* early media: bob has sent nothing to carol's port yet */
  OuSrtp s = { 0 };
  ou_srtp_pair (&s, my_key, bob_key);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (bob_addr);
  g_autoptr (GSocketAddress) to_bob = g_inet_socket_address_new (ia, *bob_port);
  for (guint i = 0; i < EARLY_PACKETS; i++)
    {
      ou_rtp_send (ue, &s, to_bob);
      g_usleep (20000);
    }
  /* an SRTCP sender report from the a=rtcp port to bob's RTCP port */
  guint8 sr[28 + SRTP_MAX_TRAILER_LEN] = { 0x80, 200, 0, 6 };
  sr[4] = (guint8) (s.ssrc >> 24);
  sr[5] = (guint8) (s.ssrc >> 16);
  sr[6] = (guint8) (s.ssrc >> 8);
  sr[7] = (guint8) s.ssrc;
  int sr_len = 28;
  g_assert_cmpint (srtp_protect_rtcp (s.tx, sr, &sr_len), ==, srtp_err_status_ok);
  g_autoptr (GSocketAddress) to_bob_rtcp = g_inet_socket_address_new (ia, *bob_port + 1);
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (rtcp, to_bob_rtcp, (gchar *) sr, (gsize) sr_len, NULL, &error),
                   ==, sr_len);
  carol_rtcp_port = rtcp_port;
  g_usleep (100000);

  g_autofree gchar *ok = g_strdup_printf (
    "SIP/2.0 200 OK\r\n%s%sFrom: %s\r\nTo: %s;tag=carol9\r\nCall-ID: %s\r\nCSeq: %s\r\n"
    "Contact: <sip:carol@127.0.0.1:%u>\r\nContent-Type: application/sdp\r\n"
    "Content-Length: %zu\r\n\r\n%s",
    vias, rr, from, to, call_id, cseq, ue->sip_port, strlen (sdp), sdp);
  ou_send_text (ue, ok);
  g_autofree gchar *ack = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (ack, "ACK "));
  ou_media_run (ue, &s, bob_addr, *bob_port, MEDIA_PACKETS);
  ou_answer_bye (ue, call_id);
  ou_rtp_drain (ue, &s);
  g_assert_cmpuint (s.received_ok, >, MEDIA_PACKETS / 2);
  g_assert_cmpuint (s.refused, ==, 0);
  ou_srtp_pair_clear (&s);
  return g_steal_pointer (&call_id);
}

/* carol calls bob with e2ae; SRTP to the AGW right after the ACK. The
 * AGW's address and port in @agw_addr, @agw_port. */
static gchar *
place_call_e2ae (OuUe *ue, gchar agw_addr[64], guint16 *agw_port)
{
  guint8 my_key[30];
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0x70 + i);
  const gchar *call_id = "carol-media-e2ae";
  g_autofree gchar *sdp = ou_sdp_offer (ue, my_key, 1, TRUE);
  g_autofree gchar *invite = g_strdup_printf (
    "INVITE sip:bob@lab9.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKinvm;rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@lab9.net>;tag=cm\r\nTo: <sip:bob@lab9.net>\r\nCall-ID: %s\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:carol@127.0.0.1:%u>\r\n"
    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
    ue->sip_port, call_id, ue->sip_port, strlen (sdp), sdp);
  ou_send_text (ue, invite);
  g_autofree gchar *ok = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (ok, "SIP/2.0 200 "));
  guint8 far_key[30];
  guint tag;
  ou_sdp_read (ou_body (ok), agw_addr, agw_port, far_key, &tag);
  g_assert_cmpstr (agw_addr, ==, "127.0.9.41");
  g_autofree gchar *to = ou_header (ok, "To");
  g_autofree gchar *contact = ou_header (ok, "Contact");
  g_autofree gchar *rr_lines = ou_header_lines (ok, "Record-Route");
  /* one Record-Route line per hop, or one line with commas: reverse them */
  g_auto (GStrv) rr_split = g_strsplit (rr_lines, "\r\n", -1);
  g_autofree gchar *joined = g_strjoinv (",", rr_split);
  GString *route = g_string_new (NULL);
  g_auto (GStrv) items = g_strsplit (joined, ",", -1);
  for (gint i = (gint) g_strv_length (items) - 1; i >= 0; i--)
    {
      gchar *item = g_strstrip (items[i]);
      if (g_str_has_prefix (item, "Record-Route: "))
        item += strlen ("Record-Route: ");
      if (item[0])
        g_string_append_printf (route, "Route: %s\r\n", item);
    }
  g_autofree gchar *routes = g_string_free (route, FALSE);
  gchar *lt = strchr (contact, '<');
  gchar *gt = lt ? strchr (lt, '>') : NULL;
  g_autofree gchar *target = lt && gt ? g_strndup (lt + 1, (gsize) (gt - lt - 1))
                                      : g_strdup (contact);
  g_autofree gchar *ack = g_strdup_printf (
    "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKackm;rport\r\n"
    "Max-Forwards: 70\r\n%sFrom: <sip:carol@lab9.net>;tag=cm\r\nTo: %s\r\nCall-ID: %s\r\n"
    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
    target, ue->sip_port, routes, to, call_id);
  ou_send_text (ue, ack);
  OuSrtp s = { 0 };
  ou_srtp_pair (&s, my_key, far_key);
  ou_media_run (ue, &s, agw_addr, *agw_port, MEDIA_PACKETS);
  g_autofree gchar *bye = g_strdup_printf (
    "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKbyem;rport\r\n"
    "Max-Forwards: 70\r\n%sFrom: <sip:carol@lab9.net>;tag=cm\r\nTo: %s\r\nCall-ID: %s\r\n"
    "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
    target, ue->sip_port, routes, to, call_id);
  ou_send_text (ue, bye);
  g_autofree gchar *bye_ok = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (bye_ok, "SIP/2.0 200 "));
  ou_rtp_drain (ue, &s);
  g_assert_cmpuint (s.received_ok, >, MEDIA_PACKETS / 2);
  g_assert_cmpuint (s.refused, ==, 0);
  ou_srtp_pair_clear (&s);
  return g_strdup (call_id);
}

static void
test_media (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-serve-media-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *scn = g_build_filename (dir, "media.scn", NULL);
  g_autofree gchar *pcap_path = g_build_filename (dir, "media.pcap", NULL);
  g_autofree gchar *ladder_path = g_build_filename (dir, "media.ladder", NULL);
  g_assert_true (g_file_set_contents (scn, scenario_text, -1, &error));
  g_autofree gchar *range = g_strdup_printf ("%u-%u", PORT_FIRST, PORT_LAST);
  const gchar *argv[] = { impsim_path, "serve", "--media-ports", range, "--pcap", pcap_path,
                          "--ladder", ladder_path, scn, NULL };
  GPid pid;
  gint out_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           ou_die_with_parent, NULL, &pid, NULL, &out_fd, NULL,
                                           &error));
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  OuUe ue = { 0 };
  ue.domain = "lab9.net";
  ue.password = PASSWORD;
  ue.out = in;
  guint gm_port = 0;
  gboolean range_line = FALSE;
  for (;;)
    {
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      guint port;
      if (sscanf (line, "P-CSCF Gm sip:127.0.9.40:%u (UDP and TCP", &port) == 1)
        gm_port = port;
      if (g_str_has_prefix (line, "media ports 31000-31099 "))
        range_line = TRUE;
      if (g_str_has_prefix (line, "serving "))
        break;
    }
  g_assert_cmpuint (gm_port, >, 0);
  g_assert_true (range_line);

  ue.sip = ou_udp_socket (&ue.sip_port);
  ue.rtp = ou_udp_socket (&ue.rtp_port);
  g_autoptr (GInetAddress) pa = g_inet_address_new_from_string ("127.0.9.40");
  ue.pcscf = g_inet_socket_address_new (pa, (guint16) gm_port);
  ou_ue_register (&ue);
  gchar bob_addr[64], agw_addr[64];
  guint16 bob_port = 0, agw_port = 0;
  g_autofree gchar *call1 = take_call_early (&ue, bob_addr, &bob_port);
  g_autofree gchar *call2 = place_call_e2ae (&ue, agw_addr, &agw_port);
  /* 3. the SDP's ports are in the range */
  g_assert_cmpuint (bob_port, >=, PORT_FIRST);
  g_assert_cmpuint (bob_port, <=, PORT_LAST);
  g_assert_cmpuint (agw_port, >=, PORT_FIRST);
  g_assert_cmpuint (agw_port, <=, PORT_LAST);

  g_autoptr (GPtrArray) report = ou_serve_stop (pid, in);

  guint64 v = 0;
  /* 1. the early packets were taken and counted, none refused: the RTP,
   * and the SRTCP report from the port carol's a=rtcp names (not RTP + 1) */
  g_assert_true (ou_report_numbers (report, "report media sockets", NULL, "early media ", &v));
  g_assert_cmpuint (v, ==, EARLY_PACKETS + 1);
  g_assert_true (ou_report_numbers (report, "report media ", call1, "RTCP ", &v));
  g_assert_cmpuint (v, >=, 1);
  g_assert_true (ou_report_numbers (report, "report media sockets", NULL, "unknown sources ", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ou_report_numbers (report, "report media ", call1, " auth failures", &v));
  g_assert_cmpuint (v, ==, 0);
  /* bob took the 183's keys: the early packets verified too, none lost */
  g_assert_true (ou_report_numbers (report, "report media ", call1, " verified", &v));
  g_assert_cmpuint (v, ==, EARLY_PACKETS + MEDIA_PACKETS);
  g_assert_true (ou_report_numbers (report, "report media ", call1, " not as sent", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ou_report_numbers (report, "report media ", call1, " lost", &v));
  g_assert_cmpuint (v, ==, 0);
  /* 2. the AGW took every SRTP packet of carol's */
  g_assert_true (ou_report_numbers (report, "report agw ", call2, "authenticated ", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);

  /* 4. the capture */
  g_autofree gchar *pcap_data = NULL;
  gsize pcap_len = 0;
  g_assert_true (g_file_get_contents (pcap_path, &pcap_data, &pcap_len, &error));
  g_autoptr (GBytes) pcap_bytes = g_bytes_new (pcap_data, pcap_len);
  ImpsPcapCapture *cap = imps_pcap_capture_parse (pcap_bytes, &error);
  g_assert_no_error (error);
  /* Gm: carol's REGISTERs and INVITE to the P-CSCF, its INVITE and answers
   * to her, on the ports they really used: hers (ephemeral) and the Gm
   * socket's (profile §9), not 5060 */
  guint16 cp = ue.sip_port, gp = (guint16) gm_port;
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", cp, "127.0.9.40", gp, "REGISTER "), ==, 2);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", cp, "127.0.9.40", gp, "INVITE "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", cp, "127.0.9.40", gp, "SIP/2.0 183 "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.9.40", gp, "127.0.0.1", cp, "INVITE "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.9.40", gp, "127.0.0.1", cp, "SIP/2.0 401 "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.9.40", gp, "127.0.0.1", cp, "SIP/2.0 200 "), >=, 3);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", 5060, "127.0.9.40", 0, NULL), ==, 0);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.9.40", 0, "127.0.0.1", 5060, NULL), ==, 0);
  /* the e2e call's SRTP between carol and bob, early media included */
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", ue.rtp_port, bob_addr, bob_port, NULL), ==,
                    EARLY_PACKETS + MEDIA_PACKETS);
  g_assert_cmpuint (ou_count_udp (cap, bob_addr, bob_port, "127.0.0.1", ue.rtp_port, NULL), >,
                    MEDIA_PACKETS / 2);
  /* her SRTCP from the a=rtcp port, as it came */
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", carol_rtcp_port, bob_addr, bob_port + 1, NULL),
                    ==, 1);
  /* e2ae: the access leg (carol - AGW, SRTP) and the core leg (AGW - bob, RTP) */
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", ue.rtp_port, agw_addr, agw_port, NULL), ==,
                    MEDIA_PACKETS);
  g_assert_cmpuint (ou_count_udp (cap, agw_addr, agw_port, "127.0.0.1", ue.rtp_port, NULL), >,
                    MEDIA_PACKETS / 2);
  g_assert_cmpuint (ou_count_udp (cap, agw_addr, 0, bob_addr, 0, NULL), >=, MEDIA_PACKETS);
  g_assert_cmpuint (ou_count_udp (cap, bob_addr, 0, agw_addr, 0, NULL), >, MEDIA_PACKETS / 2);
  imps_pcap_capture_free (cap);

  /* the ladder: carol's column, her REGISTER, the 183 and her INVITE */
  g_autofree gchar *ladder = NULL;
  g_assert_true (g_file_get_contents (ladder_path, &ladder, NULL, &error));
  g_autofree gchar *column = g_strdup_printf ("outside 127.0.0.1:%u", ue.sip_port);
  g_test_message ("%s", ladder);
  g_assert_nonnull (strstr (ladder, column));
  g_assert_nonnull (strstr (ladder, "183 Session Progress"));
  g_assert_nonnull (strstr (ladder, "REGISTER"));

  ou_clear (&ue);
  g_unlink (scn);
  g_unlink (pcap_path);
  g_unlink (ladder_path);
  g_rmdir (dir);
}

/* serve with @argv; its exit status and standard error. */
static gint
serve_fails (const gchar *const *argv, gchar **err)
{
  g_autoptr (GError) error = NULL;
  gint status = 0;
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, ou_die_with_parent,
                               NULL, NULL, err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_port_in_use (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-serve-ports-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *scn = g_build_filename (dir, "media.scn", NULL);
  g_assert_true (g_file_set_contents (scn, scenario_text, -1, &error));

  /* a port of the range, taken at the AGW's address */
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                        G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.9.41");
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, 32010);
  g_assert_true (g_socket_bind (s, sa, FALSE, &error));
  const gchar *argv[] = { impsim_path, "serve", "--media-ports", "32000-32099", scn, NULL };
  g_autofree gchar *err = NULL;
  g_assert_cmpint (serve_fails (argv, &err), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "UDP port 127.0.9.41:32010 cannot be bound"));
  g_assert_nonnull (strstr (err, "--media-ports 32000-32099"));

  /* not LOW-HIGH, odd, too small */
  const gchar *bad[] = { "32000", "32001-32099", "32000-32002", "32000-70000", "x-y" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const gchar *argv2[] = { impsim_path, "serve", "--media-ports", bad[i], scn, NULL };
      g_autofree gchar *err2 = NULL;
      g_assert_cmpint (serve_fails (argv2, &err2), ==, 2);
      g_assert_nonnull (strstr (err2, "--media-ports"));
    }
  g_unlink (scn);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert (argc == 2);
  impsim_path = argv[1];
  g_assert_cmpint (srtp_init (), ==, srtp_err_status_ok);
  g_test_add_func ("/serve/outside-media", test_media);
  g_test_add_func ("/serve/media-port-in-use", test_port_in_use);
  int ret = g_test_run ();
  srtp_shutdown ();
  return ret;
}
