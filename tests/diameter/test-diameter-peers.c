/* The Diameter peers of a network built from a scenario, tried with raw
 * bytes from loopback addresses: the HSS answers Zh only from its
 * operator's BSF, the BSF answers Zn only from its operator's KMS and the
 * KMSs of operators it has an agreement with, each checked by source
 * address and Origin-Host; outside peers get in when the scenario names
 * them (zh-peers, zn-peers). Also 5004/5005/5001 from the real MAR and BIR
 * handlers, with Failed-AVP and without the E bit. */
#include "imps-world.h"
#include "imps-ue.h"
#include "diameter/imps-diameter-gba.h"
#include "gba/imps-gba.h"
#include "diameter-raw.h"

#include <string.h>

static const gchar scenario_text[] =
  "[scenario]\n"
  "name = diameter-peers\n"
  "seed = 11\n"
  "[operator home1]\n"
  "number = 1\n"
  "domain = home1.net\n"
  "nodes = hss; bsf; kms\n"
  "zh-peers = bsf.lab.example@127.0.1.99\n"
  "zn-peers = naf.lab.example@127.0.1.98\n"
  "[operator home2]\n"
  "number = 2\n"
  "domain = home2.net\n"
  "nodes = hss; bsf; kms\n"
  "[operator home3]\n"
  "number = 3\n"
  "domain = home3.net\n"
  "nodes = hss; bsf; kms\n"
  "[subscriber alice]\n"
  "operator = home1\n"
  "impi = alice@home1.net\n"
  "impu = sip:alice@home1.net\n"
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
  "opc = cd63cb71954a9f4e48a5994e37a02baf\n"
  "[agreement home1-home2]\n"
  "operators = home1; home2\n"
  "[script]\n"
  "bootstrap = alice\n";

typedef struct {
  ImpsScenario *scenario;
  ImpsWorld *world;
  guint16 hss_port;
  guint16 bsf_port;
  GMainLoop *loop;
  gboolean ok;
  GError *error;
} Fx;

static guint16
endpoint_port (const gchar *text, const gchar *prefix)
{
  const gchar *p = strstr (text, prefix);
  g_assert_nonnull (p);
  return (guint16) g_ascii_strtoull (p + strlen (prefix), NULL, 10);
}

static void
fx_setup (Fx *fx, gconstpointer unused)
{
  g_autoptr (GError) error = NULL;
  fx->scenario = imps_scenario_load_data (scenario_text, sizeof scenario_text - 1, "peers", &error);
  g_assert_no_error (error);
  ImpsWorldOptions opt = { .virtual_clock = TRUE };
  fx->world = imps_world_new (fx->scenario, &opt, &error);
  g_assert_no_error (error);
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&text, &size);
  imps_world_print_endpoints (fx->world, f);
  fclose (f);
  fx->hss_port = endpoint_port (text, "HSS Zh diameter://127.0.1.10:");
  fx->bsf_port = endpoint_port (text, "BSF Zn diameter://127.0.1.20:");
  free (text);
  fx->loop = g_main_loop_new (NULL, FALSE);
}

static void
fx_teardown (Fx *fx, gconstpointer unused)
{
  imps_world_free (fx->world);
  imps_scenario_free (fx->scenario);
  g_main_loop_unref (fx->loop);
  g_clear_error (&fx->error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static guint
count_refusals (Fx *fx, const gchar *summary, const gchar *detail)
{
  ImpsEventLog *log = imps_network_get_event_log (imps_world_get_network (fx->world));
  guint n = 0;
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_REFUSAL && g_str_has_prefix (e->summary, summary)
          && (detail == NULL || (e->detail && strstr (e->detail, detail))))
        n++;
    }
  return n;
}

/* Sends @req from @local and returns the answer (NULL when the server
 * closed without one); *@closed tells whether it closed after. */
static ImpsDiameterMessage *
exchange (const gchar *local, guint16 port, const gchar *server, GBytes *req, gboolean *closed)
{
  g_autoptr (GByteArray) in = g_byte_array_new ();
  g_autoptr (GSocketConnection) sc = raw_peer_connect (local, server, port);
  raw_peer_write (sc, g_bytes_get_data (req, NULL), g_bytes_get_size (req));
  ImpsDiameterMessage *a = raw_peer_read (sc, in);
  if (closed)
    {
      /* A DWR after the answer: a live connection answers it. */
      g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new (
          IMPS_DIAMETER_FLAG_R, IMPS_DIAMETER_CMD_DEVICE_WATCHDOG, 0, 9, 9);
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M,
                                      0, "x");
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M,
                                      0, "x");
      g_autoptr (GBytes) dwr = imps_diameter_builder_finish (g_steal_pointer (&b));
      GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (sc));
      g_output_stream_write_all (out, g_bytes_get_data (dwr, NULL), g_bytes_get_size (dwr), NULL,
                                 NULL, NULL);
      g_autoptr (ImpsDiameterMessage) more = raw_peer_read (sc, in);
      *closed = more == NULL;
    }
  return a;
}

static GBytes *
mar_bytes (const gchar *origin_host, const gchar *impi)
{
  g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_new ();
  mar->session_id = g_strdup_printf ("%s;1;1", origin_host);
  mar->origin_host = g_strdup (origin_host);
  mar->origin_realm = g_strdup ("home1.net");
  mar->destination_realm = g_strdup ("home1.net");
  mar->impi = g_strdup (impi);
  mar->number_auth_items = 1;
  return imps_diameter_mar_build (mar);
}

static gboolean
has_vector (const ImpsDiameterMessage *m)
{
  return imps_diameter_message_find (m, IMPS_DIAMETER_VENDOR_3GPP,
                                     IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM) >= 0;
}

static void
test_zh (Fx *fx, gconstpointer unused)
{
  g_autoptr (GBytes) own = mar_bytes ("bsf.home1.net", "alice@home1.net");
  gboolean closed = FALSE;

  /* home1's BSF, from its address: a vector. */
  g_autoptr (ImpsDiameterMessage) a = exchange ("127.0.1.20", fx->hss_port, "127.0.1.10", own, &closed);
  g_assert_cmpuint (raw_peer_result (a), ==, IMPS_DIAMETER_SUCCESS);
  g_assert_true (has_vector (a));
  g_assert_false (closed);

  /* Any other local process: 3010 (E bit), no vector, closed, logged. */
  g_autoptr (ImpsDiameterMessage) b = exchange ("127.0.1.77", fx->hss_port, "127.0.1.10", own, &closed);
  g_assert_cmpuint (raw_peer_result (b), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_true (b->flags & IMPS_DIAMETER_FLAG_E);
  g_assert_false (has_vector (b));
  g_assert_true (closed);
  g_assert_cmpuint (count_refusals (fx, "unknown Diameter peer", "127.0.1.77"), ==, 1);

  /* Another operator's BSF, from its own address and name: 3010. */
  g_autoptr (GBytes) home2 = mar_bytes ("bsf.home2.net", "alice@home1.net");
  g_autoptr (ImpsDiameterMessage) c = exchange ("127.0.2.20", fx->hss_port, "127.0.1.10", home2, NULL);
  g_assert_cmpuint (raw_peer_result (c), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_false (has_vector (c));

  /* From home1's BSF address, claiming another host: 3010. */
  g_autoptr (ImpsDiameterMessage) d = exchange ("127.0.1.20", fx->hss_port, "127.0.1.10", home2, NULL);
  g_assert_cmpuint (raw_peer_result (d), ==, IMPS_DIAMETER_UNKNOWN_PEER);

  /* The outside peer the scenario names (zh-peers): a vector. */
  g_autoptr (GBytes) lab = mar_bytes ("bsf.lab.example", "alice@home1.net");
  g_autoptr (ImpsDiameterMessage) e = exchange ("127.0.1.99", fx->hss_port, "127.0.1.10", lab, NULL);
  g_assert_cmpuint (raw_peer_result (e), ==, IMPS_DIAMETER_SUCCESS);
  g_assert_true (has_vector (e));

  /* The real MAR handler's parse errors: 5005 for a missing
   * Auth-Session-State (an example of it in Failed-AVP), no E bit. */
  g_autoptr (ImpsDiameterBuilder) mb = imps_diameter_builder_new (
      IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P, IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH,
      IMPS_DIAMETER_APP_ZH, 0, 1);
  imps_diameter_builder_add_utf8 (mb, IMPS_DIAMETER_AVP_SESSION_ID, IMPS_DIAMETER_AVP_FLAG_M, 0, "s;2");
  imps_diameter_builder_add_utf8 (mb, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "bsf.home1.net");
  imps_diameter_builder_add_utf8 (mb, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "home1.net");
  g_autoptr (GBytes) partial = imps_diameter_builder_finish (g_steal_pointer (&mb));
  g_autoptr (ImpsDiameterMessage) f = exchange ("127.0.1.20", fx->hss_port, "127.0.1.10", partial, NULL);
  g_assert_cmpuint (raw_peer_result (f), ==, IMPS_DIAMETER_MISSING_AVP);
  g_assert_false (f->flags & IMPS_DIAMETER_FLAG_E);
  g_assert_nonnull (raw_peer_failed_avp (f));

  /* A scheme the HSS does not serve: 5004 with that AVP in Failed-AVP. */
  g_autoptr (ImpsDiameterMar) md5 = imps_diameter_mar_new ();
  md5->session_id = g_strdup ("bsf.home1.net;1;9");
  md5->origin_host = g_strdup ("bsf.home1.net");
  md5->origin_realm = g_strdup ("home1.net");
  md5->destination_realm = g_strdup ("home1.net");
  md5->impi = g_strdup ("alice@home1.net");
  md5->auth_scheme = g_strdup ("Digest-MD5");
  g_autoptr (GBytes) md5_bytes = imps_diameter_mar_build (md5);
  g_autoptr (ImpsDiameterMessage) s5004 = exchange ("127.0.1.20", fx->hss_port, "127.0.1.10",
                                                    md5_bytes, NULL);
  g_assert_cmpuint (raw_peer_result (s5004), ==, IMPS_DIAMETER_INVALID_AVP_VALUE);
  g_assert_false (s5004->flags & IMPS_DIAMETER_FLAG_E);
  const ImpsDiameterAvp *sf = raw_peer_failed_avp (s5004);
  g_assert_nonnull (sf);
  g_assert_cmpuint (sf->code, ==, IMPS_DIAMETER_AVP_SIP_AUTHENTICATION_SCHEME);
  g_assert_cmpmem (sf->data, sf->len, "Digest-MD5", 10);

  /* A MAR with an unknown mandatory AVP: 5001. */
  g_autoptr (GByteArray) m = g_byte_array_new ();
  g_byte_array_append (m, g_bytes_get_data (own, NULL), (guint) g_bytes_get_size (own));
  static const guint8 avp[12] = { 0, 0, 0x27, 0x0f, 0x40, 0, 0, 12, 1, 2, 3, 4 };
  g_byte_array_append (m, avp, sizeof avp);
  m->data[3] = (guint8) m->len;
  m->data[2] = (guint8) (m->len >> 8);
  g_autoptr (GBytes) unknown = g_byte_array_free_to_bytes (g_steal_pointer (&m));
  g_autoptr (ImpsDiameterMessage) g = exchange ("127.0.1.20", fx->hss_port, "127.0.1.10", unknown, NULL);
  g_assert_cmpuint (raw_peer_result (g), ==, IMPS_DIAMETER_AVP_UNSUPPORTED);
  g_assert_false (has_vector (g));
  const ImpsDiameterAvp *fa = raw_peer_failed_avp (g);
  g_assert_nonnull (fa);
  g_assert_cmpuint (fa->code, ==, 9999);
}

static void
bootstrap_done (GObject *src, GAsyncResult *res, gpointer data)
{
  Fx *fx = data;
  fx->ok = imps_ue_bootstrap_finish (NULL, res, &fx->error);
  g_main_loop_quit (fx->loop);
}

static GBytes *
bir_bytes (const gchar *origin_host, const gchar *btid, const gchar *naf_fqdn)
{
  g_autoptr (ImpsDiameterBir) bir = imps_diameter_bir_new ();
  bir->session_id = g_strdup_printf ("%s;1;1", origin_host);
  bir->origin_host = g_strdup (origin_host);
  bir->origin_realm = g_strdup ("example");
  bir->destination_realm = g_strdup ("home1.net");
  bir->btid = g_strdup (btid);
  g_autoptr (GBytes) naf_id = imps_gba_naf_id_new (naf_fqdn, IMPS_GBA_UA_ID_IMS_MEDIA);
  bir->naf_id = g_bytes_unref_to_data (g_steal_pointer (&naf_id), &bir->naf_id_len);
  return imps_diameter_bir_build (bir);
}

/* The BIA's ME-Key-Material must be the UE's Ks_NAF for @naf_fqdn. */
static void
assert_key (const ImpsDiameterMessage *m, ImpsUe *ue, const gchar *naf_fqdn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsDiameterBia) bia = imps_diameter_bia_parse (m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bia->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_true (bia->has_me_key);
  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  g_assert_true (imps_ue_get_ks_naf (ue, naf_fqdn, IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf, NULL));
  g_assert_cmpmem (bia->me_key, 32, ks_naf.bytes, 32);
}

static void
test_zn (Fx *fx, gconstpointer unused)
{
  ImpsUe *ue = imps_world_find_ue (fx->world, "alice");
  g_assert_nonnull (ue);
  const gchar *fqdn, *address;
  guint16 ub;
  g_assert_true (imps_world_ue_bsf (fx->world, ue, &fqdn, &address, &ub));
  imps_ue_bootstrap_async (ue, fqdn, address, ub, NULL, bootstrap_done, fx);
  g_main_loop_run (fx->loop);
  g_assert_no_error (fx->error);
  const gchar *btid = imps_ue_get_btid (ue);

  /* home1's KMS: its key. */
  g_autoptr (GBytes) own = bir_bytes ("kms.home1.net", btid, "kms.home1.net");
  g_autoptr (ImpsDiameterMessage) a = exchange ("127.0.1.30", fx->bsf_port, "127.0.1.20", own, NULL);
  assert_key (a, ue, "kms.home1.net");

  /* home2's KMS (an agreement with home1): its key (it was 5402). */
  g_autoptr (GBytes) coop = bir_bytes ("kms.home2.net", btid, "kms.home2.net");
  g_autoptr (ImpsDiameterMessage) b = exchange ("127.0.2.30", fx->bsf_port, "127.0.1.20", coop, NULL);
  assert_key (b, ue, "kms.home2.net");

  /* home3's KMS (no agreement): 3010, no key. */
  g_autoptr (GBytes) stranger = bir_bytes ("kms.home3.net", btid, "kms.home3.net");
  g_autoptr (ImpsDiameterMessage) c = exchange ("127.0.3.30", fx->bsf_port, "127.0.1.20", stranger, NULL);
  g_assert_cmpuint (raw_peer_result (c), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_true (c->flags & IMPS_DIAMETER_FLAG_E);
  g_assert_cmpint (imps_diameter_message_find (c, IMPS_DIAMETER_VENDOR_3GPP,
                                               IMPS_DIAMETER_AVP_ME_KEY_MATERIAL), <, 0);

  /* Any local process claiming to be home1's KMS: 3010. */
  g_autoptr (ImpsDiameterMessage) d = exchange ("127.0.1.77", fx->bsf_port, "127.0.1.20", own, NULL);
  g_assert_cmpuint (raw_peer_result (d), ==, IMPS_DIAMETER_UNKNOWN_PEER);
  g_assert_cmpuint (count_refusals (fx, "unknown Diameter peer", "127.0.1.77"), ==, 1);

  /* From home1's KMS address with home2's KMS as Origin-Host: 3010. */
  g_autoptr (ImpsDiameterMessage) e = exchange ("127.0.1.30", fx->bsf_port, "127.0.1.20", coop, NULL);
  g_assert_cmpuint (raw_peer_result (e), ==, IMPS_DIAMETER_UNKNOWN_PEER);

  /* home2's KMS asking for home1's KMS key: 5402, no key. */
  g_autoptr (GBytes) other_key = bir_bytes ("kms.home2.net", btid, "kms.home1.net");
  g_autoptr (ImpsDiameterMessage) f = exchange ("127.0.2.30", fx->bsf_port, "127.0.1.20", other_key, NULL);
  g_assert_cmpuint (raw_peer_experimental (f), ==, IMPS_DIAMETER_ERROR_NOT_AUTHORIZED);
  g_assert_cmpint (imps_diameter_message_find (f, IMPS_DIAMETER_VENDOR_3GPP,
                                               IMPS_DIAMETER_AVP_ME_KEY_MATERIAL), <, 0);
  g_assert_cmpuint (count_refusals (fx, "NAF not authorised", "a NAF gets only its own"), ==, 1);

  /* The outside NAF the scenario names (zn-peers): its key. */
  g_autoptr (GBytes) lab = bir_bytes ("naf.lab.example", btid, "naf.lab.example");
  g_autoptr (ImpsDiameterMessage) g = exchange ("127.0.1.98", fx->bsf_port, "127.0.1.20", lab, NULL);
  assert_key (g, ue, "naf.lab.example");

  /* A NAF-Id that is not a host name: 5004 with the NAF-Id in Failed-AVP. */
  g_autoptr (ImpsDiameterBir) badnaf = imps_diameter_bir_new ();
  badnaf->session_id = g_strdup ("kms.home1.net;1;9");
  badnaf->origin_host = g_strdup ("kms.home1.net");
  badnaf->origin_realm = g_strdup ("home1.net");
  badnaf->destination_realm = g_strdup ("home1.net");
  badnaf->btid = g_strdup (btid);
  badnaf->naf_id = (guint8 *) g_strdup ("kms home1");
  badnaf->naf_id_len = 9;
  g_autoptr (GBytes) badnaf_bytes = imps_diameter_bir_build (badnaf);
  g_autoptr (ImpsDiameterMessage) n5004 = exchange ("127.0.1.30", fx->bsf_port, "127.0.1.20",
                                                    badnaf_bytes, NULL);
  g_assert_cmpuint (raw_peer_result (n5004), ==, IMPS_DIAMETER_INVALID_AVP_VALUE);
  g_assert_false (n5004->flags & IMPS_DIAMETER_FLAG_E);
  const ImpsDiameterAvp *nf = raw_peer_failed_avp (n5004);
  g_assert_nonnull (nf);
  g_assert_cmpuint (nf->code, ==, IMPS_DIAMETER_AVP_NAF_ID);
  g_assert_cmpmem (nf->data, nf->len, "kms home1", 9);

  /* The real BIR handler's parse errors: a BIR with only the header AVPs
   * gets 5005 for the first one missing (Vendor-Specific-Application-Id),
   * with an example of it in Failed-AVP; an unknown M-bit AVP gets 5001. */
  g_autoptr (ImpsDiameterBuilder) bb = imps_diameter_builder_new (
      IMPS_DIAMETER_FLAG_R | IMPS_DIAMETER_FLAG_P, IMPS_DIAMETER_CMD_BOOTSTRAPPING_INFO,
      IMPS_DIAMETER_APP_ZN, 0, 1);
  imps_diameter_builder_add_utf8 (bb, IMPS_DIAMETER_AVP_SESSION_ID, IMPS_DIAMETER_AVP_FLAG_M, 0, "s;3");
  imps_diameter_builder_add_utf8 (bb, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "kms.home1.net");
  imps_diameter_builder_add_utf8 (bb, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                  "home1.net");
  imps_diameter_builder_add_utf8 (bb, IMPS_DIAMETER_AVP_DESTINATION_REALM, IMPS_DIAMETER_AVP_FLAG_M,
                                  0, "home1.net");
  g_autoptr (GBytes) partial = imps_diameter_builder_finish (g_steal_pointer (&bb));
  g_autoptr (ImpsDiameterMessage) h = exchange ("127.0.1.30", fx->bsf_port, "127.0.1.20", partial, NULL);
  g_assert_cmpuint (raw_peer_result (h), ==, IMPS_DIAMETER_MISSING_AVP);
  g_assert_false (h->flags & IMPS_DIAMETER_FLAG_E);
  const ImpsDiameterAvp *fa = raw_peer_failed_avp (h);
  g_assert_nonnull (fa);
  g_assert_cmpuint (fa->code, ==, IMPS_DIAMETER_AVP_VENDOR_SPECIFIC_APPLICATION_ID);

  g_autoptr (GByteArray) m = g_byte_array_new ();
  g_byte_array_append (m, g_bytes_get_data (own, NULL), (guint) g_bytes_get_size (own));
  static const guint8 avp[12] = { 0, 0, 0x27, 0x0f, 0x40, 0, 0, 12, 1, 2, 3, 4 };
  g_byte_array_append (m, avp, sizeof avp);
  m->data[3] = (guint8) m->len;
  m->data[2] = (guint8) (m->len >> 8);
  g_autoptr (GBytes) unknown = g_byte_array_free_to_bytes (g_steal_pointer (&m));
  g_autoptr (ImpsDiameterMessage) k = exchange ("127.0.1.30", fx->bsf_port, "127.0.1.20", unknown, NULL);
  g_assert_cmpuint (raw_peer_result (k), ==, IMPS_DIAMETER_AVP_UNSUPPORTED);
  g_assert_cmpint (imps_diameter_message_find (k, IMPS_DIAMETER_VENDOR_3GPP,
                                               IMPS_DIAMETER_AVP_ME_KEY_MATERIAL), <, 0);
}

static void
test_scenario_keys (void)
{
  static const gchar *const bad[] = {
    "zh-peers = bsf.lab.example\n",            /* no address */
    "zh-peers = bsf.lab.example@nowhere\n",    /* not an IP address */
    "zn-peers = @127.0.1.9\n",                 /* no host */
    "zn-peers = na f@127.0.1.9\n",             /* not a host name */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *text = g_strdup_printf ("[scenario]\nname = x\n[operator a]\nnumber = 1\n"
                                                "domain = a.net\n%s[script]\n", bad[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsScenario) s = imps_scenario_load_data (text, strlen (text), "x", &error);
      g_assert_null (s);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "-peers"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/diameter-peers/zh", Fx, NULL, fx_setup, test_zh, fx_teardown);
  g_test_add ("/diameter-peers/zn", Fx, NULL, fx_setup, test_zn, fx_teardown);
  g_test_add_func ("/diameter-peers/scenario-keys", test_scenario_keys);
  return g_test_run ();
}
