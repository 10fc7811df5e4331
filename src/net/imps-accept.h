/* A listening TCP socket's accept loop on the main loop: one source for
 * the listener's life (GSocketService makes a task and a source for every
 * connection, and tries again at once when accept() fails, which spins
 * while the listener stays readable), a few accepts each time it is
 * readable, and a pause of IMPS_ACCEPT_PAUSE_MS after a failed accept
 * (out of descriptors or memory) before the next try. Used by the HTTP
 * and Diameter servers. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define IMPS_ACCEPT_BATCH 16
#define IMPS_ACCEPT_PAUSE_MS 100

typedef struct _ImpsAcceptor ImpsAcceptor;

/* A connection accepted (the callee takes a reference to keep it). */
typedef void (*ImpsAcceptFunc) (GSocketConnection *tcp, gpointer data);
/* accept() failed with @error; the next try comes after @pause_ms. */
typedef void (*ImpsAcceptFailFunc) (const GError *error, guint pause_ms, gpointer data);

/* A TCP socket bound to @address:@port (0: the kernel chooses) and
 * listening with @backlog; *@bound_port is the port it got. NULL with the
 * reason ("'x' is not an IP address", or the bind or listen error after
 * "ADDRESS:PORT: ") otherwise. */
GSocket *imps_accept_listen_socket (const gchar *address, guint16 port, gint backlog,
                                    guint16 *bound_port, GError **error);

/* Starts accepting on @listener (bound and listening; a reference is taken
 * and it is made non-blocking) on the thread-default main context. */
ImpsAcceptor *imps_acceptor_new (GSocket *listener, ImpsAcceptFunc on_accept,
                                 ImpsAcceptFailFunc on_fail, gpointer data);
/* Stops accepting and closes the listener. */
void imps_acceptor_free (ImpsAcceptor *a);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAcceptor, imps_acceptor_free)

G_END_DECLS
