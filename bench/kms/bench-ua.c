/* Ua over HTTP against a minimal libsoup-3 server in the same run: the
 * KMS node (impsim's HTTP server, the Ua handler, static PSK of profile §2
 * NOTE 1, the event log as a ring as in `impsim serve`) answering distinct
 * valid REQUEST_INIT_PSKs, and a "hello" server (soup_server_new, one
 * handler that answers 200 "hello") answering GET /. Each server runs in a
 * child process of its own; this process is the client: C connections at
 * once, each sending its next request when the answer to the previous one
 * is in (HTTP/1.1 keep-alive; a connection the server closes is opened
 * again), as a load generator such as wrk does.
 *
 * Rounds alternate between the two servers (hello first, then the KMS,
 * then the KMS first); each round sends a fixed number of requests.
 * Printed per server: the median requests per second (wall time, which the
 * client's own work and the machine's load shape alike for both), the
 * median server CPU per request (the time the child's threads ran, from
 * /proc), the connections the client had to open, and the ratios KMS /
 * hello of both, each the median of the per-round ratios, with the spread.
 *
 *   bench-ua [--conns C] [--requests N] [--rounds R]   (defaults 16, 4000, 5)
 *
 * With IMPS_BENCH_JSON naming a file, the ratios are appended as JSON lines
 * (what `make bench` collects). */
#include "imps-kms.h"
#include "imps-random.h"
#include "imps-bench.h"
#include "imps-bench-child.h"

#include <libsoup/soup.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000)
#define MAX_CONNS 256

static guint n_conns = 16, n_requests = 4000, n_rounds = 5;

/* ---- the servers (children) -------------------------------------------- */

static void G_GNUC_NORETURN
hello_main (int fd)
{
  imps_bench_hello_main (fd, "127.0.0.1");
}

static guint8 psk[32];

static void G_GNUC_NORETURN
kms_main (int fd)
{
  ImpsClock *clock = imps_clock_new_virtual (imps_unix_us_from_ntp (NOW));
  ImpsNetwork *net = imps_network_new (clock, imps_random_new_seeded (8));
  imps_event_log_set_ring (imps_network_get_event_log (net), 10000);
  g_autoptr (GError) error = NULL;
  ImpsKms *kms = imps_kms_new (net, "example.org", NULL, &error);
  if (kms == NULL)
    _exit (3);
  imps_kms_add_static_psk (kms, "static-alice", "sip:alice@example.org", psk, 32);
  /* every connection of the bench comes from one address: no cap on them
   * (up to --conns 256), as `impsim serve --per-address-cap=0` */
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  lim.max_per_source = 0;
  imps_kms_set_http_limits (kms, &lim);
  if (!imps_kms_listen (kms, "127.0.0.1", 0, &error))
    _exit (4);
  imps_bench_report_port (fd, imps_kms_get_ua_port (kms));
  imps_bench_serve_until_term ();
}

/* ---- the client ------------------------------------------------------- */

typedef struct {
  int fd;
  GString *in;
  const guint8 *out;
  gsize out_len, out_off;
  gboolean busy;
} Client;

typedef struct {
  guint16 port;
  GBytes **reqs;     /* the requests of this round, in order */
  guint n;
  guint next, done, bad, refused, opened;
} Load;

/* A MIKEY answer (RFC 3830 §6.1: data type in the header's second byte)
 * that is an Error: the KMS refused the request, no ticket was made. */
static gboolean
is_mikey_error (const gchar *answer, gsize len)
{
  const gchar *end = g_strstr_len (answer, len, "\r\n\r\n");
  gsize head = (gsize) (end + 4 - answer);
  return g_strstr_len (answer, head, "application/mikey") != NULL && len >= head + 2
         && (guint8) answer[head + 1] == IMPS_MIKEY_DATA_ERROR;
}

static int
open_conn (guint16 port)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  g_assert (fd >= 0);
  int one = 1;
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  sa.sin_port = htons (port);
  inet_pton (AF_INET, "127.0.0.1", &sa.sin_addr);
  int r = connect (fd, (struct sockaddr *) &sa, sizeof sa);
  g_assert (r == 0 || errno == EINPROGRESS);
  return fd;
}

static void
start_next (Load *l, Client *c)
{
  if (l->next >= l->n)
    {
      c->busy = FALSE;
      return;
    }
  if (c->fd < 0)
    {
      c->fd = open_conn (l->port);
      l->opened++;
    }
  c->out = g_bytes_get_data (l->reqs[l->next], &c->out_len);
  c->out_off = 0;
  c->busy = TRUE;
  g_string_truncate (c->in, 0);
  l->next++;
}

/* A whole answer in c->in: its length, else 0. */
static gsize
answer_len (Client *c)
{
  const gchar *end = g_strstr_len (c->in->str, c->in->len, "\r\n\r\n");
  if (end == NULL)
    return 0;
  gsize head = (gsize) (end + 4 - c->in->str);
  const gchar *cl = g_strstr_len (c->in->str, head, "Content-Length: ");
  gsize want = head + (cl ? strtoul (cl + 16, NULL, 10) : 0);
  return c->in->len >= want ? want : 0;
}

static void
run_load (Load *l)
{
  Client cs[MAX_CONNS];
  struct pollfd pf[MAX_CONNS];
  for (guint i = 0; i < n_conns; i++)
    {
      cs[i] = (Client) { .fd = -1, .in = g_string_new (NULL) };
      start_next (l, &cs[i]);
    }
  while (l->done < l->n)
    {
      for (guint i = 0; i < n_conns; i++)
        {
          pf[i].fd = cs[i].busy ? cs[i].fd : -1;
          pf[i].events = cs[i].out_off < cs[i].out_len ? POLLOUT : POLLIN;
          pf[i].revents = 0;
        }
      if (poll (pf, n_conns, 60000) <= 0)
        g_error ("no answer for 60 s (%u of %u answered)", l->done, l->n);
      for (guint i = 0; i < n_conns; i++)
        {
          Client *c = &cs[i];
          if (!c->busy || pf[i].revents == 0)
            continue;
          if (c->out_off < c->out_len)
            {
              gssize n = send (c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
              if (n < 0 && errno != EAGAIN)
                g_error ("send: %s", g_strerror (errno));
              if (n > 0)
                c->out_off += (gsize) n;
              continue;
            }
          gchar buf[8192];
          gssize n = recv (c->fd, buf, sizeof buf, 0);
          if (n < 0 && errno == EAGAIN)
            continue;
          if (n <= 0)
            g_error ("the server on port %u closed a connection before its answer (%s)", l->port,
                     n == 0 ? "end of stream" : g_strerror (errno));
          g_string_append_len (c->in, buf, n);
          gsize len = answer_len (c);
          if (len == 0)
            continue;
          l->done++;
          if (!g_str_has_prefix (c->in->str, "HTTP/1.1 200"))
            l->bad++;
          else if (is_mikey_error (c->in->str, len))
            l->refused++;
          gboolean closes = g_strstr_len (c->in->str, len, "Connection: close\r\n") != NULL;
          if (closes)
            {
              close (c->fd);
              c->fd = -1;
            }
          start_next (l, c);
        }
    }
  for (guint i = 0; i < n_conns; i++)
    {
      if (cs[i].fd >= 0)
        close (cs[i].fd);
      g_string_free (cs[i].in, TRUE);
    }
}

typedef struct {
  double rps, cpu_us;
  guint opened;
} RoundResult;

static RoundResult
round_on (const ImpsBenchChild *s, GBytes **reqs, guint n)
{
  Load l = { .port = s->port, .reqs = reqs, .n = n };
  double c0 = imps_bench_pid_cpu_s (s->pid), w0 = imps_bench_wall_s ();
  run_load (&l);
  double w1 = imps_bench_wall_s (), c1 = imps_bench_pid_cpu_s (s->pid);
  if (l.bad)
    g_error ("%u of %u answers were not 200", l.bad, n);
  /* the measurement is of tickets made, not of refusals */
  if (l.refused)
    g_error ("%u of %u answers were MIKEY Errors (refused), not tickets", l.refused, n);
  return (RoundResult) { n / (w1 - w0), (c1 - c0) * 1e6 / n, l.opened };
}

int
main (int argc, char **argv)
{
  imps_bench_load_options (&argc, &argv,
                           "Ua over HTTP: the KMS answering distinct valid ticket requests "
                           "against a libsoup hello server answering GET /, each in a child "
                           "process, in alternating rounds.",
                           MAX_CONNS, "requests", "Requests to each server", &n_conns,
                           &n_requests, &n_rounds);
  signal (SIGPIPE, SIG_IGN);

  /* distinct valid requests: T steps 1/65536 s, all within the skew */
  g_autoptr (ImpsRandom) rnd = imps_random_new_seeded (7);
  imps_random_fill (rnd, psk, 32);
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, "sip:bob@example.org");
  ImpsMikeyRequestParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = "sip:alice@example.org";
  p.kms_uri = "kms.example.org";
  p.psk_id = (const guint8 *) "static-alice";
  p.psk_id_len = strlen ((const char *) p.psk_id);
  p.desired = &tp;
  guint n_kms = n_rounds * n_requests;
  GBytes **kms_reqs = g_new0 (GBytes *, n_kms);
  for (guint i = 0; i < n_kms; i++)
    {
      g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, psk, 32,
                                                                       NOW + ((guint64) i << 16),
                                                                       rnd, NULL);
      g_assert (m != NULL);
      g_autofree gchar *head = g_strdup_printf ("POST /kms?requesttype=ticketrequest HTTP/1.1\r\n"
                                                "Host: kms.example.org\r\nContent-Type: "
                                                IMPS_KMS_CONTENT_TYPE "\r\nContent-Length: "
                                                "%" G_GSIZE_FORMAT "\r\n\r\n", m->body.raw_len);
      GByteArray *a = g_byte_array_new ();
      g_byte_array_append (a, (const guint8 *) head, strlen (head));
      g_byte_array_append (a, m->body.raw, m->body.raw_len);
      kms_reqs[i] = g_byte_array_free_to_bytes (a);
    }
  const gchar *get = "GET / HTTP/1.1\r\nHost: hello\r\n\r\n";
  g_autoptr (GBytes) hello_req = g_bytes_new_static (get, strlen (get));
  GBytes **hello_reqs = g_new0 (GBytes *, n_requests);
  for (guint i = 0; i < n_requests; i++)
    hello_reqs[i] = hello_req;

  ImpsBenchChild hello = imps_bench_spawn (hello_main);
  ImpsBenchChild kms = imps_bench_spawn (kms_main);

  double h_rps[99], k_rps[99], h_cpu[99], k_cpu[99], r_rps[99], r_cpu[99];
  guint h_open = 0, k_open = 0;
  for (guint r = 0; r < n_rounds; r++)
    {
      RoundResult h, k;
      if (r % 2 == 0)
        {
          h = round_on (&hello, hello_reqs, n_requests);
          k = round_on (&kms, kms_reqs + r * n_requests, n_requests);
        }
      else
        {
          k = round_on (&kms, kms_reqs + r * n_requests, n_requests);
          h = round_on (&hello, hello_reqs, n_requests);
        }
      h_rps[r] = h.rps, h_cpu[r] = h.cpu_us, k_rps[r] = k.rps, k_cpu[r] = k.cpu_us;
      r_rps[r] = k.rps / h.rps;
      r_cpu[r] = h.cpu_us > 0 ? k.cpu_us / h.cpu_us : 0;
      h_open += h.opened, k_open += k.opened;
    }
  double sp;
  printf ("Ua over HTTP: the KMS against a libsoup hello server, %u connections, %u requests a "
          "round, %u rounds\n", n_conns, n_requests, n_rounds);
  printf ("  %-28s %12s %8s %16s %8s %12s\n", "server", "requests/s", "spread", "CPU us/request",
          "spread", "connections");
  double m = imps_bench_median (h_rps, n_rounds, &sp);
  printf ("  %-28s %12.0f %7.0f%%", "hello (GET /)", m, 100 * sp);
  m = imps_bench_median (h_cpu, n_rounds, &sp);
  printf (" %16.1f %7.0f%% %12u\n", m, 100 * sp, h_open);
  m = imps_bench_median (k_rps, n_rounds, &sp);
  printf ("  %-28s %12.0f %7.0f%%", "KMS (ticket request)", m, 100 * sp);
  m = imps_bench_median (k_cpu, n_rounds, &sp);
  printf (" %16.1f %7.0f%% %12u\n", m, 100 * sp, k_open);
  double sp_rps, sp_cpu;
  double ratio_rps = imps_bench_median (r_rps, n_rounds, &sp_rps);
  double ratio_cpu = imps_bench_median (r_cpu, n_rounds, &sp_cpu);
  printf ("  KMS / hello requests per second: %.2f (spread %.0f%%; goal at least 0.7)\n",
          ratio_rps, 100 * sp_rps);
  printf ("  KMS / hello server CPU per request: %.2f (spread %.0f%%; goal at most 1.5)\n",
          ratio_cpu, 100 * sp_cpu);

  const gchar *json_path = g_getenv ("IMPS_BENCH_JSON");
  FILE *json = json_path && *json_path ? fopen (json_path, "a") : NULL;
  if (json)
    {
      fprintf (json, "{\"bench\": \"ua\", \"kind\": \"ratio\", \"name\": \"KMS / hello "
               "requests per second\", \"ratio\": %.4f, \"spread\": %.4f}\n", ratio_rps, sp_rps);
      fprintf (json, "{\"bench\": \"ua\", \"kind\": \"ratio\", \"name\": \"KMS / hello "
               "server CPU per request\", \"ratio\": %.4f, \"spread\": %.4f}\n", ratio_cpu, sp_cpu);
      fclose (json);
    }

  kill (hello.pid, SIGTERM);
  kill (kms.pid, SIGTERM);
  waitpid (hello.pid, NULL, 0);
  waitpid (kms.pid, NULL, 0);
  for (guint i = 0; i < n_kms; i++)
    g_bytes_unref (kms_reqs[i]);
  g_free (kms_reqs);
  g_free (hello_reqs);
  return 0;
}
