/* Known-answer self test of src/core/aka for `impsim tool selftest`: every
 * vector of imps-aka-vectors.c (gba.md §4), one result per set and function. */
#include "aka/imps-aka.h"
#include "aka/imps-aka-vectors.h"
#include "aka/imps-milenage.h"

#include "imps-hex.h"
#include "imps-secret.h"
#include "imps-selftest.h"

#include <string.h>

void imps_aka_selftest (ImpsSelftest *st);

static gboolean
decode (ImpsSelftest *st, const gchar *set, const gchar *field,
        const gchar *hex, guint8 *out, gsize len)
{
  g_autoptr (GError) error = NULL;

  if (imps_hex_decode_fixed (hex, out, len, &error))
    return TRUE;
  g_autofree gchar *name = g_strdup_printf ("%s %s", set, field);
  imps_selftest_result (st, name, FALSE, "bad vector: %s", error->message);
  return FALSE;
}

static void
check (ImpsSelftest *st, const gchar *set, const gchar *fn,
       const guint8 *got, gsize len, const gchar *expected)
{
  g_autofree gchar *name = g_strdup_printf ("%s %s", set, fn);
  imps_selftest_check_hex (st, name, got, len, expected);
}

static void
run_milenage_set (ImpsSelftest *st, const ImpsAkaMilenageVector *v)
{
  guint8 k[16], op[16], opc[16], rand[16], sqn[6], amf[2];
  guint8 mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], ak_star[6];
  guint8 auts[14], sqn_ms[6];

  if (!decode (st, v->name, "K", v->k, k, 16)
      || !decode (st, v->name, "OP", v->op, op, 16)
      || !decode (st, v->name, "OPc", v->opc, opc, 16)
      || !decode (st, v->name, "RAND", v->rand, rand, 16)
      || !decode (st, v->name, "SQN", v->sqn, sqn, 6)
      || !decode (st, v->name, "AMF", v->amf, amf, 2))
    return;

  {
    guint8 derived[16];
    imps_milenage_derive_opc (k, op, derived);
    check (st, v->name, "OPc", derived, 16, v->opc);
  }

  g_autoptr (ImpsMilenage) m = imps_milenage_new (k, opc);
  imps_milenage_f1 (m, rand, sqn, amf, mac_a, mac_s);
  check (st, v->name, "f1", mac_a, 8, v->f1);
  check (st, v->name, "f1*", mac_s, 8, v->f1star);
  imps_milenage_f2345 (m, rand, res, ck, ik, ak);
  check (st, v->name, "f2", res, 8, v->f2);
  check (st, v->name, "f3", ck, 16, v->f3);
  check (st, v->name, "f4", ik, 16, v->f4);
  check (st, v->name, "f5", ak, 6, v->f5);
  imps_milenage_f5star (m, rand, ak_star);
  check (st, v->name, "f5*", ak_star, 6, v->f5star);

  if (v->temp != NULL)
    {
      g_auto (ImpsMilenageBlocks) b = { 0 };
      imps_milenage_compute_blocks (m, rand, sqn, amf, &b);
      g_autofree gchar *expected =
        g_strconcat (v->rand_xor_opc, v->temp, v->out[0], v->out[1],
                     v->out[2], v->out[3], v->out[4], NULL);
      check (st, v->name, "M-3 intermediates", (const guint8 *) &b,
             sizeof b, expected);
    }

  if (v->autn != NULL)
    {
      g_auto (ImpsAkaVector) av = { 0 };
      imps_aka_generate_av (m, rand, sqn, amf, &av);
      check (st, v->name, "AUTN", av.autn, 16, v->autn);
      imps_aka_auts (m, rand, sqn, auts);
      check (st, v->name, "AUTS", auts, 14, v->auts);

      g_autoptr (GError) error = NULL;
      g_autofree gchar *name = g_strdup_printf ("%s resync", v->name);
      gboolean ok = imps_aka_resync (m, rand, auts, sqn_ms, &error)
                    && memcmp (sqn_ms, sqn, 6) == 0;
      imps_selftest_result (st, name, ok, "AUTS %s not accepted: %s",
                            v->auts, error ? error->message : "wrong SQN_MS");
    }
  imps_wipe (k, sizeof k);
  imps_wipe (opc, sizeof opc);
  imps_wipe (ck, sizeof ck);
  imps_wipe (ik, sizeof ik);
}

static void
run_av_vector (ImpsSelftest *st, const ImpsAkaAvVector *v)
{
  guint8 k[16], op[16], rand[16], sqn[6], amf[2], opc[16], auts[14], ak_star[6];

  if (!decode (st, v->name, "K", v->k, k, 16)
      || !decode (st, v->name, "OP", v->op, op, 16)
      || !decode (st, v->name, "RAND", v->rand, rand, 16)
      || !decode (st, v->name, "SQN", v->sqn, sqn, 6)
      || !decode (st, v->name, "AMF", v->amf, amf, 2))
    return;

  g_autoptr (ImpsMilenage) m = imps_milenage_new_from_op (k, op);
  g_auto (ImpsAkaVector) av = { 0 };
  imps_milenage_get_opc (m, opc);
  check (st, v->name, "OPc", opc, 16, v->opc);
  imps_aka_generate_av (m, rand, sqn, amf, &av);
  check (st, v->name, "MAC-A", av.autn + 8, 8, v->mac_a);
  check (st, v->name, "RES", av.xres, 8, v->res);
  check (st, v->name, "CK", av.ck, 16, v->ck);
  check (st, v->name, "IK", av.ik, 16, v->ik);
  check (st, v->name, "AK", av.ak, 6, v->ak);
  check (st, v->name, "AUTN", av.autn, 16, v->autn);
  imps_milenage_f5star (m, rand, ak_star);
  check (st, v->name, "AK*", ak_star, 6, v->ak_star);
  imps_aka_auts (m, rand, sqn, auts);
  check (st, v->name, "MAC-S", auts + 6, 8, v->mac_s_resync);
  check (st, v->name, "AUTS", auts, 14, v->auts);
  imps_wipe (k, sizeof k);
}

static void
run_resync_vector (ImpsSelftest *st, const ImpsAkaResyncVector *v)
{
  guint8 k[16], opc[16], rand[16], auts[14], sqn_ms[6];
  g_autoptr (GError) error = NULL;

  if (!decode (st, v->name, "K", v->k, k, 16)
      || !decode (st, v->name, "OPc", v->opc, opc, 16)
      || !decode (st, v->name, "RAND", v->rand, rand, 16)
      || !decode (st, v->name, "AUTS", v->auts, auts, 14))
    return;

  g_autoptr (ImpsMilenage) m = imps_milenage_new (k, opc);
  if (!imps_aka_resync (m, rand, auts, sqn_ms, &error))
    {
      g_autofree gchar *name = g_strdup_printf ("%s SQN_MS", v->name);
      imps_selftest_result (st, name, FALSE, "%s", error->message);
    }
  else
    check (st, v->name, "SQN_MS", sqn_ms, 6, v->sqn_ms);
  imps_wipe (k, sizeof k);
  imps_wipe (opc, sizeof opc);
}

void
imps_aka_selftest (ImpsSelftest *st)
{
  for (const ImpsAkaMilenageVector *v = imps_aka_vectors_35207; v->name; v++)
    run_milenage_set (st, v);
  for (const ImpsAkaMilenageVector *v = imps_aka_vectors_35208; v->name; v++)
    run_milenage_set (st, v);
  for (const ImpsAkaAvVector *v = imps_aka_vectors_av; v->name; v++)
    run_av_vector (st, v);
  for (const ImpsAkaResyncVector *v = imps_aka_vectors_resync; v->name; v++)
    run_resync_vector (st, v);
}
