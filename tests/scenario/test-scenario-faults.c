/* Scenario keys for faults: per-node clock skew ([operator] and
 * [subscriber] clock-skew), one-way and mismatched-key agreements
 * ([agreement] configured-by and keys), and static-PSK subscribers
 * ([subscriber] psk and device-psk). What each key reads into, and every
 * error with its reason, found before anything runs. */
#include "imps-scenario.h"

#include <glib/gstdio.h>
#include <string.h>

static const gchar *impsim_path;   /* argv[1] */
static const gchar *scenarios_dir; /* argv[2] */

#define OP1 "[operator a]\nnumber = 1\ndomain = a.net\n"
#define OP2 "[operator b]\nnumber = 2\ndomain = b.net\n"
#define SUB "[subscriber u]\noperator = a\nimpi = u@a.net\nimpu = sip:u@a.net\n" \
            "k = 000102030405060708090a0b0c0d0e0f\nopc = 000102030405060708090a0b0c0d0e0f\n"
#define SUB_V "[subscriber v]\noperator = a\nimpi = v@a.net\nimpu = sip:v@a.net\n" \
              "k = 000102030405060708090a0b0c0d0e0f\nopc = 000102030405060708090a0b0c0d0e0f\n"
#define K16 "000102030405060708090a0b0c0d0e0f"
#define K16B "f0e0d0c0b0a090807060504030201000"
#define K32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SCRIPT "[script]\nregister = u\n"

static ImpsScenario *
load (const gchar *text, GError **error)
{
  return imps_scenario_load_data (text, strlen (text), "t", error);
}

static void
test_skew_good (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = load (OP1 "clock-skew = kms +10m; bsf -1h\n" OP2
                                     SUB "clock-skew = +400s\n" SUB_V "clock-skew = -2d\n"
                                     SCRIPT, &error);
  g_assert_no_error (error);
  const ImpsOperatorSpec *a = g_ptr_array_index (s->operators, 0);
  const ImpsOperatorSpec *b = g_ptr_array_index (s->operators, 1);
  g_assert_cmpint (a->kms_clock_skew, ==, 600);
  g_assert_cmpint (a->bsf_clock_skew, ==, -3600);
  g_assert_cmpint (b->kms_clock_skew, ==, 0);
  g_assert_cmpint (b->bsf_clock_skew, ==, 0);
  const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, 0);
  const ImpsSubscriberSpec *v = g_ptr_array_index (s->subscribers, 1);
  g_assert_cmpint (u->clock_skew, ==, 400);
  g_assert_cmpint (v->clock_skew, ==, -2 * 86400);

  g_clear_pointer (&s, imps_scenario_free);
  s = load (OP1 SUB "clock-skew = 0\n" SCRIPT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((ImpsSubscriberSpec *) g_ptr_array_index (s->subscribers, 0))->clock_skew,
                   ==, 0);
  g_clear_pointer (&s, imps_scenario_free);
  s = load (OP1 SUB "clock-skew = +366d\n" SCRIPT, &error);
  g_assert_no_error (error);
}

static void
test_agreement_good (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = load (OP1 OP2 SUB "[agreement x]\noperators = a; b\n"
                                     "configured-by = b\nkey = " K16 "\n" SCRIPT, &error);
  g_assert_no_error (error);
  const ImpsAgreementSpec *x = g_ptr_array_index (s->agreements, 0);
  g_assert_false (x->at_a);
  g_assert_true (x->at_b);
  g_assert_cmpuint (x->key_len, ==, 16);
  g_assert_cmpuint (x->key_b_len, ==, 0);

  g_clear_pointer (&s, imps_scenario_free);
  s = load (OP1 OP2 SUB "[agreement x]\noperators = a; b\nkeys = " K16 "; " K32 "\n" SCRIPT,
            &error);
  g_assert_no_error (error);
  x = g_ptr_array_index (s->agreements, 0);
  g_assert_true (x->at_a && x->at_b);
  g_assert_cmpuint (x->key_len, ==, 16);
  g_assert_cmpuint (x->key_b_len, ==, 32);
  g_assert_cmpmem (x->key, 16, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
                   16);
  g_assert_cmpuint (x->key_b[31], ==, 0x1f);

  /* both sides listed is the default, written out */
  g_clear_pointer (&s, imps_scenario_free);
  s = load (OP1 OP2 SUB "[agreement x]\noperators = a; b\nconfigured-by = b; a\n" SCRIPT, &error);
  g_assert_no_error (error);
  x = g_ptr_array_index (s->agreements, 0);
  g_assert_true (x->at_a && x->at_b);
  g_assert_cmpuint (x->key_len, ==, 0);
}

static void
test_psk_good (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = load (OP1 SUB "psk = u-key.1@a.net:" K32 "\n"
                                     SUB_V "psk = v_key:" K16 "\ndevice-psk = " K16B "\n"
                                     SCRIPT, &error);
  g_assert_no_error (error);
  const ImpsSubscriberSpec *u = g_ptr_array_index (s->subscribers, 0);
  const ImpsSubscriberSpec *v = g_ptr_array_index (s->subscribers, 1);
  g_assert_cmpstr (u->psk_id, ==, "u-key.1@a.net");
  g_assert_cmpuint (u->psk_len, ==, 32);
  g_assert_cmpuint (u->psk[31], ==, 0x1f);
  g_assert_cmpuint (u->device_psk_len, ==, 0);
  g_assert_cmpstr (v->psk_id, ==, "v_key");
  g_assert_cmpuint (v->psk_len, ==, 16);
  g_assert_cmpuint (v->device_psk_len, ==, 16);
  g_assert_cmpuint (v->device_psk[0], ==, 0xf0);

  /* a subscriber without psk uses GBA */
  g_clear_pointer (&s, imps_scenario_free);
  s = load (OP1 SUB SCRIPT, &error);
  g_assert_no_error (error);
  g_assert_null (((ImpsSubscriberSpec *) g_ptr_array_index (s->subscribers, 0))->psk_id);
}

typedef struct {
  const gchar *name;
  const gchar *text;
  ImpsScenarioError code;
  const gchar *where; /* must appear in the message */
} Bad;

static const Bad bad_cases[] = {
  /* clock-skew */
  { "skew-no-sign", OP1 SUB "clock-skew = 400s\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "t:10: [subscriber u] clock-skew: '400s' is not a clock offset" },
  { "skew-unit", OP1 SUB "clock-skew = +5y\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "'+5y' is not a clock offset" },
  { "skew-hex", OP1 SUB "clock-skew = +0x10\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "'+0x10' is not a clock offset" },
  { "skew-double-sign", OP1 SUB "clock-skew = +-5s\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "'+-5s'" },
  { "skew-too-far", OP1 SUB "clock-skew = +367d\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "at most 366d" },
  { "skew-huge", OP1 SUB "clock-skew = -99999999999999999999s\n" SCRIPT,
    IMPS_SCENARIO_ERROR_VALUE, "is not a clock offset" },
  { "skew-empty", OP1 SUB "clock-skew =\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "[subscriber u] clock-skew: empty value" },
  { "op-skew-node", OP1 "clock-skew = pcscf +5s\n" SUB SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "t:4: [operator a] clock-skew: 'pcscf': only the bsf and the kms read protocol time" },
  { "op-skew-no-offset", OP1 "clock-skew = kms\n" SUB SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "'kms' is not NODE OFFSET (e.g. kms +400s)" },
  { "op-skew-extra", OP1 "clock-skew = kms +5s now\n" SUB SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "is not NODE OFFSET" },
  { "op-skew-twice", OP1 "clock-skew = kms +5s; kms -5s\n" SUB SCRIPT,
    IMPS_SCENARIO_ERROR_DUPLICATE, "the kms's offset is given twice" },
  { "op-skew-not-run", "[operator a]\nnumber = 1\ndomain = a.net\nnodes = hss; bsf\n"
    "clock-skew = kms +5s\n" SUB SCRIPT, IMPS_SCENARIO_ERROR_REFERENCE, "operator a runs no kms" },
  { "op-skew-bad", OP1 "clock-skew = bsf 5s\n" SUB SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "'5s' is not a clock offset" },
  /* agreements */
  { "agreement-key-and-keys", OP1 OP2 SUB "[agreement x]\noperators = a; b\nkey = " K16
    "\nkeys = " K16 "; " K16B "\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "give key (one key for both KMSs) or keys (each KMS's own), not both" },
  { "agreement-one-key", OP1 OP2 SUB "[agreement x]\noperators = a; b\nkeys = " K16 "\n" SCRIPT,
    IMPS_SCENARIO_ERROR_VALUE, "expected two keys, the first operator's and the second's" },
  { "agreement-short-key", OP1 OP2 SUB "[agreement x]\noperators = a; b\nkeys = " K16 "; 0011\n"
    SCRIPT, IMPS_SCENARIO_ERROR_VALUE, "[agreement x] keys: expected 16 or 32 bytes of hex, got 2" },
  { "agreement-bad-hex", OP1 OP2 SUB "[agreement x]\noperators = a; b\nkeys = zz; " K16 "\n"
    SCRIPT, IMPS_SCENARIO_ERROR_VALUE, "[agreement x] keys" },
  { "agreement-three-keys", OP1 OP2 SUB "[agreement x]\noperators = a; b\nkeys = " K16 "; " K16
    "; " K16 "\n" SCRIPT, IMPS_SCENARIO_ERROR_TOO_LARGE, "more than 2 items" },
  { "agreement-by-stranger", OP1 OP2 "[operator c]\nnumber = 3\ndomain = c.net\n" SUB
    "[agreement x]\noperators = a; b\nconfigured-by = c\n" SCRIPT, IMPS_SCENARIO_ERROR_REFERENCE,
    "'c' is not one of the agreement's operators (a, b)" },
  { "agreement-by-typo", OP1 OP2 SUB "[agreement x]\noperators = a; b\nconfigured-by = bb\n"
    SCRIPT, IMPS_SCENARIO_ERROR_REFERENCE, "'bb' is not one of the agreement's operators" },
  { "agreement-by-twice", OP1 OP2 SUB "[agreement x]\noperators = a; b\nconfigured-by = a; a\n"
    SCRIPT, IMPS_SCENARIO_ERROR_DUPLICATE, "operator a is listed twice" },
  { "agreement-by-empty", OP1 OP2 SUB "[agreement x]\noperators = a; b\nconfigured-by = ;\n"
    SCRIPT, IMPS_SCENARIO_ERROR_VALUE, "configured-by: empty list" },
  { "agreement-one-way-keys", OP1 OP2 SUB "[agreement x]\noperators = a; b\nconfigured-by = a\n"
    "keys = " K16 "; " K16B "\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "a one-way agreement has one key: give key, not keys" },
  /* static PSKs */
  { "psk-no-colon", OP1 SUB "psk = " K16 "\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "t:10: [subscriber u] psk: expected KEYID:HEX" },
  { "psk-empty-id", OP1 SUB "psk = :" K16 "\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "key id '' is not 1 to 64 letters" },
  { "psk-bad-id", OP1 SUB "psk = a b:" K16 "\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "key id 'a b' is not" },
  { "psk-long-id", OP1 SUB "psk = "
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:" K16 "\n" SCRIPT,
    IMPS_SCENARIO_ERROR_VALUE, "is not 1 to 64 letters" },
  { "psk-short-key", OP1 SUB "psk = id:0011\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "[subscriber u] psk: expected 16 or 32 bytes of hex, got 2 bytes" },
  { "psk-24-bytes", OP1 SUB "psk = id:" K16 "0001020304050607\n" SCRIPT,
    IMPS_SCENARIO_ERROR_VALUE, "got 24 bytes" },
  { "psk-bad-hex", OP1 SUB "psk = id:zz\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "[subscriber u] psk" },
  { "psk-no-kms", "[operator a]\nnumber = 1\ndomain = a.net\nnodes = hss; bsf\n" SUB
    "psk = id:" K16 "\n" SCRIPT, IMPS_SCENARIO_ERROR_REFERENCE,
    "operator a runs no kms to hold the key" },
  { "psk-same-id", OP1 SUB "psk = id:" K16 "\n" SUB_V "psk = id:" K16B "\n" SCRIPT,
    IMPS_SCENARIO_ERROR_DUPLICATE, "t:11: [subscriber v] psk: key id 'id' is already subscriber u's" },
  { "device-psk-alone", OP1 SUB "device-psk = " K16 "\n" SCRIPT, IMPS_SCENARIO_ERROR_VALUE,
    "device-psk needs psk" },
  { "device-psk-short", OP1 SUB "psk = id:" K16 "\ndevice-psk = 00\n" SCRIPT,
    IMPS_SCENARIO_ERROR_VALUE, "[subscriber u] device-psk: expected 16 or 32 bytes" },
  { "psk-in-range", "[scenario]\nseed = 1\n" OP1 "[subscribers u1..u2]\noperator = a\n"
    "psk = id:" K16 "\n" SCRIPT, IMPS_SCENARIO_ERROR_UNKNOWN, "psk" },
};

static void
test_bad (gconstpointer data)
{
  const Bad *b = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) s = load (b->text, &error);
  g_assert_null (s);
  g_assert_error (error, IMPS_SCENARIO_ERROR, (gint) b->code);
  if (strstr (error->message, b->where) == NULL)
    g_error ("%s: message '%s' lacks '%s'", b->name, error->message, b->where);
}

/* The key log has each static PSK the KMSs were given and the wrong key a
 * device holds (profile §8, STATIC_PSK), so the Ua messages of a capture
 * can be checked. */
static void
test_psk_key_log (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-psk-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree gchar *keys = g_build_filename (dir, "keys", NULL);
  g_autofree gchar *scn = g_build_filename (scenarios_dir, "static-psk.scn", NULL);
  const gchar *argv[] = { impsim_path, "run", "--quiet", "--keylog", keys, scn, NULL };
  gint status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (keys, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "STATIC_PSK alice-psk-1 sip:alice@home1.net "
                                  "5c1e3d7f2a9b4c6d8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d\n"));
  g_assert_nonnull (strstr (text, "STATIC_PSK carol-k16 sip:carol@home2.net "
                                  "8f4c2e1a9b7d6e5f4a3b2c1d0e9f8a7b\n"));
  /* Mallory's KMS key and the other key her phone holds */
  g_assert_nonnull (strstr (text, "STATIC_PSK mallory-psk sip:mallory@home1.net "
                                  "00112233445566778899aabbccddeeff\n"));
  g_assert_nonnull (strstr (text, "STATIC_PSK mallory-psk sip:mallory@home1.net "
                                  "00112233445566778899aabbccddeef0\n"));
  /* no Ks_NAF of a PSK user: Alice never bootstrapped */
  g_assert_null (strstr (text, "GBA_KS alice@home1.net"));
  g_assert_nonnull (strstr (text, "GBA_KS bob@home1.net"));
  g_unlink (keys);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-scenario-faults IMPSIM SCENARIOS-DIR");
  impsim_path = argv[1];
  scenarios_dir = argv[2];
  g_test_add_func ("/scenario-faults/psk-key-log", test_psk_key_log);
  g_test_add_func ("/scenario-faults/skew", test_skew_good);
  g_test_add_func ("/scenario-faults/agreement", test_agreement_good);
  g_test_add_func ("/scenario-faults/psk", test_psk_good);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/scenario-faults/bad/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  return g_test_run ();
}
