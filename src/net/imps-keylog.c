#include "imps-keylog.h"
#include "imps-secret.h"

#include <string.h>

struct _ImpsKeyLog {
  FILE *file;              /* borrowed */
  GOutputStream *stream;   /* reffed */
  GMutex lock;
  guint64 lines;
  GError *error;
};

ImpsKeyLog *
imps_key_log_new_file (FILE *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  ImpsKeyLog *log = g_new0 (ImpsKeyLog, 1);
  log->file = file;
  g_mutex_init (&log->lock);
  return log;
}

ImpsKeyLog *
imps_key_log_new_stream (GOutputStream *stream)
{
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), NULL);
  ImpsKeyLog *log = g_new0 (ImpsKeyLog, 1);
  log->stream = g_object_ref (stream);
  g_mutex_init (&log->lock);
  return log;
}

void
imps_key_log_free (ImpsKeyLog *log)
{
  if (log == NULL)
    return;
  if (log->file)
    fflush (log->file);
  if (log->stream)
    {
      g_output_stream_flush (log->stream, NULL, NULL);
      g_object_unref (log->stream);
    }
  g_clear_error (&log->error);
  g_mutex_clear (&log->lock);
  g_free (log);
}

guint64
imps_key_log_get_lines (ImpsKeyLog *log)
{
  return log ? log->lines : 0;
}

const GError *
imps_key_log_get_error (ImpsKeyLog *log)
{
  return log ? log->error : NULL;
}

/* Appends lower-case hex, or "-" for an absent value. */
static void
put_hex (GString *s, const guint8 *data, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";
  if (data == NULL || len == 0)
    {
      g_string_append_c (s, '-');
      return;
    }
  for (gsize i = 0; i < len; i++)
    {
      g_string_append_c (s, digits[data[i] >> 4]);
      g_string_append_c (s, digits[data[i] & 0x0f]);
    }
}

/* A text field must stay one field: a space or a line end inside it would
 * break every reader of the log, so such characters are written as '?'. */
static void
put_text (GString *s, const gchar *text)
{
  if (text == NULL || *text == '\0')
    {
      g_string_append_c (s, '-');
      return;
    }
  for (const gchar *p = text; *p; p++)
    g_string_append_c (s, g_ascii_isspace (*p) || g_ascii_iscntrl (*p) ? '?' : *p);
}

/* Writes the line (adding the LF), then wipes and frees the buffer. */
static void
emit (ImpsKeyLog *log, GString *line)
{
  g_string_append_c (line, '\n');
  g_mutex_lock (&log->lock);
  gboolean ok;
  if (log->file)
    {
      ok = fwrite (line->str, 1, line->len, log->file) == line->len && fflush (log->file) == 0;
      if (!ok && log->error == NULL)
        g_set_error (&log->error, G_IO_ERROR, G_IO_ERROR_FAILED, "key log: write failed");
    }
  else
    {
      GError *e = NULL;
      ok = g_output_stream_write_all (log->stream, line->str, line->len, NULL, NULL, &e)
           && g_output_stream_flush (log->stream, NULL, &e);
      if (!ok)
        {
          if (log->error == NULL)
            log->error = e;
          else
            g_error_free (e);
        }
    }
  if (ok)
    log->lines++;
  g_mutex_unlock (&log->lock);
  imps_wipe (line->str, line->allocated_len);
  g_string_free (line, TRUE);
}

static GString *
begin (const gchar *type)
{
  GString *s = g_string_sized_new (256);
  g_string_append (s, type);
  return s;
}

void
imps_key_log_gba_ks (ImpsKeyLog *log, const gchar *impi, const gchar *btid,
                     const guint8 *ks, gsize ks_len)
{
  if (log == NULL)
    return;
  GString *s = begin ("GBA_KS ");
  put_text (s, impi);
  g_string_append_c (s, ' ');
  put_text (s, btid);
  g_string_append_c (s, ' ');
  put_hex (s, ks, ks_len);
  emit (log, s);
}

void
imps_key_log_gba_ks_naf (ImpsKeyLog *log, const gchar *btid,
                         const guint8 *naf_id, gsize naf_id_len,
                         const guint8 *ks_naf, gsize ks_naf_len)
{
  if (log == NULL)
    return;
  GString *s = begin ("GBA_KS_NAF ");
  put_text (s, btid);
  g_string_append_c (s, ' ');
  put_hex (s, naf_id, naf_id_len);
  g_string_append_c (s, ' ');
  put_hex (s, ks_naf, ks_naf_len);
  emit (log, s);
}

void
imps_key_log_static_psk (ImpsKeyLog *log, const gchar *key_id, const gchar *user,
                         const guint8 *key, gsize key_len)
{
  if (log == NULL)
    return;
  GString *s = begin ("STATIC_PSK ");
  put_text (s, key_id);
  g_string_append_c (s, ' ');
  put_text (s, user);
  g_string_append_c (s, ' ');
  put_hex (s, key, key_len);
  emit (log, s);
}

void
imps_key_log_kms_tpk (ImpsKeyLog *log, const gchar *kms, guint32 index, const guint8 *tpk,
                      gsize tpk_len)
{
  if (log == NULL)
    return;
  GString *s = begin ("KMS_TPK ");
  put_text (s, kms);
  g_string_append_printf (s, " %u ", index);
  put_hex (s, tpk, tpk_len);
  emit (log, s);
}

static void
put_csb_id (GString *s, guint32 csb_id)
{
  guint8 b[4] = { (guint8) (csb_id >> 24), (guint8) (csb_id >> 16), (guint8) (csb_id >> 8),
                  (guint8) csb_id };
  put_hex (s, b, 4);
}

void
imps_key_log_mikey_mpk (ImpsKeyLog *log, guint32 csb_id, ImpsKeyLogMpkRole role,
                        const guint8 *key, gsize key_len)
{
  if (log == NULL)
    return;
  static const gchar *const roles[] = { "i", "r", "rf" };
  g_return_if_fail ((guint) role < G_N_ELEMENTS (roles));
  GString *s = begin ("MIKEY_MPK ");
  put_csb_id (s, csb_id);
  g_string_append_printf (s, " %s ", roles[role]);
  put_hex (s, key, key_len);
  emit (log, s);
}

void
imps_key_log_mikey_tgk (ImpsKeyLog *log, guint32 csb_id, const guint8 *spi, gsize spi_len,
                        const guint8 *tgk, gsize tgk_len)
{
  if (log == NULL)
    return;
  GString *s = begin ("MIKEY_TGK ");
  put_csb_id (s, csb_id);
  g_string_append_c (s, ' ');
  put_hex (s, spi, spi_len);
  g_string_append_c (s, ' ');
  put_hex (s, tgk, tgk_len);
  emit (log, s);
}

void
imps_key_log_mikey_tek (ImpsKeyLog *log, guint32 csb_id, guint cs_id,
                        const guint8 *randri, gsize randri_len,
                        const guint8 *randrr, gsize randrr_len,
                        const guint8 *tek, gsize tek_len,
                        const guint8 *salt, gsize salt_len)
{
  if (log == NULL)
    return;
  GString *s = begin ("MIKEY_TEK ");
  put_csb_id (s, csb_id);
  g_string_append_printf (s, " %u ", cs_id);
  put_hex (s, randri, randri_len);
  g_string_append_c (s, ' ');
  put_hex (s, randrr, randrr_len);
  g_string_append_c (s, ' ');
  put_hex (s, tek, tek_len);
  g_string_append_c (s, ' ');
  put_hex (s, salt, salt_len);
  emit (log, s);
}

void
imps_key_log_srtp (ImpsKeyLog *log, const gchar *src, const gchar *dst, guint32 ssrc,
                   const gchar *suite, const guint8 *master_key, gsize key_len,
                   const guint8 *master_salt, gsize salt_len)
{
  if (log == NULL)
    return;
  g_return_if_fail (key_len + salt_len <= 64);
  guint8 both[64];
  if (key_len)
    memcpy (both, master_key, key_len);
  if (salt_len)
    memcpy (both + key_len, master_salt, salt_len);
  gchar b64[96];
  gint state = 0, save = 0;
  gsize n = g_base64_encode_step (both, key_len + salt_len, FALSE, b64, &state, &save);
  n += g_base64_encode_close (FALSE, b64 + n, &state, &save);
  b64[n] = '\0';

  GString *s = begin ("SRTP ");
  put_text (s, src);
  g_string_append_c (s, ' ');
  put_text (s, dst);
  g_string_append_printf (s, " %08x ", ssrc);
  put_text (s, suite);
  g_string_append_c (s, ' ');
  if (key_len + salt_len == 0)
    g_string_append_c (s, '-');
  else
    g_string_append (s, b64);
  emit (log, s);
  imps_wipe (both, sizeof both);
  imps_wipe (b64, sizeof b64);
}
