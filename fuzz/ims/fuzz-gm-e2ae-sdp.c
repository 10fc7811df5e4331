/* The SDP rewrite that asks for e2ae on behalf of an outside device
 * (imps_pcscf_gm_sdp_request_e2ae): any bytes as an SDP body. Nothing may
 * crash; when lines were added, the output is the input with exactly that
 * many "a=3ge2ae:requested" lines (and at most one line end) more, and a
 * second pass adds nothing.
 *
 * Seeds: offers with one and two a=crypto media lines, one already marked,
 * one without a final line end, written for this target. */
#include "imps-pcscf-gm.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gsize out_len = 0;
  guint added = 0;
  g_autofree gchar *out = imps_pcscf_gm_sdp_request_e2ae ((const gchar *) data, size, &out_len,
                                                          &added);
  if (out == NULL)
    {
      g_assert (added == 0);
      return 0;
    }
  g_assert (added > 0);
  gsize line = strlen ("a=3ge2ae:requested\r\n");
  g_assert (out_len == size + added * line || out_len == size + added * line + 2);
  g_assert (memcmp (out, data, MIN (size, 2)) == 0);
  gsize again_len;
  guint again = 0;
  g_autofree gchar *twice = imps_pcscf_gm_sdp_request_e2ae (out, out_len, &again_len, &again);
  g_assert (twice == NULL && again == 0);
  return 0;
}
