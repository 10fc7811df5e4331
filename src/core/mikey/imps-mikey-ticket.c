/* MIKEY-TICKET policy (TP) and the MIKEY base ticket. See
 * imps-mikey-ticket.h; section numbers refer to mikey-ticket.md. */
#include "imps-mikey-ticket.h"

#include "imps-bytes.h"
#include "imps-mikey-message.h"
#include "imps-secret.h"

#include <string.h>

#define ERR(code) IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_##code

/* ---- TP ------------------------------------------------------------- */

void
imps_mikey_tp_init_default (ImpsMikeyTp *tp, guint8 prf, gboolean forking)
{
  memset (tp, 0, sizeof *tp);
  tp->ticket_type = IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE;
  tp->subtype = 1;
  tp->version = 1;
  tp->prf = prf;
  /* profile §3 / §17.3: D=1 E=1 F=1 G=1 H=1 I=0 J=1 L=0 M=0 N=1 O=1 */
  tp->flags = IMPS_MIKEY_TICKET_FLAG_D | IMPS_MIKEY_TICKET_FLAG_E
              | IMPS_MIKEY_TICKET_FLAG_F | IMPS_MIKEY_TICKET_FLAG_G
              | IMPS_MIKEY_TICKET_FLAG_H | IMPS_MIKEY_TICKET_FLAG_J
              | IMPS_MIKEY_TICKET_FLAG_N | IMPS_MIKEY_TICKET_FLAG_O;
  if (forking)
    tp->flags |= IMPS_MIKEY_TICKET_FLAG_I;
}

gboolean
imps_mikey_tp_add_responder (ImpsMikeyTp *tp, const gchar *uri)
{
  if (tp->n_responders >= IMPS_MIKEY_TP_MAX_IDS)
    return FALSE;
  tp->responders[tp->n_responders].data = (const guint8 *) uri;
  tp->responders[tp->n_responders].len = strlen (uri);
  tp->responder_id_types[tp->n_responders] = IMPS_MIKEY_ID_URI;
  tp->n_responders++;
  return TRUE;
}

gboolean
imps_mikey_tp_check_flags (guint32 flags, GError **error)
{
#define HAS(f) ((flags & IMPS_MIKEY_TICKET_FLAG_##f) != 0)
  static const struct {
    const gchar *rule;
  } names[] = { { "!D => L" }, { "G => F" }, { "!G => H" }, { "!H => G" },
                { "I => E" }, { "K => D" }, { "M => F" } };
  gboolean ok[7] = {
    HAS (D) || HAS (L),
    !HAS (G) || HAS (F),
    HAS (G) || HAS (H),
    HAS (H) || HAS (G),
    !HAS (I) || HAS (E),
    !HAS (K) || HAS (D),
    !HAS (M) || HAS (F),
  };
#undef HAS
  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    if (!ok[i])
      {
        g_set_error (error, ERR (INVALID_TPPAR),
                     "ticket flags 0x%05x break the rule %s (RFC 6043 §6.10)",
                     flags, names[i].rule);
        return FALSE;
      }
  return TRUE;
}

static guint64
tr_to_ntp (const ImpsMikeyTimestamp *ts)
{
  return imps_mikey_timestamp_to_64 (ts);
}

gboolean
imps_mikey_tp_read (const ImpsMikeyTicket *t, ImpsMikeyTp *tp, GError **error)
{
  memset (tp, 0, sizeof *tp);
  if (t->n_tp_items == 0 && t->tp_data.len > 1)
    {
      /* a payload built locally, not parsed: its TP Data chain was never
       * read into items */
      g_set_error (error, ERR (MALFORMED),
                   "TP Data of %" G_GSIZE_FORMAT " bytes not parsed (read a parsed payload)",
                   t->tp_data.len);
      return FALSE;
    }
  tp->ticket_type = t->ticket_type;
  tp->subtype = t->subtype;
  tp->version = t->version;
  tp->prf = t->prf;
  tp->flags = t->flags;

  for (guint i = 0; i < t->n_tp_items; i++)
    {
      const ImpsMikeyPayload *p = &t->tp_items[i];
      switch (p->type)
        {
        case IMPS_MIKEY_PAYLOAD_IDR:
          switch (p->u.id.role)
            {
            case IMPS_MIKEY_ID_ROLE_KMS:
              tp->kms_id = p->u.id.data;
              break;
            case IMPS_MIKEY_ID_ROLE_I:
              tp->initiator_id = p->u.id.data;
              break;
            case IMPS_MIKEY_ID_ROLE_R:
              if (tp->n_responders >= IMPS_MIKEY_TP_MAX_IDS)
                {
                  g_set_error (error, ERR (INVALID_TPPAR),
                               "TP Data: more than %u IDRr (at byte %" G_GSIZE_FORMAT ")",
                               IMPS_MIKEY_TP_MAX_IDS, p->offset);
                  return FALSE;
                }
              tp->responder_id_types[tp->n_responders] = p->u.id.id_type;
              tp->responders[tp->n_responders++] = p->u.id.data;
              break;
            case IMPS_MIKEY_ID_ROLE_APP:
              if (tp->n_apps >= IMPS_MIKEY_TP_MAX_IDS)
                {
                  g_set_error (error, ERR (INVALID_TPPAR),
                               "TP Data: more than %u IDRapp (at byte %" G_GSIZE_FORMAT ")",
                               IMPS_MIKEY_TP_MAX_IDS, p->offset);
                  return FALSE;
                }
              tp->apps[tp->n_apps++] = p->u.id.data;
              break;
            default:
              break; /* unexpected role: ignored */
            }
          break;
        case IMPS_MIKEY_PAYLOAD_TR:
          if (p->u.ts.ts_type == IMPS_MIKEY_TS_COUNTER)
            {
              g_set_error (error, ERR (INVALID_TPPAR),
                           "TP Data: TR at byte %" G_GSIZE_FORMAT " is a COUNTER, not a time (A-18)",
                           p->offset);
              return FALSE;
            }
          switch (p->u.ts.role)
            {
            case IMPS_MIKEY_TS_ROLE_TRS:
              tp->valid_from = tr_to_ntp (&p->u.ts);
              break;
            case IMPS_MIKEY_TS_ROLE_TRE:
              tp->valid_to = tr_to_ntp (&p->u.ts);
              break;
            case IMPS_MIKEY_TS_ROLE_TRR:
              if (p->u.ts.ts_type != IMPS_MIKEY_TS_NTP_UTC_32)
                {
                  g_set_error (error, ERR (INVALID_TPPAR),
                               "TP Data: TRr at byte %" G_GSIZE_FORMAT " must be NTP-UTC-32",
                               p->offset);
                  return FALSE;
                }
              tp->rekey_interval = (guint32) p->u.ts.value;
              break;
            default:
              break;
            }
          break;
        case IMPS_MIKEY_PAYLOAD_KEMAC:
          {
            /* desired keys: NULL encryption, NULL MAC */
            ImpsMikeyKeyData kd[IMPS_MIKEY_MAX_SESSION_KEYS];
            guint n = 0;
            g_autoptr (GError) local = NULL;
            if (p->u.kemac.encr_alg != IMPS_MIKEY_ENCR_NULL
                || p->u.kemac.mac_alg != IMPS_MIKEY_MAC_NULL)
              {
                g_set_error (error, ERR (INVALID_TPPAR),
                             "TP Data: desired KEMAC at byte %" G_GSIZE_FORMAT
                             " must use NULL encryption and NULL MAC", p->offset);
                return FALSE;
              }
            if (!imps_mikey_key_data_parse (p->u.kemac.encr_data.data, p->u.kemac.encr_data.len,
                                            kd, G_N_ELEMENTS (kd), &n, &local))
              {
                g_set_error (error, ERR (MALFORMED), "TP Data: desired KEMAC at byte %"
                             G_GSIZE_FORMAT ": %s", p->offset, local->message);
                return FALSE;
              }
            if (n > G_N_ELEMENTS (kd))
              {
                g_set_error (error, ERR (INVALID_TPPAR),
                             "TP Data: %u desired keys, at most %u", n,
                             (guint) G_N_ELEMENTS (kd));
                return FALSE;
              }
            for (guint k = 0; k < n; k++)
              {
                if (kd[k].key.len == 0 || kd[k].key.len > IMPS_MIKEY_MAX_KEY_LEN)
                  {
                    g_set_error (error, ERR (INVALID_TPPAR),
                                 "TP Data: desired key %u has length %" G_GSIZE_FORMAT,
                                 k, kd[k].key.len);
                    return FALSE;
                  }
                tp->desired[k].type = kd[k].type;
                tp->desired[k].len = (guint8) kd[k].key.len;
              }
            tp->n_desired = n;
          }
          break;
        default:
          break; /* unexpected payloads are ignored (RFC 6043) */
        }
    }
  return TRUE;
}

GBytes *
imps_mikey_tp_data_build (const ImpsMikeyTp *tp, gboolean with_desired_kemac, GError **error)
{
  g_autoptr (ImpsMikeyChain) chain = imps_mikey_chain_new ();
  ImpsMikeyPayload p;
  const guint8 *raw;
  gsize len = 0;
  g_autoptr (GByteArray) kd_bytes = g_byte_array_new ();

  if (tp->kms_id.len > 0)
    {
      p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI,
                                  tp->kms_id.data, tp->kms_id.len);
      imps_mikey_chain_add (chain, &p);
    }
  if (tp->initiator_id.len > 0)
    {
      p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI,
                                  tp->initiator_id.data, tp->initiator_id.len);
      imps_mikey_chain_add (chain, &p);
    }
  /* TRs / TRe emitted as NTP-UTC-32 (seconds) */
  if (tp->valid_from != 0)
    {
      p = imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRS, IMPS_MIKEY_TS_NTP_UTC_32,
                                 tp->valid_from >> 32);
      imps_mikey_chain_add (chain, &p);
    }
  if (tp->valid_to != 0)
    {
      p = imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRE, IMPS_MIKEY_TS_NTP_UTC_32,
                                 tp->valid_to >> 32);
      imps_mikey_chain_add (chain, &p);
    }
  if (tp->rekey_interval != 0)
    {
      p = imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRR, IMPS_MIKEY_TS_NTP_UTC_32,
                                 tp->rekey_interval);
      imps_mikey_chain_add (chain, &p);
    }
  if (with_desired_kemac && tp->n_desired > 0)
    {
      /* Key data len = wanted length, bytes all zero, KV = Null */
      static const guint8 zeros[IMPS_MIKEY_MAX_KEY_LEN];
      ImpsMikeyKeyData kd[IMPS_MIKEY_MAX_SESSION_KEYS];
      guint n = MIN (tp->n_desired, IMPS_MIKEY_MAX_SESSION_KEYS);
      memset (kd, 0, sizeof kd);
      for (guint k = 0; k < n; k++)
        {
          kd[k].type = tp->desired[k].type;
          kd[k].kv = IMPS_MIKEY_KV_NULL;
          kd[k].key.data = zeros;
          kd[k].key.len = MIN (tp->desired[k].len, IMPS_MIKEY_MAX_KEY_LEN);
          if (imps_mikey_key_type_has_salt (kd[k].type))
            {
              kd[k].salt.data = zeros;
              kd[k].salt.len = IMPS_MIKEY_SALT_LEN;
            }
        }
      if (!imps_mikey_key_data_write (kd, n, kd_bytes, error))
        return NULL;
      p = imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_NULL, kd_bytes->data, kd_bytes->len,
                                    IMPS_MIKEY_MAC_NULL, NULL, 0);
      imps_mikey_chain_add (chain, &p);
    }
  for (guint i = 0; i < tp->n_apps; i++)
    {
      p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_APP, IMPS_MIKEY_ID_URI,
                                  tp->apps[i].data, tp->apps[i].len);
      imps_mikey_chain_add (chain, &p);
    }
  for (guint i = 0; i < tp->n_responders; i++)
    {
      p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, tp->responder_id_types[i],
                                  tp->responders[i].data, tp->responders[i].len);
      imps_mikey_chain_add (chain, &p);
    }
  raw = imps_mikey_chain_serialize (chain, IMPS_MIKEY_CHAIN_TYPED, &len, error);
  if (raw == NULL)
    return NULL;
  return g_bytes_new (raw, len);
}

ImpsMikeyPayload
imps_mikey_tp_payload (guint type, const ImpsMikeyTp *tp, GBytes *tp_data,
                       GBytes *ticket_data, const guint8 *init_data, gsize init_len)
{
  ImpsMikeyPayload p;
  ImpsMikeyTicket *t = &p.u.ticket;

  memset (&p, 0, sizeof p);
  p.type = type;
  t->ticket_type = tp->ticket_type;
  t->subtype = tp->subtype;
  t->version = tp->version;
  t->prf = tp->prf;
  t->flags = tp->flags;
  if (tp_data != NULL)
    t->tp_data.data = g_bytes_get_data (tp_data, &t->tp_data.len);
  if (ticket_data != NULL)
    t->ticket_data.data = g_bytes_get_data (ticket_data, &t->ticket_data.len);
  t->initiator_data.data = init_data;
  t->initiator_data.len = init_len;
  return p;
}

gboolean
imps_mikey_tp_has_responder (const ImpsMikeyTp *tp, const guint8 *id, gsize len)
{
  for (guint i = 0; i < tp->n_responders; i++)
    if (tp->responders[i].len == len && memcmp (tp->responders[i].data, id, len) == 0)
      return TRUE;
  return FALSE;
}

/* ---- keys ----------------------------------------------------------- */

void
imps_mikey_key_set_clear (ImpsMikeyKeySet *set)
{
  if (set != NULL)
    imps_wipe (set, sizeof *set);
}

static void
to_key_data (const ImpsMikeySessionKey *k, ImpsMikeyKeyData *kd)
{
  memset (kd, 0, sizeof *kd);
  kd->type = k->type;
  kd->kv = IMPS_MIKEY_KV_SPI;
  kd->key.data = k->key;
  kd->key.len = k->key_len;
  if (imps_mikey_key_type_has_salt (k->type))
    {
      kd->salt.data = k->salt;
      kd->salt.len = k->salt_len;
    }
  kd->spi.data = k->spi;
  kd->spi.len = k->spi_len;
}

gboolean
imps_mikey_key_set_write (const ImpsMikeyKeySet *set, GByteArray *out, GError **error)
{
  ImpsMikeyKeyData kd[2 + IMPS_MIKEY_MAX_SESSION_KEYS];
  guint n = 0;
  gboolean ok;

  g_return_val_if_fail (set->n_mpks <= 2 && set->n_keys <= IMPS_MIKEY_MAX_SESSION_KEYS, FALSE);
  for (guint i = 0; i < set->n_mpks; i++)
    to_key_data (&set->mpks[i], &kd[n++]);
  for (guint i = 0; i < set->n_keys; i++)
    to_key_data (&set->keys[i], &kd[n++]);
  ok = imps_mikey_key_data_write (kd, n, out, error);
  imps_wipe (kd, sizeof kd);
  return ok;
}

static gboolean
copy_key (const ImpsMikeyKeyData *kd, guint index, ImpsMikeySessionKey *k, GError **error)
{
  memset (k, 0, sizeof *k);
  if (kd->key.len == 0 || kd->key.len > IMPS_MIKEY_MAX_KEY_LEN
      || kd->salt.len > IMPS_MIKEY_MAX_KEY_LEN || kd->spi.len > IMPS_MIKEY_MAX_SPI_LEN)
    {
      g_set_error (error, ERR (MALFORMED),
                   "key data %u at byte %" G_GSIZE_FORMAT ": key %" G_GSIZE_FORMAT
                   ", salt %" G_GSIZE_FORMAT " or SPI %" G_GSIZE_FORMAT
                   " bytes out of range", index, kd->offset, kd->key.len,
                   kd->salt.len, kd->spi.len);
      return FALSE;
    }
  if (kd->kv != IMPS_MIKEY_KV_SPI)
    {
      g_set_error (error, ERR (MALFORMED),
                   "key data %u at byte %" G_GSIZE_FORMAT
                   ": KV %u, but every MIKEY-TICKET key carries an SPI (RFC 6043 §6.2.1)",
                   index, kd->offset, kd->kv);
      return FALSE;
    }
  k->type = kd->type;
  k->key_len = (guint8) kd->key.len;
  memcpy (k->key, kd->key.data, kd->key.len);
  k->salt_len = (guint8) kd->salt.len;
  if (kd->salt.len > 0)
    memcpy (k->salt, kd->salt.data, kd->salt.len);
  k->spi_len = (guint8) kd->spi.len;
  if (kd->spi.len > 0)
    memcpy (k->spi, kd->spi.data, kd->spi.len);
  return TRUE;
}

gboolean
imps_mikey_key_set_read (const guint8 *plain, gsize len, guint n_mpks,
                         ImpsMikeyKeySet *set, GError **error)
{
  ImpsMikeyKeyData kd[2 + IMPS_MIKEY_MAX_SESSION_KEYS];
  guint n = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (n_mpks <= 2, FALSE);
  memset (set, 0, sizeof *set);
  if (!imps_mikey_key_data_parse (plain, len, kd, G_N_ELEMENTS (kd), &n, error))
    return FALSE;
  if (n > G_N_ELEMENTS (kd))
    {
      g_set_error (error, ERR (MALFORMED), "KEMAC holds %u keys, at most %u",
                   n, (guint) G_N_ELEMENTS (kd));
      goto out;
    }
  if (n < n_mpks)
    {
      g_set_error (error, ERR (MALFORMED), "KEMAC holds %u keys, expected at least %u MPKs",
                   n, n_mpks);
      goto out;
    }
  if (n - n_mpks > IMPS_MIKEY_MAX_SESSION_KEYS)
    {
      g_set_error (error, ERR (MALFORMED), "KEMAC holds %u session keys after %u MPKs, at most %u",
                   n - n_mpks, n_mpks, (guint) IMPS_MIKEY_MAX_SESSION_KEYS);
      goto out;
    }
  for (guint i = 0; i < n; i++)
    {
      gboolean is_mpk = kd[i].type == IMPS_MIKEY_KEY_MPK;
      if (i < n_mpks ? !is_mpk : (is_mpk || kd[i].type > IMPS_MIKEY_KEY_GTGK_SALT))
        {
          g_set_error (error, ERR (MALFORMED),
                       "key data %u at byte %" G_GSIZE_FORMAT ": type %u where %s expected (A-15)",
                       i, kd[i].offset, kd[i].type, i < n_mpks ? "an MPK" : "a TGK, TEK or GTGK");
          goto out;
        }
      if (!copy_key (&kd[i], i, i < n_mpks ? &set->mpks[i] : &set->keys[i - n_mpks], error))
        goto out;
    }
  set->n_mpks = n_mpks;
  set->n_keys = n - n_mpks;
  ok = TRUE;
out:
  imps_wipe (kd, sizeof kd);
  if (!ok)
    imps_mikey_key_set_clear (set);
  return ok;
}

gboolean
imps_mikey_key_set_encrypt (const ImpsMikeyKeySet *set, const ImpsMikeyMsgKeys *keys,
                            guint32 csb_id, guint64 t, GByteArray *out, GError **error)
{
  GByteArray *plain = g_byte_array_sized_new (256);
  gboolean ok = imps_mikey_key_set_write (set, plain, error);

  if (ok && !imps_mikey_kemac_encrypt (keys, csb_id, t, plain->data, plain->len, out))
    {
      g_set_error (error, ERR (INVALID_EA),
                   "KEMAC Encr alg %u cannot encrypt %u bytes of key data",
                   keys->encr_alg, plain->len);
      ok = FALSE;
    }
  imps_byte_array_wipe_free (plain);
  return ok;
}

gboolean
imps_mikey_kemac_open (const ImpsMikeyKemac *kemac, const ImpsMikeyMsgKeys *keys,
                       guint32 csb_id, guint64 t, guint n_mpks,
                       ImpsMikeyKeySet *set, GError **error)
{
  guint8 stack[1024];
  guint8 *plain = stack;
  gsize plain_len = 0;
  gboolean ok = FALSE;

  if (kemac->encr_alg != keys->encr_alg || !imps_mikey_encr_supported (kemac->encr_alg))
    {
      g_set_error (error, ERR (INVALID_EA), "KEMAC Encr alg %u is not supported here",
                   kemac->encr_alg);
      return FALSE;
    }
  if (kemac->mac_alg != IMPS_MIKEY_MAC_NULL)
    {
      g_set_error (error, ERR (INVALID_MAC),
                   "KEMAC MAC alg %u: MIKEY-TICKET KEMACs use the NULL MAC", kemac->mac_alg);
      return FALSE;
    }
  if (kemac->encr_data.len > sizeof stack)
    plain = g_malloc (kemac->encr_data.len);
  if (!imps_mikey_kemac_decrypt (keys, csb_id, t, kemac->encr_data.data,
                                 kemac->encr_data.len, plain, &plain_len))
    {
      g_set_error (error, ERR (AUTH_FAILED),
                   "KEMAC Encr data (%" G_GSIZE_FORMAT " bytes) does not unwrap",
                   kemac->encr_data.len);
      goto out;
    }
  {
    g_autoptr (GError) local = NULL;
    ok = imps_mikey_key_set_read (plain, plain_len, n_mpks, set, &local);
    if (!ok)
      g_set_error (error, local->domain, local->code, "KEMAC at byte %" G_GSIZE_FORMAT
                   " (decrypted): %s", kemac->encr_data_offset, local->message);
  }
out:
  imps_wipe (plain, kemac->encr_data.len);
  if (plain != stack)
    g_free (plain);
  return ok;
}

/* ---- base ticket ---------------------------------------------------- */

void
imps_mikey_tpk_clear (ImpsMikeyTpk *tpk)
{
  if (tpk != NULL)
    imps_wipe (tpk, sizeof *tpk);
}

void
imps_mikey_ticket_contents_clear (ImpsMikeyTicketContents *c)
{
  if (c != NULL)
    imps_wipe (c, sizeof *c);
}

/* TICKET bytes 1..9: Ticket Type(2) Subtype Version (PRF<<1|D) flags flags
 * TP Data length(2). */
static void
ticket_header (const ImpsMikeyTp *tp, gsize tp_len, guint8 out[9])
{
  imps_store_u16 (out, tp->ticket_type);
  out[2] = tp->subtype;
  out[3] = tp->version;
  out[4] = (guint8) ((tp->prf << 1) | ((tp->flags >> 16) & 1));
  out[5] = (guint8) (tp->flags >> 8);
  out[6] = (guint8) (tp->flags & 0xE0);
  imps_store_u16 (out + 7, (guint16) tp_len);
}

GBytes *
imps_mikey_base_ticket_build (const ImpsMikeyTpk *tpk, const ImpsMikeyTp *tp,
                              GBytes *tp_data, guint64 now,
                              const guint8 *rand, gsize rand_len,
                              const ImpsMikeyKeySet *set,
                              guint encr_alg, guint mac_alg,
                              const guint8 *psk_id, gsize psk_id_len,
                              GError **error)
{
  ImpsMikeyMsgKeys keys;
  g_autoptr (ImpsMikeyChain) chain = imps_mikey_chain_new ();
  GByteArray *encr = NULL;
  ImpsMikeyPayload p;
  guint8 thdr[5];
  guint8 hdr[9];
  guint8 qlen[2];
  guint8 mac[IMPS_MIKEY_MAX_MAC_LEN];
  gsize mac_len = imps_mikey_mac_len (mac_alg);
  const guint8 *raw;
  gsize len = 0, tp_len = 0;
  const guint8 *tp_bytes = g_bytes_get_data (tp_data, &tp_len);
  GBytes *result = NULL;

  if (!imps_mikey_derive_ticket_keys (tp->prf, tpk->key, tpk->key_len, rand, rand_len,
                                      encr_alg, mac_alg, &keys) || mac_len == 0
      || encr_alg == IMPS_MIKEY_ENCR_NULL)
    {
      g_set_error (error, ERR (UNSPECIFIED),
                   "base ticket: PRF %u, Encr alg %u or MAC alg %u not usable for a ticket",
                   tp->prf, encr_alg, mac_alg);
      return NULL;
    }
  encr = g_byte_array_new ();
  /* §8: CSB ID in the IV = 0xFFFFFFFF, T = the Ticket Data's T */
  if (!imps_mikey_key_set_encrypt (set, &keys, 0xFFFFFFFFu, now, encr, error))
    goto out;

  thdr[0] = IMPS_MIKEY_THDR_FORMAT;
  imps_store_u32 (thdr + 1, tpk->index);
  p = imps_mikey_payload_thdr (thdr, sizeof thdr);
  imps_mikey_chain_add (chain, &p);
  p = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_chain_add (chain, &p);
  p = imps_mikey_payload_rand (rand, rand_len);
  imps_mikey_chain_add (chain, &p);
  p = imps_mikey_payload_kemac (encr_alg, encr->data, encr->len, IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_chain_add (chain, &p);
  if (psk_id != NULL && psk_id_len > 0)
    {
      p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_PSK, IMPS_MIKEY_ID_BYTE_STRING,
                                  psk_id, psk_id_len);
      imps_mikey_chain_add (chain, &p);
    }
  p = imps_mikey_payload_v (mac_alg, NULL, 0);
  imps_mikey_chain_add (chain, &p);
  raw = imps_mikey_chain_serialize (chain, IMPS_MIKEY_CHAIN_THDR, &len, error);
  if (raw == NULL)
    goto out;
  if (len > G_MAXUINT16 || tp_len > G_MAXUINT16)
    {
      g_set_error (error, ERR (MALFORMED), "base ticket: Ticket Data of %" G_GSIZE_FORMAT
                   " bytes does not fit its length field", len);
      goto out;
    }

  /* §7: the V MAC covers the TICKET payload from Ticket Type to the end of
   * Ticket Data, minus the MAC itself */
  ticket_header (tp, tp_len, hdr);
  imps_store_u16 (qlen, (guint16) len);
  {
    ImpsIovec iov[4] = {
      { hdr, sizeof hdr }, { tp_bytes, tp_len }, { qlen, 2 }, { raw, len - mac_len },
    };
    imps_mikey_mac (mac_alg, keys.auth, keys.auth_len, iov, 4, mac);
  }
  imps_mikey_chain_set_v_mac (chain, mac, mac_len);
  result = g_bytes_new (chain->raw, chain->raw_len);
out:
  imps_mikey_msg_keys_clear (&keys);
  if (encr != NULL)
    g_byte_array_unref (encr);
  return result;
}

gboolean
imps_mikey_base_ticket_open (const ImpsMikeyPayload *payload,
                             const ImpsMikeyTpk *tpks, guint n_tpks,
                             ImpsMikeyTicketContents *out, GError **error)
{
  const ImpsMikeyTicket *t = &payload->u.ticket;
  g_autoptr (ImpsMikeyChain) chain = NULL;
  g_autoptr (GError) local = NULL;
  const ImpsMikeyPayload *thdr, *ts, *rnd, *kemac, *v, *psk;
  const ImpsMikeyTpk *tpk = NULL;
  ImpsMikeyMsgKeys keys;
  guint8 mac[IMPS_MIKEY_MAX_MAC_LEN];
  gsize mac_len;
  gboolean ok = FALSE;

  memset (out, 0, sizeof *out);
  g_return_val_if_fail (payload->type == IMPS_MIKEY_PAYLOAD_TICKET, FALSE);
  if (t->ticket_type != IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE || t->subtype != 1 || t->version != 1)
    {
      g_set_error (error, ERR (INVALID_TICKET),
                   "TICKET at byte %" G_GSIZE_FORMAT ": Ticket Type %u Subtype %u Version %u is "
                   "not the MIKEY base ticket 1/1/1", payload->offset, t->ticket_type,
                   t->subtype, t->version);
      return FALSE;
    }
  if (payload->raw.data == NULL || t->ticket_data_offset < payload->offset + 1
      || t->ticket_data_offset - payload->offset > payload->raw.len
      || t->ticket_data.len > payload->raw.len - (t->ticket_data_offset - payload->offset))
    {
      g_set_error (error, ERR (MALFORMED), "TICKET at byte %" G_GSIZE_FORMAT
                   ": no wire bytes to check its MAC over", payload->offset);
      return FALSE;
    }
  chain = imps_mikey_chain_parse_ticket_data (t->ticket_data.data, t->ticket_data.len, &local);
  if (chain == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "Ticket Data at byte %" G_GSIZE_FORMAT ": %s",
                   t->ticket_data_offset, local->message);
      return FALSE;
    }
  thdr = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_THDR, 0);
  ts = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_T, 0);
  rnd = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_RAND, 0);
  kemac = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_KEMAC, 0);
  v = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_V, 0);
  psk = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_IDR, IMPS_MIKEY_ID_ROLE_PSK);
  if (thdr == NULL || ts == NULL || rnd == NULL || kemac == NULL || v == NULL)
    {
      g_set_error (error, ERR (MALFORMED),
                   "Ticket Data at byte %" G_GSIZE_FORMAT ": missing %s (needs THDR, T, RAND, KEMAC, V)",
                   t->ticket_data_offset,
                   thdr == NULL ? "THDR" : ts == NULL ? "T" : rnd == NULL ? "RAND"
                   : kemac == NULL ? "KEMAC" : "V");
      return FALSE;
    }
  if (thdr->u.thdr.data.len != 5 || thdr->u.thdr.data.data[0] != IMPS_MIKEY_THDR_FORMAT)
    {
      g_set_error (error, ERR (INVALID_TICKET),
                   "Ticket Data: THDR Data of %" G_GSIZE_FORMAT " bytes is not this KMS's format 1",
                   thdr->u.thdr.data.len);
      return FALSE;
    }
  out->key_index = imps_load_u32 (thdr->u.thdr.data.data + 1);
  for (guint i = 0; i < n_tpks; i++)
    if (tpks[i].index == out->key_index)
      tpk = &tpks[i];
  if (tpk == NULL)
    {
      g_set_error (error, ERR (INVALID_TICKET),
                   "Ticket Data: no ticket protection key with index %u", out->key_index);
      return FALSE;
    }
  mac_len = imps_mikey_mac_len (v->u.v.auth_alg);
  if (mac_len == 0 || v->u.v.mac_offset + mac_len != t->ticket_data.len)
    {
      g_set_error (error, ERR (INVALID_MAC),
                   "Ticket Data: V Auth alg %u, or V is not the last payload", v->u.v.auth_alg);
      return FALSE;
    }
  if (!imps_mikey_derive_ticket_keys (t->prf, tpk->key, tpk->key_len, rnd->u.rand.data.data,
                                      rnd->u.rand.data.len, kemac->u.kemac.encr_alg,
                                      v->u.v.auth_alg, &keys))
    {
      g_set_error (error, ERR (INVALID_PRF),
                   "Ticket: TP PRF %u or KEMAC Encr alg %u not supported", t->prf,
                   kemac->u.kemac.encr_alg);
      return FALSE;
    }
  {
    gsize head = t->ticket_data_offset - payload->offset; /* bytes before Ticket Data */
    ImpsIovec iov[2] = {
      { payload->raw.data + 1, head - 1 },
      { t->ticket_data.data, v->u.v.mac_offset },
    };
    imps_mikey_mac (v->u.v.auth_alg, keys.auth, keys.auth_len, iov, 2, mac);
  }
  if (!imps_mem_equal (mac, v->u.v.mac.data, mac_len))
    {
      g_set_error (error, ERR (AUTH_FAILED),
                   "Ticket Data: the V MAC does not verify under TPK %u", out->key_index);
      goto out;
    }
  out->ts_type = ts->u.ts.ts_type;
  out->t = ts->u.ts.value;
  out->rand_len = (guint8) MIN (rnd->u.rand.data.len, sizeof out->rand);
  memcpy (out->rand, rnd->u.rand.data.data, out->rand_len);
  out->encr_alg = kemac->u.kemac.encr_alg;
  out->mac_alg = v->u.v.auth_alg;
  if (psk != NULL)
    {
      out->has_psk_id = TRUE;
      out->psk_id_len = (guint8) MIN (psk->u.id.data.len, sizeof out->psk_id);
      memcpy (out->psk_id, psk->u.id.data.data, out->psk_id_len);
    }
  if (!imps_mikey_kemac_open (&kemac->u.kemac, &keys, 0xFFFFFFFFu,
                              imps_mikey_timestamp_to_64 (&ts->u.ts), 1, &out->keys, error))
    goto out;
  ok = TRUE;
out:
  imps_mikey_msg_keys_clear (&keys);
  if (!ok)
    imps_mikey_ticket_contents_clear (out);
  return ok;
}

gboolean
imps_mikey_base_ticket_open_bytes (const guint8 *data, gsize len,
                                   const ImpsMikeyTpk *tpks, guint n_tpks,
                                   ImpsMikeyTicketContents *out, GError **error)
{
  g_autoptr (ImpsMikeyChain) chain = NULL;
  g_autofree guint8 *buf = NULL;
  const ImpsMikeyPayload *p;

  memset (out, 0, sizeof *out);
  if (len == 0 || len > IMPS_MIKEY_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, ERR (MALFORMED), "TICKET payload: %" G_GSIZE_FORMAT
                   " bytes (1 to %u allowed)", len, IMPS_MIKEY_MAX_MESSAGE_SIZE);
      return FALSE;
    }
  /* a typed chain of one TICKET: the Next Payload byte is forced to Last
   * (the ticket MAC does not cover it) */
  buf = g_malloc (len + 1);
  buf[0] = IMPS_MIKEY_PAYLOAD_TICKET;
  memcpy (buf + 1, data, len);
  buf[1] = IMPS_MIKEY_PAYLOAD_LAST;
  chain = imps_mikey_chain_parse (buf, len + 1, IMPS_MIKEY_CHAIN_TYPED, error);
  if (chain == NULL)
    return FALSE;
  p = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_TICKET, 0);
  if (p == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "TICKET payload: not found");
      return FALSE;
    }
  return imps_mikey_base_ticket_open (p, tpks, n_tpks, out, error);
}

/* ---- Initiator Data -------------------------------------------------- */

gboolean
imps_mikey_initiator_data_build (guint prf, const guint8 *mpkr, gsize mpkr_len,
                                 guint mac_alg, const guint8 *vi_mac,
                                 GByteArray *out, GError **error)
{
  guint8 key[IMPS_MIKEY_MAX_MAC_LEN];
  guint8 mac[IMPS_MIKEY_MAX_MAC_LEN];
  gsize mac_len = imps_mikey_mac_len (mac_alg);
  guint start = out->len;

  if (mac_len == 0 || !imps_mikey_derive_vr_key (prf, mpkr, mpkr_len, mac_alg, key))
    {
      g_set_error (error, ERR (INVALID_MAC), "Initiator Data: PRF %u / Auth alg %u not usable",
                   prf, mac_alg);
      return FALSE;
    }
  imps_put_u8 (out, IMPS_MIKEY_PAYLOAD_V);  /* first-type: Vi */
  imps_put_u8 (out, IMPS_MIKEY_PAYLOAD_V);  /* Vi next: Vr */
  imps_put_u8 (out, (guint8) mac_alg);
  imps_put_bytes (out, vi_mac, mac_len);
  imps_put_u8 (out, IMPS_MIKEY_PAYLOAD_LAST);
  imps_put_u8 (out, (guint8) mac_alg);
  {
    ImpsIovec iov = { out->data + start, out->len - start };
    imps_mikey_mac (mac_alg, key, mac_len, &iov, 1, mac);
  }
  imps_put_bytes (out, mac, mac_len);
  imps_wipe (key, sizeof key);
  return TRUE;
}

gboolean
imps_mikey_initiator_data_verify (guint prf, const guint8 *mpkr, gsize mpkr_len,
                                  const guint8 *data, gsize len,
                                  const guint8 **vi_mac, guint8 *mac_alg,
                                  GError **error)
{
  ImpsReader r;
  guint8 first, vi_next, vi_alg, vr_next, vr_alg;
  const guint8 *vi, *vr;
  gsize mac_len;
  guint8 key[IMPS_MIKEY_MAX_MAC_LEN];
  guint8 mac[IMPS_MIKEY_MAX_MAC_LEN];
  gboolean ok;

  imps_reader_init (&r, data, len);
  if (!imps_reader_u8 (&r, &first) || first != IMPS_MIKEY_PAYLOAD_V
      || !imps_reader_u8 (&r, &vi_next) || vi_next != IMPS_MIKEY_PAYLOAD_V
      || !imps_reader_u8 (&r, &vi_alg))
    {
      g_set_error (error, ERR (MALFORMED),
                   "Initiator Data: reading the Vi header at byte %" G_GSIZE_FORMAT
                   " (expects 09 09 <alg>)", imps_reader_offset (&r));
      return FALSE;
    }
  mac_len = imps_mikey_mac_len (vi_alg);
  if (mac_len == 0)
    {
      g_set_error (error, ERR (INVALID_MAC), "Initiator Data: Vi Auth alg %u", vi_alg);
      return FALSE;
    }
  if (!imps_reader_bytes (&r, &vi, mac_len) || !imps_reader_u8 (&r, &vr_next)
      || vr_next != IMPS_MIKEY_PAYLOAD_LAST || !imps_reader_u8 (&r, &vr_alg)
      || vr_alg != vi_alg || !imps_reader_bytes (&r, &vr, mac_len)
      || imps_reader_remaining (&r) != 0)
    {
      g_set_error (error, ERR (MALFORMED),
                   "Initiator Data: reading Vr at byte %" G_GSIZE_FORMAT
                   " (expects 00 <same alg> <MAC>, then the end)", imps_reader_offset (&r));
      return FALSE;
    }
  if (!imps_mikey_derive_vr_key (prf, mpkr, mpkr_len, vi_alg, key))
    {
      g_set_error (error, ERR (INVALID_PRF), "Initiator Data: TP PRF %u not supported", prf);
      return FALSE;
    }
  {
    ImpsIovec iov = { data, len - mac_len };
    imps_mikey_mac (vi_alg, key, mac_len, &iov, 1, mac);
  }
  imps_wipe (key, sizeof key);
  ok = imps_mem_equal (mac, vr, mac_len);
  if (!ok)
    {
      g_set_error (error, ERR (AUTH_FAILED),
                   "Initiator Data: the Vr MAC does not verify with MPKr");
      return FALSE;
    }
  *vi_mac = vi;
  *mac_alg = vi_alg;
  return TRUE;
}
