/* MIKEY / MIKEY-TICKET messages: HDR (mikey-ticket.md §4.1), the payload
 * chain, and the payloads each data type allows (§5.2, RFC 3830 §3). */
#include "imps-mikey-message.h"

#include "imps-bytes.h"
#include "imps-secret.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Data type rules                                                     */

#define ANY 255
#define R(type, role, min, max) { IMPS_MIKEY_PAYLOAD_##type, role, min, max }

/* RFC 3830 §3.1: I_MESSAGE = HDR, T, RAND, [IDi, IDr], {SP}, KEMAC. */
static const ImpsMikeyPayloadRule rules_psk_init[] = {
  R (T, 0, 1, 1), R (RAND, 0, 1, 1), R (ID, 0, 0, 2), R (SP, 0, 0, ANY), R (KEMAC, 0, 1, 1),
  R (V, 0, 0, 1), R (GENERAL_EXT, 0, 0, ANY),
};
/* R_MESSAGE = HDR, T, [IDr, IDi], V. */
static const ImpsMikeyPayloadRule rules_psk_verify[] = {
  R (T, 0, 1, 1), R (ID, 0, 0, 2), R (V, 0, 1, 1), R (GENERAL_EXT, 0, 0, ANY),
};
/* Error (RFC 3830 §5.1.2, §5.2 of the digest): HDR, T, (ERR), {SP}, [V or SIGN]. */
static const ImpsMikeyPayloadRule rules_error[] = {
  R (T, 0, 1, 1), R (ERR, 0, 1, ANY), R (SP, 0, 0, ANY), R (V, 0, 0, 1), R (SIGN, 0, 0, 1),
  R (IDR, 0, 0, ANY), R (ID, 0, 0, ANY), R (GENERAL_EXT, 0, 0, ANY),
};
/* §5.2 (RFC 6043 §4). */
static const ImpsMikeyPayloadRule rules_request_init_psk[] = {
  R (T, 0, 1, 1), R (RANDR, IMPS_MIKEY_RAND_ROLE_I, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_I, 0, 1),
  R (IDR, IMPS_MIKEY_ID_ROLE_KMS, 0, 1), R (TP, 0, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_PSK, 0, 1),
  R (V, 0, 1, 1),
};
static const ImpsMikeyPayloadRule rules_request_init_pk[] = {
  R (T, 0, 1, 1), R (RANDR, IMPS_MIKEY_RAND_ROLE_I, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_I, 0, 1),
  R (CERT, 0, 0, ANY), R (IDR, IMPS_MIKEY_ID_ROLE_KMS, 0, 1), R (TP, 0, 1, 1),
  R (CHASH, 0, 0, 1), R (PKE, 0, 1, 1), R (SIGN, 0, 1, 1),
};
static const ImpsMikeyPayloadRule rules_request_resp[] = {
  R (T, 0, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_KMS, 0, 1), R (TICKET, 0, 1, 1),
  R (KEMAC, 0, 1, 1), R (V, 0, 1, 1),
};
/* TRANSFER_INIT: RANDRi and TICKET are mandatory in the initial message but
 * absent from a CSB-update TRANSFER_INIT (§5.2 last row), which has the same
 * data type; the exchange layer checks which one it has. */
/* General Extension (SDP IDs) in TRANSFER_INIT / TRANSFER_RESP: A-24. */
static const ImpsMikeyPayloadRule rules_transfer_init[] = {
  R (T, 0, 1, 1), R (RANDR, IMPS_MIKEY_RAND_ROLE_I, 0, 1), R (IDR, IMPS_MIKEY_ID_ROLE_I, 0, 1),
  R (IDR, IMPS_MIKEY_ID_ROLE_R, 0, 1), R (SP, 0, 0, ANY), R (TICKET, 0, 0, 1),
  R (KEMAC, 0, 0, 1), R (V, 0, 1, 1), R (GENERAL_EXT, 0, 0, ANY),
};
static const ImpsMikeyPayloadRule rules_transfer_resp[] = {
  R (T, 0, 1, 1), R (RANDR, IMPS_MIKEY_RAND_ROLE_R, 0, 1), R (IDR, IMPS_MIKEY_ID_ROLE_R, 0, 1),
  R (RANDR, IMPS_MIKEY_RAND_ROLE_KMS, 0, 1), R (SP, 0, 0, ANY), R (KEMAC, 0, 0, 1),
  R (V, 0, 1, 1), R (GENERAL_EXT, 0, 0, ANY),
};
static const ImpsMikeyPayloadRule rules_resolve_init_psk[] = {
  R (T, 0, 1, 1), R (RANDR, IMPS_MIKEY_RAND_ROLE_R, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_R, 0, 1),
  R (IDR, IMPS_MIKEY_ID_ROLE_KMS, 0, 1), R (TICKET, 0, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_PSK, 0, 1),
  R (V, 0, 1, 1),
};
static const ImpsMikeyPayloadRule rules_resolve_init_pk[] = {
  R (T, 0, 1, 1), R (RANDR, IMPS_MIKEY_RAND_ROLE_R, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_R, 0, 1),
  R (CERT, 0, 0, ANY), R (IDR, IMPS_MIKEY_ID_ROLE_KMS, 0, 1), R (TICKET, 0, 1, 1),
  R (CHASH, 0, 0, 1), R (PKE, 0, 1, 1), R (SIGN, 0, 1, 1),
};
static const ImpsMikeyPayloadRule rules_resolve_resp[] = {
  R (T, 0, 1, 1), R (IDR, IMPS_MIKEY_ID_ROLE_KMS, 0, 1), R (KEMAC, 0, 1, 1),
  R (IDR, IMPS_MIKEY_ID_ROLE_R, 0, 1), R (RANDR, IMPS_MIKEY_RAND_ROLE_KMS, 0, 1), R (V, 0, 1, 1),
};

#undef R

/* RFC 6043 §6.6, §6.8: MIKEY-TICKET messages use IDR and RANDR instead of
 * ID and RAND; PSK variants carry no signature or envelope key; no
 * MIKEY-TICKET message carries DH. */
static const guint8 forbid_ticket_psk[] = {
  IMPS_MIKEY_PAYLOAD_ID, IMPS_MIKEY_PAYLOAD_RAND, IMPS_MIKEY_PAYLOAD_SIGN,
  IMPS_MIKEY_PAYLOAD_PKE, IMPS_MIKEY_PAYLOAD_DH,
};
static const guint8 forbid_ticket_pk[] = {
  IMPS_MIKEY_PAYLOAD_ID, IMPS_MIKEY_PAYLOAD_RAND, IMPS_MIKEY_PAYLOAD_DH,
};
/* RFC 3830 PSK messages: no signature, envelope key or DH value. */
static const guint8 forbid_psk[] = {
  IMPS_MIKEY_PAYLOAD_SIGN, IMPS_MIKEY_PAYLOAD_PKE, IMPS_MIKEY_PAYLOAD_DH,
  IMPS_MIKEY_PAYLOAD_TICKET, IMPS_MIKEY_PAYLOAD_TP,
};

#define DT(dt, rules, forbid) \
  { dt, rules, G_N_ELEMENTS (rules), forbid, G_N_ELEMENTS (forbid) }

static const ImpsMikeyDataTypeRules all_rules[] = {
  DT (IMPS_MIKEY_DATA_PSK_INIT, rules_psk_init, forbid_psk),
  DT (IMPS_MIKEY_DATA_PSK_VERIFY, rules_psk_verify, forbid_psk),
  { IMPS_MIKEY_DATA_ERROR, rules_error, G_N_ELEMENTS (rules_error), NULL, 0 },
  DT (IMPS_MIKEY_DATA_REQUEST_INIT_PSK, rules_request_init_psk, forbid_ticket_psk),
  DT (IMPS_MIKEY_DATA_REQUEST_INIT_PK, rules_request_init_pk, forbid_ticket_pk),
  DT (IMPS_MIKEY_DATA_REQUEST_RESP, rules_request_resp, forbid_ticket_psk),
  DT (IMPS_MIKEY_DATA_TRANSFER_INIT, rules_transfer_init, forbid_ticket_psk),
  DT (IMPS_MIKEY_DATA_TRANSFER_RESP, rules_transfer_resp, forbid_ticket_psk),
  DT (IMPS_MIKEY_DATA_RESOLVE_INIT_PSK, rules_resolve_init_psk, forbid_ticket_psk),
  DT (IMPS_MIKEY_DATA_RESOLVE_INIT_PK, rules_resolve_init_pk, forbid_ticket_pk),
  DT (IMPS_MIKEY_DATA_RESOLVE_RESP, rules_resolve_resp, forbid_ticket_psk),
};

#undef DT

const ImpsMikeyDataTypeRules *
imps_mikey_data_type_rules (guint8 data_type)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_rules); i++)
    if (all_rules[i].data_type == data_type)
      return &all_rules[i];
  return NULL;
}

static guint8
payload_role (const ImpsMikeyPayload *p)
{
  switch (p->type)
    {
    case IMPS_MIKEY_PAYLOAD_IDR: return p->u.id.role;
    case IMPS_MIKEY_PAYLOAD_RANDR: return p->u.rand.role;
    case IMPS_MIKEY_PAYLOAD_TR: return p->u.ts.role;
    default: return 0;
    }
}

/* The rule that covers @type/@role: a rule with the exact role first, else
 * one with role 0. */
static const ImpsMikeyPayloadRule *
find_rule (const ImpsMikeyDataTypeRules *dt, guint type, guint8 role)
{
  const ImpsMikeyPayloadRule *any = NULL;
  for (guint i = 0; i < dt->n_rules; i++)
    if (dt->rules[i].payload_type == type)
      {
        if (dt->rules[i].role == role && role != 0)
          return &dt->rules[i];
        if (dt->rules[i].role == 0)
          any = &dt->rules[i];
      }
  return any;
}

ImpsMikeyPayloadUse
imps_mikey_data_type_payload_use (guint8 data_type, guint payload_type, guint8 role,
                                  guint *min, guint *max)
{
  const ImpsMikeyDataTypeRules *dt = imps_mikey_data_type_rules (data_type);
  if (min)
    *min = 0;
  if (max)
    *max = ANY;
  if (dt == NULL)
    return IMPS_MIKEY_USE_ALLOWED;
  for (guint i = 0; i < dt->n_forbidden; i++)
    if (dt->forbidden[i] == payload_type)
      {
        if (max)
          *max = 0;
        return IMPS_MIKEY_USE_FORBIDDEN;
      }
  const ImpsMikeyPayloadRule *r = find_rule (dt, payload_type, role);
  if (r == NULL)
    return IMPS_MIKEY_USE_UNEXPECTED;
  if (min)
    *min = r->min;
  if (max)
    *max = r->max;
  return r->min > 0 ? IMPS_MIKEY_USE_REQUIRED : IMPS_MIKEY_USE_ALLOWED;
}

static const gchar *
data_type_label (guint8 dt)
{
  const gchar *n = imps_mikey_data_type_name (dt);
  return n ? n : "unknown data type";
}

static gchar *
payload_desc (guint type, guint8 role)
{
  const gchar *rn = NULL;
  if (type == IMPS_MIKEY_PAYLOAD_IDR)
    rn = imps_mikey_id_role_name (role);
  else if (type == IMPS_MIKEY_PAYLOAD_RANDR)
    rn = imps_mikey_rand_role_name (role);
  else if (type == IMPS_MIKEY_PAYLOAD_TR)
    rn = imps_mikey_ts_role_name (role);
  if (rn)
    return g_strdup (rn);
  const gchar *n = imps_mikey_payload_type_name (type);
  return n ? g_strdup (n) : g_strdup_printf ("payload type %u", type);
}

/* Checks counts; marks unexpected payloads when @mark. */
static gboolean
check_payloads (ImpsMikeyMessage *msg, gboolean mark, GError **error)
{
  const ImpsMikeyDataTypeRules *dt = imps_mikey_data_type_rules (msg->hdr.data_type);
  guint8 counts[32] = { 0 };    /* per rule */
  const gchar *dtn = data_type_label (msg->hdr.data_type);

  if (dt == NULL)
    return TRUE;
  g_assert (dt->n_rules <= G_N_ELEMENTS (counts));
  for (guint i = 0; i < msg->body.n_payloads; i++)
    {
      ImpsMikeyPayload *p = &msg->body.payloads[i];
      guint8 role = payload_role (p);
      for (guint f = 0; f < dt->n_forbidden; f++)
        if (dt->forbidden[f] == p->type)
          {
            g_autofree gchar *d = payload_desc (p->type, role);
            _imps_mikey_fail (error, p->offset, "%s payload not allowed in a %s message (data type %u)",
                              d, dtn, msg->hdr.data_type);
            return FALSE;
          }
      const ImpsMikeyPayloadRule *r = find_rule (dt, p->type, role);
      if (r == NULL)
        {
          if (mark)
            p->unexpected = TRUE;
          continue;
        }
      guint idx = (guint) (r - dt->rules);
      if (counts[idx] >= r->max)
        {
          g_autofree gchar *d = payload_desc (p->type, role);
          _imps_mikey_fail (error, p->offset, "duplicate %s payload in a %s message (at most %u)",
                            d, dtn, r->max);
          return FALSE;
        }
      counts[idx]++;
    }
  for (guint i = 0; i < dt->n_rules; i++)
    if (counts[i] < dt->rules[i].min)
      {
        g_autofree gchar *d = payload_desc (dt->rules[i].payload_type, dt->rules[i].role);
        _imps_mikey_fail (error, msg->body.raw_len, "%s message: mandatory %s payload missing",
                          dtn, d);
        return FALSE;
      }
  return TRUE;
}

gboolean
imps_mikey_message_check_payloads (const ImpsMikeyMessage *msg, GError **error)
{
  return check_payloads ((ImpsMikeyMessage *) msg, FALSE, error);
}

#undef ANY

/* ------------------------------------------------------------------ */
/* Message                                                             */

ImpsMikeyMessage *
imps_mikey_message_new (guint8 data_type, gboolean v, guint8 prf, guint32 csb_id,
                        guint8 map_type, guint8 n_cs)
{
  ImpsMikeyMessage *msg;

  g_return_val_if_fail (prf < 128, NULL);
  msg = g_new0 (ImpsMikeyMessage, 1);
  _imps_mikey_chain_init (&msg->body, 0);
  msg->hdr.version = IMPS_MIKEY_VERSION;
  msg->hdr.data_type = data_type;
  msg->hdr.v = v;
  msg->hdr.prf = prf;
  msg->hdr.csb_id = csb_id;
  msg->hdr.map_type = map_type;
  msg->hdr.n_cs = n_cs;
  if (n_cs)
    {
      msg->hdr.cs = _imps_mikey_arena_alloc (msg->body.arena, n_cs * sizeof (ImpsMikeyCsInfo));
      for (guint i = 0; i < n_cs; i++)
        msg->hdr.cs[i].cs_id = (guint8) (i + 1);
    }
  return msg;
}

void
imps_mikey_message_free (ImpsMikeyMessage *msg)
{
  if (msg == NULL)
    return;
  _imps_mikey_chain_clear (&msg->body);
  imps_wipe (msg, sizeof *msg);
  g_free (msg);
}

void
imps_mikey_message_set_cs (ImpsMikeyMessage *msg, guint index, const ImpsMikeyCsInfo *cs)
{
  g_return_if_fail (msg != NULL && cs != NULL && index < msg->hdr.n_cs);
  ImpsMikeyCsInfo *d = &msg->hdr.cs[index];
  *d = *cs;
  d->policies.data = _imps_mikey_arena_dup (msg->body.arena, cs->policies.data, cs->policies.len);
  d->session_data.data = _imps_mikey_arena_dup (msg->body.arena, cs->session_data.data,
                                                cs->session_data.len);
  d->spi.data = _imps_mikey_arena_dup (msg->body.arena, cs->spi.data, cs->spi.len);
}

ImpsMikeyPayload *
imps_mikey_message_add (ImpsMikeyMessage *msg, const ImpsMikeyPayload *p)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return imps_mikey_chain_add (&msg->body, p);
}

ImpsMikeyMessage *
imps_mikey_message_keep_payload (const ImpsMikeyMessage *msg, const ImpsMikeyPayload *p,
                                 const ImpsMikeyPayload **copy)
{
  g_return_val_if_fail (msg != NULL && p != NULL, NULL);
  /* the copy's size, measured on a scratch arena: the same allocations in
   * the same order then fill one chunk exactly */
  ImpsMikeyArena *scratch = _imps_mikey_arena_new (0);
  ImpsMikeyPayload tmp = *p;
  _imps_mikey_copy_payload (scratch, &tmp);
  gsize used = _imps_mikey_arena_used (scratch);
  _imps_mikey_arena_free (scratch);

  ImpsMikeyMessage *m = g_new0 (ImpsMikeyMessage, 1);
  m->hdr = msg->hdr;
  m->hdr.n_cs = 0;
  m->hdr.cs = NULL;
  m->body.arena = _imps_mikey_arena_new_exact (used);
  _imps_mikey_chain_set_items (&m->body, p, 1);
  _imps_mikey_copy_payload (m->body.arena, &m->body.payloads[0]);
  if (copy)
    *copy = &m->body.payloads[0];
  return m;
}

#define NEED(call, what) \
  G_STMT_START { \
    gsize _at = r.pos; \
    if (!(call)) \
      { \
        _imps_mikey_fail (error, _at, "HDR: truncated %s", what); \
        return FALSE; \
      } \
  } G_STMT_END

static gboolean
read_view (ImpsReader *r, ImpsMikeyBytes *out, gsize len, const gchar *what, gsize len_at,
           guint cs, GError **error)
{
  const guint8 *p;
  if (!imps_reader_bytes (r, &p, len))
    {
      _imps_mikey_fail (error, len_at, "HDR: CS %u %s length %" G_GSIZE_FORMAT
                        " runs past the end (%" G_GSIZE_FORMAT " bytes left)",
                        cs, what, len, imps_reader_remaining (r));
      return FALSE;
    }
  out->data = len ? p : NULL;
  out->len = len;
  return TRUE;
}

static gboolean
parse_hdr (ImpsMikeyMessage *msg, const guint8 *data, gsize len, GError **error)
{
  ImpsMikeyHdr *h = &msg->hdr;
  ImpsReader r;
  guint8 b;

  imps_reader_init (&r, data, len);
  NEED (imps_reader_u8 (&r, &h->version), "version");
  if (h->version != IMPS_MIKEY_VERSION)
    {
      _imps_mikey_fail (error, 0, "HDR: unsupported version %u (expected 1)", h->version);
      return FALSE;
    }
  NEED (imps_reader_u8 (&r, &h->data_type), "data type");
  NEED (imps_reader_u8 (&r, &h->next_payload), "next payload");
  NEED (imps_reader_u8 (&r, &b), "V / PRF func");
  h->v = (b >> 7) != 0;
  h->prf = b & 0x7f;
  NEED (imps_reader_u32 (&r, &h->csb_id), "CSB ID");
  NEED (imps_reader_u8 (&r, &h->n_cs), "#CS");
  NEED (imps_reader_u8 (&r, &h->map_type), "CS ID map type");

  /* the CS ID map info is variable, parsed per map type. */
  switch (h->map_type)
    {
    case IMPS_MIKEY_CS_MAP_EMPTY:
      if (h->n_cs != 0)
        {
          _imps_mikey_fail (error, 8, "HDR: #CS is %u but the Empty map (RFC 4563) needs 0", h->n_cs);
          return FALSE;
        }
      break;
    case IMPS_MIKEY_CS_MAP_SRTP_ID:
    case IMPS_MIKEY_CS_MAP_GENERIC_ID:
      break;
    default:
      _imps_mikey_fail (error, 9, "HDR: unknown CS ID map type %u", h->map_type);
      return FALSE;
    }
  if (h->n_cs)
    h->cs = _imps_mikey_arena_alloc (msg->body.arena, h->n_cs * sizeof (ImpsMikeyCsInfo));
  for (guint i = 0; i < h->n_cs; i++)
    {
      ImpsMikeyCsInfo *cs = &h->cs[i];
      gsize at = r.pos;
      if (h->map_type == IMPS_MIKEY_CS_MAP_SRTP_ID)
        {
          cs->cs_id = (guint8) (i + 1);
          if (!imps_reader_u8 (&r, &cs->policy_no) || !imps_reader_u32 (&r, &cs->ssrc)
              || !imps_reader_u32 (&r, &cs->roc))
            {
              _imps_mikey_fail (error, at, "HDR: truncated SRTP-ID map entry %u of %u (9 bytes each)",
                                i + 1, h->n_cs);
              return FALSE;
            }
          cs->has_ssrc = TRUE;
          continue;
        }
      guint16 sdl;
      guint8 np, spil;
      if (!imps_reader_u8 (&r, &cs->cs_id) || !imps_reader_u8 (&r, &cs->prot_type)
          || !imps_reader_u8 (&r, &np))
        {
          _imps_mikey_fail (error, at, "HDR: truncated GENERIC-ID map entry %u of %u", i + 1, h->n_cs);
          return FALSE;
        }
      cs->s_flag = (np >> 7) != 0;
      if (!read_view (&r, &cs->policies, np & 0x7f, "policy list (#P)", r.pos - 1, i + 1, error))
        return FALSE;
      at = r.pos;
      if (!imps_reader_u16 (&r, &sdl))
        {
          _imps_mikey_fail (error, at, "HDR: truncated Session Data Length of CS %u", i + 1);
          return FALSE;
        }
      if (!read_view (&r, &cs->session_data, sdl, "Session Data", at, i + 1, error))
        return FALSE;
      if (cs->prot_type == IMPS_MIKEY_PROT_SRTP && sdl > 0)
        {
          /* SRTP Session Data: SSRC [ROC SEQ when S = 1]. */
          gsize want = cs->s_flag ? 10 : 4;
          if (sdl != want)
            {
              _imps_mikey_fail (error, at, "HDR: CS %u SRTP Session Data is %u bytes, expected %"
                                G_GSIZE_FORMAT " (S = %u)", i + 1, sdl, want, cs->s_flag);
              return FALSE;
            }
          cs->has_ssrc = TRUE;
          cs->ssrc = imps_load_u32 (cs->session_data.data);
          if (cs->s_flag)
            {
              cs->roc = imps_load_u32 (cs->session_data.data + 4);
              cs->seq = imps_load_u16 (cs->session_data.data + 8);
            }
        }
      at = r.pos;
      if (!imps_reader_u8 (&r, &spil))
        {
          _imps_mikey_fail (error, at, "HDR: truncated SPI Length of CS %u", i + 1);
          return FALSE;
        }
      if (!read_view (&r, &cs->spi, spil, "SPI", at, i + 1, error))
        return FALSE;
    }
  h->length = r.pos;
  return TRUE;
}

#undef NEED

ImpsMikeyMessage *
imps_mikey_message_parse (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (ImpsMikeyMessage) msg = NULL;
  ImpsMikeyPayload *items = NULL;
  guint n = 0;
  gsize consumed = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  if (len > IMPS_MIKEY_MAX_MESSAGE_SIZE)
    {
      _imps_mikey_fail (error, IMPS_MIKEY_MAX_MESSAGE_SIZE,
                        "message of %" G_GSIZE_FORMAT " bytes is larger than %u bytes", len,
                        IMPS_MIKEY_MAX_MESSAGE_SIZE);
      return NULL;
    }
  msg = g_new0 (ImpsMikeyMessage, 1);
  _imps_mikey_chain_init (&msg->body, len + 1024);
  _imps_mikey_chain_set_raw (&msg->body, data, len);
  if (!parse_hdr (msg, msg->body.raw, len, error))
    return NULL;
  if (!_imps_mikey_parse_chain (msg->body.arena, msg->body.raw + msg->hdr.length,
                                len - msg->hdr.length, msg->hdr.length, msg->hdr.next_payload,
                                &items, &n, &consumed, error))
    return NULL;
  if (msg->hdr.length + consumed != len)
    {
      _imps_mikey_fail (error, msg->hdr.length + consumed,
                        "message: %" G_GSIZE_FORMAT " bytes after the last payload",
                        len - msg->hdr.length - consumed);
      return NULL;
    }
  _imps_mikey_chain_set_items (&msg->body, items, n);
  if (!check_payloads (msg, TRUE, error))
    return NULL;
  return g_steal_pointer (&msg);
}

static gboolean
write_hdr (ImpsMikeyMessage *msg, GByteArray *out, GError **error)
{
  ImpsMikeyHdr *h = &msg->hdr;
  guint8 next = msg->body.n_payloads ? (guint8) msg->body.payloads[0].type : 0;

  if (msg->body.n_payloads && msg->body.payloads[0].type > 255)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                   "MIKEY HDR cannot be followed by %s", imps_mikey_payload_type_name (msg->body.payloads[0].type));
      return FALSE;
    }
  if (h->prf > 127)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED, "MIKEY HDR: PRF func %u does not fit 7 bits", h->prf);
      return FALSE;
    }
  if (h->map_type == IMPS_MIKEY_CS_MAP_EMPTY && h->n_cs != 0)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED, "MIKEY HDR: the Empty map needs #CS = 0");
      return FALSE;
    }
  if (h->map_type > IMPS_MIKEY_CS_MAP_GENERIC_ID)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED, "MIKEY HDR: unknown CS ID map type %u", h->map_type);
      return FALSE;
    }
  h->next_payload = next;
  imps_put_u8 (out, h->version);
  imps_put_u8 (out, h->data_type);
  imps_put_u8 (out, next);
  imps_put_u8 (out, (guint8) ((h->v ? 0x80 : 0) | h->prf));
  imps_put_u32 (out, h->csb_id);
  imps_put_u8 (out, h->n_cs);
  imps_put_u8 (out, h->map_type);
  for (guint i = 0; i < h->n_cs; i++)
    {
      const ImpsMikeyCsInfo *cs = &h->cs[i];
      if (h->map_type == IMPS_MIKEY_CS_MAP_SRTP_ID)
        {
          imps_put_u8 (out, cs->policy_no);
          imps_put_u32 (out, cs->ssrc);
          imps_put_u32 (out, cs->roc);
          continue;
        }
      if (cs->policies.len > 127 || cs->spi.len > 255 || cs->session_data.len > G_MAXUINT16)
        {
          g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                       "MIKEY HDR: CS %u: #P, Session Data or SPI too long", i + 1);
          return FALSE;
        }
      imps_put_u8 (out, cs->cs_id);
      imps_put_u8 (out, cs->prot_type);
      imps_put_u8 (out, (guint8) ((cs->s_flag ? 0x80 : 0) | cs->policies.len));
      imps_put_bytes (out, cs->policies.data, cs->policies.len);
      if (cs->session_data.len > 0)
        {
          imps_put_u16 (out, (guint16) cs->session_data.len);
          imps_put_bytes (out, cs->session_data.data, cs->session_data.len);
        }
      else if (cs->has_ssrc && cs->prot_type == IMPS_MIKEY_PROT_SRTP)
        {
          imps_put_u16 (out, cs->s_flag ? 10 : 4);
          imps_put_u32 (out, cs->ssrc);
          if (cs->s_flag)
            {
              imps_put_u32 (out, cs->roc);
              imps_put_u16 (out, cs->seq);
            }
        }
      else
        imps_put_u16 (out, 0);
      imps_put_u8 (out, (guint8) cs->spi.len);
      imps_put_bytes (out, cs->spi.data, cs->spi.len);
    }
  h->length = out->len;
  return TRUE;
}

const guint8 *
imps_mikey_message_serialize (ImpsMikeyMessage *msg, gsize *len, GError **error)
{
  g_autoptr (GByteArray) out = g_byte_array_sized_new (256);

  g_return_val_if_fail (msg != NULL, NULL);
  if (msg->body.n_payloads > IMPS_MIKEY_MAX_PAYLOADS)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                   "MIKEY message has %u payloads (at most %u)", msg->body.n_payloads,
                   IMPS_MIKEY_MAX_PAYLOADS);
      return NULL;
    }
  if (!write_hdr (msg, out, error)
      || !_imps_mikey_write_items (msg->body.payloads, msg->body.n_payloads, out, 0, error))
    {
      imps_wipe (out->data, out->len);
      return NULL;
    }
  if (out->len > IMPS_MIKEY_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                   "MIKEY message of %u bytes is larger than %u bytes", out->len,
                   IMPS_MIKEY_MAX_MESSAGE_SIZE);
      imps_wipe (out->data, out->len);
      return NULL;
    }
  _imps_mikey_chain_set_raw (&msg->body, out->data, out->len);
  imps_wipe (out->data, out->len);
  _imps_mikey_set_raw_views (msg->body.payloads, msg->body.n_payloads, msg->body.raw, 0);
  if (len)
    *len = msg->body.raw_len;
  return msg->body.raw;
}

GBytes *
imps_mikey_message_to_bytes (ImpsMikeyMessage *msg, GError **error)
{
  gsize len;
  const guint8 *raw = imps_mikey_message_serialize (msg, &len, error);
  return raw ? g_bytes_new (raw, len) : NULL;
}

gboolean
imps_mikey_message_set_v_mac (ImpsMikeyMessage *msg, const guint8 *mac, gsize len)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  return imps_mikey_chain_set_v_mac (&msg->body, mac, len);
}

gboolean
imps_mikey_message_set_initiator_data (ImpsMikeyMessage *msg, const guint8 *data, gsize len,
                                       GError **error)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  for (guint i = 0; i < msg->body.n_payloads; i++)
    {
      ImpsMikeyPayload *p = &msg->body.payloads[i];
      if (p->type != IMPS_MIKEY_PAYLOAD_TICKET)
        continue;
      if (len > G_MAXUINT16)
        {
          g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED,
                       "MIKEY TICKET: Initiator Data of %" G_GSIZE_FORMAT " bytes is too long", len);
          return FALSE;
        }
      /* Parse it so init_items matches the bytes (and bad data is refused). */
      ImpsMikeyPayload *items = NULL;
      guint n = 0;
      gsize consumed = 0;
      const guint8 *copy = _imps_mikey_arena_dup (msg->body.arena, data, len);
      if (len > 0)
        {
          if (!_imps_mikey_parse_chain (msg->body.arena, copy + 1, len - 1, 1, copy[0], &items, &n,
                                        &consumed, error))
            {
              g_prefix_error (error, "Initiator Data: ");
              return FALSE;
            }
          if (consumed + 1 != len)
            {
              _imps_mikey_fail (error, consumed + 1, "Initiator Data: bytes after the last payload");
              return FALSE;
            }
        }
      p->u.ticket.initiator_data.data = copy;
      p->u.ticket.initiator_data.len = len;
      /* Written from the bytes; the items are re-pointed after serialise. */
      p->u.ticket.init_items = NULL;
      p->u.ticket.n_init_items = 0;
      if (imps_mikey_message_serialize (msg, NULL, error) == NULL)
        return FALSE;
      /* Parse again at the final position so the items carry message offsets. */
      p = &msg->body.payloads[i];
      if (len > 0)
        {
          const guint8 *at = msg->body.raw + p->u.ticket.init_data_offset;
          if (!_imps_mikey_parse_chain (msg->body.arena, at + 1, len - 1,
                                        p->u.ticket.init_data_offset + 1, at[0], &items, &n,
                                        &consumed, error))
            return FALSE;
          p->u.ticket.init_items = items;
          p->u.ticket.n_init_items = n;
        }
      return TRUE;
    }
  g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED, "MIKEY message has no TICKET payload");
  return FALSE;
}

const ImpsMikeyPayload *
imps_mikey_message_find (const ImpsMikeyMessage *msg, guint type)
{
  return imps_mikey_chain_find (&msg->body, type, 0);
}

const ImpsMikeyPayload *
imps_mikey_message_find_idr (const ImpsMikeyMessage *msg, guint8 role)
{
  return imps_mikey_chain_find (&msg->body, IMPS_MIKEY_PAYLOAD_IDR, role);
}

const ImpsMikeyPayload *
imps_mikey_message_find_randr (const ImpsMikeyMessage *msg, guint8 role)
{
  return imps_mikey_chain_find (&msg->body, IMPS_MIKEY_PAYLOAD_RANDR, role);
}

guint
imps_mikey_message_find_all_idr (const ImpsMikeyMessage *msg, guint8 role,
                                 const ImpsMikeyPayload **out, guint max)
{
  return imps_mikey_chain_find_all (&msg->body, IMPS_MIKEY_PAYLOAD_IDR, role, out, max);
}
