/* For the tests of a server out of descriptors: runs the default main
 * context for @ms of real time with the descriptor limit lowered to the
 * descriptors already open (no new one can be made), then restores it. */
#pragma once

#include <glib.h>
#include <sys/resource.h>
#include <unistd.h>

static gboolean
no_descriptors_over (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_without_descriptors (guint ms)
{
  struct rlimit saved, low;
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  int probe = dup (0);
  g_assert_cmpint (probe, >=, 0);
  close (probe);
  low = saved;
  low.rlim_cur = (rlim_t) probe;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  gboolean over = FALSE;
  g_timeout_add (ms, no_descriptors_over, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
}
