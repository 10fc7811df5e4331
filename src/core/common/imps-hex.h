#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_HEX_ERROR (imps_hex_error_quark ())
GQuark imps_hex_error_quark (void);

typedef enum {
  IMPS_HEX_ERROR_INVALID,   /* a character that is not a hex digit */
  IMPS_HEX_ERROR_LENGTH,    /* odd length, or not the length asked for */
} ImpsHexError;

/* Lower-case hex of @len bytes. Free with g_free(). */
gchar *imps_hex_encode (const guint8 *data, gsize len);

/* Writes 2*len+1 bytes (with NUL) into @out. */
void imps_hex_encode_into (const guint8 *data, gsize len, gchar *out);

/* Decodes @text (optionally with a 0x prefix; spaces and ':' are ignored)
 * into a newly allocated buffer. */
gboolean imps_hex_decode (const gchar *text, guint8 **out, gsize *out_len,
                          GError **error);

/* Decodes @text into exactly @len bytes at @out. */
gboolean imps_hex_decode_fixed (const gchar *text, guint8 *out, gsize len,
                                GError **error);

/* Same, for a GByteArray-free convenience: returns a GBytes. */
GBytes *imps_hex_decode_bytes (const gchar *text, GError **error);

G_END_DECLS
