/* The KMS node (MIKEY-TICKET mode 1, RFC 6043; mikey-ticket.md §5, §10-§12;
 * profile §2-§4, §9):
 *
 * - Ua server (profile §2): POST /kms?requesttype=ticketrequest|ticketresolve
 *   with application/mikey bodies; 400 for an unknown or missing
 *   requesttype, 415 for another content type, 413 over 64 KiB, 400 for a
 *   message that cannot be parsed (a MIKEY Error body when its CSB ID could
 *   be read, else empty); otherwise 200 with REQUEST_RESP, RESOLVE_RESP or
 *   a MIKEY Error (authenticated with V once the request's MAC verified).
 * - Zn client (gba.md §10): Ks_NAF for NAF_Id = kms.<domain> || 01 00 00 00
 *   06 fetched from the BSF by the B-TID in IDRpsk and cached (keyed by
 *   B-TID and NAF_Id) until its Key-ExpiryTime on the virtual clock. BSF
 *   answer 5403: MIKEY Error 0 with the header X-Impsim-Rebootstrap: 1.
 * - Ticket request and resolve: the pure functions of core/mikey, with the
 *   replay cache, the policy from the store, the TPKs (current and rolled,
 *   still accepted) and the group table. The KMS keeps no per-call state
 *   between request and resolve: everything is in the ticket.
 * - Policy store (SQLite, memory or a WAL file): default policy, per-user
 *   rows, groups, cooperation agreements with their pair keys, TPKs with key
 *   indexes, and an audit of tickets issued and resolved (a state file
 *   commits each row before the answer leaves; memory writes in batches
 *   of IMPS_KMS_AUDIT_BATCH rows or IMPS_KMS_AUDIT_FLUSH_MS after a batch's
 *   first row).
 * - Zk (profile §4): an HTTPS endpoint with mutual TLS, and the relay of a
 *   resolve to the issuing KMS (imps-kms-zk.c).
 *
 * Every refusal is a MIKEY Error with the ERR code of the failed check and
 * an event-log entry (REFUSAL) naming the check and its values. Keys are
 * never logged (only to the key log, and the KMS writes none).
 */
#pragma once

#include <gio/gio.h>

#include "imps-http.h"
#include "imps-keylog.h"
#include "imps-network.h"
#include "mikey/imps-mikey-exchange.h"

G_BEGIN_DECLS

#define IMPS_KMS_ERROR (imps_kms_error_quark ())
GQuark imps_kms_error_quark (void);

typedef enum {
  IMPS_KMS_ERROR_STORE,    /* the SQLite store failed; the message says how */
  IMPS_KMS_ERROR_TLS,      /* certificates could not be made or loaded */
  IMPS_KMS_ERROR_INVALID,  /* an argument the store refuses (bad key length, ...) */
} ImpsKmsError;

/* Bounds (profile §2, §3). */
#define IMPS_KMS_MAX_BODY (64 * 1024)
/* Replay cache (profile §11 "Replay cache"): entries live until T + skew;
 * at most IMPS_KMS_REPLAY_ENTRIES in all (about 14,000 requests a second
 * sustained with the ±300 s window); each key id (B-TID or static key id)
 * holds up to IMPS_KMS_REPLAY_USER_QUOTA of its own, each peer KMS on Zk
 * IMPS_KMS_REPLAY_PEER_QUOTA, and beyond that draws on a pool of
 * IMPS_KMS_REPLAY_BURST shared by all (so one user alone may send about
 * 7,000 a second sustained); the rest of the cache stays for key ids
 * within their quota. The J = 0 use cache has the same per-key quota. */
#define IMPS_KMS_REPLAY_ENTRIES (4 * 1024 * 1024)
#define IMPS_KMS_REPLAY_BURST (2 * 1024 * 1024)
#define IMPS_KMS_REPLAY_USER_QUOTA 16384
#define IMPS_KMS_REPLAY_PEER_QUOTA (1024 * 1024)
#define IMPS_KMS_USES_ENTRIES (1024 * 1024)
#define IMPS_KMS_USES_BURST (512 * 1024)
/* Ks_NAF cache entries (about 0.25 KiB each; a dropped key is fetched
 * again over Zn). */
#define IMPS_KMS_KS_NAF_CACHE_MAX 4096
#define IMPS_KMS_AUDIT_BATCH 256
/* ms after its first row that a memory store's audit batch is written */
#define IMPS_KMS_AUDIT_FLUSH_MS 200
/* Audit rows a memory store keeps (the newest); a kept store keeps all. */
#define IMPS_KMS_MEMORY_AUDIT_ROWS 10000
#define IMPS_KMS_REBOOTSTRAP_HEADER "X-Impsim-Rebootstrap"
#define IMPS_KMS_CONTENT_TYPE "application/mikey"
#define IMPS_KMS_SERVER_HEADER "impsim-kms"

/* One policy row (profile §3; scenario [policy]). */
typedef struct {
  guint validity;                  /* seconds: longest ticket validity */
  gboolean reuse;                  /* J allowed */
  gboolean forking;                /* I allowed */
  guint max_keys;                  /* 1..64 */
  const gchar *const *may_request_for; /* patterns ('*' = any run), NULL = "sip:*@<domain>" */
} ImpsKmsPolicyRow;

/* The profile §3 default: 1 h, reuse, forking, 4 keys, own domain. */
void imps_kms_policy_row_init_default (ImpsKmsPolicyRow *row);

typedef struct _ImpsKms ImpsKms;

/* @domain: the operator's domain ("home1.net"); the KMS is kms.<domain>
 * (node name, IDRkms, NAF FQDN, Zn Origin-Host). @state_path: a SQLite
 * file (WAL mode) that keeps TPKs, policies, agreements and the audit over
 * a restart, or NULL for memory. A new store gets a TPK (index 1) and the
 * default policy. */
ImpsKms *imps_kms_new (ImpsNetwork *net, const gchar *domain, const gchar *state_path,
                       GError **error);
/* Flushes the audit, closes everything; pending requests get 503. */
void imps_kms_free (ImpsKms *kms);

const gchar *imps_kms_get_name (ImpsKms *kms);

/* The connection limits of the KMS's HTTP servers (Ua, Zk) from the
 * next listen on: before imps_kms_listen() and imps_kms_listen_zk(). The
 * default: imps_http_limits_init()'s. */
void imps_kms_set_http_limits (ImpsKms *kms, const ImpsHttpLimits *limits);

/* Starts Ua on @address (0: the kernel chooses the port). */
gboolean imps_kms_listen (ImpsKms *kms, const gchar *address, guint16 ua_port, GError **error);
guint16 imps_kms_get_ua_port (ImpsKms *kms);
/* The BSF for Zn; the KMS connects from its own address (after listen). */
void imps_kms_set_bsf (ImpsKms *kms, const gchar *bsf_address, guint16 bsf_port);
/* The KMS's own suite setting. Requests and resolves are answered in the
 * suite of the message (profile §3 "suite choice"), so this only fills
 * the view that core/mikey takes; kept for callers that set it. */
void imps_kms_set_suite_256 (ImpsKms *kms, gboolean suite_256);

/* ---- policy store ---- */

gboolean imps_kms_set_default_policy (ImpsKms *kms, const ImpsKmsPolicyRow *row, GError **error);
gboolean imps_kms_set_user_policy (ImpsKms *kms, const gchar *user, const ImpsKmsPolicyRow *row,
                                   GError **error);
/* A group identity and its members (NULL-terminated), replacing any
 * earlier definition of @identity. */
gboolean imps_kms_add_group (ImpsKms *kms, const gchar *identity, const gchar *const *members,
                             GError **error);
/* A cooperation agreement with the KMS @peer_fqdn and the pair key of the
 * two KMSs (16 or 32 bytes); imps_kms_set_peer_zk() says where it listens. */
gboolean imps_kms_add_agreement (ImpsKms *kms, const gchar *peer_fqdn, const guint8 *key,
                                 gsize key_len, GError **error);
/* A static PSK for a user (profile §2, non-GBA "NOTE 1"): IDRpsk carries
 * @key_id. With @user set, the key serves only that public identity (IDRi
 * of a ticket request, IDRr of a resolve; ERR 7 otherwise). Kept in memory
 * only. */
void imps_kms_add_static_psk (ImpsKms *kms, const gchar *key_id, const gchar *user,
                              const guint8 *key, gsize key_len);


/* Rolls the TPK: a new key with the next index signs new tickets; the old
 * ones keep opening tickets until the longest validity any policy grants
 * has passed. Returns the new index (0 on error). */
guint32 imps_kms_roll_tpk (ImpsKms *kms, GError **error);
guint32 imps_kms_get_tpk_index (ImpsKms *kms);
guint imps_kms_count_tpks (ImpsKms *kms);

/* Writes a KMS_TPK line (profile §8) for every TPK the KMS holds now, and
 * one for each TPK it makes from now on. @log is borrowed (NULL: none). */
void imps_kms_set_key_log (ImpsKms *kms, ImpsKeyLog *log);
/* The clock the KMS reads its time from (MIKEY timestamps and their
 * window, ticket validity, Ks_NAF expiry), reffed: a skewed view of the
 * network's clock for a KMS whose clock is off (a scenario's clock-skew);
 * NULL: the network's. */
void imps_kms_set_clock (ImpsKms *kms, ImpsClock *clock);

/* Audit rows written so far (flushes the pending batch first). */
guint imps_kms_count_audit (ImpsKms *kms, const gchar *kind);
/* Live replay-cache entries, of one key id (NULL: all), and the bytes the
 * cache holds (an estimate from allocation sizes). */
guint imps_kms_count_replay (ImpsKms *kms, const gchar *key_id);
/* Changes the replay cache's bounds (tests and benchmarks): @entries in
 * all, @burst beyond the key ids' quotas. */
void imps_kms_set_replay_limits (ImpsKms *kms, guint entries, guint burst);
gsize imps_kms_replay_memory (ImpsKms *kms);
/* Ks_NAF cache entries (expired ones included until pruned). */
guint imps_kms_count_cached_keys (ImpsKms *kms);

/* ---- the request handler, without HTTP ---- */

typedef enum {
  IMPS_KMS_REQUEST_TICKET,         /* ticketrequest */
  IMPS_KMS_REQUEST_RESOLVE,        /* ticketresolve */
} ImpsKmsRequestType;

typedef enum {
  IMPS_KMS_OUTCOME_ANSWER,         /* 200 with REQUEST_RESP / RESOLVE_RESP */
  IMPS_KMS_OUTCOME_REFUSED,        /* 200 with a MIKEY Error */
  IMPS_KMS_OUTCOME_MALFORMED,      /* 400, with an Error body or empty */
  IMPS_KMS_OUTCOME_NEED_KEY,       /* the PSK is not known yet: Zn first */
  IMPS_KMS_OUTCOME_RELAY,          /* the ticket is another KMS's: Zk first */
} ImpsKmsOutcome;

/* Handles one Ua request synchronously when its key is at hand (a static
 * PSK or a cached Ks_NAF): the answer bytes go to @out (cleared first).
 * NEED_KEY / RELAY mean the caller (the HTTP path) must fetch first; the
 * benchmark uses this function with a static PSK. */
ImpsKmsOutcome imps_kms_handle (ImpsKms *kms, ImpsKmsRequestType type, const guint8 *data,
                                gsize len, GByteArray *out);

/* ---- Zk (profile §4, imps-kms-zk.c) ---- */

/* A CA for one run (EC P-256, self-signed) that issues each KMS a
 * certificate with its FQDN as subject alternative name, usable for both
 * TLS server and client. */
typedef struct _ImpsKmsCa ImpsKmsCa;

ImpsKmsCa *imps_kms_ca_new (const gchar *name, gint64 now_unix, GError **error);
/* A CA given as PEM (an outside party's): its certificate and unencrypted
 * private key, which must match; the certificate must be a CA
 * (basicConstraints CA:TRUE). KMS certificates are then issued from it. */
ImpsKmsCa *imps_kms_ca_new_from_pem (const gchar *cert_pem, const gchar *key_pem,
                                     GError **error);
void imps_kms_ca_free (ImpsKmsCa *ca);
/* The CA certificate (PEM). */
const gchar *imps_kms_ca_get_pem (ImpsKmsCa *ca);
/* A new key pair and certificate for @fqdn: PEM certificate followed by
 * the PEM private key, in one string (free with imps_wipe_free semantics:
 * use imps_kms_pem_free()). */
gchar *imps_kms_ca_issue (ImpsKmsCa *ca, const gchar *fqdn, gint64 now_unix, GError **error);
void imps_kms_pem_free (gchar *pem);

/* Zk identity: the certificate+key PEM of this KMS and the CA PEM that peer
 * certificates must chain to. From strings or from PEM files. */
gboolean imps_kms_set_zk_tls (ImpsKms *kms, const gchar *cert_key_pem, const gchar *ca_pem,
                              GError **error);
gboolean imps_kms_set_zk_tls_files (ImpsKms *kms, const gchar *cert_file, const gchar *key_file,
                                    const gchar *ca_file, GError **error);
/* Starts the HTTPS Zk endpoint on @address (after imps_kms_set_zk_tls). */
gboolean imps_kms_listen_zk (ImpsKms *kms, const gchar *address, guint16 port, GError **error);
guint16 imps_kms_get_zk_port (ImpsKms *kms);
/* Where the KMS @peer_fqdn serves Zk. */
void imps_kms_set_peer_zk (ImpsKms *kms, const gchar *peer_fqdn, const gchar *address,
                           guint16 port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsKms, imps_kms_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsKmsCa, imps_kms_ca_free)

G_END_DECLS
