/* GBA KDF, Ks_NAF, NAF_Id, B-TID, TMPI (gba.md §1.2, §7). */
#include "imps-gba.h"
#include "imps-bytes.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-gba-error-quark, imps_gba_error)

const guint8 IMPS_GBA_UA_ID_DEFAULT[IMPS_GBA_UA_ID_LEN] = { 0x00, 0x00, 0x00, 0x00, 0x00 };
const guint8 IMPS_GBA_UA_ID_33221[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x00 };
const guint8 IMPS_GBA_UA_ID_MBMS[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x01 };
const guint8 IMPS_GBA_UA_ID_HTTP_DIGEST[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x02 };
const guint8 IMPS_GBA_UA_ID_MBMS_HTTP[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x03 };
const guint8 IMPS_GBA_UA_ID_MBMS_SIP[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x04 };
const guint8 IMPS_GBA_UA_ID_GPL[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x05 };
const guint8 IMPS_GBA_UA_ID_IMS_MEDIA[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x06 };
const guint8 IMPS_GBA_UA_ID_TLS13_PSK[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x07 };
const guint8 IMPS_GBA_UA_ID_TMPI[IMPS_GBA_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x01, 0x00 };

static const gchar P0_GBA_ME[] = "gba-me";
static const gchar P0_GBA_U[] = "gba-u";

void
imps_gba_ua_id_tls (guint16 cipher_suite, gboolean browser,
                    guint8 out[IMPS_GBA_UA_ID_LEN])
{
  out[0] = 0x01;
  out[1] = 0x00;
  out[2] = browser ? 0x02 : 0x01;
  imps_store_u16 (out + 3, cipher_suite);
}

ImpsGbaKey *
imps_gba_key_new (const guint8 bytes[IMPS_GBA_KEY_LEN])
{
  ImpsGbaKey *key = g_new0 (ImpsGbaKey, 1);
  if (bytes != NULL)
    memcpy (key->bytes, bytes, IMPS_GBA_KEY_LEN);
  return key;
}

void
imps_gba_key_clear (ImpsGbaKey *key)
{
  if (key != NULL)
    imps_wipe (key->bytes, sizeof key->bytes);
}

void
imps_gba_key_free (ImpsGbaKey *key)
{
  if (key == NULL)
    return;
  imps_gba_key_clear (key);
  g_free (key);
}

void
imps_gba_kdf (const guint8 *key, gsize key_len, guint8 fc,
              const ImpsIovec *params, gsize n_params,
              guint8 out[IMPS_GBA_KEY_LEN])
{
  /* FC, then (Pi, Li) pairs: no allocation, the lengths live here. */
  ImpsIovec iov[1 + 2 * IMPS_GBA_KDF_MAX_PARAMS];
  guint8 lens[2 * IMPS_GBA_KDF_MAX_PARAMS];
  gsize n = 0;

  g_return_if_fail (key != NULL || key_len == 0);
  g_return_if_fail (n_params >= 1 && n_params <= IMPS_GBA_KDF_MAX_PARAMS);
  g_return_if_fail (out != NULL);

  iov[n++] = (ImpsIovec) { &fc, 1 };
  for (gsize i = 0; i < n_params; i++)
    {
      g_return_if_fail (params[i].len <= IMPS_GBA_KDF_MAX_PARAM_LEN);
      imps_store_u16 (lens + 2 * i, (guint16) params[i].len);
      iov[n++] = params[i];
      iov[n++] = (ImpsIovec) { lens + 2 * i, 2 };
    }
  imps_hmac_iov (IMPS_HASH_SHA256, key, key_len, iov, n, out);
}

void
imps_gba_ks_from_ck_ik (const guint8 ck[IMPS_GBA_CK_LEN],
                        const guint8 ik[IMPS_GBA_IK_LEN], ImpsGbaKey *ks)
{
  g_return_if_fail (ck != NULL && ik != NULL && ks != NULL);
  memcpy (ks->bytes, ck, IMPS_GBA_CK_LEN);
  memcpy (ks->bytes + IMPS_GBA_CK_LEN, ik, IMPS_GBA_IK_LEN);
}

#define SMALL_S 512

/* The KDF with P3 given in two pieces (FQDN and Ua id), so that NAF_Id
 * never has to be assembled in memory. */
static void
ks_naf_pieces (ImpsGbaNafKeyKind kind, const ImpsGbaKey *ks,
               const guint8 *rand, const guint8 *impi, gsize impi_len,
               const guint8 *p3a, gsize p3a_len,
               const guint8 *p3b, gsize p3b_len, ImpsGbaKey *out)
{
  static const guint8 fc = IMPS_GBA_FC_KS_NAF;
  const gchar *p0 = kind == IMPS_GBA_NAF_KEY_INT ? P0_GBA_U : P0_GBA_ME;
  gsize p0_len = kind == IMPS_GBA_NAF_KEY_INT ? sizeof P0_GBA_U - 1 : sizeof P0_GBA_ME - 1;
  guint8 l0[2], l1[2], l2[2], l3[2];

  imps_store_u16 (l0, (guint16) p0_len);
  imps_store_u16 (l1, IMPS_GBA_RAND_LEN);
  imps_store_u16 (l2, (guint16) impi_len);
  imps_store_u16 (l3, (guint16) (p3a_len + p3b_len));
  const ImpsIovec iov[] = {
    { &fc, 1 },
    { (const guint8 *) p0, p0_len }, { l0, 2 },
    { rand, IMPS_GBA_RAND_LEN }, { l1, 2 },
    { impi, impi_len }, { l2, 2 },
    { p3a, p3a_len }, { p3b, p3b_len }, { l3, 2 },
  };
  /* S is public (no key material). When it is short, one contiguous copy
   * on the stack and a single MAC update beat ten updates (bench-ks-naf). */
  guint8 s[SMALL_S];
  gsize total = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (iov); i++)
    total += iov[i].len;
  if (total <= sizeof s)
    {
      gsize off = 0;
      for (gsize i = 0; i < G_N_ELEMENTS (iov); i++)
        if (iov[i].len > 0)
          {
            memcpy (s + off, iov[i].data, iov[i].len);
            off += iov[i].len;
          }
      imps_hmac (IMPS_HASH_SHA256, ks->bytes, IMPS_GBA_KEY_LEN, s, off, out->bytes);
      return;
    }
  imps_hmac_iov (IMPS_HASH_SHA256, ks->bytes, IMPS_GBA_KEY_LEN,
                 iov, G_N_ELEMENTS (iov), out->bytes);
}

void
imps_gba_ks_naf (ImpsGbaNafKeyKind kind, const ImpsGbaKey *ks,
                 const guint8 rand[IMPS_GBA_RAND_LEN],
                 const gchar *impi, gsize impi_len,
                 const gchar *naf_fqdn, gsize naf_fqdn_len,
                 const guint8 ua_id[IMPS_GBA_UA_ID_LEN], ImpsGbaKey *out)
{
  g_return_if_fail (ks != NULL && rand != NULL && out != NULL && ua_id != NULL);
  g_return_if_fail (impi != NULL || impi_len == 0);
  g_return_if_fail (naf_fqdn != NULL || naf_fqdn_len == 0);
  g_return_if_fail (impi_len <= IMPS_GBA_KDF_MAX_PARAM_LEN);
  g_return_if_fail (naf_fqdn_len <= IMPS_GBA_KDF_MAX_PARAM_LEN - IMPS_GBA_UA_ID_LEN);

  ks_naf_pieces (kind, ks, rand, (const guint8 *) impi, impi_len,
                 (const guint8 *) naf_fqdn, naf_fqdn_len,
                 ua_id, IMPS_GBA_UA_ID_LEN, out);
}

static gboolean
is_host_char (guint8 c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_';
}

gboolean
imps_gba_naf_id_check (const guint8 *naf_id, gsize len, gsize *fqdn_len,
                       GError **error)
{
  g_return_val_if_fail (naf_id != NULL || len == 0, FALSE);

  if (len < 1 + IMPS_GBA_UA_ID_LEN)
    {
      g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_NAF_ID,
                   "NAF_Id: %zu bytes, need at least an FQDN of one byte and "
                   "the 5-byte Ua security protocol id", len);
      return FALSE;
    }
  gsize flen = len - IMPS_GBA_UA_ID_LEN;
  if (flen > IMPS_GBA_MAX_FQDN_LEN)
    {
      g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_NAF_ID,
                   "NAF_Id: FQDN part of %zu bytes is longer than %d",
                   flen, IMPS_GBA_MAX_FQDN_LEN);
      return FALSE;
    }
  for (gsize i = 0; i < flen; i++)
    if (!is_host_char (naf_id[i]))
      {
        g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_NAF_ID,
                     "NAF_Id: byte 0x%02x at offset %zu of the FQDN is not a "
                     "host name character", naf_id[i], i);
        return FALSE;
      }
  if (fqdn_len != NULL)
    *fqdn_len = flen;
  return TRUE;
}

gboolean
imps_gba_ks_naf_for_naf_id (ImpsGbaNafKeyKind kind, const ImpsGbaKey *ks,
                            const guint8 rand[IMPS_GBA_RAND_LEN],
                            const gchar *impi, gsize impi_len,
                            const guint8 *naf_id, gsize naf_id_len,
                            ImpsGbaKey *out, GError **error)
{
  gsize flen = 0;

  g_return_val_if_fail (ks != NULL && rand != NULL && out != NULL, FALSE);
  g_return_val_if_fail (impi != NULL || impi_len == 0, FALSE);
  g_return_val_if_fail (impi_len <= IMPS_GBA_KDF_MAX_PARAM_LEN, FALSE);
  if (!imps_gba_naf_id_check (naf_id, naf_id_len, &flen, error))
    return FALSE;
  ks_naf_pieces (kind, ks, rand, (const guint8 *) impi, impi_len,
                 naf_id, naf_id_len, NULL, 0, out);
  return TRUE;
}

GBytes *
imps_gba_naf_id_new (const gchar *naf_fqdn, const guint8 ua_id[IMPS_GBA_UA_ID_LEN])
{
  g_return_val_if_fail (naf_fqdn != NULL && ua_id != NULL, NULL);
  gsize flen = strlen (naf_fqdn);
  guint8 *buf = g_malloc (flen + IMPS_GBA_UA_ID_LEN);
  memcpy (buf, naf_fqdn, flen);
  memcpy (buf + flen, ua_id, IMPS_GBA_UA_ID_LEN);
  return g_bytes_new_take (buf, flen + IMPS_GBA_UA_ID_LEN);
}

gchar *
imps_gba_btid_new (const guint8 rand[IMPS_GBA_RAND_LEN], const gchar *bsf_domain)
{
  g_return_val_if_fail (rand != NULL && bsf_domain != NULL, NULL);
  g_autofree gchar *b64 = g_base64_encode (rand, IMPS_GBA_RAND_LEN);
  return g_strconcat (b64, "@", bsf_domain, NULL);
}

gboolean
imps_gba_btid_check (const gchar *btid, gsize len, GError **error)
{
  gsize at = G_MAXSIZE;

  g_return_val_if_fail (btid != NULL || len == 0, FALSE);
  if (len > IMPS_GBA_MAX_BTID_LEN)
    {
      g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_BTID,
                   "B-TID: %zu bytes is longer than %d", len, IMPS_GBA_MAX_BTID_LEN);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) btid[i];
      if (c <= 0x20 || c >= 0x7f)
        {
          g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_BTID,
                       "B-TID: byte 0x%02x at offset %zu is not printable ASCII",
                       c, i);
          return FALSE;
        }
      if (c == '@')
        at = i;   /* the last '@' separates the domain */
    }
  if (at == G_MAXSIZE || at == 0 || at + 1 == len)
    {
      g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_BTID,
                   "B-TID: expected text '@' domain at offset %zu",
                   at == G_MAXSIZE ? len : at);
      return FALSE;
    }
  for (gsize i = at + 1; i < len; i++)
    if (!is_host_char ((guint8) btid[i]))
      {
        g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_BTID,
                     "B-TID: '%c' at offset %zu is not a host name character",
                     btid[i], i);
        return FALSE;
      }
  return TRUE;
}

gchar *
imps_gba_tmpi_new (const ImpsGbaKey *ks, const guint8 rand[IMPS_GBA_RAND_LEN],
                   const gchar *impi, const gchar *bsf_fqdn)
{
  g_auto (ImpsGbaKey) out = IMPS_GBA_KEY_INIT;

  g_return_val_if_fail (ks != NULL && rand != NULL && impi != NULL && bsf_fqdn != NULL, NULL);
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, ks, rand, impi, strlen (impi),
                   bsf_fqdn, strlen (bsf_fqdn), IMPS_GBA_UA_ID_TMPI, &out);
  g_autofree gchar *b64 = g_base64_encode (out.bytes, 24);
  return g_strconcat (b64, "@" IMPS_GBA_TMPI_DOMAIN, NULL);
}
