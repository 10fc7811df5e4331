/* An outside client for long runs against `impsim serve`: normal traffic
 * (GBA bootstraps on Ub and MIKEY-TICKET requests on Ua, as the scenario's
 * subscriber) and, with --garbage, careless and hostile connections
 * (random bytes, oversized and chunked bodies, connections closed early)
 * for a chosen time. Prints a line of counters each minute and at the end;
 * exits 1 if any normal operation failed.
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
  gboolean garbage = FALSE;
  GOptionEntry entries[] = {
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
  g_timeout_add (1000 / (guint) rate, tick, &s);
  g_timeout_add_seconds (60, minute, &s);
  g_main_loop_run (s.loop);
  print_counters (&s, "end");
  gboolean ok = s.boots_failed == 0 && s.tickets_failed == 0 && s.boots_ok > 0 && s.tickets_ok > 0;
  imps_ue_ua_free (s.ua);
  imps_ue_free (s.ue);
  return ok ? 0 : 1;
}
