/* SDES: the a=crypto attribute (RFC 4568, digest §14) and the offer/answer
 * of SRTP master keys in SDP, profiled by docs/profile.md §5.
 *
 * Keys. An ImpsSdpCrypto holds the inline key||salt values in fixed arrays;
 * imps_sdp_crypto_free() wipes them. The text built from it holds the keys
 * in base64: free it with imps_sdp_string_free(). ImpsSdesKeys likewise. */
#pragma once

#include "imps-sdp.h"
#include "imps-random.h"

G_BEGIN_DECLS

typedef enum {
  IMPS_SDES_SUITE_UNKNOWN = 0,         /* a name not in the table below */
  IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_80,
  IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_32,
  IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_80,
  IMPS_SDES_SUITE_AEAD_AES_128_GCM,
  /* Known (lengths checked), parsed, but not supported by the simulator: */
  IMPS_SDES_SUITE_F8_128_HMAC_SHA1_80,
  IMPS_SDES_SUITE_F8_128_HMAC_SHA1_32,
  IMPS_SDES_SUITE_AES_192_CM_HMAC_SHA1_80,
  IMPS_SDES_SUITE_AES_192_CM_HMAC_SHA1_32,
  IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_32,
  IMPS_SDES_SUITE_AEAD_AES_256_GCM,
  IMPS_SDES_N_SUITES
} ImpsSdesSuite;

typedef struct {
  ImpsSdesSuite suite;
  const gchar *name;        /* as written in SDP */
  guint key_len;            /* master key bytes */
  guint salt_len;           /* master salt bytes */
  guint srtp_tag_len;       /* auth tag bytes */
  guint srtcp_tag_len;
  guint max_lifetime_log2;  /* largest allowed key lifetime = 2^this packets */
  gboolean supported;       /* the simulator can run it (libsrtp2) */
} ImpsSdesSuiteInfo;

/* The table entry for @suite, or NULL for IMPS_SDES_SUITE_UNKNOWN. */
const ImpsSdesSuiteInfo *imps_sdes_suite_info (ImpsSdesSuite suite);
/* Case-insensitive lookup (RFC 4568 values are case-insensitive). */
ImpsSdesSuite imps_sdes_suite_from_name (const gchar *name, gsize len);
const gchar *imps_sdes_suite_name (ImpsSdesSuite suite);

/* Bounds. */
#define IMPS_SDES_MAX_KEY_SALT   64  /* decoded bytes of one inline key (largest suite: 46) */
#define IMPS_SDES_MAX_KEYS       8   /* inline keys in one key-params list */
#define IMPS_SDES_MAX_PARAMS     16  /* session parameters on one line */
#define IMPS_SDES_MAX_SUITE_NAME 64
#define IMPS_SDES_MAX_MKI_LEN    128 /* RFC 4568: MKI length 1..128 bytes */

typedef struct {
  guint8 key_salt[IMPS_SDES_MAX_KEY_SALT];
  guint8 key_salt_len;
  gboolean unpadded;        /* base64 was written without '=' (kept for round trip) */
  gboolean has_lifetime;
  gboolean lifetime_pow2;   /* written as 2^n */
  guint8 lifetime_log2;     /* n when lifetime_pow2 */
  guint64 lifetime;         /* packets (2^n when lifetime_pow2) */
  gboolean has_mki;
  guint64 mki_value;
  guint8 mki_len;           /* bytes, 1..128 */
} ImpsSdesKey;

typedef enum {
  IMPS_SDES_FEC_ORDER_NONE = 0, /* absent: default FEC_SRTP */
  IMPS_SDES_FEC_ORDER_FEC_SRTP,
  IMPS_SDES_FEC_ORDER_SRTP_FEC,
} ImpsSdesFecOrder;

/* Session parameter kinds, kept in written order for building back. */
typedef enum {
  IMPS_SDES_PARAM_KDR,
  IMPS_SDES_PARAM_UNENCRYPTED_SRTP,
  IMPS_SDES_PARAM_UNENCRYPTED_SRTCP,
  IMPS_SDES_PARAM_UNAUTHENTICATED_SRTP,
  IMPS_SDES_PARAM_FEC_ORDER,
  IMPS_SDES_PARAM_FEC_KEY,
  IMPS_SDES_PARAM_WSH,
  IMPS_SDES_PARAM_EXTENSION, /* an ignorable "-..." parameter */
} ImpsSdesParam;

typedef struct {
  guint32 tag;                       /* 0..999999999 */
  ImpsSdesSuite suite;
  gchar suite_name[IMPS_SDES_MAX_SUITE_NAME + 1]; /* as written */
  ImpsSdesKey keys[IMPS_SDES_MAX_KEYS];
  guint n_keys;
  /* session parameters */
  ImpsSdesParam params[IMPS_SDES_MAX_PARAMS]; /* in written order */
  guint n_params;
  guint kdr;                         /* valid when the KDR param is present: 2^kdr */
  gboolean unencrypted_srtp;
  gboolean unencrypted_srtcp;
  gboolean unauthenticated_srtp;
  ImpsSdesFecOrder fec_order;
  ImpsSdesKey fec_keys[IMPS_SDES_MAX_KEYS];
  guint n_fec_keys;
  guint wsh;                         /* valid when the WSH param is present */
  GPtrArray *extensions;             /* gchar*, the "-..." parameters in order, or NULL */
} ImpsSdpCrypto;

gboolean imps_sdp_crypto_has_param (const ImpsSdpCrypto *c, ImpsSdesParam p);

/* Parses an a=crypto value (the text after "crypto:"). Errors name the
 * field and the byte offset in @value. A known suite's key||salt must have
 * its length; an unknown mandatory session parameter refuses the line
 * (IMPS_SDP_ERROR_UNKNOWN_PARAM). */
ImpsSdpCrypto *imps_sdp_crypto_parse (const gchar *value, gsize len, GError **error);
/* A line with @tag and @suite and one key (no lifetime, no MKI, no params). */
ImpsSdpCrypto *imps_sdp_crypto_new (guint32 tag, ImpsSdesSuite suite,
                                    const guint8 *key_salt, gsize key_salt_len);
ImpsSdpCrypto *imps_sdp_crypto_copy (const ImpsSdpCrypto *c);
void imps_sdp_crypto_free (ImpsSdpCrypto *c);
/* The attribute value. Free with imps_sdp_string_free(). */
gchar *imps_sdp_crypto_to_string (const ImpsSdpCrypto *c);

/* What this end is configured to accept or offer (profile §5). */
typedef struct {
  gboolean offer_aes_256;        /* offer AES_256_CM_HMAC_SHA1_80 */
  gboolean offer_gcm;            /* offer AEAD_AES_128_GCM */
  gboolean accept_aes_256;       /* accept AES_256_CM_HMAC_SHA1_80 in an offer */
  gboolean accept_gcm;           /* accept AEAD_AES_128_GCM in an offer */
  gboolean allow_unencrypted_srtp;
  gboolean allow_unencrypted_srtcp;
  gboolean allow_unauthenticated_srtp;
} ImpsSdesPolicy;

/* The profile's defaults: offer and accept the two AES_CM_128 suites,
 * accept GCM and AES-256 too, allow no UNENCRYPTED / UNAUTHENTICATED. */
void imps_sdes_policy_init (ImpsSdesPolicy *policy);

/* Can this end honour @c? Refuses (IMPS_SDP_ERROR_UNSUPPORTED_SUITE or
 * IMPS_SDP_ERROR_REFUSED) with the parameter and its value: unsupported or
 * not accepted suite, several keys, MKI longer than 4 bytes, lifetime above
 * the suite maximum, KDR other than 0, FEC_ORDER other than FEC_SRTP,
 * FEC_KEY, WSH outside 64..32767, UNENCRYPTED_* / UNAUTHENTICATED_SRTP
 * unless @policy allows them. */
gboolean imps_sdes_check_honourable (const ImpsSdpCrypto *c, const ImpsSdesPolicy *policy,
                                     GError **error);

/* Offer: the a=crypto lines for one media section, the policy's suites in
 * profile order (AES_CM_128_HMAC_SHA1_80, _32, then AEAD_AES_128_GCM and
 * AES_256_CM_HMAC_SHA1_80 when configured), tags 1..n, each with a fresh
 * key||salt drawn from @rnd in that order. An array of ImpsSdpCrypto*. */
GPtrArray *imps_sdes_offer_new (const ImpsSdesPolicy *policy, ImpsRandom *rnd);
/* The same, appended to @m as a=crypto attributes. */
gboolean imps_sdes_offer_add (ImpsSdpMedia *m, const ImpsSdesPolicy *policy, ImpsRandom *rnd,
                              GError **error);

/* Answer: the first offered a=crypto line of @offer that parses and can be
 * honoured, answered with the same tag and suite, a fresh key||salt from
 * @rnd, and the negotiated parameters (UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP,
 * UNAUTHENTICATED_SRTP, FEC_ORDER) echoed. Lines that do not parse or
 * cannot be honoured are skipped; when none is left the error
 * (IMPS_SDP_ERROR_NO_ACCEPTABLE) lists why each line was refused. */
ImpsSdpCrypto *imps_sdes_answer_new (const ImpsSdpMedia *offer, const ImpsSdesPolicy *policy,
                                     ImpsRandom *rnd, GError **error);
/* The same, added as the one a=crypto attribute of the answer's @answer_media. */
gboolean imps_sdes_answer_add (const ImpsSdpMedia *offer, ImpsSdpMedia *answer_media,
                               const ImpsSdesPolicy *policy, ImpsRandom *rnd, GError **error);

/* The outcome of one SDES offer/answer for one media section. */
typedef struct {
  ImpsSdesSuite suite;
  guint32 tag;
  guint8 key_salt_len;
  guint8 offerer_key_salt[IMPS_SDES_MAX_KEY_SALT];  /* offerer -> answerer stream */
  guint8 answerer_key_salt[IMPS_SDES_MAX_KEY_SALT]; /* answerer -> offerer stream */
  /* MKI each side writes in its packets (mki_len 0: no MKI) and lifetimes
   * (0: the suite default). */
  guint8 offerer_mki_len;
  guint64 offerer_mki;
  guint8 answerer_mki_len;
  guint64 answerer_mki;
  guint64 offerer_lifetime;
  guint64 answerer_lifetime;
  gboolean unencrypted_srtp;
  gboolean unencrypted_srtcp;
  gboolean unauthenticated_srtp;
} ImpsSdesKeys;

/* Checks the answer against the offer (exactly one a=crypto in the answer,
 * its tag offered with the same suite, keys present and different from the
 * offer's, both lines honourable under @policy) and fills @out. */
gboolean imps_sdes_negotiate (const ImpsSdpMedia *offer, const ImpsSdpMedia *answer,
                              const ImpsSdesPolicy *policy, ImpsSdesKeys *out, GError **error);
/* Wipes @keys. */
void imps_sdes_keys_clear (ImpsSdesKeys *keys);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSdpCrypto, imps_sdp_crypto_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsSdesKeys, imps_sdes_keys_clear)

G_END_DECLS
