/* Helpers shared by the CSCFs: next hops, Via and Route handling, summaries. */
#include "imps-ims-private.h"

#include <arpa/inet.h>
#include <string.h>

#include "imps-crypto.h"
#include "imps-hex.h"

G_DEFINE_QUARK (imps-ims-error-quark, imps_ims_error)

gboolean
ims_is_ipv4 (const gchar *text)
{
  struct in_addr a;
  return text != NULL && strlen (text) < IMS_ADDR_LEN && inet_pton (AF_INET, text, &a) == 1;
}

gboolean
ims_uri_is_hop (const ImpsSipUri *uri, const gchar *addr, guint16 port)
{
  if (uri == NULL || (uri->scheme != IMPS_SIP_URI_SIP && uri->scheme != IMPS_SIP_URI_SIPS)
      || uri->host == NULL)
    return FALSE;
  gint p = uri->port > 0 ? uri->port : IMPS_IMS_SIP_PORT;
  return g_ascii_strcasecmp (uri->host, addr) == 0 && p == port;
}

gboolean
ims_hop_from_uri (const ImpsSipUri *uri, ImsHop *hop)
{
  if (uri == NULL || (uri->scheme != IMPS_SIP_URI_SIP && uri->scheme != IMPS_SIP_URI_SIPS)
      || !ims_is_ipv4 (uri->host))
    return FALSE;
  g_strlcpy (hop->addr, uri->host, sizeof hop->addr);
  hop->port = uri->port > 0 ? (guint16) uri->port : IMPS_IMS_SIP_PORT;
  return TRUE;
}

gboolean
ims_hop_from_via (const ImpsSipVia *via, ImsHop *hop)
{
  const gchar *host = via->received != NULL ? via->received : via->host;
  if (!ims_is_ipv4 (host))
    return FALSE;
  g_strlcpy (hop->addr, host, sizeof hop->addr);
  if (via->rport > 0)
    hop->port = (guint16) via->rport;
  else
    hop->port = via->port > 0 ? (guint16) via->port : IMPS_IMS_SIP_PORT;
  return TRUE;
}

gboolean
ims_pop_own_route (ImpsSipMessage *msg, const gchar *addr, guint16 port)
{
  ImpsSipValueIter it;
  const gchar *v;
  gsize len;

  imps_sip_value_iter_init (&it, msg, "Route");
  if (!imps_sip_value_iter_next (&it, &v, &len))
    return FALSE;
  g_autoptr (ImpsSipNameAddr) na = imps_sip_name_addr_parse (v, (gssize) len, FALSE, NULL);
  if (na == NULL || !ims_uri_is_hop (na->uri, addr, port))
    return FALSE;
  return imps_sip_message_pop_value (msg, "Route");
}

gboolean
ims_next_hop (const ImpsSipMessage *msg, ImsHop *hop)
{
  ImpsSipValueIter it;
  const gchar *v;
  gsize len;

  imps_sip_value_iter_init (&it, msg, "Route");
  if (imps_sip_value_iter_next (&it, &v, &len))
    {
      g_autoptr (ImpsSipNameAddr) na = imps_sip_name_addr_parse (v, (gssize) len, FALSE, NULL);
      return na != NULL && ims_hop_from_uri (na->uri, hop);
    }
  g_autoptr (ImpsSipUri) ruri = imps_sip_message_dup_request_uri (msg, NULL);
  return ruri != NULL && ims_hop_from_uri (ruri, hop);
}

gboolean
ims_top_via_is (const ImpsSipMessage *msg, const gchar *addr, guint16 port, gchar **branch)
{
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (msg, 0, NULL);
  if (via == NULL || via->host == NULL || g_ascii_strcasecmp (via->host, addr) != 0
      || (via->port > 0 ? via->port : IMPS_IMS_SIP_PORT) != port)
    return FALSE;
  if (branch != NULL)
    *branch = g_strdup (via->branch);
  return TRUE;
}

gchar *
ims_derive_branch (const ImpsSipMessage *request, const gchar *addr, guint16 port)
{
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (request, 0, NULL);
  g_autoptr (GString) in = g_string_new (via != NULL && via->branch != NULL ? via->branch : "");
  guint8 md[32];
  gchar hex[33];

  /* A request without a branch (RFC 2543 peers) still gets a stable one
   * from its Call-ID and CSeq number. */
  if (via == NULL || via->branch == NULL)
    {
      ImpsSipCSeq cseq = { 0 };
      imps_sip_message_get_cseq (request, &cseq, NULL);
      g_string_append_printf (in, "%s|%u", imps_sip_message_get_call_id (request), cseq.number);
    }
  g_string_append_printf (in, "|%s|%u", addr, port);
  imps_digest (IMPS_HASH_SHA256, (const guint8 *) in->str, in->len, md);
  for (guint i = 0; i < 16; i++)
    {
      hex[2 * i] = "0123456789abcdef"[md[i] >> 4];
      hex[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
    }
  hex[32] = '\0';
  return g_strconcat (IMPS_SIP_BRANCH_MAGIC, hex, NULL);
}

void
ims_push_via (ImpsSipMessage *msg, const gchar *addr, guint16 port, const gchar *branch)
{
  g_autoptr (ImpsSipVia) via = imps_sip_via_new ("UDP", addr, port, branch);
  imps_sip_message_push_via (msg, via);
}

void
ims_record_route (ImpsSipMessage *msg, const gchar *addr, guint16 port)
{
  ImpsSipUri *uri = imps_sip_uri_new (IMPS_SIP_URI_SIP, NULL, addr, port);
  imps_sip_uri_set_param (uri, "lr", NULL);
  g_autoptr (ImpsSipNameAddr) na = imps_sip_name_addr_new (NULL, uri);
  imps_sip_message_prepend_name_addr (msg, "Record-Route", na);
}

gboolean
ims_in_dialog (const ImpsSipMessage *msg)
{
  gchar tag[128];
  return imps_sip_message_get_to_tag (msg, tag, sizeof tag);
}

gchar *
ims_summary (const ImpsSipMessage *msg)
{
  GString *s = g_string_new (NULL);
  if (imps_sip_message_is_request (msg))
    g_string_append (s, imps_sip_message_get_method (msg));
  else
    {
      ImpsSipCSeq cseq = { 0 };
      g_string_append_printf (s, "%u %s", imps_sip_message_get_status (msg),
                              imps_sip_message_get_reason (msg));
      if (imps_sip_message_get_cseq (msg, &cseq, NULL) && strcmp (cseq.method, "INVITE") != 0)
        g_string_append_printf (s, " (%s)", cseq.method);
    }
  g_autoptr (ImpsSdp) sdp = ims_body_sdp (msg, NULL);
  if (sdp != NULL)
    {
      ImpsImsExposure e = { 0 };
      ims_exposure_note_sdp (&e, sdp);
      g_string_append (s, e.saw_sdes_keys ? " (SDP a=crypto)"
                          : e.saw_key_mgmt ? " (SDP a=key-mgmt)" : " (SDP)");
    }
  return g_string_free (s, FALSE);
}

gboolean
ims_send (ImpsSipBus *bus, ImpsRefPoint ref, const gchar *from_addr, guint16 from_port,
          const ImsHop *to, const ImpsSipMessage *msg)
{
  g_autoptr (GBytes) bytes = imps_sip_message_to_bytes (msg);
  g_autofree gchar *summary = ims_summary (msg);
  return imps_sip_bus_send_sip (bus, ref, from_addr, from_port, to->addr, to->port, bytes,
                                summary);
}

ImpsSdp *
ims_body_sdp (const ImpsSipMessage *msg, GError **error)
{
  GBytes *body = imps_sip_message_get_body (msg);
  gsize len = 0;
  const gchar *data = g_bytes_get_data (body, &len);
  if (len == 0)
    return NULL;
  g_autoptr (ImpsSipContentType) ct = imps_sip_message_get_content_type (msg, NULL);
  if (ct == NULL || g_ascii_strcasecmp (ct->type, "application") != 0
      || g_ascii_strcasecmp (ct->subtype, "sdp") != 0)
    return NULL;
  return imps_sdp_parse (data, len, error);
}

void
ims_exposure_note_sdp (ImpsImsExposure *exp, const ImpsSdp *sdp)
{
  if (imps_sdp_find_attribute (sdp, "key-mgmt", 0) != NULL)
    exp->saw_key_mgmt = TRUE;
  for (guint i = 0; i < imps_sdp_n_media (sdp); i++)
    {
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, i);
      if (imps_sdp_media_find_attribute (m, "crypto", 0) != NULL)
        exp->saw_sdes_keys = TRUE;
      if (imps_sdp_media_find_attribute (m, "key-mgmt", 0) != NULL)
        exp->saw_key_mgmt = TRUE;
    }
}

gchar *
ims_impu_key (const ImpsSipUri *uri)
{
  if (uri == NULL || (uri->scheme != IMPS_SIP_URI_SIP && uri->scheme != IMPS_SIP_URI_SIPS)
      || uri->user == NULL || uri->host == NULL)
    return NULL;
  g_autofree gchar *host = g_ascii_strdown (uri->host, -1);
  return g_strdup_printf ("sip:%s@%s", uri->user, host);
}

GHashTable *
ims_exposure_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ImpsImsExposure *
ims_exposure_get (GHashTable *table, const gchar *call_id)
{
  ImpsImsExposure *e = g_hash_table_lookup (table, call_id);
  if (e == NULL)
    {
      e = g_new0 (ImpsImsExposure, 1);
      e->seen = TRUE;
      g_hash_table_insert (table, g_strdup (call_id), e);
    }
  return e;
}
