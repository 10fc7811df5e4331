/* Scenario files: the network a run builds (operators, subscribers, KMS
 * policies, groups, cooperation agreements) and the script it runs.
 *
 * The syntax is GLib's key file (GKeyFile): [groups], key = value lines, '#'
 * comments. docs/scenario-format.md describes every group and key. Errors
 * name the file, the line and the key.
 *
 * This module only reads and checks the file; the nodes are built by
 * src/scenario's runner from the ImpsScenario it returns.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_SCENARIO_ERROR (imps_scenario_error_quark ())
GQuark imps_scenario_error_quark (void);

typedef enum {
  IMPS_SCENARIO_ERROR_SYNTAX,      /* not key-file syntax */
  IMPS_SCENARIO_ERROR_UNKNOWN,     /* a group or key impsim does not know */
  IMPS_SCENARIO_ERROR_MISSING,     /* a required key is absent */
  IMPS_SCENARIO_ERROR_VALUE,       /* a value of the wrong form */
  IMPS_SCENARIO_ERROR_DUPLICATE,   /* two things with one name or number */
  IMPS_SCENARIO_ERROR_REFERENCE,   /* names something that is not declared */
  IMPS_SCENARIO_ERROR_TOO_LARGE,   /* over a size or count bound */
} ImpsScenarioError;

/* Bounds. */
#define IMPS_SCENARIO_MAX_SIZE (16 * 1024 * 1024)
#define IMPS_SCENARIO_MAX_LINE 4096
#define IMPS_SCENARIO_MAX_OPERATORS 32
#define IMPS_SCENARIO_MAX_SUBSCRIBERS 16384
#define IMPS_SCENARIO_MAX_DEVICES 16
#define IMPS_SCENARIO_MAX_STEPS 100000
#define IMPS_SCENARIO_MAX_DIAMETER_PEERS 16
#define IMPS_SCENARIO_MAX_CLOCK_SKEW (366 * 86400) /* seconds, either way */
#define IMPS_SCENARIO_MAX_PSK_ID 64

typedef enum {
  IMPS_OP_NODE_HSS = 1 << 0,
  IMPS_OP_NODE_BSF = 1 << 1,
  IMPS_OP_NODE_KMS = 1 << 2,
  IMPS_OP_NODE_PCSCF = 1 << 3,
  IMPS_OP_NODE_SCSCF = 1 << 4,
  IMPS_OP_NODE_AGW = 1 << 5,
} ImpsOperatorNodes;

/* The S-CSCF's longest registration unless `registration-max` says otherwise:
 * what the UE asks for (TS 24.229 §5.1.1.2.1), so none is shortened. */
#define IMPS_SCENARIO_REGISTRATION_MAX 600000

typedef struct {
  gchar *name;            /* from the group name: [operator home1] */
  guint number;           /* 1..255: 127.0.<number>.X */
  gchar *domain;          /* home1.net */
  guint nodes;            /* ImpsOperatorNodes */
  guint ks_lifetime;      /* BSF default Ks lifetime in seconds */
  guint registration_max; /* the longest registration the S-CSCF grants, in seconds */
  GStrv zh_peers;         /* outside peers the HSS answers: "host@address", or NULL */
  GStrv zn_peers;         /* outside NAFs the BSF answers: "host@address", or NULL */
  gint64 bsf_clock_skew;  /* seconds the BSF's clock is ahead of the run's (< 0: behind) */
  gint64 kms_clock_skew;  /* the same for the KMS */
  guint line;
} ImpsOperatorSpec;

typedef struct {
  gchar *name;            /* [subscriber alice] */
  guint op;               /* index into operators */
  gchar *impi;
  GStrv impus;            /* at least one; the first is the default */
  guint8 k[16];
  guint8 opc[16];         /* given, or derived from op by the caller */
  guint8 op_value[16];
  gboolean has_op;        /* op_value given instead of opc */
  guint8 sqn[6];          /* the HSS's next SQN (its SEQ at least 1) */
  guint8 usim_sqn[6];     /* the USIM's SQN_MS, the highest SQN it accepted */
  gboolean has_usim_sqn;  /* FALSE: a fresh USIM (every SEQ_MS 0) */
  guint8 amf[2];
  guint ind_bits;         /* SQN = SEQ || IND; 0..10 */
  GStrv devices;          /* device names; at least one */
  guint ks_lifetime;      /* GUSS lifetime in seconds; 0 = operator default */
  guint answer_after;     /* seconds every device rings before it answers; 0: 2 s, 3 s, ... by device */
  gchar *password;        /* SIP Digest password of an outside device slot, or NULL */
  gint64 clock_skew;      /* seconds the devices' clocks are ahead of the run's (< 0: behind) */
  gchar *psk_id;          /* a static PSK's key id (psk = KEYID:HEX), or NULL: GBA */
  guint8 psk[32];         /* the static PSK the KMS holds */
  gsize psk_len;          /* 16 or 32 */
  guint8 device_psk[32];  /* the key the devices hold (device-psk), else psk */
  gsize device_psk_len;   /* 0: the devices hold psk */
  guint line;
} ImpsSubscriberSpec;

typedef struct {
  guint op;               /* the KMS's operator */
  gchar *user;            /* a public identity, or NULL for the KMS default */
  guint validity;         /* seconds; longest ticket validity granted */
  gboolean reuse;
  gboolean forking;
  guint max_keys;
  GStrv may_request_for;  /* identity patterns: "sip:*@home1.net", "sip:bob@home2.net", "*";
                           * NULL: the KMS default (own domain and agreement domains) */
  guint line;
} ImpsKmsPolicySpec;

typedef struct {
  guint op;
  gchar *name;            /* [group friends] */
  gchar *identity;        /* sip:friends@home1.net */
  GStrv members;
  guint line;
} ImpsGroupSpec;

typedef struct {
  gchar *name;            /* [agreement home1-home2] */
  guint op_a;
  guint op_b;
  guint8 key[32];         /* the pair key of the two KMSs */
  gsize key_len;          /* 0 = not given: derived from the run's seed */
  guint8 key_b[32];       /* keys = A; B: the key op_b's KMS holds, when it differs */
  gsize key_b_len;        /* 0: op_b holds key (or the derived key) as op_a does */
  gboolean at_a;          /* op_a's KMS has the agreement configured (configured-by) */
  gboolean at_b;          /* op_b's KMS has it; both by default, one for a one-way agreement */
  guint line;
} ImpsAgreementSpec;

typedef struct {
  gchar *verb;            /* "call" */
  gchar *args;            /* "alice bob security=mikey-ticket" */
  guint line;
} ImpsStepSpec;

typedef struct {
  gchar *path;            /* as given, for messages */
  gchar *name;
  gchar *description;
  guint64 seed;
  gboolean has_seed;
  gint64 start_unix_us;   /* virtual clock start */
  GPtrArray *operators;   /* ImpsOperatorSpec* */
  GPtrArray *subscribers; /* ImpsSubscriberSpec* */
  GPtrArray *policies;    /* ImpsKmsPolicySpec* */
  GPtrArray *groups;      /* ImpsGroupSpec* */
  GPtrArray *agreements;  /* ImpsAgreementSpec* */
  GPtrArray *steps;       /* ImpsStepSpec*, in file order, repeats expanded */
  GHashTable *subscriber_index; /* name -> ImpsSubscriberSpec* (borrowed) */
} ImpsScenario;

ImpsScenario *imps_scenario_load_file (const gchar *path, GError **error);
/* @display_name is used in messages in place of a file name. */
ImpsScenario *imps_scenario_load_data (const gchar *data, gsize len,
                                       const gchar *display_name,
                                       GError **error);
void imps_scenario_free (ImpsScenario *scenario);

const ImpsOperatorSpec *imps_scenario_find_operator (const ImpsScenario *s,
                                                     const gchar *name);
const ImpsSubscriberSpec *imps_scenario_find_subscriber (const ImpsScenario *s,
                                                         const gchar *name);

/* A device of the script: "alice" (the subscriber's first device), or
 * "bob.tablet" (any device, the first one too: "bob.phone"). Names hold no
 * dot, so the split is unambiguous. FALSE with an error that lists the
 * valid names. */
gboolean imps_scenario_find_device (const ImpsScenario *s, const gchar *name,
                                    const ImpsSubscriberSpec **subscriber, guint *device,
                                    GError **error);
/* The device's name in reports: "alice" for a first device, "bob.tablet". */
gchar *imps_scenario_device_name (const ImpsSubscriberSpec *subscriber, guint device);

/* A range of names, "u1..u1000" or "u1..u999/2": a prefix (letters,
 * digits, '-' and '_', not ending in a digit) and two numbers without
 * leading zeros, first <= last, with an optional step; at most @max names.
 * FALSE with a reason when @text is not one. */
typedef struct {
  gchar *prefix;
  guint64 first, last, step;
  guint64 count;
} ImpsNameRange;

gboolean imps_name_range_parse (const gchar *text, guint64 max, ImpsNameRange *out,
                                GError **error);
/* TRUE when @text has the shape of a range (PREFIXa..PREFIXb...), valid or not. */
gboolean imps_name_range_looks_like (const gchar *text, gsize len);
void imps_name_range_clear (ImpsNameRange *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsNameRange, imps_name_range_clear)
/* The i-th name (0-based) of the range. */
gchar *imps_name_range_name (const ImpsNameRange *r, guint64 i);

/* Expands the [script]'s ranges and repeat blocks into plain steps
 * (imps-repeat.c); called by the loaders. */
gboolean imps_scenario_expand_steps (ImpsScenario *s, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsScenario, imps_scenario_free)

G_END_DECLS
