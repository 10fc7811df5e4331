#include "imps-selftest.h"
#include "imps-hex.h"

#include <string.h>

struct _ImpsSelftest {
  ImpsSelftestReport report;
  gpointer user_data;
  const gchar *module;
  guint passed;
  guint failed;
};

ImpsSelftest *
imps_selftest_new (ImpsSelftestReport report, gpointer user_data)
{
  ImpsSelftest *st = g_new0 (ImpsSelftest, 1);
  st->report = report;
  st->user_data = user_data;
  return st;
}

void
imps_selftest_free (ImpsSelftest *st)
{
  g_free (st);
}

void
imps_selftest_result (ImpsSelftest *st, const gchar *name, gboolean ok,
                      const gchar *detail_fmt, ...)
{
  g_autofree gchar *detail = NULL;

  if (!ok && detail_fmt != NULL)
    {
      va_list ap;
      va_start (ap, detail_fmt);
      detail = g_strdup_vprintf (detail_fmt, ap);
      va_end (ap);
    }
  if (ok)
    st->passed++;
  else
    st->failed++;
  if (st->report)
    st->report (st->module ? st->module : "", name, ok, detail, st->user_data);
}

gboolean
imps_selftest_check_hex (ImpsSelftest *st, const gchar *name,
                         const guint8 *got, gsize len,
                         const gchar *expected_hex)
{
  g_autofree gchar *hex = imps_hex_encode (got, len);
  gboolean ok = g_ascii_strcasecmp (hex, expected_hex) == 0;
  imps_selftest_result (st, name, ok, "got %s, expected %s", hex, expected_hex);
  return ok;
}

gboolean
imps_selftest_run (ImpsSelftest *st, const gchar *module)
{
  gboolean found = FALSE;

  for (const ImpsSelftestModule *m = imps_selftest_modules; m->name; m++)
    {
      if (module != NULL && strcmp (module, m->name) != 0)
        continue;
      found = TRUE;
      st->module = m->name;
      m->run (st);
      st->module = NULL;
    }
  return module == NULL || found;
}

guint
imps_selftest_passed (const ImpsSelftest *st)
{
  return st->passed;
}

guint
imps_selftest_failed (const ImpsSelftest *st)
{
  return st->failed;
}
