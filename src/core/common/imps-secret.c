#include "imps-secret.h"

#include <openssl/crypto.h>
#include <string.h>

void
imps_wipe (gpointer p, gsize len)
{
  if (p != NULL && len > 0)
    OPENSSL_cleanse (p, len);
}

void
imps_wipe_free (gpointer p, gsize len)
{
  if (p == NULL)
    return;
  imps_wipe (p, len);
  g_free (p);
}

gboolean
imps_mem_equal (const guint8 *a, const guint8 *b, gsize len)
{
  if (len == 0)
    return TRUE;
  return CRYPTO_memcmp (a, b, len) == 0;
}

ImpsSecret *
imps_secret_new0 (gsize len)
{
  ImpsSecret *s = g_new0 (ImpsSecret, 1);
  s->len = len;
  s->data = g_malloc0 (len > 0 ? len : 1);
  return s;
}

ImpsSecret *
imps_secret_new (const guint8 *data, gsize len)
{
  ImpsSecret *s = imps_secret_new0 (len);
  if (len > 0)
    memcpy (s->data, data, len);
  return s;
}

ImpsSecret *
imps_secret_dup (const ImpsSecret *secret)
{
  g_return_val_if_fail (secret != NULL, NULL);
  return imps_secret_new (secret->data, secret->len);
}

void
imps_secret_free (ImpsSecret *secret)
{
  if (secret == NULL)
    return;
  imps_wipe_free (secret->data, secret->len > 0 ? secret->len : 1);
  g_free (secret);
}

gboolean
imps_secret_equal (const ImpsSecret *a, const ImpsSecret *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->len == b->len && imps_mem_equal (a->data, b->data, a->len);
}
