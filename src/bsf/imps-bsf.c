/* The BSF node: Ub server (gba.md §6) and Zh client (gba.md §9). */
#include "imps-bsf-private.h"
#include "digest/imps-digest.h"
#include "gba/imps-gba-xml.h"
#include "imps-hex.h"
#include "imps-secret.h"

#include <string.h>

G_DEFINE_QUARK (imps-bsf-error-quark, imps_bsf_error)

/* A challenge sent to a UE and not yet answered. Wiped when freed. */
typedef struct {
  gchar *nonce;
  gchar *impi;
  gchar *opaque;
  guint8 rand[16];
  guint8 autn[16];
  guint8 xres[IMPS_DIAMETER_XRES_MAX];
  gsize xres_len;
  guint8 ck[16];
  guint8 ik[16];
  gint64 lifetime;         /* from the GUSS, 0: the operator default */
  gint64 issued;           /* Unix seconds */
  gchar *guss;             /* the GUSS (XML), kept with the session for Zn */
} Challenge;

static void
challenge_free (gpointer p)
{
  Challenge *c = p;
  if (c == NULL)
    return;
  g_free (c->nonce);
  g_free (c->impi);
  g_free (c->opaque);
  g_free (c->guss);
  imps_wipe (c, sizeof *c);
  g_free (c);
}

gint64
imps_bsf_now (ImpsBsf *bsf)
{
  return imps_clock_now_us (bsf->clock ? bsf->clock : imps_network_get_clock (bsf->net))
         / G_USEC_PER_SEC;
}

void
imps_bsf_set_clock (ImpsBsf *bsf, ImpsClock *clock)
{
  g_clear_pointer (&bsf->clock, imps_clock_unref);
  bsf->clock = clock ? imps_clock_ref (clock) : NULL;
}

void
imps_bsf_note (ImpsBsf *bsf, ImpsEventKind kind, const gchar *detail, const gchar *summary)
{
  imps_network_log (bsf->net, kind, IMPS_REF_NONE, IMPS_PROTO_NONE, bsf->name, NULL, NULL,
                    NULL, detail, "%s", summary);
}

ImpsBsf *
imps_bsf_new (ImpsNetwork *net, const gchar *domain, const gchar *state_path, GError **error)
{
  g_return_val_if_fail (net != NULL && domain != NULL, NULL);
  g_autoptr (ImpsBsf) bsf = g_new0 (ImpsBsf, 1);
  bsf->net = net;
  imps_http_limits_init (&bsf->http_limits);
  bsf->domain = g_strdup (domain);
  bsf->name = g_strdup_printf ("bsf.%s", domain);
  bsf->random = imps_network_new_random (net, bsf->name);
  bsf->default_lifetime = IMPS_BSF_DEFAULT_LIFETIME;
  bsf->nafs = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *kms = g_strdup_printf ("kms.%s", domain);
  g_ptr_array_add (bsf->nafs, g_ascii_strdown (kms, -1));
  bsf->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) imps_bsf_session_free);
  bsf->by_impi = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
  bsf->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, challenge_free);
  g_queue_init (&bsf->pending_order);
  bsf->cancel = g_cancellable_new ();
  bsf->last_prune = G_MININT64 / 2;
  if (!imps_bsf_store_open (bsf, state_path, error))
    return NULL;
  return g_steal_pointer (&bsf);
}

void
imps_bsf_free (ImpsBsf *bsf)
{
  if (bsf == NULL)
    return;
  /* Pending Zh requests see the cancellation and touch nothing after. */
  g_cancellable_cancel (bsf->cancel);
  g_clear_pointer (&bsf->clock, imps_clock_unref);
  imps_diameter_client_free (bsf->zh);
  imps_http_server_free (bsf->ub);
  imps_diameter_server_free (bsf->zn);
  g_queue_clear (&bsf->pending_order);
  if (bsf->pending)
    g_hash_table_unref (bsf->pending);
  if (bsf->sessions)
    g_hash_table_unref (bsf->sessions);
  /* after the sessions, which leave their IMPI's list as they go */
  if (bsf->by_impi)
    g_hash_table_unref (bsf->by_impi);
  imps_bsf_store_close (bsf);
  if (bsf->nafs)
    g_ptr_array_unref (bsf->nafs);
  g_clear_object (&bsf->cancel);
  imps_random_free (bsf->random);
  g_free (bsf->hss_address);
  g_free (bsf->address);
  g_free (bsf->domain);
  g_free (bsf->name);
  g_free (bsf);
}

const gchar *
imps_bsf_get_name (ImpsBsf *bsf)
{
  return bsf->name;
}

void
imps_bsf_set_default_lifetime (ImpsBsf *bsf, guint seconds)
{
  g_return_if_fail (seconds > 0);
  bsf->default_lifetime = seconds;
}

void
imps_bsf_authorize_naf (ImpsBsf *bsf, const gchar *naf_fqdn)
{
  g_return_if_fail (naf_fqdn != NULL && *naf_fqdn);
  g_ptr_array_add (bsf->nafs, g_ascii_strdown (naf_fqdn, -1));
}

void
imps_bsf_set_key_log (ImpsBsf *bsf, ImpsKeyLog *log)
{
  bsf->key_log = log;
}

gboolean
imps_bsf_forget_btid (ImpsBsf *bsf, const gchar *btid, GError **error)
{
  g_return_val_if_fail (bsf != NULL && btid != NULL, FALSE);
  if (!g_hash_table_contains (bsf->sessions, btid))
    {
      g_set_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_STORE,
                   "%s holds no bootstrapping session with B-TID %s", bsf->name, btid);
      return FALSE;
    }
  if (!imps_bsf_store_forget (bsf, btid, error))
    return FALSE;
  g_autofree gchar *what = g_strdup_printf ("B-TID %s forgotten (a scenario's fault)", btid);
  imps_bsf_note (bsf, IMPS_EVENT_NOTE, NULL, what);
  g_hash_table_remove (bsf->sessions, btid);
  return TRUE;
}

guint
imps_bsf_count_sessions (ImpsBsf *bsf)
{
  return g_hash_table_size (bsf->sessions);
}

guint16
imps_bsf_get_ub_port (ImpsBsf *bsf)
{
  return bsf->ub ? imps_http_server_get_port (bsf->ub) : 0;
}

guint16
imps_bsf_get_zn_port (ImpsBsf *bsf)
{
  return bsf->zn ? imps_diameter_server_get_port (bsf->zn) : 0;
}

void
imps_bsf_set_hss (ImpsBsf *bsf, const gchar *hss_address, guint16 hss_port)
{
  g_clear_pointer (&bsf->zh, imps_diameter_client_free);
  g_free (bsf->hss_address);
  bsf->hss_address = g_strdup (hss_address);
  bsf->hss_port = hss_port;
}

static ImpsDiameterClient *
zh_client (ImpsBsf *bsf)
{
  if (bsf->zh == NULL && bsf->hss_address)
    bsf->zh = imps_diameter_client_new (bsf->net, bsf->address, bsf->hss_address, bsf->hss_port);
  return bsf->zh;
}

/* ---------------------------------------------------------------------
 * Pending challenges.
 * ------------------------------------------------------------------- */

static void
pending_drop_old (ImpsBsf *bsf)
{
  gint64 now = imps_bsf_now (bsf);
  while (!g_queue_is_empty (&bsf->pending_order))
    {
      const gchar *nonce = g_queue_peek_head (&bsf->pending_order);
      Challenge *c = g_hash_table_lookup (bsf->pending, nonce);
      if (c && g_hash_table_size (bsf->pending) < IMPS_BSF_MAX_PENDING
          && now - c->issued < IMPS_BSF_CHALLENGE_TTL)
        break;
      g_queue_pop_head (&bsf->pending_order);
      if (c)
        g_hash_table_remove (bsf->pending, nonce);
    }
}

static void
pending_add (ImpsBsf *bsf, Challenge *c)
{
  pending_drop_old (bsf);
  g_hash_table_replace (bsf->pending, c->nonce, c);
  g_queue_push_tail (&bsf->pending_order, c->nonce);
}

/* Takes the challenge out (each is answered once). */
static Challenge *
pending_take (ImpsBsf *bsf, const gchar *nonce)
{
  pending_drop_old (bsf);
  gpointer key, value;
  if (!g_hash_table_lookup_extended (bsf->pending, nonce, &key, &value))
    return NULL;
  g_queue_remove (&bsf->pending_order, key);
  g_hash_table_steal (bsf->pending, nonce);
  return value;
}

/* ---------------------------------------------------------------------
 * Ub.
 * ------------------------------------------------------------------- */

static void
refuse (ImpsBsf *bsf, const gchar *detail, const gchar *summary)
{
  imps_bsf_note (bsf, IMPS_EVENT_REFUSAL, detail, summary);
}

/* A 4xx carries its reason as a text/plain body too (one line, at most
 * 512 bytes): the reasons name the request's identities and fields, never
 * a key or a RES. */
static void
respond_status (ImpsBsf *bsf, ImpsHttpMessage *msg, guint status, const gchar *detail,
                const gchar *summary)
{
  if (status < 400 || status > 499 || detail == NULL)
    {
      imps_http_server_respond (bsf->ub, msg, status, NULL, NULL, 0, detail, "%u %s", status,
                                summary);
      return;
    }
  g_autoptr (GString) body = g_string_new (NULL);
  for (const gchar *p = detail; *p && body->len < 512; p++)
    g_string_append_c (body, *p == '\n' || *p == '\r' ? ' ' : *p);
  g_string_append_c (body, '\n');
  imps_http_server_respond (bsf->ub, msg, status, "text/plain; charset=utf-8",
                            (const guint8 *) body->str, body->len, detail, "%u %s", status,
                            summary);
}

/* A MAR in flight for one Ub request. */
typedef struct {
  ImpsBsf *bsf;
  GCancellable *cancel;    /* the BSF's, reffed */
  ImpsHttpMessage *msg;  /* reffed */
  gchar *impi;
  gboolean resync;
  guint tries;
} ZhCall;

static void
zh_call_free (ZhCall *call)
{
  g_object_unref (call->cancel);
  imps_http_message_unref (call->msg);
  g_free (call->impi);
  g_free (call);
}

static void send_mar (ImpsBsf *bsf, ZhCall *call, const guint8 *resync);

static void
challenge_respond (ImpsBsf *bsf, ImpsHttpMessage *msg, Challenge *c)
{
  g_autoptr (ImpsDigestChallenge) ch = imps_digest_challenge_new ();
  ch->realm = g_strdup (bsf->name);
  ch->nonce = g_strdup (c->nonce);
  ch->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  ch->qop_options = IMPS_DIGEST_QOP_AUTH_INT;
  ch->opaque = g_strdup (c->opaque);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *value = imps_digest_challenge_build (ch, &error);
  if (value == NULL)
    {
      respond_status (bsf, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message,
                      "(challenge could not be written)");
      challenge_free (c);
      return;
    }
  imps_http_message_set_header (msg,
                                "WWW-Authenticate", value);
  g_autofree gchar *impi = g_strdup (c->impi);
  pending_add (bsf, c);
  imps_http_server_respond (bsf->ub, msg, SOUP_STATUS_UNAUTHORIZED, NULL, NULL, 0, NULL,
                            "401 (AKA challenge for %s)", impi);
}

static void
on_maa (GObject *source, GAsyncResult *res, gpointer data)
{
  ZhCall *call = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDiameterMessage) msg = imps_diameter_client_request_finish (NULL, res, &error);
  if (g_cancellable_is_cancelled (call->cancel))
    {
      /* The BSF is gone; its HTTP server has answered the UE. */
      zh_call_free (call);
      return;
    }
  ImpsBsf *bsf = call->bsf;
  if (msg == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("Zh to %s:%u failed: %s", bsf->hss_address,
                                               bsf->hss_port, error->message);
      imps_bsf_note (bsf, IMPS_EVENT_FAILURE, why, "HSS unreachable");
      respond_status (bsf, call->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, why, "(HSS unreachable)");
      zh_call_free (call);
      return;
    }
  g_autoptr (ImpsDiameterMaa) maa = imps_diameter_maa_parse (msg, &error);
  if (maa == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("MAA from the HSS cannot be read: %s",
                                               error->message);
      imps_bsf_note (bsf, IMPS_EVENT_FAILURE, why, "MAA malformed");
      respond_status (bsf, call->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, why, "(HSS answer malformed)");
      zh_call_free (call);
      return;
    }
  if (maa->result_code != IMPS_DIAMETER_SUCCESS || !maa->has_av)
    {
      guint32 code = maa->experimental_result ? maa->experimental_result : maa->result_code;
      const gchar *name = imps_diameter_result_code_name (code, maa->experimental_result != 0);
      g_autofree gchar *why = g_strdup_printf ("HSS answered MAA %u%s%s for IMPI %s%s", code,
                                               name ? " " : "", name ? name : "", call->impi,
                                               call->resync ? " (resynchronisation with AUTS)" : "");
      if (maa->experimental_result == IMPS_DIAMETER_ERROR_IDENTITY_UNKNOWN)
        {
          refuse (bsf, why, "unknown IMPI");
          respond_status (bsf, call->msg, SOUP_STATUS_FORBIDDEN, why, "(unknown IMPI)");
        }
      else if (maa->experimental_result == IMPS_DIAMETER_ERROR_AUTHENTICATION_DATA_UNAVAILABLE)
        {
          refuse (bsf, why, call->resync ? "AUTS refused" : "no vector");
          respond_status (bsf, call->msg, SOUP_STATUS_FORBIDDEN, why,
                          call->resync ? "(resynchronisation refused)" : "(no authentication vector)");
        }
      else
        {
          imps_bsf_note (bsf, IMPS_EVENT_FAILURE, why, "HSS failed");
          respond_status (bsf, call->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, why, "(HSS failed)");
        }
      zh_call_free (call);
      return;
    }

  /* B-TIDs are unique: a RAND whose B-TID exists already gets a fresh one. */
  const guint8 *rand = maa->sip_authenticate;
  g_autofree gchar *btid = imps_gba_btid_new (rand, bsf->name);
  g_autofree gchar *nonce = imps_digest_aka_nonce_build (rand, maa->sip_authenticate + 16, NULL, 0);
  if (g_hash_table_contains (bsf->sessions, btid) || g_hash_table_contains (bsf->pending, nonce))
    {
      g_autofree gchar *why = g_strdup_printf ("RAND of the vector for %s gives B-TID %s, which "
                                               "exists already (try %u of %u)", call->impi, btid,
                                               call->tries, IMPS_BSF_MAX_RAND_TRIES);
      refuse (bsf, why, "B-TID clash");
      if (call->tries < IMPS_BSF_MAX_RAND_TRIES)
        {
          call->resync = FALSE;
          send_mar (bsf, call, NULL);
          return;
        }
      respond_status (bsf, call->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, why, "(no fresh RAND)");
      zh_call_free (call);
      return;
    }

  Challenge *c = g_new0 (Challenge, 1);
  c->nonce = g_steal_pointer (&nonce);
  c->impi = g_strdup (call->impi);
  guint8 opaque[16];
  imps_random_fill (bsf->random, opaque, sizeof opaque);
  c->opaque = imps_hex_encode (opaque, sizeof opaque);
  memcpy (c->rand, rand, 16);
  memcpy (c->autn, maa->sip_authenticate + 16, 16);
  memcpy (c->xres, maa->xres, maa->xres_len);
  c->xres_len = maa->xres_len;
  memcpy (c->ck, maa->ck, 16);
  memcpy (c->ik, maa->ik, 16);
  c->issued = imps_bsf_now (bsf);
  if (maa->guss)
    {
      gint64 lifetime = 0;
      c->guss = g_strndup ((const gchar *) maa->guss, maa->guss_len);
      if (imps_bsf_guss_lifetime (maa->guss, maa->guss_len, &lifetime, &error))
        c->lifetime = lifetime;
      else if (error)
        {
          g_autofree gchar *why = g_strdup_printf ("%s; using the default of %u s",
                                                   error->message, bsf->default_lifetime);
          imps_bsf_note (bsf, IMPS_EVENT_NOTE, why, "GUSS lifeTime unreadable");
        }
    }
  challenge_respond (bsf, call->msg, c);
  zh_call_free (call);
}

static void
send_mar (ImpsBsf *bsf, ZhCall *call, const guint8 *resync)
{
  ImpsDiameterClient *zh = zh_client (bsf);
  if (zh == NULL)
    {
      const gchar *why = "no HSS configured for Zh";
      imps_bsf_note (bsf, IMPS_EVENT_FAILURE, why, "HSS unreachable");
      respond_status (bsf, call->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, why, "(HSS unreachable)");
      zh_call_free (call);
      return;
    }
  call->tries++;
  g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_new ();
  mar->session_id = g_strdup_printf ("%s;%" G_GINT64_FORMAT ";%" G_GUINT64_FORMAT, bsf->name,
                                     imps_bsf_now (bsf), ++bsf->session_counter);
  mar->origin_host = g_strdup (bsf->name);
  mar->origin_realm = g_strdup (bsf->domain);
  mar->destination_realm = g_strdup (bsf->domain);
  mar->impi = g_strdup (call->impi);
  mar->number_auth_items = 1;
  if (resync)
    {
      mar->has_resync = TRUE;
      memcpy (mar->resync, resync, IMPS_DIAMETER_RESYNC_LEN);
    }
  g_autoptr (GBytes) bytes = imps_diameter_mar_build (mar);
  imps_diameter_client_request_async (zh, bytes, bsf->cancel, on_maa, call);
}

/* Gets a vector (with RAND || AUTS for a resynchronisation) and answers
 * with a 401 when it comes. */
static void
start_challenge (ImpsBsf *bsf, ImpsHttpMessage *msg, const gchar *impi, const guint8 *resync)
{
  ZhCall *call = g_new0 (ZhCall, 1);
  call->bsf = bsf;
  call->cancel = g_object_ref (bsf->cancel);
  call->msg = imps_http_message_ref (msg);
  call->impi = g_strdup (impi);
  call->resync = resync != NULL;
  imps_http_server_pause (bsf->ub, msg);
  send_mar (bsf, call, resync);
}

static void
bootstrap_ok (ImpsBsf *bsf, ImpsHttpMessage *msg, const ImpsDigestCredentials *cred,
              Challenge *c)
{
  g_autoptr (GError) error = NULL;
  gint64 now = imps_bsf_now (bsf);
  ImpsBsfSession *s = g_new0 (ImpsBsfSession, 1);
  s->btid = imps_gba_btid_new (c->rand, bsf->name);
  s->impi = g_strdup (c->impi);
  memcpy (s->rand, c->rand, 16);
  imps_gba_ks_from_ck_ik (c->ck, c->ik, &s->ks);
  s->created = now;
  s->expiry = now + (c->lifetime > 0 ? c->lifetime : (gint64) bsf->default_lifetime);
  s->guss = g_strdup (c->guss);

  if (g_hash_table_contains (bsf->sessions, s->btid))
    {
      /* Another UE got the same RAND since the challenge (the check at
       * challenge time makes this all but impossible): start again. */
      g_autofree gchar *why = g_strdup_printf ("B-TID %s exists already", s->btid);
      refuse (bsf, why, "B-TID clash");
      g_autofree gchar *impi = g_strdup (s->impi);
      imps_bsf_session_free (s);
      start_challenge (bsf, msg, impi, NULL);
      return;
    }

  g_autoptr (ImpsGbaBootstrappingInfo) info = imps_gba_bootstrapping_info_new (s->btid, s->expiry);
  gsize body_len = 0;
  g_autofree gchar *body = imps_gba_bootstrapping_info_build (info, &body_len, &error);
  if (body == NULL)
    {
      respond_status (bsf, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message,
                      "(BootstrappingInfo could not be written)");
      imps_bsf_session_free (s);
      return;
    }
  g_autoptr (ImpsDigestAuthInfo) ai = imps_digest_auth_info_new_for (cred, c->xres, c->xres_len,
                                                                     (const guint8 *) body, body_len);
  g_autofree gchar *ai_value = imps_digest_auth_info_build (ai, &error);
  if (ai_value == NULL)
    {
      respond_status (bsf, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message,
                      "(Authentication-Info could not be written)");
      imps_bsf_session_free (s);
      return;
    }
  g_autofree gchar *btid = g_strdup (s->btid);
  g_autofree gchar *impi = g_strdup (s->impi);
  gint64 expiry = s->expiry;
  imps_key_log_gba_ks (bsf->key_log, s->impi, s->btid, s->ks.bytes, IMPS_GBA_KEY_LEN);
  imps_bsf_store_prune (bsf);
  if (!imps_bsf_store_add (bsf, s, &error))
    {
      imps_bsf_note (bsf, IMPS_EVENT_FAILURE, error->message, "store failed");
      respond_status (bsf, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, error->message, "(store failed)");
      return;
    }
  gchar lifetime[IMPS_GBA_DATETIME_LEN];
  imps_gba_datetime_format (expiry, lifetime);
  g_autofree gchar *why = g_strdup_printf ("B-TID %s for %s, valid until %s", btid, impi, lifetime);
  imps_bsf_note (bsf, IMPS_EVENT_NOTE, why, "bootstrapped");

  imps_http_message_set_header (msg, "Authentication-Info", ai_value);
  g_autofree gchar *expires = imps_http_date (expiry);
  imps_http_message_set_header (msg, "Expires", expires);
  imps_http_server_respond (bsf->ub, msg, SOUP_STATUS_OK, IMPS_GBA_XML_CONTENT_TYPE,
                            (const guint8 *) body, body_len, NULL, "200 (B-TID %s)", btid);
}

static void
on_ub (ImpsHttpServer *server, ImpsHttpMessage *msg, const gchar *peer, gpointer data)
{
  ImpsBsf *bsf = data;
  const gchar *method = imps_http_message_get_method (msg);
  const gchar *path = imps_http_message_get_path (msg);
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "POST") != 0)
    {
      g_autofree gchar *why = g_strdup_printf ("method %s from %s: Ub takes GET", method, peer);
      refuse (bsf, why, "method refused");
      imps_http_message_set_header (msg, "Allow", "GET");
      respond_status (bsf, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, why, "method not allowed");
      return;
    }
  const gchar *auth = imps_http_message_get_header (msg, "Authorization");
  if (auth == NULL)
    {
      imps_http_server_log_request (server, msg, "%s %s (no Authorization)", method, path);
      g_autofree gchar *why = g_strdup_printf ("request from %s has no Authorization header: "
                                               "the BSF needs the IMPI", peer);
      refuse (bsf, why, "no Authorization");
      respond_status (bsf, msg, SOUP_STATUS_BAD_REQUEST, why, "missing Authorization");
      return;
    }
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_parse (auth, strlen (auth), &error);
  if (cred == NULL)
    {
      imps_http_server_log_request (server, msg, "%s %s (Authorization malformed)", method, path);
      g_autofree gchar *why = g_strdup_printf ("Authorization from %s: %s", peer, error->message);
      refuse (bsf, why, "malformed Authorization");
      respond_status (bsf, msg, SOUP_STATUS_BAD_REQUEST, why, "malformed Authorization");
      return;
    }
  gboolean first = cred->nonce[0] == '\0';
  if (first)
    imps_http_server_log_request (server, msg, "%s %s (Authorization: %s)", method, path,
                                  cred->username);
  else if (cred->auts)
    imps_http_server_log_request (server, msg, "%s %s (Authorization: %s, AUTS)", method, path,
                                  cred->username);
  else
    imps_http_server_log_request (server, msg, "%s %s (Authorization: %s, response)", method,
                                  path, cred->username);

  if (!imps_gba_btid_check (cred->username, strlen (cred->username), NULL))
    {
      /* The IMPI has the form user@realm (gba.md §1.2), as a B-TID does. */
      g_autofree gchar *why = g_strdup_printf ("username '%s' is not an IMPI (user@realm)",
                                               cred->username);
      refuse (bsf, why, "malformed Authorization");
      respond_status (bsf, msg, SOUP_STATUS_BAD_REQUEST, why, "malformed Authorization");
      return;
    }
  if (first)
    {
      if (g_ascii_strcasecmp (cred->realm, bsf->name) != 0)
        {
          g_autofree gchar *why = g_strdup_printf ("first request names realm '%s'; this BSF is %s",
                                                   cred->realm, bsf->name);
          imps_bsf_note (bsf, IMPS_EVENT_NOTE, why, "other realm");
        }
      start_challenge (bsf, msg, cred->username, NULL);
      return;
    }

  Challenge *c = pending_take (bsf, cred->nonce);
  if (c == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("nonce '%s' from %s was not issued by this BSF, "
                                               "has expired or was answered already",
                                               cred->nonce, cred->username);
      refuse (bsf, why, "unknown nonce");
      start_challenge (bsf, msg, cred->username, NULL);
      return;
    }
  g_autoptr (ImpsDigestChallenge) ch = imps_digest_challenge_new ();
  ch->realm = g_strdup (bsf->name);
  ch->nonce = g_strdup (c->nonce);
  ch->opaque = g_strdup (c->opaque);
  ch->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  ch->qop_options = IMPS_DIGEST_QOP_AUTH_INT;
  const gchar *why_not = NULL;
  g_autofree gchar *why_buf = NULL;
  if (g_strcmp0 (cred->username, c->impi) != 0)
    why_not = why_buf = g_strdup_printf ("username '%s' answers a challenge issued to '%s'",
                                         cred->username, c->impi);
  else if (!imps_digest_credentials_match (cred, ch, &error))
    why_not = why_buf = g_strdup_printf ("credentials of %s do not answer the challenge: %s",
                                         cred->username, error->message);
  else if (g_strcmp0 (cred->uri, path) != 0)
    why_not = why_buf = g_strdup_printf ("digest uri '%s' is not the request path '%s'",
                                         cred->uri, path);
  if (why_not)
    {
      refuse (bsf, why_not, "credentials refused");
      challenge_free (c);
      start_challenge (bsf, msg, cred->username, NULL);
      return;
    }

  GBytes *body = imps_http_message_get_body (msg);
  gsize body_len = 0;
  const guint8 *body_data = g_bytes_get_data (body, &body_len);
  ImpsDigestAkaOutcome outcome;
  guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN];
  if (!imps_digest_aka_verify (cred, method, body_data, body_len, c->xres, c->xres_len, c->ik,
                               c->ck, &outcome, auts, &error))
    {
      gchar expected[IMPS_DIGEST_HEX_LEN];
      if (cred->auts)
        imps_digest_credentials_response (cred, method, (const guint8 *) "", 0, body_data,
                                          body_len, expected);
      else
        imps_digest_credentials_response (cred, method, c->xres, c->xres_len, body_data,
                                          body_len, expected);
      g_autofree gchar *why = g_strdup_printf ("digest response of %s does not verify: received "
                                               "%s, expected %s%s (nonce %s)", cred->username,
                                               cred->response, expected,
                                               cred->auts ? " with the empty password and auts"
                                                          : " with RES",
                                               c->nonce);
      refuse (bsf, why, "wrong response");
      challenge_free (c);
      start_challenge (bsf, msg, cred->username, NULL);
      return;
    }
  switch (outcome)
    {
    case IMPS_DIGEST_AKA_AUTHENTICATED:
      bootstrap_ok (bsf, msg, cred, c);
      break;
    case IMPS_DIGEST_AKA_RESYNC:
      {
        guint8 resync[IMPS_DIAMETER_RESYNC_LEN];
        memcpy (resync, c->rand, 16);
        memcpy (resync + 16, auts, IMPS_DIGEST_AKA_AUTS_LEN);
        g_autofree gchar *auts_hex = imps_hex_encode (auts, sizeof auts);
        g_autofree gchar *why = g_strdup_printf ("%s reports a SQN failure: AUTS %s; asking the "
                                                 "HSS to resynchronise", cred->username, auts_hex);
        imps_bsf_note (bsf, IMPS_EVENT_NOTE, why, "resynchronisation");
        start_challenge (bsf, msg, cred->username, resync);
      }
      break;
    case IMPS_DIGEST_AKA_NETWORK_REJECTED:
      {
        g_autofree gchar *why = g_strdup_printf ("%s answered the challenge with the empty password "
                                                 "and no auts: the UE did not accept AUTN (MAC "
                                                 "failure); no B-TID", cred->username);
        refuse (bsf, why, "UE rejected the network");
        respond_status (bsf, msg, SOUP_STATUS_FORBIDDEN, why, "(UE rejected the network)");
      }
      break;
    }
  challenge_free (c);
}

void
imps_bsf_set_http_limits (ImpsBsf *bsf, const ImpsHttpLimits *limits)
{
  bsf->http_limits = *limits;
}

gboolean
imps_bsf_listen (ImpsBsf *bsf, const gchar *address, guint16 ub_port, guint16 zn_port,
                 GError **error)
{
  static const guint32 apps[] = { IMPS_DIAMETER_APP_ZN };
  g_return_val_if_fail (bsf->ub == NULL && bsf->zn == NULL, FALSE);
  bsf->ub = imps_http_server_new (bsf->net, bsf->name, IMPS_REF_UB, IMPS_BSF_SERVER_HEADER,
                                  on_ub, bsf);
  imps_http_server_set_limits (bsf->ub, &bsf->http_limits);
  if (!imps_http_server_listen (bsf->ub, address, ub_port, error))
    {
      g_clear_pointer (&bsf->ub, imps_http_server_free);
      return FALSE;
    }
  bsf->zn = imps_diameter_server_new (bsf->net, bsf->name, bsf->name, bsf->domain, IMPS_REF_ZN,
                                      apps, G_N_ELEMENTS (apps), imps_bsf_zn_handle, bsf);
  if (!imps_diameter_server_listen (bsf->zn, address, zn_port, error))
    {
      g_clear_pointer (&bsf->zn, imps_diameter_server_free);
      g_clear_pointer (&bsf->ub, imps_http_server_free);
      return FALSE;
    }
  g_free (bsf->address);
  bsf->address = g_strdup (address);
  g_clear_pointer (&bsf->zh, imps_diameter_client_free);
  return TRUE;
}
