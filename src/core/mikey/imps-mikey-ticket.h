/* MIKEY-TICKET ticket policy (TP) and the MIKEY base ticket (Ticket Type 1,
 * Subtype 1, Version 1; RFC 6043 App. A; mikey-ticket.md §4.16, §9).
 *
 * - ImpsMikeyTp: a TP / TICKET policy as values (views), built into TP Data
 *   and read back from a parsed TP or TICKET payload.
 * - ImpsMikeyKeySet / ImpsMikeySessionKey: key material in fixed arrays,
 *   wiped by imps_mikey_key_set_clear().
 * - The base ticket: Ticket Data = THDR, T, RAND, KEMAC, [IDRpsk], V,
 *   encrypted and authenticated under a TPK (label type 0x05), with the TPK
 *   key index in the THDR so that a KMS can roll its key.
 * - Initiator Data (forking, I = 1): first-type 9, Vi, Vr (A-5, profile
 *   §10 first bullet).
 *
 * THDR Data format (project choice, A-8; implementation specific in the
 * RFC): 5 bytes, format byte 0x01 followed by the 32-bit TPK key index.
 */
#pragma once

#include <glib.h>

#include "imps-mikey-keys.h"
#include "imps-mikey-payload.h"

G_BEGIN_DECLS

#define IMPS_MIKEY_TP_MAX_IDS 16
#define IMPS_MIKEY_MAX_SESSION_KEYS 8
#define IMPS_MIKEY_MAX_SPI_LEN 16
#define IMPS_MIKEY_THDR_FORMAT 0x01

/* A policy (desired in REQUEST_INIT's TP, granted in the TICKET). Byte
 * fields are views: into the parsed payload after imps_mikey_tp_read(), or
 * into the caller's memory when building. */
typedef struct {
  guint16 ticket_type;       /* 1 = MIKEY base ticket */
  guint8 subtype;            /* 1 */
  guint8 version;            /* 1 */
  guint8 prf;                /* TP PRF func (forking, TPK/MPK derivations; A-17) */
  guint32 flags;             /* ImpsMikeyTicketFlags */
  ImpsMikeyBytes kms_id;     /* IDRkms (URI), may be empty */
  ImpsMikeyBytes initiator_id; /* IDRi (URI), may be empty */
  /* TRs / TRe as NTP 64-bit values (0 = absent); emitted as NTP-UTC-32
   * TRr in seconds (0 = absent). */
  guint64 valid_from;
  guint64 valid_to;
  guint32 rekey_interval;
  /* desired keys (TP KEMAC, A-7): type and length of each wanted key */
  guint n_desired;
  struct {
    guint8 type;
    guint8 len;
  } desired[IMPS_MIKEY_MAX_SESSION_KEYS];
  guint n_apps;
  ImpsMikeyBytes apps[IMPS_MIKEY_TP_MAX_IDS];       /* IDRapp */
  guint n_responders;
  ImpsMikeyBytes responders[IMPS_MIKEY_TP_MAX_IDS]; /* IDRr */
  guint8 responder_id_types[IMPS_MIKEY_TP_MAX_IDS];
} ImpsMikeyTp;

/* The profile's defaults (§3, §17.3): type 1/1/1, @prf, flags
 * D E F G H J N O (plus I when @forking). No identities, no validity. */
void imps_mikey_tp_init_default (ImpsMikeyTp *tp, guint8 prf, gboolean forking);

/* Adds a responder (URI) view; FALSE when the list is full. */
gboolean imps_mikey_tp_add_responder (ImpsMikeyTp *tp, const gchar *uri);

/* The flag dependencies of §4.16 (!D => L, G => F, !G => H, !H => G,
 * I => E, K => D, M => F). FALSE with IMPS_MIKEY_ERROR_INVALID_TPPAR naming
 * the first one broken. (The TGK-with-I => F rule is checked where the
 * keys are known.) */
gboolean imps_mikey_tp_check_flags (guint32 flags, GError **error);

/* Reads a parsed TP or TICKET payload (its tp_items) into @tp (views into
 * the payload); a payload built locally and never parsed has no items and
 * gives MALFORMED. Errors: MALFORMED for a TP Data item that is not allowed
 * or a malformed desired KEMAC; INVALID_TPPAR for more identities than
 * IMPS_MIKEY_TP_MAX_IDS. */
gboolean imps_mikey_tp_read (const ImpsMikeyTicket *ticket, ImpsMikeyTp *tp, GError **error);

/* Writes the TP Data field (first-type byte, then the chain) for @tp into
 * a new GBytes; @with_desired_kemac adds the desired-keys KEMAC (only in
 * REQUEST_INIT's TP, never in a TICKET). */
GBytes *imps_mikey_tp_data_build (const ImpsMikeyTp *tp, gboolean with_desired_kemac,
                                  GError **error);

/* A TP or TICKET payload value for imps_mikey_message_add(): the header
 * fields of @tp and the given TP Data (and Ticket Data, Initiator Data
 * for a TICKET; pass NULL/0 for a TP). Views into the arguments. */
ImpsMikeyPayload imps_mikey_tp_payload (guint type, const ImpsMikeyTp *tp,
                                        GBytes *tp_data, GBytes *ticket_data,
                                        const guint8 *init_data, gsize init_len);

/* TRUE when @id (bytes) is one of @tp's responders. */
gboolean imps_mikey_tp_has_responder (const ImpsMikeyTp *tp, const guint8 *id, gsize len);

/* ---- keys ---------------------------------------------------------- */

/* A key of a key-data sub-payload: TGK, TEK, GTGK (with or without salt)
 * or MPK, with its SPI (RFC 6043 §6.2.1: every key carries an SPI). */
typedef struct {
  guint8 type;               /* ImpsMikeyKeyType */
  guint8 key_len;
  guint8 salt_len;
  guint8 spi_len;
  guint8 key[IMPS_MIKEY_MAX_KEY_LEN];
  guint8 salt[IMPS_MIKEY_MAX_KEY_LEN];
  guint8 spi[IMPS_MIKEY_MAX_SPI_LEN];
} ImpsMikeySessionKey;

/* The keys of a KEMAC: MPKs first, then session keys. */
typedef struct {
  guint n_mpks;
  ImpsMikeySessionKey mpks[2];   /* ticket: MPK; REQUEST_RESP: MPKi, MPKr; RESOLVE_RESP: MPKi, MPKr' */
  guint n_keys;
  ImpsMikeySessionKey keys[IMPS_MIKEY_MAX_SESSION_KEYS];
} ImpsMikeyKeySet;

void imps_mikey_key_set_clear (ImpsMikeyKeySet *set);

/* Writes @set as a key-data chain (MPKs then keys) into @out (which the
 * caller wipes). */
gboolean imps_mikey_key_set_write (const ImpsMikeyKeySet *set, GByteArray *out, GError **error);

/* Reads a decrypted key-data chain: the first @n_mpks items must be MPKs
 * (type 6), the rest TGK/TEK/GTGK (with or without salt), each with an SPI
 * (KV 1). Copies the keys into @set. Errors name the item and offset. */
gboolean imps_mikey_key_set_read (const guint8 *plain, gsize len, guint n_mpks,
                                  ImpsMikeyKeySet *set, GError **error);

/* Encrypts @set into KEMAC Encr data with @keys (imps_mikey_kemac_encrypt:
 * IV from @csb_id and @t), appended to @out. */
gboolean imps_mikey_key_set_encrypt (const ImpsMikeyKeySet *set, const ImpsMikeyMsgKeys *keys,
                                     guint32 csb_id, guint64 t, GByteArray *out,
                                     GError **error);

/* Decrypts a KEMAC payload with @keys (its Encr alg must match
 * keys->encr_alg and its MAC alg must be NULL) and reads the key set.
 * INVALID_EA for an unsupported algorithm, AUTH_FAILED when AES-KW's
 * integrity check fails, MALFORMED for a bad key-data chain. */
gboolean imps_mikey_kemac_open (const ImpsMikeyKemac *kemac, const ImpsMikeyMsgKeys *keys,
                                guint32 csb_id, guint64 t, guint n_mpks,
                                ImpsMikeyKeySet *set, GError **error);

/* ---- base ticket ---------------------------------------------------- */

/* A Ticket Protection Key with its index (THDR). */
typedef struct {
  guint32 index;
  guint8 key_len;
  guint8 key[IMPS_MIKEY_MAX_KEY_LEN];
} ImpsMikeyTpk;

void imps_mikey_tpk_clear (ImpsMikeyTpk *tpk);

/* What a base ticket's Ticket Data holds once opened. */
typedef struct {
  guint32 key_index;
  guint8 ts_type;
  guint64 t;                 /* TS value as on the wire */
  guint8 rand_len;
  guint8 rand[IMPS_MIKEY_MAX_RAND_LEN];
  guint8 encr_alg;
  guint8 mac_alg;
  ImpsMikeyKeySet keys;      /* mpks[0] = MPK; keys = session keys */
  gboolean has_psk_id;
  guint8 psk_id_len;
  guint8 psk_id[255];
} ImpsMikeyTicketContents;

void imps_mikey_ticket_contents_clear (ImpsMikeyTicketContents *c);

/* Builds the Ticket Data of a base ticket for the policy @tp: THDR (format
 * 1, @tpk->index), T (NTP-UTC @now), RAND (@rand), KEMAC (MPK and session
 * keys of @set, encrypted under the TPK keys, CSB ID 0xFFFFFFFF in the IV),
 * optional IDRpsk, V. The V MAC covers the TICKET payload from Ticket Type to
 * the end of Ticket Data (§7), so it needs the TP Data bytes @tp_data that
 * the TICKET will carry. @encr_alg / @mac_alg: KEMAC Encr alg and V Auth alg.
 * Returns the Ticket Data bytes. */
GBytes *imps_mikey_base_ticket_build (const ImpsMikeyTpk *tpk, const ImpsMikeyTp *tp,
                                      GBytes *tp_data, guint64 now,
                                      const guint8 *rand, gsize rand_len,
                                      const ImpsMikeyKeySet *set,
                                      guint encr_alg, guint mac_alg,
                                      const guint8 *psk_id, gsize psk_id_len,
                                      GError **error);

/* Opens a parsed TICKET payload @ticket (its raw bytes are needed for the
 * MAC): checks Ticket Type/Subtype/Version (INVALID_TICKET, ERR 14), parses
 * the Ticket Data (MALFORMED), picks the TPK of @tpks whose index the THDR
 * names (INVALID_TICKET when none), checks the V MAC with the TP's PRF
 * (AUTH_FAILED) and decrypts the KEMAC into @out. This is also the call for
 * `impsim decode --tpk`. */
gboolean imps_mikey_base_ticket_open (const ImpsMikeyPayload *ticket,
                                      const ImpsMikeyTpk *tpks, guint n_tpks,
                                      ImpsMikeyTicketContents *out, GError **error);

/* The same for a whole TICKET payload given as bytes (Next Payload byte
 * first), e.g. as cut out of a message by the decoder. */
gboolean imps_mikey_base_ticket_open_bytes (const guint8 *data, gsize len,
                                            const ImpsMikeyTpk *tpks, guint n_tpks,
                                            ImpsMikeyTicketContents *out, GError **error);

/* ---- Initiator Data (forking) --------------------------------------- */

/* Writes Initiator Data: 0x09, Vi {next 9, @mac_alg, @vi_mac}, Vr
 * {next 0, @mac_alg, MAC} where the Vr MAC covers everything before it and
 * is keyed from the unforked MPKr with label type 0x04 and TP PRF @prf. */
gboolean imps_mikey_initiator_data_build (guint prf, const guint8 *mpkr, gsize mpkr_len,
                                          guint mac_alg, const guint8 *vi_mac,
                                          GByteArray *out, GError **error);

/* Parses Initiator Data and checks Vr with MPKr; on success *@vi_mac points
 * at Vi's MAC inside @data (length imps_mikey_mac_len(*@mac_alg)).
 * MALFORMED for a bad layout, AUTH_FAILED for a wrong Vr. */
gboolean imps_mikey_initiator_data_verify (guint prf, const guint8 *mpkr, gsize mpkr_len,
                                           const guint8 *data, gsize len,
                                           const guint8 **vi_mac, guint8 *mac_alg,
                                           GError **error);

G_END_DECLS
