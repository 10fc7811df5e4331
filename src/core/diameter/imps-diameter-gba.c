/* Zh MAR/MAA (gba.md §9) and Zn BIR/BIA (gba.md §10). */
#include "imps-diameter-gba.h"
#include "imps-diameter-private.h"
#include "imps-secret.h"

#include <string.h>

#define M IMPS_DIAMETER_AVP_FLAG_M
#define VM (IMPS_DIAMETER_AVP_FLAG_V | IMPS_DIAMETER_AVP_FLAG_M)
#define V3 IMPS_DIAMETER_VENDOR_3GPP

static void
add_session_and_vsai (ImpsDiameterBuilder *b, const gchar *session_id, guint32 app)
{
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_SESSION_ID, M, 0, session_id);
  imps_diameter_add_vsai (b, app);
}

static void
add_origin (ImpsDiameterBuilder *b, const gchar *host, const gchar *realm)
{
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, M, 0, host);
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, M, 0, realm);
}

static gboolean
read_common (const ImpsDiameterMessage *msg, const gchar *what, guint32 app,
             gchar **session_id, gchar **origin_host, gchar **origin_realm, GError **error)
{
  return imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_SESSION_ID, TRUE, what,
                                  session_id, error)
    && imps_diameter_check_vsai (msg, app, what, error)
    && imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_HOST, TRUE, what,
                                origin_host, error)
    && imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_REALM, TRUE, what,
                                origin_realm, error);
}

static gboolean
read_guss (const ImpsDiameterMessage *msg, const gchar *what, guint8 **guss, gsize *len,
           GError **error)
{
  if (!imps_diameter_read_octets (msg, -1, V3, IMPS_DIAMETER_AVP_GBA_USERSECSETTINGS, FALSE,
                                  what, guss, len, error))
    return FALSE;
  if (*len > IMPS_DIAMETER_MAX_GUSS)
    {
      gint i = imps_diameter_message_find (msg, V3, IMPS_DIAMETER_AVP_GBA_USERSECSETTINGS);
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                   "%s: GBA-UserSecSettings (400) at offset %u: %" G_GSIZE_FORMAT
                   " bytes, over the limit of %u", what,
                   imps_diameter_message_avp (msg, (guint) i)->offset, *len,
                   (guint) IMPS_DIAMETER_MAX_GUSS);
      imps_diameter_error_set_avp (error, imps_diameter_message_avp (msg, (guint) i)->offset);
      g_clear_pointer (guss, g_free);
      *len = 0;
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_enum (const ImpsDiameterMessage *msg, guint32 code, const gchar *what, gint *out,
           GError **error)
{
  gboolean present;
  guint32 v = 0;

  *out = -1;
  if (!imps_diameter_read_u32 (msg, -1, V3, code, FALSE, what, &present, &v, error))
    return FALSE;
  if (present)
    {
      if (v > 1)
        {
          const ImpsDiameterAvp *a =
            imps_diameter_message_avp (msg, (guint) imps_diameter_message_find (msg, V3, code));
          g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                       "%s: AVP %u at offset %u: value %u is not 0 or 1", what, code,
                       a->offset, v);
          imps_diameter_error_set_avp (error, a->offset);
          return FALSE;
        }
      *out = (gint) v;
    }
  return TRUE;
}

/* ---- MAR ---- */

ImpsDiameterMar *
imps_diameter_mar_new (void)
{
  return g_new0 (ImpsDiameterMar, 1);
}

void
imps_diameter_mar_free (ImpsDiameterMar *mar)
{
  if (mar == NULL)
    return;
  g_free (mar->session_id);
  g_free (mar->origin_host);
  g_free (mar->origin_realm);
  g_free (mar->destination_realm);
  g_free (mar->destination_host);
  g_free (mar->impi);
  g_free (mar->impu);
  g_free (mar->auth_scheme);
  imps_wipe (mar, sizeof *mar);
  g_free (mar);
}

GBytes *
imps_diameter_mar_build (const ImpsDiameterMar *mar)
{
  g_return_val_if_fail (mar != NULL, NULL);
  g_return_val_if_fail (mar->session_id && mar->origin_host && mar->origin_realm
                        && mar->destination_realm, NULL);
  g_return_val_if_fail (mar->impi != NULL || mar->impu != NULL, NULL);

  ImpsDiameterBuilder *b =
    imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P,
                               IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH,
                               mar->hop_by_hop, mar->end_to_end);
  add_session_and_vsai (b, mar->session_id, IMPS_DIAMETER_APP_ZH);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_AUTH_SESSION_STATE, M, 0,
                                 IMPS_DIAMETER_NO_STATE_MAINTAINED);
  add_origin (b, mar->origin_host, mar->origin_realm);
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_DESTINATION_REALM, M, 0,
                                      mar->destination_realm);
  if (mar->destination_host)
    imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_DESTINATION_HOST, M, 0,
                                        mar->destination_host);
  if (mar->impi)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_USER_NAME, M, 0, mar->impi);
  if (mar->impu)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_PUBLIC_IDENTITY, VM, V3, mar->impu);
  if (mar->number_auth_items)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_SIP_NUMBER_AUTH_ITEMS, VM, V3,
                                   mar->number_auth_items);
  imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM, VM, V3);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_SIP_AUTHENTICATION_SCHEME, VM, V3,
                                  mar->auth_scheme ? mar->auth_scheme
                                  : IMPS_DIAMETER_SCHEME_DIGEST_AKAV1_MD5);
  if (mar->has_resync)
    imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_SIP_AUTHORIZATION, VM, V3,
                                      mar->resync, sizeof mar->resync);
  imps_diameter_builder_end_group (b);
  if (mar->has_guss_timestamp)
    imps_diameter_builder_add_time (b, IMPS_DIAMETER_AVP_GUSS_TIMESTAMP, VM, V3,
                                    mar->guss_timestamp);
  return imps_diameter_builder_finish (b);
}

ImpsDiameterMar *
imps_diameter_mar_parse (const ImpsDiameterMessage *msg, GError **error)
{
  const gchar *what = "MAR";
  guint32 state = 0;

  g_return_val_if_fail (msg != NULL, NULL);
  if (!imps_diameter_expect (msg, IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH,
                             TRUE, what, error))
    return NULL;

  g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_new ();
  mar->hop_by_hop = msg->hop_by_hop;
  mar->end_to_end = msg->end_to_end;
  if (!read_common (msg, what, IMPS_DIAMETER_APP_ZH, &mar->session_id, &mar->origin_host,
                    &mar->origin_realm, error)
      || !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_AUTH_SESSION_STATE, TRUE, what,
                                  NULL, &state, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_DESTINATION_REALM, TRUE, what,
                                   &mar->destination_realm, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_DESTINATION_HOST, FALSE, what,
                                   &mar->destination_host, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_USER_NAME, FALSE, what,
                                   &mar->impi, error)
      || !imps_diameter_read_utf8 (msg, -1, V3, IMPS_DIAMETER_AVP_PUBLIC_IDENTITY, FALSE, what,
                                   &mar->impu, error)
      || !imps_diameter_read_u32 (msg, -1, V3, IMPS_DIAMETER_AVP_SIP_NUMBER_AUTH_ITEMS, FALSE,
                                  what, NULL, &mar->number_auth_items, error)
      || !imps_diameter_read_u32 (msg, -1, V3, IMPS_DIAMETER_AVP_GUSS_TIMESTAMP, FALSE, what,
                                  &mar->has_guss_timestamp, &mar->guss_timestamp, error))
    return NULL;
  if (mar->impi == NULL && mar->impu == NULL)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_MISSING_AVP,
                   "%s: neither User-Name (1) nor Public-Identity (601)", what);
      imps_diameter_error_set_missing (error, 0, IMPS_DIAMETER_AVP_USER_NAME);
      return NULL;
    }
  gint item = imps_diameter_message_find (msg, V3, IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM);
  if (item >= 0
      && (!imps_diameter_read_utf8 (msg, item, V3, IMPS_DIAMETER_AVP_SIP_AUTHENTICATION_SCHEME,
                                    FALSE, what, &mar->auth_scheme, error)
          || !imps_diameter_read_fixed (msg, item, V3, IMPS_DIAMETER_AVP_SIP_AUTHORIZATION,
                                        FALSE, what, &mar->has_resync, mar->resync,
                                        sizeof mar->resync, error)))
    return NULL;
  return g_steal_pointer (&mar);
}

/* ---- MAA ---- */

ImpsDiameterMaa *
imps_diameter_maa_new (void)
{
  return g_new0 (ImpsDiameterMaa, 1);
}

ImpsDiameterMaa *
imps_diameter_maa_new_for (const ImpsDiameterMar *mar)
{
  g_return_val_if_fail (mar != NULL, NULL);

  ImpsDiameterMaa *maa = imps_diameter_maa_new ();
  maa->hop_by_hop = mar->hop_by_hop;
  maa->end_to_end = mar->end_to_end;
  maa->session_id = g_strdup (mar->session_id);
  maa->impi = g_strdup (mar->impi);
  return maa;
}

void
imps_diameter_maa_free (ImpsDiameterMaa *maa)
{
  if (maa == NULL)
    return;
  g_free (maa->session_id);
  g_free (maa->origin_host);
  g_free (maa->origin_realm);
  g_free (maa->impi);
  g_free (maa->impu);
  g_free (maa->auth_scheme);
  g_free (maa->guss);
  imps_wipe (maa, sizeof *maa);
  g_free (maa);
}

GBytes *
imps_diameter_maa_build (const ImpsDiameterMaa *maa)
{
  g_return_val_if_fail (maa != NULL, NULL);
  g_return_val_if_fail (maa->session_id && maa->origin_host && maa->origin_realm, NULL);
  g_return_val_if_fail (maa->result_code != 0 || maa->experimental_result != 0, NULL);
  g_return_val_if_fail (!maa->has_av || (maa->xres_len >= IMPS_DIAMETER_XRES_MIN
                                         && maa->xres_len <= IMPS_DIAMETER_XRES_MAX), NULL);

  ImpsDiameterBuilder *b =
    imps_diameter_builder_new (IMPS_DIAMETER_FLAG_P, IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH,
                               IMPS_DIAMETER_APP_ZH, maa->hop_by_hop, maa->end_to_end);
  add_session_and_vsai (b, maa->session_id, IMPS_DIAMETER_APP_ZH);
  imps_diameter_add_result (b, maa->result_code, maa->experimental_result);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_AUTH_SESSION_STATE, M, 0,
                                 IMPS_DIAMETER_NO_STATE_MAINTAINED);
  add_origin (b, maa->origin_host, maa->origin_realm);
  if (maa->impi)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_USER_NAME, M, 0, maa->impi);
  if (maa->impu)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_PUBLIC_IDENTITY, VM, V3, maa->impu);
  if (maa->number_auth_items)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_SIP_NUMBER_AUTH_ITEMS, VM, V3,
                                   maa->number_auth_items);
  if (maa->has_av)
    {
      imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM, VM, V3);
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_SIP_AUTHENTICATION_SCHEME, VM, V3,
                                      maa->auth_scheme ? maa->auth_scheme
                                      : IMPS_DIAMETER_SCHEME_DIGEST_AKAV1_MD5);
      imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_SIP_AUTHENTICATE, VM, V3,
                                        maa->sip_authenticate, sizeof maa->sip_authenticate);
      imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_SIP_AUTHORIZATION, VM, V3,
                                        maa->xres, maa->xres_len);
      imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_CONFIDENTIALITY_KEY, VM, V3,
                                        maa->ck, sizeof maa->ck);
      imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_INTEGRITY_KEY, VM, V3,
                                        maa->ik, sizeof maa->ik);
      imps_diameter_builder_end_group (b);
    }
  if (maa->guss)
    imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_GBA_USERSECSETTINGS, VM, V3,
                                      maa->guss, maa->guss_len);
  if (maa->failed_avp != NULL)
    {
      imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_FAILED_AVP, IMPS_DIAMETER_AVP_FLAG_M, 0);
      imps_diameter_builder_add_avp (b, maa->failed_avp);
      imps_diameter_builder_end_group (b);
    }
  return imps_diameter_builder_finish (b);
}

ImpsDiameterMaa *
imps_diameter_maa_parse (const ImpsDiameterMessage *msg, GError **error)
{
  const gchar *what = "MAA";
  guint32 state = 0;

  g_return_val_if_fail (msg != NULL, NULL);
  if (!imps_diameter_expect (msg, IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH, IMPS_DIAMETER_APP_ZH,
                             FALSE, what, error))
    return NULL;

  g_autoptr (ImpsDiameterMaa) maa = imps_diameter_maa_new ();
  maa->hop_by_hop = msg->hop_by_hop;
  maa->end_to_end = msg->end_to_end;
  if (!read_common (msg, what, IMPS_DIAMETER_APP_ZH, &maa->session_id, &maa->origin_host,
                    &maa->origin_realm, error)
      || !imps_diameter_read_result (msg, what, &maa->result_code, &maa->experimental_result,
                                     error)
      || !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_AUTH_SESSION_STATE, TRUE, what,
                                  NULL, &state, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_USER_NAME, FALSE, what,
                                   &maa->impi, error)
      || !imps_diameter_read_utf8 (msg, -1, V3, IMPS_DIAMETER_AVP_PUBLIC_IDENTITY, FALSE, what,
                                   &maa->impu, error)
      || !imps_diameter_read_u32 (msg, -1, V3, IMPS_DIAMETER_AVP_SIP_NUMBER_AUTH_ITEMS, FALSE,
                                  what, NULL, &maa->number_auth_items, error)
      || !read_guss (msg, what, &maa->guss, &maa->guss_len, error))
    return NULL;

  gint item = imps_diameter_message_find (msg, V3, IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM);
  if (item >= 0)
    {
      gboolean failed;
      const ImpsDiameterAvp *xres =
        imps_diameter_lookup (msg, item, V3, IMPS_DIAMETER_AVP_SIP_AUTHORIZATION, TRUE, what,
                              &failed, error);
      if (xres == NULL)
        return NULL;
      if (xres->len < IMPS_DIAMETER_XRES_MIN || xres->len > IMPS_DIAMETER_XRES_MAX)
        {
          g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                       "%s: SIP-Authorization (610) at offset %u: XRES of %u bytes, "
                       "expected 4 to 16", what, xres->offset, xres->len);
          imps_diameter_error_set_avp (error, xres->offset);
          return NULL;
        }
      memcpy (maa->xres, xres->data, xres->len);
      maa->xres_len = xres->len;
      if (!imps_diameter_read_utf8 (msg, item, V3, IMPS_DIAMETER_AVP_SIP_AUTHENTICATION_SCHEME,
                                    FALSE, what, &maa->auth_scheme, error)
          || !imps_diameter_read_fixed (msg, item, V3, IMPS_DIAMETER_AVP_SIP_AUTHENTICATE, TRUE,
                                        what, NULL, maa->sip_authenticate,
                                        sizeof maa->sip_authenticate, error)
          || !imps_diameter_read_fixed (msg, item, V3, IMPS_DIAMETER_AVP_CONFIDENTIALITY_KEY,
                                        TRUE, what, NULL, maa->ck, sizeof maa->ck, error)
          || !imps_diameter_read_fixed (msg, item, V3, IMPS_DIAMETER_AVP_INTEGRITY_KEY, TRUE,
                                        what, NULL, maa->ik, sizeof maa->ik, error))
        return NULL;
      maa->has_av = TRUE;
    }
  return g_steal_pointer (&maa);
}

/* ---- BIR ---- */

ImpsDiameterBir *
imps_diameter_bir_new (void)
{
  ImpsDiameterBir *bir = g_new0 (ImpsDiameterBir, 1);

  bir->gba_u_awareness = -1;
  return bir;
}

void
imps_diameter_bir_free (ImpsDiameterBir *bir)
{
  if (bir == NULL)
    return;
  g_free (bir->session_id);
  g_free (bir->origin_host);
  g_free (bir->origin_realm);
  g_free (bir->destination_realm);
  g_free (bir->destination_host);
  g_free (bir->btid);
  g_free (bir->naf_id);
  g_strfreev (bir->gsids);
  g_free (bir);
}

GBytes *
imps_diameter_bir_build (const ImpsDiameterBir *bir)
{
  g_return_val_if_fail (bir != NULL, NULL);
  g_return_val_if_fail (bir->session_id && bir->origin_host && bir->origin_realm
                        && bir->destination_realm && bir->btid && bir->naf_id, NULL);
  g_return_val_if_fail (bir->gba_u_awareness >= -1 && bir->gba_u_awareness <= 1, NULL);

  ImpsDiameterBuilder *b =
    imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P,
                               IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO, IMPS_DIAMETER_APP_ZN,
                               bir->hop_by_hop, bir->end_to_end);
  add_session_and_vsai (b, bir->session_id, IMPS_DIAMETER_APP_ZN);
  add_origin (b, bir->origin_host, bir->origin_realm);
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_DESTINATION_REALM, M, 0,
                                      bir->destination_realm);
  if (bir->destination_host)
    imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_DESTINATION_HOST, M, 0,
                                        bir->destination_host);
  for (gchar **g = bir->gsids; g && *g; g++)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_GAA_SERVICE_IDENTIFIER, VM, V3, *g);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_TRANSACTION_IDENTIFIER, VM, V3,
                                  bir->btid);
  imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_NAF_ID, VM, V3, bir->naf_id,
                                    bir->naf_id_len);
  if (bir->gba_u_awareness >= 0)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_GBA_U_AWARENESS_INDICATOR, VM, V3,
                                   (guint32) bir->gba_u_awareness);
  return imps_diameter_builder_finish (b);
}

ImpsDiameterBir *
imps_diameter_bir_parse (const ImpsDiameterMessage *msg, GError **error)
{
  const gchar *what = "BIR";

  g_return_val_if_fail (msg != NULL, NULL);
  if (!imps_diameter_expect (msg, IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO, IMPS_DIAMETER_APP_ZN,
                             TRUE, what, error))
    return NULL;

  g_autoptr (ImpsDiameterBir) bir = imps_diameter_bir_new ();
  bir->hop_by_hop = msg->hop_by_hop;
  bir->end_to_end = msg->end_to_end;
  if (!read_common (msg, what, IMPS_DIAMETER_APP_ZN, &bir->session_id, &bir->origin_host,
                    &bir->origin_realm, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_DESTINATION_REALM, TRUE, what,
                                   &bir->destination_realm, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_DESTINATION_HOST, FALSE, what,
                                   &bir->destination_host, error)
      || !imps_diameter_read_utf8 (msg, -1, V3, IMPS_DIAMETER_AVP_TRANSACTION_IDENTIFIER, TRUE,
                                   what, &bir->btid, error)
      || !imps_diameter_read_octets (msg, -1, V3, IMPS_DIAMETER_AVP_NAF_ID, TRUE, what,
                                     &bir->naf_id, &bir->naf_id_len, error)
      || !read_enum (msg, IMPS_DIAMETER_AVP_GBA_U_AWARENESS_INDICATOR, what,
                     &bir->gba_u_awareness, error))
    return NULL;

  guint n = imps_diameter_message_count (msg, V3, IMPS_DIAMETER_AVP_GAA_SERVICE_IDENTIFIER);
  if (n > IMPS_DIAMETER_MAX_GSIDS)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_MANY_AVPS,
                   "%s: %u GAA-Service-Identifier (403) AVPs, at most %u", what, n,
                   (guint) IMPS_DIAMETER_MAX_GSIDS);
      return NULL;
    }
  if (n > 0)
    {
      bir->gsids = g_new0 (gchar *, n + 1);
      guint k = 0;
      for (guint i = 0; i < msg->avps->len;)
        {
          const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
          if (a->vendor_id == V3 && a->code == IMPS_DIAMETER_AVP_GAA_SERVICE_IDENTIFIER)
            {
              bir->gsids[k] = imps_diameter_avp_dup_utf8 (a, error);
              if (bir->gsids[k] == NULL)
                return NULL;
              k++;
            }
          i = a->next;
        }
    }
  return g_steal_pointer (&bir);
}

/* ---- BIA ---- */

ImpsDiameterBia *
imps_diameter_bia_new (void)
{
  ImpsDiameterBia *bia = g_new0 (ImpsDiameterBia, 1);

  bia->gba_type = -1;
  return bia;
}

ImpsDiameterBia *
imps_diameter_bia_new_for (const ImpsDiameterBir *bir)
{
  g_return_val_if_fail (bir != NULL, NULL);

  ImpsDiameterBia *bia = imps_diameter_bia_new ();
  bia->hop_by_hop = bir->hop_by_hop;
  bia->end_to_end = bir->end_to_end;
  bia->session_id = g_strdup (bir->session_id);
  return bia;
}

void
imps_diameter_bia_free (ImpsDiameterBia *bia)
{
  if (bia == NULL)
    return;
  g_free (bia->session_id);
  g_free (bia->origin_host);
  g_free (bia->origin_realm);
  g_free (bia->impi);
  g_free (bia->guss);
  imps_wipe (bia, sizeof *bia);
  g_free (bia);
}

GBytes *
imps_diameter_bia_build (const ImpsDiameterBia *bia)
{
  g_return_val_if_fail (bia != NULL, NULL);
  g_return_val_if_fail (bia->session_id && bia->origin_host && bia->origin_realm, NULL);
  g_return_val_if_fail (bia->result_code != 0 || bia->experimental_result != 0, NULL);
  g_return_val_if_fail (bia->gba_type >= -1 && bia->gba_type <= 1, NULL);

  ImpsDiameterBuilder *b =
    imps_diameter_builder_new (IMPS_DIAMETER_FLAG_P, IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO,
                               IMPS_DIAMETER_APP_ZN, bia->hop_by_hop, bia->end_to_end);
  add_session_and_vsai (b, bia->session_id, IMPS_DIAMETER_APP_ZN);
  imps_diameter_add_result (b, bia->result_code, bia->experimental_result);
  add_origin (b, bia->origin_host, bia->origin_realm);
  if (bia->impi)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_USER_NAME, M, 0, bia->impi);
  if (bia->has_me_key)
    imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_ME_KEY_MATERIAL, VM, V3,
                                      bia->me_key, sizeof bia->me_key);
  if (bia->has_uicc_key)
    imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_UICC_KEY_MATERIAL, VM, V3,
                                      bia->uicc_key, sizeof bia->uicc_key);
  if (bia->has_key_expiry)
    imps_diameter_builder_add_time (b, IMPS_DIAMETER_AVP_KEY_EXPIRYTIME, VM, V3,
                                    bia->key_expiry);
  if (bia->has_creation_time)
    imps_diameter_builder_add_time (b, IMPS_DIAMETER_AVP_BOOTSTRAPINFO_CREATIONTIME, VM, V3,
                                    bia->creation_time);
  if (bia->guss)
    imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_GBA_USERSECSETTINGS, VM, V3,
                                      bia->guss, bia->guss_len);
  if (bia->gba_type >= 0)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_GBA_TYPE, VM, V3,
                                   (guint32) bia->gba_type);
  if (bia->failed_avp != NULL)
    {
      imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_FAILED_AVP, IMPS_DIAMETER_AVP_FLAG_M, 0);
      imps_diameter_builder_add_avp (b, bia->failed_avp);
      imps_diameter_builder_end_group (b);
    }
  return imps_diameter_builder_finish (b);
}

ImpsDiameterBia *
imps_diameter_bia_parse (const ImpsDiameterMessage *msg, GError **error)
{
  const gchar *what = "BIA";

  g_return_val_if_fail (msg != NULL, NULL);
  if (!imps_diameter_expect (msg, IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO, IMPS_DIAMETER_APP_ZN,
                             FALSE, what, error))
    return NULL;

  g_autoptr (ImpsDiameterBia) bia = imps_diameter_bia_new ();
  bia->hop_by_hop = msg->hop_by_hop;
  bia->end_to_end = msg->end_to_end;
  if (!read_common (msg, what, IMPS_DIAMETER_APP_ZN, &bia->session_id, &bia->origin_host,
                    &bia->origin_realm, error)
      || !imps_diameter_read_result (msg, what, &bia->result_code, &bia->experimental_result,
                                     error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_USER_NAME, FALSE, what,
                                   &bia->impi, error)
      || !imps_diameter_read_fixed (msg, -1, V3, IMPS_DIAMETER_AVP_ME_KEY_MATERIAL, FALSE, what,
                                    &bia->has_me_key, bia->me_key, sizeof bia->me_key, error)
      || !imps_diameter_read_fixed (msg, -1, V3, IMPS_DIAMETER_AVP_UICC_KEY_MATERIAL, FALSE,
                                    what, &bia->has_uicc_key, bia->uicc_key,
                                    sizeof bia->uicc_key, error)
      || !imps_diameter_read_u32 (msg, -1, V3, IMPS_DIAMETER_AVP_KEY_EXPIRYTIME, FALSE, what,
                                  &bia->has_key_expiry, &bia->key_expiry, error)
      || !imps_diameter_read_u32 (msg, -1, V3, IMPS_DIAMETER_AVP_BOOTSTRAPINFO_CREATIONTIME,
                                  FALSE, what, &bia->has_creation_time, &bia->creation_time,
                                  error)
      || !read_guss (msg, what, &bia->guss, &bia->guss_len, error)
      || !read_enum (msg, IMPS_DIAMETER_AVP_GBA_TYPE, what, &bia->gba_type, error))
    return NULL;
  return g_steal_pointer (&bia);
}
