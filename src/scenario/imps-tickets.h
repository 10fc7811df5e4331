/* Tickets as objects in a scenario script: a device asks its KMS for a
 * ticket with the policy the script gives, the script names it, calls use
 * it, and expectations read what the KMS granted.
 *
 *   ticket = DEVICE for TARGET [validity=DURATION] [reuse=true|false]
 *            [forking=true|false] [keys=N] as NAME
 *       TARGET: a subscriber NAME (its first IMPU), a [group] NAME (the
 *       group's identity) or a sip:/tel: URI. The KMS is always asked (no
 *       cache); the step passes when it grants a ticket.
 *   call = CALLER CALLEE ticket=NAME   (imps-script.c)
 *       the call's TRANSFER_INIT carries ticket NAME, whatever its state
 *       (expired, used): the callee and its KMS judge it.
 *   expect = ticket NAME flags X=0|1 ...
 *   expect = ticket NAME validity DURATION
 *       the flags (D to O, RFC 6043 §6.10) and the validity window
 *       (TRe - TRs, whole seconds) the KMS granted.
 */
#pragma once

#include "imps-script.h"

G_BEGIN_DECLS

/* `ticket = ...`: fills @st (device name as given in argv[0], callee = the
 * target's identity, ticket = NAME, duration_us = validity, reuse,
 * forking, keys). The device itself is checked by the caller. */
gboolean imps_tickets_parse_step (const ImpsScenario *s, ImpsScriptStep *st, gint argc,
                                  gchar **argv, GError **error);

/* `expect = ticket NAME flags ...|validity DURATION` (argv[0] is "ticket"). */
gboolean imps_tickets_parse_expect (ImpsScriptStep *st, gint argc, gchar **argv, GError **error);

/* The flag letters of @flags for reports: "D=1 E=1 ... O=1". */
gchar *imps_tickets_describe_flags (guint32 flags);

/* The bit of flag letter @c (D..O, any case), 0 for another letter. */
guint32 imps_tickets_flag_bit (gchar c);

G_END_DECLS
