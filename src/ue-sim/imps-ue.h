/* A simulated UE. This first part holds the USIM model (K, OPc and the
 * TS 33.102 Annex C SQN state of core/aka) and the Ub client (gba.md §6,
 * profile §10): the UE bootstraps with a BSF over HTTP from its own
 * address, keeps {B-TID, RAND, Ks, IMPI, expiry} (wiped when freed) and
 * derives Ks_NAF for a NAF on demand. Ua, SIP and media come later, each in
 * its own file on the same ImpsUe object.
 *
 * Keys go only to the key log, when one is set (GBA_KS, GBA_KS_NAF of
 * profile §8).
 */
#pragma once

#include <gio/gio.h>

#include "gba/imps-gba.h"
#include "aka/imps-aka.h"
#include "imps-keylog.h"
#include "imps-network.h"

G_BEGIN_DECLS

#define IMPS_UE_ERROR (imps_ue_error_quark ())
GQuark imps_ue_error_quark (void);

typedef enum {
  /* AUTN's MAC-A did not verify: the network is not genuine. The UE sent
   * the profile §10 answer (empty password, no auts) and stopped; the
   * message names the MAC and gives XMAC-A and MAC-A. */
  IMPS_UE_ERROR_NETWORK_AUTH,
  /* The SQN stayed unacceptable after one resynchronisation; the message
   * gives the SQN values. */
  IMPS_UE_ERROR_SYNC,
  /* The BSF refused: an HTTP status other than the one the exchange needs
   * (the message gives it). */
  IMPS_UE_ERROR_REFUSED,
  /* The BSF's answer cannot be read (header, nonce, body). */
  IMPS_UE_ERROR_PROTOCOL,
  /* The BSF's rspauth did not verify (mutual authentication failed). */
  IMPS_UE_ERROR_SERVER_AUTH,
  /* HTTP could not reach the BSF. */
  IMPS_UE_ERROR_TRANSPORT,
  /* No bootstrapping session, or it has expired (virtual clock). */
  IMPS_UE_ERROR_NOT_BOOTSTRAPPED,
  IMPS_UE_ERROR_EXPIRED,
  /* A bootstrap is already running on this UE. */
  IMPS_UE_ERROR_BUSY,
} ImpsUeError;

/* The User-Agent on Ub (gba.md §6.1: the UE always sends 3gpp-gba-tmpi). */
#define IMPS_UE_UB_USER_AGENT "Bootstrapping Client Agent; Release-6; 3gpp-gba-tmpi"
/* Resynchronisations one bootstrap may do before it gives up. */
#define IMPS_UE_MAX_RESYNC 1

typedef struct {
  const gchar *impi;
  const guint8 *k;      /* 16 bytes */
  const guint8 *opc;    /* 16 bytes */
  guint ind_len;        /* IND bits of the Annex C SQN state (5 usual) */
  const guint8 *sqn_ms; /* 6 bytes: the highest SQN the USIM accepted (SEQ_MS || IND),
                         * or NULL for a fresh USIM */
} ImpsUeUsimConfig;

typedef struct _ImpsUe ImpsUe;

/* @name: the UE's node name in the event log (e.g. "alice"); @address:
 * its own loopback address (profile §9), registered in @net. The USIM
 * values are copied (K and OPc into the Milenage context, wiped on free). */
ImpsUe *imps_ue_new (ImpsNetwork *net, const gchar *name, const gchar *address,
                     const ImpsUeUsimConfig *usim);
void imps_ue_free (ImpsUe *ue);

const gchar *imps_ue_get_name (ImpsUe *ue);
/* Its loopback address (profile §9). */
const gchar *imps_ue_get_address (ImpsUe *ue);
const gchar *imps_ue_get_impi (ImpsUe *ue);
/* The USIM's SQN state (borrowed; a scenario may set it, e.g. ahead of the
 * HSS to force a resynchronisation). */
ImpsAkaSqnState *imps_ue_get_sqn_state (ImpsUe *ue);
/* @log is borrowed and must outlive the UE (or be unset with NULL). */
void imps_ue_set_key_log (ImpsUe *ue, ImpsKeyLog *log);
/* The device's clock, reffed: a skewed view of the network's clock for a
 * device whose clock is off (a scenario's clock-skew), or NULL for the
 * network's. Its time goes into what the device writes and checks (MIKEY
 * T, ticket validity, Ks expiry). Set it before imps_ue_sip_new(), which
 * keeps imps_ue_get_clock(). */
void imps_ue_set_clock (ImpsUe *ue, ImpsClock *clock);
ImpsClock *imps_ue_get_clock (ImpsUe *ue);

/* Runs the whole Ub exchange with the BSF at @bsf_address:@bsf_port whose
 * FQDN (realm of the first request) is @bsf_fqdn: challenge, AKA on the
 * USIM, one AUTS resynchronisation if needed, response, rspauth check,
 * BootstrappingInfo. On success the UE holds the new session (replacing
 * any older one) and writes GBA_KS to the key log. */
void imps_ue_bootstrap_async (ImpsUe *ue, const gchar *bsf_fqdn,
                              const gchar *bsf_address, guint16 bsf_port,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean imps_ue_bootstrap_finish (ImpsUe *ue, GAsyncResult *result, GError **error);

/* The current session: TRUE when there is one that has not expired. */
gboolean imps_ue_is_bootstrapped (ImpsUe *ue);
/* B-TID of the current session (NULL when none). */
const gchar *imps_ue_get_btid (ImpsUe *ue);
/* Ks expiry of the current session (Unix seconds; 0 when none). */
gint64 imps_ue_get_ks_expiry (ImpsUe *ue);

/* Ks_NAF = KDF(Ks, "gba-me", RAND, IMPI, @naf_fqdn || @ua_id) (gba.md
 * §7.2) for the current session. Fails with NOT_BOOTSTRAPPED or EXPIRED;
 * bootstrapping again is the caller's choice. Writes GBA_KS_NAF to the key
 * log (once per NAF_Id and session). */
gboolean imps_ue_get_ks_naf (ImpsUe *ue, const gchar *naf_fqdn,
                             const guint8 ua_id[IMPS_GBA_UA_ID_LEN],
                             ImpsGbaKey *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsUe, imps_ue_free)

G_END_DECLS
