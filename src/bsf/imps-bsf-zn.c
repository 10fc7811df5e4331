/* Zn (gba.md §10): the BSF answers a NAF's (KMS's) BIR with Ks_NAF. */
#include "imps-bsf-private.h"
#include "gba/imps-gba-uss.h"
#include "imps-secret.h"

#include <string.h>

static void
answer (ImpsDiameterRequest *req, ImpsDiameterBia *bia)
{
  g_autoptr (GBytes) bytes = imps_diameter_bia_build (bia);
  imps_diameter_request_answer (req, bytes);
}

/* An answer to a request we cannot take as a BIR (RFC 6733 §7.1 result
 * code, with the reason in Error-Message, the E bit only on 3xxx, and
 * Failed-AVP when @error names an AVP). */
static void
answer_error (ImpsBsf *bsf, ImpsDiameterRequest *req, const ImpsDiameterMessage *msg,
              guint32 result, const gchar *message, const GError *error)
{
  g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new_answer (msg);
  imps_diameter_builder_set_flags (b, imps_diameter_answer_flags (msg->flags, result));
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  bsf->name);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  bsf->domain);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                 result);
  if (message)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ERROR_MESSAGE, 0, 0, message);
  if (error)
    imps_diameter_builder_add_failed_avp (b, msg->raw, msg->raw_len, error);
  g_autoptr (GBytes) a = imps_diameter_builder_finish (g_steal_pointer (&b));
  imps_diameter_request_answer (req, a);
}

static gboolean
naf_authorised (ImpsBsf *bsf, const gchar *fqdn, gsize len)
{
  for (guint i = 0; i < bsf->nafs->len; i++)
    {
      const gchar *n = g_ptr_array_index (bsf->nafs, i);
      if (strlen (n) == len && g_ascii_strncasecmp (n, fqdn, len) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The USSs of the session's GUSS for the GSIDs the NAF asked for, as the
 * ussList of GBA-UserSecSettings (gba.md §10.1, §10.4; TS 33.220 §4.5.3):
 * NULL when the NAF asked for none. A GUSS that cannot be read gives an
 * empty list (the NAF then authorises nobody) and a note. */
static gchar *
select_uss (ImpsBsf *bsf, const ImpsBsfSession *s, const ImpsDiameterBir *bir)
{
  if (bir->gsids == NULL || bir->gsids[0] == NULL)
    return NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsGbaUssList) list = NULL;
  if (s->guss != NULL)
    {
      list = imps_gba_uss_list_parse ((const guint8 *) s->guss, strlen (s->guss), &error);
      if (list == NULL)
        {
          g_autofree gchar *why = g_strdup_printf ("GUSS of %s (B-TID %s): %s; no USS sent",
                                                   s->impi, s->btid, error->message);
          imps_bsf_note (bsf, IMPS_EVENT_NOTE, why, "GUSS unreadable");
        }
    }
  return imps_gba_uss_list_build (list, (const gchar *const *) bir->gsids);
}

void
imps_bsf_allow_zn_peer (ImpsBsf *bsf, const gchar *origin_host, const gchar *address)
{
  g_return_if_fail (bsf->zn != NULL && origin_host != NULL && address != NULL);
  imps_diameter_server_allow_peer (bsf->zn, origin_host, address);
  g_autofree gchar *lower = g_ascii_strdown (origin_host, -1);
  for (guint i = 0; i < bsf->nafs->len; i++)
    if (strcmp (g_ptr_array_index (bsf->nafs, i), lower) == 0)
      return;
  imps_bsf_authorize_naf (bsf, lower);
}

void
imps_bsf_zn_handle (ImpsDiameterServer *server, ImpsDiameterRequest *req, gpointer data)
{
  ImpsBsf *bsf = data;
  const ImpsDiameterMessage *msg = imps_diameter_request_get_message (req);
  const gchar *peer = imps_diameter_request_get_peer (req);
  g_autoptr (GError) error = NULL;

  if (msg->command != IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO)
    {
      g_autofree gchar *why = g_strdup_printf ("command %u from %s is not served on Zn",
                                               msg->command, peer);
      imps_bsf_note (bsf, IMPS_EVENT_REFUSAL, why, "command refused");
      answer_error (bsf, req, msg, IMPS_DIAMETER_COMMAND_UNSUPPORTED, why, NULL);
      return;
    }
  g_autoptr (ImpsDiameterBir) bir = imps_diameter_bir_parse (msg, &error);
  if (bir == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("BIR from %s: %s", peer, error->message);
      imps_bsf_note (bsf, IMPS_EVENT_REFUSAL, why, "BIR refused");
      answer_error (bsf, req, msg, imps_diameter_error_result_code (error), error->message,
                    error);
      return;
    }

  g_autoptr (ImpsDiameterBia) bia = imps_diameter_bia_new_for (bir);
  bia->origin_host = g_strdup (bsf->name);
  bia->origin_realm = g_strdup (bsf->domain);

  gint64 now = imps_bsf_now (bsf);
  ImpsBsfSession *s = g_hash_table_lookup (bsf->sessions, bir->btid);
  if (s == NULL || s->expiry <= now)
    {
      g_autofree gchar *why = NULL;
      if (s == NULL)
        why = g_strdup_printf ("B-TID %s from %s (%s) is unknown", bir->btid, peer,
                               bir->origin_host);
      else
        why = g_strdup_printf ("B-TID %s from %s (%s) expired at %" G_GINT64_FORMAT
                               " (Unix s); now %" G_GINT64_FORMAT, bir->btid, peer,
                               bir->origin_host, s->expiry, now);
      imps_bsf_note (bsf, IMPS_EVENT_REFUSAL, why, "B-TID invalid");
      bia->experimental_result = IMPS_DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID;
      answer (req, bia);
      return;
    }

  gsize fqdn_len = 0;
  if (!imps_gba_naf_id_check (bir->naf_id, bir->naf_id_len, &fqdn_len, &error))
    {
      g_autofree gchar *why = g_strdup_printf ("NAF-Id from %s: %s", peer, error->message);
      imps_bsf_note (bsf, IMPS_EVENT_REFUSAL, why, "NAF-Id refused");
      bia->result_code = IMPS_DIAMETER_INVALID_AVP_VALUE;
      /* 5004 carries the offending AVP (RFC 6733 §7.1.5). */
      gint naf = imps_diameter_message_find (msg, IMPS_DIAMETER_VENDOR_3GPP,
                                             IMPS_DIAMETER_AVP_NAF_ID);
      if (naf >= 0)
        bia->failed_avp = imps_diameter_message_avp (msg, (guint) naf);
      answer (req, bia);
      return;
    }
  /* A NAF gets only its own keys: the NAF-Id names the peer that asks
   * (whose Origin-Host the server matched with its source address). */
  if (strlen (bir->origin_host) != fqdn_len
      || g_ascii_strncasecmp (bir->origin_host, (const gchar *) bir->naf_id, fqdn_len) != 0)
    {
      g_autofree gchar *fqdn = g_strndup ((const gchar *) bir->naf_id, fqdn_len);
      g_autofree gchar *fqdn_shown = g_strescape (fqdn, NULL);
      g_autofree gchar *host_shown = g_strescape (bir->origin_host, NULL);
      g_autofree gchar *why = g_strdup_printf ("NAF-Id names %s but the BIR comes from %s "
                                               "(Origin-Host %s): a NAF gets only its own Ks_NAF",
                                               fqdn_shown, peer, host_shown);
      imps_bsf_note (bsf, IMPS_EVENT_REFUSAL, why, "NAF not authorised");
      bia->experimental_result = IMPS_DIAMETER_ERROR_NOT_AUTHORIZED;
      answer (req, bia);
      return;
    }
  if (!naf_authorised (bsf, (const gchar *) bir->naf_id, fqdn_len))
    {
      g_autofree gchar *fqdn = g_strndup ((const gchar *) bir->naf_id, fqdn_len);
      g_autofree gchar *list = NULL;
      g_ptr_array_add (bsf->nafs, NULL);
      list = g_strjoinv (", ", (gchar **) bsf->nafs->pdata);
      g_ptr_array_remove_index (bsf->nafs, bsf->nafs->len - 1);
      g_autofree gchar *why = g_strdup_printf ("NAF %s (from %s, Origin-Host %s) is not authorised "
                                               "by the operator (authorised: %s)", fqdn, peer,
                                               bir->origin_host, list);
      imps_bsf_note (bsf, IMPS_EVENT_REFUSAL, why, "NAF not authorised");
      bia->experimental_result = IMPS_DIAMETER_ERROR_NOT_AUTHORIZED;
      answer (req, bia);
      return;
    }

  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  if (!imps_gba_ks_naf_for_naf_id (IMPS_GBA_NAF_KEY_ME, &s->ks, s->rand, s->impi,
                                   strlen (s->impi), bir->naf_id, bir->naf_id_len, &ks_naf,
                                   &error))
    {
      imps_bsf_note (bsf, IMPS_EVENT_FAILURE, error->message, "Ks_NAF failed");
      bia->result_code = IMPS_DIAMETER_UNABLE_TO_COMPLY;
      answer (req, bia);
      return;
    }
  imps_key_log_gba_ks_naf (bsf->key_log, s->btid, bir->naf_id, bir->naf_id_len, ks_naf.bytes,
                           IMPS_GBA_KEY_LEN);
  bia->result_code = IMPS_DIAMETER_SUCCESS;
  bia->impi = g_strdup (s->impi);
  bia->has_me_key = TRUE;
  memcpy (bia->me_key, ks_naf.bytes, IMPS_DIAMETER_KS_NAF_LEN);
  bia->has_key_expiry = TRUE;
  bia->key_expiry = imps_diameter_time_from_unix (s->expiry);
  bia->has_creation_time = TRUE;
  bia->creation_time = imps_diameter_time_from_unix (s->created);
  bia->gba_type = 0;
  gchar *uss = select_uss (bsf, s, bir);
  if (uss != NULL)
    {
      bia->guss_len = strlen (uss);
      bia->guss = (guint8 *) uss;
    }
  answer (req, bia);
}
