/* The runner's view of a scenario: the file and then every [script] step's
 * verb and arguments, checked from the scenario alone (names, URIs,
 * durations, bounds), as `impsim run` does before any node starts. Any bytes
 * must give checked steps or a GError, never a crash. */
#include "imps-scenario.h"
#include "imps-script.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_step (const ImpsScenario *s, const ImpsScriptStep *st)
{
  g_assert (st->spec != NULL);
  switch (st->verb)
    {
    case IMPS_SCRIPT_BOOTSTRAP:
    case IMPS_SCRIPT_REGISTER:
    case IMPS_SCRIPT_HANGUP:
      g_assert (st->device != NULL);
      g_assert (imps_scenario_find_device (s, st->device, NULL, NULL, NULL));
      break;
    case IMPS_SCRIPT_CALL:
      g_assert (st->device != NULL && st->callee != NULL);
      g_assert (st->media_us >= 0 && st->media_us <= IMPS_SCRIPT_MAX_MEDIA_US);
      g_assert (st->cancel_after_us >= 0 && st->cancel_after_us <= IMPS_SCRIPT_MAX_MEDIA_US);
      break;
    case IMPS_SCRIPT_ADVANCE:
      g_assert (st->duration_us >= 0 && st->duration_us <= IMPS_SCRIPT_MAX_ADVANCE_US);
      break;
    case IMPS_SCRIPT_RESTART:
      g_assert (st->op < s->operators->len && st->node != NULL);
      break;
    case IMPS_SCRIPT_ATTACK:
      g_assert (st->attack != NULL);
      if (st->attack->field == IMPS_ATTACK_FIELD_REQUEST_INIT
          || st->attack->kind == IMPS_ATTACK_DECRYPT)
        g_assert (imps_scenario_find_device (s, st->device, NULL, NULL, NULL)
                  && imps_scenario_find_device (s, st->attack->victim, NULL, NULL, NULL));
      else
        g_assert (st->attack->kind == IMPS_ATTACK_FORGE || st->attack->kind == IMPS_ATTACK_MEDIA
                      ? st->device != NULL
                                                        : imps_script_is_node (s, st->attack->node));
      if (st->attack->kind == IMPS_ATTACK_RELAY)
        g_assert (imps_script_is_node (s, st->attack->victim));
      break;
    case IMPS_SCRIPT_ANSWER:
      g_assert (st->device != NULL);
      g_assert (st->status == 0 || (st->status >= 400 && st->status <= 699));
      g_assert (st->ring_us >= 0);
      break;
    case IMPS_SCRIPT_FORGET_BTID:
      g_assert (st->device != NULL && st->op < s->operators->len);
      break;
    case IMPS_SCRIPT_TICKET:
      g_assert (st->device != NULL && st->callee != NULL && st->ticket != NULL);
      g_assert (st->n_keys <= 8 && st->duration_us >= 0);
      break;
    case IMPS_SCRIPT_LOAD:
      g_assert (st->load != NULL && st->load->callers[0] != NULL && st->load->callees[0] != NULL);
      g_assert (st->load->calls >= 1 && st->load->calls <= IMPS_LOAD_MAX_CALLS);
      g_assert (st->load->concurrent >= 1 && st->load->interval_us >= 1);
      for (gchar **c = st->load->callers; *c; c++)
        g_assert (imps_scenario_find_device (s, *c, NULL, NULL, NULL));
      break;
    case IMPS_SCRIPT_EXPECT:
      if (st->expect == IMPS_EXPECT_TICKET)
        g_assert (st->ticket != NULL && (st->flags_set & st->flags_clear) == 0);
      if (st->expect == IMPS_EXPECT_EXPOSURE)
        g_assert (imps_script_is_node (s, st->node));
      if (st->expect == IMPS_EXPECT_MESSAGE || st->expect == IMPS_EXPECT_NO_MESSAGE)
        g_assert (st->ref != NULL);
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  ImpsScenario *s = imps_scenario_load_data ((const gchar *) data, size, "fuzz", &error);

  if (s == NULL)
    {
      g_assert (error != NULL && error->message != NULL);
      g_error_free (error);
      return 0;
    }
  GPtrArray *steps = imps_script_parse (s, &error);
  if (steps == NULL)
    {
      g_assert (error != NULL && error->message != NULL);
      g_clear_error (&error);
    }
  else
    {
      g_assert (error == NULL && steps->len == s->steps->len);
      for (guint i = 0; i < steps->len; i++)
        check_step (s, g_ptr_array_index (steps, i));
      g_ptr_array_unref (steps);
    }
  /* Every step's arguments alone, as durations, whatever the verb. */
  for (guint i = 0; i < s->steps->len; i++)
    {
      const ImpsStepSpec *spec = g_ptr_array_index (s->steps, i);
      gint64 us = -1;
      if (imps_script_parse_duration_us (spec->args, &us, &error))
        g_assert (us >= 0);
      else
        g_clear_error (&error);
    }
  imps_scenario_free (s);
  return 0;
}
