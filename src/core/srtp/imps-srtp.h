/* SRTP and SRTCP (RFC 3711, RFC 6188, RFC 7714) through libsrtp2.
 *
 * A thin adapter: libsrtp2 does the key derivation, the ciphers, the
 * authentication and the replay lists; this module chooses the policy from a
 * suite name, checks every packet's framing before libsrtp sees it, keeps
 * per-stream counters, enforces an SDES key lifetime, and maps libsrtp's
 * status codes to GErrors. No libsrtp type appears here: imps-srtp.c is the
 * only file of the project that includes <srtp2/srtp.h>, so other modules can
 * use SRTP without depending on libsrtp's headers (mikey-ticket.md §14.3, §15;
 * docs/profile.md §5, §7).
 *
 * One ImpsSrtpSession protects one direction of one media stream: a sender
 * (protect) or a receiver (unprotect), for one SSRC or for any SSRC. SRTP and
 * SRTCP of that direction share its master keys (docs/profile.md §3).
 *
 * Per-packet calls work in place in the caller's buffer and allocate nothing
 * (a GError is allocated only on failure, and only when the caller passes a
 * GError location). libsrtp itself allocates once per new SSRC of an
 * any-SSRC session, after the first packet of that SSRC authenticated.
 *
 * Secrets: the master key||salt is copied into a local buffer only while the
 * libsrtp session is created, and wiped right after; libsrtp keeps its own
 * derived session keys, which srtp_dealloc() frees. Nothing here logs a key.
 *
 * Sessions are not thread-safe: use one session from one thread at a time.
 *
 * Wire facts of libsrtp2 2.5 that peers and tests meet:
 *   - trailer order: AES-CM puts the MKI before the tag (RFC 3711 §3.1);
 *     AEAD_AES_128_GCM puts it after the tag; SRTCP's E flag || index word
 *     precedes both;
 *   - the first SRTCP packet a sender protects carries SRTCP index 1;
 *   - the AEAD KDF takes the 12-byte master salt padded with two zero bytes
 *     on the right (checked against an independent reference in the tests).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_SRTP_ERROR (imps_srtp_error_quark ())
GQuark imps_srtp_error_quark (void);

typedef enum {
  /* The authentication tag (HMAC-SHA1 or the GCM tag) did not verify: wrong
   * key, or the packet was changed on the way. */
  IMPS_SRTP_ERROR_AUTH_FAIL,
  /* The packet index was seen already, or is older than the replay window;
   * on protect: the sender would reuse an index. */
  IMPS_SRTP_ERROR_REPLAY_FAIL,
  /* The packet cannot be SRTP/SRTCP: too short, not version 2, a CSRC list or
   * header extension past the end, no room for the trailer. The message names
   * the field and the byte offset. */
  IMPS_SRTP_ERROR_MALFORMED,
  /* The packet's MKI names no master key of this session. */
  IMPS_SRTP_ERROR_BAD_MKI,
  /* The SSRC is not this session's (a session for one SSRC). */
  IMPS_SRTP_ERROR_NO_STREAM,
  /* The master key reached its lifetime (packet limit), or libsrtp's own
   * limit (2^48 SRTP / 2^31 SRTCP packets). A new key is needed. */
  IMPS_SRTP_ERROR_KEY_EXPIRED,
  /* protect: the caller's buffer has no room for the trailer. */
  IMPS_SRTP_ERROR_NO_SPACE,
  /* The suite is not available in this libsrtp build. */
  IMPS_SRTP_ERROR_UNSUPPORTED,
  /* A session parameter is not acceptable (key length, MKI length or value,
   * lifetime, window size, key count). */
  IMPS_SRTP_ERROR_INVALID,
  /* Any other libsrtp failure; the message names libsrtp's status. */
  IMPS_SRTP_ERROR_FAILED,
} ImpsSrtpError;

/* The suites of mikey-ticket.md §14.3 that the simulator uses. */
typedef enum {
  IMPS_SRTP_AES_CM_128_HMAC_SHA1_80,
  IMPS_SRTP_AES_CM_128_HMAC_SHA1_32,
  IMPS_SRTP_AEAD_AES_128_GCM,
  IMPS_SRTP_AES_256_CM_HMAC_SHA1_80,
} ImpsSrtpSuite;

#define IMPS_SRTP_N_SUITES 4

/* Largest master key || salt of any suite (AES_256_CM: 32 + 14). */
#define IMPS_SRTP_MAX_KEY_SALT_LEN 46
/* MKI length in bytes: 1..4 (docs/profile.md §5), 0 = no MKI. */
#define IMPS_SRTP_MAX_MKI_LEN 4
/* libsrtp2's SRTP_MAX_NUM_MASTER_KEYS. */
#define IMPS_SRTP_MAX_MASTER_KEYS 16
/* Tail room a caller reserves after an RTP packet for protect: libsrtp2's
 * SRTP_MAX_TRAILER_LEN (largest tag 16 + largest MKI 128). Enough for every
 * suite and MKI; imps_srtp_session_trailer_len() gives the exact need. */
#define IMPS_SRTP_MAX_TRAILER_LEN 144
/* The same for RTCP: the 4-byte E flag || SRTCP index comes on top. */
#define IMPS_SRTP_MAX_RTCP_TRAILER_LEN (IMPS_SRTP_MAX_TRAILER_LEN + 4)
/* Longest packet accepted (a UDP payload), trailer included. */
#define IMPS_SRTP_MAX_PACKET_LEN 65535
/* Replay window in packets when the config says 0 (libsrtp's default). */
#define IMPS_SRTP_DEFAULT_WINDOW 128

/* The suite's name as written in SDP a=crypto (RFC 4568, RFC 6188, RFC 7714). */
const gchar *imps_srtp_suite_name (ImpsSrtpSuite suite);
/* Looks a suite up by its SDP name (ASCII case-insensitive). FALSE when the
 * name is none of the four. */
gboolean imps_srtp_suite_from_name (const gchar *name, ImpsSrtpSuite *suite);
/* Master key and master salt lengths in bytes (16/14, 16/14, 16/12, 32/14). */
gsize imps_srtp_suite_key_len (ImpsSrtpSuite suite);
gsize imps_srtp_suite_salt_len (ImpsSrtpSuite suite);
/* Authentication tag length of SRTP and of SRTCP packets (10/10, 4/10,
 * 16/16, 10/10). */
gsize imps_srtp_suite_rtp_tag_len (ImpsSrtpSuite suite);
gsize imps_srtp_suite_rtcp_tag_len (ImpsSrtpSuite suite);

/* Initialises libsrtp once per process (srtp_init behind g_once) and probes
 * which suites this build of libsrtp can run. Every other function calls it
 * as needed; calling it first gives the error early. Never shut down. */
gboolean imps_srtp_init (GError **error);
/* Whether this libsrtp build supports @suite: asked of the library once, by
 * creating a session for the suite and protecting and unprotecting a packet
 * with it (GCM needs libsrtp built with a crypto backend that has it). */
gboolean imps_srtp_suite_supported (ImpsSrtpSuite suite);
/* libsrtp's version string, for reports. */
const gchar *imps_srtp_library_version (void);

typedef enum {
  IMPS_SRTP_SENDER,    /* protect only */
  IMPS_SRTP_RECEIVER,  /* unprotect only */
} ImpsSrtpDirection;

typedef struct {
  ImpsSrtpSuite suite;
  ImpsSrtpDirection direction;
  /* TRUE: any SSRC (libsrtp's any-outbound / any-inbound template), and
   * @ssrc is ignored; FALSE: only @ssrc. */
  gboolean any_ssrc;
  guint32 ssrc;
  /* Replay window in packets, 64..32767; 0 = IMPS_SRTP_DEFAULT_WINDOW. */
  guint window_size;
  /* Master key lifetime in packets (SDES "|2^20|"): each master key may
   * protect (sender) or accept (receiver) at most this many SRTP packets, and
   * this many SRTCP packets. 0 = the suite's maximum (libsrtp enforces 2^48
   * SRTP / 2^31 SRTCP). At most 2^48. */
  guint64 lifetime;
  /* MKI length in bytes, 0..IMPS_SRTP_MAX_MKI_LEN. With 0 there is exactly
   * one master key and packets carry no MKI. */
  guint mki_len;
} ImpsSrtpConfig;

/* Fills @config with defaults: AES_CM_128_HMAC_SHA1_80, @direction, any SSRC,
 * default window, no lifetime, no MKI. */
void imps_srtp_config_init (ImpsSrtpConfig *config, ImpsSrtpDirection direction);

typedef struct {
  /* Master key || master salt, imps_srtp_suite_key_len() +
   * imps_srtp_suite_salt_len() bytes. Borrowed for the call only. */
  const guint8 *key_salt;
  gsize key_salt_len;
  /* MKI value, sent big-endian in config->mki_len bytes; must fit in them.
   * Ignored when config->mki_len is 0. Unique per session. */
  guint32 mki;
} ImpsSrtpMasterKey;

/* Counters of one stream (one SSRC), or of the whole session. */
typedef struct {
  guint64 rtp_protected;
  guint64 rtcp_protected;
  guint64 rtp_unprotected;
  guint64 rtcp_unprotected;
  guint64 auth_failures;   /* IMPS_SRTP_ERROR_AUTH_FAIL */
  guint64 replays;         /* IMPS_SRTP_ERROR_REPLAY_FAIL */
  guint64 other_errors;    /* every other failure of a packet call */
} ImpsSrtpStats;

/* Streams a session keeps separate counters for (the first SSRCs it sees);
 * later SSRCs count in the session total only. */
#define IMPS_SRTP_MAX_TRACKED_STREAMS 8

typedef struct _ImpsSrtpSession ImpsSrtpSession;

/* Creates a session with @n_keys master keys (1 without MKI, 1..16 with).
 * The keys are copied; the caller may wipe its own right after. Errors:
 * INVALID (a length, the MKI, the lifetime, the window), UNSUPPORTED (the
 * suite), FAILED (libsrtp refused). */
ImpsSrtpSession *imps_srtp_session_new (const ImpsSrtpConfig *config,
                                        const ImpsSrtpMasterKey *keys,
                                        guint n_keys, GError **error);
void imps_srtp_session_free (ImpsSrtpSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSrtpSession, imps_srtp_session_free)

const ImpsSrtpConfig *imps_srtp_session_get_config (const ImpsSrtpSession *session);

/* Sender with MKI: which master key (index into the keys given to _new)
 * protects the following packets. Errors: INVALID (no such key). */
gboolean imps_srtp_session_set_active_key (ImpsSrtpSession *session,
                                           guint key_index, GError **error);
guint imps_srtp_session_get_active_key (const ImpsSrtpSession *session);

/* Exact number of bytes protect appends with the active key: tag + MKI for
 * RTP, and 4 + tag + MKI for RTCP (as libsrtp reports it). Always at most
 * IMPS_SRTP_MAX_TRAILER_LEN / IMPS_SRTP_MAX_RTCP_TRAILER_LEN. */
gsize imps_srtp_session_trailer_len (const ImpsSrtpSession *session, gboolean rtcp);

/* Sender: protects the RTP packet of @len bytes at @buf in place. @capacity
 * is the size of @buf; it must be at least @len + the trailer length.
 * *@out_len receives the SRTP packet's length. Errors: MALFORMED, NO_SPACE,
 * NO_STREAM (not the session's SSRC), REPLAY_FAIL (index reused),
 * KEY_EXPIRED, FAILED. */
gboolean imps_srtp_session_protect_rtp (ImpsSrtpSession *session, guint8 *buf,
                                        gsize len, gsize capacity,
                                        gsize *out_len, GError **error);
/* The same for a (compound) RTCP packet; adds the E flag, SRTCP index, MKI
 * and tag. */
gboolean imps_srtp_session_protect_rtcp (ImpsSrtpSession *session, guint8 *buf,
                                         gsize len, gsize capacity,
                                         gsize *out_len, GError **error);

/* Receiver: checks and decrypts the SRTP packet of @len bytes at @buf in
 * place; *@out_len receives the RTP packet's length (no trailer). On failure
 * the buffer's contents are unspecified. Errors: MALFORMED, AUTH_FAIL,
 * REPLAY_FAIL, BAD_MKI, NO_STREAM, KEY_EXPIRED, FAILED. */
gboolean imps_srtp_session_unprotect_rtp (ImpsSrtpSession *session, guint8 *buf,
                                          gsize len, gsize *out_len,
                                          GError **error);
gboolean imps_srtp_session_unprotect_rtcp (ImpsSrtpSession *session, guint8 *buf,
                                           gsize len, gsize *out_len,
                                           GError **error);

/* The session's totals over all streams (every failure counts here). */
void imps_srtp_session_get_stats (const ImpsSrtpSession *session,
                                  ImpsSrtpStats *stats);
/* The counters of the stream with @ssrc. FALSE (and zeros) when the session
 * keeps none for it: it never protected or accepted a packet of that SSRC,
 * or it came after IMPS_SRTP_MAX_TRACKED_STREAMS others. A failure is
 * counted for a stream when the packet names the SSRC of a known stream. */
gboolean imps_srtp_session_get_stream_stats (const ImpsSrtpSession *session,
                                             guint32 ssrc, ImpsSrtpStats *stats);

/* Sender or receiver: the rollover counter libsrtp holds for @ssrc (for a
 * MIKEY CS ID map that carries a ROC). Errors: NO_STREAM. */
gboolean imps_srtp_session_get_roc (ImpsSrtpSession *session, guint32 ssrc,
                                    guint32 *roc, GError **error);
/* Sets the rollover counter of @ssrc's stream, e.g. for a receiver that
 * joins a stream whose ROC a MIKEY CS ID map announced. A session for one
 * SSRC has its stream from the start; an any-SSRC session only after the
 * SSRC's first packet. Errors: NO_STREAM. */
gboolean imps_srtp_session_set_roc (ImpsSrtpSession *session, guint32 ssrc,
                                    guint32 roc, GError **error);

G_END_DECLS
