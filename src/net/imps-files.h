/* Files that may hold secrets (stores, key logs, captures, reports): they
 * are created readable by their owner only, whatever the umask, and a file
 * or folder that exists with wider permissions is tightened before it is
 * written. */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Mode of every file impsim writes that may carry keys or traffic. */
#define IMPS_FILE_MODE_PRIVATE 0600
#define IMPS_DIR_MODE_PRIVATE 0700

/* Opens @path for writing, truncated, mode 0600 (a file that exists is
 * chmod'ed to 0600 first). Returns a file descriptor, or -1 with @error. */
int imps_file_open_private (const gchar *path, GError **error);
/* The same, as a stdio stream ("w"). */
FILE *imps_file_fopen_private (const gchar *path, GError **error);
/* Replaces @path with @len bytes of @data (a new file, renamed over the
 * old one), mode 0600. @len -1: @data is a string. */
gboolean imps_file_set_contents_private (const gchar *path, const gchar *data, gssize len,
                                         GError **error);
/* Makes sure @path exists as a folder of mode 0700: creates it (and its
 * parents) or, when it exists with group or other permissions, removes
 * them. *@old_mode (may be NULL) is the mode it had when it was tightened,
 * 0 otherwise. A path that exists but is not a folder is an error. */
gboolean imps_dir_make_private (const gchar *path, guint *old_mode, GError **error);

/* A byte string for a log line or a terminal: control characters (C0,
 * DEL, C1), backslashes and bytes that are not UTF-8 are written as
 * escapes (\n, \r, \t, \\, \xNN, \u00NN), everything else as it is, so
 * text a peer sent cannot start a line or drive the terminal. */
gchar *imps_escape_text (const gchar *text, gssize len);

G_END_DECLS
