/* The UE (USIM) and HSS sides of AKA: MAC-A check, SQN freshness per
 * TS 33.102 Annex C (SEQ || IND, Δ, age limit L), AUTS on a synchronisation
 * failure and its acceptance by the HSS, the HSS SQN generator, and the SQN
 * state's byte form. K and OPc are those of TS 35.208 set 1 (gba.md §4.2);
 * RANDs come from a seeded ImpsRandom; every expected value is computed by
 * this project's own functions within the test (behaviour, not stored
 * constants), except where a section of gba.md is named. */
#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "imps-hex.h"
#include "imps-random.h"
#include "imps-test.h"

#include <string.h>

typedef struct {
  ImpsMilenage *m;
  ImpsRandom *rnd;
  ImpsAkaSqnGenerator gen;   /* HSS */
  ImpsAkaSqnState usim;      /* UE */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  guint8 k[16], opc[16];

  /* gba.md §4.2 Table M-1, TS 35.208 set 1 */
  imps_test_hex_into ("465b5ce8b199b49faa5f0a2ee238a6bc", k, 16);
  imps_test_hex_into ("cd63cb71954a9f4e48a5994e37a02baf", opc, 16);
  f->m = imps_milenage_new (k, opc);
  f->rnd = imps_random_new_seeded (33102);
  imps_aka_sqn_generator_init (&f->gen, IMPS_AKA_IND_LEN_DEFAULT);
  imps_aka_sqn_state_init (&f->usim, IMPS_AKA_IND_LEN_DEFAULT);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  imps_milenage_free (f->m);
  imps_random_free (f->rnd);
}

static const guint8 amf_test[2] = { 0x80, 0x00 };

/* An AV for an explicit SQN (as an HSS would build it). */
static void
make_av (Fixture *f, guint64 sqn, ImpsAkaVector *av)
{
  guint8 rand[16], sqn_b[6];
  imps_random_fill (f->rnd, rand, sizeof rand);
  imps_aka_sqn_to_bytes (sqn, sqn_b);
  imps_aka_generate_av (f->m, rand, sqn_b, amf_test, av);
}

static guint64
sqn_of (guint64 seq, guint ind)
{
  return (seq << IMPS_AKA_IND_LEN_DEFAULT) | ind;
}

static void
test_sqn_bytes (void)
{
  guint8 b[6];
  imps_aka_sqn_to_bytes (G_GUINT64_CONSTANT (0xff9bb4d0b607), b);
  imps_assert_hex (b, 6, "ff9bb4d0b607");
  g_assert_cmphex (imps_aka_sqn_from_bytes (b), ==, G_GUINT64_CONSTANT (0xff9bb4d0b607));
}

static void
test_good_autn (Fixture *f, gconstpointer data)
{
  g_auto (ImpsAkaVector) av = { 0 };
  g_auto (ImpsAkaResult) r = { 0 };
  g_autoptr (GError) error = NULL;
  guint8 sqn[6], auts[14] = { 0 }, zero[14] = { 0 };

  g_assert_true (imps_aka_sqn_generator_next (&f->gen, sqn, &error));
  g_assert_no_error (error);
  guint8 rand[16];
  imps_random_fill (f->rnd, rand, 16);
  imps_aka_generate_av (f->m, rand, sqn, amf_test, &av);

  g_assert_true (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r,
                                      auts, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (r.res, 8, av.xres, 8);
  g_assert_cmpmem (r.ck, 16, av.ck, 16);
  g_assert_cmpmem (r.ik, 16, av.ik, 16);
  g_assert_cmpmem (r.sqn, 6, sqn, 6);
  g_assert_cmpmem (r.amf, 2, amf_test, 2);
  g_assert_cmpmem (auts, 14, zero, 14);   /* untouched on success */
  /* recorded: SQN_MS is now this SQN */
  g_assert_cmphex (imps_aka_sqn_state_highest (&f->usim), ==,
                   imps_aka_sqn_from_bytes (sqn));
}

/* Every single-bit change of MAC or AMF, and of the concealed SQN, is a MAC
 * failure (MAC-A covers SQN, RAND and AMF), and leaves the state unchanged. */
static void
test_mac_failure (Fixture *f, gconstpointer data)
{
  g_auto (ImpsAkaVector) av = { 0 };
  g_autoptr (GError) error = NULL;

  make_av (f, sqn_of (1, 0), &av);
  for (guint bit = 0; bit < 128; bit++)
    {
      g_auto (ImpsAkaResult) r = { 0 };
      guint8 autn[16];
      ImpsAkaSqnState before = f->usim;
      memcpy (autn, av.autn, 16);
      autn[bit / 8] ^= (guint8) (0x80 >> (bit % 8));
      g_assert_false (imps_aka_check_autn (f->m, &f->usim, av.rand, autn, &r,
                                           NULL, &error));
      g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_MAC_FAILURE);
      g_assert_true (memcmp (&before, &f->usim, sizeof before) == 0);
      g_clear_error (&error);
    }

  /* The message names the MAC with the expected and received values. */
  {
    g_auto (ImpsAkaResult) r = { 0 };
    guint8 autn[16];
    memcpy (autn, av.autn, 16);
    autn[15] ^= 0x01;
    g_assert_false (imps_aka_check_autn (f->m, &f->usim, av.rand, autn, &r,
                                         NULL, &error));
    g_autofree gchar *expected = imps_hex_encode (av.autn + 8, 8);
    g_autofree gchar *received = imps_hex_encode (autn + 8, 8);
    g_assert_nonnull (strstr (error->message, "MAC-A"));
    g_assert_nonnull (strstr (error->message, expected));
    g_assert_nonnull (strstr (error->message, received));
    g_clear_error (&error);
  }

  /* A wrong RAND for the AUTN, too. */
  {
    g_auto (ImpsAkaResult) r = { 0 };
    guint8 rand[16];
    memcpy (rand, av.rand, 16);
    rand[0] ^= 0x01;
    g_assert_false (imps_aka_check_autn (f->m, NULL, rand, av.autn, &r, NULL, &error));
    g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_MAC_FAILURE);
  }
}

/* Replay: the same AUTN twice is a sync failure; the AUTS it yields carries
 * SQN_MS and is accepted by the HSS side, which recovers that SQN_MS. */
static void
test_replay_and_resync (Fixture *f, gconstpointer data)
{
  g_auto (ImpsAkaVector) av = { 0 };
  g_auto (ImpsAkaResult) r = { 0 };
  g_autoptr (GError) error = NULL;
  guint8 sqn[6], auts[14], sqn_ms[6], expected_auts[14];

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (imps_aka_sqn_generator_next (&f->gen, sqn, &error));
      make_av (f, imps_aka_sqn_from_bytes (sqn), &av);
      g_assert_true (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r,
                                          auts, &error));
      g_assert_no_error (error);
    }
  /* replay the last one */
  g_assert_false (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r,
                                       auts, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_assert_nonnull (strstr (error->message, "not fresh"));
  g_clear_error (&error);

  imps_aka_auts (f->m, av.rand, sqn, expected_auts);
  g_assert_cmpmem (auts, 14, expected_auts, 14);
  g_assert_true (imps_aka_resync (f->m, av.rand, auts, sqn_ms, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (sqn_ms, 6, sqn, 6);

  /* The HSS is in step: its generator keeps SEQ_HE, and its next vector is
   * accepted by the USIM. */
  g_assert_false (imps_aka_sqn_generator_resync (&f->gen, sqn_ms, IMPS_AKA_DELTA_DEFAULT));
  g_assert_true (imps_aka_sqn_generator_next (&f->gen, sqn, &error));
  make_av (f, imps_aka_sqn_from_bytes (sqn), &av);
  g_assert_true (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r,
                                      NULL, &error));
  g_assert_no_error (error);

  /* An old SQN (lower than accepted in its slot) also gives a sync failure. */
  make_av (f, sqn_of (1, 0), &av);
  g_assert_false (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r,
                                       auts, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
}

/* An HSS that lost its state (SEQ_HE behind the USIM) is resynchronised:
 * the AUTS moves SEQ_HE up to SEQ_MS and the next vector is accepted. */
static void
test_resync_hss_behind (Fixture *f, gconstpointer data)
{
  g_auto (ImpsAkaVector) av = { 0 };
  g_auto (ImpsAkaResult) r = { 0 };
  g_autoptr (GError) error = NULL;
  guint8 sqn[6], auts[14], sqn_ms[6];

  make_av (f, sqn_of (1000, 7), &av);
  g_assert_true (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r, NULL, &error));
  /* The HSS starts from scratch; its first vector lands in the slot the
   * USIM already used (IND 7) with SEQ 1, which is not fresh there. */
  f->gen.ind = 7;
  g_assert_true (imps_aka_sqn_generator_next (&f->gen, sqn, &error));
  make_av (f, imps_aka_sqn_from_bytes (sqn), &av);
  g_assert_false (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r, auts, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_clear_error (&error);
  g_assert_true (imps_aka_resync (f->m, av.rand, auts, sqn_ms, &error));
  g_assert_cmphex (imps_aka_sqn_from_bytes (sqn_ms), ==, sqn_of (1000, 7));
  g_assert_true (imps_aka_sqn_generator_resync (&f->gen, sqn_ms, f->usim.delta));
  g_assert_cmpuint (f->gen.seq, ==, 1000);
  for (guint i = 0; i < 40; i++)   /* every slot, more than once */
    {
      g_assert_true (imps_aka_sqn_generator_next (&f->gen, sqn, &error));
      make_av (f, imps_aka_sqn_from_bytes (sqn), &av);
      g_assert_true (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r, NULL, &error));
      g_assert_no_error (error);
    }
}

/* Δ: SEQ may be at most delta ahead of the highest SEQ_MS. */
static void
test_delta (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->usim.delta = 16;
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (10, 0), &error));
  g_assert_false (imps_aka_sqn_state_accept (&f->usim, sqn_of (27, 1), &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_assert_nonnull (strstr (error->message, "delta 16"));
  g_clear_error (&error);
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (26, 1), &error));

  /* With the default Δ = 2^28 a fresh USIM refuses 35.208 set 1's SQN
   * (SEQ about 2^43) and accepts SEQ = 2^28. */
  ImpsAkaSqnState st;
  imps_aka_sqn_state_init (&st, 5);
  g_assert_cmpuint (st.delta, ==, G_GUINT64_CONSTANT (1) << 28);
  g_assert_false (imps_aka_sqn_state_accept (&st, G_GUINT64_CONSTANT (0xff9bb4d0b607), &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_clear_error (&error);
  g_assert_false (imps_aka_sqn_state_accept (&st, sqn_of ((G_GUINT64_CONSTANT (1) << 28) + 1, 0), &error));
  g_clear_error (&error);
  g_assert_true (imps_aka_sqn_state_accept (&st, sqn_of (G_GUINT64_CONSTANT (1) << 28, 0), &error));

  /* Through AUTN: beyond Δ gives SYNC_FAILURE and an AUTS for SQN_MS. */
  g_auto (ImpsAkaVector) av = { 0 };
  g_auto (ImpsAkaResult) r = { 0 };
  guint8 auts[14], sqn_ms[6];
  make_av (f, sqn_of (26 + 17, 2), &av);
  g_assert_false (imps_aka_check_autn (f->m, &f->usim, av.rand, av.autn, &r, auts, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_clear_error (&error);
  g_assert_true (imps_aka_resync (f->m, av.rand, auts, sqn_ms, &error));
  g_assert_cmphex (imps_aka_sqn_from_bytes (sqn_ms), ==, sqn_of (26, 1));
}

/* IND slots are independent: a lower SEQ in another slot is fresh. */
static void
test_ind_slots (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (10, 3), &error));
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (5, 4), &error));
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (2, 31), &error));
  g_assert_false (imps_aka_sqn_state_accept (&f->usim, sqn_of (5, 3), &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_assert_nonnull (strstr (error->message, "IND 3"));
  g_clear_error (&error);
  g_assert_false (imps_aka_sqn_state_accept (&f->usim, sqn_of (10, 3), &error));
  g_clear_error (&error);
  g_assert_false (imps_aka_sqn_state_accept (&f->usim, sqn_of (5, 4), &error));
  g_clear_error (&error);
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (11, 3), &error));
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (6, 4), &error));
  g_assert_cmpuint (f->usim.seq_ms[3], ==, 11);
  g_assert_cmpuint (f->usim.seq_ms[4], ==, 6);
  g_assert_cmpuint (f->usim.seq_ms[31], ==, 2);
  /* SQN_MS is the highest SEQ with its slot's IND */
  g_assert_cmphex (imps_aka_sqn_state_highest (&f->usim), ==, sqn_of (11, 3));

  /* IND length 0: one slot, SQN = SEQ, strictly increasing. */
  ImpsAkaSqnState st;
  imps_aka_sqn_state_init (&st, 0);
  g_assert_true (imps_aka_sqn_state_accept (&st, 7, &error));
  g_assert_false (imps_aka_sqn_state_accept (&st, 7, &error));
  g_clear_error (&error);
  g_assert_true (imps_aka_sqn_state_accept (&st, 8, &error));
}

/* Age limit L: SEQ_MS - SEQ < L, checked before the slot. */
static void
test_age_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->usim.age_limit = 8;
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (100, 0), &error));
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (93, 1), &error));
  g_assert_false (imps_aka_sqn_state_accept (&f->usim, sqn_of (92, 2), &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_assert_nonnull (strstr (error->message, "age limit"));
  g_clear_error (&error);
  /* without L the same SQN is fresh in its slot */
  f->usim.age_limit = 0;
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (92, 2), &error));
}

static void
test_generator (void)
{
  ImpsAkaSqnGenerator gen;
  g_autoptr (GError) error = NULL;
  guint8 sqn[6];
  guint64 prev = 0;

  imps_aka_sqn_generator_init (&gen, 5);
  for (guint i = 0; i < 70; i++)
    {
      g_assert_true (imps_aka_sqn_generator_next (&gen, sqn, &error));
      guint64 v = imps_aka_sqn_from_bytes (sqn);
      g_assert_cmpuint (v >> 5, ==, i + 1);        /* SEQ steps by one */
      g_assert_cmpuint (v & 31, ==, i % 32);       /* IND round robin */
      g_assert_cmpuint (v, >, prev);
      prev = v;
    }

  /* never wraps: the last SEQ is handed out once, then an error */
  gen.seq = (G_GUINT64_CONSTANT (1) << 43) - 2;
  g_assert_true (imps_aka_sqn_generator_next (&gen, sqn, &error));
  g_assert_cmphex (imps_aka_sqn_from_bytes (sqn) >> 5, ==, (G_GUINT64_CONSTANT (1) << 43) - 1);
  g_assert_false (imps_aka_sqn_generator_next (&gen, sqn, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SQN_EXHAUSTED);
  g_clear_error (&error);

  /* resync: kept when the next SQN would be accepted; moved up when the
   * HSS is behind; reset down when it is more than delta ahead. */
  imps_aka_sqn_generator_init (&gen, 5);
  gen.seq = 50;
  imps_aka_sqn_to_bytes (sqn_of (40, 3), sqn);
  g_assert_false (imps_aka_sqn_generator_resync (&gen, sqn, 16));
  g_assert_cmpuint (gen.seq, ==, 50);
  imps_aka_sqn_to_bytes (sqn_of (60, 3), sqn);
  g_assert_true (imps_aka_sqn_generator_resync (&gen, sqn, 16));
  g_assert_cmpuint (gen.seq, ==, 60);
  imps_aka_sqn_to_bytes (sqn_of (20, 3), sqn);
  g_assert_true (imps_aka_sqn_generator_resync (&gen, sqn, 16));
  g_assert_cmpuint (gen.seq, ==, 20);
}

/* Vectors used out of order across slots (as with several serving nodes)
 * are all accepted once, and none twice. */
static void
test_out_of_order (Fixture *f, gconstpointer data)
{
  ImpsAkaVector avs[32];
  g_autoptr (GError) error = NULL;
  guint8 sqn[6];

  for (guint i = 0; i < 32; i++)
    {
      g_assert_true (imps_aka_sqn_generator_next (&f->gen, sqn, &error));
      make_av (f, imps_aka_sqn_from_bytes (sqn), &avs[i]);
    }
  for (guint round = 0; round < 2; round++)
    for (guint j = 0; j < 32; j++)
      {
        guint i = (j * 7 + 3) % 32;   /* a permutation of 0..31 */
        g_auto (ImpsAkaResult) r = { 0 };
        gboolean ok = imps_aka_check_autn (f->m, &f->usim, avs[i].rand,
                                           avs[i].autn, &r, NULL, &error);
        g_assert_true (ok == (round == 0));
        g_clear_error (&error);
      }
  for (guint i = 0; i < 32; i++)
    imps_aka_vector_clear (&avs[i]);
}

static void
test_state_serialize (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ImpsAkaSqnState back;

  f->usim.delta = 12345;
  f->usim.age_limit = 99;
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (7, 4), &error));
  g_assert_true (imps_aka_sqn_state_accept (&f->usim, sqn_of (9, 31), &error));
  g_autoptr (GBytes) b = imps_aka_sqn_state_serialize (&f->usim);
  g_assert_cmpuint (g_bytes_get_size (b), ==, 18 + 8 * 32);
  g_assert_true (imps_aka_sqn_state_parse (g_bytes_get_data (b, NULL),
                                           g_bytes_get_size (b), &back, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (&back, &f->usim, sizeof back) == 0);

  /* Every truncation is refused with the field and offset, and the output
   * is untouched. */
  const guint8 *d = g_bytes_get_data (b, NULL);
  for (gsize len = 0; len < g_bytes_get_size (b); len++)
    {
      ImpsAkaSqnState out;
      memset (&out, 0xab, sizeof out);
      g_assert_false (imps_aka_sqn_state_parse (d, len, &out, &error));
      g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "offset"));
      g_assert_cmpuint (((guint8 *) &out)[0], ==, 0xab);
      g_clear_error (&error);
    }

  g_autofree guint8 *bad = g_memdup2 (d, g_bytes_get_size (b) + 1);
  gsize n = g_bytes_get_size (b);
  struct { gsize off; guint8 val; gsize len; const gchar *what; } cases[] = {
    { 0, 2, n, "version" },
    { 1, IMPS_AKA_IND_LEN_MAX + 1, n, "IND length" },
    { 18 + 4 * 8 + 2, 0x08, n, "SEQ_MS" },   /* a SEQ wider than 43 bits */
    { n, 0, n + 1, "trailing" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ImpsAkaSqnState out;
      memcpy (bad, d, n);
      bad[cases[i].off] = cases[i].val;
      g_assert_false (imps_aka_sqn_state_parse (bad, cases[i].len, &out, &error));
      g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].what));
      g_clear_error (&error);
    }

  /* Δ and L of any 64-bit value survive the round trip. */
  {
    ImpsAkaSqnState wide, out;
    imps_aka_sqn_state_init (&wide, 2);
    wide.delta = G_MAXUINT64;
    wide.age_limit = G_MAXUINT64 - 1;
    g_autoptr (GBytes) bw = imps_aka_sqn_state_serialize (&wide);
    g_assert_true (imps_aka_sqn_state_parse (g_bytes_get_data (bw, NULL),
                                             g_bytes_get_size (bw), &out, &error));
    g_assert_true (memcmp (&wide, &out, sizeof out) == 0);
  }

  /* IND length 0: 18 + 8 bytes */
  ImpsAkaSqnState st0;
  imps_aka_sqn_state_init (&st0, 0);
  g_autoptr (GBytes) b0 = imps_aka_sqn_state_serialize (&st0);
  g_assert_cmpuint (g_bytes_get_size (b0), ==, 26);
}

static void
test_clear_wipes (void)
{
  ImpsAkaVector av;
  ImpsAkaResult r;
  memset (&av, 0x5a, sizeof av);
  memset (&r, 0x5a, sizeof r);
  imps_aka_vector_clear (&av);
  imps_aka_result_clear (&r);
  for (gsize i = 0; i < sizeof av; i++)
    g_assert_cmpuint (((guint8 *) &av)[i], ==, 0);
  for (gsize i = 0; i < sizeof r; i++)
    g_assert_cmpuint (((guint8 *) &r)[i], ==, 0);

  /* heap copies are equal to the original (and freed with a wipe) */
  memset (&av, 0x5a, sizeof av);
  g_autoptr (ImpsAkaVector) avh = imps_aka_vector_dup (&av);
  g_assert_cmpmem (avh, sizeof *avh, &av, sizeof av);
  memset (&r, 0x33, sizeof r);
  g_autoptr (ImpsAkaResult) rh = imps_aka_result_dup (&r);
  g_assert_cmpmem (rh, sizeof *rh, &r, sizeof r);
  g_autoptr (ImpsAkaSqnState) st = imps_aka_sqn_state_new (3);
  g_assert_cmpuint (st->ind_len, ==, 3);
  g_assert_cmpuint (st->delta, ==, IMPS_AKA_DELTA_DEFAULT);
  g_autoptr (ImpsAkaSqnGenerator) gen = imps_aka_sqn_generator_new (3);
  g_assert_cmpuint (gen->seq, ==, 0);
}

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aka/sqn/bytes", test_sqn_bytes);
  ADD ("/aka/ue/good-autn", test_good_autn);
  ADD ("/aka/ue/mac-failure", test_mac_failure);
  ADD ("/aka/ue/replay-auts-resync", test_replay_and_resync);
  ADD ("/aka/ue/resync-hss-behind", test_resync_hss_behind);
  ADD ("/aka/ue/delta", test_delta);
  ADD ("/aka/ue/ind-slots", test_ind_slots);
  ADD ("/aka/ue/age-limit", test_age_limit);
  ADD ("/aka/ue/out-of-order", test_out_of_order);
  ADD ("/aka/ue/state-serialize", test_state_serialize);
  g_test_add_func ("/aka/hss/generator", test_generator);
  g_test_add_func ("/aka/clear-wipes-and-heap", test_clear_wipes);
  return g_test_run ();
}
