/* The UE's Ub client against the real BSF and HSS on loopback (profile §9
 * addresses, virtual clock), and the key log format (profile §8).
 *
 * AKA values: TS 35.208 set 1 (gba.md §4, §12.1). KDF/B-TID vectors:
 * gba.md §12.2 [C]. Everything else is checked against values the test
 * recomputes with core/aka and core/gba. */
#include "../bsf/gba-fixture.h"
#include "imps-bsf-private.h"
#include "digest/imps-digest.h"
#include "imps-hex.h"
#include "imps-keylog.h"

/* ---- key log lines (profile §8) ---- */

static gchar *
stream_text (GOutputStream *out)
{
  GMemoryOutputStream *m = G_MEMORY_OUTPUT_STREAM (out);
  return g_strndup (g_memory_output_stream_get_data (m), g_memory_output_stream_get_data_size (m));
}

static void
test_key_log_format (void)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (ImpsKeyLog) log = imps_key_log_new_stream (out);
  guint8 ks[32], ks_naf[32], csb[4];
  /* gba.md §12.2: Ks, B-TID, NAF_Id for kms.home1.net, Ks_NAF. */
  imps_test_hex_into ("b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441", ks, 32);
  imps_test_hex_into ("74eb8672becc0b19eccb86f2780cfb0178097e8873944798ab096d69e7351862", ks_naf, 32);
  g_autoptr (GBytes) naf_id = imps_gba_naf_id_new ("kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  gsize naf_id_len;
  const guint8 *naf_id_data = g_bytes_get_data (naf_id, &naf_id_len);
  imps_key_log_gba_ks (log, FX_IMPI, "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net", ks, 32);
  imps_key_log_gba_ks_naf (log, "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net", naf_id_data, naf_id_len,
                           ks_naf, 32);
  /* The other line types, with values computed by this project (the SRTP
   * base64 cross-checked with Python's base64 module). */
  guint8 key[16], salt[14], rand[16], spi[4] = { 0xde, 0xad, 0xbe, 0xef };
  for (guint i = 0; i < 16; i++)
    key[i] = rand[i] = (guint8) i;
  for (guint i = 0; i < 14; i++)
    salt[i] = (guint8) (0xf0 + i);
  imps_test_hex_into ("0a0b0c0d", csb, 4);
  imps_key_log_mikey_mpk (log, 0x0a0b0c0d, IMPS_KEY_LOG_MPK_FORKED, key, 16);
  imps_key_log_mikey_tgk (log, 0x0a0b0c0d, NULL, 0, key, 16);
  imps_key_log_mikey_tgk (log, 0x0a0b0c0d, spi, 4, key, 16);
  imps_key_log_mikey_tek (log, 0x0a0b0c0d, 3, rand, 16, NULL, 0, key, 16, salt, 14);
  imps_key_log_srtp (log, "127.1.1.1:5004", "127.1.1.2:5006", 0x1234abcd,
                     "AES_CM_128_HMAC_SHA1_80", key, 16, salt, 14);
  /* No key log: nothing happens (and nothing crashes). */
  imps_key_log_gba_ks (NULL, FX_IMPI, "x@y", ks, 32);

  g_autofree gchar *text = stream_text (out);
  g_assert_cmpstr (text, ==,
    "GBA_KS user1_private@home1.net I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net "
    "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441\n"
    "GBA_KS_NAF I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net 6b6d732e686f6d65312e6e65740100000006 "
    "74eb8672becc0b19eccb86f2780cfb0178097e8873944798ab096d69e7351862\n"
    "MIKEY_MPK 0a0b0c0d rf 000102030405060708090a0b0c0d0e0f\n"
    "MIKEY_TGK 0a0b0c0d - 000102030405060708090a0b0c0d0e0f\n"
    "MIKEY_TGK 0a0b0c0d deadbeef 000102030405060708090a0b0c0d0e0f\n"
    "MIKEY_TEK 0a0b0c0d 3 000102030405060708090a0b0c0d0e0f - 000102030405060708090a0b0c0d0e0f "
    "f0f1f2f3f4f5f6f7f8f9fafbfcfd\n"
    "SRTP 127.1.1.1:5004 127.1.1.2:5006 1234abcd AES_CM_128_HMAC_SHA1_80 "
    "AAECAwQFBgcICQoLDA0OD/Dx8vP09fb3+Pn6+/z9\n");
  g_assert_cmpuint (imps_key_log_get_lines (log), ==, 7);
  g_assert_null (imps_key_log_get_error (log));
}

/* ---- bootstrapping ---- */

/* CK || IK for @rand under the subscriber's K/OPc, recomputed here. */
static void
expected_ks (const guint8 rand[16], ImpsGbaKey *ks)
{
  guint8 k[16], opc[16], res[8], ck[16], ik[16], ak[6];
  imps_test_hex_into (FX_K, k, 16);
  imps_test_hex_into (FX_OPC, opc, 16);
  g_autoptr (ImpsMilenage) m = imps_milenage_new (k, opc);
  imps_milenage_f2345 (m, rand, res, ck, ik, ak);
  imps_gba_ks_from_ck_ik (ck, ik, ks);
}

static void
btid_rand (const gchar *btid, guint8 rand[16])
{
  const gchar *at = strchr (btid, '@');
  g_assert_nonnull (at);
  g_assert_cmpstr (at, ==, "@bsf.home1.net");
  g_assert_cmpuint (at - btid, ==, 24);
  g_assert_true (at[-1] == '=' && at[-2] == '=');
  g_autofree gchar *b64 = g_strndup (btid, (gsize) (at - btid));
  gsize len = 0;
  g_autofree guint8 *raw = g_base64_decode (b64, &len);
  g_assert_cmpuint (len, ==, 16);
  memcpy (rand, raw, 16);
}

static const ImpsEvent *
nth_message (GbaFx *fx, guint n)
{
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  for (guint i = 0; i < imps_event_log_len (log); i++)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind == IMPS_EVENT_MESSAGE && n-- == 0)
        return e;
    }
  return NULL;
}

static gboolean
bytes_contain (GBytes *bytes, const gchar *needle)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);
  return g_strstr_len (data, (gssize) len, needle) != NULL;
}

static void
test_bootstrap (GbaFx *fx, gconstpointer unused)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (ImpsKeyLog) keylog = imps_key_log_new_stream (out);
  imps_ue_set_key_log (fx->ue, keylog);

  g_assert_false (imps_ue_is_bootstrapped (fx->ue));
  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  g_autoptr (GError) error = NULL;
  g_assert_false (imps_ue_get_ks_naf (fx->ue, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf,
                                      &error));
  g_assert_error (error, IMPS_UE_ERROR, IMPS_UE_ERROR_NOT_BOOTSTRAPPED);
  g_clear_error (&error);

  gboolean ok = fx_bootstrap (fx, fx->ue);
  fx_dump_log (fx);
  g_assert_no_error (fx->error);
  g_assert_true (ok);
  g_assert_true (imps_ue_is_bootstrapped (fx->ue));
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, 1);

  /* B-TID = base64(RAND) "@" BSF domain (gba.md §1.2). */
  const gchar *btid = imps_ue_get_btid (fx->ue);
  guint8 rand[16];
  btid_rand (btid, rand);
  /* Lifetime from the GUSS (7200 s), on the virtual clock. */
  g_assert_cmpint (imps_ue_get_ks_expiry (fx->ue), ==, FX_START_S + FX_LIFETIME);

  /* Ks_NAF at the UE for kms.home1.net (profile §2) ... */
  g_assert_true (imps_ue_get_ks_naf (fx->ue, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf,
                                     &error));
  g_assert_no_error (error);
  /* ... equals the KDF over Ks = CK || IK of the B-TID's RAND ... */
  g_auto (ImpsGbaKey) ks = IMPS_GBA_KEY_INIT;
  g_auto (ImpsGbaKey) want = IMPS_GBA_KEY_INIT;
  expected_ks (rand, &ks);
  imps_gba_ks_naf (IMPS_GBA_NAF_KEY_ME, &ks, rand, FX_IMPI, strlen (FX_IMPI), "kms.home1.net", 13,
                   IMPS_GBA_UA_ID_IMS_MEDIA, &want);
  g_assert_cmpmem (ks_naf.bytes, 32, want.bytes, 32);
  /* ... and what the BSF gives the KMS over Zn. */
  g_autoptr (ImpsDiameterBia) bia = fx_bir (fx, btid, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (bia->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_true (bia->has_me_key);
  g_assert_cmpmem (bia->me_key, 32, ks_naf.bytes, 32);
  g_assert_cmpstr (bia->impi, ==, FX_IMPI);
  g_assert_true (bia->has_key_expiry);
  g_assert_cmpint (imps_diameter_time_to_unix (bia->key_expiry), ==, FX_START_S + FX_LIFETIME);
  g_assert_true (bia->has_creation_time);
  g_assert_cmpint (imps_diameter_time_to_unix (bia->creation_time), ==, FX_START_S);
  /* Another NAF id gives another key (the BSF uses the NAF-Id as received). */
  g_autoptr (ImpsDiameterBia) bia2 = fx_bir (fx, btid, "kms.home1.net", IMPS_GBA_UA_ID_HTTP_DIGEST);
  g_assert_cmpuint (bia2->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_true (memcmp (bia2->me_key, ks_naf.bytes, 32) != 0);

  /* Key log: GBA_KS and GBA_KS_NAF in the exact §8 form, once each. */
  g_auto (ImpsGbaKey) again = IMPS_GBA_KEY_INIT;
  g_assert_true (imps_ue_get_ks_naf (fx->ue, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA, &again, NULL));
  g_autofree gchar *ks_hex = imps_hex_encode (ks.bytes, 32);
  g_autofree gchar *naf_hex = imps_hex_encode (want.bytes, 32);
  g_autofree gchar *expect = g_strdup_printf ("GBA_KS %s %s %s\nGBA_KS_NAF %s "
                                              "6b6d732e686f6d65312e6e65740100000006 %s\n",
                                              FX_IMPI, btid, ks_hex, btid, naf_hex);
  g_autofree gchar *text = stream_text (out);
  g_assert_cmpstr (text, ==, expect);

  /* The event log: every Ub, Zh and Zn message once, in order. */
  static const struct {
    ImpsRefPoint ref;
    const gchar *from, *to, *summary;
  } flow[] = {
    { IMPS_REF_UB, "alice", "bsf.home1.net", "GET / (Authorization: " FX_IMPI ")" },
    { IMPS_REF_ZH, "bsf.home1.net", "hss.home1.net", "MAR" },
    { IMPS_REF_ZH, "hss.home1.net", "bsf.home1.net", "MAA 2001" },
    { IMPS_REF_UB, "bsf.home1.net", "alice", "401 (AKA challenge for " FX_IMPI ")" },
    { IMPS_REF_UB, "alice", "bsf.home1.net", "GET / (Authorization: " FX_IMPI ", response)" },
    { IMPS_REF_UB, "bsf.home1.net", "alice", "200 (B-TID " },
    { IMPS_REF_ZN, "kms.home1.net", "bsf.home1.net", "BIR" },
    { IMPS_REF_ZN, "bsf.home1.net", "kms.home1.net", "BIA 2001" },
    { IMPS_REF_ZN, "kms.home1.net", "bsf.home1.net", "BIR" },
    { IMPS_REF_ZN, "bsf.home1.net", "kms.home1.net", "BIA 2001" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (flow); i++)
    {
      const ImpsEvent *e = nth_message (fx, i);
      g_assert_nonnull (e);
      g_assert_cmpint (e->ref, ==, flow[i].ref);
      g_assert_cmpstr (e->from, ==, flow[i].from);
      g_assert_cmpstr (e->to, ==, flow[i].to);
      g_assert_true (g_str_has_prefix (e->summary, flow[i].summary));
      g_assert_nonnull (e->bytes);
    }
  g_assert_null (nth_message (fx, G_N_ELEMENTS (flow)));

  /* The HTTP bytes are the messages of gba.md §6.2. */
  const ImpsEvent *first = nth_message (fx, 0);
  g_assert_true (bytes_contain (first->bytes, "GET / HTTP/1.1\r\n"));
  /* The conventional port, whatever the kernel chose (gba.md §6.2). */
  g_assert_true (bytes_contain (first->bytes, "\r\nHost: bsf.home1.net:80\r\n"));
  g_assert_true (bytes_contain (first->bytes, "User-Agent: " IMPS_UE_UB_USER_AGENT "\r\n"));
  g_assert_true (bytes_contain (first->bytes, "Authorization: Digest username=\"" FX_IMPI "\", "
                                "realm=\"bsf.home1.net\", nonce=\"\", uri=\"/\", response=\"\"\r\n"));
  const ImpsEvent *challenge = nth_message (fx, 3);
  g_assert_true (bytes_contain (challenge->bytes, "HTTP/1.1 401 Unauthorized\r\n"));
  g_assert_true (bytes_contain (challenge->bytes, "Server: " IMPS_BSF_SERVER_HEADER "\r\n"));
  g_assert_true (bytes_contain (challenge->bytes, "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"));
  g_autofree gchar *rand_b64 = g_base64_encode (rand, 16);
  g_autofree gchar *nonce_start = g_strdup_printf ("WWW-Authenticate: Digest realm=\"bsf.home1.net\", "
                                                   "nonce=\"%.21s", rand_b64);
  g_assert_true (bytes_contain (challenge->bytes, nonce_start));
  g_assert_true (bytes_contain (challenge->bytes, "algorithm=AKAv1-MD5, qop=\"auth-int\", opaque=\""));
  const ImpsEvent *answer = nth_message (fx, 4);
  g_assert_true (bytes_contain (answer->bytes, "qop=auth-int, nc=00000001, cnonce=\""));
  const ImpsEvent *ok200 = nth_message (fx, 5);
  g_assert_true (bytes_contain (ok200->bytes, "HTTP/1.1 200 OK\r\n"));
  g_assert_true (bytes_contain (ok200->bytes, "Authentication-Info: qop=auth-int, rspauth=\""));
  g_assert_true (bytes_contain (ok200->bytes, "Expires: Thu, 01 Jan 2026 02:00:00 GMT\r\n"));
  g_assert_true (bytes_contain (ok200->bytes, "Content-Type: application/vnd.3gpp.bsf+xml\r\n"));
  g_autofree gchar *xml_btid = g_strdup_printf ("<btid>%s</btid>\n<lifetime>2026-01-01T02:00:00Z"
                                                "</lifetime>", btid);
  g_assert_true (bytes_contain (ok200->bytes, xml_btid));
  /* No key crosses into the event log. */
  for (guint i = 0; i < imps_event_log_len (imps_network_get_event_log (fx->net)); i++)
    {
      const ImpsEvent *e = imps_event_log_get (imps_network_get_event_log (fx->net), i);
      g_assert_null (e->detail ? strstr (e->detail, ks_hex) : NULL);
    }

  /* Expiry by the virtual clock: past the lifetime the UE has no Ks_NAF. */
  imps_clock_advance (fx->clock, (gint64) (FX_LIFETIME + 1) * G_USEC_PER_SEC);
  g_assert_false (imps_ue_is_bootstrapped (fx->ue));
  g_assert_false (imps_ue_get_ks_naf (fx->ue, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA, &again,
                                      &error));
  g_assert_error (error, IMPS_UE_ERROR, IMPS_UE_ERROR_EXPIRED);
  imps_ue_set_key_log (fx->ue, NULL);
}

static void
test_resync (GbaFx *fx, gconstpointer unused)
{
  /* The USIM has seen SQNs far beyond the HSS's next one (SEQ 5000, IND 3):
   * with an age limit, the first challenge (SEQ 1, IND 0) fails the
   * freshness check although its IND slot is unused (TS 33.102 Annex C). */
  ImpsAkaSqnState *st = imps_ue_get_sqn_state (fx->ue);
  st->age_limit = 100;
  g_assert_true (imps_aka_sqn_state_accept (st, (G_GUINT64_CONSTANT (5000) << 5) | 3, NULL));

  gboolean ok = fx_bootstrap (fx, fx->ue);
  fx_dump_log (fx);
  g_assert_no_error (fx->error);
  g_assert_true (ok);
  /* One resynchronisation: two challenges, one request with AUTS, two MARs
   * (the second with RAND || AUTS), then the 200. */
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "401 (AKA challenge", NULL), ==, 2);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "GET / (Authorization: " FX_IMPI ", AUTS)", NULL), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "MAR", NULL), ==, 2);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "200 (B-TID", NULL), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_NOTE, "SQN failure", "AUTS"), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_NOTE, "resynchronisation", "AUTS"), ==, 1);
  /* The accepted SQN is beyond the one the USIM had. */
  g_assert_cmpuint (imps_aka_sqn_state_highest (st) >> 5, >, 5000);

  /* Ks agrees at both ends. */
  g_auto (ImpsGbaKey) ks_naf = IMPS_GBA_KEY_INIT;
  g_assert_true (imps_ue_get_ks_naf (fx->ue, "kms.home1.net", IMPS_GBA_UA_ID_IMS_MEDIA, &ks_naf, NULL));
  g_autoptr (ImpsDiameterBia) bia = fx_bir (fx, imps_ue_get_btid (fx->ue), "kms.home1.net",
                                            IMPS_GBA_UA_ID_IMS_MEDIA);
  g_assert_cmpuint (bia->result_code, ==, IMPS_DIAMETER_SUCCESS);
  g_assert_cmpmem (bia->me_key, 32, ks_naf.bytes, 32);
}

/* The MAC in the AUTN of the last 401's nonce, as hex. */
static gchar *
last_challenge_mac (GbaFx *fx)
{
  ImpsEventLog *log = imps_network_get_event_log (fx->net);
  for (guint i = imps_event_log_len (log); i-- > 0;)
    {
      const ImpsEvent *e = imps_event_log_get (log, i);
      if (e->kind != IMPS_EVENT_MESSAGE || !g_str_has_prefix (e->summary, "401"))
        continue;
      gsize len;
      const gchar *data = g_bytes_get_data (e->bytes, &len);
      g_autofree gchar *text = g_strndup (data, len);
      const gchar *n = strstr (text, "nonce=\"");
      g_assert_nonnull (n);
      n += 7;
      const gchar *end = strchr (n, '"');
      ImpsDigestAkaNonce nonce;
      g_assert_true (imps_digest_aka_nonce_parse (n, (gsize) (end - n), &nonce, NULL));
      return imps_hex_encode (nonce.autn + 8, 8);
    }
  g_assert_not_reached ();
}

static void
test_wrong_k (GbaFx *fx, gconstpointer unused)
{
  /* A UE whose K differs from the HSS's: the network looks forged to it. */
  g_autoptr (ImpsUe) bad = fx_new_ue (fx, "mallory", "127.1.1.3", "465b5ce8b199b49faa5f0a2ee238a6bd");
  gboolean ok = fx_bootstrap (fx, bad);
  fx_dump_log (fx);
  g_assert_false (ok);
  g_assert_error (fx->error, IMPS_UE_ERROR, IMPS_UE_ERROR_NETWORK_AUTH);
  /* The error names the MAC and both values. */
  g_autofree gchar *mac = last_challenge_mac (fx);
  g_autofree gchar *carries = g_strdup_printf ("AUTN carries MAC %s", mac);
  g_assert_nonnull (strstr (fx->error->message, "MAC-A failure: expected XMAC "));
  g_assert_nonnull (strstr (fx->error->message, carries));
  g_assert_false (imps_ue_is_bootstrapped (bad));
  /* The UE answered once with the empty password and no auts (profile
   * §10); the BSF saw that as a rejection and issued no B-TID. */
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "GET / (Authorization: " FX_IMPI ", response)", NULL), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "403 (UE rejected the network)", NULL), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_REFUSAL, "UE rejected the network", "empty password"), ==, 1);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "200", NULL), ==, 0);
  g_assert_cmpuint (imps_bsf_count_sessions (fx->bsf), ==, 0);
}

static void
test_sync_failure (GbaFx *fx, gconstpointer unused)
{
  /* A USIM that accepts no step forward at all (delta 0): the HSS's vector
   * fails, and after the one resynchronisation the fresh vector fails
   * again; the UE stops with the SQN values. */
  ImpsAkaSqnState *st = imps_ue_get_sqn_state (fx->ue);
  st->delta = 0;
  gboolean ok = fx_bootstrap (fx, fx->ue);
  fx_dump_log (fx);
  g_assert_false (ok);
  g_assert_error (fx->error, IMPS_UE_ERROR, IMPS_UE_ERROR_SYNC);
  g_assert_nonnull (strstr (fx->error->message, "after 1 resynchronisation"));
  /* The second vector's SQN (SEQ 2, IND 1: 000000000041) and the USIM's
   * SEQ_MS 0 and delta 0. */
  g_assert_nonnull (strstr (fx->error->message, "SQN 000000000041 not acceptable"));
  g_assert_nonnull (strstr (fx->error->message, "SEQ_MS 0"));
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "401 (AKA challenge", NULL), ==, 2);
  g_assert_cmpuint (fx_count (fx, IMPS_EVENT_MESSAGE, "200", NULL), ==, 0);
  g_assert_false (imps_ue_is_bootstrapped (fx->ue));
}

static void
test_freed_midway (GbaFx *fx, gconstpointer unused)
{
  /* The UE goes away while its first request is at the BSF: the exchange
   * ends with an error and touches nothing of the UE afterwards. */
  ImpsUe *ue = fx_new_ue (fx, "bob", "127.1.1.4", FX_K);
  fx->ok = TRUE;
  imps_ue_bootstrap_async (ue, "bsf.home1.net", FX_BSF_ADDR, imps_bsf_get_ub_port (fx->bsf), NULL,
                           fx_bootstrap_done, fx);
  while (fx_count (fx, IMPS_EVENT_MESSAGE, "GET", NULL) == 0)
    g_main_context_iteration (NULL, TRUE);
  imps_ue_free (ue);
  g_main_loop_run (fx->loop);
  g_assert_false (fx->ok);
  g_assert_error (fx->error, IMPS_UE_ERROR, IMPS_UE_ERROR_TRANSPORT);
  fx_drain ();
}

static gboolean
message_says_close (const ImpsEvent *e)
{
  return e->bytes != NULL && bytes_contain (e->bytes, "\r\nConnection: close\r\n");
}

/* A bootstrap is one connection to the BSF: the request the 401 answers
 * keeps it open for the answer to the challenge, and the last request asks
 * the BSF to close it (profile §1): the BSF accepts one connection and has
 * none open afterwards. A connection per request cost a TCP
 * connection, an accept and both ends' connection objects more per
 * bootstrap, which every UE pays again each time its Ks expires. */
static void
test_one_connection (GbaFx *fx, gconstpointer unused)
{
  ImpsHttpStats st;
  g_assert_true (fx_bootstrap (fx, fx->ue));
  g_assert_no_error (fx->error);
  fx_drain ();
  imps_http_server_get_stats (fx->bsf->ub, &st);
  g_assert_cmpuint (st.accepted, ==, 1);
  g_assert_cmpuint (st.open, ==, 0);
  g_assert_false (message_says_close (nth_message (fx, 0)));
  g_assert_true (message_says_close (nth_message (fx, 4)));

  /* A second bootstrap (as after the Ks expired) costs one more. */
  g_assert_true (fx_bootstrap (fx, fx->ue));
  fx_drain ();
  imps_http_server_get_stats (fx->bsf->ub, &st);
  g_assert_cmpuint (st.accepted, ==, 2);
  g_assert_cmpuint (st.open, ==, 0);
}

static void
test_busy (GbaFx *fx, gconstpointer unused)
{
  /* Two bootstraps at once on one UE: the second is refused at once. */
  imps_ue_bootstrap_async (fx->ue, "bsf.home1.net", FX_BSF_ADDR, imps_bsf_get_ub_port (fx->bsf),
                           NULL, fx_bootstrap_done, fx);
  gboolean ok = fx_bootstrap (fx, fx->ue);
  g_assert_false (ok);
  g_assert_error (fx->error, IMPS_UE_ERROR, IMPS_UE_ERROR_BUSY);
  g_clear_error (&fx->error);
  g_main_loop_run (fx->loop);
  g_assert_no_error (fx->error);
  g_assert_true (fx->ok);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ue/key-log-format", test_key_log_format);
  g_test_add ("/ue/bootstrap", GbaFx, NULL, fx_setup, test_bootstrap, fx_teardown);
  g_test_add ("/ue/resync", GbaFx, NULL, fx_setup, test_resync, fx_teardown);
  g_test_add ("/ue/wrong-k", GbaFx, NULL, fx_setup, test_wrong_k, fx_teardown);
  g_test_add ("/ue/sync-failure", GbaFx, NULL, fx_setup, test_sync_failure, fx_teardown);
  g_test_add ("/ue/freed-midway", GbaFx, NULL, fx_setup, test_freed_midway, fx_teardown);
  g_test_add ("/ue/one-connection", GbaFx, NULL, fx_setup, test_one_connection, fx_teardown);
  g_test_add ("/ue/busy", GbaFx, NULL, fx_setup, test_busy, fx_teardown);
  return g_test_run ();
}
