/* An outside client for long runs against `impsim serve`: normal traffic
 * (GBA bootstraps on Ub and MIKEY-TICKET requests on Ua, as the scenario's
 * subscriber) and, with --garbage, careless and hostile connections
 * (random bytes, oversized and chunked bodies, connections closed early)
 * for a chosen time. Prints a line of counters each minute and at the end;
 * exits 1 if any normal operation failed.
 *
 * With --fuzz (tools/netfuzz) it sends, for the chosen time, mutated HTTP
 * requests to Ub and Ua, mutated TLS ClientHello records to Zk (--zk) and
 * mutated Diameter requests to the HSS's Zh and the BSF's Zn ports (--zh,
 * --zn; seeds from --diameter-seeds), each on its own connection, and then
 * checks, one after the other and each once, that a normal bootstrap, a
 * ticket request and, with --ub2/--ua2 and a second subscriber (--bob-*),
 * a resolve of that ticket at the responder's KMS (which asks the issuing
 * KMS over Zk) work; exit 1 if any fails. It prints how long after the
 * flood each of them was answered.
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
  gchar *zh_host, *zn_host;
  guint16 zh_port, zn_port;
  GPtrArray *diameter_seeds;       /* GBytes* */
  guint64 fuzz_sent, fuzz_diameter_sent;
  guint check_step;                /* --fuzz: 0 bootstrap, 1 ticket, 2 resolve, 3 done */
  gboolean check_failed;
  ImpsMikeyHeldTicket *held;       /* the checked ticket (borrowed from ua) */
  gchar *impu;
  ImpsUe *bob;                     /* the responder (second operator) */
  ImpsUeUa *bob_ua;
  ImpsClock *clock;
  ImpsRandom *rnd;
  guint64 resolves_ok, resolves_failed;
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

/* Diameter: one to three seed messages back to back (captured MARs and
 * BIRs), mutated like the HTTP seeds or in a header or AVP length. */
static void
mutate_diameter (GRand *r, GByteArray *a)
{
  if (a->len >= 20 && g_rand_int_range (r, 0, 3) == 0)
    {
      /* a length field: the message's (bytes 1-3), or three bytes of the body
       * (an AVP's length when they fall on one) */
      guint pos = g_rand_boolean (r) ? 1 : (guint) g_rand_int_range (r, 20, (gint32) a->len);
      if (pos + 3 <= a->len)
        {
          static const guint32 lens[] = { 0, 1, 4, 8, 19, 20, 21, 0xffffff, 0x7fffff, 65536 };
          guint32 v = g_rand_boolean (r) ? lens[g_rand_int_range (r, 0, G_N_ELEMENTS (lens))]
                                         : (guint32) g_rand_int_range (r, 0, 1 << 24);
          a->data[pos] = (guint8) (v >> 16);
          a->data[pos + 1] = (guint8) (v >> 8);
          a->data[pos + 2] = (guint8) v;
        }
      return;
    }
  mutate (r, a);
}

static gboolean
send_bytes (const gchar *src, const gchar *host, guint16 port, const GByteArray *a)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return FALSE;
  if (src)
    {
      struct sockaddr_in from = { 0 };
      from.sin_family = AF_INET;
      inet_pton (AF_INET, src, &from.sin_addr);
      bind (fd, (struct sockaddr *) &from, sizeof from);
    }
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  sa.sin_port = htons (port);
  inet_pton (AF_INET, host, &sa.sin_addr);
  connect (fd, (struct sockaddr *) &sa, sizeof sa);
  /* loopback: the connect is done (or refused) at once */
  send (fd, a->data, a->len, MSG_DONTWAIT | MSG_NOSIGNAL);
  close (fd);
  return TRUE;
}

static void
send_fuzzed_diameter (Soak *s)
{
  gboolean to_zh = s->zn_port == 0 || (s->zh_port != 0 && g_rand_boolean (s->rand));
  GByteArray *a = g_byte_array_new ();
  for (guint n = (guint) g_rand_int_range (s->rand, 1, 4); n > 0; n--)
    {
      GBytes *seed = g_ptr_array_index (s->diameter_seeds,
                                        g_rand_int_range (s->rand, 0,
                                                          (gint32) s->diameter_seeds->len));
      gsize len;
      const guint8 *d = g_bytes_get_data (seed, &len);
      g_byte_array_append (a, d, (guint) len);
    }
  if (g_rand_int_range (s->rand, 0, 8) != 0)
    mutate_diameter (s->rand, a);
  /* half of them from the address of the peer the server accepts (the
   * BSF's for Zh, the KMS's for Zn), so that they reach the handlers, the
   * others from an address it refuses */
  const gchar *src = NULL;
  if (g_rand_boolean (s->rand))
    src = to_zh ? s->ub_host : s->ua_host;
  if (send_bytes (src, to_zh ? s->zh_host : s->zn_host, to_zh ? s->zh_port : s->zn_port, a))
    {
      s->fuzz_sent++;
      s->fuzz_diameter_sent++;
    }
  g_byte_array_unref (a);
}

static void
send_fuzzed (Soak *s)
{
  if (s->diameter_seeds->len > 0 && (s->zh_port || s->zn_port)
      && g_rand_int_range (s->rand, 0, 4) == 0)
    {
      send_fuzzed_diameter (s);
      return;
    }
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
  if (send_bytes (NULL, which == 2 ? s->zk_host : which == 1 ? s->ua_host : s->ub_host,
                  which == 2 ? s->zk_port : which == 1 ? s->ua_port : s->ub_port, a))
    s->fuzz_sent++;
  g_byte_array_unref (a);
}

static void next_op (Soak *s);
static void check_next (Soak *s, gboolean ok, const gchar *what);

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
  if (s->fuzz && held && !cached)
    s->held = held; /* resolved next, then forgotten */
  else
    imps_ue_ua_forget_tickets (s->ua);
  check_next (s, held != NULL && !cached, "a ticket request");
}

static void
boot_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Soak *s = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = imps_ue_bootstrap_finish (s->ue, res, &error);
  if (ok)
    s->boots_ok++;
  else
    {
      s->boots_failed++;
      g_printerr ("bootstrap failed: %s\n", error->message);
    }
  check_next (s, ok, "a bootstrap");
}

static void
resolve_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Soak *s = data;
  g_autoptr (GError) error = NULL;
  ImpsMikeyResolved *r = imps_ue_ua_resolve_finish (s->bob_ua, res, &error);
  if (r)
    s->resolves_ok++;
  else
    {
      s->resolves_failed++;
      g_printerr ("resolve failed: %s\n", error->message);
    }
  imps_mikey_resolved_free (r);
  s->held = NULL;
  imps_ue_ua_forget_tickets (s->ua);
  check_next (s, r != NULL, "a resolve over Zk");
}

/* The responder resolves the checked ticket at its own KMS, which has to
 * ask the issuing KMS over Zk. */
static void
start_resolve (Soak *s)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyTransferParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = s->impu;
  p.responder_uri = s->responder;
  p.n_media = 1;
  p.ssrc[0] = 0x11110000;
  guint64 now = imps_clock_now_ntp (s->clock);
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_transfer_init_build (s->held, &p, now, s->rnd,
                                                                    &error);
  g_autoptr (ImpsMikeyMessage) pre = NULL;
  if (ti)
    pre = imps_mikey_transfer_init_precheck (ti->body.raw, ti->body.raw_len, s->responder, now,
                                             300, NULL, &error);
  if (pre == NULL)
    {
      s->resolves_failed++;
      g_printerr ("TRANSFER_INIT for the resolve: %s\n", error->message);
      check_next (s, FALSE, "a resolve over Zk");
      return;
    }
  imps_ue_ua_resolve_async (s->bob_ua, pre, NULL, resolve_done, s);
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

/* An operation is over. With --fuzz: the next check, or the end when
 * one failed. */
static void
check_next (Soak *s, gboolean ok, const gchar *what)
{
  s->busy = FALSE;
  if (!s->fuzz || g_get_monotonic_time () < s->end_us)
    return;
  printf ("%s %s %.1f s after the flood\n", what, ok ? "answered" : "failed",
          (double) (g_get_monotonic_time () - s->end_us) / G_USEC_PER_SEC);
  fflush (stdout);
  if (!ok)
    {
      s->check_failed = TRUE;
      s->check_step = 3;
      if (s->held)
        {
          s->held = NULL;
          imps_ue_ua_forget_tickets (s->ua);
        }
    }
  else
    s->check_step++;
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
      /* The checks, one after the other, each once, as soon as the
       * previous one is answered (check_next()). */
      if (s->busy)
        return G_SOURCE_CONTINUE;
      if (s->check_step == 0)
        {
          s->n = 0;
          next_op (s);
          return G_SOURCE_CONTINUE;
        }
      if (s->check_step == 1)
        {
          s->n = 1;
          next_op (s);
          return G_SOURCE_CONTINUE;
        }
      if (s->check_step == 2 && s->bob_ua)
        {
          s->busy = TRUE;
          start_resolve (s);
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
  g_autofree gchar *zk = NULL, *zh = NULL, *zn = NULL, *dseeds = NULL, *ub2 = NULL, *ua2 = NULL,
                   *bob_impi = NULL, *bob_impu = NULL, *bob_k_hex = NULL, *bob_opc_hex = NULL;
  GOptionEntry entries[] = {
    { "fuzz", 0, 0, G_OPTION_ARG_NONE, &fuzz, "mutated HTTP, TLS and Diameter for --seconds, "
      "then one bootstrap, one ticket request and one resolve over Zk", NULL },
    { "zk", 0, 0, G_OPTION_ARG_STRING, &zk, "KMS Zk endpoint (for --fuzz)", "HOST:PORT" },
    { "zh", 0, 0, G_OPTION_ARG_STRING, &zh, "HSS Zh endpoint (for --fuzz)", "HOST:PORT" },
    { "zn", 0, 0, G_OPTION_ARG_STRING, &zn, "BSF Zn endpoint (for --fuzz)", "HOST:PORT" },
    { "diameter-seeds", 0, 0, G_OPTION_ARG_FILENAME, &dseeds, "folder of Diameter messages, one "
      "a file (for --fuzz)", "DIR" },
    { "ub2", 0, 0, G_OPTION_ARG_STRING, &ub2, "the responder's BSF Ub endpoint", "HOST:PORT" },
    { "ua2", 0, 0, G_OPTION_ARG_STRING, &ua2, "the responder's KMS Ua endpoint", "HOST:PORT" },
    { "bob-impi", 0, 0, G_OPTION_ARG_STRING, &bob_impi, "the responder's IMPI", "IMPI" },
    { "bob-impu", 0, 0, G_OPTION_ARG_STRING, &bob_impu, "the responder's IMPU (the tickets' "
      "IDRr)", "URI" },
    { "bob-k", 0, 0, G_OPTION_ARG_STRING, &bob_k_hex, "the responder's K (hex)", "HEX" },
    { "bob-opc", 0, 0, G_OPTION_ARG_STRING, &bob_opc_hex, "the responder's OPc (hex)", "HEX" },
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
  s.responder = responder ? g_steal_pointer (&responder)
                          : g_strdup (bob_impu ? bob_impu : "sip:bob@home2.net");
  s.impu = g_strdup (impu);
  s.garbage = garbage;
  s.fuzz = fuzz;
  if ((zk && !split_hostport (zk, &s.zk_host, &s.zk_port))
      || (zh && !split_hostport (zh, &s.zh_host, &s.zh_port))
      || (zn && !split_hostport (zn, &s.zn_host, &s.zn_port)))
    {
      g_printerr ("soak-client: --zk, --zh and --zn want HOST:PORT\n");
      return 2;
    }
  s.diameter_seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (dseeds)
    {
      g_autoptr (GDir) dir = g_dir_open (dseeds, 0, &error);
      if (dir == NULL)
        {
          g_printerr ("soak-client: %s\n", error->message);
          return 2;
        }
      const gchar *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *path = g_build_filename (dseeds, name, NULL);
          gchar *data;
          gsize len;
          if (g_file_get_contents (path, &data, &len, NULL) && len >= 20)
            g_ptr_array_add (s.diameter_seeds, g_bytes_new_take (data, len));
          else if (data)
            g_free (data);
        }
    }
  guint8 bob_k[16], bob_opc[16];
  gchar *ub2_host = NULL, *ua2_host = NULL;
  guint16 ub2_port = 0, ua2_port = 0;
  gboolean with_resolve = ub2 || ua2 || bob_impi || bob_impu || bob_k_hex || bob_opc_hex;
  if (with_resolve
      && (!split_hostport (ub2, &ub2_host, &ub2_port) || !split_hostport (ua2, &ua2_host, &ua2_port)
          || bob_impi == NULL || bob_impu == NULL || bob_k_hex == NULL || bob_opc_hex == NULL
          || !imps_hex_decode_fixed (bob_k_hex, bob_k, sizeof bob_k, NULL)
          || !imps_hex_decode_fixed (bob_opc_hex, bob_opc, sizeof bob_opc, NULL)))
    {
      g_printerr ("soak-client: a resolve needs --ub2, --ua2, --bob-impi, --bob-impu, --bob-k "
                  "and --bob-opc\n");
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
  if (with_resolve)
    {
      /* the responder's domain: its BSF and KMS are bsf. and kms. of it */
      const gchar *at = strchr (bob_impi, '@');
      const gchar *domain = at ? at + 1 : "home2.net";
      g_autofree gchar *bsf2 = g_strdup_printf ("bsf.%s", domain);
      g_autofree gchar *kms2 = g_strdup_printf ("kms.%s", domain);
      ImpsUeUsimConfig usim2 = { bob_impi, bob_k, bob_opc, 5 };
      s.bob = imps_ue_new (net, "soak-bob", "127.2.1.1", &usim2);
      ImpsUeUaKeySource src2;
      imps_ue_ua_key_source_for_ue (&src2, s.bob, bsf2, ub2_host, ub2_port);
      s.bob_ua = imps_ue_ua_new (net, "127.2.1.1", bob_impu, kms2, ua2_host, ua2_port, &src2);
    }
  s.clock = clock;
  s.rnd = rnd;
  s.loop = g_main_loop_new (NULL, FALSE);
  s.end_us = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  g_timeout_add (fuzz ? 5 : 1000 / (guint) rate, tick, &s);
  g_timeout_add_seconds (60, minute, &s);
  g_main_loop_run (s.loop);
  print_counters (&s, "end");
  if (fuzz)
    printf ("fuzzed connections %" G_GUINT64_FORMAT " (Diameter %" G_GUINT64_FORMAT "); "
            "resolves over Zk %" G_GUINT64_FORMAT " ok %" G_GUINT64_FORMAT " failed\n",
            s.fuzz_sent, s.fuzz_diameter_sent, s.resolves_ok, s.resolves_failed);
  gboolean ok = fuzz ? !s.check_failed && s.boots_ok > 0 && s.tickets_ok > 0
                         && (s.bob_ua == NULL || s.resolves_ok > 0)
                     : s.boots_failed == 0 && s.tickets_failed == 0 && s.boots_ok > 0
                       && s.tickets_ok > 0;
  if (s.bob_ua)
    imps_ue_ua_free (s.bob_ua);
  if (s.bob)
    imps_ue_free (s.bob);
  imps_ue_ua_free (s.ua);
  imps_ue_free (s.ue);
  g_ptr_array_unref (s.diameter_seeds);
  g_free (s.impu);
  g_free (ub2_host);
  g_free (ua2_host);
  return ok ? 0 : 1;
}
