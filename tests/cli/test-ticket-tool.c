/* impsim tool ticket-request / ticket-resolve, as an outside client uses
 * them: the messages they build are checked by the KMS side of
 * src/core/mikey (which verifies their MAC under Ks_NAF), the KMS's
 * answers are fed back and the keys printed are the ones the answers
 * carry. Every option is used, and every usage error named. */
#include "imps-test.h"
#include "imps-hex.h"
#include "imps-random.h"
#include "mikey/imps-mikey-exchange.h"
#include "mikey/imps-mikey-types.h"

#include <glib/gstdio.h>
#include <string.h>

static const gchar *impsim_path;

#define T_UNIX "1767225600"   /* 2026-01-01T00:00:00Z */
#define NOW_NTP ((guint64) (G_GINT64_CONSTANT (1767225600) + G_GINT64_CONSTANT (2208988800)) << 32)
#define ALICE_BTID "alice-btid@bsf.home1.net"
#define BOB_BTID "bob-btid@bsf.home1.net"
#define KMS "kms.home1.net"
#define ALICE "sip:alice@home1.net"
#define BOB "sip:bob@home1.net"

static guint8 alice_psk[32], bob_psk[32];
static gchar alice_hex[65], bob_hex[65];

#define RUN(r, ...) imps_test_run_argv ((r), impsim_path, (const gchar *const[]) { __VA_ARGS__, NULL })

/* The value of "NAME=" in @out (a new string). */
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

static ImpsMikeyMessage *
parse_b64 (const gchar *b64)
{
  gsize len = 0;
  g_autofree guint8 *d = g_base64_decode (b64, &len);
  g_autoptr (GError) error = NULL;
  ImpsMikeyMessage *m = imps_mikey_message_parse (d, len, &error);
  g_assert_no_error (error);
  return m;
}

static gchar *
b64_of (const ImpsMikeyMessage *m)
{
  return g_base64_encode (m->body.raw, m->body.raw_len);
}

static void
assert_key (const gchar *out, const gchar *name, const ImpsMikeySessionKey *k)
{
  g_autofree gchar *got = value_of (out, name);
  g_autofree gchar *want = imps_hex_encode (k->key, k->key_len);
  g_assert_cmpstr (got, ==, want);
  g_autofree gchar *spi_name = g_strconcat (name, "_SPI", NULL);
  g_autofree gchar *spi = value_of (out, spi_name);
  g_autofree gchar *spi_want = imps_hex_encode (k->spi, k->spi_len);
  g_assert_cmpstr (spi, ==, spi_want);
}

/* The KMS of the test: one TPK, the default policy. */
typedef struct {
  ImpsMikeyTpk tpk;
  ImpsMikeyKms kms;
  ImpsMikeyKmsPolicy policy;
  ImpsRandom *rnd;
} Kms;

static void
kms_init (Kms *k)
{
  memset (k, 0, sizeof *k);
  k->tpk.index = 1;
  k->tpk.key_len = 32;
  memset (k->tpk.key, 0x5a, 32);
  k->kms.kms_uri = KMS;
  k->kms.tpk = &k->tpk;
  k->kms.tpks = &k->tpk;
  k->kms.n_tpks = 1;
  imps_mikey_suite_init (&k->kms.suite, FALSE);
  k->kms.skew = IMPS_MIKEY_DEFAULT_SKEW_S;
  imps_mikey_kms_policy_init_default (&k->policy, NULL);
  k->rnd = imps_random_new_seeded (99);
}

static void
test_help (void)
{
  g_auto (ImpsTestRun) a;
  RUN (&a, "tool", "ticket-request", "--help");
  g_assert_cmpint (a.status, ==, 0);
  for (const gchar *const *o = (const gchar *const[]) { "--btid", "--ks-naf", "--kms", "--time",
                                                        "--seed", "--hex", "--request", "--response",
                                                        "--from", "--to", "--forking",
                                                        "--suite-256", NULL }; *o; o++)
    g_assert_nonnull (strstr (a.out, *o));
  g_auto (ImpsTestRun) b;
  RUN (&b, "tool", "ticket-resolve", "--help");
  g_assert_cmpint (b.status, ==, 0);
  g_assert_nonnull (strstr (b.out, "--transfer-init"));
  g_auto (ImpsTestRun) l;
  RUN (&l, "tool", "--help");
  g_assert_nonnull (strstr (l.out, "ticket-request"));
  g_assert_nonnull (strstr (l.out, "ticket-resolve"));
}

/* A whole exchange: request, the KMS's answer, a TRANSFER_INIT with the
 * ticket, resolve, the KMS's answer; the keys printed at each end. */
static void
test_request_and_resolve (void)
{
  Kms k;
  kms_init (&k);
  g_autoptr (GError) error = NULL;

  /* 1. ticket-request builds a REQUEST_INIT_PSK the KMS accepts */
  g_auto (ImpsTestRun) r;
  RUN (&r, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--to", "sip:carol@home1.net", "--time", T_UNIX, "--seed", "5");
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree gchar *req_b64 = value_of (r.out, "REQUEST_INIT_PSK");
  g_autoptr (ImpsMikeyMessage) req = parse_b64 (req_b64);
  g_assert_cmpuint (req->hdr.data_type, ==, IMPS_MIKEY_DATA_REQUEST_INIT_PSK);
  g_autofree gchar *csb = value_of (r.out, "CSB_ID");
  g_autofree gchar *csb_want = g_strdup_printf ("%08x", req->hdr.csb_id);
  g_assert_cmpstr (csb, ==, csb_want);
  g_autoptr (ImpsMikeyMessage) resp = imps_mikey_request_resp_build (&k.kms, &k.policy, req,
                                                                     alice_psk, 32, NOW_NTP,
                                                                     k.rnd, &error);
  g_assert_no_error (error);

  /* --seed repeats; --hex prints the same bytes as hex */
  g_auto (ImpsTestRun) r2;
  RUN (&r2, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--to", "sip:carol@home1.net", "--time", T_UNIX, "--seed", "5",
       "--hex");
  g_assert_cmpint (r2.status, ==, 0);
  g_autofree gchar *req_hex = value_of (r2.out, "REQUEST_INIT_PSK");
  g_autofree gchar *req_hex_want = imps_hex_encode (req->body.raw, req->body.raw_len);
  g_assert_cmpstr (req_hex, ==, req_hex_want);

  /* --forking and --suite-256 reach the message */
  g_auto (ImpsTestRun) rf;
  RUN (&rf, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--time", T_UNIX, "--forking", "--suite-256");
  g_assert_cmpint (rf.status, ==, 0);
  g_autofree gchar *rf_b64 = value_of (rf.out, "REQUEST_INIT_PSK");
  g_autoptr (ImpsMikeyMessage) reqf = parse_b64 (rf_b64);
  ImpsMikeySuite s256;
  g_assert_true (imps_mikey_suite_of (reqf, &s256, &error));
  g_assert_cmpuint (s256.prf, ==, IMPS_MIKEY_PRF_HMAC_SHA256);
  g_autoptr (ImpsMikeyMessage) respf = imps_mikey_request_resp_build (&k.kms, &k.policy, reqf,
                                                                      alice_psk, 32, NOW_NTP,
                                                                      k.rnd, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyHeldTicket) heldf = imps_mikey_request_resp_process (
      reqf, respf->body.raw, respf->body.raw_len, alice_psk, 32, NOW_NTP, 300, &error);
  g_assert_no_error (error);
  g_assert_true (heldf->policy.flags & IMPS_MIKEY_TICKET_FLAG_I);
  /* with forking, the answer carries MPKr too */
  g_autofree gchar *rf_resp = b64_of (respf);
  g_auto (ImpsTestRun) af2;
  RUN (&af2, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--time", T_UNIX, "--suite-256", "--request", rf_b64,
       "--response", rf_resp);
  g_test_message ("%s%s", af2.out, af2.err);
  g_assert_cmpint (af2.status, ==, 0);
  g_assert_cmpuint (heldf->keys.n_mpks, ==, 2);
  assert_key (af2.out, "MPKI", &heldf->keys.mpks[0]);
  assert_key (af2.out, "MPKR", &heldf->keys.mpks[1]);

  /* 2. the answer, verified: the keys it carries */
  g_autoptr (ImpsMikeyHeldTicket) held = imps_mikey_request_resp_process (
      req, resp->body.raw, resp->body.raw_len, alice_psk, 32, NOW_NTP, 300, &error);
  g_assert_no_error (error);
  g_autofree gchar *resp_b64 = b64_of (resp);
  g_auto (ImpsTestRun) a;
  RUN (&a, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--time", T_UNIX, "--request", req_b64, "--response", resp_b64);
  g_test_message ("%s%s", a.out, a.err);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_nonnull (strstr (a.out, "REQUEST_RESP verified"));
  assert_key (a.out, "MPKI", &held->keys.mpks[0]);
  /* no forking: no MPKr */
  g_assert_cmpuint (held->keys.n_mpks, ==, 1);
  g_assert_null (strstr (a.out, "MPKR="));
  assert_key (a.out, "KEY1", &held->keys.keys[0]);
  g_autofree gchar *type = value_of (a.out, "KEY1_TYPE");
  g_assert_cmpstr (type, ==, "TGK");

  /* the answer from a binary file, the request as hex */
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ticket-XXXXXX", &error);
  g_autofree gchar *resp_file = g_build_filename (dir, "resp.bin", NULL);
  g_assert_true (g_file_set_contents (resp_file, (const gchar *) resp->body.raw,
                                      resp->body.raw_len, NULL));
  g_auto (ImpsTestRun) af;
  RUN (&af, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--time", T_UNIX, "--request", req_hex, "--response", resp_file);
  g_assert_cmpint (af.status, ==, 0);
  g_autofree gchar *mpki = value_of (af.out, "MPKI");
  g_autofree gchar *mpki_a = value_of (a.out, "MPKI");
  g_assert_cmpstr (mpki, ==, mpki_a);

  /* a tampered answer does not verify */
  g_autofree guint8 *bad = g_memdup2 (resp->body.raw, resp->body.raw_len);
  bad[resp->body.raw_len - 1] ^= 1;
  g_autofree gchar *bad_b64 = g_base64_encode (bad, resp->body.raw_len);
  g_auto (ImpsTestRun) t;
  RUN (&t, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--time", T_UNIX, "--request", req_b64, "--response", bad_b64);
  g_assert_cmpint (t.status, ==, 1);
  g_assert_nonnull (strstr (t.err, "the REQUEST_RESP does not verify: "));
  g_assert_null (strstr (t.out, "MPKI="));
  /* a wrong Ks_NAF neither */
  g_auto (ImpsTestRun) w;
  RUN (&w, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", bob_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--time", T_UNIX, "--request", req_b64, "--response", resp_b64);
  g_assert_cmpint (w.status, ==, 1);
  /* a MIKEY Error answer names its codes */
  guint8 en = IMPS_MIKEY_ERR_INVALID_ID;
  g_autoptr (ImpsMikeyMessage) err = imps_mikey_error_build (&req->hdr, &en, 1, NULL, NOW_NTP,
                                                             &error);
  g_assert_no_error (error);
  g_autofree gchar *err_b64 = b64_of (err);
  g_auto (ImpsTestRun) e;
  RUN (&e, "tool", "ticket-request", "--btid", ALICE_BTID, "--ks-naf", alice_hex, "--kms", KMS,
       "--from", ALICE, "--to", BOB, "--time", T_UNIX, "--request", req_b64, "--response", err_b64);
  g_assert_cmpint (e.status, ==, 1);
  g_assert_nonnull (strstr (e.err, "the KMS refused: ERR 7 ("));

  /* 3. the initiator sends a TRANSFER_INIT with the ticket */
  ImpsMikeyTransferParams tp = { 0 };
  tp.suite = k.kms.suite;
  tp.initiator_uri = ALICE;
  tp.responder_uri = BOB;
  tp.n_media = 1;
  tp.ssrc[0] = 0x11223344;
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_build (held, &tp, NOW_NTP, k.rnd,
                                                                    &error);
  g_assert_no_error (error);
  g_autofree gchar *ti_b64 = b64_of (ti);
  g_autofree gchar *ti_sdp = g_strconcat ("a=key-mgmt:mikey ", ti_b64, NULL);

  /* 4. ticket-resolve builds a RESOLVE_INIT_PSK the KMS accepts */
  g_auto (ImpsTestRun) v;
  RUN (&v, "tool", "ticket-resolve", "--btid", BOB_BTID, "--ks-naf", bob_hex, "--kms", KMS,
       "--to", BOB, "--transfer-init", ti_sdp, "--time", T_UNIX, "--seed", "6");
  g_test_message ("%s%s", v.out, v.err);
  g_assert_cmpint (v.status, ==, 0);
  g_autofree gchar *ri_b64 = value_of (v.out, "RESOLVE_INIT_PSK");
  g_autoptr (ImpsMikeyMessage) ri = parse_b64 (ri_b64);
  g_assert_cmpuint (ri->hdr.data_type, ==, IMPS_MIKEY_DATA_RESOLVE_INIT_PSK);
  g_autoptr (ImpsMikeyMessage) rr = imps_mikey_resolve_resp_build (&k.kms, &k.policy, ri, bob_psk,
                                                                   32, NOW_NTP, k.rnd, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rr->hdr.data_type, ==, IMPS_MIKEY_DATA_RESOLVE_RESP);

  /* 5. its answer: the same MPKi and TGK the initiator holds */
  g_autofree gchar *rr_b64 = b64_of (rr);
  g_auto (ImpsTestRun) rv;
  RUN (&rv, "tool", "ticket-resolve", "--btid", BOB_BTID, "--ks-naf", bob_hex, "--kms", KMS,
       "--to", BOB, "--transfer-init", ti_b64, "--time", T_UNIX, "--request", ri_b64,
       "--response", rr_b64);
  g_test_message ("%s%s", rv.out, rv.err);
  g_assert_cmpint (rv.status, ==, 0);
  g_assert_nonnull (strstr (rv.out, "RESOLVE_RESP verified"));
  assert_key (rv.out, "MPKI", &held->keys.mpks[0]);
  assert_key (rv.out, "KEY1", &held->keys.keys[0]);
  /* a TRANSFER_INIT whose MAC was tampered with is caught (its V is
   * checked with the MPKi of the answer) */
  g_autofree guint8 *ti_bad = g_memdup2 (ti->body.raw, ti->body.raw_len);
  ti_bad[ti->body.raw_len - 1] ^= 1;
  g_autofree gchar *ti2_b64 = g_base64_encode (ti_bad, ti->body.raw_len);
  g_auto (ImpsTestRun) rx;
  RUN (&rx, "tool", "ticket-resolve", "--btid", BOB_BTID, "--ks-naf", bob_hex, "--kms", KMS,
       "--to", BOB, "--transfer-init", ti2_b64, "--time", T_UNIX, "--request", ri_b64,
       "--response", rr_b64);
  g_assert_cmpint (rx.status, ==, 1);
  g_assert_nonnull (strstr (rx.err, "the RESOLVE_RESP does not verify: "));
  /* an answer outside the clock skew does not verify either (--time) */
  g_auto (ImpsTestRun) late;
  RUN (&late, "tool", "ticket-resolve", "--btid", BOB_BTID, "--ks-naf", bob_hex, "--kms", KMS,
       "--to", BOB, "--transfer-init", ti_b64, "--time", "1767229200", "--request", ri_b64,
       "--response", rr_b64);
  g_assert_cmpint (late.status, ==, 1);

  g_unlink (resp_file);
  g_rmdir (dir);
  imps_random_free (k.rnd);
}

static void
test_usage_errors (void)
{
  static const struct {
    const gchar *const argv[20];
    const gchar *err;
  } cases[] = {
    { { "tool", "ticket-request", "--ks-naf", "00", "--kms", KMS, NULL }, "--btid is required" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "0011", NULL },
      "--ks-naf" },
    { { "tool", "ticket-request", "--btid", "x@y", "--ks-naf", NULL, NULL }, NULL },
    { { "tool", "ticket-request", "--btid", "x@y", NULL }, "--kms is required" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--to", BOB, NULL },
      "--from is required" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--from", ALICE, NULL },
      "--to is required" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--time", "soon", NULL },
      "--time 'soon' is not Unix seconds" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--request", "AAAA", NULL },
      "--request and --response go together" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--from", ALICE,
        "--to", BOB, "--request", "!!", "--response", "AAAA", NULL }, "--request: not a file, hex or base64" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--from", ALICE,
        "--to", BOB, "--request", "00112233", "--response", "AAAA", NULL }, "--request: not a REQUEST_INIT_PSK" },
    { { "tool", "ticket-request", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "extra", NULL },
      "unexpected argument 'extra'" },
    { { "tool", "ticket-resolve", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--transfer-init", "AAAA", NULL },
      "--to is required" },
    { { "tool", "ticket-resolve", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--to", BOB, NULL },
      "--transfer-init is required" },
    { { "tool", "ticket-resolve", "--btid", "x@y", "--kms", KMS, "--ks-naf", "@A", "--to", BOB,
        "--transfer-init", "mikey AAAAAAAA", NULL }, "--transfer-init: not a TRANSFER_INIT" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* "@A": Alice's Ks_NAF */
      const gchar *args[20];
      guint n = 0;
      for (; cases[i].argv[n]; n++)
        args[n] = g_str_equal (cases[i].argv[n], "@A") ? alice_hex : cases[i].argv[n];
      args[n] = NULL;
      g_auto (ImpsTestRun) r;
      imps_test_run_argv (&r, impsim_path, args);
      g_test_message ("case %u: %s", i, r.err);
      g_assert_cmpint (r.status, ==, 2);
      if (cases[i].err)
        g_assert_nonnull (strstr (r.err, cases[i].err));
      g_assert_null (strstr (r.out, "_PSK="));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 2);
  impsim_path = argv[1];
  for (guint i = 0; i < 32; i++)
    {
      alice_psk[i] = (guint8) (0xa0 + i);
      bob_psk[i] = (guint8) (0x30 + 3 * i);
    }
  g_autofree gchar *ah = imps_hex_encode (alice_psk, 32), *bh = imps_hex_encode (bob_psk, 32);
  memcpy (alice_hex, ah, 65);
  memcpy (bob_hex, bh, 65);
  g_test_add_func ("/ticket-tool/help", test_help);
  g_test_add_func ("/ticket-tool/request-and-resolve", test_request_and_resolve);
  g_test_add_func ("/ticket-tool/usage-errors", test_usage_errors);
  return g_test_run ();
}
