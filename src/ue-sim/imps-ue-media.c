/* The UE's media endpoint: RTP/SRTP and RTCP/SRTCP for one m-line. */
#include "imps-ue-media.h"
#include "imps-bytes.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-ue-media-error-quark, imps_ue_media_error)

#define RTP_LEN IMPS_UE_MEDIA_PACKET_LEN

typedef struct {
  ImpsSrtpSession *srtp;     /* NULL: plain */
  ImpsSrtpSuite suite;
  guint8 key_salt[IMPS_SRTP_MAX_KEY_SALT_LEN];
  gsize key_salt_len;
  gboolean logged;
} Direction;

struct _ImpsUeMedia {
  ImpsSipBus *bus;
  ImpsClock *clock;
  ImpsKeyLog *key_log;
  gchar *node;
  gchar *address;
  guint16 port;
  gchar *remote_address;
  guint16 remote_port;
  gchar *remote_rtcp_address;  /* a=rtcp's address; NULL: remote_address */
  guint16 remote_rtcp_port;    /* a=rtcp's port; 0: remote_port + 1 */
  guint rtp_id;
  guint rtcp_id;

  /* sending */
  Direction tx;
  ImpsUeMediaStats tx_stats;
  guint32 ssrc;
  guint16 seq;
  guint32 ts;
  guint32 counter;
  guint timer;
  gint64 next_sr_us;
  guint8 ext_id;              /* header extension element ID (a=extmap) */

  /* receiving */
  Direction rx;
  ImpsUeMediaStats rx_stats;
  guint32 peer_ssrc;          /* 0 until known */
  gboolean have_base;
  guint16 seq_base;           /* sequence number of counter 0 (mod 2^16) */
  gboolean any_accepted;
  ImpsSrtpStats rx_seen;      /* the receiver session's totals at the last failure */

  gboolean closed;            /* imps_ue_media_close(): ports and keys given back */
};

/* ---- G.711 mu-law (ITU-T G.711, the mu-law of its table 2a) ---- */

#define ULAW_BIAS 0x84      /* 33 in the 14-bit domain, shifted to 16 bits */
#define ULAW_CLIP 32635

guint8
imps_g711_ulaw_encode (gint16 sample)
{
  gint v = sample;
  guint8 sign = 0;
  if (v < 0)
    {
      sign = 0x80;
      v = -v;
    }
  if (v > ULAW_CLIP)
    v = ULAW_CLIP;
  v += ULAW_BIAS;
  /* the segment: position of the highest set bit above bit 7 */
  guint8 exponent = 7;
  for (gint mask = 0x4000; (v & mask) == 0 && exponent > 0; mask >>= 1)
    exponent--;
  guint8 mantissa = (guint8) ((v >> (exponent + 3)) & 0x0f);
  /* G.711 transmits the code with every bit inverted */
  return (guint8) ~(sign | (exponent << 4) | mantissa);
}

gint16
imps_g711_ulaw_decode (guint8 code)
{
  code = (guint8) ~code;
  gint t = (((code & 0x0f) << 3) + ULAW_BIAS) << ((code & 0x70) >> 4);
  return (gint16) ((code & 0x80) ? ULAW_BIAS - t : t - ULAW_BIAS);
}

/* One period of the tone: IMPS_UE_MEDIA_TONE_HZ at 8 kHz is 20 samples,
 * amplitude 8000 of 32767 (about -12 dBFS), round (8000 sin (2 pi n / 20)).
 * A packet of 160 samples holds 8 whole periods, so every packet's payload
 * is the same and the tone has no break from one packet to the next. */
#define TONE_PERIOD (8000 / IMPS_UE_MEDIA_TONE_HZ)
static const gint16 tone_period[TONE_PERIOD] = {
  0, 2472, 4702, 6472, 7608, 8000, 7608, 6472, 4702, 2472,
  0, -2472, -4702, -6472, -7608, -8000, -7608, -6472, -4702, -2472,
};

G_STATIC_ASSERT (IMPS_UE_MEDIA_PAYLOAD_LEN % TONE_PERIOD == 0);

static const guint8 *
tone_payload (void)
{
  static guint8 payload[IMPS_UE_MEDIA_PAYLOAD_LEN];
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      for (guint i = 0; i < IMPS_UE_MEDIA_PAYLOAD_LEN; i++)
        payload[i] = imps_g711_ulaw_encode (tone_period[i % TONE_PERIOD]);
      g_once_init_leave (&done, 1);
    }
  return payload;
}

/* ---- the packet: RTP header, one-byte header extension (RFC 8285) with
 * the counter and checksum, G.711 payload (profile.md, media) ---- */

#define EXT_OFF IMPS_UE_MEDIA_RTP_HEADER_LEN
#define EXT_ELEMENT_LEN 8     /* counter (4), checksum (4) */
#define PAYLOAD_OFF (IMPS_UE_MEDIA_RTP_HEADER_LEN + IMPS_UE_MEDIA_EXT_LEN)

G_STATIC_ASSERT (IMPS_UE_MEDIA_EXT_LEN == 4 + 12);
G_STATIC_ASSERT (IMPS_UE_MEDIA_PACKET_LEN == PAYLOAD_OFF + IMPS_UE_MEDIA_PAYLOAD_LEN);

static guint32
fnv1a (guint32 h, const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      h ^= p[i];
      h *= 0x01000193u;
    }
  return h;
}

/* FNV-1a 32 over SSRC, counter (both big-endian) and the payload. */
static guint32
packet_checksum (guint32 ssrc, guint32 counter, const guint8 *payload)
{
  guint8 head[8];
  imps_store_u32 (head, ssrc);
  imps_store_u32 (head + 4, counter);
  return fnv1a (fnv1a (0x811c9dc5u, head, sizeof head), payload, IMPS_UE_MEDIA_PAYLOAD_LEN);
}

void
imps_ue_media_packet_fill (guint8 *out, guint16 seq, guint32 ts, guint32 ssrc, guint32 counter)
{
  imps_ue_media_packet_fill_id (out, IMPS_UE_MEDIA_EXT_ID, seq, ts, ssrc, counter);
}

void
imps_ue_media_packet_fill_id (guint8 *out, guint8 ext_id, guint16 seq, guint32 ts, guint32 ssrc,
                              guint32 counter)
{
  g_return_if_fail (ext_id >= 1 && ext_id <= IMPS_UE_MEDIA_EXT_ID_MAX);
  out[0] = 0x90;                                /* V=2, P=0, X=1, CC=0 */
  out[1] = IMPS_UE_MEDIA_PT;                    /* M=0, PT 0 (PCMU) */
  imps_store_u16 (out + 2, seq);
  imps_store_u32 (out + 4, ts);
  imps_store_u32 (out + 8, ssrc);
  guint8 *x = out + EXT_OFF;
  imps_store_u16 (x, 0xBEDE);                   /* RFC 8285 one-byte form */
  imps_store_u16 (x + 2, (IMPS_UE_MEDIA_EXT_LEN - 4) / 4);
  x[4] = (guint8) ((ext_id << 4) | (EXT_ELEMENT_LEN - 1));
  memcpy (out + PAYLOAD_OFF, tone_payload (), IMPS_UE_MEDIA_PAYLOAD_LEN);
  imps_store_u32 (x + 5, counter);
  imps_store_u32 (x + 9, packet_checksum (ssrc, counter, out + PAYLOAD_OFF));
  x[13] = x[14] = x[15] = 0;                    /* padding */
}

ImpsUeMediaCheck
imps_ue_media_packet_check (const guint8 *pkt, gsize len, guint32 *counter)
{
  return imps_ue_media_packet_check_id (pkt, len, IMPS_UE_MEDIA_EXT_ID, counter);
}

ImpsUeMediaCheck
imps_ue_media_packet_check_id (const guint8 *pkt, gsize len, guint8 ext_id, guint32 *counter)
{
  /* Not RTP at all is malformed; RTP in another shape (a softphone's
   * audio: other length, payload type, CSRCs, no extension) is RTP that was
   * not sent as ours, a mismatch. */
  if (len < IMPS_UE_MEDIA_RTP_HEADER_LEN || (pkt[0] & 0xc0) != 0x80)
    return IMPS_UE_MEDIA_CHECK_MALFORMED;
  if (len != IMPS_UE_MEDIA_PACKET_LEN || (pkt[0] & 0x2f) != 0
      || (pkt[1] & 0x7f) != IMPS_UE_MEDIA_PT)
    return IMPS_UE_MEDIA_CHECK_MISMATCH;
  const guint8 *x = pkt + EXT_OFF;
  if ((pkt[0] & 0x10) == 0 || imps_load_u16 (x) != 0xBEDE
      || imps_load_u16 (x + 2) != (IMPS_UE_MEDIA_EXT_LEN - 4) / 4
      || x[4] != (guint8) ((ext_id << 4) | (EXT_ELEMENT_LEN - 1))
      || x[13] != 0 || x[14] != 0 || x[15] != 0)
    return IMPS_UE_MEDIA_CHECK_MISMATCH;
  guint32 c = imps_load_u32 (x + 5);
  if (imps_load_u32 (x + 9) != packet_checksum (imps_load_u32 (pkt + 8), c, pkt + PAYLOAD_OFF)
      || memcmp (pkt + PAYLOAD_OFF, tone_payload (), IMPS_UE_MEDIA_PAYLOAD_LEN) != 0)
    return IMPS_UE_MEDIA_CHECK_MISMATCH;
  if (counter)
    *counter = c;
  return IMPS_UE_MEDIA_CHECK_OK;
}

/* After a refused SRTP packet: which counter of the session moved. Read
 * from the session's totals, so the per-packet path allocates no GError. */
static void
count_srtp_error (ImpsUeMedia *m)
{
  ImpsSrtpStats ss;
  ImpsUeMediaStats *st = &m->rx_stats;
  imps_srtp_session_get_stats (m->rx.srtp, &ss);
  if (ss.auth_failures > m->rx_seen.auth_failures)
    st->auth_failures++;
  else if (ss.replays > m->rx_seen.replays)
    st->replays++;
  else
    st->other_errors++;
  m->rx_seen = ss;
}

static void
log_key (ImpsUeMedia *m, Direction *d, const gchar *src, const gchar *dst, guint32 ssrc)
{
  if (m->key_log == NULL || d->srtp == NULL || d->logged)
    return;
  gsize kl = imps_srtp_suite_key_len (d->suite);
  imps_key_log_srtp (m->key_log, src, dst, ssrc, imps_srtp_suite_name (d->suite),
                     d->key_salt, kl, d->key_salt + kl, d->key_salt_len - kl);
  d->logged = TRUE;
}

static void
log_rx_key (ImpsUeMedia *m, const gchar *from, guint16 from_port)
{
  gchar src[64], dst[64];
  g_snprintf (src, sizeof src, "%s:%u", from, from_port);
  g_snprintf (dst, sizeof dst, "%s:%u", m->address, m->port);
  log_key (m, &m->rx, src, dst, m->peer_ssrc);
}

static void
receive_rtp (const gchar *from, guint16 from_port, const guint8 *data, gsize len,
             gpointer user_data)
{
  ImpsUeMedia *m = user_data;
  ImpsUeMediaStats *st = &m->rx_stats;
  gsize plain_len = len;
  guint8 buf[IMPS_SIP_BUS_MAX_PACKET]; /* scratch: a finished call keeps no buffer */

  if (len > sizeof buf)
    {
      st->other_errors++;
      return;
    }
  memcpy (buf, data, len);
  if (m->rx.srtp != NULL
      && !imps_srtp_session_unprotect_rtp (m->rx.srtp, buf, len, &plain_len, NULL))
    {
      count_srtp_error (m);
      return;
    }
  const guint8 *p = buf;
  guint32 counter = 0;
  ImpsUeMediaCheck check = imps_ue_media_packet_check_id (p, plain_len, m->ext_id, &counter);
  if (check == IMPS_UE_MEDIA_CHECK_MALFORMED)
    {
      st->other_errors++;
      return;
    }
  guint16 seq = imps_load_u16 (p + 2);
  guint32 ssrc = imps_load_u32 (p + 8);

  if (m->peer_ssrc != 0 && ssrc != m->peer_ssrc)
    {
      st->other_errors++;
      return;
    }
  if (check != IMPS_UE_MEDIA_CHECK_OK
      || (m->have_base && (guint16) (seq - m->seq_base) != (guint16) counter))
    {
      st->mismatches++;
      return;
    }
  if (!m->have_base)
    {
      m->seq_base = (guint16) (seq - (guint16) counter);
      m->have_base = TRUE;
    }
  if (m->peer_ssrc == 0)
    m->peer_ssrc = ssrc;
  st->ssrc = ssrc;
  if (!m->any_accepted)
    {
      /* the first packet: counters before it are gaps too */
      st->lost += counter;
      m->any_accepted = TRUE;
      st->last_counter = counter;
      log_rx_key (m, from, from_port);
    }
  else if (counter > st->last_counter)
    {
      st->lost += counter - st->last_counter - 1;
      st->last_counter = counter;
    }
  st->packets++;
  st->payload_bytes += IMPS_UE_MEDIA_PAYLOAD_LEN;
}

static void
receive_rtcp (const gchar *from, guint16 from_port, const guint8 *data, gsize len,
              gpointer user_data)
{
  ImpsUeMedia *m = user_data;
  ImpsUeMediaStats *st = &m->rx_stats;
  gsize plain_len = len;
  guint8 buf[IMPS_SIP_BUS_MAX_PACKET]; /* scratch: a finished call keeps no buffer */

  if (len > sizeof buf)
    {
      st->rtcp_failures++;
      return;
    }
  memcpy (buf, data, len);
  if (m->rx.srtp != NULL
      && !imps_srtp_session_unprotect_rtcp (m->rx.srtp, buf, len, &plain_len, NULL))
    {
      /* keep the RTP failure counters in step with the session's totals */
      imps_srtp_session_get_stats (m->rx.srtp, &m->rx_seen);
      st->rtcp_failures++;
      return;
    }
  const guint8 *p = buf;
  if (plain_len < IMPS_UE_MEDIA_SR_LEN || (p[0] & 0xc0) != 0x80 || p[1] != 200
      || (m->peer_ssrc != 0 && imps_load_u32 (p + 4) != m->peer_ssrc))
    {
      st->rtcp_failures++;
      return;
    }
  st->rtcp_packets++;
}

ImpsUeMedia *
imps_ue_media_new (ImpsSipBus *bus, ImpsClock *clock, const gchar *node, const gchar *address,
                   guint16 rtp_port, ImpsRandom *rnd, ImpsKeyLog *key_log, GError **error)
{
  g_return_val_if_fail (bus && clock && node && address && rnd, NULL);
  g_return_val_if_fail (rtp_port > 0 && rtp_port < 65535, NULL);

  ImpsUeMedia *m = g_new0 (ImpsUeMedia, 1);
  m->bus = bus;
  m->clock = imps_clock_ref (clock);
  m->key_log = key_log;
  m->node = g_strdup (node);
  m->address = g_strdup (address);
  m->port = rtp_port;
  m->ext_id = IMPS_UE_MEDIA_EXT_ID;
  do
    m->ssrc = imps_random_u32 (rnd);
  while (m->ssrc == 0);
  m->seq = (guint16) imps_random_u32 (rnd);
  m->ts = imps_random_u32 (rnd);
  m->tx_stats.ssrc = m->ssrc;
  m->rtp_id = imps_sip_bus_attach (bus, TRUE, node, address, rtp_port, receive_rtp, m);
  m->rtcp_id = imps_sip_bus_attach (bus, TRUE, node, address, rtp_port + 1, receive_rtcp, m);
  if (m->rtp_id == 0 || m->rtcp_id == 0)
    {
      g_set_error (error, IMPS_UE_MEDIA_ERROR, IMPS_UE_MEDIA_ERROR_PORT_TAKEN,
                   "media port %s:%u or %u is taken", address, rtp_port, rtp_port + 1);
      imps_ue_media_free (m);
      return NULL;
    }
  return m;
}

static void
direction_clear (Direction *d)
{
  g_clear_pointer (&d->srtp, imps_srtp_session_free);
  imps_wipe (d->key_salt, sizeof d->key_salt);
  d->key_salt_len = 0;
  d->logged = FALSE;
}

void
imps_ue_media_free (ImpsUeMedia *m)
{
  if (m == NULL)
    return;
  imps_ue_media_stop (m);
  if (m->rtp_id)
    imps_sip_bus_detach (m->bus, m->rtp_id);
  if (m->rtcp_id)
    imps_sip_bus_detach (m->bus, m->rtcp_id);
  direction_clear (&m->tx);
  direction_clear (&m->rx);
  imps_clock_unref (m->clock);
  g_free (m->node);
  g_free (m->address);
  g_free (m->remote_address);
  g_free (m->remote_rtcp_address);
  imps_wipe (m, sizeof *m);
  g_free (m);
}

guint32
imps_ue_media_get_ssrc (ImpsUeMedia *m)
{
  return m->ssrc;
}

void
imps_ue_media_set_ext_id (ImpsUeMedia *m, guint8 ext_id)
{
  g_return_if_fail (m != NULL && ext_id >= 1 && ext_id <= IMPS_UE_MEDIA_EXT_ID_MAX);
  m->ext_id = ext_id;
}

guint16
imps_ue_media_get_port (ImpsUeMedia *m)
{
  return m->port;
}

const gchar *
imps_ue_media_get_address (ImpsUeMedia *m)
{
  return m->address;
}

void
imps_ue_media_set_remote (ImpsUeMedia *m, const gchar *address, guint16 rtp_port)
{
  g_free (m->remote_address);
  m->remote_address = g_strdup (address);
  m->remote_port = rtp_port;
}

void
imps_ue_media_set_remote_rtcp (ImpsUeMedia *m, const gchar *address, guint16 port)
{
  g_free (m->remote_rtcp_address);
  m->remote_rtcp_address = port != 0 ? g_strdup (address) : NULL;
  m->remote_rtcp_port = port;
}

static gboolean
set_key (Direction *d, ImpsSrtpDirection dir, guint32 ssrc, ImpsSrtpSuite suite,
         const guint8 *key_salt, gsize len, guint mki_len, guint32 mki, GError **error)
{
  ImpsSrtpConfig config;
  ImpsSrtpMasterKey key = { key_salt, len, mki };
  GError *local = NULL;

  if (len > sizeof d->key_salt)
    {
      g_set_error (error, IMPS_UE_MEDIA_ERROR, IMPS_UE_MEDIA_ERROR_KEY,
                   "master key||salt of %" G_GSIZE_FORMAT " bytes is too long", len);
      return FALSE;
    }
  imps_srtp_config_init (&config, dir);
  config.suite = suite;
  config.mki_len = mki_len;
  if (dir == IMPS_SRTP_SENDER)
    {
      config.any_ssrc = FALSE;
      config.ssrc = ssrc;
    }
  ImpsSrtpSession *s = imps_srtp_session_new (&config, &key, 1, &local);
  if (s == NULL)
    {
      g_set_error (error, IMPS_UE_MEDIA_ERROR, IMPS_UE_MEDIA_ERROR_KEY,
                   "SRTP %s session for %s: %s", dir == IMPS_SRTP_SENDER ? "sender" : "receiver",
                   imps_srtp_suite_name (suite), local->message);
      g_error_free (local);
      return FALSE;
    }
  direction_clear (d);
  d->srtp = s;
  d->suite = suite;
  memcpy (d->key_salt, key_salt, len);
  d->key_salt_len = len;
  return TRUE;
}

gboolean
imps_ue_media_set_tx_key (ImpsUeMedia *m, ImpsSrtpSuite suite, const guint8 *key_salt,
                          gsize len, guint mki_len, guint32 mki, GError **error)
{
  g_return_val_if_fail (m != NULL && key_salt != NULL, FALSE);
  return set_key (&m->tx, IMPS_SRTP_SENDER, m->ssrc, suite, key_salt, len, mki_len, mki, error);
}

gboolean
imps_ue_media_set_rx_key (ImpsUeMedia *m, ImpsSrtpSuite suite, const guint8 *key_salt,
                          gsize len, guint mki_len, guint32 mki, guint32 peer_ssrc,
                          GError **error)
{
  g_return_val_if_fail (m != NULL && key_salt != NULL, FALSE);
  if (!set_key (&m->rx, IMPS_SRTP_RECEIVER, 0, suite, key_salt, len, mki_len, mki, error))
    return FALSE;
  memset (&m->rx_seen, 0, sizeof m->rx_seen);
  m->peer_ssrc = peer_ssrc;
  return TRUE;
}

static void
send_sr (ImpsUeMedia *m)
{
  guint8 sr_buf[IMPS_UE_MEDIA_SR_LEN + IMPS_SRTP_MAX_RTCP_TRAILER_LEN];
  guint8 *p = sr_buf;
  gsize len = IMPS_UE_MEDIA_SR_LEN;
  guint64 ntp = imps_clock_now_ntp (m->clock);

  p[0] = 0x80;                       /* V=2, P=0, RC=0 */
  p[1] = 200;                        /* SR */
  imps_store_u16 (p + 2, IMPS_UE_MEDIA_SR_LEN / 4 - 1);
  imps_store_u32 (p + 4, m->ssrc);
  imps_store_u32 (p + 8, (guint32) (ntp >> 32));
  imps_store_u32 (p + 12, (guint32) ntp);
  imps_store_u32 (p + 16, m->ts);
  imps_store_u32 (p + 20, (guint32) m->tx_stats.packets);
  imps_store_u32 (p + 24, (guint32) m->tx_stats.payload_bytes);
  if (m->tx.srtp != NULL
      && !imps_srtp_session_protect_rtcp (m->tx.srtp, p, len, sizeof sr_buf, &len, NULL))
    {
      m->tx_stats.other_errors++;
      return;
    }
  if (!imps_sip_bus_send_media (m->bus, IMPS_PROTO_RTCP, m->address, m->port + 1,
                                m->remote_rtcp_address ? m->remote_rtcp_address
                                                       : m->remote_address,
                                m->remote_rtcp_port ? m->remote_rtcp_port
                                                    : (guint16) (m->remote_port + 1), p, len))
    m->tx_stats.other_errors++;
  else
    m->tx_stats.rtcp_packets++;
}

static gboolean
tick (gpointer data)
{
  ImpsUeMedia *m = data;
  guint8 tx_buf[RTP_LEN + IMPS_SRTP_MAX_TRAILER_LEN];
  guint8 *p = tx_buf;
  gsize len = RTP_LEN;

  /* quiet: a tick protects and sends on the bus, nothing that needs the
   * main loop (imps-clock.h) */
  m->timer = imps_clock_quiet_timeout_add (m->clock, IMPS_UE_MEDIA_PACKET_US, tick, m, NULL);
  imps_ue_media_packet_fill_id (p, m->ext_id, m->seq, m->ts, m->ssrc, m->counter);
  m->seq++;
  m->ts += IMPS_UE_MEDIA_PAYLOAD_LEN;   /* 8 kHz, 20 ms */
  m->counter++;
  if (m->tx.srtp != NULL
      && !imps_srtp_session_protect_rtp (m->tx.srtp, p, len, sizeof tx_buf, &len, NULL))
    m->tx_stats.other_errors++;
  else if (!imps_sip_bus_send_media (m->bus, IMPS_PROTO_RTP, m->address, m->port,
                                     m->remote_address, m->remote_port, p, len))
    m->tx_stats.other_errors++;
  else
    {
      m->tx_stats.packets++;
      m->tx_stats.payload_bytes += IMPS_UE_MEDIA_PAYLOAD_LEN;
    }
  if (imps_clock_now_us (m->clock) >= m->next_sr_us)
    {
      send_sr (m);
      m->next_sr_us += IMPS_UE_MEDIA_SR_US;
    }
  return G_SOURCE_REMOVE;
}

void
imps_ue_media_start (ImpsUeMedia *m)
{
  g_return_if_fail (m != NULL && m->remote_address != NULL);
  if (m->timer != 0 || m->closed)
    return;
  gchar src[64], dst[64];
  g_snprintf (src, sizeof src, "%s:%u", m->address, m->port);
  g_snprintf (dst, sizeof dst, "%s:%u", m->remote_address, m->remote_port);
  log_key (m, &m->tx, src, dst, m->ssrc);
  if (m->peer_ssrc != 0)
    log_rx_key (m, m->remote_address, m->remote_port);
  /* the first SR goes after the first 5 s of media */
  m->next_sr_us = imps_clock_now_us (m->clock) + IMPS_UE_MEDIA_SR_US;
  m->timer = imps_clock_quiet_timeout_add (m->clock, 0, tick, m, NULL);
}

void
imps_ue_media_stop (ImpsUeMedia *m)
{
  if (m->timer != 0)
    imps_clock_timeout_remove (m->clock, m->timer);
  m->timer = 0;
}

void
imps_ue_media_close (ImpsUeMedia *m)
{
  g_return_if_fail (m != NULL);
  imps_ue_media_stop (m);
  if (m->rtp_id)
    imps_sip_bus_detach (m->bus, m->rtp_id);
  if (m->rtcp_id)
    imps_sip_bus_detach (m->bus, m->rtcp_id);
  m->rtp_id = m->rtcp_id = 0;
  direction_clear (&m->tx);
  direction_clear (&m->rx);
  m->closed = TRUE;
}

gboolean
imps_ue_media_is_closed (ImpsUeMedia *m)
{
  return m->closed;
}

gboolean
imps_ue_media_is_sending (ImpsUeMedia *m)
{
  return m->timer != 0;
}

const ImpsUeMediaStats *
imps_ue_media_get_tx_stats (ImpsUeMedia *m)
{
  return &m->tx_stats;
}

const ImpsUeMediaStats *
imps_ue_media_get_rx_stats (ImpsUeMedia *m)
{
  return &m->rx_stats;
}
