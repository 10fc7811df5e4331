/* The child processes of the HTTP benchmarks (bench-ua, bench-ub): a
 * server forked off that reports its port over a pipe and serves until
 * SIGTERM, a minimal libsoup-3 "hello" server as the baseline, and the
 * CPU time of such a child. Header-only, like imps-bench.h. */
#pragma once

#include <glib-unix.h>
#include <libsoup/soup.h>

#include "imps-accept.h"
#include "imps-http.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  pid_t pid;
  guint16 port;
} ImpsBenchChild;

static inline gboolean
imps_bench_quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Serves until SIGTERM, then exits normally (so that a profiler such as
 * callgrind run on the bench writes each child's data). */
static inline void G_GNUC_NORETURN
imps_bench_serve_until_term (void)
{
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, imps_bench_quit_loop, loop);
  g_main_loop_run (loop);
  exit (0);
}

/* Writes @port to the parent over @fd. */
static inline void
imps_bench_report_port (int fd, guint16 port)
{
  if (write (fd, &port, sizeof port) != sizeof port)
    _exit (5);
  close (fd);
}

static inline void
imps_bench_hello_handler (SoupServer *server, SoupServerMessage *msg, const char *path,
                          GHashTable *query, gpointer data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello\n", 6);
}

/* The baseline: a libsoup-3 server at @address that answers everything
 * with 200 "hello". */
static inline void G_GNUC_NORETURN
imps_bench_hello_main (int fd, const gchar *address)
{
  SoupServer *server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, imps_bench_hello_handler, NULL, NULL);
  g_autoptr (GError) error = NULL;
  /* impsim's listening socket, with its servers' backlog (GLib's default
   * of 10 resets connections when a bench opens a few hundred at once) */
  guint16 port = 0;
  g_autoptr (GSocket) ls = imps_accept_listen_socket (address, 0, IMPS_HTTP_BACKLOG_DEFAULT, &port,
                                                      &error);
  if (ls == NULL || !soup_server_listen_socket (server, ls, 0, &error))
    _exit (4);
  imps_bench_report_port (fd, port);
  imps_bench_serve_until_term ();
}

/* Forks a child that runs @fn with the write end of a pipe, on which it
 * reports its port; the child dies with the parent. */
static inline ImpsBenchChild
imps_bench_spawn (void (*fn) (int))
{
  int p[2];
  g_assert (pipe (p) == 0);
  ImpsBenchChild s = { 0 };
  s.pid = fork ();
  g_assert (s.pid >= 0);
  if (s.pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (p[0]);
      fn (p[1]);
    }
  close (p[1]);
  if (read (p[0], &s.port, sizeof s.port) != sizeof s.port)
    g_error ("a server did not start");
  close (p[0]);
  return s;
}

/* CPU time of @pid, in seconds: the sum over its threads of the time
 * they ran (/proc/PID/task/TID/schedstat, in nanoseconds; the clock-tick
 * user and system times of /proc/PID/stat are 10 ms coarse). */
static inline double
imps_bench_pid_cpu_s (pid_t pid)
{
  g_autofree gchar *dir = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return 0;
  double total = 0;
  const gchar *tid;
  while ((tid = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_strdup_printf ("%s/%s/schedstat", dir, tid);
      g_autofree gchar *text = NULL;
      if (g_file_get_contents (path, &text, NULL, NULL))
        total += g_ascii_strtod (text, NULL) / 1e9;
    }
  return total;
}

static inline double
imps_bench_wall_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}
