/* The P-CSCF's Gm on real UDP and TCP sockets; see imps-pcscf-gm.h. */
#include "imps-pcscf-gm.h"
#include "imps-pcscf-gm-tx.h"

#include "diameter/imps-diameter-gba.h"
#include "digest/imps-digest.h"
#include "imps-diameter-peer.h"
#include "imps-ims-private.h"
#include "imps-secret.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <string.h>

typedef struct {
  gchar *impi;
  guint8 *password;                 /* NULL: IMS AKA only */
  gsize password_len;
  gboolean e2ae;                    /* its SDES offers ask for e2ae (imps_pcscf_gm_set_e2ae) */
} GmUser;

typedef struct {
  gint64 expires_us;
  guint32 last_nc;
} GmNonce;

/* An AKA challenge (RFC 3310): the vector's RAND and XRES, for the
 * IMPI it was fetched for. */
typedef struct {
  gchar *impi;
  gint64 expires_us;
  guint32 last_nc;
  guint8 rand[IMPS_DIGEST_AKA_RAND_LEN];
  guint8 xres[IMPS_DIGEST_AKA_RES_MAX];
  gsize xres_len;
} GmAkaNonce;

/* A vector on its way from the HSS for one REGISTER. */
typedef struct {
  ImpsPcscfGm *gm;
  GCancellable *cancel;             /* the Gm's, reffed */
  gchar *peer_key;
  GBytes *req;                      /* the REGISTER, to answer */
  gchar *impi;
  gboolean resync;
} GmAkaFetch;

/* The media ends of one call with an outside device, from its SDP, per
 * media line (rtp_port 0: the line has none, or is not there). */
typedef struct {
  ImpsPcscfGmMediaEnd local[IMPS_PCSCF_GM_MAX_STREAMS];  /* the network's side, toward the device */
  ImpsPcscfGmMediaEnd remote[IMPS_PCSCF_GM_MAX_STREAMS]; /* what the device named */
  gboolean answered;
} GmMedia;

#define MAX_BUS_IDS 4

typedef struct {
  ImpsPcscfGm *gm;
  ImpsPcscfGmTransport transport;
  gchar *key;                       /* "udp 127.0.0.1:5062" */
  gchar addr[INET6_ADDRSTRLEN];
  guint16 port;
  guint bus_ids[MAX_BUS_IDS];       /* its address, then Contact aliases */
  guint n_bus;
  GSocket *sock;                    /* TCP: the connection; UDP: NULL */
  GSource *source;
  GByteArray *inbuf;                /* TCP: bytes not yet framed */
  gboolean closing;
  guint close_id;                   /* the idle that ends it */
  gint64 last_us;                   /* when it last sent something */
  GmUser *user;                     /* whose Digest its last REGISTER carried, or NULL */
} GmPeer;

struct _ImpsPcscfGm {
  ImpsNetwork *net;
  ImpsSipBus *bus;
  ImpsClock *clock;
  ImpsRandom *rnd;
  gchar *realm;
  gchar *name;                      /* pcscf.<domain> (Mw: scscf.<domain>) */
  ImpsPcscfGmRole role;
  ImpsRefPoint ref;                 /* IMPS_REF_GM, or IMPS_REF_MW */
  gchar address[INET_ADDRSTRLEN];
  guint16 port;
  gchar pcscf_address[INET_ADDRSTRLEN];
  guint16 pcscf_port;
  gboolean no_sockets;
  GSocket *udp;
  GSocket *tcp;
  GSource *udp_source;
  GSource *tcp_source;
  guint8 *udp_buf;                  /* IMPS_PCSCF_GM_MAX_MESSAGE + 1 */
  GHashTable *users_by_impu;        /* impu key -> GmUser* (not owned) */
  GPtrArray *users;                 /* owns GmUser */
  GHashTable *nonces;               /* nonce -> GmNonce* */
  GHashTable *peers;                /* key -> GmPeer* (owned) */
  guint n_connections;
  ImpsPcscfGmStats stats;
  ImpsPcscfGmSendHook hook;
  gpointer hook_data;
  ImpsPcscfGmRegisteredFunc registered;
  gpointer registered_data;
  GmTxTable *tx;                    /* UDP transactions (RFC 3261 §17) */
  GHashTable *aka_nonces;           /* nonce -> GmAkaNonce* */
  gchar *hss_address;               /* where AKA vectors come from (Cx/Zh MAR) */
  guint16 hss_port;
  ImpsDiameterClient *hss;
  GCancellable *cancel;             /* cancelled when the Gm goes */
  guint n_fetches;                  /* MARs in flight */
  guint64 session_counter;
  GHashTable *media;                /* Call-ID -> GmMedia* */
  GHashTable *proxies;              /* Mw: addresses through which a REGISTER was verified */
  ImpsPcscfGmMediaFunc media_func;
  gpointer media_data;
};

static void
user_free (gpointer p)
{
  GmUser *u = p;
  if (u->password)
    imps_wipe (u->password, u->password_len);
  g_free (u->password);
  g_free (u->impi);
  g_free (u);
}

static void
note (ImpsPcscfGm *gm, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static void
note (ImpsPcscfGm *gm, ImpsEventKind kind, const gchar *summary, const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *detail = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  imps_network_log (gm->net, kind, gm->ref, IMPS_PROTO_SIP, gm->name, NULL, NULL, NULL,
                    detail, "%s", summary);
}

/* ---- peers and sending ---- */

static void peer_close (GmPeer *peer);
static void watch_media (ImpsPcscfGm *gm, const ImpsSipMessage *msg, gboolean to_outside);

static void
peer_free (gpointer p)
{
  GmPeer *peer = p;
  if (peer->close_id)
    g_source_remove (peer->close_id);
  if (peer->gm->tx)
    gm_tx_forget_peer (peer->gm->tx, peer->key);
  for (guint i = 0; i < peer->n_bus; i++)
    imps_sip_bus_detach (peer->gm->bus, peer->bus_ids[i]);
  if (peer->source)
    {
      g_source_destroy (peer->source);
      g_source_unref (peer->source);
    }
  if (peer->sock)
    {
      g_socket_close (peer->sock, NULL);
      g_object_unref (peer->sock);
      peer->gm->n_connections--;
    }
  if (peer->inbuf)
    g_byte_array_unref (peer->inbuf);
  g_free (peer->key);
  g_free (peer);
}

static void
send_raw (GmPeer *peer, const guint8 *data, gsize len)
{
  ImpsPcscfGm *gm = peer->gm;
  if (gm->hook)
    gm->hook (peer->transport, peer->addr, peer->port, data, len, gm->hook_data);
  if (gm->no_sockets)
    {
      gm->stats.sent++;
      return;
    }
  g_autoptr (GError) error = NULL;
  gssize n;
  if (peer->transport == IMPS_PCSCF_GM_UDP)
    {
      g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (peer->addr);
      g_autoptr (GSocketAddress) sa = ia ? g_inet_socket_address_new (ia, peer->port) : NULL;
      n = sa ? g_socket_send_to (gm->udp, sa, (const gchar *) data, len, NULL, &error) : -1;
    }
  else if (peer->sock != NULL)
    n = g_socket_send (peer->sock, (const gchar *) data, len, NULL, &error);
  else
    n = -1;
  if (n == (gssize) len)
    {
      gm->stats.sent++;
      return;
    }
  gm->stats.send_failed++;
  note (gm, IMPS_EVENT_FAILURE, "SIP not sent", "to %s: %s", peer->key,
        error ? error->message : "short write");
  /* A TCP stream with part of a message in it cannot carry the next one. */
  if (peer->transport == IMPS_PCSCF_GM_TCP)
    peer_close (peer);
}

/* What went to an outside device: over UDP its transaction retransmits
 * it when needed; a 2xx to a REGISTER tells the registered callback which
 * identity the S-CSCF registered (or removed). */
static void
watch_sent (GmPeer *peer, const guint8 *data, gsize len)
{
  ImpsPcscfGm *gm = peer->gm;
  gboolean udp = peer->transport == IMPS_PCSCF_GM_UDP;
  gboolean reg_ok = gm->registered != NULL && len >= 12 && memcmp (data, "SIP/2.0 2", 9) == 0;
  if (!udp && !reg_ok && gm->media_func == NULL)
    return;
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse (data, len, NULL);
  if (msg == NULL)
    return;
  if (udp)
    gm_tx_sent (gm->tx, peer->key, msg, data, len);
  watch_media (gm, msg, TRUE);
  ImpsSipCSeq cseq;
  if (!reg_ok || !imps_sip_message_get_cseq (msg, &cseq, NULL)
      || strcmp (cseq.method, "REGISTER") != 0)
    return;
  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (msg, NULL);
  g_autofree gchar *impu = to != NULL ? ims_impu_key (to->uri) : NULL;
  if (impu == NULL)
    return;
  /* Registered while the answer names a contact with a non-zero expiry. */
  g_autoptr (GPtrArray) contacts = imps_sip_message_get_contacts (msg, NULL);
  gboolean bound = contacts != NULL && contacts->len > 0;
  g_autofree gchar *peer_addr = g_strdup (peer->addr);
  gm->registered (gm, impu, peer_addr, peer->port, bound, gm->registered_data);
}

static void
on_bus (const gchar *from, guint16 from_port, const guint8 *data, gsize len, gpointer user_data)
{
  (void) from;
  (void) from_port;
  GmPeer *peer = user_data;
  ImpsPcscfGm *gm = peer->gm;
  gchar key[128];
  g_strlcpy (key, peer->key, sizeof key);
  send_raw (peer, data, len);
  /* send_raw may have closed a TCP peer (not freed before an idle). */
  if (g_hash_table_lookup (gm->peers, key) == peer)
    watch_sent (peer, data, len);
}

static gboolean
peer_attach (GmPeer *peer, const gchar *addr, guint16 port)
{
  if (peer->n_bus >= MAX_BUS_IDS)
    return FALSE;
  g_autofree gchar *name = g_strdup_printf ("outside %s:%u", addr, port);
  guint id = imps_sip_bus_attach (peer->gm->bus, FALSE, name, addr, port, on_bus, peer);
  if (id == 0)
    return FALSE;
  peer->bus_ids[peer->n_bus++] = id;
  return TRUE;
}

static GmPeer *
peer_get (ImpsPcscfGm *gm, ImpsPcscfGmTransport t, const gchar *addr, guint16 port,
          GSocket *conn)
{
  g_autofree gchar *key = g_strdup_printf ("%s %s:%u", t == IMPS_PCSCF_GM_UDP ? "udp" : "tcp",
                                           addr, port);
  GmPeer *peer = g_hash_table_lookup (gm->peers, key);
  if (peer != NULL)
    return peer;
  if (strlen (addr) >= INET_ADDRSTRLEN)
    return NULL;
  if (g_hash_table_size (gm->peers) >= IMPS_PCSCF_GM_MAX_PEERS)
    {
      /* Full: the UDP peer heard from least recently makes room (a TCP
       * peer leaves with its connection). */
      GHashTableIter it;
      gpointer v;
      GmPeer *oldest = NULL;
      g_hash_table_iter_init (&it, gm->peers);
      while (g_hash_table_iter_next (&it, NULL, &v))
        {
          GmPeer *q = v;
          if (q->transport == IMPS_PCSCF_GM_UDP && (oldest == NULL || q->last_us < oldest->last_us))
            oldest = q;
        }
      if (oldest == NULL)
        return NULL;
      note (gm, IMPS_EVENT_NOTE, "peer forgotten", "%s: %u peers, it was heard from least recently",
            oldest->key, IMPS_PCSCF_GM_MAX_PEERS);
      g_hash_table_remove (gm->peers, oldest->key);
    }
  peer = g_new0 (GmPeer, 1);
  peer->gm = gm;
  peer->transport = t;
  peer->key = g_steal_pointer (&key);
  g_strlcpy (peer->addr, addr, sizeof peer->addr);
  peer->port = port;
  peer->sock = conn;
  if (conn)
    gm->n_connections++;
  g_hash_table_insert (gm->peers, peer->key, peer);
  return peer;
}

static gboolean
close_idle (gpointer data)
{
  GmPeer *peer = data;
  peer->close_id = 0;
  g_hash_table_remove (peer->gm->peers, peer->key);
  return G_SOURCE_REMOVE;
}

/* Ends a peer outside its own callback (the read source may be running). */
static void
peer_close (GmPeer *peer)
{
  if (peer->closing)
    return;
  peer->closing = TRUE;
  if (peer->source)
    {
      g_source_destroy (peer->source);
      g_clear_pointer (&peer->source, g_source_unref);
    }
  peer->close_id = g_idle_add (close_idle, peer);
}

/* ---- 400 for what the parser refused ---- */

static gboolean
names_header (const gchar *line, gsize len, const gchar *const *names)
{
  const gchar *colon = memchr (line, ':', len);
  if (colon == NULL)
    return FALSE;
  gsize n = (gsize) (colon - line);
  while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
    n--;
  for (guint i = 0; names[i]; i++)
    if (strlen (names[i]) == n && g_ascii_strncasecmp (line, names[i], n) == 0)
      return TRUE;
  return FALSE;
}

/* The header lines a response must echo (RFC 3261 §8.2.6.2), copied from
 * bytes that did not parse; NULL when one of them is missing. */
static GString *
salvage_lines (const guint8 *data, gsize len)
{
  static const gchar *const via[] = { "via", "v", NULL };
  static const gchar *const from[] = { "from", "f", NULL };
  static const gchar *const to[] = { "to", "t", NULL };
  static const gchar *const call_id[] = { "call-id", "i", NULL };
  static const gchar *const cseq[] = { "cseq", NULL };
  static const gchar *const *const required[] = { via, from, to, call_id, cseq };
  gboolean seen[G_N_ELEMENTS (required)] = { FALSE };
  g_autoptr (GString) out = g_string_new (NULL);
  gsize pos = 0;
  guint lines = 0;

  /* Skip the start line. */
  while (pos < len && data[pos] != '\n')
    pos++;
  pos++;
  while (pos < len && lines < 64)
    {
      gsize start = pos;
      while (pos < len && data[pos] != '\n')
        pos++;
      gsize end = pos;
      pos++;
      if (end > start && data[end - 1] == '\r')
        end--;
      if (end == start)
        break; /* end of the headers */
      lines++;
      const gchar *line = (const gchar *) data + start;
      gsize n = end - start;
      if (n > 512)
        continue;
      gboolean clean = TRUE;
      for (gsize i = 0; i < n && clean; i++)
        clean = (data[start + i] >= 0x20 && data[start + i] < 0x7f) || data[start + i] == '\t';
      if (!clean)
        continue;
      for (guint r = 0; r < G_N_ELEMENTS (required); r++)
        if (names_header (line, n, required[r]))
          {
            /* Every Via, one of each other. */
            if (r != 0 && seen[r])
              break;
            seen[r] = TRUE;
            g_string_append_len (out, line, (gssize) n);
            g_string_append (out, "\r\n");
            break;
          }
    }
  for (guint r = 0; r < G_N_ELEMENTS (required); r++)
    if (!seen[r])
      return NULL;
  return g_steal_pointer (&out);
}

static void
answer_bad_request (GmPeer *peer, const guint8 *data, gsize len, const gchar *reason)
{
  ImpsPcscfGm *gm = peer->gm;
  gboolean is_response = len >= 8 && memcmp (data, "SIP/2.0 ", 8) == 0;
  g_autoptr (GString) lines = is_response ? NULL : salvage_lines (data, len);
  if (lines == NULL)
    {
      gm->stats.dropped++;
      note (gm, IMPS_EVENT_REFUSAL, "SIP dropped", "from %s: %s%s", peer->key, reason,
            is_response ? "" : " (no Via, From, To, Call-ID and CSeq to answer with)");
      return;
    }
  /* The reason phrase: printable ASCII, bounded. */
  gchar phrase[128];
  gsize n = 0;
  for (const gchar *p = reason; *p && n < sizeof phrase - 1; p++)
    phrase[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : ' ';
  phrase[n] = '\0';
  g_autoptr (GString) out = g_string_new (NULL);
  g_string_append_printf (out, "SIP/2.0 400 Bad Request (%s)\r\n", phrase);
  g_string_append_len (out, lines->str, (gssize) lines->len);
  g_string_append (out, "Content-Length: 0\r\n\r\n");
  gm->stats.bad_request++;
  note (gm, IMPS_EVENT_REFUSAL, "400", "from %s: %s", peer->key, reason);
  send_raw (peer, (const guint8 *) out->str, out->len);
}

/* ---- Digest on REGISTER ---- */

/* Answers a request the P-CSCF keeps from the core. The request is logged
 * first (the bus logs what it carries, and this one goes no further), then
 * the answer goes through the bus, so that the ladder and the capture show
 * both. */
static void
respond (ImpsPcscfGm *gm, GmPeer *peer, const ImpsSipMessage *req, guint status,
         const gchar *reason, const gchar *www_authenticate)
{
  g_autofree gchar *from = g_strdup_printf ("outside %s:%u", peer->addr, peer->port);
  g_autofree gchar *stream = g_strdup_printf ("sip %s:%u-%s:%u", peer->addr, peer->port,
                                              gm->pcscf_address, gm->pcscf_port);
  g_autoptr (GBytes) req_bytes = imps_sip_message_to_bytes (req);
  imps_network_log (gm->net, IMPS_EVENT_MESSAGE, gm->ref, IMPS_PROTO_SIP, from, gm->name,
                    req_bytes, stream, NULL, "%s", imps_sip_message_get_method (req));

  g_autofree gchar *tag = imps_sip_tag_new (gm->rnd);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipMessage) resp = imps_sip_message_new_response_for (req, status, reason, tag,
                                                                        &error);
  if (resp == NULL)
    {
      gm->stats.dropped++;
      note (gm, IMPS_EVENT_REFUSAL, "SIP dropped", "no %u for %s: %s", status, peer->key,
            error->message);
      return;
    }
  if (www_authenticate)
    imps_sip_message_append_header (resp, "WWW-Authenticate", www_authenticate);
  ImsHop hop;
  g_strlcpy (hop.addr, peer->addr, sizeof hop.addr);
  hop.port = peer->port;
  ims_send (gm->bus, gm->ref, gm->pcscf_address, gm->pcscf_port, &hop, resp);
}

static void
purge_nonces (ImpsPcscfGm *gm)
{
  gint64 now = imps_clock_now_us (gm->clock);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, gm->nonces);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((GmNonce *) v)->expires_us <= now)
      g_hash_table_iter_remove (&it);
  /* Still full: forget any one (its holder is challenged again). */
  if (g_hash_table_size (gm->nonces) >= IMPS_PCSCF_GM_MAX_NONCES)
    {
      g_hash_table_iter_init (&it, gm->nonces);
      if (g_hash_table_iter_next (&it, NULL, NULL))
        g_hash_table_iter_remove (&it);
    }
}

static void
challenge (ImpsPcscfGm *gm, GmPeer *peer, const ImpsSipMessage *req, gboolean stale,
           const gchar *why)
{
  guint8 raw[16];
  imps_random_fill (gm->rnd, raw, sizeof raw);
  gchar *nonce = g_malloc (2 * sizeof raw + 1);
  for (guint i = 0; i < sizeof raw; i++)
    g_snprintf (nonce + 2 * i, 3, "%02x", raw[i]);
  if (g_hash_table_size (gm->nonces) >= IMPS_PCSCF_GM_MAX_NONCES)
    purge_nonces (gm);
  GmNonce *n = g_new0 (GmNonce, 1);
  n->expires_us = imps_clock_now_us (gm->clock)
                  + (gint64) IMPS_PCSCF_GM_NONCE_LIFETIME_S * G_USEC_PER_SEC;
  g_hash_table_insert (gm->nonces, nonce, n);

  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_new ();
  c->realm = g_strdup (gm->realm);
  c->nonce = g_strdup (nonce);
  c->algorithm = IMPS_DIGEST_ALGORITHM_MD5;
  c->qop_options = IMPS_DIGEST_QOP_AUTH;
  c->stale = stale;
  g_autofree gchar *value = imps_digest_challenge_build (c, NULL);
  gm->stats.challenged++;
  note (gm, IMPS_EVENT_NOTE, "401", "REGISTER from %s: %s", peer->key, why);
  respond (gm, peer, req, 401, NULL, value);
}

static void
refuse (ImpsPcscfGm *gm, GmPeer *peer, const ImpsSipMessage *req, const gchar *why)
{
  gm->stats.refused++;
  note (gm, IMPS_EVENT_REFUSAL, "403", "REGISTER from %s: %s", peer->key, why);
  respond (gm, peer, req, 403, NULL, NULL);
}

/* ---- IMS AKA (RFC 3310 on Gm) ---- */

static void
aka_nonce_free (gpointer p)
{
  GmAkaNonce *n = p;
  g_free (n->impi);
  imps_wipe (n, sizeof *n); /* RAND and XRES */
  g_free (n);
}

static void
aka_nonce_forget (ImpsPcscfGm *gm, const gchar *nonce)
{
  g_hash_table_remove (gm->aka_nonces, nonce);
}

static void
purge_aka_nonces (ImpsPcscfGm *gm)
{
  gint64 now = imps_clock_now_us (gm->clock);
  GHashTableIter it;
  gpointer v;
  gboolean full = g_hash_table_size (gm->aka_nonces) >= IMPS_PCSCF_GM_MAX_NONCES;
  g_hash_table_iter_init (&it, gm->aka_nonces);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      GmAkaNonce *n = v;
      if (n->expires_us <= now || full)
        {
          g_hash_table_iter_remove (&it);
          full = FALSE;
        }
    }
}

static void
aka_fetch_free (GmAkaFetch *f)
{
  g_object_unref (f->cancel);
  g_free (f->peer_key);
  g_bytes_unref (f->req);
  g_free (f->impi);
  g_free (f);
}

/* Answers the REGISTER of @f (if its device is still there). */
static void
aka_answer (GmAkaFetch *f, guint status, const gchar *www_authenticate)
{
  ImpsPcscfGm *gm = f->gm;
  GmPeer *peer = g_hash_table_lookup (gm->peers, f->peer_key);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (f->req, &len);
  g_autoptr (ImpsSipMessage) req = imps_sip_message_parse (data, len, NULL);
  if (peer == NULL || req == NULL)
    {
      gm->stats.dropped++;
      note (gm, IMPS_EVENT_NOTE, "SIP dropped", "no %u for the REGISTER of %s: it has gone",
            status, f->peer_key);
      return;
    }
  respond (gm, peer, req, status, NULL, www_authenticate);
}

static void
on_aka_maa (GObject *source, GAsyncResult *res, gpointer data)
{
  GmAkaFetch *f = data;
  (void) source;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDiameterMessage) msg = imps_diameter_client_request_finish (NULL, res, &error);
  if (g_cancellable_is_cancelled (f->cancel))
    {
      aka_fetch_free (f); /* the Gm is gone */
      return;
    }
  ImpsPcscfGm *gm = f->gm;
  gm->n_fetches--;
  g_autoptr (ImpsDiameterMaa) maa = msg ? imps_diameter_maa_parse (msg, &error) : NULL;
  if (maa == NULL)
    {
      gm->stats.refused++;
      note (gm, IMPS_EVENT_FAILURE, "503", "REGISTER from %s: no AKA vector for %s: %s",
            f->peer_key, f->impi, error ? error->message : "no answer");
      aka_answer (f, 503, NULL);
      aka_fetch_free (f);
      return;
    }
  if (maa->result_code != IMPS_DIAMETER_SUCCESS || !maa->has_av)
    {
      guint32 code = maa->experimental_result ? maa->experimental_result : maa->result_code;
      const gchar *name = imps_diameter_result_code_name (code, maa->experimental_result != 0);
      gm->stats.refused++;
      note (gm, IMPS_EVENT_REFUSAL, "403", "REGISTER from %s: the HSS answered MAA %u%s%s for "
            "IMPI %s%s", f->peer_key, code, name ? " " : "", name ? name : "", f->impi,
            f->resync ? " (resynchronisation with AUTS)" : "");
      aka_answer (f, 403, NULL);
      aka_fetch_free (f);
      return;
    }
  if (maa->xres_len < IMPS_DIGEST_AKA_RES_MIN || maa->xres_len > IMPS_DIGEST_AKA_RES_MAX)
    {
      gm->stats.refused++;
      note (gm, IMPS_EVENT_FAILURE, "503", "REGISTER from %s: XRES of %" G_GSIZE_FORMAT
            " bytes from the HSS", f->peer_key, maa->xres_len);
      aka_answer (f, 503, NULL);
      aka_fetch_free (f);
      return;
    }
  const guint8 *rand = maa->sip_authenticate;
  const guint8 *autn = maa->sip_authenticate + IMPS_DIGEST_AKA_RAND_LEN;
  g_autofree gchar *nonce = imps_digest_aka_nonce_build (rand, autn, NULL, 0);
  if (g_hash_table_size (gm->aka_nonces) >= IMPS_PCSCF_GM_MAX_NONCES)
    purge_aka_nonces (gm);
  aka_nonce_forget (gm, nonce); /* a RAND seen before: the new vector wins */
  GmAkaNonce *n = g_new0 (GmAkaNonce, 1);
  n->impi = g_strdup (f->impi);
  n->expires_us = imps_clock_now_us (gm->clock)
                  + (gint64) IMPS_PCSCF_GM_NONCE_LIFETIME_S * G_USEC_PER_SEC;
  memcpy (n->rand, rand, sizeof n->rand);
  memcpy (n->xres, maa->xres, maa->xres_len);
  n->xres_len = maa->xres_len;
  g_hash_table_insert (gm->aka_nonces, g_strdup (nonce), n);

  g_autoptr (ImpsDigestChallenge) c = imps_digest_challenge_new_aka (gm->realm, rand, autn, NULL,
                                                                     0, IMPS_DIGEST_QOP_AUTH,
                                                                     NULL);
  g_autofree gchar *value = imps_digest_challenge_build (c, NULL);
  gm->stats.challenged++;
  note (gm, IMPS_EVENT_NOTE, "401", "REGISTER from %s: AKA challenge for %s%s", f->peer_key,
        f->impi, f->resync ? " after resynchronisation" : "");
  aka_answer (f, 401, value);
  aka_fetch_free (f);
}

/* Asks the HSS for a vector (with RAND || AUTS: a resynchronisation) and
 * answers @req with the AKA challenge when it comes. */
static void
aka_challenge (ImpsPcscfGm *gm, GmPeer *peer, const ImpsSipMessage *req, const gchar *impi,
               const guint8 *resync, const gchar *why)
{
  if (gm->hss_address == NULL)
    {
      refuse (gm, peer, req, "IMS AKA needs an HSS, and this P-CSCF has none");
      return;
    }
  if (gm->n_fetches >= IMPS_PCSCF_GM_MAX_AKA_FETCHES)
    {
      gm->stats.dropped++;
      gm->stats.no_room++;
      note (gm, IMPS_EVENT_REFUSAL, "SIP dropped", "REGISTER from %s: %u AKA vectors are on "
            "their way already", peer->key, IMPS_PCSCF_GM_MAX_AKA_FETCHES);
      return;
    }
  if (gm->hss == NULL)
    gm->hss = imps_diameter_client_new (gm->net, gm->address, gm->hss_address, gm->hss_port);
  note (gm, IMPS_EVENT_NOTE, "MAR", "REGISTER from %s: %s; asking the HSS for a vector for %s",
        peer->key, why, impi);
  GmAkaFetch *f = g_new0 (GmAkaFetch, 1);
  f->gm = gm;
  f->cancel = g_object_ref (gm->cancel);
  f->peer_key = g_strdup (peer->key);
  f->req = imps_sip_message_to_bytes (req);
  f->impi = g_strdup (impi);
  f->resync = resync != NULL;
  g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_new ();
  mar->session_id = g_strdup_printf ("%s;%" G_GINT64_FORMAT ";%" G_GUINT64_FORMAT, gm->name,
                                     imps_clock_now_us (gm->clock) / G_USEC_PER_SEC,
                                     ++gm->session_counter);
  mar->origin_host = g_strdup (gm->name);
  mar->origin_realm = g_strdup (gm->realm);
  mar->destination_realm = g_strdup (gm->realm);
  mar->impi = g_strdup (impi);
  mar->number_auth_items = 1;
  if (resync)
    {
      mar->has_resync = TRUE;
      memcpy (mar->resync, resync, IMPS_DIAMETER_RESYNC_LEN);
    }
  g_autoptr (GBytes) bytes = imps_diameter_mar_build (mar);
  gm->n_fetches++;
  imps_diameter_client_request_async (gm->hss, bytes, gm->cancel, on_aka_maa, f);
}

/* An Authorization that answers (or asks for) an AKA challenge. TRUE when
 * the REGISTER may go on. */
static gboolean
check_aka (ImpsPcscfGm *gm, GmPeer *peer, const ImpsSipMessage *req, GmUser *user,
           const ImpsDigestCredentials *cred)
{
  g_autoptr (GError) error = NULL;
  GmAkaNonce *n = g_hash_table_lookup (gm->aka_nonces, cred->nonce);
  if (n != NULL && n->expires_us <= imps_clock_now_us (gm->clock))
    {
      aka_nonce_forget (gm, cred->nonce);
      n = NULL;
    }
  if (n == NULL || g_strcmp0 (n->impi, user->impi) != 0)
    {
      aka_challenge (gm, peer, req, user->impi, NULL,
                     cred->nonce[0] ? "unknown or expired AKA nonce" : "asks for IMS AKA");
      return FALSE;
    }
  if (g_strcmp0 (cred->uri, imps_sip_message_get_request_uri (req)) != 0)
    {
      refuse (gm, peer, req, "Digest uri is not the Request-URI");
      return FALSE;
    }
  guint32 nc = 0;
  if (cred->qop != IMPS_DIGEST_QOP_NONE)
    {
      nc = (guint32) g_ascii_strtoull (cred->nc, NULL, 16);
      if (nc <= n->last_nc)
        {
          aka_challenge (gm, peer, req, user->impi, NULL,
                         "nonce count not above the last one (a replay)");
          return FALSE;
        }
    }
  GBytes *body = imps_sip_message_get_body (req);
  gsize body_len = 0;
  const guint8 *body_data = body ? g_bytes_get_data (body, &body_len) : NULL;
  static const guint8 unused[16] = { 0 }; /* IK and CK: AKAv2 only */
  ImpsDigestAkaOutcome outcome;
  guint8 auts[IMPS_DIGEST_AKA_AUTS_LEN];
  if (!imps_digest_aka_verify (cred, "REGISTER", body_data, body_len, n->xres, n->xres_len,
                               unused, unused, &outcome, auts, &error))
    {
      aka_nonce_forget (gm, cred->nonce);
      refuse (gm, peer, req, error->message);
      return FALSE;
    }
  if (outcome == IMPS_DIGEST_AKA_RESYNC)
    {
      guint8 resync[IMPS_DIAMETER_RESYNC_LEN];
      memcpy (resync, n->rand, IMPS_DIGEST_AKA_RAND_LEN);
      memcpy (resync + IMPS_DIGEST_AKA_RAND_LEN, auts, IMPS_DIGEST_AKA_AUTS_LEN);
      aka_nonce_forget (gm, cred->nonce);
      aka_challenge (gm, peer, req, user->impi, resync,
                     "synchronisation failure (AUTS), resynchronising");
      imps_wipe (resync, sizeof resync);
      return FALSE;
    }
  if (outcome == IMPS_DIGEST_AKA_NETWORK_REJECTED)
    {
      aka_nonce_forget (gm, cred->nonce);
      refuse (gm, peer, req, "the UE did not accept AUTN (empty password, no AUTS)");
      return FALSE;
    }
  n->last_nc = nc;
  peer->user = user;
  gm->stats.authenticated++;
  note (gm, IMPS_EVENT_NOTE, "AKA verified", "REGISTER from %s for %s", peer->key, user->impi);
  return TRUE;
}

/* TRUE when the REGISTER may go on to the P-CSCF. */
static gboolean
check_register (ImpsPcscfGm *gm, GmPeer *peer, const ImpsSipMessage *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsSipNameAddr) to = imps_sip_message_get_to (req, &error);
  g_autofree gchar *impu = to != NULL ? ims_impu_key (to->uri) : NULL;
  GmUser *user = impu != NULL ? g_hash_table_lookup (gm->users_by_impu, impu) : NULL;
  if (user == NULL)
    {
      refuse (gm, peer, req, "To names no outside device of this network");
      return FALSE;
    }
  const gchar *auth = imps_sip_message_get_header_value (req, "Authorization");
  if (auth == NULL)
    {
      if (user->password == NULL)
        aka_challenge (gm, peer, req, user->impi, NULL, "no credentials (IMS AKA only)");
      else
        challenge (gm, peer, req, FALSE, "no credentials");
      return FALSE;
    }
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_parse (auth, strlen (auth),
                                                                          &error);
  if (cred == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("Authorization: %s", error->message);
      gm->stats.bad_request++;
      note (gm, IMPS_EVENT_REFUSAL, "400", "REGISTER from %s: %s", peer->key, why);
      /* The reason phrase: the parser's words, printable ASCII. */
      for (gchar *c = why; *c; c++)
        if (*c < 0x20 || *c >= 0x7f)
          *c = ' ';
      respond (gm, peer, req, 400, why, NULL);
      return FALSE;
    }
  gboolean aka = cred->algorithm == IMPS_DIGEST_ALGORITHM_AKAV1_MD5;
  if (g_strcmp0 (cred->realm, gm->realm) != 0
      || (!aka && cred->algorithm != IMPS_DIGEST_ALGORITHM_NONE
          && cred->algorithm != IMPS_DIGEST_ALGORITHM_MD5)
      || (!aka && user->password == NULL))
    {
      if (user->password == NULL)
        aka_challenge (gm, peer, req, user->impi, NULL,
                       "credentials for another realm or algorithm (IMS AKA only)");
      else
        challenge (gm, peer, req, FALSE, "credentials for another realm or algorithm");
      return FALSE;
    }
  if (g_strcmp0 (cred->username, user->impi) != 0)
    {
      refuse (gm, peer, req, "user name is not the IMPI of the registered identity");
      return FALSE;
    }
  if (aka)
    return check_aka (gm, peer, req, user, cred);
  GmNonce *n = g_hash_table_lookup (gm->nonces, cred->nonce);
  if (n == NULL || n->expires_us <= imps_clock_now_us (gm->clock))
    {
      challenge (gm, peer, req, TRUE, "unknown or expired nonce");
      return FALSE;
    }
  guint32 nc = 0;
  if (cred->qop != IMPS_DIGEST_QOP_NONE)
    {
      nc = (guint32) g_ascii_strtoull (cred->nc, NULL, 16);
      if (nc <= n->last_nc)
        {
          challenge (gm, peer, req, TRUE, "nonce count not above the last one (a replay)");
          return FALSE;
        }
    }
  if (g_strcmp0 (cred->uri, imps_sip_message_get_request_uri (req)) != 0)
    {
      refuse (gm, peer, req, "Digest uri is not the Request-URI");
      return FALSE;
    }
  GBytes *body = imps_sip_message_get_body (req);
  gsize body_len = 0;
  const guint8 *body_data = body ? g_bytes_get_data (body, &body_len) : NULL;
  if (!imps_digest_credentials_verify (cred, "REGISTER", user->password, user->password_len,
                                       body_data, body_len, &error))
    {
      refuse (gm, peer, req, error->message);
      return FALSE;
    }
  n->last_nc = nc;
  peer->user = user;
  gm->stats.authenticated++;
  note (gm, IMPS_EVENT_NOTE, "Digest verified", "REGISTER from %s for %s", peer->key, impu);
  return TRUE;
}

/* The device may name another address or port in Contact than the one it
 * sends from (TCP: its listening port): requests for that contact reach it
 * over the same transport too. */
static void
attach_contacts (GmPeer *peer, const ImpsSipMessage *req, const gchar *header)
{
  g_autoptr (GPtrArray) contacts = header == NULL ? imps_sip_message_get_contacts (req, NULL)
                                                  : imps_sip_message_get_name_addrs (req, header,
                                                                                     NULL);
  for (guint i = 0; contacts != NULL && i < contacts->len; i++)
    {
      ImpsSipNameAddr *c = g_ptr_array_index (contacts, i);
      ImsHop hop;
      if (c->star || !ims_hop_from_uri (c->uri, &hop))
        continue;
      if (strcmp (hop.addr, peer->addr) == 0 && hop.port == peer->port)
        continue;
      peer_attach (peer, hop.addr, hop.port); /* taken: requests go by Via's rport only */
    }
}

/* ---- e2ae for devices that cannot ask for it ---- */

gchar *
imps_pcscf_gm_sdp_request_e2ae (const gchar *text, gsize len, gsize *out_len, guint *added)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  *added = 0;
  *out_len = 0;
  if (len == 0 || len > IMPS_PCSCF_GM_MAX_MESSAGE)
    return NULL;
  GString *out = g_string_sized_new (len + 64);
  gboolean in_media = FALSE, crypto = FALSE, marked = FALSE;
  gsize pos = 0;
  for (;;)
    {
      gsize start = pos;
      gboolean at_end = start >= len;
      while (pos < len && text[pos] != '\n')
        pos++;
      gsize end = pos < len ? pos + 1 : pos;
      gboolean media_line = !at_end && end - start >= 2 && text[start] == 'm'
                            && text[start + 1] == '=';
      if ((at_end || media_line) && in_media && crypto && !marked)
        {
          /* a last line without its line end gets one first */
          if (out->len > 0 && out->str[out->len - 1] != '\n')
            g_string_append (out, "\r\n");
          g_string_append (out, "a=3ge2ae:requested\r\n");
          (*added)++;
        }
      if (at_end)
        break;
      if (media_line)
        {
          in_media = TRUE;
          crypto = marked = FALSE;
        }
      else if (in_media && end - start >= 9 && strncmp (text + start, "a=crypto:", 9) == 0)
        crypto = TRUE;
      else if (in_media && end - start >= 9 && strncmp (text + start, "a=3ge2ae:", 9) == 0)
        marked = TRUE;
      g_string_append_len (out, text + start, (gssize) (end - start));
      pos = end;
    }
  if (*added == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* An SDP offer with a=crypto from a device set to e2ae: a=3ge2ae:requested
 * on its a=crypto media lines, so that the IMS-ALG answers it for the AGW
 * (profile §5). */
static void
request_e2ae (GmPeer *peer, ImpsSipMessage *msg)
{
  GBytes *body = imps_sip_message_get_body (msg);
  gsize len = 0, out_len = 0;
  guint added = 0;
  const gchar *text = g_bytes_get_data (body, &len);
  gchar *out = imps_pcscf_gm_sdp_request_e2ae (text, len, &out_len, &added);
  if (out == NULL)
    return;
  g_autoptr (GBytes) nb = g_bytes_new_take (out, out_len);
  imps_sip_message_set_body (msg, nb, NULL);
  note (peer->gm, IMPS_EVENT_NOTE, "e2ae", "INVITE from %s: a=3ge2ae:requested added to %u "
        "media line(s) (outside device set to e2ae)", peer->key, added);
}

/* ---- the media ends of calls (early media) ---- */

/* The IPv4 address of a c= value or an a=rtcp address ("IN IP4 a.b.c.d",
 * any /TTL left out) into @addr; FALSE for anything else. */
static gboolean
ipv4_of (const gchar *text, gsize len, gchar addr[INET_ADDRSTRLEN])
{
  gsize n = strcspn (text, " /");
  if (n > len)
    n = len;
  if (n == 0 || n >= INET_ADDRSTRLEN)
    return FALSE;
  memcpy (addr, text, n);
  addr[n] = '\0';
  return ims_is_ipv4 (addr);
}

/* Every media line's ends (up to IMPS_PCSCF_GM_MAX_STREAMS) from @msg's SDP
 * body into @ends: the line's port and address (its c=, else the
 * session's), RTCP at its a=rtcp (RFC 3605) or the next port. A line
 * without a port or an IPv4 address, or with a port RTCP cannot follow,
 * gets rtp_port 0. FALSE when there is no SDP. */
static gboolean
sdp_media_ends (const ImpsSipMessage *msg, ImpsPcscfGmMediaEnd ends[IMPS_PCSCF_GM_MAX_STREAMS])
{
  GBytes *body = imps_sip_message_get_body (msg);
  gsize len = 0;
  const gchar *text = body ? g_bytes_get_data (body, &len) : NULL;
  if (text == NULL || len == 0)
    return FALSE;
  g_autoptr (ImpsSdp) sdp = imps_sdp_parse (text, len, NULL);
  if (sdp == NULL)
    return FALSE;
  memset (ends, 0, sizeof (ImpsPcscfGmMediaEnd) * IMPS_PCSCF_GM_MAX_STREAMS);
  for (guint i = 0; i < imps_sdp_n_media (sdp) && i < IMPS_PCSCF_GM_MAX_STREAMS; i++)
    {
      ImpsSdpMedia *m = imps_sdp_get_media (sdp, i);
      ImpsPcscfGmMediaEnd *e = &ends[i];
      guint p = imps_sdp_media_get_port (m);
      const gchar *c = imps_sdp_media_connection (sdp, m);
      if (p == 0 || p >= G_MAXUINT16 || c == NULL || !g_str_has_prefix (c, "IN IP4 ")
          || !ipv4_of (c + 7, strlen (c + 7), e->rtp))
        continue;
      ImpsSdpRtcp r;
      if (imps_sdp_media_get_rtcp (m, &r, NULL))
        {
          if (!r.has_address)
            g_strlcpy (e->rtcp, e->rtp, sizeof e->rtcp);
          else if (strcmp (r.addrtype, "IP4") != 0
                   || !ipv4_of (r.address, strlen (r.address), e->rtcp))
            continue; /* RTCP at an address the media sockets cannot match */
          e->rtcp_port = r.port;
        }
      else
        {
          g_strlcpy (e->rtcp, e->rtp, sizeof e->rtcp);
          e->rtcp_port = (guint16) (p + 1);
        }
      e->rtp_port = (guint16) p;
    }
  return TRUE;
}

/* @msg passes to (@to_outside) or from the outside device: its SDP and a
 * 2xx to an INVITE update the call's media ends; a BYE ends them. Media
 * lines pair by their place in the SDP (RFC 3264 §6). */
static void
watch_media (ImpsPcscfGm *gm, const ImpsSipMessage *msg, gboolean to_outside)
{
  if (gm->media_func == NULL)
    return;
  const gchar *call_id = imps_sip_message_get_call_id (msg);
  if (call_id == NULL)
    return;
  ImpsSipCSeq cseq;
  if (!imps_sip_message_get_cseq (msg, &cseq, NULL))
    return;
  if (strcmp (cseq.method, "BYE") == 0)
    {
      g_hash_table_remove (gm->media, call_id);
      return;
    }
  if (strcmp (cseq.method, "INVITE") != 0)
    return;
  gboolean ok = !imps_sip_message_is_request (msg)
                && imps_sip_message_get_status (msg) >= 200
                && imps_sip_message_get_status (msg) < 300;
  ImpsPcscfGmMediaEnd ends[IMPS_PCSCF_GM_MAX_STREAMS];
  gboolean has_sdp = sdp_media_ends (msg, ends);
  GmMedia *m = g_hash_table_lookup (gm->media, call_id);
  if (m == NULL)
    {
      if (!has_sdp)
        return;
      if (g_hash_table_size (gm->media) >= IMPS_PCSCF_GM_MAX_PEERS)
        g_hash_table_remove_all (gm->media); /* calls that go on set theirs with their next SDP */
      m = g_new0 (GmMedia, 1);
      g_hash_table_insert (gm->media, g_strdup (call_id), m);
    }
  if (has_sdp)
    memcpy (to_outside ? m->local : m->remote, ends, sizeof ends);
  if (ok)
    m->answered = TRUE;
  if (!has_sdp && !ok)
    return;
  for (guint i = 0; i < IMPS_PCSCF_GM_MAX_STREAMS; i++)
    if (m->local[i].rtp_port != 0 && m->remote[i].rtp_port != 0)
      gm->media_func (gm, call_id, i, &m->local[i], &m->remote[i], m->answered, gm->media_data);
}

/* ---- dispatch ---- */

static void
dispatch (GmPeer *peer, const guint8 *data, gsize len)
{
  ImpsPcscfGm *gm = peer->gm;
  g_autoptr (GError) error = NULL;

  gm->stats.received++;
  peer->last_us = imps_clock_now_us (gm->clock);
  if (len > IMPS_PCSCF_GM_MAX_MESSAGE)
    {
      gm->stats.dropped++;
      note (gm, IMPS_EVENT_REFUSAL, "SIP dropped", "from %s: %" G_GSIZE_FORMAT
            " bytes, more than %u", peer->key, len, IMPS_PCSCF_GM_MAX_MESSAGE);
      return;
    }
  gsize blank = 0;
  while (blank < len && (data[blank] == '\r' || data[blank] == '\n'))
    blank++;
  if (blank == len)
    return; /* a keep-alive (RFC 5626 §4.4.1) */
  if (peer->n_bus == 0 && !peer_attach (peer, peer->addr, peer->port))
    {
      gm->stats.dropped++;
      note (gm, IMPS_EVENT_REFUSAL, "SIP dropped",
            "from %s: that address and port belong to a simulated node", peer->key);
      return;
    }
  g_autoptr (ImpsSipMessage) msg = imps_sip_message_parse (data, len, &error);
  if (msg == NULL)
    {
      answer_bad_request (peer, data, len, error->message);
      return;
    }
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (msg, 0, &error);
  if (via == NULL)
    {
      if (imps_sip_message_is_request (msg))
        answer_bad_request (peer, data, len, "no top Via");
      else
        {
          gm->stats.dropped++;
          note (gm, IMPS_EVENT_REFUSAL, "SIP dropped", "response from %s without Via",
                peer->key);
        }
      return;
    }
  if (peer->transport == IMPS_PCSCF_GM_UDP)
    {
      GmTxVerdict v = gm_tx_received (gm->tx, peer->key, msg);
      if (v == GM_TX_ABSORBED)
        {
          gm->stats.absorbed++;
          return;
        }
      if (v == GM_TX_NO_ROOM)
        {
          gm->stats.dropped++;
          gm->stats.no_room++;
          /* a flood: the first and then every power of two is logged */
          if ((gm->stats.no_room & (gm->stats.no_room - 1)) == 0)
            note (gm, IMPS_EVENT_REFUSAL, "SIP dropped", "%s from %s: no room for its "
                  "transaction (%u per device, %u in all); %" G_GUINT64_FORMAT " dropped so far",
                  imps_sip_message_get_method (msg), peer->key,
                  IMPS_PCSCF_GM_MAX_PEER_TRANSACTIONS, IMPS_PCSCF_GM_MAX_TRANSACTIONS,
                  gm->stats.no_room);
          return;
        }
    }
  g_autofree gchar *summary = NULL;
  if (imps_sip_message_is_request (msg))
    {
      const gchar *method = imps_sip_message_get_method (msg);
      /* RFC 3261 §18.2.1 and RFC 3581: answers go where the request came from. */
      g_free (via->received);
      via->received = g_strdup (peer->addr);
      via->rport = peer->port;
      imps_sip_message_replace_top_via (msg, via);
      gboolean mw = gm->role == IMPS_PCSCF_GM_ROLE_MW;
      if (mw && strcmp (method, "REGISTER") != 0
          && !g_hash_table_contains (gm->proxies, peer->addr))
        {
          /* Mw: only a proxy that registered a user here may send
           * requests. An ACK (of such a 403, or of nothing) ends here. */
          if (strcmp (method, "ACK") == 0)
            return;
          gm->stats.refused++;
          note (gm, IMPS_EVENT_REFUSAL, "403", "%s from %s: no REGISTER was verified through "
                "that proxy", method, peer->key);
          respond (gm, peer, msg, 403, NULL, NULL);
          return;
        }
      if (mw)
        {
          /* The proxy's own URIs (Path on REGISTER, Record-Route on other
           * requests) may name its listening port while it sends from
           * another (TCP): requests to them go over this transport too. */
          if (strcmp (method, "REGISTER") != 0)
            attach_contacts (peer, msg, "Record-Route");
          else if (!check_register (gm, peer, msg))
            return;
          else
            {
              attach_contacts (peer, msg, "Path");
              /* by address: a proxy may come back on another connection */
              if (g_hash_table_size (gm->proxies) >= IMPS_PCSCF_GM_MAX_PEERS)
                g_hash_table_remove_all (gm->proxies);
              g_hash_table_add (gm->proxies, g_strdup (peer->addr));
            }
        }
      else if (strcmp (method, "REGISTER") == 0)
        {
          if (!check_register (gm, peer, msg))
            return;
          attach_contacts (peer, msg, NULL);
          if (peer->user->e2ae
              && imps_sip_message_get_header_value (msg, "Security-Client") == NULL)
            {
              /* Terminating e2ae: the P-CSCF offers SDES for its AGW to
               * devices that registered with "mediasec" (profile §5). */
              imps_sip_message_append_header (msg, "Security-Client", "sdes-srtp;mediasec");
              note (gm, IMPS_EVENT_NOTE, "e2ae", "REGISTER from %s: Security-Client: "
                    "sdes-srtp;mediasec added (outside device set to e2ae)", peer->key);
            }
        }
      else if (strcmp (method, "INVITE") == 0 && peer->user != NULL && peer->user->e2ae)
        request_e2ae (peer, msg);
      summary = g_strdup (method);
    }
  else
    summary = g_strdup_printf ("%u %s", imps_sip_message_get_status (msg),
                               imps_sip_message_get_reason (msg));
  watch_media (gm, msg, FALSE);
  g_autoptr (GBytes) bytes = imps_sip_message_to_bytes (msg);
  gm->stats.passed++;
  imps_sip_bus_send_sip (gm->bus, gm->ref, peer->addr, peer->port, gm->pcscf_address,
                         gm->pcscf_port, bytes, summary);
}

void
imps_pcscf_gm_receive_datagram (ImpsPcscfGm *gm, const gchar *from, guint16 from_port,
                                const guint8 *data, gsize len)
{
  g_return_if_fail (gm != NULL && from != NULL);
  GmPeer *peer = peer_get (gm, IMPS_PCSCF_GM_UDP, from, from_port, NULL);
  if (peer == NULL)
    {
      gm->stats.received++;
      gm->stats.dropped++;
      note (gm, IMPS_EVENT_REFUSAL, "SIP dropped", "from udp %s:%u: %u TCP peers and no room",
            from, from_port, IMPS_PCSCF_GM_MAX_PEERS);
      return;
    }
  dispatch (peer, data, len);
}

gboolean
imps_pcscf_gm_frame (const guint8 *data, gsize len, gsize *skip, gsize *msg_len,
                     GError **error)
{
  gsize s = 0;
  while (s < len && (data[s] == '\r' || data[s] == '\n'))
    s++;
  *skip = s;
  *msg_len = 0;
  const guint8 *p = data + s;
  gsize avail = len - s;
  gsize limit = MIN (avail, (gsize) IMPS_PCSCF_GM_MAX_MESSAGE);
  gsize head = 0;
  for (gsize i = 0; i + 3 < limit; i++)
    if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
      {
        head = i + 4;
        break;
      }
  if (head == 0)
    {
      if (avail >= IMPS_PCSCF_GM_MAX_MESSAGE)
        {
          g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_FRAMING,
                       "no end of the headers within %u bytes", IMPS_PCSCF_GM_MAX_MESSAGE);
          return FALSE;
        }
      return TRUE;
    }
  /* Content-Length (or its compact form l) in the header block. */
  gboolean found = FALSE;
  guint64 body = 0;
  gsize pos = 0;
  while (pos < head - 2)
    {
      gsize start = pos;
      while (pos < head && p[pos] != '\n')
        pos++;
      gsize end = pos > start && p[pos - 1] == '\r' ? pos - 1 : pos;
      pos++;
      static const gchar *const names[] = { "content-length", "l", NULL };
      if (start == 0 || !names_header ((const gchar *) p + start, end - start, names))
        continue;
      if (found)
        {
          g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_FRAMING,
                       "Content-Length given twice");
          return FALSE;
        }
      const guint8 *v = memchr (p + start, ':', end - start);
      v++;
      const guint8 *e = p + end;
      while (v < e && (*v == ' ' || *v == '\t'))
        v++;
      while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
      if (v == e || e - v > 6)
        {
          g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_FRAMING,
                       "Content-Length is not a number of at most 6 digits");
          return FALSE;
        }
      for (; v < e; v++)
        {
          if (!g_ascii_isdigit (*v))
            {
              g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_FRAMING,
                           "Content-Length is not a number");
              return FALSE;
            }
          body = body * 10 + (guint64) (*v - '0');
        }
      found = TRUE;
    }
  if (!found)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_FRAMING,
                   "a message on TCP without Content-Length (RFC 3261 §18.3)");
      return FALSE;
    }
  if (head + body > IMPS_PCSCF_GM_MAX_MESSAGE)
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_FRAMING,
                   "a message of %" G_GUINT64_FORMAT " bytes, more than %u",
                   (guint64) head + body, IMPS_PCSCF_GM_MAX_MESSAGE);
      return FALSE;
    }
  if (avail >= head + body)
    *msg_len = head + (gsize) body;
  return TRUE;
}

/* Frames and dispatches what @peer's stream holds; FALSE when the stream
 * must end. */
static gboolean
stream_consume (GmPeer *peer)
{
  ImpsPcscfGm *gm = peer->gm;
  while (peer->inbuf->len > 0 && !peer->closing)
    {
      gsize skip, n;
      g_autoptr (GError) error = NULL;
      if (!imps_pcscf_gm_frame (peer->inbuf->data, peer->inbuf->len, &skip, &n, &error))
        {
          gsize avail = MIN (peer->inbuf->len - skip, (gsize) IMPS_PCSCF_GM_MAX_MESSAGE);
          gm->stats.received++;
          answer_bad_request (peer, peer->inbuf->data + skip, avail, error->message);
          return FALSE;
        }
      if (n == 0)
        {
          g_byte_array_remove_range (peer->inbuf, 0, (guint) skip);
          return TRUE;
        }
      dispatch (peer, peer->inbuf->data + skip, n);
      g_byte_array_remove_range (peer->inbuf, 0, (guint) (skip + n));
    }
  return !peer->closing;
}

void
imps_pcscf_gm_receive_stream (ImpsPcscfGm *gm, const gchar *from, guint16 from_port,
                              const guint8 *data, gsize len)
{
  g_return_if_fail (gm != NULL && from != NULL);
  GmPeer *peer = peer_get (gm, IMPS_PCSCF_GM_TCP, from, from_port, NULL);
  if (peer == NULL)
    return;
  peer->inbuf = g_byte_array_new ();
  g_byte_array_append (peer->inbuf, data, (guint) MIN (len, (gsize) G_MAXUINT));
  stream_consume (peer);
  g_hash_table_remove (gm->peers, peer->key);
}

/* ---- sockets ---- */

static gboolean
sockaddr_text (GSocketAddress *sa, gchar *addr, gsize addr_len, guint16 *port)
{
  if (!G_IS_INET_SOCKET_ADDRESS (sa))
    return FALSE;
  GInetAddress *ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa));
  g_autofree gchar *text = g_inet_address_to_string (ia);
  g_strlcpy (addr, text, addr_len);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa));
  return TRUE;
}

static gboolean
on_udp (GSocket *sock, GIOCondition cond, gpointer data)
{
  ImpsPcscfGm *gm = data;
  (void) cond;
  /* A bounded batch, so that a flood does not hold the loop. */
  for (guint i = 0; i < 64; i++)
    {
      GSocketAddress *sa = NULL;
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive_from (sock, &sa, (gchar *) gm->udp_buf,
                                        IMPS_PCSCF_GM_MAX_MESSAGE + 1, NULL, &error);
      g_autoptr (GSocketAddress) from = sa;
      if (n < 0)
        break;
      gchar addr[INET6_ADDRSTRLEN];
      guint16 port;
      if (!sockaddr_text (from, addr, sizeof addr, &port))
        continue;
      /* A datagram that filled the buffer was larger than the bound. */
      imps_pcscf_gm_receive_datagram (gm, addr, port, gm->udp_buf, (gsize) n);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_tcp_data (GSocket *sock, GIOCondition cond, gpointer data)
{
  GmPeer *peer = data;
  guint8 buf[4096];
  (void) cond;
  if (peer->closing)
    return G_SOURCE_REMOVE;
  for (guint i = 0; i < 16; i++)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive (sock, (gchar *) buf, sizeof buf, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      if (n <= 0)
        {
          peer_close (peer);
          return G_SOURCE_REMOVE;
        }
      g_byte_array_append (peer->inbuf, buf, (guint) n);
      if (!stream_consume (peer))
        {
          peer_close (peer);
          return G_SOURCE_REMOVE;
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_tcp_accept (GSocket *sock, GIOCondition cond, gpointer data)
{
  ImpsPcscfGm *gm = data;
  (void) cond;
  g_autoptr (GError) error = NULL;
  GSocket *conn = g_socket_accept (sock, NULL, &error);
  if (conn == NULL)
    return G_SOURCE_CONTINUE;
  g_autoptr (GSocketAddress) sa = g_socket_get_remote_address (conn, NULL);
  gchar addr[INET6_ADDRSTRLEN];
  guint16 port = 0;
  GmPeer *peer = NULL;
  if (sa != NULL && sockaddr_text (sa, addr, sizeof addr, &port)
      && gm->n_connections < IMPS_PCSCF_GM_MAX_CONNECTIONS)
    peer = peer_get (gm, IMPS_PCSCF_GM_TCP, addr, port, conn);
  if (peer == NULL || peer->sock != conn)
    {
      gm->stats.dropped++;
      note (gm, IMPS_EVENT_REFUSAL, "TCP refused", "more than %u connections or peers",
            IMPS_PCSCF_GM_MAX_CONNECTIONS);
      g_socket_close (conn, NULL);
      g_object_unref (conn);
      return G_SOURCE_CONTINUE;
    }
  g_socket_set_blocking (conn, FALSE);
  peer->inbuf = g_byte_array_new ();
  peer->source = g_socket_create_source (conn, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (peer->source, G_SOURCE_FUNC (on_tcp_data), peer, NULL);
  g_source_attach (peer->source, g_main_context_get_thread_default ());
  return G_SOURCE_CONTINUE;
}

static GSocket *
bind_socket (const gchar *address, guint16 port, gboolean tcp, GError **error)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4,
                                        tcp ? G_SOCKET_TYPE_STREAM : G_SOCKET_TYPE_DATAGRAM,
                                        tcp ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP,
                                        error);
  if (s == NULL)
    return NULL;
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (ia, port);
  if (!g_socket_bind (s, sa, tcp, error) || (tcp && !g_socket_listen (s, error)))
    return NULL;
  g_socket_set_blocking (s, FALSE);
  return g_steal_pointer (&s);
}

static guint16
local_port (GSocket *s)
{
  g_autoptr (GSocketAddress) sa = g_socket_get_local_address (s, NULL);
  return sa ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa)) : 0;
}

static gboolean
open_sockets (ImpsPcscfGm *gm, guint16 port, GError **error)
{
  /* With the kernel's choice, TCP takes the port UDP got; try again when
   * that one is taken for TCP. */
  for (guint attempt = 0; attempt < 8; attempt++)
    {
      g_autoptr (GError) local = NULL;
      g_clear_object (&gm->udp);
      gm->udp = bind_socket (gm->address, port, FALSE, error);
      if (gm->udp == NULL)
        return FALSE;
      guint16 got = local_port (gm->udp);
      gm->tcp = bind_socket (gm->address, got, TRUE, port ? error : &local);
      if (gm->tcp != NULL)
        {
          gm->port = got;
          return TRUE;
        }
      if (port != 0)
        return FALSE;
    }
  g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
               "no port free for both UDP and TCP at %s", gm->address);
  return FALSE;
}

static void
tx_send (const gchar *peer_key, const guint8 *data, gsize len, gpointer user_data)
{
  ImpsPcscfGm *gm = user_data;
  GmPeer *peer = g_hash_table_lookup (gm->peers, peer_key);
  if (peer != NULL && !peer->closing)
    {
      gm->stats.retransmitted++;
      send_raw (peer, data, len);
    }
}

static void
tx_timeout (const gchar *peer_key, const gchar *method, const gchar *branch,
            gpointer user_data)
{
  ImpsPcscfGm *gm = user_data;
  gm->stats.timed_out++;
  note (gm, IMPS_EVENT_FAILURE, "SIP timeout", "%s to %s (branch %s): no final answer within "
        "64*T1 (Timer %s)", method, peer_key, branch, strcmp (method, "INVITE") == 0 ? "B" : "F");
}

ImpsPcscfGm *
imps_pcscf_gm_new (ImpsNetwork *net, ImpsSipBus *bus, const ImpsPcscfGmConfig *config,
                   GError **error)
{
  g_return_val_if_fail (net != NULL && bus != NULL && config != NULL, NULL);
  g_return_val_if_fail (config->domain != NULL, NULL);
  if (config->address == NULL || config->pcscf_address == NULL || !ims_is_ipv4 (config->address)
      || !ims_is_ipv4 (config->pcscf_address))
    {
      g_set_error (error, IMPS_IMS_ERROR, IMPS_IMS_ERROR_ADDRESS,
                   "SIP sockets: address \"%s\" is not a dotted IPv4 address",
                   config->address ? config->address : "(none)");
      return NULL;
    }
  g_autoptr (ImpsPcscfGm) gm = g_new0 (ImpsPcscfGm, 1);
  gm->net = net;
  gm->bus = bus;
  gm->clock = imps_network_get_clock (net);
  gm->realm = g_ascii_strdown (config->domain, -1);
  gm->role = config->role;
  gm->ref = config->role == IMPS_PCSCF_GM_ROLE_MW ? IMPS_REF_MW : IMPS_REF_GM;
  gm->name = g_strdup_printf ("%s.%s", config->role == IMPS_PCSCF_GM_ROLE_MW ? "scscf" : "pcscf",
                              gm->realm);
  g_autofree gchar *label = g_strdup_printf ("%s %s", gm->name,
                                             gm->ref == IMPS_REF_MW ? "mw" : "gm");
  gm->rnd = imps_network_new_random (net, label);
  g_strlcpy (gm->address, config->address, sizeof gm->address);
  g_strlcpy (gm->pcscf_address, config->pcscf_address, sizeof gm->pcscf_address);
  gm->no_sockets = config->no_sockets;
  gm->users = g_ptr_array_new_with_free_func (user_free);
  gm->users_by_impu = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gm->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gm->aka_nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, aka_nonce_free);
  gm->cancel = g_cancellable_new ();
  gm->media = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gm->proxies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gm->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, peer_free);
  gm->tx = gm_tx_table_new (gm->clock, tx_send, tx_timeout, gm);
  if (gm->no_sockets)
    gm->port = config->port != 0 ? config->port : IMPS_IMS_SIP_PORT;
  else
    {
      if (!open_sockets (gm, config->port, error))
        {
          g_prefix_error (error, "%s sockets at %s:%u: ",
                          gm->ref == IMPS_REF_MW ? "S-CSCF Mw" : "P-CSCF Gm", config->address,
                          config->port);
          return NULL;
        }
      gm->udp_buf = g_malloc (IMPS_PCSCF_GM_MAX_MESSAGE + 1);
      GMainContext *ctx = g_main_context_get_thread_default ();
      gm->udp_source = g_socket_create_source (gm->udp, G_IO_IN, NULL);
      g_source_set_callback (gm->udp_source, G_SOURCE_FUNC (on_udp), gm, NULL);
      g_source_attach (gm->udp_source, ctx);
      gm->tcp_source = g_socket_create_source (gm->tcp, G_IO_IN, NULL);
      g_source_set_callback (gm->tcp_source, G_SOURCE_FUNC (on_tcp_accept), gm, NULL);
      g_source_attach (gm->tcp_source, ctx);
    }
  gm->pcscf_port = config->pcscf_port != 0 ? config->pcscf_port : gm->port;
  return g_steal_pointer (&gm);
}

void
imps_pcscf_gm_free (ImpsPcscfGm *gm)
{
  if (gm == NULL)
    return;
  if (gm->cancel)
    {
      /* MARs in flight see it and touch nothing after */
      g_cancellable_cancel (gm->cancel);
      g_object_unref (gm->cancel);
    }
  imps_diameter_client_free (gm->hss);
  g_free (gm->hss_address);
  if (gm->aka_nonces)
    g_hash_table_destroy (gm->aka_nonces);
  if (gm->media)
    g_hash_table_destroy (gm->media);
  if (gm->proxies)
    g_hash_table_destroy (gm->proxies);
  if (gm->peers)
    g_hash_table_destroy (gm->peers);
  gm_tx_table_free (gm->tx);
  if (gm->udp_source)
    {
      g_source_destroy (gm->udp_source);
      g_source_unref (gm->udp_source);
    }
  if (gm->tcp_source)
    {
      g_source_destroy (gm->tcp_source);
      g_source_unref (gm->tcp_source);
    }
  if (gm->udp)
    {
      g_socket_close (gm->udp, NULL);
      g_object_unref (gm->udp);
    }
  if (gm->tcp)
    {
      g_socket_close (gm->tcp, NULL);
      g_object_unref (gm->tcp);
    }
  g_free (gm->udp_buf);
  if (gm->nonces)
    g_hash_table_destroy (gm->nonces);
  if (gm->users_by_impu)
    g_hash_table_destroy (gm->users_by_impu);
  if (gm->users)
    g_ptr_array_unref (gm->users);
  imps_random_free (gm->rnd);
  g_free (gm->realm);
  g_free (gm->name);
  g_free (gm);
}

guint16
imps_pcscf_gm_get_port (ImpsPcscfGm *gm)
{
  return gm->port;
}

void
imps_pcscf_gm_add_user (ImpsPcscfGm *gm, const gchar *impi, const gchar *const *impus,
                        const gchar *password)
{
  g_return_if_fail (gm != NULL && impi != NULL && impus != NULL);
  GmUser *u = g_new0 (GmUser, 1);
  u->impi = g_strdup (impi);
  if (password)
    {
      u->password_len = strlen (password);
      u->password = g_memdup2 (password, u->password_len + 1);
    }
  g_ptr_array_add (gm->users, u);
  for (guint i = 0; impus[i]; i++)
    {
      g_autoptr (ImpsSipUri) uri = imps_sip_uri_parse (impus[i], -1, NULL);
      g_autofree gchar *key = uri ? ims_impu_key (uri) : NULL;
      if (key)
        g_hash_table_replace (gm->users_by_impu, g_steal_pointer (&key), u);
    }
}

void
imps_pcscf_gm_set_hss (ImpsPcscfGm *gm, const gchar *hss_address, guint16 hss_port)
{
  g_return_if_fail (gm != NULL);
  g_clear_pointer (&gm->hss, imps_diameter_client_free);
  g_free (gm->hss_address);
  gm->hss_address = g_strdup (hss_address);
  gm->hss_port = hss_port;
}

gboolean
imps_pcscf_gm_set_e2ae (ImpsPcscfGm *gm, const gchar *impu, gboolean e2ae)
{
  g_return_val_if_fail (gm != NULL && impu != NULL, FALSE);
  g_autoptr (ImpsSipUri) uri = imps_sip_uri_parse (impu, -1, NULL);
  g_autofree gchar *key = uri ? ims_impu_key (uri) : NULL;
  GmUser *u = key ? g_hash_table_lookup (gm->users_by_impu, key) : NULL;
  if (u == NULL)
    return FALSE;
  u->e2ae = e2ae;
  return TRUE;
}

void
imps_pcscf_gm_set_registered_callback (ImpsPcscfGm *gm, ImpsPcscfGmRegisteredFunc func,
                                       gpointer user_data)
{
  gm->registered = func;
  gm->registered_data = user_data;
}

void
imps_pcscf_gm_set_media_callback (ImpsPcscfGm *gm, ImpsPcscfGmMediaFunc func,
                                  gpointer user_data)
{
  gm->media_func = func;
  gm->media_data = user_data;
}

void
imps_pcscf_gm_set_send_hook (ImpsPcscfGm *gm, ImpsPcscfGmSendHook hook, gpointer user_data)
{
  gm->hook = hook;
  gm->hook_data = user_data;
}

void
imps_pcscf_gm_get_stats (ImpsPcscfGm *gm, ImpsPcscfGmStats *out)
{
  *out = gm->stats;
}
