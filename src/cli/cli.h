/* impsim command line: shared helpers and the entry points of each command.
 *
 * Exit codes: 0 success; 1 the operation ran and failed (a check did not
 * hold, a verification failed); 2 bad arguments.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef int (*CliCommandFunc) (int argc, char **argv);

typedef struct {
  const gchar *name;
  const gchar *summary;
  CliCommandFunc run;
} CliCommand;

/* Prints "impsim <cmd>: <message>" on stderr and returns CLI_EXIT_USAGE. */
int cli_usage_error (const gchar *cmd, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Prints "impsim <cmd>: <message>" on stderr and returns CLI_EXIT_FAIL. */
int cli_fail (const gchar *cmd, const gchar *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Parses the options of a sub-command. On error prints a one-line reason
 * and returns FALSE (the caller exits with CLI_EXIT_USAGE). --help prints
 * the help and exits 0. */
gboolean cli_parse_options (const gchar *cmd, const gchar *parameter_string,
                            const gchar *summary, const gchar *description,
                            GOptionEntry *entries, int *argc, char ***argv);

/* Checks that a required option was given and is @len bytes of hex.
 * @name is the option as written, e.g. "--k". Returns FALSE after printing
 * the reason. */
gboolean cli_hex_arg (const gchar *cmd, const gchar *name, const gchar *value,
                      guint8 *out, gsize len);

/* Runs a table of sub-commands: argv[0] is the group name. */
int cli_dispatch (const gchar *group, const CliCommand *commands,
                  int argc, char **argv);

/* Prints NAME=HEX on stdout. */
void cli_print_hex (const gchar *name, const guint8 *data, gsize len);

/* Prints every event of @log as it is added: one line each, virtual time,
 * reference point, from -> to, summary, and the reason of a refusal. */
struct _ImpsEventLog;
void cli_print_events (struct _ImpsEventLog *log);
/* A decoded tree as text, one field a line; labels and values (which
 * carry what a capture or file held) with control characters escaped. */
struct _ImpsMikeyField;
void cli_print_fields (const struct _ImpsMikeyField *root);

/* Commands. */
int cli_tool (int argc, char **argv);
int cli_decode (int argc, char **argv);
int cli_serve (int argc, char **argv);
int cli_run (int argc, char **argv);

int cli_tool_selftest (int argc, char **argv);
int cli_tool_milenage (int argc, char **argv);
int cli_tool_auts (int argc, char **argv);
int cli_tool_resync (int argc, char **argv);
int cli_tool_ks_naf (int argc, char **argv);
int cli_tool_srtp_decrypt (int argc, char **argv);
int cli_tool_ticket_request (int argc, char **argv);
int cli_tool_ticket_resolve (int argc, char **argv);

G_END_DECLS
