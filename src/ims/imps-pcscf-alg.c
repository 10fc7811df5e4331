/* The IMS-ALG and IMS-AGW of the P-CSCF (profile §5, e2ae SDES).
 *
 * Originating (the UE offers a=crypto with a=3ge2ae:requested on a media
 * line): the ALG answers the UE's a=crypto itself for the AGW
 * (imps_sdes_answer_new), takes the UE's a=crypto and a=3ge2ae out of the
 * offer, and points c=/m= at the AGW's core-side port with RTP/AVP; in the
 * 18x/2xx answer toward the UE it points c=/m= at the AGW's access-side
 * port with RTP/SAVP and adds its a=crypto answer and a=3ge2ae:applied.
 *
 * Terminating (the called UE offered "mediasec" at registration and the
 * offer's media line is plain RTP/AVP without keys): the ALG offers SDES
 * to the UE for the AGW (a=crypto per profile §5, a=3ge2ae:applied), and
 * takes the UE's a=crypto out of its answer toward the core.
 *
 * Any other offer (e2e SDES without a=3ge2ae:requested, a=key-mgmt) passes
 * byte for byte: its keys or MIKEY messages go end to end.
 *
 * The AGW relays each e2ae media line between an access-side port pair
 * (RTP, RTCP) and a core-side port pair: it unprotects the UE's SRTP/SRTCP
 * and sends RTP/RTCP on, and protects what comes from the core toward the
 * UE, in a fixed per-leg buffer (no allocation per packet).
 */
#include "imps-pcscf-private.h"

#include <string.h>

#include "imps-secret.h"
#include "srtp/imps-srtp.h"

typedef struct _AlgCall AlgCall;

typedef struct {
  ImpsPcscf *self;
  AlgCall *call;
  guint media_index;
  gint slot;                 /* -1 once released */
  guint16 ue_port;           /* AGW access side: RTP (RTCP = +1) */
  guint16 core_port;         /* AGW core side: RTP (RTCP = +1) */
  guint ids[4];
  ImsHop ue;                 /* the UE's RTP address; port 0: unknown */
  ImsHop ue_rtcp;            /* its RTCP: a=rtcp (RFC 3605), else RTP port + 1 */
  ImsHop core;               /* the far end's RTP address; port 0: unknown */
  ImpsSrtpSession *rx;       /* unprotects the UE's packets */
  ImpsSrtpSession *tx;       /* protects packets toward the UE */
  ImpsAgwStats stats;
  guint8 buf[IMPS_SIP_BUS_MAX_PACKET + IMPS_SRTP_MAX_RTCP_TRAILER_LEN];
} AgwLeg;

struct _AlgCall {
  gchar *call_id;
  gboolean orig;             /* the UE is the offerer */
  gchar *branch;             /* terminating: the forwarded INVITE's branch */
  GPtrArray *legs;           /* AgwLeg* per e2ae media line */
  GPtrArray *answers;        /* originating: the a=crypto answer per leg (keys) */
  ImpsSdp *ue_offer;         /* terminating: the offer sent to the UE */
  gboolean answered;         /* originating: a 2xx answer fixed the far end */
  gchar *answered_tag;       /* originating: the To tag of that 2xx (its dialog) */
  gboolean ended;
};

static void
secret_string_free (gpointer p)
{
  imps_sdp_string_free (p);
}

static void
leg_release (AgwLeg *leg)
{
  ImpsPcscf *self = leg->self;
  for (guint i = 0; i < G_N_ELEMENTS (leg->ids); i++)
    if (leg->ids[i] != 0)
      {
        imps_sip_bus_detach (self->bus, leg->ids[i]);
        leg->ids[i] = 0;
      }
  if (leg->rx != NULL)
    {
      ImpsSrtpStats st;
      imps_srtp_session_get_stats (leg->rx, &st);
      leg->stats.auth_failures = st.auth_failures;
      leg->stats.replays = st.replays;
    }
  g_clear_pointer (&leg->rx, imps_srtp_session_free);
  g_clear_pointer (&leg->tx, imps_srtp_session_free);
  if (leg->slot >= 0)
    self->slot_used[leg->slot] = 0;
  leg->slot = -1;
  imps_wipe (leg->buf, sizeof leg->buf);
}

static void
leg_free (gpointer p)
{
  AgwLeg *leg = p;
  leg_release (leg);
  g_free (leg);
}

static void
call_free (gpointer p)
{
  AlgCall *c = p;
  g_ptr_array_unref (c->legs);
  g_ptr_array_unref (c->answers);
  if (c->ue_offer != NULL)
    imps_sdp_free (c->ue_offer);
  g_free (c->call_id);
  g_free (c->branch);
  g_free (c->answered_tag);
  g_free (c);
}

void
pcscf_alg_init (ImpsPcscf *self)
{
  imps_sdes_policy_init (&self->policy);
  self->calls = g_ptr_array_new_with_free_func (call_free);
  self->slot_used = g_new0 (guint8, self->agw_max_legs);
}

void
pcscf_alg_clear (ImpsPcscf *self)
{
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  g_clear_pointer (&self->slot_used, g_free);
}

/* ---- media relay ---------------------------------------------------------- */

static void
relay_from_ue (AgwLeg *leg, gboolean rtcp, const guint8 *data, gsize len)
{
  ImpsPcscf *self = leg->self;
  gsize out_len = 0;
  gboolean ok;

  if (len > IMPS_SIP_BUS_MAX_PACKET || leg->rx == NULL)
    {
      leg->stats.dropped++;
      return;
    }
  memcpy (leg->buf, data, len);
  ok = rtcp ? imps_srtp_session_unprotect_rtcp (leg->rx, leg->buf, len, &out_len, NULL)
            : imps_srtp_session_unprotect_rtp (leg->rx, leg->buf, len, &out_len, NULL);
  if (!ok || leg->core.port == 0)
    {
      leg->stats.dropped++;
      return;
    }
  if (!imps_sip_bus_send_media (self->bus, rtcp ? IMPS_PROTO_RTCP : IMPS_PROTO_RTP,
                                self->agw_address, leg->core_port + (rtcp ? 1 : 0),
                                leg->core.addr, leg->core.port + (rtcp ? 1 : 0), leg->buf,
                                out_len))
    {
      leg->stats.dropped++;
      return;
    }
  if (rtcp)
    leg->stats.rtcp_to_core++;
  else
    leg->stats.rtp_to_core++;
}

static void
relay_to_ue (AgwLeg *leg, gboolean rtcp, const guint8 *data, gsize len)
{
  ImpsPcscf *self = leg->self;
  gsize out_len = 0;
  gboolean ok;

  if (len > IMPS_SIP_BUS_MAX_PACKET || leg->tx == NULL || leg->ue.port == 0)
    {
      leg->stats.dropped++;
      return;
    }
  memcpy (leg->buf, data, len);
  ok = rtcp ? imps_srtp_session_protect_rtcp (leg->tx, leg->buf, len, sizeof leg->buf,
                                              &out_len, NULL)
            : imps_srtp_session_protect_rtp (leg->tx, leg->buf, len, sizeof leg->buf,
                                             &out_len, NULL);
  if (!ok || out_len > IMPS_SIP_BUS_MAX_PACKET
      || !imps_sip_bus_send_media (self->bus, rtcp ? IMPS_PROTO_RTCP : IMPS_PROTO_RTP,
                                   self->agw_address, leg->ue_port + (rtcp ? 1 : 0),
                                   rtcp ? leg->ue_rtcp.addr : leg->ue.addr,
                                   rtcp ? leg->ue_rtcp.port : leg->ue.port, leg->buf,
                                   out_len))
    {
      leg->stats.dropped++;
      return;
    }
  if (rtcp)
    leg->stats.rtcp_to_ue++;
  else
    leg->stats.rtp_to_ue++;
}

static void
on_ue_rtp (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  relay_from_ue (user_data, FALSE, data, len);
}

static void
on_ue_rtcp (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  relay_from_ue (user_data, TRUE, data, len);
}

static void
on_core_rtp (const gchar *from, guint16 port, const guint8 *data, gsize len, gpointer user_data)
{
  relay_to_ue (user_data, FALSE, data, len);
}

static void
on_core_rtcp (const gchar *from, guint16 port, const guint8 *data, gsize len,
              gpointer user_data)
{
  relay_to_ue (user_data, TRUE, data, len);
}

/* A leg with its four AGW ports attached, or NULL when every slot is busy. */
static AgwLeg *
leg_new (ImpsPcscf *self, AlgCall *call, guint media_index)
{
  static const ImpsBusReceiveFunc fns[4] = { on_ue_rtp, on_ue_rtcp, on_core_rtp, on_core_rtcp };
  for (guint s = 0; s < self->agw_max_legs; s++)
    {
      if (self->slot_used[s])
        continue;
      AgwLeg *leg = g_new0 (AgwLeg, 1);
      leg->self = self;
      leg->call = call;
      leg->media_index = media_index;
      leg->slot = (gint) s;
      leg->ue_port = (guint16) (self->agw_first_port + 4 * s);
      leg->core_port = (guint16) (leg->ue_port + 2);
      self->slot_used[s] = 1;
      gboolean ok = TRUE;
      for (guint i = 0; i < 4; i++)
        {
          guint16 p = (guint16) ((i < 2 ? leg->ue_port : leg->core_port) + (i & 1));
          leg->ids[i] = imps_sip_bus_attach (self->bus, TRUE, self->agw_name, self->agw_address,
                                             p, fns[i], leg);
          ok = ok && leg->ids[i] != 0;
        }
      if (ok)
        return leg;
      leg_free (leg); /* a port taken by someone else: try the next slot */
      self->slot_used[s] = 1;  /* and never reuse this one */
    }
  return NULL;
}

static ImpsSrtpSession *
session_new (ImpsSdesSuite suite, ImpsSrtpDirection dir, const guint8 *key_salt, gsize len,
             guint8 mki_len, guint64 mki, guint64 lifetime, GError **error)
{
  ImpsSrtpConfig cfg;
  imps_srtp_config_init (&cfg, dir);
  if (!imps_srtp_suite_from_name (imps_sdes_suite_name (suite), &cfg.suite))
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_CONFIG,
                   "IMS-AGW: suite %s has no SRTP profile", imps_sdes_suite_name (suite));
      return NULL;
    }
  cfg.mki_len = mki_len;
  cfg.lifetime = lifetime;
  ImpsSrtpMasterKey key = { .key_salt = key_salt, .key_salt_len = len, .mki = (guint32) mki };
  return imps_srtp_session_new (&cfg, &key, 1, error);
}

/* The AGW's two sessions from the negotiated keys. @ue_offered: the UE was
 * the SDES offerer (originating), so the offerer's key is the UE's. */
static gboolean
leg_key (AgwLeg *leg, const ImpsSdesKeys *k, gboolean ue_offered, GError **error)
{
  const guint8 *ue_key = ue_offered ? k->offerer_key_salt : k->answerer_key_salt;
  const guint8 *agw_key = ue_offered ? k->answerer_key_salt : k->offerer_key_salt;
  leg->rx = session_new (k->suite, IMPS_SRTP_RECEIVER, ue_key, k->key_salt_len,
                         ue_offered ? k->offerer_mki_len : k->answerer_mki_len,
                         ue_offered ? k->offerer_mki : k->answerer_mki,
                         ue_offered ? k->offerer_lifetime : k->answerer_lifetime, error);
  if (leg->rx == NULL)
    return FALSE;
  leg->tx = session_new (k->suite, IMPS_SRTP_SENDER, agw_key, k->key_salt_len,
                         ue_offered ? k->answerer_mki_len : k->offerer_mki_len,
                         ue_offered ? k->answerer_mki : k->offerer_mki,
                         ue_offered ? k->answerer_lifetime : k->offerer_lifetime, error);
  return leg->tx != NULL;
}

/* ---- SDP edits ------------------------------------------------------------ */

/* Attribute lines the ALG adds to one media line: up to four a=crypto
 * offers (profile §5) and a=3ge2ae. */
#define MAX_ADD 8

typedef struct {
  gboolean edit;
  const gchar *addr;         /* new c= address */
  guint port;
  const gchar *proto;
  gboolean strip;            /* drop a=crypto and a=3ge2ae */
  const gchar *add[MAX_ADD];
  guint n_add;
} MediaEdit;

static gboolean
is_key_attr (const ImpsSdpLine *l)
{
  return l->type == 'a'
         && (g_str_has_prefix (l->value, "crypto:") || g_str_has_prefix (l->value, "3ge2ae:"));
}

/* a=rtcp and a=rtcp-mux: they name the other side's ports, so they go when
 * the AGW puts its own address and port on the line (it does not
 * multiplex RTCP either). */
static gboolean
is_rtcp_attr (const ImpsSdpLine *l)
{
  return l->type == 'a'
         && (g_str_has_prefix (l->value, "rtcp:") || strcmp (l->value, "rtcp") == 0
             || strcmp (l->value, "rtcp-mux") == 0);
}

static void
append_line (GString *out, gchar type, const gchar *value)
{
  g_string_append_c (out, type);
  g_string_append_c (out, '=');
  g_string_append (out, value);
  g_string_append (out, "\r\n");
}

/* The SDP text with @edits applied per media section (text with keys:
 * free with imps_sdp_string_free). Lines are written in RFC 4566 order: a
 * new media-level c= goes before the first b=, k= or a= line. */
static gchar *
sdp_rewrite (const ImpsSdp *sdp, const MediaEdit *edits, gsize *out_len)
{
  GString *out = g_string_sized_new (1024);
  for (guint i = 0; i < imps_sdp_n_lines (sdp); i++)
    {
      const ImpsSdpLine *l = imps_sdp_get_line (sdp, i);
      append_line (out, l->type, l->value);
    }
  for (guint mi = 0; mi < imps_sdp_n_media (sdp); mi++)
    {
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, mi);
      const MediaEdit *e = &edits[mi];
      gboolean c_done = FALSE;
      for (guint i = 0; i < imps_sdp_media_n_lines (m); i++)
        {
          const ImpsSdpLine *l = imps_sdp_media_get_line (m, i);
          if (!e->edit)
            {
              append_line (out, l->type, l->value);
              continue;
            }
          if (i == 0)
            {
              g_string_append_printf (out, "m=%s %u", imps_sdp_media_get_media (m), e->port);
              if (imps_sdp_media_get_nports (m) != 0)
                g_string_append_printf (out, "/%u", imps_sdp_media_get_nports (m));
              g_string_append_printf (out, " %s %s\r\n", e->proto,
                                      imps_sdp_media_get_formats (m));
              continue;
            }
          if (l->type == 'c' || is_rtcp_attr (l) || (e->strip && is_key_attr (l)))
            continue;
          if (!c_done && (l->type == 'b' || l->type == 'k' || l->type == 'a'))
            {
              g_string_append_printf (out, "c=IN IP4 %s\r\n", e->addr);
              c_done = TRUE;
            }
          append_line (out, l->type, l->value);
        }
      if (e->edit && !c_done)
        g_string_append_printf (out, "c=IN IP4 %s\r\n", e->addr);
      for (guint i = 0; e->edit && i < e->n_add; i++)
        append_line (out, 'a', e->add[i]);
    }
  *out_len = out->len;
  return g_string_free (out, FALSE);
}

static void
set_sdp_body (ImpsSipMessage *msg, gchar *text, gsize len)
{
  g_autoptr (GBytes) body = g_bytes_new_with_free_func (text, len, secret_string_free, text);
  imps_sip_message_set_body (msg, body, "application/sdp");
}

/* The unicast IPv4 address and port of media section @m. */
static gboolean
media_hop (const ImpsSdp *sdp, const ImpsSdpMedia *m, ImsHop *hop)
{
  const gchar *c = imps_sdp_media_connection (sdp, m);
  g_auto (ImpsSdpConnection) conn = { 0 };
  if (c == NULL || !imps_sdp_connection_parse (c, &conn, NULL)
      || g_ascii_strcasecmp (conn.addrtype, "IP4") != 0 || !ims_is_ipv4 (conn.address))
    return FALSE;
  g_strlcpy (hop->addr, conn.address, sizeof hop->addr);
  hop->port = (guint16) imps_sdp_media_get_port (m);
  return TRUE;
}

/* Where the UE takes RTCP for media section @m whose RTP is at @rtp: its
 * a=rtcp port and IPv4 address (RFC 3605; the RTP address when it names
 * none), else the next port. An a=rtcp that does not parse or names no
 * IPv4 address is not used. */
static void
media_rtcp_hop (const ImpsSdpMedia *m, const ImsHop *rtp, ImsHop *rtcp)
{
  ImpsSdpRtcp r;
  g_strlcpy (rtcp->addr, rtp->addr, sizeof rtcp->addr);
  rtcp->port = rtp->port < G_MAXUINT16 ? (guint16) (rtp->port + 1) : 0;
  if (!imps_sdp_media_get_rtcp (m, &r, NULL))
    return;
  if (r.has_address && (strcmp (r.addrtype, "IP4") != 0 || !ims_is_ipv4 (r.address)))
    return;
  if (r.has_address)
    g_strlcpy (rtcp->addr, r.address, sizeof rtcp->addr);
  rtcp->port = r.port;
}

static gboolean
has_key_mgmt (const ImpsSdp *sdp)
{
  if (imps_sdp_find_attribute (sdp, "key-mgmt", 0) != NULL)
    return TRUE;
  for (guint i = 0; i < imps_sdp_n_media (sdp); i++)
    if (imps_sdp_media_find_attribute (imps_sdp_get_media (sdp, i), "key-mgmt", 0) != NULL)
      return TRUE;
  return FALSE;
}

static AlgCall *
call_find (ImpsPcscf *self, const gchar *call_id, gboolean orig, const gchar *branch)
{
  for (guint i = self->calls->len; i > 0; i--)
    {
      AlgCall *c = g_ptr_array_index (self->calls, i - 1);
      if (!c->ended && c->orig == orig && strcmp (c->call_id, call_id) == 0
          && (orig || branch == NULL || g_strcmp0 (c->branch, branch) == 0))
        return c;
    }
  return NULL;
}

/* Ended calls kept for imps_pcscf_agw_stats(); beyond this many calls the
 * oldest ended ones are forgotten, so the per-message search stays short. */
#define MAX_CALLS 512

static AlgCall *
call_new (ImpsPcscf *self, const gchar *call_id, gboolean orig, const gchar *branch)
{
  for (guint i = 0; self->calls->len >= MAX_CALLS && i < self->calls->len;)
    {
      if (((AlgCall *) g_ptr_array_index (self->calls, i))->ended)
        g_ptr_array_remove_index (self->calls, i);
      else
        i++;
    }
  AlgCall *c = g_new0 (AlgCall, 1);
  c->call_id = g_strdup (call_id);
  c->orig = orig;
  c->branch = g_strdup (branch);
  c->legs = g_ptr_array_new_with_free_func (leg_free);
  c->answers = g_ptr_array_new_with_free_func (secret_string_free);
  g_ptr_array_add (self->calls, c);
  return c;
}

static void
reply (ImpsPcscf *self, const ImpsSipMessage *req, guint status)
{
  g_autofree gchar *tag = imps_sip_tag_new (self->rnd);
  g_autoptr (ImpsSipMessage) resp = imps_sip_message_new_response_for (req, status, NULL, tag,
                                                                        NULL);
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (req, 0, NULL);
  ImsHop hop;
  if (resp != NULL && via != NULL && ims_hop_from_via (via, &hop))
    ims_send (self->bus, IMPS_REF_GM, self->address, self->port, &hop, resp);
}

/* ---- originating ---------------------------------------------------------- */

/* One e2ae media line of the UE's offer: the ALG's answer, the keys both
 * ways (checked as the UE will check them, by negotiating the answer
 * against the offer in a one-line SDP of our own), the AGW leg. */
static gboolean
orig_leg_setup (ImpsPcscf *self, AlgCall *call, const ImpsSdp *sdp, guint i, MediaEdit *edit,
                GError **error)
{
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, i);
  g_autoptr (ImpsSdpCrypto) ans = imps_sdes_answer_new (m, &self->policy, self->rnd, error);
  if (ans == NULL)
    return FALSE;
  gchar *ans_text = imps_sdp_crypto_to_string (ans);
  g_ptr_array_add (call->answers, g_strconcat ("crypto:", ans_text, NULL));
  gchar *probe = g_strdup_printf ("v=0\r\no=- 0 0 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
                                  "t=0 0\r\nm=%s 9 %s %s\r\na=crypto:%s\r\n",
                                  self->agw_address, self->agw_address,
                                  imps_sdp_media_get_media (m), imps_sdp_media_get_proto (m),
                                  imps_sdp_media_get_formats (m), ans_text);
  imps_sdp_string_free (ans_text);
  g_autoptr (ImpsSdp) probe_sdp = imps_sdp_parse (probe, strlen (probe), error);
  imps_sdp_string_free (probe);
  g_auto (ImpsSdesKeys) keys = { 0 };
  if (probe_sdp == NULL
      || !imps_sdes_negotiate (m, imps_sdp_get_media (probe_sdp, 0), &self->policy, &keys,
                               error))
    return FALSE;
  AgwLeg *leg = leg_new (self, call, i);
  if (leg == NULL)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_CONFIG,
                   "IMS-AGW: all %u media legs are busy", self->agw_max_legs);
      return FALSE;
    }
  g_ptr_array_add (call->legs, leg);
  if (!media_hop (sdp, m, &leg->ue))
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                   "no unicast IPv4 c= address");
      return FALSE;
    }
  media_rtcp_hop (m, &leg->ue, &leg->ue_rtcp);
  if (!leg_key (leg, &keys, TRUE, error))
    return FALSE;
  edit->addr = self->agw_address;
  edit->port = leg->core_port;
  edit->proto = "RTP/AVP";
  edit->strip = TRUE;
  return TRUE;
}

static gboolean
alg_offer_from_ue (ImpsPcscf *self, ImpsSipMessage *req, const ImpsSdp *sdp)
{
  const gchar *call_id = imps_sip_message_get_call_id (req);
  guint n = imps_sdp_n_media (sdp);
  g_autofree MediaEdit *edits = g_new0 (MediaEdit, MAX (n, 1));
  gboolean any = FALSE;

  for (guint i = 0; i < n; i++)
    {
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, i);
      ImpsSdpE2ae e2ae;
      if (imps_sdp_media_get_e2ae (m, &e2ae, NULL) && e2ae == IMPS_SDP_E2AE_REQUESTED
          && imps_sdp_media_find_attribute (m, "crypto", 0) != NULL
          && imps_sdp_media_get_port (m) != 0)
        {
          edits[i].edit = TRUE;
          any = TRUE;
        }
    }
  if (!any)
    return TRUE; /* e2e SDES, MIKEY or plain RTP: untouched */

  AlgCall *old = call_find (self, call_id, TRUE, NULL);
  if (old != NULL)
    pcscf_alg_end (self, call_id, ALG_END_ORIG, NULL); /* a new offer replaces the old legs */
  AlgCall *call = call_new (self, call_id, TRUE, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      if (edits[i].edit && !orig_leg_setup (self, call, sdp, i, &edits[i], &error))
        {
          pcscf_note (self, IMPS_EVENT_REFUSAL, "488 (IMS-ALG)", "e2ae offer, media line %u: %s",
                      i, error->message);
          pcscf_alg_end (self, call_id, ALG_END_ORIG, NULL);
          reply (self, req, 488);
          return FALSE;
        }
    }

  gsize len;
  gchar *text = sdp_rewrite (sdp, edits, &len);
  set_sdp_body (req, text, len);
  ImpsImsExposure *exp = ims_exposure_get (self->exposure, call_id);
  exp->e2ae = TRUE;
  exp->holds_media_keys = TRUE;
  pcscf_note (self, IMPS_EVENT_NOTE, "IMS-ALG e2ae", "Call-ID %s: %u media line(s) terminated "
              "at the IMS-AGW; a=crypto removed toward the core", call_id, call->legs->len);
  return TRUE;
}

static gboolean
alg_answer_to_ue (ImpsPcscf *self, AlgCall *call, ImpsSipMessage *resp, const ImpsSdp *sdp)
{
  guint status = imps_sip_message_get_status (resp);
  guint n = imps_sdp_n_media (sdp);
  g_autofree MediaEdit *edits = g_new0 (MediaEdit, MAX (n, 1));

  for (guint li = 0; li < call->legs->len; li++)
    {
      AgwLeg *leg = g_ptr_array_index (call->legs, li);
      if (leg->media_index >= n)
        continue;
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, leg->media_index);
      MediaEdit *e = &edits[leg->media_index];
      ImsHop far;
      e->edit = TRUE;
      e->addr = self->agw_address;
      e->proto = "RTP/SAVP";
      e->strip = TRUE;
      if (imps_sdp_media_get_port (m) == 0 || !media_hop (sdp, m, &far))
        {
          e->port = 0; /* the far end rejected the stream: so does the answer */
          continue;
        }
      if (!call->answered)
        leg->core = far;
      e->port = leg->ue_port;
      e->add[e->n_add++] = g_ptr_array_index (call->answers, li);
      e->add[e->n_add++] = "3ge2ae:applied";
    }
  if (status >= 200 && status < 300 && !call->answered)
    {
      /* The first 2xx fixes the dialog whose media the AGW carries; a
       * second fork's 2xx (the caller ACKs and BYEs it) must not move it. */
      gchar tag[256];
      call->answered = TRUE;
      if (imps_sip_message_get_to_tag (resp, tag, sizeof tag))
        call->answered_tag = g_strdup (tag);
    }
  gsize len;
  gchar *text = sdp_rewrite (sdp, edits, &len);
  set_sdp_body (resp, text, len);
  return TRUE;
}

/* ---- terminating ---------------------------------------------------------- */

static gboolean
alg_offer_to_ue (ImpsPcscf *self, ImpsSipMessage *req, const ImpsSdp *sdp)
{
  g_autoptr (ImpsSipUri) ruri = imps_sip_message_dup_request_uri (req, NULL);
  UeReg *reg = ruri != NULL && ruri->host != NULL ? pcscf_ue_lookup (self, ruri->host) : NULL;
  if (reg == NULL || !reg->mediasec || has_key_mgmt (sdp))
    return TRUE;

  const gchar *call_id = imps_sip_message_get_call_id (req);
  guint n = imps_sdp_n_media (sdp);
  g_autofree MediaEdit *edits = g_new0 (MediaEdit, MAX (n, 1));
  gboolean any = FALSE;
  for (guint i = 0; i < n; i++)
    {
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, i);
      if (strcmp (imps_sdp_media_get_proto (m), "RTP/AVP") == 0
          && imps_sdp_media_find_attribute (m, "crypto", 0) == NULL
          && imps_sdp_media_get_port (m) != 0)
        {
          edits[i].edit = TRUE;
          any = TRUE;
        }
    }
  if (!any)
    return TRUE;

  g_autofree gchar *branch = ims_derive_branch (req, self->address, self->port);
  AlgCall *call = call_new (self, call_id, FALSE, branch);
  g_autoptr (GPtrArray) offers = g_ptr_array_new_with_free_func (secret_string_free);
  for (guint i = 0; i < n; i++)
    {
      if (!edits[i].edit)
        continue;
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, i);
      AgwLeg *leg = leg_new (self, call, i);
      if (leg == NULL)
        {
          pcscf_note (self, IMPS_EVENT_REFUSAL, "no e2ae", "IMS-AGW: all %u legs busy; media "
                      "line %u passes without e2ae", self->agw_max_legs, i);
          edits[i].edit = FALSE;
          continue;
        }
      g_ptr_array_add (call->legs, leg);
      if (!media_hop (sdp, m, &leg->core))
        leg->core.port = 0;
      g_autoptr (GPtrArray) lines = imps_sdes_offer_new (&self->policy, self->rnd);
      edits[i].addr = self->agw_address;
      edits[i].port = leg->ue_port;
      edits[i].proto = "RTP/SAVP";
      edits[i].strip = TRUE;
      for (guint j = 0; j < lines->len && edits[i].n_add + 1 < MAX_ADD; j++)
        {
          gchar *v = imps_sdp_crypto_to_string (g_ptr_array_index (lines, j));
          gchar *attr = g_strconcat ("crypto:", v, NULL);
          imps_sdp_string_free (v);
          g_ptr_array_add (offers, attr);
          edits[i].add[edits[i].n_add++] = attr;
        }
      edits[i].add[edits[i].n_add++] = "3ge2ae:applied";
    }
  if (call->legs->len == 0)
    {
      pcscf_alg_end (self, call_id, ALG_END_TERM, branch);
      return TRUE;
    }
  gsize len;
  gchar *text = sdp_rewrite (sdp, edits, &len);
  g_autoptr (GError) error = NULL;
  call->ue_offer = imps_sdp_parse (text, len, &error);
  if (call->ue_offer == NULL)
    {
      pcscf_note (self, IMPS_EVENT_FAILURE, "IMS-ALG", "offer toward the UE does not parse: %s",
                  error->message);
      imps_sdp_string_free (text);
      pcscf_alg_end (self, call_id, ALG_END_TERM, branch);
      return TRUE;
    }
  set_sdp_body (req, text, len);
  ImpsImsExposure *exp = ims_exposure_get (self->exposure, call_id);
  exp->e2ae = TRUE;
  pcscf_note (self, IMPS_EVENT_NOTE, "IMS-ALG e2ae", "Call-ID %s: SDES offered to %s for the "
              "IMS-AGW on %u media line(s)", call_id, reg->impu, call->legs->len);
  return TRUE;
}

static gboolean
alg_answer_from_ue (ImpsPcscf *self, AlgCall *call, ImpsSipMessage *resp, const ImpsSdp *sdp)
{
  guint n = imps_sdp_n_media (sdp);
  g_autofree MediaEdit *edits = g_new0 (MediaEdit, MAX (n, 1));

  for (guint li = 0; li < call->legs->len; li++)
    {
      AgwLeg *leg = g_ptr_array_index (call->legs, li);
      if (leg->media_index >= n || leg->media_index >= imps_sdp_n_media (call->ue_offer))
        continue;
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, leg->media_index);
      MediaEdit *e = &edits[leg->media_index];
      e->edit = TRUE;
      e->addr = self->agw_address;
      e->proto = "RTP/AVP";
      e->strip = TRUE;
      e->port = 0;
      if (imps_sdp_media_get_port (m) == 0)
        continue;
      if (leg->rx == NULL)
        {
          g_autoptr (GError) error = NULL;
          g_auto (ImpsSdesKeys) keys = { 0 };
          if (!media_hop (sdp, m, &leg->ue)
              || !imps_sdes_negotiate (imps_sdp_get_media (call->ue_offer, leg->media_index), m,
                                       &self->policy, &keys, &error)
              || !leg_key (leg, &keys, FALSE, &error))
            {
              pcscf_note (self, IMPS_EVENT_REFUSAL, "IMS-ALG", "UE's SDES answer, media line %u: %s",
                          leg->media_index,
                          error != NULL ? error->message : "no unicast IPv4 c= address");
              g_clear_pointer (&leg->rx, imps_srtp_session_free);
              g_clear_pointer (&leg->tx, imps_srtp_session_free);
              leg->ue.port = 0;
              continue; /* the stream is rejected toward the core */
            }
          media_rtcp_hop (m, &leg->ue, &leg->ue_rtcp);
          ImpsImsExposure *exp = ims_exposure_get (self->exposure, call->call_id);
          exp->holds_media_keys = TRUE;
        }
      e->port = leg->core_port;
    }
  gsize len;
  gchar *text = sdp_rewrite (sdp, edits, &len);
  set_sdp_body (resp, text, len);
  return TRUE;
}

/* ---- entry points ---------------------------------------------------------- */

gboolean
pcscf_alg_request (ImpsPcscf *self, ImpsSipMessage *req, gboolean from_ue)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSdp) sdp = ims_body_sdp (req, &error);
  if (sdp == NULL)
    {
      if (error != NULL)
        pcscf_note (self, IMPS_EVENT_NOTE, "SDP passed", "INVITE body is not SDP the ALG "
                    "reads (%s); passed untouched", error->message);
      return TRUE;
    }
  return from_ue ? alg_offer_from_ue (self, req, sdp) : alg_offer_to_ue (self, req, sdp);
}

gboolean
pcscf_alg_response (ImpsPcscf *self, ImpsSipMessage *resp, gboolean to_ue, const gchar *branch)
{
  guint status = imps_sip_message_get_status (resp);
  if (status <= 100 || status >= 300)
    return TRUE;
  AlgCall *call = call_find (self, imps_sip_message_get_call_id (resp), to_ue, branch);
  if (call == NULL)
    return TRUE;
  g_autoptr (ImpsSdp) sdp = ims_body_sdp (resp, NULL);
  if (sdp == NULL)
    return TRUE;
  return to_ue ? alg_answer_to_ue (self, call, resp, sdp)
               : alg_answer_from_ue (self, call, resp, sdp);
}

/* Releases a call's AGW legs and forgets its keys. */
static void
call_end (AlgCall *c)
{
  c->ended = TRUE;
  for (guint j = 0; j < c->legs->len; j++)
    leg_release (g_ptr_array_index (c->legs, j));
  g_ptr_array_set_size (c->answers, 0);
  g_clear_pointer (&c->ue_offer, imps_sdp_free);
}

void
pcscf_alg_end_dialog (ImpsPcscf *self, const gchar *call_id, const gchar *from_tag,
                      const gchar *to_tag)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      AlgCall *c = g_ptr_array_index (self->calls, i);
      if (c->ended || strcmp (c->call_id, call_id) != 0)
        continue;
      /* A BYE of another fork's dialog leaves the answered dialog's legs. */
      if (c->answered_tag != NULL && g_strcmp0 (c->answered_tag, from_tag) != 0
          && g_strcmp0 (c->answered_tag, to_tag) != 0)
        continue;
      call_end (c);
    }
}

void
pcscf_alg_end (ImpsPcscf *self, const gchar *call_id, AlgEnd which, const gchar *branch)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      AlgCall *c = g_ptr_array_index (self->calls, i);
      if (c->ended || strcmp (c->call_id, call_id) != 0)
        continue;
      if ((which == ALG_END_ORIG && !c->orig)
          || (which == ALG_END_TERM && (c->orig || (branch != NULL
                                                    && g_strcmp0 (c->branch, branch) != 0))))
        continue;
      call_end (c);
    }
}

void
imps_pcscf_restart_agw (ImpsPcscf *self)
{
  g_return_if_fail (self != NULL);
  for (guint i = 0; i < self->calls->len; i++)
    {
      AlgCall *c = g_ptr_array_index (self->calls, i);
      if (!c->ended)
        call_end (c);
    }
  pcscf_note (self, IMPS_EVENT_NOTE, "IMS-AGW restarted",
              "%s restarted: its media legs and their SRTP keys are gone", self->agw_name);
}

gboolean
imps_pcscf_agw_stats (ImpsPcscf *self, const gchar *call_id, ImpsAgwStats *out)
{
  g_return_val_if_fail (self != NULL && call_id != NULL && out != NULL, FALSE);
  gboolean found = FALSE;
  memset (out, 0, sizeof *out);
  for (guint i = 0; i < self->calls->len; i++)
    {
      AlgCall *c = g_ptr_array_index (self->calls, i);
      if (strcmp (c->call_id, call_id) != 0)
        continue;
      found = TRUE;
      for (guint j = 0; j < c->legs->len; j++)
        {
          AgwLeg *leg = g_ptr_array_index (c->legs, j);
          ImpsAgwStats s = leg->stats;
          if (leg->rx != NULL)
            {
              ImpsSrtpStats st;
              imps_srtp_session_get_stats (leg->rx, &st);
              s.auth_failures = st.auth_failures;
              s.replays = st.replays;
            }
          out->legs++;
          out->rtp_to_core += s.rtp_to_core;
          out->rtp_to_ue += s.rtp_to_ue;
          out->rtcp_to_core += s.rtcp_to_core;
          out->rtcp_to_ue += s.rtcp_to_ue;
          out->auth_failures += s.auth_failures;
          out->replays += s.replays;
          out->dropped += s.dropped;
        }
    }
  return found;
}
