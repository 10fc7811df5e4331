#include "imps-attacker.h"

struct _ImpsAttack {
  ImpsAttackSpec spec;
  ImpsNetwork *net;
  gchar *recorded;     /* replay: the a=key-mgmt line recorded */
  guint acted;
  guint calls;         /* call steps ended since arming */
  guint acted_call;    /* calls when it last acted */
};

/* ---- an armed attack ---- */

ImpsAttack *
imps_attack_new (const ImpsAttackSpec *spec, ImpsNetwork *net)
{
  ImpsAttack *a = g_new0 (ImpsAttack, 1);
  a->spec.kind = spec->kind;
  a->spec.field = spec->field;
  a->spec.node = g_strdup (spec->node);
  a->net = net;
  return a;
}

void
imps_attack_free (ImpsAttack *a)
{
  if (a == NULL)
    return;
  g_free (a->spec.node);
  g_free (a->recorded);
  g_free (a);
}

GBytes *
imps_attack_filter (ImpsAttack *a, ImpsRefPoint ref, const gchar *from_node, GBytes *message)
{
  g_autofree gchar *note = NULL;
  g_autofree gchar *record = NULL;
  if (imps_attack_is_over (a) || g_ascii_strcasecmp (from_node, a->spec.node) != 0)
    return NULL;
  /* One tampered message (a P-CSCF that serves both ends forwards the
   * INVITE twice, and a second flip of the same bit would undo the first). */
  if (a->spec.kind == IMPS_ATTACK_TAMPER && a->acted > 0)
    return NULL;
  GBytes *out = imps_attack_apply (&a->spec, message, a->recorded, &record, &note);
  if (record)
    a->recorded = g_steal_pointer (&record);
  if (out)
    {
      a->acted++;
      a->acted_call = a->calls;
    }
  if (note)
    imps_network_log (a->net, IMPS_EVENT_NOTE, ref, IMPS_PROTO_SIP, a->spec.node, NULL, NULL,
                      NULL, NULL, "%s", note);
  return out;
}

void
imps_attack_call_ended (ImpsAttack *a)
{
  a->calls++;
}

gboolean
imps_attack_is_over (const ImpsAttack *a)
{
  if (a->spec.kind == IMPS_ATTACK_REPLAY)
    return a->calls >= 2 || (a->acted > 0 && a->calls > a->acted_call);
  return a->calls >= 1;
}

guint
imps_attack_get_acted (const ImpsAttack *a)
{
  return a->acted;
}

const ImpsAttackSpec *
imps_attack_get_spec (const ImpsAttack *a)
{
  return &a->spec;
}
