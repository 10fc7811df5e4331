/* Tests of the simulated IMS core (src/ims): S-CSCF registrar, routing and
 * forking, P-CSCF with IMS-ALG and IMS-AGW, exposure facts.
 *
 * Everything runs in process on the virtual clock over the SIP bus, with
 * scripted UEs written here from src/core/sip builders. The call flows
 * follow RFC 3665 (§2.1 registration, §3.2 session through proxies, §3.8
 * CANCEL with 487) and profile §5-§6; every message, address and key in
 * them is computed by this project (seeded random sources), not taken from
 * a document. Addresses are those of profile §9.
 */
#include "imps-ims.h"
#include "imps-sip-bus.h"
#include "sip/imps-sip-headers.h"
#include "sip/imps-sip-message.h"
#include "sdp/imps-sdes.h"
#include "srtp/imps-srtp.h"

#include <string.h>

#define LATENCY_US 1000

typedef struct {
  ImpsClock *clock;
  ImpsRandom *rnd;
  ImpsNetwork *net;
  ImpsSipBus *bus;
  ImpsScscf *scscf[2];
  ImpsPcscf *pcscf[2];
} Net;

typedef struct {
  Net *net;
  gint op;                  /* 1 or 2 */
  gchar addr[16];
  gchar *impu;              /* "sip:alice@home1.net" */
  gchar *user;
  ImpsRandom *rnd;
  guint id;
  GPtrArray *inbox;         /* ImpsSipMessage*, in arrival order */
  guint32 cseq;
  /* media */
  guint media_id;
  guint16 rtp_port;
  guint n_media;
  guint8 last_media[IMPS_SIP_BUS_MAX_PACKET];
  gsize last_media_len;
} Ua;

static void
net_init (Net *n)
{
  n->clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC);
  n->rnd = imps_random_new_seeded (7);
  n->net = imps_network_new (n->clock, n->rnd);
  n->bus = imps_sip_bus_new (n->net, LATENCY_US);
  for (guint op = 1; op <= 2; op++)
    {
      g_autofree gchar *domain = g_strdup_printf ("home%u.net", op);
      g_autofree gchar *s_addr = g_strdup_printf ("127.0.%u.50", op);
      g_autofree gchar *p_addr = g_strdup_printf ("127.0.%u.40", op);
      g_autofree gchar *a_addr = g_strdup_printf ("127.0.%u.41", op);
      g_autoptr (GError) error = NULL;
      n->scscf[op - 1] = imps_scscf_new (n->net, n->bus, domain, s_addr, 0, &error);
      g_assert_no_error (error);
      ImpsPcscfConfig cfg = {
        .domain = domain, .address = p_addr, .agw_address = a_addr, .scscf_address = s_addr,
      };
      n->pcscf[op - 1] = imps_pcscf_new (n->net, n->bus, &cfg, &error);
      g_assert_no_error (error);
    }
  imps_scscf_add_route (n->scscf[0], "home2.net", "127.0.2.50", 5060);
  imps_scscf_add_route (n->scscf[1], "home1.net", "127.0.1.50", 5060);
}

static void
net_clear (Net *n)
{
  for (guint i = 0; i < 2; i++)
    {
      imps_pcscf_free (n->pcscf[i]);
      imps_scscf_free (n->scscf[i]);
    }
  imps_sip_bus_free (n->bus);
  imps_network_free (n->net);
  imps_random_free (n->rnd);
  imps_clock_unref (n->clock);
}

/* Lets every message in flight arrive (a few hops of bus latency). */
static void
net_run (Net *n)
{
  imps_clock_advance (n->clock, 20 * LATENCY_US);
}

static void
ua_receive (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  Ua *ua = user_data;
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *msg = imps_sip_message_parse (data, len, &error);
  g_assert_no_error (error);
  g_ptr_array_add (ua->inbox, msg);
}

static void
ua_media (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  Ua *ua = user_data;
  ua->n_media++;
  memcpy (ua->last_media, data, len);
  ua->last_media_len = len;
}

static Ua *
ua_new (Net *n, gint op, guint index, const gchar *user)
{
  Ua *ua = g_new0 (Ua, 1);
  ua->net = n;
  ua->op = op;
  g_snprintf (ua->addr, sizeof ua->addr, "127.%d.1.%u", op, index);
  ua->user = g_strdup (user);
  ua->impu = g_strdup_printf ("sip:%s@home%d.net", user, op);
  ua->rnd = imps_random_new_seeded (100 * (guint64) op + index);
  ua->inbox = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sip_message_free);
  g_autofree gchar *name = g_strdup_printf ("ue-%s-%u", user, index);
  ua->id = imps_sip_bus_attach (n->bus, FALSE, name, ua->addr, 5060, ua_receive, ua);
  g_assert_cmpuint (ua->id, >, 0);
  ua->rtp_port = 30000;
  ua->media_id = imps_sip_bus_attach (n->bus, TRUE, name, ua->addr, ua->rtp_port, ua_media, ua);
  g_assert_cmpuint (ua->media_id, >, 0);
  return ua;
}

static void
ua_free (Ua *ua)
{
  imps_sip_bus_detach (ua->net->bus, ua->id);
  imps_sip_bus_detach (ua->net->bus, ua->media_id);
  g_ptr_array_unref (ua->inbox);
  imps_random_free (ua->rnd);
  g_free (ua->impu);
  g_free (ua->user);
  g_free (ua);
}

/* Sends along the top Route, else to the UE's P-CSCF (outbound proxy). */
static void
ua_send (Ua *ua, const ImpsSipMessage *msg)
{
  g_autofree gchar *to = g_strdup_printf ("127.0.%d.40", ua->op);
  guint16 port = 5060;
  g_autoptr (GPtrArray) routes = imps_sip_message_get_name_addrs (msg, "Route", NULL);
  if (routes != NULL && routes->len > 0)
    {
      ImpsSipNameAddr *r = g_ptr_array_index (routes, 0);
      g_free (to);
      to = g_strdup (r->uri->host);
      port = r->uri->port > 0 ? (guint16) r->uri->port : 5060;
    }
  g_autoptr (GBytes) bytes = imps_sip_message_to_bytes (msg);
  const gchar *summary = imps_sip_message_is_request (msg)
                           ? imps_sip_message_get_method (msg) : imps_sip_message_get_reason (msg);
  g_assert_true (imps_sip_bus_send_sip (ua->net->bus, IMPS_REF_GM, ua->addr, 5060, to, port,
                                        bytes, summary));
}

/* Responses go back along the top Via. */
static void
ua_respond (Ua *ua, const ImpsSipMessage *msg)
{
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (msg, 0, NULL);
  g_autoptr (GBytes) bytes = imps_sip_message_to_bytes (msg);
  g_assert_nonnull (via);
  g_assert_true (imps_sip_bus_send_sip (ua->net->bus, IMPS_REF_GM, ua->addr, 5060, via->host,
                                        via->port > 0 ? (guint16) via->port : 5060, bytes,
                                        imps_sip_message_get_reason (msg)));
}

/* The first message in the inbox that is the request @method, or the
 * response with @status to @method; removed from the inbox (free it). */
static ImpsSipMessage *
ua_take (Ua *ua, const gchar *method, guint status)
{
  for (guint i = 0; i < ua->inbox->len; i++)
    {
      ImpsSipMessage *m = g_ptr_array_index (ua->inbox, i);
      gboolean match = status == 0
                         ? imps_sip_message_is_request (m)
                             && strcmp (imps_sip_message_get_method (m), method) == 0
                         : !imps_sip_message_is_request (m)
                             && imps_sip_message_get_status (m) == status
                             && imps_sip_message_has_method (m, method);
      if (match)
        return g_ptr_array_steal_index (ua->inbox, i);
    }
  return NULL;
}

static guint
ua_count (Ua *ua, const gchar *method, guint status)
{
  guint n = 0;
  for (guint i = 0; i < ua->inbox->len; i++)
    {
      ImpsSipMessage *m = g_ptr_array_index (ua->inbox, i);
      if (status == 0 ? imps_sip_message_is_request (m)
                          && strcmp (imps_sip_message_get_method (m), method) == 0
                      : !imps_sip_message_is_request (m)
                          && imps_sip_message_get_status (m) == status
                          && imps_sip_message_has_method (m, method))
        n++;
    }
  return n;
}

static void
add_via (Ua *ua, ImpsSipMessage *msg)
{
  g_autofree gchar *branch = imps_sip_branch_new (ua->rnd);
  g_autoptr (ImpsSipVia) via = imps_sip_via_new ("UDP", ua->addr, 5060, branch);
  imps_sip_message_push_via (msg, via);
}

static ImpsSipMessage *
ua_new_register (Ua *ua, guint32 expires, const gchar *extra_header, const gchar *extra_value)
{
  g_autofree gchar *ruri = g_strdup_printf ("sip:home%d.net", ua->op);
  ImpsSipMessage *msg = imps_sip_message_new_request ("REGISTER", ruri);
  g_autofree gchar *tag = imps_sip_tag_new (ua->rnd);
  g_autofree gchar *from = g_strdup_printf ("<%s>;tag=%s", ua->impu, tag);
  g_autofree gchar *to = g_strdup_printf ("<%s>", ua->impu);
  g_autofree gchar *call_id = g_strdup_printf ("reg-%s-%s", ua->user, ua->addr);
  g_autofree gchar *contact = g_strdup_printf ("<sip:%s@%s:5060>;expires=%u", ua->user,
                                               ua->addr, expires);
  add_via (ua, msg);
  imps_sip_message_set_max_forwards (msg, 70);
  imps_sip_message_append_header (msg, "From", from);
  imps_sip_message_append_header (msg, "To", to);
  imps_sip_message_set_call_id (msg, call_id);
  imps_sip_message_set_cseq (msg, ++ua->cseq, "REGISTER");
  imps_sip_message_append_header (msg, "Contact", contact);
  if (extra_header != NULL)
    imps_sip_message_append_header (msg, extra_header, extra_value);
  return msg;
}

/* Registers and checks the 200 OK; returns how many contacts it lists. */
static guint
ua_register (Ua *ua, guint32 expires, gboolean mediasec)
{
  g_autoptr (ImpsSipMessage) reg = ua_new_register (ua, expires,
                                                    mediasec ? "Security-Client" : NULL,
                                                    "sdes-srtp;mediasec");
  ua_send (ua, reg);
  net_run (ua->net);
  g_autoptr (ImpsSipMessage) ok = ua_take (ua, "REGISTER", 200);
  g_assert_nonnull (ok);
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (ok, NULL);
  g_assert_nonnull (contacts);
  /* The registrar echoes the P-CSCF's Path (RFC 3327). */
  g_autofree gchar *path = g_strdup_printf ("<sip:127.0.%d.40:5060;lr>", ua->op);
  g_assert_cmpstr (imps_sip_message_get_header_value (ok, "Path"), ==, path);
  return contacts->len;
}

#define SDP_HEAD \
  "v=0\r\n" \
  "o=%s 2890844526 2890844526 IN IP4 %s\r\n" \
  "s=-\r\n" \
  "c=IN IP4 %s\r\n" \
  "t=0 0\r\n"

/* An audio offer or answer from @ua: plain RTP/AVP, or RTP/SAVP with SDES
 * lines per profile §5 (@sdes), @e2ae_requested adds a=3ge2ae:requested,
 * @key_mgmt adds an a=key-mgmt line. */
static ImpsSdp *
ua_sdp (Ua *ua, gboolean sdes, gboolean e2ae_requested, gboolean key_mgmt)
{
  g_autofree gchar *text = g_strdup_printf (SDP_HEAD "m=audio %u %s 0\r\na=sendrecv\r\n",
                                            ua->user, ua->addr, ua->addr, ua->rtp_port,
                                            sdes || key_mgmt ? "RTP/SAVP" : "RTP/AVP");
  g_autoptr (GError) error = NULL;
  ImpsSdp *sdp = imps_sdp_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  if (sdes)
    g_assert_true (imps_sdes_offer_add (m, &policy, ua->rnd, &error));
  if (e2ae_requested)
    g_assert_true (imps_sdp_media_add_attribute (m, "3ge2ae", "requested", &error));
  if (key_mgmt)
    {
      /* Opaque bytes standing in for a TRANSFER_INIT (the core must not
       * look into them): computed by this project. */
      guint8 blob[64];
      imps_random_fill (ua->rnd, blob, sizeof blob);
      blob[0] = 0x01;
      g_assert_true (imps_sdp_add_key_mgmt (sdp, m, "mikey", blob, sizeof blob, &error));
    }
  g_assert_no_error (error);
  return sdp;
}

static void
set_sdp (ImpsSipMessage *msg, const ImpsSdp *sdp)
{
  gsize len;
  gchar *text = imps_sdp_to_string (sdp, &len);
  g_autoptr (GBytes) body = g_bytes_new (text, len);
  imps_sdp_string_free (text);
  imps_sip_message_set_body (msg, body, "application/sdp");
}

G_GNUC_UNUSED static ImpsSdp *
get_sdp (const ImpsSipMessage *msg)
{
  GBytes *body = imps_sip_message_get_body (msg);
  gsize len;
  const gchar *data = g_bytes_get_data (body, &len);
  g_autoptr (GError) error = NULL;
  ImpsSdp *sdp = imps_sdp_parse (data, len, &error);
  g_assert_no_error (error);
  return sdp;
}

static ImpsSipMessage *
ua_new_invite (Ua *ua, const gchar *callee, const ImpsSdp *sdp)
{
  ImpsSipMessage *msg = imps_sip_message_new_request ("INVITE", callee);
  g_autofree gchar *tag = imps_sip_tag_new (ua->rnd);
  g_autofree gchar *from = g_strdup_printf ("<%s>;tag=%s", ua->impu, tag);
  g_autofree gchar *to = g_strdup_printf ("<%s>", callee);
  g_autofree gchar *call_id = imps_sip_call_id_new (ua->rnd, ua->addr);
  g_autofree gchar *contact = g_strdup_printf ("<sip:%s@%s:5060>", ua->user, ua->addr);
  add_via (ua, msg);
  imps_sip_message_set_max_forwards (msg, 70);
  imps_sip_message_append_header (msg, "From", from);
  imps_sip_message_append_header (msg, "To", to);
  imps_sip_message_set_call_id (msg, call_id);
  imps_sip_message_set_cseq (msg, 1, "INVITE");
  imps_sip_message_append_header (msg, "Contact", contact);
  /* What the UE would like asserted: the P-CSCF must replace it. */
  imps_sip_message_append_header (msg, "P-Preferred-Identity", "<sip:mallory@home1.net>");
  if (sdp != NULL)
    set_sdp (msg, sdp);
  return msg;
}

/* A response of the callee @ua to @invite, with its Contact and @sdp. */
static ImpsSipMessage *
ua_new_response (Ua *ua, const ImpsSipMessage *invite, guint status, const gchar *to_tag,
                 const ImpsSdp *sdp)
{
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *resp = imps_sip_message_new_response_for (invite, status, NULL, to_tag,
                                                            &error);
  g_assert_no_error (error);
  if (status > 100 && status < 300)
    {
      g_autofree gchar *contact = g_strdup_printf ("<sip:%s@%s:5060>", ua->user, ua->addr);
      imps_sip_message_append_header (resp, "Contact", contact);
    }
  if (sdp != NULL)
    set_sdp (resp, sdp);
  return resp;
}

/* A request within the dialog the caller's @ack set up (same Route set,
 * Request-URI, From, To, Call-ID). */
static ImpsSipMessage *
ua_new_in_dialog (Ua *ua, const ImpsSipMessage *ack, const gchar *method, guint32 cseq)
{
  ImpsSipMessage *msg = imps_sip_message_new_request (method,
                                                      imps_sip_message_get_request_uri (ack));
  add_via (ua, msg);
  imps_sip_message_set_max_forwards (msg, 70);
  g_autoptr (GPtrArray) routes = imps_sip_message_get_values (ack, "Route");
  for (guint i = 0; i < routes->len; i++)
    imps_sip_message_append_header (msg, "Route", g_ptr_array_index (routes, i));
  imps_sip_message_append_header (msg, "From", imps_sip_message_get_header_value (ack, "From"));
  imps_sip_message_append_header (msg, "To", imps_sip_message_get_header_value (ack, "To"));
  imps_sip_message_set_call_id (msg, imps_sip_message_get_call_id (ack));
  imps_sip_message_set_cseq (msg, cseq, method);
  return msg;
}

/* ACK for a 2xx, built with the src/core/sip helper. */
static ImpsSipMessage *
ua_new_ack (Ua *ua, const ImpsSipMessage *invite, const ImpsSipMessage *ok)
{
  g_autofree gchar *branch = imps_sip_branch_new (ua->rnd);
  g_autoptr (ImpsSipVia) via = imps_sip_via_new ("UDP", ua->addr, 5060, branch);
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *ack = imps_sip_message_new_ack_for_2xx (invite, ok, via, &error);
  g_assert_no_error (error);
  return ack;
}

static guint
n_vias (const ImpsSipMessage *msg)
{
  g_autoptr (GPtrArray) v = imps_sip_message_get_vias (msg, NULL);
  return v->len;
}

static guint
n_values (const ImpsSipMessage *msg, const gchar *name)
{
  g_autoptr (GPtrArray) v = imps_sip_message_get_values (msg, name);
  return v->len;
}

/* ---- registration ---------------------------------------------------------- */

static void
test_register (void)
{
  Net n;
  net_init (&n);
  Ua *a1 = ua_new (&n, 1, 1, "alice");
  Ua *a2 = ua_new (&n, 1, 2, "alice");

  /* Two contacts of one IMPU: the second 200 OK lists both bindings. */
  g_assert_cmpuint (ua_register (a1, 60, FALSE), ==, 1);
  g_assert_cmpuint (ua_register (a2, 3600, FALSE), ==, 2);
  g_autoptr (GPtrArray) c = imps_scscf_dup_contacts (n.scscf[0], "sip:alice@home1.net");
  g_assert_cmpuint (c->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (c, 0), ==, "sip:alice@127.1.1.1:5060");
  g_assert_cmpstr (g_ptr_array_index (c, 1), ==, "sip:alice@127.1.1.2:5060");
  g_assert_cmpstr (imps_pcscf_registered_impu (n.pcscf[0], "127.1.1.1"), ==,
                   "sip:alice@home1.net");

  /* A refresh of the same contact keeps one binding for it. */
  g_assert_cmpuint (ua_register (a2, 3600, FALSE), ==, 2);

  /* Expiry on the virtual clock: the 60 s contact goes, the other stays. */
  imps_clock_advance (n.clock, 61 * G_USEC_PER_SEC);
  g_autoptr (GPtrArray) c2 = imps_scscf_dup_contacts (n.scscf[0], "sip:alice@home1.net");
  g_assert_cmpuint (c2->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c2, 0), ==, "sip:alice@127.1.1.2:5060");
  g_assert_null (imps_pcscf_registered_impu (n.pcscf[0], "127.1.1.1"));
  g_assert_nonnull (imps_pcscf_registered_impu (n.pcscf[0], "127.1.1.2"));

  /* Expires 0 removes the binding; the 200 OK lists none. */
  g_assert_cmpuint (ua_register (a2, 0, FALSE), ==, 0);
  g_autoptr (GPtrArray) c3 = imps_scscf_dup_contacts (n.scscf[0], "sip:alice@home1.net");
  g_assert_cmpuint (c3->len, ==, 0);
  g_assert_null (imps_pcscf_registered_impu (n.pcscf[0], "127.1.1.2"));

  /* An IMPU of another domain: 403 from the registrar. */
  g_autoptr (ImpsSipMessage) bad = ua_new_register (a1, 60, NULL, NULL);
  imps_sip_message_set_header (bad, "To", "<sip:alice@home2.net>");
  ua_send (a1, bad);
  net_run (&n);
  g_autoptr (ImpsSipMessage) forbidden = ua_take (a1, "REGISTER", 403);
  g_assert_nonnull (forbidden);

  ua_free (a1);
  ua_free (a2);
  net_clear (&n);
}

/* ---- a basic call across two operators ------------------------------------ */

typedef struct {
  guint index;
  ImpsRefPoint ref;
  const gchar *from;
  const gchar *to;
  const gchar *summary_prefix;
} Hop;

static void
check_ladder (Net *n, guint start, const Hop *hops, guint n_hops)
{
  ImpsEventLog *log = imps_network_get_event_log (n->net);
  guint k = 0;
  for (guint i = start; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != IMPS_EVENT_MESSAGE)
        continue;
      g_assert_cmpuint (k, <, n_hops);
      g_assert_cmpint (e->ref, ==, hops[k].ref);
      g_assert_cmpstr (e->from, ==, hops[k].from);
      g_assert_cmpstr (e->to, ==, hops[k].to);
      if (!g_str_has_prefix (e->summary, hops[k].summary_prefix))
        g_error ("hop %u: summary \"%s\", expected \"%s...\"", k, e->summary,
                 hops[k].summary_prefix);
      k++;
    }
  g_assert_cmpuint (k, ==, n_hops);
}

static void
test_basic_call (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 2, 1, "bob");
  ua_register (alice, 3600, FALSE);
  ua_register (bob, 3600, FALSE);
  ImpsEventLog *log = imps_network_get_event_log (n.net);
  guint start = imps_event_log_len (log);

  g_autoptr (ImpsSdp) offer = ua_sdp (alice, FALSE, FALSE, FALSE);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", offer);
  ua_send (alice, invite);
  net_run (&n);

  /* alice: 100 Trying from her S-CSCF (the P-CSCF is stateless). */
  g_autoptr (ImpsSipMessage) trying = ua_take (alice, "INVITE", 100);
  g_assert_nonnull (trying);
  g_assert_cmpuint (n_vias (trying), ==, 1);

  g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
  g_assert_nonnull (inv_b);
  /* Five Vias (alice, P-CSCF1, S-CSCF1, S-CSCF2, P-CSCF2), four
   * Record-Routes, Max-Forwards down by four, the Request-URI is bob's
   * contact, and the asserted identity is alice's registered IMPU. */
  g_assert_cmpuint (n_vias (inv_b), ==, 5);
  g_assert_cmpuint (n_values (inv_b, "Record-Route"), ==, 4);
  g_assert_cmpstr (imps_sip_message_get_request_uri (inv_b), ==, "sip:bob@127.2.1.1:5060");
  guint mf = 0;
  g_assert_true (imps_sip_message_get_max_forwards (inv_b, &mf, NULL));
  g_assert_cmpuint (mf, ==, 66);
  g_assert_cmpstr (imps_sip_message_get_header_value (inv_b, "P-Asserted-Identity"), ==,
                   "<sip:alice@home1.net>");
  g_assert_null (imps_sip_message_get_header_value (inv_b, "P-Preferred-Identity"));
  g_assert_null (imps_sip_message_get_header_value (inv_b, "Route"));
  g_autoptr (GPtrArray) rr = imps_sip_message_get_values (inv_b, "Record-Route");
  g_assert_cmpstr (g_ptr_array_index (rr, 0), ==, "<sip:127.0.2.40:5060;lr>");
  g_assert_cmpstr (g_ptr_array_index (rr, 3), ==, "<sip:127.0.1.40:5060;lr>");
  /* Plain SDP passes untouched. */
  g_assert_true (g_bytes_equal (imps_sip_message_get_body (inv_b),
                                imps_sip_message_get_body (invite)));

  g_autofree gchar *tag_b = imps_sip_tag_new (bob->rnd);
  g_autoptr (ImpsSipMessage) ringing = ua_new_response (bob, inv_b, 180, tag_b, NULL);
  ua_respond (bob, ringing);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ringing_a = ua_take (alice, "INVITE", 180);
  g_assert_nonnull (ringing_a);
  g_assert_cmpuint (n_vias (ringing_a), ==, 1);

  g_autoptr (ImpsSdp) answer = ua_sdp (bob, FALSE, FALSE, FALSE);
  g_autoptr (ImpsSipMessage) ok = ua_new_response (bob, inv_b, 200, tag_b, answer);
  ua_respond (bob, ok);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ok_a = ua_take (alice, "INVITE", 200);
  g_assert_nonnull (ok_a);
  g_assert_cmpuint (n_vias (ok_a), ==, 1);
  g_assert_cmpuint (n_values (ok_a, "Record-Route"), ==, 4);
  gchar tag[64];
  g_assert_true (imps_sip_message_get_to_tag (ok_a, tag, sizeof tag));
  g_assert_cmpstr (tag, ==, tag_b);

  /* ACK end to end along the Route set. */
  g_autoptr (ImpsSipMessage) ack = ua_new_ack (alice, invite, ok_a);
  g_assert_cmpuint (n_values (ack, "Route"), ==, 4);
  ua_send (alice, ack);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ack_b = ua_take (bob, "ACK", 0);
  g_assert_nonnull (ack_b);
  g_assert_null (imps_sip_message_get_header_value (ack_b, "Route"));
  g_assert_cmpuint (n_vias (ack_b), ==, 5);

  /* BYE from alice, 200 back. */
  g_autoptr (ImpsSipMessage) bye = ua_new_in_dialog (alice, ack, "BYE", 2);
  ua_send (alice, bye);
  net_run (&n);
  g_autoptr (ImpsSipMessage) bye_b = ua_take (bob, "BYE", 0);
  g_assert_nonnull (bye_b);
  g_autoptr (ImpsSipMessage) bye_ok = ua_new_response (bob, bye_b, 200, NULL, NULL);
  ua_respond (bob, bye_ok);
  net_run (&n);
  g_autoptr (ImpsSipMessage) bye_ok_a = ua_take (alice, "BYE", 200);
  g_assert_nonnull (bye_ok_a);
  g_assert_cmpuint (alice->inbox->len, ==, 0);
  g_assert_cmpuint (bob->inbox->len, ==, 0);

  /* Every message logged once, on Gm or Mw, hop by hop. */
  static const Hop ladder[] = {
    { 0, IMPS_REF_GM, "ue-alice-1", "pcscf.home1.net", "INVITE" },
    { 0, IMPS_REF_MW, "pcscf.home1.net", "scscf.home1.net", "INVITE" },
    { 0, IMPS_REF_MW, "scscf.home1.net", "pcscf.home1.net", "100" },
    { 0, IMPS_REF_MW, "scscf.home1.net", "scscf.home2.net", "INVITE" },
    { 0, IMPS_REF_GM, "pcscf.home1.net", "ue-alice-1", "100" },
    { 0, IMPS_REF_MW, "scscf.home2.net", "scscf.home1.net", "100" },
    { 0, IMPS_REF_MW, "scscf.home2.net", "pcscf.home2.net", "INVITE" },
    { 0, IMPS_REF_GM, "pcscf.home2.net", "ue-bob-1", "INVITE" },
    { 0, IMPS_REF_GM, "ue-bob-1", "pcscf.home2.net", "Ringing" },
    { 0, IMPS_REF_MW, "pcscf.home2.net", "scscf.home2.net", "180" },
    { 0, IMPS_REF_MW, "scscf.home2.net", "scscf.home1.net", "180" },
    { 0, IMPS_REF_MW, "scscf.home1.net", "pcscf.home1.net", "180" },
    { 0, IMPS_REF_GM, "pcscf.home1.net", "ue-alice-1", "180" },
    { 0, IMPS_REF_GM, "ue-bob-1", "pcscf.home2.net", "OK" },
    { 0, IMPS_REF_MW, "pcscf.home2.net", "scscf.home2.net", "200 OK (SDP)" },
    { 0, IMPS_REF_MW, "scscf.home2.net", "scscf.home1.net", "200 OK (SDP)" },
    { 0, IMPS_REF_MW, "scscf.home1.net", "pcscf.home1.net", "200 OK (SDP)" },
    { 0, IMPS_REF_GM, "pcscf.home1.net", "ue-alice-1", "200 OK (SDP)" },
    { 0, IMPS_REF_GM, "ue-alice-1", "pcscf.home1.net", "ACK" },
    { 0, IMPS_REF_MW, "pcscf.home1.net", "scscf.home1.net", "ACK" },
    { 0, IMPS_REF_MW, "scscf.home1.net", "scscf.home2.net", "ACK" },
    { 0, IMPS_REF_MW, "scscf.home2.net", "pcscf.home2.net", "ACK" },
    { 0, IMPS_REF_GM, "pcscf.home2.net", "ue-bob-1", "ACK" },
    { 0, IMPS_REF_GM, "ue-alice-1", "pcscf.home1.net", "BYE" },
    { 0, IMPS_REF_MW, "pcscf.home1.net", "scscf.home1.net", "BYE" },
    { 0, IMPS_REF_MW, "scscf.home1.net", "scscf.home2.net", "BYE" },
    { 0, IMPS_REF_MW, "scscf.home2.net", "pcscf.home2.net", "BYE" },
    { 0, IMPS_REF_GM, "pcscf.home2.net", "ue-bob-1", "BYE" },
    { 0, IMPS_REF_GM, "ue-bob-1", "pcscf.home2.net", "OK" },
    { 0, IMPS_REF_MW, "pcscf.home2.net", "scscf.home2.net", "200 OK (BYE)" },
    { 0, IMPS_REF_MW, "scscf.home2.net", "scscf.home1.net", "200 OK (BYE)" },
    { 0, IMPS_REF_MW, "scscf.home1.net", "pcscf.home1.net", "200 OK (BYE)" },
    { 0, IMPS_REF_GM, "pcscf.home1.net", "ue-alice-1", "200 OK (BYE)" },
  };
  check_ladder (&n, start, ladder, G_N_ELEMENTS (ladder));

  /* The transactions end after their linger time. */
  imps_clock_advance (n.clock, 40 * G_USEC_PER_SEC);
  g_assert_cmpuint (imps_scscf_n_transactions (n.scscf[0]), ==, 0);
  g_assert_cmpuint (imps_scscf_n_transactions (n.scscf[1]), ==, 0);

  ua_free (alice);
  ua_free (bob);
  net_clear (&n);
}

/* ---- 480, 404, 403 --------------------------------------------------------- */

static void
test_errors (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *eve = ua_new (&n, 1, 9, "eve");
  ua_register (alice, 3600, FALSE);

  /* bob of home2 has no registration: 480 back to alice, whose ACK for it
   * ends at her own S-CSCF's transaction, hop by hop (RFC 3261 §17.1.1.3). */
  struct { const gchar *callee; guint status; } cases[] = {
    { "sip:bob@home2.net", 480 },
    { "sip:carol@home1.net", 480 },
    { "sip:bob@home9.net", 404 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, cases[i].callee, NULL);
      ua_send (alice, invite);
      net_run (&n);
      g_autoptr (ImpsSipMessage) resp = ua_take (alice, "INVITE", cases[i].status);
      g_assert_nonnull (resp);
      g_autoptr (ImpsSipMessage) trying = ua_take (alice, "INVITE", 100);
      g_assert_nonnull (trying);
      g_assert_cmpuint (alice->inbox->len, ==, 0);
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsSipMessage) ack = imps_sip_message_new_ack_for_error (invite, resp, &error);
      g_assert_no_error (error);
      ImpsEventLog *log = imps_network_get_event_log (n.net);
      guint before = imps_event_log_len (log);
      ua_send (alice, ack);
      net_run (&n);
      /* alice -> P-CSCF1 -> S-CSCF (absorbed there). */
      guint acks = 0;
      for (guint j = before; j < imps_event_log_len (log); j++)
        acks += imps_event_log_get (log, j)->kind == IMPS_EVENT_MESSAGE;
      g_assert_cmpuint (acks, ==, 2);
    }

  /* An unregistered UE gets 403 from the P-CSCF. */
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (eve, "sip:alice@home1.net", NULL);
  ua_send (eve, invite);
  net_run (&n);
  g_autoptr (ImpsSipMessage) forbidden = ua_take (eve, "INVITE", 403);
  g_assert_nonnull (forbidden);
  g_assert_cmpuint (alice->inbox->len, ==, 0);

  ua_free (alice);
  ua_free (eve);
  net_clear (&n);
}

/* ---- forking ---------------------------------------------------------------- */

static void
test_forking (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob1 = ua_new (&n, 2, 1, "bob");
  Ua *bob2 = ua_new (&n, 2, 2, "bob");
  ua_register (alice, 3600, FALSE);
  ua_register (bob1, 3600, FALSE);
  ua_register (bob2, 3600, FALSE);

  g_autoptr (ImpsSdp) offer = ua_sdp (alice, FALSE, FALSE, FALSE);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", offer);
  ua_send (alice, invite);
  net_run (&n);

  /* Both devices get the INVITE, each on its own branch. */
  g_autoptr (ImpsSipMessage) inv1 = ua_take (bob1, "INVITE", 0);
  g_autoptr (ImpsSipMessage) inv2 = ua_take (bob2, "INVITE", 0);
  g_assert_nonnull (inv1);
  g_assert_nonnull (inv2);
  g_autoptr (ImpsSipVia) v1 = imps_sip_message_get_via (inv1, 1, NULL);
  g_autoptr (ImpsSipVia) v2 = imps_sip_message_get_via (inv2, 1, NULL);
  g_assert_cmpstr (v1->host, ==, "127.0.2.50");
  g_assert_cmpstr (v1->branch, !=, v2->branch);
  g_assert_cmpstr (imps_sip_message_get_request_uri (inv1), ==, "sip:bob@127.2.1.1:5060");
  g_assert_cmpstr (imps_sip_message_get_request_uri (inv2), ==, "sip:bob@127.2.1.2:5060");

  g_autofree gchar *tag1 = imps_sip_tag_new (bob1->rnd);
  g_autofree gchar *tag2 = imps_sip_tag_new (bob2->rnd);
  g_autoptr (ImpsSipMessage) r1 = ua_new_response (bob1, inv1, 180, tag1, NULL);
  g_autoptr (ImpsSipMessage) r2 = ua_new_response (bob2, inv2, 180, tag2, NULL);
  ua_respond (bob1, r1);
  ua_respond (bob2, r2);
  net_run (&n);
  g_assert_cmpuint (ua_count (alice, "INVITE", 180), ==, 2);

  /* bob2 answers first: alice gets its 200, bob1 gets CANCEL. */
  g_autoptr (ImpsSdp) answer2 = ua_sdp (bob2, FALSE, FALSE, FALSE);
  g_autoptr (ImpsSipMessage) ok2 = ua_new_response (bob2, inv2, 200, tag2, answer2);
  ua_respond (bob2, ok2);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ok_a = ua_take (alice, "INVITE", 200);
  g_assert_nonnull (ok_a);
  gchar tag[64];
  g_assert_true (imps_sip_message_get_to_tag (ok_a, tag, sizeof tag));
  g_assert_cmpstr (tag, ==, tag2);
  g_autoptr (ImpsSipMessage) cancel = ua_take (bob1, "CANCEL", 0);
  g_assert_nonnull (cancel);
  g_assert_null (ua_take (bob2, "CANCEL", 0));
  /* The CANCEL matches the INVITE's transaction at bob1: same top branch. */
  g_autoptr (ImpsSipVia) cv = imps_sip_message_get_via (cancel, 0, NULL);
  g_autoptr (ImpsSipVia) iv = imps_sip_message_get_via (inv1, 0, NULL);
  g_assert_cmpstr (cv->branch, ==, iv->branch);
  g_assert_cmpuint (n_vias (cancel), ==, 2);

  /* bob1: 200 to the CANCEL, 487 to the INVITE; the S-CSCF absorbs the 487
   * and ACKs it hop by hop; alice never sees it. */
  g_autoptr (ImpsSipMessage) cancel_ok = ua_new_response (bob1, cancel, 200, NULL, NULL);
  g_autoptr (ImpsSipMessage) terminated = ua_new_response (bob1, inv1, 487, tag1, NULL);
  ua_respond (bob1, cancel_ok);
  ua_respond (bob1, terminated);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ack1 = ua_take (bob1, "ACK", 0);
  g_assert_nonnull (ack1);
  g_autoptr (ImpsSipVia) av = imps_sip_message_get_via (ack1, 0, NULL);
  g_assert_cmpstr (av->branch, ==, iv->branch);
  g_assert_cmpuint (ua_count (alice, "INVITE", 487), ==, 0);
  g_assert_cmpuint (ua_count (alice, "CANCEL", 200), ==, 0);

  /* ACK and BYE reach bob2 only. */
  g_autoptr (ImpsSipMessage) ack = ua_new_ack (alice, invite, ok_a);
  ua_send (alice, ack);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ack2 = ua_take (bob2, "ACK", 0);
  g_assert_nonnull (ack2);
  g_assert_null (ua_take (bob1, "ACK", 0));

  imps_clock_advance (n.clock, 40 * G_USEC_PER_SEC);
  g_assert_cmpuint (imps_scscf_n_transactions (n.scscf[1]), ==, 0);
  ua_free (alice);
  ua_free (bob1);
  ua_free (bob2);
  net_clear (&n);
}

/* Timer C: a device that rings and never answers is cancelled, and the
 * caller gets the 487. */
static void
test_timer_c (void)
{
  Net n;
  net_init (&n);
  imps_scscf_set_timer_c (n.scscf[1], 10 * G_USEC_PER_SEC);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 2, 1, "bob");
  ua_register (alice, 3600, FALSE);
  ua_register (bob, 3600, FALSE);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", NULL);
  ua_send (alice, invite);
  net_run (&n);
  g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
  g_autofree gchar *tag = imps_sip_tag_new (bob->rnd);
  g_autoptr (ImpsSipMessage) ringing = ua_new_response (bob, inv_b, 180, tag, NULL);
  ua_respond (bob, ringing);
  net_run (&n);
  g_assert_null (ua_take (bob, "CANCEL", 0));
  imps_clock_advance (n.clock, 10 * G_USEC_PER_SEC);
  g_autoptr (ImpsSipMessage) cancel = ua_take (bob, "CANCEL", 0);
  g_assert_nonnull (cancel);
  g_autoptr (ImpsSipMessage) terminated = ua_new_response (bob, inv_b, 487, tag, NULL);
  ua_respond (bob, terminated);
  net_run (&n);
  g_autoptr (ImpsSipMessage) r = ua_take (alice, "INVITE", 487);
  g_assert_nonnull (r);
  ua_free (alice);
  ua_free (bob);
  net_clear (&n);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ims/register", test_register);
  g_test_add_func ("/ims/basic-call", test_basic_call);
  g_test_add_func ("/ims/errors", test_errors);
  g_test_add_func ("/ims/forking", test_forking);
  g_test_add_func ("/ims/timer-c", test_timer_c);
  return g_test_run ();
}
