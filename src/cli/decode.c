/* impsim decode: shows every field of a protocol message.
 *
 * Two steps, each a small table so more formats plug in later:
 * 1. input encodings (hex, base64 as in a=key-mgmt, raw binary): turn the
 *    INPUT into bytes;
 * 2. protocol decoders (Diameter, SIP, SDP and MIKEY, tried in that order; more can be added as
 *    further entries): each has a detector and a decoder that returns a
 *    field tree (ImpsMikeyField) or an error naming the byte offset.
 *
 * Exit codes: 0 decoded; 1 the input could not be decoded; 2 bad arguments.
 */
#include "cli.h"
#include "decode-input.h"
#include "decode-pcap.h"
#include "diameter/imps-diameter.h"
#include "imps-pcap.h"
#include "sdp/imps-sdp.h"
#include "sip/imps-sip-message.h"

#include "imps-hex.h"
#include "imps-keylog-read.h"
#include "imps-secret.h"
#include "mikey/imps-mikey-dump.h"
#include "mikey/imps-mikey-message.h"
#include "mikey/imps-mikey-ticket.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define CMD "decode"

/* ------------------------------------------------------------------ */
/* Output                                                              */

void
cli_field_to_json (JsonBuilder *b, const ImpsMikeyField *f)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, f->name);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, f->label);
  if (f->value)
    {
      json_builder_set_member_name (b, "value");
      json_builder_add_string_value (b, f->value);
    }
  if (f->has_offset)
    {
      json_builder_set_member_name (b, "offset");
      json_builder_add_int_value (b, (gint64) f->offset);
      json_builder_set_member_name (b, "length");
      json_builder_add_int_value (b, (gint64) f->length);
    }
  if (f->children && f->children->len)
    {
      json_builder_set_member_name (b, "children");
      json_builder_begin_array (b);
      for (guint i = 0; i < f->children->len; i++)
        cli_field_to_json (b, g_ptr_array_index (f->children, i));
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static void
print_tree (const ImpsMikeyField *root, gboolean json)
{
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      cli_field_to_json (b, root);
      g_autoptr (JsonNode) node = json_builder_get_root (b);
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      json_generator_set_pretty (gen, TRUE);
      json_generator_set_root (gen, node);
      g_autofree gchar *s = json_generator_to_data (gen, NULL);
      printf ("%s\n", s);
      return;
    }
  cli_print_fields (root);
}

/* ------------------------------------------------------------------ */
/* Command                                                             */

static GBytes *
read_stdin (GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint8 chunk[4096];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    {
      g_byte_array_append (buf, chunk, (guint) n);
      /* Text of a 64 KiB message in hex is 128 KiB; allow some slack. */
      if (buf->len > 4 * IMPS_MIKEY_MAX_MESSAGE_SIZE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "larger than %u bytes", 4 * IMPS_MIKEY_MAX_MESSAGE_SIZE);
          return NULL;
        }
    }
  if (ferror (stdin))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "read error");
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

static int
run (const gchar *arg, CliInputFormat format, gboolean json, const CliDecodeOptions *opts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) input = NULL;

  if (arg == NULL || g_str_equal (arg, "-"))
    {
      input = read_stdin (&error);
      if (input == NULL)
        return cli_fail (CMD, "standard input: %s", error->message);
    }
  else if (g_file_test (arg, G_FILE_TEST_IS_REGULAR))
    {
      gchar *contents = NULL;
      gsize len = 0;
      if (!g_file_get_contents (arg, &contents, &len, &error))
        return cli_fail (CMD, "%s", error->message);
      input = g_bytes_new_take (contents, len);
    }
  else
    {
      /* Data given on the command line must be hex or base64 text. */
      const gchar *b64 = cli_strip_key_mgmt (arg);
      if (format == CLI_INPUT_BINARY
          || (!cli_is_hex_text (arg, strlen (arg)) && !cli_is_base64_text (b64, strlen (b64))))
        return cli_usage_error (CMD, "INPUT '%s' is not a file, hex or base64", arg);
      input = g_bytes_new (arg, strlen (arg));
    }

  g_autoptr (ImpsMikeyField) root = cli_decode_input (input, format, opts, &error);
  if (root == NULL)
    return cli_fail (CMD, "%s", error->message);
  print_tree (root, json);
  return CLI_EXIT_OK;
}

int
cli_decode (int argc, char **argv)
{
  gboolean json = FALSE;
  g_autofree gchar *format_s = NULL;
  g_autofree gchar *tpk_s = NULL;
  g_autofree gchar *keylog_path = NULL;
  g_autofree gchar *pcap_path = NULL;
  g_auto (GStrv) only = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the field tree as JSON", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_s,
      "Input encoding: auto (default), hex, base64 or binary", "FORMAT" },
    { "tpk", 0, 0, G_OPTION_ARG_STRING, &tpk_s,
      "Ticket Protection Key: open a MIKEY base ticket (verify its MAC, decrypt its keys)", "HEX" },
    { "keylog", 0, 0, G_OPTION_ARG_FILENAME, &keylog_path,
      "Open MIKEY base tickets with the TPKs of a key log's KMS_TPK lines", "KEYS" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap_path,
      "Decode the MIKEY, SDP, SIP and Diameter messages of a pcap or pcapng capture", "FILE" },
    { "only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &only,
      "With --pcap: only the messages that match (repeatable; see below)", "KEY=VALUE[,VALUE...]" },
    { NULL },
  };
  CliInputFormat format = CLI_INPUT_AUTO;
  guint8 tpk[IMPS_MIKEY_MAX_KEY_LEN];
  CliDecodeOptions opts = { NULL, 0, NULL };
  g_autoptr (GPtrArray) key_log_tpks = NULL;
  g_autoptr (GError) error = NULL;
  int ret;

  if (!cli_parse_options (CMD, "[INPUT]",
                          "Decode a protocol message and print every field.",
                          "INPUT is hex, base64 (as in a=key-mgmt, with or without the\n"
                          "leading \"mikey \" keyword), a file name, or '-' / nothing for\n"
                          "standard input. The encoding is detected unless --format says it\n"
                          "(text that is valid hex is read as hex).\n"
                          "--keylog KEYS opens tickets with the TPKs of a run's key log\n"
                          "(impsim run --keylog): the one of the index the ticket names whose\n"
                          "MAC verifies.\n"
                          "Protocols: Diameter (RFC 6733, Zh and Zn AVP names), SIP (RFC 3261)\n"
                          "with its SDP body, SDP (RFC 4566) with a=crypto and the MIKEY inside\n"
                          "a=key-mgmt, and MIKEY and MIKEY-TICKET (RFC 3830, RFC 6043). MIKEY field names\n"
                          "follow Wireshark's mikey.* display filters.\n\n"
                          "--pcap FILE reads a pcap or pcapng capture (pcapng through libpcap)\n"
                          "and prints its messages in frame order. --only keeps some of them;\n"
                          "the values of one --only are alternatives, and every --only must hold:\n"
                          "  --only proto=sip,sdp,mikey,diameter,http,tcp   by protocol (mikey: MIKEY\n"
                          "        on UDP 2269, in an HTTP body or in a=key-mgmt; sdp: a message\n"
                          "        with an SDP body)\n"
                          "  --only addr=127.0.1.30       from or to that IPv4 address\n"
                          "  --only call=CALL-ID          the SIP messages of that call; call=1 is\n"
                          "        the first call (the Call-IDs of INVITEs in frame order)\n\n"
                          "Exit status: 0 decoded, 1 the input could not be decoded,\n"
                          "2 bad arguments.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;

  if (argc > 2)
    return cli_usage_error (CMD, "one INPUT at most (got %d)", argc - 1);
  if (only && !pcap_path)
    return cli_usage_error (CMD, "--only: only with --pcap");
  if (keylog_path && (tpk_s || pcap_path))
    return cli_usage_error (CMD, "--keylog: not with %s", tpk_s ? "--tpk" : "--pcap");
  if (pcap_path)
    return argc > 1 ? cli_usage_error (CMD, "--pcap: no INPUT as well (got '%s')", argv[1])
                    : cli_decode_pcap (pcap_path, (const gchar *const *) only, json);
  if (format_s)
    {
      if (g_str_equal (format_s, "auto"))
        format = CLI_INPUT_AUTO;
      else if (g_str_equal (format_s, "hex"))
        format = CLI_INPUT_HEX;
      else if (g_str_equal (format_s, "base64"))
        format = CLI_INPUT_BASE64;
      else if (g_str_equal (format_s, "binary"))
        format = CLI_INPUT_BINARY;
      else
        return cli_usage_error (CMD, "--format: '%s' is not auto, hex, base64 or binary", format_s);
    }
  if (tpk_s)
    {
      guint8 *k = NULL;
      gsize klen = 0;
      if (!imps_hex_decode (tpk_s, &k, &klen, &error))
        {
          imps_wipe (tpk_s, strlen (tpk_s));
        return cli_usage_error (CMD, "--tpk: %s", error->message);
        }
      imps_wipe (tpk_s, strlen (tpk_s));
      if (klen < 16 || klen > sizeof tpk)
        {
          imps_wipe_free (k, klen);
        return cli_usage_error (CMD, "--tpk: %zu bytes; a TPK has 16 to %zu bytes", klen, sizeof tpk);
        }
      memcpy (tpk, k, klen);
      imps_wipe_free (k, klen);
      opts.tpk = tpk;
      opts.tpk_len = klen;
    }

  if (keylog_path)
    {
      g_autofree gchar *text = NULL;
      gsize len = 0;
      if (!g_file_get_contents (keylog_path, &text, &len, &error))
        return cli_fail (CMD, "--keylog: %s", error->message);
      key_log_tpks = imps_key_log_read_tpk (text, len, &error);
      imps_wipe (text, len);
      if (key_log_tpks == NULL)
        return cli_fail (CMD, "--keylog %s: %s", keylog_path, error->message);
      if (key_log_tpks->len == 0)
        return cli_fail (CMD, "--keylog %s: no KMS_TPK line", keylog_path);
      opts.key_log_tpks = key_log_tpks;
    }

  ret = run (argc == 2 ? argv[1] : NULL, format, json, &opts);
  imps_wipe (tpk, sizeof tpk);
  return ret;
}
