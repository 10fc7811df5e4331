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
  guint rtcp_id;
  guint n_rtcp;
  guint8 last_rtcp[IMPS_SIP_BUS_MAX_PACKET];
  gsize last_rtcp_len;
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

static void
ua_rtcp (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  Ua *ua = user_data;
  ua->n_rtcp++;
  memcpy (ua->last_rtcp, data, len);
  ua->last_rtcp_len = len;
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
  ua->rtcp_id = imps_sip_bus_attach (n->bus, TRUE, name, ua->addr, ua->rtp_port + 1, ua_rtcp,
                                     ua);
  g_assert_cmpuint (ua->rtcp_id, >, 0);
  return ua;
}

static void
ua_free (Ua *ua)
{
  imps_sip_bus_detach (ua->net->bus, ua->id);
  imps_sip_bus_detach (ua->net->bus, ua->media_id);
  imps_sip_bus_detach (ua->net->bus, ua->rtcp_id);
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

static ImpsSdp *
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

  /* "Contact: *" with Expires 0 removes every binding (RFC 3261 §10.2.2). */
  g_assert_cmpuint (ua_register (a1, 600, FALSE), ==, 1);
  g_assert_cmpuint (ua_register (a2, 600, FALSE), ==, 2);
  g_autoptr (ImpsSipMessage) all = ua_new_register (a1, 0, "Expires", "0");
  imps_sip_message_set_header (all, "Contact", "*");
  ua_send (a1, all);
  net_run (&n);
  g_autoptr (ImpsSipMessage) all_ok = ua_take (a1, "REGISTER", 200);
  g_assert_nonnull (all_ok);
  g_assert_null (imps_sip_message_get_header_value (all_ok, "Contact"));
  g_autoptr (GPtrArray) c4 = imps_scscf_dup_contacts (n.scscf[0], "sip:alice@home1.net");
  g_assert_cmpuint (c4->len, ==, 0);

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
  /* A preloaded Route to the P-CSCF, and one that tries to skip alice's own
   * S-CSCF: the P-CSCF pops its own and drops the other (the ladder below
   * shows the INVITE going to scscf.home1.net). */
  imps_sip_message_append_header (invite, "Route", "<sip:127.0.1.40:5060;lr>");
  imps_sip_message_append_header (invite, "Route", "<sip:127.0.2.50;lr>");
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

/* ---- an S-CSCF that knows its subscribers ------------------------------------ */

/* 404 for an identity of the domain no subscriber has (480 stays for a known
 * one with nothing registered), every IMPU of a subscriber (tel: too) reaches
 * the devices registered with the first, and 482 instead of sending a UE its
 * own INVITE. */
static void
test_subscribers (void)
{
  Net n;
  net_init (&n);
  static const gchar *const alice_ids[] = { "sip:alice@home1.net", NULL };
  static const gchar *const bob_ids[] = { "sip:bob@home1.net", "sip:robert@home1.net",
                                          "tel:+15550101", NULL };
  static const gchar *const carol_ids[] = { "sip:carol@home1.net", NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_scscf_add_subscriber (n.scscf[0], alice_ids, &error));
  g_assert_true (imps_scscf_add_subscriber (n.scscf[0], bob_ids, &error));
  g_assert_true (imps_scscf_add_subscriber (n.scscf[0], carol_ids, &error));
  static const gchar *const bad_ids[] = { "mailto:x@home1.net", NULL };
  g_assert_false (imps_scscf_add_subscriber (n.scscf[0], bad_ids, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 1, 2, "bob");
  ua_register (alice, 3600, FALSE);
  ua_register (bob, 3600, FALSE);

  struct { const gchar *callee; guint status; } cases[] = {
    { "sip:nobody@home1.net", 404 },
    { "sip:carol@home1.net", 480 },
    { "sip:alice@home1.net", 482 },
    { "sip:robert@home1.net", 0 },
    { "tel:+15550101", 0 },
    { "tel:+15550199", 404 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, cases[i].callee, NULL);
      ua_send (alice, invite);
      net_run (&n);
      g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
      if (cases[i].status == 0)
        {
          if (inv_b == NULL)
            g_error ("%s: bob got no INVITE", cases[i].callee);
          continue;
        }
      g_assert_null (inv_b);
      g_autoptr (ImpsSipMessage) resp = ua_take (alice, "INVITE", cases[i].status);
      if (resp == NULL)
        g_error ("%s: no %u", cases[i].callee, cases[i].status);
      /* alice never receives her own INVITE. */
      g_assert_cmpuint (ua_count (alice, "INVITE", 0), ==, 0);
    }

  /* A REGISTER for an identity no subscriber has is refused. */
  Ua *mallory = ua_new (&n, 1, 3, "mallory");
  g_autoptr (ImpsSipMessage) reg = ua_new_register (mallory, 3600, NULL, NULL);
  ua_send (mallory, reg);
  net_run (&n);
  g_autoptr (ImpsSipMessage) refused = ua_take (mallory, "REGISTER", 403);
  g_assert_nonnull (refused);

  ua_free (alice);
  ua_free (bob);
  ua_free (mallory);
  net_clear (&n);
}

/* ---- tel: numbers of another operator (ENUM) --------------------------------- */

/* A tel: Request-URI of another operator's subscriber is translated by ENUM
 * into a SIP URI and routed over Mw: to the subscriber's sip: identity, or
 * to a sip: URI with user=phone, which the terminating S-CSCF reads as the
 * number. A number ENUM does not know gets 404 at the caller's S-CSCF. */
static void
test_enum (void)
{
  Net n;
  net_init (&n);
  static const gchar *const alice_ids[] = { "sip:alice@home1.net", "tel:+15550100", NULL };
  static const gchar *const bob_ids[] = { "sip:bob@home2.net", "tel:+15550201", "tel:+15550202",
                                          NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_scscf_add_subscriber (n.scscf[0], alice_ids, &error));
  g_assert_true (imps_scscf_add_subscriber (n.scscf[1], bob_ids, &error));
  g_assert_true (imps_scscf_add_enum (n.scscf[0], "tel:+15550201", "sip:bob@home2.net", &error));
  g_assert_true (imps_scscf_add_enum (n.scscf[0], "tel:+15550202",
                                      "sip:+15550202@home2.net;user=phone", &error));
  g_assert_false (imps_scscf_add_enum (n.scscf[0], "sip:x@home2.net", "sip:x@home2.net", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (imps_scscf_add_enum (n.scscf[0], "tel:+15550203", "tel:+15550203", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 2, 1, "bob");
  ua_register (alice, 3600, FALSE);
  ua_register (bob, 3600, FALSE);

  struct { const gchar *callee; const gchar *mw_ruri; guint status; } cases[] = {
    { "tel:+15550201", "sip:bob@home2.net", 0 },
    { "tel:+15550202", "sip:+15550202@home2.net;user=phone", 0 },
    { "tel:+15550299", NULL, 404 },
  };
  ImpsEventLog *log = imps_network_get_event_log (n.net);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint before = imps_event_log_len (log);
      g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, cases[i].callee, NULL);
      ua_send (alice, invite);
      net_run (&n);
      g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
      if (cases[i].status == 0)
        {
          if (inv_b == NULL)
            g_error ("%s: bob got no INVITE", cases[i].callee);
          /* To keeps the number the caller dialled. */
          g_assert_nonnull (strstr (imps_sip_message_get_header_value (inv_b, "To"),
                                    cases[i].callee));
          gboolean translated = FALSE;
          g_autofree gchar *want = g_strdup_printf ("ENUM translates %s into %s",
                                                    cases[i].callee, cases[i].mw_ruri);
          for (guint j = before; j < imps_event_log_len (log); j++)
            {
              const ImpsEvent *e = imps_event_log_get (log, j);
              translated |= e->detail != NULL && strstr (e->detail, want) != NULL;
            }
          if (!translated)
            g_error ("%s: no ENUM note \"%s\"", cases[i].callee, want);
          continue;
        }
      g_assert_null (inv_b);
      g_autoptr (ImpsSipMessage) resp = ua_take (alice, "INVITE", cases[i].status);
      if (resp == NULL)
        g_error ("%s: no %u", cases[i].callee, cases[i].status);
    }

  ua_free (alice);
  ua_free (bob);
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
 * caller, who cancelled nothing, gets 408 Request Timeout, not the 487 of
 * the cancelled branch (profile §11, S-CSCF). */
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
  g_autoptr (ImpsSipMessage) r = ua_take (alice, "INVITE", 408);
  g_assert_nonnull (r);
  g_assert_null (ua_take (alice, "INVITE", 487));
  ua_free (alice);
  ua_free (bob);
  net_clear (&n);
}

/* ---- media security through the core ----------------------------------------- */

/* An SDES answer of @ua to @offer's first media line: RTP/SAVP and the
 * a=crypto answer from src/core/sdp. */
static ImpsSdp *
ua_sdes_answer (Ua *ua, const ImpsSdp *offer)
{
  g_autofree gchar *text = g_strdup_printf (SDP_HEAD "m=audio %u RTP/SAVP 0\r\na=sendrecv\r\n",
                                            ua->user, ua->addr, ua->addr, ua->rtp_port);
  g_autoptr (GError) error = NULL;
  ImpsSdp *sdp = imps_sdp_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  g_assert_true (imps_sdes_answer_add (imps_sdp_get_media (offer, 0), imps_sdp_get_media (sdp, 0),
                                       &policy, ua->rnd, &error));
  g_assert_no_error (error);
  return sdp;
}

/* The media address and port of an SDP's first media line. */
static void
sdp_media_target (const ImpsSdp *sdp, gchar *addr, gsize size, guint16 *port)
{
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  g_auto (ImpsSdpConnection) c = { 0 };
  g_assert_true (imps_sdp_connection_parse (imps_sdp_media_connection (sdp, m), &c, NULL));
  g_strlcpy (addr, c.address, size);
  *port = (guint16) imps_sdp_media_get_port (m);
}

static ImpsSrtpSession *
srtp_session (const ImpsSdesKeys *k, gboolean offerer_key, ImpsSrtpDirection dir)
{
  ImpsSrtpConfig cfg;
  imps_srtp_config_init (&cfg, dir);
  g_assert_true (imps_srtp_suite_from_name (imps_sdes_suite_name (k->suite), &cfg.suite));
  ImpsSrtpMasterKey key = {
    .key_salt = offerer_key ? k->offerer_key_salt : k->answerer_key_salt,
    .key_salt_len = k->key_salt_len,
  };
  g_autoptr (GError) error = NULL;
  ImpsSrtpSession *s = imps_srtp_session_new (&cfg, &key, 1, &error);
  g_assert_no_error (error);
  return s;
}

#define PAYLOAD_LEN 160

/* RTP (profile §7: 12-byte header, PT 0) with a payload that carries the
 * sequence number and a pattern, built by this project. */
static gsize
make_rtp (guint8 *buf, guint16 seq, guint32 ssrc)
{
  buf[0] = 0x80;
  buf[1] = 0;
  buf[2] = (guint8) (seq >> 8);
  buf[3] = (guint8) seq;
  guint32 ts = (guint32) seq * 160;
  buf[4] = (guint8) (ts >> 24);
  buf[5] = (guint8) (ts >> 16);
  buf[6] = (guint8) (ts >> 8);
  buf[7] = (guint8) ts;
  buf[8] = (guint8) (ssrc >> 24);
  buf[9] = (guint8) (ssrc >> 16);
  buf[10] = (guint8) (ssrc >> 8);
  buf[11] = (guint8) ssrc;
  for (guint i = 0; i < PAYLOAD_LEN; i++)
    buf[12 + i] = (guint8) (seq * 7 + i);
  return 12 + PAYLOAD_LEN;
}

typedef struct {
  guint core_packets;       /* AGW1 <-> AGW2 RTP */
  gboolean core_plain;      /* every one of them carried the plain payload */
  guint8 expect[12 + PAYLOAD_LEN];
  gsize expect_len;
} CoreTap;

static void
core_tap (gint64 t, ImpsProtocol proto, const gchar *fa, guint16 fp, const gchar *ta, guint16 tp,
          const guint8 *data, gsize len, gpointer user_data)
{
  CoreTap *ct = user_data;
  if (proto != IMPS_PROTO_RTP || !g_str_has_suffix (fa, ".41") || !g_str_has_suffix (ta, ".41"))
    return;
  ct->core_packets++;
  if (len != ct->expect_len || memcmp (data, ct->expect, len) != 0)
    ct->core_plain = FALSE;
}

/* No Mw message carries a=crypto. */
static void
assert_core_clean (Net *n, guint start)
{
  ImpsEventLog *log = imps_network_get_event_log (n->net);
  guint mw = 0;
  for (guint i = start; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != IMPS_EVENT_MESSAGE || e->ref != IMPS_REF_MW)
        continue;
      gsize len;
      const gchar *data = g_bytes_get_data (e->bytes, &len);
      g_assert_null (g_strstr_len (data, (gssize) len, "a=crypto"));
      g_assert_null (g_strstr_len (data, (gssize) len, "a=3ge2ae"));
      mw++;
    }
  g_assert_cmpuint (mw, >, 0);
}

/* RTCP that arrives at a port of the test's own. */
typedef struct {
  guint n;
  guint8 last[IMPS_SIP_BUS_MAX_PACKET];
  gsize len;
} RtcpSink;

static void
rtcp_sink (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  RtcpSink *k = user_data;
  k->n++;
  k->len = MIN (len, sizeof k->last);
  memcpy (k->last, data, k->len);
}

static void
test_e2ae (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 2, 1, "bob");
  ua_register (alice, 3600, FALSE);
  ua_register (bob, 3600, TRUE); /* Security-Client: sdes-srtp;mediasec */
  ImpsEventLog *log = imps_network_get_event_log (n.net);
  guint start = imps_event_log_len (log);
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);

  /* alice asks for e2ae: a=crypto plus a=3ge2ae:requested (profile §5);
   * she takes RTCP on a port of its own (a=rtcp, RFC 3605) */
  g_autoptr (ImpsSdp) offer = ua_sdp (alice, TRUE, TRUE, FALSE);
  g_autofree gchar *alice_rtcp = g_strdup_printf ("%u IN IP4 %s", alice->rtp_port + 10, alice->addr);
  g_assert_true (imps_sdp_media_add_attribute (imps_sdp_get_media (offer, 0), "rtcp", alice_rtcp,
                                               NULL));
  RtcpSink alice_sink = { 0 };
  guint sink_id = imps_sip_bus_attach (n.bus, TRUE, "alice", alice->addr, alice->rtp_port + 10,
                                       rtcp_sink, &alice_sink);
  g_assert_cmpuint (sink_id, >, 0);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", offer);
  const gchar *call_id = imps_sip_message_get_call_id (invite);
  ua_send (alice, invite);
  net_run (&n);

  /* bob gets an SDES offer made by his IMS-ALG for its IMS-AGW. */
  g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
  g_assert_nonnull (inv_b);
  g_autoptr (ImpsSdp) offer_b = get_sdp (inv_b);
  ImpsSdpMedia *mb = imps_sdp_get_media (offer_b, 0);
  g_assert_cmpstr (imps_sdp_media_get_proto (mb), ==, "RTP/SAVP");
  g_assert_cmpstr (imps_sdp_media_connection (offer_b, mb), ==, "IN IP4 127.0.2.41");
  g_assert_cmpstr (imps_sdp_media_find_attribute (mb, "3ge2ae", 0), ==, "applied");
  /* alice's a=rtcp named her port: it does not go past her AGW */
  g_assert_false (imps_sdp_media_has_attribute (mb, "rtcp"));
  const gchar *alice_line = imps_sdp_media_find_attribute (imps_sdp_get_media (offer, 0),
                                                           "crypto", 0);
  const gchar *bob_line = imps_sdp_media_find_attribute (mb, "crypto", 0);
  g_assert_nonnull (bob_line);
  g_assert_cmpstr (alice_line, !=, bob_line);

  g_autofree gchar *tag_b = imps_sip_tag_new (bob->rnd);
  g_autoptr (ImpsSdp) answer_b = ua_sdes_answer (bob, offer_b);
  /* Early media: the answer in a 183 first, then the same in the 200. */
  g_autoptr (ImpsSipMessage) progress = ua_new_response (bob, inv_b, 183, tag_b, answer_b);
  ua_respond (bob, progress);
  net_run (&n);
  g_autoptr (ImpsSipMessage) progress_a = ua_take (alice, "INVITE", 183);
  g_assert_nonnull (progress_a);
  g_autoptr (ImpsSdp) early_a = get_sdp (progress_a);
  g_autoptr (ImpsSipMessage) ok = ua_new_response (bob, inv_b, 200, tag_b, answer_b);
  ua_respond (bob, ok);
  net_run (&n);

  /* alice gets the IMS-ALG's answer to her a=crypto, the same in the 183
   * and the 200. */
  g_autoptr (ImpsSipMessage) ok_a = ua_take (alice, "INVITE", 200);
  g_assert_nonnull (ok_a);
  g_autoptr (ImpsSdp) answer_a = get_sdp (ok_a);
  ImpsSdpMedia *ma = imps_sdp_get_media (answer_a, 0);
  g_assert_cmpstr (imps_sdp_media_find_attribute (imps_sdp_get_media (early_a, 0), "crypto", 0),
                   ==, imps_sdp_media_find_attribute (ma, "crypto", 0));
  g_assert_cmpstr (imps_sdp_media_get_proto (ma), ==, "RTP/SAVP");
  g_assert_cmpstr (imps_sdp_media_connection (answer_a, ma), ==, "IN IP4 127.0.1.41");
  g_assert_cmpstr (imps_sdp_media_find_attribute (ma, "3ge2ae", 0), ==, "applied");
  g_assert_nonnull (imps_sdp_media_find_attribute (ma, "crypto", 0));
  g_assert_null (imps_sdp_media_find_attribute (ma, "crypto", 1));

  /* The core (every Mw message) never saw an a=crypto line. */
  assert_core_clean (&n, start);

  g_auto (ImpsSdesKeys) ka = { 0 };
  g_auto (ImpsSdesKeys) kb = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_sdes_negotiate (imps_sdp_get_media (offer, 0), ma, &policy, &ka, &error));
  g_assert_true (imps_sdes_negotiate (mb, imps_sdp_get_media (answer_b, 0), &policy, &kb,
                                      &error));
  g_assert_no_error (error);

  g_autoptr (ImpsSipMessage) ack = ua_new_ack (alice, invite, ok_a);
  ua_send (alice, ack);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ack_b = ua_take (bob, "ACK", 0);
  g_assert_nonnull (ack_b);

  /* Media: alice protects with her key, bob unprotects with the key his
   * ALG offered, and back. */
  g_autoptr (ImpsSrtpSession) a_tx = srtp_session (&ka, TRUE, IMPS_SRTP_SENDER);
  g_autoptr (ImpsSrtpSession) a_rx = srtp_session (&ka, FALSE, IMPS_SRTP_RECEIVER);
  g_autoptr (ImpsSrtpSession) b_tx = srtp_session (&kb, FALSE, IMPS_SRTP_SENDER);
  g_autoptr (ImpsSrtpSession) b_rx = srtp_session (&kb, TRUE, IMPS_SRTP_RECEIVER);
  gchar a_to[16], b_to[16];
  guint16 a_port, b_port;
  sdp_media_target (answer_a, a_to, sizeof a_to, &a_port);
  sdp_media_target (offer_b, b_to, sizeof b_to, &b_port);
  g_assert_cmpstr (a_to, ==, "127.0.1.41");
  g_assert_cmpstr (b_to, ==, "127.0.2.41");

  CoreTap ct = { .core_plain = TRUE };
  guint tap = imps_sip_bus_add_media_tap (n.bus, core_tap, &ct);
  guint8 buf[IMPS_SIP_BUS_MAX_PACKET];
  guint8 plain[12 + PAYLOAD_LEN];
  gsize len, out_len;
  for (guint16 seq = 1; seq <= 50; seq++)
    {
      /* alice -> bob */
      len = make_rtp (plain, seq, 0xa11ce);
      memcpy (ct.expect, plain, len);
      ct.expect_len = len;
      memcpy (buf, plain, len);
      g_assert_true (imps_srtp_session_protect_rtp (a_tx, buf, len, sizeof buf, &out_len, NULL));
      g_assert_true (memcmp (buf + 12, plain + 12, PAYLOAD_LEN) != 0); /* encrypted */
      g_assert_true (imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, alice->addr, alice->rtp_port,
                                              a_to, a_port, buf, out_len));
      imps_clock_advance (n.clock, 10000);
      g_assert_cmpuint (bob->n_media, ==, seq);
      g_assert_true (imps_srtp_session_unprotect_rtp (b_rx, bob->last_media, bob->last_media_len,
                                                      &out_len, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (bob->last_media, out_len, plain, len);

      /* bob -> alice */
      len = make_rtp (plain, seq, 0xb0b);
      memcpy (ct.expect, plain, len);
      memcpy (buf, plain, len);
      g_assert_true (imps_srtp_session_protect_rtp (b_tx, buf, len, sizeof buf, &out_len, NULL));
      g_assert_true (imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, bob->addr, bob->rtp_port,
                                              b_to, b_port, buf, out_len));
      imps_clock_advance (n.clock, 10000);
      g_assert_cmpuint (alice->n_media, ==, seq);
      g_assert_true (imps_srtp_session_unprotect_rtp (a_rx, alice->last_media,
                                                      alice->last_media_len, &out_len, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (alice->last_media, out_len, plain, len);
    }
  /* Inside the core, between the two IMS-AGWs, the media was plain RTP. */
  g_assert_cmpuint (ct.core_packets, ==, 100);
  g_assert_true (ct.core_plain);
  imps_sip_bus_remove_media_tap (n.bus, tap);

  /* SRTCP: a sender report from alice reaches bob protected again. */
  guint8 sr[28 + IMPS_SRTP_MAX_RTCP_TRAILER_LEN] = { 0x80, 200, 0, 6, 0, 0x0a, 0x11, 0xce };
  g_assert_true (imps_srtp_session_protect_rtcp (a_tx, sr, 28, sizeof sr, &out_len, NULL));
  g_assert_true (imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTCP, alice->addr,
                                          alice->rtp_port + 1, a_to, a_port + 1, sr, out_len));
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (bob->n_rtcp, ==, 1);
  g_assert_true (imps_srtp_session_unprotect_rtcp (b_rx, bob->last_rtcp, bob->last_rtcp_len,
                                                   &out_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out_len, ==, 28);
  g_assert_cmpuint (bob->last_rtcp[1], ==, 200);
  /* and one from bob reaches alice at her a=rtcp port, not RTP + 1 */
  guint8 sr_b[28 + IMPS_SRTP_MAX_RTCP_TRAILER_LEN] = { 0x80, 200, 0, 6, 0, 0, 0x0b, 0x0b };
  g_assert_true (imps_srtp_session_protect_rtcp (b_tx, sr_b, 28, sizeof sr_b, &out_len, NULL));
  guint alice_rtcp_before = alice->n_rtcp;
  g_assert_true (imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTCP, bob->addr, bob->rtp_port + 1,
                                          b_to, b_port + 1, sr_b, out_len));
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (alice_sink.n, ==, 1);
  g_assert_cmpuint (alice->n_rtcp, ==, alice_rtcp_before);
  g_assert_true (imps_srtp_session_unprotect_rtcp (a_rx, alice_sink.last, alice_sink.len,
                                                   &out_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out_len, ==, 28);
  imps_sip_bus_detach (n.bus, sink_id);

  /* A tampered packet: counted as an authentication failure at AGW1 and
   * not relayed. */
  len = make_rtp (plain, 51, 0xa11ce);
  memcpy (buf, plain, len);
  g_assert_true (imps_srtp_session_protect_rtp (a_tx, buf, len, sizeof buf, &out_len, NULL));
  buf[40] ^= 0x01;
  imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, alice->addr, alice->rtp_port, a_to, a_port,
                           buf, out_len);
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (bob->n_media, ==, 50);

  ImpsAgwStats s1, s2;
  g_assert_true (imps_pcscf_agw_stats (n.pcscf[0], call_id, &s1));
  g_assert_true (imps_pcscf_agw_stats (n.pcscf[1], call_id, &s2));
  g_assert_cmpuint (s1.legs, ==, 1);
  g_assert_cmpuint (s1.rtp_to_core, ==, 50);
  g_assert_cmpuint (s1.rtp_to_ue, ==, 50);
  g_assert_cmpuint (s1.rtcp_to_core, ==, 1);
  g_assert_cmpuint (s1.rtcp_to_ue, ==, 1);
  g_assert_cmpuint (s1.auth_failures, ==, 1);
  g_assert_cmpuint (s1.dropped, ==, 1);
  g_assert_cmpuint (s2.rtp_to_core, ==, 50);
  g_assert_cmpuint (s2.rtp_to_ue, ==, 50);
  g_assert_cmpuint (s2.rtcp_to_ue, ==, 1);
  g_assert_cmpuint (s2.rtcp_to_core, ==, 1);
  g_assert_cmpuint (s2.auth_failures, ==, 0);

  /* Exposure: the P-CSCFs saw the UEs' keys and their AGWs hold keys; the
   * S-CSCFs saw none. */
  ImpsImsExposure e;
  g_assert_true (imps_pcscf_call_exposure (n.pcscf[0], call_id, &e));
  g_assert_true (e.saw_sdes_keys && e.e2ae && e.holds_media_keys);
  g_assert_true (imps_pcscf_call_exposure (n.pcscf[1], call_id, &e));
  g_assert_true (e.saw_sdes_keys && e.e2ae && e.holds_media_keys);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (imps_scscf_call_exposure (n.scscf[i], call_id, &e));
      g_assert_true (e.seen);
      g_assert_false (e.saw_sdes_keys || e.saw_key_mgmt || e.holds_media_keys);
    }

  /* A re-INVITE from alice with a fresh e2ae offer: new AGW legs and new
   * keys on both sides, and still no a=crypto on Mw. */
  guint start2 = imps_event_log_len (log);
  g_autoptr (ImpsSdp) offer2 = ua_sdp (alice, TRUE, TRUE, FALSE);
  g_autoptr (ImpsSipMessage) reinv = ua_new_in_dialog (alice, ack, "INVITE", 2);
  set_sdp (reinv, offer2);
  ua_send (alice, reinv);
  net_run (&n);
  g_autoptr (ImpsSipMessage) reinv_b = ua_take (bob, "INVITE", 0);
  g_assert_nonnull (reinv_b);
  g_autoptr (ImpsSdp) offer2_b = get_sdp (reinv_b);
  ImpsSdpMedia *mb2 = imps_sdp_get_media (offer2_b, 0);
  g_assert_cmpstr (imps_sdp_media_find_attribute (mb2, "crypto", 0), !=, bob_line);
  g_autoptr (ImpsSdp) answer2_b = ua_sdes_answer (bob, offer2_b);
  g_autoptr (ImpsSipMessage) ok2 = ua_new_response (bob, reinv_b, 200, NULL, answer2_b);
  ua_respond (bob, ok2);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ok2_a = ua_take (alice, "INVITE", 200);
  g_assert_nonnull (ok2_a);
  assert_core_clean (&n, start2);
  g_autoptr (ImpsSdp) answer2_a = get_sdp (ok2_a);
  g_auto (ImpsSdesKeys) ka2 = { 0 };
  g_auto (ImpsSdesKeys) kb2 = { 0 };
  g_assert_true (imps_sdes_negotiate (imps_sdp_get_media (offer2, 0),
                                      imps_sdp_get_media (answer2_a, 0), &policy, &ka2, &error));
  g_assert_true (imps_sdes_negotiate (mb2, imps_sdp_get_media (answer2_b, 0), &policy, &kb2,
                                      &error));
  g_assert_no_error (error);
  g_autoptr (ImpsSipMessage) ack2 = ua_new_in_dialog (alice, ack, "ACK", 2);
  ua_send (alice, ack2);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ack2_b = ua_take (bob, "ACK", 0);
  g_assert_nonnull (ack2_b);
  g_autoptr (ImpsSrtpSession) a_tx2 = srtp_session (&ka2, TRUE, IMPS_SRTP_SENDER);
  g_autoptr (ImpsSrtpSession) b_rx2 = srtp_session (&kb2, TRUE, IMPS_SRTP_RECEIVER);
  sdp_media_target (answer2_a, a_to, sizeof a_to, &a_port);
  len = make_rtp (plain, 1, 0xa11ce2);
  memcpy (buf, plain, len);
  g_assert_true (imps_srtp_session_protect_rtp (a_tx2, buf, len, sizeof buf, &out_len, NULL));
  imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, alice->addr, alice->rtp_port, a_to, a_port,
                           buf, out_len);
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (bob->n_media, ==, 51);
  g_assert_true (imps_srtp_session_unprotect_rtp (b_rx2, bob->last_media, bob->last_media_len,
                                                  &out_len, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (bob->last_media, out_len, plain, len);

  /* An IMS-AGW restart: its legs and keys are gone, so alice's next packet
   * is not relayed; the P-CSCF and the counters stay. */
  imps_pcscf_restart_agw (n.pcscf[0]);
  len = make_rtp (plain, 2, 0xa11ce2);
  memcpy (buf, plain, len);
  g_assert_true (imps_srtp_session_protect_rtp (a_tx2, buf, len, sizeof buf, &out_len, NULL));
  guint64 dropped_restart = imps_sip_bus_media_dropped (n.bus);
  imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, alice->addr, alice->rtp_port, a_to, a_port,
                           buf, out_len);
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (bob->n_media, ==, 51);
  g_assert_cmpuint (imps_sip_bus_media_dropped (n.bus), ==, dropped_restart + 1);
  g_assert_nonnull (imps_pcscf_registered_impu (n.pcscf[0], alice->addr));
  g_assert_true (imps_pcscf_agw_stats (n.pcscf[0], call_id, &s1));
  g_assert_cmpuint (s1.rtp_to_core, ==, 51);

  /* BYE: the AGWs release their legs; the counters stay. */
  g_autoptr (ImpsSipMessage) bye = ua_new_in_dialog (alice, ack, "BYE", 3);
  ua_send (alice, bye);
  net_run (&n);
  g_autoptr (ImpsSipMessage) bye_b = ua_take (bob, "BYE", 0);
  g_assert_nonnull (bye_b);
  len = make_rtp (plain, 52, 0xa11ce);
  memcpy (buf, plain, len);
  g_assert_true (imps_srtp_session_protect_rtp (a_tx, buf, len, sizeof buf, &out_len, NULL));
  guint64 dropped = imps_sip_bus_media_dropped (n.bus);
  imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, alice->addr, alice->rtp_port, a_to, a_port,
                           buf, out_len);
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (imps_sip_bus_media_dropped (n.bus), ==, dropped + 1);
  g_assert_true (imps_pcscf_agw_stats (n.pcscf[0], call_id, &s1));
  g_assert_cmpuint (s1.legs, ==, 2);
  g_assert_cmpuint (s1.rtp_to_core, ==, 51);
  g_assert_cmpuint (s1.auth_failures, ==, 1);

  ua_free (alice);
  ua_free (bob);
  net_clear (&n);
}

/* An e2ae offer whose only a=crypto line the IMS-ALG cannot honour (a
 * suite libsrtp does not run): 488 from the P-CSCF, nothing to the core. */
static void
test_e2ae_refused (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  ua_register (alice, 3600, FALSE);
  /* 30 bytes of key||salt in base64, computed by this project. */
  g_autofree gchar *text = g_strdup_printf (SDP_HEAD "m=audio 30000 RTP/SAVP 0\r\n"
                                            "a=crypto:1 F8_128_HMAC_SHA1_80 "
                                            "inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw\r\n"
                                            "a=3ge2ae:requested\r\n",
                                            "alice", alice->addr, alice->addr);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSdp) offer = imps_sdp_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", offer);
  ImpsEventLog *log = imps_network_get_event_log (n.net);
  guint start = imps_event_log_len (log);
  ua_send (alice, invite);
  net_run (&n);
  g_autoptr (ImpsSipMessage) r = ua_take (alice, "INVITE", 488);
  g_assert_nonnull (r);
  for (guint i = start; i < imps_event_log_len (log); i++)
    g_assert_cmpint (imps_event_log_get (log, i)->ref, !=, IMPS_REF_MW);
  ua_free (alice);
  net_clear (&n);
}

/* e2e SDES (no a=3ge2ae) and MIKEY-TICKET (a=key-mgmt) pass through every
 * CSCF byte for byte, also toward a UE that offered mediasec. */
static void
test_e2e_passthrough (gconstpointer data)
{
  gboolean mikey = GPOINTER_TO_INT (data);
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 2, 1, "bob");
  ua_register (alice, 3600, TRUE);
  ua_register (bob, 3600, TRUE);

  g_autoptr (ImpsSdp) offer = ua_sdp (alice, !mikey, FALSE, mikey);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", offer);
  const gchar *call_id = imps_sip_message_get_call_id (invite);
  ua_send (alice, invite);
  net_run (&n);
  g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
  g_assert_nonnull (inv_b);
  g_assert_true (g_bytes_equal (imps_sip_message_get_body (inv_b),
                                imps_sip_message_get_body (invite)));

  g_autoptr (ImpsSdp) answer = mikey ? ua_sdp (bob, FALSE, FALSE, TRUE)
                                     : ua_sdes_answer (bob, offer);
  g_autofree gchar *tag_b = imps_sip_tag_new (bob->rnd);
  g_autoptr (ImpsSipMessage) ok = ua_new_response (bob, inv_b, 200, tag_b, answer);
  ua_respond (bob, ok);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ok_a = ua_take (alice, "INVITE", 200);
  g_assert_nonnull (ok_a);
  g_assert_true (g_bytes_equal (imps_sip_message_get_body (ok_a),
                                imps_sip_message_get_body (ok)));

  /* Every CSCF could read the SDES keys (e2e SDES exposure, profile §5);
   * with MIKEY none saw a key in clear. No AGW holds keys. */
  ImpsImsExposure e;
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (imps_pcscf_call_exposure (n.pcscf[i], call_id, &e));
      g_assert_cmpint (e.saw_sdes_keys, ==, !mikey);
      g_assert_cmpint (e.saw_key_mgmt, ==, mikey);
      g_assert_false (e.e2ae || e.holds_media_keys);
      g_assert_true (imps_scscf_call_exposure (n.scscf[i], call_id, &e));
      g_assert_cmpint (e.saw_sdes_keys, ==, !mikey);
      g_assert_cmpint (e.saw_key_mgmt, ==, mikey);
      g_assert_false (e.e2ae || e.holds_media_keys);
      ImpsAgwStats s;
      g_assert_false (imps_pcscf_agw_stats (n.pcscf[i], call_id, &s));
    }
  g_assert_false (imps_scscf_call_exposure (n.scscf[0], "no-such-call", &e));
  ua_free (alice);
  ua_free (bob);
  net_clear (&n);
}

/* alice cancels before bob answers (RFC 3665 §3.8 style): 200 to each
 * CANCEL hop by hop, 487 from bob, ACKed at every INVITE-stateful hop, and
 * the 487 reaches alice. */
static void
test_caller_cancel (void)
{
  Net n;
  net_init (&n);
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
  g_autoptr (ImpsSipMessage) ringing_a = ua_take (alice, "INVITE", 180);
  g_assert_nonnull (ringing_a);

  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) cancel = imps_sip_message_new_cancel_for (invite, &error);
  g_assert_no_error (error);
  ua_send (alice, cancel);
  net_run (&n);
  g_autoptr (ImpsSipMessage) cancel_ok = ua_take (alice, "CANCEL", 200);
  g_assert_nonnull (cancel_ok);
  g_autoptr (ImpsSipMessage) cancel_b = ua_take (bob, "CANCEL", 0);
  g_assert_nonnull (cancel_b);
  g_autoptr (ImpsSipMessage) cancel_b_ok = ua_new_response (bob, cancel_b, 200, NULL, NULL);
  g_autoptr (ImpsSipMessage) terminated = ua_new_response (bob, inv_b, 487, tag, NULL);
  ua_respond (bob, cancel_b_ok);
  ua_respond (bob, terminated);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ack_b = ua_take (bob, "ACK", 0);
  g_assert_nonnull (ack_b);
  g_autoptr (ImpsSipMessage) r = ua_take (alice, "INVITE", 487);
  g_assert_nonnull (r);
  g_assert_null (ua_take (alice, "CANCEL", 200)); /* bob's 200 to CANCEL stayed at the S-CSCF */
  g_autoptr (ImpsSipMessage) ack = imps_sip_message_new_ack_for_error (invite, r, &error);
  ua_send (alice, ack);
  net_run (&n);
  g_assert_cmpuint (bob->inbox->len, ==, 0);
  imps_clock_advance (n.clock, 40 * G_USEC_PER_SEC);
  g_assert_cmpuint (imps_scscf_n_transactions (n.scscf[0]), ==, 0);
  g_assert_cmpuint (imps_scscf_n_transactions (n.scscf[1]), ==, 0);
  ua_free (alice);
  ua_free (bob);
  net_clear (&n);
}

/* Both UEs behind one P-CSCF and one IMS-AGW, both e2ae: the call passes
 * the P-CSCF twice (originating, then terminating leg); the AGW relays
 * between its own two legs. */
static void
test_e2ae_same_operator (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 1, 2, "bob");
  ua_register (alice, 3600, TRUE);
  ua_register (bob, 3600, TRUE);
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);

  g_autoptr (ImpsSdp) offer = ua_sdp (alice, TRUE, TRUE, FALSE);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home1.net", offer);
  const gchar *call_id = imps_sip_message_get_call_id (invite);
  ua_send (alice, invite);
  net_run (&n);
  g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
  g_assert_nonnull (inv_b);
  g_assert_cmpuint (n_values (inv_b, "Record-Route"), ==, 3);
  g_autoptr (ImpsSdp) offer_b = get_sdp (inv_b);
  g_autoptr (ImpsSdp) answer_b = ua_sdes_answer (bob, offer_b);
  g_autofree gchar *tag_b = imps_sip_tag_new (bob->rnd);
  g_autoptr (ImpsSipMessage) ok = ua_new_response (bob, inv_b, 200, tag_b, answer_b);
  ua_respond (bob, ok);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ok_a = ua_take (alice, "INVITE", 200);
  g_assert_nonnull (ok_a);
  g_autoptr (ImpsSdp) answer_a = get_sdp (ok_a);

  g_auto (ImpsSdesKeys) ka = { 0 };
  g_auto (ImpsSdesKeys) kb = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_sdes_negotiate (imps_sdp_get_media (offer, 0),
                                      imps_sdp_get_media (answer_a, 0), &policy, &ka, &error));
  g_assert_true (imps_sdes_negotiate (imps_sdp_get_media (offer_b, 0),
                                      imps_sdp_get_media (answer_b, 0), &policy, &kb, &error));
  g_autoptr (ImpsSrtpSession) a_tx = srtp_session (&ka, TRUE, IMPS_SRTP_SENDER);
  g_autoptr (ImpsSrtpSession) b_rx = srtp_session (&kb, TRUE, IMPS_SRTP_RECEIVER);
  gchar a_to[16];
  guint16 a_port;
  sdp_media_target (answer_a, a_to, sizeof a_to, &a_port);
  guint8 buf[IMPS_SIP_BUS_MAX_PACKET];
  guint8 plain[12 + PAYLOAD_LEN];
  gsize len = make_rtp (plain, 1, 0xa11ce), out_len;
  memcpy (buf, plain, len);
  g_assert_true (imps_srtp_session_protect_rtp (a_tx, buf, len, sizeof buf, &out_len, NULL));
  imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, alice->addr, alice->rtp_port, a_to, a_port,
                           buf, out_len);
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (bob->n_media, ==, 1);
  g_assert_true (imps_srtp_session_unprotect_rtp (b_rx, bob->last_media, bob->last_media_len,
                                                  &out_len, &error));
  g_assert_cmpmem (bob->last_media, out_len, plain, len);
  ImpsAgwStats st;
  g_assert_true (imps_pcscf_agw_stats (n.pcscf[0], call_id, &st));
  g_assert_cmpuint (st.legs, ==, 2);
  g_assert_cmpuint (st.rtp_to_core, ==, 1);
  g_assert_cmpuint (st.rtp_to_ue, ==, 1);
  ImpsImsExposure e;
  g_assert_true (imps_scscf_call_exposure (n.scscf[0], call_id, &e));
  g_assert_false (e.saw_sdes_keys);
  ua_free (alice);
  ua_free (bob);
  net_clear (&n);
}

/* Robustness: every SIP message of a forked call, an e2ae call and a
 * registration, mutated (truncated, bytes flipped, a line dropped; seeded,
 * computed by this project), thrown at every node from a UE's address and
 * from the core. Nothing crashes, every timer runs out, and the nodes free
 * cleanly (the sanitizer build checks memory). */
static void
test_garbage (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob = ua_new (&n, 2, 1, "bob");
  ua_register (alice, 3600, TRUE);
  ua_register (bob, 3600, TRUE);
  g_autoptr (ImpsSdp) offer = ua_sdp (alice, TRUE, TRUE, FALSE);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", offer);
  ua_send (alice, invite);
  net_run (&n);
  g_autoptr (ImpsSipMessage) inv_b = ua_take (bob, "INVITE", 0);
  g_autoptr (ImpsSdp) offer_b = get_sdp (inv_b);
  g_autoptr (ImpsSdp) answer_b = ua_sdes_answer (bob, offer_b);
  g_autoptr (ImpsSipMessage) ok = ua_new_response (bob, inv_b, 200, "t1", answer_b);
  ua_respond (bob, ok);
  net_run (&n);

  ImpsEventLog *log = imps_network_get_event_log (n.net);
  g_autoptr (GPtrArray) seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && e->bytes != NULL)
        g_ptr_array_add (seeds, g_bytes_ref (e->bytes));
    }
  g_assert_cmpuint (seeds->len, >, 20);
  ua_free (alice);
  ua_free (bob);

  static const gchar *targets[] = { "127.0.1.40", "127.0.1.50", "127.0.2.50", "127.0.2.40" };
  static const gchar *sources[] = { "127.1.1.1", "127.0.1.50", "127.0.2.50" };
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (99);
  guint8 buf[4096];
  for (guint i = 0; i < seeds->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (seeds, i), &len);
      if (len > sizeof buf)
        continue;
      for (guint k = 0; k < 40; k++)
        {
          gsize mlen = len;
          memcpy (buf, data, len);
          if (k < 8)
            mlen = imps_random_uniform (rnd, (guint32) len + 1);       /* truncated */
          else if (k < 32)
            for (guint f = 0; f <= k % 3; f++)                          /* bytes changed */
              buf[imps_random_uniform (rnd, (guint32) len)] = (guint8) imps_random_u32 (rnd);
          else
            {
              /* one line dropped */
              guint32 line = imps_random_uniform (rnd, 24), at = 0;
              gsize p = 0;
              while (p < len && at < line)
                if (buf[p++] == '\n')
                  at++;
              gsize q = p;
              while (q < len && buf[q] != '\n')
                q++;
              if (q < len)
                {
                  memmove (buf + p, buf + q + 1, len - q - 1);
                  mlen = len - (q + 1 - p);
                }
            }
          g_autoptr (GBytes) msg = g_bytes_new (buf, mlen);
          imps_sip_bus_send_sip (n.bus, IMPS_REF_MW, sources[k % G_N_ELEMENTS (sources)], 5060,
                                 targets[(i + k) % G_N_ELEMENTS (targets)], 5060, msg, "fuzz");
        }
      net_run (&n);
    }
  /* Every transaction and timer runs out. */
  imps_clock_advance (n.clock, 600 * G_USEC_PER_SEC);
  g_assert_cmpuint (imps_scscf_n_transactions (n.scscf[0]), ==, 0);
  g_assert_cmpuint (imps_scscf_n_transactions (n.scscf[1]), ==, 0);
  net_clear (&n);
}

/* Forking with e2ae on the called side: each device gets its own SDES
 * offer (own AGW leg, own keys); the losing fork's leg is released at its
 * CANCEL, and media reaches the device that answered. */
static void
test_e2ae_forking (void)
{
  Net n;
  net_init (&n);
  Ua *alice = ua_new (&n, 1, 1, "alice");
  Ua *bob1 = ua_new (&n, 2, 1, "bob");
  Ua *bob2 = ua_new (&n, 2, 2, "bob");
  ua_register (alice, 3600, FALSE);
  ua_register (bob1, 3600, TRUE);
  ua_register (bob2, 3600, TRUE);
  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);

  g_autoptr (ImpsSdp) offer = ua_sdp (alice, TRUE, TRUE, FALSE);
  g_autoptr (ImpsSipMessage) invite = ua_new_invite (alice, "sip:bob@home2.net", offer);
  const gchar *call_id = imps_sip_message_get_call_id (invite);
  ua_send (alice, invite);
  net_run (&n);
  g_autoptr (ImpsSipMessage) inv1 = ua_take (bob1, "INVITE", 0);
  g_autoptr (ImpsSipMessage) inv2 = ua_take (bob2, "INVITE", 0);
  g_assert_nonnull (inv1);
  g_assert_nonnull (inv2);
  g_autoptr (ImpsSdp) o1 = get_sdp (inv1);
  g_autoptr (ImpsSdp) o2 = get_sdp (inv2);
  ImpsSdpMedia *m1 = imps_sdp_get_media (o1, 0), *m2 = imps_sdp_get_media (o2, 0);
  g_assert_cmpstr (imps_sdp_media_find_attribute (m1, "crypto", 0), !=,
                   imps_sdp_media_find_attribute (m2, "crypto", 0));
  g_assert_cmpuint (imps_sdp_media_get_port (m1), !=, imps_sdp_media_get_port (m2));

  g_autofree gchar *tag1 = imps_sip_tag_new (bob1->rnd);
  g_autofree gchar *tag2 = imps_sip_tag_new (bob2->rnd);
  g_autoptr (ImpsSipMessage) r1 = ua_new_response (bob1, inv1, 180, tag1, NULL);
  ua_respond (bob1, r1);
  net_run (&n);
  g_autoptr (ImpsSdp) answer2 = ua_sdes_answer (bob2, o2);
  g_autoptr (ImpsSipMessage) ok2 = ua_new_response (bob2, inv2, 200, tag2, answer2);
  ua_respond (bob2, ok2);
  net_run (&n);
  g_autoptr (ImpsSipMessage) ok_a = ua_take (alice, "INVITE", 200);
  g_assert_nonnull (ok_a);
  g_autoptr (ImpsSipMessage) cancel = ua_take (bob1, "CANCEL", 0);
  g_assert_nonnull (cancel);
  g_autoptr (ImpsSipMessage) cancel_ok = ua_new_response (bob1, cancel, 200, NULL, NULL);
  g_autoptr (ImpsSipMessage) terminated = ua_new_response (bob1, inv1, 487, tag1, NULL);
  ua_respond (bob1, cancel_ok);
  ua_respond (bob1, terminated);
  net_run (&n);

  g_autoptr (ImpsSdp) answer_a = get_sdp (ok_a);
  g_auto (ImpsSdesKeys) ka = { 0 };
  g_auto (ImpsSdesKeys) kb = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_sdes_negotiate (imps_sdp_get_media (offer, 0),
                                      imps_sdp_get_media (answer_a, 0), &policy, &ka, &error));
  g_assert_true (imps_sdes_negotiate (m2, imps_sdp_get_media (answer2, 0), &policy, &kb,
                                      &error));
  g_autoptr (ImpsSrtpSession) a_tx = srtp_session (&ka, TRUE, IMPS_SRTP_SENDER);
  g_autoptr (ImpsSrtpSession) b_rx = srtp_session (&kb, TRUE, IMPS_SRTP_RECEIVER);
  gchar a_to[16];
  guint16 a_port;
  sdp_media_target (answer_a, a_to, sizeof a_to, &a_port);
  guint8 buf[IMPS_SIP_BUS_MAX_PACKET];
  guint8 plain[12 + PAYLOAD_LEN];
  gsize len = make_rtp (plain, 1, 0xa11ce), out_len;
  memcpy (buf, plain, len);
  g_assert_true (imps_srtp_session_protect_rtp (a_tx, buf, len, sizeof buf, &out_len, NULL));
  imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, alice->addr, alice->rtp_port, a_to, a_port,
                           buf, out_len);
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (bob2->n_media, ==, 1);
  g_assert_cmpuint (bob1->n_media, ==, 0);
  g_assert_true (imps_srtp_session_unprotect_rtp (b_rx, bob2->last_media, bob2->last_media_len,
                                                  &out_len, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (bob2->last_media, out_len, plain, len);
  ImpsAgwStats st;
  g_assert_true (imps_pcscf_agw_stats (n.pcscf[1], call_id, &st));
  g_assert_cmpuint (st.legs, ==, 2);
  g_assert_cmpuint (st.rtp_to_ue, ==, 1);
  /* The cancelled fork's AGW ports are closed again. */
  gchar b1_to[16];
  guint16 b1_port;
  sdp_media_target (o1, b1_to, sizeof b1_to, &b1_port);
  guint64 dropped = imps_sip_bus_media_dropped (n.bus);
  imps_sip_bus_send_media (n.bus, IMPS_PROTO_RTP, bob1->addr, bob1->rtp_port, b1_to, b1_port,
                           plain, len);
  imps_clock_advance (n.clock, 10000);
  g_assert_cmpuint (imps_sip_bus_media_dropped (n.bus), ==, dropped + 1);
  ua_free (alice);
  ua_free (bob1);
  ua_free (bob2);
  net_clear (&n);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ims/register", test_register);
  g_test_add_func ("/ims/basic-call", test_basic_call);
  g_test_add_func ("/ims/errors", test_errors);
  g_test_add_func ("/ims/subscribers", test_subscribers);
  g_test_add_func ("/ims/enum", test_enum);
  g_test_add_func ("/ims/forking", test_forking);
  g_test_add_func ("/ims/timer-c", test_timer_c);
  g_test_add_func ("/ims/caller-cancel", test_caller_cancel);
  g_test_add_func ("/ims/e2ae", test_e2ae);
  g_test_add_func ("/ims/e2ae-same-operator", test_e2ae_same_operator);
  g_test_add_func ("/ims/e2ae-forking", test_e2ae_forking);
  g_test_add_func ("/ims/garbage", test_garbage);
  g_test_add_func ("/ims/e2ae-refused", test_e2ae_refused);
  g_test_add_data_func ("/ims/e2e-sdes", GINT_TO_POINTER (FALSE), test_e2e_passthrough);
  g_test_add_data_func ("/ims/e2e-mikey", GINT_TO_POINTER (TRUE), test_e2e_passthrough);
  return g_test_run ();
}
