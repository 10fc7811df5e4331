/* Ladder views of a run: text and SVG. See imps-ladder.h and docs/ladder.md. */
#include "imps-ladder.h"
#include "imps-files.h"

#include "mikey/imps-mikey-types.h"

#include <string.h>

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

/* ---- the ladder ---- */

typedef struct {
  gchar *name;          /* as in the log */
  ImpsNodeKind kind;
  gchar *domain;        /* NULL: not known yet */
  guint first_seen;     /* order of first appearance (declared nodes first) */
  guint column;
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
  return l;
}

void
imps_ladder_free (ImpsLadder *ladder)
{
  if (ladder == NULL)
    return;
  g_ptr_array_unref (ladder->operators);
  g_ptr_array_unref (ladder->declared);
  g_ptr_array_unref (ladder->media);
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
} RowType;

typedef struct {
  RowType type;
  const ImpsEvent *event;
  const ImpsLadderMedia *media;
} Row;

typedef struct {
  GPtrArray *nodes;        /* LadderNode *, owned, in column order */
  GHashTable *by_name;     /* name -> LadderNode * */
  GPtrArray *domains;      /* gchar *, owned; a group with no domain is drawn last */
  gboolean has_undomained;
  GArray *rows;            /* Row */
  gint64 t0;
  guint n_messages;
} Layout;

static void
layout_clear (Layout *lay)
{
  g_clear_pointer (&lay->by_name, g_hash_table_unref);
  g_clear_pointer (&lay->nodes, g_ptr_array_unref);
  g_clear_pointer (&lay->domains, g_ptr_array_unref);
  g_clear_pointer (&lay->rows, g_array_unref);
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

static void
layout_build (ImpsLadder *l, Layout *lay)
{
  memset (lay, 0, sizeof *lay);
  lay->nodes = g_ptr_array_new_with_free_func (ladder_node_free);
  lay->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  lay->domains = g_ptr_array_new_with_free_func (g_free);
  lay->rows = g_array_new (FALSE, FALSE, sizeof (Row));

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
  g_ptr_array_sort_with_data (lay->nodes, node_cmp, lay);
  for (guint i = 0; i < lay->nodes->len; i++)
    ((LadderNode *) g_ptr_array_index (lay->nodes, i))->column = i;

  /* Rows: the events in log order, each media band before the first event
   * that comes after its first packet. */
  guint mi = 0;
  for (guint i = 0; i < n_events; i++)
    {
      const ImpsEvent *e = imps_event_log_get (l->log, i);
      while (mi < media->len
             && ((const ImpsLadderMedia *) g_ptr_array_index (media, mi))->first_us < e->time_us)
        {
          Row r = { ROW_MEDIA, NULL, g_ptr_array_index (media, mi++) };
          g_array_append_val (lay->rows, r);
        }
      Row r = { ROW_EVENT, e, NULL };
      g_array_append_val (lay->rows, r);
      if (e->kind == IMPS_EVENT_MESSAGE)
        lay->n_messages++;
    }
  while (mi < media->len)
    {
      Row r = { ROW_MEDIA, NULL, g_ptr_array_index (media, mi++) };
      g_array_append_val (lay->rows, r);
    }
}

static guint
column_of (Layout *lay, const gchar *name)
{
  LadderNode *n = g_hash_table_lookup (lay->by_name, name);
  g_assert (n != NULL);
  return n->column;
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
  return g_strdup_printf ("%u event%s (%u message%s), %u media stream%s", ev, ev == 1 ? "" : "s",
                          lay->n_messages, lay->n_messages == 1 ? "" : "s", media,
                          media == 1 ? "" : "s");
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
  return g_strdup_printf ("%s %s: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT
                          " received, %" G_GUINT64_FORMAT " auth failure%s, %s..%s s",
                          m->srtp ? "SRTP" : "RTP (unprotected)", id, m->packets_sent,
                          m->packets_received, m->auth_failures,
                          m->auth_failures == 1 ? "" : "s", from_t, to_t);
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
  guint w = c->width > x + 10 ? c->width - x : 30;
  if (w < 30)
    w = 30;
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

static void
text_append_fit (TextCtx *c, guint x, const gchar *text)
{
  glong room = c->width > x ? (glong) (c->width - x) : 0;
  if (room < TXT_SUMMARY_FLOOR)
    room = TXT_SUMMARY_FLOOR;
  g_autofree gchar *t = truncate_chars (text, room);
  g_string_append (c->out, t);
}

static void
text_event (TextCtx *c, const ImpsEvent *e)
{
  Layout *lay = c->lay;
  g_autofree gchar *time = format_rel_time (lay->t0, e->time_us);
  g_autofree gchar *label = imps_ladder_event_label (e);
  g_autofree gchar *detail = e->detail ? sanitize (e->detail) : NULL;
  guint a = column_of (lay, event_from (e));
  gboolean marked = e->kind == IMPS_EVENT_REFUSAL || e->kind == IMPS_EVENT_FAILURE;

  text_prefix (c, time, imps_ref_point_name (e->ref));
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
          g_string_append_c (c->out, '\n');
          if (detail)
            text_wrap_lines (c, x + 2, detail);
        }
      else
        {
          g_autofree gchar *t = detail ? g_strdup_printf ("* %s: %s", label, detail)
                                       : g_strdup_printf ("* %s", label);
          text_append_fit (c, x, t);
          g_string_append_c (c->out, '\n');
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
  else if (a == b)
    t = g_strdup_printf ("%s (to itself)", label);
  else
    t = g_strdup (label);
  text_append_fit (c, sx, t);
  g_string_append_c (c->out, '\n');
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
        canvas[xa] = fill;
    }
  g_string_append (c->out, canvas);
  g_autofree gchar *t = media_text (lay, m);
  if (m->auth_failures > 0 || m->packets_received < m->packets_sent)
    {
      g_autofree gchar *t2 = g_strconcat ("! ", t, NULL);
      text_append_fit (c, sx, t2);
    }
  else
    text_append_fit (c, sx, t);
  g_string_append_c (c->out, '\n');
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
      else if (node->kind != IMPS_NODE_UE)
        {
          /* "PCSCF2", or when that is too wide "P2": the kind and the
           * operator's place in the drawing (with more than one). */
          guint d = 0;
          if (node->domain)
            str_in (lay->domains, node->domain, &d);
          g_autofree gchar *num = lay->domains->len > 1 ? g_strdup_printf ("%u", d + 1) : g_strdup ("");
          label = g_strconcat (kind_abbrev (node->kind), num, NULL);
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
      g_autofree gchar *tt = format_rel_time (lay.t0, row->type == ROW_EVENT ? row->event->time_us
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
      if (row->type == ROW_EVENT)
        text_event (&c, row->event);
      else
        text_media (&c, row->media);
    }

  g_strfreev (c.labels);
  layout_clear (&lay);
  return g_string_free (c.out, FALSE);
}

/* ---- SVG ladder ---- */

static const struct {
  ImpsRefPoint ref;
  const gchar *colour;
  const gchar *what;
} ref_style[] = {
  { IMPS_REF_UB, "#2563eb", "UE \u2013 BSF, HTTP (GBA bootstrap)" },
  { IMPS_REF_ZH, "#ea580c", "BSF \u2013 HSS, Diameter" },
  { IMPS_REF_ZN, "#7c3aed", "KMS \u2013 BSF, Diameter" },
  { IMPS_REF_UA, "#0d9488", "UE \u2013 KMS, HTTP (MIKEY-TICKET)" },
  { IMPS_REF_ZK, "#db2777", "KMS \u2013 KMS, HTTPS" },
  { IMPS_REF_GM, "#b45309", "UE \u2013 P-CSCF, SIP" },
  { IMPS_REF_MW, "#4d7c0f", "CSCF \u2013 CSCF, SIP" },
  { IMPS_REF_MEDIA, "#15803d", "RTP / SRTP / SRTCP" },
  { IMPS_REF_NONE, "#555555", "inside a node (grey dot, italic text)" },
};

static const gchar *
ref_colour (ImpsRefPoint ref)
{
  for (guint i = 0; i < G_N_ELEMENTS (ref_style); i++)
    if (ref_style[i].ref == ref)
      return ref_style[i].colour;
  return "#555555";
}

#define SVG_LEFT 120
#define SVG_RIGHT 400
#define SVG_TOP_TITLE 24
#define SVG_GROUP_Y 40
#define SVG_NODE_Y 70
#define SVG_NODE_H 30
#define SVG_ROWS_Y 128
#define SVG_ROW_MSG 30
#define SVG_ROW_NOTE 24
#define SVG_ROW_MARK 40
#define SVG_ROW_MEDIA 40
#define SVG_CHAR_W 6.8
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

/* A label at (x, y) cut to @max_chars with the full text left to the
 * group's <title>. Text is drawn with a white halo to stay readable over
 * lifelines. */
static void
svg_label (GString *s, double x, double y, const gchar *text, glong max_chars,
           const gchar *attrs)
{
  g_autofree gchar *clean = sanitize (text);
  g_autofree gchar *cut = truncate_chars (clean, MAX (max_chars, 4));
  g_autofree gchar *esc = g_markup_escape_text (cut, -1);
  g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\" style=\"paint-order:stroke;stroke:#ffffff;"
                          "stroke-width:3px;stroke-linejoin:round\" %s>%s</text>",
                          x, y, attrs ? attrs : "", esc);
}

static double
svg_col_w (Layout *lay)
{
  return lay->nodes->len > 8 ? 120.0 : 150.0;
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

gchar *
imps_ladder_render_svg (ImpsLadder *ladder)
{
  g_return_val_if_fail (ladder != NULL, NULL);
  Layout lay;
  layout_build (ladder, &lay);
  guint n = lay.nodes->len;
  double col_w = svg_col_w (&lay);
  /* At least wide enough for the legend's three columns. */
  double width = MAX (SVG_LEFT + MAX (n, 1) * col_w + SVG_RIGHT, 1000.0);
  double right_edge = width - 16;

  /* Row positions first: the height depends on them. */
  g_autofree double *row_y = g_new (double, lay.rows->len + 1);
  double y = SVG_ROWS_Y;
  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      double h = SVG_ROW_MSG;
      if (row->type == ROW_MEDIA)
        h = SVG_ROW_MEDIA;
      else if (row->event->kind == IMPS_EVENT_REFUSAL || row->event->kind == IMPS_EVENT_FAILURE)
        h = SVG_ROW_MARK;
      else if (row->event->to == NULL)
        h = SVG_ROW_NOTE;
      row_y[r] = y + h / 2;
      y += h;
    }
  double rows_end = y + 10;
  double legend_y = rows_end + 30;
  guint legend_rows = (G_N_ELEMENTS (ref_style) + 2) / 3 + 2;
  double height = legend_y + 34 + legend_rows * 22 + 20;

  GString *s = g_string_sized_new (4096 + lay.rows->len * 512);
  g_string_append_printf (s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                          "viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, sans-serif\" "
                          "font-size=\"12\">\n",
                          width, height, width, height);
  g_string_append (s, "<title>impsim ladder</title>\n");
  g_string_append_printf (s, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
                          width, height);

  /* Title line. */
  {
    g_autofree gchar *t0 = format_abs_time (lay.t0);
    g_autofree gchar *counts = counts_text (ladder, &lay);
    g_autofree gchar *title = g_strdup_printf ("impsim ladder \u2014 %s; time 0 = %s (virtual clock)",
                                               counts, t0);
    g_string_append_printf (s, "<text x=\"16\" y=\"%d\" font-size=\"14\" font-weight=\"bold\" "
                            "fill=\"#111111\">", SVG_TOP_TITLE);
    svg_text (s, title);
    g_string_append (s, "</text>\n");
  }

  /* Operator groups. */
  for (guint i = 0; i < n;)
    {
      LadderNode *first = g_ptr_array_index (lay.nodes, i);
      guint j = i;
      while (j + 1 < n && g_strcmp0 (((LadderNode *) g_ptr_array_index (lay.nodes, j + 1))->domain,
                                     first->domain) == 0)
        j++;
      double x0 = SVG_LEFT + i * col_w + 4, x1 = SVG_LEFT + (j + 1) * col_w - 4;
      const gchar *dom = first->domain ? first->domain : "other nodes";
      g_string_append (s, "<g class=\"operator\">");
      svg_title (s, dom);
      g_string_append_printf (s, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"4\" "
                              "fill=\"#eef2f7\" stroke=\"#94a3b8\"/>",
                              x0, SVG_GROUP_Y, x1 - x0, SVG_NODE_Y + SVG_NODE_H + 6 - SVG_GROUP_Y);
      g_autofree gchar *attrs = g_strdup_printf ("text-anchor=\"middle\" font-weight=\"bold\" fill=\"#334155\"");
      svg_label (s, (x0 + x1) / 2, SVG_GROUP_Y + 17, dom, (glong) ((x1 - x0) / 7.5), attrs);
      g_string_append (s, "</g>\n");
      i = j + 1;
    }

  /* Nodes and lifelines. */
  for (guint i = 0; i < n; i++)
    {
      LadderNode *node = g_ptr_array_index (lay.nodes, i);
      double x = svg_col_x (&lay, i);
      g_autofree gchar *tip = g_strdup_printf ("%s (%s%s%s)", node->name,
                                               imps_node_kind_name (node->kind),
                                               node->domain ? ", " : "",
                                               node->domain ? node->domain : "");
      g_string_append (s, "<g class=\"node\">");
      svg_title (s, tip);
      g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#94a3b8\" "
                              "stroke-dasharray=\"4 4\"/>", x, SVG_NODE_Y + SVG_NODE_H, x, rows_end);
      g_string_append_printf (s, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"5\" "
                              "fill=\"%s\" stroke=\"#334155\"/>",
                              x - col_w / 2 + 10, SVG_NODE_Y, col_w - 20, SVG_NODE_H,
                              node->kind == IMPS_NODE_UE ? "#fef9c3" : "#ffffff");
      g_string_append_printf (s, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"9\" "
                              "fill=\"#64748b\">%s</text>", x, SVG_NODE_Y + 11,
                              imps_node_kind_name (node->kind));
      /* Long names in a smaller font before they are cut. */
      g_autofree gchar *clean = sanitize (node->name);
      glong len = g_utf8_strlen (clean, -1);
      gboolean small = len > (glong) ((col_w - 24) / 7.2);
      svg_label (s, x, SVG_NODE_Y + 25, node->name, (glong) ((col_w - 22) / (small ? 5.9 : 7.2)),
                 small ? "text-anchor=\"middle\" font-weight=\"bold\" font-size=\"10\""
                       : "text-anchor=\"middle\" font-weight=\"bold\"");
      g_string_append (s, "</g>\n");
    }

  /* Time axis. */
  double axis_x = SVG_LEFT - 14;
  g_string_append_printf (s, "<g class=\"time-axis\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"#334155\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" "
                          "font-size=\"11\" fill=\"#334155\">virtual time (s)</text>",
                          axis_x, SVG_ROWS_Y - 6, axis_x, rows_end, axis_x + 4, SVG_ROWS_Y - 14);
  gchar *prev_time = NULL;
  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      gint64 t = row->type == ROW_EVENT ? row->event->time_us : row->media->first_us;
      gchar *tt = format_rel_time (lay.t0, t);
      g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#334155\"/>",
                              axis_x - 4, row_y[r], axis_x, row_y[r]);
      if (prev_time == NULL || strcmp (prev_time, tt) != 0)
        g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" "
                                "fill=\"#334155\">%s</text>", axis_x - 7, row_y[r] + 4, tt);
      g_free (prev_time);
      prev_time = tt;
    }
  g_free (prev_time);
  g_string_append (s, "</g>\n");

  /* Rows. */
  for (guint r = 0; r < lay.rows->len; r++)
    {
      const Row *row = &g_array_index (lay.rows, Row, r);
      double ry = row_y[r];
      if (row->type == ROW_MEDIA)
        {
          const ImpsLadderMedia *m = row->media;
          const gchar *stroke = m->srtp ? "#15803d" : "#c2410c";
          const gchar *fill = m->srtp ? "#bbf7d0" : "#fed7aa";
          double xa = m->from ? svg_col_x (&lay, column_of (&lay, m->from)) : svg_col_x (&lay, 0);
          double xb = m->to ? svg_col_x (&lay, column_of (&lay, m->to)) : xa;
          double x0 = MIN (xa, xb), x1 = MAX (xa, xb);
          if (x1 - x0 < 20)
            {
              x0 -= 20;
              x1 += 20;
            }
          g_autofree gchar *text = media_text (&lay, m);
          g_autofree gchar *tip = g_strdup_printf ("%s\nfrom %s to %s", text, m->from ? m->from : "?",
                                                   m->to ? m->to : "?");
          g_string_append_printf (s, "<g class=\"media\" data-srtp=\"%s\">", m->srtp ? "yes" : "no");
          svg_title (s, tip);
          /* A thick bar from sender to receiver with the arrowhead at the
           * receiver, the counts above it like an arrow's label. */
          g_string_append_printf (s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" rx=\"3\" "
                                  "fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"%s/>",
                                  x0, ry + 1, x1 - x0, fill, stroke,
                                  m->srtp ? "" : " stroke-dasharray=\"6 3\"");
          if (xa != xb)
            {
              int dir = xb > xa ? 1 : -1;
              g_string_append_printf (s, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fz\" fill=\"%s\"/>",
                                      xb + dir * 4.0, ry + 7, xb - dir * 10.0, ry - 2,
                                      xb - dir * 10.0, ry + 16, stroke);
            }
          g_autofree gchar *attrs = g_strdup_printf ("font-weight=\"bold\" fill=\"%s\"",
                                                     m->auth_failures ? SVG_RED : "#14532d");
          svg_label (s, x0 + 8, ry - 4, text, (glong) ((right_edge - x0 - 8) / SVG_CHAR_W), attrs);
          g_string_append (s, "</g>\n");
          continue;
        }

      const ImpsEvent *e = row->event;
      g_autofree gchar *label = imps_ladder_event_label (e);
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
              svg_cross (s, xa, ry - 4);
              glong chars = (glong) ((right_edge - xa - 14) / SVG_CHAR_W);
              svg_label (s, xa + 12, ry - 3, head, chars,
                         "font-weight=\"bold\" fill=\"" SVG_RED "\"");
              if (e->detail)
                svg_label (s, xa + 12, ry + 12, e->detail, (glong) ((right_edge - xa - 14) / 6.0),
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
                                      xa, ry);
              svg_label (s, xa + 9, ry + 4, tip, (glong) ((right_edge - xa - 10) / 6.0),
                         "font-size=\"11\" font-style=\"italic\" fill=\"#475569\"");
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
      g_autofree gchar *tip = g_strdup_printf ("%s %s \u2192 %s: %s%s%s", imps_ref_point_name (e->ref),
                                               event_from (e), e->to, shown, e->detail ? "\n" : "",
                                               e->detail ? e->detail : "");
      g_string_append_printf (s, "<g class=\"%s\" data-seq=\"%" G_GUINT64_FORMAT "\" data-ref=\"%s\">",
                              klass, e->seq, imps_ref_point_name (e->ref));
      svg_title (s, tip);
      double lx;
      if (a == b)
        {
          g_string_append_printf (s, "<path d=\"M%.1f %.1fh26v12h-17\" fill=\"none\" stroke=\"%s\" "
                                  "stroke-width=\"1.6\"/>", xa, ry - 8, colour);
          svg_arrowhead (s, xa, ry + 4, -1, colour);
          lx = xa + 32;
        }
      else
        {
          int dir = xb > xa ? 1 : -1;
          g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                                  "stroke-width=\"1.6\"%s/>", xa, ry + 4, xb - dir * 8.0, ry + 4, colour,
                                  e->kind == IMPS_EVENT_MESSAGE ? "" : " stroke-dasharray=\"5 3\"");
          svg_arrowhead (s, xb, ry + 4, dir, colour);
          lx = MIN (xa, xb) + 8;
        }
      if (marked)
        svg_cross (s, xb, ry + 4);
      glong chars = (glong) ((right_edge - lx) / SVG_CHAR_W);
      g_autofree gchar *attrs = g_strdup_printf ("fill=\"%s\"%s", marked ? SVG_RED : "#111111",
                                                 marked ? " font-weight=\"bold\"" : "");
      svg_label (s, lx, ry - 2, shown, MIN (chars, 90), attrs);
      g_string_append (s, "</g>\n");
    }

  /* Legend: colour per reference point, then the markers. */
  g_string_append_printf (s, "<g class=\"legend\"><line x1=\"16\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"#cbd5e1\"/><text x=\"16\" y=\"%.1f\" font-weight=\"bold\">"
                          "Reference points (arrow colour)</text>\n",
                          legend_y - 14, width - 16, legend_y - 14, legend_y + 8);
  double ly = legend_y + 30;
  const double legend_col_w = MAX (300.0, (width - 32) / 3);
  for (guint i = 0; i < G_N_ELEMENTS (ref_style); i++)
    {
      double lx = 16 + (i % 3) * legend_col_w;
      double yy = ly + (i / 3) * 22;
      g_string_append_printf (s, "<g class=\"legend-entry\" data-ref=\"%s\">",
                              imps_ref_point_name (ref_style[i].ref));
      if (ref_style[i].ref == IMPS_REF_NONE)
        g_string_append_printf (s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#64748b\"/>",
                                lx + 14, yy - 4);
      else
        g_string_append_printf (s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "stroke=\"%s\" stroke-width=\"3\"/>",
                                lx, yy - 4, lx + 28, yy - 4, ref_style[i].colour);
      g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\"><tspan font-weight=\"bold\">%s</tspan> ",
                              lx + 36, yy, ref_style[i].ref == IMPS_REF_NONE ? "note"
                                                                        : imps_ref_point_name (ref_style[i].ref));
      svg_text (s, ref_style[i].what);
      g_string_append (s, "</text></g>\n");
    }
  ly += ((G_N_ELEMENTS (ref_style) + 2) / 3) * 22 + 8;
  g_string_append_printf (s, "<text x=\"16\" y=\"%.1f\" font-weight=\"bold\">Markers</text>\n", ly);
  ly += 22;
  {
    double lx = 16;
    g_string_append (s, "<g class=\"legend-entry\" data-marker=\"refusal\">");
    svg_cross (s, lx + 8, ly - 4);
    g_string_append_printf (s, "<text x=\"%.1f\" y=\"%.1f\">refusal or failure (reason below it; "
                            "full text on hover)</text></g>\n", lx + 24, ly);
    lx += legend_col_w;
    g_string_append_printf (s, "<g class=\"legend-entry\" data-marker=\"srtp\"><rect x=\"%.1f\" y=\"%.1f\" "
                            "width=\"28\" height=\"14\" rx=\"3\" fill=\"#bbf7d0\" stroke=\"#15803d\"/>"
                            "<text x=\"%.1f\" y=\"%.1f\">SRTP media stream (packets sent/received)</text></g>\n",
                            lx, ly - 11, lx + 36, ly);
    lx += legend_col_w;
    g_string_append_printf (s, "<g class=\"legend-entry\" data-marker=\"rtp\"><rect x=\"%.1f\" y=\"%.1f\" "
                            "width=\"28\" height=\"14\" rx=\"3\" fill=\"#fed7aa\" stroke=\"#c2410c\" "
                            "stroke-dasharray=\"6 3\"/><text x=\"%.1f\" y=\"%.1f\">plain RTP media "
                            "stream (unprotected)</text></g>\n",
                            lx, ly - 11, lx + 36, ly);
  }
  g_string_append (s, "</g>\n</svg>\n");

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
