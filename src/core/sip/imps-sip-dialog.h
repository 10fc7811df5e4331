/* SIP dialogs as far as the simulator's UEs need them (RFC 3261 §12):
 * the dialog state from an INVITE and its 2xx, the requests inside it
 * (BYE, re-INVITE, ...), and matching of incoming in-dialog messages.
 */
#pragma once

#include <glib.h>

#include "imps-sip-headers.h"

G_BEGIN_DECLS

/* Dialog state. Everything is owned by the dialog.
 * @local / @remote: the local and remote URI with their tag parameter
 *   (and display name) as they go into From / To of new requests.
 * @remote_target: where new requests go (the peer's Contact).
 * @route_set: ImpsSipNameAddr, in the order of Route headers to send.
 * @local_cseq: the CSeq number of the last request sent (the next one
 *   uses +1); @remote_cseq: of the last request received, 0 = none yet. */
typedef struct {
  gboolean is_uac;
  gchar *call_id;
  ImpsSipNameAddr *local;
  ImpsSipNameAddr *remote;
  ImpsSipUri *remote_target;
  GPtrArray *route_set;
  guint32 local_cseq;
  guint32 remote_cseq;
} ImpsSipDialog;

/* The caller's dialog (RFC 3261 §12.1.2) from its @invite and a 101-299
 * @response with a To tag: route set = Record-Route of the response
 * reversed, remote target = its Contact, local CSeq = the INVITE's. */
ImpsSipDialog *imps_sip_dialog_new_uac (const ImpsSipMessage *invite,
                                        const ImpsSipMessage *response,
                                        GError **error);
/* The callee's dialog (RFC 3261 §12.1.1) from the received @invite and
 * the @response it sends (which carries the To tag): route set =
 * Record-Route of the INVITE in order, remote target = its Contact,
 * remote CSeq = the INVITE's, local CSeq 0 (the first request uses 1). */
ImpsSipDialog *imps_sip_dialog_new_uas (const ImpsSipMessage *invite,
                                        const ImpsSipMessage *response,
                                        GError **error);
void imps_sip_dialog_free (ImpsSipDialog *dialog);

/* A new request in the dialog (RFC 3261 §12.2.1.1): Request-URI and Route
 * from the remote target and route set (loose routing when the first
 * route has "lr", else strict routing), @via as the only Via, Max-Forwards
 * 70, From = local, To = remote, Call-ID, CSeq = local CSeq + 1 (stored
 * back). Not for ACK: use imps_sip_message_new_ack_for_2xx(). */
ImpsSipMessage *imps_sip_dialog_new_request (ImpsSipDialog *dialog,
                                             const gchar *method,
                                             const ImpsSipVia *via,
                                             GError **error);

/* TRUE when @msg belongs to the dialog: same Call-ID, and for a request
 * From tag = remote tag and To tag = local tag; for a response the
 * other way round. */
gboolean imps_sip_dialog_matches (const ImpsSipDialog *dialog,
                                  const ImpsSipMessage *msg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipDialog, imps_sip_dialog_free)

G_END_DECLS
