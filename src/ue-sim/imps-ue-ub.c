/* The UE's Ub client (gba.md §6, profile §10) and its USIM processing. */
#include "imps-ue-private.h"
#include "digest/imps-digest.h"
#include "gba/imps-gba-xml.h"
#include "imps-hex.h"
#include "imps-http.h"
#include "imps-secret.h"

#include <string.h>

typedef enum {
  PHASE_FIRST,          /* sent the IMPI; want a 401 */
  PHASE_RESYNC,         /* sent auts; want a fresh 401 */
  PHASE_RESPONSE,       /* sent the RES response; want 200 */
  PHASE_REJECT,         /* sent the MAC-failure answer; stop after it */
} Phase;

typedef struct {
  ImpsUe *ue;              /* valid while @alive is not cancelled */
  GCancellable *alive;     /* the UE's, reffed */
  ImpsClock *clock;        /* held during the exchange, reffed */
  gchar *bsf_fqdn;
  gchar *bsf_address;
  guint16 bsf_port;
  gchar *url;
  gchar *host;
  Phase phase;
  guint resyncs;
  ImpsHttpResponse *answer;
  ImpsDigestCredentials *sent;
  ImpsAkaResult aka;        /* RES, CK, IK of the current challenge (wiped) */
  guint8 rand[16];
  GError *stop;             /* the error to return once the reject answer is sent */
} UbRun;

/* The UE's Ub client, made for one bootstrap: one connection to the BSF,
 * kept alive across the exchange's requests. */
static ImpsHttpClient *
ub_client (ImpsUe *ue)
{
  if (ue->http == NULL)
    ue->http = imps_http_client_new (ue->address, IMPS_UE_UB_USER_AGENT, 10);
  return ue->http;
}

static void
ub_run_free (gpointer p)
{
  UbRun *run = p;
  imps_clock_release (run->clock);
  imps_clock_unref (run->clock);
  if (!g_cancellable_is_cancelled (run->alive))
    {
      run->ue->bootstrapping = FALSE;
      /* The exchange is over: close its connection and drop the session,
       * so that thousands of idle UEs hold no sockets (nor the BSF theirs). */
      g_clear_pointer (&run->ue->http, imps_http_client_free);
    }
  g_object_unref (run->alive);
  g_free (run->bsf_fqdn);
  g_free (run->bsf_address);
  g_free (run->url);
  g_free (run->host);
  g_clear_pointer (&run->answer, imps_http_response_free);
  imps_digest_credentials_free (run->sent);
  g_clear_error (&run->stop);
  imps_wipe (run, sizeof *run);
  g_free (run);
}

static void on_response (GObject *source, GAsyncResult *res, gpointer data);

/* Sends GET / with @cred as the Authorization (taking @cred). */
static void
send_request (GTask *task, ImpsDigestCredentials *cred, Phase phase)
{
  UbRun *run = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *auth = imps_digest_credentials_build (cred, &error);
  if (auth == NULL)
    {
      imps_digest_credentials_free (cred);
      g_task_return_new_error (task, IMPS_UE_ERROR, IMPS_UE_ERROR_PROTOCOL,
                               "Authorization for %s cannot be written: %s", run->ue->impi,
                               error->message);
      g_object_unref (task);
      return;
    }
  imps_digest_credentials_free (run->sent);
  run->sent = cred;
  run->phase = phase;
  g_clear_pointer (&run->answer, imps_http_response_free);
  g_autofree gchar *date = imps_http_date (imps_ue_now (run->ue));
  /* Host names the BSF as the UE knows it (gba.md §6.2), not its address. */
  const gchar *fields[] = { "Host", run->host, "Date", date, "Accept", "*/*",
                            "Authorization", auth, NULL };
  /* One connection per exchange: the challenge's request keeps it open
   * for the answer to the challenge (which the BSF expects on it anyway);
   * the exchange's last request (the response, or the MAC-failure answer)
   * asks the BSF to close once it has answered, so neither end keeps a
   * socket for an idle UE (profile §1). A connection per request cost a
   * TCP connection, an accept and the server's and client's connection
   * objects more per bootstrap. */
  gboolean close = phase == PHASE_RESPONSE || phase == PHASE_REJECT;
  imps_http_client_send_async (ub_client (run->ue), run->bsf_address, run->bsf_port, "GET", "/",
                               fields, NULL, NULL, close, g_task_get_cancellable (task),
                               on_response, task);
}

static ImpsDigestCredentials *
credentials_for (UbRun *run, const ImpsDigestChallenge *ch, ImpsDigestQop qop)
{
  ImpsDigestCredentials *c = imps_digest_credentials_new ();
  c->username = g_strdup (run->ue->impi);
  c->realm = g_strdup (ch->realm);
  c->nonce = g_strdup (ch->nonce);
  c->uri = g_strdup ("/");
  c->opaque = g_strdup (ch->opaque);
  c->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  c->qop = qop;
  if (qop != IMPS_DIGEST_QOP_NONE)
    {
      guint8 cnonce[16];
      imps_random_fill (run->ue->random, cnonce, sizeof cnonce);
      c->cnonce = imps_hex_encode (cnonce, sizeof cnonce);
      g_strlcpy (c->nc, "00000001", sizeof c->nc);
    }
  return c;
}

static void
fail (GTask *task, gint code, const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
fail (GTask *task, gint code, const gchar *fmt, ...)
{
  UbRun *run = g_task_get_task_data (task);
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  imps_ue_note (run->ue, IMPS_EVENT_FAILURE, message, "bootstrap failed");
  g_task_return_new_error (task, IMPS_UE_ERROR, code, "%s", message);
  g_object_unref (task);
}

/* The 401: run AKA on the USIM and answer (gba.md §6.1 steps 4-5). */
static void
on_challenge (GTask *task)
{
  UbRun *run = g_task_get_task_data (task);
  ImpsUe *ue = run->ue;
  g_autoptr (GError) error = NULL;
  const gchar *value = imps_http_response_get_header (run->answer, "WWW-Authenticate");
  if (value == NULL)
    {
      fail (task, IMPS_UE_ERROR_PROTOCOL, "401 from %s has no WWW-Authenticate", run->bsf_fqdn);
      return;
    }
  g_autoptr (ImpsDigestChallenge) ch = imps_digest_challenge_parse (value, strlen (value), &error);
  if (ch == NULL)
    {
      fail (task, IMPS_UE_ERROR_PROTOCOL, "WWW-Authenticate from %s: %s", run->bsf_fqdn,
            error->message);
      return;
    }
  if (ch->algorithm != IMPS_DIGEST_ALGORITHM_AKAV1_MD5)
    {
      fail (task, IMPS_UE_ERROR_PROTOCOL, "challenge from %s has algorithm %s, not AKAv1-MD5",
            run->bsf_fqdn, imps_digest_algorithm_to_string (ch->algorithm));
      return;
    }
  ImpsDigestQop qop = (ch->qop_options & IMPS_DIGEST_QOP_AUTH_INT) ? IMPS_DIGEST_QOP_AUTH_INT
                      : (ch->qop_options & IMPS_DIGEST_QOP_AUTH) ? IMPS_DIGEST_QOP_AUTH
                                                                 : IMPS_DIGEST_QOP_NONE;
  ImpsDigestAkaNonce nonce;
  if (!imps_digest_aka_nonce_parse (ch->nonce, strlen (ch->nonce), &nonce, &error))
    {
      fail (task, IMPS_UE_ERROR_PROTOCOL, "nonce from %s: %s", run->bsf_fqdn, error->message);
      return;
    }
  memcpy (run->rand, nonce.rand, 16);

  guint8 auts[IMPS_AKA_AUTS_LEN];
  imps_aka_result_clear (&run->aka);
  gboolean autn_ok = imps_aka_check_autn (ue->milenage, ue->sqn, nonce.rand, nonce.autn,
                                          &run->aka, auts, &error);
  /* the USIM's key schedule is made again at the next challenge */
  imps_milenage_drop_cipher (ue->milenage);
  if (autn_ok)
    {
      ImpsDigestCredentials *cred = credentials_for (run, ch, qop);
      imps_digest_credentials_sign (cred, "GET", run->aka.res, sizeof run->aka.res, NULL, 0);
      send_request (task, cred, PHASE_RESPONSE);
      return;
    }

  if (g_error_matches (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE)
      && run->resyncs < IMPS_UE_MAX_RESYNC)
    {
      run->resyncs++;
      g_autofree gchar *auts_hex = imps_hex_encode (auts, sizeof auts);
      g_autofree gchar *why = g_strdup_printf ("%s; answering with AUTS %s", error->message,
                                               auts_hex);
      imps_ue_note (ue, IMPS_EVENT_NOTE, why, "SQN failure");
      ImpsDigestCredentials *cred = credentials_for (run, ch, qop);
      cred->auts = imps_digest_aka_auts_encode (auts);
      imps_digest_credentials_sign (cred, "GET", (const guint8 *) "", 0, NULL, 0);
      send_request (task, cred, PHASE_RESYNC);
      return;
    }
  if (g_error_matches (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE))
    {
      fail (task, IMPS_UE_ERROR_SYNC, "SQN still not acceptable after %u resynchronisation%s "
            "with %s: %s", run->resyncs, run->resyncs == 1 ? "" : "s", run->bsf_fqdn,
            error->message);
      return;
    }

  /* MAC failure: the network is not genuine. Tell the BSF (empty password,
   * no auts: profile §10) and stop. */
  g_autofree gchar *why = g_strdup_printf ("network authentication failed: the challenge from %s "
                                           "is not genuine: %s", run->bsf_fqdn, error->message);
  imps_ue_note (ue, IMPS_EVENT_REFUSAL, why, "network not genuine");
  run->stop = g_error_new (IMPS_UE_ERROR, IMPS_UE_ERROR_NETWORK_AUTH, "%s", why);
  ImpsDigestCredentials *cred = credentials_for (run, ch, qop);
  imps_digest_credentials_sign (cred, "GET", (const guint8 *) "", 0, NULL, 0);
  send_request (task, cred, PHASE_REJECT);
}

/* The 200: check rspauth and read the BootstrappingInfo (step 7). */
static void
on_success (GTask *task, GBytes *body)
{
  UbRun *run = g_task_get_task_data (task);
  ImpsUe *ue = run->ue;
  g_autoptr (GError) error = NULL;
  gsize body_len = 0;
  const guint8 *body_data = body ? g_bytes_get_data (body, &body_len) : NULL;

  const gchar *ai_value = imps_http_response_get_header (run->answer, "Authentication-Info");
  if (ai_value == NULL)
    {
      fail (task, IMPS_UE_ERROR_SERVER_AUTH, "200 from %s has no Authentication-Info: the BSF "
            "did not prove it knows RES", run->bsf_fqdn);
      return;
    }
  g_autoptr (ImpsDigestAuthInfo) ai = imps_digest_auth_info_parse (ai_value, strlen (ai_value),
                                                                   &error);
  if (ai == NULL)
    {
      fail (task, IMPS_UE_ERROR_PROTOCOL, "Authentication-Info from %s: %s", run->bsf_fqdn,
            error->message);
      return;
    }
  if (!imps_digest_auth_info_verify (ai, run->sent, run->aka.res, sizeof run->aka.res, body_data,
                                     body_len, &error))
    {
      fail (task, IMPS_UE_ERROR_SERVER_AUTH, "rspauth from %s does not verify: %s", run->bsf_fqdn,
            error->message);
      return;
    }
  const gchar *ctype = imps_http_response_get_content_type (run->answer);
  if (g_strcmp0 (ctype, IMPS_GBA_XML_CONTENT_TYPE) != 0)
    {
      fail (task, IMPS_UE_ERROR_PROTOCOL, "200 from %s has Content-Type %s, not %s", run->bsf_fqdn,
            ctype ? ctype : "(none)", IMPS_GBA_XML_CONTENT_TYPE);
      return;
    }
  g_autoptr (ImpsGbaBootstrappingInfo) info = imps_gba_bootstrapping_info_parse (body_data, body_len,
                                                                                &error);
  if (info == NULL)
    {
      fail (task, IMPS_UE_ERROR_PROTOCOL, "BootstrappingInfo from %s: %s", run->bsf_fqdn,
            error->message);
      return;
    }

  ImpsUeGbaSession *s = g_new0 (ImpsUeGbaSession, 1);
  s->btid = g_strdup (info->btid);
  memcpy (s->rand, run->rand, 16);
  imps_gba_ks_from_ck_ik (run->aka.ck, run->aka.ik, &s->ks);
  s->expiry = info->lifetime;
  s->logged_naf = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imps_ue_gba_session_free (ue->gba);
  ue->gba = s;
  imps_key_log_gba_ks (ue->key_log, ue->impi, s->btid, s->ks.bytes, IMPS_GBA_KEY_LEN);
  gchar lifetime[IMPS_GBA_DATETIME_LEN];
  imps_gba_datetime_format (s->expiry, lifetime);
  g_autofree gchar *why = g_strdup_printf ("B-TID %s from %s, Ks valid until %s", s->btid,
                                           run->bsf_fqdn, lifetime);
  imps_ue_note (ue, IMPS_EVENT_NOTE, why, "bootstrapped");
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_response (GObject *source, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  UbRun *run = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  ImpsHttpResponse *answer = imps_http_client_send_finish (NULL, res, &error);
  g_clear_pointer (&run->answer, imps_http_response_free);
  run->answer = answer;
  GBytes *body = answer ? imps_http_response_get_body (answer) : NULL;
  if (g_cancellable_is_cancelled (run->alive))
    {
      g_task_return_new_error (task, IMPS_UE_ERROR, IMPS_UE_ERROR_TRANSPORT,
                               "the UE was freed during its bootstrap with %s", run->bsf_fqdn);
      g_object_unref (task);
      return;
    }
  if (body == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      fail (task, IMPS_UE_ERROR_TRANSPORT, "Ub to %s (%s) failed: %s", run->bsf_fqdn, run->url,
            error->message);
      return;
    }
  guint status = imps_http_response_get_status (answer);
  switch (run->phase)
    {
    case PHASE_REJECT:
      g_task_return_error (task, g_steal_pointer (&run->stop));
      g_object_unref (task);
      return;
    case PHASE_FIRST:
    case PHASE_RESYNC:
      if (status == SOUP_STATUS_UNAUTHORIZED)
        {
          on_challenge (task);
          return;
        }
      fail (task, IMPS_UE_ERROR_REFUSED, "%s answered %u %s to the %s", run->bsf_fqdn, status,
            soup_status_get_phrase (status),
            run->phase == PHASE_FIRST ? "first request" : "resynchronisation (auts)");
      return;
    case PHASE_RESPONSE:
      if (status == SOUP_STATUS_OK)
        {
          on_success (task, body);
          return;
        }
      fail (task, IMPS_UE_ERROR_REFUSED, "%s answered %u %s to the AKA response", run->bsf_fqdn,
            status, soup_status_get_phrase (status));
      return;
    }
}

void
imps_ue_bootstrap_async (ImpsUe *ue, const gchar *bsf_fqdn, const gchar *bsf_address,
                         guint16 bsf_port, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (ue != NULL && bsf_fqdn != NULL && bsf_address != NULL);
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, imps_ue_bootstrap_async);
  if (ue->bootstrapping)
    {
      g_task_return_new_error (task, IMPS_UE_ERROR, IMPS_UE_ERROR_BUSY,
                               "%s is bootstrapping already", ue->name);
      g_object_unref (task);
      return;
    }
  UbRun *run = g_new0 (UbRun, 1);
  run->ue = ue;
  run->alive = g_object_ref (ue->alive);
  run->clock = imps_clock_ref (imps_network_get_clock (ue->net));
  run->bsf_fqdn = g_strdup (bsf_fqdn);
  run->bsf_address = g_strdup (bsf_address);
  run->bsf_port = bsf_port;
  run->url = g_strdup_printf ("http://%s:%u/", bsf_address, bsf_port);
  /* The BSF as the UE knows it: its FQDN on the conventional HTTP port, as
   * in gba.md §6.2 and in the pcap, whatever port the kernel chose for the
   * simulated node (so a seeded run repeats byte for byte). */
  run->host = g_strdup_printf ("%s:80", bsf_fqdn);
  ue->bootstrapping = TRUE;
  /* The exchange is in flight: virtual time waits for it. */
  imps_clock_hold (run->clock);
  g_task_set_task_data (task, run, ub_run_free);

  /* gba.md §6.1 step 1, profile §10: the realm is the BSF's FQDN. */
  ImpsDigestCredentials *cred = imps_digest_credentials_new ();
  cred->username = g_strdup (ue->impi);
  cred->realm = g_strdup (bsf_fqdn);
  cred->nonce = g_strdup ("");
  cred->uri = g_strdup ("/");
  cred->response = g_strdup ("");
  send_request (task, cred, PHASE_FIRST);
}

gboolean
imps_ue_bootstrap_finish (ImpsUe *ue, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
