#include "imps-world.h"
#include "imps-bsf.h"
#include "imps-hss.h"
#include "imps-ims.h"
#include "imps-pcscf-gm.h"
#include "imps-scscf-mw.h"
#include "imps-ladder.h"
#include "imps-kms.h"
#include "imps-sip-bus.h"
#include "imps-netaddr.h"
#include "aka/imps-milenage.h"
#include "imps-secret.h"
#include "imps-files.h"

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
  gchar *kms_address;
  gchar *kms_fqdn;
  gchar *pcscf_address;
  gchar *pcscf_name;
  gchar *agw_address;
  gchar *scscf_address;
  gchar *scscf_name;
  ImpsHss *hss;
  ImpsBsf *bsf;
  ImpsKms *kms;
  ImpsScscf *scscf;
  ImpsPcscf *pcscf;
  ImpsPcscfGm *gm;          /* serve: Gm on real sockets, or NULL */
  ImpsPcscfGm *mw;          /* serve: the S-CSCF's Mw on real sockets, or NULL */
  guint16 pcscf_port;       /* 0: 5060 */
  guint16 scscf_port;       /* 0: 5060 */
} Operator;

typedef ImpsWorldDevice Device;

/* One device's calls in the world's Call-ID index: how many of them are in
 * it, and whether the device made or got calls since (then it is on the
 * world's dirty list). */
typedef struct {
  ImpsWorld *world;
  Device *device;
  guint order;     /* the device's place among those with a SIP agent */
  guint indexed;
  gboolean dirty;
} CallWatch;

static gint
call_watch_cmp (gconstpointer a, gconstpointer b)
{
  guint x = (*(CallWatch *const *) a)->order, y = (*(CallWatch *const *) b)->order;
  return x < y ? -1 : x > y;
}

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
  GHashTable *by_name;  /* device name -> Device*, borrowed */
  GHashTable *by_ue;    /* ImpsUe* -> Device*, borrowed */
  GHashTable *calls_by_id; /* call id -> GPtrArray of ImpsWorldCall*, owned */
  GPtrArray *call_watches; /* of CallWatch*, one per device with a SIP agent, owned */
  GPtrArray *calls_dirty;  /* CallWatch* of the devices with calls not yet in calls_by_id */
  guint64 index_visits;    /* devices the Call-ID index looked at, in all */
  GPtrArray *ues;       /* of ImpsUe*, borrowed from devices */
  ImpsSipBus *bus;
  guint8 agreement_seed[32];
  ImpsKmsCa *ca;        /* the run's CA for Zk certificates */
  guint state_dir_old_mode; /* the state folder's mode before it was made 0700, or 0 */
};

/* A released call leaves the index (when it was in it) as the agent frees
 * it; the device's later calls move down one place. */
static void
call_gone (ImpsUeSip *sip, ImpsUeCall *call, guint index, gpointer data)
{
  CallWatch *cw = data;
  (void) sip;
  if (index >= cw->indexed)
    return;
  cw->indexed--;
  const gchar *id = imps_ue_call_get_call_id (call);
  GPtrArray *a = g_hash_table_lookup (cw->world->calls_by_id, id);
  for (guint i = 0; a && i < a->len; i++)
    if (((ImpsWorldCall *) g_ptr_array_index (a, i))->call == call)
      {
        g_ptr_array_remove_index (a, i);
        break;
      }
  if (a && a->len == 0)
    g_hash_table_remove (cw->world->calls_by_id, id);
}

static void
call_added (ImpsUeSip *sip, gpointer data)
{
  CallWatch *cw = data;
  (void) sip;
  if (!cw->dirty)
    {
      cw->dirty = TRUE;
      g_ptr_array_add (cw->world->calls_dirty, cw);
    }
}

static void
operator_free (gpointer p)
{
  Operator *o = p;
  imps_pcscf_gm_free (o->gm);
  imps_pcscf_gm_free (o->mw);
  imps_pcscf_free (o->pcscf);
  imps_scscf_free (o->scscf);
  imps_kms_free (o->kms);
  g_free (o->kms_address);
  g_free (o->kms_fqdn);
  g_free (o->pcscf_address);
  g_free (o->pcscf_name);
  g_free (o->agw_address);
  g_free (o->scscf_address);
  g_free (o->scscf_name);
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
  imps_ue_sip_free (d->sip);
  imps_ue_ua_free (d->ua);
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

/* A "host@address" item of a zh-peers / zn-peers key (checked by the
 * scenario parser): the host (new) and the address (in @item). */
static gchar *
split_peer (const gchar *item, const gchar **address)
{
  const gchar *at = strrchr (item, '@');
  *address = at + 1;
  return g_strndup (item, (gsize) (at - item));
}

/* Zh: the operator's BSF and the outside peers the scenario names. */
static void
allow_zh_peers (Operator *o)
{
  imps_hss_allow_peer (o->hss, o->bsf_fqdn, o->bsf_address);
  /* serve: the P-CSCF's Gm asks for IMS AKA vectors (MAR) */
  if (o->gm)
    imps_hss_allow_peer (o->hss, o->pcscf_name, o->pcscf_address);
  /* and the S-CSCF's Mw, for users behind an outside P-CSCF */
  if (o->mw)
    imps_hss_allow_peer (o->hss, o->scscf_name, o->scscf_address);
  for (guint i = 0; o->spec->zh_peers && o->spec->zh_peers[i]; i++)
    {
      const gchar *address;
      g_autofree gchar *host = split_peer (o->spec->zh_peers[i], &address);
      imps_hss_allow_peer (o->hss, host, address);
    }
}

/* Zn: the operator's KMS, the KMSs of operators it has an agreement with,
 * and the outside NAFs the scenario names. */
static void
allow_zn_peers (ImpsWorld *w, Operator *o)
{
  imps_bsf_allow_zn_peer (o->bsf, o->kms_fqdn, o->kms_address);
  for (guint i = 0; i < w->scenario->agreements->len; i++)
    {
      const ImpsAgreementSpec *a = g_ptr_array_index (w->scenario->agreements, i);
      guint other = a->op_a == o->index ? a->op_b : a->op_b == o->index ? a->op_a : G_MAXUINT;
      /* a one-way agreement: only the side that configured it answers */
      if (other >= w->operators->len || !(a->op_a == o->index ? a->at_a : a->at_b))
        continue;
      Operator *p = g_ptr_array_index (w->operators, other);
      imps_bsf_allow_zn_peer (o->bsf, p->kms_fqdn, p->kms_address);
    }
  for (guint i = 0; o->spec->zn_peers && o->spec->zn_peers[i]; i++)
    {
      const gchar *address;
      g_autofree gchar *host = split_peer (o->spec->zn_peers[i], &address);
      imps_bsf_allow_zn_peer (o->bsf, host, address);
    }
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
  if (!imps_hss_listen (o->hss, o->hss_address, port, error))
    return FALSE;
  allow_zh_peers (o);
  return TRUE;
}

static gboolean
start_hss (ImpsWorld *w, const ImpsScenario *s, Operator *o, guint op_index,
           const ImpsWorldOptions *opt, GError **error)
{
  return start_hss_on (w, s, o, op_index, opt, port_for (opt, IMPS_WORLD_PORT_DIAMETER), error);
}

/* ---- clock skew and static PSKs (scenario clock-skew, psk) ---- */

/* A clock @skew_s seconds off the run's (a view of it), or NULL for none. */
static ImpsClock *
skewed_clock (ImpsWorld *w, gint64 skew_s)
{
  return skew_s != 0 ? imps_clock_new_skewed (w->clock, skew_s * G_USEC_PER_SEC) : NULL;
}

static void
skew_bsf (ImpsWorld *w, Operator *o)
{
  g_autoptr (ImpsClock) c = skewed_clock (w, o->spec->bsf_clock_skew);
  if (c != NULL)
    imps_bsf_set_clock (o->bsf, c);
}

/* The KMS's clock, and the static PSKs of the operator's subscribers. */
static void
provision_kms_faults (ImpsWorld *w, Operator *o)
{
  g_autoptr (ImpsClock) c = skewed_clock (w, o->spec->kms_clock_skew);
  if (c != NULL)
    imps_kms_set_clock (o->kms, c);
  for (guint i = 0; i < w->scenario->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (w->scenario->subscribers, i);
      if (u->op == o->index && u->psk_id != NULL)
        {
          imps_kms_add_static_psk (o->kms, u->psk_id, u->impus[0], u->psk, u->psk_len);
          imps_key_log_static_psk (w->options.key_log, u->psk_id, u->impus[0], u->psk,
                                   u->psk_len);
        }
    }
}

/* A device's own clock; set before its SIP agent is made (which keeps it). */
static void
skew_device (ImpsWorld *w, Device *dev, const ImpsSubscriberSpec *u)
{
  g_autoptr (ImpsClock) c = skewed_clock (w, u->clock_skew);
  if (c != NULL)
    imps_ue_set_clock (dev->ue, c);
}

/* The device's Ua client: its clock, and a static PSK instead of GBA. */
static void
provision_device_faults (ImpsWorld *w, Device *dev, const ImpsSubscriberSpec *u)
{
  if (dev->ua == NULL)
    return;
  if (u->clock_skew != 0)
    imps_ue_ua_set_clock (dev->ua, imps_ue_get_clock (dev->ue));
  if (u->psk_id != NULL)
    {
      /* the devices hold device-psk when the file gives one (a wrong key) */
      gboolean own = u->device_psk_len != 0;
      imps_ue_ua_set_static_psk (dev->ua, u->psk_id, own ? u->device_psk : u->psk,
                                 own ? u->device_psk_len : u->psk_len);
      /* the device's own (wrong) key too, once per subscriber */
      if (own && dev->device_index == 0)
        imps_key_log_static_psk (w->options.key_log, u->psk_id, u->impus[0], u->device_psk,
                                 u->device_psk_len);
    }
}

/* The HTTP servers' limits when the options change them (FALSE: the
 * servers' own defaults). */
static gboolean
http_limits (const ImpsWorldOptions *opt, ImpsHttpLimits *limits)
{
  if (!opt->http_per_address_cap_set)
    return FALSE;
  imps_http_limits_init (limits);
  limits->max_per_source = opt->http_per_address_cap;
  return TRUE;
}

static gboolean
start_bsf_on (ImpsWorld *w, Operator *o, const ImpsWorldOptions *opt, guint16 ub_port,
              guint16 zn_port, GError **error)
{
  g_autofree gchar *path = state_path (opt, "bsf", o->spec->domain);
  o->bsf = imps_bsf_new (w->net, o->spec->domain, path, error);
  if (o->bsf == NULL)
    return FALSE;
  skew_bsf (w, o);
  /* With simulated UEs the UE logs its keys; the BSF logs them only for
   * outside UEs (serve), so each key appears once. */
  if (opt->key_log && !opt->virtual_clock)
    imps_bsf_set_key_log (o->bsf, opt->key_log);
  imps_bsf_set_default_lifetime (o->bsf, o->spec->ks_lifetime);
  imps_bsf_set_hss (o->bsf, o->hss_address, imps_hss_get_port (o->hss));
  ImpsHttpLimits limits;
  if (http_limits (opt, &limits))
    imps_bsf_set_http_limits (o->bsf, &limits);
  if (!imps_bsf_listen (o->bsf, o->bsf_address, ub_port, zn_port, error))
    return FALSE;
  allow_zn_peers (w, o);
  return TRUE;
}

static gboolean
start_bsf (ImpsWorld *w, const ImpsScenario *s, Operator *o,
           const ImpsWorldOptions *opt, GError **error)
{
  return start_bsf_on (w, o, opt, port_for (opt, IMPS_WORLD_PORT_HTTP),
                       port_for (opt, IMPS_WORLD_PORT_DIAMETER), error);
}

/* The device's Ua client (towards its home KMS) and SIP agent (behind its
 * home P-CSCF), where the operator runs them. */
static gboolean
wire_device (ImpsWorld *w, Device *dev, const gchar *addr, GError **error)
{
  Operator *o = g_ptr_array_index (w->operators, dev->op);
  if (o->kms && o->bsf)
    {
      ImpsUeUaKeySource src;
      imps_ue_ua_key_source_for_ue (&src, dev->ue, o->bsf_fqdn, o->bsf_address,
                                    imps_bsf_get_ub_port (o->bsf));
      dev->ua = imps_ue_ua_new (w->net, addr, dev->impu, o->kms_fqdn, o->kms_address,
                                imps_kms_get_ua_port (o->kms), &src);
    }
  if (o->pcscf)
    {
      ImpsUeSipConfig cfg = {
        .impu = dev->impu,
        .proxy_address = o->pcscf_address,
        .proxy_port = o->pcscf_port,
        /* A user's devices answer one after another (the first after 2 s,
         * each next one a second later), as people do: the first answer wins
         * the fork and the others are cancelled while they ring. */
        .ring_us = (dev->answer_after ? dev->answer_after : 2 + dev->device_index) * G_USEC_PER_SEC,
        /* The forks of one call resolve 1 ms apart, not at one instant, so
         * their KMS exchanges never race on the sockets and a seeded run
         * repeats byte for byte. */
        .resolve_delay_us = dev->device_index * 1000,
        .mikey_forking = TRUE,
      };
      dev->sip = imps_ue_sip_new (dev->ue, w->bus, &cfg, error);
      if (dev->sip == NULL)
        return FALSE;
      CallWatch *cw = g_new0 (CallWatch, 1);
      cw->world = w;
      cw->device = dev;
      cw->order = w->call_watches->len;
      g_ptr_array_add (w->call_watches, cw);
      imps_ue_sip_set_new_call_func (dev->sip, call_added, cw);
      imps_ue_sip_set_call_gone_func (dev->sip, call_gone, cw);
      if (w->options.media_port_last != 0
          && !imps_ue_sip_set_media_ports (dev->sip, w->options.media_port_first,
                                           w->options.media_port_last))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "media ports %u-%u: the first must be even and the range hold a pair",
                       w->options.media_port_first, w->options.media_port_last);
          return FALSE;
        }
      /* the subscriber's other public identities (one implicit
       * registration set: a tel: number, more sip: URIs) */
      for (guint i = 1; dev->impus != NULL && dev->impus[i] != NULL; i++)
        {
          imps_ue_sip_add_identity (dev->sip, dev->impus[i]);
          if (dev->ua)
            imps_ue_ua_add_identity (dev->ua, dev->impus[i]);
        }
      /* the groups whose members include the subscriber's first IMPU */
      for (guint i = 0; i < w->scenario->groups->len; i++)
        {
          const ImpsGroupSpec *g = g_ptr_array_index (w->scenario->groups, i);
          if (g->members != NULL
              && g_strv_contains ((const gchar *const *) g->members, dev->impu))
            imps_ue_sip_add_group (dev->sip, g->identity);
        }
      if (dev->ua)
        {
          ImpsUeSipKms k;
          imps_ue_sip_kms_for_ua (&k, dev->ua);
          imps_ue_sip_set_kms (dev->sip, &k);
        }
    }
  return TRUE;
}

/* Zk: a certificate for the KMS from the run's CA, and the HTTPS endpoint
 * with mutual TLS (profile §4). */
static gboolean
start_zk (ImpsWorld *w, Operator *o, guint16 port, GError **error)
{
  gint64 now = imps_clock_now_us (w->clock) / G_USEC_PER_SEC;
  if (w->ca == NULL)
    {
      w->ca = w->options.zk_ca_cert_pem && w->options.zk_ca_key_pem
                  ? imps_kms_ca_new_from_pem (w->options.zk_ca_cert_pem,
                                              w->options.zk_ca_key_pem, error)
                  : imps_kms_ca_new ("impsim run CA", now, error);
      if (w->ca == NULL)
        return FALSE;
    }
  gchar *pem = imps_kms_ca_issue (w->ca, o->kms_fqdn, now, error);
  if (pem == NULL)
    return FALSE;
  g_autofree gchar *trust = g_strconcat (imps_kms_ca_get_pem (w->ca),
                                         w->options.zk_trust_pem ? w->options.zk_trust_pem : "",
                                         NULL);
  gboolean ok = imps_kms_set_zk_tls (o->kms, pem, trust, error)
                && imps_kms_listen_zk (o->kms, o->kms_address, port, error);
  imps_kms_pem_free (pem);
  return ok;
}

static gboolean
start_kms_on (ImpsWorld *w, const ImpsScenario *s, Operator *o, const ImpsWorldOptions *opt,
              guint16 ua_port, guint16 zk_port, GError **error)
{
  g_autofree gchar *path = state_path (opt, "kms", o->spec->domain);
  o->kms = imps_kms_new (w->net, o->spec->domain, path, error);
  if (o->kms == NULL)
    return FALSE;
  imps_kms_set_key_log (o->kms, opt->key_log);
  if (o->bsf)
    imps_kms_set_bsf (o->kms, o->bsf_address, imps_bsf_get_zn_port (o->bsf));
  if (!imps_world_load_kms (o->kms, s, o->spec->number, w->agreement_seed,
                               sizeof w->agreement_seed, error))
    return FALSE;
  provision_kms_faults (w, o);
  ImpsHttpLimits limits;
  if (http_limits (opt, &limits))
    imps_kms_set_http_limits (o->kms, &limits);
  if (!imps_kms_listen (o->kms, o->kms_address, ua_port, error))
    return FALSE;
  return start_zk (w, o, zk_port, error);
}

static gboolean
start_kms (ImpsWorld *w, const ImpsScenario *s, Operator *o, const ImpsWorldOptions *opt,
           GError **error)
{
  return start_kms_on (w, s, o, opt, port_for (opt, IMPS_WORLD_PORT_HTTP),
                       port_for (opt, IMPS_WORLD_PORT_HTTPS), error);
}

/* Zk: each KMS knows where the others listen. */
static void
wire_zk_peers (ImpsWorld *w)
{
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      for (guint j = 0; o->kms && j < w->operators->len; j++)
        {
          Operator *p = g_ptr_array_index (w->operators, j);
          if (p != o && p->kms)
            imps_kms_set_peer_zk (o->kms, p->kms_fqdn, p->kms_address,
                                  imps_kms_get_zk_port (p->kms));
        }
    }
}

/* ENUM for @o's S-CSCF: each tel: identity of another operator's subscriber
 * translates into that subscriber's first sip: identity, or into
 * sip:NUMBER@DOMAIN;user=phone when it has none. */
static gboolean
add_enum_entries (ImpsWorld *w, Operator *o, GError **error)
{
  for (guint i = 0; i < w->scenario->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (w->scenario->subscribers, i);
      if (u->op == o->index)
        continue;
      const gchar *sip_impu = NULL;
      for (guint j = 0; u->impus[j] && sip_impu == NULL; j++)
        if (g_str_has_prefix (u->impus[j], "sip:"))
          sip_impu = u->impus[j];
      for (guint j = 0; u->impus[j]; j++)
        {
          if (!g_str_has_prefix (u->impus[j], "tel:"))
            continue;
          const ImpsOperatorSpec *op = g_ptr_array_index (w->scenario->operators, u->op);
          g_autofree gchar *phone = NULL;
          if (sip_impu == NULL)
            {
              const gchar *number = u->impus[j] + 4;
              gsize n = strcspn (number, ";");
              phone = g_strdup_printf ("sip:%.*s@%s;user=phone", (int) n, number, op->domain);
            }
          if (!imps_scscf_add_enum (o->scscf, u->impus[j], sip_impu ? sip_impu : phone, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* The S-CSCF with what it is configured with (subscribers, groups, Mw
 * routes); registrations it learns at run time. */
static gboolean
start_scscf (ImpsWorld *w, Operator *o, gboolean routes, GError **error)
{
  o->scscf = imps_scscf_new (w->net, w->bus, o->spec->domain, o->scscf_address, o->scscf_port,
                             error);
  if (o->scscf == NULL)
    return FALSE;
  imps_scscf_set_max_expires (o->scscf, o->spec->registration_max);
  /* The operator's subscribers, each with its implicit registration set. */
  for (guint i = 0; i < w->scenario->subscribers->len; i++)
    {
      const ImpsSubscriberSpec *u = g_ptr_array_index (w->scenario->subscribers, i);
      if (u->op == o->index
          && !imps_scscf_add_subscriber (o->scscf, (const gchar *const *) u->impus, error))
        return FALSE;
    }
  /* The lab's ENUM: the numbers of the other operators' subscribers. */
  if (!add_enum_entries (w, o, error))
    return FALSE;
  /* Its groups: a call to a group identity forks to the members' devices. */
  for (guint i = 0; i < w->scenario->groups->len; i++)
    {
      const ImpsGroupSpec *g = g_ptr_array_index (w->scenario->groups, i);
      if (g->op == o->index
          && !imps_scscf_add_group (o->scscf, g->identity, (const gchar *const *) g->members,
                                    error))
        return FALSE;
    }
  for (guint j = 0; routes && j < w->operators->len; j++)
    {
      Operator *p = g_ptr_array_index (w->operators, j);
      if (p != o && p->scscf)
        imps_scscf_add_route (o->scscf, p->spec->domain, p->scscf_address, p->scscf_port);
    }
  return TRUE;
}

static ImpsPcscf *
new_pcscf (ImpsWorld *w, Operator *o, GError **error)
{
  ImpsPcscfConfig pc = {
    .domain = o->spec->domain,
    .address = o->pcscf_address,
    .port = o->pcscf_port,
    .agw_address = o->agw_address,
    .scscf_address = o->scscf_address,
    .scscf_port = o->scscf_port,
  };
  if (w->options.media_port_last != 0)
    {
      /* serve --media-ports: four ports per leg, at most 64 legs */
      pc.agw_first_port = w->options.media_port_first;
      pc.agw_max_legs = MIN (64u, ((guint) w->options.media_port_last
                                   - w->options.media_port_first + 1) / 4);
    }
  return imps_pcscf_new (w->net, w->bus, &pc, error);
}

static gboolean
start_ims (ImpsWorld *w, Operator *o, GError **error)
{
  if (w->options.sip_sockets)
    {
      /* The S-CSCF's Mw for an outside P-CSCF: the S-CSCF takes the port
       * its sockets got, so that its Via and Record-Route name where the
       * outside proxy reaches it. */
      o->mw = imps_scscf_mw_new (w->net, w->bus, o->spec->domain, o->scscf_address,
                                 port_for (&w->options, IMPS_IMS_SIP_PORT), 0, FALSE, error);
      if (o->mw == NULL)
        return FALSE;
      o->scscf_port = imps_pcscf_gm_get_port (o->mw);
      for (guint i = 0; i < w->scenario->subscribers->len; i++)
        {
          const ImpsSubscriberSpec *u = g_ptr_array_index (w->scenario->subscribers, i);
          /* without a password: IMS AKA only, as on Gm */
          if (u->op == o->index)
            imps_pcscf_gm_add_user (o->mw, u->impi, (const gchar *const *) u->impus,
                                    u->password);
        }
      if (o->hss)
        {
          imps_hss_allow_peer (o->hss, o->scscf_name, o->scscf_address);
          imps_pcscf_gm_set_hss (o->mw, o->hss_address, imps_hss_get_port (o->hss));
        }
    }
  if (!start_scscf (w, o, FALSE, error))
    return FALSE;
  if (w->options.sip_sockets)
    {
      /* The P-CSCF takes the port its sockets got, so that its Via, Path
       * and Record-Route name where outside devices reach it. */
      ImpsPcscfGmConfig gc = {
        .domain = o->spec->domain,
        .address = o->pcscf_address,
        .port = port_for (&w->options, IMPS_IMS_SIP_PORT),
        .pcscf_address = o->pcscf_address,
      };
      o->gm = imps_pcscf_gm_new (w->net, w->bus, &gc, error);
      if (o->gm == NULL)
        return FALSE;
      o->pcscf_port = imps_pcscf_gm_get_port (o->gm);
      for (guint i = 0; i < w->scenario->subscribers->len; i++)
        {
          const ImpsSubscriberSpec *u = g_ptr_array_index (w->scenario->subscribers, i);
          /* without a password: IMS AKA only */
          if (u->op == o->index)
            imps_pcscf_gm_add_user (o->gm, u->impi, (const gchar *const *) u->impus,
                                    u->password);
        }
      if (o->hss)
        {
          imps_hss_allow_peer (o->hss, o->pcscf_name, o->pcscf_address);
          imps_pcscf_gm_set_hss (o->gm, o->hss_address, imps_hss_get_port (o->hss));
        }
    }
  o->pcscf = new_pcscf (w, o, error);
  return o->pcscf != NULL;
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
          if (n > IMPS_NODE_MAX_UES)
            {
              imps_wipe (opc, sizeof opc);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "operator %s has more than %u devices (profile §9 addresses)",
                           op->name, IMPS_NODE_MAX_UES);
              return FALSE;
            }
          Device *dev = g_new0 (Device, 1);
          dev->name = d == 0 ? g_strdup (u->name) : g_strdup_printf ("%s.%s", u->name, u->devices[d]);
          dev->op = u->op;
          g_autofree gchar *addr = imps_node_address (IMPS_NODE_UE, op->number, n);
          ImpsUeUsimConfig usim = { u->impi, u->k, opc, u->ind_bits,
                                    u->has_usim_sqn ? u->usim_sqn : NULL };
          dev->ue = imps_ue_new (w->net, dev->name, addr, &usim);
          skew_device (w, dev, u);
          dev->impu = u->impus[0];
          dev->impus = (const gchar *const *) u->impus;
          dev->device_index = d;
          dev->answer_after = u->answer_after;
          if (w->options.key_log)
            imps_ue_set_key_log (dev->ue, w->options.key_log);
          g_ptr_array_add (w->devices, dev);
          /* the first of a name wins, as a scan in file order would find it */
          if (!g_hash_table_contains (w->by_name, dev->name))
            g_hash_table_insert (w->by_name, dev->name, dev);
          g_hash_table_insert (w->by_ue, dev->ue, dev);
          if (!wire_device (w, dev, addr, error))
            {
              imps_wipe (opc, sizeof opc);
              return FALSE;
            }
          provision_device_faults (w, dev, u);
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
  w->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  w->by_ue = g_hash_table_new (g_direct_hash, g_direct_equal);
  w->calls_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  w->call_watches = g_ptr_array_new_with_free_func (g_free);
  w->calls_dirty = g_ptr_array_new ();
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
  /* SIP and media inside the process, 1 ms of virtual time a hop. */
  w->bus = imps_sip_bus_new (w->net, 1000);
  {
    g_autoptr (ImpsRandom) r = imps_network_new_random (w->net, "kms-agreements");
    imps_random_fill (r, w->agreement_seed, sizeof w->agreement_seed);
  }

  /* The stores hold K, OPc, Ks, TPKs and pair keys: the folder is the
   * owner's alone, whoever made it. */
  if (opt->state_dir && !imps_dir_make_private (opt->state_dir, &w->state_dir_old_mode, error))
    {
      g_prefix_error (error, "--state-dir: ");
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
      o->kms_address = imps_node_address (IMPS_NODE_KMS, o->spec->number, 0);
      o->kms_fqdn = imps_node_fqdn (IMPS_NODE_KMS, o->spec->domain);
      o->pcscf_address = imps_node_address (IMPS_NODE_PCSCF, o->spec->number, 0);
      o->pcscf_name = imps_node_fqdn (IMPS_NODE_PCSCF, o->spec->domain);
      o->agw_address = imps_node_address (IMPS_NODE_AGW, o->spec->number, 0);
      o->scscf_address = imps_node_address (IMPS_NODE_SCSCF, o->spec->number, 0);
      o->scscf_name = imps_node_fqdn (IMPS_NODE_SCSCF, o->spec->domain);
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
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      if ((o->spec->nodes & IMPS_OP_NODE_KMS) && !start_kms (w, s, o, opt, error))
        {
          g_prefix_error (error, "operator %s: ", o->spec->name);
          return NULL;
        }
      if ((o->spec->nodes & IMPS_OP_NODE_SCSCF) && (o->spec->nodes & IMPS_OP_NODE_PCSCF)
          && !start_ims (w, o, error))
        {
          g_prefix_error (error, "operator %s: ", o->spec->name);
          return NULL;
        }
    }
  wire_zk_peers (w);
  /* Mw: each S-CSCF knows the others' domains. */
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      for (guint j = 0; o->scscf && j < w->operators->len; j++)
        {
          Operator *p = g_ptr_array_index (w->operators, j);
          if (p != o && p->scscf)
            imps_scscf_add_route (o->scscf, p->spec->domain, p->scscf_address, p->scscf_port);
        }
    }
  if (!make_devices (w, s, error))
    return NULL;
  /* The given CA's key now lives in w->ca (wiped with it); the caller
   * wipes its copy, so keep no pointer to it. */
  w->options.zk_ca_cert_pem = NULL;
  w->options.zk_ca_key_pem = NULL;
  return g_steal_pointer (&w);
}

ImpsWorldDevice *
imps_world_find_device (ImpsWorld *w, const gchar *name)
{
  return g_hash_table_lookup (w->by_name, name);
}

const gchar *
imps_world_resolve_impu (ImpsWorld *w, const gchar *name_or_impu)
{
  if (strchr (name_or_impu, ':'))
    return name_or_impu;
  const ImpsSubscriberSpec *u = imps_scenario_find_subscriber (w->scenario, name_or_impu);
  return u ? u->impus[0] : NULL;
}

/* A CSCF could read a call's media keys when an SDP it handled carried
 * them in clear, or when its IMS-AGW holds them (e2ae). */
static gboolean
reads_keys (const ImpsImsExposure *e)
{
  return e->saw_sdes_keys || e->holds_media_keys;
}

static void
exposure_line (GString *out, const gchar *node, const ImpsImsExposure *e, gboolean reads)
{
  g_string_append_printf (out, "  %-22s %s", node, reads ? "COULD READ media keys" : "no media keys");
  if (e->holds_media_keys)
    g_string_append (out, " (its IMS-AGW holds the SRTP keys: e2ae)");
  else if (e->saw_sdes_keys)
    g_string_append (out, " (a=crypto keys in clear in the SDP it forwarded)");
  else if (e->saw_key_mgmt)
    g_string_append (out, " (only MIKEY a=key-mgmt, keys sealed for the KMS)");
  g_string_append_c (out, '\n');
}

guint64
imps_world_count_call_index_visits (ImpsWorld *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return w->index_visits;
}

/* Which part a KMS had in a MIKEY-TICKET call: it issued the ticket (the
 * caller's home KMS), or it resolved it for a callee's device (the callee's
 * home KMS, which relays a foreign ticket to the issuer over Zk). Only
 * those KMSs can derive the call's keys; any other never saw the ticket. */
GPtrArray *
imps_world_find_calls (ImpsWorld *w, const gchar *call_id)
{
  /* A UE never forgets a call (imps-ue-sip.h), so each device's calls are
   * indexed once, from where the last look-up left off, and only the
   * devices that made or got a call since are looked at: a look-up costs
   * one step per new call, not one per device or per call of the run. */
  guint keep = 0;
  /* in device order, as a walk over every device would find them */
  g_ptr_array_sort (w->calls_dirty, call_watch_cmp);
  for (guint i = 0; i < w->calls_dirty->len; i++)
    {
      CallWatch *cw = g_ptr_array_index (w->calls_dirty, i);
      Device *d = cw->device;
      w->index_visits++;
      guint n = imps_ue_sip_n_calls (d->sip);
      for (; cw->indexed < n; cw->indexed++)
        {
          ImpsUeCall *call = imps_ue_sip_get_call (d->sip, cw->indexed);
          const gchar *id = imps_ue_call_get_call_id (call);
          if (id == NULL)
            break; /* not yet made: indexed at the next look-up */
          GPtrArray *a = g_hash_table_lookup (w->calls_by_id, id);
          if (a == NULL)
            {
              a = g_ptr_array_new_with_free_func (g_free);
              g_hash_table_insert (w->calls_by_id, g_strdup (id), a);
            }
          ImpsWorldCall *wc = g_new (ImpsWorldCall, 1);
          wc->device = d;
          wc->call = call;
          g_ptr_array_add (a, wc);
        }
      cw->dirty = cw->indexed < n;
      if (cw->dirty)
        w->calls_dirty->pdata[keep++] = cw;
    }
  g_ptr_array_set_size (w->calls_dirty, keep);
  return call_id ? g_hash_table_lookup (w->calls_by_id, call_id) : NULL;
}

void
imps_world_release_call (ImpsWorld *w, const gchar *call_id)
{
  g_return_if_fail (w != NULL);
  if (call_id == NULL)
    return;
  GPtrArray *a = imps_world_find_calls (w, call_id);
  if (a == NULL)
    return;
  /* a release never frees at once (imps_ue_call_release()), so the list
   * stays as it is while this walks it */
  for (guint i = 0; i < a->len; i++)
    imps_ue_call_release (((ImpsWorldCall *) g_ptr_array_index (a, i))->call);
}

/* Which part a KMS had in a MIKEY-TICKET call: it issued the ticket (the
 * caller's home KMS), or it resolved it for a callee's device (the callee's
 * home KMS, which relays a foreign ticket to the issuer over Zk). Only
 * those KMSs can derive the call's keys; any other never saw the ticket. */
static const gchar *
kms_part (ImpsWorld *w, guint op, const gchar *call_id)
{
  const gchar *part = NULL;
  GPtrArray *calls = imps_world_find_calls (w, call_id);
  for (guint i = 0; calls && i < calls->len; i++)
    {
      const ImpsWorldCall *wc = g_ptr_array_index (calls, i);
      guint8 fp[32];
      if (wc->device->op != op)
        continue;
      if (imps_ue_call_is_caller (wc->call))
        return "issued the ticket";
      if (imps_ue_call_get_tgk_fingerprint (wc->call, fp))
        part = "resolved the ticket";
    }
  return part;
}

gboolean
imps_world_call_agw (ImpsWorld *w, const gchar *device, const gchar *call_id, gchar **agw_name,
                     guint64 *srtp_in, guint64 *rtp_out_core, guint64 *rtp_in_core,
                     guint64 *srtp_out, guint64 *auth_failures)
{
  ImpsWorldDevice *d = imps_world_find_device (w, device);
  if (d == NULL)
    return FALSE;
  Operator *o = g_ptr_array_index (w->operators, d->op);
  ImpsAgwStats st;
  if (o->pcscf == NULL || !imps_pcscf_agw_stats (o->pcscf, call_id, &st) || st.legs == 0)
    return FALSE;
  *agw_name = g_strdup_printf ("agw.%s", o->spec->domain);
  /* Every SRTP packet from the UE that authenticated became one RTP
   * packet toward the core, and every RTP packet from the core one SRTP
   * packet to the UE (imps-ims.h). */
  *srtp_in = st.rtp_to_core;
  *rtp_out_core = st.rtp_to_core;
  *rtp_in_core = st.rtp_to_ue;
  *srtp_out = st.rtp_to_ue;
  *auth_failures = st.auth_failures + st.replays;
  return TRUE;
}

guint
imps_world_call_exposure (ImpsWorld *w, const gchar *call_id, ImpsUeSecurity security,
                          GString *out)
{
  guint readers = 0;
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      ImpsImsExposure e;
      if (o->pcscf && imps_pcscf_call_exposure (o->pcscf, call_id, &e) && e.seen)
        {
          gboolean reads = reads_keys (&e);
          readers += reads;
          exposure_line (out, o->pcscf_name, &e, reads);
          ImpsAgwStats st;
          if (imps_pcscf_agw_stats (o->pcscf, call_id, &st) && st.legs > 0)
            {
              g_autofree gchar *agw = g_strdup_printf ("agw.%s", o->spec->domain);
              g_string_append_printf (out, "  %-22s (IMS-AGW, %s) SRTP from the UE -> RTP in the core: %"
                                      G_GUINT64_FORMAT " packets; RTP -> SRTP to the UE: %" G_GUINT64_FORMAT
                                      "; auth failures %" G_GUINT64_FORMAT "\n",
                                      agw, o->agw_address, st.rtp_to_core, st.rtp_to_ue, st.auth_failures);
            }
        }
      if (o->scscf && imps_scscf_call_exposure (o->scscf, call_id, &e) && e.seen)
        {
          gboolean reads = reads_keys (&e);
          readers += reads;
          exposure_line (out, o->scscf_name, &e, reads);
        }
      const gchar *part = security == IMPS_UE_SECURITY_MIKEY_TICKET && o->kms
                              ? kms_part (w, i, call_id) : NULL;
      if (part)
        {
          /* A KMS can derive the keys of the tickets it issued or resolved
           * (TS 33.328's trust model): say so. */
          g_string_append_printf (out, "  %-22s could derive media keys (MIKEY-TICKET KMS: %s)\n",
                                  o->kms_fqdn, part);
          readers++;
        }
    }
  return readers;
}

gboolean
imps_world_node_saw_keys (ImpsWorld *w, const gchar *node, const gchar *call_id,
                          ImpsUeSecurity security)
{
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      ImpsImsExposure e;
      if (o->pcscf && g_strcmp0 (node, o->pcscf_name) == 0)
        return imps_pcscf_call_exposure (o->pcscf, call_id, &e) && reads_keys (&e);
      if (o->scscf && g_strcmp0 (node, o->scscf_name) == 0)
        return imps_scscf_call_exposure (o->scscf, call_id, &e) && reads_keys (&e);
      if (o->kms && g_strcmp0 (node, o->kms_fqdn) == 0)
        return security == IMPS_UE_SECURITY_MIKEY_TICKET && kms_part (w, i, call_id) != NULL;
    }
  return FALSE;
}

ImpsUe *
imps_world_find_ue (ImpsWorld *w, const gchar *name)
{
  Device *d = g_hash_table_lookup (w->by_name, name);
  return d ? d->ue : NULL;
}

GPtrArray *
imps_world_get_ues (ImpsWorld *w)
{
  return w->ues;
}

static Device *
device_of (ImpsWorld *w, ImpsUe *ue)
{
  return g_hash_table_lookup (w->by_ue, ue);
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
imps_world_forget_btid (ImpsWorld *w, const gchar *operator_name, ImpsUe *ue, GError **error)
{
  Operator *o = NULL;
  for (guint i = 0; i < w->operators->len && !o; i++)
    {
      Operator *c = g_ptr_array_index (w->operators, i);
      if (strcmp (c->spec->name, operator_name) == 0)
        o = c;
    }
  if (o == NULL || o->bsf == NULL)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "operator %s runs no bsf", operator_name);
      return FALSE;
    }
  const gchar *btid = imps_ue_get_btid (ue);
  if (btid == NULL)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "%s holds no B-TID (it has not bootstrapped)", imps_ue_get_name (ue));
      return FALSE;
    }
  return imps_bsf_forget_btid (o->bsf, btid, error);
}

/* Deletes a stopped node's SQLite store (the database and its WAL files). */
static gboolean
wipe_store (ImpsWorld *w, const gchar *node, const Operator *o, GError **error)
{
  g_autofree gchar *path = state_path (&w->options, node, o->spec->domain);
  if (path == NULL)
    return TRUE; /* in memory: gone with the node */
  static const gchar *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree gchar *file = g_strconcat (path, suffixes[i], NULL);
      if (g_unlink (file) != 0 && errno != ENOENT)
        {
          int e = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                       "cannot wipe the %s store %s: %s", node, file, g_strerror (e));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
imps_world_restart (ImpsWorld *w, const gchar *node, const gchar *operator_name,
                    gboolean wiped, GError **error)
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
      if (wiped && !wipe_store (w, node, o, error))
        return FALSE;
      if (!start_hss_on (w, w->scenario, o, o->index, &opt, port, error))
        return FALSE;
      return TRUE;
    }
  if (strcmp (node, "kms") == 0 && o->kms)
    {
      guint16 ua = imps_kms_get_ua_port (o->kms), zk = imps_kms_get_zk_port (o->kms);
      g_clear_pointer (&o->kms, imps_kms_free);
      if (wiped && !wipe_store (w, node, o, error))
        return FALSE;
      if (!start_kms_on (w, w->scenario, o, &w->options, ua, zk, error))
        return FALSE;
      wire_zk_peers (w);
      return TRUE;
    }
  if (strcmp (node, "bsf") == 0 && o->bsf)
    {
      ImpsWorldOptions opt = w->options;
      guint16 ub = imps_bsf_get_ub_port (o->bsf), zn = imps_bsf_get_zn_port (o->bsf);
      g_clear_pointer (&o->bsf, imps_bsf_free);
      if (wiped && !wipe_store (w, node, o, error))
        return FALSE;
      return start_bsf_on (w, o, &opt, ub, zn, error);
    }
  /* The IMS nodes keep no store: a restart loses what they learnt at run
   * time (docs/scenario-format.md, "Restarts"). */
  if (strcmp (node, "scscf") == 0 && o->scscf)
    {
      imps_scscf_restart (o->scscf);
      imps_network_log (w->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_SIP, o->scscf_name,
                        NULL, NULL, NULL,
                        "its registrations and INVITE transactions are gone (no store); its "
                        "configuration stays; established calls keep their dialogs",
                        "S-CSCF restarted");
      return TRUE;
    }
  if (strcmp (node, "pcscf") == 0 && o->pcscf)
    {
      imps_pcscf_restart (o->pcscf);
      imps_network_log (w->net, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_SIP, o->pcscf_name,
                        NULL, NULL, NULL,
                        "its registered UEs are gone (no store); the IMS-AGW keeps the media "
                        "legs of the calls in progress", "P-CSCF restarted");
      return TRUE;
    }
  if (strcmp (node, "agw") == 0 && o->pcscf)
    {
      imps_pcscf_restart_agw (o->pcscf);
      return TRUE;
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
  g_clear_pointer (&w->by_name, g_hash_table_unref);
  g_clear_pointer (&w->by_ue, g_hash_table_unref);
  g_clear_pointer (&w->calls_by_id, g_hash_table_unref);
  g_clear_pointer (&w->calls_dirty, g_ptr_array_unref);
  g_clear_pointer (&w->call_watches, g_ptr_array_unref);
  g_clear_pointer (&w->devices, g_ptr_array_unref);
  g_clear_pointer (&w->operators, g_ptr_array_unref);
  g_clear_pointer (&w->bus, imps_sip_bus_free);
  g_clear_pointer (&w->ca, imps_kms_ca_free);
  imps_wipe (w->agreement_seed, sizeof w->agreement_seed);
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

ImpsSipBus *
imps_world_get_bus (ImpsWorld *w)
{
  return w->bus;
}

void
imps_world_describe_ladder (ImpsWorld *w, ImpsLadder *ladder)
{
  for (guint i = 0; i < w->operators->len; i++)
    imps_ladder_add_operator (ladder, ((Operator *) g_ptr_array_index (w->operators, i))->spec->domain);
  for (guint i = 0; i < w->devices->len; i++)
    {
      Device *d = g_ptr_array_index (w->devices, i);
      Operator *o = g_ptr_array_index (w->operators, d->op);
      imps_ladder_add_node (ladder, d->name, IMPS_NODE_UE, o->spec->domain);
    }
}

const gchar *
imps_world_get_ca_pem (ImpsWorld *w)
{
  return w->ca ? imps_kms_ca_get_pem (w->ca) : NULL;
}

gboolean
imps_world_kms_zk_endpoint (ImpsWorld *w, const gchar *kms_fqdn, const gchar **address,
                            guint16 *port)
{
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      if (o->kms == NULL || g_ascii_strcasecmp (o->kms_fqdn, kms_fqdn) != 0
          || imps_kms_get_zk_port (o->kms) == 0)
        continue;
      *address = o->kms_address;
      *port = imps_kms_get_zk_port (o->kms);
      return TRUE;
    }
  return FALSE;
}

guint64
imps_world_get_seed (ImpsWorld *w)
{
  return w->seed;
}

guint
imps_world_get_state_dir_old_mode (ImpsWorld *w)
{
  return w->state_dir_old_mode;
}

ImpsPcscfGm *
imps_world_get_pcscf_gm (ImpsWorld *w, guint op)
{
  if (op >= w->operators->len)
    return NULL;
  return ((Operator *) g_ptr_array_index (w->operators, op))->gm;
}

ImpsPcscfGm *
imps_world_get_scscf_mw (ImpsWorld *w, guint op)
{
  if (op >= w->operators->len)
    return NULL;
  return ((Operator *) g_ptr_array_index (w->operators, op))->mw;
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
      if (o->kms)
        {
          fprintf (out, "KMS Ua http://%s:%u/kms (%s)\n", o->kms_address,
                   imps_kms_get_ua_port (o->kms), o->kms_fqdn);
          fprintf (out, "KMS Zk https://%s:%u/kms (%s, mutual TLS)\n", o->kms_address,
                   imps_kms_get_zk_port (o->kms), o->kms_fqdn);
        }
      if (o->bsf)
        {
          fprintf (out, "BSF Ub http://%s:%u/ (%s)\n", o->bsf_address,
                   imps_bsf_get_ub_port (o->bsf), imps_bsf_get_name (o->bsf));
          fprintf (out, "BSF Zn diameter://%s:%u (%s)\n", o->bsf_address,
                   imps_bsf_get_zn_port (o->bsf), imps_bsf_get_name (o->bsf));
        }
      if (o->gm)
        {
          guint16 port = imps_pcscf_gm_get_port (o->gm);
          fprintf (out, "P-CSCF Gm sip:%s:%u (UDP and TCP, %s)\n",
                   o->pcscf_address, port, o->pcscf_name);
          for (guint j = 0; j < w->scenario->subscribers->len; j++)
            {
              const ImpsSubscriberSpec *u = g_ptr_array_index (w->scenario->subscribers, j);
              if (u->op != o->index || u->password == NULL)
                continue;
              fprintf (out, "outside device %s: %s, Digest user %s (password from the scenario), "
                       "outbound proxy sip:%s:%u\n", u->name, u->impus[0], u->impi,
                       o->pcscf_address, port);
            }
        }
      if (o->mw)
        fprintf (out, "S-CSCF Mw sip:%s:%u (UDP and TCP, %s; for an outside P-CSCF, Path and "
                 "Record-Route)\n", o->scscf_address, imps_pcscf_gm_get_port (o->mw),
                 o->scscf_name);
    }
  fflush (out);
}

void
imps_world_key_reader_free (ImpsWorldKeyReader *reader)
{
  if (reader == NULL)
    return;
  g_free (reader->node);
  g_free (reader->role);
  g_free (reader->reason);
  g_free (reader);
}

static void
add_reader (GPtrArray *out, const gchar *node, const gchar *role, const ImpsImsExposure *e)
{
  ImpsWorldKeyReader *r = g_new0 (ImpsWorldKeyReader, 1);
  r->node = g_strdup (node);
  r->role = g_strdup (role);
  r->keys = reads_keys (e);
  if (e->holds_media_keys)
    r->reason = g_strdup ("its IMS-AGW holds the SRTP keys: e2ae");
  else if (e->saw_sdes_keys)
    r->reason = g_strdup ("a=crypto keys in clear in the SDP it forwarded");
  else if (e->saw_key_mgmt)
    r->reason = g_strdup ("only MIKEY a=key-mgmt, keys sealed for the KMS");
  else
    r->reason = g_strdup ("no keys in the SDP it forwarded");
  g_ptr_array_add (out, r);
}

GPtrArray *
imps_world_call_key_readers (ImpsWorld *w, const gchar *call_id, ImpsUeSecurity security)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_world_key_reader_free);
  for (guint i = 0; i < w->operators->len; i++)
    {
      Operator *o = g_ptr_array_index (w->operators, i);
      ImpsImsExposure e;
      if (o->pcscf && imps_pcscf_call_exposure (o->pcscf, call_id, &e) && e.seen)
        add_reader (out, o->pcscf_name, "P-CSCF", &e);
      if (o->scscf && imps_scscf_call_exposure (o->scscf, call_id, &e) && e.seen)
        add_reader (out, o->scscf_name, "S-CSCF", &e);
      const gchar *part = security == IMPS_UE_SECURITY_MIKEY_TICKET && o->kms
                              ? kms_part (w, i, call_id) : NULL;
      if (part)
        {
          ImpsWorldKeyReader *r = g_new0 (ImpsWorldKeyReader, 1);
          r->node = g_strdup (o->kms_fqdn);
          r->role = g_strdup ("KMS");
          r->keys = TRUE;
          r->reason = g_strdup_printf ("MIKEY-TICKET KMS: %s", part);
          g_ptr_array_add (out, r);
        }
    }
  return out;
}
