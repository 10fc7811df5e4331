/* Internal helpers shared by the files of src/core/sip. */
#pragma once

#include <glib.h>

#include "imps-sip-headers.h"

G_BEGIN_DECLS

/* TRUE when @c is a character of @set (never for NUL). */
gboolean imps_sip_in_set (gchar c, const gchar *set);
/* A hostname, IPv4 address or IPv6 address (without brackets). */
gboolean imps_sip_host_check (const gchar *s, gsize len, gboolean *is_ipv6);
/* Appends a parameter, taking both strings. */
void imps_sip_params_add_take (GPtrArray *params, gchar *name, gchar *value);
/* Character classes (imps-sip-chars.c): one bit each. */
#define IMPS_SIP_C_TOKEN      0x0001  /* token */
#define IMPS_SIP_C_UNRESERVED 0x0002  /* alphanum / mark */
#define IMPS_SIP_C_USER       0x0004  /* unreserved / user-unreserved */
#define IMPS_SIP_C_PASSWORD   0x0008  /* unreserved / & = + $ , */
#define IMPS_SIP_C_PARAM      0x0010  /* unreserved / param-unreserved */
#define IMPS_SIP_C_HNV        0x0020  /* unreserved / hnv-unreserved */
#define IMPS_SIP_C_WORD       0x0040  /* word (Call-ID) */
#define IMPS_SIP_C_HOST       0x0080  /* alphanum / - / . */
#define IMPS_SIP_C_TEL_PNAME  0x0100  /* alphanum / - (RFC 3966 pname) */
#define IMPS_SIP_C_GEN_VALUE  0x0200  /* token / : [ ] (gen-value, unquoted) */

extern const guint16 imps_sip_char_class[256];

static inline gboolean
imps_sip_char_is (gchar c, guint16 cls)
{
  return (imps_sip_char_class[(guchar) c] & cls) != 0;
}

/* RFC 3261 token character. */
static inline gboolean
imps_sip_is_token_char (gchar c)
{
  return imps_sip_char_is (c, IMPS_SIP_C_TOKEN);
}

/* One element of a comma-separated list starting at @p (NUL-terminated):
 * @start, @len: the trimmed element; returns the text after the comma, or
 * NULL at the end. *ok (if not NULL) is FALSE for an unterminated quoted
 * string or <...>. */
const gchar *imps_sip_split_element (const gchar *p, const gchar **start,
                                     gsize *len, gboolean *ok);
/* Scans one name-addr / addr-spec with header parameters; fills @out when
 * not NULL; points @tag, @tag_len (when not NULL) at the tag parameter's
 * value (NULL when none). No allocation when @out is NULL. */
gboolean imps_sip_name_addr_scan (const gchar *text, gsize len,
                                  gboolean allow_star, ImpsSipNameAddr *out,
                                  const gchar **tag, gsize *tag_len,
                                  GError **error);
/* Scans one via-parm; fills @out when not NULL. */
gboolean imps_sip_via_scan (const gchar *text, gsize len, ImpsSipVia *out,
                            GError **error);

G_END_DECLS
