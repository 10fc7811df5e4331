/* SDP (RFC 4566): parse and build session descriptions, plus the IMS media
 * security attributes that are not SDES: a=key-mgmt (RFC 4567) and
 * a=3ge2ae (TS 24.229 §7.5.2), a=extmap (RFC 8285) and a=rtcp (RFC 3605). SDES (a=crypto) lives in imps-sdes.h.
 *
 * Model. An ImpsSdp is an ordered list of session-level lines followed by
 * media sections, each an ordered list of lines starting with its m= line.
 * Every line keeps its text, so lines whose type the parser does not know
 * are kept in place and building reproduces a canonical input byte for byte
 * (CRLF line ends; LF alone is accepted on input). The parser checks the
 * grammar of every known line type and the line order of RFC 4566 §5; the
 * typed views (origin, connection, media fields, attributes) are read from
 * the line text on demand.
 *
 * Ownership. Everything returned as `const` belongs to the ImpsSdp and
 * stays valid until the line is changed or removed, or the ImpsSdp is freed.
 * An SDP may carry keys (a=crypto inline:), so imps_sdp_free() wipes all
 * text, and the caller should wipe the string imps_sdp_to_string() returns
 * (imps_sdp_string_free()).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_SDP_ERROR (imps_sdp_error_quark ())
GQuark imps_sdp_error_quark (void);

typedef enum {
  IMPS_SDP_ERROR_SYNTAX,            /* a line or field does not follow its grammar */
  IMPS_SDP_ERROR_ORDER,             /* line types out of RFC 4566 order, or missing */
  IMPS_SDP_ERROR_LIMIT,             /* a size or count bound was exceeded */
  IMPS_SDP_ERROR_BASE64,            /* bad base64 (alphabet, padding, trailing bits) */
  IMPS_SDP_ERROR_KEY_LENGTH,        /* key||salt length does not fit the crypto suite */
  IMPS_SDP_ERROR_UNKNOWN_PARAM,     /* mandatory (no '-') unknown a=crypto session parameter */
  IMPS_SDP_ERROR_UNSUPPORTED_SUITE, /* crypto suite not supported by this simulator */
  IMPS_SDP_ERROR_REFUSED,           /* a=crypto parameter that cannot be honoured (profile §5) */
  IMPS_SDP_ERROR_NO_ACCEPTABLE,     /* offer has no a=crypto line we can accept */
  IMPS_SDP_ERROR_MISMATCH,          /* answer does not match the offer */
  IMPS_SDP_ERROR_NOT_FOUND,         /* an attribute or section that was asked for is absent */
} ImpsSdpError;

/* Bounds of the parser. */
#define IMPS_SDP_MAX_SIZE       (64 * 1024) /* whole description, bytes */
#define IMPS_SDP_MAX_LINE       8192        /* one line without its line end */
#define IMPS_SDP_MAX_LINES      512         /* lines in the whole description */
#define IMPS_SDP_MAX_MEDIA      32          /* m= sections */
#define IMPS_SDP_MAX_ATTRIBUTES 128         /* a= lines per section (session or media) */

typedef struct {
  gchar type;    /* 'v', 'o', 'a', ...: any of 'a'..'z' */
  guint32 len;   /* length of value */
  gchar *value;  /* text after "x=", NUL-terminated, owned by the ImpsSdp */
  gboolean owned;
} ImpsSdpLine;

typedef struct _ImpsSdp ImpsSdp;
typedef struct _ImpsSdpMedia ImpsSdpMedia;

/* Parsing and building. */
ImpsSdp *imps_sdp_parse (const gchar *text, gsize len, GError **error);
/* A description with no lines; add them in RFC 4566 order. */
ImpsSdp *imps_sdp_new (void);
void imps_sdp_free (ImpsSdp *sdp);
/* The description as text with CRLF line ends; @len may be NULL. Free with
 * imps_sdp_string_free() (it may hold keys). */
gchar *imps_sdp_to_string (const ImpsSdp *sdp, gsize *len);
void imps_sdp_string_free (gchar *text);

/* Session-level lines (everything before the first m=), in order. */
guint imps_sdp_n_lines (const ImpsSdp *sdp);
const ImpsSdpLine *imps_sdp_get_line (const ImpsSdp *sdp, guint i);
/* The value of the first session-level line of @type, or NULL. */
const gchar *imps_sdp_find_line (const ImpsSdp *sdp, gchar type);
/* Appends a session-level line after checking its grammar. The caller keeps
 * RFC 4566 order (v o s i u e p c b t r z k a); imps_sdp_parse() checks it. */
gboolean imps_sdp_add_line (ImpsSdp *sdp, gchar type, const gchar *value, GError **error);
/* Replaces the value of session-level line @i (same type), grammar checked. */
gboolean imps_sdp_set_line (ImpsSdp *sdp, guint i, const gchar *value, GError **error);

guint imps_sdp_n_media (const ImpsSdp *sdp);
ImpsSdpMedia *imps_sdp_get_media (const ImpsSdp *sdp, guint i);
/* Appends a media section "m=<media> <port>[/<nports>] <proto> <formats>";
 * @nports 0 means no "/count"; @formats is the space-separated format list.
 * Returns the section (owned by @sdp) or NULL with @error. */
ImpsSdpMedia *imps_sdp_add_media (ImpsSdp *sdp, const gchar *media, guint port,
                                  guint nports, const gchar *proto,
                                  const gchar *formats, GError **error);

/* A media section. Line 0 is its m= line. */
guint imps_sdp_media_n_lines (const ImpsSdpMedia *m);
const ImpsSdpLine *imps_sdp_media_get_line (const ImpsSdpMedia *m, guint i);
const gchar *imps_sdp_media_find_line (const ImpsSdpMedia *m, gchar type);
gboolean imps_sdp_media_add_line (ImpsSdpMedia *m, gchar type, const gchar *value, GError **error);
const gchar *imps_sdp_media_get_media (const ImpsSdpMedia *m);   /* "audio" */
guint imps_sdp_media_get_port (const ImpsSdpMedia *m);
guint imps_sdp_media_get_nports (const ImpsSdpMedia *m);         /* 0: absent */
const gchar *imps_sdp_media_get_proto (const ImpsSdpMedia *m);   /* "RTP/SAVP" */
const gchar *imps_sdp_media_get_formats (const ImpsSdpMedia *m); /* "0 8 97" */
/* Sets the port (0 rejects the stream in an answer, RFC 3264 §6). */
void imps_sdp_media_set_port (ImpsSdpMedia *m, guint port);

/* Attributes "a=<name>[:<value>]". The value is NULL for a property
 * attribute (a=sendrecv). @index counts from 0 over every a= line of the
 * section. */
guint imps_sdp_n_attributes (const ImpsSdp *sdp);
gboolean imps_sdp_get_attribute (const ImpsSdp *sdp, guint index,
                                 const gchar **name, gsize *name_len,
                                 const gchar **value);
guint imps_sdp_media_n_attributes (const ImpsSdpMedia *m);
gboolean imps_sdp_media_get_attribute (const ImpsSdpMedia *m, guint index,
                                       const gchar **name, gsize *name_len,
                                       const gchar **value);
/* The value of the @nth (from 0) attribute called @name, or NULL (also
 * NULL for a property attribute; use the *_has_attribute() functions). */
const gchar *imps_sdp_find_attribute (const ImpsSdp *sdp, const gchar *name, guint nth);
const gchar *imps_sdp_media_find_attribute (const ImpsSdpMedia *m, const gchar *name, guint nth);
gboolean imps_sdp_media_has_attribute (const ImpsSdpMedia *m, const gchar *name);
/* Appends "a=name[:value]" at the end of the section (attributes come last). */
gboolean imps_sdp_add_attribute (ImpsSdp *sdp, const gchar *name, const gchar *value, GError **error);
gboolean imps_sdp_media_add_attribute (ImpsSdpMedia *m, const gchar *name, const gchar *value, GError **error);
/* Removes every attribute called @name; returns how many. The P-CSCF uses
 * this to strip a=crypto (profile §5). */
guint imps_sdp_remove_attributes (ImpsSdp *sdp, const gchar *name);
guint imps_sdp_media_remove_attributes (ImpsSdpMedia *m, const gchar *name);

/* Typed views of o= and c= (RFC 4566 §5.2, §5.7). Strings are owned by the
 * struct; clear with the *_clear() function. */
typedef struct {
  gchar *username;
  gchar *sess_id;      /* decimal digits, kept as text */
  gchar *sess_version; /* decimal digits, kept as text */
  gchar *nettype;
  gchar *addrtype;
  gchar *address;
} ImpsSdpOrigin;

typedef struct {
  gchar *nettype;
  gchar *addrtype;
  gchar *address;      /* with any /ttl/count suffix */
} ImpsSdpConnection;

gboolean imps_sdp_origin_parse (const gchar *value, ImpsSdpOrigin *out, GError **error);
gchar *imps_sdp_origin_to_string (const ImpsSdpOrigin *o);
void imps_sdp_origin_clear (ImpsSdpOrigin *o);
gboolean imps_sdp_connection_parse (const gchar *value, ImpsSdpConnection *out, GError **error);
gchar *imps_sdp_connection_to_string (const ImpsSdpConnection *c);
void imps_sdp_connection_clear (ImpsSdpConnection *c);
/* The c= that applies to media section @m: its own first c=, else the
 * session's. NULL if neither (the parser never lets that happen). */
const gchar *imps_sdp_media_connection (const ImpsSdp *sdp, const ImpsSdpMedia *m);

/* ---- a=key-mgmt (RFC 4567 §3) ---------------------------------------- */

#define IMPS_SDP_KEY_MGMT_MAX_PRTCL 32 /* bytes of a prtcl-id */

typedef struct {
  gchar prtcl_id[IMPS_SDP_KEY_MGMT_MAX_PRTCL + 1]; /* "mikey" */
  GBytes *data;                                    /* the decoded key management message */
} ImpsSdpKeyMgmt;

/* Parses the attribute value (after "key-mgmt:"): [SP] prtcl-id SP base64. */
ImpsSdpKeyMgmt *imps_sdp_key_mgmt_parse (const gchar *value, gsize len, GError **error);
ImpsSdpKeyMgmt *imps_sdp_key_mgmt_new (const gchar *prtcl_id, const guint8 *data, gsize len);
void imps_sdp_key_mgmt_free (ImpsSdpKeyMgmt *km);
/* The attribute value "prtcl-id base64". */
gchar *imps_sdp_key_mgmt_to_string (const ImpsSdpKeyMgmt *km);

/* Every a=key-mgmt of the session level (@media NULL) or of one media
 * section, in order, as an array of ImpsSdpKeyMgmt (free with
 * g_ptr_array_unref). An empty array when there is none. */
GPtrArray *imps_sdp_key_mgmt_list (const ImpsSdp *sdp, const ImpsSdpMedia *media, GError **error);
/* The list that applies to @media (RFC 4567 §3.1): the media-level
 * a=key-mgmt lines when there is at least one, else the session-level ones. */
GPtrArray *imps_sdp_key_mgmt_effective (const ImpsSdp *sdp, const ImpsSdpMedia *media, GError **error);
/* The "SDP IDs" string for the MIKEY General Extension type 1 (RFC 4567
 * §3.1, §7): the prtcl-ids of @list in order, joined with ';' ("mikey",
 * "mikey;keyp1"). */
gchar *imps_sdp_key_mgmt_ids (GPtrArray *list);
/* Appends an a=key-mgmt line (session level when @media is NULL). */
gboolean imps_sdp_add_key_mgmt (ImpsSdp *sdp, ImpsSdpMedia *media, const gchar *prtcl_id,
                                const guint8 *data, gsize len, GError **error);

/* ---- a=3ge2ae (TS 24.229 §7.5.2, digest §14.4) ---------------------------- */

typedef enum {
  IMPS_SDP_E2AE_REQUESTED, /* "requested": the UE asks for e2ae protection */
  IMPS_SDP_E2AE_APPLIED,   /* "applied": e2ae protection was applied */
  IMPS_SDP_E2AE_OTHER,     /* another token: ignored by the receiver */
} ImpsSdpE2ae;

/* Parses an a=3ge2ae value; @token (may be NULL) receives a copy of the
 * indicator text for IMPS_SDP_E2AE_OTHER. */
gboolean imps_sdp_e2ae_parse (const gchar *value, gsize len, ImpsSdpE2ae *out,
                              gchar **token, GError **error);
const gchar *imps_sdp_e2ae_to_string (ImpsSdpE2ae e2ae);
/* Reads a=3ge2ae of @m: FALSE when absent (no error), or malformed (@error set). */
gboolean imps_sdp_media_get_e2ae (const ImpsSdpMedia *m, ImpsSdpE2ae *out, GError **error);

/* ---- a=extmap (RFC 8285 §7) ------------------------------------------- */

#define IMPS_SDP_EXTMAP_MAX_ID  255 /* the two-byte form's IDs; 1..14 fit the one-byte form */
#define IMPS_SDP_EXTMAP_MAX_URI 256 /* bytes of an extension name */
#define IMPS_SDP_EXTMAP_MAX_ATTRIBUTES 1024 /* bytes of extension attributes */

typedef enum {
  IMPS_SDP_EXTMAP_DIR_NONE,      /* no "/direction": as the stream's direction */
  IMPS_SDP_EXTMAP_DIR_SENDONLY,
  IMPS_SDP_EXTMAP_DIR_RECVONLY,
  IMPS_SDP_EXTMAP_DIR_SENDRECV,
  IMPS_SDP_EXTMAP_DIR_INACTIVE,
} ImpsSdpExtmapDirection;

typedef struct {
  guint id;                         /* 1..255 */
  ImpsSdpExtmapDirection direction;
  gchar *uri;                       /* the extension name, an absolute URI */
  gchar *attributes;                /* extension attributes, or NULL */
} ImpsSdpExtmap;

/* Parses an a=extmap value (after "extmap:"):
 * ID ["/" direction] SP URI [SP attributes]. IDs outside 1..255, an unknown
 * direction, a URI with no scheme, or a control character are refused. */
gboolean imps_sdp_extmap_parse (const gchar *value, gsize len, ImpsSdpExtmap *out,
                                GError **error);
void imps_sdp_extmap_clear (ImpsSdpExtmap *e);
/* The attribute value, as parsed. */
gchar *imps_sdp_extmap_to_string (const ImpsSdpExtmap *e);
/* The ID that @uri has in the a=extmap lines that apply to @media (its own,
 * then the session's, RFC 8285 §7): TRUE with *@id when one names @uri.
 * FALSE with @error unset when none does; FALSE with @error set when an
 * a=extmap line does not parse, or two lines of a level give one ID to two
 * extensions. */
gboolean imps_sdp_media_find_extmap (const ImpsSdp *sdp, const ImpsSdpMedia *media,
                                     const gchar *uri, guint *id, GError **error);
/* Appends "a=extmap:ID URI" to @media. */
gboolean imps_sdp_media_add_extmap (ImpsSdpMedia *media, guint id, const gchar *uri,
                                    GError **error);

/* ---- a=rtcp (RFC 3605 §2.1) and a=rtcp-mux (RFC 5761 §5.1.1) --------- */

#define IMPS_SDP_RTCP_MAX_ADDRESS 255 /* bytes of a connection address */

typedef struct {
  guint16 port;                                  /* 1..65535 */
  gboolean has_address;                          /* the optional address part was there */
  gchar nettype[8];                              /* "IN" */
  gchar addrtype[8];                             /* "IP4" or "IP6" */
  gchar address[IMPS_SDP_RTCP_MAX_ADDRESS + 1];  /* as written (an FQDN is allowed) */
} ImpsSdpRtcp;

/* Parses an a=rtcp value (after "rtcp:"):
 * port [SP nettype SP addrtype SP connection-address]. A port outside
 * 1..65535, a nettype other than IN, an addrtype other than IP4 or IP6, an
 * empty or over-long address, a '/' (no TTL or count in RFC 3605), a control
 * character or anything after the address is refused. */
gboolean imps_sdp_rtcp_parse (const gchar *value, gsize len, ImpsSdpRtcp *out, GError **error);
/* Reads the first a=rtcp of @m: FALSE when absent (no error), or malformed
 * (@error set). */
gboolean imps_sdp_media_get_rtcp (const ImpsSdpMedia *m, ImpsSdpRtcp *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSdp, imps_sdp_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSdpKeyMgmt, imps_sdp_key_mgmt_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsSdpOrigin, imps_sdp_origin_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsSdpConnection, imps_sdp_connection_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsSdpExtmap, imps_sdp_extmap_clear)

G_END_DECLS
