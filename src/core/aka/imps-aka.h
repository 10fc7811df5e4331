/* UMTS AKA (TS 33.102) on top of Milenage: authentication vectors (HSS),
 * the USIM's AUTN check with SQN freshness per TS 33.102 Annex C, AUTS on a
 * synchronisation failure, and the HSS side of resynchronisation.
 * gba.md §2; the SQN scheme is Annex C: SQN = SEQ || IND.
 *
 * Everything here is a pure function over caller-owned values; nothing
 * allocates in the per-vector paths. Structs holding keys (ImpsAkaVector,
 * ImpsAkaResult) are wiped by their clear functions; use g_auto().
 */
#pragma once

#include <glib.h>

#include "aka/imps-milenage.h"

G_BEGIN_DECLS

#define IMPS_AKA_RAND_LEN 16
#define IMPS_AKA_SQN_LEN 6
#define IMPS_AKA_AMF_LEN 2
#define IMPS_AKA_RES_LEN 8
#define IMPS_AKA_AUTN_LEN 16   /* (SQN xor AK) || AMF || MAC-A */
#define IMPS_AKA_AUTS_LEN 14   /* (SQN_MS xor AK*) || MAC-S */

#define IMPS_AKA_SQN_MAX G_GUINT64_CONSTANT (0xffffffffffff) /* 48 bits */

#define IMPS_AKA_ERROR (imps_aka_error_quark ())
GQuark imps_aka_error_quark (void);

typedef enum {
  /* AUTN's MAC-A (UE side) or AUTS's MAC-S (HSS side) did not verify. The
   * message names the MAC and gives expected and received values. */
  IMPS_AKA_ERROR_MAC_FAILURE,
  /* SQN not acceptable to the USIM (Annex C): replayed or old, beyond Δ, or
   * older than the age limit L. The message says which, with the values. */
  IMPS_AKA_ERROR_SYNC_FAILURE,
  /* The HSS SQN generator ran out of 48-bit sequence numbers. */
  IMPS_AKA_ERROR_SQN_EXHAUSTED,
  /* A serialised SQN state that cannot be read (names the field and offset). */
  IMPS_AKA_ERROR_INVALID,
} ImpsAkaError;

/* 48-bit SQN <-> 6 octets (big-endian). */
guint64 imps_aka_sqn_from_bytes (const guint8 sqn[6]);
void imps_aka_sqn_to_bytes (guint64 sqn, guint8 out[6]);

/* ---- Authentication vector (HSS side), gba.md §2.2 ---- */

typedef struct {
  guint8 rand[16];
  guint8 xres[8];
  guint8 ck[16];
  guint8 ik[16];
  guint8 ak[6];
  guint8 autn[16];
} ImpsAkaVector;

/* Fills @av for @rand (the caller draws it from its ImpsRandom), @sqn and
 * @amf: AUTN = (SQN xor AK) || AMF || f1. Five AES blocks, no allocation. */
void imps_aka_generate_av (ImpsMilenage *m, const guint8 rand[16],
                           const guint8 sqn[6], const guint8 amf[2],
                           ImpsAkaVector *av);
void imps_aka_vector_clear (ImpsAkaVector *av);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsAkaVector, imps_aka_vector_clear)
/* A heap copy (e.g. an AV a BSF keeps until the UE answers); free wipes. */
ImpsAkaVector *imps_aka_vector_dup (const ImpsAkaVector *av);
void imps_aka_vector_free (ImpsAkaVector *av);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAkaVector, imps_aka_vector_free)

/* ---- USIM SQN state (TS 33.102 Annex C.2) ---- */

#define IMPS_AKA_IND_LEN_DEFAULT 5
#define IMPS_AKA_IND_LEN_MAX 6
#define IMPS_AKA_IND_SLOTS_MAX (1u << IMPS_AKA_IND_LEN_MAX)
#define IMPS_AKA_DELTA_DEFAULT (G_GUINT64_CONSTANT (1) << 28)

/* The USIM's memory of accepted sequence numbers. A plain value the caller
 * keeps (and stores with imps_aka_sqn_state_serialize()); no secrets.
 * SQN = SEQ || IND, IND the low @ind_len bits. seq_ms[i] is the highest SEQ
 * accepted with IND = i (0 initially). A SQN is accepted when
 *   SEQ - SEQ_MS <= delta        (SEQ_MS = highest SEQ in the array),
 *   SEQ_MS - SEQ < age_limit     (only when age_limit != 0), and
 *   SEQ > seq_ms[IND].
 * Otherwise the USIM answers with AUTS carrying SQN_MS, the highest accepted
 * SQN anywhere in the array (its SEQ with the IND of its slot). */
typedef struct {
  guint ind_len;                             /* 0 .. IMPS_AKA_IND_LEN_MAX */
  guint64 delta;                             /* Δ; default 2^28 */
  guint64 age_limit;                         /* L; 0 = no age limit */
  guint64 seq_ms[IMPS_AKA_IND_SLOTS_MAX];    /* first 2^ind_len used */
} ImpsAkaSqnState;

/* A fresh USIM: all SEQ_MS zero, Δ = 2^28, no age limit. */
void imps_aka_sqn_state_init (ImpsAkaSqnState *st, guint ind_len);
/* The same on the heap, for callers that keep it in an object. */
ImpsAkaSqnState *imps_aka_sqn_state_new (guint ind_len);
void imps_aka_sqn_state_free (ImpsAkaSqnState *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAkaSqnState, imps_aka_sqn_state_free)
/* SQN_MS: the highest accepted SQN (SEQ_MS || IND of its slot). */
guint64 imps_aka_sqn_state_highest (const ImpsAkaSqnState *st);
/* Checks @sqn against the state and, when accepted, records it. On refusal
 * returns FALSE with IMPS_AKA_ERROR_SYNC_FAILURE, state unchanged. */
gboolean imps_aka_sqn_state_accept (ImpsAkaSqnState *st, guint64 sqn,
                                    GError **error);
/* A compact, versioned byte form (only the used slots), and its bounded
 * parser. */
GBytes *imps_aka_sqn_state_serialize (const ImpsAkaSqnState *st);
gboolean imps_aka_sqn_state_parse (const guint8 *data, gsize len,
                                   ImpsAkaSqnState *st, GError **error);

/* ---- UE side, gba.md §2.3 and §2.4 ---- */

typedef struct {
  guint8 res[8];
  guint8 ck[16];
  guint8 ik[16];
  guint8 sqn[6];     /* SQN recovered from AUTN */
  guint8 amf[2];
} ImpsAkaResult;

void imps_aka_result_clear (ImpsAkaResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsAkaResult, imps_aka_result_clear)
ImpsAkaResult *imps_aka_result_dup (const ImpsAkaResult *r);
void imps_aka_result_free (ImpsAkaResult *r);   /* wipes */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAkaResult, imps_aka_result_free)

/* The USIM's processing of RAND and AUTN. First MAC-A: on mismatch returns
 * FALSE with IMPS_AKA_ERROR_MAC_FAILURE (expected and received MAC-A and the
 * SQN in the message). Then, when @sqn_state is not NULL, freshness: on
 * refusal returns FALSE with IMPS_AKA_ERROR_SYNC_FAILURE and, when @auts is
 * not NULL, fills @auts (14 bytes) for SQN_MS. On success fills @result and
 * records the SQN in @sqn_state. @sqn_state NULL skips the freshness check
 * (MAC only). */
gboolean imps_aka_check_autn (ImpsMilenage *m, ImpsAkaSqnState *sqn_state,
                              const guint8 rand[16], const guint8 autn[16],
                              ImpsAkaResult *result, guint8 auts[14],
                              GError **error);

/* AUTS = (SQN_MS xor AK*) || f1*(SQN_MS || RAND || AMF* = 0x0000). */
void imps_aka_auts (ImpsMilenage *m, const guint8 rand[16],
                    const guint8 sqn_ms[6], guint8 auts[14]);

/* ---- HSS side of resynchronisation, gba.md §2.4 ---- */

/* Recovers SQN_MS = AUTS[0..5] xor f5*(RAND) and checks MAC-S with the dummy
 * AMF 0x0000. On mismatch returns FALSE with IMPS_AKA_ERROR_MAC_FAILURE whose
 * message gives expected and received MAC-S; @sqn_ms is then untouched. */
gboolean imps_aka_resync (ImpsMilenage *m, const guint8 rand[16],
                          const guint8 auts[14], guint8 sqn_ms[6],
                          GError **error);

/* ---- HSS SQN generator (Annex C.1) ---- */

/* SEQ_HE and the next IND. Each vector gets SEQ_HE + 1 and the next IND in
 * turn (round robin over 2^ind_len slots); SEQ_HE only moves forward
 * except on a resynchronisation that requires otherwise (below). A plain
 * value the caller stores (the HSS keeps it in its database). */
typedef struct {
  guint ind_len;        /* 0 .. IMPS_AKA_IND_LEN_MAX */
  guint64 seq;          /* SEQ_HE: the last SEQ handed out (0: none yet) */
  guint ind;            /* IND of the next vector */
} ImpsAkaSqnGenerator;

void imps_aka_sqn_generator_init (ImpsAkaSqnGenerator *gen, guint ind_len);
/* The next SQN. FALSE with IMPS_AKA_ERROR_SQN_EXHAUSTED when SEQ would
 * leave its 48 - ind_len bits (never wraps, so never repeats). */
gboolean imps_aka_sqn_generator_next (ImpsAkaSqnGenerator *gen,
                                      guint8 sqn[6], GError **error);
/* After a verified AUTS (imps_aka_resync()). TS 33.102 6.3.5: if the next
 * SQN would be accepted by a USIM whose highest SQN is @sqn_ms (SEQ > SEQ_MS
 * and SEQ - SEQ_MS <= @delta), SEQ_HE is kept; otherwise SEQ_HE is set to
 * SEQ_MS. Returns TRUE when SEQ_HE changed.
 * That is the one case where SEQ_HE can move back: only when the HSS is
 * more than @delta ahead of the USIM (e.g. a USIM reset to zero). SEQ values
 * above SEQ_MS are then handed out again (with fresh RANDs); the USIM never
 * accepted any of them, but stale vectors carrying them become acceptable
 * again, so callers may want to log it. */
ImpsAkaSqnGenerator *imps_aka_sqn_generator_new (guint ind_len);
void imps_aka_sqn_generator_free (ImpsAkaSqnGenerator *gen);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAkaSqnGenerator, imps_aka_sqn_generator_free)
gboolean imps_aka_sqn_generator_resync (ImpsAkaSqnGenerator *gen,
                                        const guint8 sqn_ms[6], guint64 delta);

G_END_DECLS
