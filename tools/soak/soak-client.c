/* An outside client for long runs against `impsim serve`: normal traffic
 * (GBA bootstraps on Ub and MIKEY-TICKET requests on Ua, as the scenario's
 * subscriber) and, with --garbage, careless and hostile connections
 * (random bytes, oversized and chunked bodies, connections closed early)
 * for a chosen time. Prints a line of counters each minute and at the end;
 * exits 1 if any normal operation failed.
 *
 * With --fuzz (tools/netfuzz) it sends, for the chosen time, mutated HTTP
 * requests to Ub and Ua and mutated TLS ClientHello records to Zk (--zk),
 * each on its own connection, and then checks that a normal bootstrap and
 * ticket request still work (exit 1 if not).
 *
 *   soak-client --ub 127.0.1.20:PORT --ua 127.0.1.30:PORT --seconds 600 \
 *     --impi alice@home1.net --impu sip:alice@home1.net --k HEX --opc HEX
 */
#include "imps-hex.h"
#include "imps-ue-ua.h"
#include "imps-ue.h"
#include "mikey/imps-mikey-exchange.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  GMainLoop *loop;
  ImpsUe *ue;
  ImpsUeUa *ua;
  gchar *ub_host, *ua_host;
  guint16 ub_port, ua_port;
  gchar *bsf_fqdn, *responder;
  gint64 end_us;
  gboolean garbage;
  gboolean fuzz;
  gchar *zk_host;
  guint16 zk_port;
  guint64 fuzz_sent;
  gint64 not_before_us;            /* --fuzz: the next check try */
  gboolean busy;
  guint64 n;
  guint64 boots_ok, boots_failed, tickets_ok, tickets_failed, garbage_sent;
  GRand *rand;
} Soak;

static gboolean
split_hostport (const gchar *s, gchar **host, guint16 *port)
{
  const gchar *c = s ? strrchr (s, ':') : NULL;
  if (c == NULL)
    return FALSE;
  guint64 p;
  if (!g_ascii_string_to_unsigned (c + 1, 10, 1, 65535, &p, NULL))
    return FALSE;
  *host = g_strndup (s, (gsize) (c - s));
  *port = (guint16) p;
  return TRUE;
}

static void
print_counters (Soak *s, const gchar *when)
{
  printf ("%s: bootstraps %" G_GUINT64_FORMAT " ok %" G_GUINT64_FORMAT " failed, tickets %"
          G_GUINT64_FORMAT " ok %" G_GUINT64_FORMAT " failed, garbage connections %"
          G_GUINT64_FORMAT "\n", when, s->boots_ok, s->boots_failed, s->tickets_ok,
          s->tickets_failed, s->garbage_sent);
  fflush (stdout);
}

/* One careless or hostile connection, sent without waiting for an answer. */
static void
send_garbage (Soak *s)
{
  gboolean to_ub = g_rand_boolean (s->rand);
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return;
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  sa.sin_port = htons (to_ub ? s->ub_port : s->ua_port);
  inet_pton (AF_INET, to_ub ? s->ub_host : s->ua_host, &sa.sin_addr);
  connect (fd, (struct sockaddr *) &sa, sizeof sa);
  /* loopback: the connect is done (or refused) at once */
  GString *g = g_string_new (NULL);
  switch (g_rand_int_range (s->rand, 0, 6))
    {
    case 0: /* random bytes */
      for (guint i = g_rand_int_range (s->rand, 1, 2048); i > 0; i--)
        g_string_append_c (g, (gchar) g_rand_int_range (s->rand, 0, 256));
      break;
    case 1:
      g_string_append (g, "POST /kms?requesttype=ticketrequest HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/mikey\r\nContent-Length: 1000000000\r\n\r\n");
      break;
    case 2:
      g_string_append (g, "POST /kms HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "7fffffff\r\n");
      break;
    case 3:
      g_string_append (g, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n");
      break;
    case 4: /* a valid-looking request with a random body */
      g_string_append (g, "POST /kms?requesttype=ticketresolve HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/mikey\r\nContent-Length: 64\r\n\r\n");
      for (guint i = 0; i < 64; i++)
        g_string_append_c (g, (gchar) g_rand_int_range (s->rand, 0, 256));
      break;
    default: /* nothing: a connection closed at once */
      break;
    }
  if (g->len)
    send (fd, g->str, g->len, MSG_DONTWAIT | MSG_NOSIGNAL);
  g_string_free (g, TRUE);
  close (fd);
  s->garbage_sent++;
}


/* ---- network fuzzing (--fuzz) ---- */

static const gchar *const http_seeds[] = {
  "GET / HTTP/1.1\r\nHost: bsf.home1.net\r\nUser-Agent: Bootstrapping Client Agent; Release-6; "
  "3gpp-gba-tmpi\r\nAuthorization: Digest username=\"alice@home1.net\", realm=\"bsf.home1.net\", "
  "nonce=\"\", uri=\"/\", response=\"\"\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: bsf.home1.net\r\nAuthorization: Digest username=\"alice@home1.net\", "
  "realm=\"bsf.home1.net\", nonce=\"3q2+7w==\", uri=\"/\", qop=auth-int, nc=00000001, "
  "cnonce=\"abcdef\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c\", "
  "algorithm=AKAv1-MD5\r\n\r\n",
  "POST /kms?requesttype=ticketrequest HTTP/1.1\r\nHost: kms.home1.net\r\nContent-Type: "
  "application/mikey\r\nContent-Length: 16\r\n\r\n\x01\x0a\x02\x03\x04\x01\x01\x05\x05"
  "\x06\x07\x08\x09\x0a\x0b\x0c",
  "POST /kms?requesttype=ticketresolve HTTP/1.1\r\nHost: kms.home1.net\r\nContent-Type: "
  "application/mikey\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
  "POST /kms?requesttype=ticketrequest HTTP/1.0\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\nabcd",
};

/* A TLS 1.3/1.2 ClientHello as a record (x25519 key share, common suites). */
static GByteArray *
client_hello (GRand *r)
{
  GByteArray *ext = g_byte_array_new ();
#define PUT(arr, ...) do { const guint8 b_[] = { __VA_ARGS__ }; g_byte_array_append (arr, b_, sizeof b_); } while (0)
  PUT (ext, 0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17);        /* groups */
  PUT (ext, 0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04);        /* sig algs */
  PUT (ext, 0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03);              /* versions */
  PUT (ext, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00);                                /* point fmts */
  PUT (ext, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20);        /* key share */
  for (guint i = 0; i < 32; i++)
    PUT (ext, (guint8) g_rand_int_range (r, 0, 256));
  GByteArray *body = g_byte_array_new ();
  PUT (body, 0x03, 0x03);
  for (guint i = 0; i < 32; i++)
    PUT (body, (guint8) g_rand_int_range (r, 0, 256));
  PUT (body, 0x00, 0x00, 0x08, 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2b, 0xc0, 0x2f, 0x01, 0x00);
  PUT (body, (guint8) (ext->len >> 8), (guint8) ext->len);
  g_byte_array_append (body, ext->data, ext->len);
  GByteArray *rec = g_byte_array_new ();
  guint hs = body->len;
  PUT (rec, 0x16, 0x03, 0x01, (guint8) ((hs + 4) >> 8), (guint8) (hs + 4), 0x01, 0x00,
       (guint8) (hs >> 8), (guint8) hs);
  g_byte_array_append (rec, body->data, body->len);
#undef PUT
  g_byte_array_unref (ext);
  g_byte_array_unref (body);
  return rec;
}

static void
insert_bytes (GByteArray *a, guint pos, const guint8 *d, guint n)
{
  guint old = a->len;
  g_byte_array_set_size (a, old + n);
  memmove (a->data + pos + n, a->data + pos, old - pos);
  memcpy (a->data + pos, d, n);
}

static void
mutate (GRand *r, GByteArray *a)
{
  static const gchar *const tokens[] = { "\r\n", "\r\n\r\n", ":", " ", "0", "-1", "99999999999999999999",
                                         "Content-Length: ", "chunked", "\"", ",", "%00", "\xff" };
  guint n = (guint) g_rand_int_range (r, 1, 9);
  for (guint i = 0; i < n && a->len > 0; i++)
    {
      guint pos = (guint) g_rand_int_range (r, 0, (gint32) a->len);
      switch (g_rand_int_range (r, 0, 6))
        {
        case 0:
          a->data[pos] ^= (guint8) (1u << g_rand_int_range (r, 0, 8));
          break;
        case 1:
          a->data[pos] = (guint8) g_rand_int_range (r, 0, 256);
          break;
        case 2:
          {
            guint8 b = (guint8) g_rand_int_range (r, 0, 256);
            insert_bytes (a, pos, &b, 1);
            break;
          }
        case 3:
          {
            guint n_del = (guint) g_rand_int_range (r, 1, 32);
            g_byte_array_remove_range (a, pos, MIN (a->len - pos, n_del));
            break;
          }
          break;
        case 4:
          {
            const gchar *t = tokens[g_rand_int_range (r, 0, G_N_ELEMENTS (tokens))];
            insert_bytes (a, pos, (const guint8 *) t, (guint) strlen (t));
            break;
          }
        default:
          g_byte_array_set_size (a, pos);  /* truncate */
          break;
        }
    }
}

static void
send_fuzzed (Soak *s)
{
  guint which = (guint) g_rand_int_range (s->rand, 0, s->zk_port ? 3 : 2);
  GByteArray *a;
  if (which == 2)
    a = client_hello (s->rand);
  else
    {
      const gchar *seed = http_seeds[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (http_seeds))];
      a = g_byte_array_new ();
      g_byte_array_append (a, (const guint8 *) seed, (guint) strlen (seed));
    }
  if (g_rand_int_range (s->rand, 0, 8) != 0)
    mutate (s->rand, a);
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd >= 0)
    {
      struct sockaddr_in sa = { 0 };
      sa.sin_family = AF_INET;
      sa.sin_port = htons (which == 2 ? s->zk_port : which == 1 ? s->ua_port : s->ub_port);
      inet_pton (AF_INET, which == 2 ? s->zk_host : which == 1 ? s->ua_host : s->ub_host,
                 &sa.sin_addr);
      connect (fd, (struct sockaddr *) &sa, sizeof sa);
      send (fd, a->data, a->len, MSG_DONTWAIT | MSG_NOSIGNAL);
      close (fd);
      s->fuzz_sent++;
    }
  g_byte_array_unref (a);
}

static void next_op (Soak *s);

static void
ticket_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Soak *s = data;
  g_autoptr (GError) error = NULL;
  gboolean cached = FALSE;
  ImpsMikeyHeldTicket *held = imps_ue_ua_request_ticket_finish (s->ua, res, &cached, &error);
  if (held && !cached)
    s->tickets_ok++;
  else
    {
      s->tickets_failed++;
      g_printerr ("ticket request failed: %s\n", error ? error->message : "from the cache");
    }
  imps_ue_ua_forget_tickets (s->ua);
  s->busy = FALSE;
}

static void
boot_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Soak *s = data;
  g_autoptr (GError) error = NULL;
  if (imps_ue_bootstrap_finish (s->ue, res, &error))
    s->boots_ok++;
  else
    {
      s->boots_failed++;
      g_printerr ("bootstrap failed: %s\n", error->message);
    }
  s->busy = FALSE;
}

static void
next_op (Soak *s)
{
  s->busy = TRUE;
  if (s->n++ % 4 == 0 || !imps_ue_is_bootstrapped (s->ue))
    {
      imps_ue_bootstrap_async (s->ue, s->bsf_fqdn, s->ub_host, s->ub_port, NULL, boot_done, s);
      return;
    }
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  imps_mikey_tp_add_responder (&tp, s->responder);
  imps_ue_ua_request_ticket_async (s->ua, &tp, NULL, ticket_done, s);
}

static gboolean
tick (gpointer data)
{
  Soak *s = data;
  if (s->fuzz)
    {
      /* mutated traffic until the end, then one bootstrap and one ticket */
      if (g_get_monotonic_time () < s->end_us)
        {
          for (guint i = 0; i < 4; i++)
            send_fuzzed (s);
          return G_SOURCE_CONTINUE;
        }
      if (s->busy || g_get_monotonic_time () < s->not_before_us)
        return G_SOURCE_CONTINUE;
      /* tries 15 s apart */
      s->not_before_us = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
      /* Requests that reached the BSF and KMS during the flood may still
       * be queued (each Ub request with a user name costs a MAR to the
       * HSS, each ClientHello a handshake): up to three tries of each, 15 s
       * apart; one success of each counts. */
      if (s->boots_ok == 0 && s->boots_failed < 3)
        {
          s->n = 0;
          next_op (s);
          return G_SOURCE_CONTINUE;
        }
      if (s->boots_ok > 0 && s->tickets_ok == 0 && s->tickets_failed < 3)
        {
          s->n = 1;
          next_op (s);
          return G_SOURCE_CONTINUE;
        }
      g_main_loop_quit (s->loop);
      return G_SOURCE_REMOVE;
    }
  if (g_get_monotonic_time () >= s->end_us)
    {
      if (!s->busy)
        {
          g_main_loop_quit (s->loop);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  if (s->garbage)
    send_garbage (s);
  if (!s->busy)
    next_op (s);
  return G_SOURCE_CONTINUE;
}

static gboolean
minute (gpointer data)
{
  print_counters (data, "so far");
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *ub = NULL, *ua = NULL, *impi = NULL, *impu = NULL, *k_hex = NULL,
                   *opc_hex = NULL, *address = NULL, *bsf_fqdn = NULL, *kms_fqdn = NULL,
                   *responder = NULL;
  gint seconds = 60, rate = 20;
  gboolean garbage = FALSE, fuzz = FALSE;
  g_autofree gchar *zk = NULL;
  GOptionEntry entries[] = {
    { "fuzz", 0, 0, G_OPTION_ARG_NONE, &fuzz, "mutated HTTP and TLS for --seconds, then one "
      "bootstrap and one ticket request", NULL },
    { "zk", 0, 0, G_OPTION_ARG_STRING, &zk, "KMS Zk endpoint (for --fuzz)", "HOST:PORT" },
    { "ub", 0, 0, G_OPTION_ARG_STRING, &ub, "BSF Ub endpoint", "HOST:PORT" },
    { "ua", 0, 0, G_OPTION_ARG_STRING, &ua, "KMS Ua endpoint", "HOST:PORT" },
    { "impi", 0, 0, G_OPTION_ARG_STRING, &impi, "subscriber's IMPI", "IMPI" },
    { "impu", 0, 0, G_OPTION_ARG_STRING, &impu, "subscriber's IMPU", "URI" },
    { "k", 0, 0, G_OPTION_ARG_STRING, &k_hex, "K (hex)", "HEX" },
    { "opc", 0, 0, G_OPTION_ARG_STRING, &opc_hex, "OPc (hex)", "HEX" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, "own address (127.1.1.1)", "IP" },
    { "bsf", 0, 0, G_OPTION_ARG_STRING, &bsf_fqdn, "BSF FQDN (bsf.home1.net)", "FQDN" },
    { "kms", 0, 0, G_OPTION_ARG_STRING, &kms_fqdn, "KMS FQDN (kms.home1.net)", "FQDN" },
    { "responder", 0, 0, G_OPTION_ARG_STRING, &responder, "IDRr of the tickets", "URI" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "how long (60)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate, "operations per second at most (20)", "N" },
    { "garbage", 0, 0, G_OPTION_ARG_NONE, &garbage, "also one bad connection per tick", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- soak client for impsim serve");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("soak-client: %s\n", error->message);
      return 2;
    }
  Soak s = { 0 };
  guint8 k[16], opc[16];
  if (!split_hostport (ub, &s.ub_host, &s.ub_port) || !split_hostport (ua, &s.ua_host, &s.ua_port)
      || impi == NULL || impu == NULL || k_hex == NULL || opc_hex == NULL
      || !imps_hex_decode_fixed (k_hex, k, sizeof k, NULL)
      || !imps_hex_decode_fixed (opc_hex, opc, sizeof opc, NULL)
      || seconds < 1 || rate < 1 || rate > 1000)
    {
      g_printerr ("soak-client: --ub, --ua, --impi, --impu, --k and --opc are required "
                  "(HOST:PORT, 16-byte hex keys)\n");
      return 2;
    }
  s.bsf_fqdn = bsf_fqdn ? g_steal_pointer (&bsf_fqdn) : g_strdup ("bsf.home1.net");
  s.responder = responder ? g_steal_pointer (&responder) : g_strdup ("sip:bob@home2.net");
  s.garbage = garbage;
  s.fuzz = fuzz;
  if (zk && !split_hostport (zk, &s.zk_host, &s.zk_port))
    {
      g_printerr ("soak-client: --zk wants HOST:PORT\n");
      return 2;
    }
  s.rand = g_rand_new_with_seed (1);
  ImpsClock *clock = imps_clock_new_real ();
  ImpsRandom *rnd = imps_random_new_seeded ((guint64) g_get_real_time ());
  ImpsNetwork *net = imps_network_new (clock, rnd);
  imps_event_log_set_ring (imps_network_get_event_log (net), 16);
  ImpsUeUsimConfig usim = { impi, k, opc, 5 };
  const gchar *own = address ? address : "127.1.1.1";
  s.ue = imps_ue_new (net, "soak", own, &usim);
  ImpsUeUaKeySource src;
  imps_ue_ua_key_source_for_ue (&src, s.ue, s.bsf_fqdn, s.ub_host, s.ub_port);
  s.ua = imps_ue_ua_new (net, own, impu, kms_fqdn ? kms_fqdn : "kms.home1.net", s.ua_host,
                         s.ua_port, &src);
  s.loop = g_main_loop_new (NULL, FALSE);
  s.end_us = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  g_timeout_add (fuzz ? 5 : 1000 / (guint) rate, tick, &s);
  g_timeout_add_seconds (60, minute, &s);
  g_main_loop_run (s.loop);
  print_counters (&s, "end");
  if (fuzz)
    printf ("fuzzed connections %" G_GUINT64_FORMAT "\n", s.fuzz_sent);
  gboolean ok = fuzz ? s.boots_ok > 0 && s.tickets_ok > 0
                     : s.boots_failed == 0 && s.tickets_failed == 0 && s.boots_ok > 0
                       && s.tickets_ok > 0;
  imps_ue_ua_free (s.ua);
  imps_ue_free (s.ue);
  return ok ? 0 : 1;
}
