/* Tests of SIP messages and typed headers (src/core/sip).
 *
 * The call-flow messages below are realistic messages written by this
 * project in the style of RFC 3665 (registration §2.1, session through
 * two proxies §3.2, CANCEL §3.8-style with 487, busy 486), with the RFC's
 * example domains; they are not copied from the RFC. Every message that a
 * helper can derive (responses, ACK, CANCEL) is also produced by that
 * helper and compared byte for byte, so data and helpers check each other.
 */
#include "sip/imps-sip.h"
#include "imps-random.h"

#include <string.h>

#define SDP_A \
  "v=0\r\n" \
  "o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n" \
  "s=-\r\n" \
  "c=IN IP4 192.0.2.101\r\n" \
  "t=0 0\r\n" \
  "m=audio 49172 RTP/AVP 0\r\n" \
  "a=rtpmap:0 PCMU/8000\r\n"

#define SDP_B \
  "v=0\r\n" \
  "o=bob 2890844527 2890844527 IN IP4 client.biloxi.example.com\r\n" \
  "s=-\r\n" \
  "c=IN IP4 192.0.2.201\r\n" \
  "t=0 0\r\n" \
  "m=audio 3456 RTP/AVP 0\r\n" \
  "a=rtpmap:0 PCMU/8000\r\n"

/* Headers (without Content-Length) and body of one message; the test adds
 * "Content-Length: <body length>" and the empty line. */
typedef struct {
  const gchar *name;
  const gchar *headers;
  const gchar *body;
} FlowMessage;

static gchar *
compose (const FlowMessage *m)
{
  return g_strdup_printf ("%sContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                          m->headers, strlen (m->body), m->body);
}

/* Registration (RFC 3665 §2.1 style). */
static const FlowMessage reg_register = { "REGISTER",
  "REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n"
  "Max-Forwards: 70\r\n"
  "From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n"
  "To: Bob <sip:bob@biloxi.example.com>\r\n"
  "Call-ID: 843817637684230@998sdasdh09\r\n"
  "CSeq: 1826 REGISTER\r\n"
  "Contact: <sip:bob@192.0.2.4>\r\n"
  "Expires: 7200\r\n", "" };

static const FlowMessage reg_200 = { "200 to REGISTER",
  "SIP/2.0 200 OK\r\n"
  "Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4\r\n"
  "From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=2493k59kd\r\n"
  "Call-ID: 843817637684230@998sdasdh09\r\n"
  "CSeq: 1826 REGISTER\r\n"
  "Contact: <sip:bob@192.0.2.4>;expires=7200\r\n", "" };

/* Session setup through two proxies (RFC 3665 §3.2 style). */
static const FlowMessage call_invite_a = { "INVITE from Alice",
  "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "Max-Forwards: 70\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 INVITE\r\n"
  "Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n"
  "Content-Type: application/sdp\r\n", SDP_A };

static const FlowMessage call_100_a = { "100 to Alice",
  "SIP/2.0 100 Trying\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 INVITE\r\n", "" };

static const FlowMessage call_invite_b = { "INVITE at Bob",
  "INVITE sip:bob@client.biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1\r\n"
  "Via: SIP/2.0/UDP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n"
  "Max-Forwards: 68\r\n"
  "Record-Route: <sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 INVITE\r\n"
  "Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n"
  "Content-Type: application/sdp\r\n", SDP_A };

#define B_RESPONSE_HEADERS \
  "Via: SIP/2.0/UDP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.1\r\n" \
  "Via: SIP/2.0/UDP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.111\r\n" \
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n" \
  "Record-Route: <sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>\r\n" \
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" \
  "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n" \
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n" \
  "CSeq: 1 INVITE\r\n" \
  "Contact: <sip:bob@client.biloxi.example.com;transport=udp>\r\n"

static const FlowMessage call_180_b = { "180 from Bob",
  "SIP/2.0 180 Ringing\r\n" B_RESPONSE_HEADERS, "" };

static const FlowMessage call_200_b = { "200 from Bob",
  "SIP/2.0 200 OK\r\n" B_RESPONSE_HEADERS
  "Content-Type: application/sdp\r\n", SDP_B };

static const FlowMessage call_200_a = { "200 at Alice",
  "SIP/2.0 200 OK\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n"
  "Record-Route: <sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 INVITE\r\n"
  "Contact: <sip:bob@client.biloxi.example.com;transport=udp>\r\n"
  "Content-Type: application/sdp\r\n", SDP_B };

static const FlowMessage call_ack_a = { "ACK from Alice",
  "ACK sip:bob@client.biloxi.example.com;transport=udp SIP/2.0\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bfa\r\n"
  "Max-Forwards: 70\r\n"
  "Route: <sip:ss1.atlanta.example.com;lr>\r\n"
  "Route: <sip:ss2.biloxi.example.com;lr>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 ACK\r\n", "" };

static const FlowMessage call_bye_a = { "BYE at Alice",
  "BYE sip:alice@client.atlanta.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.2\r\n"
  "Via: SIP/2.0/UDP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.2;received=192.0.2.222\r\n"
  "Via: SIP/2.0/UDP client.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.201\r\n"
  "Max-Forwards: 68\r\n"
  "From: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
  "To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 BYE\r\n", "" };

static const FlowMessage call_bye_200 = { "200 to BYE",
  "SIP/2.0 200 OK\r\n"
  "Via: SIP/2.0/UDP ss1.atlanta.example.com:5060;branch=z9hG4bK2d4790.2\r\n"
  "Via: SIP/2.0/UDP ss2.biloxi.example.com:5060;branch=z9hG4bK721e4.2;received=192.0.2.222\r\n"
  "Via: SIP/2.0/UDP client.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.201\r\n"
  "From: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
  "To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 BYE\r\n", "" };

/* CANCEL with 487, and busy 486 (RFC 3665 §3.8 and §3.6 style). */
static const FlowMessage cancel_invite = { "INVITE to be cancelled",
  "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "Max-Forwards: 70\r\n"
  "Route: <sip:ss1.atlanta.example.com;lr>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>\r\n"
  "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n"
  "CSeq: 1 INVITE\r\n"
  "Contact: <sip:alice@client.atlanta.example.com>\r\n"
  "Content-Type: application/sdp\r\n", SDP_A };

static const FlowMessage cancel_cancel = { "CANCEL",
  "CANCEL sip:bob@biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "Max-Forwards: 70\r\n"
  "Route: <sip:ss1.atlanta.example.com;lr>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>\r\n"
  "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n"
  "CSeq: 1 CANCEL\r\n", "" };

static const FlowMessage cancel_200 = { "200 to CANCEL",
  "SIP/2.0 200 OK\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
  "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n"
  "CSeq: 1 CANCEL\r\n", "" };

static const FlowMessage cancel_487 = { "487",
  "SIP/2.0 487 Request Terminated\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
  "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n"
  "CSeq: 1 INVITE\r\n", "" };

static const FlowMessage cancel_ack = { "ACK to 487",
  "ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "Max-Forwards: 70\r\n"
  "Route: <sip:ss1.atlanta.example.com;lr>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
  "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n"
  "CSeq: 1 ACK\r\n", "" };

static const FlowMessage busy_486 = { "486",
  "SIP/2.0 486 Busy Here\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=Xy7fQ2\r\n"
  "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n"
  "CSeq: 1 INVITE\r\n", "" };

static const FlowMessage busy_ack = { "ACK to 486",
  "ACK sip:bob@biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
  "Max-Forwards: 70\r\n"
  "Route: <sip:ss1.atlanta.example.com;lr>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "To: Bob <sip:bob@biloxi.example.com>;tag=Xy7fQ2\r\n"
  "Call-ID: 2xTb9vxSit55XU7p8@atlanta.example.com\r\n"
  "CSeq: 1 ACK\r\n", "" };

/* BYE from Bob in the dialog of call_invite_b / call_200_b (UAS side):
 * route set = Record-Route of the INVITE in order, Request-URI = Alice's
 * Contact, CSeq 1 (the callee's first request). */
static const FlowMessage call_bye_b = { "BYE from Bob",
  "BYE sip:alice@client.atlanta.example.com;transport=udp SIP/2.0\r\n"
  "Via: SIP/2.0/UDP client.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n"
  "Max-Forwards: 70\r\n"
  "Route: <sip:ss2.biloxi.example.com;lr>\r\n"
  "Route: <sip:ss1.atlanta.example.com;lr>\r\n"
  "From: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
  "To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
  "CSeq: 1 BYE\r\n", "" };

static const FlowMessage *const all_flow[] = {
  &call_bye_b,
  &reg_register, &reg_200, &call_invite_a, &call_100_a, &call_invite_b,
  &call_180_b, &call_200_b, &call_200_a, &call_ack_a, &call_bye_a,
  &call_bye_200, &cancel_invite, &cancel_cancel, &cancel_200, &cancel_487,
  &cancel_ack, &busy_486, &busy_ack,
};

static ImpsSipMessage *
parse_flow (const FlowMessage *m)
{
  g_autofree gchar *text = compose (m);
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *msg = imps_sip_message_parse ((const guint8 *) text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

static void
assert_built (const ImpsSipMessage *msg, const FlowMessage *expected)
{
  g_autofree gchar *text = compose (expected);
  g_autoptr (GBytes) built = imps_sip_message_to_bytes (msg);
  gsize len;
  const gchar *data = g_bytes_get_data (built, &len);
  g_autofree gchar *got = g_strndup (data, len);

  g_assert_cmpstr (got, ==, text);
}

/* Every message parses, and builds back to the same bytes. */
static void
test_flow_roundtrip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_flow); i++)
    {
      g_test_message ("message: %s", all_flow[i]->name);
      g_autoptr (ImpsSipMessage) msg = parse_flow (all_flow[i]);
      assert_built (msg, all_flow[i]);
      g_autoptr (ImpsSipMessage) copy = imps_sip_message_copy (msg);
      assert_built (copy, all_flow[i]);
    }
}

static void
test_flow_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) inv = parse_flow (&call_invite_b);
  ImpsSipCSeq cseq;
  guint mf;
  gchar tag[64];

  g_assert_true (imps_sip_message_is_request (inv));
  g_assert_cmpstr (imps_sip_message_get_method (inv), ==, "INVITE");
  g_assert_cmpstr (imps_sip_message_get_request_uri (inv), ==, "sip:bob@client.biloxi.example.com");
  g_assert_true (imps_sip_message_has_method (inv, "INVITE"));
  g_assert_cmpuint (imps_sip_message_get_n_headers (inv), ==, 12);
  g_assert_cmpuint (imps_sip_message_count_headers (inv, "via"), ==, 3);
  g_assert_cmpstr (imps_sip_message_get_call_id (inv), ==, "3848276298220188511@atlanta.example.com");
  g_assert_true (imps_sip_message_get_cseq (inv, &cseq, &error));
  g_assert_cmpuint (cseq.number, ==, 1);
  g_assert_cmpstr (cseq.method, ==, "INVITE");
  g_assert_true (imps_sip_message_get_max_forwards (inv, &mf, &error));
  g_assert_cmpuint (mf, ==, 68);
  g_assert_true (imps_sip_message_get_from_tag (inv, tag, sizeof tag));
  g_assert_cmpstr (tag, ==, "9fxced76sl");
  g_assert_false (imps_sip_message_get_to_tag (inv, tag, sizeof tag));
  g_assert_false (imps_sip_message_get_from_tag (inv, tag, 5));   /* does not fit */

  g_autoptr (GPtrArray) vias = imps_sip_message_get_vias (inv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vias->len, ==, 3);
  ImpsSipVia *v1 = vias->pdata[1];
  g_assert_cmpstr (v1->transport, ==, "UDP");
  g_assert_cmpstr (v1->host, ==, "ss1.atlanta.example.com");
  g_assert_cmpint (v1->port, ==, 5060);
  g_assert_cmpstr (v1->branch, ==, "z9hG4bK2d4790.1");
  g_assert_cmpstr (v1->received, ==, "192.0.2.111");
  g_assert_cmpint (v1->rport, ==, -1);

  g_autoptr (ImpsSipNameAddr) from = imps_sip_message_get_from (inv, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (from->display_name, ==, "Alice");
  g_assert_cmpstr (from->uri->user, ==, "alice");
  g_assert_cmpstr (from->uri->host, ==, "atlanta.example.com");
  g_assert_cmpstr (imps_sip_name_addr_get_tag (from), ==, "9fxced76sl");
  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (inv, &error);
  g_assert_null (imps_sip_name_addr_get_tag (to));

  g_autoptr (GPtrArray) rr = imps_sip_message_get_name_addrs (inv, "Record-Route", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rr->len, ==, 2);
  ImpsSipNameAddr *rr0 = rr->pdata[0];
  g_assert_cmpstr (rr0->uri->host, ==, "ss2.biloxi.example.com");
  g_assert_true (imps_sip_uri_has_param (rr0->uri, "lr"));

  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (inv, &error);
  g_assert_cmpuint (contacts->len, ==, 1);
  ImpsSipNameAddr *c0 = contacts->pdata[0];
  g_assert_cmpstr (imps_sip_uri_get_param (c0->uri, "transport"), ==, "udp");

  g_autoptr (ImpsSipContentType) ct = imps_sip_message_get_content_type (inv, &error);
  g_assert_cmpstr (ct->type, ==, "application");
  g_assert_cmpstr (ct->subtype, ==, "sdp");
  GBytes *body = imps_sip_message_get_body (inv);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), SDP_A, strlen (SDP_A));

  g_autoptr (ImpsSipMessage) reg = parse_flow (&reg_register);
  guint32 expires;
  g_assert_true (imps_sip_message_get_expires (reg, &expires, &error));
  g_assert_cmpuint (expires, ==, 7200);
  g_autoptr (ImpsSipMessage) ok = parse_flow (&reg_200);
  g_assert_false (imps_sip_message_is_request (ok));
  g_assert_cmpuint (imps_sip_message_get_status (ok), ==, 200);
  g_assert_cmpstr (imps_sip_message_get_reason (ok), ==, "OK");
  g_assert_true (imps_sip_message_has_method (ok, "REGISTER"));
  g_assert_false (imps_sip_message_has_method (ok, "INVITE"));
  g_autoptr (GPtrArray) rc = imps_sip_message_get_contacts (ok, &error);
  g_assert_true (imps_sip_name_addr_get_expires (rc->pdata[0], &expires));
  g_assert_cmpuint (expires, ==, 7200);
  g_assert_false (imps_sip_message_get_max_forwards (ok, &mf, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER);
}

/* The helpers give exactly the flow's messages. */
static void
test_flow_helpers (void)
{
  g_autoptr (GError) error = NULL;

  /* Registrar: received= on the top Via, then the 200 with the binding. */
  g_autoptr (ImpsSipMessage) reg = parse_flow (&reg_register);
  g_autoptr (ImpsSipVia) top = imps_sip_message_get_via (reg, 0, &error);
  g_assert_no_error (error);
  top->received = g_strdup ("192.0.2.4");
  g_assert_true (imps_sip_message_replace_top_via (reg, top));
  g_autoptr (ImpsSipMessage) reg_ok = imps_sip_message_new_response_for (reg, 200, NULL, "2493k59kd", &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (reg, &error);
  imps_sip_params_set (((ImpsSipNameAddr *) contacts->pdata[0])->params, "expires", "7200");
  imps_sip_message_add_contact (reg_ok, contacts->pdata[0]);
  assert_built (reg_ok, &reg_200);

  /* Proxy answers 100 (no To tag even when one is offered). */
  g_autoptr (ImpsSipMessage) inv_a = parse_flow (&call_invite_a);
  g_autoptr (ImpsSipMessage) trying = imps_sip_message_new_response_for (inv_a, 100, NULL, "zzz", &error);
  g_assert_no_error (error);
  assert_built (trying, &call_100_a);

  /* Bob: 180 and 200 copy the Record-Route of the INVITE. */
  g_autoptr (ImpsSipMessage) inv_b = parse_flow (&call_invite_b);
  g_autoptr (ImpsSipUri) bob_uri = imps_sip_uri_new (IMPS_SIP_URI_SIP, "bob", "client.biloxi.example.com", -1);
  imps_sip_uri_set_param (bob_uri, "transport", "udp");
  g_autoptr (ImpsSipNameAddr) bob_contact = imps_sip_name_addr_new (NULL, imps_sip_uri_copy (bob_uri));
  g_autoptr (ImpsSipMessage) ringing = imps_sip_message_new_response_for (inv_b, 180, NULL, "314159", &error);
  g_assert_no_error (error);
  imps_sip_message_add_contact (ringing, bob_contact);
  assert_built (ringing, &call_180_b);
  g_autoptr (ImpsSipMessage) ok_b = imps_sip_message_new_response_for (inv_b, 200, NULL, "314159", &error);
  imps_sip_message_add_contact (ok_b, bob_contact);
  g_autoptr (GBytes) sdp_b = g_bytes_new_static (SDP_B, strlen (SDP_B));
  imps_sip_message_set_body (ok_b, sdp_b, "application/sdp");
  assert_built (ok_b, &call_200_b);

  /* The proxies pop their Via on the way back; Alice sees call_200_a. */
  g_assert_true (imps_sip_message_pop_via (ok_b));
  g_assert_true (imps_sip_message_pop_via (ok_b));
  assert_built (ok_b, &call_200_a);

  /* Alice's ACK for the 2xx: Request-URI from Contact, Route reversed. */
  g_autoptr (ImpsSipMessage) ok_a = parse_flow (&call_200_a);
  g_autoptr (ImpsSipVia) via = imps_sip_via_new ("UDP", "client.atlanta.example.com", 5060, "z9hG4bK74bfa");
  g_autoptr (ImpsSipMessage) ack = imps_sip_message_new_ack_for_2xx (inv_a, ok_a, via, &error);
  g_assert_no_error (error);
  assert_built (ack, &call_ack_a);

  /* 200 to BYE: To already has a tag, so it stays; no Record-Route. */
  g_autoptr (ImpsSipMessage) bye = parse_flow (&call_bye_a);
  g_autoptr (ImpsSipMessage) bye_ok = imps_sip_message_new_response_for (bye, 200, NULL, "other", &error);
  g_assert_no_error (error);
  assert_built (bye_ok, &call_bye_200);

  /* CANCEL, its 200, the 487, the ACK. */
  g_autoptr (ImpsSipMessage) inv_c = parse_flow (&cancel_invite);
  g_autoptr (ImpsSipMessage) cancel = imps_sip_message_new_cancel_for (inv_c, &error);
  g_assert_no_error (error);
  assert_built (cancel, &cancel_cancel);
  g_autoptr (ImpsSipMessage) cancel_ok = imps_sip_message_new_response_for (cancel, 200, NULL, "8321234356", &error);
  assert_built (cancel_ok, &cancel_200);
  g_autoptr (ImpsSipMessage) terminated = imps_sip_message_new_response_for (inv_c, 487, NULL, "8321234356", &error);
  assert_built (terminated, &cancel_487);
  g_autoptr (ImpsSipMessage) ack487 = imps_sip_message_new_ack_for_error (inv_c, terminated, &error);
  g_assert_no_error (error);
  assert_built (ack487, &cancel_ack);

  /* Busy. */
  g_autoptr (ImpsSipMessage) busy = imps_sip_message_new_response_for (inv_c, 486, NULL, "Xy7fQ2", &error);
  assert_built (busy, &busy_486);
  g_autoptr (ImpsSipMessage) ack486 = imps_sip_message_new_ack_for_error (inv_c, busy, &error);
  assert_built (ack486, &busy_ack);
  g_assert_no_error (error);
}

static void
test_dialog (void)
{
  g_autoptr (GError) error = NULL;

  /* Bob (UAS) builds the BYE of the flow. */
  g_autoptr (ImpsSipMessage) inv_b = parse_flow (&call_invite_b);
  g_autoptr (ImpsSipMessage) ok_b = parse_flow (&call_200_b);
  g_autoptr (ImpsSipDialog) bob = imps_sip_dialog_new_uas (inv_b, ok_b, &error);
  g_assert_no_error (error);
  g_assert_false (bob->is_uac);
  g_assert_cmpuint (bob->remote_cseq, ==, 1);
  g_autoptr (ImpsSipVia) via = imps_sip_via_new ("UDP", "client.biloxi.example.com", 5060, "z9hG4bKnashds7");
  g_autoptr (ImpsSipMessage) bye = imps_sip_dialog_new_request (bob, "BYE", via, &error);
  g_assert_no_error (error);
  assert_built (bye, &call_bye_b);
  g_assert_cmpuint (bob->local_cseq, ==, 1);

  /* Alice (UAC): her dialog matches the BYE she receives and the 200 to
   * her INVITE; her own next request uses CSeq 2 and her route set is
   * the Record-Route reversed. */
  g_autoptr (ImpsSipMessage) inv_a = parse_flow (&call_invite_a);
  g_autoptr (ImpsSipMessage) ok_a = parse_flow (&call_200_a);
  g_autoptr (ImpsSipDialog) alice = imps_sip_dialog_new_uac (inv_a, ok_a, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsSipMessage) bye_a = parse_flow (&call_bye_a);
  g_assert_true (imps_sip_dialog_matches (alice, bye_a));
  g_assert_true (imps_sip_dialog_matches (alice, ok_a));
  g_assert_false (imps_sip_dialog_matches (bob, ok_a));
  g_autoptr (ImpsSipMessage) other = parse_flow (&cancel_487);
  g_assert_false (imps_sip_dialog_matches (alice, other));
  g_autoptr (ImpsSipMessage) reinvite = imps_sip_dialog_new_request (alice, "INVITE", via, &error);
  ImpsSipCSeq cseq;
  g_assert_true (imps_sip_message_get_cseq (reinvite, &cseq, &error));
  g_assert_cmpuint (cseq.number, ==, 2);
  g_autoptr (GPtrArray) routes = imps_sip_message_get_name_addrs (reinvite, "Route", &error);
  g_assert_cmpuint (routes->len, ==, 2);
  g_assert_cmpstr (((ImpsSipNameAddr *) routes->pdata[0])->uri->host, ==, "ss1.atlanta.example.com");
  g_assert_cmpstr (imps_sip_message_get_request_uri (reinvite), ==,
                   "sip:bob@client.biloxi.example.com;transport=udp");

  /* Strict routing (no lr): the first route is the Request-URI and the
   * remote target goes last (RFC 3261 §12.2.1.1). */
  g_autoptr (ImpsSipNameAddr) strict = imps_sip_name_addr_parse ("<sip:old.example.com;transport=udp>", -1, FALSE, &error);
  g_ptr_array_insert (alice->route_set, 0, g_steal_pointer (&strict));
  g_autoptr (ImpsSipMessage) sr = imps_sip_dialog_new_request (alice, "BYE", via, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imps_sip_message_get_request_uri (sr), ==, "sip:old.example.com");
  g_autoptr (GPtrArray) sroutes = imps_sip_message_get_values (sr, "Route");
  g_assert_cmpuint (sroutes->len, ==, 3);
  g_assert_cmpstr (sroutes->pdata[2], ==, "<sip:bob@client.biloxi.example.com;transport=udp>");

  /* No dialog from a final error or a response without To tag. */
  g_autoptr (ImpsSipMessage) trying = parse_flow (&call_100_a);
  g_assert_null (imps_sip_dialog_new_uac (inv_a, trying, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE);
  g_clear_error (&error);
  g_autoptr (ImpsSipMessage) ringing_no_tag = imps_sip_message_new_response_for (inv_a, 180, NULL, NULL, &error);
  g_assert_null (imps_sip_dialog_new_uac (inv_a, ringing_no_tag, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER);
}

/* Compact forms: parsed under their full names, built with full names. */
static void
test_compact (void)
{
  static const gchar input[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKkjshdyff;rport\r\n"
    "Max-Forwards: 70\r\n"
    "f: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=88sja8x\r\n"
    "t: sip:bob@biloxi.example.com\r\n"
    "i: 987asjd97y7atg@192.0.2.101\r\n"
    "CSeq: 986759 INVITE\r\n"
    "m: <sip:alice@192.0.2.101>;expires=60, \"Bob \\\"B\\\"\" <sip:bob@[2001:db8::1]:5062>\r\n"
    "k: 100rel, timer\r\n"
    "s: lunch\r\n"
    "e: gzip\r\n"
    "c: text/plain;charset=utf-8\r\n"
    "l: 6\r\n"
    "\r\n"
    "hello\n";
  static const gchar expected[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKkjshdyff;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=88sja8x\r\n"
    "To: sip:bob@biloxi.example.com\r\n"
    "Call-ID: 987asjd97y7atg@192.0.2.101\r\n"
    "CSeq: 986759 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.101>;expires=60, \"Bob \\\"B\\\"\" <sip:bob@[2001:db8::1]:5062>\r\n"
    "Supported: 100rel, timer\r\n"
    "Subject: lunch\r\n"
    "Content-Encoding: gzip\r\n"
    "Content-Type: text/plain;charset=utf-8\r\n"
    "Content-Length: 6\r\n"
    "\r\n"
    "hello\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse ((const guint8 *) input, strlen (input), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (imps_sip_message_get_header (msg, 0)->name, ==, "v");
  g_assert_cmpint (imps_sip_message_get_header (msg, 0)->id, ==, IMPS_SIP_HDR_VIA);
  g_assert_cmpstr (imps_sip_message_get_header_value (msg, "Call-ID"), ==, "987asjd97y7atg@192.0.2.101");
  g_assert_cmpstr (imps_sip_message_get_header_value (msg, "I"), ==, "987asjd97y7atg@192.0.2.101");
  g_assert_cmpstr (imps_sip_message_get_header_value (msg, "SUBJECT"), ==, "lunch");
  g_assert_cmpstr (imps_sip_message_get_header_value (msg, "supported"), ==, "100rel, timer");

  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (msg, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (via->rport, ==, 0);
  g_assert_cmpint (via->port, ==, 5060);

  g_autoptr (ImpsSipNameAddr) from = imps_sip_message_get_from (msg, &error);
  g_assert_cmpstr (from->display_name, ==, "Alice, A.");
  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (msg, &error);
  g_assert_null (to->display_name);
  g_assert_cmpstr (to->uri->user, ==, "bob");

  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (msg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (contacts->len, ==, 2);
  ImpsSipNameAddr *c1 = contacts->pdata[1];
  g_assert_cmpstr (c1->display_name, ==, "Bob \"B\"");
  g_assert_true (c1->uri->host_is_ipv6);
  g_assert_cmpstr (c1->uri->host, ==, "2001:db8::1");
  g_assert_cmpint (c1->uri->port, ==, 5062);
  g_autofree gchar *c1s = imps_sip_name_addr_to_string (c1);
  g_assert_cmpstr (c1s, ==, "\"Bob \\\"B\\\"\" <sip:bob@[2001:db8::1]:5062>");

  g_autoptr (ImpsSipContentType) ct = imps_sip_message_get_content_type (msg, &error);
  g_assert_cmpstr (imps_sip_params_get (ct->params, "charset"), ==, "utf-8");

  g_autoptr (GBytes) built = imps_sip_message_to_bytes (msg);
  g_assert_cmpmem (g_bytes_get_data (built, NULL), g_bytes_get_size (built), expected, strlen (expected));
}

/* Several values per header, several lines per name; commas inside quoted
 * strings and <...> do not split; non-list headers are never split. */
static void
test_multi_value (void)
{
  static const gchar input[] =
    "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1, SIP/2.0/UDP p2.example.com;branch=z9hG4bK2\r\n"
    "Via: SIP/2.0/TCP [2001:db8::2]:5061;branch=z9hG4bK3;received=2001:db8::99;rport=6000\r\n"
    "Max-Forwards: 70\r\n"
    "Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>\r\n"
    "Route: \"odd, name\" <sip:p3.example.com;lr>\r\n"
    "From: <sip:a@example.com?subject=a%2Cb>;tag=1\r\n"
    "To: <sip:carol@chicago.example.com>\r\n"
    "Call-ID: x@y\r\n"
    "CSeq: 7 OPTIONS\r\n"
    "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
    "P-Asserted-Identity: \"Alice\" <sip:alice@atlanta.example.com>, <tel:+1-201-555-0123>\r\n"
    "Accept: application/sdp, text/plain\r\n"
    "X-Custom: one, two\r\n"
    "Subject: folded\r\n"
    "  over two lines\r\n"
    "\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse ((const guint8 *) input, strlen (input), &error);

  g_assert_no_error (error);
  g_autoptr (GPtrArray) vias = imps_sip_message_get_vias (msg, &error);
  g_assert_cmpuint (vias->len, ==, 3);
  ImpsSipVia *v2 = vias->pdata[2];
  g_assert_cmpstr (v2->transport, ==, "TCP");
  g_assert_true (v2->host_is_ipv6);
  g_assert_cmpstr (v2->host, ==, "2001:db8::2");
  g_assert_cmpint (v2->port, ==, 5061);
  g_assert_cmpstr (v2->received, ==, "2001:db8::99");
  g_assert_cmpint (v2->rport, ==, 6000);

  g_autoptr (GPtrArray) routes = imps_sip_message_get_name_addrs (msg, "Route", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (routes->len, ==, 3);
  g_assert_cmpstr (((ImpsSipNameAddr *) routes->pdata[2])->display_name, ==, "odd, name");
  g_autoptr (GPtrArray) values = imps_sip_message_get_values (msg, "route");
  g_assert_cmpuint (values->len, ==, 3);
  g_assert_cmpstr (values->pdata[1], ==, "<sip:p2.example.com;lr>");

  g_autoptr (GPtrArray) date = imps_sip_message_get_values (msg, "Date");
  g_assert_cmpuint (date->len, ==, 1);
  g_autoptr (GPtrArray) custom = imps_sip_message_get_values (msg, "x-custom");
  g_assert_cmpuint (custom->len, ==, 1);   /* unknown headers are not split */
  g_autoptr (GPtrArray) accept = imps_sip_message_get_values (msg, "Accept");
  g_assert_cmpuint (accept->len, ==, 2);
  g_assert_cmpstr (accept->pdata[1], ==, "text/plain");

  g_autoptr (GPtrArray) pai = imps_sip_message_get_name_addrs (msg, "P-Asserted-Identity", &error);
  g_assert_cmpuint (pai->len, ==, 2);
  g_assert_cmpint (((ImpsSipNameAddr *) pai->pdata[1])->uri->scheme, ==, IMPS_SIP_URI_TEL);

  g_autoptr (ImpsSipNameAddr) from = imps_sip_message_get_from (msg, &error);
  g_assert_cmpstr (((ImpsSipParam *) from->uri->headers->pdata[0])->value, ==, "a,b");
  g_assert_cmpstr (imps_sip_message_get_header_value (msg, "Subject"), ==, "folded over two lines");

  /* No-allocation iteration sees the same values. */
  ImpsSipValueIter it;
  const gchar *v;
  gsize n;
  guint count = 0;
  imps_sip_value_iter_init (&it, msg, "v");
  while (imps_sip_value_iter_next (&it, &v, &n))
    count++;
  g_assert_cmpuint (count, ==, 3);

  /* Pop the top Via value (shares a line) and the top Route. */
  g_assert_true (imps_sip_message_pop_via (msg));
  g_assert_cmpstr (imps_sip_message_get_header_value (msg, "Via"), ==,
                   "SIP/2.0/UDP p2.example.com;branch=z9hG4bK2");
  g_assert_true (imps_sip_message_pop_value (msg, "Route"));
  g_assert_true (imps_sip_message_pop_value (msg, "Route"));
  g_assert_cmpuint (imps_sip_message_count_headers (msg, "Route"), ==, 1);

  /* Build writes a Content-Length although none was received. */
  g_autoptr (GBytes) built = imps_sip_message_to_bytes (msg);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (built, NULL), g_bytes_get_size (built),
                                  "\r\nSubject: folded over two lines\r\nContent-Length: 0\r\n\r\n"));
}

static void
test_body_without_length (void)
{
  static const gchar input[] =
    "MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:a@example.com>;tag=1\r\n"
    "To: <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 MESSAGE\r\n"
    "\r\n"
    "body\r\nwith\0NUL";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse ((const guint8 *) input, sizeof input - 1, &error);

  g_assert_no_error (error);
  GBytes *body = imps_sip_message_get_body (msg);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 14);
  g_autoptr (GBytes) built = imps_sip_message_to_bytes (msg);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (built, NULL), g_bytes_get_size (built),
                                  "Content-Length: 14\r\n\r\nbody"));
}

static void
test_build_new (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (42);
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_new_request ("INVITE", "tel:+1-201-555-0123");
  g_autofree gchar *branch = imps_sip_branch_new (rnd);
  g_autoptr (ImpsSipVia) via = imps_sip_via_new ("UDP", "2001:db8::5", 5060, branch);
  g_autoptr (ImpsSipUri) from_uri = imps_sip_uri_new (IMPS_SIP_URI_SIP, "alice", "home1.net", -1);
  g_autoptr (ImpsSipNameAddr) from = imps_sip_name_addr_new ("Alice Smith", imps_sip_uri_copy (from_uri));
  g_autofree gchar *tag = imps_sip_tag_new (rnd);
  g_autofree gchar *call_id = imps_sip_call_id_new (rnd, "home1.net");

  imps_sip_name_addr_set_tag (from, tag);
  imps_sip_message_push_via (msg, via);
  imps_sip_message_set_max_forwards (msg, 70);
  imps_sip_message_set_from (msg, from);
  g_autoptr (ImpsSipNameAddr) to = imps_sip_name_addr_parse ("<tel:+1-201-555-0123>", -1, FALSE, &error);
  imps_sip_message_set_to (msg, to);
  imps_sip_message_set_call_id (msg, call_id);
  imps_sip_message_set_cseq (msg, 1, "INVITE");
  imps_sip_message_set_cseq (msg, 2, "INVITE");   /* replaces */

  g_autoptr (GBytes) bytes = imps_sip_message_to_bytes (msg);
  g_autoptr (ImpsSipMessage) back = imps_sip_message_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsSipVia) via2 = imps_sip_message_get_via (back, 0, &error);
  g_assert_cmpstr (via2->branch, ==, branch);
  g_assert_true (via2->host_is_ipv6);
  g_autofree gchar *expected_from = g_strdup_printf ("Alice Smith <sip:alice@home1.net>;tag=%s", tag);
  g_assert_cmpstr (imps_sip_message_get_header_value (back, "From"), ==, expected_from);
  gchar got_tag[64];
  g_assert_true (imps_sip_message_get_from_tag (back, got_tag, sizeof got_tag));
  g_assert_cmpstr (got_tag, ==, tag);
  ImpsSipCSeq cseq;
  g_assert_true (imps_sip_message_get_cseq (back, &cseq, &error));
  g_assert_cmpuint (cseq.number, ==, 2);
  g_assert_cmpuint (imps_sip_message_count_headers (back, "CSeq"), ==, 1);

  /* A second Via goes on top; the To tag is added once. */
  g_autoptr (ImpsSipVia) proxy = imps_sip_via_new ("UDP", "pcscf.home1.net", -1, "z9hG4bKp1");
  imps_sip_message_push_via (back, proxy);
  g_autoptr (ImpsSipVia) top = imps_sip_message_get_via (back, 0, &error);
  g_assert_cmpstr (top->host, ==, "pcscf.home1.net");
  g_assert_true (imps_sip_message_set_to_tag (back, "t1", FALSE, &error));
  g_assert_true (imps_sip_message_set_to_tag (back, "t2", FALSE, &error));
  g_assert_cmpstr (imps_sip_message_get_header_value (back, "To"), ==, "<tel:+1-201-555-0123>;tag=t1");
  g_assert_true (imps_sip_message_set_to_tag (back, "t3", TRUE, &error));
  g_assert_cmpstr (imps_sip_message_get_header_value (back, "To"), ==, "<tel:+1-201-555-0123>;tag=t3");
  g_assert_true (imps_sip_message_pop_via (back));
  g_autoptr (ImpsSipVia) top2 = imps_sip_message_get_via (back, 0, &error);
  g_assert_cmpstr (top2->branch, ==, branch);
  g_assert_true (imps_sip_message_pop_via (back));
  g_assert_false (imps_sip_message_pop_via (back));

  /* Max-Forwards on forwarding: 70 -> 69; at 0 the answer is 483. */
  guint mf;
  g_assert_true (imps_sip_message_decrement_max_forwards (back, &error));
  g_assert_true (imps_sip_message_get_max_forwards (back, &mf, &error));
  g_assert_cmpuint (mf, ==, 69);
  imps_sip_message_set_max_forwards (back, 0);
  g_assert_false (imps_sip_message_decrement_max_forwards (back, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_MANY_HOPS);
  g_clear_error (&error);
  g_assert_true (imps_sip_message_get_max_forwards (back, &mf, &error));
  g_assert_cmpuint (mf, ==, 0);
  imps_sip_message_remove_header (back, "Max-Forwards");
  g_assert_true (imps_sip_message_decrement_max_forwards (back, &error));
  g_assert_cmpstr (imps_sip_message_get_header_value (back, "Max-Forwards"), ==, "70");
  g_assert_cmpuint (imps_sip_message_remove_header (back, "From"), ==, 1);
  g_assert_null (imps_sip_message_get_from (back, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER);
}

/* Identifiers from a fixed random source (computed by this project: the
 * bytes are handed out in order and written as lower-case hex). */
static void
test_identifiers (void)
{
  guint8 bytes[40];
  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) (i * 7);
  g_autoptr (ImpsRandom) rnd = imps_random_new_fixed (bytes, sizeof bytes);
  g_autofree gchar *branch = imps_sip_branch_new (rnd);
  g_autofree gchar *tag = imps_sip_tag_new (rnd);
  g_autofree gchar *call_id = imps_sip_call_id_new (rnd, "ue1.home1.net");

  g_assert_cmpstr (branch, ==, "z9hG4bK00070e151c232a31383f464d545b6269");
  g_assert_cmpstr (tag, ==, "70777e858c939aa1");
  g_assert_cmpstr (call_id, ==, "a8afb6bdc4cbd2d9e0e7eef5fc030a11@ue1.home1.net");
  g_assert_true (imps_sip_call_id_validate (call_id, -1, NULL));

  g_autoptr (ImpsRandom) seeded = imps_random_new_seeded (7);
  g_autofree gchar *b1 = imps_sip_branch_new (seeded);
  g_autofree gchar *b2 = imps_sip_branch_new (seeded);
  g_assert_true (g_str_has_prefix (b1, IMPS_SIP_BRANCH_MAGIC));
  g_assert_cmpuint (strlen (b1), ==, 7 + 32);
  g_assert_cmpstr (b1, !=, b2);
}

static void
test_typed_parsers (void)
{
  g_autoptr (GError) error = NULL;
  ImpsSipCSeq cseq;

  g_assert_true (imps_sip_cseq_parse ("  2147483647   BYE ", -1, &cseq, &error));
  g_assert_cmpuint (cseq.number, ==, 2147483647u);
  g_assert_cmpstr (cseq.method, ==, "BYE");

  g_autoptr (ImpsSipNameAddr) star = imps_sip_name_addr_parse ("*", -1, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (star->star);
  g_assert_null (imps_sip_name_addr_parse ("*", -1, FALSE, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_URI);
  g_clear_error (&error);

  g_autoptr (ImpsSipNameAddr) tokens = imps_sip_name_addr_parse ("Bob  Smith <sip:bob@b.example.com>;q=0.7;expires=30;+sip.instance=\"<urn:uuid:1>\"", -1, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tokens->display_name, ==, "Bob  Smith");
  g_assert_cmpstr (imps_sip_params_get (tokens->params, "q"), ==, "0.7");
  g_assert_cmpstr (imps_sip_params_get (tokens->params, "+sip.instance"), ==, "\"<urn:uuid:1>\"");
  guint32 e;
  g_assert_true (imps_sip_name_addr_get_expires (tokens, &e));
  g_assert_cmpuint (e, ==, 30);

  /* addr-spec form: the parameters belong to the header, not the URI. */
  g_autoptr (ImpsSipNameAddr) plain = imps_sip_name_addr_parse ("sip:bob@b.example.com;tag=xyz", -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (plain->uri->params->len, ==, 0);
  g_assert_cmpstr (imps_sip_name_addr_get_tag (plain), ==, "xyz");

  g_autoptr (ImpsSipVia) via = imps_sip_via_parse ("SIP / 2.0 / TLS  host.example.com : 5061 ; branch = z9hG4bKx ; maddr=224.2.0.1;ttl=16", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (via->transport, ==, "TLS");
  g_assert_cmpint (via->port, ==, 5061);
  g_assert_cmpstr (via->branch, ==, "z9hG4bKx");
  g_assert_cmpstr (imps_sip_params_get (via->params, "maddr"), ==, "224.2.0.1");
  g_autofree gchar *vs = imps_sip_via_to_string (via);
  g_assert_cmpstr (vs, ==, "SIP/2.0/TLS host.example.com:5061;branch=z9hG4bKx;maddr=224.2.0.1;ttl=16");

  g_autoptr (ImpsSipContentType) ct = imps_sip_content_type_parse ("multipart/mixed ; boundary=\"a b\"", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ct->subtype, ==, "mixed");
  g_assert_cmpstr (imps_sip_params_get (ct->params, "boundary"), ==, "\"a b\"");
}

typedef enum { P_VIA, P_NAME_ADDR, P_CSEQ, P_CTYPE, P_CALL_ID } ParserKind;

typedef struct {
  ParserKind kind;
  const gchar *text;
  gint code;
  const gchar *needle;
} BadValue;

static const BadValue bad_values[] = {
  { P_VIA, "SIP/2.0/UDP", IMPS_SIP_ERROR_HEADER, "whitespace before sent-by" },
  { P_VIA, "SIP/2.0/UDP ", IMPS_SIP_ERROR_HEADER, "host" },
  { P_VIA, "SIP/3.0/UDP host", IMPS_SIP_ERROR_HEADER, "version" },
  { P_VIA, "HTTP/2.0/UDP host", IMPS_SIP_ERROR_HEADER, "protocol name" },
  { P_VIA, "SIP/2.0 host", IMPS_SIP_ERROR_HEADER, "'/'" },
  { P_VIA, "SIP/2.0/UDP host:70000", IMPS_SIP_ERROR_HEADER, "port" },
  { P_VIA, "SIP/2.0/UDP [::1:5060", IMPS_SIP_ERROR_HEADER, "']'" },
  { P_VIA, "SIP/2.0/UDP host;branch", IMPS_SIP_ERROR_HEADER, "branch" },
  { P_VIA, "SIP/2.0/UDP host;rport=0", IMPS_SIP_ERROR_HEADER, "rport" },
  { P_VIA, "SIP/2.0/UDP host;received=not_an_ip", IMPS_SIP_ERROR_HEADER, "received" },
  { P_VIA, "SIP/2.0/UDP host;;x", IMPS_SIP_ERROR_HEADER, "empty parameter name" },
  { P_VIA, "SIP/2.0/UDP host x", IMPS_SIP_ERROR_HEADER, "';'" },
  { P_NAME_ADDR, "", IMPS_SIP_ERROR_HEADER, "empty" },
  { P_NAME_ADDR, "\"Alice <sip:a@b>", IMPS_SIP_ERROR_HEADER, "display name" },
  { P_NAME_ADDR, "\"Alice\" sip:a@b", IMPS_SIP_ERROR_HEADER, "'<'" },
  { P_NAME_ADDR, "Alice <sip:a@b", IMPS_SIP_ERROR_HEADER, "'>'" },
  { P_NAME_ADDR, "<sip:a@>", IMPS_SIP_ERROR_URI, "URI at offset 1" },
  { P_NAME_ADDR, "<sip:a@b>;tag=", IMPS_SIP_ERROR_HEADER, "empty parameter value" },
  { P_NAME_ADDR, "<sip:a@b>;tag=\"x", IMPS_SIP_ERROR_HEADER, "unterminated" },
  { P_NAME_ADDR, "<sip:a@b>;tag=\"x\001\"", IMPS_SIP_ERROR_HEADER, "unterminated" },
  { P_NAME_ADDR, "\"A\\\001\" <sip:a@b>", IMPS_SIP_ERROR_HEADER, "display name" },
  { P_NAME_ADDR, "<sip:a@b> junk", IMPS_SIP_ERROR_HEADER, "';'" },
  { P_CSEQ, "INVITE", IMPS_SIP_ERROR_HEADER, "number" },
  { P_CSEQ, "1", IMPS_SIP_ERROR_HEADER, "whitespace" },
  { P_CSEQ, "1 ", IMPS_SIP_ERROR_HEADER, "without a method" },
  { P_CSEQ, "-1 INVITE", IMPS_SIP_ERROR_HEADER, "number" },
  { P_CSEQ, "2147483648 INVITE", IMPS_SIP_ERROR_HEADER, "2^31" },
  { P_CSEQ, "12345678901 INVITE", IMPS_SIP_ERROR_HEADER, "too long" },
  { P_CSEQ, "1 INVITE BYE", IMPS_SIP_ERROR_HEADER, "after the CSeq method" },
  { P_CSEQ, "1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", IMPS_SIP_ERROR_HEADER, "too long" },
  { P_CTYPE, "application", IMPS_SIP_ERROR_HEADER, "'/'" },
  { P_CTYPE, "application/", IMPS_SIP_ERROR_HEADER, "subtype" },
  { P_CTYPE, "text/plain;charset", IMPS_SIP_ERROR_HEADER, "without a value" },
  { P_CALL_ID, "", IMPS_SIP_ERROR_HEADER, "empty Call-ID" },
  { P_CALL_ID, "abc@", IMPS_SIP_ERROR_HEADER, "host part" },
  { P_CALL_ID, "a b", IMPS_SIP_ERROR_HEADER, "unexpected" },
  { P_CALL_ID, "a@b@c", IMPS_SIP_ERROR_HEADER, "unexpected" },
};

static void
test_typed_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      const BadValue *c = &bad_values[i];
      g_autoptr (GError) error = NULL;
      gboolean ok = TRUE;

      g_test_message ("case %u: %s", i, c->text);
      switch (c->kind)
        {
        case P_VIA:
          {
            ImpsSipVia *v = imps_sip_via_parse (c->text, -1, &error);
            ok = v != NULL;
            imps_sip_via_free (v);
          }
          break;
        case P_NAME_ADDR:
          {
            ImpsSipNameAddr *na = imps_sip_name_addr_parse (c->text, -1, TRUE, &error);
            ok = na != NULL;
            imps_sip_name_addr_free (na);
          }
          break;
        case P_CSEQ:
          {
            ImpsSipCSeq cs;
            ok = imps_sip_cseq_parse (c->text, -1, &cs, &error);
          }
          break;
        case P_CTYPE:
          {
            ImpsSipContentType *ct = imps_sip_content_type_parse (c->text, -1, &error);
            ok = ct != NULL;
            imps_sip_content_type_free (ct);
          }
          break;
        case P_CALL_ID:
          ok = imps_sip_call_id_validate (c->text, -1, &error);
          break;
        }
      g_assert_false (ok);
      g_assert_error (error, IMPS_SIP_ERROR, c->code);
      if (strstr (error->message, c->needle) == NULL)
        g_error ("case %u: \"%s\" does not contain \"%s\"", i, error->message, c->needle);
    }
}

/* ---- negative messages ---------------------------------------------------- */

#define REQ_LINE "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
#define H_VIA "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
#define H_MF "Max-Forwards: 70\r\n"
#define H_FROM "From: <sip:a@example.com>;tag=1\r\n"
#define H_TO "To: <sip:bob@biloxi.example.com>\r\n"
#define H_CID "Call-ID: c1@example.com\r\n"
#define H_CSEQ "CSeq: 1 INVITE\r\n"
#define H_ALL H_VIA H_MF H_FROM H_TO H_CID H_CSEQ

typedef struct {
  const gchar *name;
  const gchar *text;
  gint code;
  const gchar *needle;
} BadMessage;

static const BadMessage bad_messages[] = {
  { "empty", "", IMPS_SIP_ERROR_START_LINE, "empty" },
  { "no CRLF at all", "INVITE sip:bob@biloxi.example.com SIP/2.0", IMPS_SIP_ERROR_LINE, "line 1" },
  { "no empty line", REQ_LINE H_ALL, IMPS_SIP_ERROR_LINE, "no empty line" },
  { "bare LF", "INVITE sip:bob@biloxi.example.com SIP/2.0\n" H_ALL "\r\n", IMPS_SIP_ERROR_LINE, "LF without CR" },
  { "bare CR", REQ_LINE "Via: x\ry\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_LINE, "CR without LF" },
  { "control char", REQ_LINE H_ALL "Subject: a\001b\r\n\r\n", IMPS_SIP_ERROR_LINE, "line 8: control character 0x01" },
  { "NUL in header", REQ_LINE H_ALL "Subject: a\0b\r\n\r\n", IMPS_SIP_ERROR_LINE, "control character 0x00" },
  { "request line one token", "INVITE\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_START_LINE, "method" },
  { "request line no version", "INVITE sip:bob@biloxi.example.com\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_START_LINE, "SIP-Version" },
  { "request line double space", "INVITE  sip:bob@b SIP/2.0\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_START_LINE, "Request-URI" },
  { "request line bad method", "INV@TE sip:bob@b SIP/2.0\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_START_LINE, "method" },
  { "request line trailing", "INVITE sip:bob@b SIP/2.0 x\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_START_LINE, "SIP-Version" },
  { "request version 3.0", "INVITE sip:bob@b SIP/3.0\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_VERSION, "SIP/2.0" },
  { "request version HTTP", "INVITE sip:bob@b HTTP/1.1\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_START_LINE, "SIP-Version" },
  { "status version 1.0", "SIP/1.0 200 OK\r\n" H_VIA H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_VERSION, "status line" },
  { "status code 2 digits", "SIP/2.0 20 OK\r\n" H_VIA H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_START_LINE, "status code" },
  { "status code 700", "SIP/2.0 700 Odd\r\n" H_VIA H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_START_LINE, "out of range" },
  { "status code 099", "SIP/2.0 099 Odd\r\n" H_VIA H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_START_LINE, "out of range" },
  { "status no reason space", "SIP/2.0 200\r\n" H_VIA H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_START_LINE, "status" },
  { "bad Request-URI", "INVITE sip:bob@ SIP/2.0\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_URI, "Request-URI" },
  { "bad Request-URI IPv6", "INVITE sip:[2001:db8::1 SIP/2.0\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_URI, "Request-URI" },
  { "tel without context", "INVITE tel:1234 SIP/2.0\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_URI, "phone-context" },
  { "header without colon", REQ_LINE H_ALL "Subject lunch\r\n\r\n", IMPS_SIP_ERROR_HEADER, "line 8: header without a colon" },
  { "header without name", REQ_LINE H_ALL ": lunch\r\n\r\n", IMPS_SIP_ERROR_HEADER, "without a name" },
  { "continuation first", REQ_LINE " folded\r\n" H_ALL "\r\n", IMPS_SIP_ERROR_HEADER, "continuation" },
  { "Content-Length mismatch", REQ_LINE H_ALL "Content-Length: 5\r\n\r\nabc", IMPS_SIP_ERROR_CONTENT_LENGTH, "body has 3 bytes" },
  { "Content-Length short", REQ_LINE H_ALL "Content-Length: 1\r\n\r\nabc", IMPS_SIP_ERROR_CONTENT_LENGTH, "Content-Length" },
  { "Content-Length too large", REQ_LINE H_ALL "Content-Length: 99999999999\r\n\r\n", IMPS_SIP_ERROR_CONTENT_LENGTH, "exceeds" },
  { "Content-Length over bound", REQ_LINE H_ALL "Content-Length: 70000\r\n\r\n", IMPS_SIP_ERROR_CONTENT_LENGTH, "exceeds" },
  { "Content-Length negative", REQ_LINE H_ALL "Content-Length: -1\r\n\r\n", IMPS_SIP_ERROR_CONTENT_LENGTH, "not a number" },
  { "Content-Length non-numeric", REQ_LINE H_ALL "l: abc\r\n\r\n", IMPS_SIP_ERROR_CONTENT_LENGTH, "header l (line 8)" },
  { "Content-Length empty", REQ_LINE H_ALL "Content-Length:\r\n\r\n", IMPS_SIP_ERROR_CONTENT_LENGTH, "empty" },
  { "Content-Length disagree", REQ_LINE H_ALL "Content-Length: 0\r\nl: 1\r\n\r\nx", IMPS_SIP_ERROR_CONTENT_LENGTH, "disagrees" },
  { "CSeq no number", REQ_LINE H_VIA H_MF H_FROM H_TO H_CID "CSeq: INVITE\r\n\r\n", IMPS_SIP_ERROR_HEADER, "header CSeq (line 7)" },
  { "CSeq wrong method", REQ_LINE H_VIA H_MF H_FROM H_TO H_CID "CSeq: 1 BYE\r\n\r\n", IMPS_SIP_ERROR_HEADER, "not the request method" },
  { "CSeq 2^31", REQ_LINE H_VIA H_MF H_FROM H_TO H_CID "CSeq: 2147483648 INVITE\r\n\r\n", IMPS_SIP_ERROR_HEADER, "2^31" },
  { "two CSeq", REQ_LINE H_ALL H_CSEQ "\r\n", IMPS_SIP_ERROR_HEADER, "CSeq appears 2 times" },
  { "two From", REQ_LINE H_ALL "f: <sip:x@y>\r\n\r\n", IMPS_SIP_ERROR_HEADER, "From appears 2 times" },
  { "no Call-ID", REQ_LINE H_VIA H_MF H_FROM H_TO H_CSEQ "\r\n", IMPS_SIP_ERROR_MISSING_HEADER, "Call-ID" },
  { "no Via", REQ_LINE H_MF H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_MISSING_HEADER, "Via" },
  { "no Max-Forwards", REQ_LINE H_VIA H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_MISSING_HEADER, "Max-Forwards" },
  { "bad Max-Forwards", REQ_LINE H_VIA "Max-Forwards: seventy\r\n" H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_HEADER, "Max-Forwards" },
  { "Max-Forwards 256", REQ_LINE H_VIA "Max-Forwards: 256\r\n" H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_HEADER, "255" },
  { "bad Via", REQ_LINE "Via: SIP/2.0/UDP\r\n" H_MF H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_HEADER, "header Via (line 2)" },
  { "bad second Via", REQ_LINE "v: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP [x]\r\n" H_MF H_FROM H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_HEADER, "header v (line 2), value at offset 31: bad IPv6" },
  { "bad From", REQ_LINE H_VIA H_MF "From: Alice <sip:a@example.com\r\n" H_TO H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_HEADER, "header From (line 4)" },
  { "bad To URI", REQ_LINE H_VIA H_MF H_FROM "To: <sip:@x>\r\n" H_CID H_CSEQ "\r\n", IMPS_SIP_ERROR_URI, "header To (line 5)" },
  { "bad Call-ID", REQ_LINE H_VIA H_MF H_FROM H_TO "Call-ID: a b\r\n" H_CSEQ "\r\n", IMPS_SIP_ERROR_HEADER, "Call-ID" },
  { "unterminated quote", REQ_LINE H_ALL "Contact: \"Bob <sip:b@c>\r\n\r\n", IMPS_SIP_ERROR_HEADER, "unterminated" },
  { "empty list element", REQ_LINE H_ALL "Route: <sip:a;lr>,,<sip:b;lr>\r\n\r\n", IMPS_SIP_ERROR_HEADER, "empty list element" },
  { "bad Route", REQ_LINE H_ALL "Route: sip:a;lr, <sip:b;lr\r\n\r\n", IMPS_SIP_ERROR_HEADER, "Route" },
  { "star with contacts", REQ_LINE H_ALL "Contact: *\r\nContact: <sip:a@b>\r\n\r\n", IMPS_SIP_ERROR_HEADER, "'*'" },
  { "bad Expires", REQ_LINE H_ALL "Expires: soon\r\n\r\n", IMPS_SIP_ERROR_HEADER, "Expires" },
  { "not UTF-8", REQ_LINE H_ALL "Subject: \xff\xfe\r\n\r\n", IMPS_SIP_ERROR_HEADER, "UTF-8" },
};

static void
test_bad_messages (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_messages); i++)
    {
      const BadMessage *c = &bad_messages[i];
      g_autoptr (GError) error = NULL;
      gsize len = strlen (c->text);

      /* Two cases carry a NUL byte: their length is the literal's. */
      if (strcmp (c->name, "NUL in header") == 0)
        len = sizeof (REQ_LINE H_ALL "Subject: a\0b\r\n\r\n") - 1;
      g_test_message ("case %u: %s", i, c->name);
      g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse ((const guint8 *) c->text, len, &error);
      g_assert_null (msg);
      g_assert_error (error, IMPS_SIP_ERROR, c->code);
      if (strstr (error->message, c->needle) == NULL)
        g_error ("case %s: \"%s\" does not contain \"%s\"", c->name, error->message, c->needle);
    }
}

static void
test_bounds (void)
{
  g_autoptr (GError) error = NULL;

  /* Whole message over 64 KiB. */
  GString *s = g_string_new (REQ_LINE H_ALL "\r\n");
  while (s->len <= IMPS_SIP_MAX_MESSAGE)
    g_string_append_c (s, 'x');
  g_assert_null (imps_sip_message_parse ((const guint8 *) s->str, s->len, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_clear_error (&error);
  /* Just at the bound it parses. */
  g_string_truncate (s, IMPS_SIP_MAX_MESSAGE);
  g_autoptr (ImpsSipMessage) at_bound = imps_sip_message_parse ((const guint8 *) s->str, s->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (imps_sip_message_get_body (at_bound)), >, 60000);
  g_string_free (s, TRUE);

  /* One header line over the line bound. */
  s = g_string_new (REQ_LINE H_ALL "Subject: ");
  for (guint i = 0; i < IMPS_SIP_MAX_LINE; i++)
    g_string_append_c (s, 'a');
  g_string_append (s, "\r\n\r\n");
  g_assert_null (imps_sip_message_parse ((const guint8 *) s->str, s->len, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "line 8"));
  g_clear_error (&error);
  g_string_free (s, TRUE);

  /* A folded header over the line bound. */
  s = g_string_new (REQ_LINE H_ALL "Subject: a");
  for (guint i = 0; i < 10; i++)
    {
      g_string_append (s, "\r\n ");
      for (guint j = 0; j < IMPS_SIP_MAX_LINE / 10; j++)
        g_string_append_c (s, 'b');
    }
  g_string_append (s, "\r\n\r\n");
  g_assert_null (imps_sip_message_parse ((const guint8 *) s->str, s->len, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "Subject"));
  g_clear_error (&error);
  g_string_free (s, TRUE);

  /* Header count: exactly the bound parses, one more does not. */
  s = g_string_new (REQ_LINE H_ALL);
  for (guint i = 6; i < IMPS_SIP_MAX_HEADERS; i++)
    g_string_append_printf (s, "X-H%u: %u\r\n", i, i);
  GString *t = g_string_new (s->str);
  g_string_append (s, "\r\n");
  g_autoptr (ImpsSipMessage) full = imps_sip_message_parse ((const guint8 *) s->str, s->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (imps_sip_message_get_n_headers (full), ==, IMPS_SIP_MAX_HEADERS);
  g_string_append (t, "X-One-More: 1\r\n\r\n");
  g_assert_null (imps_sip_message_parse ((const guint8 *) t->str, t->len, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "header lines"));
  g_clear_error (&error);
  g_string_free (s, TRUE);
  g_string_free (t, TRUE);

  /* Values per header (over several lines). */
  s = g_string_new (REQ_LINE H_ALL);
  for (guint i = 0; i <= IMPS_SIP_MAX_VALUES / 4; i++)
    g_string_append (s, "Route: <sip:a;lr>, <sip:b;lr>, <sip:c;lr>, <sip:d;lr>\r\n");
  g_string_append (s, "\r\n");
  g_assert_null (imps_sip_message_parse ((const guint8 *) s->str, s->len, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "Route"));
  g_clear_error (&error);
  g_string_free (s, TRUE);

  /* Method length. */
  s = g_string_new (NULL);
  for (guint i = 0; i <= IMPS_SIP_MAX_METHOD; i++)
    g_string_append_c (s, 'M');
  g_string_append (s, " sip:bob@b SIP/2.0\r\n" H_ALL "\r\n");
  g_assert_null (imps_sip_message_parse ((const guint8 *) s->str, s->len, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_string_free (s, TRUE);
}

static void
test_leading_crlf_and_reason (void)
{
  static const gchar input[] = "\r\n\r\nSIP/2.0 183 Session Progress\r\n" H_VIA H_FROM H_TO H_CID H_CSEQ "\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse ((const guint8 *) input, strlen (input), &error);

  g_assert_no_error (error);
  g_assert_cmpuint (imps_sip_message_get_status (msg), ==, 183);
  g_assert_cmpuint (imps_sip_message_get_header (msg, 0)->line, ==, 4);
  g_assert_cmpstr (imps_sip_reason_phrase (487), ==, "Request Terminated");
  g_assert_cmpstr (imps_sip_reason_phrase (299), ==, "Unknown");
  g_autoptr (ImpsSipMessage) r = imps_sip_message_new_response (603, NULL);
  g_assert_cmpstr (imps_sip_message_get_reason (r), ==, "Decline");
  g_assert_cmpint (imps_sip_header_id_from_name ("Z", 1), ==, IMPS_SIP_HDR_OTHER);
  g_assert_cmpint (imps_sip_header_id_from_name ("X", 1), ==, IMPS_SIP_HDR_SESSION_EXPIRES);
  g_assert_cmpint (imps_sip_header_id_from_name ("record-route", 12), ==, IMPS_SIP_HDR_RECORD_ROUTE);
  g_assert_cmpstr (imps_sip_header_id_to_name (IMPS_SIP_HDR_CALL_ID), ==, "Call-ID");
  g_assert_true (imps_sip_header_id_is_list (IMPS_SIP_HDR_VIA));
  g_assert_false (imps_sip_header_id_is_list (IMPS_SIP_HDR_DATE));
}

/* "Supported:" with no option tag (RFC 3261 §20.37 allows it; softphones
 * send it) parses, and names no value; an empty Route still does not. */
static void
test_empty_lists (void)
{
  static const gchar input[] = REQ_LINE H_ALL "Supported: \r\nAllow:\r\nAccept:\r\n\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse ((const guint8 *) input, strlen (input),
                                                           &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) sup = imps_sip_message_get_values (msg, "Supported");
  g_assert_true (sup == NULL || sup->len == 0);
  static const gchar route[] = REQ_LINE H_ALL "Route:\r\n\r\n";
  g_autoptr (ImpsSipMessage) bad = imps_sip_message_parse ((const guint8 *) route, strlen (route),
                                                           &error);
  g_assert_null (bad);
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/message/flow-roundtrip", test_flow_roundtrip);
  g_test_add_func ("/sip/message/flow-fields", test_flow_fields);
  g_test_add_func ("/sip/message/flow-helpers", test_flow_helpers);
  g_test_add_func ("/sip/message/dialog", test_dialog);
  g_test_add_func ("/sip/message/compact", test_compact);
  g_test_add_func ("/sip/message/multi-value", test_multi_value);
  g_test_add_func ("/sip/message/body-without-length", test_body_without_length);
  g_test_add_func ("/sip/message/build-new", test_build_new);
  g_test_add_func ("/sip/message/identifiers", test_identifiers);
  g_test_add_func ("/sip/message/typed-parsers", test_typed_parsers);
  g_test_add_func ("/sip/message/typed-bad", test_typed_bad);
  g_test_add_func ("/sip/message/bad", test_bad_messages);
  g_test_add_func ("/sip/message/bounds", test_bounds);
  g_test_add_func ("/sip/message/leading-crlf", test_leading_crlf_and_reason);
  g_test_add_func ("/sip/message/empty-lists", test_empty_lists);
  return g_test_run ();
}
