/* UMTS AKA over Milenage (TS 33.102; gba.md §2), with the SQN scheme of
 * TS 33.102 Annex C. */
#include "aka/imps-aka.h"
#include "aka/imps-milenage-private.h"

#include "imps-bytes.h"
#include "imps-hex.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-aka-error-quark, imps_aka_error)

/* The dummy AMF of f1* in AUTS (gba.md §2.4; TS 33.102 6.3.3; §13 D5). */
static const guint8 amf_resync[2] = { 0x00, 0x00 };

#define SERIAL_VERSION 1

guint64
imps_aka_sqn_from_bytes (const guint8 sqn[6])
{
  guint64 v = 0;
  for (guint i = 0; i < 6; i++)
    v = (v << 8) | sqn[i];
  return v;
}

void
imps_aka_sqn_to_bytes (guint64 sqn, guint8 out[6])
{
  for (guint i = 0; i < 6; i++)
    out[i] = (guint8) (sqn >> (8 * (5 - i)));
}

static gchar *
hex_of (const guint8 *data, gsize len, gchar *buf)
{
  imps_hex_encode_into (data, len, buf);
  return buf;
}

/* ---- authentication vector ---- */

void
imps_aka_generate_av (ImpsMilenage *m, const guint8 rand[16],
                      const guint8 sqn[6], const guint8 amf[2],
                      ImpsAkaVector *av)
{
  guint8 temp[16], out[16], x[16];

  g_return_if_fail (m != NULL && rand != NULL && sqn != NULL && amf != NULL
                    && av != NULL);

  memcpy (av->rand, rand, 16);
  imps_milenage_temp (m, rand, temp, NULL, x);
  imps_milenage_outn (m, temp, 2, out, x);
  memcpy (av->ak, out, 6);                    /* f5 */
  memcpy (av->xres, out + 8, 8);              /* f2 */
  imps_milenage_outn (m, temp, 3, av->ck, x); /* f3 */
  imps_milenage_outn (m, temp, 4, av->ik, x); /* f4 */
  imps_milenage_out1 (m, temp, sqn, amf, out, x);
  for (guint i = 0; i < 6; i++)
    av->autn[i] = sqn[i] ^ av->ak[i];         /* SQN xor AK */
  memcpy (av->autn + 6, amf, 2);              /* AMF */
  memcpy (av->autn + 8, out, 8);              /* MAC-A = f1 */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out, sizeof out);
  imps_wipe (x, sizeof x);
}

void
imps_aka_vector_clear (ImpsAkaVector *av)
{
  if (av)
    imps_wipe (av, sizeof *av);
}

ImpsAkaVector *
imps_aka_vector_dup (const ImpsAkaVector *av)
{
  g_return_val_if_fail (av != NULL, NULL);
  return g_memdup2 (av, sizeof *av);
}

void
imps_aka_vector_free (ImpsAkaVector *av)
{
  imps_wipe_free (av, sizeof *av);
}

void
imps_aka_result_clear (ImpsAkaResult *r)
{
  if (r)
    imps_wipe (r, sizeof *r);
}

ImpsAkaResult *
imps_aka_result_dup (const ImpsAkaResult *r)
{
  g_return_val_if_fail (r != NULL, NULL);
  return g_memdup2 (r, sizeof *r);
}

void
imps_aka_result_free (ImpsAkaResult *r)
{
  imps_wipe_free (r, sizeof *r);
}

/* ---- USIM SQN state ---- */

static inline guint64
seq_max_for (guint ind_len)
{
  return (G_GUINT64_CONSTANT (1) << (48 - ind_len)) - 1;
}

void
imps_aka_sqn_state_init (ImpsAkaSqnState *st, guint ind_len)
{
  g_return_if_fail (st != NULL);
  g_return_if_fail (ind_len <= IMPS_AKA_IND_LEN_MAX);
  memset (st, 0, sizeof *st);
  st->ind_len = ind_len;
  st->delta = IMPS_AKA_DELTA_DEFAULT;
  st->age_limit = 0;
}

ImpsAkaSqnState *
imps_aka_sqn_state_new (guint ind_len)
{
  g_return_val_if_fail (ind_len <= IMPS_AKA_IND_LEN_MAX, NULL);
  ImpsAkaSqnState *st = g_new (ImpsAkaSqnState, 1);
  imps_aka_sqn_state_init (st, ind_len);
  return st;
}

void
imps_aka_sqn_state_free (ImpsAkaSqnState *st)
{
  g_free (st);
}

/* Highest SEQ_MS and its slot (the lowest index on a tie). */
static guint64
state_highest_seq (const ImpsAkaSqnState *st, guint *slot)
{
  guint n = 1u << st->ind_len;
  guint64 best = st->seq_ms[0];
  guint best_i = 0;

  for (guint i = 1; i < n; i++)
    if (st->seq_ms[i] > best)
      {
        best = st->seq_ms[i];
        best_i = i;
      }
  if (slot)
    *slot = best_i;
  return best;
}

guint64
imps_aka_sqn_state_highest (const ImpsAkaSqnState *st)
{
  guint slot = 0;
  guint64 seq;

  g_return_val_if_fail (st != NULL && st->ind_len <= IMPS_AKA_IND_LEN_MAX, 0);
  seq = state_highest_seq (st, &slot);
  return (seq << st->ind_len) | slot;
}

gboolean
imps_aka_sqn_state_accept (ImpsAkaSqnState *st, guint64 sqn, GError **error)
{
  guint64 seq, seq_ms;
  guint ind;

  g_return_val_if_fail (st != NULL && st->ind_len <= IMPS_AKA_IND_LEN_MAX, FALSE);
  g_return_val_if_fail (sqn <= IMPS_AKA_SQN_MAX, FALSE);

  seq = sqn >> st->ind_len;
  ind = (guint) (sqn & ((1u << st->ind_len) - 1));
  seq_ms = state_highest_seq (st, NULL);

  /* Annex C.2.1: no jump of more than delta beyond the highest SEQ_MS. */
  if (seq > seq_ms && seq - seq_ms > st->delta)
    {
      g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE,
                   "SQN %012" G_GINT64_MODIFIER "x not acceptable: SEQ %"
                   G_GUINT64_FORMAT " is %" G_GUINT64_FORMAT
                   " ahead of SEQ_MS %" G_GUINT64_FORMAT ", more than delta %"
                   G_GUINT64_FORMAT,
                   sqn, seq, seq - seq_ms, seq_ms, st->delta);
      return FALSE;
    }
  /* Annex C.2.2: optional age limit L (SEQ_MS - SEQ < L). */
  if (st->age_limit != 0 && seq < seq_ms && seq_ms - seq >= st->age_limit)
    {
      g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE,
                   "SQN %012" G_GINT64_MODIFIER "x not acceptable: SEQ %"
                   G_GUINT64_FORMAT " is %" G_GUINT64_FORMAT
                   " behind SEQ_MS %" G_GUINT64_FORMAT ", not within age limit L %"
                   G_GUINT64_FORMAT,
                   sqn, seq, seq_ms - seq, seq_ms, st->age_limit);
      return FALSE;
    }
  /* Annex C.2.2: freshness per IND slot. */
  if (seq <= st->seq_ms[ind])
    {
      g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE,
                   "SQN %012" G_GINT64_MODIFIER "x not fresh: SEQ %"
                   G_GUINT64_FORMAT " <= SEQ_MS(IND %u) %" G_GUINT64_FORMAT
                   " (replayed or old)",
                   sqn, seq, ind, st->seq_ms[ind]);
      return FALSE;
    }
  st->seq_ms[ind] = seq;
  return TRUE;
}

/* Byte form: version (1), IND length (1), delta (8), age limit L (8), then
 * 2^IND length SEQ_MS values (8 each), all big-endian. */
GBytes *
imps_aka_sqn_state_serialize (const ImpsAkaSqnState *st)
{
  GByteArray *b;
  guint n;

  g_return_val_if_fail (st != NULL && st->ind_len <= IMPS_AKA_IND_LEN_MAX, NULL);
  n = 1u << st->ind_len;
  b = g_byte_array_sized_new (18 + 8 * n);
  imps_put_u8 (b, SERIAL_VERSION);
  imps_put_u8 (b, (guint8) st->ind_len);
  imps_put_u64 (b, st->delta);
  imps_put_u64 (b, st->age_limit);
  for (guint i = 0; i < n; i++)
    imps_put_u64 (b, st->seq_ms[i]);
  return g_byte_array_free_to_bytes (b);
}

static gboolean
parse_fail (GError **error, const gchar *what, gsize offset, const gchar *why)
{
  g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_INVALID,
               "SQN state: %s at offset %" G_GSIZE_FORMAT ": %s",
               what, offset, why);
  return FALSE;
}

gboolean
imps_aka_sqn_state_parse (const guint8 *data, gsize len, ImpsAkaSqnState *st,
                          GError **error)
{
  ImpsAkaSqnState tmp;
  ImpsReader r;
  guint8 version, ind_len;
  guint n;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (st != NULL, FALSE);

  memset (&tmp, 0, sizeof tmp);
  imps_reader_init (&r, data, len);
  if (!imps_reader_u8 (&r, &version))
    return parse_fail (error, "version", imps_reader_offset (&r), "truncated");
  if (version != SERIAL_VERSION)
    return parse_fail (error, "version", 0, "unknown version");
  if (!imps_reader_u8 (&r, &ind_len))
    return parse_fail (error, "IND length", imps_reader_offset (&r), "truncated");
  if (ind_len > IMPS_AKA_IND_LEN_MAX)
    return parse_fail (error, "IND length", 1, "more than "
                       G_STRINGIFY (IMPS_AKA_IND_LEN_MAX) " bits");
  tmp.ind_len = ind_len;
  /* delta and L are only compared with SEQ differences: any value is safe
   * (a caller may use G_MAXUINT64 for "no limit"). */
  if (!imps_reader_u64 (&r, &tmp.delta))
    return parse_fail (error, "delta", imps_reader_offset (&r), "truncated");
  if (!imps_reader_u64 (&r, &tmp.age_limit))
    return parse_fail (error, "age limit", imps_reader_offset (&r), "truncated");
  n = 1u << ind_len;
  for (guint i = 0; i < n; i++)
    {
      gsize off = imps_reader_offset (&r);
      if (!imps_reader_u64 (&r, &tmp.seq_ms[i]))
        return parse_fail (error, "SEQ_MS", off, "truncated");
      if (tmp.seq_ms[i] > seq_max_for (ind_len))
        return parse_fail (error, "SEQ_MS", off, "more bits than SEQ has");
    }
  if (imps_reader_remaining (&r) != 0)
    return parse_fail (error, "end", imps_reader_offset (&r), "trailing bytes");
  *st = tmp;
  return TRUE;
}

/* ---- UE side ---- */

void
imps_aka_auts (ImpsMilenage *m, const guint8 rand[16], const guint8 sqn_ms[6],
               guint8 auts[14])
{
  guint8 temp[16], out[16], x[16];

  g_return_if_fail (m != NULL && rand != NULL && sqn_ms != NULL && auts != NULL);
  imps_milenage_temp (m, rand, temp, NULL, x);
  imps_milenage_outn (m, temp, 5, out, x);            /* AK* = OUT5[0..5] */
  for (guint i = 0; i < 6; i++)
    auts[i] = sqn_ms[i] ^ out[i];
  imps_milenage_out1 (m, temp, sqn_ms, amf_resync, out, x);
  memcpy (auts + 6, out + 8, 8);                      /* MAC-S = f1* */
  imps_wipe (temp, sizeof temp);
  imps_wipe (out, sizeof out);
  imps_wipe (x, sizeof x);
}

gboolean
imps_aka_check_autn (ImpsMilenage *m, ImpsAkaSqnState *sqn_state,
                     const guint8 rand[16], const guint8 autn[16],
                     ImpsAkaResult *result, guint8 auts[14], GError **error)
{
  guint8 temp[16], out2[16], out1[16], sqn[6], x[16];
  gboolean ok = FALSE;

  g_return_val_if_fail (m != NULL && rand != NULL && autn != NULL
                        && result != NULL, FALSE);

  imps_milenage_temp (m, rand, temp, NULL, x);
  imps_milenage_outn (m, temp, 2, out2, x);             /* AK, RES */
  for (guint i = 0; i < 6; i++)
    sqn[i] = autn[i] ^ out2[i];
  imps_milenage_out1 (m, temp, sqn, autn + 6, out1, x); /* XMAC = OUT1[0..7] */

  if (!imps_mem_equal (out1, autn + 8, 8))
    {
      gchar e[17], g[17], s[13], a[5];
      g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_MAC_FAILURE,
                   "MAC-A failure: expected XMAC %s, AUTN carries MAC %s "
                   "(SQN %s, AMF %s after removing AK)",
                   hex_of (out1, 8, e), hex_of (autn + 8, 8, g),
                   hex_of (sqn, 6, s), hex_of (autn + 6, 2, a));
      goto out;
    }

  if (sqn_state != NULL)
    {
      GError *local = NULL;
      if (!imps_aka_sqn_state_accept (sqn_state, imps_aka_sqn_from_bytes (sqn),
                                      &local))
        {
          guint8 sqn_ms[6];
          gchar h[13];
          imps_aka_sqn_to_bytes (imps_aka_sqn_state_highest (sqn_state), sqn_ms);
          if (auts != NULL)
            imps_aka_auts (m, rand, sqn_ms, auts);
          g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE,
                       "synchronisation failure: %s; AUTS carries SQN_MS %s",
                       local->message, hex_of (sqn_ms, 6, h));
          g_error_free (local);
          goto out;
        }
    }

  memcpy (result->res, out2 + 8, 8);
  imps_milenage_outn (m, temp, 3, result->ck, x);
  imps_milenage_outn (m, temp, 4, result->ik, x);
  memcpy (result->sqn, sqn, 6);
  memcpy (result->amf, autn + 6, 2);
  ok = TRUE;

out:
  imps_wipe (temp, sizeof temp);
  imps_wipe (out1, sizeof out1);
  imps_wipe (out2, sizeof out2);
  imps_wipe (x, sizeof x);
  return ok;
}

/* ---- HSS side ---- */

gboolean
imps_aka_resync (ImpsMilenage *m, const guint8 rand[16], const guint8 auts[14],
                 guint8 sqn_ms[6], GError **error)
{
  guint8 temp[16], out[16], sqn[6], x[16];
  gboolean ok = FALSE;

  g_return_val_if_fail (m != NULL && rand != NULL && auts != NULL
                        && sqn_ms != NULL, FALSE);

  imps_milenage_temp (m, rand, temp, NULL, x);
  imps_milenage_outn (m, temp, 5, out, x);               /* AK* */
  for (guint i = 0; i < 6; i++)
    sqn[i] = auts[i] ^ out[i];
  imps_milenage_out1 (m, temp, sqn, amf_resync, out, x); /* XMAC-S = OUT1[8..15] */
  if (!imps_mem_equal (out + 8, auts + 6, 8))
    {
      gchar e[17], g[17];
      g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_MAC_FAILURE,
                   "MAC-S failure: expected %s, AUTS carries %s",
                   hex_of (out + 8, 8, e), hex_of (auts + 6, 8, g));
    }
  else
    {
      memcpy (sqn_ms, sqn, 6);
      ok = TRUE;
    }
  imps_wipe (temp, sizeof temp);
  imps_wipe (out, sizeof out);
  imps_wipe (x, sizeof x);
  return ok;
}

/* ---- HSS SQN generator ---- */

void
imps_aka_sqn_generator_init (ImpsAkaSqnGenerator *gen, guint ind_len)
{
  g_return_if_fail (gen != NULL && ind_len <= IMPS_AKA_IND_LEN_MAX);
  gen->ind_len = ind_len;
  gen->seq = 0;
  gen->ind = 0;
}

ImpsAkaSqnGenerator *
imps_aka_sqn_generator_new (guint ind_len)
{
  g_return_val_if_fail (ind_len <= IMPS_AKA_IND_LEN_MAX, NULL);
  ImpsAkaSqnGenerator *gen = g_new (ImpsAkaSqnGenerator, 1);
  imps_aka_sqn_generator_init (gen, ind_len);
  return gen;
}

void
imps_aka_sqn_generator_free (ImpsAkaSqnGenerator *gen)
{
  g_free (gen);
}

gboolean
imps_aka_sqn_generator_next (ImpsAkaSqnGenerator *gen, guint8 sqn[6],
                             GError **error)
{
  guint64 seq_max;

  g_return_val_if_fail (gen != NULL && gen->ind_len <= IMPS_AKA_IND_LEN_MAX
                        && sqn != NULL, FALSE);
  seq_max = seq_max_for (gen->ind_len);
  if (gen->seq >= seq_max)
    {
      g_set_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SQN_EXHAUSTED,
                   "SQN exhausted: SEQ_HE %" G_GUINT64_FORMAT
                   " is the largest %u-bit SEQ", gen->seq, 48 - gen->ind_len);
      return FALSE;
    }
  gen->seq++;
  gen->ind &= (1u << gen->ind_len) - 1;
  imps_aka_sqn_to_bytes ((gen->seq << gen->ind_len) | gen->ind, sqn);
  gen->ind = (gen->ind + 1) & ((1u << gen->ind_len) - 1);
  return TRUE;
}

gboolean
imps_aka_sqn_generator_resync (ImpsAkaSqnGenerator *gen,
                               const guint8 sqn_ms[6], guint64 delta)
{
  guint64 seq_ms, next;

  g_return_val_if_fail (gen != NULL && gen->ind_len <= IMPS_AKA_IND_LEN_MAX
                        && sqn_ms != NULL, FALSE);
  seq_ms = imps_aka_sqn_from_bytes (sqn_ms) >> gen->ind_len;
  next = gen->seq + 1;
  if (next > seq_ms && next - seq_ms <= delta)
    return FALSE;
  gen->seq = seq_ms;
  return TRUE;
}
