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
#include "imps-keylog.h"
#include "imps-kms.h"
#include "imps-ladder.h"
#include "imps-network.h"
#include "imps-ue.h"
#include "imps-ue-sip.h"
#include "imps-ue-ua.h"

G_BEGIN_DECLS

typedef struct {
  gboolean virtual_clock;   /* TRUE: start at the scenario's start time */
  gboolean has_seed;        /* seed given on the command line (wins over the file) */
  guint64 seed;
  const gchar *state_dir;   /* NULL: every store in memory */
  guint16 port_base;        /* 0: the kernel chooses */
  ImpsKeyLog *key_log;      /* NULL: no key log; not owned */
  const gchar *zk_trust_pem; /* more Zk trust anchors (PEM CA certificates, e.g. an outside
                              * KMS's CA); NULL: the run's CA only; not owned */
  const gchar *zk_ca_cert_pem; /* with zk_ca_key_pem: issue the KMSs' Zk certificates from
                               * this CA instead of a new one; NULL: a CA per run; not owned */
  const gchar *zk_ca_key_pem;
  gboolean sip_sockets;     /* each P-CSCF's Gm also on real UDP and TCP (serve) */
  guint16 media_port_first; /* with media_port_last: every UE's and IMS-AGW's media ports in */
  guint16 media_port_last;  /* first..last (first even, at least 4 ports); 0: UEs from 40000,
                             * AGWs from 20000 */
  gboolean http_per_address_cap_set; /* TRUE: every HTTP server (Ub, Ua, Zk) takes the cap below */
  guint http_per_address_cap;        /* connections at once from one IP address; 0: none */
} ImpsWorldOptions;

typedef struct _ImpsWorld ImpsWorld;

/* Builds every node and starts its servers. */
ImpsWorld *imps_world_new (const ImpsScenario *scenario,
                           const ImpsWorldOptions *options, GError **error);
void imps_world_free (ImpsWorld *world);

ImpsNetwork *imps_world_get_network (ImpsWorld *world);
/* The in-process SIP and media delivery (for media taps). */
ImpsSipBus *imps_world_get_bus (ImpsWorld *world);
/* Declares the operators and nodes to @ladder in the profile's order. */
void imps_world_describe_ladder (ImpsWorld *world, ImpsLadder *ladder);
/* The seed in use (given, from the file, or drawn). */
guint64 imps_world_get_seed (ImpsWorld *world);
/* The mode the state folder had when the world made it private (0700),
 * or 0 when it was created or already private. */
guint imps_world_get_state_dir_old_mode (ImpsWorld *world);
/* The run's CA certificate (PEM) that signs every KMS's Zk certificate;
 * NULL when no KMS serves Zk. */
const gchar *imps_world_get_ca_pem (ImpsWorld *world);
/* Where the KMS @kms_fqdn serves Zk (its address, borrowed, and port):
 * FALSE when no KMS of the network has that name or it serves no Zk. */
gboolean imps_world_kms_zk_endpoint (ImpsWorld *world, const gchar *kms_fqdn,
                                     const gchar **address, guint16 *port);

/* A subscriber's device as the runner drives it. */
typedef struct {
  gchar *name;          /* "alice", "bob.tablet" */
  guint op;             /* operator index */
  guint device_index;   /* 0 for a subscriber's first device */
  guint answer_after;   /* seconds of ringing before answering; 0: 2 + device_index */
  const gchar *impu;    /* the subscriber's first public identity */
  const gchar *const *impus; /* all of them (the first is impu); the scenario's */
  ImpsUe *ue;
  ImpsUeUa *ua;         /* NULL when the operator runs no KMS */
  ImpsUeSip *sip;       /* NULL when the operator runs no P-CSCF */
} ImpsWorldDevice;

ImpsWorldDevice *imps_world_find_device (ImpsWorld *world, const gchar *name);

/* A call as one device saw it. */
typedef struct {
  ImpsWorldDevice *device;
  ImpsUeCall *call;
} ImpsWorldCall;

/* Every device's view of the call with @call_id (ImpsWorldCall*, in the
 * order the devices made or took them; owned by the world), or NULL when
 * no device has such a call. A hash look-up: the cost does not grow with
 * the calls of the run. */
GPtrArray *imps_world_find_calls (ImpsWorld *world, const gchar *call_id);
/* Nothing will read the call with @call_id any more: every device's view
 * of it is freed once it is long over (imps_ue_call_release()), and leaves
 * the index then. For runs that keep no record of finished calls. */
void imps_world_release_call (ImpsWorld *world, const gchar *call_id);
/* How many times imps_world_find_calls() looked at a device's calls, in all:
 * once per device that made or got a call since the look-up before. */
guint64 imps_world_count_call_index_visits (ImpsWorld *world);
/* The device whose subscriber has @name_or_impu (a subscriber NAME or an
 * IMPU) as its first device, for call targets. */
const gchar *imps_world_resolve_impu (ImpsWorld *world, const gchar *name_or_impu);

/* Which nodes of the network could read the media keys of the call with
 * @call_id, and what media they carried (the network observer). Appends
 * one line per node to @out; returns the number of nodes that could read
 * keys. */
guint imps_world_call_exposure (ImpsWorld *world, const gchar *call_id, ImpsUeSecurity security,
                                GString *out);
/* The IMS-AGW of @device's operator as the ladder names it
 * ("agw.home1.net", a new string in *@agw_name) and its counters for
 * @call_id: TRUE when that AGW relayed the call's media (e2ae). */
gboolean imps_world_call_agw (ImpsWorld *world, const gchar *device, const gchar *call_id,
                              gchar **agw_name, guint64 *srtp_in, guint64 *rtp_out_core,
                              guint64 *rtp_in_core, guint64 *srtp_out, guint64 *auth_failures);

/* One node that saw a call, for the structured observer report: could it
 * read (or derive) the call's media keys, and why. */
typedef struct {
  gchar *node;            /* "pcscf.home1.net", "kms.home2.net" */
  gchar *role;            /* "P-CSCF", "S-CSCF", "KMS" */
  gboolean keys;          /* could read or derive the media keys */
  gchar *reason;          /* why (or why not), in words */
} ImpsWorldKeyReader;

void imps_world_key_reader_free (ImpsWorldKeyReader *reader);
/* What imps_world_call_exposure() writes as text, as one
 * ImpsWorldKeyReader* per node that saw @call_id, in the same order. */
GPtrArray *imps_world_call_key_readers (ImpsWorld *world, const gchar *call_id,
                                        ImpsUeSecurity security);
/* The BSF of @operator_name forgets @ue's B-TID (scenario `forget-btid`). */
gboolean imps_world_forget_btid (ImpsWorld *world, const gchar *operator_name, ImpsUe *ue,
                                 GError **error);

/* TRUE when the named node (e.g. "pcscf.home1.net") could read the media
 * keys of @call_id. */
gboolean imps_world_node_saw_keys (ImpsWorld *world, const gchar *node, const gchar *call_id,
                                   ImpsUeSecurity security);

/* The UE of a subscriber's device: "alice" (a subscriber's first device),
 * or "bob.tablet". NULL when there is none. */
ImpsUe *imps_world_find_ue (ImpsWorld *world, const gchar *name);
/* Every UE, in scenario order (subscribers, then devices). */
GPtrArray *imps_world_get_ues (ImpsWorld *world);
/* Where @ue bootstraps: its home operator's BSF. FALSE when that operator
 * runs none. */
gboolean imps_world_ue_bsf (ImpsWorld *world, ImpsUe *ue, const gchar **fqdn,
                            const gchar **address, guint16 *port);
/* Stops and starts a node again from its state (in memory: empty). @node
 * is "hss", "bsf", "kms", "pcscf", "scscf" or "agw", @operator the
 * operator's NAME. @wiped (hss, bsf, kms): the node's store file is deleted
 * first, so it starts as on first use. */
gboolean imps_world_restart (ImpsWorld *world, const gchar *node,
                             const gchar *operator_name, gboolean wiped, GError **error);

/* The Gm sockets of operator @op's P-CSCF (serve), or NULL. */
struct _ImpsPcscfGm;
struct _ImpsPcscfGm *imps_world_get_pcscf_gm (ImpsWorld *world, guint op);
/* The Mw sockets of operator @op's S-CSCF (serve), for an outside P-CSCF,
 * or NULL. */
struct _ImpsPcscfGm *imps_world_get_scscf_mw (ImpsWorld *world, guint op);

/* One line per endpoint: "BSF Ub http://127.0.1.20:PORT/". */
void imps_world_print_endpoints (ImpsWorld *world, FILE *out);

/* Ports with a port base: base + 80 (HTTP: Ub, Ua), base + 3868 (Diameter:
 * Zh, Zn), base + 443 (HTTPS: Zk); every node has its own address, so the
 * same port serves each operator's node. */
#define IMPS_WORLD_PORT_HTTP 80
#define IMPS_WORLD_PORT_DIAMETER 3868
#define IMPS_WORLD_PORT_HTTPS 443

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsWorld, imps_world_free)

/* Gives @kms the configuration of operator number @op (1-based,
 * ImpsOperatorSpec.number) in @scenario: its [policy] rows, [group]s and
 * the [agreement]s it has configured (a one-way agreement only on the side
 * that has it; `keys = A; B` each side its own key). An agreement without
 * a key gets one derived from @seed_key (HMAC-SHA-256 over the two KMS
 * names in sorted order), so that both KMSs of a run derive the same key.
 * (imps-world-kms.c) */
gboolean imps_world_load_kms (ImpsKms *kms, const ImpsScenario *scenario, guint op,
                              const guint8 *seed_key, gsize seed_key_len, GError **error);

G_END_DECLS
