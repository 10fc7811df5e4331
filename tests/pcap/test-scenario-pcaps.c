/* The captures of the scenario library, read by Debian's tshark with the
 * MIKEY-TICKET Lua dissector: no malformed frame, and every MIKEY message
 * the run sent (Ua and Zk bodies, a=key-mgmt in SIP) decoded. Skipped, with
 * the reason, only when tshark is not installed (CI installs it). */
#include "imps-test.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static const gchar *source_root;

static gchar *
run_out (const gchar *const *argv, gint *status)
{
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;
  gint ws = 0;
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &ws, &error);
  g_assert_no_error (error);
  *status = WIFEXITED (ws) ? WEXITSTATUS (ws) : -1;
  return out;
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;
  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* MIKEY messages the run sent, from its JSON report: every Ua and Zk
 * message carries one, and so does every SIP message whose SDP has
 * a=key-mgmt. */
static guint
mikey_messages (const gchar *json_path)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, json_path, &error));
  /* The one run of the report (docs/report-json.md). */
  JsonObject *run = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "runs"), 0);
  JsonArray *events = json_object_get_array_member (run, "events");
  guint n = 0;
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const gchar *kind = json_object_get_string_member (e, "kind");
      const gchar *ref = json_object_get_string_member (e, "ref");
      const gchar *summary = json_object_get_string_member (e, "summary");
      if (!g_str_equal (kind, "message"))
        continue;
      if (g_str_equal (ref, "Ua") || g_str_equal (ref, "Zk")
          || (json_object_get_int_member (e, "bytes") > 0 && strstr (summary, "key-mgmt")))
        n++;
    }
  return n;
}

static void
test_scenario (gconstpointer data)
{
  const gchar *name = data;
  g_autofree gchar *tshark = g_find_program_in_path ("tshark");
  if (tshark == NULL)
    {
      g_test_skip ("tshark is not installed (apt-get install tshark)");
      return;
    }
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *scn = g_strdup_printf ("%s/scenarios/%s.scn", source_root, name);
  g_autofree gchar *pcap = g_build_filename (dir, "run.pcap", NULL);
  g_autofree gchar *json = g_build_filename (dir, "run.json", NULL);
  g_autofree gchar *lua = g_strdup_printf ("lua_script:%s/tools/wireshark/mikey_ticket.lua",
                                           source_root);
  gint status = 0;

  const gchar *run[] = { impsim_path, "run", "--quiet", "--pcap", pcap, "--json", json, scn, NULL };
  g_free (run_out (run, &status));
  g_assert_cmpint (status, ==, 0);

  /* No frame is malformed. */
  const gchar *malformed[] = { tshark, "-n", "-r", pcap, "-X", lua, "-Y", "_ws.malformed", NULL };
  g_autofree gchar *bad = run_out (malformed, &status);
  g_assert_cmpint (status, ==, 0);
  if (count_lines (bad) != 0)
    g_error ("%s: malformed frames:\n%s", name, bad);

  /* Every MIKEY message the run sent is decoded by the dissector. */
  const gchar *mikey[] = { tshark, "-n", "-r", pcap, "-X", lua, "-Y", "mikeyticket", "-T", "fields",
                           "-e", "frame.number", NULL };
  g_autofree gchar *frames = run_out (mikey, &status);
  g_assert_cmpint (status, ==, 0);
  guint want = mikey_messages (json);
  g_test_message ("%s: %u MIKEY messages sent, %u frames decoded", name, want, count_lines (frames));
  g_assert_cmpuint (want, >, 0);
  g_assert_cmpuint (count_lines (frames), ==, want);

  g_unlink (pcap);
  g_unlink (json);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-scenario-pcaps PATH-TO-IMPSIM SOURCE-ROOT");
  impsim_path = argv[1];
  source_root = argv[2];
  static const gchar *const scenarios[] = { "demo", "ticket-reuse-restart", "no-agreement" };
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/pcap/scenario/%s", scenarios[i]);
      g_test_add_data_func (path, scenarios[i], test_scenario);
    }
  return g_test_run ();
}
