#include "cli.h"
#include "imps-event-log.h"
#include "imps-files.h"
#include "imps-hex.h"
#include "mikey/imps-mikey-dump.h"

#include <stdio.h>
#include <string.h>

static int G_GNUC_PRINTF (2, 0)
vreport (const gchar *cmd, const gchar *fmt, va_list ap)
{
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  fprintf (stderr, "impsim %s: %s\n", cmd, msg);
  return 0;
}

int
cli_usage_error (const gchar *cmd, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vreport (cmd, fmt, ap);
  va_end (ap);
  return CLI_EXIT_USAGE;
}

int
cli_fail (const gchar *cmd, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vreport (cmd, fmt, ap);
  va_end (ap);
  return CLI_EXIT_FAIL;
}

gboolean
cli_parse_options (const gchar *cmd, const gchar *parameter_string,
                   const gchar *summary, const gchar *description,
                   GOptionEntry *entries, int *argc, char ***argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (parameter_string);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *prgname = g_strdup_printf ("impsim %s", cmd);

  g_set_prgname (prgname);
  if (summary)
    g_option_context_set_summary (ctx, summary);
  if (description)
    g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      cli_usage_error (cmd, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_hex_arg (const gchar *cmd, const gchar *name, const gchar *value,
             guint8 *out, gsize len)
{
  g_autoptr (GError) error = NULL;

  if (value == NULL)
    {
      cli_usage_error (cmd, "%s is required (%zu bytes of hex)", name, len);
      return FALSE;
    }
  if (!imps_hex_decode_fixed (value, out, len, &error))
    {
      cli_usage_error (cmd, "%s: %s", name, error->message);
      return FALSE;
    }
  return TRUE;
}

int
cli_dispatch (const gchar *group, const CliCommand *commands,
              int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      FILE *out = argc < 2 ? stderr : stdout;
      fprintf (out, "Usage: impsim %s COMMAND [OPTION...]\n\nCommands:\n", group);
      for (const CliCommand *c = commands; c->name; c++)
        fprintf (out, "  %-12s %s\n", c->name, c->summary);
      fprintf (out, "\nRun 'impsim %s COMMAND --help' for the options of a command.\n",
               group);
      return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
  for (const CliCommand *c = commands; c->name; c++)
    if (strcmp (argv[1], c->name) == 0)
      return c->run (argc - 1, argv + 1);
  return cli_usage_error (group, "unknown command '%s' (see 'impsim %s --help')",
                          argv[1], group);
}

void
cli_print_hex (const gchar *name, const guint8 *data, gsize len)
{
  g_autofree gchar *hex = imps_hex_encode (data, len);
  printf ("%s=%s\n", name, hex);
}

static void
print_event (ImpsEventLog *log, const ImpsEvent *e, gpointer data)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (e->time_us / G_USEC_PER_SEC);
  g_autofree gchar *hms = g_date_time_format (t, "%H:%M:%S");
  const gchar *mark = e->kind == IMPS_EVENT_REFUSAL ? "x " : e->kind == IMPS_EVENT_FAILURE ? "! " : "";
  /* Names, summaries and details carry what peers sent (User-Names,
   * URLs, identities): escaped, so none can start a line of its own or
   * drive the terminal. */
  g_autofree gchar *from = imps_escape_text (e->from ? e->from : "?", -1);
  g_autofree gchar *to = e->to ? imps_escape_text (e->to, -1) : NULL;
  g_autofree gchar *summary = imps_escape_text (e->summary ? e->summary : "", -1);
  g_autofree gchar *detail = e->detail ? imps_escape_text (e->detail, -1) : NULL;
  printf ("  %s.%03d %-5s %s%s%s%s: %s%s%s\n", hms, (int) (e->time_us % G_USEC_PER_SEC / 1000),
          imps_ref_point_name (e->ref), mark, from, to ? " -> " : "", to ? to : "",
          summary, detail ? " -- " : "", detail ? detail : "");
  fflush (stdout);
}

void
cli_print_events (struct _ImpsEventLog *log)
{
  imps_event_log_add_listener (log, print_event, NULL);
}

/* Text as it is when it holds no control character and is UTF-8 (the
 * decoders already quote what they recognise), else escaped. */
static void
append_safe (GString *out, const gchar *text)
{
  gboolean clean = g_utf8_validate (text, -1, NULL);
  for (const gchar *p = text; clean && *p; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);
      clean = !(u < 0x20 || (u >= 0x7f && u <= 0x9f));
    }
  if (clean)
    g_string_append (out, text);
  else
    {
      g_autofree gchar *e = imps_escape_text (text, -1);
      g_string_append (out, e);
    }
}

static void
fields_to_text (const ImpsMikeyField *f, guint depth, GString *out)
{
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
  append_safe (out, f->label ? f->label : (f->name ? f->name : ""));
  if (f->value)
    {
      g_string_append (out, ": ");
      append_safe (out, f->value);
    }
  if (f->name)
    g_string_append_printf (out, " [%s]", f->name);
  g_string_append_c (out, '\n');
  if (f->children)
    for (guint i = 0; i < f->children->len; i++)
      fields_to_text (g_ptr_array_index (f->children, i), depth + 1, out);
}

void
cli_print_fields (const ImpsMikeyField *root)
{
  g_autoptr (GString) out = g_string_new (NULL);
  fields_to_text (root, 0, out);
  fputs (out->str, stdout);
}
