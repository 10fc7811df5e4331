/* Tests of the S-CSCF's Mw on real sockets (src/ims/imps-scscf-mw.c, the
 * Gm socket code in its Mw role): an outside P-CSCF written here (a UDP
 * socket at 127.0.0.1 that relays like a proxy) in front of an S-CSCF of
 * profile §9 on the real clock.
 *
 *   - a request from a proxy through which nothing registered gets 403;
 *   - a REGISTER with Path: 401 from the S-CSCF, a wrong password 403, the
 *     right one 200 with the Path, and the S-CSCF holds the contact;
 *   - a subscriber without a password, with no HSS for AKA vectors, gets 403;
 *   - an INVITE from the network for the registered user goes to the proxy
 *     (its Path) and is sent again after T1 while the proxy is silent
 *     (RFC 3261 §17 Timer A), and no more once the proxy answers;
 *   - over TCP, the INVITE comes back over the proxy's connection, also
 *     when its Path names another port. */
#include "imps-ims.h"
#include "imps-scscf-mw.h"
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
  ImpsPcscfGm *mw;
  GSocket *px;            /* the outside proxy, UDP at 127.0.0.1 */
  guint16 px_port;
  guint16 port;           /* the S-CSCF's Mw */
  gboolean got;
  gboolean timed_out;
} Fx;

static void
fx_init (Fx *fx)
{
  g_autoptr (GError) error = NULL;
  fx->clock = imps_clock_new_real ();
  fx->rnd = imps_random_new_seeded (17);
  fx->net = imps_network_new (fx->clock, fx->rnd);
  fx->bus = imps_sip_bus_new (fx->net, 1000);
  fx->mw = imps_scscf_mw_new (fx->net, fx->bus, "home1.net", "127.0.1.50", 0, 0, FALSE, &error);
  g_assert_no_error (error);
  fx->port = imps_pcscf_gm_get_port (fx->mw);
  g_assert_cmpuint (fx->port, >, 0);
  const gchar *impus[] = { IMPU, NULL };
  imps_pcscf_gm_add_user (fx->mw, IMPI, impus, PASSWORD);
  const gchar *aka_impus[] = { "sip:bob@home1.net", NULL };
  imps_pcscf_gm_add_user (fx->mw, "bob@home1.net", aka_impus, NULL);
  /* the S-CSCF on the bus at the port its sockets got */
  fx->scscf = imps_scscf_new (fx->net, fx->bus, "home1.net", "127.0.1.50", fx->port, &error);
  g_assert_no_error (error);

  fx->px = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, 0);
  g_assert_true (g_socket_bind (fx->px, sa, FALSE, &error));
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (fx->px, &error);
  fx->px_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_socket_set_blocking (fx->px, FALSE);
}

static void
fx_clear (Fx *fx)
{
  g_object_unref (fx->px);
  imps_pcscf_gm_free (fx->mw);
  imps_scscf_free (fx->scscf);
  imps_sip_bus_free (fx->bus);
  imps_network_free (fx->net);
  imps_random_free (fx->rnd);
  imps_clock_unref (fx->clock);
}

static gboolean
on_readable (GSocket *s, GIOCondition c, gpointer data)
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

/* Runs the loop until the proxy has a datagram, or @guard_ms passed:
 * NULL then. */
static ImpsSipMessage *
px_wait (Fx *fx, guint guard_ms)
{
  fx->got = FALSE;
  fx->timed_out = FALSE;
  GSource *src = g_socket_create_source (fx->px, G_IO_IN, NULL);
  g_source_set_callback (src, G_SOURCE_FUNC (on_readable), fx, NULL);
  g_source_attach (src, NULL);
  guint guard = g_timeout_add (guard_ms, on_guard, fx);
  while (!fx->got && !fx->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (src);
  g_source_unref (src);
  if (!fx->timed_out)
    g_source_remove (guard);
  if (!fx->got)
    return NULL;
  guint8 buf[65536];
  gssize n = g_socket_receive (fx->px, (gchar *) buf, sizeof buf, NULL, NULL);
  g_assert_cmpint (n, >, 0);
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *m = imps_sip_message_parse (buf, (gsize) n, &error);
  g_assert_no_error (error);
  return m;
}

static void
px_send (Fx *fx, const gchar *text)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.1.50");
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, fx->port);
  g_assert_cmpint (g_socket_send_to (fx->px, sa, text, strlen (text), NULL, NULL), ==,
                   (gssize) strlen (text));
}

static ImpsSipMessage *
px_exchange (Fx *fx, const gchar *text)
{
  px_send (fx, text);
  ImpsSipMessage *m = px_wait (fx, 20000);
  g_assert_nonnull (m);
  return m;
}

/* A REGISTER as a proxy relays it: its own Via on top, Path. */
static gchar *
register_text (Fx *fx, const gchar *user, guint cseq, const gchar *authorization)
{
  return g_strdup_printf (
    "REGISTER sip:home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKpx%u\r\n"
    "Via: SIP/2.0/UDP 127.0.0.7:5060;received=127.0.0.7;branch=z9hG4bKue%u;rport=5060\r\n"
    "Max-Forwards: 69\r\n"
    "From: <sip:%s@home1.net>;tag=ue1\r\n"
    "To: <sip:%s@home1.net>\r\n"
    "Call-ID: reg-mw-1\r\n"
    "CSeq: %u REGISTER\r\n"
    "Contact: <sip:%s@127.0.0.7:5060>;expires=600\r\n"
    "Path: <sip:127.0.0.1:%u;lr>\r\n"
    "%s%s%s"
    "Content-Length: 0\r\n\r\n",
    fx->px_port, cseq, cseq, user, user, cseq, user, fx->px_port,
    authorization ? "Authorization: " : "", authorization ? authorization : "",
    authorization ? "\r\n" : "");
}

static gchar *
answer (const ImpsSipMessage *challenge_msg, const gchar *password)
{
  const gchar *www = imps_sip_message_get_header_value (challenge_msg, "WWW-Authenticate");
  g_assert_nonnull (www);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (www, strlen (www), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->realm, ==, "home1.net");
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new_for (c, IMPI,
                                                                           "sip:home1.net",
                                                                           "0a4f113b", 1);
  imps_digest_credentials_sign (cred, "REGISTER", (const guint8 *) password, strlen (password),
                                NULL, 0);
  gchar *v = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  return v;
}

static void
test_mw (void)
{
  Fx fx = { 0 };
  fx_init (&fx);
  ImpsPcscfGmStats st;

  /* Nothing registered through this proxy: its INVITE gets 403. */
  g_autofree gchar *stray = g_strdup_printf (
    "INVITE sip:alice@home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKstray\r\nMax-Forwards: 70\r\n"
    "From: <sip:eve@home1.net>;tag=e1\r\nTo: <" IMPU ">\r\nCall-ID: stray-1\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:eve@127.0.0.1:%u>\r\nContent-Length: 0\r\n\r\n",
    fx.px_port, fx.px_port);
  g_autoptr (ImpsSipMessage) s1 = px_exchange (&fx, stray);
  g_assert_cmpuint (imps_sip_message_get_status (s1), ==, 403);
  /* its ACK ends the 403's retransmission */
  g_autofree gchar *stray_ack = g_strdup_printf (
    "ACK sip:alice@home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKstray\r\nMax-Forwards: 70\r\n"
    "From: <sip:eve@home1.net>;tag=e1\r\nTo: %s\r\nCall-ID: stray-1\r\n"
    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
    fx.px_port, imps_sip_message_get_header_value (s1, "To"));
  px_send (&fx, stray_ack);

  /* bob has no password and this Mw no HSS for an AKA vector: 403. */
  g_autofree gchar *rb = register_text (&fx, "bob", 1, NULL);
  g_autoptr (ImpsSipMessage) b1 = px_exchange (&fx, rb);
  g_assert_cmpuint (imps_sip_message_get_status (b1), ==, 403);

  /* alice: 401, a wrong password 403, the right one 200 with the Path. */
  g_autofree gchar *r1 = register_text (&fx, "alice", 2, NULL);
  g_autoptr (ImpsSipMessage) m1 = px_exchange (&fx, r1);
  g_assert_cmpuint (imps_sip_message_get_status (m1), ==, 401);
  g_autofree gchar *bad = answer (m1, "wrong");
  g_autofree gchar *r2 = register_text (&fx, "alice", 3, bad);
  g_autoptr (ImpsSipMessage) m2 = px_exchange (&fx, r2);
  g_assert_cmpuint (imps_sip_message_get_status (m2), ==, 403);
  g_autoptr (GPtrArray) none = imps_scscf_dup_contacts (fx.scscf, IMPU);
  g_assert_true (none == NULL || none->len == 0);
  /* a new REGISTER transaction, a new challenge */
  g_autofree gchar *r3 = register_text (&fx, "alice", 4, NULL);
  g_autoptr (ImpsSipMessage) m3 = px_exchange (&fx, r3);
  g_assert_cmpuint (imps_sip_message_get_status (m3), ==, 401);
  g_autofree gchar *good = answer (m3, PASSWORD);
  g_autofree gchar *r4 = register_text (&fx, "alice", 5, good);
  g_autoptr (ImpsSipMessage) m4 = px_exchange (&fx, r4);
  g_assert_cmpuint (imps_sip_message_get_status (m4), ==, 200);
  g_autofree gchar *path = g_strdup_printf ("<sip:127.0.0.1:%u;lr>", fx.px_port);
  g_assert_cmpstr (imps_sip_message_get_header_value (m4, "Path"), ==, path);
  g_autoptr (GPtrArray) bound = imps_scscf_dup_contacts (fx.scscf, IMPU);
  g_assert_nonnull (bound);
  g_assert_cmpuint (bound->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (bound, 0), ==, "sip:alice@127.0.0.7:5060");

  /* A caller in the network (a P-CSCF on the bus) calls alice: the INVITE
   * goes to the proxy, to alice's contact, with the Path as Route. */
  g_autoptr (GBytes) invite = g_bytes_new_static (
    "INVITE sip:alice@home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.1.40:5060;branch=z9hG4bKnet1\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@home1.net>;tag=n1\r\nTo: <" IMPU ">\r\nCall-ID: net-1\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:carol@127.1.1.1:5060>\r\nContent-Length: 0\r\n\r\n",
    strlen ("INVITE sip:alice@home1.net SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.1.40:5060;branch=z9hG4bKnet1\r\nMax-Forwards: 70\r\n"
            "From: <sip:carol@home1.net>;tag=n1\r\nTo: <" IMPU ">\r\nCall-ID: net-1\r\n"
            "CSeq: 1 INVITE\r\nContact: <sip:carol@127.1.1.1:5060>\r\nContent-Length: 0\r\n\r\n"));
  g_assert_true (imps_sip_bus_send_sip (fx.bus, IMPS_REF_MW, "127.0.1.40", 5060, "127.0.1.50",
                                        fx.port, invite, "INVITE"));
  g_autoptr (ImpsSipMessage) i1 = px_wait (&fx, 20000);
  g_assert_nonnull (i1);
  g_assert_cmpstr (imps_sip_message_get_method (i1), ==, "INVITE");
  g_assert_cmpstr (imps_sip_message_get_request_uri (i1), ==, "sip:alice@127.0.0.7:5060");
  g_assert_cmpstr (imps_sip_message_get_header_value (i1, "Route"), ==, path);
  /* silent proxy: Timer A sends it again after T1 */
  g_autoptr (ImpsSipMessage) i2 = px_wait (&fx, 20000);
  g_assert_nonnull (i2);
  g_assert_cmpstr (imps_sip_message_get_method (i2), ==, "INVITE");
  g_assert_cmpstr (imps_sip_message_get_call_id (i2), ==, "net-1");
  imps_pcscf_gm_get_stats (fx.mw, &st);
  g_assert_cmpuint (st.retransmitted, >=, 1);
  /* 100 Trying from the proxy stops it */
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) trying = imps_sip_message_new_response_for (i2, 100, NULL, NULL,
                                                                          &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) tb = imps_sip_message_to_bytes (trying);
  g_autofree gchar *tt = g_strndup (g_bytes_get_data (tb, NULL), g_bytes_get_size (tb));
  px_send (&fx, tt);
  guint64 before = st.retransmitted;
  /* 2.5 s: Timer A would have fired at 1.5 s and 3.5 s after the first */
  g_autoptr (ImpsSipMessage) none_more = px_wait (&fx, 2500);
  g_assert_null (none_more);
  imps_pcscf_gm_get_stats (fx.mw, &st);
  g_assert_cmpuint (st.retransmitted, ==, before);
  g_assert_cmpuint (st.authenticated, ==, 1);
  g_assert_cmpuint (st.challenged, ==, 2);
  g_assert_cmpuint (st.refused, ==, 3);

  fx_clear (&fx);
}

/* ---- the proxy over TCP ---- */

typedef struct {
  Fx *fx;
  GSocket *conn;
  GByteArray *in;
} Tcp;

/* The next whole message on the connection (framed as serve frames it),
 * running the loop meanwhile; NULL after @guard_ms. */
static ImpsSipMessage *
tcp_wait (Tcp *t, guint guard_ms)
{
  Fx *fx = t->fx;
  fx->timed_out = FALSE;
  guint guard = g_timeout_add (guard_ms, on_guard, fx);
  ImpsSipMessage *m = NULL;
  while (m == NULL && !fx->timed_out)
    {
      gsize skip = 0, n = 0;
      g_autoptr (GError) error = NULL;
      g_assert_true (imps_pcscf_gm_frame (t->in->data, t->in->len, &skip, &n, &error));
      if (n > 0)
        {
          m = imps_sip_message_parse (t->in->data + skip, n, &error);
          g_assert_no_error (error);
          g_byte_array_remove_range (t->in, 0, (guint) (skip + n));
          break;
        }
      fx->got = FALSE;
      GSource *src = g_socket_create_source (t->conn, G_IO_IN, NULL);
      g_source_set_callback (src, G_SOURCE_FUNC (on_readable), fx, NULL);
      g_source_attach (src, NULL);
      while (!fx->got && !fx->timed_out)
        g_main_context_iteration (NULL, TRUE);
      g_source_destroy (src);
      g_source_unref (src);
      if (fx->got)
        {
          guint8 buf[4096];
          gssize r = g_socket_receive (t->conn, (gchar *) buf, sizeof buf, NULL, NULL);
          g_assert_cmpint (r, >, 0);
          g_byte_array_append (t->in, buf, (guint) r);
        }
    }
  if (!fx->timed_out)
    g_source_remove (guard);
  return m;
}

static ImpsSipMessage *
tcp_exchange (Tcp *t, const gchar *text)
{
  g_assert_cmpint (g_socket_send (t->conn, text, strlen (text), NULL, NULL), ==,
                   (gssize) strlen (text));
  ImpsSipMessage *m = tcp_wait (t, 20000);
  g_assert_nonnull (m);
  return m;
}

/* A proxy that relays over TCP, from a port of the connection, naming its
 * listening port (another one) in Path: the INVITE for the user comes back
 * over the connection. */
static void
test_mw_tcp (void)
{
  Fx fx = { 0 };
  fx_init (&fx);
  g_autoptr (GError) error = NULL;
  Tcp t = { .fx = &fx, .in = g_byte_array_new () };
  t.conn = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string ("127.0.1.50");
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, fx.port);
  g_assert_true (g_socket_connect (t.conn, sa, NULL, &error));
  g_socket_set_blocking (t.conn, FALSE);

  /* Path and Via name px_port (the UDP socket stands for the proxy's
   * listening port; nothing is read there) */
  g_autofree gchar *r1 = register_text (&fx, "alice", 1, NULL);
  g_autoptr (ImpsSipMessage) m1 = tcp_exchange (&t, r1);
  g_assert_cmpuint (imps_sip_message_get_status (m1), ==, 401);
  g_autofree gchar *good = answer (m1, PASSWORD);
  g_autofree gchar *r2 = register_text (&fx, "alice", 2, good);
  g_autoptr (ImpsSipMessage) m2 = tcp_exchange (&t, r2);
  g_assert_cmpuint (imps_sip_message_get_status (m2), ==, 200);

  static const gchar inv[] =
    "INVITE sip:alice@home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.1.40:5060;branch=z9hG4bKnet2\r\nMax-Forwards: 70\r\n"
    "From: <sip:carol@home1.net>;tag=n2\r\nTo: <" IMPU ">\r\nCall-ID: net-2\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:carol@127.1.1.1:5060>\r\nContent-Length: 0\r\n\r\n";
  g_autoptr (GBytes) invite = g_bytes_new_static (inv, strlen (inv));
  g_assert_true (imps_sip_bus_send_sip (fx.bus, IMPS_REF_MW, "127.0.1.40", 5060, "127.0.1.50",
                                        fx.port, invite, "INVITE"));
  g_autoptr (ImpsSipMessage) i1 = tcp_wait (&t, 20000);
  g_assert_nonnull (i1);
  g_assert_cmpstr (imps_sip_message_get_method (i1), ==, "INVITE");
  g_assert_cmpstr (imps_sip_message_get_call_id (i1), ==, "net-2");
  /* nothing went to the UDP port the Path names */
  g_autoptr (ImpsSipMessage) none = px_wait (&fx, 800);
  g_assert_null (none);

  /* The proxy comes back from another port of its address (a new
   * connection, or UDP): it registered through that address, so its
   * INVITE is taken (100 Trying, not 403). */
  GSocket *px = fx.px;
  guint16 px_port = fx.px_port;
  fx.px = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                        &error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (fx.px, any, FALSE, &error));
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (fx.px, &error);
  fx.px_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_socket_set_blocking (fx.px, FALSE);
  g_autofree gchar *again = g_strdup_printf (
    "INVITE sip:alice@home1.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKagain\r\nMax-Forwards: 70\r\n"
    "From: <sip:eve@home1.net>;tag=e2\r\nTo: <" IMPU ">\r\nCall-ID: again-1\r\n"
    "CSeq: 1 INVITE\r\nContact: <sip:eve@127.0.0.8:5060>\r\nContent-Length: 0\r\n\r\n",
    fx.px_port);
  g_autoptr (ImpsSipMessage) t1 = px_exchange (&fx, again);
  g_assert_cmpuint (imps_sip_message_get_status (t1), ==, 100);
  g_object_unref (fx.px);
  fx.px = px;
  fx.px_port = px_port;

  g_object_unref (t.conn);
  g_byte_array_unref (t.in);
  fx_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scscf-mw/register-and-invite", test_mw);
  g_test_add_func ("/scscf-mw/tcp", test_mw_tcp);
  return g_test_run ();
}
