/* impsim: common definitions for the core library.
 *
 * The core is pure: no sockets, no main loop, no global mutable state. Every
 * function that needs randomness or time takes it from the caller.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Upper bound on any single message a core parser accepts, unless the module
 * documents a smaller one. */
#define IMPS_MAX_MESSAGE_SIZE (64 * 1024)

G_END_DECLS
