/* Call control in a scenario script: how a device answers the calls that
 * come next, and the expectations on how a call ended.
 *
 *   answer = DEVICE after=DURATION | reject=STATUS | busy | decline | never
 *       after=: DEVICE rings DURATION, then answers (the default: the
 *       subscriber's answer-after); reject=: it answers every INVITE with
 *       STATUS (400-699) at once; busy is reject=486 (Busy Here), decline
 *       reject=603 (Decline); never: it rings until the caller cancels or
 *       the S-CSCF's timer C ends the call (408).
 *   call = ... cancel-after=DURATION   (imps-script.c)
 *       the caller CANCELs the call when it is not answered DURATION after
 *       the INVITE; the step passes when the call ends cancelled (487).
 *   expect = cancelled N
 *       N of the callee's devices had their INVITE of the last call
 *       cancelled (by the caller's CANCEL, or by the S-CSCF when another
 *       fork answered).
 */
#pragma once

#include "imps-script.h"

G_BEGIN_DECLS

/* The arguments of `answer = ...` into @st (device as named, status,
 * ring_us); FALSE with @error saying what is wrong (no file or line: the
 * caller adds them). */
gboolean imps_callctl_parse_answer (ImpsScriptStep *st, gint argc, gchar **argv,
                                    GError **error);

/* "rejects with 486", "rings 5s, then answers", ... for the step's outcome. */
gchar *imps_callctl_describe_answer (const ImpsScriptStep *st);

/* The ring time `never` stands for: longer than any call step waits. */
#define IMPS_CALLCTL_NEVER_US (G_GINT64_CONSTANT (7) * 86400 * G_USEC_PER_SEC)

G_END_DECLS
