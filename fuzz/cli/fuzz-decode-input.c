/* Fuzz target: impsim decode on arbitrary INPUT bytes, as a file or standard
 * input gives them: the encoding sniffing (hex, base64, an a=key-mgmt line,
 * binary), the protocol detection (Diameter, SIP, SDP, MIKEY) and the
 * decoder it picks. The first byte picks the --format (0 auto, 1 hex,
 * 2 base64, 3 binary; any other value: auto with all bytes as input) and
 * whether a fixed TPK is given (bit 2), so tickets are opened too. The
 * field tree is walked into a string, not printed.
 * Seeds: fuzz/cli/corpus/decode-input/ (hex and base64 MIKEY, a=key-mgmt
 * line, SIP INVITE with SDP, SDP, Diameter MAR). */
#include "decode-input.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
walk (GString *out, const ImpsMikeyField *f, guint depth)
{
  g_string_append_printf (out, "%*s%s %s: %s\n", (int) depth, "", f->name, f->label,
                          f->value ? f->value : "");
  if (f->children)
    for (guint i = 0; i < f->children->len; i++)
      walk (out, g_ptr_array_index (f->children, i), depth + 1);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint8 tpk[16] = { 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
                                  0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f };
  CliInputFormat format = CLI_INPUT_AUTO;
  CliDecodeOptions opts = { NULL, 0 };
  g_autoptr (GError) error = NULL;

  if (size > 0 && data[0] < 8)
    {
      format = (CliInputFormat) (data[0] & 3);
      if (data[0] & 4)
        {
          opts.tpk = tpk;
          opts.tpk_len = sizeof tpk;
        }
      data++;
      size--;
    }
  g_autoptr (GBytes) input = g_bytes_new (data, size);
  g_autoptr (ImpsMikeyField) root = cli_decode_input (input, format, &opts, &error);
  if (root == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  g_assert (error == NULL);
  g_autoptr (GString) out = g_string_new (NULL);
  walk (out, root, 0);
  return 0;
}
