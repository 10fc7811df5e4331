/* Fuzz target: the byte form of the USIM SQN state
 * (imps_aka_sqn_state_parse), which the UE simulator reads back from its
 * state directory. Whatever parses must serialise back to the same bytes
 * and stay usable for an SQN check. */
#include "aka/imps-aka.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ImpsAkaSqnState st;
  GError *error = NULL;

  if (!imps_aka_sqn_state_parse (data, size, &st, &error))
    {
      if (error == NULL || error->domain != IMPS_AKA_ERROR)
        __builtin_trap ();
      g_error_free (error);
      return 0;
    }
  GBytes *back = imps_aka_sqn_state_serialize (&st);
  if (g_bytes_get_size (back) != size
      || memcmp (g_bytes_get_data (back, NULL), data, size) != 0)
    __builtin_trap ();
  g_bytes_unref (back);

  guint64 sqn = 0;
  for (gsize i = 0; i < MIN (size, (gsize) 6); i++)
    sqn = (sqn << 8) | data[i];
  if (imps_aka_sqn_state_accept (&st, sqn & IMPS_AKA_SQN_MAX, &error))
    (void) imps_aka_sqn_state_highest (&st);
  else
    g_clear_error (&error);
  return 0;
}
