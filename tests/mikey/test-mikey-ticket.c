/* The MIKEY base ticket (RFC 6043 App. A; mikey-ticket.md §9), TP policy
 * and Initiator Data. All keys and RANDs here are inputs chosen by this
 * project; expected values are computed by this project (round trips,
 * tamper detection), except where a digest section is named.
 *
 * Also keeps the fuzz seed corpus fuzz/mikey/corpus/mikey-ticket/ in step
 * with the builder: the seeds are rebuilt from fixed inputs and compared
 * with the committed files; IMPS_UPDATE_CORPUS=1 rewrites them. */
#include "mikey/imps-mikey-ticket.h"
#include "mikey/imps-mikey-message.h"
#include "imps-secret.h"
#include "imps-test.h"

#include <string.h>

#define NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000)

typedef struct {
  ImpsMikeyTpk tpk;
  ImpsMikeyTp tp;
  ImpsMikeyKeySet set;
  guint8 rand[16];
  GBytes *tp_data;
  GBytes *ticket_data;
  GByteArray *payload;   /* the whole TICKET payload, Next Payload byte first */
} Fixture;

/* The fuzz target's TPK (fuzz/mikey/fuzz-mikey-ticket.c uses the same). */
static void
fixed_tpk (ImpsMikeyTpk *tpk)
{
  memset (tpk, 0, sizeof *tpk);
  tpk->index = 1;
  tpk->key_len = 16;
  for (guint i = 0; i < 16; i++)
    tpk->key[i] = (guint8) (0x60 + i);
}

static void
fixture_build (Fixture *f, gboolean forking, guint n_keys, guint encr_alg, guint mac_alg,
               const gchar *psk_id)
{
  g_autoptr (GError) error = NULL;

  memset (f, 0, sizeof *f);
  fixed_tpk (&f->tpk);
  imps_mikey_tp_init_default (&f->tp, 0, forking);
  f->tp.kms_id.data = (const guint8 *) "kms.example.org";
  f->tp.kms_id.len = 15;
  f->tp.initiator_id.data = (const guint8 *) "sip:alice@example.org";
  f->tp.initiator_id.len = 21;
  f->tp.valid_from = NOW;
  f->tp.valid_to = NOW + ((guint64) 3600 << 32);
  imps_mikey_tp_add_responder (&f->tp, "sip:bob@example.org");
  for (guint i = 0; i < 16; i++)
    f->rand[i] = (guint8) (0x50 + i);
  f->set.n_mpks = 1;
  f->set.mpks[0].type = IMPS_MIKEY_KEY_MPK;
  f->set.mpks[0].key_len = 16;
  f->set.mpks[0].spi_len = 4;
  for (guint i = 0; i < 16; i++)
    f->set.mpks[0].key[i] = (guint8) (0x30 + i);
  f->set.n_keys = n_keys;
  for (guint k = 0; k < n_keys; k++)
    {
      ImpsMikeySessionKey *sk = &f->set.keys[k];
      sk->type = k == 1 ? IMPS_MIKEY_KEY_TGK_SALT : k == 2 ? IMPS_MIKEY_KEY_GTGK
                 : IMPS_MIKEY_KEY_TGK;
      sk->key_len = 16;
      for (guint i = 0; i < 16; i++)
        sk->key[i] = (guint8) (16 * k + i);
      if (sk->type == IMPS_MIKEY_KEY_TGK_SALT)
        {
          sk->salt_len = 14;
          memset (sk->salt, 0x5A, 14);
        }
      sk->spi_len = 4;
      sk->spi[3] = (guint8) (k + 1);
    }
  f->tp_data = imps_mikey_tp_data_build (&f->tp, FALSE, &error);
  g_assert_no_error (error);
  f->ticket_data = imps_mikey_base_ticket_build (&f->tpk, &f->tp, f->tp_data, NOW, f->rand, 16,
                                                 &f->set, encr_alg, mac_alg,
                                                 (const guint8 *) psk_id,
                                                 psk_id != NULL ? strlen (psk_id) : 0, &error);
  g_assert_no_error (error);
  ImpsMikeyPayload p = imps_mikey_tp_payload (IMPS_MIKEY_PAYLOAD_TICKET, &f->tp, f->tp_data,
                                              f->ticket_data, NULL, 0);
  f->payload = g_byte_array_new ();
  g_assert_true (imps_mikey_payload_write (&p, IMPS_MIKEY_PAYLOAD_LAST, f->payload, &error));
  g_assert_no_error (error);
}

static void
fixture_clear (Fixture *f)
{
  g_bytes_unref (f->tp_data);
  g_bytes_unref (f->ticket_data);
  g_byte_array_unref (f->payload);
  imps_mikey_key_set_clear (&f->set);
}

static void
assert_same_key (const ImpsMikeySessionKey *a, const ImpsMikeySessionKey *b)
{
  g_assert_cmpuint (a->type, ==, b->type);
  g_assert_cmpmem (a->key, a->key_len, b->key, b->key_len);
  g_assert_cmpmem (a->salt, a->salt_len, b->salt, b->salt_len);
  g_assert_cmpmem (a->spi, a->spi_len, b->spi, b->spi_len);
}

static void
round_trip (guint encr_alg, guint mac_alg, guint n_keys, const gchar *psk_id)
{
  Fixture f;
  ImpsMikeyTicketContents c;
  g_autoptr (GError) error = NULL;

  fixture_build (&f, FALSE, n_keys, encr_alg, mac_alg, psk_id);
  g_assert_true (imps_mikey_base_ticket_open_bytes (f.payload->data, f.payload->len, &f.tpk, 1,
                                                    &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.key_index, ==, 1);
  g_assert_cmphex (c.t, ==, NOW);
  g_assert_cmpmem (c.rand, c.rand_len, f.rand, 16);
  g_assert_cmpuint (c.encr_alg, ==, encr_alg);
  g_assert_cmpuint (c.mac_alg, ==, mac_alg);
  g_assert_cmpuint (c.keys.n_mpks, ==, 1);
  assert_same_key (&c.keys.mpks[0], &f.set.mpks[0]);
  g_assert_cmpuint (c.keys.n_keys, ==, n_keys);
  for (guint k = 0; k < n_keys; k++)
    assert_same_key (&c.keys.keys[k], &f.set.keys[k]);
  g_assert_true (c.has_psk_id == (psk_id != NULL));
  if (psk_id != NULL)
    g_assert_cmpmem (c.psk_id, c.psk_id_len, psk_id, strlen (psk_id));
  imps_mikey_ticket_contents_clear (&c);
  fixture_clear (&f);
}

static void
test_round_trip (void)
{
  round_trip (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160, 1, NULL);
  round_trip (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160, 3, "btid@bsf");
  round_trip (IMPS_MIKEY_ENCR_AES_CM_256, IMPS_MIKEY_MAC_HMAC_SHA256_256, 2, NULL);
  /* an MPK only, no session key */
  round_trip (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160, 0, NULL);
}

/* Every single-bit flip of the bytes the V MAC covers (§7: Ticket Type to
 * the end of Ticket Data) is refused; the Next Payload byte is not
 * covered. */
static void
test_tamper (void)
{
  Fixture f;
  ImpsMikeyTicketContents c;

  fixture_build (&f, FALSE, 1, IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL);
  for (guint i = 1; i + 2 < f.payload->len; i++) /* the last 2 bytes: Initiator Data length */
    {
      g_autoptr (GError) error = NULL;
      g_autofree guint8 *bad = g_memdup2 (f.payload->data, f.payload->len);
      bad[i] ^= 0x04;
      g_assert_false (imps_mikey_base_ticket_open_bytes (bad, f.payload->len, &f.tpk, 1, &c,
                                                         &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == IMPS_MIKEY_ERROR);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autofree guint8 *other = g_memdup2 (f.payload->data, f.payload->len);
    other[0] = IMPS_MIKEY_PAYLOAD_V;
    g_assert_true (imps_mikey_base_ticket_open_bytes (other, f.payload->len, &f.tpk, 1, &c,
                                                      &error));
    g_assert_no_error (error);
    imps_mikey_ticket_contents_clear (&c);
  }
  /* the TP is covered: a flipped flag byte is an authentication failure */
  {
    g_autoptr (GError) error = NULL;
    g_autofree guint8 *bad = g_memdup2 (f.payload->data, f.payload->len);
    bad[6] ^= 0x08; /* the I flag */
    g_assert_false (imps_mikey_base_ticket_open_bytes (bad, f.payload->len, &f.tpk, 1, &c,
                                                       &error));
    g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
  }
  fixture_clear (&f);
}

static void
test_wrong_key (void)
{
  Fixture f;
  ImpsMikeyTicketContents c;
  ImpsMikeyTpk other;
  g_autoptr (GError) error = NULL;

  fixture_build (&f, FALSE, 1, IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL);
  other = f.tpk;
  other.key[0] ^= 1;
  g_assert_false (imps_mikey_base_ticket_open_bytes (f.payload->data, f.payload->len, &other, 1,
                                                     &c, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  other = f.tpk;
  other.index = 2;
  g_assert_false (imps_mikey_base_ticket_open_bytes (f.payload->data, f.payload->len, &other, 1,
                                                     &c, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TICKET);
  g_clear_error (&error);
  /* Ticket Type 2 (3GPP base ticket): not this ticket, ERR 14 */
  g_autofree guint8 *t2 = g_memdup2 (f.payload->data, f.payload->len);
  t2[2] = 2;
  g_assert_false (imps_mikey_base_ticket_open_bytes (t2, f.payload->len, &f.tpk, 1, &c, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TICKET);
  g_assert_cmpuint (imps_mikey_error_to_err_no (error->code), ==, 14);
  fixture_clear (&f);
}

/* The TP round trip through TP Data, with the A-7 desired KEMAC and the A-18
 * NTP-UTC-32 validity. */
static void
test_tp_round_trip (void)
{
  ImpsMikeyTp tp, back;
  g_autoptr (GError) error = NULL;

  imps_mikey_tp_init_default (&tp, 1, TRUE);
  tp.kms_id.data = (const guint8 *) "kms.example.org";
  tp.kms_id.len = 15;
  tp.valid_from = NOW;
  tp.valid_to = NOW + ((guint64) 60 << 32);
  tp.rekey_interval = 30;
  tp.n_desired = 2;
  tp.desired[0].type = IMPS_MIKEY_KEY_TGK;
  tp.desired[0].len = 16;
  tp.desired[1].type = IMPS_MIKEY_KEY_TEK_SALT;
  tp.desired[1].len = 32;
  imps_mikey_tp_add_responder (&tp, "sip:bob@example.org");
  imps_mikey_tp_add_responder (&tp, "sip:carol@example.org");
  g_autoptr (GBytes) tp_data = imps_mikey_tp_data_build (&tp, TRUE, &error);
  g_assert_no_error (error);
  ImpsMikeyPayload p = imps_mikey_tp_payload (IMPS_MIKEY_PAYLOAD_TP, &tp, tp_data, NULL, NULL, 0);
  g_autoptr (ImpsMikeyChain) chain = imps_mikey_chain_new ();
  imps_mikey_chain_add (chain, &p);
  gsize len = 0;
  const guint8 *raw = imps_mikey_chain_serialize (chain, IMPS_MIKEY_CHAIN_TYPED, &len, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyChain) parsed = imps_mikey_chain_parse (raw, len, IMPS_MIKEY_CHAIN_TYPED,
                                                              &error);
  g_assert_no_error (error);
  const ImpsMikeyPayload *pp = imps_mikey_chain_find (parsed, IMPS_MIKEY_PAYLOAD_TP, 0);
  g_assert_nonnull (pp);
  g_assert_true (imps_mikey_tp_read (&pp->u.ticket, &back, &error));
  g_assert_no_error (error);
  g_assert_cmphex (back.flags, ==, tp.flags);
  g_assert_cmpuint (back.prf, ==, 1);
  g_assert_cmphex (back.valid_from, ==, tp.valid_from);
  g_assert_cmphex (back.valid_to, ==, tp.valid_to);
  g_assert_cmpuint (back.rekey_interval, ==, 30);
  g_assert_cmpuint (back.n_desired, ==, 2);
  g_assert_cmpuint (back.desired[1].type, ==, IMPS_MIKEY_KEY_TEK_SALT);
  g_assert_cmpuint (back.desired[1].len, ==, 32);
  g_assert_cmpuint (back.n_responders, ==, 2);
  g_assert_true (imps_mikey_tp_has_responder (&back, (const guint8 *) "sip:carol@example.org", 21));
  g_assert_false (imps_mikey_tp_has_responder (&back, (const guint8 *) "sip:dave@example.org", 20));
  g_assert_cmpmem (back.kms_id.data, back.kms_id.len, "kms.example.org", 15);
}

/* §4.16 flag dependencies; the §17.3 defaults pass. */
static void
test_flags (void)
{
  static const struct { guint32 flags; gboolean ok; } cases[] = {
    { 0x1F460, TRUE },                              /* 01 F4 60: the default */
    { 0x1FC60, TRUE },                              /* with forking */
    { 0x0F460, FALSE },                             /* !D without L */
    { 0x0F560, TRUE },                              /* !D with L */
    { 0x1B460, FALSE },                             /* G without F */
    { 0x1C460, FALSE },                             /* neither G nor H */
    { 0x17C60, FALSE },                             /* I without E */
    { 0x1F4E0, TRUE },                              /* M with F */
    { 0x134E0, FALSE },                             /* M without F (G off, H on) */
    { 0x0F660, FALSE },                             /* K without D */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = imps_mikey_tp_check_flags (cases[i].flags, &error);
      g_assert_true (ok == cases[i].ok);
      if (!ok)
        g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR);
    }
}

static void
test_initiator_data (void)
{
  guint8 mpkr[16], vi[20];
  g_autoptr (GByteArray) id = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  const guint8 *vi_back = NULL;
  guint8 alg = 0;

  for (guint i = 0; i < 16; i++)
    mpkr[i] = (guint8) (0x20 + i);
  memset (vi, 0xAB, sizeof vi);
  g_assert_true (imps_mikey_initiator_data_build (0, mpkr, 16, 1, vi, id, &error));
  g_assert_cmpuint (id->len, ==, 1 + 22 + 22);
  /* layout: 09 | 09 01 Vi | 00 01 Vr */
  g_assert_cmpuint (id->data[0], ==, 9);
  g_assert_cmpuint (id->data[1], ==, 9);
  g_assert_cmpuint (id->data[23], ==, 0);
  g_assert_true (imps_mikey_initiator_data_verify (0, mpkr, 16, id->data, id->len, &vi_back,
                                                   &alg, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (vi_back, 20, vi, 20);
  g_assert_cmpuint (alg, ==, 1);
  for (guint i = 0; i < id->len; i++)
    {
      g_autofree guint8 *bad = g_memdup2 (id->data, id->len);
      bad[i] ^= 0x01;
      g_clear_error (&error);
      g_assert_false (imps_mikey_initiator_data_verify (0, mpkr, 16, bad, id->len, &vi_back, &alg,
                                                        &error));
      g_assert_nonnull (error);
    }
  g_clear_error (&error);
  g_assert_false (imps_mikey_initiator_data_verify (0, mpkr, 16, id->data, id->len - 1, &vi_back,
                                                    &alg, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
}

/* Key sets: MPK first, SPI on every key (RFC 6043 §6.2.1). */
static void
test_key_set (void)
{
  ImpsMikeyKeySet set, back;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  memset (&set, 0, sizeof set);
  set.n_mpks = 2;
  for (guint m = 0; m < 2; m++)
    {
      set.mpks[m].type = IMPS_MIKEY_KEY_MPK;
      set.mpks[m].key_len = 16;
      set.mpks[m].key[0] = (guint8) (m + 1);
      set.mpks[m].spi_len = 1;
    }
  set.n_keys = 1;
  set.keys[0].type = IMPS_MIKEY_KEY_TGK;
  set.keys[0].key_len = 16;
  set.keys[0].spi_len = 4;
  g_assert_true (imps_mikey_key_set_write (&set, out, &error));
  g_assert_true (imps_mikey_key_set_read (out->data, out->len, 2, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.n_mpks, ==, 2);
  g_assert_cmpuint (back.mpks[1].key[0], ==, 2);
  g_assert_cmpuint (back.n_keys, ==, 1);
  /* read with no MPK expected: the leading MPK is refused */
  g_assert_false (imps_mikey_key_set_read (out->data, out->len, 0, &back, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
  g_clear_error (&error);
  /* a key without SPI is refused */
  ImpsMikeyKeyData kd = { 0 };
  guint8 key[16] = { 0 };
  kd.type = IMPS_MIKEY_KEY_MPK;
  kd.kv = IMPS_MIKEY_KV_NULL;
  kd.key.data = key;
  kd.key.len = 16;
  g_byte_array_set_size (out, 0);
  g_assert_true (imps_mikey_key_data_write (&kd, 1, out, &error));
  g_assert_false (imps_mikey_key_set_read (out->data, out->len, 1, &back, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
  g_clear_error (&error);
  /* ten TGKs and no MPK: more session keys than a key set holds is refused
   * (it overflowed the set's key array; found by fuzz-mikey-ticket) */
  ImpsMikeyKeyData many[10];
  guint8 spi[4] = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    {
      memset (&many[i], 0, sizeof many[i]);
      many[i].type = IMPS_MIKEY_KEY_TGK;
      many[i].kv = IMPS_MIKEY_KV_SPI;
      many[i].key.data = key;
      many[i].key.len = 16;
      many[i].spi.data = spi;
      many[i].spi.len = sizeof spi;
    }
  g_byte_array_set_size (out, 0);
  g_assert_true (imps_mikey_key_data_write (many, G_N_ELEMENTS (many), out, &error));
  for (guint m = 0; m <= 1; m++)
    {
      g_assert_false (imps_mikey_key_set_read (out->data, out->len, m, &back, &error));
      g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
      g_assert_nonnull (strstr (error->message, "session keys"));
      g_clear_error (&error);
    }
  imps_mikey_key_set_clear (&set);
}

/* ---- fuzz corpus ----------------------------------------------------- */

/* Mode byte first: 0 = TICKET payload, 1 = key-data chain, 2 = Initiator
 * Data (fuzz/mikey/fuzz-mikey-ticket.c). */
static GBytes *
seed (guint8 mode, const guint8 *data, gsize len)
{
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, &mode, 1);
  g_byte_array_append (b, data, len);
  return g_byte_array_free_to_bytes (b);
}

static void
test_corpus (void)
{
  const gchar *src = g_getenv ("G_TEST_SRCDIR");
  gboolean update = g_getenv ("IMPS_UPDATE_CORPUS") != NULL;
  g_autofree gchar *dir = NULL;
  struct { const gchar *name; GBytes *bytes; } seeds[6];
  guint n = 0;
  Fixture f;

  if (src == NULL)
    {
      g_test_skip ("G_TEST_SRCDIR not set");
      return;
    }
  dir = g_build_filename (src, "..", "fuzz", "mikey", "corpus", "mikey-ticket", NULL);
  fixture_build (&f, FALSE, 1, IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL);
  seeds[n].name = "ticket-basic";
  seeds[n++].bytes = seed (0, f.payload->data, f.payload->len);
  fixture_clear (&f);
  fixture_build (&f, TRUE, 3, IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160,
                 "ZmFrZVJBTkQ=@bsf.example.org");
  seeds[n].name = "ticket-fork-3keys-pskid";
  seeds[n++].bytes = seed (0, f.payload->data, f.payload->len);
  {
    g_autoptr (GByteArray) kd = g_byte_array_new ();
    g_assert_true (imps_mikey_key_set_write (&f.set, kd, NULL));
    seeds[n].name = "keydata-mpk-3keys";
    seeds[n++].bytes = seed (1, kd->data, kd->len);
    imps_wipe (kd->data, kd->len);
  }
  fixture_clear (&f);
  fixture_build (&f, FALSE, 2, IMPS_MIKEY_ENCR_AES_CM_256, IMPS_MIKEY_MAC_HMAC_SHA256_256, NULL);
  seeds[n].name = "ticket-256";
  seeds[n++].bytes = seed (0, f.payload->data, f.payload->len);
  fixture_clear (&f);
  {
    guint8 mpkr[16], vi[20];
    g_autoptr (GByteArray) id = g_byte_array_new ();
    for (guint i = 0; i < 16; i++)
      mpkr[i] = (guint8) (0x20 + i);
    memset (vi, 0xAB, sizeof vi);
    g_assert_true (imps_mikey_initiator_data_build (0, mpkr, 16, 1, vi, id, NULL));
    seeds[n].name = "initiator-data";
    seeds[n++].bytes = seed (2, id->data, id->len);
  }
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *path = g_build_filename (dir, seeds[i].name, NULL);
      gsize len = 0;
      g_autofree gchar *have = NULL;
      if (update)
        {
          g_mkdir_with_parents (dir, 0755);
          g_assert_true (g_file_set_contents (path, g_bytes_get_data (seeds[i].bytes, NULL),
                                              g_bytes_get_size (seeds[i].bytes), NULL));
        }
      g_assert_true (g_file_get_contents (path, &have, &len, NULL));
      g_assert_cmpmem (have, len, g_bytes_get_data (seeds[i].bytes, NULL),
                       g_bytes_get_size (seeds[i].bytes));
      g_bytes_unref (seeds[i].bytes);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mikey/ticket/round-trip", test_round_trip);
  g_test_add_func ("/mikey/ticket/tamper", test_tamper);
  g_test_add_func ("/mikey/ticket/wrong-key", test_wrong_key);
  g_test_add_func ("/mikey/ticket/tp-round-trip", test_tp_round_trip);
  g_test_add_func ("/mikey/ticket/flags", test_flags);
  g_test_add_func ("/mikey/ticket/initiator-data", test_initiator_data);
  g_test_add_func ("/mikey/ticket/key-set", test_key_set);
  g_test_add_func ("/mikey/ticket/fuzz-corpus", test_corpus);
  return g_test_run ();
}
