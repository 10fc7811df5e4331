/* MIKEY replay cache: see imps-mikey-replay.h. */
#include "imps-mikey-replay.h"

#include "imps-crypto.h"

#include <string.h>

typedef struct {
  guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN];
  guint64 expiry;
} Entry;

struct _ImpsMikeyReplay {
  GHashTable *table;   /* Entry* -> Entry* (set); owns the entries */
  GPtrArray *heap;     /* min-heap of Entry* on expiry */
  guint max_entries;
  guint skew;
};

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
  return memcmp (((const Entry *) a)->digest, ((const Entry *) b)->digest,
                 IMPS_MIKEY_REPLAY_DIGEST_LEN) == 0;
}

ImpsMikeyReplay *
imps_mikey_replay_new (guint max_entries, guint skew_seconds)
{
  ImpsMikeyReplay *c = g_new0 (ImpsMikeyReplay, 1);

  g_return_val_if_fail (max_entries > 0, NULL);
  c->table = g_hash_table_new_full (entry_hash, entry_equal, g_free, NULL);
  c->heap = g_ptr_array_new ();
  c->max_entries = max_entries;
  c->skew = skew_seconds;
  return c;
}

void
imps_mikey_replay_free (ImpsMikeyReplay *cache)
{
  if (cache == NULL)
    return;
  g_ptr_array_free (cache->heap, TRUE);
  g_hash_table_destroy (cache->table);
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
  while (cache->heap->len > 0 && HEAP_AT (cache, 0)->expiry <= now)
    {
      Entry *e = heap_pop (cache);
      g_hash_table_remove (cache->table, e); /* frees e */
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
  memcpy (key.digest, digest, sizeof key.digest);
  return g_hash_table_contains (cache->table, &key);
}

gboolean
imps_mikey_replay_insert (ImpsMikeyReplay *cache,
                          const guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN],
                          guint64 t, guint64 now, gboolean *full)
{
  Entry *e;

  g_return_val_if_fail (cache != NULL, FALSE);
  if (full != NULL)
    *full = FALSE;
  if (imps_mikey_replay_contains (cache, digest, now))
    return FALSE;
  if (g_hash_table_size (cache->table) >= cache->max_entries)
    {
      if (full != NULL)
        *full = TRUE;
      return FALSE;
    }
  e = g_new (Entry, 1);
  memcpy (e->digest, digest, sizeof e->digest);
  e->expiry = t + ((guint64) cache->skew << 32);
  if (e->expiry <= now)
    {
      /* already outside the window: nothing to remember (the caller's
       * skew check refuses such a message anyway) */
      g_free (e);
      return TRUE;
    }
  g_hash_table_add (cache->table, e);
  heap_push (cache, e);
  return TRUE;
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
  return g_hash_table_size (cache->table);
}
