#include "imps-test.h"
#include "imps-hex.h"

#include <string.h>

GBytes *
imps_test_hex (const gchar *hex)
{
  g_autoptr (GError) error = NULL;
  GBytes *b = imps_hex_decode_bytes (hex, &error);
  g_assert_no_error (error);
  return b;
}

void
imps_test_hex_into (const gchar *hex, guint8 *out, gsize len)
{
  g_autoptr (GError) error = NULL;
  imps_hex_decode_fixed (hex, out, len, &error);
  g_assert_no_error (error);
}

void
imps_test_assert_hex (const char *file, int line, const char *func,
                      const char *expr, const guint8 *got, gsize len,
                      const gchar *expected)
{
  g_autofree gchar *hex = imps_hex_encode (got, len);
  g_autoptr (GBytes) want = imps_test_hex (expected);
  g_autofree gchar *want_hex = imps_hex_encode (g_bytes_get_data (want, NULL),
                                                g_bytes_get_size (want));
  if (strcmp (hex, want_hex) != 0)
    {
      g_autofree gchar *msg = g_strdup_printf ("%s: got %s, expected %s",
                                               expr, hex, want_hex);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
    }
}
