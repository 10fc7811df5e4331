/* Bounded big-endian reading and writing of byte strings.
 *
 * ImpsReader never reads past its end: every getter returns FALSE instead,
 * and leaves the position unchanged. Parsers turn that FALSE into a GError
 * that names what was being read and where (imps_reader_offset()).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
} ImpsReader;

static inline void
imps_reader_init (ImpsReader *r, const guint8 *data, gsize len)
{
  r->data = data;
  r->len = len;
  r->pos = 0;
}

static inline gsize
imps_reader_remaining (const ImpsReader *r)
{
  return r->len - r->pos;
}

static inline gsize
imps_reader_offset (const ImpsReader *r)
{
  return r->pos;
}

static inline const guint8 *
imps_reader_peek (const ImpsReader *r)
{
  return r->data + r->pos;
}

gboolean imps_reader_u8 (ImpsReader *r, guint8 *v);
gboolean imps_reader_u16 (ImpsReader *r, guint16 *v);
gboolean imps_reader_u24 (ImpsReader *r, guint32 *v);
gboolean imps_reader_u32 (ImpsReader *r, guint32 *v);
gboolean imps_reader_u64 (ImpsReader *r, guint64 *v);
/* Copies @len bytes to @out. */
gboolean imps_reader_copy (ImpsReader *r, guint8 *out, gsize len);
/* Points @out at the next @len bytes (no copy) and skips them. */
gboolean imps_reader_bytes (ImpsReader *r, const guint8 **out, gsize len);
gboolean imps_reader_skip (ImpsReader *r, gsize len);
/* A sub-reader over the next @len bytes; the parent skips them. */
gboolean imps_reader_sub (ImpsReader *r, ImpsReader *sub, gsize len);

/* Growable writer on a GByteArray. */
void imps_put_u8 (GByteArray *b, guint8 v);
void imps_put_u16 (GByteArray *b, guint16 v);
void imps_put_u24 (GByteArray *b, guint32 v);
void imps_put_u32 (GByteArray *b, guint32 v);
void imps_put_u64 (GByteArray *b, guint64 v);
void imps_put_bytes (GByteArray *b, const guint8 *data, gsize len);
/* Overwrites already written bytes at @offset (for lengths known late). */
void imps_set_u16 (GByteArray *b, gsize offset, guint16 v);
void imps_set_u24 (GByteArray *b, gsize offset, guint32 v);
void imps_set_u32 (GByteArray *b, gsize offset, guint32 v);

/* Reads big-endian integers from a buffer the caller has bounds-checked. */
static inline guint16 imps_load_u16 (const guint8 *p) { return (guint16) ((p[0] << 8) | p[1]); }
static inline guint32 imps_load_u24 (const guint8 *p) { return ((guint32) p[0] << 16) | ((guint32) p[1] << 8) | p[2]; }
static inline guint32 imps_load_u32 (const guint8 *p) { return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3]; }
static inline void imps_store_u16 (guint8 *p, guint16 v) { p[0] = (guint8) (v >> 8); p[1] = (guint8) v; }
static inline void imps_store_u32 (guint8 *p, guint32 v) { p[0] = (guint8) (v >> 24); p[1] = (guint8) (v >> 16); p[2] = (guint8) (v >> 8); p[3] = (guint8) v; }

/* Wipes the contents of @b (which may hold key material) and frees it. */
void imps_byte_array_wipe_free (GByteArray *b);

G_END_DECLS
