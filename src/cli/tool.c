#include "cli.h"

static const CliCommand tools[] = {
  { "milenage", "Milenage f1-f5*, OPc and AUTN for one input set", cli_tool_milenage },
  { "auts", "AUTS for a synchronisation failure (UE side)", cli_tool_auts },
  { "resync", "check AUTS and recover SQN_MS (HSS side)", cli_tool_resync },
  { "ks-naf", "Ks_NAF from Ks, RAND, IMPI and NAF_Id (TS 33.220)", cli_tool_ks_naf },
  { "srtp-decrypt", "a capture with SRTP/SRTCP replaced by RTP/RTCP, from a key log", cli_tool_srtp_decrypt },
  { "ticket-request", "build a Ua REQUEST_INIT_PSK for an outside client, or read its answer", cli_tool_ticket_request },
  { "ticket-resolve", "build a Ua RESOLVE_INIT_PSK for a TRANSFER_INIT, or read its answer", cli_tool_ticket_resolve },
  { "selftest", "run every known-answer test compiled into impsim", cli_tool_selftest },
  { NULL, NULL, NULL },
};

int
cli_tool (int argc, char **argv)
{
  return cli_dispatch ("tool", tools, argc, argv);
}
