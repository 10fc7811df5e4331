/* Known-answer self test of the SDP module (`impsim tool selftest sdp`):
 * the published a=crypto and a=key-mgmt examples of RFC 4568 and RFC 4567
 * (mikey-ticket.md §14.1 and §13.4). */
#include "imps-sdes.h"
#include "imps-sdp.h"
#include "imps-selftest.h"

#include <string.h>

void imps_sdp_selftest (ImpsSelftest *st);

/* digest §14.1 (RFC 4568 §9.2 example line) */
static const gchar crypto_line[] =
  "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4";
static const gchar crypto_key_hex[] =
  "59535f5f5f73656d63746c202829207b093232303b7d0a7d0a756e6c6573";

/* digest §13.4 (RFC 4567 §5.1 answer message) */
static const gchar key_mgmt[] =
  "mikey AQEFgM0XflABAAAAAAAAAAAAAAYAyONQ6gAAAAAJAAAQbWlja2V5QG1vdXNlLmNvbQABn8HdGE5BMDXFIuGEga+62AgY5cc=";

void
imps_sdp_selftest (ImpsSelftest *st)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSdpCrypto) c = imps_sdp_crypto_parse (crypto_line, strlen (crypto_line), &error);
  if (c == NULL)
    imps_selftest_result (st, "RFC 4568 a=crypto parse", FALSE, "%s", error->message);
  else
    {
      imps_selftest_check_hex (st, "RFC 4568 a=crypto key||salt", c->keys[0].key_salt,
                               c->keys[0].key_salt_len, crypto_key_hex);
      imps_selftest_result (st, "RFC 4568 a=crypto lifetime and MKI",
                            c->keys[0].lifetime == (1u << 20) && c->keys[0].mki_value == 1
                              && c->keys[0].mki_len == 4,
                            "lifetime %" G_GUINT64_FORMAT ", MKI %" G_GUINT64_FORMAT ":%u",
                            c->keys[0].lifetime, c->keys[0].mki_value, c->keys[0].mki_len);
      gchar *back = imps_sdp_crypto_to_string (c);
      imps_selftest_result (st, "RFC 4568 a=crypto round trip", strcmp (back, crypto_line) == 0,
                            "built a different line");
      imps_sdp_string_free (back);
    }

  g_clear_error (&error);
  g_autoptr (ImpsSdpKeyMgmt) km = imps_sdp_key_mgmt_parse (key_mgmt, strlen (key_mgmt), &error);
  if (km == NULL)
    {
      imps_selftest_result (st, "RFC 4567 a=key-mgmt parse", FALSE, "%s", error->message);
      return;
    }
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (km->data, &n);
  imps_selftest_result (st, "RFC 4567 a=key-mgmt length", n == 71, "%zu bytes, expected 71", n);
  if (n >= 10)
    imps_selftest_check_hex (st, "RFC 4567 a=key-mgmt MIKEY header", d, 10, "01010580cd177e500100");
  g_autofree gchar *again = imps_sdp_key_mgmt_to_string (km);
  imps_selftest_result (st, "RFC 4567 a=key-mgmt round trip", strcmp (again, key_mgmt) == 0,
                        "built a different value");
}
