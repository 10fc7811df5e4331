#include "imps-bytes.h"
#include "imps-secret.h"

#include <string.h>

gboolean
imps_reader_u8 (ImpsReader *r, guint8 *v)
{
  if (imps_reader_remaining (r) < 1)
    return FALSE;
  *v = r->data[r->pos++];
  return TRUE;
}

gboolean
imps_reader_u16 (ImpsReader *r, guint16 *v)
{
  if (imps_reader_remaining (r) < 2)
    return FALSE;
  *v = imps_load_u16 (r->data + r->pos);
  r->pos += 2;
  return TRUE;
}

gboolean
imps_reader_u24 (ImpsReader *r, guint32 *v)
{
  if (imps_reader_remaining (r) < 3)
    return FALSE;
  *v = imps_load_u24 (r->data + r->pos);
  r->pos += 3;
  return TRUE;
}

gboolean
imps_reader_u32 (ImpsReader *r, guint32 *v)
{
  if (imps_reader_remaining (r) < 4)
    return FALSE;
  *v = imps_load_u32 (r->data + r->pos);
  r->pos += 4;
  return TRUE;
}

gboolean
imps_reader_u64 (ImpsReader *r, guint64 *v)
{
  if (imps_reader_remaining (r) < 8)
    return FALSE;
  *v = ((guint64) imps_load_u32 (r->data + r->pos) << 32)
       | imps_load_u32 (r->data + r->pos + 4);
  r->pos += 8;
  return TRUE;
}

gboolean
imps_reader_copy (ImpsReader *r, guint8 *out, gsize len)
{
  if (imps_reader_remaining (r) < len)
    return FALSE;
  if (len > 0)
    memcpy (out, r->data + r->pos, len);
  r->pos += len;
  return TRUE;
}

gboolean
imps_reader_bytes (ImpsReader *r, const guint8 **out, gsize len)
{
  if (imps_reader_remaining (r) < len)
    return FALSE;
  *out = r->data + r->pos;
  r->pos += len;
  return TRUE;
}

gboolean
imps_reader_skip (ImpsReader *r, gsize len)
{
  if (imps_reader_remaining (r) < len)
    return FALSE;
  r->pos += len;
  return TRUE;
}

gboolean
imps_reader_sub (ImpsReader *r, ImpsReader *sub, gsize len)
{
  if (imps_reader_remaining (r) < len)
    return FALSE;
  imps_reader_init (sub, r->data + r->pos, len);
  r->pos += len;
  return TRUE;
}

void
imps_put_u8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

void
imps_put_u16 (GByteArray *b, guint16 v)
{
  guint8 t[2] = { (guint8) (v >> 8), (guint8) v };
  g_byte_array_append (b, t, 2);
}

void
imps_put_u24 (GByteArray *b, guint32 v)
{
  guint8 t[3] = { (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };
  g_byte_array_append (b, t, 3);
}

void
imps_put_u32 (GByteArray *b, guint32 v)
{
  guint8 t[4];
  imps_store_u32 (t, v);
  g_byte_array_append (b, t, 4);
}

void
imps_put_u64 (GByteArray *b, guint64 v)
{
  imps_put_u32 (b, (guint32) (v >> 32));
  imps_put_u32 (b, (guint32) v);
}

void
imps_put_bytes (GByteArray *b, const guint8 *data, gsize len)
{
  if (len > 0)
    g_byte_array_append (b, data, (guint) len);
}

void
imps_set_u16 (GByteArray *b, gsize offset, guint16 v)
{
  g_return_if_fail (offset + 2 <= b->len);
  imps_store_u16 (b->data + offset, v);
}

void
imps_set_u24 (GByteArray *b, gsize offset, guint32 v)
{
  g_return_if_fail (offset + 3 <= b->len);
  b->data[offset] = (guint8) (v >> 16);
  b->data[offset + 1] = (guint8) (v >> 8);
  b->data[offset + 2] = (guint8) v;
}

void
imps_set_u32 (GByteArray *b, gsize offset, guint32 v)
{
  g_return_if_fail (offset + 4 <= b->len);
  imps_store_u32 (b->data + offset, v);
}

void
imps_byte_array_wipe_free (GByteArray *b)
{
  if (b == NULL)
    return;
  imps_wipe (b->data, b->len);
  g_byte_array_unref (b);
}
