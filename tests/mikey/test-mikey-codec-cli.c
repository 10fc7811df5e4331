/* `impsim decode` as a user runs it (subprocess): V11 (mikey-ticket.md
 * §18.2) in hex, base64 (with and without "mikey " and "a=key-mgmt:"),
 * binary from a file and from stdin; --json read back with json-glib;
 * --tpk opening a base ticket built by the ticket half (values computed by
 * this project); garbage (exit 1, one line with the byte offset); bad
 * arguments (exit 2); --help. argv[1] is the impsim program. */
#include "mikey/imps-mikey-message.h"
#include "mikey/imps-mikey-ticket.h"
#include "imps-test.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <string.h>

static const gchar *impsim;

static const gchar v11_hex[] =
  "010B05801234567800010F00EC3F1E4F000000000E0110C0C1C2C3C4C5C6C7C8"
  "C9CACBCCCDCECF0E010100157369703A616C696365406578616D706C652E6F72"
  "67100301000F6B6D732E6578616D706C652E6F72670E0001010101F46000190E"
  "00020100137369703A626F62406578616D706C652E6F7267090402001C5A6D46"
  "725A564A42546B513D406273662E6578616D706C652E6F72670001B738DB098B"
  "9911DCB628CE5D2A2B867581CF8271";

typedef struct {
  gint status;
  gchar *out;
  gchar *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs impsim decode with @args (NULL-terminated) and @stdin_data. */
static void
run_decode (Run *r, GBytes *stdin_data, const gchar *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) impsim);
  g_ptr_array_add (argv, (gpointer) "decode");
  va_start (ap, first);
  for (const gchar *a = first; a != NULL; a = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                           | G_SUBPROCESS_FLAGS_STDIN_PIPE;
  g_autoptr (GSubprocess) p = g_subprocess_newv ((const gchar *const *) argv->pdata, flags, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) out = NULL, err = NULL;
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_assert_true (g_subprocess_communicate (p, stdin_data ? stdin_data : empty, NULL, &out, &err, &error));
  g_assert_no_error (error);
  r->status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  r->out = g_bytes_get_size (out) ? g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out)) : g_strdup ("");
  r->err = g_bytes_get_size (err) ? g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err)) : g_strdup ("");
}

static gchar *
v11_base64 (void)
{
  g_autoptr (GBytes) b = imps_test_hex (v11_hex);
  return g_base64_encode (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

static void
assert_v11_text (const Run *r)
{
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (r->err, ==, "");
  g_assert_nonnull (strstr (r->out, "Data Type: REQUEST_INIT_PSK (11) [mikey.type]"));
  g_assert_nonnull (strstr (r->out, "CSB ID: 0x12345678 [mikey.csb_id]"));
  g_assert_nonnull (strstr (r->out, "ID: sip:alice@example.org [mikey.id.data]"));
  g_assert_nonnull (strstr (r->out, "ID: sip:bob@example.org [mikey.id.data]"));
  g_assert_nonnull (strstr (r->out, "RAND role: RANDRi (1) [mikey.randr.role]"));
  g_assert_nonnull (strstr (r->out, "Ver data: b738db098b9911dcb628ce5d2a2b867581cf8271 [mikey.v.ver_data]"));
}

static void
test_inputs (void)
{
  g_autofree gchar *b64 = v11_base64 ();
  g_autofree gchar *with_kw = g_strconcat ("mikey ", b64, NULL);
  g_autofree gchar *with_attr = g_strconcat ("a=key-mgmt:mikey ", b64, NULL);
  const gchar *inputs[] = { v11_hex, b64, with_kw, with_attr };
  g_autofree gchar *first = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_auto (Run) r = { 0 };
      run_decode (&r, NULL, inputs[i], NULL);
      assert_v11_text (&r);
      if (i == 0)
        first = g_strdup (r.out);
      else
        g_assert_cmpstr (r.out, ==, first);
    }

  /* binary from stdin, hex text from stdin ('-') */
  g_autoptr (GBytes) bin = imps_test_hex (v11_hex);
  {
    g_auto (Run) r = { 0 };
    run_decode (&r, bin, NULL);
    assert_v11_text (&r);
    g_assert_cmpstr (r.out, ==, first);
  }
  {
    g_autoptr (GBytes) text = g_bytes_new (with_kw, strlen (with_kw));
    g_auto (Run) r = { 0 };
    run_decode (&r, text, "-", NULL);
    assert_v11_text (&r);
  }
  /* a binary file, forced and auto-detected */
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  gint fd = g_file_open_tmp ("impsim-decode-XXXXXX.mikey", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bin, NULL), g_bytes_get_size (bin), &error));
  {
    g_auto (Run) r = { 0 };
    run_decode (&r, NULL, path, NULL);
    assert_v11_text (&r);
  }
  {
    g_auto (Run) r = { 0 };
    run_decode (&r, NULL, "--format", "binary", path, NULL);
    assert_v11_text (&r);
  }
  g_unlink (path);
}

static JsonObject *
find_named (JsonObject *o, const gchar *name)
{
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "name", NULL), name) == 0)
    return o;
  if (!json_object_has_member (o, "children"))
    return NULL;
  JsonArray *a = json_object_get_array_member (o, "children");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *f = find_named (json_array_get_object_element (a, i), name);
      if (f)
        return f;
    }
  return NULL;
}

static void
test_json (void)
{
  g_auto (Run) r = { 0 };
  g_autoptr (GError) error = NULL;
  run_decode (&r, NULL, "--json", v11_hex, NULL);
  g_assert_cmpint (r.status, ==, 0);

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "name"), ==, "mikey");
  g_assert_cmpint (json_object_get_int_member (root, "length"), ==, 175);
  JsonObject *v = find_named (root, "mikey.v");
  g_assert_nonnull (v);
  g_assert_cmpint (json_object_get_int_member (v, "offset"), ==, 153);
  g_assert_cmpint (json_object_get_int_member (v, "length"), ==, 22);
  JsonObject *mac = find_named (root, "mikey.v.ver_data");
  g_assert_cmpstr (json_object_get_string_member (mac, "value"), ==,
                   "b738db098b9911dcb628ce5d2a2b867581cf8271");
  JsonObject *tp = find_named (root, "mikey.tp");
  g_assert_cmpint (json_object_get_int_member (tp, "offset"), ==, 85);
  JsonObject *flags = find_named (tp, "mikey.tp.flags");
  g_assert_nonnull (strstr (json_object_get_string_member (flags, "value"), "DEFGHJNO"));
  JsonObject *idrr = find_named (tp, "mikey.id.data");
  g_assert_cmpstr (json_object_get_string_member (idrr, "value"), ==, "sip:bob@example.org");
}

static void
assert_fails (const Run *r, gint status, const gchar *needle)
{
  g_assert_cmpint (r->status, ==, status);
  g_assert_cmpstr (r->out, ==, "");
  /* exactly one line */
  g_assert_true (g_str_has_suffix (r->err, "\n"));
  g_assert_true (strchr (r->err, '\n') == r->err + strlen (r->err) - 1);
  g_assert_true (g_str_has_prefix (r->err, "impsim decode: "));
  if (needle && strstr (r->err, needle) == NULL)
    g_error ("stderr \"%s\" does not contain \"%s\"", r->err, needle);
}

static void
test_garbage (void)
{
  g_autofree gchar *trunc = g_strndup (v11_hex, 100);
  struct { const gchar *input; const gchar *needle; } cases[] = {
    { "0102", "truncated next payload at byte offset 2" },
    { trunc, "IDR payload: ID length 21 runs past the end (6 bytes left) at byte offset 42" },
    { "02000000000000000000", "unsupported version 2 (expected 1) at byte offset 0" },
    { "AQAFgM0XflAB", "at byte offset" },
    { "Zm9vYmFy", "at byte offset 0" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) r = { 0 };
      run_decode (&r, NULL, cases[i].input, NULL);
      assert_fails (&r, 1, cases[i].needle);
    }
  /* binary garbage on stdin */
  static const guint8 junk[] = { 0x01, 0x0b, 0x63, 0x80, 0, 0, 0, 1, 0, 1, 0x00 };
  g_autoptr (GBytes) b = g_bytes_new_static (junk, sizeof junk);
  g_auto (Run) r = { 0 };
  run_decode (&r, b, NULL);
  assert_fails (&r, 1, "payload of unknown type 99: its length cannot be known at byte offset 10");
  /* hex forced on base64 */
  g_autofree gchar *b64 = v11_base64 ();
  g_auto (Run) r2 = { 0 };
  run_decode (&r2, NULL, "--format", "hex", b64, NULL);
  g_assert_cmpint (r2.status, ==, 1);
}

static void
test_usage (void)
{
  struct { const gchar *a, *b, *c; const gchar *needle; } cases[] = {
    { "--format", "foo", v11_hex, "--format" },
    { v11_hex, v11_hex, NULL, "one INPUT at most" },
    { "--tpk", "zz", v11_hex, "--tpk" },
    { "--tpk", "0011", v11_hex, "--tpk: 2 bytes" },
    { "--bogus", NULL, NULL, NULL },
    { "no-such-file.bin", NULL, NULL, "is not a file, hex or base64" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) r = { 0 };
      run_decode (&r, NULL, cases[i].a, cases[i].b, cases[i].c, NULL);
      assert_fails (&r, 2, cases[i].needle);
    }
  g_auto (Run) h = { 0 };
  run_decode (&h, NULL, "--help", NULL);
  g_assert_cmpint (h.status, ==, 0);
  g_assert_nonnull (strstr (h.out, "decode [OPTION"));
  g_assert_nonnull (strstr (h.out, "--tpk"));
  g_assert_nonnull (strstr (h.out, "--json"));
  g_assert_nonnull (strstr (h.out, "--format"));
}

/* A REQUEST_RESP-shaped message whose TICKET is a real base ticket built by
 * the ticket half with TPK 60..6F (index 7), for --tpk. */
static GBytes *
message_with_ticket (void)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyTpk tpk = { .index = 7, .key_len = 16 };
  for (guint i = 0; i < 16; i++)
    tpk.key[i] = (guint8) (0x60 + i);
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  g_assert_true (imps_mikey_tp_add_responder (&tp, "sip:bob@example.org"));
  g_autoptr (GBytes) tp_data = imps_mikey_tp_data_build (&tp, FALSE, &error);
  g_assert_no_error (error);
  ImpsMikeyKeySet set;
  memset (&set, 0, sizeof set);
  set.n_mpks = 1;
  set.mpks[0].type = IMPS_MIKEY_KEY_MPK;
  set.mpks[0].key_len = 16;
  memset (set.mpks[0].key, 0x30, 16);
  set.mpks[0].spi_len = 4;
  set.mpks[0].spi[3] = 1;
  set.n_keys = 1;
  set.keys[0].type = IMPS_MIKEY_KEY_TGK;
  set.keys[0].key_len = 16;
  memset (set.keys[0].key, 0x42, 16);
  set.keys[0].spi_len = 4;
  set.keys[0].spi[3] = 2;
  static const guint8 rand[16] = { 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
                                   0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f };
  g_autoptr (GBytes) td = imps_mikey_base_ticket_build (&tpk, &tp, tp_data,
                                                        G_GUINT64_CONSTANT (0xEC3F1E4F00000000),
                                                        rand, 16, &set, IMPS_MIKEY_ENCR_AES_CM_128,
                                                        IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL, 0, &error);
  g_assert_no_error (error);
  imps_mikey_key_set_clear (&set);
  imps_mikey_tpk_clear (&tpk);

  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_new (IMPS_MIKEY_DATA_REQUEST_RESP, FALSE, 0,
                                                           0x12345678, IMPS_MIKEY_CS_MAP_EMPTY, 0);
  ImpsMikeyPayload p = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, G_GUINT64_CONSTANT (0xEC3F1E5000000000));
  imps_mikey_message_add (m, &p);
  p = imps_mikey_tp_payload (IMPS_MIKEY_PAYLOAD_TICKET, &tp, tp_data, td, NULL, 0);
  imps_mikey_message_add (m, &p);
  static const guint8 enc[25] = { 0 };
  p = imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_AES_CM_128, enc, sizeof enc, IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_message_add (m, &p);
  p = imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL, 0);
  imps_mikey_message_add (m, &p);
  GBytes *b = imps_mikey_message_to_bytes (m, &error);
  g_assert_no_error (error);
  return b;
}

static void
test_tpk (void)
{
  g_autoptr (GBytes) msg = message_with_ticket ();
  g_autofree gchar *hex = g_base64_encode (g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));

  g_auto (Run) plain = { 0 };
  run_decode (&plain, NULL, hex, NULL);
  g_assert_cmpint (plain.status, ==, 0);
  /* without the TPK the base ticket's structure still shows */
  g_assert_nonnull (strstr (plain.out, "[mikey.ticket.base]"));
  g_assert_nonnull (strstr (plain.out, "THDR Data: 0100000007 [mikey.thdr.data]"));
  g_assert_null (strstr (plain.out, "mikey.ticket.opened"));

  g_auto (Run) r = { 0 };
  run_decode (&r, NULL, "--tpk", "606162636465666768696a6b6c6d6e6f", hex, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "[mikey.ticket.opened]"));
  g_assert_nonnull (strstr (r.out, "TPK index: 7 [mikey.ticket.tpk_index]"));
  g_assert_nonnull (strstr (r.out, "Key: 30303030303030303030303030303030 [mikey.key.data]"));
  g_assert_nonnull (strstr (r.out, "Key: 42424242424242424242424242424242 [mikey.key.data]"));
  g_assert_nonnull (strstr (r.out, "RAND: 505152535455565758595a5b5c5d5e5f [mikey.ticket.rand]"));

  /* a wrong TPK: decoded, the ticket is reported as not opened */
  g_auto (Run) w = { 0 };
  run_decode (&w, NULL, "--tpk", "00000000000000000000000000000000", hex, NULL);
  g_assert_cmpint (w.status, ==, 0);
  g_assert_nonnull (strstr (w.out, "[mikey.ticket.open_error]"));
  g_assert_null (strstr (w.out, "30303030303030303030303030303030"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    {
      g_printerr ("usage: %s IMPSIM\n", argv[0]);
      return 2;
    }
  impsim = argv[1];
  g_test_add_func ("/mikey/codec-cli/inputs", test_inputs);
  g_test_add_func ("/mikey/codec-cli/json", test_json);
  g_test_add_func ("/mikey/codec-cli/garbage", test_garbage);
  g_test_add_func ("/mikey/codec-cli/usage", test_usage);
  g_test_add_func ("/mikey/codec-cli/tpk", test_tpk);
  return g_test_run ();
}
