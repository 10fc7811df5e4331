/* A GSource kept by pointer: destroyed and released in one call. */
#pragma once

#include <glib.h>

/* Destroys *@source (it runs no more) and drops the reference held in it;
 * nothing when it is NULL. */
static inline void
imps_source_drop (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
