#include "imps-world.h"
#include "imps-bsf.h"
#include "imps-hss.h"
#include "imps-netaddr.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>

typedef struct {
  const ImpsOperatorSpec *spec;
  gchar *hss_address;
  gchar *bsf_address;
  ImpsHss *hss;
  ImpsBsf *bsf;
} Operator;

struct _ImpsWorld {
  ImpsClock *clock;
  ImpsRandom *random;
  ImpsNetwork *net;
  guint64 seed;
  GPtrArray *operators; /* of Operator* */
};

static void
operator_free (gpointer p)
{
  Operator *o = p;
  imps_bsf_free (o->bsf);
  imps_hss_free (o->hss);
  g_free (o->hss_address);
  g_free (o->bsf_address);
  g_free (o);
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
start_hss (ImpsWorld *w, const ImpsScenario *s, Operator *o, guint op_index,
           const ImpsWorldOptions *opt, GError **error)
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
  return imps_hss_listen (o->hss, o->hss_address,
                          port_for (opt, IMPS_WORLD_PORT_DIAMETER), error);
}

static gboolean
start_bsf (ImpsWorld *w, const ImpsScenario *s, Operator *o,
           const ImpsWorldOptions *opt, GError **error)
{
  g_autofree gchar *path = state_path (opt, "bsf", o->spec->domain);
  o->bsf = imps_bsf_new (w->net, o->spec->domain, path, error);
  if (o->bsf == NULL)
    return FALSE;
  imps_bsf_set_default_lifetime (o->bsf, o->spec->ks_lifetime);
  imps_bsf_set_hss (o->bsf, o->hss_address, imps_hss_get_port (o->hss));
  return imps_bsf_listen (o->bsf, o->bsf_address, port_for (opt, IMPS_WORLD_PORT_HTTP),
                          port_for (opt, IMPS_WORLD_PORT_DIAMETER), error);
}

ImpsWorld *
imps_world_new (const ImpsScenario *s, const ImpsWorldOptions *opt, GError **error)
{
  g_autoptr (ImpsWorld) w = g_new0 (ImpsWorld, 1);

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
      o->hss_address = imps_node_address (IMPS_NODE_HSS, o->spec->number, 0);
      o->bsf_address = imps_node_address (IMPS_NODE_BSF, o->spec->number, 0);
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
  return g_steal_pointer (&w);
}

void
imps_world_free (ImpsWorld *w)
{
  if (w == NULL)
    return;
  g_clear_pointer (&w->operators, g_ptr_array_unref);
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
