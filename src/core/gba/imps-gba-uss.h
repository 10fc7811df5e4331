/* User security settings (USS) of a GUSS (Zh) or of a BIA's ussList (Zn),
 * gba.md §9.4 and §10.1: a bounded reader and a writer.
 *
 * The reader takes either a <guss> document (its <ussList> is read) or a
 * bare <ussList>; element names are matched by local name whatever their
 * namespace (gba.md D8: the namespace is not pinned down). For each <uss>
 * it keeps the attributes id, type (the GSID) and nafGroup, the <uid> texts
 * under <uids> and the <flag> texts under <flags>; everything else is
 * skipped but must be well-formed. UTF-8 only; no DTD (a DOCTYPE is
 * refused, so only the five predefined entities and character references
 * are expanded); comments, processing instructions and CDATA are accepted.
 * Every size, depth and count is bounded (below); errors name the byte
 * offset and use the IMPS_GBA_ERROR_XML_* codes.
 *
 * impsim's GSID for the KMS's GAA service (docs/profile.md §11) is
 * IMPS_GBA_GSID_IMS_MEDIA: outside the 3GPP range 0..999999, as gba.md
 * §9.4 suggests for a service 3GPP has not numbered. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_GBA_GSID_IMS_MEDIA "1000006"

/* Bounds of the reader. */
#define IMPS_GBA_USS_MAX_SIZE (32 * 1024)
#define IMPS_GBA_USS_MAX_DEPTH 8
#define IMPS_GBA_USS_MAX_ELEMENTS 1024
#define IMPS_GBA_USS_MAX_USS 16
#define IMPS_GBA_USS_MAX_UIDS 64        /* per USS */
#define IMPS_GBA_USS_MAX_FLAGS 16       /* per USS */
#define IMPS_GBA_USS_MAX_VALUE 512      /* attribute value or element text */

typedef struct {
  gchar *id;            /* may be NULL */
  gchar *type;          /* the GSID; may be NULL */
  gchar *naf_group;     /* may be NULL */
  GStrv uids;           /* never NULL */
  GStrv flags;          /* never NULL */
} ImpsGbaUss;

typedef struct {
  GPtrArray *uss;       /* ImpsGbaUss*, owned */
} ImpsGbaUssList;

ImpsGbaUssList *imps_gba_uss_list_new (void);
void imps_gba_uss_list_free (ImpsGbaUssList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsGbaUssList, imps_gba_uss_list_free)

/* Adds a USS (strings copied; @uids and @flags NULL-terminated or NULL). */
void imps_gba_uss_list_add (ImpsGbaUssList *list, const gchar *id, const gchar *type,
                            const gchar *const *uids, const gchar *const *flags);

ImpsGbaUssList *imps_gba_uss_list_parse (const guint8 *data, gsize len, GError **error);

/* The USSs whose type is one of @types (NULL: all), as a <ussList>
 * document (the body of GBA-UserSecSettings in a BIA). Free with g_free(). */
gchar *imps_gba_uss_list_build (const ImpsGbaUssList *list, const gchar *const *types);

/* The uids of every USS of type @type, in order, without duplicates. */
GStrv imps_gba_uss_list_uids (const ImpsGbaUssList *list, const gchar *type);

G_END_DECLS
