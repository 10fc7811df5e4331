/* Fuzz target: a whole SDP. When it parses, build it, parse the built text
 * again and compare (the second build must equal the first), and run the
 * attribute parsers (a=extmap also built and parsed again, a=rtcp) and the
 * SDES answer over every media section. */
#include "sdp/imps-sdp.h"
#include "sdp/imps-sdes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_media (const ImpsSdp *sdp, ImpsSdpMedia *m, const ImpsSdesPolicy *policy, ImpsRandom *rnd)
{
  GPtrArray *list = imps_sdp_key_mgmt_effective (sdp, m, NULL);
  if (list != NULL)
    {
      gchar *ids = imps_sdp_key_mgmt_ids (list);
      g_free (ids);
      g_ptr_array_unref (list);
    }
  const gchar *v;
  ImpsSdpE2ae e2ae;
  imps_sdp_media_get_e2ae (m, &e2ae, NULL);

  guint id = 0;
  if (imps_sdp_media_find_extmap (sdp, m, "urn:impsim:rtp-hdrext:counter-checksum", &id, NULL)
      && (id < 1 || id > IMPS_SDP_EXTMAP_MAX_ID))
    abort ();
  for (guint i = 0; (v = imps_sdp_media_find_attribute (m, "extmap", i)) != NULL; i++)
    {
      ImpsSdpExtmap e, again;
      if (!imps_sdp_extmap_parse (v, strlen (v), &e, NULL))
        continue;
      gchar *text = imps_sdp_extmap_to_string (&e);
      if (!imps_sdp_extmap_parse (text, strlen (text), &again, NULL) || again.id != e.id
          || again.direction != e.direction || strcmp (again.uri, e.uri) != 0
          || g_strcmp0 (again.attributes, e.attributes) != 0)
        abort ();
      g_free (text);
      imps_sdp_extmap_clear (&again);
      imps_sdp_extmap_clear (&e);
    }

  ImpsSdpRtcp rtcp;
  if (imps_sdp_media_get_rtcp (m, &rtcp, NULL)
      && (rtcp.port == 0 || strlen (rtcp.address) > IMPS_SDP_RTCP_MAX_ADDRESS
          || rtcp.has_address != (rtcp.address[0] != '\0')))
    abort ();

  for (guint i = 0; (v = imps_sdp_media_find_attribute (m, "crypto", i)) != NULL; i++)
    {
      ImpsSdpCrypto *c = imps_sdp_crypto_parse (v, strlen (v), NULL);
      if (c == NULL)
        continue;
      imps_sdes_check_honourable (c, policy, NULL);
      imps_sdp_crypto_free (c);
    }
  ImpsSdpCrypto *a = imps_sdes_answer_new (m, policy, rnd, NULL);
  imps_sdp_crypto_free (a);

  ImpsSdpConnection conn;
  const gchar *cv = imps_sdp_media_connection (sdp, m);
  if (cv == NULL)
    abort ();
  if (imps_sdp_connection_parse (cv, &conn, NULL))
    imps_sdp_connection_clear (&conn);
  else
    abort (); /* the parser accepted this c= line */
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ImpsSdp *sdp = imps_sdp_parse ((const gchar *) data, size, NULL);
  if (sdp == NULL)
    return 0;

  gsize len1 = 0, len2 = 0;
  gchar *text1 = imps_sdp_to_string (sdp, &len1);
  ImpsSdp *again = imps_sdp_parse (text1, len1, NULL);
  if (again == NULL)
    abort ();
  gchar *text2 = imps_sdp_to_string (again, &len2);
  if (len1 != len2 || memcmp (text1, text2, len1) != 0)
    abort ();
  if (imps_sdp_n_media (sdp) != imps_sdp_n_media (again))
    abort ();

  ImpsSdpOrigin o;
  if (!imps_sdp_origin_parse (imps_sdp_find_line (sdp, 'o'), &o, NULL))
    abort ();
  imps_sdp_origin_clear (&o);

  ImpsSdesPolicy policy;
  imps_sdes_policy_init (&policy);
  ImpsRandom *rnd = imps_random_new_seeded (1);
  GPtrArray *list = imps_sdp_key_mgmt_list (sdp, NULL, NULL);
  if (list != NULL)
    g_ptr_array_unref (list);
  for (guint i = 0; i < imps_sdp_n_media (sdp); i++)
    check_media (sdp, imps_sdp_get_media (sdp, i), &policy, rnd);

  imps_random_free (rnd);
  imps_sdp_string_free (text1);
  imps_sdp_string_free (text2);
  imps_sdp_free (again);
  imps_sdp_free (sdp);
  return 0;
}
