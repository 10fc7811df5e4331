/* Tests of the Diameter codec (src/core/diameter/imps-diameter.h) and its
 * dictionary (imps-diameter-dict.h).
 *
 * Byte layouts below are hand-assembled by this project from RFC 6733 §3
 * (header) and §4.1 (AVP header, padding); they are "computed by this
 * project", not published vectors. The Time example is gba.md §10.2 [C]. */
#include "diameter/imps-diameter.h"
#include "diameter/imps-diameter-dict.h"
#include "imps-bytes.h"
#include "imps-test.h"

#include <string.h>

static ImpsDiameterMessage *
parse_bytes (GBytes *bytes, GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  return imps_diameter_message_parse (data, len, error);
}

static ImpsDiameterMessage *
parse_hex (const gchar *hex, GError **error)
{
  g_autoptr (GBytes) b = imps_test_hex (hex);
  return parse_bytes (b, error);
}

/* ---- padding and every builder type: hand-assembled layout ---- */

static GBytes *
build_padding_message (void)
{
  static const guint8 one[] = { 0xa1 };
  static const guint8 two[] = { 0xb1, 0xb2 };
  static const guint8 three[] = { 0xc1, 0xc2, 0xc3 };
  static const guint8 five[] = { 1, 2, 3, 4, 5 };
  ImpsDiameterBuilder *b = imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, 999, 7, 0x01020304,
                                                      0xa0b0c0d0);
  const guint8 m = IMPS_DIAMETER_AVP_FLAG_M;

  imps_diameter_builder_add_octets (b, 5001, m, 0, one, 1);
  imps_diameter_builder_add_octets (b, 5002, 0, 0, two, 2);
  imps_diameter_builder_add_octets (b, 5003, m, 10415, three, 3);
  imps_diameter_builder_add_octets (b, 5004, m, 0, NULL, 0);
  imps_diameter_builder_add_octets (b, 5005, m, 0, five, 5);
  return imps_diameter_builder_finish (b);
}

/* Computed by this project (RFC 6733 §4.1): length excludes padding,
 * padding to 4 bytes with zeros. */
static const gchar padding_hex[] =
  "01000054" "800003e7" "00000007" "01020304" "a0b0c0d0"  /* header, length 84 */
  "00001389" "40000009" "a1000000"                        /* 5001, len 9, 3 pad */
  "0000138a" "0000000a" "b1b20000"                        /* 5002, len 10, 2 pad */
  "0000138b" "c000000f" "000028af" "c1c2c300"             /* 5003, V, len 15, 1 pad */
  "0000138c" "40000008"                                   /* 5004, empty */
  "0000138d" "4000000d" "01020304" "05000000";            /* 5005, len 13, 3 pad */

static void
test_padding_layout (void)
{
  g_autoptr (GBytes) bytes = build_padding_message ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  imps_assert_hex (data, len, padding_hex);

  g_autoptr (ImpsDiameterMessage) msg = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msg->avps->len, ==, 5);
  g_assert_cmpuint (msg->command, ==, 999);
  g_assert_cmpuint (msg->application_id, ==, 7);
  g_assert_cmpuint (msg->hop_by_hop, ==, 0x01020304);
  g_assert_cmpuint (msg->end_to_end, ==, 0xa0b0c0d0);
  g_assert_true (imps_diameter_message_is_request (msg));

  static const struct { guint32 code, vendor, len, offset; guint8 flags; } want[] = {
    { 5001, 0, 1, 20, 0x40 },
    { 5002, 0, 2, 32, 0x00 },
    { 5003, 10415, 3, 44, 0xc0 },
    { 5004, 0, 0, 60, 0x40 },
    { 5005, 0, 5, 68, 0x40 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      g_assert_cmpuint (a->code, ==, want[i].code);
      g_assert_cmpuint (a->vendor_id, ==, want[i].vendor);
      g_assert_cmpuint (a->len, ==, want[i].len);
      g_assert_cmpuint (a->offset, ==, want[i].offset);
      g_assert_cmpuint (a->flags, ==, want[i].flags);
      g_assert_cmpuint (a->depth, ==, 0);
      g_assert_cmpuint (a->next, ==, i + 1);
    }
  imps_assert_hex (imps_diameter_message_avp (msg, 4)->data, 5, "0102030405");
}

/* ---- typed values, grouped and vendor-specific AVPs ---- */

static void
test_typed_roundtrip (void)
{
  g_autoptr (GError) error = NULL;
  const guint8 m = IMPS_DIAMETER_AVP_FLAG_M;
  ImpsDiameterBuilder *b = imps_diameter_builder_new (0, 280, 0, 1, 2);

  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, m, 0, 2001);
  imps_diameter_builder_add_u64 (b, 6001, m, 0, G_GUINT64_CONSTANT (0x0102030405060708));
  imps_diameter_builder_add_i32 (b, 6002, m, 0, -2);
  imps_diameter_builder_add_i64 (b, 6003, m, 0, G_GINT64_CONSTANT (-3));
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, m, 0, "hss.home1.net");
  g_assert_true (imps_diameter_builder_add_address_text (b, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS,
                                                         m, 0, "127.0.1.10"));
  g_assert_true (imps_diameter_builder_add_address_text (b, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS,
                                                         m, 0, "2001:db8::1"));
  g_assert_false (imps_diameter_builder_add_address_text (b, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS,
                                                          m, 0, "not-an-address"));
  imps_diameter_builder_add_time (b, IMPS_DIAMETER_AVP_KEY_EXPIRYTIME,
                                  IMPS_DIAMETER_AVP_FLAG_M, IMPS_DIAMETER_VENDOR_3GPP,
                                  imps_diameter_time_from_unix (1073560397));
  imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT, m, 0);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_VENDOR_ID, m, 0, 10415);
  imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_PROXY_INFO, m, 0);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_PROXY_HOST, m, 0, "p");
  imps_diameter_builder_end_group (b);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE, m, 0, 5403);
  imps_diameter_builder_end_group (b);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_ORIGIN_STATE_ID, m, 0, 9);
  g_autoptr (GBytes) bytes = imps_diameter_builder_finish (b);

  g_autoptr (ImpsDiameterMessage) msg = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  /* 10 top-level AVPs, 4 inside the groups. */
  g_assert_cmpuint (msg->avps->len, ==, 14);
  g_assert_cmpuint (imps_diameter_message_count (msg, 0, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS), ==, 2);

  guint32 u32;
  guint64 u64;
  gint32 i32;
  gint64 i64;
  guint16 family;
  guint8 addr[16];
  gint i;

  i = imps_diameter_message_find (msg, 0, IMPS_DIAMETER_AVP_RESULT_CODE);
  g_assert_cmpint (i, ==, 0);
  g_assert_true (imps_diameter_avp_get_u32 (imps_diameter_message_avp (msg, i), &u32, &error));
  g_assert_cmpuint (u32, ==, 2001);
  g_assert_true (imps_diameter_avp_get_u64 (imps_diameter_message_avp (msg, 1), &u64, &error));
  g_assert_cmphex (u64, ==, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_true (imps_diameter_avp_get_i32 (imps_diameter_message_avp (msg, 2), &i32, &error));
  g_assert_cmpint (i32, ==, -2);
  g_assert_true (imps_diameter_avp_get_i64 (imps_diameter_message_avp (msg, 3), &i64, &error));
  g_assert_cmpint (i64, ==, -3);
  g_autofree gchar *host = imps_diameter_avp_dup_utf8 (imps_diameter_message_avp (msg, 4), &error);
  g_assert_cmpstr (host, ==, "hss.home1.net");
  g_assert_true (imps_diameter_avp_get_address (imps_diameter_message_avp (msg, 5), &family,
                                                addr, &error));
  g_assert_cmpuint (family, ==, IMPS_DIAMETER_ADDRESS_IPV4);
  imps_assert_hex (addr, 4, "7f00010a");
  g_assert_true (imps_diameter_avp_get_address (imps_diameter_message_avp (msg, 6), &family,
                                                addr, &error));
  g_assert_cmpuint (family, ==, IMPS_DIAMETER_ADDRESS_IPV6);
  imps_assert_hex (addr, 16, "20010db8000000000000000000000001");
  g_assert_no_error (error);

  /* Vendor-specific: V flag and vendor id, found only with the vendor. */
  g_assert_cmpint (imps_diameter_message_find (msg, 0, IMPS_DIAMETER_AVP_KEY_EXPIRYTIME), ==, -1);
  i = imps_diameter_message_find (msg, 10415, IMPS_DIAMETER_AVP_KEY_EXPIRYTIME);
  g_assert_cmpint (i, ==, 7);
  const ImpsDiameterAvp *t = imps_diameter_message_avp (msg, i);
  g_assert_cmpuint (t->flags, ==, 0xc0);
  g_assert_cmpuint (t->vendor_id, ==, 10415);
  /* gba.md §10.2 [C]: 2004-01-08T11:13:17Z = NTP 3282549197 = c3a7b9cd. */
  imps_assert_hex (t->data, t->len, "c3a7b9cd");

  /* Grouped, two levels: children found through the parent only. */
  gint er = imps_diameter_message_find (msg, 0, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT);
  g_assert_cmpint (er, ==, 8);
  const ImpsDiameterAvp *g = imps_diameter_message_avp (msg, er);
  g_assert_cmpuint (g->next, ==, 13);
  g_assert_cmpint (imps_diameter_message_find (msg, 0, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE),
                   ==, -1);
  gint erc = imps_diameter_message_find_child (msg, er, 0, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE);
  g_assert_cmpint (erc, ==, 12);
  g_assert_cmpuint (imps_diameter_message_avp (msg, erc)->depth, ==, 1);
  gint pi = imps_diameter_message_find_child (msg, er, 0, IMPS_DIAMETER_AVP_PROXY_INFO);
  g_assert_cmpint (pi, ==, 10);
  gint ph = imps_diameter_message_find_child (msg, pi, 0, IMPS_DIAMETER_AVP_PROXY_HOST);
  g_assert_cmpint (ph, ==, 11);
  g_assert_cmpuint (imps_diameter_message_avp (msg, ph)->depth, ==, 2);
  /* Not a direct child of the outer group. */
  g_assert_cmpint (imps_diameter_message_find_child (msg, er, 0, IMPS_DIAMETER_AVP_PROXY_HOST),
                   ==, -1);
  g_assert_cmpint (imps_diameter_message_find (msg, 0, IMPS_DIAMETER_AVP_ORIGIN_STATE_ID), ==, 13);

  /* Group length: 8 + 12 (Vendor-Id) + 20 (Proxy-Info: 8 + Proxy-Host 9 -> 12)
   * + 12 = 52 (computed by this project). */
  g_assert_cmpuint (g->len + 8, ==, 52);

  /* Walking a group on demand gives the same children. */
  ImpsDiameterAvpIter iter;
  ImpsDiameterAvp child;
  guint n = 0;
  imps_diameter_avp_iter_init (&iter, g->data, g->len, g->offset + 8);
  while (imps_diameter_avp_iter_next (&iter, &child, &error))
    n++;
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
}

static void
test_typed_errors (void)
{
  g_autoptr (GError) error = NULL;
  /* Result-Code with 3 bytes of data, Origin-Host with a NUL and a byte
   * that is not UTF-8, Host-IP-Address of family 3 (computed by this
   * project). */
  g_autoptr (ImpsDiameterMessage) msg = parse_hex (
    "0100003c" "00000118" "00000000" "00000001" "00000002"
    "0000010c" "4000000b" "00000100"
    "00000108" "4000000b" "6100ff00"
    "00000101" "4000000e" "00037f00" "00010000", &error);
  g_assert_no_error (error);
  guint32 u32;
  guint64 u64;
  guint16 family;
  guint8 addr[16];
  guint8 fixed[2];

  g_assert_false (imps_diameter_avp_get_u32 (imps_diameter_message_avp (msg, 0), &u32, &error));
  g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP);
  g_assert_nonnull (strstr (error->message, "AVP 268 at offset 20"));
  g_clear_error (&error);
  g_assert_false (imps_diameter_avp_get_u64 (imps_diameter_message_avp (msg, 0), &u64, &error));
  g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP);
  g_clear_error (&error);
  g_assert_null (imps_diameter_avp_dup_utf8 (imps_diameter_message_avp (msg, 1), &error));
  g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP);
  g_assert_nonnull (strstr (error->message, "AVP 264 at offset 32"));
  g_clear_error (&error);
  g_assert_false (imps_diameter_avp_get_address (imps_diameter_message_avp (msg, 2), &family,
                                                 addr, &error));
  g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP);
  g_assert_nonnull (strstr (error->message, "family 3"));
  g_clear_error (&error);
  g_assert_false (imps_diameter_avp_get_fixed (imps_diameter_message_avp (msg, 0), fixed, 2,
                                               &error));
  g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP);
}

/* ---- framing ---- */

static void
test_framing (void)
{
  g_autoptr (GBytes) bytes = build_padding_message ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize i = 0; i <= len; i++)
    {
      gssize need = imps_diameter_frame_length (data, i, &error);
      g_assert_no_error (error);
      g_assert_cmpint (need, ==, i < 4 ? 0 : (gssize) len);
    }
  /* Two messages back to back: the length is the first one's. */
  g_autoptr (GByteArray) two = g_byte_array_new ();
  g_byte_array_append (two, data, len);
  g_byte_array_append (two, data, len);
  g_assert_cmpint (imps_diameter_frame_length (two->data, two->len, &error), ==, (gssize) len);

  static const struct {
    const gchar *hex;
    gint code;
  } bad[] = {
    { "02", IMPS_DIAMETER_ERROR_BAD_VERSION },
    { "00000014", IMPS_DIAMETER_ERROR_BAD_VERSION },
    { "01000010", IMPS_DIAMETER_ERROR_BAD_LENGTH },   /* 16 < 20 */
    { "01000015", IMPS_DIAMETER_ERROR_BAD_LENGTH },   /* 21: not a multiple of 4 */
    { "01010004", IMPS_DIAMETER_ERROR_TOO_LARGE },    /* 65540 */
    { "01ffffff", IMPS_DIAMETER_ERROR_TOO_LARGE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GBytes) b = imps_test_hex (bad[i].hex);
      gsize blen;
      const guint8 *bd = g_bytes_get_data (b, &blen);
      g_assert_cmpint (imps_diameter_frame_length (bd, blen, &error), ==, -1);
      g_assert_error (error, IMPS_DIAMETER_ERROR, bad[i].code);
      g_clear_error (&error);
    }
  /* The largest allowed. */
  static const guint8 max[] = { 1, 0x01, 0x00, 0x00 };
  g_assert_cmpint (imps_diameter_frame_length (max, 4, &error), ==, 65536);
}

/* ---- negative cases ---- */

static void
test_truncation_points (void)
{
  g_autoptr (GBytes) bytes = build_padding_message ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize i = 0; i < len; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, i);
      ImpsDiameterMessage *msg = imps_diameter_message_parse (copy, i, &error);
      g_assert_null (msg);
      g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TRUNCATED);
      g_clear_error (&error);
    }
}

typedef struct {
  const gchar *name;
  const gchar *hex;
  gint code;
  const gchar *needle;  /* part of the message */
} BadCase;

/* All computed by this project from RFC 6733 §3 and §4.1. */
static const BadCase bad_cases[] = {
  { "version 2", "02000014" "80000118" "00000000" "00000001" "00000002",
    IMPS_DIAMETER_ERROR_BAD_VERSION, "version 2" },
  { "length 16", "01000010" "80000118" "00000000" "00000001" "00000002",
    IMPS_DIAMETER_ERROR_BAD_LENGTH, "below the 20-byte header" },
  { "length 22", "01000016" "80000118" "00000000" "00000001" "00000002" "0000",
    IMPS_DIAMETER_ERROR_BAD_LENGTH, "multiple of 4" },
  { "length 20 with 24 bytes", "01000014" "80000118" "00000000" "00000001" "00000002" "00000000",
    IMPS_DIAMETER_ERROR_BAD_LENGTH, "24 bytes given" },
  { "length over the maximum", "01010004" "80000118" "00000000" "00000001" "00000002",
    IMPS_DIAMETER_ERROR_TOO_LARGE, "maximum" },
  { "reserved header bit", "01000014" "88000118" "00000000" "00000001" "00000002",
    IMPS_DIAMETER_ERROR_BAD_HEADER_BITS, "reserved" },
  { "E in a request", "01000014" "a0000118" "00000000" "00000001" "00000002",
    IMPS_DIAMETER_ERROR_BAD_HEADER_BITS, "E set in a request" },
  { "AVP length 7", "0100001c" "80000118" "00000000" "00000001" "00000002"
    "00000108" "40000007",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "AVP 264 at offset 20: length 7 is below its 8-byte header" },
  { "AVP length 0", "0100001c" "80000118" "00000000" "00000001" "00000002"
    "00000108" "40000000",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "AVP 264 at offset 20" },
  { "V flag, AVP length 11", "01000020" "80000118" "00000000" "00000001" "00000002"
    "00000191" "c000000b" "000028af",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "below its 12-byte header" },
  { "AVP past the end", "01000020" "80000118" "00000000" "00000001" "00000002"
    "00000108" "40000010" "61626364",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "runs past the end" },
  { "padding past the end", "01000020" "80000118" "00000000" "00000001" "00000002"
    "00000108" "4000000d" "61626364",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "with padding" },
  { "AVP header cut", "01000018" "80000118" "00000000" "00000001" "00000002"
    "00000108",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "offset 20: 4 bytes left" },
  { "second AVP past the end", "0100002c" "80000118" "00000000" "00000001" "00000002"
    "00000108" "4000000c" "61626364" "00000128" "40000010" "61626364",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "AVP 296 at offset 32" },
  { "non-zero padding", "01000020" "80000118" "00000000" "00000001" "00000002"
    "00000108" "40000009" "61000100",
    IMPS_DIAMETER_ERROR_INVALID_AVP, "padding byte at offset 30" },
  { "reserved AVP flag", "01000020" "80000118" "00000000" "00000001" "00000002"
    "00000108" "4100000c" "61626364",
    IMPS_DIAMETER_ERROR_AVP_BITS, "reserved flag bits" },
  /* Vendor-Specific-Application-Id whose child runs past the group. */
  { "child past its group", "01000028" "80000118" "00000000" "00000001" "00000002"
    "00000104" "40000014" "0000010a" "40000010" "000028af",
    IMPS_DIAMETER_ERROR_AVP_LENGTH, "AVP 266 at offset 28" },
};

static void
test_bad_cases (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_test_message ("case: %s", bad_cases[i].name);
      ImpsDiameterMessage *msg = parse_hex (bad_cases[i].hex, &error);
      g_assert_null (msg);
      g_assert_error (error, IMPS_DIAMETER_ERROR, bad_cases[i].code);
      if (strstr (error->message, bad_cases[i].needle) == NULL)
        g_error ("case %s: message \"%s\" lacks \"%s\"", bad_cases[i].name, error->message,
                 bad_cases[i].needle);
    }
}

static GBytes *
build_nested (guint levels)
{
  ImpsDiameterBuilder *b = imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, 280, 0, 1, 2);
  for (guint i = 0; i < levels; i++)
    imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_PROXY_INFO, IMPS_DIAMETER_AVP_FLAG_M, 0);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_PROXY_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0, "x");
  for (guint i = 0; i < levels; i++)
    imps_diameter_builder_end_group (b);
  return imps_diameter_builder_finish (b);
}

static void
test_limits (void)
{
  g_autoptr (GError) error = NULL;

  /* Nesting: 7 grouped levels (children at depth 7) pass, 8 do not. */
  {
    g_autoptr (GBytes) ok = build_nested (IMPS_DIAMETER_MAX_DEPTH - 1);
    g_autoptr (ImpsDiameterMessage) msg = parse_bytes (ok, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (msg->avps->len, ==, IMPS_DIAMETER_MAX_DEPTH);
    g_assert_cmpuint (imps_diameter_message_avp (msg, IMPS_DIAMETER_MAX_DEPTH - 1)->depth, ==,
                      IMPS_DIAMETER_MAX_DEPTH - 1);
  }
  {
    g_autoptr (GBytes) deep = build_nested (IMPS_DIAMETER_MAX_DEPTH);
    g_assert_null (parse_bytes (deep, &error));
    g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_DEEP);
    g_assert_nonnull (strstr (error->message, "AVP 284 at offset"));
    g_clear_error (&error);
  }

  /* Too many AVPs: 1024 pass, 1025 do not. */
  for (guint n = IMPS_DIAMETER_MAX_AVPS; n <= IMPS_DIAMETER_MAX_AVPS + 1; n++)
    {
      ImpsDiameterBuilder *b = imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, 280, 0, 1, 2);
      for (guint i = 0; i < n; i++)
        imps_diameter_builder_add_octets (b, 7000, 0, 0, NULL, 0);
      g_autoptr (GBytes) many = imps_diameter_builder_finish (b);
      g_autoptr (ImpsDiameterMessage) msg = parse_bytes (many, &error);
      if (n == IMPS_DIAMETER_MAX_AVPS)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (msg->avps->len, ==, n);
        }
      else
        {
          g_assert_null (msg);
          g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_MANY_AVPS);
          /* The 1025th AVP starts at 20 + 1024 * 8. */
          g_assert_nonnull (strstr (error->message, "offset 8212"));
          g_clear_error (&error);
        }
    }

  /* Message size: exactly 64 KiB passes, 4 bytes more does not. */
  for (guint extra = 0; extra <= 4; extra += 4)
    {
      gsize data_len = IMPS_DIAMETER_MAX_MESSAGE - 20 - 8 + extra;
      g_autofree guint8 *zeros = g_malloc0 (data_len);
      ImpsDiameterBuilder *b = imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, 280, 0, 1, 2);
      imps_diameter_builder_add_octets (b, 7000, 0, 0, zeros, data_len);
      g_autoptr (GBytes) big = imps_diameter_builder_finish (b);
      g_assert_cmpuint (g_bytes_get_size (big), ==, IMPS_DIAMETER_MAX_MESSAGE + extra);
      g_autoptr (ImpsDiameterMessage) msg = parse_bytes (big, &error);
      if (extra == 0)
        g_assert_no_error (error);
      else
        {
          g_assert_null (msg);
          g_assert_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_LARGE);
          g_clear_error (&error);
        }
    }
}

/* ---- answers from requests ---- */

static void
test_answer_from_request (void)
{
  g_autoptr (GError) error = NULL;
  const guint8 m = IMPS_DIAMETER_AVP_FLAG_M;
  ImpsDiameterBuilder *b =
    imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P | IMPS_DIAMETER_FLAG_T,
                               303, 16777221, 0xdeadbeef, 0xfeedf00d);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, m, 0, "bsf");
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_SESSION_ID, m, 0, "bsf;42;x");
  g_autoptr (GBytes) req_bytes = imps_diameter_builder_finish (b);
  g_autoptr (ImpsDiameterMessage) req = parse_bytes (req_bytes, &error);
  g_assert_no_error (error);

  ImpsDiameterBuilder *a = imps_diameter_builder_new_answer (req);
  imps_diameter_builder_add_u32 (a, IMPS_DIAMETER_AVP_RESULT_CODE, m, 0, 2001);
  g_autoptr (GBytes) ans_bytes = imps_diameter_builder_finish (a);
  g_autoptr (ImpsDiameterMessage) ans = parse_bytes (ans_bytes, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (ans->flags, ==, IMPS_DIAMETER_FLAG_P);
  g_assert_cmpuint (ans->command, ==, 303);
  g_assert_cmpuint (ans->application_id, ==, 16777221);
  g_assert_cmphex (ans->hop_by_hop, ==, 0xdeadbeef);
  g_assert_cmphex (ans->end_to_end, ==, 0xfeedf00d);
  /* Session-Id comes first in the answer. */
  const ImpsDiameterAvp *sid = imps_diameter_message_avp (ans, 0);
  g_assert_cmpuint (sid->code, ==, IMPS_DIAMETER_AVP_SESSION_ID);
  g_autofree gchar *text = imps_diameter_avp_dup_utf8 (sid, &error);
  g_assert_cmpstr (text, ==, "bsf;42;x");

  /* Hand-assembled (computed by this project). */
  gsize len;
  const guint8 *data = g_bytes_get_data (ans_bytes, &len);
  imps_assert_hex (data, len,
                   "01000030" "4000012f" "01000005" "deadbeef" "feedf00d"
                   "00000107" "40000010" "6273663b" "34323b78"
                   "0000010c" "4000000c" "000007d1");

  /* A request without P: the answer has no flags. */
  b = imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, 280, 0, 5, 6);
  g_autoptr (GBytes) dwr = imps_diameter_builder_finish (b);
  g_autoptr (ImpsDiameterMessage) dwr_msg = parse_bytes (dwr, &error);
  a = imps_diameter_builder_new_answer (dwr_msg);
  g_autoptr (GBytes) dwa = imps_diameter_builder_finish (a);
  data = g_bytes_get_data (dwa, &len);
  imps_assert_hex (data, len, "01000014" "00000118" "00000000" "00000005" "00000006");
}

/* ---- dictionary and rendering ---- */

static void
test_dictionary (void)
{
  static const struct {
    guint32 vendor, code;
    const gchar *name;
    ImpsDiameterType type;
    guint8 flags;
  } entries[] = {
    /* RFC 6733 §4.5 and gba.md §9.2, §10.2, §10.5. */
    { 0, 1, "User-Name", IMPS_DIAMETER_TYPE_UTF8, 0x40 },
    { 0, 257, "Host-IP-Address", IMPS_DIAMETER_TYPE_ADDRESS, 0x40 },
    { 0, 258, "Auth-Application-Id", IMPS_DIAMETER_TYPE_U32, 0x40 },
    { 0, 260, "Vendor-Specific-Application-Id", IMPS_DIAMETER_TYPE_GROUPED, 0x40 },
    { 0, 263, "Session-Id", IMPS_DIAMETER_TYPE_UTF8, 0x40 },
    { 0, 264, "Origin-Host", IMPS_DIAMETER_TYPE_IDENTITY, 0x40 },
    { 0, 265, "Supported-Vendor-Id", IMPS_DIAMETER_TYPE_U32, 0x40 },
    { 0, 266, "Vendor-Id", IMPS_DIAMETER_TYPE_U32, 0x40 },
    { 0, 267, "Firmware-Revision", IMPS_DIAMETER_TYPE_U32, 0x00 },
    { 0, 268, "Result-Code", IMPS_DIAMETER_TYPE_U32, 0x40 },
    { 0, 269, "Product-Name", IMPS_DIAMETER_TYPE_UTF8, 0x00 },
    { 0, 277, "Auth-Session-State", IMPS_DIAMETER_TYPE_ENUM, 0x40 },
    { 0, 278, "Origin-State-Id", IMPS_DIAMETER_TYPE_U32, 0x40 },
    { 0, 279, "Failed-AVP", IMPS_DIAMETER_TYPE_GROUPED, 0x40 },
    { 0, 281, "Error-Message", IMPS_DIAMETER_TYPE_UTF8, 0x00 },
    { 0, 283, "Destination-Realm", IMPS_DIAMETER_TYPE_IDENTITY, 0x40 },
    { 0, 293, "Destination-Host", IMPS_DIAMETER_TYPE_IDENTITY, 0x40 },
    { 0, 296, "Origin-Realm", IMPS_DIAMETER_TYPE_IDENTITY, 0x40 },
    { 0, 297, "Experimental-Result", IMPS_DIAMETER_TYPE_GROUPED, 0x40 },
    { 0, 298, "Experimental-Result-Code", IMPS_DIAMETER_TYPE_U32, 0x40 },
    { 10415, 400, "GBA-UserSecSettings", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
    { 10415, 401, "Transaction-Identifier", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
    { 10415, 402, "NAF-Id", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
    { 10415, 404, "Key-ExpiryTime", IMPS_DIAMETER_TYPE_TIME, 0xc0 },
    { 10415, 405, "ME-Key-Material", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
    { 10415, 407, "GBA_U-Awareness-Indicator", IMPS_DIAMETER_TYPE_ENUM, 0xc0 },
    { 10415, 408, "BootstrapInfoCreationTime", IMPS_DIAMETER_TYPE_TIME, 0xc0 },
    { 10415, 409, "GUSS-Timestamp", IMPS_DIAMETER_TYPE_TIME, 0xc0 },
    { 10415, 410, "GBA-Type", IMPS_DIAMETER_TYPE_ENUM, 0xc0 },
    { 10415, 601, "Public-Identity", IMPS_DIAMETER_TYPE_UTF8, 0xc0 },
    { 10415, 607, "SIP-Number-Auth-Items", IMPS_DIAMETER_TYPE_U32, 0xc0 },
    { 10415, 608, "SIP-Authentication-Scheme", IMPS_DIAMETER_TYPE_UTF8, 0xc0 },
    { 10415, 609, "SIP-Authenticate", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
    { 10415, 610, "SIP-Authorization", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
    { 10415, 612, "SIP-Auth-Data-Item", IMPS_DIAMETER_TYPE_GROUPED, 0xc0 },
    { 10415, 613, "SIP-Item-Number", IMPS_DIAMETER_TYPE_U32, 0xc0 },
    { 10415, 625, "Confidentiality-Key", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
    { 10415, 626, "Integrity-Key", IMPS_DIAMETER_TYPE_OCTETS, 0xc0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (entries[i].vendor, entries[i].code);
      g_assert_nonnull (e);
      g_assert_cmpstr (e->name, ==, entries[i].name);
      g_assert_cmpint (e->type, ==, entries[i].type);
      g_assert_cmpuint (e->flags, ==, entries[i].flags);
    }
  /* The same code under another vendor is another AVP. */
  g_assert_null (imps_diameter_dict_lookup (0, 405));
  g_assert_null (imps_diameter_dict_lookup (10415, 263));
  g_assert_null (imps_diameter_dict_lookup (0, 0));
  g_assert_null (imps_diameter_dict_lookup (0xffffffff, 0xffffffff));
  g_assert_true (imps_diameter_dict_lookup (10415, 405)->secret);
  g_assert_false (imps_diameter_dict_lookup (10415, 609)->secret);

  g_assert_cmpstr (imps_diameter_type_name (IMPS_DIAMETER_TYPE_GROUPED), ==, "Grouped");
  g_assert_cmpstr (imps_diameter_command_name (257, TRUE, TRUE), ==, "CER");
  g_assert_cmpstr (imps_diameter_command_name (257, FALSE, TRUE), ==, "CEA");
  g_assert_cmpstr (imps_diameter_command_name (303, TRUE, TRUE), ==, "MAR");
  g_assert_cmpstr (imps_diameter_command_name (310, FALSE, TRUE), ==, "BIA");
  g_assert_cmpstr (imps_diameter_command_name (280, TRUE, FALSE), ==, "Device-Watchdog");
  g_assert_null (imps_diameter_command_name (1, TRUE, TRUE));

  g_assert_cmpstr (imps_diameter_result_code_name (2001, FALSE), ==, "DIAMETER_SUCCESS");
  g_assert_cmpstr (imps_diameter_result_code_name (3010, FALSE), ==, "DIAMETER_UNKNOWN_PEER");
  g_assert_cmpstr (imps_diameter_result_code_name (5012, FALSE), ==, "DIAMETER_UNABLE_TO_COMPLY");
  g_assert_cmpstr (imps_diameter_result_code_name (5403, TRUE), ==,
                   "DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID");
  g_assert_cmpstr (imps_diameter_result_code_name (5401, TRUE), ==, "DIAMETER_ERROR_IDENTITY_UNKNOWN");
  g_assert_cmpstr (imps_diameter_result_code_name (4181, TRUE), ==,
                   "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE");
  g_assert_null (imps_diameter_result_code_name (5403, FALSE));
  g_assert_null (imps_diameter_result_code_name (2001, TRUE));
  g_assert_cmpstr (imps_diameter_enum_name (10415, 410, 1), ==, "2G GBA");
  g_assert_null (imps_diameter_enum_name (10415, 410, 2));
}

static void
test_render (void)
{
  g_autoptr (GError) error = NULL;
  const guint8 m = IMPS_DIAMETER_AVP_FLAG_M;
  static const guint8 key[4] = { 0xde, 0xad, 0xbe, 0xef };
  static const guint8 naf[] = { 'k', 1, 0, 0, 0, 6 };
  ImpsDiameterBuilder *b = imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, 280, 0, 1, 2);

  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, m, 0, 2001);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_AUTH_SESSION_STATE, m, 0, 1);
  imps_diameter_builder_add_time (b, IMPS_DIAMETER_AVP_KEY_EXPIRYTIME, m, 10415, 3282549197u);
  imps_diameter_builder_add_address_text (b, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS, m, 0, "127.0.1.20");
  imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_ME_KEY_MATERIAL, m, 10415, key, 4);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ERROR_MESSAGE, 0, 0, "say \"hi\"\n");
  imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_NAF_ID, m, 10415, naf, sizeof naf);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_TRANSACTION_IDENTIFIER, m, 10415, "ab==@bsf");
  imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT, m, 0);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_VENDOR_ID, m, 0, 10415);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE, m, 0, 5403);
  imps_diameter_builder_end_group (b);
  imps_diameter_builder_add_octets (b, IMPS_DIAMETER_AVP_RESULT_CODE, m, 0, key, 3);
  imps_diameter_builder_add_u32 (b, 9999, m, 0, 0x41424344);
  g_autoptr (GBytes) bytes = imps_diameter_builder_finish (b);
  g_autoptr (ImpsDiameterMessage) msg = parse_bytes (bytes, &error);
  g_assert_no_error (error);

  static const gchar *want[] = {
    "2001 (DIAMETER_SUCCESS)",
    "1 (NO_STATE_MAINTAINED)",
    "2004-01-08T11:13:17Z (NTP 3282549197)",  /* gba.md §10.2 [C] */
    "127.0.1.20",
    "<4 bytes, secret>",
    "\"say \\\"hi\\\"\\x0a\"",
    "6b0100000006",
    "\"ab==@bsf\"",
    "{2 AVPs}",
    "10415",       /* Vendor-Id inside the group */
    "5403 (DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID)",
    "invalid (needs 4 bytes): deadbe",
    "\"ABCD\"",    /* unknown AVP: printable octets */
  };
  g_assert_cmpuint (msg->avps->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < msg->avps->len; i++)
    {
      g_autofree gchar *text = imps_diameter_avp_render (imps_diameter_message_avp (msg, i),
                                                         IMPS_DIAMETER_RENDER_DEFAULT);
      g_assert_cmpstr (text, ==, want[i]);
    }
  g_autofree gchar *shown = imps_diameter_avp_render (imps_diameter_message_avp (msg, 4),
                                                      IMPS_DIAMETER_RENDER_SECRETS);
  g_assert_cmpstr (shown, ==, "deadbeef");
}

static void
test_time (void)
{
  /* gba.md §10.2 [C]: 2004-01-08T11:13:17Z = Unix 1073560397 = NTP 3282549197. */
  g_assert_cmpuint (imps_diameter_time_from_unix (1073560397), ==, 3282549197u);
  g_assert_cmpint (imps_diameter_time_to_unix (3282549197u), ==, 1073560397);
  /* RFC 6733 §4.3.1: NTP era 1 (from 2036-02-07T06:28:16Z, Unix 2085978496)
   * wraps to 0; values with the top bit clear are read as era 1. */
  g_assert_cmpuint (imps_diameter_time_from_unix (G_GINT64_CONSTANT (2085978496)), ==, 0);
  g_assert_cmpint (imps_diameter_time_to_unix (0), ==, G_GINT64_CONSTANT (2085978496));
  g_assert_cmpint (imps_diameter_time_to_unix (0x80000000u), ==,
                   G_GINT64_CONSTANT (0x80000000) - G_GINT64_CONSTANT (2208988800));
}

static void
test_error_result_codes (void)
{
  static const struct { gint code; guint32 rc; } map[] = {
    { IMPS_DIAMETER_ERROR_BAD_VERSION, 5011 },
    { IMPS_DIAMETER_ERROR_BAD_LENGTH, 5015 },
    { IMPS_DIAMETER_ERROR_TRUNCATED, 5015 },
    { IMPS_DIAMETER_ERROR_BAD_HEADER_BITS, 3008 },
    { IMPS_DIAMETER_ERROR_AVP_LENGTH, 5014 },
    { IMPS_DIAMETER_ERROR_AVP_BITS, 3009 },
    { IMPS_DIAMETER_ERROR_MISSING_AVP, 5005 },
    { IMPS_DIAMETER_ERROR_INVALID_AVP, 5004 },
    { IMPS_DIAMETER_ERROR_TOO_MANY_AVPS, 5006 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_autoptr (GError) e = g_error_new_literal (IMPS_DIAMETER_ERROR, map[i].code, "x");
      g_assert_cmpuint (imps_diameter_error_result_code (e), ==, map[i].rc);
    }
  g_autoptr (GError) other = g_error_new_literal (G_FILE_ERROR, 0, "x");
  g_assert_cmpuint (imps_diameter_error_result_code (other), ==, 5012);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/diameter/padding-layout", test_padding_layout);
  g_test_add_func ("/diameter/typed-roundtrip", test_typed_roundtrip);
  g_test_add_func ("/diameter/typed-errors", test_typed_errors);
  g_test_add_func ("/diameter/framing", test_framing);
  g_test_add_func ("/diameter/truncation-points", test_truncation_points);
  g_test_add_func ("/diameter/bad-cases", test_bad_cases);
  g_test_add_func ("/diameter/limits", test_limits);
  g_test_add_func ("/diameter/answer-from-request", test_answer_from_request);
  g_test_add_func ("/diameter/dictionary", test_dictionary);
  g_test_add_func ("/diameter/render", test_render);
  g_test_add_func ("/diameter/time", test_time);
  g_test_add_func ("/diameter/error-result-codes", test_error_result_codes);
  return g_test_run ();
}
