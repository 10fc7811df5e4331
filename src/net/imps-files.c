#include "imps-files.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
imps_file_open_private (const gchar *path, GError **error)
{
  GStatBuf st;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, IMPS_FILE_MODE_PRIVATE);
  /* A file that was there keeps its inode: tighten it. Devices and pipes
   * (/dev/stdout) are left as they are. */
  if (fd < 0 || fstat (fd, &st) != 0
      || (S_ISREG (st.st_mode) && (st.st_mode & 077) != 0
          && fchmod (fd, IMPS_FILE_MODE_PRIVATE) != 0))
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return -1;
    }
  return fd;
}

FILE *
imps_file_fopen_private (const gchar *path, GError **error)
{
  int fd = imps_file_open_private (path, error);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen (fd, "w");
  if (f == NULL)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
    }
  return f;
}

gboolean
imps_file_set_contents_private (const gchar *path, const gchar *data, gssize len,
                                GError **error)
{
  return g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT,
                                   IMPS_FILE_MODE_PRIVATE, error);
}

gboolean
imps_dir_make_private (const gchar *path, guint *old_mode, GError **error)
{
  GStatBuf st;

  if (old_mode)
    *old_mode = 0;
  if (g_mkdir_with_parents (path, IMPS_DIR_MODE_PRIVATE) != 0 || g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, "%s: not a folder", path);
      return FALSE;
    }
  if ((st.st_mode & 077) != 0)
    {
      if (g_chmod (path, st.st_mode & 0700) != 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "%s has mode %04o and cannot be made private: %s", path,
                       (guint) (st.st_mode & 07777), g_strerror (saved));
          return FALSE;
        }
      if (old_mode)
        *old_mode = st.st_mode & 07777;
    }
  return TRUE;
}

gchar *
imps_escape_text (const gchar *text, gssize len)
{
  if (text == NULL)
    return NULL;
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  GString *out = g_string_sized_new (n + 8);
  const guchar *p = (const guchar *) text, *end = p + n;

  while (p < end)
    {
      guchar c = *p;
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else if (c < 0x80)
        g_string_append_c (out, (gchar) c);
      else
        {
          gunichar u = g_utf8_get_char_validated ((const gchar *) p, end - p);
          if (u == (gunichar) -1 || u == (gunichar) -2)
            g_string_append_printf (out, "\\x%02x", c);
          else
            {
              const guchar *next = (const guchar *) g_utf8_next_char (p);
              if (u >= 0x80 && u <= 0x9f)
                g_string_append_printf (out, "\\u%04x", u);
              else
                g_string_append_len (out, (const gchar *) p, next - p);
              p = next;
              continue;
            }
        }
      p++;
    }
  return g_string_free (out, FALSE);
}
