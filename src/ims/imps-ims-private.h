/* Internal helpers shared by the files of src/ims. */
#pragma once

#include "imps-ims.h"
#include "sip/imps-sip-headers.h"
#include "sip/imps-sip-message.h"
#include "sdp/imps-sdp.h"

G_BEGIN_DECLS

/* Dotted IPv4 text, NUL included. */
#define IMS_ADDR_LEN 16

/* A SIP endpoint a node sends to. */
typedef struct {
  gchar addr[IMS_ADDR_LEN];
  guint16 port;
} ImsHop;

/* TRUE when @text is a dotted IPv4 address that fits ImsHop. */
gboolean ims_is_ipv4 (const gchar *text);
/* TRUE when @uri is sip:@addr:@port (port 5060 when absent). */
gboolean ims_uri_is_hop (const ImpsSipUri *uri, const gchar *addr, guint16 port);
/* Fills @hop from a sip URI whose host is an IPv4 address. */
gboolean ims_hop_from_uri (const ImpsSipUri *uri, ImsHop *hop);
/* Where a response goes (RFC 3261 §18.2.2, RFC 3581): received / rport
 * when present, else the sent-by host and port. */
gboolean ims_hop_from_via (const ImpsSipVia *via, ImsHop *hop);
/* Removes the top Route when it names @addr:@port; TRUE when it did. */
gboolean ims_pop_own_route (ImpsSipMessage *msg, const gchar *addr, guint16 port);
/* The next hop of a request (RFC 3261 §16.6 items 6-7, loose routing):
 * the top Route, else the Request-URI. FALSE when neither names an IPv4
 * host. */
gboolean ims_next_hop (const ImpsSipMessage *msg, ImsHop *hop);
/* TRUE when the top Via names @addr:@port; then *@branch (when not NULL)
 * gets a copy of its branch. */
gboolean ims_top_via_is (const ImpsSipMessage *msg, const gchar *addr, guint16 port,
                         gchar **branch);
/* A branch derived from the request's top Via branch, so that a stateless
 * proxy gives an INVITE, its CANCEL and its non-2xx ACK the same branch
 * (RFC 3261 §16.11): "z9hG4bK" + hex(SHA-256(in_branch | addr | port))[0..32]. */
gchar *ims_derive_branch (const ImpsSipMessage *request, const gchar *addr, guint16 port);
/* Pushes a Via for @addr:@port (UDP) with @branch. */
void ims_push_via (ImpsSipMessage *msg, const gchar *addr, guint16 port, const gchar *branch);
/* Adds Record-Route <sip:addr:port;lr> on top. */
void ims_record_route (ImpsSipMessage *msg, const gchar *addr, guint16 port);
/* TRUE when the To header carries a tag (the request is within a dialog). */
gboolean ims_in_dialog (const ImpsSipMessage *msg);
/* The event-log summary: "INVITE", "180 Ringing", with " (SDP a=crypto)",
 * " (SDP a=key-mgmt)" or " (SDP)" when the body is SDP. */
gchar *ims_summary (const ImpsSipMessage *msg);
/* Serialises and sends @msg. */
gboolean ims_send (ImpsSipBus *bus, ImpsRefPoint ref, const gchar *from_addr, guint16 from_port,
                   const ImsHop *to, const ImpsSipMessage *msg);
/* The SDP body of @msg (Content-Type application/sdp), or NULL: no body,
 * another type, or SDP that does not parse (@error set then). */
ImpsSdp *ims_body_sdp (const ImpsSipMessage *msg, GError **error);
/* Notes what an SDP shows of its keys into @exp. */
void ims_exposure_note_sdp (ImpsImsExposure *exp, const ImpsSdp *sdp);
/* "sip:user@host" with the host in lower case, for a sip/sips URI with a
 * user part; NULL otherwise. */
gchar *ims_impu_key (const ImpsSipUri *uri);

/* Exposure table: Call-ID -> ImpsImsExposure. */
GHashTable *ims_exposure_table_new (void);
ImpsImsExposure *ims_exposure_get (GHashTable *table, const gchar *call_id);

G_END_DECLS
