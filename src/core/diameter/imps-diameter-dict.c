/* Diameter dictionary and value rendering.
 *
 * Base AVPs and their flags: RFC 6733 §4.5 (AVP table) and §7.1 (result
 * codes). 3GPP AVPs: gba.md §9.2 and §10.2, vendor 10415; this project sends
 * them all with V and M set (gba.md §9.2; the M rule of AVPs 400-418 is not
 * in the digest, see docs/profile.md).
 */
#include "imps-diameter-dict.h"
#include "imps-bytes.h"
#include "imps-hex.h"

#include <arpa/inet.h>
#include <string.h>

#define M IMPS_DIAMETER_AVP_FLAG_M
#define VM (IMPS_DIAMETER_AVP_FLAG_V | IMPS_DIAMETER_AVP_FLAG_M)
#define V3 IMPS_DIAMETER_VENDOR_3GPP

/* Sorted by (vendor, code) for bsearch. */
static const ImpsDiameterDictEntry dict[] = {
  { 0, 1, "User-Name", IMPS_DIAMETER_TYPE_UTF8, M, FALSE },
  { 0, 33, "Proxy-State", IMPS_DIAMETER_TYPE_OCTETS, M, FALSE },
  { 0, 257, "Host-IP-Address", IMPS_DIAMETER_TYPE_ADDRESS, M, FALSE },
  { 0, 258, "Auth-Application-Id", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 259, "Acct-Application-Id", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 260, "Vendor-Specific-Application-Id", IMPS_DIAMETER_TYPE_GROUPED, M, FALSE },
  { 0, 261, "Redirect-Host-Usage", IMPS_DIAMETER_TYPE_ENUM, M, FALSE },
  { 0, 262, "Redirect-Max-Cache-Time", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 263, "Session-Id", IMPS_DIAMETER_TYPE_UTF8, M, FALSE },
  { 0, 264, "Origin-Host", IMPS_DIAMETER_TYPE_IDENTITY, M, FALSE },
  { 0, 265, "Supported-Vendor-Id", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 266, "Vendor-Id", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 267, "Firmware-Revision", IMPS_DIAMETER_TYPE_U32, 0, FALSE },
  { 0, 268, "Result-Code", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 269, "Product-Name", IMPS_DIAMETER_TYPE_UTF8, 0, FALSE },
  { 0, 273, "Disconnect-Cause", IMPS_DIAMETER_TYPE_ENUM, M, FALSE },
  { 0, 277, "Auth-Session-State", IMPS_DIAMETER_TYPE_ENUM, M, FALSE },
  { 0, 278, "Origin-State-Id", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 279, "Failed-AVP", IMPS_DIAMETER_TYPE_GROUPED, M, FALSE },
  { 0, 280, "Proxy-Host", IMPS_DIAMETER_TYPE_IDENTITY, M, FALSE },
  { 0, 281, "Error-Message", IMPS_DIAMETER_TYPE_UTF8, 0, FALSE },
  { 0, 282, "Route-Record", IMPS_DIAMETER_TYPE_IDENTITY, M, FALSE },
  { 0, 283, "Destination-Realm", IMPS_DIAMETER_TYPE_IDENTITY, M, FALSE },
  { 0, 284, "Proxy-Info", IMPS_DIAMETER_TYPE_GROUPED, M, FALSE },
  { 0, 293, "Destination-Host", IMPS_DIAMETER_TYPE_IDENTITY, M, FALSE },
  { 0, 294, "Error-Reporting-Host", IMPS_DIAMETER_TYPE_IDENTITY, 0, FALSE },
  { 0, 296, "Origin-Realm", IMPS_DIAMETER_TYPE_IDENTITY, M, FALSE },
  { 0, 297, "Experimental-Result", IMPS_DIAMETER_TYPE_GROUPED, M, FALSE },
  { 0, 298, "Experimental-Result-Code", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { 0, 299, "Inband-Security-Id", IMPS_DIAMETER_TYPE_U32, M, FALSE },
  { V3, 400, "GBA-UserSecSettings", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 401, "Transaction-Identifier", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 402, "NAF-Id", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 403, "GAA-Service-Identifier", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 404, "Key-ExpiryTime", IMPS_DIAMETER_TYPE_TIME, VM, FALSE },
  { V3, 405, "ME-Key-Material", IMPS_DIAMETER_TYPE_OCTETS, VM, TRUE },
  { V3, 406, "UICC-Key-Material", IMPS_DIAMETER_TYPE_OCTETS, VM, TRUE },
  { V3, 407, "GBA_U-Awareness-Indicator", IMPS_DIAMETER_TYPE_ENUM, VM, FALSE },
  { V3, 408, "BootstrapInfoCreationTime", IMPS_DIAMETER_TYPE_TIME, VM, FALSE },
  { V3, 409, "GUSS-Timestamp", IMPS_DIAMETER_TYPE_TIME, VM, FALSE },
  { V3, 410, "GBA-Type", IMPS_DIAMETER_TYPE_ENUM, VM, FALSE },
  { V3, 411, "UE-Id", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 412, "UE-Id-Type", IMPS_DIAMETER_TYPE_ENUM, VM, FALSE },
  { V3, 413, "UICC-App-Label", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 414, "UICC-ME", IMPS_DIAMETER_TYPE_ENUM, VM, FALSE },
  { V3, 415, "Requested-Key-Lifetime", IMPS_DIAMETER_TYPE_TIME, VM, FALSE },
  { V3, 416, "Private-Identity-Request", IMPS_DIAMETER_TYPE_ENUM, VM, FALSE },
  { V3, 417, "GBA-Push-Info", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 418, "NAF-SA-Identifier", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  { V3, 601, "Public-Identity", IMPS_DIAMETER_TYPE_UTF8, VM, FALSE },
  { V3, 602, "Server-Name", IMPS_DIAMETER_TYPE_UTF8, VM, FALSE },
  { V3, 607, "SIP-Number-Auth-Items", IMPS_DIAMETER_TYPE_U32, VM, FALSE },
  { V3, 608, "SIP-Authentication-Scheme", IMPS_DIAMETER_TYPE_UTF8, VM, FALSE },
  { V3, 609, "SIP-Authenticate", IMPS_DIAMETER_TYPE_OCTETS, VM, FALSE },
  /* In an MAA this is XRES, which must not be shown. */
  { V3, 610, "SIP-Authorization", IMPS_DIAMETER_TYPE_OCTETS, VM, TRUE },
  { V3, 612, "SIP-Auth-Data-Item", IMPS_DIAMETER_TYPE_GROUPED, VM, FALSE },
  { V3, 613, "SIP-Item-Number", IMPS_DIAMETER_TYPE_U32, VM, FALSE },
  { V3, 625, "Confidentiality-Key", IMPS_DIAMETER_TYPE_OCTETS, VM, TRUE },
  { V3, 626, "Integrity-Key", IMPS_DIAMETER_TYPE_OCTETS, VM, TRUE },
};

static int
dict_cmp (const void *key, const void *elem)
{
  const ImpsDiameterDictEntry *k = key, *e = elem;

  if (k->vendor != e->vendor)
    return k->vendor < e->vendor ? -1 : 1;
  if (k->code != e->code)
    return k->code < e->code ? -1 : 1;
  return 0;
}

const ImpsDiameterDictEntry *
imps_diameter_dict_lookup (guint32 vendor, guint32 code)
{
  ImpsDiameterDictEntry key = { .vendor = vendor, .code = code };

  return bsearch (&key, dict, G_N_ELEMENTS (dict), sizeof dict[0], dict_cmp);
}

const gchar *
imps_diameter_type_name (ImpsDiameterType type)
{
  switch (type)
    {
    case IMPS_DIAMETER_TYPE_OCTETS: return "OctetString";
    case IMPS_DIAMETER_TYPE_I32: return "Integer32";
    case IMPS_DIAMETER_TYPE_I64: return "Integer64";
    case IMPS_DIAMETER_TYPE_U32: return "Unsigned32";
    case IMPS_DIAMETER_TYPE_U64: return "Unsigned64";
    case IMPS_DIAMETER_TYPE_GROUPED: return "Grouped";
    case IMPS_DIAMETER_TYPE_ADDRESS: return "Address";
    case IMPS_DIAMETER_TYPE_TIME: return "Time";
    case IMPS_DIAMETER_TYPE_UTF8: return "UTF8String";
    case IMPS_DIAMETER_TYPE_IDENTITY: return "DiameterIdentity";
    case IMPS_DIAMETER_TYPE_URI: return "DiameterURI";
    case IMPS_DIAMETER_TYPE_ENUM: return "Enumerated";
    }
  return "unknown";
}

static const struct {
  guint32 code;
  const gchar *name, *request, *answer;
} commands[] = {
  { 257, "Capabilities-Exchange", "CER", "CEA" },
  { 258, "Re-Auth", "RAR", "RAA" },
  { 271, "Accounting", "ACR", "ACA" },
  { 274, "Abort-Session", "ASR", "ASA" },
  { 275, "Session-Termination", "STR", "STA" },
  { 280, "Device-Watchdog", "DWR", "DWA" },
  { 282, "Disconnect-Peer", "DPR", "DPA" },
  { 303, "Multimedia-Auth", "MAR", "MAA" },
  { 310, "Bootstrapping-Info", "BIR", "BIA" },
};

const gchar *
imps_diameter_command_name (guint32 command, gboolean request, gboolean short_form)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (commands[i].code == command)
      return short_form ? (request ? commands[i].request : commands[i].answer)
        : commands[i].name;
  return NULL;
}

typedef struct {
  guint32 vendor, code;
  gint32 value;
  const gchar *name;
} EnumName;

static const EnumName enums[] = {
  { 0, 261, 0, "DONT_CACHE" },
  { 0, 261, 1, "ALL_SESSION" },
  { 0, 261, 2, "ALL_REALM" },
  { 0, 261, 3, "REALM_AND_APPLICATION" },
  { 0, 261, 4, "ALL_APPLICATION" },
  { 0, 261, 5, "ALL_HOST" },
  { 0, 261, 6, "ALL_USER" },
  { 0, 273, 0, "REBOOTING" },
  { 0, 273, 1, "BUSY" },
  { 0, 273, 2, "DO_NOT_WANT_TO_TALK_TO_YOU" },
  { 0, 277, 0, "STATE_MAINTAINED" },
  { 0, 277, 1, "NO_STATE_MAINTAINED" },
  { 0, 299, 0, "NO_INBAND_SECURITY" },
  { 0, 299, 1, "TLS" },
  { V3, 407, 0, "NO" },
  { V3, 407, 1, "YES" },
  { V3, 410, 0, "3G GBA" },
  { V3, 410, 1, "2G GBA" },
  { V3, 412, 0, "PRIVATE_USER_ID" },
  { V3, 412, 1, "PUBLIC_USER_ID" },
  { V3, 414, 0, "GBA_ME" },
  { V3, 414, 1, "GBA_U" },
  { V3, 416, 0, "PRIVATE_IDENTITY_REQUESTED" },
  { V3, 416, 1, "PRIVATE_IDENTITY_NOT_REQUESTED" },
};

const gchar *
imps_diameter_enum_name (guint32 vendor, guint32 code, gint32 value)
{
  for (guint i = 0; i < G_N_ELEMENTS (enums); i++)
    if (enums[i].vendor == vendor && enums[i].code == code && enums[i].value == value)
      return enums[i].name;
  return NULL;
}

static const struct {
  guint32 code;
  const gchar *name;
} result_codes[] = {
  { 1001, "DIAMETER_MULTI_ROUND_AUTH" },
  { 2001, "DIAMETER_SUCCESS" },
  { 2002, "DIAMETER_LIMITED_SUCCESS" },
  { 3001, "DIAMETER_COMMAND_UNSUPPORTED" },
  { 3002, "DIAMETER_UNABLE_TO_DELIVER" },
  { 3003, "DIAMETER_REALM_NOT_SERVED" },
  { 3004, "DIAMETER_TOO_BUSY" },
  { 3005, "DIAMETER_LOOP_DETECTED" },
  { 3006, "DIAMETER_REDIRECT_INDICATION" },
  { 3007, "DIAMETER_APPLICATION_UNSUPPORTED" },
  { 3008, "DIAMETER_INVALID_HDR_BITS" },
  { 3009, "DIAMETER_INVALID_AVP_BITS" },
  { 3010, "DIAMETER_UNKNOWN_PEER" },
  { 4001, "DIAMETER_AUTHENTICATION_REJECTED" },
  { 4002, "DIAMETER_OUT_OF_SPACE" },
  { 4003, "DIAMETER_ELECTION_LOST" },
  { 5001, "DIAMETER_AVP_UNSUPPORTED" },
  { 5002, "DIAMETER_UNKNOWN_SESSION_ID" },
  { 5003, "DIAMETER_AUTHORIZATION_REJECTED" },
  { 5004, "DIAMETER_INVALID_AVP_VALUE" },
  { 5005, "DIAMETER_MISSING_AVP" },
  { 5006, "DIAMETER_RESOURCES_EXCEEDED" },
  { 5007, "DIAMETER_CONTRADICTING_AVPS" },
  { 5008, "DIAMETER_AVP_NOT_ALLOWED" },
  { 5009, "DIAMETER_AVP_OCCURS_TOO_MANY_TIMES" },
  { 5010, "DIAMETER_NO_COMMON_APPLICATION" },
  { 5011, "DIAMETER_UNSUPPORTED_VERSION" },
  { 5012, "DIAMETER_UNABLE_TO_COMPLY" },
  { 5013, "DIAMETER_INVALID_BIT_IN_HEADER" },
  { 5014, "DIAMETER_INVALID_AVP_LENGTH" },
  { 5015, "DIAMETER_INVALID_MESSAGE_LENGTH" },
  { 5016, "DIAMETER_INVALID_AVP_BIT_COMBO" },
  { 5017, "DIAMETER_NO_COMMON_SECURITY" },
}, experimental_codes[] = {
  { 4181, "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE" },
  { 5401, "DIAMETER_ERROR_IDENTITY_UNKNOWN" },
  { 5402, "DIAMETER_ERROR_NOT_AUTHORIZED" },
  { 5403, "DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID" },
};

const gchar *
imps_diameter_result_code_name (guint32 code, gboolean experimental)
{
  if (experimental)
    {
      for (guint i = 0; i < G_N_ELEMENTS (experimental_codes); i++)
        if (experimental_codes[i].code == code)
          return experimental_codes[i].name;
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (result_codes); i++)
    if (result_codes[i].code == code)
      return result_codes[i].name;
  return NULL;
}

/* ---- rendering ---- */

static gboolean
is_printable (const guint8 *data, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (data[i] < 0x20 || data[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static void
append_quoted (GString *s, const guint8 *data, gsize len)
{
  g_string_append_c (s, '"');
  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];
      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else
        g_string_append_c (s, (gchar) c); /* printable ASCII or valid UTF-8 */
    }
  g_string_append_c (s, '"');
}

static void
append_hex (GString *s, const guint8 *data, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";

  if (len == 0)
    {
      g_string_append (s, "(empty)");
      return;
    }
  for (gsize i = 0; i < len; i++)
    {
      g_string_append_c (s, digits[data[i] >> 4]);
      g_string_append_c (s, digits[data[i] & 15]);
    }
}

static void
append_invalid (GString *s, const ImpsDiameterAvp *avp, const gchar *why)
{
  g_string_append_printf (s, "invalid (%s): ", why);
  append_hex (s, avp->data, avp->len);
}

static void
append_time (GString *s, guint32 ntp)
{
  gint64 unix_seconds = imps_diameter_time_to_unix (ntp);
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);

  if (dt != NULL)
    {
      g_autofree gchar *iso = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
      g_string_append_printf (s, "%s (NTP %u)", iso, ntp);
    }
  else
    g_string_append_printf (s, "NTP %u", ntp);
}

gchar *
imps_diameter_avp_render (const ImpsDiameterAvp *avp, ImpsDiameterRenderFlags flags)
{
  g_return_val_if_fail (avp != NULL, NULL);

  const ImpsDiameterDictEntry *e = imps_diameter_dict_lookup (avp->vendor_id, avp->code);
  GString *s = g_string_sized_new (32 + 2 * (gsize) MIN (avp->len, 1024u));

  if (e != NULL && e->secret && !(flags & IMPS_DIAMETER_RENDER_SECRETS))
    {
      g_string_append_printf (s, "<%u bytes, secret>", avp->len);
      return g_string_free (s, FALSE);
    }

  ImpsDiameterType type = e != NULL ? e->type : IMPS_DIAMETER_TYPE_OCTETS;
  switch (type)
    {
    case IMPS_DIAMETER_TYPE_U32:
    case IMPS_DIAMETER_TYPE_I32:
    case IMPS_DIAMETER_TYPE_ENUM:
    case IMPS_DIAMETER_TYPE_TIME:
      if (avp->len != 4)
        {
          append_invalid (s, avp, "needs 4 bytes");
          break;
        }
      {
        guint32 v = imps_load_u32 (avp->data);
        const gchar *name = NULL;
        if (type == IMPS_DIAMETER_TYPE_TIME)
          append_time (s, v);
        else if (type == IMPS_DIAMETER_TYPE_U32)
          {
            g_string_append_printf (s, "%u", v);
            if (avp->vendor_id == 0 && avp->code == IMPS_DIAMETER_AVP_RESULT_CODE)
              name = imps_diameter_result_code_name (v, FALSE);
            else if (avp->vendor_id == 0 && avp->code == IMPS_DIAMETER_AVP_EXPERIMENTAL_RESULT_CODE)
              name = imps_diameter_result_code_name (v, TRUE);
            else if (avp->vendor_id == 0 && avp->code == IMPS_DIAMETER_AVP_INBAND_SECURITY_ID)
              name = imps_diameter_enum_name (0, avp->code, (gint32) v);
          }
        else
          {
            g_string_append_printf (s, "%d", (gint32) v);
            if (type == IMPS_DIAMETER_TYPE_ENUM)
              name = imps_diameter_enum_name (avp->vendor_id, avp->code, (gint32) v);
          }
        if (name != NULL)
          g_string_append_printf (s, " (%s)", name);
      }
      break;
    case IMPS_DIAMETER_TYPE_U64:
    case IMPS_DIAMETER_TYPE_I64:
      if (avp->len != 8)
        {
          append_invalid (s, avp, "needs 8 bytes");
          break;
        }
      {
        guint64 v = ((guint64) imps_load_u32 (avp->data) << 32) | imps_load_u32 (avp->data + 4);
        if (type == IMPS_DIAMETER_TYPE_U64)
          g_string_append_printf (s, "%" G_GUINT64_FORMAT, v);
        else
          g_string_append_printf (s, "%" G_GINT64_FORMAT, (gint64) v);
      }
      break;
    case IMPS_DIAMETER_TYPE_UTF8:
    case IMPS_DIAMETER_TYPE_IDENTITY:
    case IMPS_DIAMETER_TYPE_URI:
      if (!g_utf8_validate_len ((const gchar *) avp->data, avp->len, NULL))
        append_invalid (s, avp, "not UTF-8");
      else
        append_quoted (s, avp->data, avp->len);
      break;
    case IMPS_DIAMETER_TYPE_ADDRESS:
      {
        guint8 addr[16];
        guint16 family;
        gchar text[INET6_ADDRSTRLEN];
        if (!imps_diameter_avp_get_address (avp, &family, addr, NULL))
          append_invalid (s, avp, "not an IPv4 or IPv6 address");
        else
          {
            inet_ntop (family == IMPS_DIAMETER_ADDRESS_IPV4 ? AF_INET : AF_INET6,
                       addr, text, sizeof text);
            g_string_append (s, text);
          }
      }
      break;
    case IMPS_DIAMETER_TYPE_GROUPED:
      {
        ImpsDiameterAvpIter iter;
        ImpsDiameterAvp child;
        GError *error = NULL;
        guint n = 0;
        imps_diameter_avp_iter_init (&iter, avp->data, avp->len,
                                     avp->offset + ((avp->flags & IMPS_DIAMETER_AVP_FLAG_V) ? 12u : 8u));
        while (imps_diameter_avp_iter_next (&iter, &child, &error))
          n++;
        if (error != NULL)
          {
            g_string_append_printf (s, "invalid group: %s", error->message);
            g_error_free (error);
          }
        else
          g_string_append_printf (s, "{%u AVP%s}", n, n == 1 ? "" : "s");
      }
      break;
    case IMPS_DIAMETER_TYPE_OCTETS:
      if (is_printable (avp->data, avp->len))
        append_quoted (s, avp->data, avp->len);
      else
        append_hex (s, avp->data, avp->len);
      break;
    }
  return g_string_free (s, FALSE);
}
