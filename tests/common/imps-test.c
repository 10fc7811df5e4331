#include "imps-test.h"
#include "imps-hex.h"

#include <string.h>
#include <sys/wait.h>

GBytes *
imps_test_hex (const gchar *hex)
{
  g_autoptr (GError) error = NULL;
  GBytes *b = imps_hex_decode_bytes (hex, &error);
  g_assert_no_error (error);
  return b;
}

void
imps_test_hex_into (const gchar *hex, guint8 *out, gsize len)
{
  g_autoptr (GError) error = NULL;
  imps_hex_decode_fixed (hex, out, len, &error);
  g_assert_no_error (error);
}

void
imps_test_assert_hex (const char *file, int line, const char *func,
                      const char *expr, const guint8 *got, gsize len,
                      const gchar *expected)
{
  g_autofree gchar *hex = imps_hex_encode (got, len);
  g_autoptr (GBytes) want = imps_test_hex (expected);
  g_autofree gchar *want_hex = imps_hex_encode (g_bytes_get_data (want, NULL),
                                                g_bytes_get_size (want));
  if (strcmp (hex, want_hex) != 0)
    {
      g_autofree gchar *msg = g_strdup_printf ("%s: got %s, expected %s",
                                               expr, hex, want_hex);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
    }
}

void
imps_test_run_clear (ImpsTestRun *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

void
imps_test_run_argv (ImpsTestRun *r, const gchar *program, const gchar *const *args)
{
  imps_test_run_argv_env (r, program, args, NULL);
}

void
imps_test_run_argv_env (ImpsTestRun *r, const gchar *program, const gchar *const *args,
                        gchar **envp)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) program);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  gint ws = 0;
  memset (r, 0, sizeof *r);
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &ws, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (ws) ? WEXITSTATUS (ws) : -1;
}
