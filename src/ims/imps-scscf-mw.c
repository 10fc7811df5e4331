/* The S-CSCF's Mw on real sockets; see imps-scscf-mw.h. */
#include "imps-scscf-mw.h"

ImpsPcscfGm *
imps_scscf_mw_new (ImpsNetwork *net, ImpsSipBus *bus, const gchar *domain, const gchar *address,
                   guint16 port, guint16 scscf_port, gboolean no_sockets, GError **error)
{
  ImpsPcscfGmConfig c = {
    .domain = domain,
    .address = address,
    .port = port,
    .pcscf_address = address,
    .pcscf_port = scscf_port,
    .role = IMPS_PCSCF_GM_ROLE_MW,
    .no_sockets = no_sockets,
  };
  return imps_pcscf_gm_new (net, bus, &c, error);
}
