/* HTTP Digest (RFC 2617) with AKAv1-MD5 (RFC 3310) and AKAv2-MD5
 * (RFC 4169), as Ub and Ua use it (gba.md §5, §6, §8; profile §10).
 *
 * Two halves:
 * - header values: parse and build WWW-Authenticate (ImpsDigestChallenge),
 *   Authorization (ImpsDigestCredentials) and Authentication-Info
 *   (ImpsDigestAuthInfo). Each value type owns its strings and keeps
 *   unknown parameters in the order they came. Parsers are bounded (whole
 *   header, each value, number of parameters) and a malformed header is a
 *   GError that names the parameter and the character offset.
 * - computations: H(A1), H(A2), response, rspauth, the AKA passwords and
 *   the AKA nonce = base64(RAND || AUTN [|| server data]). The hash
 *   computations (H(A1), H(A2), KD, response, verify, rspauth) never
 *   allocate.
 *
 * Passwords are secrets: the caller keeps them; nothing here copies or
 * logs them (AKA passwords are written into caller buffers, which the
 * caller wipes).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_DIGEST_ERROR (imps_digest_error_quark ())
GQuark imps_digest_error_quark (void);

typedef enum {
  IMPS_DIGEST_ERROR_SYNTAX,       /* not the grammar of RFC 2617 / RFC 7235 */
  IMPS_DIGEST_ERROR_LIMIT,        /* header, value, name or parameter count too large */
  IMPS_DIGEST_ERROR_DUPLICATE,    /* a parameter given twice */
  IMPS_DIGEST_ERROR_MISSING,      /* a required parameter is absent */
  IMPS_DIGEST_ERROR_VALUE,        /* a parameter's value is not of its form */
  IMPS_DIGEST_ERROR_SCHEME,       /* the auth scheme is not Digest */
  IMPS_DIGEST_ERROR_UNSUPPORTED,  /* an algorithm or qop this module does not do */
  IMPS_DIGEST_ERROR_NONCE,        /* an AKA nonce that is not base64(RAND || AUTN ...) */
  IMPS_DIGEST_ERROR_RESPONSE,     /* response or rspauth does not verify */
  IMPS_DIGEST_ERROR_MISMATCH,     /* credentials do not answer the challenge */
} ImpsDigestError;

/* Bounds of the header parsers. */
#define IMPS_DIGEST_MAX_HEADER 4096      /* bytes of one header value */
#define IMPS_DIGEST_MAX_VALUE 1024       /* bytes of one parameter value (unescaped) */
#define IMPS_DIGEST_MAX_NAME 64          /* bytes of one parameter name */
#define IMPS_DIGEST_MAX_PARAMS 32        /* parameters (and empty list elements) */

#define IMPS_DIGEST_HEX_LEN 33           /* 32 lower-case hex digits and a NUL */
#define IMPS_DIGEST_NC_LEN 9             /* 8 hex digits and a NUL */

typedef enum {
  IMPS_DIGEST_ALGORITHM_NONE,        /* not given (means MD5) */
  IMPS_DIGEST_ALGORITHM_MD5,
  IMPS_DIGEST_ALGORITHM_AKAV1_MD5,
  IMPS_DIGEST_ALGORITHM_AKAV2_MD5,
} ImpsDigestAlgorithm;

/* Also used as flags for the qop options of a challenge. */
typedef enum {
  IMPS_DIGEST_QOP_NONE = 0,          /* the RFC 2069 form without qop */
  IMPS_DIGEST_QOP_AUTH = 1 << 0,
  IMPS_DIGEST_QOP_AUTH_INT = 1 << 1,
} ImpsDigestQop;

const gchar *imps_digest_algorithm_to_string (ImpsDigestAlgorithm algorithm);
const gchar *imps_digest_qop_to_string (ImpsDigestQop qop);

/* A parameter this module has no field for, kept as it came. */
typedef struct {
  gchar *name;
  gchar *value;        /* unescaped */
  gboolean quoted;     /* written as a quoted-string */
} ImpsDigestParam;

ImpsDigestParam *imps_digest_param_new (const gchar *name, const gchar *value,
                                        gboolean quoted);
void imps_digest_param_free (ImpsDigestParam *param);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDigestParam, imps_digest_param_free)

/* Appends an unknown parameter (copied) to one of the `unknown` arrays
 * (which own their ImpsDigestParam elements). */
void imps_digest_params_add (GPtrArray *unknown, const gchar *name,
                             const gchar *value, gboolean quoted);

/* WWW-Authenticate: Digest ... */
typedef struct {
  gchar *realm;          /* required */
  gchar *nonce;          /* required */
  gchar *domain;
  gchar *opaque;
  gboolean stale;
  ImpsDigestAlgorithm algorithm;
  guint qop_options;     /* ImpsDigestQop flags; 0 when no qop was given */
  GPtrArray *unknown;    /* of ImpsDigestParam; never NULL */
} ImpsDigestChallenge;

/* Authorization: Digest ... */
typedef struct {
  gchar *username;       /* required */
  gchar *realm;          /* required */
  gchar *nonce;          /* required (may be "" in the first Ub request) */
  gchar *uri;            /* required */
  gchar *response;       /* required: "" or 32 hex digits */
  gchar *cnonce;         /* required with qop */
  gchar *opaque;
  gchar *auts;           /* base64 of the 14-byte AUTS (RFC 3310 §3.4) */
  ImpsDigestAlgorithm algorithm;
  ImpsDigestQop qop;
  gchar nc[IMPS_DIGEST_NC_LEN];   /* 8 hex digits with qop, "" without */
  GPtrArray *unknown;
} ImpsDigestCredentials;

/* Authentication-Info: ... (no scheme) */
typedef struct {
  gchar *nextnonce;
  gchar *rspauth;        /* 32 hex digits when given */
  gchar *cnonce;
  gchar *opaque;         /* not in RFC 2617, sent by BSFs (gba.md §6.2 (4)) */
  gchar *nonce;          /* likewise */
  ImpsDigestQop qop;
  gchar nc[IMPS_DIGEST_NC_LEN];
  GPtrArray *unknown;
} ImpsDigestAuthInfo;

ImpsDigestChallenge *imps_digest_challenge_new (void);
void imps_digest_challenge_free (ImpsDigestChallenge *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDigestChallenge, imps_digest_challenge_free)

ImpsDigestCredentials *imps_digest_credentials_new (void);
void imps_digest_credentials_free (ImpsDigestCredentials *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDigestCredentials, imps_digest_credentials_free)

ImpsDigestAuthInfo *imps_digest_auth_info_new (void);
void imps_digest_auth_info_free (ImpsDigestAuthInfo *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDigestAuthInfo, imps_digest_auth_info_free)

/* Parsers take the header value (after "Name:"), @len bytes, not
 * necessarily NUL-terminated. The scheme "Digest" is matched without
 * regard to case; one challenge per header value. Parameter names are
 * matched without regard to case; duplicates are refused. Both tokens and
 * quoted strings are accepted for every parameter (24.109 writes qop
 * unquoted, some clients quote it); empty list elements are skipped. */
ImpsDigestChallenge *imps_digest_challenge_parse (const gchar *text, gsize len,
                                                  GError **error);
ImpsDigestCredentials *imps_digest_credentials_parse (const gchar *text, gsize len,
                                                      GError **error);
ImpsDigestAuthInfo *imps_digest_auth_info_parse (const gchar *text, gsize len,
                                                 GError **error);

/* Builders write the parameters in the order of gba.md §6.2, then the
 * unknown ones, separated by ", ". They fail (IMPS_DIGEST_ERROR_VALUE)
 * when a value cannot be written: control characters, a token that is not
 * a token, a missing required field. Free with g_free(). */
gchar *imps_digest_challenge_build (const ImpsDigestChallenge *c, GError **error);
gchar *imps_digest_credentials_build (const ImpsDigestCredentials *c, GError **error);
gchar *imps_digest_auth_info_build (const ImpsDigestAuthInfo *a, GError **error);

/* Convenience for the two ends of an exchange. */

/* The BSF's challenge of gba.md §6.2 (2): realm, nonce = base64(RAND ||
 * AUTN [|| server data]), algorithm AKAv1-MD5, qop "auth-int" (or the
 * given options), @opaque (may be NULL). */
ImpsDigestChallenge *imps_digest_challenge_new_aka (const gchar *realm,
                                                    const guint8 rand[16],
                                                    const guint8 autn[16],
                                                    const guint8 *server_data,
                                                    gsize server_data_len,
                                                    guint qop_options,
                                                    const gchar *opaque);

/* Credentials that answer @challenge: realm, nonce, opaque and algorithm
 * copied; qop auth-int when offered, else auth, else none; @cnonce and
 * @nc (1 .. 0xffffffff, written as 8 hex digits) used only with a qop.
 * The response is left empty: sign it with
 * imps_digest_credentials_sign(). */
ImpsDigestCredentials *imps_digest_credentials_new_for (const ImpsDigestChallenge *challenge,
                                                        const gchar *username,
                                                        const gchar *uri,
                                                        const gchar *cnonce,
                                                        guint32 nc);

/* ---- computations (RFC 2617 §3.2.2, gba.md §5.1) ---- */

/* H(A1) = MD5(username ":" realm ":" password), lower-case hex. */
void imps_digest_ha1 (const gchar *username, const gchar *realm,
                      const guint8 *password, gsize password_len,
                      gchar out[IMPS_DIGEST_HEX_LEN]);

/* H(A2) = MD5(method ":" uri [":" H(body)]); H(body) only with auth-int.
 * For rspauth the method is "". */
void imps_digest_ha2 (const gchar *method, const gchar *uri, ImpsDigestQop qop,
                      const guint8 *body, gsize body_len,
                      gchar out[IMPS_DIGEST_HEX_LEN]);

/* KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2)) with qop, or
 * KD(H(A1), nonce ":" H(A2)) without (RFC 2069 form). */
void imps_digest_kd (const gchar ha1[IMPS_DIGEST_HEX_LEN], const gchar *nonce,
                     const gchar *nc, const gchar *cnonce, ImpsDigestQop qop,
                     const gchar ha2[IMPS_DIGEST_HEX_LEN],
                     gchar out[IMPS_DIGEST_HEX_LEN]);

/* The request-digest of @cred (its username, realm, nonce, uri, qop, nc,
 * cnonce) for @method and request @body (used with auth-int). */
void imps_digest_credentials_response (const ImpsDigestCredentials *cred,
                                       const gchar *method,
                                       const guint8 *password, gsize password_len,
                                       const guint8 *body, gsize body_len,
                                       gchar out[IMPS_DIGEST_HEX_LEN]);

/* Computes the response and stores it in cred->response. */
void imps_digest_credentials_sign (ImpsDigestCredentials *cred, const gchar *method,
                                   const guint8 *password, gsize password_len,
                                   const guint8 *body, gsize body_len);

/* Recomputes and compares (constant time). IMPS_DIGEST_ERROR_RESPONSE on a
 * mismatch; the message names the username and realm, never a password. */
gboolean imps_digest_credentials_verify (const ImpsDigestCredentials *cred,
                                         const gchar *method,
                                         const guint8 *password, gsize password_len,
                                         const guint8 *body, gsize body_len,
                                         GError **error);

/* rspauth for Authentication-Info: as the response with an empty method,
 * and with auth-int H(response body) (gba.md §5.1). */
void imps_digest_rspauth (const ImpsDigestCredentials *cred,
                          const guint8 *password, gsize password_len,
                          const guint8 *response_body, gsize body_len,
                          gchar out[IMPS_DIGEST_HEX_LEN]);

/* The server's Authentication-Info for @cred in the layout of gba.md
 * §6.2 (4): qop, rspauth, cnonce, nc, opaque, nonce (the last two copied
 * from @cred when it has them). */
ImpsDigestAuthInfo *imps_digest_auth_info_new_for (const ImpsDigestCredentials *cred,
                                                   const guint8 *password,
                                                   gsize password_len,
                                                   const guint8 *response_body,
                                                   gsize body_len);

/* Client side: checks rspauth (and that qop, cnonce and nc echo @sent). */
gboolean imps_digest_auth_info_verify (const ImpsDigestAuthInfo *info,
                                       const ImpsDigestCredentials *sent,
                                       const guint8 *password, gsize password_len,
                                       const guint8 *response_body, gsize body_len,
                                       GError **error);

/* Server side: checks that @cred answers @challenge: same realm, nonce and
 * opaque, an algorithm equal to the challenge's, and a qop the challenge
 * offered (none when it offered none). */
gboolean imps_digest_credentials_match (const ImpsDigestCredentials *cred,
                                        const ImpsDigestChallenge *challenge,
                                        GError **error);

/* ---- Digest AKA (RFC 3310, RFC 4169; gba.md §5.2, §5.3) ---- */

#define IMPS_DIGEST_AKA_RAND_LEN 16
#define IMPS_DIGEST_AKA_AUTN_LEN 16
#define IMPS_DIGEST_AKA_AUTS_LEN 14
#define IMPS_DIGEST_AKA_RES_MIN 4          /* 33.102: 32 .. 128 bits */
#define IMPS_DIGEST_AKA_RES_MAX 16
#define IMPS_DIGEST_AKA_MAX_SERVER_DATA 64 /* our bound on nonce server data */
/* The longest password: AKAv2's 24 base64 characters. */
#define IMPS_DIGEST_AKA_PASSWORD_MAX 24

/* The password for @algorithm: AKAv1-MD5 the raw RES bytes; AKAv2-MD5
 * base64(HMAC-MD5(RES || IK || CK, "http-digest-akav2-password")) as text
 * (@ik and @ck are used only for AKAv2). Returns its length. */
gsize imps_digest_aka_password (ImpsDigestAlgorithm algorithm,
                                const guint8 *res, gsize res_len,
                                const guint8 ik[16], const guint8 ck[16],
                                guint8 out[IMPS_DIGEST_AKA_PASSWORD_MAX]);

typedef struct {
  guint8 rand[IMPS_DIGEST_AKA_RAND_LEN];
  guint8 autn[IMPS_DIGEST_AKA_AUTN_LEN];
  guint8 server_data[IMPS_DIGEST_AKA_MAX_SERVER_DATA];
  gsize server_data_len;
} ImpsDigestAkaNonce;

/* nonce = base64(RAND || AUTN || server data). Free with g_free(). */
gchar *imps_digest_aka_nonce_build (const guint8 rand[16], const guint8 autn[16],
                                    const guint8 *server_data, gsize server_data_len);
/* Strict base64 (RFC 4648 alphabet, '=' padding, no white space), at least
 * 32 bytes, at most 32 + IMPS_DIGEST_AKA_MAX_SERVER_DATA. */
gboolean imps_digest_aka_nonce_parse (const gchar *nonce, gsize len,
                                      ImpsDigestAkaNonce *out, GError **error);

/* Base64 of AUTS for the auts parameter. Free with g_free(). */
gchar *imps_digest_aka_auts_encode (const guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN]);
/* Decodes cred->auts (which the parser has already checked). FALSE when
 * there is none or it is not 14 bytes of base64. */
gboolean imps_digest_credentials_get_auts (const ImpsDigestCredentials *cred,
                                           guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN],
                                           GError **error);

typedef enum {
  IMPS_DIGEST_AKA_AUTHENTICATED,     /* response made with RES: the user is authenticated */
  IMPS_DIGEST_AKA_RESYNC,            /* auts given, response made with the empty password */
  IMPS_DIGEST_AKA_NETWORK_REJECTED,  /* empty password, no auts: the UE refused AUTN (MAC failure) */
} ImpsDigestAkaOutcome;

/* The BSF's check of an Authorization that answers an AKA challenge
 * (gba.md §5.2, profile §10): with auts, the response must verify with the
 * empty password and *@outcome is RESYNC (@auts filled); without, a
 * response made with the AKA password of @xres gives AUTHENTICATED, one
 * made with the empty password NETWORK_REJECTED. Any other response:
 * FALSE with IMPS_DIGEST_ERROR_RESPONSE. @ik and @ck are needed only for
 * AKAv2-MD5. */
gboolean imps_digest_aka_verify (const ImpsDigestCredentials *cred,
                                 const gchar *method,
                                 const guint8 *body, gsize body_len,
                                 const guint8 *xres, gsize xres_len,
                                 const guint8 ik[16], const guint8 ck[16],
                                 ImpsDigestAkaOutcome *outcome,
                                 guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN],
                                 GError **error);

G_END_DECLS
