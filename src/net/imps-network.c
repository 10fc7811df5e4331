#include "imps-network.h"

struct _ImpsNetwork {
  ImpsClock *clock;
  ImpsEventLog *log;
  ImpsRandom *random;     /* not owned */
  GHashTable *names;      /* address -> name */
};

ImpsNetwork *
imps_network_new (ImpsClock *clock, ImpsRandom *random)
{
  g_return_val_if_fail (clock != NULL && random != NULL, NULL);
  ImpsNetwork *net = g_new0 (ImpsNetwork, 1);
  net->clock = imps_clock_ref (clock);
  net->log = imps_event_log_new ();
  net->random = random;
  net->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return net;
}

void
imps_network_free (ImpsNetwork *net)
{
  if (net == NULL)
    return;
  imps_clock_unref (net->clock);
  imps_event_log_free (net->log);
  g_hash_table_unref (net->names);
  g_free (net);
}

ImpsClock *
imps_network_get_clock (ImpsNetwork *net)
{
  return net->clock;
}

ImpsEventLog *
imps_network_get_event_log (ImpsNetwork *net)
{
  return net->log;
}

ImpsRandom *
imps_network_new_random (ImpsNetwork *net, const gchar *label)
{
  return imps_random_new_child (net->random, label);
}

void
imps_network_register_node (ImpsNetwork *net, const gchar *name,
                            const gchar *address)
{
  g_hash_table_replace (net->names, g_strdup (address), g_strdup (name));
}

const gchar *
imps_network_node_at (ImpsNetwork *net, const gchar *address)
{
  return g_hash_table_lookup (net->names, address);
}

gchar *
imps_network_peer_name (ImpsNetwork *net, GSocketAddress *address)
{
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS (address);
  g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
  return imps_network_peer_name_for (net, ip, g_inet_socket_address_get_port (isa));
}

gchar *
imps_network_peer_name_for (ImpsNetwork *net, const gchar *ip, guint16 port)
{
  const gchar *name = g_hash_table_lookup (net->names, ip);
  if (name)
    return g_strdup (name);
  return g_strdup_printf ("%s:%u", ip, port);
}

const ImpsEvent *
imps_network_log (ImpsNetwork *net, ImpsEventKind kind, ImpsRefPoint ref,
                  ImpsProtocol proto, const gchar *from, const gchar *to,
                  GBytes *bytes, const gchar *stream, const gchar *detail,
                  const gchar *summary_fmt, ...)
{
  va_list ap;
  va_start (ap, summary_fmt);
  g_autofree gchar *summary = NULL;
  const gchar *text;
  /* most callers pass their summary as it is: no printf for it */
  if (summary_fmt[0] == '%' && summary_fmt[1] == 's' && summary_fmt[2] == '\0')
    {
      text = va_arg (ap, const gchar *);
      if (text == NULL)
        text = "(null)";
    }
  else
    text = summary = g_strdup_vprintf (summary_fmt, ap);
  va_end (ap);
  return imps_event_log_add (net->log, imps_clock_now_us (net->clock), kind, ref, proto,
                             from, to, text, detail, bytes, stream);
}
