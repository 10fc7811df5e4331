/* A plain HTTP/1.1 client for the simulated UEs' Ub and Ua exchanges: one
 * request per call, on a connection of its own or on the one the
 * previous request to the same server left open; nothing kept once the
 * client is freed. The UE decides what each request says (its fields in
 * order, and whether it asks the server to close); the client adds
 * User-Agent, Content-Type and Content-Length.
 *
 * It reads answers with the servers' head reader (imps-http-parse.c):
 * bodies delimited by Content-Length, or by the close without one; an
 * answer with a Transfer-Encoding is refused (impsim's servers never send
 * one). Every wait (connect, write, read) ends after the client's
 * timeout. An idempotent request (GET, HEAD, ...) on a kept connection
 * that the server closes or resets before any byte of an answer goes once
 * more on a new one. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _ImpsHttpClient ImpsHttpClient;
typedef struct _ImpsHttpResponse ImpsHttpResponse;

/* @local_address: the address to connect from (NULL: the kernel's
 * choice); @user_agent: the User-Agent of every request; @timeout_s: the
 * bound of every wait (0: none). */
ImpsHttpClient *imps_http_client_new (const gchar *local_address, const gchar *user_agent,
                                      guint timeout_s);
/* Closes the kept connection; requests still on the wire end with
 * G_IO_ERROR_CANCELLED. */
void imps_http_client_free (ImpsHttpClient *client);

/* Sends "METHOD TARGET HTTP/1.1" to @address:@port with @fields (name,
 * value, ..., NULL) in that order, then User-Agent, then with a @body
 * Content-Type (@content_type) and Content-Length; with @close also
 * "Connection: close". @target must be visible ASCII (G_IO_ERROR_INVALID_ARGUMENT
 * otherwise). */
void imps_http_client_send_async (ImpsHttpClient *client, const gchar *address, guint16 port,
                                  const gchar *method, const gchar *target,
                                  const gchar *const *fields, const gchar *content_type,
                                  GBytes *body, gboolean close, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
ImpsHttpResponse *imps_http_client_send_finish (ImpsHttpClient *client, GAsyncResult *result,
                                                GError **error);
/* Connections the client opened (for tests). */
guint imps_http_client_get_connections (ImpsHttpClient *client);

guint imps_http_response_get_status (ImpsHttpResponse *response);
/* The reason phrase as the server sent it (may be empty). */
const gchar *imps_http_response_get_reason (ImpsHttpResponse *response);
/* The first field named @name (case-insensitive), or NULL. */
const gchar *imps_http_response_get_header (ImpsHttpResponse *response, const gchar *name);
/* Content-Type's media type without parameters, or NULL. */
const gchar *imps_http_response_get_content_type (ImpsHttpResponse *response);
GBytes *imps_http_response_get_body (ImpsHttpResponse *response);
void imps_http_response_free (ImpsHttpResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsHttpResponse, imps_http_response_free)

G_END_DECLS
