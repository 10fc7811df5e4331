/* PLACEHOLDER: replaced by the GBA work (ks-naf). */
#include "cli.h"
int cli_tool_ks_naf (int argc, char **argv) { return cli_fail ("tool ks-naf", "not built yet"); }
