#include "cli.h"
#include "imps-selftest.h"

#include <stdio.h>

typedef struct {
  gboolean verbose;
} Ctx;

static void
report (const gchar *module, const gchar *name, gboolean ok,
        const gchar *detail, gpointer user_data)
{
  Ctx *ctx = user_data;
  if (!ok)
    printf ("FAIL %s: %s: %s\n", module, name, detail ? detail : "");
  else if (ctx->verbose)
    printf ("ok   %s: %s\n", module, name);
}

int
cli_tool_selftest (int argc, char **argv)
{
  Ctx ctx = { FALSE };
  g_autofree gchar *module = NULL;
  gboolean list = FALSE;
  GOptionEntry entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &ctx.verbose, "Print every test, not only failures", NULL },
    { "module", 'm', 0, G_OPTION_ARG_STRING, &module, "Run only this module's tests", "NAME" },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, "List the modules and exit", NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("tool selftest", NULL,
                          "Runs every known-answer test compiled into impsim and ends with\n"
                          "a line 'N passed, N failed'. Exit status 0 when none failed.",
                          NULL, entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    return cli_usage_error ("tool selftest", "unexpected argument '%s'", argv[1]);
  if (list)
    {
      for (const ImpsSelftestModule *m = imps_selftest_modules; m->name; m++)
        printf ("%s\n", m->name);
      return CLI_EXIT_OK;
    }

  g_autoptr (ImpsSelftest) st = imps_selftest_new (report, &ctx);
  if (!imps_selftest_run (st, module))
    return cli_usage_error ("tool selftest", "--module: no module named '%s' (see --list)",
                            module);
  printf ("%u passed, %u failed\n", imps_selftest_passed (st), imps_selftest_failed (st));
  if (imps_selftest_passed (st) + imps_selftest_failed (st) == 0)
    return cli_fail ("tool selftest", "no known-answer tests are compiled in");
  return imps_selftest_failed (st) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
