/* The known-answer vectors V1-V11 of mikey-ticket.md §18.2, from the one
 * table the self test also runs (imps_mikey_vectors()). These values were
 * computed by the digest's author with an independent implementation
 * (§18.2: self-computed, NON-NORMATIVE; no published MIKEY-TICKET vectors
 * exist). V11 is the whole 175-byte REQUEST_INIT_PSK, MAC included. */
#include "mikey/imps-mikey-exchange.h"
#include "imps-selftest.h"
#include "imps-test.h"

#include <string.h>

static void
test_vector (gconstpointer data)
{
  const ImpsMikeyVector *v = data;
  g_autoptr (GBytes) got = imps_mikey_vector_compute (v);

  g_assert_nonnull (got);
  g_assert_cmpuint (g_bytes_get_size (got), ==, v->out_len);
  imps_assert_hex (g_bytes_get_data (got, NULL), g_bytes_get_size (got), v->expected_hex);
}

/* V11: the MAC is the last 20 bytes and equals the digest's value; the
 * message parses back with the payloads the digest lists. */
static void
test_v11_structure (void)
{
  guint n;
  const ImpsMikeyVector *vecs = imps_mikey_vectors (&n);
  const ImpsMikeyVector *v11 = NULL;
  for (guint i = 0; i < n; i++)
    if (g_str_equal (vecs[i].name, "V11"))
      v11 = &vecs[i];
  g_assert_nonnull (v11);
  g_autoptr (GBytes) got = imps_mikey_vector_compute (v11);
  g_assert_nonnull (got);
  gsize len;
  const guint8 *b = g_bytes_get_data (got, &len);
  g_assert_cmpuint (len, ==, 175);
  /* mikey-ticket.md §18.2 V11: MAC = B738DB09... */
  imps_assert_hex (b + len - 20, 20, "B738DB098B9911DCB628CE5D2A2B867581CF8271");
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_parse (b, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->hdr.data_type, ==, IMPS_MIKEY_DATA_REQUEST_INIT_PSK);
  g_assert_true (m->hdr.v);
  g_assert_cmphex (m->hdr.csb_id, ==, 0x12345678);
  g_assert_nonnull (imps_mikey_message_find_idr (m, IMPS_MIKEY_ID_ROLE_PSK));
  /* and it verifies at a KMS with Ks_NAF = 40..5F at the same clock */
  guint8 ks[32];
  for (guint i = 0; i < 32; i++)
    ks[i] = 0x40 + i;
  g_assert_true (imps_mikey_initial_verify (m, ks, 32, "kms.example.org",
                                            G_GUINT64_CONSTANT (0xEC3F1E4F00000000), 300, NULL,
                                            &error));
  g_assert_no_error (error);
}

static void
report (const gchar *module, const gchar *name, gboolean ok, const gchar *detail, gpointer ud)
{
  if (!ok)
    g_test_message ("%s: %s: %s", module, name, detail);
}

static void
test_selftest (void)
{
  g_autoptr (ImpsSelftest) st = imps_selftest_new (report, NULL);
  guint n;
  imps_mikey_vectors (&n);
  g_assert_true (imps_selftest_run (st, "mikey"));
  g_assert_cmpuint (imps_selftest_failed (st), ==, 0);
  g_assert_cmpuint (imps_selftest_passed (st), ==, n);
}

int
main (int argc, char **argv)
{
  guint n;
  const ImpsMikeyVector *vecs = imps_mikey_vectors (&n);

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/mikey/vectors/%s", vecs[i].name);
      g_test_add_data_func (path, &vecs[i], test_vector);
    }
  g_test_add_func ("/mikey/vectors/v11-structure", test_v11_structure);
  g_test_add_func ("/mikey/vectors/selftest", test_selftest);
  return g_test_run ();
}
