#include "imps-http.h"

#include <string.h>

static void
put_headers (GString *s, SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (s, "%s: %s\r\n", name, value);
  g_string_append (s, "\r\n");
}

static GBytes *
finish_bytes (GString *head, SoupMessageBody *body)
{
  g_autoptr (GBytes) flat = body ? soup_message_body_flatten (body) : NULL;
  gsize len = 0;
  const guint8 *data = flat ? g_bytes_get_data (flat, &len) : NULL;
  if (len)
    g_string_append_len (head, (const gchar *) data, (gssize) len);
  gsize total = head->len;
  return g_bytes_new_take (g_string_free (head, FALSE), total);
}

static gchar
version_digit (SoupHTTPVersion v)
{
  return v == SOUP_HTTP_1_0 ? '0' : '1';
}

GBytes *
imps_http_request_bytes (SoupServerMessage *msg)
{
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);
  GUri *uri = soup_server_message_get_uri (msg);
  const gchar *path = uri ? g_uri_get_path (uri) : "/";
  const gchar *query = uri ? g_uri_get_query (uri) : NULL;
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%s %s%s%s HTTP/1.%c\r\n", soup_server_message_get_method (msg),
                          path && *path ? path : "/", query ? "?" : "", query ? query : "",
                          version_digit (soup_server_message_get_http_version (msg)));
  put_headers (s, soup_server_message_get_request_headers (msg));
  return finish_bytes (s, soup_server_message_get_request_body (msg));
}

GBytes *
imps_http_response_bytes (SoupServerMessage *msg)
{
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);
  guint status = soup_server_message_get_status (msg);
  const gchar *phrase = soup_server_message_get_reason_phrase (msg);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "HTTP/1.%c %u %s\r\n",
                          version_digit (soup_server_message_get_http_version (msg)), status,
                          phrase ? phrase : soup_status_get_phrase (status));
  put_headers (s, soup_server_message_get_response_headers (msg));
  return finish_bytes (s, soup_server_message_get_response_body (msg));
}

gchar *
imps_http_date (gint64 unix_seconds)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);
  if (dt == NULL)
    return g_strdup ("Thu, 01 Jan 1970 00:00:00 GMT");
  return soup_date_time_to_string (dt, SOUP_DATE_HTTP);
}

/* ---------------------------------------------------------------------
 * Server.
 * ------------------------------------------------------------------- */

struct _ImpsHttpServer {
  ImpsNetwork *net;
  gchar *node_name;
  gchar *server_header;
  ImpsRefPoint ref;
  ImpsHttpHandler handler;
  gpointer user_data;
  SoupServer *soup;
  guint16 port;
  gsize max_body;
  GPtrArray *paused;       /* SoupServerMessage*, one reference each */
};

/* What the server remembers about one message. */
typedef struct {
  gchar *peer;
  gchar *stream;
  gboolean request_logged;
  gboolean responded;
  gboolean finished;       /* the connection is done with it (or gone) */
  gboolean paused;
} MsgState;

#define STATE_KEY "imps-http-state"

static void
msg_state_free (gpointer p)
{
  MsgState *st = p;
  g_free (st->peer);
  g_free (st->stream);
  g_free (st);
}

static MsgState *
msg_state (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), STATE_KEY);
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  MsgState *st = msg_state (msg);
  if (st)
    st->finished = TRUE;
}

static void
log_request (ImpsHttpServer *s, SoupServerMessage *msg, MsgState *st, const gchar *summary)
{
  if (st->request_logged)
    return;
  st->request_logged = TRUE;
  g_autoptr (GBytes) bytes = imps_http_request_bytes (msg);
  imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, st->peer, s->node_name,
                    bytes, st->stream, NULL, "%s", summary);
}

void
imps_http_server_log_request (ImpsHttpServer *s, SoupServerMessage *msg,
                              const gchar *summary_fmt, ...)
{
  MsgState *st = msg_state (msg);
  g_return_if_fail (st != NULL);
  if (st->request_logged)
    return;
  va_list ap;
  va_start (ap, summary_fmt);
  g_autofree gchar *summary = g_strdup_vprintf (summary_fmt, ap);
  va_end (ap);
  log_request (s, msg, st, summary);
}

static MsgState *
msg_state_new (ImpsHttpServer *s, SoupServerMessage *msg)
{
  MsgState *st = g_new0 (MsgState, 1);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  st->peer = remote ? imps_network_peer_name (s->net, remote) : g_strdup ("?");
  st->stream = g_strdup_printf ("http %s-%s", st->peer, s->node_name);
  g_object_set_data_full (G_OBJECT (msg), STATE_KEY, st, msg_state_free);
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), NULL);
  if (g_signal_lookup ("disconnected", SOUP_TYPE_SERVER_MESSAGE) != 0)
    g_signal_connect (msg, "disconnected", G_CALLBACK (on_finished), NULL);
  return st;
}

/* Runs when the headers are in, before the body is read: refuses bodies
 * over the bound (libsoup then skips the body and the handler). */
static void
early_callback (SoupServer *soup, SoupServerMessage *msg, const char *path,
                GHashTable *query, gpointer data)
{
  ImpsHttpServer *s = data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (h);
  goffset length = encoding == SOUP_ENCODING_CONTENT_LENGTH
                   ? soup_message_headers_get_content_length (h) : 0;
  if (encoding != SOUP_ENCODING_CHUNKED && (guint64) length <= s->max_body)
    return;
  MsgState *st = msg_state_new (s, msg);
  GUri *uri = soup_server_message_get_uri (msg);
  if (encoding == SOUP_ENCODING_CHUNKED)
    {
      imps_http_server_log_request (s, msg, "%s %s (chunked body)",
                                    soup_server_message_get_method (msg),
                                    uri ? g_uri_get_path (uri) : "/");
      g_autofree gchar *why = g_strdup_printf ("request from %s has a chunked body; a length "
                                               "is required (at most %" G_GSIZE_FORMAT " bytes)",
                                               st->peer, s->max_body);
      imps_http_server_respond (s, msg, SOUP_STATUS_LENGTH_REQUIRED, NULL, NULL, 0, why,
                                "411 body length required");
    }
  else
    {
      imps_http_server_log_request (s, msg, "%s %s (%" G_GINT64_FORMAT "-byte body)",
                                    soup_server_message_get_method (msg),
                                    uri ? g_uri_get_path (uri) : "/", (gint64) length);
      g_autofree gchar *why = g_strdup_printf ("request from %s has a %" G_GINT64_FORMAT
                                               "-byte body; at most %" G_GSIZE_FORMAT
                                               " bytes are read", st->peer, (gint64) length,
                                               s->max_body);
      imps_http_server_respond (s, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL, NULL, 0, why,
                                "413 body too large");
    }
}

static void
server_callback (SoupServer *soup, SoupServerMessage *msg, const char *path,
                 GHashTable *query, gpointer data)
{
  ImpsHttpServer *s = data;
  MsgState *st = msg_state (msg);
  if (st != NULL && st->responded)
    return;   /* refused by the early handler */
  st = msg_state_new (s, msg);
  s->handler (s, msg, st->peer, s->user_data);
  if (!st->responded && !st->paused)
    {
      g_warning ("HTTP handler of %s neither answered nor paused", s->node_name);
      imps_http_server_respond (s, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL, NULL, 0,
                                "the handler did not answer", "500 (no answer)");
    }
}

ImpsHttpServer *
imps_http_server_new (ImpsNetwork *net, const gchar *node_name, ImpsRefPoint ref,
                      const gchar *server_header, ImpsHttpHandler handler, gpointer user_data)
{
  g_return_val_if_fail (net && node_name && handler, NULL);
  ImpsHttpServer *s = g_new0 (ImpsHttpServer, 1);
  s->net = net;
  s->node_name = g_strdup (node_name);
  s->server_header = g_strdup (server_header);
  s->ref = ref;
  s->handler = handler;
  s->user_data = user_data;
  s->max_body = IMPS_HTTP_MAX_BODY_DEFAULT;
  s->paused = g_ptr_array_new ();
  return s;
}

gboolean
imps_http_server_listen (ImpsHttpServer *s, const gchar *address, guint16 port, GError **error)
{
  g_return_val_if_fail (s->soup == NULL, FALSE);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  if (ia == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address",
                   address);
      return FALSE;
    }
  /* No automatic Server header: the node's own goes on every response. */
  s->soup = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_early_handler (s->soup, NULL, early_callback, s, NULL);
  soup_server_add_handler (s->soup, NULL, server_callback, s, NULL);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, port);
  if (!soup_server_listen (s->soup, sa, 0, error))
    {
      g_clear_object (&s->soup);
      return FALSE;
    }
  s->port = port;
  GSList *uris = soup_server_get_uris (s->soup);
  if (uris)
    s->port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  imps_network_register_node (s->net, s->node_name, address);
  return TRUE;
}

guint16
imps_http_server_get_port (ImpsHttpServer *s)
{
  return s->port;
}

void
imps_http_server_set_max_body (ImpsHttpServer *s, gsize max_body)
{
  s->max_body = max_body;
}

void
imps_http_server_pause (ImpsHttpServer *s, SoupServerMessage *msg)
{
  MsgState *st = msg_state (msg);
  g_return_if_fail (st != NULL && !st->paused && !st->responded);
  st->paused = TRUE;
  g_ptr_array_add (s->paused, g_object_ref (msg));
  soup_server_message_pause (msg);
}

void
imps_http_server_respond (ImpsHttpServer *s, SoupServerMessage *msg, guint status,
                          const gchar *content_type, const guint8 *body, gsize body_len,
                          const gchar *detail, const gchar *summary_fmt, ...)
{
  MsgState *st = msg_state (msg);
  g_return_if_fail (st != NULL && !st->responded);
  g_return_if_fail (content_type != NULL || body_len == 0);
  st->responded = TRUE;

  if (!st->request_logged)
    {
      GUri *uri = soup_server_message_get_uri (msg);
      g_autofree gchar *summary = g_strdup_printf ("%s %s", soup_server_message_get_method (msg),
                                                   uri ? g_uri_get_path (uri) : "/");
      log_request (s, msg, st, summary);
    }

  va_list ap;
  va_start (ap, summary_fmt);
  g_autofree gchar *summary = g_strdup_vprintf (summary_fmt, ap);
  va_end (ap);

  if (st->finished)
    {
      g_autofree gchar *why = g_strdup_printf ("%s closed the connection before the answer (%s)",
                                               st->peer, summary);
      imps_network_log (s->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, s->node_name,
                        NULL, NULL, NULL, why, "answer dropped");
    }
  else
    {
      soup_server_message_set_status (msg, status, NULL);
      SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
      if (s->server_header)
        soup_message_headers_replace (h, "Server", s->server_header);
      g_autofree gchar *date = imps_http_date (imps_clock_now_us (imps_network_get_clock (s->net))
                                               / G_USEC_PER_SEC);
      soup_message_headers_replace (h, "Date", date);
      soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                        (const char *) body, body_len);
      soup_message_headers_set_content_length (h, (goffset) body_len);
      g_autoptr (GBytes) bytes = imps_http_response_bytes (msg);
      imps_network_log (s->net, IMPS_EVENT_MESSAGE, s->ref, IMPS_PROTO_HTTP, s->node_name,
                        st->peer, bytes, st->stream, detail, "%s", summary);
    }

  if (st->paused)
    {
      st->paused = FALSE;
      if (!st->finished)
        soup_server_message_unpause (msg);
      if (g_ptr_array_remove_fast (s->paused, msg))
        g_object_unref (msg);
    }
}

void
imps_http_server_free (ImpsHttpServer *s)
{
  if (s == NULL)
    return;
  /* Requests still waiting get no answer: the connections close below,
   * so the log says that instead of claiming a message that never left. */
  for (guint i = 0; i < s->paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (s->paused, i);
      MsgState *st = msg_state (msg);
      if (st)
        {
          st->responded = TRUE;
          g_autofree gchar *why = g_strdup_printf ("%s is shutting down; the request from %s is "
                                                   "not answered", s->node_name, st->peer);
          imps_network_log (s->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE,
                            s->node_name, NULL, NULL, NULL, why, "request dropped");
        }
      g_object_unref (msg);
    }
  g_ptr_array_set_size (s->paused, 0);
  if (s->soup)
    {
      soup_server_disconnect (s->soup);
      g_object_unref (s->soup);
    }
  g_ptr_array_unref (s->paused);
  g_free (s->node_name);
  g_free (s->server_header);
  g_free (s);
}
