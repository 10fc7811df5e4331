/* impsim decode, the part that needs no terminal: input encodings (hex,
 * base64 as in a=key-mgmt, raw binary) and protocol decoders (Diameter,
 * SIP, SDP, MIKEY). See decode-input.h; decode.c is the command around it,
 * fuzz/cli/fuzz-decode-input.c feeds it arbitrary bytes. */
#include "decode-input.h"
#include "diameter/imps-diameter.h"
#include "imps-keylog-read.h"
#include "imps-pcap.h"
#include "sdp/imps-sdp.h"
#include "sip/imps-sip-message.h"

#include "imps-hex.h"
#include "mikey/imps-mikey-dump.h"
#include "mikey/imps-mikey-message.h"
#include "mikey/imps-mikey-ticket.h"

#include <gio/gio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Step 1: input encodings                                             */

gboolean
cli_is_hex_text (const gchar *s, gsize len)
{
  gsize digits = 0;
  gsize i = 0;
  if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    i = 2;
  for (; i < len; i++)
    {
      if (g_ascii_isxdigit (s[i]))
        digits++;
      else if (!g_ascii_isspace (s[i]) && s[i] != ':')
        return FALSE;
    }
  return digits > 0 && digits % 2 == 0;
}

/* Strips "a=key-mgmt:" and a "mikey" keyword (RFC 4567 §3.1: prtcl-id SP
 * data) from base64 text; returns a pointer into @s. */
const gchar *
cli_strip_key_mgmt (const gchar *s)
{
  while (g_ascii_isspace (*s))
    s++;
  if (g_str_has_prefix (s, "a=key-mgmt:"))
    s += strlen ("a=key-mgmt:");
  while (*s == ' ')
    s++;
  if (g_str_has_prefix (s, "mikey") && (s[5] == ' ' || s[5] == '\t'))
    s += 5;
  while (g_ascii_isspace (*s))
    s++;
  return s;
}

gboolean
cli_is_base64_text (const gchar *s, gsize len)
{
  gsize n = 0;
  for (gsize i = 0; i < len; i++)
    {
      gchar c = s[i];
      if (g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=')
        n++;
      else if (!g_ascii_isspace (c))
        return FALSE;
    }
  return n > 0;
}

/* Decodes base64 strictly: only the alphabet, '=' only as padding at the
 * end, length a multiple of 4 once whitespace is removed. */
static GBytes *
base64_decode_strict (const gchar *s, gsize len, GError **error)
{
  g_autoptr (GString) clean = g_string_sized_new (len);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (s[i]))
      g_string_append_c (clean, s[i]);
  for (gsize i = 0; i < clean->len; i++)
    {
      gchar c = clean->str[i];
      gboolean pad_ok = c == '=' && i + 2 >= clean->len && i >= clean->len - 2;
      if (!(g_ascii_isalnum (c) || c == '+' || c == '/' || pad_ok))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "base64: character '%c' at position %" G_GSIZE_FORMAT " is not allowed", c, i);
          return NULL;
        }
    }
  if (clean->len == 0 || clean->len % 4 != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "base64: length %" G_GSIZE_FORMAT " is not a multiple of 4", clean->len);
      return NULL;
    }
  gsize out_len = 0;
  guchar *out = g_base64_decode (clean->str, &out_len);
  return g_bytes_new_take (out, out_len);
}

/* Turns the raw INPUT bytes into message bytes; *@used names the encoding. */
static GBytes *
input_to_bytes (GBytes *input, CliInputFormat format, const gchar **used, GError **error)
{
  gsize len;
  const gchar *s = g_bytes_get_data (input, &len);
  g_autofree gchar *text = NULL;

  /* empty input (an empty standard input) has no data pointer */
  if (s == NULL)
    s = "";

  if (format == CLI_INPUT_BINARY)
    {
      *used = "binary";
      return g_bytes_ref (input);
    }
  /* Text encodings: treat as a NUL-free string. */
  if (memchr (s, 0, len) != NULL)
    {
      if (format == CLI_INPUT_AUTO)
        {
          *used = "binary";
          return g_bytes_ref (input);
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "input holds NUL bytes, so it is not %s text",
                   format == CLI_INPUT_HEX ? "hex" : "base64");
      return NULL;
    }
  text = g_strndup (s, len);
  g_strstrip (text);

  if (format == CLI_INPUT_HEX || (format == CLI_INPUT_AUTO && cli_is_hex_text (text, strlen (text))))
    {
      *used = "hex";
      return imps_hex_decode_bytes (text, error);
    }
  const gchar *b64 = cli_strip_key_mgmt (text);
  if (format == CLI_INPUT_BASE64 || (format == CLI_INPUT_AUTO && cli_is_base64_text (b64, strlen (b64))))
    {
      *used = "base64";
      return base64_decode_strict (b64, strlen (b64), error);
    }
  *used = "binary";
  return g_bytes_ref (input);
}

/* ------------------------------------------------------------------ */
/* Step 2: protocol decoders                                           */

typedef struct {
  const gchar *name;
  /* TRUE when the bytes look like this protocol. */
  gboolean (*detect) (const guint8 *data, gsize len);
  /* The field tree, or NULL with @error (its message names the offset). */
  ImpsMikeyField *(*decode) (const guint8 *data, gsize len, const CliDecodeOptions *opts,
                             GError **error);
} Decoder;

static gboolean
mikey_detect (const guint8 *data, gsize len)
{
  /* HDR: version 1, a data type from the table (§3.1). */
  return len >= 10 && data[0] == IMPS_MIKEY_VERSION && imps_mikey_data_type_name (data[1]) != NULL;
}

static void
add_hex_field (ImpsMikeyField *parent, const gchar *name, const gchar *label,
               const guint8 *data, gsize len)
{
  ImpsMikeyField *f = imps_mikey_field_add (parent, name, label, NULL);
  f->value = len ? imps_hex_encode (data, len) : g_strdup ("(empty)");
}

static void
add_session_key (ImpsMikeyField *parent, const gchar *name, const gchar *label,
                 const ImpsMikeySessionKey *k)
{
  const gchar *tn = imps_mikey_key_type_name (k->type);
  ImpsMikeyField *f = imps_mikey_field_add (parent, name, label, "%s", tn ? tn : "Unknown");
  add_hex_field (f, "mikey.key.data", "Key", k->key, k->key_len);
  if (k->salt_len)
    add_hex_field (f, "mikey.key.salt", "Salt key", k->salt, k->salt_len);
  add_hex_field (f, "mikey.key.kv.spi", "Valid SPI", k->spi, k->spi_len);
}

/* The dump hook: opens a MIKEY base ticket with the --tpk key (whatever
 * key index its THDR names), or with the key log's TPKs of the index its
 * THDR names (each KMS numbers its own, so several may have it: the one
 * whose MAC verifies is the one). */
static ImpsMikeyField *
open_ticket (const ImpsMikeyPayload *ticket, gpointer user_data, GError **error)
{
  const CliDecodeOptions *opts = user_data;
  ImpsMikeyTpk tpk = { 0 };
  ImpsMikeyTicketContents c;
  const ImpsMikeyBytes *td = &ticket->u.ticket.ticket_data;
  const gchar *kms = NULL;
  gboolean ok = FALSE;

  memset (&c, 0, sizeof c);
  /* The project's THDR Data (imps-mikey-ticket.h): format byte 1, then the
   * 32-bit TPK index. The key index only selects the TPK. */
  gboolean indexed = td->len >= 8 && td->data[1] == 0 && td->data[2] == 5
                     && td->data[3] == IMPS_MIKEY_THDR_FORMAT;
  if (indexed)
    tpk.index = ((guint32) td->data[4] << 24) | ((guint32) td->data[5] << 16)
                | ((guint32) td->data[6] << 8) | td->data[7];
  if (opts->tpk)
    {
      tpk.key_len = (guint8) opts->tpk_len;
      memcpy (tpk.key, opts->tpk, opts->tpk_len);
      ok = imps_mikey_base_ticket_open (ticket, &tpk, 1, &c, error);
    }
  else
    {
      guint tried = 0, n = opts->key_log_tpks->len;
      for (guint i = 0; i < n && !ok; i++)
        {
          const ImpsKeyLogTpk *k = g_ptr_array_index (opts->key_log_tpks, i);
          if (indexed && k->index != tpk.index)
            continue;
          tried++;
          tpk.key_len = (guint8) k->key_len;
          memcpy (tpk.key, k->key, k->key_len);
          g_autoptr (GError) local = NULL;
          imps_mikey_ticket_contents_clear (&c);
          memset (&c, 0, sizeof c);
          ok = imps_mikey_base_ticket_open (ticket, &tpk, 1, &c, &local);
          if (ok)
            kms = k->kms;
        }
      if (!ok)
        g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_AUTH_FAILED,
                     "no TPK of the key log opens the ticket: %u KMS_TPK line%s of index %u "
                     "tried, of %u", tried, tried == 1 ? "" : "s", tpk.index, n);
    }
  imps_mikey_tpk_clear (&tpk);
  if (!ok)
    return NULL;

  ImpsMikeyField *f = imps_mikey_field_new ("mikey.ticket.opened", "Ticket opened with the TPK",
                                            "V MAC verified, KEMAC decrypted");
  imps_mikey_field_add (f, "mikey.ticket.tpk_index", "TPK index", "%u", c.key_index);
  if (kms)
    imps_mikey_field_add (f, "mikey.ticket.tpk_kms", "TPK of (key log)", "%s", kms);
  imps_mikey_field_add (f, "mikey.ticket.t", "Time of issue", "0x%016" G_GINT64_MODIFIER "x", c.t);
  add_hex_field (f, "mikey.ticket.rand", "RAND", c.rand, c.rand_len);
  imps_mikey_field_add (f, "mikey.ticket.encr_alg", "KEMAC Encr alg", "%s (%u)",
                        imps_mikey_encr_alg_name (c.encr_alg) ? imps_mikey_encr_alg_name (c.encr_alg)
                        : "Unknown", c.encr_alg);
  imps_mikey_field_add (f, "mikey.ticket.auth_alg", "V Auth alg", "%s (%u)",
                        imps_mikey_mac_alg_name (c.mac_alg) ? imps_mikey_mac_alg_name (c.mac_alg)
                        : "Unknown", c.mac_alg);
  for (guint i = 0; i < c.keys.n_mpks; i++)
    add_session_key (f, "mikey.ticket.mpk", "MPK", &c.keys.mpks[i]);
  for (guint i = 0; i < c.keys.n_keys; i++)
    add_session_key (f, "mikey.ticket.key", "Session key", &c.keys.keys[i]);
  if (c.has_psk_id)
    {
      ImpsMikeyField *p = imps_mikey_field_add (f, "mikey.ticket.psk_id", "IDRpsk", NULL);
      p->value = g_strndup ((const gchar *) c.psk_id, c.psk_id_len);
    }
  imps_mikey_ticket_contents_clear (&c);
  return f;
}

static ImpsMikeyField *
mikey_decode (const guint8 *data, gsize len, const CliDecodeOptions *opts, GError **error)
{
  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_parse (data, len, error);
  if (msg == NULL)
    return NULL;
  ImpsMikeyDumpOptions dump = { NULL, NULL };
  if (opts->tpk || opts->key_log_tpks)
    {
      dump.open_ticket = open_ticket;
      dump.user_data = (gpointer) opts;
    }
  return imps_mikey_dump_message (msg, &dump);
}

/* Diameter: version 1 and a header length equal to the input's, a multiple
 * of 4 (stricter than MIKEY's check, whose first byte is also 1). */
static gboolean
diameter_detect (const guint8 *data, gsize len)
{
  return len >= IMPS_DIAMETER_HEADER_SIZE && data[0] == IMPS_DIAMETER_VERSION && len % 4 == 0
         && (((gsize) data[1] << 16) | ((gsize) data[2] << 8) | data[3]) == len;
}

static gboolean
sip_detect (const guint8 *data, gsize len)
{
  return imps_pcap_looks_like_sip (data, len);
}

static gboolean
sdp_detect (const guint8 *data, gsize len)
{
  return len >= 4 && memcmp (data, "v=0", 3) == 0 && (data[3] == '\r' || data[3] == '\n');
}

/* Each parses first, so that garbage is an error with its reason (and exit
 * 1), then builds the same tree decode --pcap prints. */
static ImpsMikeyField *
diameter_decode (const guint8 *data, gsize len, const CliDecodeOptions *opts, GError **error)
{
  g_autoptr (ImpsDiameterMessage) m = imps_diameter_message_parse (data, len, error);
  if (m == NULL)
    return NULL;
  ImpsMikeyField *root = imps_mikey_field_new ("diameter", "Diameter", NULL);
  root->value = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes", len);
  imps_pcap_describe_diameter (root, data, len);
  return root;
}

static ImpsMikeyField *
sip_decode (const guint8 *data, gsize len, const CliDecodeOptions *opts, GError **error)
{
  g_autoptr (ImpsSipMessage) m = imps_sip_message_parse (data, len, error);
  if (m == NULL)
    return NULL;
  ImpsMikeyField *root = imps_mikey_field_new ("sip", "Session Initiation Protocol", NULL);
  root->value = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes", len);
  imps_pcap_describe_sip (root, data, len);
  return root;
}

static ImpsMikeyField *
sdp_decode (const guint8 *data, gsize len, const CliDecodeOptions *opts, GError **error)
{
  ImpsSdp *sdp = imps_sdp_parse ((const gchar *) data, len, error);
  if (sdp == NULL)
    return NULL;
  imps_sdp_free (sdp);
  ImpsMikeyField *root = imps_mikey_field_new ("sdp", "Session Description Protocol", NULL);
  root->value = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes", len);
  imps_pcap_describe_sdp (root, data, len);
  return root;
}

static const Decoder decoders[] = {
  { "diameter", diameter_detect, diameter_decode },
  { "sip", sip_detect, sip_decode },
  { "sdp", sdp_detect, sdp_decode },
  { "mikey", mikey_detect, mikey_decode },
};

/* ------------------------------------------------------------------ */
/* Sniff and decode                                                    */

ImpsMikeyField *
cli_decode_input (GBytes *input, CliInputFormat format, const CliDecodeOptions *opts,
                  GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) why = NULL;
  const gchar *used = NULL;

  bytes = input_to_bytes (input, format, &used, error);
  if (bytes == NULL)
    return NULL;

  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  const Decoder *dec = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (decoders); i++)
    if (decoders[i].detect (data, len))
      {
        dec = &decoders[i];
        break;
      }
  /* Nothing recognised it: try MIKEY, whose parser says exactly where
   * the bytes stop making sense. */
  if (dec == NULL)
    dec = &decoders[G_N_ELEMENTS (decoders) - 1];

  ImpsMikeyField *root = dec->decode (data, len, opts, &why);
  if (root == NULL)
    g_set_error (error, why->domain, why->code,
                 "not a valid %s message (%s input, %" G_GSIZE_FORMAT " bytes): %s",
                 dec->name, used, len, why->message);
  return root;
}
