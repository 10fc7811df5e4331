/* The HTTP server under careless and hostile clients: connections the
 * client closes, bodies over the bound (declared, chunked, overflowing),
 * the per-source cap and the idle timeout.
 *
 * Each test runs the server in a child process (so that it can have a low
 * descriptor limit and its RSS can be read) and talks to it with plain
 * blocking sockets from the parent. Receive timeouts on those sockets only
 * stop a test that would otherwise hang; no test asserts a duration. */
#include "imps-http.h"
#include "imps-http-write.h"
#include "imps-network.h"
#include "no-descriptors.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVER_ADDR "127.0.0.1"

typedef struct {
  pid_t pid;
  guint16 port;
} Child;

static void
answer_ok (ImpsHttpServer *server, ImpsHttpMessage *msg, const gchar *peer, gpointer data)
{
  imps_http_server_respond (server, msg, SOUP_STATUS_OK, "text/plain", (const guint8 *) "ok", 2,
                            NULL, "200 ok");
}

/* The child: a server on SERVER_ADDR with @limits, under a descriptor
 * limit of @nofile (0: unchanged), with the event log as a ring (as in
 * serve). Writes its port to @fd and serves until killed. */
static void G_GNUC_NORETURN
child_main (int fd, const ImpsHttpLimits *limits, rlim_t nofile)
{
  if (nofile)
    {
      struct rlimit rl = { nofile, nofile };
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        _exit (3);
    }
  ImpsClock *clock = imps_clock_new_virtual (0);
  ImpsRandom *rnd = imps_random_new_seeded (1);
  ImpsNetwork *net = imps_network_new (clock, rnd);
  imps_event_log_set_ring (imps_network_get_event_log (net), 64);
  ImpsHttpServer *s = imps_http_server_new (net, "server", IMPS_REF_UA, "test", answer_ok, NULL);
  imps_http_server_set_limits (s, limits);
  g_autoptr (GError) error = NULL;
  if (!imps_http_server_listen (s, SERVER_ADDR, 0, &error))
    _exit (4);
  guint16 port = imps_http_server_get_port (s);
  if (write (fd, &port, sizeof port) != sizeof port)
    _exit (5);
  close (fd);
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  _exit (0);
}

static Child
spawn (const ImpsHttpLimits *limits, rlim_t nofile)
{
  int p[2];
  g_assert_cmpint (pipe (p), ==, 0);
  Child c = { 0 };
  c.pid = fork ();
  g_assert_cmpint (c.pid, >=, 0);
  if (c.pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (p[0]);
      child_main (p[1], limits, nofile);
    }
  close (p[1]);
  g_assert_cmpint (read (p[0], &c.port, sizeof c.port), ==, sizeof c.port);
  close (p[0]);
  return c;
}

static void
reap (Child *c)
{
  int status;
  g_assert_cmpint (waitpid (c->pid, &status, WNOHANG), ==, 0);  /* still alive */
  kill (c->pid, SIGKILL);
  waitpid (c->pid, &status, 0);
}

static int
connect_to (guint16 port)
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (fd, >=, 0);
  struct timeval tv = { 20, 0 };
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  sa.sin_port = htons (port);
  inet_pton (AF_INET, SERVER_ADDR, &sa.sin_addr);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  return fd;
}

static void
send_all (int fd, const gchar *data, gsize len)
{
  while (len > 0)
    {
      gssize n = send (fd, data, len, MSG_NOSIGNAL);
      g_assert_cmpint (n, >, 0);
      data += n;
      len -= (gsize) n;
    }
}

/* Reads one response (headers, then a Content-Length body); NULL when
 * the connection ends or the receive times out first. */
static gchar *
read_response (int fd)
{
  GString *s = g_string_new (NULL);
  gchar buf[4096];
  for (;;)
    {
      const gchar *end = strstr (s->str, "\r\n\r\n");
      if (end)
        {
          const gchar *cl = g_strstr_len (s->str, end - s->str, "Content-Length: ");
          gsize want = (gsize) (end + 4 - s->str) + (cl ? strtoul (cl + 16, NULL, 10) : 0);
          if (s->len >= want)
            return g_string_free (s, FALSE);
        }
      gssize n = recv (fd, buf, sizeof buf - 1, 0);
      if (n <= 0)
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      g_string_append_len (s, buf, n);
    }
}

/* One request on a connection of its own: the response (NULL when none
 * came), the connection closed afterwards. */
static gchar *
ask (guint16 port, const gchar *req)
{
  int fd = connect_to (port);
  send_all (fd, req, strlen (req));
  gchar *resp = read_response (fd);
  close (fd);
  return resp;
}

/* TRUE when the server closed the connection (EOF or reset) before the
 * receive timeout. */
static gboolean
closed_by_server (int fd)
{
  gchar buf[4096];
  for (;;)
    {
      gssize n = recv (fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET))
        return TRUE;
      if (n < 0)
        return FALSE;
    }
}

static gsize
rss_kib (pid_t pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  const gchar *v = strstr (text, "VmRSS:");
  g_assert_nonnull (v);
  return strtoul (v + 6, NULL, 10);
}

/* 2,000 keep-alive connections, one after the other, to a server limited
 * to 64 descriptors: on each, two requests are answered, then the client
 * closes it while the server waits for a third. Every one is served
 * (libsoup 3.2 alone leaves each in CLOSE-WAIT and stops accepting after
 * about 60). */
static void
test_closed_keepalive (void)
{
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  Child c = spawn (&lim, 64);
  const gchar *req = "GET /ping HTTP/1.1\r\nHost: server\r\nConnection: keep-alive\r\n\r\n";
  for (guint i = 0; i < 2000; i++)
    {
      int fd = connect_to (c.port);
      for (guint k = 0; k < 2; k++)
        {
          send_all (fd, req, strlen (req));
          g_autofree gchar *resp = read_response (fd);
          if (resp == NULL)
            g_error ("connection %u got no answer to request %u", i, k + 1);
          g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
          g_assert_null (strstr (resp, "Connection: close\r\n"));
        }
      close (fd);
    }
  /* and some that the client closes before sending anything */
  for (guint i = 0; i < 200; i++)
    close (connect_to (c.port));
  g_autofree gchar *resp = ask (c.port, req);
  g_assert_nonnull (resp);
  reap (&c);
}

/* A well-behaved client keeps its connection: 100 requests on one, each
 * answered without "Connection: close". One that asks for "Connection:
 * close" gets it, and the server closes after that answer. */
static void
test_keepalive (void)
{
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  Child c = spawn (&lim, 0);
  int fd = connect_to (c.port);
  const gchar *req = "GET /ping HTTP/1.1\r\nHost: server\r\n\r\n";
  for (guint k = 0; k < 100; k++)
    {
      send_all (fd, req, strlen (req));
      g_autofree gchar *resp = read_response (fd);
      if (resp == NULL)
        g_error ("request %u on one connection got no answer", k + 1);
      g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
      g_assert_null (strstr (resp, "Connection: close\r\n"));
    }
  const gchar *last = "GET /ping HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n";
  send_all (fd, last, strlen (last));
  g_autofree gchar *resp = read_response (fd);
  g_assert_nonnull (resp);
  g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
  g_assert_nonnull (strstr (resp, "Connection: close\r\n"));
  g_assert_true (closed_by_server (fd));
  close (fd);
  reap (&c);
}

/* Pipelined requests (each sent before the answer to the one before):
 * 40 on one connection in one write, GETs and POSTs with bodies, the last
 * with "Connection: close". Every one is answered, in order, and the
 * server closes after the last (before, the bytes libsoup had read past
 * the first request were dropped with it, and the client waited for the
 * idle timeout). */
static void
test_pipelined (void)
{
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  Child c = spawn (&lim, 0);
  int fd = connect_to (c.port);
  GString *reqs = g_string_new (NULL);
  const guint n = 40;
  for (guint k = 0; k < n; k++)
    {
      const gchar *close_hdr = k + 1 == n ? "Connection: close\r\n" : "";
      if (k % 2)
        g_string_append_printf (reqs, "POST /post%u HTTP/1.1\r\nHost: server\r\n%s"
                                "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nbody%u",
                                k, close_hdr, k % 10);
      else
        g_string_append_printf (reqs, "GET /get%u HTTP/1.1\r\nHost: server\r\n%s\r\n", k,
                                close_hdr);
    }
  send_all (fd, reqs->str, reqs->len);
  g_string_free (reqs, TRUE);
  /* everything up to the server's close (or the receive timeout) */
  GString *all = g_string_new (NULL);
  gchar buf[4096];
  gssize got;
  while ((got = recv (fd, buf, sizeof buf, 0)) > 0)
    g_string_append_len (all, buf, got);
  gboolean closed = got == 0;
  guint answered = 0;
  for (const gchar *p = all->str; (p = strstr (p, "HTTP/1.1 200 OK\r\n")) != NULL; p += 12)
    answered++;
  const gchar *last = g_strrstr (all->str, "HTTP/1.1 200");
  g_assert_nonnull (last);
  g_assert_nonnull (strstr (last, "Connection: close\r\n"));
  g_string_free (all, TRUE);
  g_assert_cmpuint (answered, ==, n);
  g_assert_true (closed);
  close (fd);
  reap (&c);
}

/* A 1 GB declared body: 413 right after the headers, the body never
 * read (the child's RSS stays where it was), the connection closed. */
static void
test_huge_declared_body (void)
{
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  Child c = spawn (&lim, 0);
  /* warm up: one normal request */
  g_free (ask (c.port, "GET / HTTP/1.1\r\nHost: server\r\n\r\n"));
  gsize before = rss_kib (c.pid);

  for (guint round = 0; round < 4; round++)
    {
      int fd = connect_to (c.port);
      const gchar *head = "POST /kms HTTP/1.1\r\nHost: server\r\nContent-Type: application/mikey\r\n"
                          "Content-Length: 1000000000\r\n\r\n";
      send_all (fd, head, strlen (head));
      /* the answer comes before any body byte is sent */
      g_autofree gchar *resp = read_response (fd);
      g_assert_nonnull (resp);
      g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 413"));
      g_assert_nonnull (strstr (resp, "Connection: close\r\n"));
      /* whatever the client still sends goes nowhere: 32 MiB at most */
      static gchar junk[64 * 1024];
      memset (junk, 'x', sizeof junk);
      for (guint i = 0; i < 512; i++)
        if (send (fd, junk, sizeof junk, MSG_NOSIGNAL) <= 0)
          break;
      g_assert_true (closed_by_server (fd));
      close (fd);
    }
  gsize after = rss_kib (c.pid);
  g_test_message ("RSS %zu KiB before, %zu KiB after", before, after);
  g_assert_cmpuint (after, <, before + 4096);
  reap (&c);
}

static void
refused_at_headers (const gchar *head, const gchar *status_line, const gchar *reason)
{
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  Child c = spawn (&lim, 0);
  int fd = connect_to (c.port);
  send_all (fd, head, strlen (head));
  g_autofree gchar *resp = read_response (fd);
  g_assert_nonnull (resp);
  if (!g_str_has_prefix (resp, status_line))
    g_error ("expected %s, got %s", status_line, resp);
  /* the reason, as a one-line text/plain body of the length declared */
  g_assert_nonnull (strstr (resp, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
  const gchar *body = strstr (resp, "\r\n\r\n");
  g_assert_nonnull (body);
  body += 4;
  g_autofree gchar *cl = g_strdup_printf ("\r\nContent-Length: %zu\r\n", strlen (body));
  g_assert_nonnull (strstr (resp, cl));
  g_assert_true (g_str_has_suffix (body, "\n"));
  if (strstr (body, reason) == NULL)
    g_error ("expected the reason '%s' in the body, got '%s'", reason, body);
  g_assert_true (closed_by_server (fd));
  close (fd);
  reap (&c);
}

static void
test_chunked_huge (void)
{
  refused_at_headers ("POST /kms HTTP/1.1\r\nHost: server\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "7fffffff\r\nxxxxxxxxxxxxxxxx", "HTTP/1.1 411",
                      "a chunked body is refused: send Content-Length (at most 65536 bytes)");
}

static void
test_overflowing_length (void)
{
  refused_at_headers ("POST /kms HTTP/1.1\r\nHost: server\r\n"
                      "Content-Length: 99999999999999999999999\r\n\r\nxx", "HTTP/1.1 400",
                      "Content-Length \"99999999999999999999999\" is not a number of at most "
                      "63 bits");
  refused_at_headers ("POST /kms HTTP/1.1\r\nHost: server\r\nContent-Length: -1\r\n\r\n",
                      "HTTP/1.1 400", "Content-Length \"-1\" is not a number");
  refused_at_headers ("POST /kms HTTP/1.1\r\nHost: server\r\nContent-Length: 65537\r\n\r\n",
                      "HTTP/1.1 413", "a 65537-byte body is over the limit of 65536 bytes");
}

/* A head that breaks the grammar or its bounds: its status and reason
 * right after the head, then the close (the reader's cases one by one:
 * tests/net/test-http-parse.c). */
static void
test_bad_heads (void)
{
  refused_at_headers ("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400",
                      "an HTTP/1.1 request needs exactly one Host field, not 0");
  refused_at_headers ("GET / HTTP/3.0\r\nHost: server\r\n\r\n", "HTTP/1.1 505",
                      "HTTP/3.0 is not supported");
  refused_at_headers ("GET /x%00y HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 400",
                      "has a bad percent-encoding");
  GString *big = g_string_new ("GET / HTTP/1.1\r\nHost: server\r\nX-Big: ");
  while (big->len < 20000)
    g_string_append_c (big, 'v');
  g_string_append (big, "\r\n\r\n");
  refused_at_headers (big->str, "HTTP/1.1 431", "the request head is over 16384 bytes");
  g_string_free (big, TRUE);
}

/* The per-source cap closes connections over it at once; the idle
 * timeout closes a connection that sends nothing; after both, normal
 * requests are served. */
static void
test_cap_and_idle (void)
{
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  lim.max_per_source = 8;
  lim.idle_timeout_s = 1;
  Child c = spawn (&lim, 0);
  int fds[8];
  for (guint i = 0; i < 8; i++)
    fds[i] = connect_to (c.port);
  /* the ninth from the same address is closed without an answer */
  int extra = connect_to (c.port);
  g_assert_true (closed_by_server (extra));
  close (extra);
  /* the eight idle ones are closed by the idle timeout */
  for (guint i = 0; i < 8; i++)
    {
      g_assert_true (closed_by_server (fds[i]));
      close (fds[i]);
    }
  int fd = connect_to (c.port);
  const gchar *ping = "GET / HTTP/1.1\r\nHost: server\r\n\r\n";
  send_all (fd, ping, strlen (ping));
  g_autofree gchar *resp = read_response (fd);
  g_assert_nonnull (resp);
  g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
  /* kept alive after its answer, it is closed by the idle timeout too */
  g_assert_true (closed_by_server (fd));
  close (fd);
  reap (&c);
}

/* The default per-source cap follows the open-file limit: a sixteenth of
 * it between 32 and 1,024. Under a limit of 2,048 a server with the
 * default limits serves 128 connections at once from one address (a load
 * tool's; the fixed cap of 32 closed the 33rd) and closes the 129th. */
static void
test_default_cap (void)
{
  g_assert_cmpuint (imps_http_per_source_cap_for (64), ==, 32);
  g_assert_cmpuint (imps_http_per_source_cap_for (512), ==, 32);
  g_assert_cmpuint (imps_http_per_source_cap_for (1024), ==, 64);
  g_assert_cmpuint (imps_http_per_source_cap_for (2048), ==, 128);
  g_assert_cmpuint (imps_http_per_source_cap_for (16384), ==, 1024);
  g_assert_cmpuint (imps_http_per_source_cap_for (1048576), ==, 1024);
  g_assert_cmpuint (imps_http_per_source_cap_for (G_MAXUINT64), ==, 1024);

  struct rlimit old, rl;
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &old), ==, 0);
  rl.rlim_cur = 2048;
  rl.rlim_max = old.rlim_max != RLIM_INFINITY && old.rlim_max < 2048 ? 2048 : old.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
    {
      g_test_skip ("cannot set an open-file limit of 2048 here");
      return;
    }
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  g_assert_cmpuint (lim.max_per_source, ==, 128);
  Child c = spawn (&lim, 0);
  const gchar *req = "GET /ping HTTP/1.1\r\nHost: server\r\n\r\n";
  int fds[128];
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      fds[i] = connect_to (c.port);
      send_all (fds[i], req, strlen (req));
      g_autofree gchar *resp = read_response (fds[i]);
      if (resp == NULL)
        g_error ("connection %u from one address got no answer", i + 1);
      g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
    }
  int extra = connect_to (c.port);
  g_assert_true (closed_by_server (extra));
  close (extra);
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);
  reap (&c);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &old), ==, 0);
}

/* A connection that is never idle (a request every 100 ms, each answered)
 * still ends at its lifetime: the server shuts it down. Bounds on the
 * count of requests only (a loaded machine is slow): at least one answered
 * before, and the end within 100 requests of a 1 s lifetime. */
static void
test_lifetime (void)
{
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  lim.lifetime_s = 1;
  Child c = spawn (&lim, 0);
  int fd = connect_to (c.port);
  const gchar *ping = "GET / HTTP/1.1\r\nHost: server\r\n\r\n";
  guint answered = 0;
  for (guint i = 0; i < 100; i++)
    {
      if (send (fd, ping, strlen (ping), MSG_NOSIGNAL) != (gssize) strlen (ping))
        break;
      g_autofree gchar *resp = read_response (fd);
      if (resp == NULL)
        break;
      g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
      answered++;
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    }
  g_test_message ("%u requests answered before the lifetime ended the connection", answered);
  g_assert_cmpuint (answered, >=, 1);
  g_assert_cmpuint (answered, <, 100);
  close (fd);
  /* the server goes on: a new connection is served */
  g_autofree gchar *resp = ask (c.port, ping);
  g_assert_nonnull (resp);
  reap (&c);
}

/* A server that cannot listen says which and why: a bad address, and a
 * port another server holds (with the address and port it was given). */
static void
test_listen_errors (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (0);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (1);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  ImpsHttpServer *a = imps_http_server_new (net, "a.example", IMPS_REF_UA, "test", answer_ok, NULL);
  ImpsHttpServer *b = imps_http_server_new (net, "b.example", IMPS_REF_UA, "test", answer_ok, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (imps_http_server_listen (a, "not-an-ip", 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "a.example at 'not-an-ip' is not an IP address");
  g_clear_error (&error);
  g_assert_true (imps_http_server_listen (a, SERVER_ADDR, 0, &error));
  g_assert_no_error (error);
  guint16 port = imps_http_server_get_port (a);
  g_assert_false (imps_http_server_listen (b, SERVER_ADDR, port, &error));
  g_assert_nonnull (error);
  g_autofree gchar *where = g_strdup_printf ("b.example at %s:%u: ", SERVER_ADDR, port);
  g_assert_true (g_str_has_prefix (error->message, where));
  imps_http_server_free (b);
  imps_http_server_free (a);
}

/* In this process: a server on a network of its own whose handler
 * answers "/slow" only when told. */
typedef struct {
  ImpsClock *clock;
  ImpsRandom *rnd;
  ImpsNetwork *net;
  ImpsHttpServer *server;
  ImpsHttpMessage *held;
} Slow;

static void
answer_later (ImpsHttpServer *server, ImpsHttpMessage *msg, const gchar *peer, gpointer data)
{
  Slow *slow = data;
  imps_http_server_pause (server, msg);
  slow->held = imps_http_message_ref (msg);
}

/* The slow server on SERVER_ADDR, with an idle timeout of @idle_timeout_s
 * (0: the default); its port. */
static guint16
slow_listen (Slow *slow, guint idle_timeout_s)
{
  slow->clock = imps_clock_new_virtual (0);
  slow->rnd = imps_random_new_seeded (1);
  slow->net = imps_network_new (slow->clock, slow->rnd);
  slow->server = imps_http_server_new (slow->net, "server", IMPS_REF_UA, "test", answer_later,
                                       slow);
  slow->held = NULL;
  if (idle_timeout_s > 0)
    {
      ImpsHttpLimits lim;
      imps_http_limits_init (&lim);
      lim.idle_timeout_s = idle_timeout_s;
      imps_http_server_set_limits (slow->server, &lim);
    }
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_http_server_listen (slow->server, SERVER_ADDR, 0, &error));
  return imps_http_server_get_port (slow->server);
}

static void
slow_end (Slow *slow)
{
  imps_http_message_unref (slow->held);
  imps_http_server_free (slow->server);
  imps_network_free (slow->net);
  imps_random_free (slow->rnd);
  imps_clock_unref (slow->clock);
}

static gboolean
stats_closed (gpointer data)
{
  Slow *slow = data;
  ImpsHttpStats st;
  imps_http_server_get_stats (slow->server, &st);
  return st.closed == 1;
}

/* A client that stops sending (shutdown of its sending side) while its
 * request waits for the answer still gets the answer, then the close:
 * the server keeps the request when it sees the client's end. */
static void
test_half_close_while_waiting (void)
{
  Slow slow;
  int fd = connect_to (slow_listen (&slow, 0));
  const gchar *req = "GET /slow HTTP/1.1\r\nHost: server\r\n\r\n";
  send_all (fd, req, strlen (req));
  shutdown (fd, SHUT_WR);
  while (slow.held == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* let the server see the end */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  imps_http_server_respond (slow.server, slow.held, SOUP_STATUS_OK, "text/plain",
                            (const guint8 *) "late", 4, NULL, "200 late");
  while (!stats_closed (&slow))
    g_main_context_iteration (NULL, TRUE);
  g_autofree gchar *resp = read_response (fd);
  g_assert_nonnull (resp);
  g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
  g_assert_true (g_str_has_suffix (resp, "\r\n\r\nlate"));
  g_assert_true (closed_by_server (fd));
  close (fd);
  ImpsEventLog *log = imps_network_get_event_log (slow.net);
  guint sent = 0, dropped = 0;
  for (guint i = imps_event_log_first (log); i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      sent += e->kind == IMPS_EVENT_MESSAGE && g_strcmp0 (e->summary, "200 late") == 0;
      dropped += g_strcmp0 (e->summary, "answer dropped") == 0;
    }
  g_assert_cmpuint (sent, ==, 1);
  g_assert_cmpuint (dropped, ==, 0);
  slow_end (&slow);
}

static guint64
idle_closed (ImpsHttpServer *server)
{
  ImpsHttpStats st;
  imps_http_server_get_stats (server, &st);
  return st.idle_closed;
}

/* The idle timeout (1 s here) closes a connection that sends nothing, but
 * not one whose request the handler is still answering: that one waits
 * past the timeout, gets its answer, and is closed only once it has been
 * idle itself for the timeout. */
static void
test_idle_while_answering (void)
{
  Slow slow;
  guint16 port = slow_listen (&slow, 1);
  int busy = connect_to (port);
  const gchar *req = "GET /slow HTTP/1.1\r\nHost: server\r\n\r\n";
  send_all (busy, req, strlen (req));
  int silent = connect_to (port);
  while (slow.held == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* the silent one goes at its timeout */
  while (idle_closed (slow.server) < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (closed_by_server (silent));
  close (silent);
  /* the one waiting for its answer stays past its own timeout */
  gint64 until = g_get_monotonic_time () + 1500 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  ImpsHttpStats st;
  imps_http_server_get_stats (slow.server, &st);
  g_assert_cmpuint (st.open, ==, 1);
  g_assert_cmpuint (st.idle_closed, ==, 1);
  imps_http_server_respond (slow.server, slow.held, SOUP_STATUS_OK, "text/plain",
                            (const guint8 *) "late", 4, NULL, "200 late");
  while (idle_closed (slow.server) < 2)
    g_main_context_iteration (NULL, TRUE);
  g_autofree gchar *resp = read_response (busy);
  g_assert_nonnull (resp);
  g_assert_true (g_str_has_suffix (resp, "\r\n\r\nlate"));
  g_assert_true (closed_by_server (busy));
  close (busy);
  slow_end (&slow);
}

/* In this process: a server out of descriptors (the limit lowered to the
 * descriptors in use) with connections waiting to be accepted. The
 * listener stays readable; a server that tried again at once would spin
 * (GSocketService did, with a warning each time, fatal under the tests).
 * It notes why and pauses 100 ms between tries: a few notes in 300 ms,
 * not thousands. With descriptors again, it accepts the waiting
 * connections and each gets its answer. */
static void
test_out_of_descriptors (void)
{
  g_autoptr (ImpsClock) clock = imps_clock_new_virtual (0);
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (1);
  g_autoptr (ImpsNetwork) net = imps_network_new (clock, rnd);
  ImpsHttpServer *server = imps_http_server_new (net, "server", IMPS_REF_UA, "test", answer_ok,
                                                 NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_http_server_listen (server, SERVER_ADDR, 0, &error));
  guint16 port = imps_http_server_get_port (server);
  int fds[8];
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    fds[i] = connect_to (port);
  const gchar *req = "GET / HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n";
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    send_all (fds[i], req, strlen (req));

  run_without_descriptors (300);

  ImpsEventLog *log = imps_network_get_event_log (net);
  guint notes = 0;
  for (guint i = imps_event_log_first (log); i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (g_strcmp0 (e->summary, "accept failed") == 0)
        {
          notes++;
          g_assert_nonnull (strstr (e->detail, "could not accept a connection"));
        }
    }
  g_test_message ("%u notes in 300 ms", notes);
  g_assert_cmpuint (notes, >=, 1);
  g_assert_cmpuint (notes, <=, 10);

  ImpsHttpStats st;
  do
    {
      g_main_context_iteration (NULL, TRUE);
      imps_http_server_get_stats (server, &st);
    }
  while (st.accepted < G_N_ELEMENTS (fds) || st.open > 0);
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      g_autofree gchar *resp = read_response (fds[i]);
      if (resp == NULL)
        g_error ("connection %u got no answer", i);
      g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
      close (fds[i]);
    }
  imps_http_server_free (server);
}

/* The Date header's text: RFC 9110 section 5.6.7's example, and libsoup's
 * formatter (what the servers used before) at dates across four centuries,
 * leap days and the ends of days and years. */
static void
test_date (void)
{
  g_autofree gchar *rfc = imps_http_date (784111777);
  g_assert_cmpstr (rfc, ==, "Sun, 06 Nov 1994 08:49:37 GMT");
  g_autofree gchar *epoch = imps_http_date (0);
  g_assert_cmpstr (epoch, ==, "Thu, 01 Jan 1970 00:00:00 GMT");
  const gint64 at[] = { 951782399, 951782400, 951868799, 1709164800, 1735689599, 1735689600,
                        4102444800, 253402300799, -1, -2208988800 };
  for (guint i = 0; i < G_N_ELEMENTS (at); i++)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (at[i]);
      g_autofree gchar *want = soup_date_time_to_string (dt, SOUP_DATE_HTTP);
      g_autofree gchar *got = imps_http_date (at[i]);
      g_assert_cmpstr (got, ==, want);
    }
  GRand *r = g_rand_new_with_seed (7);
  for (guint i = 0; i < 2000; i++)
    {
      gint64 t = (gint64) g_rand_double_range (r, 0, 253402300799.0);
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
      g_autofree gchar *want = soup_date_time_to_string (dt, SOUP_DATE_HTTP);
      g_autofree gchar *got = imps_http_date (t);
      g_assert_cmpstr (got, ==, want);
    }
  g_rand_free (r);
  /* past year 9999: the epoch, as before */
  g_autofree gchar *far = imps_http_date (253402300800);
  g_assert_cmpstr (far, ==, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* The head writer's numbers and fields against printf's text (what the
 * heads were written with before). */
static void
test_head_writer (void)
{
  const guint64 v[] = { 0, 7, 10, 99, 100, 65535, 1234567890, G_MAXUINT32,
                        G_GUINT64_CONSTANT (10000000000000000000), G_MAXUINT64 };
  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    {
      g_autoptr (GString) s = g_string_new ("n=");
      imps_http_put_uint (s, v[i]);
      g_autofree gchar *want = g_strdup_printf ("n=%" G_GUINT64_FORMAT, v[i]);
      g_assert_cmpstr (s->str, ==, want);
      g_autoptr (GString) cl = g_string_new (NULL);
      imps_http_put_content_length (cl, v[i]);
      g_autofree gchar *want_cl = g_strdup_printf ("Content-Length: %" G_GUINT64_FORMAT "\r\n",
                                                   v[i]);
      g_assert_cmpstr (cl->str, ==, want_cl);
    }
  g_autoptr (GString) h = g_string_new (NULL);
  imps_http_put_field (h, "Host", "bsf.home1.net:80");
  imps_http_put_field (h, "X-Empty", "");
  g_assert_cmpstr (h->str, ==, "Host: bsf.home1.net:80\r\nX-Empty: \r\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  g_test_add_func ("/http-server/closed-keepalive", test_closed_keepalive);
  g_test_add_func ("/http-server/keepalive", test_keepalive);
  g_test_add_func ("/http-server/pipelined", test_pipelined);
  g_test_add_func ("/http-server/huge-declared-body", test_huge_declared_body);
  g_test_add_func ("/http-server/chunked-huge", test_chunked_huge);
  g_test_add_func ("/http-server/overflowing-length", test_overflowing_length);
  g_test_add_func ("/http-server/bad-heads", test_bad_heads);
  g_test_add_func ("/http-server/half-close-while-waiting", test_half_close_while_waiting);
  g_test_add_func ("/http-server/cap-and-idle", test_cap_and_idle);
  g_test_add_func ("/http-server/default-cap", test_default_cap);
  g_test_add_func ("/http-server/idle-while-answering", test_idle_while_answering);
  g_test_add_func ("/http-server/lifetime", test_lifetime);
  g_test_add_func ("/http-server/listen-errors", test_listen_errors);
  g_test_add_func ("/http-server/out-of-descriptors", test_out_of_descriptors);
  g_test_add_func ("/http-server/date", test_date);
  g_test_add_func ("/http-server/head-writer", test_head_writer);
  return g_test_run ();
}
