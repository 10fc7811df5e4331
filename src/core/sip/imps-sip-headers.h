/* Typed SIP header values (RFC 3261 §20, §25.1; RFC 3581 rport; RFC 3325
 * P-Asserted-Identity), the builders that add or replace them in a
 * message, the UAS/UAC helpers that derive a response, ACK or CANCEL from
 * an INVITE (RFC 3261 §8.2.6, §17.1.1.3, §9.1, §13.2.2.4), and branch,
 * tag and Call-ID generation from a caller-supplied ImpsRandom.
 *
 * Every parser here takes one header value (one element of a list) as
 * (text, len; len -1 for NUL-terminated) and fails with
 * IMPS_SIP_ERROR_HEADER and the byte offset (IMPS_SIP_ERROR_URI for a URI
 * inside, IMPS_SIP_ERROR_TOO_LARGE past a bound).
 */
#pragma once

#include <glib.h>

#include "imps-random.h"
#include "imps-sip-message.h"
#include "imps-sip-uri.h"

G_BEGIN_DECLS

#define IMPS_SIP_BRANCH_MAGIC "z9hG4bK"

/* ---- Via ------------------------------------------------------------ */

/* One via-parm. Strings owned by the struct. @transport is the third
 * part of "SIP/2.0/UDP" as written; protocol name and version are checked
 * to be SIP and 2.0. @port -1 when absent. @rport -1 when absent, 0 when
 * present without a value (RFC 3581). @params holds the other parameters
 * (ttl, maddr, extensions) in order. */
typedef struct {
  gchar *transport;
  gchar *host;
  gboolean host_is_ipv6;
  gint port;
  gchar *branch;
  gchar *received;
  gint rport;
  GPtrArray *params;
} ImpsSipVia;

ImpsSipVia *imps_sip_via_parse (const gchar *text, gssize len, GError **error);
/* A Via for @transport ("UDP"), @host, @port (-1 none) and @branch. */
ImpsSipVia *imps_sip_via_new (const gchar *transport, const gchar *host,
                              gint port, const gchar *branch);
ImpsSipVia *imps_sip_via_copy (const ImpsSipVia *via);
void imps_sip_via_free (ImpsSipVia *via);
/* Writes "SIP/2.0/<transport> host[:port]" then branch, received, rport
 * and the other parameters, in that order. */
void imps_sip_via_append (const ImpsSipVia *via, GString *out);
gchar *imps_sip_via_to_string (const ImpsSipVia *via);

/* ---- name-addr: From, To, Contact, Route, Record-Route, P-A-I ------- */

/* @display_name unquoted (NULL when absent); @uri the address; @params the
 * header parameters (tag, expires, q, ...), values as
 * written (a quoted value keeps its quotes). @star for "Contact: *". */
typedef struct {
  gchar *display_name;
  ImpsSipUri *uri;
  GPtrArray *params;
  gboolean star;
} ImpsSipNameAddr;

ImpsSipNameAddr *imps_sip_name_addr_parse (const gchar *text, gssize len,
                                           gboolean allow_star,
                                           GError **error);
/* Takes ownership of @uri. @display_name may be NULL. */
ImpsSipNameAddr *imps_sip_name_addr_new (const gchar *display_name,
                                         ImpsSipUri *uri);
ImpsSipNameAddr *imps_sip_name_addr_copy (const ImpsSipNameAddr *na);
void imps_sip_name_addr_free (ImpsSipNameAddr *na);
/* Always writes the <...> form; the display name quoted when needed. */
void imps_sip_name_addr_append (const ImpsSipNameAddr *na, GString *out);
gchar *imps_sip_name_addr_to_string (const ImpsSipNameAddr *na);
const gchar *imps_sip_name_addr_get_tag (const ImpsSipNameAddr *na);
void imps_sip_name_addr_set_tag (ImpsSipNameAddr *na, const gchar *tag);
/* Contact "expires" parameter: TRUE and *expires when present and numeric. */
gboolean imps_sip_name_addr_get_expires (const ImpsSipNameAddr *na,
                                         guint32 *expires);

/* ---- CSeq, Content-Type, numbers ------------------------------------ */

typedef struct {
  guint32 number;   /* < 2^31 (RFC 3261 §8.1.1.5) */
  gchar method[IMPS_SIP_MAX_METHOD + 1];
} ImpsSipCSeq;

gboolean imps_sip_cseq_parse (const gchar *text, gssize len, ImpsSipCSeq *out,
                              GError **error);

typedef struct {
  gchar *type;
  gchar *subtype;
  GPtrArray *params;
} ImpsSipContentType;

ImpsSipContentType *imps_sip_content_type_parse (const gchar *text, gssize len,
                                                 GError **error);
void imps_sip_content_type_free (ImpsSipContentType *ct);

/* A Call-ID: word [ "@" word ]. */
gboolean imps_sip_call_id_validate (const gchar *text, gssize len,
                                    GError **error);

/* ---- Reading typed values from a message ----------------------------- */

/* Each getter names the header in its error; a missing header is
 * IMPS_SIP_ERROR_MISSING_HEADER. */
ImpsSipNameAddr *imps_sip_message_get_from (const ImpsSipMessage *msg,
                                            GError **error);
ImpsSipNameAddr *imps_sip_message_get_to (const ImpsSipMessage *msg,
                                          GError **error);
/* The tag of From / To, copied to @buf (at most @size bytes with the
 * NUL), without allocating. FALSE when the header or its tag is absent,
 * does not parse, or does not fit. */
gboolean imps_sip_message_get_from_tag (const ImpsSipMessage *msg,
                                        gchar *buf, gsize size);
gboolean imps_sip_message_get_to_tag (const ImpsSipMessage *msg,
                                      gchar *buf, gsize size);
const gchar *imps_sip_message_get_call_id (const ImpsSipMessage *msg);
gboolean imps_sip_message_get_cseq (const ImpsSipMessage *msg,
                                    ImpsSipCSeq *out, GError **error);
gboolean imps_sip_message_get_max_forwards (const ImpsSipMessage *msg,
                                            guint *out, GError **error);
gboolean imps_sip_message_get_expires (const ImpsSipMessage *msg,
                                       guint32 *out, GError **error);
/* The top Via (index 0) or the Via at @index across all Via values. */
ImpsSipVia *imps_sip_message_get_via (const ImpsSipMessage *msg, guint index,
                                      GError **error);
/* Lists (GPtrArray with free functions; empty when the header is absent). */
GPtrArray *imps_sip_message_get_vias (const ImpsSipMessage *msg,
                                      GError **error);
GPtrArray *imps_sip_message_get_contacts (const ImpsSipMessage *msg,
                                          GError **error);
/* Route, Record-Route, P-Asserted-Identity, Path, Service-Route... */
GPtrArray *imps_sip_message_get_name_addrs (const ImpsSipMessage *msg,
                                            const gchar *name,
                                            GError **error);
ImpsSipContentType *imps_sip_message_get_content_type (const ImpsSipMessage *msg,
                                                       GError **error);

/* ---- Building --------------------------------------------------------- */

/* Inserts @via as a new first Via line (before the current top Via). */
void imps_sip_message_push_via (ImpsSipMessage *msg, const ImpsSipVia *via);
/* Removes the top Via value (only that value when the first Via line
 * holds several). FALSE when there is no Via. */
gboolean imps_sip_message_pop_via (ImpsSipMessage *msg);
/* Replaces the top Via value (e.g. after adding received/rport). */
gboolean imps_sip_message_replace_top_via (ImpsSipMessage *msg,
                                           const ImpsSipVia *via);
void imps_sip_message_set_from (ImpsSipMessage *msg, const ImpsSipNameAddr *na);
void imps_sip_message_set_to (ImpsSipMessage *msg, const ImpsSipNameAddr *na);
/* Adds ";tag=@tag" to To when it has no tag yet; replaces an existing one
 * when @replace. Fails when To is missing or does not parse. */
gboolean imps_sip_message_set_to_tag (ImpsSipMessage *msg, const gchar *tag,
                                      gboolean replace, GError **error);
void imps_sip_message_set_call_id (ImpsSipMessage *msg, const gchar *call_id);
void imps_sip_message_set_cseq (ImpsSipMessage *msg, guint32 number,
                                const gchar *method);
void imps_sip_message_set_max_forwards (ImpsSipMessage *msg, guint value);
void imps_sip_message_set_expires (ImpsSipMessage *msg, guint32 value);
/* A proxy's step on forwarding (RFC 3261 §16.6 item 3): Max-Forwards minus
 * one, or 70 when absent. At 0 it fails with IMPS_SIP_ERROR_TOO_MANY_HOPS
 * (answer 483) and leaves the message as it was. */
gboolean imps_sip_message_decrement_max_forwards (ImpsSipMessage *msg,
                                                  GError **error);
void imps_sip_message_add_contact (ImpsSipMessage *msg,
                                   const ImpsSipNameAddr *na);
/* Appends one value to a list header (Route, Record-Route,
 * P-Asserted-Identity, ...), as a new line. */
void imps_sip_message_add_name_addr (ImpsSipMessage *msg, const gchar *name,
                                     const ImpsSipNameAddr *na);
/* Inserts a value as the first of its header (e.g. Record-Route by a proxy). */
void imps_sip_message_prepend_name_addr (ImpsSipMessage *msg,
                                         const gchar *name,
                                         const ImpsSipNameAddr *na);
/* Removes the first value of a list header (e.g. the top Route). */
gboolean imps_sip_message_pop_value (ImpsSipMessage *msg, const gchar *name);

/* ---- Transactions and dialogs ----------------------------------------- */

/* A response to @request (RFC 3261 §8.2.6): copies every Via (in order),
 * From, To, Call-ID and CSeq; adds @to_tag (NULL: none) to To when To has
 * no tag and @status is not 100; for a dialog-creating response (101..299
 * to INVITE) copies Record-Route too. @reason NULL: the §21 phrase. */
ImpsSipMessage *imps_sip_message_new_response_for (const ImpsSipMessage *request,
                                                   guint status,
                                                   const gchar *reason,
                                                   const gchar *to_tag,
                                                   GError **error);
/* The ACK for a non-2xx final @response to @invite (RFC 3261 §17.1.1.3):
 * same Request-URI, Call-ID, From, top Via and Route; To from the
 * response; CSeq number of the INVITE with method ACK; Max-Forwards 70. */
ImpsSipMessage *imps_sip_message_new_ack_for_error (const ImpsSipMessage *invite,
                                                    const ImpsSipMessage *response,
                                                    GError **error);
/* The ACK for a 2xx @response to @invite (RFC 3261 §13.2.2.4, §12.1.2,
 * §12.2.1.1): Request-URI = the response's Contact, Route = its
 * Record-Route reversed (loose routing), a new Via @via (with a new
 * branch), From of the INVITE, To of the response, CSeq number of the
 * INVITE with method ACK, Max-Forwards 70. */
ImpsSipMessage *imps_sip_message_new_ack_for_2xx (const ImpsSipMessage *invite,
                                                  const ImpsSipMessage *response,
                                                  const ImpsSipVia *via,
                                                  GError **error);
/* The CANCEL for @invite (RFC 3261 §9.1): same Request-URI, Call-ID, To,
 * From, CSeq number (method CANCEL), top Via only, Route; Max-Forwards 70. */
ImpsSipMessage *imps_sip_message_new_cancel_for (const ImpsSipMessage *invite,
                                                 GError **error);

/* "z9hG4bK" followed by 32 lower-case hex digits (16 random bytes). */
gchar *imps_sip_branch_new (ImpsRandom *rnd);
/* 16 lower-case hex digits (8 random bytes). */
gchar *imps_sip_tag_new (ImpsRandom *rnd);
/* 32 lower-case hex digits, then "@" @host when @host is not NULL. */
gchar *imps_sip_call_id_new (ImpsRandom *rnd, const gchar *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipVia, imps_sip_via_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipNameAddr, imps_sip_name_addr_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipContentType, imps_sip_content_type_free)

G_END_DECLS
