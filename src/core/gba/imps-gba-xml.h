/* The BootstrappingInfo body of the Ub 200 OK (TS 24.109 Annex C,
 * gba.md §6.2 (4) and §6.4): build, and a bounded parse.
 *
 * The parser is this module's own small XML reader: UTF-8 only, no DTD
 * (a DOCTYPE is refused, so no entity expansion beyond the five predefined
 * entities and character references), namespaces resolved, comments,
 * processing instructions and CDATA accepted. It accepts only what the
 * schema needs: the root BootstrappingInfo in namespace "uri:3gpp-gba" with
 * btid and lifetime (each exactly once) and an optional Extension whose
 * currenttime it reads; unknown elements and attributes are skipped (but
 * must still be well-formed). Errors name the line and column.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_GBA_XML_NAMESPACE "uri:3gpp-gba"
#define IMPS_GBA_XML_CONTENT_TYPE "application/vnd.3gpp.bsf+xml"

/* Bounds of the parser. */
#define IMPS_GBA_XML_MAX_SIZE (16 * 1024)
#define IMPS_GBA_XML_MAX_DEPTH 16
#define IMPS_GBA_XML_MAX_ELEMENTS 256
#define IMPS_GBA_XML_MAX_ATTRIBUTES 16      /* per element */
#define IMPS_GBA_XML_MAX_NAME 128
#define IMPS_GBA_XML_MAX_VALUE 1024         /* attribute value or element text */
#define IMPS_GBA_XML_MAX_NS_BINDINGS 32     /* in scope at once */

/* Length of "YYYY-MM-DDThh:mm:ssZ" plus its NUL. */
#define IMPS_GBA_DATETIME_LEN 21

typedef struct {
  gchar *btid;               /* owned */
  gint64 lifetime;           /* expiry of Ks, seconds since 1970-01-01T00:00:00Z */
  gboolean has_current_time;
  gint64 current_time;       /* Extension/currenttime, same scale */
} ImpsGbaBootstrappingInfo;

/* @btid is copied. */
ImpsGbaBootstrappingInfo *imps_gba_bootstrapping_info_new (const gchar *btid,
                                                           gint64 lifetime);
void imps_gba_bootstrapping_info_free (ImpsGbaBootstrappingInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsGbaBootstrappingInfo, imps_gba_bootstrapping_info_free)

/* The body in the layout of gba.md §6.2 (4): XML declaration, one element
 * per line, LF line ends, a final LF. With has_current_time an Extension
 * with currenttime follows lifetime. Returns NULL (and sets @error) when a
 * time is outside years 1970..9999 or the B-TID fails imps_gba_btid_check().
 * *@len (optional) receives the length. Free with g_free(). */
gchar *imps_gba_bootstrapping_info_build (const ImpsGbaBootstrappingInfo *info,
                                          gsize *len, GError **error);

ImpsGbaBootstrappingInfo *imps_gba_bootstrapping_info_parse (const guint8 *data,
                                                             gsize len,
                                                             GError **error);

/* xs:dateTime in UTC: "YYYY-MM-DDThh:mm:ssZ". FALSE outside 1970..9999. */
gboolean imps_gba_datetime_format (gint64 t, gchar out[IMPS_GBA_DATETIME_LEN]);

/* Reads an xs:dateTime: YYYY-MM-DDThh:mm:ss, optional fraction (dropped),
 * then 'Z' or +hh:mm / -hh:mm (a time without a zone is refused: Ks expiry
 * must not depend on the reader's clock). Years 1970..9999. */
gboolean imps_gba_datetime_parse (const gchar *text, gsize len, gint64 *out,
                                  GError **error);

G_END_DECLS
