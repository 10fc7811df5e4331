/* MIKEY-TICKET exchanges (mode 1) and the shared vector table.
 * See imps-mikey-exchange.h; section numbers refer to mikey-ticket.md. */
#include "imps-mikey-exchange.h"

#include "imps-bytes.h"
#include "imps-hex.h"
#include "imps-secret.h"
#include "imps-selftest.h"

#include <string.h>


#define ERR(code) IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_##code

static const gchar *
err_name (guint code)
{
  const gchar *n = imps_mikey_err_no_name (code);
  return n != NULL ? n : "unknown";
}

void
imps_mikey_suite_init (ImpsMikeySuite *suite, gboolean suite_256)
{
  /* profile §3: the 256-bit algorithms only together (RFC 6043 §12.1) */
  suite->prf = suite_256 ? IMPS_MIKEY_PRF_HMAC_SHA256 : IMPS_MIKEY_PRF_MIKEY_1;
  suite->encr_alg = suite_256 ? IMPS_MIKEY_ENCR_AES_CM_256 : IMPS_MIKEY_ENCR_AES_CM_128;
  suite->mac_alg = suite_256 ? IMPS_MIKEY_MAC_HMAC_SHA256_256 : IMPS_MIKEY_MAC_HMAC_SHA1_160;
  suite->rand_len = suite_256 ? 32 : 16;
}

void
imps_mikey_kms_policy_init_default (ImpsMikeyKmsPolicy *policy, const gchar *domain)
{
  /* profile §3 "KMS default policy" */
  memset (policy, 0, sizeof *policy);
  policy->domain = domain;
  policy->max_validity = 3600;
  policy->allow_reuse = TRUE;
  policy->allow_forking = TRUE;
  policy->max_keys = 4;
}

void
imps_mikey_srtp_keys_clear (ImpsMikeySrtpKeys *keys, guint n)
{
  if (keys != NULL)
    imps_wipe (keys, n * sizeof *keys);
}

/* ---- small helpers ---------------------------------------------------- */

static ImpsMikeyBytes
bytes_str (const gchar *s)
{
  ImpsMikeyBytes b = { (const guint8 *) s, s != NULL ? strlen (s) : 0 };
  return b;
}

static ImpsMikeyBytes
idr_or (const ImpsMikeyMessage *m, guint8 role, const gchar *fallback)
{
  const ImpsMikeyPayload *p = imps_mikey_message_find_idr (m, role);
  if (p != NULL)
    return p->u.id.data;
  return bytes_str (fallback);
}

static ImpsMikeyBytes
randr_of (const ImpsMikeyMessage *m, guint8 role)
{
  const ImpsMikeyPayload *p = imps_mikey_message_find_randr (m, role);
  ImpsMikeyBytes none = { NULL, 0 };
  return p != NULL ? p->u.rand.data : none;
}

static const ImpsMikeyPayload *
ticket_of (const ImpsMikeyMessage *m)
{
  return imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_TICKET);
}

static gboolean
draw_key (ImpsRandom *rnd, guint8 type, guint8 len, ImpsMikeySessionKey *k)
{
  memset (k, 0, sizeof *k);
  k->type = type;
  k->key_len = len;
  imps_random_fill (rnd, k->key, len);
  if (imps_mikey_key_type_has_salt (type))
    {
      k->salt_len = IMPS_MIKEY_SALT_LEN;
      imps_random_fill (rnd, k->salt, k->salt_len);
    }
  k->spi_len = 4;
  imps_random_fill (rnd, k->spi, 4);
  return TRUE;
}

static gboolean
check_t (const ImpsMikeyMessage *m, guint64 now, guint skew, GError **error)
{
  const ImpsMikeyPayload *t = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_T);
  if (t == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "%s: no T payload",
                   imps_mikey_data_type_name (m->hdr.data_type));
      return FALSE;
    }
  if (t->u.ts.ts_type != IMPS_MIKEY_TS_NTP_UTC && t->u.ts.ts_type != IMPS_MIKEY_TS_NTP)
    {
      g_set_error (error, ERR (INVALID_TS),
                   "T at byte %" G_GSIZE_FORMAT ": TS type %u, this profile uses NTP-UTC (§3)",
                   t->offset, t->u.ts.ts_type);
      return FALSE;
    }
  if (!imps_mikey_ts_within_skew (t->u.ts.value, now, skew))
    {
      g_set_error (error, ERR (INVALID_TS),
                   "T at byte %" G_GSIZE_FORMAT ": %" G_GINT64_FORMAT " s away from the clock, "
                   "allowed +/-%u s", t->offset,
                   (gint64) ((t->u.ts.value >> 32)) - (gint64) (now >> 32), skew);
      return FALSE;
    }
  return TRUE;
}

static guint64
t_of (const ImpsMikeyMessage *m)
{
  const ImpsMikeyPayload *t = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_T);
  return t != NULL ? imps_mikey_timestamp_to_64 (&t->u.ts) : 0;
}

static const ImpsMikeyPayload *
v_of (const ImpsMikeyMessage *m, GError **error)
{
  const ImpsMikeyPayload *v = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_V);
  gsize mac_len;

  if (v == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "%s: no V payload",
                   imps_mikey_data_type_name (m->hdr.data_type));
      return NULL;
    }
  mac_len = imps_mikey_mac_len (v->u.v.auth_alg);
  if (mac_len == 0)
    {
      g_set_error (error, ERR (INVALID_MAC), "V at byte %" G_GSIZE_FORMAT
                   ": Auth alg %u is not supported", v->offset, v->u.v.auth_alg);
      return NULL;
    }
  if (v->u.v.mac_offset + mac_len != m->body.raw_len)
    {
      g_set_error (error, ERR (MALFORMED), "V at byte %" G_GSIZE_FORMAT
                   " is not the last payload", v->offset);
      return NULL;
    }
  return v;
}

/* The MAC of a serialised message (§7): everything before V's MAC field,
 * minus [cut_from, cut_from + cut_len) (A-4), then @extra. */
static gboolean
message_mac (const ImpsMikeyMessage *m, const ImpsMikeyMsgKeys *keys,
             gsize cut_from, gsize cut_len, const ImpsIovec *extra, guint n_extra,
             guint8 *mac, GError **error)
{
  const ImpsMikeyPayload *v = v_of (m, error);
  ImpsIovec iov[6];
  guint n = 0;
  gsize end;

  if (v == NULL)
    return FALSE;
  g_return_val_if_fail (n_extra <= 4, FALSE);
  end = v->u.v.mac_offset;
  if (cut_len == 0 || cut_from > end || cut_from + cut_len > end)
    {
      cut_from = end;
      cut_len = 0;
    }
  iov[n].data = m->body.raw;
  iov[n++].len = cut_from;
  iov[n].data = m->body.raw + cut_from + cut_len;
  iov[n++].len = end - cut_from - cut_len;
  for (guint i = 0; i < n_extra; i++)
    iov[n++] = extra[i];
  if (keys->auth_len == 0 || keys->mac_alg != v->u.v.auth_alg)
    {
      g_set_error (error, ERR (INVALID_MAC), "V Auth alg %u does not match the keys (%u)",
                   v->u.v.auth_alg, keys->mac_alg);
      return FALSE;
    }
  return imps_mikey_mac (keys->mac_alg, keys->auth, keys->auth_len, iov, n, mac);
}

static gboolean
sign_message (ImpsMikeyMessage *m, const ImpsMikeyMsgKeys *keys,
              gboolean cut_init_data, const ImpsIovec *extra, guint n_extra,
              GError **error)
{
  guint8 mac[IMPS_MIKEY_MAX_MAC_LEN];
  gsize cut_from = 0, cut_len = 0;

  if (imps_mikey_message_serialize (m, NULL, error) == NULL)
    return FALSE;
  if (cut_init_data)
    {
      const ImpsMikeyPayload *t = ticket_of (m);
      if (t != NULL)
        {
          cut_from = t->u.ticket.init_len_offset;
          cut_len = t->u.ticket.init_data_offset + t->u.ticket.initiator_data.len - cut_from;
        }
    }
  if (!message_mac (m, keys, cut_from, cut_len, extra, n_extra, mac, error))
    return FALSE;
  return imps_mikey_message_set_v_mac (m, mac, keys->auth_len);
}

static gboolean
verify_message (const ImpsMikeyMessage *m, const ImpsMikeyMsgKeys *keys,
                gboolean cut_init_data, const ImpsIovec *extra, guint n_extra,
                GError **error)
{
  guint8 mac[IMPS_MIKEY_MAX_MAC_LEN];
  gsize cut_from = 0, cut_len = 0;
  const ImpsMikeyPayload *v = v_of (m, error);

  if (v == NULL)
    return FALSE;
  if (cut_init_data)
    {
      const ImpsMikeyPayload *t = ticket_of (m);
      if (t != NULL)
        {
          cut_from = t->u.ticket.init_len_offset;
          cut_len = t->u.ticket.init_data_offset + t->u.ticket.initiator_data.len - cut_from;
        }
    }
  if (!message_mac (m, keys, cut_from, cut_len, extra, n_extra, mac, error))
    return FALSE;
  if (!imps_mem_equal (mac, v->u.v.mac.data, keys->auth_len))
    {
      g_set_error (error, ERR (AUTH_FAILED), "%s (CSB ID %08x): the V MAC at byte %"
                   G_GSIZE_FORMAT " does not verify",
                   imps_mikey_data_type_name (m->hdr.data_type), m->hdr.csb_id,
                   v->u.v.mac_offset);
      return FALSE;
    }
  return TRUE;
}

/* The 0x01 / 0x02 message keys of exchange message @m (§6.3, §6.4): the
 * RANDs of the exchange are those of @initial (RANDRi for Request and
 * Transfer, RANDRr for Resolve) plus, for TRANSFER_RESP, its own RANDRr. */
static gboolean
exchange_keys (const ImpsMikeyMessage *initial, const ImpsMikeyMessage *resp,
               ImpsMikeyLabelType type, const guint8 *key, gsize key_len,
               guint encr_alg, guint mac_alg, ImpsMikeyMsgKeys *out, GError **error)
{
  ImpsMikeyBytes ri = { NULL, 0 }, rr = { NULL, 0 };

  switch (initial->hdr.data_type)
    {
    case IMPS_MIKEY_DATA_REQUEST_INIT_PSK:
    case IMPS_MIKEY_DATA_TRANSFER_INIT:
      ri = randr_of (initial, IMPS_MIKEY_RAND_ROLE_I);
      if (resp != NULL && resp->hdr.data_type == IMPS_MIKEY_DATA_TRANSFER_RESP)
        rr = randr_of (resp, IMPS_MIKEY_RAND_ROLE_R);
      break;
    case IMPS_MIKEY_DATA_RESOLVE_INIT_PSK:
      rr = randr_of (initial, IMPS_MIKEY_RAND_ROLE_R);
      break;
    default:
      break;
    }
  if (!imps_mikey_derive_msg_keys (initial->hdr.prf, key, key_len, initial->hdr.csb_id, type,
                                   ri.data, ri.len, rr.data, rr.len, encr_alg, mac_alg, out))
    {
      g_set_error (error, ERR (INVALID_PRF),
                   "PRF %u, Encr alg %u or Auth alg %u is not supported",
                   initial->hdr.prf, encr_alg, mac_alg);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_data_type (const ImpsMikeyMessage *m, guint8 want, GError **error)
{
  if (m->hdr.data_type == want)
    return TRUE;
  if (m->hdr.data_type == IMPS_MIKEY_DATA_ERROR)
    {
      const ImpsMikeyPayload *e = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_ERR);
      guint code = e != NULL ? e->u.err.error_no : 12;
      g_set_error (error, ERR (UNSPECIFIED), "the peer answered with MIKEY Error %u (%s)",
                   code, err_name (code));
      return FALSE;
    }
  g_set_error (error, ERR (INVALID_DT), "HDR data type %u (%s) where %s was expected%s",
               m->hdr.data_type, imps_mikey_data_type_name (m->hdr.data_type) != NULL
               ? imps_mikey_data_type_name (m->hdr.data_type) : "unknown",
               imps_mikey_data_type_name (want),
               m->hdr.data_type == IMPS_MIKEY_DATA_REQUEST_INIT_PK
               || m->hdr.data_type == IMPS_MIKEY_DATA_RESOLVE_INIT_PK
               ? " (PK variants are not implemented, A-14)" : "");
  return FALSE;
}

/* Adds a TP or TICKET that this side wrote: with its TP Data parsed into
 * items, so that the built message can be read back like a received one
 * (imps_mikey_tp_read(), audit logs). The writer re-serialises the items;
 * check_tp_bytes() makes sure that gives the very bytes the ticket MAC
 * covers. */
static void
add_tp (ImpsMikeyMessage *m, guint type, const ImpsMikeyTp *tp, GBytes *tp_data,
        GBytes *ticket_data)
{
  ImpsMikeyPayload pl = imps_mikey_tp_payload (type, tp, tp_data, ticket_data, NULL, 0);
  gsize len = 0;
  const guint8 *raw = g_bytes_get_data (tp_data, &len);
  g_autoptr (ImpsMikeyChain) items = imps_mikey_chain_parse (raw, len, IMPS_MIKEY_CHAIN_TYPED,
                                                             NULL);
  if (items != NULL)
    {
      pl.u.ticket.tp_items = items->payloads;
      pl.u.ticket.n_tp_items = items->n_payloads;
    }
  imps_mikey_message_add (m, &pl);
}

static gboolean
check_tp_bytes (const ImpsMikeyMessage *m, guint type, GBytes *tp_data, GError **error)
{
  const ImpsMikeyPayload *p = imps_mikey_message_find (m, type);
  gsize len = 0;
  const guint8 *raw = g_bytes_get_data (tp_data, &len);

  if (p == NULL || p->u.ticket.tp_data.len != len
      || memcmp (p->u.ticket.tp_data.data, raw, len) != 0)
    {
      g_set_error (error, ERR (UNSPECIFIED), "TP Data changed when the message was written");
      return FALSE;
    }
  return TRUE;
}

/* ---- the algorithm suite of a message (RFC 6043 §12.1) ---------------- */

gboolean
imps_mikey_suite_of (const ImpsMikeyMessage *msg, ImpsMikeySuite *suite, GError **error)
{
  const ImpsMikeyPayload *v = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_V);
  gboolean prf256 = msg->hdr.prf == IMPS_MIKEY_PRF_HMAC_SHA256;
  gboolean mac256 = v != NULL && v->u.v.auth_alg == IMPS_MIKEY_MAC_HMAC_SHA256_256;
  if (v != NULL && prf256 != mac256)
    {
      g_set_error (error, ERR (INVALID_MAC),
                   "%s mixes suites: HDR PRF func %u with V Auth alg %u (RFC 6043 §12.1: "
                   "PRF-HMAC-SHA-256 and HMAC-SHA-256-256 only together)",
                   imps_mikey_data_type_name (msg->hdr.data_type), msg->hdr.prf,
                   v->u.v.auth_alg);
      return FALSE;
    }
  imps_mikey_suite_init (suite, prf256);
  return TRUE;
}

/* ---- shared initial-message verification ------------------------------ */

gboolean
imps_mikey_initial_verify (const ImpsMikeyMessage *msg,
                           const guint8 *psk, gsize psk_len,
                           const gchar *kms_uri, guint64 now, guint skew,
                           ImpsMikeyReplay *replay, GError **error)
{
  return imps_mikey_initial_verify_for (msg, psk, psk_len, kms_uri, now, skew, replay, NULL, 0,
                                        0, error);
}

gboolean
imps_mikey_initial_verify_for (const ImpsMikeyMessage *msg,
                               const guint8 *psk, gsize psk_len,
                               const gchar *kms_uri, guint64 now, guint skew,
                               ImpsMikeyReplay *replay, const guint8 *owner, gsize owner_len,
                               guint quota, GError **error)
{
  ImpsMikeyMsgKeys keys;
  const ImpsMikeyPayload *v;
  guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN];
  ImpsMikeyBytes id_a, id_kms;
  gboolean ok;

  if (msg->hdr.data_type != IMPS_MIKEY_DATA_REQUEST_INIT_PSK
      && msg->hdr.data_type != IMPS_MIKEY_DATA_RESOLVE_INIT_PSK)
    return check_data_type (msg, IMPS_MIKEY_DATA_REQUEST_INIT_PSK, error);
  if (!imps_mikey_prf_supported (msg->hdr.prf))
    {
      g_set_error (error, ERR (INVALID_PRF), "HDR PRF func %u is not supported", msg->hdr.prf);
      return FALSE;
    }
  if (!check_t (msg, now, skew, error))
    return FALSE;
  {
    ImpsMikeySuite suite;
    if (!imps_mikey_suite_of (msg, &suite, error))
      return FALSE;
  }
  imps_mikey_replay_digest (msg->body.raw, msg->body.raw_len, digest);
  if (replay != NULL && imps_mikey_replay_contains (replay, digest, now))
    {
      g_set_error (error, ERR (REPLAY), "%s (CSB ID %08x) was received before (replay)",
                   imps_mikey_data_type_name (msg->hdr.data_type), msg->hdr.csb_id);
      return FALSE;
    }
  v = v_of (msg, error);
  if (v == NULL)
    return FALSE;
  if (!exchange_keys (msg, NULL, IMPS_MIKEY_LABEL_INITIAL, psk, psk_len,
                      IMPS_MIKEY_ENCR_NULL, v->u.v.auth_alg, &keys, error))
    return FALSE;
  /* §7, A-3: Identity_i (Request) or Identity_r (Resolve), then Identity_kms */
  id_a = msg->hdr.data_type == IMPS_MIKEY_DATA_REQUEST_INIT_PSK
         ? idr_or (msg, IMPS_MIKEY_ID_ROLE_I, NULL) : idr_or (msg, IMPS_MIKEY_ID_ROLE_R, NULL);
  id_kms = idr_or (msg, IMPS_MIKEY_ID_ROLE_KMS, kms_uri);
  {
    ImpsIovec extra[2] = { { id_a.data, id_a.len }, { id_kms.data, id_kms.len } };
    ok = verify_message (msg, &keys, FALSE, extra, 2, error);
  }
  imps_mikey_msg_keys_clear (&keys);
  if (!ok)
    return FALSE;
  if (replay != NULL)
    {
      switch (imps_mikey_replay_insert_for (replay, digest, owner, owner_len, quota, t_of (msg),
                                            now))
        {
        case IMPS_MIKEY_REPLAY_OK:
          break;
        case IMPS_MIKEY_REPLAY_SEEN:
          g_set_error (error, ERR (REPLAY), "message was received before (replay)");
          return FALSE;
        case IMPS_MIKEY_REPLAY_OWNER_FULL:
          g_set_error (error, ERR (UNSPECIFIED), "replay cache: %.*s already has %u messages "
                       "in the skew window, its quota, and the pool shared beyond quotas is "
                       "full; message refused (fail closed)",
                       (int) MIN (owner_len, 200), (const char *) owner, quota);
          return FALSE;
        case IMPS_MIKEY_REPLAY_FULL:
          g_set_error (error, ERR (UNSPECIFIED), "replay cache full (%u messages): message "
                       "refused (fail closed)", imps_mikey_replay_max_entries (replay));
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- Ticket Request ------------------------------------------------- */

ImpsMikeyMessage *
imps_mikey_request_init_build (const ImpsMikeyRequestParams *p,
                               const guint8 *psk, gsize psk_len,
                               guint64 now, ImpsRandom *rnd, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = NULL;
  g_autoptr (GBytes) tp_data = NULL;
  ImpsMikeyMsgKeys keys;
  ImpsMikeyPayload pl;
  guint8 randri[IMPS_MIKEY_MAX_RAND_LEN];
  guint32 csb;
  gboolean ok;

  g_return_val_if_fail (p != NULL && p->desired != NULL && rnd != NULL, NULL);
  csb = imps_random_u32 (rnd);
  imps_random_fill (rnd, randri, p->suite.rand_len);
  /* A-1: V = 1 in REQUEST_INIT; #CS 0 with the Empty map */
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_REQUEST_INIT_PSK, TRUE, p->suite.prf, csb,
                              IMPS_MIKEY_CS_MAP_EMPTY, 0);
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_I, randri, p->suite.rand_len);
  imps_mikey_message_add (m, &pl);
  if (p->initiator_uri != NULL)
    {
      pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI,
                                   (const guint8 *) p->initiator_uri, strlen (p->initiator_uri));
      imps_mikey_message_add (m, &pl);
    }
  if (p->kms_uri != NULL)
    {
      pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI,
                                   (const guint8 *) p->kms_uri, strlen (p->kms_uri));
      imps_mikey_message_add (m, &pl);
    }
  tp_data = imps_mikey_tp_data_build (p->desired, TRUE, error);
  if (tp_data == NULL)
    return NULL;
  add_tp (m, IMPS_MIKEY_PAYLOAD_TP, p->desired, tp_data, NULL);
  if (p->psk_id != NULL)
    {
      pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_PSK, IMPS_MIKEY_ID_BYTE_STRING,
                                   p->psk_id, p->psk_id_len);
      imps_mikey_message_add (m, &pl);
    }
  pl = imps_mikey_payload_v (p->suite.mac_alg, NULL, 0);
  imps_mikey_message_add (m, &pl);

  if (!imps_mikey_derive_msg_keys (p->suite.prf, psk, psk_len, csb, IMPS_MIKEY_LABEL_INITIAL,
                                   randri, p->suite.rand_len, NULL, 0, IMPS_MIKEY_ENCR_NULL,
                                   p->suite.mac_alg, &keys))
    {
      g_set_error (error, ERR (INVALID_PRF), "PRF %u / Auth alg %u not supported",
                   p->suite.prf, p->suite.mac_alg);
      return NULL;
    }
  {
    ImpsMikeyBytes id_i = bytes_str (p->initiator_uri), id_k = bytes_str (p->kms_uri);
    ImpsIovec extra[2] = { { id_i.data, id_i.len }, { id_k.data, id_k.len } };
    ok = sign_message (m, &keys, FALSE, extra, 2, error)
         && check_tp_bytes (m, IMPS_MIKEY_PAYLOAD_TP, tp_data, error);
  }
  imps_mikey_msg_keys_clear (&keys);
  return ok ? g_steal_pointer (&m) : NULL;
}

static gboolean
id_in_domain (ImpsMikeyBytes id, const gchar *domain)
{
  gsize dl;
  if (domain == NULL)
    return TRUE;
  dl = strlen (domain);
  return id.len > dl + 1 && id.data[id.len - dl - 1] == '@'
         && memcmp (id.data + id.len - dl, domain, dl) == 0;
}

static gboolean
bytes_eq_str (ImpsMikeyBytes b, const gchar *s)
{
  return s != NULL && b.len == strlen (s) && memcmp (b.data, s, b.len) == 0;
}

static const ImpsMikeyGroup *
find_group (const ImpsMikeyKmsPolicy *policy, ImpsMikeyBytes id)
{
  for (guint i = 0; i < policy->n_groups; i++)
    if (bytes_eq_str (id, policy->groups[i].id))
      return &policy->groups[i];
  return NULL;
}

static gboolean
group_has (const ImpsMikeyGroup *g, ImpsMikeyBytes member)
{
  for (guint i = 0; g->members != NULL && g->members[i] != NULL; i++)
    if (bytes_eq_str (member, g->members[i]))
      return TRUE;
  return FALSE;
}

static gboolean
check_validity (const ImpsMikeyTp *tp, guint64 now, GError **error)
{
  if (tp->valid_from != 0 && now < tp->valid_from)
    {
      g_set_error (error, ERR (INVALID_TPPAR), "ticket not valid before TRs (%u s from now)",
                   (guint) ((tp->valid_from - now) >> 32));
      return FALSE;
    }
  if (tp->valid_to != 0 && now > tp->valid_to)
    {
      g_set_error (error, ERR (INVALID_TPPAR), "ticket expired at TRe (%u s ago)",
                   (guint) ((now - tp->valid_to) >> 32));
      return FALSE;
    }
  return TRUE;
}

static gboolean
key_set_has_tgk (const ImpsMikeyKeySet *set)
{
  for (guint i = 0; i < set->n_keys; i++)
    if (set->keys[i].type == IMPS_MIKEY_KEY_TGK || set->keys[i].type == IMPS_MIKEY_KEY_TGK_SALT)
      return TRUE;
  return FALSE;
}

ImpsMikeyMessage *
imps_mikey_request_resp_build (const ImpsMikeyKms *kms,
                               const ImpsMikeyKmsPolicy *policy,
                               const ImpsMikeyMessage *req,
                               const guint8 *psk, gsize psk_len,
                               guint64 now, ImpsRandom *rnd, GError **error)
{
  const ImpsMikeyPayload *tpp = imps_mikey_message_find (req, IMPS_MIKEY_PAYLOAD_TP);
  const ImpsMikeyPayload *v;
  ImpsMikeyTp desired, granted;
  ImpsMikeyKeySet ticket_keys, ue_keys;
  ImpsMikeyMsgKeys keys;
  ImpsMikeyBytes requester = idr_or (req, IMPS_MIKEY_ID_ROLE_I, NULL);
  ImpsMikeyBytes psk_id = idr_or (req, IMPS_MIKEY_ID_ROLE_PSK, NULL);
  g_autoptr (GBytes) tp_data = NULL;
  g_autoptr (GBytes) ticket_data = NULL;
  g_autoptr (ImpsMikeyMessage) m = NULL;
  g_autoptr (GByteArray) encr = g_byte_array_new ();
  guint8 ticket_rand[IMPS_MIKEY_MAX_RAND_LEN];
  ImpsMikeySuite suite;
  guint mpk_len;
  gboolean changed = FALSE;
  ImpsMikeyPayload pl;
  ImpsMikeyMessage *result = NULL;

  memset (&ticket_keys, 0, sizeof ticket_keys);
  memset (&ue_keys, 0, sizeof ue_keys);
  memset (&keys, 0, sizeof keys);
  if (!check_data_type (req, IMPS_MIKEY_DATA_REQUEST_INIT_PSK, error))
    return NULL;
  v = v_of (req, error);
  if (v == NULL)
    return NULL;
  /* the request's suite decides the ticket's and the answer's algorithms
   * and key lengths (RFC 6043 §12.1; profile §3) */
  if (!imps_mikey_suite_of (req, &suite, error))
    return NULL;
  mpk_len = imps_mikey_encr_key_len (suite.encr_alg);
  if (tpp == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "REQUEST_INIT without TP");
      return NULL;
    }
  if (!imps_mikey_tp_read (&tpp->u.ticket, &desired, error))
    return NULL;
  if (desired.ticket_type != IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE || desired.subtype != 1
      || desired.version != 1)
    {
      g_set_error (error, ERR (INVALID_TICKET),
                   "TP asks for Ticket Type %u Subtype %u Version %u; this KMS issues 1/1/1 only",
                   desired.ticket_type, desired.subtype, desired.version);
      return NULL;
    }
  if (!imps_mikey_prf_supported (desired.prf))
    {
      g_set_error (error, ERR (INVALID_PRF), "TP PRF func %u is not supported", desired.prf);
      return NULL;
    }
  if (desired.prf != suite.prf)
    {
      g_set_error (error, ERR (INVALID_PRF), "TP PRF func %u differs from the HDR PRF func %u "
                   "(RFC 6043 §12.1: suites are not mixed)", desired.prf, suite.prf);
      return NULL;
    }
  if (!imps_mikey_tp_check_flags (desired.flags, error))
    return NULL;
  if (desired.n_responders == 0)
    {
      g_set_error (error, ERR (INVALID_TPPAR), "TP names no responder (IDRr)");
      return NULL;
    }
  /* policy: who may get which ticket */
  for (guint i = 0; i < desired.n_responders; i++)
    {
      const ImpsMikeyGroup *g = find_group (policy, desired.responders[i]);
      if (g != NULL)
        {
          if (!group_has (g, requester))
            {
              g_set_error (error, ERR (INVALID_TPPAR),
                           "policy: %.*s may not request a ticket for group %s",
                           (int) requester.len, (const char *) requester.data, g->id);
              return NULL;
            }
        }
      else if (!id_in_domain (desired.responders[i], policy->domain))
        {
          g_set_error (error, ERR (INVALID_TPPAR),
                       "policy: responder %.*s is outside domain %s",
                       (int) desired.responders[i].len,
                       (const char *) desired.responders[i].data, policy->domain);
          return NULL;
        }
    }

  granted = desired;
  granted.flags &= ~IMPS_MIKEY_TICKET_FLAG_K;
  granted.kms_id = bytes_str (kms->kms_uri);
  granted.initiator_id = requester;
  granted.n_desired = 0;
  if (!(granted.flags & IMPS_MIKEY_TICKET_FLAG_D))
    {
      granted.flags |= IMPS_MIKEY_TICKET_FLAG_D;
      changed = TRUE;
    }
  if ((granted.flags & IMPS_MIKEY_TICKET_FLAG_J) && !policy->allow_reuse)
    {
      granted.flags &= ~IMPS_MIKEY_TICKET_FLAG_J;
      changed = TRUE;
    }
  if ((granted.flags & IMPS_MIKEY_TICKET_FLAG_I) && !policy->allow_forking)
    {
      granted.flags &= ~IMPS_MIKEY_TICKET_FLAG_I;
      changed = TRUE;
    }
  /* validity window: start now (or later if asked), at most max_validity */
  if (granted.valid_from == 0 || granted.valid_from < now)
    granted.valid_from = now;
  {
    guint64 max_end = granted.valid_from + ((guint64) policy->max_validity << 32);
    if (granted.valid_to == 0)
      granted.valid_to = max_end;
    else if (granted.valid_to > max_end)
      {
        granted.valid_to = max_end;
        changed = TRUE;
      }
    if (granted.valid_to <= granted.valid_from)
      {
        g_set_error (error, ERR (INVALID_TPPAR), "TP validity window is empty (TRe before TRs)");
        return NULL;
      }
  }
  /* NTP-UTC-32 on the wire (A-18): keep whole seconds so both ends agree */
  granted.valid_from &= G_GUINT64_CONSTANT (0xFFFFFFFF00000000);
  granted.valid_to &= G_GUINT64_CONSTANT (0xFFFFFFFF00000000);

  /* keys: MPK in the ticket; session keys as desired (A-7) or one TGK */
  draw_key (rnd, IMPS_MIKEY_KEY_MPK, (guint8) mpk_len, &ticket_keys.mpks[0]);
  ticket_keys.n_mpks = 1;
  if (desired.n_desired == 0)
    {
      draw_key (rnd, IMPS_MIKEY_KEY_TGK, (guint8) mpk_len, &ticket_keys.keys[0]);
      ticket_keys.n_keys = 1;
    }
  else
    {
      guint n = MIN (desired.n_desired, policy->max_keys);
      if (n < desired.n_desired)
        changed = TRUE;
      for (guint i = 0; i < n; i++)
        {
          if (desired.desired[i].len > mpk_len)
            {
              g_set_error (error, ERR (INVALID_TPPAR),
                           "desired key %u: %u bytes under a suite with %u-byte keys (RFC 6043 "
                           "§12.1: keys over 128 bits need the 256-bit suite)", i,
                           desired.desired[i].len, mpk_len);
              goto out;
            }
          if (desired.desired[i].type > IMPS_MIKEY_KEY_GTGK_SALT || desired.desired[i].len < 16)
            {
              g_set_error (error, ERR (INVALID_TPPAR),
                           "desired key %u: type %u, length %u not allowed (RFC 6043 §12.1: "
                           "at least 128 bits, no MPK)", i, desired.desired[i].type,
                           desired.desired[i].len);
              goto out;
            }
          draw_key (rnd, desired.desired[i].type, desired.desired[i].len, &ticket_keys.keys[i]);
        }
      ticket_keys.n_keys = n;
    }
  if (changed)
    granted.flags |= IMPS_MIKEY_TICKET_FLAG_K;
  if (!imps_mikey_tp_check_flags (granted.flags, error))
    goto out;
  if ((granted.flags & IMPS_MIKEY_TICKET_FLAG_I) && key_set_has_tgk (&ticket_keys)
      && !(granted.flags & IMPS_MIKEY_TICKET_FLAG_F))
    {
      g_set_error (error, ERR (INVALID_TPPAR), "forking with a TGK needs F = 1 (RFC 6043 §6.10)");
      goto out;
    }

  /* the ticket; RFC 6043 §12.1: its RAND at least as long as the TPK and
   * the MPK */
  gsize trand_len = MAX (MAX ((gsize) suite.rand_len, (gsize) kms->tpk->key_len), mpk_len);
  imps_random_fill (rnd, ticket_rand, trand_len);
  tp_data = imps_mikey_tp_data_build (&granted, FALSE, error);
  if (tp_data == NULL)
    goto out;
  ticket_data = imps_mikey_base_ticket_build (kms->tpk, &granted, tp_data, now, ticket_rand,
                                              trand_len, &ticket_keys,
                                              suite.encr_alg, suite.mac_alg,
                                              psk_id.data, psk_id.len, error);
  if (ticket_data == NULL)
    goto out;

  /* the Initiator's keys: MPKi, [MPKr], session keys (§5.3) */
  ue_keys.n_mpks = (granted.flags & IMPS_MIKEY_TICKET_FLAG_I) ? 2 : 1;
  {
    guint8 mpki[IMPS_MIKEY_MAX_KEY_LEN], mpkr[IMPS_MIKEY_MAX_KEY_LEN];
    imps_mikey_derive_mpk_pair (granted.prf, ticket_keys.mpks[0].key, mpk_len, ticket_rand,
                                trand_len, mpki, mpkr);
    ue_keys.mpks[0] = ticket_keys.mpks[0];
    memcpy (ue_keys.mpks[0].key, mpki, mpk_len);
    ue_keys.mpks[1] = ticket_keys.mpks[0];
    memcpy (ue_keys.mpks[1].key, mpkr, mpk_len);
    imps_wipe (mpki, sizeof mpki);
    imps_wipe (mpkr, sizeof mpkr);
  }
  ue_keys.n_keys = ticket_keys.n_keys;
  memcpy (ue_keys.keys, ticket_keys.keys, sizeof ue_keys.keys);

  m = imps_mikey_message_new (IMPS_MIKEY_DATA_REQUEST_RESP, FALSE, req->hdr.prf,
                              req->hdr.csb_id, IMPS_MIKEY_CS_MAP_EMPTY, 0);
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI,
                               (const guint8 *) kms->kms_uri, strlen (kms->kms_uri));
  imps_mikey_message_add (m, &pl);
  add_tp (m, IMPS_MIKEY_PAYLOAD_TICKET, &granted, tp_data, ticket_data);
  /* A-16: the Auth alg of the request; KEMAC Encr alg of the KMS suite */
  if (!exchange_keys (req, NULL, IMPS_MIKEY_LABEL_RESPONSE, psk, psk_len,
                      suite.encr_alg, v->u.v.auth_alg, &keys, error))
    goto out;
  /* A-2: the IV uses this message's own T */
  if (!imps_mikey_key_set_encrypt (&ue_keys, &keys, req->hdr.csb_id, now, encr, error))
    goto out;
  pl = imps_mikey_payload_kemac (suite.encr_alg, encr->data, encr->len,
                                 IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_v (v->u.v.auth_alg, NULL, 0);
  imps_mikey_message_add (m, &pl);
  {
    ImpsIovec extra = { req->body.raw, req->body.raw_len }; /* §7: ‖ REQUEST_INIT */
    if (!sign_message (m, &keys, FALSE, &extra, 1, error)
        || !check_tp_bytes (m, IMPS_MIKEY_PAYLOAD_TICKET, tp_data, error))
      goto out;
  }
  result = g_steal_pointer (&m);
out:
  imps_mikey_key_set_clear (&ticket_keys);
  imps_mikey_key_set_clear (&ue_keys);
  imps_mikey_msg_keys_clear (&keys);
  if (encr->len > 0)
    imps_wipe (encr->data, encr->len);
  return result;
}

void
imps_mikey_held_ticket_free (ImpsMikeyHeldTicket *held)
{
  if (held == NULL)
    return;
  imps_mikey_message_free (held->resp);
  imps_wipe (held, sizeof *held);
  g_free (held);
}

ImpsMikeyHeldTicket *
imps_mikey_request_resp_process (const ImpsMikeyMessage *req,
                                 const guint8 *data, gsize len,
                                 const guint8 *psk, gsize psk_len,
                                 guint64 now, guint skew, GError **error)
{
  g_autoptr (ImpsMikeyHeldTicket) held = g_new0 (ImpsMikeyHeldTicket, 1);
  const ImpsMikeyPayload *v, *kemac;
  ImpsMikeyMsgKeys keys;
  gboolean ok;

  held->resp = imps_mikey_message_parse (data, len, error);
  if (held->resp == NULL)
    return NULL;
  if (!check_data_type (held->resp, IMPS_MIKEY_DATA_REQUEST_RESP, error))
    return NULL;
  if (held->resp->hdr.csb_id != req->hdr.csb_id)
    {
      g_set_error (error, ERR (MALFORMED), "REQUEST_RESP CSB ID %08x, the request had %08x",
                   held->resp->hdr.csb_id, req->hdr.csb_id);
      return NULL;
    }
  if (!check_t (held->resp, now, skew, error))
    return NULL;
  v = v_of (held->resp, error);
  if (v == NULL)
    return NULL;
  kemac = imps_mikey_message_find (held->resp, IMPS_MIKEY_PAYLOAD_KEMAC);
  held->ticket = ticket_of (held->resp);
  if (kemac == NULL || held->ticket == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "REQUEST_RESP without %s",
                   kemac == NULL ? "KEMAC" : "TICKET");
      return NULL;
    }
  if (!exchange_keys (req, NULL, IMPS_MIKEY_LABEL_RESPONSE, psk, psk_len,
                      kemac->u.kemac.encr_alg, v->u.v.auth_alg, &keys, error))
    return NULL;
  {
    ImpsIovec extra = { req->body.raw, req->body.raw_len };
    ok = verify_message (held->resp, &keys, FALSE, &extra, 1, error);
  }
  if (ok)
    ok = imps_mikey_tp_read (&held->ticket->u.ticket, &held->policy, error)
         && imps_mikey_tp_check_flags (held->policy.flags, error);
  if (ok)
    ok = imps_mikey_kemac_open (&kemac->u.kemac, &keys, held->resp->hdr.csb_id,
                                t_of (held->resp),
                                (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_I) ? 2 : 1,
                                &held->keys, error);
  imps_mikey_msg_keys_clear (&keys);
  if (!ok)
    return NULL;
  /* A held ticket may be kept for reuse until it expires: of the parsed
   * REQUEST_RESP (its arena a few KiB) it keeps the TICKET alone, and reads
   * the policy again from that copy (its views pointed into the message). */
  {
    const ImpsMikeyPayload *copy = NULL;
    ImpsMikeyMessage *kept = imps_mikey_message_keep_payload (held->resp, held->ticket, &copy);
    imps_mikey_message_free (held->resp);
    held->resp = kept;
    held->ticket = copy;
    if (!imps_mikey_tp_read (&held->ticket->u.ticket, &held->policy, error))
      return NULL;
  }
  return g_steal_pointer (&held);
}

/* ---- Ticket Transfer ------------------------------------------------- */

/* SP policy 1 (§4.12): AES_CM_128_HMAC_SHA1_80, or AES-256-CM */
static ImpsMikeyPayload
srtp_sp (guint8 policy_no, gboolean aes256, ImpsMikeySpParam *params, guint8 *values)
{
  static const guint8 types[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  const guint8 v[] = { 1, aes256 ? 32 : 16, 1, 20, 14, 0, 0, 1, 1, 0, 1, 10, 0 };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      values[i] = v[i];
      params[i].type = types[i];
      params[i].value.data = &values[i];
      params[i].value.len = 1;
    }
  return imps_mikey_payload_sp (policy_no, IMPS_MIKEY_PROT_SRTP, params, G_N_ELEMENTS (types));
}

static const ImpsMikeySessionKey *
first_session_key (const ImpsMikeyKeySet *set)
{
  return set->n_keys > 0 ? &set->keys[0] : NULL;
}

ImpsMikeyMessage *
imps_mikey_transfer_init_build (ImpsMikeyHeldTicket *held,
                                const ImpsMikeyTransferParams *p,
                                guint64 now, ImpsRandom *rnd, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = NULL;
  ImpsMikeyMsgKeys keys;
  ImpsMikeyPayload pl;
  ImpsMikeySpParam params[13];
  guint8 values[13];
  guint8 randri[IMPS_MIKEY_MAX_RAND_LEN];
  const ImpsMikeySessionKey *sk = first_session_key (&held->keys);
  static const guint8 policy_one = 1;
  guint32 flags = held->policy.flags;
  guint32 csb;
  gboolean ok;

  g_return_val_if_fail (p->n_media >= 1 && p->n_media <= IMPS_MIKEY_MAX_MEDIA, NULL);
  if (held->n_transfers > 0 && !(flags & IMPS_MIKEY_TICKET_FLAG_J))
    {
      g_set_error (error, ERR (INVALID_TPPAR), "the ticket has J = 0: it may not be reused");
      return NULL;
    }
  if (!check_validity (&held->policy, now, error))
    return NULL;
  /* A-22: a fresh CSB ID and RANDRi for every transfer, never the
   * REQUEST_INIT's */
  csb = imps_random_u32 (rnd);
  imps_random_fill (rnd, randri, p->suite.rand_len);
  /* A-1: V = F flag; GENERIC-ID map, two CSs per m-line (profile §3) */
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_TRANSFER_INIT,
                              (flags & IMPS_MIKEY_TICKET_FLAG_F) != 0, p->suite.prf, csb,
                              IMPS_MIKEY_CS_MAP_GENERIC_ID, (guint8) (2 * p->n_media));
  for (guint i = 0; i < 2 * p->n_media; i++)
    {
      ImpsMikeyCsInfo cs;
      memset (&cs, 0, sizeof cs);
      cs.cs_id = (guint8) (i + 1);
      cs.prot_type = IMPS_MIKEY_PROT_SRTP;
      cs.policies.data = &policy_one;
      cs.policies.len = 1;
      if (i % 2 == 0) /* CS 2k-1: offerer -> answerer, SSRC from the offer */
        {
          cs.has_ssrc = TRUE;
          cs.ssrc = p->ssrc[i / 2];
        }
      if (sk != NULL)
        {
          cs.spi.data = sk->spi;
          cs.spi.len = sk->spi_len;
        }
      imps_mikey_message_set_cs (m, i, &cs);
    }
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_I, randri, p->suite.rand_len);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI,
                               (const guint8 *) p->initiator_uri, strlen (p->initiator_uri));
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI,
                               (const guint8 *) p->responder_uri, strlen (p->responder_uri));
  imps_mikey_message_add (m, &pl);
  pl = srtp_sp (1, p->suite.encr_alg == IMPS_MIKEY_ENCR_AES_CM_256, params, values);
  imps_mikey_message_add (m, &pl);
  if (p->sdp_ids != NULL)
    {
      /* A-24: the SDP IDs General Extension, inside the MAC */
      pl = imps_mikey_payload_general_ext (IMPS_MIKEY_EXT_SDP_IDS, (const guint8 *) p->sdp_ids,
                                           strlen (p->sdp_ids));
      imps_mikey_message_add (m, &pl);
    }
  pl = *held->ticket;
  pl.u.ticket.tp_items = NULL;      /* write TP Data as received */
  pl.u.ticket.n_tp_items = 0;
  pl.u.ticket.init_items = NULL;
  pl.u.ticket.n_init_items = 0;
  pl.u.ticket.initiator_data.data = NULL;
  pl.u.ticket.initiator_data.len = 0;
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_v (p->suite.mac_alg, NULL, 0);
  imps_mikey_message_add (m, &pl);

  if (held->keys.n_mpks < 1
      || !imps_mikey_derive_msg_keys (p->suite.prf, held->keys.mpks[0].key,
                                      held->keys.mpks[0].key_len, csb, IMPS_MIKEY_LABEL_INITIAL,
                                      randri, p->suite.rand_len, NULL, 0,
                                      IMPS_MIKEY_ENCR_NULL, p->suite.mac_alg, &keys))
    {
      g_set_error (error, ERR (INVALID_PRF), "no MPKi, or PRF %u / Auth alg %u not supported",
                   p->suite.prf, p->suite.mac_alg);
      return NULL;
    }
  {
    ImpsMikeyBytes id_i = bytes_str (p->initiator_uri), id_r = bytes_str (p->responder_uri);
    ImpsIovec extra[2] = { { id_i.data, id_i.len }, { id_r.data, id_r.len } };
    ok = sign_message (m, &keys, TRUE, extra, 2, error);
  }
  imps_mikey_msg_keys_clear (&keys);
  if (!ok)
    return NULL;
  if (flags & IMPS_MIKEY_TICKET_FLAG_I)
    {
      /* Initiator Data {Vi, Vr} after the MAC, outside its coverage (A-4, A-5) */
      const ImpsMikeyPayload *v = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_V);
      g_autoptr (GByteArray) idata = g_byte_array_new ();
      if (held->keys.n_mpks < 2)
        {
          g_set_error (error, ERR (UNSPECIFIED), "I = 1 but the KMS gave no MPKr");
          return NULL;
        }
      if (!imps_mikey_initiator_data_build (held->policy.prf, held->keys.mpks[1].key,
                                            held->keys.mpks[1].key_len, v->u.v.auth_alg,
                                            v->u.v.mac.data, idata, error)
          || !imps_mikey_message_set_initiator_data (m, idata->data, idata->len, error))
        return NULL;
    }
  held->n_transfers++;
  return g_steal_pointer (&m);
}

/* SP checks of the Responder (§5.3 early reject): SRTP, AES-CM 16/32,
 * HMAC-SHA-1, salt 14, tag 4 or 10, KDR 0 (A-12), prefix 0. */
static gboolean
check_sp (const ImpsMikeyPayload *sp, GError **error)
{
  static const struct { guint8 type; guint8 allowed[3]; guint8 n; } rules[] = {
    { IMPS_MIKEY_SP_SRTP_ENCR_ALG, { 1 }, 1 },
    { IMPS_MIKEY_SP_SRTP_ENCR_KEY_LEN, { 16, 32 }, 2 },
    { IMPS_MIKEY_SP_SRTP_AUTH_ALG, { 1 }, 1 },
    { IMPS_MIKEY_SP_SRTP_AUTH_KEY_LEN, { 20 }, 1 },
    { IMPS_MIKEY_SP_SRTP_SALT_KEY_LEN, { 14 }, 1 },
    { IMPS_MIKEY_SP_SRTP_PRF, { 0 }, 1 },
    { IMPS_MIKEY_SP_SRTP_KDR, { 0 }, 1 },
    { IMPS_MIKEY_SP_SRTP_AUTH_TAG_LEN, { 4, 10 }, 2 },
    { IMPS_MIKEY_SP_SRTP_PREFIX_LEN, { 0 }, 1 },
  };
  if (sp->u.sp.prot_type != IMPS_MIKEY_PROT_SRTP)
    {
      g_set_error (error, ERR (INVALID_SP), "SP %u at byte %" G_GSIZE_FORMAT
                   ": Prot type %u, only SRTP (0)", sp->u.sp.policy_no, sp->offset,
                   sp->u.sp.prot_type);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      const ImpsMikeySpParam *par = imps_mikey_sp_find_param (&sp->u.sp, rules[i].type);
      gboolean ok = FALSE;
      if (par == NULL)
        continue;
      if (par->value.len == 1)
        for (guint k = 0; k < rules[i].n; k++)
          ok |= par->value.data[0] == rules[i].allowed[k];
      if (!ok)
        {
          g_set_error (error, ERR (INVALID_SPPAR), "SP %u at byte %" G_GSIZE_FORMAT
                       ": SRTP parameter %u (%s) value not supported", sp->u.sp.policy_no,
                       sp->offset, rules[i].type, imps_mikey_sp_srtp_param_name (rules[i].type));
          return FALSE;
        }
    }
  return TRUE;
}

static const ImpsMikeyPayload *
find_sp (const ImpsMikeyMessage *m, guint8 policy_no)
{
  for (guint i = 0; i < m->body.n_payloads; i++)
    if (m->body.payloads[i].type == IMPS_MIKEY_PAYLOAD_SP
        && m->body.payloads[i].u.sp.policy_no == policy_no)
      return &m->body.payloads[i];
  return NULL;
}

ImpsMikeyMessage *
imps_mikey_transfer_init_precheck (const guint8 *data, gsize len,
                                   const gchar *responder_uri,
                                   guint64 now, guint skew,
                                   ImpsMikeyReplay *replay, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (data, len, error);
  const ImpsMikeyPayload *t, *idr;
  ImpsMikeyTp tp;

  if (m == NULL)
    return NULL;
  if (!check_data_type (m, IMPS_MIKEY_DATA_TRANSFER_INIT, error))
    return NULL;
  if (!imps_mikey_prf_supported (m->hdr.prf))
    {
      g_set_error (error, ERR (INVALID_PRF), "HDR PRF func %u is not supported", m->hdr.prf);
      return NULL;
    }
  if (!check_t (m, now, skew, error))
    return NULL;
  if (replay != NULL)
    {
      guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN];
      imps_mikey_replay_digest (data, len, digest);
      if (imps_mikey_replay_contains (replay, digest, now))
        {
          g_set_error (error, ERR (REPLAY), "TRANSFER_INIT (CSB ID %08x) was received before",
                       m->hdr.csb_id);
          return NULL;
        }
    }
  if (v_of (m, error) == NULL)
    return NULL;
  if (m->hdr.n_cs > IMPS_MIKEY_MAX_CS)
    {
      g_set_error (error, ERR (INVALID_SPPAR), "TRANSFER_INIT offers %u crypto sessions, at most %u",
                   m->hdr.n_cs, IMPS_MIKEY_MAX_CS);
      return NULL;
    }
  if (m->hdr.map_type != IMPS_MIKEY_CS_MAP_GENERIC_ID || m->hdr.n_cs == 0)
    {
      g_set_error (error, ERR (INVALID_SP),
                   "TRANSFER_INIT CS ID map type %u with %u CSs: GENERIC-ID with at least one "
                   "crypto session expected (RFC 6043 §6.1)", m->hdr.map_type, m->hdr.n_cs);
      return NULL;
    }
  for (guint i = 0; i < m->hdr.n_cs; i++)
    {
      const ImpsMikeyCsInfo *cs = &m->hdr.cs[i];
      if (cs->prot_type != IMPS_MIKEY_PROT_SRTP)
        {
          g_set_error (error, ERR (INVALID_SP), "CS %u: Prot type %u, only SRTP (0)",
                       cs->cs_id, cs->prot_type);
          return NULL;
        }
      for (gsize k = 0; k < cs->policies.len; k++)
        {
          const ImpsMikeyPayload *sp = find_sp (m, cs->policies.data[k]);
          if (sp == NULL)
            {
              g_set_error (error, ERR (INVALID_SP), "CS %u names policy %u but no SP has it",
                           cs->cs_id, cs->policies.data[k]);
              return NULL;
            }
          if (!check_sp (sp, error))
            return NULL;
        }
    }
  t = ticket_of (m);
  if (t == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "TRANSFER_INIT without TICKET");
      return NULL;
    }
  if (t->u.ticket.ticket_type != IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE || t->u.ticket.subtype != 1
      || t->u.ticket.version != 1)
    {
      g_set_error (error, ERR (INVALID_TICKET), "TICKET Type %u Subtype %u Version %u: only "
                   "the MIKEY base ticket 1/1/1", t->u.ticket.ticket_type, t->u.ticket.subtype,
                   t->u.ticket.version);
      return NULL;
    }
  if (!imps_mikey_tp_read (&t->u.ticket, &tp, error)
      || !imps_mikey_tp_check_flags (tp.flags, error) || !check_validity (&tp, now, error))
    return NULL;
  if ((tp.flags & IMPS_MIKEY_TICKET_FLAG_I) && t->u.ticket.initiator_data.len == 0)
    {
      g_set_error (error, ERR (INVALID_TPPAR), "ticket has I = 1 but no Initiator Data");
      return NULL;
    }
  idr = imps_mikey_message_find_idr (m, IMPS_MIKEY_ID_ROLE_R);
  if (idr != NULL && !imps_mikey_tp_has_responder (&tp, idr->u.id.data.data, idr->u.id.data.len))
    {
      g_set_error (error, ERR (INVALID_ID), "IDRr %.*s is not a responder of the ticket",
                   (int) idr->u.id.data.len, (const char *) idr->u.id.data.data);
      return NULL;
    }
  if (idr == NULL && responder_uri != NULL
      && !imps_mikey_tp_has_responder (&tp, (const guint8 *) responder_uri, strlen (responder_uri)))
    {
      g_set_error (error, ERR (INVALID_ID), "%s is not a responder of the ticket", responder_uri);
      return NULL;
    }
  return g_steal_pointer (&m);
}

static const ImpsMikeyPayload *
find_sdp_ids (const ImpsMikeyMessage *m)
{
  for (guint i = 0; i < m->body.n_payloads; i++)
    if (m->body.payloads[i].type == IMPS_MIKEY_PAYLOAD_GENERAL_EXT
        && m->body.payloads[i].u.ext.ext_type == IMPS_MIKEY_EXT_SDP_IDS)
      return &m->body.payloads[i];
  return NULL;
}

gboolean
imps_mikey_check_sdp_ids (const ImpsMikeyMessage *msg, const gchar *sdp_ids, GError **error)
{
  const ImpsMikeyPayload *ext = find_sdp_ids (msg);

  if (ext == NULL || sdp_ids == NULL)
    return TRUE; /* A-24: tolerate absence */
  if (ext->u.ext.data.len != strlen (sdp_ids)
      || memcmp (ext->u.ext.data.data, sdp_ids, ext->u.ext.data.len) != 0)
    {
      g_set_error (error, ERR (UNSPECIFIED),
                   "SDP IDs in MIKEY (%.*s) differ from the a=key-mgmt list (%s): bidding down? "
                   "(RFC 4567 §4.1.4)", (int) ext->u.ext.data.len,
                   (const char *) ext->u.ext.data.data, sdp_ids);
      return FALSE;
    }
  return TRUE;
}

/* ---- Ticket Resolve -------------------------------------------------- */

ImpsMikeyMessage *
imps_mikey_resolve_init_build (const ImpsMikeyMessage *transfer_init,
                               const ImpsMikeyResolveParams *p,
                               const guint8 *psk, gsize psk_len,
                               guint64 now, ImpsRandom *rnd, GError **error)
{
  const ImpsMikeyPayload *t = ticket_of (transfer_init);
  const ImpsMikeyPayload *v = imps_mikey_message_find (transfer_init, IMPS_MIKEY_PAYLOAD_V);
  ImpsMikeyBytes ri = randr_of (transfer_init, IMPS_MIKEY_RAND_ROLE_I);
  ImpsMikeyBytes rr_in = randr_of (transfer_init, IMPS_MIKEY_RAND_ROLE_R); /* Zk relay */
  g_autoptr (ImpsMikeyMessage) m = NULL;
  ImpsMikeyMsgKeys keys;
  ImpsMikeyPayload pl;
  guint8 randrr[IMPS_MIKEY_MAX_RAND_LEN];
  gsize rlen = MAX (MAX (ri.len, rr_in.len), 16);
  guint8 prf, alg;
  gboolean ok;

  if (t == NULL || v == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "TRANSFER_INIT without TICKET or V");
      return NULL;
    }
  prf = t->u.ticket.prf;       /* profile §10: the PRF of the ticket */
  alg = v->u.v.auth_alg;       /* profile §10: the Auth alg of the TRANSFER_INIT */
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_RESOLVE_INIT_PSK, TRUE, prf, imps_random_u32 (rnd),
                              IMPS_MIKEY_CS_MAP_EMPTY, 0);
  imps_random_fill (rnd, randrr, rlen);
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_R, randrr, rlen);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI,
                               (const guint8 *) p->responder_uri, strlen (p->responder_uri));
  imps_mikey_message_add (m, &pl);
  if (p->kms_uri != NULL)
    {
      pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI,
                                   (const guint8 *) p->kms_uri, strlen (p->kms_uri));
      imps_mikey_message_add (m, &pl);
    }
  pl = *t;
  pl.u.ticket.tp_items = NULL;
  pl.u.ticket.n_tp_items = 0;
  pl.u.ticket.init_items = NULL;
  pl.u.ticket.n_init_items = 0;
  imps_mikey_message_add (m, &pl);
  if (p->psk_id != NULL)
    {
      pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_PSK, IMPS_MIKEY_ID_BYTE_STRING,
                                   p->psk_id, p->psk_id_len);
      imps_mikey_message_add (m, &pl);
    }
  pl = imps_mikey_payload_v (alg, NULL, 0);
  imps_mikey_message_add (m, &pl);
  if (!imps_mikey_derive_msg_keys (prf, psk, psk_len, m->hdr.csb_id, IMPS_MIKEY_LABEL_INITIAL,
                                   NULL, 0, randrr, rlen, IMPS_MIKEY_ENCR_NULL, alg, &keys))
    {
      g_set_error (error, ERR (INVALID_PRF), "PRF %u / Auth alg %u not supported", prf, alg);
      return NULL;
    }
  {
    ImpsMikeyBytes id_r = bytes_str (p->responder_uri), id_k = bytes_str (p->kms_uri);
    ImpsIovec extra[2] = { { id_r.data, id_r.len }, { id_k.data, id_k.len } };
    ok = sign_message (m, &keys, FALSE, extra, 2, error);
  }
  imps_mikey_msg_keys_clear (&keys);
  return ok ? g_steal_pointer (&m) : NULL;
}

static gboolean
responder_allowed (const ImpsMikeyTp *tp, const ImpsMikeyKmsPolicy *policy, ImpsMikeyBytes id)
{
  if (imps_mikey_tp_has_responder (tp, id.data, id.len))
    return TRUE;
  for (guint i = 0; i < tp->n_responders; i++)
    {
      const ImpsMikeyGroup *g = find_group (policy, tp->responders[i]);
      if (g != NULL && group_has (g, id))
        return TRUE;
    }
  return FALSE;
}

/* Forks MPKr and every TGK of @set in place (RFC 6043 §5.1.1; GTGKs and
 * TEKs are never forked). */
static gboolean
fork_keys (guint prf, ImpsMikeyKeySet *set, ImpsMikeyBytes id, ImpsMikeyBytes randrkms,
           GError **error)
{
  guint8 out[IMPS_MIKEY_MAX_KEY_LEN];
  if (set->n_mpks < 2
      || !imps_mikey_derive_fork (prf, IMPS_MIKEY_CONST_MPKR_FORK, set->mpks[1].key,
                                  set->mpks[1].key_len, id.data, id.len, randrkms.data,
                                  randrkms.len, out))
    {
      g_set_error (error, ERR (INVALID_PRF), "cannot fork MPKr (PRF %u)", prf);
      return FALSE;
    }
  memcpy (set->mpks[1].key, out, set->mpks[1].key_len);
  for (guint i = 0; i < set->n_keys; i++)
    {
      ImpsMikeySessionKey *k = &set->keys[i];
      if (k->type != IMPS_MIKEY_KEY_TGK && k->type != IMPS_MIKEY_KEY_TGK_SALT)
        continue;
      imps_mikey_derive_fork (prf, IMPS_MIKEY_CONST_TGK_FORK, k->key, k->key_len, id.data,
                              id.len, randrkms.data, randrkms.len, out);
      memcpy (k->key, out, k->key_len);
    }
  imps_wipe (out, sizeof out);
  return TRUE;
}

/* RESOLVE_RESP to @resolve_init (§5.3): HDR copied (V=0), T, IDRkms,
 * KEMAC {@set} under @psk (0x02; IV with this message's T, A-2), [IDRr,
 * RANDRkms when @fork_idr], V (Auth alg of the request, A-16) over
 * RESOLVE_RESP ‖ RESOLVE_INIT. */
static ImpsMikeyMessage *
build_resolve_resp (const gchar *kms_uri, guint encr_alg, const ImpsMikeyMessage *resolve_init,
                    const guint8 *psk, gsize psk_len, const ImpsMikeyKeySet *set,
                    const ImpsMikeyId *fork_idr, ImpsMikeyBytes randrkms, guint64 now,
                    GError **error)
{
  const ImpsMikeyPayload *v = v_of (resolve_init, error);
  g_autoptr (ImpsMikeyMessage) m = NULL;
  g_autoptr (GByteArray) encr = g_byte_array_new ();
  ImpsMikeyMsgKeys keys;
  ImpsMikeyPayload pl;
  gboolean ok = FALSE;

  if (v == NULL)
    return NULL;
  memset (&keys, 0, sizeof keys);
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_RESOLVE_RESP, FALSE, resolve_init->hdr.prf,
                              resolve_init->hdr.csb_id, IMPS_MIKEY_CS_MAP_EMPTY, 0);
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI,
                               (const guint8 *) kms_uri, strlen (kms_uri));
  imps_mikey_message_add (m, &pl);
  if (!exchange_keys (resolve_init, NULL, IMPS_MIKEY_LABEL_RESPONSE, psk, psk_len, encr_alg,
                      v->u.v.auth_alg, &keys, error))
    goto out;
  if (!imps_mikey_key_set_encrypt (set, &keys, resolve_init->hdr.csb_id, now, encr, error))
    goto out;
  pl = imps_mikey_payload_kemac (encr_alg, encr->data, encr->len, IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_message_add (m, &pl);
  if (fork_idr != NULL)
    {
      pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, fork_idr->id_type, fork_idr->data.data,
                                   fork_idr->data.len);
      imps_mikey_message_add (m, &pl);
      pl = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_KMS, randrkms.data, randrkms.len);
      imps_mikey_message_add (m, &pl);
    }
  pl = imps_mikey_payload_v (v->u.v.auth_alg, NULL, 0);
  imps_mikey_message_add (m, &pl);
  {
    ImpsIovec extra = { resolve_init->body.raw, resolve_init->body.raw_len };
    ok = sign_message (m, &keys, FALSE, &extra, 1, error);
  }
out:
  imps_mikey_msg_keys_clear (&keys);
  if (encr->len > 0)
    imps_wipe (encr->data, encr->len);
  return ok ? g_steal_pointer (&m) : NULL;
}

ImpsMikeyMessage *
imps_mikey_resolve_resp_build (const ImpsMikeyKms *kms,
                               const ImpsMikeyKmsPolicy *policy,
                               const ImpsMikeyMessage *resolve_init,
                               const guint8 *psk, gsize psk_len,
                               guint64 now, ImpsRandom *rnd,
                               ImpsMikeyReplay *uses, GError **error)
{
  const ImpsMikeyPayload *t = ticket_of (resolve_init);
  const ImpsMikeyPayload *v;
  const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (resolve_init, IMPS_MIKEY_ID_ROLE_R);
  ImpsMikeyTicketContents contents;
  ImpsMikeyKeySet set;
  ImpsMikeyTp tp;
  g_autoptr (ImpsMikeyMessage) m = NULL;
  guint8 randrkms[IMPS_MIKEY_MAX_RAND_LEN];
  ImpsMikeySuite suite;
  gsize rk_len;
  gboolean forking;
  ImpsMikeyMessage *result = NULL;

  memset (&set, 0, sizeof set);
  memset (&contents, 0, sizeof contents);
  if (!check_data_type (resolve_init, IMPS_MIKEY_DATA_RESOLVE_INIT_PSK, error))
    return NULL;
  v = v_of (resolve_init, error);
  if (v == NULL)
    return NULL;
  if (!imps_mikey_suite_of (resolve_init, &suite, error))
    return NULL;
  rk_len = suite.rand_len;
  if (t == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "RESOLVE_INIT without TICKET");
      return NULL;
    }
  if (!imps_mikey_base_ticket_open (t, kms->tpks, kms->n_tpks, &contents, error))
    return NULL;
  if (!imps_mikey_tp_read (&t->u.ticket, &tp, error)
      || !imps_mikey_tp_check_flags (tp.flags, error) || !check_validity (&tp, now, error))
    goto out;
  if (idr == NULL || !responder_allowed (&tp, policy, idr->u.id.data))
    {
      if (idr == NULL)
        g_set_error (error, ERR (INVALID_ID), "RESOLVE_INIT names no responder (IDRr)");
      else
        g_set_error (error, ERR (INVALID_ID), "%.*s is not an authorised responder of the ticket",
                     (int) idr->u.id.data.len, (const char *) idr->u.id.data.data);
      goto out;
    }
  forking = (tp.flags & IMPS_MIKEY_TICKET_FLAG_I) != 0;

  /* MPKi, MPKr from the ticket's MPK (App. A.2.2) */
  {
    const ImpsMikeySessionKey *mpk = &contents.keys.mpks[0];
    set.mpks[0] = *mpk;
    set.mpks[1] = *mpk;
    imps_mikey_derive_mpk_pair (tp.prf, mpk->key, mpk->key_len, contents.rand, contents.rand_len,
                                set.mpks[0].key, set.mpks[1].key);
    set.n_mpks = forking ? 2 : 1;
    set.n_keys = contents.keys.n_keys;
    memcpy (set.keys, contents.keys.keys, sizeof set.keys);
  }
  if (forking)
    {
      const guint8 *vi;
      guint8 alg;
      if (!imps_mikey_initiator_data_verify (tp.prf, set.mpks[1].key, set.mpks[1].key_len,
                                             t->u.ticket.initiator_data.data,
                                             t->u.ticket.initiator_data.len, &vi, &alg, error))
        goto out;
    }
  if (!(tp.flags & IMPS_MIKEY_TICKET_FLAG_J) && uses != NULL)
    {
      /* J = 0: one resolution per responder. Key: SHA-256(ticket V MAC area
       * ‖ responder identity), kept until the ticket expires. */
      guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN];
      ImpsIovec iov[2] = { { t->u.ticket.ticket_data.data, t->u.ticket.ticket_data.len },
                           { idr->u.id.data.data, idr->u.id.data.len } };
      gboolean full = FALSE;
      imps_digest_iov (IMPS_HASH_SHA256, iov, 2, digest);
      if (!imps_mikey_replay_insert (uses, digest, tp.valid_to != 0 ? tp.valid_to : now, now,
                                     &full))
        {
          g_set_error (error, ERR (INVALID_TPPAR), full
                       ? "ticket use cache full: resolution refused"
                       : "the ticket has J = 0 and this responder resolved it before");
          goto out;
        }
    }
  if (forking)
    {
      /* RFC 6043 §12.1: RANDRkms at least as long as MPKr and every TGK */
      rk_len = MAX (rk_len, set.mpks[1].key_len);
      for (guint i = 0; i < set.n_keys; i++)
        rk_len = MAX (rk_len, set.keys[i].key_len);
      ImpsMikeyBytes rk = { randrkms, rk_len };
      imps_random_fill (rnd, randrkms, rk_len);
      if (!fork_keys (tp.prf, &set, idr->u.id.data, rk, error))
        goto out;
    }

  {
    ImpsMikeyBytes rk = { randrkms, rk_len };
    m = build_resolve_resp (kms->kms_uri, suite.encr_alg, resolve_init, psk, psk_len, &set,
                            forking ? &idr->u.id : NULL, rk, now, error);
    if (m == NULL)
      goto out;
  }
  result = g_steal_pointer (&m);
out:
  imps_mikey_ticket_contents_clear (&contents);
  imps_mikey_key_set_clear (&set);
  return result;
}

/* ---- Zk: resolving through the responder's own KMS (profile §4) ----- */

ImpsMikeyMessage *
imps_mikey_resolve_relay_init_build (const ImpsMikeyMessage *from_responder,
                                     const gchar *own_kms_uri, const gchar *issuing_kms_uri,
                                     const guint8 *pair_psk, gsize pair_psk_len,
                                     guint64 now, ImpsRandom *rnd, GError **error)
{
  const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (from_responder, IMPS_MIKEY_ID_ROLE_R);
  g_autofree gchar *responder = NULL;
  ImpsMikeyResolveParams p;

  if (!check_data_type (from_responder, IMPS_MIKEY_DATA_RESOLVE_INIT_PSK, error))
    return NULL;
  if (idr == NULL)
    {
      g_set_error (error, ERR (INVALID_ID), "RESOLVE_INIT to relay names no responder (IDRr)");
      return NULL;
    }
  /* the responder's IDRr and the TICKET copied; IDRpsk = this KMS */
  responder = g_strndup ((const gchar *) idr->u.id.data.data, idr->u.id.data.len);
  p.responder_uri = responder;
  p.kms_uri = issuing_kms_uri;
  p.psk_id = (const guint8 *) own_kms_uri;
  p.psk_id_len = strlen (own_kms_uri);
  return imps_mikey_resolve_init_build (from_responder, &p, pair_psk, pair_psk_len, now, rnd,
                                        error);
}

ImpsMikeyMessage *
imps_mikey_resolve_relay_resp_build (const ImpsMikeyKms *kms,
                                     const ImpsMikeyMessage *relay_init,
                                     const guint8 *data, gsize len,
                                     const guint8 *pair_psk, gsize pair_psk_len,
                                     const ImpsMikeyMessage *from_responder,
                                     const guint8 *psk, gsize psk_len,
                                     guint64 now, guint skew, GError **error)
{
  g_autoptr (ImpsMikeyMessage) in = imps_mikey_message_parse (data, len, error);
  const ImpsMikeyPayload *v, *kemac, *t = ticket_of (relay_init);
  const ImpsMikeyPayload *idr = NULL, *rk = NULL;
  ImpsMikeyMsgKeys keys;
  ImpsMikeyKeySet set;
  ImpsMikeyMessage *out = NULL;
  gboolean forked;

  memset (&set, 0, sizeof set);
  if (in == NULL || !check_data_type (in, IMPS_MIKEY_DATA_RESOLVE_RESP, error))
    return NULL;
  if (in->hdr.csb_id != relay_init->hdr.csb_id)
    {
      g_set_error (error, ERR (MALFORMED), "RESOLVE_RESP CSB ID %08x, the relayed request had %08x",
                   in->hdr.csb_id, relay_init->hdr.csb_id);
      return NULL;
    }
  if (t == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "relayed RESOLVE_INIT without TICKET");
      return NULL;
    }
  forked = (t->u.ticket.flags & IMPS_MIKEY_TICKET_FLAG_I) != 0;
  if (!check_t (in, now, skew, error))
    return NULL;
  v = v_of (in, error);
  if (v == NULL)
    return NULL;
  kemac = imps_mikey_message_find (in, IMPS_MIKEY_PAYLOAD_KEMAC);
  if (kemac == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "RESOLVE_RESP without KEMAC");
      return NULL;
    }
  if (forked)
    {
      idr = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_R);
      rk = imps_mikey_message_find_randr (in, IMPS_MIKEY_RAND_ROLE_KMS);
      if (idr == NULL || rk == NULL)
        {
          g_set_error (error, ERR (MALFORMED), "RESOLVE_RESP of a forking ticket without %s",
                       idr == NULL ? "IDRr" : "RANDRkms");
          return NULL;
        }
    }
  if (!exchange_keys (relay_init, NULL, IMPS_MIKEY_LABEL_RESPONSE, pair_psk, pair_psk_len,
                      kemac->u.kemac.encr_alg, v->u.v.auth_alg, &keys, error))
    return NULL;
  {
    ImpsIovec extra = { relay_init->body.raw, relay_init->body.raw_len };
    if (!verify_message (in, &keys, FALSE, &extra, 1, error)
        || !imps_mikey_kemac_open (&kemac->u.kemac, &keys, in->hdr.csb_id, t_of (in),
                                   forked ? 2 : 1, &set, error))
      goto out;
  }
  /* re-wrap for the responder under its own PSK */
  {
    ImpsMikeyBytes none = { NULL, 0 };
    ImpsMikeySuite rs;
    if (!imps_mikey_suite_of (from_responder, &rs, error))
      goto out;
    out = build_resolve_resp (kms->kms_uri, rs.encr_alg, from_responder, psk, psk_len,
                              &set, forked ? &idr->u.id : NULL,
                              forked ? rk->u.rand.data : none, now, error);
  }
out:
  imps_mikey_msg_keys_clear (&keys);
  imps_mikey_key_set_clear (&set);
  return out;
}

ImpsMikeyMessage *
imps_mikey_resolve_relay_answer (const ImpsMikeyKms *kms, const ImpsMikeyMessage *relay_init,
                                 const guint8 *data, gsize len,
                                 const guint8 *pair_psk, gsize pair_psk_len,
                                 const ImpsMikeyMessage *from_responder,
                                 const guint8 *psk, gsize psk_len, guint64 now, guint skew,
                                 guint8 *err_no, gboolean *refused, GError **error)
{
  GError *why = NULL;
  ImpsMikeyMessage *resp = imps_mikey_resolve_relay_resp_build (kms, relay_init, data, len,
                                                                pair_psk, pair_psk_len,
                                                                from_responder, psk, psk_len,
                                                                now, skew, &why);
  *err_no = IMPS_MIKEY_ERR_UNSPECIFIED;
  *refused = FALSE;
  if (resp != NULL)
    return resp;
  if (len > 1 && data[1] == IMPS_MIKEY_DATA_ERROR)
    {
      /* the issuing KMS refused: its first ERR code is passed on */
      guint8 errs[4] = { IMPS_MIKEY_ERR_UNSPECIFIED };
      guint n = 0;
      gboolean auth = FALSE;
      ImpsMikeyMessage *em = imps_mikey_error_parse (data, len, NULL, errs, G_N_ELEMENTS (errs),
                                                     &n, &auth, NULL);
      if (em != NULL)
        {
          *refused = TRUE;
          if (n > 0)
            *err_no = errs[0];
          imps_mikey_message_free (em);
        }
    }
  g_propagate_error (error, why);
  return NULL;
}

void
imps_mikey_resolved_free (ImpsMikeyResolved *resolved)
{
  if (resolved == NULL)
    return;
  imps_mikey_message_free (resolved->resp);
  imps_wipe (resolved, sizeof *resolved);
  g_free (resolved);
}

/* Verifies TRANSFER_INIT's V with MPKi (§5.3 Responder). */
static gboolean
verify_transfer_init (const ImpsMikeyMessage *ti, const ImpsMikeyKeySet *set,
                      const ImpsMikeyTp *tp, const gchar *responder_uri, GError **error)
{
  const ImpsMikeyPayload *v = v_of (ti, error);
  ImpsMikeyMsgKeys keys;
  ImpsMikeyBytes id_i, id_r;
  gboolean ok;

  if (v == NULL)
    return FALSE;
  if (!exchange_keys (ti, NULL, IMPS_MIKEY_LABEL_INITIAL, set->mpks[0].key, set->mpks[0].key_len,
                      IMPS_MIKEY_ENCR_NULL, v->u.v.auth_alg, &keys, error))
    return FALSE;
  id_i = imps_mikey_message_find_idr (ti, IMPS_MIKEY_ID_ROLE_I) != NULL
         ? idr_or (ti, IMPS_MIKEY_ID_ROLE_I, NULL) : tp->initiator_id; /* A-3 */
  id_r = idr_or (ti, IMPS_MIKEY_ID_ROLE_R, responder_uri);
  {
    ImpsIovec extra[2] = { { id_i.data, id_i.len }, { id_r.data, id_r.len } };
    ok = verify_message (ti, &keys, TRUE, extra, 2, error);
  }
  imps_mikey_msg_keys_clear (&keys);
  return ok;
}

ImpsMikeyResolved *
imps_mikey_resolve_resp_process (const ImpsMikeyMessage *resolve_init,
                                 const guint8 *data, gsize len,
                                 const guint8 *psk, gsize psk_len,
                                 const ImpsMikeyMessage *transfer_init,
                                 const gchar *responder_uri,
                                 guint64 now, guint skew,
                                 ImpsMikeyReplay *replay, GError **error)
{
  g_autoptr (ImpsMikeyResolved) r = g_new0 (ImpsMikeyResolved, 1);
  const ImpsMikeyPayload *v, *kemac, *t = ticket_of (transfer_init);
  ImpsMikeyMsgKeys keys;
  gboolean ok;

  if (t == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "TRANSFER_INIT without TICKET");
      return NULL;
    }
  if (!imps_mikey_tp_read (&t->u.ticket, &r->policy, error))
    return NULL;
  r->forked = (r->policy.flags & IMPS_MIKEY_TICKET_FLAG_I) != 0;
  r->resp = imps_mikey_message_parse (data, len, error);
  if (r->resp == NULL || !check_data_type (r->resp, IMPS_MIKEY_DATA_RESOLVE_RESP, error))
    return NULL;
  if (r->resp->hdr.csb_id != resolve_init->hdr.csb_id)
    {
      g_set_error (error, ERR (MALFORMED), "RESOLVE_RESP CSB ID %08x, the request had %08x",
                   r->resp->hdr.csb_id, resolve_init->hdr.csb_id);
      return NULL;
    }
  if (!check_t (r->resp, now, skew, error))
    return NULL;
  v = v_of (r->resp, error);
  if (v == NULL)
    return NULL;
  kemac = imps_mikey_message_find (r->resp, IMPS_MIKEY_PAYLOAD_KEMAC);
  if (kemac == NULL)
    {
      g_set_error (error, ERR (MALFORMED), "RESOLVE_RESP without KEMAC");
      return NULL;
    }
  if (!exchange_keys (resolve_init, NULL, IMPS_MIKEY_LABEL_RESPONSE, psk, psk_len,
                      kemac->u.kemac.encr_alg, v->u.v.auth_alg, &keys, error))
    return NULL;
  {
    ImpsIovec extra = { resolve_init->body.raw, resolve_init->body.raw_len };
    ok = verify_message (r->resp, &keys, FALSE, &extra, 1, error);
  }
  if (ok)
    ok = imps_mikey_kemac_open (&kemac->u.kemac, &keys, r->resp->hdr.csb_id, t_of (r->resp),
                                r->forked ? 2 : 1, &r->keys, error);
  imps_mikey_msg_keys_clear (&keys);
  if (!ok)
    return NULL;
  if (r->forked)
    {
      const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (r->resp, IMPS_MIKEY_ID_ROLE_R);
      const ImpsMikeyPayload *rk = imps_mikey_message_find_randr (r->resp, IMPS_MIKEY_RAND_ROLE_KMS);
      if (idr == NULL || rk == NULL)
        {
          g_set_error (error, ERR (MALFORMED), "RESOLVE_RESP of a forking ticket without %s",
                       idr == NULL ? "IDRr" : "RANDRkms");
          return NULL;
        }
      r->idr = idr->u.id.data;
      r->randrkms = rk->u.rand.data;
    }
  if (!verify_transfer_init (transfer_init, &r->keys, &r->policy, responder_uri, error))
    return NULL;
  if (r->forked)
    {
      /* the TRANSFER_INIT's V MAC must equal Vi's (A-5); the Responder has
       * no MPKr, so Vr was checked by the KMS */
      const ImpsMikeyPayload *v_ti = imps_mikey_message_find (transfer_init, IMPS_MIKEY_PAYLOAD_V);
      const ImpsMikeyBytes *idata = &t->u.ticket.initiator_data;
      gsize mac_len = v_ti->u.v.mac.len;
      if (idata->len != 2 * (2 + mac_len) + 1 || idata->data[0] != IMPS_MIKEY_PAYLOAD_V
          || idata->data[2] != v_ti->u.v.auth_alg
          || !imps_mem_equal (idata->data + 3, v_ti->u.v.mac.data, mac_len))
        {
          g_set_error (error, ERR (AUTH_FAILED),
                       "TRANSFER_INIT V MAC differs from Vi of the Initiator Data");
          return NULL;
        }
    }
  if (replay != NULL)
    {
      guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN];
      gboolean full = FALSE;
      imps_mikey_replay_digest (transfer_init->body.raw, transfer_init->body.raw_len, digest);
      if (!imps_mikey_replay_insert (replay, digest, t_of (transfer_init), now, &full))
        {
          g_set_error (error, IMPS_MIKEY_ERROR,
                       full ? IMPS_MIKEY_ERROR_UNSPECIFIED : IMPS_MIKEY_ERROR_REPLAY,
                       full ? "replay cache full" : "TRANSFER_INIT was received before");
          return NULL;
        }
    }
  return g_steal_pointer (&r);
}

/* SRTP keys of every crypto session (§6.3 TEK row, profile §10): for CS i
 * the session key whose SPI matches the map's SPI, else the first; TEK
 * and salt lengths from the SP (types 1 and 4, defaults 16 and 14); a
 * carried salt wins; RANDRi iff H, RANDRr iff G; the HDR PRF (A-17). */
static gboolean
srtp_keys_rands (const ImpsMikeyMessage *ti, const ImpsMikeyMessage *tr,
                 const ImpsMikeyKeySet *set, ImpsMikeyBytes ri, ImpsMikeyBytes rr,
                 ImpsMikeySrtpKeys *out, guint *n_out, GError **error)
{
  guint n = 0;

  for (guint i = 0; i < tr->hdr.n_cs && n < IMPS_MIKEY_MAX_CS; i++)
    {
      const ImpsMikeyCsInfo *cs = &tr->hdr.cs[i];
      const ImpsMikeySessionKey *k = NULL;
      const ImpsMikeyPayload *sp = NULL;
      guint key_len = 16, salt_len = IMPS_MIKEY_SALT_LEN;
      ImpsMikeySrtpKeys *o = &out[n];

      for (guint j = 0; j < set->n_keys && k == NULL; j++)
        if (cs->spi.len > 0 && set->keys[j].spi_len == cs->spi.len
            && memcmp (set->keys[j].spi, cs->spi.data, cs->spi.len) == 0)
          k = &set->keys[j];
      if (k == NULL && set->n_keys > 0)
        k = &set->keys[0];
      if (k == NULL)
        {
          g_set_error (error, ERR (UNSPECIFIED), "CS %u: the ticket carries no session key",
                       cs->cs_id);
          return FALSE;
        }
      if (cs->policies.len > 0)
        {
          sp = find_sp (tr, cs->policies.data[0]);
          if (sp == NULL)
            sp = find_sp (ti, cs->policies.data[0]);
        }
      if (sp != NULL)
        {
          const ImpsMikeySpParam *kl = imps_mikey_sp_find_param (&sp->u.sp,
                                                                 IMPS_MIKEY_SP_SRTP_ENCR_KEY_LEN);
          const ImpsMikeySpParam *sl = imps_mikey_sp_find_param (&sp->u.sp,
                                                                 IMPS_MIKEY_SP_SRTP_SALT_KEY_LEN);
          if (kl != NULL && kl->value.len == 1)
            key_len = kl->value.data[0];
          if (sl != NULL && sl->value.len == 1)
            salt_len = sl->value.data[0];
        }
      if (key_len == 0 || key_len > sizeof o->key || salt_len > IMPS_MIKEY_SALT_LEN)
        {
          g_set_error (error, ERR (INVALID_SPPAR), "CS %u: key %u / salt %u bytes not supported",
                       cs->cs_id, key_len, salt_len);
          return FALSE;
        }
      memset (o, 0, sizeof *o);
      o->cs_id = cs->cs_id;
      o->ssrc = cs->ssrc;
      o->key_len = (guint8) key_len;
      o->salt_len = (guint8) salt_len;
      o->spi_len = k->spi_len;
      memcpy (o->spi, k->spi, k->spi_len);
      if (k->type == IMPS_MIKEY_KEY_TEK || k->type == IMPS_MIKEY_KEY_TEK_SALT)
        {
          if (k->key_len != key_len || k->salt_len != salt_len)
            {
              g_set_error (error, ERR (INVALID_SPPAR),
                           "CS %u: the TEK (%u bytes, salt %u) does not fit the policy",
                           cs->cs_id, k->key_len, k->salt_len);
              return FALSE;
            }
          memcpy (o->key, k->key, key_len);
          memcpy (o->salt, k->salt, salt_len);
        }
      else
        {
          gboolean carried = k->salt_len > 0;
          if (!imps_mikey_derive_tek (ti->hdr.prf, k->key, k->key_len, cs->cs_id, ri.data, ri.len,
                                      rr.data, rr.len, o->key, key_len,
                                      carried ? NULL : o->salt, salt_len))
            {
              g_set_error (error, ERR (INVALID_PRF), "HDR PRF %u not supported", ti->hdr.prf);
              return FALSE;
            }
          if (carried)
            {
              if (k->salt_len < salt_len)
                {
                  g_set_error (error, ERR (INVALID_SPPAR), "CS %u: carried salt too short",
                               cs->cs_id);
                  return FALSE;
                }
              memcpy (o->salt, k->salt, salt_len);
            }
        }
      n++;
    }
  *n_out = n;
  return TRUE;
}

static gboolean
srtp_keys (const ImpsMikeyMessage *ti, const ImpsMikeyMessage *tr, const ImpsMikeyKeySet *set,
           guint32 flags, ImpsMikeySrtpKeys *out, guint *n_out, GError **error)
{
  ImpsMikeyBytes ri = { NULL, 0 }, rr = { NULL, 0 };

  if (flags & IMPS_MIKEY_TICKET_FLAG_H)
    ri = randr_of (ti, IMPS_MIKEY_RAND_ROLE_I);
  if (flags & IMPS_MIKEY_TICKET_FLAG_G)
    rr = randr_of (tr, IMPS_MIKEY_RAND_ROLE_R);
  return srtp_keys_rands (ti, tr, set, ri, rr, out, n_out, error);
}

/* ---- CSB state and updates (§10.1, A-23) ----------------------------- */

void
imps_mikey_csb_clear (ImpsMikeyCsb *csb)
{
  if (csb != NULL)
    imps_wipe (csb, sizeof *csb);
}

static guint
suite_encr_for_prf (guint prf)
{
  /* RFC 6043 §12.1: the 256-bit algorithms go together */
  return prf == IMPS_MIKEY_PRF_HMAC_SHA256 ? IMPS_MIKEY_ENCR_AES_CM_256
         : IMPS_MIKEY_ENCR_AES_CM_128;
}

static gboolean
csb_fill (ImpsMikeyCsb *csb, const ImpsMikeyMessage *ti, const ImpsMikeyMessage *tr,
          const ImpsMikeySessionKey *mk, const ImpsMikeyKeySet *set, guint32 flags,
          GError **error)
{
  const ImpsMikeyPayload *v = imps_mikey_message_find (tr, IMPS_MIKEY_PAYLOAD_V);
  ImpsMikeyBytes ri = randr_of (ti, IMPS_MIKEY_RAND_ROLE_I);
  ImpsMikeyBytes rr = randr_of (tr, IMPS_MIKEY_RAND_ROLE_R);
  ImpsMikeyBytes id_i = idr_or (ti, IMPS_MIKEY_ID_ROLE_I, NULL);
  ImpsMikeyBytes id_r = idr_or (tr, IMPS_MIKEY_ID_ROLE_R, NULL);

  memset (csb, 0, sizeof *csb);
  if (v == NULL || id_i.len >= sizeof csb->initiator_id || id_r.len >= sizeof csb->responder_id)
    {
      g_set_error (error, ERR (UNSPECIFIED), "cannot keep the CSB state (identities too long)");
      return FALSE;
    }
  /* A-23: the keys of the last message of the initial exchange */
  if (!exchange_keys (ti, tr, IMPS_MIKEY_LABEL_RESPONSE, mk->key, mk->key_len,
                      suite_encr_for_prf (ti->hdr.prf), v->u.v.auth_alg, &csb->keys, error))
    return FALSE;
  csb->csb_id = ti->hdr.csb_id;
  csb->prf = ti->hdr.prf;
  csb->flags = flags;
  csb->set = *set;
  if (flags & IMPS_MIKEY_TICKET_FLAG_H)
    {
      csb->randri_len = (guint8) ri.len;
      memcpy (csb->randri, ri.data, ri.len);
    }
  if ((flags & IMPS_MIKEY_TICKET_FLAG_G) && rr.len > 0)
    {
      csb->randrr_len = (guint8) rr.len;
      memcpy (csb->randrr, rr.data, rr.len);
    }
  csb->initiator_len = (guint8) id_i.len;
  memcpy (csb->initiator_id, id_i.data, id_i.len);
  csb->responder_len = (guint8) id_r.len;
  memcpy (csb->responder_id, id_r.data, id_r.len);
  return TRUE;
}

ImpsMikeyMessage *
imps_mikey_transfer_resp_build (const ImpsMikeyMessage *transfer_init,
                                const ImpsMikeyResolved *resolved,
                                const gchar *responder_uri,
                                const guint32 *ssrc, guint n_ssrc,
                                guint64 now, ImpsRandom *rnd,
                                ImpsMikeySrtpKeys *keys_out, guint *n_keys,
                                ImpsMikeyCsb *csb, GError **error)
{
  const ImpsMikeyPayload *v = v_of (transfer_init, error);
  guint32 flags = resolved->policy.flags;
  g_autoptr (ImpsMikeyMessage) m = NULL;
  ImpsMikeyMsgKeys keys;
  ImpsMikeyPayload pl;
  guint8 randrr[IMPS_MIKEY_MAX_RAND_LEN];
  ImpsMikeyBytes ri = randr_of (transfer_init, IMPS_MIKEY_RAND_ROLE_I);
  gsize rlen = MAX (ri.len, 16);
  const ImpsMikeySessionKey *key;
  gboolean ok;

  if (v == NULL)
    return NULL;
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_TRANSFER_RESP, FALSE, transfer_init->hdr.prf,
                              transfer_init->hdr.csb_id, transfer_init->hdr.map_type,
                              transfer_init->hdr.n_cs);
  for (guint i = 0; i < transfer_init->hdr.n_cs; i++)
    {
      ImpsMikeyCsInfo cs = transfer_init->hdr.cs[i];
      guint8 pol = cs.policies.len > 0 ? cs.policies.data[0] : 1;
      cs.policies.data = &pol; /* #P = 1 in a response */
      cs.policies.len = 1;
      cs.session_data.data = NULL;
      cs.session_data.len = 0;
      if (!cs.has_ssrc || cs.cs_id % 2 == 0)
        {
          guint k = i / 2;
          cs.has_ssrc = TRUE;
          cs.ssrc = k < n_ssrc ? ssrc[k] : imps_random_u32 (rnd);
        }
      key = first_session_key (&resolved->keys);
      if (cs.spi.len == 0 && key != NULL)
        {
          cs.spi.data = key->spi;
          cs.spi.len = key->spi_len;
        }
      imps_mikey_message_set_cs (m, i, &cs);
    }
  /* no SP of our own: the offer's policy is taken as is (A-26 would number
   * extra SPs above the Initiator's) */
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  if (flags & IMPS_MIKEY_TICKET_FLAG_G)
    {
      imps_random_fill (rnd, randrr, rlen);
      pl = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_R, randrr, rlen);
      imps_mikey_message_add (m, &pl);
    }
  /* profile §10: IDRr always; the modifier's IDRr when forked */
  if (resolved->forked)
    pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, resolved->idr.data,
                                 resolved->idr.len);
  else
    pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI,
                                 (const guint8 *) responder_uri, strlen (responder_uri));
  imps_mikey_message_add (m, &pl);
  if (resolved->forked)
    {
      pl = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_KMS, resolved->randrkms.data,
                                     resolved->randrkms.len);
      imps_mikey_message_add (m, &pl);
    }
  {
    /* A-24: the answer carries the same SDP IDs extension as the offer */
    const ImpsMikeyPayload *ext = find_sdp_ids (transfer_init);
    if (ext != NULL)
      {
        pl = imps_mikey_payload_general_ext (IMPS_MIKEY_EXT_SDP_IDS, ext->u.ext.data.data,
                                             ext->u.ext.data.len);
        imps_mikey_message_add (m, &pl);
      }
  }
  pl = imps_mikey_payload_v (v->u.v.auth_alg, NULL, 0);
  imps_mikey_message_add (m, &pl);
  if (imps_mikey_message_serialize (m, NULL, error) == NULL)
    return NULL;
  {
    const ImpsMikeySessionKey *mk = resolved->forked ? &resolved->keys.mpks[1]
                                    : &resolved->keys.mpks[0];
    if (!exchange_keys (transfer_init, m, IMPS_MIKEY_LABEL_RESPONSE, mk->key, mk->key_len,
                        IMPS_MIKEY_ENCR_NULL, v->u.v.auth_alg, &keys, error))
      return NULL;
  }
  {
    ImpsIovec extra = { transfer_init->body.raw, transfer_init->body.raw_len }; /* A-6 */
    ok = sign_message (m, &keys, FALSE, &extra, 1, error);
  }
  imps_mikey_msg_keys_clear (&keys);
  if (!ok)
    return NULL;
  if (!srtp_keys (transfer_init, m, &resolved->keys, flags, keys_out, n_keys, error))
    return NULL;
  if (csb != NULL
      && !csb_fill (csb, transfer_init, m,
                    resolved->forked ? &resolved->keys.mpks[1] : &resolved->keys.mpks[0],
                    &resolved->keys, flags, error))
    {
      imps_mikey_srtp_keys_clear (keys_out, *n_keys);
      return NULL;
    }
  return g_steal_pointer (&m);
}

gboolean
imps_mikey_transfer_resp_process (const ImpsMikeyHeldTicket *held,
                                  const ImpsMikeyMessage *transfer_init,
                                  const guint8 *data, gsize len,
                                  guint64 now, guint skew,
                                  ImpsMikeySrtpKeys *keys_out, guint *n_keys,
                                  ImpsMikeyCsb *csb, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (data, len, error);
  const ImpsMikeyPayload *v;
  ImpsMikeyKeySet set;
  ImpsMikeyMsgKeys keys;
  gboolean forked = (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_I) != 0;
  gboolean ok = FALSE;

  if (m == NULL || !check_data_type (m, IMPS_MIKEY_DATA_TRANSFER_RESP, error))
    return FALSE;
  if (m->hdr.csb_id != transfer_init->hdr.csb_id)
    {
      g_set_error (error, ERR (MALFORMED), "TRANSFER_RESP CSB ID %08x, TRANSFER_INIT had %08x",
                   m->hdr.csb_id, transfer_init->hdr.csb_id);
      return FALSE;
    }
  if (!check_t (m, now, skew, error))
    return FALSE;
  v = v_of (m, error);
  if (v == NULL)
    return FALSE;
  if (m->hdr.n_cs != transfer_init->hdr.n_cs || m->hdr.map_type != IMPS_MIKEY_CS_MAP_GENERIC_ID
      || m->hdr.n_cs > IMPS_MIKEY_MAX_CS)
    {
      g_set_error (error, ERR (INVALID_SP), "TRANSFER_RESP CS map (%u CSs, type %u) does not "
                   "answer the offer (%u CSs)", m->hdr.n_cs, m->hdr.map_type,
                   transfer_init->hdr.n_cs);
      return FALSE;
    }
  set = held->keys;
  memset (&keys, 0, sizeof keys);
  if (forked)
    {
      const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (m, IMPS_MIKEY_ID_ROLE_R);
      const ImpsMikeyPayload *rk = imps_mikey_message_find_randr (m, IMPS_MIKEY_RAND_ROLE_KMS);
      if (idr == NULL || rk == NULL)
        {
          g_set_error (error, ERR (MALFORMED), "forked TRANSFER_RESP without %s",
                       idr == NULL ? "IDRr" : "RANDRkms");
          goto out;
        }
      if (!fork_keys (held->policy.prf, &set, idr->u.id.data, rk->u.rand.data, error))
        goto out;
    }
  {
    const ImpsMikeySessionKey *mk = forked ? &set.mpks[1] : &set.mpks[0];
    if (!exchange_keys (transfer_init, m, IMPS_MIKEY_LABEL_RESPONSE, mk->key, mk->key_len,
                        IMPS_MIKEY_ENCR_NULL, v->u.v.auth_alg, &keys, error))
      goto out;
  }
  {
    ImpsIovec extra = { transfer_init->body.raw, transfer_init->body.raw_len };
    if (!verify_message (m, &keys, FALSE, &extra, 1, error))
      goto out;
  }
  for (guint i = 0; i < m->hdr.n_cs; i++)
    if (m->hdr.cs[i].policies.len != 1 || !m->hdr.cs[i].has_ssrc)
      {
        g_set_error (error, ERR (INVALID_SP), "TRANSFER_RESP CS %u: #P %u, SSRC %s",
                     m->hdr.cs[i].cs_id, (guint) m->hdr.cs[i].policies.len,
                     m->hdr.cs[i].has_ssrc ? "set" : "missing");
        goto out;
      }
  ok = srtp_keys (transfer_init, m, &set, held->policy.flags, keys_out, n_keys, error);
  if (ok && csb != NULL)
    {
      ok = csb_fill (csb, transfer_init, m, forked ? &set.mpks[1] : &set.mpks[0], &set,
                     held->policy.flags, error);
      if (!ok)
        imps_mikey_srtp_keys_clear (keys_out, *n_keys);
    }
out:
  imps_mikey_key_set_clear (&set);
  imps_mikey_msg_keys_clear (&keys);
  return ok;
}

/* CS map and SP of an offer, as in TRANSFER_INIT (profile §3). */
static void
add_offer_sessions (ImpsMikeyMessage *m, guint n_media, const guint32 *ssrc,
                    const ImpsMikeySessionKey *sk)
{
  static const guint8 policy_one = 1;
  for (guint i = 0; i < 2 * n_media; i++)
    {
      ImpsMikeyCsInfo cs;
      memset (&cs, 0, sizeof cs);
      cs.cs_id = (guint8) (i + 1);
      cs.prot_type = IMPS_MIKEY_PROT_SRTP;
      cs.policies.data = &policy_one;
      cs.policies.len = 1;
      if (i % 2 == 0)
        {
          cs.has_ssrc = TRUE;
          cs.ssrc = ssrc[i / 2];
        }
      if (sk != NULL)
        {
          cs.spi.data = sk->spi;
          cs.spi.len = sk->spi_len;
        }
      imps_mikey_message_set_cs (m, i, &cs);
    }
}

ImpsMikeyMessage *
imps_mikey_csb_update_init_build (const ImpsMikeyCsb *csb, guint n_media, const guint32 *ssrc,
                                  guint64 now, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = NULL;
  ImpsMikeyPayload pl;
  ImpsMikeySpParam params[13];
  guint8 values[13];

  g_return_val_if_fail (n_media >= 1 && n_media <= IMPS_MIKEY_MAX_MEDIA, NULL);
  /* §10.1: same CSB ID; V now really asks for a response (A-1) */
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_TRANSFER_INIT, TRUE, csb->prf, csb->csb_id,
                              IMPS_MIKEY_CS_MAP_GENERIC_ID, (guint8) (2 * n_media));
  add_offer_sessions (m, n_media, ssrc, csb->set.n_keys > 0 ? &csb->set.keys[0] : NULL);
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI,
                               (const guint8 *) csb->initiator_id, csb->initiator_len);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI,
                               (const guint8 *) csb->responder_id, csb->responder_len);
  imps_mikey_message_add (m, &pl);
  pl = srtp_sp (1, csb->keys.encr_alg == IMPS_MIKEY_ENCR_AES_CM_256, params, values);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_v (csb->keys.mac_alg, NULL, 0);
  imps_mikey_message_add (m, &pl);
  {
    ImpsIovec extra[2] = { { (const guint8 *) csb->initiator_id, csb->initiator_len },
                           { (const guint8 *) csb->responder_id, csb->responder_len } };
    if (!sign_message (m, &csb->keys, FALSE, extra, 2, error))
      return NULL;
  }
  return g_steal_pointer (&m);
}

static gboolean
check_update (const ImpsMikeyCsb *csb, const ImpsMikeyMessage *m, guint8 data_type,
              guint64 now, guint skew, GError **error)
{
  if (!check_data_type (m, data_type, error))
    return FALSE;
  if (m->hdr.csb_id != csb->csb_id)
    {
      g_set_error (error, ERR (UNSPECIFIED), "CSB update for CSB ID %08x, this CSB is %08x",
                   m->hdr.csb_id, csb->csb_id);
      return FALSE;
    }
  if (!check_t (m, now, skew, error) || v_of (m, error) == NULL)
    return FALSE;
  if (imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_RANDR) != NULL || ticket_of (m) != NULL
      || imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_KEMAC) != NULL)
    {
      g_set_error (error, ERR (UNSPECIFIED),
                   "a CSB update carries no RANDR, TICKET or KEMAC here (§10.1, L = M = 0)");
      return FALSE;
    }
  if (m->hdr.map_type != IMPS_MIKEY_CS_MAP_GENERIC_ID || m->hdr.n_cs == 0
      || m->hdr.n_cs > IMPS_MIKEY_MAX_CS)
    {
      g_set_error (error, ERR (INVALID_SP), "CSB update: CS map type %u with %u sessions",
                   m->hdr.map_type, m->hdr.n_cs);
      return FALSE;
    }
  return TRUE;
}

ImpsMikeyMessage *
imps_mikey_csb_update_resp_build (const ImpsMikeyCsb *csb, const guint8 *data, gsize len,
                                  const guint32 *ssrc, guint n_ssrc, guint64 now, guint skew,
                                  ImpsMikeySrtpKeys *keys_out, guint *n_keys, GError **error)
{
  g_autoptr (ImpsMikeyMessage) in = imps_mikey_message_parse (data, len, error);
  g_autoptr (ImpsMikeyMessage) m = NULL;
  ImpsMikeyPayload pl;

  if (in == NULL || !check_update (csb, in, IMPS_MIKEY_DATA_TRANSFER_INIT, now, skew, error))
    return NULL;
  {
    ImpsMikeyBytes id_i = idr_or (in, IMPS_MIKEY_ID_ROLE_I, csb->initiator_id);
    ImpsMikeyBytes id_r = idr_or (in, IMPS_MIKEY_ID_ROLE_R, csb->responder_id);
    ImpsIovec extra[2] = { { id_i.data, id_i.len }, { id_r.data, id_r.len } };
    if (!verify_message (in, &csb->keys, FALSE, extra, 2, error))
      return NULL;
  }
  for (guint i = 0; i < in->hdr.n_cs; i++)
    for (gsize k = 0; k < in->hdr.cs[i].policies.len; k++)
      {
        const ImpsMikeyPayload *sp = find_sp (in, in->hdr.cs[i].policies.data[k]);
        if (sp == NULL || !check_sp (sp, error))
          {
            if (sp == NULL)
              g_set_error (error, ERR (INVALID_SP), "CS %u names a policy no SP has",
                           in->hdr.cs[i].cs_id);
            return NULL;
          }
      }
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_TRANSFER_RESP, FALSE, in->hdr.prf, csb->csb_id,
                              IMPS_MIKEY_CS_MAP_GENERIC_ID, in->hdr.n_cs);
  for (guint i = 0; i < in->hdr.n_cs; i++)
    {
      ImpsMikeyCsInfo cs = in->hdr.cs[i];
      guint8 pol = cs.policies.len > 0 ? cs.policies.data[0] : 1;
      cs.policies.data = &pol;
      cs.policies.len = 1;
      cs.session_data.data = NULL;
      cs.session_data.len = 0;
      if (!cs.has_ssrc || cs.cs_id % 2 == 0)
        {
          cs.has_ssrc = TRUE;
          cs.ssrc = i / 2 < n_ssrc ? ssrc[i / 2] : 0;
        }
      imps_mikey_message_set_cs (m, i, &cs);
    }
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI,
                               (const guint8 *) csb->responder_id, csb->responder_len);
  imps_mikey_message_add (m, &pl);
  pl = imps_mikey_payload_v (csb->keys.mac_alg, NULL, 0);
  imps_mikey_message_add (m, &pl);
  {
    ImpsIovec extra = { in->body.raw, in->body.raw_len };
    if (!sign_message (m, &csb->keys, FALSE, &extra, 1, error))
      return NULL;
  }
  {
    ImpsMikeyBytes ri = { csb->randri, csb->randri_len }, rr = { csb->randrr, csb->randrr_len };
    if (!srtp_keys_rands (in, m, &csb->set, ri, rr, keys_out, n_keys, error))
      return NULL;
  }
  return g_steal_pointer (&m);
}

gboolean
imps_mikey_csb_update_resp_process (const ImpsMikeyCsb *csb, const ImpsMikeyMessage *update_init,
                                    const guint8 *data, gsize len, guint64 now, guint skew,
                                    ImpsMikeySrtpKeys *keys_out, guint *n_keys, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (data, len, error);
  ImpsMikeyBytes ri = { csb->randri, csb->randri_len }, rr = { csb->randrr, csb->randrr_len };

  if (m == NULL || !check_update (csb, m, IMPS_MIKEY_DATA_TRANSFER_RESP, now, skew, error))
    return FALSE;
  if (m->hdr.n_cs != update_init->hdr.n_cs)
    {
      g_set_error (error, ERR (INVALID_SP), "the answer has %u crypto sessions, the update %u",
                   m->hdr.n_cs, update_init->hdr.n_cs);
      return FALSE;
    }
  {
    ImpsIovec extra = { update_init->body.raw, update_init->body.raw_len };
    if (!verify_message (m, &csb->keys, FALSE, &extra, 1, error))
      return FALSE;
  }
  for (guint i = 0; i < m->hdr.n_cs; i++)
    if (m->hdr.cs[i].policies.len != 1 || !m->hdr.cs[i].has_ssrc)
      {
        g_set_error (error, ERR (INVALID_SP), "CS %u: #P must be 1 and the SSRC set",
                     m->hdr.cs[i].cs_id);
        return FALSE;
      }
  return srtp_keys_rands (update_init, m, &csb->set, ri, rr, keys_out, n_keys, error);
}

/* ---- Error messages ---------------------------------------------------- */

gboolean
imps_mikey_error_keys (const ImpsMikeyMessage *in_error, const guint8 *key, gsize key_len,
                       ImpsMikeyMsgKeys *out, GError **error)
{
  const ImpsMikeyPayload *v = imps_mikey_message_find (in_error, IMPS_MIKEY_PAYLOAD_V);
  guint8 alg = v != NULL ? v->u.v.auth_alg : IMPS_MIKEY_MAC_HMAC_SHA1_160; /* A-16 */
  gboolean initial;

  switch (in_error->hdr.data_type)
    {
    case IMPS_MIKEY_DATA_REQUEST_INIT_PSK:
    case IMPS_MIKEY_DATA_TRANSFER_INIT:
    case IMPS_MIKEY_DATA_RESOLVE_INIT_PSK:
      initial = TRUE;
      break;
    default:
      initial = FALSE;
      break;
    }
  return exchange_keys (in_error, NULL, initial ? IMPS_MIKEY_LABEL_INITIAL
                        : IMPS_MIKEY_LABEL_RESPONSE, key, key_len, IMPS_MIKEY_ENCR_NULL, alg,
                        out, error);
}

ImpsMikeyMessage *
imps_mikey_error_build (const ImpsMikeyHdr *in_error, const guint8 *err_nos, guint n_err,
                        const ImpsMikeyMsgKeys *keys, guint64 now, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = NULL;
  ImpsMikeyPayload pl;

  if (in_error->data_type == IMPS_MIKEY_DATA_ERROR)
    {
      g_set_error (error, ERR (UNSPECIFIED), "never answer an Error message with an Error (§11)");
      return NULL;
    }
  g_return_val_if_fail (n_err >= 1, NULL);
  m = imps_mikey_message_new (IMPS_MIKEY_DATA_ERROR, FALSE, in_error->prf, in_error->csb_id,
                              IMPS_MIKEY_CS_MAP_EMPTY, 0);
  pl = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, now);
  imps_mikey_message_add (m, &pl);
  for (guint i = 0; i < n_err; i++)
    {
      pl = imps_mikey_payload_err (err_nos[i]);
      imps_mikey_message_add (m, &pl);
    }
  if (keys != NULL)
    {
      pl = imps_mikey_payload_v (keys->mac_alg, NULL, 0);
      imps_mikey_message_add (m, &pl);
      if (!sign_message (m, keys, FALSE, NULL, 0, error))
        return NULL;
    }
  else if (imps_mikey_message_serialize (m, NULL, error) == NULL)
    return NULL;
  return g_steal_pointer (&m);
}

ImpsMikeyMessage *
imps_mikey_error_parse (const guint8 *data, gsize len, const ImpsMikeyMsgKeys *keys,
                        guint8 *err_nos, guint max, guint *n_err,
                        gboolean *authenticated, GError **error)
{
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (data, len, error);
  const ImpsMikeyPayload *errs[16];
  guint n;

  *n_err = 0;
  if (authenticated != NULL)
    *authenticated = FALSE;
  if (m == NULL)
    return NULL;
  if (m->hdr.data_type != IMPS_MIKEY_DATA_ERROR)
    {
      g_set_error (error, ERR (INVALID_DT), "data type %u is not an Error message",
                   m->hdr.data_type);
      return NULL;
    }
  n = imps_mikey_chain_find_all (&m->body, IMPS_MIKEY_PAYLOAD_ERR, 0, errs, G_N_ELEMENTS (errs));
  if (n == 0)
    {
      g_set_error (error, ERR (MALFORMED), "Error message without ERR payload");
      return NULL;
    }
  for (guint i = 0; i < MIN (n, MIN (max, G_N_ELEMENTS (errs))); i++)
    err_nos[(*n_err)++] = errs[i]->u.err.error_no;
  if (keys != NULL)
    {
      if (imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_V) == NULL)
        {
          g_set_error (error, ERR (AUTH_FAILED), "Error message carries no V");
          return NULL;
        }
      if (!verify_message (m, keys, FALSE, NULL, 0, error))
        return NULL;
      if (authenticated != NULL)
        *authenticated = TRUE;
    }
  return g_steal_pointer (&m);
}

/* ---- vectors ------------------------------------------------------- */

#define R_A0 "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define R_C0 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
#define R_D0 "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
#define R_E0 "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
#define R_50 "505152535455565758595a5b5c5d5e5f"
#define K_TGK "000102030405060708090a0b0c0d0e0f"
#define K_PSK "101112131415161718191a1b1c1d1e1f"
#define K_MPKR "202122232425262728292a2b2c2d2e2f"
#define K_MPK "303132333435363738393a3b3c3d3e3f"
#define K_TPK "606162636465666768696a6b6c6d6e6f"
#define K_KSNAF "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
#define K_48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
#define ID_BOB "sip:bob@example.org"

/* mikey-ticket.md §18.2: V1-V11 (self-computed by the digest, NON-NORMATIVE). */
static const ImpsMikeyVector vectors[] = {
  { "V1a", "RFC 3830 TEK from TGK", IMPS_MIKEY_VECTOR_RFC3830, 0, IMPS_MIKEY_CONST_TEK, 0x01, 0x12345678,
    K_TGK, R_A0, NULL, NULL, 16, "9BA4F67E6A85E7E7E9AA57681CA1F27D" },
  { "V1b", "RFC 3830 salt from TGK", IMPS_MIKEY_VECTOR_RFC3830, 0, IMPS_MIKEY_CONST_SALT, 0x01, 0x12345678,
    K_TGK, R_A0, NULL, NULL, 14, "C19BD30C0F756DF5CB26CB343639" },
  { "V2a", "RFC 3830 encr_key from PSK", IMPS_MIKEY_VECTOR_RFC3830, 0, IMPS_MIKEY_CONST_ENCR, 0xFF, 0x12345678,
    K_PSK, R_A0, NULL, NULL, 16, "82222D40DB0CDC619E2549EF2C27EF32" },
  { "V2b", "RFC 3830 auth_key from PSK", IMPS_MIKEY_VECTOR_RFC3830, 0, IMPS_MIKEY_CONST_AUTH, 0xFF, 0x12345678,
    K_PSK, R_A0, NULL, NULL, 20, "5C0B0C9E9A7BE44228915BDA0E45013C2932F230" },
  { "V2c", "RFC 3830 salt_key from PSK", IMPS_MIKEY_VECTOR_RFC3830, 0, IMPS_MIKEY_CONST_MSG_SALT, 0xFF, 0x12345678,
    K_PSK, R_A0, NULL, NULL, 14, "C417042CDED72CA507B70C1C2524" },
  { "V3", "48-byte inkey (two PRF blocks), V1a label", IMPS_MIKEY_VECTOR_RFC3830, 0, IMPS_MIKEY_CONST_TEK, 0x01, 0x12345678,
    K_48, R_A0, NULL, NULL, 32, "259F21E7A5879C096FAB4D2D1F4CB5495504BAAC3B8EBE7DBBD96C820A44DD98" },
  { "V4a", "initial auth_key from Ks_NAF, PRF-HMAC-SHA-256", IMPS_MIKEY_VECTOR_MSG_KEY, 1, IMPS_MIKEY_CONST_AUTH, 0x01, 0x12345678,
    K_KSNAF, R_C0, NULL, NULL, 32, "0D5819E50856398C0F3B8E0788B8E6DF4D602C705944E4E9A306012C78A4ADF5" },
  { "V4b", "initial auth_key from Ks_NAF, MIKEY-1", IMPS_MIKEY_VECTOR_MSG_KEY, 0, IMPS_MIKEY_CONST_AUTH, 0x01, 0x12345678,
    K_KSNAF, R_C0, NULL, NULL, 20, "306F09F2A31D9D9EC4E98F4F9A0CA8BD30CC84FD" },
  { "V4c", "response encr_key from Ks_NAF", IMPS_MIKEY_VECTOR_MSG_KEY, 0, IMPS_MIKEY_CONST_ENCR, 0x02, 0x12345678,
    K_KSNAF, R_C0, NULL, NULL, 16, "A63D80B5EEE33BAC94B164B71EFC7AE7" },
  { "V5", "RFC 6043 TEK from TGK, RANDRi and RANDRr", IMPS_MIKEY_VECTOR_TEK, 0, IMPS_MIKEY_CONST_TEK, 0x01, 0,
    K_TGK, R_C0, R_D0, NULL, 16, "72BDFA63F3A18BB26D5512178ACF5095" },
  { "V6a", "MPKr' (fork) from MPKr", IMPS_MIKEY_VECTOR_FORK, 0, IMPS_MIKEY_CONST_MPKR_FORK, 0, 0,
    K_MPKR, R_E0, NULL, ID_BOB, 16, "766DDE9043C48457CD8E97EC673D9483" },
  { "V6b", "TGK' (fork) from TGK", IMPS_MIKEY_VECTOR_FORK, 0, IMPS_MIKEY_CONST_TGK_FORK, 0, 0,
    K_TGK, R_E0, NULL, ID_BOB, 16, "F0C18109BDFDDCB0CDABC419C12A8DCE" },
  { "V7a", "MPKi from ticket MPK", IMPS_MIKEY_VECTOR_MPK, 0, IMPS_MIKEY_CONST_MPKI, 0, 0,
    K_MPK, R_50, NULL, NULL, 16, "CE8DD317C23951BA86FC68DD137D1A9A" },
  { "V7b", "MPKr from ticket MPK", IMPS_MIKEY_VECTOR_MPK, 0, IMPS_MIKEY_CONST_MPKR, 0, 0,
    K_MPK, R_50, NULL, NULL, 16, "9BC32A387485D6EDF6FB4878643FB629" },
  { "V8a", "ticket encr_key from TPK", IMPS_MIKEY_VECTOR_TICKET_KEY, 0, IMPS_MIKEY_CONST_ENCR, 0, 0,
    K_TPK, R_50, NULL, NULL, 16, "626AF8AD6F5C1ADEC4EB0CDF97448FE0" },
  { "V8b", "ticket auth_key from TPK", IMPS_MIKEY_VECTOR_TICKET_KEY, 0, IMPS_MIKEY_CONST_AUTH, 0, 0,
    K_TPK, R_50, NULL, NULL, 20, "B23DD96B2A62586D8904353F868DE8F9270C15E3" },
  { "V8c", "ticket salt_key from TPK", IMPS_MIKEY_VECTOR_TICKET_KEY, 0, IMPS_MIKEY_CONST_MSG_SALT, 0, 0,
    K_TPK, R_50, NULL, NULL, 14, "474A6B03A29D3A7527459A218888" },
  { "V9", "Initiator Data Vr auth_key from MPKr", IMPS_MIKEY_VECTOR_VR_KEY, 0, IMPS_MIKEY_CONST_AUTH, 0, 0,
    K_MPKR, NULL, NULL, NULL, 20, "B8672023430FDF9780A117D81A3AB7FA80516B94" },
  { "V10", "AES-CM-128 KEMAC, keys V2a/V2c, T C8E350EA00000000", IMPS_MIKEY_VECTOR_KEMAC, 0, 0, 0, 0x12345678,
    K_PSK, R_A0, "C8E350EA00000000", "00" "01" "0010" K_TGK "04" "00000001", 25,
    "C14577997D4B10CBB8038E7666F28F2725153CAD142981F08C" },
  { "V11", "complete REQUEST_INIT_PSK with its MAC (175 bytes)", IMPS_MIKEY_VECTOR_REQUEST_INIT, 0, 0, 0, 0x12345678,
    K_KSNAF, R_C0, "EC3F1E4F00000000", NULL, 175,
    "010B05801234567800010F00EC3F1E4F000000000E0110C0C1C2C3C4C5C6C7C8"
    "C9CACBCCCDCECF0E010100157369703A616C696365406578616D706C652E6F72"
    "67100301000F6B6D732E6578616D706C652E6F72670E0001010101F46000190E"
    "00020100137369703A626F62406578616D706C652E6F7267090402001C5A6D46"
    "725A564A42546B513D406273662E6578616D706C652E6F72670001B738DB098B"
    "9911DCB628CE5D2A2B867581CF8271" },
};

const ImpsMikeyVector *
imps_mikey_vectors (guint *n)
{
  *n = G_N_ELEMENTS (vectors);
  return vectors;
}

static GBytes *
hex_bytes (const gchar *hex)
{
  GBytes *b = hex != NULL ? imps_hex_decode_bytes (hex, NULL) : NULL;
  return b != NULL ? b : g_bytes_new (NULL, 0);
}

/* V11 inputs (§18.2): the fixed random source hands out CSB ID 12345678
 * then RANDRi C0..CF. */
#define V11_INITIATOR "sip:alice@example.org"
#define V11_KMS "kms.example.org"
#define V11_RESPONDER "sip:bob@example.org"
#define V11_PSK_ID "ZmFrZVJBTkQ=@bsf.example.org"

static GBytes *
compute_v11 (const ImpsMikeyVector *v, GBytes *inkey, GBytes *r1, GBytes *t)
{
  ImpsMikeyTp tp;
  ImpsMikeyRequestParams p;
  guint8 fixed[4 + 16];
  g_autoptr (ImpsRandom) rnd = NULL;
  g_autoptr (ImpsMikeyMessage) m = NULL;
  gsize klen;
  const guint8 *k = g_bytes_get_data (inkey, &klen);
  guint64 now = 0;

  imps_store_u32 (fixed, v->csb_id);
  memcpy (fixed + 4, g_bytes_get_data (r1, NULL), MIN (16, g_bytes_get_size (r1)));
  rnd = imps_random_new_fixed (fixed, sizeof fixed);
  for (gsize i = 0; i < MIN (8, g_bytes_get_size (t)); i++)
    now = (now << 8) | ((const guint8 *) g_bytes_get_data (t, NULL))[i];
  imps_mikey_tp_init_default (&tp, IMPS_MIKEY_PRF_MIKEY_1, FALSE);
  imps_mikey_tp_add_responder (&tp, V11_RESPONDER);
  memset (&p, 0, sizeof p);
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = V11_INITIATOR;
  p.kms_uri = V11_KMS;
  p.psk_id = (const guint8 *) V11_PSK_ID;
  p.psk_id_len = strlen (V11_PSK_ID);
  p.desired = &tp;
  m = imps_mikey_request_init_build (&p, k, klen, now, rnd, NULL);
  if (m == NULL)
    return NULL;
  return g_bytes_new (m->body.raw, m->body.raw_len);
}

GBytes *
imps_mikey_vector_compute (const ImpsMikeyVector *v)
{
  g_autoptr (GBytes) inkey = hex_bytes (v->inkey_hex);
  g_autoptr (GBytes) r1 = hex_bytes (v->rand1_hex);
  g_autoptr (GBytes) r2 = hex_bytes (v->rand2_hex);
  gsize kl, l1, l2;
  const guint8 *k = g_bytes_get_data (inkey, &kl);
  const guint8 *a = g_bytes_get_data (r1, &l1);
  const guint8 *b = g_bytes_get_data (r2, &l2);
  guint8 out[IMPS_MIKEY_MAX_KEY_LEN * 2];
  ImpsMikeyMsgKeys keys;
  gboolean ok = FALSE;

  if (v->out_len > sizeof out && v->kind != IMPS_MIKEY_VECTOR_REQUEST_INIT)
    return NULL;
  switch (v->kind)
    {
    case IMPS_MIKEY_VECTOR_RFC3830:
      ok = imps_mikey_derive_rfc3830 (v->prf, v->constant, k, kl, v->byte, v->csb_id, a, l1,
                                      out, v->out_len);
      break;
    case IMPS_MIKEY_VECTOR_MSG_KEY:
    case IMPS_MIKEY_VECTOR_TICKET_KEY:
      {
        guint mac = v->prf == 1 ? IMPS_MIKEY_MAC_HMAC_SHA256_256 : IMPS_MIKEY_MAC_HMAC_SHA1_160;
        guint encr = v->prf == 1 ? IMPS_MIKEY_ENCR_AES_CM_256 : IMPS_MIKEY_ENCR_AES_CM_128;
        if (v->kind == IMPS_MIKEY_VECTOR_MSG_KEY)
          ok = imps_mikey_derive_msg_keys (v->prf, k, kl, v->csb_id, v->byte, a, l1, b, l2,
                                           encr, mac, &keys);
        else
          ok = imps_mikey_derive_ticket_keys (v->prf, k, kl, a, l1, encr, mac, &keys);
        if (!ok)
          break;
        if (v->constant == IMPS_MIKEY_CONST_ENCR)
          memcpy (out, keys.encr, MIN (v->out_len, keys.encr_len));
        else if (v->constant == IMPS_MIKEY_CONST_AUTH)
          memcpy (out, keys.auth, MIN (v->out_len, keys.auth_len));
        else
          memcpy (out, keys.salt, MIN (v->out_len, keys.salt_len));
        imps_mikey_msg_keys_clear (&keys);
      }
      break;
    case IMPS_MIKEY_VECTOR_TEK:
      ok = imps_mikey_derive_tek (v->prf, k, kl, v->byte, a, l1, b, l2, out, v->out_len, NULL, 0);
      break;
    case IMPS_MIKEY_VECTOR_FORK:
      ok = v->out_len == kl
           && imps_mikey_derive_fork (v->prf, v->constant, k, kl, (const guint8 *) v->id,
                                      strlen (v->id), a, l1, out);
      break;
    case IMPS_MIKEY_VECTOR_MPK:
      {
        guint8 other[IMPS_MIKEY_MAX_KEY_LEN];
        ok = v->out_len == kl && kl <= sizeof other
             && imps_mikey_derive_mpk_pair (v->prf, k, kl, a, l1,
                                            v->constant == IMPS_MIKEY_CONST_MPKI ? out : other,
                                            v->constant == IMPS_MIKEY_CONST_MPKI ? other : out);
      }
      break;
    case IMPS_MIKEY_VECTOR_VR_KEY:
      ok = imps_mikey_derive_vr_key (v->prf, k, kl, IMPS_MIKEY_MAC_HMAC_SHA1_160, out);
      break;
    case IMPS_MIKEY_VECTOR_KEMAC:
      {
        /* keys V2a / V2c (RFC 3830 labels), then AES-CM over the key data */
        g_autoptr (GBytes) plain = hex_bytes (v->id);
        g_autoptr (GByteArray) enc = g_byte_array_new ();
        guint64 t = 0;
        memset (&keys, 0, sizeof keys);
        keys.encr_alg = IMPS_MIKEY_ENCR_AES_CM_128;
        keys.encr_len = 16;
        keys.salt_len = IMPS_MIKEY_SALT_LEN;
        for (gsize i = 0; i < MIN (8, l2); i++)
          t = (t << 8) | b[i];
        ok = imps_mikey_derive_rfc3830 (v->prf, IMPS_MIKEY_CONST_ENCR, k, kl, 0xFF, v->csb_id, a,
                                        l1, keys.encr, 16)
             && imps_mikey_derive_rfc3830 (v->prf, IMPS_MIKEY_CONST_MSG_SALT, k, kl, 0xFF,
                                           v->csb_id, a, l1, keys.salt, IMPS_MIKEY_SALT_LEN)
             && imps_mikey_kemac_encrypt (&keys, v->csb_id, t, g_bytes_get_data (plain, NULL),
                                          g_bytes_get_size (plain), enc)
             && enc->len == v->out_len;
        if (ok)
          memcpy (out, enc->data, enc->len);
        imps_mikey_msg_keys_clear (&keys);
      }
      break;
    case IMPS_MIKEY_VECTOR_REQUEST_INIT:
      return compute_v11 (v, inkey, r1, r2);
    }
  if (!ok)
    return NULL;
  return g_bytes_new (out, v->out_len);
}

/* `impsim tool selftest`: every vector of the shared table. */
void imps_mikey_selftest (ImpsSelftest *st);

void
imps_mikey_selftest (ImpsSelftest *st)
{
  guint n;
  const ImpsMikeyVector *vecs = imps_mikey_vectors (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GBytes) got = imps_mikey_vector_compute (&vecs[i]);
      g_autofree gchar *name = g_strdup_printf ("%s %s (mikey-ticket.md §18.2)", vecs[i].name,
                                                vecs[i].what);
      if (got == NULL)
        imps_selftest_result (st, name, FALSE, "could not be computed");
      else
        imps_selftest_check_hex (st, name, g_bytes_get_data (got, NULL), g_bytes_get_size (got),
                                 vecs[i].expected_hex);
    }
}
