/* The KMS node: Ua server (profile §2), Zn client with the Ks_NAF cache
 * (gba.md §10), ticket request and resolve (mikey-ticket.md §5.3, §10-§12). */
#include "imps-kms-private.h"
#include "gba/imps-gba-uss.h"
#include "imps-hex.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-kms-error-quark, imps_kms_error)

static ImpsClock *
kms_clock (ImpsKms *kms)
{
  return kms->clock ? kms->clock : imps_network_get_clock (kms->net);
}

gint64
imps_kms_now (ImpsKms *kms)
{
  return imps_clock_now_us (kms_clock (kms)) / G_USEC_PER_SEC;
}

guint64
imps_kms_now_ntp (ImpsKms *kms)
{
  return imps_clock_now_ntp (kms_clock (kms));
}

void
imps_kms_set_clock (ImpsKms *kms, ImpsClock *clock)
{
  g_clear_pointer (&kms->clock, imps_clock_unref);
  kms->clock = clock ? imps_clock_ref (clock) : NULL;
}

void
imps_kms_note (ImpsKms *kms, ImpsEventKind kind, const gchar *detail, const gchar *summary)
{
  imps_network_log (kms->net, kind, IMPS_REF_NONE, IMPS_PROTO_NONE, kms->name, NULL, NULL, NULL,
                    detail, "%s", summary);
}

void
imps_kms_policy_row_init_default (ImpsKmsPolicyRow *row)
{
  memset (row, 0, sizeof *row);
  row->validity = 3600;
  row->reuse = TRUE;
  row->forking = TRUE;
  row->max_keys = 4;
  row->may_request_for = NULL;
}

void
kms_key_free (gpointer p)
{
  KmsKey *k = p;
  if (k == NULL)
    return;
  if (k->fifo != NULL)
    g_queue_unlink (k->fifo, &k->fifo_link);
  g_free (k->key_id);
  g_free (k->impi);
  g_free (k->user);
  g_strfreev (k->impus);
  if (k->naf_id)
    g_bytes_unref (k->naf_id);
  imps_wipe (k, sizeof *k);
  g_free (k);
}

ImpsKms *
imps_kms_new (ImpsNetwork *net, const gchar *domain, const gchar *state_path, GError **error)
{
  g_return_val_if_fail (net != NULL && domain != NULL, NULL);
  g_autoptr (ImpsKms) kms = g_new0 (ImpsKms, 1);
  kms->net = net;
  imps_http_limits_init (&kms->http_limits);
  kms->domain = g_strdup (domain);
  kms->name = g_strdup_printf ("kms.%s", domain);
  kms->random = imps_network_new_random (net, kms->name);
  kms->naf_id = imps_gba_naf_id_new (kms->name, IMPS_GBA_UA_ID_IMS_MEDIA);
  imps_mikey_suite_init (&kms->suite, FALSE);
  kms->user_policies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, kms_policy_free);
  kms->groups = g_ptr_array_new_with_free_func (kms_group_free);
  kms->agreements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, kms_agreement_free);
  kms->tpks = g_array_new (FALSE, TRUE, sizeof (KmsTpk));
  kms->audit = g_ptr_array_new ();
  kms->keys = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, kms_key_free);
  kms->replay = imps_mikey_replay_new (IMPS_KMS_REPLAY_ENTRIES, IMPS_MIKEY_DEFAULT_SKEW_S);
  kms->uses = imps_mikey_replay_new (IMPS_KMS_USES_ENTRIES, IMPS_MIKEY_DEFAULT_SKEW_S);
  imps_mikey_replay_set_limits (kms->replay, IMPS_KMS_REPLAY_ENTRIES, IMPS_KMS_REPLAY_BURST);
  imps_mikey_replay_set_limits (kms->uses, IMPS_KMS_USES_ENTRIES, IMPS_KMS_USES_BURST);
  kms->cancel = g_cancellable_new ();
  if (!imps_kms_store_open (kms, state_path, error))
    return NULL;
  return g_steal_pointer (&kms);
}

void
imps_kms_free (ImpsKms *kms)
{
  if (kms == NULL)
    return;
  g_cancellable_cancel (kms->cancel);
  g_clear_pointer (&kms->clock, imps_clock_unref);
  g_free (kms->last_refusal);
  imps_http_server_free (kms->ua);
  imps_kms_zk_close (kms);
  imps_diameter_client_free (kms->zn);
  imps_kms_audit_flush (kms);
  imps_kms_store_close (kms);
  if (kms->user_policies)
    g_hash_table_unref (kms->user_policies);
  if (kms->groups)
    g_ptr_array_unref (kms->groups);
  g_free (kms->mgroups);
  if (kms->agreements)
    g_hash_table_unref (kms->agreements);
  if (kms->tpks)
    {
      imps_wipe (kms->tpks->data, kms->tpks->len * sizeof (KmsTpk));
      g_array_unref (kms->tpks);
    }
  if (kms->tpk_view)
    imps_wipe_free (kms->tpk_view, kms->n_tpk_view * sizeof (ImpsMikeyTpk));
  if (kms->audit)
    g_ptr_array_unref (kms->audit);
  if (kms->keys)
    g_hash_table_unref (kms->keys);
  imps_mikey_replay_free (kms->replay);
  imps_mikey_replay_free (kms->uses);
  g_clear_object (&kms->cancel);
  if (kms->naf_id)
    g_bytes_unref (kms->naf_id);
  imps_random_free (kms->random);
  g_free (kms->bsf_address);
  g_free (kms->address);
  g_free (kms->domain);
  g_free (kms->name);
  g_free (kms);
}

const gchar *
imps_kms_get_name (ImpsKms *kms)
{
  return kms->name;
}

void
imps_kms_set_suite_256 (ImpsKms *kms, gboolean suite_256)
{
  imps_mikey_suite_init (&kms->suite, suite_256);
}

void
imps_kms_set_bsf (ImpsKms *kms, const gchar *bsf_address, guint16 bsf_port)
{
  g_clear_pointer (&kms->zn, imps_diameter_client_free);
  g_free (kms->bsf_address);
  kms->bsf_address = g_strdup (bsf_address);
  kms->bsf_port = bsf_port;
}

guint16
imps_kms_get_ua_port (ImpsKms *kms)
{
  return kms->ua ? imps_http_server_get_port (kms->ua) : 0;
}

void
imps_kms_add_static_psk (ImpsKms *kms, const gchar *key_id, const gchar *user,
                         const guint8 *key, gsize key_len)
{
  g_return_if_fail (key_id != NULL && key != NULL && key_len > 0 && key_len <= IMPS_GBA_KEY_LEN);
  KmsKey *k = g_new0 (KmsKey, 1);
  k->key_id = g_strdup (key_id);
  k->user = g_strdup (user);
  memcpy (k->key, key, key_len);
  k->key_len = key_len;
  k->expiry = G_MAXINT64;
  g_hash_table_replace (kms->keys, k->key_id, k);
}

guint
imps_kms_count_replay (ImpsKms *kms, const gchar *key_id)
{
  imps_mikey_replay_expire (kms->replay, imps_kms_now_ntp (kms));
  if (key_id == NULL)
    return imps_mikey_replay_size (kms->replay);
  return imps_mikey_replay_owner_size (kms->replay, (const guint8 *) key_id, strlen (key_id));
}

void
imps_kms_set_replay_limits (ImpsKms *kms, guint entries, guint burst)
{
  g_return_if_fail (kms != NULL && entries > 0);
  imps_mikey_replay_set_limits (kms->replay, entries, burst);
}

gsize
imps_kms_replay_memory (ImpsKms *kms)
{
  return imps_mikey_replay_memory (kms->replay);
}

guint
imps_kms_count_cached_keys (ImpsKms *kms)
{
  return g_hash_table_size (kms->keys);
}

/* ---------------------------------------------------------------------
 * Answers and refusals.
 * ------------------------------------------------------------------- */

static const gchar *
id_str (const ImpsMikeyMessage *m, guint8 role, gchar *buf, gsize size)
{
  const ImpsMikeyPayload *p = m ? imps_mikey_message_find_idr (m, role) : NULL;
  if (p == NULL)
    return "-";
  gsize n = MIN (p->u.id.data.len, size - 1);
  for (gsize i = 0; i < n; i++)
    {
      guint8 c = p->u.id.data.data[i];
      buf[i] = (c >= 0x20 && c < 0x7f) ? (gchar) c : '?';
    }
  buf[n] = '\0';
  return buf;
}

void
imps_kms_refuse (ImpsKms *kms, const ImpsMikeyHdr *hdr, const guint8 *data, gsize len,
                 guint8 err_no, const guint8 *psk, gsize psk_len, const gchar *check,
                 const gchar *why, GByteArray *out)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyMsgKeys keys;
  gboolean have_keys = FALSE;
  g_autoptr (ImpsMikeyMessage) parsed = NULL;

  memset (&keys, 0, sizeof keys);
  g_byte_array_set_size (out, 0);
  if (psk != NULL && data != NULL)
    {
      parsed = imps_mikey_message_parse (data, len, NULL);
      if (parsed && imps_mikey_error_keys (parsed, psk, psk_len, &keys, NULL))
        have_keys = TRUE;
    }
  g_autoptr (ImpsMikeyMessage) err = NULL;
  if (hdr != NULL)
    err = imps_mikey_error_build (hdr, &err_no, 1, have_keys ? &keys : NULL,
                                  imps_kms_now_ntp (kms), &error);
  imps_mikey_msg_keys_clear (&keys);
  if (err != NULL)
    g_byte_array_append (out, err->body.raw, (guint) err->body.raw_len);

  g_autofree gchar *summary = g_strdup_printf ("%s refused: ERR %u (%s)", check, err_no,
                                               imps_mikey_err_no_name (err_no));
  g_autofree gchar *detail = g_strdup_printf ("%s%s%s%s", why,
                                              hdr ? "" : "; no CSB ID could be read",
                                              err == NULL && hdr ? "; no Error could be built: " : "",
                                              err == NULL && hdr && error ? error->message : "");
  imps_kms_note (kms, IMPS_EVENT_REFUSAL, detail, summary);
  g_free (kms->last_refusal);
  kms->last_refusal = g_strdup (detail);
}

/* The check that an ImpsMikeyError code stands for (for the event log). */
static const gchar *
check_name (gint code)
{
  switch (code)
    {
    case IMPS_MIKEY_ERROR_AUTH_FAILED: return "MAC";
    case IMPS_MIKEY_ERROR_INVALID_TS: return "timestamp";
    case IMPS_MIKEY_ERROR_REPLAY: return "replay";
    case IMPS_MIKEY_ERROR_INVALID_PRF: return "PRF";
    case IMPS_MIKEY_ERROR_INVALID_MAC: return "MAC algorithm";
    case IMPS_MIKEY_ERROR_INVALID_DT: return "data type";
    case IMPS_MIKEY_ERROR_INVALID_ID: return "identity";
    case IMPS_MIKEY_ERROR_INVALID_TICKET: return "ticket type";
    case IMPS_MIKEY_ERROR_INVALID_TPPAR: return "policy";
    case IMPS_MIKEY_ERROR_MALFORMED: return "syntax";
    default: return "request";
    }
}

/* A header for an Error answering a message that could not be parsed:
 * version, data type, PRF and CSB ID read from the first 8 bytes. */
static gboolean
raw_hdr (const guint8 *data, gsize len, ImpsMikeyHdr *hdr)
{
  memset (hdr, 0, sizeof *hdr);
  if (len < 8 || data[1] == IMPS_MIKEY_DATA_ERROR)
    return FALSE;
  hdr->version = data[0];
  hdr->data_type = data[1];
  hdr->prf = data[3] & 0x7f;
  hdr->csb_id = (guint32) data[4] << 24 | (guint32) data[5] << 16 | (guint32) data[6] << 8
                | data[7];
  return TRUE;
}

/* ---------------------------------------------------------------------
 * Keys.
 * ------------------------------------------------------------------- */

/* The PSK for IDRpsk @id: a static PSK or a cached, unexpired Ks_NAF for
 * this KMS's NAF_Id. No allocation. */
static const KmsKey *
key_lookup (ImpsKms *kms, const guint8 *id, gsize len)
{
  gchar buf[256];
  if (len == 0 || len >= sizeof buf || memchr (id, '\0', len) != NULL)
    return NULL;
  memcpy (buf, id, len);
  buf[len] = '\0';
  KmsKey *k = g_hash_table_lookup (kms->keys, buf);
  if (k == NULL)
    return NULL;
  if (k->naf_id != NULL && !g_bytes_equal (k->naf_id, kms->naf_id))
    return NULL;
  if (k->expiry <= imps_kms_now (kms))
    {
      g_hash_table_remove (kms->keys, buf);
      return NULL;
    }
  return k;
}

void
kms_key_cache_add (ImpsKms *kms, const gchar *btid, const guint8 *key, gint64 expiry,
                   const gchar *impi, GStrv impus)
{
  /* an earlier key of this name leaves the table and the queue first */
  g_hash_table_remove (kms->keys, btid);
  /* expired keys at the head go; then, if still full, the oldest */
  gint64 now = imps_kms_now (kms);
  while (kms->key_fifo.head != NULL)
    {
      KmsKey *old = kms->key_fifo.head->data;
      if (old->expiry > now && kms->key_fifo.length < IMPS_KMS_KS_NAF_CACHE_MAX)
        break;
      g_hash_table_remove (kms->keys, old->key_id);
    }
  KmsKey *k = g_new0 (KmsKey, 1);
  k->key_id = g_strdup (btid);
  k->naf_id = g_bytes_ref (kms->naf_id);
  memcpy (k->key, key, IMPS_GBA_KEY_LEN);
  k->key_len = IMPS_GBA_KEY_LEN;
  k->expiry = expiry;
  k->impi = g_strdup (impi);
  k->impus = impus;
  k->fifo_link.data = k;
  k->fifo = &kms->key_fifo;
  g_hash_table_replace (kms->keys, k->key_id, k);
  g_queue_push_tail_link (&kms->key_fifo, &k->fifo_link);
}

/* ---------------------------------------------------------------------
 * Identity binding (TS 33.220 §4.5.3; profile §11 "The KMS"): a GBA user
 * may name as IDRi / IDRr only the public identities that the BSF returned
 * for its B-TID in the USS of the KMS's GSID.
 * ------------------------------------------------------------------- */

static gboolean
bytes_eq (ImpsMikeyBytes b, const gchar *s)
{
  return b.len == strlen (s) && memcmp (b.data, s, b.len) == 0;
}

static gboolean
key_has_identity (const KmsKey *k, ImpsMikeyBytes id)
{
  for (guint i = 0; k->impus && k->impus[i]; i++)
    if (bytes_eq (id, k->impus[i]))
      return TRUE;
  return FALSE;
}

/* A group this KMS defines, named @id, with a member among @k's
 * identities. */
static gboolean
key_in_group (ImpsKms *kms, const KmsKey *k, ImpsMikeyBytes id)
{
  for (guint i = 0; i < kms->groups->len; i++)
    {
      const KmsGroup *g = g_ptr_array_index (kms->groups, i);
      if (!bytes_eq (id, g->id))
        continue;
      for (guint j = 0; g->members && g->members[j]; j++)
        for (guint u = 0; k->impus && k->impus[u]; u++)
          if (strcmp (g->members[j], k->impus[u]) == 0)
            return TRUE;
    }
  return FALSE;
}

/* ---------------------------------------------------------------------
 * Request handling.
 * ------------------------------------------------------------------- */

static gboolean
bytes_is (ImpsMikeyBytes b, const gchar *s)
{
  return b.len == strlen (s) && g_ascii_strncasecmp ((const gchar *) b.data, s, b.len) == 0;
}

static gboolean
is_group (ImpsKms *kms, ImpsMikeyBytes id)
{
  for (guint i = 0; i < kms->groups->len; i++)
    if (bytes_is (id, ((KmsGroup *) g_ptr_array_index (kms->groups, i))->id))
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------------
 * Single-use tickets (J = 0; profile §11 "The KMS"). RFC 6043 §6.10: a
 * J = 0 ticket serves one Ticket Transfer. With forking that one
 * TRANSFER_INIT reaches every device of the responder, and each must be
 * able to resolve it once. So the KMS keeps, until the ticket's end:
 * - "used": the ticket has been resolved, and "transfer": for which
 *   Initiator Data (which binds the ticket to one TRANSFER_INIT, I = 1);
 *   a resolve with other Initiator Data is another transfer: ERR 15;
 * - "device": the ticket, IDRr and the device: its B-TID (or static key
 *   id) on Ua; on Zk the relaying KMS and the relayed RANDRr (the relaying
 *   KMS counts its own devices by B-TID before it relays). A second
 *   resolve by one device: ERR 15.
 * Entries are digests (SHA-256 over length-prefixed fields), entered only
 * after the answer was built, so a refused resolve uses nothing up.
 * ------------------------------------------------------------------- */

typedef struct {
  guint8 used[IMPS_MIKEY_REPLAY_DIGEST_LEN];
  guint8 transfer[IMPS_MIKEY_REPLAY_DIGEST_LEN];
  guint8 device[IMPS_MIKEY_REPLAY_DIGEST_LEN];
  guint64 until;           /* NTP: the ticket's end */
  guint64 now;
  ImpsMikeyBytes owner;    /* IDRpsk: the entries count against it */
  guint quota;
} SingleUse;

static void
digest_fields (const gchar *label, const ImpsMikeyBytes *f, guint n, guint8 *out)
{
  ImpsIovec iov[1 + 2 * 5];
  guint8 lens[5][4];
  guint k = 0;
  g_assert (n <= 5);
  iov[k++] = (ImpsIovec) { (const guint8 *) label, strlen (label) + 1 };
  for (guint i = 0; i < n; i++)
    {
      lens[i][0] = (guint8) (f[i].len >> 24);
      lens[i][1] = (guint8) (f[i].len >> 16);
      lens[i][2] = (guint8) (f[i].len >> 8);
      lens[i][3] = (guint8) f[i].len;
      iov[k++] = (ImpsIovec) { lens[i], 4 };
      iov[k++] = (ImpsIovec) { f[i].data, f[i].len };
    }
  imps_digest_iov (IMPS_HASH_SHA256, iov, k, out);
}

/* FALSE when @in's ticket is not single-use (nothing to do). */
static gboolean
single_use_keys (const ImpsMikeyMessage *in, const ImpsMikeyTp *tp, gboolean zk, guint64 now,
                 SingleUse *su)
{
  if (tp->flags & IMPS_MIKEY_TICKET_FLAG_J)
    return FALSE;
  const ImpsMikeyPayload *tk = imps_mikey_message_find (in, IMPS_MIKEY_PAYLOAD_TICKET);
  const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_R);
  const ImpsMikeyPayload *psk = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_PSK);
  const ImpsMikeyPayload *rr = imps_mikey_message_find_randr (in, IMPS_MIKEY_RAND_ROLE_R);
  ImpsMikeyBytes none = { NULL, 0 };
  ImpsMikeyBytes td = tk ? tk->u.ticket.ticket_data : none;
  ImpsMikeyBytes f[4] = { td, tk ? tk->u.ticket.initiator_data : none,
                          idr ? idr->u.id.data : none, psk ? psk->u.id.data : none };
  digest_fields ("impsim j0 used", f, 1, su->used);
  digest_fields ("impsim j0 transfer", f, 2, su->transfer);
  ImpsMikeyBytes d[4] = { td, f[2], f[3], zk && rr ? rr->u.rand.data : none };
  digest_fields ("impsim j0 device", d, zk ? 4 : 3, su->device);
  su->until = tp->valid_to != 0 ? tp->valid_to : now;
  su->now = now;
  su->owner = psk ? psk->u.id.data : none;
  su->quota = zk ? IMPS_KMS_REPLAY_PEER_QUOTA : IMPS_KMS_REPLAY_USER_QUOTA;
  return TRUE;
}

static gboolean
uses_insert (ImpsKms *kms, const guint8 *digest, const SingleUse *su)
{
  return imps_mikey_replay_insert_for (kms->uses, digest, su->owner.data, su->owner.len,
                                       su->quota, su->until, su->now) == IMPS_MIKEY_REPLAY_OK;
}

static void
policy_view (ImpsKms *kms, const KmsPolicy *p, ImpsMikeyKmsPolicy *out)
{
  imps_mikey_kms_policy_init_default (out, NULL);
  out->domain = NULL;  /* responders are checked against the patterns here */
  out->max_validity = p->validity;
  out->allow_reuse = p->reuse;
  out->allow_forking = p->forking;
  out->max_keys = p->max_keys;
  out->groups = kms->mgroups;
  out->n_groups = kms->groups->len;
}

static void
kms_view (ImpsKms *kms, ImpsMikeyKms *out)
{
  memset (out, 0, sizeof *out);
  out->kms_uri = kms->name;
  out->tpk = &kms->tpk_view[0];
  out->tpks = kms->tpk_view;
  out->n_tpks = kms->n_tpk_view;
  out->suite = kms->suite;
  out->skew = IMPS_MIKEY_DEFAULT_SKEW_S;
}

static ImpsKmsOutcome
process (ImpsKms *kms, ImpsKmsRequestType type, gboolean zk, const gchar *peer_names,
         const guint8 *data, gsize len, GByteArray *out, ImpsMikeyMessage **parsed)
{
  g_autoptr (GError) error = NULL;
  guint8 want = type == IMPS_KMS_REQUEST_TICKET ? IMPS_MIKEY_DATA_REQUEST_INIT_PSK
                                                : IMPS_MIKEY_DATA_RESOLVE_INIT_PSK;
  const gchar *what = type == IMPS_KMS_REQUEST_TICKET ? "ticket request" : "ticket resolve";
  gchar ibuf[128], pbuf[128], rbuf[128];
  ImpsMikeyHdr rawh;

  g_byte_array_set_size (out, 0);
  g_autoptr (ImpsMikeyMessage) in = imps_mikey_message_parse (data, len, &error);
  if (in == NULL)
    {
      gboolean have = raw_hdr (data, len, &rawh);
      g_autofree gchar *why = g_strdup_printf ("%s: %s (%" G_GSIZE_FORMAT " bytes)", what,
                                               error->message, len);
      imps_kms_refuse (kms, have ? &rawh : NULL, NULL, 0, IMPS_MIKEY_ERR_UNSUPPORTED_MESSAGE,
                       NULL, 0, "syntax", why, out);
      return IMPS_KMS_OUTCOME_MALFORMED;
    }
  if (in->hdr.data_type != want)
    {
      g_autofree gchar *why = g_strdup_printf ("%s carries data type %u (%s); expected %u (%s)",
                                               what, in->hdr.data_type,
                                               imps_mikey_data_type_name (in->hdr.data_type), want,
                                               imps_mikey_data_type_name (want));
      imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_INVALID_DT, NULL, 0, "data type",
                       why, out);
      return IMPS_KMS_OUTCOME_REFUSED;
    }

  const gchar *idi = id_str (in, IMPS_MIKEY_ID_ROLE_I, ibuf, sizeof ibuf);
  const gchar *idr = id_str (in, IMPS_MIKEY_ID_ROLE_R, rbuf, sizeof rbuf);
  const gchar *idpsk = id_str (in, IMPS_MIKEY_ID_ROLE_PSK, pbuf, sizeof pbuf);
  const ImpsMikeyPayload *pskp = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_PSK);
  if (pskp == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("%s (IDRi %s, IDRr %s, CSB ID %08x) has no IDRpsk: "
                                               "no key to check it with", what, idi, idr,
                                               in->hdr.csb_id);
      imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_INVALID_ID, NULL, 0, "IDRpsk", why,
                       out);
      return IMPS_KMS_OUTCOME_REFUSED;
    }
  const ImpsMikeyPayload *kmsp = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_KMS);
  if (kmsp != NULL && !bytes_is (kmsp->u.id.data, kms->name))
    {
      gchar kbuf[128];
      g_autofree gchar *why = g_strdup_printf ("%s (IDRi %s, IDRr %s) names IDRkms %s; this is %s",
                                               what, idi, idr,
                                               id_str (in, IMPS_MIKEY_ID_ROLE_KMS, kbuf, sizeof kbuf),
                                               kms->name);
      imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_INVALID_ID, NULL, 0, "IDRkms", why,
                       out);
      return IMPS_KMS_OUTCOME_REFUSED;
    }

  /* the key: a peer KMS's pair key on Zk, Ks_NAF or a static PSK on Ua */
  const guint8 *psk = NULL;
  gsize psk_len = 0;
  const gchar *bound_user = NULL;
  const KmsKey *gba_key = NULL;
  if (zk)
    {
      KmsAgreement *a = imps_kms_find_agreement (kms, pskp->u.id.data.data, pskp->u.id.data.len);
      if (a == NULL || a->key_len == 0)
        {
          g_autofree gchar *why = g_strdup_printf ("Zk resolve from KMS %s (IDRr %s): no "
                                                   "cooperation agreement with %s", idpsk, idr,
                                                   kms->name);
          imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_INVALID_ID, NULL, 0,
                           "agreement", why, out);
          return IMPS_KMS_OUTCOME_REFUSED;
        }
      /* the TLS client certificate must name the KMS that IDRpsk names */
      gboolean named = FALSE;
      if (peer_names)
        {
          g_auto (GStrv) names = g_strsplit (peer_names, ",", -1);
          for (guint i = 0; names[i]; i++)
            if (g_ascii_strcasecmp (names[i], a->peer) == 0)
              named = TRUE;
        }
      if (!named)
        {
          g_autofree gchar *why = g_strdup_printf ("Zk resolve: IDRpsk names %s but the TLS "
                                                   "client certificate names %s", idpsk,
                                                   peer_names ? peer_names : "nothing");
          imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_INVALID_ID, NULL, 0,
                           "client certificate", why, out);
          return IMPS_KMS_OUTCOME_REFUSED;
        }
      psk = a->key;
      psk_len = a->key_len;
    }
  else
    {
      const KmsKey *k = key_lookup (kms, pskp->u.id.data.data, pskp->u.id.data.len);
      if (k == NULL)
        {
          if (parsed)
            *parsed = g_steal_pointer (&in);
          return IMPS_KMS_OUTCOME_NEED_KEY;
        }
      psk = k->key;
      psk_len = k->key_len;
      bound_user = k->user;
      if (k->naf_id != NULL)
        gba_key = k;
    }

  guint64 now = imps_kms_now_ntp (kms);
  /* the replay entry counts against the key id that authenticates it
   * (B-TID, static key id, or the peer KMS on Zk) */
  if (!imps_mikey_initial_verify_for (in, psk, psk_len, kms->name, now, IMPS_MIKEY_DEFAULT_SKEW_S,
                                      kms->replay, pskp->u.id.data.data, pskp->u.id.data.len,
                                      zk ? IMPS_KMS_REPLAY_PEER_QUOTA : IMPS_KMS_REPLAY_USER_QUOTA,
                                      &error))
    {
      /* on Zk a MAC that does not verify means the two KMSs hold
       * different pair keys for their agreement: say which this one holds */
      gchar fp[9] = "";
      gboolean pair_mac = zk && error->code == IMPS_MIKEY_ERROR_AUTH_FAILED;
      if (pair_mac)
        imps_kms_pair_key_fingerprint (psk, psk_len, fp);
      g_autofree gchar *why = g_strdup_printf ("%s (IDRi %s, IDRr %s, IDRpsk %s, CSB ID %08x): %s%s%s%s",
                                               what, idi, idr, idpsk, in->hdr.csb_id,
                                               error->message,
                                               pair_mac ? " under this KMS's pair key for the "
                                                          "agreement, fingerprint " : "",
                                               fp, pair_mac ? ": the two KMSs hold different "
                                                              "pair keys" : "");
      imps_kms_refuse (kms, &in->hdr, NULL, 0, imps_mikey_error_to_err_no (error->code), NULL, 0,
                       check_name (error->code), why, out);
      return IMPS_KMS_OUTCOME_REFUSED;
    }

  if (gba_key != NULL)
    {
      /* the claimed identity must be the B-TID's user's: IDRi of a
       * request, IDRr of a resolve (its own identity, or a group of this
       * KMS that one of its identities belongs to; the ticket check below
       * then asks that the group is in the ticket) */
      gboolean req = type == IMPS_KMS_REQUEST_TICKET;
      const ImpsMikeyPayload *who = imps_mikey_message_find_idr (
        in, req ? IMPS_MIKEY_ID_ROLE_I : IMPS_MIKEY_ID_ROLE_R);
      gboolean ok = who != NULL && (key_has_identity (gba_key, who->u.id.data)
                                    || (!req && key_in_group (kms, gba_key, who->u.id.data)));
      if (!ok)
        {
          g_autofree gchar *ids = gba_key->impus && gba_key->impus[0]
                                  ? g_strjoinv (", ", gba_key->impus)
                                  : g_strdup ("none: the BSF sent no USS for GSID "
                                              IMPS_GBA_GSID_IMS_MEDIA);
          g_autofree gchar *why = g_strdup_printf ("%s (CSB ID %08x): %s %s is not an identity "
                                                   "of B-TID %s (IMPI %s; its identities: %s)",
                                                   what, in->hdr.csb_id, req ? "IDRi" : "IDRr",
                                                   req ? idi : idr, idpsk,
                                                   gba_key->impi ? gba_key->impi : "-", ids);
          imps_kms_refuse (kms, &in->hdr, data, len, IMPS_MIKEY_ERR_INVALID_ID, psk, psk_len,
                           "identity binding", why, out);
          imps_kms_audit (kms, "refused", in->hdr.csb_id, NULL, NULL, 0, "identity binding");
          return IMPS_KMS_OUTCOME_REFUSED;
        }
    }

  if (bound_user != NULL)
    {
      /* a static key serves its own user only */
      const ImpsMikeyPayload *who = imps_mikey_message_find_idr (
        in, type == IMPS_KMS_REQUEST_TICKET ? IMPS_MIKEY_ID_ROLE_I : IMPS_MIKEY_ID_ROLE_R);
      if (who == NULL || !bytes_is (who->u.id.data, bound_user))
        {
          g_autofree gchar *why = g_strdup_printf ("%s: IDRpsk %s is the key of %s, not of %s %s",
                                                   what, idpsk, bound_user,
                                                   type == IMPS_KMS_REQUEST_TICKET ? "IDRi"
                                                                                   : "IDRr",
                                                   type == IMPS_KMS_REQUEST_TICKET ? idi : idr);
          imps_kms_refuse (kms, &in->hdr, data, len, IMPS_MIKEY_ERR_INVALID_ID, psk, psk_len,
                           "key owner", why, out);
          return IMPS_KMS_OUTCOME_REFUSED;
        }
    }

  ImpsMikeyKms mk;
  ImpsMikeyKmsPolicy mp;
  kms_view (kms, &mk);
  g_autoptr (ImpsMikeyMessage) answer = NULL;
  if (type == IMPS_KMS_REQUEST_TICKET)
    {
      const ImpsMikeyPayload *ip = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_I);
      const ImpsMikeyPayload *tpp = imps_mikey_message_find (in, IMPS_MIKEY_PAYLOAD_TP);
      const KmsPolicy *pol = imps_kms_policy_for (kms, ip ? ip->u.id.data.data : NULL,
                                                  ip ? ip->u.id.data.len : 0);
      ImpsMikeyTp desired;
      if (tpp != NULL && imps_mikey_tp_read (&tpp->u.ticket, &desired, NULL))
        for (guint i = 0; i < desired.n_responders; i++)
          {
            ImpsMikeyBytes r = desired.responders[i];
            if (is_group (kms, r) || imps_kms_policy_allows (kms, pol, r.data, r.len))
              continue;
            g_autofree gchar *pats = imps_kms_policy_describe (kms, pol);
            g_autofree gchar *why = g_strdup_printf ("ticket request (IDRi %s, CSB ID %08x): "
                                                     "policy: %s may not request a ticket for "
                                                     "%.*s (may request for: %s)", idi,
                                                     in->hdr.csb_id, idi, (int) MIN (r.len, 200),
                                                     (const char *) r.data, pats);
            imps_kms_refuse (kms, &in->hdr, data, len, IMPS_MIKEY_ERR_INVALID_TPPAR, psk, psk_len,
                             "policy", why, out);
            imps_kms_audit (kms, "refused", in->hdr.csb_id, NULL, r.data, r.len, "policy");
            return IMPS_KMS_OUTCOME_REFUSED;
          }
      policy_view (kms, pol, &mp);
      answer = imps_mikey_request_resp_build (&mk, &mp, in, psk, psk_len, now, kms->random,
                                              &error);
    }
  else
    {
      const ImpsMikeyPayload *tk = imps_mikey_message_find (in, IMPS_MIKEY_PAYLOAD_TICKET);
      ImpsMikeyTp tp;
      gboolean tp_ok = tk != NULL && imps_mikey_tp_read (&tk->u.ticket, &tp, NULL);
      SingleUse su;
      gboolean single = tp_ok && single_use_keys (in, &tp, zk, now, &su);
      if (single && imps_mikey_replay_contains (kms->uses, su.device, now))
        {
          g_autofree gchar *why = g_strdup_printf ("%s (IDRr %s, IDRpsk %s, CSB ID %08x): the "
                                                   "ticket has J = 0 and this device resolved it "
                                                   "before", what, idr, idpsk, in->hdr.csb_id);
          imps_kms_refuse (kms, &in->hdr, data, len, IMPS_MIKEY_ERR_INVALID_TPPAR, psk, psk_len,
                           "single use", why, out);
          return IMPS_KMS_OUTCOME_REFUSED;
        }
      if (tp_ok && tp.kms_id.len > 0
          && !bytes_is (tp.kms_id, kms->name))
        {
          if (zk)
            {
              g_autofree gchar *why = g_strdup_printf ("Zk resolve from %s: the ticket was issued "
                                                       "by %.*s, not by %s", idpsk,
                                                       (int) MIN (tp.kms_id.len, 200),
                                                       (const char *) tp.kms_id.data, kms->name);
              imps_kms_refuse (kms, &in->hdr, data, len, IMPS_MIKEY_ERR_INVALID_ID, psk, psk_len,
                               "issuer", why, out);
              return IMPS_KMS_OUTCOME_REFUSED;
            }
          /* our device's one use of a J = 0 ticket: counted here, the
           * issuing KMS cannot see the device */
          if (single && !uses_insert (kms, su.device, &su))
            {
              g_autofree gchar *why = g_strdup_printf ("%s (IDRr %s, CSB ID %08x): the ticket use "
                                                       "cache is full", what, idr,
                                                       in->hdr.csb_id);
              imps_kms_refuse (kms, &in->hdr, data, len, IMPS_MIKEY_ERR_INVALID_TPPAR, psk,
                               psk_len, "single use", why, out);
              return IMPS_KMS_OUTCOME_REFUSED;
            }
          if (parsed)
            *parsed = g_steal_pointer (&in);
          return IMPS_KMS_OUTCOME_RELAY;
        }
      if (kms->tpks->len > 1)
        {
          /* rolled keys past their time stop opening tickets */
          imps_kms_tpk_prune (kms);
          kms_view (kms, &mk);
        }
      if (single && imps_mikey_replay_contains (kms->uses, su.used, now)
          && !imps_mikey_replay_contains (kms->uses, su.transfer, now))
        {
          g_autofree gchar *why = g_strdup_printf ("%s (IDRr %s, IDRpsk %s, CSB ID %08x): the "
                                                   "ticket has J = 0 and was resolved for another "
                                                   "TRANSFER_INIT (other Initiator Data)", what,
                                                   idr, idpsk, in->hdr.csb_id);
          imps_kms_refuse (kms, &in->hdr, data, len, IMPS_MIKEY_ERR_INVALID_TPPAR, psk, psk_len,
                           "single use", why, out);
          return IMPS_KMS_OUTCOME_REFUSED;
        }
      policy_view (kms, &kms->default_policy, &mp);
      answer = imps_mikey_resolve_resp_build (&mk, &mp, in, psk, psk_len, now, kms->random,
                                              NULL, &error);
      if (answer != NULL && single
          && !(uses_insert (kms, su.device, &su)
               && (imps_mikey_replay_contains (kms->uses, su.used, now)
                   || uses_insert (kms, su.used, &su))
               && (imps_mikey_replay_contains (kms->uses, su.transfer, now)
                   || uses_insert (kms, su.transfer, &su))))
        {
          g_clear_pointer (&answer, imps_mikey_message_free);
          g_set_error (&error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TPPAR,
                       "the ticket use cache is full: resolution refused");
        }
    }
  if (answer == NULL)
    {
      /* a resolve refusal names what the ticket allows (public identities) */
      g_autoptr (GString) allowed = g_string_new (NULL);
      const ImpsMikeyPayload *tk = type == IMPS_KMS_REQUEST_RESOLVE
                                   ? imps_mikey_message_find (in, IMPS_MIKEY_PAYLOAD_TICKET) : NULL;
      ImpsMikeyTp tp;
      if (tk != NULL && imps_mikey_tp_read (&tk->u.ticket, &tp, NULL))
        for (guint i = 0; i < tp.n_responders; i++)
          g_string_append_printf (allowed, "%s%.*s", i ? ", " : "; the ticket's IDRr: ",
                                  (int) MIN (tp.responders[i].len, 200),
                                  (const char *) tp.responders[i].data);
      g_autofree gchar *why = g_strdup_printf ("%s (IDRi %s, IDRr %s, IDRpsk %s, CSB ID %08x): %s%s",
                                               what, idi, idr, idpsk, in->hdr.csb_id,
                                               error->message, allowed->str);
      imps_kms_refuse (kms, &in->hdr, data, len, imps_mikey_error_to_err_no (error->code), psk,
                       psk_len, check_name (error->code), why, out);
      imps_kms_audit (kms, "refused", in->hdr.csb_id, NULL, NULL, 0, check_name (error->code));
      return IMPS_KMS_OUTCOME_REFUSED;
    }
  g_byte_array_append (out, answer->body.raw, (guint) answer->body.raw_len);

  /* audit: who got or resolved which ticket */
  {
    const ImpsMikeyPayload *tk = imps_mikey_message_find (type == IMPS_KMS_REQUEST_TICKET ? answer
                                                          : in, IMPS_MIKEY_PAYLOAD_TICKET);
    ImpsMikeyTp tp;
    const ImpsMikeyPayload *rp = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_R);
    gboolean ok = tk && imps_mikey_tp_read (&tk->u.ticket, &tp, NULL);
    imps_kms_audit (kms, type == IMPS_KMS_REQUEST_TICKET ? "issued"
                    : (zk ? "resolved-zk" : "resolved"), in->hdr.csb_id, ok ? &tp : NULL,
                    rp ? rp->u.id.data.data : NULL, rp ? rp->u.id.data.len : 0, NULL);
  }
  return IMPS_KMS_OUTCOME_ANSWER;
}

ImpsKmsOutcome
imps_kms_process (ImpsKms *kms, ImpsKmsRequestType type, gboolean zk,
                  const gchar *peer_names, const guint8 *data, gsize len, GByteArray *out,
                  ImpsMikeyMessage **parsed)
{
  ImpsKmsOutcome o = process (kms, type, zk, peer_names, data, len, out, parsed);
  /* a refusal with no Error to send (an Error is never answered with an
   * Error, mikey-ticket.md §11) is answered like an unreadable message:
   * 400, empty */
  if (o == IMPS_KMS_OUTCOME_REFUSED && out->len == 0)
    return IMPS_KMS_OUTCOME_MALFORMED;
  return o;
}

ImpsKmsOutcome
imps_kms_handle (ImpsKms *kms, ImpsKmsRequestType type, const guint8 *data, gsize len,
                 GByteArray *out)
{
  return imps_kms_process (kms, type, FALSE, NULL, data, len, out, NULL);
}

/* ---------------------------------------------------------------------
 * Ua (HTTP).
 * ------------------------------------------------------------------- */

static const gchar *
outcome_summary (ImpsKmsOutcome o, ImpsKmsRequestType type)
{
  if (o == IMPS_KMS_OUTCOME_ANSWER)
    return type == IMPS_KMS_REQUEST_TICKET ? "REQUEST_RESP" : "RESOLVE_RESP";
  return "MIKEY Error";
}

#define REFUSAL_BODY_MAX 512

void
imps_kms_respond_refusal (ImpsHttpServer *server, ImpsHttpMessage *msg, guint status,
                          const gchar *why, const gchar *summary)
{
  /* one line, at most REFUSAL_BODY_MAX bytes, ending in LF */
  GString *body = g_string_new (NULL);
  for (const gchar *p = why ? why : "refused"; *p && body->len < REFUSAL_BODY_MAX; p++)
    g_string_append_c (body, *p == '\n' || *p == '\r' ? ' ' : *p);
  g_string_append_c (body, '\n');
  imps_http_server_respond (server, msg, status, "text/plain; charset=utf-8",
                            (const guint8 *) body->str, body->len, why, "%s", summary);
  g_string_free (body, TRUE);
}

static void
respond_outcome (ImpsKms *kms, ImpsHttpServer *server, ImpsHttpMessage *msg,
                 ImpsKmsRequestType type, ImpsKmsOutcome o, GByteArray *out)
{
  if (o == IMPS_KMS_OUTCOME_MALFORMED && out->len == 0)
    {
      imps_kms_respond_refusal (server, msg, SOUP_STATUS_BAD_REQUEST, kms->last_refusal,
                                "400 (unreadable)");
      return;
    }
  guint status = o == IMPS_KMS_OUTCOME_MALFORMED ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_OK;
  imps_http_server_respond (server, msg, status, out->len ? IMPS_KMS_CONTENT_TYPE : NULL,
                            out->data, out->len, NULL, "%u %s", status,
                            o == IMPS_KMS_OUTCOME_MALFORMED && out->len == 0
                            ? "(unreadable)" : outcome_summary (o, type));
}

/* A Ua request waiting for Zn. */
typedef struct {
  ImpsKms *kms;
  GCancellable *cancel;    /* the KMS's, reffed */
  ImpsHttpMessage *msg;  /* reffed */
  ImpsKmsRequestType type;
  GBytes *body;
  gchar *btid;
} ZnCall;

static void
zn_call_free (ZnCall *c)
{
  g_object_unref (c->cancel);
  imps_http_message_unref (c->msg);
  g_bytes_unref (c->body);
  g_free (c->btid);
  g_free (c);
}

/* The responder's RESOLVE_INIT @in has passed imps_kms_process() (MAC,
 * replay) and names another KMS's ticket: relay it over Zk. */
static void
start_relay (ImpsKms *kms, ImpsHttpMessage *msg, gboolean paused, const ImpsMikeyMessage *in)
{
  const ImpsMikeyPayload *pskp = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_PSK);
  const KmsKey *k = key_lookup (kms, pskp->u.id.data.data, pskp->u.id.data.len);
  const ImpsMikeyPayload *tk = imps_mikey_message_find (in, IMPS_MIKEY_PAYLOAD_TICKET);
  ImpsMikeyTp tp;
  if (k == NULL || tk == NULL || !imps_mikey_tp_read (&tk->u.ticket, &tp, NULL))
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_UNSPECIFIED, NULL, 0, "relay",
                       "the key or the ticket went away before the relay", out);
      respond_outcome (kms, kms->ua, msg, IMPS_KMS_REQUEST_RESOLVE, IMPS_KMS_OUTCOME_REFUSED, out);
      return;
    }
  if (!paused)
    imps_http_server_pause (kms->ua, msg);
  imps_kms_zk_relay (kms, msg, in, k->key, k->key_len, tp.kms_id.data, tp.kms_id.len);
}

static void
finish_with_key (ImpsKms *kms, ImpsHttpMessage *msg, ImpsKmsRequestType type, GBytes *body)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (ImpsMikeyMessage) in = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (body, &len);
  ImpsKmsOutcome o = imps_kms_process (kms, type, FALSE, NULL, data, len, out, &in);
  if (o == IMPS_KMS_OUTCOME_NEED_KEY)
    {
      /* fetched but already expired (Key-ExpiryTime now or past) */
      imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_AUTH_FAILURE, NULL, 0, "Ks_NAF",
                       "Ks_NAF from the BSF is already expired", out);
      o = IMPS_KMS_OUTCOME_REFUSED;
    }
  if (o == IMPS_KMS_OUTCOME_RELAY)
    {
      start_relay (kms, msg, TRUE, in);
      return;
    }
  respond_outcome (kms, kms->ua, msg, type, o, out);
}

static void
on_bia (GObject *source, GAsyncResult *res, gpointer data)
{
  ZnCall *c = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDiameterMessage) m = imps_diameter_client_request_finish (NULL, res, &error);
  if (g_cancellable_is_cancelled (c->cancel))
    {
      zn_call_free (c);
      return;
    }
  ImpsKms *kms = c->kms;
  g_autoptr (ImpsDiameterBia) bia = m ? imps_diameter_bia_parse (m, &error) : NULL;
  if (bia == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("Zn to %s:%u for B-TID %s failed: %s",
                                               kms->bsf_address, kms->bsf_port, c->btid,
                                               error->message);
      imps_kms_note (kms, IMPS_EVENT_FAILURE, why, "BSF unreachable");
      imps_http_server_respond (kms->ua, c->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL, NULL, 0,
                                why, "503 (BSF unreachable)");
      zn_call_free (c);
      return;
    }
  gsize len;
  const guint8 *body = g_bytes_get_data (c->body, &len);
  if (bia->result_code != IMPS_DIAMETER_SUCCESS || !bia->has_me_key)
    {
      guint32 code = bia->experimental_result ? bia->experimental_result : bia->result_code;
      const gchar *name = imps_diameter_result_code_name (code, bia->experimental_result != 0);
      g_autofree gchar *why = g_strdup_printf ("BSF answered BIA %u%s%s for B-TID %s", code,
                                               name ? " " : "", name ? name : "", c->btid);
      g_autoptr (GByteArray) out = g_byte_array_new ();
      g_autoptr (ImpsMikeyMessage) in = imps_mikey_message_parse (body, len, NULL);
      gboolean rebootstrap = bia->experimental_result
                             == IMPS_DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID;
      imps_kms_refuse (kms, in ? &in->hdr : NULL, NULL, 0, IMPS_MIKEY_ERR_AUTH_FAILURE, NULL, 0,
                       "B-TID", why, out);
      if (rebootstrap)
        imps_http_message_set_header (c->msg,
                                      IMPS_KMS_REBOOTSTRAP_HEADER, "1");
      imps_http_server_respond (kms->ua, c->msg, SOUP_STATUS_OK, IMPS_KMS_CONTENT_TYPE, out->data,
                                out->len, why, "200 MIKEY Error%s",
                                rebootstrap ? " (re-bootstrap)" : "");
      zn_call_free (c);
      return;
    }
  gint64 expiry = bia->has_key_expiry ? imps_diameter_time_to_unix (bia->key_expiry)
                                      : imps_kms_now (kms) + 1;
  /* the user's public identities: the uids of the USS of our GSID (none
   * when the BIA has no readable USS list: then no identity is accepted) */
  GStrv impus = NULL;
  if (bia->guss != NULL)
    {
      g_autoptr (GError) uerr = NULL;
      g_autoptr (ImpsGbaUssList) uss = imps_gba_uss_list_parse (bia->guss, bia->guss_len, &uerr);
      if (uss != NULL)
        impus = imps_gba_uss_list_uids (uss, IMPS_GBA_GSID_IMS_MEDIA);
      else
        {
          g_autofree gchar *why = g_strdup_printf ("BIA for B-TID %s: GBA-UserSecSettings: %s; "
                                                   "the user gets no identity", c->btid,
                                                   uerr->message);
          imps_kms_note (kms, IMPS_EVENT_NOTE, why, "USS unreadable");
        }
    }
  if (impus == NULL)
    impus = g_new0 (gchar *, 1);
  kms_key_cache_add (kms, c->btid, bia->me_key, expiry, bia->impi, impus);
  finish_with_key (kms, c->msg, c->type, c->body);
  zn_call_free (c);
}

static void
fetch_key (ImpsKms *kms, ImpsHttpMessage *msg, ImpsKmsRequestType type, GBytes *body,
           const ImpsMikeyMessage *in)
{
  const ImpsMikeyPayload *pskp = imps_mikey_message_find_idr (in, IMPS_MIKEY_ID_ROLE_PSK);
  gchar btid[256];
  gsize n = pskp->u.id.data.len;
  if (n == 0 || n >= sizeof btid || memchr (pskp->u.id.data.data, '\0', n)
      || !g_utf8_validate ((const gchar *) pskp->u.id.data.data, (gssize) n, NULL)
      || kms->bsf_address == NULL)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      g_autofree gchar *why = g_strdup_printf ("IDRpsk (%" G_GSIZE_FORMAT " bytes) is no known key "
                                               "id and %s", n,
                                               kms->bsf_address ? "not a B-TID to ask the BSF for"
                                               : "no BSF is configured for Zn");
      imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_AUTH_FAILURE, NULL, 0, "IDRpsk",
                       why, out);
      respond_outcome (kms, kms->ua, msg, type, IMPS_KMS_OUTCOME_REFUSED, out);
      return;
    }
  memcpy (btid, pskp->u.id.data.data, n);
  btid[n] = '\0';
  /* a B-TID names its BSF after the last '@' (gba.md §6.1); only our own
   * BSF (bsf.<domain>, profile §9) can give its key, and bootstrapping
   * again there would not help: ERR 7, no re-bootstrap header */
  {
    g_autofree gchar *own = g_strdup_printf ("bsf.%s", kms->domain);
    const gchar *at = strrchr (btid, '@');
    if (at == NULL || g_ascii_strcasecmp (at + 1, own) != 0)
      {
        g_autoptr (GByteArray) out = g_byte_array_new ();
        g_autofree gchar *why = g_strdup_printf ("IDRpsk %s is not a B-TID of this KMS's BSF "
                                                 "%s (%s%s); the KMS has no Zn to it", btid, own,
                                                 at ? "its BSF is " : "no '@domain' part",
                                                 at ? at + 1 : "");
        imps_kms_refuse (kms, &in->hdr, NULL, 0, IMPS_MIKEY_ERR_INVALID_ID, NULL, 0,
                         "B-TID domain", why, out);
        respond_outcome (kms, kms->ua, msg, type, IMPS_KMS_OUTCOME_REFUSED, out);
        return;
      }
  }
  if (kms->zn == NULL)
    kms->zn = imps_diameter_client_new (kms->net, kms->address, kms->bsf_address, kms->bsf_port);

  g_autoptr (ImpsDiameterBir) bir = imps_diameter_bir_new ();
  bir->session_id = g_strdup_printf ("%s;%" G_GINT64_FORMAT ";%" G_GUINT64_FORMAT, kms->name,
                                     imps_kms_now (kms), ++kms->session_counter);
  bir->origin_host = g_strdup (kms->name);
  bir->origin_realm = g_strdup (kms->domain);
  bir->destination_realm = g_strdup (kms->domain);
  bir->btid = g_strdup (btid);
  const guint8 *naf_id = g_bytes_get_data (kms->naf_id, &bir->naf_id_len);
  bir->naf_id = g_memdup2 (naf_id, bir->naf_id_len);
  /* the USS of the KMS's GAA service: the user's public identities */
  bir->gsids = g_new0 (gchar *, 2);
  bir->gsids[0] = g_strdup (IMPS_GBA_GSID_IMS_MEDIA);
  g_autoptr (GBytes) bytes = imps_diameter_bir_build (bir);

  ZnCall *c = g_new0 (ZnCall, 1);
  c->kms = kms;
  c->cancel = g_object_ref (kms->cancel);
  c->msg = imps_http_message_ref (msg);
  c->type = type;
  c->body = g_bytes_ref (body);
  c->btid = g_strdup (btid);
  imps_http_server_pause (kms->ua, msg);
  imps_diameter_client_request_async (kms->zn, bytes, kms->cancel, on_bia, c);
}

/* Checks the HTTP envelope of a Ua/Zk request (profile §2): path /kms,
 * POST, requesttype, size, content type. Returns 0 and the body, or the
 * HTTP status to answer with and why (logged as a refusal here). */
guint
imps_kms_http_envelope (ImpsKms *kms, ImpsHttpMessage *msg, ImpsKmsRequestType *type,
                        GBytes **body, gchar **why)
{
  const gchar *path = imps_http_message_get_path (msg);
  const gchar *query = imps_http_message_get_query (msg);
  const gchar *method = imps_http_message_get_method (msg);
  g_autofree gchar *rt = NULL;
  guint status = 0;

  if (g_strcmp0 (path, "/kms") != 0)
    {
      *why = g_strdup_printf ("path %s is not /kms", path);
      status = SOUP_STATUS_NOT_FOUND;
    }
  else if (g_strcmp0 (method, "POST") != 0)
    {
      *why = g_strdup_printf ("method %s; the KMS takes POST", method);
      imps_http_message_set_header (msg, "Allow",
                                    "POST");
      status = SOUP_STATUS_METHOD_NOT_ALLOWED;
    }
  if (status)
    goto refuse;
  if (query != NULL)
    {
      g_autoptr (GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
      if (params)
        rt = g_strdup (g_hash_table_lookup (params, "requesttype"));
    }
  if (g_strcmp0 (rt, "ticketrequest") == 0)
    *type = IMPS_KMS_REQUEST_TICKET;
  else if (g_strcmp0 (rt, "ticketresolve") == 0)
    *type = IMPS_KMS_REQUEST_RESOLVE;
  else
    {
      *why = g_strdup_printf ("requesttype %s%s%s", rt ? "'" : "", rt ? rt : "missing",
                              rt ? "' is unknown" : "");
      status = SOUP_STATUS_BAD_REQUEST;
      goto refuse;
    }
  GBytes *b = imps_http_message_get_body (msg);
  if (g_bytes_get_size (b) > IMPS_KMS_MAX_BODY)
    {
      *why = g_strdup_printf ("body of %" G_GSIZE_FORMAT " bytes is over %u bytes",
                              g_bytes_get_size (b), IMPS_KMS_MAX_BODY);
      status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
      goto refuse;
    }
  const gchar *ct = imps_http_message_get_content_type (msg);
  if (ct == NULL || g_ascii_strcasecmp (ct, IMPS_KMS_CONTENT_TYPE) != 0)
    {
      *why = g_strdup_printf ("Content-Type %s; the KMS takes %s", ct ? ct : "missing",
                              IMPS_KMS_CONTENT_TYPE);
      status = SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE;
      goto refuse;
    }
  *body = g_bytes_ref (b);
  return 0;

refuse:
  {
    g_autofree gchar *summary = g_strdup_printf ("HTTP %u", status);
    imps_kms_note (kms, IMPS_EVENT_REFUSAL, *why, summary);
  }
  return status;
}

static void
ua_handler (ImpsHttpServer *server, ImpsHttpMessage *msg, const gchar *peer, gpointer data)
{
  ImpsKms *kms = data;
  ImpsKmsRequestType type;
  g_autoptr (GBytes) body = NULL;
  g_autofree gchar *why = NULL;
  guint status = imps_kms_http_envelope (kms, msg, &type, &body, &why);
  if (status)
    {
      g_autofree gchar *summary = g_strdup_printf ("%u", status);
      imps_kms_respond_refusal (server, msg, status, why, summary);
      return;
    }
  imps_http_server_log_request (server, msg, "POST /kms?requesttype=%s (%s)",
                                type == IMPS_KMS_REQUEST_TICKET ? "ticketrequest"
                                                                : "ticketresolve",
                                type == IMPS_KMS_REQUEST_TICKET ? "REQUEST_INIT_PSK"
                                                                : "RESOLVE_INIT_PSK");
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (ImpsMikeyMessage) in = NULL;
  gsize len;
  const guint8 *d = g_bytes_get_data (body, &len);
  ImpsKmsOutcome o = imps_kms_process (kms, type, FALSE, NULL, d, len, out, &in);
  if (o == IMPS_KMS_OUTCOME_NEED_KEY)
    {
      fetch_key (kms, msg, type, body, in);
      return;
    }
  if (o == IMPS_KMS_OUTCOME_RELAY)
    {
      start_relay (kms, msg, FALSE, in);
      return;
    }
  respond_outcome (kms, server, msg, type, o, out);
}

void
imps_kms_set_http_limits (ImpsKms *kms, const ImpsHttpLimits *limits)
{
  kms->http_limits = *limits;
}

gboolean
imps_kms_listen (ImpsKms *kms, const gchar *address, guint16 ua_port, GError **error)
{
  g_return_val_if_fail (kms->ua == NULL, FALSE);
  kms->ua = imps_http_server_new (kms->net, kms->name, IMPS_REF_UA, IMPS_KMS_SERVER_HEADER,
                                  ua_handler, kms);
  imps_http_server_set_limits (kms->ua, &kms->http_limits);
  if (!imps_http_server_listen (kms->ua, address, ua_port, error))
    {
      g_clear_pointer (&kms->ua, imps_http_server_free);
      return FALSE;
    }
  g_free (kms->address);
  kms->address = g_strdup (address);
  return TRUE;
}
