/* The head reader on an answer (imps_http_response_head_parse(), which
 * the UEs' HTTP client uses, src/net/imps-http-client.c) on any bytes:
 * a taken head's status, reason and fields lie within it, and a refusal
 * says 502 with a reason. */
#include "imps-http-parse.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 2 * IMPS_HTTP_MAX_HEAD)
    return 0;
  ImpsHttpHead h;
  GError *error = NULL;
  ImpsHttpHeadResult r = imps_http_response_head_parse (data, size, &h, &error);
  if (r == IMPS_HTTP_HEAD_REFUSED)
    {
      g_assert (error != NULL && error->domain == IMPS_HTTP_ERROR && error->code == 502);
      g_assert (error->message[0] != '\0');
      g_clear_error (&error);
      return 0;
    }
  g_assert (error == NULL);
  if (r == IMPS_HTTP_HEAD_INCOMPLETE)
    {
      g_assert (size < IMPS_HTTP_MAX_HEAD);
      return 0;
    }
  g_assert (h.head_len <= size && h.head_len <= IMPS_HTTP_MAX_HEAD);
  g_assert (h.status >= 100 && h.status <= 999);
  g_assert ((gsize) h.reason.off + h.reason.len <= h.head_len);
  g_assert (h.n_fields <= IMPS_HTTP_MAX_HEADERS);
  for (guint i = 0; i < h.n_fields; i++)
    {
      g_assert (h.fields[i].name.len > 0);
      g_assert ((gsize) h.fields[i].value.off + h.fields[i].value.len <= h.head_len);
      g_assert (memchr (data + h.fields[i].value.off, '\n', h.fields[i].value.len) == NULL);
    }
  return 0;
}
