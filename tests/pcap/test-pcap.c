/* The pcap writer (src/net/imps-pcap), checked two ways:
 * - read back with libpcap by this test: LINKTYPE_RAW, IPv4 and TCP/UDP
 *   checksums, TCP sequence and acknowledgement numbers per direction,
 *   and the bytes of each direction of each connection equal to the
 *   event log's messages (profile §1, §9 addresses and ports);
 * - read by tshark (when installed; CI installs it) with the Lua
 *   dissector tools/wireshark/mikey_ticket.lua: no malformed frame, no TCP
 *   analysis flag, HTTP and Diameter reassembled into as many PDUs as the
 *   event log has messages, and every MIKEY-TICKET payload decoded.
 *
 * The bootstrap is a real one (HSS, BSF, UE on loopback, as in tests/bsf:
 * TS 35.208 set 1 subscriber, gba.md §12.1). */
#include "gba-fixture.h"
#include "imps-bytes.h"
#include "imps-pcap.h"

#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <string.h>

static const gchar *impsim_path;

/* ---- reading a capture back with libpcap ---- */

typedef struct {
  gchar *key;          /* "src:port>dst:port" */
  GByteArray *bytes;   /* reassembled payload */
  guint32 next_seq;
  gboolean syn, fin;
} Dir;

typedef struct {
  GHashTable *dirs;    /* key -> Dir */
  guint packets, tcp, udp;
  GPtrArray *udp_payloads;  /* GBytes */
} Capture;

static void
dir_free (gpointer p)
{
  Dir *d = p;
  g_free (d->key);
  g_byte_array_unref (d->bytes);
  g_free (d);
}

static void
capture_clear (Capture *c)
{
  g_hash_table_unref (c->dirs);
  g_ptr_array_unref (c->udp_payloads);
}

static guint16
fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

static guint32
sum16 (guint32 sum, const guint8 *p, gsize len)
{
  for (gsize i = 0; i + 1 < len; i += 2)
    sum += (guint32) ((p[i] << 8) | p[i + 1]);
  if (len & 1)
    sum += (guint32) (p[len - 1] << 8);
  return sum;
}

static gchar *
endpoint_key (const guint8 *ip, guint16 sport, guint16 dport)
{
  return g_strdup_printf ("%u.%u.%u.%u:%u>%u.%u.%u.%u:%u", ip[12], ip[13], ip[14], ip[15], sport,
                          ip[16], ip[17], ip[18], ip[19], dport);
}

/* Reads @path, checking every header as it goes. */
static void
capture_read (Capture *c, const gchar *path)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline (path, errbuf);
  g_assert_nonnull (p);
  g_assert_cmpint (pcap_datalink (p), ==, DLT_RAW);
  memset (c, 0, sizeof *c);
  c->dirs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, dir_free);
  c->udp_payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  struct pcap_pkthdr *h;
  const u_char *ip;
  gint64 last_us = 0;
  while (pcap_next_ex (p, &h, &ip) == 1)
    {
      c->packets++;
      g_assert_cmpuint (h->caplen, ==, h->len);
      gint64 t = (gint64) h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
      g_assert_cmpint (t, >=, last_us);
      last_us = t;
      g_assert_cmpuint (h->caplen, >=, 20);
      g_assert_cmphex (ip[0], ==, 0x45);
      guint total = (guint) ((ip[2] << 8) | ip[3]);
      g_assert_cmpuint (total, ==, h->caplen);
      g_assert_cmphex (fold (sum16 (0, ip, 20)), ==, 0xffff);
      guint8 pseudo[12];
      memcpy (pseudo, ip + 12, 8);
      pseudo[8] = 0;
      pseudo[9] = ip[9];
      pseudo[10] = (guint8) ((total - 20) >> 8);
      pseudo[11] = (guint8) (total - 20);
      g_assert_cmphex (fold (sum16 (sum16 (0, pseudo, 12), ip + 20, total - 20)), ==, 0xffff);
      const guint8 *l4 = ip + 20;
      guint16 sport = (guint16) ((l4[0] << 8) | l4[1]);
      guint16 dport = (guint16) ((l4[2] << 8) | l4[3]);
      if (ip[9] == 17)
        {
          c->udp++;
          g_assert_cmpuint ((guint) ((l4[4] << 8) | l4[5]), ==, total - 20);
          g_ptr_array_add (c->udp_payloads, g_bytes_new (l4 + 8, total - 28));
          continue;
        }
      g_assert_cmpuint (ip[9], ==, 6);
      c->tcp++;
      guint32 seq = imps_load_u32 (l4 + 4);
      guint32 ack = imps_load_u32 (l4 + 8);
      guint hlen = (guint) (l4[12] >> 4) * 4;
      guint8 flags = l4[13];
      gsize plen = total - 20 - hlen;
      gchar *key = endpoint_key (ip, sport, dport);
      g_autofree gchar *rkey = endpoint_key ((const guint8[]) { [12] = ip[16], ip[17], ip[18], ip[19],
                                                                 ip[12], ip[13], ip[14], ip[15] },
                                             dport, sport);
      Dir *d = g_hash_table_lookup (c->dirs, key);
      if (flags & 0x02)
        {
          /* SYN: a new direction; never twice (one connection per stream). */
          g_assert_null (d);
          g_assert_cmpuint (hlen, ==, 28);
          d = g_new0 (Dir, 1);
          d->key = key;
          d->bytes = g_byte_array_new ();
          d->next_seq = seq + 1;
          d->syn = TRUE;
          g_hash_table_insert (c->dirs, key, d);
        }
      else
        {
          g_assert_nonnull (d);
          g_free (key);
          /* After its FIN a side only acknowledges. */
          g_assert_false (d->fin && (plen > 0 || (flags & 0x01)));
          g_assert_cmpuint (seq, ==, d->next_seq);
          g_byte_array_append (d->bytes, l4 + hlen, (guint) plen);
          d->next_seq += (guint32) plen + ((flags & 0x01) ? 1 : 0);
          d->fin |= (flags & 0x01) != 0;
          g_assert_cmpuint (plen, <=, IMPS_PCAP_TCP_SEGMENT);
        }
      if (flags & 0x10)
        {
          /* Every ACK acknowledges all the other side has sent. */
          Dir *r = g_hash_table_lookup (c->dirs, rkey);
          g_assert_nonnull (r);
          g_assert_cmpuint (ack, ==, r->next_seq);
        }
    }
  pcap_close (p);
}

/* The payload of the direction named @key, or fails. */
static GByteArray *
capture_dir (Capture *c, const gchar *key)
{
  Dir *d = g_hash_table_lookup (c->dirs, key);
  if (d == NULL)
    {
      GHashTableIter it;
      gpointer k;
      g_hash_table_iter_init (&it, c->dirs);
      while (g_hash_table_iter_next (&it, &k, NULL))
        g_test_message ("direction in the capture: %s", (const gchar *) k);
      g_error ("no TCP direction %s in the capture", key);
    }
  g_assert_true (d->syn && d->fin);
  return d->bytes;
}

/* The bytes the log holds for @stream in the direction sent by @from. */
static GByteArray *
log_bytes (ImpsEventLog *log, const gchar *stream, const gchar *from)
{
  GByteArray *b = g_byte_array_new ();
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != IMPS_EVENT_MESSAGE || e->bytes == NULL || g_strcmp0 (e->stream, stream) != 0
          || g_strcmp0 (e->from, from) != 0)
        continue;
      gsize len;
      const guint8 *d = g_bytes_get_data (e->bytes, &len);
      g_byte_array_append (b, d, (guint) len);
    }
  return b;
}

static void
assert_same_bytes (GByteArray *a, GByteArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpmem (a->data, a->len, b->data, b->len);
}

static guint
count_messages (ImpsEventLog *log, ImpsProtocol proto)
{
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      n += e->kind == IMPS_EVENT_MESSAGE && e->proto == proto && e->bytes != NULL;
    }
  return n;
}

/* ---- tshark ---- */

static gchar *
lua_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "tools", "wireshark", "mikey_ticket.lua", NULL);
}

/* Runs tshark over @file with the Lua dissector and @filter; with
 * @fields, prints those fields (all occurrences, comma separated),
 * otherwise one summary line per frame. */
static gchar *
tshark (const gchar *file, const gchar *filter, const gchar *const *fields)
{
  g_autofree gchar *lua = lua_path ();
  g_autofree gchar *lua_arg = g_strconcat ("lua_script:", lua, NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) "tshark");
  g_ptr_array_add (argv, (gpointer) "-n");
  g_ptr_array_add (argv, (gpointer) "-r");
  g_ptr_array_add (argv, (gpointer) file);
  if (g_file_test (lua, G_FILE_TEST_EXISTS))
    {
      g_ptr_array_add (argv, (gpointer) "-X");
      g_ptr_array_add (argv, lua_arg);
    }
  if (filter)
    {
      g_ptr_array_add (argv, (gpointer) "-Y");
      g_ptr_array_add (argv, (gpointer) filter);
    }
  if (fields)
    {
      g_ptr_array_add (argv, (gpointer) "-T");
      g_ptr_array_add (argv, (gpointer) "fields");
      g_ptr_array_add (argv, (gpointer) "-E");
      g_ptr_array_add (argv, (gpointer) "occurrence=a");
      g_ptr_array_add (argv, (gpointer) "-E");
      g_ptr_array_add (argv, (gpointer) "aggregator=,");
      for (guint i = 0; fields[i]; i++)
        {
          g_ptr_array_add (argv, (gpointer) "-e");
          g_ptr_array_add (argv, (gpointer) fields[i]);
        }
    }
  g_ptr_array_add (argv, NULL);
  gchar *out = NULL, *err = NULL;
  gint status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL) || (err && strstr (err, "Lua: Error")))
    g_error ("tshark -Y '%s' failed: %s", filter ? filter : "", err);
  /* A Lua error in the dissector is reported on stderr (or in the tree). */
  g_assert_null (strstr (err, "Lua Error"));
  g_free (err);
  return out;
}

/* How many values tshark printed (tabs, commas and lines separate them). */
static guint
count_values (const gchar *out)
{
  guint n = 0;
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) cells = g_strsplit_set (lines[i], "\t,", -1);
      for (guint j = 0; cells[j]; j++)
        n += cells[j][0] != '\0';
    }
  return n;
}

static gboolean
have_tshark (void)
{
  g_autofree gchar *p = g_find_program_in_path ("tshark");
  if (p == NULL)
    {
      g_test_skip ("tshark is not installed (tools/ensure-deps installs it)");
      return FALSE;
    }
  return TRUE;
}

/* No malformed frame and no TCP analysis flag anywhere. */
static void
assert_clean (const gchar *file)
{
  g_autofree gchar *malformed = tshark (file, "_ws.malformed || _ws.expert.severity == error", NULL);
  g_assert_cmpstr (malformed, ==, "");
  g_autofree gchar *flags = tshark (file, "tcp.analysis.flags", NULL);
  g_assert_cmpstr (flags, ==, "");
}

/* ---- the bootstrap capture ---- */

typedef struct {
  GbaFx fx;
  gchar *dir;
  gchar *file;
} PcapFx;

static void
pfx_setup (PcapFx *p, gconstpointer data)
{
  fx_setup (&p->fx, data);
  p->dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_assert_nonnull (p->dir);
  p->file = g_build_filename (p->dir, "capture.pcap", NULL);
}

static void
pfx_teardown (PcapFx *p, gconstpointer data)
{
  g_unlink (p->file);
  g_rmdir (p->dir);
  g_free (p->file);
  g_free (p->dir);
  fx_teardown (&p->fx, data);
}

/* Ub bootstrap and a Zn BIR, written as they happen (listener). */
static void
make_bootstrap_capture (PcapFx *p)
{
  GbaFx *fx = &p->fx;
  g_autoptr (GError) error = NULL;
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  g_autoptr (ImpsPcapWriter) w = imps_pcap_writer_new (p->file, &error);
  g_assert_no_error (error);
  imps_pcap_writer_learn_network (w, fx->net);
  imps_pcap_writer_attach (w, log);
  g_assert_true (fx_bootstrap (fx, fx->ue));
  g_assert_no_error (fx->error);
  const guint8 ua_id[5] = { 0x01, 0x00, 0x00, 0x00, 0x06 };
  g_autoptr (ImpsDiameterBia) bia = fx_bir (fx, imps_ue_get_btid (fx->ue), "kms.home1.net", ua_id);
  g_assert_nonnull (bia);
  imps_pcap_writer_detach (w);
  g_assert_cmpuint (imps_pcap_writer_get_errors (w), ==, 0);
  g_assert_true (imps_pcap_writer_close (w, &error));
  g_assert_no_error (error);
  fx_dump_log (fx);
}

static void
test_bootstrap_readback (PcapFx *p, gconstpointer data)
{
  GbaFx *fx = &p->fx;
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  make_bootstrap_capture (p);

  Capture c;
  capture_read (&c, p->file);
  /* Ub: alice (127.1.1.1, first ephemeral port) to the BSF on port 80;
   * Zh: BSF to the HSS on 3868; Zn: test KMS to the BSF on 3868. */
  g_assert_cmpuint (count_messages (log, IMPS_PROTO_HTTP), ==, 4);
  g_assert_cmpuint (count_messages (log, IMPS_PROTO_DIAMETER), ==, 4);
  g_assert_cmpuint (g_hash_table_size (c.dirs), ==, 6);
  struct {
    const gchar *key, *stream, *from;
  } dirs[] = {
    { "127.1.1.1:49152>127.0.1.20:80", "http alice-bsf.home1.net", "alice" },
    { "127.0.1.20:80>127.1.1.1:49152", "http alice-bsf.home1.net", "bsf.home1.net" },
    { "127.0.1.20:49153>127.0.1.10:3868", "diameter bsf.home1.net-hss.home1.net", "bsf.home1.net" },
    { "127.0.1.10:3868>127.0.1.20:49153", "diameter bsf.home1.net-hss.home1.net", "hss.home1.net" },
    { "127.0.1.30:49154>127.0.1.20:3868", "diameter kms.home1.net-bsf.home1.net", "kms.home1.net" },
    { "127.0.1.20:3868>127.0.1.30:49154", "diameter kms.home1.net-bsf.home1.net", "bsf.home1.net" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autoptr (GByteArray) want = log_bytes (log, dirs[i].stream, dirs[i].from);
      g_assert_cmpuint (want->len, >, 0);
      assert_same_bytes (capture_dir (&c, dirs[i].key), want);
    }
  /* 3 connections: handshake 3 + FIN 3 each; each message is one segment
   * (all are under 1448 bytes) plus the receiver's ACK. */
  g_assert_cmpuint (c.tcp, ==, 3 * 6 + 8 * 2);
  g_assert_cmpuint (c.udp, ==, 0);
  capture_clear (&c);
}

static void
test_bootstrap_tshark (PcapFx *p, gconstpointer data)
{
  if (!have_tshark ())
    return;
  ImpsEventLog *log = imps_network_get_event_log (p->fx.net);
  make_bootstrap_capture (p);
  assert_clean (p->file);
  const gchar *http_fields[] = { "http.request.method", "http.response.code", NULL };
  g_autofree gchar *http = tshark (p->file, "http", http_fields);
  g_assert_cmpuint (count_values (http), ==, count_messages (log, IMPS_PROTO_HTTP));
  const gchar *dia_fields[] = { "diameter.cmd.code", NULL };
  g_autofree gchar *dia = tshark (p->file, "diameter", dia_fields);
  g_assert_cmpuint (count_values (dia), ==, count_messages (log, IMPS_PROTO_DIAMETER));
  /* MAR/MAA (303) on Zh, BIR/BIA (310) on Zn. */
  g_assert_nonnull (strstr (dia, "303"));
  g_assert_nonnull (strstr (dia, "310"));
  /* The Ub exchange: 401 then 200. */
  g_assert_nonnull (strstr (http, "401"));
  g_assert_nonnull (strstr (http, "200"));
}

/* ---- segmentation and UDP, with hand-made events ---- */

static void
test_segments_and_udp (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "seg.pcap", NULL);
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  g_autoptr (GError) error = NULL;
  /* A 5000-byte POST body: four segments of at most 1448 bytes. */
  g_autoptr (GString) req = g_string_new ("POST /kms?requesttype=ticketrequest HTTP/1.1\r\n"
                                          "Host: kms.home1.net\r\n"
                                          "Content-Type: application/octet-stream\r\n"
                                          "Content-Length: 5000\r\n\r\n");
  for (guint i = 0; i < 5000; i++)
    g_string_append_c (req, (gchar) ('a' + i % 26));
  g_autoptr (GBytes) rb = g_bytes_new (req->str, req->len);
  const gchar *resp = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
  g_autoptr (GBytes) sb = g_bytes_new_static (resp, strlen (resp));
  const gchar *sip = "OPTIONS sip:bob@home1.net SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 127.1.1.1:5060;branch=z9hG4bK1\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@home1.net>;tag=1\r\n"
                     "To: <sip:bob@home1.net>\r\nCall-ID: 1@home1.net\r\nCSeq: 1 OPTIONS\r\n"
                     "Content-Length: 0\r\n\r\n";
  g_autoptr (GBytes) sipb = g_bytes_new_static (sip, strlen (sip));
  gint64 t0 = FX_START_S * G_USEC_PER_SEC;
  imps_event_log_add (log, t0, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP, "alice",
                      "kms.home1.net", "POST", NULL, rb, "http alice-kms");
  imps_event_log_add (log, t0 + 10, IMPS_EVENT_REFUSAL, IMPS_REF_NONE, IMPS_PROTO_NONE,
                      "kms.home1.net", NULL, "refused", "why", NULL, NULL);
  imps_event_log_add (log, t0 + 20, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP,
                      "kms.home1.net", "alice", "204", NULL, sb, "http alice-kms");
  imps_event_log_add (log, t0 + 30, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP, "alice",
                      "pcscf.home1.net", "OPTIONS", NULL, sipb, NULL);
  /* An outside peer named by address and port. */
  imps_event_log_add (log, t0 + 40, IMPS_EVENT_MESSAGE, IMPS_REF_UB, IMPS_PROTO_HTTP,
                      "192.0.2.7:40000", "bsf.home1.net", "GET", NULL, sb, "http outside");

  g_autoptr (ImpsPcapWriter) w = imps_pcap_writer_new (file, &error);
  g_assert_no_error (error);
  imps_pcap_writer_set_address (w, "alice", "127.1.1.1");
  imps_pcap_writer_set_address (w, "kms.home1.net", "127.0.1.30");
  imps_pcap_writer_set_address (w, "pcscf.home1.net", "127.0.1.40");
  imps_pcap_writer_set_address (w, "bsf.home1.net", "127.0.1.20");
  g_assert_true (imps_pcap_writer_add_log (w, log, &error));
  g_assert_no_error (error);
  g_assert_true (imps_pcap_writer_close (w, &error));
  g_assert_no_error (error);
  /* Closed: no more events. */
  g_assert_false (imps_pcap_writer_add_event (w, imps_event_log_get (log, 0), &error));
  g_assert_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_CLOSED);

  Capture c;
  capture_read (&c, file);
  GByteArray *up = capture_dir (&c, "127.1.1.1:49152>127.0.1.30:80");
  g_assert_cmpmem (up->data, up->len, req->str, req->len);
  GByteArray *down = capture_dir (&c, "127.0.1.30:80>127.1.1.1:49152");
  g_assert_cmpmem (down->data, down->len, resp, strlen (resp));
  capture_dir (&c, "192.0.2.7:40000>127.0.1.20:80");
  /* 2 connections x (3 + 3) + 4 data segments + 1 ACK + 1 response + 1 ACK
   * + 1 outside request + 1 ACK. */
  g_assert_cmpuint (c.tcp, ==, 12 + 4 + 1 + 1 + 1 + 2);
  g_assert_cmpuint (c.udp, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (c.udp_payloads, 0), NULL),
                   g_bytes_get_size (g_ptr_array_index (c.udp_payloads, 0)), sip, strlen (sip));
  capture_clear (&c);

  g_autofree gchar *tshark_bin = g_find_program_in_path ("tshark");
  if (tshark_bin != NULL)
    {
      assert_clean (file);
      const gchar *f[] = { "sip.Method", NULL };
      g_autofree gchar *s = tshark (file, "sip", f);
      g_assert_cmpstr (g_strstrip (s), ==, "OPTIONS");
      const gchar *h[] = { "http.content_length", NULL };
      g_autofree gchar *hs = tshark (file, "http.request.method == \"POST\"", h);
      g_assert_cmpstr (g_strstrip (hs), ==, "5000");
    }
  g_unlink (file);
  g_rmdir (dir);
}

static void
test_open_error (void)
{
  g_autoptr (GError) error = NULL;
  ImpsPcapWriter *w = imps_pcap_writer_new ("/nonexistent-dir/x.pcap", &error);
  g_assert_null (w);
  g_assert_error (error, IMPS_PCAP_ERROR, IMPS_PCAP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent-dir/x.pcap"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  impsim_path = argc > 1 ? argv[1] : NULL;
  g_test_add_func ("/pcap/writer/segments-and-udp", test_segments_and_udp);
  g_test_add_func ("/pcap/writer/open-error", test_open_error);
  g_test_add ("/pcap/writer/bootstrap-readback", PcapFx, NULL, pfx_setup,
              test_bootstrap_readback, pfx_teardown);
  g_test_add ("/pcap/tshark/bootstrap", PcapFx, NULL, pfx_setup, test_bootstrap_tshark,
              pfx_teardown);
  return g_test_run ();
}
