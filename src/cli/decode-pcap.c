/* impsim decode --pcap FILE (see decode-pcap.h). */
#include "decode-pcap.h"

#include "cli.h"
#include "imps-pcap.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#define CMD "decode"

int
cli_decode_pcap (const gchar *path, const gchar *const *only, gboolean json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsPcapFilter) filter = imps_pcap_filter_new ();
  GStatBuf st;

  for (guint i = 0; only && only[i]; i++)
    if (!imps_pcap_filter_add (filter, only[i], &error))
      return cli_usage_error (CMD, "--only %s", error->message);

  if (g_stat (path, &st) != 0)
    return cli_fail (CMD, "--pcap %s: %s", path, g_strerror (errno));
  if (!S_ISREG (st.st_mode))
    return cli_fail (CMD, "--pcap %s: not a regular file", path);
  if ((guint64) st.st_size > IMPS_PCAP_MAX_FILE)
    return cli_fail (CMD, "--pcap %s: %" G_GUINT64_FORMAT " bytes, more than the limit of %u", path,
                     (guint64) st.st_size, IMPS_PCAP_MAX_FILE);
  gchar *contents = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &contents, &len, &error))
    return cli_fail (CMD, "--pcap: %s", error->message);
  g_autoptr (GBytes) bytes = g_bytes_new_take (contents, len);
  g_autoptr (ImpsMikeyField) root = imps_pcap_decode_filtered (bytes, filter, &error);
  if (root == NULL)
    return cli_fail (CMD, "--pcap %s: %s", path, error->message);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      cli_field_to_json (b, root);
      g_autoptr (JsonNode) node = json_builder_get_root (b);
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      json_generator_set_pretty (gen, TRUE);
      json_generator_set_root (gen, node);
      g_autofree gchar *s = json_generator_to_data (gen, NULL);
      printf ("%s\n", s);
    }
  else
    {
      cli_print_fields (root);
    }
  return CLI_EXIT_OK;
}
