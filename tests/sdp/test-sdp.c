/* Tests of src/core/sdp: SDP parse/build (RFC 4566), a=key-mgmt (RFC 4567,
 * digest §13) and a=3ge2ae (digest §14.4). Each vector names its source. */
#include "sdp/imps-sdp.h"
#include "imps-selftest.h"
#include "imps-test.h"

#include <string.h>

/* RFC 4568 §7 example (the SDP of the SDES offer; its first a=crypto line is
 * also quoted in mikey-ticket.md §14.1). Canonical: CRLF line ends. */
static const gchar rfc4568_sdp[] =
  "v=0\r\n"
  "o=sam 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
  "s=SRTP Discussion\r\n"
  "i=A discussion of Secure RTP\r\n"
  "u=http://www.example.com/seminars/srtp.pdf\r\n"
  "e=marge@example.com (Marge Simpson)\r\n"
  "c=IN IP4 168.2.17.12\r\n"
  "t=2873397496 2873404696\r\n"
  "m=audio 49170 RTP/SAVP 0\r\n"
  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP\r\n"
  "a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP\r\n";

/* The two MIKEY messages of RFC 4567 §5.1 as quoted in mikey-ticket.md §13.4. */
#define RFC4567_OFFER_B64 \
  "AQAFgM0XflABAAAAAAAAAAAAAAsAyONQ6gAAAAAGEEoo2pee4hp2UaDX8ZE22YwKAAAPZG9uYWxkQGR1Y2suY29tAQAAAAAAAQAk0JKpgaVkDaawi9whVBtBt0KZ14ymNuu62+Nv3ozPLygwK/GbAV9iemnGUIZ19fWQUOSrzKTAv9zV"
#define RFC4567_ANSWER_B64 \
  "AQEFgM0XflABAAAAAAAAAAAAAAYAyONQ6gAAAAAJAAAQbWlja2V5QG1vdXNlLmNvbQABn8HdGE5BMDXFIuGEga+62AgY5cc="

/* An SDP offer and answer in the shape of RFC 4567 §5.1, built around the
 * digest §13.4 messages (session-level a=key-mgmt). */
static const gchar rfc4567_offer[] =
  "v=0\r\n"
  "o=alice 2891092738 2891092738 IN IP4 w-land.example.com\r\n"
  "s=Cool stuff\r\n"
  "e=alice@w-land.example.com\r\n"
  "c=IN IP4 w-land.example.com\r\n"
  "t=0 0\r\n"
  "a=key-mgmt:mikey " RFC4567_OFFER_B64 "\r\n"
  "m=audio 49000 RTP/SAVP 98\r\n"
  "a=rtpmap:98 AMR/8000\r\n"
  "m=video 52230 RTP/SAVP 31\r\n"
  "a=rtpmap:31 H261/90000\r\n";

static const gchar rfc4567_answer[] =
  "v=0\r\n"
  "o=bob 2891092897 2891092897 IN IP4 foo.example.com\r\n"
  "s=Cool stuff\r\n"
  "e=bob@foo.example.com\r\n"
  "c=IN IP4 foo.example.com\r\n"
  "t=0 0\r\n"
  "m=audio 49030 RTP/SAVP 98\r\n"
  "a=rtpmap:98 AMR/8000\r\n"
  "a=key-mgmt:mikey " RFC4567_ANSWER_B64 "\r\n"
  "m=video 52230 RTP/SAVP 31\r\n"
  "a=rtpmap:31 H261/90000\r\n";

/* A realistic IMS offer (profile §5, §7; written by this project): two
 * m-lines, SDES with e2ae requested on audio, unknown line type kept. */
static const gchar ims_offer[] =
  "v=0\r\n"
  "o=- 1027 1027 IN IP4 127.1.1.1\r\n"
  "s=-\r\n"
  "c=IN IP4 127.1.1.1\r\n"
  "b=AS:84\r\n"
  "t=0 0\r\n"
  "a=sendrecv\r\n"
  "m=audio 49152 RTP/SAVP 0 8 101\r\n"
  "b=AS:64\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:8 PCMA/8000\r\n"
  "a=rtpmap:101 telephone-event/8000\r\n"
  "a=fmtp:101 0-15\r\n"
  "a=ptime:20\r\n"
  "a=curr:qos local none\r\n"
  "a=des:qos mandatory local sendrecv\r\n"
  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
  "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:Hh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7\r\n"
  "a=3ge2ae:requested\r\n"
  "m=video 49154/2 RTP/SAVP 99\r\n"
  "b=AS:20\r\n"
  "y=an unknown line type, kept in place\r\n"
  "a=rtpmap:99 H264/90000\r\n"
  "a=fmtp:99 profile-level-id=42e01f;packetization-mode=1\r\n"
  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZ\r\n";

static const gchar ims_answer[] =
  "v=0\r\n"
  "o=- 2002 2003 IN IP4 127.1.1.2\r\n"
  "s=-\r\n"
  "c=IN IP4 127.1.1.2\r\n"
  "t=0 0\r\n"
  "m=audio 50000 RTP/SAVP 0 101\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:101 telephone-event/8000\r\n"
  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9\r\n"
  "m=video 0 RTP/SAVP 99\r\n";

static ImpsSdp *
parse_ok (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  ImpsSdp *sdp = imps_sdp_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  return sdp;
}

static void
assert_round_trip (const gchar *text)
{
  g_autoptr (ImpsSdp) sdp = parse_ok (text);
  gsize len = 0;
  gchar *out = imps_sdp_to_string (sdp, &len);
  g_assert_cmpuint (len, ==, strlen (text));
  g_assert_cmpstr (out, ==, text);
  imps_sdp_string_free (out);
}

static void
test_rfc4568_example (void)
{
  g_autoptr (ImpsSdp) sdp = parse_ok (rfc4568_sdp);
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (imps_sdp_n_lines (sdp), ==, 8);
  g_assert_cmpstr (imps_sdp_find_line (sdp, 's'), ==, "SRTP Discussion");
  g_assert_cmpstr (imps_sdp_find_line (sdp, 'e'), ==, "marge@example.com (Marge Simpson)");
  g_assert_cmpuint (imps_sdp_n_media (sdp), ==, 1);

  g_auto (ImpsSdpOrigin) o = { 0 };
  g_assert_true (imps_sdp_origin_parse (imps_sdp_find_line (sdp, 'o'), &o, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (o.username, ==, "sam");
  g_assert_cmpstr (o.sess_id, ==, "2890844526");
  g_assert_cmpstr (o.sess_version, ==, "2890842807");
  g_assert_cmpstr (o.nettype, ==, "IN");
  g_assert_cmpstr (o.addrtype, ==, "IP4");
  g_assert_cmpstr (o.address, ==, "10.47.16.5");
  g_autofree gchar *o_text = imps_sdp_origin_to_string (&o);
  g_assert_cmpstr (o_text, ==, imps_sdp_find_line (sdp, 'o'));

  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  g_assert_cmpstr (imps_sdp_media_get_media (m), ==, "audio");
  g_assert_cmpuint (imps_sdp_media_get_port (m), ==, 49170);
  g_assert_cmpuint (imps_sdp_media_get_nports (m), ==, 0);
  g_assert_cmpstr (imps_sdp_media_get_proto (m), ==, "RTP/SAVP");
  g_assert_cmpstr (imps_sdp_media_get_formats (m), ==, "0");
  g_assert_cmpuint (imps_sdp_media_n_attributes (m), ==, 2);
  g_assert_true (g_str_has_prefix (imps_sdp_media_find_attribute (m, "crypto", 1), "2 F8_128"));
  g_assert_null (imps_sdp_media_find_attribute (m, "crypto", 2));

  g_auto (ImpsSdpConnection) c = { 0 };
  g_assert_true (imps_sdp_connection_parse (imps_sdp_media_connection (sdp, m), &c, &error));
  g_assert_cmpstr (c.address, ==, "168.2.17.12");

  assert_round_trip (rfc4568_sdp);
}

static void
test_rfc4567_example (void)
{
  g_autoptr (ImpsSdp) offer = parse_ok (rfc4567_offer);
  g_autoptr (ImpsSdp) answer = parse_ok (rfc4567_answer);
  g_autoptr (GError) error = NULL;

  /* Session-level key-mgmt in the offer applies to both m-lines. */
  g_autoptr (GPtrArray) s = imps_sdp_key_mgmt_list (offer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->len, ==, 1);
  ImpsSdpKeyMgmt *km = g_ptr_array_index (s, 0);
  g_assert_cmpstr (km->prtcl_id, ==, "mikey");
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (km->data, &n);
  /* digest §13.4: 132 bytes, HDR 01 00 05 80 CD177E50 01 00, ends ...DCD5 */
  g_assert_cmpuint (n, ==, 132);
  imps_assert_hex (d, 10, "01000580cd177e500100");
  imps_assert_hex (d + 128, 4, "c0bfdcd5");
  g_autofree gchar *again = imps_sdp_key_mgmt_to_string (km);
  g_assert_cmpstr (again, ==, "mikey " RFC4567_OFFER_B64);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GPtrArray) eff = imps_sdp_key_mgmt_effective (offer, imps_sdp_get_media (offer, i), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (eff->len, ==, 1);
      g_autoptr (GPtrArray) ml = imps_sdp_key_mgmt_list (offer, imps_sdp_get_media (offer, i), &error);
      g_assert_cmpuint (ml->len, ==, 0);
    }
  g_autofree gchar *ids = imps_sdp_key_mgmt_ids (s);
  g_assert_cmpstr (ids, ==, "mikey");

  /* Media-level in the answer: first m-line has it, the second has none
   * and no session-level one either. */
  g_autoptr (GPtrArray) a0 = imps_sdp_key_mgmt_effective (answer, imps_sdp_get_media (answer, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a0->len, ==, 1);
  d = g_bytes_get_data (((ImpsSdpKeyMgmt *) g_ptr_array_index (a0, 0))->data, &n);
  /* digest §13.4: 71 bytes, HDR data type 1, same CSB ID */
  g_assert_cmpuint (n, ==, 71);
  imps_assert_hex (d, 10, "01010580cd177e500100");
  imps_assert_hex (d + 67, 4, "0818e5c7");
  g_autoptr (GPtrArray) a1 = imps_sdp_key_mgmt_effective (answer, imps_sdp_get_media (answer, 1), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a1->len, ==, 0);

  assert_round_trip (rfc4567_offer);
  assert_round_trip (rfc4567_answer);
}

/* The media-level list overrides the session-level one (RFC 4567 §3.1);
 * several protocols are kept in order and give the SDP IDs string. */
static void
test_key_mgmt_override (void)
{
  static const guint8 m1[] = { 1, 2, 3 }, m2[] = { 4, 5 }, m3[] = { 0xff };
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSdp) sdp = imps_sdp_new ();
  g_assert_true (imps_sdp_add_line (sdp, 'v', "0", &error));
  g_assert_true (imps_sdp_add_line (sdp, 'o', "- 1 1 IN IP4 127.0.0.1", &error));
  g_assert_true (imps_sdp_add_line (sdp, 's', "-", &error));
  g_assert_true (imps_sdp_add_line (sdp, 'c', "IN IP4 127.0.0.1", &error));
  g_assert_true (imps_sdp_add_line (sdp, 't', "0 0", &error));
  g_assert_true (imps_sdp_add_key_mgmt (sdp, NULL, "mikey", m1, sizeof m1, &error));
  g_assert_true (imps_sdp_add_key_mgmt (sdp, NULL, "keyp1", m2, sizeof m2, &error));
  ImpsSdpMedia *a = imps_sdp_add_media (sdp, "audio", 4000, 0, "RTP/SAVP", "0", &error);
  g_assert_nonnull (a);
  ImpsSdpMedia *v = imps_sdp_add_media (sdp, "video", 4002, 0, "RTP/SAVP", "99", &error);
  g_assert_true (imps_sdp_add_key_mgmt (sdp, v, "mikey", m3, sizeof m3, &error));
  g_assert_no_error (error);

  gchar *text = imps_sdp_to_string (sdp, NULL);
  g_assert_cmpstr (text, ==,
                   "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                   "a=key-mgmt:mikey AQID\r\na=key-mgmt:keyp1 BAU=\r\n"
                   "m=audio 4000 RTP/SAVP 0\r\nm=video 4002 RTP/SAVP 99\r\n"
                   "a=key-mgmt:mikey /w==\r\n");
  g_autoptr (ImpsSdp) back = parse_ok (text);
  imps_sdp_string_free (text);

  g_autoptr (GPtrArray) ea = imps_sdp_key_mgmt_effective (back, imps_sdp_get_media (back, 0), &error);
  g_assert_cmpuint (ea->len, ==, 2);
  g_autofree gchar *ids = imps_sdp_key_mgmt_ids (ea);
  g_assert_cmpstr (ids, ==, "mikey;keyp1");
  g_assert_true (g_bytes_get_size (((ImpsSdpKeyMgmt *) g_ptr_array_index (ea, 1))->data) == 2);
  g_autoptr (GPtrArray) ev = imps_sdp_key_mgmt_effective (back, imps_sdp_get_media (back, 1), &error);
  g_assert_cmpuint (ev->len, ==, 1);
  gsize n;
  const guint8 *d = g_bytes_get_data (((ImpsSdpKeyMgmt *) g_ptr_array_index (ev, 0))->data, &n);
  imps_assert_hex (d, n, "ff");

  /* The optional SP after "key-mgmt:" (RFC 4567 §3.1 ABNF 0*1SP). */
  g_autoptr (ImpsSdpKeyMgmt) km = imps_sdp_key_mgmt_parse (" mikey AQID", 11, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (km->prtcl_id, ==, "mikey");
}

static void
test_ims_offer_answer (void)
{
  g_autoptr (ImpsSdp) offer = parse_ok (ims_offer);
  g_autoptr (ImpsSdp) answer = parse_ok (ims_answer);
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (imps_sdp_n_media (offer), ==, 2);
  g_assert_cmpuint (imps_sdp_n_attributes (offer), ==, 1);
  ImpsSdpMedia *audio = imps_sdp_get_media (offer, 0);
  ImpsSdpMedia *video = imps_sdp_get_media (offer, 1);
  g_assert_cmpstr (imps_sdp_media_get_formats (audio), ==, "0 8 101");
  g_assert_cmpuint (imps_sdp_media_get_nports (video), ==, 2);
  g_assert_cmpuint (imps_sdp_media_get_port (video), ==, 49154);
  g_assert_cmpstr (imps_sdp_media_find_line (video, 'y'), ==, "an unknown line type, kept in place");
  g_assert_cmpuint (imps_sdp_media_get_line (video, 2)->type, ==, 'y');

  ImpsSdpE2ae e2ae;
  g_assert_true (imps_sdp_media_get_e2ae (audio, &e2ae, &error));
  g_assert_cmpint (e2ae, ==, IMPS_SDP_E2AE_REQUESTED);
  g_assert_false (imps_sdp_media_get_e2ae (video, &e2ae, &error));
  g_assert_no_error (error);

  const gchar *name;
  gsize name_len;
  const gchar *value;
  g_assert_true (imps_sdp_media_get_attribute (audio, 4, &name, &name_len, &value));
  g_assert_cmpmem (name, name_len, "ptime", 5);
  g_assert_cmpstr (value, ==, "20");
  g_assert_true (imps_sdp_get_attribute (offer, 0, &name, &name_len, &value));
  g_assert_cmpmem (name, name_len, "sendrecv", 8);
  g_assert_null (value);
  g_assert_false (imps_sdp_get_attribute (offer, 1, &name, &name_len, &value));

  /* The answer rejects video with port 0 (RFC 3264 §6). */
  g_assert_cmpuint (imps_sdp_media_get_port (imps_sdp_get_media (answer, 1)), ==, 0);
  g_assert_cmpstr (imps_sdp_media_connection (answer, imps_sdp_get_media (answer, 0)), ==,
                   "IN IP4 127.1.1.2");

  assert_round_trip (ims_offer);
  assert_round_trip (ims_answer);

  /* The P-CSCF strips a=crypto and 3ge2ae (profile §5), then rejects video. */
  g_assert_cmpuint (imps_sdp_media_remove_attributes (audio, "crypto"), ==, 2);
  g_assert_cmpuint (imps_sdp_media_remove_attributes (audio, "3ge2ae"), ==, 1);
  g_assert_cmpuint (imps_sdp_media_remove_attributes (audio, "crypto"), ==, 0);
  g_assert_cmpuint (imps_sdp_media_remove_attributes (video, "crypto"), ==, 1);
  g_assert_cmpuint (imps_sdp_media_n_attributes (audio), ==, 7);
  imps_sdp_media_set_port (video, 0);
  g_assert_cmpuint (imps_sdp_media_get_port (video), ==, 0);
  g_assert_cmpstr (imps_sdp_media_get_formats (video), ==, "99");
  g_assert_true (imps_sdp_media_add_attribute (audio, "3ge2ae", imps_sdp_e2ae_to_string (IMPS_SDP_E2AE_APPLIED), &error));
  gchar *text = imps_sdp_to_string (offer, NULL);
  g_assert_null (strstr (text, "a=crypto"));
  g_assert_nonnull (strstr (text, "a=des:qos mandatory local sendrecv\r\na=3ge2ae:applied\r\nm=video 0/2 RTP/SAVP 99\r\n"));
  g_autoptr (ImpsSdp) back = parse_ok (text);
  imps_sdp_string_free (text);
  g_assert_true (imps_sdp_media_get_e2ae (imps_sdp_get_media (back, 0), &e2ae, &error));
  g_assert_cmpint (e2ae, ==, IMPS_SDP_E2AE_APPLIED);
}

/* LF alone is accepted on input; output always uses CRLF. */
static void
test_lf_input (void)
{
  g_autofree gchar *lf = NULL;
  g_auto (GStrv) parts = g_strsplit (ims_offer, "\r\n", -1);
  lf = g_strjoinv ("\n", parts);
  g_autoptr (ImpsSdp) sdp = parse_ok (lf);
  gchar *out = imps_sdp_to_string (sdp, NULL);
  g_assert_cmpstr (out, ==, ims_offer);
  imps_sdp_string_free (out);
}

static void
test_build_api (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSdp) sdp = imps_sdp_new ();

  g_assert_true (imps_sdp_add_line (sdp, 'v', "0", &error));
  g_assert_true (imps_sdp_add_line (sdp, 'o', "- 1 1 IN IP4 127.0.0.1", &error));
  g_assert_true (imps_sdp_add_line (sdp, 's', "-", &error));
  g_assert_true (imps_sdp_add_line (sdp, 't', "0 0", &error));
  g_assert_no_error (error);
  /* grammar checked on the way in */
  g_assert_false (imps_sdp_add_line (sdp, 't', "0 x", &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "stop-time"));
  g_clear_error (&error);
  g_assert_null (imps_sdp_add_media (sdp, "audio", 70000, 0, "RTP/AVP", "0", &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_clear_error (&error);
  g_assert_false (imps_sdp_add_attribute (sdp, "bad name", NULL, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_clear_error (&error);

  ImpsSdpMedia *m = imps_sdp_add_media (sdp, "audio", 4000, 0, "RTP/AVP", "0", &error);
  g_assert_nonnull (m);
  g_assert_true (imps_sdp_media_add_line (m, 'c', "IN IP4 127.0.0.2", &error));
  g_assert_false (imps_sdp_media_add_line (m, 't', "0 0", &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_ORDER);
  g_clear_error (&error);
  g_assert_true (imps_sdp_media_add_attribute (m, "sendonly", NULL, &error));
  g_assert_true (imps_sdp_media_has_attribute (m, "sendonly"));
  g_assert_false (imps_sdp_media_has_attribute (m, "send"));
  g_assert_true (imps_sdp_set_line (sdp, 1, "- 1 2 IN IP4 127.0.0.1", &error));
  g_assert_false (imps_sdp_set_line (sdp, 1, "- 1 2 IN IP4", &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_clear_error (&error);

  gchar *text = imps_sdp_to_string (sdp, NULL);
  g_assert_cmpstr (text, ==,
                   "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                   "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 127.0.0.2\r\na=sendonly\r\n");
  assert_round_trip (text);
  imps_sdp_string_free (text);
}

/* ---- negative cases: one malformed field or one bound per row ---------- */

#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
#define CT "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
#define MA "m=audio 4000 RTP/AVP 0\r\n"

typedef struct {
  const gchar *name;
  const gchar *text;
  gint code;
  const gchar *message; /* a part of the error message */
} BadSdp;

static const BadSdp bad_sdps[] = {
  { "empty", "", IMPS_SDP_ERROR_SYNTAX, "line 1" },
  { "version", "v=1\r\no=- 1 1 IN IP4 h\r\ns=-\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 1 (v=): proto-version" },
  { "no-equals", "v0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 1: type" },
  { "upper-type", HEAD "C=IN IP4 h\r\nt=0 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 4: type" },
  { "missing-line-end", HEAD CT "a=x", IMPS_SDP_ERROR_SYNTAX, "line 6: line end" },
  { "bare-cr", HEAD CT "a=x\ry\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (a=): value" },
  { "origin-fields", "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 2 (o=): origin" },
  { "origin-double-space", "v=0\r\no=-  1 1 IN IP4 h h\r\ns=-\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 2 (o=): origin" },
  { "sess-id", "v=0\r\no=- 1x 1 IN IP4 h\r\ns=-\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 2 (o=): sess-id" },
  { "sess-version", "v=0\r\no=- 1 - IN IP4 h\r\ns=-\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 2 (o=): sess-version" },
  { "nettype", "v=0\r\no=- 1 1 I\"N IP4 h\r\ns=-\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 2 (o=): nettype" },
  { "session-name", "v=0\r\no=- 1 1 IN IP4 h\r\ns=\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 3 (s=): session name" },
  { "info-empty", HEAD "i=\r\n" CT, IMPS_SDP_ERROR_SYNTAX, "line 4 (i=): text" },
  { "connection", HEAD "c=IN IP4\r\nt=0 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 4 (c=): connection" },
  { "bwtype", HEAD "c=IN IP4 h\r\nb=AS\r\nt=0 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 5 (b=): bandwidth" },
  { "bandwidth", HEAD "c=IN IP4 h\r\nb=AS:x\r\nt=0 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 5 (b=): bandwidth" },
  { "start-time", HEAD "c=IN IP4 h\r\nt=a 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 5 (t=): start-time" },
  { "timing-fields", HEAD "c=IN IP4 h\r\nt=0 0 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 5 (t=): timing" },
  { "repeat-fields", HEAD CT "r=7d 1h\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (r=): repeat" },
  { "repeat-offset", HEAD CT "r=7d 1h 0 2x\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (r=): offset" },
  { "zone-pairs", HEAD CT "z=2882844526 -1h 2898848070\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (z=): zone" },
  { "key-empty", HEAD CT "k=base64:\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (k=): encryption key" },
  { "att-field", HEAD CT "a=:x\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (a=): att-field" },
  { "att-value", HEAD CT "a=tool:\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (a=): att-value" },
  { "media-fields", HEAD CT "m=audio 4000 RTP/AVP\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (m=): proto" },
  { "port", HEAD CT "m=audio 65536 RTP/AVP 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (m=): port" },
  { "nports", HEAD CT "m=audio 4000/0 RTP/AVP 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (m=): number of ports" },
  { "proto", HEAD CT "m=audio 4000 RTP//AVP 0\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (m=): proto" },
  { "fmt", HEAD CT "m=audio 4000 RTP/AVP 0  8\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (m=): fmt" },
  { "nul", HEAD CT "a=x\0y\r\n", IMPS_SDP_ERROR_SYNTAX, "line 6 (a=): value" },
  /* order */
  { "origin-first", "o=- 1 1 IN IP4 h\r\nv=0\r\ns=-\r\n" CT, IMPS_SDP_ERROR_ORDER, "line 1 (o=): line order" },
  { "no-session-name", "v=0\r\no=- 1 1 IN IP4 h\r\n" CT, IMPS_SDP_ERROR_ORDER, "line 3 (c=): line order" },
  { "short", "v=0\r\no=- 1 1 IN IP4 h\r\n", IMPS_SDP_ERROR_ORDER, "line 3" },
  { "no-timing", HEAD "c=IN IP4 h\r\n", IMPS_SDP_ERROR_ORDER, "no t= line" },
  { "media-before-timing", HEAD "c=IN IP4 h\r\n" MA, IMPS_SDP_ERROR_ORDER, "line 5 (m=): line order" },
  { "uri-after-connection", HEAD "c=IN IP4 h\r\nu=http://x\r\nt=0 0\r\n", IMPS_SDP_ERROR_ORDER, "line 5 (u=)" },
  { "session-name-repeated", HEAD "s=again\r\n" CT, IMPS_SDP_ERROR_ORDER, "line 4 (s=): line order: repeated" },
  { "repeat-without-timing", HEAD "c=IN IP4 h\r\nr=7d 1h 0\r\n", IMPS_SDP_ERROR_ORDER, "line 5 (r=)" },
  { "timing-in-media", HEAD CT MA "t=0 0\r\n", IMPS_SDP_ERROR_ORDER, "line 7 (t=): line order: not allowed" },
  { "attr-before-conn-media", HEAD CT MA "a=x\r\nc=IN IP4 h\r\n", IMPS_SDP_ERROR_ORDER, "line 8 (c=)" },
  { "no-connection", HEAD "t=0 0\r\n" MA, IMPS_SDP_ERROR_ORDER, "media section 1: c=" },
};

static void
test_bad_sdp (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_sdps); i++)
    {
      const BadSdp *b = &bad_sdps[i];
      g_autoptr (GError) error = NULL;
      gsize len = strlen (b->text);
      if (strcmp (b->name, "nul") == 0)
        len = sizeof (HEAD CT "a=x\0y\r\n") - 1;
      g_test_message ("case %s", b->name);
      g_autoptr (ImpsSdp) sdp = imps_sdp_parse (b->text, len, &error);
      g_assert_null (sdp);
      g_assert_error (error, IMPS_SDP_ERROR, b->code);
      if (strstr (error->message, b->message) == NULL)
        g_error ("case %s: \"%s\" does not contain \"%s\"", b->name, error->message, b->message);
    }
}

static void
test_bounds (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) s = g_string_new (HEAD CT);

  /* total size */
  while (s->len <= IMPS_SDP_MAX_SIZE)
    g_string_append (s, "a=x\r\n");
  g_assert_null (imps_sdp_parse (s->str, s->len, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  g_clear_error (&error);

  /* line length: the limit itself passes, one more fails */
  for (guint extra = 0; extra < 2; extra++)
    {
      g_string_assign (s, HEAD CT "a=");
      for (guint i = 0; i < IMPS_SDP_MAX_LINE - 2 + extra; i++)
        g_string_append_c (s, 'x');
      g_string_append (s, "\r\n");
      g_autoptr (ImpsSdp) sdp = imps_sdp_parse (s->str, s->len, &error);
      if (extra == 0)
        {
          g_assert_no_error (error);
          g_assert_nonnull (sdp);
        }
      else
        {
          g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
          g_assert_nonnull (strstr (error->message, "line 6"));
          g_clear_error (&error);
        }
    }

  /* attributes per section */
  g_string_assign (s, HEAD CT);
  for (guint i = 0; i <= IMPS_SDP_MAX_ATTRIBUTES; i++)
    g_string_append (s, "a=x\r\n");
  g_assert_null (imps_sdp_parse (s->str, s->len, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "session attributes"));
  g_clear_error (&error);
  g_string_assign (s, HEAD CT MA);
  for (guint i = 0; i <= IMPS_SDP_MAX_ATTRIBUTES; i++)
    g_string_append (s, "a=x\r\n");
  g_assert_null (imps_sdp_parse (s->str, s->len, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "media section 1"));
  g_clear_error (&error);

  /* media sections */
  g_string_assign (s, HEAD CT);
  for (guint i = 0; i <= IMPS_SDP_MAX_MEDIA; i++)
    g_string_append (s, MA);
  g_assert_null (imps_sdp_parse (s->str, s->len, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "media sections"));
  g_clear_error (&error);

  /* lines: many media sections of many lines, each section under its bounds */
  g_string_assign (s, HEAD CT);
  for (guint i = 0; i < 10; i++)
    {
      g_string_append (s, MA);
      for (guint j = 0; j < 60; j++)
        g_string_append (s, "b=AS:1\r\n");
    }
  g_assert_null (imps_sdp_parse (s->str, s->len, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "line 513: more than 512 lines"));
  g_clear_error (&error);
}

static void
test_bad_key_mgmt (void)
{
  static const struct {
    const gchar *value;
    gint code;
    const gchar *message;
  } cases[] = {
    { "", IMPS_SDP_ERROR_SYNTAX, "prtcl-id" },
    { "mikey", IMPS_SDP_ERROR_SYNTAX, "expected a space" },
    { "mi-key AQID", IMPS_SDP_ERROR_SYNTAX, "expected a space" },
    { "  mikey AQID", IMPS_SDP_ERROR_SYNTAX, "prtcl-id" },
    { "mikey ", IMPS_SDP_ERROR_BASE64, "empty" },
    { "mikey AQI", IMPS_SDP_ERROR_BASE64, "not a multiple of 4" },
    { "mikey AQ*D", IMPS_SDP_ERROR_BASE64, "0x2a is not base64, at byte offset 8" },
    { "mikey A===", IMPS_SDP_ERROR_BASE64, "padding" },
    { "mikey AQ=D", IMPS_SDP_ERROR_BASE64, "0x3d is not base64" },
    { "mikey AR==", IMPS_SDP_ERROR_BASE64, "trailing bits" },
    { "mikey AQID AQID", IMPS_SDP_ERROR_BASE64, "0x20" },
    { "abcdefghijabcdefghijabcdefghijabc AQID", IMPS_SDP_ERROR_LIMIT, "prtcl-id" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsSdpKeyMgmt) km = imps_sdp_key_mgmt_parse (cases[i].value, strlen (cases[i].value), &error);
      g_assert_null (km);
      g_assert_error (error, IMPS_SDP_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("key-mgmt case %u: \"%s\" lacks \"%s\"", i, error->message, cases[i].message);
    }

  /* A malformed media-level line is an error naming where it was. */
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSdp) sdp = parse_ok (HEAD CT MA "a=key-mgmt:mikey AQI\r\n");
  g_autoptr (GPtrArray) l = imps_sdp_key_mgmt_effective (sdp, imps_sdp_get_media (sdp, 0), &error);
  g_assert_null (l);
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_BASE64);
  g_assert_true (g_str_has_prefix (error->message, "media-level a=key-mgmt number 1: "));
}

static void
test_e2ae (void)
{
  g_autoptr (GError) error = NULL;
  ImpsSdpE2ae e;
  gchar *token = NULL;

  g_assert_true (imps_sdp_e2ae_parse ("requested", 9, &e, &token, &error));
  g_assert_cmpint (e, ==, IMPS_SDP_E2AE_REQUESTED);
  g_assert_null (token);
  g_assert_true (imps_sdp_e2ae_parse ("applied", 7, &e, &token, &error));
  g_assert_cmpint (e, ==, IMPS_SDP_E2AE_APPLIED);
  /* other tokens are parsed and ignored by the receiver (digest §14.4) */
  g_assert_true (imps_sdp_e2ae_parse ("future-value", 12, &e, &token, &error));
  g_assert_cmpint (e, ==, IMPS_SDP_E2AE_OTHER);
  g_assert_cmpstr (token, ==, "future-value");
  g_free (token);
  g_assert_cmpstr (imps_sdp_e2ae_to_string (IMPS_SDP_E2AE_REQUESTED), ==, "requested");

  g_assert_false (imps_sdp_e2ae_parse ("", 0, &e, NULL, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_clear_error (&error);
  g_assert_false (imps_sdp_e2ae_parse ("re quested", 10, &e, NULL, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "byte offset 2"));
  g_clear_error (&error);

  /* bound: an indicator of more than 64 bytes */
  gchar long_token[66];
  memset (long_token, 'x', 65);
  long_token[65] = '\0';
  g_assert_false (imps_sdp_e2ae_parse (long_token, 65, &e, NULL, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  g_clear_error (&error);
  g_assert_true (imps_sdp_e2ae_parse (long_token, 64, &e, NULL, &error));

  g_autoptr (ImpsSdp) sdp = parse_ok (HEAD CT MA "a=3ge2ae\r\n");
  g_assert_false (imps_sdp_media_get_e2ae (imps_sdp_get_media (sdp, 0), &e, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
}

/* Every seed of the fuzz corpus is a valid SDP (so the fuzzer starts from
 * inputs that reach the builder); the CRLF ones round-trip byte for byte. */
/* a=extmap (RFC 8285 §7): the grammar, the bounds, and which level applies. */
static void
test_extmap (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (ImpsSdpExtmap) e = { 0 };
  g_assert_true (imps_sdp_extmap_parse ("1 urn:impsim:rtp-hdrext:counter-checksum", 40, &e, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (e.id, ==, 1);
  g_assert_cmpint (e.direction, ==, IMPS_SDP_EXTMAP_DIR_NONE);
  g_assert_cmpstr (e.uri, ==, "urn:impsim:rtp-hdrext:counter-checksum");
  g_assert_null (e.attributes);
  imps_sdp_extmap_clear (&e);

  /* RFC 8285 §7's example with a direction and attributes */
  const gchar *full = "14/recvonly urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on";
  g_assert_true (imps_sdp_extmap_parse (full, strlen (full), &e, &error));
  g_assert_cmpuint (e.id, ==, 14);
  g_assert_cmpint (e.direction, ==, IMPS_SDP_EXTMAP_DIR_RECVONLY);
  g_assert_cmpstr (e.attributes, ==, "vad=on");
  g_autofree gchar *back = imps_sdp_extmap_to_string (&e);
  g_assert_cmpstr (back, ==, full);
  imps_sdp_extmap_clear (&e);
  g_assert_true (imps_sdp_extmap_parse ("255 http://example.com/ext", 26, &e, &error));
  g_assert_cmpuint (e.id, ==, 255);
  imps_sdp_extmap_clear (&e);

  static const struct {
    const gchar *value;
    gint code;
    const gchar *message;
  } cases[] = {
    { "", IMPS_SDP_ERROR_SYNTAX, "not a number" },
    { "x urn:a:b", IMPS_SDP_ERROR_SYNTAX, "not a number" },
    { "0 urn:a:b", IMPS_SDP_ERROR_SYNTAX, "ID 0 is outside 1..255" },
    { "256 urn:a:b", IMPS_SDP_ERROR_SYNTAX, "ID 256 is outside 1..255" },
    { "4096 urn:a:b", IMPS_SDP_ERROR_SYNTAX, "ID 4096" },
    { "123456 urn:a:b", IMPS_SDP_ERROR_SYNTAX, "more than 5 digits" },
    { "99999 urn:a:b", IMPS_SDP_ERROR_SYNTAX, "ID 99999" },
    { "1/both urn:a:b", IMPS_SDP_ERROR_SYNTAX, "direction \"both\"" },
    { "1/ urn:a:b", IMPS_SDP_ERROR_SYNTAX, "direction" },
    { "1", IMPS_SDP_ERROR_SYNTAX, "expected a space" },
    { "1urn:a:b", IMPS_SDP_ERROR_SYNTAX, "expected a space" },
    { "1 ", IMPS_SDP_ERROR_SYNTAX, "empty" },
    { "1 counter", IMPS_SDP_ERROR_SYNTAX, "not an absolute URI" },
    { "1 :counter", IMPS_SDP_ERROR_SYNTAX, "not an absolute URI" },
    { "1 u_n:a", IMPS_SDP_ERROR_SYNTAX, "scheme character '_'" },
    { "1 urn:a:b ", IMPS_SDP_ERROR_SYNTAX, "trailing space" },
    { "1 urn:a:\xc3\xa9", IMPS_SDP_ERROR_SYNTAX, "0xc3" },
    { "1 urn:a:b\tx", IMPS_SDP_ERROR_SYNTAX, "control character 0x09" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_clear_error (&error);
      g_assert_false (imps_sdp_extmap_parse (cases[i].value, strlen (cases[i].value), &e, &error));
      g_assert_null (e.uri);
      g_assert_error (error, IMPS_SDP_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("extmap case %u: \"%s\" lacks \"%s\"", i, error->message, cases[i].message);
    }
  /* the bounds: a URI of 256 bytes is taken, 257 is not */
  g_autoptr (GString) uri = g_string_new ("1 urn:");
  while (uri->len < 2 + 256)
    g_string_append_c (uri, 'a');
  g_clear_error (&error);
  g_assert_true (imps_sdp_extmap_parse (uri->str, uri->len, &e, &error));
  imps_sdp_extmap_clear (&e);
  g_string_append_c (uri, 'a');
  g_assert_false (imps_sdp_extmap_parse (uri->str, uri->len, &e, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  /* the value is read by its length, not up to a NUL */
  g_clear_error (&error);
  g_assert_true (imps_sdp_extmap_parse ("2 urn:a:bXYZ", 9, &e, &error));
  g_assert_cmpstr (e.uri, ==, "urn:a:b");
  imps_sdp_extmap_clear (&e);

  /* Which level: the media section's own lines, then the session's. */
  g_autoptr (ImpsSdp) sdp = parse_ok (HEAD CT "a=extmap:5 urn:a:session\r\n" MA
                                      "a=extmap:3 urn:a:other\r\na=extmap:7/sendrecv urn:a:mine\r\n");
  ImpsSdpMedia *m = imps_sdp_get_media (sdp, 0);
  guint id = 0;
  g_clear_error (&error);
  g_assert_true (imps_sdp_media_find_extmap (sdp, m, "urn:a:mine", &id, &error));
  g_assert_cmpuint (id, ==, 7);
  g_assert_true (imps_sdp_media_find_extmap (sdp, m, "urn:a:session", &id, &error));
  g_assert_cmpuint (id, ==, 5);
  g_assert_false (imps_sdp_media_find_extmap (sdp, m, "urn:a:absent", &id, &error));
  g_assert_no_error (error);
  /* built: a=extmap:ID URI, parsed back the same */
  g_assert_true (imps_sdp_media_add_extmap (m, 9, "urn:a:added", &error));
  g_assert_true (imps_sdp_media_find_extmap (sdp, m, "urn:a:added", &id, &error));
  g_assert_cmpuint (id, ==, 9);
  g_assert_false (imps_sdp_media_add_extmap (m, 0, "urn:a:zero", &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_clear_error (&error);
  g_autofree gchar *text = imps_sdp_to_string (sdp, NULL);
  g_assert_nonnull (strstr (text, "a=extmap:9 urn:a:added\r\n"));

  /* a malformed line, or one ID given to two extensions, is an error */
  g_autoptr (ImpsSdp) bad = parse_ok (HEAD CT MA "a=extmap:0 urn:a:b\r\n");
  g_assert_false (imps_sdp_media_find_extmap (bad, imps_sdp_get_media (bad, 0), "urn:a:b", &id, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_clear_error (&error);
  g_autoptr (ImpsSdp) twice = parse_ok (HEAD CT MA "a=extmap:4 urn:a:b\r\na=extmap:4 urn:a:c\r\n");
  g_assert_false (imps_sdp_media_find_extmap (twice, imps_sdp_get_media (twice, 0), "urn:a:c", &id, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "ID 4 is given to both urn:a:b and urn:a:c"));
}

/* a=rtcp (RFC 3605): the port alone, or with the address; every malformed
 * value refused with its reason; a media section without it has none. */
static void
test_rtcp (void)
{
  g_autoptr (GError) error = NULL;
  ImpsSdpRtcp r;
  g_assert_true (imps_sdp_rtcp_parse ("53020", 5, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.port, ==, 53020);
  g_assert_false (r.has_address);
  /* RFC 3605 §2.1's example */
  const gchar *full = "53020 IN IP4 126.16.64.4";
  g_assert_true (imps_sdp_rtcp_parse (full, strlen (full), &r, &error));
  g_assert_cmpuint (r.port, ==, 53020);
  g_assert_true (r.has_address);
  g_assert_cmpstr (r.nettype, ==, "IN");
  g_assert_cmpstr (r.addrtype, ==, "IP4");
  g_assert_cmpstr (r.address, ==, "126.16.64.4");
  const gchar *v6 = "65535 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD";
  g_assert_true (imps_sdp_rtcp_parse (v6, strlen (v6), &r, &error));
  g_assert_cmpuint (r.port, ==, 65535);
  g_assert_cmpstr (r.addrtype, ==, "IP6");
  /* read by its length, not up to a NUL */
  g_assert_true (imps_sdp_rtcp_parse ("4000 IN IP4 127.0.0.1XYZ", 21, &r, &error));
  g_assert_cmpstr (r.address, ==, "127.0.0.1");

  static const struct {
    const gchar *value;
    gint code;
    const gchar *message;
  } cases[] = {
    { "", IMPS_SDP_ERROR_SYNTAX, "port: missing" },
    { " 5000", IMPS_SDP_ERROR_SYNTAX, "port: missing" },
    { "0", IMPS_SDP_ERROR_SYNTAX, "port 0 is outside 1..65535" },
    { "65536", IMPS_SDP_ERROR_SYNTAX, "port 65536 is outside" },
    { "123456", IMPS_SDP_ERROR_SYNTAX, "more than 5 digits" },
    { "-5000", IMPS_SDP_ERROR_SYNTAX, "'-' is not a digit" },
    { "5000x", IMPS_SDP_ERROR_SYNTAX, "'x' is not a digit" },
    { "5000 ", IMPS_SDP_ERROR_SYNTAX, "nettype, addrtype and address" },
    { "5000 IN", IMPS_SDP_ERROR_SYNTAX, "nettype, addrtype and address" },
    { "5000 IN IP4", IMPS_SDP_ERROR_SYNTAX, "nettype, addrtype and address" },
    { "5000 IN IP4 ", IMPS_SDP_ERROR_SYNTAX, "nettype, addrtype and address" },
    { "5000 IN  IP4 127.0.0.1", IMPS_SDP_ERROR_SYNTAX, "one space apart" },
    { "5000 ATM IP4 127.0.0.1", IMPS_SDP_ERROR_SYNTAX, "nettype 'ATM' is not IN" },
    { "5000 IN IPX 127.0.0.1", IMPS_SDP_ERROR_SYNTAX, "addrtype 'IPX'" },
    { "5000 IN IP4 224.2.1.1/127", IMPS_SDP_ERROR_SYNTAX, "has a '/'" },
    { "5000 IN IP4 127.0.0.1 x", IMPS_SDP_ERROR_SYNTAX, "text after the connection address" },
    { "5000 IN IP4 127.0.0.1 ", IMPS_SDP_ERROR_SYNTAX, "text after the connection address" },
    { "5000 IN IP4 127.0.0.1\t", IMPS_SDP_ERROR_SYNTAX, "control character 0x09" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_clear_error (&error);
      g_assert_false (imps_sdp_rtcp_parse (cases[i].value, strlen (cases[i].value), &r, &error));
      g_assert_error (error, IMPS_SDP_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("rtcp case %u: \"%s\" lacks \"%s\"", i, error->message, cases[i].message);
    }
  /* the bound: an address of 255 bytes is taken, 256 is not */
  g_autoptr (GString) a = g_string_new ("9 IN IP4 ");
  while (a->len < 9 + IMPS_SDP_RTCP_MAX_ADDRESS)
    g_string_append_c (a, 'h');
  g_clear_error (&error);
  g_assert_true (imps_sdp_rtcp_parse (a->str, a->len, &r, &error));
  g_assert_cmpuint (strlen (r.address), ==, IMPS_SDP_RTCP_MAX_ADDRESS);
  g_string_append_c (a, 'h');
  g_assert_false (imps_sdp_rtcp_parse (a->str, a->len, &r, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT);
  g_clear_error (&error);

  /* in a media section: found, absent, malformed, and a=rtcp-mux is not
   * taken for it */
  g_autoptr (ImpsSdp) sdp = parse_ok (HEAD CT MA "a=rtcp-mux\r\na=rtcp:40001 IN IP4 127.0.0.7\r\n");
  g_assert_true (imps_sdp_media_get_rtcp (imps_sdp_get_media (sdp, 0), &r, &error));
  g_assert_cmpuint (r.port, ==, 40001);
  g_assert_cmpstr (r.address, ==, "127.0.0.7");
  g_autoptr (ImpsSdp) none = parse_ok (HEAD CT MA "a=rtcp-mux\r\n");
  g_assert_false (imps_sdp_media_get_rtcp (imps_sdp_get_media (none, 0), &r, &error));
  g_assert_no_error (error);
  g_autoptr (ImpsSdp) bad = parse_ok (HEAD CT MA "a=rtcp\r\n");
  g_assert_false (imps_sdp_media_get_rtcp (imps_sdp_get_media (bad, 0), &r, &error));
  g_assert_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX);
}

static void
test_corpus_seeds (void)
{
  g_autofree gchar *dir = g_test_build_filename (G_TEST_DIST, "..", "fuzz", "sdp", "corpus", "sdp", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  const gchar *name;
  guint n = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_autofree gchar *text = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &text, &len, &error));
      g_autoptr (ImpsSdp) sdp = imps_sdp_parse (text, len, &error);
      if (sdp == NULL)
        g_error ("seed %s: %s", name, error->message);
      if (strstr (name, "-lf") == NULL)
        assert_round_trip (text);
      n++;
    }
  g_assert_cmpuint (n, >=, 7);
}

static void
selftest_report (const gchar *module, const gchar *name, gboolean ok, const gchar *detail,
                 gpointer user_data)
{
  if (!ok)
    g_test_message ("selftest %s: %s: %s", module, name, detail);
}

/* The compiled-in known-answer test of this module passes. */
static void
test_selftest (void)
{
  g_autoptr (ImpsSelftest) st = imps_selftest_new (selftest_report, NULL);
  g_assert_true (imps_selftest_run (st, "sdp"));
  g_assert_cmpuint (imps_selftest_failed (st), ==, 0);
  g_assert_cmpuint (imps_selftest_passed (st), >=, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sdp/rfc4568-example", test_rfc4568_example);
  g_test_add_func ("/sdp/rfc4567-example", test_rfc4567_example);
  g_test_add_func ("/sdp/key-mgmt-override", test_key_mgmt_override);
  g_test_add_func ("/sdp/ims-offer-answer", test_ims_offer_answer);
  g_test_add_func ("/sdp/lf-input", test_lf_input);
  g_test_add_func ("/sdp/build-api", test_build_api);
  g_test_add_func ("/sdp/bad-sdp", test_bad_sdp);
  g_test_add_func ("/sdp/bounds", test_bounds);
  g_test_add_func ("/sdp/bad-key-mgmt", test_bad_key_mgmt);
  g_test_add_func ("/sdp/e2ae", test_e2ae);
  g_test_add_func ("/sdp/extmap", test_extmap);
  g_test_add_func ("/sdp/rtcp", test_rtcp);
  g_test_add_func ("/sdp/corpus-seeds", test_corpus_seeds);
  g_test_add_func ("/sdp/selftest", test_selftest);
  return g_test_run ();
}
