/* Ub over HTTP against a minimal libsoup-3 server in the same run: the BSF
 * node (impsim's HTTP server, the Ub handler, its SQLite session store)
 * with an HSS (the Zh server over Diameter on loopback), both in one child
 * process, answering real bootstraps (gba.md §6.1): the first GET, the 401
 * with an AKA challenge for which the BSF asks the HSS over Zh, and the
 * GET with the Digest AKA response, answered 200 with the B-TID. The
 * client (this process) runs Milenage and Digest AKA for each challenge,
 * with one subscriber per connection. The baseline is a "hello" server
 * (soup_server_new, one handler that answers 200 "hello") in a child of its
 * own, which answers two GET / per bootstrap.
 *
 * C connections at once, each sending its next request when the answer to
 * the previous one is in (HTTP/1.1 keep-alive). Rounds alternate between
 * the two servers; each round runs a fixed number of bootstraps (twice as
 * many GETs to the hello server). Printed: the median bootstraps per
 * second, the median server CPU per bootstrap (the time the child's threads ran, from
 * /proc: BSF and HSS together) and the ratios BSF / hello, each
 * the median of the per-round ratios, with the spread.
 *
 *   bench-ub [--conns C] [--bootstraps N] [--rounds R]   (defaults 16, 1500, 5)
 *
 * With IMPS_BENCH_JSON naming a file, the ratios are appended as JSON lines
 * (what `make bench` collects). */
#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "digest/imps-digest.h"
#include "imps-bsf.h"
#include "imps-hss.h"
#include "imps-http.h"
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

#define MAX_CONNS 64
#define BSF_ADDR "127.0.1.20"
#define HSS_ADDR "127.0.1.10"
#define HELLO_ADDR "127.0.1.99"
#define BSF_NAME "bsf.home1.net"
/* 2026-01-01T00:00:00Z */
#define START_S G_GINT64_CONSTANT (1767225600)

static guint n_conns = 16, n_boots = 1500, n_rounds = 5;
static const gchar k_hex[] = "465b5ce8b199b49faa5f0a2ee238a6bc";
static const gchar opc_hex[] = "cd63cb71954a9f4e48a5994e37a02baf";

static void
hex_into (const gchar *hex, guint8 *out, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
}

static gchar *
impi_of (guint i)
{
  return g_strdup_printf ("user%u_private@home1.net", i);
}

/* ---- the servers (children) -------------------------------------------- */

static void G_GNUC_NORETURN
hello_main (int fd)
{
  imps_bench_hello_main (fd, HELLO_ADDR);
}

static void G_GNUC_NORETURN
bsf_main (int fd)
{
  ImpsClock *clock = imps_clock_new_virtual (START_S * G_USEC_PER_SEC);
  ImpsNetwork *net = imps_network_new (clock, imps_random_new_seeded (8));
  /* the event log as a ring, as in `impsim serve` */
  imps_event_log_set_ring (imps_network_get_event_log (net), 10000);
  g_autoptr (GError) error = NULL;
  ImpsHss *hss = imps_hss_new (net, "home1.net", NULL, &error);
  if (hss == NULL || !imps_hss_listen (hss, HSS_ADDR, 0, &error))
    _exit (3);
  guint8 k[16], opc[16], sqn[6] = { 0, 0, 0, 0, 0, 0x20 }, amf[2] = { 0, 0 };
  hex_into (k_hex, k, 16);
  hex_into (opc_hex, opc, 16);
  for (guint i = 0; i < n_conns; i++)
    {
      g_autofree gchar *impi = impi_of (i);
      g_autofree gchar *impu = g_strdup_printf ("sip:user%u@home1.net", i);
      const gchar *impus[] = { impu, NULL };
      ImpsHssSubscriber sub = { impi, impus, k, opc, NULL, sqn, amf, 5, 3600 };
      if (!imps_hss_provision (hss, &sub, &error))
        _exit (3);
    }
  ImpsBsf *bsf = imps_bsf_new (net, "home1.net", NULL, &error);
  /* every connection of the bench comes from one address: no cap on them
   * (up to --conns 64), as `impsim serve --per-address-cap=0` */
  ImpsHttpLimits lim;
  imps_http_limits_init (&lim);
  lim.max_per_source = 0;
  if (bsf != NULL)
    imps_bsf_set_http_limits (bsf, &lim);
  if (bsf == NULL || !imps_bsf_listen (bsf, BSF_ADDR, 0, 0, &error))
    _exit (4);
  imps_bsf_set_hss (bsf, HSS_ADDR, imps_hss_get_port (hss));
  imps_bench_report_port (fd, imps_bsf_get_ub_port (bsf));
  imps_bench_serve_until_term ();
}

typedef struct {
  pid_t pid;
  guint16 port;
  const gchar *addr;
} Server;

static Server
spawn (void (*fn) (int), const gchar *addr)
{
  ImpsBenchChild c = imps_bench_spawn (fn);
  return (Server) { c.pid, c.port, addr };
}

/* ---- the client ------------------------------------------------------- */

typedef enum { STEP_FIRST, STEP_RESPONSE } Step;

typedef struct {
  int fd;
  GString *in;
  GString *out;
  gsize out_off;
  gboolean busy;
  Step step;
  gchar *impi;
  ImpsMilenage *milenage;
  ImpsAkaSqnState *sqn;
  guint cnonce;
} Client;

typedef struct {
  const Server *server;
  gboolean hello;    /* two GET / per bootstrap, no digest */
  guint n;           /* bootstraps */
  guint started, done;
} Load;

static int
open_conn (const Server *s)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  g_assert (fd >= 0);
  int one = 1;
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  sa.sin_port = htons (s->port);
  inet_pton (AF_INET, s->addr, &sa.sin_addr);
  int r = connect (fd, (struct sockaddr *) &sa, sizeof sa);
  g_assert (r == 0 || errno == EINPROGRESS);
  return fd;
}

static void
put_request (Client *c, const gchar *authorization)
{
  g_string_truncate (c->out, 0);
  g_string_append (c->out, "GET / HTTP/1.1\r\nHost: " BSF_NAME ":80\r\n"
                   "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\nAccept: */*\r\n");
  if (authorization)
    g_string_append_printf (c->out, "Authorization: %s\r\n", authorization);
  g_string_append (c->out, "\r\n");
  c->out_off = 0;
  g_string_truncate (c->in, 0);
}

/* The first request of a bootstrap (gba.md §6.1 step 1). */
static void
start_bootstrap (Load *l, Client *c)
{
  if (l->started >= l->n)
    {
      c->busy = FALSE;
      return;
    }
  l->started++;
  c->busy = TRUE;
  c->step = STEP_FIRST;
  if (c->fd < 0)
    c->fd = open_conn (l->server);
  if (l->hello)
    {
      put_request (c, NULL);
      return;
    }
  ImpsDigestCredentials *cred = imps_digest_credentials_new ();
  cred->username = g_strdup (c->impi);
  cred->realm = g_strdup (BSF_NAME);
  cred->nonce = g_strdup ("");
  cred->uri = g_strdup ("/");
  cred->response = g_strdup ("");
  g_autofree gchar *auth = imps_digest_credentials_build (cred, NULL);
  imps_digest_credentials_free (cred);
  g_assert (auth != NULL);
  put_request (c, auth);
}

/* A header's value in the head of c->in (case-insensitive name), copied. */
static gchar *
header_value (const gchar *head, gsize head_len, const gchar *name)
{
  gsize nl = strlen (name);
  const gchar *p = head, *end = head + head_len;
  while (p < end)
    {
      const gchar *eol = g_strstr_len (p, end - p, "\r\n");
      if (eol == NULL)
        break;
      if ((gsize) (eol - p) > nl + 1 && g_ascii_strncasecmp (p, name, nl) == 0 && p[nl] == ':')
        {
          const gchar *v = p + nl + 1;
          while (v < eol && *v == ' ')
            v++;
          return g_strndup (v, eol - v);
        }
      p = eol + 2;
    }
  return NULL;
}

/* The 401: AKA on the client's USIM values, and the Digest AKA answer
 * (gba.md §6.1 steps 4-5). */
static void
answer_challenge (Client *c, gsize head_len)
{
  g_autofree gchar *value = header_value (c->in->str, head_len, "WWW-Authenticate");
  if (value == NULL)
    g_error ("401 without WWW-Authenticate");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDigestChallenge) ch = imps_digest_challenge_parse (value, strlen (value), &error);
  g_assert_no_error (error);
  ImpsDigestAkaNonce nonce;
  if (!imps_digest_aka_nonce_parse (ch->nonce, strlen (ch->nonce), &nonce, &error))
    g_error ("nonce: %s", error->message);
  g_auto (ImpsAkaResult) aka = { 0 };
  guint8 auts[IMPS_AKA_AUTS_LEN];
  if (!imps_aka_check_autn (c->milenage, c->sqn, nonce.rand, nonce.autn, &aka, auts, &error))
    g_error ("AKA: %s", error->message);
  ImpsDigestCredentials *cred = imps_digest_credentials_new ();
  cred->username = g_strdup (c->impi);
  cred->realm = g_strdup (ch->realm);
  cred->nonce = g_strdup (ch->nonce);
  cred->uri = g_strdup ("/");
  cred->opaque = g_strdup (ch->opaque);
  cred->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  cred->qop = (ch->qop_options & IMPS_DIGEST_QOP_AUTH_INT) ? IMPS_DIGEST_QOP_AUTH_INT
              : (ch->qop_options & IMPS_DIGEST_QOP_AUTH) ? IMPS_DIGEST_QOP_AUTH
                                                         : IMPS_DIGEST_QOP_NONE;
  if (cred->qop != IMPS_DIGEST_QOP_NONE)
    {
      cred->cnonce = g_strdup_printf ("%016x%016x", c->cnonce++, g_random_int ());
      g_strlcpy (cred->nc, "00000001", sizeof cred->nc);
    }
  imps_digest_credentials_sign (cred, "GET", aka.res, sizeof aka.res, NULL, 0);
  g_autofree gchar *auth = imps_digest_credentials_build (cred, &error);
  imps_digest_credentials_free (cred);
  g_assert_no_error (error);
  put_request (c, auth);
}

/* A whole answer in c->in: its length, and the length of its head. */
static gsize
answer_len (Client *c, gsize *head_len)
{
  const gchar *end = g_strstr_len (c->in->str, c->in->len, "\r\n\r\n");
  if (end == NULL)
    return 0;
  gsize head = (gsize) (end + 4 - c->in->str);
  const gchar *cl = g_strstr_len (c->in->str, head, "Content-Length: ");
  gsize want = head + (cl ? strtoul (cl + 16, NULL, 10) : 0);
  *head_len = head;
  return c->in->len >= want ? want : 0;
}

static void
run_load (Load *l, Client *cs)
{
  struct pollfd pf[MAX_CONNS];
  for (guint i = 0; i < n_conns; i++)
    start_bootstrap (l, &cs[i]);
  while (l->done < l->n)
    {
      for (guint i = 0; i < n_conns; i++)
        {
          pf[i].fd = cs[i].busy ? cs[i].fd : -1;
          pf[i].events = cs[i].out_off < cs[i].out->len ? POLLOUT : POLLIN;
          pf[i].revents = 0;
        }
      if (poll (pf, n_conns, 60000) <= 0)
        g_error ("no answer for 60 s (%u of %u bootstraps done)", l->done, l->n);
      for (guint i = 0; i < n_conns; i++)
        {
          Client *c = &cs[i];
          if (!c->busy || pf[i].revents == 0)
            continue;
          if (c->out_off < c->out->len)
            {
              gssize n = send (c->fd, c->out->str + c->out_off, c->out->len - c->out_off,
                               MSG_NOSIGNAL);
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
            g_error ("the server closed a connection before its answer");
          g_string_append_len (c->in, buf, n);
          gsize head = 0, len = answer_len (c, &head);
          if (len == 0)
            continue;
          gboolean closes = g_strstr_len (c->in->str, head, "Connection: close\r\n") != NULL;
          if (closes)
            g_error ("the server closed a kept-alive connection");
          if (c->step == STEP_FIRST)
            {
              const gchar *want = l->hello ? "HTTP/1.1 200" : "HTTP/1.1 401";
              if (!g_str_has_prefix (c->in->str, want))
                g_error ("first answer: %.*s", (int) MIN (head, 200), c->in->str);
              c->step = STEP_RESPONSE;
              if (l->hello)
                put_request (c, NULL);
              else
                answer_challenge (c, head);
              continue;
            }
          if (!g_str_has_prefix (c->in->str, "HTTP/1.1 200"))
            g_error ("second answer: %.*s", (int) MIN (head, 300), c->in->str);
          l->done++;
          start_bootstrap (l, c);
        }
    }
}

typedef struct {
  double bps, cpu_us;
} RoundResult;

static RoundResult
round_on (const Server *s, gboolean hello, Client *cs)
{
  Load l = { .server = s, .hello = hello, .n = n_boots };
  double c0 = imps_bench_pid_cpu_s (s->pid), w0 = imps_bench_wall_s ();
  run_load (&l, cs);
  double w1 = imps_bench_wall_s (), c1 = imps_bench_pid_cpu_s (s->pid);
  return (RoundResult) { n_boots / (w1 - w0), (c1 - c0) * 1e6 / n_boots };
}

static Client *
clients_new (void)
{
  Client *cs = g_new0 (Client, n_conns);
  guint8 k[16], opc[16];
  hex_into (k_hex, k, 16);
  hex_into (opc_hex, opc, 16);
  for (guint i = 0; i < n_conns; i++)
    {
      cs[i].fd = -1;
      cs[i].in = g_string_new (NULL);
      cs[i].out = g_string_new (NULL);
      cs[i].impi = impi_of (i);
      cs[i].milenage = imps_milenage_new (k, opc);
      cs[i].sqn = imps_aka_sqn_state_new (5);
    }
  return cs;
}

static void
clients_free (Client *cs)
{
  for (guint i = 0; i < n_conns; i++)
    {
      if (cs[i].fd >= 0)
        close (cs[i].fd);
      g_string_free (cs[i].in, TRUE);
      g_string_free (cs[i].out, TRUE);
      g_free (cs[i].impi);
      imps_milenage_free (cs[i].milenage);
      imps_aka_sqn_state_free (cs[i].sqn);
    }
  g_free (cs);
}

int
main (int argc, char **argv)
{
  imps_bench_load_options (&argc, &argv,
                           "Ub over HTTP: the BSF with its HSS answering real bootstraps "
                           "against two GETs to a libsoup hello server, each in a child "
                           "process, in alternating rounds.",
                           MAX_CONNS, "bootstraps", "Bootstraps", &n_conns, &n_boots, &n_rounds);
  signal (SIGPIPE, SIG_IGN);

  Server hello = spawn (hello_main, HELLO_ADDR);
  Server bsf = spawn (bsf_main, BSF_ADDR);
  Client *bsf_clients = clients_new ();
  Client *hello_clients = clients_new ();

  double h_bps[99], b_bps[99], h_cpu[99], b_cpu[99], r_bps[99], r_cpu[99];
  for (guint r = 0; r < n_rounds; r++)
    {
      RoundResult h, b;
      if (r % 2 == 0)
        {
          h = round_on (&hello, TRUE, hello_clients);
          b = round_on (&bsf, FALSE, bsf_clients);
        }
      else
        {
          b = round_on (&bsf, FALSE, bsf_clients);
          h = round_on (&hello, TRUE, hello_clients);
        }
      h_bps[r] = h.bps, h_cpu[r] = h.cpu_us, b_bps[r] = b.bps, b_cpu[r] = b.cpu_us;
      r_bps[r] = b.bps / h.bps;
      r_cpu[r] = h.cpu_us > 0 ? b.cpu_us / h.cpu_us : 0;
    }
  double sp;
  printf ("Ub over HTTP: the BSF (with its HSS over Zh, one process) against two GETs to a "
          "libsoup hello server, %u connections, %u bootstraps a round, %u rounds\n",
          n_conns, n_boots, n_rounds);
  printf ("  %-28s %14s %8s %18s %8s\n", "server", "bootstraps/s", "spread",
          "CPU us/bootstrap", "spread");
  double m = imps_bench_median (h_bps, n_rounds, &sp);
  printf ("  %-28s %14.0f %7.0f%%", "hello (2 x GET /)", m, 100 * sp);
  m = imps_bench_median (h_cpu, n_rounds, &sp);
  printf (" %18.1f %7.0f%%\n", m, 100 * sp);
  m = imps_bench_median (b_bps, n_rounds, &sp);
  printf ("  %-28s %14.0f %7.0f%%", "BSF + HSS (bootstrap)", m, 100 * sp);
  m = imps_bench_median (b_cpu, n_rounds, &sp);
  printf (" %18.1f %7.0f%%\n", m, 100 * sp);
  double sp_bps, sp_cpu;
  double ratio_bps = imps_bench_median (r_bps, n_rounds, &sp_bps);
  double ratio_cpu = imps_bench_median (r_cpu, n_rounds, &sp_cpu);
  printf ("  BSF / hello bootstraps per second: %.2f (spread %.0f%%)\n", ratio_bps,
          100 * sp_bps);
  printf ("  BSF / hello server CPU per bootstrap: %.2f (spread %.0f%%; goal at most 2)\n",
          ratio_cpu, 100 * sp_cpu);

  const gchar *json_path = g_getenv ("IMPS_BENCH_JSON");
  FILE *json = json_path && *json_path ? fopen (json_path, "a") : NULL;
  if (json)
    {
      fprintf (json, "{\"bench\": \"ub\", \"kind\": \"ratio\", \"name\": \"BSF / hello "
               "bootstraps per second\", \"ratio\": %.4f, \"spread\": %.4f}\n", ratio_bps, sp_bps);
      fprintf (json, "{\"bench\": \"ub\", \"kind\": \"ratio\", \"name\": \"BSF / hello "
               "server CPU per bootstrap\", \"ratio\": %.4f, \"spread\": %.4f}\n", ratio_cpu,
               sp_cpu);
      fclose (json);
    }

  clients_free (bsf_clients);
  clients_free (hello_clients);
  kill (hello.pid, SIGTERM);
  kill (bsf.pid, SIGTERM);
  waitpid (hello.pid, NULL, 0);
  waitpid (bsf.pid, NULL, 0);
  return 0;
}
