/* Published and digest vectors for Milenage and AKA, in one table shared by
 * the self test (`impsim tool selftest`) and the GTest programs.
 * Every value is lower-case hex copied from gba.md §4 (the table and row are
 * named at each entry). A NULL field means the source gives no value. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const gchar *name;
  /* inputs */
  const gchar *k, *rand, *sqn, *amf, *op, *opc;
  /* outputs: f1 (MAC-A), f1* (MAC-S with the set's AMF), f2 (RES), f5 (AK),
   * f3 (CK), f4 (IK), f5* (AK*) */
  const gchar *f1, *f1star, *f2, *f5, *f3, *f4, *f5star;
  /* Table M-3 intermediates (or NULL): RAND xor OPc, TEMP, OUT1..OUT5 */
  const gchar *rand_xor_opc, *temp;
  const gchar *out[5];
  /* Table M-4 (or NULL): AUTN, MAC-S with AMF* = 0000, AUTS for SQN_MS = SQN */
  const gchar *autn, *mac_s_resync, *auts;
} ImpsAkaMilenageVector;

/* NULL-name terminated. */
extern const ImpsAkaMilenageVector imps_aka_vectors_35207[];   /* sets 1-6 */
extern const ImpsAkaMilenageVector imps_aka_vectors_35208[];   /* sets 1-20 */

/* gba.md §4.4: a full AKA vector from OP (wmnsk/milenage). */
typedef struct {
  const gchar *name;
  const gchar *k, *op, *rand, *sqn, *amf;
  const gchar *opc, *mac_a, *res, *ck, *ik, *ak, *autn;
  const gchar *mac_s_resync, *ak_star, *auts;   /* for SQN_MS = sqn */
} ImpsAkaAvVector;

extern const ImpsAkaAvVector imps_aka_vectors_av[];          /* NULL-terminated */

/* gba.md §4.4: AUTS checks (hostap): MAC-S verifies, SQN_MS recovered. */
typedef struct {
  const gchar *name;
  const gchar *k, *opc, *rand, *auts, *sqn_ms;
} ImpsAkaResyncVector;

extern const ImpsAkaResyncVector imps_aka_vectors_resync[];  /* NULL-terminated */

G_END_DECLS
