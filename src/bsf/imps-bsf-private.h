/* Inside the BSF: the node struct and the bootstrapping store, shared by
 * imps-bsf.c (node, Ub, Zh), imps-bsf-store.c and imps-bsf-zn.c. */
#pragma once

#include "imps-bsf.h"
#include "diameter/imps-diameter-gba.h"
#include "gba/imps-gba.h"
#include "imps-diameter-peer.h"
#include "imps-http.h"

#include <sqlite3.h>

/* One bootstrapping session (gba.md §6.1 step 6). Freed with wiping. */
typedef struct {
  gchar *btid;
  gchar *impi;
  guint8 rand[IMPS_GBA_RAND_LEN];
  ImpsGbaKey ks;
  gint64 created;          /* Unix seconds, virtual clock */
  gint64 expiry;           /* Unix seconds */
  gchar *guss;             /* the GUSS from the HSS (XML), or NULL: its USSs go to NAFs */
  GPtrArray *peers;        /* while stored: the sessions of its IMPI (bsf->by_impi) */
} ImpsBsfSession;

struct _ImpsBsf {
  ImpsNetwork *net;
  ImpsClock *clock;        /* its own (skewed) clock, reffed, or NULL: the network's */
  gchar *domain;
  gchar *name;             /* bsf.<domain>: node name, realm, B-TID domain */
  gchar *address;
  ImpsRandom *random;
  guint default_lifetime;
  GPtrArray *nafs;         /* authorised NAF FQDNs, lower case */
  ImpsKeyLog *key_log;     /* borrowed, may be NULL */
  ImpsHttpLimits http_limits;  /* of Ub */

  sqlite3 *db;             /* with a state path only */
  GHashTable *sessions;    /* B-TID -> ImpsBsfSession* (owned) */
  GHashTable *by_impi;     /* IMPI -> GPtrArray of its stored sessions (borrowed) */
  sqlite3_stmt *st_save;   /* prepared once: INSERT OR REPLACE a session */
  sqlite3_stmt *st_drop;   /* DELETE a session by B-TID */
  gint64 last_prune;

  GHashTable *pending;     /* nonce -> challenge (owned) */
  GQueue pending_order;    /* nonces, oldest first (borrowed from the keys) */

  ImpsHttpServer *ub;
  ImpsDiameterServer *zn;
  ImpsDiameterClient *zh;
  gchar *hss_address;
  guint16 hss_port;
  GCancellable *cancel;    /* cancelled when the BSF goes */
  guint64 session_counter;
};

gint64 imps_bsf_now (ImpsBsf *bsf);
void imps_bsf_note (ImpsBsf *bsf, ImpsEventKind kind, const gchar *detail,
                    const gchar *summary);

void imps_bsf_session_free (ImpsBsfSession *s);

gboolean imps_bsf_store_open (ImpsBsf *bsf, const gchar *state_path, GError **error);
void imps_bsf_store_close (ImpsBsf *bsf);
/* Adds @s (taking it) to memory and the database (if any). FALSE (and @s freed)
 * when the database write fails. */
gboolean imps_bsf_store_add (ImpsBsf *bsf, ImpsBsfSession *s, GError **error);
/* Deletes @btid's row from the database (nothing without one). */
gboolean imps_bsf_store_forget (ImpsBsf *bsf, const gchar *btid, GError **error);
/* Drops expired sessions from memory and the database, at most once a
 * virtual minute. */
void imps_bsf_store_prune (ImpsBsf *bsf);

void imps_bsf_zn_handle (ImpsDiameterServer *server, ImpsDiameterRequest *request,
                         gpointer user_data);
