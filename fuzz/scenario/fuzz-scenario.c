/* Scenario files are outside input: any bytes must give a scenario or a
 * GError, never a crash. */
#include "imps-scenario.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

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
  g_assert (error == NULL);
  g_assert (s->operators->len > 0);
  imps_scenario_free (s);
  return 0;
}
