/* SIP messages (RFC 3261 §7, §25): parse and build.
 *
 * A message is a request (method, Request-URI) or a response (status code,
 * reason), a list of header lines in order, and a body. Header names are
 * kept as received; lookups are case-insensitive and treat a compact form
 * (i, m, e, l, c, f, s, k, t, v, ...) as its full name. The values of
 * list headers (Via, Contact, Route, ...) are split at commas outside
 * quoted strings and <...>.
 *
 * Parsing checks: CRLF line ends (CRLFs before the start line are
 * skipped), no control characters, UTF-8 header values, the start line
 * and SIP/2.0 (the Request-URI must parse), header syntax, the bounds of
 * imps-sip-uri.h; that Via, From, To, Call-ID, CSeq (and in a request
 * Max-Forwards) are present; that From, To, Call-ID, CSeq, Max-Forwards,
 * Content-Type and Expires appear at most once; that every Via, From, To,
 * Contact, Route, Record-Route and P-Asserted-Identity value parses; that
 * a request's CSeq method is its method; that Max-Forwards (0..255),
 * Expires and Content-Length are numbers; that list values are not empty
 * and close their quotes and <...>; that Contact "*" stands alone; and
 * that Content-Length (when present) is exactly the length of the body.
 * Without Content-Length the body is the rest of the bytes. So the typed
 * getters of imps-sip-headers.h cannot fail on a parsed message for
 * those headers (they still report errors for built ones).
 *
 * Building writes full header names, CRLF line ends and a Content-Length
 * computed from the body (in place of a received one, else last).
 */
#pragma once

#include <glib.h>

#include "imps-sip-uri.h"

G_BEGIN_DECLS

typedef enum {
  IMPS_SIP_HDR_OTHER = 0,
  IMPS_SIP_HDR_ACCEPT,
  IMPS_SIP_HDR_ACCEPT_CONTACT,
  IMPS_SIP_HDR_ACCEPT_ENCODING,
  IMPS_SIP_HDR_ACCEPT_LANGUAGE,
  IMPS_SIP_HDR_ALERT_INFO,
  IMPS_SIP_HDR_ALLOW,
  IMPS_SIP_HDR_ALLOW_EVENTS,
  IMPS_SIP_HDR_AUTHORIZATION,
  IMPS_SIP_HDR_CALL_ID,
  IMPS_SIP_HDR_CALL_INFO,
  IMPS_SIP_HDR_CONTACT,
  IMPS_SIP_HDR_CONTENT_DISPOSITION,
  IMPS_SIP_HDR_CONTENT_ENCODING,
  IMPS_SIP_HDR_CONTENT_LANGUAGE,
  IMPS_SIP_HDR_CONTENT_LENGTH,
  IMPS_SIP_HDR_CONTENT_TYPE,
  IMPS_SIP_HDR_CSEQ,
  IMPS_SIP_HDR_DATE,
  IMPS_SIP_HDR_ERROR_INFO,
  IMPS_SIP_HDR_EVENT,
  IMPS_SIP_HDR_EXPIRES,
  IMPS_SIP_HDR_FROM,
  IMPS_SIP_HDR_IDENTITY,
  IMPS_SIP_HDR_IN_REPLY_TO,
  IMPS_SIP_HDR_MAX_FORWARDS,
  IMPS_SIP_HDR_MIME_VERSION,
  IMPS_SIP_HDR_MIN_EXPIRES,
  IMPS_SIP_HDR_ORGANIZATION,
  IMPS_SIP_HDR_P_ASSERTED_IDENTITY,
  IMPS_SIP_HDR_P_ASSOCIATED_URI,
  IMPS_SIP_HDR_P_PREFERRED_IDENTITY,
  IMPS_SIP_HDR_PATH,
  IMPS_SIP_HDR_PRIORITY,
  IMPS_SIP_HDR_PROXY_AUTHENTICATE,
  IMPS_SIP_HDR_PROXY_AUTHORIZATION,
  IMPS_SIP_HDR_PROXY_REQUIRE,
  IMPS_SIP_HDR_REASON,
  IMPS_SIP_HDR_RECORD_ROUTE,
  IMPS_SIP_HDR_REFER_TO,
  IMPS_SIP_HDR_REFERRED_BY,
  IMPS_SIP_HDR_REJECT_CONTACT,
  IMPS_SIP_HDR_REPLY_TO,
  IMPS_SIP_HDR_REQUEST_DISPOSITION,
  IMPS_SIP_HDR_REQUIRE,
  IMPS_SIP_HDR_RETRY_AFTER,
  IMPS_SIP_HDR_ROUTE,
  IMPS_SIP_HDR_SERVER,
  IMPS_SIP_HDR_SERVICE_ROUTE,
  IMPS_SIP_HDR_SESSION_EXPIRES,
  IMPS_SIP_HDR_SUBJECT,
  IMPS_SIP_HDR_SUPPORTED,
  IMPS_SIP_HDR_TIMESTAMP,
  IMPS_SIP_HDR_TO,
  IMPS_SIP_HDR_UNSUPPORTED,
  IMPS_SIP_HDR_USER_AGENT,
  IMPS_SIP_HDR_VIA,
  IMPS_SIP_HDR_WARNING,
  IMPS_SIP_HDR_WWW_AUTHENTICATE,
  IMPS_SIP_HDR_N_KNOWN,
} ImpsSipHeaderId;

/* The id of a header name (full or compact form, any case), or
 * IMPS_SIP_HDR_OTHER. */
ImpsSipHeaderId imps_sip_header_id_from_name (const gchar *name, gsize len);
/* The full name of a known header ("Call-ID", ...); NULL for OTHER. */
const gchar *imps_sip_header_id_to_name (ImpsSipHeaderId id);
/* TRUE when the grammar makes the header a comma-separated list. */
gboolean imps_sip_header_id_is_list (ImpsSipHeaderId id);

/* One header line. @name as received (or as added), @value without
 * surrounding whitespace, folded lines joined by one space. Both are owned
 * by the message and stay valid until the message is freed. */
typedef struct {
  const gchar *name;
  const gchar *value;
  ImpsSipHeaderId id;
  guint line;          /* line number in the parsed message; 0 when added */
} ImpsSipHeader;

typedef struct _ImpsSipMessage ImpsSipMessage;

/* Parses one message of @len bytes. Errors name the start line or the
 * header and its line number, and the byte offset. */
ImpsSipMessage *imps_sip_message_parse (const guint8 *data, gsize len,
                                        GError **error);

/* An empty request or response (no headers, no body). @reason NULL: the
 * RFC 3261 §21 phrase for @status. */
ImpsSipMessage *imps_sip_message_new_request (const gchar *method,
                                              const gchar *request_uri);
ImpsSipMessage *imps_sip_message_new_response (guint status,
                                               const gchar *reason);
void imps_sip_message_free (ImpsSipMessage *msg);

/* The RFC 3261 §21 reason phrase of @status ("Unknown" when none). */
const gchar *imps_sip_reason_phrase (guint status);

gboolean imps_sip_message_is_request (const ImpsSipMessage *msg);
/* Requests: method and Request-URI text (owned by the message). */
const gchar *imps_sip_message_get_method (const ImpsSipMessage *msg);
const gchar *imps_sip_message_get_request_uri (const ImpsSipMessage *msg);
/* Parses the Request-URI (new URI, free it). */
ImpsSipUri *imps_sip_message_dup_request_uri (const ImpsSipMessage *msg,
                                              GError **error);
void imps_sip_message_set_request_uri (ImpsSipMessage *msg, const gchar *uri);
/* Responses: status code (100..699) and reason phrase. */
guint imps_sip_message_get_status (const ImpsSipMessage *msg);
const gchar *imps_sip_message_get_reason (const ImpsSipMessage *msg);
/* TRUE for a request with @method, or a response whose CSeq method is
 * @method. */
gboolean imps_sip_message_has_method (const ImpsSipMessage *msg,
                                      const gchar *method);

/* Header lines in order. */
guint imps_sip_message_get_n_headers (const ImpsSipMessage *msg);
const ImpsSipHeader *imps_sip_message_get_header (const ImpsSipMessage *msg,
                                                  guint index);
/* The index of the first line named @name (any form) at or after @from,
 * or -1. */
gint imps_sip_message_find_header (const ImpsSipMessage *msg,
                                   const gchar *name, guint from);
/* The value of the first line named @name, or NULL. */
const gchar *imps_sip_message_get_header_value (const ImpsSipMessage *msg,
                                                const gchar *name);
/* How many lines are named @name. */
guint imps_sip_message_count_headers (const ImpsSipMessage *msg,
                                      const gchar *name);

/* Iterates the values of every line named @name in order; list headers are
 * split at commas outside quoted strings and <...>, others give one value
 * per line. No allocation: each value is a (pointer, length) into the
 * message, trimmed. The message must not change during the iteration. */
typedef struct {
  const ImpsSipMessage *msg;
  const gchar *name;
  ImpsSipHeaderId id;
  guint line;
  const gchar *pos;
  gboolean list;
} ImpsSipValueIter;

void imps_sip_value_iter_init (ImpsSipValueIter *iter,
                               const ImpsSipMessage *msg, const gchar *name);
gboolean imps_sip_value_iter_next (ImpsSipValueIter *iter,
                                   const gchar **value, gsize *len);
/* All the values as new strings (a GPtrArray of gchar*, free it). */
GPtrArray *imps_sip_message_get_values (const ImpsSipMessage *msg,
                                        const gchar *name);

/* Editing. Names and values are copied. A name may be any form; values
 * must not contain CR or LF (programming error). */
void imps_sip_message_append_header (ImpsSipMessage *msg, const gchar *name,
                                     const gchar *value);
/* Inserts before line @index (index == n: append). */
void imps_sip_message_insert_header (ImpsSipMessage *msg, guint index,
                                     const gchar *name, const gchar *value);
/* Replaces the first line named @name and removes the others, or appends. */
void imps_sip_message_set_header (ImpsSipMessage *msg, const gchar *name,
                                  const gchar *value);
/* Replaces the value of line @index (its name stays). */
void imps_sip_message_replace_header_value (ImpsSipMessage *msg, guint index,
                                            const gchar *value);
void imps_sip_message_remove_header_at (ImpsSipMessage *msg, guint index);
/* Removes every line named @name; returns how many. */
guint imps_sip_message_remove_header (ImpsSipMessage *msg, const gchar *name);

/* The body (never NULL; empty when there is none). */
GBytes *imps_sip_message_get_body (const ImpsSipMessage *msg);
/* Sets the body (a new reference is taken; NULL = empty) and, when
 * @content_type is not NULL, the Content-Type header. */
void imps_sip_message_set_body (ImpsSipMessage *msg, GBytes *body,
                                const gchar *content_type);

/* Appends the message as bytes to @out. */
void imps_sip_message_write (const ImpsSipMessage *msg, GByteArray *out);
GBytes *imps_sip_message_to_bytes (const ImpsSipMessage *msg);
/* A deep copy. */
ImpsSipMessage *imps_sip_message_copy (const ImpsSipMessage *msg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipMessage, imps_sip_message_free)

G_END_DECLS
