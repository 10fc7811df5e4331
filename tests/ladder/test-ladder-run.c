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

/* The ladder part of impsim's output: from the "ladder:" title line. */
static const gchar *
ladder_part (const gchar *out)
{
  const gchar *p = strstr (out, "\nladder: ");
  g_assert_nonnull (p);
  return p + 1;
}

/* Rows of the text ladder whose reference-point column holds @ref (a
 * name, or NULL: any message, i.e. any reference point but "-", "media",
 * "call" and "boot"). */
static guint
count_rows (const gchar *ladder, const gchar *ref)
{
  guint n = 0;
  g_auto (GStrv) lines = g_strsplit (ladder, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const gchar *l = lines[i];
      if ((l[0] != '+' && l[0] != '-') || strlen (l) < 16 || l[1] < '0' || l[1] > '9')
        continue;
      g_autofree gchar *field = g_strstrip (g_strndup (l + 10, 6));
      if (ref ? strcmp (field, ref) == 0
              : strcmp (field, "-") != 0 && strcmp (field, "media") != 0 && strcmp (field, "call") != 0
                  && strcmp (field, "boot") != 0)
        n++;
    }
  return n;
}

/* The sum of the number before @word over the media bands of @ladder
 * ("100 sent, ..."). */
static guint64
sum_media (const gchar *ladder, const gchar *word)
{
  guint64 sum = 0;
  g_auto (GStrv) lines = g_strsplit (ladder, "\n", -1);
  g_autofree gchar *needle = g_strdup_printf (" %s,", word);
  for (guint i = 0; lines[i]; i++)
    {
      /* The bands, not the runner's media events: a band ends with its
       * time span, "+2.022..+4.022 s". */
      if (lines[i][0] != '+' || strlen (lines[i]) < 16 || strncmp (lines[i] + 10, "media", 5) != 0
          || strstr (lines[i], "..+") == NULL)
        continue;
      const gchar *w = strstr (lines[i], needle);
      g_assert_nonnull (w);
      const gchar *p = w;
      while (p > lines[i] && g_ascii_isdigit (p[-1]))
        p--;
      sum += g_ascii_strtoull (p, NULL, 10);
    }
  return sum;
}

/* The media bands of @ladder (not the runner's media events, which are
 * arrows of '-'): "|====>|" or "|<~~~~|". */
static guint
count_bands (const gchar *ladder)
{
  guint n = 0;
  g_auto (GStrv) lines = g_strsplit (ladder, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] == '+' && strlen (lines[i]) > 16 && strncmp (lines[i] + 10, "media", 5) == 0
        && (strstr (lines[i], "=>") || strstr (lines[i], "<=") || strstr (lines[i], "~>")
            || strstr (lines[i], "<~")))
      n++;
  return n;
}

static guint count_str (const gchar *text, const gchar *needle);

/* The summary of the demo: one row per call, with the counts of the
 * message-by-message ladder of that call (--only call=K). */
static void
test_summary_demo (void)
{
  g_auto (ImpsTestRun) d;
  RUN (&d, "run", demo_path, "--width", "1000");
  g_assert_cmpint (d.status, ==, 0);
  /* Two calls: far below the threshold, drawn message by message. */
  g_assert_null (strstr (d.out, "summarised"));
  g_assert_cmpuint (count_rows (ladder_part (d.out), "call"), ==, 0);
  g_assert_cmpuint (count_rows (ladder_part (d.out), "Gm"), >, 10);

  g_auto (ImpsTestRun) r;
  RUN (&r, "run", demo_path, "--width", "1000", "--summary");
  g_test_message ("%s", r.out);
  g_assert_cmpint (r.status, ==, 0);
  const gchar *lad = ladder_part (r.out);
  g_assert_nonnull (strstr (lad, "; summarised, one row per call and per bootstrap (2 calls, "
                                "3 bootstraps; --full draws every message)"));
  g_assert_cmpuint (count_rows (lad, "call"), ==, 2);
  /* The calls' SIP and media are in their rows, the bootstraps' Ub and Zh
   * in theirs; the registrations before the first call are still drawn. */
  g_assert_null (strstr (lad, "INVITE"));
  g_assert_cmpuint (count_rows (lad, "Ua"), ==, 0);
  g_assert_cmpuint (count_rows (lad, "Zk"), ==, 0);
  g_assert_cmpuint (count_rows (lad, "media"), ==, 0);
  g_assert_cmpuint (count_rows (lad, "Ub"), ==, 0);
  g_assert_cmpuint (count_rows (lad, "Zh"), ==, 0);
  g_assert_cmpuint (count_rows (lad, "boot"), ==, 3);
  g_assert_null (strstr (lad, "bootstrapped: B-TID"));
  /* each bootstrap row counts the messages that --full draws: the demo's
   * three bootstraps are 12 Ub and 6 Zh messages */
  const gchar *full = ladder_part (d.out);
  g_assert_cmpuint (count_rows (full, "Ub"), ==, 12);
  g_assert_cmpuint (count_rows (full, "Zh"), ==, 6);
  g_assert_nonnull (strstr (lad, "bootstrap 1: alice -> bsf.home1.net, 200 (B-TID "));
  g_assert_nonnull (strstr (lad, "bootstrap 3: bob.tablet -> bsf.home2.net, 200 (B-TID "));
  g_assert_cmpuint (count_str (lad, "), 1 challenge, 6 messages (Ub 4, Zh 2)"), ==, 3);
  /* Three registrations: REGISTER and 200 OK on Gm and on Mw. */
  g_assert_cmpuint (count_rows (lad, "Gm"), ==, 6);
  g_assert_cmpuint (count_rows (lad, "Mw"), ==, 6);

  static const gchar *const want[] = {
    "call 1: alice -> bob, security mikey-ticket, 200 OK, 2 media streams: ",
    "call 2: alice -> bob, security sdes-e2ae, 200 OK, 4 media streams: ",
  };
  for (guint k = 1; k <= 2; k++)
    {
      g_autofree gchar *only = g_strdup_printf ("call=%u", k);
      g_auto (ImpsTestRun) c;
      RUN (&c, "run", demo_path, "--width", "1000", "--only", only);
      g_assert_cmpint (c.status, ==, 0);
      const gchar *cl = ladder_part (c.out);
      g_autofree gchar *row = g_strdup_printf ("%s%" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT
                                               " received, %" G_GUINT64_FORMAT " verified, %u messages",
                                               want[k - 1], sum_media (cl, "sent"),
                                               sum_media (cl, "received"), sum_media (cl, "verified"),
                                               count_rows (cl, NULL));
      g_test_message ("want %s", row);
      g_assert_nonnull (strstr (lad, row));
      g_assert_cmpuint (sum_media (cl, "sent"), >=, 200);
    }

  /* Both at once is a usage error. */
  g_auto (ImpsTestRun) u;
  RUN (&u, "run", demo_path, "--summary", "--full");
  g_assert_cmpint (u.status, ==, 2);
  g_assert_nonnull (strstr (u.err, "--summary and --full exclude each other"));
}

/* A scenario of @calls SDES calls, u1 -> u2, u2 -> u3, ... written with a
 * [subscribers] range and a repeat block. */
static gchar *
write_calls (const gchar *dir, guint calls)
{
  g_autofree gchar *name = g_strdup_printf ("calls%u.scn", calls);
  gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = g_strdup_printf (
      "[scenario]\nseed = 15\n\n[operator op1]\nnumber = 1\ndomain = op1.net\n\n"
      "[subscribers u1..u%u]\noperator = op1\n\n"
      "[script]\nregister = u1..u%u\n"
      "repeat = u1..u%u u2..u%u\n"
      "call = $1 $2 security=sdes-e2e media=100ms\n"
      "expect = media\n"
      "hangup = $1\n"
      "end = repeat\n",
      calls + 1, calls + 1, calls, calls + 1);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static guint
count_str (const gchar *text, const gchar *needle)
{
  guint n = 0;
  for (const gchar *p = text; (p = strstr (p, needle)) != NULL; p++)
    n++;
  return n;
}

/* Above the threshold a run is summarised unless --full; at it, it is
 * not; the SVG of the summary has far fewer elements. */
static void
test_summary_threshold (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ladder-run-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *big = write_calls (dir, 60);
  g_autofree gchar *edge = write_calls (dir, 50);

  g_auto (ImpsTestRun) a;
  RUN (&a, "run", big, "--width", "1000");
  g_assert_cmpint (a.status, ==, 0);
  const gchar *la = ladder_part (a.out);
  g_assert_nonnull (strstr (la, "; summarised, one row per call (60 calls; --full draws every message)"));
  g_assert_cmpuint (count_rows (la, "call"), ==, 60);
  g_assert_cmpuint (count_rows (la, "media"), ==, 0);
  /* The 61 registrations are not calls: drawn, 4 messages each. */
  g_assert_cmpuint (count_rows (la, NULL), ==, 61 * 4);

  g_auto (ImpsTestRun) f;
  RUN (&f, "run", big, "--width", "1000", "--full");
  g_assert_cmpint (f.status, ==, 0);
  const gchar *lf = ladder_part (f.out);
  g_assert_null (strstr (lf, "summarised"));
  g_assert_cmpuint (count_rows (lf, "call"), ==, 0);
  g_assert_cmpuint (count_bands (lf), ==, 120);
  /* Every message of the log has its row (the runner's media events,
   * two per call, are messages on the media rows). */
  guint64 messages = number_after (lf, " events (");
  g_assert_cmpuint (messages, >, 60 * 10);
  g_assert_cmpuint (count_rows (lf, NULL) + count_rows (lf, "media") - 120, ==, messages);

  /* At the threshold: every message. */
  g_auto (ImpsTestRun) e;
  RUN (&e, "run", edge, "--width", "1000");
  g_assert_cmpint (e.status, ==, 0);
  g_assert_null (strstr (e.out, "summarised"));
  g_assert_cmpuint (count_bands (ladder_part (e.out)), ==, 100);
  /* A filter that shows fewer calls than the threshold: every message. */
  g_auto (ImpsTestRun) o;
  RUN (&o, "run", big, "--width", "1000", "--only", "call=3");
  g_assert_cmpint (o.status, ==, 0);
  g_assert_null (strstr (o.out, "summarised"));
  g_assert_cmpuint (count_bands (ladder_part (o.out)), ==, 2);

  /* The SVGs: one call group per call against an arrow per message. */
  g_autofree gchar *svg_sum = g_build_filename (dir, "sum.svg", NULL);
  g_autofree gchar *svg_full = g_build_filename (dir, "full.svg", NULL);
  g_auto (ImpsTestRun) s1;
  RUN (&s1, "run", "--quiet", big, "--summary", "--svg", svg_sum);
  g_assert_cmpint (s1.status, ==, 0);
  g_auto (ImpsTestRun) s2;
  RUN (&s2, "run", "--quiet", big, "--full", "--svg", svg_full);
  g_assert_cmpint (s2.status, ==, 0);
  g_autofree gchar *ts = NULL, *tf = NULL;
  g_assert_true (g_file_get_contents (svg_sum, &ts, NULL, NULL));
  g_assert_true (g_file_get_contents (svg_full, &tf, NULL, NULL));
  g_assert_cmpuint (count_str (ts, "<g class=\"call\""), ==, 60);
  /* the call row's badge is in the legend of a summarised ladder only */
  g_assert_cmpuint (count_str (ts, "data-marker=\"call\""), ==, 1);
  /* The last call's row (the tooltip holds its whole label): 100 ms of
   * media is 5 packets each way. */
  g_assert_nonnull (strstr (ts, "<title>call u60 \u2192 u61: call 60: u60 -&gt; u61, security sdes-e2e, "
                                "200 OK, 2 media streams: 10 sent, 10 received, 10 verified, "));
  g_assert_cmpuint (count_str (tf, "<g class=\"call\""), ==, 0);
  g_assert_cmpuint (count_str (tf, "data-marker=\"call\""), ==, 0);
  g_assert_cmpuint (count_str (ts, "<g class=\"media\""), ==, 0);
  g_assert_cmpuint (count_str (tf, "<g class=\"media\""), ==, 120);
  g_assert_cmpuint (count_str (ts, "<g class=\"arrow"), ==, 61 * 4);
  g_assert_cmpuint (count_str (tf, "<g class=\"arrow"), ==, messages);
  guint groups_sum = count_str (ts, "<g "), groups_full = count_str (tf, "<g ");
  g_test_message ("SVG groups: %u summarised, %u full", groups_sum, groups_full);
  g_assert_cmpuint (groups_sum * 4, <, groups_full);

  g_unlink (svg_sum);
  g_unlink (svg_full);
  g_unlink (big);
  g_unlink (edge);
  g_rmdir (dir);
}

/* The viewBox width of an SVG file. */
static double
svg_width (const gchar *path)
{
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  const gchar *v = strstr (text, "viewBox=\"0 0 ");
  g_assert_nonnull (v);
  return g_ascii_strtod (v + strlen ("viewBox=\"0 0 "), NULL);
}

/* Big runs fit a page: with more than 8 UE devices an operator's UEs
 * share one lifeline and each row names its device; a run of more than 50
 * bootstraps draws one row per bootstrap. The library's 40-device load
 * run was 4,910 units wide with a lifeline per device. */
static void
test_big_lifelines (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ladder-big-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *scn_dir = g_path_get_dirname (demo_path);
  g_autofree gchar *load = g_build_filename (scn_dir, "load-mikey-ticket.scn", NULL);
  g_autofree gchar *svg40 = g_build_filename (dir, "load.svg", NULL);

  g_auto (ImpsTestRun) a;
  RUN (&a, "run", load, "--width", "1000", "--svg", svg40);
  g_assert_cmpint (a.status, ==, 0);
  const gchar *la = ladder_part (a.out);
  g_assert_nonnull (strstr (la, "; the UEs of an operator share one lifeline (40 devices), their "
                                "rows name the device"));
  g_assert_nonnull (strstr (la, "one row per call and per bootstrap (240 calls, 40 bootstraps; "));
  /* six lifelines: the UEs, P-CSCF, S-CSCF, KMS, BSF, HSS */
  g_assert_nonnull (strstr (la, "\ntime      ref   UEs of home1.net  pcscf.home1.net   "));
  g_assert_nonnull (strstr (la, "pcscf.home1.net   scscf.home1.net   kms.home1.net     bsf.home1.net     hss.home1.net\n"));
  g_assert_nonnull (strstr (la, "  u17: REGISTER\n"));
  g_assert_nonnull (strstr (la, "  to u17: 200 OK (REGISTER)\n"));
  g_assert_nonnull (strstr (la, "bootstrap 17: u17 -> bsf.home1.net, 200 (B-TID "));
  double w40 = svg_width (svg40);
  g_test_message ("40 devices: SVG %.0f units wide", w40);
  g_assert_cmpfloat (w40, <=, 1300);
  g_autofree gchar *t40 = NULL;
  g_assert_true (g_file_get_contents (svg40, &t40, NULL, NULL));
  g_assert_cmpuint (count_str (t40, "<g class=\"node\">"), ==, 6);
  g_assert_nonnull (strstr (t40, ">40 UE devices</text>"));
  /* the long title is wrapped onto more lines, not cut */
  g_assert_nonnull (strstr (t40, "<tspan x=\"16.0\" y=\"42.0\">"));
  g_assert_nonnull (strstr (t40, "(virtual clock)</tspan></text>"));
  g_assert_cmpuint (count_str (t40, "<g class=\"boot\" data-ref=\"boot\">"), ==, 40);
  g_assert_cmpuint (count_str (t40, "data-marker=\"boot\""), ==, 1);

  /* 500 subscribers of two operators: 500 bootstraps, 20 calls */
  g_autofree gchar *s500 = g_build_filename (dir, "s500.scn", NULL);
  g_assert_true (g_file_set_contents (s500,
      "[scenario]\nseed = 16\n\n"
      "[operator op1]\nnumber = 1\ndomain = op1.net\n\n"
      "[operator op2]\nnumber = 2\ndomain = op2.net\n\n"
      "[subscribers a1..a250]\noperator = op1\n\n"
      "[subscribers b1..b250]\noperator = op2\n\n"
      "[script]\nrepeat = a1..a250 b1..b250\nbootstrap = $1\nbootstrap = $2\nend = repeat\n"
      "register = a1..a10\nregister = b1..b10\n"
      "repeat = a1..a10 b1..b10\ncall = $1 $2 security=sdes-e2e media=100ms\nhangup = $1\n"
      "end = repeat\n", -1, NULL));
  g_autofree gchar *svg500 = g_build_filename (dir, "s500.svg", NULL);
  g_auto (ImpsTestRun) b;
  RUN (&b, "run", s500, "--width", "140", "--svg", svg500);
  g_assert_cmpint (b.status, ==, 0);
  const gchar *lb = ladder_part (b.out);
  g_assert_nonnull (strstr (lb, "share one lifeline (500 devices)"));
  g_assert_nonnull (strstr (lb, "one row per call and per bootstrap (10 calls, 500 bootstraps; "));
  g_assert_cmpuint (count_rows (lb, "boot"), ==, 500);
  g_assert_cmpuint (count_rows (lb, "Ub"), ==, 0);
  g_assert_cmpuint (count_rows (lb, "call"), ==, 10);
  double w500 = svg_width (svg500);
  g_test_message ("500 subscribers, 2 operators: SVG %.0f units wide", w500);
  g_assert_cmpfloat (w500, <=, 1700);
  g_autofree gchar *t500 = NULL;
  g_assert_true (g_file_get_contents (svg500, &t500, NULL, NULL));
  g_assert_cmpuint (count_str (t500, ">250 UE devices</text>"), ==, 2);
  /* the text ladder too: one column for each operator's UEs */
  g_assert_nonnull (strstr (lb, "UEs1"));
  g_assert_nonnull (strstr (lb, "UEs2 = UEs of op2.net"));

  /* --full draws every message, still on the shared lifelines */
  g_auto (ImpsTestRun) f;
  RUN (&f, "run", s500, "--width", "140", "--full");
  g_assert_cmpint (f.status, ==, 0);
  const gchar *lf = ladder_part (f.out);
  g_assert_cmpuint (count_rows (lf, "boot"), ==, 0);
  g_assert_cmpuint (count_rows (lf, "Ub"), ==, 500 * 4);
  g_assert_cmpuint (count_rows (lf, "Zh"), ==, 500 * 2);

  g_unlink (svg40);
  g_unlink (svg500);
  g_unlink (s500);
  g_rmdir (dir);
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
  g_test_add_func ("/ladder-run/summary-demo", test_summary_demo);
  g_test_add_func ("/ladder-run/summary-threshold", test_summary_threshold);
  g_test_add_func ("/ladder-run/big-lifelines", test_big_lifelines);
  return g_test_run ();
}
