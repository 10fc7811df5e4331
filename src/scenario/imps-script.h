/* The [script] of a scenario, read and checked: every step's verb and
 * arguments, the names they use (devices, operators, nodes, reference
 * points) and the bounds on the work they ask for, all before anything runs.
 *
 * This module needs only the ImpsScenario: the runner binds the steps it
 * returns to the world's nodes, which cannot fail once the script checked.
 * docs/scenario-format.md lists every verb and expectation.
 */
#pragma once

#include "imps-scenario.h"
#include "imps-attack.h"
#include "imps-load.h"

G_BEGIN_DECLS

/* Bounds on the work a script asks for (docs/scenario-format.md). */
#define IMPS_SCRIPT_MAX_ADVANCE_US (G_GINT64_CONSTANT (30) * 86400 * G_USEC_PER_SEC)
#define IMPS_SCRIPT_MAX_TOTAL_ADVANCE_US (G_GINT64_CONSTANT (366) * 86400 * G_USEC_PER_SEC)
#define IMPS_SCRIPT_MAX_MEDIA_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define IMPS_SCRIPT_MAX_TOTAL_MEDIA_US (G_GINT64_CONSTANT (4) * 3600 * G_USEC_PER_SEC)
/* REGISTER refreshes that the script's `advance` steps may cause, estimated
 * from the devices registered before each one and the refresh interval of
 * their operator's S-CSCF (imps_script_refresh_us()). */
#define IMPS_SCRIPT_MAX_REFRESHES 5000
#define IMPS_SCRIPT_REFRESH_US (G_GINT64_CONSTANT (1800) * G_USEC_PER_SEC)

/* How often (µs) a UE refreshes a registration its S-CSCF grants for at
 * most REGISTRATION_MAX seconds (the operator's `registration-max`). */
gint64 imps_script_refresh_us (guint registration_max);

typedef enum {
  IMPS_SCRIPT_BOOTSTRAP,
  IMPS_SCRIPT_ADVANCE,
  IMPS_SCRIPT_RESTART,
  IMPS_SCRIPT_REGISTER,
  IMPS_SCRIPT_CALL,
  IMPS_SCRIPT_HANGUP,
  IMPS_SCRIPT_EXPECT,
  IMPS_SCRIPT_ATTACK,
  IMPS_SCRIPT_ANSWER,        /* imps-callctl.c: how a device answers the calls that come next */
  IMPS_SCRIPT_TICKET,        /* imps-tickets.c: a named ticket request */
  IMPS_SCRIPT_FORGET_BTID,   /* a BSF forgets a device's B-TID */
  IMPS_SCRIPT_LOAD,
} ImpsScriptVerb;

typedef enum {
  IMPS_EXPECT_OK,
  IMPS_EXPECT_FAIL,
  IMPS_EXPECT_REFUSAL,
  IMPS_EXPECT_MESSAGE,
  IMPS_EXPECT_NO_MESSAGE,
  IMPS_EXPECT_BOOTSTRAPPED,
  IMPS_EXPECT_ESTABLISHED,
  IMPS_EXPECT_SIP,
  IMPS_EXPECT_MEDIA,
  IMPS_EXPECT_EXPOSURE,
  IMPS_EXPECT_FORKS_DIFFER,
  IMPS_EXPECT_FORKS_SHARE,
  IMPS_EXPECT_MEDIA_REJECTED,
  IMPS_EXPECT_ANSWERED_BY,
  IMPS_EXPECT_CANCELLED,     /* imps-callctl.c */
  IMPS_EXPECT_TICKET,        /* imps-tickets.c: ticket NAME flags ... | validity DURATION */
} ImpsScriptExpect;

/* The values of call ... security= (the order of ImpsUeSecurity). */
typedef enum {
  IMPS_SCRIPT_SECURITY_NONE,
  IMPS_SCRIPT_SECURITY_SDES_E2E,
  IMPS_SCRIPT_SECURITY_SDES_E2AE,
  IMPS_SCRIPT_SECURITY_MIKEY_TICKET,
} ImpsScriptSecurity;

typedef struct {
  ImpsScriptVerb verb;
  const ImpsStepSpec *spec;  /* borrowed from the scenario */
  gchar *device;             /* the device acting or named: "alice", "bob.tablet" */
  guint op;                  /* restart: the operator's index */
  gchar *node;               /* restart: hss|bsf|kms|pcscf|scscf|agw; refusal, exposure: a node name */
  gboolean wiped;            /* restart: hss|bsf|kms start with an empty store */
  gchar *callee;             /* call: the URI called (a subscriber's first IMPU or as given) */
  ImpsScriptSecurity security;
  gint64 media_us;           /* call: media after the answer */
  gint64 duration_us;        /* advance */
  ImpsScriptExpect expect;
  gchar *ref;                /* message, no-message: "Ub", ..., "media" */
  gchar *text;               /* fail, refusal, message: text to find; may be NULL */
  guint status;              /* sip */
  gboolean keys;             /* exposure: keys (TRUE) or none; media-rejected: replays (TRUE)
                              * or auth-failures */
  ImpsAttackSpec *attack;    /* attack */
  gint64 cancel_after_us;    /* call: the caller CANCELs after this long unanswered (0: never) */
  gint64 ring_us;            /* answer: ring time (0: the device's default) */
  guint count;               /* cancelled: N; message: count=N when has_count */
  gboolean has_count;
  gchar *from;               /* message, no-message: from=NODE (may be NULL) */
  gchar *to;                 /* message, no-message: to=NODE (may be NULL) */
  gchar *ticket;             /* ticket, call ticket=, expect ticket: the ticket's NAME */
  gint reuse;                /* ticket: reuse= 1/0, -1 not given (the profile's default) */
  gint forking;              /* ticket: forking= 1/0, -1 not given */
  guint n_keys;              /* ticket: keys=N (0: the KMS's default, one TGK) */
  guint32 flags_set;         /* expect ticket flags: the flags that must be 1 */
  guint32 flags_clear;       /* ... and those that must be 0 */
  ImpsLoadSpec *load;        /* load */
} ImpsScriptStep;

void imps_script_step_free (ImpsScriptStep *step);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsScriptStep, imps_script_step_free)

/* Reads and checks every step of @s: a GPtrArray of ImpsScriptStep*, in
 * order, or NULL with @error naming the file, the line and the verb. */
GPtrArray *imps_script_parse (const ImpsScenario *s, GError **error);

/* "2h", "90s", "1.5s", "20ms", "3d": digits with at most one '.', then an
 * optional unit (s by default). No sign, hex or exponent. */
gboolean imps_script_parse_duration_us (const gchar *text, gint64 *out, GError **error);

/* TRUE when @name is a node the scenario runs: "kms.home1.net". */
gboolean imps_script_is_node (const ImpsScenario *s, const gchar *name);

G_END_DECLS
