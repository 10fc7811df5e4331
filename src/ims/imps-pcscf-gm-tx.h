/* The Gm sockets' SIP transactions over UDP (RFC 3261 §17), private to
 * imps-pcscf-gm.c.
 *
 * Client side, a request the P-CSCF sends to an outside device over UDP:
 * retransmitted after T1, 2*T1, 4*T1 ... (INVITE: Timer A, until a
 * response; others: Timer E, capped at T2, at T2 after a provisional
 * response) until a final response or 64*T1 (Timer B / F: counted, logged).
 *
 * Server side, a request from an outside device over UDP: a retransmission
 * of it (same top Via branch and method, from the same device) is not
 * passed on again; the last response sent for it is sent again. A final
 * non-2xx response to an INVITE is retransmitted (Timer G: T1 doubling,
 * capped at T2) until the ACK or 64*T1 (Timer H); a 2xx to an INVITE is
 * retransmitted the same way until the ACK of its dialog arrives (RFC 3261
 * §13.3.1.4, on behalf of the UA in the process). A finished transaction
 * is kept 64*T1 to absorb late retransmissions (Timer J, and I/ 2xx).
 *
 * Bounds: at most IMPS_PCSCF_GM_MAX_TRANSACTIONS transactions, at most
 * IMPS_PCSCF_GM_MAX_PEER_TRANSACTIONS server transactions open per device;
 * a request beyond either is dropped and counted (a flood from one device
 * does not take the room of others). */
#pragma once

#include "imps-clock.h"
#include "sip/imps-sip-headers.h"

G_BEGIN_DECLS

#define IMPS_PCSCF_GM_T1_US (500 * 1000)
#define IMPS_PCSCF_GM_T2_US (4 * G_USEC_PER_SEC)
#define IMPS_PCSCF_GM_MAX_TRANSACTIONS 4096
#define IMPS_PCSCF_GM_MAX_PEER_TRANSACTIONS 64

typedef struct _GmTxTable GmTxTable;

/* Sends @data again to the device @peer_key ("udp 127.0.0.1:5062"). */
typedef void (*GmTxSendFunc) (const gchar *peer_key, const guint8 *data, gsize len,
                              gpointer user_data);
/* A client transaction timed out (Timer B or F). */
typedef void (*GmTxTimeoutFunc) (const gchar *peer_key, const gchar *method,
                                 const gchar *branch, gpointer user_data);

typedef struct {
  guint64 retransmitted;   /* requests and responses sent again by a timer */
  guint64 absorbed;        /* request retransmissions from outside not passed on */
  guint64 timeouts;        /* Timer B / F fired */
  guint64 refused;         /* requests dropped: no room for a transaction */
} GmTxStats;

GmTxTable *gm_tx_table_new (ImpsClock *clock, GmTxSendFunc send, GmTxTimeoutFunc timeout,
                            gpointer user_data);
void gm_tx_table_free (GmTxTable *t);

/* @msg (whose bytes are @data) goes to the device @peer_key over UDP. */
void gm_tx_sent (GmTxTable *t, const gchar *peer_key, const ImpsSipMessage *msg,
                 const guint8 *data, gsize len);

typedef enum {
  GM_TX_PASS,          /* new: pass it on */
  GM_TX_ABSORBED,      /* a retransmission (or the ACK that ends one): do not pass it on */
  GM_TX_NO_ROOM,       /* no room for its transaction: drop it */
} GmTxVerdict;

/* @msg arrived from the device @peer_key over UDP. */
GmTxVerdict gm_tx_received (GmTxTable *t, const gchar *peer_key, const ImpsSipMessage *msg);

/* The device is gone: its transactions end. */
void gm_tx_forget_peer (GmTxTable *t, const gchar *peer_key);

void gm_tx_get_stats (GmTxTable *t, GmTxStats *out);

G_END_DECLS
