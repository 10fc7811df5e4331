/* Zk (profile §4): KMS to KMS over HTTPS with mutual TLS.
 *
 * - A per-run CA made with OpenSSL 3 (EC P-256 keys, SHA-256 signatures):
 *   a self-signed CA certificate and one certificate per KMS with its FQDN
 *   as subject alternative name (serverAuth and clientAuth), or PEM files
 *   the caller names.
 * - The Zk server: an ImpsHttpServer over TLS (glib-networking) that
 *   requires a client certificate chaining to the CA; a peer without one
 *   never gets past the handshake (it gets an alert). TLS 1.2 and 1.3,
 *   AEAD suites only (imps_tls_policy()); the handshake starts when the
 *   client has sent its first bytes and has a deadline. ticketrequest gets 403; ticketresolve goes to the
 *   request handler with the names of the client certificate, which must
 *   include the KMS that IDRpsk names.
 * - The relay: the responder's KMS sends a new RESOLVE_INIT_PSK keyed with
 *   the pair key to the issuing KMS and re-wraps its RESOLVE_RESP for the
 *   responder under Ks_NAF (core/mikey relay functions).
 *
 * The Zk server logs each request and answer once (IMPS_REF_ZK) with the
 * exact HTTP bytes; the relay client logs nothing.
 */
#include "imps-kms-private.h"
#include "imps-crypto.h"
#include "imps-secret.h"

#include <glib/gstdio.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * The CA (OpenSSL 3).
 * ------------------------------------------------------------------- */

struct _ImpsKmsCa {
  EVP_PKEY *key;
  X509 *cert;
  gchar *pem;
  gchar *name;
};

/* Validity: GnuTLS checks certificates against the wall clock while the
 * run's clock is virtual, so the window covers both, from a day before the
 * earlier to two years after the later. */
static void
set_validity (X509 *x, gint64 now_unix)
{
  gint64 real = g_get_real_time () / G_USEC_PER_SEC;
  ASN1_TIME_set (X509_getm_notBefore (x), (time_t) (MIN (now_unix, real) - 86400));
  ASN1_TIME_set (X509_getm_notAfter (x), (time_t) (MAX (now_unix, real) + 2 * 366 * 86400));
}

static gboolean
add_ext (X509 *cert, X509 *issuer, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb (&ctx);
  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  if (ext == NULL)
    return FALSE;
  int ok = X509_add_ext (cert, ext, -1);
  X509_EXTENSION_free (ext);
  return ok == 1;
}

static gboolean
tls_fail (GError **error, const gchar *what)
{
  g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_TLS, "certificate: %s failed", what);
  return FALSE;
}

static X509 *
new_cert (EVP_PKEY *key, const gchar *cn, gint64 now_unix)
{
  X509 *x = X509_new ();
  guint8 serial[16];
  if (x == NULL || RAND_bytes (serial, sizeof serial) != 1)
    {
      X509_free (x);
      return NULL;
    }
  serial[0] &= 0x7f;
  BIGNUM *bn = BN_bin2bn (serial, sizeof serial, NULL);
  if (bn == NULL || !BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (x)) || !X509_set_version (x, 2)
      || !X509_set_pubkey (x, key)
      || !X509_NAME_add_entry_by_txt (X509_get_subject_name (x), "CN", MBSTRING_UTF8,
                                      (const unsigned char *) cn, -1, -1, 0))
    {
      BN_free (bn);
      X509_free (x);
      return NULL;
    }
  BN_free (bn);
  set_validity (x, now_unix);
  return x;
}

static gchar *
pem_of (X509 *cert, EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  gchar *out = NULL;
  if (bio && PEM_write_bio_X509 (bio, cert)
      && (key == NULL || PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL)))
    {
      char *data;
      long len = BIO_get_mem_data (bio, &data);
      out = g_strndup (data, (gsize) len);
    }
  if (bio)
    {
      /* the memory BIO held a private key */
      char *data;
      long len = BIO_get_mem_data (bio, &data);
      if (len > 0)
        OPENSSL_cleanse (data, (size_t) len);
      BIO_free (bio);
    }
  return out;
}

ImpsKmsCa *
imps_kms_ca_new (const gchar *name, gint64 now_unix, GError **error)
{
  g_autoptr (ImpsKmsCa) ca = g_new0 (ImpsKmsCa, 1);
  ca->name = g_strdup (name);
  ca->key = EVP_EC_gen ("P-256");
  if (ca->key == NULL)
    return tls_fail (error, "EC P-256 key for the CA"), NULL;
  ca->cert = new_cert (ca->key, name, now_unix);
  if (ca->cert == NULL
      || !X509_set_issuer_name (ca->cert, X509_get_subject_name (ca->cert))
      || !add_ext (ca->cert, ca->cert, NID_basic_constraints, "critical,CA:TRUE")
      || !add_ext (ca->cert, ca->cert, NID_key_usage, "critical,keyCertSign,cRLSign")
      || !add_ext (ca->cert, ca->cert, NID_subject_key_identifier, "hash")
      || X509_sign (ca->cert, ca->key, EVP_sha256 ()) == 0)
    return tls_fail (error, "CA certificate"), NULL;
  ca->pem = pem_of (ca->cert, NULL);
  if (ca->pem == NULL)
    return tls_fail (error, "CA PEM"), NULL;
  return g_steal_pointer (&ca);
}

ImpsKmsCa *
imps_kms_ca_new_from_pem (const gchar *cert_pem, const gchar *key_pem, GError **error)
{
  g_return_val_if_fail (cert_pem != NULL && key_pem != NULL, NULL);
  g_autoptr (ImpsKmsCa) ca = g_new0 (ImpsKmsCa, 1);
  BIO *bio = BIO_new_mem_buf (cert_pem, -1);
  ca->cert = bio ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  if (ca->cert == NULL)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_TLS,
                   "CA certificate: no PEM certificate could be read");
      return NULL;
    }
  bio = BIO_new_mem_buf (key_pem, -1);
  ca->key = bio ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  if (ca->key == NULL)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_TLS,
                   "CA key: no unencrypted PEM private key could be read");
      return NULL;
    }
  if (X509_check_private_key (ca->cert, ca->key) != 1)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_TLS,
                   "CA key: it is not the key of the CA certificate");
      return NULL;
    }
  /* 1: a CA by basicConstraints (and keyCertSign where key usage is given) */
  if (X509_check_ca (ca->cert) != 1)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_TLS,
                   "CA certificate: not a CA (basicConstraints CA:TRUE and keyCertSign needed)");
      return NULL;
    }
  char cn[256] = "";
  X509_NAME_get_text_by_NID (X509_get_subject_name (ca->cert), NID_commonName, cn, sizeof cn);
  ca->name = g_strdup (cn);
  ca->pem = pem_of (ca->cert, NULL);
  if (ca->pem == NULL)
    return tls_fail (error, "CA PEM"), NULL;
  return g_steal_pointer (&ca);
}

void
imps_kms_ca_free (ImpsKmsCa *ca)
{
  if (ca == NULL)
    return;
  EVP_PKEY_free (ca->key);
  X509_free (ca->cert);
  g_free (ca->pem);
  g_free (ca->name);
  g_free (ca);
}

const gchar *
imps_kms_ca_get_pem (ImpsKmsCa *ca)
{
  return ca->pem;
}

void
imps_kms_pem_free (gchar *pem)
{
  if (pem)
    imps_wipe_free (pem, strlen (pem));
}

gchar *
imps_kms_ca_issue (ImpsKmsCa *ca, const gchar *fqdn, gint64 now_unix, GError **error)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  if (key == NULL)
    return tls_fail (error, "EC P-256 key"), NULL;
  X509 *x = new_cert (key, fqdn, now_unix);
  g_autofree gchar *san = g_strdup_printf ("DNS:%s", fqdn);
  gchar *pem = NULL;
  if (x != NULL && X509_set_issuer_name (x, X509_get_subject_name (ca->cert))
      && add_ext (x, ca->cert, NID_basic_constraints, "critical,CA:FALSE")
      && add_ext (x, ca->cert, NID_key_usage, "critical,digitalSignature")
      && add_ext (x, ca->cert, NID_ext_key_usage, "serverAuth,clientAuth")
      && add_ext (x, ca->cert, NID_subject_alt_name, san)
      && add_ext (x, ca->cert, NID_authority_key_identifier, "keyid:always")
      && X509_sign (x, ca->key, EVP_sha256 ()) != 0)
    pem = pem_of (x, key);
  X509_free (x);
  EVP_PKEY_free (key);
  if (pem == NULL)
    tls_fail (error, "KMS certificate");
  return pem;
}

/* ---------------------------------------------------------------------
 * TLS identity of the KMS.
 * ------------------------------------------------------------------- */

static void
remove_ca_copy (ImpsKms *kms)
{
  if (kms->zk_ca_path == NULL)
    return;
  g_autofree gchar *dir = g_path_get_dirname (kms->zk_ca_path);
  g_unlink (kms->zk_ca_path);
  g_rmdir (dir);
  g_clear_pointer (&kms->zk_ca_path, g_free);
}

/* A database of the CA anchors in @ca_pem. GLib reads anchors from a file
 * only (and reads it when a handshake needs it), so the PEM (a public
 * certificate) goes to a private temporary file that the KMS removes when
 * it closes Zk. */
static GTlsDatabase *
ca_database (ImpsKms *kms, const gchar *ca_pem, GError **error)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-kms-ca-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  g_autofree gchar *path = g_build_filename (dir, "ca.pem", NULL);
  GTlsDatabase *db = NULL;
  if (g_file_set_contents (path, ca_pem, -1, error))
    db = g_tls_file_database_new (path, error);
  if (db == NULL)
    {
      g_unlink (path);
      g_rmdir (dir);
      return NULL;
    }
  remove_ca_copy (kms);
  kms->zk_ca_path = g_steal_pointer (&path);
  return db;
}

gboolean
imps_kms_set_zk_tls (ImpsKms *kms, const gchar *cert_key_pem, const gchar *ca_pem,
                     GError **error)
{
  imps_tls_policy_init ();
  g_autoptr (GTlsCertificate) cert = g_tls_certificate_new_from_pem (cert_key_pem, -1, error);
  if (cert == NULL)
    return FALSE;
  g_autoptr (GTlsDatabase) db = ca_database (kms, ca_pem, error);
  if (db == NULL)
    return FALSE;
  g_set_object (&kms->zk_cert, cert);
  g_set_object (&kms->zk_ca, db);
  return TRUE;
}

gboolean
imps_kms_set_zk_tls_files (ImpsKms *kms, const gchar *cert_file, const gchar *key_file,
                           const gchar *ca_file, GError **error)
{
  imps_tls_policy_init ();
  g_autoptr (GTlsCertificate) cert = g_tls_certificate_new_from_files (cert_file, key_file, error);
  if (cert == NULL)
    return FALSE;
  g_autoptr (GTlsDatabase) db = g_tls_file_database_new (ca_file, error);
  if (db == NULL)
    return FALSE;
  g_set_object (&kms->zk_cert, cert);
  g_set_object (&kms->zk_ca, db);
  return TRUE;
}

/* The DNS names of a certificate's subject alternative names, joined with
 * commas (no commas can be in a DNS name). */
static gchar *
cert_names (GTlsCertificate *cert)
{
  g_autoptr (GPtrArray) names = cert ? g_tls_certificate_get_dns_names (cert) : NULL;
  GString *s = g_string_new (NULL);
  for (guint i = 0; names && i < names->len; i++)
    {
      gsize len;
      const gchar *d = g_bytes_get_data (g_ptr_array_index (names, i), &len);
      if (memchr (d, ',', len) || memchr (d, '\0', len))
        continue;
      if (s->len)
        g_string_append_c (s, ',');
      g_string_append_len (s, d, (gssize) len);
    }
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------------
 * The Zk server.
 * ------------------------------------------------------------------- */

static void
zk_handler (ImpsHttpServer *server, ImpsHttpMessage *msg, const gchar *peer, gpointer data)
{
  ImpsKms *kms = data;
  const gchar *path = imps_http_message_get_path (msg);
  ImpsKmsRequestType type = IMPS_KMS_REQUEST_RESOLVE;
  g_autoptr (GBytes) body = NULL;
  g_autofree gchar *why = NULL;
  guint status = imps_kms_http_envelope (kms, msg, &type, &body, &why);

  imps_http_server_log_request (server, msg, "%s %s%s", imps_http_message_get_method (msg),
                                path, status == 0 && type == IMPS_KMS_REQUEST_RESOLVE
                                ? "?requesttype=ticketresolve (RESOLVE_INIT_PSK)" : "");
  if (status)
    {
      g_autofree gchar *summary = g_strdup_printf ("%u", status);
      imps_kms_respond_refusal (server, msg, status, why, summary);
      return;
    }
  /* The handshake verified the chain against the CA (a client
   * certificate is required); check again that one is there and clean. */
  GTlsCertificateFlags errs;
  GTlsCertificate *pc = imps_http_server_get_peer_certificate (server, msg, &errs);
  if (pc == NULL || errs != 0)
    {
      g_autofree gchar *w = g_strdup_printf ("Zk request from %s without a valid client "
                                             "certificate (flags 0x%x)", peer, errs);
      imps_kms_note (kms, IMPS_EVENT_REFUSAL, w, "HTTP 403");
      imps_kms_respond_refusal (server, msg, SOUP_STATUS_FORBIDDEN, w, "403");
      return;
    }
  if (type == IMPS_KMS_REQUEST_TICKET)
    {
      const gchar *w = "ticketrequest is not served on Zk (profile §4)";
      imps_kms_note (kms, IMPS_EVENT_REFUSAL, w, "HTTP 403");
      imps_kms_respond_refusal (server, msg, SOUP_STATUS_FORBIDDEN, w, "403 (ticketrequest)");
      return;
    }
  g_autofree gchar *names = cert_names (pc);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gsize len;
  const guint8 *d = g_bytes_get_data (body, &len);
  ImpsKmsOutcome o = imps_kms_process (kms, type, TRUE, names, d, len, out, NULL);
  if (o == IMPS_KMS_OUTCOME_MALFORMED && out->len == 0)
    {
      imps_kms_respond_refusal (server, msg, SOUP_STATUS_BAD_REQUEST, kms->last_refusal,
                                "400 (unreadable)");
      return;
    }
  guint st = o == IMPS_KMS_OUTCOME_MALFORMED ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_OK;
  imps_http_server_respond (server, msg, st, out->len ? IMPS_KMS_CONTENT_TYPE : NULL, out->data,
                            out->len, NULL, "%u %s", st, o == IMPS_KMS_OUTCOME_ANSWER
                            ? "RESOLVE_RESP" : "MIKEY Error");
}

gboolean
imps_kms_listen_zk (ImpsKms *kms, const gchar *address, guint16 port, GError **error)
{
  g_return_val_if_fail (kms->zk_server == NULL, FALSE);
  if (kms->zk_cert == NULL || kms->zk_ca == NULL)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_TLS,
                   "Zk needs a certificate and a CA (imps_kms_set_zk_tls)");
      return FALSE;
    }
  kms->zk_server = imps_http_server_new (kms->net, kms->name, IMPS_REF_ZK, IMPS_KMS_SERVER_HEADER,
                                         zk_handler, kms);
  imps_http_server_set_tls (kms->zk_server, kms->zk_cert, kms->zk_ca);
  imps_http_server_set_limits (kms->zk_server, &kms->http_limits);
  if (!imps_http_server_listen (kms->zk_server, address, port, error))
    {
      g_clear_pointer (&kms->zk_server, imps_http_server_free);
      return FALSE;
    }
  kms->zk_port = imps_http_server_get_port (kms->zk_server);
  if (kms->address == NULL)
    kms->address = g_strdup (address);
  return TRUE;
}

guint16
imps_kms_get_zk_port (ImpsKms *kms)
{
  return kms->zk_port;
}

void
imps_kms_zk_close (ImpsKms *kms)
{
  g_clear_pointer (&kms->zk_server, imps_http_server_free);
  if (kms->zk_client)
    {
      soup_session_abort (kms->zk_client);
      g_clear_object (&kms->zk_client);
    }
  g_clear_object (&kms->zk_cert);
  g_clear_object (&kms->zk_ca);
  remove_ca_copy (kms);
}

void
imps_kms_pair_key_fingerprint (const guint8 *key, gsize len, gchar out[9])
{
  guint8 d[32];
  imps_digest (IMPS_HASH_SHA256, key, len, d);
  for (guint i = 0; i < 4; i++)
    g_snprintf (out + 2 * i, 3, "%02x", d[i]);
  imps_wipe (d, sizeof d);
}

/* ---------------------------------------------------------------------
 * The relay client.
 * ------------------------------------------------------------------- */

typedef struct {
  ImpsKms *kms;
  GCancellable *cancel;            /* the KMS's, reffed */
  ImpsHttpMessage *ua_msg;       /* the responder's request, paused, reffed */
  ImpsMikeyMessage *from_responder;
  ImpsMikeyMessage *relay_init;
  guint8 psk[IMPS_GBA_KEY_LEN];
  gsize psk_len;
  guint8 pair[32];
  gsize pair_len;
  gchar *issuer;
  ImpsClock *held;                 /* held while the relay is on the wire */
} Relay;

static void
relay_free (Relay *r)
{
  if (r->held)
    {
      imps_clock_release (r->held);
      imps_clock_unref (r->held);
    }
  g_object_unref (r->cancel);
  imps_http_message_unref (r->ua_msg);
  imps_mikey_message_free (r->from_responder);
  imps_mikey_message_free (r->relay_init);
  g_free (r->issuer);
  imps_wipe (r, sizeof *r);
  g_free (r);
}

static void
relay_answer (Relay *r, const guint8 *body, gsize len, const gchar *summary, const gchar *detail)
{
  imps_http_server_respond (r->kms->ua, r->ua_msg, SOUP_STATUS_OK, IMPS_KMS_CONTENT_TYPE, body,
                            len, detail, "%s", summary);
}

static void
relay_refuse (Relay *r, guint8 err_no, const gchar *check, const gchar *why)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  imps_kms_refuse (r->kms, &r->from_responder->hdr, r->from_responder->body.raw,
                   r->from_responder->body.raw_len, err_no, r->psk, r->psk_len, check, why, out);
  relay_answer (r, out->data, out->len, "200 MIKEY Error", why);
}

/* The issuing KMS's certificate is checked against the CA by the TLS
 * layer; the URL names its address, so the one error allowed is a bad
 * identity, and only when the certificate names the issuing KMS. */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer data)
{
  const gchar *issuer = data;
  if (errors != G_TLS_CERTIFICATE_BAD_IDENTITY)
    return FALSE;
  g_autofree gchar *names = cert_names (cert);
  g_auto (GStrv) list = g_strsplit (names, ",", -1);
  for (guint i = 0; list[i]; i++)
    if (g_ascii_strcasecmp (list[i], issuer) == 0)
      return TRUE;
  return FALSE;
}

static void
free_closure_data (gpointer data, GClosure *closure)
{
  g_free (data);
}

static void
on_relay_answer (GObject *source, GAsyncResult *res, gpointer data)
{
  Relay *r = data;
  g_autoptr (GError) error = NULL;
  SoupMessage *sm = soup_session_get_async_result_message (SOUP_SESSION (source), res);
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  if (g_cancellable_is_cancelled (r->cancel))
    {
      relay_free (r);
      return;
    }
  ImpsKms *kms = r->kms;
  if (body == NULL || sm == NULL || soup_message_get_status (sm) != SOUP_STATUS_OK)
    {
      g_autofree gchar *why = g_strdup_printf ("Zk relay to %s failed: %s", r->issuer,
                                               body == NULL ? error->message
                                               : soup_message_get_reason_phrase (sm));
      imps_kms_note (kms, IMPS_EVENT_FAILURE, why, "Zk relay failed");
      relay_refuse (r, IMPS_MIKEY_ERR_UNSPECIFIED, "Zk relay", why);
      relay_free (r);
      return;
    }
  gsize len;
  const guint8 *d = g_bytes_get_data (body, &len);
  ImpsMikeyKms mk;
  memset (&mk, 0, sizeof mk);
  mk.kms_uri = kms->name;
  mk.suite = kms->suite;
  mk.skew = IMPS_MIKEY_DEFAULT_SKEW_S;
  guint64 now = imps_kms_now_ntp (kms);
  guint8 err_no;
  gboolean refused;
  g_autoptr (ImpsMikeyMessage) resp
    = imps_mikey_resolve_relay_answer (&mk, r->relay_init, d, len, r->pair, r->pair_len,
                                       r->from_responder, r->psk, r->psk_len, now,
                                       IMPS_MIKEY_DEFAULT_SKEW_S, &err_no, &refused, &error);
  if (resp == NULL)
    {
      /* the issuing KMS refused: pass its ERR code on; a MAC refusal
       * names the pair key this KMS keyed V with */
      gchar fp[9] = "";
      gboolean mac = refused && err_no == IMPS_MIKEY_ERR_AUTH_FAILURE;
      if (mac)
        imps_kms_pair_key_fingerprint (r->pair, r->pair_len, fp);
      g_autofree gchar *why = g_strdup_printf ("the issuing KMS %s %s: %s%s%s%s", r->issuer,
                                               refused ? "refused the relayed resolve"
                                               : "answered something that does not verify",
                                               error->message,
                                               mac ? " (V was keyed with this KMS's pair key "
                                                     "for it, fingerprint " : "",
                                               fp, mac ? ")" : "");
      relay_refuse (r, err_no, "Zk relay", why);
      relay_free (r);
      return;
    }
  imps_kms_audit (kms, "relayed", r->from_responder->hdr.csb_id, NULL, NULL, 0, r->issuer);
  relay_answer (r, resp->body.raw, resp->body.raw_len, "200 RESOLVE_RESP", NULL);
  relay_free (r);
}

void
imps_kms_zk_relay (ImpsKms *kms, ImpsHttpMessage *msg, const ImpsMikeyMessage *in,
                   const guint8 *psk, gsize psk_len, const guint8 *issuer, gsize issuer_len)
{
  g_autoptr (GError) error = NULL;
  Relay *r = g_new0 (Relay, 1);
  r->kms = kms;
  r->cancel = g_object_ref (kms->cancel);
  r->ua_msg = imps_http_message_ref (msg);
  r->from_responder = imps_mikey_message_parse (in->body.raw, in->body.raw_len, NULL);
  memcpy (r->psk, psk, MIN (psk_len, sizeof r->psk));
  r->psk_len = MIN (psk_len, sizeof r->psk);
  r->issuer = g_ascii_strdown ((const gchar *) issuer, (gssize) issuer_len);

  KmsAgreement *a = imps_kms_find_agreement (kms, issuer, issuer_len);
  if (a == NULL || a->key_len == 0)
    {
      g_autofree gchar *why = g_strdup_printf ("the ticket was issued by %s and %s has no "
                                               "cooperation agreement with it", r->issuer,
                                               kms->name);
      relay_refuse (r, IMPS_MIKEY_ERR_INVALID_ID, "agreement", why);
      relay_free (r);
      return;
    }
  if (a->zk_address == NULL || kms->zk_cert == NULL || kms->zk_ca == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("Zk to %s is not configured (%s)", r->issuer,
                                               a->zk_address ? "no TLS identity" : "no address");
      imps_kms_note (kms, IMPS_EVENT_FAILURE, why, "Zk not configured");
      relay_refuse (r, IMPS_MIKEY_ERR_UNSPECIFIED, "Zk relay", why);
      relay_free (r);
      return;
    }
  memcpy (r->pair, a->key, a->key_len);
  r->pair_len = a->key_len;
  r->relay_init = imps_mikey_resolve_relay_init_build (in, kms->name, r->issuer, r->pair,
                                                       r->pair_len, imps_kms_now_ntp (kms),
                                                       kms->random, &error);
  if (r->relay_init == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("relay RESOLVE_INIT for %s: %s", r->issuer,
                                               error->message);
      relay_refuse (r, imps_mikey_error_to_err_no (error->code), "Zk relay", why);
      relay_free (r);
      return;
    }
  if (kms->zk_client == NULL)
    {
      g_autoptr (GInetAddress) ia = kms->address ? g_inet_address_new_from_string (kms->address)
                                                 : NULL;
      g_autoptr (GSocketAddress) local = ia ? g_inet_socket_address_new (ia, 0) : NULL;
      kms->zk_client = soup_session_new_with_options ("local-address", local,
                                                      "tls-database", kms->zk_ca,
                                                      /* KMS to KMS on known addresses: never
                                                       * a system proxy, and no proxy look-up
                                                       * (libproxy) per relay */
                                                      "proxy-resolver", NULL,
                                                      "timeout", 10,
                                                      "user-agent", IMPS_KMS_SERVER_HEADER,
                                                      NULL);
      soup_session_remove_feature_by_type (kms->zk_client, SOUP_TYPE_CONTENT_DECODER);
    }
  g_autofree gchar *url = g_strdup_printf ("https://%s:%u/kms?requesttype=ticketresolve",
                                           a->zk_address, a->zk_port);
  g_autoptr (SoupMessage) sm = soup_message_new ("POST", url);
  if (sm == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("Zk URL %s is not valid", url);
      relay_refuse (r, IMPS_MIKEY_ERR_UNSPECIFIED, "Zk relay", why);
      relay_free (r);
      return;
    }
  g_autoptr (GBytes) req = g_bytes_new (r->relay_init->body.raw, r->relay_init->body.raw_len);
  soup_message_set_request_body_from_bytes (sm, IMPS_KMS_CONTENT_TYPE, req);
  /* The peer by name on the conventional HTTPS port, not the kernel's port
   * (a seeded run repeats byte for byte). */
  g_autofree gchar *host = g_strdup_printf ("%s:443", a->peer);
  soup_message_headers_replace (soup_message_get_request_headers (sm), "Host", host);
  soup_message_set_tls_client_certificate (sm, kms->zk_cert);
  g_signal_connect_data (sm, "accept-certificate", G_CALLBACK (on_accept_certificate),
                         g_strdup (r->issuer), free_closure_data, 0);
  /* Protocol time stands still while the relay is on the wire. */
  r->held = imps_clock_ref (imps_network_get_clock (kms->net));
  imps_clock_hold (r->held);
  soup_session_send_and_read_async (kms->zk_client, sm, G_PRIORITY_DEFAULT, kms->cancel,
                                    on_relay_answer, r);
}
