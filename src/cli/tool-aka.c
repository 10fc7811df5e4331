/* PLACEHOLDER: replaced by the AKA work (milenage, auts, resync). */
#include "cli.h"
int cli_tool_milenage (int argc, char **argv) { return cli_fail ("tool milenage", "not built yet"); }
int cli_tool_auts (int argc, char **argv) { return cli_fail ("tool auts", "not built yet"); }
int cli_tool_resync (int argc, char **argv) { return cli_fail ("tool resync", "not built yet"); }
