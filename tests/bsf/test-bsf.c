/* The BSF on loopback (profile §9 addresses, virtual clock): Ub refusals
 * with a raw HTTP client, Zn answers to a test KMS, the state file over a
 * restart, and the GUSS lifeTime reader.
 *
 * AKA values: TS 35.208 set 1 (gba.md §12.1). */
#include "gba-fixture.h"
#include "gba/imps-gba-uss.h"
#include "digest/imps-digest.h"
#include "imps-hex.h"
#include "imps-http.h"

/* ---- a raw HTTP client ---- */

static void
raw_done (GObject *src, GAsyncResult *res, gpointer data)
{
  GbaFx *fx = data;
  g_clear_pointer (&fx->body, g_bytes_unref);
  fx->body = soup_session_send_and_read_finish (SOUP_SESSION (src), res, &fx->error);
  g_main_loop_quit (fx->loop);
}

static SoupMessage *raw_send (GbaFx *fx, const gchar *method, const gchar *authorization,
                              GBytes *body);

/* GET / with @authorization (NULL: none); returns the message. */
static SoupMessage *
raw_get (GbaFx *fx, const gchar *method, const gchar *authorization)
{
  return raw_send (fx, method, authorization, NULL);
}

static SoupMessage *
raw_send (GbaFx *fx, const gchar *method, const gchar *authorization, GBytes *body)
{
  if (fx->raw == NULL)
    {
      g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (FX_RAW_ADDR);
      g_autoptr (GSocketAddress) local = g_inet_socket_address_new (ia, 0);
      fx->raw = soup_session_new_with_options ("local-address", local, "timeout", 10, NULL);
    }
  g_autofree gchar *url = g_strdup_printf ("http://%s:%u/", FX_BSF_ADDR,
                                           imps_bsf_get_ub_port (fx->bsf));
  SoupMessage *msg = soup_message_new (method, url);
  if (authorization)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  if (body)
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", body);
  g_clear_error (&fx->error);
  soup_session_send_and_read_async (fx->raw, msg, G_PRIORITY_DEFAULT, NULL, raw_done, fx);
  g_main_loop_run (fx->loop);
  g_assert_no_error (fx->error);
  return msg;
}

static ImpsDigestChallenge *
challenge_of (SoupMessage *msg)
{
  g_assert_cmpuint (soup_message_get_status (msg), ==, 401);
  const gchar *v = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "WWW-Authenticate");
  g_assert_nonnull (v);
  g_autoptr (GError) error = NULL;
  ImpsDigestChallenge *ch = imps_digest_challenge_parse (v, strlen (v), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ch->realm, ==, "bsf.home1.net");
  g_assert_cmpint (ch->algorithm, ==, IMPS_DIGEST_ALGORITHM_AKAV1_MD5);
  g_assert_cmpuint (ch->qop_options, ==, IMPS_DIGEST_QOP_AUTH_INT);
  g_assert_nonnull (ch->opaque);
  return ch;
}

#define FIRST_AUTH "Digest username=\"" FX_IMPI "\", realm=\"bsf.home1.net\", nonce=\"\", uri=\"/\", response=\"\""

static gchar *
answer_with (const ImpsDigestChallenge *ch, const guint8 *password, gsize len)
{
  g_autoptr (ImpsDigestCredentials) c = imps_digest_credentials_new ();
  c->username = g_strdup (FX_IMPI);
  c->realm = g_strdup (ch->realm);
  c->nonce = g_strdup (ch->nonce);
  c->uri = g_strdup ("/");
  c->opaque = g_strdup (ch->opaque);
  c->cnonce = g_strdup ("6629fae49393a05397450978507c4ef1");
  g_strlcpy (c->nc, "00000001", sizeof c->nc);
  c->qop = IMPS_DIGEST_QOP_AUTH_INT;
  c->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  imps_digest_credentials_sign (c, "GET", password, len, NULL, 0);
  return imps_digest_credentials_build (c, NULL);
}

static void
test_wrong_response (GbaFx *fx, gconstpointer unused)
{
  g_autoptr (SoupMessage) m1 = raw_get (fx, "GET", FIRST_AUTH);
  g_autoptr (ImpsDigestChallenge) ch = challenge_of (m1);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (m1), "Server"),
                   ==, IMPS_BSF_SERVER_HEADER);

  /* A response made with a wrong RES: a fresh 401 with a new nonce. */
  static const guint8 wrong[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autofree gchar *auth = answer_with (ch, wrong, sizeof wrong);
  g_autoptr (SoupMessage) m2 = raw_get (fx, "GET", auth);
  g_autoptr (ImpsDigestChallenge) ch2 = challenge_of (m2);
  g_assert_cmpstr (ch2->nonce, !=, ch->nonce);
  fx_dump_log (fx);
  /* The refusal gives the received and the expected response, never RES. */
  g_autoptr (ImpsDigestCredentials) sent = imps_digest_credentials_parse (auth, strlen (auth), NULL);
  g_autofree gchar *received = g_strdup_printf ("received %s, expected ", sent->response);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "wrong response", received), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "MAR", NULL), ==, 2);
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, 0);

  /* The used nonce cannot be answered again: it gets a fresh 401 too. */
  g_autoptr (SoupMessage) m3 = raw_get (fx, "GET", auth);
  g_autoptr (ImpsDigestChallenge) ch3 = challenge_of (m3);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "unknown nonce", ch->nonce), ==, 1);

  /* The right RES (recomputed from the nonce with the subscriber's K and
   * OPc) on the newest challenge: 200 with a B-TID. */
  ImpsDigestAkaNonce n;
  g_assert_true (imps_digest_aka_nonce_parse (ch3->nonce, strlen (ch3->nonce), &n, NULL));
  guint8 k[16], opc[16], res[8], ck[16], ik[16], ak[6];
  imps_test_hex_into (FX_K, k, 16);
  imps_test_hex_into (FX_OPC, opc, 16);
  g_autoptr (ImpsMilenage) mil = imps_milenage_new (k, opc);
  imps_milenage_f2345 (mil, n.rand, res, ck, ik, ak);
  g_autofree gchar *good = answer_with (ch3, res, sizeof res);
  g_autoptr (SoupMessage) m4 = raw_get (fx, "GET", good);
  g_assert_cmpuint (soup_message_get_status (m4), ==, 200);
  SoupMessageHeaders *h = soup_message_get_response_headers (m4);
  g_assert_cmpstr (soup_message_headers_get_content_type (h, NULL), ==, "application/vnd.3gpp.bsf+xml");
  g_assert_nonnull (soup_message_headers_get_one (h, "Expires"));
  /* rspauth verifies with RES over the body (gba.md §5.1). */
  const gchar *ai_text = soup_message_headers_get_one (h, "Authentication-Info");
  g_autoptr (ImpsDigestAuthInfo) ai = imps_digest_auth_info_parse (ai_text, strlen (ai_text), NULL);
  g_assert_nonnull (ai);
  g_autoptr (ImpsDigestCredentials) sent4 = imps_digest_credentials_parse (good, strlen (good), NULL);
  gsize blen;
  const guint8 *bdata = g_bytes_get_data (fx->body, &blen);
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_digest_auth_info_verify (ai, sent4, res, sizeof res, bdata, blen, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, 1);
}

static void
test_malformed (GbaFx *fx, gconstpointer unused)
{
  static const struct {
    const gchar *auth;
    const gchar *detail;
  } cases[] = {
    { "Digest username=\"" FX_IMPI "\", realm=\"bsf.home1.net\", nonce=\"\", uri=\"/\", response=\"\"\"",
      "Authorization from raw" },
    { "Basic dXNlcjpwYXNz", "Authorization from raw" },
    { "Digest username=\"" FX_IMPI "\", realm=\"bsf.home1.net\", nonce=\"\", response=\"\"",
      "uri" },
    { "Digest username=\"nobody\", realm=\"bsf.home1.net\", nonce=\"\", uri=\"/\", response=\"\"",
      "not an IMPI" },
    { NULL, "no Authorization header" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SoupMessage) m = raw_get (fx, "GET", cases[i].auth);
      g_assert_cmpuint (soup_message_get_status (m), ==, 400);
      g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, NULL, cases[i].detail), >=, 1);
    }
  fx_dump_log (fx);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "400 malformed Authorization", NULL), ==, 4);
  /* The parse error names the offset. */
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "malformed Authorization", "offset"), >=, 1);
  /* No Zh traffic for any of them. */
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "MAR", NULL), ==, 0);

  g_autoptr (SoupMessage) put = raw_get (fx, "PUT", FIRST_AUTH);
  g_assert_cmpuint (soup_message_get_status (put), ==, 405);

  /* A body over the HTTP server's bound is refused before it is read. */
  g_autofree guint8 *big = g_malloc0 (IMPS_HTTP_MAX_BODY_DEFAULT + 1);
  g_autoptr (GBytes) body = g_bytes_new_take (g_steal_pointer (&big), IMPS_HTTP_MAX_BODY_DEFAULT + 1);
  g_autoptr (SoupMessage) post = raw_send (fx, "POST", FIRST_AUTH, body);
  g_assert_cmpuint (soup_message_get_status (post), ==, 413);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "POST / (65537-byte body)", NULL), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "413 body too large", "65537-byte body"), ==, 1);
}

static void
test_unknown_impi (GbaFx *fx, gconstpointer unused)
{
  g_autoptr (SoupMessage) m = raw_get (fx, "GET", "Digest username=\"nobody@home1.net\", "
                                       "realm=\"bsf.home1.net\", nonce=\"\", uri=\"/\", response=\"\"");
  g_assert_cmpuint (soup_message_get_status (m), ==, 403);
  fx_dump_log (fx);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "MAA 5401", NULL), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "403 (unknown IMPI)", NULL), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "unknown IMPI", "nobody@home1.net"), ==, 1);
}

static void
test_hss_unreachable (GbaFx *fx, gconstpointer unused)
{
  /* A port on the HSS's address that nothing listens on. */
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (FX_HSS_ADDR);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, 0);
  g_assert_true (g_socket_bind (s, sa, TRUE, NULL));
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (s, NULL);
  guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (s, NULL);
  imps_bsf_set_hss (fx->bsf, FX_HSS_ADDR, port);

  g_autoptr (SoupMessage) m = raw_get (fx, "GET", FIRST_AUTH);
  g_assert_cmpuint (soup_message_get_status (m), ==, 503);
  fx_dump_log (fx);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_FAILURE, "HSS unreachable", "Zh to " FX_HSS_ADDR), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "503 (HSS unreachable)", NULL), ==, 1);
}

static gboolean
swallow (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  /* Keep the connection open and never answer. */
  g_ptr_array_add (data, g_object_ref (conn));
  return TRUE;
}

static void
test_freed_while_pending (GbaFx *fx, gconstpointer unused)
{
  /* An "HSS" that accepts Zh connections and never answers. */
  g_autoptr (GPtrArray) conns = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GSocketService) mute = g_socket_service_new ();
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (FX_HSS_ADDR);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (mute), sa, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, NULL));
  g_signal_connect (mute, "incoming", G_CALLBACK (swallow), conns);
  g_socket_service_start (mute);
  imps_bsf_set_hss (fx->bsf, FX_HSS_ADDR,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  /* The UE's first request waits for the MAR's answer ... */
  fx->ok = TRUE;
  imps_ue_bootstrap_async (fx->ue, "bsf.home1.net", FX_BSF_ADDR, imps_bsf_get_ub_port (fx->bsf),
                           NULL, fx_bootstrap_done, fx);
  while (conns->len == 0)
    g_main_context_iteration (NULL, TRUE);
  /* ... when the BSF goes: the connection closes, the log says the
   * request was dropped, and the MAR's late end touches nothing of the
   * freed BSF. */
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  g_main_loop_run (fx->loop);
  fx_dump_log (fx);
  g_assert_false (fx->ok);
  g_assert_nonnull (fx->error);
  g_assert_error (fx->error, IMPS_UE_ERROR, IMPS_UE_ERROR_TRANSPORT);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_NOTE, "request dropped", "from alice"), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, NULL, NULL), ==, 1);
  fx_drain ();
  g_socket_service_stop (mute);
  g_socket_listener_close (G_SOCKET_LISTENER (mute));
}

/* What the event log holds for an HTTP exchange is byte for byte what
 * crossed the socket: a raw TCP client sends a request and compares. */
static void
test_exact_bytes (GbaFx *fx, gconstpointer unused)
{
  static const gchar request[] =
    "GET / HTTP/1.1\r\n"
    "Host: bsf.home1.net\r\n"
    "Authorization: Digest username=\"nobody\", realm=\"bsf.home1.net\", nonce=\"\", uri=\"/\", response=\"\"\r\n"
    "Connection: close\r\n"
    "\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_autoptr (GInetAddress) la = g_inet_address_new_from_string (FX_RAW_ADDR);
  g_autoptr (GSocketAddress) lsa = g_inet_socket_address_new (la, 0);
  g_assert_true (g_socket_bind (s, lsa, FALSE, &error));
  g_autoptr (GInetAddress) ra = g_inet_address_new_from_string (FX_BSF_ADDR);
  g_autoptr (GSocketAddress) rsa = g_inet_socket_address_new (ra, imps_bsf_get_ub_port (fx->bsf));
  g_assert_true (g_socket_connect (s, rsa, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send (s, request, strlen (request), NULL, &error), ==, strlen (request));
  g_socket_set_blocking (s, FALSE);

  GByteArray *got = g_byte_array_new ();
  for (guint rounds = 0; rounds < 20000; rounds++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      gchar buf[4096];
      g_clear_error (&error);
      gssize n = g_socket_receive (s, buf, sizeof buf, NULL, &error);
      if (n == 0)
        break;
      if (n > 0)
        g_byte_array_append (got, (const guint8 *) buf, (guint) n);
      else
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          g_usleep (500);
        }
    }
  g_autoptr (GBytes) wire = g_byte_array_free_to_bytes (got);

  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  const ImpsEvent *req = NULL, *resp = NULL;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && e->ref == IMPS_REF_UB)
        {
          if (req == NULL)
            req = e;
          else
            resp = e;
        }
    }
  g_assert_nonnull (req);
  g_assert_nonnull (resp);
  g_assert_cmpstr (req->from, ==, "raw");
  g_assert_cmpstr (req->summary, ==, "GET / (Authorization: nobody)");
  g_assert_cmpstr (resp->summary, ==, "400 malformed Authorization");
  gsize len;
  const gchar *data = g_bytes_get_data (req->bytes, &len);
  g_assert_cmpmem (data, len, request, strlen (request));
  const gchar *wd = g_bytes_get_data (wire, &len);
  g_autofree gchar *wire_text = g_strndup (wd, len);
  g_test_message ("%s", wire_text);
  const gchar *ld = g_bytes_get_data (resp->bytes, &len);
  g_autofree gchar *log_text = g_strndup (ld, len);
  g_assert_cmpstr (log_text, ==, wire_text);
  g_assert_true (g_str_has_prefix (log_text, "HTTP/1.1 400 Bad Request\r\n"));
  g_assert_nonnull (strstr (log_text, "\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n"));
  g_assert_nonnull (strstr (log_text, "\r\nServer: " IMPS_BSF_SERVER_HEADER "\r\n"));
  /* the 400 says why in a text/plain body (no key, no RES) */
  const gchar *reason = "username 'nobody' is not an IMPI (user@realm)\n";
  g_autofree gchar *clen = g_strdup_printf ("\r\nContent-Length: %zu\r\n", strlen (reason));
  g_assert_nonnull (strstr (log_text, clen));
  g_assert_nonnull (strstr (log_text, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
  g_assert_true (g_str_has_suffix (log_text, reason));
}

/* ---- Zn ---- */

static void
test_zn (GbaFx *fx, gconstpointer unused)
{
  g_assert_true (fx_bootstrap (fx, fx->ue));
  const gchar *btid = imps_ue_get_btid (fx->ue);

  /* Unknown B-TID: 5403. */
  g_autoptr (ImpsDiameterBia) unknown = fx_bir (fx, "AAAAAAAAAAAAAAAAAAAAAA==@bsf.home1.net",
                                                "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (unknown->experimental_result, ==, IMPS_DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID);
  g_assert_false (unknown->has_me_key);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "B-TID invalid",
                              "B-TID AAAAAAAAAAAAAAAAAAAAAA==@bsf.home1.net from kms.home1.net"), ==, 1);

  /* A NAF the operator has not authorised: 5402, with the FQDN named. */
  g_autoptr (ImpsDiameterBia) naf = fx_bir (fx, btid, "kms.home2.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (naf->experimental_result, ==, IMPS_DIAMETER_ERROR_NOT_AUTHORIZED);
  g_assert_false (naf->has_me_key);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "NAF not authorised",
                              "NAF kms.home2.net"), ==, 1);
  /* Once the caller adds a cooperating operator's KMS, it gets its key,
   * the UE's Ks_NAF for that FQDN. */
  imps_bsf_authorize_naf (fx->bsf, "KMS.home2.net");
  g_autoptr (ImpsDiameterBia) coop = fx_bir (fx, btid, "kms.home2.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (coop->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  g_assert_true (imps_ue_get_ks_naf (fx->ue, "kms.home2.net", IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf, NULL));
  g_assert_cmpmem (coop->me_key, 32, ks_naf.bytes, 32);

  /* Expired by the virtual clock: 5403 with both times in the reason. */
  imps_clock_advance (fx->clock, (gint64) FX_LIFETIME * G_USEC_PER_SEC);
  g_autoptr (ImpsDiameterBia) expired = fx_bir (fx, btid, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (expired->experimental_result, ==, IMPS_DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID);
  g_autofree gchar *why = g_strdup_printf ("expired at %" G_GINT64_FORMAT " (Unix s); now %"
                                           G_GINT64_FORMAT, FX_START_S + FX_LIFETIME,
                                           FX_START_S + FX_LIFETIME);
  fx_dump_log (fx);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "B-TID invalid", why), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "BIA 5403", NULL), ==, 2);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "BIA 5402", NULL), ==, 1);
}

/* A client that bootstraps in a loop holds at most
 * IMPS_BSF_MAX_SESSIONS_PER_IMPI sessions: each bootstrap beyond that drops
 * the session of that IMPI that expires first (a NAF then gets 5403 for
 * it), and the newest ones keep working. */
static void
test_sessions_per_impi (GbaFx *fx, gconstpointer unused)
{
  g_autoptr (GPtrArray) btids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < IMPS_BSF_MAX_SESSIONS_PER_IMPI + 2; i++)
    {
      g_assert_true (fx_bootstrap (fx, fx->ue));
      g_ptr_array_add (btids, g_strdup (imps_ue_get_btid (fx->ue)));
      imps_clock_advance (fx->clock, G_USEC_PER_SEC);
    }
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, IMPS_BSF_MAX_SESSIONS_PER_IMPI);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_NOTE, "old session dropped", NULL), ==, 2);
  for (guint i = 0; i < btids->len; i++)
    {
      const gchar *btid = g_ptr_array_index (btids, i);
      g_autoptr (ImpsDiameterBia) bia = fx_bir (fx, btid, "kms.home1.net",
                                                IMPS_GBA_UA_ID_IMS_MEDIA);
      if (i < 2)
        {
          g_assert_cmpuint (bia->experimental_result, ==,
                            IMPS_DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID);
          g_assert_cmpuint (fx_count (fx, IMPS_EVENT_NOTE, "old session dropped", btid), ==, 1);
        }
      else
        g_assert_cmpuint (bia->result_code, ==, IMPS_DIAMETER_SUCCESS);
    }
}

static void
test_store_rows (GbaFx *fx, gconstpointer unused)
{
  /* Without a state file the sessions live in memory only: no database
   * takes a row (and a copy of Ks) that nothing would read back. */
  g_assert_true (fx_bootstrap (fx, fx->ue));
  g_assert_true (fx_bootstrap (fx, fx->ue));
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, 2);
  g_assert_cmpint (imps_bsf_count_stored_rows (fx->bsf), ==, -1);
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_bsf_forget_btid (fx->bsf, imps_ue_get_btid (fx->ue), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, 1);

  /* With one, the table follows the sessions: added, dropped to make
   * room, forgotten. */
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  fx_drain ();
  fx_start_bsf (fx, fx->state);
  for (guint i = 0; i < IMPS_BSF_MAX_SESSIONS_PER_IMPI + 2; i++)
    {
      g_assert_true (fx_bootstrap (fx, fx->ue));
      imps_clock_advance (fx->clock, G_USEC_PER_SEC);
    }
  g_assert_cmpint (imps_bsf_count_stored_rows (fx->bsf), ==, IMPS_BSF_MAX_SESSIONS_PER_IMPI);
  g_assert_true (imps_bsf_forget_btid (fx->bsf, imps_ue_get_btid (fx->ue), &error));
  g_assert_no_error (error);
  g_assert_cmpint (imps_bsf_count_stored_rows (fx->bsf), ==, IMPS_BSF_MAX_SESSIONS_PER_IMPI - 1);
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  fx_drain ();
  fx_start_bsf (fx, fx->state);
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, IMPS_BSF_MAX_SESSIONS_PER_IMPI - 1);
}

static void
test_key_log (GbaFx *fx, gconstpointer unused)
{
  /* The BSF's key log (for outside UEs) and the UE's carry the same
   * lines, byte for byte: both ends hold the same keys. */
  g_autoptr (GOutputStream) bsf_out = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) ue_out = g_memory_output_stream_new_resizable ();
  g_autoptr (ImpsKeyLog) bsf_log = imps_key_log_new_stream (bsf_out);
  g_autoptr (ImpsKeyLog) ue_log = imps_key_log_new_stream (ue_out);
  imps_bsf_set_key_log (fx->bsf, bsf_log);
  imps_ue_set_key_log (fx->ue, ue_log);
  g_assert_true (fx_bootstrap (fx, fx->ue));
  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  g_assert_true (imps_ue_get_ks_naf (fx->ue, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf, NULL));
  g_autoptr (ImpsDiameterBia) bia = fx_bir (fx, imps_ue_get_btid (fx->ue), "kms.home1.net",
                                            IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (bia->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_autofree gchar *a = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (bsf_out)),
                                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (bsf_out)));
  g_autofree gchar *b = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (ue_out)),
                                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (ue_out)));
  g_assert_true (g_str_has_prefix (a, "GBA_KS " FX_IMPI " "));
  g_assert_nonnull (strstr (a, "\nGBA_KS_NAF "));
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpuint (imps_key_log_get_lines (bsf_log), ==, 2);
  imps_bsf_set_key_log (fx->bsf, NULL);
  imps_ue_set_key_log (fx->ue, NULL);
}

static void
test_default_lifetime (GbaFx *fx, gconstpointer unused)
{
  /* A subscriber whose GUSS has no lifeTime: the operator default. */
  fx_provision (fx, FX_IMPI, 0);
  imps_bsf_set_default_lifetime (fx->bsf, 600);
  g_assert_true (fx_bootstrap (fx, fx->ue));
  g_assert_cmpint (imps_ue_get_ks_expiry (fx->ue), ==, FX_START_S + 600);
}

static void
test_restart (GbaFx *fx, gconstpointer unused)
{
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  fx_start_bsf (fx, fx->state);
  g_assert_true (fx_bootstrap (fx, fx->ue));
  const gchar *btid = imps_ue_get_btid (fx->ue);
  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  g_assert_true (imps_ue_get_ks_naf (fx->ue, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf, NULL));

  /* A new BSF process on the same state file still answers Zn. */
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  fx_drain ();
  fx_start_bsf (fx, fx->state);
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, 1);
  g_autoptr (ImpsDiameterBia) bia = fx_bir (fx, btid, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (bia->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_cmpmem (bia->me_key, 32, ks_naf.bytes, 32);
  g_assert_cmpint (imps_diameter_time_to_unix (bia->key_expiry), ==, FX_START_S + FX_LIFETIME);

  /* Without the state file, it would not. */
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  fx_drain ();
  fx_start_bsf (fx, NULL);
  g_autoptr (ImpsDiameterBia) gone = fx_bir (fx, btid, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (gone->experimental_result, ==, IMPS_DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID);
}

/* ---- USSs over Zn (gba.md §9.4, §10.1; TS 33.220 §4.5.3) ---- */

static void
test_zn_uss (GbaFx *fx, gconstpointer unused)
{
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  fx_start_bsf (fx, fx->state);
  g_assert_true (fx_bootstrap (fx, fx->ue));
  const gchar *btid = imps_ue_get_btid (fx->ue);
  g_autoptr (GError) error = NULL;

  /* the KMS's GSID: the USS with the subscriber's public identities */
  g_autoptr (ImpsDiameterBia) bia = fx_bir_gsid (fx, btid, "kms.home1.net",
                                                 IMPS_GBA_UA_ID_IMS_MEDIA,
                                                 IMPS_GBA_GSID_IMS_MEDIA);
  g_assert_cmpuint (bia->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_nonnull (bia->guss);
  g_autoptr (ImpsGbaUssList) list = imps_gba_uss_list_parse (bia->guss, bia->guss_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->uss->len, ==, 1);
  g_auto (GStrv) uids = imps_gba_uss_list_uids (list, IMPS_GBA_GSID_IMS_MEDIA);
  g_assert_cmpstr (uids[0], ==, "sip:user1_public1@home1.net");
  g_assert_null (uids[1]);
  g_assert_true (g_str_has_prefix ((const gchar *) bia->guss, "<?xml"));
  g_assert_nonnull (strstr ((const gchar *) bia->guss, "<ussList>"));
  g_assert_null (strstr ((const gchar *) bia->guss, "<guss"));  /* a ussList, not the GUSS */

  /* another GSID: an empty list; none asked: no USS at all */
  g_autoptr (ImpsDiameterBia) other = fx_bir_gsid (fx, btid, "kms.home1.net",
                                                   IMPS_GBA_UA_ID_IMS_MEDIA, "1");
  g_autoptr (ImpsGbaUssList) none = imps_gba_uss_list_parse (other->guss, other->guss_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->uss->len, ==, 0);
  g_autoptr (ImpsDiameterBia) plain = fx_bir (fx, btid, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_null (plain->guss);

  /* the GUSS is kept with the session over a restart of the BSF */
  g_clear_pointer (&fx->bsf, imps_bsf_free);
  fx_drain ();
  fx_start_bsf (fx, fx->state);
  g_autoptr (ImpsDiameterBia) again = fx_bir_gsid (fx, btid, "kms.home1.net",
                                                   IMPS_GBA_UA_ID_IMS_MEDIA,
                                                   IMPS_GBA_GSID_IMS_MEDIA);
  g_assert_cmpuint (again->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_nonnull (again->guss);
  g_assert_nonnull (strstr ((const gchar *) again->guss, "<uid>sip:user1_public1@home1.net</uid>"));
}

static void
test_uss_reader (void)
{
  static const struct {
    const gchar *xml;
    guint n_uss;
    const gchar *uids;   /* ","-joined uids of GSID 1000006, or the error */
  } cases[] = {
    { "<?xml version=\"1.0\"?>\n<guss id=\"a\"><bsfInfo><lifeTime>5</lifeTime></bsfInfo>"
      "<ussList><uss id=\"1\" type=\"1000006\"><uids><uid>sip:a@x.net</uid>"
      "<uid> tel:+1 </uid></uids><flags/></uss></ussList></guss>", 1, "sip:a@x.net,tel:+1" },
    { "<g:ussList xmlns:g=\"uri:3gpp-gaa\"><g:uss type=\"1\"><g:uids><g:uid>sip:b@x</g:uid>"
      "</g:uids></g:uss><g:uss type='1000006'><g:uids><g:uid>sip:&#x63;&amp;@x</g:uid>"
      "<g:uid><![CDATA[sip:d@x]]></g:uid></g:uids></g:uss></g:ussList>", 2, "sip:c&@x,sip:d@x" },
    { "<guss><ussList/></guss>", 0, "" },
    { "<guss/>", 0, "" },
    { "<!DOCTYPE guss [<!ENTITY x \"y\">]><guss/>", 0, "DOCTYPE" },
    { "<other/>", 0, "neither guss nor ussList" },
    { "<ussList><uss><uids><uid>a</uid></uids></uss>", 0, "not closed" },
    { "<ussList><uss><uids><uid>&foo;</uid></uids></uss></ussList>", 0, "unknown entity" },
    { "<ussList><uss><uids><uid> </uid></uids></uss></ussList>", 0, "empty uid" },
    { "<ussList><uss><uids><uid><b/></uid></uids></uss></ussList>", 0, "holds text" },
    { "<ussList></ussList><x/>", 0, "after the root" },
    { "<ussList><uss a='1' a='2'/></ussList>", 0, "given twice" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsGbaUssList) l = imps_gba_uss_list_parse ((const guint8 *) cases[i].xml,
                                                              strlen (cases[i].xml), &error);
      if (l == NULL)
        {
          g_test_message ("case %u: %s", i, error->message);
          g_assert_nonnull (strstr (error->message, cases[i].uids));
          g_assert_nonnull (strstr (error->message, "at byte"));
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (l->uss->len, ==, cases[i].n_uss);
      g_auto (GStrv) u = imps_gba_uss_list_uids (l, IMPS_GBA_GSID_IMS_MEDIA);
      g_autofree gchar *joined = g_strjoinv (",", u);
      g_assert_cmpstr (joined, ==, cases[i].uids);
    }

  /* bounds: 17 USSs, 65 uids, a uid over 512 bytes, 33 KiB, depth 9 */
  GString *x = g_string_new ("<ussList>");
  for (guint i = 0; i < 17; i++)
    g_string_append (x, "<uss/>");
  g_string_append (x, "</ussList>");
  GString *y = g_string_new ("<ussList><uss><uids>");
  for (guint i = 0; i < 65; i++)
    g_string_append (y, "<uid>u</uid>");
  g_string_append (y, "</uids></uss></ussList>");
  GString *z = g_string_new ("<ussList><uss><uids><uid>");
  for (guint i = 0; i < 513; i++)
    g_string_append_c (z, 'u');
  g_string_append (z, "</uid></uids></uss></ussList>");
  GString *w = g_string_new ("<ussList>");
  while (w->len <= IMPS_GBA_USS_MAX_SIZE)
    g_string_append (w, "<!-- padding padding padding -->");
  g_string_append (w, "</ussList>");
  GString *d = g_string_new ("<ussList><uss><a><b><c><d><e><f><g></g></f></e></d></c></b></a>"
                             "</uss></ussList>");
  GString *all[] = { x, y, z, w, d };
  const gchar *why[] = { "more than 16 uss", "more than 64 uids", "longer than 512",
                         "more than 32768", "deeper than 8" };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsGbaUssList) l = imps_gba_uss_list_parse ((const guint8 *) all[i]->str,
                                                              all[i]->len, &error);
      g_assert_null (l);
      g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_LIMIT);
      g_assert_nonnull (strstr (error->message, why[i]));
      g_string_free (all[i], TRUE);
    }

  /* the writer: a subset by GSID, escaped, read back */
  g_autoptr (ImpsGbaUssList) l = imps_gba_uss_list_new ();
  const gchar *u1[] = { "sip:a<b>&\"@x", NULL };
  imps_gba_uss_list_add (l, "1", IMPS_GBA_GSID_IMS_MEDIA, u1, NULL);
  imps_gba_uss_list_add (l, "2", "4", u1, NULL);
  const gchar *types[] = { IMPS_GBA_GSID_IMS_MEDIA, NULL };
  g_autofree gchar *xml = imps_gba_uss_list_build (l, types);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsGbaUssList) back = imps_gba_uss_list_parse ((const guint8 *) xml, strlen (xml),
                                                             &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->uss->len, ==, 1);
  g_assert_cmpstr (((ImpsGbaUss *) g_ptr_array_index (back->uss, 0))->uids[0], ==, u1[0]);
}

/* ---- GUSS lifeTime (gba.md §9.4) ---- */

static void
test_guss_lifetime (void)
{
  static const struct {
    const gchar *xml;
    gboolean found;
    gint64 lifetime;
    const gchar *error;    /* substring of the message, NULL: no error */
  } cases[] = {
    /* The layout the HSS stub writes (gba.md §9.4). */
    { "<?xml version=\"1.0\"?>\n<guss id=\"a@b\"><bsfInfo><uiccType>GBA</uiccType>"
      "<lifeTime>3600</lifeTime></bsfInfo><ussList/></guss>", TRUE, 3600, NULL },
    { "<g:guss xmlns:g=\"uri:3gpp-gaa\"><g:bsfInfo><g:lifeTime a=\"1\"> 7200 </g:lifeTime>"
      "</g:bsfInfo></g:guss>", TRUE, 7200, NULL },
    { "<guss><ussList/></guss>", FALSE, 0, NULL },
    { "<guss><lifeTimeX>5</lifeTimeX></guss>", FALSE, 0, NULL },
    { "", FALSE, 0, NULL },
    { "<guss><lifeTime>0</lifeTime></guss>", FALSE, 0, "at byte 16: not a positive" },
    { "<guss><lifeTime>-5</lifeTime></guss>", FALSE, 0, "not a positive" },
    { "<guss><lifeTime>12a</lifeTime></guss>", FALSE, 0, "not a positive" },
    { "<guss><lifeTime>99999999999999999999</lifeTime></guss>", FALSE, 0, "more than" },
    { "<guss><lifeTime/></guss>", FALSE, 0, "empty" },
    { "<guss><lifeTime", FALSE, 0, "not closed" },
    { "<guss><lifeTime>36", FALSE, 0, "not a positive" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 lifetime = 0;
      gboolean found = imps_bsf_guss_lifetime ((const guint8 *) cases[i].xml,
                                               strlen (cases[i].xml), &lifetime, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "-");
      g_assert_cmpint (found, ==, cases[i].found);
      if (found)
        g_assert_cmpint (lifetime, ==, cases[i].lifetime);
      if (cases[i].error)
        {
          g_assert_error (error, IMPS_BSF_ERROR, IMPS_BSF_ERROR_GUSS);
          g_assert_nonnull (strstr (error->message, cases[i].error));
        }
      else
        g_assert_no_error (error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bsf/guss-lifetime", test_guss_lifetime);
  g_test_add ("/bsf/ub/wrong-response", GbaFx, NULL, fx_setup, test_wrong_response, fx_teardown);
  g_test_add ("/bsf/ub/malformed", GbaFx, NULL, fx_setup, test_malformed, fx_teardown);
  g_test_add ("/bsf/ub/unknown-impi", GbaFx, NULL, fx_setup, test_unknown_impi, fx_teardown);
  g_test_add ("/bsf/ub/hss-unreachable", GbaFx, NULL, fx_setup, test_hss_unreachable, fx_teardown);
  g_test_add ("/bsf/ub/freed-while-pending", GbaFx, NULL, fx_setup, test_freed_while_pending, fx_teardown);
  g_test_add ("/bsf/ub/exact-bytes", GbaFx, NULL, fx_setup, test_exact_bytes, fx_teardown);
  g_test_add ("/bsf/ub/default-lifetime", GbaFx, NULL, fx_setup, test_default_lifetime, fx_teardown);
  g_test_add ("/bsf/key-log", GbaFx, NULL, fx_setup, test_key_log, fx_teardown);
  g_test_add ("/bsf/zn", GbaFx, NULL, fx_setup, test_zn, fx_teardown);
  g_test_add ("/bsf/sessions-per-impi", GbaFx, NULL, fx_setup, test_sessions_per_impi,
              fx_teardown);
  g_test_add ("/bsf/store-rows", GbaFx, NULL, fx_setup, test_store_rows, fx_teardown);
  g_test_add ("/bsf/zn-uss", GbaFx, NULL, fx_setup, test_zn_uss, fx_teardown);
  g_test_add_func ("/bsf/uss-reader", test_uss_reader);
  g_test_add ("/bsf/restart", GbaFx, NULL, fx_setup, test_restart, fx_teardown);
  return g_test_run ();
}
