/* The known-answer vectors V1-V11 of mikey-ticket.md §18.2, from the one
 * table the self test also runs (imps_mikey_vectors()). These values were
 * computed by the digest's author with an independent implementation
 * (§18.2: self-computed, NON-NORMATIVE; no published MIKEY-TICKET vectors
 * exist). V11 is the whole 175-byte REQUEST_INIT_PSK, MAC included. */
#include "mikey/imps-mikey-dump.h"
#include "mikey/imps-mikey-exchange.h"
#include "imps-hex.h"
#include "imps-selftest.h"
#include "imps-test.h"

#include <string.h>

static void
test_vector (gconstpointer data)
{
  const ImpsMikeyVector *v = data;
  g_autoptr (GBytes) got = imps_mikey_vector_compute (v);

  g_assert_nonnull (got);
  g_assert_cmpuint (g_bytes_get_size (got), ==, v->out_len);
  imps_assert_hex (g_bytes_get_data (got, NULL), g_bytes_get_size (got), v->expected_hex);
}

/* V11: the MAC is the last 20 bytes and equals the digest's value; the
 * message parses back with the payloads the digest lists. */
static void
test_v11_structure (void)
{
  guint n;
  const ImpsMikeyVector *vecs = imps_mikey_vectors (&n);
  const ImpsMikeyVector *v11 = NULL;
  for (guint i = 0; i < n; i++)
    if (g_str_equal (vecs[i].name, "V11"))
      v11 = &vecs[i];
  g_assert_nonnull (v11);
  g_autoptr (GBytes) got = imps_mikey_vector_compute (v11);
  g_assert_nonnull (got);
  gsize len;
  const guint8 *b = g_bytes_get_data (got, &len);
  g_assert_cmpuint (len, ==, 175);
  /* mikey-ticket.md §18.2 V11: MAC = B738DB09... */
  imps_assert_hex (b + len - 20, 20, "B738DB098B9911DCB628CE5D2A2B867581CF8271");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (b, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->hdr.data_type, ==, IMPS_MIKEY_DATA_REQUEST_INIT_PSK);
  g_assert_true (m->hdr.v);
  g_assert_cmphex (m->hdr.csb_id, ==, 0x12345678);
  g_assert_nonnull (imps_mikey_message_find_idr (m, IMPS_MIKEY_ID_ROLE_PSK));
  /* and it verifies at a KMS with Ks_NAF = 40..5F at the same clock */
  guint8 ks[32];
  for (guint i = 0; i < 32; i++)
    ks[i] = 0x40 + i;
  g_assert_true (imps_mikey_initial_verify (m, ks, 32, "kms.example.org",
                                            G_GUINT64_CONSTANT (0xEC3F1E4F00000000), 300, NULL,
                                            &error));
  g_assert_no_error (error);
}

static void
report (const gchar *module, const gchar *name, gboolean ok, const gchar *detail, gpointer ud)
{
  if (!ok)
    g_test_message ("%s: %s: %s", module, name, detail);
}

static void
test_selftest (void)
{
  g_autoptr (ImpsSelftest) st = imps_selftest_new (report, NULL);
  guint n;
  imps_mikey_vectors (&n);
  g_assert_true (imps_selftest_run (st, "mikey"));
  g_assert_cmpuint (imps_selftest_failed (st), ==, 0);
  g_assert_cmpuint (imps_selftest_passed (st), ==, n);
}


/* ---- docs/test-vectors.md ---------------------------------------------
 *
 * The document is rebuilt here from fixed inputs (a seeded ImpsRandom and
 * a fixed clock) and compared with the committed file; with
 * IMPS_UPDATE_VECTORS=1 the file is rewritten. All values in it are
 * computed by this project. */

#define D_SEED 20260801
#define D_NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000)
#define D_SEC(n) ((guint64) (n) << 32)
#define D_KMS "kms.example.org"
#define D_ALICE "sip:alice@example.org"
#define D_BOB "sip:bob@example.org"
#define D_CAROL "sip:carol@example.org"
#define D_TEAM "sip:team@example.org"

typedef struct {
  const gchar *label;
  const gchar *uri;
  const gchar *btid;
  guint8 psk[32];
} DUe;

typedef struct {
  GString *out;
  ImpsRandom *rnd;
  ImpsMikeyTpk tpk;
  ImpsMikeyKms kms;
  ImpsMikeyKmsPolicy policy;
  DUe alice, bob, bob2, carol;
  guint64 clock;
  guint step;
} Doc;

static const gchar *const d_team[] = { D_ALICE, D_BOB, D_CAROL, NULL };
static const ImpsMikeyGroup d_groups[] = { { D_TEAM, d_team } };

static void
due_init (DUe *u, const gchar *label, const gchar *uri, const gchar *btid, guint8 first)
{
  u->label = label;
  u->uri = uri;
  u->btid = btid;
  for (guint i = 0; i < 32; i++)
    u->psk[i] = (guint8) (first + i);
}

static void
hex_block (GString *out, const guint8 *b, gsize len)
{
  g_autofree gchar *hex = imps_hex_encode (b, len);
  gsize n = strlen (hex);
  g_string_append (out, "```\n");
  for (gsize i = 0; i < n; i += 64)
    g_string_append_printf (out, "%.*s\n", (int) MIN (64, n - i), hex + i);
  g_string_append (out, "```\n");
}

static ImpsMikeyField *
open_ticket_hook (const ImpsMikeyPayload *ticket, gpointer user_data, GError **error)
{
  Doc *d = user_data;
  ImpsMikeyTicketContents c;
  ImpsMikeyField *root;

  if (!imps_mikey_base_ticket_open (ticket, &d->tpk, 1, &c, error))
    return NULL;
  root = imps_mikey_field_new ("mikey.ticket.opened", "Opened with the TPK", NULL);
  imps_mikey_field_add (root, "mikey.ticket.opened.tpk_index", "TPK index", "%u", c.key_index);
  for (guint i = 0; i < c.keys.n_mpks + c.keys.n_keys; i++)
    {
      const ImpsMikeySessionKey *k = i < c.keys.n_mpks ? &c.keys.mpks[i]
                                     : &c.keys.keys[i - c.keys.n_mpks];
      g_autofree gchar *key = imps_hex_encode (k->key, k->key_len);
      g_autofree gchar *spi = imps_hex_encode (k->spi, k->spi_len);
      imps_mikey_field_add (root, "mikey.ticket.opened.key", "Key", "%s %s SPI %s",
                            imps_mikey_key_type_name (k->type), key, spi);
    }
  imps_mikey_ticket_contents_clear (&c);
  return root;
}

static void
emit (Doc *d, const gchar *title, const ImpsMikeyMessage *m)
{
  ImpsMikeyDumpOptions opts = { open_ticket_hook, d };
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) parsed = imps_mikey_message_parse (m->body.raw, m->body.raw_len,
                                                                  &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyField) tree = imps_mikey_dump_message (parsed, &opts);
  g_autofree gchar *text = imps_mikey_field_to_text (tree);

  g_string_append_printf (d->out, "#### %s (%" G_GSIZE_FORMAT " bytes)\n\n", title,
                          m->body.raw_len);
  hex_block (d->out, m->body.raw, m->body.raw_len);
  g_string_append (d->out, "\nDecoded:\n\n```\n");
  g_string_append (d->out, text);
  if (text[0] != '\0' && text[strlen (text) - 1] != '\n')
    g_string_append_c (d->out, '\n');
  g_string_append (d->out, "```\n\n");
}

static guint64
tick (Doc *d)
{
  d->step++;
  return D_NOW + D_SEC (d->step);
}

static void
emit_keys (Doc *d, const gchar *who, const ImpsMikeySrtpKeys *k, guint n)
{
  g_string_append_printf (d->out, "SRTP master keys at %s (CS ID, SSRC, key, salt):\n\n```\n", who);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *key = imps_hex_encode (k[i].key, k[i].key_len);
      g_autofree gchar *salt = imps_hex_encode (k[i].salt, k[i].salt_len);
      g_string_append_printf (d->out, "CS %u  SSRC %08x  %s  %s\n", k[i].cs_id, k[i].ssrc, key,
                              salt);
    }
  g_string_append (d->out, "```\n\n");
}

static const DUe *
d_lookup (Doc *d, const ImpsMikeyMessage *m)
{
  const ImpsMikeyPayload *id = imps_mikey_message_find_idr (m, IMPS_MIKEY_ID_ROLE_PSK);
  const DUe *all[] = { &d->alice, &d->bob, &d->bob2, &d->carol };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (id != NULL && id->u.id.data.len == strlen (all[i]->btid)
        && memcmp (id->u.id.data.data, all[i]->btid, id->u.id.data.len) == 0)
      return all[i];
  g_assert_not_reached ();
}

static ImpsMikeyMessage *
d_kms (Doc *d, const ImpsMikeyMessage *sent, guint64 now)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) in = imps_mikey_message_parse (sent->body.raw, sent->body.raw_len,
                                                              &error);
  g_assert_no_error (error);
  const DUe *u = d_lookup (d, in);
  ImpsMikeyMessage *out;
  g_assert_true (imps_mikey_initial_verify (in, u->psk, 32, D_KMS, now, 300, NULL, &error));
  if (in->hdr.data_type == IMPS_MIKEY_DATA_REQUEST_INIT_PSK)
    out = imps_mikey_request_resp_build (&d->kms, &d->policy, in, u->psk, 32, now, d->rnd, &error);
  else
    out = imps_mikey_resolve_resp_build (&d->kms, &d->policy, in, u->psk, 32, now, d->rnd, NULL,
                                         &error);
  g_assert_no_error (error);
  return out;
}

static ImpsMikeyHeldTicket *
d_request (Doc *d, ImpsMikeyTp *tp)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyRequestParams p = { 0 };
  guint64 now = tick (d);
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = D_ALICE;
  p.kms_uri = D_KMS;
  p.psk_id = (const guint8 *) d->alice.btid;
  p.psk_id_len = strlen (d->alice.btid);
  p.desired = tp;
  g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&p, d->alice.psk, 32, now,
                                                                     d->rnd, &error);
  g_assert_no_error (error);
  emit (d, "REQUEST_INIT_PSK (alice to KMS)", req);
  g_autoptr (ImpsMikeyMessage) resp = d_kms (d, req, now);
  emit (d, "REQUEST_RESP (KMS to alice)", resp);
  ImpsMikeyHeldTicket *held = imps_mikey_request_resp_process (req, resp->body.raw,
                                                               resp->body.raw_len, d->alice.psk,
                                                               32, now, 300, &error);
  g_assert_no_error (error);
  return held;
}

static ImpsMikeyMessage *
d_transfer (Doc *d, ImpsMikeyHeldTicket *held, const gchar *to)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyTransferParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = D_ALICE;
  p.responder_uri = to;
  p.n_media = 1;
  p.ssrc[0] = 0x0a0a0a01;
  p.sdp_ids = "mikey";
  ImpsMikeyMessage *ti = imps_mikey_transfer_init_build (held, &p, tick (d), d->rnd, &error);
  g_assert_no_error (error);
  emit (d, "TRANSFER_INIT (alice to the callee, in the SDP offer)", ti);
  return ti;
}

static void
d_answer_csb (Doc *d, ImpsMikeyHeldTicket *held, const ImpsMikeyMessage *ti_sent, const DUe *u,
              ImpsMikeyCsb *csb_i, ImpsMikeyCsb *csb_r)
{
  g_autoptr (GError) error = NULL;
  guint64 now = tick (d);
  ImpsMikeySrtpKeys kr[IMPS_MIKEY_MAX_CS], ki[IMPS_MIKEY_MAX_CS];
  guint nr = 0, ni = 0;
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_precheck (ti_sent->body.raw,
                                                                       ti_sent->body.raw_len,
                                                                       u->uri, now, 300, NULL,
                                                                       &error);
  g_assert_no_error (error);
  ImpsMikeyResolveParams rp = { u->uri, D_KMS, (const guint8 *) u->btid, strlen (u->btid) };
  g_autoptr (ImpsMikeyMessage) ri = imps_mikey_resolve_init_build (ti, &rp, u->psk, 32, now,
                                                                    d->rnd, &error);
  g_assert_no_error (error);
  g_autofree gchar *t1 = g_strdup_printf ("RESOLVE_INIT_PSK (%s to KMS)", u->label);
  emit (d, t1, ri);
  g_autoptr (ImpsMikeyMessage) rr = d_kms (d, ri, now);
  g_autofree gchar *t2 = g_strdup_printf ("RESOLVE_RESP (KMS to %s)", u->label);
  emit (d, t2, rr);
  g_autoptr (ImpsMikeyResolved) res = imps_mikey_resolve_resp_process (ri, rr->body.raw,
                                                                       rr->body.raw_len, u->psk,
                                                                       32, ti, u->uri, now, 300,
                                                                       NULL, &error);
  g_assert_no_error (error);
  guint32 ssrc[1] = { 0x0b0b0b01 };
  g_autoptr (ImpsMikeyMessage) tr = imps_mikey_transfer_resp_build (ti, res, u->uri, ssrc, 1, now,
                                                                    d->rnd, kr, &nr, csb_r, &error);
  g_assert_no_error (error);
  g_autofree gchar *t3 = g_strdup_printf ("TRANSFER_RESP (%s to alice, in the SDP answer)",
                                          u->label);
  emit (d, t3, tr);
  g_assert_true (imps_mikey_transfer_resp_process (held, ti_sent, tr->body.raw, tr->body.raw_len,
                                                   now, 300, ki, &ni, csb_i, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ni, ==, nr);
  for (guint i = 0; i < ni; i++)
    {
      g_assert_cmpmem (ki[i].key, ki[i].key_len, kr[i].key, kr[i].key_len);
      g_assert_cmpmem (ki[i].salt, ki[i].salt_len, kr[i].salt, kr[i].salt_len);
    }
  g_autofree gchar *who = g_strdup_printf ("alice and %s (equal at both ends)", u->label);
  emit_keys (d, who, kr, nr);
  imps_mikey_srtp_keys_clear (kr, nr);
  imps_mikey_srtp_keys_clear (ki, ni);
}

static void
d_answer (Doc *d, ImpsMikeyHeldTicket *held, const ImpsMikeyMessage *ti_sent, const DUe *u)
{
  d_answer_csb (d, held, ti_sent, u, NULL, NULL);
}

static void
psk_line (GString *out, const DUe *u)
{
  g_autofree gchar *hex = imps_hex_encode (u->psk, 32);
  g_string_append_printf (out, "| %s | `%s` | `%s` | `%s` |\n", u->label, u->uri, u->btid, hex);
}

static gchar *
build_document (void)
{
  Doc d;
  g_autoptr (GError) error = NULL;
  ImpsMikeyTp tp;

  memset (&d, 0, sizeof d);
  d.out = g_string_new (NULL);
  d.rnd = imps_random_new_seeded (D_SEED);
  d.tpk.index = 1;
  d.tpk.key_len = 16;
  for (guint i = 0; i < 16; i++)
    d.tpk.key[i] = (guint8) (0x60 + i);
  d.kms.kms_uri = D_KMS;
  d.kms.tpk = &d.tpk;
  d.kms.tpks = &d.tpk;
  d.kms.n_tpks = 1;
  imps_mikey_suite_init (&d.kms.suite, FALSE);
  d.kms.skew = 300;
  imps_mikey_kms_policy_init_default (&d.policy, "example.org");
  d.policy.groups = d_groups;
  d.policy.n_groups = 1;
  due_init (&d.alice, "alice", D_ALICE, "alice-btid@bsf.example.org", 0x40);
  due_init (&d.bob, "bob", D_BOB, "bob-btid@bsf.example.org", 0x60);
  due_init (&d.bob2, "bob (second device)", D_BOB, "bob2-btid@bsf.example.org", 0x80);
  due_init (&d.carol, "carol", D_CAROL, "carol-btid@bsf.example.org", 0xA0);

  GString *o = d.out;
  g_string_append (o,
    "# MIKEY-TICKET test vectors\n\n"
    "**Computed by this project (impsim).** No published MIKEY-TICKET test vectors exist\n"
    "(`mikey-ticket.md` §18.1); these are our own, from fixed inputs, for regression and for\n"
    "anyone checking another implementation against this simulator's reading of RFC 6043 and\n"
    "`docs/profile.md`. They are not normative. The known-answer values V1-V11 of\n"
    "`mikey-ticket.md` §18.2 (also self-computed, by the digest's author) are checked by\n"
    "`tests/mikey/test-mikey-vectors.c` and `impsim tool selftest`.\n\n"
    "This file is generated and checked by `tests/mikey/test-mikey-vectors.c` (test\n"
    "`/mikey/vectors/document`): it fails when the file differs from what the code produces.\n"
    "Regenerate with `IMPS_UPDATE_VECTORS=1 meson test -C build mikey-vectors`.\n\n"
    "## Inputs\n\n");
  g_string_append_printf (o,
    "- Random source: `imps_random_new_seeded (%u)` (AES-128-CTR under SHA-256(\"impsim-random\" ||\n"
    "  seed), `src/core/common/imps-random.h`); every CSB ID, RAND, MPK, TGK, SPI and SSRC not\n"
    "  listed below is drawn from it, in the order the messages are built.\n"
    "- Clock: NTP time `EC3F1E4F00000000` plus one second per step (each request, transfer and\n"
    "  answer is one step); skew window 300 s.\n"
    "- Suite: PRF MIKEY-1, KEMAC AES-CM-128, V HMAC-SHA-1-160, 16-byte RANDs (profile §3).\n"
    "- KMS: `%s`, TPK index 1 = `606162636465666768696a6b6c6d6e6f`; default policy of profile §3\n"
    "  for domain `example.org`; group `%s` = {`%s`, `%s`, `%s`}.\n"
    "- Offerer SSRC `0a0a0a01` (CS 1), answerer SSRC `0b0b0b01` (CS 2); one m-line.\n\n"
    "| user | identity (IDRi/IDRr) | B-TID (IDRpsk) | Ks_NAF (PSK) |\n|---|---|---|---|\n",
    D_SEED, D_KMS, D_TEAM, D_ALICE, D_BOB, D_CAROL);
  psk_line (o, &d.alice);
  psk_line (o, &d.bob);
  psk_line (o, &d.bob2);
  psk_line (o, &d.carol);
  g_string_append (o,
    "\nEach message is given in hex and decoded by `imps_mikey_dump_message()` (the decoder\n"
    "of `impsim decode`); TICKETs are also shown opened with the TPK.\n\n");

  /* 1. basic */
  g_string_append (o, "## 1. A call without forking (alice calls bob)\n\n");
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, D_BOB);
  ImpsMikeyHeldTicket *h1 = d_request (&d, &tp);
  g_autoptr (ImpsMikeyMessage) ti1 = d_transfer (&d, h1, D_BOB);
  d_answer (&d, h1, ti1, &d.bob);

  /* 4. reuse of the same ticket */
  g_string_append (o, "## 2. The same ticket reused (J = 1): a second call to bob\n\n"
                   "New CSB ID, T, RANDRi and RANDRr; no new Ticket Request.\n\n");
  g_autoptr (ImpsMikeyMessage) ti1b = d_transfer (&d, h1, D_BOB);
  d_answer (&d, h1, ti1b, &d.bob);
  imps_mikey_held_ticket_free (h1);

  /* 2. forking */
  g_string_append (o, "## 3. A forked call (I = 1): two devices of bob answer\n\n"
                   "Each answering device gets its own MPKr' and TGK' (RANDRkms differs).\n\n");
  imps_mikey_tp_init_default (&tp, 0, TRUE);
  imps_mikey_tp_add_responder (&tp, D_BOB);
  ImpsMikeyHeldTicket *h2 = d_request (&d, &tp);
  g_autoptr (ImpsMikeyMessage) ti2 = d_transfer (&d, h2, D_BOB);
  d_answer (&d, h2, ti2, &d.bob);
  d_answer (&d, h2, ti2, &d.bob2);
  imps_mikey_held_ticket_free (h2);

  /* 3. group */
  g_string_append (o, "## 4. A group ticket: alice calls the group, carol answers\n\n");
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, D_TEAM);
  /* profile §3: a user may request tickets only for groups it belongs to */
  ImpsMikeyHeldTicket *h3 = d_request (&d, &tp);
  g_autoptr (ImpsMikeyMessage) ti3 = d_transfer (&d, h3, D_TEAM);
  d_answer (&d, h3, ti3, &d.carol);
  imps_mikey_held_ticket_free (h3);

  /* 5. CSB update */
  g_string_append (o, "## 5. A CSB update: alice adds a second m-line to a call with bob\n\n"
                   "Same CSB ID, new T, no RANDs, TICKET or KEMAC; protected with the keys of the\n"
                   "call's TRANSFER_RESP (A-23). CS 1 and 2 keep their keys; CS 3 and 4 are new.\n\n");
  {
    ImpsMikeyCsb ci, cr;
    ImpsMikeySrtpKeys ur[IMPS_MIKEY_MAX_CS], ui[IMPS_MIKEY_MAX_CS];
    guint nur = 0, nui = 0;
    guint32 sa[2] = { 0x0a0a0a01, 0x0a0a0a02 }, sb[2] = { 0x0b0b0b01, 0x0b0b0b02 };
    imps_mikey_tp_init_default (&tp, 0, FALSE);
    imps_mikey_tp_add_responder (&tp, D_BOB);
    ImpsMikeyHeldTicket *h4 = d_request (&d, &tp);
    g_autoptr (ImpsMikeyMessage) ti4 = d_transfer (&d, h4, D_BOB);
    d_answer_csb (&d, h4, ti4, &d.bob, &ci, &cr);
    guint64 now = tick (&d);
    g_autoptr (ImpsMikeyMessage) up = imps_mikey_csb_update_init_build (&ci, 2, sa, now, &error);
    g_assert_no_error (error);
    emit (&d, "TRANSFER_INIT, CSB update (alice to bob)", up);
    g_autoptr (ImpsMikeyMessage) ua = imps_mikey_csb_update_resp_build (&cr, up->body.raw,
                                                                        up->body.raw_len, sb, 2,
                                                                        now, 300, ur, &nur,
                                                                        &error);
    g_assert_no_error (error);
    emit (&d, "TRANSFER_RESP, CSB update (bob to alice)", ua);
    g_assert_true (imps_mikey_csb_update_resp_process (&ci, up, ua->body.raw, ua->body.raw_len,
                                                       now, 300, ui, &nui, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (nui, ==, nur);
    for (guint i = 0; i < nui; i++)
      g_assert_cmpmem (ui[i].key, ui[i].key_len, ur[i].key, ur[i].key_len);
    emit_keys (&d, "alice and bob after the update (equal at both ends)", ur, nur);
    imps_mikey_srtp_keys_clear (ur, nur);
    imps_mikey_srtp_keys_clear (ui, nui);
    imps_mikey_csb_clear (&ci);
    imps_mikey_csb_clear (&cr);
    imps_mikey_held_ticket_free (h4);
  }

  /* 6. an Error */
  g_string_append (o, "## 6. An Error message\n\n"
                   "The KMS refuses a REQUEST_INIT_PSK for a responder outside its domain with ERR 15\n"
                   "(Invalid TPpar), V keyed like the request (profile §10).\n\n");
  {
    ImpsMikeyRequestParams p = { 0 };
    ImpsMikeyTp bad;
    ImpsMikeyMsgKeys ek;
    guint64 now = tick (&d);
    imps_mikey_tp_init_default (&bad, 0, FALSE);
    imps_mikey_tp_add_responder (&bad, "sip:eve@other.example");
    imps_mikey_suite_init (&p.suite, FALSE);
    p.initiator_uri = D_ALICE;
    p.kms_uri = D_KMS;
    p.psk_id = (const guint8 *) d.alice.btid;
    p.psk_id_len = strlen (d.alice.btid);
    p.desired = &bad;
    g_autoptr (ImpsMikeyMessage) req = imps_mikey_request_init_build (&p, d.alice.psk, 32, now,
                                                                       d.rnd, &error);
    g_assert_no_error (error);
    emit (&d, "REQUEST_INIT_PSK (alice to KMS, responder outside the domain)", req);
    g_autoptr (ImpsMikeyMessage) at_kms = imps_mikey_message_parse (req->body.raw,
                                                                    req->body.raw_len, &error);
    g_assert_no_error (error);
    g_assert_null (imps_mikey_request_resp_build (&d.kms, &d.policy, at_kms, d.alice.psk, 32, now,
                                                  d.rnd, &error));
    g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR);
    guint8 code = imps_mikey_error_to_err_no (error->code);
    g_clear_error (&error);
    g_assert_true (imps_mikey_error_keys (req, d.alice.psk, 32, &ek, &error));
    g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_build (&req->hdr, &code, 1, &ek, now,
                                                              &error);
    g_assert_no_error (error);
    emit (&d, "Error (KMS to alice)", em);
    imps_mikey_msg_keys_clear (&ek);
  }
  imps_random_free (d.rnd);
  return g_string_free (d.out, FALSE);
}

static void
test_document (void)
{
  const gchar *src = g_getenv ("G_TEST_SRCDIR");
  g_autofree gchar *text = build_document ();
  g_autofree gchar *again = build_document ();
  g_autofree gchar *path = NULL;
  g_autofree gchar *have = NULL;
  gsize len = 0;

  /* deterministic: the same inputs give the same document */
  g_assert_cmpstr (text, ==, again);
  if (src == NULL)
    {
      g_test_skip ("G_TEST_SRCDIR not set");
      return;
    }
  path = g_build_filename (src, "..", "docs", "test-vectors.md", NULL);
  if (g_getenv ("IMPS_UPDATE_VECTORS") != NULL)
    g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (g_file_get_contents (path, &have, &len, NULL));
  g_assert_cmpstr (have, ==, text);
}

int
main (int argc, char **argv)
{
  guint n;
  const ImpsMikeyVector *vecs = imps_mikey_vectors (&n);

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/mikey/vectors/%s", vecs[i].name);
      g_test_add_data_func (path, &vecs[i], test_vector);
    }
  g_test_add_func ("/mikey/vectors/v11-structure", test_v11_structure);
  g_test_add_func ("/mikey/vectors/selftest", test_selftest);
  g_test_add_func ("/mikey/vectors/document", test_document);
  return g_test_run ();
}
