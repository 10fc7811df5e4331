#include "imps-netaddr.h"

static const struct {
  const gchar *name;
  const gchar *host; /* FQDN label */
  guint octet;       /* last octet of 127.0.<op>.X */
  guint16 port;
} nodes[] = {
  [IMPS_NODE_HSS] = { "HSS", "hss", 10, 3868 },
  [IMPS_NODE_BSF] = { "BSF", "bsf", 20, 80 },
  [IMPS_NODE_KMS] = { "KMS", "kms", 30, 80 },
  [IMPS_NODE_PCSCF] = { "P-CSCF", "pcscf", 40, 5060 },
  [IMPS_NODE_AGW] = { "IMS-AGW", "agw", 41, 0 },
  [IMPS_NODE_SCSCF] = { "S-CSCF", "scscf", 50, 5060 },
  [IMPS_NODE_UE] = { "UE", NULL, 0, 5060 },
};

gchar *
imps_node_address (ImpsNodeKind kind, guint op, guint ue_index)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (nodes), NULL);
  g_return_val_if_fail (op >= 1 && op <= 255, NULL);
  if (kind == IMPS_NODE_UE)
    {
      /* 254 UEs per third octet: 127.<op>.1.1 to 127.<op>.1.254, then
       * 127.<op>.2.1 and on. */
      g_return_val_if_fail (ue_index >= 1 && ue_index <= IMPS_NODE_MAX_UES, NULL);
      guint hi = 1 + (ue_index - 1) / 254, lo = 1 + (ue_index - 1) % 254;
      return g_strdup_printf ("127.%u.%u.%u", op, hi, lo);
    }
  return g_strdup_printf ("127.0.%u.%u", op, nodes[kind].octet);
}

gchar *
imps_node_fqdn (ImpsNodeKind kind, const gchar *domain)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (nodes), NULL);
  if (nodes[kind].host == NULL)
    return NULL;
  return g_strdup_printf ("%s.%s", nodes[kind].host, domain);
}

const gchar *
imps_node_kind_name (ImpsNodeKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (nodes), "?");
  return nodes[kind].name;
}

guint16
imps_node_conventional_port (ImpsNodeKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (nodes), 0);
  return nodes[kind].port;
}
