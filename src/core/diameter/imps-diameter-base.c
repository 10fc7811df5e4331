/* Diameter base protocol messages (RFC 6733 §5.3 CER/CEA, §5.4 DPR/DPA,
 * §5.5 DWR/DWA). */
#include "imps-diameter-base.h"
#include "imps-diameter-private.h"

#include <string.h>

#define M IMPS_DIAMETER_AVP_FLAG_M

static guint8
answer_flags (const ImpsDiameterMessage *request, guint32 result_code)
{
  /* Protocol errors (3xxx) are answered with the E bit (RFC 6733 §7.1.3). */
  return imps_diameter_answer_flags (request->flags, result_code);
}

/* ---- CER / CEA ---- */

ImpsDiameterCapabilities *
imps_diameter_capabilities_new (void)
{
  return g_new0 (ImpsDiameterCapabilities, 1);
}

void
imps_diameter_capabilities_free (ImpsDiameterCapabilities *caps)
{
  if (caps == NULL)
    return;
  g_free (caps->origin_host);
  g_free (caps->origin_realm);
  g_free (caps->product_name);
  g_free (caps->error_message);
  g_free (caps);
}

gboolean
imps_diameter_capabilities_supports (const ImpsDiameterCapabilities *caps,
                                     guint32 application_id)
{
  g_return_val_if_fail (caps != NULL, FALSE);

  for (guint i = 0; i < caps->n_auth_apps; i++)
    if (caps->auth_apps[i] == application_id || caps->auth_apps[i] == IMPS_DIAMETER_APP_RELAY)
      return TRUE;
  for (guint i = 0; i < caps->n_vendor_apps; i++)
    if (caps->vendor_apps[i].auth_application_id == application_id)
      return TRUE;
  return FALSE;
}

static void
add_capabilities (ImpsDiameterBuilder *b, const ImpsDiameterCapabilities *caps,
                  gboolean answer)
{
  if (answer)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, M, 0, caps->result_code);
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, M, 0, caps->origin_host);
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, M, 0, caps->origin_realm);
  for (guint i = 0; i < caps->n_addresses; i++)
    imps_diameter_builder_add_address (b, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS, M, 0,
                                       caps->addresses[i].family, caps->addresses[i].addr,
                                       caps->addresses[i].family == IMPS_DIAMETER_ADDRESS_IPV4 ? 4 : 16);
  imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_VENDOR_ID, M, 0, caps->vendor_id);
  imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_PRODUCT_NAME, 0, 0, caps->product_name);
  if (caps->has_origin_state_id)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_ORIGIN_STATE_ID, M, 0,
                                   caps->origin_state_id);
  if (answer && caps->error_message != NULL)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ERROR_MESSAGE, 0, 0, caps->error_message);
  for (guint i = 0; i < caps->n_supported_vendors; i++)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_SUPPORTED_VENDOR_ID, M, 0,
                                   caps->supported_vendors[i]);
  for (guint i = 0; i < caps->n_auth_apps; i++)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID, M, 0,
                                   caps->auth_apps[i]);
  for (guint i = 0; i < caps->n_vendor_apps; i++)
    {
      imps_diameter_builder_begin_group (b, IMPS_DIAMETER_AVP_VENDOR_SPECIFIC_APPLICATION_ID, M, 0);
      imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_VENDOR_ID, M, 0,
                                     caps->vendor_apps[i].vendor_id);
      imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID, M, 0,
                                     caps->vendor_apps[i].auth_application_id);
      imps_diameter_builder_end_group (b);
    }
  if (caps->has_firmware_revision)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_FIRMWARE_REVISION, 0, 0,
                                   caps->firmware_revision);
}

static gboolean
capabilities_valid (const ImpsDiameterCapabilities *caps)
{
  if (caps->origin_host == NULL || caps->origin_realm == NULL || caps->product_name == NULL
      || caps->n_addresses == 0 || caps->n_addresses > IMPS_DIAMETER_MAX_HOST_ADDRESSES
      || caps->n_supported_vendors > IMPS_DIAMETER_MAX_LISTED_APPS
      || caps->n_auth_apps > IMPS_DIAMETER_MAX_LISTED_APPS
      || caps->n_vendor_apps > IMPS_DIAMETER_MAX_LISTED_APPS)
    return FALSE;
  for (guint i = 0; i < caps->n_addresses; i++)
    if (caps->addresses[i].family != IMPS_DIAMETER_ADDRESS_IPV4
        && caps->addresses[i].family != IMPS_DIAMETER_ADDRESS_IPV6)
      return FALSE;
  return TRUE;
}

GBytes *
imps_diameter_cer_build (const ImpsDiameterCapabilities *caps)
{
  g_return_val_if_fail (caps != NULL && capabilities_valid (caps), NULL);

  ImpsDiameterBuilder *b =
    imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE,
                               IMPS_DIAMETER_APP_COMMON, caps->hop_by_hop, caps->end_to_end);
  add_capabilities (b, caps, FALSE);
  return imps_diameter_builder_finish (b);
}

GBytes *
imps_diameter_cea_build (const ImpsDiameterMessage *cer, const ImpsDiameterCapabilities *caps)
{
  g_return_val_if_fail (cer != NULL && caps != NULL && capabilities_valid (caps), NULL);
  g_return_val_if_fail (caps->result_code != 0, NULL);

  ImpsDiameterBuilder *b = imps_diameter_builder_new_answer (cer);
  imps_diameter_builder_set_flags (b, answer_flags (cer, caps->result_code));
  add_capabilities (b, caps, TRUE);
  return imps_diameter_builder_finish (b);
}

static gboolean
list_full (guint n, const ImpsDiameterAvp *a, GError **error)
{
  if (n < IMPS_DIAMETER_MAX_LISTED_APPS)
    return FALSE;
  g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_MANY_AVPS,
               "capabilities: AVP %u at offset %u: more than %u of this kind",
               a->code, a->offset, (guint) IMPS_DIAMETER_MAX_LISTED_APPS);
  return TRUE;
}

ImpsDiameterCapabilities *
imps_diameter_capabilities_parse (const ImpsDiameterMessage *msg, GError **error)
{
  g_return_val_if_fail (msg != NULL, NULL);

  gboolean request = imps_diameter_message_is_request (msg);
  const gchar *what = request ? "CER" : "CEA";
  if (!imps_diameter_expect (msg, IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE,
                             IMPS_DIAMETER_APP_COMMON, request, what, error))
    return NULL;

  g_autoptr (ImpsDiameterCapabilities) caps = imps_diameter_capabilities_new ();
  caps->hop_by_hop = msg->hop_by_hop;
  caps->end_to_end = msg->end_to_end;
  if (!request
      && !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_RESULT_CODE, TRUE, what,
                                  NULL, &caps->result_code, error))
    return NULL;
  if (!imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_HOST, TRUE, what,
                                &caps->origin_host, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_REALM, TRUE, what,
                                   &caps->origin_realm, error)
      || !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_VENDOR_ID, TRUE, what,
                                  NULL, &caps->vendor_id, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_PRODUCT_NAME, TRUE, what,
                                   &caps->product_name, error)
      || !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_STATE_ID, FALSE, what,
                                  &caps->has_origin_state_id, &caps->origin_state_id, error)
      || !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_FIRMWARE_REVISION, FALSE, what,
                                  &caps->has_firmware_revision, &caps->firmware_revision,
                                  error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ERROR_MESSAGE, FALSE, what,
                                   &caps->error_message, error))
    return NULL;

  for (guint i = 0; i < msg->avps->len;)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      guint index = i;
      i = a->next;
      if (a->vendor_id != 0)
        continue;
      switch (a->code)
        {
        case IMPS_DIAMETER_AVP_HOST_IP_ADDRESS:
          if (caps->n_addresses >= IMPS_DIAMETER_MAX_HOST_ADDRESSES)
            {
              g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_TOO_MANY_AVPS,
                           "%s: Host-IP-Address at offset %u: more than %u addresses",
                           what, a->offset, (guint) IMPS_DIAMETER_MAX_HOST_ADDRESSES);
              return NULL;
            }
          {
            ImpsDiameterAddress *addr = &caps->addresses[caps->n_addresses];
            if (!imps_diameter_avp_get_address (a, &addr->family, addr->addr, error))
              return NULL;
            caps->n_addresses++;
          }
          break;
        case IMPS_DIAMETER_AVP_SUPPORTED_VENDOR_ID:
          if (list_full (caps->n_supported_vendors, a, error)
              || !imps_diameter_avp_get_u32 (a, &caps->supported_vendors[caps->n_supported_vendors], error))
            return NULL;
          caps->n_supported_vendors++;
          break;
        case IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID:
          if (list_full (caps->n_auth_apps, a, error)
              || !imps_diameter_avp_get_u32 (a, &caps->auth_apps[caps->n_auth_apps], error))
            return NULL;
          caps->n_auth_apps++;
          break;
        case IMPS_DIAMETER_AVP_VENDOR_SPECIFIC_APPLICATION_ID:
          {
            ImpsDiameterVendorApp va = { 0, 0 };
            gboolean has_auth = FALSE;
            if (!imps_diameter_read_u32 (msg, (gint) index, 0, IMPS_DIAMETER_AVP_VENDOR_ID, TRUE,
                                         what, NULL, &va.vendor_id, error)
                || !imps_diameter_read_u32 (msg, (gint) index, 0,
                                            IMPS_DIAMETER_AVP_AUTH_APPLICATION_ID, FALSE,
                                            what, &has_auth, &va.auth_application_id, error))
              return NULL;
            if (!has_auth)
              break; /* an accounting application: not ours */
            if (list_full (caps->n_vendor_apps, a, error))
              return NULL;
            caps->vendor_apps[caps->n_vendor_apps++] = va;
          }
          break;
        default:
          break;
        }
    }
  if (caps->n_addresses == 0)
    {
      g_set_error (error, IMPS_DIAMETER_ERROR, IMPS_DIAMETER_ERROR_MISSING_AVP,
                   "%s: Host-IP-Address (257) missing", what);
      imps_diameter_error_set_missing (error, 0, IMPS_DIAMETER_AVP_HOST_IP_ADDRESS);
      return NULL;
    }
  return g_steal_pointer (&caps);
}

/* ---- DWR / DWA, DPR / DPA ---- */

ImpsDiameterPeerControl *
imps_diameter_peer_control_new (void)
{
  return g_new0 (ImpsDiameterPeerControl, 1);
}

void
imps_diameter_peer_control_free (ImpsDiameterPeerControl *ctl)
{
  if (ctl == NULL)
    return;
  g_free (ctl->origin_host);
  g_free (ctl->origin_realm);
  g_free (ctl->error_message);
  g_free (ctl);
}

static GBytes *
peer_control_build (ImpsDiameterBuilder *b, const ImpsDiameterPeerControl *ctl,
                    gboolean answer, gboolean disconnect)
{
  if (answer)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, M, 0, ctl->result_code);
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, M, 0, ctl->origin_host);
  imps_diameter_builder_add_identity (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, M, 0, ctl->origin_realm);
  if (disconnect && !answer)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_DISCONNECT_CAUSE, M, 0,
                                   ctl->disconnect_cause);
  if (answer && ctl->error_message != NULL)
    imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ERROR_MESSAGE, 0, 0, ctl->error_message);
  if (!disconnect && ctl->has_origin_state_id)
    imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_ORIGIN_STATE_ID, M, 0,
                                   ctl->origin_state_id);
  return imps_diameter_builder_finish (b);
}

static GBytes *
peer_request (const ImpsDiameterPeerControl *ctl, guint32 command)
{
  g_return_val_if_fail (ctl != NULL && ctl->origin_host != NULL && ctl->origin_realm != NULL,
                        NULL);
  ImpsDiameterBuilder *b = imps_diameter_builder_new (IMPS_DIAMETER_FLAG_R, command,
                                                      IMPS_DIAMETER_APP_COMMON,
                                                      ctl->hop_by_hop, ctl->end_to_end);
  return peer_control_build (b, ctl, FALSE, command == IMPS_DIAMETER_CMD_DISCONNECT_PEER);
}

static GBytes *
peer_answer (const ImpsDiameterMessage *request, const ImpsDiameterPeerControl *ctl,
             guint32 command)
{
  g_return_val_if_fail (request != NULL && request->command == command, NULL);
  g_return_val_if_fail (ctl != NULL && ctl->origin_host != NULL && ctl->origin_realm != NULL,
                        NULL);
  g_return_val_if_fail (ctl->result_code != 0, NULL);
  ImpsDiameterBuilder *b = imps_diameter_builder_new_answer (request);
  imps_diameter_builder_set_flags (b, answer_flags (request, ctl->result_code));
  return peer_control_build (b, ctl, TRUE, command == IMPS_DIAMETER_CMD_DISCONNECT_PEER);
}

GBytes *
imps_diameter_dwr_build (const ImpsDiameterPeerControl *ctl)
{
  return peer_request (ctl, IMPS_DIAMETER_CMD_DEVICE_WATCHDOG);
}

GBytes *
imps_diameter_dwa_build (const ImpsDiameterMessage *dwr, const ImpsDiameterPeerControl *ctl)
{
  return peer_answer (dwr, ctl, IMPS_DIAMETER_CMD_DEVICE_WATCHDOG);
}

GBytes *
imps_diameter_dpr_build (const ImpsDiameterPeerControl *ctl)
{
  return peer_request (ctl, IMPS_DIAMETER_CMD_DISCONNECT_PEER);
}

GBytes *
imps_diameter_dpa_build (const ImpsDiameterMessage *dpr, const ImpsDiameterPeerControl *ctl)
{
  return peer_answer (dpr, ctl, IMPS_DIAMETER_CMD_DISCONNECT_PEER);
}

ImpsDiameterPeerControl *
imps_diameter_peer_control_parse (const ImpsDiameterMessage *msg, GError **error)
{
  g_return_val_if_fail (msg != NULL, NULL);

  gboolean request = imps_diameter_message_is_request (msg);
  gboolean disconnect = msg->command == IMPS_DIAMETER_CMD_DISCONNECT_PEER;
  const gchar *what = disconnect ? (request ? "DPR" : "DPA") : (request ? "DWR" : "DWA");

  if (!disconnect
      && !imps_diameter_expect (msg, IMPS_DIAMETER_CMD_DEVICE_WATCHDOG,
                                IMPS_DIAMETER_APP_COMMON, request, what, error))
    return NULL;
  if (disconnect
      && !imps_diameter_expect (msg, IMPS_DIAMETER_CMD_DISCONNECT_PEER,
                                IMPS_DIAMETER_APP_COMMON, request, what, error))
    return NULL;

  g_autoptr (ImpsDiameterPeerControl) ctl = imps_diameter_peer_control_new ();
  ctl->hop_by_hop = msg->hop_by_hop;
  ctl->end_to_end = msg->end_to_end;
  if (!request
      && (!imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_RESULT_CODE, TRUE, what,
                                   NULL, &ctl->result_code, error)
          || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ERROR_MESSAGE, FALSE,
                                       what, &ctl->error_message, error)))
    return NULL;
  if (!imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_HOST, TRUE, what,
                                &ctl->origin_host, error)
      || !imps_diameter_read_utf8 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_REALM, TRUE, what,
                                   &ctl->origin_realm, error))
    return NULL;
  if (disconnect && request
      && !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_DISCONNECT_CAUSE, TRUE, what,
                                  NULL, &ctl->disconnect_cause, error))
    return NULL;
  if (!disconnect
      && !imps_diameter_read_u32 (msg, -1, 0, IMPS_DIAMETER_AVP_ORIGIN_STATE_ID, FALSE, what,
                                  &ctl->has_origin_state_id, &ctl->origin_state_id, error))
    return NULL;
  return g_steal_pointer (&ctl);
}
