/* impsim run's reports as CI reads them: the JUnit XML parsed with a real
 * XML parser (GMarkup) and checked element by element and attribute by
 * attribute against the shape Jenkins and GitLab read; the JSON validated
 * against docs/report.schema.json; several files with one exit status; the
 * progress line only on a terminal or when asked. */
#include "imps-test.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

static const gchar *impsim_path;
static const gchar *scenarios;
static const gchar *schema_path;
static gchar *tmpdir;

typedef ImpsTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, imps_test_run_clear)

static void
run (Run *r, const gchar *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) "run");
  for (const gchar *const *a = args; *a; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  /* In the sanitizer pass, runs of library scenarios (whose Zk loads
   * GnuTLS) keep ASan and UBSan but not LeakSanitizer, which cannot stop
   * the world at their exit (as in tests/scenario); runs of this test's own
   * scenarios, which have no Zk, keep it, so the report writers are
   * checked for leaks. */
  g_auto (GStrv) env = g_get_environ ();
  const gchar *asan = g_getenv ("ASAN_OPTIONS");
  gboolean zk = FALSE;
  for (const gchar *const *a = args; *a; a++)
    zk |= g_str_has_prefix (*a, scenarios);
  if (asan && zk)
    {
      g_autofree gchar *opts = g_strconcat (asan, ":detect_leaks=0", NULL);
      env = g_environ_setenv (env, "ASAN_OPTIONS", opts, TRUE);
    }
  /* stdout and stderr are pipes here: no terminal. */
  imps_test_run_argv_env (r, impsim_path, (const gchar *const *) argv->pdata, env);
  g_assert_cmpint (r->status, >=, 0);
}

static gchar *
write_scenario (const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static gchar *
library (const gchar *name)
{
  return g_build_filename (scenarios, name, NULL);
}

#define NET1 "[scenario]\nseed = 3\n[operator h]\nnumber = 1\ndomain = h.net\nnodes = hss; bsf\n" \
  "[subscriber a]\noperator = h\nimpi = a@h.net\nimpu = sip:a@h.net\n" \
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n"

#define IMS "[operator h]\nnumber = 1\ndomain = h.net\n" \
  "[subscriber a]\noperator = h\nimpi = a@h.net\nimpu = sip:a@h.net\n" \
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n" \
  "[subscriber b]\noperator = h\nimpi = b@h.net\nimpu = sip:b@h.net\n" \
  "k = fec86ba6eb707ed08905757b1bb44b8f\nopc = 1006020f0a478bf6b699f15c062e42b3\n"

/* Lines of the scripts below, counted from the text. */
static guint
line_of (const gchar *text, const gchar *needle)
{
  const gchar *at = strstr (text, needle);
  g_assert_nonnull (at);
  guint line = 1;
  for (const gchar *p = text; p < at; p++)
    line += *p == '\n';
  return line;
}

static guint
line_of_last (const gchar *text, const gchar *needle)
{
  const gchar *at = g_strrstr (text, needle);
  g_assert_nonnull (at);
  guint line = 1;
  for (const gchar *p = text; p < at; p++)
    line += *p == '\n';
  return line;
}

static JsonObject *run_of (JsonNode *root, guint i);

static const gchar *pass_text = NET1 "[script]\nbootstrap = a\nexpect = ok\n";
/* expect ok passes; expect fail fails; hangup a fails on its own (no call)
 * and the verdicts after it are skipped. The name needs escaping. */
static const gchar *mixed_text = "[scenario]\nname = mixed & <odd> \"one\"\nseed = 5\n" IMS
  "[script]\nregister = a\nexpect = ok\nexpect = fail\nhangup = a\nregister = b\nexpect = ok\n";
static const gchar *bad_text = NET1 "[script]\nbootstrap = a\nbootstrap = nobody\n";

/* ---- a small tree from GMarkup ---- */

typedef struct Node Node;
struct Node {
  gchar *name;
  GHashTable *attrs;     /* name -> value */
  GPtrArray *children;   /* Node* */
  GString *text;
  Node *parent;
};

static void
node_free (gpointer p)
{
  Node *n = p;
  g_free (n->name);
  g_hash_table_unref (n->attrs);
  g_ptr_array_unref (n->children);
  g_string_free (n->text, TRUE);
  g_free (n);
}

typedef struct {
  Node *root;
  Node *cur;
} Tree;

static void
on_start (GMarkupParseContext *c, const gchar *name, const gchar **an, const gchar **av,
          gpointer data, GError **error)
{
  Tree *t = data;
  Node *n = g_new0 (Node, 1);
  n->name = g_strdup (name);
  n->attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  n->children = g_ptr_array_new_with_free_func (node_free);
  n->text = g_string_new (NULL);
  for (guint i = 0; an[i]; i++)
    g_hash_table_insert (n->attrs, g_strdup (an[i]), g_strdup (av[i]));
  n->parent = t->cur;
  if (t->cur)
    g_ptr_array_add (t->cur->children, n);
  else
    t->root = n;
  t->cur = n;
}

static void
on_end (GMarkupParseContext *c, const gchar *name, gpointer data, GError **error)
{
  Tree *t = data;
  t->cur = t->cur->parent;
}

static void
on_text (GMarkupParseContext *c, const gchar *text, gsize len, gpointer data, GError **error)
{
  Tree *t = data;
  if (t->cur)
    g_string_append_len (t->cur->text, text, (gssize) len);
}

static Node *
parse_xml (const gchar *path)
{
  g_autofree gchar *xml = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &xml, &len, NULL));
  GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  Tree t = { NULL, NULL };
  g_autoptr (GError) error = NULL;
  GMarkupParseContext *c = g_markup_parse_context_new (&parser, 0, &t, NULL);
  gboolean ok = g_markup_parse_context_parse (c, xml, (gssize) len, &error)
                && g_markup_parse_context_end_parse (c, &error);
  g_markup_parse_context_free (c);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_nonnull (t.root);
  return t.root;
}

static const gchar *
attr (Node *n, const gchar *name)
{
  return g_hash_table_lookup (n->attrs, name);
}

/* Every attribute of @n is in @allowed, and every one of @required is
 * there (NULL-terminated lists). */
static void
check_attrs (Node *n, const gchar *const *allowed, const gchar *const *required)
{
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, n->attrs);
  while (g_hash_table_iter_next (&it, &k, NULL))
    if (!g_strv_contains (allowed, k))
      g_error ("<%s> has attribute %s, which the JUnit shape does not have", n->name,
               (const gchar *) k);
  for (guint i = 0; required[i]; i++)
    if (attr (n, required[i]) == NULL)
      g_error ("<%s> lacks attribute %s", n->name, required[i]);
}

static guint64
uint_attr (Node *n, const gchar *name)
{
  const gchar *v = attr (n, name);
  g_assert_nonnull (v);
  guint64 out = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT64, &out, &error));
  return out;
}

/* Seconds as "N.NNN": digits, a point, three digits. */
static void
check_seconds (Node *n, const gchar *name)
{
  const gchar *v = attr (n, name);
  g_assert_nonnull (v);
  g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]{3}$", v, 0, 0));
}

static Node *
child (Node *n, const gchar *name)
{
  for (guint i = 0; i < n->children->len; i++)
    {
      Node *c = g_ptr_array_index (n->children, i);
      if (g_str_equal (c->name, name))
        return c;
    }
  return NULL;
}

static const gchar *
property (Node *suite, const gchar *name)
{
  Node *props = child (suite, "properties");
  g_assert_nonnull (props);
  for (guint i = 0; i < props->children->len; i++)
    {
      Node *p = g_ptr_array_index (props->children, i);
      if (g_str_equal (attr (p, "name"), name))
        return attr (p, "value");
    }
  return NULL;
}

static Node *
testcase (Node *suite, const gchar *name)
{
  for (guint i = 0; i < suite->children->len; i++)
    {
      Node *c = g_ptr_array_index (suite->children, i);
      if (g_str_equal (c->name, "testcase") && g_str_equal (attr (c, "name"), name))
        return c;
    }
  g_error ("no test case '%s' in suite '%s'", name, attr (suite, "name"));
  return NULL;
}

/* The shape: testsuites > testsuite > properties? testcase* system-out?,
 * testcase > (failure | error | skipped)? system-out?, with the attributes
 * of Jenkins' JUnit schema and GitLab's parser, and counts that add up. */
static void
check_suite (Node *s)
{
  static const gchar *const suite_attrs[] = { "name", "tests", "failures", "errors", "skipped",
                                              "time", "timestamp", "hostname", "id", "package",
                                              "file", NULL };
  static const gchar *const case_attrs[] = { "name", "classname", "time", "file", "line", NULL };
  static const gchar *const case_required[] = { "name", "classname", "time", "file", NULL };
  static const gchar *const outcome_attrs[] = { "type", "message", NULL };
  static const gchar *const skipped_attrs[] = { "message", NULL };
  static const gchar *const property_attrs[] = { "name", "value", NULL };

  g_assert_cmpstr (s->name, ==, "testsuite");
  check_attrs (s, suite_attrs, suite_attrs);
  check_seconds (s, "time");
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
                                       attr (s, "timestamp"), 0, 0));
  g_assert_cmpuint (strlen (attr (s, "hostname")), >, 0);
  g_assert_cmpstr (attr (s, "package"), ==, "impsim");

  guint tests = 0, failures = 0, errors = 0, skipped = 0, stage = 0;
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < s->children->len; i++)
    {
      Node *c = g_ptr_array_index (s->children, i);
      if (g_str_equal (c->name, "properties"))
        {
          g_assert_cmpuint (i, ==, 0);
          for (guint k = 0; k < c->children->len; k++)
            {
              Node *p = g_ptr_array_index (c->children, k);
              g_assert_cmpstr (p->name, ==, "property");
              check_attrs (p, property_attrs, property_attrs);
              g_assert_cmpuint (p->children->len, ==, 0);
            }
          continue;
        }
      if (g_str_equal (c->name, "system-out"))
        {
          stage = 2; /* nothing but the end after it */
          g_assert_cmpuint (c->children->len, ==, 0);
          continue;
        }
      g_assert_cmpstr (c->name, ==, "testcase");
      g_assert_cmpuint (stage, <, 2);
      stage = 1;
      tests++;
      check_attrs (c, case_attrs, case_required);
      check_seconds (c, "time");
      g_assert_cmpstr (attr (c, "classname"), ==, attr (s, "name"));
      g_assert_cmpstr (attr (c, "file"), ==, attr (s, "file"));
      if (attr (c, "line"))
        g_assert_cmpuint (uint_attr (c, "line"), >, 0);
      g_assert_false (g_hash_table_contains (names, attr (c, "name")));
      g_hash_table_add (names, (gpointer) attr (c, "name"));
      guint outcomes = 0;
      for (guint k = 0; k < c->children->len; k++)
        {
          Node *o = g_ptr_array_index (c->children, k);
          g_assert_cmpuint (o->children->len, ==, 0);
          if (g_str_equal (o->name, "system-out"))
            continue;
          outcomes++;
          if (g_str_equal (o->name, "failure") || g_str_equal (o->name, "error"))
            {
              check_attrs (o, outcome_attrs, outcome_attrs);
              g_assert_cmpuint (strlen (attr (o, "type")), >, 0);
              g_assert_cmpuint (strlen (attr (o, "message")), >, 0);
              /* The reason and the values as text too. */
              g_assert_nonnull (strstr (o->text->str, attr (o, "message")));
              failures += g_str_equal (o->name, "failure");
              errors += g_str_equal (o->name, "error");
            }
          else
            {
              g_assert_cmpstr (o->name, ==, "skipped");
              check_attrs (o, skipped_attrs, skipped_attrs);
              skipped++;
            }
        }
      g_assert_cmpuint (outcomes, <=, 1);
    }
  g_assert_cmpuint (uint_attr (s, "tests"), ==, tests);
  g_assert_cmpuint (uint_attr (s, "failures"), ==, failures);
  g_assert_cmpuint (uint_attr (s, "errors"), ==, errors);
  g_assert_cmpuint (uint_attr (s, "skipped"), ==, skipped);
  /* The properties CI needs to repeat a run. */
  g_assert_cmpstr (property (s, "file"), ==, attr (s, "file"));
  g_assert_cmpstr (property (s, "impsim_version"), !=, NULL);
}

static void
test_junit (void)
{
  g_autofree gchar *pass = write_scenario ("pass.scn", pass_text);
  g_autofree gchar *mixed = write_scenario ("mixed.scn", mixed_text);
  g_autofree gchar *bad = write_scenario ("bad.scn", bad_text);
  g_autofree gchar *demo = library ("demo.scn");
  g_autofree gchar *xml = g_build_filename (tmpdir, "r.xml", NULL);
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", "--junit", xml, pass, mixed, bad, demo, NULL });
  /* An invalid file wins over a failed verdict. */
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "nobody"));
  g_assert_nonnull (strstr (r.out, "4 scenario files: "));

  Node *root = parse_xml (xml);
  static const gchar *const root_attrs[] = { "name", "tests", "failures", "errors", "time", NULL };
  g_assert_cmpstr (root->name, ==, "testsuites");
  check_attrs (root, root_attrs, root_attrs);
  g_assert_cmpuint (root->children->len, ==, 4);
  guint64 tests = 0, failures = 0, errors = 0;
  for (guint i = 0; i < root->children->len; i++)
    {
      Node *s = g_ptr_array_index (root->children, i);
      check_suite (s);
      g_assert_cmpuint (uint_attr (s, "id"), ==, i);
      tests += uint_attr (s, "tests");
      failures += uint_attr (s, "failures");
      errors += uint_attr (s, "errors");
    }
  g_assert_cmpuint (uint_attr (root, "tests"), ==, tests);
  g_assert_cmpuint (uint_attr (root, "failures"), ==, failures);
  g_assert_cmpuint (uint_attr (root, "errors"), ==, errors);

  /* pass.scn: its seed, its virtual time (not a wall-clock one). */
  Node *s0 = g_ptr_array_index (root->children, 0);
  g_assert_cmpstr (attr (s0, "file"), ==, pass);
  g_assert_cmpstr (property (s0, "seed"), ==, "3");
  g_assert_nonnull (property (s0, "virtual_duration"));
  Node *ok = testcase (s0, "bootstrap a: succeeds");
  g_assert_cmpuint (uint_attr (ok, "line"), ==, line_of (pass_text, "expect = ok"));
  g_assert_null (child (ok, "failure"));
  g_assert_nonnull (strstr (child (ok, "system-out")->text->str, "B-TID"));

  /* mixed.scn: the name as written (escaped in the file), a failure with
   * type, message and text, an action that failed on its own, a skip. */
  Node *s1 = g_ptr_array_index (root->children, 1);
  g_assert_cmpstr (attr (s1, "name"), ==, "mixed & <odd> \"one\"");
  g_assert_cmpstr (property (s1, "scenario"), ==, "mixed & <odd> \"one\"");
  g_assert_cmpstr (property (s1, "seed"), ==, "5");
  g_assert_cmpuint (uint_attr (s1, "tests"), ==, 4);
  Node *f = testcase (s1, "register a: fails");
  g_assert_cmpuint (uint_attr (f, "line"), ==, line_of (mixed_text, "expect = fail"));
  Node *failure = child (f, "failure");
  g_assert_nonnull (failure);
  g_assert_cmpstr (attr (failure, "type"), ==, "expect fail");
  g_assert_true (g_str_has_prefix (attr (failure, "message"), "expected register a to fail"));
  g_assert_nonnull (strstr (failure->text->str, "expect = fail"));
  Node *h = testcase (s1, "hangup a: succeeds");
  g_assert_cmpstr (attr (child (h, "failure"), "type"), ==, "hangup");
  g_assert_nonnull (strstr (attr (child (h, "failure"), "message"), "no established call"));
  Node *sk = testcase (s1, "register b: succeeds");
  g_assert_cmpuint (uint_attr (sk, "line"), ==, line_of_last (mixed_text, "expect = ok"));
  g_assert_true (g_str_has_prefix (attr (child (sk, "skipped"), "message"), "skipped: line "));

  /* bad.scn: an error test case that names the reason and the line. */
  Node *s2 = g_ptr_array_index (root->children, 2);
  g_assert_cmpuint (uint_attr (s2, "errors"), ==, 1);
  Node *e = testcase (s2, "the scenario file is valid");
  Node *error = child (e, "error");
  g_assert_cmpstr (attr (error, "type"), ==, "invalid scenario file");
  g_assert_nonnull (strstr (attr (error, "message"), "nobody"));
  g_assert_cmpuint (uint_attr (e, "line"), ==, line_of (bad_text, "bootstrap = nobody"));

  /* demo.scn: names that say what was checked. */
  Node *s3 = g_ptr_array_index (root->children, 3);
  g_assert_cmpstr (attr (s3, "name"), ==, "demo");
  g_assert_cmpuint (uint_attr (s3, "failures"), ==, 0);
  testcase (s3, "alice -> bob mikey-ticket: media both ways");
  testcase (s3, "alice -> bob mikey-ticket: pcscf.home1.net cannot read the media keys");
  testcase (s3, "alice -> bob mikey-ticket: a Zk message");
  testcase (s3, "alice -> bob sdes-e2ae: pcscf.home1.net can read the media keys");
  g_assert_nonnull (strstr (child (s3, "system-out")->text->str, "could read the media keys"));
  node_free (root);
}

/* One exit status for all files: 0 all passed, 1 a verdict failed, 2 an
 * invalid file or bad arguments. */
static void
test_exit_status (void)
{
  g_autofree gchar *pass = write_scenario ("pass.scn", pass_text);
  g_autofree gchar *mixed = write_scenario ("mixed.scn", mixed_text);
  g_autofree gchar *bad = write_scenario ("bad.scn", bad_text);
  g_autofree gchar *svg = g_build_filename (tmpdir, "x.svg", NULL);
  g_autofree gchar *xml = g_build_filename (tmpdir, "never.xml", NULL);
  struct {
    const gchar *args[8];
    gint status;
  } cases[] = {
    { { "-q", pass, pass, NULL }, 0 },
    { { "-q", pass, mixed, NULL }, 1 },
    { { "-q", mixed, pass, NULL }, 1 },
    { { "-q", pass, bad, NULL }, 2 },
    { { "-q", bad, mixed, NULL }, 2 },
    { { "-q", "--svg", svg, pass, pass, NULL }, 2 },
    { { "-q", "--pcap", svg, pass, pass, NULL }, 2 },
    { { "-q", "--state-dir", tmpdir, pass, pass, NULL }, 2 },
    { { "-q", "--progress", "--no-progress", pass, NULL }, 2 },
    { { "-q", "--junit", xml, NULL }, 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) r;
      run (&r, cases[i].args);
      if (r.status != cases[i].status)
        g_error ("case %u: status %d, expected %d: %s", i, r.status, cases[i].status, r.err);
    }
  /* Bad arguments write no report. */
  g_assert_false (g_file_test (xml, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (svg, G_FILE_TEST_EXISTS));
}

/* A file that did not run: its network did not start (exit 1), or its
 * capture cannot be written (bad arguments, exit 2); an error test case
 * and a JSON run that say so. */
static void
test_not_started (void)
{
  g_autofree gchar *pass = write_scenario ("pass.scn", pass_text);
  g_autofree gchar *not_dir = write_scenario ("not-a-folder", "");
  g_autofree gchar *xml = g_build_filename (tmpdir, "ns.xml", NULL);
  g_autofree gchar *json = g_build_filename (tmpdir, "ns.json", NULL);
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", "--state-dir", not_dir, "--junit", xml, "--json", json,
                                    pass, NULL });
  g_assert_cmpint (r.status, ==, 1);
  Node *root = parse_xml (xml);
  Node *s = g_ptr_array_index (root->children, 0);
  check_suite (s);
  Node *error = child (testcase (s, "the network starts"), "error");
  g_assert_cmpstr (attr (error, "type"), ==, "network did not start");
  g_assert_nonnull (strstr (attr (error, "message"), "Not a directory"));
  node_free (root);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, json, NULL));
  g_assert_cmpstr (json_object_get_string_member (run_of (json_parser_get_root (p), 0), "status"), ==,
                   "not-started");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json_parser_get_root (p)),
                                               "not_started"), ==, 1);

  g_auto (Run) c;
  run (&c, (const gchar *const[]) { "-q", "--pcap", tmpdir, "--junit", xml, pass, NULL });
  g_assert_cmpint (c.status, ==, 2);
  root = parse_xml (xml);
  s = g_ptr_array_index (root->children, 0);
  check_suite (s);
  error = child (testcase (s, "the capture file can be written"), "error");
  g_assert_cmpstr (attr (error, "type"), ==, "bad arguments");
  node_free (root);
}

/* ---- JSON Schema ----
 * A validator for the subset of JSON Schema that docs/report.schema.json
 * uses, and only that subset: type (a name or a list of names), required,
 * properties, items (one schema), enum (of strings and integers) and
 * additionalProperties (false). The annotations $schema, title and
 * description are ignored. Any other keyword in the schema fails the test,
 * so the schema cannot use something this validator would skip. */

static gboolean
type_is (JsonNode *v, const gchar *type)
{
  if (g_str_equal (type, "null"))
    return JSON_NODE_HOLDS_NULL (v);
  if (g_str_equal (type, "object"))
    return JSON_NODE_HOLDS_OBJECT (v);
  if (g_str_equal (type, "array"))
    return JSON_NODE_HOLDS_ARRAY (v);
  if (!JSON_NODE_HOLDS_VALUE (v))
    return FALSE;
  GType t = json_node_get_value_type (v);
  if (g_str_equal (type, "string"))
    return t == G_TYPE_STRING;
  if (g_str_equal (type, "integer"))
    return t == G_TYPE_INT64;
  if (g_str_equal (type, "boolean"))
    return t == G_TYPE_BOOLEAN;
  g_error ("schema: unknown type %s", type);
  return FALSE;
}

/* FALSE with *why set when @v does not match @schema. */
static gboolean
validate (JsonObject *schema, JsonNode *v, const gchar *where, gchar **why)
{
  static const gchar *const known[] = { "$schema", "title", "description", "type", "required",
                                        "properties", "items", "enum", "additionalProperties",
                                        NULL };
  g_autoptr (GList) keys = json_object_get_members (schema);
  for (GList *k = keys; k; k = k->next)
    if (!g_strv_contains (known, k->data))
      g_error ("schema at %s: keyword %s is outside the subset this validator implements", where,
               (const gchar *) k->data);

  if (json_object_has_member (schema, "type"))
    {
      JsonNode *t = json_object_get_member (schema, "type");
      gboolean ok = FALSE;
      if (JSON_NODE_HOLDS_ARRAY (t))
        for (guint i = 0; i < json_array_get_length (json_node_get_array (t)); i++)
          ok |= type_is (v, json_array_get_string_element (json_node_get_array (t), i));
      else
        ok = type_is (v, json_node_get_string (t));
      if (!ok)
        {
          g_autofree gchar *types = json_to_string (t, FALSE);
          *why = g_strdup_printf ("%s: not of type %s", where, types);
          return FALSE;
        }
    }
  if (json_object_has_member (schema, "enum"))
    {
      JsonArray *e = json_object_get_array_member (schema, "enum");
      gboolean ok = FALSE;
      for (guint i = 0; i < json_array_get_length (e); i++)
        ok |= json_node_equal (json_array_get_element (e, i), v);
      if (!ok)
        {
          g_autofree gchar *text = json_to_string (v, FALSE);
          *why = g_strdup_printf ("%s: %s is not one of the enum", where, text);
          return FALSE;
        }
    }
  if (JSON_NODE_HOLDS_OBJECT (v))
    {
      JsonObject *o = json_node_get_object (v);
      if (json_object_has_member (schema, "required"))
        {
          JsonArray *req = json_object_get_array_member (schema, "required");
          for (guint i = 0; i < json_array_get_length (req); i++)
            if (!json_object_has_member (o, json_array_get_string_element (req, i)))
              {
                *why = g_strdup_printf ("%s: lacks %s", where, json_array_get_string_element (req, i));
                return FALSE;
              }
        }
      JsonObject *props = json_object_has_member (schema, "properties")
                              ? json_object_get_object_member (schema, "properties") : NULL;
      gboolean closed = json_object_has_member (schema, "additionalProperties")
                        && !json_object_get_boolean_member (schema, "additionalProperties");
      g_autoptr (GList) members = json_object_get_members (o);
      for (GList *m = members; m; m = m->next)
        {
          g_autofree gchar *at = g_strdup_printf ("%s.%s", where, (const gchar *) m->data);
          if (props && json_object_has_member (props, m->data))
            {
              if (!validate (json_object_get_object_member (props, m->data),
                             json_object_get_member (o, m->data), at, why))
                return FALSE;
            }
          else if (closed)
            {
              *why = g_strdup_printf ("%s: not in the schema", at);
              return FALSE;
            }
        }
    }
  if (JSON_NODE_HOLDS_ARRAY (v) && json_object_has_member (schema, "items"))
    {
      JsonArray *a = json_node_get_array (v);
      JsonObject *items = json_object_get_object_member (schema, "items");
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_autofree gchar *at = g_strdup_printf ("%s[%u]", where, i);
          if (!validate (items, json_array_get_element (a, i), at, why))
            return FALSE;
        }
    }
  return TRUE;
}

static JsonObject *
load_schema (JsonParser *p)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, schema_path, &error));
  return json_node_get_object (json_parser_get_root (p));
}

static JsonObject *
run_of (JsonNode *root, guint i)
{
  return json_array_get_object_element (json_object_get_array_member (json_node_get_object (root),
                                                                      "runs"), i);
}

static void
test_json_schema (void)
{
  g_autoptr (JsonParser) sp = json_parser_new ();
  JsonObject *schema = load_schema (sp);
  g_autofree gchar *demo = library ("demo.scn");
  g_autofree gchar *noagree = library ("no-agreement.scn");
  g_autofree gchar *replay = library ("attack-srtp-replay.scn");
  g_autofree gchar *forks = library ("forking-three.scn");
  g_autofree gchar *mixed = write_scenario ("mixed.scn", mixed_text);
  g_autofree gchar *bad = write_scenario ("bad.scn", bad_text);
  g_autofree gchar *json = g_build_filename (tmpdir, "r.json", NULL);
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", "--json", json, demo, noagree, replay, forks, mixed, bad,
                                    NULL });
  g_assert_cmpint (r.status, ==, 2);

  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, json, &error));
  JsonNode *root = json_parser_get_root (p);
  g_autofree gchar *why = NULL;
  if (!validate (schema, root, "$", &why))
    g_error ("the report does not match docs/report.schema.json: %s", why);

  JsonObject *top = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (top, "schema"), ==, "impsim-run-report");
  g_assert_cmpint (json_object_get_int_member (top, "version"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (top, "invalid"), ==, 1);

  /* The seed is a number, the same as its text. */
  JsonObject *d = run_of (root, 0);
  JsonNode *seed = json_object_get_member (d, "seed");
  g_assert_true (JSON_NODE_HOLDS_VALUE (seed) && json_node_get_value_type (seed) == G_TYPE_INT64);
  g_autofree gchar *digits = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (seed));
  g_assert_cmpstr (digits, ==, json_object_get_string_member (d, "seed_text"));

  /* messages_media counts media packets (it counted 4 summary events,
   * not the packets): at least every packet a device verified. */
  JsonObject *c = json_object_get_object_member (d, "counters");
  gint64 packets = json_object_get_int_member (c, "messages_media");
  g_assert_cmpint (packets, ==, json_object_get_int_member (c, "media_rtp_packets")
                                    + json_object_get_int_member (c, "media_rtcp_packets"));
  JsonArray *media = json_object_get_array_member (d, "media");
  g_assert_cmpuint (json_array_get_length (media), ==, 4);
  gint64 verified = 0;
  for (guint i = 0; i < json_array_get_length (media); i++)
    {
      JsonObject *m = json_array_get_object_element (media, i);
      verified += json_object_get_int_member (m, "verified");
      g_assert_cmpint (json_object_get_int_member (m, "received"), >=,
                       json_object_get_int_member (m, "verified"));
    }
  g_assert_cmpint (verified, >, 100);
  g_assert_cmpint (packets, >=, verified);
  g_assert_cmpint (json_object_get_int_member (c, "media_summaries"), ==, 4);
  /* The e2ae call: relayed by the AGW, its P-CSCF the one reader. */
  JsonObject *m2 = json_array_get_object_element (media, 2);
  g_assert_cmpstr (json_object_get_string_member (m2, "protection"), ==, "e2ae");
  g_assert_cmpstr (json_object_get_string_member (m2, "via"), ==, "agw.home1.net");
  JsonArray *calls = json_object_get_array_member (json_object_get_object_member (d, "observer"),
                                                   "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 2);
  JsonObject *ticket = json_array_get_object_element (calls, 0);
  g_assert_cmpstr (json_object_get_string_member (ticket, "security"), ==, "mikey-ticket");
  g_assert_cmpint (json_object_get_int_member (ticket, "readers"), ==, 2);
  JsonArray *nodes = json_object_get_array_member (ticket, "nodes");
  guint kms = 0;
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *n = json_array_get_object_element (nodes, i);
      gboolean is_kms = g_str_equal (json_object_get_string_member (n, "role"), "KMS");
      kms += is_kms;
      g_assert_true (json_object_get_boolean_member (n, "keys") == is_kms);
    }
  g_assert_cmpuint (kms, ==, 2);

  /* The replayed packets of a call the script never hung up. */
  JsonObject *rp = run_of (root, 2);
  JsonArray *rm = json_object_get_array_member (rp, "media");
  JsonObject *attacked = json_array_get_object_element (rm, 2);
  g_assert_cmpstr (json_object_get_string_member (attacked, "to"), ==, "bob");
  g_assert_cmpint (json_object_get_int_member (attacked, "replayed"), >, 0);
  JsonArray *rcalls = json_object_get_array_member (json_object_get_object_member (rp, "observer"),
                                                    "calls");
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (rcalls, 1), "hung_up"));

  /* The verdict's name as in JUnit. */
  JsonObject *step = json_array_get_object_element (json_object_get_array_member (run_of (root, 4),
                                                                                 "steps"), 2);
  g_assert_cmpstr (json_object_get_string_member (step, "title"), ==, "register a: fails");

  /* The invalid file: why, and where. */
  JsonObject *b = run_of (root, 5);
  g_assert_cmpstr (json_object_get_string_member (b, "status"), ==, "invalid");
  JsonObject *berr = json_object_get_object_member (b, "error");
  g_assert_cmpint (json_object_get_int_member (berr, "line"), ==,
                   line_of (bad_text, "bootstrap = nobody"));

  /* The validator can fail: a string seed (the old report's) does not
   * match, and neither does a field the schema does not have. */
  json_object_set_string_member (d, "seed", "33328");
  g_clear_pointer (&why, g_free);
  g_assert_false (validate (schema, root, "$", &why));
  g_assert_nonnull (strstr (why, "$.runs[0].seed: not of type"));
  json_object_set_int_member (d, "seed", 1);
  json_object_set_int_member (c, "messages_rtp", 1);
  g_clear_pointer (&why, g_free);
  g_assert_false (validate (schema, root, "$", &why));
  g_assert_nonnull (strstr (why, "messages_rtp: not in the schema"));
}

/* UDP packets of a capture (classic pcap, raw IPv4, little-endian as
 * impsim writes it) that are not SIP (port 5060): the media frames. */
static guint
pcap_media_frames (const gchar *path)
{
  g_autofree guint8 *d = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, (gchar **) &d, &len, NULL));
  g_assert_cmpuint (len, >=, 24);
  g_assert_cmpuint (d[20] | d[21] << 8, ==, 101); /* DLT_RAW */
  guint n = 0;
  for (gsize off = 24; off + 16 <= len;)
    {
      guint32 incl = d[off + 8] | d[off + 9] << 8 | d[off + 10] << 16 | (guint32) d[off + 11] << 24;
      const guint8 *ip = d + off + 16;
      g_assert_cmpuint (off + 16 + incl, <=, len);
      gsize ihl = incl > 0 ? (gsize) (ip[0] & 0x0f) * 4 : 0;
      if (incl >= 20 && ihl >= 20 && incl >= ihl + 8 && (ip[0] >> 4) == 4 && ip[9] == 17)
        {
          guint sport = ip[ihl] << 8 | ip[ihl + 1], dport = ip[ihl + 2] << 8 | ip[ihl + 3];
          n += sport != 5060 && dport != 5060;
        }
      off += 16 + incl;
    }
  return n;
}

/* messages_media is the number of media packets of the capture (it was 0,
 * later the 4 summary events, with 605 RTP packets in the capture). */
static void
test_json_media_packets (void)
{
  g_autofree gchar *demo = library ("demo.scn");
  g_autofree gchar *json = g_build_filename (tmpdir, "m.json", NULL);
  g_autofree gchar *pcap = g_build_filename (tmpdir, "m.pcap", NULL);
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", "--json", json, "--pcap", pcap, demo, NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, json, NULL));
  JsonObject *c = json_object_get_object_member (run_of (json_parser_get_root (p), 0), "counters");
  guint frames = pcap_media_frames (pcap);
  g_assert_cmpuint (frames, >, 400);
  g_assert_cmpint (json_object_get_int_member (c, "messages_media"), ==, frames);
}

/* The seed is an unsigned 64-bit number, written as a JSON number with
 * every digit even above 2^63 (and as text beside it). */
static void
test_json_big_seed (void)
{
  g_autofree gchar *path = write_scenario ("big.scn", "[scenario]\nseed = 18446744073709551615\n"
                                           "[operator h]\nnumber = 1\ndomain = h.net\nnodes = hss; bsf\n"
                                           "[subscriber a]\noperator = h\nimpi = a@h.net\n"
                                           "impu = sip:a@h.net\nk = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
                                           "opc = cd63cb71954a9f4e48a5994e37a02baf\n"
                                           "[script]\nbootstrap = a\n");
  g_autofree gchar *json = g_build_filename (tmpdir, "big.json", NULL);
  g_autofree gchar *xml = g_build_filename (tmpdir, "big.xml", NULL);
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "-q", "--json", json, "--junit", xml, path, NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"seed\" : 18446744073709551615,\n"));
  g_assert_nonnull (strstr (text, "\"seed_text\" : \"18446744073709551615\","));
  g_assert_null (strstr (text, "\\u0001"));
  g_autofree gchar *x = NULL;
  g_assert_true (g_file_get_contents (xml, &x, NULL, NULL));
  g_assert_nonnull (strstr (x, "<property name=\"seed\" value=\"18446744073709551615\"/>"));
}

/* Same seed, same bytes: the JSON has no wall-clock value. */
static void
test_json_repeatable (void)
{
  g_autofree gchar *replay = library ("attack-srtp-replay.scn");
  g_autofree gchar *mixed = write_scenario ("mixed.scn", mixed_text);
  g_autofree gchar *j1 = g_build_filename (tmpdir, "a.json", NULL);
  g_autofree gchar *j2 = g_build_filename (tmpdir, "b.json", NULL);
  g_auto (Run) a;
  g_auto (Run) b;
  run (&a, (const gchar *const[]) { "-q", "--json", j1, replay, mixed, NULL });
  run (&b, (const gchar *const[]) { "-q", "--json", j2, replay, mixed, NULL });
  g_assert_cmpint (a.status, ==, 1);
  g_autofree gchar *t1 = NULL, *t2 = NULL;
  gsize l1 = 0, l2 = 0;
  g_assert_true (g_file_get_contents (j1, &t1, &l1, NULL));
  g_assert_true (g_file_get_contents (j2, &t2, &l2, NULL));
  g_assert_cmpuint (l1, >, 10000);
  g_assert_true (l1 == l2 && memcmp (t1, t2, l1) == 0);
}

/* The progress line: none when stderr is a pipe, drawn in place with
 * --progress, ending with the last step and the calls done. */
static void
test_progress (void)
{
  g_autofree gchar *path = write_scenario ("calls.scn", "[scenario]\nseed = 9\n" IMS
    "[script]\nregister = a\nregister = b\ncall = a b media=200ms\nexpect = established\n");
  g_auto (Run) piped;
  run (&piped, (const gchar *const[]) { "-q", path, NULL });
  g_assert_cmpint (piped.status, ==, 0);
  g_assert_null (strstr (piped.err, "step "));
  g_assert_null (strchr (piped.err, '\r'));

  g_auto (Run) forced;
  run (&forced, (const gchar *const[]) { "-q", "--progress", path, NULL });
  g_assert_cmpint (forced.status, ==, 0);
  /* Drawn at the start; later states as often as four times a second
   * allows (how many is a matter of wall-clock time, not asserted). */
  g_assert_nonnull (strstr (forced.err, "\r\033[Kcalls.scn: step 0 of 4, calls done 0"));
  g_assert_true (g_regex_match_simple ("^(\r\033\\[K(calls\\.scn: step [0-4] of 4, calls done [01])?)+$",
                                       forced.err, 0, 0));
  /* Taken away at the end; stdout is untouched. */
  g_assert_true (g_str_has_suffix (forced.err, "\r\033[K"));
  g_assert_null (strstr (forced.out, "step "));
  g_assert_cmpstr (forced.out, ==, piped.out);

  /* Several files: which one. */
  g_auto (Run) two;
  run (&two, (const gchar *const[]) { "-q", "--progress", path, path, NULL });
  g_assert_nonnull (strstr (two.err, "\r\033[K[1/2] calls.scn: step 0 of 4, calls done 0"));
  g_assert_true (g_regex_match_simple ("^(\r\033\\[K(\\[[12]/2\\] calls\\.scn: step [0-4] of 4, "
                                       "calls done [01])?)+$", two.err, 0, 0));

  g_auto (Run) never;
  run (&never, (const gchar *const[]) { "-q", "--no-progress", path, NULL });
  g_assert_null (strstr (never.err, "step "));
}

/* --help names every form. */
static void
test_help (void)
{
  g_auto (Run) r;
  run (&r, (const gchar *const[]) { "--help", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "SCENARIO..."));
  g_assert_nonnull (strstr (r.out, "--progress"));
  g_assert_nonnull (strstr (r.out, "--no-progress"));
  g_assert_nonnull (strstr (r.out, "Exit status (one for all files): 0"));

  /* Every verb the script parser knows (its own list, from the error for an
   * unknown verb) is in --help as "VERB =". */
  g_autofree gchar *bad = write_scenario ("verbs.scn", NET1 "[script]\nfrobnicate = a\n");
  g_auto (Run) e;
  run (&e, (const gchar *const[]) { "--quiet", bad, NULL });
  g_assert_cmpint (e.status, ==, 2);
  const gchar *known = strstr (e.err, "unknown verb (known: ");
  g_assert_nonnull (known);
  known += strlen ("unknown verb (known: ");
  const gchar *close = strchr (known, ')');
  g_assert_nonnull (close);
  g_autofree gchar *list = g_strndup (known, (gsize) (close - known));
  g_auto (GStrv) verbs = g_strsplit (list, ", ", -1);
  g_assert_cmpuint (g_strv_length (verbs), >=, 12);
  for (guint i = 0; verbs[i]; i++)
    {
      g_autofree gchar *form = g_strdup_printf ("%s = ", verbs[i]);
      if (strstr (r.out, form) == NULL)
        g_error ("run --help does not show the verb '%s'", verbs[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 4)
    g_error ("usage: test-report PATH-TO-IMPSIM SCENARIOS-DIR SCHEMA");
  impsim_path = argv[1];
  scenarios = argv[2];
  schema_path = argv[3];
  tmpdir = g_dir_make_tmp ("impsim-report-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_test_add_func ("/report/junit", test_junit);
  g_test_add_func ("/report/exit-status", test_exit_status);
  g_test_add_func ("/report/not-started", test_not_started);
  g_test_add_func ("/report/json-schema", test_json_schema);
  g_test_add_func ("/report/json-media-packets", test_json_media_packets);
  g_test_add_func ("/report/json-big-seed", test_json_big_seed);
  g_test_add_func ("/report/json-repeatable", test_json_repeatable);
  g_test_add_func ("/report/progress", test_progress);
  g_test_add_func ("/report/help", test_help);
  int rc = g_test_run ();
  g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (tmpdir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
