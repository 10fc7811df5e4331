#include "imps-tickets.h"
#include "mikey/imps-mikey-ticket.h"
#include "mikey/imps-mikey-types.h"
#include "sip/imps-sip-uri.h"

#include <string.h>

#define USAGE_TICKET                                                                          \
  "usage: ticket = DEVICE for TARGET [validity=DURATION] [reuse=true|false] "                 \
  "[forking=true|false] [keys=N] as NAME"

/* D (bit 16) down to O (bit 5), RFC 6043 §6.10. */
guint32
imps_tickets_flag_bit (gchar c)
{
  c = g_ascii_toupper (c);
  if (c < 'D' || c > 'O')
    return 0;
  return (guint32) IMPS_MIKEY_TICKET_FLAG_D >> (c - 'D');
}

gchar *
imps_tickets_describe_flags (guint32 flags)
{
  GString *out = g_string_new (NULL);
  for (gchar c = 'D'; c <= 'O'; c++)
    g_string_append_printf (out, "%s%c=%d", out->len ? " " : "", c,
                            (flags & imps_tickets_flag_bit (c)) != 0);
  return g_string_free (out, FALSE);
}

static gboolean
parse_bool (const gchar *v, gint *out)
{
  if (strcmp (v, "true") == 0)
    *out = 1;
  else if (strcmp (v, "false") == 0)
    *out = 0;
  else
    return FALSE;
  return TRUE;
}

/* A ticket NAME: letters, digits, '-', '_', at most 64. */
static gboolean
valid_name (const gchar *n)
{
  gsize l = strlen (n);
  if (l == 0 || l > 64)
    return FALSE;
  for (const gchar *p = n; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
imps_tickets_parse_step (const ImpsScenario *s, ImpsScriptStep *st, gint argc, gchar **argv,
                         GError **error)
{
  g_autoptr (GError) e = NULL;
  st->reuse = -1;
  st->forking = -1;
  if (argc < 5 || strcmp (argv[1], "for") != 0 || strcmp (argv[argc - 2], "as") != 0)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, USAGE_TICKET);
      return FALSE;
    }
  const gchar *target = argv[2];
  if (strchr (target, ':') != NULL)
    {
      if (strlen (target) > 256 || !(g_str_has_prefix (target, "sip:")
                                     || g_str_has_prefix (target, "tel:"))
          || !imps_sip_uri_validate (target, -1, &e))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "target '%s' is not a sip: or tel: URI of at most 256 bytes%s%s", target,
                       e ? ": " : "", e ? e->message : "");
          return FALSE;
        }
      st->callee = g_strdup (target);
    }
  else
    {
      const ImpsSubscriberSpec *u = imps_scenario_find_subscriber (s, target);
      for (guint i = 0; u == NULL && st->callee == NULL && i < s->groups->len; i++)
        {
          const ImpsGroupSpec *g = g_ptr_array_index (s->groups, i);
          if (strcmp (g->name, target) == 0)
            st->callee = g_strdup (g->identity);
        }
      if (u != NULL)
        st->callee = g_strdup (u->impus[0]);
      if (st->callee == NULL)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "no subscriber or group '%s' (a NAME, a [group] NAME or a sip: or tel: "
                       "URI)", target);
          return FALSE;
        }
    }
  for (gint i = 3; i < argc - 2; i++)
    {
      const gchar *a = argv[i];
      if (g_str_has_prefix (a, "validity=") && st->duration_us == 0)
        {
          if (!imps_script_parse_duration_us (a + 9, &st->duration_us, &e)
              || st->duration_us < G_USEC_PER_SEC
              || st->duration_us > G_GINT64_CONSTANT (366) * 86400 * G_USEC_PER_SEC)
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                           "validity=%s: a duration of 1s to 366d%s%s", a + 9, e ? ": " : "",
                           e ? e->message : "");
              return FALSE;
            }
        }
      else if (g_str_has_prefix (a, "reuse=") && st->reuse < 0)
        {
          if (!parse_bool (a + 6, &st->reuse))
            goto bad_bool;
        }
      else if (g_str_has_prefix (a, "forking=") && st->forking < 0)
        {
          if (!parse_bool (a + 8, &st->forking))
            goto bad_bool;
        }
      else if (g_str_has_prefix (a, "keys=") && st->n_keys == 0)
        {
          guint64 v = 0;
          if (!g_ascii_string_to_unsigned (a + 5, 10, 1, IMPS_MIKEY_MAX_SESSION_KEYS, &v, NULL))
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                           "keys=%s: 1 to %u", a + 5, (guint) IMPS_MIKEY_MAX_SESSION_KEYS);
              return FALSE;
            }
          st->n_keys = (guint) v;
        }
      else
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "'%s': " USAGE_TICKET ", each option at most once", a);
          return FALSE;
        }
      continue;
bad_bool:
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "%s: true or false", a);
      return FALSE;
    }
  if (!valid_name (argv[argc - 1]))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "ticket name '%s': letters, digits, '-' and '_', at most 64",
                   argv[argc - 1]);
      return FALSE;
    }
  st->ticket = g_strdup (argv[argc - 1]);
  return TRUE;
}

gboolean
imps_tickets_parse_expect (ImpsScriptStep *st, gint argc, gchar **argv, GError **error)
{
  if (argc >= 4 && strcmp (argv[2], "flags") == 0)
    {
      for (gint i = 3; i < argc; i++)
        {
          const gchar *f = argv[i];
          guint32 bit = strlen (f) == 3 && f[1] == '=' ? imps_tickets_flag_bit (f[0]) : 0;
          if (bit == 0 || (f[2] != '0' && f[2] != '1'))
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                           "'%s': a flag D to O with =0 or =1, e.g. I=1 J=0", f);
              return FALSE;
            }
          if ((st->flags_set | st->flags_clear) & bit)
            {
              g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                           "flag %c given twice", g_ascii_toupper (f[0]));
              return FALSE;
            }
          if (f[2] == '1')
            st->flags_set |= bit;
          else
            st->flags_clear |= bit;
        }
    }
  else if (argc == 4 && strcmp (argv[2], "validity") == 0)
    {
      g_autoptr (GError) e = NULL;
      if (!imps_script_parse_duration_us (argv[3], &st->duration_us, &e))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "validity: %s",
                       e->message);
          return FALSE;
        }
    }
  else
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "usage: expect = ticket NAME flags X=0|1 ... | ticket NAME validity DURATION");
      return FALSE;
    }
  st->ticket = g_strdup (argv[1]);
  return TRUE;
}
