/* Secrets: memory that is wiped before it is freed.
 *
 * Every key in impsim lives either in a fixed array inside a struct whose
 * free function wipes it, or in an ImpsSecret. Nothing here logs.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Overwrites @len bytes at @p with zeros in a way the compiler keeps. */
void imps_wipe (gpointer p, gsize len);

/* Wipes and frees a g_malloc'd buffer of @len bytes. NULL is allowed. */
void imps_wipe_free (gpointer p, gsize len);

/* Constant-time comparison; TRUE when equal. */
gboolean imps_mem_equal (const guint8 *a, const guint8 *b, gsize len);

typedef struct {
  gsize len;
  guint8 *data;
} ImpsSecret;

ImpsSecret *imps_secret_new (const guint8 *data, gsize len);
/* A secret of @len zero bytes, to be filled by the caller. */
ImpsSecret *imps_secret_new0 (gsize len);
ImpsSecret *imps_secret_dup (const ImpsSecret *secret);
void imps_secret_free (ImpsSecret *secret);
gboolean imps_secret_equal (const ImpsSecret *a, const ImpsSecret *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSecret, imps_secret_free)

G_END_DECLS
