/* The UE's Ua client (profile §2): ticket request (REQUEST_INIT_PSK ->
 * REQUEST_RESP) and ticket resolve (RESOLVE_INIT_PSK -> RESOLVE_RESP) over
 * HTTP with the KMS, from the UE's own address, keyed with Ks_NAF for
 * NAF_Id = KMS FQDN || 01 00 00 00 06 and IDRpsk = the B-TID.
 *
 * It stands apart from the UE object: what it needs from the UE (Ks_NAF
 * and the B-TID, a new bootstrap) comes through ImpsUeUaKeySource, so it
 * works with ImpsUe (imps_ue_ua_key_source_for_ue()) or any other holder
 * of GBA keys, without touching the UE object's own files.
 *
 * - One automatic re-bootstrap and retry: when the KMS answers with
 *   X-Impsim-Rebootstrap: 1 (BSF said 5403), or when no usable key is at
 *   hand, the client bootstraps once and sends the request again with the
 *   new B-TID and Ks_NAF.
 * - A ticket cache: a ticket whose policy allows reuse (J = 1) is reused
 *   for later calls to a responder it lists while its validity (TRe) has
 *   not passed on the virtual clock; a J = 0 ticket serves one transfer.
 *
 * Keys are wiped when freed and never logged (the client logs nothing;
 * the KMS's HTTP server logs each message once).
 */
#pragma once

#include <gio/gio.h>

#include "imps-network.h"
#include "mikey/imps-mikey-exchange.h"

G_BEGIN_DECLS

#define IMPS_UE_UA_ERROR (imps_ue_ua_error_quark ())
GQuark imps_ue_ua_error_quark (void);

typedef enum {
  IMPS_UE_UA_ERROR_TRANSPORT,   /* HTTP could not reach the KMS */
  IMPS_UE_UA_ERROR_HTTP,        /* a status other than 200; the message gives it */
  IMPS_UE_UA_ERROR_REFUSED,     /* a MIKEY Error; the message gives the ERR codes */
  IMPS_UE_UA_ERROR_NO_KEY,      /* no Ks_NAF even after bootstrapping */
  IMPS_UE_UA_ERROR_PROTOCOL,    /* the answer does not verify (MIKEY error inside) */
} ImpsUeUaError;

#define IMPS_UE_UA_USER_AGENT "impsim-ue Ua"

/* What the client needs from the UE's GBA side. get_key fills the 32-byte
 * Ks_NAF for @naf_fqdn with the IMS media Ua id and returns the B-TID
 * (newly allocated), or NULL with an error when there is no (unexpired)
 * bootstrapping session. bootstrap runs a new bootstrap. */
typedef struct {
  gchar *(*get_key) (gpointer user_data, const gchar *naf_fqdn, guint8 ks_naf[32],
                     GError **error);
  void (*bootstrap_async) (gpointer user_data, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer callback_data);
  gboolean (*bootstrap_finish) (gpointer user_data, GAsyncResult *result, GError **error);
  gpointer user_data;
  GDestroyNotify destroy;       /* for user_data when the client goes; may be NULL */
} ImpsUeUaKeySource;

/* A key source backed by an ImpsUe: Ks_NAF and B-TID from its current
 * session, and bootstraps with the BSF @bsf_fqdn at @bsf_address:@bsf_port.
 * @ue must outlive the client. */
struct _ImpsUe;
void imps_ue_ua_key_source_for_ue (ImpsUeUaKeySource *source, struct _ImpsUe *ue,
                                   const gchar *bsf_fqdn, const gchar *bsf_address,
                                   guint16 bsf_port);

typedef struct _ImpsUeUa ImpsUeUa;

/* @address: the UE's own address (requests come from it); @impu: the
 * user's public identity (IDRi / IDRr); @kms_fqdn, @kms_address,
 * @kms_port: the user's KMS. @source is copied. */
ImpsUeUa *imps_ue_ua_new (ImpsNetwork *net, const gchar *address, const gchar *impu,
                          const gchar *kms_fqdn, const gchar *kms_address, guint16 kms_port,
                          const ImpsUeUaKeySource *source);
void imps_ue_ua_free (ImpsUeUa *ua);

void imps_ue_ua_set_suite_256 (ImpsUeUa *ua, gboolean suite_256);

/* The device's clock for MIKEY timestamps and ticket validity, reffed: a
 * skewed view for a device whose clock is off; NULL: the network's. */
void imps_ue_ua_set_clock (ImpsUeUa *ua, ImpsClock *clock);

/* A static PSK provisioned for the user instead of GBA (profile §2, NOTE
 * 1 of the seed): requests and resolves are keyed with @key (16 or 32
 * bytes, copied) and name @key_id in IDRpsk, and the client never
 * bootstraps (the KMS's answer to a PSK request never asks it to). NULL
 * @key_id goes back to GBA. */
void imps_ue_ua_set_static_psk (ImpsUeUa *ua, const gchar *key_id, const guint8 *key,
                                gsize key_len);

/* Ticket request for @desired (its responders, flags, desired keys; the
 * TP PRF is set from the suite). A cached ticket that fits is returned
 * without asking the KMS. The ticket is borrowed from the cache: valid
 * until imps_ue_ua_free() or imps_ue_ua_forget_tickets(). */
void imps_ue_ua_request_ticket_async (ImpsUeUa *ua, const ImpsMikeyTp *desired,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
ImpsMikeyHeldTicket *imps_ue_ua_request_ticket_finish (ImpsUeUa *ua, GAsyncResult *result,
                                                       gboolean *from_cache, GError **error);

/* A ticket request that always asks the KMS (with @desired's validity
 * window, flags and desired keys) and leaves the cache alone: the ticket
 * returned is owned by the caller (imps_mikey_held_ticket_free()). For
 * scripts that name their tickets. */
void imps_ue_ua_request_new_ticket_async (ImpsUeUa *ua, const ImpsMikeyTp *desired,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
ImpsMikeyHeldTicket *imps_ue_ua_request_new_ticket_finish (ImpsUeUa *ua, GAsyncResult *result,
                                                           GError **error);

/* Another public identity of the user (e.g. its tel: number): a resolve
 * of a TRANSFER_INIT whose IDRr names it names it too, as the KMS requires
 * the ticket's responder; the KMS checks it is the user's. */
void imps_ue_ua_add_identity (ImpsUeUa *ua, const gchar *identity);

/* Ticket resolve for a TRANSFER_INIT the UE received (after
 * imps_mikey_transfer_init_precheck()). Returns what the responder keeps
 * (owned by the caller). */
void imps_ue_ua_resolve_async (ImpsUeUa *ua, const ImpsMikeyMessage *transfer_init,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
ImpsMikeyResolved *imps_ue_ua_resolve_finish (ImpsUeUa *ua, GAsyncResult *result, GError **error);

/* Ticket cache. */
guint imps_ue_ua_count_tickets (ImpsUeUa *ua);
void imps_ue_ua_forget_tickets (ImpsUeUa *ua);
/* Forgets the cached ticket @held (freed with it): the callee refused it.
 * FALSE, and nothing done, when @held is not in the cache. */
gboolean imps_ue_ua_drop_ticket (ImpsUeUa *ua, const ImpsMikeyHeldTicket *held);
/* A call uses the cached @held (a ticket from imps_ue_ua_request_ticket_finish())
 * until it releases it: a used ticket stays cached while a call uses it. On
 * the last release a ticket no call can use again (expired, or single-use
 * and carried by a call) leaves the cache; an unused one leaves when it
 * expires (a clock timer), whether or not the UE asks for a ticket again.
 * Tickets not in the cache are ignored. */
void imps_ue_ua_borrow_ticket (ImpsUeUa *ua, const ImpsMikeyHeldTicket *held);
void imps_ue_ua_release_ticket (ImpsUeUa *ua, const ImpsMikeyHeldTicket *held);
/* Requests sent to the KMS and bootstraps run (for tests and reports). */
guint imps_ue_ua_count_requests (ImpsUeUa *ua);
guint imps_ue_ua_count_bootstraps (ImpsUeUa *ua);

/* A rogue client for scenario attacks: from now on it names itself
 * @identity (IDRi of its ticket requests, IDRr of its resolves) instead of
 * its IMPU, with its own B-TID; NULL restores its IMPU. Either way it
 * forgets its tickets, so no ticket crosses from one identity to the
 * other. */
void imps_ue_ua_set_claimed_identity (ImpsUeUa *ua, const gchar *identity);

/* For scenario attacks: POSTs @body, a MIKEY message made elsewhere (a
 * copy of another device's request), as is to the client's KMS from the
 * client's address as a @requesttype request ("ticketrequest"...). The
 * virtual clock stands still while it is on the wire. _finish returns the
 * answer's body and sets *@status to its HTTP status. */
void imps_ue_ua_send_raw_async (ImpsUeUa *ua, const gchar *requesttype, GBytes *body,
                                GAsyncReadyCallback callback, gpointer user_data);
GBytes *imps_ue_ua_send_raw_finish (GAsyncResult *result, guint *status, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsUeUa, imps_ue_ua_free)

G_END_DECLS
