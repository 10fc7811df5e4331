/* Fuzz target: Diameter messages (src/core/diameter).
 *
 * Asks the framing function, parses the message, walks and renders every
 * AVP (descending any AVP's data as a group on demand as well), runs the
 * typed parser that matches the command, and when a message parses:
 * - rebuilds it AVP by AVP and requires the same bytes;
 * - rebuilds typed requests from their structs and requires them to parse
 *   back to the same key fields.
 */
#include "diameter/imps-diameter.h"
#include "diameter/imps-diameter-base.h"
#include "diameter/imps-diameter-dict.h"
#include "diameter/imps-diameter-gba.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort (); } while (0)

static void
walk_group_on_demand (const ImpsDiameterAvp *avp)
{
  ImpsDiameterAvpIter iter;
  ImpsDiameterAvp child;
  GError *error = NULL;
  guint n = 0;

  imps_diameter_avp_iter_init (&iter, avp->data, avp->len,
                               avp->offset + ((avp->flags & IMPS_DIAMETER_AVP_FLAG_V) ? 12u : 8u));
  while (imps_diameter_avp_iter_next (&iter, &child, &error) && n++ < 64)
    {
      CHECK (child.data >= avp->data && child.data + child.len <= avp->data + avp->len);
      g_free (imps_diameter_avp_render (&child, IMPS_DIAMETER_RENDER_SECRETS));
    }
  g_clear_error (&error);
}

static GBytes *
rebuild (const ImpsDiameterMessage *msg)
{
  ImpsDiameterBuilder *b = imps_diameter_builder_new (msg->flags, msg->command,
                                                      msg->application_id, msg->hop_by_hop,
                                                      msg->end_to_end);
  for (guint i = 0; i < msg->avps->len;)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      imps_diameter_builder_add_avp (b, a);
      i = a->next;
    }
  return imps_diameter_builder_finish (b);
}

static ImpsDiameterMessage *
reparse (GBytes *bytes)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);

  /* A typed rebuild may add defaults (SIP-Authentication-Scheme) and so
   * outgrow a message that was at the limit. */
  if (len > IMPS_DIAMETER_MAX_MESSAGE)
    return NULL;
  /* Otherwise what we built from a parsed message must parse. */
  ImpsDiameterMessage *msg = imps_diameter_message_parse (d, len, NULL);
  CHECK (msg != NULL);
  return msg;
}

static void
typed (const ImpsDiameterMessage *msg)
{
  gboolean request = imps_diameter_message_is_request (msg);

  switch (msg->command)
    {
    case IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH:
      if (request)
        {
          g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_parse (msg, NULL);
          if (mar != NULL)
            {
              g_autoptr (GBytes) b = imps_diameter_mar_build (mar);
              g_autoptr (ImpsDiameterMessage) m2 = reparse (b);
              if (m2 == NULL)
                return;
              g_autoptr (ImpsDiameterMar) mar2 = imps_diameter_mar_parse (m2, NULL);
              CHECK (mar2 != NULL);
              CHECK (g_strcmp0 (mar->session_id, mar2->session_id) == 0);
              CHECK (g_strcmp0 (mar->impi, mar2->impi) == 0);
              CHECK (mar->has_resync == mar2->has_resync);
              CHECK (memcmp (mar->resync, mar2->resync, sizeof mar->resync) == 0);
            }
        }
      else
        {
          g_autoptr (ImpsDiameterMaa) maa = imps_diameter_maa_parse (msg, NULL);
          if (maa != NULL && (maa->result_code != 0 || maa->experimental_result != 0))
            {
              g_autoptr (GBytes) b = imps_diameter_maa_build (maa);
              g_autoptr (ImpsDiameterMessage) m2 = reparse (b);
              if (m2 == NULL)
                return;
              g_autoptr (ImpsDiameterMaa) maa2 = imps_diameter_maa_parse (m2, NULL);
              CHECK (maa2 != NULL);
              CHECK (maa->has_av == maa2->has_av);
              CHECK (maa->xres_len == maa2->xres_len);
              CHECK (memcmp (maa->ck, maa2->ck, sizeof maa->ck) == 0);
              CHECK (maa->guss_len == maa2->guss_len);
            }
        }
      break;
    case IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO:
      if (request)
        {
          g_autoptr (ImpsDiameterBir) bir = imps_diameter_bir_parse (msg, NULL);
          if (bir != NULL)
            {
              g_autoptr (GBytes) b = imps_diameter_bir_build (bir);
              g_autoptr (ImpsDiameterMessage) m2 = reparse (b);
              if (m2 == NULL)
                return;
              g_autoptr (ImpsDiameterBir) bir2 = imps_diameter_bir_parse (m2, NULL);
              CHECK (bir2 != NULL);
              CHECK (g_strcmp0 (bir->btid, bir2->btid) == 0);
              CHECK (bir->naf_id_len == bir2->naf_id_len);
              CHECK (memcmp (bir->naf_id, bir2->naf_id, bir->naf_id_len) == 0);
              CHECK (bir->gba_u_awareness == bir2->gba_u_awareness);
            }
        }
      else
        {
          g_autoptr (ImpsDiameterBia) bia = imps_diameter_bia_parse (msg, NULL);
          if (bia != NULL && (bia->result_code != 0 || bia->experimental_result != 0))
            {
              g_autoptr (GBytes) b = imps_diameter_bia_build (bia);
              g_autoptr (ImpsDiameterMessage) m2 = reparse (b);
              if (m2 == NULL)
                return;
              g_autoptr (ImpsDiameterBia) bia2 = imps_diameter_bia_parse (m2, NULL);
              CHECK (bia2 != NULL);
              CHECK (bia->has_me_key == bia2->has_me_key);
              CHECK (memcmp (bia->me_key, bia2->me_key, sizeof bia->me_key) == 0);
              CHECK (bia->key_expiry == bia2->key_expiry);
            }
        }
      break;
    case IMPS_DIAMETER_CMD_CAPABILITIES_EXCHANGE:
      {
        g_autoptr (ImpsDiameterCapabilities) caps = imps_diameter_capabilities_parse (msg, NULL);
        if (caps != NULL && request)
          {
            g_autoptr (GBytes) b = imps_diameter_cer_build (caps);
            g_autoptr (ImpsDiameterMessage) m2 = reparse (b);
            if (m2 == NULL)
              return;
            g_autoptr (ImpsDiameterCapabilities) caps2 = imps_diameter_capabilities_parse (m2, NULL);
            CHECK (caps2 != NULL);
            CHECK (caps->n_addresses == caps2->n_addresses);
            CHECK (caps->n_auth_apps == caps2->n_auth_apps);
            CHECK (caps->n_vendor_apps == caps2->n_vendor_apps);
          }
      }
      break;
    case IMPS_DIAMETER_CMD_DEVICE_WATCHDOG:
    case IMPS_DIAMETER_CMD_DISCONNECT_PEER:
      {
        g_autoptr (ImpsDiameterPeerControl) ctl = imps_diameter_peer_control_parse (msg, NULL);
        if (ctl != NULL && request)
          {
            g_autoptr (GBytes) b = msg->command == IMPS_DIAMETER_CMD_DEVICE_WATCHDOG
              ? imps_diameter_dwr_build (ctl) : imps_diameter_dpr_build (ctl);
            g_autoptr (ImpsDiameterMessage) m2 = reparse (b);
            if (m2 == NULL)
              return;
            g_autoptr (ImpsDiameterPeerControl) ctl2 = imps_diameter_peer_control_parse (m2, NULL);
            CHECK (ctl2 != NULL);
            CHECK (g_strcmp0 (ctl->origin_host, ctl2->origin_host) == 0);
          }
      }
      break;
    default:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  gssize framed = imps_diameter_frame_length (data, size, &error);

  g_clear_error (&error);
  ImpsDiameterMessage *msg = imps_diameter_message_parse (data, size, &error);
  if (msg == NULL)
    {
      CHECK (error != NULL);
      (void) imps_diameter_error_result_code (error);
      g_clear_error (&error);
      return 0;
    }
  CHECK (framed == (gssize) size);
  CHECK (msg->avps->len <= IMPS_DIAMETER_MAX_AVPS);

  for (guint i = 0; i < msg->avps->len; i++)
    {
      const ImpsDiameterAvp *a = imps_diameter_message_avp (msg, i);
      CHECK (a->next > i && a->next <= msg->avps->len);
      CHECK (a->depth < IMPS_DIAMETER_MAX_DEPTH);
      CHECK (a->data >= msg->raw && a->data + a->len <= msg->raw + msg->raw_len);
      g_free (imps_diameter_avp_render (a, IMPS_DIAMETER_RENDER_DEFAULT));
      (void) imps_diameter_dict_lookup (a->vendor_id, a->code);
      if (a->len >= 8)
        walk_group_on_demand (a);
    }
  (void) imps_diameter_command_name (msg->command, imps_diameter_message_is_request (msg), TRUE);

  /* Rebuilt AVP by AVP, the bytes are the same. */
  GBytes *again = rebuild (msg);
  CHECK (g_bytes_get_size (again) == size);
  CHECK (memcmp (g_bytes_get_data (again, NULL), data, size) == 0);
  g_bytes_unref (again);

  typed (msg);
  imps_diameter_message_free (msg);
  return 0;
}
