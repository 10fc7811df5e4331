/* Diameter (RFC 6733 §3, §4) message and AVP codec. */
#include "imps-diameter.h"
#include "imps-diameter-dict.h"
#include "imps-bytes.h"
#include "imps-secret.h"
#include "imps-diameter-private.h"

#include <arpa/inet.h>
#include <string.h>

/* The AVP a parse error is about (for Failed-AVP, RFC 6733 §7.5). */
typedef struct {
  ImpsDiameterErrorAvp avp;
} ImpsDiameterErrorPrivate;

static void
imps_diameter_error_private_init (ImpsDiameterErrorPrivate *priv)
{
  memset (priv, 0, sizeof *priv);
}

static void
imps_diameter_error_private_copy (const ImpsDiameterErrorPrivate *src,
                                  ImpsDiameterErrorPrivate *dest)
{
  *dest = *src;
}

static void
imps_diameter_error_private_clear (ImpsDiameterErrorPrivate *priv)
{
  (void) priv;
}

G_DEFINE_EXTENDED_ERROR (ImpsDiameterError, imps_diameter_error)

void
imps_diameter_error_set_avp (GError **error, guint32 offset)
{
  if (error == NULL || *error == NULL || (*error)->domain != IMPS_DIAMETER_ERROR)
    return;
  ImpsDiameterErrorPrivate *priv = imps_diameter_error_get_private (*error);
  if (priv == NULL)
    return;
  priv->avp.kind = IMPS_DIAMETER_ERROR_AVP_PRESENT;
  priv->avp.offset = offset;
}

void
imps_diameter_error_set_missing (GError **error, guint32 vendor, guint32 code)
{
  if (error == NULL || *error == NULL || (*error)->domain != IMPS_DIAMETER_ERROR)
    return;
  ImpsDiameterErrorPrivate *priv = imps_diameter_error_get_private (*error);
  if (priv == NULL)
    return;
  priv->avp.kind = IMPS_DIAMETER_ERROR_AVP_MISSING;
  priv->avp.vendor = vendor;
  priv->avp.code = code;
}

gboolean
imps_diameter_error_get_avp (const GError *error, ImpsDiameterErrorAvp *out)
{
  if (error == NULL || error->domain != IMPS_DIAMETER_ERROR)
    return FALSE;
  ImpsDiameterErrorPrivate *priv = imps_diameter_error_get_private (error);
  if (priv == NULL || priv->avp.kind == IMPS_DIAMETER_ERROR_AVP_NONE)
    return FALSE;
  *out = priv->avp;
  return TRUE;
}

#define HEADER_RESERVED_FLAGS 0x0f
#define AVP_RESERVED_FLAGS 0x1f
#define NTP_UNIX_OFFSET G_GINT64_CONSTANT (2208988800)

guint32
imps_diameter_error_result_code (const GError *error)
{
  if (error == NULL || error->domain != IMPS_DIAMETER_ERROR)
    return IMPS_DIAMETER_UNABLE_TO_COMPLY;
  switch ((ImpsDiameterError) error->code)
    {
    case IMPS_DIAMETER_ERROR_BAD_VERSION:
      return IMPS_DIAMETER_UNSUPPORTED_VERSION;
    case IMPS_DIAMETER_ERROR_TRUNCATED:
    case IMPS_DIAMETER_ERROR_BAD_LENGTH:
    case IMPS_DIAMETER_ERROR_TOO_LARGE:
      return IMPS_DIAMETER_INVALID_MESSAGE_LENGTH;
    case IMPS_DIAMETER_ERROR_BAD_HEADER_BITS:
      return IMPS_DIAMETER_INVALID_HDR_BITS;
    case IMPS_DIAMETER_ERROR_AVP_LENGTH:
      return IMPS_DIAMETER_INVALID_AVP_LENGTH;
    case IMPS_DIAMETER_ERROR_AVP_BITS:
      return IMPS_DIAMETER_INVALID_AVP_BITS;
    case IMPS_DIAMETER_ERROR_TOO_DEEP:
    case IMPS_DIAMETER_ERROR_TOO_MANY_AVPS:
      return IMPS_DIAMETER_RESOURCES_EXCEEDED;
    case IMPS_DIAMETER_ERROR_MISSING_AVP:
      return IMPS_DIAMETER_MISSING_AVP;
    case IMPS_DIAMETER_ERROR_INVALID_AVP:
      return IMPS_DIAMETER_INVALID_AVP_VALUE;
    case IMPS_DIAMETER_ERROR_UNEXPECTED:
      return IMPS_DIAMETER_COMMAND_UNSUPPORTED;
    case IMPS_DIAMETER_ERROR_AVP_UNSUPPORTED:
      return IMPS_DIAMETER_AVP_UNSUPPORTED;
    }
  return IMPS_DIAMETER_UNABLE_TO_COMPLY;
}

/* ---- AVP iteration ---- */

void
imps_diameter_avp_iter_init (ImpsDiameterAvpIter *iter, const guint8 *data,
                             gsize len, gsize base_offset)
{
  iter->data = data;
  iter->len = len;
  iter->pos = 0;
  iter->base_offset = base_offset;
}

gboolean
imps_diameter_avp_iter_next (ImpsDiameterAvpIter *iter, ImpsDiameterAvp *avp,
                             GError **error)
{
  gsize remaining = iter->len - iter->pos;
  gsize offset = iter->base_offset + iter->pos;
  const guint8 *p = iter->data + iter->pos;

  if (remaining == 0)
    return FALSE;
  if (remaining < 8)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_AVP_LENGTH,
                   "AVP header at offset %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT
                   " bytes left, an AVP header needs 8", offset, remaining);
      imps_diameter_error_set_avp (error, (guint32) offset);
      return FALSE;
    }

  guint32 code = imps_load_u32 (p);
  guint8 flags = p[4];
  guint32 avp_len = imps_load_u24 (p + 5);
  gsize header = (flags & IMPS_DIAMETER_AVP_FLAG_V) ? 12 : 8;

  if (flags & AVP_RESERVED_FLAGS)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_AVP_BITS,
                   "AVP %u at offset %" G_GSIZE_FORMAT ": reserved flag bits set (flags 0x%02x)",
                   code, offset, flags);
      imps_diameter_error_set_avp (error, (guint32) offset);
      return FALSE;
    }
  if (avp_len < header)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_AVP_LENGTH,
                   "AVP %u at offset %" G_GSIZE_FORMAT ": length %u is below its %"
                   G_GSIZE_FORMAT "-byte header", code, offset, avp_len, header);
      imps_diameter_error_set_avp (error, (guint32) offset);
      return FALSE;
    }
  gsize padded = ((gsize) avp_len + 3) & ~(gsize) 3;
  if (padded > remaining)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_AVP_LENGTH,
                   "AVP %u at offset %" G_GSIZE_FORMAT ": length %u (%" G_GSIZE_FORMAT
                   " with padding) runs past the end of its container (%" G_GSIZE_FORMAT
                   " bytes left)", code, offset, avp_len, padded, remaining);
      imps_diameter_error_set_avp (error, (guint32) offset);
      return FALSE;
    }
  for (gsize i = avp_len; i < padded; i++)
    if (p[i] != 0)
      {
        g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                     "AVP %u at offset %" G_GSIZE_FORMAT ": padding byte at offset %"
                     G_GSIZE_FORMAT " is not zero", code, offset, offset + i);
        imps_diameter_error_set_avp (error, (guint32) offset);
        return FALSE;
      }

  avp->code = code;
  avp->flags = flags;
  avp->depth = 0;
  avp->vendor_id = header == 12 ? imps_load_u32 (p + 8) : 0;
  avp->data = p + header;
  avp->len = (guint32) (avp_len - header);
  avp->offset = (guint32) offset;
  avp->next = 0;
  iter->pos += padded;
  return TRUE;
}

/* ---- message parsing ---- */

gssize
imps_diameter_frame_length (const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, -1);

  if (len >= 1 && data[0] != IMPS_DIAMETER_VERSION)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_BAD_VERSION,
                   "Diameter header at offset 0: version %u, expected 1", data[0]);
      return -1;
    }
  if (len < 4)
    return 0;
  guint32 mlen = imps_load_u24 (data + 1);
  if (mlen > IMPS_DIAMETER_MAX_MESSAGE)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_LARGE,
                   "Diameter header at offset 1: message length %u is over the maximum of %u",
                   mlen, (guint) IMPS_DIAMETER_MAX_MESSAGE);
      return -1;
    }
  if (mlen < IMPS_DIAMETER_HEADER_SIZE || mlen % 4 != 0)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_BAD_LENGTH,
                   "Diameter header at offset 1: message length %u is %s", mlen,
                   mlen < IMPS_DIAMETER_HEADER_SIZE ? "below the 20-byte header"
                   : "not a multiple of 4");
      return -1;
    }
  return (gssize) mlen;
}

static gboolean
parse_level (ImpsDiameterMessage *msg, const guint8 *data, gsize len,
             gsize base_offset, guint depth, GError **error)
{
  ImpsDiameterAvpIter iter;
  ImpsDiameterAvp avp;
  GError *local = NULL;

  imps_diameter_avp_iter_init (&iter, data, len, base_offset);
  while (imps_diameter_avp_iter_next (&iter, &avp, &local))
    {
      if (msg->avps->len >= IMPS_DIAMETER_MAX_AVPS)
        {
          g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_MANY_AVPS,
                       "AVP %u at offset %u: more than %u AVPs in one message",
                       avp.code, avp.offset, (guint) IMPS_DIAMETER_MAX_AVPS);
          return FALSE;
        }
      guint index = msg->avps->len;
      avp.depth = (guint8) depth;
      g_array_append_val (msg->avps, avp);

      const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (avp.vendor_id, avp.code);
      if (e != NULL && e->type == IMPS_DIAMETER_TYPE_GROUPED)
        {
          if (depth + 1 >= IMPS_DIAMETER_MAX_DEPTH)
            {
              g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_DEEP,
                           "grouped AVP %u at offset %u: nested deeper than %u levels",
                           avp.code, avp.offset, (guint) IMPS_DIAMETER_MAX_DEPTH);
              return FALSE;
            }
          gsize child_offset = (gsize) (avp.data - msg->raw);
          if (!parse_level (msg, avp.data, avp.len, child_offset, depth + 1, error))
            return FALSE;
        }
      g_array_index (msg->avps, ImpsDiameterAvp, index).next = msg->avps->len;
    }
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

ImpsDiameterMessage *
imps_diameter_message_parse (const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < IMPS_DIAMETER_HEADER_SIZE)
    {
      /* Say what is wrong with the bytes we have, when we can. */
      if (imps_diameter_frame_length (data, len, error) < 0)
        return NULL;
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TRUNCATED,
                   "Diameter header at offset 0: %" G_GSIZE_FORMAT
                   " bytes, a header needs 20", len);
      return NULL;
    }
  gssize mlen = imps_diameter_frame_length (data, len, error);
  if (mlen < 0)
    return NULL;
  if ((gsize) mlen != len)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR,
                   (gsize) mlen > len ? IMPS_DIAMETER_ERROR_TRUNCATED : IMPS_DIAMETER_ERROR_BAD_LENGTH,
                   "Diameter header at offset 1: message length %" G_GSSIZE_FORMAT
                   " but %" G_GSIZE_FORMAT " bytes given", mlen, len);
      return NULL;
    }
  guint8 flags = data[4];
  if ((flags & HEADER_RESERVED_FLAGS)
      || ((flags & IMPS_DIAMETER_FLAG_R) && (flags & IMPS_DIAMETER_FLAG_E)))
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_BAD_HEADER_BITS,
                   "Diameter header at offset 4: invalid flags 0x%02x%s", flags,
                   (flags & HEADER_RESERVED_FLAGS) ? " (reserved bits set)"
                   : " (E set in a request)");
      return NULL;
    }

  ImpsDiameterMessage *msg = g_new0 (ImpsDiameterMessage, 1);
  msg->version = data[0];
  msg->flags = flags;
  msg->command = imps_load_u24 (data + 5);
  msg->application_id = imps_load_u32 (data + 8);
  msg->hop_by_hop = imps_load_u32 (data + 12);
  msg->end_to_end = imps_load_u32 (data + 16);
  msg->raw = g_memdup2 (data, len);
  msg->raw_len = len;
  msg->avps = g_array_sized_new (FALSE, FALSE, sizeof (ImpsDiameterAvp), 16);

  if (!parse_level (msg, msg->raw + IMPS_DIAMETER_HEADER_SIZE,
                    len - IMPS_DIAMETER_HEADER_SIZE, IMPS_DIAMETER_HEADER_SIZE, 0, error))
    {
      imps_diameter_message_free (msg);
      return NULL;
    }
  return msg;
}

void
imps_diameter_message_free (ImpsDiameterMessage *msg)
{
  if (msg == NULL)
    return;
  imps_wipe_free (msg->raw, msg->raw_len);
  if (msg->avps != NULL)
    g_array_free (msg->avps, TRUE);
  g_free (msg);
}

gint
imps_diameter_message_find (const ImpsDiameterMessage *msg, guint32 vendor, guint32 code)
{
  g_return_val_if_fail (msg != NULL, -1);

  for (guint i = 0; i < msg->avps->len;)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      if (a->code == code && a->vendor_id == vendor)
        return (gint) i;
      i = a->next;
    }
  return -1;
}

gint
imps_diameter_message_find_child (const ImpsDiameterMessage *msg, guint parent,
                                  guint32 vendor, guint32 code)
{
  g_return_val_if_fail (msg != NULL && parent < msg->avps->len, -1);

  guint end = imps_diameter_message_avp (msg, parent)->next;
  for (guint i = parent + 1; i < end;)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      if (a->code == code && a->vendor_id == vendor)
        return (gint) i;
      i = a->next;
    }
  return -1;
}

guint
imps_diameter_message_count (const ImpsDiameterMessage *msg, guint32 vendor, guint32 code)
{
  guint n = 0;

  g_return_val_if_fail (msg != NULL, 0);
  for (guint i = 0; i < msg->avps->len;)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      if (a->code == code && a->vendor_id == vendor)
        n++;
      i = a->next;
    }
  return n;
}

/* ---- typed reads ---- */

static gboolean
check_size (const ImpsDiameterAvp *avp, gsize want, const gchar *type, GError **error)
{
  if (avp->len == want)
    return TRUE;
  g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
               "AVP %u at offset %u: %s needs %" G_GSIZE_FORMAT " bytes of data, found %u",
               avp->code, avp->offset, type, want, avp->len);
  imps_diameter_error_set_avp (error, avp->offset);
  return FALSE;
}

gboolean
imps_diameter_avp_get_u32 (const ImpsDiameterAvp *avp, guint32 *out, GError **error)
{
  if (!check_size (avp, 4, "Unsigned32", error))
    return FALSE;
  *out = imps_load_u32 (avp->data);
  return TRUE;
}

gboolean
imps_diameter_avp_get_i32 (const ImpsDiameterAvp *avp, gint32 *out, GError **error)
{
  if (!check_size (avp, 4, "Integer32", error))
    return FALSE;
  *out = (gint32) imps_load_u32 (avp->data);
  return TRUE;
}

gboolean
imps_diameter_avp_get_u64 (const ImpsDiameterAvp *avp, guint64 *out, GError **error)
{
  if (!check_size (avp, 8, "Unsigned64", error))
    return FALSE;
  *out = ((guint64) imps_load_u32 (avp->data) << 32) | imps_load_u32 (avp->data + 4);
  return TRUE;
}

gboolean
imps_diameter_avp_get_i64 (const ImpsDiameterAvp *avp, gint64 *out, GError **error)
{
  guint64 v;

  if (!check_size (avp, 8, "Integer64", error))
    return FALSE;
  v = ((guint64) imps_load_u32 (avp->data) << 32) | imps_load_u32 (avp->data + 4);
  *out = (gint64) v;
  return TRUE;
}

gchar *
imps_diameter_avp_dup_utf8 (const ImpsDiameterAvp *avp, GError **error)
{
  if (!g_utf8_validate_len ((const gchar *) avp->data, avp->len, NULL))
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                   "AVP %u at offset %u: not valid UTF-8 text (or contains NUL)",
                   avp->code, avp->offset);
      imps_diameter_error_set_avp (error, avp->offset);
      return NULL;
    }
  return g_strndup ((const gchar *) avp->data, avp->len);
}

gboolean
imps_diameter_avp_get_address (const ImpsDiameterAvp *avp, guint16 *family,
                               guint8 addr[16], GError **error)
{
  if (avp->len < 2)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                   "AVP %u at offset %u: Address needs a 2-byte family, found %u bytes",
                   avp->code, avp->offset, avp->len);
      imps_diameter_error_set_avp (error, avp->offset);
      return FALSE;
    }
  guint16 fam = imps_load_u16 (avp->data);
  gsize want = fam == IMPS_DIAMETER_ADDRESS_IPV4 ? 4 : fam == IMPS_DIAMETER_ADDRESS_IPV6 ? 16 : 0;
  if (want == 0)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                   "AVP %u at offset %u: Address family %u is neither IPv4 (1) nor IPv6 (2)",
                   avp->code, avp->offset, fam);
      imps_diameter_error_set_avp (error, avp->offset);
      return FALSE;
    }
  if (avp->len != 2 + want)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_INVALID_AVP,
                   "AVP %u at offset %u: Address of family %u needs %" G_GSIZE_FORMAT
                   " bytes, found %u", avp->code, avp->offset, fam, 2 + want, avp->len);
      imps_diameter_error_set_avp (error, avp->offset);
      return FALSE;
    }
  *family = fam;
  memcpy (addr, avp->data + 2, want);
  return TRUE;
}

gboolean
imps_diameter_avp_get_fixed (const ImpsDiameterAvp *avp, guint8 *out, gsize len,
                             GError **error)
{
  if (!check_size (avp, len, "this OctetString", error))
    return FALSE;
  memcpy (out, avp->data, len);
  return TRUE;
}

guint32
imps_diameter_time_from_unix (gint64 unix_seconds)
{
  return (guint32) (guint64) (unix_seconds + NTP_UNIX_OFFSET);
}

gint64
imps_diameter_time_to_unix (guint32 ntp_seconds)
{
  if (ntp_seconds & 0x80000000u)
    return (gint64) ntp_seconds - NTP_UNIX_OFFSET;
  return (gint64) ntp_seconds + G_GINT64_CONSTANT (0x100000000) - NTP_UNIX_OFFSET;
}

/* ---- builder ---- */

struct _ImpsDiameterBuilder {
  GByteArray *buf;
  guint depth;
  gsize open[IMPS_DIAMETER_MAX_DEPTH];
};

ImpsDiameterBuilder *
imps_diameter_builder_new (guint8 flags, guint32 command, guint32 application_id,
                           guint32 hop_by_hop, guint32 end_to_end)
{
  g_return_val_if_fail (command <= 0xffffff, NULL);

  ImpsDiameterBuilder *b = g_new0 (ImpsDiameterBuilder, 1);
  b->buf = g_byte_array_sized_new (256);
  guint8 h[IMPS_DIAMETER_HEADER_SIZE];
  imps_store_u32 (h, IMPS_DIAMETER_VERSION << 24);   /* the length is set when finished */
  imps_store_u32 (h + 4, command);
  h[4] = flags;
  imps_store_u32 (h + 8, application_id);
  imps_store_u32 (h + 12, hop_by_hop);
  imps_store_u32 (h + 16, end_to_end);
  g_byte_array_append (b->buf, h, sizeof h);
  return b;
}

ImpsDiameterBuilder *
imps_diameter_builder_new_answer (const ImpsDiameterMessage *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  ImpsDiameterBuilder *b =
    imps_diameter_builder_new (request->flags & IMPS_DIAMETER_FLAG_P, request->command,
                               request->application_id, request->hop_by_hop,
                               request->end_to_end);
  gint sid = imps_diameter_message_find (request, IMPS_DIAMETER_VENDOR_NONE,
                                         IMPS_DIAMETER_AVP_SESSION_ID);
  if (sid >= 0)
    imps_diameter_builder_add_avp (b, imps_diameter_message_avp (request, (guint) sid));
  return b;
}

void
imps_diameter_builder_free (ImpsDiameterBuilder *b)
{
  if (b == NULL)
    return;
  imps_byte_array_wipe_free (b->buf);
  g_free (b);
}

void
imps_diameter_builder_set_flags (ImpsDiameterBuilder *b, guint8 flags)
{
  g_return_if_fail (b != NULL);
  b->buf->data[4] = flags;
}

/* Makes room for @n more bytes at the end of the message. */
static guint8 *
builder_grow (ImpsDiameterBuilder *b, gsize n)
{
  guint at = b->buf->len;
  g_byte_array_set_size (b->buf, at + (guint) n);
  return b->buf->data + at;
}

/* Writes an AVP header at @p: 8 bytes, or 12 with a Vendor-Id.
 * @with_vendor decides the V flag and the Vendor-Id field; the public
 * functions set it when @vendor is not 0, a copied AVP keeps its own. */
static gsize
store_avp_header (guint8 *p, guint32 code, guint8 flags, gboolean with_vendor, guint32 vendor,
                  gsize data_len)
{
  gsize header = with_vendor ? 12 : 8;

  flags = with_vendor ? (flags | IMPS_DIAMETER_AVP_FLAG_V)
    : (flags & (guint8) ~IMPS_DIAMETER_AVP_FLAG_V);
  imps_store_u32 (p, code);
  imps_store_u32 (p + 4, (guint32) (header + data_len));
  p[4] = flags;
  if (with_vendor)
    imps_store_u32 (p + 8, vendor);
  return header;
}

static void
put_avp_header (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                gboolean with_vendor, guint32 vendor, gsize data_len)
{
  guint8 h[12];
  gsize n = store_avp_header (h, code, flags, with_vendor, vendor, data_len);
  memcpy (builder_grow (b, n), h, n);
}

/* One AVP, padded, in one step (every AVP starts at a multiple of 4). */
static void
add_raw (ImpsDiameterBuilder *b, guint32 code, guint8 flags, gboolean with_vendor,
         guint32 vendor, const guint8 *data, gsize len)
{
  g_return_if_fail (b != NULL);
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (len <= 0xffffff - 12);

  guint8 h[12];
  gsize header = store_avp_header (h, code, flags, with_vendor, vendor, len);
  gsize pad = (4 - ((b->buf->len + header + len) & 3)) & 3;
  guint8 *p = builder_grow (b, header + len + pad);
  memcpy (p, h, header);
  if (len)
    memcpy (p + header, data, len);
  memset (p + header + len, 0, pad);
}

void
imps_diameter_builder_add_octets (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                  guint32 vendor, const guint8 *data, gsize len)
{
  add_raw (b, code, flags, vendor != 0, vendor, data, len);
}

void
imps_diameter_builder_add_u32 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                               guint32 vendor, guint32 value)
{
  guint8 v[4];

  imps_store_u32 (v, value);
  imps_diameter_builder_add_octets (b, code, flags, vendor, v, 4);
}

void
imps_diameter_builder_add_i32 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                               guint32 vendor, gint32 value)
{
  imps_diameter_builder_add_u32 (b, code, flags, vendor, (guint32) value);
}

void
imps_diameter_builder_add_u64 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                               guint32 vendor, guint64 value)
{
  guint8 v[8];

  imps_store_u32 (v, (guint32) (value >> 32));
  imps_store_u32 (v + 4, (guint32) value);
  imps_diameter_builder_add_octets (b, code, flags, vendor, v, 8);
}

void
imps_diameter_builder_add_i64 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                               guint32 vendor, gint64 value)
{
  imps_diameter_builder_add_u64 (b, code, flags, vendor, (guint64) value);
}

void
imps_diameter_builder_add_utf8 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                guint32 vendor, const gchar *text)
{
  g_return_if_fail (text != NULL);
  imps_diameter_builder_add_octets (b, code, flags, vendor, (const guint8 *) text,
                                    strlen (text));
}

void
imps_diameter_builder_add_address (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                   guint32 vendor, guint16 family,
                                   const guint8 *addr, gsize addr_len)
{
  guint8 v[18];

  g_return_if_fail ((family == IMPS_DIAMETER_ADDRESS_IPV4 && addr_len == 4)
                    || (family == IMPS_DIAMETER_ADDRESS_IPV6 && addr_len == 16));
  imps_store_u16 (v, family);
  memcpy (v + 2, addr, addr_len);
  imps_diameter_builder_add_octets (b, code, flags, vendor, v, 2 + addr_len);
}

gboolean
imps_diameter_builder_add_address_text (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                        guint32 vendor, const gchar *text)
{
  guint8 a[16];

  g_return_val_if_fail (text != NULL, FALSE);
  if (inet_pton (AF_INET, text, a) == 1)
    imps_diameter_builder_add_address (b, code, flags, vendor, IMPS_DIAMETER_ADDRESS_IPV4, a, 4);
  else if (inet_pton (AF_INET6, text, a) == 1)
    imps_diameter_builder_add_address (b, code, flags, vendor, IMPS_DIAMETER_ADDRESS_IPV6, a, 16);
  else
    return FALSE;
  return TRUE;
}

void
imps_diameter_builder_add_time (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                guint32 vendor, guint32 ntp_seconds)
{
  imps_diameter_builder_add_u32 (b, code, flags, vendor, ntp_seconds);
}

void
imps_diameter_builder_begin_group (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                   guint32 vendor)
{
  g_return_if_fail (b != NULL);
  g_return_if_fail (b->depth < IMPS_DIAMETER_MAX_DEPTH);

  b->open[b->depth++] = b->buf->len;
  put_avp_header (b, code, flags, vendor != 0, vendor, 0);
}

void
imps_diameter_builder_end_group (ImpsDiameterBuilder *b)
{
  g_return_if_fail (b != NULL);
  g_return_if_fail (b->depth > 0);

  gsize start = b->open[--b->depth];
  gsize len = b->buf->len - start;
  g_return_if_fail (len <= 0xffffff);
  /* Every AVP inside is padded, so the group needs no padding of its own. */
  imps_set_u24 (b->buf, start + 5, (guint32) len);
}

void
imps_diameter_builder_add_avp (ImpsDiameterBuilder *b, const ImpsDiameterAvp *avp)
{
  g_return_if_fail (avp != NULL);
  add_raw (b, avp->code, avp->flags, (avp->flags & IMPS_DIAMETER_AVP_FLAG_V) != 0,
           avp->vendor_id, avp->data, avp->len);
}

static void
wipe_byte_array (gpointer data)
{
  imps_byte_array_wipe_free (data);
}

GBytes *
imps_diameter_builder_finish (ImpsDiameterBuilder *b)
{
  g_return_val_if_fail (b != NULL, NULL);
  g_return_val_if_fail (b->depth == 0, NULL);
  g_return_val_if_fail (b->buf->len <= 0xffffff, NULL);

  GByteArray *buf = b->buf;
  imps_set_u24 (buf, 1, buf->len);
  b->buf = NULL;
  g_free (b);
  return g_bytes_new_with_free_func (buf->data, buf->len, wipe_byte_array, buf);
}

/* ---- answers to malformed requests (RFC 6733 §7) ---- */

guint8
imps_diameter_answer_flags (guint8 request_flags, guint32 result_code)
{
  guint8 flags = request_flags & IMPS_DIAMETER_FLAG_P;

  if (result_code >= 3000 && result_code < 4000)
    flags |= IMPS_DIAMETER_FLAG_E;
  return flags;
}

/* The shortest value of an AVP's type: what a zero-filled example carries. */
static gsize
min_value_len (guint32 vendor, guint32 code)
{
  const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (vendor, code);

  if (e == NULL)
    return 0;
  switch (e->type)
    {
    case IMPS_DIAMETER_TYPE_I32:
    case IMPS_DIAMETER_TYPE_U32:
    case IMPS_DIAMETER_TYPE_TIME:
    case IMPS_DIAMETER_TYPE_ENUM:
      return 4;
    case IMPS_DIAMETER_TYPE_I64:
    case IMPS_DIAMETER_TYPE_U64:
      return 8;
    case IMPS_DIAMETER_TYPE_ADDRESS:
      return 6;
    default:
      return 0;
    }
}

/* Copies longer than this, or groups that hold more AVPs than
 * FAILED_AVP_MAX_COUNT or do not parse, go back as a zero value of
 * minimum length instead, so the answer stays a valid message within the
 * limits of IMPS_DIAMETER_MAX_MESSAGE and IMPS_DIAMETER_MAX_AVPS. */
#define FAILED_AVP_MAX_COPY 4096
#define FAILED_AVP_MAX_COUNT 64

static gboolean
group_copyable (const guint8 *data, gsize len, guint depth, guint *count)
{
  ImpsDiameterAvpIter iter;
  ImpsDiameterAvp avp;
  GError *local = NULL;

  imps_diameter_avp_iter_init (&iter, data, len, 0);
  while (imps_diameter_avp_iter_next (&iter, &avp, &local))
    {
      if (++*count > FAILED_AVP_MAX_COUNT)
        return FALSE;
      const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (avp.vendor_id, avp.code);
      if (e != NULL && e->type == IMPS_DIAMETER_TYPE_GROUPED
          && (depth + 1 >= IMPS_DIAMETER_MAX_DEPTH - 1
              || !group_copyable (avp.data, avp.len, depth + 1, count)))
        return FALSE;
    }
  if (local != NULL)
    {
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

void
imps_diameter_builder_add_failed_avp (ImpsDiameterBuilder *b, const guint8 *raw,
                                      gsize raw_len, const GError *error)
{
  static const guint8 zeros[8] = { 0 };
  const guint8 keep = IMPS_DIAMETER_AVP_FLAG_M | IMPS_DIAMETER_AVP_FLAG_P;
  ImpsDiameterErrorAvp where;
  guint32 code, vendor = 0;
  guint8 flags;
  const guint8 *data = zeros;
  gsize len;

  g_return_if_fail (b != NULL);
  if (!imps_diameter_error_get_avp (error, &where))
    return;
  if (where.kind == IMPS_DIAMETER_ERROR_AVP_MISSING)
    {
      const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (where.vendor, where.code);
      code = where.code;
      vendor = where.vendor;
      flags = e != NULL ? e->flags & keep : IMPS_DIAMETER_AVP_FLAG_M;
      len = min_value_len (vendor, code);
    }
  else
    {
      if (raw == NULL || where.offset >= raw_len)
        return;
      /* An incomplete header is taken as padded with zeros (RFC 6733 §7.1.5). */
      guint8 header[12] = { 0 };
      gsize have = MIN (raw_len - where.offset, sizeof header);
      memcpy (header, raw + where.offset, have);
      code = imps_load_u32 (header);
      flags = header[4];
      gsize hlen = (flags & IMPS_DIAMETER_AVP_FLAG_V) ? 12 : 8;
      vendor = hlen == 12 ? imps_load_u32 (header + 8) : 0;
      guint32 avp_len = imps_load_u24 (header + 5);
      flags &= keep;
      if (error->code == IMPS_DIAMETER_ERROR_AVP_LENGTH || avp_len < hlen
          || avp_len > raw_len - where.offset)
        len = min_value_len (vendor, code);
      else
        {
          const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (vendor, code);
          guint count = 0;
          data = raw + where.offset + hlen;
          len = avp_len - hlen;
          if (len > FAILED_AVP_MAX_COPY
              || (e != NULL && e->type == IMPS_DIAMETER_TYPE_GROUPED
                  && !group_copyable (data, len, 1, &count)))
            {
              data = zeros;
              len = min_value_len (vendor, code);
            }
        }
    }
  imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_FAILED_AVP, IMPS_DIAMETER_AVP_FLAG_M, 0);
  imps_diameter_builder_add_octets (b, code, flags, vendor, data, len);
  imps_diameter_builder_end_group (b);
}

gboolean
imps_diameter_message_check_mandatory (const ImpsDiameterMessage *msg, GError **error)
{
  g_return_val_if_fail (msg != NULL, FALSE);

  for (guint i = 0; i < msg->avps->len; i++)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      if (!(a->flags & IMPS_DIAMETER_AVP_FLAG_M)
          || imps_diameter_dict_lookup (a->vendor_id, a->code) != NULL)
        continue;
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_AVP_UNSUPPORTED,
                   "AVP %u (vendor %u) at offset %u has the M bit and is not supported here",
                   a->code, a->vendor_id, a->offset);
      imps_diameter_error_set_avp (error, a->offset);
      return FALSE;
    }
  return TRUE;
}
