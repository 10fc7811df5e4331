/* The UEs' HTTP client (src/net/imps-http-client.c): against impsim's own
 * server (keep-alive, the close, bodies), and against a scripted server
 * in a thread that sends canned answers (a body up to the close, no body
 * for 204, a chunked answer, a head that never ends, nothing at all). */
#include "imps-http-client.h"
#include "imps-http-parse.h"
#include "imps-http.h"
#include "imps-network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ADDR "127.0.0.1"

typedef struct {
  ImpsHttpResponse *answer;
  GError *error;
  gboolean done;
} Result;

static void
on_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Result *r = data;
  r->answer = imps_http_client_send_finish (NULL, res, &r->error);
  r->done = TRUE;
}

static void
wait_done (Result *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->answer, imps_http_response_free);
  g_clear_error (&r->error);
  r->done = FALSE;
}

static void
echo (ImpsHttpServer *server, ImpsHttpMessage *msg, const gchar *peer, gpointer data)
{
  GBytes *body = imps_http_message_get_body (msg);
  g_autofree gchar *text = g_strdup_printf ("%s %s %s ua=%s len=%zu",
                                            imps_http_message_get_method (msg),
                                            imps_http_message_get_path (msg),
                                            imps_http_message_get_header (msg, "X-Test"),
                                            imps_http_message_get_header (msg, "User-Agent"),
                                            g_bytes_get_size (body));
  imps_http_message_set_header (msg, "X-Echo", "yes");
  imps_http_server_respond (server, msg, 200, "text/plain; charset=utf-8",
                            (const guint8 *) text, strlen (text), NULL, "200");
}

/* impsim's server on ADDR answering with echo(), on a virtual clock. */
typedef struct {
  ImpsClock *clock;
  ImpsRandom *rnd;
  ImpsNetwork *net;
  ImpsHttpServer *server;
} Echo;

static guint16
echo_start (Echo *e)
{
  e->clock = imps_clock_new_virtual (0);
  e->rnd = imps_random_new_seeded (1);
  e->net = imps_network_new (e->clock, e->rnd);
  e->server = imps_http_server_new (e->net, "server", IMPS_REF_UA, NULL, echo, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_http_server_listen (e->server, ADDR, 0, &error));
  return imps_http_server_get_port (e->server);
}

static void
echo_stop (Echo *e)
{
  g_clear_pointer (&e->server, imps_http_server_free);
  g_clear_pointer (&e->net, imps_network_free);
  g_clear_pointer (&e->rnd, imps_random_free);
  g_clear_pointer (&e->clock, imps_clock_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Echo, echo_stop)

/* Against impsim's server: two requests on one connection, the second
 * asks for the close; the next request opens a new connection. */
static void
test_keepalive (void)
{
  g_auto (Echo) e = { 0 };
  guint16 port = echo_start (&e);
  ImpsHttpClient *c = imps_http_client_new (ADDR, "tester", 10);
  Result r = { 0 };
  const gchar *fields[] = { "Host", "server", "X-Test", "one", NULL };
  imps_http_client_send_async (c, ADDR, port, "GET", "/a", fields, NULL, NULL, FALSE, NULL,
                               on_done, &r);
  wait_done (&r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (imps_http_response_get_status (r.answer), ==, 200);
  g_assert_cmpstr (imps_http_response_get_reason (r.answer), ==, "OK");
  g_assert_cmpstr (imps_http_response_get_header (r.answer, "x-echo"), ==, "yes");
  g_assert_cmpstr (imps_http_response_get_content_type (r.answer), ==, "text/plain");
  GBytes *b = imps_http_response_get_body (r.answer);
  g_assert_cmpmem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "GET /a one ua=tester len=0",
                   26);
  result_clear (&r);

  g_autoptr (GBytes) body = g_bytes_new_static ("12345", 5);
  const gchar *f2[] = { "Host", "server", "X-Test", "two", NULL };
  imps_http_client_send_async (c, ADDR, port, "POST", "/b?x=1", f2, "application/mikey", body,
                               TRUE, NULL, on_done, &r);
  wait_done (&r);
  g_assert_no_error (r.error);
  b = imps_http_response_get_body (r.answer);
  g_assert_cmpmem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "POST /b two ua=tester len=5",
                   27);
  g_assert_cmpstr (imps_http_response_get_header (r.answer, "Connection"), ==, "close");
  g_assert_cmpuint (imps_http_client_get_connections (c), ==, 1);
  result_clear (&r);

  imps_http_client_send_async (c, ADDR, port, "GET", "/c", fields, NULL, NULL, FALSE, NULL,
                               on_done, &r);
  wait_done (&r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (imps_http_client_get_connections (c), ==, 2);
  result_clear (&r);

  /* a target that is not visible ASCII is refused before anything is sent */
  imps_http_client_send_async (c, ADDR, port, "GET", "/a b", fields, NULL, NULL, FALSE, NULL,
                               on_done, &r);
  wait_done (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  result_clear (&r);
  imps_http_client_free (c);
  echo_stop (&e);
}

/* A scripted server: accepts one connection at a time and for each sends
 * the next canned answer after the request's head, then closes (or with
 * "hold", keeps the connection without a word until the client goes).
 * An answer after "drop:" is sent as a keep-alive one, and the connection
 * closed when the next request's head has come (the client sees the end
 * of the stream); after "reset:", closed as soon as a byte of the next
 * request is there, unread (the kernel then sends a reset). */
typedef struct {
  int listener;
  guint16 port;
  const gchar *const *answers;
  GThread *thread;
} Script;

static void
read_head (int fd)
{
  GString *got = g_string_new (NULL);
  gchar buf[1024];
  while (strstr (got->str, "\r\n\r\n") == NULL)
    {
      gssize n = recv (fd, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      g_string_append_len (got, buf, n);
    }
  g_string_free (got, TRUE);
}

static gpointer
script_main (gpointer data)
{
  Script *sc = data;
  for (guint i = 0; sc->answers[i]; i++)
    {
      int fd = accept (sc->listener, NULL, NULL);
      if (fd < 0)
        break;
      read_head (fd);
      const gchar *a = sc->answers[i];
      gboolean drop = g_str_has_prefix (a, "drop:"), reset = g_str_has_prefix (a, "reset:");
      a += drop ? 5 : reset ? 6 : 0;
      gchar buf[1024];
      if (strcmp (a, "hold") == 0)
        {
          while (recv (fd, buf, sizeof buf, 0) > 0)
            ;
        }
      else
        g_assert_cmpint (send (fd, a, strlen (a), MSG_NOSIGNAL), ==, (gssize) strlen (a));
      if (drop)
        read_head (fd);
      else if (reset)
        g_assert_cmpint (recv (fd, buf, 1, MSG_PEEK), ==, 1);
      close (fd);
    }
  return NULL;
}

static void
script_start (Script *sc, const gchar *const *answers)
{
  sc->answers = answers;
  sc->listener = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  inet_pton (AF_INET, ADDR, &sa.sin_addr);
  g_assert_cmpint (bind (sc->listener, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (listen (sc->listener, 8), ==, 0);
  socklen_t len = sizeof sa;
  getsockname (sc->listener, (struct sockaddr *) &sa, &len);
  sc->port = ntohs (sa.sin_port);
  sc->thread = g_thread_new ("script", script_main, sc);
}

static void
script_stop (Script *sc)
{
  g_thread_join (sc->thread);
  close (sc->listener);
}

static void
send_one (ImpsHttpClient *c, guint16 port, const gchar *method, Result *r)
{
  const gchar *fields[] = { "Host", "s", NULL };
  imps_http_client_send_async (c, ADDR, port, method, "/", fields, NULL, NULL, FALSE, NULL,
                               on_done, r);
  wait_done (r);
}

static void
test_scripted (void)
{
  const gchar *answers[] = {
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the close",
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    "HTTP/1.1 2x0 OK\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n",
    "",
    "hold",
    NULL
  };
  Script sc;
  script_start (&sc, answers);
  ImpsHttpClient *c = imps_http_client_new (NULL, NULL, 1);
  Result r = { 0 };

  send_one (c, sc.port, "GET", &r);
  g_assert_no_error (r.error);
  GBytes *b = imps_http_response_get_body (r.answer);
  g_assert_cmpmem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "to the close", 12);
  result_clear (&r);

  send_one (c, sc.port, "GET", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (imps_http_response_get_status (r.answer), ==, 204);
  g_assert_cmpuint (g_bytes_get_size (imps_http_response_get_body (r.answer)), ==, 0);
  result_clear (&r);

  send_one (c, sc.port, "GET", &r);
  g_assert_error (r.error, IMPS_HTTP_ERROR, 502);
  g_assert_nonnull (strstr (r.error->message, "Transfer-Encoding \"chunked\""));
  result_clear (&r);

  send_one (c, sc.port, "GET", &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (r.error->message, "after 5 of 10 body bytes"));
  result_clear (&r);

  send_one (c, sc.port, "GET", &r);
  g_assert_nonnull (r.error);
  g_assert_nonnull (strstr (r.error->message, "status line \"HTTP/1.1 2x0 OK\" is not"));
  result_clear (&r);

  send_one (c, sc.port, "GET", &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  result_clear (&r);

  send_one (c, sc.port, "GET", &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (r.error->message, "without an answer"));
  result_clear (&r);

  /* a server that never answers: the client's 1 s timeout, which names
   * the wait it ended */
  send_one (c, sc.port, "GET", &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (r.error->message, "reading the answer from"));
  g_assert_nonnull (strstr (r.error->message, "nothing for 1 s"));
  result_clear (&r);
  imps_http_client_free (c);
  script_stop (&sc);

  /* nobody listens there any more */
  c = imps_http_client_new (NULL, NULL, 1);
  send_one (c, sc.port, "GET", &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (r.error->message, "connecting to 127.0.0.1:"));
  result_clear (&r);
  imps_http_client_free (c);
}

/* The server closes a kept connection while the next request is on its
 * way: a GET goes once more on a new connection, after an end of stream or
 * a reset alike; a failure on a new connection is not retried, nor is a
 * POST (not idempotent: the server may have acted on it). */
static void
test_kept_closed (void)
{
  const gchar *answers[] = {
    "drop:HTTP/1.1 204 No Content\r\n\r\n",
    "reset:HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none",
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo",
    "drop:HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nthree",
    "",
    "drop:HTTP/1.1 204 No Content\r\n\r\n",
    NULL
  };
  Script sc;
  script_start (&sc, answers);
  ImpsHttpClient *c = imps_http_client_new (NULL, NULL, 10);
  Result r = { 0 };

  send_one (c, sc.port, "GET", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (imps_http_response_get_status (r.answer), ==, 204);
  result_clear (&r);
  /* on the kept connection, which the server drops: again on a new one */
  send_one (c, sc.port, "GET", &r);
  g_assert_no_error (r.error);
  GBytes *b = imps_http_response_get_body (r.answer);
  g_assert_cmpmem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "one", 3);
  g_assert_cmpuint (imps_http_client_get_connections (c), ==, 2);
  result_clear (&r);
  /* on the kept connection, which the server resets */
  send_one (c, sc.port, "GET", &r);
  g_assert_no_error (r.error);
  b = imps_http_response_get_body (r.answer);
  g_assert_cmpmem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "two", 3);
  g_assert_cmpuint (imps_http_client_get_connections (c), ==, 3);
  result_clear (&r);
  /* a new connection (the last answer's connection closed), kept... */
  send_one (c, sc.port, "GET", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (imps_http_client_get_connections (c), ==, 4);
  result_clear (&r);
  /* ...dropped, and the new one closed without an answer: once only */
  send_one (c, sc.port, "GET", &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (r.error->message, "without an answer"));
  g_assert_cmpuint (imps_http_client_get_connections (c), ==, 5);
  result_clear (&r);
  /* a POST on a kept connection the server drops fails as it is */
  send_one (c, sc.port, "GET", &r);
  g_assert_no_error (r.error);
  result_clear (&r);
  send_one (c, sc.port, "POST", &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (r.error->message, "without an answer"));
  g_assert_cmpuint (imps_http_client_get_connections (c), ==, 6);
  result_clear (&r);
  imps_http_client_free (c);
  script_stop (&sc);
}

/* A request on the wire when its cancellable is cancelled, or when the
 * client is freed, ends with G_IO_ERROR_CANCELLED. */
static void
test_cancel (void)
{
  const gchar *answers[] = { "hold", "hold", NULL };
  Script sc;
  script_start (&sc, answers);
  ImpsHttpClient *c = imps_http_client_new (NULL, NULL, 10);
  GCancellable *cancel = g_cancellable_new ();
  Result r = { 0 };
  const gchar *fields[] = { "Host", "s", NULL };
  imps_http_client_send_async (c, ADDR, sc.port, "GET", "/", fields, NULL, NULL, FALSE, cancel,
                               on_done, &r);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_cancellable_cancel (cancel);
  wait_done (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
  g_object_unref (cancel);

  imps_http_client_send_async (c, ADDR, sc.port, "GET", "/", fields, NULL, NULL, FALSE, NULL,
                               on_done, &r);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  imps_http_client_free (c);
  wait_done (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
  script_stop (&sc);
}

/* The main loop's work for a request on a new connection to impsim's
 * server, up to the close at both ends: its iterations, and the writes to
 * GLib's wake-up eventfd (GLib writes it whenever a source with a
 * descriptor is added or removed, or blocked and unblocked around its
 * dispatch, or a socket source's timeout moves; each is a system call,
 * and one that makes the next poll return at once). The count is read
 * from the eventfd itself after each poll (GLib's own read then finds it
 * empty). Before the server accepted on a listener source of its own,
 * read from the socket's source and let its sources run unblocked, and
 * before the client sent at once after connect(), the same exchange took
 * 5 iterations and 18 wake-up writes (measured on that code); with the
 * sockets' timeouts (which move the socket source's ready time at each
 * dispatch) instead of the idle lists of imps-idle.c, 7. The bounds below
 * are this code's numbers. */
static guint polls, wakeups;

static gboolean
is_eventfd (gint fd)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree gchar *target = g_file_read_link (path, NULL);
  return target != NULL && strstr (target, "eventfd") != NULL;
}

static gint
counting_poll (GPollFD *fds, guint nfds, gint timeout)
{
  gint n = g_poll (fds, nfds, timeout);
  polls++;
  for (guint i = 0; i < nfds; i++)
    if ((fds[i].revents & G_IO_IN) && is_eventfd (fds[i].fd))
      {
        guint64 count;
        if (read (fds[i].fd, &count, sizeof count) == sizeof count)
          wakeups += (guint) count;
      }
  return n;
}

static void
test_iterations (void)
{
  g_auto (Echo) e = { 0 };
  guint16 port = echo_start (&e);
  ImpsHttpClient *c = imps_http_client_new (ADDR, "tester", 10);
  const gchar *fields[] = { "Host", "server", NULL };
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_main_context_set_poll_func (NULL, counting_poll);
  for (guint i = 0; i < 4; i++)
    {
      Result r = { 0 };
      polls = wakeups = 0;
      imps_http_client_send_async (c, ADDR, port, "GET", "/", fields, NULL, NULL, TRUE, NULL,
                                   on_done, &r);
      wait_done (&r);
      g_assert_no_error (r.error);
      g_assert_cmpuint (imps_http_response_get_status (r.answer), ==, 200);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      ImpsHttpStats stats;
      imps_http_server_get_stats (e.server, &stats);
      g_assert_cmpuint (stats.open, ==, 0);
      g_test_message ("request %u: %u iterations, %u wake-ups", i, polls, wakeups);
      g_assert_cmpuint (polls, <=, 5);
      g_assert_cmpuint (wakeups, <=, 4);
      result_clear (&r);
    }
  g_main_context_set_poll_func (NULL, NULL);
  imps_http_client_free (c);
  echo_stop (&e);
}

/* The UEs free their client from the callback of the exchange that ended
 * (a bootstrap's last answer, or its failure). A timeout ends the exchange
 * from the client's idle list's own timer; the callback's free of the
 * client (and so of that list) must leave the timer's dispatch nothing
 * freed to touch (ASan checks). The server is a listener that never
 * accepts: the kernel completes the connection, nobody answers. */
typedef struct {
  Result r;
  ImpsHttpClient *client;
} FreeOnDone;

static void
free_on_done (GObject *source, GAsyncResult *res, gpointer data)
{
  FreeOnDone *f = data;
  on_done (source, res, &f->r);
  g_clear_pointer (&f->client, imps_http_client_free);
}

static void
test_free_in_timeout (void)
{
  int l = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (l, >=, 0);
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  inet_pton (AF_INET, ADDR, &sa.sin_addr);
  g_assert_cmpint (bind (l, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (listen (l, 4), ==, 0);
  socklen_t len = sizeof sa;
  g_assert_cmpint (getsockname (l, (struct sockaddr *) &sa, &len), ==, 0);
  FreeOnDone f = { { 0 }, imps_http_client_new (ADDR, "tester", 1) };
  const gchar *fields[] = { "Host", "server", NULL };
  imps_http_client_send_async (f.client, ADDR, ntohs (sa.sin_port), "GET", "/", fields, NULL,
                               NULL, FALSE, NULL, free_on_done, &f);
  wait_done (&f.r);
  g_assert_error (f.r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (f.client);
  result_clear (&f.r);
  /* nothing of the freed client is left to run */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  close (l);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-client/keepalive", test_keepalive);
  g_test_add_func ("/http-client/scripted", test_scripted);
  g_test_add_func ("/http-client/cancel", test_cancel);
  g_test_add_func ("/http-client/kept-closed", test_kept_closed);
  g_test_add_func ("/http-client/iterations", test_iterations);
  g_test_add_func ("/http-client/free-in-timeout", test_free_in_timeout);
  return g_test_run ();
}
