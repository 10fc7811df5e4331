/* What the HTTP server and its messages share (src/net only). */
#pragma once

#include "imps-http.h"
#include "imps-http-parse.h"

G_BEGIN_DECLS

struct _ImpsHttpMessage {
  gint ref;
  gpointer conn;              /* the server's connection, NULL once it is gone or done */
  GBytes *raw;                /* the request as it came: head and body */
  gsize head_len;
  GBytes *body;               /* made when asked for */
  const gchar *method, *path, *query, *content_type;
  gchar *content_type_owned;  /* when the value had parameters */
  gchar *path_owned;          /* when the path was percent-encoded */
  guint minor;                /* HTTP/1.minor of the request, and of the answer */
  gboolean keep_alive;        /* the client may send another request */
  guint n_fields;
  ImpsHttpPair *fields;       /* in the same block as the message */
  ImpsHttpPair answer[IMPS_HTTP_MAX_ANSWER_FIELDS];  /* owned strings */
  guint n_answer;
  /* the server's bookkeeping */
  GRefString *peer;           /* the client's node name */
  GRefString *stream;         /* "http alice-kms.home1.net" */
  GTlsCertificate *peer_cert; /* TLS: the client's certificate as the handshake verified it */
  GTlsCertificateFlags peer_errors;
  gboolean request_logged;
  gboolean responded;
  gboolean finished;          /* the client has gone: an answer cannot reach it */
  gboolean paused;
};

/* A message for the head @h parsed from @buf, whose body (after the head)
 * is @body_len bytes of @buf: everything is copied. NULL (IMPS_HTTP_ERROR
 * 400) when the path's percent-encoding is bad or encodes a NUL. */
ImpsHttpMessage *imps_http_message_new (const guint8 *buf, const ImpsHttpHead *h, gsize body_len,
                                        GError **error);

G_END_DECLS
