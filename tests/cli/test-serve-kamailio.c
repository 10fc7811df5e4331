/* Kamailio as an outside P-CSCF in front of impsim serve's S-CSCF (the Mw
 * socket, profile §6.2): serve and a real Kamailio (kamailio-pcscf.cfg,
 * run in the foreground on 127.0.0.99) are started, and the raw outside UE
 * carol (outside-ue.c) talks only to Kamailio:
 *
 *   1. a request from a proxy through which nothing registered, sent
 *      straight to the Mw socket, gets 403;
 *   2. carol registers through Kamailio: the S-CSCF challenges (401), a
 *      wrong password gets 403, the right one 200 OK with the Path;
 *   3. the script's call from the simulated bob (same operator) arrives at
 *      carol through Kamailio; she answers with a=crypto, SRTP both ways;
 *   4. carol calls the simulated dave of the other operator with SDES: the
 *      a=crypto goes end to end (no AGW on the path), SRTP both ways.
 *
 *   5. carol calls bob and cancels while it rings: 200 and 487.
 *
 * Once with Kamailio sending to the S-CSCF over UDP, once over TCP.
 *
 * serve's report must show carol's SRTP verified at bob and at dave, the
 * Mw counters, and its ladder and capture the Mw legs between Kamailio and
 * the S-CSCF. Skipped (exit 77) when kamailio is not installed. */
#include "imps-test.h"
#include "outside-ue.h"
#include "digest/imps-digest.h"
#include "imps-pcap.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static const gchar *kamailio_path;
static const gchar *config_path;

#define PROXY "127.0.0.99"
#define PASSWORD "carol pass"
#define MEDIA_PACKETS 60

static const gchar scenario_text[] =
  "[scenario]\n"
  "name = kamailio-pcscf\n"
  "description = carol behind an outside P-CSCF; bob and dave are simulated\n"
  "seed = 7\n"
  "start = 2026-01-01T08:00:00Z\n"
  "\n"
  "[operator lab]\n"
  "number = 21\n"
  "domain = lab21.net\n"
  "\n"
  "[operator far]\n"
  "number = 22\n"
  "domain = lab22.net\n"
  "\n"
  "[subscriber bob]\n"
  "operator = lab\n"
  "impi = bob@lab21.net\n"
  "impu = sip:bob@lab21.net\n"
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
  "opc = cd63cb71954a9f4e48a5994e37a02baf\n"
  "answer-after = 1s\n"
  "\n"
  "[subscriber dave]\n"
  "operator = far\n"
  "impi = dave@lab22.net\n"
  "impu = sip:dave@lab22.net\n"
  "k = 0396eb317b6d1c36f19c1c84cd6ffd16\n"
  "opc = 53c15671c60a4b731c55b4a441c0bde2\n"
  "answer-after = 1s\n"
  "\n"
  "[subscriber carol]\n"
  "operator = lab\n"
  "impi = carol@lab21.net\n"
  "impu = sip:carol@lab21.net\n"
  "k = 9e5944aea94b81165c82fbf9f32db751\n"
  "opc = a64a507ae1a2a98bb88eb4210135dc87\n"
  "password = " PASSWORD "\n"
  "\n"
  "[script]\n"
  "call = bob carol security=sdes-e2e media=2s\n";

/* A port free for UDP and TCP at PROXY, for Kamailio. */
static guint16
free_proxy_port (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (PROXY);
  for (guint attempt = 0; attempt < 16; attempt++)
    {
      g_autoptr (GSocket) u = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
      g_assert_no_error (error);
      g_autoptr (GSocketAddress) any = g_inet_socket_address_new (ia, 0);
      g_assert_true (g_socket_bind (u, any, FALSE, &error));
      g_autoptr (GSocketAddress) got = g_socket_get_local_address (u, &error);
      guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (got));
      g_autoptr (GSocket) t = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
      g_autoptr (GSocketAddress) same = g_inet_socket_address_new (ia, port);
      gboolean ok = g_socket_bind (t, same, TRUE, NULL);
      g_socket_close (t, NULL);
      g_socket_close (u, NULL);
      if (ok)
        return port;
    }
  g_assert_not_reached ();
}

/* The next datagram on @s within @ms, or NULL. */
static gchar *
receive_within (GSocket *s, guint ms)
{
  g_autoptr (GError) error = NULL;
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;
  for (;;)
    {
      gint64 left = until - g_get_monotonic_time ();
      if (left <= 0 || !g_socket_condition_timed_wait (s, G_IO_IN, left, NULL, NULL))
        return NULL;
      gchar buf[16384];
      gssize n = g_socket_receive_with_blocking (s, buf, sizeof buf - 1, FALSE, NULL, &error);
      if (n <= 0)
        {
          g_clear_error (&error);
          continue;
        }
      buf[n] = '\0';
      if (g_str_has_prefix (buf, "SIP/2.0 1"))
        continue;
      return g_strdup (buf);
    }
}

static void
expect_line (GDataInputStream *in, const gchar *prefix, const gchar *contains)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_test_message ("serve: %s", line);
      if (g_str_has_prefix (line, prefix) && (contains == NULL || strstr (line, contains)))
        return;
    }
}

/* The Route lines of a UAC's route set: the Record-Route values of @resp
 * (one or several per line) in reverse order (RFC 3261 §12.1.2). */
static gchar *
route_set (const gchar *resp)
{
  g_autofree gchar *lines = ou_header_lines (resp, "Record-Route");
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) ls = g_strsplit (lines, "\r\n", -1);
  for (guint i = 0; ls[i]; i++)
    {
      if (ls[i][0] == '\0')
        continue;
      g_auto (GStrv) vs = g_strsplit (ls[i] + strlen ("Record-Route: "), ",", -1);
      for (guint j = 0; vs[j]; j++)
        g_ptr_array_add (values, g_strdup (g_strstrip (vs[j])));
    }
  GString *out = g_string_new (NULL);
  for (guint i = values->len; i > 0; i--)
    g_string_append_printf (out, "Route: %s\r\n", (gchar *) g_ptr_array_index (values, i - 1));
  return g_string_free (out, FALSE);
}

static guint
n_record_routes (const gchar *msg)
{
  g_autofree gchar *rs = route_set (msg);
  guint n = 0;
  for (const gchar *p = strstr (rs, "Route: "); p; p = strstr (p + 1, "Route: "))
    n++;
  return n;
}

/* 1. Straight to the Mw socket, with no registration through this
 * address: 403. */
static void
unregistered_proxy (guint16 mw_port)
{
  guint16 port;
  g_autoptr (GSocket) s = ou_udp_socket (&port);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.21.50");
  g_autoptr (GSocketAddress) mw = g_inet_socket_address_new (ia, mw_port);
  g_autofree gchar *invite = g_strdup_printf (
    "INVITE sip:bob@lab21.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKstray1;rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:mallory@lab21.net>;tag=m1\r\nTo: <sip:bob@lab21.net>\r\nCall-ID: stray-1\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:mallory@127.0.0.1:%u>\r\nContent-Length: 0\r\n\r\n",
    port, port);
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (s, mw, invite, strlen (invite), NULL, &error), ==,
                   (gssize) strlen (invite));
  g_autofree gchar *answer = receive_within (s, 10000);
  g_assert_nonnull (answer);
  g_assert_true (g_str_has_prefix (answer, "SIP/2.0 403 "));
}

/* Kamailio is up once it holds its UDP port (it binds before it starts its
 * workers, and what arrives meanwhile waits in the socket); then carol's
 * first REGISTER is relayed and answered 401 by the S-CSCF. */
static void
wait_for_proxy (OuUe *ue, guint16 proxy_port)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (PROXY);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, proxy_port);
  gboolean bound = FALSE;
  for (guint attempt = 0; attempt < 400 && !bound; attempt++)
    {
      g_autoptr (GSocket) u = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
      bound = !g_socket_bind (u, sa, FALSE, NULL);
      g_socket_close (u, NULL);
      if (!bound)
        g_usleep (50000);
    }
  g_assert_true (bound);
  g_autofree gchar *r = ou_register_text (ue, NULL);
  ou_send_text (ue, r);
  g_autofree gchar *a = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (a, "SIP/2.0 401 "));
}

/* 2. A wrong password gets 403 from the S-CSCF, through Kamailio. */
static void
register_wrong_password (OuUe *ue)
{
  g_autofree gchar *r1 = ou_register_text (ue, NULL);
  ou_send_text (ue, r1);
  g_autofree gchar *a1 = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (a1, "SIP/2.0 401 "));
  g_autofree gchar *www = ou_header (a1, "WWW-Authenticate");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (www, strlen (www), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new_for (
      c, "carol@lab21.net", "sip:lab21.net", "beef", 1);
  imps_digest_credentials_sign (cred, "REGISTER", (const guint8 *) "not hers", 8, NULL, 0);
  g_autofree gchar *auth = imps_digest_credentials_build (cred, &error);
  g_autofree gchar *r2 = ou_register_text (ue, auth);
  ou_send_text (ue, r2);
  g_autofree gchar *a2 = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (a2, "SIP/2.0 403 "));
}

/* 3. bob (the script) calls carol: the INVITE comes through Kamailio; 200
 * with her a=crypto answer, media both ways, BYE from bob. Returns the
 * Call-ID; *@got: bob's packets she received authenticated. */
static gchar *
take_call (OuUe *ue, guint *got)
{
  g_autofree gchar *invite = ou_receive_text (ue, FALSE);
  g_test_message ("%s", invite);
  g_assert_true (g_str_has_prefix (invite, "INVITE sip:carol@127.0.0.1:"));
  /* Kamailio, the S-CSCF and bob's P-CSCF recorded the route */
  g_assert_cmpuint (n_record_routes (invite), >=, 3);
  g_autofree gchar *top_via = ou_header (invite, "Via");
  g_assert_nonnull (strstr (top_via, PROXY));
  gchar addr[64];
  guint16 port;
  guint8 bob_key[30], my_key[30];
  guint tag;
  ou_sdp_read (ou_body (invite), addr, &port, bob_key, &tag);
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
  ou_answer_bye (ue, call_id);
  ou_rtp_drain (ue, &s);
  g_assert_cmpuint (s.received_ok, >, 0);
  g_assert_cmpuint (s.refused, ==, 0);
  *got = s.received_ok;
  ou_srtp_pair_clear (&s);
  return g_steal_pointer (&call_id);
}

/* 4. carol calls dave (the other operator) with SDES: the answer's
 * a=crypto is dave's own (no AGW), media both ways, BYE from carol. */
static gchar *
place_call (OuUe *ue, guint *got)
{
  guint8 my_key[30];
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0x40 + i);
  const gchar *call_id = "carol-to-dave";
  g_autofree gchar *sdp = ou_sdp_offer (ue, my_key, 1, FALSE);
  g_autofree gchar *invite = g_strdup_printf (
    "INVITE sip:dave@lab22.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKinvd1;rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@lab21.net>;tag=cd1\r\nTo: <sip:dave@lab22.net>\r\nCall-ID: %s\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:carol@127.0.0.1:%u>\r\n"
    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
    ue->sip_port, call_id, ue->sip_port, strlen (sdp), sdp);
  ou_send_text (ue, invite);
  g_autofree gchar *ok = ou_receive_text (ue, FALSE);
  g_test_message ("%s", ok);
  g_assert_true (g_str_has_prefix (ok, "SIP/2.0 200 "));
  gchar addr[64];
  guint16 port;
  guint8 far_key[30];
  guint tag;
  ou_sdp_read (ou_body (ok), addr, &port, far_key, &tag);
  g_assert_cmpuint (tag, ==, 1);
  /* dave's own media address (profile §9: a UE of operator 22), not an AGW's */
  g_assert_true (g_str_has_prefix (addr, "127.22."));
  g_assert_null (strstr (ou_body (ok), "3ge2ae"));
  /* Kamailio, both S-CSCFs and dave's P-CSCF */
  g_assert_cmpuint (n_record_routes (ok), >=, 4);

  g_autofree gchar *to = ou_header (ok, "To");
  g_autofree gchar *contact = ou_header (ok, "Contact");
  g_autofree gchar *routes = route_set (ok);
  gchar *lt = strchr (contact, '<');
  gchar *gt = lt ? strchr (lt, '>') : NULL;
  g_autofree gchar *target = lt && gt ? g_strndup (lt + 1, (gsize) (gt - lt - 1))
                                      : g_strdup (contact);
  g_autofree gchar *ack = g_strdup_printf (
    "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKackd1;rport\r\n"
    "Max-Forwards: 70\r\n%sFrom: <sip:carol@lab21.net>;tag=cd1\r\nTo: %s\r\nCall-ID: %s\r\n"
    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
    target, ue->sip_port, routes, to, call_id);
  ou_send_text (ue, ack);

  OuSrtp s = { 0 };
  ou_srtp_pair (&s, my_key, far_key);
  g_usleep (200000);
  ou_media_run (ue, &s, addr, port, MEDIA_PACKETS);

  g_autofree gchar *bye = g_strdup_printf (
    "BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKbyed1;rport\r\n"
    "Max-Forwards: 70\r\n%sFrom: <sip:carol@lab21.net>;tag=cd1\r\nTo: %s\r\nCall-ID: %s\r\n"
    "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
    target, ue->sip_port, routes, to, call_id);
  ou_send_text (ue, bye);
  g_autofree gchar *bye_ok = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (bye_ok, "SIP/2.0 200 "));
  ou_rtp_drain (ue, &s);
  g_assert_cmpuint (s.received_ok, >, 0);
  g_assert_cmpuint (s.refused, ==, 0);
  *got = s.received_ok;
  ou_srtp_pair_clear (&s);
  return g_strdup (call_id);
}

/* 5. carol calls bob and cancels while it rings: 200 for the CANCEL,
 * 487 for the INVITE (which Kamailio acknowledges hop by hop). */
static void
cancel_call (OuUe *ue)
{
  guint8 my_key[30];
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0x70 + i);
  g_autofree gchar *sdp = ou_sdp_offer (ue, my_key, 1, FALSE);
  g_autofree gchar *head = g_strdup_printf (
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKinvc1;rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@lab21.net>;tag=cc1\r\nTo: <sip:bob@lab21.net>\r\n"
    "Call-ID: carol-cancels\r\n", ue->sip_port);
  g_autofree gchar *invite = g_strdup_printf (
    "INVITE sip:bob@lab21.net SIP/2.0\r\n%sCSeq: 1 INVITE\r\n"
    "Contact: <sip:carol@127.0.0.1:%u>\r\nContent-Type: application/sdp\r\n"
    "Content-Length: %zu\r\n\r\n%s", head, ue->sip_port, strlen (sdp), sdp);
  ou_send_text (ue, invite);
  /* bob rings (180) before he answers after 1 s */
  for (;;)
    {
      g_autofree gchar *p = ou_receive_text (ue, TRUE);
      g_assert_true (g_str_has_prefix (p, "SIP/2.0 1"));
      if (g_str_has_prefix (p, "SIP/2.0 180 "))
        break;
    }
  g_autofree gchar *cancel = g_strdup_printf (
    "CANCEL sip:bob@lab21.net SIP/2.0\r\n%sCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n", head);
  ou_send_text (ue, cancel);
  gboolean cancel_ok = FALSE, terminated = FALSE;
  gchar *to487 = NULL;
  while (!cancel_ok || !terminated)
    {
      g_autofree gchar *a = ou_receive_text (ue, FALSE);
      g_autofree gchar *cseq = ou_header (a, "CSeq");
      if (g_str_has_prefix (a, "SIP/2.0 200 ") && g_strcmp0 (cseq, "1 CANCEL") == 0)
        cancel_ok = TRUE;
      else if (g_str_has_prefix (a, "SIP/2.0 487 ") && g_strcmp0 (cseq, "1 INVITE") == 0)
        {
          terminated = TRUE;
          g_free (to487);
          to487 = ou_header (a, "To");
        }
      else
        g_error ("unexpected answer to the cancelled call: %s", a);
    }
  g_autofree gchar *ack = g_strdup_printf (
    "ACK sip:bob@lab21.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKinvc1;rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@lab21.net>;tag=cc1\r\nTo: %s\r\nCall-ID: carol-cancels\r\n"
    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", ue->sip_port, to487);
  ou_send_text (ue, ack);
  g_free (to487);
}

static void
test_kamailio (gconstpointer data)
{
  gboolean tcp_mw = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-serve-kamailio-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *scn = g_build_filename (dir, "kamailio.scn", NULL);
  g_autofree gchar *pcap_path = g_build_filename (dir, "mw.pcap", NULL);
  g_autofree gchar *ladder_path = g_build_filename (dir, "mw.ladder", NULL);
  g_autofree gchar *pid_path = g_build_filename (dir, "kamailio.pid", NULL);
  g_assert_true (g_file_set_contents (scn, scenario_text, -1, &error));

  const gchar *argv[] = { impsim_path, "serve", "--pcap", pcap_path, "--ladder", ladder_path,
                          scn, NULL };
  GPid pid;
  gint out_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           ou_die_with_parent, NULL, &pid, NULL, &out_fd, NULL,
                                           &error));
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  guint mw_port = 0, mw_port_far = 0;
  for (;;)
    {
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_test_message ("serve: %s", line);
      if (g_str_has_prefix (line, "serving "))
        break;
      guint port;
      if (sscanf (line, "S-CSCF Mw sip:127.0.21.50:%u (UDP and TCP, scscf.lab21.net", &port) == 1)
        mw_port = port;
      if (sscanf (line, "S-CSCF Mw sip:127.0.22.50:%u (UDP and TCP, scscf.lab22.net", &port) == 1)
        mw_port_far = port;
    }
  g_assert_cmpuint (mw_port, >, 0);
  g_assert_cmpuint (mw_port_far, >, 0);

  /* 1. */
  unregistered_proxy ((guint16) mw_port);

  guint16 proxy_port = free_proxy_port ();
  g_autofree gchar *udp = g_strdup_printf ("udp:" PROXY ":%u", proxy_port);
  g_autofree gchar *tcp = g_strdup_printf ("tcp:" PROXY ":%u", proxy_port);
  g_autofree gchar *scscf = g_strdup_printf ("SCSCF=\"sip:127.0.21.50:%u%s\"", mw_port,
                                             tcp_mw ? ";transport=tcp" : "");
  const gchar *kargv[] = { kamailio_path, "-f", config_path, "-DD", "-E", "-l", udp, "-l", tcp,
                           "-A", "PROXY_IP=" PROXY, "-A", "SCSCF_IP=\"127.0.21.50\"",
                           "-A", scscf, "-Y", dir, "-P", pid_path, "-w", dir, NULL };
  GPid kpid;
  g_assert_true (g_spawn_async (NULL, (gchar **) kargv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                  | G_SPAWN_STDERR_TO_DEV_NULL,
                                ou_die_with_parent, NULL, &kpid, &error));
  g_assert_no_error (error);

  OuUe ue = { 0 };
  ue.domain = "lab21.net";
  ue.password = PASSWORD;
  ue.out = in;
  ue.sip = ou_udp_socket (&ue.sip_port);
  ue.rtp = ou_udp_socket (&ue.rtp_port);
  g_autoptr (GInetAddress) pa = g_inet_address_new_from_string (PROXY);
  ue.pcscf = g_inet_socket_address_new (pa, proxy_port);

  /* 2. */
  wait_for_proxy (&ue, proxy_port);
  register_wrong_password (&ue);
  ou_ue_register (&ue);
  /* over TCP, Kamailio connects from a port of its own */
  g_autofree gchar *reg_line = tcp_mw ? g_strdup ("through the outside P-CSCF at " PROXY ":")
                                      : g_strdup_printf ("through the outside P-CSCF at "
                                                         PROXY ":%u", proxy_port);
  expect_line (in, "outside device sip:carol@lab21.net registered", reg_line);

  /* 3. and 4. */
  guint got_bob = 0, got_dave = 0;
  g_autofree gchar *call1 = take_call (&ue, &got_bob);
  g_autofree gchar *call2 = place_call (&ue, &got_dave);
  cancel_call (&ue);
  /* the 487's retransmissions toward Kamailio end with its ACK */
  g_usleep (1500000);

  g_autoptr (GPtrArray) report = ou_serve_stop (pid, in);
  kill (kpid, SIGTERM);
  gint kstatus = 0;
  g_assert_cmpint (waitpid (kpid, &kstatus, 0), ==, kpid);
  g_spawn_close_pid (kpid);

  guint64 v = 0;
  /* 3. carol's SRTP verified at bob with her a=crypto key */
  g_assert_true (ou_report_numbers (report, "report media ", call1, " verified", &v));
  g_assert_cmpuint (v, >=, MEDIA_PACKETS / 2);
  g_assert_true (ou_report_numbers (report, "report media ", call1, " auth failures", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ou_report_numbers (report, "report media ", call1, "sent ", &v));
  g_assert_cmpuint (v, ==, got_bob);
  /* 4. every packet of carol's verified at dave, SDES end to end */
  gboolean e2e = FALSE;
  for (guint i = 0; i < report->len; i++)
    {
      const gchar *l = g_ptr_array_index (report, i);
      if (g_str_has_prefix (l, "report call ") && strstr (l, call2))
        e2e = strstr (l, "dave callee, sdes-e2e, terminated, status 200") != NULL;
    }
  g_assert_true (e2e);
  g_assert_true (ou_report_numbers (report, "report media ", call2, " verified", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);
  g_assert_true (ou_report_numbers (report, "report media ", call2, " auth failures", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (ou_report_numbers (report, "report media ", call2, "sent ", &v));
  g_assert_cmpuint (v, ==, got_dave);
  g_assert_false (ou_report_numbers (report, "report agw ", call2, "authenticated", &v));
  /* 5. bob's side of the cancelled call */
  gboolean cancelled = FALSE;
  for (guint i = 0; i < report->len; i++)
    {
      const gchar *l = g_ptr_array_index (report, i);
      if (g_str_has_prefix (l, "report call carol-cancels: bob callee"))
        cancelled = strstr (l, "status 487") != NULL;
    }
  g_assert_true (cancelled);
  /* the Mw counters: 401 for each of carol's three first REGISTERs, 403
   * for the stray INVITE and the wrong password */
  g_assert_true (ou_report_numbers (report, "report mw scscf.lab21.net", NULL, "401 ", &v));
  g_assert_cmpuint (v, ==, 3);
  g_assert_true (ou_report_numbers (report, "report mw scscf.lab21.net", NULL, "403 ", &v));
  g_assert_cmpuint (v, ==, 2);
  g_assert_true (ou_report_numbers (report, "report mw scscf.lab21.net", NULL, "timed out ", &v));
  g_assert_cmpuint (v, ==, 0);

  /* the capture: the Mw legs between Kamailio and the S-CSCF (SIP on the
   * ports each end used: Kamailio's and the S-CSCFs' Mw ports), and
   * the media between carol and the simulated UEs */
  g_autofree gchar *pcap_data = NULL;
  gsize pcap_len = 0;
  g_assert_true (g_file_get_contents (pcap_path, &pcap_data, &pcap_len, &error));
  g_autoptr (GBytes) pcap_bytes = g_bytes_new (pcap_data, pcap_len);
  ImpsPcapCapture *cap = imps_pcap_capture_parse (pcap_bytes, &error);
  g_assert_no_error (error);
  /* over TCP the proxy sends from, and gets answers on, a connection's own port */
  guint16 proxy_src = tcp_mw ? 0 : proxy_port;
  g_assert_cmpuint (ou_count_udp (cap, PROXY, proxy_src, "127.0.21.50", mw_port, "REGISTER "), >=, 3);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.21.50", mw_port, PROXY, proxy_src,
                               "SIP/2.0 200 "), >=, 2);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.21.50", mw_port, PROXY, proxy_src, "INVITE "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, PROXY, proxy_src, "127.0.21.50", mw_port, "INVITE "), ==, 2);
  g_assert_cmpuint (ou_count_udp (cap, PROXY, proxy_src, "127.0.21.50", mw_port, "CANCEL "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.21.50", mw_port, PROXY, proxy_src,
                               "SIP/2.0 487 "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, PROXY, proxy_src, "127.0.21.50", mw_port, "BYE "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.21.50", mw_port, "127.0.22.50", mw_port_far,
                               "INVITE "), ==, 1);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", ue.rtp_port, "127.21.1.1", 0, NULL), ==,
                    MEDIA_PACKETS);
  g_assert_cmpuint (ou_count_udp (cap, "127.0.0.1", ue.rtp_port, "127.22.1.1", 0, NULL), ==,
                    MEDIA_PACKETS);
  imps_pcap_capture_free (cap);

  /* the ladder: Kamailio's column and the Mw rows */
  g_autofree gchar *ladder = NULL;
  g_assert_true (g_file_get_contents (ladder_path, &ladder, NULL, &error));
  g_test_message ("%s", ladder);
  g_autofree gchar *column = tcp_mw ? g_strdup ("outside " PROXY ":")
                                    : g_strdup_printf ("outside " PROXY ":%u", proxy_port);
  g_assert_nonnull (strstr (ladder, column));
  g_assert_nonnull (strstr (ladder, tcp_mw ? "Digest verified: REGISTER from tcp " PROXY ":"
                                            : "Digest verified: REGISTER from udp " PROXY ":"));

  ou_clear (&ue);
  g_unlink (scn);
  g_unlink (pcap_path);
  g_unlink (ladder_path);
  g_unlink (pid_path);
  /* what Kamailio left in its runtime folder */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  for (const gchar *name; d && (name = g_dir_read_name (d));)
    {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert (argc == 4);
  impsim_path = argv[1];
  kamailio_path = argv[2];
  config_path = argv[3];
  if (kamailio_path[0] == '\0' || !g_file_test (kamailio_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      printf ("kamailio is not installed (Debian: apt-get install kamailio): test skipped\n");
      return 77;
    }
  g_assert_cmpint (srtp_init (), ==, srtp_err_status_ok);
  g_test_add_data_func ("/serve/kamailio/pcscf-udp", GINT_TO_POINTER (FALSE), test_kamailio);
  g_test_add_data_func ("/serve/kamailio/pcscf-tcp", GINT_TO_POINTER (TRUE), test_kamailio);
  int ret = g_test_run ();
  srtp_shutdown ();
  return ret;
}
