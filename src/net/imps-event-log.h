/* The event log: every message that crosses a reference point goes through
 * it exactly once. The ladder, the pcap, the JSON report and the verdicts are
 * views of this one log (listeners, or a walk over the entries afterwards).
 *
 * Keys never go here as keys: they go only to the key log the user asked
 * for. Some messages carry keys (MAA, BIA); the log keeps its own copy of
 * every message's bytes and wipes it when the event is freed.
 *
 * `impsim run` keeps every event (its views need them; without a ladder, a
 * capture or a report it keeps their summaries, not their bytes);
 * `impsim serve`
 * keeps the last N in a ring (imps_event_log_set_ring()), and whatever is
 * streamed to --log or --pcap goes out through listeners as it happens.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  IMPS_REF_NONE,   /* inside a node: a decision, a refusal, a timer */
  IMPS_REF_UB,     /* UE - BSF, HTTP */
  IMPS_REF_ZH,     /* BSF - HSS, Diameter */
  IMPS_REF_ZN,     /* KMS - BSF, Diameter */
  IMPS_REF_UA,     /* UE - KMS, HTTP */
  IMPS_REF_ZK,     /* KMS - KMS, HTTPS */
  IMPS_REF_GM,     /* UE - P-CSCF, SIP */
  IMPS_REF_MW,     /* CSCF - CSCF, SIP */
  IMPS_REF_MEDIA,  /* RTP / SRTP / SRTCP */
} ImpsRefPoint;

typedef enum {
  IMPS_PROTO_NONE,
  IMPS_PROTO_HTTP,
  IMPS_PROTO_DIAMETER,
  IMPS_PROTO_SIP,
  IMPS_PROTO_RTP,
  IMPS_PROTO_RTCP,
} ImpsProtocol;

typedef enum {
  IMPS_EVENT_MESSAGE,  /* bytes sent from one node to another */
  IMPS_EVENT_NOTE,     /* something a node decided, with no bytes on the wire */
  IMPS_EVENT_REFUSAL,  /* a node refused a message: the reason says which check failed */
  IMPS_EVENT_FAILURE,  /* something went wrong that the scenario did not expect */
} ImpsEventKind;

typedef struct {
  guint64 seq;           /* 0, 1, 2, ... in the order logged */
  gint64 time_us;        /* virtual clock, Unix microseconds */
  ImpsEventKind kind;
  ImpsRefPoint ref;
  ImpsProtocol proto;
  const gchar *from;     /* node or peer names, owned by the log */
  const gchar *to;       /* NULL for notes */
  gchar *summary;        /* what a person reads on the arrow: "REQUEST_INIT_PSK", "MAA 2001" */
  gchar *detail;         /* refusal or failure reason with the values; may be NULL */
  GBytes *bytes;         /* the message as sent; NULL for notes, and once the listeners
                          * had it when the log keeps no bytes */
  gchar *stream;         /* groups the messages of one connection or media stream; may be NULL */
  gsize size;            /* the message's length in bytes (0 for notes) */
} ImpsEvent;

typedef struct _ImpsEventLog ImpsEventLog;

typedef void (*ImpsEventListener) (ImpsEventLog *log, const ImpsEvent *event,
                                   gpointer user_data);

ImpsEventLog *imps_event_log_new (void);
void imps_event_log_free (ImpsEventLog *log);

/* Copies everything it is given. Returns the entry as stored. */
const ImpsEvent *imps_event_log_add (ImpsEventLog *log, gint64 time_us,
                                     ImpsEventKind kind, ImpsRefPoint ref,
                                     ImpsProtocol proto, const gchar *from,
                                     const gchar *to, const gchar *summary,
                                     const gchar *detail, GBytes *bytes,
                                     const gchar *stream);

/* From now on keeps only the last @size events (0: all, the default);
 * the ring is set once. */
void imps_event_log_set_ring (ImpsEventLog *log, guint size);

/* TRUE (the default): every entry keeps its message's bytes, for views
 * made after the run (the ladder, a capture, the JSON report's digests).
 * FALSE: listeners still see the bytes as each event is added, but the
 * entry keeps only the summary, detail and size: what the verdicts read,
 * at a fraction of the memory. */
void imps_event_log_set_keep_bytes (ImpsEventLog *log, gboolean keep);

/* Frees the entries before @index, when nothing will read them again
 * (`impsim run` without a ladder or JSON report: the expects read only the
 * last action's entries). Listeners saw them as they were added; indexes
 * stay as they were. Does nothing with a ring. */
void imps_event_log_forget_before (ImpsEventLog *log, guint index);

/* Events ever added (the next seq). */
guint imps_event_log_len (ImpsEventLog *log);
/* The oldest index still kept (0 without a ring, unless entries were
 * forgotten). */
guint imps_event_log_first (ImpsEventLog *log);
/* NULL for an index the ring has dropped or the log has forgotten. */
const ImpsEvent *imps_event_log_get (ImpsEventLog *log, guint index);

/* Listeners see each event as it is added. Returns an id for removal. */
guint imps_event_log_add_listener (ImpsEventLog *log, ImpsEventListener fn,
                                   gpointer user_data);
void imps_event_log_remove_listener (ImpsEventLog *log, guint id);

const gchar *imps_ref_point_name (ImpsRefPoint ref);
const gchar *imps_protocol_name (ImpsProtocol proto);
const gchar *imps_event_kind_name (ImpsEventKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsEventLog, imps_event_log_free)

G_END_DECLS
