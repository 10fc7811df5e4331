#include "imps-hex.h"

#include <string.h>

G_DEFINE_QUARK (imps-hex-error-quark, imps_hex_error)

static const gchar hexdigits[] = "0123456789abcdef";

void
imps_hex_encode_into (const guint8 *data, gsize len, gchar *out)
{
  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = hexdigits[data[i] >> 4];
      out[2 * i + 1] = hexdigits[data[i] & 0x0f];
    }
  out[2 * len] = '\0';
}

gchar *
imps_hex_encode (const guint8 *data, gsize len)
{
  gchar *out = g_malloc (2 * len + 1);
  imps_hex_encode_into (data, len, out);
  return out;
}

static gint
hexval (gchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
is_separator (gchar c)
{
  return c == ' ' || c == ':' || c == '\t' || c == '\n' || c == '\r';
}

gboolean
imps_hex_decode (const gchar *text, guint8 **out, gsize *out_len,
                 GError **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out != NULL && out_len != NULL, FALSE);

  const gchar *p = text;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    p += 2;

  gsize ndigits = 0;
  for (const gchar *q = p; *q; q++)
    {
      if (is_separator (*q))
        continue;
      if (hexval (*q) < 0)
        {
          g_set_error (error, IMPS_HEX_ERROR, IMPS_HEX_ERROR_INVALID,
                       "not a hex digit at position %zu: '%c'",
                       (gsize) (q - text), g_ascii_isprint (*q) ? *q : '?');
          return FALSE;
        }
      ndigits++;
    }
  if (ndigits % 2 != 0)
    {
      g_set_error (error, IMPS_HEX_ERROR, IMPS_HEX_ERROR_LENGTH,
                   "odd number of hex digits (%zu)", ndigits);
      return FALSE;
    }

  guint8 *buf = g_malloc (ndigits / 2 + 1);
  gsize n = 0;
  gint hi = -1;
  for (const gchar *q = p; *q; q++)
    {
      if (is_separator (*q))
        continue;
      gint v = hexval (*q);
      if (hi < 0)
        hi = v;
      else
        {
          buf[n++] = (guint8) ((hi << 4) | v);
          hi = -1;
        }
    }
  *out = buf;
  *out_len = n;
  return TRUE;
}

gboolean
imps_hex_decode_fixed (const gchar *text, guint8 *out, gsize len,
                       GError **error)
{
  guint8 *buf = NULL;
  gsize n = 0;

  if (!imps_hex_decode (text, &buf, &n, error))
    return FALSE;
  if (n != len)
    {
      g_set_error (error, IMPS_HEX_ERROR, IMPS_HEX_ERROR_LENGTH,
                   "expected %zu bytes (%zu hex digits), got %zu bytes",
                   len, 2 * len, n);
      memset (buf, 0, n);
      g_free (buf);
      return FALSE;
    }
  memcpy (out, buf, len);
  memset (buf, 0, n);
  g_free (buf);
  return TRUE;
}

GBytes *
imps_hex_decode_bytes (const gchar *text, GError **error)
{
  guint8 *buf = NULL;
  gsize n = 0;

  if (!imps_hex_decode (text, &buf, &n, error))
    return NULL;
  return g_bytes_new_take (buf, n);
}
