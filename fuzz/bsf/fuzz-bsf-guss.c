/* Fuzz target for the BSF's GUSS lifeTime reader (gba.md §9.4): never
 * reads out of bounds, a found lifetime is within its bounds and comes with
 * no error, a refusal comes with an error of its own domain, and a found
 * value written back in the HSS stub's layout reads back the same. */
#include "imps-bsf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  gint64 lifetime = -1;
  /* A copy of exactly @size bytes, so ASan sees any read past the end. */
  guint8 *copy = g_memdup2 (data, size);
  gboolean found = imps_bsf_guss_lifetime (copy, size, &lifetime, &error);
  g_free (copy);
  if (found)
    {
      if (error != NULL || lifetime < 1 || lifetime > IMPS_BSF_MAX_LIFETIME)
        abort ();
      g_autofree gchar *xml = g_strdup_printf ("<guss><bsfInfo><lifeTime>%" G_GINT64_FORMAT
                                               "</lifeTime></bsfInfo></guss>", lifetime);
      gint64 back = 0;
      if (!imps_bsf_guss_lifetime ((const guint8 *) xml, strlen (xml), &back, NULL)
          || back != lifetime)
        abort ();
    }
  else if (error != NULL && !g_error_matches (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_GUSS))
    abort ();
  g_clear_error (&error);
  return 0;
}
