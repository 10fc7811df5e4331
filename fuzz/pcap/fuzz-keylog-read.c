/* Fuzz target for the key log reader (imps_key_log_read_srtp(), used by
 * impsim tool srtp-decrypt, and imps_key_log_read_tpk(), used by impsim
 * decode --keylog): never reads out of bounds; either a list and no
 * error, or no list and an error of its domain; every SRTP line kept has
 * a line number within the input's lines and 1 to 46 key bytes; every
 * KMS_TPK line kept has a KMS name, an index of 1 or more and 16 to 64
 * key bytes. */
#include "imps-keylog-read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  /* A copy of exactly @size bytes, so ASan sees any read past the end. */
  gchar *copy = g_memdup2 (data, size);
  GPtrArray *keys = imps_key_log_read_srtp (copy, size, &error);
  if ((keys == NULL) != (error != NULL))
    abort ();
  if (keys == NULL)
    {
      if (error->domain != IMPS_KEY_LOG_READ_ERROR)
        abort ();
      g_clear_error (&error);
    }
  else
    {
      guint lines = 1;
      for (gsize i = 0; i < size; i++)
        lines += copy[i] == '\n';
      for (guint i = 0; i < keys->len; i++)
        {
          const ImpsKeyLogSrtp *k = g_ptr_array_index (keys, i);
          if (k->line < 1 || k->line > lines || k->key_salt_len < 1
              || k->key_salt_len > IMPS_KEY_LOG_MAX_KEY_SALT || k->suite == NULL)
            abort ();
        }
      g_ptr_array_unref (keys);
    }
  GPtrArray *tpks = imps_key_log_read_tpk (copy, size, &error);
  if ((tpks == NULL) != (error != NULL))
    abort ();
  if (tpks == NULL)
    {
      if (error->domain != IMPS_KEY_LOG_READ_ERROR)
        abort ();
      g_clear_error (&error);
    }
  else
    {
      for (guint i = 0; i < tpks->len; i++)
        {
          const ImpsKeyLogTpk *t = g_ptr_array_index (tpks, i);
          if (t->kms == NULL || t->kms[0] == '\0' || t->index == 0
              || t->key_len < IMPS_KEY_LOG_MIN_TPK || t->key_len > IMPS_KEY_LOG_MAX_TPK)
            abort ();
        }
      g_ptr_array_unref (tpks);
    }
  g_free (copy);
  return 0;
}
