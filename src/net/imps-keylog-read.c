/* The SRTP and KMS_TPK lines of a key log (see imps-keylog-read.h). */
#include "imps-keylog-read.h"

#include <string.h>

#include "imps-secret.h"

G_DEFINE_QUARK (imps-key-log-read-error-quark, imps_key_log_read_error)

static void
srtp_free (gpointer p)
{
  ImpsKeyLogSrtp *k = p;
  imps_wipe (k->key_salt, sizeof k->key_salt);
  g_free (k->suite);
  g_free (k);
}

static gboolean
bad (GError **error, guint line, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
bad (GError **error, guint line, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_KEY_LOG_READ_ERROR, IMPS_KEY_LOG_READ_ERROR_MALFORMED,
               "key log line %u: %s", line, msg);
  return FALSE;
}

/* "a.b.c.d:port", strictly. */
static gboolean
parse_endpoint (const gchar *s, guint32 *addr, guint16 *port)
{
  guint32 v = 0;
  const gchar *p = s;
  for (guint part = 0; part < 4; part++)
    {
      guint n = 0, digits = 0;
      while (g_ascii_isdigit (*p) && digits < 3)
        {
          n = n * 10 + (guint) (*p - '0');
          p++;
          digits++;
        }
      if (digits == 0 || n > 255)
        return FALSE;
      v = (v << 8) | n;
      if (*p != (part < 3 ? '.' : ':'))
        return FALSE;
      p++;
    }
  guint64 pt;
  if (!g_ascii_string_to_unsigned (p, 10, 1, 65535, &pt, NULL))
    return FALSE;
  *addr = v;
  *port = (guint16) pt;
  return TRUE;
}

static void
wipe_fields (GStrv f)
{
  for (guint i = 0; f[i]; i++)
    imps_wipe (f[i], strlen (f[i]));
}

typedef gboolean (*LineFunc) (const gchar *line, guint n, GPtrArray *out, GError **error);

static gboolean
parse_line (const gchar *line, guint n, GPtrArray *out, GError **error)
{
  g_auto (GStrv) f = g_strsplit (line, " ", -1);
  if (f[0] == NULL || !g_str_equal (f[0], "SRTP"))
    {
      wipe_fields (f);
      return TRUE;
    }
  guint nf = g_strv_length (f);
  if (nf != 6)
    {
      wipe_fields (f);
      return bad (error, n, "SRTP with %u fields, not 6 (SRTP src dst SSRC suite key)", nf);
    }
  ImpsKeyLogSrtp *k = g_new0 (ImpsKeyLogSrtp, 1);
  k->line = n;
  gboolean ok = FALSE;
  guint64 ssrc;
  gsize klen = 0;
  guint8 *key = NULL;
  if (!parse_endpoint (f[1], &k->src, &k->sport))
    bad (error, n, "source '%s' is not ip:port", f[1]);
  else if (!parse_endpoint (f[2], &k->dst, &k->dport))
    bad (error, n, "destination '%s' is not ip:port", f[2]);
  else if (strlen (f[3]) != 8 || !g_ascii_string_to_unsigned (f[3], 16, 0, G_MAXUINT32, &ssrc, NULL))
    bad (error, n, "SSRC '%s' is not 8 hex digits", f[3]);
  else if (f[4][0] == '\0' || strlen (f[4]) > 64 || strspn (f[4], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                 "abcdefghijklmnopqrstuvwxyz0123456789_")
                                                        != strlen (f[4]))
    bad (error, n, "suite name of %" G_GSIZE_FORMAT " characters is not letters, digits and '_'",
         strlen (f[4]));
  else
    {
      gsize b64 = strlen (f[5]);
      if (b64 == 0 || b64 % 4 != 0 || b64 > 4 * ((IMPS_KEY_LOG_MAX_KEY_SALT + 2) / 3)
          || strspn (f[5], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != b64)
        bad (error, n, "key of %" G_GSIZE_FORMAT " characters is not base64 of at most %u bytes",
             b64, IMPS_KEY_LOG_MAX_KEY_SALT);
      else
        {
          key = g_base64_decode (f[5], &klen);
          if (klen == 0 || klen > IMPS_KEY_LOG_MAX_KEY_SALT)
            bad (error, n, "key of %" G_GSIZE_FORMAT " bytes; 1 to %u expected", klen,
                 IMPS_KEY_LOG_MAX_KEY_SALT);
          else
            {
              k->ssrc = (guint32) ssrc;
              k->suite = g_strdup (f[4]);
              memcpy (k->key_salt, key, klen);
              k->key_salt_len = klen;
              ok = TRUE;
            }
        }
    }
  if (key)
    imps_wipe_free (key, klen);
  wipe_fields (f);
  if (!ok)
    {
      srtp_free (k);
      return FALSE;
    }
  g_ptr_array_add (out, k);
  return TRUE;
}

static GPtrArray *
read_lines (const gchar *text, gsize len, LineFunc func, GDestroyNotify free_func,
            GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  if (len > IMPS_KEY_LOG_READ_MAX_BYTES)
    {
      g_set_error (error, IMPS_KEY_LOG_READ_ERROR, IMPS_KEY_LOG_READ_ERROR_TOO_LARGE,
                   "key log: %" G_GSIZE_FORMAT " bytes, more than the limit of %u", len,
                   IMPS_KEY_LOG_READ_MAX_BYTES);
      return NULL;
    }
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (free_func);
  gsize off = 0;
  guint n = 0;
  gchar buf[IMPS_KEY_LOG_READ_MAX_LINE + 1];
  while (off < len)
    {
      const gchar *nl = memchr (text + off, '\n', len - off);
      gsize ll = nl ? (gsize) (nl - (text + off)) : len - off;
      n++;
      if (ll > 0 && text[off + ll - 1] == '\r')
        ll--;
      if (ll > IMPS_KEY_LOG_READ_MAX_LINE)
        {
          g_set_error (error, IMPS_KEY_LOG_READ_ERROR, IMPS_KEY_LOG_READ_ERROR_TOO_LARGE,
                       "key log line %u: %" G_GSIZE_FORMAT " bytes, more than the limit of %u", n,
                       ll, IMPS_KEY_LOG_READ_MAX_LINE);
          imps_wipe (buf, sizeof buf);
          return NULL;
        }
      memcpy (buf, text + off, ll);
      buf[ll] = '\0';
      off += (nl ? (gsize) (nl - (text + off)) + 1 : len - off);
      if (memchr (buf, '\0', ll) != NULL)
        {
          imps_wipe (buf, sizeof buf);
          bad (error, n, "a NUL byte");
          return NULL;
        }
      gboolean ok = func (buf, n, out, error);
      imps_wipe (buf, ll);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
imps_key_log_read_srtp (const gchar *text, gsize len, GError **error)
{
  return read_lines (text, len, parse_line, srtp_free, error);
}

/* ---- KMS_TPK <KMS> <index> <TPK hex> ---- */

static void
tpk_free (gpointer p)
{
  ImpsKeyLogTpk *t = p;
  imps_wipe (t->key, sizeof t->key);
  g_free (t->kms);
  g_free (t);
}

static gboolean
parse_tpk_line (const gchar *line, guint n, GPtrArray *out, GError **error)
{
  g_auto (GStrv) f = g_strsplit (line, " ", -1);
  if (f[0] == NULL || !g_str_equal (f[0], "KMS_TPK"))
    {
      wipe_fields (f);
      return TRUE;
    }
  guint nf = g_strv_length (f);
  if (nf != 4)
    {
      wipe_fields (f);
      return bad (error, n, "KMS_TPK with %u fields, not 4 (KMS_TPK kms index key)", nf);
    }
  guint64 index;
  gsize hl = strlen (f[3]);
  gboolean ok = FALSE;
  if (f[1][0] == '\0' || strlen (f[1]) > 253
      || strspn (f[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
             != strlen (f[1]))
    bad (error, n, "KMS name of %" G_GSIZE_FORMAT " characters is not letters, digits, '.' and '-'",
         strlen (f[1]));
  else if (!g_ascii_string_to_unsigned (f[2], 10, 1, G_MAXUINT32, &index, NULL))
    bad (error, n, "TPK index '%.12s' is not a number from 1 to %u", f[2], G_MAXUINT32);
  else if (hl < 2 * IMPS_KEY_LOG_MIN_TPK || hl > 2 * IMPS_KEY_LOG_MAX_TPK || hl % 2 != 0
           || strspn (f[3], "0123456789abcdefABCDEF") != hl)
    bad (error, n, "TPK of %" G_GSIZE_FORMAT " characters is not hex of %u to %u bytes", hl,
         IMPS_KEY_LOG_MIN_TPK, IMPS_KEY_LOG_MAX_TPK);
  else
    ok = TRUE;
  if (!ok)
    {
      wipe_fields (f);
      return FALSE;
    }
  ImpsKeyLogTpk *t = g_new0 (ImpsKeyLogTpk, 1);
  t->line = n;
  t->kms = g_strdup (f[1]);
  t->index = (guint32) index;
  t->key_len = hl / 2;
  for (gsize i = 0; i < t->key_len; i++)
    t->key[i] = (guint8) (g_ascii_xdigit_value (f[3][2 * i]) << 4
                          | g_ascii_xdigit_value (f[3][2 * i + 1]));
  wipe_fields (f);
  g_ptr_array_add (out, t);
  return TRUE;
}

GPtrArray *
imps_key_log_read_tpk (const gchar *text, gsize len, GError **error)
{
  return read_lines (text, len, parse_tpk_line, tpk_free, error);
}
