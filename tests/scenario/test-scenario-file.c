/* Scenario files: the documented example loads with every value in place,
 * and each kind of mistake is reported with file, line and key. */
#include "imps-scenario.h"
#include "imps-script.h"
#include "imps-test.h"

#include <string.h>

static const gchar *example_path;

static void
test_example (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = imps_scenario_load_file (example_path, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (s->name, ==, "two-operators");
  g_assert_true (s->has_seed);
  g_assert_cmpuint (s->seed, ==, 42);
  /* 2026-01-01T08:00:00Z */
  g_assert_cmpint (s->start_unix_us, ==, G_GINT64_CONSTANT (1767254400) * G_USEC_PER_SEC);

  g_assert_cmpuint (s->operators->len, ==, 2);
  const ImpsOperatorSpec *h1 = imps_scenario_find_operator (s, "home1");
  const ImpsOperatorSpec *h2 = imps_scenario_find_operator (s, "home2");
  g_assert_nonnull (h1);
  g_assert_cmpuint (h1->number, ==, 1);
  g_assert_cmpstr (h1->domain, ==, "home1.net");
  g_assert_cmpuint (h1->ks_lifetime, ==, 3600);
  g_assert_cmpuint (h1->registration_max, ==, 600000);
  g_assert_cmpuint (h2->nodes, ==, IMPS_OP_NODE_HSS | IMPS_OP_NODE_BSF | IMPS_OP_NODE_KMS
                                   | IMPS_OP_NODE_PCSCF | IMPS_OP_NODE_SCSCF | IMPS_OP_NODE_AGW);

  const ImpsSubscriberSpec *alice = imps_scenario_find_subscriber (s, "alice");
  imps_assert_hex (alice->k, 16, "465b5ce8b199b49faa5f0a2ee238a6bc");
  imps_assert_hex (alice->opc, 16, "cd63cb71954a9f4e48a5994e37a02baf");
  imps_assert_hex (alice->sqn, 6, "ff9bb4d0b607");
  imps_assert_hex (alice->amf, 2, "b9b9");
  g_assert_false (alice->has_op);
  g_assert_cmpuint (alice->ind_bits, ==, 5);
  g_assert_cmpstrv (alice->devices, ((const gchar *[]) { "phone", NULL }));

  const ImpsSubscriberSpec *bob = imps_scenario_find_subscriber (s, "bob");
  g_assert_true (bob->has_op);
  imps_assert_hex (bob->op_value, 16, "dbc59adcb6f9a0ef735477b7fadf8374");
  g_assert_cmpuint (bob->op, ==, 1);
  g_assert_cmpstrv (bob->impus, ((const gchar *[]) { "sip:bob@home2.net", "tel:+15550100", NULL }));
  g_assert_cmpstrv (bob->devices, ((const gchar *[]) { "phone", "tablet", NULL }));
  g_assert_cmpuint (bob->ks_lifetime, ==, 7200);
  /* Defaults: SQN 0x20, AMF 0000. */
  const ImpsSubscriberSpec *carol = imps_scenario_find_subscriber (s, "carol");
  imps_assert_hex (carol->sqn, 6, "000000000020");
  imps_assert_hex (carol->amf, 2, "0000");

  g_assert_cmpuint (s->policies->len, ==, 2);
  const ImpsKmsPolicySpec *def = g_ptr_array_index (s->policies, 0);
  g_assert_null (def->user);
  g_assert_cmpstrv (def->may_request_for,
                    ((const gchar *[]) { "sip:*@home1.net", "sip:*@home2.net", NULL }));
  const ImpsKmsPolicySpec *cp = g_ptr_array_index (s->policies, 1);
  g_assert_cmpstr (cp->user, ==, "sip:carol@home1.net");
  g_assert_cmpuint (cp->validity, ==, 600);
  g_assert_false (cp->forking);
  g_assert_true (cp->reuse);          /* default kept */
  g_assert_cmpuint (cp->max_keys, ==, 4);

  const ImpsGroupSpec *g = g_ptr_array_index (s->groups, 0);
  g_assert_cmpstr (g->identity, ==, "sip:friends@home1.net");
  g_assert_cmpuint (g_strv_length (g->members), ==, 2);

  const ImpsAgreementSpec *a = g_ptr_array_index (s->agreements, 0);
  g_assert_cmpuint (a->op_a, ==, 0);
  g_assert_cmpuint (a->op_b, ==, 1);
  g_assert_cmpuint (a->key_len, ==, 16);

  g_assert_cmpuint (s->steps->len, ==, 10);
  const ImpsStepSpec *st = g_ptr_array_index (s->steps, 2);
  g_assert_cmpstr (st->verb, ==, "expect");
  g_assert_cmpstr (st->args, ==, "message Zh MAR");
  /* Repeated keys of [script] stay in file order. */
  g_assert_cmpstr (((ImpsStepSpec *) g_ptr_array_index (s->steps, 0))->args, ==, "alice");
  g_assert_cmpstr (((ImpsStepSpec *) g_ptr_array_index (s->steps, 3))->args, ==, "bob");
  g_assert_cmpstr (((ImpsStepSpec *) g_ptr_array_index (s->steps, 4))->args, ==, "bob.tablet");
}

#define OP1 "[operator a]\nnumber = 1\ndomain = a.net\n"
#define SUB "[subscriber u]\noperator = a\nimpi = u@a.net\nimpu = sip:u@a.net\n" \
            "k = 000102030405060708090a0b0c0d0e0f\n"

typedef struct {
  const gchar *name;
  const gchar *text;
  ImpsScenarioError code;
  const gchar *where; /* must appear in the message */
} Bad;

static const Bad bad_cases[] = {
  { "empty", "", IMPS_SCENARIO_ERROR_MISSING, "no [operator" },
  { "not-key-value", OP1 "oops\n", IMPS_SCENARIO_ERROR_SYNTAX, "t:4:" },
  { "key-before-group", "number = 1\n" OP1, IMPS_SCENARIO_ERROR_SYNTAX, "t:1:" },
  { "bad-group-header", "[operator a\n", IMPS_SCENARIO_ERROR_SYNTAX, "t:1:" },
  { "bad-key-name", OP1 "nu mber = 2\n", IMPS_SCENARIO_ERROR_SYNTAX, "t:4:" },
  { "duplicate-key", OP1 "number = 2\n", IMPS_SCENARIO_ERROR_DUPLICATE, "t:4: [operator a] number" },
  { "duplicate-group", OP1 OP1, IMPS_SCENARIO_ERROR_DUPLICATE, "t:4:" },
  { "unknown-group", OP1 "[router x]\n", IMPS_SCENARIO_ERROR_UNKNOWN, "t:4: [router x]" },
  { "unknown-key", OP1 "colour = red\n", IMPS_SCENARIO_ERROR_UNKNOWN, "t:4: [operator a] colour" },
  { "missing-number", "[operator a]\ndomain = a.net\n", IMPS_SCENARIO_ERROR_MISSING, "[operator a] number" },
  { "number-range", "[operator a]\nnumber = 256\ndomain = a.net\n", IMPS_SCENARIO_ERROR_VALUE, "t:2: [operator a] number" },
  { "number-text", "[operator a]\nnumber = one\ndomain = a.net\n", IMPS_SCENARIO_ERROR_VALUE, "'one'" },
  { "same-number", OP1 "[operator b]\nnumber = 1\ndomain = b.net\n", IMPS_SCENARIO_ERROR_DUPLICATE, "t:5: [operator b] number" },
  { "bad-domain", "[operator a]\nnumber = 1\ndomain = a net\n", IMPS_SCENARIO_ERROR_VALUE, "domain" },
  { "unknown-node", OP1 "nodes = hss; router\n", IMPS_SCENARIO_ERROR_VALUE, "router" },
  { "kms-without-bsf", OP1 "nodes = hss; kms\n", IMPS_SCENARIO_ERROR_VALUE, "needs the operator's bsf" },
  { "bad-duration", OP1 "ks-lifetime = 5y\n", IMPS_SCENARIO_ERROR_VALUE, "ks-lifetime" },
  { "zero-duration", OP1 "ks-lifetime = 0\n", IMPS_SCENARIO_ERROR_VALUE, "ks-lifetime" },
  { "registration-max-zero", OP1 "registration-max = 0s\n", IMPS_SCENARIO_ERROR_VALUE,
    "registration-max: '0s' is not a duration" },
  { "unknown-operator", OP1 "[subscriber u]\noperator = b\n", IMPS_SCENARIO_ERROR_REFERENCE, "t:5: [subscriber u] operator" },
  { "short-k", OP1 "[subscriber u]\noperator = a\nimpi = u@a.net\nimpu = sip:u@a.net\nk = 0001\nopc = 000102030405060708090a0b0c0d0e0f\n",
    IMPS_SCENARIO_ERROR_VALUE, "t:8: [subscriber u] k: expected 16 bytes" },
  { "bad-hex", OP1 SUB "opc = zz0102030405060708090a0b0c0d0e0f\n", IMPS_SCENARIO_ERROR_VALUE, "[subscriber u] opc" },
  { "no-opc-nor-op", OP1 SUB, IMPS_SCENARIO_ERROR_MISSING, "[subscriber u] opc" },
  { "both-opc-and-op", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\nop = 000102030405060708090a0b0c0d0e0f\n",
    IMPS_SCENARIO_ERROR_VALUE, "exactly one" },
  { "impu-not-uri", OP1 "[subscriber u]\noperator = a\nimpi = u@a.net\nimpu = u@a.net\n", IMPS_SCENARIO_ERROR_VALUE, "[subscriber u] impu" },
  { "ind-bits", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\nind-bits = 11\n", IMPS_SCENARIO_ERROR_VALUE, "ind-bits" },
  { "empty-password", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\npassword =\n", IMPS_SCENARIO_ERROR_VALUE, "[subscriber u] password" },
  { "same-device", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\ndevices = a; a\n", IMPS_SCENARIO_ERROR_DUPLICATE, "devices" },
  { "same-impi", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\n"
    "[subscriber v]\noperator = a\nimpi = u@a.net\nimpu = sip:v@a.net\nk = 000102030405060708090a0b0c0d0e0f\nopc = 000102030405060708090a0b0c0d0e0f\n",
    IMPS_SCENARIO_ERROR_DUPLICATE, "[subscriber v] impi" },
  { "policy-no-kms", "[operator a]\nnumber = 1\ndomain = a.net\nnodes = hss; bsf\n[policy p]\noperator = a\n",
    IMPS_SCENARIO_ERROR_REFERENCE, "runs no kms" },
  { "policy-unknown-user", OP1 "[policy p]\noperator = a\nuser = sip:nobody@a.net\n", IMPS_SCENARIO_ERROR_REFERENCE, "nobody" },
  { "policy-bad-bool", OP1 "[policy p]\noperator = a\nreuse = maybe\n", IMPS_SCENARIO_ERROR_VALUE, "[policy p] reuse" },
  { "group-unknown-member", OP1 "[group g]\noperator = a\nidentity = sip:g@a.net\nmembers = sip:x@a.net\n",
    IMPS_SCENARIO_ERROR_REFERENCE, "sip:x@a.net" },
  { "agreement-one-op", OP1 "[agreement x]\noperators = a\n", IMPS_SCENARIO_ERROR_VALUE, "two different operators" },
  { "agreement-bad-key", OP1 "[operator b]\nnumber = 2\ndomain = b.net\n[agreement x]\noperators = a; b\nkey = 0001\n",
    IMPS_SCENARIO_ERROR_VALUE, "[agreement x] key" },
  { "bad-start", "[scenario]\nstart = yesterday\n" OP1, IMPS_SCENARIO_ERROR_VALUE, "t:2: [scenario] start" },
  { "empty-name", "[scenario]\nname =\n" OP1, IMPS_SCENARIO_ERROR_VALUE, "[scenario] name: empty" },
  { "group-name-space", "[operator a b]\n", IMPS_SCENARIO_ERROR_SYNTAX, "[operator a b]" },
  /* A name with a dot would make NAME.DEVICE ambiguous. */
  { "subscriber-dot", OP1 "[subscriber u.v]\noperator = a\n", IMPS_SCENARIO_ERROR_VALUE,
    "'u.v' is not a subscriber name" },
  { "device-dot", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\ndevices = a.b\n",
    IMPS_SCENARIO_ERROR_VALUE, "'a.b' is not a device name" },
  /* Durations are digits: no sign, no hex. */
  { "duration-sign", OP1 "ks-lifetime = +5\n", IMPS_SCENARIO_ERROR_VALUE, "ks-lifetime" },
  { "duration-hex", OP1 "ks-lifetime = 0x10\n", IMPS_SCENARIO_ERROR_VALUE, "ks-lifetime" },
  /* The HSS never sends SEQ 0: refused, not raised to SEQ 1. */
  { "sqn-seq-0", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\nsqn = 00000000001f\n",
    IMPS_SCENARIO_ERROR_VALUE, "SEQ is 0" },
  { "usim-sqn-short", OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\nusim-sqn = 0400\n",
    IMPS_SCENARIO_ERROR_VALUE, "usim-sqn" },
  /* The IMS core runs as one: no P-CSCF without its IMS-AGW. */
  { "pcscf-without-agw", OP1 "nodes = hss; bsf; pcscf; scscf\n", IMPS_SCENARIO_ERROR_VALUE,
    "pcscf, scscf and agw together" },
  { "agw-alone", OP1 "nodes = hss; agw\n", IMPS_SCENARIO_ERROR_VALUE, "pcscf, scscf and agw together" },
};

/* ---- the [script]: every step checked from the scenario alone ---- */

#define NET "[operator a]\nnumber = 1\ndomain = a.net\n" \
  "[operator b]\nnumber = 2\ndomain = b.net\nnodes = hss; bsf\n" \
  "[subscriber u]\noperator = a\nimpi = u@a.net\nimpu = sip:u@a.net\n" \
  "k = 000102030405060708090a0b0c0d0e0f\nopc = 000102030405060708090a0b0c0d0e0f\ndevices = phone; tab\n" \
  "[subscriber w]\noperator = b\nimpi = w@b.net\nimpu = sip:w@b.net\n" \
  "k = 000102030405060708090a0b0c0d0e0f\nopc = 000102030405060708090a0b0c0d0e0f\n[script]\n"
#define R30 "advance = 30d\n"
/* NET with operator a's S-CSCF granting at most V */
#define NET_SHORT_REG_V(V) "[operator a]\nnumber = 1\ndomain = a.net\nregistration-max = " V "\n" \
  "[subscriber u]\noperator = a\nimpi = u@a.net\nimpu = sip:u@a.net\n" \
  "k = 000102030405060708090a0b0c0d0e0f\nopc = 000102030405060708090a0b0c0d0e0f\ndevices = phone; tab\n" \
  "[script]\n"
#define NET_SHORT_REG NET_SHORT_REG_V ("20m")

static const Bad bad_steps[] = {
  { "no-script", "[operator a]\nnumber = 1\ndomain = a.net\n", IMPS_SCENARIO_ERROR_MISSING,
    "no [script] steps" },
  { "device-typo", NET "bootstrap = uu\n", IMPS_SCENARIO_ERROR_VALUE,
    "no device 'uu' (a subscriber NAME or NAME.DEVICE: u, u.tab, w)" },
  { "device-typo-dev", NET "bootstrap = u.tabl\n", IMPS_SCENARIO_ERROR_VALUE, "no device 'u.tabl'" },
  { "exposure-typo", NET "register = u\nexpect = exposure pcscf.a.nett keys\n",
    IMPS_SCENARIO_ERROR_VALUE, "t:23: [script] expect: no node 'pcscf.a.nett' in this network (hss.a.net" },
  { "exposure-device", NET "register = u\nexpect = exposure u none\n", IMPS_SCENARIO_ERROR_VALUE,
    "no node 'u'" },
  { "exposure-not-run", NET "register = u\nexpect = exposure kms.b.net none\n",
    IMPS_SCENARIO_ERROR_VALUE, "no node 'kms.b.net'" },
  { "refusal-typo", NET "bootstrap = u\nexpect = refusal bsf.a.ne\n", IMPS_SCENARIO_ERROR_VALUE,
    "no node 'bsf.a.ne'" },
  { "restart-no-kms", NET "restart = kms b\n", IMPS_SCENARIO_ERROR_VALUE, "operator b runs no kms" },
  { "restart-no-op", NET "restart = hss c\n", IMPS_SCENARIO_ERROR_VALUE, "no operator 'c'" },
  { "restart-no-scscf", NET "restart = scscf b\n", IMPS_SCENARIO_ERROR_VALUE,
    "operator b runs no scscf" },
  { "restart-no-pcscf", NET "restart = pcscf b\n", IMPS_SCENARIO_ERROR_VALUE,
    "operator b runs no pcscf" },
  { "restart-no-agw", NET "restart = agw b\n", IMPS_SCENARIO_ERROR_VALUE, "operator b runs no agw" },
  { "restart-bad-node", NET "restart = cscf a\n", IMPS_SCENARIO_ERROR_VALUE,
    "usage: restart = hss|bsf|kms|pcscf|scscf|agw OPERATOR" },
  { "restart-extra", NET "restart = scscf a now\n", IMPS_SCENARIO_ERROR_VALUE,
    "restart scscf: unknown option 'now' (known: wiped)" },
  { "restart-no-operator", NET "restart = agw\n", IMPS_SCENARIO_ERROR_VALUE, "usage: restart" },
  { "restart-node-case", NET "restart = SCSCF a\n", IMPS_SCENARIO_ERROR_VALUE, "usage: restart" },
  { "restart-wiped-ims", NET "restart = scscf a wiped\n", IMPS_SCENARIO_ERROR_VALUE,
    "restart scscf: only hss, bsf and kms have a store to wipe" },
  { "restart-wiped-agw", NET "restart = agw a wiped\n", IMPS_SCENARIO_ERROR_VALUE,
    "only hss, bsf and kms have a store to wipe" },
  { "restart-wiped-typo", NET "restart = kms a wipe\n", IMPS_SCENARIO_ERROR_VALUE,
    "restart kms: unknown option 'wipe' (known: wiped)" },
  { "restart-wiped-twice", NET "restart = kms a wiped wiped\n", IMPS_SCENARIO_ERROR_VALUE,
    "usage: restart" },
  { "restart-wiped-no-op", NET "restart = bsf wiped\n", IMPS_SCENARIO_ERROR_VALUE,
    "no operator 'wiped'" },
  { "restart-wiped-no-kms", NET "restart = kms b wiped\n", IMPS_SCENARIO_ERROR_VALUE,
    "operator b runs no kms" },
  { "advance-hex", NET "advance = 0x10\n", IMPS_SCENARIO_ERROR_VALUE, "'0x10' is not a duration" },
  { "advance-exp", NET "advance = 1e3\n", IMPS_SCENARIO_ERROR_VALUE, "'1e3' is not a duration" },
  { "advance-sign", NET "advance = +5s\n", IMPS_SCENARIO_ERROR_VALUE, "'+5s' is not a duration" },
  { "advance-dot", NET "advance = 5.s\n", IMPS_SCENARIO_ERROR_VALUE, "'5.s' is not a duration" },
  { "advance-long", NET "advance = 31d\n", IMPS_SCENARIO_ERROR_VALUE, "at most 30d a step" },
  { "advance-huge", NET "advance = 999999999999999d\n", IMPS_SCENARIO_ERROR_VALUE, "not a duration" },
  { "advance-total", NET R30 R30 R30 R30 R30 R30 R30 R30 R30 R30 R30 R30 R30, IMPS_SCENARIO_ERROR_VALUE,
    "more than 366d in all" },
  /* registration-max = 20m: a refresh every 10 minutes, 8,640 in the first 30 days */
  { "refreshes", NET_SHORT_REG "register = u\nregister = u.tab\n" R30 R30,
    IMPS_SCENARIO_ERROR_VALUE, "about 8640 REGISTER refreshes, more than the limit of 5000" },
  { "media-long", NET "call = u w media=61m\n", IMPS_SCENARIO_ERROR_VALUE, "at most 1h of media" },
  { "media-total", NET "call = u w media=1h\ncall = u w media=1h\ncall = u w media=1h\n"
    "call = u w media=1h\ncall = u w media=1s\n", IMPS_SCENARIO_ERROR_VALUE, "more than 4h of media" },
  { "call-bad-uri", NET "call = u sip:\n", IMPS_SCENARIO_ERROR_VALUE, "callee 'sip:' is not a URI to call" },
  { "call-bad-uri-param", NET "call = u sip:b@g.net;;=\n", IMPS_SCENARIO_ERROR_VALUE,
    "callee 'sip:b@g.net;;=' is not a URI to call: empty parameter name" },
  { "call-twice-option", NET "call = u w media=1s media=2s\n", IMPS_SCENARIO_ERROR_VALUE, "usage: call" },
  { "call-no-ims", NET "call = w u\n", IMPS_SCENARIO_ERROR_VALUE, "runs no IMS core" },
  { "expect-first", NET "expect = ok\n", IMPS_SCENARIO_ERROR_VALUE, "an expect needs an action before it" },
  { "expect-unknown", NET "register = u\nexpect = forks-same\n", IMPS_SCENARIO_ERROR_VALUE, "forks-share" },
};

static void
test_bad_step (gconstpointer data)
{
  const Bad *b = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (b->text, strlen (b->text), "t", &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) steps = imps_script_parse (s, &error);
  g_assert_null (steps);
  g_assert_error (error, IMPS_SCENARIO_ERROR, (gint) b->code);
  if (strstr (error->message, b->where) == NULL)
    g_error ("%s: message '%s' lacks '%s'", b->name, error->message, b->where);
}

static void
test_good_steps (void)
{
  static const gchar text[] = NET
    "bootstrap = u.phone\nregister = u.tab\ncall = u \"sip:w@b.net\" security=sdes-e2ae media=1.5s\n"
    "call = u.tab tel:+15551234\nadvance = 20ms\nadvance = 0.5m\nexpect = forks-share\n"
    "expect = message MEDIA srtp stream\nexpect = refusal w.phone\nrestart = kms a\n"
    "restart = pcscf a\nrestart = scscf a\nrestart = agw a\nrestart = bsf a wiped\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (text, strlen (text), "t", &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) steps = imps_script_parse (s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, 14);
  ImpsScriptStep **st = (ImpsScriptStep **) steps->pdata;
  /* bob.phone names the first device, which reports call "u". */
  g_assert_cmpstr (st[0]->device, ==, "u");
  g_assert_cmpstr (st[1]->device, ==, "u.tab");
  /* A URI callee is the step's own copy. */
  g_assert_cmpstr (st[2]->callee, ==, "sip:w@b.net");
  g_assert_cmpint (st[2]->security, ==, IMPS_SCRIPT_SECURITY_SDES_E2AE);
  g_assert_cmpint (st[2]->media_us, ==, 1500000);
  g_assert_cmpstr (st[3]->callee, ==, "tel:+15551234");
  g_assert_cmpint (st[3]->media_us, ==, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (st[4]->duration_us, ==, 20000);
  g_assert_cmpint (st[5]->duration_us, ==, 30 * G_USEC_PER_SEC);
  g_assert_cmpint (st[6]->expect, ==, IMPS_EXPECT_FORKS_SHARE);
  g_assert_cmpstr (st[7]->ref, ==, "media");
  g_assert_cmpstr (st[7]->text, ==, "srtp stream");
  g_assert_cmpstr (st[8]->node, ==, "w");
  g_assert_cmpstr (st[9]->node, ==, "kms");
  g_assert_cmpuint (st[9]->op, ==, 0);
  g_assert_cmpstr (st[10]->node, ==, "pcscf");
  g_assert_cmpstr (st[11]->node, ==, "scscf");
  g_assert_cmpstr (st[12]->node, ==, "agw");
  g_assert_cmpint (st[12]->verb, ==, IMPS_SCRIPT_RESTART);
  g_assert_false (st[12]->wiped);
  g_assert_cmpstr (st[13]->node, ==, "bsf");
  g_assert_true (st[13]->wiped);
}

/* The bounds let through what they promise: 90 days with one registered
 * device (2,592 refreshes with registration-max = 1h, 12 at the default of
 * 600,000 s), 60 days with two devices at the default, and a whole year
 * with none. */
static void
test_bounds_allow (void)
{
  static const gchar *const texts[] = {
    NET "register = u\n" R30 R30 R30,
    NET_SHORT_REG_V ("1h") "register = u\n" R30 R30 R30,
    NET "register = u\nregister = u.tab\n" R30 R30,
    NET R30 R30 R30 R30 R30 R30 R30 R30 R30 R30 R30 R30 "advance = 6d\n",
    NET "call = u w media=1h\ncall = u w media=1h\ncall = u w media=1h\ncall = u w media=1h\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsScenario) s = imps_scenario_load_data (texts[i], strlen (texts[i]), "t", &error);
      g_assert_no_error (error);
      g_autoptr (GPtrArray) steps = imps_script_parse (s, &error);
      g_assert_no_error (error);
      g_assert_nonnull (steps);
    }
}

static void
test_durations (void)
{
  static const struct {
    const gchar *text;
    gint64 us; /* -1: refused */
  } cases[] = {
    { "1", G_USEC_PER_SEC }, { "1s", G_USEC_PER_SEC }, { "20ms", 20000 }, { "1.5s", 1500000 },
    { "2h", G_GINT64_CONSTANT (7200) * G_USEC_PER_SEC }, { "0.0000001s", 0 }, { "0.0000019s", 1 },
    { "0x10", -1 }, { "1e3", -1 }, { "+1", -1 }, { "-1", -1 }, { " 1", -1 }, { "1 s", -1 },
    { ".5s", -1 }, { "nan", -1 }, { "inf", -1 }, { "1y", -1 }, { "", -1 }, { "1.", -1 },
    { "1000000000000s", -1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 us = -1;
      g_autoptr (GError) error = NULL;
      gboolean ok = imps_script_parse_duration_us (cases[i].text, &us, &error);
      if (ok != (cases[i].us >= 0) || (ok && us != cases[i].us))
        g_error ("'%s': got %s %" G_GINT64_FORMAT, cases[i].text, ok ? "ok" : "error", us);
    }
}

/* A password makes an outside device slot; without one there is none. */
static void
test_password (void)
{
  static const gchar text[] = OP1 SUB "opc = 000102030405060708090a0b0c0d0e0f\npassword = two words\n"
    "[subscriber v]\noperator = a\nimpi = v@a.net\nimpu = sip:v@a.net\n"
    "k = 000102030405060708090a0b0c0d0e0f\nopc = 000102030405060708090a0b0c0d0e0f\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (text, strlen (text), "t", &error);
  g_assert_no_error (error);
  const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, 0);
  const ImpsSubscriberSpec *v = g_ptr_array_index (s->subscribers, 1);
  g_assert_cmpstr (u->password, ==, "two words");
  g_assert_null (v->password);
}

static void
test_bad (gconstpointer data)
{
  const Bad *b = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (b->text, strlen (b->text), "t", &error);

  g_assert_null (s);
  g_assert_error (error, IMPS_SCENARIO_ERROR, (gint) b->code);
  if (strstr (error->message, b->where) == NULL)
    g_error ("%s: message '%s' lacks '%s'", b->name, error->message, b->where);
}

static void
test_bounds (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) big = g_string_new (OP1 "# ");
  for (guint i = 0; i < 5000; i++)
    g_string_append_c (big, 'x');
  g_autoptr (ImpsScenario) s = imps_scenario_load_data (big->str, big->len, "t", &error);
  g_assert_null (s);
  g_assert_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "t:4:"));
  g_clear_error (&error);

  static const gchar nul[] = "[operator a]\nnumber = 1\0\n";
  g_assert_null (imps_scenario_load_data (nul, sizeof nul - 1, "t", &error));
  g_assert_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_SYNTAX);
  g_clear_error (&error);

  g_assert_null (imps_scenario_load_file ("/nonexistent/impsim.scn", &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/impsim.scn"));
}

/* Keys whose values the runner needs are wiped when the scenario is freed;
 * checked indirectly: loading and freeing many times under ASan is clean. */
static void
test_reload (void)
{
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsScenario) s = imps_scenario_load_file (example_path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (s->subscribers->len, ==, 3);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: test-scenario-file EXAMPLE.scn");
  example_path = argv[1];
  g_test_add_func ("/scenario/example", test_example);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/scenario/bad/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_steps); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/script/bad/%s", bad_steps[i].name);
      g_test_add_data_func (path, &bad_steps[i], test_bad_step);
    }
  g_test_add_func ("/script/good", test_good_steps);
  g_test_add_func ("/script/durations", test_durations);
  g_test_add_func ("/script/bounds-allow", test_bounds_allow);
  g_test_add_func ("/scenario/bounds", test_bounds);
  g_test_add_func ("/scenario/password", test_password);
  g_test_add_func ("/scenario/reload", test_reload);
  return g_test_run ();
}
