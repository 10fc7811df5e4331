/* Internal state of the P-CSCF, shared by its proxy (imps-pcscf.c) and its
 * IMS-ALG / IMS-AGW (imps-pcscf-alg.c). */
#pragma once

#include "imps-ims-private.h"
#include "sdp/imps-sdes.h"

G_BEGIN_DECLS

/* A UE known from its REGISTER. */
typedef struct {
  gchar addr[IMS_ADDR_LEN];   /* the UE's address (hash key) */
  gchar *impu;                /* registered identity; NULL until the 200 OK */
  gint64 expires_us;
  gboolean mediasec;          /* offered e2ae media security at registration */
} UeReg;

struct _ImpsPcscf {
  ImpsNetwork *net;
  ImpsSipBus *bus;
  ImpsClock *clock;
  ImpsRandom *rnd;
  gchar *domain;
  gchar *name;
  gchar *agw_name;
  gchar address[IMS_ADDR_LEN];
  guint16 port;
  gchar agw_address[IMS_ADDR_LEN];
  guint16 agw_first_port;
  guint agw_max_legs;
  ImsHop scscf;
  guint attach_id;
  GHashTable *ues;            /* address -> UeReg* */
  GHashTable *exposure;       /* Call-ID -> ImpsImsExposure* */
  /* IMS-ALG / IMS-AGW */
  ImpsSdesPolicy policy;
  GPtrArray *calls;           /* AlgCall*, owned */
  guint8 *slot_used;          /* agw_max_legs flags */
};

void pcscf_note (ImpsPcscf *self, ImpsEventKind kind, const gchar *summary, const gchar *fmt,
                 ...) G_GNUC_PRINTF (4, 5);
UeReg *pcscf_ue_lookup (ImpsPcscf *self, const gchar *addr);

void pcscf_alg_init (ImpsPcscf *self);
void pcscf_alg_clear (ImpsPcscf *self);
/* An initial INVITE: from the UE (@from_ue, originating) or toward it. May
 * rewrite the SDP. FALSE when the ALG answered the request itself (488)
 * and it must not be forwarded. */
gboolean pcscf_alg_request (ImpsPcscf *self, ImpsSipMessage *req, gboolean from_ue);
/* A response to an INVITE whose top Via (this P-CSCF's) is already popped;
 * @to_ue: it goes to the calling UE (originating leg). @branch: the branch
 * of the popped Via. FALSE: do not forward. */
gboolean pcscf_alg_response (ImpsPcscf *self, ImpsSipMessage *resp, gboolean to_ue,
                             const gchar *branch);
/* A call leg ended (BYE, CANCEL, final error): the AGW releases its media
 * legs and wipes their keys; the counters stay for the observer. @which:
 * ALG_END_ALL (every leg of the Call-ID), ALG_END_ORIG, or ALG_END_TERM
 * with the forwarded INVITE's @branch (one fork toward one UE). */
typedef enum { ALG_END_ALL, ALG_END_ORIG, ALG_END_TERM } AlgEnd;
void pcscf_alg_end (ImpsPcscf *self, const gchar *call_id, AlgEnd which, const gchar *branch);
/* A BYE: ends the legs of the dialog with these tags (a call's legs belong
 * to the dialog of the first 2xx; another fork's BYE leaves them). */
void pcscf_alg_end_dialog (ImpsPcscf *self, const gchar *call_id, const gchar *from_tag,
                           const gchar *to_tag);

G_END_DECLS
