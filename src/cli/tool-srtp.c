/* impsim tool srtp-decrypt: a capture with its SRTP and SRTCP replaced by
 * the RTP and RTCP inside, using the SRTP lines of a key log (profile §8)
 * and libsrtp. */
#include "cli.h"
#include "imps-keylog-read.h"
#include "imps-pcap.h"
#include "imps-secret.h"
#include "srtp/imps-srtp.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "tool srtp-decrypt"

/* One SRTP line of the key log and the receiving session made from it. */
typedef struct {
  const ImpsKeyLogSrtp *k;
  srtp_t session;
  guint64 rtp, rtcp;          /* packets decrypted */
} Flow;

typedef struct {
  guint64 records, udp;
  guint64 rtp, rtcp;          /* decrypted */
  guint64 failed;             /* of a key log flow, not decrypted */
  guint64 unkeyed;            /* UDP that no key log line names */
  guint64 auth_fail, replay, other;
  guint first_failed_frame;
  gchar *first_failure;
} Stats;

static gboolean
make_session (Flow *f, GError **error)
{
  ImpsSrtpSuite suite;
  if (!imps_srtp_suite_from_name (f->k->suite, &suite))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "key log line %u: suite %s is not one impsim knows", f->k->line, f->k->suite);
      return FALSE;
    }
  gsize want = imps_srtp_suite_key_len (suite) + imps_srtp_suite_salt_len (suite);
  if (f->k->key_salt_len != want)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "key log line %u: %" G_GSIZE_FORMAT " bytes of key || salt; %s has %" G_GSIZE_FORMAT,
                   f->k->line, f->k->key_salt_len, f->k->suite, want);
      return FALSE;
    }
  if (!imps_srtp_suite_supported (suite))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "key log line %u: this libsrtp build cannot run %s", f->k->line, f->k->suite);
      return FALSE;
    }
  srtp_policy_t policy;
  memset (&policy, 0, sizeof policy);
  switch (suite)
    {
    case IMPS_SRTP_AES_CM_128_HMAC_SHA1_80:
      srtp_crypto_policy_set_rtp_default (&policy.rtp);
      srtp_crypto_policy_set_rtcp_default (&policy.rtcp);
      break;
    case IMPS_SRTP_AES_CM_128_HMAC_SHA1_32:
      /* SRTCP keeps the 80-bit tag (RFC 4568 §6.2.2, profile §11 SRTP). */
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (&policy.rtp);
      srtp_crypto_policy_set_rtcp_default (&policy.rtcp);
      break;
    case IMPS_SRTP_AEAD_AES_128_GCM:
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy.rtcp);
      break;
    case IMPS_SRTP_AES_256_CM_HMAC_SHA1_80:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (&policy.rtp);
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (&policy.rtcp);
      break;
    }
  guint8 key[IMPS_KEY_LOG_MAX_KEY_SALT];
  memcpy (key, f->k->key_salt, f->k->key_salt_len);
  policy.key = key;
  policy.ssrc.type = ssrc_specific;
  policy.ssrc.value = f->k->ssrc;
  /* The widest window libsrtp takes: a capture may hold packets out of order. */
  policy.window_size = 0x7fff;
  srtp_err_status_t st = srtp_create (&f->session, &policy);
  imps_wipe (key, sizeof key);
  if (st != srtp_err_status_ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "key log line %u: libsrtp refused the "
                   "key (srtp_create status %d)", f->k->line, (int) st);
      return FALSE;
    }
  return TRUE;
}

static guint16
csum_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static guint32
csum_add (guint32 sum, const guint8 *p, gsize len)
{
  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (guint32) (p[i] << 8 | p[i + 1]);
  if (len & 1)
    sum += (guint32) p[len - 1] << 8;
  return sum;
}

/* Rewrites the record in @out (a copy of the original) so that its UDP
 * payload is the @new_len bytes already in place: IPv4 total length and
 * header checksum, UDP length and checksum. Returns the record's length. */
static gsize
shrink_record (guint8 *rec, gsize ip_off, gsize new_len)
{
  guint8 *ip = rec + ip_off;
  gsize ihl = (gsize) (ip[0] & 0x0f) * 4;
  guint8 *udp = ip + ihl;
  gsize total = ihl + 8 + new_len;
  ip[2] = (guint8) (total >> 8);
  ip[3] = (guint8) total;
  ip[10] = ip[11] = 0;
  guint16 c = csum_fold (csum_add (0, ip, ihl));
  ip[10] = (guint8) (c >> 8);
  ip[11] = (guint8) c;
  gsize ulen = 8 + new_len;
  udp[4] = (guint8) (ulen >> 8);
  udp[5] = (guint8) ulen;
  udp[6] = udp[7] = 0;
  guint32 sum = csum_add (0, ip + 12, 8);
  sum += 17 + (guint32) ulen;
  c = csum_fold (csum_add (sum, udp, ulen));
  if (c == 0)
    c = 0xffff;
  udp[6] = (guint8) (c >> 8);
  udp[7] = (guint8) c;
  return ip_off + total;
}

static void
note_failure (Stats *s, guint frame, const gchar *what, srtp_err_status_t st)
{
  s->failed++;
  if (st == srtp_err_status_auth_fail)
    s->auth_fail++;
  else if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old)
    s->replay++;
  else
    s->other++;
  if (s->first_failure == NULL)
    {
      s->first_failed_frame = frame;
      s->first_failure = g_strdup_printf ("%s, libsrtp status %d%s", what, (int) st,
                                          st == srtp_err_status_auth_fail ? " (authentication failed)"
                                          : st == srtp_err_status_replay_fail
                                            || st == srtp_err_status_replay_old ? " (replay)" : "");
    }
}

/* Decrypts the UDP payload of one record in place when a flow of the key
 * log names it; returns its new length, or 0 to keep the record as it
 * was. */
static gsize
decrypt_udp (GPtrArray *flows, const ImpsPcapPacket *pk, guint8 *payload, guint frame, Stats *s)
{
  gsize len = pk->len;
  if (len < 8 || (payload[0] >> 6) != 2)
    return 0;
  gboolean rtcp = payload[1] >= 192 && payload[1] <= 223;
  if (!rtcp && len < 12)
    return 0;
  guint32 ssrc = rtcp ? (guint32) payload[4] << 24 | payload[5] << 16 | payload[6] << 8 | payload[7]
                      : (guint32) payload[8] << 24 | payload[9] << 16 | payload[10] << 8 | payload[11];
  gboolean named = FALSE;
  srtp_err_status_t last = srtp_err_status_ok;
  g_autofree guint8 *copy = g_memdup2 (payload, len);
  for (guint i = 0; i < flows->len; i++)
    {
      Flow *f = g_ptr_array_index (flows, i);
      const ImpsKeyLogSrtp *k = f->k;
      if (k->src != pk->src || k->dst != pk->dst || k->ssrc != ssrc)
        continue;
      /* RTCP on the RTP port + 1, or on the RTP port itself (rtcp-mux). */
      gboolean ports = k->sport == pk->sport && k->dport == pk->dport;
      if (rtcp && !ports)
        ports = k->sport + 1 == pk->sport && k->dport + 1 == pk->dport;
      if (!ports)
        continue;
      named = TRUE;
      memcpy (payload, copy, len);
      int n = (int) len;
      last = rtcp ? srtp_unprotect_rtcp (f->session, payload, &n)
                  : srtp_unprotect (f->session, payload, &n);
      if (last == srtp_err_status_ok && n > 0 && (gsize) n <= len)
        {
          if (rtcp)
            {
              f->rtcp++;
              s->rtcp++;
            }
          else
            {
              f->rtp++;
              s->rtp++;
            }
          return (gsize) n;
        }
    }
  memcpy (payload, copy, len);
  if (named)
    note_failure (s, frame, rtcp ? "SRTCP" : "SRTP", last);
  else
    s->unkeyed++;
  return 0;
}

static void
flow_free (gpointer p)
{
  Flow *f = p;
  if (f->session)
    srtp_dealloc (f->session);
  g_free (f);
}

int
cli_tool_srtp_decrypt (int argc, char **argv)
{
  g_autofree gchar *in_path = NULL, *keys_path = NULL, *out_path = NULL;
  GOptionEntry entries[] = {
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &in_path, "the capture (pcap or pcapng)", "IN" },
    { "keylog", 0, 0, G_OPTION_ARG_FILENAME, &keys_path, "the key log of the same run", "KEYS" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
      "the capture to write (classic pcap, mode 0600)", "OUT.pcap" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GError) error = NULL;

  if (!cli_parse_options (CMD, NULL,
                          "Writes the capture again with every SRTP and SRTCP packet that a\n"
                          "key log SRTP line names (sender ip:port, receiver ip:port, SSRC;\n"
                          "SRTCP on the RTP ports + 1 or the same ports) replaced by the RTP or\n"
                          "RTCP inside, decrypted and authenticated by libsrtp. Every other\n"
                          "record is copied as it is. Keys with an MKI are not supported (the\n"
                          "key log does not carry MKIs).",
                          "Example, after make demo:\n"
                          "  impsim tool srtp-decrypt --pcap demo.pcap --keylog demo.keys -o demo-rtp.pcap\n\n"
                          "Prints how many packets were decrypted. Exit status: 0 every packet\n"
                          "of the key log's streams decrypted, 1 some did not (authentication\n"
                          "failure, replay; the first is named) or a file could not be read or\n"
                          "written, 2 bad arguments.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    return cli_usage_error (CMD, "unexpected argument '%s'", argv[1]);
  if (in_path == NULL || keys_path == NULL || out_path == NULL)
    return cli_usage_error (CMD, "--pcap IN, --keylog KEYS and -o OUT are all required");

  GStatBuf in_st, out_st;
  if (g_stat (in_path, &in_st) != 0)
    return cli_fail (CMD, "--pcap %s: %s", in_path, g_strerror (errno));
  if (g_stat (out_path, &out_st) == 0 && out_st.st_dev == in_st.st_dev && out_st.st_ino == in_st.st_ino)
    return cli_usage_error (CMD, "-o %s is the input capture itself", out_path);

  gchar *ktext = NULL;
  gsize klen = 0;
  if (!g_file_get_contents (keys_path, &ktext, &klen, &error))
    return cli_fail (CMD, "--keylog: %s", error->message);
  g_autoptr (GPtrArray) keys = imps_key_log_read_srtp (ktext, klen, &error);
  imps_wipe_free (ktext, klen);
  if (keys == NULL)
    return cli_fail (CMD, "--keylog %s: %s", keys_path, error->message);
  if (!imps_srtp_init (&error))
    return cli_fail (CMD, "%s", error->message);

  /* One receiving session per distinct line (the same key is often logged
   * by both ends). */
  g_autoptr (GPtrArray) flows = g_ptr_array_new_with_free_func (flow_free);
  for (guint i = 0; i < keys->len; i++)
    {
      const ImpsKeyLogSrtp *k = g_ptr_array_index (keys, i);
      gboolean dup = FALSE;
      for (guint j = 0; j < flows->len && !dup; j++)
        {
          const ImpsKeyLogSrtp *o = ((Flow *) g_ptr_array_index (flows, j))->k;
          dup = o->src == k->src && o->dst == k->dst && o->sport == k->sport && o->dport == k->dport
                && o->ssrc == k->ssrc && o->key_salt_len == k->key_salt_len
                && memcmp (o->key_salt, k->key_salt, k->key_salt_len) == 0
                && g_ascii_strcasecmp (o->suite, k->suite) == 0;
        }
      if (dup)
        continue;
      Flow *f = g_new0 (Flow, 1);
      f->k = k;
      g_ptr_array_add (flows, f);
      if (!make_session (f, &error))
        return cli_fail (CMD, "--keylog %s: %s", keys_path, error->message);
    }

  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *in = pcap_open_offline_with_tstamp_precision (in_path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (in == NULL)
    return cli_fail (CMD, "--pcap %s: %s", in_path, errbuf);
  int dlt = pcap_datalink (in);
  guint32 linktype = dlt == DLT_RAW ? 101u : (guint32) dlt;
  int snaplen = pcap_snapshot (in);

  int fd = g_open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      pcap_close (in);
      return cli_fail (CMD, "-o %s: %s", out_path, g_strerror (e));
    }
  /* An existing file keeps its mode through O_TRUNC: make it 0600 too. */
  if (fchmod (fd, 0600) != 0)
    {
      int e = errno;
      close (fd);
      pcap_close (in);
      return cli_fail (CMD, "-o %s: %s", out_path, g_strerror (e));
    }
  FILE *fp = fdopen (fd, "wb");
  if (fp == NULL)
    {
      close (fd);
      pcap_close (in);
      return cli_fail (CMD, "-o %s: %s", out_path, g_strerror (errno));
    }
  pcap_t *dead = pcap_open_dead_with_tstamp_precision (dlt, snaplen > 0 ? snaplen : 262144,
                                                       PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t *dumper = pcap_dump_fopen (dead, fp);
  if (dumper == NULL)
    {
      int rc = cli_fail (CMD, "-o %s: %s", out_path, pcap_geterr (dead));
      fclose (fp);
      pcap_close (dead);
      pcap_close (in);
      return rc;
    }

  Stats s = { 0 };
  g_autofree guint8 *buf = g_malloc (65536 + 1024);
  int rc = CLI_EXIT_OK;
  for (;;)
    {
      struct pcap_pkthdr *h;
      const u_char *data;
      int r = pcap_next_ex (in, &h, &data);
      if (r == PCAP_ERROR_BREAK)
        break;
      if (r != 1)
        {
          rc = cli_fail (CMD, "--pcap %s: record %" G_GUINT64_FORMAT ": %s", in_path, s.records + 1,
                         pcap_geterr (in));
          break;
        }
      s.records++;
      guint frame = (guint) s.records;
      ImpsPcapPacket pk;
      gsize ip_off = 0;
      struct pcap_pkthdr oh = *h;
      const u_char *out = data;
      if (h->caplen <= 65536 + 1024 && imps_pcap_record_packet (linktype, data, h->caplen, &pk, &ip_off)
          && pk.proto == 17)
        {
          s.udp++;
          memcpy (buf, data, h->caplen);
          guint8 *payload = buf + (pk.payload - data);
          gsize n = decrypt_udp (flows, &pk, payload, frame, &s);
          if (n > 0)
            {
              gsize new_cap = shrink_record (buf, ip_off, n);
              oh.len = h->len - (h->caplen - (bpf_u_int32) new_cap);
              oh.caplen = (bpf_u_int32) new_cap;
              out = buf;
            }
        }
      pcap_dump ((u_char *) dumper, &oh, out);
    }
  pcap_close (in);
  gboolean write_failed = pcap_dump_flush (dumper) != 0 || ferror (pcap_dump_file (dumper));
  pcap_dump_close (dumper);
  pcap_close (dead);
  if (rc != CLI_EXIT_OK)
    {
      g_free (s.first_failure);
      return rc;
    }
  if (write_failed)
    {
      g_free (s.first_failure);
      return cli_fail (CMD, "-o %s: a write failed", out_path);
    }

  guint unused = 0;
  for (guint i = 0; i < flows->len; i++)
    {
      Flow *f = g_ptr_array_index (flows, i);
      if (f->rtp + f->rtcp == 0)
        unused++;
    }
  printf ("%s: %" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT " UDP\n", out_path, s.records, s.udp);
  printf ("decrypted: %" G_GUINT64_FORMAT " SRTP -> RTP, %" G_GUINT64_FORMAT " SRTCP -> RTCP\n",
          s.rtp, s.rtcp);
  printf ("not decrypted: %" G_GUINT64_FORMAT " of the key log's streams (%" G_GUINT64_FORMAT
          " authentication failures, %" G_GUINT64_FORMAT " replays, %" G_GUINT64_FORMAT " other)\n",
          s.failed, s.auth_fail, s.replay, s.other);
  printf ("left as they were: %" G_GUINT64_FORMAT " RTP or RTCP packets that no key log line names\n", s.unkeyed);
  printf ("key log: %u SRTP lines, %u streams, %u of them not in the capture\n", keys->len,
          flows->len, unused);
  if (s.failed)
    {
      g_printerr ("impsim %s: frame %u: %s\n", CMD, s.first_failed_frame, s.first_failure);
      rc = CLI_EXIT_FAIL;
    }
  g_free (s.first_failure);
  return rc;
}
