/* Helpers shared by the GTest programs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Decodes hex that the test itself wrote; aborts the test on bad hex. */
GBytes *imps_test_hex (const gchar *hex);
/* Decodes hex into exactly @len bytes at @out; aborts on a length mismatch. */
void imps_test_hex_into (const gchar *hex, guint8 *out, gsize len);

/* Asserts that @len bytes at @got equal the hex string @expected, printing
 * both in hex when they differ. */
#define imps_assert_hex(got, len, expected) \
  imps_test_assert_hex (__FILE__, __LINE__, G_STRFUNC, #got, (got), (len), (expected))

void imps_test_assert_hex (const char *file, int line, const char *func,
                           const char *expr, const guint8 *got, gsize len,
                           const gchar *expected);

G_END_DECLS
