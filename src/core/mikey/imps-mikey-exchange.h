/* MIKEY-TICKET exchanges, mode 1 (RFC 6043 §4; mikey-ticket.md §5-§12;
 * profile §2-§4, §10).
 *
 * Every function is pure: keys, parameters, the clock (an NTP 64-bit
 * value the caller passes in), an ImpsRandom for CSB IDs, RANDs and keys,
 * and the inbound message go in; the outbound message (an ImpsMikeyMessage
 * whose body.raw holds its bytes) or a GError comes out. Errors are in
 * IMPS_MIKEY_ERROR; imps_mikey_error_to_err_no() (imps-mikey-types.h)
 * gives the MIKEY ERR code to answer with:
 *   MALFORMED -> 13, AUTH_FAILED -> 0, INVALID_TS and REPLAY -> 1,
 *   INVALID_PRF -> 2, INVALID_MAC -> 3, INVALID_EA -> 4, INVALID_ID -> 7,
 *   INVALID_SP -> 9, INVALID_SPPAR -> 10, INVALID_DT -> 11,
 *   UNSPECIFIED -> 12, INVALID_TICKET -> 14, INVALID_TPPAR -> 15.
 * A wrong MAC is ERR 0 (Auth failure): §11 of the digest maps "bad MAC"
 * to 0; ERR 3 (Invalid MAC) is kept for an unsupported MAC algorithm.
 *
 * Inbound messages are passed as received: either raw bytes, or an
 * ImpsMikeyMessage from imps_mikey_message_parse() (a locally built
 * message has no parsed TP Data and is refused where the TP is read).
 * Outbound messages are serialised: body.raw / body.raw_len are the bytes
 * to send. Keys held in returned structs are wiped by their free functions.
 *
 * Flow (mode 1):
 *   UE-A  imps_mikey_request_init_build        -> REQUEST_INIT_PSK
 *   KMS   imps_mikey_initial_verify + imps_mikey_request_resp_build
 *   UE-A  imps_mikey_request_resp_process      -> ImpsMikeyHeldTicket
 *   UE-A  imps_mikey_transfer_init_build       -> TRANSFER_INIT
 *   UE-B  imps_mikey_transfer_init_precheck    (early policy checks)
 *   UE-B  imps_mikey_resolve_init_build        -> RESOLVE_INIT_PSK
 *   KMS   imps_mikey_initial_verify + imps_mikey_resolve_resp_build
 *   UE-B  imps_mikey_resolve_resp_process      -> ImpsMikeyResolved
 *   UE-B  imps_mikey_transfer_resp_build       -> TRANSFER_RESP + SRTP keys
 *   UE-A  imps_mikey_transfer_resp_process     -> SRTP keys
 */
#pragma once

#include <glib.h>

#include "imps-mikey-keys.h"
#include "imps-mikey-message.h"
#include "imps-mikey-replay.h"
#include "imps-mikey-ticket.h"
#include "imps-random.h"

G_BEGIN_DECLS

#define IMPS_MIKEY_MAX_MEDIA 8
#define IMPS_MIKEY_MAX_CS (2 * IMPS_MIKEY_MAX_MEDIA)

/* The algorithms of one call: HDR and TP PRF, KEMAC Encr alg, V Auth alg,
 * RAND length (profile §3: MIKEY-1 / AES-CM-128 / HMAC-SHA-1-160 / 16,
 * or the 256-bit suite PRF-HMAC-SHA-256 / AES-CM-256 / HMAC-SHA-256-256 /
 * 32, never mixed). */
typedef struct {
  guint8 prf;
  guint8 encr_alg;
  guint8 mac_alg;
  guint8 rand_len;
} ImpsMikeySuite;

void imps_mikey_suite_init (ImpsMikeySuite *suite, gboolean suite_256);
/* The suite of an initial message from its HDR PRF and V Auth alg;
 * INVALID_MAC (ERR 3) when one is of the 256-bit suite and the other not
 * (RFC 6043 §12.1). Without V: the HDR PRF decides. */
gboolean imps_mikey_suite_of (const ImpsMikeyMessage *msg, ImpsMikeySuite *suite,
                              GError **error);

/* ---- checks shared by the KMS and the Responder -------------------- */

/* Verifies an initial message that a KMS receives (REQUEST_INIT_PSK or
 * RESOLVE_INIT_PSK) in the order of RFC 3830 §5.3: data type (PK variants
 * and others: INVALID_DT, A-14), HDR PRF (INVALID_PRF), T within @skew of
 * @now (INVALID_TS), replay cache (REPLAY), V Auth alg (INVALID_MAC), the
 * MAC with the PSK (label type 0x01; AUTH_FAILED), then caches the message.
 * The identities appended to the MAC input (§7, A-3) are the ID Data of
 * IDRi / IDRr and IDRkms, or @kms_uri when IDRkms is absent. @replay may
 * be NULL. */
gboolean imps_mikey_initial_verify (const ImpsMikeyMessage *msg,
                                    const guint8 *psk, gsize psk_len,
                                    const gchar *kms_uri, guint64 now, guint skew,
                                    ImpsMikeyReplay *replay, GError **error);
/* The same, with the replay entry counted against @owner (the key id that
 * authenticated the message), which may hold at most @quota live entries
 * and then what the cache's shared pool has left (UNSPECIFIED, ERR 12,
 * beyond that; imps_mikey_replay_insert_for()). */
gboolean imps_mikey_initial_verify_for (const ImpsMikeyMessage *msg,
                                        const guint8 *psk, gsize psk_len,
                                        const gchar *kms_uri, guint64 now, guint skew,
                                        ImpsMikeyReplay *replay, const guint8 *owner,
                                        gsize owner_len, guint quota, GError **error);

/* ---- Ticket Request ------------------------------------------------- */

typedef struct {
  ImpsMikeySuite suite;
  const gchar *initiator_uri;      /* IDRi */
  const gchar *kms_uri;            /* IDRkms */
  const guint8 *psk_id;            /* IDRpsk (B-TID), NULL to omit */
  gsize psk_id_len;
  const ImpsMikeyTp *desired;      /* desired TP (IDRr list, flags, keys) */
} ImpsMikeyRequestParams;

/* REQUEST_INIT_PSK (§5.3): HDR (V=1, #CS 0, Empty map, CSB ID from
 * @rnd), T (NTP-UTC @now), RANDRi (from @rnd), IDRi, IDRkms, TP, [IDRpsk],
 * V keyed from @psk (label type 0x01), MAC input per §7 with Identity_i and
 * Identity_kms appended. */
ImpsMikeyMessage *imps_mikey_request_init_build (const ImpsMikeyRequestParams *p,
                                                 const guint8 *psk, gsize psk_len,
                                                 guint64 now, ImpsRandom *rnd,
                                                 GError **error);

/* A group: an identity that the KMS maps to its members. */
typedef struct {
  const gchar *id;
  const gchar *const *members;     /* NULL-terminated */
} ImpsMikeyGroup;

/* What the KMS allows one requesting user (profile §3 defaults; the KMS
 * fills it from its store). */
typedef struct {
  const gchar *domain;             /* responders must be "...@domain"; NULL = any */
  guint32 max_validity;            /* seconds (3600) */
  gboolean allow_reuse;            /* J */
  gboolean allow_forking;          /* I */
  guint max_keys;                  /* session keys per ticket (4) */
  const ImpsMikeyGroup *groups;    /* groups known to the KMS */
  guint n_groups;
} ImpsMikeyKmsPolicy;

void imps_mikey_kms_policy_init_default (ImpsMikeyKmsPolicy *policy, const gchar *domain);

typedef struct {
  const gchar *kms_uri;            /* IDRkms */
  const ImpsMikeyTpk *tpk;         /* the current TPK, for new tickets */
  const ImpsMikeyTpk *tpks;        /* every TPK still accepted, for resolving */
  guint n_tpks;
  ImpsMikeySuite suite;            /* not used by request and resolve: they follow the suite
                                    * of the message they answer (RFC 6043 §12.1) */
  guint skew;                      /* seconds (profile §3: 300) */
} ImpsMikeyKms;

/* REQUEST_RESP (§5.3): checks the desired TP against @policy (ticket type
 * INVALID_TICKET; TP PRF INVALID_PRF; flags and refused responders or
 * groups INVALID_TPPAR), grants a policy (validity clamped to the policy,
 * J/I cleared when not allowed, keys limited; K=1 when anything changed),
 * draws MPK, session keys (one 16-byte TGK with a 4-byte SPI by default),
 * builds the base ticket under kms->tpk and answers HDR (copied, V=0), T
 * (fresh), IDRkms, TICKET, KEMAC {MPKi, [MPKr], keys} under @psk (0x02),
 * V over REQUEST_RESP ‖ REQUEST_INIT. @req must have passed
 * imps_mikey_initial_verify(). */
ImpsMikeyMessage *imps_mikey_request_resp_build (const ImpsMikeyKms *kms,
                                                 const ImpsMikeyKmsPolicy *policy,
                                                 const ImpsMikeyMessage *req,
                                                 const guint8 *psk, gsize psk_len,
                                                 guint64 now, ImpsRandom *rnd,
                                                 GError **error);

/* What the Initiator keeps: of the REQUEST_RESP its HDR and a copy of its
 * TICKET alone (imps_mikey_message_keep_payload()), the granted policy
 * (views into that TICKET) and the keys. Freed with wiping. */
typedef struct {
  ImpsMikeyMessage *resp;
  const ImpsMikeyPayload *ticket;
  ImpsMikeyTp policy;
  ImpsMikeyKeySet keys;            /* mpks[0] MPKi, mpks[1] MPKr (I=1) */
  guint n_transfers;               /* TRANSFER_INITs built with it */
} ImpsMikeyHeldTicket;

void imps_mikey_held_ticket_free (ImpsMikeyHeldTicket *held);

/* Verifies REQUEST_RESP @data against the REQUEST_INIT @req that the
 * Initiator sent: data type, CSB ID, T within @skew, MAC (0x02, RANDRi of
 * @req; over REQUEST_RESP ‖ REQUEST_INIT), KEMAC, granted flags. A MIKEY
 * Error answer gives UNSPECIFIED naming its ERR codes. */
ImpsMikeyHeldTicket *imps_mikey_request_resp_process (const ImpsMikeyMessage *req,
                                                      const guint8 *data, gsize len,
                                                      const guint8 *psk, gsize psk_len,
                                                      guint64 now, guint skew,
                                                      GError **error);

/* ---- Ticket Transfer ------------------------------------------------- */

/* SRTP keys of one crypto session (profile §3 CS ID map: CS 2k-1 offerer
 * to answerer, CS 2k answerer to offerer, for m-line k). */
typedef struct {
  guint8 cs_id;
  guint32 ssrc;
  guint8 key_len;
  guint8 salt_len;
  guint8 spi_len;
  guint8 key[32];
  guint8 salt[IMPS_MIKEY_SALT_LEN];
  guint8 spi[IMPS_MIKEY_MAX_SPI_LEN];
} ImpsMikeySrtpKeys;

void imps_mikey_srtp_keys_clear (ImpsMikeySrtpKeys *keys, guint n);

typedef struct {
  ImpsMikeySuite suite;            /* HDR PRF and V Auth alg of this transfer */
  const gchar *initiator_uri;      /* IDRi */
  const gchar *responder_uri;      /* IDRr (a user or a group) */
  guint n_media;                   /* m-lines: CS 1 .. 2 * n_media */
  guint32 ssrc[IMPS_MIKEY_MAX_MEDIA]; /* the offerer's SSRC (CS 2k-1) */
  const gchar *sdp_ids;            /* General Extension SDP IDs, NULL = none */
} ImpsMikeyTransferParams;

/* TRANSFER_INIT (§5.3): HDR (V = F, new CSB ID, GENERIC-ID map, 2
 * CSs per m-line, Prot SRTP, #P 1, the offerer's SSRCs, the TGK's SPI), T,
 * RANDRi (fresh), IDRi, IDRr, SP (policy 1: AES_CM_128_HMAC_SHA1_80, or
 * AES-256-CM with the 256-bit suite), [General Extension], TICKET, V from
 * MPKi (0x01). The MAC input excises the Initiator Data and appends
 * Identity_i ‖ Identity_r. With I=1 the Initiator Data {Vi, Vr} is added
 * after the MAC. Refuses a second use of a J=0 ticket. */
ImpsMikeyMessage *imps_mikey_transfer_init_build (ImpsMikeyHeldTicket *held,
                                                  const ImpsMikeyTransferParams *p,
                                                  guint64 now, ImpsRandom *rnd,
                                                  GError **error);

/* The Responder's early checks before it contacts the KMS (§5.3): parse
 * (MALFORMED), data type (INVALID_DT), HDR PRF (INVALID_PRF), T within skew
 * (INVALID_TS), not a replay (REPLAY; @replay may be NULL), V Auth alg
 * (INVALID_MAC), CS map GENERIC-ID with SRTP crypto sessions (INVALID_SP),
 * SP acceptable (INVALID_SP / INVALID_SPPAR), TICKET type 1/1/1
 * (INVALID_TICKET), ticket flags and validity window (INVALID_TPPAR), the
 * IDRr of the message listed in the ticket (INVALID_ID). Returns the
 * parsed message. */
ImpsMikeyMessage *imps_mikey_transfer_init_precheck (const guint8 *data, gsize len,
                                                     const gchar *responder_uri,
                                                     guint64 now, guint skew,
                                                     ImpsMikeyReplay *replay,
                                                     GError **error);

/* A-24 (RFC 4567 §4.1.4, bidding-down protection): when @msg carries the
 * General Extension "SDP IDs" (it is under the MAC), it must equal
 * @sdp_ids, the ordered a=key-mgmt protocol list of the SDP (";"-joined,
 * e.g. "mikey"); absence is tolerated. Call after the MAC is verified.
 * TRANSFER_RESP echoes the offer's extension. */
gboolean imps_mikey_check_sdp_ids (const ImpsMikeyMessage *msg, const gchar *sdp_ids,
                                   GError **error);

/* ---- Ticket Resolve -------------------------------------------------- */

typedef struct {
  const gchar *responder_uri;      /* IDRr */
  const gchar *kms_uri;            /* IDRkms */
  const guint8 *psk_id;            /* IDRpsk (B-TID), NULL to omit */
  gsize psk_id_len;
} ImpsMikeyResolveParams;

/* RESOLVE_INIT_PSK (§5.3): HDR (V=1, new CSB ID, #CS 0, Empty map, PRF of
 * the ticket, profile §10), T, RANDRr (fresh, as long as the TRANSFER_INIT's
 * RANDRi), IDRr, IDRkms, TICKET (as received, with Initiator Data), [IDRpsk],
 * V with the Auth alg of the TRANSFER_INIT, keyed from @psk (0x01). */
ImpsMikeyMessage *imps_mikey_resolve_init_build (const ImpsMikeyMessage *transfer_init,
                                                 const ImpsMikeyResolveParams *p,
                                                 const guint8 *psk, gsize psk_len,
                                                 guint64 now, ImpsRandom *rnd,
                                                 GError **error);

/* RESOLVE_RESP (§5.3): opens the ticket (INVALID_TICKET, AUTH_FAILED),
 * checks its flags and validity window (INVALID_TPPAR), that the IDRr is a
 * listed responder or a member of a listed group (INVALID_ID), with I=1 the
 * Vr of the Initiator Data (AUTH_FAILED), with J=0 that this responder has
 * not resolved the ticket before (INVALID_TPPAR; @uses may be NULL), and
 * answers HDR (copied, V=0), T, IDRkms, KEMAC {MPKi, [MPKr'], keys (TGKs
 * forked when I=1)} under @psk (0x02), [IDRr, RANDRkms when I=1], V over
 * RESOLVE_RESP ‖ RESOLVE_INIT. */
ImpsMikeyMessage *imps_mikey_resolve_resp_build (const ImpsMikeyKms *kms,
                                                 const ImpsMikeyKmsPolicy *policy,
                                                 const ImpsMikeyMessage *resolve_init,
                                                 const guint8 *psk, gsize psk_len,
                                                 guint64 now, ImpsRandom *rnd,
                                                 ImpsMikeyReplay *uses,
                                                 GError **error);

/* Zk (profile §4; RFC 6043 §10): a KMS that receives a RESOLVE_INIT_PSK
 * (verified with imps_mikey_initial_verify()) whose ticket names another
 * KMS (IDRkms of its TP) relays it: a new RESOLVE_INIT_PSK to the issuing
 * KMS with the responder's IDRr and the TICKET copied, IDRpsk = @own_kms_uri
 * (the issuing KMS looks up the pair key by it) and V keyed by the PSK of
 * the KMS pair. The issuing KMS answers with imps_mikey_resolve_resp_build()
 * under the pair key. */
ImpsMikeyMessage *imps_mikey_resolve_relay_init_build (const ImpsMikeyMessage *from_responder,
                                                       const gchar *own_kms_uri,
                                                       const gchar *issuing_kms_uri,
                                                       const guint8 *pair_psk, gsize pair_psk_len,
                                                       guint64 now, ImpsRandom *rnd,
                                                       GError **error);

/* The relaying KMS verifies the issuing KMS's RESOLVE_RESP @data against
 * @relay_init (pair key), opens its KEMAC and re-wraps the keys for the
 * responder: a RESOLVE_RESP to @from_responder under the responder's @psk,
 * with the issuing KMS's IDRr and RANDRkms echoed when forked. */
ImpsMikeyMessage *imps_mikey_resolve_relay_resp_build (const ImpsMikeyKms *kms,
                                                       const ImpsMikeyMessage *relay_init,
                                                       const guint8 *data, gsize len,
                                                       const guint8 *pair_psk, gsize pair_psk_len,
                                                       const ImpsMikeyMessage *from_responder,
                                                       const guint8 *psk, gsize psk_len,
                                                       guint64 now, guint skew, GError **error);

/* The relaying KMS's reading of the issuing KMS's answer @data (Zk body):
 * the RESOLVE_RESP for the responder as imps_mikey_resolve_relay_resp_build()
 * gives it, or NULL with @error (why the answer does not verify). Then
 * *@refused says whether @data is a MIKEY Error of the issuing KMS and
 * *@err_no is the ERR code to pass on to the responder: the Error's first
 * one, else Unspecified. */
ImpsMikeyMessage *imps_mikey_resolve_relay_answer (const ImpsMikeyKms *kms,
                                                   const ImpsMikeyMessage *relay_init,
                                                   const guint8 *data, gsize len,
                                                   const guint8 *pair_psk, gsize pair_psk_len,
                                                   const ImpsMikeyMessage *from_responder,
                                                   const guint8 *psk, gsize psk_len,
                                                   guint64 now, guint skew, guint8 *err_no,
                                                   gboolean *refused, GError **error);

/* What the Responder holds after resolving. */
typedef struct {
  ImpsMikeyMessage *resp;          /* the RESOLVE_RESP */
  ImpsMikeyKeySet keys;            /* mpks[0] MPKi, mpks[1] MPKr' (I=1); TGK' */
  ImpsMikeyTp policy;              /* views into the TRANSFER_INIT's TICKET */
  gboolean forked;
  ImpsMikeyBytes idr;              /* modifier: IDRr ID Data (views into resp) */
  ImpsMikeyBytes randrkms;         /* modifier: RANDRkms */
} ImpsMikeyResolved;

void imps_mikey_resolved_free (ImpsMikeyResolved *resolved);

/* Verifies RESOLVE_RESP against the RESOLVE_INIT the Responder sent, opens
 * its KEMAC, then checks the TRANSFER_INIT's V with MPKi (AUTH_FAILED) and,
 * with I=1, that it equals Vi. Caches the TRANSFER_INIT in @replay
 * (may be NULL). */
ImpsMikeyResolved *imps_mikey_resolve_resp_process (const ImpsMikeyMessage *resolve_init,
                                                    const guint8 *data, gsize len,
                                                    const guint8 *psk, gsize psk_len,
                                                    const ImpsMikeyMessage *transfer_init,
                                                    const gchar *responder_uri,
                                                    guint64 now, guint skew,
                                                    ImpsMikeyReplay *replay,
                                                    GError **error);

/* What both ends keep for CSB updates (RFC 6043 §5.2; mikey-ticket.md
 * §10.1): the keys that protected the last message of the initial transfer
 * (TRANSFER_RESP: label 0x02 from MPKi, or MPKr' when forked), reused
 * verbatim for both update messages, and what the session keys are
 * derived from (the session keys of the ticket, forked TGK' included, and
 * the initial RANDs: updates never carry new RANDs or TICKETs). Wiped by
 * imps_mikey_csb_clear(). */
typedef struct {
  ImpsMikeyMsgKeys keys;
  guint32 csb_id;
  guint8 prf;                      /* HDR PRF of the transfer */
  guint32 flags;                   /* ticket flags */
  ImpsMikeyKeySet set;
  guint8 randri_len;               /* RANDRi iff H, RANDRr iff G (else 0) */
  guint8 randrr_len;
  guint8 randri[IMPS_MIKEY_MAX_RAND_LEN];
  guint8 randrr[IMPS_MIKEY_MAX_RAND_LEN];
  guint8 initiator_len;
  guint8 responder_len;
  gchar initiator_id[256];         /* IDRi / IDRr ID Data, for the MAC input */
  gchar responder_id[256];
} ImpsMikeyCsb;

void imps_mikey_csb_clear (ImpsMikeyCsb *csb);

/* TRANSFER_RESP (§5.3): HDR (CSB ID of the TRANSFER_INIT, V=0, CS map with
 * #P 1 and the answerer's SSRCs @ssrc[k] for CS 2k), T, RANDRr (iff G),
 * IDRr (always, profile §10; the modifier's IDRr when forked), RANDRkms
 * (echoed when forked), V from MPKi or MPKr' (0x02) over TRANSFER_RESP ‖
 * TRANSFER_INIT. Writes the SRTP keys of every crypto session to
 * @keys (IMPS_MIKEY_MAX_CS entries) and their number to *@n_keys, and,
 * when @csb is not NULL, what CSB updates need. */
ImpsMikeyMessage *imps_mikey_transfer_resp_build (const ImpsMikeyMessage *transfer_init,
                                                  const ImpsMikeyResolved *resolved,
                                                  const gchar *responder_uri,
                                                  const guint32 *ssrc, guint n_ssrc,
                                                  guint64 now, ImpsRandom *rnd,
                                                  ImpsMikeySrtpKeys *keys, guint *n_keys,
                                                  ImpsMikeyCsb *csb, GError **error);

/* Verifies TRANSFER_RESP at the Initiator (forking: MPKr' and TGK' from
 * the modifier first), and derives the SRTP keys of every crypto session;
 * fills @csb (may be NULL) for CSB updates. */
gboolean imps_mikey_transfer_resp_process (const ImpsMikeyHeldTicket *held,
                                           const ImpsMikeyMessage *transfer_init,
                                           const guint8 *data, gsize len,
                                           guint64 now, guint skew,
                                           ImpsMikeySrtpKeys *keys, guint *n_keys,
                                           ImpsMikeyCsb *csb, GError **error);

/* ---- CSB update (rekey / change of streams; §10.1), Initiator-started --
 *
 * A new Ticket Transfer with the same CSB ID and a new T, protected with
 * the @csb keys, without RANDs, TICKET or KEMAC (under this
 * profile L = M = 0; an update changes the crypto sessions, e.g. adds an
 * m-line: CS 2k-1 / 2k as in the first offer). Session keys come from the
 * same TGK and RANDs, so an existing CS keeps its keys and a new CS gets
 * its own. */
ImpsMikeyMessage *imps_mikey_csb_update_init_build (const ImpsMikeyCsb *csb, guint n_media,
                                                    const guint32 *ssrc, guint64 now,
                                                    GError **error);

/* The Responder: checks the update (data type, CSB ID, T, no RANDR or
 * TICKET, crypto sessions and SPs, V with the @csb keys) and answers with a
 * TRANSFER_RESP (its SSRC @ssrc[k] for CS 2k), writing the SRTP keys. */
ImpsMikeyMessage *imps_mikey_csb_update_resp_build (const ImpsMikeyCsb *csb,
                                                    const guint8 *data, gsize len,
                                                    const guint32 *ssrc, guint n_ssrc,
                                                    guint64 now, guint skew,
                                                    ImpsMikeySrtpKeys *keys, guint *n_keys,
                                                    GError **error);

/* The Initiator: verifies the answer to @update_init and writes the SRTP
 * keys. */
gboolean imps_mikey_csb_update_resp_process (const ImpsMikeyCsb *csb,
                                             const ImpsMikeyMessage *update_init,
                                             const guint8 *data, gsize len,
                                             guint64 now, guint skew,
                                             ImpsMikeySrtpKeys *keys, guint *n_keys,
                                             GError **error);

/* ---- Error messages (§11) -------------------------------------------- */

/* The V keys for an Error answering @in_error (profile §10 last bullet,
 * derived from @key (the PSK for Request/Resolve, MPKi for
 * Transfer) like the message in error, with label type 0x01 for an initial
 * message, 0x02 for a response, its CSB ID, RANDs, HDR PRF and V Auth alg. */
gboolean imps_mikey_error_keys (const ImpsMikeyMessage *in_error,
                                const guint8 *key, gsize key_len,
                                ImpsMikeyMsgKeys *out, GError **error);

/* An Error message (data type 6): HDR (version, PRF, CSB ID of @in_error,
 * V=0, #CS 0, Empty map), T (fresh), the ERR payloads, and V when @keys is
 * not NULL (MAC over the Error message only); unauthenticated otherwise
 * . Never answer an Error with an Error: @in_error of data type 6
 * gives UNSPECIFIED. */
ImpsMikeyMessage *imps_mikey_error_build (const ImpsMikeyHdr *in_error,
                                          const guint8 *err_nos, guint n_err,
                                          const ImpsMikeyMsgKeys *keys,
                                          guint64 now, GError **error);

/* Parses an Error message; with @keys checks its V (AUTH_FAILED when the
 * V is missing or wrong). Fills up to @max ERR codes; *@authenticated says
 * whether a V was checked. */
ImpsMikeyMessage *imps_mikey_error_parse (const guint8 *data, gsize len,
                                          const ImpsMikeyMsgKeys *keys,
                                          guint8 *err_nos, guint max, guint *n_err,
                                          gboolean *authenticated, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMikeyHeldTicket, imps_mikey_held_ticket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMikeyResolved, imps_mikey_resolved_free)

/* ---- Known-answer vectors (mikey-ticket.md §18.2, V1-V11) ------------
 * One table shared by the tests and by imps_mikey_selftest(). */
typedef enum {
  IMPS_MIKEY_VECTOR_RFC3830,      /* const ‖ (CS ID | FF) ‖ CSB ID ‖ RAND */
  IMPS_MIKEY_VECTOR_MSG_KEY,      /* RFC 6043 §5.1.2 0x01/0x02 label; const picks encr/auth/salt */
  IMPS_MIKEY_VECTOR_TEK,          /* §5.1.3 0x03 label */
  IMPS_MIKEY_VECTOR_FORK,         /* §5.1.1 0x00 label */
  IMPS_MIKEY_VECTOR_MPK,          /* App. A.2.2 0x06 label */
  IMPS_MIKEY_VECTOR_TICKET_KEY,   /* App. A.2.1 0x05 label */
  IMPS_MIKEY_VECTOR_VR_KEY,       /* §6.10 0x04 label */
  IMPS_MIKEY_VECTOR_KEMAC,        /* §8 AES-CM-128 KEMAC Encr data (V10) */
  IMPS_MIKEY_VECTOR_REQUEST_INIT, /* the whole REQUEST_INIT_PSK (V11) */
} ImpsMikeyVectorKind;

typedef struct {
  const gchar *name;        /* "V1a" */
  const gchar *what;        /* one line */
  ImpsMikeyVectorKind kind;
  guint prf;
  guint32 constant;
  guint8 byte;              /* CS ID / 0xFF (RFC 3830), label type (MSG_KEY) or CS ID (TEK) */
  guint32 csb_id;
  const gchar *inkey_hex;
  const gchar *rand1_hex;   /* RAND, RANDRi, ticket RAND or RANDRkms */
  const gchar *rand2_hex;   /* RANDRr */
  const gchar *id;          /* ID Data of the fork label */
  guint out_len;            /* bytes */
  const gchar *expected_hex;
} ImpsMikeyVector;

/* The table (source: mikey-ticket.md §18.2, values computed by the digest's
 * author, non-normative) and its length. */
const ImpsMikeyVector *imps_mikey_vectors (guint *n);

/* Computes vector @v into a new GBytes (secret-free test inputs only). */
GBytes *imps_mikey_vector_compute (const ImpsMikeyVector *v);

G_END_DECLS
