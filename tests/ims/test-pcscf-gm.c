/* Tests of the P-CSCF's Gm on real sockets (src/ims/imps-pcscf-gm.c): an
 * outside UE written here sends over loopback UDP and TCP to a P-CSCF and
 * S-CSCF of profile §9 on the real clock. REGISTER without credentials gets
 * 401, with the right Digest 200 (and the S-CSCF then holds the contact),
 * with a wrong password 403; malformed bytes get 400 or are dropped and
 * counted. The Digest answers are computed with src/core/digest. */
#include "imps-ims.h"
#include "imps-pcscf-gm.h"
#include "digest/imps-digest.h"
#include "sip/imps-sip-headers.h"
#include "sip/imps-sip-message.h"

#include <gio/gio.h>
#include <string.h>

#define IMPI "alice@home1.net"
#define IMPU "sip:alice@home1.net"
#define PASSWORD "correct horse"

typedef struct {
  ImpsClock *clock;
  ImpsRandom *rnd;
  ImpsNetwork *net;
  ImpsSipBus *bus;
  ImpsScscf *scscf;
  ImpsPcscfGm *gm;
  ImpsPcscf *pcscf;
  GSocket *ue;            /* the outside UE, UDP at 127.0.0.1 */
  guint16 ue_port;
  guint16 port;           /* the P-CSCF's */
  gboolean got;
  gboolean timed_out;
} Fx;

static void
fx_init (Fx *fx)
{
  g_autoptr (GError) error = NULL;
  fx->clock = imps_clock_new_real ();
  fx->rnd = imps_random_new_seeded (16);
  fx->net = imps_network_new (fx->clock, fx->rnd);
  fx->bus = imps_sip_bus_new (fx->net, 1000);
  fx->scscf = imps_scscf_new (fx->net, fx->bus, "home1.net", "127.0.1.50", 0, &error);
  g_assert_no_error (error);
  ImpsPcscfGmConfig gc = { .domain = "home1.net", .address = "127.0.1.40",
                           .pcscf_address = "127.0.1.40" };
  fx->gm = imps_pcscf_gm_new (fx->net, fx->bus, &gc, &error);
  g_assert_no_error (error);
  fx->port = imps_pcscf_gm_get_port (fx->gm);
  g_assert_cmpuint (fx->port, >, 0);
  const gchar *impus[] = { IMPU, NULL };
  imps_pcscf_gm_add_user (fx->gm, IMPI, impus, PASSWORD);
  ImpsPcscfConfig pc = { .domain = "home1.net", .address = "127.0.1.40", .port = fx->port,
                         .agw_address = "127.0.1.41", .scscf_address = "127.0.1.50" };
  fx->pcscf = imps_pcscf_new (fx->net, fx->bus, &pc, &error);
  g_assert_no_error (error);

  fx->ue = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, 0);
  g_assert_true (g_socket_bind (fx->ue, sa, FALSE, &error));
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (fx->ue, &error);
  fx->ue_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_socket_set_blocking (fx->ue, FALSE);
}

static void
fx_clear (Fx *fx)
{
  g_object_unref (fx->ue);
  imps_pcscf_free (fx->pcscf);
  imps_pcscf_gm_free (fx->gm);
  imps_scscf_free (fx->scscf);
  imps_sip_bus_free (fx->bus);
  imps_network_free (fx->net);
  imps_random_free (fx->rnd);
  imps_clock_unref (fx->clock);
}

static gboolean
on_ue_readable (GSocket *s, GIOCondition c, gpointer data)
{
  ((Fx *) data)->got = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_guard (gpointer data)
{
  ((Fx *) data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the loop until the UE has a datagram; NULL when none came (the
 * guard only keeps a broken build from hanging). */
static GBytes *
ue_wait (Fx *fx)
{
  fx->got = FALSE;
  fx->timed_out = FALSE;
  GSource *src = g_socket_create_source (fx->ue, G_IO_IN, NULL);
  g_source_set_callback (src, G_SOURCE_FUNC (on_ue_readable), fx, NULL);
  g_source_attach (src, NULL);
  guint guard = g_timeout_add_seconds (20, on_guard, fx);
  while (!fx->got && !fx->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (src);
  g_source_unref (src);
  if (!fx->timed_out)
    g_source_remove (guard);
  if (!fx->got)
    return NULL;
  guint8 buf[65536];
  gssize n = g_socket_receive (fx->ue, (gchar *) buf, sizeof buf, NULL, NULL);
  g_assert_cmpint (n, >, 0);
  return g_bytes_new (buf, (gsize) n);
}

static void
ue_send (Fx *fx, const gchar *text, gsize len)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.1.40");
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, fx->port);
  g_assert_cmpint (g_socket_send_to (fx->ue, sa, text, len, NULL, NULL), ==, (gssize) len);
}

static ImpsSipMessage *
ue_exchange (Fx *fx, const gchar *text)
{
  ue_send (fx, text, strlen (text));
  g_autoptr (GBytes) b = ue_wait (fx);
  g_assert_nonnull (b);
  gsize len;
  const guint8 *p = g_bytes_get_data (b, &len);
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *m = imps_sip_message_parse (p, len, &error);
  g_assert_no_error (error);
  return m;
}

static gchar *
register_text (Fx *fx, guint cseq, const gchar *authorization)
{
  return g_strdup_printf (
    "REGISTER sip:home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKreg%u;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: <" IMPU ">;tag=ue1\r\n"
    "To: <" IMPU ">\r\n"
    "Call-ID: reg-outside-1\r\n"
    "CSeq: %u REGISTER\r\n"
    "Contact: <sip:alice@127.0.0.1:%u>;expires=600\r\n"
    "%s%s%s"
    "Content-Length: 0\r\n\r\n",
    fx->ue_port, cseq, cseq, fx->ue_port, authorization ? "Authorization: " : "",
    authorization ? authorization : "", authorization ? "\r\n" : "");
}

static gchar *
answer (const ImpsSipMessage *challenge_msg, const gchar *password, guint32 nc)
{
  const gchar *www = imps_sip_message_get_header_value (challenge_msg, "WWW-Authenticate");
  g_assert_nonnull (www);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (www, strlen (www), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->realm, ==, "home1.net");
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new_for (c, IMPI,
                                                                           "sip:home1.net",
                                                                           "0a4f113b", nc);
  imps_digest_credentials_sign (cred, "REGISTER", (const guint8 *) password, strlen (password),
                                NULL, 0);
  gchar *v = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  return v;
}

static void
test_register_digest (void)
{
  Fx fx = { 0 };
  fx_init (&fx);
  ImpsPcscfGmStats st;

  /* No credentials: 401 with a Digest MD5 challenge. */
  g_autofree gchar *r1 = register_text (&fx, 1, NULL);
  g_autoptr (ImpsSipMessage) m1 = ue_exchange (&fx, r1);
  g_assert_cmpuint (imps_sip_message_get_status (m1), ==, 401);
  g_autoptr (GPtrArray) none = imps_scscf_dup_contacts (fx.scscf, IMPU);
  g_assert_true (none == NULL || none->len == 0);

  /* A wrong password: 403, and still no binding. */
  g_autofree gchar *bad = answer (m1, "wrong", 1);
  g_autofree gchar *r2 = register_text (&fx, 2, bad);
  g_autoptr (ImpsSipMessage) m2 = ue_exchange (&fx, r2);
  g_assert_cmpuint (imps_sip_message_get_status (m2), ==, 403);
  g_autoptr (GPtrArray) none2 = imps_scscf_dup_contacts (fx.scscf, IMPU);
  g_assert_true (none2 == NULL || none2->len == 0);

  /* The right one: 200 from the S-CSCF, which now holds the contact. */
  g_autofree gchar *good = answer (m1, PASSWORD, 2);
  g_autofree gchar *r3 = register_text (&fx, 3, good);
  g_autoptr (ImpsSipMessage) m3 = ue_exchange (&fx, r3);
  g_assert_cmpuint (imps_sip_message_get_status (m3), ==, 200);
  g_autoptr (GPtrArray) contacts = imps_scscf_dup_contacts (fx.scscf, IMPU);
  g_assert_nonnull (contacts);
  g_assert_cmpuint (contacts->len, ==, 1);
  g_autofree gchar *want = g_strdup_printf ("sip:alice@127.0.0.1:%u", fx.ue_port);
  g_assert_cmpstr (g_ptr_array_index (contacts, 0), ==, want);
  g_assert_cmpstr (imps_pcscf_registered_impu (fx.pcscf, "127.0.0.1"), ==, IMPU);

  /* The same nonce count again is a replay: challenged anew (stale). */
  g_autofree gchar *r4 = register_text (&fx, 4, good);
  g_autoptr (ImpsSipMessage) m4 = ue_exchange (&fx, r4);
  g_assert_cmpuint (imps_sip_message_get_status (m4), ==, 401);
  g_assert_nonnull (strstr (imps_sip_message_get_header_value (m4, "WWW-Authenticate"),
                            "stale=true"));

  /* An identity that is no outside device: 403. */
  g_autofree gchar *r5 = register_text (&fx, 5, NULL);
  g_autofree gchar *r5b = NULL;
  {
    g_auto (GStrv) parts = g_strsplit (r5, "sip:alice@home1.net", -1);
    r5b = g_strjoinv ("sip:mallory@home1.net", parts);
  }
  g_autoptr (ImpsSipMessage) m5 = ue_exchange (&fx, r5b);
  g_assert_cmpuint (imps_sip_message_get_status (m5), ==, 403);

  /* An Authorization that is not Digest's grammar: 400 naming it. */
  g_autofree gchar *r6 = register_text (&fx, 6, "Digest username=\"alice@home1.net\", realm=");
  g_autoptr (ImpsSipMessage) m6 = ue_exchange (&fx, r6);
  g_assert_cmpuint (imps_sip_message_get_status (m6), ==, 400);
  g_assert_nonnull (strstr (imps_sip_message_get_reason (m6), "Authorization"));

  imps_pcscf_gm_get_stats (fx.gm, &st);
  g_assert_cmpuint (st.bad_request, ==, 1);
  g_assert_cmpuint (st.challenged, ==, 2);
  g_assert_cmpuint (st.authenticated, ==, 1);
  g_assert_cmpuint (st.refused, ==, 2);
  fx_clear (&fx);
}

static void
test_malformed (void)
{
  Fx fx = { 0 };
  fx_init (&fx);
  ImpsPcscfGmStats st;

  /* A request whose Max-Forwards is no number, with the other lines readable:
   * 400 with the parser's reason, echoing Call-ID. */
  gchar *bad = g_strdup_printf ("INVITE sip:bob@home1.net SIP/2.0\r\n"
                                "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKbad1\r\n"
                                "From: <" IMPU ">;tag=x\r\nTo: <sip:bob@home1.net>\r\n"
                                "Call-ID: bad-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: lots\r\n"
                                "Content-Length: 0\r\n\r\n", fx.ue_port);
  ue_send (&fx, bad, strlen (bad));
  g_free (bad);
  g_autoptr (GBytes) b = ue_wait (&fx);
  g_assert_nonnull (b);
  gsize len;
  const guint8 *p = g_bytes_get_data (b, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) m = imps_sip_message_parse (p, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (imps_sip_message_get_status (m), ==, 400);
  g_assert_cmpstr (imps_sip_message_get_call_id (m), ==, "bad-1");
  g_assert_nonnull (strstr (imps_sip_message_get_reason (m), "Max-Forwards"));

  /* Garbage with nothing to answer with: dropped and counted; then a good
   * REGISTER still gets its 401 (the listener lives on). */
  static const guint8 junk[] = { 0x00, 0xff, 'S', 'I', 'P', '\r', '\n', 0x80, 0x7f };
  ue_send (&fx, (const gchar *) junk, sizeof junk);
  /* A datagram over the bound: dropped unread, however it starts. */
  gsize big = IMPS_PCSCF_GM_MAX_MESSAGE + 4000;
  g_autofree gchar *huge = g_malloc (big);
  memset (huge, 'a', big);
  memcpy (huge, "OPTIONS sip:x SIP/2.0\r\n", 23);
  ue_send (&fx, huge, big);
  g_autofree gchar *reg = register_text (&fx, 1, NULL);
  g_autoptr (ImpsSipMessage) m2 = ue_exchange (&fx, reg);
  g_assert_cmpuint (imps_sip_message_get_status (m2), ==, 401);

  imps_pcscf_gm_get_stats (fx.gm, &st);
  g_assert_cmpuint (st.bad_request, ==, 1);
  g_assert_cmpuint (st.dropped, ==, 2);
  g_assert_cmpuint (st.received, ==, 4);
  fx_clear (&fx);
}

static void
test_frame (void)
{
  gsize skip, n;
  g_autoptr (GError) error = NULL;
  const gchar *two = "\r\n\r\nOPTIONS sip:x SIP/2.0\r\nl: 3\r\n\r\nabcNEXT";
  g_assert_true (imps_pcscf_gm_frame ((const guint8 *) two, strlen (two), &skip, &n, &error));
  g_assert_cmpuint (skip, ==, 4);
  g_assert_cmpuint (n, ==, strlen (two) - 4 - 4);
  /* Not all of the body yet. */
  g_assert_true (imps_pcscf_gm_frame ((const guint8 *) two, strlen (two) - 6, &skip, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  const gchar *no_len = "OPTIONS sip:x SIP/2.0\r\nVia: x\r\n\r\n";
  g_assert_false (imps_pcscf_gm_frame ((const guint8 *) no_len, strlen (no_len), &skip, &n,
                                       &error));
  g_assert_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_FRAMING);
  g_clear_error (&error);
  const gchar *huge = "OPTIONS sip:x SIP/2.0\r\nContent-Length: 999999\r\n\r\n";
  g_assert_false (imps_pcscf_gm_frame ((const guint8 *) huge, strlen (huge), &skip, &n, &error));
  g_clear_error (&error);
  /* No end of the headers within the bound. */
  gsize big = IMPS_PCSCF_GM_MAX_MESSAGE + 10;
  g_autofree guint8 *filler = g_malloc (big);
  memset (filler, 'a', big);
  g_assert_false (imps_pcscf_gm_frame (filler, big, &skip, &n, &error));
}

/* Over TCP: one connection carrying a REGISTER split in two writes gets its
 * 401 on the same connection. */
static void
test_tcp (void)
{
  Fx fx = { 0 };
  fx_init (&fx);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) c = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.1.40");
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, fx.port);
  g_assert_true (g_socket_connect (c, sa, NULL, &error));
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (c, &error);
  guint16 cport = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_autofree gchar *reg = register_text (&fx, 1, NULL);
  g_autofree gchar *tcp_reg = NULL;
  {
    g_autofree gchar *from = g_strdup_printf ("SIP/2.0/UDP 127.0.0.1:%u", fx.ue_port);
    g_autofree gchar *to = g_strdup_printf ("SIP/2.0/TCP 127.0.0.1:%u", cport);
    g_auto (GStrv) parts = g_strsplit (reg, from, -1);
    tcp_reg = g_strjoinv (to, parts);
  }
  gsize half = strlen (tcp_reg) / 2;
  g_assert_cmpint (g_socket_send (c, tcp_reg, half, NULL, &error), ==, (gssize) half);
  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (g_socket_send (c, tcp_reg + half, strlen (tcp_reg) - half, NULL, &error), ==,
                   (gssize) (strlen (tcp_reg) - half));
  g_socket_set_blocking (c, FALSE);
  GSocket *saved = fx.ue;
  fx.ue = c;
  g_autoptr (GBytes) b = ue_wait (&fx);
  fx.ue = saved;
  g_assert_nonnull (b);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (b, NULL), "SIP/2.0 401 "));
  g_socket_close (c, NULL);
  fx_clear (&fx);
}

static void
on_sent (ImpsPcscfGmTransport t, const gchar *to, guint16 port, const guint8 *data, gsize len,
         gpointer user_data)
{
  GString *log = user_data;
  g_string_append_printf (log, "%s:%u ", to, port);
  g_string_append_len (log, (const gchar *) data, MIN (len, (gsize) 12));
  g_string_append_c (log, '\n');
}

/* More outside peers than the bound: the least recently heard one makes
 * room, so a new UE is still answered (socketless, on the virtual clock). */
static void
test_peer_bound (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (3);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  g_autoptr (ImpsSipBus) bus = imps_sip_bus_new (net, 1000);
  ImpsPcscfGmConfig gc = { .domain = "home1.net", .address = "127.0.1.40",
                           .pcscf_address = "127.0.1.40", .no_sockets = TRUE };
  g_autoptr (ImpsPcscfGm) gm = imps_pcscf_gm_new (net, bus, &gc, NULL);
  g_assert_nonnull (gm);
  const gchar *impus[] = { IMPU, NULL };
  imps_pcscf_gm_add_user (gm, IMPI, impus, PASSWORD);
  g_autoptr (GString) log = g_string_new (NULL);
  imps_pcscf_gm_set_send_hook (gm, on_sent, log);
  for (guint i = 0; i < IMPS_PCSCF_GM_MAX_PEERS + 44; i++)
    {
      imps_pcscf_gm_receive_datagram (gm, "127.0.0.1", (guint16) (10000 + i),
                                      (const guint8 *) "\r\n", 2);
      imps_clock_advance (clock, 1000);
    }
  Fx fx = { .ue_port = 20000 };
  g_autofree gchar *reg = register_text (&fx, 1, NULL);
  imps_pcscf_gm_receive_datagram (gm, "127.0.0.1", 20000, (const guint8 *) reg, strlen (reg));
  imps_clock_advance (clock, 10000);
  g_assert_cmpstr (log->str, ==, "127.0.0.1:20000 SIP/2.0 401 \n");
  ImpsPcscfGmStats st;
  imps_pcscf_gm_get_stats (gm, &st);
  g_assert_cmpuint (st.dropped, ==, 0);
  g_assert_cmpuint (st.challenged, ==, 1);
}

static void
on_media (ImpsPcscfGm *gm, const gchar *call_id, guint stream, const ImpsPcscfGmMediaEnd *local,
          const ImpsPcscfGmMediaEnd *remote, gboolean answered, gpointer user_data)
{
  g_string_append_printf (user_data, "%s %u: %s:%u/%s:%u <- %s:%u/%s:%u%s\n", call_id, stream,
                          local->rtp, local->rtp_port, local->rtcp, local->rtcp_port, remote->rtp,
                          remote->rtp_port, remote->rtcp, remote->rtcp_port,
                          answered ? " answered" : "");
}

/* The media ends of a call with an outside device: every media line of
 * the SDP is paired with the line at its place in the other side's SDP
 * (RFC 3264 §6), RTCP at a=rtcp's port and address (RFC 3605) or the next
 * port; a line with port 0 is left out; the 2xx marks them answered. */
static void
test_media_streams (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (5);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  g_autoptr (ImpsSipBus) bus = imps_sip_bus_new (net, 1000);
  ImpsPcscfGmConfig gc = { .domain = "home1.net", .address = "127.0.1.40",
                           .pcscf_address = "127.0.1.40", .no_sockets = TRUE };
  g_autoptr (ImpsPcscfGm) gm = imps_pcscf_gm_new (net, bus, &gc, NULL);
  g_assert_nonnull (gm);
  const gchar *impus[] = { IMPU, NULL };
  imps_pcscf_gm_add_user (gm, IMPI, impus, PASSWORD);
  g_autoptr (GString) sent = g_string_new (NULL);
  imps_pcscf_gm_set_send_hook (gm, on_sent, sent);
  g_autoptr (GString) media = g_string_new (NULL);
  imps_pcscf_gm_set_media_callback (gm, on_media, media);
  /* the device is heard from (and challenged): the P-CSCF now reaches it */
  Fx fx = { .ue_port = 20000 };
  g_autofree gchar *reg = register_text (&fx, 1, NULL);
  imps_pcscf_gm_receive_datagram (gm, "127.0.0.1", 20000, (const guint8 *) reg, strlen (reg));
  imps_clock_advance (clock, 10000);

  /* a simulated UE's offer with two audio lines reaches the device */
  const gchar *offer = "v=0\r\no=- 1 1 IN IP4 127.1.1.1\r\ns=-\r\nc=IN IP4 127.1.1.1\r\nt=0 0\r\n"
                       "m=audio 40000 RTP/AVP 0\r\nm=audio 40002 RTP/AVP 0\r\n"
                       "m=video 40004 RTP/AVP 99\r\nc=IN IP4 127.1.1.2\r\n";
  g_autofree gchar *invite = g_strdup_printf (
    "INVITE sip:alice@127.0.0.1:20000 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.1.40:5060;branch=z9hG4bKms1\r\nMax-Forwards: 69\r\n"
    "From: <sip:bob@home1.net>;tag=b1\r\nTo: <" IMPU ">\r\nCall-ID: ms-1\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:bob@127.1.1.1>\r\nContent-Type: application/sdp\r\n"
    "Content-Length: %zu\r\n\r\n%s", strlen (offer), offer);
  g_autoptr (GBytes) ib = g_bytes_new (invite, strlen (invite));
  imps_sip_bus_send_sip (bus, IMPS_REF_GM, "127.0.1.40", 5060, "127.0.0.1", 20000, ib, "INVITE");
  imps_clock_advance (clock, 10000);
  g_assert_nonnull (strstr (sent->str, "127.0.0.1:20000 INVITE sip:a\n"));
  g_assert_cmpstr (media->str, ==, "");

  /* its 183: the first line as it is, the second with a=rtcp elsewhere,
   * the third rejected */
  const gchar *answer_sdp = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                            "m=audio 50000 RTP/AVP 0\r\nm=audio 50002 RTP/AVP 0\r\n"
                            "a=rtcp:50100 IN IP4 127.0.0.9\r\nm=video 0 RTP/AVP 99\r\n";
#define MS_HEAD "SIP/2.0 %u %s\r\nVia: SIP/2.0/UDP 127.0.1.40:5060;branch=z9hG4bKms1\r\n" \
                "From: <sip:bob@home1.net>;tag=b1\r\nTo: <" IMPU ">;tag=a1\r\n" \
                "Call-ID: ms-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:20000>\r\n"
  g_autofree gchar *h183 = g_strdup_printf (MS_HEAD, 183, "Session Progress");
  g_autofree gchar *r183 = g_strdup_printf ("%sContent-Type: application/sdp\r\n"
                                            "Content-Length: %zu\r\n\r\n%s", h183,
                                            strlen (answer_sdp), answer_sdp);
  imps_pcscf_gm_receive_datagram (gm, "127.0.0.1", 20000, (const guint8 *) r183, strlen (r183));
  imps_clock_advance (clock, 10000);
  g_assert_cmpstr (media->str, ==,
                   "ms-1 0: 127.1.1.1:40000/127.1.1.1:40001 <- 127.0.0.1:50000/127.0.0.1:50001\n"
                   "ms-1 1: 127.1.1.1:40002/127.1.1.1:40003 <- 127.0.0.1:50002/127.0.0.9:50100\n");

  /* the 200 without SDP: both lines answered */
  g_string_truncate (media, 0);
  g_autofree gchar *h200 = g_strdup_printf (MS_HEAD, 200, "OK");
  g_autofree gchar *r200 = g_strdup_printf ("%sContent-Length: 0\r\n\r\n", h200);
  imps_pcscf_gm_receive_datagram (gm, "127.0.0.1", 20000, (const guint8 *) r200, strlen (r200));
  imps_clock_advance (clock, 10000);
  g_assert_cmpstr (media->str, ==,
                   "ms-1 0: 127.1.1.1:40000/127.1.1.1:40001 <- 127.0.0.1:50000/127.0.0.1:50001 answered\n"
                   "ms-1 1: 127.1.1.1:40002/127.1.1.1:40003 <- 127.0.0.1:50002/127.0.0.9:50100 answered\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pcscf-gm/register-digest", test_register_digest);
  g_test_add_func ("/pcscf-gm/malformed", test_malformed);
  g_test_add_func ("/pcscf-gm/frame", test_frame);
  g_test_add_func ("/pcscf-gm/tcp", test_tcp);
  g_test_add_func ("/pcscf-gm/peer-bound", test_peer_bound);
  g_test_add_func ("/pcscf-gm/media-streams", test_media_streams);
  return g_test_run ();
}
