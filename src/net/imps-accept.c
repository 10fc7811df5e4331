/* The servers' accept loop and listening sockets: see imps-accept.h. */
#include "imps-accept.h"
#include "imps-source.h"

struct _ImpsAcceptor {
  GSocket *listener;
  GMainContext *context;
  GSource *watch;       /* the listener is readable; NULL during a pause */
  GSource *pause;       /* after a failed accept */
  ImpsAcceptFunc on_accept;
  ImpsAcceptFailFunc on_fail;
  gpointer data;
};

static void acceptor_watch (ImpsAcceptor *a);

static gboolean
pause_over (gpointer data)
{
  ImpsAcceptor *a = data;
  g_clear_pointer (&a->pause, g_source_unref);
  acceptor_watch (a);
  return G_SOURCE_REMOVE;
}

static gboolean
listener_ready (GSocket *listener, GIOCondition cond, gpointer data)
{
  ImpsAcceptor *a = data;
  for (guint i = 0; i < IMPS_ACCEPT_BATCH; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) socket = g_socket_accept (listener, NULL, &error);
      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* the listener stays readable: wait instead of trying at once */
          g_clear_pointer (&a->watch, g_source_unref);
          a->pause = g_timeout_source_new (IMPS_ACCEPT_PAUSE_MS);
          g_source_set_callback (a->pause, pause_over, a, NULL);
          g_source_attach (a->pause, a->context);
          if (a->on_fail)
            a->on_fail (error, IMPS_ACCEPT_PAUSE_MS, a->data);
          return G_SOURCE_REMOVE;
        }
      g_autoptr (GSocketConnection) tcp = g_socket_connection_factory_create_connection (socket);
      a->on_accept (tcp, a->data);
    }
  return G_SOURCE_CONTINUE;
}

static void
acceptor_watch (ImpsAcceptor *a)
{
  a->watch = g_socket_create_source (a->listener, G_IO_IN, NULL);
  g_source_set_callback (a->watch, G_SOURCE_FUNC (listener_ready), a, NULL);
  /* never blocked while it runs, so no wake-up of the main loop for that
   * (nothing called from it runs a main loop of its own) */
  g_source_set_can_recurse (a->watch, TRUE);
  g_source_attach (a->watch, a->context);
}

GSocket *
imps_accept_listen_socket (const gchar *address, guint16 port, gint backlog, guint16 *bound_port,
                           GError **error)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  if (ia == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address",
                   address);
      return NULL;
    }
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, port);
  g_autoptr (GSocket) socket = g_socket_new (g_inet_address_get_family (ia), G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  /* bursts of connects must not wait for SYN retransmissions */
  g_socket_set_listen_backlog (socket, backlog);
  g_autoptr (GSocketAddress) bound = NULL;
  if (!g_socket_bind (socket, sa, TRUE, error) || !g_socket_listen (socket, error)
      || (bound = g_socket_get_local_address (socket, error)) == NULL)
    {
      g_prefix_error (error, "%s:%u: ", address, port);
      return NULL;
    }
  *bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

ImpsAcceptor *
imps_acceptor_new (GSocket *listener, ImpsAcceptFunc on_accept, ImpsAcceptFailFunc on_fail,
                   gpointer data)
{
  g_return_val_if_fail (G_IS_SOCKET (listener) && on_accept != NULL, NULL);
  ImpsAcceptor *a = g_new0 (ImpsAcceptor, 1);
  a->listener = g_object_ref (listener);
  g_socket_set_blocking (listener, FALSE);
  a->context = g_main_context_ref_thread_default ();
  a->on_accept = on_accept;
  a->on_fail = on_fail;
  a->data = data;
  acceptor_watch (a);
  return a;
}

void
imps_acceptor_free (ImpsAcceptor *a)
{
  if (a == NULL)
    return;
  imps_source_drop (&a->watch);
  imps_source_drop (&a->pause);
  g_socket_close (a->listener, NULL);
  g_object_unref (a->listener);
  g_main_context_unref (a->context);
  g_free (a);
}
