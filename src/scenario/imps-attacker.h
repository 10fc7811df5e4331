/* An armed attack of a scenario script (imps-attack.h): the node it names
 * changes the SIP it sends through the SIP bus's filter, and logs a note
 * for each change. */
#pragma once

#include "imps-attack.h"
#include "imps-network.h"
#include "imps-ue-ua.h"
#include "imps-ue-sip.h"
#include "imps-sip-bus.h"

G_BEGIN_DECLS

typedef struct _ImpsAttack ImpsAttack;

/* An armed attack; logs its notes to @net. A steal, a forge, a replay
 * of a REQUEST_INIT and a decrypt need @thief, the rogue device's Ua
 * client (borrowed: it must outlive the attack's requests), and
 * @thief_name, the name its events carry; NULL for the others. */
ImpsAttack *imps_attack_new (const ImpsAttackSpec *spec, ImpsNetwork *net, ImpsUeUa *thief,
                             const gchar *thief_name);
/* A media attack taps @bus (until it is freed) and sends on it. */
void imps_attack_set_bus (ImpsAttack *attack, ImpsSipBus *bus);
/* A forge ... in TRANSFER_INIT acts through the device's SIP agent
 * @sip (borrowed: it must outlive the attack); others ignore it. */
void imps_attack_set_sip (ImpsAttack *attack, ImpsUeSip *sip);
/* A relay sends to the Zk endpoint @address:@port (the target KMS's). */
void imps_attack_set_zk_target (ImpsAttack *attack, const gchar *address, guint16 port);
void imps_attack_free (ImpsAttack *attack);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAttack, imps_attack_free)

/* The SIP @message that @from_node sends on @ref: the changed bytes, or
 * NULL to send it unchanged (not this node, nothing to change, or the
 * attack is over). */
GBytes *imps_attack_filter (ImpsAttack *attack, ImpsRefPoint ref, const gchar *from_node,
                            GBytes *message);

/* Call steps since arming; the runner disarms a strip or tamper after one
 * call, a replay once it replayed or after two calls. */
void imps_attack_call_ended (ImpsAttack *attack);
gboolean imps_attack_is_over (const ImpsAttack *attack);
/* How many messages the attack changed so far. */
guint imps_attack_get_acted (const ImpsAttack *attack);
const ImpsAttackSpec *imps_attack_get_spec (const ImpsAttack *attack);

G_END_DECLS
