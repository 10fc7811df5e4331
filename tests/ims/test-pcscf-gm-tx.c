/* The Gm sockets' UDP transactions (RFC 3261 §17) on the virtual clock:
 * Timer A doubling to B, Timer E capped at T2 to F, a response stopping
 * them, retransmitted requests absorbed and answered again, Timer G until
 * the ACK, a 2xx until the ACK of its dialog, and the per-device bound that
 * drops a flood without taking the room of other devices. */
#include "imps-test.h"
#include "imps-pcscf-gm-tx.h"

#include <string.h>

typedef struct {
  ImpsClock *clock;
  GmTxTable *t;
  GPtrArray *sent_at;      /* gint64* times (us from the start) of every send */
  guint timeouts;
  gint64 start;
} Fx;

static void
on_send (const gchar *peer, const guint8 *data, gsize len, gpointer user_data)
{
  Fx *fx = user_data;
  gint64 *at = g_new (gint64, 1);
  *at = imps_clock_now_us (fx->clock) - fx->start;
  g_ptr_array_add (fx->sent_at, at);
}

static void
on_timeout (const gchar *peer, const gchar *method, const gchar *branch, gpointer user_data)
{
  ((Fx *) user_data)->timeouts++;
}

static void
fx_init (Fx *fx)
{
  fx->clock = imps_clock_new_virtual (G_GINT64_CONSTANT (1767225600000000));
  fx->start = imps_clock_now_us (fx->clock);
  fx->t = gm_tx_table_new (fx->clock, on_send, on_timeout, fx);
  fx->sent_at = g_ptr_array_new_with_free_func (g_free);
  fx->timeouts = 0;
}

static void
fx_clear (Fx *fx)
{
  gm_tx_table_free (fx->t);
  g_ptr_array_unref (fx->sent_at);
  imps_clock_unref (fx->clock);
}

static ImpsSipMessage *
msg (const gchar *first_line, const gchar *branch, guint cseq, const gchar *method,
     const gchar *call_id)
{
  g_autofree gchar *text = g_strdup_printf (
    "%s\r\nVia: SIP/2.0/UDP 127.0.1.40:5060;branch=%s\r\nMax-Forwards: 70\r\n"
    "From: <sip:a@home1.net>;tag=1\r\nTo: <sip:b@home1.net>\r\nCall-ID: %s\r\n"
    "CSeq: %u %s\r\nContent-Length: 0\r\n\r\n", first_line, branch, call_id, cseq, method);
  g_autoptr (GError) error = NULL;
  ImpsSipMessage *m = imps_sip_message_parse ((const guint8 *) text, strlen (text), &error);
  g_assert_no_error (error);
  return m;
}

static void
send_msg (Fx *fx, const gchar *peer, ImpsSipMessage *m)
{
  g_autoptr (GBytes) b = imps_sip_message_to_bytes (m);
  gsize len;
  const guint8 *d = g_bytes_get_data (b, &len);
  gm_tx_sent (fx->t, peer, m, d, len);
}

static void
run_for (Fx *fx, gint64 us)
{
  imps_clock_advance (fx->clock, us);
}

static gint64
sent (Fx *fx, guint i)
{
  return *(gint64 *) g_ptr_array_index (fx->sent_at, i);
}

#define T1 IMPS_PCSCF_GM_T1_US
#define S G_USEC_PER_SEC

static void
test_timer_a_b (void)
{
  Fx fx;
  fx_init (&fx);
  g_autoptr (ImpsSipMessage) inv = msg ("INVITE sip:b@127.0.0.1 SIP/2.0", "z9hG4bKa", 1,
                                        "INVITE", "c1");
  send_msg (&fx, "udp 127.0.0.1:5062", inv);
  run_for (&fx, 40 * S);
  /* A: T1, 2*T1, 4*T1 ... after the first send, until B = 64*T1 */
  static const gint64 want[] = { T1, 3 * T1, 7 * T1, 15 * T1, 31 * T1, 63 * T1 };
  g_assert_cmpuint (fx.sent_at->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpint (sent (&fx, i), ==, want[i]);
  g_assert_cmpuint (fx.timeouts, ==, 1);
  GmTxStats st;
  gm_tx_get_stats (fx.t, &st);
  g_assert_cmpuint (st.retransmitted, ==, 6);
  g_assert_cmpuint (st.timeouts, ==, 1);
  fx_clear (&fx);
}

static void
test_timer_e_f (void)
{
  Fx fx;
  fx_init (&fx);
  g_autoptr (ImpsSipMessage) bye = msg ("BYE sip:b@127.0.0.1 SIP/2.0", "z9hG4bKe", 2, "BYE", "c1");
  send_msg (&fx, "udp 127.0.0.1:5062", bye);
  run_for (&fx, 40 * S);
  /* E: T1, 2*T1, 4*T1, then every T2 (4 s), until F = 64*T1 */
  static const gint64 want[] = { T1, 3 * T1, 7 * T1, 15 * T1, 23 * T1, 31 * T1, 39 * T1,
                                 47 * T1, 55 * T1, 63 * T1 };
  g_assert_cmpuint (fx.sent_at->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpint (sent (&fx, i), ==, want[i]);
  g_assert_cmpuint (fx.timeouts, ==, 1);
  fx_clear (&fx);
}

static void
test_response_stops (void)
{
  Fx fx;
  fx_init (&fx);
  g_autoptr (ImpsSipMessage) inv = msg ("INVITE sip:b@127.0.0.1 SIP/2.0", "z9hG4bKr", 1,
                                        "INVITE", "c1");
  send_msg (&fx, "udp 127.0.0.1:5062", inv);
  run_for (&fx, 2 * T1);
  g_assert_cmpuint (fx.sent_at->len, ==, 1);
  /* a response from another device does not count */
  g_autoptr (ImpsSipMessage) ringing = msg ("SIP/2.0 180 Ringing", "z9hG4bKr", 1, "INVITE", "c1");
  g_assert_cmpint (gm_tx_received (fx.t, "udp 127.0.0.1:9999", ringing), ==, GM_TX_PASS);
  run_for (&fx, 2 * T1);
  g_assert_cmpuint (fx.sent_at->len, ==, 2);
  g_assert_cmpint (gm_tx_received (fx.t, "udp 127.0.0.1:5062", ringing), ==, GM_TX_PASS);
  run_for (&fx, 40 * S);
  g_assert_cmpuint (fx.sent_at->len, ==, 2);
  g_assert_cmpuint (fx.timeouts, ==, 0);
  fx_clear (&fx);
}

static void
test_server_absorbs_and_timer_g (void)
{
  Fx fx;
  fx_init (&fx);
  const gchar *peer = "udp 127.0.0.1:5062";
  g_autoptr (ImpsSipMessage) inv = msg ("INVITE sip:b@home1.net SIP/2.0", "z9hG4bKs", 1,
                                        "INVITE", "c2");
  g_assert_cmpint (gm_tx_received (fx.t, peer, inv), ==, GM_TX_PASS);
  /* retransmitted before any answer: absorbed, nothing to send again */
  g_assert_cmpint (gm_tx_received (fx.t, peer, inv), ==, GM_TX_ABSORBED);
  g_assert_cmpuint (fx.sent_at->len, ==, 0);
  g_autoptr (ImpsSipMessage) busy = msg ("SIP/2.0 486 Busy Here", "z9hG4bKs", 1, "INVITE", "c2");
  send_msg (&fx, peer, busy);
  /* Timer G: the 486 again after T1 and 2*T1 */
  run_for (&fx, 3 * T1 + 1);
  g_assert_cmpuint (fx.sent_at->len, ==, 2);
  /* the INVITE once more: answered with the 486 at once */
  g_assert_cmpint (gm_tx_received (fx.t, peer, inv), ==, GM_TX_ABSORBED);
  g_assert_cmpuint (fx.sent_at->len, ==, 3);
  /* the ACK (same branch) stops G */
  g_autoptr (ImpsSipMessage) ack = msg ("ACK sip:b@home1.net SIP/2.0", "z9hG4bKs", 1, "ACK", "c2");
  g_assert_cmpint (gm_tx_received (fx.t, peer, ack), ==, GM_TX_PASS);
  run_for (&fx, 40 * S);
  g_assert_cmpuint (fx.sent_at->len, ==, 3);
  GmTxStats st;
  gm_tx_get_stats (fx.t, &st);
  g_assert_cmpuint (st.absorbed, ==, 2);
  /* after 64*T1 the transaction is gone: the same branch is new again */
  g_assert_cmpint (gm_tx_received (fx.t, peer, inv), ==, GM_TX_PASS);
  fx_clear (&fx);
}

static void
test_2xx_until_ack (void)
{
  Fx fx;
  fx_init (&fx);
  const gchar *peer = "udp 127.0.0.1:5062";
  g_autoptr (ImpsSipMessage) inv = msg ("INVITE sip:b@home1.net SIP/2.0", "z9hG4bK2", 5,
                                        "INVITE", "c3");
  g_assert_cmpint (gm_tx_received (fx.t, peer, inv), ==, GM_TX_PASS);
  g_autoptr (ImpsSipMessage) ok = msg ("SIP/2.0 200 OK", "z9hG4bK2", 5, "INVITE", "c3");
  send_msg (&fx, peer, ok);
  run_for (&fx, 3 * T1 + 1);
  g_assert_cmpuint (fx.sent_at->len, ==, 2);
  /* the ACK of a 2xx has a branch of its own: matched by Call-ID and CSeq */
  g_autoptr (ImpsSipMessage) other = msg ("ACK sip:b@home1.net SIP/2.0", "z9hG4bKx", 4, "ACK", "c3");
  g_assert_cmpint (gm_tx_received (fx.t, peer, other), ==, GM_TX_PASS);
  run_for (&fx, 4 * T1 + 1);
  g_assert_cmpuint (fx.sent_at->len, ==, 3);
  g_autoptr (ImpsSipMessage) ack = msg ("ACK sip:b@home1.net SIP/2.0", "z9hG4bKy", 5, "ACK", "c3");
  g_assert_cmpint (gm_tx_received (fx.t, peer, ack), ==, GM_TX_PASS);
  run_for (&fx, 40 * S);
  g_assert_cmpuint (fx.sent_at->len, ==, 3);
  fx_clear (&fx);
}

static void
test_flood_bound (void)
{
  Fx fx;
  fx_init (&fx);
  for (guint i = 0; i < IMPS_PCSCF_GM_MAX_PEER_TRANSACTIONS; i++)
    {
      g_autofree gchar *branch = g_strdup_printf ("z9hG4bKf%u", i);
      g_autoptr (ImpsSipMessage) reg = msg ("REGISTER sip:home1.net SIP/2.0", branch, i + 1,
                                            "REGISTER", "flood");
      g_assert_cmpint (gm_tx_received (fx.t, "udp 127.0.0.9:5060", reg), ==, GM_TX_PASS);
    }
  g_autoptr (ImpsSipMessage) more = msg ("INVITE sip:b@home1.net SIP/2.0", "z9hG4bKmore", 1,
                                         "INVITE", "flood2");
  g_assert_cmpint (gm_tx_received (fx.t, "udp 127.0.0.9:5060", more), ==, GM_TX_NO_ROOM);
  /* another device is not held up by the flood */
  g_assert_cmpint (gm_tx_received (fx.t, "udp 127.0.0.10:5060", more), ==, GM_TX_PASS);
  GmTxStats st;
  gm_tx_get_stats (fx.t, &st);
  g_assert_cmpuint (st.refused, ==, 1);
  /* 64*T1 later the flood's transactions are gone */
  run_for (&fx, 40 * S);
  g_assert_cmpint (gm_tx_received (fx.t, "udp 127.0.0.9:5060", more), ==, GM_TX_PASS);
  fx_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pcscf-gm-tx/timer-a-b", test_timer_a_b);
  g_test_add_func ("/pcscf-gm-tx/timer-e-f", test_timer_e_f);
  g_test_add_func ("/pcscf-gm-tx/response-stops", test_response_stops);
  g_test_add_func ("/pcscf-gm-tx/server-absorbs-timer-g", test_server_absorbs_and_timer_g);
  g_test_add_func ("/pcscf-gm-tx/2xx-until-ack", test_2xx_until_ack);
  g_test_add_func ("/pcscf-gm-tx/flood-bound", test_flood_bound);
  return g_test_run ();
}
