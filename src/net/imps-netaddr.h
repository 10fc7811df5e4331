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

/* UEs per operator: 254 addresses in each of the third octets 1 to 255. */
#define IMPS_NODE_MAX_UES (255 * 254)

/* Operators are numbered from 1 (at most 255); UEs of an operator from 1
 * (at most IMPS_NODE_MAX_UES): UE n is 127.<op>.<1 + (n-1)/254>.<1 +
 * (n-1)%254>, so the first 254 are 127.<op>.1.n. Returns the dotted IPv4
 * address, e.g. "127.0.1.20". */
gchar *imps_node_address (ImpsNodeKind kind, guint op, guint ue_index);
/* "bsf.home1.net" for (BSF, "home1.net"); NULL for a UE. */
gchar *imps_node_fqdn (ImpsNodeKind kind, const gchar *domain);
const gchar *imps_node_kind_name (ImpsNodeKind kind);
/* The conventional port the pcap shows for the node's service. */
guint16 imps_node_conventional_port (ImpsNodeKind kind);

G_END_DECLS
