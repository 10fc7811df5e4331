/* SIP transactions of the Gm sockets over UDP; see imps-pcscf-gm-tx.h. */
#include "imps-pcscf-gm-tx.h"

#include <string.h>

#define TIMEOUT_US (64 * IMPS_PCSCF_GM_T1_US)

typedef enum {
  TX_CLIENT,     /* a request we sent: retransmit until a response */
  TX_SERVER,     /* a request we got: absorb retransmissions, resend the last answer */
  TX_ACK_WAIT,   /* a 2xx to an INVITE we sent: retransmit until the ACK */
} TxKind;

typedef struct {
  GmTxTable *t;
  TxKind kind;
  gchar *key;
  gchar *peer_key;
  gchar *method;
  gchar *branch;
  gboolean invite;
  GBytes *bytes;             /* what a timer sends again; server: the last answer */
  gint64 interval_us;        /* the next retransmission's wait, 0: none */
  gint64 end_us;             /* when the transaction ends */
  gboolean finished;         /* client: provisional (INVITE) or final seen; server: final sent */
  guint timer;
} Tx;

struct _GmTxTable {
  ImpsClock *clock;
  GmTxSendFunc send;
  GmTxTimeoutFunc timeout;
  gpointer user_data;
  GHashTable *txs;           /* key -> Tx* (owned) */
  GHashTable *open;          /* peer key -> number of server transactions (GUINT) */
  GmTxStats stats;
};

static void
tx_free (gpointer p)
{
  Tx *tx = p;
  if (tx->timer)
    imps_clock_timeout_remove (tx->t->clock, tx->timer);
  if (tx->kind == TX_SERVER)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (tx->t->open, tx->peer_key));
      if (n <= 1)
        g_hash_table_remove (tx->t->open, tx->peer_key);
      else
        g_hash_table_insert (tx->t->open, g_strdup (tx->peer_key), GUINT_TO_POINTER (n - 1));
    }
  if (tx->bytes)
    g_bytes_unref (tx->bytes);
  g_free (tx->key);
  g_free (tx->peer_key);
  g_free (tx->method);
  g_free (tx->branch);
  g_free (tx);
}

static gchar *
make_key (TxKind kind, const gchar *peer_key, const gchar *a, const gchar *b)
{
  return g_strdup_printf ("%c|%s|%s|%s", "csa"[kind], peer_key, a, b);
}

static void arm (Tx *tx);

static gboolean
on_timer (gpointer data)
{
  Tx *tx = data;
  GmTxTable *t = tx->t;
  tx->timer = 0;
  gint64 now = imps_clock_now_us (t->clock);
  if (now >= tx->end_us)
    {
      if (tx->kind == TX_CLIENT && !tx->finished)
        {
          t->stats.timeouts++;
          if (t->timeout)
            t->timeout (tx->peer_key, tx->method, tx->branch, t->user_data);
        }
      g_hash_table_remove (t->txs, tx->key);
      return G_SOURCE_REMOVE;
    }
  if (tx->interval_us > 0 && tx->bytes)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (tx->bytes, &len);
      t->stats.retransmitted++;
      t->send (tx->peer_key, d, len, t->user_data);
      /* INVITE (A, G, 2xx): doubling; G and 2xx and non-INVITE (E) capped at T2 */
      tx->interval_us *= 2;
      if (!(tx->kind == TX_CLIENT && tx->invite))
        tx->interval_us = MIN (tx->interval_us, IMPS_PCSCF_GM_T2_US);
    }
  arm (tx);
  return G_SOURCE_REMOVE;
}

/* The next firing: the next retransmission or the end. */
static void
arm (Tx *tx)
{
  GmTxTable *t = tx->t;
  if (tx->timer)
    imps_clock_timeout_remove (t->clock, tx->timer);
  gint64 now = imps_clock_now_us (t->clock);
  gint64 due = tx->end_us;
  if (tx->interval_us > 0 && now + tx->interval_us < due)
    due = now + tx->interval_us;
  tx->timer = imps_clock_timeout_add (t->clock, MAX (due - now, 0), on_timer, tx, NULL);
}

static Tx *
tx_new (GmTxTable *t, TxKind kind, gchar *key, const gchar *peer_key, const gchar *method,
        const gchar *branch)
{
  Tx *tx = g_new0 (Tx, 1);
  tx->t = t;
  tx->kind = kind;
  tx->key = key;
  tx->peer_key = g_strdup (peer_key);
  tx->method = g_strdup (method);
  tx->branch = g_strdup (branch);
  tx->invite = strcmp (method, "INVITE") == 0;
  tx->end_us = imps_clock_now_us (t->clock) + TIMEOUT_US;
  g_hash_table_replace (t->txs, tx->key, tx);
  return tx;
}

GmTxTable *
gm_tx_table_new (ImpsClock *clock, GmTxSendFunc send, GmTxTimeoutFunc timeout,
                 gpointer user_data)
{
  GmTxTable *t = g_new0 (GmTxTable, 1);
  t->clock = clock;
  t->send = send;
  t->timeout = timeout;
  t->user_data = user_data;
  t->txs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tx_free);
  t->open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return t;
}

void
gm_tx_table_free (GmTxTable *t)
{
  if (t == NULL)
    return;
  g_hash_table_destroy (t->txs);
  g_hash_table_destroy (t->open);
  g_free (t);
}

/* Top Via branch and CSeq of @msg; FALSE when either is missing. */
static gboolean
ids (const ImpsSipMessage *msg, gchar **branch, ImpsSipCSeq *cseq)
{
  g_autoptr (ImpsSipVia) via = imps_sip_message_get_via (msg, 0, NULL);
  if (via == NULL || via->branch == NULL || !imps_sip_message_get_cseq (msg, cseq, NULL))
    return FALSE;
  *branch = g_strdup (via->branch);
  return TRUE;
}

void
gm_tx_sent (GmTxTable *t, const gchar *peer_key, const ImpsSipMessage *msg, const guint8 *data,
            gsize len)
{
  g_autofree gchar *branch = NULL;
  ImpsSipCSeq cseq;
  if (!ids (msg, &branch, &cseq))
    return;
  if (imps_sip_message_is_request (msg))
    {
      if (strcmp (cseq.method, "ACK") == 0)
        return;
      gchar *key = make_key (TX_CLIENT, peer_key, branch, cseq.method);
      if (g_hash_table_size (t->txs) >= IMPS_PCSCF_GM_MAX_TRANSACTIONS
          && !g_hash_table_contains (t->txs, key))
        {
          g_free (key);
          return; /* sent once, not retransmitted */
        }
      Tx *tx = tx_new (t, TX_CLIENT, key, peer_key, cseq.method, branch);
      tx->bytes = g_bytes_new (data, len);
      tx->interval_us = IMPS_PCSCF_GM_T1_US;
      arm (tx);
      return;
    }
  /* A response: it belongs to the server transaction of its request. */
  g_autofree gchar *skey = make_key (TX_SERVER, peer_key, branch, cseq.method);
  Tx *tx = g_hash_table_lookup (t->txs, skey);
  guint status = imps_sip_message_get_status (msg);
  if (tx != NULL)
    {
      if (tx->bytes)
        g_bytes_unref (tx->bytes);
      tx->bytes = g_bytes_new (data, len);
      if (status >= 200)
        {
          tx->finished = TRUE;
          tx->end_us = imps_clock_now_us (t->clock) + TIMEOUT_US;
          /* Timer G for a non-2xx final answer to an INVITE */
          tx->interval_us = tx->invite && status >= 300 ? IMPS_PCSCF_GM_T1_US : 0;
          arm (tx);
        }
    }
  if (strcmp (cseq.method, "INVITE") == 0 && status >= 200 && status < 300)
    {
      /* the 2xx until the ACK of its dialog */
      const gchar *call_id = imps_sip_message_get_call_id (msg);
      g_autofree gchar *n = g_strdup_printf ("%u", cseq.number);
      gchar *key = make_key (TX_ACK_WAIT, peer_key, call_id ? call_id : "", n);
      if (g_hash_table_size (t->txs) >= IMPS_PCSCF_GM_MAX_TRANSACTIONS
          && !g_hash_table_contains (t->txs, key))
        {
          g_free (key);
          return;
        }
      Tx *w = tx_new (t, TX_ACK_WAIT, key, peer_key, "INVITE", branch);
      w->bytes = g_bytes_new (data, len);
      w->interval_us = IMPS_PCSCF_GM_T1_US;
      arm (w);
    }
}

GmTxVerdict
gm_tx_received (GmTxTable *t, const gchar *peer_key, const ImpsSipMessage *msg)
{
  g_autofree gchar *branch = NULL;
  ImpsSipCSeq cseq;
  if (!ids (msg, &branch, &cseq))
    return GM_TX_PASS;
  if (!imps_sip_message_is_request (msg))
    {
      g_autofree gchar *key = make_key (TX_CLIENT, peer_key, branch, cseq.method);
      Tx *tx = g_hash_table_lookup (t->txs, key);
      if (tx == NULL)
        return GM_TX_PASS;
      guint status = imps_sip_message_get_status (msg);
      if (status >= 200 || tx->invite)
        {
          /* final (or, for an INVITE, any) answer: no more retransmissions;
           * the transaction stays a while for retransmitted answers */
          tx->finished = TRUE;
          tx->interval_us = 0;
          arm (tx);
        }
      else
        {
          /* non-INVITE provisional: at T2 from now on (Timer E) */
          tx->interval_us = IMPS_PCSCF_GM_T2_US;
          arm (tx);
        }
      return GM_TX_PASS;
    }
  if (strcmp (cseq.method, "ACK") == 0)
    {
      /* ACK of a non-2xx: same branch as the INVITE; stops Timer G and is
       * not passed on (the P-CSCF's core side was answered already). */
      g_autofree gchar *skey = make_key (TX_SERVER, peer_key, branch, "INVITE");
      Tx *tx = g_hash_table_lookup (t->txs, skey);
      if (tx != NULL && tx->finished && tx->interval_us > 0)
        {
          tx->interval_us = 0;
          arm (tx);
        }
      /* ACK of a 2xx: ends that 2xx's retransmission; it goes on */
      const gchar *call_id = imps_sip_message_get_call_id (msg);
      g_autofree gchar *n = g_strdup_printf ("%u", cseq.number);
      g_autofree gchar *akey = make_key (TX_ACK_WAIT, peer_key, call_id ? call_id : "", n);
      g_hash_table_remove (t->txs, akey);
      return GM_TX_PASS;
    }
  gchar *key = make_key (TX_SERVER, peer_key, branch, cseq.method);
  Tx *tx = g_hash_table_lookup (t->txs, key);
  if (tx != NULL)
    {
      g_free (key);
      t->stats.absorbed++;
      if (tx->bytes)
        {
          gsize len;
          const guint8 *d = g_bytes_get_data (tx->bytes, &len);
          t->send (peer_key, d, len, t->user_data);
        }
      return GM_TX_ABSORBED;
    }
  guint open = GPOINTER_TO_UINT (g_hash_table_lookup (t->open, peer_key));
  if (g_hash_table_size (t->txs) >= IMPS_PCSCF_GM_MAX_TRANSACTIONS
      || open >= IMPS_PCSCF_GM_MAX_PEER_TRANSACTIONS)
    {
      g_free (key);
      t->stats.refused++;
      return GM_TX_NO_ROOM;
    }
  g_hash_table_insert (t->open, g_strdup (peer_key), GUINT_TO_POINTER (open + 1));
  tx = tx_new (t, TX_SERVER, key, peer_key, cseq.method, branch);
  arm (tx);
  return GM_TX_PASS;
}

void
gm_tx_forget_peer (GmTxTable *t, const gchar *peer_key)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, t->txs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (strcmp (((Tx *) v)->peer_key, peer_key) == 0)
      g_hash_table_iter_remove (&it);
}

void
gm_tx_get_stats (GmTxTable *t, GmTxStats *out)
{
  *out = t->stats;
}
