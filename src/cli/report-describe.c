/* The names the reports give each verdict: what was done, then what was
 * checked ("alice -> bob mikey-ticket: media both ways"), taken from the
 * checked script rather than from the raw "line 48: expect = ok". */
#include "report.h"

#include <string.h>

/* The security of a call as the scenario file names it (the order of
 * ImpsScriptSecurity); plain RTP says so. */
static const gchar *
security_name (ImpsScriptSecurity s)
{
  switch (s)
    {
    case IMPS_SCRIPT_SECURITY_NONE:
      return "plain RTP";
    case IMPS_SCRIPT_SECURITY_SDES_E2E:
      return "sdes-e2e";
    case IMPS_SCRIPT_SECURITY_SDES_E2AE:
      return "sdes-e2ae";
    case IMPS_SCRIPT_SECURITY_MIKEY_TICKET:
      return "mikey-ticket";
    default:
      return "?";
    }
}

/* The Nth word of a step's arguments as written (the callee's name rather
 * than the URI it resolved to). */
static gchar *
arg_word (const ImpsStepSpec *spec, guint n)
{
  g_auto (GStrv) words = g_strsplit_set (spec->args ? spec->args : "", " \t", -1);
  guint k = 0;
  for (guint i = 0; words[i]; i++)
    if (words[i][0] && k++ == n)
      return g_strdup (words[i]);
  return NULL;
}

static gchar *
describe_action (const ImpsScriptStep *a)
{
  switch (a->verb)
    {
    case IMPS_SCRIPT_BOOTSTRAP:
      return g_strdup_printf ("bootstrap %s", a->device);
    case IMPS_SCRIPT_REGISTER:
      return g_strdup_printf ("register %s", a->device);
    case IMPS_SCRIPT_CALL:
      {
        g_autofree gchar *callee = arg_word (a->spec, 1);
        return g_strdup_printf ("%s -> %s %s", a->device, callee ? callee : a->callee,
                                security_name (a->security));
      }
    case IMPS_SCRIPT_HANGUP:
      return g_strdup_printf ("hangup %s", a->device);
    case IMPS_SCRIPT_ADVANCE:
      return g_strdup_printf ("advance %s", a->spec->args);
    case IMPS_SCRIPT_RESTART:
      {
        g_autofree gchar *op = arg_word (a->spec, 1);
        return g_strdup_printf ("restart %s of %s", a->node, op ? op : "?");
      }
    case IMPS_SCRIPT_ATTACK:
    case IMPS_SCRIPT_EXPECT:
    default:
      return g_strdup_printf ("%s %s", a->spec->verb, a->spec->args);
    }
}

static gchar *
with_text (const gchar *what, const gchar *text)
{
  return text ? g_strdup_printf ("%s '%s'", what, text) : g_strdup (what);
}

static gchar *
describe_expect (const ImpsScriptStep *e)
{
  switch (e->expect)
    {
    case IMPS_EXPECT_OK:
      return g_strdup ("succeeds");
    case IMPS_EXPECT_FAIL:
      return with_text ("fails", e->text);
    case IMPS_EXPECT_REFUSAL:
      {
        g_autofree gchar *what = g_strdup_printf ("%s refuses", e->node);
        return with_text (what, e->text);
      }
    case IMPS_EXPECT_MESSAGE:
    case IMPS_EXPECT_NO_MESSAGE:
      {
        g_autofree gchar *what = g_strdup_printf ("%s %s message", e->expect == IMPS_EXPECT_MESSAGE
                                                                      ? "a" : "no", e->ref);
        return with_text (what, e->text);
      }
    case IMPS_EXPECT_BOOTSTRAPPED:
      return g_strdup_printf ("%s holds a valid bootstrapping", e->device);
    case IMPS_EXPECT_ESTABLISHED:
      return g_strdup ("call answered");
    case IMPS_EXPECT_SIP:
      return g_strdup_printf ("caller gets SIP %u", e->status);
    case IMPS_EXPECT_MEDIA:
      return g_strdup ("media both ways");
    case IMPS_EXPECT_EXPOSURE:
      return g_strdup_printf ("%s %s the media keys", e->node, e->keys ? "can read" : "cannot read");
    case IMPS_EXPECT_FORKS_DIFFER:
      return g_strdup ("each fork has its own TGK");
    case IMPS_EXPECT_FORKS_SHARE:
      return g_strdup ("the forks share one TGK");
    case IMPS_EXPECT_MEDIA_REJECTED:
      return g_strdup_printf ("%s rejects %s", e->device,
                              e->keys ? "replayed SRTP" : "SRTP that does not authenticate");
    case IMPS_EXPECT_ANSWERED_BY:
      return g_strdup_printf ("answered by %s", e->device);
    default:
      return g_strdup_printf ("expect %s", e->spec->args);
    }
}

/* The action an expect judges: the nearest step before it that is not an
 * expect. */
static const ImpsScriptStep *
action_of (GPtrArray *script, guint index)
{
  for (guint i = index; i-- > 0;)
    {
      const ImpsScriptStep *s = g_ptr_array_index (script, i);
      if (s->verb != IMPS_SCRIPT_EXPECT)
        return s;
    }
  return NULL;
}

gchar *
report_describe_verdict (GPtrArray *script, guint index)
{
  g_return_val_if_fail (index < script->len, NULL);
  const ImpsScriptStep *s = g_ptr_array_index (script, index);
  if (s->verb != IMPS_SCRIPT_EXPECT)
    {
      g_autofree gchar *action = describe_action (s);
      return g_strdup_printf ("%s: succeeds", action);
    }
  const ImpsScriptStep *a = action_of (script, index);
  g_autofree gchar *action = a ? describe_action (a) : g_strdup ("(no action)");
  g_autofree gchar *check = describe_expect (s);
  return g_strdup_printf ("%s: %s", action, check);
}

gchar *
report_verdict_kind (GPtrArray *script, guint index)
{
  g_return_val_if_fail (index < script->len, NULL);
  const ImpsScriptStep *s = g_ptr_array_index (script, index);
  if (s->verb != IMPS_SCRIPT_EXPECT)
    return g_strdup (s->spec->verb);
  g_autofree gchar *first = arg_word (s->spec, 0);
  return g_strdup_printf ("expect %s", first ? first : "?");
}

gint64
report_virtual_us (ImpsRunner *runner)
{
  GPtrArray *results = imps_runner_get_results (runner);
  if (results->len == 0)
    return 0;
  const ImpsStepResult *first = g_ptr_array_index (results, 0);
  gint64 end = first->end_us;
  for (guint i = 0; i < results->len; i++)
    end = MAX (end, ((const ImpsStepResult *) g_ptr_array_index (results, i))->end_us);
  return end - first->start_us;
}
