/* Ub and Ua conventions around the digest exchange (gba.md §6.1, §6.5,
 * §8.1; profile §1 and §10): product tokens, the NAF realm, and the
 * BSF's verdict on a request with the HTTP status it answers with. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Product tokens (gba.md §6.1, §8.1). */
#define IMPS_GBA_TOKEN_TMPI "3gpp-gba-tmpi"
#define IMPS_GBA_TOKEN_ME "3gpp-gba"
#define IMPS_GBA_TOKEN_UICC "3gpp-gba-uicc"
/* The header values of gba.md §6.2. */
#define IMPS_GBA_UB_USER_AGENT "Bootstrapping Client Agent; Release-6; " IMPS_GBA_TOKEN_TMPI
#define IMPS_GBA_UB_SERVER "Bootstrapping Server; Release-6; " IMPS_GBA_TOKEN_TMPI
/* Ua realm prefix for GBA_ME keys (gba.md §8.1). */
#define IMPS_GBA_NAF_REALM_PREFIX "3GPP-bootstrapping@"

/* "3GPP-bootstrapping@" FQDN. Free with g_free(). */
gchar *imps_gba_naf_realm_new (const gchar *naf_fqdn);
/* The FQDN after the prefix (a pointer into @realm), or NULL when @realm
 * does not ask for GBA_ME bootstrapping or the FQDN part is empty. */
const gchar *imps_gba_naf_realm_fqdn (const gchar *realm);

/* TRUE when @header (a User-Agent or Server value) carries @token as a
 * whole word: delimited by the start or end, white space, ';', ',' or '/'
 * (so "3gpp-gba" is not found inside "3gpp-gba-tmpi"). Case-insensitive. */
gboolean imps_gba_product_has_token (const gchar *header, const gchar *token);

typedef enum {
  IMPS_GBA_UB_OK,                /* authenticated: 200 with BootstrappingInfo */
  IMPS_GBA_UB_CHALLENGE,         /* first request, resync (auts), or credentials for
                                    another nonce: 401 with a fresh challenge */
  IMPS_GBA_UB_BAD_REQUEST,       /* Authorization malformed or unsupported: 400 */
  IMPS_GBA_UB_WRONG_RESPONSE,    /* response does not verify with XRES: 401, fresh challenge */
  IMPS_GBA_UB_NETWORK_REJECTED,  /* the UE refused AUTN (empty password, no auts): 403, no B-TID */
  IMPS_GBA_UB_UNKNOWN_USER,      /* the HSS knows no such IMPI (Zh 5401/5001): 403 */
} ImpsGbaUbVerdict;

guint imps_gba_ub_http_status (ImpsGbaUbVerdict verdict);
const gchar *imps_gba_ub_verdict_to_string (ImpsGbaUbVerdict verdict);
/* The verdict for an error of the digest module (IMPS_DIGEST_ERROR) met
 * while parsing, matching or verifying an Authorization on Ub: RESPONSE is
 * WRONG_RESPONSE, MISMATCH (another realm, nonce or opaque) is CHALLENGE,
 * anything else BAD_REQUEST. */
ImpsGbaUbVerdict imps_gba_ub_verdict_for_error (const GError *error);

G_END_DECLS
