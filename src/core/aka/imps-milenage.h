/* Milenage (3GPP TS 35.206): the example algorithm set f1, f1*, f2, f3, f4,
 * f5, f5* and the OPc derivation, exactly as gba.md §3.
 *
 * An ImpsMilenage holds the subscriber key K (as a prepared AES-128 key
 * schedule) and OPc; both are wiped when it is freed. It is cheap to use for
 * many vectors: each call only runs AES block encryptions, with no
 * allocation. A context is not thread-safe (the AES context is shared);
 * use one per thread.
 *
 * All values are octet strings, most significant octet first; SQN and AMF
 * are never host integers here (see imps-aka.h for SQN arithmetic).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_MILENAGE_K_LEN 16
#define IMPS_MILENAGE_OP_LEN 16
#define IMPS_MILENAGE_RAND_LEN 16
#define IMPS_MILENAGE_SQN_LEN 6
#define IMPS_MILENAGE_AMF_LEN 2
#define IMPS_MILENAGE_MAC_LEN 8    /* MAC-A (f1) and MAC-S (f1*) */
#define IMPS_MILENAGE_RES_LEN 8    /* f2 */
#define IMPS_MILENAGE_CK_LEN 16    /* f3 */
#define IMPS_MILENAGE_IK_LEN 16    /* f4 */
#define IMPS_MILENAGE_AK_LEN 6     /* f5 and f5* */

typedef struct _ImpsMilenage ImpsMilenage;

/* A context from K and OPc (16 bytes each). The caller keeps its copies. */
ImpsMilenage *imps_milenage_new (const guint8 k[16], const guint8 opc[16]);
/* A context from K and OP: OPc = OP xor E_K(OP) is derived once here. */
ImpsMilenage *imps_milenage_new_from_op (const guint8 k[16], const guint8 op[16]);
/* Wipes K, its key schedule and OPc. NULL is allowed. */
void imps_milenage_free (ImpsMilenage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMilenage, imps_milenage_free)

/* K's AES key schedule (an OpenSSL cipher context, about 1 KiB) is made at
 * the first function that needs it and kept for the next ones; a holder of
 * many contexts that are seldom used (an HSS's subscribers, a UE between
 * bootstraps) drops it after each run of AKA: it is made again when next
 * needed, and the key schedule does not stay in memory meanwhile. */
void imps_milenage_drop_cipher (ImpsMilenage *m);
gboolean imps_milenage_has_cipher (const ImpsMilenage *m);

/* OPc = OP xor E_K(OP), without keeping a context. */
void imps_milenage_derive_opc (const guint8 k[16], const guint8 op[16],
                               guint8 opc[16]);
/* Copies the context's OPc (derived or given) to @opc. */
void imps_milenage_get_opc (const ImpsMilenage *m, guint8 opc[16]);

/* f1 and f1*: MAC-A = OUT1[0..7], MAC-S = OUT1[8..15] over SQN || RAND || AMF.
 * Either output may be NULL. (For AUTS, f1* takes the dummy AMF 0x0000:
 * use imps_aka_auts() in imps-aka.h, which does that.) */
void imps_milenage_f1 (ImpsMilenage *m, const guint8 rand[16],
                       const guint8 sqn[6], const guint8 amf[2],
                       guint8 mac_a[8], guint8 mac_s[8]);

/* f2, f3, f4, f5 for one RAND: RES (8), CK (16), IK (16), AK (6). Any output
 * may be NULL; only the AES blocks needed are computed. */
void imps_milenage_f2345 (ImpsMilenage *m, const guint8 rand[16],
                          guint8 res[8], guint8 ck[16], guint8 ik[16],
                          guint8 ak[6]);

/* f5*: AK* = OUT5[0..5] (used to conceal SQN_MS in AUTS). */
void imps_milenage_f5star (ImpsMilenage *m, const guint8 rand[16],
                           guint8 ak_star[6]);

/* Every intermediate block of one run (gba.md §3 and Table M-3): for test
 * vectors, the self test and people studying the algorithm. Holds derived
 * key material: clear it with imps_milenage_blocks_clear(). */
typedef struct {
  guint8 rand_xor_opc[16];
  guint8 temp[16];
  guint8 out[5][16];       /* OUT1 .. OUT5 */
} ImpsMilenageBlocks;

void imps_milenage_compute_blocks (ImpsMilenage *m, const guint8 rand[16],
                                   const guint8 sqn[6], const guint8 amf[2],
                                   ImpsMilenageBlocks *blocks);
void imps_milenage_blocks_clear (ImpsMilenageBlocks *blocks);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsMilenageBlocks, imps_milenage_blocks_clear)

G_END_DECLS
