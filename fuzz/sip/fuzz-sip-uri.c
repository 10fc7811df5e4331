/* Fuzz target: one URI (sip, sips, tel, other). When it parses, it must
 * build, parse again to an equal URI, and build to the same text; the
 * allocation-free validator must agree with the parser. The same bytes
 * also go through the Via and name-addr parsers, which must not crash. */
#include "sip/imps-sip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const gchar *text = (const gchar *) data;
  ImpsSipUri *uri = imps_sip_uri_parse (text, (gssize) size, NULL);

  if ((uri != NULL) != imps_sip_uri_validate (text, (gssize) size, NULL))
    abort ();
  if (uri != NULL)
    {
      gchar *s1 = imps_sip_uri_to_string (uri);
      ImpsSipUri *again = imps_sip_uri_parse (s1, -1, NULL);
      if (again == NULL && strlen (s1) <= IMPS_SIP_MAX_URI)
        abort ();
      if (again != NULL)
        {
          gchar *s2 = imps_sip_uri_to_string (again);
          if (!imps_sip_uri_equal (uri, again) || strcmp (s1, s2) != 0)
            abort ();
          g_free (s2);
        }
      ImpsSipUri *copy = imps_sip_uri_copy (uri);
      if (!imps_sip_uri_equal (uri, copy))
        abort ();
      imps_sip_uri_free (copy);
      imps_sip_uri_free (again);
      g_free (s1);
      imps_sip_uri_free (uri);
    }

  ImpsSipVia *via = imps_sip_via_parse (text, (gssize) size, NULL);
  if (via != NULL)
    {
      gchar *s = imps_sip_via_to_string (via);
      ImpsSipVia *again = imps_sip_via_parse (s, -1, NULL);
      if (again == NULL || g_strcmp0 (via->branch, again->branch) != 0
          || g_strcmp0 (via->host, again->host) != 0 || via->port != again->port
          || via->rport != again->rport)
        abort ();
      imps_sip_via_free (again);
      g_free (s);
      imps_sip_via_free (via);
    }

  ImpsSipNameAddr *na = imps_sip_name_addr_parse (text, (gssize) size, TRUE, NULL);
  if (na != NULL)
    {
      gchar *s = imps_sip_name_addr_to_string (na);
      ImpsSipNameAddr *again = imps_sip_name_addr_parse (s, -1, TRUE, NULL);
      if (again == NULL && strlen (s) < 800)
        abort ();
      if (again != NULL
          && (again->star != na->star
              || g_strcmp0 (imps_sip_name_addr_get_tag (na), imps_sip_name_addr_get_tag (again)) != 0
              || (!na->star && !imps_sip_uri_equal (na->uri, again->uri))))
        abort ();
      imps_sip_name_addr_free (again);
      g_free (s);
      imps_sip_name_addr_free (na);
    }

  ImpsSipCSeq cseq;
  imps_sip_cseq_parse (text, (gssize) size, &cseq, NULL);
  ImpsSipContentType *ct = imps_sip_content_type_parse (text, (gssize) size, NULL);
  imps_sip_content_type_free (ct);
  return 0;
}
