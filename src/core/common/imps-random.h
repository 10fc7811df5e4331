/* Random sources. The core never draws randomness on its own: callers pass
 * an ImpsRandom, so a seeded run repeats byte for byte.
 *
 * - system: OpenSSL's RAND_bytes (for `impsim serve` without --seed).
 * - seeded: AES-128-CTR keystream under SHA-256("impsim-random" || seed);
 *   the same seed always gives the same bytes, on every machine.
 * - fixed: hands out the bytes it was given, in order (for test vectors);
 *   asking for more than it holds is a programming error.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpsRandom ImpsRandom;

ImpsRandom *imps_random_new_system (void);
ImpsRandom *imps_random_new_seeded (guint64 seed);
ImpsRandom *imps_random_new_fixed (const guint8 *data, gsize len);
/* A seeded source derived from @parent and a label, so that each node of a
 * run draws from its own stream and adding a node does not shift the others. */
ImpsRandom *imps_random_new_child (ImpsRandom *parent, const gchar *label);
void imps_random_fill (ImpsRandom *rnd, guint8 *buf, gsize len);
guint32 imps_random_u32 (ImpsRandom *rnd);
/* Uniform in [0, bound). */
guint32 imps_random_uniform (ImpsRandom *rnd, guint32 bound);
void imps_random_free (ImpsRandom *rnd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsRandom, imps_random_free)

G_END_DECLS
