/* Diameter over TCP on loopback: request/answer matching, base protocol
 * answers for outside peers, framing across partial and joined reads, and
 * refusals of what is not Diameter. Every exchange is logged exactly once. */
#include "imps-diameter-peer.h"
#include "diameter/imps-diameter-base.h"
#include "imps-bytes.h"

#include <string.h>

typedef struct {
  ImpsClock *clock;
  ImpsRandom *random;
  ImpsNetwork *net;
  ImpsDiameterServer *server;
  GMainLoop *loop;
  guint handled;
  gboolean defer;             /* answer from an idle callback */
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/diameter-peer/requests", Fx, NULL, fx_setup, test_requests, fx_teardown);
  g_test_add ("/diameter-peer/framing", Fx, NULL, fx_setup, test_framing, fx_teardown);
  g_test_add ("/diameter-peer/base-protocol", Fx, NULL, fx_setup, test_base_protocol, fx_teardown);
  g_test_add ("/diameter-peer/malformed", Fx, NULL, fx_setup, test_malformed, fx_teardown);
  g_test_add ("/diameter-peer/unreachable", Fx, NULL, fx_setup, test_unreachable, fx_teardown);
  return g_test_run ();
}
