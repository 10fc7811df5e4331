/* What the softphone tests (baresip, linphonec) share: serve started on a
 * scenario and read line by line, free loopback ports, a tone to play. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GPid pid;
  GDataInputStream *out;
  GInputStream *raw;
  guint gm_port;          /* the P-CSCF's Gm port serve printed */
} SpServe;

/* A port the kernel gives @address for @type now. */
guint16 sp_free_port (const gchar *address, GSocketType type);
/* 20 s of a 440 Hz tone, 8 kHz mono 16-bit WAV, at @path. */
void sp_write_tone (const gchar *path);

/* Starts `impsim serve SCN` (with --outside-e2ae carol when @e2ae) and
 * reads its lines up to "serving", taking the Gm port of the P-CSCF at
 * @pcscf_address. */
void sp_serve_start (SpServe *sv, const gchar *impsim_path, const gchar *scn, gboolean e2ae,
                     const gchar *pcscf_address);
/* serve's next line (NULL at its end). */
gchar *sp_next_line (SpServe *sv);
/* Reads serve's lines until one starts with @prefix and contains
 * @contains (NULL: anything); returns it. */
gchar *sp_wait_line (SpServe *sv, const gchar *prefix, const gchar *contains);
/* The call ID of serve's line "call ID: ..." (newly allocated). */
gchar *sp_call_id_of (const gchar *line);
/* Stops serve (SIGTERM), checks it exited 0; its last lines (the report). */
GPtrArray *sp_serve_stop (SpServe *sv);

G_END_DECLS
