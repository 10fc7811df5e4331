/* impsim decode without the terminal: turns INPUT bytes into a field tree.
 * Kept apart from the command so that a fuzz target can reach it. */
#pragma once

#include "mikey/imps-mikey-dump.h"

#include <glib.h>

typedef enum {
  CLI_INPUT_AUTO,
  CLI_INPUT_HEX,
  CLI_INPUT_BASE64,
  CLI_INPUT_BINARY,
} CliInputFormat;

typedef struct {
  const guint8 *tpk;               /* NULL: tickets are shown, not opened */
  gsize tpk_len;
  const GPtrArray *key_log_tpks;   /* ImpsKeyLogTpk * of a key log (--keylog), or NULL;
                                    * used when @tpk is NULL */
} CliDecodeOptions;

/* TRUE when @s is hex text (optional 0x, whitespace and ':' allowed, an
 * even number of digits). */
gboolean cli_is_hex_text (const gchar *s, gsize len);
/* Skips "a=key-mgmt:" and a "mikey" keyword (RFC 4567 §3.1) and
 * whitespace; returns a pointer into @s. */
const gchar *cli_strip_key_mgmt (const gchar *s);
/* TRUE when @s holds only base64 characters and whitespace (at least one). */
gboolean cli_is_base64_text (const gchar *s, gsize len);

/* Decodes @input (its encoding detected when @format is CLI_INPUT_AUTO,
 * then its protocol: Diameter, SIP, SDP, else MIKEY) into a field tree, or
 * NULL with @error naming the protocol tried, the encoding and the reason. */
ImpsMikeyField *cli_decode_input (GBytes *input, CliInputFormat format,
                                  const CliDecodeOptions *opts, GError **error);
