/* Diameter dictionary: names, types and flags of the base (RFC 6733), Zh and
 * Zn (TS 29.109, gba.md §9-10) AVPs and commands, and rendering of AVP
 * values as text (for `impsim decode` and traces).
 *
 * The tables are static and read-only; returned pointers stay valid for
 * the life of the program.
 */
#pragma once

#include "imps-diameter.h"

G_BEGIN_DECLS

typedef enum {
  IMPS_DIAMETER_TYPE_OCTETS,
  IMPS_DIAMETER_TYPE_I32,
  IMPS_DIAMETER_TYPE_I64,
  IMPS_DIAMETER_TYPE_U32,
  IMPS_DIAMETER_TYPE_U64,
  IMPS_DIAMETER_TYPE_GROUPED,
  IMPS_DIAMETER_TYPE_ADDRESS,
  IMPS_DIAMETER_TYPE_TIME,
  IMPS_DIAMETER_TYPE_UTF8,
  IMPS_DIAMETER_TYPE_IDENTITY,
  IMPS_DIAMETER_TYPE_URI,
  IMPS_DIAMETER_TYPE_ENUM,
} ImpsDiameterType;

typedef struct {
  guint32 vendor;
  guint32 code;
  const gchar *name;
  ImpsDiameterType type;
  guint8 flags;        /* the flags this project sends (V and M as required) */
  gboolean secret;     /* key material: rendered without its value */
} ImpsDiameterDictEntry;

/* The entry for (@vendor, @code), or NULL. */
const ImpsDiameterDictEntry *imps_diameter_dict_lookup (guint32 vendor, guint32 code);

/* Name of a type ("OctetString", "Grouped", ...). */
const gchar *imps_diameter_type_name (ImpsDiameterType type);

/* Name of a command ("Capabilities-Exchange", "Multimedia-Auth", ...) or
 * NULL; the short form ("CER", "CEA", "MAR", ...) when @short_form, which
 * needs @request. */
const gchar *imps_diameter_command_name (guint32 command, gboolean request,
                                         gboolean short_form);

/* Name of an Enumerated value of (@vendor, @code) or NULL. */
const gchar *imps_diameter_enum_name (guint32 vendor, guint32 code, gint32 value);

typedef enum {
  IMPS_DIAMETER_RENDER_DEFAULT = 0,
  IMPS_DIAMETER_RENDER_SECRETS = 1 << 0,  /* print key material in hex */
} ImpsDiameterRenderFlags;

/* The value of @avp as one line of text: numbers in decimal (with the
 * enumerated or result-code name), strings quoted with escapes, octets in
 * hex (or quoted when printable text), addresses, times in UTC ISO 8601,
 * grouped AVPs as "{N AVPs}". An AVP whose data does not fit its type is
 * shown as "invalid (…)" with its hex. Key material is "<N bytes, secret>"
 * unless IMPS_DIAMETER_RENDER_SECRETS. Free with g_free(). */
gchar *imps_diameter_avp_render (const ImpsDiameterAvp *avp, ImpsDiameterRenderFlags flags);

G_END_DECLS
