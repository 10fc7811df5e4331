/* The S-CSCF: registrar without authentication (profile §6), parallel
 * forking to every registered contact through the P-CSCF each contact
 * registered through (RFC 3327 Path), Mw routing to other operators'
 * S-CSCFs, and an INVITE-stateful proxy core (RFC 3261 §16: 100 Trying,
 * best-response selection, CANCEL of the other branches after the first
 * 2xx, hop-by-hop ACK of non-2xx, timer C on the virtual clock). Other
 * requests (ACK for 2xx, BYE, in-dialog requests) are forwarded
 * statelessly along their Route set, which the Record-Route of the
 * initial INVITE built. */
#include "imps-ims-private.h"

#include <string.h>

#include "sip/imps-sip-uri.h"

/* How long an INVITE transaction stays after its final response, to absorb
 * the ACK of a non-2xx and pass late 2xx on (64*T1, RFC 3261 timer H). */
#define LINGER_US (32 * G_USEC_PER_SEC)

typedef struct {
  gchar *uri;          /* contact URI as text */
  ImpsSipUri *parsed;
  GPtrArray *path;     /* gchar*: the Path values (name-addr text), in order */
  gint64 expires_us;   /* virtual time */
} Binding;

typedef struct _ServerTx ServerTx;

typedef struct {
  ServerTx *tx;
  gchar *branch;             /* our Via branch of this fork */
  ImpsSipMessage *request;   /* the INVITE as sent on this branch */
  ImsHop hop;
  gboolean provisional;      /* a 1xx arrived */
  gboolean cancel_pending;   /* CANCEL to send at the first 1xx (RFC 3261 §9.1) */
  gboolean cancel_sent;
  guint final_status;        /* 0 until a final response (or its stand-in) */
} Branch;

struct _ServerTx {
  ImpsScscf *self;
  gchar *key;                /* the received INVITE's top Via branch */
  ImpsSipMessage *invite;    /* as received */
  ImsHop upstream;           /* where responses go */
  GPtrArray *branches;       /* Branch*, owned */
  guint timer_c;
  guint timer_c_round;
  guint linger;
  gboolean got_2xx;
  gboolean final_sent;
  gboolean cancelled;        /* the caller sent CANCEL */
  ImpsSipMessage *best;      /* best non-2xx final so far, ready to go upstream */
  guint best_status;
};

struct _ImpsScscf {
  ImpsNetwork *net;
  ImpsSipBus *bus;
  ImpsClock *clock;
  ImpsRandom *rnd;
  gchar *domain;
  gchar *name;
  gchar address[IMS_ADDR_LEN];
  guint16 port;
  guint attach_id;
  gint64 timer_c_us;
  guint32 max_expires;       /* the longest registration granted (s) */
  GHashTable *records;       /* IMPU key -> GPtrArray of Binding* */
  GHashTable *routes;        /* domain (lower case) -> ImsHop* */
  GHashTable *txs;           /* key -> ServerTx* (owned) */
  GHashTable *branches;      /* branch -> Branch* (owned by their tx) */
  GHashTable *exposure;      /* Call-ID -> ImpsImsExposure* */
  GHashTable *groups;        /* group identity key -> Group* */
  GHashTable *enum_table;    /* "tel:+number" of another operator -> SIP URI (the lab's ENUM) */
  GHashTable *users;         /* IMPU key -> key of its subscriber's first IMPU (the
                              * implicit registration set); empty: any user of the
                              * domain may register */
};

/* A group identity's members: those of this S-CSCF by their registration
 * record, those of other operators by their public identity (reached
 * through their S-CSCF over Mw). */
typedef struct {
  GStrv local;   /* record keys */
  GStrv remote;  /* public identities (sip: URIs) */
} Group;

static void
group_free (gpointer p)
{
  Group *g = p;
  g_strfreev (g->local);
  g_strfreev (g->remote);
  g_free (g);
}

static void
binding_free (gpointer p)
{
  Binding *b = p;
  g_free (b->uri);
  imps_sip_uri_free (b->parsed);
  g_ptr_array_unref (b->path);
  g_free (b);
}

static void
branch_free (gpointer p)
{
  Branch *b = p;
  g_free (b->branch);
  imps_sip_message_free (b->request);
  g_free (b);
}

static void
tx_free (gpointer p)
{
  ServerTx *tx = p;
  ImpsClock *clock = tx->self->clock;
  if (tx->timer_c != 0)
    imps_clock_timeout_remove (clock, tx->timer_c);
  if (tx->linger != 0)
    imps_clock_timeout_remove (clock, tx->linger);
  for (guint i = 0; i < tx->branches->len; i++)
    {
      Branch *b = g_ptr_array_index (tx->branches, i);
      g_hash_table_remove (tx->self->branches, b->branch);
    }
  g_ptr_array_unref (tx->branches);
  g_free (tx->key);
  imps_sip_message_free (tx->invite);
  if (tx->best != NULL)
    imps_sip_message_free (tx->best);
  g_free (tx);
}

static void
note (ImpsScscf *self, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static gchar *branch_device (ImpsScscf *self, const Branch *b);

static void
note (ImpsScscf *self, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *detail = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  imps_network_log (self->net, kind, IMPS_REF_NONE, IMPS_PROTO_SIP, self->name, NULL, NULL,
                    NULL, detail, "%s", summary);
}

/* Who a fork went to, for people: the node at the Request-URI's address
 * (the device whose contact it is), else the node of the next hop, else
 * the Request-URI itself. */
static gchar *
branch_device (ImpsScscf *self, const Branch *b)
{
  const gchar *ruri = imps_sip_message_get_request_uri (b->request);
  g_autoptr (ImpsSipUri) uri = ruri ? imps_sip_uri_parse (ruri, -1, NULL) : NULL;
  const gchar *name = NULL;
  if (uri && uri->host)
    name = imps_network_node_at (self->net, uri->host);
  if (name == NULL)
    name = imps_network_node_at (self->net, b->hop.addr);
  if (name)
    return ruri ? g_strdup_printf ("%s (%s)", name, ruri) : g_strdup (name);
  return g_strdup (ruri ? ruri : b->hop.addr);
}

static void
send_msg (ImpsScscf *self, const ImsHop *hop, const ImpsSipMessage *msg)
{
  ims_send (self->bus, IMPS_REF_MW, self->address, self->port, hop, msg);
}

/* A response to @request sent back along its top Via. */
static void
respond (ImpsScscf *self, const ImpsSipMessage *request, guint status, ImpsSipMessage **keep)
{
  g_autofree gchar *tag = status > 100 ? imps_sip_tag_new (self->rnd) : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) resp = imps_sip_message_new_response_for (request, status, NULL,
                                                                        tag, &error);
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (request, 0, NULL);
  ImsHop hop;

  if (resp == NULL || via == NULL || !ims_hop_from_via (via, &hop))
    {
      note (self, IMPS_EVENT_FAILURE, "no response", "cannot answer %u: %s", status,
            error != NULL ? error->message : "top Via names no IPv4 host");
      return;
    }
  send_msg (self, &hop, resp);
  if (keep != NULL)
    *keep = g_steal_pointer (&resp);
}

/* ---- registrar ------------------------------------------------------- */

/* The key of a public identity: "sip:user@host" (host in lower case) or
 * "tel:+number". */
static gchar *
scscf_impu_key (const ImpsSipUri *uri)
{
  if (uri != NULL && uri->scheme == IMPS_SIP_URI_TEL && uri->user != NULL)
    return g_strdup_printf ("tel:%s", uri->user);
  /* RFC 3261 §19.1.6: a SIP URI with user=phone names the telephone
   * number in its user part (what ENUM gives for a number without a SIP
   * identity of its own). */
  if (uri != NULL && uri->scheme == IMPS_SIP_URI_SIP && uri->user != NULL
      && g_strcmp0 (imps_sip_uri_get_param (uri, "user"), "phone") == 0)
    return g_strdup_printf ("tel:%s", uri->user);
  return ims_impu_key (uri);
}

/* Where a Request-URI or To URI lands here. */
typedef enum {
  USER_ELSEWHERE,   /* another domain: route it on */
  USER_UNKNOWN,     /* ours by its domain (or a tel: URI), but no subscriber has it */
  USER_KNOWN,       /* @record_key names the subscriber's registration record */
} UserKind;

static UserKind
scscf_user (ImpsScscf *self, const ImpsSipUri *uri, gchar **record_key)
{
  g_autofree gchar *key = scscf_impu_key (uri);
  *record_key = NULL;
  if (key == NULL)
    return USER_ELSEWHERE;
  const gchar *first = g_hash_table_lookup (self->users, key);
  if (first != NULL)
    {
      *record_key = g_strdup (first);
      return USER_KNOWN;
    }
  if (uri->scheme == IMPS_SIP_URI_TEL)
    return USER_UNKNOWN; /* no ENUM: a tel: URI is ours or no one's */
  if (g_ascii_strcasecmp (uri->host, self->domain) != 0)
    return USER_ELSEWHERE;
  if (g_hash_table_size (self->users) > 0)
    return USER_UNKNOWN;
  *record_key = g_steal_pointer (&key);
  return USER_KNOWN;
}

/* TS 24.229 §5.4.3.2: a tel: Request-URI that is not one of this S-CSCF's
 * subscribers is translated into a SIP URI by ENUM (RFC 6116), here the
 * lab's table of the other operators' numbers, and then routed like any
 * SIP URI. A number ENUM does not know stays as it is (and gets 404). */
static void
enum_translate (ImpsScscf *self, ImpsSipMessage *req)
{
  g_autoptr (ImpsSipUri) ruri = imps_sip_message_dup_request_uri (req, NULL);
  if (ruri == NULL || ruri->scheme != IMPS_SIP_URI_TEL)
    return;
  g_autofree gchar *key = scscf_impu_key (ruri);
  if (key == NULL || g_hash_table_contains (self->users, key))
    return;
  const gchar *sip_uri = g_hash_table_lookup (self->enum_table, key);
  if (sip_uri == NULL)
    return;
  note (self, IMPS_EVENT_NOTE, "ENUM", "%s %s: ENUM translates %s into %s",
        imps_sip_message_get_method (req), imps_sip_message_get_request_uri (req), key, sip_uri);
  imps_sip_message_set_request_uri (req, sip_uri);
}

static GPtrArray *
record_lookup (ImpsScscf *self, const gchar *impu, gboolean create)
{
  GPtrArray *rec = g_hash_table_lookup (self->records, impu);
  if (rec == NULL && create)
    {
      rec = g_ptr_array_new_with_free_func (binding_free);
      g_hash_table_insert (self->records, g_strdup (impu), rec);
    }
  if (rec != NULL)
    {
      gint64 now = imps_clock_now_us (self->clock);
      for (guint i = rec->len; i > 0; i--)
        {
          Binding *b = g_ptr_array_index (rec, i - 1);
          if (b->expires_us <= now)
            g_ptr_array_remove_index (rec, i - 1);
        }
    }
  return rec;
}

static void
handle_register (ImpsScscf *self, const ImpsSipMessage *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (req, &error);
  g_autofree gchar *impu = NULL;
  UserKind kind = to != NULL && to->uri->scheme != IMPS_SIP_URI_TEL
                      ? scscf_user (self, to->uri, &impu) : USER_ELSEWHERE;

  if (kind != USER_KNOWN)
    {
      note (self, IMPS_EVENT_REFUSAL, "REGISTER refused",
            kind == USER_UNKNOWN ? "To URI: no subscriber of %s has this public identity"
                                 : "To %s is not a sip URI of %s",
            kind == USER_UNKNOWN ? self->domain : to != NULL ? "URI" : "header", self->domain);
      respond (self, req, 403, NULL);
      return;
    }
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (req, &error);
  if (contacts == NULL)
    {
      note (self, IMPS_EVENT_REFUSAL, "REGISTER refused", "Contact: %s", error->message);
      respond (self, req, 400, NULL);
      return;
    }
  g_autoptr (GPtrArray) path = imps_sip_message_get_name_addrs (req, "Path", &error);
  if (path == NULL)
    {
      note (self, IMPS_EVENT_REFUSAL, "REGISTER refused", "Path: %s", error->message);
      respond (self, req, 400, NULL);
      return;
    }
  guint32 hdr_expires = IMPS_IMS_DEFAULT_EXPIRES;
  if (imps_sip_message_get_header_value (req, "Expires") != NULL
      && !imps_sip_message_get_expires (req, &hdr_expires, &error))
    {
      note (self, IMPS_EVENT_REFUSAL, "REGISTER refused", "Expires: %s", error->message);
      respond (self, req, 400, NULL);
      return;
    }

  GPtrArray *rec = record_lookup (self, impu, TRUE);
  gint64 now = imps_clock_now_us (self->clock);
  for (guint i = 0; i < contacts->len; i++)
    {
      ImpsSipNameAddr *c = g_ptr_array_index (contacts, i);
      guint32 expires = hdr_expires;
      if (c->star)
        {
          /* RFC 3261 §10.3 item 6: "*" only alone and with Expires 0. */
          if (contacts->len != 1 || hdr_expires != 0)
            {
              respond (self, req, 400, NULL);
              return;
            }
          g_ptr_array_set_size (rec, 0);
          continue;
        }
      imps_sip_name_addr_get_expires (c, &expires);
      expires = MIN (expires, self->max_expires);
      g_autofree gchar *uri = imps_sip_uri_to_string (c->uri);
      Binding *found = NULL;
      guint at = 0;
      for (guint j = 0; j < rec->len; j++)
        {
          Binding *b = g_ptr_array_index (rec, j);
          if (imps_sip_uri_equal (b->parsed, c->uri))
            {
              found = b;
              at = j;
            }
        }
      if (expires == 0)
        {
          if (found != NULL)
            g_ptr_array_remove_index (rec, at);
          continue;
        }
      if (found == NULL)
        {
          if (rec->len >= IMPS_IMS_MAX_CONTACTS)
            {
              note (self, IMPS_EVENT_REFUSAL, "REGISTER refused",
                    "%s already has %u contacts", impu, rec->len);
              respond (self, req, 403, NULL);
              return;
            }
          found = g_new0 (Binding, 1);
          found->uri = g_steal_pointer (&uri);
          found->parsed = imps_sip_uri_copy (c->uri);
          g_ptr_array_add (rec, found);
        }
      else
        g_ptr_array_set_size (found->path, 0);
      if (found->path == NULL)
        found->path = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_set_size (found->path, 0);
      for (guint j = 0; j < path->len; j++)
        g_ptr_array_add (found->path, imps_sip_name_addr_to_string (g_ptr_array_index (path, j)));
      found->expires_us = now + (gint64) expires * G_USEC_PER_SEC;
    }

  /* 200 OK lists every current binding with its remaining time (RFC 3261
   * §10.3 item 8) and echoes Path (RFC 3327 §5.3). */
  g_autofree gchar *tag = imps_sip_tag_new (self->rnd);
  g_autoptr (ImpsSipMessage) ok = imps_sip_message_new_response_for (req, 200, NULL, tag, &error);
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (req, 0, NULL);
  ImsHop hop;
  if (ok == NULL || via == NULL || !ims_hop_from_via (via, &hop))
    return;
  for (guint j = 0; j < rec->len; j++)
    {
      Binding *b = g_ptr_array_index (rec, j);
      g_autoptr (ImpsSipNameAddr) na = imps_sip_name_addr_new (NULL, imps_sip_uri_copy (b->parsed));
      g_autofree gchar *left = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                (b->expires_us - now + G_USEC_PER_SEC - 1)
                                                / G_USEC_PER_SEC);
      imps_sip_params_set (na->params, "expires", left);
      imps_sip_message_add_contact (ok, na);
    }
  for (guint j = 0; j < path->len; j++)
    imps_sip_message_add_name_addr (ok, "Path", g_ptr_array_index (path, j));
  send_msg (self, &hop, ok);
  if (rec->len == 0)
    g_hash_table_remove (self->records, impu);
}

/* ---- INVITE transactions ---------------------------------------------- */

static void tx_complete (ServerTx *tx);

static gboolean
tx_linger_done (gpointer data)
{
  ServerTx *tx = data;
  tx->linger = 0;
  g_hash_table_remove (tx->self->txs, tx->key);
  return G_SOURCE_REMOVE;
}

static void
tx_finished (ServerTx *tx)
{
  tx->final_sent = TRUE;
  if (tx->timer_c != 0)
    {
      imps_clock_timeout_remove (tx->self->clock, tx->timer_c);
      tx->timer_c = 0;
    }
  if (tx->linger == 0)
    tx->linger = imps_clock_timeout_add (tx->self->clock, LINGER_US, tx_linger_done, tx, NULL);
}

static void
branch_send_cancel (Branch *b)
{
  ImpsScscf *self = b->tx->self;
  if (b->final_status != 0 || b->cancel_sent)
    return;
  if (!b->provisional)
    {
      b->cancel_pending = TRUE;
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) cancel = imps_sip_message_new_cancel_for (b->request, &error);
  if (cancel == NULL)
    {
      note (self, IMPS_EVENT_FAILURE, "no CANCEL", "%s", error->message);
      return;
    }
  b->cancel_sent = TRUE;
  b->cancel_pending = FALSE;
  send_msg (self, &b->hop, cancel);
}

static void
tx_cancel_branches (ServerTx *tx, const Branch *except)
{
  for (guint i = 0; i < tx->branches->len; i++)
    {
      Branch *b = g_ptr_array_index (tx->branches, i);
      if (b != except)
        branch_send_cancel (b);
    }
}

/* RFC 3261 §16.7 item 6: 6xx first, then the lowest class; within a class
 * the first received. */
static gboolean
better (guint status, guint than)
{
  if (than == 0)
    return TRUE;
  if (than >= 600)
    return FALSE;
  if (status >= 600)
    return TRUE;
  return status / 100 < than / 100;
}

static void
tx_offer_final (ServerTx *tx, guint status, ImpsSipMessage *resp)
{
  if (better (status, tx->best_status))
    {
      if (tx->best != NULL)
        imps_sip_message_free (tx->best);
      tx->best = resp;
      tx->best_status = status;
    }
  else if (resp != NULL)
    imps_sip_message_free (resp);
}

static void
tx_complete (ServerTx *tx)
{
  ImpsScscf *self = tx->self;
  if (tx->final_sent)
    return;
  for (guint i = 0; i < tx->branches->len; i++)
    if (((Branch *) g_ptr_array_index (tx->branches, i))->final_status == 0)
      return;
  if (tx->timer_c_round > 0 && !tx->cancelled && tx->best_status == 487)
    {
      /* Nobody answered in time: the branches timer C cancelled answer
       * 487, but the caller cancelled nothing: 408 Request Timeout. */
      respond (self, tx->invite, 408, NULL);
    }
  else if (tx->best == NULL || tx->best_status == 0)
    {
      /* Every branch ended without a response of its own (transport error
       * or timer C): 503 / 408 made here (RFC 3261 §16.7 item 6). */
      guint status = tx->best_status != 0 ? tx->best_status : tx->cancelled ? 487 : 408;
      respond (self, tx->invite, status, NULL);
    }
  else
    send_msg (self, &tx->upstream, tx->best);
  tx_finished (tx);
}

static void
tx_reject (ServerTx *tx, guint status)
{
  respond (tx->self, tx->invite, status, NULL);
  tx_finished (tx);
}

static gboolean timer_c_fired (gpointer data);

static void
tx_arm_timer_c (ServerTx *tx, gint64 us)
{
  if (tx->timer_c != 0)
    imps_clock_timeout_remove (tx->self->clock, tx->timer_c);
  tx->timer_c = imps_clock_timeout_add (tx->self->clock, us, timer_c_fired, tx, NULL);
}

/* RFC 3261 §16.8: on timer C a branch with a provisional response is
 * cancelled, one without is treated as 408. A cancelled branch that still
 * says nothing after another 64*T1 ends as 408 as well. */
static gboolean
timer_c_fired (gpointer data)
{
  ServerTx *tx = data;
  tx->timer_c = 0;
  tx->timer_c_round++;
  note (tx->self, IMPS_EVENT_NOTE, "timer C", "INVITE %s: timer C fired (round %u)", tx->key,
        tx->timer_c_round);
  for (guint i = 0; i < tx->branches->len; i++)
    {
      Branch *b = g_ptr_array_index (tx->branches, i);
      if (b->final_status != 0)
        continue;
      if (b->provisional && tx->timer_c_round == 1)
        branch_send_cancel (b);
      else
        {
          b->final_status = 408;
          if (!tx->got_2xx)
            tx_offer_final (tx, 408, NULL);
        }
    }
  if (!tx->got_2xx)
    tx_complete (tx);
  if (!tx->final_sent)
    tx_arm_timer_c (tx, LINGER_US);
  return G_SOURCE_REMOVE;
}

/* Forwards one copy of the received INVITE to @ruri (NULL: keep) with
 * @routes (Route values to add, in order). */
static void
tx_fork (ServerTx *tx, const gchar *ruri, GPtrArray *routes)
{
  ImpsScscf *self = tx->self;
  g_autoptr (ImpsSipMessage) fwd = imps_sip_message_copy (tx->invite);
  Branch *b = g_new0 (Branch, 1);
  b->tx = tx;
  g_ptr_array_add (tx->branches, b);

  if (ruri != NULL)
    imps_sip_message_set_request_uri (fwd, ruri);
  for (guint i = 0; routes != NULL && i < routes->len; i++)
    imps_sip_message_append_header (fwd, "Route", g_ptr_array_index (routes, i));
  ims_record_route (fwd, self->address, self->port);
  imps_sip_message_decrement_max_forwards (fwd, NULL); /* checked before forking */
  b->branch = imps_sip_branch_new (self->rnd);
  ims_push_via (fwd, self->address, self->port, b->branch);
  g_hash_table_insert (self->branches, b->branch, b);
  if (!ims_next_hop (fwd, &b->hop))
    {
      note (self, IMPS_EVENT_REFUSAL, "branch not sent", "no IPv4 next hop for %s",
            ruri != NULL ? ruri : imps_sip_message_get_request_uri (fwd));
      b->final_status = 503;
      tx_offer_final (tx, 503, NULL);
      b->request = g_steal_pointer (&fwd);
      return;
    }
  b->request = imps_sip_message_copy (fwd);
  if (!ims_send (self->bus, IMPS_REF_MW, self->address, self->port, &b->hop, fwd))
    {
      /* Transport error: as if 503 came back (RFC 3261 §16.9). */
      b->final_status = 503;
      tx_offer_final (tx, 503, NULL);
    }
}

/* Forks the INVITE to every contact of the record, except the caller's own
 * contact (a device calling its own public identity must not answer its own
 * INVITE). FALSE when the transaction was answered here (480, 482). */
static gboolean
fork_to_contacts (ServerTx *tx, const ImpsSipMessage *inv, const gchar *impu)
{
  ImpsScscf *self = tx->self;
  GPtrArray *rec = record_lookup (self, impu, FALSE);
  if (rec == NULL || rec->len == 0)
    {
      note (self, IMPS_EVENT_NOTE, "480", "%s has no registered contact", impu);
      tx_reject (tx, 480);
      return FALSE;
    }
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (inv, NULL);
  const ImpsSipNameAddr *own = contacts != NULL && contacts->len > 0
                                   ? g_ptr_array_index (contacts, 0) : NULL;
  guint n = 0;
  /* Sending never re-enters the S-CSCF (the bus delivers later on the
   * clock), so the binding list stays as it is during the loop. */
  for (guint i = 0; i < rec->len; i++)
    {
      Binding *b = g_ptr_array_index (rec, i);
      if (own != NULL && !own->star && imps_sip_uri_equal (b->parsed, own->uri))
        continue;
      tx_fork (tx, b->uri, b->path);
      n++;
    }
  if (n == 0)
    {
      note (self, IMPS_EVENT_REFUSAL, "482", "%s: the only registered contact is the caller's own",
            impu);
      tx_reject (tx, 482);
      return FALSE;
    }
  note (self, IMPS_EVENT_NOTE, "fork", "INVITE for %s forked to %u contact(s)", impu, n);
  return TRUE;
}

/* A call to a group identity: parallel forking to every registered
 * contact of every member (the caller's own contact left out). FALSE when
 * the transaction was answered here (480). */
static ImsHop *
peer_for (ImpsScscf *self, const ImpsSipUri *uri)
{
  if (uri == NULL || uri->host == NULL)
    return NULL;
  g_autofree gchar *dom = g_ascii_strdown (uri->host, -1);
  return g_hash_table_lookup (self->routes, dom);
}

static gboolean
fork_to_group (ImpsScscf *self, ServerTx *tx, const ImpsSipMessage *inv, const gchar *group,
               const Group *grp)
{
  const gchar *const *members = (const gchar *const *) grp->local;
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (inv, NULL);
  const ImpsSipNameAddr *own = contacts != NULL && contacts->len > 0
                                   ? g_ptr_array_index (contacts, 0) : NULL;
  guint n = 0, users = 0;
  for (guint m = 0; members[m]; m++)
    {
      GPtrArray *rec = record_lookup (self, members[m], FALSE);
      guint before = n;
      for (guint i = 0; rec != NULL && i < rec->len; i++)
        {
          Binding *b = g_ptr_array_index (rec, i);
          if (own != NULL && !own->star && imps_sip_uri_equal (b->parsed, own->uri))
            continue;
          tx_fork (tx, b->uri, b->path);
          n++;
        }
      users += n > before;
    }
  /* Members of other operators: one branch each to their S-CSCF, with the
   * member's public identity as Request-URI (To keeps the group's); that
   * S-CSCF forks on to the member's devices. */
  guint remote = 0;
  for (guint m = 0; grp->remote[m]; m++)
    {
      g_autoptr (ImpsSipUri) mu = imps_sip_uri_parse (grp->remote[m], -1, NULL);
      ImsHop *peer = peer_for (self, mu);
      if (peer == NULL)
        {
          note (self, IMPS_EVENT_NOTE, "member not reached", "group %s: no Mw route for "
                "member %s", group, grp->remote[m]);
          continue;
        }
      g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (routes, g_strdup_printf ("<sip:%s:%u;lr>", peer->addr, peer->port));
      tx_fork (tx, grp->remote[m], routes);
      remote++;
    }
  if (n == 0 && remote == 0)
    {
      note (self, IMPS_EVENT_NOTE, "480", "group %s: no member has a registered contact "
            "(the caller's own left out)", group);
      tx_reject (tx, 480);
      return FALSE;
    }
  note (self, IMPS_EVENT_NOTE, "fork", "INVITE for group %s forked to %u contact(s) of %u "
        "member(s) here and to %u member(s) of other operators", group, n, users, remote);
  return TRUE;
}

static void
handle_invite (ImpsScscf *self, ImpsSipMessage *req, const gchar *key)
{
  if (g_hash_table_contains (self->txs, key))
    return; /* a retransmission: the transaction answers on its own */

  ServerTx *tx = g_new0 (ServerTx, 1);
  tx->self = self;
  tx->key = g_strdup (key);
  tx->invite = imps_sip_message_copy (req);
  tx->branches = g_ptr_array_new_with_free_func (branch_free);
  g_hash_table_insert (self->txs, tx->key, tx);
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (req, 0, NULL);
  if (via == NULL || !ims_hop_from_via (via, &tx->upstream))
    {
      note (self, IMPS_EVENT_REFUSAL, "INVITE dropped", "top Via names no IPv4 host");
      tx_finished (tx);
      return;
    }
  respond (self, req, 100, NULL);

  guint mf = 70;
  if (imps_sip_message_get_header_value (req, "Max-Forwards") != NULL
      && imps_sip_message_get_max_forwards (req, &mf, NULL) && mf == 0)
    {
      tx_reject (tx, 483);
      return;
    }

  ImpsSipMessage *inv = tx->invite;
  ims_pop_own_route (inv, self->address, self->port);
  if (imps_sip_message_get_header_value (inv, "Route") != NULL || ims_in_dialog (inv))
    {
      /* A re-INVITE or a preloaded route: one branch along it. */
      tx_fork (tx, NULL, NULL);
      tx_arm_timer_c (tx, self->timer_c_us);
      tx_complete (tx);
      return;
    }

  enum_translate (self, inv);
  g_autoptr (ImpsSipUri) ruri = imps_sip_message_dup_request_uri (inv, NULL);
  g_autofree gchar *impu = NULL;
  {
    g_autofree gchar *gkey = ruri != NULL ? scscf_impu_key (ruri) : NULL;
    const Group *members = gkey != NULL ? g_hash_table_lookup (self->groups, gkey) : NULL;
    if (members != NULL)
      {
        if (!fork_to_group (self, tx, inv, gkey, members))
          return;
        tx_arm_timer_c (tx, self->timer_c_us);
        tx_complete (tx);
        return;
      }
  }
  UserKind kind = scscf_user (self, ruri, &impu);
  if (kind == USER_UNKNOWN)
    {
      if (ruri != NULL && ruri->scheme == IMPS_SIP_URI_TEL)
        note (self, IMPS_EVENT_REFUSAL, "404", "%s: no subscriber of %s has this number, and "
              "ENUM knows no other operator's subscriber with it",
              imps_sip_message_get_request_uri (inv), self->domain);
      else
        note (self, IMPS_EVENT_REFUSAL, "404", "%s: no subscriber of %s has this public identity",
              imps_sip_message_get_request_uri (inv), self->domain);
      tx_reject (tx, 404);
      return;
    }
  if (kind == USER_KNOWN)
    {
      if (!fork_to_contacts (tx, inv, impu))
        return;
    }
  else
    {
      ImsHop *peer = NULL;
      if (ruri != NULL && ruri->host != NULL)
        {
          g_autofree gchar *dom = g_ascii_strdown (ruri->host, -1);
          peer = g_hash_table_lookup (self->routes, dom);
        }
      if (peer == NULL)
        {
          note (self, IMPS_EVENT_NOTE, "404", "no route for %s",
                imps_sip_message_get_request_uri (inv));
          tx_reject (tx, 404);
          return;
        }
      g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (routes, g_strdup_printf ("<sip:%s:%u;lr>", peer->addr, peer->port));
      tx_fork (tx, NULL, routes);
    }
  tx_arm_timer_c (tx, self->timer_c_us);
  tx_complete (tx); /* every branch may have failed at once */
}

static void
handle_cancel (ImpsScscf *self, const ImpsSipMessage *req, const gchar *key)
{
  ServerTx *tx = key != NULL ? g_hash_table_lookup (self->txs, key) : NULL;
  if (tx == NULL)
    {
      respond (self, req, 481, NULL);
      return;
    }
  respond (self, req, 200, NULL);
  if (tx->final_sent || tx->got_2xx)
    return;
  tx->cancelled = TRUE;
  tx_cancel_branches (tx, NULL);
  tx_complete (tx);
}

/* ---- stateless forwarding ---------------------------------------------- */

static void
forward_stateless (ImpsScscf *self, ImpsSipMessage *req, gboolean is_ack)
{
  g_autoptr (GError) error = NULL;
  ImsHop hop;

  if (!imps_sip_message_decrement_max_forwards (req, &error))
    {
      if (!is_ack)
        respond (self, req, 483, NULL);
      return;
    }
  if (!ims_next_hop (req, &hop))
    {
      note (self, IMPS_EVENT_REFUSAL, "not forwarded", "%s %s: no IPv4 next hop",
            imps_sip_message_get_method (req), imps_sip_message_get_request_uri (req));
      if (!is_ack)
        respond (self, req, 404, NULL);
      return;
    }
  g_autofree gchar *branch = ims_derive_branch (req, self->address, self->port);
  ims_push_via (req, self->address, self->port, branch);
  send_msg (self, &hop, req);
}

static void
handle_request (ImpsScscf *self, ImpsSipMessage *req)
{
  const gchar *method = imps_sip_message_get_method (req);
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (req, 0, NULL);
  const gchar *key = via != NULL ? via->branch : NULL;
  gboolean is_ack = strcmp (method, "ACK") == 0;

  if (strcmp (method, "REGISTER") != 0)
    {
      ImpsImsExposure *exp = ims_exposure_get (self->exposure,
                                               imps_sip_message_get_call_id (req));
      g_autoptr (ImpsSdp) sdp = ims_body_sdp (req, NULL);
      if (sdp != NULL)
        ims_exposure_note_sdp (exp, sdp);
    }

  if (is_ack && key != NULL)
    {
      ServerTx *tx = g_hash_table_lookup (self->txs, key);
      if (tx != NULL)
        return; /* the ACK of a non-2xx final response ends here (§17.2.1) */
    }
  if (strcmp (method, "CANCEL") == 0)
    {
      handle_cancel (self, req, key);
      return;
    }
  if (strcmp (method, "INVITE") == 0)
    {
      if (key == NULL)
        {
          respond (self, req, 400, NULL);
          return;
        }
      handle_invite (self, req, key);
      return;
    }

  ims_pop_own_route (req, self->address, self->port);
  gboolean routed = imps_sip_message_get_header_value (req, "Route") != NULL;
  if (!routed && strcmp (method, "REGISTER") == 0)
    {
      handle_register (self, req);
      return;
    }
  if (routed || ims_in_dialog (req))
    {
      forward_stateless (self, req, is_ack);
      return;
    }
  /* An initial request other than INVITE: to the newest contact, or to the
   * peer S-CSCF (profile §6 needs none; kept simple and stateless). */
  enum_translate (self, req);
  g_autoptr (ImpsSipUri) ruri = imps_sip_message_dup_request_uri (req, NULL);
  g_autofree gchar *impu = NULL;
  UserKind kind = scscf_user (self, ruri, &impu);
  if (kind == USER_UNKNOWN)
    {
      if (!is_ack)
        respond (self, req, 404, NULL);
      return;
    }
  if (kind == USER_KNOWN)
    {
      GPtrArray *rec = record_lookup (self, impu, FALSE);
      if (rec == NULL || rec->len == 0)
        {
          if (!is_ack)
            respond (self, req, 480, NULL);
          return;
        }
      Binding *b = g_ptr_array_index (rec, rec->len - 1);
      imps_sip_message_set_request_uri (req, b->uri);
      for (guint i = 0; i < b->path->len; i++)
        imps_sip_message_append_header (req, "Route", g_ptr_array_index (b->path, i));
      forward_stateless (self, req, is_ack);
      return;
    }
  ImsHop *peer = NULL;
  if (ruri != NULL && ruri->host != NULL)
    {
      g_autofree gchar *dom = g_ascii_strdown (ruri->host, -1);
      peer = g_hash_table_lookup (self->routes, dom);
    }
  if (peer == NULL)
    {
      if (!is_ack)
        respond (self, req, 404, NULL);
      return;
    }
  g_autofree gchar *route = g_strdup_printf ("<sip:%s:%u;lr>", peer->addr, peer->port);
  imps_sip_message_append_header (req, "Route", route);
  forward_stateless (self, req, is_ack);
}

/* ---- responses --------------------------------------------------------- */

static void
handle_response (ImpsScscf *self, ImpsSipMessage *resp)
{
  g_autofree gchar *branch = NULL;
  guint status = imps_sip_message_get_status (resp);

  if (!imps_sip_message_has_method (resp, "REGISTER"))
    {
      ImpsImsExposure *exp = ims_exposure_get (self->exposure,
                                               imps_sip_message_get_call_id (resp));
      g_autoptr (ImpsSdp) sdp = ims_body_sdp (resp, NULL);
      if (sdp != NULL)
        ims_exposure_note_sdp (exp, sdp);
    }

  if (!ims_top_via_is (resp, self->address, self->port, &branch))
    {
      note (self, IMPS_EVENT_REFUSAL, "response dropped", "%u: top Via is not this S-CSCF",
            status);
      return;
    }
  imps_sip_message_pop_via (resp);
  Branch *b = branch != NULL ? g_hash_table_lookup (self->branches, branch) : NULL;
  if (b == NULL)
    {
      /* Stateless: on to the next Via (BYE, ACK-less, late responses). */
      g_autoptr (ImpsSipVia) next = imps_sip_message_get_via (resp, 0, NULL);
      ImsHop hop;
      if (next != NULL && ims_hop_from_via (next, &hop))
        send_msg (self, &hop, resp);
      return;
    }
  if (!imps_sip_message_has_method (resp, "INVITE"))
    return; /* the answer to our own CANCEL */

  ServerTx *tx = b->tx;
  if (status < 200)
    {
      b->provisional = TRUE;
      if (b->cancel_pending)
        branch_send_cancel (b);
      if (!tx->final_sent && !tx->got_2xx && tx->timer_c_round == 0)
        tx_arm_timer_c (tx, self->timer_c_us); /* RFC 3261 §16.7 item 2 */
      if (status > 100 && !tx->final_sent)
        send_msg (self, &tx->upstream, resp);
      return;
    }
  if (status < 300)
    {
      b->final_status = status;
      /* Every 2xx goes upstream (RFC 3261 §16.7 item 5); the first one
       * cancels the other branches (profile §6). */
      send_msg (self, &tx->upstream, resp);
      if (!tx->got_2xx)
        {
          tx->got_2xx = TRUE;
          g_autofree gchar *winner = branch_device (self, b);
          const gchar *call_id = imps_sip_message_get_header_value (tx->invite, "Call-ID");
          g_autofree gchar *others = tx->branches->len > 1
                                         ? g_strdup_printf ("; %u other fork%s cancelled",
                                                            tx->branches->len - 1,
                                                            tx->branches->len == 2 ? "" : "s")
                                         : g_strdup ("");
          note (self, IMPS_EVENT_NOTE, "2xx wins", "INVITE for %s answered by %s%s (Call-ID %s, branch %s)",
                imps_sip_message_get_request_uri (tx->invite), winner, others,
                call_id ? call_id : "-", b->branch);
          tx_cancel_branches (tx, b);
          tx_finished (tx);
        }
      return;
    }
  if (b->final_status != 0 && b->final_status != 408)
    return; /* a retransmission */
  b->final_status = status;
  /* ACK for the non-2xx, hop by hop (RFC 3261 §17.1.1.3). */
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) ack = imps_sip_message_new_ack_for_error (b->request, resp, &error);
  if (ack != NULL)
    send_msg (self, &b->hop, ack);
  if (tx->got_2xx || tx->final_sent)
    return; /* e.g. the 487 of a branch cancelled after the 2xx: absorbed */
  tx_offer_final (tx, status, imps_sip_message_copy (resp));
  /* RFC 3261 §16.7 item 5: a 6xx (603 Decline) is the answer of the
   * user; the other branches are cancelled, and their 487s lose to it. */
  if (status >= 600)
    {
      note (self, IMPS_EVENT_NOTE, "6xx", "INVITE %s: branch %s answered %u, the other "
            "branches are cancelled", tx->key, b->branch, status);
      tx_cancel_branches (tx, b);
    }
  tx_complete (tx);
}

static void
on_receive (const gchar *from, guint16 from_port, const guint8 *data, gsize len,
            gpointer user_data)
{
  ImpsScscf *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse (data, len, &error);
  if (msg == NULL)
    {
      /* No answer is possible without a parsed Via (RFC 3261 §16.3). */
      note (self, IMPS_EVENT_REFUSAL, "SIP dropped", "from %s:%u: %s", from, from_port,
            error->message);
      return;
    }
  if (imps_sip_message_is_request (msg))
    handle_request (self, msg);
  else
    handle_response (self, msg);
}

/* ---- public ------------------------------------------------------------- */

ImpsScscf *
imps_scscf_new (ImpsNetwork *net, ImpsSipBus *bus, const gchar *domain, const gchar *address,
                guint16 port, GError **error)
{
  g_return_val_if_fail (net != NULL && bus != NULL && domain != NULL && address != NULL, NULL);
  if (!ims_is_ipv4 (address))
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                   "S-CSCF address \"%s\" is not a dotted IPv4 address", address);
      return NULL;
    }
  ImpsScscf *self = g_new0 (ImpsScscf, 1);
  self->net = net;
  self->bus = bus;
  self->clock = imps_network_get_clock (net);
  self->domain = g_ascii_strdown (domain, -1);
  self->name = g_strdup_printf ("scscf.%s", self->domain);
  self->rnd = imps_network_new_random (net, self->name);
  g_strlcpy (self->address, address, sizeof self->address);
  self->port = port != 0 ? port : IMPS_IMS_SIP_PORT;
  self->timer_c_us = IMPS_IMS_TIMER_C_US;
  self->max_expires = IMPS_IMS_MAX_EXPIRES;
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->branches = g_hash_table_new (g_str_hash, g_str_equal);
  self->txs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tx_free);
  self->exposure = ims_exposure_table_new ();
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, group_free);
  self->enum_table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->attach_id = imps_sip_bus_attach (bus, FALSE, self->name, self->address, self->port,
                                         on_receive, self);
  if (self->attach_id == 0)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                   "S-CSCF address %s:%u is taken on the SIP bus", address, self->port);
      imps_scscf_free (self);
      return NULL;
    }
  return self;
}

void
imps_scscf_free (ImpsScscf *self)
{
  if (self == NULL)
    return;
  if (self->attach_id != 0)
    imps_sip_bus_detach (self->bus, self->attach_id);
  g_hash_table_destroy (self->txs);
  g_hash_table_destroy (self->branches);
  g_hash_table_destroy (self->records);
  g_hash_table_destroy (self->routes);
  g_hash_table_destroy (self->exposure);
  g_hash_table_destroy (self->users);
  g_hash_table_destroy (self->groups);
  g_hash_table_destroy (self->enum_table);
  imps_random_free (self->rnd);
  g_free (self->domain);
  g_free (self->name);
  g_free (self);
}

gboolean
imps_scscf_add_subscriber (ImpsScscf *self, const gchar *const *impus, GError **error)
{
  g_return_val_if_fail (self != NULL && impus != NULL && impus[0] != NULL, FALSE);
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; impus[i]; i++)
    {
      g_autoptr (ImpsSipUri) uri = imps_sip_uri_parse (impus[i], -1, error);
      gchar *key = uri != NULL ? scscf_impu_key (uri) : NULL;
      if (key == NULL)
        {
          if (uri != NULL)
            g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                         "public identity %s is not a sip: URI with a user or a tel: URI",
                         impus[i]);
          return FALSE;
        }
      g_ptr_array_add (keys, key);
    }
  for (guint i = 0; i < keys->len; i++)
    g_hash_table_replace (self->users, g_strdup (keys->pdata[i]), g_strdup (keys->pdata[0]));
  return TRUE;
}

gboolean
imps_scscf_add_group (ImpsScscf *self, const gchar *identity, const gchar *const *members,
                      GError **error)
{
  g_return_val_if_fail (self != NULL && identity != NULL && members != NULL, FALSE);
  g_autoptr (ImpsSipUri) uri = imps_sip_uri_parse (identity, -1, error);
  g_autofree gchar *key = uri != NULL ? scscf_impu_key (uri) : NULL;
  if (key == NULL)
    {
      if (uri != NULL)
        g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                     "group identity %s is not a sip: URI with a user or a tel: URI", identity);
      return FALSE;
    }
  g_autoptr (GPtrArray) recs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) remote = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; members[i]; i++)
    {
      g_autoptr (ImpsSipUri) mu = imps_sip_uri_parse (members[i], -1, error);
      gchar *rec = NULL;
      if (mu == NULL)
        return FALSE;
      UserKind kind = scscf_user (self, mu, &rec);
      if (kind == USER_KNOWN)
        g_ptr_array_add (recs, rec);
      else if (kind == USER_ELSEWHERE && mu->scheme != IMPS_SIP_URI_TEL)
        g_ptr_array_add (remote, ims_impu_key (mu)); /* reached over Mw */
      else
        g_free (rec);
    }
  g_ptr_array_add (recs, NULL);
  g_ptr_array_add (remote, NULL);
  Group *grp = g_new0 (Group, 1);
  grp->local = (GStrv) g_ptr_array_free (g_steal_pointer (&recs), FALSE);
  grp->remote = (GStrv) g_ptr_array_free (g_steal_pointer (&remote), FALSE);
  g_hash_table_replace (self->groups, g_steal_pointer (&key), grp);
  return TRUE;
}

gboolean
imps_scscf_add_enum (ImpsScscf *self, const gchar *number, const gchar *sip_uri, GError **error)
{
  g_return_val_if_fail (self != NULL && number != NULL && sip_uri != NULL, FALSE);
  g_autoptr (ImpsSipUri) tel = imps_sip_uri_parse (number, -1, error);
  if (tel == NULL)
    return FALSE;
  g_autoptr (ImpsSipUri) target = imps_sip_uri_parse (sip_uri, -1, error);
  if (target == NULL)
    return FALSE;
  g_autofree gchar *key = scscf_impu_key (tel);
  if (tel->scheme != IMPS_SIP_URI_TEL || key == NULL
      || (target->scheme != IMPS_SIP_URI_SIP && target->scheme != IMPS_SIP_URI_SIPS)
      || target->host == NULL)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                   "ENUM entry %s -> %s: expected a tel: URI and a sip: URI with a host",
                   number, sip_uri);
      return FALSE;
    }
  g_hash_table_replace (self->enum_table, g_steal_pointer (&key), g_strdup (sip_uri));
  return TRUE;
}

void
imps_scscf_add_route (ImpsScscf *self, const gchar *domain, const gchar *address, guint16 port)
{
  g_return_if_fail (self != NULL && domain != NULL && ims_is_ipv4 (address));
  ImsHop *hop = g_new0 (ImsHop, 1);
  g_strlcpy (hop->addr, address, sizeof hop->addr);
  hop->port = port != 0 ? port : IMPS_IMS_SIP_PORT;
  g_hash_table_replace (self->routes, g_ascii_strdown (domain, -1), hop);
}

void
imps_scscf_set_timer_c (ImpsScscf *self, gint64 timer_c_us)
{
  g_return_if_fail (self != NULL && timer_c_us > 0);
  self->timer_c_us = timer_c_us;
}

void
imps_scscf_set_max_expires (ImpsScscf *self, guint32 seconds)
{
  g_return_if_fail (self != NULL && seconds > 0);
  self->max_expires = seconds;
}

GPtrArray *
imps_scscf_dup_contacts (ImpsScscf *self, const gchar *impu)
{
  g_return_val_if_fail (self != NULL && impu != NULL, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *rec = record_lookup (self, impu, FALSE);
  for (guint i = 0; rec != NULL && i < rec->len; i++)
    g_ptr_array_add (out, g_strdup (((Binding *) g_ptr_array_index (rec, i))->uri));
  return out;
}

guint
imps_scscf_n_transactions (ImpsScscf *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->txs);
}

void
imps_scscf_restart (ImpsScscf *self)
{
  g_return_if_fail (self != NULL);
  g_hash_table_remove_all (self->txs); /* each takes its branches and timers along */
  g_hash_table_remove_all (self->records);
}

gboolean
imps_scscf_call_exposure (ImpsScscf *self, const gchar *call_id, ImpsImsExposure *out)
{
  g_return_val_if_fail (self != NULL && call_id != NULL && out != NULL, FALSE);
  ImpsImsExposure *e = g_hash_table_lookup (self->exposure, call_id);
  memset (out, 0, sizeof *out);
  if (e == NULL)
    return FALSE;
  *out = *e;
  return TRUE;
}
