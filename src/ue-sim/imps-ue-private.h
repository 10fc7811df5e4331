/* Inside the UE: the object, shared by imps-ue.c and the per-protocol files. */
#pragma once

#include "imps-http-client.h"

#include "imps-ue.h"
#include "aka/imps-milenage.h"

#include <libsoup/soup.h>

/* A bootstrapping session as the UE keeps it (gba.md §11 item 3). */
typedef struct {
  gchar *btid;
  guint8 rand[IMPS_GBA_RAND_LEN];
  ImpsGbaKey ks;
  gint64 expiry;           /* Unix seconds */
  GHashTable *logged_naf;  /* NAF_Id hex already in the key log */
} ImpsUeGbaSession;

struct _ImpsUe {
  ImpsNetwork *net;
  ImpsClock *clock;        /* its own (skewed) clock, reffed, or NULL: the network's */
  gchar *name;
  gchar *address;
  ImpsRandom *random;
  ImpsKeyLog *key_log;     /* borrowed */

  /* USIM */
  gchar *impi;
  ImpsMilenage *milenage;
  ImpsAkaSqnState *sqn;

  /* Ub: the HTTP session of the bootstrap in progress, NULL between
   * bootstraps (so an idle UE holds no socket and no session) */
  ImpsHttpClient *http;     /* Ub, during a bootstrap */
  GCancellable *alive;     /* cancelled when the UE is freed */
  gboolean bootstrapping;
  ImpsUeGbaSession *gba;
};

gint64 imps_ue_now (ImpsUe *ue);
void imps_ue_note (ImpsUe *ue, ImpsEventKind kind, const gchar *detail, const gchar *summary);
void imps_ue_gba_session_free (ImpsUeGbaSession *s);
