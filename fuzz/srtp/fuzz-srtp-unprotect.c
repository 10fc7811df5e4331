/* Fuzz target: arbitrary bytes unprotected as SRTP and as SRTCP by a
 * receiver with a fixed key (src/core/srtp).
 *
 * Input: one selector byte, then the packet.
 *   bits 0-1  suite (ImpsSrtpSuite order)
 *   bits 2-3  MKI length 0, 1, 2 or 4 (two master keys, MKI 1 and 2, when
 *             not 0)
 *   bit 4     receiver for SSRC 0x11223344 only (else any SSRC)
 * The seeds in corpus/srtp-unprotect/ are packets a sender with the same
 * keys protected (make-corpus.c writes them), so the mutations reach past
 * the framing checks into libsrtp's authentication.
 *
 * Creating a libsrtp session costs far more than a packet (its session
 * keys are derived and its ciphers keyed), so receivers are kept per
 * selector. That keeps
 * runs independent of each other: a packet that fails changes nothing in
 * libsrtp (the replay list and the stream clone of an any-SSRC receiver only
 * change after authentication), and a receiver that accepted a packet is
 * thrown away at the end of the input.
 *
 * Checked on every input: nothing crashes or reads out of bounds (ASan);
 * every call is counted exactly once in the session's statistics; a packet
 * that was accepted is refused as a replay the second time; an accepted
 * packet is never longer than what came in.
 */
#include "srtp/imps-srtp.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SSRC 0x11223344u

static const guint mki_lens[4] = { 0, 1, 2, 4 };

static ImpsSrtpSession *
make_receiver (guint8 selector)
{
  ImpsSrtpConfig cfg;
  ImpsSrtpMasterKey keys[2];
  guint8 k[2][IMPS_SRTP_MAX_KEY_SALT_LEN];

  imps_srtp_config_init (&cfg, IMPS_SRTP_RECEIVER);
  cfg.suite = (ImpsSrtpSuite) (selector & 3);
  cfg.mki_len = mki_lens[(selector >> 2) & 3];
  cfg.any_ssrc = (selector & 0x10) == 0;
  cfg.ssrc = FUZZ_SSRC;
  if (!imps_srtp_suite_supported (cfg.suite))
    return NULL;
  gsize n = imps_srtp_suite_key_len (cfg.suite) + imps_srtp_suite_salt_len (cfg.suite);
  for (guint i = 0; i < 2; i++)
    {
      for (gsize j = 0; j < n; j++)
        k[i][j] = (guint8) (0x40 + 16 * i + j);
      keys[i].key_salt = k[i];
      keys[i].key_salt_len = n;
      keys[i].mki = i + 1;
    }
  ImpsSrtpSession *s = imps_srtp_session_new (&cfg, keys, cfg.mki_len ? 2 : 1, NULL);
  if (s == NULL)
    abort ();   /* a fixed, valid configuration must always work */
  return s;
}

static guint64
counted (const ImpsSrtpStats *st)
{
  return st->rtp_unprotected + st->rtcp_unprotected + st->auth_failures
         + st->replays + st->other_errors;
}

static void
run (ImpsSrtpSession *s, gboolean rtcp, const guint8 *data, gsize len, guint *calls)
{
  /* Exact-length copies, so a read or write past the end is caught. */
  guint8 *a = g_malloc (len ? len : 1);
  guint8 *b = g_malloc (len ? len : 1);
  memcpy (a, data, len);
  memcpy (b, data, len);
  gsize out = 0;
  g_autoptr (GError) error = NULL;

  gboolean ok = rtcp ? imps_srtp_session_unprotect_rtcp (s, a, len, &out, &error)
                     : imps_srtp_session_unprotect_rtp (s, a, len, &out, &error);
  (*calls)++;
  if (ok != (error == NULL))
    abort ();
  if (ok)
    {
      if (out > len)
        abort ();
      /* The same packet again is a replay. */
      ok = rtcp ? imps_srtp_session_unprotect_rtcp (s, b, len, &out, &error)
                : imps_srtp_session_unprotect_rtp (s, b, len, &out, &error);
      (*calls)++;
      if (ok || !g_error_matches (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_REPLAY_FAIL))
        abort ();
    }
  else if (error->domain != IMPS_SRTP_ERROR || error->message[0] == '\0')
    abort ();
  g_free (a);
  g_free (b);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static ImpsSrtpSession *receivers[32];

  if (size < 1)
    return 0;
  guint sel = data[0] & 31;
  if (receivers[sel] == NULL)
    receivers[sel] = make_receiver (data[0]);
  ImpsSrtpSession *s = receivers[sel];
  if (s == NULL)
    return 0;   /* suite not in this libsrtp build */
  guint calls = 0;
  ImpsSrtpStats before, after;

  imps_srtp_session_get_stats (s, &before);
  run (s, FALSE, data + 1, size - 1, &calls);
  run (s, TRUE, data + 1, size - 1, &calls);
  imps_srtp_session_get_stats (s, &after);
  if (counted (&after) - counted (&before) != calls)
    abort ();
  if (after.rtp_unprotected + after.rtcp_unprotected != 0)
    g_clear_pointer (&receivers[sel], imps_srtp_session_free);
  return 0;
}
