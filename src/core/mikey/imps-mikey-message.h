/* MIKEY / MIKEY-TICKET messages: HDR plus an ordered chain of payloads
 * (mikey-ticket.md §4.1, §5.2-5.3, §7).
 *
 * Parse is strict: a truncated field, a length past the end, an unknown
 * payload type, a payload the data type forbids (e.g. ID or RAND in a
 * MIKEY-TICKET message, SIGN in a PSK message), a duplicate where one is not
 * allowed, a missing mandatory payload, more than IMPS_MIKEY_MAX_PAYLOADS
 * payloads or more than IMPS_MIKEY_MAX_MESSAGE_SIZE bytes each give
 * IMPS_MIKEY_ERROR_MALFORMED with a message naming the payload and the byte
 * offset. A well-formed payload that the data type does not list is kept
 * with `unexpected` set (RFC 6043: unexpected payloads are ignored).
 *
 * Building: imps_mikey_message_new() with the HDR values, then append
 * payloads in order (imps_mikey_message_add() or the chain's add functions
 * on &msg->body); imps_mikey_message_serialize() writes the bytes, sets
 * every Next Payload (HDR's included) and records all offsets. To fill in a
 * MAC: build with the V's MAC NULL (zero bytes), serialise, compute the MAC
 * over msg->body.raw up to v.mac_offset (plus what §7 appends), then
 * imps_mikey_message_set_v_mac().
 */
#pragma once

#include "imps-mikey-payload.h"

#include <glib.h>

G_BEGIN_DECLS

/* One crypto session of the HDR's CS ID map (§4.1, A-10).
 *
 * SRTP-ID (map type 0): policy_no, ssrc, roc; cs_id is the 1-based index.
 * GENERIC-ID (map type 2): cs_id, prot_type, s_flag, policies (#P Policy_no
 * bytes), session_data and spi. For Prot type SRTP, parse also decodes
 * session_data into ssrc (and with S = 1 roc and seq) and sets has_ssrc;
 * build writes session_data as given when it is non-empty, otherwise SSRC
 * (and ROC and SEQ when s_flag) when has_ssrc, otherwise nothing. */
typedef struct {
  guint8 cs_id;
  guint8 policy_no;
  guint8 prot_type;
  gboolean s_flag;
  ImpsMikeyBytes policies;
  ImpsMikeyBytes session_data;
  ImpsMikeyBytes spi;
  gboolean has_ssrc;
  guint32 ssrc;
  guint32 roc;
  guint16 seq;
} ImpsMikeyCsInfo;

/* The HDR. The V flag is kept as received and never checked by the codec
 * ignored on receipt except in a CSB-update TRANSFER_INIT). */
typedef struct {
  guint8 version;           /* 1 */
  guint8 data_type;         /* ImpsMikeyDataType */
  guint8 next_payload;      /* as parsed / as last serialised */
  gboolean v;
  guint8 prf;               /* 7 bits */
  guint32 csb_id;
  guint8 n_cs;              /* #CS */
  guint8 map_type;          /* ImpsMikeyCsMapType */
  ImpsMikeyCsInfo *cs;      /* n_cs entries (none for the Empty map) */
  gsize length;             /* HDR size in bytes (offset is 0) */
} ImpsMikeyHdr;

/* A message. body.raw / body.raw_len are the whole message bytes (HDR
 * included) as parsed or last serialised; payload offsets count from its
 * first byte. */
typedef struct {
  ImpsMikeyHdr hdr;
  ImpsMikeyChain body;
} ImpsMikeyMessage;

/* A new message with an empty chain; @n_cs crypto sessions to be filled in
 * msg->hdr.cs[0 .. n_cs-1] (zeroed; for SRTP-ID and GENERIC-ID the caller
 * sets the fields). Version is 1. */
ImpsMikeyMessage *imps_mikey_message_new (guint8 data_type, gboolean v, guint8 prf,
                                          guint32 csb_id, guint8 map_type, guint8 n_cs);
void imps_mikey_message_free (ImpsMikeyMessage *msg);

/* Copies the CS info (its views deep-copied) into hdr.cs[@index]. */
void imps_mikey_message_set_cs (ImpsMikeyMessage *msg, guint index, const ImpsMikeyCsInfo *cs);

/* Parses @len bytes at @data (copied; the message owns its copy). */
ImpsMikeyMessage *imps_mikey_message_parse (const guint8 *data, gsize len, GError **error);

/* Appends a deep copy of @p; returns the stored payload. */
ImpsMikeyPayload *imps_mikey_message_add (ImpsMikeyMessage *msg, const ImpsMikeyPayload *p);

/* A message with @msg's HDR (without CS map) and a deep copy of @p alone,
 * in memory sized to it (@copy: the stored payload): what a long-lived
 * holder keeps of a parsed message, such as a held ticket its TICKET. It
 * is not for writing (no raw bytes). */
ImpsMikeyMessage *imps_mikey_message_keep_payload (const ImpsMikeyMessage *msg,
                                                   const ImpsMikeyPayload *p,
                                                   const ImpsMikeyPayload **copy);

/* Serialises into msg->body.raw (owned by @msg, valid until the next
 * serialise or free) and records offsets. NULL with an error when a value
 * does not fit its field or the message exceeds the size limit. */
const guint8 *imps_mikey_message_serialize (ImpsMikeyMessage *msg, gsize *len, GError **error);
/* The same, as a new GBytes. */
GBytes *imps_mikey_message_to_bytes (ImpsMikeyMessage *msg, GError **error);

/* Copies @mac into the V payload's MAC field (payload and raw bytes; the
 * message must be serialised). FALSE when there is no V or the length does
 * not match its Auth alg. */
gboolean imps_mikey_message_set_v_mac (ImpsMikeyMessage *msg, const guint8 *mac, gsize len);

/* Sets the TICKET payload's Initiator Data (copied) and serialises the
 * message again (offsets after it move). */
gboolean imps_mikey_message_set_initiator_data (ImpsMikeyMessage *msg, const guint8 *data,
                                                gsize len, GError **error);

/* Lookups over the message's top-level payloads (not TP Data). */
const ImpsMikeyPayload *imps_mikey_message_find (const ImpsMikeyMessage *msg, guint type);
const ImpsMikeyPayload *imps_mikey_message_find_idr (const ImpsMikeyMessage *msg, guint8 role);
const ImpsMikeyPayload *imps_mikey_message_find_randr (const ImpsMikeyMessage *msg, guint8 role);
/* All IDR of @role (e.g. every IDRr); returns the count, fills up to @max. */
guint imps_mikey_message_find_all_idr (const ImpsMikeyMessage *msg, guint8 role,
                                       const ImpsMikeyPayload **out, guint max);

/* What a data type allows (§5.2, RFC 3830 §3 for 0-10). */
typedef enum {
  IMPS_MIKEY_USE_UNEXPECTED,   /* not listed: kept and ignored */
  IMPS_MIKEY_USE_ALLOWED,      /* optional */
  IMPS_MIKEY_USE_REQUIRED,     /* mandatory (min >= 1) */
  IMPS_MIKEY_USE_FORBIDDEN,    /* a parse error */
} ImpsMikeyPayloadUse;

typedef struct {
  guint payload_type;          /* ImpsMikeyPayloadType */
  guint8 role;                 /* for IDR, RANDR, TR; 0 = any role */
  guint8 min;
  guint8 max;                  /* 255 = no limit */
} ImpsMikeyPayloadRule;

typedef struct {
  guint8 data_type;
  const ImpsMikeyPayloadRule *rules;
  guint n_rules;
  const guint8 *forbidden;     /* payload types that make the message malformed */
  guint n_forbidden;
} ImpsMikeyDataTypeRules;

/* The rules of @data_type, or NULL for a data type without rules (then
 * every well-formed payload is accepted). */
const ImpsMikeyDataTypeRules *imps_mikey_data_type_rules (guint8 data_type);

/* How @data_type treats a payload of @payload_type and @role; @min/@max
 * (may be NULL) receive the count limits. */
ImpsMikeyPayloadUse imps_mikey_data_type_payload_use (guint8 data_type, guint payload_type,
                                                      guint8 role, guint *min, guint *max);

/* Checks the payloads of @msg against its data type (parse does this). */
gboolean imps_mikey_message_check_payloads (const ImpsMikeyMessage *msg, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMikeyMessage, imps_mikey_message_free)

G_END_DECLS
