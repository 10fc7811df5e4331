/* Reading the captures of a run back: `impsim decode --pcap` on pcap and
 * on pcapng (written here from the run's classic capture, once as raw IP
 * and once inside Ethernet), its --only filters by protocol, address and
 * call, and `impsim tool srtp-decrypt` with the run's key log: every SRTP
 * packet of the demo decrypts, and each RTP packet then passes the media
 * check of profile §7 (header extension with counter and checksum, G.711
 * tone); `impsim decode --keylog` opens the demo's tickets with the key
 * log's KMS_TPK lines alone. */
#include "imps-test.h"
#include "imps-ue-media.h"

#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static const gchar *demo_path;
static gchar *dir;
static gchar *capture_file;
static gchar *keys_file;


static void
run_argv (ImpsTestRun *r, const gchar *const *args)
{
  imps_test_run_argv (r, impsim_path, args);
}

#define RUN(r, ...) run_argv ((r), (const gchar *const[]) { __VA_ARGS__, NULL })

/* ---- a small pcapng writer (one SHB, one IDB, EPBs) ---- */

static void
put32 (GByteArray *b, guint32 v)
{
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

static void
put16 (GByteArray *b, guint16 v)
{
  g_byte_array_append (b, (const guint8 *) &v, 2);
}

/* Writes the records of the classic (host byte order) capture @classic
 * as pcapng; with @ethernet, each raw IPv4 packet inside an Ethernet
 * header (link type 1). Returns the number of records. */
static guint
write_pcapng (const gchar *classic, const gchar *path, gboolean ethernet)
{
  g_autoptr (GError) error = NULL;
  gchar *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (classic, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >=, 24);
  guint32 magic, linktype;
  memcpy (&magic, data, 4);
  memcpy (&linktype, data + 20, 4);
  g_assert_cmphex (magic, ==, 0xa1b2c3d4);
  g_assert_cmpuint (linktype, ==, 101);

  g_autoptr (GByteArray) b = g_byte_array_new ();
  /* Section Header Block */
  put32 (b, 0x0a0d0d0a);
  put32 (b, 28);
  put32 (b, 0x1a2b3c4d);
  put16 (b, 1);
  put16 (b, 0);
  put32 (b, 0xffffffff);
  put32 (b, 0xffffffff);
  put32 (b, 28);
  /* Interface Description Block (microseconds: the default) */
  put32 (b, 1);
  put32 (b, 20);
  put16 (b, ethernet ? 1 : 101);
  put16 (b, 0);
  put32 (b, 262144);
  put32 (b, 20);
  guint n = 0;
  for (gsize off = 24; off < len; n++)
    {
      guint32 sec, usec, incl, orig;
      g_assert_cmpuint (off + 16, <=, len);
      memcpy (&sec, data + off, 4);
      memcpy (&usec, data + off + 4, 4);
      memcpy (&incl, data + off + 8, 4);
      memcpy (&orig, data + off + 12, 4);
      g_assert_cmpuint (off + 16 + incl, <=, len);
      const guint8 *pkt = (const guint8 *) data + off + 16;
      guint32 extra = ethernet ? 14 : 0;
      guint32 cap = incl + extra;
      guint32 pad = (4 - cap % 4) % 4;
      guint32 blen = 32 + cap + pad;
      guint64 ts = (guint64) sec * 1000000 + usec;
      put32 (b, 6);
      put32 (b, blen);
      put32 (b, 0);
      put32 (b, (guint32) (ts >> 32));
      put32 (b, (guint32) ts);
      put32 (b, cap);
      put32 (b, orig + extra);
      if (ethernet)
        {
          static const guint8 eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
          g_byte_array_append (b, eth, sizeof eth);
        }
      g_byte_array_append (b, pkt, incl);
      static const guint8 zero[4] = { 0 };
      g_byte_array_append (b, zero, pad);
      put32 (b, blen);
      off += 16 + incl;
    }
  g_free (data);
  g_assert_true (g_file_set_contents (path, (const gchar *) b->data, (gssize) b->len, &error));
  g_assert_no_error (error);
  return n;
}

/* ---- decode --pcap output as blocks, one per message ---- */

/* The head line of each message ("  SIP: frame 78, ...") with its lines. */
static GPtrArray *
blocks_of (const gchar *out)
{
  GPtrArray *blocks = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  GString *cur = NULL;
  for (guint i = 1; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], "  ") && lines[i][2] != ' ')
        {
          if (cur)
            g_ptr_array_add (blocks, g_string_free (cur, FALSE));
          cur = g_string_new (NULL);
        }
      if (cur && lines[i][0] != '\0')
        g_string_append_printf (cur, "%s\n", lines[i]);
    }
  if (cur)
    g_ptr_array_add (blocks, g_string_free (cur, FALSE));
  return blocks;
}

static gchar *
head_of (const gchar *block)
{
  const gchar *nl = strchr (block, '\n');
  return g_strndup (block, nl ? (gsize) (nl - block) : strlen (block));
}

typedef gboolean (*BlockPred) (const gchar *block, gconstpointer data);

/* decode --pcap with @only_args shows exactly the blocks of the whole
 * output that @pred chooses, in the same order; returns how many. */
static guint
check_filter (GPtrArray *all, BlockPred pred, gconstpointer data, const gchar *const *only_args)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_ptr_array_add (args, (gpointer) "decode");
  g_ptr_array_add (args, (gpointer) "--pcap");
  g_ptr_array_add (args, capture_file);
  for (guint i = 0; only_args[i]; i++)
    {
      g_ptr_array_add (args, (gpointer) "--only");
      g_ptr_array_add (args, (gpointer) only_args[i]);
    }
  g_ptr_array_add (args, NULL);
  g_auto (ImpsTestRun) r;
  run_argv (&r, (const gchar *const *) args->pdata);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) got = blocks_of (r.out);
  guint want = 0;
  for (guint i = 0; i < all->len; i++)
    {
      const gchar *b = g_ptr_array_index (all, i);
      if (!pred (b, data))
        continue;
      g_assert_cmpuint (want, <, got->len);
      g_assert_cmpstr (g_ptr_array_index (got, want), ==, b);
      want++;
    }
  g_assert_cmpuint (got->len, ==, want);
  g_autofree gchar *shown = g_strdup_printf ("(%u shown by the filter)", want);
  g_assert_nonnull (strstr (r.out, shown));
  return want;
}

static gboolean
is_mikey (const gchar *block, gconstpointer data)
{
  return strstr (block, "[mikey]\n") != NULL;
}

static gboolean
is_sip (const gchar *block, gconstpointer data)
{
  g_autofree gchar *h = head_of (block);
  return g_str_has_suffix (h, "[sip]");
}

static gboolean
is_diameter_or_http (const gchar *block, gconstpointer data)
{
  g_autofree gchar *h = head_of (block);
  return g_str_has_suffix (h, "[diameter]") || g_str_has_suffix (h, "[http]");
}

static gboolean
has_addr (const gchar *block, gconstpointer data)
{
  g_autofree gchar *h = head_of (block);
  g_autofree gchar *a1 = g_strdup_printf (", %s:", (const gchar *) data);
  g_autofree gchar *a2 = g_strdup_printf ("> %s:", (const gchar *) data);
  return strstr (h, a1) != NULL || strstr (h, a2) != NULL;
}

static gboolean
has_call (const gchar *block, gconstpointer data)
{
  g_autofree gchar *line = g_strdup_printf ("    Call-ID: %s [sip.header]\n", (const gchar *) data);
  return is_sip (block, NULL) && strstr (block, line) != NULL;
}

static gboolean
sip_and_pcscf1 (const gchar *block, gconstpointer data)
{
  return is_sip (block, NULL) && has_addr (block, "127.0.1.40");
}

/* The Call-IDs of the INVITEs, in order, from the whole output. */
static GPtrArray *
invite_call_ids (GPtrArray *all)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < all->len; i++)
    {
      const gchar *b = g_ptr_array_index (all, i);
      if (!is_sip (b, NULL) || strstr (b, "    Request-Line: INVITE ") == NULL)
        continue;
      const gchar *c = strstr (b, "    Call-ID: ");
      g_assert_nonnull (c);
      c += strlen ("    Call-ID: ");
      const gchar *e = strstr (c, " [sip.header]");
      g_autofree gchar *id = g_strndup (c, (gsize) (e - c));
      gboolean seen = FALSE;
      for (guint j = 0; j < ids->len; j++)
        seen |= g_str_equal (g_ptr_array_index (ids, j), id);
      if (!seen)
        g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  return ids;
}

static void
test_decode_pcapng (void)
{
  g_auto (ImpsTestRun) classic;
  RUN (&classic, "decode", "--pcap", capture_file);
  g_assert_cmpint (classic.status, ==, 0);
  g_assert_null (strstr (classic.out, "[error]"));

  /* Raw IP pcapng: the same text, frame for frame. */
  g_autofree gchar *ng = g_build_filename (dir, "demo.pcapng", NULL);
  guint n = write_pcapng (capture_file, ng, FALSE);
  g_assert_cmpuint (n, >, 100);
  g_auto (ImpsTestRun) r;
  RUN (&r, "decode", "--pcap", ng);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, classic.out);

  /* Ethernet pcapng: the same messages; only the link type differs. */
  g_autofree gchar *eth = g_build_filename (dir, "demo-eth.pcapng", NULL);
  g_assert_cmpuint (write_pcapng (capture_file, eth, TRUE), ==, n);
  g_auto (ImpsTestRun) e;
  RUN (&e, "decode", "--pcap", eth);
  g_assert_cmpint (e.status, ==, 0);
  const gchar *body_c = strchr (classic.out, '\n');
  const gchar *body_e = strchr (e.out, '\n');
  g_assert_cmpstr (body_e, ==, body_c);
  g_autofree gchar *first = g_strdup_printf ("Capture: %u records, link type 1, ", n);
  g_assert_true (g_str_has_prefix (e.out, first));

  /* The filters read pcapng too. */
  g_auto (ImpsTestRun) f;
  RUN (&f, "decode", "--pcap", eth, "--only", "proto=mikey");
  g_assert_cmpint (f.status, ==, 0);
  g_assert_nonnull (strstr (f.out, "shown by the filter"));

  /* A pcapng that libpcap refuses (a second interface of another link
   * type): exit 1 with libpcap's reason, nothing on stdout. */
  gchar *d = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (ng, &d, &len, NULL));
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) d, 48); /* SHB + IDB */
  put32 (b, 1);
  put32 (b, 20);
  put16 (b, 1);
  put16 (b, 0);
  put32 (b, 262144);
  put32 (b, 20);
  g_byte_array_append (b, (const guint8 *) d + 48, (guint) (len - 48));
  g_free (d);
  g_autofree gchar *mixed = g_build_filename (dir, "mixed.pcapng", NULL);
  g_assert_true (g_file_set_contents (mixed, (const gchar *) b->data, (gssize) b->len, NULL));
  g_auto (ImpsTestRun) m;
  RUN (&m, "decode", "--pcap", mixed);
  g_test_message ("%s", m.err);
  g_assert_cmpint (m.status, ==, 1);
  g_assert_nonnull (strstr (m.err, "pcapng"));
  g_assert_cmpstr (m.out, ==, "");
  g_unlink (ng);
  g_unlink (eth);
  g_unlink (mixed);
}

static void
test_decode_filters (void)
{
  g_auto (ImpsTestRun) r;
  RUN (&r, "decode", "--pcap", capture_file);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) all = blocks_of (r.out);
  g_assert_cmpuint (all->len, >, 100);

  /* MIKEY in Ua and Zk bodies and in the INVITE/200 a=key-mgmt */
  guint n_mikey = check_filter (all, is_mikey, NULL, (const gchar *const[]) { "proto=mikey", NULL });
  g_assert_cmpuint (n_mikey, >=, 6);
  guint n_sip = check_filter (all, is_sip, NULL, (const gchar *const[]) { "proto=sip", NULL });
  g_assert_cmpuint (n_sip, >, 20);
  check_filter (all, is_diameter_or_http, NULL,
                (const gchar *const[]) { "proto=diameter,http", NULL });
  /* kms.home1.net (profile §9): Ua, Zn and Zk */
  guint n_kms = check_filter (all, has_addr, "127.0.1.30",
                              (const gchar *const[]) { "addr=127.0.1.30", NULL });
  g_assert_cmpuint (n_kms, >, 0);
  check_filter (all, sip_and_pcscf1, NULL,
                (const gchar *const[]) { "proto=sip", "addr=127.0.1.40", NULL });

  g_autoptr (GPtrArray) calls = invite_call_ids (all);
  g_assert_cmpuint (calls->len, ==, 2);
  const gchar *c1 = g_ptr_array_index (calls, 0);
  const gchar *c2 = g_ptr_array_index (calls, 1);
  g_autofree gchar *by_id = g_strdup_printf ("call=%s", c1);
  guint n1 = check_filter (all, has_call, c1, (const gchar *const[]) { "call=1", NULL });
  g_assert_cmpuint (n1, >, 5);
  g_assert_cmpuint (check_filter (all, has_call, c1, (const gchar *const[]) { by_id, NULL }), ==, n1);
  guint n2 = check_filter (all, has_call, c2, (const gchar *const[]) { "call=2", NULL });
  g_assert_cmpuint (n2, >, 5);
  /* no third call: nothing shown */
  g_auto (ImpsTestRun) none;
  RUN (&none, "decode", "--pcap", capture_file, "--only", "call=3");
  g_assert_cmpint (none.status, ==, 0);
  g_assert_nonnull (strstr (none.out, "(0 shown by the filter)"));

  /* Specs that do not parse: exit 2 with the reason. */
  static const struct {
    const gchar *spec;
    const gchar *reason;
  } bad[] = {
    { "proto=rtp", "protocol 'rtp' is not one of" },
    { "addr=127.0.1", "is not a dotted IPv4 address" },
    { "color=red", "key 'color' is not proto, addr or call" },
    { "proto=", "no value after '='" },
    { "proto", "not KEY=VALUE" },
    { "proto=sip,,mikey", "value 2 is empty" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto (ImpsTestRun) b;
      RUN (&b, "decode", "--pcap", capture_file, "--only", bad[i].spec);
      g_test_message ("%s: %s", bad[i].spec, b.err);
      g_assert_cmpint (b.status, ==, 2);
      g_assert_nonnull (strstr (b.err, bad[i].reason));
      g_assert_cmpstr (b.out, ==, "");
    }
  g_auto (ImpsTestRun) no_pcap;
  RUN (&no_pcap, "decode", "--only", "proto=sip", "00");
  g_assert_cmpint (no_pcap.status, ==, 2);
}

/* ---- srtp-decrypt ---- */

typedef struct {
  guint32 src, dst;
  guint16 sport, dport;
} Flow;

/* The SRTP lines' flows of a key log. */
static GArray *
key_log_flows (const gchar *path)
{
  gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_free (text);
  GArray *flows = g_array_new (FALSE, TRUE, sizeof (Flow));
  for (guint i = 0; lines[i]; i++)
    {
      if (!g_str_has_prefix (lines[i], "SRTP "))
        continue;
      guint a[4], b[4], sp, dp;
      g_assert_cmpint (sscanf (lines[i], "SRTP %u.%u.%u.%u:%u %u.%u.%u.%u:%u", &a[0], &a[1], &a[2],
                               &a[3], &sp, &b[0], &b[1], &b[2], &b[3], &dp), ==, 10);
      Flow f = { a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3], b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3],
                 (guint16) sp, (guint16) dp };
      g_array_append_val (flows, f);
    }
  return flows;
}

typedef struct {
  guint records;
  guint media;          /* UDP on a key log flow */
  guint media_len_srtp; /* of those, 12 + 16 + 160 + 10 bytes (SRTP, 80-bit tag) */
  guint media_rtp_ok;   /* of those, plain RTP, the packet check holds, counter in step */
  GHashTable *first_seq; /* SSRC -> first sequence number + 1 */
} Scan;

static guint16
ld16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static guint32
ld32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* Every record of a LINKTYPE_RAW capture, through libpcap. */
static void
scan_capture (const gchar *path, GArray *flows, Scan *s)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline (path, errbuf);
  g_assert_nonnull (p);
  memset (s, 0, sizeof *s);
  s->first_seq = g_hash_table_new (g_direct_hash, g_direct_equal);
  struct pcap_pkthdr *h;
  const u_char *d;
  while (pcap_next_ex (p, &h, &d) == 1)
    {
      s->records++;
      if (h->caplen < 28 || d[9] != 17)
        continue;
      gsize ihl = (gsize) (d[0] & 0x0f) * 4;
      guint32 src = ld32 (d + 12), dst = ld32 (d + 16);
      const guint8 *udp = d + ihl;
      guint16 sp = ld16 (udp), dp = ld16 (udp + 2);
      gsize ulen = ld16 (udp + 4);
      g_assert_cmpuint (ihl + ulen, ==, ld16 (d + 2));
      g_assert_cmpuint (ihl + ulen, ==, h->caplen);
      gboolean on_flow = FALSE;
      for (guint i = 0; i < flows->len && !on_flow; i++)
        {
          const Flow *f = &g_array_index (flows, Flow, i);
          on_flow = f->src == src && f->dst == dst && f->sport == sp && f->dport == dp;
        }
      if (!on_flow)
        continue;
      s->media++;
      const guint8 *rtp = udp + 8;
      gsize len = ulen - 8;
      if (len == IMPS_UE_MEDIA_PACKET_LEN + 10)
        s->media_len_srtp++;
      if (len != IMPS_UE_MEDIA_PACKET_LEN)
        continue;
      guint32 ssrc = ld32 (rtp + 8);
      guint16 seq = ld16 (rtp + 2);
      guint32 counter = G_MAXUINT32;
      ImpsUeMediaCheck check = imps_ue_media_packet_check (rtp, len, &counter);
      if (check != IMPS_UE_MEDIA_CHECK_OK)
        continue;
      gpointer first = g_hash_table_lookup (s->first_seq, GUINT_TO_POINTER (ssrc));
      if (first == NULL)
        {
          g_assert_cmpuint (counter, ==, 0);
          g_hash_table_insert (s->first_seq, GUINT_TO_POINTER (ssrc), GUINT_TO_POINTER ((guint) seq + 1));
          first = GUINT_TO_POINTER ((guint) seq + 1);
        }
      /* The counter and the sequence number start together. */
      guint16 seq0 = (guint16) (GPOINTER_TO_UINT (first) - 1);
      if ((guint16) (seq - seq0) == (guint16) counter)
        s->media_rtp_ok++;
    }
  pcap_close (p);
  g_hash_table_unref (s->first_seq);
}

static guint64
number_after (const gchar *text, const gchar *prefix)
{
  const gchar *p = strstr (text, prefix);
  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen (prefix), NULL, 10);
}

static void
test_srtp_decrypt (void)
{
  g_autoptr (GArray) flows = key_log_flows (keys_file);
  g_assert_cmpuint (flows->len, >=, 4);
  Scan in;
  scan_capture (capture_file, flows, &in);
  /* the demo's two calls: 2 s each way, SRTP on every key log flow */
  g_assert_cmpuint (in.media, >=, 400);
  g_assert_cmpuint (in.media_len_srtp, ==, in.media);
  g_assert_cmpuint (in.media_rtp_ok, ==, 0);

  /* An existing output with a wider mode ends as 0600. */
  g_autofree gchar *out = g_build_filename (dir, "demo-rtp.pcap", NULL);
  g_assert_true (g_file_set_contents (out, "old", 3, NULL));
  g_assert_cmpint (g_chmod (out, 0644), ==, 0);
  g_auto (ImpsTestRun) r;
  RUN (&r, "tool", "srtp-decrypt", "--pcap", capture_file, "--keylog", keys_file, "-o", out);
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  GStatBuf st;
  g_assert_cmpint (g_stat (out, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  Scan o;
  scan_capture (out, flows, &o);
  g_assert_cmpuint (o.records, ==, in.records);
  g_assert_cmpuint (o.media, ==, in.media);
  /* every SRTP packet decrypted, and what came out is what was sent */
  g_assert_cmpuint (o.media_rtp_ok, ==, in.media);
  g_assert_cmpuint (number_after (r.out, "decrypted: "), ==, in.media);
  g_assert_nonnull (strstr (r.out, "not decrypted: 0 "));

  /* The same from a pcapng. */
  g_autofree gchar *ng = g_build_filename (dir, "srtp.pcapng", NULL);
  write_pcapng (capture_file, ng, FALSE);
  g_autofree gchar *out2 = g_build_filename (dir, "demo-rtp2.pcap", NULL);
  g_auto (ImpsTestRun) r2;
  RUN (&r2, "tool", "srtp-decrypt", "--pcap", ng, "--keylog", keys_file, "-o", out2);
  g_assert_cmpint (r2.status, ==, 0);
  Scan o2;
  scan_capture (out2, flows, &o2);
  g_assert_cmpuint (o2.media_rtp_ok, ==, in.media);
  g_unlink (ng);
  g_unlink (out2);
  g_unlink (out);
}

/* A wrong key: those packets stay as they were, exit 1, the first named. */
static void
test_srtp_decrypt_wrong_key (void)
{
  gchar *text = NULL;
  g_assert_true (g_file_get_contents (keys_file, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_free (text);
  /* Replace the key of every line of the first flow by another valid one. */
  g_autofree gchar *first_flow = NULL;
  for (guint i = 0; lines[i]; i++)
    {
      if (!g_str_has_prefix (lines[i], "SRTP "))
        continue;
      gchar *last = strrchr (lines[i], ' ');
      g_autofree gchar *flow = g_strndup (lines[i], (gsize) (strstr (lines[i] + 5, " ") - lines[i]));
      if (first_flow == NULL)
        first_flow = g_strdup (flow);
      if (!g_str_equal (flow, first_flow))
        continue;
      gchar *k = last + 1;
      k[0] = k[0] == 'A' ? 'B' : 'A';
    }
  g_autofree gchar *joined = g_strjoinv ("\n", lines);
  g_autofree gchar *bad_keys = g_build_filename (dir, "wrong.keys", NULL);
  g_assert_true (g_file_set_contents (bad_keys, joined, -1, NULL));
  g_autofree gchar *out = g_build_filename (dir, "wrong.pcap", NULL);
  g_auto (ImpsTestRun) r;
  RUN (&r, "tool", "srtp-decrypt", "--pcap", capture_file, "--keylog", bad_keys, "-o", out);
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "authentication failed"));
  guint64 failed = number_after (r.out, "not decrypted: ");
  g_assert_cmpuint (failed, >=, 100);
  g_assert_cmpuint (number_after (r.out, "(") , ==, failed);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));

  /* A key log line that does not parse, and usage errors. */
  g_assert_true (g_file_set_contents (bad_keys, "GBA_KS a b c\nSRTP 127.1.1.1:1 nowhere 00000001 X AAAA\n",
                                      -1, NULL));
  g_auto (ImpsTestRun) m;
  RUN (&m, "tool", "srtp-decrypt", "--pcap", capture_file, "--keylog", bad_keys, "-o", out);
  g_assert_cmpint (m.status, ==, 1);
  g_assert_nonnull (strstr (m.err, "key log line 2: destination 'nowhere' is not ip:port"));
  g_auto (ImpsTestRun) u;
  RUN (&u, "tool", "srtp-decrypt", "--pcap", capture_file, "-o", out);
  g_assert_cmpint (u.status, ==, 2);
  g_auto (ImpsTestRun) same;
  RUN (&same, "tool", "srtp-decrypt", "--pcap", capture_file, "--keylog", keys_file, "-o", capture_file);
  g_assert_cmpint (same.status, ==, 2);
  g_unlink (bad_keys);
  g_unlink (out);
}


/* SRTCP too: the demo with 6 s of media per call, so that each stream
 * sends an SRTCP sender report (every 5 s, on the RTP port + 1). Each
 * becomes a plain RTCP SR of 28 bytes from the stream's SSRC. */
static void
test_srtp_decrypt_srtcp (void)
{
  gchar *text = NULL;
  g_assert_true (g_file_get_contents (demo_path, &text, NULL, NULL));
  g_autoptr (GString) scn = g_string_new (text);
  g_free (text);
  g_assert_cmpuint (g_string_replace (scn, "media=2s", "media=6s", 0), ==, 2);
  g_autofree gchar *scn_path = g_build_filename (dir, "long-media.scn", NULL);
  g_autofree gchar *cap = g_build_filename (dir, "long.pcap", NULL);
  g_autofree gchar *keys = g_build_filename (dir, "long.keys", NULL);
  g_autofree gchar *out = g_build_filename (dir, "long-rtp.pcap", NULL);
  g_assert_true (g_file_set_contents (scn_path, scn->str, -1, NULL));
  g_auto (ImpsTestRun) run;
  RUN (&run, "run", "--quiet", scn_path, "--pcap", cap, "--keylog", keys);
  g_assert_cmpint (run.status, ==, 0);
  g_auto (ImpsTestRun) r;
  RUN (&r, "tool", "srtp-decrypt", "--pcap", cap, "--keylog", keys, "-o", out);
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  guint64 rtcp = number_after (r.out, " SRTP -> RTP, ");
  /* one report per SRTP stream of the key log (four in the demo) */
  g_assert_cmpuint (rtcp, ==, 4);

  g_autoptr (GArray) flows = key_log_flows (keys);
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline (out, errbuf);
  g_assert_nonnull (p);
  struct pcap_pkthdr *h;
  const u_char *d;
  guint reports = 0;
  while (pcap_next_ex (p, &h, &d) == 1)
    {
      if (h->caplen < 28 || d[9] != 17)
        continue;
      gsize ihl = (gsize) (d[0] & 0x0f) * 4;
      const guint8 *udp = d + ihl;
      guint32 src = ld32 (d + 12), dst = ld32 (d + 16);
      guint16 sp = ld16 (udp), dp = ld16 (udp + 2);
      for (guint i = 0; i < flows->len; i++)
        {
          const Flow *f = &g_array_index (flows, Flow, i);
          if (f->src != src || f->dst != dst || f->sport + 1 != sp || f->dport + 1 != dp)
            continue;
          /* RTCP SR: version 2, PT 200, length 6 (28 bytes), no SRTCP
           * index or tag left */
          g_assert_cmpuint (ld16 (udp + 4), ==, 8 + IMPS_UE_MEDIA_SR_LEN);
          g_assert_cmpuint (udp[8] >> 6, ==, 2);
          g_assert_cmpuint (udp[9], ==, 200);
          g_assert_cmpuint (ld16 (udp + 10), ==, 6);
          reports++;
          break;
        }
    }
  pcap_close (p);
  g_assert_cmpuint (reports, ==, rtcp);
  g_unlink (scn_path);
  g_unlink (cap);
  g_unlink (keys);
  g_unlink (out);
}

/* The a=key-mgmt values of the capture's SDP, as decode --pcap shows them. */
static GPtrArray *
capture_key_mgmt (void)
{
  g_auto (ImpsTestRun) r;
  RUN (&r, "decode", "--pcap", capture_file, "--only", "proto=sdp");
  g_assert_cmpint (r.status, ==, 0);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (const gchar *p = r.out; (p = strstr (p, "Line: a=key-mgmt:")) != NULL; p++)
    {
      const gchar *v = p + strlen ("Line: ");
      const gchar *end = strstr (v, " [");
      g_assert_nonnull (end);
      g_ptr_array_add (out, g_strndup (v, end - v));
    }
  return out;
}

/* The key log carries each KMS's TPKs (profile §8: KMS_TPK), and decode
 * --keylog opens the demo's tickets with them, no --tpk needed. */
static void
test_decode_keylog_tpk (void)
{
  g_autofree gchar *keys = NULL;
  g_assert_true (g_file_get_contents (keys_file, &keys, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (keys, "\n", -1);
  guint tpks = 0;
  g_autofree gchar *home2_only = g_strdup ("");
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "KMS_TPK "))
      {
        g_auto (GStrv) f = g_strsplit (lines[i], " ", -1);
        g_assert_cmpuint (g_strv_length (f), ==, 4);
        g_assert_true (g_str_equal (f[1], "kms.home1.net") || g_str_equal (f[1], "kms.home2.net"));
        g_assert_cmpstr (f[2], ==, "1");
        g_assert_cmpuint (strlen (f[3]), ==, 64);
        if (g_str_equal (f[1], "kms.home2.net"))
          {
            g_free (home2_only);
            home2_only = g_strconcat (lines[i], "\n", NULL);
          }
        tpks++;
      }
  g_assert_cmpuint (tpks, ==, 2);

  /* the caller's TRANSFER_INIT carries the ticket kms.home1.net issued */
  g_autoptr (GPtrArray) km = capture_key_mgmt ();
  g_assert_cmpuint (km->len, >=, 1);
  const gchar *init = g_ptr_array_index (km, 0);
  g_auto (ImpsTestRun) r;
  RUN (&r, "decode", "--keylog", keys_file, init);
  g_test_message ("%s%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Ticket opened with the TPK: V MAC verified, KEMAC decrypted"));
  g_assert_nonnull (strstr (r.out, "TPK of (key log): kms.home1.net [mikey.ticket.tpk_kms]"));
  g_assert_nonnull (strstr (r.out, "Session key: TGK [mikey.ticket.key]"));
  /* the TGK's SPI is the one the key log's MIKEY_TGK lines name */
  const gchar *spi = strstr (strstr (r.out, "Session key: TGK"), "Valid SPI: ");
  g_assert_nonnull (spi);
  g_autofree gchar *spi_hex = g_strndup (spi + strlen ("Valid SPI: "), 8);
  g_autofree gchar *tgk_line = g_strdup_printf (" %s ", spi_hex);
  g_assert_nonnull (strstr (strstr (keys, "MIKEY_TGK "), tgk_line));

  /* without the key log the ticket stays closed */
  g_auto (ImpsTestRun) closed;
  RUN (&closed, "decode", init);
  g_assert_cmpint (closed.status, ==, 0);
  g_assert_null (strstr (closed.out, "Ticket opened"));

  /* a key log with only the other KMS's TPK (same index) cannot open it */
  g_autofree gchar *other = g_build_filename (dir, "home2.keys", NULL);
  g_assert_true (g_file_set_contents (other, home2_only, -1, NULL));
  g_auto (ImpsTestRun) wrong;
  RUN (&wrong, "decode", "--keylog", other, init);
  g_test_message ("%s%s", wrong.out, wrong.err);
  g_assert_null (strstr (wrong.out, "Ticket opened"));
  g_assert_nonnull (strstr (wrong.out, "no TPK of the key log opens the ticket: 1 KMS_TPK line of "
                                       "index 1 tried, of 1"));

  /* a malformed KMS_TPK line is an error naming its line */
  g_assert_true (g_file_set_contents (other, "SRTP x\nKMS_TPK kms.home1.net 0 00\n", -1, NULL));
  g_auto (ImpsTestRun) bad;
  RUN (&bad, "decode", "--keylog", other, init);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "key log line 2: TPK index '0' is not a number from 1 to"));
  g_assert_true (g_file_set_contents (other, "KMS_TPK kms.home1.net 1 abcd\n", -1, NULL));
  g_auto (ImpsTestRun) shortk;
  RUN (&shortk, "decode", "--keylog", other, init);
  g_assert_cmpint (shortk.status, ==, 1);
  g_assert_nonnull (strstr (shortk.err, "key log line 1: TPK of 4 characters is not hex of 16 to 64 bytes"));
  g_assert_true (g_file_set_contents (other, "GBA_KS a b c\n", -1, NULL));
  g_auto (ImpsTestRun) none;
  RUN (&none, "decode", "--keylog", other, init);
  g_assert_cmpint (none.status, ==, 1);
  g_assert_nonnull (strstr (none.err, "no KMS_TPK line"));
  g_unlink (other);

  /* --keylog goes with one message, not with --tpk or --pcap */
  g_auto (ImpsTestRun) u1;
  RUN (&u1, "decode", "--keylog", keys_file, "--tpk", "00112233445566778899aabbccddeeff", init);
  g_assert_cmpint (u1.status, ==, 2);
  g_assert_nonnull (strstr (u1.err, "--keylog: not with --tpk"));
  g_auto (ImpsTestRun) u2;
  RUN (&u2, "decode", "--keylog", keys_file, "--pcap", capture_file);
  g_assert_cmpint (u2.status, ==, 2);
  g_assert_nonnull (strstr (u2.err, "--keylog: not with --pcap"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 3);
  impsim_path = argv[1];
  demo_path = argv[2];
  g_autoptr (GError) error = NULL;
  dir = g_dir_make_tmp ("impsim-pcap-read-XXXXXX", &error);
  g_assert_no_error (error);
  capture_file = g_build_filename (dir, "demo.pcap", NULL);
  keys_file = g_build_filename (dir, "demo.keys", NULL);
  {
    g_auto (ImpsTestRun) r;
    RUN (&r, "run", "--quiet", demo_path, "--pcap", capture_file, "--keylog", keys_file);
    if (r.status != 0)
      g_printerr ("%s\n%s\n", r.out, r.err);
    g_assert_cmpint (r.status, ==, 0);
  }
  g_test_add_func ("/pcap-read/decode/pcapng", test_decode_pcapng);
  g_test_add_func ("/pcap-read/decode/filters", test_decode_filters);
  g_test_add_func ("/pcap-read/decode/keylog-tpk", test_decode_keylog_tpk);
  g_test_add_func ("/pcap-read/srtp-decrypt/demo", test_srtp_decrypt);
  g_test_add_func ("/pcap-read/srtp-decrypt/wrong-key", test_srtp_decrypt_wrong_key);
  g_test_add_func ("/pcap-read/srtp-decrypt/srtcp", test_srtp_decrypt_srtcp);
  int rc = g_test_run ();
  g_unlink (capture_file);
  g_unlink (keys_file);
  g_rmdir (dir);
  g_free (capture_file);
  g_free (keys_file);
  g_free (dir);
  return rc;
}
