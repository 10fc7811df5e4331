/* Milenage and AKA against every vector of gba.md §4: TS 35.207 sets 1-6
 * (Table M-0), TS 35.208 sets 1-20 (Tables M-1/M-2), the intermediate values
 * of Table M-3, AUTN and AUTS of Table M-4, and the §4.4 vectors. The tables
 * live in src/core/aka/imps-aka-vectors.c (shared with the self test). */
#include "aka/imps-aka.h"
#include "aka/imps-aka-vectors.h"
#include "aka/imps-milenage.h"
#include "imps-hex.h"
#include "imps-test.h"

#include <string.h>

typedef struct {
  guint8 k[16], op[16], opc[16], rand[16], sqn[6], amf[2];
} Inputs;

static void
load_inputs (const ImpsAkaMilenageVector *v, Inputs *in)
{
  imps_test_hex_into (v->k, in->k, 16);
  imps_test_hex_into (v->op, in->op, 16);
  imps_test_hex_into (v->opc, in->opc, 16);
  imps_test_hex_into (v->rand, in->rand, 16);
  imps_test_hex_into (v->sqn, in->sqn, 6);
  imps_test_hex_into (v->amf, in->amf, 2);
}

/* OPc, f1, f1*, f2, f3, f4, f5, f5* of one set (Table M-0 or M-1/M-2). */
static void
test_milenage_set (gconstpointer data)
{
  const ImpsAkaMilenageVector *v = data;
  Inputs in;
  guint8 opc[16], mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], ak_star[6];

  load_inputs (v, &in);
  imps_milenage_derive_opc (in.k, in.op, opc);
  imps_assert_hex (opc, 16, v->opc);

  /* Both constructors must give the same functions. */
  for (guint variant = 0; variant < 2; variant++)
    {
      g_autoptr (ImpsMilenage) m = variant == 0
        ? imps_milenage_new (in.k, in.opc)
        : imps_milenage_new_from_op (in.k, in.op);
      imps_milenage_get_opc (m, opc);
      imps_assert_hex (opc, 16, v->opc);
      imps_milenage_f1 (m, in.rand, in.sqn, in.amf, mac_a, mac_s);
      imps_assert_hex (mac_a, 8, v->f1);
      imps_assert_hex (mac_s, 8, v->f1star);
      imps_milenage_f2345 (m, in.rand, res, ck, ik, ak);
      imps_assert_hex (res, 8, v->f2);
      imps_assert_hex (ck, 16, v->f3);
      imps_assert_hex (ik, 16, v->f4);
      imps_assert_hex (ak, 6, v->f5);
      imps_milenage_f5star (m, in.rand, ak_star);
      imps_assert_hex (ak_star, 6, v->f5star);
    }
}

/* Table M-3: RAND xor OPc, TEMP, OUT1..OUT5. */
static void
test_milenage_intermediate (gconstpointer data)
{
  const ImpsAkaMilenageVector *v = data;
  Inputs in;
  g_auto (ImpsMilenageBlocks) b = { 0 };

  load_inputs (v, &in);
  g_autoptr (ImpsMilenage) m = imps_milenage_new (in.k, in.opc);
  imps_milenage_compute_blocks (m, in.rand, in.sqn, in.amf, &b);
  imps_assert_hex (b.rand_xor_opc, 16, v->rand_xor_opc);
  imps_assert_hex (b.temp, 16, v->temp);
  for (guint i = 0; i < 5; i++)
    imps_assert_hex (b.out[i], 16, v->out[i]);
  imps_milenage_blocks_clear (&b);
  for (gsize i = 0; i < sizeof b; i++)
    g_assert_cmpuint (((const guint8 *) &b)[i], ==, 0);
}

/* Table M-4: AUTN from imps_aka_generate_av(), AUTS for SQN_MS = SQN (MAC-S
 * with AMF* = 0000), and the HSS recovering SQN_MS from that AUTS. */
static void
test_milenage_autn_auts (gconstpointer data)
{
  const ImpsAkaMilenageVector *v = data;
  Inputs in;
  guint8 auts[14], sqn_ms[6];
  g_auto (ImpsAkaVector) av = { 0 };
  g_autoptr (GError) error = NULL;

  load_inputs (v, &in);
  g_autoptr (ImpsMilenage) m = imps_milenage_new (in.k, in.opc);
  imps_aka_generate_av (m, in.rand, in.sqn, in.amf, &av);
  imps_assert_hex (av.autn, 16, v->autn);
  imps_assert_hex (av.rand, 16, v->rand);
  imps_assert_hex (av.xres, 8, v->f2);
  imps_assert_hex (av.ck, 16, v->f3);
  imps_assert_hex (av.ik, 16, v->f4);
  imps_assert_hex (av.ak, 6, v->f5);

  imps_aka_auts (m, in.rand, in.sqn, auts);
  imps_assert_hex (auts, 14, v->auts);
  imps_assert_hex (auts + 6, 8, v->mac_s_resync);
  g_assert_true (imps_aka_resync (m, in.rand, auts, sqn_ms, &error));
  g_assert_no_error (error);
  imps_assert_hex (sqn_ms, 6, v->sqn);

  /* The UE side accepts the AUTN (MAC only) and returns the set's values. */
  g_auto (ImpsAkaResult) r = { 0 };
  g_assert_true (imps_aka_check_autn (m, NULL, in.rand, av.autn, &r, NULL, &error));
  g_assert_no_error (error);
  imps_assert_hex (r.res, 8, v->f2);
  imps_assert_hex (r.ck, 16, v->f3);
  imps_assert_hex (r.ik, 16, v->f4);
  imps_assert_hex (r.sqn, 6, v->sqn);
  imps_assert_hex (r.amf, 2, v->amf);
}

/* gba.md §4.4, wmnsk/milenage: the whole AV from OP, and AUTS. */
static void
test_av_vector (gconstpointer data)
{
  const ImpsAkaAvVector *v = data;
  guint8 k[16], op[16], rand[16], sqn[6], amf[2], opc[16], auts[14], ak_star[6];
  g_auto (ImpsAkaVector) av = { 0 };

  imps_test_hex_into (v->k, k, 16);
  imps_test_hex_into (v->op, op, 16);
  imps_test_hex_into (v->rand, rand, 16);
  imps_test_hex_into (v->sqn, sqn, 6);
  imps_test_hex_into (v->amf, amf, 2);
  g_autoptr (ImpsMilenage) m = imps_milenage_new_from_op (k, op);
  imps_milenage_get_opc (m, opc);
  imps_assert_hex (opc, 16, v->opc);
  imps_aka_generate_av (m, rand, sqn, amf, &av);
  imps_assert_hex (av.autn + 8, 8, v->mac_a);
  imps_assert_hex (av.xres, 8, v->res);
  imps_assert_hex (av.ck, 16, v->ck);
  imps_assert_hex (av.ik, 16, v->ik);
  imps_assert_hex (av.ak, 6, v->ak);
  imps_assert_hex (av.autn, 16, v->autn);
  imps_milenage_f5star (m, rand, ak_star);
  imps_assert_hex (ak_star, 6, v->ak_star);
  imps_aka_auts (m, rand, sqn, auts);
  imps_assert_hex (auts + 6, 8, v->mac_s_resync);
  imps_assert_hex (auts, 14, v->auts);
}

/* gba.md §4.4, hostap: AUTS from a test USIM verifies; SQN_MS recovered. */
static void
test_resync_vector (gconstpointer data)
{
  const ImpsAkaResyncVector *v = data;
  guint8 k[16], opc[16], rand[16], auts[14], sqn_ms[6];
  g_autoptr (GError) error = NULL;

  imps_test_hex_into (v->k, k, 16);
  imps_test_hex_into (v->opc, opc, 16);
  imps_test_hex_into (v->rand, rand, 16);
  imps_test_hex_into (v->auts, auts, 14);
  g_autoptr (ImpsMilenage) m = imps_milenage_new (k, opc);
  g_assert_true (imps_aka_resync (m, rand, auts, sqn_ms, &error));
  g_assert_no_error (error);
  imps_assert_hex (sqn_ms, 6, v->sqn_ms);

  /* Any single-bit change of MAC-S is refused, naming both values. */
  for (guint bit = 0; bit < 64; bit++)
    {
      guint8 bad[14], untouched[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };
      memcpy (bad, auts, 14);
      bad[6 + bit / 8] ^= (guint8) (0x80 >> (bit % 8));
      g_assert_false (imps_aka_resync (m, rand, bad, untouched, &error));
      g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_MAC_FAILURE);
      g_assert_nonnull (strstr (error->message, "MAC-S"));
      g_autofree gchar *received = imps_hex_encode (bad + 6, 8);
      g_autofree gchar *expected = imps_hex_encode (auts + 6, 8);
      g_assert_nonnull (strstr (error->message, received));
      g_assert_nonnull (strstr (error->message, expected));
      g_assert_cmpuint (untouched[0], ==, 0xee);
      g_clear_error (&error);
    }
}

/* Outputs may be left out; the others must not change. */
static void
test_optional_outputs (void)
{
  const ImpsAkaMilenageVector *v = &imps_aka_vectors_35208[2];
  Inputs in;
  guint8 ck[16], ak[6], mac_s[8];

  load_inputs (v, &in);
  g_autoptr (ImpsMilenage) m = imps_milenage_new (in.k, in.opc);
  imps_milenage_f2345 (m, in.rand, NULL, ck, NULL, NULL);
  imps_assert_hex (ck, 16, v->f3);
  imps_milenage_f2345 (m, in.rand, NULL, NULL, NULL, ak);
  imps_assert_hex (ak, 6, v->f5);
  imps_milenage_f1 (m, in.rand, in.sqn, in.amf, NULL, mac_s);
  imps_assert_hex (mac_s, 8, v->f1star);
}

/* K's key schedule is made at the first use and may be dropped between
 * runs of AKA: the outputs (TS 35.208 set 3) stay the vectors' either way. */
static void
test_drop_cipher (void)
{
  const ImpsAkaMilenageVector *v = &imps_aka_vectors_35208[2];
  Inputs in;
  guint8 res[8], ck[16], mac_a[8];

  load_inputs (v, &in);
  g_autoptr (ImpsMilenage) m = imps_milenage_new (in.k, in.opc);
  g_assert_false (imps_milenage_has_cipher (m));
  imps_milenage_f2345 (m, in.rand, res, ck, NULL, NULL);
  g_assert_true (imps_milenage_has_cipher (m));
  imps_assert_hex (res, 8, v->f2);
  imps_milenage_drop_cipher (m);
  g_assert_false (imps_milenage_has_cipher (m));
  imps_milenage_f1 (m, in.rand, in.sqn, in.amf, mac_a, NULL);
  imps_assert_hex (mac_a, 8, v->f1);
  imps_milenage_drop_cipher (m);
  imps_milenage_f2345 (m, in.rand, NULL, ck, NULL, NULL);
  imps_assert_hex (ck, 16, v->f3);
  imps_milenage_drop_cipher (m);
  imps_milenage_drop_cipher (m); /* twice is fine */
}

static void
add_set_tests (const gchar *prefix, const ImpsAkaMilenageVector *table)
{
  for (guint i = 0; table[i].name; i++)
    {
      g_autofree gchar *p1 = g_strdup_printf ("%s/set-%u/functions", prefix, i + 1);
      g_test_add_data_func (p1, &table[i], test_milenage_set);
      if (table[i].temp)
        {
          g_autofree gchar *p2 = g_strdup_printf ("%s/set-%u/intermediate-m3", prefix, i + 1);
          g_test_add_data_func (p2, &table[i], test_milenage_intermediate);
        }
      if (table[i].autn)
        {
          g_autofree gchar *p3 = g_strdup_printf ("%s/set-%u/autn-auts-m4", prefix, i + 1);
          g_test_add_data_func (p3, &table[i], test_milenage_autn_auts);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_set_tests ("/aka/milenage/35.207", imps_aka_vectors_35207);
  add_set_tests ("/aka/milenage/35.208", imps_aka_vectors_35208);
  for (guint i = 0; imps_aka_vectors_av[i].name; i++)
    {
      g_autofree gchar *p = g_strdup_printf ("/aka/vectors/gba-4.4-av/%u", i + 1);
      g_test_add_data_func (p, &imps_aka_vectors_av[i], test_av_vector);
    }
  for (guint i = 0; imps_aka_vectors_resync[i].name; i++)
    {
      g_autofree gchar *p = g_strdup_printf ("/aka/vectors/gba-4.4-resync/%u", i + 1);
      g_test_add_data_func (p, &imps_aka_vectors_resync[i], test_resync_vector);
    }
  g_test_add_func ("/aka/milenage/optional-outputs", test_optional_outputs);
  g_test_add_func ("/aka/milenage/drop-cipher", test_drop_cipher);
  return g_test_run ();
}
