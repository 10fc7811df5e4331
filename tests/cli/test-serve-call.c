/* impsim serve with calls that have an outside end, as a raw SIP and SRTP
 * client sees them over loopback UDP (libsrtp2 on the client side):
 *
 *   1. the outside device carol registers; the script's call from the
 *      simulated bob to carol (SDES e2e) arrives at carol's contact, carol
 *      answers, SRTP flows both ways on real sockets, bob hangs up;
 *   2. carol calls bob with SDES e2e (a=crypto end to end);
 *   3. carol calls bob with SDES e2ae (a=3ge2ae:requested: the P-CSCF
 *      answers for the IMS-AGW, which terminates carol's SRTP);
 *   4. RTP from a source the media port does not send to is dropped.
 *
 * serve's report when it stops must show carol's SRTP verified at bob
 * (e2e) or authenticated at the AGW (e2ae), no authentication failures, and
 * the packets from the unknown source dropped and counted. */
#include "imps-test.h"
#include "outside-ue.h"
#include "digest/imps-digest.h"
#include "imps-ue-media.h"

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
  "name = outside-calls\n"
  "description = bob is simulated, carol is an outside device slot\n"
  "seed = 7\n"
  "start = 2026-01-01T08:00:00Z\n"
  "\n"
  "[operator lab]\n"
  "number = 7\n"
  "domain = lab7.net\n"
  "\n"
  "[subscriber bob]\n"
  "operator = lab\n"
  "impi = bob@lab7.net\n"
  "impu = sip:bob@lab7.net\n"
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
  "opc = cd63cb71954a9f4e48a5994e37a02baf\n"
  "answer-after = 1s\n"
  "\n"
  "[subscriber carol]\n"
  "operator = lab\n"
  "impi = carol@lab7.net\n"
  "impu = sip:carol@lab7.net\n"
  "k = 9e5944aea94b81165c82fbf9f32db751\n"
  "opc = a64a507ae1a2a98bb88eb4210135dc87\n"
  "password = carol pass\n"
  "\n"
  "[script]\n"
  "call = bob carol security=sdes-e2e media=2s\n";

#define PASSWORD "carol pass"
#define MEDIA_PACKETS 60

/* per call: packets carol received authenticated and as sent */
static guint got[3];

/* ---- the calls ---- */

static void
expect_line (OuUe *ue, const gchar *prefix, const gchar *contains)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (ue->out, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, prefix) && (contains == NULL || strstr (line, contains)))
        return;
    }
}

/* bob (the script) calls carol: INVITE at carol's contact, 200 with
 * carol's a=crypto answer, media, BYE from bob. Returns the Call-ID. */
static gchar *
take_call (OuUe *ue)
{
  g_autofree gchar *invite = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (invite, "INVITE sip:carol@127.0.0.1:"));
  gchar addr[64];
  guint16 port;
  guint8 bob_key[30], my_key[30];
  guint tag;
  ou_sdp_read (ou_body (invite), addr, &port, bob_key, &tag);
  g_assert_null (strstr (ou_body (invite), "3ge2ae"));
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0xa0 + i);
  g_autofree gchar *vias = ou_header_lines (invite, "Via");
  g_autofree gchar *rr = ou_header_lines (invite, "Record-Route");
  g_autofree gchar *from = ou_header (invite, "From");
  g_autofree gchar *to = ou_header (invite, "To");
  g_autofree gchar *call_id = ou_header (invite, "Call-ID");
  g_autofree gchar *cseq = ou_header (invite, "CSeq");
  g_autofree gchar *sdp = ou_sdp_offer (ue, my_key, tag, FALSE);
  g_autofree gchar *ok = g_strdup_printf (
    "SIP/2.0 200 OK\r\n%s%sFrom: %s\r\nTo: %s;tag=carol1\r\nCall-ID: %s\r\nCSeq: %s\r\n"
    "Contact: <sip:carol@127.0.0.1:%u>\r\nContent-Type: application/sdp\r\n"
    "Content-Length: %zu\r\n\r\n%s",
    vias, rr, from, to, call_id, cseq, ue->sip_port, strlen (sdp), sdp);
  ou_send_text (ue, ok);
  g_autofree gchar *ack = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (ack, "ACK "));

  OuSrtp s = { 0 };
  ou_srtp_pair (&s, my_key, bob_key);
  g_usleep (100000);
  ou_media_run (ue, &s, addr, port, MEDIA_PACKETS);
  /* bob hangs up after media=2s */
  ou_answer_bye (ue, call_id);
  ou_rtp_drain (ue, &s);
  /* bob's SRTP reached carol, decrypted with bob's a=crypto key (all of
   * it: checked against bob's count in serve's report) */
  g_assert_cmpuint (s.received_ok, >, 0);
  got[0] = s.received_ok;
  g_assert_cmpuint (s.refused, ==, 0);
  ou_srtp_pair_clear (&s);
  return g_steal_pointer (&call_id);
}

/* carol calls bob; returns the Call-ID. With @e2ae the answer must come
 * from the P-CSCF for the AGW. */
static gchar *
place_call (OuUe *ue, gboolean e2ae, guint n)
{
  guint8 my_key[30];
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0x10 * n + i);
  g_autofree gchar *call_id = g_strdup_printf ("carol-call-%u", n);
  g_autofree gchar *sdp = ou_sdp_offer (ue, my_key, 1, e2ae);
  g_autofree gchar *invite = g_strdup_printf (
    "INVITE sip:bob@lab7.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKinv%u;rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@lab7.net>;tag=c%u\r\nTo: <sip:bob@lab7.net>\r\nCall-ID: %s\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:carol@127.0.0.1:%u>\r\n"
    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
    ue->sip_port, n, n, call_id, ue->sip_port, strlen (sdp), sdp);
  ou_send_text (ue, invite);
  g_autofree gchar *ok = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (ok, "SIP/2.0 200 "));
  gchar addr[64];
  guint16 port;
  guint8 far_key[30];
  guint tag;
  ou_sdp_read (ou_body (ok), addr, &port, far_key, &tag);
  g_assert_cmpuint (tag, ==, 1);
  if (e2ae)
    {
      /* the AGW's address (profile §9: 127.0.<op>.41) and a=3ge2ae:applied */
      g_assert_cmpstr (addr, ==, "127.0.7.41");
      g_assert_nonnull (strstr (ou_body (ok), "a=3ge2ae:applied"));
    }
  else
    g_assert_cmpstr (addr, !=, "127.0.7.41");

  g_autofree gchar *to = ou_header (ok, "To");
  g_autofree gchar *contact = ou_header (ok, "Contact");
  g_autofree gchar *rr = ou_header (ok, "Record-Route");
  /* the route set: Record-Route reversed (one P-CSCF, one S-CSCF here) */
  g_auto (GStrv) rrs = rr ? g_strsplit (rr, ",", -1) : g_new0 (gchar *, 1);
  GString *route = g_string_new (NULL);
  for (gint i = (gint) g_strv_length (rrs) - 1; i >= 0; i--)
    g_string_append_printf (route, "Route: %s\r\n", g_strstrip (rrs[i]));
  g_autofree gchar *routes = g_string_free (route, FALSE);
  g_autofree gchar *cl = ou_header_lines (ok, "Record-Route");
  if (cl[0] != '\0' && strchr (rr, ',') == NULL)
    {
      /* one Record-Route line per hop: reverse the lines */
      g_auto (GStrv) lines = g_strsplit (cl, "\r\n", -1);
      GString *r2 = g_string_new (NULL);
      for (gint i = (gint) g_strv_length (lines) - 1; i >= 0; i--)
        if (lines[i][0])
          g_string_append_printf (r2, "Route: %s\r\n", lines[i] + strlen ("Record-Route: "));
      g_free (routes);
      routes = g_string_free (r2, FALSE);
    }
  gchar *lt = strchr (contact, '<');
  gchar *gt = lt ? strchr (lt, '>') : NULL;
  g_autofree gchar *target = lt && gt ? g_strndup (lt + 1, (gsize) (gt - lt - 1))
                                      : g_strdup (contact);
  g_autofree gchar *ack = g_strdup_printf (
    "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKack%u;rport\r\n"
    "Max-Forwards: 70\r\n%sFrom: <sip:carol@lab7.net>;tag=c%u\r\nTo: %s\r\nCall-ID: %s\r\n"
    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
    target, ue->sip_port, n, routes, n, to, call_id);
  ou_send_text (ue, ack);

  OuSrtp s = { 0 };
  ou_srtp_pair (&s, my_key, far_key);
  g_usleep (200000);
  ou_media_run (ue, &s, addr, port, MEDIA_PACKETS);

  /* 4. RTP from another port of ours: not the peer of bob's media port */
  if (n == 1)
    {
      guint16 stray_port;
      g_autoptr (GSocket) stray = ou_udp_socket (&stray_port);
      g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (addr);
      g_autoptr (GSocketAddress) dst = g_inet_socket_address_new (ia, port);
      for (guint i = 0; i < 5; i++)
        g_assert_cmpint (g_socket_send_to (stray, dst, "\x80\0\0\1junkjunkjunk", 16, NULL, NULL),
                         ==, 16);
    }

  g_autofree gchar *bye = g_strdup_printf (
    "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKbye%u;rport\r\n"
    "Max-Forwards: 70\r\n%sFrom: <sip:carol@lab7.net>;tag=c%u\r\nTo: %s\r\nCall-ID: %s\r\n"
    "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
    target, ue->sip_port, n, routes, n, to, call_id);
  ou_send_text (ue, bye);
  g_autofree gchar *bye_ok = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (bye_ok, "SIP/2.0 200 "));
  ou_rtp_drain (ue, &s);
  /* bob's SRTP (e2e) or the AGW's (e2ae) reached carol and authenticated
   * (all of it: checked against the sender's count in serve's report) */
  g_assert_cmpuint (s.received_ok, >, 0);
  got[n] = s.received_ok;
  g_assert_cmpuint (s.refused, ==, 0);
  ou_srtp_pair_clear (&s);
  return g_steal_pointer (&call_id);
}

static void
test_calls (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-serve-call-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *scn = g_build_filename (dir, "outside.scn", NULL);
  g_assert_true (g_file_set_contents (scn, scenario_text, -1, &error));

  const gchar *argv[] = { impsim_path, "serve", scn, NULL };
  GPid pid;
  gint out_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           ou_die_with_parent, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  OuUe ue = { 0 };
  ue.domain = "lab7.net";
  ue.password = PASSWORD;
  ue.out = in;
  guint gm_port = 0;
  gboolean slot = FALSE;
  for (;;)
    {
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "simulated device bob: sip:bob@lab7.net, answers after 1 s"))
        break;
      guint port;
      if (sscanf (line, "P-CSCF Gm sip:127.0.7.40:%u (UDP and TCP", &port) == 1)
        gm_port = port;
      if (g_str_has_prefix (line, "outside device carol: sip:carol@lab7.net, Digest user "
                                  "carol@lab7.net"))
        slot = TRUE;
    }
  g_assert_cmpuint (gm_port, >, 0);
  g_assert_true (slot);
  expect_line (&ue, "serving ", NULL);

  ue.sip = ou_udp_socket (&ue.sip_port);
  ue.rtp = ou_udp_socket (&ue.rtp_port);
  g_autoptr (GInetAddress) pa = g_inet_address_new_from_string ("127.0.7.40");
  ue.pcscf = g_inet_socket_address_new (pa, (guint16) gm_port);

  ou_ue_register (&ue);
  g_autofree gchar *call1 = take_call (&ue);
  g_autofree gchar *call2 = place_call (&ue, FALSE, 1);
  g_autofree gchar *call3 = place_call (&ue, TRUE, 2);

  g_autoptr (GPtrArray) report = ou_serve_stop (pid, in);

  guint64 v = 0;
  /* 1: carol's SRTP verified at bob (e2e), nothing refused */
  g_assert_true (ou_report_numbers (report, "report media ", call1, " verified", &v));
  g_assert_cmpuint (v, >=, MEDIA_PACKETS / 2);
  g_assert_true (ou_report_numbers (report, "report media ", call1, " auth failures", &v));
  g_assert_cmpuint (v, ==, 0);
  /* 2: all of carol's packets verified at bob, none lost */
  g_assert_true (ou_report_numbers (report, "report media ", call2, " verified", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);
  g_assert_true (ou_report_numbers (report, "report media ", call2, " lost", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ou_report_numbers (report, "report media ", call2, " auth failures", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_false (ou_report_numbers (report, "report agw ", call2, "authenticated", &v));
  /* 3: e2ae: the AGW authenticated every SRTP packet of carol's, and bob
   * verified them as RTP from the AGW */
  g_assert_true (ou_report_numbers (report, "report agw ", call3, "authenticated ", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);
  g_assert_true (ou_report_numbers (report, "report agw ", call3, "replays ", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ou_report_numbers (report, "report media ", call3, " verified", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);
  /* what bob (calls 1 and 2) and the AGW (call 3) sent carol reached her,
   * every packet: loopback loses none, and carol read until after the BYE.
   * How many that is depends on the machine's load (the senders run on
   * serve's real clock), so the counts are compared, not fixed. */
  g_assert_true (ou_report_numbers (report, "report media ", call1, "sent ", &v));
  g_assert_cmpuint (v, ==, got[0]);
  g_assert_true (ou_report_numbers (report, "report media ", call2, "sent ", &v));
  g_assert_cmpuint (v, ==, got[1]);
  g_assert_true (ou_report_numbers (report, "report agw ", call3, "SRTP to the UE ", &v));
  g_assert_cmpuint (v, ==, got[2]);
  /* 4: the stray packets were dropped as from an unknown source */
  g_assert_true (ou_report_numbers (report, "report media sockets", NULL, "unknown sources ", &v));
  g_assert_cmpuint (v, >=, 5);

  ou_clear (&ue);
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
  g_test_add_func ("/serve/outside-calls", test_calls);
  int ret = g_test_run ();
  srtp_shutdown ();
  return ret;
}
