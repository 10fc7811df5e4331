/* The P-CSCF: first hop of its UEs on Gm. A stateless proxy (RFC 3261
 * §16.11) with a little state of its own: the UEs registered through it
 * (learned from the 200 OK of their REGISTER, which it passes with a Path
 * naming itself, RFC 3327), the identity it asserts for each
 * (P-Asserted-Identity, RFC 3325), and the IMS-ALG/IMS-AGW state of e2ae
 * calls (imps-pcscf-alg.c). */
#include "imps-pcscf-private.h"

#include <string.h>

static void
ue_reg_free (gpointer p)
{
  UeReg *r = p;
  g_free (r->impu);
  g_free (r);
}

void
pcscf_note (ImpsPcscf *self, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *detail = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  imps_network_log (self->net, kind, IMPS_REF_NONE, IMPS_PROTO_SIP, self->name, NULL, NULL,
                    NULL, detail, "%s", summary);
}

static gboolean
is_core (ImpsPcscf *self, const gchar *addr)
{
  return strcmp (addr, self->scscf.addr) == 0;
}

static void
send_msg (ImpsPcscf *self, const ImsHop *hop, const ImpsSipMessage *msg)
{
  ims_send (self->bus, is_core (self, hop->addr) ? IMPS_REF_MW : IMPS_REF_GM, self->address,
            self->port, hop, msg);
}

static void
respond (ImpsPcscf *self, const ImpsSipMessage *request, guint status)
{
  g_autofree gchar *tag = imps_sip_tag_new (self->rnd);
  g_autoptr (ImpsSipMessage) resp = imps_sip_message_new_response_for (request, status, NULL,
                                                                        tag, NULL);
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (request, 0, NULL);
  ImsHop hop;
  if (resp != NULL && via != NULL && ims_hop_from_via (via, &hop))
    send_msg (self, &hop, resp);
}

/* The registration of the UE at @addr, when it is current. */
static UeReg *
ue_lookup (ImpsPcscf *self, const gchar *addr)
{
  UeReg *r = g_hash_table_lookup (self->ues, addr);
  if (r == NULL || r->impu == NULL || r->expires_us <= imps_clock_now_us (self->clock))
    return NULL;
  return r;
}

UeReg *
pcscf_ue_lookup (ImpsPcscf *self, const gchar *addr)
{
  return ue_lookup (self, addr);
}

/* RFC 3325 §6: the P-CSCF removes what the UE claims and asserts the
 * identity the UE registered. */
static void
assert_identity (ImpsPcscf *self, ImpsSipMessage *req, const UeReg *reg)
{
  imps_sip_message_remove_header (req, "P-Asserted-Identity");
  imps_sip_message_remove_header (req, "P-Preferred-Identity");
  g_autofree gchar *value = g_strdup_printf ("<%s>", reg->impu);
  imps_sip_message_append_header (req, "P-Asserted-Identity", value);
}

static gboolean
forward_request (ImpsPcscf *self, ImpsSipMessage *req, const ImsHop *hop, gboolean is_ack)
{
  g_autoptr (GError) error = NULL;
  if (!imps_sip_message_decrement_max_forwards (req, &error))
    {
      if (!is_ack)
        respond (self, req, 483);
      return FALSE;
    }
  g_autofree gchar *branch = ims_derive_branch (req, self->address, self->port);
  ims_push_via (req, self->address, self->port, branch);
  send_msg (self, hop, req);
  return TRUE;
}

static void
handle_request (ImpsPcscf *self, const gchar *from, ImpsSipMessage *req)
{
  const gchar *method = imps_sip_message_get_method (req);
  const gchar *call_id = imps_sip_message_get_call_id (req);
  gboolean is_ack = strcmp (method, "ACK") == 0;
  gboolean from_core = is_core (self, from);
  gboolean initial = !ims_in_dialog (req) && !is_ack && strcmp (method, "CANCEL") != 0;
  ImsHop hop;

  if (strcmp (method, "REGISTER") != 0)
    {
      ImpsImsExposure *exp = ims_exposure_get (self->exposure, call_id);
      g_autoptr (ImpsSdp) sdp = ims_body_sdp (req, NULL);
      if (sdp != NULL)
        ims_exposure_note_sdp (exp, sdp);
    }

  if (!from_core && strcmp (method, "REGISTER") == 0)
    {
      /* Gm REGISTER: remember whether the UE offers e2ae media security
       * (Security-Client with "mediasec", mikey-ticket.md §14.4, A-28), add
       * Path and pass it to the S-CSCF. */
      UeReg *r = g_hash_table_lookup (self->ues, from);
      if (r == NULL)
        {
          r = g_new0 (UeReg, 1);
          g_strlcpy (r->addr, from, sizeof r->addr);
          g_hash_table_insert (self->ues, r->addr, r);
        }
      const gchar *sc = imps_sip_message_get_header_value (req, "Security-Client");
      r->mediasec = sc != NULL && strstr (sc, "mediasec") != NULL;
      ims_pop_own_route (req, self->address, self->port);
      g_autofree gchar *path = g_strdup_printf ("<sip:%s:%u;lr>", self->address, self->port);
      g_autoptr (ImpsSipNameAddr) na = imps_sip_name_addr_parse (path, -1, FALSE, NULL);
      imps_sip_message_prepend_name_addr (req, "Path", na);
      forward_request (self, req, &self->scscf, FALSE);
      return;
    }

  ims_pop_own_route (req, self->address, self->port);
  gboolean routed = imps_sip_message_get_header_value (req, "Route") != NULL;
  if (strcmp (method, "BYE") == 0)
    {
      gchar ftag[256], ttag[256];
      gboolean hf = imps_sip_message_get_from_tag (req, ftag, sizeof ftag);
      gboolean ht = imps_sip_message_get_to_tag (req, ttag, sizeof ttag);
      pcscf_alg_end_dialog (self, call_id, hf ? ftag : NULL, ht ? ttag : NULL);
    }
  if (!from_core && strcmp (method, "CANCEL") == 0)
    pcscf_alg_end (self, call_id, ALG_END_ORIG, NULL);

  if (!from_core)
    {
      /* Originating: the UE must be registered through this P-CSCF. */
      if (initial)
        {
          UeReg *reg = ue_lookup (self, from);
          if (reg == NULL)
            {
              pcscf_note (self, IMPS_EVENT_REFUSAL, "403", "%s from %s: UE not registered",
                          method, from);
              respond (self, req, 403);
              return;
            }
          assert_identity (self, req, reg);
          /* The UE's own Route set is not followed: initial requests go to
           * the S-CSCF (as the Service-Route of TS 24.229 would make them). */
          imps_sip_message_remove_header (req, "Route");
          routed = FALSE;
          if (strcmp (method, "INVITE") == 0)
            {
              ims_record_route (req, self->address, self->port);
              if (!pcscf_alg_request (self, req, TRUE))
                return;
            }
        }
      else if (strcmp (method, "INVITE") == 0 && !pcscf_alg_request (self, req, TRUE))
        return; /* a re-INVITE: a new e2ae offer gets new AGW legs */
      if (routed)
        {
          if (!ims_next_hop (req, &hop))
            {
              if (!is_ack)
                respond (self, req, 404);
              return;
            }
        }
      else
        hop = self->scscf;
      forward_request (self, req, &hop, is_ack);
      return;
    }

  /* Terminating: toward the UE named by the Route left or the Request-URI. */
  if (initial && strcmp (method, "INVITE") == 0)
    {
      ims_record_route (req, self->address, self->port);
      if (!pcscf_alg_request (self, req, FALSE))
        return;
    }
  else if (strcmp (method, "INVITE") == 0)
    {
      /* A re-INVITE toward the UE: its new offer replaces the old legs. */
      pcscf_alg_end (self, call_id, ALG_END_TERM, NULL);
      if (!pcscf_alg_request (self, req, FALSE))
        return;
    }
  if (strcmp (method, "CANCEL") == 0)
    {
      g_autofree gchar *branch = ims_derive_branch (req, self->address, self->port);
      pcscf_alg_end (self, call_id, ALG_END_TERM, branch);
    }
  if (!ims_next_hop (req, &hop))
    {
      pcscf_note (self, IMPS_EVENT_REFUSAL, "not forwarded", "%s %s: no IPv4 next hop", method,
                  imps_sip_message_get_request_uri (req));
      if (!is_ack)
        respond (self, req, 404);
      return;
    }
  forward_request (self, req, &hop, is_ack);
}

/* A 200 OK to a REGISTER on its way to the UE: the registered IMPU and how
 * long the UE's own contacts stay. */
static void
learn_registration (ImpsPcscf *self, const ImpsSipMessage *resp, const ImsHop *ue)
{
  UeReg *r = g_hash_table_lookup (self->ues, ue->addr);
  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (resp, NULL);
  g_autofree gchar *impu = to != NULL ? ims_impu_key (to->uri) : NULL;
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (resp, NULL);
  guint32 longest = 0;

  if (r == NULL || impu == NULL || contacts == NULL)
    return;
  for (guint i = 0; i < contacts->len; i++)
    {
      ImpsSipNameAddr *c = g_ptr_array_index (contacts, i);
      guint32 e = 0;
      if (!c->star && c->uri->host != NULL && strcmp (c->uri->host, ue->addr) == 0
          && imps_sip_name_addr_get_expires (c, &e))
        longest = MAX (longest, e);
    }
  if (longest == 0)
    {
      g_clear_pointer (&r->impu, g_free);
      r->expires_us = 0;
      return;
    }
  g_free (r->impu);
  r->impu = g_steal_pointer (&impu);
  r->expires_us = imps_clock_now_us (self->clock) + (gint64) longest * G_USEC_PER_SEC;
}

static void
handle_response (ImpsPcscf *self, const gchar *from, ImpsSipMessage *resp)
{
  guint status = imps_sip_message_get_status (resp);
  g_autofree gchar *branch = NULL;
  if (!ims_top_via_is (resp, self->address, self->port, &branch))
    {
      pcscf_note (self, IMPS_EVENT_REFUSAL, "response dropped",
                  "%u: top Via is not this P-CSCF", status);
      return;
    }
  imps_sip_message_pop_via (resp);
  g_autoptr (ImpsSipVia) next = imps_sip_message_get_via (resp, 0, NULL);
  ImsHop hop;
  if (next == NULL || !ims_hop_from_via (next, &hop))
    return; /* no Via left: nothing to pass on */

  if (imps_sip_message_has_method (resp, "REGISTER"))
    {
      if (status == 200 && is_core (self, from))
        learn_registration (self, resp, &hop);
      send_msg (self, &hop, resp);
      return;
    }

  const gchar *call_id = imps_sip_message_get_call_id (resp);
  ImpsImsExposure *exp = ims_exposure_get (self->exposure, call_id);
  g_autoptr (ImpsSdp) sdp = ims_body_sdp (resp, NULL);
  if (sdp != NULL)
    ims_exposure_note_sdp (exp, sdp);
  if (imps_sip_message_has_method (resp, "INVITE"))
    {
      /* A response from the core goes to the calling UE (originating leg);
       * one from a UE comes from the called UE (terminating leg). */
      if (!pcscf_alg_response (self, resp, is_core (self, from), branch))
        return;
      if (status >= 300)
        pcscf_alg_end (self, call_id, is_core (self, from) ? ALG_END_ORIG : ALG_END_TERM,
                       branch);
    }
  send_msg (self, &hop, resp);
}

static void
on_receive (const gchar *from, guint16 from_port, const guint8 *data, gsize len,
            gpointer user_data)
{
  ImpsPcscf *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse (data, len, &error);
  if (msg == NULL)
    {
      pcscf_note (self, IMPS_EVENT_REFUSAL, "SIP dropped", "from %s:%u: %s", from, from_port,
                  error->message);
      return;
    }
  if (imps_sip_message_is_request (msg))
    handle_request (self, from, msg);
  else
    handle_response (self, from, msg);
}

ImpsPcscf *
imps_pcscf_new (ImpsNetwork *net, ImpsSipBus *bus, const ImpsPcscfConfig *config,
                GError **error)
{
  g_return_val_if_fail (net != NULL && bus != NULL && config != NULL, NULL);
  g_return_val_if_fail (config->domain != NULL, NULL);
  const gchar *bad = !ims_is_ipv4 (config->address) ? config->address
                     : !ims_is_ipv4 (config->agw_address) ? config->agw_address
                     : !ims_is_ipv4 (config->scscf_address) ? config->scscf_address : NULL;
  if (bad != NULL || config->address == NULL || config->agw_address == NULL
      || config->scscf_address == NULL)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                   "P-CSCF configuration: address \"%s\" is not a dotted IPv4 address",
                   bad != NULL ? bad : "(none)");
      return NULL;
    }
  guint max_legs = config->agw_max_legs != 0 ? config->agw_max_legs : 64;
  guint first = config->agw_first_port != 0 ? config->agw_first_port : 20000;
  if ((first & 1) != 0 || first + 4u * max_legs > 65536)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_CONFIG,
                   "IMS-AGW ports: first port %u (must be even) and %u legs of 4 ports do not fit",
                   first, max_legs);
      return NULL;
    }
  ImpsPcscf *self = g_new0 (ImpsPcscf, 1);
  self->net = net;
  self->bus = bus;
  self->clock = imps_network_get_clock (net);
  self->domain = g_ascii_strdown (config->domain, -1);
  self->name = g_strdup_printf ("pcscf.%s", self->domain);
  self->agw_name = g_strdup_printf ("agw.%s", self->domain);
  self->rnd = imps_network_new_random (net, self->name);
  g_strlcpy (self->address, config->address, sizeof self->address);
  self->port = config->port != 0 ? config->port : IMPS_IMS_SIP_PORT;
  g_strlcpy (self->agw_address, config->agw_address, sizeof self->agw_address);
  g_strlcpy (self->scscf.addr, config->scscf_address, sizeof self->scscf.addr);
  self->scscf.port = config->scscf_port != 0 ? config->scscf_port : IMPS_IMS_SIP_PORT;
  self->agw_first_port = (guint16) first;
  self->agw_max_legs = max_legs;
  self->ues = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, ue_reg_free);
  self->exposure = ims_exposure_table_new ();
  pcscf_alg_init (self);
  self->attach_id = imps_sip_bus_attach (bus, FALSE, self->name, self->address, self->port,
                                         on_receive, self);
  if (self->attach_id == 0)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                   "P-CSCF address %s:%u is taken on the SIP bus", self->address, self->port);
      imps_pcscf_free (self);
      return NULL;
    }
  return self;
}

void
imps_pcscf_free (ImpsPcscf *self)
{
  if (self == NULL)
    return;
  if (self->attach_id != 0)
    imps_sip_bus_detach (self->bus, self->attach_id);
  pcscf_alg_clear (self);
  g_hash_table_destroy (self->ues);
  g_hash_table_destroy (self->exposure);
  imps_random_free (self->rnd);
  g_free (self->domain);
  g_free (self->name);
  g_free (self->agw_name);
  g_free (self);
}

const gchar *
imps_pcscf_registered_impu (ImpsPcscf *self, const gchar *ue_address)
{
  g_return_val_if_fail (self != NULL && ue_address != NULL, NULL);
  UeReg *r = ue_lookup (self, ue_address);
  return r != NULL ? r->impu : NULL;
}

void
imps_pcscf_restart (ImpsPcscf *self)
{
  g_return_if_fail (self != NULL);
  g_hash_table_remove_all (self->ues);
}

gboolean
imps_pcscf_call_exposure (ImpsPcscf *self, const gchar *call_id, ImpsImsExposure *out)
{
  g_return_val_if_fail (self != NULL && call_id != NULL && out != NULL, FALSE);
  ImpsImsExposure *e = g_hash_table_lookup (self->exposure, call_id);
  memset (out, 0, sizeof *out);
  if (e == NULL)
    return FALSE;
  *out = *e;
  return TRUE;
}
