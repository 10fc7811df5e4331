/* Fuzz target: one a=crypto value (the text after "a=crypto:"). When it
 * parses, build it, parse the built text again and compare the builds; run
 * the profile §5 check on it. */
#include "sdp/imps-sdes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ImpsSdpCrypto *c = imps_sdp_crypto_parse ((const gchar *) data, size, NULL);
  if (c == NULL)
    return 0;

  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  imps_sdes_check_honourable (c, &policy, NULL);

  gchar *text1 = imps_sdp_crypto_to_string (c);
  ImpsSdpCrypto *again = imps_sdp_crypto_parse (text1, strlen (text1), NULL);
  if (again == NULL)
    abort ();
  gchar *text2 = imps_sdp_crypto_to_string (again);
  if (strcmp (text1, text2) != 0)
    abort ();
  if (again->tag != c->tag || again->suite != c->suite || again->n_keys != c->n_keys
      || again->n_params != c->n_params)
    abort ();
  for (guint i = 0; i < c->n_keys; i++)
    if (again->keys[i].key_salt_len != c->keys[i].key_salt_len
        || memcmp (again->keys[i].key_salt, c->keys[i].key_salt, c->keys[i].key_salt_len) != 0
        || again->keys[i].lifetime != c->keys[i].lifetime
        || again->keys[i].mki_value != c->keys[i].mki_value
        || again->keys[i].mki_len != c->keys[i].mki_len)
      abort ();

  imps_sdp_string_free (text1);
  imps_sdp_string_free (text2);
  imps_sdp_crypto_free (again);
  imps_sdp_crypto_free (c);
  return 0;
}
