/* impsim decode --pcap FILE [--only SPEC...]: every MIKEY, SDP, SIP and
 * Diameter message of a pcap or pcapng capture, or those that the --only
 * conditions choose (src/net/imps-pcap.h, imps_pcap_decode_filtered()). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Prints the content of the capture at @path as indented text (or JSON),
 * only the messages that every SPEC of @only (NULL-terminated, may be
 * NULL) chooses (imps_pcap_filter_add()). Returns CLI_EXIT_OK,
 * CLI_EXIT_USAGE for a SPEC that does not parse, or CLI_EXIT_FAIL after
 * printing why the file is not a readable capture (with the record and
 * byte offset). */
int cli_decode_pcap (const gchar *path, const gchar *const *only, gboolean json);

/* A decoded field tree as JSON (name, label, value, offset and length when
 * known, children): the form of `impsim decode --json` (decode.c). */
struct _ImpsMikeyField;
struct _JsonBuilder;
void cli_field_to_json (struct _JsonBuilder *b, const struct _ImpsMikeyField *f);

G_END_DECLS
