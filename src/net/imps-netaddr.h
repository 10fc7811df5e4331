/* Node names and loopback addresses of the default network (profile §9). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  IMPS_NODE_HSS,
  IMPS_NODE_BSF,
  IMPS_NODE_KMS,
  IMPS_NODE_PCSCF,
  IMPS_NODE_AGW,
  IMPS_NODE_SCSCF,
  IMPS_NODE_UE,
} ImpsNodeKind;

/* Operators are numbered from 1 (at most 255); UEs of an operator from 1
 * (at most 254). Returns the dotted IPv4 address, e.g. "127.0.1.20". */
gchar *imps_node_address (ImpsNodeKind kind, guint op, guint ue_index);
/* "bsf.home1.net" for (BSF, "home1.net"); NULL for a UE. */
gchar *imps_node_fqdn (ImpsNodeKind kind, const gchar *domain);
const gchar *imps_node_kind_name (ImpsNodeKind kind);
/* The conventional port the pcap shows for the node's service. */
guint16 imps_node_conventional_port (ImpsNodeKind kind);

G_END_DECLS
