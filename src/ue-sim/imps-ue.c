/* The UE object: identity, USIM model, GBA session and Ks_NAF. */
#include "imps-ue-private.h"
#include "imps-hex.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-ue-error-quark, imps_ue_error)

ImpsClock *
imps_ue_get_clock (ImpsUe *ue)
{
  return ue->clock ? ue->clock : imps_network_get_clock (ue->net);
}

void
imps_ue_set_clock (ImpsUe *ue, ImpsClock *clock)
{
  g_clear_pointer (&ue->clock, imps_clock_unref);
  ue->clock = clock ? imps_clock_ref (clock) : NULL;
}

gint64
imps_ue_now (ImpsUe *ue)
{
  return imps_clock_now_us (imps_ue_get_clock (ue)) / G_USEC_PER_SEC;
}

void
imps_ue_note (ImpsUe *ue, ImpsEventKind kind, const gchar *detail, const gchar *summary)
{
  imps_network_log (ue->net, kind, IMPS_REF_NONE, IMPS_PROTO_NONE, ue->name, NULL, NULL, NULL,
                    detail, "%s", summary);
}

void
imps_ue_gba_session_free (ImpsUeGbaSession *s)
{
  if (s == NULL)
    return;
  g_free (s->btid);
  if (s->logged_naf)
    g_hash_table_unref (s->logged_naf);
  imps_wipe (s, sizeof *s);
  g_free (s);
}

ImpsUe *
imps_ue_new (ImpsNetwork *net, const gchar *name, const gchar *address,
             const ImpsUeUsimConfig *usim)
{
  g_return_val_if_fail (net && name && address && usim, NULL);
  g_return_val_if_fail (usim->impi && usim->k && usim->opc, NULL);
  g_return_val_if_fail (usim->ind_len <= IMPS_AKA_IND_LEN_MAX, NULL);

  ImpsUe *ue = g_new0 (ImpsUe, 1);
  ue->net = net;
  ue->name = g_strdup (name);
  ue->address = g_strdup (address);
  ue->random = imps_network_new_random (net, name);
  ue->impi = g_strdup (usim->impi);
  ue->milenage = imps_milenage_new (usim->k, usim->opc);
  ue->sqn = imps_aka_sqn_state_new (usim->ind_len);
  if (usim->sqn_ms)
    {
      /* A USIM that has seen SQNs before: SEQ_MS in the slot of its IND. */
      guint64 v = imps_aka_sqn_from_bytes (usim->sqn_ms);
      ue->sqn->seq_ms[v & ((1u << usim->ind_len) - 1)] = v >> usim->ind_len;
    }
  ue->alive = g_cancellable_new ();
  imps_network_register_node (net, name, address);
  /* The Ub HTTP session exists only while a bootstrap runs (imps-ue-ub.c). */
  return ue;
}

void
imps_ue_free (ImpsUe *ue)
{
  if (ue == NULL)
    return;
  /* Exchanges still running see this and touch the UE no more. */
  g_cancellable_cancel (ue->alive);
  g_clear_object (&ue->alive);
  if (ue->http)
    {
      imps_http_client_free (ue->http);
    }
  imps_ue_gba_session_free (ue->gba);
  imps_milenage_free (ue->milenage);
  imps_aka_sqn_state_free (ue->sqn);
  imps_random_free (ue->random);
  g_free (ue->impi);
  g_free (ue->name);
  g_free (ue->address);
  g_clear_pointer (&ue->clock, imps_clock_unref);
  g_free (ue);
}

const gchar *
imps_ue_get_name (ImpsUe *ue)
{
  return ue->name;
}

const gchar *
imps_ue_get_address (ImpsUe *ue)
{
  return ue->address;
}

const gchar *
imps_ue_get_impi (ImpsUe *ue)
{
  return ue->impi;
}

ImpsAkaSqnState *
imps_ue_get_sqn_state (ImpsUe *ue)
{
  return ue->sqn;
}

void
imps_ue_set_key_log (ImpsUe *ue, ImpsKeyLog *log)
{
  ue->key_log = log;
}

gboolean
imps_ue_is_bootstrapped (ImpsUe *ue)
{
  return ue->gba != NULL && ue->gba->expiry > imps_ue_now (ue);
}

const gchar *
imps_ue_get_btid (ImpsUe *ue)
{
  return ue->gba ? ue->gba->btid : NULL;
}

gint64
imps_ue_get_ks_expiry (ImpsUe *ue)
{
  return ue->gba ? ue->gba->expiry : 0;
}

gboolean
imps_ue_get_ks_naf (ImpsUe *ue, const gchar *naf_fqdn, const guint8 ua_id[IMPS_GBA_UA_ID_LEN],
                    ImpsGbaKey *out, GError **error)
{
  g_return_val_if_fail (naf_fqdn != NULL && ua_id != NULL && out != NULL, FALSE);
  if (ue->gba == NULL)
    {
      g_set_error (error, IMPS_UE_ERROR, IMPS_UE_ERROR_NOT_BOOTSTRAPPED,
                   "%s has not bootstrapped: no Ks for NAF %s", ue->name, naf_fqdn);
      return FALSE;
    }
  gint64 now = imps_ue_now (ue);
  if (ue->gba->expiry <= now)
    {
      g_set_error (error, IMPS_UE_ERROR, IMPS_UE_ERROR_EXPIRED,
                   "Ks of %s (B-TID %s) expired at %" G_GINT64_FORMAT " (Unix s); now %"
                   G_GINT64_FORMAT, ue->name, ue->gba->btid, ue->gba->expiry, now);
      return FALSE;
    }
  gsize fqdn_len = strlen (naf_fqdn);
  if (fqdn_len == 0 || fqdn_len > IMPS_GBA_MAX_FQDN_LEN)
    {
      g_set_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_NAF_ID,
                   "NAF FQDN of %" G_GSIZE_FORMAT " bytes (1..%d)", fqdn_len,
                   IMPS_GBA_MAX_FQDN_LEN);
      return FALSE;
    }
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ue->gba->ks, ue->gba->rand, ue->impi, strlen (ue->impi),
                   naf_fqdn, fqdn_len, ua_id, out);

  if (ue->key_log)
    {
      guint8 naf_id[IMPS_GBA_MAX_FQDN_LEN + IMPS_GBA_UA_ID_LEN];
      memcpy (naf_id, naf_fqdn, fqdn_len);
      memcpy (naf_id + fqdn_len, ua_id, IMPS_GBA_UA_ID_LEN);
      gsize naf_id_len = fqdn_len + IMPS_GBA_UA_ID_LEN;
      g_autofree gchar *hex = imps_hex_encode (naf_id, naf_id_len);
      if (!g_hash_table_contains (ue->gba->logged_naf, hex))
        {
          imps_key_log_gba_ks_naf (ue->key_log, ue->gba->btid, naf_id, naf_id_len, out->bytes,
                                   IMPS_GBA_KEY_LEN);
          g_hash_table_add (ue->gba->logged_naf, g_steal_pointer (&hex));
        }
    }
  return TRUE;
}
