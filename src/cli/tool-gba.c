/* impsim tool ks-naf: Ks_NAF from Ks, RAND, IMPI and NAF_Id (TS 33.220
 * Annex B; gba.md §7.2, §7.3). */
#include "cli.h"
#include "gba/imps-gba.h"
#include "imps-secret.h"

#include <stdio.h>
#include <string.h>

#define CMD "tool ks-naf"

int
cli_tool_ks_naf (int argc, char **argv)
{
  g_autofree gchar *ks_hex = NULL, *rand_hex = NULL, *impi = NULL, *fqdn = NULL,
                   *ua_hex = NULL;
  gboolean gba_u = FALSE;
  GOptionEntry entries[] = {
    { "ks", 0, 0, G_OPTION_ARG_STRING, &ks_hex, "Ks = CK || IK (32 bytes of hex)", "HEX" },
    { "rand", 0, 0, G_OPTION_ARG_STRING, &rand_hex, "RAND of the bootstrapping (16 bytes of hex)", "HEX" },
    { "impi", 0, 0, G_OPTION_ARG_STRING, &impi, "the private identity (IMPI)", "ID" },
    { "naf-fqdn", 0, 0, G_OPTION_ARG_STRING, &fqdn, "FQDN of the NAF as the UE uses it", "FQDN" },
    { "ua-id", 0, 0, G_OPTION_ARG_STRING, &ua_hex,
      "Ua security protocol id (5 bytes of hex; default 0100000006, the KMS)", "HEX" },
    { "gba-u", 0, 0, G_OPTION_ARG_NONE, &gba_u,
      "derive Ks_int_NAF (P0 \"gba-u\") instead of Ks_NAF (\"gba-me\")", NULL },
    G_OPTION_ENTRY_NULL
  };
  guint8 rand[IMPS_GBA_RAND_LEN], ua[IMPS_GBA_UA_ID_LEN];
  g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
  g_auto (ImpsGbaKey) out = IMPS_GBA_KEY_INIT;
  g_autoptr (GError) error = NULL;

  if (!cli_parse_options (CMD, NULL,
                          "Derives Ks_NAF = KDF(Ks, \"gba-me\", RAND, IMPI, NAF_Id) with\n"
                          "NAF_Id = FQDN || Ua id (TS 33.220 B.3, H.3) and prints\n"
                          "NAF_ID=HEX and KS_NAF=HEX (KS_INT_NAF=HEX with --gba-u).",
                          "Example (gba.md §12.2):\n"
                          "  impsim tool ks-naf --ks b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441 \\\n"
                          "    --rand 23553cbe9637a89d218ae64dae47bf35 --impi user1_private@home1.net \\\n"
                          "    --naf-fqdn kms.home1.net",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    return cli_usage_error (CMD, "unexpected argument '%s'", argv[1]);
  gboolean ks_ok = cli_hex_arg (CMD, "--ks", ks_hex, ks.bytes, IMPS_GBA_KEY_LEN);
  if (ks_hex != NULL)
    imps_wipe (ks_hex, strlen (ks_hex));
  if (!ks_ok || !cli_hex_arg (CMD, "--rand", rand_hex, rand, sizeof rand))
    return CLI_EXIT_USAGE;
  if (impi == NULL || impi[0] == '\0')
    return cli_usage_error (CMD, "--impi is required (the private identity)");
  /* KDF strings are UTF-8 in NFKC (33.220 B.2.1.2, gba.md §7.1); ASCII
   * is unchanged by it. */
  if (!g_utf8_validate (impi, -1, NULL))
    return cli_usage_error (CMD, "--impi is not UTF-8");
  g_autofree gchar *impi_nfkc = g_utf8_normalize (impi, -1, G_NORMALIZE_NFKC);
  g_free (impi);
  impi = g_steal_pointer (&impi_nfkc);
  if (strlen (impi) > IMPS_GBA_KDF_MAX_PARAM_LEN)
    return cli_usage_error (CMD, "--impi is longer than %d bytes", IMPS_GBA_KDF_MAX_PARAM_LEN);
  if (fqdn == NULL || fqdn[0] == '\0')
    return cli_usage_error (CMD, "--naf-fqdn is required (the NAF's FQDN)");
  if (ua_hex != NULL)
    {
      if (!cli_hex_arg (CMD, "--ua-id", ua_hex, ua, sizeof ua))
        return CLI_EXIT_USAGE;
    }
  else
    memcpy (ua, IMPS_GBA_UA_ID_IMS_MEDIA, sizeof ua);

  g_autoptr (GBytes) naf_id = imps_gba_naf_id_new (fqdn, ua);
  gsize naf_len = 0;
  const guint8 *naf = g_bytes_get_data (naf_id, &naf_len);
  if (!imps_gba_ks_naf_for_naf_id (gba_u ? IMPS_GBA_NAF_KEY_INT : IMPS_GBA_NAF_KEY_ME,
                                   &ks, rand, impi, strlen (impi), naf, naf_len,
                                   &out, &error))
    return cli_usage_error (CMD, "--naf-fqdn: %s", error->message);

  cli_print_hex ("NAF_ID", naf, naf_len);
  cli_print_hex (gba_u ? "KS_INT_NAF" : "KS_NAF", out.bytes, IMPS_GBA_KEY_LEN);
  return CLI_EXIT_OK;
}
