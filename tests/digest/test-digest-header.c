/* Tests of the WWW-Authenticate, Authorization and Authentication-Info
 * codecs: the gba.md §6.2/§6.3 header values round trip byte for byte;
 * accepted variations; and one table of malformed values per header kind,
 * each with the error code, the parameter it must name and the character
 * offset. */
#include "digest/imps-digest.h"
#include "digest/imps-digest-vectors.h"
#include "imps-test.h"

#include <string.h>

typedef enum { CHALLENGE, CREDENTIALS, AUTH_INFO } Kind;

/* Parses @text as @kind and, on success, builds it again. */
static gchar *
parse_build (Kind kind, const gchar *text, gsize len, GError **error)
{
  switch (kind)
    {
    case CHALLENGE:
      {
        g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (text, len, error);
        return c ? imps_digest_challenge_build (c, error) : NULL;
      }
    case CREDENTIALS:
      {
        g_autoptr (ImpsDigestCredentials) c = imps_digest_credentials_parse (text, len, error);
        return c ? imps_digest_credentials_build (c, error) : NULL;
      }
    case AUTH_INFO:
      {
        g_autoptr (ImpsDigestAuthInfo) a = imps_digest_auth_info_parse (text, len, error);
        return a ? imps_digest_auth_info_build (a, error) : NULL;
      }
    }
  return NULL;
}

static void
test_vectors_round_trip (void)
{
  const struct {
    Kind kind;
    const ImpsDigestHeaderVector *v;
    gsize n;
  } sets[] = {
    { CHALLENGE, imps_digest_challenge_vectors, imps_digest_n_challenge_vectors },
    { CREDENTIALS, imps_digest_credentials_vectors, imps_digest_n_credentials_vectors },
    { AUTH_INFO, imps_digest_auth_info_vectors, imps_digest_n_auth_info_vectors },
  };
  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    for (gsize i = 0; i < sets[s].n; i++)
      {
        g_autoptr (GError) error = NULL;
        const gchar *value = sets[s].v[i].value;
        g_test_message ("%s", sets[s].v[i].source);
        g_autofree gchar *out = parse_build (sets[s].kind, value, strlen (value), &error);
        g_assert_no_error (error);
        g_assert_cmpstr (out, ==, value);
      }
}

/* gba.md §6.2 (2), (3), (4): the fields the parsers pull out. */
static void
test_vector_fields (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *w = imps_digest_challenge_vectors[0].value;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (w, strlen (w), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->realm, ==, "bsf.home1.net");
  g_assert_cmpstr (c->nonce, ==, "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=");
  g_assert_cmpint (c->algorithm, ==, IMPS_DIGEST_ALGORITHM_AKAV1_MD5);
  g_assert_cmpuint (c->qop_options, ==, IMPS_DIGEST_QOP_AUTH_INT);
  g_assert_cmpstr (c->opaque, ==, "5ccc069c403ebaf9f0171e9517f30e41");
  g_assert_cmpuint (c->unknown->len, ==, 0);

  const gchar *a = imps_digest_credentials_vectors[2].value;
  g_autoptr (ImpsDigestCredentials) cr = imps_digest_credentials_parse (a, strlen (a), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cr->username, ==, "user1_private@home1.net");
  g_assert_cmpstr (cr->uri, ==, "/");
  g_assert_cmpint (cr->qop, ==, IMPS_DIGEST_QOP_AUTH_INT);
  g_assert_cmpstr (cr->nc, ==, "00000001");
  g_assert_cmpstr (cr->cnonce, ==, "6629fae49393a05397450978507c4ef1");
  g_assert_cmpstr (cr->response, ==, "0c6b780251d1cc17f1efdcbe83e90720");
  g_assert_cmpstr (cr->auts, ==, IMPS_DIGEST_VECTOR_AUTS_B64);

  const gchar *first = imps_digest_credentials_vectors[0].value;
  g_autoptr (ImpsDigestCredentials) f = imps_digest_credentials_parse (first, strlen (first), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (f->nonce, ==, "");
  g_assert_cmpstr (f->response, ==, "");
  g_assert_cmpint (f->qop, ==, IMPS_DIGEST_QOP_NONE);

  const gchar *i = imps_digest_auth_info_vectors[0].value;
  g_autoptr (ImpsDigestAuthInfo) ai = imps_digest_auth_info_parse (i, strlen (i), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ai->rspauth, ==, "2f715cfe8ac1bc8ccccfc1a5654a7959");
  g_assert_cmpint (ai->qop, ==, IMPS_DIGEST_QOP_AUTH_INT);
}

static void
test_accepted_forms (void)
{
  g_autoptr (GError) error = NULL;

  /* Scheme and names in any case, BWS around '=', empty list elements,
   * unquoted qop, a qop list with an unknown option, stale. */
  const gchar *t1 = "digest  REALM = \"r\" ,, Nonce=\"n\",\t,qop=\"auth-int, auth,token\" , STALE=TRUE,"
                    "ALGORITHM=akav1-md5";
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (t1, strlen (t1), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->realm, ==, "r");
  g_assert_cmpstr (c->nonce, ==, "n");
  g_assert_cmpuint (c->qop_options, ==, IMPS_DIGEST_QOP_AUTH | IMPS_DIGEST_QOP_AUTH_INT);
  g_assert_true (c->stale);
  g_assert_cmpint (c->algorithm, ==, IMPS_DIGEST_ALGORITHM_AKAV1_MD5);
  g_autofree gchar *b1 = imps_digest_challenge_build (c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b1, ==, "Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5, "
                           "qop=\"auth,auth-int\", stale=true");

  /* Unknown parameters are kept in order with their form; escapes both ways. */
  const gchar *t2 = "Digest foo=bar, realm=\"a\\\\b\\\"c\", nonce=\"n\", baz=\"q\\\"x\", zed=1";
  g_autoptr (ImpsDigestChallenge) u = imps_digest_challenge_parse (t2, strlen (t2), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (u->realm, ==, "a\\b\"c");
  g_assert_cmpuint (u->unknown->len, ==, 3);
  const ImpsDigestParam *p0 = g_ptr_array_index (u->unknown, 0);
  const ImpsDigestParam *p1 = g_ptr_array_index (u->unknown, 1);
  const ImpsDigestParam *p2 = g_ptr_array_index (u->unknown, 2);
  g_assert_cmpstr (p0->name, ==, "foo");
  g_assert_cmpstr (p0->value, ==, "bar");
  g_assert_false (p0->quoted);
  g_assert_cmpstr (p1->name, ==, "baz");
  g_assert_cmpstr (p1->value, ==, "q\"x");
  g_assert_true (p1->quoted);
  g_assert_cmpstr (p2->name, ==, "zed");
  g_autofree gchar *b2 = imps_digest_challenge_build (u, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b2, ==, "Digest realm=\"a\\\\b\\\"c\", nonce=\"n\", foo=bar, baz=\"q\\\"x\", zed=1");

  /* UTF-8 (obs-text) in a quoted username; tokens for quoted parameters;
   * upper-case hex response is read and kept in lower case. */
  const gchar *t3 = "Digest username=\"j\xc3\xb6rg\", realm=r, nonce=n, uri=\"/x?y=1\", "
                    "qop=AUTH, nc=0000000A, cnonce=c, response=\"6629FAE49393A05397450978507C4EF1\"";
  g_autoptr (ImpsDigestCredentials) cr = imps_digest_credentials_parse (t3, strlen (t3), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cr->username, ==, "j\xc3\xb6rg");
  g_assert_cmpint (cr->qop, ==, IMPS_DIGEST_QOP_AUTH);
  g_assert_cmpstr (cr->nc, ==, "0000000A");
  g_assert_cmpstr (cr->response, ==, "6629fae49393a05397450978507c4ef1");

  /* Authentication-Info with nextnonce and an unknown parameter. */
  const gchar *t4 = "nextnonce=\"nn\", qop=auth, rspauth=\"2f715cfe8ac1bc8ccccfc1a5654a7959\", "
                    "cnonce=\"c\", nc=00000001, x-extra=1";
  g_autofree gchar *b4 = parse_build (AUTH_INFO, t4, strlen (t4), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b4, ==, t4);

  /* A trailing comma is an empty list element. */
  g_autofree gchar *b7 = parse_build (CHALLENGE, "Digest realm=r, nonce=n,", 24, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b7, ==, "Digest realm=\"r\", nonce=\"n\"");

  /* Exactly at the bounds is fine. */
  g_autofree gchar *v1024 = g_strnfill (IMPS_DIGEST_MAX_VALUE, 'v');
  g_autofree gchar *t5 = g_strdup_printf ("Digest realm=\"%s\", nonce=n", v1024);
  g_autoptr (ImpsDigestChallenge) c5 = imps_digest_challenge_parse (t5, strlen (t5), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (c5->realm), ==, IMPS_DIGEST_MAX_VALUE);
  GString *many = g_string_new ("Digest realm=r, nonce=n");
  for (guint k = 2; k < IMPS_DIGEST_MAX_PARAMS; k++)
    g_string_append_printf (many, ", p%u=%u", k, k);
  g_autoptr (ImpsDigestChallenge) c6 = imps_digest_challenge_parse (many->str, many->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c6->unknown->len, ==, IMPS_DIGEST_MAX_PARAMS - 2);
  g_string_free (many, TRUE);
}

typedef struct {
  Kind kind;
  const gchar *text;
  ImpsDigestError code;
  const gchar *names;     /* a parameter (or other word) the message must name */
  gint offset;            /* the offset the message must give, or -1 */
} Bad;

#define CH_OK "Digest realm=\"r\", nonce=\"n\""
#define CR_OK "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\""
#define RESP "response=\"6629fae49393a05397450978507c4ef1\""

static const Bad bad_cases[] = {
  /* WWW-Authenticate: the grammar */
  { CHALLENGE, "", IMPS_DIGEST_ERROR_SYNTAX, "scheme", 0 },
  { CHALLENGE, "   ", IMPS_DIGEST_ERROR_SYNTAX, "scheme", 3 },
  { CHALLENGE, "Basic realm=\"r\"", IMPS_DIGEST_ERROR_SCHEME, "Basic", 0 },
  { CHALLENGE, "Digestive realm=\"r\"", IMPS_DIGEST_ERROR_SCHEME, "Digestive", 0 },
  { CHALLENGE, "Digest\trealm=\"r\", nonce=\"n\"", IMPS_DIGEST_ERROR_SYNTAX, "space", 6 },
  { CHALLENGE, "Digest realm=\"r\", nonce=\"n", IMPS_DIGEST_ERROR_SYNTAX, "'nonce'", 24 },
  { CHALLENGE, "Digest realm=\"r\" nonce=\"n\"", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 17 },
  { CHALLENGE, "Digest realm", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 12 },
  { CHALLENGE, "Digest realm=", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 13 },
  { CHALLENGE, "Digest realm=, nonce=n", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 13 },
  { CHALLENGE, "Digest =r", IMPS_DIGEST_ERROR_SYNTAX, "parameter name", 7 },
  { CHALLENGE, "Digest realm=\"a\x01" "b\", nonce=n", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 15 },
  { CHALLENGE, "Digest realm=\"a\r\n b\", nonce=n", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 15 },
  { CHALLENGE, "Digest realm=\"a\\", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 15 },
  { CHALLENGE, "Digest realm=r@x, nonce=n", IMPS_DIGEST_ERROR_SYNTAX, "'realm'", 14 },
  { CHALLENGE, "Digest realm=r, nonce=abc=", IMPS_DIGEST_ERROR_SYNTAX, "'nonce'", 25 },
  /* WWW-Authenticate: the fields */
  { CHALLENGE, "Digest realm=\"x\", nonce=\"n\", realm=\"y\"", IMPS_DIGEST_ERROR_DUPLICATE, "'realm'", 29 },
  { CHALLENGE, "Digest REALM=\"x\", nonce=\"n\", Realm=\"y\"", IMPS_DIGEST_ERROR_DUPLICATE, "'Realm'", 29 },
  { CHALLENGE, "Digest nonce=\"n\"", IMPS_DIGEST_ERROR_MISSING, "'realm'", -1 },
  { CHALLENGE, "Digest realm=\"r\"", IMPS_DIGEST_ERROR_MISSING, "'nonce'", -1 },
  { CHALLENGE, CH_OK ", stale=maybe", IMPS_DIGEST_ERROR_VALUE, "'stale'", 35 },
  { CHALLENGE, CH_OK ", algorithm=SHA-256", IMPS_DIGEST_ERROR_UNSUPPORTED, "'algorithm'", 39 },
  { CHALLENGE, CH_OK ", algorithm=MD5-sess", IMPS_DIGEST_ERROR_UNSUPPORTED, "'algorithm'", 39 },
  { CHALLENGE, CH_OK ", qop=\"auth-conf\"", IMPS_DIGEST_ERROR_UNSUPPORTED, "'qop'", 33 },
  { CHALLENGE, CH_OK ", qop=\"\"", IMPS_DIGEST_ERROR_UNSUPPORTED, "'qop'", 33 },
  /* Authorization */
  { CREDENTIALS, "Basic dXNlcjpwYXNz", IMPS_DIGEST_ERROR_SCHEME, "Basic", 0 },
  { CREDENTIALS, "Digest realm=\"r\", nonce=\"n\", uri=\"/\", " RESP, IMPS_DIGEST_ERROR_MISSING, "'username'", -1 },
  { CREDENTIALS, "Digest username=\"u\", nonce=\"n\", uri=\"/\", " RESP, IMPS_DIGEST_ERROR_MISSING, "'realm'", -1 },
  { CREDENTIALS, "Digest username=\"u\", realm=\"r\", uri=\"/\", " RESP, IMPS_DIGEST_ERROR_MISSING, "'nonce'", -1 },
  { CREDENTIALS, "Digest username=\"u\", realm=\"r\", nonce=\"n\", " RESP, IMPS_DIGEST_ERROR_MISSING, "'uri'", -1 },
  { CREDENTIALS, CR_OK, IMPS_DIGEST_ERROR_MISSING, "'response'", -1 },
  { CREDENTIALS, CR_OK ", response=\"xyz\"", IMPS_DIGEST_ERROR_VALUE, "'response'", 61 },
  { CREDENTIALS, CR_OK ", response=\"6629fae49393a05397450978507c4ef1ff\"", IMPS_DIGEST_ERROR_VALUE, "'response'", 61 },
  { CREDENTIALS, CR_OK ", " RESP ", qop=auth, nc=00000001", IMPS_DIGEST_ERROR_MISSING, "'cnonce'", -1 },
  { CREDENTIALS, CR_OK ", " RESP ", qop=auth, cnonce=\"c\"", IMPS_DIGEST_ERROR_MISSING, "'nc'", -1 },
  { CREDENTIALS, CR_OK ", " RESP ", qop=auth, cnonce=\"c\", nc=0001", IMPS_DIGEST_ERROR_VALUE, "'nc'", 122 },
  { CREDENTIALS, CR_OK ", " RESP ", qop=auth, cnonce=\"c\", nc=0000000g", IMPS_DIGEST_ERROR_VALUE, "'nc'", 122 },
  { CREDENTIALS, CR_OK ", " RESP ", qop=auth-conf, cnonce=\"c\", nc=00000001", IMPS_DIGEST_ERROR_UNSUPPORTED, "'qop'", 101 },
  { CREDENTIALS, CR_OK ", " RESP ", cnonce=\"c\"", IMPS_DIGEST_ERROR_VALUE, "'cnonce'", -1 },
  { CREDENTIALS, CR_OK ", " RESP ", nc=00000001", IMPS_DIGEST_ERROR_VALUE, "'nc'", -1 },
  { CREDENTIALS, CR_OK ", " RESP ", auts=\"abc\"", IMPS_DIGEST_ERROR_VALUE, "'auts'", 106 },
  { CREDENTIALS, CR_OK ", " RESP ", auts=\"RR6L7KQb+O5YnUbY\"", IMPS_DIGEST_ERROR_VALUE, "'auts'", 103 },
  { CREDENTIALS, CR_OK ", " RESP ", auts=\"RR6L7KQb+O5Y_UbYNck=\"", IMPS_DIGEST_ERROR_VALUE, "'auts'", 115 },
  { CREDENTIALS, CR_OK ", " RESP ", algorithm=AKAv3-MD5", IMPS_DIGEST_ERROR_UNSUPPORTED, "'algorithm'", 107 },
  { CREDENTIALS, CR_OK ", " RESP ", uri=\"/x\"", IMPS_DIGEST_ERROR_DUPLICATE, "'uri'", 97 },
  { CREDENTIALS, CR_OK ", " RESP ", uri=/x", IMPS_DIGEST_ERROR_DUPLICATE, "'uri'", 97 },
  /* Authentication-Info */
  { AUTH_INFO, "", IMPS_DIGEST_ERROR_SYNTAX, "no parameters", 0 },
  { AUTH_INFO, " , ,", IMPS_DIGEST_ERROR_SYNTAX, "no parameters", 4 },
  { AUTH_INFO, "Digest qop=auth", IMPS_DIGEST_ERROR_SYNTAX, "'Digest'", 7 },
  { AUTH_INFO, "rspauth=\"zz\"", IMPS_DIGEST_ERROR_VALUE, "'rspauth'", 8 },
  { AUTH_INFO, "rspauth=\"\"", IMPS_DIGEST_ERROR_VALUE, "'rspauth'", 8 },
  { AUTH_INFO, "qop=auth, nc=1", IMPS_DIGEST_ERROR_VALUE, "'nc'", 13 },
  { AUTH_INFO, "qop=foo", IMPS_DIGEST_ERROR_UNSUPPORTED, "'qop'", 4 },
  { AUTH_INFO, "nextnonce=a, nextnonce=b", IMPS_DIGEST_ERROR_DUPLICATE, "'nextnonce'", 13 },
  { AUTH_INFO, "nextnonce=\"a", IMPS_DIGEST_ERROR_SYNTAX, "'nextnonce'", 10 },
  { AUTH_INFO, "nextnonce=a;b", IMPS_DIGEST_ERROR_SYNTAX, "'nextnonce'", 11 },
};

static void
check_bad (gsize i, const Bad *b, const gchar *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = parse_build (b->kind, text, len, &error);
  g_test_message ("case %zu: %s", i, error ? error->message : "(accepted)");
  g_assert_null (out);
  g_assert_error (error, IMPS_DIGEST_ERROR, (gint) b->code);
  if (strstr (error->message, b->names) == NULL)
    g_error ("case %zu: '%s' does not name %s", i, error->message, b->names);
  if (b->offset >= 0)
    {
      g_autofree gchar *want = g_strdup_printf ("offset %d", b->offset);
      if (strstr (error->message, want) == NULL)
        g_error ("case %zu: '%s' does not say %s", i, error->message, want);
    }
}

static void
test_malformed (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const Bad *b = &bad_cases[i];
      check_bad (i, b, b->text, strlen (b->text));
    }

  /* A NUL inside a quoted string (length given explicitly). */
  static const gchar nul[] = "Digest realm=\"a\0b\", nonce=n";
  Bad b = { CHALLENGE, nul, IMPS_DIGEST_ERROR_SYNTAX, "0x00", 15 };
  check_bad (1000, &b, nul, sizeof nul - 1);
}

/* Every bound: whole header, value (quoted and token), name, parameters,
 * empty list elements. */
static void
test_bounds (void)
{
  g_autofree gchar *big_value = g_strnfill (IMPS_DIGEST_MAX_VALUE + 1, 'v');
  g_autofree gchar *big_name = g_strnfill (IMPS_DIGEST_MAX_NAME + 1, 'n');
  g_autofree gchar *pad = g_strnfill (IMPS_DIGEST_MAX_HEADER, ' ');

  g_autofree gchar *t1 = g_strdup_printf ("Digest realm=\"%s\", nonce=n", big_value);
  Bad b1 = { CHALLENGE, t1, IMPS_DIGEST_ERROR_LIMIT, "'realm'", 15 + IMPS_DIGEST_MAX_VALUE };
  check_bad (0, &b1, t1, strlen (t1));
  /* the offset just past the byte that is one too many, escapes counted once */
  g_autofree gchar *t1e = g_strdup_printf ("Digest realm=\"\\x%s\", nonce=n", big_value);
  Bad b1e = { CHALLENGE, t1e, IMPS_DIGEST_ERROR_LIMIT, "'realm'", 16 + IMPS_DIGEST_MAX_VALUE };
  check_bad (0, &b1e, t1e, strlen (t1e));
  g_autofree gchar *t1c = g_strdup_printf ("Digest realm=\"%.10s\x01%s\", nonce=n", big_value,
                                           big_value);
  Bad b1c = { CHALLENGE, t1c, IMPS_DIGEST_ERROR_SYNTAX, "control character 0x01", 24 };
  check_bad (0, &b1c, t1c, strlen (t1c));

  g_autofree gchar *t2 = g_strdup_printf ("Digest realm=r, nonce=%s", big_value);
  Bad b2 = { CHALLENGE, t2, IMPS_DIGEST_ERROR_LIMIT, "'nonce'", 22 };
  check_bad (1, &b2, t2, strlen (t2));

  g_autofree gchar *t3 = g_strdup_printf ("Digest realm=r, nonce=n, %s=1", big_name);
  Bad b3 = { CHALLENGE, t3, IMPS_DIGEST_ERROR_LIMIT, "name", 25 };
  check_bad (2, &b3, t3, strlen (t3));

  g_autofree gchar *t4 = g_strdup_printf ("Digest realm=r, nonce=n%s", pad);
  Bad b4 = { CHALLENGE, t4, IMPS_DIGEST_ERROR_LIMIT, "longer than 4096", IMPS_DIGEST_MAX_HEADER };
  check_bad (3, &b4, t4, strlen (t4));

  GString *many = g_string_new ("username=u, realm=r, nonce=n, uri=u");
  for (guint k = 4; k <= IMPS_DIGEST_MAX_PARAMS; k++)
    g_string_append_printf (many, ", p%u=%u", k, k);
  g_autofree gchar *t5 = g_strconcat ("Digest ", many->str, NULL);
  Bad b5 = { CREDENTIALS, t5, IMPS_DIGEST_ERROR_LIMIT, "'p32'", -1 };
  check_bad (4, &b5, t5, strlen (t5));
  g_string_free (many, TRUE);

  GString *commas = g_string_new ("qop=auth");
  /* one separator, then MAX_PARAMS empty elements: one more than allowed */
  for (guint k = 0; k <= IMPS_DIGEST_MAX_PARAMS; k++)
    g_string_append (commas, ",");
  Bad b6 = { AUTH_INFO, commas->str, IMPS_DIGEST_ERROR_LIMIT, "list elements", -1 };
  check_bad (5, &b6, commas->str, commas->len);
  g_string_free (commas, TRUE);
}

static void
test_builder_refusals (void)
{
  g_autoptr (GError) error = NULL;

  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_new ();
  c->realm = g_strdup ("r");
  g_assert_null (imps_digest_challenge_build (c, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "'nonce'"));
  g_clear_error (&error);
  c->nonce = g_strdup ("n\r\nX-Injected: 1");
  g_assert_null (imps_digest_challenge_build (c, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "'nonce'"));
  g_clear_error (&error);
  g_free (c->nonce);
  c->nonce = g_strdup ("n");
  imps_digest_params_add (c->unknown, "x", "not a token", FALSE);
  g_assert_null (imps_digest_challenge_build (c, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "'x'"));
  g_clear_error (&error);
  g_ptr_array_set_size (c->unknown, 0);
  imps_digest_params_add (c->unknown, "bad name", "v", TRUE);
  g_assert_null (imps_digest_challenge_build (c, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE);
  g_clear_error (&error);

  g_autoptr (ImpsDigestCredentials) cr = imps_digest_credentials_new ();
  cr->username = g_strdup ("u");
  cr->realm = g_strdup ("r");
  cr->nonce = g_strdup ("n");
  cr->uri = g_strdup ("/");
  cr->qop = IMPS_DIGEST_QOP_AUTH;
  cr->cnonce = g_strdup ("c");
  strcpy (cr->nc, "1");
  g_assert_null (imps_digest_credentials_build (cr, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "'nc'"));
  g_clear_error (&error);

  g_autoptr (ImpsDigestAuthInfo) a = imps_digest_auth_info_new ();
  g_assert_null (imps_digest_auth_info_build (a, &error));
  g_assert_error (error, IMPS_DIGEST_ERROR, IMPS_DIGEST_ERROR_VALUE);
  g_clear_error (&error);

  /* A parameter made by hand and moved into the list. */
  g_autoptr (ImpsDigestParam) p = imps_digest_param_new ("x-token", "v1", FALSE);
  g_ptr_array_add (a->unknown, g_steal_pointer (&p));
  g_autofree gchar *out = imps_digest_auth_info_build (a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "x-token=v1");
}

/* Every seed of the fuzz corpus parses as the header kind its first byte
 * selects (so the fuzzer starts from inputs that reach the builders). */
static void
test_fuzz_seeds_parse (void)
{
  const gchar *dir = g_test_get_filename (G_TEST_DIST, "..", "fuzz", "digest", "corpus",
                                          "digest-header", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  guint n = 0;
  for (const gchar *name; (name = g_dir_read_name (d)) != NULL; n++)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_autofree gchar *data = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &data, &len, &error));
      g_assert_cmpuint (len, >, 1);
      g_autofree gchar *out = parse_build ((Kind) (data[0] % 3), data + 1, len - 1, &error);
      if (out == NULL)
        g_error ("seed %s: %s", name, error->message);
    }
  g_assert_cmpuint (n, >=, 9);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/digest/header/vectors-round-trip", test_vectors_round_trip);
  g_test_add_func ("/digest/header/vector-fields", test_vector_fields);
  g_test_add_func ("/digest/header/accepted", test_accepted_forms);
  g_test_add_func ("/digest/header/malformed", test_malformed);
  g_test_add_func ("/digest/header/bounds", test_bounds);
  g_test_add_func ("/digest/header/builder-refusals", test_builder_refusals);
  g_test_add_func ("/digest/header/fuzz-seeds", test_fuzz_seeds_parse);
  return g_test_run ();
}
