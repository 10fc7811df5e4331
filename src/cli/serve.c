/* impsim serve: a scenario's network on loopback, on the real clock, for
 * outside GBA and MIKEY-TICKET clients. */
#include "cli.h"
#include "imps-pcap.h"
#include "imps-secret.h"
#include "imps-world.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
cli_serve (int argc, char **argv)
{
  gint64 seed = -1;
  gint port_base = 0;
  g_autofree gchar *state_dir = NULL;
  gboolean log_events = FALSE;
  g_autofree gchar *pcap_path = NULL;
  gint event_ring = 10000;
  g_autofree gchar *zk_trust_path = NULL;
  g_autofree gchar *zk_ca_path = NULL;
  g_autofree gchar *zk_ca_key_path = NULL;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      "Seed of every RAND and key (default: drawn from the system at each start; "
      "the scenario file's seed is not used)", "N" },
    { "port-base", 0, 0, G_OPTION_ARG_INT, &port_base,
      "Fixed ports: N+80 for HTTP (Ub, Ua), N+3868 for Diameter (Zh, Zn), N+443 for Zk, "
      "N+5060 for SIP (Gm, UDP and TCP)",
      "N" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Keep each node's SQLite store in DIR (WAL mode, files 0600, DIR made 0700), so "
      "state survives a restart", "DIR" },
    { "log", 0, 0, G_OPTION_ARG_NONE, &log_events,
      "Print every message and refusal as it happens", NULL },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap_path,
      "Write every message to a pcap capture in FILE as it happens (closed when serve stops)",
      "FILE" },
    { "zk-trust", 0, 0, G_OPTION_ARG_FILENAME, &zk_trust_path,
      "Zk also accepts KMS client certificates of the CA certificates (PEM) in FILE, e.g. an "
      "outside KMS's", "FILE" },
    { "zk-ca", 0, 0, G_OPTION_ARG_FILENAME, &zk_ca_path,
      "Issue the KMSs' Zk certificates from this CA (PEM certificate; with --zk-ca-key) instead "
      "of a new CA per start, so that outside KMSs with certificates of that CA interoperate",
      "FILE" },
    { "zk-ca-key", 0, 0, G_OPTION_ARG_FILENAME, &zk_ca_key_path,
      "The --zk-ca CA's private key (unencrypted PEM)", "FILE" },
    { "event-ring", 0, 0, G_OPTION_ARG_INT, &event_ring,
      "Keep only the last N events in memory (default 10000; --log and --pcap see every one)",
      "N" },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("serve", "SCENARIO",
                          "Starts the nodes of SCENARIO's network on loopback (profile §9\n"
                          "addresses), prints one line per endpoint, and serves until SIGINT or\n"
                          "SIGTERM. Every start draws a new seed unless --seed is given (the\n"
                          "seed line says which); with --state-dir a restarted node continues\n"
                          "from its store and never repeats a RAND, B-TID or key.",
                          NULL, entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    return cli_usage_error ("serve", argc < 2 ? "a SCENARIO file is required"
                                              : "one SCENARIO file only (got '%s' too)",
                            argc < 2 ? "" : argv[2]);
  if (port_base < 0 || port_base > 65535 - 5060)
    return cli_usage_error ("serve", "--port-base: %d is out of range (0 to %d)", port_base,
                            65535 - 5060);
  if (seed < -1)
    return cli_usage_error ("serve", "--seed: must not be negative");
  if (event_ring < 1)
    return cli_usage_error ("serve", "--event-ring: must be at least 1");

  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) scenario = imps_scenario_load_file (argv[1], &error);
  if (scenario == NULL)
    return cli_fail ("serve", "%s", error->message);

  /* A served network's keys must not be the ones anyone with the file
   * can derive: the file's seed is for `impsim run`. */
  guint64 run_seed = (guint64) seed;
  if (seed < 0)
    {
      g_autoptr (ImpsRandom) sys = imps_random_new_system ();
      guint8 b[8];
      imps_random_fill (sys, b, sizeof b);
      run_seed = 0;
      for (guint i = 0; i < sizeof b; i++)
        run_seed = run_seed << 8 | b[i];
      /* printed as a --seed value, which is at most G_MAXINT64 */
      run_seed &= G_MAXINT64;
    }

  g_autofree gchar *zk_trust = NULL;
  if (zk_trust_path)
    {
      if (!g_file_get_contents (zk_trust_path, &zk_trust, NULL, &error))
        return cli_fail ("serve", "--zk-trust: %s", error->message);
      if (strstr (zk_trust, "-----BEGIN CERTIFICATE-----") == NULL)
        return cli_fail ("serve", "--zk-trust: %s holds no PEM certificate", zk_trust_path);
    }

  if ((zk_ca_path == NULL) != (zk_ca_key_path == NULL))
    return cli_usage_error ("serve", "--zk-ca and --zk-ca-key go together");
  g_autofree gchar *zk_ca = NULL;
  gchar *zk_ca_key = NULL;
  gsize zk_ca_key_len = 0;
  if (zk_ca_path)
    {
      if (!g_file_get_contents (zk_ca_path, &zk_ca, NULL, &error))
        return cli_fail ("serve", "--zk-ca: %s", error->message);
      if (!g_file_get_contents (zk_ca_key_path, &zk_ca_key, &zk_ca_key_len, &error))
        return cli_fail ("serve", "--zk-ca-key: %s", error->message);
    }

  ImpsWorldOptions opt = {
    .virtual_clock = FALSE,
    .has_seed = TRUE,
    .seed = run_seed,
    .state_dir = state_dir,
    .port_base = (guint16) port_base,
    .zk_trust_pem = zk_trust,
    .zk_ca_cert_pem = zk_ca,
    .zk_ca_key_pem = zk_ca_key,
    .sip_sockets = TRUE,
  };
  g_autoptr (ImpsWorld) world = imps_world_new (scenario, &opt, &error);
  /* the CA's key is in the KMS CA now (or nowhere) */
  if (zk_ca_key)
    imps_wipe_free (zk_ca_key, zk_ca_key_len);
  zk_ca_key = NULL;
  opt.zk_ca_key_pem = NULL;
  if (world == NULL)
    return cli_fail ("serve", "%s", error->message);
  imps_event_log_set_ring (imps_network_get_event_log (imps_world_get_network (world)),
                           (guint) event_ring);

  if (imps_world_get_state_dir_old_mode (world))
    fprintf (stderr, "impsim serve: --state-dir %s had mode %04o; made it 0700 (it holds keys)\n",
             state_dir, imps_world_get_state_dir_old_mode (world));

  g_autoptr (ImpsPcapWriter) pcap = NULL;
  if (pcap_path)
    {
      pcap = imps_pcap_writer_new (pcap_path, &error);
      if (pcap == NULL)
        return cli_fail ("serve", "--pcap: %s", error->message);
      imps_pcap_writer_learn_network (pcap, imps_world_get_network (world));
      imps_pcap_writer_attach (pcap, imps_network_get_event_log (imps_world_get_network (world)));
    }

  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  if (log_events)
    cli_print_events (imps_network_get_event_log (imps_world_get_network (world)));

  imps_world_print_endpoints (world, stdout);
  g_autofree gchar *ca_path = NULL;
  g_autofree gchar *ca_dir = NULL;
  if (imps_world_get_ca_pem (world))
    {
      /* the run's CA certificate (public), for outside Zk clients */
      if (state_dir == NULL)
        ca_dir = g_dir_make_tmp ("impsim-serve-XXXXXX", &error);
      ca_path = g_build_filename (state_dir ? state_dir : ca_dir ? ca_dir : ".", "zk-ca.pem",
                                  NULL);
      int fd = g_open (ca_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      const gchar *pem = imps_world_get_ca_pem (world);
      if (fd < 0 || write (fd, pem, strlen (pem)) != (gssize) strlen (pem))
        g_clear_pointer (&ca_path, g_free);
      if (fd >= 0)
        close (fd);
      if (ca_path)
        printf ("Zk CA certificate: %s\n", ca_path);
    }
  printf ("serving %s (seed %" G_GUINT64_FORMAT "); stop with Ctrl-C\n", argv[1],
          imps_world_get_seed (world));
  fflush (stdout);
  g_main_loop_run (loop);

  guint n = imps_event_log_len (imps_network_get_event_log (imps_world_get_network (world)));
  int ret = CLI_EXIT_OK;
  if (pcap)
    {
      /* FIN for every connection; the writer is done before the network goes. */
      if (!imps_pcap_writer_close (pcap, &error))
        ret = cli_fail ("serve", "--pcap: %s", error->message);
      else
        printf ("capture %s: %" G_GUINT64_FORMAT " packets\n", pcap_path,
                imps_pcap_writer_get_packets (pcap));
      g_clear_pointer (&pcap, imps_pcap_writer_free);
    }
  g_clear_pointer (&world, imps_world_free);
  /* Let closed connections finish their callbacks. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (ca_dir)
    {
      g_unlink (ca_path);
      g_rmdir (ca_dir);
    }
  printf ("stopped after %u logged events\n", n);
  return ret;
}
