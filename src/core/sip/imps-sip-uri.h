/* SIP, SIPS and tel URIs (RFC 3261 §19.1 and §25.1, RFC 3966): parse and
 * build, with %XX escapes decoded on parse and applied on build.
 *
 * Also holds the module's error domain and the bounds every SIP parser of
 * this module enforces.
 */
#pragma once

#include <glib.h>

#include "imps-common.h"

G_BEGIN_DECLS

#define IMPS_SIP_ERROR (imps_sip_error_quark ())
GQuark imps_sip_error_quark (void);

typedef enum {
  IMPS_SIP_ERROR_START_LINE,      /* request or status line does not parse */
  IMPS_SIP_ERROR_VERSION,         /* SIP-Version is not SIP/2.0 */
  IMPS_SIP_ERROR_LINE,            /* line without CRLF, control character, no empty line */
  IMPS_SIP_ERROR_HEADER,          /* a header line or header value does not parse */
  IMPS_SIP_ERROR_MISSING_HEADER,  /* a mandatory header is absent */
  IMPS_SIP_ERROR_CONTENT_LENGTH,  /* Content-Length bad or not the body length */
  IMPS_SIP_ERROR_TOO_LARGE,       /* one of the bounds below exceeded */
  IMPS_SIP_ERROR_URI,             /* a URI does not parse */
  IMPS_SIP_ERROR_TOO_MANY_HOPS,   /* Max-Forwards is 0: answer 483 */
} ImpsSipError;

/* Bounds (profile choices of this project, see the module's report). */
#define IMPS_SIP_MAX_MESSAGE     IMPS_MAX_MESSAGE_SIZE  /* whole message, bytes */
#define IMPS_SIP_MAX_LINE        8192   /* start line or one header (after unfolding) */
#define IMPS_SIP_MAX_HEADERS     128    /* header lines per message */
#define IMPS_SIP_MAX_VALUES      64     /* comma-separated values of one header name */
#define IMPS_SIP_MAX_URI         1024   /* one URI, bytes as written */
#define IMPS_SIP_MAX_PARAMS      32     /* parameters of one URI or one header value */
#define IMPS_SIP_MAX_METHOD      32     /* method name length */

/* A parameter ";name=value" or "name=value" (URI header). @value is NULL
 * when the parameter has no "=". Both are owned by the parameter. */
typedef struct {
  gchar *name;
  gchar *value;
} ImpsSipParam;

void imps_sip_param_free (ImpsSipParam *param);
/* A GPtrArray of ImpsSipParam with its free function set. */
GPtrArray *imps_sip_params_new (void);
/* Case-insensitive lookup by name. Returns TRUE when present; *value (if
 * not NULL) gets the value, which is NULL for a parameter without "=". */
gboolean imps_sip_params_lookup (GPtrArray *params, const gchar *name,
                                 const gchar **value);
/* Convenience: the value or NULL (absent, or present without "="). */
const gchar *imps_sip_params_get (GPtrArray *params, const gchar *name);
/* Replaces the value of the first parameter of that name (removing later
 * ones) or appends it. @value NULL means a parameter without "=". */
void imps_sip_params_set (GPtrArray *params, const gchar *name,
                          const gchar *value);
/* Removes every parameter of that name; returns how many. */
guint imps_sip_params_remove (GPtrArray *params, const gchar *name);
GPtrArray *imps_sip_params_copy (GPtrArray *params);

typedef enum {
  IMPS_SIP_URI_SIP,
  IMPS_SIP_URI_SIPS,
  IMPS_SIP_URI_TEL,
  IMPS_SIP_URI_OTHER,   /* any other absoluteURI: kept as scheme + opaque text */
} ImpsSipUriScheme;

/* A parsed URI. All strings are owned by the URI and unescaped.
 *
 * sip/sips: @user and @password NULL when absent; @host never NULL, IPv6
 *   references without the brackets (@host_is_ipv6 set); @port -1 when
 *   absent; @params the uri-parameters in order; @headers the "?h=v&..."
 *   part in order (ImpsSipParam with a non-NULL value, possibly "").
 * tel: @user is the telephone-subscriber number as written, "+..." for a
 *   global number; @params its parameters (ext, isub, phone-context, ...);
 *   @host NULL, @port -1.
 * other: @scheme_name as written, @opaque everything after the ':'.
 */
typedef struct {
  ImpsSipUriScheme scheme;
  gchar *scheme_name;   /* lower case for sip, sips and tel */
  gchar *user;
  gchar *password;
  gchar *host;
  gboolean host_is_ipv6;
  gint port;
  GPtrArray *params;    /* ImpsSipParam */
  GPtrArray *headers;   /* ImpsSipParam */
  gchar *opaque;        /* IMPS_SIP_URI_OTHER only */
} ImpsSipUri;

/* Parses @len bytes of @text (@len -1: NUL-terminated). The whole text
 * must be one URI; at most IMPS_SIP_MAX_URI bytes. Errors are
 * IMPS_SIP_ERROR_URI (with the byte offset) or IMPS_SIP_ERROR_TOO_LARGE. */
ImpsSipUri *imps_sip_uri_parse (const gchar *text, gssize len, GError **error);
/* The same checks without building anything (no allocation). */
gboolean imps_sip_uri_validate (const gchar *text, gssize len, GError **error);

/* A sip: or sips: URI; @user may be NULL, @port -1 for none. A host that
 * contains ':' is taken as an IPv6 address. */
ImpsSipUri *imps_sip_uri_new (ImpsSipUriScheme scheme, const gchar *user,
                              const gchar *host, gint port);
/* A tel: URI with @number ("+..." global, or local with phone-context set
 * by the caller through imps_sip_uri_set_param()). */
ImpsSipUri *imps_sip_uri_new_tel (const gchar *number);
ImpsSipUri *imps_sip_uri_copy (const ImpsSipUri *uri);
void imps_sip_uri_free (ImpsSipUri *uri);

const gchar *imps_sip_uri_get_param (const ImpsSipUri *uri, const gchar *name);
gboolean imps_sip_uri_has_param (const ImpsSipUri *uri, const gchar *name);
void imps_sip_uri_set_param (ImpsSipUri *uri, const gchar *name,
                             const gchar *value);

/* Writes the URI, escaping what each component needs. */
void imps_sip_uri_append (const ImpsSipUri *uri, GString *out);
gchar *imps_sip_uri_to_string (const ImpsSipUri *uri);

/* URI equality after RFC 3261 §19.1.4 for sip/sips (scheme, user and
 * password case-sensitive, host case-insensitive, user/ttl/method/maddr/
 * transport parameters must match when present in either, other
 * parameters only when present in both, headers all); tel: number
 * ignoring visual separators, parameters as a set; other: exact text. */
gboolean imps_sip_uri_equal (const ImpsSipUri *a, const ImpsSipUri *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipUri, imps_sip_uri_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSipParam, imps_sip_param_free)

G_END_DECLS
