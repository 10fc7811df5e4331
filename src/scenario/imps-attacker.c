#include "imps-attacker.h"
#include "imps-kms.h"
#include "imps-secret.h"
#include "mikey/imps-mikey-keys.h"
#include "srtp/imps-srtp.h"
#include "mikey/imps-mikey-message.h"

#include <libsoup/soup.h>

#include <string.h>

struct _ImpsAttack {
  ImpsAttackSpec spec;
  ImpsNetwork *net;
  gchar *recorded;     /* replay: the a=key-mgmt line recorded */
  guint acted;
  guint calls;         /* call steps ended since arming */
  guint acted_call;    /* calls when it last acted */
  ImpsUeUa *thief;     /* steal: borrowed */
  gchar *thief_name;   /* steal, forge, media: the device */
  ImpsSipBus *bus;     /* media */
  ImpsUeSip *sip;      /* forge in TRANSFER_INIT: the rogue caller's agent */
  guint tap;
  gboolean sending;    /* media: our own packet is passing the tap */
  guint seen;          /* media: SRTP packets to the device */
  guint sent;          /* media: packets the attack sent */
  guint8 old[5][IMPS_SIP_BUS_MAX_PACKET];
  gsize old_len[5];
  guint listener;      /* replay REQUEST_INIT: on the event log */
  GBytes *copied;      /* replay REQUEST_INIT: the victim's request body */
  gchar *kms_name;     /* replay REQUEST_INIT: where the victim sent it */
  guint idle;          /* replay REQUEST_INIT: the copy about to go out */
  ImpsClock *held;     /* held while idle is pending */
  gboolean replayed;
  gchar *zk_address;   /* relay: the target KMS's Zk endpoint */
  guint16 zk_port;
  /* decrypt */
  gchar *ti_line;      /* the TRANSFER_INIT's a=key-mgmt line */
  gchar *tr_line;      /* the victim's TRANSFER_RESP's a=key-mgmt line */
  gboolean resolving;  /* the rogue's resolve was sent */
  GCancellable *cancel; /* the rogue's resolve, cancelled when the attack goes */
  ImpsSrtpSession *to_victim;   /* CS 1: caller -> callee */
  ImpsSrtpSession *from_victim; /* CS 2: callee -> caller */
  guint64 tried, opened, failed;
  gboolean refused_logged;
};

/* relay: where the rogue KMS sends from (no operator has number 0) */
#define ROGUE_KMS_ADDRESS "127.0.0.250"

static void fork_tap (gint64 time_us, ImpsProtocol proto, const gchar *from_address,
                      guint16 from_port, const gchar *to_address, guint16 to_port,
                      const guint8 *data, gsize len, gpointer user_data);

/* SRTP packets to the device: after every tenth, the attack sends one of
 * its own. */
static void
media_tap (gint64 time_us, ImpsProtocol proto, const gchar *from_address, guint16 from_port,
           const gchar *to_address, guint16 to_port, const guint8 *data, gsize len,
           gpointer user_data)
{
  ImpsAttack *a = user_data;
  guint8 pkt[IMPS_SIP_BUS_MAX_PACKET];
  gsize n = 0;
  if (a->sending || a->calls > 0 || proto != IMPS_PROTO_RTP || len < 12 || len > sizeof pkt
      || g_strcmp0 (imps_network_node_at (a->net, to_address), a->thief_name) != 0)
    return;
  guint k = a->seen++ % 5;
  if (a->seen % 10 == 0)
    {
      if (a->spec.field == IMPS_ATTACK_FIELD_SRTP_REPLAY)
        {
          /* the packet received five packets before, again */
          n = a->old_len[k];
          memcpy (pkt, a->old[k], n);
        }
      else
        {
          /* the next sequence numbers ahead, payload and tag unknown */
          n = len;
          memcpy (pkt, data, len);
          guint16 seq = (guint16) ((data[2] << 8 | data[3]) + 1000);
          pkt[2] = (guint8) (seq >> 8);
          pkt[3] = (guint8) seq;
          /* the payload and tag after the whole header (CSRCs and the
           * header extension, which the receiver parses before the tag) */
          gsize head = 12 + 4 * (gsize) (data[0] & 0x0f);
          if ((data[0] & 0x10) && head + 4 <= len)
            head += 4 + 4 * (gsize) (data[head + 2] << 8 | data[head + 3]);
          for (gsize i = MIN (head, n); i < n; i++)
            pkt[i] ^= 0xa5;
        }
    }
  memcpy (a->old[k], data, len);
  a->old_len[k] = len;
  if (n == 0)
    return;
  if (a->sent++ == 0)
    imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_MEDIA, proto, a->thief_name, NULL, NULL,
                      NULL, NULL, "attack: %s SRTP packets arrive at %s (one in ten)",
                      a->spec.field == IMPS_ATTACK_FIELD_SRTP_REPLAY ? "replayed" : "forged",
                      a->thief_name);
  a->acted++;
  a->sending = TRUE;
  imps_sip_bus_send_media (a->bus, proto, from_address, from_port, to_address, to_port, pkt, n);
  a->sending = FALSE;
}

void
imps_attack_set_bus (ImpsAttack *a, ImpsSipBus *bus)
{
  if ((a->spec.kind != IMPS_ATTACK_MEDIA && a->spec.kind != IMPS_ATTACK_DECRYPT)
      || a->bus != NULL)
    return;
  a->bus = bus;
  a->tap = imps_sip_bus_add_media_tap (bus, a->spec.kind == IMPS_ATTACK_MEDIA ? media_tap
                                                                               : fork_tap, a);
}

/* A stolen TRANSFER_INIT on its way to the thief's KMS. */
typedef struct {
  ImpsNetwork *net;
  gchar *thief_name;
  ImpsUeUa *ua;
} Theft;

static void
theft_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Theft *t = data;
  g_autoptr (GError) error = NULL;
  ImpsMikeyResolved *res = imps_ue_ua_resolve_finish (t->ua, result, &error);
  if (res != NULL)
    imps_network_log (t->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, t->thief_name, NULL,
                      NULL, NULL, NULL,
                      "attack: %s resolved the stolen TRANSFER_INIT: its KMS gave the keys",
                      t->thief_name);
  else
    imps_network_log (t->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, t->thief_name, NULL,
                      NULL, NULL, error->message,
                      "attack: %s could not resolve the stolen TRANSFER_INIT", t->thief_name);
  imps_mikey_resolved_free (res);
  g_free (t->thief_name);
  g_free (t);
}

/* The thief asks its KMS to resolve the TRANSFER_INIT of @line. */
static void
steal (ImpsAttack *a, const gchar *line)
{
  const gchar *b64 = line + strlen ("a=key-mgmt:mikey ");
  gsize len = 0;
  g_autofree guint8 *data = g_base64_decode (b64, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_message_parse (data, len, &error);
  if (ti == NULL)
    {
      imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name,
                        NULL, NULL, NULL, error->message,
                        "attack: the copied a=key-mgmt is no MIKEY message");
      return;
    }
  Theft *t = g_new0 (Theft, 1);
  t->net = a->net;
  t->thief_name = g_strdup (a->thief_name);
  t->ua = a->thief;
  imps_ue_ua_resolve_async (a->thief, ti, NULL, theft_done, t);
}

/* ---- replay REQUEST_INIT ---- */

/* The rogue's copy on its way to the KMS. */
typedef struct {
  ImpsNetwork *net;
  gchar *rogue;
  gchar *victim;
  gchar *kms;
} Replay;

static void
replay_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Replay *x = data;
  g_autoptr (GError) error = NULL;
  guint status = 0;
  g_autoptr (GBytes) body = imps_ue_ua_send_raw_finish (result, &status, &error);
  g_autofree gchar *what = NULL;
  (void) source;
  if (body == NULL)
    what = g_strdup_printf ("no answer: %s", error->message);
  else
    {
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (body, &len);
      g_autoptr (ImpsMikeyMessage) m = len ? imps_mikey_message_parse (p, len, NULL) : NULL;
      const ImpsMikeyPayload *err = m ? imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_ERR) : NULL;
      if (err)
        what = g_strdup_printf ("HTTP %u, MIKEY Error ERR %u (%s): the replay was refused", status,
                                err->u.err.error_no, imps_mikey_err_no_name (err->u.err.error_no));
      else if (m && m->hdr.data_type == IMPS_MIKEY_DATA_REQUEST_RESP)
        what = g_strdup_printf ("HTTP %u, REQUEST_RESP: the KMS granted a ticket to the replay",
                                status);
      else
        what = g_strdup_printf ("HTTP %u, %" G_GSIZE_FORMAT " bytes that are no MIKEY Error",
                                status, len);
    }
  imps_network_log (x->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, x->rogue, NULL, NULL,
                    NULL, NULL, "attack: %s's copy of the REQUEST_INIT_PSK of %s: %s answered %s",
                    x->rogue, x->victim, x->kms, what);
  g_free (x->rogue);
  g_free (x->victim);
  g_free (x->kms);
  g_free (x);
}

static gboolean
replay_idle (gpointer data)
{
  ImpsAttack *a = data;
  a->idle = 0;
  a->replayed = TRUE;
  a->acted++;
  imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name, NULL,
                    NULL, NULL, NULL,
                    "attack: %s sends the REQUEST_INIT_PSK that %s sent to %s (%" G_GSIZE_FORMAT
                    " bytes, copied on Ua, already answered) to %s again", a->thief_name,
                    a->spec.victim, a->kms_name, g_bytes_get_size (a->copied), a->kms_name);
  Replay *x = g_new0 (Replay, 1);
  x->net = a->net;
  x->rogue = g_strdup (a->thief_name);
  x->victim = g_strdup (a->spec.victim);
  x->kms = g_strdup (a->kms_name);
  imps_ue_ua_send_raw_async (a->thief, "ticketrequest", a->copied, replay_done, x);
  imps_clock_release (a->held);
  g_clear_pointer (&a->held, imps_clock_unref);
  return G_SOURCE_REMOVE;
}

/* Ua messages as the KMS logs them: the victim's first ticket request is
 * copied; once the KMS has answered it, the rogue sends the copy. */
static void
ua_listener (ImpsEventLog *log, const ImpsEvent *e, gpointer data)
{
  ImpsAttack *a = data;
  (void) log;
  if (e->kind != IMPS_EVENT_MESSAGE || e->ref != IMPS_REF_UA || a->calls > 0 || a->replayed
      || a->idle)
    return;
  if (a->copied == NULL)
    {
      gsize len = 0;
      const gchar *p = e->bytes ? g_bytes_get_data (e->bytes, &len) : NULL;
      const gchar *body = p ? g_strstr_len (p, (gssize) len, "\r\n\r\n") : NULL;
      if (body == NULL || g_strcmp0 (e->from, a->spec.victim) != 0 || e->summary == NULL
          || strstr (e->summary, "(REQUEST_INIT_PSK)") == NULL)
        return;
      body += 4;
      a->copied = g_bytes_new (body, len - (gsize) (body - p));
      a->kms_name = g_strdup (e->to);
      return;
    }
  if (g_strcmp0 (e->from, a->kms_name) == 0 && g_strcmp0 (e->to, a->spec.victim) == 0)
    {
      /* the clock stands still until the copy is on the wire */
      a->held = imps_clock_ref (imps_network_get_clock (a->net));
      imps_clock_hold (a->held);
      a->idle = g_idle_add (replay_idle, a);
    }
}

/* ---- relay TRANSFER_INIT over Zk by a rogue KMS ---- */

typedef struct {
  ImpsNetwork *net;
  gchar *rogue;
  gchar *target;
  SoupSession *http;
  ImpsClock *held;
} Relay;

static void
relay_free (Relay *x)
{
  if (x->held)
    {
      imps_clock_release (x->held);
      imps_clock_unref (x->held);
    }
  g_clear_object (&x->http);
  g_free (x->rogue);
  g_free (x->target);
  g_free (x);
}

/* The rogue takes any server certificate: it wants to be heard, not to
 * know who hears it. */
static gboolean
relay_accept_any (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                  gpointer data)
{
  (void) msg, (void) cert, (void) errors, (void) data;
  return TRUE;
}

static void
relay_answer (GObject *source, GAsyncResult *result, gpointer data)
{
  Relay *x = data;
  g_autoptr (GError) error = NULL;
  SoupMessage *sm = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               &error);
  g_autofree gchar *what = NULL;
  if (body == NULL)
    what = g_strdup_printf ("got no answer: %s", error->message);
  else
    {
      gsize len = 0;
      const guint8 *p = g_bytes_get_data (body, &len);
      g_autoptr (ImpsMikeyMessage) m = len ? imps_mikey_message_parse (p, len, NULL) : NULL;
      const ImpsMikeyPayload *err = m ? imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_ERR) : NULL;
      if (err)
        what = g_strdup_printf ("got HTTP %u, MIKEY Error ERR %u (%s)",
                                soup_message_get_status (sm), err->u.err.error_no,
                                imps_mikey_err_no_name (err->u.err.error_no));
      else
        what = g_strdup_printf ("got HTTP %u with %" G_GSIZE_FORMAT " bytes%s",
                                soup_message_get_status (sm), len,
                                m && m->hdr.data_type == IMPS_MIKEY_DATA_RESOLVE_RESP
                                    ? ": a RESOLVE_RESP, the keys of the ticket" : "");
    }
  imps_network_log (x->net, IMPS_EVENT_NOTE, IMPS_REF_ZK, IMPS_PROTO_HTTP, x->rogue, NULL, NULL,
                    NULL, NULL, "attack: %s's relay to %s over Zk %s", x->rogue, x->target, what);
  relay_free (x);
}

/* The rogue KMS relays the TRANSFER_INIT of @line to the target over Zk:
 * the RESOLVE_INIT a relaying KMS sends (IDRpsk its own name, V under a
 * pair key it made up) over mutual TLS with a certificate of its own CA. */
static void
zk_relay (ImpsAttack *a, const gchar *line)
{
  const gchar *b64 = line + strlen ("a=key-mgmt:mikey ");
  gsize len = 0;
  g_autofree guint8 *data = g_base64_decode (b64, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_message_parse (data, len, &error);
  g_autoptr (ImpsRandom) rnd = imps_network_new_random (a->net, a->spec.identity);
  ImpsClock *clock = imps_network_get_clock (a->net);
  guint64 now = imps_clock_now_ntp (clock);
  gint64 now_unix = imps_clock_now_us (clock) / G_USEC_PER_SEC;
  g_autoptr (ImpsMikeyMessage) from_responder = NULL;
  g_autoptr (ImpsMikeyMessage) relay = NULL;
  g_autoptr (ImpsKmsCa) ca = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  guint8 psk[32], pair[32];
  if (ti != NULL)
    {
      const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (ti, IMPS_MIKEY_ID_ROLE_R);
      g_autofree gchar *responder = idr ? g_strndup ((const gchar *) idr->u.id.data.data,
                                                     idr->u.id.data.len)
                                        : g_strdup ("sip:nobody@invalid");
      ImpsMikeyResolveParams p = { responder, a->spec.victim, NULL, 0 };
      imps_random_fill (rnd, psk, sizeof psk);
      imps_random_fill (rnd, pair, sizeof pair);
      from_responder = imps_mikey_resolve_init_build (ti, &p, psk, sizeof psk, now, rnd, &error);
      if (from_responder)
        relay = imps_mikey_resolve_relay_init_build (from_responder, a->spec.identity,
                                                     a->spec.victim, pair, sizeof pair, now, rnd,
                                                     &error);
      imps_wipe (psk, sizeof psk);
      imps_wipe (pair, sizeof pair);
    }
  if (relay != NULL)
    {
      ca = imps_kms_ca_new (a->spec.identity, now_unix, &error);
      gchar *pem = ca ? imps_kms_ca_issue (ca, a->spec.identity, now_unix, &error) : NULL;
      cert = pem ? g_tls_certificate_new_from_pem (pem, -1, &error) : NULL;
      if (pem)
        imps_kms_pem_free (pem);
    }
  if (cert == NULL || a->zk_address == NULL)
    {
      imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_ZK, IMPS_PROTO_HTTP, a->spec.identity,
                        NULL, NULL, NULL, error ? error->message : "no Zk endpoint",
                        "attack: %s could not build its relay", a->spec.identity);
      return;
    }
  Relay *x = g_new0 (Relay, 1);
  x->net = a->net;
  x->rogue = g_strdup (a->spec.identity);
  x->target = g_strdup (a->spec.victim);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (ROGUE_KMS_ADDRESS);
  g_autoptr (GSocketAddress) local = g_inet_socket_address_new (ia, 0);
  x->http = soup_session_new_with_options ("local-address", local, "proxy-resolver", NULL,
                                           "timeout", 10, "user-agent", "impsim rogue KMS",
                                           NULL);
  g_autofree gchar *url = g_strdup_printf ("https://%s:%u/kms?requesttype=ticketresolve",
                                           a->zk_address, a->zk_port);
  g_autoptr (SoupMessage) sm = soup_message_new ("POST", url);
  g_autofree gchar *host = g_strdup_printf ("%s:443", a->spec.victim);
  soup_message_headers_replace (soup_message_get_request_headers (sm), "Host", host);
  g_autoptr (GBytes) req = g_bytes_new (relay->body.raw, relay->body.raw_len);
  soup_message_set_request_body_from_bytes (sm, "application/mikey", req);
  soup_message_set_tls_client_certificate (sm, cert);
  g_signal_connect (sm, "accept-certificate", G_CALLBACK (relay_accept_any), NULL);
  imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_ZK, IMPS_PROTO_HTTP, a->spec.identity, NULL,
                    NULL, NULL, NULL,
                    "attack: %s (at %s, its Zk certificate issued by a CA of its own, not the "
                    "run's) relays the copied TRANSFER_INIT as a RESOLVE_INIT_PSK (%u bytes, "
                    "IDRpsk %s) over Zk to %s", a->spec.identity, ROGUE_KMS_ADDRESS,
                    (guint) relay->body.raw_len, a->spec.identity, a->spec.victim);
  a->acted++;
  /* protocol time stands still while the relay is on the wire */
  x->held = imps_clock_ref (clock);
  imps_clock_hold (x->held);
  soup_session_send_and_read_async (x->http, sm, G_PRIORITY_DEFAULT, NULL, relay_answer, x);
}

void
imps_attack_set_zk_target (ImpsAttack *a, const gchar *address, guint16 port)
{
  g_free (a->zk_address);
  a->zk_address = g_strdup (address);
  a->zk_port = port;
}

/* ---- decrypt media of DEVICE by ROGUE ---- */

/* The a=key-mgmt line of a SIP message's SDP (newly allocated), or NULL. */
static gchar *
key_mgmt_line (GBytes *message, gboolean *invite)
{
  gsize len = 0;
  const gchar *p = g_bytes_get_data (message, &len);
  const gchar *hit = p ? g_strstr_len (p, (gssize) len, "\na=key-mgmt:mikey ") : NULL;
  *invite = p && len > 7 && memcmp (p, "INVITE ", 7) == 0;
  if (hit == NULL)
    return NULL;
  hit++;
  const gchar *end = hit;
  while (end < p + len && *end != '\r' && *end != '\n')
    end++;
  return g_strndup (hit, (gsize) (end - hit));
}

static ImpsMikeyMessage *
line_message (const gchar *line)
{
  gsize len = 0;
  g_autofree guint8 *data = g_base64_decode (line + strlen ("a=key-mgmt:mikey "), &len);
  return imps_mikey_message_parse (data, len, NULL);
}

/* The SRTP receiver for crypto session @cs_id with the TEK the rogue
 * derives from @tgk, RANDRi and the victim's RANDRr. */
static ImpsSrtpSession *
fork_session (const ImpsMikeySessionKey *tgk, guint8 prf, guint8 cs_id,
              const ImpsMikeyPayload *ri, const ImpsMikeyPayload *rr, GError **error)
{
  ImpsSrtpSuite suite = tgk->key_len == 32 ? IMPS_SRTP_AES_256_CM_HMAC_SHA1_80
                                           : IMPS_SRTP_AES_CM_128_HMAC_SHA1_80;
  gsize kl = imps_srtp_suite_key_len (suite), sl = imps_srtp_suite_salt_len (suite);
  guint8 ks[IMPS_SRTP_MAX_KEY_SALT_LEN];
  if (!imps_mikey_derive_tek (prf, tgk->key, tgk->key_len, cs_id,
                              ri ? ri->u.rand.data.data : NULL, ri ? ri->u.rand.data.len : 0,
                              rr ? rr->u.rand.data.data : NULL, rr ? rr->u.rand.data.len : 0,
                              ks, kl, ks + kl, sl))
    {
      g_set_error (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_INVALID, "PRF %u not supported", prf);
      return NULL;
    }
  ImpsSrtpConfig config;
  imps_srtp_config_init (&config, IMPS_SRTP_RECEIVER);
  config.suite = suite;
  ImpsSrtpMasterKey mk = { ks, kl + sl, 0 };
  ImpsSrtpSession *session = imps_srtp_session_new (&config, &mk, 1, error);
  imps_wipe (ks, sizeof ks);
  return session;
}

/* The rogue's own resolve came back: derive the victim's fork keys with
 * what it got. */
typedef struct {
  ImpsAttack *a;         /* valid while cancel is not cancelled */
  ImpsUeUa *ua;
  GCancellable *cancel;
} ForkResolve;

static void
fork_resolved (GObject *source, GAsyncResult *result, gpointer data)
{
  ForkResolve *fr = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyResolved) res = imps_ue_ua_resolve_finish (fr->ua, result, &error);
  gboolean gone = g_cancellable_is_cancelled (fr->cancel);
  ImpsAttack *a = fr->a;
  (void) source;
  g_object_unref (fr->cancel);
  g_free (fr);
  if (gone)
    return;   /* the attack is over */
  if (res == NULL)
    {
      imps_network_log (a->net, IMPS_EVENT_REFUSAL, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name,
                        NULL, NULL, NULL, error->message,
                        "attack refused: the KMS would not resolve the TRANSFER_INIT of the "
                        "call for %s, so it has no keys for the fork of %s", a->thief_name,
                        a->spec.victim);
      return;
    }
  g_autoptr (ImpsMikeyMessage) ti = line_message (a->ti_line);
  g_autoptr (ImpsMikeyMessage) tr = line_message (a->tr_line);
  const ImpsMikeySessionKey *tgk = res->keys.n_keys > 0 ? &res->keys.keys[0] : NULL;
  if (ti == NULL || tr == NULL || tgk == NULL)
    {
      imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name,
                        NULL, NULL, NULL, NULL,
                        "attack: %s has no TGK or no readable TRANSFER_INIT / TRANSFER_RESP",
                        a->thief_name);
      return;
    }
  guint32 flags = res->policy.flags;
  const ImpsMikeyPayload *ri = (flags & IMPS_MIKEY_TICKET_FLAG_H)
                                   ? imps_mikey_message_find_randr (ti, IMPS_MIKEY_RAND_ROLE_I)
                                   : NULL;
  const ImpsMikeyPayload *rr = (flags & IMPS_MIKEY_TICKET_FLAG_G)
                                   ? imps_mikey_message_find_randr (tr, IMPS_MIKEY_RAND_ROLE_R)
                                   : NULL;
  a->to_victim = fork_session (tgk, ti->hdr.prf, 1, ri, rr, &error);
  if (a->to_victim)
    a->from_victim = fork_session (tgk, ti->hdr.prf, 2, ri, rr, &error);
  if (a->from_victim == NULL)
    {
      g_clear_pointer (&a->to_victim, imps_srtp_session_free);
      imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_MEDIA, IMPS_PROTO_RTP, a->thief_name,
                        NULL, NULL, NULL, error->message,
                        "attack: %s could not make SRTP receivers", a->thief_name);
      return;
    }
  imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_MEDIA, IMPS_PROTO_RTP, a->thief_name, NULL,
                    NULL, NULL, NULL,
                    "attack: %s resolved the TRANSFER_INIT itself (%s; its TGK%s %02x%02x...) "
                    "and derived the TEKs of the fork of %s from it with RANDRi and the RANDRr "
                    "of that fork's TRANSFER_RESP: it tries them on the media of %s",
                    a->thief_name, res->forked ? "key forking: its own TGK'" : "no key forking",
                    res->forked ? "'" : "", tgk->key[0], tgk->key[1], a->spec.victim,
                    a->spec.victim);
}

/* SIP on its way: the first INVITE's TRANSFER_INIT and the victim's first
 * answer with a TRANSFER_RESP; then the rogue resolves. */
static void
fork_watch (ImpsAttack *a, const gchar *from_node, GBytes *message)
{
  gboolean invite = FALSE;
  if (a->resolving || a->calls > 0 || a->thief == NULL)
    return;
  g_autofree gchar *line = key_mgmt_line (message, &invite);
  if (line == NULL)
    return;
  if (invite && a->ti_line == NULL)
    a->ti_line = g_steal_pointer (&line);
  else if (!invite && a->ti_line != NULL && g_ascii_strcasecmp (from_node, a->spec.victim) == 0)
    a->tr_line = g_steal_pointer (&line);
  if (a->ti_line == NULL || a->tr_line == NULL)
    return;
  g_autoptr (ImpsMikeyMessage) ti = line_message (a->ti_line);
  if (ti == NULL)
    return;
  a->resolving = TRUE;
  a->acted++;
  imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name, NULL,
                    NULL, NULL, NULL,
                    "attack: %s takes the TRANSFER_INIT of the call and the TRANSFER_RESP %s "
                    "answered with, and asks its KMS to resolve the TRANSFER_INIT", a->thief_name,
                    a->spec.victim);
  a->cancel = g_cancellable_new ();
  ForkResolve *fr = g_new0 (ForkResolve, 1);
  fr->a = a;
  fr->ua = a->thief;
  fr->cancel = g_object_ref (a->cancel);
  imps_ue_ua_resolve_async (a->thief, ti, a->cancel, fork_resolved, fr);
}

/* The victim's SRTP, both ways, through the rogue's receivers. */
static void
fork_tap (gint64 time_us, ImpsProtocol proto, const gchar *from_address, guint16 from_port,
          const gchar *to_address, guint16 to_port, const guint8 *data, gsize len,
          gpointer user_data)
{
  ImpsAttack *a = user_data;
  guint8 pkt[IMPS_SIP_BUS_MAX_PACKET];
  (void) time_us, (void) from_port, (void) to_port;
  if (a->to_victim == NULL || a->calls > 0 || proto != IMPS_PROTO_RTP || len < 12
      || len > sizeof pkt)
    return;
  gboolean to = g_strcmp0 (imps_network_node_at (a->net, to_address), a->spec.victim) == 0;
  gboolean from = g_strcmp0 (imps_network_node_at (a->net, from_address), a->spec.victim) == 0;
  if (!to && !from)
    return;
  memcpy (pkt, data, len);
  gsize out = 0;
  g_autoptr (GError) error = NULL;
  a->tried++;
  if (imps_srtp_session_unprotect_rtp (to ? a->to_victim : a->from_victim, pkt, len, &out,
                                       &error))
    {
      if (a->opened++ == 0)
        imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_MEDIA, proto, a->thief_name, NULL,
                          NULL, NULL, NULL,
                          "attack: %s decrypted a packet of the media of %s (%s it): the fork's "
                          "keys are not its own", a->thief_name, a->spec.victim,
                          to ? "to" : "from");
    }
  else if (g_error_matches (error, IMPS_SRTP_ERROR, IMPS_SRTP_ERROR_AUTH_FAIL))
    {
      if (a->failed++ == 0)
        imps_network_log (a->net, IMPS_EVENT_REFUSAL, IMPS_REF_MEDIA, proto, a->thief_name, NULL,
                          NULL, NULL, error->message,
                          "attack refused: SRTP authentication failed: the TEKs %s derived "
                          "for the fork of %s do not verify its media (%s it)", a->thief_name,
                          a->spec.victim, to ? "to" : "from");
    }
  imps_wipe (pkt, len);
}

/* ---- an armed attack ---- */

ImpsAttack *
imps_attack_new (const ImpsAttackSpec *spec, ImpsNetwork *net, ImpsUeUa *thief,
                 const gchar *thief_name)
{
  ImpsAttack *a = g_new0 (ImpsAttack, 1);
  a->spec.kind = spec->kind;
  a->spec.field = spec->field;
  a->spec.node = g_strdup (spec->node);
  a->spec.device = g_strdup (spec->device);
  a->net = net;
  a->thief = thief;
  a->thief_name = g_strdup (thief_name);
  a->spec.identity = g_strdup (spec->identity);
  a->spec.in_transfer = spec->in_transfer;
  a->spec.victim = g_strdup (spec->victim);
  if (spec->kind == IMPS_ATTACK_RELAY)
    imps_network_register_node (net, spec->identity, ROGUE_KMS_ADDRESS);
  if (spec->field == IMPS_ATTACK_FIELD_REQUEST_INIT && thief != NULL)
    a->listener = imps_event_log_add_listener (imps_network_get_event_log (net), ua_listener, a);
  if (spec->kind == IMPS_ATTACK_FORGE && thief != NULL && !spec->in_transfer)
    {
      imps_ue_ua_set_claimed_identity (thief, spec->identity);
      imps_network_log (net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, thief_name, NULL, NULL,
                        NULL, NULL,
                        "attack: %s claims %s as its identity (%s) with its own B-TID for the "
                        "next call", thief_name, spec->identity,
                        spec->field == IMPS_ATTACK_FIELD_IDRI ? "IDRi" : "IDRr");
      a->acted++;
    }
  return a;
}

void
imps_attack_set_sip (ImpsAttack *a, ImpsUeSip *sip)
{
  if (a->spec.kind != IMPS_ATTACK_FORGE || !a->spec.in_transfer || sip == NULL || a->sip != NULL)
    return;
  a->sip = sip;
  imps_ue_sip_set_claimed_initiator (sip, a->spec.identity);
  imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_GM, IMPS_PROTO_SIP, a->thief_name, NULL,
                    NULL, NULL, NULL,
                    "attack: %s names %s as IDRi in the TRANSFER_INIT of its next call (its "
                    "ticket names itself)", a->thief_name, a->spec.identity);
  a->acted++;
}

void
imps_attack_free (ImpsAttack *a)
{
  if (a == NULL)
    return;
  if (a->spec.kind == IMPS_ATTACK_DECRYPT && a->tried > 0)
    imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_MEDIA, IMPS_PROTO_RTP, a->thief_name,
                      NULL, NULL, NULL, NULL,
                      "attack: %s tried %" G_GUINT64_FORMAT " SRTP packets of %s: %"
                      G_GUINT64_FORMAT " decrypted, %" G_GUINT64_FORMAT " failed authentication",
                      a->thief_name, a->tried, a->spec.victim, a->opened, a->failed);
  if (a->listener && a->copied == NULL)
    imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name, NULL,
                      NULL, NULL, NULL,
                      "attack: %s sent no ticket request during the call (a ticket it held "
                      "served): nothing to replay", a->spec.victim);
  if (a->spec.kind == IMPS_ATTACK_DECRYPT && !a->resolving)
    imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name, NULL,
                      NULL, NULL, NULL,
                      "attack: the call gave %s no %s: nothing to decrypt with",
                      a->thief_name, a->ti_line == NULL ? "TRANSFER_INIT"
                                                        : "TRANSFER_RESP of the attacked device");
  if (a->spec.kind == IMPS_ATTACK_FORGE && a->thief != NULL && !a->spec.in_transfer)
    imps_ue_ua_set_claimed_identity (a->thief, NULL);
  if (a->sip != NULL)
    imps_ue_sip_set_claimed_initiator (a->sip, NULL);
  if (a->tap)
    imps_sip_bus_remove_media_tap (a->bus, a->tap);
  g_free (a->spec.node);
  g_free (a->spec.device);
  g_free (a->spec.identity);
  g_free (a->spec.victim);
  if (a->listener)
    imps_event_log_remove_listener (imps_network_get_event_log (a->net), a->listener);
  if (a->idle)
    g_source_remove (a->idle);
  if (a->held)
    {
      imps_clock_release (a->held);
      imps_clock_unref (a->held);
    }
  if (a->copied)
    g_bytes_unref (a->copied);
  g_free (a->kms_name);
  g_free (a->zk_address);
  if (a->cancel)
    {
      g_cancellable_cancel (a->cancel);
      g_object_unref (a->cancel);
    }
  g_clear_pointer (&a->to_victim, imps_srtp_session_free);
  g_clear_pointer (&a->from_victim, imps_srtp_session_free);
  g_free (a->ti_line);
  g_free (a->tr_line);
  g_free (a->thief_name);
  g_free (a->recorded);
  g_free (a);
}

GBytes *
imps_attack_filter (ImpsAttack *a, ImpsRefPoint ref, const gchar *from_node, GBytes *message)
{
  g_autofree gchar *note = NULL;
  g_autofree gchar *record = NULL;
  if (a->spec.kind == IMPS_ATTACK_DECRYPT && !imps_attack_is_over (a))
    fork_watch (a, from_node, message);
  if (a->spec.node == NULL || imps_attack_is_over (a)
      || g_ascii_strcasecmp (from_node, a->spec.node) != 0)
    return NULL;
  /* One tampered message (a P-CSCF that serves both ends forwards the
   * INVITE twice, and a second flip of the same bit would undo the first). */
  if (a->spec.kind == IMPS_ATTACK_TAMPER && a->acted > 0)
    return NULL;
  GBytes *out = imps_attack_apply (&a->spec, message, a->recorded, &record, &note);
  if (record && a->spec.kind == IMPS_ATTACK_RELAY)
    {
      if (a->acted == 0)
        {
          a->acted_call = a->calls;
          if (note)
            imps_network_log (a->net, IMPS_EVENT_NOTE, ref, IMPS_PROTO_SIP, a->spec.node, NULL,
                              NULL, NULL, NULL, "%s", note);
          zk_relay (a, record);
          a->acted = MAX (a->acted, 1u);
        }
      return out;
    }
  if (record && a->spec.kind == IMPS_ATTACK_STEAL)
    {
      if (a->acted == 0 && a->thief != NULL)
        {
          a->acted++;
          a->acted_call = a->calls;
          if (note)
            imps_network_log (a->net, IMPS_EVENT_NOTE, ref, IMPS_PROTO_SIP, a->spec.node, NULL,
                              NULL, NULL, NULL, "%s", note);
          steal (a, record);
        }
      return out;
    }
  if (record)
    a->recorded = g_steal_pointer (&record);
  if (out)
    {
      a->acted++;
      a->acted_call = a->calls;
    }
  if (note)
    imps_network_log (a->net, IMPS_EVENT_NOTE, ref, IMPS_PROTO_SIP, a->spec.node, NULL, NULL,
                      NULL, NULL, "%s", note);
  return out;
}

void
imps_attack_call_ended (ImpsAttack *a)
{
  a->calls++;
}

gboolean
imps_attack_is_over (const ImpsAttack *a)
{
  if (a->spec.field == IMPS_ATTACK_FIELD_REQUEST_INIT)
    return a->calls >= 1;
  if (a->spec.kind == IMPS_ATTACK_REPLAY)
    return a->calls >= 2 || (a->acted > 0 && a->calls > a->acted_call);
  return a->calls >= 1;
}

guint
imps_attack_get_acted (const ImpsAttack *a)
{
  return a->acted;
}

const ImpsAttackSpec *
imps_attack_get_spec (const ImpsAttack *a)
{
  return &a->spec;
}
