/* MIKEY (RFC 3830) and MIKEY-TICKET (RFC 6043) code tables.
 *
 * Every table of mikey-ticket.md §3 as an enum, plus name functions for
 * output (imps_mikey_*_name()); a name function returns NULL for a value the
 * table does not define, so callers can print "Unknown (n)". The names are
 * static strings.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Error domain of the whole MIKEY module (codec and exchanges). */
#define IMPS_MIKEY_ERROR (imps_mikey_error_quark ())
GQuark imps_mikey_error_quark (void);

/* Codes of IMPS_MIKEY_ERROR. MALFORMED is the codec's code: a message or
 * payload that cannot be parsed (truncated field, length past the end,
 * unknown payload type, wrong or duplicate or missing payload for the data
 * type, too many payloads, too large). The others name the protocol reason
 * and map to the MIKEY Error payload codes (imps_mikey_error_to_err_no()). */
typedef enum {
  IMPS_MIKEY_ERROR_MALFORMED,        /* -> ERR 13 Unsupported message type */
  IMPS_MIKEY_ERROR_AUTH_FAILED,      /* -> ERR 0 */
  IMPS_MIKEY_ERROR_INVALID_TS,       /* -> ERR 1 */
  IMPS_MIKEY_ERROR_INVALID_PRF,      /* -> ERR 2 */
  IMPS_MIKEY_ERROR_INVALID_MAC,      /* -> ERR 3 */
  IMPS_MIKEY_ERROR_INVALID_EA,       /* -> ERR 4 */
  IMPS_MIKEY_ERROR_INVALID_ID,       /* -> ERR 7 */
  IMPS_MIKEY_ERROR_INVALID_SP,       /* -> ERR 9 */
  IMPS_MIKEY_ERROR_INVALID_SPPAR,    /* -> ERR 10 */
  IMPS_MIKEY_ERROR_INVALID_DT,       /* -> ERR 11 */
  IMPS_MIKEY_ERROR_UNSPECIFIED,      /* -> ERR 12 */
  IMPS_MIKEY_ERROR_INVALID_TICKET,   /* -> ERR 14 */
  IMPS_MIKEY_ERROR_INVALID_TPPAR,    /* -> ERR 15 */
  IMPS_MIKEY_ERROR_REPLAY,           /* -> ERR 1 (replayed message, RFC 3830 §5.4) */
} ImpsMikeyError;

/* mikey-ticket.md §3.1: HDR data type. */
typedef enum {
  IMPS_MIKEY_DATA_PSK_INIT = 0,
  IMPS_MIKEY_DATA_PSK_VERIFY = 1,
  IMPS_MIKEY_DATA_PK_INIT = 2,
  IMPS_MIKEY_DATA_PK_VERIFY = 3,
  IMPS_MIKEY_DATA_DH_INIT = 4,
  IMPS_MIKEY_DATA_DH_RESP = 5,
  IMPS_MIKEY_DATA_ERROR = 6,
  IMPS_MIKEY_DATA_DHHMAC_INIT = 7,
  IMPS_MIKEY_DATA_DHHMAC_RESP = 8,
  IMPS_MIKEY_DATA_RSA_R_INIT = 9,
  IMPS_MIKEY_DATA_RSA_R_RESP = 10,
  IMPS_MIKEY_DATA_REQUEST_INIT_PSK = 11,
  IMPS_MIKEY_DATA_REQUEST_INIT_PK = 12,
  IMPS_MIKEY_DATA_REQUEST_RESP = 13,
  IMPS_MIKEY_DATA_TRANSFER_INIT = 14,
  IMPS_MIKEY_DATA_TRANSFER_RESP = 15,
  IMPS_MIKEY_DATA_RESOLVE_INIT_PSK = 16,
  IMPS_MIKEY_DATA_RESOLVE_INIT_PK = 17,
  IMPS_MIKEY_DATA_RESOLVE_RESP = 18,
  IMPS_MIKEY_DATA_SAKKE = 26,
} ImpsMikeyDataType;

/* mikey-ticket.md §3.2: Next Payload codes. THDR has no code on the wire
 * IMPS_MIKEY_PAYLOAD_THDR is a pseudo value above 255 used only in
 * this API (Ticket Data chains start with it). */
typedef enum {
  IMPS_MIKEY_PAYLOAD_LAST = 0,
  IMPS_MIKEY_PAYLOAD_KEMAC = 1,
  IMPS_MIKEY_PAYLOAD_PKE = 2,
  IMPS_MIKEY_PAYLOAD_DH = 3,
  IMPS_MIKEY_PAYLOAD_SIGN = 4,
  IMPS_MIKEY_PAYLOAD_T = 5,
  IMPS_MIKEY_PAYLOAD_ID = 6,
  IMPS_MIKEY_PAYLOAD_CERT = 7,
  IMPS_MIKEY_PAYLOAD_CHASH = 8,
  IMPS_MIKEY_PAYLOAD_V = 9,
  IMPS_MIKEY_PAYLOAD_SP = 10,
  IMPS_MIKEY_PAYLOAD_RAND = 11,
  IMPS_MIKEY_PAYLOAD_ERR = 12,
  IMPS_MIKEY_PAYLOAD_TR = 13,
  IMPS_MIKEY_PAYLOAD_IDR = 14,
  IMPS_MIKEY_PAYLOAD_RANDR = 15,
  IMPS_MIKEY_PAYLOAD_TP = 16,
  IMPS_MIKEY_PAYLOAD_TICKET = 17,
  IMPS_MIKEY_PAYLOAD_KEY_DATA = 20,
  IMPS_MIKEY_PAYLOAD_GENERAL_EXT = 21,
  IMPS_MIKEY_PAYLOAD_SAKKE = 26,
  IMPS_MIKEY_PAYLOAD_THDR = 0x100,
} ImpsMikeyPayloadType;

/* mikey-ticket.md §3.3 */
#define IMPS_MIKEY_VERSION 1

typedef enum {
  IMPS_MIKEY_PRF_MIKEY_1 = 0,
  IMPS_MIKEY_PRF_HMAC_SHA256 = 1,
} ImpsMikeyPrf;

typedef enum {
  IMPS_MIKEY_CS_MAP_SRTP_ID = 0,
  IMPS_MIKEY_CS_MAP_EMPTY = 1,
  IMPS_MIKEY_CS_MAP_GENERIC_ID = 2,
} ImpsMikeyCsMapType;

/* §3.5 (SP Prot type / GENERIC-ID Prot type) */
typedef enum {
  IMPS_MIKEY_PROT_SRTP = 0,
} ImpsMikeyProtType;

/* §3.4 */
typedef enum {
  IMPS_MIKEY_ENCR_NULL = 0,
  IMPS_MIKEY_ENCR_AES_CM_128 = 1,
  IMPS_MIKEY_ENCR_AES_KW_128 = 2,
  IMPS_MIKEY_ENCR_AES_CM_256 = 3,
} ImpsMikeyEncrAlg;

/* MAC algorithms of KEMAC and V (V's "Auth alg"). */
typedef enum {
  IMPS_MIKEY_MAC_NULL = 0,
  IMPS_MIKEY_MAC_HMAC_SHA1_160 = 1,
  IMPS_MIKEY_MAC_HMAC_SHA256_256 = 2,
} ImpsMikeyMacAlg;

/* MAC length of @alg in bytes, or -1 for an unknown algorithm. */
gint imps_mikey_mac_alg_len (guint alg);

typedef enum {
  IMPS_MIKEY_KEY_TGK = 0,
  IMPS_MIKEY_KEY_TGK_SALT = 1,
  IMPS_MIKEY_KEY_TEK = 2,
  IMPS_MIKEY_KEY_TEK_SALT = 3,
  IMPS_MIKEY_KEY_GTGK = 4,
  IMPS_MIKEY_KEY_GTGK_SALT = 5,
  IMPS_MIKEY_KEY_MPK = 6,
} ImpsMikeyKeyType;

/* TRUE for the key data types that carry a salt (1, 3, 5). */
gboolean imps_mikey_key_type_has_salt (guint type);

typedef enum {
  IMPS_MIKEY_KV_NULL = 0,
  IMPS_MIKEY_KV_SPI = 1,
  IMPS_MIKEY_KV_INTERVAL = 2,
} ImpsMikeyKvType;

/* §3.5 */
typedef enum {
  IMPS_MIKEY_TS_NTP_UTC = 0,
  IMPS_MIKEY_TS_NTP = 1,
  IMPS_MIKEY_TS_COUNTER = 2,
  IMPS_MIKEY_TS_NTP_UTC_32 = 3,
} ImpsMikeyTsType;

/* TS value length in bytes (8 or 4), or -1 for an unknown TS type. */
gint imps_mikey_ts_type_len (guint ts_type);

typedef enum {
  IMPS_MIKEY_ID_NAI = 0,
  IMPS_MIKEY_ID_URI = 1,
  IMPS_MIKEY_ID_BYTE_STRING = 2,
} ImpsMikeyIdType;

typedef enum {
  IMPS_MIKEY_CERT_X509V3 = 0,
  IMPS_MIKEY_CERT_X509V3_URL = 1,
  IMPS_MIKEY_CERT_X509V3_SIGN = 2,
  IMPS_MIKEY_CERT_X509V3_ENCR = 3,
} ImpsMikeyCertType;

typedef enum {
  IMPS_MIKEY_HASH_SHA1 = 0,
  IMPS_MIKEY_HASH_MD5 = 1,
  IMPS_MIKEY_HASH_SHA256 = 2,
} ImpsMikeyHashFunc;

/* CHASH length of @func in bytes, or -1 when unknown. */
gint imps_mikey_hash_func_len (guint func);

typedef enum {
  IMPS_MIKEY_ERR_AUTH_FAILURE = 0,
  IMPS_MIKEY_ERR_INVALID_TS = 1,
  IMPS_MIKEY_ERR_INVALID_PRF = 2,
  IMPS_MIKEY_ERR_INVALID_MAC = 3,
  IMPS_MIKEY_ERR_INVALID_EA = 4,
  IMPS_MIKEY_ERR_INVALID_HA = 5,
  IMPS_MIKEY_ERR_INVALID_DH = 6,
  IMPS_MIKEY_ERR_INVALID_ID = 7,
  IMPS_MIKEY_ERR_INVALID_CERT = 8,
  IMPS_MIKEY_ERR_INVALID_SP = 9,
  IMPS_MIKEY_ERR_INVALID_SPPAR = 10,
  IMPS_MIKEY_ERR_INVALID_DT = 11,
  IMPS_MIKEY_ERR_UNSPECIFIED = 12,
  IMPS_MIKEY_ERR_UNSUPPORTED_MESSAGE = 13,
  /* 14 and 15 are Error payload values (RFC 6043 §6.9 introduces
   * them next to the key data sub-payload by an editorial slip). */
  IMPS_MIKEY_ERR_INVALID_TICKET = 14,
  IMPS_MIKEY_ERR_INVALID_TPPAR = 15,
} ImpsMikeyErrNo;

/* The ERR code that reports @code (an ImpsMikeyError) to the peer. */
guint8 imps_mikey_error_to_err_no (gint code);

/* TS role (TR), ID role (IDR), RAND role (RANDR). */
typedef enum {
  IMPS_MIKEY_TS_ROLE_TRI = 1,
  IMPS_MIKEY_TS_ROLE_TRS = 2,
  IMPS_MIKEY_TS_ROLE_TRE = 3,
  IMPS_MIKEY_TS_ROLE_TRR = 4,
} ImpsMikeyTsRole;

typedef enum {
  IMPS_MIKEY_ID_ROLE_I = 1,
  IMPS_MIKEY_ID_ROLE_R = 2,
  IMPS_MIKEY_ID_ROLE_KMS = 3,
  IMPS_MIKEY_ID_ROLE_PSK = 4,
  IMPS_MIKEY_ID_ROLE_APP = 5,
} ImpsMikeyIdRole;

typedef enum {
  IMPS_MIKEY_RAND_ROLE_I = 1,
  IMPS_MIKEY_RAND_ROLE_R = 2,
  IMPS_MIKEY_RAND_ROLE_KMS = 3,
} ImpsMikeyRandRole;

/* Ticket types (16 bits). */
typedef enum {
  IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE = 1,
  IMPS_MIKEY_TICKET_TYPE_3GPP_BASE = 2,
} ImpsMikeyTicketType;

/* TP / TICKET flags (§4.16). The bits are those of the 24-bit word made of
 * TP bytes 5..7 (byte5 << 16 | byte6 << 8 | byte7), so D is bit 16 and O is
 * bit 5; the PRF func (byte5 bits 7..1) and the reserved bits 4..0 are kept
 * in their own fields, not here. */
typedef enum {
  IMPS_MIKEY_TICKET_FLAG_D = 1 << 16,
  IMPS_MIKEY_TICKET_FLAG_E = 1 << 15,
  IMPS_MIKEY_TICKET_FLAG_F = 1 << 14,
  IMPS_MIKEY_TICKET_FLAG_G = 1 << 13,
  IMPS_MIKEY_TICKET_FLAG_H = 1 << 12,
  IMPS_MIKEY_TICKET_FLAG_I = 1 << 11,
  IMPS_MIKEY_TICKET_FLAG_J = 1 << 10,
  IMPS_MIKEY_TICKET_FLAG_K = 1 << 9,
  IMPS_MIKEY_TICKET_FLAG_L = 1 << 8,
  IMPS_MIKEY_TICKET_FLAG_M = 1 << 7,
  IMPS_MIKEY_TICKET_FLAG_N = 1 << 6,
  IMPS_MIKEY_TICKET_FLAG_O = 1 << 5,
} ImpsMikeyTicketFlags;

#define IMPS_MIKEY_TICKET_FLAGS_ALL 0x1ffe0u

/* SRTP policy parameter types (SP, Prot type 0). */
typedef enum {
  IMPS_MIKEY_SP_SRTP_ENCR_ALG = 0,
  IMPS_MIKEY_SP_SRTP_ENCR_KEY_LEN = 1,
  IMPS_MIKEY_SP_SRTP_AUTH_ALG = 2,
  IMPS_MIKEY_SP_SRTP_AUTH_KEY_LEN = 3,
  IMPS_MIKEY_SP_SRTP_SALT_KEY_LEN = 4,
  IMPS_MIKEY_SP_SRTP_PRF = 5,
  IMPS_MIKEY_SP_SRTP_KDR = 6,
  IMPS_MIKEY_SP_SRTP_SRTP_ENCR = 7,
  IMPS_MIKEY_SP_SRTP_SRTCP_ENCR = 8,
  IMPS_MIKEY_SP_SRTP_FEC_ORDER = 9,
  IMPS_MIKEY_SP_SRTP_SRTP_AUTH = 10,
  IMPS_MIKEY_SP_SRTP_AUTH_TAG_LEN = 11,
  IMPS_MIKEY_SP_SRTP_PREFIX_LEN = 12,
  IMPS_MIKEY_SP_SRTP_ROC_RATE = 13,
  IMPS_MIKEY_SP_SRTP_SRTP_AUTH_ALG = 14,
  IMPS_MIKEY_SP_SRTP_SRTCP_AUTH_ALG = 15,
  IMPS_MIKEY_SP_SRTP_SRTP_AUTH_KEY_LEN = 16,
  IMPS_MIKEY_SP_SRTP_SRTCP_AUTH_KEY_LEN = 17,
  IMPS_MIKEY_SP_SRTP_SRTP_AUTH_TAG_LEN = 18,
  IMPS_MIKEY_SP_SRTP_SRTCP_AUTH_TAG_LEN = 19,
  IMPS_MIKEY_SP_SRTP_AEAD_TAG_LEN = 20,
} ImpsMikeySpSrtpParam;

/* Values of SP types 0 and 2. */
typedef enum {
  IMPS_MIKEY_SRTP_ENCR_NULL = 0,
  IMPS_MIKEY_SRTP_ENCR_AES_CM = 1,
  IMPS_MIKEY_SRTP_ENCR_AES_F8 = 2,
  IMPS_MIKEY_SRTP_ENCR_AES_GCM = 6,
} ImpsMikeySrtpEncrAlg;

typedef enum {
  IMPS_MIKEY_SRTP_AUTH_NULL = 0,
  IMPS_MIKEY_SRTP_AUTH_HMAC_SHA1 = 1,
  IMPS_MIKEY_SRTP_AUTH_RCCM1 = 2,
  IMPS_MIKEY_SRTP_AUTH_RCCM2 = 3,
  IMPS_MIKEY_SRTP_AUTH_RCCM3 = 4,
} ImpsMikeySrtpAuthAlg;

/* General Extension types. */
typedef enum {
  IMPS_MIKEY_EXT_VENDOR_ID = 0,
  IMPS_MIKEY_EXT_SDP_IDS = 1,
  IMPS_MIKEY_EXT_TESLA_IKEY = 2,
  IMPS_MIKEY_EXT_KEY_ID = 3,
  IMPS_MIKEY_EXT_CSB_ID = 4,
  IMPS_MIKEY_EXT_OMA_BCAST = 5,
} ImpsMikeyExtType;

/* PKE cache indicator, SIGN type, DH group. */
typedef enum {
  IMPS_MIKEY_PKE_NO_CACHE = 0,
  IMPS_MIKEY_PKE_CACHE = 1,
  IMPS_MIKEY_PKE_CACHE_CSB = 2,
} ImpsMikeyPkeCache;

typedef enum {
  IMPS_MIKEY_SIGN_RSA_PKCS1 = 0,
  IMPS_MIKEY_SIGN_RSA_PSS = 1,
  IMPS_MIKEY_SIGN_ECCSI = 2,
} ImpsMikeySignType;

typedef enum {
  IMPS_MIKEY_DH_OAKLEY5 = 0,
  IMPS_MIKEY_DH_OAKLEY1 = 1,
  IMPS_MIKEY_DH_OAKLEY2 = 2,
} ImpsMikeyDhGroup;

/* DH value length of @group in bytes, or -1 when unknown. */
gint imps_mikey_dh_group_len (guint group);

/* Names for output; NULL when the table has no such value. */
const gchar *imps_mikey_data_type_name (guint v);
const gchar *imps_mikey_payload_type_name (guint v);
const gchar *imps_mikey_prf_name (guint v);
const gchar *imps_mikey_cs_map_type_name (guint v);
const gchar *imps_mikey_prot_type_name (guint v);
const gchar *imps_mikey_encr_alg_name (guint v);
const gchar *imps_mikey_mac_alg_name (guint v);
const gchar *imps_mikey_key_type_name (guint v);
const gchar *imps_mikey_kv_type_name (guint v);
const gchar *imps_mikey_ts_type_name (guint v);
const gchar *imps_mikey_id_type_name (guint v);
const gchar *imps_mikey_cert_type_name (guint v);
const gchar *imps_mikey_hash_func_name (guint v);
const gchar *imps_mikey_err_no_name (guint v);
const gchar *imps_mikey_ts_role_name (guint v);
const gchar *imps_mikey_id_role_name (guint v);
const gchar *imps_mikey_rand_role_name (guint v);
const gchar *imps_mikey_ticket_type_name (guint v);
const gchar *imps_mikey_sp_srtp_param_name (guint v);
const gchar *imps_mikey_srtp_encr_alg_name (guint v);
const gchar *imps_mikey_srtp_auth_alg_name (guint v);
const gchar *imps_mikey_ext_type_name (guint v);
const gchar *imps_mikey_pke_cache_name (guint v);
const gchar *imps_mikey_sign_type_name (guint v);
const gchar *imps_mikey_dh_group_name (guint v);

G_END_DECLS
