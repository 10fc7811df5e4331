/* impsim decode --pcap FILE: every MIKEY, SDP, SIP and Diameter message of
 * a classic pcap capture (src/net/imps-pcap.h, imps_pcap_decode()). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Prints the content of the capture at @path as indented text (or JSON).
 * Returns CLI_EXIT_OK, or CLI_EXIT_FAIL after printing why the file is
 * not a readable capture (with the record and byte offset). */
int cli_decode_pcap (const gchar *path, gboolean json);

G_END_DECLS
