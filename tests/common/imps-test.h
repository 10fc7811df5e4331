/* Helpers shared by the GTest programs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Decodes hex that the test itself wrote; aborts the test on bad hex. */
GBytes *imps_test_hex (const gchar *hex);
/* Decodes hex into exactly @len bytes at @out; aborts on a length mismatch. */
void imps_test_hex_into (const gchar *hex, guint8 *out, gsize len);

/* Asserts that @len bytes at @got equal the hex string @expected, printing
 * both in hex when they differ. */
#define imps_assert_hex(got, len, expected) \
  imps_test_assert_hex (__FILE__, __LINE__, G_STRFUNC, #got, (got), (len), (expected))

void imps_test_assert_hex (const char *file, int line, const char *func,
                           const char *expr, const guint8 *got, gsize len,
                           const gchar *expected);

/* One run of a program: its exit code (-1 when a signal ended it) and
 * everything it printed. */
typedef struct {
  gint status;
  gchar *out;
  gchar *err;
} ImpsTestRun;

void imps_test_run_clear (ImpsTestRun *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsTestRun, imps_test_run_clear)

/* Runs @program with the NULL-terminated @args after it and waits for it;
 * aborts the test when it cannot be started. */
void imps_test_run_argv (ImpsTestRun *r, const gchar *program, const gchar *const *args);
/* The same with the environment @envp (NULL: this process's). */
void imps_test_run_argv_env (ImpsTestRun *r, const gchar *program, const gchar *const *args,
                             gchar **envp);

G_END_DECLS
