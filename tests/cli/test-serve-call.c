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

/* serve ends with the test, also when an assertion ends the test */
static void
die_with_parent (gpointer data)
{
  (void) data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

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

typedef struct {
  GSocket *sip;
  GSocketAddress *pcscf;
  guint16 sip_port;
  GSocket *rtp;
  guint16 rtp_port;
  guint cseq;
  GDataInputStream *out;   /* serve's stdout */
} Ue;

static GSocket *
udp_socket (guint16 *port)
{
  g_autoptr (GError) error = NULL;
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                             G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (s, any, FALSE, &error));
  g_socket_set_timeout (s, 20);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (s, &error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return s;
}

static void
send_text (Ue *ue, const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (ue->sip, ue->pcscf, text, strlen (text), NULL, &error), ==,
                   (gssize) strlen (text));
}

/* The next SIP message that is not a provisional answer (unless wanted). */
static gchar *
receive_text (Ue *ue, gboolean provisional_too)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gchar buf[16384];
      gssize n = g_socket_receive (ue->sip, buf, sizeof buf - 1, NULL, &error);
      g_assert_no_error (error);
      buf[n] = '\0';
      if (!provisional_too && g_str_has_prefix (buf, "SIP/2.0 1"))
        continue;
      return g_strdup (buf);
    }
}

/* A header's value (the first line of that name), new. */
static gchar *
header (const gchar *msg, const gchar *name)
{
  g_autofree gchar *needle = g_strdup_printf ("\r\n%s: ", name);
  const gchar *p = strstr (msg, needle);
  if (p == NULL)
    return NULL;
  p += strlen (needle);
  return g_strndup (p, (gsize) (strstr (p, "\r\n") - p));
}

/* Every line of @name, as they appear ("Via: ..." lines for a response). */
static gchar *
header_lines (const gchar *msg, const gchar *name)
{
  GString *out = g_string_new (NULL);
  g_autofree gchar *needle = g_strdup_printf ("\r\n%s: ", name);
  const gchar *end_of_headers = strstr (msg, "\r\n\r\n");
  for (const gchar *p = strstr (msg, needle); p && p < end_of_headers; p = strstr (p + 2, needle))
    {
      const gchar *e = strstr (p + 2, "\r\n");
      g_string_append_len (out, p + 2, e - (p + 2));
      g_string_append (out, "\r\n");
    }
  return g_string_free (out, FALSE);
}

static const gchar *
body (const gchar *msg)
{
  const gchar *p = strstr (msg, "\r\n\r\n");
  g_assert_nonnull (p);
  return p + 4;
}

/* c= address, m= port and the AES_CM_128_HMAC_SHA1_80 key of an SDP. */
static void
sdp_read (const gchar *sdp, gchar addr[64], guint16 *port, guint8 key[30], guint *tag)
{
  /* a media-level c= wins over the session's */
  const gchar *m = strstr (sdp, "m=audio ");
  g_assert_nonnull (m);
  const gchar *c_line = strstr (m, "c=IN IP4 ");
  if (c_line == NULL)
    c_line = strstr (sdp, "c=IN IP4 ");
  g_assert_cmpint (sscanf (c_line, "c=IN IP4 %63[0-9.]", addr), ==, 1);
  guint p;
  g_assert_cmpint (sscanf (m, "m=audio %u", &p), ==, 1);
  *port = (guint16) p;
  const gchar *c = strstr (sdp, " AES_CM_128_HMAC_SHA1_80 inline:");
  g_assert_nonnull (c);
  const gchar *line = c;
  while (line > sdp && line[-1] != ':')
    line--;
  *tag = (guint) strtoul (line, NULL, 10);
  c += strlen (" AES_CM_128_HMAC_SHA1_80 inline:");
  gsize n = strcspn (c, "|\r\n ");
  g_autofree gchar *b64 = g_strndup (c, n);
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode (b64, &len);
  g_assert_cmpuint (len, ==, 30);
  memcpy (key, raw, 30);
}

static gchar *
sdp_offer (Ue *ue, const guint8 key[30], guint tag, gboolean e2ae)
{
  g_autofree gchar *b64 = g_base64_encode (key, 30);
  return g_strdup_printf ("v=0\r\no=carol 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                          "t=0 0\r\nm=audio %u RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                          "a=crypto:%u AES_CM_128_HMAC_SHA1_80 inline:%s\r\n%s",
                          ue->rtp_port, tag, b64, e2ae ? "a=3ge2ae:requested\r\n" : "");
}

static gchar *
register_text (Ue *ue, const gchar *auth)
{
  ue->cseq++;
  return g_strdup_printf (
    "REGISTER sip:lab7.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKreg%u;rport\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:carol@lab7.net>;tag=r1\r\nTo: <sip:carol@lab7.net>\r\n"
    "Call-ID: carol-reg\r\nCSeq: %u REGISTER\r\nContact: <sip:carol@127.0.0.1:%u>\r\n"
    "Expires: 600\r\n%s%s%sContent-Length: 0\r\n\r\n",
    ue->sip_port, ue->cseq, ue->cseq, ue->sip_port, auth ? "Authorization: " : "",
    auth ? auth : "", auth ? "\r\n" : "");
}

static void
ue_register (Ue *ue)
{
  g_autofree gchar *r1 = register_text (ue, NULL);
  send_text (ue, r1);
  g_autofree gchar *a1 = receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (a1, "SIP/2.0 401 "));
  g_autofree gchar *www = header (a1, "WWW-Authenticate");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (www, strlen (www), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new_for (
      c, "carol@lab7.net", "sip:lab7.net", "c0ffee", 1);
  imps_digest_credentials_sign (cred, "REGISTER", (const guint8 *) PASSWORD, strlen (PASSWORD),
                                NULL, 0);
  g_autofree gchar *auth = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  g_autofree gchar *r2 = register_text (ue, auth);
  send_text (ue, r2);
  g_autofree gchar *a2 = receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (a2, "SIP/2.0 200 "));
}

/* ---- SRTP ---- */

typedef struct {
  srtp_t tx;
  srtp_t rx;
  guint32 ssrc;
  guint16 seq;
  guint32 counter;
  guint received_ok;     /* from the far end, authenticated and as sent */
  guint received_auth;   /* authenticated (any payload) */
  guint refused;         /* did not unprotect */
} Srtp;

static void
srtp_pair (Srtp *s, const guint8 tx_key[30], const guint8 rx_key[30])
{
  srtp_policy_t p;
  memset (&p, 0, sizeof p);
  srtp_crypto_policy_set_rtp_default (&p.rtp);
  srtp_crypto_policy_set_rtcp_default (&p.rtcp);
  p.ssrc.type = ssrc_any_outbound;
  p.key = (guint8 *) tx_key;
  p.window_size = 128;
  g_assert_cmpint (srtp_create (&s->tx, &p), ==, srtp_err_status_ok);
  p.ssrc.type = ssrc_any_inbound;
  p.key = (guint8 *) rx_key;
  g_assert_cmpint (srtp_create (&s->rx, &p), ==, srtp_err_status_ok);
  s->ssrc = 0x0ca201u;
  s->seq = 1000;
}

static void
srtp_pair_clear (Srtp *s)
{
  srtp_dealloc (s->tx);
  srtp_dealloc (s->rx);
}

static void
rtp_send (Ue *ue, Srtp *s, GSocketAddress *to)
{
  guint8 pkt[IMPS_UE_MEDIA_PACKET_LEN + SRTP_MAX_TRAILER_LEN];
  imps_ue_media_packet_fill (pkt, (guint16) (s->seq + s->counter), s->counter * 160, s->ssrc,
                             s->counter);
  int len = IMPS_UE_MEDIA_PACKET_LEN;
  g_assert_cmpint (srtp_protect (s->tx, pkt, &len), ==, srtp_err_status_ok);
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (ue->rtp, to, (gchar *) pkt, (gsize) len, NULL, &error), ==,
                   len);
  s->counter++;
}

/* Reads what arrived on the RTP socket without waiting. */
static void
rtp_drain (Ue *ue, Srtp *s)
{
  for (;;)
    {
      guint8 buf[2048];
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (ue->rtp, (gchar *) buf, sizeof buf, FALSE,
                                                 NULL, &error);
      if (n <= 0)
        return;
      int len = (int) n;
      if (srtp_unprotect (s->rx, buf, &len) != srtp_err_status_ok)
        {
          s->refused++;
          continue;
        }
      s->received_auth++;
      if (imps_ue_media_packet_check (buf, (gsize) len, NULL) == IMPS_UE_MEDIA_CHECK_OK)
        s->received_ok++;
    }
}

/* MEDIA_PACKETS packets, one every 20 ms, reading what comes back. */
static void
media_run (Ue *ue, Srtp *s, const gchar *addr, guint16 port)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (addr);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (ia, port);
  for (guint i = 0; i < MEDIA_PACKETS; i++)
    {
      rtp_send (ue, s, to);
      g_usleep (20000);
      rtp_drain (ue, s);
    }
}

/* ---- the calls ---- */

static void
expect_line (Ue *ue, const gchar *prefix, const gchar *contains)
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
take_call (Ue *ue)
{
  g_autofree gchar *invite = receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (invite, "INVITE sip:carol@127.0.0.1:"));
  gchar addr[64];
  guint16 port;
  guint8 bob_key[30], my_key[30];
  guint tag;
  sdp_read (body (invite), addr, &port, bob_key, &tag);
  g_assert_null (strstr (body (invite), "3ge2ae"));
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0xa0 + i);
  g_autofree gchar *vias = header_lines (invite, "Via");
  g_autofree gchar *rr = header_lines (invite, "Record-Route");
  g_autofree gchar *from = header (invite, "From");
  g_autofree gchar *to = header (invite, "To");
  g_autofree gchar *call_id = header (invite, "Call-ID");
  g_autofree gchar *cseq = header (invite, "CSeq");
  g_autofree gchar *sdp = sdp_offer (ue, my_key, tag, FALSE);
  g_autofree gchar *ok = g_strdup_printf (
    "SIP/2.0 200 OK\r\n%s%sFrom: %s\r\nTo: %s;tag=carol1\r\nCall-ID: %s\r\nCSeq: %s\r\n"
    "Contact: <sip:carol@127.0.0.1:%u>\r\nContent-Type: application/sdp\r\n"
    "Content-Length: %zu\r\n\r\n%s",
    vias, rr, from, to, call_id, cseq, ue->sip_port, strlen (sdp), sdp);
  send_text (ue, ok);
  g_autofree gchar *ack = receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (ack, "ACK "));

  Srtp s = { 0 };
  srtp_pair (&s, my_key, bob_key);
  g_usleep (100000);
  media_run (ue, &s, addr, port);
  /* bob hangs up after media=2s */
  g_autofree gchar *bye = receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (bye, "BYE "));
  g_autofree gchar *bvias = header_lines (bye, "Via");
  g_autofree gchar *bfrom = header (bye, "From");
  g_autofree gchar *bto = header (bye, "To");
  g_autofree gchar *bcseq = header (bye, "CSeq");
  g_autofree gchar *bok = g_strdup_printf ("SIP/2.0 200 OK\r\n%sFrom: %s\r\nTo: %s\r\n"
                                           "Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
                                           bvias, bfrom, bto, call_id, bcseq);
  send_text (ue, bok);
  rtp_drain (ue, &s);
  /* bob's SRTP reached carol, decrypted with bob's a=crypto key */
  g_assert_cmpuint (s.received_ok, >, MEDIA_PACKETS / 2);
  g_assert_cmpuint (s.refused, ==, 0);
  srtp_pair_clear (&s);
  return g_steal_pointer (&call_id);
}

/* carol calls bob; returns the Call-ID. With @e2ae the answer must come
 * from the P-CSCF for the AGW. */
static gchar *
place_call (Ue *ue, gboolean e2ae, guint n)
{
  guint8 my_key[30];
  for (guint i = 0; i < 30; i++)
    my_key[i] = (guint8) (0x10 * n + i);
  g_autofree gchar *call_id = g_strdup_printf ("carol-call-%u", n);
  g_autofree gchar *sdp = sdp_offer (ue, my_key, 1, e2ae);
  g_autofree gchar *invite = g_strdup_printf (
    "INVITE sip:bob@lab7.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKinv%u;rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@lab7.net>;tag=c%u\r\nTo: <sip:bob@lab7.net>\r\nCall-ID: %s\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:carol@127.0.0.1:%u>\r\n"
    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
    ue->sip_port, n, n, call_id, ue->sip_port, strlen (sdp), sdp);
  send_text (ue, invite);
  g_autofree gchar *ok = receive_text (ue, FALSE);
  /* a retransmission of bob's BYE of the call before (Timer E, when
   * carol's 200 took longer than its interval on a slow machine) */
  while (g_str_has_prefix (ok, "BYE "))
    {
      g_free (ok);
      ok = receive_text (ue, FALSE);
    }
  g_assert_true (g_str_has_prefix (ok, "SIP/2.0 200 "));
  gchar addr[64];
  guint16 port;
  guint8 far_key[30];
  guint tag;
  sdp_read (body (ok), addr, &port, far_key, &tag);
  g_assert_cmpuint (tag, ==, 1);
  if (e2ae)
    {
      /* the AGW's address (profile §9: 127.0.<op>.41) and a=3ge2ae:applied */
      g_assert_cmpstr (addr, ==, "127.0.7.41");
      g_assert_nonnull (strstr (body (ok), "a=3ge2ae:applied"));
    }
  else
    g_assert_cmpstr (addr, !=, "127.0.7.41");

  g_autofree gchar *to = header (ok, "To");
  g_autofree gchar *contact = header (ok, "Contact");
  g_autofree gchar *rr = header (ok, "Record-Route");
  /* the route set: Record-Route reversed (one P-CSCF, one S-CSCF here) */
  g_auto (GStrv) rrs = rr ? g_strsplit (rr, ",", -1) : g_new0 (gchar *, 1);
  GString *route = g_string_new (NULL);
  for (gint i = (gint) g_strv_length (rrs) - 1; i >= 0; i--)
    g_string_append_printf (route, "Route: %s\r\n", g_strstrip (rrs[i]));
  g_autofree gchar *routes = g_string_free (route, FALSE);
  g_autofree gchar *cl = header_lines (ok, "Record-Route");
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
  send_text (ue, ack);

  Srtp s = { 0 };
  srtp_pair (&s, my_key, far_key);
  g_usleep (200000);
  media_run (ue, &s, addr, port);

  /* 4. RTP from another port of ours: not the peer of bob's media port */
  if (n == 1)
    {
      guint16 stray_port;
      g_autoptr (GSocket) stray = udp_socket (&stray_port);
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
  send_text (ue, bye);
  g_autofree gchar *bye_ok = receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (bye_ok, "SIP/2.0 200 "));
  rtp_drain (ue, &s);
  /* bob's SRTP (e2e) or the AGW's (e2ae) reached carol and authenticated */
  g_assert_cmpuint (s.received_ok, >, MEDIA_PACKETS / 2);
  g_assert_cmpuint (s.refused, ==, 0);
  srtp_pair_clear (&s);
  return g_steal_pointer (&call_id);
}

/* A "report ..." line of serve's stop output that names @call_id and
 * starts with @prefix: the number next to @label. */
static gboolean
report_numbers (GPtrArray *lines, const gchar *prefix, const gchar *call_id,
                const gchar *label, guint64 *value)
{
  for (guint i = 0; i < lines->len; i++)
    {
      const gchar *l = g_ptr_array_index (lines, i);
      if (!g_str_has_prefix (l, prefix) || (call_id && strstr (l, call_id) == NULL))
        continue;
      const gchar *p = strstr (l, label);
      if (p == NULL)
        continue;
      /* the number before the label ("60 verified") or after it ("sent 60") */
      const gchar *q = p;
      while (q > l && q[-1] == ' ')
        q--;
      const gchar *d = q;
      while (d > l && g_ascii_isdigit (d[-1]))
        d--;
      if (d < q)
        *value = g_ascii_strtoull (d, NULL, 10);
      else
        *value = g_ascii_strtoull (p + strlen (label), NULL, 10);
      return TRUE;
    }
  return FALSE;
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
                                           die_with_parent, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  Ue ue = { 0 };
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

  ue.sip = udp_socket (&ue.sip_port);
  ue.rtp = udp_socket (&ue.rtp_port);
  g_autoptr (GInetAddress) pa = g_inet_address_new_from_string ("127.0.7.40");
  ue.pcscf = g_inet_socket_address_new (pa, (guint16) gm_port);

  ue_register (&ue);
  g_autofree gchar *call1 = take_call (&ue);
  g_autofree gchar *call2 = place_call (&ue, FALSE, 1);
  g_autofree gchar *call3 = place_call (&ue, TRUE, 2);

  kill (pid, SIGTERM);
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  for (;;)
    {
      gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      if (line == NULL)
        break;
      g_test_message ("%s", line);
      g_ptr_array_add (report, line);
    }
  gint status_code = 0;
  g_assert_cmpint (waitpid (pid, &status_code, 0), ==, pid);
  g_assert_true (WIFEXITED (status_code));
  g_assert_cmpint (WEXITSTATUS (status_code), ==, 0);
  g_spawn_close_pid (pid);

  guint64 v = 0;
  /* 1: carol's SRTP verified at bob (e2e), nothing refused */
  g_assert_true (report_numbers (report, "report media ", call1, " verified", &v));
  g_assert_cmpuint (v, >=, MEDIA_PACKETS / 2);
  g_assert_true (report_numbers (report, "report media ", call1, " auth failures", &v));
  g_assert_cmpuint (v, ==, 0);
  /* 2: all of carol's packets verified at bob, none lost */
  g_assert_true (report_numbers (report, "report media ", call2, " verified", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);
  g_assert_true (report_numbers (report, "report media ", call2, " lost", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (report_numbers (report, "report media ", call2, " auth failures", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_false (report_numbers (report, "report agw ", call2, "authenticated", &v));
  /* 3: e2ae: the AGW authenticated every SRTP packet of carol's, and bob
   * verified them as RTP from the AGW */
  g_assert_true (report_numbers (report, "report agw ", call3, "authenticated ", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);
  g_assert_true (report_numbers (report, "report agw ", call3, "replays ", &v));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (report_numbers (report, "report media ", call3, " verified", &v));
  g_assert_cmpuint (v, ==, MEDIA_PACKETS);
  /* 4: the stray packets were dropped as from an unknown source */
  g_assert_true (report_numbers (report, "report media sockets", NULL, "unknown sources ", &v));
  g_assert_cmpuint (v, >=, 5);

  g_object_unref (ue.sip);
  g_object_unref (ue.rtp);
  g_object_unref (ue.pcscf);
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
