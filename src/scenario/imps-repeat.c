/* Ranges of names and repeated steps: what lets a scenario of ten thousand
 * subscribers and five thousand calls fit in a few lines.
 *
 *   [subscribers u1..u10000]         (imps-scenario.c)
 *   bootstrap = u1..u10000           one step per name
 *   repeat = u1..u9999/2 u2..u10000/2
 *   call = $1 $2 security=mikey-ticket media=1s
 *   hangup = $1
 *   end = repeat
 *
 * The expansion happens on the step texts, before the script is checked, so
 * every expanded step is checked and judged as if it had been written out.
 * docs/scenario-format.md describes both forms.
 */
#include "imps-scenario.h"

#include <string.h>

/* At most this many ranges (and $1..$9) in one repeat. */
#define MAX_RANGES 9

void
imps_name_range_clear (ImpsNameRange *r)
{
  g_clear_pointer (&r->prefix, g_free);
}

static gboolean
prefix_char (gchar ch)
{
  return g_ascii_isalnum (ch) || ch == '-' || ch == '_';
}

/* Splits "PREFIX123" at its trailing digits; FALSE when there are none or
 * the prefix is empty or holds something else. */
static gboolean
split_name (const gchar *s, gsize len, gsize *prefix_len)
{
  gsize d = len;
  while (d > 0 && g_ascii_isdigit (s[d - 1]))
    d--;
  if (d == len || d == 0 || !g_ascii_isalpha (s[0]))
    return FALSE;
  for (gsize i = 0; i < d; i++)
    if (!prefix_char (s[i]))
      return FALSE;
  *prefix_len = d;
  return TRUE;
}

gboolean
imps_name_range_looks_like (const gchar *text, gsize len)
{
  const gchar *dots = g_strstr_len (text, (gssize) len, "..");
  if (dots == NULL || dots == text)
    return FALSE;
  gsize pl = 0;
  return split_name (text, (gsize) (dots - text), &pl);
}

static gboolean
parse_number (const gchar *s, gsize len, guint64 *out)
{
  if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
    return FALSE;
  guint64 v = 0;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      v = v * 10 + (guint64) (s[i] - '0');
    }
  *out = v;
  return TRUE;
}

gboolean
imps_name_range_parse (const gchar *text, guint64 max, ImpsNameRange *out, GError **error)
{
  memset (out, 0, sizeof *out);
  gsize len = strlen (text);
  const gchar *dots = strstr (text, "..");
  gsize pl = 0, pl2 = 0;
  if (dots == NULL || !split_name (text, (gsize) (dots - text), &pl))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "'%s' is not a range: PREFIXa..PREFIXb[/STEP], e.g. u1..u1000 (a prefix "
                   "that starts with a letter, then a number)", text);
      return FALSE;
    }
  const gchar *right = dots + 2;
  const gchar *slash = strchr (right, '/');
  gsize rlen = slash ? (gsize) (slash - right) : len - (gsize) (right - text);
  guint64 first = 0, last = 0, step = 1;
  if (!split_name (right, rlen, &pl2) || pl2 != pl || strncmp (text, right, pl) != 0)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "'%s': both ends of a range have the same prefix, e.g. u1..u1000", text);
      return FALSE;
    }
  if (!parse_number (text + pl, (gsize) (dots - text) - pl, &first)
      || !parse_number (right + pl, rlen - pl, &last))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "'%s': the numbers of a range have at most 9 digits and no leading zero",
                   text);
      return FALSE;
    }
  if (slash && !parse_number (slash + 1, strlen (slash + 1), &step))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "'%s': the step after '/' is a number from 1 to 999999999", text);
      return FALSE;
    }
  if (step == 0 || first > last)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "'%s': a range goes up (first <= last) by a step of at least 1", text);
      return FALSE;
    }
  guint64 count = (last - first) / step + 1;
  if (count > max)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE,
                   "'%s' names %" G_GUINT64_FORMAT " names, more than the limit of %"
                   G_GUINT64_FORMAT, text, count, max);
      return FALSE;
    }
  out->prefix = g_strndup (text, pl);
  out->first = first;
  out->last = last;
  out->step = step;
  out->count = count;
  return TRUE;
}

gchar *
imps_name_range_name (const ImpsNameRange *r, guint64 i)
{
  return g_strdup_printf ("%s%" G_GUINT64_FORMAT, r->prefix, r->first + i * r->step);
}

/* ---- the [script] ---- */

typedef struct {
  ImpsScenario *s;
  GPtrArray *out; /* ImpsStepSpec* */
} Expand;

static gboolean G_GNUC_PRINTF (4, 5)
step_fail (const ImpsScenario *s, const ImpsStepSpec *st, GError **error, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "%s:%u: [script] %s: %s",
               s->path, st->line, st->verb, msg);
  return FALSE;
}

static gboolean
add_step (Expand *x, const ImpsStepSpec *like, const gchar *verb, gchar *args, GError **error)
{
  if (x->out->len >= IMPS_SCENARIO_MAX_STEPS)
    {
      g_free (args);
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE,
                   "%s:%u: [script] %s: expanded to more than %u script steps", x->s->path,
                   like->line, like->verb, IMPS_SCENARIO_MAX_STEPS);
      return FALSE;
    }
  ImpsStepSpec *st = g_new0 (ImpsStepSpec, 1);
  st->verb = g_strdup (verb);
  st->args = args;
  st->line = like->line;
  g_ptr_array_add (x->out, st);
  return TRUE;
}

/* The words of @args (runs of non-blank bytes) that look like ranges:
 * their offsets and lengths, in order. */
typedef struct {
  gsize off, len;
  ImpsNameRange r;
} Word;

static void
word_clear (gpointer p)
{
  imps_name_range_clear (&((Word *) p)->r);
}

static gboolean
find_ranges (Expand *x, const ImpsStepSpec *st, GArray *words, GError **error)
{
  const gchar *a = st->args;
  gsize i = 0;
  while (a[i])
    {
      while (a[i] == ' ' || a[i] == '\t')
        i++;
      gsize start = i;
      while (a[i] && a[i] != ' ' && a[i] != '\t')
        i++;
      if (i == start || !imps_name_range_looks_like (a + start, i - start))
        continue;
      g_autofree gchar *w = g_strndup (a + start, i - start);
      Word word = { start, i - start, { 0 } };
      g_autoptr (GError) e = NULL;
      if (!imps_name_range_parse (w, IMPS_SCENARIO_MAX_STEPS, &word.r, &e))
        return step_fail (x->s, st, error, "%s", e->message);
      g_array_append_val (words, word);
      if (words->len > MAX_RANGES)
        return step_fail (x->s, st, error, "more than %u ranges in one step", MAX_RANGES);
    }
  return TRUE;
}

static gboolean
same_counts (Expand *x, const ImpsStepSpec *st, GArray *words, GError **error)
{
  const Word *w0 = &g_array_index (words, Word, 0);
  for (guint j = 1; j < words->len; j++)
    {
      const Word *w = &g_array_index (words, Word, j);
      if (w->r.count != w0->r.count)
        return step_fail (x->s, st, error,
                          "the ranges of one step advance together and need as many names "
                          "each: %.*s has %" G_GUINT64_FORMAT ", %.*s has %" G_GUINT64_FORMAT,
                          (int) w0->len, st->args + w0->off, w0->r.count, (int) w->len,
                          st->args + w->off, w->r.count);
    }
  return TRUE;
}

/* One step with ranges in its arguments: one step per name, the ranges
 * replaced by their i-th names together. */
static gboolean
expand_line (Expand *x, const ImpsStepSpec *st, GArray *words, GError **error)
{
  if (!same_counts (x, st, words, error))
    return FALSE;
  guint64 n = g_array_index (words, Word, 0).r.count;
  if (x->out->len + n > IMPS_SCENARIO_MAX_STEPS)
    return step_fail (x->s, st, error, "expands to %" G_GUINT64_FORMAT " steps, more than the "
                      "limit of %u script steps in all", n, IMPS_SCENARIO_MAX_STEPS);
  for (guint64 i = 0; i < n; i++)
    {
      GString *a = g_string_new (NULL);
      gsize at = 0;
      for (guint j = 0; j < words->len; j++)
        {
          const Word *w = &g_array_index (words, Word, j);
          g_string_append_len (a, st->args + at, (gssize) (w->off - at));
          g_autofree gchar *name = imps_name_range_name (&w->r, i);
          g_string_append (a, name);
          at = w->off + w->len;
        }
      g_string_append (a, st->args + at);
      if (!add_step (x, st, st->verb, g_string_free (a, FALSE), error))
        return FALSE;
    }
  return TRUE;
}

/* $1..$9 in @args replaced by the ranges' i-th names. */
static gboolean
substitute (Expand *x, const ImpsStepSpec *st, GArray *ranges, guint64 i, gchar **out,
            GError **error)
{
  GString *a = g_string_new (NULL);
  for (const gchar *p = st->args; *p; p++)
    {
      if (*p != '$')
        {
          g_string_append_c (a, *p);
          continue;
        }
      guint k = g_ascii_isdigit (p[1]) ? (guint) (p[1] - '0') : 0;
      if (k == 0 || k > ranges->len)
        {
          g_string_free (a, TRUE);
          return step_fail (x->s, st, error,
                            "'$%c' in a repeat block: $1 to $%u name the repeat's ranges",
                            p[1] ? p[1] : ' ', ranges->len);
        }
      g_autofree gchar *name
        = imps_name_range_name (&g_array_index (ranges, Word, k - 1).r, i);
      g_string_append (a, name);
      p++;
    }
  *out = g_string_free (a, FALSE);
  return TRUE;
}

static gboolean
expand_block (Expand *x, const ImpsStepSpec *rep, GArray *ranges, GPtrArray *body,
              GError **error)
{
  guint64 n = g_array_index (ranges, Word, 0).r.count;
  if (body->len == 0)
    return step_fail (x->s, rep, error, "an empty repeat block (steps go between repeat = "
                      "RANGE... and end = repeat)");
  if (n * body->len > IMPS_SCENARIO_MAX_STEPS - MIN (x->out->len, IMPS_SCENARIO_MAX_STEPS))
    return step_fail (x->s, rep, error, "%" G_GUINT64_FORMAT " times %u steps is more than the "
                      "limit of %u script steps in all", n, body->len, IMPS_SCENARIO_MAX_STEPS);
  for (guint64 i = 0; i < n; i++)
    for (guint b = 0; b < body->len; b++)
      {
        const ImpsStepSpec *st = g_ptr_array_index (body, b);
        gchar *args = NULL;
        if (!substitute (x, st, ranges, i, &args, error)
            || !add_step (x, st, st->verb, args, error))
          return FALSE;
      }
  return TRUE;
}

static void
spec_free (gpointer p)
{
  ImpsStepSpec *st = p;
  g_free (st->verb);
  g_free (st->args);
  g_free (st);
}

gboolean
imps_scenario_expand_steps (ImpsScenario *s, GError **error)
{
  gboolean any = FALSE;
  for (guint i = 0; i < s->steps->len && !any; i++)
    {
      const ImpsStepSpec *st = g_ptr_array_index (s->steps, i);
      any = g_str_equal (st->verb, "repeat") || g_str_equal (st->verb, "end")
            || (strstr (st->args, "..") != NULL && !g_str_equal (st->verb, "load"));
    }
  if (!any)
    return TRUE;

  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (spec_free);
  Expand x = { s, out };
  const ImpsStepSpec *rep = NULL; /* the open repeat */
  g_autoptr (GArray) ranges = NULL;
  g_autoptr (GPtrArray) body = NULL;

  for (guint i = 0; i < s->steps->len; i++)
    {
      const ImpsStepSpec *st = g_ptr_array_index (s->steps, i);
      g_autoptr (GArray) words = g_array_new (FALSE, TRUE, sizeof (Word));
      g_array_set_clear_func (words, word_clear);
      if (g_str_equal (st->verb, "repeat"))
        {
          if (rep)
            return step_fail (s, st, error, "repeat blocks do not nest (the repeat of line %u "
                              "is still open)", rep->line);
          if (!find_ranges (&x, st, words, error))
            return FALSE;
          g_auto (GStrv) argv = g_strsplit_set (st->args, " \t", -1);
          guint nwords = 0;
          for (gchar **a = argv; *a; a++)
            nwords += **a != '\0';
          if (words->len == 0 || nwords != words->len)
            return step_fail (s, st, error, "usage: repeat = RANGE [RANGE...] (e.g. repeat = "
                              "u1..u999/2 u2..u1000/2), then the steps with $1, $2 for the "
                              "names, then end = repeat");
          if (!same_counts (&x, st, words, error))
            return FALSE;
          rep = st;
          ranges = g_steal_pointer (&words);
          body = g_ptr_array_new ();
          continue;
        }
      if (g_str_equal (st->verb, "end"))
        {
          if (rep == NULL)
            return step_fail (s, st, error, "an end without a repeat before it");
          if (!g_str_equal (st->args, "repeat"))
            return step_fail (s, st, error, "usage: end = repeat");
          if (!expand_block (&x, rep, ranges, body, error))
            return FALSE;
          rep = NULL;
          g_clear_pointer (&ranges, g_array_unref);
          g_clear_pointer (&body, g_ptr_array_unref);
          continue;
        }
      /* A load step's ranges are its sets of devices, not a repeat. */
      gboolean sets = g_str_equal (st->verb, "load");
      if (!sets && !find_ranges (&x, st, words, error))
        return FALSE;
      if (rep)
        {
          if (words->len > 0)
            return step_fail (s, st, error, "a range inside a repeat block: name the repeat's "
                              "ranges with $1, $2, ...");
          g_ptr_array_add (body, (gpointer) st);
          continue;
        }
      if (words->len > 0)
        {
          if (!expand_line (&x, st, words, error))
            return FALSE;
        }
      else if (!add_step (&x, st, st->verb, g_strdup (st->args), error))
        return FALSE;
    }
  if (rep)
    return step_fail (s, rep, error, "no end = repeat after this repeat");
  /* Swap the expanded steps in. */
  g_ptr_array_set_size (s->steps, 0);
  for (guint i = 0; i < out->len; i++)
    g_ptr_array_add (s->steps, out->pdata[i]);
  g_ptr_array_set_free_func (out, NULL);
  return TRUE;
}
