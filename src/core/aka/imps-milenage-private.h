/* Milenage building blocks shared inside src/core/aka (not public): they let
 * the AKA functions compute TEMP once and only the OUT blocks they need. */
#pragma once

#include "aka/imps-milenage.h"

G_BEGIN_DECLS

/* Each step takes a 16-byte @scratch that it leaves holding key-dependent
 * data: the caller wipes it (once, after its last step), like its own
 * TEMP and OUT buffers. No step allocates or wipes, so a vector costs only
 * its AES blocks plus a few XORs. */

/* TEMP = E_K(RAND xor OPc); @rand_xor_opc may be NULL. */
void imps_milenage_temp (ImpsMilenage *m, const guint8 rand[16],
                         guint8 temp[16], guint8 rand_xor_opc[16],
                         guint8 scratch[16]);
/* OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc,
 * IN1 = SQN || AMF || SQN || AMF. */
void imps_milenage_out1 (ImpsMilenage *m, const guint8 temp[16],
                         const guint8 sqn[6], const guint8 amf[2],
                         guint8 out[16], guint8 scratch[16]);
/* OUTi = E_K(rot(TEMP xor OPc, ri) xor ci) xor OPc for i = 2..5 (not
 * checked: internal callers pass constants). */
void imps_milenage_outn (ImpsMilenage *m, const guint8 temp[16], guint i,
                         guint8 out[16], guint8 scratch[16]);

G_END_DECLS
