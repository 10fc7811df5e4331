/* A scenario's KMS configuration given to a KMS node: the world reads the
 * scenario's [policy], [group] and [agreement] sections and calls the
 * KMS's own configuration functions, so that src/kms knows nothing of
 * scenario files. */
#include "imps-world.h"
#include "imps-kms.h"
#include "imps-crypto.h"
#include "imps-secret.h"

#include <string.h>

gboolean
imps_world_load_kms (ImpsKms *kms, const ImpsScenario *s, guint op, const guint8 *seed_key,
                     gsize seed_key_len, GError **error)
{
  gint idx = -1;
  for (guint i = 0; i < s->operators->len; i++)
    if (((ImpsOperatorSpec *) g_ptr_array_index (s->operators, i))->number == op)
      idx = (gint) i;
  if (idx < 0)
    {
      g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_INVALID,
                   "scenario %s has no operator number %u", s->path ? s->path : "", op);
      return FALSE;
    }
  for (guint i = 0; i < s->policies->len; i++)
    {
      const ImpsKmsPolicySpec *p = g_ptr_array_index (s->policies, i);
      if (p->op != (guint) idx)
        continue;
      ImpsKmsPolicyRow row = { p->validity, p->reuse, p->forking, p->max_keys,
                               (const gchar *const *) p->may_request_for };
      if (!(p->user ? imps_kms_set_user_policy (kms, p->user, &row, error)
                    : imps_kms_set_default_policy (kms, &row, error)))
        {
          g_prefix_error (error, "[policy] line %u: ", p->line);
          return FALSE;
        }
    }
  for (guint i = 0; i < s->groups->len; i++)
    {
      const ImpsGroupSpec *g = g_ptr_array_index (s->groups, i);
      if (g->op == (guint) idx
          && !imps_kms_add_group (kms, g->identity, (const gchar *const *) g->members, error))
        {
          g_prefix_error (error, "[group %s] line %u: ", g->name, g->line);
          return FALSE;
        }
    }
  for (guint i = 0; i < s->agreements->len; i++)
    {
      const ImpsAgreementSpec *a = g_ptr_array_index (s->agreements, i);
      if (a->op_a != (guint) idx && a->op_b != (guint) idx)
        continue;
      gboolean is_b = a->op_b == (guint) idx;
      /* a one-way agreement: the other side has not configured it */
      if (!(is_b ? a->at_b : a->at_a))
        continue;
      guint other = is_b ? a->op_a : a->op_b;
      const ImpsOperatorSpec *o = g_ptr_array_index (s->operators, other);
      g_autofree gchar *peer = g_strdup_printf ("kms.%s", o->domain);
      guint8 key[32];
      gsize key_len = a->key_len;
      if (is_b && a->key_b_len)
        {
          /* keys = A; B: this side holds its own (mismatched) key */
          key_len = a->key_b_len;
          memcpy (key, a->key_b, key_len);
        }
      else if (key_len)
        memcpy (key, a->key, key_len);
      else
        {
          /* derived: HMAC-SHA-256(seed, "impsim zk " || lower || " " || higher) */
          const gchar *x = imps_kms_get_name (kms), *y = peer;
          if (g_strcmp0 (x, y) > 0)
            {
              const gchar *t = x;
              x = y;
              y = t;
            }
          g_autofree gchar *label = g_strdup_printf ("impsim zk %s %s", x, y);
          if (seed_key == NULL || seed_key_len == 0)
            {
              g_set_error (error, IMPS_KMS_ERROR, IMPS_KMS_ERROR_INVALID,
                           "[agreement %s] line %u: no key and no run seed to derive one",
                           a->name, a->line);
              return FALSE;
            }
          imps_hmac (IMPS_HASH_SHA256, seed_key, seed_key_len, (const guint8 *) label,
                     strlen (label), key);
          key_len = 32;
        }
      gboolean ok = imps_kms_add_agreement (kms, peer, key, key_len, error);
      imps_wipe (key, sizeof key);
      if (!ok)
        {
          g_prefix_error (error, "[agreement %s] line %u: ", a->name, a->line);
          return FALSE;
        }
    }
  return TRUE;
}
