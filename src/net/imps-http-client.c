/* A plain HTTP/1.1 client for the simulated UEs: see imps-http-client.h. */
#include "imps-http-client.h"
#include "imps-http-parse.h"
#include "imps-http-write.h"
#include "imps-idle.h"
#include "imps-source.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

struct _ImpsHttpClient {
  GInetAddress *local;       /* NULL: any */
  gchar *user_agent;
  guint timeout_s;
  ImpsIdleList *waits;       /* exchanges in flight, by their last progress */
  GSocket *idle;             /* a connection the last answer left open */
  gchar *idle_peer;          /* "address:port" of @idle */
  GList *exchanges;          /* Exchange*: requests on the wire */
  guint connections;
};

struct _ImpsHttpResponse {
  guint status;
  gchar *text;               /* the head, each field ending in a NUL */
  const gchar *reason;
  ImpsHttpPair *fields;
  guint n_fields;
  const gchar *content_type;
  gchar *content_type_owned;
  GBytes *body;
};

typedef struct {
  ImpsHttpClient *client;    /* NULL once the client is gone */
  GTask *task;
  GSocket *socket;
  gchar *peer;
  GBytes *request;
  gsize sent;
  GByteArray *in;
  gsize scanned;
  ImpsHttpHead head;
  gboolean head_done;
  gboolean until_close;      /* no Content-Length: the body runs to the close */
  gboolean no_body;
  gboolean close_after;
  gboolean connecting;
  gboolean reused;           /* on the connection the previous answer left open */
  gboolean idempotent;       /* the method is (RFC 9110 section 9.2.2) */
  GSocketAddress *to;
  GSource *source;
  GCancellable *cancellable;
  GList *link;               /* in client->exchanges */
  ImpsIdleEntry wait;        /* in client->waits while in flight */
} Exchange;

#define READ_CHUNK 4096
/* An answer's body is at most this (Ub and Ua bodies are a few KiB). */
#define MAX_BODY (1024 * 1024)

ImpsHttpClient *
imps_http_client_new (const gchar *local_address, const gchar *user_agent, guint timeout_s)
{
  ImpsHttpClient *c = g_new0 (ImpsHttpClient, 1);
  c->local = local_address ? g_inet_address_new_from_string (local_address) : NULL;
  c->user_agent = g_strdup (user_agent);
  c->timeout_s = timeout_s;
  return c;
}

static void exchange_fail (Exchange *x, GError *error);

/* Progress on @x (connected, bytes sent or read): its wait's bound starts
 * again. */
static void
exchange_touch (Exchange *x)
{
  if (x->client != NULL && x->client->waits != NULL)
    imps_idle_list_touch (x->client->waits, &x->wait, x);
}

/* The client's timeout without progress on @x. */
static void
exchange_timed_out (ImpsIdleEntry *entry, gpointer owner, gpointer data)
{
  Exchange *x = owner;
  ImpsHttpClient *c = data;
  const gchar *what = x->connecting ? "connecting to"
                      : x->sent < g_bytes_get_size (x->request) ? "sending the request to"
                                                                 : "reading the answer from";
  exchange_fail (x, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s %s: nothing for %u s",
                                 what, x->peer, c->timeout_s));
}

static void
close_socket (GSocket *socket)
{
  g_socket_close (socket, NULL);
  g_object_unref (socket);
}

void
imps_http_client_free (ImpsHttpClient *c)
{
  if (c == NULL)
    return;
  while (c->exchanges != NULL)
    {
      Exchange *x = c->exchanges->data;
      exchange_fail (x, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "the HTTP client was closed"));
    }
  if (c->idle)
    close_socket (c->idle);
  imps_idle_list_free (c->waits);
  g_free (c->idle_peer);
  g_clear_object (&c->local);
  g_free (c->user_agent);
  g_free (c);
}

guint
imps_http_client_get_connections (ImpsHttpClient *c)
{
  return c->connections;
}

static void
exchange_free (gpointer p)
{
  Exchange *x = p;
  imps_source_drop (&x->source);
  g_clear_object (&x->cancellable);
  if (x->socket)
    close_socket (x->socket);
  g_free (x->peer);
  g_clear_object (&x->to);
  g_bytes_unref (x->request);
  if (x->in)
    g_byte_array_unref (x->in);
  g_free (x);
}

/* The exchange is over: off the client's list, no more waits. */
static void
exchange_detach (Exchange *x)
{
  imps_source_drop (&x->source);
  if (x->client && x->client->waits)
    imps_idle_list_remove (x->client->waits, &x->wait);
  if (x->client && x->link)
    x->client->exchanges = g_list_delete_link (x->client->exchanges, x->link);
  x->link = NULL;
  x->client = NULL;
}

static void
exchange_fail (Exchange *x, GError *error)
{
  exchange_detach (x);
  GTask *task = x->task;
  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean on_ready (GSocket *socket, GIOCondition cond, gpointer data);
static gboolean exchange_connect (Exchange *x);
static void exchange_step (Exchange *x);

/* A kept connection can be closed by the server while the request is on
 * its way (the race of RFC 9112 section 9.3.1): when the server took the
 * connection down before a byte of an answer came, an idempotent request
 * goes once more on a new connection. TRUE when it does (the error is then
 * dropped). */
static gboolean
exchange_retry (Exchange *x, GError *error)
{
  if (!x->reused || !x->idempotent || x->in->len != 0 || x->client == NULL)
    return FALSE;
  /* a reset (ECONNRESET, EPIPE) or an end of stream */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return FALSE;
  g_error_free (error);
  x->reused = FALSE;
  close_socket (g_steal_pointer (&x->socket));
  x->sent = 0;   /* nothing was read: the head is still unscanned */
  if (exchange_connect (x))
    exchange_step (x);
  return TRUE;
}

static void
wait_for (Exchange *x, GIOCondition cond)
{
  imps_source_drop (&x->source);
  /* a cancellation wakes the wait too */
  x->source = g_socket_create_source (x->socket, cond | G_IO_HUP | G_IO_ERR, x->cancellable);
  g_source_set_callback (x->source, G_SOURCE_FUNC (on_ready), x, NULL);
  g_source_set_can_recurse (x->source, TRUE);
  g_source_attach (x->source, g_task_get_context (x->task));
}

static ImpsHttpResponse *
response_new (const guint8 *buf, const ImpsHttpHead *h, gsize body_len)
{
  ImpsHttpResponse *r = g_new0 (ImpsHttpResponse, 1);
  r->status = h->status;
  r->text = g_malloc (h->head_len + 1);
  r->n_fields = h->n_fields;
  r->fields = g_new (ImpsHttpPair, h->n_fields + 1);
  imps_http_head_strings (buf, h, r->text, r->fields);
  r->text[h->reason.off + h->reason.len] = '\0';
  r->reason = h->reason.len ? r->text + h->reason.off : "";
  r->content_type = imps_http_media_type (imps_http_response_get_header (r, "Content-Type"),
                                          &r->content_type_owned);
  r->body = g_bytes_new (buf + h->head_len, body_len);
  return r;
}

/* The answer is complete in x->in: hand it over, and keep the connection
 * for the next request when both ends allow. */
static void
exchange_done (Exchange *x, gsize body_len)
{
  ImpsHttpClient *c = x->client;
  ImpsHttpResponse *r = response_new (x->in->data, &x->head, body_len);
  gboolean keep = !x->close_after && x->head.keep_alive && !x->until_close
                  && x->in->len == x->head.head_len + body_len;
  if (keep && c != NULL)
    {
      if (c->idle)
        close_socket (c->idle);
      c->idle = g_steal_pointer (&x->socket);
      g_free (c->idle_peer);
      c->idle_peer = g_steal_pointer (&x->peer);
    }
  exchange_detach (x);
  GTask *task = x->task;
  g_task_return_pointer (task, r, (GDestroyNotify) imps_http_response_free);
  g_object_unref (task);
}

/* Reads what the server sent; TRUE while more is to come. */
static gboolean
exchange_read (Exchange *x)
{
  for (;;)
    {
      guint have = x->in->len;
      g_byte_array_set_size (x->in, have + READ_CHUNK);
      GError *error = NULL;
      gssize n = g_socket_receive_with_blocking (x->socket, (gchar *) x->in->data + have,
                                                 READ_CHUNK, FALSE, NULL, &error);
      g_byte_array_set_size (x->in, have + (n > 0 ? (guint) n : 0));
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (error);
          return TRUE;
        }
      if (n < 0)
        {
          if (exchange_retry (x, error))
            return FALSE;
          g_prefix_error (&error, "reading the answer from %s: ", x->peer);
          exchange_fail (x, error);
          return FALSE;
        }
      if (!x->head_done)
        {
          gsize end = imps_http_head_end (x->in->data, MIN (x->in->len, (gsize) IMPS_HTTP_MAX_HEAD),
                                          x->scanned);
          if (end == 0 && x->in->len < IMPS_HTTP_MAX_HEAD)
            {
              x->scanned = x->in->len;
              if (n == 0)
                {
                  error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                       "%s closed the connection %s", x->peer,
                                       x->in->len ? "in the middle of the answer's head"
                                                  : "without an answer");
                  if (!exchange_retry (x, error))
                    exchange_fail (x, error);
                  return FALSE;
                }
              continue;
            }
          if (imps_http_response_head_parse (x->in->data, x->in->len, &x->head, &error)
              != IMPS_HTTP_HEAD_OK)
            {
              if (error == NULL)
                error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                             "the answer's head did not end");
              g_prefix_error (&error, "answer from %s: ", x->peer);
              exchange_fail (x, error);
              return FALSE;
            }
          x->head_done = TRUE;
          x->no_body = x->no_body || x->head.status / 100 == 1 || x->head.status == 204
                       || x->head.status == 304;
          x->until_close = !x->no_body && !x->head.has_length;
          if (x->head.has_length && x->head.content_length > MAX_BODY)
            {
              exchange_fail (x, g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                             "answer from %s declares a %" G_GUINT64_FORMAT
                                             "-byte body (at most %u are read)", x->peer,
                                             x->head.content_length, MAX_BODY));
              return FALSE;
            }
        }
      gsize got = x->in->len - x->head.head_len;
      if (x->no_body || (!x->until_close && got >= x->head.content_length))
        {
          exchange_done (x, x->no_body ? 0 : (gsize) x->head.content_length);
          return FALSE;
        }
      if (x->until_close && got > MAX_BODY)
        {
          exchange_fail (x, g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                         "answer from %s runs past %u bytes", x->peer, MAX_BODY));
          return FALSE;
        }
      if (n == 0)
        {
          if (x->until_close)
            {
              exchange_done (x, got);
              return FALSE;
            }
          exchange_fail (x, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                         "%s closed the connection after %" G_GSIZE_FORMAT
                                         " of %" G_GUINT64_FORMAT " body bytes", x->peer, got,
                                         x->head.content_length));
          return FALSE;
        }
    }
}

typedef enum { WRITE_DONE, WRITE_WAIT, WRITE_OVER } WriteState;

/* Writes what is left of the request; WRITE_WAIT while the socket has no
 * room, WRITE_OVER when the exchange failed or started again. */
static WriteState
exchange_write (Exchange *x)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (x->request, &len);
  while (x->sent < len)
    {
      GError *error = NULL;
      gssize n = g_socket_send_with_blocking (x->socket, (const gchar *) d + x->sent,
                                              len - x->sent, FALSE, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (error);
          return WRITE_WAIT;
        }
      if (n < 0)
        {
          if (exchange_retry (x, error))
            return WRITE_OVER;
          g_prefix_error (&error, "sending the request to %s: ", x->peer);
          exchange_fail (x, error);
          return WRITE_OVER;
        }
      x->sent += (gsize) n;
    }
  return WRITE_DONE;
}

static void
exchange_step (Exchange *x)
{
  if (x->connecting)
    {
      GError *error = NULL;
      if (!g_socket_check_connect_result (x->socket, &error))
        {
          g_prefix_error (&error, "connecting to %s: ", x->peer);
          exchange_fail (x, error);
          return;
        }
      x->connecting = FALSE;
    }
  exchange_touch (x);
  if (x->sent < g_bytes_get_size (x->request))
    {
      switch (exchange_write (x))
        {
        case WRITE_WAIT:
          wait_for (x, G_IO_OUT);
          return;
        case WRITE_DONE:
          wait_for (x, G_IO_IN);
          return;
        case WRITE_OVER:
          return;
        }
    }
  if (exchange_read (x))
    wait_for (x, G_IO_IN);
}

static gboolean
on_ready (GSocket *socket, GIOCondition cond, gpointer data)
{
  Exchange *x = data;
  /* every step makes the wait it needs next, or ends the exchange */
  g_clear_pointer (&x->source, g_source_unref);
  if (x->cancellable != NULL && g_cancellable_is_cancelled (x->cancellable))
    {
      exchange_fail (x, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "the request was cancelled"));
      return G_SOURCE_REMOVE;
    }
  exchange_step (x);
  return G_SOURCE_REMOVE;
}

/* Opens a new connection for @x (FALSE: the exchange failed). */
static gboolean
exchange_connect (Exchange *x)
{
  ImpsHttpClient *c = x->client;
  GError *error = NULL;
  x->socket = g_socket_new (g_socket_address_get_family (x->to), G_SOCKET_TYPE_STREAM,
                            G_SOCKET_PROTOCOL_TCP, &error);
  if (x->socket == NULL)
    {
      exchange_fail (x, error);
      return FALSE;
    }
  c->connections++;
  g_socket_set_blocking (x->socket, FALSE);
  /* no socket timeout: the client's list of waits bounds them (a socket
   * timeout wakes the main loop at every dispatch, see imps-idle.h) */
  g_socket_set_option (x->socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  if (c->local)
    {
      g_autoptr (GSocketAddress) la = g_inet_socket_address_new (c->local, 0);
      if (!g_socket_bind (x->socket, la, FALSE, &error))
        {
          g_autofree gchar *from = g_inet_address_to_string (c->local);
          g_prefix_error (&error, "binding to %s: ", from);
          exchange_fail (x, error);
          return FALSE;
        }
    }
  if (!g_socket_connect (x->socket, x->to, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        {
          g_prefix_error (&error, "connecting to %s: ", x->peer);
          exchange_fail (x, error);
          return FALSE;
        }
      g_error_free (error);
      x->connecting = TRUE;
    }
  return TRUE;
}

/* The kept connection when it goes to @peer and the server has not
 * closed it meanwhile. */
static GSocket *
take_idle (ImpsHttpClient *c, const gchar *peer)
{
  if (c->idle == NULL)
    return NULL;
  GSocket *s = g_steal_pointer (&c->idle);
  g_autofree gchar *was = g_steal_pointer (&c->idle_peer);
  gchar b;
  gssize n = recv (g_socket_get_fd (s), &b, 1, MSG_PEEK | MSG_DONTWAIT);
  if (g_strcmp0 (was, peer) != 0 || n >= 0)
    {
      /* another server, or the server closed it (or sent what nobody asked for) */
      close_socket (s);
      return NULL;
    }
  return s;
}

void
imps_http_client_send_async (ImpsHttpClient *c, const gchar *address, guint16 port,
                             const gchar *method, const gchar *target,
                             const gchar *const *fields, const gchar *content_type,
                             GBytes *body, gboolean close, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, imps_http_client_send_async);
  for (const gchar *p = target; *p; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      {
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                 "request target \"%s\" is not visible ASCII", target);
        g_object_unref (task);
        return;
      }
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  if (ia == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "'%s' is not an IP address", address);
      g_object_unref (task);
      return;
    }
  if (c->timeout_s > 0 && c->waits == NULL)
    c->waits = imps_idle_list_new (g_task_get_context (task), c->timeout_s, exchange_timed_out, c);
  gsize body_len = body ? g_bytes_get_size (body) : 0;
  GString *r = g_string_sized_new (256 + body_len);
  g_string_append (r, method);
  g_string_append_c (r, ' ');
  g_string_append (r, target);
  g_string_append_len (r, " HTTP/1.1\r\n", 11);
  for (guint i = 0; fields && fields[i] && fields[i + 1]; i += 2)
    imps_http_put_field (r, fields[i], fields[i + 1]);
  if (close)
    g_string_append (r, "Connection: close\r\n");
  if (c->user_agent)
    imps_http_put_field (r, "User-Agent", c->user_agent);
  if (body != NULL)
    {
      if (content_type)
        imps_http_put_field (r, "Content-Type", content_type);
      imps_http_put_content_length (r, body_len);
    }
  g_string_append (r, "\r\n");
  if (body_len)
    g_string_append_len (r, g_bytes_get_data (body, NULL), (gssize) body_len);

  Exchange *x = g_new0 (Exchange, 1);
  x->client = c;
  x->task = task;
  x->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  gsize rlen = r->len;
  x->request = g_bytes_new_take (g_string_free (r, FALSE), rlen);
  x->peer = g_strdup_printf ("%s:%u", address, port);
  x->in = g_byte_array_sized_new (READ_CHUNK);
  x->close_after = close;
  x->no_body = g_strcmp0 (method, "HEAD") == 0;
  static const gchar *const idempotent[] = { "GET", "HEAD", "OPTIONS", "TRACE", "PUT",
                                             "DELETE", NULL };
  x->idempotent = g_strv_contains (idempotent, method);
  g_task_set_task_data (task, x, exchange_free);
  x->link = c->exchanges = g_list_prepend (c->exchanges, x);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      exchange_fail (x, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "the request was cancelled"));
      return;
    }

  x->to = g_inet_socket_address_new (ia, port);
  x->socket = take_idle (c, x->peer);
  x->reused = x->socket != NULL;
  /* The request goes at once, even while connect() is in progress: on
   * loopback the connection is up by the time connect() returns, and when
   * it is not the write finds no room and waits for it (a refusal shows in
   * the connect result or in the write). */
  if (x->socket != NULL || exchange_connect (x))
    exchange_step (x);
}

ImpsHttpResponse *
imps_http_client_send_finish (ImpsHttpClient *c, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
imps_http_response_get_status (ImpsHttpResponse *r)
{
  return r->status;
}

const gchar *
imps_http_response_get_reason (ImpsHttpResponse *r)
{
  return r->reason;
}

const gchar *
imps_http_response_get_header (ImpsHttpResponse *r, const gchar *name)
{
  return imps_http_pairs_find (r->fields, r->n_fields, name);
}

const gchar *
imps_http_response_get_content_type (ImpsHttpResponse *r)
{
  return r->content_type;
}

GBytes *
imps_http_response_get_body (ImpsHttpResponse *r)
{
  return r->body;
}

void
imps_http_response_free (ImpsHttpResponse *r)
{
  if (r == NULL)
    return;
  g_free (r->text);
  g_free (r->fields);
  g_free (r->content_type_owned);
  g_bytes_unref (r->body);
  g_free (r);
}
