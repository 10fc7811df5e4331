/* MIKEY-TICKET mode 1 done in memory by UEs and a KMS built only from the
 * exchange functions (mikey-ticket.md §5.4 walk-through): REQUEST_INIT_PSK
 * -> REQUEST_RESP -> TRANSFER_INIT -> RESOLVE_INIT_PSK -> RESOLVE_RESP ->
 * TRANSFER_RESP, ending with equal SRTP master keys and salts per crypto
 * session at both ends (profile §3 CS ID map). With and without forking,
 * group tickets, reused tickets, the 256-bit suite, and a table of
 * negative cases with the MIKEY ERR code each gives (§11).
 *
 * All keys, RANDs and clocks here are inputs chosen by this project (seeded
 * random source); the expected values are relations (equal / different),
 * not published numbers. */
#include "mikey/imps-mikey-exchange.h"
#include "imps-random.h"
#include "imps-test.h"

#include <malloc.h>
#include <string.h>

#define NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000) /* 2025-08-01 (NTP) */
#define SKEW 300
#define SEC(n) ((guint64) (n) << 32)
#define DOMAIN "example.org"
#define KMS_URI "kms.example.org"
#define ALICE "sip:alice@example.org"
#define BOB "sip:bob@example.org"
#define CAROL "sip:carol@example.org"
#define DAVE "sip:dave@example.org"
#define TEAM "sip:team@example.org"

typedef struct {
  const gchar *uri;
  guint8 psk[32];
  const gchar *psk_id;
} Ue;

typedef struct {
  ImpsRandom *rnd;
  ImpsMikeyTpk tpks[2];
  ImpsMikeyKms kms;
  ImpsMikeyKmsPolicy policy;
  ImpsMikeyReplay *kms_replay;
  ImpsMikeyReplay *kms_uses;
  Ue alice, bob, bob2, carol, dave;
  ImpsMikeySuite suite;
  guint8 last_kemac_alg;           /* of the KMS's last answer */
  gsize last_randrkms_len;         /* 0: none */
} Net;

static const gchar *const team_members[] = { BOB, CAROL, ALICE, NULL };
static const ImpsMikeyGroup groups[] = { { TEAM, team_members } };

static void
ue_init (Ue *ue, const gchar *uri, guint8 seed, const gchar *psk_id)
{
  ue->uri = uri;
  for (guint i = 0; i < 32; i++)
    ue->psk[i] = (guint8) (seed + i);
  ue->psk_id = psk_id;
}

static void
net_init (Net *net, gboolean suite_256)
{
  memset (net, 0, sizeof *net);
  net->rnd = imps_random_new_seeded (suite_256 ? 256 : 128);
  for (guint k = 0; k < 2; k++)
    {
      net->tpks[k].index = 7 + k;
      net->tpks[k].key_len = 32;
      imps_random_fill (net->rnd, net->tpks[k].key, 32);
    }
  imps_mikey_suite_init (&net->suite, suite_256);
  net->kms.kms_uri = KMS_URI;
  net->kms.tpk = &net->tpks[1];      /* the current key: index 8 */
  net->kms.tpks = net->tpks;         /* index 7 still accepted */
  net->kms.n_tpks = 2;
  net->kms.suite = net->suite;
  net->kms.skew = SKEW;
  imps_mikey_kms_policy_init_default (&net->policy, DOMAIN);
  net->policy.groups = groups;
  net->policy.n_groups = G_N_ELEMENTS (groups);
  net->kms_replay = imps_mikey_replay_new (1024, SKEW);
  net->kms_uses = imps_mikey_replay_new (1024, SKEW);
  ue_init (&net->alice, ALICE, 0x40, "alice-btid@bsf.example.org");
  ue_init (&net->bob, BOB, 0x60, "bob-btid@bsf.example.org");
  ue_init (&net->bob2, BOB, 0x80, "bob2-btid@bsf.example.org");
  ue_init (&net->carol, CAROL, 0xa0, "carol-btid@bsf.example.org");
  ue_init (&net->dave, DAVE, 0xc0, "dave-btid@bsf.example.org");
}

static void
net_clear (Net *net)
{
  imps_random_free (net->rnd);
  imps_mikey_replay_free (net->kms_replay);
  imps_mikey_replay_free (net->kms_uses);
  imps_mikey_tpk_clear (&net->tpks[0]);
  imps_mikey_tpk_clear (&net->tpks[1]);
}

static const Ue *
kms_lookup (Net *net, const ImpsMikeyMessage *m)
{
  const ImpsMikeyPayload *id = imps_mikey_message_find_idr (m, IMPS_MIKEY_ID_ROLE_PSK);
  const Ue *all[] = { &net->alice, &net->bob, &net->bob2, &net->carol, &net->dave };
  g_assert_nonnull (id);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (id->u.id.data.len == strlen (all[i]->psk_id)
        && memcmp (id->u.id.data.data, all[i]->psk_id, id->u.id.data.len) == 0)
      return all[i];
  g_assert_not_reached ();
}

/* KMS: parse, verify, answer (or an error). */
static ImpsMikeyMessage *
kms_handle (Net *net, const guint8 *data, gsize len, guint64 now, GError **error)
{
  g_autoptr (ImpsMikeyMessage) in = imps_mikey_message_parse (data, len, error);
  const Ue *ue;
  if (in == NULL)
    return NULL;
  ue = kms_lookup (net, in);
  if (!imps_mikey_initial_verify (in, ue->psk, 32, KMS_URI, now, SKEW, net->kms_replay, error))
    return NULL;
  ImpsMikeyMessage *out;
  if (in->hdr.data_type == IMPS_MIKEY_DATA_REQUEST_INIT_PSK)
    out = imps_mikey_request_resp_build (&net->kms, &net->policy, in, ue->psk, 32, now,
                                         net->rnd, error);
  else
    out = imps_mikey_resolve_resp_build (&net->kms, &net->policy, in, ue->psk, 32, now, net->rnd,
                                         net->kms_uses, error);
  if (out != NULL)
    {
      const ImpsMikeyPayload *k = imps_mikey_message_find (out, IMPS_MIKEY_PAYLOAD_KEMAC);
      const ImpsMikeyPayload *r = imps_mikey_message_find_randr (out, IMPS_MIKEY_RAND_ROLE_KMS);
      net->last_kemac_alg = k ? k->u.kemac.encr_alg : 0xff;
      net->last_randrkms_len = r ? r->u.rand.data.len : 0;
    }
  return out;
}

static ImpsMikeyHeldTicket *
request_ticket (Net *net, const ImpsMikeyTp *tp, guint64 now)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyRequestParams p = { 0 };
  p.suite = net->suite;
  p.initiator_uri = ALICE;
  p.kms_uri = KMS_URI;
  p.psk_id = (const guint8 *) net->alice.psk_id;
  p.psk_id_len = strlen (net->alice.psk_id);
  p.desired = tp;
  g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&p, net->alice.psk, 32, now,
                                                                     net->rnd, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyMessage) resp = kms_handle (net, req->body.raw, req->body.raw_len, now,
                                                  &error);
  g_assert_no_error (error);
  {
    /* built messages read back like received ones (KMS audit logs) */
    ImpsMikeyTp built, sent;
    g_assert_true (imps_mikey_tp_read (&imps_mikey_message_find (resp, IMPS_MIKEY_PAYLOAD_TICKET)
                                         ->u.ticket, &built, &error));
    g_assert_true (imps_mikey_tp_read (&imps_mikey_message_find (req, IMPS_MIKEY_PAYLOAD_TP)
                                         ->u.ticket, &sent, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (built.n_responders, ==, tp->n_responders);
    g_assert_cmpuint (sent.n_responders, ==, tp->n_responders);
  }
  ImpsMikeyHeldTicket *held = imps_mikey_request_resp_process (req, resp->body.raw,
                                                               resp->body.raw_len,
                                                               net->alice.psk, 32, now, SKEW,
                                                               &error);
  g_assert_no_error (error);
  return held;
}

static ImpsMikeyMessage *
transfer_init (Net *net, ImpsMikeyHeldTicket *held, const gchar *to, guint n_media, guint64 now)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyTransferParams p = { 0 };
  p.suite = net->suite;
  p.initiator_uri = ALICE;
  p.responder_uri = to;
  p.n_media = n_media;
  for (guint i = 0; i < n_media; i++)
    p.ssrc[i] = 0x11110000 + i;
  p.sdp_ids = "mikey";
  ImpsMikeyMessage *ti = imps_mikey_transfer_init_build (held, &p, now, net->rnd, &error);
  g_assert_no_error (error);
  return ti;
}

/* One answering device: precheck, resolve, answer. Returns the
 * TRANSFER_RESP and the device's SRTP keys, or NULL with @error set at the
 * step that refused. */
static ImpsMikeyMessage *
answer (Net *net, const Ue *ue, const ImpsMikeyMessage *ti_sent, guint64 now,
        ImpsMikeySrtpKeys *keys, guint *n_keys, GError **error)
{
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_precheck (ti_sent->body.raw,
                                                                       ti_sent->body.raw_len,
                                                                       ue->uri, now, SKEW, NULL,
                                                                       error);
  if (ti == NULL)
    return NULL;
  ImpsMikeyResolveParams rp = { ue->uri, KMS_URI, (const guint8 *) ue->psk_id,
                                strlen (ue->psk_id) };
  g_autoptr (ImpsMikeyMessage) ri = imps_mikey_resolve_init_build (ti, &rp, ue->psk, 32, now,
                                                                    net->rnd, error);
  if (ri == NULL)
    return NULL;
  g_autoptr (ImpsMikeyMessage) rr = kms_handle (net, ri->body.raw, ri->body.raw_len, now, error);
  if (rr == NULL)
    return NULL;
  g_autoptr (ImpsMikeyResolved) res = imps_mikey_resolve_resp_process (ri, rr->body.raw,
                                                                       rr->body.raw_len, ue->psk,
                                                                       32, ti, ue->uri, now,
                                                                       SKEW, NULL, error);
  if (res == NULL)
    return NULL;
  guint32 ssrc[IMPS_MIKEY_MAX_MEDIA];
  for (guint i = 0; i < IMPS_MIKEY_MAX_MEDIA; i++)
    ssrc[i] = 0x22220000 + i;
  return imps_mikey_transfer_resp_build (ti, res, ue->uri, ssrc, IMPS_MIKEY_MAX_MEDIA, now,
                                         net->rnd, keys, n_keys, NULL, error);
}

static void
assert_keys_equal (const ImpsMikeySrtpKeys *a, guint na, const ImpsMikeySrtpKeys *b, guint nb)
{
  g_assert_cmpuint (na, ==, nb);
  for (guint i = 0; i < na; i++)
    {
      g_assert_cmpuint (a[i].cs_id, ==, b[i].cs_id);
      g_assert_cmpuint (a[i].ssrc, ==, b[i].ssrc);
      g_assert_cmpuint (a[i].key_len, ==, b[i].key_len);
      g_assert_cmpuint (a[i].salt_len, ==, 14);
      g_assert_cmpmem (a[i].key, a[i].key_len, b[i].key, b[i].key_len);
      g_assert_cmpmem (a[i].salt, a[i].salt_len, b[i].salt, b[i].salt_len);
    }
}

static gboolean
keys_differ (const ImpsMikeySrtpKeys *a, const ImpsMikeySrtpKeys *b)
{
  return memcmp (a->key, b->key, a->key_len) != 0 && memcmp (a->salt, b->salt, a->salt_len) != 0;
}

/* Completes a call to @ue and checks both ends agree; returns the keys. */
static void
complete_call (Net *net, ImpsMikeyHeldTicket *held, const ImpsMikeyMessage *ti, const Ue *ue,
               guint64 now, ImpsMikeySrtpKeys *kr, guint *nr)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeySrtpKeys ki[IMPS_MIKEY_MAX_CS];
  guint ni = 0;
  g_autoptr (ImpsMikeyMessage) tr = answer (net, ue, ti, now, kr, nr, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tr);
  g_assert_true (imps_mikey_transfer_resp_process (held, ti, tr->body.raw, tr->body.raw_len, now,
                                                   SKEW, ki, &ni, NULL, &error));
  g_assert_no_error (error);
  assert_keys_equal (ki, ni, kr, *nr);
  imps_mikey_srtp_keys_clear (ki, ni);
  /* both messages carry the SDP IDs of the offer */
  g_assert_true (imps_mikey_check_sdp_ids (ti, "mikey", &error));
  g_assert_true (imps_mikey_check_sdp_ids (tr, "mikey", &error));
  g_assert_false (imps_mikey_check_sdp_ids (tr, "mikey;keyp1", &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_UNSPECIFIED);
  g_clear_error (&error);
}

static void
run_basic (gboolean suite_256)
{
  Net net;
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS];
  guint nb = 0;

  net_init (&net, suite_256);
  imps_mikey_tp_init_default (&tp, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  /* granted: default flags 01 F4 60 (§17.3), IDRi, IDRkms, validity 1 h */
  g_assert_cmphex (held->policy.flags, ==, 0x1F460);
  g_assert_cmpuint (held->policy.valid_to - held->policy.valid_from, ==, SEC (3600));
  g_assert_cmpuint (held->keys.n_mpks, ==, 1);
  g_assert_cmpuint (held->keys.n_keys, ==, 1);
  g_assert_cmpuint (held->keys.keys[0].type, ==, IMPS_MIKEY_KEY_TGK);
  g_assert_cmpuint (held->keys.keys[0].spi_len, ==, 4);

  g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, BOB, 2, NOW + SEC (1));
  g_assert_true (ti->hdr.v); /* V = F */
  g_assert_cmpuint (ti->hdr.n_cs, ==, 4);
  complete_call (&net, held, ti, &net.bob, NOW + SEC (2), kb, &nb);
  g_assert_cmpuint (nb, ==, 4);
  g_assert_cmpuint (kb[0].key_len, ==, suite_256 ? 32 : 16);
  /* CS 1 offerer's SSRC, CS 2 answerer's (profile §3 CS ID map) */
  g_assert_cmphex (kb[0].ssrc, ==, 0x11110000);
  g_assert_cmphex (kb[1].ssrc, ==, 0x22220000);
  g_assert_cmphex (kb[2].ssrc, ==, 0x11110001);
  /* every crypto session has its own keys */
  g_assert_true (keys_differ (&kb[0], &kb[1]));
  g_assert_true (keys_differ (&kb[0], &kb[2]));
  imps_mikey_srtp_keys_clear (kb, nb);
  net_clear (&net);
}

static void
test_basic (void)
{
  run_basic (FALSE);
}

static void
test_suite_256 (void)
{
  run_basic (TRUE);
}

/* The 256-bit suite end to end (RFC 6043 §12.1; profile §3): whatever
 * suite the KMS is set to, a request in the 256-bit suite gets AES-CM-256
 * KEMACs, 32-byte MPKs and TGKs (forked too) and 32-byte RANDRkms; the
 * 128-bit suite stays 128-bit; mixed requests are refused. */
static void
test_suite_follows_request (void)
{
  for (guint round = 0; round < 4; round++)
    {
      gboolean req256 = round & 1, kms256 = (round & 2) != 0;
      Net net;
      ImpsMikeyTp tp;
      ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS], k2[IMPS_MIKEY_MAX_CS];
      guint n1 = 0, n2 = 0;
      g_test_message ("request in the %s suite, KMS set to %s", req256 ? "256" : "128",
                      kms256 ? "256" : "128");
      net_init (&net, req256);
      imps_mikey_suite_init (&net.kms.suite, kms256);
      guint klen = req256 ? 32 : 16;
      guint8 alg = req256 ? IMPS_MIKEY_ENCR_AES_CM_256 : IMPS_MIKEY_ENCR_AES_CM_128;
      imps_mikey_tp_init_default (&tp, net.suite.prf, TRUE);
      imps_mikey_tp_add_responder (&tp, BOB);
      g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
      g_assert_cmpuint (net.last_kemac_alg, ==, alg);
      g_assert_cmpuint (held->keys.mpks[0].key_len, ==, klen);
      g_assert_cmpuint (held->keys.mpks[1].key_len, ==, klen);
      g_assert_cmpuint (held->keys.keys[0].key_len, ==, klen);
      /* forking: two devices resolve, each gets its TGK' and RANDRkms */
      g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
      complete_call (&net, held, ti, &net.bob, NOW + SEC (2), k1, &n1);
      g_assert_cmpuint (net.last_kemac_alg, ==, alg);
      g_assert_cmpuint (net.last_randrkms_len, ==, klen);
      complete_call (&net, held, ti, &net.bob2, NOW + SEC (2), k2, &n2);
      g_assert_cmpuint (k1[0].key_len, ==, klen);
      g_assert_true (keys_differ (&k1[0], &k2[0]));
      imps_mikey_srtp_keys_clear (k1, n1);
      imps_mikey_srtp_keys_clear (k2, n2);
      /* reuse (J = 1): a second transfer with the same ticket */
      g_autoptr (ImpsMikeyMessage) ti2 = transfer_init (&net, held, BOB, 1, NOW + SEC (3));
      complete_call (&net, held, ti2, &net.bob, NOW + SEC (4), k1, &n1);
      g_assert_cmpuint (k1[0].key_len, ==, klen);
      imps_mikey_srtp_keys_clear (k1, n1);
      net_clear (&net);
    }

  /* mixing: HDR PRF-HMAC-SHA-256 with an HMAC-SHA-1-160 V (ERR 3), the
   * 128-bit PRF with HMAC-SHA-256-256 (ERR 3), a TP PRF other than the
   * HDR's (ERR 2) */
  static const struct {
    gboolean prf256, mac256, tp256;
    gint code;
    guint8 err;
  } mix[] = {
    { TRUE, FALSE, TRUE, IMPS_MIKEY_ERROR_INVALID_MAC, 3 },
    { FALSE, TRUE, FALSE, IMPS_MIKEY_ERROR_INVALID_MAC, 3 },
    { TRUE, TRUE, FALSE, IMPS_MIKEY_ERROR_INVALID_PRF, 2 },
    { FALSE, FALSE, TRUE, IMPS_MIKEY_ERROR_INVALID_PRF, 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (mix); i++)
    {
      Net net;
      ImpsMikeyTp tp;
      g_autoptr (GError) error = NULL;
      net_init (&net, FALSE);
      ImpsMikeySuite tps;
      imps_mikey_suite_init (&tps, mix[i].tp256);
      imps_mikey_tp_init_default (&tp, tps.prf, FALSE);
      imps_mikey_tp_add_responder (&tp, BOB);
      ImpsMikeyRequestParams p = { 0 };
      imps_mikey_suite_init (&p.suite, mix[i].prf256);
      p.suite.mac_alg = mix[i].mac256 ? IMPS_MIKEY_MAC_HMAC_SHA256_256
                                      : IMPS_MIKEY_MAC_HMAC_SHA1_160;
      p.initiator_uri = ALICE;
      p.kms_uri = KMS_URI;
      p.psk_id = (const guint8 *) net.alice.psk_id;
      p.psk_id_len = strlen (net.alice.psk_id);
      p.desired = &tp;
      g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&p, net.alice.psk, 32,
                                                                         NOW, net.rnd, &error);
      g_assert_no_error (error);
      g_autoptr (ImpsMikeyMessage) resp = kms_handle (&net, req->body.raw, req->body.raw_len,
                                                      NOW, &error);
      g_assert_null (resp);
      g_test_message ("mix %u: %s", i, error->message);
      g_assert_error (error, IMPS_MIKEY_ERROR, mix[i].code);
      g_assert_cmpuint (imps_mikey_error_to_err_no (error->code), ==, mix[i].err);
      net_clear (&net);
    }
}

/* Forking: one TRANSFER_INIT answered by two devices of bob; each fork has
 * its own MPKr' and TGK', so different SRTP keys (§6.5). */
static void
test_forking (void)
{
  Net net;
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS], k2[IMPS_MIKEY_MAX_CS];
  guint n1 = 0, n2 = 0;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, TRUE);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_assert_cmphex (held->policy.flags, ==, 0x1FC60); /* byte6 = FC (§17.3) */
  g_assert_cmpuint (held->keys.n_mpks, ==, 2);
  g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
  const ImpsMikeyPayload *t = imps_mikey_message_find (ti, IMPS_MIKEY_PAYLOAD_TICKET);
  g_assert_cmpuint (t->u.ticket.initiator_data.len, ==, 1 + 2 * 22); /* Vi, Vr */
  complete_call (&net, held, ti, &net.bob, NOW + SEC (2), k1, &n1);
  complete_call (&net, held, ti, &net.bob2, NOW + SEC (3), k2, &n2);
  g_assert_cmpuint (n1, ==, 2);
  g_assert_cmpuint (n2, ==, 2);
  g_assert_true (keys_differ (&k1[0], &k2[0]));
  g_assert_true (keys_differ (&k1[1], &k2[1]));

  /* a forged Initiator Data (Vr) is refused by the KMS: ERR 0 */
  {
    g_autoptr (GError) error = NULL;
    ImpsMikeySrtpKeys kx[IMPS_MIKEY_MAX_CS];
    guint nx = 0;
    g_autofree guint8 *bad = g_memdup2 (ti->body.raw, ti->body.raw_len);
    gsize vr_mac = t->u.ticket.init_data_offset + t->u.ticket.initiator_data.len - 1;
    bad[vr_mac] ^= 0x01;
    g_autoptr (ImpsMikeyMessage) bad_ti = imps_mikey_message_parse (bad, ti->body.raw_len, &error);
    g_assert_no_error (error);
    g_autoptr (ImpsMikeyMessage) tr = answer (&net, &net.carol, bad_ti, NOW + SEC (4), kx, &nx,
                                              &error);
    g_assert_null (tr);
    /* carol is not a responder: the precheck stops it first (ERR 7) */
    g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_ID);
    g_clear_error (&error);
    tr = answer (&net, &net.bob, bad_ti, NOW + SEC (4), kx, &nx, &error);
    g_assert_null (tr);
    g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
    g_assert_cmpuint (imps_mikey_error_to_err_no (error->code), ==, 0);
  }
  imps_mikey_srtp_keys_clear (k1, n1);
  imps_mikey_srtp_keys_clear (k2, n2);
  net_clear (&net);
}

/* Group tickets: TP names a group the KMS maps to members (profile §3), or
 * several IDRr. Without forking every member gets the same TGK; the G=1
 * RANDRr still makes each call's session keys its own. */
static void
test_group (void)
{
  Net net;
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS], kc[IMPS_MIKEY_MAX_CS], kx[IMPS_MIKEY_MAX_CS];
  guint nb = 0, nc = 0, nx = 0;
  g_autoptr (GError) error = NULL;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp, TEAM);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, TEAM, 1, NOW + SEC (1));
  complete_call (&net, held, ti, &net.bob, NOW + SEC (2), kb, &nb);
  complete_call (&net, held, ti, &net.carol, NOW + SEC (3), kc, &nc);
  g_assert_true (keys_differ (&kb[0], &kc[0]));
  /* dave is not a member: the KMS refuses with ERR 7 */
  g_autoptr (ImpsMikeyMessage) tr = answer (&net, &net.dave, ti, NOW + SEC (4), kx, &nx, &error);
  g_assert_null (tr);
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_ID);
  g_assert_cmpuint (imps_mikey_error_to_err_no (error->code), ==, 7);
  g_clear_error (&error);

  /* several IDRr in one ticket */
  ImpsMikeyTp tp2;
  imps_mikey_tp_init_default (&tp2, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp2, BOB);
  imps_mikey_tp_add_responder (&tp2, CAROL);
  g_autoptr (ImpsMikeyHeldTicket) held2 = request_ticket (&net, &tp2, NOW + SEC (10));
  g_assert_cmpuint (held2->policy.n_responders, ==, 2);
  g_autoptr (ImpsMikeyMessage) ti_b = transfer_init (&net, held2, BOB, 1, NOW + SEC (11));
  g_autoptr (ImpsMikeyMessage) ti_c = transfer_init (&net, held2, CAROL, 1, NOW + SEC (12));
  complete_call (&net, held2, ti_b, &net.bob, NOW + SEC (13), kb, &nb);
  complete_call (&net, held2, ti_c, &net.carol, NOW + SEC (14), kc, &nc);
  imps_mikey_srtp_keys_clear (kb, nb);
  imps_mikey_srtp_keys_clear (kc, nc);
  net_clear (&net);
}

/* A held ticket keeps of its REQUEST_RESP the TICKET alone (it may be kept
 * for reuse for an hour): one payload, equal to the answer's TICKET field
 * for field, its policy read from the copy, and the copy owns its bytes
 * (the views point into the held message, not into the answer's). */
static void
test_held_ticket_compact (void)
{
  Net net;
  ImpsMikeyTp tp;
  g_autoptr (GError) error = NULL;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, TRUE);
  imps_mikey_tp_add_responder (&tp, BOB);
  imps_mikey_tp_add_responder (&tp, CAROL);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_assert_cmpuint (held->resp->body.n_payloads, ==, 1);
  g_assert_true (&held->resp->body.payloads[0] == held->ticket);
  g_assert_cmpuint (held->ticket->type, ==, IMPS_MIKEY_PAYLOAD_TICKET);
  g_assert_null (imps_mikey_message_find (held->resp, IMPS_MIKEY_PAYLOAD_KEMAC));
  g_assert_cmpuint (held->resp->hdr.data_type, ==, IMPS_MIKEY_DATA_REQUEST_RESP);
  g_assert_cmpuint (held->resp->hdr.n_cs, ==, 0);
  const ImpsMikeyTicket *t = &held->ticket->u.ticket;
  g_assert_cmpuint (t->ticket_data.len, >, 0);
  g_assert_cmpuint (t->n_tp_items, >, 0);
  g_assert_cmpuint (held->policy.n_responders, ==, 2);
  g_assert_true (imps_mikey_tp_has_responder (&held->policy, (const guint8 *) CAROL,
                                              strlen (CAROL)));
  /* the policy read again from the kept copy is the one read now */
  ImpsMikeyTp again;
  g_assert_true (imps_mikey_tp_read (t, &again, &error));
  g_assert_no_error (error);
  g_assert_cmphex (again.flags, ==, held->policy.flags);
  g_assert_cmpuint (again.n_responders, ==, held->policy.n_responders);
  /* a copy made from the copy is the same, and stands alone */
  const ImpsMikeyPayload *c2 = NULL;
  g_autoptr (ImpsMikeyMessage) m2 = imps_mikey_message_keep_payload (held->resp, held->ticket, &c2);
  g_assert_cmpuint (m2->body.n_payloads, ==, 1);
  g_assert_cmpmem (c2->u.ticket.ticket_data.data, c2->u.ticket.ticket_data.len,
                   t->ticket_data.data, t->ticket_data.len);
  g_assert_true (c2->u.ticket.ticket_data.data != t->ticket_data.data);
  /* and a call on it completes (the TRANSFER_INIT carries the copy) */
  ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS];
  guint n1 = 0;
  g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
  complete_call (&net, held, ti, &net.bob, NOW + SEC (2), k1, &n1);
  g_assert_cmpuint (n1, >, 0);
  imps_mikey_srtp_keys_clear (k1, n1);
  net_clear (&net);
}

/* Reuse (J=1): a second transfer with the same ticket has a new CSB ID and
 * new RANDs, so new keys; with J=0 the Initiator refuses a second transfer
 * and the KMS a second resolution by the same responder (ERR 15). */
static void
test_reuse (void)
{
  Net net;
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys k1[IMPS_MIKEY_MAX_CS], k2[IMPS_MIKEY_MAX_CS];
  guint n1 = 0, n2 = 0;
  g_autoptr (GError) error = NULL;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_autoptr (ImpsMikeyMessage) ti1 = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
  complete_call (&net, held, ti1, &net.bob, NOW + SEC (2), k1, &n1);
  g_autoptr (ImpsMikeyMessage) ti2 = transfer_init (&net, held, BOB, 1, NOW + SEC (600));
  g_assert_cmphex (ti1->hdr.csb_id, !=, ti2->hdr.csb_id);
  complete_call (&net, held, ti2, &net.bob, NOW + SEC (601), k2, &n2);
  g_assert_true (keys_differ (&k1[0], &k2[0]));
  /* after TRe (1 h) the ticket is refused */
  ImpsMikeyTransferParams p = { 0 };
  p.suite = net.suite;
  p.initiator_uri = ALICE;
  p.responder_uri = BOB;
  p.n_media = 1;
  g_assert_null (imps_mikey_transfer_init_build (held, &p, NOW + SEC (3601), net.rnd, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR);
  g_clear_error (&error);
  /* and by the Responder's precheck even if sent */
  g_autoptr (ImpsMikeyMessage) ti_late = transfer_init (&net, held, BOB, 1, NOW + SEC (3599));
  g_assert_null (imps_mikey_transfer_init_precheck (ti_late->body.raw, ti_late->body.raw_len, BOB,
                                                    NOW + SEC (3602), SKEW, NULL, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR);
  g_clear_error (&error);

  /* J = 0 */
  tp.flags &= ~IMPS_MIKEY_TICKET_FLAG_J;
  g_autoptr (ImpsMikeyHeldTicket) once = request_ticket (&net, &tp, NOW + SEC (20));
  g_assert_false (once->policy.flags & IMPS_MIKEY_TICKET_FLAG_J);
  g_autoptr (ImpsMikeyMessage) ti3 = transfer_init (&net, once, BOB, 1, NOW + SEC (21));
  complete_call (&net, once, ti3, &net.bob, NOW + SEC (22), k1, &n1);
  g_assert_null (imps_mikey_transfer_init_build (once, &p, NOW + SEC (23), net.rnd, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR);
  g_clear_error (&error);
  /* the same TRANSFER_INIT resolved again by bob: the KMS refuses (ERR 15) */
  g_autoptr (ImpsMikeyMessage) tr = answer (&net, &net.bob, ti3, NOW + SEC (24), k2, &n2, &error);
  g_assert_null (tr);
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR);
  g_assert_cmpuint (imps_mikey_error_to_err_no (error->code), ==, 15);
  imps_mikey_srtp_keys_clear (k1, n1);
  imps_mikey_srtp_keys_clear (k2, n2);
  net_clear (&net);
}

/* Policy: the KMS changes what it may (validity, reuse; K=1) and refuses
 * what it must (ERR 15). */
static void
test_policy (void)
{
  Net net;
  ImpsMikeyTp tp;
  g_autoptr (GError) error = NULL;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, TRUE);
  imps_mikey_tp_add_responder (&tp, BOB);
  tp.valid_to = NOW + SEC (7200);
  net.policy.allow_forking = FALSE;
  net.policy.max_validity = 1800;
  tp.n_desired = 2;
  tp.desired[0].type = IMPS_MIKEY_KEY_TGK;
  tp.desired[0].len = 16;
  tp.desired[1].type = IMPS_MIKEY_KEY_GTGK;
  tp.desired[1].len = 16;
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_assert_true (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_K);
  g_assert_false (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_I);
  g_assert_cmpuint (held->policy.valid_to - held->policy.valid_from, ==, SEC (1800));
  g_assert_cmpuint (held->keys.n_keys, ==, 2);
  g_assert_cmpuint (held->keys.keys[1].type, ==, IMPS_MIKEY_KEY_GTGK);
  g_assert_cmpuint (held->keys.keys[1].key_len, ==, 16);

  /* a desired key shorter than 128 bits, or one of 256 bits under the
   * 128-bit suite, is refused (RFC 6043 §12.1): ERR 15 */
  for (guint round = 0; round < 2; round++)
  {
  tp.desired[1].len = round == 0 ? 8 : 32;
  ImpsMikeyRequestParams p = { 0 };
  p.suite = net.suite;
  p.initiator_uri = ALICE;
  p.kms_uri = KMS_URI;
  p.psk_id = (const guint8 *) net.alice.psk_id;
  p.psk_id_len = strlen (net.alice.psk_id);
  p.desired = &tp;
  g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&p, net.alice.psk, 32,
                                                                     NOW + SEC (1), net.rnd, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyMessage) resp = kms_handle (&net, req->body.raw, req->body.raw_len,
                                                  NOW + SEC (1), &error);
  g_assert_null (resp);
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR);
  g_assert_cmpuint (imps_mikey_error_to_err_no (error->code), ==, 15);
  if (round == 1)
    g_assert_nonnull (strstr (error->message, "32 bytes under a suite with 16-byte keys"));
  g_clear_error (&error);
  }
  net_clear (&net);
}

/* Negative table (§11): each case spoils one thing and names the ERR code
 * the KMS answers with. A wrong MAC is ERR 0 (Auth failure; §11 "bad MAC
 * -> 0"); ERR 3 is kept for an unsupported MAC algorithm. */
typedef enum {
  NEG_FLIP_MAC,
  NEG_STALE_T,
  NEG_UNKNOWN_PRF,
  NEG_UNKNOWN_TICKET_TYPE,
  NEG_POLICY_REFUSED,
  NEG_REPLAY,
  NEG_UNKNOWN_MAC_ALG,
  NEG_WRONG_PSK,
  NEG_PK_VARIANT,
} NegKind;

typedef struct {
  const gchar *name;
  NegKind kind;
  gint code;
  guint8 err_no;
} NegCase;

static const NegCase neg_cases[] = {
  { "flipped-mac-bit", NEG_FLIP_MAC, IMPS_MIKEY_ERROR_AUTH_FAILED, 0 },
  { "stale-timestamp", NEG_STALE_T, IMPS_MIKEY_ERROR_INVALID_TS, 1 },
  { "unknown-prf", NEG_UNKNOWN_PRF, IMPS_MIKEY_ERROR_INVALID_PRF, 2 },
  /* the codec cannot size a V with an unknown Auth alg, nor accept a
   * REQUEST_INIT_PK without PKE: both are malformed (ERR 13) before any
   * exchange check runs */
  { "unknown-mac-alg", NEG_UNKNOWN_MAC_ALG, IMPS_MIKEY_ERROR_MALFORMED, 13 },
  { "pk-variant", NEG_PK_VARIANT, IMPS_MIKEY_ERROR_MALFORMED, 13 },
  { "unknown-ticket-type", NEG_UNKNOWN_TICKET_TYPE, IMPS_MIKEY_ERROR_INVALID_TICKET, 14 },
  { "policy-refused", NEG_POLICY_REFUSED, IMPS_MIKEY_ERROR_INVALID_TPPAR, 15 },
  { "replayed", NEG_REPLAY, IMPS_MIKEY_ERROR_REPLAY, 1 },
  { "wrong-psk", NEG_WRONG_PSK, IMPS_MIKEY_ERROR_AUTH_FAILED, 0 },
};

static void
test_negative (gconstpointer data)
{
  const NegCase *c = data;
  Net net;
  ImpsMikeyTp tp;
  g_autoptr (GError) error = NULL;
  guint64 now = NOW;
  guint64 kms_now = NOW;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp, c->kind == NEG_POLICY_REFUSED ? "sip:eve@other.net" : BOB);
  if (c->kind == NEG_UNKNOWN_TICKET_TYPE)
    tp.ticket_type = 0xF123;
  ImpsMikeyRequestParams p = { 0 };
  p.suite = net.suite;
  p.initiator_uri = ALICE;
  p.kms_uri = KMS_URI;
  p.psk_id = (const guint8 *) net.alice.psk_id;
  p.psk_id_len = strlen (net.alice.psk_id);
  p.desired = &tp;
  guint8 psk[32];
  memcpy (psk, net.alice.psk, 32);
  if (c->kind == NEG_WRONG_PSK)
    psk[0] ^= 1;
  if (c->kind == NEG_UNKNOWN_PRF)
    p.suite.prf = 5;
  if (c->kind == NEG_STALE_T)
    kms_now = NOW + SEC (SKEW + 1);
  g_autoptr (ImpsMikeyMessage) req = NULL;
  if (c->kind == NEG_UNKNOWN_PRF)
    {
      /* build with a good PRF, then rewrite the HDR PRF (byte 3) */
      p.suite.prf = 0;
      req = imps_mikey_request_init_build (&p, psk, 32, now, net.rnd, &error);
    }
  else
    req = imps_mikey_request_init_build (&p, psk, 32, now, net.rnd, &error);
  g_assert_no_error (error);
  g_autofree guint8 *bytes = g_memdup2 (req->body.raw, req->body.raw_len);
  gsize len = req->body.raw_len;
  switch (c->kind)
    {
    case NEG_FLIP_MAC:
      bytes[len - 1] ^= 0x80;
      break;
    case NEG_UNKNOWN_PRF:
      bytes[3] = (guint8) ((bytes[3] & 0x80) | 5);
      break;
    case NEG_UNKNOWN_MAC_ALG:
      bytes[len - 21] = 7; /* V Auth alg */
      break;
    case NEG_PK_VARIANT:
      bytes[1] = IMPS_MIKEY_DATA_REQUEST_INIT_PK;
      break;
    default:
      break;
    }
  if (c->kind == NEG_REPLAY)
    {
      g_autoptr (ImpsMikeyMessage) first = kms_handle (&net, bytes, len, kms_now, &error);
      g_assert_no_error (error);
      g_assert_nonnull (first);
    }
  g_autoptr (ImpsMikeyMessage) resp = kms_handle (&net, bytes, len, kms_now, &error);
  g_assert_null (resp);
  g_assert_error (error, IMPS_MIKEY_ERROR, c->code);
  g_assert_cmpuint (imps_mikey_error_to_err_no (error->code), ==, c->err_no);

  /* the KMS answers with an Error message carrying that code, with V keyed
   * like the request (profile §10) unless authentication itself failed */
  g_autoptr (ImpsMikeyMessage) parsed = imps_mikey_message_parse (bytes, len, NULL);
  if (parsed != NULL)
    {
      g_autoptr (GError) e2 = NULL;
      ImpsMikeyMsgKeys ek;
      gboolean authed = error->code != IMPS_MIKEY_ERROR_AUTH_FAILED
                        && error->code != IMPS_MIKEY_ERROR_INVALID_PRF;
      guint8 code = c->err_no;
      if (authed)
        g_assert_true (imps_mikey_error_keys (parsed, net.alice.psk, 32, &ek, &e2));
      g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_build (&parsed->hdr, &code, 1,
                                                                authed ? &ek : NULL, kms_now, &e2);
      g_assert_no_error (e2);
      guint8 got[4];
      guint n = 0;
      gboolean was_authed = FALSE;
      g_autoptr (ImpsMikeyMessage) back = imps_mikey_error_parse (em->body.raw, em->body.raw_len,
                                                                  authed ? &ek : NULL, got, 4, &n,
                                                                  &was_authed, &e2);
      g_assert_no_error (e2);
      g_assert_nonnull (back);
      g_assert_cmpuint (n, ==, 1);
      g_assert_cmpuint (got[0], ==, c->err_no);
      g_assert_cmpuint (back->hdr.csb_id, ==, parsed->hdr.csb_id);
      g_assert_true (was_authed == authed);
      /* the Initiator waiting for REQUEST_RESP gets the Error instead */
      g_autoptr (ImpsMikeyHeldTicket) none = imps_mikey_request_resp_process (
          req, em->body.raw, em->body.raw_len, net.alice.psk, 32, kms_now, SKEW, &e2);
      g_assert_null (none);
      g_assert_error (e2, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_UNSPECIFIED);
      g_autofree gchar *want = g_strdup_printf ("MIKEY Error %u ", c->err_no);
      g_assert_nonnull (strstr (e2->message, want));
      if (authed)
        imps_mikey_msg_keys_clear (&ek);
    }
  net_clear (&net);
}

/* Error messages: authenticated V (a flipped bit is caught), never an
 * Error to an Error (§11). */
static void
test_error_message (void)
{
  Net net;
  ImpsMikeyTp tp;
  g_autoptr (GError) error = NULL;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
  /* a Transfer error keyed with MPKi (profile §10 last bullet) */
  ImpsMikeyMsgKeys ek;
  g_assert_true (imps_mikey_error_keys (ti, held->keys.mpks[0].key, held->keys.mpks[0].key_len,
                                        &ek, &error));
  const guint8 codes[] = { IMPS_MIKEY_ERR_INVALID_SP, IMPS_MIKEY_ERR_INVALID_SPPAR };
  g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_build (&ti->hdr, codes, 2, &ek,
                                                            NOW + SEC (2), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em->hdr.data_type, ==, IMPS_MIKEY_DATA_ERROR);
  g_assert_false (em->hdr.v);
  guint8 got[4];
  guint n = 0;
  gboolean authed = FALSE;
  g_autoptr (ImpsMikeyMessage) back = imps_mikey_error_parse (em->body.raw, em->body.raw_len, &ek,
                                                              got, 4, &n, &authed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_true (authed);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (got[1], ==, 10);
  g_autofree guint8 *bad = g_memdup2 (em->body.raw, em->body.raw_len);
  bad[em->body.raw_len - 3] ^= 0x04;
  g_autoptr (ImpsMikeyMessage) none = imps_mikey_error_parse (bad, em->body.raw_len, &ek, got, 4,
                                                              &n, &authed, &error);
  g_assert_null (none);
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  /* never answer an Error with an Error */
  g_assert_null (imps_mikey_error_build (&em->hdr, codes, 1, NULL, NOW, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_UNSPECIFIED);
  imps_mikey_msg_keys_clear (&ek);
  net_clear (&net);
}

/* Responder and Initiator refuse tampering in the transfer exchange. */
static void
test_transfer_tamper (void)
{
  Net net;
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS], ki[IMPS_MIKEY_MAX_CS];
  guint nb = 0, ni = 0;
  g_autoptr (GError) error = NULL;

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
  /* TRANSFER_INIT with a flipped MAC bit: the Responder finds out after
   * resolving (it needs MPKi): ERR 0 */
  g_autofree guint8 *bad = g_memdup2 (ti->body.raw, ti->body.raw_len);
  bad[ti->body.raw_len - 2] ^= 0x10;
  g_autoptr (ImpsMikeyMessage) bad_ti = imps_mikey_message_parse (bad, ti->body.raw_len, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyMessage) tr0 = answer (&net, &net.bob, bad_ti, NOW + SEC (2), kb, &nb, &error);
  g_assert_null (tr0);
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  /* TRANSFER_RESP with a flipped bit: the Initiator refuses it */
  g_autoptr (ImpsMikeyMessage) tr = answer (&net, &net.bob, ti, NOW + SEC (3), kb, &nb, &error);
  g_assert_no_error (error);
  g_autofree guint8 *badr = g_memdup2 (tr->body.raw, tr->body.raw_len);
  badr[tr->body.raw_len - 1] ^= 0x01;
  g_assert_false (imps_mikey_transfer_resp_process (held, ti, badr, tr->body.raw_len,
                                                    NOW + SEC (3), SKEW, ki, &ni, NULL, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  /* a replayed TRANSFER_INIT is caught by the Responder's cache */
  g_autoptr (ImpsMikeyReplay) cache = imps_mikey_replay_new (16, SKEW);
  g_assert_true (imps_mikey_replay_check_message (cache, ti->body.raw, ti->body.raw_len,
                                                  NOW + SEC (1), NOW + SEC (3)));
  g_assert_null (imps_mikey_transfer_init_precheck (ti->body.raw, ti->body.raw_len, BOB,
                                                    NOW + SEC (4), SKEW, cache, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_REPLAY);
  g_clear_error (&error);
  imps_mikey_srtp_keys_clear (kb, nb);
  net_clear (&net);
}

/* A KMS that rolled its TPK still resolves tickets under the previous
 * index, and refuses an index it no longer has (ERR 14). */
static void
test_tpk_roll (void)
{
  Net net;
  ImpsMikeyTp tp;
  ImpsMikeySrtpKeys kb[IMPS_MIKEY_MAX_CS];
  guint nb = 0;
  g_autoptr (GError) error = NULL;

  net_init (&net, FALSE);
  net.kms.tpk = &net.tpks[0]; /* issue under index 7 */
  imps_mikey_tp_init_default (&tp, net.suite.prf, FALSE);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  net.kms.tpk = &net.tpks[1]; /* roll to 8; 7 still accepted */
  g_autoptr (ImpsMikeyMessage) ti = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
  complete_call (&net, held, ti, &net.bob, NOW + SEC (2), kb, &nb);
  net.kms.tpks = &net.tpks[1]; /* 7 dropped */
  net.kms.n_tpks = 1;
  g_autoptr (ImpsMikeyMessage) ti2 = transfer_init (&net, held, BOB, 1, NOW + SEC (3));
  g_autoptr (ImpsMikeyMessage) tr = answer (&net, &net.bob, ti2, NOW + SEC (4), kb, &nb, &error);
  g_assert_null (tr);
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TICKET);
  imps_mikey_srtp_keys_clear (kb, nb);
  net_clear (&net);
}

/* Zk (profile §4): bob resolves with his own KMS (kms.home2.net), which
 * relays to the issuing KMS under the pair key and re-wraps the keys for
 * bob. With and without forking; a relay with the wrong pair key is
 * refused by the issuing KMS (ERR 0). */
#define KMS2_URI "kms.home2.net"

static void
run_two_kms (gboolean forking)
{
  Net net;
  ImpsMikeyTp tp;
  ImpsMikeyTpk tpk2 = { .index = 1, .key_len = 16 };
  ImpsMikeyKms kms2;
  guint8 pair[32];
  ImpsMikeySrtpKeys kr[IMPS_MIKEY_MAX_CS], ki[IMPS_MIKEY_MAX_CS];
  guint nr = 0, ni = 0;
  g_autoptr (GError) error = NULL;
  guint64 now = NOW + SEC (2);

  net_init (&net, FALSE);
  memset (tpk2.key, 0x77, 16);
  kms2 = net.kms;
  kms2.kms_uri = KMS2_URI;
  kms2.tpk = &tpk2;
  kms2.tpks = &tpk2;
  kms2.n_tpks = 1;
  for (guint i = 0; i < 32; i++)
    pair[i] = (guint8) (0xE0 ^ i);
  imps_mikey_tp_init_default (&tp, net.suite.prf, forking);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_autoptr (ImpsMikeyMessage) ti_sent = transfer_init (&net, held, BOB, 1, NOW + SEC (1));

  /* bob: precheck, RESOLVE_INIT to his own KMS */
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_precheck (ti_sent->body.raw,
                                                                       ti_sent->body.raw_len,
                                                                       BOB, now, SKEW, NULL,
                                                                       &error);
  g_assert_no_error (error);
  ImpsMikeyResolveParams rp = { BOB, KMS2_URI, (const guint8 *) net.bob.psk_id,
                                strlen (net.bob.psk_id) };
  g_autoptr (ImpsMikeyMessage) ri_sent = imps_mikey_resolve_init_build (ti, &rp, net.bob.psk, 32,
                                                                         now, net.rnd, &error);
  g_assert_no_error (error);

  /* kms2: verify bob, see that the ticket names kms1, relay */
  g_autoptr (ImpsMikeyMessage) ri = imps_mikey_message_parse (ri_sent->body.raw,
                                                              ri_sent->body.raw_len, &error);
  g_assert_no_error (error);
  g_assert_true (imps_mikey_initial_verify (ri, net.bob.psk, 32, KMS2_URI, now, SKEW, NULL,
                                            &error));
  ImpsMikeyTp in_ticket;
  g_assert_true (imps_mikey_tp_read (&imps_mikey_message_find (ri, IMPS_MIKEY_PAYLOAD_TICKET)
                                       ->u.ticket, &in_ticket, &error));
  g_assert_cmpmem (in_ticket.kms_id.data, in_ticket.kms_id.len, KMS_URI, strlen (KMS_URI));
  g_autoptr (ImpsMikeyMessage) relay_sent = imps_mikey_resolve_relay_init_build (ri, KMS2_URI,
                                                                                  KMS_URI, pair,
                                                                                  32, now, net.rnd,
                                                                                  &error);
  g_assert_no_error (error);
  g_assert_cmpuint (relay_sent->hdr.data_type, ==, IMPS_MIKEY_DATA_RESOLVE_INIT_PSK);

  /* kms1: the pair key, found by IDRpsk = kms2's identity */
  g_autoptr (ImpsMikeyMessage) relay = imps_mikey_message_parse (relay_sent->body.raw,
                                                                 relay_sent->body.raw_len, &error);
  g_assert_no_error (error);
  const ImpsMikeyPayload *pskid = imps_mikey_message_find_idr (relay, IMPS_MIKEY_ID_ROLE_PSK);
  g_assert_cmpmem (pskid->u.id.data.data, pskid->u.id.data.len, KMS2_URI, strlen (KMS2_URI));
  {
    /* the wrong pair key: ERR 0 */
    g_autoptr (GError) e2 = NULL;
    guint8 wrong[32];
    memcpy (wrong, pair, 32);
    wrong[31] ^= 1;
    g_assert_false (imps_mikey_initial_verify (relay, wrong, 32, KMS_URI, now, SKEW, NULL, &e2));
    g_assert_error (e2, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
  }
  g_assert_true (imps_mikey_initial_verify (relay, pair, 32, KMS_URI, now, SKEW, NULL, &error));
  g_autoptr (ImpsMikeyMessage) rr1 = imps_mikey_resolve_resp_build (&net.kms, &net.policy, relay,
                                                                    pair, 32, now, net.rnd, NULL,
                                                                    &error);
  g_assert_no_error (error);

  /* kms2: re-wrap for bob */
  g_autoptr (ImpsMikeyMessage) rr2 = imps_mikey_resolve_relay_resp_build (&kms2, relay_sent,
                                                                          rr1->body.raw,
                                                                          rr1->body.raw_len, pair,
                                                                          32, ri, net.bob.psk, 32,
                                                                          now, SKEW, &error);
  g_assert_no_error (error);
  const ImpsMikeyPayload *kms_id = imps_mikey_message_find_idr (rr2, IMPS_MIKEY_ID_ROLE_KMS);
  g_assert_cmpmem (kms_id->u.id.data.data, kms_id->u.id.data.len, KMS2_URI, strlen (KMS2_URI));
  {
    /* the relay's reading of the answer: the RESOLVE_RESP is accepted; an
     * Error of kms1 is a refusal whose ERR code is passed on; an answer
     * altered in its last byte (V) is not a refusal: ERR 12 */
    guint8 err_no = 0;
    gboolean refused = TRUE;
    g_autoptr (GError) e2 = NULL;
    g_autoptr (ImpsMikeyMessage) ok
      = imps_mikey_resolve_relay_answer (&kms2, relay_sent, rr1->body.raw, rr1->body.raw_len,
                                         pair, 32, ri, net.bob.psk, 32, now, SKEW, &err_no,
                                         &refused, &e2);
    g_assert_no_error (e2);
    g_assert_nonnull (ok);
    g_assert_false (refused);
    guint8 errs[1] = { IMPS_MIKEY_ERR_INVALID_ID };
    g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_build (&relay->hdr, errs, 1, NULL, now,
                                                             &e2);
    g_assert_no_error (e2);
    g_autoptr (ImpsMikeyMessage) none
      = imps_mikey_resolve_relay_answer (&kms2, relay_sent, em->body.raw, em->body.raw_len, pair,
                                         32, ri, net.bob.psk, 32, now, SKEW, &err_no, &refused,
                                         &e2);
    g_assert_null (none);
    g_assert_nonnull (e2);
    g_assert_true (refused);
    g_assert_cmpuint (err_no, ==, IMPS_MIKEY_ERR_INVALID_ID);
    g_clear_error (&e2);
    g_autofree guint8 *bad = g_memdup2 (rr1->body.raw, rr1->body.raw_len);
    bad[rr1->body.raw_len - 1] ^= 1;
    g_autoptr (ImpsMikeyMessage) none2
      = imps_mikey_resolve_relay_answer (&kms2, relay_sent, bad, rr1->body.raw_len, pair, 32, ri,
                                         net.bob.psk, 32, now, SKEW, &err_no, &refused, &e2);
    g_assert_null (none2);
    g_assert_nonnull (e2);
    g_assert_false (refused);
    g_assert_cmpuint (err_no, ==, IMPS_MIKEY_ERR_UNSPECIFIED);
  }

  /* bob: as with one KMS */
  g_autoptr (ImpsMikeyResolved) res = imps_mikey_resolve_resp_process (ri_sent, rr2->body.raw,
                                                                       rr2->body.raw_len,
                                                                       net.bob.psk, 32, ti, BOB,
                                                                       now, SKEW, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (res->forked == forking);
  guint32 ssrc[1] = { 0x22220000 };
  g_autoptr (ImpsMikeyMessage) tr = imps_mikey_transfer_resp_build (ti, res, BOB, ssrc, 1, now,
                                                                    net.rnd, kr, &nr, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (imps_mikey_transfer_resp_process (held, ti_sent, tr->body.raw, tr->body.raw_len,
                                                   now, SKEW, ki, &ni, NULL, &error));
  g_assert_no_error (error);
  assert_keys_equal (ki, ni, kr, nr);
  imps_mikey_srtp_keys_clear (kr, nr);
  imps_mikey_srtp_keys_clear (ki, ni);
  net_clear (&net);
}

static void
test_two_kms (void)
{
  run_two_kms (FALSE);
  run_two_kms (TRUE);
}

/* Every single-bit flip of every message, fed to the side that receives
 * it, is refused: all bytes are under a MAC (§7), and for a forked
 * TRANSFER_INIT the Initiator Data is bound by Vi/Vr. (Under the
 * sanitizers this also shows that no flip makes a reader overrun.) */
static void
flip_each (const ImpsMikeyMessage *m, gboolean (*check) (gpointer, const guint8 *, gsize),
           gpointer ctx)
{
  gsize len = m->body.raw_len;
  g_autofree guint8 *buf = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit += 3)
      {
        memcpy (buf, m->body.raw, len);
        buf[i] ^= (guint8) (1u << bit);
        if (check (ctx, buf, len))
          g_error ("flipping bit %u of byte %" G_GSIZE_FORMAT " of %s was accepted", bit, i,
                   imps_mikey_data_type_name (m->hdr.data_type));
      }
}

typedef struct {
  Net *net;
  const ImpsMikeyMessage *req;
  const ImpsMikeyMessage *ti;
  const ImpsMikeyMessage *ri;
  ImpsMikeyHeldTicket *held;
  const Ue *ue;
  guint64 now;
} FlipCtx;

static gboolean
check_at_kms (gpointer p, const guint8 *d, gsize len)
{
  FlipCtx *c = p;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (d, len, &error);
  const ImpsMikeyPayload *id;
  if (m == NULL)
    return FALSE;
  id = imps_mikey_message_find_idr (m, IMPS_MIKEY_ID_ROLE_PSK);
  if (id == NULL)
    return FALSE;
  /* the PSK of whoever the message claims to be */
  const Ue *all[] = { &c->net->alice, &c->net->bob, &c->net->bob2, &c->net->carol, &c->net->dave };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (id->u.id.data.len == strlen (all[i]->psk_id)
        && memcmp (id->u.id.data.data, all[i]->psk_id, id->u.id.data.len) == 0)
      return imps_mikey_initial_verify (m, all[i]->psk, 32, KMS_URI, c->now, SKEW, NULL, &error);
  return FALSE;
}

static gboolean
check_request_resp (gpointer p, const guint8 *d, gsize len)
{
  FlipCtx *c = p;
  g_autoptr (ImpsMikeyHeldTicket) h = imps_mikey_request_resp_process (c->req, d, len,
                                                                       c->net->alice.psk, 32,
                                                                       c->now, SKEW, NULL);
  return h != NULL;
}

static gboolean
check_resolve_resp (gpointer p, const guint8 *d, gsize len)
{
  FlipCtx *c = p;
  g_autoptr (ImpsMikeyResolved) r = imps_mikey_resolve_resp_process (c->ri, d, len, c->ue->psk, 32,
                                                                     c->ti, c->ue->uri, c->now,
                                                                     SKEW, NULL, NULL);
  return r != NULL;
}

static gboolean
check_transfer_init (gpointer p, const guint8 *d, gsize len)
{
  /* what the Responder does with it: precheck, resolve, verify with MPKi */
  FlipCtx *c = p;
  ImpsMikeySrtpKeys k[IMPS_MIKEY_MAX_CS];
  guint n = 0;
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (d, len, NULL);
  if (m == NULL)
    return FALSE;
  g_autoptr (ImpsMikeyMessage) tr = answer (c->net, c->ue, m, c->now, k, &n, NULL);
  return tr != NULL;
}

static gboolean
check_transfer_resp (gpointer p, const guint8 *d, gsize len)
{
  FlipCtx *c = p;
  ImpsMikeySrtpKeys k[IMPS_MIKEY_MAX_CS];
  guint n = 0;
  return imps_mikey_transfer_resp_process (c->held, c->ti, d, len, c->now, SKEW, k, &n, NULL, NULL);
}

static void
run_flips (gboolean forking)
{
  Net net;
  ImpsMikeyTp tp;
  g_autoptr (GError) error = NULL;
  FlipCtx c = { 0 };
  ImpsMikeySrtpKeys k[IMPS_MIKEY_MAX_CS];
  guint n = 0;

  net_init (&net, FALSE);
  /* each flipped TRANSFER_INIT that still carries a good ticket is
   * resolved once: room for all of them */
  imps_mikey_replay_free (net.kms_replay);
  net.kms_replay = imps_mikey_replay_new (1 << 20, SKEW);
  c.net = &net;
  c.now = NOW;
  c.ue = &net.bob;
  imps_mikey_tp_init_default (&tp, net.suite.prf, forking);
  imps_mikey_tp_add_responder (&tp, BOB);
  ImpsMikeyRequestParams p = { 0 };
  p.suite = net.suite;
  p.initiator_uri = ALICE;
  p.kms_uri = KMS_URI;
  p.psk_id = (const guint8 *) net.alice.psk_id;
  p.psk_id_len = strlen (net.alice.psk_id);
  p.desired = &tp;
  g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&p, net.alice.psk, 32, NOW,
                                                                     net.rnd, &error);
  g_assert_no_error (error);
  c.req = req;
  flip_each (req, check_at_kms, &c);
  g_autoptr (ImpsMikeyMessage) resp = kms_handle (&net, req->body.raw, req->body.raw_len, NOW,
                                                  &error);
  g_assert_no_error (error);
  flip_each (resp, check_request_resp, &c);
  g_autoptr (ImpsMikeyHeldTicket) held = imps_mikey_request_resp_process (req, resp->body.raw,
                                                                          resp->body.raw_len,
                                                                          net.alice.psk, 32, NOW,
                                                                          SKEW, &error);
  g_assert_no_error (error);
  c.held = held;
  g_autoptr (ImpsMikeyMessage) ti_sent = transfer_init (&net, held, BOB, 1, NOW);
  /* every flip of TRANSFER_INIT: J=1 lets the same ticket resolve again */
  flip_each (ti_sent, check_transfer_init, &c);
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_message_parse (ti_sent->body.raw,
                                                              ti_sent->body.raw_len, &error);
  g_assert_no_error (error);
  c.ti = ti;
  ImpsMikeyResolveParams rp = { BOB, KMS_URI, (const guint8 *) net.bob.psk_id,
                                strlen (net.bob.psk_id) };
  g_autoptr (ImpsMikeyMessage) ri = imps_mikey_resolve_init_build (ti, &rp, net.bob.psk, 32, NOW,
                                                                    net.rnd, &error);
  g_assert_no_error (error);
  c.ri = ri;
  flip_each (ri, check_at_kms, &c);
  g_autoptr (ImpsMikeyMessage) rr = kms_handle (&net, ri->body.raw, ri->body.raw_len, NOW, &error);
  g_assert_no_error (error);
  flip_each (rr, check_resolve_resp, &c);
  g_autoptr (ImpsMikeyResolved) res = imps_mikey_resolve_resp_process (ri, rr->body.raw,
                                                                       rr->body.raw_len,
                                                                       net.bob.psk, 32, ti, BOB,
                                                                       NOW, SKEW, NULL, &error);
  g_assert_no_error (error);
  guint32 ssrc[1] = { 5 };
  g_autoptr (ImpsMikeyMessage) tr = imps_mikey_transfer_resp_build (ti, res, BOB, ssrc, 1, NOW,
                                                                    net.rnd, k, &n, NULL, &error);
  g_assert_no_error (error);
  c.ti = ti_sent;
  flip_each (tr, check_transfer_resp, &c);
  g_assert_true (check_transfer_resp (&c, tr->body.raw, tr->body.raw_len));
  imps_mikey_srtp_keys_clear (k, n);
  net_clear (&net);
}

static void
test_flips (void)
{
  run_flips (FALSE);
  run_flips (TRUE);
}

/* CSB update (§10.1, A-23): after a call, alice adds a second m-line with
 * an update under the keys of the last TRANSFER_RESP. CS 1 and 2 keep
 * their keys, CS 3 and 4 get new ones, equal at both ends. */
static void
run_csb_update (gboolean forking)
{
  Net net;
  ImpsMikeyTp tp;
  g_autoptr (GError) error = NULL;
  ImpsMikeySrtpKeys kr[IMPS_MIKEY_MAX_CS], ki[IMPS_MIKEY_MAX_CS];
  ImpsMikeySrtpKeys ur[IMPS_MIKEY_MAX_CS], ui[IMPS_MIKEY_MAX_CS];
  guint nr = 0, ni = 0, nur = 0, nui = 0;
  ImpsMikeyCsb csb_i, csb_r;
  guint64 now = NOW + SEC (2);

  net_init (&net, FALSE);
  imps_mikey_tp_init_default (&tp, net.suite.prf, forking);
  imps_mikey_tp_add_responder (&tp, BOB);
  g_autoptr (ImpsMikeyHeldTicket) held = request_ticket (&net, &tp, NOW);
  g_autoptr (ImpsMikeyMessage) ti_sent = transfer_init (&net, held, BOB, 1, NOW + SEC (1));
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_precheck (ti_sent->body.raw,
                                                                       ti_sent->body.raw_len,
                                                                       BOB, now, SKEW, NULL,
                                                                       &error);
  g_assert_no_error (error);
  ImpsMikeyResolveParams rp = { BOB, KMS_URI, (const guint8 *) net.bob.psk_id,
                                strlen (net.bob.psk_id) };
  g_autoptr (ImpsMikeyMessage) ri = imps_mikey_resolve_init_build (ti, &rp, net.bob.psk, 32, now,
                                                                    net.rnd, &error);
  g_autoptr (ImpsMikeyMessage) rr = kms_handle (&net, ri->body.raw, ri->body.raw_len, now, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyResolved) res = imps_mikey_resolve_resp_process (ri, rr->body.raw,
                                                                       rr->body.raw_len,
                                                                       net.bob.psk, 32, ti, BOB,
                                                                       now, SKEW, NULL, &error);
  g_assert_no_error (error);
  guint32 ssrc_b[2] = { 0x22220000, 0x22220001 };
  g_autoptr (ImpsMikeyMessage) tr = imps_mikey_transfer_resp_build (ti, res, BOB, ssrc_b, 1, now,
                                                                    net.rnd, kr, &nr, &csb_r,
                                                                    &error);
  g_assert_no_error (error);
  g_assert_true (imps_mikey_transfer_resp_process (held, ti_sent, tr->body.raw, tr->body.raw_len,
                                                   now, SKEW, ki, &ni, &csb_i, &error));
  g_assert_no_error (error);
  assert_keys_equal (ki, ni, kr, nr);
  /* both ends keep the same update keys */
  g_assert_cmpmem (csb_i.keys.auth, csb_i.keys.auth_len, csb_r.keys.auth, csb_r.keys.auth_len);
  g_assert_cmpmem (csb_i.keys.encr, csb_i.keys.encr_len, csb_r.keys.encr, csb_r.keys.encr_len);
  g_assert_cmphex (csb_i.csb_id, ==, ti_sent->hdr.csb_id);

  guint32 ssrc_a[2] = { 0x11110000, 0x11110001 };
  g_autoptr (ImpsMikeyMessage) up = imps_mikey_csb_update_init_build (&csb_i, 2, ssrc_a,
                                                                      NOW + SEC (60), &error);
  g_assert_no_error (error);
  g_assert_cmphex (up->hdr.csb_id, ==, ti_sent->hdr.csb_id);
  g_assert_true (up->hdr.v);
  g_assert_null (imps_mikey_message_find (up, IMPS_MIKEY_PAYLOAD_RANDR));
  g_assert_null (imps_mikey_message_find (up, IMPS_MIKEY_PAYLOAD_TICKET));
  g_autoptr (ImpsMikeyMessage) ua = imps_mikey_csb_update_resp_build (&csb_r, up->body.raw,
                                                                      up->body.raw_len, ssrc_b, 2,
                                                                      NOW + SEC (61), SKEW, ur,
                                                                      &nur, &error);
  g_assert_no_error (error);
  g_assert_true (imps_mikey_csb_update_resp_process (&csb_i, up, ua->body.raw, ua->body.raw_len,
                                                     NOW + SEC (61), SKEW, ui, &nui, &error));
  g_assert_no_error (error);
  assert_keys_equal (ui, nui, ur, nur);
  g_assert_cmpuint (nur, ==, 4);
  /* the first m-line keeps its keys; the new one has its own */
  g_assert_cmpmem (ur[0].key, ur[0].key_len, kr[0].key, kr[0].key_len);
  g_assert_cmpmem (ur[1].salt, ur[1].salt_len, kr[1].salt, kr[1].salt_len);
  g_assert_true (keys_differ (&ur[2], &ur[0]));
  g_assert_true (keys_differ (&ur[3], &ur[2]));

  /* a flipped bit in the update, or an update of another CSB, is refused */
  g_autofree guint8 *bad = g_memdup2 (up->body.raw, up->body.raw_len);
  bad[up->body.raw_len - 1] ^= 1;
  g_assert_null (imps_mikey_csb_update_resp_build (&csb_r, bad, up->body.raw_len, ssrc_b, 2,
                                                   NOW + SEC (61), SKEW, ur, &nur, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  memcpy (bad, up->body.raw, up->body.raw_len);
  bad[4] ^= 0x40; /* CSB ID */
  g_assert_null (imps_mikey_csb_update_resp_build (&csb_r, bad, up->body.raw_len, ssrc_b, 2,
                                                   NOW + SEC (61), SKEW, ur, &nur, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_UNSPECIFIED);
  g_clear_error (&error);
  /* the original TRANSFER_INIT (it carries RANDRi and the TICKET) is no update */
  g_assert_null (imps_mikey_csb_update_resp_build (&csb_r, ti_sent->body.raw,
                                                   ti_sent->body.raw_len, ssrc_b, 2, now, SKEW,
                                                   ur, &nur, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_UNSPECIFIED);

  imps_mikey_srtp_keys_clear (kr, nr);
  imps_mikey_srtp_keys_clear (ki, ni);
  imps_mikey_srtp_keys_clear (ur, IMPS_MIKEY_MAX_CS);
  imps_mikey_srtp_keys_clear (ui, nui);
  imps_mikey_csb_clear (&csb_i);
  imps_mikey_csb_clear (&csb_r);
  net_clear (&net);
}

static void
test_csb_update (void)
{
  run_csb_update (FALSE);
  run_csb_update (TRUE);
}

/* The replay cache (profile §11 "Replay cache"): per-owner quotas, expiry
 * by time, and its memory, measured with the allocator's own count. */
static void
test_replay_owners (void)
{
  g_autoptr (ImpsMikeyReplay) c = imps_mikey_replay_new (100, SKEW);
  guint64 now = (guint64) 3900000000u << 32;
  guint8 d[IMPS_MIKEY_REPLAY_DIGEST_LEN];
  const guint8 *a = (const guint8 *) "alice-btid", *b = (const guint8 *) "bob-btid";
  for (guint i = 0; i < 12; i++)
    {
      memset (d, 0, sizeof d);
      memcpy (d, &i, sizeof i);
      d[31] = 'a';
      g_assert_cmpint (imps_mikey_replay_insert_for (c, d, a, 10, 10, now, now), ==,
                       i < 10 ? IMPS_MIKEY_REPLAY_OK : IMPS_MIKEY_REPLAY_OWNER_FULL);
    }
  g_assert_cmpuint (imps_mikey_replay_owner_size (c, a, 10), ==, 10);
  /* a replay is a replay whatever the quota */
  memset (d, 0, sizeof d);
  d[31] = 'a';
  g_assert_cmpint (imps_mikey_replay_insert_for (c, d, a, 10, 10, now, now), ==,
                   IMPS_MIKEY_REPLAY_SEEN);
  /* another owner is not affected; the global bound still holds */
  for (guint i = 0; i < 95; i++)
    {
      memset (d, 0xff, sizeof d);
      memcpy (d, &i, sizeof i);
      g_assert_cmpint (imps_mikey_replay_insert_for (c, d, b, 8, 0, now + i, now), ==,
                       i < 90 ? IMPS_MIKEY_REPLAY_OK : IMPS_MIKEY_REPLAY_FULL);
    }
  g_assert_cmpuint (imps_mikey_replay_size (c), ==, 100);
  /* entries leave at T + skew; owners with them */
  g_assert_cmpuint (imps_mikey_replay_expire (c, now + ((guint64) SKEW << 32)), ==, 11);
  g_assert_cmpuint (imps_mikey_replay_owner_size (c, a, 10), ==, 0);
  g_assert_cmpuint (imps_mikey_replay_owner_size (c, b, 8), ==, 89);
  g_assert_cmpuint (imps_mikey_replay_expire (c, now + ((guint64) (SKEW + 100) << 32)), ==, 89);
  g_assert_cmpuint (imps_mikey_replay_size (c), ==, 0);

  /* beyond their quotas owners share a pool; owners within their quota
   * never need it, so a flood from one owner leaves the others their room */
  imps_mikey_replay_set_limits (c, 100, 20);
  for (guint i = 0; i < 40; i++)
    {
      memset (d, 0x11, sizeof d);
      memcpy (d, &i, sizeof i);
      g_assert_cmpint (imps_mikey_replay_insert_for (c, d, a, 10, 10, now, now), ==,
                       i < 30 ? IMPS_MIKEY_REPLAY_OK : IMPS_MIKEY_REPLAY_OWNER_FULL);
    }
  g_assert_cmpuint (imps_mikey_replay_owner_size (c, a, 10), ==, 30);
  g_assert_cmpuint (imps_mikey_replay_burst_size (c), ==, 20);
  for (guint i = 0; i < 12; i++)
    {
      memset (d, 0x22, sizeof d);
      memcpy (d, &i, sizeof i);
      g_assert_cmpint (imps_mikey_replay_insert_for (c, d, b, 8, 10, now, now), ==,
                       i < 10 ? IMPS_MIKEY_REPLAY_OK : IMPS_MIKEY_REPLAY_OWNER_FULL);
    }
  /* the pool comes back as its entries expire */
  g_assert_cmpuint (imps_mikey_replay_expire (c, now + ((guint64) SKEW << 32)), ==, 40);
  g_assert_cmpuint (imps_mikey_replay_burst_size (c), ==, 0);
  g_assert_cmpuint (imps_mikey_replay_size (c), ==, 0);

  /* memory: 200,000 entries of 1,000 owners, by the allocator's count */
  struct mallinfo2 before = mallinfo2 ();
  g_autoptr (ImpsMikeyReplay) big = imps_mikey_replay_new (1u << 21, SKEW);
  for (guint i = 0; i < 200000; i++)
    {
      gchar owner[16];
      g_snprintf (owner, sizeof owner, "user%u", i % 1000);
      imps_digest (IMPS_HASH_SHA256, (const guint8 *) &i, sizeof i, d);
      g_assert_cmpint (imps_mikey_replay_insert_for (big, d, (const guint8 *) owner,
                                                     strlen (owner), 16384, now, now), ==,
                       IMPS_MIKEY_REPLAY_OK);
    }
  struct mallinfo2 after = mallinfo2 ();
  /* small blocks plus mmapped ones (the table and heap arrays) */
  gsize b0 = before.uordblks + before.hblkhd, b1 = after.uordblks + after.hblkhd;
  gsize measured = b1 > b0 ? b1 - b0 : 0;
  gsize estimate = imps_mikey_replay_memory (big);
  g_test_message ("200000 entries: %" G_GSIZE_FORMAT " bytes measured (%" G_GSIZE_FORMAT
                  " a entry), %" G_GSIZE_FORMAT " estimated", measured, measured / 200000,
                  estimate);
  /* under sanitizers the allocator is replaced and glibc counts next to
   * nothing: compare only when the count saw the entries at all */
  if (measured >= (gsize) 200000 * 32)
    {
      g_assert_cmpuint (measured / 200000, <=, 128);
      g_assert_cmpuint (estimate, >=, measured / 2);
      g_assert_cmpuint (estimate, <=, measured * 2);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mikey/exchange/basic", test_basic);
  g_test_add_func ("/mikey/exchange/suite-256", test_suite_256);
  g_test_add_func ("/mikey/exchange/suite-follows-request", test_suite_follows_request);
  g_test_add_func ("/mikey/exchange/forking", test_forking);
  g_test_add_func ("/mikey/exchange/group", test_group);
  g_test_add_func ("/mikey/exchange/reuse", test_reuse);
  g_test_add_func ("/mikey/exchange/held-ticket-compact", test_held_ticket_compact);
  g_test_add_func ("/mikey/exchange/policy", test_policy);
  g_test_add_func ("/mikey/exchange/error-message", test_error_message);
  g_test_add_func ("/mikey/exchange/transfer-tamper", test_transfer_tamper);
  g_test_add_func ("/mikey/exchange/tpk-roll", test_tpk_roll);
  g_test_add_func ("/mikey/exchange/two-kms", test_two_kms);
  g_test_add_func ("/mikey/exchange/every-bit-flip", test_flips);
  g_test_add_func ("/mikey/exchange/csb-update", test_csb_update);
  g_test_add_func ("/mikey/replay/owners", test_replay_owners);
  for (guint i = 0; i < G_N_ELEMENTS (neg_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/mikey/exchange/negative/%s", neg_cases[i].name);
      g_test_add_data_func (path, &neg_cases[i], test_negative);
    }
  return g_test_run ();
}
