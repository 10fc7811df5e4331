/* The ladder views (text and SVG) of real event logs (HSS+BSF+UE on
 * loopback, as in tests/bsf/gba-fixture.h: a bootstrap with one
 * resynchronisation, a UE that refuses a forged-looking network) and of
 * synthetic ones (hostile text, media bands, 40+ messages over two
 * operators). Every SVG is parsed back with GMarkupParseContext.
 *
 * Set IMPS_LADDER_EXAMPLE=path to write the resync ladder's SVG there (how
 * docs/ladder-example.svg was made), and IMPS_LADDER_LOOK_DIR=dir to keep
 * every test's SVG there for a person to look at. */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include "../bsf/gba-fixture.h"
#include "imps-ladder.h"
#include "imps-pcap.h"

#include <glib/gstdio.h>
#include <pcap/pcap.h>

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- an SVG read back ---- */

typedef struct {
  GHashTable *classes;   /* class attribute -> count */
  GString *text;         /* all text, unescaped, one space between nodes */
  GString *titles;       /* all <title> text, "\n" between them */
  guint depth;
  gboolean in_title;
  gboolean root_svg;
} SvgSeen;

static void
svg_start (GMarkupParseContext *ctx, const gchar *element, const gchar **names,
           const gchar **values, gpointer data, GError **error)
{
  SvgSeen *s = data;
  if (s->depth++ == 0)
    s->root_svg = strcmp (element, "svg") == 0;
  g_assert_cmpstr (element, !=, "script");
  g_assert_cmpstr (element, !=, "style");
  g_assert_cmpstr (element, !=, "image");
  g_assert_cmpstr (element, !=, "foreignObject");
  for (guint i = 0; names[i]; i++)
    {
      /* self-contained: no links or external references */
      g_assert_cmpstr (names[i], !=, "href");
      g_assert_cmpstr (names[i], !=, "xlink:href");
      g_assert_false (g_str_has_prefix (names[i], "on"));
      if (strcmp (names[i], "class") == 0)
        {
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (s->classes, values[i]));
          g_hash_table_insert (s->classes, g_strdup (values[i]), GUINT_TO_POINTER (n + 1));
        }
    }
  if (strcmp (element, "title") == 0)
    s->in_title = TRUE;
}

static void
svg_end (GMarkupParseContext *ctx, const gchar *element, gpointer data, GError **error)
{
  SvgSeen *s = data;
  s->depth--;
  if (strcmp (element, "title") == 0)
    {
      s->in_title = FALSE;
      g_string_append_c (s->titles, '\n');
    }
}

static void
svg_chars (GMarkupParseContext *ctx, const gchar *text, gsize len, gpointer data, GError **error)
{
  SvgSeen *s = data;
  if (s->in_title)
    g_string_append_len (s->titles, text, (gssize) len);
  else
    {
      g_string_append_len (s->text, text, (gssize) len);
      g_string_append_c (s->text, ' ');
    }
}

static void
svg_seen_free (SvgSeen *s)
{
  g_hash_table_unref (s->classes);
  g_string_free (s->text, TRUE);
  g_string_free (s->titles, TRUE);
  g_free (s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvgSeen, svg_seen_free)

static SvgSeen *
svg_parse (const gchar *svg)
{
  static const GMarkupParser parser = { svg_start, svg_end, svg_chars, NULL, NULL };
  SvgSeen *s = g_new0 (SvgSeen, 1);
  s->classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->text = g_string_new (NULL);
  s->titles = g_string_new (NULL);
  g_assert_true (g_str_has_prefix (svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  g_assert_true (g_utf8_validate (svg, -1, NULL));
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, s, NULL);
  GError *error = NULL;
  g_markup_parse_context_parse (ctx, svg, -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (ctx, &error);
  g_assert_no_error (error);
  g_markup_parse_context_free (ctx);
  g_assert_true (s->root_svg);
  g_assert_cmpuint (s->depth, ==, 0);
  return s;
}

static void
svg_keep (const gchar *svg, const gchar *name)
{
  const gchar *dir = g_getenv ("IMPS_LADDER_LOOK_DIR");
  if (dir == NULL)
    return;
  g_autofree gchar *file = g_strconcat (name, ".svg", NULL);
  g_autofree gchar *path = g_build_filename (dir, file, NULL);
  g_assert_true (g_file_set_contents (path, svg, -1, NULL));
}

static guint
svg_count (SvgSeen *s, const gchar *klass)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (s->classes, klass));
}

static guint
count_kind (ImpsEventLog *log, ImpsEventKind kind)
{
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    n += imps_event_log_get (log, i)->kind == kind;
  return n;
}

static guint
count_arrows (ImpsEventLog *log)
{
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      n += e->kind == IMPS_EVENT_MESSAGE && e->to != NULL;
    }
  return n;
}

/* The text lines, without the empty one after the last "\n". */
static gchar **
text_lines (const gchar *text)
{
  g_assert_true (g_str_has_suffix (text, "\n"));
  gchar **lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);
  g_assert_cmpstr (lines[n - 1], ==, "");
  g_free (lines[n - 1]);
  lines[n - 1] = NULL;
  return lines;
}

/* Character column where @needle starts in @line (-1: absent). */
static glong
col_of (const gchar *line, const gchar *needle)
{
  const gchar *p = strstr (line, needle);
  return p ? g_utf8_pointer_to_offset (line, p) : -1;
}

static const gchar *
find_line (gchar **lines, const gchar *needle, guint *index)
{
  for (guint i = index ? *index : 0; lines[i]; i++)
    if (strstr (lines[i], needle))
      {
        if (index)
          *index = i;
        return lines[i];
      }
  return NULL;
}

static void
assert_no_controls (const gchar *text)
{
  for (const guchar *p = (const guchar *) text; *p; p++)
    g_assert_true (*p == '\n' || (*p >= 0x20 && *p != 0x7f));
}

/* ---- a bootstrap with a resynchronisation, drawn ---- */

static void
test_resync (GbaFx *fx, gconstpointer unused)
{
  /* As tests/ue's resync: the USIM has seen SEQ 5000 (IND 3) and has an
   * age limit, so the HSS's first vector fails and one AUTS follows. */
  ImpsAkaSqnState *st = imps_ue_get_sqn_state (fx->ue);
  st->age_limit = 100;
  g_assert_true (imps_aka_sqn_state_accept (st, (G_GUINT64_CONSTANT (5000) << 5) | 3, NULL));
  g_assert_true (fx_bootstrap (fx, fx->ue));
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  guint n_messages = count_kind (log, IMPS_EVENT_MESSAGE);
  g_assert_cmpuint (n_messages, ==, 10);

  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  /* summarised: one row, two challenges, the 10 messages counted */
  imps_ladder_set_detail (ladder, IMPS_LADDER_SUMMARY);
  g_autofree gchar *sum = imps_ladder_render_text (ladder, 300);
  g_assert_nonnull (strstr (sum, "  bootstrap 1: alice -> bsf.home1.net, 200 (B-TID "));
  g_assert_nonnull (strstr (sum, "), 2 challenges, 10 messages (Ub 6, Zh 4)\n"));
  g_assert_null (strstr (sum, "resynchronised"));
  g_assert_null (strstr (sum, "bootstrapped:"));
  imps_ladder_set_detail (ladder, IMPS_LADDER_AUTO);
  g_autofree gchar *text = imps_ladder_render_text (ladder, 0);
  g_test_message ("%s", text);
  assert_no_controls (text);
  g_auto (GStrv) lines = text_lines (text);

  /* Columns in operator order: the UE, then the BSF, then the HSS, under
   * one operator header; the names fit at 100 columns, so no legend. */
  guint head = 0;
  const gchar *cols = find_line (lines, "time      ref", &head);
  g_assert_nonnull (cols);
  g_assert_cmpstr (find_line (lines, "nodes:", NULL), ==, NULL);
  glong c_ue = col_of (cols, "alice"), c_bsf = col_of (cols, "bsf.home1.net"),
        c_hss = col_of (cols, "hss.home1.net");
  g_assert_cmpint (c_ue, >, 0);
  g_assert_cmpint (c_ue, <, c_bsf);
  g_assert_cmpint (c_bsf, <, c_hss);
  g_assert_cmpint (col_of (lines[head - 1], "[ home1.net "), ==, c_ue);
  g_assert_true (g_str_has_suffix (lines[0], "; time 0 = 2026-01-01T00:00:00Z (virtual clock)"));

  /* One line per event after the column heads, in log order, each with
   * the continuation lines (blank time column) of a label that wraps: the
   * whole summary is there, never cut. */
  guint li = head + 1;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      const gchar *line = lines[li++];
      g_assert_nonnull (line);
      g_autofree gchar *when = g_strdup_printf ("+%" G_GINT64_FORMAT ".%03d ",
                                                (e->time_us - FX_START_S * G_USEC_PER_SEC) / G_USEC_PER_SEC,
                                                (int) ((e->time_us / 1000) % 1000));
      g_assert_true (g_str_has_prefix (line, when));
      g_assert_null (strstr (line, "…"));
      g_autoptr (GString) joined = g_string_new (line);
      while (lines[li] && g_str_has_prefix (lines[li], "          "))
        {
          /* the text after the lifelines, joined with one space */
          const gchar *t = lines[li++];
          const gchar *p = t;
          while (*p == ' ' || *p == '|')
            p++;
          g_assert_null (strstr (t, "…"));
          g_string_append_printf (joined, " %s", p);
        }
      /* every word of the summary, in order */
      g_auto (GStrv) words = g_strsplit (e->summary, " ", -1);
      const gchar *at = joined->str;
      for (guint w = 0; words[w]; w++)
        {
          if (words[w][0] == '\0')
            continue;
          at = strstr (at, words[w]);
          g_assert_nonnull (at);
          at += strlen (words[w]);
        }
      g_assert_cmpstr (line + 10, ==, strstr (line, imps_ref_point_name (e->ref)));
    }
  g_assert_null (lines[li]);

  /* Arrows: the first GET goes from alice's lifeline to the BSF's, the MAR
   * from the BSF to the HSS, the MAA back, the 401 back to alice. */
  /* Found by content, in order, so that a node adding a note does not
   * break the test. */
  guint at = head;
  const gchar *get = find_line (lines, "Ub    +", &at);
  g_assert_nonnull (strstr (get, "GET / (Authorization: "));
  g_assert_cmpint (g_utf8_get_char (g_utf8_offset_to_pointer (get, c_ue)), ==, '+');
  g_assert_cmpint (get[c_bsf - 1], ==, '>');
  g_assert_cmpint (get[c_bsf], ==, '|');
  g_assert_cmpint (get[c_hss], ==, '|');
  const gchar *mar = find_line (lines, "  MAR", &at);
  g_assert_cmpint (mar[c_ue], ==, '|');
  g_assert_cmpint (mar[c_bsf], ==, '+');
  g_assert_cmpint (mar[c_hss - 1], ==, '>');
  const gchar *maa = find_line (lines, "  MAA 2001", &at);
  g_assert_nonnull (strstr (maa, "MAA 2001"));
  g_assert_cmpint (maa[c_bsf + 1], ==, '<');
  g_assert_cmpint (maa[c_hss], ==, '+');
  const gchar *ch = find_line (lines, "  401 (AKA challenge", &at);
  g_assert_nonnull (strstr (ch, "401 (AKA challenge"));
  g_assert_cmpint (ch[c_ue + 1], ==, '<');
  g_assert_cmpint (ch[c_bsf], ==, '+');

  /* Notes sit under their node: the HSS's vector note starts at the HSS's
   * column, the UE's SQN failure at alice's. */
  const gchar *vec = find_line (lines, "* authentication vector:", NULL);
  g_assert_cmpint (col_of (vec, "* authentication vector: vector for"), ==, c_hss);
  g_assert_cmpint (vec[c_ue], ==, '|');
  g_assert_cmpint (vec[c_bsf], ==, '|');
  at = head;
  const gchar *sqn = find_line (lines, "* SQN failure:", &at);
  g_assert_cmpint (col_of (sqn, "* SQN failure: synchronisation failure"), ==, c_ue);
  /* A long note is wrapped at the width, not cut: its line fills the
   * width and the next line goes on under the lifelines. */
  g_assert_null (strstr (sqn, "…"));
  g_assert_cmpint (g_utf8_strlen (sqn, -1), <=, IMPS_LADDER_TEXT_DEFAULT_WIDTH);
  g_assert_true (g_str_has_prefix (lines[at + 1], "          "));
  const gchar *resync = find_line (lines, "* resynchronisation:", &at);
  g_assert_cmpint (col_of (resync, "* resynchronisation:"), ==, c_bsf);

  /* The SVG: one arrow per message, one note per note, the legend. */
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, n_messages);
  g_assert_cmpuint (svg_count (seen, "note"), ==, count_kind (log, IMPS_EVENT_NOTE));
  g_assert_cmpuint (svg_count (seen, "node"), ==, 3);
  g_assert_cmpuint (svg_count (seen, "operator"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "legend-entry"), ==, 12);
  g_assert_cmpuint (svg_count (seen, "refusal"), ==, 0);
  g_assert_cmpuint (svg_count (seen, "time-axis"), ==, 1);
  g_assert_nonnull (strstr (seen->text->str, "home1.net"));
  g_assert_nonnull (strstr (seen->text->str, "MAA 2001"));
  g_assert_nonnull (strstr (seen->text->str, "virtual time (s)"));
  g_assert_nonnull (strstr (seen->text->str, "+0.000"));
  /* Ub arrows carry the Ub colour, Zh the Zh colour. */
  g_assert_nonnull (strstr (svg, "data-ref=\"Ub\"><title>Ub alice \u2192 bsf.home1.net: GET /"));
  g_assert_nonnull (strstr (svg, "data-ref=\"Zh\"><title>Zh bsf.home1.net \u2192 hss.home1.net: MAR"));
  /* Full texts live in the tooltips, e.g. the whole SQN failure note. */
  g_assert_nonnull (strstr (seen->titles->str, "SQN failure: synchronisation failure: SQN 000000000020 "
                                               "not acceptable"));

  const gchar *example = g_getenv ("IMPS_LADDER_EXAMPLE");
  if (example)
    {
      g_autoptr (GError) werr = NULL;
      g_assert_true (imps_ladder_write_svg (ladder, example, &werr));
      g_assert_no_error (werr);
      g_autofree gchar *t2 = imps_ladder_render_text (ladder, 0);
      g_autofree gchar *txt = g_strconcat (example, ".txt", NULL);
      g_assert_true (g_file_set_contents (txt, t2, -1, NULL));
    }

  /* A media band from a synthetic summary, drawn after the bootstrap. */
  g_autoptr (ImpsLadderMedia) m = imps_ladder_media_new ("alice audio", "alice", "bsf.home1.net", TRUE);
  m->first_us = FX_START_S * G_USEC_PER_SEC + 1500000;
  m->last_us = m->first_us + 5000000;
  m->packets_sent = 250;
  m->packets_received = 250;
  m->packets_verified = 250;
  imps_ladder_add_media (ladder, m);
  g_autofree gchar *svg2 = imps_ladder_render_svg (ladder);
  svg_keep (svg2, "resync");
  g_autoptr (SvgSeen) seen2 = svg_parse (svg2);
  g_assert_cmpuint (svg_count (seen2, "media"), ==, 1);
  g_assert_cmpuint (svg_count (seen2, "arrow"), ==, n_messages);

  /* write_svg writes what render_svg returns. */
  g_autofree gchar *path = g_build_filename (fx->dir, "ladder.svg", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (imps_ladder_write_svg (ladder, path, &error));
  g_assert_no_error (error);
  g_autofree gchar *back = NULL;
  g_assert_true (g_file_get_contents (path, &back, NULL, NULL));
  g_assert_cmpstr (back, ==, svg2);
  g_unlink (path);
}

/* ---- a refusal, drawn ---- */

static void
test_refusal (GbaFx *fx, gconstpointer unused)
{
  /* As tests/ue's wrong-k: a UE whose K differs from the HSS's refuses the
   * challenge (MAC-A failure), and the BSF refuses its empty answer. */
  g_autoptr (ImpsUe) bad = fx_new_ue (fx, "mallory", "127.1.1.3", "465b5ce8b199b49faa5f0a2ee238a6bd");
  g_assert_false (fx_bootstrap (fx, bad));
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  g_assert_cmpuint (count_kind (log, IMPS_EVENT_REFUSAL), ==, 2);

  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  g_autofree gchar *text = imps_ladder_render_text (ladder, 0);
  g_test_message ("%s", text);
  g_auto (GStrv) lines = text_lines (text);
  const gchar *cols = find_line (lines, "time      ref", NULL);
  glong c_ue = col_of (cols, "mallory"), c_bsf = col_of (cols, "bsf.home1.net");
  g_assert_cmpint (c_ue, <, c_bsf);

  /* The UE's refusal: a cross at its column, the reason on the lines
   * under it, wrapped, and not cut. */
  guint i = 0;
  const gchar *ue_ref = find_line (lines, "X REFUSED: network not genuine", &i);
  g_assert_nonnull (ue_ref);
  g_assert_cmpint (col_of (ue_ref, "X REFUSED"), ==, c_ue);
  const gchar *reason = lines[i + 1];
  g_assert_cmpint (col_of (reason, "network authentication failed"), ==, c_ue + 2);
  g_assert_false (g_str_has_prefix (reason, "+"));
  g_autofree gchar *joined = NULL;
  {
    GString *all = g_string_new (NULL);
    for (guint k = i + 1; lines[k] && !g_str_has_prefix (lines[k], "+"); k++)
      {
        g_assert_cmpint (g_utf8_strlen (lines[k], -1), <=, IMPS_LADDER_TEXT_DEFAULT_WIDTH);
        g_string_append_printf (all, "%s ", lines[k] + c_ue + 2);
      }
    joined = g_string_free (all, FALSE);
  }
  /* The whole reason as logged (the wrap breaks at spaces only). */
  const ImpsEvent *refusal = NULL;
  for (guint k = 0; k < imps_event_log_len (log) && refusal == NULL; k++)
    if (imps_event_log_get (log, k)->kind == IMPS_EVENT_REFUSAL)
      refusal = imps_event_log_get (log, k);
  g_assert_nonnull (refusal);
  g_assert_nonnull (strstr (refusal->detail, "MAC-A failure: expected XMAC "));
  g_assert_true (g_str_has_suffix (refusal->detail, ", AMF 0000 after removing AK)"));
  g_assert_true (g_str_has_prefix (joined, refusal->detail));
  g_assert_cmpstr (joined + strlen (refusal->detail), ==, " ");

  /* The BSF's refusal under the BSF. */
  const gchar *bsf_ref = find_line (lines, "X REFUSED: UE rejected the network", NULL);
  g_assert_cmpint (col_of (bsf_ref, "X REFUSED"), ==, c_bsf);

  /* The SVG: a refusal group per refusal, with a red cross, the reason as
   * text and the full reason in its tooltip. */
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  svg_keep (svg, "refusal");
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "refusal"), ==, 2);
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, count_kind (log, IMPS_EVENT_MESSAGE));
  g_assert_nonnull (strstr (seen->text->str, "REFUSED: network not genuine"));
  g_assert_nonnull (strstr (seen->text->str, "network authentication failed"));
  g_assert_nonnull (strstr (seen->titles->str, "AMF 0000 after removing AK)"));
  g_assert_nonnull (strstr (svg, "<g class=\"refusal\" data-seq=\"5\"><title>REFUSED: network not genuine\n"
                                 "network authentication failed"));
  g_assert_nonnull (strstr (svg, "stroke=\"#dc2626\" stroke-width=\"3\""));

  /* Summarised: the bootstrap is one row with the BSF's final answer; the
   * two refusals are still drawn, each on its own row. */
  imps_ladder_set_detail (ladder, IMPS_LADDER_SUMMARY);
  g_autofree gchar *sum = imps_ladder_render_text (ladder, 300);
  g_test_message ("%s", sum);
  g_assert_nonnull (strstr (sum, "summarised, one row per bootstrap (1 bootstrap; "));
  g_assert_nonnull (strstr (sum, "bootstrap 1: mallory -> bsf.home1.net, 403 (UE rejected the "
                                 "network), 1 challenge, 6 messages (Ub 4, Zh 2)"));
  g_assert_nonnull (strstr (sum, "X REFUSED: network not genuine"));
  g_assert_nonnull (strstr (sum, "X REFUSED: UE rejected the network"));
  g_assert_null (strstr (sum, "MAA"));
  g_assert_null (strstr (sum, "authentication vector"));
  g_autofree gchar *sum_svg = imps_ladder_render_svg (ladder);
  g_assert_nonnull (strstr (sum_svg, "<g class=\"boot\" data-ref=\"boot\"><title>boot mallory "
                                     "\u2192 bsf.home1.net: bootstrap 1: "));
  g_assert_nonnull (strstr (sum_svg, "data-marker=\"boot\""));
  g_assert_null (strstr (sum_svg, "data-marker=\"call\""));
}

/* ---- hostile text ---- */

#define HOSTILE "<script>&\"'"

static void
test_hostile (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  imps_event_log_add (log, t, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP, "ali<ce>",
                      "pcscf.home1.net", HOSTILE, NULL, NULL, NULL);
  /* A terminal escape, a bidi override and invalid UTF-8 in the texts. */
  imps_event_log_add (log, t + 1000, IMPS_EVENT_REFUSAL, IMPS_REF_NONE, IMPS_PROTO_NONE,
                      "pcscf.home1.net", NULL, "bad \x1b[31mred\x1b[0m", "why \xe2\x80\xae" "evil \xff\xfe"
                      HOSTILE, NULL, NULL);
  imps_event_log_add (log, t + 2000, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE,
                      "ali<ce>", NULL, HOSTILE, "tab\there", NULL, NULL);
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  g_autoptr (ImpsLadderMedia) m = imps_ladder_media_new (HOSTILE, "ali<ce>", "pcscf.home1.net", FALSE);
  m->first_us = t + 3000;
  m->last_us = t + 4000;
  imps_ladder_add_media (ladder, m);

  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  svg_keep (svg, "hostile");
  g_assert_null (strstr (svg, "<script"));
  g_assert_null (strstr (svg, "<ce>"));
  g_assert_nonnull (strstr (svg, "&lt;script&gt;&amp;&quot;&apos;"));
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  /* Read back, the texts are what was logged (the control and bidi
   * characters and the invalid bytes replaced). */
  g_assert_nonnull (strstr (seen->text->str, HOSTILE));
  g_assert_nonnull (strstr (seen->text->str, "ali<ce>"));
  g_assert_nonnull (strstr (seen->text->str, "bad ?[31mred?[0m"));
  g_assert_nonnull (strstr (seen->titles->str, "why ?evil \xef\xbf\xbd\xef\xbf\xbd" HOSTILE));
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "refusal"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "note"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "media"), ==, 1);

  g_autofree gchar *text = imps_ladder_render_text (ladder, 0);
  g_test_message ("%s", text);
  assert_no_controls (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_null (strstr (text, "\xe2\x80\xae"));
  g_assert_nonnull (strstr (text, "bad ?[31mred?[0m"));
  g_assert_nonnull (strstr (text, "* " HOSTILE ": tab here"));
}

/* ---- media bands ---- */

static void
test_media (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  imps_event_log_add (log, t, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP, "alice",
                      "pcscf.home1.net", "INVITE (a=key-mgmt: TRANSFER_INIT)", NULL, NULL, NULL);
  imps_event_log_add (log, t + 20000, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP,
                      "pcscf.home1.net", "alice", "200 OK (a=key-mgmt: TRANSFER_RESP)", NULL, NULL, NULL);
  imps_event_log_add (log, t + 8000000, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP, "alice",
                      "pcscf.home1.net", "BYE", NULL, NULL, NULL);
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  g_autoptr (ImpsLadderMedia) up = imps_ladder_media_new ("alice->pcscf audio", "alice",
                                                          "pcscf.home1.net", TRUE);
  up->first_us = t + 40000;
  up->last_us = t + 5040000;
  up->packets_sent = 251;
  up->packets_received = 249;
  up->packets_verified = 247;
  up->auth_failures = 2;
  g_autoptr (ImpsLadderMedia) down = imps_ladder_media_new ("pcscf->alice audio", "pcscf.home1.net",
                                                            "alice", FALSE);
  down->first_us = t + 60000;
  down->last_us = t + 5060000;
  down->packets_sent = 250;
  down->packets_received = 250;
  down->packets_verified = 250;
  imps_ladder_add_media (ladder, down);  /* added out of time order */
  imps_ladder_add_media (ladder, up);

  /* Wide enough for the whole band texts. */
  g_autofree gchar *text = imps_ladder_render_text (ladder, 220);
  g_test_message ("%s", text);
  g_auto (GStrv) lines = text_lines (text);
  guint head = 0;
  const gchar *cols = find_line (lines, "time      ref", &head);
  glong c_ue = col_of (cols, "alice"), c_p = col_of (cols, "pcscf.home1.net");
  g_assert_cmpint (c_ue, <, c_p);
  /* Rows in time order: INVITE, 200, the SRTP band, the RTP band, BYE. */
  g_assert_nonnull (strstr (lines[head + 1], "INVITE"));
  g_assert_nonnull (strstr (lines[head + 2], "200 OK"));
  const gchar *srtp = lines[head + 3];
  g_assert_true (g_str_has_prefix (srtp, "+0.040    media "));
  /* "!": packets lost or refused, each difference with its reason */
  g_assert_nonnull (strstr (srtp, "|  ! SRTP alice->pcscf audio: 251 sent, 249 received, 247 verified "
                                  "(2 lost: sent, never received; 2 refused: 2 auth failures), "
                                  "+0.040..+5.040 s"));
  g_assert_cmpint (srtp[c_ue], ==, '=');
  g_assert_cmpint (srtp[c_p - 1], ==, '>');
  const gchar *rtp = lines[head + 4];
  g_assert_nonnull (strstr (rtp, "RTP (unprotected) pcscf->alice audio: 250 sent, 250 received, "
                                 "250 verified, +0.060..+5.060 s"));
  g_assert_null (strstr (rtp, "!"));
  g_assert_cmpint (rtp[c_ue + 1], ==, '<');
  g_assert_cmpint (rtp[c_p], ==, '~');
  g_assert_nonnull (strstr (lines[head + 5], "BYE"));
  g_assert_true (g_str_has_prefix (lines[head + 5], "+8.000"));

  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  svg_keep (svg, "media");
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "media"), ==, 2);
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, 3);
  g_assert_nonnull (strstr (svg, "<g class=\"media\" data-srtp=\"yes\"><title>SRTP alice-&gt;pcscf audio: "
                                 "251 sent, 249 received, 247 verified (2 lost: sent, never "
                                 "received; 2 refused: 2 auth failures)"));
  g_assert_nonnull (strstr (svg, "<g class=\"media\" data-srtp=\"no\"><title>RTP (unprotected) "
                                 "pcscf-&gt;alice audio: 250 sent, 250 received"));
  g_assert_nonnull (strstr (seen->text->str, "+8.000"));
}

/* ---- the counts phrase: every difference with its reason ---- */

static void
test_media_counts (void)
{
  g_autoptr (ImpsLadderMedia) m = imps_ladder_media_new ("alice->bob audio", "alice", "bob", TRUE);
  m->packets_sent = m->packets_received = m->packets_verified = 100;
  g_autofree gchar *all = imps_ladder_media_counts (m);
  g_assert_cmpstr (all, ==, "100 sent, 100 received, 100 verified");
  g_assert_true (imps_ladder_media_complete (m));

  /* a man in the middle replayed 10 copies, the replay window refused them */
  m->packets_received = 110;
  m->replays = 10;
  g_autofree gchar *copies = imps_ladder_media_counts (m);
  g_assert_cmpstr (copies, ==, "100 sent, 110 received, 100 verified (10 more received than sent: "
                               "copies or packets from another sender; 10 refused: 10 replays)");
  g_assert_false (imps_ladder_media_complete (m));

  /* one lost, one tampered, one with a payload not as sent, one malformed */
  m->packets_received = 99;
  m->packets_verified = 96;
  m->replays = 0;
  m->auth_failures = m->mismatches = m->other_refused = 1;
  g_autofree gchar *mixed = imps_ladder_media_counts (m);
  g_assert_cmpstr (mixed, ==, "100 sent, 99 received, 96 verified (1 lost: sent, never received; "
                              "3 refused: 1 auth failure, 1 mismatch, 1 malformed)");

  /* counts that do not add up are shown, not hidden */
  m->packets_sent = m->packets_received = 100;
  m->packets_verified = 90;
  m->auth_failures = m->mismatches = m->other_refused = 0;
  g_autofree gchar *odd = imps_ladder_media_counts (m);
  g_assert_cmpstr (odd, ==, "100 sent, 100 received, 90 verified (10 received but neither "
                            "verified nor refused)");
}

/* ---- 40+ messages over two operators, at 100 columns ---- */

static void
test_big (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  /* Two operators' full sets of nodes plus two UEs each; names as profile
   * §9 gives them. */
  const gchar *path[] = {
    "alice", "pcscf.home1.net", "scscf.home1.net", "scscf.home2.net", "pcscf.home2.net", "bob",
  };
  guint n = 0;
  for (guint round = 0; round < 4; round++)
    {
      for (guint i = 0; i + 1 < G_N_ELEMENTS (path); i++, n++)
        {
          g_autofree gchar *s = g_strdup_printf ("INVITE #%u (a=key-mgmt: TRANSFER_INIT) with a long tail "
                                                 "that will not fit", n);
          imps_event_log_add (log, t + n * 1000, IMPS_EVENT_MESSAGE, i == 2 ? IMPS_REF_MW : IMPS_REF_GM,
                              IMPS_PROTO_SIP, path[i], path[i + 1], s, NULL, NULL, NULL);
        }
      for (guint i = G_N_ELEMENTS (path) - 1; i > 0; i--, n++)
        imps_event_log_add (log, t + n * 1000, IMPS_EVENT_MESSAGE, i == 3 ? IMPS_REF_MW : IMPS_REF_GM,
                            IMPS_PROTO_SIP, path[i], path[i - 1], "200 OK", NULL, NULL, NULL);
    }
  const gchar *infra[][2] = {
    { "alice", "kms.home1.net" }, { "kms.home1.net", "bsf.home1.net" },
    { "bsf.home1.net", "hss.home1.net" }, { "bob", "kms.home2.net" },
    { "kms.home2.net", "kms.home1.net" }, { "carol", "bsf.home2.net" },
    { "bsf.home2.net", "hss.home2.net" }, { "bob-tablet", "pcscf.home2.net" },
  };
  const ImpsRefPoint infra_ref[] = { IMPS_REF_UA, IMPS_REF_ZN, IMPS_REF_ZH, IMPS_REF_UA,
                                     IMPS_REF_ZK, IMPS_REF_UB, IMPS_REF_ZH, IMPS_REF_GM };
  for (guint i = 0; i < G_N_ELEMENTS (infra); i++, n++)
    imps_event_log_add (log, t + n * 1000, IMPS_EVENT_MESSAGE, infra_ref[i], IMPS_PROTO_HTTP,
                        infra[i][0], infra[i][1], "request", NULL, NULL, NULL);
  g_assert_cmpuint (n, >=, 40);

  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  /* home2.net declared first: it is drawn first. */
  imps_ladder_add_operator (ladder, "home2.net");
  g_autofree gchar *text = imps_ladder_render_text (ladder, 100);
  g_test_message ("%s", text);
  g_auto (GStrv) lines = text_lines (text);
  for (guint i = 0; lines[i]; i++)
    g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 100);

  /* Abbreviated names with a legend: kind and operator number. */
  const gchar *legend = find_line (lines, "nodes:", NULL);
  g_assert_nonnull (legend);
  g_assert_nonnull (find_line (lines, "P2 = pcscf.home1.net", NULL));
  g_assert_nonnull (find_line (lines, "HSS1 = hss.home2.net", NULL));
  g_assert_nonnull (find_line (lines, "bob- = bob-tablet", NULL));
  guint head = 0;
  const gchar *cols = find_line (lines, "time      ref", &head);
  /* Columns: home2.net's UEs, P-CSCF, S-CSCF, KMS, BSF, HSS, then
   * home1.net's. */
  const gchar *order[] = { "bob ", "caro", "bob-", "P1", "S1", "KMS1", "BSF1", "HSS1",
                           "alic", "P2", "S2", "KMS2", "BSF2", "HSS2" };
  glong prev = -1;
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      glong c = col_of (cols, order[i]);
      g_assert_cmpint (c, >, prev);
      prev = c;
    }
  g_assert_cmpint (col_of (lines[head - 1], "[ home2.net"), ==, col_of (cols, "bob "));
  g_assert_cmpint (col_of (lines[head - 1], "[ home1.net"), ==, col_of (cols, "alic"));
  /* Every message has its line, wrapped onto continuation lines (blank
   * time column) where long, never cut. */
  guint starts = 0;
  for (guint i = head + 1; lines[i]; i++)
    {
      g_assert_null (strstr (lines[i], "…"));
      starts += lines[i][0] == '+';
    }
  g_assert_cmpuint (starts, ==, n);
  g_assert_nonnull (strstr (lines[head + 1], "INVITE #0"));
  g_assert_true (g_str_has_prefix (lines[head + 2], "          "));
  g_assert_nonnull (strstr (text, "not fit"));

  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  svg_keep (svg, "big");
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, n);
  g_assert_cmpuint (svg_count (seen, "operator"), ==, 2);
  g_assert_cmpuint (svg_count (seen, "node"), ==, 14);
  /* Labels cut in the drawing keep their full text in the tooltip. */
  g_assert_nonnull (strstr (seen->titles->str, "that will not fit"));

  /* The narrowest width still gives one line per message, with its
   * continuation lines. */
  g_autofree gchar *narrow = imps_ladder_render_text (ladder, 10);
  g_auto (GStrv) nl = text_lines (narrow);
  guint nh = 0;
  g_assert_nonnull (find_line (nl, "time      ref", &nh));
  guint nstarts = 0;
  for (guint i = nh + 1; nl[i]; i++)
    {
      g_assert_true (nl[i][0] == '+' || g_str_has_prefix (nl[i], "          "));
      nstarts += nl[i][0] == '+';
    }
  g_assert_cmpuint (nstarts, ==, n);
}

/* ---- MIKEY data types on Ua ---- */

static void
test_mikey_label (void)
{
  /* An HTTP request on Ua whose body is a MIKEY message: data type 11 is
   * REQUEST_INIT_PSK (mikey-ticket.md §3.1). The body is cut after the
   * common header's first two bytes: the label needs no more. */
  static const gchar req[] = "POST /kms?requesttype=ticketrequest HTTP/1.1\r\nHost: kms.home1.net\r\n"
                             "Content-Type: application/mikey\r\nContent-Length: 2\r\n\r\n\x01\x0b";
  g_autoptr (GBytes) b = g_bytes_new (req, sizeof req - 1);
  ImpsEvent e = { 0, 0, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP, "alice", "kms.home1.net",
                  (gchar *) "POST ticketrequest", NULL, b, NULL };
  g_autofree gchar *l1 = imps_ladder_event_label (&e);
  g_assert_cmpstr (l1, ==, "POST ticketrequest [REQUEST_INIT_PSK]");
  /* Already named: unchanged. */
  e.summary = (gchar *) "REQUEST_INIT_PSK";
  g_autofree gchar *l2 = imps_ladder_event_label (&e);
  g_assert_cmpstr (l2, ==, "REQUEST_INIT_PSK");
  /* Not Ua/Zk, or not MIKEY, or too short, or version not 1: no label. */
  e.summary = (gchar *) "POST";
  e.ref = IMPS_REF_UB;
  g_autofree gchar *l3 = imps_ladder_event_label (&e);
  g_assert_cmpstr (l3, ==, "POST");
  e.ref = IMPS_REF_ZK;
  static const gchar resp[] = "HTTP/1.1 200 OK\r\ncontent-type: application/mikey\r\n\r\n\x01\x12";
  g_autoptr (GBytes) rb = g_bytes_new (resp, sizeof resp - 1);
  e.bytes = rb;
  g_autofree gchar *l4 = imps_ladder_event_label (&e);
  g_assert_cmpstr (l4, ==, "POST [RESOLVE_RESP]");
  for (gsize cut = 0; cut < sizeof resp - 1; cut++)
    {
      g_autoptr (GBytes) part = g_bytes_new (resp, cut);
      e.bytes = part;
      g_autofree gchar *l = imps_ladder_event_label (&e);
      g_assert_cmpstr (l, ==, "POST");
    }
  static const gchar v2[] = "HTTP/1.1 200 OK\r\ncontent-type: application/mikey\r\n\r\n\x02\x12";
  g_autoptr (GBytes) vb = g_bytes_new (v2, sizeof v2 - 1);
  e.bytes = vb;
  g_autofree gchar *l5 = imps_ladder_event_label (&e);
  g_assert_cmpstr (l5, ==, "POST");
  static const gchar other[] = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n\x01\x12";
  g_autoptr (GBytes) ob = g_bytes_new (other, sizeof other - 1);
  e.bytes = ob;
  g_autofree gchar *l6 = imps_ladder_event_label (&e);
  g_assert_cmpstr (l6, ==, "POST");
}

/* ---- random input never breaks either view ---- */

static gchar *
random_text (GRand *r, guint max)
{
  static const gchar *pieces[] = { "<", ">", "&", "\"", "'", "]]>", "<!--", "\x1b", "\n", "\t", "\xff",
                                   "\xc3", "\xe2\x80\xae", "é", "bsf.", "hss.", "kms.", "a", " ", "\x7f",
                                   "\xc2\x9b", "&amp;", "%s", "\\", "\xef\xbf\xbf", "\xef\xbf\xbe", "\x01" };
  guint n = (guint) g_rand_int_range (r, 0, (gint32) max);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append (s, pieces[g_rand_int_range (r, 0, G_N_ELEMENTS (pieces))]);
  return g_string_free (s, FALSE);
}

static void
test_random (void)
{
  /* Seeded: the same inputs on every run (computed by this project). */
  g_autoptr (GRand) r = g_rand_new_with_seed (33328);
  for (guint round = 0; round < 40; round++)
    {
      g_autoptr (ImpsEventLog) log = imps_event_log_new ();
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      guint n_nodes = (guint) g_rand_int_range (r, 1, 9);
      for (guint i = 0; i < n_nodes; i++)
        g_ptr_array_add (names, random_text (r, 6));
      guint n_events = (guint) g_rand_int_range (r, 0, 30);
      gint64 t = g_rand_int (r);
      for (guint i = 0; i < n_events; i++)
        {
          ImpsEventKind kind = (ImpsEventKind) g_rand_int_range (r, 0, 4);
          ImpsRefPoint ref = (ImpsRefPoint) g_rand_int_range (r, 0, IMPS_REF_MEDIA + 1);
          const gchar *from = g_ptr_array_index (names, g_rand_int_range (r, 0, (gint32) n_nodes));
          const gchar *to = g_rand_boolean (r)
                              ? g_ptr_array_index (names, g_rand_int_range (r, 0, (gint32) n_nodes))
                              : NULL;
          g_autofree gchar *summary = random_text (r, 20);
          g_autofree gchar *detail = g_rand_boolean (r) ? random_text (r, 80) : NULL;
          g_autofree gchar *body = random_text (r, 40);
          g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
          t += g_rand_int_range (r, -1000, 100000);
          imps_event_log_add (log, t, kind, ref, IMPS_PROTO_HTTP, from, to, summary, detail, bytes,
                              NULL);
        }
      g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
      if (g_rand_boolean (r))
        {
          g_autofree gchar *id = random_text (r, 10);
          g_autoptr (ImpsLadderMedia) m = imps_ladder_media_new (
            id, g_ptr_array_index (names, 0),
            g_rand_boolean (r) ? g_ptr_array_index (names, n_nodes - 1) : NULL, g_rand_boolean (r));
          m->first_us = t - 5000;
          m->last_us = t + 5000;
          imps_ladder_add_media (ladder, m);
        }
      if (g_rand_boolean (r))
        imps_ladder_add_node (ladder, g_ptr_array_index (names, 0), IMPS_NODE_KMS, "home9.net");
      g_autofree gchar *text = imps_ladder_render_text (ladder, (guint) g_rand_int_range (r, 0, 200));
      assert_no_controls (text);
      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_autofree gchar *svg = imps_ladder_render_svg (ladder);
      g_autoptr (SvgSeen) seen = svg_parse (svg);
      /* Messages without a receiver are drawn as notes. */
      g_assert_cmpuint (svg_count (seen, "arrow"), ==, count_arrows (log));
    }
}

/* ---- declared nodes ---- */

static void
test_declared (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  imps_event_log_add (log, t, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP, "ue-x", "keyserver",
                      "ticket request", NULL, NULL, NULL);
  imps_event_log_add (log, t + 1, IMPS_EVENT_MESSAGE, IMPS_REF_ZN, IMPS_PROTO_DIAMETER, "keyserver",
                      "bsf.op.example", "BIR", NULL, NULL, NULL);
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  /* Without declarations "keyserver" is a UE of op.example, drawn first. */
  g_autofree gchar *t1 = imps_ladder_render_text (ladder, 0);
  g_auto (GStrv) l1 = text_lines (t1);
  const gchar *c1 = find_line (l1, "time      ref", NULL);
  g_assert_cmpint (col_of (c1, "ue-x"), <, col_of (c1, "keyserver"));
  g_assert_cmpint (col_of (c1, "keyserver"), <, col_of (c1, "bsf.op.example"));
  /* Declared as the KMS and ue-x as a UE of another operator declared
   * first: ue-x's group comes first, keyserver after... */
  imps_ladder_add_operator (ladder, "other.example");
  imps_ladder_add_node (ladder, "ue-x", IMPS_NODE_UE, "other.example");
  imps_ladder_add_node (ladder, "keyserver", IMPS_NODE_BSF, "op.example");
  /* ...and re-declaring replaces: keyserver is the KMS, before the BSF. */
  imps_ladder_add_node (ladder, "keyserver", IMPS_NODE_KMS, "op.example");
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "operator"), ==, 2);
  g_assert_nonnull (strstr (seen->titles->str, "keyserver (KMS, op.example)"));
  g_autofree gchar *t2 = imps_ladder_render_text (ladder, 0);
  g_auto (GStrv) l2 = text_lines (t2);
  guint head = 0;
  const gchar *c2 = find_line (l2, "time      ref", &head);
  g_assert_cmpint (col_of (l2[head - 1], "[ other.e"), ==, col_of (c2, "ue-x"));
  g_assert_cmpint (col_of (l2[head - 1], "[ op.example"), ==, col_of (c2, "keyserver"));
  g_assert_cmpint (col_of (c2, "keyserver"), <, col_of (c2, "bsf.op.example"));

  /* An empty log renders too. */
  g_autoptr (ImpsEventLog) empty = imps_event_log_new ();
  g_autoptr (ImpsLadder) le = imps_ladder_new (empty);
  g_autofree gchar *te = imps_ladder_render_text (le, 0);
  g_assert_nonnull (strstr (te, "ladder: 0 events"));
  g_autofree gchar *se = imps_ladder_render_svg (le);
  g_autoptr (SvgSeen) see = svg_parse (se);
  g_assert_cmpuint (svg_count (see, "arrow"), ==, 0);
}

/* ---- a failed message with a receiver ---- */

static void
test_failed_message (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  imps_event_log_add (log, t, IMPS_EVENT_FAILURE, IMPS_REF_ZK, IMPS_PROTO_HTTP, "kms.home2.net",
                      "kms.home1.net", "RESOLVE_INIT_PSK",
                      "TLS: the peer certificate of kms.home1.net is not signed by the scenario's CA",
                      NULL, NULL);
  imps_event_log_add (log, t + 5000, IMPS_EVENT_FAILURE, IMPS_REF_GM, IMPS_PROTO_SIP, "pcscf.home1.net",
                      NULL, "SIP undeliverable", "nobody listens at 127.1.1.9:5060", NULL, NULL);
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  g_autofree gchar *text = imps_ladder_render_text (ladder, 0);
  g_test_message ("%s", text);
  g_auto (GStrv) lines = text_lines (text);
  guint head = 0;
  const gchar *cols = find_line (lines, "time      ref", &head);
  /* Drawn in operator order: home2.net first (seen first), its KMS, then
   * home1.net's P-CSCF and KMS. */
  glong c2 = col_of (cols, "kms.home2.net"), c1 = col_of (cols, "kms.home1.net"),
        cp = col_of (cols, "pcscf.home1.net");
  g_assert_cmpint (c2, <, cp);
  g_assert_cmpint (cp, <, c1);
  /* The arrow ends in X instead of an arrowhead; the reason follows. */
  const gchar *zk = lines[head + 1];
  g_assert_cmpint (zk[c2], ==, '+');
  g_assert_cmpint (zk[cp], ==, '-');
  g_assert_cmpint (zk[c1 - 1], ==, 'X');
  g_assert_nonnull (strstr (zk, "FAILED: RESOLVE_INIT_PSK"));
  g_assert_nonnull (strstr (lines[head + 2], "TLS: the peer certificate"));
  g_assert_false (g_str_has_prefix (lines[head + 2], "+"));
  /* The failure inside a node: X under its column. */
  guint i = head + 2;
  const gchar *sip = find_line (lines, "X FAILED: SIP undeliverable", &i);
  g_assert_cmpint (col_of (sip, "X FAILED"), ==, cp);
  g_assert_cmpint (col_of (lines[i + 1], "nobody listens at 127.1.1.9:5060"), ==, cp + 2);

  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "arrow failed"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "failure"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, 0);
  g_assert_nonnull (strstr (seen->titles->str, "Zk kms.home2.net \u2192 kms.home1.net: FAILED: "
                                               "RESOLVE_INIT_PSK\nTLS: the peer certificate"));
  g_assert_nonnull (strstr (seen->text->str, "FAILED: SIP undeliverable"));
  g_assert_nonnull (strstr (seen->text->str, "nobody listens at 127.1.1.9:5060"));
}

/* ---- times beyond a day keep the columns aligned ---- */

static void
test_long_times (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  imps_event_log_add (log, t, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP, "alice",
                      "kms.home1.net", "REQUEST_INIT_PSK", NULL, NULL, NULL);
  /* Two days later (a reusable ticket's validity window, say). */
  imps_event_log_add (log, t + G_GINT64_CONSTANT (172800123000), IMPS_EVENT_MESSAGE, IMPS_REF_UA,
                      IMPS_PROTO_HTTP, "kms.home1.net", "alice", "REQUEST_RESP", NULL, NULL, NULL);
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  g_autofree gchar *text = imps_ladder_render_text (ladder, 0);
  g_test_message ("%s", text);
  g_auto (GStrv) lines = text_lines (text);
  guint head = 0;
  const gchar *cols = find_line (lines, "time        ref", &head);
  g_assert_nonnull (cols);
  glong c_ue = col_of (cols, "alice"), c_kms = col_of (cols, "kms.home1.net");
  g_assert_true (g_str_has_prefix (lines[head + 1], "+0.000      Ua    +"));
  g_assert_true (g_str_has_prefix (lines[head + 2], "+172800.123 Ua    |<"));
  g_assert_cmpint (lines[head + 1][c_ue], ==, '+');
  g_assert_cmpint (lines[head + 1][c_kms], ==, '|');
  g_assert_cmpint (lines[head + 2][c_ue], ==, '|');
  g_assert_cmpint (lines[head + 2][c_kms], ==, '+');
}


/* ---- filters: --only call=N and ref=... ---- */

static void
add_sip (ImpsEventLog *log, gint64 t, ImpsRefPoint ref, const gchar *from, const gchar *to,
         const gchar *first_line, const gchar *call_id, const gchar *summary)
{
  g_autofree gchar *msg = g_strdup_printf ("%s\r\nVia: SIP/2.0/UDP 127.1.1.1:5060;branch=z9hG4bKx\r\n"
                                           "Call-ID: %s\r\nCSeq: 1 X\r\nContent-Length: 0\r\n\r\n",
                                           first_line, call_id);
  g_autoptr (GBytes) b = g_bytes_new (msg, strlen (msg));
  imps_event_log_add (log, t, IMPS_EVENT_MESSAGE, ref, IMPS_PROTO_SIP, from, to, summary, NULL, b, NULL);
}

/* Two calls, each with a ticket request before its INVITE, a note in the
 * middle and media; registrations before each. */
static ImpsEventLog *
two_calls_log (void)
{
  ImpsEventLog *log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  const gchar *ids[] = { "call-one@127.1.1.1", "call-two@127.1.1.1" };
  for (guint k = 0; k < 2; k++)
    {
      gint64 b = t + k * 10 * G_USEC_PER_SEC;
      add_sip (log, b, IMPS_REF_GM, "alice", "pcscf.home1.net", "REGISTER sip:home1.net SIP/2.0",
               k ? "reg-2" : "reg-1", k ? "REGISTER two" : "REGISTER one");
      add_sip (log, b + 1000, IMPS_REF_GM, "pcscf.home1.net", "alice", "SIP/2.0 200 OK",
               k ? "reg-2" : "reg-1", k ? "200 REGISTER two" : "200 REGISTER one");
      imps_event_log_add (log, b + 2000, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP, "alice",
                          "kms.home1.net", k ? "ticket request two" : "ticket request one", NULL, NULL, NULL);
      imps_event_log_add (log, b + 2500, IMPS_EVENT_MESSAGE, IMPS_REF_ZK, IMPS_PROTO_HTTP,
                          "kms.home1.net", "kms.home2.net", k ? "zk two" : "zk one", NULL, NULL, NULL);
      add_sip (log, b + 3000, IMPS_REF_GM, "alice", "pcscf.home1.net", "INVITE sip:bob@home2.net SIP/2.0",
               ids[k], k ? "INVITE two" : "INVITE one");
      imps_event_log_add (log, b + 3500, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE,
                          "scscf.home1.net", NULL, k ? "note two" : "note one", NULL, NULL, NULL);
      add_sip (log, b + 4000, IMPS_REF_GM, "pcscf.home1.net", "alice", "SIP/2.0 200 OK", ids[k],
               k ? "200 INVITE two" : "200 INVITE one");
      add_sip (log, b + 4 * G_USEC_PER_SEC, IMPS_REF_GM, "alice", "pcscf.home1.net",
               "BYE sip:bob@home2.net SIP/2.0", ids[k], k ? "BYE two" : "BYE one");
    }
  return log;
}

static void
add_call_media (ImpsLadder *ladder, guint k)
{
  gint64 t = G_GINT64_CONSTANT (1767225600000000) + k * 10 * G_USEC_PER_SEC + G_USEC_PER_SEC;
  g_autoptr (ImpsLadderMedia) m = imps_ladder_media_new (k ? "media two" : "media one", "alice", "bob", TRUE);
  m->first_us = t;
  m->last_us = t + 2 * G_USEC_PER_SEC;
  m->packets_sent = m->packets_received = m->packets_verified = 100;
  imps_ladder_add_media (ladder, m);
}

static gchar *
filtered_text (ImpsEventLog *log, const gchar *const *specs)
{
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  add_call_media (ladder, 0);
  add_call_media (ladder, 1);
  for (guint i = 0; specs[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_true (imps_ladder_add_filter (ladder, specs[i], &error));
      g_assert_no_error (error);
    }
  gchar *text = imps_ladder_render_text (ladder, 200);
  g_test_message ("%s", text);
  return text;
}

static void
assert_has (const gchar *text, const gchar *const *yes, const gchar *const *no)
{
  for (guint i = 0; yes[i]; i++)
    if (strstr (text, yes[i]) == NULL)
      g_error ("'%s' is missing", yes[i]);
  for (guint i = 0; no[i]; i++)
    if (strstr (text, no[i]) != NULL)
      g_error ("'%s' is there", no[i]);
}

#define STRS(...) ((const gchar *const[]) { __VA_ARGS__, NULL })

static void
test_filter (void)
{
  g_autoptr (ImpsEventLog) log = two_calls_log ();

  g_autofree gchar *all = filtered_text (log, STRS (NULL));
  assert_has (all, STRS ("REGISTER one", "INVITE two", "media one", "media two"), STRS ("the filter"));

  /* call=1: its SIP, the ticket request and Zk before the INVITE (after
   * the registration), its note and its media; nothing of call 2. */
  g_autofree gchar *c1 = filtered_text (log, STRS ("call=1"));
  assert_has (c1, STRS ("ticket request one", "zk one", "INVITE one", "note one", "200 INVITE one",
                        "BYE one", "SRTP media one", "the filter shows 6 events and 1 media stream"),
              STRS ("REGISTER one", "two"));
  g_autofree gchar *c2 = filtered_text (log, STRS ("call=2"));
  assert_has (c2, STRS ("ticket request two", "INVITE two", "note two", "BYE two", "SRTP media two"),
              STRS ("REGISTER two", " one"));
  g_autofree gchar *both = filtered_text (log, STRS ("call=1,2"));
  assert_has (both, STRS ("INVITE one", "INVITE two", "the filter shows 12 events and 2 media streams"),
              STRS ("REGISTER"));
  g_autofree gchar *none = filtered_text (log, STRS ("call=3"));
  assert_has (none, STRS ("the filter shows 0 events and 0 media streams"), STRS ("INVITE"));

  /* ref=: reference points, case-insensitive; notes and media by name. */
  g_autofree gchar *ua_zk = filtered_text (log, STRS ("ref=Ua,zk"));
  assert_has (ua_zk, STRS ("ticket request one", "ticket request two", "zk one", "zk two",
                           "the filter shows 4 events and 0 media streams"),
              STRS ("INVITE", "note one", "SRTP"));
  g_autofree gchar *notes = filtered_text (log, STRS ("ref=note,media"));
  assert_has (notes, STRS ("note one", "note two", "media one", "media two"), STRS ("INVITE", "ticket"));
  /* Both keys: each must hold. */
  g_autofree gchar *c1ua = filtered_text (log, STRS ("call=1", "ref=Ua"));
  assert_has (c1ua, STRS ("ticket request one", "the filter shows 1 event and 0 media streams"),
              STRS ("INVITE", "two", "zk one"));

  /* The SVG draws the same rows. */
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  add_call_media (ladder, 0);
  add_call_media (ladder, 1);
  g_assert_true (imps_ladder_add_filter (ladder, "call=2", NULL));
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, 5);
  g_assert_cmpuint (svg_count (seen, "note"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "media"), ==, 1);
  g_assert_null (strstr (seen->titles->str, "one"));

  /* Specs that do not parse. */
  static const struct {
    const gchar *spec;
    const gchar *reason;
  } bad[] = {
    { "call=0", "is not a call number from 1" },
    { "call=x", "is not a call number from 1" },
    { "ref=Zz", "reference point 'Zz' is not one of" },
    { "when=1", "key 'when' is not call, ref or time" },
    { "time=1", "time range '1' is not START..END" },
    { "time=x..2s", "time 'x' is not a duration after time 0" },
    { "time=2s..-1s", "time '-1s' is not a duration after time 0" },
    { "time=..", "time range '..' has neither a start nor an end" },
    { "time=5s..2s", "time range '5s..2s' ends before it starts" },
    { "time=1s..2s,3s", "time range '3s' is not START..END" },
    { "ref", "is not KEY=VALUE" },
    { "ref=", "no value after '='" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (imps_ladder_add_filter (ladder, bad[i].spec, &error));
      g_assert_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER);
      g_assert_nonnull (strstr (error->message, bad[i].reason));
    }
}

/* --only time=START..END: times after the ladder's time 0, both ends
 * included, either left out; a media band is kept when its packets meet
 * the range. */
static void
test_filter_time (void)
{
  g_autoptr (ImpsEventLog) log = two_calls_log ();
  /* Call 1 from +0 to +4 s (media +1 s to +3 s), call 2 from +10 s to +14 s
   * (media +11 s to +13 s). */
  g_autofree gchar *late = filtered_text (log, STRS ("time=10s.."));
  assert_has (late, STRS ("REGISTER two", "INVITE two", "BYE two", "SRTP media two",
                          "the filter shows 8 events and 1 media stream"),
              STRS (" one"));
  g_autofree gchar *early = filtered_text (log, STRS ("time=..4s"));
  assert_has (early, STRS ("REGISTER one", "BYE one", "SRTP media one",
                           "the filter shows 8 events and 1 media stream"),
              STRS (" two"));
  /* A band that started before the range but still runs in it. */
  g_autofree gchar *mid = filtered_text (log, STRS ("time=2s..3.9s"));
  assert_has (mid, STRS ("SRTP media one", "the filter shows 0 events and 1 media stream"),
              STRS ("INVITE", "media two"));
  g_autofree gchar *frac = filtered_text (log, STRS ("time=2.5ms..0.003"));
  assert_has (frac, STRS ("zk one", "INVITE one", "the filter shows 2 events and 0 media streams"),
              STRS ("ticket", "note"));
  /* Ranges are alternatives; with other keys, each must hold. */
  g_autofree gchar *ends = filtered_text (log, STRS ("time=..1ms, 14s.."));
  assert_has (ends, STRS ("REGISTER one", "200 REGISTER one", "BYE two",
                          "the filter shows 3 events and 0 media streams"),
              STRS ("INVITE", "SRTP"));
  g_autofree gchar *gm = filtered_text (log, STRS ("time=..5s", "ref=Gm"));
  assert_has (gm, STRS ("REGISTER one", "INVITE one", "BYE one",
                        "the filter shows 5 events and 0 media streams"),
              STRS ("ticket", "note", "two"));
  g_autofree gchar *none = filtered_text (log, STRS ("call=2", "time=..5s"));
  assert_has (none, STRS ("the filter shows 0 events and 0 media streams"), STRS ("INVITE"));
  g_autofree gchar *c2 = filtered_text (log, STRS ("call=2", "time=11s.."));
  assert_has (c2, STRS ("BYE two", "SRTP media two", "the filter shows 1 event and 1 media stream"),
              STRS ("INVITE", " one"));

  /* The SVG draws the same rows. */
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  add_call_media (ladder, 0);
  add_call_media (ladder, 1);
  g_assert_true (imps_ladder_add_filter (ladder, "time=10s..", NULL));
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  g_autoptr (SvgSeen) seen = svg_parse (svg);
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, 7);
  g_assert_cmpuint (svg_count (seen, "note"), ==, 1);
  g_assert_cmpuint (svg_count (seen, "media"), ==, 1);
  g_assert_null (strstr (seen->titles->str, "one"));
}

/* ---- pcap frame numbers on the rows ---- */

static guint64
frame_of (guint64 seq, gpointer writer)
{
  return imps_pcap_writer_get_event_frame (writer, seq);
}

/* The " #N" at the end of the row that holds @summary (0: none). */
static guint64
row_frame (const gchar *text, const gchar *summary)
{
  const gchar *p = strstr (text, summary);
  g_assert_nonnull (p);
  p += strlen (summary);
  if (g_str_has_prefix (p, " #"))
    return g_ascii_strtoull (p + 2, NULL, 10);
  return 0;
}

static void
test_pcap_frames (void)
{
  g_autoptr (ImpsEventLog) log = two_calls_log ();
  /* A Ua request of three TCP segments: its frame is the last one. */
  GString *big = g_string_new ("POST /kms?requesttype=ticketrequest HTTP/1.1\r\nContent-Length: 4000\r\n\r\n");
  for (guint i = 0; i < 4000; i++)
    g_string_append_c (big, (gchar) ('a' + i % 26));
  g_autoptr (GBytes) big_bytes = g_string_free_to_bytes (big);
  imps_event_log_add (log, G_GINT64_CONSTANT (1767225600000000) + 5 * G_USEC_PER_SEC, IMPS_EVENT_MESSAGE,
                      IMPS_REF_UA, IMPS_PROTO_HTTP, "alice", "kms.home1.net", "big request", NULL,
                      big_bytes, NULL);

  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-ladder-pcap-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *path = g_build_filename (dir, "run.pcap", NULL);
  g_autoptr (ImpsPcapWriter) w = imps_pcap_writer_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (imps_pcap_writer_add_log (w, log, &error));
  g_assert_true (imps_pcap_writer_close (w, &error));

  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  imps_ladder_set_frames (ladder, frame_of, w);
  g_autofree gchar *text = imps_ladder_render_text (ladder, 200);
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  g_test_message ("%s", text);

  /* Read the capture back: every frame's IPv4 payload after the UDP or
   * TCP header. */
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline (path, errbuf);
  g_assert_nonnull (pc);
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  struct pcap_pkthdr *h;
  const u_char *d;
  while (pcap_next_ex (pc, &h, &d) == 1)
    {
      g_assert_cmpuint (h->caplen, >=, 20);
      guint ihl = (d[0] & 0x0f) * 4u;
      guint l4 = d[9] == 17 ? 8u : (d[ihl + 12] >> 4) * 4u;
      g_ptr_array_add (frames, g_bytes_new (d + ihl + l4, h->caplen - ihl - l4));
    }
  pcap_close (pc);

  guint with_frames = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      guint64 n = row_frame (text, e->summary);
      if (e->bytes == NULL)
        {
          /* Notes and messages without bytes are not in the capture. */
          g_assert_cmpuint (n, ==, 0);
          continue;
        }
      g_assert_cmpuint (n, >=, 1);
      g_assert_cmpuint (n, <=, frames->len);
      /* The frame carries the message's end: all of a SIP datagram, the
       * last segment of the HTTP request. */
      gsize flen, elen;
      const guint8 *fd = g_bytes_get_data (g_ptr_array_index (frames, n - 1), &flen);
      const guint8 *ed = g_bytes_get_data (e->bytes, &elen);
      g_assert_cmpuint (flen, >, 0);
      g_assert_cmpuint (flen, <=, elen);
      g_assert_cmpmem (fd, flen, ed + elen - flen, flen);
      if (e->proto == IMPS_PROTO_SIP)
        g_assert_cmpuint (flen, ==, elen);
      else
        g_assert_cmpuint (flen, ==, 4000 + 70 - 2 * IMPS_PCAP_TCP_SEGMENT);
      /* The SVG shows the same number. */
      g_autofree gchar *tag = g_strdup_printf (" #%" G_GUINT64_FORMAT "<", n);
      g_assert_nonnull (strstr (svg, tag));
      with_frames++;
    }
  g_assert_cmpuint (with_frames, ==, 11);

  /* Without a capture, no numbers. */
  g_autoptr (ImpsLadder) plain = imps_ladder_new (log);
  g_autofree gchar *plain_text = imps_ladder_render_text (plain, 200);
  g_assert_null (strstr (plain_text, " #"));
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- the SVG's layout: scalable, legend first, headers repeated,
 * a reference point on every arrow, notes wrapped in full ---- */

static void
test_svg_layout (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  gint64 t = G_GINT64_CONSTANT (1767225600000000);
  static const gchar long_note[] =
      "2xx wins: INVITE z9hG4bK8f9672f91954 answered on branch z9hG4bKa0d5152eab0b77fd98271110cf0e8d9a "
      "by bob.tablet at 127.2.1.2:5060, and the other branches were cancelled with CANCEL and 487 "
      "Request Terminated, which is what a person reading this note wants to see in full";
  const ImpsRefPoint refs[] = { IMPS_REF_UB, IMPS_REF_ZH, IMPS_REF_ZN, IMPS_REF_UA, IMPS_REF_ZK,
                                IMPS_REF_GM, IMPS_REF_MW };
  const gchar *ends[][2] = { { "alice", "bsf.home1.net" }, { "bsf.home1.net", "hss.home1.net" },
                             { "kms.home1.net", "bsf.home1.net" }, { "alice", "kms.home1.net" },
                             { "kms.home2.net", "kms.home1.net" }, { "alice", "pcscf.home1.net" },
                             { "pcscf.home1.net", "scscf.home1.net" } };
  guint n_arrows = 0;
  for (guint i = 0; i < 70; i++)
    {
      guint k = i % G_N_ELEMENTS (refs);
      imps_event_log_add (log, t + i * 1000, IMPS_EVENT_MESSAGE, refs[k], IMPS_PROTO_HTTP, ends[k][0],
                          ends[k][1], "message", NULL, NULL, NULL);
      n_arrows++;
    }
  imps_event_log_add (log, t + 80000, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE,
                      "scscf.home1.net", NULL, long_note, NULL, NULL, NULL);
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  svg_keep (svg, "layout");
  g_autoptr (SvgSeen) seen = svg_parse (svg);

  /* Scalable: a viewBox, and a size relative to the window, not pixels. */
  g_assert_nonnull (strstr (svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"98vw\" height=\""));
  g_assert_nonnull (strstr (svg, " viewBox=\"0 0 "));
  const gchar *root_start = strstr (svg, "<svg ");
  g_autofree gchar *root = g_strndup (root_start, (gsize) (strchr (root_start, '>') - root_start));
  g_assert_null (strstr (root, "px"));
  /* The legend comes before the first node header. */
  const gchar *legend = strstr (svg, "<g class=\"legend\">");
  const gchar *node = strstr (svg, "<g class=\"node\">");
  g_assert_nonnull (legend);
  g_assert_nonnull (node);
  g_assert_true (legend < node);
  /* 70 rows of 30 px: the node headers come again, every screenful. */
  g_assert_cmpuint (svg_count (seen, "node"), ==, 7);
  guint repeats = svg_count (seen, "node-repeat");
  g_assert_cmpuint (repeats, >=, 7 * 2);
  g_assert_cmpuint (repeats % 7, ==, 0);
  /* A badge with the reference point on every arrow and note, and one per
   * legend entry. */
  g_assert_cmpuint (svg_count (seen, "arrow"), ==, n_arrows);
  g_assert_cmpuint (svg_count (seen, "ref-badge"), ==, n_arrows + 1 + 9);
  for (guint k = 0; k < G_N_ELEMENTS (refs); k++)
    {
      g_autofree gchar *badge = g_strdup_printf (">%s</text>", imps_ref_point_name (refs[k]));
      guint c = 0;
      for (const gchar *p = svg; (p = strstr (p, badge)) != NULL; p++)
        c++;
      g_assert_cmpuint (c, >=, 70 / G_N_ELEMENTS (refs));
    }
  /* Colour-blind-safe colours (see /ladder/colour-vision): Ub blue, Zn
   * reddish purple. */
  g_assert_nonnull (strstr (svg, "data-ref=\"Ub\"><title>Ub alice"));
  g_assert_nonnull (strstr (svg, "stroke=\"#0072B2\""));
  g_assert_nonnull (strstr (svg, "stroke=\"#CC79A7\""));
  /* The long note is drawn whole (over several lines), not only in its
   * tooltip. */
  g_assert_null (strstr (seen->text->str, "…"));
  g_assert_nonnull (strstr (seen->text->str, "wants to see in full"));
  g_assert_nonnull (strstr (seen->text->str, "z9hG4bKa0d5152eab0b77fd98271110cf0e8d9a"));
}

/* ---- the text ladder's width: the terminal's, or the default ---- */

static void
test_text_width (void)
{
  /* Not a terminal: the default, whatever COLUMNS says. */
  int fds[2];
  g_assert_cmpint (pipe (fds), ==, 0);
  g_setenv ("COLUMNS", "150", TRUE);
  g_assert_cmpuint (imps_ladder_text_width_for (fds[1]), ==, IMPS_LADDER_TEXT_DEFAULT_WIDTH);
  close (fds[0]);
  close (fds[1]);

  int master = posix_openpt (O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt (master) != 0 || unlockpt (master) != 0)
    {
      g_test_skip ("no pseudo-terminal");
      g_unsetenv ("COLUMNS");
      return;
    }
  int slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (slave, >=, 0);
  struct winsize ws = { .ws_row = 40, .ws_col = 132 };
  g_assert_cmpint (ioctl (slave, TIOCSWINSZ, &ws), ==, 0);
  /* A terminal: COLUMNS first, then the terminal's own width; never
   * below the minimum. */
  g_assert_cmpuint (imps_ladder_text_width_for (slave), ==, 150);
  g_unsetenv ("COLUMNS");
  g_assert_cmpuint (imps_ladder_text_width_for (slave), ==, 132);
  ws.ws_col = 20;
  g_assert_cmpint (ioctl (slave, TIOCSWINSZ, &ws), ==, 0);
  g_assert_cmpuint (imps_ladder_text_width_for (slave), ==, IMPS_LADDER_TEXT_MIN_WIDTH);
  close (slave);
  close (master);
}

/* ---- colour vision ---- */

/* sRGB component (0..255) to linear, and back (0..1, clamped). */
static double
cv_lin (double c)
{
  c /= 255.0;
  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

/* CIELAB (D65) of linear RGB. */
static void
cv_lab (const double rgb[3], double lab[3])
{
  double x = (0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2]) / 0.95047;
  double y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  double z = (0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]) / 1.08883;
  double f[3], v[3] = { x, y, z };
  for (guint i = 0; i < 3; i++)
    f[i] = v[i] > 0.008856 ? cbrt (v[i]) : 7.787 * v[i] + 16.0 / 116.0;
  lab[0] = 116 * f[1] - 16;
  lab[1] = 500 * (f[0] - f[1]);
  lab[2] = 200 * (f[1] - f[2]);
}

static double
cv_rad (double deg)
{
  return deg * G_PI / 180.0;
}

/* CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation). */
static double
cv_de2000 (const double l1[3], const double l2[3])
{
  double c1 = hypot (l1[1], l1[2]), c2 = hypot (l2[1], l2[2]), cb = (c1 + c2) / 2;
  double g = 0.5 * (1 - sqrt (pow (cb, 7) / (pow (cb, 7) + pow (25, 7))));
  double a1 = (1 + g) * l1[1], a2 = (1 + g) * l2[1];
  double c1p = hypot (a1, l1[2]), c2p = hypot (a2, l2[2]);
  double h1 = fmod (atan2 (l1[2], a1) * 180 / G_PI + 360, 360);
  double h2 = fmod (atan2 (l2[2], a2) * 180 / G_PI + 360, 360);
  double dl = l2[0] - l1[0], dc = c2p - c1p, dh = 0;
  if (c1p * c2p != 0)
    dh = fabs (h2 - h1) <= 180 ? h2 - h1 : h2 - h1 > 180 ? h2 - h1 - 360 : h2 - h1 + 360;
  double dH = 2 * sqrt (c1p * c2p) * sin (cv_rad (dh / 2));
  double lb = (l1[0] + l2[0]) / 2, cbp = (c1p + c2p) / 2, hb = h1 + h2;
  if (c1p * c2p != 0)
    hb = fabs (h1 - h2) <= 180 ? (h1 + h2) / 2 : h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
  double t = 1 - 0.17 * cos (cv_rad (hb - 30)) + 0.24 * cos (cv_rad (2 * hb))
             + 0.32 * cos (cv_rad (3 * hb + 6)) - 0.20 * cos (cv_rad (4 * hb - 63));
  double dth = 30 * exp (-pow ((hb - 275) / 25, 2));
  double rc = 2 * sqrt (pow (cbp, 7) / (pow (cbp, 7) + pow (25, 7)));
  double sl = 1 + 0.015 * pow (lb - 50, 2) / sqrt (20 + pow (lb - 50, 2));
  double sc = 1 + 0.045 * cbp, sh = 1 + 0.015 * cbp * t;
  double rt = -sin (cv_rad (2 * dth)) * rc;
  return sqrt (pow (dl / sl, 2) + pow (dc / sc, 2) + pow (dH / sh, 2) + rt * (dc / sc) * (dH / sh));
}

/* The colours of the reference points, as the SVG's legend draws them,
 * seen with full protanopia, deuteranopia and tritanopia (the matrices of
 * Machado, Oliveira and Fernandes 2009, severity 1, on linear RGB) and
 * with normal vision: every pair differs by a CIEDE2000 of at least 10. */
static void
test_colour_vision (void)
{
  static const double sims[4][9] = {
    { 1, 0, 0, 0, 1, 0, 0, 0, 1 },
    { 0.152286, 1.052583, -0.204868, 0.114503, 0.786281, 0.099216, -0.003882, -0.048116, 1.051998 },
    { 0.367322, 0.860646, -0.227968, 0.280085, 0.672501, 0.047413, -0.011820, 0.042940, 0.968881 },
    { 1.255528, -0.076749, -0.178779, -0.078411, 0.930809, 0.147602, 0.004733, 0.691367, 0.303900 },
  };
  static const gchar *const sim_names[4] = { "normal", "protanopia", "deuteranopia", "tritanopia" };
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  imps_event_log_add (log, 0, IMPS_EVENT_MESSAGE, IMPS_REF_UB, IMPS_PROTO_HTTP, "alice",
                      "bsf.home1.net", "GET /", NULL, NULL, NULL);
  g_autoptr (ImpsLadder) ladder = imps_ladder_new (log);
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  gchar names[16][16];
  double rgb[16][3];
  guint n = 0;
  for (const gchar *p = svg; (p = strstr (p, "<g class=\"legend-entry\" data-ref=\"")) != NULL; p++)
    {
      const gchar *name = p + strlen ("<g class=\"legend-entry\" data-ref=\"");
      const gchar *end = strstr (p, "</g>");
      /* the colour of the entry's badge, which every arrow (or note) of
       * that reference point carries, as its line does */
      const gchar *colour = g_strstr_len (p, end - p, "class=\"ref-badge\"");
      g_assert_nonnull (colour);
      colour = strstr (colour, "fill=\"#");
      g_assert_nonnull (colour);
      colour = strchr (colour, '#');
      g_assert_cmpuint (n, <, G_N_ELEMENTS (names));
      g_strlcpy (names[n], name, MIN (sizeof names[n], (gsize) (strchr (name, '"') - name + 1)));
      for (guint c = 0; c < 3; c++)
        {
          gchar hex[3] = { colour[1 + 2 * c], colour[2 + 2 * c], 0 };
          rgb[n][c] = cv_lin ((double) g_ascii_strtoull (hex, NULL, 16));
        }
      n++;
    }
  /* Ub, Zh, Zn, Ua, Zk, Gm, Mw, media and the notes */
  g_assert_cmpuint (n, ==, 9);
  double worst = 1000;
  for (guint s = 0; s < 4; s++)
    for (guint i = 0; i < n; i++)
      for (guint j = i + 1; j < n; j++)
        {
          double a[3], b[3], la[3], lb[3];
          for (guint k = 0; k < 3; k++)
            {
              a[k] = CLAMP (sims[s][3 * k] * rgb[i][0] + sims[s][3 * k + 1] * rgb[i][1]
                            + sims[s][3 * k + 2] * rgb[i][2], 0, 1);
              b[k] = CLAMP (sims[s][3 * k] * rgb[j][0] + sims[s][3 * k + 1] * rgb[j][1]
                            + sims[s][3 * k + 2] * rgb[j][2], 0, 1);
            }
          cv_lab (a, la);
          cv_lab (b, lb);
          double d = cv_de2000 (la, lb);
          worst = MIN (worst, d);
          if (d < 10)
            g_error ("%s: %s and %s differ by a CIEDE2000 of %.1f only", sim_names[s], names[i],
                     names[j], d);
        }
  g_test_message ("the closest pair of reference-point colours: CIEDE2000 %.1f", worst);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/ladder/bootstrap-resync", GbaFx, NULL, fx_setup, test_resync, fx_teardown);
  g_test_add ("/ladder/refusal", GbaFx, NULL, fx_setup, test_refusal, fx_teardown);
  g_test_add_func ("/ladder/media-counts", test_media_counts);
  g_test_add_func ("/ladder/hostile-text", test_hostile);
  g_test_add_func ("/ladder/media-bands", test_media);
  g_test_add_func ("/ladder/two-operators-40-messages", test_big);
  g_test_add_func ("/ladder/mikey-label", test_mikey_label);
  g_test_add_func ("/ladder/random-input", test_random);
  g_test_add_func ("/ladder/declared-nodes", test_declared);
  g_test_add_func ("/ladder/long-times", test_long_times);
  g_test_add_func ("/ladder/failed-message", test_failed_message);
  g_test_add_func ("/ladder/filter", test_filter);
  g_test_add_func ("/ladder/filter-time", test_filter_time);
  g_test_add_func ("/ladder/pcap-frames", test_pcap_frames);
  g_test_add_func ("/ladder/svg-layout", test_svg_layout);
  g_test_add_func ("/ladder/text-width", test_text_width);
  g_test_add_func ("/ladder/colour-vision", test_colour_vision);
  return g_test_run ();
}
