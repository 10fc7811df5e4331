/* MIKEY / MIKEY-TICKET payloads: value types, parse and build
 * (mikey-ticket.md §2-§4).
 *
 * Ownership. A payload is a plain tagged struct (ImpsMikeyPayload). Its byte
 * fields (ImpsMikeyBytes) are views: in a payload that lives in a container
 * (ImpsMikeyChain, or the chain of an ImpsMikeyMessage) they point into
 * memory that the container owns (the copy of the parsed input, or copies
 * made when the payload was added), valid until the container is freed. A
 * payload that the caller fills in to pass to imps_mikey_chain_add() may
 * point anywhere: add() copies everything it points to (deep copy), so the
 * caller's buffers can be freed right after. Containers wipe all their
 * memory when freed (they may hold NULL-encrypted key data).
 *
 * Offsets. Every payload in a container records `offset` and `length`: the
 * position of its first byte (its Next Payload byte, or for SIGN its S type)
 * and its size, counted from the start of the outermost buffer that was
 * parsed or serialised (the whole MIKEY message, HDR included; for a chain
 * parsed on its own, the start of that chain's bytes). Payloads nested in a
 * TP's TP Data, a TICKET's Initiator Data, or the TICKET's TP Data count from
 * the same origin. V and KEMAC record where their MAC field is; TICKET
 * records its Ticket Data, Initiator Data length and Initiator Data.
 *
 * Key data sub-payloads (inside a decrypted KEMAC) are parsed into a caller
 * array with views into the caller's plaintext (no allocation, no copy of
 * key material): the caller wipes its plaintext.
 */
#pragma once

#include "imps-mikey-types.h"

#include <glib.h>

G_BEGIN_DECLS

/* Hard limits (§2 of the task profile: 64 payloads, 64 KiB). */
#define IMPS_MIKEY_MAX_PAYLOADS 64
#define IMPS_MIKEY_MAX_MESSAGE_SIZE (64 * 1024)
#define IMPS_MIKEY_MAX_KEY_DATA 64

typedef struct {
  const guint8 *data;
  gsize len;
} ImpsMikeyBytes;

/* T (Next Payload 5) and TR (13). role is 0 for T. value holds the TS value
 * as on the wire: 8 bytes for NTP-UTC and NTP, the 4-byte value (in the low
 * 32 bits) for COUNTER and NTP-UTC-32. */
typedef struct {
  guint8 role;
  guint8 ts_type;
  guint64 value;
} ImpsMikeyTimestamp;

/* The 64-bit form used where 64 bits are needed (the KEMAC IV): COUNTER is
 * zero-extended on the left, NTP-UTC-32 gets a zero fraction. */
guint64 imps_mikey_timestamp_to_64 (const ImpsMikeyTimestamp *ts);

/* ID (6), IDR (14), CERT (7). role is 0 for ID and CERT; id_type holds the
 * Cert type for CERT. */
typedef struct {
  guint8 role;
  guint8 id_type;
  ImpsMikeyBytes data;
} ImpsMikeyId;

/* RAND (11) and RANDR (15); role is 0 for RAND. */
typedef struct {
  guint8 role;
  ImpsMikeyBytes data;
} ImpsMikeyRand;

/* V (9). mac.len is implied by auth_alg (imps_mikey_mac_alg_len()).
 * mac_offset: where the MAC field starts (same origin as offset). */
typedef struct {
  guint8 auth_alg;
  ImpsMikeyBytes mac;
  gsize mac_offset;
} ImpsMikeyV;

/* ERR (12). */
typedef struct {
  guint8 error_no;
  guint16 reserved;
} ImpsMikeyErr;

/* One TLV of an SP payload. */
typedef struct {
  guint8 type;
  ImpsMikeyBytes value;     /* 0..255 bytes */
} ImpsMikeySpParam;

/* SP (10). params: n_params TLVs in wire order. Values are kept as bytes
 * (any length 0..255, any type): which values a node accepts, e.g. only
 * KDR 0, is policy, not syntax. */
typedef struct {
  guint8 policy_no;
  guint8 prot_type;
  ImpsMikeySpParam *params;
  guint n_params;
} ImpsMikeySp;

/* The first parameter of @type, or NULL. */
const ImpsMikeySpParam *imps_mikey_sp_find_param (const ImpsMikeySp *sp, guint8 type);

/* KEMAC (1). encr_data is the raw (normally encrypted) key-data chain;
 * mac.len is implied by mac_alg. */
typedef struct {
  guint8 encr_alg;
  ImpsMikeyBytes encr_data;
  guint8 mac_alg;
  ImpsMikeyBytes mac;
  gsize encr_data_offset;
  gsize mac_offset;
} ImpsMikeyKemac;

/* General Extension (21). */
typedef struct {
  guint8 ext_type;
  ImpsMikeyBytes data;
} ImpsMikeyGeneralExt;

/* PKE (2): cache indicator (2 bits) and data. */
typedef struct {
  guint8 cache;
  ImpsMikeyBytes data;
} ImpsMikeyPke;

/* SIGN (4): S type (4 bits) and signature (length 12 bits). No Next
 * Payload; always the last payload. */
typedef struct {
  guint8 sign_type;
  ImpsMikeyBytes signature;
} ImpsMikeySign;

/* CHASH (8): hash length implied by hash_func. */
typedef struct {
  guint8 hash_func;
  ImpsMikeyBytes hash;
} ImpsMikeyChash;

/* DH (3): value length implied by the group; KV as in key data. */
typedef struct {
  guint8 group;
  ImpsMikeyBytes value;
  guint8 reserved;          /* 4 bits */
  guint8 kv;
  ImpsMikeyBytes spi;       /* KV SPI */
  ImpsMikeyBytes valid_from, valid_to; /* KV interval */
} ImpsMikeyDh;

/* SAKKE (26), RFC 6509: carried as data only. */
typedef struct {
  guint8 params;
  guint8 id_scheme;
  ImpsMikeyBytes data;
} ImpsMikeySakke;

/* THDR (Ticket Header, A-8): first item of MIKEY base ticket Ticket Data. */
typedef struct {
  ImpsMikeyBytes data;
} ImpsMikeyThdr;

typedef struct _ImpsMikeyPayload ImpsMikeyPayload;

/* TP (16) and TICKET (17), §4.16 / A-27.
 *
 * tp_data is the raw TP Data field (its first byte names the first payload
 * of the chain); tp_items is that chain parsed (IDRkms, IDRi, TRs, TRe, TRr,
 * KEMAC, IDRapp, IDRr...). To build, fill either tp_items (the builder
 * writes the chain and the leading type byte) or, with n_tp_items == 0,
 * tp_data (written as is).
 *
 * TICKET only: ticket_data is the Ticket Data field as bytes (for Ticket
 * Type 1 a THDR-first chain, see imps_mikey_chain_parse_ticket_data()),
 * initiator_data the Initiator Data field (its length field is always
 * written, value 0 when empty, A-27); init_items is the Initiator Data
 * parsed (first-type byte, then Vi and Vr; A-5: Vi's Next Payload is 9).
 * To build, fill init_items (written as a typed chain) or, with
 * n_init_items == 0, initiator_data (written as is).
 *
 * Offsets (same origin as the payload's offset; set on parse and
 * serialise): tp_data_offset, ticket_data_offset, init_len_offset (the
 * 2-byte Initiator Data length field) and init_data_offset (the Initiator
 * Data itself). The MAC input of TRANSFER_INIT excises the bytes
 * [init_len_offset, init_data_offset + initiator_data.len); the base
 * ticket's V covers [offset + 1, ticket_data_offset + ticket_data.len). */
typedef struct {
  guint16 ticket_type;
  guint8 subtype;
  guint8 version;
  guint8 prf;               /* 7 bits */
  guint32 flags;            /* ImpsMikeyTicketFlags */
  guint8 reserved;          /* byte 7 bits 4..0, sent as 0 */
  ImpsMikeyBytes tp_data;
  ImpsMikeyPayload *tp_items;
  guint n_tp_items;
  ImpsMikeyBytes ticket_data;
  ImpsMikeyBytes initiator_data;
  ImpsMikeyPayload *init_items;
  guint n_init_items;
  gsize tp_data_offset;
  gsize ticket_data_offset;
  gsize init_len_offset;
  gsize init_data_offset;
} ImpsMikeyTicket;

/* Key data sub-payload (20) of a KEMAC's plaintext (§4.14). */
typedef struct {
  guint8 type;              /* ImpsMikeyKeyType (4 bits) */
  guint8 kv;                /* ImpsMikeyKvType (4 bits) */
  ImpsMikeyBytes key;
  ImpsMikeyBytes salt;      /* only for types 1, 3, 5 */
  ImpsMikeyBytes spi;       /* KV SPI: 0..255 bytes */
  ImpsMikeyBytes valid_from;/* KV interval */
  ImpsMikeyBytes valid_to;
  gsize offset;             /* within the plaintext (parse only) */
  gsize length;
} ImpsMikeyKeyData;

/* A payload. `type` is the ImpsMikeyPayloadType (the Next Payload code that
 * announced it, or IMPS_MIKEY_PAYLOAD_THDR) and selects the union member:
 *   T, TR -> ts;  ID, IDR, CERT -> id;  RAND, RANDR -> rand;  V -> v;
 *   ERR -> err;  SP -> sp;  KEMAC -> kemac;  TP, TICKET -> ticket;
 *   GENERAL_EXT -> ext;  PKE -> pke;  SIGN -> sign;  CHASH -> chash;
 *   DH -> dh;  SAKKE -> sakke;  THDR -> thdr.
 * `unexpected` is set by message parse for a well-formed payload that the
 * data type does not list (kept, and otherwise ignored, as RFC 6043 asks).
 * `raw` is the payload's own bytes as on the wire (set on parse and on
 * serialise; empty for a payload not yet serialised). */
struct _ImpsMikeyPayload {
  guint type;
  gboolean unexpected;
  gsize offset;
  gsize length;
  ImpsMikeyBytes raw;
  union {
    ImpsMikeyTimestamp ts;
    ImpsMikeyId id;
    ImpsMikeyRand rand;
    ImpsMikeyV v;
    ImpsMikeyErr err;
    ImpsMikeySp sp;
    ImpsMikeyKemac kemac;
    ImpsMikeyTicket ticket;
    ImpsMikeyGeneralExt ext;
    ImpsMikeyPke pke;
    ImpsMikeySign sign;
    ImpsMikeyChash chash;
    ImpsMikeyDh dh;
    ImpsMikeySakke sakke;
    ImpsMikeyThdr thdr;
  } u;
};

/* Convenience initialisers for payloads to pass to imps_mikey_chain_add().
 * The views keep pointing at the caller's memory until add() copies them. */
ImpsMikeyPayload imps_mikey_payload_t (guint8 ts_type, guint64 value);
ImpsMikeyPayload imps_mikey_payload_tr (guint8 role, guint8 ts_type, guint64 value);
ImpsMikeyPayload imps_mikey_payload_id (guint8 id_type, const guint8 *data, gsize len);
ImpsMikeyPayload imps_mikey_payload_idr (guint8 role, guint8 id_type, const guint8 *data, gsize len);
ImpsMikeyPayload imps_mikey_payload_cert (guint8 cert_type, const guint8 *data, gsize len);
ImpsMikeyPayload imps_mikey_payload_rand (const guint8 *data, gsize len);
ImpsMikeyPayload imps_mikey_payload_randr (guint8 role, const guint8 *data, gsize len);
/* @mac may be NULL: the MAC field is then written as zero bytes of the
 * algorithm's length, to be filled in later (imps_mikey_chain_set_v_mac()). */
ImpsMikeyPayload imps_mikey_payload_v (guint8 auth_alg, const guint8 *mac, gsize mac_len);
ImpsMikeyPayload imps_mikey_payload_err (guint8 error_no);
ImpsMikeyPayload imps_mikey_payload_sp (guint8 policy_no, guint8 prot_type,
                                        const ImpsMikeySpParam *params, guint n_params);
/* @mac may be NULL as for V. */
ImpsMikeyPayload imps_mikey_payload_kemac (guint8 encr_alg, const guint8 *encr_data, gsize encr_len,
                                           guint8 mac_alg, const guint8 *mac, gsize mac_len);
ImpsMikeyPayload imps_mikey_payload_general_ext (guint8 ext_type, const guint8 *data, gsize len);
ImpsMikeyPayload imps_mikey_payload_thdr (const guint8 *data, gsize len);

/* Per-payload serialised size and writer: @next is the Next Payload value
 * to write (ignored for SIGN). Returns FALSE (with a MALFORMED error) when
 * a value does not fit its field (e.g. a RAND longer than 255 bytes, a MAC
 * length that does not match its algorithm). */
gboolean imps_mikey_payload_write (const ImpsMikeyPayload *p, guint next,
                                   GByteArray *out, GError **error);

/* Key data sub-payloads (§4.14).
 *
 * The order of the items is kept as on the wire: it is what tells MPKi,
 * MPKr and MPKr' apart. KV is parsed as given; the rule that every
 * MIKEY-TICKET key carries an SPI (RFC 6043 §6.2.1) and the desired-keys
 * form of A-7 (zero key bytes, KV Null) are checked by the exchange layer.
 *
 * Parses the chain at @plain (Next Payload 20 between items, 0 after the
 * last) into @out (at most @max items), views into @plain. Errors name the
 * sub-payload index and byte offset. */
gboolean imps_mikey_key_data_parse (const guint8 *plain, gsize len,
                                    ImpsMikeyKeyData *out, guint max,
                                    guint *n_out, GError **error);
/* Appends the chain of @n items to @out (the caller wipes @out). */
gboolean imps_mikey_key_data_write (const ImpsMikeyKeyData *keys, guint n,
                                    GByteArray *out, GError **error);
/* Size in bytes of the chain imps_mikey_key_data_write() would write. */
gsize imps_mikey_key_data_size (const ImpsMikeyKeyData *keys, guint n);

/* A chain of payloads with the memory its views point into.
 *
 * Used for the body of a message (ImpsMikeyMessage embeds one), for a TP
 * Data or Initiator Data chain (a first-type byte, then the payloads) and
 * for Ticket Data (THDR first, no leading byte; A-8). */
typedef struct _ImpsMikeyArena ImpsMikeyArena;

typedef struct {
  ImpsMikeyPayload *payloads;   /* n_payloads, in wire order */
  guint n_payloads;
  /* The bytes of the chain as last parsed or serialised (NULL when built
   * and not yet serialised); owned by the chain. */
  const guint8 *raw;
  gsize raw_len;
  /*< private >*/
  guint cap;
  ImpsMikeyArena *arena;
  guint8 *raw_owned;
} ImpsMikeyChain;

typedef enum {
  IMPS_MIKEY_CHAIN_TYPED,      /* a first-type byte, then the chain (TP Data, Initiator Data) */
  IMPS_MIKEY_CHAIN_THDR,       /* THDR first, no leading byte (base ticket Ticket Data) */
} ImpsMikeyChainForm;

ImpsMikeyChain *imps_mikey_chain_new (void);
void imps_mikey_chain_free (ImpsMikeyChain *chain);

/* Parses a chain on its own (offsets count from @data). */
ImpsMikeyChain *imps_mikey_chain_parse (const guint8 *data, gsize len,
                                        ImpsMikeyChainForm form, GError **error);
static inline ImpsMikeyChain *
imps_mikey_chain_parse_ticket_data (const guint8 *data, gsize len, GError **error)
{
  return imps_mikey_chain_parse (data, len, IMPS_MIKEY_CHAIN_THDR, error);
}

/* Appends a deep copy of @p; the Next Payload chain is set on serialise.
 * Returns the stored payload (owned by @chain, valid until it is freed;
 * adding more payloads may move it, so re-fetch by index). */
ImpsMikeyPayload *imps_mikey_chain_add (ImpsMikeyChain *chain, const ImpsMikeyPayload *p);

/* Serialises the chain in @form into chain->raw (replacing the previous
 * raw) and records every payload's offset, length and MAC offsets (from the
 * start of the chain). Returns chain->raw or NULL on error. */
const guint8 *imps_mikey_chain_serialize (ImpsMikeyChain *chain, ImpsMikeyChainForm form,
                                          gsize *len, GError **error);

/* Copies @mac into the MAC field of the first V payload, both in the
 * payload and in chain->raw (which must be serialised already). */
gboolean imps_mikey_chain_set_v_mac (ImpsMikeyChain *chain, const guint8 *mac, gsize len);

/* Lookups: the first payload of @type (and, for TR, IDR and RANDR, of
 * @role; role 0 = any), or NULL. */
const ImpsMikeyPayload *imps_mikey_chain_find (const ImpsMikeyChain *chain, guint type, guint8 role);
/* Fills @out with up to @max payloads of @type/@role; returns how many
 * exist (may be more than @max). */
guint imps_mikey_chain_find_all (const ImpsMikeyChain *chain, guint type, guint8 role,
                                 const ImpsMikeyPayload **out, guint max);

/* The same lookups over a plain array (e.g. a TP's tp_items). */
const ImpsMikeyPayload *imps_mikey_payloads_find (const ImpsMikeyPayload *items, guint n,
                                                  guint type, guint8 role);
guint imps_mikey_payloads_find_all (const ImpsMikeyPayload *items, guint n, guint type,
                                    guint8 role, const ImpsMikeyPayload **out, guint max);


/*< private >*/
/* Internal to the codec (imps-mikey-payload.c, imps-mikey-message.c):
 * not for use outside src/core/mikey/imps-mikey-{payload,message,dump}.c. */
ImpsMikeyArena *_imps_mikey_arena_new (gsize first_size);
/* One chunk of @size bytes, no more (a further allocation adds one). */
ImpsMikeyArena *_imps_mikey_arena_new_exact (gsize size);
/* Bytes handed out, over all chunks (each allocation rounded up to 8). */
gsize _imps_mikey_arena_used (const ImpsMikeyArena *a);
gpointer _imps_mikey_arena_alloc (ImpsMikeyArena *a, gsize len);
gpointer _imps_mikey_arena_dup (ImpsMikeyArena *a, const void *data, gsize len);
void _imps_mikey_arena_free (ImpsMikeyArena *a);
void _imps_mikey_fail (GError **error, gsize offset, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);
gboolean _imps_mikey_parse_chain (ImpsMikeyArena *arena, const guint8 *data, gsize len,
                                  gsize base, guint first_type, ImpsMikeyPayload **items,
                                  guint *n_items, gsize *consumed, GError **error);
gboolean _imps_mikey_write_items (ImpsMikeyPayload *items, guint n, GByteArray *out,
                                  gsize base, GError **error);
void _imps_mikey_set_raw_views (ImpsMikeyPayload *items, guint n, const guint8 *raw, gsize base);
void _imps_mikey_copy_payload (ImpsMikeyArena *a, ImpsMikeyPayload *p);
void _imps_mikey_chain_init (ImpsMikeyChain *chain, gsize arena_size);
void _imps_mikey_chain_clear (ImpsMikeyChain *chain);
void _imps_mikey_chain_set_items (ImpsMikeyChain *chain, const ImpsMikeyPayload *items, guint n);
void _imps_mikey_chain_set_raw (ImpsMikeyChain *chain, const guint8 *data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMikeyChain, imps_mikey_chain_free)

G_END_DECLS
