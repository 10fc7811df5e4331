/* Fuzz target for the BootstrappingInfo XML parser (24.109 Annex C).
 * Whatever parses must build, and the built body must parse back to the
 * same values. */
#include "gba/imps-gba-xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (ImpsGbaBootstrappingInfo) info =
    imps_gba_bootstrapping_info_parse (data, size, NULL);
  if (info == NULL)
    return 0;
  gsize len = 0;
  g_autofree gchar *xml = imps_gba_bootstrapping_info_build (info, &len, NULL);
  if (xml == NULL)
    abort ();
  g_autoptr (ImpsGbaBootstrappingInfo) back =
    imps_gba_bootstrapping_info_parse ((const guint8 *) xml, len, NULL);
  if (back == NULL || strcmp (back->btid, info->btid) != 0
      || back->lifetime != info->lifetime
      || back->has_current_time != info->has_current_time
      || (info->has_current_time && back->current_time != info->current_time))
    abort ();
  return 0;
}
