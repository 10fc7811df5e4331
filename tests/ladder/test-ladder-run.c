/* The ladders of a whole run (impsim run on scenarios/demo.scn): the
 * IMS-AGW as its own lifeline in the e2ae call, with an SRTP leg to the UE
 * and an RTP leg into the core each way, each counted; the fork winner
 * named by its device; --only (call, ref, time) on the command line. */
#include "imps-test.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static const gchar *demo_path;


static void
run_argv (ImpsTestRun *r, const gchar *const *args)
{
  imps_test_run_argv (r, impsim_path, args);
}

#define RUN(r, ...) run_argv ((r), (const gchar *const[]) { __VA_ARGS__, NULL })

/* The number after @prefix in @text (which must hold it). */
static guint64
number_after (const gchar *text, const gchar *prefix)
{
  const gchar *p = strstr (text, prefix);
  if (p == NULL)
    g_error ("'%s' is missing", prefix);
  return g_ascii_strtoull (p + strlen (prefix), NULL, 10);
}

static void
test_fork_winner (void)
{
  g_auto (ImpsTestRun) r;
  RUN (&r, "run", demo_path, "--width", "1000");
  g_assert_cmpint (r.status, ==, 0);
  /* The forking S-CSCF names the device that answered, not a branch. */
  g_assert_nonnull (strstr (r.out, "* 2xx wins: INVITE for sip:bob@home2.net answered by bob "
                                   "(sip:bob@127.2.1.1:5060); 1 other fork cancelled (Call-ID "));
  g_assert_null (strstr (r.out, "answered on branch"));
}

static void
test_agw_lifeline (void)
{
  g_auto (ImpsTestRun) r;
  RUN (&r, "run", demo_path, "--width", "1000", "--only", "call=2", "--only", "ref=media");
  g_test_message ("%s", r.out);
  g_assert_cmpint (r.status, ==, 0);
  /* The two events are the call's media summaries (one per direction). */
  g_assert_nonnull (strstr (r.out, "the filter shows 2 events and 4 media streams"));
  /* The AGW's own counts, from the observer: SRTP in from the UE became
   * RTP into the core, RTP from the core became SRTP to the UE. */
  guint64 to_core = number_after (r.out, "SRTP from the UE -> RTP in the core: ");
  guint64 to_ue = number_after (r.out, "RTP -> SRTP to the UE: ");
  g_assert_cmpuint (to_core, >=, 100);
  g_assert_cmpuint (to_ue, >=, 99);
  g_assert_nonnull (strstr (r.out, "  agw.home1.net          (IMS-AGW, 127.0.1.41) SRTP from the UE"));
  /* Four legs, each counted where it ends. */
  guint64 up_sent = number_after (r.out, "SRTP alice->agw.home1.net audio: ");
  g_autofree gchar *up_rx = g_strdup_printf ("SRTP alice->agw.home1.net audio: %" G_GUINT64_FORMAT
                                             " sent, %" G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT
                                             " verified,", up_sent, to_core, to_core);
  g_assert_nonnull (strstr (r.out, up_rx));
  g_autofree gchar *core_tx = g_strdup_printf ("RTP (unprotected) agw.home1.net->bob audio: %"
                                               G_GUINT64_FORMAT " sent, ", to_core);
  g_assert_nonnull (strstr (r.out, core_tx));
  g_autofree gchar *core_rx = g_strdup_printf (" received, %" G_GUINT64_FORMAT " verified,", to_ue);
  g_assert_nonnull (strstr (strstr (r.out, "RTP (unprotected) bob->agw.home1.net audio: "), core_rx));
  g_assert_cmpuint (number_after (strstr (r.out, "RTP (unprotected) bob->agw.home1.net audio: "),
                                  " sent, "), ==, to_ue);
  g_autofree gchar *down = g_strdup_printf ("SRTP agw.home1.net->alice audio: %" G_GUINT64_FORMAT " sent, ",
                                            to_ue);
  g_assert_nonnull (strstr (r.out, down));
  /* No band straight from alice to bob in the e2ae call. */
  g_assert_null (strstr (r.out, "alice->bob audio"));
  g_assert_null (strstr (r.out, "bob->alice audio"));

  /* The MIKEY-TICKET call's media goes end to end: no AGW. */
  g_auto (ImpsTestRun) m;
  RUN (&m, "run", demo_path, "--width", "1000", "--only", "call=1", "--only", "ref=media");
  g_assert_cmpint (m.status, ==, 0);
  g_assert_nonnull (strstr (m.out, "the filter shows 2 events and 2 media streams"));
  g_assert_nonnull (strstr (m.out, "SRTP alice->bob audio: "));
  g_assert_nonnull (strstr (m.out, "SRTP bob->alice audio: "));
  g_assert_null (strstr (m.out, "agw.home1.net audio"));

  /* The SVG of the e2ae call: the AGW's column and its four bands. */
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ladder-run-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *svg_path = g_build_filename (dir, "call2.svg", NULL);
  g_auto (ImpsTestRun) s;
  RUN (&s, "run", "--quiet", demo_path, "--only", "call=2", "--svg", svg_path);
  g_assert_cmpint (s.status, ==, 0);
  g_autofree gchar *svg = NULL;
  g_assert_true (g_file_get_contents (svg_path, &svg, NULL, NULL));
  g_assert_nonnull (strstr (svg, "<title>agw.home1.net (IMS-AGW, home1.net)</title>"));
  guint bands = 0;
  for (const gchar *p = svg; (p = strstr (p, "<g class=\"media\"")) != NULL; p++)
    bands++;
  g_assert_cmpuint (bands, ==, 4);
  g_unlink (svg_path);
  g_rmdir (dir);
}

/* The RTP frames of the capture (LINKTYPE_RAW IPv4, UDP, RTP version 2
 * and payload type 0) per flow: "a.b.c.d:port>e.f.g.h:port" -> count. */
static GHashTable *
pcap_rtp_flows (const gchar *path)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  const guint8 *p = (const guint8 *) data;
  g_assert_cmpuint (len, >=, 24);
  g_assert_cmphex (p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24, ==, 0xa1b2c3d4);
  g_assert_cmpuint (p[20], ==, 101);  /* LINKTYPE_RAW */
  GHashTable *flows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gsize off = 24;
  while (off + 16 <= len)
    {
      guint32 incl = p[off + 8] | p[off + 9] << 8 | p[off + 10] << 16 | (guint32) p[off + 11] << 24;
      const guint8 *ip = p + off + 16;
      g_assert_cmpuint (off + 16 + incl, <=, len);
      off += 16 + incl;
      if (incl < 20 || (ip[0] >> 4) != 4 || ip[9] != 17)
        continue;
      guint ihl = (ip[0] & 15) * 4;
      if (incl < ihl + 8 + 12)
        continue;
      const guint8 *udp = ip + ihl, *rtp = udp + 8;
      if ((rtp[0] & 0xc0) != 0x80 || (rtp[1] & 0x7f) != 0)
        continue;
      gchar *key = g_strdup_printf ("%u.%u.%u.%u:%u>%u.%u.%u.%u:%u", ip[12], ip[13], ip[14], ip[15],
                                    udp[0] << 8 | udp[1], ip[16], ip[17], ip[18], ip[19],
                                    udp[2] << 8 | udp[3]);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (flows, key));
      g_hash_table_replace (flows, key, GUINT_TO_POINTER (n + 1));
    }
  return flows;
}

/* Count every "N sent, N received, N verified" in @text; each must have
 * the three numbers equal to @n. */
static guint
count_agreeing (const gchar *text, guint64 n)
{
  guint found = 0;
  for (const gchar *p = text; (p = strstr (p, " sent, ")) != NULL; p++)
    {
      const gchar *q = p;
      while (q > text && g_ascii_isdigit (q[-1]))
        q--;
      g_autofree gchar *want = g_strdup_printf ("%" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT
                                                " received, %" G_GUINT64_FORMAT " verified", n, n, n);
      if (!g_str_has_prefix (q, want))
        g_error ("counts differ: %.80s", q);
      /* no difference to explain, so no reason follows */
      g_assert_false (g_str_has_prefix (q + strlen (want), " ("));
      found++;
    }
  return found;
}

/* One set of media counts: the verdict of "expect = media", the media
 * events, the text and SVG bands and the capture's frames all count the
 * same packets (the senders stop when the media time is over and the step
 * ends when the last packet is in). */
static void
test_media_counts_agree (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ladder-run-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *svg_path = g_build_filename (dir, "demo.svg", NULL);
  g_autofree gchar *pcap_path = g_build_filename (dir, "demo.pcap", NULL);
  g_auto (ImpsTestRun) r;
  RUN (&r, "run", demo_path, "--width", "1000", "--svg", svg_path, "--pcap", pcap_path);
  g_assert_cmpint (r.status, ==, 0);

  /* 2 s of media at 50 packets/s */
  const guint64 n = 100;
  /* The two verdicts (two directions each), the four media events (two
   * calls, two directions), the six bands (the e2ae call has four legs). */
  const gchar *verdicts = strstr (r.out, "expect media: media both ways, every packet verified (");
  g_assert_nonnull (verdicts);
  g_assert_nonnull (strstr (r.out, "(alice -> bob: 100 sent, 100 received, 100 verified; "
                                   "bob -> alice: 100 sent, 100 received, 100 verified)"));
  g_assert_cmpuint (count_agreeing (r.out, n), ==, 4 + 4 + 6);
  g_assert_null (strstr (r.out, "  ! "));

  g_autofree gchar *svg = NULL;
  g_assert_true (g_file_get_contents (svg_path, &svg, NULL, NULL));
  guint bands = 0;
  for (const gchar *p = svg; (p = strstr (p, "<g class=\"media\"")) != NULL; p++)
    {
      const gchar *title = strstr (p, "<title>");
      g_assert_nonnull (title);
      g_assert_nonnull (g_strstr_len (title, 200, ": 100 sent, 100 received, 100 verified, +"));
      bands++;
    }
  g_assert_cmpuint (bands, ==, 6);

  /* The capture: one frame per packet sent, six flows of n. */
  g_autoptr (GHashTable) flows = pcap_rtp_flows (pcap_path);
  g_assert_cmpuint (g_hash_table_size (flows), ==, 6);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, flows);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      g_test_message ("%s: %u frames", (const gchar *) key, GPOINTER_TO_UINT (value));
      g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, n);
    }
  g_unlink (svg_path);
  g_unlink (pcap_path);
  g_rmdir (dir);
}

static void
test_only_usage (void)
{
  /* A bad --only is refused before anything runs. */
  g_auto (ImpsTestRun) r;
  RUN (&r, "run", demo_path, "--only", "ref=Zz");
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--only 'ref=Zz': reference point 'Zz' is not one of"));
  g_assert_null (strstr (r.out, "running"));
  /* A bad time range is named with its bad end. */
  g_auto (ImpsTestRun) t;
  RUN (&t, "run", demo_path, "--only", "call=1", "--only", "time=2s..soon");
  g_assert_cmpint (t.status, ==, 2);
  g_assert_nonnull (strstr (t.err, "--only 'time=2s..soon': time 'soon' is not a duration after time 0"));
}

static void
test_pcap_frames (void)
{
  /* With --pcap the rows carry frame numbers; without, none. The numbers
   * themselves are checked against a capture in test-ladder. */
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ladder-run-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *pcap_path = g_build_filename (dir, "demo.pcap", NULL);
  g_auto (ImpsTestRun) r;
  RUN (&r, "run", demo_path, "--width", "1000", "--pcap", pcap_path, "--only", "ref=Zn");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (number_after (r.out, " BIR #"), >, 0);
  g_assert_cmpuint (number_after (r.out, " BIA 2001 #"), >, number_after (r.out, " BIR #"));
  g_auto (ImpsTestRun) p;
  RUN (&p, "run", demo_path, "--width", "1000", "--only", "ref=Zn");
  g_assert_cmpint (p.status, ==, 0);
  g_assert_null (strstr (p.out, " #"));
  g_unlink (pcap_path);
  g_rmdir (dir);
}

static void
test_only_time (void)
{
  /* time= reaches the ladder: a range after the run's end shows nothing,
   * one from time 0 shows the first rows. */
  g_auto (ImpsTestRun) r;
  RUN (&r, "run", demo_path, "--width", "1000", "--only", "time=1000h..");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "the filter shows 0 events and 0 media streams"));
  g_auto (ImpsTestRun) s;
  RUN (&s, "run", demo_path, "--width", "1000", "--only", "time=..0s", "--only", "ref=Ub");
  g_assert_cmpint (s.status, ==, 0);
  g_assert_nonnull (strstr (s.out, "GET"));
  g_assert_nonnull (strstr (s.out, "the filter shows "));
  g_assert_null (strstr (s.out, "the filter shows 0 events"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 3);
  impsim_path = argv[1];
  demo_path = argv[2];
  g_test_add_func ("/ladder-run/fork-winner", test_fork_winner);
  g_test_add_func ("/ladder-run/agw-lifeline", test_agw_lifeline);
  g_test_add_func ("/ladder-run/only-usage", test_only_usage);
  g_test_add_func ("/ladder-run/media-counts-agree", test_media_counts_agree);
  g_test_add_func ("/ladder-run/only-time", test_only_time);
  g_test_add_func ("/ladder-run/pcap-frames", test_pcap_frames);
  return g_test_run ();
}
