/* A world: the network of a scenario file, built and started. One HSS, BSF
 * and KMS per operator as the file says, each on its own loopback address
 * (profile §9), sharing one clock, one random root and one event log.
 *
 * `impsim serve` starts a world on a real clock for outside clients;
 * `impsim run` starts one on a virtual clock and drives the script.
 */
#pragma once

#include <stdio.h>

#include "imps-scenario.h"
#include "imps-network.h"

G_BEGIN_DECLS

typedef struct {
  gboolean virtual_clock;   /* TRUE: start at the scenario's start time */
  gboolean has_seed;        /* seed given on the command line (wins over the file) */
  guint64 seed;
  const gchar *state_dir;   /* NULL: every store in memory */
  guint16 port_base;        /* 0: the kernel chooses */
} ImpsWorldOptions;

typedef struct _ImpsWorld ImpsWorld;

/* Builds every node and starts its servers. */
ImpsWorld *imps_world_new (const ImpsScenario *scenario,
                           const ImpsWorldOptions *options, GError **error);
void imps_world_free (ImpsWorld *world);

ImpsNetwork *imps_world_get_network (ImpsWorld *world);
/* The seed in use (given, from the file, or drawn). */
guint64 imps_world_get_seed (ImpsWorld *world);

/* One line per endpoint: "BSF Ub http://127.0.1.20:PORT/". */
void imps_world_print_endpoints (ImpsWorld *world, FILE *out);

/* Ports with a port base: base + 80 (HTTP: Ub, Ua), base + 3868 (Diameter:
 * Zh, Zn), base + 443 (HTTPS: Zk); every node has its own address, so the
 * same port serves each operator's node. */
#define IMPS_WORLD_PORT_HTTP 80
#define IMPS_WORLD_PORT_DIAMETER 3868
#define IMPS_WORLD_PORT_HTTPS 443

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsWorld, imps_world_free)

G_END_DECLS
