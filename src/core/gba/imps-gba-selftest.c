/* Known-answer self test of the GBA module: the tables of
 * imps-gba-vectors.c (gba.md §1.2, §12). */
#include "imps-gba.h"
#include "imps-gba-vectors.h"
#include "imps-gba-xml.h"
#include "imps-hex.h"
#include "imps-selftest.h"

#include <string.h>

void imps_gba_selftest (ImpsSelftest *st);

static gboolean
hex_in (ImpsSelftest *st, const gchar *name, const gchar *hex, guint8 *out, gsize len)
{
  g_autoptr (GError) error = NULL;
  if (imps_hex_decode_fixed (hex, out, len, &error))
    return TRUE;
  imps_selftest_result (st, name, FALSE, "bad vector: %s", error->message);
  return FALSE;
}

static void
check_str (ImpsSelftest *st, const gchar *name, const gchar *got, const gchar *want)
{
  imps_selftest_result (st, name, g_strcmp0 (got, want) == 0, "got %s, expected %s",
                        got ? got : "(null)", want);
}

void
imps_gba_selftest (ImpsSelftest *st)
{
  for (gsize i = 0; i < imps_gba_n_ks_vectors; i++)
    {
      const ImpsGbaKsVector *v = &imps_gba_ks_vectors[i];
      guint8 ck[16], ik[16];
      g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
      if (!hex_in (st, v->source, v->ck, ck, 16) || !hex_in (st, v->source, v->ik, ik, 16))
        continue;
      imps_gba_ks_from_ck_ik (ck, ik, &ks);
      imps_selftest_check_hex (st, v->source, ks.bytes, IMPS_GBA_KEY_LEN, v->ks);
    }

  for (gsize i = 0; i < imps_gba_n_ks_naf_vectors; i++)
    {
      const ImpsGbaKsNafVector *v = &imps_gba_ks_naf_vectors[i];
      g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
      g_auto (ImpsGbaKey) out = IMPS_GBA_KEY_INIT;
      guint8 rand[IMPS_GBA_RAND_LEN], ua[IMPS_GBA_UA_ID_LEN];
      if (!hex_in (st, v->source, v->ks, ks.bytes, IMPS_GBA_KEY_LEN)
          || !hex_in (st, v->source, v->rand, rand, sizeof rand)
          || !hex_in (st, v->source, v->ua_id, ua, sizeof ua))
        continue;
      imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, v->impi, strlen (v->impi),
                       v->naf_fqdn, strlen (v->naf_fqdn), ua, &out);
      g_autofree gchar *name = g_strdup_printf ("Ks_NAF: %s", v->source);
      imps_selftest_check_hex (st, name, out.bytes, IMPS_GBA_KEY_LEN, v->ks_naf);
      if (v->ks_naf_b64 != NULL)
        {
          g_autofree gchar *b64 = g_base64_encode (out.bytes, IMPS_GBA_KEY_LEN);
          g_autofree gchar *bname = g_strdup_printf ("base64(Ks_NAF): %s", v->source);
          check_str (st, bname, b64, v->ks_naf_b64);
        }
      if (v->ks_int_naf != NULL)
        {
          imps_gba_ks_naf (IMPS_GBA_NAF_KEY_INT, &ks, rand, v->impi, strlen (v->impi),
                           v->naf_fqdn, strlen (v->naf_fqdn), ua, &out);
          g_autofree gchar *iname = g_strdup_printf ("Ks_int_NAF: %s", v->source);
          imps_selftest_check_hex (st, iname, out.bytes, IMPS_GBA_KEY_LEN, v->ks_int_naf);
        }
    }

  for (gsize i = 0; i < imps_gba_n_btid_vectors; i++)
    {
      const ImpsGbaBtidVector *v = &imps_gba_btid_vectors[i];
      guint8 rand[IMPS_GBA_RAND_LEN];
      if (!hex_in (st, v->source, v->rand, rand, sizeof rand))
        continue;
      g_autofree gchar *btid = imps_gba_btid_new (rand, v->domain);
      check_str (st, v->source, btid, v->btid);
    }

  for (gsize i = 0; i < imps_gba_n_tmpi_vectors; i++)
    {
      const ImpsGbaTmpiVector *v = &imps_gba_tmpi_vectors[i];
      g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
      guint8 rand[IMPS_GBA_RAND_LEN];
      if (!hex_in (st, v->source, v->ks, ks.bytes, IMPS_GBA_KEY_LEN)
          || !hex_in (st, v->source, v->rand, rand, sizeof rand))
        continue;
      g_autofree gchar *tmpi = imps_gba_tmpi_new (&ks, rand, v->impi, v->bsf_fqdn);
      check_str (st, v->source, tmpi, v->tmpi);
    }

  /* The §6.2 (4) body: our builder reproduces it byte for byte, and its
   * MD5 is the one §12.2 states. */
  {
    g_autoptr (ImpsGbaBootstrappingInfo) info =
      imps_gba_bootstrapping_info_new (IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_BTID,
                                       IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_LIFETIME);
    gsize len = 0;
    g_autofree gchar *body = imps_gba_bootstrapping_info_build (info, &len, NULL);
    check_str (st, "gba.md §6.2 (4) BootstrappingInfo body", body,
               imps_gba_bootstrapping_info_vector);
    guint8 md5[16];
    imps_digest (IMPS_HASH_MD5, (const guint8 *) imps_gba_bootstrapping_info_vector,
                 strlen (imps_gba_bootstrapping_info_vector), md5);
    imps_selftest_check_hex (st, "gba.md §12.2 MD5 of the 200 OK body", md5, 16,
                             IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_MD5);
  }
}
