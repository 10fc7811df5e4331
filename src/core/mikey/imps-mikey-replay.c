/* MIKEY replay cache: see imps-mikey-replay.h. */
#include "imps-mikey-replay.h"

#include "imps-crypto.h"

#include <string.h>

#define KEEP 16            /* digest bytes kept per entry */

typedef struct {
  gchar *id;           /* owned; NUL-terminated copy of the owner bytes */
  gsize len;
  guint count;         /* live entries */
  guint burst;         /* of which from the shared pool beyond the quota */
} Owner;

typedef struct {
  guint8 digest[KEEP];
  guint64 expiry;
  Owner *owner;        /* NULL: none */
  gboolean burst;      /* taken from the pool beyond the owner's quota */
} Entry;

struct _ImpsMikeyReplay {
  GHashTable *table;   /* Entry* -> Entry* (set); owns the entries */
  GPtrArray *heap;     /* min-heap of Entry* on expiry */
  GHashTable *owners;  /* id -> Owner* (owned), only owners with live entries */
  gsize owner_bytes;
  guint max_entries;
  guint max_burst;     /* entries beyond owners' quotas, all owners together */
  guint burst;
  guint skew;
};

static void
owner_free (gpointer p)
{
  Owner *o = p;
  g_free (o->id);
  g_free (o);
}

static guint
entry_hash (gconstpointer p)
{
  const Entry *e = p;
  guint32 h;
  memcpy (&h, e->digest, sizeof h); /* a SHA-256 prefix is already uniform */
  return h;
}

static gboolean
entry_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (((const Entry *) a)->digest, ((const Entry *) b)->digest, KEEP) == 0;
}

static void
entry_free (gpointer p)
{
  /* owner counts are kept by the caller of g_hash_table_remove() */
  g_free (p);
}

ImpsMikeyReplay *
imps_mikey_replay_new (guint max_entries, guint skew_seconds)
{
  ImpsMikeyReplay *c = g_new0 (ImpsMikeyReplay, 1);

  g_return_val_if_fail (max_entries > 0, NULL);
  /* the tables come with the first entry: a UE's cache that never sees a
   * TRANSFER_INIT costs its struct alone */
  c->max_entries = max_entries;
  c->skew = skew_seconds;
  return c;
}

void
imps_mikey_replay_free (ImpsMikeyReplay *cache)
{
  if (cache == NULL)
    return;
  if (cache->table != NULL)
    {
      g_ptr_array_free (cache->heap, TRUE);
      g_hash_table_destroy (cache->table);
      g_hash_table_destroy (cache->owners);
    }
  g_free (cache);
}

void
imps_mikey_replay_digest (const guint8 *msg, gsize len,
                          guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN])
{
  imps_digest (IMPS_HASH_SHA256, msg, len, digest);
}

gboolean
imps_mikey_ts_within_skew (guint64 t, guint64 now, guint skew_seconds)
{
  guint64 skew = (guint64) skew_seconds << 32;
  guint64 diff = t > now ? t - now : now - t;
  return diff <= skew;
}

#define HEAP_AT(c, i) ((Entry *) g_ptr_array_index ((c)->heap, (i)))

static void
heap_swap (ImpsMikeyReplay *c, guint i, guint j)
{
  gpointer t = c->heap->pdata[i];
  c->heap->pdata[i] = c->heap->pdata[j];
  c->heap->pdata[j] = t;
}

static void
heap_push (ImpsMikeyReplay *c, Entry *e)
{
  guint i = c->heap->len;
  g_ptr_array_add (c->heap, e);
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      if (HEAP_AT (c, parent)->expiry <= HEAP_AT (c, i)->expiry)
        break;
      heap_swap (c, i, parent);
      i = parent;
    }
}

static Entry *
heap_pop (ImpsMikeyReplay *c)
{
  Entry *top = HEAP_AT (c, 0);
  guint n = c->heap->len - 1;
  c->heap->pdata[0] = c->heap->pdata[n];
  g_ptr_array_set_size (c->heap, n);
  guint i = 0;
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      if (l < n && HEAP_AT (c, l)->expiry < HEAP_AT (c, m)->expiry)
        m = l;
      if (r < n && HEAP_AT (c, r)->expiry < HEAP_AT (c, m)->expiry)
        m = r;
      if (m == i)
        break;
      heap_swap (c, i, m);
      i = m;
    }
  return top;
}

guint
imps_mikey_replay_expire (ImpsMikeyReplay *cache, guint64 now)
{
  guint dropped = 0;

  g_return_val_if_fail (cache != NULL, 0);
  while (cache->heap != NULL && cache->heap->len > 0 && HEAP_AT (cache, 0)->expiry <= now)
    {
      Entry *e = heap_pop (cache);
      Owner *o = e->owner;
      if (e->burst)
        {
          cache->burst--;
          o->burst--;
        }
      g_hash_table_remove (cache->table, e); /* frees e */
      if (o != NULL && --o->count == 0)
        {
          cache->owner_bytes -= sizeof *o + o->len + 1;
          g_hash_table_remove (cache->owners, o->id);
        }
      dropped++;
    }
  return dropped;
}

gboolean
imps_mikey_replay_contains (ImpsMikeyReplay *cache,
                            const guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN],
                            guint64 now)
{
  Entry key;

  g_return_val_if_fail (cache != NULL, FALSE);
  imps_mikey_replay_expire (cache, now);
  memcpy (key.digest, digest, KEEP);
  return cache->table != NULL && g_hash_table_contains (cache->table, &key);
}

/* The owner record for @owner (created with count 0), or NULL for none. */
static Owner *
owner_get (ImpsMikeyReplay *c, const guint8 *owner, gsize len, gboolean create)
{
  gchar buf[256];
  g_autofree gchar *big = NULL;
  gchar *id = buf;
  if (owner == NULL || len == 0 || c->owners == NULL)
    return NULL;
  if (len >= sizeof buf)
    id = big = g_malloc (len + 1);
  memcpy (id, owner, len);
  id[len] = '\0';
  Owner *o = g_hash_table_lookup (c->owners, id);
  if (o == NULL && create)
    {
      o = g_new0 (Owner, 1);
      o->id = g_memdup2 (id, len + 1);
      o->len = len;
      g_hash_table_insert (c->owners, o->id, o);
      c->owner_bytes += sizeof *o + len + 1;
    }
  return o;
}

ImpsMikeyReplayResult
imps_mikey_replay_insert_for (ImpsMikeyReplay *cache,
                              const guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN],
                              const guint8 *owner, gsize owner_len, guint quota,
                              guint64 t, guint64 now)
{
  g_return_val_if_fail (cache != NULL, IMPS_MIKEY_REPLAY_FULL);
  if (imps_mikey_replay_contains (cache, digest, now))
    return IMPS_MIKEY_REPLAY_SEEN;
  guint64 expiry = t + ((guint64) cache->skew << 32);
  if (expiry <= now)
    return IMPS_MIKEY_REPLAY_OK; /* already outside the window: nothing to remember */
  Owner *o = owner_get (cache, owner, owner_len, FALSE);
  /* beyond its quota an owner draws on the pool shared by all owners */
  gboolean burst = o != NULL && quota > 0 && o->count - o->burst >= quota;
  if (burst && cache->burst >= cache->max_burst)
    return IMPS_MIKEY_REPLAY_OWNER_FULL;
  if (imps_mikey_replay_size (cache) >= cache->max_entries)
    return IMPS_MIKEY_REPLAY_FULL;
  if (cache->table == NULL)
    {
      cache->table = g_hash_table_new_full (entry_hash, entry_equal, entry_free, NULL);
      cache->heap = g_ptr_array_new ();
      cache->owners = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, owner_free);
    }
  Entry *e = g_new (Entry, 1);
  memcpy (e->digest, digest, KEEP);
  e->expiry = expiry;
  e->owner = o ? o : owner_get (cache, owner, owner_len, TRUE);
  e->burst = burst;
  if (e->owner)
    e->owner->count++;
  if (burst)
    {
      e->owner->burst++;
      cache->burst++;
    }
  g_hash_table_add (cache->table, e);
  heap_push (cache, e);
  return IMPS_MIKEY_REPLAY_OK;
}

guint
imps_mikey_replay_owner_size (const ImpsMikeyReplay *cache, const guint8 *owner, gsize owner_len)
{
  Owner *o = owner_get ((ImpsMikeyReplay *) cache, owner, owner_len, FALSE);
  return o ? o->count : 0;
}

gsize
imps_mikey_replay_memory (const ImpsMikeyReplay *cache)
{
  /* per entry: the Entry allocation (malloc adds 8 and rounds up to 16);
   * GHashTable's hash (4) and key (8) arrays, a power of two of slots kept
   * at most 3/4 full; the heap's pointer array (grown by doubling) */
  if (cache->table == NULL)
    return sizeof *cache;
  gsize n = g_hash_table_size (cache->table);
  gsize entry = ((sizeof (Entry) + 8 + 15) / 16) * 16;
  gsize slots = 8, cap = 16;
  while (slots * 3 / 4 < n)
    slots *= 2;
  while (cap < cache->heap->len)
    cap *= 2;
  return sizeof *cache + n * entry + slots * 12 + cap * sizeof (gpointer) + cache->owner_bytes
         + g_hash_table_size (cache->owners) * (8 + 12);
}

guint
imps_mikey_replay_max_entries (const ImpsMikeyReplay *cache)
{
  return cache->max_entries;
}

void
imps_mikey_replay_set_limits (ImpsMikeyReplay *cache, guint max_entries, guint max_burst)
{
  g_return_if_fail (cache != NULL && max_entries > 0);
  cache->max_entries = max_entries;
  cache->max_burst = max_burst;
}

guint
imps_mikey_replay_burst_size (const ImpsMikeyReplay *cache)
{
  return cache->burst;
}

gboolean
imps_mikey_replay_insert (ImpsMikeyReplay *cache,
                          const guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN],
                          guint64 t, guint64 now, gboolean *full)
{
  g_return_val_if_fail (cache != NULL, FALSE);
  ImpsMikeyReplayResult r = imps_mikey_replay_insert_for (cache, digest, NULL, 0, 0, t, now);
  if (full != NULL)
    *full = r == IMPS_MIKEY_REPLAY_FULL;
  return r == IMPS_MIKEY_REPLAY_OK;
}

gboolean
imps_mikey_replay_check_message (ImpsMikeyReplay *cache,
                                 const guint8 *msg, gsize len,
                                 guint64 t, guint64 now)
{
  guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN];

  if (!imps_mikey_ts_within_skew (t, now, cache->skew))
    return FALSE;
  imps_mikey_replay_digest (msg, len, digest);
  return imps_mikey_replay_insert (cache, digest, t, now, NULL);
}

guint
imps_mikey_replay_size (const ImpsMikeyReplay *cache)
{
  return cache->table ? g_hash_table_size (cache->table) : 0;
}
