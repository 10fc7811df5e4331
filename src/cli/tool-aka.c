/* impsim tool milenage | auts | resync: Milenage and AKA for researchers,
 * printing NAME=HEX lines (src/core/aka, gba.md §2-3). */
#include "cli.h"

#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "imps-secret.h"

#include <string.h>

/* Builds the Milenage context from --k and exactly one of --op / --opc.
 * Prints the reason and returns NULL on a bad argument. */
static ImpsMilenage *
context_from_args (const gchar *cmd, const gchar *k_hex, const gchar *op_hex,
                   const gchar *opc_hex)
{
  guint8 k[16], x[16];
  ImpsMilenage *m = NULL;

  if (op_hex != NULL && opc_hex != NULL)
    {
      cli_usage_error (cmd, "--op and --opc: give one of them, not both");
      return NULL;
    }
  if (op_hex == NULL && opc_hex == NULL)
    {
      cli_usage_error (cmd, "--op or --opc is required (16 bytes of hex)");
      return NULL;
    }
  if (cli_hex_arg (cmd, "--k", k_hex, k, sizeof k)
      && cli_hex_arg (cmd, op_hex ? "--op" : "--opc", op_hex ? op_hex : opc_hex,
                      x, sizeof x))
    m = op_hex ? imps_milenage_new_from_op (k, x) : imps_milenage_new (k, x);
  imps_wipe (k, sizeof k);
  imps_wipe (x, sizeof x);
  return m;
}

static gboolean
no_extra_args (const gchar *cmd, int argc, char **argv)
{
  if (argc > 1)
    {
      cli_usage_error (cmd, "unexpected argument '%s'", argv[1]);
      return FALSE;
    }
  return TRUE;
}

int
cli_tool_milenage (int argc, char **argv)
{
  static const gchar *cmd = "tool milenage";
  g_autofree gchar *k = NULL, *op = NULL, *opc = NULL, *rand_hex = NULL;
  g_autofree gchar *sqn_hex = NULL, *amf_hex = NULL;
  GOptionEntry entries[] = {
    { "k", 0, 0, G_OPTION_ARG_STRING, &k, "subscriber key K (16 bytes)", "HEX" },
    { "op", 0, 0, G_OPTION_ARG_STRING, &op, "operator variant OP (16 bytes); OPc is derived", "HEX" },
    { "opc", 0, 0, G_OPTION_ARG_STRING, &opc, "OPc (16 bytes), instead of --op", "HEX" },
    { "rand", 0, 0, G_OPTION_ARG_STRING, &rand_hex, "RAND (16 bytes)", "HEX" },
    { "sqn", 0, 0, G_OPTION_ARG_STRING, &sqn_hex, "SQN (6 bytes)", "HEX" },
    { "amf", 0, 0, G_OPTION_ARG_STRING, &amf_hex, "AMF (2 bytes)", "HEX" },
    { NULL }
  };
  guint8 rand[16], sqn[6], amf[2], opc_out[16], mac_a[8], mac_s[8], ak_star[6];

  if (!cli_parse_options (cmd, NULL,
        "Runs Milenage (TS 35.206) for one input set and builds AUTN.",
        "Prints OPC, MAC_A (f1), MAC_S (f1* with the given AMF), XRES (f2),\n"
        "CK (f3), IK (f4), AK (f5), AK_STAR (f5*) and\n"
        "AUTN = (SQN xor AK) || AMF || MAC_A, one NAME=HEX line each.\n"
        "Give exactly one of --op and --opc. The MAC-S inside an AUTS uses\n"
        "the dummy AMF 0000 instead: see 'impsim tool auts'.\n\n"
        "Example (TS 35.208 set 1):\n"
        "  impsim tool milenage --k 465b5ce8b199b49faa5f0a2ee238a6bc \\\n"
        "    --op cdc202d5123e20f62b6d676ac72cb318 \\\n"
        "    --rand 23553cbe9637a89d218ae64dae47bf35 --sqn ff9bb4d0b607 --amf b9b9",
        entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (!no_extra_args (cmd, argc, argv))
    return CLI_EXIT_USAGE;

  g_autoptr (ImpsMilenage) m = context_from_args (cmd, k, op, opc);
  if (m == NULL)
    return CLI_EXIT_USAGE;
  if (!cli_hex_arg (cmd, "--rand", rand_hex, rand, sizeof rand)
      || !cli_hex_arg (cmd, "--sqn", sqn_hex, sqn, sizeof sqn)
      || !cli_hex_arg (cmd, "--amf", amf_hex, amf, sizeof amf))
    return CLI_EXIT_USAGE;

  g_auto (ImpsAkaVector) av = { 0 };
  imps_aka_generate_av (m, rand, sqn, amf, &av);
  imps_milenage_f1 (m, rand, sqn, amf, mac_a, mac_s);
  imps_milenage_f5star (m, rand, ak_star);
  imps_milenage_get_opc (m, opc_out);

  cli_print_hex ("OPC", opc_out, 16);
  cli_print_hex ("MAC_A", mac_a, 8);
  cli_print_hex ("MAC_S", mac_s, 8);
  cli_print_hex ("XRES", av.xres, 8);
  cli_print_hex ("CK", av.ck, 16);
  cli_print_hex ("IK", av.ik, 16);
  cli_print_hex ("AK", av.ak, 6);
  cli_print_hex ("AK_STAR", ak_star, 6);
  cli_print_hex ("AUTN", av.autn, 16);
  imps_wipe (opc_out, sizeof opc_out);
  return CLI_EXIT_OK;
}

int
cli_tool_auts (int argc, char **argv)
{
  static const gchar *cmd = "tool auts";
  g_autofree gchar *k = NULL, *op = NULL, *opc = NULL, *rand_hex = NULL;
  g_autofree gchar *sqn_ms_hex = NULL;
  GOptionEntry entries[] = {
    { "k", 0, 0, G_OPTION_ARG_STRING, &k, "subscriber key K (16 bytes)", "HEX" },
    { "opc", 0, 0, G_OPTION_ARG_STRING, &opc, "OPc (16 bytes)", "HEX" },
    { "op", 0, 0, G_OPTION_ARG_STRING, &op, "OP (16 bytes), instead of --opc", "HEX" },
    { "rand", 0, 0, G_OPTION_ARG_STRING, &rand_hex, "RAND of the challenge (16 bytes)", "HEX" },
    { "sqn-ms", 0, 0, G_OPTION_ARG_STRING, &sqn_ms_hex, "SQN_MS, the USIM's highest accepted SQN (6 bytes)", "HEX" },
    { NULL }
  };
  guint8 rand[16], sqn_ms[6], auts[14];

  if (!cli_parse_options (cmd, NULL,
        "Builds the AUTS a USIM sends on a synchronisation failure.",
        "AUTS = (SQN_MS xor AK*) || MAC-S, with AK* = f5*(RAND) and\n"
        "MAC-S = f1*(SQN_MS || RAND || AMF*) for the dummy AMF* = 0000\n"
        "(TS 33.102 6.3.3). Prints AUTS=HEX.",
        entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (!no_extra_args (cmd, argc, argv))
    return CLI_EXIT_USAGE;

  g_autoptr (ImpsMilenage) m = context_from_args (cmd, k, op, opc);
  if (m == NULL)
    return CLI_EXIT_USAGE;
  if (!cli_hex_arg (cmd, "--rand", rand_hex, rand, sizeof rand)
      || !cli_hex_arg (cmd, "--sqn-ms", sqn_ms_hex, sqn_ms, sizeof sqn_ms))
    return CLI_EXIT_USAGE;

  imps_aka_auts (m, rand, sqn_ms, auts);
  cli_print_hex ("AUTS", auts, sizeof auts);
  return CLI_EXIT_OK;
}

int
cli_tool_resync (int argc, char **argv)
{
  static const gchar *cmd = "tool resync";
  g_autofree gchar *k = NULL, *op = NULL, *opc = NULL, *rand_hex = NULL;
  g_autofree gchar *auts_hex = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "k", 0, 0, G_OPTION_ARG_STRING, &k, "subscriber key K (16 bytes)", "HEX" },
    { "opc", 0, 0, G_OPTION_ARG_STRING, &opc, "OPc (16 bytes)", "HEX" },
    { "op", 0, 0, G_OPTION_ARG_STRING, &op, "OP (16 bytes), instead of --opc", "HEX" },
    { "rand", 0, 0, G_OPTION_ARG_STRING, &rand_hex, "RAND of the challenge the AUTS answers (16 bytes)", "HEX" },
    { "auts", 0, 0, G_OPTION_ARG_STRING, &auts_hex, "AUTS from the UE (14 bytes)", "HEX" },
    { NULL }
  };
  guint8 rand[16], auts[14], sqn_ms[6];

  if (!cli_parse_options (cmd, NULL,
        "Checks an AUTS as the HSS does and recovers SQN_MS.",
        "SQN_MS = AUTS[0..5] xor f5*(RAND); MAC-S = AUTS[6..13] must equal\n"
        "f1*(SQN_MS || RAND || 0000). Prints SQN_MS=HEX and exits 0, or\n"
        "exits 1 with a line giving the expected and received MAC-S.",
        entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (!no_extra_args (cmd, argc, argv))
    return CLI_EXIT_USAGE;

  g_autoptr (ImpsMilenage) m = context_from_args (cmd, k, op, opc);
  if (m == NULL)
    return CLI_EXIT_USAGE;
  if (!cli_hex_arg (cmd, "--rand", rand_hex, rand, sizeof rand)
      || !cli_hex_arg (cmd, "--auts", auts_hex, auts, sizeof auts))
    return CLI_EXIT_USAGE;

  if (!imps_aka_resync (m, rand, auts, sqn_ms, &error))
    return cli_fail (cmd, "%s", error->message);
  cli_print_hex ("SQN_MS", sqn_ms, sizeof sqn_ms);
  return CLI_EXIT_OK;
}
