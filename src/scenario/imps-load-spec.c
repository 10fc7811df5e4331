/* The arguments of a load step, read and checked with the scenario alone
 * (imps-load.h). */
#include "imps-load.h"
#include "imps-script.h"

#include <string.h>

/* Media time of all the calls of one load together, at most. */
#define MAX_TOTAL_MEDIA_US (G_GINT64_CONSTANT (100000) * G_USEC_PER_SEC)

void
imps_load_spec_free (ImpsLoadSpec *spec)
{
  if (spec == NULL)
    return;
  g_strfreev (spec->callers);
  g_strfreev (spec->callees);
  g_free (spec->rate_text);
  g_free (spec);
}

static const gchar *const security_names[] = { "none", "sdes-e2e", "sdes-e2ae", "mikey-ticket" };

/* "u1..u500,alice,bob.tablet": device names in order, each checked. */
static GStrv
read_set (const ImpsScenario *s, const gchar *text, const gchar *role, gboolean callee,
          GHashTable *seen, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  guint n = 0;
  for (gchar **it = items; *it; it++)
    {
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      if (**it == '\0')
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "%s set '%s' has an empty item", role, text);
          return NULL;
        }
      if (imps_name_range_looks_like (*it, strlen (*it)))
        {
          ImpsNameRange r;
          g_autoptr (GError) e = NULL;
          guint64 max = (guint64) IMPS_SCENARIO_MAX_SUBSCRIBERS * IMPS_SCENARIO_MAX_DEVICES;
          if (!imps_name_range_parse (*it, max, &r, &e))
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "%s set: %s",
                           role, e->message);
              return NULL;
            }
          for (guint64 i = 0; i < r.count; i++)
            g_ptr_array_add (names, imps_name_range_name (&r, i));
          imps_name_range_clear (&r);
        }
      else
        g_ptr_array_add (names, g_strdup (*it));
      for (guint i = 0; i < names->len; i++)
        {
          const gchar *name = g_ptr_array_index (names, i);
          const ImpsSubscriberSpec *u = NULL;
          guint d = 0;
          g_autoptr (GError) e = NULL;
          if (callee ? (u = imps_scenario_find_subscriber (s, name)) == NULL
                     : !imps_scenario_find_device (s, name, &u, &d, &e))
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_REFERENCE,
                           "%s '%s': %s", role, name,
                           e ? e->message : "no such subscriber (a callee is a subscriber NAME)");
              return NULL;
            }
          const ImpsOperatorSpec *o = g_ptr_array_index (s->operators, u->op);
          if (!(o->nodes & IMPS_OP_NODE_PCSCF))
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_REFERENCE,
                           "%s '%s': its home operator %s runs no IMS core", role, name, o->name);
              return NULL;
            }
          /* A subscriber on both sides would call itself, or ring while it calls. */
          const gchar *sub = u->name;
          const gchar *other = g_hash_table_lookup (seen, sub);
          if (other != NULL && strcmp (other, role) != 0)
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                           "subscriber %s is in both the caller and the callee set: the sets "
                           "must not overlap", sub);
              return NULL;
            }
          g_hash_table_insert (seen, (gpointer) sub, (gpointer) role);
          if (++n > IMPS_SCENARIO_MAX_SUBSCRIBERS * IMPS_SCENARIO_MAX_DEVICES)
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE,
                           "%s set: more than %u devices", role,
                           IMPS_SCENARIO_MAX_SUBSCRIBERS * IMPS_SCENARIO_MAX_DEVICES);
              return NULL;
            }
          g_autofree gchar *full = callee ? g_strdup (u->name) : imps_scenario_device_name (u, d);
          g_strv_builder_add (b, full);
        }
    }
  return g_strv_builder_end (b);
}

/* "50/s", "0.5/s", "120/m". */
static gboolean
read_rate (const gchar *v, gint64 *interval_us, GError **error)
{
  const gchar *slash = strchr (v, '/');
  gint64 per = 0;
  if (slash && g_str_equal (slash, "/s"))
    per = G_USEC_PER_SEC;
  else if (slash && g_str_equal (slash, "/m"))
    per = 60 * G_USEC_PER_SEC;
  g_autofree gchar *num = slash ? g_strndup (v, (gsize) (slash - v)) : NULL;
  gchar *end = NULL;
  gboolean digits = num && num[0] && strspn (num, "0123456789.") == strlen (num)
                    && g_ascii_isdigit (num[0]);
  gdouble r = digits ? g_ascii_strtod (num, &end) : 0;
  if (per == 0 || !digits || end == NULL || *end != '\0' || !(r > 0)
      || r * G_USEC_PER_SEC / (gdouble) per > IMPS_LOAD_MAX_RATE)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "rate=%s: a positive number of calls per second or minute, e.g. rate=50/s "
                   "or rate=30/m, at most %.0f/s", v, IMPS_LOAD_MAX_RATE);
      return FALSE;
    }
  *interval_us = MAX ((gint64) 1, (gint64) ((gdouble) per / r + 0.5));
  return TRUE;
}

static gboolean
read_count (const gchar *key, const gchar *v, guint64 max, guint *out, GError **error)
{
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned (v, 10, 1, max, &n, NULL))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "%s=%s: a whole number from 1 to %" G_GUINT64_FORMAT, key, v, max);
      return FALSE;
    }
  *out = (guint) n;
  return TRUE;
}

ImpsLoadSpec *
imps_load_spec_parse (const ImpsScenario *s, gint argc, gchar **argv, GError **error)
{
  static const gchar *usage = "usage: load = CALLERS CALLEES calls=N rate=R/s [concurrent=C] "
                              "[security=none|sdes-e2e|sdes-e2ae|mikey-ticket] [media=DURATION]";
  if (argc < 2 || strchr (argv[0], '=') || strchr (argv[1], '='))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "%s", usage);
      return NULL;
    }
  g_autoptr (ImpsLoadSpec) spec = g_new0 (ImpsLoadSpec, 1);
  spec->concurrent = 1;
  spec->security = IMPS_SCRIPT_SECURITY_NONE;
  spec->media_us = 2 * G_USEC_PER_SEC;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  spec->callers = read_set (s, argv[0], "caller", FALSE, seen, error);
  if (spec->callers == NULL)
    return NULL;
  spec->callees = read_set (s, argv[1], "callee", TRUE, seen, error);
  if (spec->callees == NULL)
    return NULL;
  gboolean have[5] = { FALSE };
  static const gchar *const keys[] = { "calls", "rate", "concurrent", "security", "media" };
  for (gint i = 2; i < argc; i++)
    {
      const gchar *eq = strchr (argv[i], '=');
      guint k;
      for (k = 0; eq && k < G_N_ELEMENTS (keys); k++)
        if (strlen (keys[k]) == (gsize) (eq - argv[i])
            && strncmp (argv[i], keys[k], (gsize) (eq - argv[i])) == 0)
          break;
      if (eq == NULL || k == G_N_ELEMENTS (keys))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "'%s' is not an option (calls=, rate=, concurrent=, security=, media=); %s",
                       argv[i], usage);
          return NULL;
        }
      if (have[k])
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_DUPLICATE,
                       "%s= given twice", keys[k]);
          return NULL;
        }
      have[k] = TRUE;
      const gchar *v = eq + 1;
      gboolean ok = TRUE;
      switch (k)
        {
        case 0:
          ok = read_count ("calls", v, IMPS_LOAD_MAX_CALLS, &spec->calls, error);
          break;
        case 1:
          ok = read_rate (v, &spec->interval_us, error);
          spec->rate_text = g_strdup (v);
          break;
        case 2:
          ok = read_count ("concurrent", v, IMPS_LOAD_MAX_CONCURRENT, &spec->concurrent, error);
          break;
        case 3:
          {
            guint n;
            for (n = 0; n < G_N_ELEMENTS (security_names); n++)
              if (g_str_equal (v, security_names[n]))
                break;
            if (n == G_N_ELEMENTS (security_names))
              {
                g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                             "security=%s: one of none, sdes-e2e, sdes-e2ae, mikey-ticket", v);
                return NULL;
              }
            spec->security = n;
            break;
          }
        case 4:
          {
            g_autoptr (GError) e = NULL;
            ok = imps_script_parse_duration_us (v, &spec->media_us, &e);
            if (!ok || spec->media_us > IMPS_SCRIPT_MAX_MEDIA_US)
              {
                g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                             "media=%s: %s", v, e ? e->message : "at most 1h");
                return NULL;
              }
            break;
          }
        }
      if (!ok)
        return NULL;
    }
  if (!have[0] || !have[1])
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_MISSING,
                   "calls= and rate= are required; %s", usage);
      return NULL;
    }
  if ((gint64) spec->calls * spec->media_us > MAX_TOTAL_MEDIA_US)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE,
                   "%u calls of media=%" G_GINT64_FORMAT " ms are more than 100000 s of media "
                   "in one load", spec->calls, spec->media_us / 1000);
      return NULL;
    }
  if (spec->security == IMPS_SCRIPT_SECURITY_MIKEY_TICKET)
    for (gchar **c = spec->callers; *c; c++)
      {
        const ImpsSubscriberSpec *u = NULL;
        imps_scenario_find_device (s, *c, &u, NULL, NULL);
        const ImpsOperatorSpec *o = g_ptr_array_index (s->operators, u->op);
        if (!(o->nodes & IMPS_OP_NODE_KMS))
          {
            g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_REFERENCE,
                         "caller '%s': its home operator %s runs no kms (security=mikey-ticket)",
                         *c, o->name);
            return NULL;
          }
      }
  return g_steal_pointer (&spec);
}
