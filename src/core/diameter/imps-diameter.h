/* Diameter (RFC 6733) message and AVP codec.
 *
 * A parsed ImpsDiameterMessage owns a copy of the wire bytes (wiped when
 * freed, since answers carry keys) and a flat array of every AVP in
 * document order. AVPs that the dictionary (imps-diameter-dict.h) knows as
 * Grouped are parsed recursively, up to IMPS_DIAMETER_MAX_DEPTH levels; any
 * other AVP's data may still be walked as a group on demand with
 * ImpsDiameterAvpIter. Every AVP's data points into the message's copy.
 *
 * ImpsDiameterBuilder appends AVPs to a new message and fills in every
 * length and padding; imps_diameter_builder_finish() returns the bytes.
 *
 * Limits: a message is at most IMPS_DIAMETER_MAX_MESSAGE bytes and holds at
 * most IMPS_DIAMETER_MAX_AVPS AVPs (counting those inside groups).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_DIAMETER_ERROR (imps_diameter_error_quark ())
GQuark imps_diameter_error_quark (void);

typedef enum {
  IMPS_DIAMETER_ERROR_TRUNCATED,       /* fewer bytes than a header or the message length */
  IMPS_DIAMETER_ERROR_BAD_VERSION,     /* version is not 1 */
  IMPS_DIAMETER_ERROR_BAD_LENGTH,      /* message length < 20, not a multiple of 4, or not the input length */
  IMPS_DIAMETER_ERROR_TOO_LARGE,       /* message length over IMPS_DIAMETER_MAX_MESSAGE */
  IMPS_DIAMETER_ERROR_BAD_HEADER_BITS, /* reserved header flags set, or E with R */
  IMPS_DIAMETER_ERROR_AVP_LENGTH,      /* AVP length below its header, or past the end of its container */
  IMPS_DIAMETER_ERROR_AVP_BITS,        /* reserved AVP flags set */
  IMPS_DIAMETER_ERROR_TOO_DEEP,        /* grouped AVPs nested deeper than IMPS_DIAMETER_MAX_DEPTH */
  IMPS_DIAMETER_ERROR_TOO_MANY_AVPS,   /* more than IMPS_DIAMETER_MAX_AVPS */
  IMPS_DIAMETER_ERROR_MISSING_AVP,     /* a required AVP is absent */
  IMPS_DIAMETER_ERROR_INVALID_AVP,     /* an AVP value of the wrong size or form */
  IMPS_DIAMETER_ERROR_UNEXPECTED,      /* not the command, application or R flag asked for */
  IMPS_DIAMETER_ERROR_AVP_UNSUPPORTED, /* an AVP with the M bit that this project does not know */
} ImpsDiameterError;

/* The AVP an IMPS_DIAMETER_ERROR is about, for Failed-AVP (RFC 6733
 * §7.5): a present AVP by the offset of its header in the message, or a
 * missing one by vendor and code. */
typedef enum {
  IMPS_DIAMETER_ERROR_AVP_NONE,
  IMPS_DIAMETER_ERROR_AVP_PRESENT,
  IMPS_DIAMETER_ERROR_AVP_MISSING,
} ImpsDiameterErrorAvpKind;

typedef struct {
  ImpsDiameterErrorAvpKind kind;
  guint32 offset;   /* PRESENT: AVP header offset in the message */
  guint32 vendor;   /* MISSING */
  guint32 code;     /* MISSING */
} ImpsDiameterErrorAvp;

/* FALSE when @error is not an IMPS_DIAMETER_ERROR or names no AVP. */
gboolean imps_diameter_error_get_avp (const GError *error, ImpsDiameterErrorAvp *out);

/* Maps a parse error of IMPS_DIAMETER_ERROR to the Result-Code an answer
 * should carry (RFC 6733 §7.1): 5005 for a missing AVP, 5014 for an AVP
 * length, 5015 for a message length, 5004 for a bad value, 3008 for header
 * bits, ... Any other error gives 5012 (UNABLE_TO_COMPLY). */
guint32 imps_diameter_error_result_code (const GError *error);

#define IMPS_DIAMETER_VERSION 1
#define IMPS_DIAMETER_HEADER_SIZE 20
#define IMPS_DIAMETER_MAX_MESSAGE (64 * 1024)
#define IMPS_DIAMETER_MAX_AVPS 1024
#define IMPS_DIAMETER_MAX_DEPTH 8

/* Header flags (RFC 6733 §3). */
#define IMPS_DIAMETER_FLAG_R 0x80
#define IMPS_DIAMETER_FLAG_P 0x40
#define IMPS_DIAMETER_FLAG_E 0x20
#define IMPS_DIAMETER_FLAG_T 0x10

/* AVP flags (RFC 6733 §4.1). */
#define IMPS_DIAMETER_AVP_FLAG_V 0x80
#define IMPS_DIAMETER_AVP_FLAG_M 0x40
#define IMPS_DIAMETER_AVP_FLAG_P 0x20

/* Command codes. */
#define IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE 257
#define IMPS_DIAMETER_CMD_DEVICE_WATCHDOG 280
#define IMPS_DIAMETER_CMD_DISCONNECT_PEER 282
#define IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH 303      /* Zh MAR/MAA, gba.md §9.1 */
#define IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO 310   /* Zn BIR/BIA, gba.md §10.1 */

/* Application ids and vendors. */
#define IMPS_DIAMETER_APP_COMMON 0
#define IMPS_DIAMETER_APP_ZN 16777220
#define IMPS_DIAMETER_APP_ZH 16777221
#define IMPS_DIAMETER_VENDOR_NONE 0
#define IMPS_DIAMETER_VENDOR_3GPP 10415

/* Base AVP codes (RFC 6733 §4.5), vendor 0. */
#define IMPS_DIAMETER_AVP_USER_NAME 1
#define IMPS_DIAMETER_AVP_HOST_IP_ADDRESS 257
#define IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID 258
#define IMPS_DIAMETER_AVP_ACCT_APPLICATION_ID 259
#define IMPS_DIAMETER_AVP_VENDOR_SPECIFIC_APPLICATION_ID 260
#define IMPS_DIAMETER_AVP_REDIRECT_HOST_USAGE 261
#define IMPS_DIAMETER_AVP_REDIRECT_MAX_CACHE_TIME 262
#define IMPS_DIAMETER_AVP_SESSION_ID 263
#define IMPS_DIAMETER_AVP_ORIGIN_HOST 264
#define IMPS_DIAMETER_AVP_SUPPORTED_VENDOR_ID 265
#define IMPS_DIAMETER_AVP_VENDOR_ID 266
#define IMPS_DIAMETER_AVP_FIRMWARE_REVISION 267
#define IMPS_DIAMETER_AVP_RESULT_CODE 268
#define IMPS_DIAMETER_AVP_PRODUCT_NAME 269
#define IMPS_DIAMETER_AVP_DISCONNECT_CAUSE 273
#define IMPS_DIAMETER_AVP_AUTH_SESSION_STATE 277
#define IMPS_DIAMETER_AVP_ORIGIN_STATE_ID 278
#define IMPS_DIAMETER_AVP_FAILED_AVP 279
#define IMPS_DIAMETER_AVP_PROXY_HOST 280
#define IMPS_DIAMETER_AVP_ERROR_MESSAGE 281
#define IMPS_DIAMETER_AVP_ROUTE_RECORD 282
#define IMPS_DIAMETER_AVP_DESTINATION_REALM 283
#define IMPS_DIAMETER_AVP_PROXY_INFO 284
#define IMPS_DIAMETER_AVP_ERROR_REPORTING_HOST 294
#define IMPS_DIAMETER_AVP_DESTINATION_HOST 293
#define IMPS_DIAMETER_AVP_ORIGIN_REALM 296
#define IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT 297
#define IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE 298
#define IMPS_DIAMETER_AVP_INBAND_SECURITY_ID 299
#define IMPS_DIAMETER_AVP_PROXY_STATE 33

/* 3GPP AVP codes (vendor 10415), gba.md §9.2 and §10.2. */
#define IMPS_DIAMETER_AVP_GBA_USERSECSETTINGS 400
#define IMPS_DIAMETER_AVP_TRANSACTION_IDENTIFIER 401
#define IMPS_DIAMETER_AVP_NAF_ID 402
#define IMPS_DIAMETER_AVP_GAA_SERVICE_IDENTIFIER 403
#define IMPS_DIAMETER_AVP_KEY_EXPIRYTIME 404
#define IMPS_DIAMETER_AVP_ME_KEY_MATERIAL 405
#define IMPS_DIAMETER_AVP_UICC_KEY_MATERIAL 406
#define IMPS_DIAMETER_AVP_GBA_U_AWARENESS_INDICATOR 407
#define IMPS_DIAMETER_AVP_BOOTSTRAPINFO_CREATIONTIME 408
#define IMPS_DIAMETER_AVP_GUSS_TIMESTAMP 409
#define IMPS_DIAMETER_AVP_GBA_TYPE 410
#define IMPS_DIAMETER_AVP_UE_ID 411
#define IMPS_DIAMETER_AVP_UE_ID_TYPE 412
#define IMPS_DIAMETER_AVP_UICC_APP_LABEL 413
#define IMPS_DIAMETER_AVP_UICC_ME 414
#define IMPS_DIAMETER_AVP_REQUESTED_KEY_LIFETIME 415
#define IMPS_DIAMETER_AVP_PRIVATE_IDENTITY_REQUEST 416
#define IMPS_DIAMETER_AVP_GBA_PUSH_INFO 417
#define IMPS_DIAMETER_AVP_NAF_SA_IDENTIFIER 418
#define IMPS_DIAMETER_AVP_PUBLIC_IDENTITY 601
#define IMPS_DIAMETER_AVP_SIP_NUMBER_AUTH_ITEMS 607
#define IMPS_DIAMETER_AVP_SIP_AUTHENTICATION_SCHEME 608
#define IMPS_DIAMETER_AVP_SIP_AUTHENTICATE 609
#define IMPS_DIAMETER_AVP_SIP_AUTHORIZATION 610
#define IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM 612
#define IMPS_DIAMETER_AVP_SIP_ITEM_NUMBER 613
#define IMPS_DIAMETER_AVP_CONFIDENTIALITY_KEY 625
#define IMPS_DIAMETER_AVP_INTEGRITY_KEY 626

/* Result-Code values (RFC 6733 §7.1). */
#define IMPS_DIAMETER_MULTI_ROUND_AUTH 1001
#define IMPS_DIAMETER_SUCCESS 2001
#define IMPS_DIAMETER_LIMITED_SUCCESS 2002
#define IMPS_DIAMETER_COMMAND_UNSUPPORTED 3001
#define IMPS_DIAMETER_UNABLE_TO_DELIVER 3002
#define IMPS_DIAMETER_REALM_NOT_SERVED 3003
#define IMPS_DIAMETER_TOO_BUSY 3004
#define IMPS_DIAMETER_LOOP_DETECTED 3005
#define IMPS_DIAMETER_REDIRECT_INDICATION 3006
#define IMPS_DIAMETER_APPLICATION_UNSUPPORTED 3007
#define IMPS_DIAMETER_INVALID_HDR_BITS 3008
#define IMPS_DIAMETER_INVALID_AVP_BITS 3009
#define IMPS_DIAMETER_UNKNOWN_PEER 3010
#define IMPS_DIAMETER_AUTHENTICATION_REJECTED 4001
#define IMPS_DIAMETER_OUT_OF_SPACE 4002
#define IMPS_DIAMETER_ELECTION_LOST 4003
#define IMPS_DIAMETER_AVP_UNSUPPORTED 5001
#define IMPS_DIAMETER_UNKNOWN_SESSION_ID 5002
#define IMPS_DIAMETER_AUTHORIZATION_REJECTED 5003
#define IMPS_DIAMETER_INVALID_AVP_VALUE 5004
#define IMPS_DIAMETER_MISSING_AVP 5005
#define IMPS_DIAMETER_RESOURCES_EXCEEDED 5006
#define IMPS_DIAMETER_CONTRADICTING_AVPS 5007
#define IMPS_DIAMETER_AVP_NOT_ALLOWED 5008
#define IMPS_DIAMETER_AVP_OCCURS_TOO_MANY_TIMES 5009
#define IMPS_DIAMETER_NO_COMMON_APPLICATION 5010
#define IMPS_DIAMETER_UNSUPPORTED_VERSION 5011
#define IMPS_DIAMETER_UNABLE_TO_COMPLY 5012
#define IMPS_DIAMETER_INVALID_BIT_IN_HEADER 5013
#define IMPS_DIAMETER_INVALID_AVP_LENGTH 5014
#define IMPS_DIAMETER_INVALID_MESSAGE_LENGTH 5015
#define IMPS_DIAMETER_INVALID_AVP_BIT_COMBO 5016
#define IMPS_DIAMETER_NO_COMMON_SECURITY 5017

/* Experimental-Result-Code values, vendor 10415 (gba.md §10.3; 4181 from
 * TS 29.272, the code the HSS uses when it has no vector to give). */
#define IMPS_DIAMETER_ERROR_AUTHENTICATION_DATA_UNAVAILABLE 4181
#define IMPS_DIAMETER_ERROR_IDENTITY_UNKNOWN 5401
#define IMPS_DIAMETER_ERROR_NOT_AUTHORIZED 5402
#define IMPS_DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID 5403

/* Names such as "DIAMETER_SUCCESS", or NULL for a code this table does not
 * know. @experimental selects the 3GPP Experimental-Result-Code table. */
const gchar *imps_diameter_result_code_name (guint32 code, gboolean experimental);

/* Auth-Session-State values. */
#define IMPS_DIAMETER_STATE_MAINTAINED 0
#define IMPS_DIAMETER_NO_STATE_MAINTAINED 1

/* Disconnect-Cause values. */
#define IMPS_DIAMETER_DISCONNECT_REBOOTING 0
#define IMPS_DIAMETER_DISCONNECT_BUSY 1
#define IMPS_DIAMETER_DISCONNECT_DO_NOT_WANT_TO_TALK_TO_YOU 2

/* Address families of the Address type (IANA address family numbers). */
#define IMPS_DIAMETER_ADDRESS_IPV4 1
#define IMPS_DIAMETER_ADDRESS_IPV6 2

/* One AVP. @data points into the message (or the buffer walked); @len
 * excludes the padding. @offset is the byte offset of the AVP header in the
 * message. In an ImpsDiameterMessage, @next is the index of the next AVP at
 * the same level (children of a grouped AVP are at index+1 .. next-1). */
typedef struct {
  guint32 code;
  guint8 flags;
  guint8 depth;
  guint32 vendor_id;   /* 0 when the V flag is clear */
  const guint8 *data;
  guint32 len;
  guint32 offset;
  guint32 next;
} ImpsDiameterAvp;

/* Reads AVPs one by one from a buffer (a message body, or a grouped AVP's
 * data). @base_offset is the message offset of @data, for error messages. */
typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  gsize base_offset;
} ImpsDiameterAvpIter;

void imps_diameter_avp_iter_init (ImpsDiameterAvpIter *iter, const guint8 *data,
                                  gsize len, gsize base_offset);
/* Reads the next AVP into @avp (depth 0, next 0). Returns FALSE at the end
 * (error unset) or on a malformed AVP (error set, naming the AVP code and
 * offset). */
gboolean imps_diameter_avp_iter_next (ImpsDiameterAvpIter *iter,
                                      ImpsDiameterAvp *avp, GError **error);

typedef struct {
  guint8 version;
  guint8 flags;
  guint32 command;
  guint32 application_id;
  guint32 hop_by_hop;
  guint32 end_to_end;
  guint8 *raw;          /* the message bytes (owned, wiped when freed) */
  gsize raw_len;
  GArray *avps;         /* of ImpsDiameterAvp, document order, groups flattened */
} ImpsDiameterMessage;

/* For TCP framing: given the first @len bytes of a stream, returns the
 * length of the whole message, or 0 when fewer than 4 bytes are known yet,
 * or -1 with @error set when the header cannot start a valid message (bad
 * version, known from the first byte; length < 20 or not a multiple of 4,
 * or over the maximum). */
gssize imps_diameter_frame_length (const guint8 *data, gsize len, GError **error);

/* Parses exactly one message: @len must equal the length in the header.
 * Free with imps_diameter_message_free(). */
ImpsDiameterMessage *imps_diameter_message_parse (const guint8 *data, gsize len,
                                                  GError **error);
void imps_diameter_message_free (ImpsDiameterMessage *msg);

static inline gboolean
imps_diameter_message_is_request (const ImpsDiameterMessage *msg)
{
  return (msg->flags & IMPS_DIAMETER_FLAG_R) != 0;
}

static inline const ImpsDiameterAvp *
imps_diameter_message_avp (const ImpsDiameterMessage *msg, guint index)
{
  return &g_array_index (msg->avps, ImpsDiameterAvp, index);
}

/* Index of the first top-level AVP (@vendor, @code), or -1. */
gint imps_diameter_message_find (const ImpsDiameterMessage *msg,
                                 guint32 vendor, guint32 code);
/* Index of the first child (@vendor, @code) of the grouped AVP at index
 * @parent, or -1. */
gint imps_diameter_message_find_child (const ImpsDiameterMessage *msg, guint parent,
                                       guint32 vendor, guint32 code);
/* Number of top-level AVPs (@vendor, @code). */
guint imps_diameter_message_count (const ImpsDiameterMessage *msg,
                                   guint32 vendor, guint32 code);

/* Typed reads of one AVP's data. Each fails with
 * IMPS_DIAMETER_ERROR_INVALID_AVP naming the code and offset when the size
 * or form is wrong. */
gboolean imps_diameter_avp_get_u32 (const ImpsDiameterAvp *avp, guint32 *out, GError **error);
gboolean imps_diameter_avp_get_u64 (const ImpsDiameterAvp *avp, guint64 *out, GError **error);
gboolean imps_diameter_avp_get_i32 (const ImpsDiameterAvp *avp, gint32 *out, GError **error);
gboolean imps_diameter_avp_get_i64 (const ImpsDiameterAvp *avp, gint64 *out, GError **error);
/* Valid UTF-8 with no NUL; returns a new string. */
gchar *imps_diameter_avp_dup_utf8 (const ImpsDiameterAvp *avp, GError **error);
/* Address: @family is IMPS_DIAMETER_ADDRESS_IPV4 or _IPV6; @addr gets 4 or
 * 16 bytes. Other families are refused. */
gboolean imps_diameter_avp_get_address (const ImpsDiameterAvp *avp, guint16 *family,
                                        guint8 addr[16], GError **error);
/* Copies exactly @len bytes (an AVP of another size is refused). */
gboolean imps_diameter_avp_get_fixed (const ImpsDiameterAvp *avp, guint8 *out,
                                      gsize len, GError **error);

/* Diameter Time (RFC 6733 §4.3.1): 32-bit NTP seconds. Values with the top
 * bit clear are read as NTP era 1 (from 2036), as RFC 6733 says. */
guint32 imps_diameter_time_from_unix (gint64 unix_seconds);
gint64 imps_diameter_time_to_unix (guint32 ntp_seconds);

/* Builder. */
typedef struct _ImpsDiameterBuilder ImpsDiameterBuilder;

ImpsDiameterBuilder *imps_diameter_builder_new (guint8 flags, guint32 command,
                                                guint32 application_id,
                                                guint32 hop_by_hop,
                                                guint32 end_to_end);
/* An answer to @request: same command, application, hop-by-hop and
 * end-to-end ids; R, E and T cleared, P kept; the request's Session-Id (if
 * any) copied as the first AVP. */
ImpsDiameterBuilder *imps_diameter_builder_new_answer (const ImpsDiameterMessage *request);
void imps_diameter_builder_free (ImpsDiameterBuilder *b);
void imps_diameter_builder_set_flags (ImpsDiameterBuilder *b, guint8 flags);

/* Each add function writes one AVP. @flags are the AVP flags; the V flag is
 * set when @vendor is not 0 and cleared otherwise. */
void imps_diameter_builder_add_octets (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                       guint32 vendor, const guint8 *data, gsize len);
void imps_diameter_builder_add_u32 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                    guint32 vendor, guint32 value);
void imps_diameter_builder_add_u64 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                    guint32 vendor, guint64 value);
void imps_diameter_builder_add_i32 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                    guint32 vendor, gint32 value);
void imps_diameter_builder_add_i64 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                    guint32 vendor, gint64 value);
/* UTF8String and DiameterIdentity (the same bytes on the wire). */
void imps_diameter_builder_add_utf8 (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                     guint32 vendor, const gchar *text);
#define imps_diameter_builder_add_identity imps_diameter_builder_add_utf8
/* Address: the 2-byte family then 4 (IPv4) or 16 (IPv6) bytes. */
void imps_diameter_builder_add_address (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                        guint32 vendor, guint16 family,
                                        const guint8 *addr, gsize addr_len);
/* Same from text ("127.0.0.1", "::1"); FALSE (nothing written) when the
 * text is not an address. */
gboolean imps_diameter_builder_add_address_text (ImpsDiameterBuilder *b, guint32 code,
                                                 guint8 flags, guint32 vendor,
                                                 const gchar *text);
/* Time: NTP seconds (imps_diameter_time_from_unix()). */
void imps_diameter_builder_add_time (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                     guint32 vendor, guint32 ntp_seconds);
/* Grouped: AVPs added between begin and end go inside. At most
 * IMPS_DIAMETER_MAX_DEPTH open groups. */
void imps_diameter_builder_begin_group (ImpsDiameterBuilder *b, guint32 code, guint8 flags,
                                        guint32 vendor);
void imps_diameter_builder_end_group (ImpsDiameterBuilder *b);
/* Copies an AVP (header, data, padding) as it is. */
void imps_diameter_builder_add_avp (ImpsDiameterBuilder *b, const ImpsDiameterAvp *avp);

/* Adds Failed-AVP (RFC 6733 §7.5) for @error, a parse error of the
 * message @raw: a copy of the offending AVP; for 5014, its header with a
 * zero payload of the type's minimum length; for a missing AVP, an example
 * with a zero value of minimum length. Nothing when @error names no AVP. */
void imps_diameter_builder_add_failed_avp (ImpsDiameterBuilder *b, const guint8 *raw,
                                           gsize raw_len, const GError *error);

/* Header flags of an answer to a request with @request_flags carrying
 * @result_code: P copied, E only for protocol errors (3xxx, RFC 6733
 * §7.1.3 and §7.2). */
guint8 imps_diameter_answer_flags (guint8 request_flags, guint32 result_code);

/* RFC 6733 §3 and §4.1: the first AVP (depth-first, groups included) with
 * the M bit that the dictionary does not know, as an
 * IMPS_DIAMETER_ERROR_AVP_UNSUPPORTED error naming it (5001). TRUE when
 * there is none. */
gboolean imps_diameter_message_check_mandatory (const ImpsDiameterMessage *msg,
                                                GError **error);

/* Fills in the message length and returns the bytes; the builder is freed.
 * The returned GBytes wipes its memory when freed. All groups must be
 * closed. */
GBytes *imps_diameter_builder_finish (ImpsDiameterBuilder *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterMessage, imps_diameter_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterBuilder, imps_diameter_builder_free)

G_END_DECLS
