/* MIKEY replay cache (RFC 3830 §5.3-5.4; mikey-ticket.md §12; profile §3).
 *
 * Receiver order: imps_mikey_ts_within_skew() on the message's T, then
 * imps_mikey_replay_contains(), then verify the MAC, and only then
 * imps_mikey_replay_insert(). Entries are keyed by SHA-256 of the whole
 * message and kept until T + skew, where T is the message's own timestamp
 * (NTP 64-bit). Time is whatever NTP value the caller passes in.
 *
 * Lookups are O(1) (GHashTable); expiry is a binary min-heap on the expiry
 * time, so each call drops what has expired in O(k log n) for k expired
 * entries, with no scan.
 *
 * Bounded: at most @max_entries live entries. When full (after expiring),
 * imps_mikey_replay_insert() refuses the new entry and returns FALSE; the
 * caller must then refuse the message (fail closed: evicting a live entry
 * would let that message be replayed). Size the cache as peak messages per
 * second times 2 x skew.
 *
 * Per-owner accounting (imps_mikey_replay_insert_for()): each entry may
 * name its owner (for the KMS: the IDRpsk, i.e. the B-TID, static key id
 * or peer KMS that authenticated the message) and an owner may hold at
 * most a given number of live entries of its own. Beyond it, an owner
 * draws on a pool shared by all owners (imps_mikey_replay_set_limits(),
 * none by default); when that pool is empty too, the owner over its quota
 * is refused, not the others: one user cannot push other users' messages
 * out or fill the cache for them, since owners within their quota never
 * need the pool. Entries keep a 128-bit prefix of the digest (a chance
 * collision needs about 2^64 entries).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_MIKEY_REPLAY_DIGEST_LEN 32
/* profile §3: clock skew window of ±300 s */
#define IMPS_MIKEY_DEFAULT_SKEW_S 300

typedef struct _ImpsMikeyReplay ImpsMikeyReplay;

ImpsMikeyReplay *imps_mikey_replay_new (guint max_entries, guint skew_seconds);
void imps_mikey_replay_free (ImpsMikeyReplay *cache);

/* SHA-256 of the whole message. */
void imps_mikey_replay_digest (const guint8 *msg, gsize len,
                               guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN]);

/* TRUE when the NTP timestamp @t lies within ±@skew_seconds of @now. */
gboolean imps_mikey_ts_within_skew (guint64 t, guint64 now, guint skew_seconds);

/* Drops expired entries (expiry <= @now), then says whether @digest is
 * cached. */
gboolean imps_mikey_replay_contains (ImpsMikeyReplay *cache,
                                     const guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN],
                                     guint64 now);

/* Caches @digest until @t + skew. Returns FALSE when it is already cached
 * (a replay) or the cache is full; *@full (may be NULL) says which. */
gboolean imps_mikey_replay_insert (ImpsMikeyReplay *cache,
                                   const guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN],
                                   guint64 t, guint64 now, gboolean *full);

/* Convenience for a message: digest, lookup and (when @t is within skew and
 * not cached) insert, in one call, for callers that have already verified
 * the MAC. Returns FALSE for a replay, a T out of skew, or a full cache. */
gboolean imps_mikey_replay_check_message (ImpsMikeyReplay *cache,
                                          const guint8 *msg, gsize len,
                                          guint64 t, guint64 now);

typedef enum {
  IMPS_MIKEY_REPLAY_OK,            /* cached */
  IMPS_MIKEY_REPLAY_SEEN,          /* already cached: a replay */
  IMPS_MIKEY_REPLAY_OWNER_FULL,    /* the owner holds its quota and the shared pool is empty */
  IMPS_MIKEY_REPLAY_FULL,          /* the cache holds max_entries live entries */
} ImpsMikeyReplayResult;

/* Caches @digest until @t + skew for @owner (bytes, may be NULL with
 * @owner_len 0: no owner), which may hold at most @quota live entries
 * (0: no quota). */
ImpsMikeyReplayResult imps_mikey_replay_insert_for (ImpsMikeyReplay *cache,
                                                    const guint8 digest[IMPS_MIKEY_REPLAY_DIGEST_LEN],
                                                    const guint8 *owner, gsize owner_len,
                                                    guint quota, guint64 t, guint64 now);

/* Live entries of @owner (after the last expiry). */
guint imps_mikey_replay_owner_size (const ImpsMikeyReplay *cache, const guint8 *owner,
                                    gsize owner_len);
/* Bytes the cache holds now (entries, table, heap and owners), an
 * estimate from the allocation sizes. */
gsize imps_mikey_replay_memory (const ImpsMikeyReplay *cache);
guint imps_mikey_replay_max_entries (const ImpsMikeyReplay *cache);
/* Sets the bound on live entries and the size of the pool that entries
 * beyond owners' quotas share (0: none, an owner at its quota is refused). */
void imps_mikey_replay_set_limits (ImpsMikeyReplay *cache, guint max_entries, guint max_burst);
/* Live entries taken from that pool. */
guint imps_mikey_replay_burst_size (const ImpsMikeyReplay *cache);

guint imps_mikey_replay_size (const ImpsMikeyReplay *cache);
/* Drops expired entries now; returns how many were dropped. */
guint imps_mikey_replay_expire (ImpsMikeyReplay *cache, guint64 now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMikeyReplay, imps_mikey_replay_free)

G_END_DECLS
