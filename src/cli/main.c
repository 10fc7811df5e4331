/* impsim: a test network for IMS media plane security (3GPP TS 33.328). */
#include "cli.h"
#include "imps-config.h"
#include "imps-http.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#ifdef IMPS_HAVE_JEMALLOC
/* jemalloc's control interface (jemalloc/jemalloc.h, without that
 * header's declarations of the malloc family): calling it also keeps the
 * library linked, and so the heap in use, with --as-needed. */
int mallctl (const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#endif

static const CliCommand commands[] = {
  { "tool", "researcher's tools: Milenage, AUTS, Ks_NAF, self test", cli_tool },
  { "decode", "decode a MIKEY message (hex, base64, file or stdin)", cli_decode },
  { "run", "run a scenario's script on a virtual clock, with a verdict per step", cli_run },
  { "serve", "start a scenario's network on loopback for outside clients", cli_serve },
  { NULL, NULL, NULL },
};

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* before any thread or TLS connection: GnuTLS's priority string */
  imps_tls_policy_init ();
  /* Every HTTP exchange, Diameter peer and server is a descriptor: a
   * network of thousands of UEs needs more than the usual soft limit of
   * 1,024, so take what the hard limit allows. */
  struct rlimit nofile;
  if (getrlimit (RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max)
    {
      nofile.rlim_cur = nofile.rlim_max;
      setrlimit (RLIMIT_NOFILE, &nofile);
    }

  if (argc >= 2 && strcmp (argv[1], "--version") == 0)
    {
      printf ("impsim %s\n", IMPS_VERSION);
#ifdef IMPS_HAVE_JEMALLOC
      const char *jv = NULL;
      size_t len = sizeof jv;
      if (mallctl ("version", (void *) &jv, &len, NULL, 0) != 0)
        jv = "?";
      printf ("heap: jemalloc %s\n", jv);
#elif defined(__SANITIZE_ADDRESS__)
      printf ("heap: AddressSanitizer's\n");
#else
      printf ("heap: glibc malloc\n");
#endif
      return CLI_EXIT_OK;
    }
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      FILE *out = argc < 2 ? stderr : stdout;
      fprintf (out,
               "Usage: impsim COMMAND [OPTION...]\n\n"
               "A test network for IMS media plane security (3GPP TS 33.328).\n\n"
               "Commands:\n");
      for (const CliCommand *c = commands; c->name; c++)
        fprintf (out, "  %-8s %s\n", c->name, c->summary);
      fprintf (out, "\n  --version  print the version and the heap impsim runs on\n"
               "\nRun 'impsim COMMAND --help' for the options of a command.\n");
      return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
  for (const CliCommand *c = commands; c->name; c++)
    if (strcmp (argv[1], c->name) == 0)
      return c->run (argc - 1, argv + 1);
  fprintf (stderr, "impsim: unknown command '%s' (see 'impsim --help')\n", argv[1]);
  return CLI_EXIT_USAGE;
}
