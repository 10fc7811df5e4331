#include "imps-callctl.h"

#include <string.h>

#define USAGE_ANSWER "usage: answer = DEVICE after=DURATION|reject=STATUS|busy|decline|never"

gboolean
imps_callctl_parse_answer (ImpsScriptStep *st, gint argc, gchar **argv, GError **error)
{
  g_autoptr (GError) e = NULL;
  if (argc != 2)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, USAGE_ANSWER);
      return FALSE;
    }
  const gchar *m = argv[1];
  st->status = 0;
  st->ring_us = 0;
  if (g_str_has_prefix (m, "after="))
    {
      if (!imps_script_parse_duration_us (m + 6, &st->ring_us, &e))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "after=: %s",
                       e->message);
          return FALSE;
        }
      if (st->ring_us > IMPS_SCRIPT_MAX_MEDIA_US)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "after=%s: at most 1h (use never for a device that does not answer)",
                       m + 6);
          return FALSE;
        }
    }
  else if (g_str_has_prefix (m, "reject="))
    {
      guint64 v = 0;
      if (!g_ascii_string_to_unsigned (m + 7, 10, 400, 699, &v, NULL))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "reject=%s: a final SIP status of 400 to 699", m + 7);
          return FALSE;
        }
      st->status = (guint) v;
    }
  else if (strcmp (m, "busy") == 0)
    st->status = 486;
  else if (strcmp (m, "decline") == 0)
    st->status = 603;
  else if (strcmp (m, "never") == 0)
    st->ring_us = IMPS_CALLCTL_NEVER_US;
  else
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, USAGE_ANSWER);
      return FALSE;
    }
  return TRUE;
}

gchar *
imps_callctl_describe_answer (const ImpsScriptStep *st)
{
  if (st->status != 0)
    return g_strdup_printf ("rejects every INVITE with %u", st->status);
  if (st->ring_us == IMPS_CALLCTL_NEVER_US)
    return g_strdup ("rings and never answers");
  if (st->ring_us == 0)
    return g_strdup ("answers after its default ring time");
  return g_strdup_printf ("rings %.3f s, then answers", (gdouble) st->ring_us / G_USEC_PER_SEC);
}
