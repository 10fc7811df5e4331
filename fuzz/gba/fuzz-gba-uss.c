/* Fuzz target for the USS list reader (GUSS of Zh, ussList of Zn; gba.md
 * §9.4, §10.1). Whatever parses must build, and the built ussList must
 * parse back to the same USSs. */
#include "gba/imps-gba-uss.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
strv_same (GStrv a, GStrv b)
{
  guint i;
  for (i = 0; a[i] && b[i]; i++)
    if (strcmp (a[i], b[i]) != 0)
      return FALSE;
  return a[i] == NULL && b[i] == NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (ImpsGbaUssList) list = imps_gba_uss_list_parse (data, size, NULL);
  if (list == NULL)
    return 0;
  g_auto (GStrv) uids = imps_gba_uss_list_uids (list, IMPS_GBA_GSID_IMS_MEDIA);
  for (guint i = 0; uids[i]; i++)
    if (uids[i][0] == '\0')  /* the reader refuses empty uids */
      abort ();
  g_autofree gchar *xml = imps_gba_uss_list_build (list, NULL);
  g_autoptr (ImpsGbaUssList) back =
    imps_gba_uss_list_parse ((const guint8 *) xml, strlen (xml), NULL);
  if (back == NULL || back->uss->len != list->uss->len)
    abort ();
  for (guint i = 0; i < list->uss->len; i++)
    {
      ImpsGbaUss *a = g_ptr_array_index (list->uss, i), *b = g_ptr_array_index (back->uss, i);
      if (g_strcmp0 (a->id, b->id) != 0 || g_strcmp0 (a->type, b->type) != 0
          || g_strcmp0 (a->naf_group, b->naf_group) != 0 || !strv_same (a->uids, b->uids)
          || !strv_same (a->flags, b->flags))
        abort ();
    }
  return 0;
}
