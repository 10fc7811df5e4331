/* The GBA BSF node (TS 33.220, TS 24.109, TS 29.109; gba.md §6, §9, §10):
 *
 * - Ub server (HTTP, gba.md §6): Digest AKAv1-MD5 with qop auth-int; 401
 *   with nonce = base64(RAND || AUTN), opaque and algorithm; 200 with the
 *   BootstrappingInfo XML, Authentication-Info (rspauth) and Expires; AUTS
 *   resynchronisation through the HSS and a fresh 401; a wrong response
 *   gets a fresh 401; a malformed Authorization 400; an unknown IMPI 403;
 *   an unreachable HSS 503. Every refusal is an event-log entry naming the
 *   check and the values (never a key).
 * - Zh client to its HSS (MAR/MAA, gba.md §9).
 * - Bootstrapping store: B-TID (unique), IMPI, RAND, Ks, creation time and
 *   expiry (GUSS lifeTime, or the operator default), in memory for lookups
 *   and in SQLite (a file with a state path, so a restart keeps them).
 * - Zn server (BIR/BIA, gba.md §10): Ks_NAF for the NAF-Id exactly as
 *   received; 5403 for an unknown or expired B-TID (virtual clock), 5402
 *   for a NAF the operator has not authorised.
 *
 * The BSF keeps Ks because it must; every in-memory copy is wiped when
 * freed, and no key is ever logged.
 */
#pragma once

#include <glib.h>

#include "imps-http.h"
#include "imps-keylog.h"
#include "imps-network.h"

G_BEGIN_DECLS

#define IMPS_BSF_ERROR (imps_bsf_error_quark ())
GQuark imps_bsf_error_quark (void);

typedef enum {
  IMPS_BSF_ERROR_STORE,     /* the SQLite store failed; the message says how */
  IMPS_BSF_ERROR_GUSS,      /* a GUSS whose lifeTime cannot be read */
} ImpsBsfError;

/* The Server header of every Ub response (gba.md §6.1: the BSF always
 * sends the token 3gpp-gba-tmpi). */
#define IMPS_BSF_SERVER_HEADER "Bootstrapping Server; Release-6; 3gpp-gba-tmpi"
/* Key lifetime when the GUSS has none (seconds). */
#define IMPS_BSF_DEFAULT_LIFETIME 3600
/* Bootstrapping sessions kept per IMPI: a new bootstrap beyond this drops
 * the session of that IMPI that expires first. */
#define IMPS_BSF_MAX_SESSIONS_PER_IMPI 16
/* Challenges waiting for the UE's answer: at most this many, each for at
 * most this long (virtual seconds); the oldest goes first. */
#define IMPS_BSF_MAX_PENDING 1024
#define IMPS_BSF_CHALLENGE_TTL 300
/* MARs for one challenge when the RAND gives a B-TID that already exists. */
#define IMPS_BSF_MAX_RAND_TRIES 3
/* Bounds on the GUSS lifeTime we accept (seconds). */
#define IMPS_BSF_MAX_LIFETIME (G_GINT64_CONSTANT (10) * 365 * 24 * 3600)

typedef struct _ImpsBsf ImpsBsf;

/* @domain: the operator's domain ("home1.net"); the BSF is bsf.<domain>,
 * which is also the Ub realm and the B-TID domain. @state_path: a SQLite
 * file (WAL mode) that keeps bootstrapping sessions over a restart, or
 * NULL for memory. The authorised NAFs start as kms.<domain>. */
ImpsBsf *imps_bsf_new (ImpsNetwork *net, const gchar *domain,
                       const gchar *state_path, GError **error);
void imps_bsf_free (ImpsBsf *bsf);

const gchar *imps_bsf_get_name (ImpsBsf *bsf);
void imps_bsf_set_default_lifetime (ImpsBsf *bsf, guint seconds);
/* The clock the BSF reads its time from (Ks lifetimes, B-TID expiry),
 * reffed: a skewed view of the network's clock for a BSF whose clock is
 * off (a scenario's clock-skew); NULL: the network's. */
void imps_bsf_set_clock (ImpsBsf *bsf, ImpsClock *clock);
/* Adds a NAF FQDN (e.g. a cooperating operator's KMS) that may fetch keys
 * over Zn. Compared without regard to ASCII case. */
void imps_bsf_authorize_naf (ImpsBsf *bsf, const gchar *naf_fqdn);
/* After imps_bsf_listen(): Zn is answered only for the peers named here,
 * each by its Origin-Host and source address (the operator's KMS, the KMSs
 * of cooperating operators, outside NAFs the scenario names); the host is
 * also authorised as a NAF. A BIR's NAF-Id must name its Origin-Host. */
void imps_bsf_allow_zn_peer (ImpsBsf *bsf, const gchar *origin_host, const gchar *address);

/* The connection limits of Ub from the next listen on (the default:
 * imps_http_limits_init()'s). */
void imps_bsf_set_http_limits (ImpsBsf *bsf, const ImpsHttpLimits *limits);

/* Starts Ub (HTTP) and Zn (Diameter) on @address (0 ports: the kernel
 * chooses) and registers the node name for @address. */
gboolean imps_bsf_listen (ImpsBsf *bsf, const gchar *address, guint16 ub_port,
                          guint16 zn_port, GError **error);
guint16 imps_bsf_get_ub_port (ImpsBsf *bsf);
guint16 imps_bsf_get_zn_port (ImpsBsf *bsf);
/* The HSS for Zh. The BSF connects from its own address (after listen). */
void imps_bsf_set_hss (ImpsBsf *bsf, const gchar *hss_address, guint16 hss_port);

/* A key log (borrowed; NULL: none) for runs with outside UEs (`impsim
 * serve`): the BSF then writes GBA_KS when it issues a B-TID and
 * GBA_KS_NAF when it answers a BIR (profile §8). Leave it unset when the
 * simulator's own UEs log the same keys, so each key has one line. */
void imps_bsf_set_key_log (ImpsBsf *bsf, ImpsKeyLog *log);

/* Bootstrapping sessions held (expired ones included until pruned). */
guint imps_bsf_count_sessions (ImpsBsf *bsf);
/* Rows in the state file's session table, or -1 for a BSF without a state
 * file (its sessions live in memory only, and no database is kept). */
gint imps_bsf_count_stored_rows (ImpsBsf *bsf);
/* Forgets the bootstrapping session @btid, in memory and in the store, as
 * if it had been lost: Zn then answers 5403 for it and the UE must
 * bootstrap again (scenario `forget-btid`). FALSE with @error when the BSF
 * holds no such B-TID or the store fails. */
gboolean imps_bsf_forget_btid (ImpsBsf *bsf, const gchar *btid, GError **error);

/* Reads the key lifetime (seconds) from a GUSS (gba.md §9.4): the text of
 * the first element whose local name is lifeTime, decimal, 1 ..
 * IMPS_BSF_MAX_LIFETIME. Returns FALSE without an error when the GUSS has
 * no lifeTime, FALSE with IMPS_BSF_ERROR_GUSS (naming the byte offset) when
 * it has one that cannot be read. Bounded: at most IMPS_DIAMETER_MAX_GUSS
 * bytes are looked at. */
gboolean imps_bsf_guss_lifetime (const guint8 *xml, gsize len, gint64 *lifetime,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsBsf, imps_bsf_free)

G_END_DECLS
