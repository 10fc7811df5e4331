/* An attack's change to a SIP message (imps_attack_apply): any bytes, under
 * every attack, must give a changed message, the message unchanged, or a
 * note, never a crash or a read past the end. The first input byte picks
 * the attack; a replay is tried with nothing recorded and with a line. */
#include "imps-attack.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const gchar *const attacks[] = {
  "strip a=key-mgmt", "strip a=crypto", "strip security", "replay TRANSFER_INIT",
  "tamper mac", "tamper ticket", "tamper idri", "tamper idrr", "tamper t",
  "steal TRANSFER_INIT", "replay SRTP", "inject SRTP", "tamper flags", "tamper tre",
  "relay TRANSFER_INIT", "decrypt media",
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const gchar *attack = attacks[data[0] % G_N_ELEMENTS (attacks)];
  g_autofree gchar *args = g_str_has_prefix (attack, "decrypt")
                               ? g_strdup_printf ("%s of x by y", attack)
                               : g_str_has_suffix (attack, "SRTP")
                               ? g_strdup_printf ("%s to x", attack)
                               : g_strdup_printf ("%s at pcscf.h.net%s", attack,
                                                  g_str_has_prefix (attack, "steal") ? " for x"
                                                  : g_str_has_prefix (attack, "relay")
                                                      ? " to kms.h.net as kms.x.net"
                                                      : "");
  g_auto (GStrv) argv = g_strsplit (args, " ", -1);
  ImpsAttackSpec *spec = imps_attack_spec_parse ((gint) g_strv_length (argv), argv, NULL);
  g_assert (spec != NULL);
  GBytes *msg = g_bytes_new (data + 1, size - 1);
  for (guint i = 0; i < 2; i++)
    {
      gchar *note = NULL, *record = NULL;
      GBytes *out = imps_attack_apply (spec, msg, i ? "a=key-mgmt:mikey AQID" : NULL, &record,
                                       &note);
      if (out)
        g_bytes_unref (out);
      g_free (note);
      g_free (record);
    }
  g_bytes_unref (msg);
  imps_attack_spec_free (spec);
  return 0;
}
