/* The HTTP/1.1 request head reader (src/net/imps-http-parse.c) and the
 * message made from it (imps-http-message.c) on any bytes: parse, and
 * when the head is taken, build the message and read every field back.
 * The head's end found incrementally (one call per byte, as a connection
 * sees bytes arrive) must be the one found at once. */
#include "imps-http-private.h"

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
  ImpsHttpHeadResult r = imps_http_head_parse (data, size, &h, &error);
  if (r == IMPS_HTTP_HEAD_REFUSED)
    {
      g_assert (error != NULL && error->domain == IMPS_HTTP_ERROR);
      g_assert (error->code == 400 || error->code == 411 || error->code == 431
                || error->code == 505);
      g_clear_error (&error);
    }
  g_assert (error == NULL);

  gsize limit = MIN (size, (gsize) IMPS_HTTP_MAX_HEAD), at_once = imps_http_head_end (data, limit, 0);
  gsize seen = 0, step = 0;
  for (gsize n = 1; n <= limit && step == 0; n++)
    {
      step = imps_http_head_end (data, n, seen);
      if (step == 0)
        seen = n;
    }
  g_assert (step == at_once);

  if (r != IMPS_HTTP_HEAD_OK)
    return 0;
  g_assert (h.head_len == at_once && h.head_len <= size);
  g_assert (h.n_fields <= IMPS_HTTP_MAX_HEADERS);
  gsize body = h.has_length ? (gsize) MIN (h.content_length, (guint64) (size - h.head_len)) : 0;
  ImpsHttpMessage *m = imps_http_message_new (data, &h, body, &error);
  if (m == NULL)
    {
      g_assert (error != NULL && error->code == 400);
      g_clear_error (&error);
      return 0;
    }
  volatile gsize sum = strlen (imps_http_message_get_method (m))
                       + strlen (imps_http_message_get_path (m));
  if (imps_http_message_get_query (m))
    sum += strlen (imps_http_message_get_query (m));
  if (imps_http_message_get_content_type (m))
    sum += strlen (imps_http_message_get_content_type (m));
  for (guint i = 0; i < m->n_fields; i++)
    {
      sum += strlen (m->fields[i].name) + strlen (m->fields[i].value);
      g_assert (imps_http_message_get_header (m, m->fields[i].name) != NULL);
    }
  g_assert (g_bytes_get_size (imps_http_message_get_body (m)) == body);
  g_assert (g_bytes_get_size (imps_http_message_get_bytes (m)) == h.head_len + body);
  (void) sum;
  imps_http_message_unref (m);
  return 0;
}
