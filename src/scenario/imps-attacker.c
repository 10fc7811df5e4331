#include "imps-attacker.h"
#include "mikey/imps-mikey-message.h"

#include <string.h>

struct _ImpsAttack {
  ImpsAttackSpec spec;
  ImpsNetwork *net;
  gchar *recorded;     /* replay: the a=key-mgmt line recorded */
  guint acted;
  guint calls;         /* call steps ended since arming */
  guint acted_call;    /* calls when it last acted */
  ImpsUeUa *thief;     /* steal: borrowed */
  gchar *thief_name;
};

/* A stolen TRANSFER_INIT on its way to the thief's KMS. */
typedef struct {
  ImpsNetwork *net;
  gchar *thief_name;
  ImpsUeUa *ua;
} Theft;

static void
theft_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Theft *t = data;
  g_autoptr (GError) error = NULL;
  ImpsMikeyResolved *res = imps_ue_ua_resolve_finish (t->ua, result, &error);
  if (res != NULL)
    imps_network_log (t->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, t->thief_name, NULL,
                      NULL, NULL, NULL,
                      "attack: %s resolved the stolen TRANSFER_INIT: its KMS gave the keys",
                      t->thief_name);
  else
    imps_network_log (t->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, t->thief_name, NULL,
                      NULL, NULL, error->message,
                      "attack: %s could not resolve the stolen TRANSFER_INIT", t->thief_name);
  imps_mikey_resolved_free (res);
  g_free (t->thief_name);
  g_free (t);
}

/* The thief asks its KMS to resolve the TRANSFER_INIT of @line. */
static void
steal (ImpsAttack *a, const gchar *line)
{
  const gchar *b64 = line + strlen ("a=key-mgmt:mikey ");
  gsize len = 0;
  g_autofree guint8 *data = g_base64_decode (b64, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_message_parse (data, len, &error);
  if (ti == NULL)
    {
      imps_network_log (a->net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, a->thief_name,
                        NULL, NULL, NULL, error->message,
                        "attack: the copied a=key-mgmt is no MIKEY message");
      return;
    }
  Theft *t = g_new0 (Theft, 1);
  t->net = a->net;
  t->thief_name = g_strdup (a->thief_name);
  t->ua = a->thief;
  imps_ue_ua_resolve_async (a->thief, ti, NULL, theft_done, t);
}

/* ---- an armed attack ---- */

ImpsAttack *
imps_attack_new (const ImpsAttackSpec *spec, ImpsNetwork *net, ImpsUeUa *thief,
                 const gchar *thief_name)
{
  ImpsAttack *a = g_new0 (ImpsAttack, 1);
  a->spec.kind = spec->kind;
  a->spec.field = spec->field;
  a->spec.node = g_strdup (spec->node);
  a->spec.device = g_strdup (spec->device);
  a->net = net;
  a->thief = thief;
  a->thief_name = g_strdup (thief_name);
  a->spec.identity = g_strdup (spec->identity);
  if (spec->kind == IMPS_ATTACK_FORGE && thief != NULL)
    {
      imps_ue_ua_set_claimed_identity (thief, spec->identity);
      imps_network_log (net, IMPS_EVENT_NOTE, IMPS_REF_UA, IMPS_PROTO_HTTP, thief_name, NULL, NULL,
                        NULL, NULL,
                        "attack: %s claims %s as its identity (%s) with its own B-TID for the "
                        "next call", thief_name, spec->identity,
                        spec->field == IMPS_ATTACK_FIELD_IDRI ? "IDRi" : "IDRr");
      a->acted++;
    }
  return a;
}

void
imps_attack_free (ImpsAttack *a)
{
  if (a == NULL)
    return;
  if (a->spec.kind == IMPS_ATTACK_FORGE && a->thief != NULL)
    imps_ue_ua_set_claimed_identity (a->thief, NULL);
  g_free (a->spec.node);
  g_free (a->spec.device);
  g_free (a->spec.identity);
  g_free (a->thief_name);
  g_free (a->recorded);
  g_free (a);
}

GBytes *
imps_attack_filter (ImpsAttack *a, ImpsRefPoint ref, const gchar *from_node, GBytes *message)
{
  g_autofree gchar *note = NULL;
  g_autofree gchar *record = NULL;
  if (a->spec.node == NULL || imps_attack_is_over (a)
      || g_ascii_strcasecmp (from_node, a->spec.node) != 0)
    return NULL;
  /* One tampered message (a P-CSCF that serves both ends forwards the
   * INVITE twice, and a second flip of the same bit would undo the first). */
  if (a->spec.kind == IMPS_ATTACK_TAMPER && a->acted > 0)
    return NULL;
  GBytes *out = imps_attack_apply (&a->spec, message, a->recorded, &record, &note);
  if (record && a->spec.kind == IMPS_ATTACK_STEAL)
    {
      if (a->acted == 0 && a->thief != NULL)
        {
          a->acted++;
          a->acted_call = a->calls;
          if (note)
            imps_network_log (a->net, IMPS_EVENT_NOTE, ref, IMPS_PROTO_SIP, a->spec.node, NULL,
                              NULL, NULL, NULL, "%s", note);
          steal (a, record);
        }
      return out;
    }
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
