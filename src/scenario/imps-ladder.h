/* Ladder views of a run (architecture: the event log is the one record; the
 * ladder is a view of it): a text ladder for the terminal and a
 * self-contained SVG ladder diagram. docs/ladder.md says how to read them.
 *
 * Columns are nodes, grouped by operator (profile §9: for each operator, its
 * UE devices, P-CSCF, IMS-AGW, S-CSCF, KMS, BSF, HSS; operators in the order
 * declared, then in the order they first appear). Rows are the event log's
 * entries in order: messages are arrows coloured per reference point
 * (profile §1), notes sit under their node, refusals and failures carry a
 * red cross and the reason. Media does not pass through the event log (it
 * passes the bus's taps): the runner sums each stream into an
 * ImpsLadderMedia and the ladder draws it as one band per stream.
 *
 * Everything drawn from the log (node names, summaries, details) is treated
 * as outside input: control characters and invalid UTF-8 are replaced, and
 * the SVG escapes all text.
 */
#pragma once

#include "imps-event-log.h"
#include "imps-netaddr.h"

G_BEGIN_DECLS

/* One media stream, summed by the runner from the media taps. */
typedef struct {
  gchar *stream_id;          /* e.g. "alice->bob audio" */
  gchar *from;               /* sending node name */
  gchar *to;                 /* receiving node name */
  gint64 first_us;           /* virtual time of the first and last packet */
  gint64 last_us;
  /* The counts (docs/ladder.md, "Media counts"): sent = handed to the
   * network by the sender (one capture frame each); received = arrived at
   * the receiver's port; verified = received and accepted (SRTP tag and
   * replay window, and at a UE the RTP header, counter and checksum).
   * received = verified + the refusals below. */
  guint64 packets_sent;
  guint64 packets_received;
  guint64 packets_verified;
  guint64 auth_failures;     /* refused: SRTP authentication tag */
  guint64 replays;           /* refused: SRTP replay window */
  guint64 mismatches;        /* refused: payload or counter not as sent */
  guint64 other_refused;     /* refused: malformed, wrong payload type or SSRC */
  gboolean srtp;             /* TRUE: SRTP/SRTCP; FALSE: plain RTP */
} ImpsLadderMedia;

/* All strings are copied. */
ImpsLadderMedia *imps_ladder_media_new (const gchar *stream_id, const gchar *from,
                                        const gchar *to, gboolean srtp);
ImpsLadderMedia *imps_ladder_media_copy (const ImpsLadderMedia *media);
void imps_ladder_media_free (ImpsLadderMedia *media);

/* The counts of @media as one phrase, the same in every view (verdict,
 * media event, text and SVG ladder): "100 sent, 100 received, 100
 * verified", then every difference with its reason, e.g. "(2 lost: sent,
 * never received; 2 refused: 2 auth failures)". */
gchar *imps_ladder_media_counts (const ImpsLadderMedia *media);
/* TRUE when every packet sent was received and verified, and nothing else
 * arrived. */
gboolean imps_ladder_media_complete (const ImpsLadderMedia *media);

typedef struct _ImpsLadder ImpsLadder;

/* A ladder over @log (borrowed: it must outlive the ladder). The nodes are
 * taken from the log when rendering; declaring them is optional. */
ImpsLadder *imps_ladder_new (ImpsEventLog *log);
void imps_ladder_free (ImpsLadder *ladder);

/* Declares an operator's domain (e.g. "home1.net"); operators are drawn in
 * the order declared, before any that are only seen in the log. */
void imps_ladder_add_operator (ImpsLadder *ladder, const gchar *domain);

/* Declares a node: its kind and its operator's domain. A node that is not
 * declared is placed from its name: "bsf.home1.net" is the BSF of
 * home1.net; any other name is a UE of the operator of the first node with
 * a domain it exchanges messages with. Re-declaring a node replaces it. */
void imps_ladder_add_node (ImpsLadder *ladder, const gchar *name, ImpsNodeKind kind,
                           const gchar *domain);

/* Adds a media stream band (copied). */
void imps_ladder_add_media (ImpsLadder *ladder, const ImpsLadderMedia *media);

#define IMPS_LADDER_ERROR (imps_ladder_error_quark ())
GQuark imps_ladder_error_quark (void);

typedef enum {
  IMPS_LADDER_ERROR_FILTER, /* a filter that does not parse */
} ImpsLadderError;

/* Draws only some rows (impsim run --only SPEC), both views. SPEC is
 * KEY=VALUE[,VALUE...]; the values of one key, over every call, are
 * alternatives, and a row must match each key given:
 *   call=1,2   the calls numbered from 1 by their first INVITE in log
 *       order: each call's SIP messages, and every event that is not SIP
 *       from the previous SIP message of another dialog (or the previous
 *       call's end) up to the call's last message (its Ua, Zn, Zk
 *       exchanges and notes), and the media streams that start within
 *       that time
 *   ref=Ua,Zk  the reference points (Ub, Zh, Zn, Ua, Zk, Gm, Mw, media,
 *       and note for events inside a node), case-insensitive
 *   time=2s..5s  the rows in that virtual time, counted from the ladder's
 *       time 0 (its earliest row), both ends included; either end may be
 *       left out (..5s, 2s..); the ends are durations as in a script's
 *       advance step (2s, 1.5s, 300ms; no unit: seconds). An event is
 *       kept when its time is in a range, a media stream when its packets
 *       (first to last) meet one.
 * The title line counts what the filter shows. FALSE with
 * IMPS_LADDER_ERROR_FILTER naming SPEC when it does not parse. */
gboolean imps_ladder_add_filter (ImpsLadder *ladder, const gchar *spec, GError **error);

/* How much of each call the ladders draw (impsim run --summary, --full;
 * docs/ladder.md, "Big runs"). AUTO: every message, unless more than
 * IMPS_LADDER_SUMMARY_CALLS calls are shown; SUMMARY: one row per call
 * (caller, callee, security, final answer, media counts, number of
 * messages) for the calls' messages, notes and media, while refusals,
 * failures and the rows outside calls are still drawn; FULL: every
 * message. */
typedef enum {
  IMPS_LADDER_AUTO,
  IMPS_LADDER_SUMMARY,
  IMPS_LADDER_FULL,
} ImpsLadderDetail;

#define IMPS_LADDER_SUMMARY_CALLS 50

void imps_ladder_set_detail (ImpsLadder *ladder, ImpsLadderDetail detail);

/* The pcap frame number (from 1) of the packet that carried event @seq
 * (ImpsEvent.seq), 0 when it was not written as a frame. */
typedef guint64 (*ImpsLadderFrameFunc) (guint64 seq, gpointer user_data);

/* When the run also writes a pcap: each event row that became a frame
 * shows its number after the label ("INVITE sip:bob@home2.net #123"), in
 * both views, so the frame can be found in Wireshark (Go to Packet). */
void imps_ladder_set_frames (ImpsLadder *ladder, ImpsLadderFrameFunc func, gpointer user_data);

/* The width for a text ladder written to @fd: when @fd is a terminal,
 * COLUMNS when set to a number, else the terminal's width (TIOCGWINSZ),
 * at least IMPS_LADDER_TEXT_MIN_WIDTH; otherwise (a pipe, a file) the
 * default, so that output does not depend on where it goes. */
guint imps_ladder_text_width_for (int fd);

/* The label drawn for @event: its summary, plus the MIKEY data type in
 * brackets when the event is on Ua or Zk, carries an application/mikey
 * body, and the summary does not already name the type. Control
 * characters and invalid UTF-8 are replaced. Free with g_free(). */
gchar *imps_ladder_event_label (const ImpsEvent *event);

#define IMPS_LADDER_TEXT_DEFAULT_WIDTH 100
#define IMPS_LADDER_TEXT_MIN_WIDTH 60

/* The text ladder, about @width characters wide (0: the default; smaller
 * than the minimum: the minimum). Node names that do not fit their column
 * are abbreviated and listed in a legend above the columns. Newly
 * allocated, lines end with "\n". */
gchar *imps_ladder_render_text (ImpsLadder *ladder, guint width);

/* The SVG ladder as a string (UTF-8, self-contained: inline styles, no
 * scripts, fonts or external references). */
gchar *imps_ladder_render_svg (ImpsLadder *ladder);
/* Writes the SVG ladder to @path. */
gboolean imps_ladder_write_svg (ImpsLadder *ladder, const gchar *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsLadderMedia, imps_ladder_media_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsLadder, imps_ladder_free)

G_END_DECLS
