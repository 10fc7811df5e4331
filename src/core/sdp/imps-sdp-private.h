/* Internal helpers of src/core/sdp (not installed for other modules).
 *
 * Strict base64 (RFC 4648 §4 alphabet): the project's shared code has none,
 * and g_base64_decode() silently skips bad characters, which a parser of
 * outside input must not do. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  IMPS_SDP_B64_PAD_REQUIRED, /* length a multiple of 4, '=' padding as needed */
  IMPS_SDP_B64_PAD_OPTIONAL, /* padded, or unpadded (RFC 4568 key-salt) */
} ImpsSdpB64Pad;

/* Decodes @len characters at @s into @out (room for @out_cap bytes).
 * @what names the field for the error, @offset is the position of @s in the
 * text the caller reports against. @padded (may be NULL) tells whether '='
 * padding was present. Rejects characters outside the alphabet, misplaced
 * or excess '=', impossible lengths and non-zero trailing bits. */
gboolean imps_sdp_b64_decode (const gchar *s, gsize len, ImpsSdpB64Pad pad,
                              guint8 *out, gsize out_cap, gsize *out_len,
                              gboolean *padded, const gchar *what, gsize offset,
                              GError **error);
/* Upper bound of the decoded size of @len base64 characters. */
static inline gsize
imps_sdp_b64_decoded_max (gsize len)
{
  return (len / 4) * 3 + 3;
}
/* Appends the base64 of @data to @out, with '=' padding when @pad. */
void imps_sdp_b64_append (GString *out, const guint8 *data, gsize len, gboolean pad);

/* RFC 4566 token-char. */
static inline gboolean
imps_sdp_is_token_char (guchar c)
{
  return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b
         || c == 0x2d || c == 0x2e || (c >= 0x30 && c <= 0x39)
         || (c >= 0x41 && c <= 0x5a) || (c >= 0x5e && c <= 0x7e);
}

/* Wipes the contents of @s (text that may hold keys) and frees it. */
void imps_sdp_string_wipe_free (GString *s);

G_END_DECLS
