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
#include "imps-sip-bus.h"
#include "imps-secret.h"
#include "diameter/imps-diameter-dict.h"
#include "mikey/imps-mikey-exchange.h"
#include "mikey/imps-mikey-message.h"
#include "mikey/imps-mikey-ticket.h"

#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <pcap/pcap.h>
#include <string.h>

static const gchar *impsim_path;
static const gchar *scenario_path;

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
  GPtrArray *udp_keys;      /* gchar *, "src:port>dst:port" of each UDP packet */
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
  g_ptr_array_unref (c->udp_keys);
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
  c->udp_keys = g_ptr_array_new_with_free_func (g_free);
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
          g_ptr_array_add (c->udp_keys, endpoint_key (ip, sport, dport));
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
  if (!g_file_test (lua, G_FILE_TEST_EXISTS))
    g_error ("%s not found (run through meson test, which sets G_TEST_SRCDIR)", lua);
  g_ptr_array_add (argv, (gpointer) "-X");
  g_ptr_array_add (argv, lua_arg);
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
  /* Zk: the plaintext sent inside TLS, on port 8080 in the capture. */
  imps_event_log_add (log, t0 + 50, IMPS_EVENT_MESSAGE, IMPS_REF_ZK, IMPS_PROTO_HTTP,
                      "kms.home2.net", "kms.home1.net", "POST", NULL, rb, "https zk");

  g_autoptr (ImpsPcapWriter) w = imps_pcap_writer_new (file, &error);
  g_assert_no_error (error);
  imps_pcap_writer_set_address (w, "alice", "127.1.1.1");
  imps_pcap_writer_set_address (w, "kms.home1.net", "127.0.1.30");
  imps_pcap_writer_set_address (w, "pcscf.home1.net", "127.0.1.40");
  imps_pcap_writer_set_address (w, "bsf.home1.net", "127.0.1.20");
  imps_pcap_writer_set_address (w, "kms.home2.net", "127.0.2.30");
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
  GByteArray *zk = capture_dir (&c, "127.0.2.30:49153>127.0.1.30:8080");
  g_assert_cmpmem (zk->data, zk->len, req->str, req->len);
  /* 3 connections x (3 + 3) + 4 data segments + 1 ACK + 1 response + 1 ACK
   * + 1 outside request + 1 ACK + Zk 4 segments + 1 ACK. */
  g_assert_cmpuint (c.tcp, ==, 18 + 4 + 1 + 1 + 1 + 2 + 5);
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
      const gchar *h[] = { "tcp.dstport", "http.content_length", NULL };
      g_autofree gchar *hs = tshark (file, "http.request.method == \"POST\"", h);
      /* Ua on 80 and Zk on 8080, both decoded as HTTP and reassembled */
      g_assert_cmpstr (g_strstrip (hs), ==, "80\t5000\n8080\t5000");
    }
  g_unlink (file);
  g_rmdir (dir);
}

/* ---- MIKEY-TICKET messages of every type (mikey-ticket.md §5.2) ---- */

/* Inputs chosen by this project (seeded keys, a fixed clock), as in
 * tests/mikey/test-mikey-exchange.c: alice asks kms.example.org for a
 * forking ticket for bob (so TICKET carries Initiator Data), with a desired
 * KEMAC (A-7: NULL encryption, so its key-data chain is decodable). */
#define MK_NOW G_GUINT64_CONSTANT (0xEC3F1E4F00000000) /* 2025-08-01 (NTP) */
#define MK_SEC(n) ((guint64) (n) << 32)
#define MK_KMS "kms.example.org"
#define MK_ALICE "sip:alice@example.org"
#define MK_BOB "sip:bob@example.org"
#define MK_ALICE_ID "alice-btid@bsf.example.org"
#define MK_BOB_ID "bob-btid@bsf.example.org"

typedef struct {
  GPtrArray *msgs;     /* ImpsMikeyMessage *, in the order sent */
} MikeyRun;

/* Appends @m as parsed from its bytes; returns the parsed message. */
static ImpsMikeyMessage *
mikey_reparse (MikeyRun *run, const ImpsMikeyMessage *m)
{
  g_autoptr (GError) error = NULL;
  g_assert_nonnull (m->body.raw);
  ImpsMikeyMessage *p = imps_mikey_message_parse (m->body.raw, m->body.raw_len, &error);
  g_assert_no_error (error);
  g_ptr_array_add (run->msgs, p);
  return p;
}

static void
mikey_run (MikeyRun *run)
{
  g_autoptr (GError) error = NULL;
  ImpsRandom *rnd = imps_random_new_seeded (6043);
  ImpsMikeyTpk tpk = { 0 };
  ImpsMikeySuite suite;
  ImpsMikeyKms kms = { 0 };
  ImpsMikeyKmsPolicy policy;
  guint8 alice_psk[32], bob_psk[32];
  ImpsMikeyReplay *replay = imps_mikey_replay_new (64, 300);
  ImpsMikeyReplay *uses = imps_mikey_replay_new (64, 300);

  run->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_mikey_message_free);
  tpk.index = 7;
  tpk.key_len = 32;
  imps_random_fill (rnd, tpk.key, 32);
  imps_random_fill (rnd, alice_psk, 32);
  imps_random_fill (rnd, bob_psk, 32);
  imps_mikey_suite_init (&suite, FALSE);
  kms.kms_uri = MK_KMS;
  kms.tpk = &tpk;
  kms.tpks = &tpk;
  kms.n_tpks = 1;
  kms.suite = suite;
  kms.skew = 300;
  imps_mikey_kms_policy_init_default (&policy, "example.org");

  /* REQUEST_INIT_PSK -> REQUEST_RESP */
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, suite.prf, TRUE);
  imps_mikey_tp_add_responder (&tp, MK_BOB);
  tp.n_desired = 1;
  tp.desired[0].type = IMPS_MIKEY_KEY_TGK;
  tp.desired[0].len = 16;
  ImpsMikeyRequestParams rp = { 0 };
  rp.suite = suite;
  rp.initiator_uri = MK_ALICE;
  rp.kms_uri = MK_KMS;
  rp.psk_id = (const guint8 *) MK_ALICE_ID;
  rp.psk_id_len = strlen (MK_ALICE_ID);
  rp.desired = &tp;
  g_autoptr (ImpsMikeyMessage) req_built = imps_mikey_request_init_build (&rp, alice_psk, 32, MK_NOW,
                                                                           rnd, &error);
  g_assert_no_error (error);
  /* Every message as its receiver sees it: parsed from the bytes sent. */
  ImpsMikeyMessage *req = mikey_reparse (run, req_built);
  g_assert_true (imps_mikey_initial_verify (req, alice_psk, 32, MK_KMS, MK_NOW, 300, replay, &error));
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyMessage) resp_built = imps_mikey_request_resp_build (&kms, &policy, req,
                                                                            alice_psk, 32, MK_NOW,
                                                                            rnd, &error);
  g_assert_no_error (error);
  ImpsMikeyMessage *resp = mikey_reparse (run, resp_built);
  g_autoptr (ImpsMikeyHeldTicket) held
    = imps_mikey_request_resp_process (req, resp->body.raw, resp->body.raw_len, alice_psk, 32,
                                       MK_NOW, 300, &error);
  g_assert_no_error (error);

  /* TRANSFER_INIT */
  ImpsMikeyTransferParams tpar = { 0 };
  tpar.suite = suite;
  tpar.initiator_uri = MK_ALICE;
  tpar.responder_uri = MK_BOB;
  tpar.n_media = 1;
  tpar.ssrc[0] = 0x11110000;
  tpar.sdp_ids = "mikey";
  g_autoptr (ImpsMikeyMessage) ti_built = imps_mikey_transfer_init_build (held, &tpar,
                                                                          MK_NOW + MK_SEC (1), rnd,
                                                                          &error);
  g_assert_no_error (error);
  ImpsMikeyMessage *ti = mikey_reparse (run, ti_built);

  /* RESOLVE_INIT_PSK -> RESOLVE_RESP at bob */
  g_autoptr (ImpsMikeyMessage) ti_b = imps_mikey_transfer_init_precheck (ti->body.raw, ti->body.raw_len,
                                                                         MK_BOB, MK_NOW + MK_SEC (2),
                                                                         300, NULL, &error);
  g_assert_no_error (error);
  ImpsMikeyResolveParams res_p = { MK_BOB, MK_KMS, (const guint8 *) MK_BOB_ID, strlen (MK_BOB_ID) };
  g_autoptr (ImpsMikeyMessage) ri_built = imps_mikey_resolve_init_build (ti_b, &res_p, bob_psk, 32,
                                                                         MK_NOW + MK_SEC (2), rnd,
                                                                         &error);
  g_assert_no_error (error);
  ImpsMikeyMessage *ri = mikey_reparse (run, ri_built);
  g_assert_true (imps_mikey_initial_verify (ri, bob_psk, 32, MK_KMS, MK_NOW + MK_SEC (2), 300,
                                            replay, &error));
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyMessage) rr_built = imps_mikey_resolve_resp_build (&kms, &policy, ri, bob_psk,
                                                                         32, MK_NOW + MK_SEC (2),
                                                                         rnd, uses, &error);
  g_assert_no_error (error);
  ImpsMikeyMessage *rr = mikey_reparse (run, rr_built);
  g_autoptr (ImpsMikeyResolved) resolved
    = imps_mikey_resolve_resp_process (ri, rr->body.raw, rr->body.raw_len, bob_psk, 32, ti_b, MK_BOB,
                                       MK_NOW + MK_SEC (2), 300, NULL, &error);
  g_assert_no_error (error);

  /* TRANSFER_RESP */
  ImpsMikeySrtpKeys keys[IMPS_MIKEY_MAX_CS];
  guint n_keys = 0;
  guint32 ssrc[1] = { 0x22220000 };
  g_autoptr (ImpsMikeyMessage) tr = imps_mikey_transfer_resp_build (ti_b, resolved, MK_BOB, ssrc, 1,
                                                                     MK_NOW + MK_SEC (3), rnd, keys,
                                                                     &n_keys, NULL, &error);
  g_assert_no_error (error);
  mikey_reparse (run, tr);
  imps_mikey_srtp_keys_clear (keys, n_keys);

  /* An Error (data type 6) answering the TRANSFER_INIT, keyed with MPKi. */
  ImpsMikeyMsgKeys ek;
  g_assert_true (imps_mikey_error_keys (ti, held->keys.mpks[0].key, held->keys.mpks[0].key_len, &ek,
                                        &error));
  const guint8 codes[] = { IMPS_MIKEY_ERR_INVALID_SP, IMPS_MIKEY_ERR_INVALID_SPPAR };
  g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_build (&ti->hdr, codes, 2, &ek,
                                                            MK_NOW + MK_SEC (4), &error);
  g_assert_no_error (error);
  imps_mikey_msg_keys_clear (&ek);
  mikey_reparse (run, em);

  imps_mikey_replay_free (replay);
  imps_mikey_replay_free (uses);
  imps_mikey_tpk_clear (&tpk);
  imps_wipe (alice_psk, sizeof alice_psk);
  imps_wipe (bob_psk, sizeof bob_psk);
  imps_random_free (rnd);
}

/* What the dissector must list for one message: the top-level payload
 * types, and the inner ones in tree order (TP Data, Ticket Data, Initiator
 * Data, and key data inside an unencrypted KEMAC). */
static void
append_items (GString *s, const ImpsMikeyPayload *items, guint n);

static void
append_type (GString *s, guint type)
{
  g_string_append_printf (s, "%s%u", s->len ? "," : "", type);
}

static void
append_payload_inner (GString *s, const ImpsMikeyPayload *pl)
{
  if (pl->type == IMPS_MIKEY_PAYLOAD_KEMAC && pl->u.kemac.encr_alg == 0 && pl->u.kemac.encr_data.len)
    {
      ImpsMikeyKeyData kd[IMPS_MIKEY_MAX_KEY_DATA];
      guint n = 0;
      g_assert_true (imps_mikey_key_data_parse (pl->u.kemac.encr_data.data, pl->u.kemac.encr_data.len,
                                                kd, G_N_ELEMENTS (kd), &n, NULL));
      for (guint i = 0; i < n; i++)
        append_type (s, 20);
    }
  if (pl->type == IMPS_MIKEY_PAYLOAD_TP || pl->type == IMPS_MIKEY_PAYLOAD_TICKET)
    {
      append_items (s, pl->u.ticket.tp_items, pl->u.ticket.n_tp_items);
      if (pl->type == IMPS_MIKEY_PAYLOAD_TICKET)
        {
          g_autoptr (GError) error = NULL;
          ImpsMikeyChain *td = imps_mikey_chain_parse_ticket_data (pl->u.ticket.ticket_data.data,
                                                                   pl->u.ticket.ticket_data.len,
                                                                   &error);
          g_assert_no_error (error);
          /* THDR has no payload type and is not listed. */
          for (guint i = 0; i < td->n_payloads; i++)
            if (td->payloads[i].type != IMPS_MIKEY_PAYLOAD_THDR)
              {
                append_type (s, td->payloads[i].type);
                append_payload_inner (s, &td->payloads[i]);
              }
          imps_mikey_chain_free (td);
          append_items (s, pl->u.ticket.init_items, pl->u.ticket.n_init_items);
        }
    }
}

static void
append_items (GString *s, const ImpsMikeyPayload *items, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      append_type (s, items[i].type);
      append_payload_inner (s, &items[i]);
    }
}

static gchar *
expected_top (const ImpsMikeyMessage *m)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < m->body.n_payloads; i++)
    append_type (s, m->body.payloads[i].type);
  return g_string_free (s, FALSE);
}

static gchar *
expected_inner (const ImpsMikeyMessage *m)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < m->body.n_payloads; i++)
    append_payload_inner (s, &m->body.payloads[i]);
  return g_string_free (s, FALSE);
}

static GBytes *
http_message (const gchar *start, const gchar *host, const ImpsMikeyMessage *m)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autofree gchar *head = g_strdup_printf ("%s\r\n%s%s%sContent-Type: application/mikey\r\n"
                                            "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                                            start, host ? "Host: " : "", host ? host : "",
                                            host ? "\r\n" : "", m->body.raw_len);
  g_byte_array_append (b, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (b, m->body.raw, (guint) m->body.raw_len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&b));
}

static GBytes *
sip_message (const gchar *start, gboolean request, const ImpsMikeyMessage *m)
{
  g_autofree gchar *b64 = g_base64_encode (m->body.raw, m->body.raw_len);
  g_autofree gchar *sdp = g_strdup_printf ("v=0\r\no=- 1 1 IN IP4 127.1.1.1\r\ns=-\r\n"
                                           "c=IN IP4 127.1.1.1\r\nt=0 0\r\n"
                                           "m=audio 49170 RTP/SAVP 0\r\n"
                                           "a=key-mgmt:mikey %s\r\n", b64);
  g_autofree gchar *msg = g_strdup_printf ("%s\r\n"
                                           "Via: SIP/2.0/UDP 127.1.1.1:5060;branch=z9hG4bK77\r\n"
                                           "%s"
                                           "From: <" MK_ALICE ">;tag=a1\r\nTo: <" MK_BOB ">%s\r\n"
                                           "Call-ID: c1@example.org\r\nCSeq: 1 INVITE\r\n"
                                           "Contact: <sip:alice@127.1.1.1>\r\n"
                                           "Content-Type: application/sdp\r\n"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                                           start, request ? "Max-Forwards: 70\r\n" : "",
                                           request ? "" : ";tag=b1", strlen (sdp), sdp);
  return g_bytes_new (msg, strlen (msg));
}

/* Writes the MIKEY capture: every message as an HTTP POST body (and its
 * answer as 200 OK) on Ua, TRANSFER_INIT and TRANSFER_RESP also in SIP
 * INVITE / 200 OK SDP a=key-mgmt. Returns the number of HTTP messages. */
static guint
write_mikey_capture (const gchar *file, MikeyRun *run)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  g_autoptr (GError) error = NULL;
  gint64 t = FX_START_S * G_USEC_PER_SEC;
  guint n_http = 0;
  for (guint i = 0; i < run->msgs->len; i++)
    {
      const ImpsMikeyMessage *m = g_ptr_array_index (run->msgs, i);
      guint8 dt = m->hdr.data_type;
      /* Initial messages are requests; the answers are responses. */
      gboolean request = dt == IMPS_MIKEY_DATA_REQUEST_INIT_PSK || dt == IMPS_MIKEY_DATA_RESOLVE_INIT_PSK
                         || dt == IMPS_MIKEY_DATA_TRANSFER_INIT;
      const gchar *ue = dt == IMPS_MIKEY_DATA_REQUEST_INIT_PSK || dt == IMPS_MIKEY_DATA_REQUEST_RESP
                        || dt == IMPS_MIKEY_DATA_TRANSFER_INIT ? "alice" : "bob";
      g_autoptr (GBytes) b = request
        ? http_message (dt == IMPS_MIKEY_DATA_REQUEST_INIT_PSK
                        ? "POST /kms?requesttype=ticketrequest HTTP/1.1"
                        : "POST /kms?requesttype=ticketresolve HTTP/1.1", MK_KMS, m)
        : http_message ("HTTP/1.1 200 OK", NULL, m);
      g_autofree gchar *stream = g_strdup_printf ("http %s-kms", ue);
      imps_event_log_add (log, t += 1000, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP,
                          request ? ue : "kms.example.org", request ? "kms.example.org" : ue,
                          imps_mikey_data_type_name (dt), NULL, b, stream);
      n_http++;
      if (dt == IMPS_MIKEY_DATA_TRANSFER_INIT || dt == IMPS_MIKEY_DATA_TRANSFER_RESP)
        {
          gboolean inv = dt == IMPS_MIKEY_DATA_TRANSFER_INIT;
          g_autoptr (GBytes) sb = sip_message (inv ? "INVITE " MK_BOB " SIP/2.0" : "SIP/2.0 200 OK",
                                               inv, m);
          imps_event_log_add (log, t += 1000, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP,
                              inv ? "alice" : "bob", inv ? "bob" : "alice", inv ? "INVITE" : "200",
                              NULL, sb, NULL);
        }
    }
  g_autoptr (ImpsPcapWriter) w = imps_pcap_writer_new (file, &error);
  g_assert_no_error (error);
  imps_pcap_writer_set_address (w, "alice", "127.1.1.1");
  imps_pcap_writer_set_address (w, "bob", "127.1.1.2");
  imps_pcap_writer_set_address (w, "kms.example.org", "127.0.1.30");
  g_assert_true (imps_pcap_writer_add_log (w, log, &error));
  g_assert_true (imps_pcap_writer_close (w, &error));
  g_assert_no_error (error);
  return n_http;
}

static void
test_mikey_tshark (void)
{
  if (!have_tshark ())
    return;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "mikey.pcap", NULL);
  MikeyRun run;
  mikey_run (&run);
  /* Every MIKEY-TICKET message type of the exchange, and an Error. */
  g_assert_cmpuint (run.msgs->len, ==, 7);
  guint n_http = write_mikey_capture (file, &run);
  assert_clean (file);

  /* HTTP bodies: one line per frame, in the order sent. */
  const gchar *f[] = { "mikeyticket.type", "mikeyticket.payload", "mikeyticket.inner",
                       "mikeyticket.cs.id", "mikeyticket.tp.flag.i", "mikeyticket.ticket.initiator_data_len",
                       "mikeyticket.thdr.len", "mikeyticket.err.no", "mikeyticket.ext.sdp_ids", NULL };
  g_autofree gchar *out = tshark (file, "http && mikeyticket", f);
  gsize olen = strlen (out);
  g_assert_true (olen > 0 && out[olen - 1] == '\n');
  out[olen - 1] = '\0';
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_http);
  guint n_ticket = 0;
  for (guint i = 0; i < run.msgs->len; i++)
    {
      const ImpsMikeyMessage *m = g_ptr_array_index (run.msgs, i);
      g_auto (GStrv) c = g_strsplit (lines[i], "\t", -1);
      g_assert_cmpuint (g_strv_length (c), ==, 9);
      g_test_message ("%s: %s", imps_mikey_data_type_name (m->hdr.data_type), lines[i]);
      g_assert_cmpuint (g_ascii_strtoull (c[0], NULL, 10), ==, m->hdr.data_type);
      g_autofree gchar *top = expected_top (m);
      g_autofree gchar *inner = expected_inner (m);
      g_assert_cmpstr (c[1], ==, top);
      g_assert_cmpstr (c[2], ==, inner);
      /* GENERIC-ID map: one CS ID per crypto session (profile §3: two per m-line). */
      g_autofree gchar *cs = g_strdup ("");
      for (guint k = 0; k < m->hdr.n_cs && m->hdr.map_type == IMPS_MIKEY_CS_MAP_GENERIC_ID; k++)
        {
          gchar *x = g_strdup_printf ("%s%s%u", cs, k ? "," : "", m->hdr.cs[k].cs_id);
          g_free (cs);
          cs = x;
        }
      g_assert_cmpstr (c[3], ==, cs);
      const ImpsMikeyPayload *tk = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_TICKET);
      const ImpsMikeyPayload *tpp = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_TP);
      if (tk || tpp)
        /* the forking ticket: I set in the desired and the granted policy */
        g_assert_cmpstr (c[4], ==, "1");
      if (tk)
        {
          n_ticket++;
          g_autofree gchar *il = g_strdup_printf ("%" G_GSIZE_FORMAT, tk->u.ticket.initiator_data.len);
          g_assert_cmpstr (c[5], ==, il);
          /* THDR Data: format byte and 32-bit TPK index (imps-mikey-ticket.h) */
          g_assert_cmpstr (c[6], ==, "5");
        }
      if (m->hdr.data_type == IMPS_MIKEY_DATA_ERROR)
        g_assert_cmpstr (c[7], ==, "9,10");
      if (m->hdr.data_type == IMPS_MIKEY_DATA_TRANSFER_INIT)
        {
          g_assert_cmpstr (c[6], ==, "5");
          g_assert_cmpstr (c[8], ==, "mikey");
          /* Initiator Data with forking: first type V, Vi and Vr (§4.16) */
          g_assert_cmpuint (tk->u.ticket.initiator_data.len, ==, 1 + 2 * 22);
        }
    }
  /* REQUEST_RESP, TRANSFER_INIT and RESOLVE_INIT_PSK carry the TICKET. */
  g_assert_cmpuint (n_ticket, ==, 3);

  /* The SDP a=key-mgmt hand-off: the INVITE's and the 200's MIKEY. */
  const gchar *sf[] = { "mikeyticket.type", "mikeyticket.payload", NULL };
  g_autofree gchar *sip = tshark (file, "sip && mikeyticket", sf);
  const ImpsMikeyMessage *ti = g_ptr_array_index (run.msgs, 2);
  const ImpsMikeyMessage *trm = g_ptr_array_index (run.msgs, 5);
  g_autofree gchar *ti_top = expected_top (ti);
  g_autofree gchar *tr_top = expected_top (trm);
  g_autofree gchar *want = g_strdup_printf ("%u\t%s\n%u\t%s\n", ti->hdr.data_type, ti_top,
                                            trm->hdr.data_type, tr_top);
  g_assert_cmpstr (sip, ==, want);
  g_ptr_array_unref (run.msgs);
  g_unlink (file);
  g_rmdir (dir);
}

static void
add_body_event (ImpsEventLog *log, const guint8 *body, gsize len, guint n)
{
  g_autofree gchar *head = g_strdup_printf ("POST /kms HTTP/1.1\r\nHost: kms\r\n"
                                            "Content-Type: application/mikey\r\n"
                                            "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", len);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (b, body, (guint) len);
  g_autoptr (GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&b));
  g_autofree gchar *stream = g_strdup_printf ("http %u", n);
  imps_event_log_add (log, FX_START_S * G_USEC_PER_SEC, IMPS_EVENT_MESSAGE, IMPS_REF_UA,
                      IMPS_PROTO_HTTP, "alice", "kms", "POST", NULL, bytes, stream);
}

/* Malformed MIKEY gives expert info, never a Lua error (nor a Lua runtime
 * error caught and shown as "dissector error"): every 7th prefix of the
 * TRANSFER_INIT, and every message of the exchange with one byte flipped
 * at every 5th position. */
static void
test_mikey_truncated_tshark (void)
{
  if (!have_tshark ())
    return;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "trunc.pcap", NULL);
  MikeyRun run;
  mikey_run (&run);
  const ImpsMikeyMessage *ti = g_ptr_array_index (run.msgs, 2);
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  guint n = 0, n_cut = 0;
  for (gsize cut = 1; cut < ti->body.raw_len; cut += 7, n_cut++)
    add_body_event (log, ti->body.raw, cut, n++);
  for (guint i = 0; i < run.msgs->len; i++)
    {
      const ImpsMikeyMessage *m = g_ptr_array_index (run.msgs, i);
      g_autofree guint8 *copy = g_memdup2 (m->body.raw, m->body.raw_len);
      for (gsize at = 0; at < m->body.raw_len; at += 5)
        {
          copy[at] ^= 0xa5;
          add_body_event (log, copy, m->body.raw_len, n++);
          copy[at] ^= 0xa5;
        }
    }
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_pcap_write_log (log, NULL, file, &error));
  g_assert_no_error (error);
  const gchar *f[] = { "frame.number", NULL };
  g_autofree gchar *all = tshark (file, "mikeyticket", f);
  g_assert_cmpuint (count_values (all), ==, n);
  /* every truncated body is flagged: each is one connection of 5 frames
   * (3 handshake packets, the body, its ACK) at the start of the capture */
  g_autofree gchar *filter = g_strdup_printf ("mikeyticket && _ws.expert.group == \"Malformed\" "
                                              "&& frame.number <= %u", 5 * n_cut);
  g_autofree gchar *bad = tshark (file, filter, f);
  g_assert_cmpuint (count_values (bad), ==, n_cut);
  g_autofree gchar *lua_err = tshark (file, "_ws.expert.message contains \"dissector error\"", f);
  g_assert_cmpstr (lua_err, ==, "");
  g_ptr_array_unref (run.msgs);
  g_unlink (file);
  g_rmdir (dir);
}

/* ---- impsim decode --pcap, as a subprocess ---- */

typedef struct {
  gint status;
  gchar *out;
  gchar *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

static void
run_impsim (Run *r, const gchar *a1, const gchar *a2, const gchar *a3)
{
  g_autoptr (GError) error = NULL;
  const gchar *argv[] = { impsim_path, "decode", a1, a2, a3, NULL };
  g_assert_nonnull (impsim_path);
  memset (r, 0, sizeof *r);
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out,
                               &r->err, &r->status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (r->status) ? WEXITSTATUS (r->status) : -1;
}

static guint
count_lines_with (const gchar *text, const gchar *needle)
{
  guint n = 0;
  for (const gchar *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

static void
test_decode_bootstrap (PcapFx *p, gconstpointer data)
{
  ImpsEventLog *log = imps_network_get_event_log (p->fx.net);
  make_bootstrap_capture (p);
  Run r;
  run_impsim (&r, "--pcap", p->file, NULL);
  g_test_message ("%s", r.out);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_lines_with (r.out, "[http]\n"), ==, count_messages (log, IMPS_PROTO_HTTP));
  g_assert_cmpuint (count_lines_with (r.out, "[diameter]\n"), ==,
                    count_messages (log, IMPS_PROTO_DIAMETER));
  g_assert_cmpuint (count_lines_with (r.out, "[error]"), ==, 0);
  /* Ub: the 401 challenge and the 200 with the B-TID (gba.md §6) */
  g_assert_nonnull (strstr (r.out, "Status-Line: HTTP/1.1 401 Unauthorized [http.response.line]"));
  g_assert_nonnull (strstr (r.out, "WWW-Authenticate: Digest"));
  g_assert_nonnull (strstr (r.out, imps_ue_get_btid (p->fx.ue)));
  /* Zh MAR/MAA and Zn BIR/BIA by the dictionary's names */
  g_autofree gchar *mar = g_strdup_printf ("Command: %s (303, request)",
                                           imps_diameter_command_name (303, TRUE, FALSE));
  g_autofree gchar *bia = g_strdup_printf ("Command: %s (310, answer)",
                                           imps_diameter_command_name (310, FALSE, FALSE));
  g_assert_nonnull (strstr (r.out, mar));
  g_assert_nonnull (strstr (r.out, bia));
  g_assert_nonnull (strstr (r.out, "Session-Id: "));
  g_assert_nonnull (strstr (r.out, "SIP-Auth-Data-Item"));
  /* key material is not printed (profile §11, Diameter) */
  g_assert_nonnull (strstr (r.out, "secret>"));
  run_clear (&r);

  run_impsim (&r, "--pcap", p->file, "--json");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "{"));
  g_assert_nonnull (strstr (r.out, "\"name\" : \"diameter.avp\""));
  run_clear (&r);
}

static void
test_decode_mikey (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "mikey.pcap", NULL);
  MikeyRun run;
  mikey_run (&run);
  guint n_http = write_mikey_capture (file, &run);
  Run r;
  run_impsim (&r, "--pcap", file, NULL);
  g_test_message ("%s", r.out);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_lines_with (r.out, "[http]\n"), ==, n_http);
  g_assert_cmpuint (count_lines_with (r.out, "[sip]\n"), ==, 2);
  /* every HTTP body and both a=key-mgmt attributes decoded as MIKEY */
  g_assert_cmpuint (count_lines_with (r.out, "[mikey]\n"), ==, n_http + 2);
  g_assert_cmpuint (count_lines_with (r.out, "[error]"), ==, 0);
  for (guint i = 0; i < run.msgs->len; i++)
    {
      const ImpsMikeyMessage *m = g_ptr_array_index (run.msgs, i);
      g_autofree gchar *line = g_strdup_printf ("Data Type: %s (%u) [mikey.type]",
                                                imps_mikey_data_type_name (m->hdr.data_type),
                                                m->hdr.data_type);
      guint want = m->hdr.data_type == IMPS_MIKEY_DATA_TRANSFER_INIT
                   || m->hdr.data_type == IMPS_MIKEY_DATA_TRANSFER_RESP ? 2 : 1;
      g_assert_cmpuint (count_lines_with (r.out, line), ==, want);
    }
  g_assert_nonnull (strstr (r.out, "Request-Line: INVITE " MK_BOB " SIP/2.0 [sip.Request-Line]"));
  g_assert_nonnull (strstr (r.out, "Key Management Protocol: mikey [sdp.key_mgmt.kmpid]"));
  run_clear (&r);
  g_ptr_array_unref (run.msgs);
  g_unlink (file);
  g_rmdir (dir);
}

/* HTTP framing in decode --pcap: a chunked MIKEY body (as an outside
 * client may send), a 204 without Content-Length followed by another
 * response on the same connection, and a broken chunk reported with its
 * stream offset. */
static void
test_decode_http_framing (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "chunked.pcap", NULL);
  MikeyRun run;
  mikey_run (&run);
  const ImpsMikeyMessage *req = g_ptr_array_index (run.msgs, 0);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  const gchar *head = "POST /kms?requesttype=ticketrequest HTTP/1.1\r\nHost: kms.example.org\r\n"
                      "Content-Type: application/mikey\r\nTransfer-Encoding: chunked\r\n\r\n";
  g_byte_array_append (b, (const guint8 *) head, (guint) strlen (head));
  gsize half = req->body.raw_len / 2;
  g_autofree gchar *c1 = g_strdup_printf ("%" G_GSIZE_MODIFIER "x;ext=1\r\n", half);
  g_byte_array_append (b, (const guint8 *) c1, (guint) strlen (c1));
  g_byte_array_append (b, req->body.raw, (guint) half);
  g_autofree gchar *c2 = g_strdup_printf ("\r\n%" G_GSIZE_MODIFIER "X\r\n", req->body.raw_len - half);
  g_byte_array_append (b, (const guint8 *) c2, (guint) strlen (c2));
  g_byte_array_append (b, req->body.raw + half, (guint) (req->body.raw_len - half));
  const gchar *tail = "\r\n0\r\nX-Trailer: 1\r\n\r\n";
  g_byte_array_append (b, (const guint8 *) tail, (guint) strlen (tail));
  /* the same request again with a broken second chunk size line */
  g_byte_array_append (b, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (b, (const guint8 *) "zz\r\n", 4);
  g_autoptr (GBytes) up = g_byte_array_free_to_bytes (g_steal_pointer (&b));
  const gchar *down = "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe rest";
  g_autoptr (GBytes) downb = g_bytes_new_static (down, strlen (down));
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  imps_event_log_add (log, FX_START_S * G_USEC_PER_SEC, IMPS_EVENT_MESSAGE, IMPS_REF_UA,
                      IMPS_PROTO_HTTP, "127.0.0.1:50000", "127.0.1.30", "POST", NULL, up, "http o");
  imps_event_log_add (log, FX_START_S * G_USEC_PER_SEC + 1, IMPS_EVENT_MESSAGE, IMPS_REF_UA,
                      IMPS_PROTO_HTTP, "127.0.1.30", "127.0.0.1:50000", "204", NULL, downb, "http o");
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_pcap_write_log (log, NULL, file, &error));
  g_assert_no_error (error);
  Run r;
  run_impsim (&r, "--pcap", file, NULL);
  g_test_message ("%s", r.out);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree gchar *chunked = g_strdup_printf ("Chunked body: %" G_GSIZE_FORMAT " bytes [http.chunked]",
                                               req->body.raw_len);
  g_assert_nonnull (strstr (r.out, chunked));
  g_assert_nonnull (strstr (r.out, "Data Type: REQUEST_INIT_PSK (11) [mikey.type]"));
  g_autofree gchar *broken = g_strdup_printf ("HTTP: no chunk size at stream offset %" G_GSIZE_FORMAT,
                                              g_bytes_get_size (up) - 4);
  g_assert_nonnull (strstr (r.out, broken));
  g_assert_nonnull (strstr (r.out, "Status-Line: HTTP/1.1 204 No Content"));
  g_assert_nonnull (strstr (r.out, "Status-Line: HTTP/1.1 200 OK"));
  g_assert_nonnull (strstr (r.out, "Text: the rest [body.text]"));
  run_clear (&r);
  g_ptr_array_unref (run.msgs);
  g_unlink (file);
  g_rmdir (dir);
}

/* Captures that are not readable: exit 1 with what and where. */
static void
test_decode_garbage (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "bad.pcap", NULL);
  /* a valid header (LINKTYPE_RAW) and one record */
  static const guint8 good[] = {
    0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 101, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0x45, 0, 0, 4,
  };
  struct {
    gsize len;             /* bytes of good[] to keep (0: use bytes) */
    const gchar *bytes;
    const gchar *expect;   /* in the error */
  } cases[] = {
    { 0, "hello, this is not a capture at all", "magic number 68656c6c at offset 0" },
    { 10, NULL, "fewer than 24" },
    { 30, NULL, "record 1 at offset 24: header cut short" },
    { 43, NULL, "record 1 at offset 24: captured length 4 but only 3 bytes left" },
    { 0, "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00", "pcapng" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      const gchar *d = cases[i].len ? (const gchar *) good : cases[i].bytes;
      gsize n = cases[i].len ? cases[i].len : (i == 4 ? 8 : strlen (cases[i].bytes));
      g_assert_true (g_file_set_contents (file, d, (gssize) n, &error));
      Run r;
      run_impsim (&r, "--pcap", file, NULL);
      g_test_message ("case %u: %s", i, r.err);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, cases[i].expect));
      g_assert_cmpstr (r.out, ==, "");
      run_clear (&r);
    }
  /* a record longer than the file's snap length (set to 2) */
  {
    g_autoptr (GError) error = NULL;
    guint8 small[sizeof good];
    memcpy (small, good, sizeof good);
    small[16] = 2;
    small[18] = 0;
    g_assert_true (g_file_set_contents (file, (const gchar *) small, sizeof small, &error));
    Run r;
    run_impsim (&r, "--pcap", file, NULL);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "record 1 at offset 24: captured length 4 over the file's snap length 2"));
    run_clear (&r);
  }
  /* the whole record is fine (an IPv4 header cut short is skipped, not an error) */
  {
    g_autoptr (GError) error = NULL;
    g_assert_true (g_file_set_contents (file, (const gchar *) good, sizeof good, &error));
    Run r;
    run_impsim (&r, "--pcap", file, NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "1 records, link type 101, 0 messages, 1 records skipped"));
    run_clear (&r);
  }
  /* no file; INPUT as well */
  Run r;
  run_impsim (&r, "--pcap", "/nonexistent/x.pcap", NULL);
  g_assert_cmpint (r.status, ==, 1);
  run_clear (&r);
  run_impsim (&r, "--pcap", file, "0100");
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  g_unlink (file);
  g_rmdir (dir);
}

/* ---- impsim serve --pcap ---- */

static gchar *
read_line (GDataInputStream *in)
{
  g_autoptr (GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  return line;
}

/* An outside client's Ub request to a served BSF (which asks the HSS over
 * Zh) is in the capture written when serve stops: client address and
 * port as connected, BSF 127.0.1.20:80, HSS 127.0.1.10:3868 (profile §9). */
static void
test_serve_pcap (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "serve.pcap", NULL);
  const gchar *argv[] = { impsim_path, "serve", "--pcap", file, scenario_path, NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;
  gint out_fd;

  g_assert_nonnull (scenario_path);
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  guint ub_port = 0;
  for (;;)
    {
      g_autofree gchar *line = read_line (in);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "serving "))
        break;
      guint port;
      if (ub_port == 0 && sscanf (line, "BSF Ub http://127.0.1.20:%u/", &port) == 1)
        ub_port = port;
    }
  g_assert_cmpuint (ub_port, >, 0);

  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = g_socket_client_connect_to_host (sc, "127.0.1.20",
                                                                       (guint16) ub_port, NULL,
                                                                       &error);
  g_assert_no_error (error);
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (conn, &error);
  g_assert_no_error (error);
  g_autofree gchar *local_ip = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  guint16 local_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  const gchar *req = "GET / HTTP/1.1\r\nHost: bsf.home1.net\r\n"
                     "Authorization: Digest username=\"alice@home1.net\", realm=\"bsf.home1.net\", "
                     "nonce=\"\", uri=\"/\", response=\"\"\r\n\r\n";
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req, strlen (req),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GDataInputStream) resp = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_autofree gchar *status = read_line (resp);
  g_assert_true (g_str_has_prefix (status, "HTTP/1.1 401"));

  kill (pid, SIGTERM);
  gint wstatus = 0;
  g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (wstatus));
  g_assert_cmpint (WEXITSTATUS (wstatus), ==, 0);
  g_autofree gchar *cap_line = read_line (in);
  g_assert_nonnull (cap_line);
  g_assert_true (g_str_has_prefix (cap_line, "capture "));

  Capture c;
  capture_read (&c, file);
  g_autofree gchar *up = g_strdup_printf ("%s:%u>127.0.1.20:80", local_ip, local_port);
  g_autofree gchar *down = g_strdup_printf ("127.0.1.20:80>%s:%u", local_ip, local_port);
  GByteArray *ub_req = capture_dir (&c, up);
  g_assert_cmpmem (ub_req->data, MIN (ub_req->len, 14), "GET / HTTP/1.1", 14);
  GByteArray *ub_resp = capture_dir (&c, down);
  g_assert_cmpmem (ub_resp->data, MIN (ub_resp->len, 12), "HTTP/1.1 401", 12);
  /* Zh: the BSF's MAR to the HSS on 3868, and the MAA back. */
  guint zh = 0;
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, c.dirs);
  while (g_hash_table_iter_next (&it, &k, NULL))
    zh += g_str_has_prefix (k, "127.0.1.20:") && g_str_has_suffix (k, ">127.0.1.10:3868");
  g_assert_cmpuint (zh, ==, 1);
  capture_clear (&c);

  Run r;
  run_impsim (&r, "--pcap", file, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_lines_with (r.out, "[http]\n"), ==, 2);
  g_assert_cmpuint (count_lines_with (r.out, "[diameter]\n"), >=, 2);
  g_assert_cmpuint (count_lines_with (r.out, "[error]"), ==, 0);
  run_clear (&r);
  g_autofree gchar *tshark_bin = g_find_program_in_path ("tshark");
  if (tshark_bin)
    assert_clean (file);
  g_unlink (file);
  g_rmdir (dir);
}

/* ---- SIP and media through the real SIP bus ---- */

static void
bus_receive (const gchar *from_address, guint16 from_port, const guint8 *data, gsize len,
             gpointer user_data)
{
}

/* SIP logged by the bus (event log) and RTP/RTCP from its media tap land
 * in the capture as UDP between the bus's addresses and ports (SIP of an
 * outside device on its real port, not 5060), media on the ports the bus gives (profile §1, §7, §8: the key log's SRTP lines
 * name these same addresses and ports). */
static void
test_sip_bus_media (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-pcap-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "sip.pcap", NULL);
  g_autoptr (GError) error = NULL;
  ImpsClock *clock = imps_clock_new_virtual (FX_START_S * G_USEC_PER_SEC);
  ImpsRandom *rnd = imps_random_new_seeded (1);
  ImpsNetwork *net = imps_network_new (clock, rnd);
  ImpsSipBus *bus = imps_sip_bus_new (net, 1000);
  g_assert_cmpuint (imps_sip_bus_attach (bus, FALSE, "alice", "127.1.1.1", 5060, bus_receive, NULL), >, 0);
  g_assert_cmpuint (imps_sip_bus_attach (bus, FALSE, "pcscf.home1.net", "127.0.1.40", 5060, bus_receive,
                                         NULL), >, 0);
  g_assert_cmpuint (imps_sip_bus_attach (bus, TRUE, "alice", "127.1.1.1", 49170, bus_receive, NULL), >, 0);
  g_assert_cmpuint (imps_sip_bus_attach (bus, TRUE, "bob", "127.1.1.2", 49172, bus_receive, NULL), >, 0);

  ImpsPcapWriter *w = imps_pcap_writer_new (file, &error);
  g_assert_no_error (error);
  imps_pcap_writer_learn_network (w, net);
  imps_pcap_writer_attach (w, imps_network_get_event_log (net));
  guint tap = imps_sip_bus_add_media_tap (bus, imps_pcap_media_tap, w);

  /* the a=crypto example of mikey-ticket.md §14.1 in an offer */
  const gchar *sdp = "v=0\r\no=- 1 1 IN IP4 127.1.1.1\r\ns=-\r\nc=IN IP4 127.1.1.1\r\nt=0 0\r\n"
                     "m=audio 49170 RTP/SAVP 0\r\n"
                     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n";
  g_autofree gchar *invite = g_strdup_printf (
      "INVITE sip:bob@home1.net SIP/2.0\r\nVia: SIP/2.0/UDP 127.1.1.1:5060;branch=z9hG4bK9\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@home1.net>;tag=1\r\nTo: <sip:bob@home1.net>\r\n"
      "Call-ID: 9@home1.net\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.1.1.1>\r\n"
      "Content-Type: application/sdp\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
      strlen (sdp), sdp);
  g_autoptr (GBytes) ib = g_bytes_new (invite, strlen (invite));
  g_assert_true (imps_sip_bus_send_sip (bus, IMPS_REF_GM, "127.1.1.1", 5060, "127.0.1.40", 5060, ib,
                                        "INVITE"));
  /* an outside device on an ephemeral port, as serve's Gm socket passes it:
   * written on the ports it really used */
  g_assert_cmpuint (imps_sip_bus_attach (bus, FALSE, "pcscf.home1.net", "127.0.1.40", 15060,
                                         bus_receive, NULL), >, 0);
  g_assert_true (imps_sip_bus_send_sip (bus, IMPS_REF_GM, "127.0.0.1", 40123, "127.0.1.40", 15060,
                                        ib, "INVITE"));
  guint8 rtp[12 + 160];
  memset (rtp, 0xd5, sizeof rtp);
  for (guint i = 0; i < 3; i++)
    {
      rtp[0] = 0x80;
      rtp[1] = 0;
      imps_store_u16 (rtp + 2, (guint16) (100 + i));
      imps_store_u32 (rtp + 4, 160 * i);
      imps_store_u32 (rtp + 8, 0x11110000);
      g_assert_true (imps_sip_bus_send_media (bus, IMPS_PROTO_RTP, "127.1.1.1", 49170, "127.1.1.2",
                                              49172, rtp, sizeof rtp));
    }
  g_assert_true (imps_sip_bus_send_media (bus, IMPS_PROTO_RTCP, "127.1.1.1", 49171, "127.1.1.2",
                                          49173, rtp, 28));
  imps_sip_bus_remove_media_tap (bus, tap);
  imps_pcap_writer_detach (w);
  g_assert_true (imps_pcap_writer_close (w, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imps_pcap_writer_get_errors (w), ==, 0);
  imps_pcap_writer_free (w);
  imps_sip_bus_free (bus);
  fx_drain ();
  imps_network_free (net);
  imps_random_free (rnd);
  imps_clock_unref (clock);

  Capture c;
  capture_read (&c, file);
  g_assert_cmpuint (c.tcp, ==, 0);
  g_assert_cmpuint (c.udp, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (c.udp_keys, 0), ==, "127.1.1.1:5060>127.0.1.40:5060");
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (c.udp_payloads, 0), NULL),
                   g_bytes_get_size (g_ptr_array_index (c.udp_payloads, 0)), invite, strlen (invite));
  g_assert_cmpstr (g_ptr_array_index (c.udp_keys, 1), ==, "127.0.0.1:40123>127.0.1.40:15060");
  g_ptr_array_remove_index (c.udp_keys, 1);
  g_ptr_array_remove_index (c.udp_payloads, 1);
  for (guint i = 1; i < 4; i++)
    {
      g_assert_cmpstr (g_ptr_array_index (c.udp_keys, i), ==, "127.1.1.1:49170>127.1.1.2:49172");
      g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (c.udp_payloads, i)), ==, sizeof rtp);
    }
  g_assert_cmpstr (g_ptr_array_index (c.udp_keys, 4), ==, "127.1.1.1:49171>127.1.1.2:49173");
  capture_clear (&c);

  Run r;
  run_impsim (&r, "--pcap", file, NULL);
  g_assert_cmpint (r.status, ==, 0);
  /* both INVITEs are SIP to the reader, 5060 or not */
  g_assert_cmpuint (count_lines_with (r.out, "[sip]\n"), ==, 2);
  g_assert_nonnull (strstr (r.out, "Crypto suite: AES_CM_128_HMAC_SHA1_80 [sdp.crypto.crypto_suite]"));
  g_assert_nonnull (strstr (r.out, "MKI: 1 (4 bytes) [sdp.crypto.mki]"));
  run_clear (&r);
  g_autofree gchar *tshark_bin = g_find_program_in_path ("tshark");
  if (tshark_bin)
    {
      assert_clean (file);
      const gchar *f[] = { "sdp.crypto.crypto_suite", NULL };
      g_autofree gchar *s = tshark (file, "sip", f);
      /* and to Wireshark: its SIP heuristic finds the one on other ports */
      g_assert_cmpstr (g_strstrip (s), ==, "AES_CM_128_HMAC_SHA1_80\nAES_CM_128_HMAC_SHA1_80");
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
  scenario_path = argc > 2 ? argv[2] : NULL;
  g_test_add_func ("/pcap/writer/segments-and-udp", test_segments_and_udp);
  g_test_add_func ("/pcap/writer/open-error", test_open_error);
  g_test_add ("/pcap/writer/bootstrap-readback", PcapFx, NULL, pfx_setup,
              test_bootstrap_readback, pfx_teardown);
  g_test_add ("/pcap/tshark/bootstrap", PcapFx, NULL, pfx_setup, test_bootstrap_tshark,
              pfx_teardown);
  g_test_add_func ("/pcap/tshark/mikey-every-type", test_mikey_tshark);
  g_test_add_func ("/pcap/tshark/mikey-truncated", test_mikey_truncated_tshark);
  g_test_add ("/pcap/decode/bootstrap", PcapFx, NULL, pfx_setup, test_decode_bootstrap,
              pfx_teardown);
  g_test_add_func ("/pcap/decode/mikey", test_decode_mikey);
  g_test_add_func ("/pcap/decode/garbage", test_decode_garbage);
  g_test_add_func ("/pcap/decode/http-framing", test_decode_http_framing);
  g_test_add_func ("/pcap/serve", test_serve_pcap);
  g_test_add_func ("/pcap/writer/sip-bus-media", test_sip_bus_media);
  return g_test_run ();
}
