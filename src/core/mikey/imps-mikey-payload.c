/* MIKEY / MIKEY-TICKET payloads: code tables, parse, build, chains.
 * Layouts: mikey-ticket.md §4; tables: §3. */
#include "imps-mikey-payload.h"

#include "imps-bytes.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-mikey-error-quark, imps_mikey_error)

/* ------------------------------------------------------------------ */
/* Code tables (§3)                                                    */

#define TABLE_LOOKUP(table, v) \
  ((v) < G_N_ELEMENTS (table) ? (table)[(v)] : NULL)

const gchar *
imps_mikey_data_type_name (guint v)
{
  static const gchar *const names[] = {
    "Pre-shared", "PSK ver msg", "Public key", "PK ver msg", "D-H init",
    "D-H resp", "Error", "DHHMAC init", "DHHMAC resp", "RSA-R I_MSG",
    "RSA-R R_MSG", "REQUEST_INIT_PSK", "REQUEST_INIT_PK", "REQUEST_RESP",
    "TRANSFER_INIT", "TRANSFER_RESP", "RESOLVE_INIT_PSK", "RESOLVE_INIT_PK",
    "RESOLVE_RESP",
  };
  if (v == IMPS_MIKEY_DATA_SAKKE)
    return "SAKKE";
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_payload_type_name (guint v)
{
  switch (v)
    {
    case IMPS_MIKEY_PAYLOAD_LAST: return "Last payload";
    case IMPS_MIKEY_PAYLOAD_KEMAC: return "KEMAC";
    case IMPS_MIKEY_PAYLOAD_PKE: return "PKE";
    case IMPS_MIKEY_PAYLOAD_DH: return "DH";
    case IMPS_MIKEY_PAYLOAD_SIGN: return "SIGN";
    case IMPS_MIKEY_PAYLOAD_T: return "T";
    case IMPS_MIKEY_PAYLOAD_ID: return "ID";
    case IMPS_MIKEY_PAYLOAD_CERT: return "CERT";
    case IMPS_MIKEY_PAYLOAD_CHASH: return "CHASH";
    case IMPS_MIKEY_PAYLOAD_V: return "V";
    case IMPS_MIKEY_PAYLOAD_SP: return "SP";
    case IMPS_MIKEY_PAYLOAD_RAND: return "RAND";
    case IMPS_MIKEY_PAYLOAD_ERR: return "ERR";
    case IMPS_MIKEY_PAYLOAD_TR: return "TR";
    case IMPS_MIKEY_PAYLOAD_IDR: return "IDR";
    case IMPS_MIKEY_PAYLOAD_RANDR: return "RANDR";
    case IMPS_MIKEY_PAYLOAD_TP: return "TP";
    case IMPS_MIKEY_PAYLOAD_TICKET: return "TICKET";
    case IMPS_MIKEY_PAYLOAD_KEY_DATA: return "Key data";
    case IMPS_MIKEY_PAYLOAD_GENERAL_EXT: return "General Extension";
    case IMPS_MIKEY_PAYLOAD_SAKKE: return "SAKKE";
    case IMPS_MIKEY_PAYLOAD_THDR: return "THDR";
    default: return NULL;
    }
}

const gchar *
imps_mikey_prf_name (guint v)
{
  static const gchar *const names[] = { "MIKEY-1", "PRF-HMAC-SHA-256" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_cs_map_type_name (guint v)
{
  static const gchar *const names[] = { "SRTP-ID", "Empty map", "GENERIC-ID" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_prot_type_name (guint v)
{
  return v == IMPS_MIKEY_PROT_SRTP ? "SRTP" : NULL;
}

const gchar *
imps_mikey_encr_alg_name (guint v)
{
  static const gchar *const names[] = { "NULL", "AES-CM-128", "AES-KW-128", "AES-CM-256" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_mac_alg_name (guint v)
{
  static const gchar *const names[] = { "NULL", "HMAC-SHA-1-160", "HMAC-SHA-256-256" };
  return TABLE_LOOKUP (names, v);
}

gint
imps_mikey_mac_alg_len (guint alg)
{
  switch (alg)
    {
    case IMPS_MIKEY_MAC_NULL: return 0;
    case IMPS_MIKEY_MAC_HMAC_SHA1_160: return 20;
    case IMPS_MIKEY_MAC_HMAC_SHA256_256: return 32;
    default: return -1;
    }
}

const gchar *
imps_mikey_key_type_name (guint v)
{
  static const gchar *const names[] = {
    "TGK", "TGK+SALT", "TEK", "TEK+SALT", "GTGK", "GTGK+SALT", "MPK",
  };
  return TABLE_LOOKUP (names, v);
}

gboolean
imps_mikey_key_type_has_salt (guint type)
{
  return type == IMPS_MIKEY_KEY_TGK_SALT || type == IMPS_MIKEY_KEY_TEK_SALT
         || type == IMPS_MIKEY_KEY_GTGK_SALT;
}

const gchar *
imps_mikey_kv_type_name (guint v)
{
  static const gchar *const names[] = { "Null", "SPI/MKI", "Interval" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_ts_type_name (guint v)
{
  static const gchar *const names[] = { "NTP-UTC", "NTP", "COUNTER", "NTP-UTC-32" };
  return TABLE_LOOKUP (names, v);
}

gint
imps_mikey_ts_type_len (guint ts_type)
{
  switch (ts_type)
    {
    case IMPS_MIKEY_TS_NTP_UTC:
    case IMPS_MIKEY_TS_NTP:
      return 8;
    case IMPS_MIKEY_TS_COUNTER:
    case IMPS_MIKEY_TS_NTP_UTC_32:
      return 4;
    default:
      return -1;
    }
}

const gchar *
imps_mikey_id_type_name (guint v)
{
  static const gchar *const names[] = { "NAI", "URI", "Byte string" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_cert_type_name (guint v)
{
  static const gchar *const names[] = {
    "X.509v3", "X.509v3 URL", "X.509v3 Sign", "X.509v3 Encr",
  };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_hash_func_name (guint v)
{
  static const gchar *const names[] = { "SHA-1", "MD5", "SHA-256" };
  return TABLE_LOOKUP (names, v);
}

gint
imps_mikey_hash_func_len (guint func)
{
  switch (func)
    {
    case IMPS_MIKEY_HASH_SHA1: return 20;
    case IMPS_MIKEY_HASH_MD5: return 16;
    case IMPS_MIKEY_HASH_SHA256: return 32;
    default: return -1;
    }
}

const gchar *
imps_mikey_err_no_name (guint v)
{
  static const gchar *const names[] = {
    "Auth failure", "Invalid TS", "Invalid PRF", "Invalid MAC", "Invalid EA",
    "Invalid HA", "Invalid DH", "Invalid ID", "Invalid Cert", "Invalid SP",
    "Invalid SPpar", "Invalid DT", "Unspecified error",
    "Unsupported message type", "Invalid TICKET", "Invalid TPpar",
  };
  return TABLE_LOOKUP (names, v);
}

guint8
imps_mikey_error_to_err_no (gint code)
{
  switch (code)
    {
    case IMPS_MIKEY_ERROR_MALFORMED: return IMPS_MIKEY_ERR_UNSUPPORTED_MESSAGE;
    case IMPS_MIKEY_ERROR_AUTH_FAILED: return IMPS_MIKEY_ERR_AUTH_FAILURE;
    case IMPS_MIKEY_ERROR_INVALID_TS: return IMPS_MIKEY_ERR_INVALID_TS;
    case IMPS_MIKEY_ERROR_INVALID_PRF: return IMPS_MIKEY_ERR_INVALID_PRF;
    case IMPS_MIKEY_ERROR_INVALID_MAC: return IMPS_MIKEY_ERR_INVALID_MAC;
    case IMPS_MIKEY_ERROR_INVALID_EA: return IMPS_MIKEY_ERR_INVALID_EA;
    case IMPS_MIKEY_ERROR_INVALID_ID: return IMPS_MIKEY_ERR_INVALID_ID;
    case IMPS_MIKEY_ERROR_INVALID_SP: return IMPS_MIKEY_ERR_INVALID_SP;
    case IMPS_MIKEY_ERROR_INVALID_SPPAR: return IMPS_MIKEY_ERR_INVALID_SPPAR;
    case IMPS_MIKEY_ERROR_INVALID_DT: return IMPS_MIKEY_ERR_INVALID_DT;
    case IMPS_MIKEY_ERROR_INVALID_TICKET: return IMPS_MIKEY_ERR_INVALID_TICKET;
    case IMPS_MIKEY_ERROR_INVALID_TPPAR: return IMPS_MIKEY_ERR_INVALID_TPPAR;
    case IMPS_MIKEY_ERROR_REPLAY: return IMPS_MIKEY_ERR_INVALID_TS;
    default: return IMPS_MIKEY_ERR_UNSPECIFIED;
    }
}

const gchar *
imps_mikey_ts_role_name (guint v)
{
  static const gchar *const names[] = { NULL, "TRi", "TRs", "TRe", "TRr" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_id_role_name (guint v)
{
  static const gchar *const names[] = { NULL, "IDRi", "IDRr", "IDRkms", "IDRpsk", "IDRapp" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_rand_role_name (guint v)
{
  static const gchar *const names[] = { NULL, "RANDRi", "RANDRr", "RANDRkms" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_ticket_type_name (guint v)
{
  switch (v)
    {
    case IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE: return "MIKEY base ticket";
    case IMPS_MIKEY_TICKET_TYPE_3GPP_BASE: return "3GPP base ticket";
    default:
      if (v >= 61440 && v <= 65534)
        return "Private use";
      return NULL;
    }
}

const gchar *
imps_mikey_sp_srtp_param_name (guint v)
{
  static const gchar *const names[] = {
    "Encryption algorithm", "Session Encr. key length", "Authentication algorithm",
    "Session Auth. key length", "Session Salt key length", "SRTP Pseudo Random Function",
    "Key derivation rate", "SRTP encryption", "SRTCP encryption", "Sender's FEC order",
    "SRTP authentication", "Authentication tag length", "SRTP prefix length",
    "ROC transmission rate", "SRTP authentication algorithm",
    "SRTCP authentication algorithm", "SRTP session auth. key length",
    "SRTCP session auth. key length", "SRTP authentication tag length",
    "SRTCP authentication tag length", "AEAD authentication tag length",
  };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_srtp_encr_alg_name (guint v)
{
  switch (v)
    {
    case 0: return "NULL";
    case 1: return "AES-CM";
    case 2: return "AES-F8";
    case 3: case 4: case 5: return "SEED";
    case 6: return "AES-GCM";
    default: return NULL;
    }
}

const gchar *
imps_mikey_srtp_auth_alg_name (guint v)
{
  static const gchar *const names[] = { "NULL", "HMAC-SHA-1", "RCCm1", "RCCm2", "RCCm3" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_ext_type_name (guint v)
{
  static const gchar *const names[] = {
    "Vendor ID", "SDP IDs", "TESLA I-Key", "Key ID", "CSB_ID", "OMA BCAST",
  };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_pke_cache_name (guint v)
{
  static const gchar *const names[] = { "No cache", "Cache", "Cache for CSB" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_sign_type_name (guint v)
{
  static const gchar *const names[] = { "RSA/PKCS#1/1.5", "RSA/PSS", "ECCSI" };
  return TABLE_LOOKUP (names, v);
}

const gchar *
imps_mikey_dh_group_name (guint v)
{
  static const gchar *const names[] = { "OAKLEY 5", "OAKLEY 1", "OAKLEY 2" };
  return TABLE_LOOKUP (names, v);
}

gint
imps_mikey_dh_group_len (guint group)
{
  switch (group)
    {
    case IMPS_MIKEY_DH_OAKLEY5: return 192;  /* 1536 bits */
    case IMPS_MIKEY_DH_OAKLEY1: return 96;   /* 768 bits */
    case IMPS_MIKEY_DH_OAKLEY2: return 128;  /* 1024 bits */
    default: return -1;
    }
}

guint64
imps_mikey_timestamp_to_64 (const ImpsMikeyTimestamp *ts)
{
  /* COUNTER zero-extended on the left, NTP-UTC-32 with a zero
   * fraction appended. */
  switch (ts->ts_type)
    {
    case IMPS_MIKEY_TS_COUNTER:
      return ts->value & 0xffffffffu;
    case IMPS_MIKEY_TS_NTP_UTC_32:
      return (ts->value & 0xffffffffu) << 32;
    default:
      return ts->value;
    }
}

/* ------------------------------------------------------------------ */
/* Arena: all memory a chain's views point into. Wiped when freed.     */

typedef struct _ArenaChunk ArenaChunk;
struct _ArenaChunk {
  ArenaChunk *next;
  gsize size;
  gsize used;
  guint8 data[];
};

struct _ImpsMikeyArena {
  ArenaChunk *head;
};

#define ARENA_MIN_CHUNK 2048

ImpsMikeyArena *
_imps_mikey_arena_new (gsize first_size)
{
  return _imps_mikey_arena_new_exact (MAX (first_size, (gsize) ARENA_MIN_CHUNK));
}

gpointer
_imps_mikey_arena_alloc (ImpsMikeyArena *a, gsize len)
{
  gsize aligned = (len + 7) & ~(gsize) 7;
  ArenaChunk *c = a->head;

  if (c->size - c->used < aligned)
    {
      gsize size = MAX (aligned, (gsize) ARENA_MIN_CHUNK);
      ArenaChunk *n = g_malloc (sizeof (ArenaChunk) + size);
      n->size = size;
      n->used = 0;
      /* Keep the chunk with more free space at the head. */
      if (size - aligned > c->size - c->used)
        {
          n->next = c;
          a->head = n;
          c = n;
        }
      else
        {
          n->next = c->next;
          c->next = n;
          n->used = aligned;
          memset (n->data, 0, aligned);
          return n->data;
        }
    }
  gpointer p = c->data + c->used;
  c->used += aligned;
  memset (p, 0, aligned);
  return p;
}

ImpsMikeyArena *
_imps_mikey_arena_new_exact (gsize size)
{
  ImpsMikeyArena *a = g_new0 (ImpsMikeyArena, 1);
  /* allocations are rounded up to 8 */
  size = MAX ((size + 7) & ~(gsize) 7, (gsize) 8);
  a->head = g_malloc (sizeof (ArenaChunk) + size);
  a->head->next = NULL;
  a->head->size = size;
  a->head->used = 0;
  return a;
}

gsize
_imps_mikey_arena_used (const ImpsMikeyArena *a)
{
  gsize n = 0;
  for (const ArenaChunk *c = a->head; c; c = c->next)
    n += c->used;
  return n;
}

gpointer
_imps_mikey_arena_dup (ImpsMikeyArena *a, const void *data, gsize len)
{
  if (len == 0)
    return NULL;
  gpointer p = _imps_mikey_arena_alloc (a, len);
  memcpy (p, data, len);
  return p;
}

void
_imps_mikey_arena_free (ImpsMikeyArena *a)
{
  if (a == NULL)
    return;
  ArenaChunk *c = a->head;
  while (c)
    {
      ArenaChunk *next = c->next;
      imps_wipe (c->data, c->used);
      g_free (c);
      c = next;
    }
  g_free (a);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static const gchar *
payload_label (guint type)
{
  const gchar *n = imps_mikey_payload_type_name (type);
  return n ? n : "unknown";
}

void
_imps_mikey_fail (GError **error, gsize offset, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
               "MIKEY %s at byte offset %" G_GSIZE_FORMAT, msg, offset);
}

/* ------------------------------------------------------------------ */
/* Parse                                                               */

typedef struct {
  ImpsReader r;
  gsize base;               /* offset of r.data[0] in the outermost buffer */
  ImpsMikeyArena *arena;
} Cursor;

static inline gsize
cur_off (const Cursor *c)
{
  return c->base + c->r.pos;
}

#define NEED(call, what) \
  G_STMT_START { \
    gsize _at = cur_off (c); \
    if (!(call)) \
      { \
        _imps_mikey_fail (error, _at, "%s payload: truncated %s", name, what); \
        return FALSE; \
      } \
  } G_STMT_END

static gboolean
read_view (Cursor *c, ImpsMikeyBytes *out, gsize len, const gchar *name,
           const gchar *what, gsize len_field_at, GError **error)
{
  if (imps_reader_remaining (&c->r) < len)
    {
      _imps_mikey_fail (error, len_field_at,
                        "%s payload: %s length %" G_GSIZE_FORMAT
                        " runs past the end (%" G_GSIZE_FORMAT " bytes left)",
                        name, what, len, imps_reader_remaining (&c->r));
      return FALSE;
    }
  out->len = len;
  out->data = len ? imps_reader_peek (&c->r) : NULL;
  c->r.pos += len;
  return TRUE;
}

static gboolean parse_chain (Cursor *c, guint first_type, guint depth,
                             ImpsMikeyPayload **items, guint *n_items,
                             const gchar *what, GError **error);

static gboolean
parse_kv (Cursor *c, guint8 kv, ImpsMikeyBytes *spi, ImpsMikeyBytes *from,
          ImpsMikeyBytes *to, const gchar *name, GError **error)
{
  guint8 l;
  gsize at;

  switch (kv)
    {
    case IMPS_MIKEY_KV_NULL:
      return TRUE;
    case IMPS_MIKEY_KV_SPI:
      at = cur_off (c);
      NEED (imps_reader_u8 (&c->r, &l), "SPI length");
      return read_view (c, spi, l, name, "SPI", at, error);
    case IMPS_MIKEY_KV_INTERVAL:
      at = cur_off (c);
      NEED (imps_reader_u8 (&c->r, &l), "Valid from length");
      if (!read_view (c, from, l, name, "Valid from", at, error))
        return FALSE;
      at = cur_off (c);
      NEED (imps_reader_u8 (&c->r, &l), "Valid to length");
      return read_view (c, to, l, name, "Valid to", at, error);
    default:
      _imps_mikey_fail (error, cur_off (c) - 1, "%s payload: unknown KV type %u", name, kv);
      return FALSE;
    }
}

static gboolean
parse_key_data_one (Cursor *c, ImpsMikeyKeyData *k, guint8 *next, GError **error)
{
  const gchar *name = "Key data";
  guint8 b;
  guint16 l16;
  gsize start = cur_off (c), at;

  memset (k, 0, sizeof *k);
  k->offset = start;
  NEED (imps_reader_u8 (&c->r, next), "Next Payload");
  NEED (imps_reader_u8 (&c->r, &b), "Type/KV");
  k->type = b >> 4;
  k->kv = b & 0x0f;
  if (imps_mikey_key_type_name (k->type) == NULL)
    {
      _imps_mikey_fail (error, start + 1, "Key data payload: unknown key data type %u", k->type);
      return FALSE;
    }
  at = cur_off (c);
  NEED (imps_reader_u16 (&c->r, &l16), "Key data length");
  if (!read_view (c, &k->key, l16, name, "Key data", at, error))
    return FALSE;
  if (imps_mikey_key_type_has_salt (k->type))
    {
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "Salt length");
      if (!read_view (c, &k->salt, l16, name, "Salt", at, error))
        return FALSE;
    }
  if (!parse_kv (c, k->kv, &k->spi, &k->valid_from, &k->valid_to, name, error))
    return FALSE;
  k->length = cur_off (c) - start;
  return TRUE;
}

gboolean
imps_mikey_key_data_parse (const guint8 *plain, gsize len, ImpsMikeyKeyData *out,
                           guint max, guint *n_out, GError **error)
{
  Cursor cur = { .base = 0 }, *c = &cur;
  guint n = 0;
  guint8 next = IMPS_MIKEY_PAYLOAD_KEY_DATA;

  g_return_val_if_fail (plain != NULL || len == 0, FALSE);
  g_return_val_if_fail (n_out != NULL, FALSE);
  imps_reader_init (&c->r, plain, len);
  *n_out = 0;
  if (len == 0)
    return TRUE;   /* Encr data len may be 0 (§4.13) */
  while (next == IMPS_MIKEY_PAYLOAD_KEY_DATA)
    {
      if (n >= max || n >= IMPS_MIKEY_MAX_KEY_DATA)
        {
          _imps_mikey_fail (error, cur_off (c), "Key data payload %u: more than %u key data sub-payloads",
                            n + 1, MIN (max, (guint) IMPS_MIKEY_MAX_KEY_DATA));
          return FALSE;
        }
      if (!parse_key_data_one (c, &out[n], &next, error))
        {
          g_prefix_error (error, "sub-payload %u: ", n + 1);
          return FALSE;
        }
      n++;
    }
  if (next != IMPS_MIKEY_PAYLOAD_LAST)
    {
      _imps_mikey_fail (error, out[n - 1].offset,
                        "Key data payload %u: Next Payload %u is not another key data (20) or last (0)",
                        n, next);
      return FALSE;
    }
  if (imps_reader_remaining (&c->r) != 0)
    {
      _imps_mikey_fail (error, cur_off (c), "Key data: %" G_GSIZE_FORMAT " bytes after the last sub-payload",
                        imps_reader_remaining (&c->r));
      return FALSE;
    }
  *n_out = n;
  return TRUE;
}

static gboolean
parse_sp_params (Cursor *c, ImpsMikeySp *sp, gsize plen, GError **error)
{
  const gchar *name = "SP";
  ImpsReader sub;
  gsize base = cur_off (c);
  guint n = 0;

  if (!imps_reader_sub (&c->r, &sub, plen))
    {
      _imps_mikey_fail (error, base - 2, "SP payload: Policy param length %" G_GSIZE_FORMAT
                        " runs past the end (%" G_GSIZE_FORMAT " bytes left)", plen,
                        imps_reader_remaining (&c->r));
      return FALSE;
    }
  /* Count, then fill. */
  for (int pass = 0; pass < 2; pass++)
    {
      ImpsReader r = sub;
      guint i = 0;
      while (imps_reader_remaining (&r) > 0)
        {
          guint8 t, l;
          const guint8 *v;
          gsize at = base + r.pos;
          if (!imps_reader_u8 (&r, &t) || !imps_reader_u8 (&r, &l))
            {
              _imps_mikey_fail (error, at, "%s payload: truncated policy parameter %u header", name, i + 1);
              return FALSE;
            }
          if (!imps_reader_bytes (&r, &v, l))
            {
              _imps_mikey_fail (error, at + 1, "%s payload: policy parameter %u (type %u) length %u"
                                " runs past the policy parameters", name, i + 1, t, l);
              return FALSE;
            }
          if (pass == 1)
            {
              sp->params[i].type = t;
              sp->params[i].value.data = l ? v : NULL;
              sp->params[i].value.len = l;
            }
          i++;
        }
      if (pass == 0)
        {
          n = i;
          sp->n_params = n;
          sp->params = n ? _imps_mikey_arena_alloc (c->arena, n * sizeof (ImpsMikeySpParam)) : NULL;
        }
    }
  return TRUE;
}

static gboolean
parse_cs_typed_chain (Cursor *c, ImpsMikeyBytes field, gsize field_off, guint depth,
                      ImpsMikeyPayload **items, guint *n_items, const gchar *what,
                      GError **error)
{
  Cursor sub = { .base = field_off, .arena = c->arena };
  guint8 first;

  *items = NULL;
  *n_items = 0;
  if (field.len == 0)
    return TRUE;
  imps_reader_init (&sub.r, field.data, field.len);
  (void) imps_reader_u8 (&sub.r, &first);
  if (!parse_chain (&sub, first, depth + 1, items, n_items, what, error))
    return FALSE;
  if (imps_reader_remaining (&sub.r) != 0)
    {
      _imps_mikey_fail (error, cur_off (&sub), "%s: %" G_GSIZE_FORMAT " bytes after the last payload",
                        what, imps_reader_remaining (&sub.r));
      return FALSE;
    }
  return TRUE;
}

/* Parses one payload of @type at the cursor; *next receives its Next
 * Payload (LAST for SIGN). */
static gboolean
parse_payload (Cursor *c, guint type, guint depth, ImpsMikeyPayload *p,
               guint *next, GError **error)
{
  const gchar *name = payload_label (type);
  gsize start = cur_off (c), at;
  guint8 nx = 0, b;
  guint16 l16;
  gint l;

  memset (p, 0, sizeof *p);
  p->type = type;
  p->offset = start;

  if (type != IMPS_MIKEY_PAYLOAD_SIGN)
    NEED (imps_reader_u8 (&c->r, &nx), "Next Payload");

  switch (type)
    {
    case IMPS_MIKEY_PAYLOAD_T:
    case IMPS_MIKEY_PAYLOAD_TR:
      if (type == IMPS_MIKEY_PAYLOAD_TR)
        NEED (imps_reader_u8 (&c->r, &p->u.ts.role), "TS role");
      NEED (imps_reader_u8 (&c->r, &p->u.ts.ts_type), "TS type");
      l = imps_mikey_ts_type_len (p->u.ts.ts_type);
      if (l < 0)
        {
          _imps_mikey_fail (error, cur_off (c) - 1, "%s payload: unknown TS type %u", name, p->u.ts.ts_type);
          return FALSE;
        }
      if (l == 8)
        NEED (imps_reader_u64 (&c->r, &p->u.ts.value), "TS value");
      else
        {
          guint32 v32;
          NEED (imps_reader_u32 (&c->r, &v32), "TS value");
          p->u.ts.value = v32;
        }
      break;

    case IMPS_MIKEY_PAYLOAD_ID:
    case IMPS_MIKEY_PAYLOAD_CERT:
    case IMPS_MIKEY_PAYLOAD_IDR:
      if (type == IMPS_MIKEY_PAYLOAD_IDR)
        NEED (imps_reader_u8 (&c->r, &p->u.id.role), "ID role");
      NEED (imps_reader_u8 (&c->r, &p->u.id.id_type), type == IMPS_MIKEY_PAYLOAD_CERT ? "Cert type" : "ID type");
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "ID length");
      if (!read_view (c, &p->u.id.data, l16, name, type == IMPS_MIKEY_PAYLOAD_CERT ? "Cert" : "ID",
                      at, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_RAND:
    case IMPS_MIKEY_PAYLOAD_RANDR:
      if (type == IMPS_MIKEY_PAYLOAD_RANDR)
        NEED (imps_reader_u8 (&c->r, &p->u.rand.role), "RAND role");
      at = cur_off (c);
      NEED (imps_reader_u8 (&c->r, &b), "RAND length");
      if (!read_view (c, &p->u.rand.data, b, name, "RAND", at, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_V:
      NEED (imps_reader_u8 (&c->r, &p->u.v.auth_alg), "Auth alg");
      l = imps_mikey_mac_alg_len (p->u.v.auth_alg);
      if (l < 0)
        {
          _imps_mikey_fail (error, cur_off (c) - 1, "V payload: unknown Auth alg %u", p->u.v.auth_alg);
          return FALSE;
        }
      p->u.v.mac_offset = cur_off (c);
      if (!read_view (c, &p->u.v.mac, (gsize) l, name, "MAC", p->u.v.mac_offset, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_ERR:
      NEED (imps_reader_u8 (&c->r, &p->u.err.error_no), "Error no");
      NEED (imps_reader_u16 (&c->r, &p->u.err.reserved), "Reserved");
      break;

    case IMPS_MIKEY_PAYLOAD_SP:
      NEED (imps_reader_u8 (&c->r, &p->u.sp.policy_no), "Policy no");
      NEED (imps_reader_u8 (&c->r, &p->u.sp.prot_type), "Prot type");
      NEED (imps_reader_u16 (&c->r, &l16), "Policy param length");
      if (!parse_sp_params (c, &p->u.sp, l16, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_KEMAC:
      NEED (imps_reader_u8 (&c->r, &p->u.kemac.encr_alg), "Encr alg");
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "Encr data length");
      p->u.kemac.encr_data_offset = cur_off (c);
      if (!read_view (c, &p->u.kemac.encr_data, l16, name, "Encr data", at, error))
        return FALSE;
      NEED (imps_reader_u8 (&c->r, &p->u.kemac.mac_alg), "MAC alg");
      l = imps_mikey_mac_alg_len (p->u.kemac.mac_alg);
      if (l < 0)
        {
          _imps_mikey_fail (error, cur_off (c) - 1, "KEMAC payload: unknown MAC alg %u", p->u.kemac.mac_alg);
          return FALSE;
        }
      p->u.kemac.mac_offset = cur_off (c);
      if (!read_view (c, &p->u.kemac.mac, (gsize) l, name, "MAC", p->u.kemac.mac_offset, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_GENERAL_EXT:
      NEED (imps_reader_u8 (&c->r, &p->u.ext.ext_type), "Extension type");
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "Extension length");
      if (!read_view (c, &p->u.ext.data, l16, name, "Extension data", at, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_PKE:
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "C / Data length");
      p->u.pke.cache = l16 >> 14;
      if (!read_view (c, &p->u.pke.data, l16 & 0x3fff, name, "Data", at, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_SIGN:
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "S type / Signature length");
      p->u.sign.sign_type = l16 >> 12;
      if (!read_view (c, &p->u.sign.signature, l16 & 0x0fff, name, "Signature", at, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_CHASH:
      NEED (imps_reader_u8 (&c->r, &p->u.chash.hash_func), "Hash func");
      l = imps_mikey_hash_func_len (p->u.chash.hash_func);
      if (l < 0)
        {
          _imps_mikey_fail (error, cur_off (c) - 1, "CHASH payload: unknown Hash func %u", p->u.chash.hash_func);
          return FALSE;
        }
      if (!read_view (c, &p->u.chash.hash, (gsize) l, name, "hash", cur_off (c), error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_DH:
      NEED (imps_reader_u8 (&c->r, &p->u.dh.group), "DH-Group");
      l = imps_mikey_dh_group_len (p->u.dh.group);
      if (l < 0)
        {
          _imps_mikey_fail (error, cur_off (c) - 1, "DH payload: unknown DH-Group %u", p->u.dh.group);
          return FALSE;
        }
      if (!read_view (c, &p->u.dh.value, (gsize) l, name, "DH-value", cur_off (c), error))
        return FALSE;
      NEED (imps_reader_u8 (&c->r, &b), "Reserv/KV");
      p->u.dh.reserved = b >> 4;
      p->u.dh.kv = b & 0x0f;
      if (!parse_kv (c, p->u.dh.kv, &p->u.dh.spi, &p->u.dh.valid_from, &p->u.dh.valid_to, name, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_SAKKE:
      NEED (imps_reader_u8 (&c->r, &p->u.sakke.params), "SAKKE params");
      NEED (imps_reader_u8 (&c->r, &p->u.sakke.id_scheme), "ID scheme");
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "SAKKE data length");
      if (!read_view (c, &p->u.sakke.data, l16, name, "SAKKE data", at, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_THDR:
      at = cur_off (c);
      NEED (imps_reader_u16 (&c->r, &l16), "THDR Data length");
      if (!read_view (c, &p->u.thdr.data, l16, name, "THDR Data", at, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_TP:
    case IMPS_MIKEY_PAYLOAD_TICKET:
      {
        ImpsMikeyTicket *t = &p->u.ticket;
        guint8 f5, f6, f7;
        if (depth >= 2)
          {
            _imps_mikey_fail (error, start, "%s payload nested too deeply", name);
            return FALSE;
          }
        NEED (imps_reader_u16 (&c->r, &t->ticket_type), "Ticket Type");
        NEED (imps_reader_u8 (&c->r, &t->subtype), "Subtype");
        NEED (imps_reader_u8 (&c->r, &t->version), "Version");
        NEED (imps_reader_u8 (&c->r, &f5), "PRF Func / D flag");
        NEED (imps_reader_u8 (&c->r, &f6), "flags E-L");
        NEED (imps_reader_u8 (&c->r, &f7), "flags M-O");
        t->prf = f5 >> 1;
        t->flags = (((guint32) (f5 & 1) << 16) | ((guint32) f6 << 8) | f7) & IMPS_MIKEY_TICKET_FLAGS_ALL;
        t->reserved = f7 & 0x1f;
        at = cur_off (c);
        NEED (imps_reader_u16 (&c->r, &l16), "TP Data length");
        t->tp_data_offset = cur_off (c);
        if (!read_view (c, &t->tp_data, l16, name, "TP Data", at, error))
          return FALSE;
        if (!parse_cs_typed_chain (c, t->tp_data, t->tp_data_offset, depth, &t->tp_items,
                                   &t->n_tp_items, type == IMPS_MIKEY_PAYLOAD_TP ? "TP Data" : "TICKET TP Data",
                                   error))
          return FALSE;
        if (type == IMPS_MIKEY_PAYLOAD_TP)
          break;
        at = cur_off (c);
        NEED (imps_reader_u16 (&c->r, &l16), "Ticket Data length");
        t->ticket_data_offset = cur_off (c);
        if (!read_view (c, &t->ticket_data, l16, name, "Ticket Data", at, error))
          return FALSE;
        /* the Initiator Data length field is always present. */
        t->init_len_offset = cur_off (c);
        NEED (imps_reader_u16 (&c->r, &l16), "Initiator Data length");
        t->init_data_offset = cur_off (c);
        if (!read_view (c, &t->initiator_data, l16, name, "Initiator Data", t->init_len_offset, error))
          return FALSE;
        if (!parse_cs_typed_chain (c, t->initiator_data, t->init_data_offset, depth,
                                   &t->init_items, &t->n_init_items, "TICKET Initiator Data", error))
          return FALSE;
      }
      break;

    case IMPS_MIKEY_PAYLOAD_KEY_DATA:
      _imps_mikey_fail (error, start, "Key data sub-payload (20) outside a KEMAC");
      return FALSE;

    default:
      _imps_mikey_fail (error, start, "payload of unknown type %u: its length cannot be known", type);
      return FALSE;
    }

  p->length = cur_off (c) - start;
  p->raw.data = c->r.data + (start - c->base);
  p->raw.len = p->length;
  *next = (type == IMPS_MIKEY_PAYLOAD_SIGN) ? IMPS_MIKEY_PAYLOAD_LAST : nx;
  return TRUE;
}

#undef NEED

/* Parses a chain from the cursor: @first_type is the type of the first
 * payload. Stops after the payload whose Next Payload is 0 (or SIGN). The
 * array is allocated in the arena. */
static gboolean
parse_chain (Cursor *c, guint first_type, guint depth, ImpsMikeyPayload **items,
             guint *n_items, const gchar *what, GError **error)
{
  ImpsMikeyPayload tmp[IMPS_MIKEY_MAX_PAYLOADS];
  guint n = 0;
  guint type = first_type;

  while (type != IMPS_MIKEY_PAYLOAD_LAST)
    {
      guint next;
      if (n >= IMPS_MIKEY_MAX_PAYLOADS)
        {
          _imps_mikey_fail (error, cur_off (c), "%s: more than %u payloads (next is %s)",
                            what, IMPS_MIKEY_MAX_PAYLOADS, payload_label (type));
          return FALSE;
        }
      if (!parse_payload (c, type, depth, &tmp[n], &next, error))
        return FALSE;
      n++;
      if (type == IMPS_MIKEY_PAYLOAD_SIGN)
        break;
      type = next;
    }
  *n_items = n;
  *items = n ? _imps_mikey_arena_dup (c->arena, tmp, n * sizeof tmp[0]) : NULL;
  return TRUE;
}

gboolean
_imps_mikey_parse_chain (ImpsMikeyArena *arena, const guint8 *data, gsize len, gsize base,
                         guint first_type, ImpsMikeyPayload **items, guint *n_items,
                         gsize *consumed, GError **error)
{
  Cursor c = { .base = base, .arena = arena };
  imps_reader_init (&c.r, data, len);
  if (!parse_chain (&c, first_type, 0, items, n_items, "message", error))
    return FALSE;
  *consumed = c.r.pos;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Write                                                               */

static gboolean
fail_fit (GError **error, const gchar *name, const gchar *what, gsize value, gsize max)
{
  g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
               "MIKEY %s payload: %s %" G_GSIZE_FORMAT " does not fit (at most %" G_GSIZE_FORMAT ")",
               name, what, value, max);
  return FALSE;
}

#define FIT(v, max, what) \
  G_STMT_START { if ((gsize) (v) > (gsize) (max)) return fail_fit (error, name, what, (v), (max)); } G_STMT_END

static gboolean
write_kv (guint8 kv, const ImpsMikeyBytes *spi, const ImpsMikeyBytes *from,
          const ImpsMikeyBytes *to, GByteArray *out, const gchar *name, GError **error)
{
  switch (kv)
    {
    case IMPS_MIKEY_KV_NULL:
      return TRUE;
    case IMPS_MIKEY_KV_SPI:
      FIT (spi->len, 255, "SPI length");
      imps_put_u8 (out, (guint8) spi->len);
      imps_put_bytes (out, spi->data, spi->len);
      return TRUE;
    case IMPS_MIKEY_KV_INTERVAL:
      FIT (from->len, 255, "Valid from length");
      FIT (to->len, 255, "Valid to length");
      imps_put_u8 (out, (guint8) from->len);
      imps_put_bytes (out, from->data, from->len);
      imps_put_u8 (out, (guint8) to->len);
      imps_put_bytes (out, to->data, to->len);
      return TRUE;
    default:
      return fail_fit (error, name, "KV type", kv, 2);
    }
}

static gsize
kv_size (guint8 kv, const ImpsMikeyBytes *spi, const ImpsMikeyBytes *from, const ImpsMikeyBytes *to)
{
  switch (kv)
    {
    case IMPS_MIKEY_KV_SPI: return 1 + spi->len;
    case IMPS_MIKEY_KV_INTERVAL: return 2 + from->len + to->len;
    default: return 0;
    }
}

gsize
imps_mikey_key_data_size (const ImpsMikeyKeyData *keys, guint n)
{
  gsize size = 0;
  for (guint i = 0; i < n; i++)
    {
      size += 4 + keys[i].key.len;
      if (imps_mikey_key_type_has_salt (keys[i].type))
        size += 2 + keys[i].salt.len;
      size += kv_size (keys[i].kv, &keys[i].spi, &keys[i].valid_from, &keys[i].valid_to);
    }
  return size;
}

gboolean
imps_mikey_key_data_write (const ImpsMikeyKeyData *keys, guint n, GByteArray *out, GError **error)
{
  const gchar *name = "Key data";
  for (guint i = 0; i < n; i++)
    {
      const ImpsMikeyKeyData *k = &keys[i];
      FIT (k->type, 15, "Type");
      FIT (k->kv, 15, "KV");
      FIT (k->key.len, G_MAXUINT16, "Key data length");
      imps_put_u8 (out, i + 1 < n ? IMPS_MIKEY_PAYLOAD_KEY_DATA : IMPS_MIKEY_PAYLOAD_LAST);
      imps_put_u8 (out, (guint8) ((k->type << 4) | k->kv));
      imps_put_u16 (out, (guint16) k->key.len);
      imps_put_bytes (out, k->key.data, k->key.len);
      if (imps_mikey_key_type_has_salt (k->type))
        {
          FIT (k->salt.len, G_MAXUINT16, "Salt length");
          imps_put_u16 (out, (guint16) k->salt.len);
          imps_put_bytes (out, k->salt.data, k->salt.len);
        }
      if (!write_kv (k->kv, &k->spi, &k->valid_from, &k->valid_to, out, name, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean write_payload (ImpsMikeyPayload *p, guint next, GByteArray *out, gsize base,
                               gboolean record, guint depth, GError **error);

/* Writes a typed chain (first-type byte then payloads) of @items. */
static gboolean
write_typed_chain (ImpsMikeyPayload *items, guint n, GByteArray *out, gsize base,
                   gboolean record, guint depth, GError **error)
{
  imps_put_u8 (out, n ? (guint8) items[0].type : IMPS_MIKEY_PAYLOAD_LAST);
  for (guint i = 0; i < n; i++)
    if (!write_payload (&items[i], i + 1 < n ? items[i + 1].type : IMPS_MIKEY_PAYLOAD_LAST,
                        out, base, record, depth + 1, error))
      return FALSE;
  return TRUE;
}

static gboolean
write_payload (ImpsMikeyPayload *p, guint next, GByteArray *out, gsize base,
               gboolean record, guint depth, GError **error)
{
  const gchar *name = payload_label (p->type);
  gsize start = out->len;
  gint l;

  if (depth > 2)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                   "MIKEY %s payload nested too deeply", name);
      return FALSE;
    }
  if (p->type != IMPS_MIKEY_PAYLOAD_SIGN)
    {
      if (next > 255)
        {
          g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                       "MIKEY %s payload cannot be followed by %s (no Next Payload code)",
                       name, payload_label (next));
          return FALSE;
        }
      imps_put_u8 (out, (guint8) next);
    }

  switch (p->type)
    {
    case IMPS_MIKEY_PAYLOAD_T:
    case IMPS_MIKEY_PAYLOAD_TR:
      if (p->type == IMPS_MIKEY_PAYLOAD_TR)
        imps_put_u8 (out, p->u.ts.role);
      l = imps_mikey_ts_type_len (p->u.ts.ts_type);
      if (l < 0)
        return fail_fit (error, name, "TS type", p->u.ts.ts_type, 3);
      imps_put_u8 (out, p->u.ts.ts_type);
      if (l == 8)
        imps_put_u64 (out, p->u.ts.value);
      else
        {
          FIT (p->u.ts.value, G_MAXUINT32, "TS value");
          imps_put_u32 (out, (guint32) p->u.ts.value);
        }
      break;

    case IMPS_MIKEY_PAYLOAD_ID:
    case IMPS_MIKEY_PAYLOAD_CERT:
    case IMPS_MIKEY_PAYLOAD_IDR:
      if (p->type == IMPS_MIKEY_PAYLOAD_IDR)
        imps_put_u8 (out, p->u.id.role);
      imps_put_u8 (out, p->u.id.id_type);
      FIT (p->u.id.data.len, G_MAXUINT16, "ID length");
      imps_put_u16 (out, (guint16) p->u.id.data.len);
      imps_put_bytes (out, p->u.id.data.data, p->u.id.data.len);
      break;

    case IMPS_MIKEY_PAYLOAD_RAND:
    case IMPS_MIKEY_PAYLOAD_RANDR:
      if (p->type == IMPS_MIKEY_PAYLOAD_RANDR)
        imps_put_u8 (out, p->u.rand.role);
      FIT (p->u.rand.data.len, 255, "RAND length");
      imps_put_u8 (out, (guint8) p->u.rand.data.len);
      imps_put_bytes (out, p->u.rand.data.data, p->u.rand.data.len);
      break;

    case IMPS_MIKEY_PAYLOAD_V:
      l = imps_mikey_mac_alg_len (p->u.v.auth_alg);
      if (l < 0)
        return fail_fit (error, name, "Auth alg", p->u.v.auth_alg, 2);
      if (p->u.v.mac.data != NULL && p->u.v.mac.len != (gsize) l)
        return fail_fit (error, name, "MAC length", p->u.v.mac.len, (gsize) l);
      imps_put_u8 (out, p->u.v.auth_alg);
      if (record)
        p->u.v.mac_offset = base + out->len;
      if (p->u.v.mac.data)
        imps_put_bytes (out, p->u.v.mac.data, (gsize) l);
      else
        for (gint i = 0; i < l; i++)
          imps_put_u8 (out, 0);
      break;

    case IMPS_MIKEY_PAYLOAD_ERR:
      imps_put_u8 (out, p->u.err.error_no);
      imps_put_u16 (out, p->u.err.reserved);
      break;

    case IMPS_MIKEY_PAYLOAD_SP:
      {
        gsize plen = 0;
        imps_put_u8 (out, p->u.sp.policy_no);
        imps_put_u8 (out, p->u.sp.prot_type);
        for (guint i = 0; i < p->u.sp.n_params; i++)
          {
            FIT (p->u.sp.params[i].value.len, 255, "policy parameter length");
            plen += 2 + p->u.sp.params[i].value.len;
          }
        FIT (plen, G_MAXUINT16, "Policy param length");
        imps_put_u16 (out, (guint16) plen);
        for (guint i = 0; i < p->u.sp.n_params; i++)
          {
            imps_put_u8 (out, p->u.sp.params[i].type);
            imps_put_u8 (out, (guint8) p->u.sp.params[i].value.len);
            imps_put_bytes (out, p->u.sp.params[i].value.data, p->u.sp.params[i].value.len);
          }
      }
      break;

    case IMPS_MIKEY_PAYLOAD_KEMAC:
      l = imps_mikey_mac_alg_len (p->u.kemac.mac_alg);
      if (l < 0)
        return fail_fit (error, name, "MAC alg", p->u.kemac.mac_alg, 2);
      if (p->u.kemac.mac.data != NULL && p->u.kemac.mac.len != (gsize) l)
        return fail_fit (error, name, "MAC length", p->u.kemac.mac.len, (gsize) l);
      FIT (p->u.kemac.encr_data.len, G_MAXUINT16, "Encr data length");
      imps_put_u8 (out, p->u.kemac.encr_alg);
      imps_put_u16 (out, (guint16) p->u.kemac.encr_data.len);
      if (record)
        p->u.kemac.encr_data_offset = base + out->len;
      imps_put_bytes (out, p->u.kemac.encr_data.data, p->u.kemac.encr_data.len);
      imps_put_u8 (out, p->u.kemac.mac_alg);
      if (record)
        p->u.kemac.mac_offset = base + out->len;
      if (p->u.kemac.mac.data)
        imps_put_bytes (out, p->u.kemac.mac.data, (gsize) l);
      else
        for (gint i = 0; i < l; i++)
          imps_put_u8 (out, 0);
      break;

    case IMPS_MIKEY_PAYLOAD_GENERAL_EXT:
      imps_put_u8 (out, p->u.ext.ext_type);
      FIT (p->u.ext.data.len, G_MAXUINT16, "Extension length");
      imps_put_u16 (out, (guint16) p->u.ext.data.len);
      imps_put_bytes (out, p->u.ext.data.data, p->u.ext.data.len);
      break;

    case IMPS_MIKEY_PAYLOAD_PKE:
      FIT (p->u.pke.cache, 3, "C");
      FIT (p->u.pke.data.len, 0x3fff, "Data length");
      imps_put_u16 (out, (guint16) ((p->u.pke.cache << 14) | p->u.pke.data.len));
      imps_put_bytes (out, p->u.pke.data.data, p->u.pke.data.len);
      break;

    case IMPS_MIKEY_PAYLOAD_SIGN:
      FIT (p->u.sign.sign_type, 15, "S type");
      FIT (p->u.sign.signature.len, 0x0fff, "Signature length");
      imps_put_u16 (out, (guint16) ((p->u.sign.sign_type << 12) | p->u.sign.signature.len));
      imps_put_bytes (out, p->u.sign.signature.data, p->u.sign.signature.len);
      break;

    case IMPS_MIKEY_PAYLOAD_CHASH:
      l = imps_mikey_hash_func_len (p->u.chash.hash_func);
      if (l < 0)
        return fail_fit (error, name, "Hash func", p->u.chash.hash_func, 2);
      if (p->u.chash.hash.len != (gsize) l)
        return fail_fit (error, name, "hash length", p->u.chash.hash.len, (gsize) l);
      imps_put_u8 (out, p->u.chash.hash_func);
      imps_put_bytes (out, p->u.chash.hash.data, (gsize) l);
      break;

    case IMPS_MIKEY_PAYLOAD_DH:
      l = imps_mikey_dh_group_len (p->u.dh.group);
      if (l < 0)
        return fail_fit (error, name, "DH-Group", p->u.dh.group, 2);
      if (p->u.dh.value.len != (gsize) l)
        return fail_fit (error, name, "DH-value length", p->u.dh.value.len, (gsize) l);
      FIT (p->u.dh.reserved, 15, "Reserv");
      FIT (p->u.dh.kv, 15, "KV");
      imps_put_u8 (out, p->u.dh.group);
      imps_put_bytes (out, p->u.dh.value.data, (gsize) l);
      imps_put_u8 (out, (guint8) ((p->u.dh.reserved << 4) | p->u.dh.kv));
      if (!write_kv (p->u.dh.kv, &p->u.dh.spi, &p->u.dh.valid_from, &p->u.dh.valid_to, out, name, error))
        return FALSE;
      break;

    case IMPS_MIKEY_PAYLOAD_SAKKE:
      imps_put_u8 (out, p->u.sakke.params);
      imps_put_u8 (out, p->u.sakke.id_scheme);
      FIT (p->u.sakke.data.len, G_MAXUINT16, "SAKKE data length");
      imps_put_u16 (out, (guint16) p->u.sakke.data.len);
      imps_put_bytes (out, p->u.sakke.data.data, p->u.sakke.data.len);
      break;

    case IMPS_MIKEY_PAYLOAD_THDR:
      FIT (p->u.thdr.data.len, G_MAXUINT16, "THDR Data length");
      imps_put_u16 (out, (guint16) p->u.thdr.data.len);
      imps_put_bytes (out, p->u.thdr.data.data, p->u.thdr.data.len);
      break;

    case IMPS_MIKEY_PAYLOAD_TP:
    case IMPS_MIKEY_PAYLOAD_TICKET:
      {
        ImpsMikeyTicket *t = &p->u.ticket;
        gsize len_at, data_at;
        FIT (t->prf, 127, "PRF Func");
        FIT (t->reserved, 31, "Res");
        if (t->flags & ~IMPS_MIKEY_TICKET_FLAGS_ALL)
          return fail_fit (error, name, "flags", t->flags, IMPS_MIKEY_TICKET_FLAGS_ALL);
        imps_put_u16 (out, t->ticket_type);
        imps_put_u8 (out, t->subtype);
        imps_put_u8 (out, t->version);
        imps_put_u8 (out, (guint8) ((t->prf << 1) | ((t->flags >> 16) & 1)));
        imps_put_u8 (out, (guint8) (t->flags >> 8));
        imps_put_u8 (out, (guint8) ((t->flags & 0xe0) | t->reserved));
        len_at = out->len;
        imps_put_u16 (out, 0);
        data_at = out->len;
        if (record)
          t->tp_data_offset = base + data_at;
        if (t->n_tp_items > 0)
          {
            if (!write_typed_chain (t->tp_items, t->n_tp_items, out, base, record, depth, error))
              return FALSE;
          }
        else
          imps_put_bytes (out, t->tp_data.data, t->tp_data.len);
        FIT (out->len - data_at, G_MAXUINT16, "TP Data length");
        imps_set_u16 (out, len_at, (guint16) (out->len - data_at));
        if (p->type == IMPS_MIKEY_PAYLOAD_TP)
          break;
        FIT (t->ticket_data.len, G_MAXUINT16, "Ticket Data length");
        imps_put_u16 (out, (guint16) t->ticket_data.len);
        if (record)
          t->ticket_data_offset = base + out->len;
        imps_put_bytes (out, t->ticket_data.data, t->ticket_data.len);
        len_at = out->len;
        if (record)
          t->init_len_offset = base + len_at;
        imps_put_u16 (out, 0);
        data_at = out->len;
        if (record)
          t->init_data_offset = base + data_at;
        if (t->n_init_items > 0)
          {
            if (!write_typed_chain (t->init_items, t->n_init_items, out, base, record, depth, error))
              return FALSE;
          }
        else
          imps_put_bytes (out, t->initiator_data.data, t->initiator_data.len);
        FIT (out->len - data_at, G_MAXUINT16, "Initiator Data length");
        imps_set_u16 (out, len_at, (guint16) (out->len - data_at));
      }
      break;

    default:
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                   "MIKEY payload type %u cannot be written", p->type);
      return FALSE;
    }

  if (record)
    {
      p->offset = base + start;
      p->length = out->len - start;
    }
  return TRUE;
}

#undef FIT

gboolean
imps_mikey_payload_write (const ImpsMikeyPayload *p, guint next, GByteArray *out, GError **error)
{
  /* record = FALSE: nothing in *p is written to. */
  return write_payload ((ImpsMikeyPayload *) p, next, out, 0, FALSE, 0, error);
}

/* Writes @items as a message body (no leading byte) or Ticket Data. */
gboolean
_imps_mikey_write_items (ImpsMikeyPayload *items, guint n, GByteArray *out, gsize base,
                         GError **error)
{
  for (guint i = 0; i < n; i++)
    if (!write_payload (&items[i], i + 1 < n ? items[i + 1].type : IMPS_MIKEY_PAYLOAD_LAST,
                        out, base, TRUE, 0, error))
      return FALSE;
  return TRUE;
}

/* After serialising into @raw (whose byte 0 is at offset @base), points
 * every payload's raw view into it. */
static void
set_raw_views (ImpsMikeyPayload *items, guint n, const guint8 *raw, gsize base)
{
  for (guint i = 0; i < n; i++)
    {
      ImpsMikeyPayload *p = &items[i];
      p->raw.data = raw + (p->offset - base);
      p->raw.len = p->length;
      if (p->type == IMPS_MIKEY_PAYLOAD_TP || p->type == IMPS_MIKEY_PAYLOAD_TICKET)
        {
          ImpsMikeyTicket *t = &p->u.ticket;
          /* The views of what was written from items follow the bytes. */
          t->tp_data.data = raw + (t->tp_data_offset - base);
          t->tp_data.len = (p->type == IMPS_MIKEY_PAYLOAD_TP ? p->offset + p->length
                            : t->ticket_data_offset - 2) - t->tp_data_offset;
          set_raw_views (t->tp_items, t->n_tp_items, raw, base);
          if (p->type == IMPS_MIKEY_PAYLOAD_TICKET)
            {
              t->initiator_data.data = raw + (t->init_data_offset - base);
              t->initiator_data.len = p->offset + p->length - t->init_data_offset;
              set_raw_views (t->init_items, t->n_init_items, raw, base);
            }
        }
    }
}

void
_imps_mikey_set_raw_views (ImpsMikeyPayload *items, guint n, const guint8 *raw, gsize base)
{
  set_raw_views (items, n, raw, base);
}

/* ------------------------------------------------------------------ */
/* Convenience initialisers                                            */

ImpsMikeyPayload
imps_mikey_payload_t (guint8 ts_type, guint64 value)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_T };
  p.u.ts.ts_type = ts_type;
  p.u.ts.value = value;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_tr (guint8 role, guint8 ts_type, guint64 value)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_TR };
  p.u.ts.role = role;
  p.u.ts.ts_type = ts_type;
  p.u.ts.value = value;
  return p;
}

static ImpsMikeyPayload
make_id (guint type, guint8 role, guint8 id_type, const guint8 *data, gsize len)
{
  ImpsMikeyPayload p = { .type = type };
  p.u.id.role = role;
  p.u.id.id_type = id_type;
  p.u.id.data.data = data;
  p.u.id.data.len = len;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_id (guint8 id_type, const guint8 *data, gsize len)
{
  return make_id (IMPS_MIKEY_PAYLOAD_ID, 0, id_type, data, len);
}

ImpsMikeyPayload
imps_mikey_payload_idr (guint8 role, guint8 id_type, const guint8 *data, gsize len)
{
  return make_id (IMPS_MIKEY_PAYLOAD_IDR, role, id_type, data, len);
}

ImpsMikeyPayload
imps_mikey_payload_cert (guint8 cert_type, const guint8 *data, gsize len)
{
  return make_id (IMPS_MIKEY_PAYLOAD_CERT, 0, cert_type, data, len);
}

ImpsMikeyPayload
imps_mikey_payload_rand (const guint8 *data, gsize len)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_RAND };
  p.u.rand.data.data = data;
  p.u.rand.data.len = len;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_randr (guint8 role, const guint8 *data, gsize len)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_RANDR };
  p.u.rand.role = role;
  p.u.rand.data.data = data;
  p.u.rand.data.len = len;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_v (guint8 auth_alg, const guint8 *mac, gsize mac_len)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_V };
  p.u.v.auth_alg = auth_alg;
  p.u.v.mac.data = mac;
  p.u.v.mac.len = mac ? mac_len : 0;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_err (guint8 error_no)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_ERR };
  p.u.err.error_no = error_no;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_sp (guint8 policy_no, guint8 prot_type, const ImpsMikeySpParam *params,
                       guint n_params)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_SP };
  p.u.sp.policy_no = policy_no;
  p.u.sp.prot_type = prot_type;
  p.u.sp.params = (ImpsMikeySpParam *) params;
  p.u.sp.n_params = n_params;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_kemac (guint8 encr_alg, const guint8 *encr_data, gsize encr_len,
                          guint8 mac_alg, const guint8 *mac, gsize mac_len)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_KEMAC };
  p.u.kemac.encr_alg = encr_alg;
  p.u.kemac.encr_data.data = encr_data;
  p.u.kemac.encr_data.len = encr_len;
  p.u.kemac.mac_alg = mac_alg;
  p.u.kemac.mac.data = mac;
  p.u.kemac.mac.len = mac ? mac_len : 0;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_general_ext (guint8 ext_type, const guint8 *data, gsize len)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_GENERAL_EXT };
  p.u.ext.ext_type = ext_type;
  p.u.ext.data.data = data;
  p.u.ext.data.len = len;
  return p;
}

ImpsMikeyPayload
imps_mikey_payload_thdr (const guint8 *data, gsize len)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_THDR };
  p.u.thdr.data.data = data;
  p.u.thdr.data.len = len;
  return p;
}

const ImpsMikeySpParam *
imps_mikey_sp_find_param (const ImpsMikeySp *sp, guint8 type)
{
  for (guint i = 0; i < sp->n_params; i++)
    if (sp->params[i].type == type)
      return &sp->params[i];
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Deep copy into an arena                                             */

static void
copy_view (ImpsMikeyArena *a, ImpsMikeyBytes *b)
{
  b->data = _imps_mikey_arena_dup (a, b->data, b->len);
}

static void copy_payload (ImpsMikeyArena *a, ImpsMikeyPayload *p, guint depth);

static ImpsMikeyPayload *
copy_items (ImpsMikeyArena *a, const ImpsMikeyPayload *items, guint n, guint depth)
{
  if (n == 0 || items == NULL)
    return NULL;
  ImpsMikeyPayload *copy = _imps_mikey_arena_dup (a, items, n * sizeof *items);
  for (guint i = 0; i < n; i++)
    copy_payload (a, &copy[i], depth + 1);
  return copy;
}

static void
copy_payload (ImpsMikeyArena *a, ImpsMikeyPayload *p, guint depth)
{
  p->raw.data = NULL;
  p->raw.len = 0;
  switch (p->type)
    {
    case IMPS_MIKEY_PAYLOAD_ID:
    case IMPS_MIKEY_PAYLOAD_CERT:
    case IMPS_MIKEY_PAYLOAD_IDR:
      copy_view (a, &p->u.id.data);
      break;
    case IMPS_MIKEY_PAYLOAD_RAND:
    case IMPS_MIKEY_PAYLOAD_RANDR:
      copy_view (a, &p->u.rand.data);
      break;
    case IMPS_MIKEY_PAYLOAD_V:
      {
        /* A NULL MAC becomes zero bytes of the algorithm's length, so that
         * set_v_mac() has somewhere to write. */
        gint l = imps_mikey_mac_alg_len (p->u.v.auth_alg);
        if (p->u.v.mac.data == NULL && l > 0)
          {
            p->u.v.mac.data = _imps_mikey_arena_alloc (a, (gsize) l);
            p->u.v.mac.len = (gsize) l;
          }
        else
          copy_view (a, &p->u.v.mac);
      }
      break;
    case IMPS_MIKEY_PAYLOAD_SP:
      if (p->u.sp.n_params)
        {
          p->u.sp.params = _imps_mikey_arena_dup (a, p->u.sp.params,
                                                  p->u.sp.n_params * sizeof (ImpsMikeySpParam));
          for (guint i = 0; i < p->u.sp.n_params; i++)
            copy_view (a, &p->u.sp.params[i].value);
        }
      else
        p->u.sp.params = NULL;
      break;
    case IMPS_MIKEY_PAYLOAD_KEMAC:
      {
        gint l = imps_mikey_mac_alg_len (p->u.kemac.mac_alg);
        copy_view (a, &p->u.kemac.encr_data);
        if (p->u.kemac.mac.data == NULL && l > 0)
          {
            p->u.kemac.mac.data = _imps_mikey_arena_alloc (a, (gsize) l);
            p->u.kemac.mac.len = (gsize) l;
          }
        else
          copy_view (a, &p->u.kemac.mac);
      }
      break;
    case IMPS_MIKEY_PAYLOAD_GENERAL_EXT:
      copy_view (a, &p->u.ext.data);
      break;
    case IMPS_MIKEY_PAYLOAD_PKE:
      copy_view (a, &p->u.pke.data);
      break;
    case IMPS_MIKEY_PAYLOAD_SIGN:
      copy_view (a, &p->u.sign.signature);
      break;
    case IMPS_MIKEY_PAYLOAD_CHASH:
      copy_view (a, &p->u.chash.hash);
      break;
    case IMPS_MIKEY_PAYLOAD_DH:
      copy_view (a, &p->u.dh.value);
      copy_view (a, &p->u.dh.spi);
      copy_view (a, &p->u.dh.valid_from);
      copy_view (a, &p->u.dh.valid_to);
      break;
    case IMPS_MIKEY_PAYLOAD_SAKKE:
      copy_view (a, &p->u.sakke.data);
      break;
    case IMPS_MIKEY_PAYLOAD_THDR:
      copy_view (a, &p->u.thdr.data);
      break;
    case IMPS_MIKEY_PAYLOAD_TP:
    case IMPS_MIKEY_PAYLOAD_TICKET:
      {
        ImpsMikeyTicket *t = &p->u.ticket;
        if (depth >= 2)
          {
            t->n_tp_items = 0;
            t->n_init_items = 0;
          }
        copy_view (a, &t->tp_data);
        t->tp_items = copy_items (a, t->tp_items, t->n_tp_items, depth);
        if (t->tp_items == NULL)
          t->n_tp_items = 0;
        copy_view (a, &t->ticket_data);
        copy_view (a, &t->initiator_data);
        t->init_items = copy_items (a, t->init_items, t->n_init_items, depth);
        if (t->init_items == NULL)
          t->n_init_items = 0;
      }
      break;
    default:
      break;
    }
}

void
_imps_mikey_copy_payload (ImpsMikeyArena *a, ImpsMikeyPayload *p)
{
  copy_payload (a, p, 0);
}

/* ------------------------------------------------------------------ */
/* Chains                                                              */

void
_imps_mikey_chain_init (ImpsMikeyChain *chain, gsize arena_size)
{
  memset (chain, 0, sizeof *chain);
  chain->arena = _imps_mikey_arena_new (arena_size);
}

void
_imps_mikey_chain_clear (ImpsMikeyChain *chain)
{
  if (chain->payloads)
    imps_wipe (chain->payloads, chain->cap * sizeof (ImpsMikeyPayload));
  g_free (chain->payloads);
  _imps_mikey_arena_free (chain->arena);
  memset (chain, 0, sizeof *chain);
}

ImpsMikeyChain *
imps_mikey_chain_new (void)
{
  ImpsMikeyChain *chain = g_new (ImpsMikeyChain, 1);
  _imps_mikey_chain_init (chain, 0);
  return chain;
}

void
imps_mikey_chain_free (ImpsMikeyChain *chain)
{
  if (chain == NULL)
    return;
  _imps_mikey_chain_clear (chain);
  g_free (chain);
}

ImpsMikeyPayload *
imps_mikey_chain_add (ImpsMikeyChain *chain, const ImpsMikeyPayload *p)
{
  g_return_val_if_fail (chain != NULL && p != NULL, NULL);
  if (chain->n_payloads == chain->cap)
    {
      guint cap = chain->cap ? chain->cap * 2 : 8;
      ImpsMikeyPayload *n = g_new0 (ImpsMikeyPayload, cap);
      if (chain->n_payloads)
        memcpy (n, chain->payloads, chain->n_payloads * sizeof *n);
      if (chain->payloads)
        imps_wipe (chain->payloads, chain->cap * sizeof *n);
      g_free (chain->payloads);
      chain->payloads = n;
      chain->cap = cap;
    }
  ImpsMikeyPayload *dst = &chain->payloads[chain->n_payloads++];
  *dst = *p;
  copy_payload (chain->arena, dst, 0);
  return dst;
}

void
_imps_mikey_chain_set_items (ImpsMikeyChain *chain, const ImpsMikeyPayload *items, guint n)
{
  chain->payloads = n ? g_memdup2 (items, n * sizeof *items) : NULL;
  chain->n_payloads = chain->cap = n;
}

void
_imps_mikey_chain_set_raw (ImpsMikeyChain *chain, const guint8 *data, gsize len)
{
  guint8 *copy = _imps_mikey_arena_alloc (chain->arena, MAX (len, (gsize) 1));
  if (len)
    memcpy (copy, data, len);
  chain->raw = copy;
  chain->raw_len = len;
}

ImpsMikeyChain *
imps_mikey_chain_parse (const guint8 *data, gsize len, ImpsMikeyChainForm form, GError **error)
{
  g_autoptr (ImpsMikeyChain) chain = NULL;
  ImpsMikeyPayload *items = NULL;
  guint n = 0;
  gsize consumed = 0, skip = 0;
  guint first;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  if (len > IMPS_MIKEY_MAX_MESSAGE_SIZE)
    {
      _imps_mikey_fail (error, IMPS_MIKEY_MAX_MESSAGE_SIZE, "chain of %" G_GSIZE_FORMAT
                        " bytes is larger than %u bytes", len, IMPS_MIKEY_MAX_MESSAGE_SIZE);
      return NULL;
    }
  chain = g_new (ImpsMikeyChain, 1);
  _imps_mikey_chain_init (chain, len + 1024);
  _imps_mikey_chain_set_raw (chain, data, len);
  if (form == IMPS_MIKEY_CHAIN_THDR)
    first = IMPS_MIKEY_PAYLOAD_THDR;
  else
    {
      if (len < 1)
        {
          _imps_mikey_fail (error, 0, "chain: truncated first payload type");
          return NULL;
        }
      first = chain->raw[0];
      skip = 1;
    }
  if (!_imps_mikey_parse_chain (chain->arena, chain->raw + skip, len - skip, skip, first,
                                &items, &n, &consumed, error))
    return NULL;
  if (skip + consumed != len)
    {
      _imps_mikey_fail (error, skip + consumed, "chain: %" G_GSIZE_FORMAT " bytes after the last payload",
                        len - skip - consumed);
      return NULL;
    }
  _imps_mikey_chain_set_items (chain, items, n);
  return g_steal_pointer (&chain);
}

const guint8 *
imps_mikey_chain_serialize (ImpsMikeyChain *chain, ImpsMikeyChainForm form, gsize *len,
                            GError **error)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gsize skip = 0;

  g_return_val_if_fail (chain != NULL, NULL);
  if (form == IMPS_MIKEY_CHAIN_THDR)
    {
      if (chain->n_payloads == 0 || chain->payloads[0].type != IMPS_MIKEY_PAYLOAD_THDR)
        {
          g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                       "MIKEY Ticket Data must start with THDR (A-8)");
          return NULL;
        }
    }
  else
    {
      imps_put_u8 (out, chain->n_payloads ? (guint8) chain->payloads[0].type : 0);
      skip = 1;
    }
  (void) skip;
  if (!_imps_mikey_write_items (chain->payloads, chain->n_payloads, out, 0, error))
    {
      imps_wipe (out->data, out->len);
      return NULL;
    }
  if (out->len > IMPS_MIKEY_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                   "MIKEY chain of %u bytes is larger than %u bytes", out->len,
                   IMPS_MIKEY_MAX_MESSAGE_SIZE);
      imps_wipe (out->data, out->len);
      return NULL;
    }
  _imps_mikey_chain_set_raw (chain, out->data, out->len);
  imps_wipe (out->data, out->len);
  _imps_mikey_set_raw_views (chain->payloads, chain->n_payloads, chain->raw, 0);
  if (len)
    *len = chain->raw_len;
  return chain->raw;
}

gboolean
imps_mikey_chain_set_v_mac (ImpsMikeyChain *chain, const guint8 *mac, gsize len)
{
  g_return_val_if_fail (chain != NULL, FALSE);
  for (guint i = 0; i < chain->n_payloads; i++)
    {
      ImpsMikeyPayload *p = &chain->payloads[i];
      if (p->type != IMPS_MIKEY_PAYLOAD_V)
        continue;
      if (imps_mikey_mac_alg_len (p->u.v.auth_alg) != (gint) len || chain->raw == NULL
          || p->u.v.mac_offset + len > chain->raw_len)
        return FALSE;
      guint8 *dst = (guint8 *) chain->raw + p->u.v.mac_offset;
      if (len)
        memcpy (dst, mac, len);
      if (p->u.v.mac.data != dst && len)
        memcpy ((guint8 *) p->u.v.mac.data, mac, len);
      return TRUE;
    }
  return FALSE;
}

static gboolean
matches (const ImpsMikeyPayload *p, guint type, guint8 role)
{
  if (p->type != type)
    return FALSE;
  if (role == 0)
    return TRUE;
  switch (type)
    {
    case IMPS_MIKEY_PAYLOAD_IDR: return p->u.id.role == role;
    case IMPS_MIKEY_PAYLOAD_RANDR: return p->u.rand.role == role;
    case IMPS_MIKEY_PAYLOAD_TR: return p->u.ts.role == role;
    default: return TRUE;
    }
}

const ImpsMikeyPayload *
imps_mikey_payloads_find (const ImpsMikeyPayload *items, guint n, guint type, guint8 role)
{
  for (guint i = 0; i < n; i++)
    if (matches (&items[i], type, role))
      return &items[i];
  return NULL;
}

guint
imps_mikey_payloads_find_all (const ImpsMikeyPayload *items, guint n, guint type, guint8 role,
                              const ImpsMikeyPayload **out, guint max)
{
  guint count = 0;
  for (guint i = 0; i < n; i++)
    if (matches (&items[i], type, role))
      {
        if (count < max && out)
          out[count] = &items[i];
        count++;
      }
  return count;
}

const ImpsMikeyPayload *
imps_mikey_chain_find (const ImpsMikeyChain *chain, guint type, guint8 role)
{
  return imps_mikey_payloads_find (chain->payloads, chain->n_payloads, type, role);
}

guint
imps_mikey_chain_find_all (const ImpsMikeyChain *chain, guint type, guint8 role,
                           const ImpsMikeyPayload **out, guint max)
{
  return imps_mikey_payloads_find_all (chain->payloads, chain->n_payloads, type, role, out, max);
}
