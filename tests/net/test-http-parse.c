/* The HTTP/1.1 request head reader (src/net/imps-http-parse.c) and the
 * message made from it (imps-http-message.c): the grammar of RFC 9112
 * §2-§6, the bounds, and each refusal with its status. */
#include "imps-http-private.h"

#include <string.h>

static ImpsHttpHeadResult
parse (const gchar *text, ImpsHttpHead *h, GError **error)
{
  return imps_http_head_parse ((const guint8 *) text, strlen (text), h, error);
}

static gchar *
span (const gchar *text, ImpsHttpSpan s)
{
  return g_strndup (text + s.off, s.len);
}

static void
refused (const gchar *text, gint status, const gchar *reason)
{
  ImpsHttpHead h;
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (parse (text, &h, &error), ==, IMPS_HTTP_HEAD_REFUSED);
  g_assert_error (error, IMPS_HTTP_ERROR, status);
  if (strstr (error->message, reason) == NULL)
    g_error ("expected '%s' in '%s'", reason, error->message);
}

static void
test_request (void)
{
  const gchar *t = "POST /kms?requesttype=ticketrequest HTTP/1.1\r\nHost: kms.home1.net\r\n"
                   "Content-Type:application/mikey \t\r\nContent-Length: 5\r\nX-Empty:\r\n\r\nbody!";
  ImpsHttpHead h;
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (parse (t, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_assert_no_error (error);
  g_assert_cmpuint (h.head_len, ==, strlen (t) - 5);
  g_autofree gchar *method = span (t, h.method), *path = span (t, h.path);
  g_autofree gchar *query = span (t, h.query), *ct = span (t, h.fields[1].value);
  g_autofree gchar *empty = span (t, h.fields[3].value);
  g_assert_cmpstr (method, ==, "POST");
  g_assert_cmpstr (path, ==, "/kms");
  g_assert_true (h.has_query);
  g_assert_cmpstr (query, ==, "requesttype=ticketrequest");
  g_assert_cmpuint (h.minor, ==, 1);
  g_assert_cmpuint (h.n_fields, ==, 4);
  g_assert_cmpstr (ct, ==, "application/mikey");
  g_assert_cmpstr (empty, ==, "");
  g_assert_true (h.has_length);
  g_assert_cmpuint (h.content_length, ==, 5);
  g_assert_true (h.keep_alive);
  ImpsHttpSpan v;
  g_assert_true (imps_http_head_find (&h, (const guint8 *) t, "content-length", &v));
  g_assert_false (imps_http_head_find (&h, (const guint8 *) t, "Content", &v));

  ImpsHttpMessage *m = imps_http_message_new ((const guint8 *) t, &h, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imps_http_message_get_method (m), ==, "POST");
  g_assert_cmpstr (imps_http_message_get_path (m), ==, "/kms");
  g_assert_cmpstr (imps_http_message_get_query (m), ==, "requesttype=ticketrequest");
  g_assert_cmpstr (imps_http_message_get_header (m, "HOST"), ==, "kms.home1.net");
  g_assert_cmpstr (imps_http_message_get_header (m, "x-empty"), ==, "");
  g_assert_null (imps_http_message_get_header (m, "Accept"));
  g_assert_cmpstr (imps_http_message_get_content_type (m), ==, "application/mikey");
  GBytes *body = imps_http_message_get_body (m);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "body!", 5);
  GBytes *raw = imps_http_message_get_bytes (m);
  g_assert_cmpmem (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), t, strlen (t));
  imps_http_message_set_header (m, "Allow", "GET");
  imps_http_message_set_header (m, "allow", "POST");
  g_assert_cmpuint (m->n_answer, ==, 1);
  g_assert_cmpstr (m->answer[0].value, ==, "POST");
  imps_http_message_unref (m);
}

/* Versions, keep-alive, leading empty lines, bare LF, target forms. */
static void
test_forms (void)
{
  ImpsHttpHead h;
  g_autoptr (GError) error = NULL;
  const gchar *t10 = "\r\n\nGET / HTTP/1.0\nConnection: Keep-Alive\n\n";
  g_assert_cmpint (parse (t10, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_assert_cmpuint (h.minor, ==, 0);
  g_assert_true (h.keep_alive);
  g_assert_cmpuint (h.head_len, ==, strlen (t10));
  g_assert_cmpint (parse ("GET / HTTP/1.0\r\n\r\n", &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_assert_false (h.keep_alive);  /* HTTP/1.0 without keep-alive */
  g_assert_cmpint (parse ("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &h,
                          &error), ==, IMPS_HTTP_HEAD_OK);
  g_assert_false (h.keep_alive);
  /* a higher minor version is served as 1.1 */
  g_assert_cmpint (parse ("GET / HTTP/1.7\r\nHost: a\r\n\r\n", &h, &error), ==,
                   IMPS_HTTP_HEAD_OK);
  g_assert_cmpuint (h.minor, ==, 1);
  const gchar *abs = "GET http://kms.home1.net:8080/kms?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
  g_assert_cmpint (parse (abs, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_autofree gchar *p1 = span (abs, h.path), *q1 = span (abs, h.query);
  g_assert_cmpstr (p1, ==, "/kms");
  g_assert_cmpstr (q1, ==, "x=1");
  const gchar *bare = "GET HTTPS://kms HTTP/1.1\r\nHost: a\r\n\r\n";
  g_assert_cmpint (parse (bare, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_assert_cmpuint (h.path.len, ==, 0);
  ImpsHttpMessage *m = imps_http_message_new ((const guint8 *) bare, &h, 0, &error);
  g_assert_cmpstr (imps_http_message_get_path (m), ==, "/");
  g_assert_null (imps_http_message_get_query (m));
  imps_http_message_unref (m);
  const gchar *star = "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n";
  g_assert_cmpint (parse (star, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_autofree gchar *p2 = span (star, h.path);
  g_assert_cmpstr (p2, ==, "*");
  g_assert_no_error (error);
}

/* The head arrives in pieces: INCOMPLETE until its empty line, whose
 * bytes may be split between two reads. */
static void
test_incomplete (void)
{
  const gchar *t = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nNEXT";
  gsize full = strlen (t) - 4, seen = 0;
  for (gsize n = 0; n <= strlen (t); n++)
    {
      ImpsHttpHead h;
      g_autoptr (GError) error = NULL;
      /* @seen: bytes an earlier call looked at and found no end in */
      gsize end = imps_http_head_end ((const guint8 *) t, n, seen);
      if (end == 0)
        seen = n;
      ImpsHttpHeadResult r = imps_http_head_parse ((const guint8 *) t, n, &h, &error);
      if (n < full)
        {
          g_assert_cmpuint (end, ==, 0);
          g_assert_cmpint (r, ==, IMPS_HTTP_HEAD_INCOMPLETE);
        }
      else
        {
          g_assert_cmpuint (end, ==, full);
          g_assert_cmpint (r, ==, IMPS_HTTP_HEAD_OK);
          g_assert_cmpuint (h.head_len, ==, full);
        }
    }
}

static void
test_refusals (void)
{
  refused ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "obs-fold");
  refused ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "is not a field name");
  refused ("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n", 400, "control character 0x01");
  refused ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400, "control character 0x0d");
  refused ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 12x\r\n\r\n", 400,
           "Content-Length \"12x\" is not a number of at most 63 bits");
  refused ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400,
           "is not a number of at most 63 bits");
  refused ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
           "two Content-Length fields with different values");
  refused ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 411,
           "a chunked body is refused");
  refused ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 411,
           "Transfer-Encoding \"gzip\" is refused");
  refused ("GET / HTTP/1.1\r\n\r\n", 400, "exactly one Host field, not 0");
  refused ("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400, "exactly one Host field, not 2");
  refused ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0 is not supported");
  refused ("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400,
           "request line \"GET / HTTP/1.1x\" does not end in HTTP/DIGIT.DIGIT");
  refused ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "no request target");
  refused ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "method");
  refused ("GET kms HTTP/1.1\r\nHost: a\r\n\r\n", 400, "neither a path nor");
  refused ("GET ftp://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "neither a path nor");
  refused ("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "neither a path nor");
  refused ("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, "control character 0x7f");

  /* the same Content-Length twice is one length */
  ImpsHttpHead h;
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (parse ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                          "Content-Length: 5\r\n\r\n", &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_assert_cmpuint (h.content_length, ==, 5);
}

/* The bounds: a head over 16 KiB or with more than 64 fields gets 431,
 * at the bound it is taken. */
static void
test_bounds (void)
{
  GString *t = g_string_new ("GET / HTTP/1.1\r\nHost: a\r\n");
  for (guint i = 2; i <= IMPS_HTTP_MAX_HEADERS; i++)
    g_string_append_printf (t, "X-%u: v\r\n", i);
  g_string_append (t, "\r\n");
  ImpsHttpHead h;
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (parse (t->str, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_assert_cmpuint (h.n_fields, ==, IMPS_HTTP_MAX_HEADERS);
  g_string_truncate (t, t->len - 2);
  g_string_append (t, "X-over: v\r\n\r\n");
  refused (t->str, 431, "more than 64 header fields");

  /* exactly IMPS_HTTP_MAX_HEAD bytes, then one more */
  g_string_assign (t, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
  while (t->len < IMPS_HTTP_MAX_HEAD - 4)
    g_string_append_c (t, 'v');
  g_string_append (t, "\r\n\r\n");
  g_assert_cmpuint (t->len, ==, IMPS_HTTP_MAX_HEAD);
  g_assert_cmpint (parse (t->str, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  g_string_insert_c (t, 30, 'v');
  refused (t->str, 431, "over 16384 bytes");
  /* under the bound and not ended: more to read */
  g_assert_cmpint (imps_http_head_parse ((const guint8 *) t->str, 100, &h, &error), ==,
                   IMPS_HTTP_HEAD_INCOMPLETE);
  g_string_free (t, TRUE);
}

/* The path handlers see is percent-decoded; a bad escape or an encoded
 * NUL is refused with 400. */
static void
test_message_path (void)
{
  const gchar *t = "GET /x%0aY%2Fz?q=%41 HTTP/1.1\r\nHost: a\r\n"
                   "Content-Type: application/mikey ; charset=x\r\n\r\n";
  ImpsHttpHead h;
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (parse (t, &h, &error), ==, IMPS_HTTP_HEAD_OK);
  ImpsHttpMessage *m = imps_http_message_new ((const guint8 *) t, &h, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imps_http_message_get_path (m), ==, "/x\nY/z");
  g_assert_cmpstr (imps_http_message_get_query (m), ==, "q=%41");
  g_assert_cmpstr (imps_http_message_get_content_type (m), ==, "application/mikey");
  g_assert_cmpstr (imps_http_message_get_header (m, "Content-Type"), ==,
                   "application/mikey ; charset=x");
  g_assert_cmpuint (g_bytes_get_size (imps_http_message_get_body (m)), ==, 0);
  imps_http_message_unref (m);
  const gchar *bad[] = { "GET /x%zz HTTP/1.1\r\nHost: a\r\n\r\n",
                         "GET /x%00 HTTP/1.1\r\nHost: a\r\n\r\n" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_cmpint (parse (bad[i], &h, &e), ==, IMPS_HTTP_HEAD_OK);
      g_assert_null (imps_http_message_new ((const guint8 *) bad[i], &h, 0, &e));
      g_assert_error (e, IMPS_HTTP_ERROR, 400);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-parse/request", test_request);
  g_test_add_func ("/http-parse/forms", test_forms);
  g_test_add_func ("/http-parse/incomplete", test_incomplete);
  g_test_add_func ("/http-parse/refusals", test_refusals);
  g_test_add_func ("/http-parse/bounds", test_bounds);
  g_test_add_func ("/http-parse/message-path", test_message_path);
  return g_test_run ();
}
