/* impsim tool ticket-request / ticket-resolve against a running
 * `impsim serve`, over Ua (HTTP) as an outside client uses them:
 *
 *   1. alice (home1) and bob (home2) bootstrap over Ub with the BSFs of
 *      serve (the UE code of src/ue-sim, in this process, on loopback);
 *   2. ticket-request builds alice's REQUEST_INIT_PSK from her B-TID and
 *      Ks_NAF, the test POSTs it to kms.home1.net, and ticket-request reads
 *      the KMS's answer back: verified, with the keys it carries;
 *   3. alice's TRANSFER_INIT (built here from that ticket) goes to bob;
 *      ticket-resolve builds bob's RESOLVE_INIT_PSK, which kms.home2.net
 *      resolves by asking kms.home1.net over Zk, and ticket-resolve reads
 *      that answer: the same MPKi and TGK that alice's answer carried.
 *
 * A request for a user outside alice's identities gets a MIKEY Error that
 * the tool names. */
#include "imps-test.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "imps-clock.h"
#include "imps-hex.h"
#include "imps-netaddr.h"
#include "imps-network.h"
#include "imps-scenario.h"
#include "imps-secret.h"
#include "imps-ue.h"
#include "aka/imps-milenage.h"
#include "gba/imps-gba.h"
#include "mikey/imps-mikey-exchange.h"

static const gchar *impsim_path;
static const gchar *scenario_path;

#define RUN(r, ...) imps_test_run_argv ((r), impsim_path, (const gchar *const[]) { __VA_ARGS__, NULL })

/* ---- serve ---- */

typedef struct {
  GSubprocess *proc;
  GDataInputStream *out;
  GPtrArray *lines;
  gchar *err_path;
} Serve;

/* Starts serve at @port_base; FALSE with *@err_text (serve's stderr) when
 * it ends before "serving". */
static gboolean
serve_start (Serve *s, const gchar *dir, guint port_base, gchar **err_text)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *pb = g_strdup_printf ("%u", port_base);
  const gchar *argv[] = { impsim_path, "serve", "--port-base", pb, scenario_path, NULL };

  memset (s, 0, sizeof *s);
  s->lines = g_ptr_array_new_with_free_func (g_free);
  s->err_path = g_build_filename (dir, "serve.err", NULL);
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (l, s->err_path);
  /* serve keeps ASan and UBSan, not LeakSanitizer (as in test-serve-restart:
   * once Zk has loaded GnuTLS, LSan cannot stop the world at exit) */
  const gchar *asan = g_getenv ("ASAN_OPTIONS");
  if (asan)
    {
      g_autofree gchar *opts = g_strconcat (asan, ":detect_leaks=0", NULL);
      g_subprocess_launcher_setenv (l, "ASAN_OPTIONS", opts, TRUE);
    }
  s->proc = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  s->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  for (;;)
    {
      gchar *line = g_data_input_stream_read_line_utf8 (s->out, NULL, NULL, &error);
      g_assert_no_error (error);
      if (line == NULL)
        break;
      g_ptr_array_add (s->lines, line);
      if (g_str_has_prefix (line, "serving "))
        return TRUE;
    }
  g_file_get_contents (s->err_path, err_text, NULL, NULL);
  g_subprocess_wait (s->proc, NULL, NULL);
  g_clear_object (&s->proc);
  g_clear_object (&s->out);
  g_clear_pointer (&s->lines, g_ptr_array_unref);
  g_clear_pointer (&s->err_path, g_free);
  return FALSE;
}

static void
serve_stop (Serve *s)
{
  g_autoptr (GError) error = NULL;
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (s->proc, NULL, &error));
  if (!g_subprocess_get_if_exited (s->proc) || g_subprocess_get_exit_status (s->proc) != 0)
    {
      g_autofree gchar *err = NULL;
      g_file_get_contents (s->err_path, &err, NULL, NULL);
      g_error ("serve did not stop cleanly: %s", err ? err : "");
    }
  g_clear_object (&s->proc);
  g_clear_object (&s->out);
  g_clear_pointer (&s->lines, g_ptr_array_unref);
  g_unlink (s->err_path);
  g_clear_pointer (&s->err_path, g_free);
}

/* The address and port of the endpoint line "<prefix>http://A:P/... (<fqdn>...". */
static void
endpoint (Serve *s, const gchar *prefix, const gchar *fqdn, gchar **address, guint16 *port)
{
  g_autofree gchar *paren = g_strdup_printf ("(%s", fqdn);
  for (guint i = 0; i < s->lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (s->lines, i);
      if (!g_str_has_prefix (line, prefix) || strstr (line, paren) == NULL)
        continue;
      const gchar *a = line + strlen (prefix);
      const gchar *colon = strchr (a, ':');
      g_assert_nonnull (colon);
      *address = g_strndup (a, colon - a);
      *port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
      g_assert_cmpuint (*port, >, 0);
      return;
    }
  g_error ("serve printed no \"%s... %s\" line", prefix, paren);
}

/* ---- Ua over HTTP ---- */

/* POSTs @body (application/mikey) to http://@address:@port/kms?requesttype=@type
 * from @from; returns the status and the answer's body. */
static guint
ua_post (const gchar *from, const gchar *address, guint16 port, const gchar *host,
         const gchar *type, GBytes *body, GBytes **answer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GInetAddress) local = g_inet_address_new_from_string (from);
  g_autoptr (GSocketAddress) local_sa = g_inet_socket_address_new (local, 0);
  g_socket_client_set_local_address (client, local_sa);
  g_autoptr (GSocketConnection) conn = g_socket_client_connect_to_host (client, address, port,
                                                                        NULL, &error);
  g_assert_no_error (error);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (body, &len);
  g_autofree gchar *head = g_strdup_printf ("POST /kms?requesttype=%s HTTP/1.1\r\n"
                                            "Host: %s\r\n"
                                            "Content-Type: application/mikey\r\n"
                                            "Content-Length: %zu\r\n"
                                            "Connection: close\r\n\r\n", type, host, len);
  GOutputStream *os = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (os, head, strlen (head), NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (os, data, len, NULL, NULL, &error));
  g_assert_no_error (error);
  /* the server closes after one answer (profile §2) */
  GInputStream *is = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autoptr (GByteArray) all = g_byte_array_new ();
  guint8 buf[4096];
  gssize n;
  while ((n = g_input_stream_read (is, buf, sizeof buf, NULL, &error)) > 0)
    g_byte_array_append (all, buf, (guint) n);
  g_assert_no_error (error);
  g_byte_array_append (all, (const guint8 *) "", 1);
  const gchar *text = (const gchar *) all->data;
  const gchar *end = strstr (text, "\r\n\r\n");
  g_assert_nonnull (end);
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 "));
  guint status = (guint) g_ascii_strtoull (text + 9, NULL, 10);
  g_autofree gchar *headers = g_ascii_strdown (text, end - text);
  const gchar *cl = strstr (headers, "\r\ncontent-length: ");
  g_assert_nonnull (cl);
  gsize body_len = g_ascii_strtoull (cl + 18, NULL, 10);
  gsize off = (gsize) (end + 4 - text);
  g_assert_cmpuint (all->len - 1, ==, off + body_len);
  if (status == 200)
    g_assert_nonnull (strstr (headers, "\r\ncontent-type: application/mikey"));
  *answer = g_bytes_new (all->data + off, body_len);
  return status;
}

/* ---- the UEs ---- */

typedef struct {
  ImpsUe *ue;
  gchar *address;
  gchar *btid;
  gchar ks_naf_hex[65];
  guint8 ks_naf[IMPS_GBA_KEY_LEN];
  const ImpsSubscriberSpec *spec;
  gchar *kms;             /* kms.<domain> */
  gboolean done;
  GError *error;
} Device;

static void
on_bootstrap (GObject *src, GAsyncResult *res, gpointer data)
{
  Device *d = data;
  d->done = TRUE;
  imps_ue_bootstrap_finish (d->ue, res, &d->error);
}

static void
device_bootstrap (Device *d, ImpsNetwork *net, ImpsScenario *scn, Serve *s, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  d->spec = imps_scenario_find_subscriber (scn, name);
  g_assert_nonnull (d->spec);
  const ImpsOperatorSpec *op = g_ptr_array_index (scn->operators, d->spec->op);
  guint8 opc[16];
  if (d->spec->has_op)
    imps_milenage_derive_opc (d->spec->k, d->spec->op_value, opc);
  else
    memcpy (opc, d->spec->opc, 16);
  /* a device number the scenario's own devices do not use */
  d->address = imps_node_address (IMPS_NODE_UE, op->number, 200);
  ImpsUeUsimConfig usim = { d->spec->impi, d->spec->k, opc, d->spec->ind_bits };
  d->ue = imps_ue_new (net, name, d->address, &usim);
  g_autofree gchar *bsf = g_strdup_printf ("bsf.%s", op->domain);
  d->kms = g_strdup_printf ("kms.%s", op->domain);
  g_autofree gchar *bsf_addr = NULL;
  guint16 bsf_port = 0;
  endpoint (s, "BSF Ub http://", bsf, &bsf_addr, &bsf_port);
  imps_ue_bootstrap_async (d->ue, bsf, bsf_addr, bsf_port, NULL, on_bootstrap, d);
  while (!d->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (d->error);
  d->btid = g_strdup (imps_ue_get_btid (d->ue));
  g_assert_nonnull (d->btid);
  g_auto (ImpsGbaKey) k = IMPS_GBA_KEY_INIT;
  g_assert_true (imps_ue_get_ks_naf (d->ue, d->kms, IMPS_GBA_UA_ID_IMS_MEDIA, &k, &error));
  g_assert_no_error (error);
  memcpy (d->ks_naf, k.bytes, sizeof d->ks_naf);
  g_autofree gchar *hex = imps_hex_encode (k.bytes, sizeof k.bytes);
  g_strlcpy (d->ks_naf_hex, hex, sizeof d->ks_naf_hex);
  imps_wipe (hex, strlen (hex));
}

static void
device_clear (Device *d)
{
  imps_wipe (d->ks_naf, sizeof d->ks_naf);
  imps_wipe (d->ks_naf_hex, sizeof d->ks_naf_hex);
  imps_ue_free (d->ue);
  g_free (d->address);
  g_free (d->btid);
  g_free (d->kms);
}

/* ---- output of the tools ---- */

static gchar *
value_of (const gchar *out, const gchar *name)
{
  g_autofree gchar *key = g_strconcat ("\n", name, "=", NULL);
  g_autofree gchar *text = g_strconcat ("\n", out, NULL);
  const gchar *p = strstr (text, key);
  if (p == NULL)
    g_error ("%s= missing in:\n%s", name, out);
  p += strlen (key);
  return g_strndup (p, strcspn (p, "\n"));
}

static GBytes *
bytes_of_b64 (const gchar *b64)
{
  gsize len = 0;
  guchar *d = g_base64_decode (b64, &len);
  return g_bytes_new_take (d, len);
}

static void
assert_key (const gchar *out, const gchar *name, const ImpsMikeySessionKey *k)
{
  g_autofree gchar *got = value_of (out, name);
  g_autofree gchar *want = imps_hex_encode (k->key, k->key_len);
  g_assert_cmpstr (got, ==, want);
}

static void
test_over_http (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) scn = imps_scenario_load_file (scenario_path, &error);
  g_assert_no_error (error);
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ticket-serve-XXXXXX", &error);
  g_assert_no_error (error);

  /* fixed ports in a range picked at random (a taken range is tried again
   * elsewhere), below the usual ephemeral ports */
  Serve s;
  gboolean up = FALSE;
  for (guint attempt = 0; attempt < 8 && !up; attempt++)
    {
      g_autofree gchar *err = NULL;
      guint port_base = (guint) g_random_int_range (10000, 32768 - 5060);
      up = serve_start (&s, dir, port_base, &err);
      if (!up)
        {
          g_test_message ("port base %u: %s", port_base, err ? err : "");
          g_assert_nonnull (err);
          g_assert_nonnull (strstr (err, "in use"));
        }
    }
  g_assert_true (up);

  g_autoptr (ImpsClock) clock = imps_clock_new_real ();
  ImpsRandom *rnd = imps_random_new_system ();
  ImpsNetwork *net = imps_network_new (clock, rnd);

  /* 1. Ub */
  Device alice = { 0 }, bob = { 0 };
  device_bootstrap (&alice, net, scn, &s, "alice");
  device_bootstrap (&bob, net, scn, &s, "bob");
  g_autofree gchar *kms1_addr = NULL, *kms2_addr = NULL;
  guint16 kms1_port = 0, kms2_port = 0;
  endpoint (&s, "KMS Ua http://", alice.kms, &kms1_addr, &kms1_port);
  endpoint (&s, "KMS Ua http://", bob.kms, &kms2_addr, &kms2_port);
  const gchar *alice_impu = alice.spec->impus[0], *bob_impu = bob.spec->impus[0];

  /* 2. the ticket request, built by the tool, answered by serve's KMS */
  g_auto (ImpsTestRun) r;
  RUN (&r, "tool", "ticket-request", "--btid", alice.btid, "--ks-naf", alice.ks_naf_hex, "--kms",
       alice.kms, "--from", alice_impu, "--to", bob_impu);
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree gchar *req_b64 = value_of (r.out, "REQUEST_INIT_PSK");
  g_autoptr (GBytes) req = bytes_of_b64 (req_b64);
  g_autoptr (GBytes) resp = NULL;
  g_assert_cmpuint (ua_post (alice.address, kms1_addr, kms1_port, alice.kms, "ticketrequest", req,
                             &resp), ==, 200);
  g_autofree gchar *resp_b64 = g_base64_encode (g_bytes_get_data (resp, NULL),
                                                g_bytes_get_size (resp));
  g_auto (ImpsTestRun) a;
  RUN (&a, "tool", "ticket-request", "--btid", alice.btid, "--ks-naf", alice.ks_naf_hex, "--kms",
       alice.kms, "--from", alice_impu, "--to", bob_impu, "--request", req_b64, "--response",
       resp_b64);
  g_test_message ("%s%s", a.out, a.err);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_nonnull (strstr (a.out, "REQUEST_RESP verified"));
  /* the keys it printed are the ones the answer carries for alice */
  g_autoptr (ImpsMikeyMessage) req_msg = imps_mikey_message_parse (
      g_bytes_get_data (req, NULL), g_bytes_get_size (req), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyHeldTicket) held = imps_mikey_request_resp_process (
      req_msg, g_bytes_get_data (resp, NULL), g_bytes_get_size (resp), alice.ks_naf,
      sizeof alice.ks_naf, imps_clock_now_ntp (clock), 300, &error);
  g_assert_no_error (error);
  assert_key (a.out, "MPKI", &held->keys.mpks[0]);
  assert_key (a.out, "KEY1", &held->keys.keys[0]);

  /* 3. alice's TRANSFER_INIT to bob; bob resolves it with the tool at his
   * own KMS, which asks alice's over Zk */
  ImpsMikeyTransferParams tp = { 0 };
  imps_mikey_suite_init (&tp.suite, FALSE);
  tp.initiator_uri = alice_impu;
  tp.responder_uri = bob_impu;
  tp.n_media = 1;
  tp.ssrc[0] = 0x11223344;
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_build (
      held, &tp, imps_clock_now_ntp (clock), rnd, &error);
  g_assert_no_error (error);
  g_autofree gchar *ti_b64 = g_base64_encode (ti->body.raw, ti->body.raw_len);
  g_auto (ImpsTestRun) v;
  RUN (&v, "tool", "ticket-resolve", "--btid", bob.btid, "--ks-naf", bob.ks_naf_hex, "--kms",
       bob.kms, "--to", bob_impu, "--transfer-init", ti_b64);
  g_test_message ("%s%s", v.out, v.err);
  g_assert_cmpint (v.status, ==, 0);
  g_autofree gchar *ri_b64 = value_of (v.out, "RESOLVE_INIT_PSK");
  g_autoptr (GBytes) ri = bytes_of_b64 (ri_b64);
  g_autoptr (GBytes) rr = NULL;
  g_assert_cmpuint (ua_post (bob.address, kms2_addr, kms2_port, bob.kms, "ticketresolve", ri, &rr),
                    ==, 200);
  g_autofree gchar *rr_b64 = g_base64_encode (g_bytes_get_data (rr, NULL), g_bytes_get_size (rr));
  g_auto (ImpsTestRun) rv;
  RUN (&rv, "tool", "ticket-resolve", "--btid", bob.btid, "--ks-naf", bob.ks_naf_hex, "--kms",
       bob.kms, "--to", bob_impu, "--transfer-init", ti_b64, "--request", ri_b64, "--response",
       rr_b64);
  g_test_message ("%s%s", rv.out, rv.err);
  g_assert_cmpint (rv.status, ==, 0);
  g_assert_nonnull (strstr (rv.out, "RESOLVE_RESP verified"));
  /* bob gets the keys alice holds */
  assert_key (rv.out, "MPKI", &held->keys.mpks[0]);
  assert_key (rv.out, "KEY1", &held->keys.keys[0]);
  g_autofree gchar *mpki_a = value_of (a.out, "MPKI");
  g_autofree gchar *mpki_b = value_of (rv.out, "MPKI");
  g_assert_cmpstr (mpki_a, ==, mpki_b);

  /* a request from alice in carol's name: the KMS answers a MIKEY Error
   * (IDRi is not one of alice's identities) and the tool names it */
  g_auto (ImpsTestRun) x;
  RUN (&x, "tool", "ticket-request", "--btid", alice.btid, "--ks-naf", alice.ks_naf_hex, "--kms",
       alice.kms, "--from", "sip:carol@home1.net", "--to", bob_impu);
  g_assert_cmpint (x.status, ==, 0);
  g_autofree gchar *xreq_b64 = value_of (x.out, "REQUEST_INIT_PSK");
  g_autoptr (GBytes) xreq = bytes_of_b64 (xreq_b64);
  g_autoptr (GBytes) xresp = NULL;
  g_assert_cmpuint (ua_post (alice.address, kms1_addr, kms1_port, alice.kms, "ticketrequest", xreq,
                             &xresp), ==, 200);
  g_autofree gchar *xresp_b64 = g_base64_encode (g_bytes_get_data (xresp, NULL),
                                                 g_bytes_get_size (xresp));
  g_auto (ImpsTestRun) xa;
  RUN (&xa, "tool", "ticket-request", "--btid", alice.btid, "--ks-naf", alice.ks_naf_hex, "--kms",
       alice.kms, "--from", "sip:carol@home1.net", "--to", bob_impu, "--request", xreq_b64,
       "--response", xresp_b64);
  g_test_message ("%s%s", xa.out, xa.err);
  g_assert_cmpint (xa.status, ==, 1);
  g_assert_nonnull (strstr (xa.err, "the KMS refused: ERR "));
  g_assert_null (strstr (xa.out, "MPKI="));

  device_clear (&alice);
  device_clear (&bob);
  imps_network_free (net);
  imps_random_free (rnd);
  serve_stop (&s);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: %s IMPSIM SCENARIO", argv[0]);
  impsim_path = argv[1];
  scenario_path = argv[2];
  g_test_add_func ("/ticket-tool/over-http", test_over_http);
  return g_test_run ();
}
