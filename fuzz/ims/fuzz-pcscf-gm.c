/* The P-CSCF's Gm receive path without sockets (bytes -> framing ->
 * message -> Digest check -> dispatch to the P-CSCF and S-CSCF over the
 * bus): the first byte picks the transport (bit 0: 0 one UDP datagram,
 * 1 a TCP stream that is framed by Content-Length) and the socket (bit 1:
 * 0 the P-CSCF's Gm, the bytes from an outside device at 127.0.0.1:5062;
 * 1 the S-CSCF's Mw, imps-scscf-mw.h, the bytes from an outside P-CSCF at
 * 127.0.0.2:5062), the rest are the bytes. Nothing may crash; everything
 * sent back must be a SIP response. The virtual clock runs on after each
 * input so that the bus delivers and the nodes' timers fire. The media ends
 * the Gm reads from the SDP that passes (for early media) must be an
 * address and a port.
 *
 * alice has a password, bob has none (IMS AKA only); there is no HSS, so
 * an AKA REGISTER is refused without a vector.
 *
 * Seeds: a REGISTER (without and with a Digest answer, asking for AKA,
 * bob's without credentials, one with AUTS) and an INVITE with SDES,
 * written for this target, in both framings; the mw-* seeds send some of
 * them (a REGISTER with Path) to the Mw socket. */
#include "imps-ims.h"
#include "imps-pcscf-gm.h"
#include "imps-scscf-mw.h"

#include <stdint.h>
#include <string.h>

#define FZ_NOW_UNIX_US G_GINT64_CONSTANT (1767225600000000) /* 2026-01-01 */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static ImpsClock *vclock;
static ImpsPcscfGm *gm;
static ImpsPcscfGm *mw;

static void
on_send (ImpsPcscfGmTransport t, const gchar *to, guint16 port, const guint8 *data, gsize len,
         gpointer user_data)
{
  if (len < 8 || memcmp (data, "SIP/2.0 ", 8) != 0)
    g_error ("sent something that is not a SIP response");
}

/* The media ends read from the SDP that passes (early media). */
static void
on_media (ImpsPcscfGm *g, const gchar *call_id, guint stream, const ImpsPcscfGmMediaEnd *local,
          const ImpsPcscfGmMediaEnd *remote, gboolean answered, gpointer user_data)
{
  if (call_id == NULL || stream >= IMPS_PCSCF_GM_MAX_STREAMS || local->rtp_port == 0
      || remote->rtp_port == 0 || local->rtcp_port == 0 || remote->rtcp_port == 0
      || !g_hostname_is_ip_address (local->rtp) || !g_hostname_is_ip_address (remote->rtp)
      || !g_hostname_is_ip_address (local->rtcp) || !g_hostname_is_ip_address (remote->rtcp))
    g_error ("media ends of a call that are not an address and a port");
}

static void
setup (void)
{
  static ImpsRandom *root;
  static ImpsNetwork *net;
  static ImpsSipBus *bus;
  vclock = imps_clock_new_virtual (FZ_NOW_UNIX_US);
  root = imps_random_new_seeded (16);
  net = imps_network_new (vclock, root);
  bus = imps_sip_bus_new (net, 1000);
  g_assert (imps_scscf_new (net, bus, "home1.net", "127.0.1.50", 0, NULL) != NULL);
  ImpsPcscfConfig pc = { .domain = "home1.net", .address = "127.0.1.40",
                         .agw_address = "127.0.1.41", .scscf_address = "127.0.1.50" };
  g_assert (imps_pcscf_new (net, bus, &pc, NULL) != NULL);
  ImpsPcscfGmConfig gc = { .domain = "home1.net", .address = "127.0.1.40",
                           .pcscf_address = "127.0.1.40", .no_sockets = TRUE };
  gm = imps_pcscf_gm_new (net, bus, &gc, NULL);
  g_assert (gm != NULL);
  const gchar *impus[] = { "sip:alice@home1.net", NULL };
  imps_pcscf_gm_add_user (gm, "alice@home1.net", impus, "secret");
  const gchar *aka_impus[] = { "sip:bob@home1.net", NULL };
  imps_pcscf_gm_add_user (gm, "bob@home1.net", aka_impus, NULL);
  imps_pcscf_gm_set_send_hook (gm, on_send, NULL);
  imps_pcscf_gm_set_media_callback (gm, on_media, NULL);
  mw = imps_scscf_mw_new (net, bus, "home1.net", "127.0.1.50", 0, 0, TRUE, NULL);
  g_assert (mw != NULL);
  imps_pcscf_gm_add_user (mw, "alice@home1.net", impus, "secret");
  imps_pcscf_gm_set_send_hook (mw, on_send, NULL);
  imps_pcscf_gm_set_media_callback (mw, on_media, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (gm == NULL)
    setup ();
  if (size == 0)
    return 0;
  ImpsPcscfGm *to = (data[0] & 2) ? mw : gm;
  const gchar *from = (data[0] & 2) ? "127.0.0.2" : "127.0.0.1";
  if (data[0] & 1)
    imps_pcscf_gm_receive_stream (to, from, 5062, data + 1, size - 1);
  else
    imps_pcscf_gm_receive_datagram (to, from, 5062, data + 1, size - 1);
  /* Past every delivery and Timer C, not past the nonce lifetime. */
  imps_clock_advance (vclock, 200 * G_USEC_PER_SEC);
  return 0;
}
