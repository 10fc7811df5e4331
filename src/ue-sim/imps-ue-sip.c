/* The UE's SIP user agent: registration, calls as caller and callee, and
 * the media security of each call. */
#include "imps-ue-sip.h"
#include "imps-ue-private.h"
#include "imps-ue-ua.h"
#include "sip/imps-sip.h"
#include "sdp/imps-sdes.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-ue-sip-error-quark, imps_ue_sip_error)

struct _ImpsUeSip {
  ImpsUe *ue;
  ImpsSipBus *bus;
  ImpsClock *clock;
  gchar *impu;
  guint16 port;
  gchar *proxy_address;
  guint16 proxy_port;
  gint64 ring_us;
  gint64 resolve_delay_us;
  guint reject_status;
  gchar *claimed_initiator;     /* scenario attacks: IDRi named in TRANSFER_INITs, or NULL */
  ImpsMikeyHeldTicket *next_ticket; /* borrowed: the next MIKEY-TICKET call's ticket, or NULL */
  GPtrArray *groups;            /* group identities it answers for, NULL-terminated, or NULL */
  GPtrArray *identities;        /* its other public identities, NULL-terminated, or NULL */
  ImpsMikeySuite mikey_suite;
  gboolean mikey_forking;
  ImpsUeSipKms kms;
  gboolean have_kms;
  guint bus_id;
  GPtrArray *calls;              /* ImpsUeCall*, owned */
  ImpsUeCallFunc call_cb;
  gpointer call_cb_data;
  ImpsUeNewCallFunc new_call_cb;
  gpointer new_call_cb_data;
  ImpsUeCallGoneFunc gone_cb;
  gpointer gone_cb_data;
  ImpsUeSdpHook sdp_hook;
  gpointer sdp_hook_data;
  guint16 next_media_port;
  guint16 media_first;           /* media ports (RTP even, RTCP next) from here ... */
  guint16 media_last;            /* ... to here */
  GCancellable *alive;           /* cancelled on free: pending KMS answers see it */
  ImpsMikeyReplay *replay;       /* TRANSFER_INITs seen (callee) */
  ImpsSdesPolicy sdes_policy;

  /* registration */
  gchar *reg_call_id;
  gchar *reg_tag;
  guint32 reg_cseq;
  gboolean registered;
  guint reg_timer;
  ImpsUeRegisterFunc reg_cb;
  gpointer reg_cb_data;
};

struct _ImpsUeCall {
  ImpsUeSip *sip;
  gboolean caller;
  ImpsUeSecurity security;
  ImpsUeCallState state;
  guint status;
  gchar *reason;
  gchar *call_id;
  gchar *local_tag;
  gchar *peer_uri;
  gchar *hop_address;           /* caller: where the INVITE went */
  guint16 hop_port;
  ImpsSipMessage *invite;       /* as sent (caller) or received (callee) */
  ImpsSipDialog *dialog;
  ImpsSdp *offer;
  ImpsSdp *answer;
  ImpsUeMedia *media;
  guint timer_b;
  guint ring_timer;
  guint linger_timer;           /* after the end: closes the media endpoint */
  guint forget_timer;           /* then: forgets the INVITE and the dialog; released and
                                 * forgotten: frees the call (call_drop_due) */
  gboolean forgotten;           /* call_forget_done ran */
  gboolean released;            /* imps_ue_call_release(): freed once forgotten */
  guint pending;                /* KMS answers (AsyncRef) still to come for it */
  gboolean ring_done;
  gboolean answer_ready;
  gboolean cancelled;
  /* MIKEY-TICKET */
  ImpsMikeyHeldTicket *held;    /* borrowed from the KMS interface */
  ImpsMikeyMessage *ti;         /* TRANSFER_INIT (built or prechecked) */
  ImpsMikeyResolved *resolved;
  guint32 csb_id;
  guint8 key_fp[32];            /* SHA-256 over the call's media keys, not a secret */
  gboolean has_key_fp;
  guint8 tgk_fp[32];            /* SHA-256 over the TGK (TGK' of a fork) it derived keys from */
  gboolean has_tgk_fp;
};

/* ---- small helpers ------------------------------------------------------ */

const gchar *
imps_ue_security_name (ImpsUeSecurity s)
{
  switch (s)
    {
    case IMPS_UE_SECURITY_NONE: return "none";
    case IMPS_UE_SECURITY_SDES_E2E: return "sdes-e2e";
    case IMPS_UE_SECURITY_SDES_E2AE: return "sdes-e2ae";
    case IMPS_UE_SECURITY_MIKEY_TICKET: return "mikey-ticket";
    default: return "?";
    }
}

const gchar *
imps_ue_call_state_name (ImpsUeCallState s)
{
  static const gchar *const names[] = { "preparing", "calling", "proceeding", "ringing",
                                        "established", "terminated" };
  return s <= IMPS_UE_CALL_TERMINATED ? names[s] : "?";
}

static ImpsNetwork *
sip_net (ImpsUeSip *sip)
{
  return sip->ue->net;
}

static void
note (ImpsUeSip *sip, ImpsEventKind kind, const gchar *detail, const gchar *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static void
note (ImpsUeSip *sip, ImpsEventKind kind, const gchar *detail, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *summary = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  imps_ue_note (sip->ue, kind, detail, summary);
}

static void
call_changed (ImpsUeCall *call, ImpsUeCallState state)
{
  call->state = state;
  if (call->sip->call_cb)
    call->sip->call_cb (call->sip, call, call->sip->call_cb_data);
}

static void
call_stop_timers (ImpsUeCall *call)
{
  ImpsClock *clock = call->sip->clock;
  if (call->timer_b)
    imps_clock_timeout_remove (clock, call->timer_b);
  if (call->ring_timer)
    imps_clock_timeout_remove (clock, call->ring_timer);
  call->timer_b = call->ring_timer = 0;
}

static gboolean call_drop_due (gpointer data);

/* A released call that is forgotten and waits for no KMS answer goes, at
 * the same virtual instant but from a timer of its own, so that no caller
 * up the stack still holds it. */
static void
call_drop_when_idle (ImpsUeCall *call)
{
  if (call->released && call->forgotten && call->pending == 0 && call->forget_timer == 0)
    call->forget_timer = imps_clock_timeout_add (call->sip->clock, 0, call_drop_due, call, NULL);
}

/* Long after its end (Timer B after the media closed: no answer to its
 * INVITE and no request in its dialog can still come), a call forgets its
 * INVITE and dialog: a late message for it then gets what one for an
 * unknown call gets. */
static gboolean
call_forget_done (gpointer data)
{
  ImpsUeCall *call = data;
  call->forget_timer = 0;
  g_clear_pointer (&call->invite, imps_sip_message_free);
  g_clear_pointer (&call->dialog, imps_sip_dialog_free);
  g_clear_pointer (&call->hop_address, g_free);
  call->forgotten = TRUE;
  call_drop_when_idle (call);
  return G_SOURCE_REMOVE;
}

/* A while after its end, a call gives back its media ports and SRTP
 * sessions, and what only setting it up needed: its offer and answer, its
 * TRANSFER_INIT and the keys its KMS resolved (wiped). What the reports
 * and verdicts read stays: the state, status and reason, the Call-ID, the
 * media statistics, the CSB ID and the key fingerprints. */
static gboolean
call_linger_done (gpointer data)
{
  ImpsUeCall *call = data;
  call->linger_timer = 0;
  if (call->media)
    imps_ue_media_close (call->media);
  g_clear_pointer (&call->offer, imps_sdp_free);
  g_clear_pointer (&call->answer, imps_sdp_free);
  g_clear_pointer (&call->ti, imps_mikey_message_free);
  g_clear_pointer (&call->resolved, imps_mikey_resolved_free);
  /* borrowed from the KMS interface, which may now let it go */
  if (call->held && call->caller && call->sip->kms.release_ticket)
    call->sip->kms.release_ticket (call->sip->kms.kms, call->held);
  call->held = NULL;
  call->forget_timer = imps_clock_timeout_add (call->sip->clock, IMPS_UE_SIP_TIMER_B_US,
                                               call_forget_done, call, NULL);
  return G_SOURCE_REMOVE;
}

static void
call_end (ImpsUeCall *call, guint status, const gchar *reason)
{
  if (call->state == IMPS_UE_CALL_TERMINATED)
    return;
  call_stop_timers (call);
  if (call->media)
    imps_ue_media_stop (call->media);
  call->linger_timer = imps_clock_timeout_add (call->sip->clock, IMPS_UE_SIP_MEDIA_LINGER_US,
                                               call_linger_done, call, NULL);
  if (status != 0 && call->status == 0)
    call->status = status;
  if (reason != NULL && call->reason == NULL)
    call->reason = g_strdup (reason);
  call_changed (call, IMPS_UE_CALL_TERMINATED);
}

static void
call_free (ImpsUeCall *call)
{
  call_stop_timers (call);
  if (call->linger_timer)
    imps_clock_timeout_remove (call->sip->clock, call->linger_timer);
  if (call->forget_timer)
    imps_clock_timeout_remove (call->sip->clock, call->forget_timer);
  imps_ue_media_free (call->media);
  imps_sip_message_free (call->invite);
  imps_sip_dialog_free (call->dialog);
  imps_sdp_free (call->offer);
  imps_sdp_free (call->answer);
  imps_mikey_message_free (call->ti);
  imps_mikey_resolved_free (call->resolved);
  g_free (call->reason);
  g_free (call->call_id);
  g_free (call->local_tag);
  g_free (call->peer_uri);
  g_free (call->hop_address);
  g_free (call);
}

static gboolean
call_drop_due (gpointer data)
{
  ImpsUeCall *call = data;
  ImpsUeSip *sip = call->sip;
  call->forget_timer = 0;
  guint index;
  if (!g_ptr_array_find (sip->calls, call, &index))
    g_return_val_if_reached (G_SOURCE_REMOVE);
  if (sip->gone_cb)
    sip->gone_cb (sip, call, index, sip->gone_cb_data);
  g_ptr_array_remove_index (sip->calls, index); /* call_free */
  return G_SOURCE_REMOVE;
}

void
imps_ue_call_release (ImpsUeCall *call)
{
  g_return_if_fail (call != NULL);
  call->released = TRUE;
  call_drop_when_idle (call);
}

static gchar *
contact_uri (ImpsUeSip *sip)
{
  g_autoptr (ImpsSipUri) impu = imps_sip_uri_parse (sip->impu, -1, NULL);
  return g_strdup_printf ("sip:%s%s%s:%u", impu && impu->user ? impu->user : "",
                          impu && impu->user ? "@" : "", sip->ue->address, sip->port);
}

static ImpsSipVia *
new_via (ImpsUeSip *sip)
{
  g_autofree gchar *branch = imps_sip_branch_new (sip->ue->random);
  return imps_sip_via_new ("UDP", sip->ue->address, sip->port, branch);
}

static gchar *
summary_for (const ImpsSipMessage *msg)
{
  GString *s = g_string_new (NULL);
  if (imps_sip_message_is_request (msg))
    g_string_append (s, imps_sip_message_get_method (msg));
  else
    g_string_append_printf (s, "%u %s", imps_sip_message_get_status (msg),
                            imps_sip_message_get_reason (msg));
  GBytes *body = imps_sip_message_get_body (msg);
  gsize len = 0;
  const gchar *text = g_bytes_get_data (body, &len);
  if (len > 0)
    {
      if (g_strstr_len (text, len, "a=key-mgmt:mikey") != NULL)
        g_string_append (s, imps_sip_message_is_request (msg)
                         ? " (a=key-mgmt: TRANSFER_INIT)" : " (a=key-mgmt: TRANSFER_RESP)");
      else if (g_strstr_len (text, len, "a=crypto:") != NULL)
        g_string_append (s, " (a=crypto)");
      else
        g_string_append (s, " (SDP)");
    }
  return g_string_free (s, FALSE);
}

static void
send_msg (ImpsUeSip *sip, const ImpsSipMessage *msg, const gchar *address, guint16 port)
{
  g_autoptr (GBytes) bytes = imps_sip_message_to_bytes (msg);
  g_autofree gchar *summary = summary_for (msg);
  imps_sip_bus_send_sip (sip->bus, IMPS_REF_GM, sip->ue->address, sip->port, address, port,
                         bytes, summary);
}

/* Where a request goes: the first Route's URI, else the Request-URI. */
static gboolean
request_hop (const ImpsSipMessage *msg, gchar **address, guint16 *port)
{
  g_autoptr (GPtrArray) routes = imps_sip_message_get_name_addrs (msg, "Route", NULL);
  g_autoptr (ImpsSipUri) ruri = NULL;
  const ImpsSipUri *uri;
  if (routes != NULL && routes->len > 0)
    uri = ((ImpsSipNameAddr *) routes->pdata[0])->uri;
  else
    {
      ruri = imps_sip_message_dup_request_uri (msg, NULL);
      uri = ruri;
    }
  if (uri == NULL || uri->host == NULL)
    return FALSE;
  *address = g_strdup (uri->host);
  *port = uri->port > 0 ? (guint16) uri->port : IMPS_UE_SIP_PORT;
  return TRUE;
}

static void
send_request (ImpsUeSip *sip, const ImpsSipMessage *msg)
{
  g_autofree gchar *address = NULL;
  guint16 port = 0;
  if (!request_hop (msg, &address, &port))
    {
      note (sip, IMPS_EVENT_FAILURE, NULL, "%s not sent: no next hop",
            imps_sip_message_get_method (msg));
      return;
    }
  send_msg (sip, msg, address, port);
}

/* Responses go to the top Via (received / rport when present). */
static void
send_response (ImpsUeSip *sip, const ImpsSipMessage *resp)
{
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (resp, 0, NULL);
  if (via == NULL)
    return;
  const gchar *host = via->received ? via->received : via->host;
  guint16 port = via->rport > 0 ? (guint16) via->rport
                 : via->port > 0 ? (guint16) via->port : IMPS_UE_SIP_PORT;
  send_msg (sip, resp, host, port);
}

static void
respond (ImpsUeSip *sip, const ImpsSipMessage *req, guint status, const gchar *to_tag,
         const gchar *warning)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) resp = imps_sip_message_new_response_for (req, status, NULL, to_tag,
                                                                       &error);
  if (resp == NULL)
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "no %u response", status);
      return;
    }
  if (warning != NULL)
    {
      g_autofree gchar *text = g_strndup (warning, 200);
      for (gchar *c = text; *c; c++)
        if ((guchar) *c < 0x20 || (guchar) *c >= 0x7f || *c == '"' || *c == '\\')
          *c = ' ';
      g_autofree gchar *w = g_strdup_printf ("399 %s \"%s\"", sip->ue->address, text);
      imps_sip_message_append_header (resp, "Warning", w);
    }
  send_response (sip, resp);
}

/* ---- SDP --------------------------------------------------------------- */

/* The element ID of the media's header extension that @sdp announces
 * (a=extmap with IMPS_UE_MEDIA_EXT_URI, RFC 8285), in *@id; 0 when it
 * announces none. FALSE with @error when its a=extmap lines do not parse or
 * give an ID the one-byte form cannot carry. */
static gboolean
sdp_ext_id (const ImpsSdp *sdp, guint *id, GError **error)
{
  GError *local = NULL;
  *id = 0;
  if (!imps_sdp_media_find_extmap (sdp, imps_sdp_get_media (sdp, 0), IMPS_UE_MEDIA_EXT_URI, id,
                                   &local))
    {
      *id = 0;
      if (local == NULL)
        return TRUE;
      g_propagate_error (error, local);
      return FALSE;
    }
  if (*id > IMPS_UE_MEDIA_EXT_ID_MAX)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_REFUSED,
                   "a=extmap: ID %u for %s does not fit the one-byte header extension (1..%u)",
                   *id, IMPS_UE_MEDIA_EXT_URI, IMPS_UE_MEDIA_EXT_ID_MAX);
      return FALSE;
    }
  return TRUE;
}

/* An offer (@ext_id IMPS_UE_MEDIA_EXT_ID) or an answer (@ext_id the
 * offer's, or 0 when the offer announced none: then neither does the answer,
 * RFC 8285 §6). */
static ImpsSdp *
sdp_new (ImpsUeCall *call, const gchar *proto, guint ext_id, GError **error)
{
  ImpsUeSip *sip = call->sip;
  g_autoptr (ImpsSdp) sdp = imps_sdp_new ();
  g_autofree gchar *o = g_strdup_printf ("- %u 1 IN IP4 %s", imps_random_u32 (sip->ue->random)
                                         & 0x7fffffff, sip->ue->address);
  g_autofree gchar *c = g_strdup_printf ("IN IP4 %s", sip->ue->address);
  if (!imps_sdp_add_line (sdp, 'v', "0", error) || !imps_sdp_add_line (sdp, 'o', o, error)
      || !imps_sdp_add_line (sdp, 's', "-", error) || !imps_sdp_add_line (sdp, 'c', c, error)
      || !imps_sdp_add_line (sdp, 't', "0 0", error))
    return NULL;
  ImpsSdpMedia *m = imps_sdp_add_media (sdp, "audio", imps_ue_media_get_port (call->media), 0,
                                        proto, "0", error);
  if (m == NULL || !imps_sdp_media_add_attribute (m, "rtpmap", "0 PCMU/8000", error)
      || !imps_sdp_media_add_attribute (m, "sendrecv", NULL, error)
      || (ext_id != 0 && !imps_sdp_media_add_extmap (m, ext_id, IMPS_UE_MEDIA_EXT_URI, error)))
    return NULL;
  return g_steal_pointer (&sdp);
}

static GBytes *
sdp_bytes (ImpsUeCall *call, ImpsSdp *sdp, gboolean is_offer)
{
  gsize len = 0;
  if (call->sip->sdp_hook)
    call->sip->sdp_hook (call->sip, sdp, is_offer, call->sip->sdp_hook_data);
  gchar *text = imps_sdp_to_string (sdp, &len);
  /* the bytes may carry keys: wiped when the last reference goes */
  return g_bytes_new_with_free_func (text, len, (GDestroyNotify) imps_sdp_string_free, text);
}

/* The remote media address and port of the first m-line. */
static gboolean
sdp_remote (const ImpsSdp *sdp, gchar **address, guint16 *port, GError **error)
{
  ImpsSdpMedia *m = imps_sdp_n_media (sdp) > 0 ? imps_sdp_get_media (sdp, 0) : NULL;
  g_auto (ImpsSdpConnection) c = { 0 };
  const gchar *cv;
  if (m == NULL || imps_sdp_media_get_port (m) == 0 || imps_sdp_media_get_port (m) >= 65535)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_NOT_FOUND,
                   "SDP has no usable audio m-line");
      return FALSE;
    }
  cv = imps_sdp_media_connection (sdp, m);
  if (cv == NULL || !imps_sdp_connection_parse (cv, &c, error))
    return FALSE;
  *address = g_strdup (c.address);
  *port = (guint16) imps_sdp_media_get_port (m);
  return TRUE;
}

/* The RTCP destination of the SDP's first media line when its a=rtcp
 * (RFC 3605) names one: *@port 0 when it has none (RTP port + 1), else
 * the port and the address (NULL: the line's own). FALSE with @error for
 * a malformed a=rtcp or one whose address is not IPv4. */
static gboolean
sdp_remote_rtcp (const ImpsSdp *sdp, gchar **address, guint16 *port, GError **error)
{
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  ImpsSdpRtcp r;
  GError *e = NULL;
  *address = NULL;
  *port = 0;
  if (!imps_sdp_media_get_rtcp (m, &r, &e))
    {
      if (e == NULL)
        return TRUE;
      g_propagate_error (error, e);
      return FALSE;
    }
  if (r.has_address && strcmp (r.addrtype, "IP4") != 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_REFUSED,
                   "a=rtcp names an %s address (%s): this UE reaches IPv4 only", r.addrtype,
                   r.address);
      return FALSE;
    }
  *address = r.has_address ? g_strdup (r.address) : NULL;
  *port = r.port;
  return TRUE;
}

/* Points @call's media at the SDP's RTP and RTCP destinations. */
static gboolean
set_media_remote (ImpsUeCall *call, const ImpsSdp *sdp, GError **error)
{
  g_autofree gchar *address = NULL, *rtcp_address = NULL;
  guint16 port = 0, rtcp_port = 0;
  if (!sdp_remote (sdp, &address, &port, error)
      || !sdp_remote_rtcp (sdp, &rtcp_address, &rtcp_port, error))
    return FALSE;
  imps_ue_media_set_remote (call->media, address, port);
  imps_ue_media_set_remote_rtcp (call->media, rtcp_address ? rtcp_address : address, rtcp_port);
  return TRUE;
}

static gboolean
srtp_suite_for_sdes (ImpsSdesSuite s, ImpsSrtpSuite *out, GError **error)
{
  if (!imps_srtp_suite_from_name (imps_sdes_suite_name (s), out))
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_UNSUPPORTED_SUITE,
                   "crypto suite %s has no SRTP session here", imps_sdes_suite_name (s));
      return FALSE;
    }
  return TRUE;
}

/* SDES keys into the media endpoint: the offerer sends with the offer's
 * key, the answerer with the answer's. */
static gboolean
media_sdes_keys (ImpsUeCall *call, GError **error)
{
  g_auto (ImpsSdesKeys) keys = { 0 };
  ImpsSrtpSuite suite;
  ImpsSdpMedia *om = imps_sdp_get_media (call->offer, 0);
  ImpsSdpMedia *am = imps_sdp_get_media (call->answer, 0);
  if (!imps_sdes_negotiate (om, am, &call->sip->sdes_policy, &keys, error)
      || !srtp_suite_for_sdes (keys.suite, &suite, error))
    return FALSE;
  const guint8 *tx = call->caller ? keys.offerer_key_salt : keys.answerer_key_salt;
  const guint8 *rx = call->caller ? keys.answerer_key_salt : keys.offerer_key_salt;
  guint tx_mki_len = call->caller ? keys.offerer_mki_len : keys.answerer_mki_len;
  guint rx_mki_len = call->caller ? keys.answerer_mki_len : keys.offerer_mki_len;
  guint64 tx_mki = call->caller ? keys.offerer_mki : keys.answerer_mki;
  guint64 rx_mki = call->caller ? keys.answerer_mki : keys.offerer_mki;
  return imps_ue_media_set_tx_key (call->media, suite, tx, keys.key_salt_len, tx_mki_len,
                                   (guint32) tx_mki, error)
         && imps_ue_media_set_rx_key (call->media, suite, rx, keys.key_salt_len, rx_mki_len,
                                      (guint32) rx_mki, 0, error);
}

/* MIKEY keys per crypto session (profile §3): CS 1 caller -> callee, CS 2
 * callee -> caller. Writes MIKEY_TEK lines. */
static gboolean
media_mikey_keys (ImpsUeCall *call, ImpsMikeySrtpKeys *keys, guint n_keys,
                  const ImpsMikeyMessage *resp, GError **error)
{
  ImpsKeyLog *log = call->sip->ue->key_log;
  const ImpsMikeyPayload *ri = imps_mikey_message_find_randr (call->ti, IMPS_MIKEY_RAND_ROLE_I);
  const ImpsMikeyPayload *rr = resp ? imps_mikey_message_find_randr (resp, IMPS_MIKEY_RAND_ROLE_R)
                                    : NULL;
  const ImpsMikeySrtpKeys *tx = NULL, *rx = NULL;

  /* A fingerprint of the media keys, so two forks can be compared without
   * handing the keys out. */
  {
    GChecksum *fp = g_checksum_new (G_CHECKSUM_SHA256);
    gsize fp_len = sizeof call->key_fp;
    for (guint i = 0; i < n_keys; i++)
      {
        g_checksum_update (fp, keys[i].key, keys[i].key_len);
        g_checksum_update (fp, keys[i].salt, keys[i].salt_len);
      }
    g_checksum_get_digest (fp, call->key_fp, &fp_len);
    g_checksum_free (fp);
    call->has_key_fp = TRUE;
  }
  for (guint i = 0; i < n_keys; i++)
    {
      imps_key_log_mikey_tek (log, call->csb_id, keys[i].cs_id,
                              ri ? ri->u.rand.data.data : NULL, ri ? ri->u.rand.data.len : 0,
                              rr ? rr->u.rand.data.data : NULL, rr ? rr->u.rand.data.len : 0,
                              keys[i].key, keys[i].key_len, keys[i].salt, keys[i].salt_len);
      if ((keys[i].cs_id == 1) == call->caller && keys[i].cs_id <= 2)
        tx = &keys[i];
      else if (keys[i].cs_id <= 2)
        rx = &keys[i];
    }
  if (tx == NULL || rx == NULL)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_SP,
                   "MIKEY gave no keys for crypto sessions 1 and 2");
      return FALSE;
    }
  ImpsSrtpSuite suite = tx->key_len == 32 ? IMPS_SRTP_AES_256_CM_HMAC_SHA1_80
                                          : IMPS_SRTP_AES_CM_128_HMAC_SHA1_80;
  guint8 ks[IMPS_SRTP_MAX_KEY_SALT_LEN];
  gboolean ok;
  if (tx->key_len + tx->salt_len
      != imps_srtp_suite_key_len (suite) + imps_srtp_suite_salt_len (suite)
      || rx->key_len + rx->salt_len != tx->key_len + tx->salt_len)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_SP,
                   "MIKEY key %u + salt %u bytes fit no SRTP suite", tx->key_len, tx->salt_len);
      return FALSE;
    }
  memcpy (ks, tx->key, tx->key_len);
  memcpy (ks + tx->key_len, tx->salt, tx->salt_len);
  ok = imps_ue_media_set_tx_key (call->media, suite, ks, tx->key_len + tx->salt_len, 0, 0, error);
  if (ok)
    {
      memcpy (ks, rx->key, rx->key_len);
      memcpy (ks + rx->key_len, rx->salt, rx->salt_len);
      ok = imps_ue_media_set_rx_key (call->media, suite, ks, rx->key_len + rx->salt_len, 0, 0,
                                     rx->ssrc, error);
    }
  imps_wipe (ks, sizeof ks);
  return ok;
}

/* ---- caller ------------------------------------------------------------ */

static gboolean
timer_b_fired (gpointer data)
{
  ImpsUeCall *call = data;
  call->timer_b = 0;
  note (call->sip, IMPS_EVENT_FAILURE, NULL, "INVITE %s: Timer B, no final answer",
        call->call_id);
  call_end (call, 408, "no final answer to the INVITE (Timer B)");
  return G_SOURCE_REMOVE;
}

static void
send_invite (ImpsUeCall *call)
{
  ImpsUeSip *sip = call->sip;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_new_request ("INVITE", call->peer_uri);
  g_autoptr (ImpsSipVia) via = new_via (sip);
  g_autofree gchar *from = g_strdup_printf ("<%s>;tag=%s", sip->impu, call->local_tag);
  g_autofree gchar *to = g_strdup_printf ("<%s>", call->peer_uri);
  g_autofree gchar *contact = contact_uri (sip);
  g_autofree gchar *contact_hdr = g_strdup_printf ("<%s>", contact);

  imps_sip_message_push_via (msg, via);
  imps_sip_message_set_max_forwards (msg, 70);
  imps_sip_message_append_header (msg, "From", from);
  imps_sip_message_append_header (msg, "To", to);
  imps_sip_message_set_call_id (msg, call->call_id);
  imps_sip_message_set_cseq (msg, 1, "INVITE");
  imps_sip_message_append_header (msg, "Contact", contact_hdr);
  if (sip->proxy_address != NULL && g_strcmp0 (call->hop_address, sip->proxy_address) == 0)
    {
      g_autofree gchar *route = g_strdup_printf ("<sip:%s:%u;lr>", sip->proxy_address,
                                                 sip->proxy_port);
      imps_sip_message_append_header (msg, "Route", route);
    }
  g_autoptr (GBytes) body = sdp_bytes (call, call->offer, TRUE);
  imps_sip_message_set_body (msg, body, "application/sdp");
  call->invite = imps_sip_message_copy (msg);
  send_msg (sip, msg, call->hop_address, call->hop_port);
  call->timer_b = imps_clock_timeout_add (sip->clock, IMPS_UE_SIP_TIMER_B_US, timer_b_fired,
                                          call, NULL);
  call_changed (call, IMPS_UE_CALL_CALLING);
}

static gboolean
make_offer (ImpsUeCall *call, GError **error)
{
  const gchar *proto = call->security == IMPS_UE_SECURITY_NONE ? "RTP/AVP" : "RTP/SAVP";
  call->offer = sdp_new (call, proto, IMPS_UE_MEDIA_EXT_ID, error);
  if (call->offer == NULL)
    return FALSE;
  ImpsSdpMedia *m = imps_sdp_get_media (call->offer, 0);
  switch (call->security)
    {
    case IMPS_UE_SECURITY_SDES_E2AE:
      if (!imps_sdp_media_add_attribute (m, "3ge2ae",
                                         imps_sdp_e2ae_to_string (IMPS_SDP_E2AE_REQUESTED), error))
        return FALSE;
      /* fall through */
    case IMPS_UE_SECURITY_SDES_E2E:
      return imps_sdes_offer_add (m, &call->sip->sdes_policy, call->sip->ue->random, error);
    case IMPS_UE_SECURITY_MIKEY_TICKET:
      return imps_sdp_add_key_mgmt (call->offer, m, "mikey", call->ti->body.raw,
                                    call->ti->body.raw_len, error);
    case IMPS_UE_SECURITY_NONE:
    default:
      return TRUE;
    }
}

typedef struct {
  ImpsUeCall *call;
  GCancellable *alive;
} AsyncRef;

static AsyncRef *
async_ref_new (ImpsUeCall *call)
{
  AsyncRef *r = g_new0 (AsyncRef, 1);
  r->call = call;
  r->alive = g_object_ref (call->sip->alive);
  call->pending++;
  return r;
}

/* The call, or NULL when the agent went away while the KMS worked. A
 * released call waits for its last KMS answer before it goes. */
static ImpsUeCall *
async_ref_end (AsyncRef *r)
{
  ImpsUeCall *call = g_cancellable_is_cancelled (r->alive) ? NULL : r->call;
  g_object_unref (r->alive);
  g_free (r);
  if (call != NULL)
    {
      call->pending--;
      call_drop_when_idle (call);
    }
  return call;
}

/* Starts a resolve after the agent's resolve delay, unless the agent or the
 * call went away meanwhile. */
static void resolve_ready (GObject *source, GAsyncResult *result, gpointer data);

static gboolean
start_resolve (gpointer data)
{
  AsyncRef *r = data;
  if (g_cancellable_is_cancelled (r->alive) || r->call->state == IMPS_UE_CALL_TERMINATED)
    {
      async_ref_end (r);
      return G_SOURCE_REMOVE;
    }
  ImpsUeSip *sip = r->call->sip;
  sip->kms.resolve_async (sip->kms.kms, r->call->ti, sip->alive, resolve_ready, r);
  return G_SOURCE_REMOVE;
}

static void log_mikey_keys (ImpsUeCall *call, const ImpsMikeyKeySet *set, gboolean forked);

static void use_ticket (ImpsUeCall *call, ImpsMikeyHeldTicket *held);

static void
ticket_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  ImpsUeCall *call = async_ref_end (data);
  g_autoptr (GError) error = NULL;
  if (call == NULL)
    return;
  ImpsUeSip *sip = call->sip;
  ImpsMikeyHeldTicket *held = sip->kms.request_ticket_finish (sip->kms.kms, result, &error);
  if (call->state == IMPS_UE_CALL_TERMINATED)
    return;
  if (held == NULL)
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "no ticket for the call to %s",
            call->peer_uri);
      call_end (call, 0, error->message);
      return;
    }
  if (sip->kms.hold_ticket)
    sip->kms.hold_ticket (sip->kms.kms, held);
  use_ticket (call, held);
}

/* The caller has its ticket: TRANSFER_INIT, offer, INVITE. */
static void
use_ticket (ImpsUeCall *call, ImpsMikeyHeldTicket *held)
{
  ImpsUeSip *sip = call->sip;
  g_autoptr (GError) error = NULL;
  call->held = held;
  ImpsMikeyTransferParams p = { 0 };
  p.suite = sip->mikey_suite;
  p.initiator_uri = sip->claimed_initiator ? sip->claimed_initiator : sip->impu;
  p.responder_uri = call->peer_uri;
  p.n_media = 1;
  p.ssrc[0] = imps_ue_media_get_ssrc (call->media);
  p.sdp_ids = "mikey";
  call->ti = imps_mikey_transfer_init_build (held, &p, imps_clock_now_ntp (sip->clock),
                                             sip->ue->random, &error);
  if (call->ti == NULL || !make_offer (call, &error))
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "no offer for the call to %s",
            call->peer_uri);
      call_end (call, 0, error->message);
      return;
    }
  call->csb_id = call->ti->hdr.csb_id;
  log_mikey_keys (call, &held->keys, (held->policy.flags & IMPS_MIKEY_TICKET_FLAG_I) != 0);
  send_invite (call);
}

/* Key log (profile §8): MIKEY_MPK and MIKEY_TGK lines under the CSB ID of
 * the TRANSFER_INIT. The caller logs MPKi, MPKr and, without forking, the
 * TGK; each answering device of a forked call logs its MPKr' and its TGK'
 * (one line per fork), which both ends of that fork use. */
/* A fingerprint of the TGK the call's keys come from (a fork's TGK' with
 * forking, the one TGK without), so forks can be compared at the TGK level:
 * their TEKs differ through RANDRr either way. */
static void
note_tgk_fingerprint (ImpsUeCall *call, const ImpsMikeyKeySet *set)
{
  g_autoptr (GChecksum) fp = g_checksum_new (G_CHECKSUM_SHA256);
  gsize fp_len = sizeof call->tgk_fp;
  gboolean any = FALSE;
  for (guint i = 0; i < set->n_keys; i++)
    if (set->keys[i].type == IMPS_MIKEY_KEY_TGK)
      {
        g_checksum_update (fp, set->keys[i].key, set->keys[i].key_len);
        any = TRUE;
      }
  if (!any)
    return;
  g_checksum_get_digest (fp, call->tgk_fp, &fp_len);
  call->has_tgk_fp = TRUE;
}

static void
log_mikey_keys (ImpsUeCall *call, const ImpsMikeyKeySet *set, gboolean forked)
{
  ImpsKeyLog *log = call->sip->ue->key_log;
  note_tgk_fingerprint (call, set);
  if (log == NULL)
    return;
  if (call->caller)
    {
      if (set->n_mpks >= 1)
        imps_key_log_mikey_mpk (log, call->csb_id, IMPS_KEY_LOG_MPK_INITIATOR,
                                set->mpks[0].key, set->mpks[0].key_len);
      if (set->n_mpks >= 2)
        imps_key_log_mikey_mpk (log, call->csb_id, IMPS_KEY_LOG_MPK_RESPONDER,
                                set->mpks[1].key, set->mpks[1].key_len);
    }
  else if (forked && set->n_mpks >= 2)
    imps_key_log_mikey_mpk (log, call->csb_id, IMPS_KEY_LOG_MPK_FORKED, set->mpks[1].key,
                            set->mpks[1].key_len);
  if (call->caller == forked)
    return; /* the caller of a forked call holds no fork's TGK'; an unforked callee's TGK is the caller's */
  for (guint i = 0; i < set->n_keys; i++)
    if (set->keys[i].type == IMPS_MIKEY_KEY_TGK)
      imps_key_log_mikey_tgk (log, call->csb_id, set->keys[i].spi, set->keys[i].spi_len,
                              set->keys[i].key, set->keys[i].key_len);
}

static ImpsUeCall *
call_new (ImpsUeSip *sip, gboolean caller, GError **error)
{
  ImpsUeCall *call = g_new0 (ImpsUeCall, 1);
  call->sip = sip;
  call->caller = caller;
  call->local_tag = imps_sip_tag_new (sip->ue->random);
  for (guint tries = 0; tries < 64 && call->media == NULL; tries++)
    {
      guint16 port = sip->next_media_port;
      if ((guint) port + 3 > sip->media_last)
        sip->next_media_port = sip->media_first; /* this one is the last pair */
      else
        sip->next_media_port = (guint16) (port + 2);
      g_clear_error (error);
      call->media = imps_ue_media_new (sip->bus, sip->clock, sip->ue->name, sip->ue->address,
                                       port, sip->ue->random, sip->ue->key_log, error);
    }
  if (call->media == NULL)
    {
      call_free (call);
      return NULL;
    }
  g_clear_error (error);
  g_ptr_array_add (sip->calls, call);
  if (sip->new_call_cb)
    sip->new_call_cb (sip, sip->new_call_cb_data);
  return call;
}

gboolean
imps_ue_sip_set_media_ports (ImpsUeSip *sip, guint16 first, guint16 last)
{
  g_return_val_if_fail (sip != NULL, FALSE);
  if ((first & 1) != 0 || (guint) first + 1 > last)
    return FALSE;
  sip->media_first = first;
  sip->media_last = last;
  sip->next_media_port = first;
  return TRUE;
}

ImpsUeCall *
imps_ue_sip_call (ImpsUeSip *sip, const gchar *to_uri, ImpsUeSecurity security,
                  const gchar *target_address, guint16 target_port, GError **error)
{
  g_return_val_if_fail (sip != NULL && to_uri != NULL, NULL);
  if (!imps_sip_uri_validate (to_uri, -1, error))
    return NULL;
  if (target_address == NULL && sip->proxy_address == NULL)
    {
      g_set_error (error, IMPS_UE_SIP_ERROR, IMPS_UE_SIP_ERROR_NO_ROUTE,
                   "call to %s: no target address and no outbound proxy", to_uri);
      return NULL;
    }
  if (security == IMPS_UE_SECURITY_MIKEY_TICKET && !sip->have_kms)
    {
      g_set_error (error, IMPS_UE_SIP_ERROR, IMPS_UE_SIP_ERROR_NO_KMS,
                   "call to %s: MIKEY-TICKET needs a KMS interface", to_uri);
      return NULL;
    }
  ImpsUeCall *call = call_new (sip, TRUE, error);
  if (call == NULL)
    return NULL;
  call->security = security;
  call->peer_uri = g_strdup (to_uri);
  call->call_id = imps_sip_call_id_new (sip->ue->random, sip->ue->address);
  call->hop_address = g_strdup (target_address ? target_address : sip->proxy_address);
  call->hop_port = target_address ? (target_port ? target_port : IMPS_UE_SIP_PORT)
                                  : sip->proxy_port;
  if (security == IMPS_UE_SECURITY_MIKEY_TICKET)
    {
      ImpsMikeyTp tp;
      imps_mikey_tp_init_default (&tp, sip->mikey_suite.prf, sip->mikey_forking);
      imps_mikey_tp_add_responder (&tp, call->peer_uri);
      call->state = IMPS_UE_CALL_PREPARING;
      if (sip->next_ticket != NULL)
        {
          ImpsMikeyHeldTicket *held = g_steal_pointer (&sip->next_ticket);
          use_ticket (call, held);
          return call;
        }
      sip->kms.request_ticket_async (sip->kms.kms, &tp, sip->alive, ticket_ready,
                                     async_ref_new (call));
      return call;
    }
  if (!make_offer (call, error))
    {
      call_end (call, 0, (*error)->message);
      return NULL;
    }
  send_invite (call);
  return call;
}

static void
send_in_dialog (ImpsUeCall *call, const gchar *method)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipVia) via = new_via (call->sip);
  g_autoptr (ImpsSipMessage) req = imps_sip_dialog_new_request (call->dialog, method, via,
                                                                &error);
  if (req == NULL)
    {
      note (call->sip, IMPS_EVENT_FAILURE, error->message, "no %s", method);
      return;
    }
  send_request (call->sip, req);
}

/* Caller: the 2xx answer's SDP. */
static gboolean
caller_take_answer (ImpsUeCall *call, const ImpsSipMessage *resp, GError **error)
{
  GBytes *body = imps_sip_message_get_body (resp);
  gsize len = 0;
  const gchar *text = g_bytes_get_data (body, &len);
  guint ext_id = 0;
  call->answer = imps_sdp_parse (text, len, error);
  if (call->answer == NULL || !set_media_remote (call, call->answer, error)
      || !sdp_ext_id (call->answer, &ext_id, error))
    return FALSE;
  /* the answer's ID; none announced: the profile's fixed ID */
  imps_ue_media_set_ext_id (call->media, ext_id != 0 ? (guint8) ext_id : IMPS_UE_MEDIA_EXT_ID);
  switch (call->security)
    {
    case IMPS_UE_SECURITY_SDES_E2E:
    case IMPS_UE_SECURITY_SDES_E2AE:
      return media_sdes_keys (call, error);
    case IMPS_UE_SECURITY_MIKEY_TICKET:
      {
        ImpsSdpMedia *m = imps_sdp_get_media (call->answer, 0);
        g_autoptr (GPtrArray) km = imps_sdp_key_mgmt_effective (call->answer, m, error);
        ImpsMikeySrtpKeys keys[IMPS_MIKEY_MAX_CS];
        guint n = 0;
        gboolean ok;
        if (km == NULL)
          return FALSE;
        if (km->len != 1 || strcmp (((ImpsSdpKeyMgmt *) km->pdata[0])->prtcl_id, "mikey") != 0)
          {
            g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_NOT_FOUND,
                         "answer has %u a=key-mgmt lines, not one for mikey", km->len);
            return FALSE;
          }
        gsize dlen = 0;
        const guint8 *data = g_bytes_get_data (((ImpsSdpKeyMgmt *) km->pdata[0])->data, &dlen);
        g_autoptr (ImpsMikeyMessage) tr = imps_mikey_message_parse (data, dlen, error);
        if (tr == NULL)
          return FALSE;
        g_autofree gchar *ids = imps_sdp_key_mgmt_ids (km);
        ok = imps_mikey_transfer_resp_process (call->held, call->ti, data, dlen,
                                               imps_clock_now_ntp (call->sip->clock),
                                               IMPS_UE_SIP_MIKEY_SKEW, keys, &n, NULL, error)
             && imps_mikey_check_sdp_ids (tr, ids, error)
             && media_mikey_keys (call, keys, n, tr, error);
        imps_mikey_srtp_keys_clear (keys, IMPS_MIKEY_MAX_CS);
        return ok;
      }
    case IMPS_UE_SECURITY_NONE:
    default:
      if (g_strcmp0 (imps_sdp_media_get_proto (imps_sdp_get_media (call->answer, 0)), "RTP/AVP")
          != 0)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                       "answer's profile %s does not match the offer's RTP/AVP",
                       imps_sdp_media_get_proto (imps_sdp_get_media (call->answer, 0)));
          return FALSE;
        }
      return TRUE;
    }
}

/* The callee answered 488 (Not Acceptable Here) to an offer whose
 * TRANSFER_INIT carried the ticket @call->held: its KMS would not resolve
 * it (a wiped KMS no longer verifies its own tickets, a ticket expired or
 * used up) or the callee refused the key management. A caller cannot tell
 * which from the answer, and offering the same ticket again would meet the
 * same refusal: the ticket leaves the cache (a named ticket, never cached,
 * stays with the script), unless another call of this UE still uses it. */
static void
caller_drop_refused_ticket (ImpsUeCall *call)
{
  ImpsUeSip *sip = call->sip;
  ImpsMikeyHeldTicket *held = call->held;
  if (held == NULL || sip->kms.drop_ticket == NULL)
    return;
  for (guint i = 0; i < sip->calls->len; i++)
    {
      ImpsUeCall *other = g_ptr_array_index (sip->calls, i);
      if (other != call && other->held == held && other->state != IMPS_UE_CALL_TERMINATED)
        return;
    }
  call->held = NULL;
  if (sip->kms.drop_ticket (sip->kms.kms, held))
    note (sip, IMPS_EVENT_NOTE, NULL, "cached ticket dropped: the call to %s got 488, the "
          "next call asks the KMS for a new ticket", call->peer_uri);
}

static void
caller_response (ImpsUeCall *call, const ImpsSipMessage *resp, const ImpsSipCSeq *cseq)
{
  ImpsUeSip *sip = call->sip;
  guint status = imps_sip_message_get_status (resp);
  g_autoptr (GError) error = NULL;

  if (strcmp (cseq->method, "INVITE") != 0)
    return;   /* 200 to BYE or CANCEL: nothing more to do */
  if (call->invite == NULL)
    return;   /* long over and forgotten (call_forget_done) */
  if (status < 200)
    {
      /* Timer B runs in the Calling state only (RFC 3261 §17.1.1.2): a
       * provisional answer stops it; the ring may last (Timer C is the
       * proxies') */
      if (call->timer_b)
        imps_clock_timeout_remove (sip->clock, call->timer_b);
      call->timer_b = 0;
      if (call->state == IMPS_UE_CALL_CALLING || call->state == IMPS_UE_CALL_PROCEEDING)
        call_changed (call, status == 100 ? IMPS_UE_CALL_PROCEEDING : IMPS_UE_CALL_RINGING);
      /* Early media (an outside callee's 183 with SDP): its SDES answer
       * keys what the callee sends before its 200; the 200's answer is
       * taken as always and replaces them. */
      GBytes *early = imps_sip_message_get_body (resp);
      if (status > 100 && call->dialog == NULL && call->answer == NULL && early != NULL
          && g_bytes_get_size (early) > 0
          && (call->security == IMPS_UE_SECURITY_SDES_E2E
              || call->security == IMPS_UE_SECURITY_SDES_E2AE))
        {
          if (!caller_take_answer (call, resp, &error))
            note (sip, IMPS_EVENT_NOTE, error->message, "early answer of %s not taken",
                  call->call_id);
          g_clear_pointer (&call->answer, imps_sdp_free);
        }
      return;
    }
  if (status >= 300)
    {
      g_autoptr (ImpsSipMessage) ack = imps_sip_message_new_ack_for_error (call->invite, resp,
                                                                          &error);
      if (ack != NULL)
        send_msg (sip, ack, call->hop_address, call->hop_port);
      if (status == 488)
        caller_drop_refused_ticket (call);
      if (call->state != IMPS_UE_CALL_TERMINATED)
        {
          g_autofree gchar *why = g_strdup_printf ("%u %s", status,
                                                   imps_sip_message_get_reason (resp));
          call_end (call, status, why);
        }
      return;
    }
  /* 2xx: ACK it (also a retransmission or another fork's) */
  g_autoptr (ImpsSipVia) via = new_via (sip);
  g_autoptr (ImpsSipMessage) ack = imps_sip_message_new_ack_for_2xx (call->invite, resp, via,
                                                                     &error);
  if (ack == NULL)
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "no ACK for the 2xx of %s", call->call_id);
      return;
    }
  if (call->dialog != NULL)
    {
      send_request (sip, ack);
      if (!imps_sip_dialog_matches (call->dialog, resp))
        {
          /* another fork answered too: end that one (RFC 3261 §13.2.2.4) */
          g_autoptr (ImpsSipDialog) other = imps_sip_dialog_new_uac (call->invite, resp, NULL);
          g_autoptr (ImpsSipVia) bv = new_via (sip);
          g_autoptr (ImpsSipMessage) bye = other ? imps_sip_dialog_new_request (other, "BYE", bv,
                                                                               NULL) : NULL;
          if (bye)
            send_request (sip, bye);
        }
      return;
    }
  call->dialog = imps_sip_dialog_new_uac (call->invite, resp, &error);
  if (call->dialog == NULL)
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "no dialog for %s", call->call_id);
      return;
    }
  call->status = status;
  call_stop_timers (call);
  send_request (sip, ack);
  if (call->state == IMPS_UE_CALL_TERMINATED || call->cancelled)
    {
      /* hung up (CANCEL) or given up (Timer B) while the 200 was on its
       * way: confirm and end the dialog (RFC 3261 §9.1) */
      send_in_dialog (call, "BYE");
      call_end (call, 0, "cancelled; the 200 crossed the CANCEL");
      return;
    }
  if (!caller_take_answer (call, resp, &error))
    {
      note (sip, IMPS_EVENT_REFUSAL, error->message, "answer of %s refused, BYE", call->call_id);
      send_in_dialog (call, "BYE");
      call_end (call, 0, error->message);
      return;
    }
  imps_ue_media_start (call->media);
  call_changed (call, IMPS_UE_CALL_ESTABLISHED);
}

/* ---- callee ------------------------------------------------------------ */

static void
callee_send_200 (ImpsUeCall *call)
{
  ImpsUeSip *sip = call->sip;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) resp = imps_sip_message_new_response_for (call->invite, 200, NULL,
                                                                       call->local_tag, &error);
  if (resp == NULL)
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "no 200 for %s", call->call_id);
      return;
    }
  g_autofree gchar *contact = contact_uri (sip);
  g_autofree gchar *contact_hdr = g_strdup_printf ("<%s>", contact);
  imps_sip_message_append_header (resp, "Contact", contact_hdr);
  g_autoptr (GBytes) body = sdp_bytes (call, call->answer, FALSE);
  imps_sip_message_set_body (resp, body, "application/sdp");
  call->dialog = imps_sip_dialog_new_uas (call->invite, resp, &error);
  if (call->dialog == NULL)
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "no dialog for %s", call->call_id);
      respond (sip, call->invite, 500, call->local_tag, "no dialog");
      call_end (call, 500, error->message);
      return;
    }
  call->status = 200;
  send_response (sip, resp);
  /* media starts with the ACK: the caller has the answer's keys by then,
   * while packets sent now could overtake the 200 on a longer signalling
   * path (through the CSCFs) and arrive before the caller has its keys */
  call_changed (call, IMPS_UE_CALL_ESTABLISHED);
}

static void
callee_maybe_answer (ImpsUeCall *call)
{
  if (call->state == IMPS_UE_CALL_TERMINATED || call->status != 0)
    return;
  if (call->ring_done && call->answer_ready)
    callee_send_200 (call);
}

static gboolean
ring_fired (gpointer data)
{
  ImpsUeCall *call = data;
  call->ring_timer = 0;
  call->ring_done = TRUE;
  callee_maybe_answer (call);
  return G_SOURCE_REMOVE;
}

static void
callee_refuse (ImpsUeCall *call, guint status, const GError *why)
{
  note (call->sip, IMPS_EVENT_REFUSAL, why->message, "%u to the INVITE %s", status,
        call->call_id);
  respond (call->sip, call->invite, status, call->local_tag, why->message);
  call_end (call, status, why->message);
}

/* The caller's identity as the IMS core asserts it: the INVITE's
 * P-Asserted-Identity values (RFC 3325; the caller's P-CSCF sets them),
 * else its From URI. */
static GPtrArray *
sip_caller_identities (const ImpsSipMessage *invite)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sip_uri_free);
  g_autoptr (GPtrArray) pai = imps_sip_message_get_values (invite, "P-Asserted-Identity");
  for (guint i = 0; pai != NULL && i < pai->len; i++)
    {
      const gchar *v = pai->pdata[i];
      ImpsSipNameAddr *na = imps_sip_name_addr_parse (v, -1, FALSE, NULL);
      if (na != NULL)
        {
          g_ptr_array_add (out, imps_sip_uri_copy (na->uri));
          imps_sip_name_addr_free (na);
        }
    }
  if (out->len == 0)
    {
      g_autoptr (ImpsSipNameAddr) from = imps_sip_message_get_from (invite, NULL);
      if (from != NULL)
        g_ptr_array_add (out, imps_sip_uri_copy (from->uri));
    }
  return out;
}

/* Mutual identity verification (TS 33.328, media plane security: "SIP security
 * independent mutual identity verification of caller and answering
 * user"): the ticket's IDRi, which the KMS bound to the requester's B-TID
 * and which the resolve authenticated, must be the IDRi of the
 * TRANSFER_INIT and the caller the INVITE asserts. Otherwise someone
 * sends a ticket (and a TRANSFER_INIT) of another user: refused. */
static gboolean
check_caller_identity (ImpsUeCall *call, const ImpsMikeyResolved *res, GError **error)
{
  const ImpsMikeyBytes *ti_id = &res->policy.initiator_id;
  g_autofree gchar *ticket_i = g_strndup ((const gchar *) ti_id->data, MIN (ti_id->len, 256));
  const ImpsMikeyPayload *idri = imps_mikey_message_find_idr (call->ti, IMPS_MIKEY_ID_ROLE_I);

  if (ti_id->len == 0)
    {
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_ID,
                   "the ticket names no initiator (IDRi): the caller cannot be verified");
      return FALSE;
    }
  if (idri != NULL
      && (idri->u.id.data.len != ti_id->len
          || memcmp (idri->u.id.data.data, ti_id->data, ti_id->len) != 0))
    {
      g_autofree gchar *claimed = g_strndup ((const gchar *) idri->u.id.data.data,
                                             MIN (idri->u.id.data.len, 256));
      g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_ID,
                   "TRANSFER_INIT IDRi %s is not the ticket's initiator %s (caller identity "
                   "mismatch)", claimed, ticket_i);
      return FALSE;
    }
  g_autoptr (ImpsSipUri) want = imps_sip_uri_parse (ticket_i, -1, NULL);
  g_autoptr (GPtrArray) sip_ids = sip_caller_identities (call->invite);
  g_autoptr (GString) seen = g_string_new (NULL);
  for (guint i = 0; i < sip_ids->len; i++)
    {
      g_autofree gchar *s = imps_sip_uri_to_string (sip_ids->pdata[i]);
      if (want != NULL && imps_sip_uri_equal (want, sip_ids->pdata[i]))
        return TRUE;
      g_string_append_printf (seen, "%s%s", seen->len ? ", " : "", s);
    }
  g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_ID,
               "the ticket's initiator %s is not the SIP caller %s (%s; caller identity "
               "mismatch)", ticket_i, seen->len ? seen->str : "(none)",
               imps_sip_message_get_header_value (call->invite, "P-Asserted-Identity") != NULL
               ? "P-Asserted-Identity" : "From, no P-Asserted-Identity");
  return FALSE;
}

static void
resolve_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  ImpsUeCall *call = async_ref_end (data);
  g_autoptr (GError) error = NULL;
  if (call == NULL)
    return;
  ImpsUeSip *sip = call->sip;
  ImpsMikeyResolved *res = sip->kms.resolve_finish (sip->kms.kms, result, &error);
  if (call->state == IMPS_UE_CALL_TERMINATED)
    {
      imps_mikey_resolved_free (res);
      return;
    }
  if (res == NULL)
    {
      callee_refuse (call, 488, error);
      return;
    }
  call->resolved = res;
  log_mikey_keys (call, &res->keys, res->forked);
  if (!check_caller_identity (call, res, &error))
    {
      callee_refuse (call, 488, error);
      return;
    }
  /* bidding-down protection (A-24): the SDP IDs under the now verified MAC
   * must be the offer's a=key-mgmt list */
  {
    g_autoptr (GPtrArray) km = imps_sdp_key_mgmt_effective (call->offer,
                                                            imps_sdp_get_media (call->offer, 0),
                                                            &error);
    g_autofree gchar *ids = km ? imps_sdp_key_mgmt_ids (km) : NULL;
    if (ids == NULL || !imps_mikey_check_sdp_ids (call->ti, ids, &error))
      {
        callee_refuse (call, 488, error);
        return;
      }
  }
  /* The TRANSFER_INIT is verified now (its MAC under the resolved keys):
   * only now may it enter the replay cache (RFC 3830 §5.4), so that the
   * same message in a later INVITE is refused by the precheck. */
  {
    const ImpsMikeyPayload *t = imps_mikey_message_find (call->ti, IMPS_MIKEY_PAYLOAD_T);
    guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN];
    gboolean full = FALSE;
    imps_mikey_replay_digest (call->ti->body.raw, call->ti->body.raw_len, digest);
    if (t == NULL
        || !imps_mikey_replay_insert (sip->replay, digest, imps_mikey_timestamp_to_64 (&t->u.ts),
                                      imps_clock_now_ntp (sip->clock), &full))
      {
        g_set_error (&error, IMPS_MIKEY_ERROR,
                     full ? IMPS_MIKEY_ERROR_UNSPECIFIED : IMPS_MIKEY_ERROR_REPLAY,
                     full ? "replay cache full: TRANSFER_INIT refused"
                          : "TRANSFER_INIT (CSB ID %08x) was received before (replay)",
                     call->ti->hdr.csb_id);
        callee_refuse (call, 488, error);
        return;
      }
  }
  ImpsMikeySrtpKeys keys[IMPS_MIKEY_MAX_CS];
  guint n = 0;
  guint32 ssrc = imps_ue_media_get_ssrc (call->media);
  g_autoptr (ImpsMikeyMessage) tr = imps_mikey_transfer_resp_build (call->ti, res, sip->impu,
                                                                    &ssrc, 1,
                                                                    imps_clock_now_ntp (sip->clock),
                                                                    sip->ue->random, keys, &n,
                                                                    NULL, &error);
  gboolean ok = tr != NULL
                && media_mikey_keys (call, keys, n, tr, &error)
                && imps_sdp_add_key_mgmt (call->answer, imps_sdp_get_media (call->answer, 0),
                                          "mikey", tr->body.raw, tr->body.raw_len, &error);
  imps_mikey_srtp_keys_clear (keys, IMPS_MIKEY_MAX_CS);
  if (!ok)
    {
      callee_refuse (call, 488, error);
      return;
    }
  call->answer_ready = TRUE;
  callee_maybe_answer (call);
}

/* Whether the ID payload @idr names this user: its IMPU or one of its
 * other public identities. */
static gboolean
names_this_user (ImpsUeSip *sip, const ImpsMikeyPayload *idr)
{
  if (idr == NULL)
    return FALSE;
  if (idr->u.id.data.len == strlen (sip->impu)
      && memcmp (idr->u.id.data.data, sip->impu, idr->u.id.data.len) == 0)
    return TRUE;
  for (guint i = 0; sip->identities != NULL && i + 1 < sip->identities->len; i++)
    {
      const gchar *id = g_ptr_array_index (sip->identities, i);
      if (idr->u.id.data.len == strlen (id)
          && memcmp (idr->u.id.data.data, id, idr->u.id.data.len) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Reads the offer and prepares the answer; MIKEY continues in
 * resolve_ready(). FALSE with the status to refuse with. */
static gboolean
callee_prepare (ImpsUeCall *call, guint *status, GError **error)
{
  ImpsUeSip *sip = call->sip;
  GBytes *body = imps_sip_message_get_body (call->invite);
  gsize len = 0;
  const gchar *text = g_bytes_get_data (body, &len);
  guint ext_id = 0;

  *status = 488;
  call->offer = imps_sdp_parse (text, len, error);
  if (call->offer == NULL || !set_media_remote (call, call->offer, error)
      || !sdp_ext_id (call->offer, &ext_id, error))
    return FALSE;
  imps_ue_media_set_ext_id (call->media, ext_id != 0 ? (guint8) ext_id : IMPS_UE_MEDIA_EXT_ID);
  ImpsSdpMedia *om = imps_sdp_get_media (call->offer, 0);
  g_autoptr (GPtrArray) km = imps_sdp_key_mgmt_effective (call->offer, om, error);
  if (km == NULL)
    return FALSE;
  const gchar *proto = imps_sdp_media_get_proto (om);
  if (km->len > 0)
    call->security = IMPS_UE_SECURITY_MIKEY_TICKET;
  else if (imps_sdp_media_find_attribute (om, "crypto", 0) != NULL)
    call->security = IMPS_UE_SECURITY_SDES_E2E;
  else if (g_strcmp0 (proto, "RTP/AVP") == 0)
    call->security = IMPS_UE_SECURITY_NONE;
  else
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_NO_ACCEPTABLE,
                   "offer's %s m-line has neither a=crypto nor a=key-mgmt", proto);
      return FALSE;
    }
  call->answer = sdp_new (call, call->security == IMPS_UE_SECURITY_NONE ? "RTP/AVP" : proto,
                          ext_id, error);
  if (call->answer == NULL)
    return FALSE;
  ImpsSdpMedia *am = imps_sdp_get_media (call->answer, 0);
  switch (call->security)
    {
    case IMPS_UE_SECURITY_SDES_E2E:
      if (!imps_sdes_answer_add (om, am, &sip->sdes_policy, sip->ue->random, error)
          || !media_sdes_keys (call, error))
        return FALSE;
      call->answer_ready = TRUE;
      return TRUE;
    case IMPS_UE_SECURITY_MIKEY_TICKET:
      {
        const ImpsSdpKeyMgmt *k = NULL;
        for (guint i = 0; i < km->len && k == NULL; i++)
          if (strcmp (((ImpsSdpKeyMgmt *) km->pdata[i])->prtcl_id, "mikey") == 0)
            k = km->pdata[i];
        if (k == NULL)
          {
            g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_NO_ACCEPTABLE,
                         "offer's a=key-mgmt names no mikey");
            return FALSE;
          }
        if (!sip->have_kms)
          {
            g_set_error (error, IMPS_UE_SIP_ERROR, IMPS_UE_SIP_ERROR_NO_KMS,
                         "MIKEY-TICKET offered but this UE has no KMS");
            return FALSE;
          }
        gsize dlen = 0;
        const guint8 *data = g_bytes_get_data (k->data, &dlen);
        call->ti = imps_mikey_transfer_init_precheck (data, dlen, sip->impu,
                                                      imps_clock_now_ntp (sip->clock),
                                                      IMPS_UE_SIP_MIKEY_SKEW, sip->replay, error);
        if (call->ti == NULL)
          return FALSE;
        /* the precheck reads the IDRr against the ticket; that the IDRr
         * names this UE is the UE's check: its own IMPU, or a group
         * identity it is a member of that the INVITE was addressed to
         * (To); the KMS checks the membership again when it resolves */
        const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (call->ti,
                                                                  IMPS_MIKEY_ID_ROLE_R);
        g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (call->invite, NULL);
        g_autofree gchar *to_uri = to != NULL ? imps_sip_uri_to_string (to->uri) : NULL;
        gboolean to_group = idr != NULL && to_uri != NULL && sip->groups != NULL
                            && g_strv_contains ((const gchar *const *) sip->groups->pdata, to_uri)
                            && idr->u.id.data.len == strlen (to_uri)
                            && memcmp (idr->u.id.data.data, to_uri, idr->u.id.data.len) == 0;
        if (!to_group && !names_this_user (sip, idr))
          {
            g_autofree gchar *named = idr ? g_strndup ((const gchar *) idr->u.id.data.data,
                                                       MIN (idr->u.id.data.len, 256)) : NULL;
            g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_ID,
                         "TRANSFER_INIT IDRr %s is not this UE's %s",
                         named ? named : "(absent)", sip->impu);
            return FALSE;
          }
        call->csb_id = call->ti->hdr.csb_id;
        if (sip->resolve_delay_us > 0)
          imps_clock_timeout_add (sip->clock, sip->resolve_delay_us, start_resolve,
                                  async_ref_new (call), NULL);
        else
          sip->kms.resolve_async (sip->kms.kms, call->ti, sip->alive, resolve_ready,
                                  async_ref_new (call));
        return TRUE;
      }
    case IMPS_UE_SECURITY_NONE:
    default:
      call->answer_ready = TRUE;
      return TRUE;
    }
}

static void
callee_invite (ImpsUeSip *sip, const ImpsSipMessage *invite)
{
  const gchar *call_id = imps_sip_message_get_call_id (invite);
  g_autoptr (GError) error = NULL;
  guint status = 0;

  for (guint i = 0; i < sip->calls->len; i++)
    {
      ImpsUeCall *c = sip->calls->pdata[i];
      if (!c->caller && g_strcmp0 (c->call_id, call_id) == 0)
        return;   /* a retransmission, or a re-INVITE (not supported: ignored) */
    }
  respond (sip, invite, 100, NULL, NULL);
  ImpsUeCall *call = call_new (sip, FALSE, &error);
  if (call == NULL)
    {
      note (sip, IMPS_EVENT_FAILURE, error->message, "486 to the INVITE %s", call_id);
      respond (sip, invite, 486, NULL, error->message);
      return;
    }
  call->invite = imps_sip_message_copy (invite);
  call->call_id = g_strdup (call_id);
  {
    g_autoptr (ImpsSipNameAddr) from = imps_sip_message_get_from (invite, NULL);
    call->peer_uri = from ? imps_sip_uri_to_string (from->uri) : g_strdup ("?");
  }
  call->state = IMPS_UE_CALL_CALLING;
  if (sip->call_cb)
    sip->call_cb (sip, call, sip->call_cb_data);
  if (sip->reject_status >= 300)
    {
      g_autoptr (GError) why = g_error_new (IMPS_UE_SIP_ERROR, IMPS_UE_SIP_ERROR_INVALID,
                                            "configured to answer %u", sip->reject_status);
      note (sip, IMPS_EVENT_NOTE, why->message, "%u to the INVITE %s", sip->reject_status,
            call_id);
      respond (sip, invite, sip->reject_status, call->local_tag, NULL);
      call_end (call, sip->reject_status, why->message);
      return;
    }
  if (!callee_prepare (call, &status, &error))
    {
      callee_refuse (call, status, error);
      return;
    }
  if (call->state == IMPS_UE_CALL_TERMINATED)
    return;
  respond (sip, invite, 180, call->local_tag, NULL);
  call_changed (call, IMPS_UE_CALL_RINGING);
  call->ring_timer = imps_clock_timeout_add (sip->clock, sip->ring_us, ring_fired, call, NULL);
}

/* ---- receiving --------------------------------------------------------- */

static ImpsUeCall *
find_call (ImpsUeSip *sip, const gchar *call_id, gboolean caller)
{
  for (guint i = 0; i < sip->calls->len; i++)
    {
      ImpsUeCall *c = sip->calls->pdata[i];
      if (c->caller == caller && g_strcmp0 (c->call_id, call_id) == 0)
        return c;
    }
  return NULL;
}

static void
register_response (ImpsUeSip *sip, const ImpsSipMessage *resp);

static void
receive_request (ImpsUeSip *sip, const ImpsSipMessage *req)
{
  const gchar *method = imps_sip_message_get_method (req);
  const gchar *call_id = imps_sip_message_get_call_id (req);
  ImpsUeCall *call = find_call (sip, call_id, FALSE);
  if (call == NULL)
    call = find_call (sip, call_id, TRUE);

  if (strcmp (method, "INVITE") == 0)
    {
      gchar tag[64];
      if (imps_sip_message_get_to_tag (req, tag, sizeof tag))
        respond (sip, req, 501, NULL, "re-INVITE is not supported");
      else
        callee_invite (sip, req);
      return;
    }
  if (strcmp (method, "ACK") == 0)
    {
      /* the ACK of our 2xx starts the callee's media (the ACK of an error
       * answer matches no dialog and ends nothing) */
      if (call != NULL && !call->caller && call->dialog != NULL
          && call->state == IMPS_UE_CALL_ESTABLISHED && imps_sip_dialog_matches (call->dialog, req))
        imps_ue_media_start (call->media);
      return;
    }
  if (strcmp (method, "CANCEL") == 0)
    {
      if (call == NULL || call->caller)
        {
          respond (sip, req, 481, NULL, NULL);
          return;
        }
      respond (sip, req, 200, call->local_tag, NULL);
      if (call->status == 0 && call->state != IMPS_UE_CALL_TERMINATED)
        {
          respond (sip, call->invite, 487, call->local_tag, NULL);
          call_end (call, 487, "cancelled by the caller");
        }
      return;
    }
  if (strcmp (method, "BYE") == 0)
    {
      if (call == NULL || call->dialog == NULL || !imps_sip_dialog_matches (call->dialog, req))
        {
          respond (sip, req, 481, NULL, NULL);
          return;
        }
      respond (sip, req, 200, NULL, NULL);
      call_end (call, 0, NULL);
      return;
    }
  respond (sip, req, 405, NULL, NULL);
}

static void
receive_sip (const gchar *from, guint16 from_port, const guint8 *data, gsize len,
             gpointer user_data)
{
  ImpsUeSip *sip = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse (data, len, &error);
  ImpsSipCSeq cseq;

  if (msg == NULL)
    {
      note (sip, IMPS_EVENT_REFUSAL, error->message, "SIP message from %s:%u dropped", from,
            from_port);
      return;
    }
  if (imps_sip_message_is_request (msg))
    {
      receive_request (sip, msg);
      return;
    }
  if (!imps_sip_message_get_cseq (msg, &cseq, &error))
    return;
  const gchar *call_id = imps_sip_message_get_call_id (msg);
  if (g_strcmp0 (call_id, sip->reg_call_id) == 0)
    {
      register_response (sip, msg);
      return;
    }
  ImpsUeCall *call = find_call (sip, call_id, TRUE);
  if (call != NULL)
    caller_response (call, msg, &cseq);
}

/* ---- hang up ------------------------------------------------------------ */

void
imps_ue_call_hangup (ImpsUeCall *call)
{
  g_return_if_fail (call != NULL);
  ImpsUeSip *sip = call->sip;
  g_autoptr (GError) error = NULL;

  switch (call->state)
    {
    case IMPS_UE_CALL_TERMINATED:
      return;
    case IMPS_UE_CALL_PREPARING:
      call_end (call, 0, "hung up before the INVITE");
      return;
    case IMPS_UE_CALL_ESTABLISHED:
      send_in_dialog (call, "BYE");
      call_end (call, 0, NULL);
      return;
    default:
      break;
    }
  if (call->caller)
    {
      g_autoptr (ImpsSipMessage) cancel = imps_sip_message_new_cancel_for (call->invite, &error);
      if (cancel == NULL)
        {
          note (sip, IMPS_EVENT_FAILURE, error->message, "no CANCEL for %s", call->call_id);
          return;
        }
      call->cancelled = TRUE;
      send_msg (sip, cancel, call->hop_address, call->hop_port);
      /* the call ends with the 487 (or a 200 that crossed: ACK and BYE) */
      return;
    }
  respond (sip, call->invite, 603, call->local_tag, NULL);
  call_end (call, 603, "declined");
}

/* ---- registration ------------------------------------------------------ */

gint64
imps_ue_sip_refresh_after_us (guint32 granted)
{
  if (granted > 1200)
    return (gint64) (granted - 600) * G_USEC_PER_SEC;
  return (gint64) granted * G_USEC_PER_SEC / 2;
}

static gboolean
register_refresh (gpointer data)
{
  ImpsUeSip *sip = data;
  sip->reg_timer = 0;
  imps_ue_sip_register (sip, NULL);
  return G_SOURCE_REMOVE;
}

static void
register_response (ImpsUeSip *sip, const ImpsSipMessage *resp)
{
  guint status = imps_sip_message_get_status (resp);
  guint32 expires = IMPS_UE_SIP_REGISTER_EXPIRES;
  if (status < 200)
    return;
  if (status >= 300)
    {
      sip->registered = FALSE;
      note (sip, IMPS_EVENT_FAILURE, NULL, "REGISTER refused: %u %s", status,
            imps_sip_message_get_reason (resp));
      if (sip->reg_cb)
        sip->reg_cb (sip, status, sip->reg_cb_data);
      return;
    }
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (resp, NULL);
  for (guint i = 0; contacts && i < contacts->len; i++)
    imps_sip_name_addr_get_expires (contacts->pdata[i], &expires);
  if (contacts == NULL || contacts->len == 0)
    imps_sip_message_get_expires (resp, &expires, NULL);
  sip->registered = expires > 0;
  if (sip->reg_timer)
    imps_clock_timeout_remove (sip->clock, sip->reg_timer);
  sip->reg_timer = expires > 0
                       ? imps_clock_timeout_add (sip->clock, imps_ue_sip_refresh_after_us (expires),
                                                 register_refresh, sip, NULL)
                       : 0;
  if (sip->reg_cb)
    sip->reg_cb (sip, status, sip->reg_cb_data);
}

gboolean
imps_ue_sip_register (ImpsUeSip *sip, GError **error)
{
  g_return_val_if_fail (sip != NULL, FALSE);
  if (sip->proxy_address == NULL)
    {
      g_set_error (error, IMPS_UE_SIP_ERROR, IMPS_UE_SIP_ERROR_NO_ROUTE,
                   "REGISTER: no outbound proxy");
      return FALSE;
    }
  g_autoptr (ImpsSipUri) impu = imps_sip_uri_parse (sip->impu, -1, error);
  if (impu == NULL)
    return FALSE;
  g_autofree gchar *registrar = g_strdup_printf ("sip:%s", impu->host);
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_new_request ("REGISTER", registrar);
  g_autoptr (ImpsSipVia) via = new_via (sip);
  g_autofree gchar *from = g_strdup_printf ("<%s>;tag=%s", sip->impu, sip->reg_tag);
  g_autofree gchar *to = g_strdup_printf ("<%s>", sip->impu);
  g_autofree gchar *contact = contact_uri (sip);
  g_autofree gchar *contact_hdr = g_strdup_printf ("<%s>;expires=%u", contact,
                                                   IMPS_UE_SIP_REGISTER_EXPIRES);
  g_autofree gchar *route = g_strdup_printf ("<sip:%s:%u;lr>", sip->proxy_address,
                                             sip->proxy_port);
  imps_sip_message_push_via (msg, via);
  imps_sip_message_set_max_forwards (msg, 70);
  imps_sip_message_append_header (msg, "Route", route);
  imps_sip_message_append_header (msg, "From", from);
  imps_sip_message_append_header (msg, "To", to);
  imps_sip_message_set_call_id (msg, sip->reg_call_id);
  imps_sip_message_set_cseq (msg, ++sip->reg_cseq, "REGISTER");
  imps_sip_message_append_header (msg, "Contact", contact_hdr);
  imps_sip_message_set_expires (msg, IMPS_UE_SIP_REGISTER_EXPIRES);
  send_msg (sip, msg, sip->proxy_address, sip->proxy_port);
  return TRUE;
}

void
imps_ue_sip_set_register_callback (ImpsUeSip *sip, ImpsUeRegisterFunc func, gpointer user_data)
{
  sip->reg_cb = func;
  sip->reg_cb_data = user_data;
}

gboolean
imps_ue_sip_is_registered (ImpsUeSip *sip)
{
  return sip->registered;
}

/* ---- the UE's Ua client as the KMS interface ----------------------------- */

static void
ua_request_async (gpointer kms, const ImpsMikeyTp *desired, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  imps_ue_ua_request_ticket_async (kms, desired, cancellable, callback, user_data);
}

static ImpsMikeyHeldTicket *
ua_request_finish (gpointer kms, GAsyncResult *result, GError **error)
{
  gboolean from_cache = FALSE;
  return imps_ue_ua_request_ticket_finish (kms, result, &from_cache, error);
}

static void
ua_resolve_async (gpointer kms, const ImpsMikeyMessage *transfer_init,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  imps_ue_ua_resolve_async (kms, transfer_init, cancellable, callback, user_data);
}

static ImpsMikeyResolved *
ua_resolve_finish (gpointer kms, GAsyncResult *result, GError **error)
{
  return imps_ue_ua_resolve_finish (kms, result, error);
}

static gboolean
ua_drop_ticket (gpointer kms, ImpsMikeyHeldTicket *held)
{
  return imps_ue_ua_drop_ticket (kms, held);
}

static void
ua_hold_ticket (gpointer kms, ImpsMikeyHeldTicket *held)
{
  imps_ue_ua_borrow_ticket (kms, held);
}

static void
ua_release_ticket (gpointer kms, ImpsMikeyHeldTicket *held)
{
  imps_ue_ua_release_ticket (kms, held);
}

void
imps_ue_sip_kms_for_ua (ImpsUeSipKms *kms, ImpsUeUa *ua)
{
  g_return_if_fail (kms != NULL && ua != NULL);
  memset (kms, 0, sizeof *kms);
  kms->request_ticket_async = ua_request_async;
  kms->request_ticket_finish = ua_request_finish;
  kms->resolve_async = ua_resolve_async;
  kms->resolve_finish = ua_resolve_finish;
  kms->drop_ticket = ua_drop_ticket;
  kms->hold_ticket = ua_hold_ticket;
  kms->release_ticket = ua_release_ticket;
  kms->kms = ua;
}

/* ---- the agent ---------------------------------------------------------- */

ImpsUeSip *
imps_ue_sip_new (ImpsUe *ue, ImpsSipBus *bus, const ImpsUeSipConfig *config, GError **error)
{
  g_return_val_if_fail (ue != NULL && bus != NULL && config != NULL, NULL);
  g_return_val_if_fail (config->impu != NULL, NULL);
  if (!imps_sip_uri_validate (config->impu, -1, error))
    return NULL;

  ImpsUeSip *sip = g_new0 (ImpsUeSip, 1);
  sip->ue = ue;
  sip->bus = bus;
  /* the device's own clock, skewed when the scenario says so */
  sip->clock = ue->clock ? ue->clock : imps_network_get_clock (sip_net (sip));
  sip->impu = g_strdup (config->impu);
  sip->port = config->sip_port ? config->sip_port : IMPS_UE_SIP_PORT;
  sip->proxy_address = g_strdup (config->proxy_address);
  sip->proxy_port = config->proxy_port ? config->proxy_port : IMPS_UE_SIP_PORT;
  sip->ring_us = config->ring_us;
  sip->resolve_delay_us = config->resolve_delay_us;
  sip->reject_status = config->reject_status;
  imps_mikey_suite_init (&sip->mikey_suite, config->mikey_suite_256);
  sip->mikey_forking = config->mikey_forking;
  imps_sdes_policy_init (&sip->sdes_policy);
  sip->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) call_free);
  sip->next_media_port = IMPS_UE_SIP_MEDIA_PORT_BASE;
  sip->media_first = IMPS_UE_SIP_MEDIA_PORT_BASE;
  sip->media_last = G_MAXUINT16;
  sip->alive = g_cancellable_new ();
  sip->replay = imps_mikey_replay_new (1024, IMPS_UE_SIP_MIKEY_SKEW);
  sip->reg_call_id = imps_sip_call_id_new (ue->random, ue->address);
  sip->reg_tag = imps_sip_tag_new (ue->random);
  sip->bus_id = imps_sip_bus_attach (bus, FALSE, ue->name, ue->address, sip->port, receive_sip,
                                     sip);
  if (sip->bus_id == 0)
    {
      g_set_error (error, IMPS_UE_SIP_ERROR, IMPS_UE_SIP_ERROR_PORT_TAKEN,
                   "SIP port %s:%u is taken", ue->address, sip->port);
      imps_ue_sip_free (sip);
      return NULL;
    }
  return sip;
}

void
imps_ue_sip_free (ImpsUeSip *sip)
{
  if (sip == NULL)
    return;
  g_cancellable_cancel (sip->alive);
  g_clear_object (&sip->alive);
  if (sip->bus_id)
    imps_sip_bus_detach (sip->bus, sip->bus_id);
  if (sip->reg_timer)
    imps_clock_timeout_remove (sip->clock, sip->reg_timer);
  g_ptr_array_unref (sip->calls);
  imps_mikey_replay_free (sip->replay);
  g_free (sip->impu);
  g_free (sip->claimed_initiator);
  if (sip->groups != NULL)
    g_ptr_array_unref (sip->groups);
  if (sip->identities != NULL)
    g_ptr_array_unref (sip->identities);
  g_free (sip->proxy_address);
  g_free (sip->reg_call_id);
  g_free (sip->reg_tag);
  g_free (sip);
}

void
imps_ue_sip_set_kms (ImpsUeSip *sip, const ImpsUeSipKms *kms)
{
  g_return_if_fail (sip != NULL && kms != NULL);
  sip->kms = *kms;
  sip->have_kms = TRUE;
}

/* Adds @identity to the NULL-terminated string array *@list. */
static void
strv_array_add (GPtrArray **list, const gchar *identity)
{
  if (*list == NULL)
    {
      *list = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (*list, NULL);
    }
  (*list)->pdata[(*list)->len - 1] = g_strdup (identity);
  g_ptr_array_add (*list, NULL);
}

void
imps_ue_sip_add_group (ImpsUeSip *sip, const gchar *identity)
{
  strv_array_add (&sip->groups, identity);
}

void
imps_ue_sip_add_identity (ImpsUeSip *sip, const gchar *identity)
{
  strv_array_add (&sip->identities, identity);
}

void
imps_ue_sip_set_next_ticket (ImpsUeSip *sip, ImpsMikeyHeldTicket *held)
{
  sip->next_ticket = held;
}

void
imps_ue_sip_set_claimed_initiator (ImpsUeSip *sip, const gchar *uri)
{
  g_free (sip->claimed_initiator);
  sip->claimed_initiator = g_strdup (uri);
}

void
imps_ue_sip_set_answer (ImpsUeSip *sip, gint64 ring_us, guint reject_status)
{
  sip->ring_us = ring_us;
  sip->reject_status = reject_status;
}

void
imps_ue_sip_set_call_callback (ImpsUeSip *sip, ImpsUeCallFunc func, gpointer user_data)
{
  sip->call_cb = func;
  sip->call_cb_data = user_data;
}

void
imps_ue_sip_set_new_call_func (ImpsUeSip *sip, ImpsUeNewCallFunc func, gpointer user_data)
{
  sip->new_call_cb = func;
  sip->new_call_cb_data = user_data;
}

void
imps_ue_sip_set_call_gone_func (ImpsUeSip *sip, ImpsUeCallGoneFunc func, gpointer user_data)
{
  sip->gone_cb = func;
  sip->gone_cb_data = user_data;
}

void
imps_ue_sip_set_sdp_hook (ImpsUeSip *sip, ImpsUeSdpHook hook, gpointer user_data)
{
  sip->sdp_hook = hook;
  sip->sdp_hook_data = user_data;
}

guint
imps_ue_sip_n_calls (ImpsUeSip *sip)
{
  return sip->calls->len;
}

ImpsUeCall *
imps_ue_sip_get_call (ImpsUeSip *sip, guint index)
{
  g_return_val_if_fail (index < sip->calls->len, NULL);
  return sip->calls->pdata[index];
}

guint
imps_ue_call_count_setup_objects (ImpsUeCall *call)
{
  g_return_val_if_fail (call != NULL, 0);
  return (call->invite != NULL) + (call->dialog != NULL) + (call->offer != NULL)
         + (call->answer != NULL) + (call->ti != NULL) + (call->resolved != NULL);
}

gboolean
imps_ue_call_is_caller (ImpsUeCall *call)
{
  return call->caller;
}

ImpsUeCallState
imps_ue_call_get_state (ImpsUeCall *call)
{
  return call->state;
}

ImpsUeSecurity
imps_ue_call_get_security (ImpsUeCall *call)
{
  return call->security;
}

guint
imps_ue_call_get_status (ImpsUeCall *call)
{
  return call->status;
}

const gchar *
imps_ue_call_get_reason (ImpsUeCall *call)
{
  return call->reason;
}

const gchar *
imps_ue_call_get_call_id (ImpsUeCall *call)
{
  return call->call_id;
}

ImpsUeMedia *
imps_ue_call_get_media (ImpsUeCall *call)
{
  return call->media;
}

guint32
imps_ue_call_get_csb_id (ImpsUeCall *call)
{
  return call->csb_id;
}

gboolean
imps_ue_call_get_key_fingerprint (ImpsUeCall *call, guint8 out[32])
{
  if (!call->has_key_fp)
    return FALSE;
  memcpy (out, call->key_fp, 32);
  return TRUE;
}

gboolean
imps_ue_call_get_tgk_fingerprint (ImpsUeCall *call, guint8 out[32])
{
  if (!call->has_tgk_fp)
    return FALSE;
  memcpy (out, call->tgk_fp, 32);
  return TRUE;
}
