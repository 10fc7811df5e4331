/* The head of an HTTP/1.1 request (RFC 9112 §2-§6) as impsim's servers
 * read it: request line, header fields, and what the server decides from
 * them (body length, keep-alive). Outside input: every field is checked
 * against the grammar and the bounds below, and a head that is refused
 * gets the status to answer with and the reason.
 *
 * The parser works on the bytes as they arrived and gives offsets into
 * them; it copies and allocates nothing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bounds of a request head: its size (request line, fields and the empty
 * line) and the number of header fields. Over either: 431. */
#define IMPS_HTTP_MAX_HEAD (16 * 1024)
#define IMPS_HTTP_MAX_HEADERS 64

typedef struct {
  guint32 off;
  guint32 len;
} ImpsHttpSpan;

typedef struct {
  ImpsHttpSpan name;
  ImpsHttpSpan value;  /* without the whitespace around it */
} ImpsHttpField;

typedef struct {
  gsize head_len;       /* bytes of the head, the empty line included (leading empty lines too) */
  ImpsHttpSpan method;
  ImpsHttpSpan target;  /* as sent */
  ImpsHttpSpan path;    /* the target's path ("*" for OPTIONS *; "/" for an absolute URI without one) */
  ImpsHttpSpan query;   /* after '?', when has_query */
  gboolean has_query;
  guint minor;          /* HTTP/1.minor: 0 or 1 */
  guint n_fields;
  ImpsHttpField fields[IMPS_HTTP_MAX_HEADERS];
  /* From the fields. */
  gboolean has_length;
  guint64 content_length;
  gboolean keep_alive;  /* the client may send another request, or the server keep the
                         * connection after its answer (RFC 9112 §9.3) */
  /* An answer's (imps_http_response_head_parse()). */
  guint status;
  ImpsHttpSpan reason;
} ImpsHttpHead;

typedef enum {
  IMPS_HTTP_HEAD_INCOMPLETE = 0,  /* no end of the head yet: read more */
  IMPS_HTTP_HEAD_OK = 1,
  IMPS_HTTP_HEAD_REFUSED = -1,    /* *status and the error say why */
} ImpsHttpHeadResult;

/* Where the head in @buf ends (the offset just past its empty line), or 0
 * when it has not ended yet. @from: how many bytes an earlier call already
 * looked at (the search goes on from there; 0 the first time). */
gsize imps_http_head_end (const guint8 *buf, gsize len, gsize from);

/* Errors of a refused head: the code is the HTTP status to answer with. */
#define IMPS_HTTP_ERROR (imps_http_error_quark ())
GQuark imps_http_error_quark (void);

/* Parses the head at the start of @buf (@len bytes, as many as arrived).
 * INCOMPLETE when the head has not ended within IMPS_HTTP_MAX_HEAD bytes
 * yet; REFUSED with @error (IMPS_HTTP_ERROR, its code the status: 400,
 * 411, 431 or 505; its message the reason, one line) for a head that
 * breaks the grammar or a bound:
 * - 400: a bad request line or field, a field name followed by
 *   whitespace, obs-fold, a control character in a field, a Content-Length
 *   that is not a number of at most 63 bits or that is given twice with
 *   different values, an HTTP/1.1 request without exactly one Host;
 * - 411: a Transfer-Encoding (a body's length is required);
 * - 431: a head over IMPS_HTTP_MAX_HEAD bytes or IMPS_HTTP_MAX_HEADERS fields;
 * - 505: a version other than HTTP/1.0 and HTTP/1.1.
 * A field's value in the error is shown escaped and cut at 40 bytes. */
ImpsHttpHeadResult imps_http_head_parse (const guint8 *buf, gsize len, ImpsHttpHead *head,
                                         GError **error);

/* The head of an answer (RFC 9112 §4): status line and fields, with the
 * same grammar and bounds as a request's. REFUSED (IMPS_HTTP_ERROR 502)
 * for a head that breaks them, and for a Transfer-Encoding: impsim's
 * servers always send Content-Length, and an answer without it runs to
 * the close. */
ImpsHttpHeadResult imps_http_response_head_parse (const guint8 *buf, gsize len,
                                                  ImpsHttpHead *head, GError **error);

/* A field of a head as strings. */
typedef struct {
  const gchar *name;
  const gchar *value;
} ImpsHttpPair;

/* Copies @head's bytes from @buf into @text (head_len + 1 bytes) with a
 * NUL after each field's name and value (the byte there is a delimiter,
 * so nothing is lost), and points @pairs (n_fields of them) into it. */
void imps_http_head_strings (const guint8 *buf, const ImpsHttpHead *head, gchar *text,
                             ImpsHttpPair *pairs);
/* The value of the first of @n @pairs named @name (case-insensitive), or
 * NULL. */
const gchar *imps_http_pairs_find (const ImpsHttpPair *pairs, guint n, const gchar *name);
/* The media type of a Content-Type @value: @value itself without
 * parameters, else a copy cut before them, which *@owned then holds. */
const gchar *imps_http_media_type (const gchar *value, gchar **owned);

/* The value of the first field named @name (case-insensitive) of @head
 * in @buf, or FALSE. */
gboolean imps_http_head_find (const ImpsHttpHead *head, const guint8 *buf, const gchar *name,
                              ImpsHttpSpan *value);

G_END_DECLS
