/* The UE's Ua client (profile §2): ticket request and resolve over HTTP. */
#include "imps-ue-ua.h"
#include "imps-http-client.h"
#include "gba/imps-gba.h"
#include "imps-secret.h"
#include "imps-ue.h"

#include <libsoup/soup.h>
#include <string.h>

G_DEFINE_QUARK (imps-ue-ua-error-quark, imps_ue_ua_error)

#define REBOOTSTRAP_HEADER "X-Impsim-Rebootstrap"
#define CONTENT_TYPE "application/mikey"
#define MAX_TICKETS 64

struct _ImpsUeUa {
  ImpsNetwork *net;
  ImpsClock *clock;        /* the device's (skewed) clock, reffed, or NULL: the network's */
  gchar *psk_id;           /* a static PSK's key id instead of GBA, or NULL */
  guint8 psk[32];          /* the static PSK */
  gsize psk_len;
  gchar *address;
  gchar *impu;
  gchar *claimed;   /* an identity claimed instead of impu (scenario attacks), or NULL */
  GPtrArray *identities;   /* the user's other public identities (owned strings), or NULL */
  gchar *kms_fqdn;
  gchar *kms_address;
  guint16 kms_port;
  ImpsUeUaKeySource source;
  ImpsRandom *random;
  ImpsMikeySuite suite;
  ImpsHttpClient *http;    /* while requests are on the wire, else NULL */
  guint on_wire;           /* requests on the wire */
  GCancellable *alive;     /* cancelled when the client goes */
  GPtrArray *tickets;      /* ImpsMikeyHeldTicket*, owned */
  GHashTable *borrowed;    /* cached ImpsMikeyHeldTicket* -> calls using it (> 0) */
  guint expiry_timer;      /* at the first valid_to of a cached ticket no call uses */
  guint requests;
  guint bootstraps;
};

static guint64
now_ntp (ImpsUeUa *ua)
{
  return imps_clock_now_ntp (ua->clock ? ua->clock : imps_network_get_clock (ua->net));
}

static ImpsClock *
ua_clock (ImpsUeUa *ua)
{
  return ua->clock ? ua->clock : imps_network_get_clock (ua->net);
}

/* Removes the cached ticket at @i (freed, its keys wiped). */
static void
cache_remove_index (ImpsUeUa *ua, guint i)
{
  g_hash_table_remove (ua->borrowed, g_ptr_array_index (ua->tickets, i));
  g_ptr_array_remove_index (ua->tickets, i);
}

/* A cached ticket no call can use again: expired, or single-use (J = 0,
 * RFC 6043 §6.10) and already carried by a call. */
static gboolean
held_spent (const ImpsMikeyHeldTicket *h, guint64 now)
{
  return (h->policy.valid_to != 0 && now >= h->policy.valid_to)
         || (h->n_transfers > 0 && !(h->policy.flags & IMPS_MIKEY_TICKET_FLAG_J));
}

static void schedule_expiry (ImpsUeUa *ua);

/* The spent tickets that no call uses leave the cache. */
static void
drop_spent (ImpsUeUa *ua)
{
  guint64 now = now_ntp (ua);
  for (guint i = ua->tickets->len; i-- > 0;)
    {
      ImpsMikeyHeldTicket *h = g_ptr_array_index (ua->tickets, i);
      if (held_spent (h, now) && !g_hash_table_contains (ua->borrowed, h))
        cache_remove_index (ua, i);
    }
}

static gboolean
expiry_due (gpointer data)
{
  ImpsUeUa *ua = data;
  ua->expiry_timer = 0;
  drop_spent (ua);
  schedule_expiry (ua);
  return G_SOURCE_REMOVE;
}

/* One clock timer at the first end of validity among the cached tickets no
 * call uses, so that a UE that makes no further call does not keep its
 * expired tickets until the run ends. */
static void
schedule_expiry (ImpsUeUa *ua)
{
  guint64 first = 0;
  for (guint i = 0; i < ua->tickets->len; i++)
    {
      const ImpsMikeyHeldTicket *h = g_ptr_array_index (ua->tickets, i);
      if (h->policy.valid_to != 0 && !g_hash_table_contains (ua->borrowed, h)
          && (first == 0 || h->policy.valid_to < first))
        first = h->policy.valid_to;
    }
  ImpsClock *clock = ua_clock (ua);
  if (ua->expiry_timer)
    imps_clock_timeout_remove (clock, ua->expiry_timer);
  ua->expiry_timer = 0;
  if (first == 0)
    return;
  guint64 now = now_ntp (ua);
  guint64 d = first > now ? first - now : 0;
  /* NTP 32.32 fixed point to microseconds, rounded up: due at valid_to */
  gint64 delay_us = (gint64) ((d >> 32) * G_USEC_PER_SEC
                              + (((d & 0xffffffffu) * G_USEC_PER_SEC + 0xffffffffu) >> 32));
  ua->expiry_timer = imps_clock_timeout_add (clock, delay_us, expiry_due, ua, NULL);
}

void
imps_ue_ua_set_clock (ImpsUeUa *ua, ImpsClock *clock)
{
  g_clear_pointer (&ua->clock, imps_clock_unref);
  ua->clock = clock ? imps_clock_ref (clock) : NULL;
}

void
imps_ue_ua_set_static_psk (ImpsUeUa *ua, const gchar *key_id, const guint8 *key, gsize key_len)
{
  g_return_if_fail (key_id == NULL || (key != NULL && key_len >= 16 && key_len <= 32));
  g_clear_pointer (&ua->psk_id, g_free);
  imps_wipe (ua->psk, sizeof ua->psk);
  ua->psk_len = 0;
  if (key_id == NULL)
    return;
  ua->psk_id = g_strdup (key_id);
  memcpy (ua->psk, key, key_len);
  ua->psk_len = key_len;
}

/* The identity the client names itself by: its IMPU, or the one claimed. */
static const gchar *
ua_identity (const ImpsUeUa *ua)
{
  return ua->claimed != NULL ? ua->claimed : ua->impu;
}

/* The identity a resolve names as IDRr: the one the TRANSFER_INIT's IDRr
 * names when that is another of the user's public identities (a call to
 * its tel: number), else the client's own. */
static const gchar *
resolve_identity (const ImpsUeUa *ua, const ImpsMikeyMessage *ti)
{
  const ImpsMikeyPayload *idr = imps_mikey_message_find_idr (ti, IMPS_MIKEY_ID_ROLE_R);
  for (guint i = 0; ua->claimed == NULL && idr != NULL && ua->identities != NULL
                    && i < ua->identities->len; i++)
    {
      const gchar *id = g_ptr_array_index (ua->identities, i);
      if (idr->u.id.data.len == strlen (id)
          && memcmp (idr->u.id.data.data, id, idr->u.id.data.len) == 0)
        return id;
    }
  return ua_identity (ua);
}

void
imps_ue_ua_add_identity (ImpsUeUa *ua, const gchar *identity)
{
  if (ua->identities == NULL)
    ua->identities = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (ua->identities, g_strdup (identity));
}

void
imps_ue_ua_set_claimed_identity (ImpsUeUa *ua, const gchar *identity)
{
  g_free (ua->claimed);
  ua->claimed = g_strdup (identity);
  imps_ue_ua_forget_tickets (ua);
}

ImpsUeUa *
imps_ue_ua_new (ImpsNetwork *net, const gchar *address, const gchar *impu,
                const gchar *kms_fqdn, const gchar *kms_address, guint16 kms_port,
                const ImpsUeUaKeySource *source)
{
  g_return_val_if_fail (net && address && impu && kms_fqdn && kms_address && source, NULL);
  g_return_val_if_fail (source->get_key && source->bootstrap_async && source->bootstrap_finish,
                        NULL);
  ImpsUeUa *ua = g_new0 (ImpsUeUa, 1);
  ua->net = net;
  ua->address = g_strdup (address);
  ua->impu = g_strdup (impu);
  ua->kms_fqdn = g_strdup (kms_fqdn);
  ua->kms_address = g_strdup (kms_address);
  ua->kms_port = kms_port;
  ua->source = *source;
  g_autofree gchar *label = g_strdup_printf ("ua %s %s", impu, address);
  ua->random = imps_network_new_random (net, label);
  imps_mikey_suite_init (&ua->suite, FALSE);
  ua->alive = g_cancellable_new ();
  ua->tickets = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_mikey_held_ticket_free);
  ua->borrowed = g_hash_table_new (g_direct_hash, g_direct_equal);
  return ua;
}

void
imps_ue_ua_free (ImpsUeUa *ua)
{
  if (ua == NULL)
    return;
  g_cancellable_cancel (ua->alive);
  g_clear_object (&ua->alive);
  g_clear_pointer (&ua->http, imps_http_client_free);
  if (ua->expiry_timer)
    imps_clock_timeout_remove (ua_clock (ua), ua->expiry_timer);
  g_hash_table_unref (ua->borrowed);
  g_ptr_array_unref (ua->tickets);
  if (ua->source.destroy)
    ua->source.destroy (ua->source.user_data);
  imps_random_free (ua->random);
  g_clear_pointer (&ua->clock, imps_clock_unref);
  g_free (ua->psk_id);
  imps_wipe (ua->psk, sizeof ua->psk);
  g_free (ua->address);
  g_free (ua->impu);
  if (ua->identities != NULL)
    g_ptr_array_unref (ua->identities);
  g_free (ua->claimed);
  g_free (ua->kms_fqdn);
  g_free (ua->kms_address);
  g_free (ua);
}

void
imps_ue_ua_set_suite_256 (ImpsUeUa *ua, gboolean suite_256)
{
  imps_mikey_suite_init (&ua->suite, suite_256);
}

guint
imps_ue_ua_count_tickets (ImpsUeUa *ua)
{
  return ua->tickets->len;
}

void
imps_ue_ua_forget_tickets (ImpsUeUa *ua)
{
  g_hash_table_remove_all (ua->borrowed);
  g_ptr_array_set_size (ua->tickets, 0);
  schedule_expiry (ua);
}

gboolean
imps_ue_ua_drop_ticket (ImpsUeUa *ua, const ImpsMikeyHeldTicket *held)
{
  g_return_val_if_fail (ua != NULL, FALSE);
  guint i;
  if (held == NULL || !g_ptr_array_find (ua->tickets, held, &i))
    return FALSE;
  cache_remove_index (ua, i);
  schedule_expiry (ua);
  return TRUE;
}

void
imps_ue_ua_borrow_ticket (ImpsUeUa *ua, const ImpsMikeyHeldTicket *held)
{
  g_return_if_fail (ua != NULL);
  if (held == NULL || !g_ptr_array_find (ua->tickets, held, NULL))
    return;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (ua->borrowed, held));
  g_hash_table_insert (ua->borrowed, (gpointer) held, GUINT_TO_POINTER (n + 1));
  schedule_expiry (ua);
}

void
imps_ue_ua_release_ticket (ImpsUeUa *ua, const ImpsMikeyHeldTicket *held)
{
  g_return_if_fail (ua != NULL);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (ua->borrowed, held));
  if (n == 0)
    return;
  if (n > 1)
    g_hash_table_insert (ua->borrowed, (gpointer) held, GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_remove (ua->borrowed, held);
  drop_spent (ua);
  schedule_expiry (ua);
}

guint
imps_ue_ua_count_requests (ImpsUeUa *ua)
{
  return ua->requests;
}

guint
imps_ue_ua_count_bootstraps (ImpsUeUa *ua)
{
  return ua->bootstraps;
}

/* ---------------------------------------------------------------------
 * One Ua exchange (request or resolve) with one re-bootstrap.
 * ------------------------------------------------------------------- */

typedef enum { RUN_REQUEST, RUN_RESOLVE } RunKind;

typedef struct {
  ImpsUeUa *ua;
  GCancellable *alive;             /* the client's, reffed */
  RunKind kind;
  ImpsMikeyTp desired;             /* views into strings */
  GPtrArray *strings;              /* owned copies the views point into */
  ImpsMikeyMessage *transfer_init; /* resolve: a copy */
  ImpsMikeyMessage *sent;          /* the REQUEST_INIT / RESOLVE_INIT last sent */
  guint8 psk[32];
  gsize psk_len;                   /* 32 (Ks_NAF), or the static PSK's 16 or 32 */
  gboolean bootstrapped;           /* the one re-bootstrap has been used */
  gboolean uncached;               /* request: a new ticket, owned by the caller, not cached */
  ImpsHttpResponse *answer;
  ImpsClock *held;                 /* held while a request is on the wire */
} Run;

/* The Ua session exists while requests are on the wire: an idle UE holds
 * no socket to its KMS (nor the KMS one to it). */
static ImpsHttpClient *
ua_client (ImpsUeUa *ua)
{
  if (ua->http == NULL)
    ua->http = imps_http_client_new (ua->address, IMPS_UE_UA_USER_AGENT, 10);
  return ua->http;
}

/* A request is off the wire (answered, failed or abandoned). */
static void
run_release_clock (Run *r)
{
  if (r->held)
    {
      imps_clock_release (r->held);
      g_clear_pointer (&r->held, imps_clock_unref);
      if (!g_cancellable_is_cancelled (r->alive) && --r->ua->on_wire == 0)
        g_clear_pointer (&r->ua->http, imps_http_client_free);
    }
}

static void
run_free (Run *r)
{
  run_release_clock (r);
  g_object_unref (r->alive);
  if (r->strings)
    g_ptr_array_unref (r->strings);
  imps_mikey_message_free (r->transfer_init);
  imps_mikey_message_free (r->sent);
  g_clear_pointer (&r->answer, imps_http_response_free);
  imps_wipe (r->psk, sizeof r->psk);
  g_free (r);
}

static void attempt (GTask *task);

static void
on_bootstrap (GObject *source, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  Run *r = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  if (g_cancellable_is_cancelled (r->alive))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the UE went away");
      g_object_unref (task);
      return;
    }
  ImpsUeUa *ua = r->ua;
  if (!ua->source.bootstrap_finish (ua->source.user_data, res, &error))
    {
      g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_NO_KEY,
                               "bootstrapping for Ua failed: %s", error->message);
      g_object_unref (task);
      return;
    }
  attempt (task);
}

static void
rebootstrap (GTask *task)
{
  Run *r = g_task_get_task_data (task);
  r->bootstrapped = TRUE;
  r->ua->bootstraps++;
  r->ua->source.bootstrap_async (r->ua->source.user_data, g_task_get_cancellable (task),
                                 on_bootstrap, task);
}

static void
fail_refused (GTask *task, const guint8 *body, gsize len, const GError *why)
{
  /* a MIKEY Error answer: name its ERR codes */
  if (len > 1 && body[1] == IMPS_MIKEY_DATA_ERROR)
    {
      guint8 errs[8];
      guint n = 0;
      gboolean auth = FALSE;
      g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_parse (body, len, NULL, errs,
                                                                G_N_ELEMENTS (errs), &n, &auth,
                                                                NULL);
      if (em && n > 0)
        {
          g_autoptr (GString) s = g_string_new (NULL);
          for (guint i = 0; i < n; i++)
            g_string_append_printf (s, "%s%u (%s)", i ? ", " : "", errs[i],
                                    imps_mikey_err_no_name (errs[i]));
          g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_REFUSED,
                                   "the KMS answered MIKEY Error: ERR %s", s->str);
          return;
        }
    }
  g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_PROTOCOL,
                           "the KMS's answer does not verify: %s", why->message);
}

static gboolean
held_fits (ImpsUeUa *ua, const ImpsMikeyHeldTicket *h, const ImpsMikeyTp *desired)
{
  guint64 now = now_ntp (ua);
  if (h->policy.valid_to != 0 && now >= h->policy.valid_to)
    return FALSE;
  if (h->n_transfers > 0 && !(h->policy.flags & IMPS_MIKEY_TICKET_FLAG_J))
    return FALSE;
  /* A call that must not fork keys cannot use a forkable ticket (I=1). A
   * call that asks for forking can use a ticket granted with I=0: the KMS
   * decided against forking for this user, and asking again would get the
   * same answer. */
  if (!(desired->flags & IMPS_MIKEY_TICKET_FLAG_I) && (h->policy.flags & IMPS_MIKEY_TICKET_FLAG_I))
    return FALSE;
  for (guint i = 0; i < desired->n_responders; i++)
    if (!imps_mikey_tp_has_responder (&h->policy, desired->responders[i].data,
                                      desired->responders[i].len))
      return FALSE;
  return desired->n_responders > 0;
}

static void
prune_tickets (ImpsUeUa *ua)
{
  guint64 now = now_ntp (ua);
  for (guint i = ua->tickets->len; i-- > 0;)
    {
      ImpsMikeyHeldTicket *h = g_ptr_array_index (ua->tickets, i);
      /* a ticket a call still uses stays until the call releases it */
      if (h->policy.valid_to != 0 && now >= h->policy.valid_to
          && !g_hash_table_contains (ua->borrowed, h))
        cache_remove_index (ua, i);
    }
  while (ua->tickets->len >= MAX_TICKETS)
    cache_remove_index (ua, 0);
}

static void
on_answer (GObject *source, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  Run *r = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  ImpsHttpResponse *answer = imps_http_client_send_finish (NULL, res, &error);
  g_clear_pointer (&r->answer, imps_http_response_free);
  r->answer = answer;
  GBytes *body = answer ? imps_http_response_get_body (answer) : NULL;
  run_release_clock (r);
  if (g_cancellable_is_cancelled (r->alive))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the UE went away");
      g_object_unref (task);
      return;
    }
  ImpsUeUa *ua = r->ua;
  if (body == NULL)
    {
      g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_TRANSPORT,
                               "Ua to %s:%u: %s", ua->kms_address, ua->kms_port, error->message);
      g_object_unref (task);
      return;
    }
  guint status = imps_http_response_get_status (answer);
  if (status != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_HTTP,
                               "the KMS answered HTTP %u %s", status,
                               imps_http_response_get_reason (answer));
      g_object_unref (task);
      return;
    }
  const gchar *rb = imps_http_response_get_header (answer, REBOOTSTRAP_HEADER);
  gsize len;
  const guint8 *d = g_bytes_get_data (body, &len);
  if (g_strcmp0 (rb, "1") == 0)
    {
      /* a static PSK has nothing to bootstrap */
      if (!r->bootstrapped && ua->psk_id == NULL)
        {
          rebootstrap (task);
          return;
        }
      g_autoptr (GError) why = g_error_new (IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_REFUSED,
                                            "re-bootstrap asked for again after one retry");
      fail_refused (task, d, len, why);
      g_object_unref (task);
      return;
    }
  guint64 now = now_ntp (ua);
  if (r->kind == RUN_REQUEST)
    {
      ImpsMikeyHeldTicket *held = imps_mikey_request_resp_process (r->sent, d, len, r->psk, r->psk_len,
                                                                   now, IMPS_MIKEY_DEFAULT_SKEW_S,
                                                                   &error);
      if (held == NULL)
        fail_refused (task, d, len, error);
      else if (r->uncached)
        g_task_return_pointer (task, held, (GDestroyNotify) imps_mikey_held_ticket_free);
      else
        {
          prune_tickets (ua);
          g_ptr_array_add (ua->tickets, held);
          schedule_expiry (ua);
          g_task_return_pointer (task, held, NULL);
        }
    }
  else
    {
      ImpsMikeyResolved *res2 = imps_mikey_resolve_resp_process (r->sent, d, len, r->psk, r->psk_len,
                                                                 r->transfer_init,
                                                                 ua_identity (ua), now,
                                                                 IMPS_MIKEY_DEFAULT_SKEW_S, NULL,
                                                                 &error);
      if (res2 == NULL)
        fail_refused (task, d, len, error);
      else
        g_task_return_pointer (task, res2, (GDestroyNotify) imps_mikey_resolved_free);
    }
  g_object_unref (task);
}

static void
attempt (GTask *task)
{
  Run *r = g_task_get_task_data (task);
  ImpsUeUa *ua = r->ua;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *btid = NULL;
  if (ua->psk_id != NULL)
    {
      /* a static PSK (profile §2, NOTE 1): no GBA; IDRpsk is its key id */
      btid = g_strdup (ua->psk_id);
      memcpy (r->psk, ua->psk, ua->psk_len);
      r->psk_len = ua->psk_len;
    }
  else
    {
      btid = ua->source.get_key (ua->source.user_data, ua->kms_fqdn, r->psk, &error);
      r->psk_len = 32;
    }
  if (btid == NULL)
    {
      if (!r->bootstrapped)
        {
          rebootstrap (task);
          return;
        }
      g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_NO_KEY,
                               "no Ks_NAF for %s: %s", ua->kms_fqdn, error->message);
      g_object_unref (task);
      return;
    }
  g_clear_pointer (&r->sent, imps_mikey_message_free);
  guint64 now = now_ntp (ua);
  if (r->kind == RUN_REQUEST)
    {
      ImpsMikeyRequestParams p = { 0 };
      p.suite = ua->suite;
      p.initiator_uri = ua_identity (ua);
      p.kms_uri = ua->kms_fqdn;
      p.psk_id = (const guint8 *) btid;
      p.psk_id_len = strlen (btid);
      p.desired = &r->desired;
      r->sent = imps_mikey_request_init_build (&p, r->psk, r->psk_len, now, ua->random, &error);
    }
  else
    {
      ImpsMikeyResolveParams p = { resolve_identity (ua, r->transfer_init), ua->kms_fqdn,
                                   (const guint8 *) btid, strlen (btid) };
      r->sent = imps_mikey_resolve_init_build (r->transfer_init, &p, r->psk, r->psk_len, now, ua->random,
                                               &error);
    }
  if (r->sent == NULL)
    {
      g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_PROTOCOL,
                               "%s could not be built: %s",
                               r->kind == RUN_REQUEST ? "REQUEST_INIT_PSK" : "RESOLVE_INIT_PSK",
                               error->message);
      g_object_unref (task);
      return;
    }
  const gchar *target = r->kind == RUN_REQUEST ? "/kms?requesttype=ticketrequest"
                                                : "/kms?requesttype=ticketresolve";
  g_clear_pointer (&r->answer, imps_http_response_free);
  /* The KMS as the UE knows it: its FQDN on the conventional HTTP port,
   * whatever port the kernel gave the simulated node (a seeded run then
   * repeats byte for byte, and the pcap shows port 80 too). */
  g_autofree gchar *host = g_strdup_printf ("%s:80", ua->kms_fqdn);
  const gchar *fields[] = { "Host", host, NULL };
  g_autoptr (GBytes) b = g_bytes_new (r->sent->body.raw, r->sent->body.raw_len);
  ua->requests++;
  /* Protocol time stands still while the request is on the wire: the
   * virtual clock must not jump to the next timer meanwhile. */
  run_release_clock (r);
  r->held = imps_clock_ref (imps_network_get_clock (ua->net));
  imps_clock_hold (r->held);
  ua->on_wire++;
  /* One request per connection: the KMS closes once it has answered, so
   * neither end keeps a socket for an idle UE (profile §1). */
  imps_http_client_send_async (ua_client (ua), ua->kms_address, ua->kms_port, "POST", target,
                               fields, CONTENT_TYPE, b, TRUE, g_task_get_cancellable (task),
                               on_answer, task);
}

static Run *
run_new (ImpsUeUa *ua, RunKind kind)
{
  Run *r = g_new0 (Run, 1);
  r->ua = ua;
  r->alive = g_object_ref (ua->alive);
  r->kind = kind;
  return r;
}

static void request_ticket (ImpsUeUa *ua, const ImpsMikeyTp *desired, gboolean uncached,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);

void
imps_ue_ua_request_ticket_async (ImpsUeUa *ua, const ImpsMikeyTp *desired,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  request_ticket (ua, desired, FALSE, cancellable, callback, user_data);
}

void
imps_ue_ua_request_new_ticket_async (ImpsUeUa *ua, const ImpsMikeyTp *desired,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  request_ticket (ua, desired, TRUE, cancellable, callback, user_data);
}

ImpsMikeyHeldTicket *
imps_ue_ua_request_new_ticket_finish (ImpsUeUa *ua, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
request_ticket (ImpsUeUa *ua, const ImpsMikeyTp *desired, gboolean uncached,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, imps_ue_ua_request_ticket_async);
  Run *r = run_new (ua, RUN_REQUEST);
  r->uncached = uncached;
  g_task_set_task_data (task, r, (GDestroyNotify) run_free);

  /* the desired TP, with its identities copied (the caller's may go) */
  r->desired = *desired;
  r->desired.prf = ua->suite.prf;
  r->desired.kms_id.len = 0;
  r->desired.initiator_id.len = 0;
  r->desired.n_apps = 0;
  r->strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < desired->n_responders; i++)
    {
      gchar *c = g_strndup ((const gchar *) desired->responders[i].data,
                            desired->responders[i].len);
      g_ptr_array_add (r->strings, c);
      r->desired.responders[i].data = (const guint8 *) c;
    }

  prune_tickets (ua);
  for (guint i = ua->tickets->len; !uncached && i-- > 0;)
    {
      ImpsMikeyHeldTicket *h = g_ptr_array_index (ua->tickets, i);
      if (held_fits (ua, h, &r->desired))
        {
          g_object_set_data (G_OBJECT (task), "from-cache", GINT_TO_POINTER (1));
          g_task_return_pointer (task, h, NULL);
          g_object_unref (task);
          return;
        }
    }
  attempt (task);
}

ImpsMikeyHeldTicket *
imps_ue_ua_request_ticket_finish (ImpsUeUa *ua, GAsyncResult *result, gboolean *from_cache,
                                  GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  if (from_cache)
    *from_cache = g_object_get_data (G_OBJECT (result), "from-cache") != NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
imps_ue_ua_resolve_async (ImpsUeUa *ua, const ImpsMikeyMessage *transfer_init,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, imps_ue_ua_resolve_async);
  Run *r = run_new (ua, RUN_RESOLVE);
  g_task_set_task_data (task, r, (GDestroyNotify) run_free);
  g_autoptr (GError) error = NULL;
  r->transfer_init = imps_mikey_message_parse (transfer_init->body.raw,
                                               transfer_init->body.raw_len, &error);
  if (r->transfer_init == NULL)
    {
      g_task_return_new_error (task, IMPS_UE_UA_ERROR, IMPS_UE_UA_ERROR_PROTOCOL,
                               "TRANSFER_INIT: %s", error->message);
      g_object_unref (task);
      return;
    }
  attempt (task);
}

ImpsMikeyResolved *
imps_ue_ua_resolve_finish (ImpsUeUa *ua, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------------
 * A key source backed by ImpsUe.
 * ------------------------------------------------------------------- */

typedef struct {
  ImpsUe *ue;
  gchar *bsf_fqdn;
  gchar *bsf_address;
  guint16 bsf_port;
} UeSource;

static void
ue_source_free (gpointer p)
{
  UeSource *s = p;
  g_free (s->bsf_fqdn);
  g_free (s->bsf_address);
  g_free (s);
}

static gchar *
ue_get_key (gpointer data, const gchar *naf_fqdn, guint8 ks_naf[32], GError **error)
{
  UeSource *s = data;
  g_auto (ImpsGbaKey) key = IMPS_GBA_KEY_INIT;
  if (!imps_ue_get_ks_naf (s->ue, naf_fqdn, IMPS_GBA_UA_ID_IMS_MEDIA, &key, error))
    return NULL;
  memcpy (ks_naf, key.bytes, 32);
  return g_strdup (imps_ue_get_btid (s->ue));
}

static void
ue_bootstrap_done (GObject *source, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  GError *error = NULL;
  ImpsUe *ue = g_task_get_task_data (task);
  if (imps_ue_bootstrap_finish (ue, res, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
ue_bootstrap_async (gpointer data, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer callback_data)
{
  UeSource *s = data;
  GTask *task = g_task_new (NULL, cancellable, callback, callback_data);
  g_task_set_task_data (task, s->ue, NULL);
  imps_ue_bootstrap_async (s->ue, s->bsf_fqdn, s->bsf_address, s->bsf_port, cancellable,
                           ue_bootstrap_done, task);
}

static gboolean
ue_bootstrap_finish (gpointer data, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
imps_ue_ua_key_source_for_ue (ImpsUeUaKeySource *source, struct _ImpsUe *ue,
                              const gchar *bsf_fqdn, const gchar *bsf_address, guint16 bsf_port)
{
  UeSource *s = g_new0 (UeSource, 1);
  s->ue = ue;
  s->bsf_fqdn = g_strdup (bsf_fqdn);
  s->bsf_address = g_strdup (bsf_address);
  s->bsf_port = bsf_port;
  source->get_key = ue_get_key;
  source->bootstrap_async = ue_bootstrap_async;
  source->bootstrap_finish = ue_bootstrap_finish;
  source->user_data = s;
  source->destroy = ue_source_free;
}

/* ---- a message made elsewhere, sent as is (scenario attacks) ---- */

typedef struct {
  ImpsUeUa *ua;
  GCancellable *alive;
  ImpsHttpResponse *answer;
  ImpsClock *held;
} Raw;

static void
raw_free (Raw *x)
{
  if (x->held)
    {
      imps_clock_release (x->held);
      g_clear_pointer (&x->held, imps_clock_unref);
      if (!g_cancellable_is_cancelled (x->alive) && --x->ua->on_wire == 0)
        g_clear_pointer (&x->ua->http, imps_http_client_free);
    }
  g_object_unref (x->alive);
  g_free (x);
}

static void
raw_answer (GObject *source, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  Raw *x = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsHttpResponse) answer = imps_http_client_send_finish (NULL, res, &error);
  (void) x;
  if (answer == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    {
      g_object_set_data (G_OBJECT (task), "status",
                         GUINT_TO_POINTER (imps_http_response_get_status (answer)));
      g_task_return_pointer (task, g_bytes_ref (imps_http_response_get_body (answer)),
                             (GDestroyNotify) g_bytes_unref);
    }
  g_object_unref (task);
}

void
imps_ue_ua_send_raw_async (ImpsUeUa *ua, const gchar *requesttype, GBytes *body,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  Raw *x = g_new0 (Raw, 1);
  GTask *task = g_task_new (NULL, ua->alive, callback, user_data);
  g_task_set_task_data (task, x, (GDestroyNotify) raw_free);
  x->ua = ua;
  x->alive = g_object_ref (ua->alive);
  g_autofree gchar *target = g_strdup_printf ("/kms?requesttype=%s", requesttype);
  g_autofree gchar *host = g_strdup_printf ("%s:80", ua->kms_fqdn);
  const gchar *fields[] = { "Host", host, NULL };
  x->held = imps_clock_ref (imps_network_get_clock (ua->net));
  imps_clock_hold (x->held);
  ua->on_wire++;
  /* a requesttype that makes no request target fails in the client */
  imps_http_client_send_async (ua_client (ua), ua->kms_address, ua->kms_port, "POST", target,
                               fields, CONTENT_TYPE, body, TRUE, ua->alive, raw_answer, task);
}

GBytes *
imps_ue_ua_send_raw_finish (GAsyncResult *result, guint *status, GError **error)
{
  GBytes *body = g_task_propagate_pointer (G_TASK (result), error);
  if (status)
    *status = body ? GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "status")) : 0;
  return body;
}
