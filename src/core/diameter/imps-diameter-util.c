/* Helpers shared by the typed Diameter message helpers. */
#include "imps-diameter-private.h"
#include "imps-diameter-dict.h"

#include <string.h>

static const gchar *
avp_name (guint32 vendor, guint32 code)
{
  const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (vendor, code);

  return e != NULL ? e->name : "AVP";
}

gboolean
imps_diameter_expect (const ImpsDiameterMessage *msg, guint32 command,
                      guint32 application_id, gboolean request, const gchar *what,
                      GError **error)
{
  if (msg->command == command && msg->application_id == application_id
      && imps_diameter_message_is_request (msg) == request)
    return TRUE;
  g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_UNEXPECTED,
               "expected %s (command %u, application %u, %s), got command %u, "
               "application %u, %s", what, command, application_id,
               request ? "request" : "answer", msg->command, msg->application_id,
               imps_diameter_message_is_request (msg) ? "request" : "answer");
  return FALSE;
}

const ImpsDiameterAvp *
imps_diameter_lookup (const ImpsDiameterMessage *msg, gint parent, guint32 vendor,
                      guint32 code, gboolean required, const gchar *what,
                      gboolean *failed, GError **error)
{
  gint i = parent < 0 ? imps_diameter_message_find (msg, vendor, code)
    : imps_diameter_message_find_child (msg, (guint) parent, vendor, code);

  *failed = FALSE;
  if (i >= 0)
    return imps_diameter_message_avp (msg, (guint) i);
  if (required)
    {
      *failed = TRUE;
      if (parent < 0)
        g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_MISSING_AVP,
                     "%s: %s (%u) missing", what, avp_name (vendor, code), code);
      else
        {
          const ImpsDiameterAvp *p = imps_diameter_message_avp (msg, (guint) parent);
          g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_MISSING_AVP,
                       "%s: %s (%u) missing in %s at offset %u", what,
                       avp_name (vendor, code), code, avp_name (p->vendor_id, p->code),
                       p->offset);
        }
      imps_diameter_error_set_missing (error, vendor, code);
    }
  return NULL;
}

gboolean
imps_diameter_read_utf8 (const ImpsDiameterMessage *msg, gint parent, guint32 vendor,
                         guint32 code, gboolean required, const gchar *what,
                         gchar **out, GError **error)
{
  gboolean failed;
  const ImpsDiameterAvp *a = imps_diameter_lookup (msg, parent, vendor, code, required,
                                                   what, &failed, error);

  *out = NULL;
  if (a == NULL)
    return !failed;
  *out = imps_diameter_avp_dup_utf8 (a, error);
  return *out != NULL;
}

gboolean
imps_diameter_read_u32 (const ImpsDiameterMessage *msg, gint parent, guint32 vendor,
                        guint32 code, gboolean required, const gchar *what,
                        gboolean *present, guint32 *out, GError **error)
{
  gboolean failed;
  const ImpsDiameterAvp *a = imps_diameter_lookup (msg, parent, vendor, code, required,
                                                   what, &failed, error);

  if (present)
    *present = FALSE;
  if (a == NULL)
    return !failed;
  if (!imps_diameter_avp_get_u32 (a, out, error))
    return FALSE;
  if (present)
    *present = TRUE;
  return TRUE;
}

gboolean
imps_diameter_read_fixed (const ImpsDiameterMessage *msg, gint parent, guint32 vendor,
                          guint32 code, gboolean required, const gchar *what,
                          gboolean *present, guint8 *out, gsize len, GError **error)
{
  gboolean failed;
  const ImpsDiameterAvp *a = imps_diameter_lookup (msg, parent, vendor, code, required,
                                                   what, &failed, error);

  if (present)
    *present = FALSE;
  if (a == NULL)
    return !failed;
  if (!imps_diameter_avp_get_fixed (a, out, len, error))
    return FALSE;
  if (present)
    *present = TRUE;
  return TRUE;
}

gboolean
imps_diameter_read_octets (const ImpsDiameterMessage *msg, gint parent, guint32 vendor,
                           guint32 code, gboolean required, const gchar *what,
                           guint8 **out, gsize *out_len, GError **error)
{
  gboolean failed;
  const ImpsDiameterAvp *a = imps_diameter_lookup (msg, parent, vendor, code, required,
                                                   what, &failed, error);

  *out = NULL;
  *out_len = 0;
  if (a == NULL)
    return !failed;
  *out = g_malloc (a->len + 1);
  memcpy (*out, a->data, a->len);
  (*out)[a->len] = 0;
  *out_len = a->len;
  return TRUE;
}

gboolean
imps_diameter_read_result (const ImpsDiameterMessage *msg, const gchar *what,
                           guint32 *result_code, guint32 *experimental, GError **error)
{
  gboolean have_rc = FALSE, have_exp = FALSE;

  *result_code = 0;
  *experimental = 0;
  if (!imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_RESULT_CODE, FALSE, what,
                               &have_rc, result_code, error))
    return FALSE;
  gint er = imps_diameter_message_find (msg, 0, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT);
  if (er >= 0)
    {
      if (!imps_diameter_read_u32 (msg, er, 0, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE,
                                   TRUE, what, &have_exp, experimental, error))
        return FALSE;
    }
  if (!have_rc && !have_exp)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_MISSING_AVP,
                   "%s: neither Result-Code (268) nor Experimental-Result (297)", what);
      imps_diameter_error_set_missing (error, 0, IMPS_DIAMETER_AVP_RESULT_CODE);
      return FALSE;
    }
  return TRUE;
}

void
imps_diameter_add_result (ImpsDiameterBuilder *b, guint32 result_code, guint32 experimental)
{
  const guint8 m = IMPS_DIAMETER_AVP_FLAG_M;

  if (result_code != 0)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, m, 0, result_code);
  if (experimental != 0)
    {
      imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT, m, 0);
      imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_VENDOR_ID, m, 0,
                                     IMPS_DIAMETER_VENDOR_3GPP);
      imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE, m, 0,
                                     experimental);
      imps_diameter_builder_end_group (b);
    }
}

void
imps_diameter_add_vsai (ImpsDiameterBuilder *b, guint32 application_id)
{
  const guint8 m = IMPS_DIAMETER_AVP_FLAG_M;

  imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_VENDOR_SPECIFIC_APPLICATION_ID, m, 0);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_VENDOR_ID, m, 0, IMPS_DIAMETER_VENDOR_3GPP);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID, m, 0, application_id);
  imps_diameter_builder_end_group (b);
}

gboolean
imps_diameter_check_vsai (const ImpsDiameterMessage *msg, guint32 application_id,
                          const gchar *what, GError **error)
{
  gboolean failed;
  guint32 vendor = 0, app = 0;
  const ImpsDiameterAvp *g =
    imps_diameter_lookup (msg, -1, 0, IMPS_DIAMETER_AVP_VENDOR_SPECIFIC_APPLICATION_ID,
                          TRUE, what, &failed, error);

  if (g == NULL)
    return FALSE;
  gint gi = (gint) (g - imps_diameter_message_avp (msg, 0));
  if (!imps_diameter_read_u32 (msg, gi, 0, IMPS_DIAMETER_AVP_VENDOR_ID, TRUE, what,
                               NULL, &vendor, error)
      || !imps_diameter_read_u32 (msg, gi, 0, IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID, TRUE,
                                  what, NULL, &app, error))
    return FALSE;
  if (vendor != IMPS_DIAMETER_VENDOR_3GPP || app != application_id)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                   "%s: Vendor-Specific-Application-Id at offset %u names vendor %u, "
                   "application %u; expected %u, %u", what, g->offset, vendor, app,
                   (guint) IMPS_DIAMETER_VENDOR_3GPP, application_id);
      imps_diameter_error_set_avp (error, g->offset);
      return FALSE;
    }
  return TRUE;
}
