/* The raw outside UE of the serve tests: carol, an outside device slot,
 * as a SIP client over loopback UDP (SIP Digest REGISTER, SDES offers and
 * answers) and an SRTP end with libsrtp2. Shared by test-serve-call.c and
 * test-serve-media.c; the UDP socket and header helpers by test-serve-aka.c. */
#include "outside-ue.h"
#include "digest/imps-digest.h"
#include "imps-ue-media.h"
#include "imps-pcap.h"

#include <arpa/inet.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

GSocket *
ou_udp_socket (guint16 *port)
{
  g_autoptr (GError) error = NULL;
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                             G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (s, any, FALSE, &error));
  g_socket_set_timeout (s, 20);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (s, &error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return s;
}

void
ou_send_text (OuUe *ue, const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (ue->sip, ue->pcscf, text, strlen (text), NULL, &error), ==,
                   (gssize) strlen (text));
}

/* The next SIP message that is not a provisional answer (unless wanted). */
gchar *
ou_receive_text (OuUe *ue, gboolean provisional_too)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gchar buf[16384];
      gssize n = g_socket_receive (ue->sip, buf, sizeof buf - 1, NULL, &error);
      g_assert_no_error (error);
      buf[n] = '\0';
      if (!provisional_too && g_str_has_prefix (buf, "SIP/2.0 1"))
        continue;
      if (ue->last_bye != NULL && strcmp (buf, ue->last_bye) == 0)
        {
          ou_send_text (ue, ue->last_bye_ok);
          continue;
        }
      return g_strdup (buf);
    }
}

/* A header's value (the first line of that name), new. */
gchar *
ou_header (const gchar *msg, const gchar *name)
{
  g_autofree gchar *needle = g_strdup_printf ("\r\n%s: ", name);
  const gchar *p = strstr (msg, needle);
  if (p == NULL)
    return NULL;
  p += strlen (needle);
  return g_strndup (p, (gsize) (strstr (p, "\r\n") - p));
}

/* Every line of @name, as they appear ("Via: ..." lines for a response). */
gchar *
ou_header_lines (const gchar *msg, const gchar *name)
{
  GString *out = g_string_new (NULL);
  g_autofree gchar *needle = g_strdup_printf ("\r\n%s: ", name);
  const gchar *end_of_headers = strstr (msg, "\r\n\r\n");
  for (const gchar *p = strstr (msg, needle); p && p < end_of_headers; p = strstr (p + 2, needle))
    {
      const gchar *e = strstr (p + 2, "\r\n");
      g_string_append_len (out, p + 2, e - (p + 2));
      g_string_append (out, "\r\n");
    }
  return g_string_free (out, FALSE);
}

const gchar *
ou_body (const gchar *msg)
{
  const gchar *p = strstr (msg, "\r\n\r\n");
  g_assert_nonnull (p);
  return p + 4;
}

/* c= address, m= port and the AES_CM_128_HMAC_SHA1_80 key of an SDP. */
void
ou_sdp_read (const gchar *sdp, gchar addr[64], guint16 *port, guint8 key[30], guint *tag)
{
  /* a media-level c= wins over the session's */
  const gchar *m = strstr (sdp, "m=audio ");
  g_assert_nonnull (m);
  const gchar *c_line = strstr (m, "c=IN IP4 ");
  if (c_line == NULL)
    c_line = strstr (sdp, "c=IN IP4 ");
  g_assert_cmpint (sscanf (c_line, "c=IN IP4 %63[0-9.]", addr), ==, 1);
  guint p;
  g_assert_cmpint (sscanf (m, "m=audio %u", &p), ==, 1);
  *port = (guint16) p;
  const gchar *c = strstr (sdp, " AES_CM_128_HMAC_SHA1_80 inline:");
  g_assert_nonnull (c);
  const gchar *line = c;
  while (line > sdp && line[-1] != ':')
    line--;
  *tag = (guint) strtoul (line, NULL, 10);
  c += strlen (" AES_CM_128_HMAC_SHA1_80 inline:");
  gsize n = strcspn (c, "|\r\n ");
  g_autofree gchar *b64 = g_strndup (c, n);
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode (b64, &len);
  g_assert_cmpuint (len, ==, 30);
  memcpy (key, raw, 30);
}

gchar *
ou_sdp_offer (OuUe *ue, const guint8 key[30], guint tag, gboolean e2ae)
{
  g_autofree gchar *b64 = g_base64_encode (key, 30);
  return g_strdup_printf ("v=0\r\no=carol 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                          "t=0 0\r\nm=audio %u RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                          "a=crypto:%u AES_CM_128_HMAC_SHA1_80 inline:%s\r\n%s",
                          ue->rtp_port, tag, b64, e2ae ? "a=3ge2ae:requested\r\n" : "");
}

gchar *
ou_register_text (OuUe *ue, const gchar *auth)
{
  ue->cseq++;
  return g_strdup_printf (
    "REGISTER sip:%s SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKreg%u;rport\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:carol@%s>;tag=r1\r\nTo: <sip:carol@%s>\r\n"
    "Call-ID: carol-reg\r\nCSeq: %u REGISTER\r\nContact: <sip:carol@127.0.0.1:%u>\r\n"
    "Expires: 600\r\n%s%s%sContent-Length: 0\r\n\r\n",
    ue->domain, ue->sip_port, ue->cseq, ue->domain, ue->domain, ue->cseq, ue->sip_port,
    auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
}

void
ou_ue_register (OuUe *ue)
{
  g_autofree gchar *r1 = ou_register_text (ue, NULL);
  ou_send_text (ue, r1);
  g_autofree gchar *a1 = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (a1, "SIP/2.0 401 "));
  g_autofree gchar *www = ou_header (a1, "WWW-Authenticate");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_parse (www, strlen (www), &error);
  g_assert_no_error (error);
  g_autofree gchar *impi = g_strdup_printf ("carol@%s", ue->domain);
  g_autofree gchar *uri = g_strdup_printf ("sip:%s", ue->domain);
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new_for (c, impi, uri,
                                                                            "c0ffee", 1);
  imps_digest_credentials_sign (cred, "REGISTER", (const guint8 *) ue->password,
                                strlen (ue->password), NULL, 0);
  g_autofree gchar *auth = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  g_autofree gchar *r2 = ou_register_text (ue, auth);
  ou_send_text (ue, r2);
  g_autofree gchar *a2 = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (a2, "SIP/2.0 200 "));
}

void
ou_srtp_pair (OuSrtp *s, const guint8 tx_key[30], const guint8 rx_key[30])
{
  srtp_policy_t p;
  memset (&p, 0, sizeof p);
  srtp_crypto_policy_set_rtp_default (&p.rtp);
  srtp_crypto_policy_set_rtcp_default (&p.rtcp);
  p.ssrc.type = ssrc_any_outbound;
  p.key = (guint8 *) tx_key;
  p.window_size = 128;
  g_assert_cmpint (srtp_create (&s->tx, &p), ==, srtp_err_status_ok);
  p.ssrc.type = ssrc_any_inbound;
  p.key = (guint8 *) rx_key;
  g_assert_cmpint (srtp_create (&s->rx, &p), ==, srtp_err_status_ok);
  s->ssrc = 0x0ca201u;
  s->seq = 1000;
}

void
ou_srtp_pair_clear (OuSrtp *s)
{
  srtp_dealloc (s->tx);
  srtp_dealloc (s->rx);
}

void
ou_rtp_send (OuUe *ue, OuSrtp *s, GSocketAddress *to)
{
  guint8 pkt[IMPS_UE_MEDIA_PACKET_LEN + SRTP_MAX_TRAILER_LEN];
  imps_ue_media_packet_fill (pkt, (guint16) (s->seq + s->counter), s->counter * 160, s->ssrc,
                             s->counter);
  int len = IMPS_UE_MEDIA_PACKET_LEN;
  g_assert_cmpint (srtp_protect (s->tx, pkt, &len), ==, srtp_err_status_ok);
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (ue->rtp, to, (gchar *) pkt, (gsize) len, NULL, &error), ==,
                   len);
  s->counter++;
}

/* Reads what arrived on the RTP socket without waiting. */
void
ou_rtp_drain (OuUe *ue, OuSrtp *s)
{
  for (;;)
    {
      guint8 buf[2048];
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (ue->rtp, (gchar *) buf, sizeof buf, FALSE,
                                                 NULL, &error);
      if (n <= 0)
        return;
      int len = (int) n;
      if (srtp_unprotect (s->rx, buf, &len) != srtp_err_status_ok)
        {
          s->refused++;
          continue;
        }
      s->received_auth++;
      if (imps_ue_media_packet_check (buf, (gsize) len, NULL) == IMPS_UE_MEDIA_CHECK_OK)
        s->received_ok++;
    }
}

/* @n packets, one every 20 ms, reading what comes back. */
void
ou_media_run (OuUe *ue, OuSrtp *s, const gchar *addr, guint16 port, guint n)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (addr);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (ia, port);
  for (guint i = 0; i < n; i++)
    {
      ou_rtp_send (ue, s, to);
      g_usleep (20000);
      ou_rtp_drain (ue, s);
    }
}

void
ou_clear (OuUe *ue)
{
  g_clear_object (&ue->sip);
  g_clear_object (&ue->rtp);
  g_clear_object (&ue->pcscf);
  g_clear_pointer (&ue->last_bye, g_free);
  g_clear_pointer (&ue->last_bye_ok, g_free);
}

void
ou_answer_bye (OuUe *ue, const gchar *call_id)
{
  g_autofree gchar *bye = ou_receive_text (ue, FALSE);
  g_assert_true (g_str_has_prefix (bye, "BYE "));
  g_autofree gchar *vias = ou_header_lines (bye, "Via");
  g_autofree gchar *from = ou_header (bye, "From");
  g_autofree gchar *to = ou_header (bye, "To");
  g_autofree gchar *cseq = ou_header (bye, "CSeq");
  g_autofree gchar *ok = g_strdup_printf ("SIP/2.0 200 OK\r\n%sFrom: %s\r\nTo: %s\r\n"
                                          "Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
                                          vias, from, to, call_id, cseq);
  ou_send_text (ue, ok);
  g_free (ue->last_bye);
  g_free (ue->last_bye_ok);
  ue->last_bye = g_steal_pointer (&bye);
  ue->last_bye_ok = g_steal_pointer (&ok);
}

/* A "report ..." line of serve's stop output that names @call_id and
 * starts with @prefix: the number next to @label. */
gboolean
ou_report_numbers (GPtrArray *lines, const gchar *prefix, const gchar *call_id,
                   const gchar *label, guint64 *value)
{
  for (guint i = 0; i < lines->len; i++)
    {
      const gchar *l = g_ptr_array_index (lines, i);
      if (!g_str_has_prefix (l, prefix) || (call_id && strstr (l, call_id) == NULL))
        continue;
      const gchar *p = strstr (l, label);
      if (p == NULL)
        continue;
      /* the number before the label ("60 verified") or after it ("sent 60") */
      const gchar *q = p;
      while (q > l && q[-1] == ' ')
        q--;
      const gchar *d = q;
      while (d > l && g_ascii_isdigit (d[-1]))
        d--;
      if (d < q)
        *value = g_ascii_strtoull (d, NULL, 10);
      else
        *value = g_ascii_strtoull (p + strlen (label), NULL, 10);
      return TRUE;
    }
  return FALSE;
}

/* A g_spawn child set-up: serve ends with the test, also when an assertion
 * ends the test. */
void
ou_die_with_parent (gpointer data)
{
  (void) data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Stops serve (@pid, its stdout @in) with SIGTERM and returns every line
 * it printed from then on (its report), each also as a test message; serve
 * must exit 0. */
GPtrArray *
ou_serve_stop (GPid pid, GDataInputStream *in)
{
  kill (pid, SIGTERM);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      if (line == NULL)
        break;
      g_test_message ("%s", line);
      g_ptr_array_add (lines, line);
    }
  gint status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_spawn_close_pid (pid);
  return lines;
}

static guint32
ip4 (const gchar *text)
{
  struct in_addr a;
  g_assert_cmpint (inet_pton (AF_INET, text, &a), ==, 1);
  return g_ntohl (a.s_addr);
}

guint
ou_count_udp (const ImpsPcapCapture *cap, const gchar *src, guint16 sport, const gchar *dst,
              guint16 dport, const gchar *prefix)
{
  guint n = 0;
  for (guint i = 0; i < cap->packets->len; i++)
    {
      const ImpsPcapPacket *p = &g_array_index (cap->packets, ImpsPcapPacket, i);
      if (p->proto != 17 || p->src != ip4 (src) || p->dst != ip4 (dst)
          || (sport && p->sport != sport) || (dport && p->dport != dport))
        continue;
      if (prefix && (p->len < strlen (prefix) || memcmp (p->payload, prefix, strlen (prefix))))
        continue;
      n++;
    }
  return n;
}
