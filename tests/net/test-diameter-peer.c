/* Diameter over TCP on loopback: request/answer matching, base protocol
 * answers for outside peers, framing across partial and joined reads, and
 * refusals of what is not Diameter. Every exchange is logged exactly once. */
#include "imps-diameter-peer.h"
#include "diameter/imps-diameter-base.h"
#include "imps-bytes.h"
#include "../diameter/diameter-raw.h"
#include "no-descriptors.h"

#include <string.h>
#include <unistd.h>

typedef struct {
  ImpsClock *clock;
  ImpsRandom *random;
  ImpsNetwork *net;
  ImpsDiameterServer *server;
  GMainLoop *loop;
  guint handled;
  gboolean defer;             /* answer from an idle callback */
  guint32 end_to_end[8];      /* of the first requests handled */
  guint32 hop_by_hop[8];
} Fx;

static GBytes *
build_request (guint32 command, guint32 app, const gchar *user)
{
  g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new (
      IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P, command, app, 0, 0x1234);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_SESSION_ID, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "bsf.home1.net;1;1");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "bsf.home1.net");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "home1.net");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_USER_NAME, IMPS_DIAMETER_AVP_FLAG_M, 0, user);
  return imps_diameter_builder_finish (g_steal_pointer (&b));
}

typedef struct {
  Fx *fx;
  ImpsDiameterRequest *req;
} Deferred;

static void
answer_now (Fx *fx, ImpsDiameterRequest *req)
{
  const ImpsDiameterMessage *m = imps_diameter_request_get_message (req);
  g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new_answer (m);
  gint i = imps_diameter_message_find (m, 0, IMPS_DIAMETER_AVP_USER_NAME);
  g_assert_cmpint (i, >=, 0);
  g_autofree gchar *user = imps_diameter_avp_dup_utf8 (imps_diameter_message_avp (m, (guint) i), NULL);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                 IMPS_DIAMETER_SUCCESS);
  /* Echo the user so the client can check it got its own answer. */
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_USER_NAME, IMPS_DIAMETER_AVP_FLAG_M, 0, user);
  g_autoptr (GBytes) answer = imps_diameter_builder_finish (g_steal_pointer (&b));
  imps_diameter_request_answer (req, answer);
}

static gboolean
answer_later (gpointer data)
{
  Deferred *d = data;
  answer_now (d->fx, d->req);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static void
handler (ImpsDiameterServer *server, ImpsDiameterRequest *req, gpointer data)
{
  Fx *fx = data;
  const ImpsDiameterMessage *m = imps_diameter_request_get_message (req);
  if (fx->handled < G_N_ELEMENTS (fx->end_to_end))
    {
      fx->end_to_end[fx->handled] = m->end_to_end;
      fx->hop_by_hop[fx->handled] = m->hop_by_hop;
    }
  fx->handled++;
  if (fx->defer)
    {
      Deferred *d = g_new0 (Deferred, 1);
      d->fx = fx;
      d->req = req;
      g_idle_add (answer_later, d);
    }
  else
    answer_now (fx, req);
}

static void
fx_setup (Fx *fx, gconstpointer unused)
{
  static const guint32 apps[] = { IMPS_DIAMETER_APP_ZH };
  g_autoptr (GError) error = NULL;

  fx->clock = imps_clock_new_virtual (0);
  fx->random = imps_random_new_seeded (1);
  fx->net = imps_network_new (fx->clock, fx->random);
  imps_network_register_node (fx->net, "hss.home1.net", "127.0.0.1");
  fx->server = imps_diameter_server_new (fx->net, "hss.home1.net", "hss.home1.net", "home1.net",
                                         IMPS_REF_ZH, apps, 1, handler, fx);
  g_assert_true (imps_diameter_server_listen (fx->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imps_diameter_server_get_port (fx->server), >, 0);
  fx->loop = g_main_loop_new (NULL, FALSE);
}

static void
fx_teardown (Fx *fx, gconstpointer unused)
{
  imps_diameter_server_free (fx->server);
  imps_network_free (fx->net);
  imps_random_free (fx->random);
  imps_clock_unref (fx->clock);
  g_main_loop_unref (fx->loop);
  /* Let cancelled operations finish. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

typedef struct {
  Fx *fx;
  guint done;
  guint want;
  gchar *users[8];
  GError *errors[8];
} Batch;

typedef struct {
  Batch *batch;
  guint index;
  ImpsDiameterClient *client;
} One;

static void
one_done (GObject *source, GAsyncResult *res, gpointer data)
{
  One *o = data;
  GError *error = NULL;
  g_autoptr (ImpsDiameterMessage) a = imps_diameter_client_request_finish (o->client, res, &error);
  if (a)
    {
      g_assert_false (imps_diameter_message_is_request (a));
      /* Error answers carry no User-Name: users[] stays NULL for them. */
      gint i = imps_diameter_message_find (a, 0, IMPS_DIAMETER_AVP_USER_NAME);
      if (i >= 0)
        o->batch->users[o->index] = imps_diameter_avp_dup_utf8 (imps_diameter_message_avp (a, (guint) i), NULL);
    }
  else
    o->batch->errors[o->index] = error;
  if (++o->batch->done == o->batch->want)
    g_main_loop_quit (o->batch->fx->loop);
  g_free (o);
}

static void
run_batch (Fx *fx, ImpsDiameterClient *client, Batch *b, guint n, guint32 app)
{
  memset (b, 0, sizeof *b);
  b->fx = fx;
  b->want = n;
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *user = g_strdup_printf ("user%u@home1.net", i);
      g_autoptr (GBytes) req = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, app, user);
      One *o = g_new0 (One, 1);
      o->batch = b;
      o->index = i;
      o->client = client;
      imps_diameter_client_request_async (client, req, NULL, one_done, o);
    }
  g_main_loop_run (fx->loop);
}

static void
test_requests (Fx *fx, gconstpointer unused)
{
  g_autoptr (ImpsDiameterClient) client = imps_diameter_client_new (
      fx->net, NULL, "127.0.0.1", imps_diameter_server_get_port (fx->server));
  Batch b;

  /* Several requests in flight before the connection exists, answered out of
   * order of arrival is not possible here, so also defer the answers. */
  fx->defer = TRUE;
  run_batch (fx, client, &b, 5, IMPS_DIAMETER_APP_ZH);
  for (guint i = 0; i < 5; i++)
    {
      g_assert_no_error (b.errors[i]);
      g_autofree gchar *want = g_strdup_printf ("user%u@home1.net", i);
      g_assert_cmpstr (b.users[i], ==, want);
      g_free (b.users[i]);
    }
  g_assert_cmpuint (fx->handled, ==, 5);

  /* Ten events: five MAR in, five MAA out, all named. */
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  g_assert_cmpuint (imps_event_log_len (log), ==, 10);
  guint mar = 0, maa = 0;
  for (guint i = 0; i < 10; i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      g_assert_cmpint (e->ref, ==, IMPS_REF_ZH);
      g_assert_cmpint (e->proto, ==, IMPS_PROTO_DIAMETER);
      if (g_str_equal (e->summary, "MAR"))
        {
          mar++;
          g_assert_cmpstr (e->to, ==, "hss.home1.net");
        }
      else if (g_str_equal (e->summary, "MAA 2001"))
        {
          maa++;
          g_assert_cmpstr (e->from, ==, "hss.home1.net");
        }
    }
  g_assert_cmpuint (mar, ==, 5);
  g_assert_cmpuint (maa, ==, 5);

  /* An application the server does not serve: 3007 with the E bit. */
  run_batch (fx, client, &b, 1, IMPS_DIAMETER_APP_ZN);
  g_assert_no_error (b.errors[0]);
  g_assert_null (b.users[0]);
  g_assert_cmpuint (fx->handled, ==, 5);
  const ImpsEvent *last = imps_event_log_get (log, imps_event_log_len (log) - 1);
  g_assert_nonnull (strstr (last->summary, "3007"));
  g_free (b.users[0]);
}

/* A raw TCP client, to send bytes split and joined as we like. */
static GSocketConnection *
raw_connect (Fx *fx)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *sc = g_socket_client_connect_to_host (
      c, "127.0.0.1", imps_diameter_server_get_port (fx->server), NULL, &error);
  g_assert_no_error (error);
  return sc;
}

static void
raw_write (GSocketConnection *sc, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (sc)), data, len, NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

/* Reads one whole Diameter message, running the main loop meanwhile. */
static ImpsDiameterMessage *
raw_read_message (GSocketConnection *sc)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (sc));
  GSocket *sock = g_socket_connection_get_socket (sc);
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_socket_set_blocking (sock, FALSE);
  for (;;)
    {
      guint8 tmp[4096];
      g_autoptr (GError) error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (in), tmp,
                                                           sizeof tmp, NULL, &error);
      if (n > 0)
        g_byte_array_append (buf, tmp, (guint) n);
      else if (n == 0)
        return NULL;
      gssize need = imps_diameter_frame_length (buf->data, buf->len, NULL);
      if (need > 0 && buf->len >= (gsize) need)
        {
          ImpsDiameterMessage *m = imps_diameter_message_parse (buf->data, (gsize) need, NULL);
          g_assert_nonnull (m);
          return m;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
test_framing (Fx *fx, gconstpointer unused)
{
  g_autoptr (GSocketConnection) sc = raw_connect (fx);
  g_autoptr (GBytes) r1 = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");
  g_autoptr (GBytes) r2 = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "b@x");
  gsize l1, l2;
  const guint8 *d1 = g_bytes_get_data (r1, &l1);
  const guint8 *d2 = g_bytes_get_data (r2, &l2);

  /* One message a byte at a time (with the loop running between). */
  for (gsize i = 0; i < l1; i++)
    {
      raw_write (sc, d1 + i, 1);
      g_main_context_iteration (NULL, FALSE);
    }
  g_autoptr (ImpsDiameterMessage) a1 = raw_read_message (sc);
  g_assert_cmpuint (a1->command, ==, IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH);
  g_assert_cmpuint (fx->handled, ==, 1);

  /* Two messages in one write. */
  g_autoptr (GByteArray) both = g_byte_array_new ();
  g_byte_array_append (both, d1, (guint) l1);
  g_byte_array_append (both, d2, (guint) l2);
  raw_write (sc, both->data, both->len);
  g_autoptr (ImpsDiameterMessage) a2 = raw_read_message (sc);
  g_autoptr (ImpsDiameterMessage) a3 = raw_read_message (sc);
  g_assert_nonnull (a2);
  g_assert_nonnull (a3);
  g_assert_cmpuint (fx->handled, ==, 3);
}

static void
test_base_protocol (Fx *fx, gconstpointer unused)
{
  g_autoptr (GSocketConnection) sc = raw_connect (fx);

  g_autoptr (ImpsDiameterCapabilities) caps = imps_diameter_capabilities_new ();
  caps->origin_host = g_strdup ("peer.example.net");
  caps->origin_realm = g_strdup ("example.net");
  caps->n_addresses = 1;
  caps->addresses[0].family = IMPS_DIAMETER_ADDRESS_IPV4;
  caps->addresses[0].addr[0] = 127;
  caps->addresses[0].addr[3] = 1;
  caps->product_name = g_strdup ("test peer");
  caps->n_vendor_apps = 1;
  caps->vendor_apps[0].vendor_id = IMPS_DIAMETER_VENDOR_3GPP;
  caps->vendor_apps[0].auth_application_id = IMPS_DIAMETER_APP_ZH;
  caps->hop_by_hop = 7;
  caps->end_to_end = 8;
  g_autoptr (GBytes) cer = imps_diameter_cer_build (caps);
  raw_write (sc, g_bytes_get_data (cer, NULL), g_bytes_get_size (cer));
  g_autoptr (ImpsDiameterMessage) cea = raw_read_message (sc);
  g_assert_cmpuint (cea->command, ==, IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE);
  g_assert_false (imps_diameter_message_is_request (cea));
  g_assert_cmpuint (cea->hop_by_hop, ==, 7);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDiameterCapabilities) got = imps_diameter_capabilities_parse (cea, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_cmpstr (got->origin_host, ==, "hss.home1.net");
  g_assert_true (imps_diameter_capabilities_supports (got, IMPS_DIAMETER_APP_ZH));

  g_autoptr (ImpsDiameterPeerControl) ctl = imps_diameter_peer_control_new ();
  ctl->origin_host = g_strdup ("peer.example.net");
  ctl->origin_realm = g_strdup ("example.net");
  ctl->hop_by_hop = 9;
  g_autoptr (GBytes) dwr = imps_diameter_dwr_build (ctl);
  raw_write (sc, g_bytes_get_data (dwr, NULL), g_bytes_get_size (dwr));
  g_autoptr (ImpsDiameterMessage) dwa = raw_read_message (sc);
  g_assert_cmpuint (dwa->command, ==, IMPS_DIAMETER_CMD_DEVICE_WATCHDOG);
  g_assert_cmpuint (dwa->hop_by_hop, ==, 9);

  ctl->disconnect_cause = IMPS_DIAMETER_DISCONNECT_REBOOTING;
  g_autoptr (GBytes) dpr = imps_diameter_dpr_build (ctl);
  raw_write (sc, g_bytes_get_data (dpr, NULL), g_bytes_get_size (dpr));
  g_autoptr (ImpsDiameterMessage) dpa = raw_read_message (sc);
  g_assert_cmpuint (dpa->command, ==, IMPS_DIAMETER_CMD_DISCONNECT_PEER);
  /* ... and then the server closes. */
  g_assert_null (raw_read_message (sc));
  g_assert_cmpuint (fx->handled, ==, 0);
}

static void
test_malformed (Fx *fx, gconstpointer unused)
{
  /* A request whose AVP runs past the end: DIAMETER_INVALID_AVP_LENGTH,
   * without the E bit (RFC 6733 §7.1: E is for 3xxx only) and with
   * Failed-AVP, and the connection stays usable. */
  g_autoptr (GSocketConnection) sc = raw_connect (fx);
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");
  g_autoptr (GByteArray) bad = g_byte_array_new ();
  g_byte_array_append (bad, g_bytes_get_data (r, NULL), (guint) g_bytes_get_size (r));
  /* First AVP (Session-Id) at offset 20: make its length 0xfff0. */
  bad->data[25] = 0xff;
  bad->data[26] = 0xf0;
  raw_write (sc, bad->data, bad->len);
  g_autoptr (ImpsDiameterMessage) a = raw_read_message (sc);
  g_assert_nonnull (a);
  g_assert_false (a->flags & IMPS_DIAMETER_FLAG_E);
  gint f = imps_diameter_message_find (a, 0, IMPS_DIAMETER_AVP_FAILED_AVP);
  g_assert_cmpint (f, >=, 0);
  g_assert_cmpint (imps_diameter_message_find_child (a, (guint) f, 0, IMPS_DIAMETER_AVP_SESSION_ID),
                   >=, 0);
  gint i = imps_diameter_message_find (a, 0, IMPS_DIAMETER_AVP_RESULT_CODE);
  guint32 code = 0;
  g_assert_true (imps_diameter_avp_get_u32 (imps_diameter_message_avp (a, (guint) i), &code, NULL));
  g_assert_cmpuint (code, ==, IMPS_DIAMETER_INVALID_AVP_LENGTH);
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  g_assert_cmpint (imps_event_log_get (log, 0)->kind, ==, IMPS_EVENT_REFUSAL);
  g_assert_nonnull (imps_event_log_get (log, 0)->detail);

  raw_write (sc, g_bytes_get_data (r, NULL), g_bytes_get_size (r));
  g_autoptr (ImpsDiameterMessage) ok = raw_read_message (sc);
  g_assert_false (ok->flags & IMPS_DIAMETER_FLAG_E);

  /* Not Diameter at all (version 'G' of "GET /"): the server hangs up. */
  g_autoptr (GSocketConnection) http = raw_connect (fx);
  raw_write (http, (const guint8 *) "GET / HTTP/1.1\r\n\r\n", 18);
  g_assert_null (raw_read_message (http));
}

static void
test_unreachable (Fx *fx, gconstpointer unused)
{
  guint16 port = imps_diameter_server_get_port (fx->server);
  imps_diameter_server_free (fx->server);
  fx->server = NULL;
  static const guint32 apps[] = { IMPS_DIAMETER_APP_ZH };
  fx->server = imps_diameter_server_new (fx->net, "x", "x", "x", IMPS_REF_ZH, apps, 1, handler, fx);

  g_autoptr (ImpsDiameterClient) client = imps_diameter_client_new (fx->net, NULL, "127.0.0.1", port);
  Batch b;
  run_batch (fx, client, &b, 2, IMPS_DIAMETER_APP_ZH);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_error (b.errors[i], IMPS_NET_ERROR, IMPS_NET_ERROR_CLOSED);
      g_assert_nonnull (strstr (b.errors[i]->message, "127.0.0.1"));
      g_error_free (b.errors[i]);
    }
}

/* ---- raw-byte tests of the base protocol, peers and limits ---- */

/* Appends one AVP to a whole message in @m and fixes the message length. */
static void
append_avp (GByteArray *m, guint32 code, guint8 flags, guint32 vendor,
            const guint8 *data, gsize len)
{
  gsize hlen = vendor ? 12 : 8;
  guint8 h[12];
  imps_store_u32 (h, code);
  h[4] = flags | (vendor ? IMPS_DIAMETER_AVP_FLAG_V : 0);
  h[5] = (guint8) ((hlen + len) >> 16);
  h[6] = (guint8) ((hlen + len) >> 8);
  h[7] = (guint8) (hlen + len);
  if (vendor)
    imps_store_u32 (h + 8, vendor);
  g_byte_array_append (m, h, (guint) hlen);
  g_byte_array_append (m, data, (guint) len);
  static const guint8 pad[3] = { 0 };
  if (len % 4)
    g_byte_array_append (m, pad, (guint) (4 - len % 4));
  m->data[1] = (guint8) (m->len >> 16);
  m->data[2] = (guint8) (m->len >> 8);
  m->data[3] = (guint8) m->len;
}

static GByteArray *
bytes_array (GBytes *b)
{
  GByteArray *a = g_byte_array_new ();
  g_byte_array_append (a, g_bytes_get_data (b, NULL), (guint) g_bytes_get_size (b));
  return a;
}

static guint
count_events (Fx *fx, ImpsEventKind kind, const gchar *summary, const gchar *detail)
{
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == kind && g_str_has_prefix (e->summary, summary)
          && (detail == NULL || (e->detail && strstr (e->detail, detail))))
        n++;
    }
  return n;
}

static guint16
port (Fx *fx)
{
  return imps_diameter_server_get_port (fx->server);
}

/* A CER from a peer that names @app (0: none) and, unless @product, no
 * Product-Name. */
static GBytes *
build_cer (guint32 app, gboolean product, gboolean short_vendor_id)
{
  const guint8 m = IMPS_DIAMETER_AVP_FLAG_M;
  g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new (
      IMPS_DIAMETER_FLAG_R, IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE, 0, 21, 22);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, m, 0, "bsf.home1.net");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, m, 0, "home1.net");
  imps_diameter_builder_add_address_text (b, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS, m, 0, "127.0.0.2");
  if (short_vendor_id)
    imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_VENDOR_ID, m, 0, (const guint8 *) "abc", 3);
  else
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_VENDOR_ID, m, 0, 0);
  if (product)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_PRODUCT_NAME, 0, 0, "raw peer");
  if (app)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID, m, 0, app);
  return imps_diameter_builder_finish (g_steal_pointer (&b));
}

static void
test_unknown_m_avp (Fx *fx, gconstpointer unused)
{
  static const guint8 value[4] = { 'x', 'y', 'z', '!' };
  g_autoptr (GSocketConnection) sc = raw_peer_connect (NULL, "127.0.0.1", port (fx));
  g_autoptr (GByteArray) in = g_byte_array_new ();
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");

  /* MAR with an unknown AVP that has the M bit: 5001, no E bit, Failed-AVP
   * with the AVP as sent; the handler never sees it (RFC 6733 §7.1.5). */
  g_autoptr (GByteArray) mar = bytes_array (r);
  append_avp (mar, 9999, IMPS_DIAMETER_AVP_FLAG_M, 0, value, sizeof value);
  raw_peer_write (sc, mar->data, mar->len);
  g_autoptr (ImpsDiameterMessage) a = raw_peer_read (sc, in);
  g_assert_nonnull (a);
  g_assert_cmpuint (raw_peer_result (a), ==, IMPS_DIAMETER_AVP_UNSUPPORTED);
  g_assert_false (a->flags & IMPS_DIAMETER_FLAG_E);
  const ImpsDiameterAvp *f = raw_peer_failed_avp (a);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->code, ==, 9999);
  g_assert_cmpuint (f->flags, ==, IMPS_DIAMETER_AVP_FLAG_M);
  g_assert_cmpmem (f->data, f->len, value, sizeof value);
  g_assert_cmpuint (fx->handled, ==, 0);
  g_assert_cmpuint (count_events (fx, IMPS_EVENT_REFUSAL, "AVP unsupported", "9999"), ==, 1);

  /* The same vendor-specific. */
  g_autoptr (GByteArray) mar_v = bytes_array (r);
  append_avp (mar_v, 9999, IMPS_DIAMETER_AVP_FLAG_M, IMPS_DIAMETER_VENDOR_3GPP, value, 3);
  raw_peer_write (sc, mar_v->data, mar_v->len);
  g_autoptr (ImpsDiameterMessage) av = raw_peer_read (sc, in);
  g_assert_cmpuint (raw_peer_result (av), ==, IMPS_DIAMETER_AVP_UNSUPPORTED);
  f = raw_peer_failed_avp (av);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->vendor_id, ==, IMPS_DIAMETER_VENDOR_3GPP);
  g_assert_cmpmem (f->data, f->len, value, 3);

  /* Without the M bit the AVP is ignored and the request served. */
  g_autoptr (GByteArray) mar_ok = bytes_array (r);
  append_avp (mar_ok, 9999, 0, 0, value, sizeof value);
  raw_peer_write (sc, mar_ok->data, mar_ok->len);
  g_autoptr (ImpsDiameterMessage) ok = raw_peer_read (sc, in);
  g_assert_cmpuint (raw_peer_result (ok), ==, IMPS_DIAMETER_SUCCESS);
  g_assert_cmpuint (fx->handled, ==, 1);

  /* In a CER too. */
  g_autoptr (GBytes) cer = build_cer (IMPS_DIAMETER_APP_ZH, TRUE, FALSE);
  g_autoptr (GByteArray) cer_m = bytes_array (cer);
  append_avp (cer_m, 9998, IMPS_DIAMETER_AVP_FLAG_M, 0, value, sizeof value);
  raw_peer_write (sc, cer_m->data, cer_m->len);
  g_autoptr (ImpsDiameterMessage) cea = raw_peer_read (sc, in);
  g_assert_cmpuint (cea->command, ==, IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE);
  g_assert_cmpuint (raw_peer_result (cea), ==, IMPS_DIAMETER_AVP_UNSUPPORTED);
  g_assert_false (cea->flags & IMPS_DIAMETER_FLAG_E);
  f = raw_peer_failed_avp (cea);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->code, ==, 9998);
}

static void
test_cer (Fx *fx, gconstpointer unused)
{
  g_autoptr (GByteArray) in = g_byte_array_new ();

  /* A CER naming the relay application shares every application: 2001. */
  g_autoptr (GSocketConnection) sc = raw_peer_connect (NULL, "127.0.0.1", port (fx));
  g_autoptr (GBytes) relay = build_cer (0xffffffffu, TRUE, FALSE);
  raw_peer_write (sc, g_bytes_get_data (relay, NULL), g_bytes_get_size (relay));
  g_autoptr (ImpsDiameterMessage) ok = raw_peer_read (sc, in);
  g_assert_cmpuint (raw_peer_result (ok), ==, IMPS_DIAMETER_SUCCESS);

  /* Product-Name missing: 5005 with an example Product-Name in
   * Failed-AVP, no E bit. */
  g_autoptr (GBytes) noname = build_cer (IMPS_DIAMETER_APP_ZH, FALSE, FALSE);
  raw_peer_write (sc, g_bytes_get_data (noname, NULL), g_bytes_get_size (noname));
  g_autoptr (ImpsDiameterMessage) missing = raw_peer_read (sc, in);
  g_assert_cmpuint (raw_peer_result (missing), ==, IMPS_DIAMETER_MISSING_AVP);
  g_assert_false (missing->flags & IMPS_DIAMETER_FLAG_E);
  const ImpsDiameterAvp *f = raw_peer_failed_avp (missing);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->code, ==, IMPS_DIAMETER_AVP_PRODUCT_NAME);

  /* A Vendor-Id of 3 bytes: 5004 with that AVP in Failed-AVP. */
  g_autoptr (GBytes) shortv = build_cer (IMPS_DIAMETER_APP_ZH, TRUE, TRUE);
  raw_peer_write (sc, g_bytes_get_data (shortv, NULL), g_bytes_get_size (shortv));
  g_autoptr (ImpsDiameterMessage) bad = raw_peer_read (sc, in);
  g_assert_cmpuint (raw_peer_result (bad), ==, IMPS_DIAMETER_INVALID_AVP_VALUE);
  g_assert_false (bad->flags & IMPS_DIAMETER_FLAG_E);
  f = raw_peer_failed_avp (bad);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->code, ==, IMPS_DIAMETER_AVP_VENDOR_ID);
  g_assert_cmpmem (f->data, f->len, "abc", 3);

  /* No common application (only 4, Credit-Control): 5010, no E bit, and
   * the connection closes (RFC 6733 §5.3). */
  g_autoptr (GBytes) other = build_cer (4, TRUE, FALSE);
  raw_peer_write (sc, g_bytes_get_data (other, NULL), g_bytes_get_size (other));
  g_autoptr (ImpsDiameterMessage) none = raw_peer_read (sc, in);
  g_assert_cmpuint (raw_peer_result (none), ==, IMPS_DIAMETER_NO_COMMON_APPLICATION);
  g_assert_false (none->flags & IMPS_DIAMETER_FLAG_E);
  g_assert_null (raw_peer_read (sc, in));
}

static void
test_peers (Fx *fx, gconstpointer unused)
{
  imps_diameter_server_allow_peer (fx->server, "bsf.home1.net", "127.0.0.2");
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");

  /* The named peer, from its address: served. */
  g_autoptr (GByteArray) in = g_byte_array_new ();
  g_autoptr (GSocketConnection) good = raw_peer_connect ("127.0.0.2", "127.0.0.1", port (fx));
  raw_peer_write (good, g_bytes_get_data (r, NULL), g_bytes_get_size (r));
  g_autoptr (ImpsDiameterMessage) ok = raw_peer_read (good, in);
  g_assert_cmpuint (raw_peer_result (ok), ==, IMPS_DIAMETER_SUCCESS);
  g_assert_cmpuint (fx->handled, ==, 1);

  /* The same bytes from another address: 3010 with the E bit, and the
   * connection closes; the handler never runs. */
  g_autoptr (GByteArray) in2 = g_byte_array_new ();
  g_autoptr (GSocketConnection) stranger = raw_peer_connect ("127.0.0.3", "127.0.0.1", port (fx));
  raw_peer_write (stranger, g_bytes_get_data (r, NULL), g_bytes_get_size (r));
  g_autoptr (ImpsDiameterMessage) refused = raw_peer_read (stranger, in2);
  g_assert_cmpuint (raw_peer_result (refused), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_true (refused->flags & IMPS_DIAMETER_FLAG_E);
  g_assert_cmpint (imps_diameter_message_find (refused, 0, IMPS_DIAMETER_AVP_USER_NAME), <, 0);
  g_assert_null (raw_peer_read (stranger, in2));
  g_assert_cmpuint (fx->handled, ==, 1);
  g_assert_cmpuint (count_events (fx, IMPS_EVENT_REFUSAL, "unknown Diameter peer", "127.0.0.3"), ==, 1);

  /* From the right address with another Origin-Host: 3010. */
  g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new (
      IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P, IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH,
      IMPS_DIAMETER_APP_ZH, 0, 1);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_SESSION_ID, IMPS_DIAMETER_AVP_FLAG_M, 0, "s;1");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "bsf.home2.net");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "home2.net");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_USER_NAME, IMPS_DIAMETER_AVP_FLAG_M, 0, "a@x");
  g_autoptr (GBytes) forged = imps_diameter_builder_finish (g_steal_pointer (&b));
  g_autoptr (GByteArray) in3 = g_byte_array_new ();
  g_autoptr (GSocketConnection) liar = raw_peer_connect ("127.0.0.2", "127.0.0.1", port (fx));
  raw_peer_write (liar, g_bytes_get_data (forged, NULL), g_bytes_get_size (forged));
  g_autoptr (ImpsDiameterMessage) refused2 = raw_peer_read (liar, in3);
  g_assert_cmpuint (raw_peer_result (refused2), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_null (raw_peer_read (liar, in3));
  g_assert_cmpuint (fx->handled, ==, 1);
  g_assert_cmpuint (count_events (fx, IMPS_EVENT_REFUSAL, "unknown Diameter peer",
                                  "\"bsf.home2.net\": not the host known"), ==, 1);

  /* A CER from an unknown peer: CEA 3010 DIAMETER_UNKNOWN_PEER. */
  g_autoptr (GByteArray) in4 = g_byte_array_new ();
  g_autoptr (GSocketConnection) cer_peer = raw_peer_connect ("127.0.0.4", "127.0.0.1", port (fx));
  g_autoptr (GBytes) cer = build_cer (IMPS_DIAMETER_APP_ZH, TRUE, FALSE);
  raw_peer_write (cer_peer, g_bytes_get_data (cer, NULL), g_bytes_get_size (cer));
  g_autoptr (ImpsDiameterMessage) cea = raw_peer_read (cer_peer, in4);
  g_assert_cmpuint (cea->command, ==, IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE);
  g_assert_cmpuint (raw_peer_result (cea), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_true (cea->flags & IMPS_DIAMETER_FLAG_E);
  g_assert_null (raw_peer_read (cer_peer, in4));

  /* A request without Origin-Host cannot be placed: 3010. */
  g_autoptr (ImpsDiameterBuilder) b2 = imps_diameter_builder_new (
      IMPS_DIAMETER_FLAG_R, IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, 0, 1);
  imps_diameter_builder_add_utf8 (b2, IMPS_DIAMETER_AVP_USER_NAME, IMPS_DIAMETER_AVP_FLAG_M, 0, "a@x");
  g_autoptr (GBytes) anon = imps_diameter_builder_finish (g_steal_pointer (&b2));
  g_autoptr (GByteArray) in5 = g_byte_array_new ();
  g_autoptr (GSocketConnection) nobody = raw_peer_connect ("127.0.0.2", "127.0.0.1", port (fx));
  raw_peer_write (nobody, g_bytes_get_data (anon, NULL), g_bytes_get_size (anon));
  g_autoptr (ImpsDiameterMessage) refused3 = raw_peer_read (nobody, in5);
  g_assert_cmpuint (raw_peer_result (refused3), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_cmpuint (fx->handled, ==, 1);
}

static void
test_end_to_end (Fx *fx, gconstpointer unused)
{
  /* RFC 6733 §3: the client replaces the request's End-to-End id (0x1234
   * in build_request) by its own: the clock's seconds (low 12 bits) on
   * top, 20 random bits, then +1 a request. */
  const gint64 start_s = G_GINT64_CONSTANT (1767225600) + 0x5a5; /* 2026 */
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (start_s * G_USEC_PER_SEC);
  g_autoptr (ImpsRandom) random = imps_random_new_seeded (7);
  ImpsNetwork *net = imps_network_new (clock, random);
  g_autoptr (ImpsDiameterClient) client = imps_diameter_client_new (net, NULL, "127.0.0.1", port (fx));
  Batch b;
  run_batch (fx, client, &b, 3, IMPS_DIAMETER_APP_ZH);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_no_error (b.errors[i]);
      g_free (b.users[i]);
    }
  g_assert_cmpuint (fx->handled, ==, 3);
  guint32 first = fx->end_to_end[0];
  g_assert_cmpuint (first >> 20, ==, (guint32) (start_s & 0xfff));
  g_assert_cmpuint (fx->end_to_end[1], ==, first + 1);
  g_assert_cmpuint (fx->end_to_end[2], ==, first + 2);
  g_assert_cmpuint (fx->hop_by_hop[1], ==, fx->hop_by_hop[0] + 1);
  g_assert_cmpuint (fx->hop_by_hop[2], ==, fx->hop_by_hop[0] + 1 + 1);

  /* The same seed and clock give the same ids (a seeded run repeats);
   * another client of the network gets other random bits. */
  g_autoptr (ImpsRandom) random2 = imps_random_new_seeded (7);
  ImpsNetwork *net2 = imps_network_new (clock, random2);
  g_autoptr (ImpsDiameterClient) again = imps_diameter_client_new (net2, NULL, "127.0.0.1", port (fx));
  g_autoptr (ImpsDiameterClient) other = imps_diameter_client_new (net2, NULL, "127.0.0.1", port (fx));
  run_batch (fx, again, &b, 1, IMPS_DIAMETER_APP_ZH);
  g_free (b.users[0]);
  run_batch (fx, other, &b, 1, IMPS_DIAMETER_APP_ZH);
  g_free (b.users[0]);
  g_assert_cmpuint (fx->end_to_end[3], ==, first);
  g_assert_cmpuint (fx->end_to_end[4] >> 20, ==, first >> 20);
  g_assert_cmpuint (fx->end_to_end[4], !=, first);
  g_clear_pointer (&client, imps_diameter_client_free);
  g_clear_pointer (&again, imps_diameter_client_free);
  g_clear_pointer (&other, imps_diameter_client_free);
  imps_network_free (net);
  imps_network_free (net2);
}

static void
set_limits (Fx *fx, guint idle_ms, guint frame_ms, guint cap)
{
  ImpsDiameterLimits l = { idle_ms, frame_ms, cap };
  imps_diameter_server_set_limits (fx->server, &l);
}

/* Runs the main loop until the server holds @n connections. */
static void
wait_connections (Fx *fx, guint n)
{
  guint guard = g_timeout_add_seconds (60, raw_peer_guard, (gpointer) "60 s (connections)");
  while (imps_diameter_server_count_connections (fx->server) != n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

static void
test_idle (Fx *fx, gconstpointer unused)
{
  /* A connection that sends nothing is closed once the idle limit runs
   * out (no DWR: no sign of life). */
  set_limits (fx, 50, 0, 0);
  g_autoptr (GByteArray) in = g_byte_array_new ();
  g_autoptr (GSocketConnection) sc = raw_peer_connect (NULL, "127.0.0.1", port (fx));
  g_assert_null (raw_peer_read (sc, in));
  wait_connections (fx, 0);
  g_assert_cmpuint (count_events (fx, IMPS_EVENT_NOTE, "Diameter connection closed",
                                  "nothing from"), ==, 1);
}

static void
test_partial_frame (Fx *fx, gconstpointer unused)
{
  /* The first 10 bytes of a request and then nothing: closed once the
   * frame limit runs out, and logged. */
  set_limits (fx, 0, 50, 0);
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");
  g_autoptr (GByteArray) in = g_byte_array_new ();
  g_autoptr (GSocketConnection) sc = raw_peer_connect (NULL, "127.0.0.1", port (fx));
  raw_peer_write (sc, g_bytes_get_data (r, NULL), 10);
  g_assert_null (raw_peer_read (sc, in));
  wait_connections (fx, 0);
  g_assert_cmpuint (count_events (fx, IMPS_EVENT_NOTE, "Diameter connection closed",
                                  "incomplete (10 bytes)"), ==, 1);
  g_assert_cmpuint (fx->handled, ==, 0);
}

static void
test_per_source_cap (Fx *fx, gconstpointer unused)
{
  set_limits (fx, 0, 0, 2);
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");
  GSocketConnection *c[3];
  GByteArray *in[3];
  for (guint i = 0; i < 3; i++)
    {
      c[i] = raw_peer_connect ("127.0.0.5", "127.0.0.1", port (fx));
      in[i] = g_byte_array_new ();
    }
  /* The first two are served; the third is closed at once. */
  for (guint i = 0; i < 2; i++)
    {
      raw_peer_write (c[i], g_bytes_get_data (r, NULL), g_bytes_get_size (r));
      g_autoptr (ImpsDiameterMessage) a = raw_peer_read (c[i], in[i]);
      g_assert_nonnull (a);
    }
  g_assert_null (raw_peer_read (c[2], in[2]));
  g_assert_cmpuint (count_events (fx, IMPS_EVENT_REFUSAL, "Diameter connection refused",
                                  "127.0.0.5 already has 2"), ==, 1);
  /* The cap is per source: another address still gets in. */
  g_autoptr (GByteArray) in4 = g_byte_array_new ();
  g_autoptr (GSocketConnection) c4 = raw_peer_connect ("127.0.0.6", "127.0.0.1", port (fx));
  raw_peer_write (c4, g_bytes_get_data (r, NULL), g_bytes_get_size (r));
  g_autoptr (ImpsDiameterMessage) a4 = raw_peer_read (c4, in4);
  g_assert_nonnull (a4);
  for (guint i = 0; i < 3; i++)
    {
      g_object_unref (c[i]);
      g_byte_array_unref (in[i]);
    }
}

static void
test_closed_peer (Fx *fx, gconstpointer unused)
{
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");
  g_autoptr (GByteArray) in = g_byte_array_new ();
  GSocketConnection *sc = raw_peer_connect (NULL, "127.0.0.1", port (fx));
  raw_peer_write (sc, g_bytes_get_data (r, NULL), g_bytes_get_size (r));
  g_autoptr (ImpsDiameterMessage) a = raw_peer_read (sc, in);
  g_assert_nonnull (a);
  g_assert_cmpuint (imps_diameter_server_count_connections (fx->server), ==, 1);
  g_io_stream_close (G_IO_STREAM (sc), NULL, NULL);
  g_object_unref (sc);
  wait_connections (fx, 0);
}

static void
test_client_idle (Fx *fx, gconstpointer unused)
{
  /* A client closes its idle connection itself and reconnects for the
   * next request. */
  g_autoptr (ImpsDiameterClient) client = imps_diameter_client_new (fx->net, NULL, "127.0.0.1",
                                                                    port (fx));
  imps_diameter_client_set_idle_timeout (client, 50);
  Batch b;
  run_batch (fx, client, &b, 1, IMPS_DIAMETER_APP_ZH);
  g_assert_no_error (b.errors[0]);
  g_free (b.users[0]);
  wait_connections (fx, 0);
  run_batch (fx, client, &b, 1, IMPS_DIAMETER_APP_ZH);
  g_assert_no_error (b.errors[0]);
  g_assert_cmpstr (b.users[0], ==, "user0@home1.net");
  g_free (b.users[0]);
  g_assert_cmpuint (fx->handled, ==, 2);
}

static void
test_sources_per_message (Fx *fx, gconstpointer unused)
{
  /* Requests and answers on a connection that is up make no main-loop
   * source at either end: the reads have one source for the
   * connection's life, and bytes move the idle deadline without a new
   * timer. */
  g_autoptr (ImpsDiameterClient) client = imps_diameter_client_new (fx->net, NULL, "127.0.0.1",
                                                                    port (fx));
  Batch b;
  run_batch (fx, client, &b, 1, IMPS_DIAMETER_APP_ZH);
  g_assert_no_error (b.errors[0]);
  g_free (b.users[0]);
  guint made = imps_diameter_peer_sources_made ();
  for (guint i = 0; i < 20; i++)
    {
      run_batch (fx, client, &b, 1, IMPS_DIAMETER_APP_ZH);
      g_assert_no_error (b.errors[0]);
      g_assert_cmpstr (b.users[0], ==, "user0@home1.net");
      g_free (b.users[0]);
    }
  g_assert_cmpuint (fx->handled, ==, 21);
  g_assert_cmpuint (imps_diameter_peer_sources_made (), ==, made);
  g_assert_cmpuint (imps_diameter_server_count_connections (fx->server), ==, 1);
}

/* ---- a client connect needs no thread of the GTask pool ---- */

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean release;
  guint finished;
} Blockers;

static void
block_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Blockers *bl = data;
  g_mutex_lock (&bl->lock);
  while (!bl->release)
    g_cond_wait (&bl->cond, &bl->lock);
  g_mutex_unlock (&bl->lock);
  g_task_return_boolean (task, TRUE);
}

static void
block_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Blockers *bl = data;
  bl->finished++;
}

static void
test_thread_pool (Fx *fx, gconstpointer unused)
{
  /* Every GTask thread busy (as with TLS handshakes that never end): a
   * Diameter request still connects and is answered. The pool holds at
   * most 330 threads; 400 blocked tasks keep it full. */
  enum { N = 400 };
  Blockers bl = { 0 };
  g_mutex_init (&bl.lock);
  g_cond_init (&bl.cond);
  for (guint i = 0; i < N; i++)
    {
      g_autoptr (GTask) t = g_task_new (NULL, NULL, block_done, &bl);
      g_task_set_task_data (t, &bl, NULL);
      g_task_run_in_thread (t, block_thread);
    }
  g_autoptr (ImpsDiameterClient) client = imps_diameter_client_new (fx->net, NULL, "127.0.0.1",
                                                                    port (fx));
  Batch b;
  run_batch (fx, client, &b, 1, IMPS_DIAMETER_APP_ZH);
  g_assert_no_error (b.errors[0]);
  g_assert_cmpstr (b.users[0], ==, "user0@home1.net");
  g_free (b.users[0]);
  g_mutex_lock (&bl.lock);
  bl.release = TRUE;
  g_cond_broadcast (&bl.cond);
  g_mutex_unlock (&bl.lock);
  while (bl.finished < N)
    g_main_context_iteration (NULL, TRUE);
  g_mutex_clear (&bl.lock);
  g_cond_clear (&bl.cond);
}

static void
test_feed (Fx *fx, gconstpointer unused)
{
  /* Two requests and half of a third, without a socket. */
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");
  g_autoptr (GByteArray) data = bytes_array (r);
  g_byte_array_append (data, g_bytes_get_data (r, NULL), (guint) g_bytes_get_size (r));
  g_byte_array_append (data, g_bytes_get_data (r, NULL), (guint) g_bytes_get_size (r) / 2);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  imps_diameter_server_feed (fx->server, "127.0.0.2", data->data, data->len, out);
  g_assert_cmpuint (fx->handled, ==, 2);
  g_autoptr (ImpsDiameterMessage) a1 = NULL, a2 = NULL;
  gssize l1 = imps_diameter_frame_length (out->data, out->len, NULL);
  g_assert_cmpint (l1, >, 0);
  a1 = imps_diameter_message_parse (out->data, (gsize) l1, NULL);
  a2 = imps_diameter_message_parse (out->data + l1, out->len - (gsize) l1, NULL);
  g_assert_nonnull (a1);
  g_assert_nonnull (a2);
  g_assert_cmpuint (raw_peer_result (a2), ==, IMPS_DIAMETER_SUCCESS);

  /* Restricted, from an unknown address: 3010, nothing handled. */
  imps_diameter_server_allow_peer (fx->server, "bsf.home1.net", "127.0.0.2");
  g_byte_array_set_size (out, 0);
  imps_diameter_server_feed (fx->server, "127.0.0.3", data->data, g_bytes_get_size (r), out);
  g_autoptr (ImpsDiameterMessage) a3 = imps_diameter_message_parse (out->data, out->len, NULL);
  g_assert_nonnull (a3);
  g_assert_cmpuint (raw_peer_result (a3), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_cmpuint (fx->handled, ==, 2);
}

/* Out of descriptors (the limit lowered to those in use) with peers
 * waiting to be accepted: the listener stays readable, and the server
 * notes why and pauses 100 ms between tries (a few notes in 300 ms;
 * GSocketService tried again at once, with a warning each time, fatal
 * under the tests). With descriptors again it serves every peer. */
static void
test_out_of_descriptors (Fx *fx, gconstpointer unused)
{
  g_autoptr (GBytes) r = build_request (IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH, "a@x");
  GSocketConnection *c[4];
  GByteArray *in[4];
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    {
      c[i] = raw_peer_connect ("127.0.0.5", "127.0.0.1", port (fx));
      in[i] = g_byte_array_new ();
    }
  run_without_descriptors (300);
  guint notes = count_events (fx, IMPS_EVENT_NOTE, "accept failed",
                              "could not accept a connection");
  g_test_message ("%u notes in 300 ms", notes);
  g_assert_cmpuint (notes, >=, 1);
  g_assert_cmpuint (notes, <=, 10);
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    {
      raw_peer_write (c[i], g_bytes_get_data (r, NULL), g_bytes_get_size (r));
      g_autoptr (ImpsDiameterMessage) a = raw_peer_read (c[i], in[i]);
      g_assert_nonnull (a);
      g_object_unref (c[i]);
      g_byte_array_unref (in[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/diameter-peer/requests", Fx, NULL, fx_setup, test_requests, fx_teardown);
  g_test_add ("/diameter-peer/framing", Fx, NULL, fx_setup, test_framing, fx_teardown);
  g_test_add ("/diameter-peer/base-protocol", Fx, NULL, fx_setup, test_base_protocol, fx_teardown);
  g_test_add ("/diameter-peer/malformed", Fx, NULL, fx_setup, test_malformed, fx_teardown);
  g_test_add ("/diameter-peer/unreachable", Fx, NULL, fx_setup, test_unreachable, fx_teardown);
  g_test_add ("/diameter-peer/unknown-m-avp", Fx, NULL, fx_setup, test_unknown_m_avp, fx_teardown);
  g_test_add ("/diameter-peer/cer", Fx, NULL, fx_setup, test_cer, fx_teardown);
  g_test_add ("/diameter-peer/peers", Fx, NULL, fx_setup, test_peers, fx_teardown);
  g_test_add ("/diameter-peer/end-to-end", Fx, NULL, fx_setup, test_end_to_end, fx_teardown);
  g_test_add ("/diameter-peer/idle", Fx, NULL, fx_setup, test_idle, fx_teardown);
  g_test_add ("/diameter-peer/sources-per-message", Fx, NULL, fx_setup, test_sources_per_message,
              fx_teardown);
  g_test_add ("/diameter-peer/partial-frame", Fx, NULL, fx_setup, test_partial_frame, fx_teardown);
  g_test_add ("/diameter-peer/per-source-cap", Fx, NULL, fx_setup, test_per_source_cap, fx_teardown);
  g_test_add ("/diameter-peer/closed-peer", Fx, NULL, fx_setup, test_closed_peer, fx_teardown);
  g_test_add ("/diameter-peer/client-idle", Fx, NULL, fx_setup, test_client_idle, fx_teardown);
  g_test_add ("/diameter-peer/thread-pool", Fx, NULL, fx_setup, test_thread_pool, fx_teardown);
  g_test_add ("/diameter-peer/feed", Fx, NULL, fx_setup, test_feed, fx_teardown);
  g_test_add ("/diameter-peer/out-of-descriptors", Fx, NULL, fx_setup, test_out_of_descriptors,
              fx_teardown);
  return g_test_run ();
}
