/* Scale in the scenario language: [subscribers FIRST..LAST] groups, ranges
 * in script steps and repeat blocks, each error with its reason and line,
 * and a file of 16,384 subscribers read without quadratic checks. */
#include "imps-scenario.h"
#include "imps-script.h"
#include "imps-test.h"

#include <string.h>

#define HEAD                                                                                  \
  "[scenario]\nseed = 14\n\n[operator op1]\nnumber = 1\ndomain = op1.net\n\n"

static ImpsScenario *
load (const gchar *text, GError **error)
{
  return imps_scenario_load_data (text, strlen (text), "r.scn", error);
}

static void
test_range_group (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = load (HEAD "[subscribers u1..u7/3]\noperator = op1\n"
                                          "devices = phone;tablet\n"
                                          "[subscribers x5..x6]\noperator = op1\n"
                                          "impi = imsi-{n}@op1.net\n"
                                          "impu = sip:{name}@op1.net;tel:+1555000{n}\n"
                                          "[script]\nregister = u1\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->subscribers->len, ==, 5);
  const ImpsSubscriberSpec *u1 = imps_scenario_find_subscriber (s, "u1");
  const ImpsSubscriberSpec *u4 = imps_scenario_find_subscriber (s, "u4");
  const ImpsSubscriberSpec *u7 = imps_scenario_find_subscriber (s, "u7");
  g_assert_nonnull (u1);
  g_assert_nonnull (u4);
  g_assert_nonnull (u7);
  g_assert_null (imps_scenario_find_subscriber (s, "u2"));
  g_assert_null (imps_scenario_find_subscriber (s, "u8"));
  g_assert_cmpstr (u1->impi, ==, "u1@op1.net");
  g_assert_cmpstrv (u1->impus, ((const gchar *[]) { "sip:u1@op1.net", NULL }));
  g_assert_cmpstrv (u7->devices, ((const gchar *[]) { "phone", "tablet", NULL }));
  /* HMAC-SHA-256(seed 14 as 8 bytes, "impsim subscriber u1"), computed
   * apart: K the first 16 bytes, OPc the last 16. */
  imps_assert_hex (u1->k, 16, "710059d5306f6e68d2b3e368b34919c8");
  imps_assert_hex (u1->opc, 16, "fb3a1f56a97c531c246a2e3abebd2529");
  imps_assert_hex (u7->k, 16, "890fd4573445f67f21fdd10cedcadc4c");
  imps_assert_hex (u7->opc, 16, "24e951e66bf571602739a82bf6effa6c");
  g_assert_false (u1->has_op);
  imps_assert_hex (u4->sqn, 6, "000000000020");
  g_assert_cmpuint (u1->line, ==, 8);
  const ImpsSubscriberSpec *x6 = imps_scenario_find_subscriber (s, "x6");
  g_assert_cmpstr (x6->impi, ==, "imsi-6@op1.net");
  g_assert_cmpstrv (x6->impus, ((const gchar *[]) { "sip:x6@op1.net", "tel:+15550006", NULL }));
}

static void
test_expand_steps (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = load (HEAD "[subscribers u1..u4]\noperator = op1\n"
                                          "[script]\n"
                                          "bootstrap = u1..u4\n"
                                          "register = u1..u4\n"
                                          "repeat = u1..u3/2 u2..u4/2\n"
                                          "call = $1 $2 security=mikey-ticket media=1s\n"
                                          "expect = media\n"
                                          "hangup = $1\n"
                                          "end = repeat\n"
                                          "call = u1..u3/2 u2..u4/2 media=20ms\n"
                                          "advance = 1s\n", &error);
  g_assert_no_error (error);
  static const struct { const gchar *verb, *args; guint line; } want[] = {
    { "bootstrap", "u1", 11 }, { "bootstrap", "u2", 11 }, { "bootstrap", "u3", 11 },
    { "bootstrap", "u4", 11 }, { "register", "u1", 12 }, { "register", "u2", 12 },
    { "register", "u3", 12 }, { "register", "u4", 12 },
    { "call", "u1 u2 security=mikey-ticket media=1s", 14 }, { "expect", "media", 15 },
    { "hangup", "u1", 16 },
    { "call", "u3 u4 security=mikey-ticket media=1s", 14 }, { "expect", "media", 15 },
    { "hangup", "u3", 16 },
    { "call", "u1 u2 media=20ms", 18 }, { "call", "u3 u4 media=20ms", 18 },
    { "advance", "1s", 19 },
  };
  g_assert_cmpuint (s->steps->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      const ImpsStepSpec *st = g_ptr_array_index (s->steps, i);
      g_assert_cmpstr (st->verb, ==, want[i].verb);
      g_assert_cmpstr (st->args, ==, want[i].args);
      g_assert_cmpuint (st->line, ==, want[i].line);
    }
  /* The expanded script is an ordinary one. */
  g_autoptr (GPtrArray) steps = imps_script_parse (s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, G_N_ELEMENTS (want));
}

typedef struct {
  const gchar *text;  /* after HEAD */
  gint code;
  const gchar *find;  /* in the message */
} Bad;

static const Bad bad[] = {
  { "[subscribers u1..u4]\noperator = op1\nk = 00112233445566778899aabbccddeeff\n"
    "[script]\nregister = u1\n", IMPS_SCENARIO_ERROR_UNKNOWN,
    "r.scn:10: [subscribers u1..u4] k: a range takes no k: K and OPc are derived" },
  { "[subscribers u4..u1]\noperator = op1\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "r.scn:8: [subscribers u4..u1]: 'u4..u1': a range goes up" },
  { "[subscribers u1..v4]\noperator = op1\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "both ends of a range have the same prefix" },
  { "[subscribers u01..u4]\noperator = op1\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "no leading zero" },
  { "[subscribers 1..4]\noperator = op1\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "is not a range" },
  { "[subscribers u1..u4/0]\noperator = op1\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "by a step of at least 1" },
  { "[subscribers u1..u16385]\noperator = op1\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_TOO_LARGE, "names 16385 names, more than the limit of 16384" },
  { "[subscribers u1..u4]\n[script]\nregister = u1\n", IMPS_SCENARIO_ERROR_MISSING,
    "[subscribers u1..u4] operator: required key is missing" },
  { "[subscribers u1..u4]\noperator = op1\nimpi = alice@op1.net\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "would give every subscriber of the range the same identity" },
  { "[subscribers u1..u4]\noperator = op1\nimpu = sip:{nam}@op1.net\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "nothing else in braces" },
  { "[subscribers u1..u4]\noperator = op1\nimpu = {name}@op1.net\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "is not a sip: or tel: URI" },
  { "[subscribers u1..u4]\noperator = op1\n[subscribers u3..u9]\noperator = op1\n"
    "[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_DUPLICATE, "[subscribers u3..u9]: subscriber u3 is already defined (line 8)" },
  { "[subscribers u1..u4]\noperator = op1\n[subscribers v1..v4]\noperator = op1\n"
    "impu = sip:u{n}@op1.net\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_DUPLICATE, "subscriber u1 already has IMPU sip:u1@op1.net" },
  { "[subscriber u2]\noperator = op1\nimpi = u2@op1.net\nimpu = sip:x@op1.net\n"
    "k = 00112233445566778899aabbccddeeff\nopc = 00112233445566778899aabbccddeeff\n"
    "[subscribers u1..u4]\noperator = op1\n[script]\nregister = u1\n",
    IMPS_SCENARIO_ERROR_DUPLICATE, "subscriber u2 is already defined (line 8)" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\ncall = u1..u4 u1..u3\n",
    IMPS_SCENARIO_ERROR_VALUE, "r.scn:11: [script] call: the ranges of one step advance "
    "together and need as many names each: u1..u4 has 4, u1..u3 has 3" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nregister = u4..u1\n",
    IMPS_SCENARIO_ERROR_VALUE, "r.scn:11: [script] register: 'u4..u1': a range goes up" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4\nregister = u1..u4\n"
    "end = repeat\n", IMPS_SCENARIO_ERROR_VALUE,
    "r.scn:12: [script] register: a range inside a repeat block" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4\nregister = $2\n"
    "end = repeat\n", IMPS_SCENARIO_ERROR_VALUE,
    "r.scn:12: [script] register: '$2' in a repeat block: $1 to $1 name the repeat's ranges" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4\nregister = $1\n",
    IMPS_SCENARIO_ERROR_VALUE, "r.scn:11: [script] repeat: no end = repeat after this repeat" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nregister = u1\nend = repeat\n",
    IMPS_SCENARIO_ERROR_VALUE, "r.scn:12: [script] end: an end without a repeat" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4\nrepeat = u1..u4\n"
    "end = repeat\n", IMPS_SCENARIO_ERROR_VALUE, "repeat blocks do not nest (the repeat of "
    "line 11 is still open)" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4\nend = repeat\n",
    IMPS_SCENARIO_ERROR_VALUE, "an empty repeat block" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4 alice\nregister = $1\n"
    "end = repeat\n", IMPS_SCENARIO_ERROR_VALUE, "usage: repeat = RANGE [RANGE...]" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4\nregister = $1\n"
    "end = now\n", IMPS_SCENARIO_ERROR_VALUE, "usage: end = repeat" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u4 u1..u2\nregister = $1\n"
    "end = repeat\n", IMPS_SCENARIO_ERROR_VALUE, "as many names each" },
  { "[subscribers u1..u4]\noperator = op1\n[script]\nrepeat = u1..u100000 u1..u100000\n"
    "register = $1\nregister = $2\nend = repeat\n", IMPS_SCENARIO_ERROR_VALUE,
    "100000 times 2 steps is more than the limit of 100000 script steps" },
};

static void
test_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *text = g_strconcat (HEAD, bad[i].text, NULL);
      g_autoptr (ImpsScenario) s = load (text, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "(loaded)");
      g_assert_null (s);
      g_assert_error (error, IMPS_SCENARIO_ERROR, bad[i].code);
      if (strstr (error->message, bad[i].find) == NULL)
        g_error ("case %u: '%s' not in '%s'", i, bad[i].find, error->message);
    }
}

static void
test_needs_seed (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *text = "[operator op1]\nnumber = 1\ndomain = op1.net\n"
                      "[subscribers u1..u4]\noperator = op1\n[script]\nregister = u1\n";
  g_autoptr (ImpsScenario) s = load (text, &error);
  g_assert_null (s);
  g_assert_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "derives its keys from [scenario] seed"));
}

/* The seed changes the keys; the same seed gives the same keys. */
static void
test_keys_follow_seed (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *a = HEAD "[subscribers u1..u2]\noperator = op1\n[script]\nregister = u1\n";
  g_autofree gchar *b = g_strdup (a);
  memcpy (strstr (b, "seed = 14"), "seed = 15", 9);
  g_autoptr (ImpsScenario) sa = load (a, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsScenario) sa2 = load (a, &error);
  g_assert_no_error (error);
  g_autoptr (ImpsScenario) sb = load (b, &error);
  g_assert_no_error (error);
  const ImpsSubscriberSpec *x = imps_scenario_find_subscriber (sa, "u1");
  const ImpsSubscriberSpec *x2 = imps_scenario_find_subscriber (sa2, "u1");
  const ImpsSubscriberSpec *y = imps_scenario_find_subscriber (sb, "u1");
  const ImpsSubscriberSpec *z = imps_scenario_find_subscriber (sa, "u2");
  g_assert_cmpmem (x->k, 16, x2->k, 16);
  g_assert_true (memcmp (x->k, y->k, 16) != 0);
  g_assert_true (memcmp (x->k, z->k, 16) != 0);
  g_assert_true (memcmp (x->k, x->opc, 16) != 0);
}

/* The largest file: 16,384 subscribers and 40,960 steps from a dozen lines,
 * the script checked (device lookups by hash). */
static void
test_largest (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = load (HEAD "[subscribers u1..u16384]\noperator = op1\n"
                                          "[script]\nbootstrap = u1..u16384\n"
                                          "register = u1..u16384\n"
                                          "repeat = u1..u16383/2 u2..u16384/2\n"
                                          "call = $1 $2 security=mikey-ticket media=20ms\n"
                                          "hangup = $1\nend = repeat\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->subscribers->len, ==, 16384);
  g_assert_cmpuint (s->steps->len, ==, 2 * 16384 + 16384);
  const ImpsStepSpec *last = g_ptr_array_index (s->steps, s->steps->len - 1);
  g_assert_cmpstr (last->args, ==, "u16383");
  g_autoptr (GPtrArray) steps = imps_script_parse (s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, s->steps->len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scenario-ranges/group", test_range_group);
  g_test_add_func ("/scenario-ranges/expand", test_expand_steps);
  g_test_add_func ("/scenario-ranges/errors", test_errors);
  g_test_add_func ("/scenario-ranges/needs-seed", test_needs_seed);
  g_test_add_func ("/scenario-ranges/keys-follow-seed", test_keys_follow_seed);
  g_test_add_func ("/scenario-ranges/largest", test_largest);
  return g_test_run ();
}
