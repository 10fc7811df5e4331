#include "imps-scenario.h"
#include "imps-hex.h"
#include "imps-secret.h"

#include <arpa/inet.h>
#include <string.h>

G_DEFINE_QUARK (imps-scenario-error-quark, imps_scenario_error)

/* Where each group and key stands in the text, for messages. GKeyFile does
 * the parsing of values; this index only remembers lines. */
typedef struct {
  const gchar *file;
  GHashTable *lines; /* "group\x1fkey" or "group" -> line number */
  GKeyFile *kf;
  ImpsScenario *s;
  GHashTable *impis; /* IMPI -> subscriber name (borrowed), for duplicate checks */
  GHashTable *impus; /* IMPU -> ImpsSubscriberSpec* (borrowed) */
} Ctx;

static guint
line_of (Ctx *c, const gchar *group, const gchar *key)
{
  g_autofree gchar *k = key ? g_strconcat (group, "\x1f", key, NULL) : g_strdup (group);
  return GPOINTER_TO_UINT (g_hash_table_lookup (c->lines, k));
}

static gboolean G_GNUC_PRINTF (6, 7)
fail (Ctx *c, GError **error, ImpsScenarioError code, const gchar *group,
      const gchar *key, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);

  guint line = group ? line_of (c, group, key) : 0;
  if (line == 0 && group)
    line = line_of (c, group, NULL);
  g_autofree gchar *where = line ? g_strdup_printf ("%s:%u", c->file, line)
                                 : g_strdup (c->file);
  if (group && key)
    g_set_error (error, IMPS_SCENARIO_ERROR, code, "%s: [%s] %s: %s", where, group, key, msg);
  else if (group)
    g_set_error (error, IMPS_SCENARIO_ERROR, code, "%s: [%s]: %s", where, group, msg);
  else
    g_set_error (error, IMPS_SCENARIO_ERROR, code, "%s: %s", where, msg);
  return FALSE;
}

static gboolean
valid_key_name (const gchar *k, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (k[i]) && k[i] != '-' && k[i] != '_')
      return FALSE;
  return TRUE;
}

/* Walks the text once: bounds, syntax with line numbers, the line index, and
 * the [script] steps in file order (repeated keys are the point there). */
static gboolean
index_text (Ctx *c, const gchar *data, gsize len, GError **error)
{
  g_autofree gchar *group = NULL;
  guint lineno = 0;
  gsize pos = 0;

  if (len > IMPS_SCENARIO_MAX_SIZE)
    return fail (c, error, IMPS_SCENARIO_ERROR_TOO_LARGE, NULL, NULL,
                 "file is %zu bytes, more than the limit of %u", len,
                 IMPS_SCENARIO_MAX_SIZE);
  if (len > 0 && memchr (data, '\0', len) != NULL)
    return fail (c, error, IMPS_SCENARIO_ERROR_SYNTAX, NULL, NULL,
                 "file contains a NUL byte at offset %zu",
                 (gsize) ((const gchar *) memchr (data, '\0', len) - data));
  if (!g_utf8_validate (data, (gssize) len, NULL))
    return fail (c, error, IMPS_SCENARIO_ERROR_SYNTAX, NULL, NULL, "file is not valid UTF-8");

  while (pos < len)
    {
      const gchar *start = data + pos;
      const gchar *nl = memchr (start, '\n', len - pos);
      gsize linelen = nl ? (gsize) (nl - start) : len - pos;
      pos += linelen + (nl ? 1 : 0);
      lineno++;
      if (linelen > IMPS_SCENARIO_MAX_LINE)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE,
                       "%s:%u: line is %zu bytes, more than the limit of %u",
                       c->file, lineno, linelen, IMPS_SCENARIO_MAX_LINE);
          return FALSE;
        }
      g_autofree gchar *line = g_strndup (start, linelen);
      g_strstrip (line);
      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (line[0] == '[')
        {
          gsize l = strlen (line);
          if (l < 3 || line[l - 1] != ']' || strpbrk (line + 1, "[") != NULL
              || memchr (line + 1, ']', l - 2) != NULL)
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_SYNTAX,
                           "%s:%u: malformed group header '%s'", c->file, lineno, line);
              return FALSE;
            }
          g_free (group);
          group = g_strndup (line + 1, l - 2);
          if (g_hash_table_contains (c->lines, group))
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_DUPLICATE,
                           "%s:%u: group [%s] appears twice (first on line %u)", c->file,
                           lineno, group, line_of (c, group, NULL));
              return FALSE;
            }
          g_hash_table_insert (c->lines, g_strdup (group), GUINT_TO_POINTER (lineno));
          continue;
        }
      const gchar *eq = strchr (line, '=');
      if (eq == NULL)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_SYNTAX,
                       "%s:%u: expected 'key = value', a [group] or a # comment", c->file,
                       lineno);
          return FALSE;
        }
      if (group == NULL)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_SYNTAX,
                       "%s:%u: a key before the first [group]", c->file, lineno);
          return FALSE;
        }
      g_autofree gchar *key = g_strndup (line, (gsize) (eq - line));
      g_strchomp (key);
      if (!valid_key_name (key, strlen (key)))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_SYNTAX,
                       "%s:%u: '%s' is not a key name (letters, digits, '-' and '_')",
                       c->file, lineno, key);
          return FALSE;
        }
      if (strcmp (group, "script") == 0)
        {
          if (c->s->steps->len >= IMPS_SCENARIO_MAX_STEPS)
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE,
                           "%s:%u: more than %u script steps", c->file, lineno,
                           IMPS_SCENARIO_MAX_STEPS);
              return FALSE;
            }
          ImpsStepSpec *st = g_new0 (ImpsStepSpec, 1);
          st->verb = g_steal_pointer (&key);
          st->args = g_strstrip (g_strdup (eq + 1));
          st->line = lineno;
          g_ptr_array_add (c->s->steps, st);
          continue;
        }
      g_autofree gchar *k = g_strconcat (group, "\x1f", key, NULL);
      if (g_hash_table_contains (c->lines, k))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_DUPLICATE,
                       "%s:%u: [%s] %s is set twice (first on line %u)", c->file, lineno,
                       group, key, line_of (c, group, key));
          return FALSE;
        }
      g_hash_table_insert (c->lines, g_steal_pointer (&k), GUINT_TO_POINTER (lineno));
    }
  return TRUE;
}

/* ---- typed getters; each names the group and key on failure ---- */

static gboolean
check_keys (Ctx *c, const gchar *group, const gchar *const *known, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (c->kf, group, NULL, NULL);
  for (gchar **k = keys; k && *k; k++)
    if (!g_strv_contains (known, *k))
      {
        g_autofree gchar *list = g_strjoinv (", ", (gchar **) known);
        return fail (c, error, IMPS_SCENARIO_ERROR_UNKNOWN, group, *k,
                     "unknown key (this group takes: %s)", list);
      }
  return TRUE;
}

static gchar *
get_string (Ctx *c, const gchar *group, const gchar *key, gboolean required,
            GError **error)
{
  if (!g_key_file_has_key (c->kf, group, key, NULL))
    {
      if (required)
        fail (c, error, IMPS_SCENARIO_ERROR_MISSING, group, key, "required key is missing");
      return NULL;
    }
  g_autoptr (GError) e = NULL;
  gchar *v = g_key_file_get_string (c->kf, group, key, &e);
  if (v == NULL)
    {
      fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key, "%s", e->message);
      return NULL;
    }
  g_strstrip (v);
  if (v[0] == '\0')
    {
      g_free (v);
      fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key, "empty value");
      return NULL;
    }
  return v;
}

/* An optional string: absent is fine (*out stays NULL), present and empty is
 * an error. */
static gboolean
get_opt_string (Ctx *c, const gchar *group, const gchar *key, gchar **out,
                GError **error)
{
  *out = NULL;
  if (!g_key_file_has_key (c->kf, group, key, NULL))
    return TRUE;
  *out = get_string (c, group, key, TRUE, error);
  return *out != NULL;
}

static gboolean
get_uint (Ctx *c, const gchar *group, const gchar *key, gboolean required,
          guint64 min, guint64 max, guint64 *out, GError **error)
{
  g_autoptr (GError) e = NULL;
  if (!g_key_file_has_key (c->kf, group, key, NULL))
    {
      if (required)
        return fail (c, error, IMPS_SCENARIO_ERROR_MISSING, group, key, "required key is missing");
      return TRUE;
    }
  g_autofree gchar *v = get_string (c, group, key, TRUE, error);
  if (v == NULL)
    return FALSE;
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned (v, 10, min, max, &n, &e))
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key,
                 "'%s' is not a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                 v, min, max);
  *out = n;
  return TRUE;
}

/* Durations: a number with an optional unit s, m, h, d (seconds default). */
static gboolean
get_duration (Ctx *c, const gchar *group, const gchar *key, guint *out,
              GError **error)
{
  if (!g_key_file_has_key (c->kf, group, key, NULL))
    return TRUE;
  g_autofree gchar *v = get_string (c, group, key, TRUE, error);
  if (v == NULL)
    return FALSE;
  gchar *end = NULL;
  /* Digits only: no sign, no hex, no exponent. */
  if (!g_ascii_isdigit (v[0]))
    goto bad;
  guint64 n = g_ascii_strtoull (v, &end, 10);
  guint64 mult = 1;
  if (end == v)
    goto bad;
  if (*end == 's')
    end++;
  else if (*end == 'm')
    mult = 60, end++;
  else if (*end == 'h')
    mult = 3600, end++;
  else if (*end == 'd')
    mult = 86400, end++;
  if (*end != '\0' || n == 0 || n > G_MAXUINT32 / mult)
    goto bad;
  *out = (guint) (n * mult);
  return TRUE;
bad:
  return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key,
               "'%s' is not a duration (a positive number with s, m, h or d)", v);
}

static gboolean
get_bool (Ctx *c, const gchar *group, const gchar *key, gboolean *out,
          GError **error)
{
  if (!g_key_file_has_key (c->kf, group, key, NULL))
    return TRUE;
  g_autofree gchar *v = get_string (c, group, key, TRUE, error);
  if (v == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (v, "true") == 0 || g_ascii_strcasecmp (v, "yes") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (v, "false") == 0 || g_ascii_strcasecmp (v, "no") == 0)
    *out = FALSE;
  else
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key,
                 "'%s' is not true/false (or yes/no)", v);
  return TRUE;
}

static gboolean
get_hex (Ctx *c, const gchar *group, const gchar *key, gboolean required,
         guint8 *out, gsize len, gboolean *present, GError **error)
{
  g_autoptr (GError) e = NULL;
  if (present)
    *present = FALSE;
  if (!g_key_file_has_key (c->kf, group, key, NULL))
    {
      if (required)
        return fail (c, error, IMPS_SCENARIO_ERROR_MISSING, group, key,
                     "required key is missing (%zu bytes of hex)", len);
      return TRUE;
    }
  g_autofree gchar *v = get_string (c, group, key, TRUE, error);
  if (v == NULL)
    return FALSE;
  if (!imps_hex_decode_fixed (v, out, len, &e))
    {
      imps_wipe (v, strlen (v));
      return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key, "%s", e->message);
    }
  imps_wipe (v, strlen (v));
  if (present)
    *present = TRUE;
  return TRUE;
}

/* A ';'-separated list with empty items dropped and each item stripped. */
static GStrv
get_list (Ctx *c, const gchar *group, const gchar *key, gboolean required,
          guint max_items, GError **error)
{
  if (!g_key_file_has_key (c->kf, group, key, NULL))
    {
      if (required)
        fail (c, error, IMPS_SCENARIO_ERROR_MISSING, group, key, "required key is missing");
      return NULL;
    }
  g_autoptr (GError) e = NULL;
  g_auto (GStrv) raw = g_key_file_get_string_list (c->kf, group, key, NULL, &e);
  if (raw == NULL)
    {
      fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key, "%s", e->message);
      return NULL;
    }
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  guint n = 0;
  for (gchar **r = raw; *r; r++)
    {
      g_strstrip (*r);
      if ((*r)[0] == '\0')
        continue;
      if (++n > max_items)
        {
          fail (c, error, IMPS_SCENARIO_ERROR_TOO_LARGE, group, key,
                "more than %u items", max_items);
          return NULL;
        }
      g_strv_builder_add (b, *r);
    }
  if (n == 0)
    {
      fail (c, error, IMPS_SCENARIO_ERROR_VALUE, group, key, "empty list");
      return NULL;
    }
  return g_strv_builder_end (b);
}

static gint
find_operator_index (const ImpsScenario *s, const gchar *name)
{
  for (guint i = 0; i < s->operators->len; i++)
    {
      const ImpsOperatorSpec *o = g_ptr_array_index (s->operators, i);
      if (strcmp (o->name, name) == 0)
        return (gint) i;
    }
  return -1;
}

static gboolean
get_operator_ref (Ctx *c, const gchar *group, const gchar *key, guint *out,
                  GError **error)
{
  g_autofree gchar *v = get_string (c, group, key, TRUE, error);
  if (v == NULL)
    return FALSE;
  gint i = find_operator_index (c->s, v);
  if (i < 0)
    return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, group, key,
                 "no [operator %s] in this file", v);
  *out = (guint) i;
  return TRUE;
}

/* ---- groups ---- */

static gboolean
load_scenario_group (Ctx *c, const gchar *g, GError **error)
{
  static const gchar *const known[] = { "name", "description", "seed", "start", NULL };
  if (!check_keys (c, g, known, error))
    return FALSE;
  if (!get_opt_string (c, g, "name", &c->s->name, error)
      || !get_opt_string (c, g, "description", &c->s->description, error))
    return FALSE;
  if (g_key_file_has_key (c->kf, g, "seed", NULL))
    {
      if (!get_uint (c, g, "seed", TRUE, 0, G_MAXUINT64, &c->s->seed, error))
        return FALSE;
      c->s->has_seed = TRUE;
    }
  g_autofree gchar *start = NULL;
  if (!get_opt_string (c, g, "start", &start, error))
    return FALSE;
  if (start)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (start, NULL);
      if (dt == NULL)
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "start",
                     "'%s' is not an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z",
                     start);
      c->s->start_unix_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC
                         + g_date_time_get_microsecond (dt);
    }
  return TRUE;
}

static gboolean
parse_nodes (Ctx *c, const gchar *g, guint *out, GError **error)
{
  static const struct { const gchar *name; guint bit; } names[] = {
    { "hss", IMPS_OP_NODE_HSS }, { "bsf", IMPS_OP_NODE_BSF }, { "kms", IMPS_OP_NODE_KMS },
    { "pcscf", IMPS_OP_NODE_PCSCF }, { "scscf", IMPS_OP_NODE_SCSCF }, { "agw", IMPS_OP_NODE_AGW },
  };
  if (!g_key_file_has_key (c->kf, g, "nodes", NULL))
    {
      *out = IMPS_OP_NODE_HSS | IMPS_OP_NODE_BSF | IMPS_OP_NODE_KMS | IMPS_OP_NODE_PCSCF
             | IMPS_OP_NODE_SCSCF | IMPS_OP_NODE_AGW;
      return TRUE;
    }
  g_auto (GStrv) list = get_list (c, g, "nodes", TRUE, 16, error);
  if (list == NULL)
    return FALSE;
  *out = 0;
  for (gchar **n = list; *n; n++)
    {
      guint i;
      for (i = 0; i < G_N_ELEMENTS (names); i++)
        if (g_ascii_strcasecmp (*n, names[i].name) == 0)
          break;
      if (i == G_N_ELEMENTS (names))
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "nodes",
                     "unknown node '%s' (hss, bsf, kms, pcscf, scscf, agw)", *n);
      *out |= names[i].bit;
    }
  if ((*out & IMPS_OP_NODE_BSF) && !(*out & IMPS_OP_NODE_HSS))
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "nodes",
                 "a bsf needs the operator's hss");
  if ((*out & IMPS_OP_NODE_KMS) && !(*out & IMPS_OP_NODE_BSF))
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "nodes",
                 "a kms needs the operator's bsf (GBA keys the KMS)");
  /* The IMS core runs as one: the P-CSCF's IMS-ALG always has its IMS-AGW
   * (e2ae media is never downgraded for want of one), and the P-CSCF its
   * S-CSCF. A partial core would be silently ignored or silently complete. */
  guint ims = *out & (IMPS_OP_NODE_PCSCF | IMPS_OP_NODE_SCSCF | IMPS_OP_NODE_AGW);
  if (ims != 0 && ims != (IMPS_OP_NODE_PCSCF | IMPS_OP_NODE_SCSCF | IMPS_OP_NODE_AGW))
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "nodes",
                 "the IMS core is pcscf, scscf and agw together (list all three or none): "
                 "the IMS-AGW terminates e2ae media for the P-CSCF");
  return TRUE;
}

/* Outside Diameter peers: "host@address" items (an FQDN, an IP literal). */
static gboolean
get_diameter_peers (Ctx *c, const gchar *g, const gchar *key, GStrv *out, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_auto (GStrv) list = get_list (c, g, key, FALSE, IMPS_SCENARIO_MAX_DIAMETER_PEERS, &e);
  if (e != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&e));
      return FALSE;
    }
  for (guint i = 0; list && list[i]; i++)
    {
      const gchar *at = strrchr (list[i], '@');
      g_autofree gchar *host = at ? g_strndup (list[i], (gsize) (at - list[i])) : NULL;
      guint8 addr[16];
      gboolean addr_ok = at && (inet_pton (AF_INET, at + 1, addr) == 1
                                || inet_pton (AF_INET6, at + 1, addr) == 1);
      gboolean host_ok = host && *host && strlen (host) <= 255;
      for (const gchar *p = host; host_ok && *p; p++)
        host_ok = g_ascii_isalnum (*p) || *p == '.' || *p == '-';
      if (!host_ok || !addr_ok)
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, key,
                     "'%s' is not host@address (a host name, an IP address)", list[i]);
    }
  *out = g_steal_pointer (&list);
  return TRUE;
}

/* ---- clock skew and static PSKs (docs/scenario-format.md) ---- */

/* A clock offset: 0, or + or - then a duration (digits and s, m, h or d),
 * at most IMPS_SCENARIO_MAX_CLOCK_SKEW either way. */
static gboolean
parse_skew (const gchar *v, gint64 *out)
{
  if (strcmp (v, "0") == 0)
    {
      *out = 0;
      return TRUE;
    }
  gint sign = v[0] == '+' ? 1 : v[0] == '-' ? -1 : 0;
  if (sign == 0 || !g_ascii_isdigit (v[1]))
    return FALSE;
  gchar *end = NULL;
  guint64 n = g_ascii_strtoull (v + 1, &end, 10);
  guint64 mult = 1;
  if (*end == 's')
    end++;
  else if (*end == 'm')
    mult = 60, end++;
  else if (*end == 'h')
    mult = 3600, end++;
  else if (*end == 'd')
    mult = 86400, end++;
  if (*end != '\0' || n > IMPS_SCENARIO_MAX_CLOCK_SKEW / mult)
    return FALSE;
  *out = sign * (gint64) (n * mult);
  return TRUE;
}

static gboolean
bad_skew (Ctx *c, const gchar *g, const gchar *v, GError **error)
{
  return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "clock-skew",
               "'%s' is not a clock offset (0, or + or - and a duration: +400s, -10m; at most "
               "366d)", v);
}

/* [operator] clock-skew = NODE OFFSET[; NODE OFFSET]: the BSF's or the
 * KMS's clock off the run's. */
static gboolean
load_operator_skew (Ctx *c, const gchar *g, ImpsOperatorSpec *o, GError **error)
{
  if (!g_key_file_has_key (c->kf, g, "clock-skew", NULL))
    return TRUE;
  g_auto (GStrv) items = get_list (c, g, "clock-skew", TRUE, 2, error);
  if (items == NULL)
    return FALSE;
  gboolean seen_bsf = FALSE, seen_kms = FALSE;
  for (guint i = 0; items[i]; i++)
    {
      g_auto (GStrv) w = g_strsplit_set (items[i], " \t", -1);
      const gchar *node = NULL, *off = NULL;
      guint n = 0;
      for (guint j = 0; w[j]; j++)
        if (w[j][0] != '\0')
          {
            if (n == 0)
              node = w[j];
            else if (n == 1)
              off = w[j];
            n++;
          }
      if (n != 2)
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "clock-skew",
                     "'%s' is not NODE OFFSET (e.g. kms +400s)", items[i]);
      gboolean is_kms = strcmp (node, "kms") == 0;
      if (!is_kms && strcmp (node, "bsf") != 0)
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "clock-skew",
                     "'%s': only the bsf and the kms read protocol time (give a device's skew "
                     "in its [subscriber])", node);
      guint bit = is_kms ? IMPS_OP_NODE_KMS : IMPS_OP_NODE_BSF;
      if (!(o->nodes & bit))
        return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, g, "clock-skew",
                     "operator %s runs no %s", o->name, node);
      gboolean *seen = is_kms ? &seen_kms : &seen_bsf;
      if (*seen)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "clock-skew",
                     "the %s's offset is given twice", node);
      *seen = TRUE;
      if (!parse_skew (off, is_kms ? &o->kms_clock_skew : &o->bsf_clock_skew))
        return bad_skew (c, g, off, error);
    }
  return TRUE;
}

/* A key id of a static PSK: letters, digits, '.', '-', '_', '@'. */
static gboolean
valid_psk_id (const gchar *id, gsize len)
{
  if (len == 0 || len > IMPS_SCENARIO_MAX_PSK_ID)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '.' && id[i] != '-' && id[i] != '_'
        && id[i] != '@')
      return FALSE;
  return TRUE;
}

/* 16 or 32 bytes of hex into @out (a static PSK, a device's PSK, a Zk
 * pair key). */
static gboolean
parse_key_hex (Ctx *c, const gchar *g, const gchar *key, const gchar *hex, guint8 out[32],
               gsize *out_len, GError **error)
{
  g_autoptr (GError) e = NULL;
  guint8 *buf = NULL;
  gsize n = 0;
  if (!imps_hex_decode (hex, &buf, &n, &e) || (n != 16 && n != 32))
    {
      imps_wipe_free (buf, n);
      if (e != NULL)
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, key, "%s", e->message);
      return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, key,
                   "expected 16 or 32 bytes of hex, got %" G_GSIZE_FORMAT " bytes", n);
    }
  memcpy (out, buf, n);
  *out_len = n;
  imps_wipe_free (buf, n);
  return TRUE;
}

/* [subscriber] clock-skew = OFFSET, psk = KEYID:HEX, device-psk = HEX. */
static gboolean
load_subscriber_faults (Ctx *c, const gchar *g, ImpsSubscriberSpec *u, GError **error)
{
  if (g_key_file_has_key (c->kf, g, "clock-skew", NULL))
    {
      g_autofree gchar *v = get_string (c, g, "clock-skew", TRUE, error);
      if (v == NULL)
        return FALSE;
      if (!parse_skew (v, &u->clock_skew))
        return bad_skew (c, g, v, error);
    }
  gboolean has_psk = g_key_file_has_key (c->kf, g, "psk", NULL);
  if (!has_psk)
    {
      if (g_key_file_has_key (c->kf, g, "device-psk", NULL))
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "device-psk",
                     "device-psk needs psk (the key the KMS holds)");
      return TRUE;
    }
  const ImpsOperatorSpec *o = g_ptr_array_index (c->s->operators, u->op);
  if (!(o->nodes & IMPS_OP_NODE_KMS))
    return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, g, "psk",
                 "operator %s runs no kms to hold the key", o->name);
  g_autofree gchar *v = get_string (c, g, "psk", TRUE, error);
  if (v == NULL)
    return FALSE;
  const gchar *colon = strchr (v, ':');
  gboolean ok;
  if (colon == NULL || !valid_psk_id (v, (gsize) (colon - v)))
    {
      g_autofree gchar *id = g_strndup (v, colon ? (gsize) (colon - v) : 0);
      ok = fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "psk",
                 colon == NULL ? "expected KEYID:HEX, e.g. alice-key:000102...0f"
                 : "key id '%s' is not 1 to %u letters, digits, '.', '-', '_' or '@'", id,
                 IMPS_SCENARIO_MAX_PSK_ID);
    }
  else
    {
      u->psk_id = g_strndup (v, (gsize) (colon - v));
      ok = parse_key_hex (c, g, "psk", colon + 1, u->psk, &u->psk_len, error);
    }
  imps_wipe (v, strlen (v));
  if (!ok)
    return FALSE;
  if (g_key_file_has_key (c->kf, g, "device-psk", NULL))
    {
      g_autofree gchar *d = get_string (c, g, "device-psk", TRUE, error);
      if (d == NULL)
        return FALSE;
      ok = parse_key_hex (c, g, "device-psk", d, u->device_psk, &u->device_psk_len, error);
      imps_wipe (d, strlen (d));
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* Every static PSK key id names one subscriber. */
static gboolean
check_psk_ids (Ctx *c, GError **error)
{
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < c->s->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (c->s->subscribers, i);
      if (u->psk_id == NULL)
        continue;
      const ImpsSubscriberSpec *other = g_hash_table_lookup (ids, u->psk_id);
      if (other != NULL)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_DUPLICATE,
                       "%s:%u: [subscriber %s] psk: key id '%s' is already subscriber %s's",
                       c->file, u->line, u->name, u->psk_id, other->name);
          return FALSE;
        }
      g_hash_table_insert (ids, u->psk_id, (gpointer) u);
    }
  return TRUE;
}

static gboolean
load_operator (Ctx *c, const gchar *g, const gchar *name, GError **error)
{
  static const gchar *const known[] = { "number", "domain", "nodes", "ks-lifetime",
                                        "registration-max", "zh-peers", "zn-peers",
                                        "clock-skew", NULL };
  if (!check_keys (c, g, known, error))
    return FALSE;
  if (c->s->operators->len >= IMPS_SCENARIO_MAX_OPERATORS)
    return fail (c, error, IMPS_SCENARIO_ERROR_TOO_LARGE, g, NULL,
                 "more than %u operators", IMPS_SCENARIO_MAX_OPERATORS);

  ImpsOperatorSpec *o = g_new0 (ImpsOperatorSpec, 1);
  g_ptr_array_add (c->s->operators, o);
  o->name = g_strdup (name);
  o->line = line_of (c, g, NULL);
  o->ks_lifetime = 3600;
  o->registration_max = IMPS_SCENARIO_REGISTRATION_MAX;
  guint64 number = 0;
  if (!get_uint (c, g, "number", TRUE, 1, 255, &number, error))
    return FALSE;
  o->number = (guint) number;
  o->domain = get_string (c, g, "domain", TRUE, error);
  if (o->domain == NULL)
    return FALSE;
  for (const gchar *p = o->domain; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
      return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "domain",
                   "'%s' is not a domain name", o->domain);
  if (!parse_nodes (c, g, &o->nodes, error) || !get_duration (c, g, "ks-lifetime", &o->ks_lifetime, error)
      || !get_duration (c, g, "registration-max", &o->registration_max, error)
      || !get_diameter_peers (c, g, "zh-peers", &o->zh_peers, error)
      || !get_diameter_peers (c, g, "zn-peers", &o->zn_peers, error)
      || !load_operator_skew (c, g, o, error))
    return FALSE;
  for (guint i = 0; i + 1 < c->s->operators->len; i++)
    {
      const ImpsOperatorSpec *p = g_ptr_array_index (c->s->operators, i);
      if (p->number == o->number)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "number",
                     "operator %s already has number %u", p->name, p->number);
      if (g_ascii_strcasecmp (p->domain, o->domain) == 0)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "domain",
                     "operator %s already has domain %s", p->name, p->domain);
    }
  return TRUE;
}

/* A new subscriber NAME, its name checked and indexed. */
static ImpsSubscriberSpec *
new_subscriber (Ctx *c, const gchar *g, const gchar *name, GError **error)
{
  if (c->s->subscribers->len >= IMPS_SCENARIO_MAX_SUBSCRIBERS)
    {
      fail (c, error, IMPS_SCENARIO_ERROR_TOO_LARGE, g, NULL, "more than %u subscribers",
            IMPS_SCENARIO_MAX_SUBSCRIBERS);
      return NULL;
    }
  if (!valid_key_name (name, strlen (name)))
    {
      fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, NULL,
            "'%s' is not a subscriber name (letters, digits, '-' and '_': the script "
            "names a device NAME.DEVICE)", name);
      return NULL;
    }
  const ImpsSubscriberSpec *other = g_hash_table_lookup (c->s->subscriber_index, name);
  if (other != NULL)
    {
      fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, NULL,
            "subscriber %s is already defined (line %u)", name, other->line);
      return NULL;
    }
  ImpsSubscriberSpec *u = g_new0 (ImpsSubscriberSpec, 1);
  g_ptr_array_add (c->s->subscribers, u);
  u->name = g_strdup (name);
  g_hash_table_insert (c->s->subscriber_index, u->name, u);
  u->line = line_of (c, g, NULL);
  u->ind_bits = 5;
  /* A fresh USIM: SQN starts above zero so that the first vector is fresh. */
  static const guint8 default_sqn[6] = { 0, 0, 0, 0, 0, 0x20 };
  memcpy (u->sqn, default_sqn, 6);
  return u;
}

/* The keys a single subscriber and a range share: sqn, amf, ind-bits,
 * devices, ks-lifetime, answer-after. */
static gboolean
load_subscriber_common (Ctx *c, const gchar *g, ImpsSubscriberSpec *u, GError **error)
{
  if (!get_hex (c, g, "sqn", FALSE, u->sqn, 6, NULL, error)
      || !get_hex (c, g, "amf", FALSE, u->amf, 2, NULL, error))
    return FALSE;
  guint64 ind = u->ind_bits;
  if (!get_uint (c, g, "ind-bits", FALSE, 0, 10, &ind, error))
    return FALSE;
  u->ind_bits = (guint) ind;
  /* SQN = SEQ || IND: the HSS increments SEQ before every vector, so the
   * first one it sends has SEQ >= 1. A SEQ of 0 would be raised silently. */
  guint64 sqn = 0;
  for (guint i = 0; i < 6; i++)
    sqn = sqn << 8 | u->sqn[i];
  if (g_key_file_has_key (c->kf, g, "sqn", NULL) && (sqn >> u->ind_bits) == 0)
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "sqn",
                 "SEQ is 0 (the SQN is below 2^%u): the HSS never sends SEQ 0; to make the "
                 "USIM see a stale SQN give it a higher usim-sqn", u->ind_bits);
  if (g_key_file_has_key (c->kf, g, "devices", NULL))
    {
      u->devices = get_list (c, g, "devices", TRUE, IMPS_SCENARIO_MAX_DEVICES, error);
      if (u->devices == NULL)
        return FALSE;
      for (guint i = 0; u->devices[i]; i++)
        if (!valid_key_name (u->devices[i], strlen (u->devices[i])))
          return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "devices",
                       "'%s' is not a device name (letters, digits, '-' and '_')",
                       u->devices[i]);
      for (guint i = 0; u->devices[i]; i++)
        for (guint j = 0; j < i; j++)
          if (strcmp (u->devices[i], u->devices[j]) == 0)
            return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "devices",
                         "device '%s' is listed twice", u->devices[i]);
    }
  else
    {
      const gchar *one[] = { "phone", NULL };
      u->devices = g_strdupv ((gchar **) one);
    }
  return get_duration (c, g, "ks-lifetime", &u->ks_lifetime, error)
         && get_duration (c, g, "answer-after", &u->answer_after, error);
}

/* The IMPI and IMPUs of @u are unique in the file (hash lookups: a file of
 * 16,384 subscribers is checked in linear time). */
static gboolean
index_identities (Ctx *c, const gchar *g, ImpsSubscriberSpec *u, GError **error)
{
  const gchar *other = g_hash_table_lookup (c->impis, u->impi);
  if (other != NULL)
    return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "impi",
                 "subscriber %s already has IMPI %s", other, u->impi);
  for (gchar **a = u->impus; *a; a++)
    {
      const ImpsSubscriberSpec *p = g_hash_table_lookup (c->impus, *a);
      if (p != NULL)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "impu",
                     "subscriber %s already has IMPU %s", p->name, *a);
    }
  g_hash_table_insert (c->impis, u->impi, u->name);
  for (gchar **a = u->impus; *a; a++)
    g_hash_table_insert (c->impus, *a, u);
  return TRUE;
}

static gboolean
check_impus (Ctx *c, const gchar *g, GStrv impus, GError **error)
{
  for (gchar **p = impus; *p; p++)
    if (!g_str_has_prefix (*p, "sip:") && !g_str_has_prefix (*p, "tel:"))
      return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "impu",
                   "'%s' is not a sip: or tel: URI", *p);
  for (gchar **p = impus; *p; p++)
    for (gchar **q = impus; q < p; q++)
      if (strcmp (*p, *q) == 0)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "impu",
                     "'%s' is listed twice", *p);
  return TRUE;
}

static gboolean
load_subscriber (Ctx *c, const gchar *g, const gchar *name, GError **error)
{
  static const gchar *const known[] = { "operator", "impi", "impu", "k", "opc", "op", "sqn",
                                        "amf", "ind-bits", "devices", "ks-lifetime",
                                        "answer-after", "usim-sqn", "password", "clock-skew",
                                        "psk", "device-psk", NULL };
  if (!check_keys (c, g, known, error))
    return FALSE;
  ImpsSubscriberSpec *u = new_subscriber (c, g, name, error);
  if (u == NULL)
    return FALSE;

  if (!get_operator_ref (c, g, "operator", &u->op, error))
    return FALSE;
  u->impi = get_string (c, g, "impi", TRUE, error);
  if (u->impi == NULL)
    return FALSE;
  u->impus = get_list (c, g, "impu", TRUE, 16, error);
  if (u->impus == NULL || !check_impus (c, g, u->impus, error))
    return FALSE;

  gboolean has_opc = FALSE;
  if (!get_hex (c, g, "k", TRUE, u->k, 16, NULL, error)
      || !get_hex (c, g, "opc", FALSE, u->opc, 16, &has_opc, error)
      || !get_hex (c, g, "op", FALSE, u->op_value, 16, &u->has_op, error))
    return FALSE;
  if (has_opc == u->has_op)
    return fail (c, error, has_opc ? IMPS_SCENARIO_ERROR_VALUE : IMPS_SCENARIO_ERROR_MISSING,
                 g, has_opc ? "op" : "opc", "give exactly one of opc and op");
  if (!load_subscriber_common (c, g, u, error))
    return FALSE;
  if (!get_hex (c, g, "usim-sqn", FALSE, u->usim_sqn, 6, &u->has_usim_sqn, error))
    return FALSE;
  if (g_key_file_has_key (c->kf, g, "password", NULL))
    {
      u->password = get_string (c, g, "password", TRUE, error);
      if (u->password == NULL)
        return FALSE;
      if (u->password[0] == '\0')
        return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "password", "must not be empty");
    }
  if (!load_subscriber_faults (c, g, u, error))
    return FALSE;
  return index_identities (c, g, u, error);
}

/* "{name}@home1.net" with {name} and {n} (the number) replaced. */
static gchar *
fill_template (const gchar *tpl, const gchar *name, guint64 n)
{
  g_autofree gchar *num = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  g_autoptr (GString) out = g_string_new (NULL);
  for (const gchar *p = tpl; *p;)
    {
      if (g_str_has_prefix (p, "{name}"))
        g_string_append (out, name), p += 6;
      else if (g_str_has_prefix (p, "{n}"))
        g_string_append (out, num), p += 3;
      else
        g_string_append_c (out, *p++);
    }
  /* Exactly its length: 16,384 subscribers keep two or more of these. */
  return g_strndup (out->str, out->len);
}

static gboolean
check_template (Ctx *c, const gchar *g, const gchar *key, const gchar *tpl, GError **error)
{
  g_autofree gchar *probe = fill_template (tpl, "x", 1);
  if (strchr (probe, '{') || strchr (probe, '}'))
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, key,
                 "'%s': a range's identities may hold {name} and {n}, nothing else in braces",
                 tpl);
  if (strstr (tpl, "{name}") == NULL && strstr (tpl, "{n}") == NULL)
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, key,
                 "'%s' would give every subscriber of the range the same identity: put "
                 "{name} or {n} in it", tpl);
  return TRUE;
}

/* K and OPc of a subscriber of a range: HMAC-SHA-256 keyed with the seed
 * (8 bytes, big-endian) over "impsim subscriber " || NAME; K is the first
 * 16 bytes, OPc the last 16 (docs/scenario-format.md). */
static void
derive_keys (guint64 seed, const gchar *name, guint8 k[16], guint8 opc[16])
{
  guint8 key[8], mac[32];
  gsize len = sizeof mac;
  for (guint i = 0; i < 8; i++)
    key[i] = (guint8) (seed >> (56 - 8 * i));
  GHmac *h = g_hmac_new (G_CHECKSUM_SHA256, key, sizeof key);
  g_hmac_update (h, (const guchar *) "impsim subscriber ", 18);
  g_hmac_update (h, (const guchar *) name, (gssize) strlen (name));
  g_hmac_get_digest (h, mac, &len);
  g_hmac_unref (h);
  memcpy (k, mac, 16);
  memcpy (opc, mac + 16, 16);
  imps_wipe (mac, sizeof mac);
  imps_wipe (key, sizeof key);
}

/* [subscribers u1..u1000]: one subscriber per name of the range, with
 * identities from templates and keys derived from [scenario] seed. */
static gboolean
load_subscriber_range (Ctx *c, const gchar *g, const gchar *range, GError **error)
{
  static const gchar *const known[] = { "operator", "impi", "impu", "sqn", "amf", "ind-bits",
                                        "devices", "ks-lifetime", "answer-after", NULL };
  static const gchar *const per_subscriber[] = { "k", "opc", "op", "usim-sqn", "password",
                                                 NULL };
  g_auto (GStrv) keys = g_key_file_get_keys (c->kf, g, NULL, NULL);
  for (gchar **k = keys; k && *k; k++)
    if (g_strv_contains (per_subscriber, *k))
      return fail (c, error, IMPS_SCENARIO_ERROR_UNKNOWN, g, *k,
                   "a range takes no %s: K and OPc are derived from [scenario] seed; give "
                   "a subscriber that needs its own a [subscriber NAME] group", *k);
  if (!check_keys (c, g, known, error))
    return FALSE;
  g_auto (ImpsNameRange) r = { 0 };
  g_autoptr (GError) e = NULL;
  if (!imps_name_range_parse (range, IMPS_SCENARIO_MAX_SUBSCRIBERS, &r, &e))
    return fail (c, error, e->code == IMPS_SCENARIO_ERROR_TOO_LARGE
                             ? IMPS_SCENARIO_ERROR_TOO_LARGE : IMPS_SCENARIO_ERROR_VALUE,
                 g, NULL, "%s", e->message);
  if (!g_key_file_has_key (c->kf, "scenario", "seed", NULL))
    return fail (c, error, IMPS_SCENARIO_ERROR_MISSING, g, NULL,
                 "a range of subscribers derives its keys from [scenario] seed: give one");
  guint64 seed = 0;
  if (!get_uint (c, "scenario", "seed", TRUE, 0, G_MAXUINT64, &seed, error))
    return FALSE;

  /* The shared keys, read once into a template subscriber. */
  ImpsSubscriberSpec tpl = { 0 };
  tpl.ind_bits = 5;
  static const guint8 default_sqn[6] = { 0, 0, 0, 0, 0, 0x20 };
  memcpy (tpl.sqn, default_sqn, 6);
  guint op = 0;
  if (!get_operator_ref (c, g, "operator", &op, error))
    return FALSE;
  gboolean ok = load_subscriber_common (c, g, &tpl, error);
  g_auto (GStrv) devices = tpl.devices;
  if (!ok)
    return FALSE;
  const ImpsOperatorSpec *o = g_ptr_array_index (c->s->operators, op);
  g_autofree gchar *impi_tpl = NULL;
  g_auto (GStrv) impu_tpl = NULL;
  if (!get_opt_string (c, g, "impi", &impi_tpl, error))
    return FALSE;
  if (impi_tpl == NULL)
    impi_tpl = g_strdup_printf ("{name}@%s", o->domain);
  if (g_key_file_has_key (c->kf, g, "impu", NULL))
    {
      impu_tpl = get_list (c, g, "impu", TRUE, 16, error);
      if (impu_tpl == NULL)
        return FALSE;
    }
  else
    {
      impu_tpl = g_new0 (gchar *, 2);
      impu_tpl[0] = g_strdup_printf ("sip:{name}@%s", o->domain);
    }
  if (!check_template (c, g, "impi", impi_tpl, error))
    return FALSE;
  for (gchar **t = impu_tpl; *t; t++)
    if (!check_template (c, g, "impu", *t, error))
      return FALSE;
  if (!check_impus (c, g, impu_tpl, error))
    return FALSE;

  for (guint64 i = 0; i < r.count; i++)
    {
      g_autofree gchar *name = imps_name_range_name (&r, i);
      guint64 n = r.first + i * r.step;
      ImpsSubscriberSpec *u = new_subscriber (c, g, name, error);
      if (u == NULL)
        return FALSE;
      u->op = op;
      memcpy (u->sqn, tpl.sqn, sizeof u->sqn);
      memcpy (u->amf, tpl.amf, sizeof u->amf);
      u->ind_bits = tpl.ind_bits;
      u->ks_lifetime = tpl.ks_lifetime;
      u->answer_after = tpl.answer_after;
      u->devices = g_strdupv (devices);
      u->impi = fill_template (impi_tpl, name, n);
      guint nt = g_strv_length (impu_tpl);
      u->impus = g_new0 (gchar *, nt + 1);
      for (guint t = 0; t < nt; t++)
        u->impus[t] = fill_template (impu_tpl[t], name, n);
      derive_keys (seed, name, u->k, u->opc);
      if (!index_identities (c, g, u, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_policy (Ctx *c, const gchar *g, GError **error)
{
  static const gchar *const known[] = { "operator", "user", "validity", "reuse", "forking",
                                        "max-keys", "may-request-for", NULL };
  if (!check_keys (c, g, known, error))
    return FALSE;
  ImpsKmsPolicySpec *p = g_new0 (ImpsKmsPolicySpec, 1);
  g_ptr_array_add (c->s->policies, p);
  p->line = line_of (c, g, NULL);
  /* The KMS default policy of the profile (§3). */
  p->validity = 3600;
  p->reuse = TRUE;
  p->forking = TRUE;
  p->max_keys = 4;
  if (!get_operator_ref (c, g, "operator", &p->op, error))
    return FALSE;
  const ImpsOperatorSpec *o = g_ptr_array_index (c->s->operators, p->op);
  if (!(o->nodes & IMPS_OP_NODE_KMS))
    return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, g, "operator",
                 "operator %s runs no kms", o->name);
  if (!get_opt_string (c, g, "user", &p->user, error))
    return FALSE;
  guint64 max_keys = p->max_keys;
  if (!get_duration (c, g, "validity", &p->validity, error)
      || !get_bool (c, g, "reuse", &p->reuse, error)
      || !get_bool (c, g, "forking", &p->forking, error)
      || !get_uint (c, g, "max-keys", FALSE, 1, 64, &max_keys, error))
    return FALSE;
  p->max_keys = (guint) max_keys;
  if (g_key_file_has_key (c->kf, g, "may-request-for", NULL))
    {
      p->may_request_for = get_list (c, g, "may-request-for", TRUE, 256, error);
      if (p->may_request_for == NULL)
        return FALSE;
    }
  /* else NULL: the KMS default (profile §3: the own domain and the
   * domains of operators with an agreement) */
  for (guint i = 0; i + 1 < c->s->policies->len; i++)
    {
      const ImpsKmsPolicySpec *q = g_ptr_array_index (c->s->policies, i);
      if (q->op == p->op && g_strcmp0 (q->user, p->user) == 0)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, p->user ? "user" : "operator",
                     "a policy for %s at operator %s already exists (line %u)",
                     p->user ? p->user : "the default", o->name, q->line);
    }
  return TRUE;
}

static gboolean
load_group (Ctx *c, const gchar *g, const gchar *name, GError **error)
{
  static const gchar *const known[] = { "operator", "identity", "members", NULL };
  if (!check_keys (c, g, known, error))
    return FALSE;
  ImpsGroupSpec *gr = g_new0 (ImpsGroupSpec, 1);
  g_ptr_array_add (c->s->groups, gr);
  gr->name = g_strdup (name);
  gr->line = line_of (c, g, NULL);
  if (!get_operator_ref (c, g, "operator", &gr->op, error))
    return FALSE;
  gr->identity = get_string (c, g, "identity", TRUE, error);
  if (gr->identity == NULL)
    return FALSE;
  gr->members = get_list (c, g, "members", TRUE, 1024, error);
  return gr->members != NULL;
}

/* key = HEX (both KMSs hold it), or keys = HEX_A; HEX_B (the key each KMS
 * holds, in the order of operators: two different keys make a mismatched
 * agreement). */
static gboolean
load_agreement_keys (Ctx *c, const gchar *g, ImpsAgreementSpec *a, GError **error)
{
  gboolean one = g_key_file_has_key (c->kf, g, "key", NULL);
  gboolean two = g_key_file_has_key (c->kf, g, "keys", NULL);
  if (one && two)
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "keys",
                 "give key (one key for both KMSs) or keys (each KMS's own), not both");
  if (one)
    {
      g_autofree gchar *v = get_string (c, g, "key", TRUE, error);
      if (v == NULL)
        return FALSE;
      gboolean ok = parse_key_hex (c, g, "key", v, a->key, &a->key_len, error);
      imps_wipe (v, strlen (v));
      return ok;
    }
  if (!two)
    return TRUE;
  g_auto (GStrv) keys = get_list (c, g, "keys", TRUE, 2, error);
  if (keys == NULL)
    return FALSE;
  gboolean ok = TRUE;
  if (g_strv_length (keys) != 2)
    ok = fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "keys",
               "expected two keys, the first operator's and the second's (HEX; HEX)");
  else
    ok = parse_key_hex (c, g, "keys", keys[0], a->key, &a->key_len, error)
         && parse_key_hex (c, g, "keys", keys[1], a->key_b, &a->key_b_len, error);
  for (guint i = 0; keys[i]; i++)
    imps_wipe (keys[i], strlen (keys[i]));
  return ok;
}

/* configured-by = OPERATOR[; OPERATOR]: which of the two KMSs has the
 * agreement configured (both by default; one for a one-way agreement). */
static gboolean
load_agreement_sides (Ctx *c, const gchar *g, ImpsAgreementSpec *a, GError **error)
{
  a->at_a = a->at_b = TRUE;
  if (!g_key_file_has_key (c->kf, g, "configured-by", NULL))
    return TRUE;
  g_auto (GStrv) by = get_list (c, g, "configured-by", TRUE, 2, error);
  if (by == NULL)
    return FALSE;
  a->at_a = a->at_b = FALSE;
  for (guint i = 0; by[i]; i++)
    {
      gint idx = find_operator_index (c->s, by[i]);
      if (idx < 0 || ((guint) idx != a->op_a && (guint) idx != a->op_b))
        {
          const ImpsOperatorSpec *x = g_ptr_array_index (c->s->operators, a->op_a);
          const ImpsOperatorSpec *y = g_ptr_array_index (c->s->operators, a->op_b);
          return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, g, "configured-by",
                       "'%s' is not one of the agreement's operators (%s, %s)", by[i], x->name,
                       y->name);
        }
      gboolean *side = (guint) idx == a->op_a ? &a->at_a : &a->at_b;
      if (*side)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "configured-by",
                     "operator %s is listed twice", by[i]);
      *side = TRUE;
    }
  if (!(a->at_a && a->at_b) && a->key_b_len != 0)
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "keys",
                 "a one-way agreement has one key: give key, not keys");
  return TRUE;
}

static gboolean
load_agreement (Ctx *c, const gchar *g, const gchar *name, GError **error)
{
  static const gchar *const known[] = { "operators", "key", "keys", "configured-by", NULL };
  if (!check_keys (c, g, known, error))
    return FALSE;
  ImpsAgreementSpec *a = g_new0 (ImpsAgreementSpec, 1);
  g_ptr_array_add (c->s->agreements, a);
  a->name = g_strdup (name);
  a->line = line_of (c, g, NULL);
  g_auto (GStrv) ops = get_list (c, g, "operators", TRUE, 2, error);
  if (ops == NULL)
    return FALSE;
  if (g_strv_length (ops) != 2 || strcmp (ops[0], ops[1]) == 0)
    return fail (c, error, IMPS_SCENARIO_ERROR_VALUE, g, "operators",
                 "an agreement names two different operators, e.g. home1;home2");
  for (guint i = 0; i < 2; i++)
    {
      gint idx = find_operator_index (c->s, ops[i]);
      if (idx < 0)
        return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, g, "operators",
                     "no [operator %s] in this file", ops[i]);
      const ImpsOperatorSpec *o = g_ptr_array_index (c->s->operators, idx);
      if (!(o->nodes & IMPS_OP_NODE_KMS))
        return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, g, "operators",
                     "operator %s runs no kms", o->name);
      if (i == 0)
        a->op_a = (guint) idx;
      else
        a->op_b = (guint) idx;
    }
  if (!load_agreement_keys (c, g, a, error) || !load_agreement_sides (c, g, a, error))
    return FALSE;
  for (guint i = 0; i + 1 < c->s->agreements->len; i++)
    {
      const ImpsAgreementSpec *b = g_ptr_array_index (c->s->agreements, i);
      if ((b->op_a == a->op_a && b->op_b == a->op_b) || (b->op_a == a->op_b && b->op_b == a->op_a))
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "operators",
                     "agreement %s already links these operators", b->name);
    }
  return TRUE;
}

/* Checks that need every group read. */
static gboolean
cross_check (Ctx *c, GError **error)
{
  if (!check_psk_ids (c, error))
    return FALSE;
  for (guint i = 0; i < c->s->groups->len; i++)
    {
      const ImpsGroupSpec *gr = g_ptr_array_index (c->s->groups, i);
      g_autofree gchar *g = g_strdup_printf ("group %s", gr->name);
      for (gchar **m = gr->members; *m; m++)
        if (!g_hash_table_contains (c->impus, *m))
          return fail (c, error, IMPS_SCENARIO_ERROR_REFERENCE, g, "members",
                       "'%s' is no subscriber's impu", *m);
      const ImpsSubscriberSpec *u = g_hash_table_lookup (c->impus, gr->identity);
      if (u != NULL)
        return fail (c, error, IMPS_SCENARIO_ERROR_DUPLICATE, g, "identity",
                     "%s is already subscriber %s's impu", gr->identity, u->name);
    }
  for (guint i = 0; i < c->s->policies->len; i++)
    {
      const ImpsKmsPolicySpec *p = g_ptr_array_index (c->s->policies, i);
      if (p->user == NULL)
        continue;
      const ImpsSubscriberSpec *u = g_hash_table_lookup (c->impus, p->user);
      if (u == NULL || u->op != p->op)
        {
          const ImpsOperatorSpec *o = g_ptr_array_index (c->s->operators, p->op);
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_REFERENCE,
                       "%s:%u: policy user '%s' is no impu of a subscriber of operator %s",
                       c->file, p->line, p->user, o->name);
          return FALSE;
        }
    }
  return TRUE;
}

static void
operator_free (gpointer p)
{
  ImpsOperatorSpec *o = p;
  g_free (o->name);
  g_free (o->domain);
  g_strfreev (o->zh_peers);
  g_strfreev (o->zn_peers);
  g_free (o);
}

static void
subscriber_free (gpointer p)
{
  ImpsSubscriberSpec *u = p;
  g_free (u->name);
  g_free (u->impi);
  if (u->password)
    imps_wipe (u->password, strlen (u->password));
  g_free (u->password);
  g_strfreev (u->impus);
  g_strfreev (u->devices);
  imps_wipe (u->k, sizeof u->k);
  imps_wipe (u->opc, sizeof u->opc);
  imps_wipe (u->op_value, sizeof u->op_value);
  g_free (u->psk_id);
  imps_wipe (u->psk, sizeof u->psk);
  imps_wipe (u->device_psk, sizeof u->device_psk);
  g_free (u);
}

static void
policy_free (gpointer p)
{
  ImpsKmsPolicySpec *q = p;
  g_free (q->user);
  g_strfreev (q->may_request_for);
  g_free (q);
}

static void
group_free (gpointer p)
{
  ImpsGroupSpec *g = p;
  g_free (g->name);
  g_free (g->identity);
  g_strfreev (g->members);
  g_free (g);
}

static void
agreement_free (gpointer p)
{
  ImpsAgreementSpec *a = p;
  g_free (a->name);
  imps_wipe (a->key, sizeof a->key);
  imps_wipe (a->key_b, sizeof a->key_b);
  g_free (a);
}

static void
step_free (gpointer p)
{
  ImpsStepSpec *s = p;
  g_free (s->verb);
  g_free (s->args);
  g_free (s);
}

void
imps_scenario_free (ImpsScenario *s)
{
  if (s == NULL)
    return;
  g_free (s->path);
  g_free (s->name);
  g_free (s->description);
  g_ptr_array_unref (s->operators);
  g_ptr_array_unref (s->subscribers);
  g_ptr_array_unref (s->policies);
  g_ptr_array_unref (s->groups);
  g_ptr_array_unref (s->agreements);
  g_ptr_array_unref (s->steps);
  if (s->subscriber_index)
    g_hash_table_unref (s->subscriber_index);
  g_free (s);
}

/* Groups in the order of the file, so that operators are known before the
 * groups that name them. */
static gint
cmp_group_line (gconstpointer a, gconstpointer b, gpointer user_data)
{
  Ctx *c = user_data;
  guint la = line_of (c, *(const gchar *const *) a, NULL);
  guint lb = line_of (c, *(const gchar *const *) b, NULL);
  return la < lb ? -1 : la > lb;
}

static gboolean
load_groups (Ctx *c, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (c->kf, NULL);
  guint n = g_strv_length (groups);
  g_qsort_with_data (groups, (gint) n, sizeof (gchar *), cmp_group_line, c);

  /* Operators first, wherever they stand. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        const gchar *g = groups[i];
        gboolean is_op = g_str_has_prefix (g, "operator ");
        if ((pass == 0) != is_op)
          continue;
        const gchar *sp = strchr (g, ' ');
        g_autofree gchar *kind = sp ? g_strndup (g, (gsize) (sp - g)) : g_strdup (g);
        const gchar *name = sp ? sp + 1 : NULL;
        if (name && (name[0] == '\0' || strchr (name, ' ')))
          return fail (c, error, IMPS_SCENARIO_ERROR_SYNTAX, g, NULL,
                       "a group name is a kind and one name without spaces, e.g. [operator home1]");
        gboolean ok;
        if (strcmp (kind, "scenario") == 0 && !name)
          ok = load_scenario_group (c, g, error);
        else if (strcmp (kind, "script") == 0 && !name)
          ok = TRUE; /* read in file order by index_text() */
        else if (strcmp (kind, "operator") == 0 && name)
          ok = load_operator (c, g, name, error);
        else if (strcmp (kind, "subscriber") == 0 && name)
          ok = load_subscriber (c, g, name, error);
        else if (strcmp (kind, "subscribers") == 0 && name)
          ok = load_subscriber_range (c, g, name, error);
        else if (strcmp (kind, "policy") == 0 && name)
          ok = load_policy (c, g, error);
        else if (strcmp (kind, "group") == 0 && name)
          ok = load_group (c, g, name, error);
        else if (strcmp (kind, "agreement") == 0 && name)
          ok = load_agreement (c, g, name, error);
        else
          return fail (c, error, IMPS_SCENARIO_ERROR_UNKNOWN, g, NULL,
                       "unknown group (known: [scenario], [operator NAME], [subscriber NAME], "
                       "[subscribers FIRST..LAST], "
                       "[policy NAME], [group NAME], [agreement NAME], [script])");
        if (!ok)
          return FALSE;
      }
  if (c->s->operators->len == 0)
    return fail (c, error, IMPS_SCENARIO_ERROR_MISSING, NULL, NULL,
                 "no [operator NAME] group: a scenario needs at least one operator");
  return cross_check (c, error);
}

ImpsScenario *
imps_scenario_load_data (const gchar *data, gsize len, const gchar *display_name,
                         GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  if (data == NULL)
    data = "";

  g_autoptr (ImpsScenario) s = g_new0 (ImpsScenario, 1);
  s->path = g_strdup (display_name ? display_name : "<scenario>");
  s->operators = g_ptr_array_new_with_free_func (operator_free);
  s->subscribers = g_ptr_array_new_with_free_func (subscriber_free);
  s->policies = g_ptr_array_new_with_free_func (policy_free);
  s->groups = g_ptr_array_new_with_free_func (group_free);
  s->agreements = g_ptr_array_new_with_free_func (agreement_free);
  s->steps = g_ptr_array_new_with_free_func (step_free);
  s->subscriber_index = g_hash_table_new (g_str_hash, g_str_equal);
  s->start_unix_us = G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC; /* 2026-01-01T00:00:00Z */

  Ctx c = { s->path, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), NULL, s,
            g_hash_table_new (g_str_hash, g_str_equal),
            g_hash_table_new (g_str_hash, g_str_equal) };
  gboolean ok = index_text (&c, data, len, error);
  if (ok)
    {
      g_autoptr (GError) e = NULL;
      c.kf = g_key_file_new ();
      g_key_file_set_list_separator (c.kf, ';');
      if (!g_key_file_load_from_data (c.kf, data, len, G_KEY_FILE_NONE, &e))
        ok = fail (&c, error, IMPS_SCENARIO_ERROR_SYNTAX, NULL, NULL, "%s", e->message);
      else
        ok = load_groups (&c, error) && imps_scenario_expand_steps (s, error);
    }
  if (c.kf)
    g_key_file_free (c.kf);
  g_hash_table_unref (c.lines);
  g_hash_table_unref (c.impis);
  g_hash_table_unref (c.impus);
  return ok ? g_steal_pointer (&s) : NULL;
}

ImpsScenario *
imps_scenario_load_file (const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) e = NULL;
  g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, &e);

  if (mf == NULL)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_SYNTAX, "%s: %s", path,
                   e->message);
      return NULL;
    }
  len = g_mapped_file_get_length (mf);
  if (len > IMPS_SCENARIO_MAX_SIZE)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE,
                   "%s: file is %zu bytes, more than the limit of %u", path, len,
                   IMPS_SCENARIO_MAX_SIZE);
      return NULL;
    }
  contents = g_strndup (g_mapped_file_get_contents (mf) ? g_mapped_file_get_contents (mf) : "", len);
  return imps_scenario_load_data (contents, len, path, error);
}

const ImpsOperatorSpec *
imps_scenario_find_operator (const ImpsScenario *s, const gchar *name)
{
  gint i = find_operator_index (s, name);
  return i < 0 ? NULL : g_ptr_array_index (s->operators, i);
}

const ImpsSubscriberSpec *
imps_scenario_find_subscriber (const ImpsScenario *s, const gchar *name)
{
  return g_hash_table_lookup (s->subscriber_index, name);
}

/* Appends "NAME, NAME.DEVICE, ..." (at most 24 names) for error messages. */
static gchar *
device_names (const ImpsScenario *s)
{
  GString *out = g_string_new (NULL);
  guint n = 0;
  for (guint i = 0; i < s->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, i);
      for (guint d = 0; u->devices[d]; d++, n++)
        {
          if (n == 24)
            {
              g_string_append (out, ", ...");
              return g_string_free (out, FALSE);
            }
          g_string_append_printf (out, "%s%s%s%s", out->len ? ", " : "", u->name,
                                  d ? "." : "", d ? u->devices[d] : "");
        }
    }
  if (out->len == 0)
    g_string_append (out, "none: the file has no subscriber");
  return g_string_free (out, FALSE);
}

gboolean
imps_scenario_find_device (const ImpsScenario *s, const gchar *name,
                           const ImpsSubscriberSpec **subscriber, guint *device,
                           GError **error)
{
  const gchar *dot = strchr (name, '.');
  g_autofree gchar *sub = dot ? g_strndup (name, (gsize) (dot - name)) : g_strdup (name);
  const ImpsSubscriberSpec *u = imps_scenario_find_subscriber (s, sub);
  guint d = 0;

  if (u != NULL && dot != NULL)
    {
      for (d = 0; u->devices[d]; d++)
        if (strcmp (u->devices[d], dot + 1) == 0)
          break;
      if (u->devices[d] == NULL)
        u = NULL;
    }
  if (u == NULL)
    {
      g_autofree gchar *names = device_names (s);
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_REFERENCE,
                   "no device '%s' (a subscriber NAME or NAME.DEVICE: %s)", name, names);
      return FALSE;
    }
  if (subscriber)
    *subscriber = u;
  if (device)
    *device = d;
  return TRUE;
}

gchar *
imps_scenario_device_name (const ImpsSubscriberSpec *u, guint device)
{
  return device == 0 ? g_strdup (u->name) : g_strdup_printf ("%s.%s", u->name, u->devices[device]);
}
