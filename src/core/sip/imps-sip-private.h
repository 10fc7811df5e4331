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
/* RFC 3261 token character. */
gboolean imps_sip_is_token_char (gchar c);

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
