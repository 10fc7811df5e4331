/* Internal helpers of the digest module. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 7230 tchar. */
gboolean imps_digest_is_tchar (guchar c);

/* Strict base64 (RFC 4648 §4 alphabet, '=' padding only at the end, length
 * a multiple of 4, no white space). Writes at most @out_max bytes; FALSE
 * when the text is not base64 or decodes to more than @out_max bytes, with
 * *@bad_offset at the first offending character. */
gboolean imps_digest_base64_decode (const gchar *text, gsize len,
                                    guint8 *out, gsize out_max,
                                    gsize *out_len, gsize *bad_offset);

G_END_DECLS
