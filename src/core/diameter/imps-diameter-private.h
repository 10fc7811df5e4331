/* Helpers shared by the typed Diameter message helpers (not installed). */
#pragma once

#include "imps-diameter.h"

G_BEGIN_DECLS

/* Record in *@error (when it is an IMPS_DIAMETER_ERROR) which AVP it is
 * about: the one whose header is at @offset, or the missing (@vendor,
 * @code). */
void imps_diameter_error_set_avp (GError **error, guint32 offset);
void imps_diameter_error_set_missing (GError **error, guint32 vendor, guint32 code);

/* Checks command, application and the R flag; @what ("MAR") names the
 * message in the error. */
gboolean imps_diameter_expect (const ImpsDiameterMessage *msg, guint32 command,
                               guint32 application_id, gboolean request,
                               const gchar *what, GError **error);

/* Finds (@vendor, @code) at the top level (@parent < 0) or inside the
 * grouped AVP at index @parent. When absent: an error if @required (naming
 * @what and the AVP), else NULL with no error. *@failed is set on error. */
const ImpsDiameterAvp *imps_diameter_lookup (const ImpsDiameterMessage *msg, gint parent,
                                             guint32 vendor, guint32 code,
                                             gboolean required, const gchar *what,
                                             gboolean *failed, GError **error);

/* Reads UTF-8 text into *@out (NULL when absent and not required). */
gboolean imps_diameter_read_utf8 (const ImpsDiameterMessage *msg, gint parent,
                                  guint32 vendor, guint32 code, gboolean required,
                                  const gchar *what, gchar **out, GError **error);
/* Reads an Unsigned32 (also Enumerated and Time); *@present tells. */
gboolean imps_diameter_read_u32 (const ImpsDiameterMessage *msg, gint parent,
                                 guint32 vendor, guint32 code, gboolean required,
                                 const gchar *what, gboolean *present, guint32 *out,
                                 GError **error);
/* Reads exactly @len bytes into @out; *@present tells. */
gboolean imps_diameter_read_fixed (const ImpsDiameterMessage *msg, gint parent,
                                   guint32 vendor, guint32 code, gboolean required,
                                   const gchar *what, gboolean *present,
                                   guint8 *out, gsize len, GError **error);
/* Copies an OctetString of any length (plus a NUL after it) into *@out. */
gboolean imps_diameter_read_octets (const ImpsDiameterMessage *msg, gint parent,
                                    guint32 vendor, guint32 code, gboolean required,
                                    const gchar *what, guint8 **out, gsize *out_len,
                                    GError **error);

/* Result-Code, or the Experimental-Result-Code inside Experimental-Result;
 * an answer needs one of them. */
gboolean imps_diameter_read_result (const ImpsDiameterMessage *msg, const gchar *what,
                                    guint32 *result_code, guint32 *experimental,
                                    GError **error);
void imps_diameter_add_result (ImpsDiameterBuilder *b, guint32 result_code,
                               guint32 experimental);

/* Vendor-Specific-Application-Id { Vendor-Id 10415, Auth-Application-Id }. */
void imps_diameter_add_vsai (ImpsDiameterBuilder *b, guint32 application_id);
gboolean imps_diameter_check_vsai (const ImpsDiameterMessage *msg, guint32 application_id,
                                   const gchar *what, GError **error);

G_END_DECLS
