/* Tests of the digest computations and Digest AKA helpers: the shared
 * vector table (RFC 2617 §3.5 Mufasa via gba.md §5.1, gba.md §12.2 and
 * §12.3), the no-qop form, credentials/challenge matching, rspauth checks,
 * the AKA nonce and AUTS encodings. */
#include "digest/imps-digest.h"
#include "digest/imps-digest-vectors.h"
#include "imps-test.h"

#include <string.h>

static GBytes *
vector_password (const ImpsDigestVector *v)
{
  if (v->password_hex != NULL)
    return imps_test_hex (v->password_hex);
  return g_bytes_new (v->password_text, strlen (v->password_text));
}

static ImpsDigestCredentials *
vector_credentials (const ImpsDigestVector *v)
{
  ImpsDigestCredentials *c = imps_digest_credentials_new ();
  c->username = g_strdup (v->username);
  c->realm = g_strdup (v->realm);
  c->nonce = g_strdup (v->nonce);
  c->uri = g_strdup (v->uri);
  c->qop = v->qop;
  c->cnonce = g_strdup (v->cnonce);
  g_strlcpy (c->nc, v->nc, sizeof c->nc);
  return c;
}

static void
test_vectors (void)
{
  for (gsize i = 0; i < imps_digest_n_vectors; i++)
    {
      const ImpsDigestVector *v = &imps_digest_vectors[i];
      g_autoptr (GBytes) pw = vector_password (v);
      gsize pl;
      const guint8 *p = g_bytes_get_data (pw, &pl);
      gchar ha1[IMPS_DIGEST_HEX_LEN], ha2[IMPS_DIGEST_HEX_LEN], r[IMPS_DIGEST_HEX_LEN];

      g_test_message ("%s", v->source);
      imps_digest_ha1 (v->username, v->realm, p, pl, ha1);
      g_assert_cmpstr (ha1, ==, v->ha1);
      imps_digest_ha2 (v->method, v->uri, v->qop, (const guint8 *) v->body,
                       strlen (v->body), ha2);
      if (v->ha2 != NULL)
        g_assert_cmpstr (ha2, ==, v->ha2);
      imps_digest_kd (ha1, v->nonce, v->nc, v->cnonce, v->qop, ha2, r);
      g_assert_cmpstr (r, ==, v->response);

      /* The same through the credentials API; an empty method is rspauth. */
      g_autoptr (ImpsDigestCredentials) c = vector_credentials (v);
      if (v->method[0] == '\0')
        imps_digest_rspauth (c, p, pl, (const guint8 *) v->body, strlen (v->body), r);
      else
        imps_digest_credentials_response (c, v->method, p, pl, (const guint8 *) v->body,
                                          strlen (v->body), r);
      g_assert_cmpstr (r, ==, v->response);
      if (v->method[0] != '\0')
        {
          g_autoptr (GError) error = NULL;
          imps_digest_credentials_sign (c, v->method, p, pl, (const guint8 *) v->body,
                                        strlen (v->body));
          g_assert_true (imps_digest_credentials_verify (c, v->method, p, pl,
                                                         (const guint8 *) v->body,
                                                         strlen (v->body), &error));
          g_assert_no_error (error);
          /* Another method, body or password does not verify. */
          g_assert_false (imps_digest_credentials_verify (c, "POST", p, pl,
                                                          (const guint8 *) v->body,
                                                          strlen (v->body), NULL));
          g_assert_false (imps_digest_credentials_verify (c, v->method, (const guint8 *) "x", 1,
                                                          (const guint8 *) v->body,
                                                          strlen (v->body), &error));
          g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE);
          /* The message names the user, never the password. */
          g_assert_nonnull (strstr (error->message, v->username));
          if (v->password_text != NULL)
            g_assert_null (strstr (error->message, v->password_text));
        }
    }
}

/* The RFC 2069 form without qop: KD(H(A1), nonce ":" H(A2)). Expected
 * values computed by this project with Python hashlib over the Mufasa
 * inputs of RFC 2617 §3.5; and auth-int with a body "hello" and POST. */
static void
test_no_qop_and_auth_int_body (void)
{
  const ImpsDigestVector *v = &imps_digest_vectors[0];
  g_autoptr (ImpsDigestCredentials) c = vector_credentials (v);
  gchar r[IMPS_DIGEST_HEX_LEN];

  c->qop = IMPS_DIGEST_QOP_NONE;
  g_clear_pointer (&c->cnonce, g_free);
  c->nc[0] = '\0';
  imps_digest_credentials_response (c, "GET", (const guint8 *) "Circle Of Life", 14, NULL, 0, r);
  g_assert_cmpstr (r, ==, "670fd8c2df070c60b045671b8b24ff02");

  g_autoptr (ImpsDigestCredentials) d = vector_credentials (v);
  d->qop = IMPS_DIGEST_QOP_AUTH_INT;
  imps_digest_credentials_response (d, "POST", (const guint8 *) "Circle Of Life", 14,
                                    (const guint8 *) "hello", 5, r);
  g_assert_cmpstr (r, ==, "b3da9049011b9dafbd8fc28b2deecc0b");
  gchar ha2[IMPS_DIGEST_HEX_LEN];
  imps_digest_ha2 ("POST", "/dir/index.html", IMPS_DIGEST_QOP_AUTH_INT,
                   (const guint8 *) "hello", 5, ha2);
  g_assert_cmpstr (ha2, ==, "94bf6f2cf4292a77b66009ba92a54d22");
}

static void
test_akav2_password (void)
{
  for (gsize i = 0; i < imps_digest_n_akav2_vectors; i++)
    {
      const ImpsDigestAkav2Vector *v = &imps_digest_akav2_vectors[i];
      guint8 res[8], ik[16], ck[16], pw[IMPS_DIGEST_AKA_PASSWORD_MAX];
      imps_test_hex_into (v->res, res, 8);
      imps_test_hex_into (v->ik, ik, 16);
      imps_test_hex_into (v->ck, ck, 16);
      gsize n = imps_digest_aka_password (IMPS_DIGEST_ALGORITHM_AKAV2_MD5, res, 8, ik, ck, pw);
      g_assert_cmpmem (pw, n, v->password, strlen (v->password));
      /* AKAv1: the raw RES. */
      n = imps_digest_aka_password (IMPS_DIGEST_ALGORITHM_AKAV1_MD5, res, 8, NULL, NULL, pw);
      g_assert_cmpmem (pw, n, res, 8);
    }
}

static void
test_nonce (void)
{
  for (gsize i = 0; i < imps_digest_n_nonce_vectors; i++)
    {
      const ImpsDigestNonceVector *v = &imps_digest_nonce_vectors[i];
      guint8 rand[16], autn[16];
      ImpsDigestAkaNonce n;
      g_autoptr (GError) error = NULL;
      imps_test_hex_into (v->rand, rand, 16);
      imps_test_hex_into (v->autn, autn, 16);
      g_autofree gchar *s = imps_digest_aka_nonce_build (rand, autn, NULL, 0);
      g_assert_cmpstr (s, ==, v->nonce);
      g_assert_true (imps_digest_aka_nonce_parse (s, strlen (s), &n, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (n.rand, 16, rand, 16);
      g_assert_cmpmem (n.autn, 16, autn, 16);
      g_assert_cmpuint (n.server_data_len, ==, 0);
    }

  /* With server data (gba.md §5.2: octets 32.. are opaque). */
  guint8 rand[16] = { 1 }, autn[16] = { 2 }, data[IMPS_DIGEST_AKA_MAX_SERVER_DATA];
  memset (data, 0xa5, sizeof data);
  for (gsize dl = 0; dl <= sizeof data; dl += 7)
    {
      ImpsDigestAkaNonce n;
      g_autofree gchar *s = imps_digest_aka_nonce_build (rand, autn, data, dl);
      g_assert_true (imps_digest_aka_nonce_parse (s, strlen (s), &n, NULL));
      g_assert_cmpmem (n.server_data, n.server_data_len, data, dl);
    }

  static const struct {
    const gchar *nonce;
    const gchar *needle;
  } bad[] = {
    { "", "need at least 32" },
    { "I1U8vpY3qJ0hiuZNrke/NQ==", "need at least 32" },                  /* RAND only */
    { "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M", "offset 43" },      /* no padding */
    { "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M==", "offset 45" },    /* bad length */
    { "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7N=", "offset 42" },     /* non-canonical */
    { "I1U8vpY3qJ0h uZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=", "offset 12" },     /* space */
    { "I1U8vpY3qJ0h-uZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=", "offset 12" },     /* base64url */
    { "I1U8vpY3qJ0=iuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=", "offset 11" },     /* inner '=' */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      ImpsDigestAkaNonce n;
      g_autoptr (GError) error = NULL;
      g_assert_false (imps_digest_aka_nonce_parse (bad[i].nonce, strlen (bad[i].nonce), &n, &error));
      g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_NONCE);
      if (strstr (error->message, bad[i].needle) == NULL)
        g_error ("case %zu: '%s' lacks '%s'", i, error->message, bad[i].needle);
    }
  /* Longer than RAND || AUTN || the server data bound. */
  g_autofree gchar *big = g_strnfill (4 * ((32 + IMPS_DIGEST_AKA_MAX_SERVER_DATA) / 3 + 2), 'A');
  g_autoptr (GError) error = NULL;
  ImpsDigestAkaNonce n;
  g_assert_false (imps_digest_aka_nonce_parse (big, strlen (big), &n, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_NONCE);
}

static void
test_auts (void)
{
  guint8 auts[14], back[14];
  g_autoptr (GError) error = NULL;

  imps_test_hex_into (IMPS_DIGEST_VECTOR_AUTS_HEX, auts, 14);
  g_autofree gchar *b64 = imps_digest_aka_auts_encode (auts);
  g_assert_cmpstr (b64, ==, IMPS_DIGEST_VECTOR_AUTS_B64);

  g_autoptr (ImpsDigestCredentials) c = imps_digest_credentials_new ();
  g_assert_false (imps_digest_credentials_get_auts (c, back, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISSING);
  g_clear_error (&error);
  c->auts = g_strdup (b64);
  g_assert_true (imps_digest_credentials_get_auts (c, back, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (back, 14, auts, 14);
  g_free (c->auts);
  c->auts = g_strdup ("RR6L7KQb+O5YnUbY");   /* 12 bytes */
  g_assert_false (imps_digest_credentials_get_auts (c, back, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE);
}

#define PLAIN_CH "Digest realm=\"r\", nonce=\"n\""
#define PLAIN_CR "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"\", algorithm=MD5"

static void
test_match (void)
{
  g_autoptr (GError) error = NULL;
  const ImpsDigestHeaderVector *cv = &imps_digest_challenge_vectors[0];
  const ImpsDigestHeaderVector *av = &imps_digest_credentials_vectors[1];
  g_autoptr (ImpsDigestChallenge) ch = imps_digest_challenge_parse (cv->value, strlen (cv->value), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsDigestCredentials) cr = imps_digest_credentials_parse (av->value, strlen (av->value), &error);
  g_assert_no_error (error);
  g_assert_true (imps_digest_credentials_match (cr, ch, &error));
  g_assert_no_error (error);

  static const gchar *fields[] = { "realm", "nonce", "opaque", "algorithm", "qop" };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autoptr (ImpsDigestCredentials) c = imps_digest_credentials_parse (av->value, strlen (av->value), NULL);
      switch (i)
        {
        case 0: g_free (c->realm); c->realm = g_strdup ("other"); break;
        case 1: g_free (c->nonce); c->nonce = g_strdup ("other"); break;
        case 2: g_clear_pointer (&c->opaque, g_free); break;
        case 3: c->algorithm = IMPS_DIGEST_ALGORITHM_MD5; break;
        case 4: c->qop = IMPS_DIGEST_QOP_AUTH; break;
        }
      g_assert_false (imps_digest_credentials_match (c, ch, &error));
      g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISMATCH);
      g_assert_nonnull (strstr (error->message, fields[i]));
      g_clear_error (&error);
    }

  /* No qop offered: a request with qop does not answer it; MD5 == absent. */
  g_autoptr (ImpsDigestChallenge) plain = imps_digest_challenge_parse (PLAIN_CH, strlen (PLAIN_CH), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsDigestCredentials) pc = imps_digest_credentials_parse (PLAIN_CR, strlen (PLAIN_CR), &error);
  g_assert_no_error (error);
  g_assert_true (imps_digest_credentials_match (pc, plain, NULL));
  pc->qop = IMPS_DIGEST_QOP_AUTH;
  g_assert_false (imps_digest_credentials_match (pc, plain, NULL));
}

static void
test_auth_info_verify (void)
{
  const ImpsDigestVector *v = &imps_digest_vectors[3];   /* the §12.2 rspauth row */
  g_autoptr (GBytes) pw = vector_password (v);
  gsize pl;
  const guint8 *p = g_bytes_get_data (pw, &pl);
  g_autoptr (ImpsDigestCredentials) sent = vector_credentials (v);
  g_autoptr (GError) error = NULL;

  g_autoptr (ImpsDigestAuthInfo) ai =
    imps_digest_auth_info_new_for (sent, p, pl, (const guint8 *) v->body, strlen (v->body));
  g_assert_cmpstr (ai->rspauth, ==, v->response);
  g_assert_true (imps_digest_auth_info_verify (ai, sent, p, pl, (const guint8 *) v->body,
                                               strlen (v->body), &error));
  g_assert_no_error (error);

  strcpy (ai->nc, "00000002");
  g_assert_false (imps_digest_auth_info_verify (ai, sent, p, pl, (const guint8 *) v->body,
                                                strlen (v->body), &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISMATCH);
  g_clear_error (&error);
  strcpy (ai->nc, "00000001");
  ai->rspauth[0] = ai->rspauth[0] == '0' ? '1' : '0';
  g_assert_false (imps_digest_auth_info_verify (ai, sent, p, pl, (const guint8 *) v->body,
                                                strlen (v->body), &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE);
  g_clear_error (&error);
  g_clear_pointer (&ai->rspauth, g_free);
  g_assert_false (imps_digest_auth_info_verify (ai, sent, p, pl, NULL, 0, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_MISSING);
}

static void
test_aka_verify_refusals (void)
{
  const ImpsDigestHeaderVector *av = &imps_digest_credentials_vectors[1];
  g_autoptr (ImpsDigestCredentials) c = imps_digest_credentials_parse (av->value, strlen (av->value), NULL);
  g_autoptr (GError) error = NULL;
  guint8 xres[8], auts[14];
  ImpsDigestAkaOutcome outcome;

  imps_test_hex_into ("a54211d5e3ba50bf", xres, 8);   /* gba.md §12.2 RES */
  c->algorithm = IMPS_DIGEST_ALGORITHM_MD5;
  g_assert_false (imps_digest_aka_verify (c, "GET", NULL, 0, xres, 8, NULL, NULL, &outcome,
                                          auts, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  c->algorithm = IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  g_assert_true (imps_digest_aka_verify (c, "GET", NULL, 0, xres, 8, NULL, NULL, &outcome,
                                         auts, &error));
  g_assert_cmpint (outcome, ==, IMPS_DIGEST_AKA_AUTHENTICATED);
  /* A non-empty body changes H(entity-body) under auth-int. */
  g_assert_false (imps_digest_aka_verify (c, "GET", (const guint8 *) "x", 1, xres, 8, NULL,
                                          NULL, &outcome, auts, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_RESPONSE);
}

/* The helpers reproduce the gba.md §6.2 (2) and (3) header values. */
static void
test_helpers (void)
{
  g_autoptr (GError) error = NULL;
  guint8 rand[16], autn[16];
  imps_test_hex_into ("23553cbe9637a89d218ae64dae47bf35", rand, 16);   /* §12.1 */
  imps_test_hex_into ("55f328b43577b9b94a9ffac354dfafb3", autn, 16);   /* §12.2 */
  g_autoptr (ImpsDigestChallenge) ch =
    imps_digest_challenge_new_aka ("bsf.home1.net", rand, autn, NULL, 0,
                                   IMPS_DIGEST_QOP_AUTH_INT, "5ccc069c403ebaf9f0171e9517f30e41");
  g_autofree gchar *w = imps_digest_challenge_build (ch, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (w, ==, imps_digest_challenge_vectors[0].value);

  g_autoptr (ImpsDigestCredentials) cr =
    imps_digest_credentials_new_for (ch, "user1_private@home1.net", "/",
                                     "6629fae49393a05397450978507c4ef1", 1);
  guint8 res[8];
  imps_test_hex_into ("a54211d5e3ba50bf", res, 8);
  imps_digest_credentials_sign (cr, "GET", res, 8, NULL, 0);
  g_autofree gchar *a = imps_digest_credentials_build (cr, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, imps_digest_credentials_vectors[1].value);

  /* auth only, and no qop at all. */
  ch->qop_options = IMPS_DIGEST_QOP_AUTH;
  g_autoptr (ImpsDigestCredentials) c2 = imps_digest_credentials_new_for (ch, "u", "/", "c", 0xabcdef01);
  g_assert_cmpint (c2->qop, ==, IMPS_DIGEST_QOP_AUTH);
  g_assert_cmpstr (c2->nc, ==, "abcdef01");
  ch->qop_options = 0;
  g_autoptr (ImpsDigestCredentials) c3 = imps_digest_credentials_new_for (ch, "u", "/", NULL, 0);
  g_assert_cmpint (c3->qop, ==, IMPS_DIGEST_QOP_NONE);
  g_assert_null (c3->cnonce);
  g_assert_cmpstr (c3->nc, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/digest/vectors", test_vectors);
  g_test_add_func ("/digest/no-qop-and-auth-int-body", test_no_qop_and_auth_int_body);
  g_test_add_func ("/digest/akav2-password", test_akav2_password);
  g_test_add_func ("/digest/aka-nonce", test_nonce);
  g_test_add_func ("/digest/auts", test_auts);
  g_test_add_func ("/digest/match", test_match);
  g_test_add_func ("/digest/auth-info-verify", test_auth_info_verify);
  g_test_add_func ("/digest/aka-verify-refusals", test_aka_verify_refusals);
  g_test_add_func ("/digest/helpers", test_helpers);
  return g_test_run ();
}
