/* The KMS's policy store: SQLite (memory, or a WAL file with a state path)
 * holding the default policy, per-user rows, groups, cooperation agreements
 * with their pair keys, the TPKs with their key indexes, and the audit of
 * tickets issued and resolved. Everything the request path needs is loaded
 * into memory at start and kept in step on every change. With a state
 * file every audit row is committed before the answer it records is sent
 * (a killed KMS loses no row of an answered request); the memory store of
 * a simulated run appends in batches (IMPS_KMS_AUDIT_BATCH rows, or
 * IMPS_KMS_AUDIT_FLUSH_MS after the first row of a batch, in one
 * transaction, with statements prepared once). */
#include "imps-kms-private.h"
#include "imps-crypto.h"
#include "imps-secret.h"
#include "imps-store.h"

#include <string.h>

#define TPK_LEN 32

static gboolean
store_fail (sqlite3 *db, const gchar *what, GError **error)
{
  g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_STORE, "KMS store: %s: %s", what,
               db ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

static gboolean
store_exec (sqlite3 *db, const gchar *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_STORE, "KMS store: %s",
                   msg ? msg : "failed");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

void
kms_policy_clear (KmsPolicy *p)
{
  g_strfreev (p->patterns);
  p->patterns = NULL;
}

void
kms_policy_free (gpointer p)
{
  kms_policy_clear (p);
  g_free (p);
}

void
kms_agreement_free (gpointer p)
{
  KmsAgreement *a = p;
  if (a == NULL)
    return;
  g_free (a->peer);
  g_free (a->zk_address);
  imps_wipe (a, sizeof *a);
  g_free (a);
}

void
kms_group_free (gpointer p)
{
  KmsGroup *g = p;
  if (g == NULL)
    return;
  g_free (g->id);
  g_strfreev (g->members);
  g_free (g);
}

static void
audit_row_free (KmsAudit *a)
{
  g_free (a->kind);
  g_free (a->initiator);
  g_free (a->responder);
  g_free (a->detail);
  g_free (a);
}

/* ---- policies ---- */

static void
policy_from_row (KmsPolicy *p, const ImpsKmsPolicyRow *row, const gchar *domain)
{
  p->validity = row->validity;
  p->reuse = row->reuse;
  p->forking = row->forking;
  p->max_keys = row->max_keys;
  g_strfreev (p->patterns);
  p->implicit = row->may_request_for == NULL;
  if (row->may_request_for)
    p->patterns = g_strdupv ((gchar **) row->may_request_for);
  else
    {
      gchar *one[] = { g_strdup_printf ("sip:*@%s", domain), NULL };
      p->patterns = g_strdupv (one);
      g_free (one[0]);
    }
}

/* '*' matches any run of bytes (scenario-format.md); everything else
 * matches itself, ASCII case-insensitively. No allocation. */
static gboolean
glob_match (const gchar *pat, const guint8 *s, gsize len)
{
  gsize si = 0;
  const gchar *star = NULL;
  gsize star_si = 0;
  while (si < len)
    {
      if (*pat == '*')
        {
          star = pat++;
          star_si = si;
        }
      else if (*pat != '\0' && g_ascii_tolower (*pat) == g_ascii_tolower ((gchar) s[si]))
        {
          pat++;
          si++;
        }
      else if (star != NULL)
        {
          pat = star + 1;
          si = ++star_si;
        }
      else
        return FALSE;
    }
  while (*pat == '*')
    pat++;
  return *pat == '\0';
}

/* The domain of a peer KMS FQDN: what follows "kms." (profile §9), or
 * the FQDN after its first label. */
static const gchar *
peer_domain (const gchar *fqdn)
{
  const gchar *dot = strchr (fqdn, '.');
  return dot ? dot + 1 : fqdn;
}

gboolean
imps_kms_policy_allows (ImpsKms *kms, const KmsPolicy *p, const guint8 *id, gsize len)
{
  for (guint i = 0; p->patterns && p->patterns[i]; i++)
    if (glob_match (p->patterns[i], id, len))
      return TRUE;
  if (p->implicit)
    {
      /* the default reaches any telephone number (a tel: URI names no
       * operator: the S-CSCF finds it by ENUM, and only the KMS of the
       * user who holds the number resolves the ticket) */
      if (glob_match ("tel:*", id, len))
        return TRUE;
      /* and the users of every operator this one has an agreement with
       * (a keyless entry is no agreement) */
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, kms->agreements);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          const KmsAgreement *a = v;
          if (a->key_len == 0)
            continue;
          gchar pat[300];
          g_snprintf (pat, sizeof pat, "sip:*@%s", peer_domain (a->peer));
          if (glob_match (pat, id, len))
            return TRUE;
        }
    }
  return FALSE;
}

gchar *
imps_kms_policy_describe (ImpsKms *kms, const KmsPolicy *p)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; p->patterns && p->patterns[i]; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", p->patterns[i]);
  if (p->implicit)
    {
      g_autoptr (GPtrArray) peers = g_ptr_array_new ();
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, kms->agreements);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (((KmsAgreement *) v)->key_len > 0)
          g_ptr_array_add (peers, ((KmsAgreement *) v)->peer);
      g_ptr_array_sort (peers, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < peers->len; i++)
        g_string_append_printf (s, ", sip:*@%s", peer_domain (g_ptr_array_index (peers, i)));
      g_string_append (s, ", tel:*");
    }
  return g_string_free (s, FALSE);
}

const KmsPolicy *
imps_kms_policy_for (ImpsKms *kms, const guint8 *user, gsize len)
{
  gchar buf[256];
  if (user != NULL && len > 0 && len < sizeof buf && g_hash_table_size (kms->user_policies) > 0)
    {
      memcpy (buf, user, len);
      buf[len] = '\0';
      const KmsPolicy *p = g_hash_table_lookup (kms->user_policies, buf);
      if (p)
        return p;
    }
  return &kms->default_policy;
}

guint
imps_kms_max_validity (ImpsKms *kms)
{
  guint max = kms->default_policy.validity;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, kms->user_policies);
  while (g_hash_table_iter_next (&it, &k, &v))
    max = MAX (max, ((KmsPolicy *) v)->validity);
  return max;
}

static gboolean
policy_write (ImpsKms *kms, const gchar *user, const KmsPolicy *p, GError **error)
{
  sqlite3_stmt *st = NULL;
  /* the implicit default is written as no pattern at all, so that a
   * reload still follows the agreements */
  g_autofree gchar *pats = p->implicit ? g_strdup ("") : g_strjoinv ("\n", p->patterns);
  if (sqlite3_prepare_v2 (kms->db, "INSERT OR REPLACE INTO policy (user, validity, reuse, forking,"
                          " max_keys, patterns) VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL)
      != SQLITE_OK)
    return store_fail (kms->db, "prepare policy", error);
  sqlite3_bind_text (st, 1, user, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 2, p->validity);
  sqlite3_bind_int (st, 3, p->reuse);
  sqlite3_bind_int (st, 4, p->forking);
  sqlite3_bind_int (st, 5, (int) p->max_keys);
  sqlite3_bind_text (st, 6, pats, -1, SQLITE_STATIC);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "write policy", error);
  return TRUE;
}

static gboolean
row_check (const ImpsKmsPolicyRow *row, GError **error)
{
  if (row->validity == 0 || row->max_keys == 0 || row->max_keys > 64)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_INVALID,
                   "policy: validity %u s and max-keys %u must be > 0 (max-keys at most 64)",
                   row->validity, row->max_keys);
      return FALSE;
    }
  return TRUE;
}

gboolean
imps_kms_set_default_policy (ImpsKms *kms, const ImpsKmsPolicyRow *row, GError **error)
{
  if (!row_check (row, error))
    return FALSE;
  policy_from_row (&kms->default_policy, row, kms->domain);
  return policy_write (kms, "", &kms->default_policy, error);
}

gboolean
imps_kms_set_user_policy (ImpsKms *kms, const gchar *user, const ImpsKmsPolicyRow *row,
                          GError **error)
{
  g_return_val_if_fail (user != NULL && *user, FALSE);
  if (!row_check (row, error))
    return FALSE;
  KmsPolicy *p = g_new0 (KmsPolicy, 1);
  policy_from_row (p, row, kms->domain);
  g_hash_table_replace (kms->user_policies, g_strdup (user), p);
  return policy_write (kms, user, p, error);
}

/* ---- groups ---- */

static void
groups_rebuild (ImpsKms *kms)
{
  g_free (kms->mgroups);
  kms->mgroups = g_new0 (ImpsMikeyGroup, MAX (kms->groups->len, 1));
  for (guint i = 0; i < kms->groups->len; i++)
    {
      KmsGroup *g = g_ptr_array_index (kms->groups, i);
      kms->mgroups[i].id = g->id;
      kms->mgroups[i].members = (const gchar *const *) g->members;
    }
}

static void
group_put (ImpsKms *kms, const gchar *identity, const gchar *const *members)
{
  for (guint i = 0; i < kms->groups->len; i++)
    if (g_strcmp0 (((KmsGroup *) g_ptr_array_index (kms->groups, i))->id, identity) == 0)
      {
        g_ptr_array_remove_index (kms->groups, i);
        break;
      }
  KmsGroup *g = g_new0 (KmsGroup, 1);
  g->id = g_strdup (identity);
  g->members = g_strdupv ((gchar **) members);
  g_ptr_array_add (kms->groups, g);
  groups_rebuild (kms);
}

gboolean
imps_kms_add_group (ImpsKms *kms, const gchar *identity, const gchar *const *members,
                    GError **error)
{
  g_return_val_if_fail (identity != NULL && members != NULL, FALSE);
  for (guint i = 0; members[i]; i++)
    if (strchr (members[i], '\n'))
      {
        g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_INVALID,
                     "group %s: member %u contains a line break", identity, i);
        return FALSE;
      }
  sqlite3_stmt *st = NULL;
  g_autofree gchar *list = g_strjoinv ("\n", (gchar **) members);
  if (sqlite3_prepare_v2 (kms->db, "INSERT OR REPLACE INTO grp (identity, members) VALUES (?, ?)",
                          -1, &st, NULL) != SQLITE_OK)
    return store_fail (kms->db, "prepare group", error);
  sqlite3_bind_text (st, 1, identity, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, list, -1, SQLITE_STATIC);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "write group", error);
  group_put (kms, identity, members);
  return TRUE;
}

/* ---- agreements ---- */

KmsAgreement *
imps_kms_find_agreement (ImpsKms *kms, const guint8 *peer, gsize len)
{
  gchar buf[256];
  if (len == 0 || len >= sizeof buf)
    return NULL;
  for (gsize i = 0; i < len; i++)
    buf[i] = g_ascii_tolower ((gchar) peer[i]);
  buf[len] = '\0';
  return g_hash_table_lookup (kms->agreements, buf);
}

static void
agreement_put (ImpsKms *kms, const gchar *peer, const guint8 *key, gsize key_len)
{
  KmsAgreement *a = g_new0 (KmsAgreement, 1);
  a->peer = g_ascii_strdown (peer, -1);
  memcpy (a->key, key, key_len);
  a->key_len = key_len;
  KmsAgreement *old = g_hash_table_lookup (kms->agreements, a->peer);
  if (old && old->zk_address)
    {
      a->zk_address = g_strdup (old->zk_address);
      a->zk_port = old->zk_port;
    }
  g_hash_table_replace (kms->agreements, a->peer, a);
}

gboolean
imps_kms_add_agreement (ImpsKms *kms, const gchar *peer_fqdn, const guint8 *key, gsize key_len,
                        GError **error)
{
  g_return_val_if_fail (peer_fqdn != NULL && key != NULL, FALSE);
  if (key_len != 16 && key_len != 32)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_INVALID,
                   "agreement with %s: pair key of %" G_GSIZE_FORMAT " bytes (16 or 32)",
                   peer_fqdn, key_len);
      return FALSE;
    }
  g_autofree gchar *peer = g_ascii_strdown (peer_fqdn, -1);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (kms->db, "INSERT OR REPLACE INTO agreement (peer, key) VALUES (?, ?)",
                          -1, &st, NULL) != SQLITE_OK)
    return store_fail (kms->db, "prepare agreement", error);
  sqlite3_bind_text (st, 1, peer, -1, SQLITE_STATIC);
  sqlite3_bind_blob (st, 2, key, (int) key_len, SQLITE_STATIC);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "write agreement", error);
  agreement_put (kms, peer, key, key_len);
  return TRUE;
}

void
imps_kms_set_peer_zk (ImpsKms *kms, const gchar *peer_fqdn, const gchar *address, guint16 port)
{
  KmsAgreement *a = imps_kms_find_agreement (kms, (const guint8 *) peer_fqdn, strlen (peer_fqdn));
  if (a == NULL)
    {
      /* no agreement yet: keep the address in a keyless entry that the
       * agreement, when it comes, takes over; a keyless entry answers
       * nothing (key_len 0 is refused where keys are used) */
      a = g_new0 (KmsAgreement, 1);
      a->peer = g_ascii_strdown (peer_fqdn, -1);
      g_hash_table_replace (kms->agreements, a->peer, a);
    }
  g_free (a->zk_address);
  a->zk_address = g_strdup (address);
  a->zk_port = port;
}

/* ---- TPKs ---- */

static void
tpk_view_rebuild (ImpsKms *kms)
{
  if (kms->tpk_view)
    imps_wipe_free (kms->tpk_view, kms->n_tpk_view * sizeof (ImpsMikeyTpk));
  kms->n_tpk_view = kms->tpks->len;
  kms->tpk_view = g_new0 (ImpsMikeyTpk, MAX (kms->n_tpk_view, 1));
  for (guint i = 0; i < kms->tpks->len; i++)
    kms->tpk_view[i] = g_array_index (kms->tpks, KmsTpk, i).tpk;
}

static gboolean
tpk_write (ImpsKms *kms, const KmsTpk *t, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (kms->db, "INSERT OR REPLACE INTO tpk (idx, key, created, accept_until)"
                          " VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
    return store_fail (kms->db, "prepare tpk", error);
  sqlite3_bind_int64 (st, 1, t->tpk.index);
  sqlite3_bind_blob (st, 2, t->tpk.key, t->tpk.key_len, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 3, imps_kms_now (kms));
  sqlite3_bind_int64 (st, 4, t->accept_until);
  int rc = sqlite3_step (st);
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "write tpk", error);
  return TRUE;
}

void
imps_kms_tpk_prune (ImpsKms *kms)
{
  gint64 now = imps_kms_now (kms);
  gboolean changed = FALSE;
  for (guint i = kms->tpks->len; i-- > 1;)
    {
      KmsTpk *t = &g_array_index (kms->tpks, KmsTpk, i);
      if (t->accept_until != 0 && t->accept_until <= now)
        {
          gchar sql[96];
          g_snprintf (sql, sizeof sql, "DELETE FROM tpk WHERE idx = %u", t->tpk.index);
          store_exec (kms->db, sql, NULL);
          imps_wipe (t, sizeof *t);
          g_array_remove_index (kms->tpks, i);
          changed = TRUE;
        }
    }
  if (changed)
    tpk_view_rebuild (kms);
}

guint32
imps_kms_roll_tpk (ImpsKms *kms, GError **error)
{
  guint32 max = 0;
  imps_kms_tpk_prune (kms);
  for (guint i = 0; i < kms->tpks->len; i++)
    max = MAX (max, g_array_index (kms->tpks, KmsTpk, i).tpk.index);
  KmsTpk fresh = { 0 };
  fresh.tpk.index = max + 1;
  fresh.tpk.key_len = TPK_LEN;
  imps_random_fill (kms->random, fresh.tpk.key, TPK_LEN);
  if (kms->tpks->len > 0)
    {
      /* the old key opens tickets until the longest one it can have signed
       * has ended (validity from now at the latest, plus the clock skew) */
      KmsTpk *old = &g_array_index (kms->tpks, KmsTpk, 0);
      old->accept_until = imps_kms_now (kms) + imps_kms_max_validity (kms)
                          + IMPS_MIKEY_DEFAULT_SKEW_S;
      if (!tpk_write (kms, old, error))
        {
          imps_wipe (&fresh, sizeof fresh);
          return 0;
        }
    }
  if (!tpk_write (kms, &fresh, error))
    {
      imps_wipe (&fresh, sizeof fresh);
      return 0;
    }
  imps_key_log_kms_tpk (kms->key_log, kms->name, fresh.tpk.index, fresh.tpk.key,
                        fresh.tpk.key_len);
  g_array_prepend_val (kms->tpks, fresh);
  imps_wipe (&fresh, sizeof fresh);
  tpk_view_rebuild (kms);
  g_autofree gchar *why = g_strdup_printf ("TPK index %u signs new tickets; %u older keys still "
                                           "open tickets", max + 1, kms->tpks->len - 1);
  imps_kms_note (kms, IMPS_EVENT_NOTE, why, "TPK rolled");
  return max + 1;
}

void
imps_kms_set_key_log (ImpsKms *kms, ImpsKeyLog *log)
{
  kms->key_log = log;
  /* oldest first, as they were made */
  for (guint i = kms->tpks->len; i-- > 0;)
    {
      const KmsTpk *t = &g_array_index (kms->tpks, KmsTpk, i);
      imps_key_log_kms_tpk (log, kms->name, t->tpk.index, t->tpk.key, t->tpk.key_len);
    }
}

guint32
imps_kms_get_tpk_index (ImpsKms *kms)
{
  return kms->tpks->len ? g_array_index (kms->tpks, KmsTpk, 0).tpk.index : 0;
}

guint
imps_kms_count_tpks (ImpsKms *kms)
{
  imps_kms_tpk_prune (kms);
  return kms->tpks->len;
}

/* ---- audit ---- */

void
imps_kms_audit_flush (ImpsKms *kms)
{
  if (kms->audit_idle)
    {
      g_source_remove (kms->audit_idle);
      kms->audit_idle = 0;
    }
  if (kms->db == NULL || kms->audit == NULL || kms->audit->len == 0)
    return;
  gboolean ok = store_exec (kms->db, "BEGIN", NULL);
  if (ok && kms->st_audit == NULL
      && sqlite3_prepare_v3 (kms->db, "INSERT INTO audit (time, kind, csb_id, initiator,"
                             " responder, tpk_index, valid_to, detail) VALUES (?, ?, ?, ?, ?,"
                             " ?, ?, ?)", -1, SQLITE_PREPARE_PERSISTENT, &kms->st_audit, NULL)
         != SQLITE_OK)
    ok = FALSE;
  sqlite3_stmt *st = kms->st_audit;
  for (guint i = 0; ok && i < kms->audit->len; i++)
    {
      KmsAudit *a = g_ptr_array_index (kms->audit, i);
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, a->time);
      sqlite3_bind_text (st, 2, a->kind, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (st, 3, a->csb_id);
      sqlite3_bind_text (st, 4, a->initiator, -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 5, a->responder, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (st, 6, a->tpk_index);
      sqlite3_bind_int64 (st, 7, a->valid_to);
      sqlite3_bind_text (st, 8, a->detail, -1, SQLITE_STATIC);
      if (sqlite3_step (st) != SQLITE_DONE)
        ok = FALSE;
    }
  if (st)
    {
      /* the rows' strings are bound without copies: unbind before they go */
      sqlite3_reset (st);
      sqlite3_clear_bindings (st);
    }
  /* A memory store (serve without --state-dir, a simulated run) keeps the
   * newest IMPS_KMS_MEMORY_AUDIT_ROWS rows, so that a long serve session
   * does not grow by a row per ticket; a kept store keeps every row. */
  const char *file = sqlite3_db_filename (kms->db, "main");
  if (ok && (file == NULL || file[0] == '\0'))
    {
      if (kms->st_audit_trim == NULL
          && sqlite3_prepare_v3 (kms->db, "DELETE FROM audit WHERE id <= ?1", -1,
                                 SQLITE_PREPARE_PERSISTENT, &kms->st_audit_trim, NULL)
             != SQLITE_OK)
        ok = FALSE;
      else
        {
          st = kms->st_audit_trim;
          sqlite3_bind_int64 (st, 1, sqlite3_last_insert_rowid (kms->db)
                                     - IMPS_KMS_MEMORY_AUDIT_ROWS);
          ok = sqlite3_step (st) == SQLITE_DONE;
          sqlite3_reset (st);
        }
    }
  if (ok)
    ok = store_exec (kms->db, "COMMIT", NULL);
  if (!ok)
    {
      g_autofree gchar *why = g_strdup_printf ("%u audit rows could not be written: %s",
                                               kms->audit->len, sqlite3_errmsg (kms->db));
      store_exec (kms->db, "ROLLBACK", NULL);
      imps_kms_note (kms, IMPS_EVENT_FAILURE, why, "audit lost");
    }
  else
    kms->audit_written += kms->audit->len;
  for (guint i = 0; i < kms->audit->len; i++)
    audit_row_free (g_ptr_array_index (kms->audit, i));
  g_ptr_array_set_size (kms->audit, 0);
}

static gboolean
audit_idle (gpointer data)
{
  ImpsKms *kms = data;
  kms->audit_idle = 0;
  imps_kms_audit_flush (kms);
  return G_SOURCE_REMOVE;
}

static gchar *
bytes_dup (const guint8 *d, gsize len)
{
  return d ? g_strndup ((const gchar *) d, MIN (len, 255)) : NULL;
}

void
imps_kms_audit (ImpsKms *kms, const gchar *kind, guint32 csb_id, const ImpsMikeyTp *tp,
                const guint8 *responder, gsize responder_len, const gchar *detail)
{
  KmsAudit *a = g_new0 (KmsAudit, 1);
  a->time = imps_kms_now (kms);
  a->kind = g_strdup (kind);
  a->csb_id = csb_id;
  if (tp)
    {
      a->initiator = bytes_dup (tp->initiator_id.data, tp->initiator_id.len);
      a->valid_to = tp->valid_to ? imps_unix_us_from_ntp (tp->valid_to) / G_USEC_PER_SEC : 0;
      if (responder == NULL && tp->n_responders > 0)
        {
          responder = tp->responders[0].data;
          responder_len = tp->responders[0].len;
        }
    }
  a->responder = bytes_dup (responder, responder_len);
  a->tpk_index = g_str_equal (kind, "issued") ? imps_kms_get_tpk_index (kms) : 0;
  a->detail = g_strdup (detail);
  g_ptr_array_add (kms->audit, a);
  /* A kept store (state file) commits the row before the answer it
   * records leaves, so a killed KMS loses no row of an answered request.
   * The memory store of a simulated run batches. */
  const char *file = kms->db ? sqlite3_db_filename (kms->db, "main") : NULL;
  if (kms->audit->len >= IMPS_KMS_AUDIT_BATCH || (file && file[0]))
    imps_kms_audit_flush (kms);
  else if (kms->audit_idle == 0)
    kms->audit_idle = g_timeout_add (IMPS_KMS_AUDIT_FLUSH_MS, audit_idle, kms);
}

guint
imps_kms_count_audit (ImpsKms *kms, const gchar *kind)
{
  imps_kms_audit_flush (kms);
  sqlite3_stmt *st = NULL;
  guint n = 0;
  if (sqlite3_prepare_v2 (kms->db, kind ? "SELECT COUNT(*) FROM audit WHERE kind = ?"
                          : "SELECT COUNT(*) FROM audit", -1, &st, NULL) != SQLITE_OK)
    return 0;
  if (kind)
    sqlite3_bind_text (st, 1, kind, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return n;
}

/* ---- open, load, close ---- */

static gboolean
store_load (ImpsKms *kms, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc;
  guint skipped = 0;

  /* TPKs, the current one (accept_until 0, highest index) first */
  if (sqlite3_prepare_v2 (kms->db, "SELECT idx, key, accept_until FROM tpk ORDER BY"
                          " accept_until = 0 DESC, idx DESC", -1, &st, NULL) != SQLITE_OK)
    return store_fail (kms->db, "prepare tpk", error);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      gint64 idx = sqlite3_column_int64 (st, 0);
      const void *key = sqlite3_column_blob (st, 1);
      int key_len = sqlite3_column_bytes (st, 1);
      if (key == NULL || key_len != TPK_LEN || idx <= 0 || idx > G_MAXUINT32)
        {
          skipped++;
          continue;
        }
      KmsTpk t = { 0 };
      t.tpk.index = (guint32) idx;
      t.tpk.key_len = TPK_LEN;
      memcpy (t.tpk.key, key, TPK_LEN);
      t.accept_until = sqlite3_column_int64 (st, 2);
      g_array_append_val (kms->tpks, t);
      imps_wipe (&t, sizeof t);
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "load tpk", error);

  if (sqlite3_prepare_v2 (kms->db, "SELECT user, validity, reuse, forking, max_keys, patterns"
                          " FROM policy", -1, &st, NULL) != SQLITE_OK)
    return store_fail (kms->db, "prepare policy", error);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const gchar *user = (const gchar *) sqlite3_column_text (st, 0);
      const gchar *pats = (const gchar *) sqlite3_column_text (st, 5);
      gint64 validity = sqlite3_column_int64 (st, 1), max_keys = sqlite3_column_int64 (st, 4);
      if (user == NULL || pats == NULL || validity <= 0 || validity > G_MAXUINT32 || max_keys < 1
          || max_keys > 64)
        {
          skipped++;
          continue;
        }
      KmsPolicy *p = *user ? g_new0 (KmsPolicy, 1) : &kms->default_policy;
      kms_policy_clear (p);
      p->validity = (guint) validity;
      p->reuse = sqlite3_column_int (st, 2) != 0;
      p->forking = sqlite3_column_int (st, 3) != 0;
      p->max_keys = (guint) max_keys;
      if (*pats)
        {
          p->patterns = g_strsplit (pats, "\n", -1);
          p->implicit = FALSE;
        }
      else
        {
          gchar *one[] = { g_strdup_printf ("sip:*@%s", kms->domain), NULL };
          p->patterns = g_strdupv (one);
          g_free (one[0]);
          p->implicit = TRUE;
        }
      if (*user)
        g_hash_table_replace (kms->user_policies, g_strdup (user), p);
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "load policy", error);

  if (sqlite3_prepare_v2 (kms->db, "SELECT identity, members FROM grp", -1, &st, NULL)
      != SQLITE_OK)
    return store_fail (kms->db, "prepare group", error);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const gchar *id = (const gchar *) sqlite3_column_text (st, 0);
      const gchar *list = (const gchar *) sqlite3_column_text (st, 1);
      if (id == NULL || list == NULL)
        {
          skipped++;
          continue;
        }
      g_auto (GStrv) members = *list ? g_strsplit (list, "\n", -1) : g_new0 (gchar *, 1);
      group_put (kms, id, (const gchar *const *) members);
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "load group", error);

  if (sqlite3_prepare_v2 (kms->db, "SELECT peer, key FROM agreement", -1, &st, NULL) != SQLITE_OK)
    return store_fail (kms->db, "prepare agreement", error);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const gchar *peer = (const gchar *) sqlite3_column_text (st, 0);
      const void *key = sqlite3_column_blob (st, 1);
      int key_len = sqlite3_column_bytes (st, 1);
      if (peer == NULL || key == NULL || (key_len != 16 && key_len != 32))
        {
          skipped++;
          continue;
        }
      agreement_put (kms, peer, key, (gsize) key_len);
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return store_fail (kms->db, "load agreement", error);

  if (skipped)
    {
      g_autofree gchar *why = g_strdup_printf ("%u rows of the state file are not what this KMS "
                                               "writes (wrong sizes or values)", skipped);
      imps_kms_note (kms, IMPS_EVENT_FAILURE, why, "state rows skipped");
    }
  return TRUE;
}

gboolean
imps_kms_store_open (ImpsKms *kms, const gchar *state_path, GError **error)
{
  /* TPKs and pair keys are kept because the KMS needs them after a
   * restart: the file is 0600 and freed pages are zeroed. A restart draws
   * (TPKs, MPKs, TGKs) from a stream of its own. */
  guint64 generation = 0;
  kms->db = imps_store_open (state_path, "KMS store", IMPS_KMS_ERROR, IMPS_KMS_ERROR_STORE,
                             &generation, error);
  if (kms->db == NULL)
    return FALSE;
  imps_store_random_for_boot (&kms->random, generation);
  if (!store_exec (kms->db,
                      "CREATE TABLE IF NOT EXISTS policy (user TEXT PRIMARY KEY,"
                      " validity INTEGER NOT NULL, reuse INTEGER NOT NULL,"
                      " forking INTEGER NOT NULL, max_keys INTEGER NOT NULL,"
                      " patterns TEXT NOT NULL);"
                      "CREATE TABLE IF NOT EXISTS grp (identity TEXT PRIMARY KEY,"
                      " members TEXT NOT NULL);"
                      "CREATE TABLE IF NOT EXISTS agreement (peer TEXT PRIMARY KEY,"
                      " key BLOB NOT NULL);"
                      "CREATE TABLE IF NOT EXISTS tpk (idx INTEGER PRIMARY KEY,"
                      " key BLOB NOT NULL, created INTEGER NOT NULL,"
                      " accept_until INTEGER NOT NULL);"
                      "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                      " time INTEGER NOT NULL, kind TEXT NOT NULL, csb_id INTEGER,"
                      " initiator TEXT, responder TEXT, tpk_index INTEGER, valid_to INTEGER,"
                      " detail TEXT)", error))
    return FALSE;
  ImpsKmsPolicyRow row;
  imps_kms_policy_row_init_default (&row);
  policy_from_row (&kms->default_policy, &row, kms->domain);
  if (!store_load (kms, error))
    return FALSE;
  groups_rebuild (kms);
  if (kms->tpks->len == 0 || g_array_index (kms->tpks, KmsTpk, 0).accept_until != 0)
    {
      if (imps_kms_roll_tpk (kms, error) == 0)
        return FALSE;
    }
  else
    tpk_view_rebuild (kms);
  imps_kms_tpk_prune (kms);
  return TRUE;
}

void
imps_kms_store_close (ImpsKms *kms)
{
  g_clear_pointer (&kms->st_audit, sqlite3_finalize);
  g_clear_pointer (&kms->st_audit_trim, sqlite3_finalize);
  if (kms->db)
    sqlite3_close (kms->db);
  kms->db = NULL;
  kms_policy_clear (&kms->default_policy);
}
