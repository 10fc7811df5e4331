/* The HTTP servers of Ub (the BSF's challenge/answer state machine) and Ua
 * (the KMS's envelope, imps_kms_http_envelope, and handler) on any bytes
 * that a client sends: the first byte picks the server (bit 0: 0 Ub, 1 Ua),
 * the rest goes, as it is, over a real loopback TCP connection to the
 * node's server (impsim's accept loop, libsoup's parser, the got-headers
 * guard, the handler). The client then stops sending; the server must
 * answer or close, never crash, and never keep the connection.
 *
 * The network is built once (seeded, virtual clock): an HSS with alice
 * (TS 35.208 test set 1), a BSF that asks it over Zh, a KMS that asks the
 * BSF over Zn. Zk is the same ImpsHttpServer behind TLS; its TLS layer is
 * exercised by tools/netfuzz. */
#include "imps-bsf.h"
#include "imps-hss.h"
#include "imps-kms.h"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KX_NOW_UNIX_US G_GINT64_CONSTANT (1767225600000000) /* 2026-01-01 */
#define MAX_SEND (96 * 1024)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Under AddressSanitizer: full stacks for allocations, so that
 * tools/lsan.supp can name libsoup 3.2's own leak in its request-line
 * parser, which malformed request lines reach (GLib has no frame
 * pointers, so the fast unwinder stops at g_malloc). */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

static guint16 ub_port, ua_port;

static void
setup (void)
{
  static ImpsClock *clock;
  static ImpsRandom *root;
  static ImpsNetwork *net;
  static ImpsHss *hss;
  static ImpsBsf *bsf;
  static ImpsKms *kms;
  clock = imps_clock_new_virtual (KX_NOW_UNIX_US);
  root = imps_random_new_seeded (33328);
  net = imps_network_new (clock, root);
  imps_event_log_set_ring (imps_network_get_event_log (net), 64);
  hss = imps_hss_new (net, "home1.net", NULL, NULL);
  g_assert (hss != NULL && imps_hss_listen (hss, "127.0.1.10", 0, NULL));
  static const guint8 k[16] = { 0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f,
                                0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc };
  static const guint8 opc[16] = { 0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5,
                                  0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf };
  static const guint8 sqn[6] = { 0, 0, 0, 0, 0, 0x20 }, amf[2] = { 0, 0 };
  const gchar *impus[] = { "sip:alice@home1.net", NULL };
  ImpsHssSubscriber sub = { "alice@home1.net", impus, k, opc, NULL, sqn, amf, 5, 3600 };
  g_assert (imps_hss_provision (hss, &sub, NULL));
  bsf = imps_bsf_new (net, "home1.net", NULL, NULL);
  g_assert (bsf != NULL && imps_bsf_listen (bsf, "127.0.1.20", 0, 0, NULL));
  imps_bsf_set_hss (bsf, "127.0.1.10", imps_hss_get_port (hss));
  kms = imps_kms_new (net, "home1.net", NULL, NULL);
  g_assert (kms != NULL && imps_kms_listen (kms, "127.0.1.30", 0, NULL));
  imps_kms_set_bsf (kms, "127.0.1.20", imps_bsf_get_zn_port (bsf));
  ub_port = imps_bsf_get_ub_port (bsf);
  ua_port = imps_kms_get_ua_port (kms);
}

static gboolean
give_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wake (gint fd, GIOCondition cond, gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
wake_timer (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (ub_port == 0)
    setup ();
  if (size == 0)
    return 0;
  gboolean ua = data[0] & 1;
  data++;
  size = MIN (size - 1, (size_t) MAX_SEND);

  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  g_assert (fd >= 0);
  struct sockaddr_in sa = { 0 };
  sa.sin_family = AF_INET;
  sa.sin_port = htons (ua ? ua_port : ub_port);
  inet_pton (AF_INET, ua ? "127.0.1.30" : "127.0.1.20", &sa.sin_addr);
  int r = connect (fd, (struct sockaddr *) &sa, sizeof sa);
  g_assert (r == 0 || errno == EINPROGRESS);

  /* send what fits, stop sending, read until the server closes */
  gsize sent = 0;
  gboolean out_done = FALSE, late = FALSE;
  gboolean saw_answer = FALSE;
  guint timer = g_timeout_add_seconds (10, give_up, &late);
  /* wake the loop when the server answers or closes, and while sending */
  guint watch = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, wake, NULL);
  guint tick = g_timeout_add (1, wake_timer, NULL);
  guint8 buf[4096];
  while (!late)
    {
      if (!out_done)
        {
          gssize n = size > sent ? send (fd, data + sent, size - sent, MSG_NOSIGNAL) : 0;
          if (n > 0)
            sent += (gsize) n;
          else if (n < 0 && errno != EAGAIN && errno != ENOTCONN)
            out_done = TRUE;
          if (sent == size && !out_done)
            {
              shutdown (fd, SHUT_WR);
              out_done = TRUE;
            }
        }
      gssize got = recv (fd, buf, sizeof buf, 0);
      if (got == 0 || (got < 0 && errno != EAGAIN))
        break;
      if (got > 0)
        g_assert (memcmp (buf, "HTTP/1.", (gsize) MIN (got, 7)) == 0 || saw_answer);
      saw_answer = saw_answer || got > 0;
      g_main_context_iteration (NULL, TRUE);
    }
  /* the server closed (a connection it kept would show up as late) */
  g_assert (!late);
  g_source_remove (timer);
  g_source_remove (watch);
  g_source_remove (tick);
  close (fd);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
