#include "imps-world.h"
#include "imps-bsf.h"
#include "imps-hss.h"
#include "imps-netaddr.h"
#include "aka/imps-milenage.h"
#include "imps-secret.h"

#include <string.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>

typedef struct {
  const ImpsOperatorSpec *spec;
  guint index;
  gchar *hss_address;
  gchar *bsf_address;
  gchar *bsf_fqdn;
  ImpsHss *hss;
  ImpsBsf *bsf;
} Operator;

typedef struct {
  gchar *name;
  guint op;
  ImpsUe *ue;
} Device;

struct _ImpsWorld {
  const ImpsScenario *scenario; /* not owned: outlives the world */
  ImpsWorldOptions options;
  gchar *state_dir;
  ImpsClock *clock;
  ImpsRandom *random;
  ImpsNetwork *net;
  guint64 seed;
  GPtrArray *operators; /* of Operator* */
  GPtrArray *devices;   /* of Device* */
  GPtrArray *ues;       /* of ImpsUe*, borrowed from devices */
};

static void
operator_free (gpointer p)
{
  Operator *o = p;
  imps_bsf_free (o->bsf);
  imps_hss_free (o->hss);
  g_free (o->hss_address);
  g_free (o->bsf_address);
  g_free (o->bsf_fqdn);
  g_free (o);
}

static void
device_free (gpointer p)
{
  Device *d = p;
  imps_ue_free (d->ue);
  g_free (d->name);
  g_free (d);
}

static guint16
port_for (const ImpsWorldOptions *opt, guint conventional)
{
  return opt->port_base ? (guint16) (opt->port_base + conventional) : 0;
}

static gchar *
state_path (const ImpsWorldOptions *opt, const gchar *node, const gchar *domain)
{
  if (opt->state_dir == NULL)
    return NULL;
  g_autofree gchar *file = g_strdup_printf ("%s-%s.db", node, domain);
  return g_build_filename (opt->state_dir, file, NULL);
}

static gboolean
start_hss_on (ImpsWorld *w, const ImpsScenario *s, Operator *o, guint op_index,
              const ImpsWorldOptions *opt, guint16 port, GError **error)
{
  g_autofree gchar *path = state_path (opt, "hss", o->spec->domain);
  o->hss = imps_hss_new (w->net, o->spec->domain, path, error);
  if (o->hss == NULL)
    return FALSE;
  for (guint i = 0; i < s->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, i);
      if (u->op != op_index)
        continue;
      ImpsHssSubscriber sub = {
        .impi = u->impi,
        .impus = (const gchar *const *) u->impus,
        .k = u->k,
        .opc = u->has_op ? NULL : u->opc,
        .op = u->has_op ? u->op_value : NULL,
        .sqn = u->sqn,
        .amf = u->amf,
        .ind_len = u->ind_bits,
        .ks_lifetime = u->ks_lifetime,
      };
      if (!imps_hss_provision (o->hss, &sub, error))
        return FALSE;
    }
  return imps_hss_listen (o->hss, o->hss_address, port, error);
}

static gboolean
start_hss (ImpsWorld *w, const ImpsScenario *s, Operator *o, guint op_index,
           const ImpsWorldOptions *opt, GError **error)
{
  return start_hss_on (w, s, o, op_index, opt, port_for (opt, IMPS_WORLD_PORT_DIAMETER), error);
}

static gboolean
start_bsf_on (ImpsWorld *w, Operator *o, const ImpsWorldOptions *opt, guint16 ub_port,
              guint16 zn_port, GError **error)
{
  g_autofree gchar *path = state_path (opt, "bsf", o->spec->domain);
  o->bsf = imps_bsf_new (w->net, o->spec->domain, path, error);
  if (o->bsf == NULL)
    return FALSE;
  /* With simulated UEs the UE logs its keys; the BSF logs them only for
   * outside UEs (serve), so each key appears once. */
  if (opt->key_log && !opt->virtual_clock)
    imps_bsf_set_key_log (o->bsf, opt->key_log);
  imps_bsf_set_default_lifetime (o->bsf, o->spec->ks_lifetime);
  imps_bsf_set_hss (o->bsf, o->hss_address, imps_hss_get_port (o->hss));
  return imps_bsf_listen (o->bsf, o->bsf_address, ub_port, zn_port, error);
}

static gboolean
start_bsf (ImpsWorld *w, const ImpsScenario *s, Operator *o,
           const ImpsWorldOptions *opt, GError **error)
{
  return start_bsf_on (w, o, opt, port_for (opt, IMPS_WORLD_PORT_HTTP),
                       port_for (opt, IMPS_WORLD_PORT_DIAMETER), error);
}

static gboolean
make_devices (ImpsWorld *w, const ImpsScenario *s, GError **error)
{
  guint next_index[256] = { 0 };

  for (guint i = 0; i < s->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, i);
      const ImpsOperatorSpec *op = g_ptr_array_index (s->operators, u->op);
      guint8 opc[16];
      if (u->has_op)
        imps_milenage_derive_opc (u->k, u->op_value, opc);
      else
        memcpy (opc, u->opc, 16);
      for (guint d = 0; u->devices[d]; d++)
        {
          guint n = ++next_index[op->number];
          if (n > 254)
            {
              imps_wipe (opc, sizeof opc);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "operator %s has more than 254 devices (profile §9 addresses)",
                           op->name);
              return FALSE;
            }
          Device *dev = g_new0 (Device, 1);
          dev->name = d == 0 ? g_strdup (u->name) : g_strdup_printf ("%s.%s", u->name, u->devices[d]);
          dev->op = u->op;
          g_autofree gchar *addr = imps_node_address (IMPS_NODE_UE, op->number, n);
          ImpsUeUsimConfig usim = { u->impi, u->k, opc, u->ind_bits };
          dev->ue = imps_ue_new (w->net, dev->name, addr, &usim);
          if (w->options.key_log)
            imps_ue_set_key_log (dev->ue, w->options.key_log);
          g_ptr_array_add (w->devices, dev);
          g_ptr_array_add (w->ues, dev->ue);
        }
      imps_wipe (opc, sizeof opc);
    }
  return TRUE;
}

ImpsWorld *
imps_world_new (const ImpsScenario *s, const ImpsWorldOptions *opt, GError **error)
{
  g_autoptr (ImpsWorld) w = g_new0 (ImpsWorld, 1);
  w->scenario = s;
  w->options = *opt;
  w->state_dir = g_strdup (opt->state_dir);
  w->options.state_dir = w->state_dir;
  w->devices = g_ptr_array_new_with_free_func (device_free);
  w->ues = g_ptr_array_new ();

  if (opt->has_seed)
    w->seed = opt->seed;
  else if (s->has_seed)
    w->seed = s->seed;
  else if (RAND_bytes ((guint8 *) &w->seed, sizeof w->seed) != 1)
    g_error ("RAND_bytes failed");
  w->random = imps_random_new_seeded (w->seed);
  w->clock = opt->virtual_clock ? imps_clock_new_virtual (s->start_unix_us) : imps_clock_new_real ();
  w->net = imps_network_new (w->clock, w->random);
  w->operators = g_ptr_array_new_with_free_func (operator_free);

  if (opt->state_dir && g_mkdir_with_parents (opt->state_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "--state-dir %s: %s", opt->state_dir, g_strerror (errno));
      return NULL;
    }

  for (guint i = 0; i < s->operators->len; i++)
    {
      Operator *o = g_new0 (Operator, 1);
      g_ptr_array_add (w->operators, o);
      o->spec = g_ptr_array_index (s->operators, i);
      o->index = i;
      o->hss_address = imps_node_address (IMPS_NODE_HSS, o->spec->number, 0);
      o->bsf_address = imps_node_address (IMPS_NODE_BSF, o->spec->number, 0);
      o->bsf_fqdn = imps_node_fqdn (IMPS_NODE_BSF, o->spec->domain);
    }
  /* HSSs first: BSFs connect to them. */
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      if ((o->spec->nodes & IMPS_OP_NODE_HSS) && !start_hss (w, s, o, i, opt, error))
        {
          g_prefix_error (error, "operator %s: ", o->spec->name);
          return NULL;
        }
    }
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      if ((o->spec->nodes & IMPS_OP_NODE_BSF) && !start_bsf (w, s, o, opt, error))
        {
          g_prefix_error (error, "operator %s: ", o->spec->name);
          return NULL;
        }
    }
  if (!make_devices (w, s, error))
    return NULL;
  return g_steal_pointer (&w);
}

ImpsUe *
imps_world_find_ue (ImpsWorld *w, const gchar *name)
{
  for (guint i = 0; i < w->devices->len; i++)
    {
      Device *d = g_ptr_array_index (w->devices, i);
      if (strcmp (d->name, name) == 0)
        return d->ue;
    }
  return NULL;
}

GPtrArray *
imps_world_get_ues (ImpsWorld *w)
{
  return w->ues;
}

static Device *
device_of (ImpsWorld *w, ImpsUe *ue)
{
  for (guint i = 0; i < w->devices->len; i++)
    {
      Device *d = g_ptr_array_index (w->devices, i);
      if (d->ue == ue)
        return d;
    }
  return NULL;
}

gboolean
imps_world_ue_bsf (ImpsWorld *w, ImpsUe *ue, const gchar **fqdn, const gchar **address,
                   guint16 *port)
{
  Device *d = device_of (w, ue);
  g_return_val_if_fail (d != NULL, FALSE);
  Operator *o = g_ptr_array_index (w->operators, d->op);
  if (o->bsf == NULL)
    return FALSE;
  *fqdn = o->bsf_fqdn;
  *address = o->bsf_address;
  *port = imps_bsf_get_ub_port (o->bsf);
  return TRUE;
}

gboolean
imps_world_restart (ImpsWorld *w, const gchar *node, const gchar *operator_name,
                    GError **error)
{
  Operator *o = NULL;
  for (guint i = 0; i < w->operators->len && !o; i++)
    {
      Operator *c = g_ptr_array_index (w->operators, i);
      if (strcmp (c->spec->name, operator_name) == 0)
        o = c;
    }
  if (o == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no operator %s", operator_name);
      return FALSE;
    }
  /* A restarted node keeps its port, so its peers find it again. */
  if (strcmp (node, "hss") == 0 && o->hss)
    {
      ImpsWorldOptions opt = w->options;
      guint16 port = imps_hss_get_port (o->hss);
      g_clear_pointer (&o->hss, imps_hss_free);
      opt.port_base = 0;
      if (!start_hss_on (w, w->scenario, o, o->index, &opt, port, error))
        return FALSE;
      return TRUE;
    }
  if (strcmp (node, "bsf") == 0 && o->bsf)
    {
      ImpsWorldOptions opt = w->options;
      guint16 ub = imps_bsf_get_ub_port (o->bsf), zn = imps_bsf_get_zn_port (o->bsf);
      g_clear_pointer (&o->bsf, imps_bsf_free);
      return start_bsf_on (w, o, &opt, ub, zn, error);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "operator %s runs no %s",
               operator_name, node);
  return FALSE;
}

void
imps_world_free (ImpsWorld *w)
{
  if (w == NULL)
    return;
  /* UEs first: they may hold connections to the BSFs. */
  g_clear_pointer (&w->ues, g_ptr_array_unref);
  g_clear_pointer (&w->devices, g_ptr_array_unref);
  g_clear_pointer (&w->operators, g_ptr_array_unref);
  g_free (w->state_dir);
  imps_network_free (w->net);
  imps_clock_unref (w->clock);
  imps_random_free (w->random);
  g_free (w);
}

ImpsNetwork *
imps_world_get_network (ImpsWorld *w)
{
  return w->net;
}

guint64
imps_world_get_seed (ImpsWorld *w)
{
  return w->seed;
}

void
imps_world_print_endpoints (ImpsWorld *w, FILE *out)
{
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      if (o->hss)
        fprintf (out, "HSS Zh diameter://%s:%u (%s)\n", o->hss_address,
                 imps_hss_get_port (o->hss), imps_hss_get_name (o->hss));
      if (o->bsf)
        {
          fprintf (out, "BSF Ub http://%s:%u/ (%s)\n", o->bsf_address,
                   imps_bsf_get_ub_port (o->bsf), imps_bsf_get_name (o->bsf));
          fprintf (out, "BSF Zn diameter://%s:%u (%s)\n", o->bsf_address,
                   imps_bsf_get_zn_port (o->bsf), imps_bsf_get_name (o->bsf));
        }
    }
  fflush (out);
}
