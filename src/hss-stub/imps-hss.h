/* The HSS stub: a subscriber store (SQLite) and the Zh server (MAR/MAA,
 * gba.md §9) that hands the BSF one authentication vector at a time.
 *
 * SQN handling follows TS 33.102 Annex C (SEQ || IND) through
 * core/aka's generator. SQN values are reserved in blocks in the store
 * before they are handed out, so a restart with the same state directory
 * never reuses one, while the database is written once per block rather
 * than once per vector.
 */
#pragma once

#include <glib.h>

#include "imps-diameter-peer.h"
#include "imps-network.h"

G_BEGIN_DECLS

#define IMPS_HSS_ERROR (imps_hss_error_quark ())
GQuark imps_hss_error_quark (void);

typedef enum {
  IMPS_HSS_ERROR_STORE,      /* the SQLite store failed; the message says how */
  IMPS_HSS_ERROR_UNKNOWN,    /* no such IMPI */
  IMPS_HSS_ERROR_SQN,        /* the SQN space is exhausted */
} ImpsHssError;

/* How many SQN values a reservation covers. */
#define IMPS_HSS_SQN_BLOCK 64

typedef struct {
  const gchar *impi;
  const gchar *const *impus;
  const guint8 *k;          /* 16 bytes */
  const guint8 *opc;        /* 16 bytes, or NULL with @op */
  const guint8 *op;         /* 16 bytes, or NULL with @opc */
  const guint8 *sqn;        /* 6 bytes: the next SQN to hand out */
  const guint8 *amf;        /* 2 bytes */
  guint ind_len;
  guint ks_lifetime;        /* GUSS lifetime in seconds; 0: none in the GUSS */
} ImpsHssSubscriber;

typedef struct _ImpsHss ImpsHss;

/* @state_path: a SQLite file (WAL mode), or NULL for memory. */
ImpsHss *imps_hss_new (ImpsNetwork *net, const gchar *domain,
                       const gchar *state_path, GError **error);
void imps_hss_free (ImpsHss *hss);

/* Adds the subscriber, or updates its keys and identities if the store
 * already has it (its SQN state is kept: a restart does not rewind it). */
gboolean imps_hss_provision (ImpsHss *hss, const ImpsHssSubscriber *sub,
                             GError **error);

/* Starts the Zh server (Diameter) on @address:@port (0: any port). */
gboolean imps_hss_listen (ImpsHss *hss, const gchar *address, guint16 port,
                          GError **error);
guint16 imps_hss_get_port (ImpsHss *hss);
/* After imps_hss_listen(): Zh is answered only for the peers named here,
 * each by its Origin-Host and source address (the operator's BSF, and any
 * outside peer the scenario names); see imps_diameter_server_allow_peer(). */
void imps_hss_allow_peer (ImpsHss *hss, const gchar *origin_host, const gchar *address);

/* The Zh request handler (MAR), an ImpsDiameterHandler with the HSS as
 * user data; public so that a fuzz target can drive it without a socket. */
void imps_hss_zh_handle (ImpsDiameterServer *server, ImpsDiameterRequest *req, gpointer hss);
const gchar *imps_hss_get_name (ImpsHss *hss);

/* The SQN the next vector for @impi will carry (for tests and reports). */
gboolean imps_hss_peek_next_sqn (ImpsHss *hss, const gchar *impi,
                                 guint8 sqn[6], GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsHss, imps_hss_free)

G_END_DECLS
