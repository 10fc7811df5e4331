/* PLACEHOLDER: replaced by the MIKEY work (impsim decode). */
#include "cli.h"
int cli_decode (int argc, char **argv) { return cli_fail ("decode", "not built yet"); }
