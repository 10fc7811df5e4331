/* The S-CSCF's Mw on real sockets (profile §6.2): a UDP and a TCP listener
 * at the S-CSCF's address, so that an outside P-CSCF (a SIP proxy such as
 * Kamailio) can put its UEs in a served network.
 *
 * It is the Gm socket code (imps-pcscf-gm.h) in its Mw role: what arrives
 * is framed, parsed, given received/rport on its top Via and passed to the
 * S-CSCF over the bus as if the proxy were a node at its source address and
 * port; what the bus delivers there goes back over the socket, with the
 * RFC 3261 §17 retransmissions on UDP.
 *
 * A REGISTER must carry SIP Digest (MD5) for the IMPI of a subscriber with
 * a password, or IMS AKA (AKAv1-MD5, with the vector from the HSS that
 * imps_pcscf_gm_set_hss() names): the S-CSCF's side challenges it (401),
 * checks the answer (403 when wrong) and only a verified REGISTER reaches the registrar,
 * which keeps its Path (RFC 3327) so that requests to the user go back
 * through the proxy. Requests other than REGISTER are taken only from an
 * address through which a REGISTER was verified (403 otherwise; a proxy
 * may come back on another TCP connection or port). Nothing is
 * rewritten for e2ae: the outside proxy is no IMS-ALG, so SDES goes end to
 * end. Without an HSS a subscriber without a password gets 403. */
#pragma once

#include "imps-pcscf-gm.h"

G_BEGIN_DECLS

/* Opens the Mw sockets of the S-CSCF of @domain at @address (its §9
 * address) and @port (0: the kernel chooses, the same for UDP and TCP);
 * the S-CSCF is on the bus at @address and @scscf_port (0: the port the
 * sockets got, which the S-CSCF must then take). Users are added with
 * imps_pcscf_gm_add_user(); everything else of imps-pcscf-gm.h applies. */
ImpsPcscfGm *imps_scscf_mw_new (ImpsNetwork *net, ImpsSipBus *bus, const gchar *domain,
                                const gchar *address, guint16 port, guint16 scscf_port,
                                gboolean no_sockets, GError **error);

G_END_DECLS
