/* Tests of the BootstrappingInfo XML (24.109 Annex C; gba.md §6.2 (4),
 * §6.4): the §6.2 body, build/parse round trips, and a table of malformed
 * documents, each with the error code and the line/column it must name. */
#include "gba/imps-gba.h"
#include "gba/imps-gba-vectors.h"
#include "gba/imps-gba-xml.h"
#include "imps-test.h"

#include <string.h>

static ImpsGbaBootstrappingInfo *
parse_str (const gchar *s, GError **error)
{
  return imps_gba_bootstrapping_info_parse ((const guint8 *) s, strlen (s), error);
}

/* gba.md §6.2 (4): the exact 195-byte body. */
static void
test_vector_body (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *body = imps_gba_bootstrapping_info_vector;

  g_assert_cmpuint (strlen (body), ==, 195);
  g_autoptr (ImpsGbaBootstrappingInfo) info = parse_str (body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->btid, ==, IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_BTID);
  g_assert_cmpint (info->lifetime, ==, IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_LIFETIME);
  g_assert_false (info->has_current_time);

  gsize len = 0;
  g_autofree gchar *built = imps_gba_bootstrapping_info_build (info, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, 195);
  g_assert_cmpstr (built, ==, body);
}

static void
test_round_trip (void)
{
  /* Times computed by this project: 2020-10-28T23:36:26Z (the live trace's
   * lifetime, gba.md §12.3) = 1603928186. */
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsGbaBootstrappingInfo) info =
    imps_gba_bootstrapping_info_new ("fve4iTWb1rTb297CzVSrpw==@bsf.ims.mnc045.mcc123.pub.3gppnetwork.org",
                                     1603928186);
  info->has_current_time = TRUE;
  info->current_time = 1603928186 - 3600;
  g_autofree gchar *xml = imps_gba_bootstrapping_info_build (info, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (xml, "<lifetime>2020-10-28T23:36:26Z</lifetime>"));
  g_assert_nonnull (strstr (xml, "<currenttime>2020-10-28T22:36:26Z</currenttime>"));
  g_autoptr (ImpsGbaBootstrappingInfo) back = parse_str (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->btid, ==, info->btid);
  g_assert_cmpint (back->lifetime, ==, info->lifetime);
  g_assert_true (back->has_current_time);
  g_assert_cmpint (back->current_time, ==, info->current_time);

  /* Builder refusals. */
  info->lifetime = -1;
  g_assert_null (imps_gba_bootstrapping_info_build (info, NULL, &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_VALUE);
  g_clear_error (&error);
  g_autoptr (ImpsGbaBootstrappingInfo) bad = imps_gba_bootstrapping_info_new ("no-at-sign", 0);
  g_assert_null (imps_gba_bootstrapping_info_build (bad, NULL, &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_BTID);
  g_clear_error (&error);

  /* Markup characters in the B-TID's local part are escaped and come back. */
  g_autoptr (ImpsGbaBootstrappingInfo) odd = imps_gba_bootstrapping_info_new ("a<&>'\"b@x", 0);
  g_autofree gchar *odd_xml = imps_gba_bootstrapping_info_build (odd, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (odd_xml, "<btid>a&lt;&amp;&gt;'\"b@x</btid>"));
  g_autoptr (ImpsGbaBootstrappingInfo) odd_back = parse_str (odd_xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (odd_back->btid, ==, "a<&>'\"b@x");
}

/* Accepted variations: what other BSFs may send. */
static void
test_accepted_forms (void)
{
  static const struct {
    const gchar *xml;
    const gchar *btid;
    gint64 lifetime;
    gboolean has_now;
  } cases[] = {
    /* no declaration, prefixed namespace, attributes, comments, PI, CDATA,
     * entity and character references, offset time zone, fraction,
     * unknown elements with children, BOM */
    { "<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid>a@b</btid><lifetime>1970-01-01T00:00:00Z</lifetime></BootstrappingInfo>",
      "a@b", 0, FALSE },
    { "<?xml version='1.0'?>\n<g:BootstrappingInfo xmlns:g='uri:3gpp-gba' other='x'>\n"
      "  <!-- comment -->\n  <g:btid>\n    a@b\n  </g:btid>\n"
      "  <g:lifetime>1970-01-01T01:00:00.123+01:00</g:lifetime>\n"
      "  <g:unknown a='1'><x:deep xmlns:x='urn:x'><x:deeper/></x:deep></g:unknown>\n"
      "</g:BootstrappingInfo>\n<?pi after?>\n<!-- after -->\n",
      "a@b", 0, FALSE },
    { "\xef\xbb\xbf<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid><![CDATA[x]]>&#x40;&#98;</btid>"
      "<lifetime>2004-01-08T11:13:17Z</lifetime><Extension><currenttime>2004-01-08T10:13:17Z</currenttime>"
      "<other/></Extension></BootstrappingInfo>",
      "x@b", G_GINT64_CONSTANT (1073560397), TRUE },
    /* elements of another namespace are unknown and skipped */
    { "<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid xmlns=\"urn:other\">zz</btid>"
      "<btid>a@b</btid><lifetime>1970-01-01T00:00:10Z</lifetime></BootstrappingInfo>",
      "a@b", 10, FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsGbaBootstrappingInfo) info = parse_str (cases[i].xml, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (info->btid, ==, cases[i].btid);
      g_assert_cmpint (info->lifetime, ==, cases[i].lifetime);
      g_assert_cmpint (info->has_current_time, ==, cases[i].has_now);
    }
}

#define ROOT "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">"
#define END "</BootstrappingInfo>"
#define GOOD_BODY "<btid>a@b</btid><lifetime>2004-01-08T11:13:17Z</lifetime>"

static void
test_rejected (void)
{
  static const struct {
    const gchar *xml;
    ImpsGbaError code;
    const gchar *where;     /* "line L column C" the message must contain */
  } cases[] = {
    /* syntax */
    { "", IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 1" },
    { "   \n  ", IMPS_GBA_ERROR_XML_SYNTAX, "line 2 column 3" },
    { "hello", IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 1" },
    { ROOT GOOD_BODY, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 1" },           /* not closed */
    { ROOT GOOD_BODY "</Bootstrappinginfo>", IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 98" },
    { ROOT "<btid>a@b</lifetime>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 50" },
    { ROOT "\n<btid a='1' a='2'>a@b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 2 column 13" },
    { ROOT "<btid a=1>a@b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 49" },
    { ROOT "<btid a='<'>a@b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 50" },
    { ROOT "<btid>a&foo;b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 48" },
    { ROOT "<btid>a&#0;b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 48" },
    { ROOT "<btid>a&#x110000;b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 48" },
    { ROOT "<btid>a&#123456789;</btid>" END, IMPS_GBA_ERROR_XML_LIMIT, "line 1 column 48" },
    { ROOT "<btid>a&amp</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 48" },
    { ROOT "<btid>a]]>b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 48" },
    { ROOT "<!-- a -- b -->" GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 48" },
    { ROOT "<!-- a " GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 41" },
    { ROOT "<![CDATA[ x" GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 41" },
    { ROOT "<!ELEMENT x>" GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 41" },
    { "<!DOCTYPE x [<!ENTITY a 'b'>]>" ROOT GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 1" },
    { ROOT GOOD_BODY END "<BootstrappingInfo/>", IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 118" },
    { ROOT GOOD_BODY END "x", IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 118" },
    { "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" ROOT GOOD_BODY END,
      IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 30" },
    { "<?xml encoding=\"UTF-8\"?>" ROOT GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 1" },
    { "<?xml version=\"2.0\"?>" ROOT GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 15" },
    { "\n<?xml version=\"1.0\"?>" ROOT GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 2 column 1" },
    { ROOT "<p:btid>a@b</p:btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 41" },
    { ROOT "<btid p:a='1'>a@b</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 47" },
    { ROOT "<a:b:c xmlns:a='x'/>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 42" },
    { "<BootstrappingInfo xmlns:p=''>" GOOD_BODY END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 20" },
    { ROOT "<btid>\x01</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 47" },
    { ROOT "<btid>\xc3\x28</btid>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 47" },
    { ROOT "<1btid/>" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 42" },
    { ROOT "<btid/ >" END, IMPS_GBA_ERROR_XML_SYNTAX, "line 1 column 46" },
    /* schema */
    { "<BootstrappingInfo>" GOOD_BODY END, IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 1" },
    { "<Other xmlns=\"uri:3gpp-gba\">" GOOD_BODY "</Other>", IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 1" },
    { ROOT "<lifetime>2004-01-08T11:13:17Z</lifetime>" END, IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 1" },
    { ROOT "<btid>a@b</btid>" END, IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 1" },
    { ROOT GOOD_BODY "<btid>a@b</btid>" END, IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 98" },
    { ROOT "<btid>a@<x/>b</btid>" END, IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 49" },
    { ROOT "text" GOOD_BODY END, IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 41" },
    { ROOT GOOD_BODY "<Extension/><Extension/>" END, IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 110" },
    { ROOT GOOD_BODY "<Extension><currenttime>1</currenttime><currenttime>2</currenttime></Extension>" END,
      IMPS_GBA_ERROR_XML_SCHEMA, "line 1 column 137" },
    /* values */
    { ROOT "<btid>no-at-sign</btid><lifetime>2004-01-08T11:13:17Z</lifetime>" END,
      IMPS_GBA_ERROR_XML_VALUE, "line 1 column 41" },
    { ROOT "<btid>a@b</btid>\n<lifetime>2004-01-08 11:13:17Z</lifetime>" END,
      IMPS_GBA_ERROR_XML_VALUE, "line 2 column 1" },
    { ROOT "<btid>a@b</btid><lifetime>2004-01-08T11:13:17</lifetime>" END,
      IMPS_GBA_ERROR_XML_VALUE, "line 1 column 57" },
    { ROOT "<btid>a@b</btid><lifetime>2003-02-29T11:13:17Z</lifetime>" END,
      IMPS_GBA_ERROR_XML_VALUE, "line 1 column 57" },
    { ROOT "<btid>a@b</btid><lifetime>1969-12-31T23:59:59Z</lifetime>" END,
      IMPS_GBA_ERROR_XML_VALUE, "line 1 column 57" },
    { ROOT "<btid>a@b</btid><lifetime>2004-01-08T24:00:00Z</lifetime>" END,
      IMPS_GBA_ERROR_XML_VALUE, "line 1 column 57" },
    { ROOT GOOD_BODY "<Extension><currenttime>yesterday</currenttime></Extension>" END,
      IMPS_GBA_ERROR_XML_VALUE, "line 1 column 109" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsGbaBootstrappingInfo) info = parse_str (cases[i].xml, &error);
      g_test_message ("case %zu: %s", i, error ? error->message : "(accepted)");
      g_assert_null (info);
      g_assert_error (error, IMPS_GBA_ERROR, (gint) cases[i].code);
      if (strstr (error->message, cases[i].where) == NULL)
        g_error ("case %zu: '%s' does not name %s", i, error->message, cases[i].where);
    }
}

static void
test_limits (void)
{
  g_autoptr (GError) error = NULL;

  /* Size. */
  GString *s = g_string_new (ROOT GOOD_BODY);
  while (s->len <= IMPS_GBA_XML_MAX_SIZE)
    g_string_append (s, "<!-- padding padding padding -->");
  g_string_append (s, END);
  g_assert_null (imps_gba_bootstrapping_info_parse ((const guint8 *) s->str, s->len, &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_LIMIT);
  g_clear_error (&error);
  g_string_free (s, TRUE);

  /* Depth: root at depth 1, so MAX_DEPTH - 1 nested <x> are fine, one more is not. */
  for (guint extra = 0; extra < 2; extra++)
    {
      GString *d = g_string_new (ROOT GOOD_BODY);
      guint n = IMPS_GBA_XML_MAX_DEPTH - 1 + extra;
      for (guint i = 0; i < n; i++)
        g_string_append (d, "<x>");
      for (guint i = 0; i < n; i++)
        g_string_append (d, "</x>");
      g_string_append (d, END);
      g_autoptr (ImpsGbaBootstrappingInfo) info =
        imps_gba_bootstrapping_info_parse ((const guint8 *) d->str, d->len, &error);
      if (extra == 0)
        {
          g_assert_no_error (error);
          g_assert_nonnull (info);
        }
      else
        {
          g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_LIMIT);
          g_assert_nonnull (strstr (error->message, "deeper"));
          g_clear_error (&error);
        }
      g_string_free (d, TRUE);
    }

  /* Element count. */
  GString *e = g_string_new (ROOT GOOD_BODY);
  for (guint i = 0; i < IMPS_GBA_XML_MAX_ELEMENTS; i++)
    g_string_append (e, "<x/>");
  g_string_append (e, END);
  g_assert_null (imps_gba_bootstrapping_info_parse ((const guint8 *) e->str, e->len, &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_LIMIT);
  g_clear_error (&error);
  g_string_free (e, TRUE);

  /* Attributes per element. */
  GString *a = g_string_new (ROOT GOOD_BODY "<x");
  for (guint i = 0; i <= IMPS_GBA_XML_MAX_ATTRIBUTES; i++)
    g_string_append_printf (a, " a%u='1'", i);
  g_string_append (a, "/>" END);
  g_assert_null (imps_gba_bootstrapping_info_parse ((const guint8 *) a->str, a->len, &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_LIMIT);
  g_clear_error (&error);
  g_string_free (a, TRUE);

  /* Name, attribute value and text lengths. */
  g_autofree gchar *long_name = g_strnfill (IMPS_GBA_XML_MAX_NAME + 1, 'n');
  g_autofree gchar *long_value = g_strnfill (IMPS_GBA_XML_MAX_VALUE + 1, 'v');
  g_autofree gchar *x1 = g_strdup_printf (ROOT GOOD_BODY "<%s/>" END, long_name);
  g_autofree gchar *x2 = g_strdup_printf (ROOT GOOD_BODY "<x a='%s'/>" END, long_value);
  g_autofree gchar *x3 = g_strdup_printf (ROOT "<btid>%s@b</btid><lifetime>2004-01-08T11:13:17Z</lifetime>" END,
                                          long_value);
  const gchar *xs[] = { x1, x2, x3 };
  for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
    {
      g_assert_null (parse_str (xs[i], &error));
      g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_LIMIT);
      g_clear_error (&error);
    }

  /* Namespace declarations in scope. */
  GString *n = g_string_new (ROOT GOOD_BODY);
  for (guint i = 0; i <= IMPS_GBA_XML_MAX_NS_BINDINGS / 8; i++)
    {
      g_string_append (n, "<x");
      for (guint j = 0; j < 8; j++)
        g_string_append_printf (n, " xmlns:p%u_%u='urn:%u'", i, j, j);
      g_string_append (n, ">");
    }
  for (guint i = 0; i <= IMPS_GBA_XML_MAX_NS_BINDINGS / 8; i++)
    g_string_append (n, "</x>");
  g_string_append (n, END);
  g_assert_null (imps_gba_bootstrapping_info_parse ((const guint8 *) n->str, n->len, &error));
  g_assert_error (error, IMPS_GBA_ERROR, IMPS_GBA_ERROR_XML_LIMIT);
  g_string_free (n, TRUE);
}

static void
test_datetime (void)
{
  gchar buf[IMPS_GBA_DATETIME_LEN];
  gint64 t = -1;

  /* Values computed by this project (POSIX time of each date). */
  g_assert_true (imps_gba_datetime_format (0, buf));
  g_assert_cmpstr (buf, ==, "1970-01-01T00:00:00Z");
  g_assert_true (imps_gba_datetime_format (951782400, buf));
  g_assert_cmpstr (buf, ==, "2000-02-29T00:00:00Z");
  g_assert_true (imps_gba_datetime_format (G_GINT64_CONSTANT (253402300799), buf));
  g_assert_cmpstr (buf, ==, "9999-12-31T23:59:59Z");
  g_assert_true (imps_gba_datetime_format (G_GINT64_CONSTANT (1767361507), buf));
  g_assert_cmpstr (buf, ==, "2026-01-02T13:45:07Z");
  g_assert_false (imps_gba_datetime_format (G_GINT64_CONSTANT (253402300800), buf));
  g_assert_false (imps_gba_datetime_format (-1, buf));

  g_assert_true (imps_gba_datetime_parse ("2000-02-29T00:00:00Z", 20, &t, NULL));
  g_assert_cmpint (t, ==, 951782400);
  g_assert_true (imps_gba_datetime_parse ("2000-02-29T05:30:00+05:30", 25, &t, NULL));
  g_assert_cmpint (t, ==, 951782400);
  g_assert_true (imps_gba_datetime_parse ("2000-02-28T19:00:00-05:00", 25, &t, NULL));
  g_assert_cmpint (t, ==, 951782400);
  g_assert_false (imps_gba_datetime_parse ("1900-02-29T00:00:00Z", 20, &t, NULL));
  g_assert_false (imps_gba_datetime_parse ("2000-13-01T00:00:00Z", 20, &t, NULL));
  g_assert_false (imps_gba_datetime_parse ("2000-01-01T00:00:00Zx", 21, &t, NULL));
  g_assert_false (imps_gba_datetime_parse ("2000-01-01T00:00:00.Z", 21, &t, NULL));
  g_assert_false (imps_gba_datetime_parse ("2000-01-01T00:00:00+15:00", 25, &t, NULL));

  /* Every day of a leap cycle formats and parses back. */
  for (gint64 d = 0; d < 4 * 366; d += 1)
    {
      gint64 back = -1;
      g_assert_true (imps_gba_datetime_format (G_GINT64_CONSTANT (946684800) + d * 86400 + 4321, buf));
      g_assert_true (imps_gba_datetime_parse (buf, strlen (buf), &back, NULL));
      g_assert_cmpint (back, ==, G_GINT64_CONSTANT (946684800) + d * 86400 + 4321);
    }
}

/* Every seed of the fuzz corpus is a valid body (so the fuzzer starts from
 * inputs that reach the end of the parser). */
static void
test_fuzz_seeds_parse (void)
{
  const gchar *dir = g_test_get_filename (G_TEST_DIST, "..", "fuzz", "gba", "corpus",
                                          "gba-xml", NULL);
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
      g_autoptr (ImpsGbaBootstrappingInfo) info =
        imps_gba_bootstrapping_info_parse ((const guint8 *) data, len, &error);
      if (info == NULL)
        g_error ("seed %s: %s", name, error->message);
    }
  g_assert_cmpuint (n, >=, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gba/xml/vector-body", test_vector_body);
  g_test_add_func ("/gba/xml/round-trip", test_round_trip);
  g_test_add_func ("/gba/xml/accepted", test_accepted_forms);
  g_test_add_func ("/gba/xml/rejected", test_rejected);
  g_test_add_func ("/gba/xml/limits", test_limits);
  g_test_add_func ("/gba/xml/datetime", test_datetime);
  g_test_add_func ("/gba/xml/fuzz-seeds", test_fuzz_seeds_parse);
  return g_test_run ();
}
