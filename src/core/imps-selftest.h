/* Known-answer self tests compiled into the program (`impsim tool selftest`).
 *
 * Each core module that has published vectors provides
 *     void imps_<module>_selftest (ImpsSelftest *st);
 * which runs its vector tables and reports one result per vector. A module
 * registers itself by adding its name to `selftest_modules` in its
 * meson.build; the build generates the list the runner walks.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpsSelftest ImpsSelftest;

typedef void (*ImpsSelftestReport) (const gchar *module, const gchar *name,
                                    gboolean ok, const gchar *detail,
                                    gpointer user_data);

ImpsSelftest *imps_selftest_new (ImpsSelftestReport report, gpointer user_data);
void imps_selftest_free (ImpsSelftest *st);

/* Records one result. On failure @detail_fmt says why, with the values. */
void imps_selftest_result (ImpsSelftest *st, const gchar *name, gboolean ok,
                           const gchar *detail_fmt, ...) G_GNUC_PRINTF (4, 5);

/* Compares @len bytes against expected hex; records the result. */
gboolean imps_selftest_check_hex (ImpsSelftest *st, const gchar *name,
                                  const guint8 *got, gsize len,
                                  const gchar *expected_hex);

/* Runs every registered module (or only @module when not NULL). Returns
 * FALSE when @module names no registered module. */
gboolean imps_selftest_run (ImpsSelftest *st, const gchar *module);

guint imps_selftest_passed (const ImpsSelftest *st);
guint imps_selftest_failed (const ImpsSelftest *st);

typedef struct {
  const gchar *name;
  void (*run) (ImpsSelftest *st);
} ImpsSelftestModule;

/* Generated at build time: NULL-terminated. */
extern const ImpsSelftestModule imps_selftest_modules[];

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsSelftest, imps_selftest_free)

G_END_DECLS
