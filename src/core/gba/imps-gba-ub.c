/* Ub/Ua conventions: tokens, NAF realm, BSF verdicts (gba.md §6.5). */
#include "imps-gba-ub.h"
#include "digest/imps-digest.h"

#include <string.h>

gchar *
imps_gba_naf_realm_new (const gchar *naf_fqdn)
{
  g_return_val_if_fail (naf_fqdn != NULL, NULL);
  return g_strconcat (IMPS_GBA_NAF_REALM_PREFIX, naf_fqdn, NULL);
}

const gchar *
imps_gba_naf_realm_fqdn (const gchar *realm)
{
  gsize n = strlen (IMPS_GBA_NAF_REALM_PREFIX);
  g_return_val_if_fail (realm != NULL, NULL);
  /* The prefix is matched exactly: "-uicc@" and "-digest@" realms ask for
   * other key types. */
  if (strncmp (realm, IMPS_GBA_NAF_REALM_PREFIX, n) != 0 || realm[n] == '\0')
    return NULL;
  return realm + n;
}

static gboolean
is_delim (gchar c)
{
  return c == '\0' || g_ascii_isspace (c) || c == ';' || c == ',' || c == '/';
}

gboolean
imps_gba_product_has_token (const gchar *header, const gchar *token)
{
  gsize tl;

  g_return_val_if_fail (header != NULL && token != NULL, FALSE);
  tl = strlen (token);
  if (tl == 0)
    return FALSE;
  for (const gchar *p = header; *p; p++)
    if ((p == header || is_delim (p[-1])) && g_ascii_strncasecmp (p, token, tl) == 0
        && is_delim (p[tl]))
      return TRUE;
  return FALSE;
}

guint
imps_gba_ub_http_status (ImpsGbaUbVerdict verdict)
{
  switch (verdict)
    {
    case IMPS_GBA_UB_OK:
      return 200;
    case IMPS_GBA_UB_CHALLENGE:
    case IMPS_GBA_UB_WRONG_RESPONSE:
      return 401;
    case IMPS_GBA_UB_BAD_REQUEST:
      return 400;
    case IMPS_GBA_UB_NETWORK_REJECTED:
    case IMPS_GBA_UB_UNKNOWN_USER:
      return 403;
    }
  g_return_val_if_reached (500);
}

const gchar *
imps_gba_ub_verdict_to_string (ImpsGbaUbVerdict verdict)
{
  switch (verdict)
    {
    case IMPS_GBA_UB_OK:
      return "authenticated";
    case IMPS_GBA_UB_CHALLENGE:
      return "challenge";
    case IMPS_GBA_UB_BAD_REQUEST:
      return "malformed Authorization";
    case IMPS_GBA_UB_WRONG_RESPONSE:
      return "wrong response";
    case IMPS_GBA_UB_NETWORK_REJECTED:
      return "UE rejected the network (AUTN)";
    case IMPS_GBA_UB_UNKNOWN_USER:
      return "unknown user";
    }
  return "?";
}

ImpsGbaUbVerdict
imps_gba_ub_verdict_for_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, IMPS_GBA_UB_BAD_REQUEST);
  if (error->domain != IMPS_DIGEST_ERROR)
    return IMPS_GBA_UB_BAD_REQUEST;
  switch ((ImpsDigestError) error->code)
    {
    case IMPS_DIGEST_ERROR_RESPONSE:
      return IMPS_GBA_UB_WRONG_RESPONSE;
    case IMPS_DIGEST_ERROR_MISMATCH:
      return IMPS_GBA_UB_CHALLENGE;
    case IMPS_DIGEST_ERROR_SYNTAX:
    case IMPS_DIGEST_ERROR_LIMIT:
    case IMPS_DIGEST_ERROR_DUPLICATE:
    case IMPS_DIGEST_ERROR_MISSING:
    case IMPS_DIGEST_ERROR_VALUE:
    case IMPS_DIGEST_ERROR_SCHEME:
    case IMPS_DIGEST_ERROR_UNSUPPORTED:
    case IMPS_DIGEST_ERROR_NONCE:
    default:
      return IMPS_GBA_UB_BAD_REQUEST;
    }
}
