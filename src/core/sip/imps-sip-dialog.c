/* SIP dialogs (RFC 3261 §12). */
#include "imps-sip-dialog.h"
#include "imps-sip-private.h"

#include <string.h>

void
imps_sip_dialog_free (ImpsSipDialog *dialog)
{
  if (dialog == NULL)
    return;
  g_free (dialog->call_id);
  imps_sip_name_addr_free (dialog->local);
  imps_sip_name_addr_free (dialog->remote);
  imps_sip_uri_free (dialog->remote_target);
  if (dialog->route_set)
    g_ptr_array_unref (dialog->route_set);
  g_free (dialog);
}

/* Common part: Call-ID, From/To, the Contact of @target_msg, Record-Route
 * of @rr_msg (reversed for the UAC). */
static ImpsSipDialog *
dialog_new (gboolean is_uac, const ImpsSipMessage *invite,
            const ImpsSipMessage *response, GError **error)
{
  g_return_val_if_fail (invite != NULL && imps_sip_message_is_request (invite), NULL);
  g_return_val_if_fail (response != NULL && !imps_sip_message_is_request (response), NULL);

  guint status = imps_sip_message_get_status (response);
  if (status < 101 || status > 299)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_START_LINE,
                   "status %u does not create a dialog", status);
      return NULL;
    }
  const gchar *call_id = imps_sip_message_get_call_id (invite);
  if (call_id == NULL)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER, "no Call-ID header");
      return NULL;
    }

  g_autoptr (ImpsSipDialog) d = g_new0 (ImpsSipDialog, 1);
  d->is_uac = is_uac;
  d->call_id = g_strdup (call_id);

  g_autoptr (ImpsSipNameAddr) from = imps_sip_message_get_from (invite, error);
  if (from == NULL)
    return NULL;
  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (response, error);
  if (to == NULL)
    return NULL;
  if (imps_sip_name_addr_get_tag (to) == NULL)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                   "header To of the response has no tag");
      return NULL;
    }
  if (imps_sip_name_addr_get_tag (from) == NULL)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                   "header From of the INVITE has no tag");
      return NULL;
    }

  const ImpsSipMessage *peer = is_uac ? response : invite;
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (peer, error);
  if (contacts == NULL)
    return NULL;
  if (contacts->len == 0 || ((ImpsSipNameAddr *) contacts->pdata[0])->star)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_MISSING_HEADER,
                   "the %s has no Contact URI", is_uac ? "response" : "INVITE");
      return NULL;
    }
  d->remote_target = imps_sip_uri_copy (((ImpsSipNameAddr *) contacts->pdata[0])->uri);

  g_autoptr (GPtrArray) rr = imps_sip_message_get_name_addrs (peer, "Record-Route", error);
  if (rr == NULL)
    return NULL;
  d->route_set = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sip_name_addr_free);
  for (guint i = 0; i < rr->len; i++)
    g_ptr_array_add (d->route_set,
                     imps_sip_name_addr_copy (rr->pdata[is_uac ? rr->len - 1 - i : i]));

  ImpsSipCSeq cseq;
  if (!imps_sip_message_get_cseq (invite, &cseq, error))
    return NULL;
  if (is_uac)
    {
      d->local_cseq = cseq.number;
      d->local = g_steal_pointer (&from);
      d->remote = g_steal_pointer (&to);
    }
  else
    {
      d->remote_cseq = cseq.number;
      d->local = g_steal_pointer (&to);
      d->remote = g_steal_pointer (&from);
    }
  return g_steal_pointer (&d);
}

ImpsSipDialog *
imps_sip_dialog_new_uac (const ImpsSipMessage *invite,
                         const ImpsSipMessage *response, GError **error)
{
  return dialog_new (TRUE, invite, response, error);
}

ImpsSipDialog *
imps_sip_dialog_new_uas (const ImpsSipMessage *invite,
                         const ImpsSipMessage *response, GError **error)
{
  return dialog_new (FALSE, invite, response, error);
}

ImpsSipMessage *
imps_sip_dialog_new_request (ImpsSipDialog *dialog, const gchar *method,
                             const ImpsSipVia *via, GError **error)
{
  g_return_val_if_fail (dialog != NULL && method != NULL && via != NULL, NULL);
  g_return_val_if_fail (strcmp (method, "ACK") != 0, NULL);

  if (dialog->local_cseq >= 0x7fffffffu)
    {
      g_set_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_HEADER,
                   "local CSeq would reach 2^31");
      return NULL;
    }

  const ImpsSipNameAddr *first = dialog->route_set->len > 0
                                 ? dialog->route_set->pdata[0] : NULL;
  gboolean strict = first != NULL && !imps_sip_uri_has_param (first->uri, "lr");
  g_autofree gchar *target = NULL;
  if (strict)
    {
      /* RFC 3261 §12.2.1.1: the first route becomes the Request-URI
       * (without its parameters), the remote target the last route. */
      g_autoptr (ImpsSipUri) u = imps_sip_uri_copy (first->uri);
      g_ptr_array_set_size (u->params, 0);
      g_ptr_array_set_size (u->headers, 0);
      target = imps_sip_uri_to_string (u);
    }
  else
    target = imps_sip_uri_to_string (dialog->remote_target);

  g_autoptr (ImpsSipMessage) req = imps_sip_message_new_request (method, target);
  imps_sip_message_push_via (req, via);
  imps_sip_message_set_max_forwards (req, 70);
  for (guint i = strict ? 1 : 0; i < dialog->route_set->len; i++)
    imps_sip_message_add_name_addr (req, "Route", dialog->route_set->pdata[i]);
  if (strict)
    {
      g_autoptr (ImpsSipUri) t = imps_sip_uri_copy (dialog->remote_target);
      g_autoptr (ImpsSipNameAddr) last = imps_sip_name_addr_new (NULL, g_steal_pointer (&t));
      imps_sip_message_add_name_addr (req, "Route", last);
    }
  imps_sip_message_set_from (req, dialog->local);
  imps_sip_message_set_to (req, dialog->remote);
  imps_sip_message_set_call_id (req, dialog->call_id);
  dialog->local_cseq++;
  imps_sip_message_set_cseq (req, dialog->local_cseq, method);
  return g_steal_pointer (&req);
}

gboolean
imps_sip_dialog_matches (const ImpsSipDialog *dialog, const ImpsSipMessage *msg)
{
  gchar from_tag[128], to_tag[128];

  g_return_val_if_fail (dialog != NULL && msg != NULL, FALSE);
  if (g_strcmp0 (imps_sip_message_get_call_id (msg), dialog->call_id) != 0
      || !imps_sip_message_get_from_tag (msg, from_tag, sizeof from_tag)
      || !imps_sip_message_get_to_tag (msg, to_tag, sizeof to_tag))
    return FALSE;

  const gchar *local = imps_sip_name_addr_get_tag (dialog->local);
  const gchar *remote = imps_sip_name_addr_get_tag (dialog->remote);
  if (imps_sip_message_is_request (msg))
    return g_strcmp0 (from_tag, remote) == 0 && g_strcmp0 (to_tag, local) == 0;
  return g_strcmp0 (from_tag, local) == 0 && g_strcmp0 (to_tag, remote) == 0;
}
