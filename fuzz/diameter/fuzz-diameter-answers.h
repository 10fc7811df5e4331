/* What the Diameter server fuzz targets require of every answer a server
 * wrote for their input: whole frames that parse as answers. @check, when
 * given, looks further at each answer (aborting on what must not be). */
#pragma once

#include "diameter/imps-diameter.h"

#include <stdlib.h>

typedef void (*FuzzDiameterAnswerCheck) (ImpsDiameterMessage *answer);

static inline void
fuzz_diameter_check_answers (const GByteArray *out, FuzzDiameterAnswerCheck check)
{
  gsize off = 0;
  while (off < out->len)
    {
      gssize n = imps_diameter_frame_length (out->data + off, out->len - off, NULL);
      if (n <= 0 || (gsize) n > out->len - off)
        abort ();
      ImpsDiameterMessage *m = imps_diameter_message_parse (out->data + off, (gsize) n, NULL);
      if (m == NULL || imps_diameter_message_is_request (m))
        abort ();
      if (check)
        check (m);
      imps_diameter_message_free (m);
      off += (gsize) n;
    }
}
