/* SRTP adapter over libsrtp2. With imps-srtp-crypto.c (the ciphers and
 * MAC it installs in libsrtp2) the only file of impsim that includes
 * <srtp2/srtp.h>; see imps-srtp.h for the contract. */
#include "srtp/imps-srtp.h"
#include "srtp/imps-srtp-crypto.h"

#include "imps-bytes.h"
#include "imps-secret.h"

#include <srtp2/srtp.h>
#include <string.h>

G_DEFINE_QUARK (imps-srtp-error-quark, imps_srtp_error)

/* The public limits must be libsrtp's. */
G_STATIC_ASSERT (IMPS_SRTP_MAX_TRAILER_LEN == SRTP_MAX_TRAILER_LEN);
G_STATIC_ASSERT (IMPS_SRTP_MAX_MASTER_KEYS == SRTP_MAX_NUM_MASTER_KEYS);
G_STATIC_ASSERT (IMPS_SRTP_MAX_MKI_LEN <= SRTP_MAX_MKI_LEN);
G_STATIC_ASSERT (IMPS_SRTP_MAX_KEY_SALT_LEN == SRTP_AES_ICM_256_KEY_LEN_WSALT);
G_STATIC_ASSERT (IMPS_SRTP_MAX_KEY_SALT_LEN <= SRTP_MAX_KEY_LEN);
G_STATIC_ASSERT (IMPS_SRTP_MAX_PACKET_LEN <= G_MAXINT);

#define RTP_HEADER_LEN 12
#define RTCP_HEADER_LEN 8      /* V/P/RC, PT, length, SSRC */
#define SRTCP_INDEX_LEN 4      /* E flag || 31-bit SRTCP index */
#define LIFETIME_MAX (G_GUINT64_CONSTANT (1) << 48)
#define WINDOW_MIN 64
#define WINDOW_MAX 0x7fff

/* ---- Suites (mikey-ticket.md §14.3) ---- */

typedef void (*PolicySetter) (srtp_crypto_policy_t *p);

typedef struct {
  const gchar *name;
  gsize key_len;
  gsize salt_len;
  gsize rtp_tag_len;
  gsize rtcp_tag_len;
  /* AEAD: the MKI follows the tag (libsrtp2 layout); otherwise it precedes it. */
  gboolean aead;
  PolicySetter rtp;
  PolicySetter rtcp;
} SuiteInfo;

static const SuiteInfo suites[IMPS_SRTP_N_SUITES] = {
  [IMPS_SRTP_AES_CM_128_HMAC_SHA1_80] = {
    "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, FALSE,
    srtp_crypto_policy_set_rtp_default, srtp_crypto_policy_set_rtcp_default },
  /* RFC 4568 §6.2.2: the 32-bit tag is for SRTP only; SRTCP keeps 80 bits. */
  [IMPS_SRTP_AES_CM_128_HMAC_SHA1_32] = {
    "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, FALSE,
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, srtp_crypto_policy_set_rtcp_default },
  /* RFC 7714: 16-byte tag on both, 12-byte salt. */
  [IMPS_SRTP_AEAD_AES_128_GCM] = {
    "AEAD_AES_128_GCM", 16, 12, 16, 16, TRUE,
    srtp_crypto_policy_set_aes_gcm_128_16_auth, srtp_crypto_policy_set_aes_gcm_128_16_auth },
  /* RFC 6188 */
  [IMPS_SRTP_AES_256_CM_HMAC_SHA1_80] = {
    "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, FALSE,
    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
};

static gboolean
suite_valid (ImpsSrtpSuite suite)
{
  return (guint) suite < IMPS_SRTP_N_SUITES;
}

const gchar *
imps_srtp_suite_name (ImpsSrtpSuite suite)
{
  g_return_val_if_fail (suite_valid (suite), NULL);
  return suites[suite].name;
}

gboolean
imps_srtp_suite_from_name (const gchar *name, ImpsSrtpSuite *suite)
{
  g_return_val_if_fail (name != NULL, FALSE);
  for (guint i = 0; i < IMPS_SRTP_N_SUITES; i++)
    if (g_ascii_strcasecmp (name, suites[i].name) == 0)
      {
        if (suite)
          *suite = (ImpsSrtpSuite) i;
        return TRUE;
      }
  return FALSE;
}

gsize
imps_srtp_suite_key_len (ImpsSrtpSuite suite)
{
  g_return_val_if_fail (suite_valid (suite), 0);
  return suites[suite].key_len;
}

gsize
imps_srtp_suite_salt_len (ImpsSrtpSuite suite)
{
  g_return_val_if_fail (suite_valid (suite), 0);
  return suites[suite].salt_len;
}

gsize
imps_srtp_suite_rtp_tag_len (ImpsSrtpSuite suite)
{
  g_return_val_if_fail (suite_valid (suite), 0);
  return suites[suite].rtp_tag_len;
}

gsize
imps_srtp_suite_rtcp_tag_len (ImpsSrtpSuite suite)
{
  g_return_val_if_fail (suite_valid (suite), 0);
  return suites[suite].rtcp_tag_len;
}

/* ---- libsrtp status codes ---- */

static const gchar *
status_name (srtp_err_status_t st)
{
  switch (st)
    {
    case srtp_err_status_ok: return "ok";
    case srtp_err_status_fail: return "unspecified failure";
    case srtp_err_status_bad_param: return "unsupported parameter";
    case srtp_err_status_alloc_fail: return "allocation failure";
    case srtp_err_status_dealloc_fail: return "deallocation failure";
    case srtp_err_status_init_fail: return "initialisation failure";
    case srtp_err_status_terminus: return "cannot process that much data";
    case srtp_err_status_auth_fail: return "authentication failure";
    case srtp_err_status_cipher_fail: return "cipher failure";
    case srtp_err_status_replay_fail: return "replay check failed (index seen already)";
    case srtp_err_status_replay_old: return "replay check failed (index older than the window)";
    case srtp_err_status_algo_fail: return "algorithm self test failed";
    case srtp_err_status_no_such_op: return "unsupported operation";
    case srtp_err_status_no_ctx: return "no stream for this SSRC";
    case srtp_err_status_cant_check: return "cannot check";
    case srtp_err_status_key_expired: return "key expired";
    case srtp_err_status_parse_err: return "parse error";
    case srtp_err_status_bad_mki: return "MKI names no master key";
    case srtp_err_status_pkt_idx_old: return "packet index too old";
    case srtp_err_status_pkt_idx_adv: return "packet index advanced too far";
    default: return "other libsrtp error";
    }
}

static ImpsSrtpError
status_code (srtp_err_status_t st)
{
  switch (st)
    {
    case srtp_err_status_auth_fail:
      return IMPS_SRTP_ERROR_AUTH_FAIL;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old:
      return IMPS_SRTP_ERROR_REPLAY_FAIL;
    case srtp_err_status_bad_mki:
      return IMPS_SRTP_ERROR_BAD_MKI;
    case srtp_err_status_no_ctx:
      return IMPS_SRTP_ERROR_NO_STREAM;
    case srtp_err_status_key_expired:
      return IMPS_SRTP_ERROR_KEY_EXPIRED;
    case srtp_err_status_parse_err:
      return IMPS_SRTP_ERROR_MALFORMED;
    default:
      return IMPS_SRTP_ERROR_FAILED;
    }
}

/* ---- Process-wide initialisation ---- */

typedef struct {
  srtp_err_status_t status;
  const gchar *failed;          /* what failed when status is not ok */
  gboolean supported[IMPS_SRTP_N_SUITES];
} InitState;

static InitState init_state;   /* written once inside g_once, read-only after */

static void
log_handler (srtp_log_level_t level, const char *msg, void *data)
{
  /* libsrtp's debug output is off (no debug module is ever enabled), so no
   * key reaches this. Errors and warnings go to the debug log only: a peer's
   * bad packets must not flood stderr. */
  if (level == srtp_log_level_error || level == srtp_log_level_warning)
    g_debug ("libsrtp: %s", msg);
}

static void
policy_for (srtp_policy_t *policy, const SuiteInfo *info)
{
  memset (policy, 0, sizeof *policy);
  info->rtp (&policy->rtp);
  info->rtcp (&policy->rtcp);
}

/* Asks the library whether it can run @info: a sender and a receiver with a
 * fixed, public key; one RTP packet protected and unprotected. */
static gboolean
probe_suite (const SuiteInfo *info)
{
  guint8 key[IMPS_SRTP_MAX_KEY_SALT_LEN] = { 0 };
  srtp_policy_t policy;
  srtp_t tx = NULL, rx = NULL;
  guint8 pkt[RTP_HEADER_LEN + 4 + SRTP_MAX_TRAILER_LEN] = { 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
  int len = RTP_HEADER_LEN + 4;
  gboolean ok = FALSE;

  for (gsize i = 0; i < sizeof key; i++)
    key[i] = (guint8) i;
  policy_for (&policy, info);
  policy.key = key;
  policy.ssrc.type = ssrc_specific;
  policy.ssrc.value = 1;
  policy.window_size = IMPS_SRTP_DEFAULT_WINDOW;
  if (srtp_create (&tx, &policy) != srtp_err_status_ok)
    goto out;
  if (srtp_create (&rx, &policy) != srtp_err_status_ok)
    goto out;
  if (srtp_protect (tx, pkt, &len) != srtp_err_status_ok)
    goto out;
  if (len != (int) (RTP_HEADER_LEN + 4 + info->rtp_tag_len))
    goto out;
  if (srtp_unprotect (rx, pkt, &len) != srtp_err_status_ok)
    goto out;
  ok = len == RTP_HEADER_LEN + 4;

out:
  if (tx)
    srtp_dealloc (tx);
  if (rx)
    srtp_dealloc (rx);
  return ok;
}

static gpointer
init_once_func (gpointer data)
{
  init_state.status = srtp_init ();
  init_state.failed = "libsrtp initialisation";
  if (init_state.status != srtp_err_status_ok)
    return &init_state;
  int status;
  if (!imps_srtp_crypto_install (&status))
    {
      init_state.status = (srtp_err_status_t) status;
      init_state.failed = "installing impsim's OpenSSL ciphers and MAC in libsrtp";
      return &init_state;
    }
  srtp_install_log_handler (log_handler, NULL);
  for (guint i = 0; i < IMPS_SRTP_N_SUITES; i++)
    init_state.supported[i] = probe_suite (&suites[i]);
  return &init_state;
}

static const InitState *
get_init (void)
{
  static GOnce once = G_ONCE_INIT;
  return g_once (&once, init_once_func, NULL);
}

gboolean
imps_srtp_init (GError **error)
{
  const InitState *st = get_init ();
  if (st->status != srtp_err_status_ok)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_FAILED,
                   "%s failed: %s (status %d)", st->failed,
                   status_name (st->status), (int) st->status);
      return FALSE;
    }
  return TRUE;
}

gboolean
imps_srtp_suite_supported (ImpsSrtpSuite suite)
{
  g_return_val_if_fail (suite_valid (suite), FALSE);
  const InitState *st = get_init ();
  return st->status == srtp_err_status_ok && st->supported[suite];
}

const gchar *
imps_srtp_library_version (void)
{
  return srtp_get_version_string ();
}

/* ---- Sessions ---- */

typedef struct {
  guint32 ssrc;
  ImpsSrtpStats stats;
} StreamStats;

struct _ImpsSrtpSession {
  srtp_t ctx;
  /* Receiver with MKI and different SRTP and SRTCP tag lengths
   * (AES_CM_128_HMAC_SHA1_32): libsrtp 2.5 looks for the SRTCP MKI one RTP
   * tag length from the end and fails with bad_mki (fixed upstream after
   * 2.5.0, cisco/libsrtp#733). Such sessions get one SRTCP context per master
   * key without MKI; unprotect finds the key by MKI itself, removes the MKI
   * (SRTCP does not authenticate it, RFC 3711 §3.4) and uses that context. */
  srtp_t rtcp_ctx[IMPS_SRTP_MAX_MASTER_KEYS];
  ImpsSrtpConfig config;
  const SuiteInfo *info;
  guint n_keys;
  guint active;
  guint8 mki[IMPS_SRTP_MAX_MASTER_KEYS][IMPS_SRTP_MAX_MKI_LEN];
  /* Packets protected or accepted per master key (lifetime). */
  guint64 rtp_used[IMPS_SRTP_MAX_MASTER_KEYS];
  guint64 rtcp_used[IMPS_SRTP_MAX_MASTER_KEYS];
  gsize rtp_trailer[IMPS_SRTP_MAX_MASTER_KEYS];
  gsize rtcp_trailer[IMPS_SRTP_MAX_MASTER_KEYS];
  ImpsSrtpStats total;
  guint n_streams;
  StreamStats streams[IMPS_SRTP_MAX_TRACKED_STREAMS];
};

void
imps_srtp_config_init (ImpsSrtpConfig *config, ImpsSrtpDirection direction)
{
  g_return_if_fail (config != NULL);
  memset (config, 0, sizeof *config);
  config->suite = IMPS_SRTP_AES_CM_128_HMAC_SHA1_80;
  config->direction = direction;
  config->any_ssrc = TRUE;
}

static gboolean
check_config (const ImpsSrtpConfig *config, const ImpsSrtpMasterKey *keys,
              guint n_keys, GError **error)
{
  if (!suite_valid (config->suite))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: unknown suite %d", (int) config->suite);
      return FALSE;
    }
  const SuiteInfo *info = &suites[config->suite];
  if (config->direction != IMPS_SRTP_SENDER && config->direction != IMPS_SRTP_RECEIVER)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: direction %d is neither sender nor receiver",
                   (int) config->direction);
      return FALSE;
    }
  if (config->window_size != 0
      && (config->window_size < WINDOW_MIN || config->window_size > WINDOW_MAX))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: replay window %u packets is outside %u..%u",
                   config->window_size, WINDOW_MIN, WINDOW_MAX);
      return FALSE;
    }
  if (config->lifetime > LIFETIME_MAX)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: key lifetime %" G_GUINT64_FORMAT
                   " packets is above the SRTP maximum 2^48", config->lifetime);
      return FALSE;
    }
  if (config->mki_len > IMPS_SRTP_MAX_MKI_LEN)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: MKI length %u bytes is above the supported %u",
                   config->mki_len, IMPS_SRTP_MAX_MKI_LEN);
      return FALSE;
    }
  if (n_keys == 0 || keys == NULL)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: no master key");
      return FALSE;
    }
  if (config->mki_len == 0 && n_keys != 1)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: %u master keys need an MKI to tell them apart",
                   n_keys);
      return FALSE;
    }
  if (n_keys > IMPS_SRTP_MAX_MASTER_KEYS)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: %u master keys, at most %u are supported",
                   n_keys, IMPS_SRTP_MAX_MASTER_KEYS);
      return FALSE;
    }
  for (guint i = 0; i < n_keys; i++)
    {
      gsize want = info->key_len + info->salt_len;
      if (keys[i].key_salt == NULL || keys[i].key_salt_len != want)
        {
          g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                       "SRTP session: master key %u is %" G_GSIZE_FORMAT
                       " bytes of key||salt, %s needs %" G_GSIZE_FORMAT
                       " (%" G_GSIZE_FORMAT " + %" G_GSIZE_FORMAT ")",
                       i, keys[i].key_salt ? keys[i].key_salt_len : 0, info->name,
                       want, info->key_len, info->salt_len);
          return FALSE;
        }
      if (config->mki_len == 0)
        continue;
      if (config->mki_len < 4 && keys[i].mki >> (8 * config->mki_len) != 0)
        {
          g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                       "SRTP session: MKI %u of master key %u does not fit in %u bytes",
                       keys[i].mki, i, config->mki_len);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (keys[j].mki == keys[i].mki)
          {
            g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                         "SRTP session: master keys %u and %u have the same MKI %u",
                         j, i, keys[i].mki);
            return FALSE;
          }
    }
  return TRUE;
}

static void
mki_bytes (guint32 value, guint len, guint8 *out)
{
  for (guint i = 0; i < len; i++)
    out[i] = (guint8) (value >> (8 * (len - 1 - i)));
}

ImpsSrtpSession *
imps_srtp_session_new (const ImpsSrtpConfig *config, const ImpsSrtpMasterKey *keys,
                       guint n_keys, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!imps_srtp_init (error))
    return NULL;
  if (!check_config (config, keys, n_keys, error))
    return NULL;
  const SuiteInfo *info = &suites[config->suite];
  if (!imps_srtp_suite_supported (config->suite))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_UNSUPPORTED,
                   "SRTP session: suite %s is not supported by this libsrtp build (%s)",
                   info->name, srtp_get_version_string ());
      return NULL;
    }

  ImpsSrtpSession *s = g_new0 (ImpsSrtpSession, 1);
  s->config = *config;
  if (s->config.window_size == 0)
    s->config.window_size = IMPS_SRTP_DEFAULT_WINDOW;
  s->info = info;
  s->n_keys = n_keys;

  /* libsrtp takes non-const key pointers and copies the keys into its own
   * state; our copies live on the stack only until srtp_create returns. */
  guint8 key_copy[IMPS_SRTP_MAX_MASTER_KEYS][IMPS_SRTP_MAX_KEY_SALT_LEN];
  srtp_master_key_t mk[IMPS_SRTP_MAX_MASTER_KEYS];
  srtp_master_key_t *mkp[IMPS_SRTP_MAX_MASTER_KEYS];
  srtp_policy_t policy;

  policy_for (&policy, info);
  for (guint i = 0; i < n_keys; i++)
    {
      memcpy (key_copy[i], keys[i].key_salt, keys[i].key_salt_len);
      mki_bytes (keys[i].mki, config->mki_len, s->mki[i]);
      mk[i].key = key_copy[i];
      mk[i].mki_id = s->mki[i];
      mk[i].mki_size = config->mki_len;
      mkp[i] = &mk[i];
    }
  if (config->mki_len == 0)
    policy.key = key_copy[0];
  else
    {
      policy.keys = mkp;
      policy.num_master_keys = n_keys;
    }
  if (config->any_ssrc)
    policy.ssrc.type = config->direction == IMPS_SRTP_SENDER ? ssrc_any_outbound
                                                             : ssrc_any_inbound;
  else
    {
      policy.ssrc.type = ssrc_specific;
      policy.ssrc.value = config->ssrc;
    }
  policy.window_size = s->config.window_size;
  policy.allow_repeat_tx = 0;

  srtp_err_status_t st = srtp_create (&s->ctx, &policy);
  if (st != srtp_err_status_ok)
    s->ctx = NULL;
  if (st == srtp_err_status_ok && config->direction == IMPS_SRTP_RECEIVER
      && config->mki_len != 0 && info->rtp_tag_len != info->rtcp_tag_len)
    {
      policy.keys = NULL;
      policy.num_master_keys = 0;
      for (guint i = 0; i < n_keys && st == srtp_err_status_ok; i++)
        {
          policy.key = key_copy[i];
          st = srtp_create (&s->rtcp_ctx[i], &policy);
          if (st != srtp_err_status_ok)
            s->rtcp_ctx[i] = NULL;
        }
    }
  imps_wipe (key_copy, sizeof key_copy);
  if (st != srtp_err_status_ok)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_FAILED,
                   "SRTP session: libsrtp refused the %s policy: %s (status %d)",
                   info->name, status_name (st), (int) st);
      imps_srtp_session_free (s);
      return NULL;
    }

  for (guint i = 0; i < n_keys; i++)
    {
      uint32_t tl = 0, ctl = 0;
      if (srtp_get_protect_trailer_length (s->ctx, config->mki_len != 0, i, &tl) != srtp_err_status_ok
          || srtp_get_protect_rtcp_trailer_length (s->ctx, config->mki_len != 0, i, &ctl) != srtp_err_status_ok
          || tl > IMPS_SRTP_MAX_TRAILER_LEN || ctl > IMPS_SRTP_MAX_RTCP_TRAILER_LEN)
        {
          g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_FAILED,
                       "SRTP session: libsrtp gave no usable trailer length for master key %u",
                       i);
          imps_srtp_session_free (s);
          return NULL;
        }
      s->rtp_trailer[i] = tl;
      s->rtcp_trailer[i] = ctl;
    }

  if (!config->any_ssrc)
    {
      s->streams[0].ssrc = config->ssrc;
      s->n_streams = 1;
    }
  return s;
}

void
imps_srtp_session_free (ImpsSrtpSession *session)
{
  if (session == NULL)
    return;
  if (session->ctx)
    srtp_dealloc (session->ctx);
  for (guint i = 0; i < IMPS_SRTP_MAX_MASTER_KEYS; i++)
    if (session->rtcp_ctx[i])
      srtp_dealloc (session->rtcp_ctx[i]);
  imps_wipe (session, sizeof *session);
  g_free (session);
}

const ImpsSrtpConfig *
imps_srtp_session_get_config (const ImpsSrtpSession *session)
{
  g_return_val_if_fail (session != NULL, NULL);
  return &session->config;
}

gboolean
imps_srtp_session_set_active_key (ImpsSrtpSession *session, guint key_index,
                                  GError **error)
{
  g_return_val_if_fail (session != NULL, FALSE);
  if (key_index >= session->n_keys)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "SRTP session: no master key %u (the session has %u)",
                   key_index, session->n_keys);
      return FALSE;
    }
  session->active = key_index;
  return TRUE;
}

guint
imps_srtp_session_get_active_key (const ImpsSrtpSession *session)
{
  g_return_val_if_fail (session != NULL, 0);
  return session->active;
}

gsize
imps_srtp_session_trailer_len (const ImpsSrtpSession *session, gboolean rtcp)
{
  g_return_val_if_fail (session != NULL, 0);
  return rtcp ? session->rtcp_trailer[session->active]
              : session->rtp_trailer[session->active];
}

/* ---- Statistics ---- */

static StreamStats *
find_stream (ImpsSrtpSession *s, guint32 ssrc, gboolean create)
{
  for (guint i = 0; i < s->n_streams; i++)
    if (s->streams[i].ssrc == ssrc)
      return &s->streams[i];
  if (!create || s->n_streams == IMPS_SRTP_MAX_TRACKED_STREAMS)
    return NULL;
  StreamStats *st = &s->streams[s->n_streams++];
  st->ssrc = ssrc;
  return st;
}

typedef enum {
  COUNT_RTP_PROTECTED,
  COUNT_RTCP_PROTECTED,
  COUNT_RTP_UNPROTECTED,
  COUNT_RTCP_UNPROTECTED,
} CountKind;

static void
bump_ok (ImpsSrtpStats *st, CountKind kind)
{
  switch (kind)
    {
    case COUNT_RTP_PROTECTED: st->rtp_protected++; break;
    case COUNT_RTCP_PROTECTED: st->rtcp_protected++; break;
    case COUNT_RTP_UNPROTECTED: st->rtp_unprotected++; break;
    case COUNT_RTCP_UNPROTECTED: st->rtcp_unprotected++; break;
    }
}

static void
count_ok (ImpsSrtpSession *s, guint32 ssrc, CountKind kind)
{
  bump_ok (&s->total, kind);
  StreamStats *st = find_stream (s, ssrc, TRUE);
  if (st)
    bump_ok (&st->stats, kind);
}

static void
bump_fail (ImpsSrtpStats *st, ImpsSrtpError code)
{
  if (code == IMPS_SRTP_ERROR_AUTH_FAIL)
    st->auth_failures++;
  else if (code == IMPS_SRTP_ERROR_REPLAY_FAIL)
    st->replays++;
  else
    st->other_errors++;
}

/* @ssrc_known: the packet was long enough to carry an SSRC. A failure never
 * creates a stream entry (an attacker's SSRCs must not fill the table). */
static void
count_fail (ImpsSrtpSession *s, gboolean ssrc_known, guint32 ssrc, ImpsSrtpError code)
{
  bump_fail (&s->total, code);
  if (ssrc_known)
    {
      StreamStats *st = find_stream (s, ssrc, FALSE);
      if (st)
        bump_fail (&st->stats, code);
    }
}

void
imps_srtp_session_get_stats (const ImpsSrtpSession *session, ImpsSrtpStats *stats)
{
  g_return_if_fail (session != NULL && stats != NULL);
  *stats = session->total;
}

gboolean
imps_srtp_session_get_stream_stats (const ImpsSrtpSession *session, guint32 ssrc,
                                    ImpsSrtpStats *stats)
{
  g_return_val_if_fail (session != NULL && stats != NULL, FALSE);
  for (guint i = 0; i < session->n_streams; i++)
    if (session->streams[i].ssrc == ssrc)
      {
        *stats = session->streams[i].stats;
        return TRUE;
      }
  memset (stats, 0, sizeof *stats);
  return FALSE;
}

/* ---- Packet framing ---- */

/* Checks the RTP header (RFC 3550 §5.1) of @len bytes and that @tail more
 * bytes follow it (the SRTP trailer on unprotect). Sets *ssrc. */
static gboolean
check_rtp (const guint8 *buf, gsize len, gsize tail, const gchar *what,
           guint32 *ssrc, gboolean *ssrc_known, GError **error)
{
  ImpsReader r;
  guint8 b0, pt;
  guint16 seq, ext_profile, ext_words;
  guint32 ts;

  *ssrc_known = FALSE;
  imps_reader_init (&r, buf, len);
  if (len > IMPS_SRTP_MAX_PACKET_LEN)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: length %" G_GSIZE_FORMAT " is above the maximum %u",
                   what, len, IMPS_SRTP_MAX_PACKET_LEN);
      return FALSE;
    }
  if (!imps_reader_u8 (&r, &b0) || !imps_reader_u8 (&r, &pt)
      || !imps_reader_u16 (&r, &seq) || !imps_reader_u32 (&r, &ts)
      || !imps_reader_u32 (&r, ssrc))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: RTP fixed header: %" G_GSIZE_FORMAT
                   " bytes at byte offset 0, 12 needed", what, len);
      return FALSE;
    }
  *ssrc_known = TRUE;
  if ((b0 >> 6) != 2)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: RTP version %u at byte offset 0, 2 expected", what, b0 >> 6);
      return FALSE;
    }
  guint cc = b0 & 0x0f;
  if (!imps_reader_skip (&r, 4 * (gsize) cc))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: CSRC list of %u entries at byte offset %" G_GSIZE_FORMAT
                   " runs past the end (length %" G_GSIZE_FORMAT ")",
                   what, cc, imps_reader_offset (&r), len);
      return FALSE;
    }
  if (b0 & 0x10)
    {
      gsize at = imps_reader_offset (&r);
      if (!imps_reader_u16 (&r, &ext_profile) || !imps_reader_u16 (&r, &ext_words)
          || !imps_reader_skip (&r, 4 * (gsize) ext_words))
        {
          g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                       "%s: header extension at byte offset %" G_GSIZE_FORMAT
                       " runs past the end (length %" G_GSIZE_FORMAT ")",
                       what, at, len);
          return FALSE;
        }
    }
  if (imps_reader_remaining (&r) < tail)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: %" G_GSIZE_FORMAT " bytes after the RTP header at byte offset %"
                   G_GSIZE_FORMAT ", the SRTP trailer (MKI and tag) needs %" G_GSIZE_FORMAT,
                   what, imps_reader_remaining (&r), imps_reader_offset (&r), tail);
      return FALSE;
    }
  return TRUE;
}

/* Checks the first RTCP header (RFC 3550 §6.4) and that @tail more bytes
 * follow it. */
static gboolean
check_rtcp (const guint8 *buf, gsize len, gsize tail, const gchar *what,
            guint32 *ssrc, gboolean *ssrc_known, GError **error)
{
  ImpsReader r;
  guint8 b0, pt;
  guint16 words;

  *ssrc_known = FALSE;
  imps_reader_init (&r, buf, len);
  if (len > IMPS_SRTP_MAX_PACKET_LEN)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: length %" G_GSIZE_FORMAT " is above the maximum %u",
                   what, len, IMPS_SRTP_MAX_PACKET_LEN);
      return FALSE;
    }
  if (!imps_reader_u8 (&r, &b0) || !imps_reader_u8 (&r, &pt)
      || !imps_reader_u16 (&r, &words) || !imps_reader_u32 (&r, ssrc))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: RTCP header and sender SSRC: %" G_GSIZE_FORMAT
                   " bytes at byte offset 0, 8 needed", what, len);
      return FALSE;
    }
  *ssrc_known = TRUE;
  if ((b0 >> 6) != 2)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: RTCP version %u at byte offset 0, 2 expected", what, b0 >> 6);
      return FALSE;
    }
  if (imps_reader_remaining (&r) < tail)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_MALFORMED,
                   "%s: %" G_GSIZE_FORMAT " bytes after the RTCP header at byte offset %"
                   G_GSIZE_FORMAT ", the SRTCP trailer (E flag and index, MKI, tag) needs %"
                   G_GSIZE_FORMAT, what, imps_reader_remaining (&r),
                   imps_reader_offset (&r), tail);
      return FALSE;
    }
  return TRUE;
}

/* ---- Protect / unprotect ---- */

static gboolean
key_expired (const ImpsSrtpSession *s, guint key, gboolean rtcp)
{
  if (s->config.lifetime == 0)
    return FALSE;
  return (rtcp ? s->rtcp_used[key] : s->rtp_used[key]) >= s->config.lifetime;
}

static gboolean
protect (ImpsSrtpSession *s, gboolean rtcp, guint8 *buf, gsize len, gsize capacity,
         gsize *out_len, GError **error)
{
  const gchar *what = rtcp ? "SRTCP protect" : "SRTP protect";
  guint32 ssrc = 0;
  gboolean ssrc_known;
  ImpsSrtpError code;
  guint key = s->active;
  gsize trailer = rtcp ? s->rtcp_trailer[key] : s->rtp_trailer[key];

  if (s->config.direction != IMPS_SRTP_SENDER)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "%s: this session is a receiver", what);
      s->total.other_errors++;
      return FALSE;
    }
  if (!(rtcp ? check_rtcp (buf, len, 0, what, &ssrc, &ssrc_known, error)
             : check_rtp (buf, len, 0, what, &ssrc, &ssrc_known, error)))
    {
      count_fail (s, ssrc_known, ssrc, IMPS_SRTP_ERROR_MALFORMED);
      return FALSE;
    }
  if (capacity < len || capacity - len < trailer || len + trailer > IMPS_SRTP_MAX_PACKET_LEN)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_NO_SPACE,
                   "%s: packet of %" G_GSIZE_FORMAT " bytes in a buffer of %" G_GSIZE_FORMAT
                   ", the trailer needs %" G_GSIZE_FORMAT " more (packets up to %u)",
                   what, len, capacity, trailer, IMPS_SRTP_MAX_PACKET_LEN);
      count_fail (s, TRUE, ssrc, IMPS_SRTP_ERROR_NO_SPACE);
      return FALSE;
    }
  if (key_expired (s, key, rtcp))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_KEY_EXPIRED,
                   "%s: master key %u reached its lifetime of %" G_GUINT64_FORMAT " packets",
                   what, key, s->config.lifetime);
      count_fail (s, TRUE, ssrc, IMPS_SRTP_ERROR_KEY_EXPIRED);
      return FALSE;
    }

  int ilen = (int) len;
  unsigned use_mki = s->config.mki_len != 0;
  srtp_err_status_t st = rtcp ? srtp_protect_rtcp_mki (s->ctx, buf, &ilen, use_mki, key)
                              : srtp_protect_mki (s->ctx, buf, &ilen, use_mki, key);
  if (st != srtp_err_status_ok)
    {
      code = status_code (st);
      if (rtcp)
        g_set_error (error, IMPS_SRTP_ERROR, code,
                     "%s of SSRC 0x%08x with %s: %s (libsrtp status %d)",
                     what, ssrc, s->info->name, status_name (st), (int) st);
      else
        g_set_error (error, IMPS_SRTP_ERROR, code,
                     "%s of SSRC 0x%08x, sequence number %u with %s: %s (libsrtp status %d)",
                     what, ssrc, imps_load_u16 (buf + 2), s->info->name,
                     status_name (st), (int) st);
      count_fail (s, TRUE, ssrc, code);
      return FALSE;
    }
  /* libsrtp appended exactly the trailer it announced: anything else would
   * have written past the caller's buffer. */
  g_assert ((gsize) ilen == len + trailer);
  if (rtcp)
    s->rtcp_used[key]++;
  else
    s->rtp_used[key]++;
  count_ok (s, ssrc, rtcp ? COUNT_RTCP_PROTECTED : COUNT_RTP_PROTECTED);
  *out_len = (gsize) ilen;
  return TRUE;
}

gboolean
imps_srtp_session_protect_rtp (ImpsSrtpSession *session, guint8 *buf, gsize len,
                               gsize capacity, gsize *out_len, GError **error)
{
  g_return_val_if_fail (session != NULL && buf != NULL && out_len != NULL, FALSE);
  return protect (session, FALSE, buf, len, capacity, out_len, error);
}

gboolean
imps_srtp_session_protect_rtcp (ImpsSrtpSession *session, guint8 *buf, gsize len,
                                gsize capacity, gsize *out_len, GError **error)
{
  g_return_val_if_fail (session != NULL && buf != NULL && out_len != NULL, FALSE);
  return protect (session, TRUE, buf, len, capacity, out_len, error);
}

static gboolean
unprotect (ImpsSrtpSession *s, gboolean rtcp, guint8 *buf, gsize len,
           gsize *out_len, GError **error)
{
  const gchar *what = rtcp ? "SRTCP packet" : "SRTP packet";
  const SuiteInfo *info = s->info;
  gsize mki_len = s->config.mki_len;
  gsize tag_len = rtcp ? info->rtcp_tag_len : info->rtp_tag_len;
  gsize tail = tag_len + mki_len + (rtcp ? SRTCP_INDEX_LEN : 0);
  guint32 ssrc = 0;
  gboolean ssrc_known;
  ImpsSrtpError code;
  guint key = 0;

  if (s->config.direction != IMPS_SRTP_RECEIVER)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID,
                   "%s: this session is a sender", what);
      s->total.other_errors++;
      return FALSE;
    }
  if (!(rtcp ? check_rtcp (buf, len, tail, what, &ssrc, &ssrc_known, error)
             : check_rtp (buf, len, tail, what, &ssrc, &ssrc_known, error)))
    {
      count_fail (s, ssrc_known, ssrc, IMPS_SRTP_ERROR_MALFORMED);
      return FALSE;
    }

  /* Trailer layout as libsrtp2 writes it: AES-CM puts the MKI before the
   * tag, AEAD after it; SRTCP's E||index word comes before both. */
  gsize mki_at = info->aead ? len - mki_len : len - tag_len - mki_len;
  gsize index_at = (info->aead ? len - mki_len : len - tag_len - mki_len) - SRTCP_INDEX_LEN;
  if (mki_len != 0)
    {
      for (key = 0; key < s->n_keys; key++)
        if (memcmp (s->mki[key], buf + mki_at, mki_len) == 0)
          break;
      if (key == s->n_keys)
        {
          guint32 v = 0;
          for (gsize i = 0; i < mki_len; i++)
            v = (v << 8) | buf[mki_at + i];
          g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_BAD_MKI,
                       "%s of SSRC 0x%08x: MKI %u at byte offset %" G_GSIZE_FORMAT
                       " names no master key of this session", what, ssrc, v, mki_at);
          count_fail (s, TRUE, ssrc, IMPS_SRTP_ERROR_BAD_MKI);
          return FALSE;
        }
    }
  if (key_expired (s, key, rtcp))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_KEY_EXPIRED,
                   "%s of SSRC 0x%08x: master key %u reached its lifetime of %"
                   G_GUINT64_FORMAT " packets", what, ssrc, key, s->config.lifetime);
      count_fail (s, TRUE, ssrc, IMPS_SRTP_ERROR_KEY_EXPIRED);
      return FALSE;
    }

  /* Read before libsrtp changes the buffer. */
  guint seq = rtcp ? 0 : imps_load_u16 (buf + 2);
  guint32 srtcp_index = rtcp ? imps_load_u32 (buf + index_at) & 0x7fffffffu : 0;

  int ilen = (int) len;
  srtp_err_status_t st;
  if (rtcp && s->rtcp_ctx[key] != NULL)
    {
      /* See rtcp_ctx: drop the MKI, the tag moves up (in place). */
      memmove (buf + mki_at, buf + mki_at + mki_len, tag_len);
      ilen = (int) (len - mki_len);
      st = srtp_unprotect_rtcp (s->rtcp_ctx[key], buf, &ilen);
    }
  else if (rtcp)
    st = srtp_unprotect_rtcp_mki (s->ctx, buf, &ilen, mki_len != 0);
  else
    st = srtp_unprotect_mki (s->ctx, buf, &ilen, mki_len != 0);
  if (st != srtp_err_status_ok)
    {
      code = status_code (st);
      if (rtcp)
        g_set_error (error, IMPS_SRTP_ERROR, code,
                     "%s of SSRC 0x%08x, SRTCP index %u with %s: %s (libsrtp status %d)",
                     what, ssrc, srtcp_index, info->name, status_name (st), (int) st);
      else
        g_set_error (error, IMPS_SRTP_ERROR, code,
                     "%s of SSRC 0x%08x, sequence number %u with %s: %s (libsrtp status %d)",
                     what, ssrc, seq, info->name, status_name (st), (int) st);
      count_fail (s, TRUE, ssrc, code);
      return FALSE;
    }
  g_assert (ilen >= 0 && (gsize) ilen <= len);
  if (rtcp)
    s->rtcp_used[key]++;
  else
    s->rtp_used[key]++;
  count_ok (s, ssrc, rtcp ? COUNT_RTCP_UNPROTECTED : COUNT_RTP_UNPROTECTED);
  *out_len = (gsize) ilen;
  return TRUE;
}

gboolean
imps_srtp_session_unprotect_rtp (ImpsSrtpSession *session, guint8 *buf, gsize len,
                                 gsize *out_len, GError **error)
{
  g_return_val_if_fail (session != NULL && out_len != NULL, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  return unprotect (session, FALSE, buf, len, out_len, error);
}

gboolean
imps_srtp_session_unprotect_rtcp (ImpsSrtpSession *session, guint8 *buf, gsize len,
                                  gsize *out_len, GError **error)
{
  g_return_val_if_fail (session != NULL && out_len != NULL, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  return unprotect (session, TRUE, buf, len, out_len, error);
}

/* ---- Rollover counter ---- */

gboolean
imps_srtp_session_get_roc (ImpsSrtpSession *session, guint32 ssrc, guint32 *roc,
                           GError **error)
{
  g_return_val_if_fail (session != NULL && roc != NULL, FALSE);
  uint32_t v = 0;
  srtp_err_status_t st = srtp_get_stream_roc (session->ctx, ssrc, &v);
  if (st != srtp_err_status_ok)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_NO_STREAM,
                   "SRTP session: no stream for SSRC 0x%08x to read the ROC of: %s",
                   ssrc, status_name (st));
      return FALSE;
    }
  *roc = v;
  return TRUE;
}

gboolean
imps_srtp_session_set_roc (ImpsSrtpSession *session, guint32 ssrc, guint32 roc,
                           GError **error)
{
  g_return_val_if_fail (session != NULL, FALSE);
  srtp_err_status_t st = srtp_set_stream_roc (session->ctx, ssrc, roc);
  if (st != srtp_err_status_ok)
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_NO_STREAM,
                   "SRTP session: no stream for SSRC 0x%08x to set the ROC of: %s",
                   ssrc, status_name (st));
      return FALSE;
    }
  return TRUE;
}
