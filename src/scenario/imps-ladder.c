/* Ladder views of a run: text and SVG. See imps-ladder.h and docs/ladder.md. */
#include "imps-ladder.h"
#include "imps-files.h"
#include "imps-script.h"

#include "mikey/imps-mikey-types.h"

#include <math.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- media summaries ---- */

ImpsLadderMedia *
imps_ladder_media_new (const gchar *stream_id, const gchar *from, const gchar *to, gboolean srtp)
{
  ImpsLadderMedia *m = g_new0 (ImpsLadderMedia, 1);
  m->stream_id = g_strdup (stream_id);
  m->from = g_strdup (from);
  m->to = g_strdup (to);
  m->srtp = srtp;
  return m;
}

ImpsLadderMedia *
imps_ladder_media_copy (const ImpsLadderMedia *media)
{
  g_return_val_if_fail (media != NULL, NULL);
  ImpsLadderMedia *m = g_new (ImpsLadderMedia, 1);
  *m = *media;
  m->stream_id = g_strdup (media->stream_id);
  m->from = g_strdup (media->from);
  m->to = g_strdup (media->to);
  return m;
}

void
imps_ladder_media_free (ImpsLadderMedia *media)
{
  if (media == NULL)
    return;
  g_free (media->stream_id);
  g_free (media->from);
  g_free (media->to);
  g_free (media);
}

static guint64
media_refused (const ImpsLadderMedia *m)
{
  return m->auth_failures + m->replays + m->mismatches + m->other_refused;
}

gboolean
imps_ladder_media_complete (const ImpsLadderMedia *m)
{
  return m->packets_sent == m->packets_received && m->packets_received == m->packets_verified
         && media_refused (m) == 0;
}

static void
append_refusal (GString *s, gboolean *first, guint64 n, const gchar *one, const gchar *many)
{
  if (n == 0)
    return;
  g_string_append_printf (s, "%s%" G_GUINT64_FORMAT " %s", *first ? "" : ", ", n,
                          n == 1 ? one : many);
  *first = FALSE;
}

gchar *
imps_ladder_media_counts (const ImpsLadderMedia *m)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " received, %"
                          G_GUINT64_FORMAT " verified", m->packets_sent, m->packets_received,
                          m->packets_verified);
  if (imps_ladder_media_complete (m))
    return g_string_free (s, FALSE);
  const gchar *sep = " (";
  if (m->packets_sent > m->packets_received)
    {
      g_string_append_printf (s, "%s%" G_GUINT64_FORMAT " lost: sent, never received", sep,
                              m->packets_sent - m->packets_received);
      sep = "; ";
    }
  else if (m->packets_received > m->packets_sent)
    {
      g_string_append_printf (s, "%s%" G_GUINT64_FORMAT " more received than sent: copies or "
                              "packets from another sender", sep,
                              m->packets_received - m->packets_sent);
      sep = "; ";
    }
  guint64 refused = media_refused (m);
  if (refused > 0)
    {
      gboolean first = TRUE;
      g_string_append_printf (s, "%s%" G_GUINT64_FORMAT " refused: ", sep, refused);
      append_refusal (s, &first, m->auth_failures, "auth failure", "auth failures");
      append_refusal (s, &first, m->replays, "replay", "replays");
      append_refusal (s, &first, m->mismatches, "mismatch", "mismatches");
      append_refusal (s, &first, m->other_refused, "malformed", "malformed");
      sep = "; ";
    }
  if (m->packets_received > m->packets_verified + refused)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT " received but neither verified nor "
                            "refused", sep, m->packets_received - m->packets_verified - refused);
  g_string_append (s, ")");
  return g_string_free (s, FALSE);
}

/* ---- the ladder ---- */

typedef struct {
  gchar *name;          /* as in the log */
  ImpsNodeKind kind;
  gchar *domain;        /* NULL: not known yet */
  guint first_seen;     /* order of first appearance (declared nodes first) */
  guint column;
  guint n_members;      /* > 0: the one lifeline of this many UE devices */
} LadderNode;

static void
ladder_node_free (gpointer p)
{
  LadderNode *n = p;
  g_free (n->name);
  g_free (n->domain);
  g_free (n);
}

struct _ImpsLadder {
  ImpsEventLog *log;
  GPtrArray *operators;  /* gchar *, declared domains */
  GPtrArray *declared;   /* LadderNode * */
  GPtrArray *media;      /* ImpsLadderMedia * */
  GArray *only_calls;    /* guint, call numbers from 1; empty: every row */
  guint only_refs;       /* bit per ImpsRefPoint; 0: every reference point */
  GArray *only_times;    /* gint64 pairs: start, end (us after time 0, both
                          * included); empty: any time */
  ImpsLadderFrameFunc frame_func; /* pcap frame of an event; NULL: none */
  gpointer frame_data;
  ImpsLadderDetail detail;
};

ImpsLadder *
imps_ladder_new (ImpsEventLog *log)
{
  g_return_val_if_fail (log != NULL, NULL);
  ImpsLadder *l = g_new0 (ImpsLadder, 1);
  l->log = log;
  l->operators = g_ptr_array_new_with_free_func (g_free);
  l->declared = g_ptr_array_new_with_free_func (ladder_node_free);
  l->media = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_ladder_media_free);
  l->only_calls = g_array_new (FALSE, FALSE, sizeof (guint));
  l->only_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  return l;
}

G_DEFINE_QUARK (imps-ladder-error-quark, imps_ladder_error)

/* One end of a time range: empty (the open end, @open), or a duration
 * after time 0 as in a scenario's advance step ("2s", "1.5s", "300ms"). */
static gboolean
parse_time_end (const gchar *spec, const gchar *text, gint64 open, gint64 *out, GError **error)
{
  g_autoptr (GError) e = NULL;
  if (*text == '\0')
    {
      *out = open;
      return TRUE;
    }
  if (!imps_script_parse_duration_us (text, out, &e))
    {
      g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                   "'%s': time '%s' is not a duration after time 0 (e.g. 2s, 1.5s, 300ms)", spec,
                   text);
      return FALSE;
    }
  return TRUE;
}

/* "START..END", either end left out: @range gets start, end. */
static gboolean
parse_time_range (const gchar *spec, const gchar *v, gint64 *range, GError **error)
{
  const gchar *dots = strstr (v, "..");
  if (dots == NULL)
    {
      g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                   "'%s': time range '%s' is not START..END (e.g. 2s..5s, ..5s, 2s..)", spec, v);
      return FALSE;
    }
  g_autofree gchar *start = g_strndup (v, (gsize) (dots - v));
  const gchar *end = dots + 2;
  if (*start == '\0' && *end == '\0')
    {
      g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                   "'%s': time range '%s' has neither a start nor an end", spec, v);
      return FALSE;
    }
  if (!parse_time_end (spec, start, 0, &range[0], error)
      || !parse_time_end (spec, end, G_MAXINT64, &range[1], error))
    return FALSE;
  if (range[0] > range[1])
    {
      g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                   "'%s': time range '%s' ends before it starts", spec, v);
      return FALSE;
    }
  return TRUE;
}

gboolean
imps_ladder_add_filter (ImpsLadder *ladder, const gchar *spec, GError **error)
{
  g_return_val_if_fail (ladder != NULL && spec != NULL, FALSE);
  const gchar *eq = strchr (spec, '=');
  if (eq == NULL || eq == spec)
    {
      g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                   "'%s' is not KEY=VALUE[,VALUE...] (keys: call, ref, time)", spec);
      return FALSE;
    }
  g_autofree gchar *key = g_strndup (spec, (gsize) (eq - spec));
  g_auto (GStrv) values = g_strsplit (eq + 1, ",", -1);
  if (values[0] == NULL)
    {
      g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER, "'%s': no value after '='",
                   spec);
      return FALSE;
    }
  gboolean is_call = g_str_equal (key, "call");
  gboolean is_time = g_str_equal (key, "time");
  if (!is_call && !is_time && !g_str_equal (key, "ref"))
    {
      g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                   "'%s': key '%s' is not call, ref or time", spec, key);
      return FALSE;
    }
  g_autoptr (GArray) calls = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint refs = 0;
  for (guint i = 0; values[i]; i++)
    {
      const gchar *v = g_strstrip (values[i]);
      if (is_time)
        {
          gint64 range[2];
          if (!parse_time_range (spec, v, range, error))
            return FALSE;
          g_array_append_vals (times, range, 2);
          continue;
        }
      if (is_call)
        {
          guint64 n;
          if (!g_ascii_string_to_unsigned (v, 10, 1, G_MAXUINT, &n, NULL))
            {
              g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                           "'%s': call '%s' is not a call number from 1", spec, v);
              return FALSE;
            }
          guint c = (guint) n;
          g_array_append_val (calls, c);
          continue;
        }
      guint r;
      for (r = 0; r <= IMPS_REF_MEDIA; r++)
        if (g_ascii_strcasecmp (v, imps_ref_point_name ((ImpsRefPoint) r)) == 0
            || (r == IMPS_REF_NONE && g_ascii_strcasecmp (v, "note") == 0))
          break;
      if (r > IMPS_REF_MEDIA)
        {
          g_set_error (error, IMPS_LADDER_ERROR, IMPS_LADDER_ERROR_FILTER,
                       "'%s': reference point '%s' is not one of Ub, Zh, Zn, Ua, Zk, Gm, Mw, media, "
                       "note", spec, v);
          return FALSE;
        }
      refs |= 1u << r;
    }
  g_array_append_vals (ladder->only_calls, calls->data, calls->len);
  g_array_append_vals (ladder->only_times, times->data, times->len);
  ladder->only_refs |= refs;
  return TRUE;
}

void
imps_ladder_set_frames (ImpsLadder *ladder, ImpsLadderFrameFunc func, gpointer user_data)
{
  g_return_if_fail (ladder != NULL);
  ladder->frame_func = func;
  ladder->frame_data = user_data;
}

void
imps_ladder_set_detail (ImpsLadder *ladder, ImpsLadderDetail detail)
{
  g_return_if_fail (ladder != NULL);
  ladder->detail = detail;
}

guint
imps_ladder_text_width_for (int fd)
{
  const gchar *cols = g_getenv ("COLUMNS");
  guint64 n;
  if (!isatty (fd))
    return IMPS_LADDER_TEXT_DEFAULT_WIDTH;
  if (cols && g_ascii_string_to_unsigned (cols, 10, 1, 10000, &n, NULL))
    return MAX ((guint) n, (guint) IMPS_LADDER_TEXT_MIN_WIDTH);
  struct winsize ws;
  if (ioctl (fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return MAX ((guint) ws.ws_col, (guint) IMPS_LADDER_TEXT_MIN_WIDTH);
  return IMPS_LADDER_TEXT_DEFAULT_WIDTH;
}

void
imps_ladder_free (ImpsLadder *ladder)
{
  if (ladder == NULL)
    return;
  g_ptr_array_unref (ladder->operators);
  g_ptr_array_unref (ladder->declared);
  g_ptr_array_unref (ladder->media);
  g_array_unref (ladder->only_calls);
  g_array_unref (ladder->only_times);
  g_free (ladder);
}

static gboolean
str_in (GPtrArray *a, const gchar *s, guint *index)
{
  for (guint i = 0; i < a->len; i++)
    if (g_strcmp0 (g_ptr_array_index (a, i), s) == 0)
      {
        if (index)
          *index = i;
        return TRUE;
      }
  return FALSE;
}

void
imps_ladder_add_operator (ImpsLadder *ladder, const gchar *domain)
{
  g_return_if_fail (ladder != NULL && domain != NULL);
  if (!str_in (ladder->operators, domain, NULL))
    g_ptr_array_add (ladder->operators, g_strdup (domain));
}

void
imps_ladder_add_node (ImpsLadder *ladder, const gchar *name, ImpsNodeKind kind,
                      const gchar *domain)
{
  g_return_if_fail (ladder != NULL && name != NULL);
  g_return_if_fail ((guint) kind <= IMPS_NODE_UE);
  for (guint i = 0; i < ladder->declared->len; i++)
    {
      LadderNode *n = g_ptr_array_index (ladder->declared, i);
      if (strcmp (n->name, name) == 0)
        {
          n->kind = kind;
          g_free (n->domain);
          n->domain = g_strdup (domain);
          return;
        }
    }
  LadderNode *n = g_new0 (LadderNode, 1);
  n->name = g_strdup (name);
  n->kind = kind;
  n->domain = g_strdup (domain);
  g_ptr_array_add (ladder->declared, n);
}

void
imps_ladder_add_media (ImpsLadder *ladder, const ImpsLadderMedia *media)
{
  g_return_if_fail (ladder != NULL && media != NULL);
  g_ptr_array_add (ladder->media, imps_ladder_media_copy (media));
}

/* ---- text from outside input ---- */

static gboolean
unichar_is_unsafe (gunichar c)
{
  /* C0 and C1 controls, DEL, and the bidi embedding/override/isolate
   * controls, which could make a terminal line or a label lie; U+FFFE and
   * U+FFFF, which XML 1.0 does not allow. */
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
         || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff || c == 0xfffe || c == 0xffff;
}

/* Valid UTF-8 with unsafe characters replaced by '?' (tabs and newlines by a
 * space, unless @keep_newlines). NULL gives "". */
static gchar *
sanitize_full (const gchar *s, gboolean keep_newlines)
{
  if (s == NULL)
    return g_strdup ("");
  g_autofree gchar *valid = g_utf8_make_valid (s, -1);
  GString *out = g_string_sized_new (strlen (valid));
  for (const gchar *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '\n' && keep_newlines)
        g_string_append_c (out, '\n');
      else if (c == '\t' || c == '\n' || c == '\r')
        g_string_append_c (out, ' ');
      else if (unichar_is_unsafe (c))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static gchar *
sanitize (const gchar *s)
{
  return sanitize_full (s, FALSE);
}

/* @s cut to at most @max characters, the last one "…" when cut. */
static gchar *
truncate_chars (const gchar *s, glong max)
{
  glong n = g_utf8_strlen (s, -1);
  if (n <= max)
    return g_strdup (s);
  if (max <= 1)
    return g_strdup (max == 1 ? "…" : "");
  g_autofree gchar *head = g_utf8_substring (s, 0, max - 1);
  return g_strconcat (head, "…", NULL);
}

/* The MIKEY data type of an HTTP message's application/mikey body, or NULL. */
static const gchar *
http_mikey_type (GBytes *bytes)
{
  if (bytes == NULL)
    return NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  /* The header block ends at the first empty line; read at most 16 KiB of it. */
  gsize limit = MIN (len, 16384);
  gsize end = 0;
  gboolean found = FALSE;
  for (gsize i = 0; i + 4 <= limit; i++)
    if (memcmp (data + i, "\r\n\r\n", 4) == 0)
      {
        end = i;
        found = TRUE;
        break;
      }
  if (!found)
    return NULL;
  g_autofree gchar *head = g_ascii_strdown ((const gchar *) data, (gssize) end);
  if (strstr (head, "\ncontent-type: application/mikey") == NULL
      && strstr (head, "\ncontent-type:application/mikey") == NULL)
    return NULL;
  gsize body = end + 4;
  /* MIKEY common header: version 1, then the data type (RFC 3830 §6.1). */
  if (len - body < 2 || data[body] != 1)
    return NULL;
  return imps_mikey_data_type_name (data[body + 1]);
}

gchar *
imps_ladder_event_label (const ImpsEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  g_autofree gchar *summary = sanitize (event->summary);
  if ((event->ref == IMPS_REF_UA || event->ref == IMPS_REF_ZK) && event->proto == IMPS_PROTO_HTTP)
    {
      const gchar *type = http_mikey_type (event->bytes);
      if (type && strstr (summary, type) == NULL)
        return g_strdup_printf ("%s [%s]", summary, type);
    }
  return g_steal_pointer (&summary);
}

/* ---- layout shared by both views ---- */

static const ImpsNodeKind kind_order[] = {
  IMPS_NODE_UE, IMPS_NODE_PCSCF, IMPS_NODE_AGW, IMPS_NODE_SCSCF,
  IMPS_NODE_KMS, IMPS_NODE_BSF, IMPS_NODE_HSS,
};

static const struct {
  const gchar *prefix;
  ImpsNodeKind kind;
  const gchar *abbrev;
} kind_names[] = {
  { "hss.", IMPS_NODE_HSS, "HSS" },
  { "bsf.", IMPS_NODE_BSF, "BSF" },
  { "kms.", IMPS_NODE_KMS, "KMS" },
  { "pcscf.", IMPS_NODE_PCSCF, "PCSCF" },
  { "agw.", IMPS_NODE_AGW, "AGW" },
  { "scscf.", IMPS_NODE_SCSCF, "SCSCF" },
};

static guint
kind_rank (ImpsNodeKind k)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_order); i++)
    if (kind_order[i] == k)
      return i;
  return G_N_ELEMENTS (kind_order);
}

static const gchar *
kind_abbrev (ImpsNodeKind k)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (kind_names[i].kind == k)
      return kind_names[i].abbrev;
  return "UE";
}

typedef enum {
  ROW_EVENT,
  ROW_MEDIA,
  ROW_CALL,  /* one call summarised: a made-up event, caller to callee */
} RowType;

typedef struct {
  RowType type;
  const ImpsEvent *event;
  const ImpsLadderMedia *media;
} Row;

/* The seq of a summarised call's or bootstrap's made-up event: no log
 * entry has them. */
#define CALL_ROW_SEQ G_MAXUINT64
#define BOOT_ROW_SEQ (G_MAXUINT64 - 1)

/* The name in the reference point column of a made-up row, else NULL. */
static const gchar *
made_up_name (const ImpsEvent *e)
{
  return e->seq == CALL_ROW_SEQ ? "call" : e->seq == BOOT_ROW_SEQ ? "boot" : NULL;
}

static const gchar *
row_ref_name (const ImpsEvent *e)
{
  const gchar *m = made_up_name (e);
  return m ? m : imps_ref_point_name (e->ref);
}

static void
call_event_free (gpointer p)
{
  ImpsEvent *e = p;
  g_free ((gchar *) e->from);
  g_free ((gchar *) e->to);
  g_free (e->summary);
  g_free (e);
}

typedef struct {
  GPtrArray *nodes;        /* LadderNode *, owned, in column order */
  GHashTable *by_name;     /* name -> LadderNode * */
  GPtrArray *domains;      /* gchar *, owned; a group with no domain is drawn last */
  gboolean has_undomained;
  GArray *rows;            /* Row */
  gint64 t0;
  guint n_messages;
  gboolean filtered;       /* rows chosen by imps_ladder_add_filter() */
  ImpsLadderFrameFunc frame_func;
  gpointer frame_data;
  guint n_events_shown, n_media_shown;
  GPtrArray *call_events;  /* ImpsEvent *, owned: the ROW_CALL rows */
  gboolean summarised;     /* one row per call and per bootstrap */
  guint n_call_rows, n_boot_rows;
  GPtrArray *hidden;       /* LadderNode *, owned: UEs drawn on their operator's one lifeline */
} Layout;

static void
layout_clear (Layout *lay)
{
  g_clear_pointer (&lay->by_name, g_hash_table_unref);
  g_clear_pointer (&lay->nodes, g_ptr_array_unref);
  g_clear_pointer (&lay->domains, g_ptr_array_unref);
  g_clear_pointer (&lay->rows, g_array_unref);
  g_clear_pointer (&lay->call_events, g_ptr_array_unref);
  g_clear_pointer (&lay->hidden, g_ptr_array_unref);
}

/* An event always has a sender; a log entry without one is drawn at "?". */
static const gchar *
event_from (const ImpsEvent *e)
{
  return e->from ? e->from : "?";
}

static LadderNode *
layout_node (Layout *lay, const gchar *name)
{
  if (name == NULL)
    return NULL;
  LadderNode *n = g_hash_table_lookup (lay->by_name, name);
  if (n)
    return n;
  n = g_new0 (LadderNode, 1);
  n->name = g_strdup (name);
  n->kind = IMPS_NODE_UE;
  n->first_seen = lay->nodes->len;
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_has_prefix (name, kind_names[i].prefix)
        && name[strlen (kind_names[i].prefix)] != '\0')
      {
        n->kind = kind_names[i].kind;
        n->domain = g_strdup (name + strlen (kind_names[i].prefix));
        break;
      }
  g_ptr_array_add (lay->nodes, n);
  g_hash_table_insert (lay->by_name, n->name, n);
  return n;
}

static gint
node_cmp (gconstpointer pa, gconstpointer pb, gpointer data)
{
  Layout *lay = data;
  const LadderNode *a = *(LadderNode *const *) pa;
  const LadderNode *b = *(LadderNode *const *) pb;
  guint da = lay->domains->len, db = lay->domains->len;
  if (a->domain)
    str_in (lay->domains, a->domain, &da);
  if (b->domain)
    str_in (lay->domains, b->domain, &db);
  if (da != db)
    return da < db ? -1 : 1;
  guint ka = kind_rank (a->kind), kb = kind_rank (b->kind);
  if (ka != kb)
    return ka < kb ? -1 : 1;
  return a->first_seen < b->first_seen ? -1 : a->first_seen > b->first_seen;
}

static gint
media_cmp (gconstpointer pa, gconstpointer pb)
{
  const ImpsLadderMedia *a = *(ImpsLadderMedia *const *) pa;
  const ImpsLadderMedia *b = *(ImpsLadderMedia *const *) pb;
  return a->first_us < b->first_us ? -1 : a->first_us > b->first_us;
}

/* The Call-ID of a SIP message event (a new string), or NULL. */
static gchar *
event_call_id (const ImpsEvent *e, gboolean *is_invite)
{
  *is_invite = FALSE;
  if (e->proto != IMPS_PROTO_SIP || e->bytes == NULL)
    return NULL;
  gsize len;
  const gchar *d = g_bytes_get_data (e->bytes, &len);
  gsize off = 0;
  gboolean first = TRUE;
  while (off < len)
    {
      const gchar *nl = memchr (d + off, '\n', len - off);
      gsize ll = nl ? (gsize) (nl - (d + off)) : len - off;
      gsize l2 = ll > 0 && d[off + ll - 1] == '\r' ? ll - 1 : ll;
      if (l2 == 0)
        break;
      if (first)
        *is_invite = l2 > 7 && memcmp (d + off, "INVITE ", 7) == 0;
      first = FALSE;
      const gchar *line = d + off;
      gsize skip = 0;
      if (l2 > 8 && g_ascii_strncasecmp (line, "Call-ID:", 8) == 0)
        skip = 8;
      else if (l2 > 2 && (line[0] == 'i' || line[0] == 'I') && line[1] == ':')
        skip = 2;
      if (skip)
        {
          while (skip < l2 && (line[skip] == ' ' || line[skip] == '\t'))
            skip++;
          return g_strndup (line + skip, l2 - skip);
        }
      off += ll + 1;
    }
  return NULL;
}

static gboolean
ref_kept (ImpsLadder *l, ImpsRefPoint ref)
{
  return l->only_refs == 0 || (l->only_refs & (1u << ref)) != 0;
}

/* Whether [@first, @last] (virtual times) meets one of the time ranges,
 * which count from @t0. */
static gboolean
time_kept (ImpsLadder *l, gint64 t0, gint64 first, gint64 last)
{
  if (l->only_times->len == 0)
    return TRUE;
  /* Times before t0 do not occur (t0 is the earliest); clamp anyway. */
  gint64 a = first > t0 ? first - t0 : 0;
  gint64 b = last > t0 ? last - t0 : 0;
  for (guint j = 0; j + 1 < l->only_times->len; j += 2)
    if (a <= g_array_index (l->only_times, gint64, j + 1)
        && b >= g_array_index (l->only_times, gint64, j))
      return TRUE;
  return FALSE;
}

/* Which events the filters keep (@keep, one per event), and the virtual
 * time span of each chosen call (@span: first, last, per entry of
 * only_calls). A call is numbered by its first INVITE in log order; it
 * holds its SIP messages and every other event that is not SIP between
 * the previous SIP message of another dialog (or the previous call's
 * end) and its own last message: the Ua, Zn and Zk exchanges and the
 * notes of its set-up and tear-down. */
static void
choose_events (ImpsLadder *l, gint64 t0, gboolean *keep, gint64 *span)
{
  guint n = imps_event_log_len (l->log);
  g_autofree guint *call_of = g_new0 (guint, n + 1);
  g_autofree gboolean *is_sip = g_new0 (gboolean, n + 1);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      const ImpsEvent *e = imps_event_log_get (l->log, i);
      gboolean invite;
      gchar *cid = event_call_id (e, &invite);
      is_sip[i] = cid != NULL; /* a SIP message; notes carry no bytes */
      if (cid && invite && !str_in (ids, cid, NULL))
        g_ptr_array_add (ids, g_strdup (cid));
      g_ptr_array_add (cids, cid);
    }
  for (guint i = 0; i < n; i++)
    {
      guint k;
      const gchar *cid = g_ptr_array_index (cids, i);
      if (cid && str_in (ids, cid, &k))
        call_of[i] = k + 1;
    }
  for (guint i = 0; i < n; i++)
    {
      const ImpsEvent *e = imps_event_log_get (l->log, i);
      keep[i] = ref_kept (l, e->ref) && time_kept (l, t0, e->time_us, e->time_us);
    }
  if (l->only_calls->len == 0)
    return;
  g_autofree gboolean *in_call = g_new0 (gboolean, n + 1);
  guint prev_end = 0; /* one past the previous call's last event */
  for (guint k = 1; k <= ids->len; k++)
    {
      guint first = n, last = 0;
      for (guint i = 0; i < n; i++)
        if (call_of[i] == k)
          {
            first = MIN (first, i);
            last = i;
          }
      guint start = first;
      while (start > prev_end && !is_sip[start - 1])
        start--;
      gboolean chosen = FALSE;
      guint which = 0;
      for (guint j = 0; j < l->only_calls->len && !chosen; j++)
        if (g_array_index (l->only_calls, guint, j) == k)
          {
            chosen = TRUE;
            which = j;
          }
      if (chosen && first < n)
        {
          for (guint i = start; i <= last; i++)
            if (call_of[i] == k || (!is_sip[i] && call_of[i] == 0))
              in_call[i] = TRUE;
          span[2 * which] = imps_event_log_get (l->log, start)->time_us;
          span[2 * which + 1] = imps_event_log_get (l->log, last)->time_us;
        }
      if (first < n)
        prev_end = last + 1;
    }
  for (guint i = 0; i < n; i++)
    keep[i] = keep[i] && in_call[i];
}

static gboolean
media_kept (ImpsLadder *l, gint64 t0, const ImpsLadderMedia *m, const gint64 *span)
{
  if (!ref_kept (l, IMPS_REF_MEDIA) || !time_kept (l, t0, m->first_us, m->last_us))
    return FALSE;
  if (l->only_calls->len == 0)
    return TRUE;
  for (guint j = 0; j < l->only_calls->len; j++)
    if (span[2 * j + 1] != 0 && m->first_us >= span[2 * j] && m->first_us <= span[2 * j + 1])
      return TRUE;
  return FALSE;
}

/* The status code of a SIP response to INVITE (e.g. 200), or 0 for a
 * request or a response to another method. */
static guint
sip_invite_status (const ImpsEvent *e, gchar **reason)
{
  *reason = NULL;
  if (e->bytes == NULL)
    return 0;
  gsize len;
  const gchar *d = g_bytes_get_data (e->bytes, &len);
  if (len < 12 || memcmp (d, "SIP/2.0 ", 8) != 0 || !g_ascii_isdigit (d[8])
      || !g_ascii_isdigit (d[9]) || !g_ascii_isdigit (d[10]))
    return 0;
  guint code = (guint) ((d[8] - '0') * 100 + (d[9] - '0') * 10 + (d[10] - '0'));
  gboolean invite = FALSE;
  gsize off = 0;
  while (off < len)
    {
      const gchar *nl = memchr (d + off, '\n', len - off);
      gsize ll = nl ? (gsize) (nl - (d + off)) : len - off;
      gsize l2 = ll > 0 && d[off + ll - 1] == '\r' ? ll - 1 : ll;
      if (l2 == 0)
        break;
      if (l2 > 5 && g_ascii_strncasecmp (d + off, "CSeq:", 5) == 0)
        invite = g_strstr_len (d + off, l2, "INVITE") != NULL;
      if (off == 0)
        {
          g_autofree gchar *line = g_strndup (d + 8, l2 - 8);
          *reason = sanitize (line);
        }
      off += ll + 1;
    }
  if (!invite)
    {
      g_clear_pointer (reason, g_free);
      return 0;
    }
  return code;
}

static gboolean
bytes_contain (GBytes *b, const gchar *needle)
{
  if (b == NULL)
    return FALSE;
  gsize len;
  const gchar *d = g_bytes_get_data (b, &len);
  return g_strstr_len (d, (gssize) len, needle) != NULL;
}

/* Which call each event belongs to (@member, 0: none), as --only call=K
 * counts them: the call's SIP messages, and the events that are not SIP
 * from the previous SIP message of another dialog (or the previous
 * call's end) up to its last message. @range: per call, the index of its
 * first INVITE, then the first and last index of its events. Returns the
 * number of calls. */
static guint
call_membership (ImpsLadder *l, guint n, guint *member, guint **range)
{
  g_autofree guint *call_of = g_new0 (guint, n + 1);
  g_autofree gboolean *is_sip = g_new0 (gboolean, n + 1);
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_calls = 0;
  GArray *r = g_array_new (FALSE, TRUE, sizeof (guint));
  for (guint i = 0; i < n; i++)
    {
      const ImpsEvent *e = imps_event_log_get (l->log, i);
      gboolean invite;
      gchar *cid = e ? event_call_id (e, &invite) : NULL;
      member[i] = 0;
      is_sip[i] = cid != NULL;
      if (cid == NULL)
        continue;
      guint k = GPOINTER_TO_UINT (g_hash_table_lookup (ids, cid));
      if (k == 0 && invite)
        {
          k = ++n_calls;
          g_hash_table_insert (ids, cid, GUINT_TO_POINTER (k));
          guint v[3] = { i, i, i };
          g_array_append_vals (r, v, 3);
        }
      else
        g_free (cid);
      if (k)
        {
          call_of[i] = k;
          g_array_index (r, guint, 3 * (k - 1) + 2) = i;
        }
    }
  g_hash_table_unref (ids);
  guint prev_end = 0;
  for (guint k = 1; k <= n_calls; k++)
    {
      guint first = g_array_index (r, guint, 3 * (k - 1));
      guint last = g_array_index (r, guint, 3 * (k - 1) + 2);
      guint start = first;
      while (start > prev_end && !is_sip[start - 1])
        start--;
      for (guint i = start; i <= last; i++)
        if (call_of[i] == k || (!is_sip[i] && member[i] == 0))
          member[i] = k;
      g_array_index (r, guint, 3 * (k - 1) + 1) = start;
      prev_end = MAX (prev_end, last + 1);
    }
  *range = (guint *) g_array_free (r, FALSE);
  return n_calls;
}

/* The made-up event of call @k's summary row: from the caller's device
 * to the callee's, at the time of the call's first event. */
static ImpsEvent *
call_summary_event (ImpsLadder *l, Layout *lay, const guint *member, guint k,
                    const guint *range, GPtrArray *media, gboolean *media_used)
{
  const ImpsEvent *inv = imps_event_log_get (l->log, range[0]);
  const gchar *caller = event_from (inv);
  const gchar *callee = NULL, *last_to = inv->to;
  gint64 start = G_MAXINT64, end = G_MININT64;
  guint n_messages = 0;
  g_autofree gchar *status = NULL, *status_any = NULL;
  const gchar *security = "none";
  if (bytes_contain (inv->bytes, "a=key-mgmt:"))
    security = "mikey-ticket";
  else if (bytes_contain (inv->bytes, "a=crypto:"))
    security = "sdes-e2e";
  for (guint i = range[1]; i <= range[2]; i++)
    {
      const ImpsEvent *e = member[i] == k ? imps_event_log_get (l->log, i) : NULL;
      if (e == NULL)
        continue;
      start = MIN (start, e->time_us);
      end = MAX (end, e->time_us);
      /* Signalling: the runner's media events are in the media counts. */
      if (e->kind == IMPS_EVENT_MESSAGE && e->ref != IMPS_REF_MEDIA)
        n_messages++;
      gboolean invite;
      g_autofree gchar *cid = event_call_id (e, &invite);
      if (cid == NULL)
        continue;
      if (invite && e->to)
        last_to = e->to;
      g_autofree gchar *reason = NULL;
      guint code = sip_invite_status (e, &reason);
      if (code < 200)
        continue;
      if (callee == NULL)
        callee = event_from (e);
      if (status_any == NULL)
        status_any = g_strdup (reason);
      if (status == NULL && g_strcmp0 (e->to, caller) == 0)
        status = g_strdup (reason);
    }
  if (callee == NULL)
    callee = last_to ? last_to : caller;

  /* The media streams that start within the call, summed. */
  g_autoptr (ImpsLadderMedia) sum = imps_ladder_media_new ("", caller, callee, TRUE);
  guint n_streams = 0;
  /* @media is sorted by first packet: find the first at or after start. */
  guint lo = 0, hi = media->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (((const ImpsLadderMedia *) g_ptr_array_index (media, mid))->first_us < start)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint j = lo; j < media->len; j++)
    {
      const ImpsLadderMedia *m = g_ptr_array_index (media, j);
      if (m->first_us > end)
        break;
      if (media_used[j])
        continue;
      media_used[j] = TRUE;
      n_streams++;
      sum->packets_sent += m->packets_sent;
      sum->packets_received += m->packets_received;
      sum->packets_verified += m->packets_verified;
      sum->auth_failures += m->auth_failures;
      sum->replays += m->replays;
      sum->mismatches += m->mismatches;
      sum->other_refused += m->other_refused;
      LadderNode *a = m->from ? g_hash_table_lookup (lay->by_name, m->from) : NULL;
      LadderNode *b = m->to ? g_hash_table_lookup (lay->by_name, m->to) : NULL;
      if (strcmp (security, "sdes-e2e") == 0
          && ((a && a->kind == IMPS_NODE_AGW) || (b && b->kind == IMPS_NODE_AGW)))
        security = "sdes-e2ae";
    }
  g_autofree gchar *media_phrase = NULL;
  if (n_streams == 0)
    media_phrase = g_strdup ("no media");
  else
    {
      g_autofree gchar *counts = imps_ladder_media_counts (sum);
      media_phrase = g_strdup_printf ("%s%u media stream%s: %s",
                                      imps_ladder_media_complete (sum) ? "" : "! ", n_streams,
                                      n_streams == 1 ? "" : "s", counts);
    }
  g_autofree gchar *who = g_strdup_printf ("%s -> %s", caller, callee);
  g_autofree gchar *who_safe = sanitize (who);
  ImpsEvent *ce = g_new0 (ImpsEvent, 1);
  ce->seq = CALL_ROW_SEQ;
  ce->time_us = start;
  ce->kind = IMPS_EVENT_MESSAGE;
  ce->ref = IMPS_REF_GM;
  ce->proto = IMPS_PROTO_SIP;
  ce->from = g_strdup (caller);
  ce->to = g_strdup (callee);
  ce->summary = g_strdup_printf ("call %u: %s, security %s, %s, %s, %u message%s", k, who_safe,
                                 security,
                                 status ? status : status_any ? status_any : "no final answer",
                                 media_phrase, n_messages, n_messages == 1 ? "" : "s");
  return ce;
}

/* ---- GBA bootstraps (summarised ladders) ---- */

typedef struct {
  const gchar *ue, *bsf;  /* node names, borrowed from the log */
  const gchar *domain;    /* the BSF's operator, borrowed from the layout */
  gchar *impi;            /* from the first request's Authorization, or NULL */
  guint first, last;      /* log indices */
  guint n_ub, n_zh, n_notes, challenges;
  gchar *answer;          /* the final answer's summary (not a 401), or NULL */
  gboolean open;
} Boot;

static void
boot_clear (gpointer p)
{
  Boot *b = p;
  g_free (b->impi);
  g_free (b->answer);
}

/* "GET / (Authorization: alice@home1.net, response)" -> "alice@home1.net" */
static gchar *
boot_impi (const gchar *summary)
{
  const gchar *p = summary ? strstr (summary, "Authorization: ") : NULL;
  if (p == NULL)
    return NULL;
  p += strlen ("Authorization: ");
  gsize n = strcspn (p, ",) ");
  return n > 0 ? g_strndup (p, n) : NULL;
}

static gboolean
text_has (const gchar *text, const gchar *needle)
{
  return text != NULL && needle != NULL && strstr (text, needle) != NULL;
}

/* The open bootstrap at the BSF of @domain that event @e belongs to: the
 * only one, else the one whose IMPI the event names, else the oldest. */
static guint
boot_at_domain (GArray *boots, const gchar *domain, const ImpsEvent *e)
{
  guint found = 0, n_open = 0;
  for (guint j = 0; j < boots->len; j++)
    {
      Boot *b = &g_array_index (boots, Boot, j);
      if (!b->open || g_strcmp0 (b->domain, domain) != 0)
        continue;
      n_open++;
      if (found == 0)
        found = j + 1;
      if (b->impi && (text_has (e->summary, b->impi) || text_has (e->detail, b->impi)
                      || bytes_contain (e->bytes, b->impi)))
        return j + 1;
    }
  (void) n_open;
  return found;
}

/* Which bootstrap each event outside a call belongs to (@boot, 0: none;
 * bootstraps numbered from 1 in log order). A bootstrap is a device's Ub
 * exchange with a BSF, from its first request to the BSF's answer that is
 * not a 401 challenge; with it go the Zh messages of that operator and
 * the notes of its BSF and HSS while it is open, and the device's own note
 * right after its last message. Refusals and failures are not members. */
static GArray *
boot_membership (ImpsLadder *l, Layout *lay, guint n, const guint *member, guint *boot)
{
  GArray *boots = g_array_new (FALSE, TRUE, sizeof (Boot));
  g_array_set_clear_func (boots, boot_clear);
  for (guint i = 0; i < n; i++)
    {
      const ImpsEvent *e = imps_event_log_get (l->log, i);
      boot[i] = 0;
      if (member[i] != 0)
        continue;
      LadderNode *a = g_hash_table_lookup (lay->by_name, event_from (e));
      LadderNode *b = e->to ? g_hash_table_lookup (lay->by_name, e->to) : NULL;
      if (e->kind == IMPS_EVENT_MESSAGE && e->ref == IMPS_REF_UB && a && b)
        {
          gboolean request = b->kind == IMPS_NODE_BSF && a->kind != IMPS_NODE_BSF;
          if (!request && a->kind != IMPS_NODE_BSF)
            continue;
          const gchar *ue = request ? event_from (e) : e->to;
          const gchar *bsf = request ? e->to : event_from (e);
          guint k = 0;
          for (guint j = boots->len; j-- > 0 && k == 0;)
            {
              Boot *o = &g_array_index (boots, Boot, j);
              if (o->open && strcmp (o->ue, ue) == 0 && strcmp (o->bsf, bsf) == 0)
                k = j + 1;
            }
          if (k == 0 && !request)
            continue; /* an answer to no request seen: drawn as it is */
          if (k == 0)
            {
              Boot nb = { ue, bsf, (request ? b : a)->domain, boot_impi (e->summary), i, i,
                          0, 0, 0, 0, NULL, TRUE };
              g_array_append_val (boots, nb);
              k = boots->len;
            }
          Boot *o = &g_array_index (boots, Boot, k - 1);
          o->n_ub++;
          o->last = i;
          boot[i] = k;
          if (!request)
            {
              if (e->summary && g_str_has_prefix (e->summary, "401"))
                o->challenges++;
              else
                {
                  o->answer = sanitize (e->summary ? e->summary : "");
                  o->open = FALSE;
                }
            }
        }
      else if (e->kind == IMPS_EVENT_MESSAGE && e->ref == IMPS_REF_ZH && a)
        {
          guint k = boot_at_domain (boots, a->domain, e);
          if (k)
            {
              Boot *o = &g_array_index (boots, Boot, k - 1);
              o->n_zh++;
              o->last = i;
              boot[i] = k;
            }
        }
      else if (e->kind == IMPS_EVENT_NOTE && e->to == NULL && a)
        {
          guint k = 0;
          if (a->kind == IMPS_NODE_BSF || a->kind == IMPS_NODE_HSS)
            k = boot_at_domain (boots, a->domain, e);
          else if (a->kind == IMPS_NODE_UE && i > 0 && boot[i - 1] != 0
                   && strcmp (g_array_index (boots, Boot, boot[i - 1] - 1).ue, event_from (e)) == 0)
            k = boot[i - 1];
          if (k)
            {
              Boot *o = &g_array_index (boots, Boot, k - 1);
              o->n_notes++;
              o->last = i;
              boot[i] = k;
            }
        }
    }
  return boots;
}

/* The made-up event of bootstrap @k's summary row: from the device to the
 * BSF, at the time of its first event. */
static ImpsEvent *
boot_summary_event (ImpsLadder *l, const Boot *b, guint k)
{
  guint n_messages = b->n_ub + b->n_zh;
  g_autofree gchar *ue = sanitize (b->ue);
  g_autofree gchar *bsf = sanitize (b->bsf);
  ImpsEvent *be = g_new0 (ImpsEvent, 1);
  be->seq = BOOT_ROW_SEQ;
  be->time_us = imps_event_log_get (l->log, b->first)->time_us;
  be->kind = IMPS_EVENT_MESSAGE;
  be->ref = IMPS_REF_UB;
  be->proto = IMPS_PROTO_HTTP;
  be->from = g_strdup (b->ue);
  be->to = g_strdup (b->bsf);
  be->summary = g_strdup_printf ("bootstrap %u: %s -> %s, %s, %u challenge%s, %u message%s "
                                 "(Ub %u, Zh %u)", k, ue, bsf,
                                 b->answer ? b->answer : "no final answer", b->challenges,
                                 b->challenges == 1 ? "" : "s", n_messages,
                                 n_messages == 1 ? "" : "s", b->n_ub, b->n_zh);
  return be;
}

/* ---- one lifeline for the UEs of an operator ---- */

/* More UE devices than this: each operator's UEs share one lifeline. */
#define LADDER_MAX_UE_LIFELINES 8

static void
collapse_ues (Layout *lay)
{
  guint n_ues = 0;
  for (guint i = 0; i < lay->nodes->len; i++)
    n_ues += ((LadderNode *) g_ptr_array_index (lay->nodes, i))->kind == IMPS_NODE_UE;
  if (n_ues <= LADDER_MAX_UE_LIFELINES)
    return;
  lay->hidden = g_ptr_array_new_with_free_func (ladder_node_free);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  g_autoptr (GHashTable) groups = g_hash_table_new (g_str_hash, g_str_equal);
  LadderNode *other = NULL;
  for (guint i = 0; i < lay->nodes->len; i++)
    {
      LadderNode *node = g_ptr_array_index (lay->nodes, i);
      if (node->kind != IMPS_NODE_UE)
        {
          g_ptr_array_add (kept, node);
          continue;
        }
      LadderNode *g = node->domain ? g_hash_table_lookup (groups, node->domain) : other;
      if (g == NULL)
        {
          g = g_new0 (LadderNode, 1);
          g->kind = IMPS_NODE_UE;
          g->domain = g_strdup (node->domain);
          g->name = node->domain ? g_strdup_printf ("UEs of %s", node->domain)
                                 : g_strdup ("other UEs");
          g->first_seen = node->first_seen;
          g_ptr_array_add (kept, g);
          if (node->domain)
            g_hash_table_insert (groups, g->domain, g);
          else
            other = g;
        }
      g->n_members++;
      g_ptr_array_add (lay->hidden, node);
    }
  /* hand the nodes over: kept ones to the new array, members to hidden */
  g_ptr_array_set_free_func (lay->nodes, NULL);
  g_ptr_array_unref (lay->nodes);
  lay->nodes = g_ptr_array_new_with_free_func (ladder_node_free);
  for (guint i = 0; i < kept->len; i++)
    {
      LadderNode *node = g_ptr_array_index (kept, i);
      g_ptr_array_add (lay->nodes, node);
      if (node->n_members > 0)
        g_hash_table_insert (lay->by_name, node->name, node);
    }
  for (guint i = 0; i < lay->hidden->len; i++)
    {
      LadderNode *m = g_ptr_array_index (lay->hidden, i);
      LadderNode *g = m->domain ? g_hash_table_lookup (groups, m->domain) : other;
      g_hash_table_insert (lay->by_name, m->name, g);
    }
}

/* Whether @name is drawn on a shared UE lifeline (its row names it). */
static gboolean
on_shared_lifeline (Layout *lay, const gchar *name)
{
  if (name == NULL || lay->hidden == NULL)
    return FALSE;
  LadderNode *n = g_hash_table_lookup (lay->by_name, name);
  return n != NULL && n->n_members > 0 && strcmp (n->name, name) != 0;
}

static void
layout_build (ImpsLadder *l, Layout *lay)
{
  memset (lay, 0, sizeof *lay);
  lay->nodes = g_ptr_array_new_with_free_func (ladder_node_free);
  lay->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  lay->domains = g_ptr_array_new_with_free_func (g_free);
  lay->rows = g_array_new (FALSE, FALSE, sizeof (Row));
  lay->frame_func = l->frame_func;
  lay->frame_data = l->frame_data;

  for (guint i = 0; i < l->operators->len; i++)
    g_ptr_array_add (lay->domains, g_strdup (g_ptr_array_index (l->operators, i)));
  for (guint i = 0; i < l->declared->len; i++)
    {
      const LadderNode *d = g_ptr_array_index (l->declared, i);
      LadderNode *n = layout_node (lay, d->name);
      n->kind = d->kind;
      g_free (n->domain);
      n->domain = g_strdup (d->domain);
    }

  guint n_events = imps_event_log_len (l->log);
  gboolean have_t0 = FALSE;
  for (guint i = 0; i < n_events; i++)
    {
      const ImpsEvent *e = imps_event_log_get (l->log, i);
      layout_node (lay, event_from (e));
      layout_node (lay, e->to);
      if (!have_t0 || e->time_us < lay->t0)
        lay->t0 = e->time_us;
      have_t0 = TRUE;
    }
  g_autoptr (GPtrArray) media = g_ptr_array_new ();
  for (guint i = 0; i < l->media->len; i++)
    {
      const ImpsLadderMedia *m = g_ptr_array_index (l->media, i);
      layout_node (lay, m->from);
      layout_node (lay, m->to);
      if (!have_t0 || m->first_us < lay->t0)
        lay->t0 = m->first_us;
      have_t0 = TRUE;
      g_ptr_array_add (media, (gpointer) m);
    }
  g_ptr_array_sort (media, media_cmp);

  /* A node with no domain takes the domain of the first peer with one it
   * exchanges messages (or media) with; two passes let a UE inherit through
   * another UE. */
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < n_events; i++)
        {
          const ImpsEvent *e = imps_event_log_get (l->log, i);
          if (e->to == NULL)
            continue;
          LadderNode *a = g_hash_table_lookup (lay->by_name, event_from (e));
          LadderNode *b = g_hash_table_lookup (lay->by_name, e->to);
          if (a->domain == NULL && b->domain != NULL)
            a->domain = g_strdup (b->domain);
          else if (b->domain == NULL && a->domain != NULL)
            b->domain = g_strdup (a->domain);
        }
      for (guint i = 0; i < media->len; i++)
        {
          const ImpsLadderMedia *m = g_ptr_array_index (media, i);
          if (m->from == NULL || m->to == NULL)
            continue;
          LadderNode *a = g_hash_table_lookup (lay->by_name, m->from);
          LadderNode *b = g_hash_table_lookup (lay->by_name, m->to);
          if (a->domain == NULL && b->domain != NULL)
            a->domain = g_strdup (b->domain);
          else if (b->domain == NULL && a->domain != NULL)
            b->domain = g_strdup (a->domain);
        }
    }
  for (guint i = 0; i < lay->nodes->len; i++)
    {
      LadderNode *n = g_ptr_array_index (lay->nodes, i);
      if (n->domain == NULL)
        lay->has_undomained = TRUE;
      else if (!str_in (lay->domains, n->domain, NULL))
        g_ptr_array_add (lay->domains, g_strdup (n->domain));
    }
  /* Declared operators with no node are not drawn. */
  for (guint i = lay->domains->len; i-- > 0;)
    {
      gboolean used = FALSE;
      for (guint j = 0; j < lay->nodes->len && !used; j++)
        used = g_strcmp0 (((LadderNode *) g_ptr_array_index (lay->nodes, j))->domain,
                          g_ptr_array_index (lay->domains, i)) == 0;
      if (!used)
        g_ptr_array_remove_index (lay->domains, i);
    }
  collapse_ues (lay);
  g_ptr_array_sort_with_data (lay->nodes, node_cmp, lay);
  for (guint i = 0; i < lay->nodes->len; i++)
    ((LadderNode *) g_ptr_array_index (lay->nodes, i))->column = i;

  /* Rows: the events in log order, each media band before the first event
   * that comes after its first packet; only those the filters keep. */
  g_autofree gboolean *keep = g_new (gboolean, n_events + 1);
  g_autofree gint64 *span = g_new0 (gint64, 2 * (l->only_calls->len + 1));
  choose_events (l, lay->t0, keep, span);
  lay->filtered = l->only_calls->len > 0 || l->only_refs != 0 || l->only_times->len > 0;

  /* Big runs: one row per call (docs/ladder.md, "Big runs"). A call is
   * shown when the filters keep one of its events. */
  g_autofree guint *member = g_new0 (guint, n_events + 1);
  g_autofree guint *range = NULL;
  guint n_calls = call_membership (l, n_events, member, &range);
  g_autofree gboolean *call_shown = g_new0 (gboolean, n_calls + 1);
  guint n_calls_shown = 0;
  for (guint i = 0; i < n_events; i++)
    if (keep[i] && member[i] && !call_shown[member[i]])
      {
        call_shown[member[i]] = TRUE;
        n_calls_shown++;
      }
  g_autofree guint *boot = g_new0 (guint, n_events + 1);
  g_autoptr (GArray) boots = boot_membership (l, lay, n_events, member, boot);
  g_autofree gboolean *boot_shown = g_new0 (gboolean, boots->len + 1);
  guint n_boots_shown = 0;
  for (guint i = 0; i < n_events; i++)
    if (keep[i] && boot[i] && !boot_shown[boot[i]])
      {
        boot_shown[boot[i]] = TRUE;
        n_boots_shown++;
      }
  lay->summarised = (n_calls_shown > 0 || n_boots_shown > 0)
                    && (l->detail == IMPS_LADDER_SUMMARY
                        || (l->detail == IMPS_LADDER_AUTO
                            && (n_calls_shown > IMPS_LADDER_SUMMARY_CALLS
                                || n_boots_shown > IMPS_LADDER_SUMMARY_CALLS)));
  lay->call_events = g_ptr_array_new_with_free_func (call_event_free);
  g_autofree ImpsEvent **call_row = g_new0 (ImpsEvent *, n_calls + 1);
  g_autofree gboolean *media_used = g_new0 (gboolean, media->len + 1);
  g_autofree ImpsEvent **boot_row = g_new0 (ImpsEvent *, boots->len + 1);
  if (lay->summarised)
    {
      for (guint k = 1; k <= n_calls; k++)
        if (call_shown[k])
          {
            call_row[k] = call_summary_event (l, lay, member, k, range + 3 * (k - 1), media,
                                              media_used);
            g_ptr_array_add (lay->call_events, call_row[k]);
            lay->n_call_rows++;
          }
      for (guint k = 1; k <= boots->len; k++)
        if (boot_shown[k])
          {
            boot_row[k] = boot_summary_event (l, &g_array_index (boots, Boot, k - 1), k);
            g_ptr_array_add (lay->call_events, boot_row[k]);
            lay->n_boot_rows++;
          }
    }

  guint mi = 0;
  for (guint i = 0; i < n_events; i++)
    {
      const ImpsEvent *e = imps_event_log_get (l->log, i);
      while (mi < media->len
             && ((const ImpsLadderMedia *) g_ptr_array_index (media, mi))->first_us < e->time_us)
        {
          gboolean used = media_used[mi];
          const ImpsLadderMedia *m = g_ptr_array_index (media, mi++);
          if (media_kept (l, lay->t0, m, span))
            {
              Row r = { ROW_MEDIA, NULL, m };
              if (!used)
                g_array_append_val (lay->rows, r);
              lay->n_media_shown++;
            }
        }
      if (e->kind == IMPS_EVENT_MESSAGE)
        lay->n_messages++;
      if (!keep[i])
        continue;
      lay->n_events_shown++;
      /* Summarised: a call's messages and notes become its one row;
       * refusals and failures are still drawn, each on its own row. */
      guint k = member[i];
      if (lay->summarised && k && (e->kind == IMPS_EVENT_MESSAGE || e->kind == IMPS_EVENT_NOTE))
        {
          if (call_row[k])
            {
              Row r = { ROW_CALL, call_row[k], NULL };
              g_array_append_val (lay->rows, r);
              call_row[k] = NULL;
            }
          continue;
        }
      guint bk = boot[i];
      if (lay->summarised && bk && (e->kind == IMPS_EVENT_MESSAGE || e->kind == IMPS_EVENT_NOTE))
        {
          if (boot_row[bk])
            {
              Row r = { ROW_CALL, boot_row[bk], NULL };
              g_array_append_val (lay->rows, r);
              boot_row[bk] = NULL;
            }
          continue;
        }
      Row r = { ROW_EVENT, e, NULL };
      g_array_append_val (lay->rows, r);
    }
  while (mi < media->len)
    {
      gboolean used = media_used[mi];
      const ImpsLadderMedia *m = g_ptr_array_index (media, mi++);
      if (media_kept (l, lay->t0, m, span))
        {
          Row r = { ROW_MEDIA, NULL, m };
          if (!used)
            g_array_append_val (lay->rows, r);
          lay->n_media_shown++;
        }
    }
}

static guint
column_of (Layout *lay, const gchar *name)
{
  LadderNode *n = g_hash_table_lookup (lay->by_name, name);
  g_assert (n != NULL);
  return n->column;
}

/* The label of an event's row: imps_ladder_event_label(), then " #N" when
 * the event became frame N of the run's pcap. */
static gchar *
row_label (Layout *lay, const ImpsEvent *e)
{
  if (made_up_name (e) != NULL)
    return g_strdup (e->summary);
  gchar *label = imps_ladder_event_label (e);
  /* A device on its operator's shared UE lifeline is named in the row. */
  gboolean sf = on_shared_lifeline (lay, e->from), st = on_shared_lifeline (lay, e->to);
  if (sf || st)
    {
      g_autofree gchar *f = sf ? sanitize (e->from) : NULL;
      g_autofree gchar *t = st ? sanitize (e->to) : NULL;
      gchar *named = sf && st ? g_strdup_printf ("%s to %s: %s", f, t, label)
                     : sf ? g_strdup_printf ("%s: %s", f, label)
                          : g_strdup_printf ("to %s: %s", t, label);
      g_free (label);
      label = named;
    }
  guint64 frame = lay->frame_func ? lay->frame_func (e->seq, lay->frame_data) : 0;
  if (frame == 0)
    return label;
  gchar *with = g_strdup_printf ("%s #%" G_GUINT64_FORMAT, label, frame);
  g_free (label);
  return with;
}

/* "+12.345" seconds since t0, milliseconds. */
static gchar *
format_rel_time (gint64 t0, gint64 t)
{
  gint64 d = t - t0;
  const gchar *sign = d < 0 ? "-" : "+";
  guint64 a = d < 0 ? (guint64) - (d + 1) + 1 : (guint64) d;
  guint64 ms = a / 1000;
  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%03u", sign, ms / 1000, (guint) (ms % 1000));
}

static gchar *
format_abs_time (gint64 t_us)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t_us / G_USEC_PER_SEC);
  if (dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT " us", t_us);
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static gchar *
counts_text (ImpsLadder *l, Layout *lay)
{
  guint ev = imps_event_log_len (l->log), media = l->media->len;
  g_autofree gchar *all = g_strdup_printf ("%u event%s (%u message%s), %u media stream%s", ev,
                                           ev == 1 ? "" : "s", lay->n_messages,
                                           lay->n_messages == 1 ? "" : "s", media,
                                           media == 1 ? "" : "s");
  if (lay->filtered)
    {
      gchar *f = g_strdup_printf ("%s; the filter shows %u event%s and %u media stream%s", all,
                                  lay->n_events_shown, lay->n_events_shown == 1 ? "" : "s",
                                  lay->n_media_shown, lay->n_media_shown == 1 ? "" : "s");
      g_free (all);
      all = f;
    }
  if (lay->hidden != NULL)
    {
      gchar *f = g_strdup_printf ("%s; the UEs of an operator share one lifeline (%u devices), "
                                  "their rows name the device", all, lay->hidden->len);
      g_free (all);
      all = f;
    }
  if (!lay->summarised)
    return g_steal_pointer (&all);
  if (lay->n_boot_rows == 0)
    return g_strdup_printf ("%s; summarised, one row per call (%u call%s; --full draws every message)",
                            all, lay->n_call_rows, lay->n_call_rows == 1 ? "" : "s");
  if (lay->n_call_rows == 0)
    return g_strdup_printf ("%s; summarised, one row per bootstrap (%u bootstrap%s; --full draws "
                            "every message)", all, lay->n_boot_rows, lay->n_boot_rows == 1 ? "" : "s");
  return g_strdup_printf ("%s; summarised, one row per call and per bootstrap (%u call%s, %u bootstrap%s; "
                          "--full draws every message)", all, lay->n_call_rows,
                          lay->n_call_rows == 1 ? "" : "s", lay->n_boot_rows,
                          lay->n_boot_rows == 1 ? "" : "s");
}

static const gchar *
kind_marker_word (ImpsEventKind k)
{
  return k == IMPS_EVENT_REFUSAL ? "REFUSED" : "FAILED";
}

static gchar *
media_text (Layout *lay, const ImpsLadderMedia *m)
{
  g_autofree gchar *id = sanitize (m->stream_id);
  g_autofree gchar *from_t = format_rel_time (lay->t0, m->first_us);
  g_autofree gchar *to_t = format_rel_time (lay->t0, m->last_us);
  g_autofree gchar *counts = imps_ladder_media_counts (m);
  return g_strdup_printf ("%s %s: %s, %s..%s s", m->srtp ? "SRTP" : "RTP (unprotected)", id,
                          counts, from_t, to_t);
}

/* ---- text ladder ---- */

#define TXT_TIME_W 10       /* at least; wider when times are */
#define TXT_REF_W 6
#define TXT_SUMMARY_MIN 30   /* room the column widths leave for summaries */
#define TXT_SUMMARY_FLOOR 16 /* the least a summary gets when columns are many */
#define TXT_COL_MAX 18
#define TXT_COL_MIN 5

typedef struct {
  Layout *lay;
  guint width;
  guint time_w;         /* time column, with a space after the time */
  guint left;           /* time and reference point columns */
  guint col_w;
  gchar **labels;       /* per column */
  GString *out;
} TextCtx;

static guint
col_x (TextCtx *c, guint col)
{
  return c->left + col * c->col_w;
}

static guint
summary_x (TextCtx *c)
{
  guint n = c->lay->nodes->len;
  return col_x (c, n ? n - 1 : 0) + 3;
}

/* A canvas of lifelines up to (not including) @upto characters. */
static gchar *
lifelines (TextCtx *c, guint upto)
{
  gchar *s = g_malloc (upto + 1);
  memset (s, ' ', upto);
  s[upto] = '\0';
  for (guint i = 0; i < c->lay->nodes->len; i++)
    {
      guint x = col_x (c, i) - c->left;
      if (x < upto)
        s[x] = '|';
    }
  return s;
}

static void
text_prefix (TextCtx *c, const gchar *time, const gchar *ref)
{
  g_string_append_printf (c->out, "%-*s%-*s", c->time_w, time ? time : "", TXT_REF_W,
                          ref ? ref : "");
}

/* Appends @text wrapped to @w characters as continuation lines whose canvas
 * shows the lifelines left of @x. */
static void
text_wrap_lines (TextCtx *c, guint x, const gchar *text)
{
  guint w = c->width > x ? c->width - x : 0;
  if (w < TXT_SUMMARY_FLOOR)
    w = TXT_SUMMARY_FLOOR;
  const gchar *p = text;
  while (*p)
    {
      glong left = g_utf8_strlen (p, -1);
      glong take = MIN (left, (glong) w);
      const gchar *end = g_utf8_offset_to_pointer (p, take);
      if (take < left)
        {
          /* break at the last space in the chunk, if any */
          const gchar *sp = NULL;
          for (const gchar *q = p; q < end; q = g_utf8_next_char (q))
            if (*q == ' ')
              sp = q;
          if (sp && sp > p)
            end = sp;
        }
      text_prefix (c, NULL, NULL);
      g_autofree gchar *canvas = lifelines (c, x - c->left);
      g_string_append (c->out, canvas);
      g_string_append_len (c->out, p, end - p);
      g_string_append_c (c->out, '\n');
      p = end;
      while (*p == ' ')
        p++;
    }
}

/* Appends @text from column @x on the current line and wraps what does
 * not fit onto continuation lines (lifelines left of @x), at spaces when
 * it can: a label is never cut. Ends the line. */
static void
text_append_fit (TextCtx *c, guint x, const gchar *text)
{
  glong room = c->width > x ? (glong) (c->width - x) : 0;
  if (room < TXT_SUMMARY_FLOOR)
    room = TXT_SUMMARY_FLOOR;
  glong len = g_utf8_strlen (text, -1);
  if (len <= room)
    {
      g_string_append (c->out, text);
      g_string_append_c (c->out, '\n');
      return;
    }
  const gchar *end = g_utf8_offset_to_pointer (text, room);
  const gchar *sp = NULL;
  for (const gchar *q = text; q < end; q = g_utf8_next_char (q))
    if (*q == ' ')
      sp = q;
  if (sp && g_utf8_pointer_to_offset (text, sp) > room / 2)
    end = sp;
  g_string_append_len (c->out, text, end - text);
  g_string_append_c (c->out, '\n');
  while (*end == ' ')
    end++;
  if (*end)
    text_wrap_lines (c, x + 2, end);
}

static void
text_event (TextCtx *c, const ImpsEvent *e)
{
  Layout *lay = c->lay;
  g_autofree gchar *time = format_rel_time (lay->t0, e->time_us);
  g_autofree gchar *label = row_label (lay, e);
  g_autofree gchar *detail = e->detail ? sanitize (e->detail) : NULL;
  guint a = column_of (lay, event_from (e));
  gboolean marked = e->kind == IMPS_EVENT_REFUSAL || e->kind == IMPS_EVENT_FAILURE;

  text_prefix (c, time, row_ref_name (e));
  if (e->to == NULL)
    {
      /* Notes, refusals and failures inside a node: under its column. */
      guint x = col_x (c, a);
      g_autofree gchar *canvas = lifelines (c, x - c->left);
      g_string_append (c->out, canvas);
      if (marked)
        {
          g_string_append_printf (c->out, "X %s: ", kind_marker_word (e->kind));
          text_append_fit (c, x + 11, label);
          if (detail)
            text_wrap_lines (c, x + 2, detail);
        }
      else
        {
          g_autofree gchar *t = detail ? g_strdup_printf ("* %s: %s", label, detail)
                                       : g_strdup_printf ("* %s", label);
          text_append_fit (c, x, t);
        }
      return;
    }

  guint b = column_of (lay, e->to);
  guint sx = summary_x (c);
  g_autofree gchar *canvas = lifelines (c, sx - c->left);
  guint xa = col_x (c, a) - c->left, xb = col_x (c, b) - c->left;
  if (a == b)
    {
      canvas[xa] = '@';
    }
  else if (a < b)
    {
      canvas[xa] = '+';
      for (guint x = xa + 1; x < xb; x++)
        canvas[x] = '-';
      canvas[xb - 1] = marked ? 'X' : '>';
    }
  else
    {
      canvas[xa] = '+';
      for (guint x = xb + 1; x < xa; x++)
        canvas[x] = '-';
      canvas[xb + 1] = marked ? 'X' : '<';
    }
  g_string_append (c->out, canvas);
  g_autofree gchar *t = NULL;
  if (marked)
    t = g_strdup_printf ("%s: %s", kind_marker_word (e->kind), label);
  else if (a == b && !on_shared_lifeline (lay, event_from (e)))
    t = g_strdup_printf ("%s (to itself)", label);
  else
    t = g_strdup (label);
  text_append_fit (c, sx, t);
  if (marked && detail)
    text_wrap_lines (c, sx + 2, detail);
}

static void
text_media (TextCtx *c, const ImpsLadderMedia *m)
{
  Layout *lay = c->lay;
  g_autofree gchar *time = format_rel_time (lay->t0, m->first_us);
  text_prefix (c, time, imps_ref_point_name (IMPS_REF_MEDIA));
  guint sx = summary_x (c);
  g_autofree gchar *canvas = lifelines (c, sx - c->left);
  if (m->from && m->to)
    {
      guint a = column_of (lay, m->from), b = column_of (lay, m->to);
      guint xa = col_x (c, a) - c->left, xb = col_x (c, b) - c->left;
      gchar fill = m->srtp ? '=' : '~';
      if (a < b)
        {
          for (guint x = xa; x < xb; x++)
            canvas[x] = fill;
          canvas[xb - 1] = '>';
        }
      else if (a > b)
        {
          for (guint x = xb + 1; x <= xa; x++)
            canvas[x] = fill;
          canvas[xb + 1] = '<';
        }
      else
        {
          /* both ends on one shared UE lifeline */
          canvas[xa] = fill;
          if (c->col_w > 2)
            canvas[xa + 1] = '>';
        }
    }
  g_string_append (c->out, canvas);
  g_autofree gchar *t = media_text (lay, m);
  if (!imps_ladder_media_complete (m))
    {
      g_autofree gchar *t2 = g_strconcat ("! ", t, NULL);
      text_append_fit (c, sx, t2);
    }
  else
    text_append_fit (c, sx, t);
}

/* Column labels: the full name when it fits, else an abbreviation. */
static gboolean
text_labels (TextCtx *c)
{
  Layout *lay = c->lay;
  guint n = lay->nodes->len;
  glong max = (glong) c->col_w - 1;
  gboolean abbreviated = FALSE;
  c->labels = g_new0 (gchar *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      LadderNode *node = g_ptr_array_index (lay->nodes, i);
      g_autofree gchar *full = sanitize (node->name);
      gchar *label = NULL;
      if (g_utf8_strlen (full, -1) <= max)
        label = g_strdup (full);
      else if (node->kind != IMPS_NODE_UE || node->n_members > 0)
        {
          /* "PCSCF2", or when that is too wide "P2": the kind and the
           * operator's place in the drawing (with more than one). */
          guint d = 0;
          if (node->domain)
            str_in (lay->domains, node->domain, &d);
          g_autofree gchar *num = lay->domains->len > 1 ? g_strdup_printf ("%u", d + 1) : g_strdup ("");
          label = g_strconcat (node->n_members > 0 ? "UEs" : kind_abbrev (node->kind), num, NULL);
          if (g_utf8_strlen (label, -1) > max)
            {
              g_free (label);
              label = g_strdup_printf ("%c%s", kind_abbrev (node->kind)[0], num);
            }
        }
      else
        label = g_utf8_substring (full, 0, max);
      gboolean clash = g_utf8_strlen (label, -1) > max;
      for (guint j = 0; j < i && !clash; j++)
        clash = strcmp (c->labels[j], label) == 0;
      if (clash)
        {
          g_free (label);
          label = g_strdup_printf ("N%u", i + 1);
        }
      if (strcmp (label, full) != 0)
        abbreviated = TRUE;
      c->labels[i] = label;
    }
  return abbreviated;
}

gchar *
imps_ladder_render_text (ImpsLadder *ladder, guint width)
{
  g_return_val_if_fail (ladder != NULL, NULL);
  Layout lay;
  layout_build (ladder, &lay);
  TextCtx c = { &lay, width ? MAX (width, IMPS_LADDER_TEXT_MIN_WIDTH) : IMPS_LADDER_TEXT_DEFAULT_WIDTH };
  c.out = g_string_new (NULL);
  guint n = lay.nodes->len;
  c.time_w = TXT_TIME_W;
  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      g_autofree gchar *tt = format_rel_time (lay.t0, row->type != ROW_MEDIA ? row->event->time_us
                                                                             : row->media->first_us);
      c.time_w = MAX (c.time_w, (guint) strlen (tt) + 1);
    }
  c.left = c.time_w + TXT_REF_W;

  /* Column width: the longest name (capped) when everything fits, else
   * what the width leaves after a minimum for the summaries. */
  guint full = 8;
  for (guint i = 0; i < n; i++)
    {
      LadderNode *node = g_ptr_array_index (lay.nodes, i);
      g_autofree gchar *s = sanitize (node->name);
      full = MAX (full, (guint) g_utf8_strlen (s, -1) + 2);
    }
  full = MIN (full, TXT_COL_MAX);
  guint gaps = n > 1 ? n - 1 : 1;
  if (c.left + gaps * full + 3 + TXT_SUMMARY_MIN <= c.width)
    c.col_w = full;
  else
    {
      guint room = c.width > c.left + 3 + TXT_SUMMARY_MIN ? c.width - c.left - 3 - TXT_SUMMARY_MIN : 0;
      c.col_w = MAX (TXT_COL_MIN, room / gaps);
      c.col_w = MIN (c.col_w, full);
    }
  gboolean abbreviated = text_labels (&c);

  g_autofree gchar *t0 = format_abs_time (lay.t0);
  g_autofree gchar *counts = counts_text (ladder, &lay);
  g_string_append_printf (c.out, "ladder: %s; time 0 = %s (virtual clock)\n", counts, t0);

  if (abbreviated)
    {
      GString *line = g_string_new ("nodes:");
      for (guint i = 0; i < n; i++)
        {
          LadderNode *node = g_ptr_array_index (lay.nodes, i);
          g_autofree gchar *full_name = sanitize (node->name);
          if (strcmp (full_name, c.labels[i]) == 0)
            continue;
          g_autofree gchar *item = g_strdup_printf (" %s = %s;", c.labels[i], full_name);
          if (g_utf8_strlen (line->str, -1) > 6 && g_utf8_strlen (line->str, -1) + g_utf8_strlen (item, -1) > (glong) c.width)
            {
              g_string_append (c.out, line->str);
              g_string_append_c (c.out, '\n');
              g_string_assign (line, "      ");
            }
          g_string_append (line, item);
        }
      if (line->len && line->str[line->len - 1] == ';')
        g_string_truncate (line, line->len - 1);
      g_string_append_printf (c.out, "%s\n", line->str);
      g_string_free (line, TRUE);
    }

  /* Operator groups over their columns. */
  if (lay.domains->len > 0 && n > 0)
    {
      GString *g = g_string_new (NULL);
      g_string_append_printf (g, "%*s", c.left, "");
      guint pos = c.left;
      guint i = 0;
      while (i < n)
        {
          LadderNode *first = g_ptr_array_index (lay.nodes, i);
          guint j = i;
          while (j + 1 < n
                 && g_strcmp0 (((LadderNode *) g_ptr_array_index (lay.nodes, j + 1))->domain,
                               first->domain) == 0)
            j++;
          guint start = col_x (&c, i), end = col_x (&c, j) + c.col_w - 2;
          while (pos < start)
            {
              g_string_append_c (g, ' ');
              pos++;
            }
          guint span = end > start ? end - start + 1 : 1;
          g_autofree gchar *dom = sanitize (first->domain ? first->domain : "other");
          g_autofree gchar *name = truncate_chars (dom, span > 4 ? span - 4 : 1);
          GString *box = g_string_new ("[ ");
          g_string_append (box, name);
          g_string_append_c (box, ' ');
          glong used = g_utf8_strlen (box->str, -1);
          for (glong k = used; k < (glong) span - 1; k++)
            g_string_append_c (box, '-');
          g_string_append_c (box, ']');
          g_string_append (g, box->str);
          pos += (guint) g_utf8_strlen (box->str, -1);
          g_string_free (box, TRUE);
          i = j + 1;
        }
      g_string_append_printf (c.out, "%s\n", g->str);
      g_string_free (g, TRUE);
    }

  /* Column heads. */
  g_string_append_printf (c.out, "%-*s%-*s", c.time_w, "time", TXT_REF_W, "ref");
  for (guint i = 0; i < n; i++)
    {
      if (i + 1 < n)
        {
          glong len = g_utf8_strlen (c.labels[i], -1);
          g_string_append (c.out, c.labels[i]);
          for (glong k = len; k < (glong) c.col_w; k++)
            g_string_append_c (c.out, ' ');
        }
      else
        g_string_append (c.out, c.labels[i]);
    }
  g_string_append_c (c.out, '\n');

  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      if (row->type != ROW_MEDIA)
        text_event (&c, row->event);
      else
        text_media (&c, row->media);
    }

  g_strfreev (c.labels);
  layout_clear (&lay);
  return g_string_free (c.out, FALSE);
}

/* ---- SVG ladder ---- */

/* Colours from the Okabe-Ito palette, which viewers with the common
 * colour-vision deficiencies tell apart; every arrow also carries its
 * reference point's name in a badge, so colour is never the only cue.
 * @ink: the badge's text colour, for contrast. */
static const struct {
  ImpsRefPoint ref;
  const gchar *colour;
  const gchar *ink;
  const gchar *what;
} ref_style[] = {
  { IMPS_REF_UB, "#0072B2", "#ffffff", "UE \u2013 BSF, HTTP (GBA bootstrap)" },
  { IMPS_REF_ZH, "#332288", "#ffffff", "BSF \u2013 HSS, Diameter" },
  { IMPS_REF_ZN, "#CC79A7", "#000000", "KMS \u2013 BSF, Diameter" },
  { IMPS_REF_UA, "#009E73", "#ffffff", "UE \u2013 KMS, HTTP (MIKEY-TICKET)" },
  { IMPS_REF_ZK, "#000000", "#ffffff", "KMS \u2013 KMS, HTTPS" },
  { IMPS_REF_GM, "#E69F00", "#000000", "UE \u2013 P-CSCF, SIP" },
  { IMPS_REF_MW, "#56B4E9", "#000000", "CSCF \u2013 CSCF, SIP" },
  { IMPS_REF_MEDIA, "#117733", "#ffffff", "RTP / SRTP / SRTCP" },
  { IMPS_REF_NONE, "#555555", "#ffffff", "inside a node (grey dot, italic text)" },
};

static guint
ref_index (ImpsRefPoint ref)
{
  for (guint i = 0; i < G_N_ELEMENTS (ref_style); i++)
    if (ref_style[i].ref == ref)
      return i;
  return G_N_ELEMENTS (ref_style) - 1;
}

static const gchar *
ref_colour (ImpsRefPoint ref)
{
  return ref_style[ref_index (ref)].colour;
}

#define SVG_LEFT 110
#define SVG_RIGHT 300
#define SVG_TOP_TITLE 24
#define SVG_NODE_H 38
#define SVG_GROUP_H 26
#define SVG_ROW_MSG 30
#define SVG_ROW_NOTE 24
#define SVG_ROW_MARK 40
#define SVG_ROW_MEDIA 40
#define SVG_LINE 14          /* one more line of a wrapped label */
#define SVG_CHAR_W 6.8       /* 12 px text */
#define SVG_SMALL_CHAR_W 6.1 /* 11 px text */
#define SVG_SCREEN 800       /* node headers again after this much of rows */
#define SVG_REPEAT_H 34
#define SVG_RED "#dc2626"

static void
svg_text (GString *s, const gchar *text)
{
  g_autofree gchar *clean = sanitize (text);
  g_autofree gchar *esc = g_markup_escape_text (clean, -1);
  g_string_append (s, esc);
}

/* Tooltips keep their line breaks. */
static void
svg_title (GString *s, const gchar *text)
{
  g_autofree gchar *clean = sanitize_full (text, TRUE);
  g_autofree gchar *esc = g_markup_escape_text (clean, -1);
  g_string_append (s, "<title>");
  g_string_append (s, esc);
  g_string_append (s, "</title>");
}

/* @text (sanitized here) in lines of at most @max chars, broken at spaces
 * where possible, never cut: a new array of strings. */
static GPtrArray *
wrap_text (const gchar *text, glong max)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *clean = sanitize (text);
  if (max < 8)
    max = 8;
  const gchar *p = clean;
  while (*p)
    {
      glong left = g_utf8_strlen (p, -1);
      if (left <= max)
        {
          g_ptr_array_add (lines, g_strdup (p));
          break;
        }
      const gchar *end = g_utf8_offset_to_pointer (p, max);
      const gchar *sp = NULL;
      for (const gchar *q = p; q < end; q = g_utf8_next_char (q))
        if (*q == ' ')
          sp = q;
      if (sp && g_utf8_pointer_to_offset (p, sp) > max / 3)
        end = sp;
      g_ptr_array_add (lines, g_strndup (p, (gsize) (end - p)));
      p = end;
      while (*p == ' ')
        p++;
    }
  if (lines->len == 0)
    g_ptr_array_add (lines, g_strdup (""));
  return lines;
}

/* Lines at (x, y), (x, y + @step), ..., drawn with a white halo to stay
 * readable over lifelines. */
static void
svg_lines (GString *s, double x, double y, double step, GPtrArray *lines, const gchar *attrs)
{
  g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\" style=\"paint-order:stroke;stroke:#ffffff;"
                          "stroke-width:3px;stroke-linejoin:round\" %s>", x, y, attrs ? attrs : "");
  for (guint i = 0; i < lines->len; i++)
    {
      g_autofree gchar *esc = g_markup_escape_text (g_ptr_array_index (lines, i), -1);
      if (lines->len == 1)
        g_string_append (s, esc);
      else
        g_string_append_printf (s, "<tspan x=\"%.1f\" y=\"%.1f\">%s</tspan>", x, y + i * step, esc);
    }
  g_string_append (s, "</text>");
}

/* One line, for short texts that are known to fit. */
static void
svg_label (GString *s, double x, double y, const gchar *text, const gchar *attrs)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (one, sanitize (text));
  svg_lines (s, x, y, 0, one, attrs);
}

/* The reference point's badge with its left edge at @x, baseline @y;
 * returns its width. */
static double
svg_badge_named (GString *s, double x, double y, ImpsRefPoint ref, const gchar *name)
{
  double w = strlen (name) * 6.4 + 8;
  guint i = ref_index (ref);
  g_string_append_printf (s, "<rect class=\"ref-badge\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" "
                          "rx=\"3\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                          "font-weight=\"bold\" fill=\"%s\">%s</text>",
                          x, y - 11, w, ref_style[i].colour, x + 4, y, ref_style[i].ink, name);
  return w + 4;
}

static double
svg_badge (GString *s, double x, double y, ImpsRefPoint ref)
{
  return svg_badge_named (s, x, y, ref, ref == IMPS_REF_NONE ? "note" : imps_ref_point_name (ref));
}

static double
svg_col_w (Layout *lay)
{
  return lay->nodes->len > 10 ? 100.0 : lay->nodes->len > 6 ? 116.0 : 140.0;
}

static double
svg_col_x (Layout *lay, guint col)
{
  return SVG_LEFT + svg_col_w (lay) / 2 + col * svg_col_w (lay);
}

static void
svg_cross (GString *s, double x, double y)
{
  g_string_append_printf (s, "<path d=\"M%.1f %.1fl12 12m0 -12l-12 12\" stroke=\"" SVG_RED
                          "\" stroke-width=\"3\" fill=\"none\"/>", x - 6, y - 6);
}

static void
svg_arrowhead (GString *s, double x, double y, int dir, const gchar *colour)
{
  /* tip at (x, y), pointing right (dir 1) or left (-1) */
  g_string_append_printf (s, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fz\" fill=\"%s\"/>",
                          x, y, x - dir * 9.0, y - 4.5, x - dir * 9.0, y + 4.5, colour);
}

/* A node's name in its header box: one line when it fits, else split
 * after its first dot ("pcscf." / "home1.net"), else wrapped. */
static GPtrArray *
node_name_lines (const gchar *name, glong max)
{
  g_autofree gchar *clean = sanitize (name);
  if (g_utf8_strlen (clean, -1) <= max)
    {
      GPtrArray *one = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (one, g_strdup (clean));
      return one;
    }
  const gchar *dot = strchr (clean, '.');
  if (dot && g_utf8_strlen (clean, dot - clean + 1) <= max && g_utf8_strlen (dot + 1, -1) <= max)
    {
      GPtrArray *two = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (two, g_strndup (clean, (gsize) (dot - clean + 1)));
      g_ptr_array_add (two, g_strdup (dot + 1));
      return two;
    }
  return wrap_text (clean, max);
}

/* The node header boxes at @y (top), as at the top of the diagram or
 * repeated (@klass "node" or "node-repeat"). */
static void
svg_node_headers (GString *s, Layout *lay, double y, double h, const gchar *klass)
{
  double col_w = svg_col_w (lay);
  for (guint i = 0; i < lay->nodes->len; i++)
    {
      LadderNode *node = g_ptr_array_index (lay->nodes, i);
      double x = svg_col_x (lay, i);
      g_autofree gchar *tip = g_strdup_printf ("%s (%s%s%s)", node->name,
                                               imps_node_kind_name (node->kind),
                                               node->domain ? ", " : "",
                                               node->domain ? node->domain : "");
      g_autofree gchar *kind_line = node->n_members > 0
                                      ? g_strdup_printf ("%u UE devices", node->n_members)
                                      : g_strdup (imps_node_kind_name (node->kind));
      if (node->n_members > 0)
        {
          /* the devices, in the tooltip */
          GString *t = g_string_new (tip);
          g_string_append_printf (t, ": %u devices:", node->n_members);
          guint listed = 0;
          for (guint j = 0; j < lay->hidden->len && listed < 40; j++)
            {
              LadderNode *m = g_ptr_array_index (lay->hidden, j);
              if (g_hash_table_lookup (lay->by_name, m->name) == node)
                {
                  g_string_append_printf (t, " %s", m->name);
                  listed++;
                }
            }
          if (listed < node->n_members)
            g_string_append_printf (t, " and %u more", node->n_members - listed);
          g_free (tip);
          tip = g_string_free (t, FALSE);
        }
      g_string_append_printf (s, "<g class=\"%s\">", klass);
      svg_title (s, tip);
      g_string_append_printf (s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"5\" "
                              "fill=\"%s\" stroke=\"#334155\"/>", x - col_w / 2 + 6, y, col_w - 12, h,
                              node->kind == IMPS_NODE_UE ? "#fef9c3" : "#ffffff");
      glong max = (glong) ((col_w - 16) / 6.0);
      g_autoptr (GPtrArray) lines = node_name_lines (node->name, max);
      gboolean tall = h >= SVG_NODE_H;
      if (tall)
        g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\" "
                                "fill=\"#475569\">%s</text>", x, y + 10, kind_line);
      while (lines->len > 2)
        g_ptr_array_remove_index (lines, lines->len - 1); /* the tooltip has it all */
      double ty = tall ? y + (lines->len == 1 ? 26 : 21) : y + (lines->len == 1 ? 20 : 14);
      svg_lines (s, x, ty, 11, lines, "text-anchor=\"middle\" font-weight=\"bold\" font-size=\"10\"");
      g_string_append (s, "</g>\n");
    }
}

typedef struct {
  double top, h;
  double repeat_y;          /* > 0: node headers drawn at this y before the row */
  GPtrArray *lines;         /* label lines (arrow, note, media, marker head) */
  GPtrArray *detail_lines;  /* refusal or failure reason */
} SvgRow;

static void
svg_row_clear (gpointer p)
{
  SvgRow *r = p;
  if (r->lines)
    g_ptr_array_unref (r->lines);
  if (r->detail_lines)
    g_ptr_array_unref (r->detail_lines);
}

gchar *
imps_ladder_render_svg (ImpsLadder *ladder)
{
  g_return_val_if_fail (ladder != NULL, NULL);
  Layout lay;
  layout_build (ladder, &lay);
  guint n = lay.nodes->len;
  double col_w = svg_col_w (&lay);
  double width = MAX (SVG_LEFT + MAX (n, 1) * col_w + SVG_RIGHT, 900.0);
  double right_edge = width - 16;

  /* The title, wrapped (never cut) to the width. */
  g_autofree gchar *title_t0 = format_abs_time (lay.t0);
  g_autofree gchar *title_counts = counts_text (ladder, &lay);
  g_autofree gchar *title = g_strdup_printf ("impsim ladder \u2014 %s; time 0 = %s (virtual clock)",
                                             title_counts, title_t0);
  g_autoptr (GPtrArray) title_lines = wrap_text (title, (glong) ((width - 32) / 7.8));

  /* The legend at the top: entries in as many columns as fit. */
  guint legend_cols = (guint) MAX (1.0, (width - 32) / 290);
  guint legend_rows = (G_N_ELEMENTS (ref_style) + legend_cols - 1) / legend_cols;
  double legend_y = SVG_TOP_TITLE + 26 + (title_lines->len - 1) * 18.0;
  double markers_y = legend_y + 20 + legend_rows * 20 + 6;
  double group_y = markers_y + 24 + (lay.summarised ? 20 : 0);
  double node_y = group_y + SVG_GROUP_H;
  double rows_y = node_y + SVG_NODE_H + 20;

  /* Rows: their text, wrapped to the room right of where it starts, and
   * from that their height; node headers again every screenful. */
  g_autoptr (GArray) rows = g_array_sized_new (FALSE, TRUE, sizeof (SvgRow), lay.rows->len);
  g_array_set_clear_func (rows, svg_row_clear);
  double y = rows_y, since_header = 0;
  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      SvgRow sr = { 0 };
      if (since_header > SVG_SCREEN)
        {
          sr.repeat_y = y;
          y += SVG_REPEAT_H + 8;
          since_header = 0;
        }
      if (row->type == ROW_MEDIA)
        {
          const ImpsLadderMedia *m = row->media;
          double xa = m->from ? svg_col_x (&lay, column_of (&lay, m->from)) : svg_col_x (&lay, 0);
          double xb = m->to ? svg_col_x (&lay, column_of (&lay, m->to)) : xa;
          double x0 = MIN (xa, xb) - (fabs (xa - xb) < 20 ? 20 : 0);
          g_autofree gchar *text = media_text (&lay, m);
          sr.lines = wrap_text (text, (glong) ((right_edge - x0 - 8 - 56) / SVG_CHAR_W));
          sr.h = SVG_ROW_MEDIA + (sr.lines->len - 1) * SVG_LINE;
        }
      else
        {
          const ImpsEvent *e = row->event;
          g_autofree gchar *label = row_label (&lay, e);
          gboolean marked = e->kind == IMPS_EVENT_REFUSAL || e->kind == IMPS_EVENT_FAILURE;
          double xa = svg_col_x (&lay, column_of (&lay, event_from (e)));
          if (e->to == NULL && marked)
            {
              g_autofree gchar *head = g_strdup_printf ("%s: %s", kind_marker_word (e->kind), label);
              sr.lines = wrap_text (head, (glong) ((right_edge - xa - 14) / SVG_CHAR_W));
              if (e->detail)
                sr.detail_lines = wrap_text (e->detail, (glong) ((right_edge - xa - 14) / SVG_SMALL_CHAR_W));
              sr.h = SVG_ROW_MARK + (sr.lines->len - 1) * SVG_LINE
                     + (sr.detail_lines ? (sr.detail_lines->len - 1) * 13.0 : -14.0);
            }
          else if (e->to == NULL)
            {
              g_autofree gchar *t = e->detail ? g_strdup_printf ("%s: %s", label, e->detail)
                                              : g_strdup (label);
              sr.lines = wrap_text (t, (glong) ((right_edge - xa - 46) / SVG_SMALL_CHAR_W));
              sr.h = SVG_ROW_NOTE + (sr.lines->len - 1) * 13.0;
            }
          else
            {
              double xb = svg_col_x (&lay, column_of (&lay, e->to));
              double lx = xa == xb ? xa + 32 : MIN (xa, xb) + 8;
              g_autofree gchar *shown = marked ? g_strdup_printf ("%s: %s", kind_marker_word (e->kind), label)
                                               : g_strdup (label);
              glong chars = (glong) ((right_edge - lx - 30) / SVG_CHAR_W);
              sr.lines = wrap_text (shown, MIN (chars, 100));
              sr.h = SVG_ROW_MSG + (sr.lines->len - 1) * SVG_LINE;
            }
        }
      sr.top = y;
      y += sr.h;
      since_header += sr.h;
      g_array_append_val (rows, sr);
    }
  double rows_end = y + 10;
  double height = rows_end + 20;

  GString *s = g_string_sized_new (4096 + lay.rows->len * 600);
  /* No fixed size: the viewBox scales to the window's width (98 % of it,
   * leaving room for a scroll bar), and the height follows the aspect
   * ratio, so a browser scrolls down a page as wide as its window. */
  g_string_append_printf (s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"98vw\" height=\"%.2fvw\" "
                          "viewBox=\"0 0 %.0f %.0f\" preserveAspectRatio=\"xMidYMin meet\" "
                          "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
                          98.0 * height / width, width, height);
  g_string_append (s, "<title>impsim ladder</title>\n");
  g_string_append_printf (s, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
                          width, height);

  /* Title lines. */
  svg_lines (s, 16, SVG_TOP_TITLE, 18, title_lines,
             "font-size=\"14\" font-weight=\"bold\" fill=\"#111111\"");
  g_string_append_c (s, '\n');

  /* Legend: a badge and a line per reference point, then the markers. */
  g_string_append_printf (s, "<g class=\"legend\"><text x=\"16\" y=\"%.1f\" font-weight=\"bold\">"
                          "Reference points (the badge and colour of each arrow)</text>\n", legend_y);
  const double legend_col_w = (width - 32) / legend_cols;
  for (guint i = 0; i < G_N_ELEMENTS (ref_style); i++)
    {
      double lx = 16 + (i % legend_cols) * legend_col_w;
      double yy = legend_y + 20 + (i / legend_cols) * 20;
      g_string_append_printf (s, "<g class=\"legend-entry\" data-ref=\"%s\">",
                              imps_ref_point_name (ref_style[i].ref));
      double bw = svg_badge (s, lx, yy, ref_style[i].ref);
      if (ref_style[i].ref == IMPS_REF_NONE)
        g_string_append_printf (s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#64748b\"/>",
                                lx + bw + 10, yy - 4);
      else
        g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "stroke=\"%s\" stroke-width=\"3\"/>",
                                lx + bw, yy - 4, lx + bw + 24, yy - 4, ref_style[i].colour);
      g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\">", lx + bw + 30, yy);
      svg_text (s, ref_style[i].what);
      g_string_append (s, "</text></g>\n");
    }
  {
    double lx = 16, ly = markers_y;
    /* a summarised ladder has a second line: the call and bootstrap rows' badges */
    double mw = MAX (300.0, (width - 32) / 3);
    g_string_append (s, "<g class=\"legend-entry\" data-marker=\"refusal\">");
    svg_cross (s, lx + 8, ly - 4);
    g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\">refusal or failure (the reason under "
                            "it)</text></g>\n", lx + 24, ly);
    lx += mw;
    g_string_append_printf (s, "<g class=\"legend-entry\" data-marker=\"srtp\"><rect x=\"%.1f\" y=\"%.1f\" "
                            "width=\"28\" height=\"14\" rx=\"3\" fill=\"#bbf7d0\" stroke=\"#117733\"/>"
                            "<text x=\"%.1f\" y=\"%.1f\">SRTP media stream (packets sent/received)</text></g>\n",
                            lx, ly - 11, lx + 36, ly);
    lx += mw;
    g_string_append_printf (s, "<g class=\"legend-entry\" data-marker=\"rtp\"><rect x=\"%.1f\" y=\"%.1f\" "
                            "width=\"28\" height=\"14\" rx=\"3\" fill=\"#fed7aa\" stroke=\"#D55E00\" "
                            "stroke-dasharray=\"6 3\"/><text x=\"%.1f\" y=\"%.1f\">plain RTP media "
                            "stream (unprotected)</text></g>\n",
                            lx, ly - 11, lx + 36, ly);
    lx = 16 - mw;
    ly += 20;
    if (lay.n_call_rows > 0)
      {
        lx += mw;
        g_string_append (s, "<g class=\"legend-entry\" data-marker=\"call\">");
        double bw = svg_badge_named (s, lx, ly, IMPS_REF_GM, "call");
        g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\">one call on one row (caller to "
                                "answering device)</text></g>\n", lx + bw + 4, ly);
      }
    if (lay.n_boot_rows > 0)
      {
        lx += mw;
        g_string_append (s, "<g class=\"legend-entry\" data-marker=\"boot\">");
        double bw = svg_badge_named (s, lx, ly, IMPS_REF_UB, "boot");
        g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\">one GBA bootstrap on one row (its "
                                "Ub and Zh)</text></g>\n", lx + bw + 4, ly);
      }
  }
  g_string_append (s, "</g>\n");

  /* Operator groups. */
  for (guint i = 0; i < n;)
    {
      LadderNode *first = g_ptr_array_index (lay.nodes, i);
      guint j = i;
      while (j + 1 < n && g_strcmp0 (((LadderNode *) g_ptr_array_index (lay.nodes, j + 1))->domain,
                                     first->domain) == 0)
        j++;
      double x0 = SVG_LEFT + i * col_w + 2, x1 = SVG_LEFT + (j + 1) * col_w - 2;
      const gchar *dom = first->domain ? first->domain : "other nodes";
      g_string_append (s, "<g class=\"operator\">");
      svg_title (s, dom);
      g_string_append_printf (s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" "
                              "fill=\"#eef2f7\" stroke=\"#94a3b8\"/>",
                              x0, group_y, x1 - x0, node_y + SVG_NODE_H + 6 - group_y);
      svg_label (s, (x0 + x1) / 2, group_y + 17, dom,
                 "text-anchor=\"middle\" font-weight=\"bold\" fill=\"#334155\"");
      g_string_append (s, "</g>\n");
      i = j + 1;
    }

  /* Lifelines, then the node headers over them. */
  for (guint i = 0; i < n; i++)
    {
      double x = svg_col_x (&lay, i);
      g_string_append_printf (s, "<line class=\"lifeline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "stroke=\"#94a3b8\" stroke-dasharray=\"4 4\"/>\n",
                              x, node_y + SVG_NODE_H, x, rows_end);
    }
  svg_node_headers (s, &lay, node_y, SVG_NODE_H, "node");

  /* Time axis. */
  double axis_x = SVG_LEFT - 14;
  g_string_append_printf (s, "<g class=\"time-axis\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"#334155\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                          "font-size=\"11\" fill=\"#334155\">virtual time (s)</text>",
                          axis_x, rows_y - 6, axis_x, rows_end, axis_x + 4, rows_y - 10);
  gchar *prev_time = NULL;
  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      const SvgRow *sr = &g_array_index (rows, SvgRow, r);
      double ty = sr->top + 15;
      gint64 t = row->type != ROW_MEDIA ? row->event->time_us : row->media->first_us;
      gchar *tt = format_rel_time (lay.t0, t);
      g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#334155\"/>",
                              axis_x - 4, ty, axis_x, ty);
      if (prev_time == NULL || strcmp (prev_time, tt) != 0 || sr->repeat_y > 0)
        g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" "
                                "fill=\"#334155\">%s</text>", axis_x - 7, ty + 4, tt);
      g_free (prev_time);
      prev_time = tt;
    }
  g_free (prev_time);
  g_string_append (s, "</g>\n");

  /* Rows. */
  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      const SvgRow *sr = &g_array_index (rows, SvgRow, r);
      if (sr->repeat_y > 0)
        svg_node_headers (s, &lay, sr->repeat_y, SVG_REPEAT_H, "node-repeat");
      double top = sr->top;
      if (row->type == ROW_MEDIA)
        {
          const ImpsLadderMedia *m = row->media;
          const gchar *stroke = m->srtp ? "#117733" : "#D55E00";
          const gchar *fill = m->srtp ? "#bbf7d0" : "#fed7aa";
          double xa = m->from ? svg_col_x (&lay, column_of (&lay, m->from)) : svg_col_x (&lay, 0);
          double xb = m->to ? svg_col_x (&lay, column_of (&lay, m->to)) : xa;
          double x0 = MIN (xa, xb), x1 = MAX (xa, xb);
          if (x1 - x0 < 20)
            {
              x0 -= 20;
              x1 += 20;
            }
          double by = top + sr->h - 22;
          g_autofree gchar *text = media_text (&lay, m);
          g_autofree gchar *tip = g_strdup_printf ("%s\nfrom %s to %s", text, m->from ? m->from : "?",
                                                   m->to ? m->to : "?");
          g_string_append_printf (s, "<g class=\"media\" data-srtp=\"%s\">",
                                  m->srtp ? "yes" : "no");
          svg_title (s, tip);
          /* A thick bar from sender to receiver with the arrowhead at the
           * receiver, the counts above it like an arrow's label. */
          g_string_append_printf (s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" rx=\"3\" "
                                  "fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"%s/>",
                                  x0, by, x1 - x0, fill, stroke,
                                  m->srtp ? "" : " stroke-dasharray=\"6 3\"");
          if (xa != xb)
            {
              int dir = xb > xa ? 1 : -1;
              g_string_append_printf (s, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fz\" fill=\"%s\"/>",
                                      xb + dir * 4.0, by + 6, xb - dir * 10.0, by - 3,
                                      xb - dir * 10.0, by + 15, stroke);
            }
          double bw = svg_badge (s, x0 + 8, top + 14, IMPS_REF_MEDIA);
          g_autofree gchar *attrs = g_strdup_printf ("font-weight=\"bold\" fill=\"%s\"",
                                                     !imps_ladder_media_complete (m) ? SVG_RED
                                                                                    : "#14532d");
          svg_lines (s, x0 + 8 + bw, top + 14, SVG_LINE, sr->lines, attrs);
          g_string_append (s, "</g>\n");
          continue;
        }

      const ImpsEvent *e = row->event;
      g_autofree gchar *label = row_label (&lay, e);
      gboolean marked = e->kind == IMPS_EVENT_REFUSAL || e->kind == IMPS_EVENT_FAILURE;
      guint a = column_of (&lay, event_from (e));
      double xa = svg_col_x (&lay, a);
      const gchar *colour = ref_colour (e->ref);

      if (e->to == NULL)
        {
          if (marked)
            {
              g_autofree gchar *head = g_strdup_printf ("%s: %s", kind_marker_word (e->kind), label);
              g_autofree gchar *tip = e->detail ? g_strdup_printf ("%s\n%s", head, e->detail)
                                                : g_strdup (head);
              g_string_append_printf (s, "<g class=\"%s\" data-seq=\"%" G_GUINT64_FORMAT "\">",
                                      e->kind == IMPS_EVENT_REFUSAL ? "refusal" : "failure", e->seq);
              svg_title (s, tip);
              svg_cross (s, xa, top + 11);
              svg_lines (s, xa + 12, top + 15, SVG_LINE, sr->lines,
                         "font-weight=\"bold\" fill=\"" SVG_RED "\"");
              if (sr->detail_lines)
                svg_lines (s, xa + 12, top + 15 + sr->lines->len * SVG_LINE, 13, sr->detail_lines,
                           "font-size=\"11\" fill=\"" SVG_RED "\"");
              g_string_append (s, "</g>\n");
            }
          else
            {
              g_autofree gchar *tip = e->detail ? g_strdup_printf ("%s: %s", label, e->detail)
                                                : g_strdup (label);
              g_string_append_printf (s, "<g class=\"note\" data-seq=\"%" G_GUINT64_FORMAT "\">", e->seq);
              svg_title (s, tip);
              g_string_append_printf (s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#64748b\"/>",
                                      xa, top + 12);
              double bw = svg_badge (s, xa + 9, top + 16, IMPS_REF_NONE);
              svg_lines (s, xa + 9 + bw, top + 16, 13, sr->lines,
                         "font-size=\"11\" font-style=\"italic\" fill=\"#334155\"");
              g_string_append (s, "</g>\n");
            }
          continue;
        }

      guint b = column_of (&lay, e->to);
      double xb = svg_col_x (&lay, b);
      const gchar *klass = e->kind == IMPS_EVENT_MESSAGE ? "arrow"
                           : e->kind == IMPS_EVENT_REFUSAL ? "arrow refused"
                           : e->kind == IMPS_EVENT_FAILURE ? "arrow failed" : "arrow note";
      g_autofree gchar *shown = marked ? g_strdup_printf ("%s: %s", kind_marker_word (e->kind), label)
                                       : g_strdup (label);
      const gchar *ref_name = row_ref_name (e);
      g_autofree gchar *tip = g_strdup_printf ("%s %s \u2192 %s: %s%s%s", ref_name,
                                               event_from (e), e->to, shown, e->detail ? "\n" : "",
                                               e->detail ? e->detail : "");
      if (made_up_name (e) != NULL)
        g_string_append_printf (s, "<g class=\"%s\" data-ref=\"%s\">", ref_name, ref_name);
      else
        g_string_append_printf (s, "<g class=\"%s\" data-seq=\"%" G_GUINT64_FORMAT "\" data-ref=\"%s\">",
                                klass, e->seq, imps_ref_point_name (e->ref));
      svg_title (s, tip);
      double ay = top + sr->h - 11;
      double lx;
      if (a == b)
        {
          g_string_append_printf (s, "<path d=\"M%.1f %.1fh26v12h-17\" fill=\"none\" stroke=\"%s\" "
                                  "stroke-width=\"1.6\"/>", xa, ay - 12, colour);
          svg_arrowhead (s, xa, ay, -1, colour);
          lx = xa + 32;
        }
      else
        {
          int dir = xb > xa ? 1 : -1;
          g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                                  "stroke-width=\"2\"%s/>", xa, ay, xb - dir * 8.0, ay, colour,
                                  e->kind == IMPS_EVENT_MESSAGE ? "" : " stroke-dasharray=\"5 3\"");
          svg_arrowhead (s, xb, ay, dir, colour);
          lx = MIN (xa, xb) + 8;
        }
      if (marked)
        svg_cross (s, xb, ay);
      double bw = svg_badge_named (s, lx, top + 13, e->ref, ref_name);
      g_autofree gchar *attrs = g_strdup_printf ("fill=\"%s\"%s", marked ? SVG_RED : "#111111",
                                                 marked ? " font-weight=\"bold\"" : "");
      svg_lines (s, lx + bw, top + 13, SVG_LINE, sr->lines, attrs);
      g_string_append (s, "</g>\n");
    }
  g_string_append (s, "</svg>\n");

  layout_clear (&lay);
  return g_string_free (s, FALSE);
}

gboolean
imps_ladder_write_svg (ImpsLadder *ladder, const gchar *path, GError **error)
{
  g_return_val_if_fail (ladder != NULL && path != NULL, FALSE);
  g_autofree gchar *svg = imps_ladder_render_svg (ladder);
  return imps_file_set_contents_private (path, svg, -1, error);
}
