/* Tests of SIP, SIPS and tel URIs (src/core/sip/imps-sip-uri.h).
 *
 * The URI forms follow the grammar of RFC 3261 §19.1.1/§25.1 and RFC 3966
 * §3; the equality cases are the examples of RFC 3261 §19.1.4. The other
 * expected values were worked out by hand from that grammar (computed by
 * this project). */
#include "sip/imps-sip-uri.h"

#include <string.h>

typedef struct {
  const gchar *text;
  ImpsSipUriScheme scheme;
  const gchar *user;
  const gchar *password;
  const gchar *host;
  gboolean ipv6;
  gint port;
  const gchar *params;    /* "name=value;name" as a check string, or NULL */
  const gchar *headers;   /* "name=value&..." or NULL */
  const gchar *rebuilt;   /* NULL: the same as @text */
} UriCase;

static const UriCase good_uris[] = {
  { "sip:alice@atlanta.example.com", IMPS_SIP_URI_SIP, "alice", NULL,
    "atlanta.example.com", FALSE, -1, NULL, NULL, NULL },
  { "sips:alice:secretword@atlanta.example.com;transport=tcp", IMPS_SIP_URI_SIPS,
    "alice", "secretword", "atlanta.example.com", FALSE, -1, "transport=tcp", NULL, NULL },
  { "sip:+1-212-555-1212:1234@gateway.com;user=phone", IMPS_SIP_URI_SIP,
    "+1-212-555-1212", "1234", "gateway.com", FALSE, -1, "user=phone", NULL, NULL },
  { "sip:alice@192.0.2.4:5061", IMPS_SIP_URI_SIP, "alice", NULL, "192.0.2.4",
    FALSE, 5061, NULL, NULL, NULL },
  { "sip:atlanta.example.com;method=REGISTER?to=alice%40atlanta.example.com",
    IMPS_SIP_URI_SIP, NULL, NULL, "atlanta.example.com", FALSE, -1,
    "method=REGISTER", "to=alice@atlanta.example.com", NULL },
  { "sip:alice;day=tuesday@atlanta.example.com", IMPS_SIP_URI_SIP,
    "alice;day=tuesday", NULL, "atlanta.example.com", FALSE, -1, NULL, NULL, NULL },
  { "sip:[2001:db8::10]:5070;lr", IMPS_SIP_URI_SIP, NULL, NULL, "2001:db8::10",
    TRUE, 5070, "lr", NULL, NULL },
  { "sip:bob@[::ffff:192.0.2.1];transport=udp;maddr=239.255.255.1", IMPS_SIP_URI_SIP,
    "bob", NULL, "::ffff:192.0.2.1", TRUE, -1, "transport=udp;maddr=239.255.255.1",
    NULL, NULL },
  { "sip:%61lice@atlanta.example.com", IMPS_SIP_URI_SIP, "alice", NULL,
    "atlanta.example.com", FALSE, -1, NULL, NULL, "sip:alice@atlanta.example.com" },
  { "sip:user%20name@example.com", IMPS_SIP_URI_SIP, "user name", NULL,
    "example.com", FALSE, -1, NULL, NULL, NULL },
  { "SIP:bob@Biloxi.Example.COM", IMPS_SIP_URI_SIP, "bob", NULL,
    "Biloxi.Example.COM", FALSE, -1, NULL, NULL, "sip:bob@Biloxi.Example.COM" },
  { "sip:bob@biloxi.example.com;x=a%3Db?subject=project%20x&priority=urgent",
    IMPS_SIP_URI_SIP, "bob", NULL, "biloxi.example.com", FALSE, -1, "x=a=b",
    "subject=project x&priority=urgent", NULL },
  { "sip:alice@atlanta.example.com?empty=", IMPS_SIP_URI_SIP, "alice", NULL,
    "atlanta.example.com", FALSE, -1, NULL, "empty=", NULL },
  { "tel:+1-201-555-0123", IMPS_SIP_URI_TEL, "+1-201-555-0123", NULL, NULL,
    FALSE, -1, NULL, NULL, NULL },
  { "tel:7042;phone-context=example.com", IMPS_SIP_URI_TEL, "7042", NULL, NULL,
    FALSE, -1, "phone-context=example.com", NULL, NULL },
  { "tel:863-1234;phone-context=+1-914-555", IMPS_SIP_URI_TEL, "863-1234", NULL,
    NULL, FALSE, -1, "phone-context=+1-914-555", NULL, NULL },
  { "tel:+1-212-555-0101;ext=1234;isub=17", IMPS_SIP_URI_TEL, "+1-212-555-0101",
    NULL, NULL, FALSE, -1, "ext=1234;isub=17", NULL, NULL },
  { "tel:*31#;phone-context=example.net", IMPS_SIP_URI_TEL, "*31#", NULL, NULL,
    FALSE, -1, "phone-context=example.net", NULL, NULL },
};

static gchar *
params_string (GPtrArray *params, gchar sep)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < params->len; i++)
    {
      const ImpsSipParam *p = g_ptr_array_index (params, i);
      if (i > 0)
        g_string_append_c (s, sep);
      g_string_append (s, p->name);
      if (p->value)
        g_string_append_printf (s, "=%s", p->value);
    }
  return g_string_free (s, FALSE);
}

static void
test_uri_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good_uris); i++)
    {
      const UriCase *c = &good_uris[i];
      g_autoptr (GError) error = NULL;

      g_test_message ("case %u: %s", i, c->text);
      g_assert_true (imps_sip_uri_validate (c->text, -1, &error));
      g_assert_no_error (error);
      g_autoptr (ImpsSipUri) uri = imps_sip_uri_parse (c->text, -1, &error);
      g_assert_no_error (error);
      g_assert_nonnull (uri);
      g_assert_cmpint (uri->scheme, ==, c->scheme);
      g_assert_cmpstr (uri->user, ==, c->user);
      g_assert_cmpstr (uri->password, ==, c->password);
      g_assert_cmpstr (uri->host, ==, c->host);
      g_assert_cmpint (uri->host_is_ipv6, ==, c->ipv6);
      g_assert_cmpint (uri->port, ==, c->port);
      g_autofree gchar *params = params_string (uri->params, ';');
      g_assert_cmpstr (params, ==, c->params ? c->params : "");
      g_autofree gchar *headers = params_string (uri->headers, '&');
      g_assert_cmpstr (headers, ==, c->headers ? c->headers : "");

      g_autofree gchar *built = imps_sip_uri_to_string (uri);
      g_assert_cmpstr (built, ==, c->rebuilt ? c->rebuilt : c->text);
      g_autoptr (ImpsSipUri) again = imps_sip_uri_parse (built, -1, &error);
      g_assert_no_error (error);
      g_assert_true (imps_sip_uri_equal (uri, again));
      g_autoptr (ImpsSipUri) copy = imps_sip_uri_copy (uri);
      g_assert_true (imps_sip_uri_equal (uri, copy));
    }
}

static void
test_uri_other_scheme (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipUri) uri = imps_sip_uri_parse ("urn:service:sos", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpint (uri->scheme, ==, IMPS_SIP_URI_OTHER);
  g_assert_cmpstr (uri->scheme_name, ==, "urn");
  g_assert_cmpstr (uri->opaque, ==, "service:sos");
  g_autofree gchar *s = imps_sip_uri_to_string (uri);
  g_assert_cmpstr (s, ==, "urn:service:sos");
}

typedef struct {
  const gchar *text;
  gint code;
  const gchar *needle;   /* part of the message */
} BadUri;

static const BadUri bad_uris[] = {
  { "", IMPS_SIP_ERROR_URI, "without scheme" },
  { "sip", IMPS_SIP_ERROR_URI, "without ':'" },
  { "1sip:host", IMPS_SIP_ERROR_URI, "without scheme" },
  { "sip:", IMPS_SIP_ERROR_URI, "host" },
  { "sip:@host.example.com", IMPS_SIP_ERROR_URI, "empty user" },
  { "sip:bob@", IMPS_SIP_ERROR_URI, "host" },
  { "sip:bob@[2001:db8::1", IMPS_SIP_ERROR_URI, "']'" },
  { "sip:bob@[zz::1]", IMPS_SIP_ERROR_URI, "IPv6" },
  { "sip:bob@[192.0.2.1]", IMPS_SIP_ERROR_URI, "IPv6" },
  { "sip:bob@host:99999", IMPS_SIP_ERROR_URI, "port" },
  { "sip:bob@host:", IMPS_SIP_ERROR_URI, "port" },
  { "sip:bob@host:123456", IMPS_SIP_ERROR_URI, "port" },
  { "sip:a b@host", IMPS_SIP_ERROR_URI, "offset 5" },
  { "sip:a%2@host", IMPS_SIP_ERROR_URI, "escape" },
  { "sip:a%zz@host", IMPS_SIP_ERROR_URI, "escape" },
  { "sip:a%00@host", IMPS_SIP_ERROR_URI, "NUL" },
  { "sip:host;=x", IMPS_SIP_ERROR_URI, "parameter name" },
  { "sip:host;p=", IMPS_SIP_ERROR_URI, "parameter value" },
  { "sip:host?a", IMPS_SIP_ERROR_URI, "'='" },
  { "sip:host?=v", IMPS_SIP_ERROR_URI, "header name" },
  { "sip:host>", IMPS_SIP_ERROR_URI, "unexpected" },
  { "sip:-host", IMPS_SIP_ERROR_URI, "host" },
  { "sip:a@b@host", IMPS_SIP_ERROR_URI, "unexpected" },
  { "tel:7042", IMPS_SIP_ERROR_URI, "phone-context" },
  { "tel:+", IMPS_SIP_ERROR_URI, "without digits" },
  { "tel:+12a4", IMPS_SIP_ERROR_URI, "telephone number" },
  { "tel:+1234;a b=c", IMPS_SIP_ERROR_URI, "tel parameter" },
  { "tel:+1234;ext=", IMPS_SIP_ERROR_URI, "parameter value" },
  { "sip:host;lr;LR", IMPS_SIP_ERROR_URI, "repeated parameter" },
  { "tel:+1234;ext=1;ext=2", IMPS_SIP_ERROR_URI, "repeated parameter" },
  /* repeated once escapes are decoded: it would print as ";e;E" and not
   * parse again (found by fuzz-sip-uri) */
  { "sip:host;e;%45", IMPS_SIP_ERROR_URI, "repeated parameter" },
  { "sip:host;%6c%52;lr", IMPS_SIP_ERROR_URI, "repeated parameter" },
  { "urn:", IMPS_SIP_ERROR_URI, "empty URI" },
  { "urn:a b", IMPS_SIP_ERROR_URI, "unexpected" },
};

static void
test_uri_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_uris); i++)
    {
      const BadUri *c = &bad_uris[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) error2 = NULL;

      g_test_message ("case %u: %s", i, c->text);
      g_assert_null (imps_sip_uri_parse (c->text, -1, &error));
      g_assert_error (error, IMPS_SIP_ERROR, c->code);
      g_assert_nonnull (strstr (error->message, c->needle));
      g_assert_false (imps_sip_uri_validate (c->text, -1, &error2));
      g_assert_error (error2, IMPS_SIP_ERROR, c->code);
    }

  /* An embedded NUL is not a URI character. */
  g_autoptr (GError) error = NULL;
  g_assert_null (imps_sip_uri_parse ("sip:a\0b@host", 12, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_URI);
}

static void
test_uri_bounds (void)
{
  g_autoptr (GError) error = NULL;
  GString *s = g_string_new ("sip:");

  while (s->len < IMPS_SIP_MAX_URI - 20)
    g_string_append (s, "aaaaaaaaa.");
  g_string_append (s, "example.com");
  g_assert_cmpuint (s->len, <=, IMPS_SIP_MAX_URI);
  g_autoptr (ImpsSipUri) ok = imps_sip_uri_parse (s->str, (gssize) s->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
  while (s->len <= IMPS_SIP_MAX_URI)
    g_string_prepend (s, "x");   /* "xx...sip:..." keeps the length growing */
  g_assert_null (imps_sip_uri_parse (s->str, (gssize) s->len, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_string_free (s, TRUE);

  GString *p = g_string_new ("sip:host");
  for (guint i = 0; i <= IMPS_SIP_MAX_PARAMS; i++)
    g_string_append_printf (p, ";p%u", i);
  g_assert_null (imps_sip_uri_parse (p->str, -1, &error));
  g_assert_error (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE);
  g_string_free (p, TRUE);
}

typedef struct {
  const gchar *a;
  const gchar *b;
  gboolean equal;
} UriPair;

/* RFC 3261 §19.1.4 examples (equivalent and not equivalent pairs); the tel
 * pairs follow RFC 3966 §4 (computed by this project). */
static const UriPair uri_pairs[] = {
  { "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp", TRUE },
  { "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", TRUE },
  { "sip:carol@chicago.com", "sip:carol@chicago.com;security=on", TRUE },
  { "sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on", TRUE },
  { "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
    "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", TRUE },
  { "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
    "sip:alice@atlanta.com?priority=urgent&subject=project%20x", TRUE },
  { "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP", FALSE },
  { "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", FALSE },
  { "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp", FALSE },
  { "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp", FALSE },
  { "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting", FALSE },
  { "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4", FALSE },
  { "sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off", FALSE },
  { "sip:bob@biloxi.com", "sips:bob@biloxi.com", FALSE },
  { "tel:+1-201-555-0123", "tel:+1(201)5550123", TRUE },
  { "tel:+1-201-555-0123", "tel:+1-201-555-0124", FALSE },
  { "tel:7042;phone-context=example.com", "tel:7042;phone-context=EXAMPLE.com", TRUE },
};

static void
test_uri_equal (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (uri_pairs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsSipUri) a = imps_sip_uri_parse (uri_pairs[i].a, -1, &error);
      g_assert_no_error (error);
      g_autoptr (ImpsSipUri) b = imps_sip_uri_parse (uri_pairs[i].b, -1, &error);
      g_assert_no_error (error);
      g_test_message ("pair %u: %s / %s", i, uri_pairs[i].a, uri_pairs[i].b);
      g_assert_cmpint (imps_sip_uri_equal (a, b), ==, uri_pairs[i].equal);
      g_assert_cmpint (imps_sip_uri_equal (b, a), ==, uri_pairs[i].equal);
    }
}

static void
test_uri_build (void)
{
  g_autoptr (ImpsSipUri) uri = imps_sip_uri_new (IMPS_SIP_URI_SIP, "al ice;x", "2001:db8::1", 5060);
  imps_sip_uri_set_param (uri, "transport", "udp");
  imps_sip_uri_set_param (uri, "lr", NULL);
  imps_sip_uri_set_param (uri, "transport", "tcp");   /* replaces */
  g_autofree gchar *s = imps_sip_uri_to_string (uri);
  g_assert_cmpstr (s, ==, "sip:al%20ice;x@[2001:db8::1]:5060;transport=tcp;lr");
  g_assert_true (imps_sip_uri_has_param (uri, "LR"));
  g_assert_null (imps_sip_uri_get_param (uri, "lr"));
  g_assert_cmpstr (imps_sip_uri_get_param (uri, "Transport"), ==, "tcp");

  g_autoptr (ImpsSipUri) tel = imps_sip_uri_new_tel ("1234");
  imps_sip_uri_set_param (tel, "phone-context", "ims.example.net");
  g_autofree gchar *t = imps_sip_uri_to_string (tel);
  g_assert_cmpstr (t, ==, "tel:1234;phone-context=ims.example.net");
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_sip_uri_validate (t, -1, &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/uri/good", test_uri_good);
  g_test_add_func ("/sip/uri/other-scheme", test_uri_other_scheme);
  g_test_add_func ("/sip/uri/bad", test_uri_bad);
  g_test_add_func ("/sip/uri/bounds", test_uri_bounds);
  g_test_add_func ("/sip/uri/equal", test_uri_equal);
  g_test_add_func ("/sip/uri/build", test_uri_build);
  return g_test_run ();
}
