/* The seed corpus of fuzz/mikey/corpus/mikey-message: one valid message of
 * every data type 0-18 (and 26), built with the codec's builder (values
 * computed by this project), plus V11 (mikey-ticket.md §18.2) and the two
 * RFC 4567 §5.1 messages (§13.4).
 *
 * The test builds every message, checks it parses under its data type's
 * rules and serialises back to the same bytes, and checks that the
 * committed corpus file holds exactly those bytes. With
 * IMPS_WRITE_CORPUS=1 in the environment it (re)writes the files instead. */
#include "mikey/imps-mikey-message.h"
#include "imps-test.h"

#include <gio/gio.h>
#include <string.h>

#define S(str) (const guint8 *) (str), strlen (str)

static const guint8 rnd16[16] = {
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
};
static const guint8 blob[256] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, [255] = 0x01 };
static const guint8 mac20[20] = { 0xb7, 0x38, 0xdb, 0x09, [19] = 0x71 };

static void
add (ImpsMikeyMessage *m, ImpsMikeyPayload p)
{
  imps_mikey_message_add (m, &p);
}

static ImpsMikeyPayload
t_now (void)
{
  return imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, G_GUINT64_CONSTANT (0xEC3F1E4F00000000));
}

static ImpsMikeyPayload
sp_aes_cm_80 (guint8 no)
{
  /* mikey-ticket.md §4.12 worked example: AES_CM_128_HMAC_SHA1_80. */
  static const guint8 v[13] = { 1, 16, 1, 20, 14, 0, 0, 1, 1, 0, 1, 10, 0 };
  static ImpsMikeySpParam params[13];
  for (guint i = 0; i < 13; i++)
    {
      params[i].type = (guint8) i;
      params[i].value = (ImpsMikeyBytes) { &v[i], 1 };
    }
  return imps_mikey_payload_sp (no, IMPS_MIKEY_PROT_SRTP, params, 13);
}

static ImpsMikeyPayload
kemac (guint8 encr, guint8 mac)
{
  return imps_mikey_payload_kemac (encr, blob, 36, mac, mac ? mac20 : NULL, mac ? 20 : 0);
}

static ImpsMikeyPayload
v_sha1 (void)
{
  return imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA1_160, mac20, 20);
}

static ImpsMikeyPayload
sign (void)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_SIGN };
  p.u.sign.sign_type = IMPS_MIKEY_SIGN_RSA_PKCS1;
  p.u.sign.signature = (ImpsMikeyBytes) { blob, 128 };
  return p;
}

static ImpsMikeyPayload
pke (void)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_PKE };
  p.u.pke.cache = IMPS_MIKEY_PKE_CACHE;
  p.u.pke.data = (ImpsMikeyBytes) { blob, 128 };
  return p;
}

static ImpsMikeyPayload
chash (void)
{
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_CHASH };
  p.u.chash.hash_func = IMPS_MIKEY_HASH_SHA256;
  p.u.chash.hash = (ImpsMikeyBytes) { blob, 32 };
  return p;
}

static ImpsMikeyPayload
dh (guint8 group)
{
  static const guint8 spi[4] = { 0, 0, 0, 1 };
  ImpsMikeyPayload p = { .type = IMPS_MIKEY_PAYLOAD_DH };
  p.u.dh.group = group;
  p.u.dh.value = (ImpsMikeyBytes) { blob, (gsize) imps_mikey_dh_group_len (group) };
  p.u.dh.kv = IMPS_MIKEY_KV_SPI;
  p.u.dh.spi = (ImpsMikeyBytes) { spi, 4 };
  return p;
}

static ImpsMikeyPayload
cert (void)
{
  return imps_mikey_payload_cert (IMPS_MIKEY_CERT_X509V3, blob, 200);
}

static ImpsMikeyMessage *
srtp_msg (guint8 dt, gboolean v)
{
  ImpsMikeyMessage *m = imps_mikey_message_new (dt, v, 0, 0xCD177E50, IMPS_MIKEY_CS_MAP_SRTP_ID, 2);
  m->hdr.cs[0].ssrc = 0x11111111;
  m->hdr.cs[1].policy_no = 1;
  return m;
}

static ImpsMikeyMessage *
empty_msg (guint8 dt, gboolean v, guint8 prf)
{
  return imps_mikey_message_new (dt, v, prf, 0x12345678, IMPS_MIKEY_CS_MAP_EMPTY, 0);
}

static ImpsMikeyMessage *
generic_msg (guint8 dt, gboolean v, gboolean answer)
{
  static const guint8 p1[] = { 1 };
  static const guint8 spi[] = { 0, 0, 0, 1 };
  ImpsMikeyMessage *m = imps_mikey_message_new (dt, v, 0, 0xabcdef01, IMPS_MIKEY_CS_MAP_GENERIC_ID, 2);
  /* profile §3: CS 1 offerer -> answerer (SSRC from the offer), CS 2 the
   * other direction (SSRC from the answer). */
  for (guint i = 0; i < 2; i++)
    {
      ImpsMikeyCsInfo cs = { .cs_id = (guint8) (i + 1), .prot_type = IMPS_MIKEY_PROT_SRTP,
                             .policies = { p1, 1 } };
      if (i == 0 || answer)
        {
          cs.has_ssrc = TRUE;
          cs.ssrc = 0x1000 + i;
        }
      if (answer)
        cs.spi = (ImpsMikeyBytes) { spi, 4 };
      imps_mikey_message_set_cs (m, i, &cs);
    }
  return m;
}

static ImpsMikeyPayload
tp_payload (guint type, ImpsMikeyPayload *items, guint n, const guint8 *td, gsize td_len,
            const guint8 *init, gsize init_len)
{
  ImpsMikeyPayload p = { .type = type };
  p.u.ticket.ticket_type = IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE;
  p.u.ticket.subtype = 1;
  p.u.ticket.version = 1;
  p.u.ticket.flags = IMPS_MIKEY_TICKET_FLAG_D | IMPS_MIKEY_TICKET_FLAG_E | IMPS_MIKEY_TICKET_FLAG_F
                     | IMPS_MIKEY_TICKET_FLAG_G | IMPS_MIKEY_TICKET_FLAG_H | IMPS_MIKEY_TICKET_FLAG_J
                     | IMPS_MIKEY_TICKET_FLAG_N | IMPS_MIKEY_TICKET_FLAG_O;
  if (init_len)
    p.u.ticket.flags |= IMPS_MIKEY_TICKET_FLAG_I;
  p.u.ticket.tp_items = items;
  p.u.ticket.n_tp_items = n;
  p.u.ticket.ticket_data = (ImpsMikeyBytes) { td, td_len };
  p.u.ticket.initiator_data = (ImpsMikeyBytes) { init, init_len };
  return p;
}

/* A TICKET (granted policy + base-ticket-shaped Ticket Data), in @m. */
static void
add_ticket (ImpsMikeyMessage *m, gboolean with_init)
{
  static const guint8 thdr[5] = { 1, 0, 0, 0, 1 };
  g_autoptr (ImpsMikeyChain) td = imps_mikey_chain_new ();
  ImpsMikeyPayload p = imps_mikey_payload_thdr (thdr, 5);
  imps_mikey_chain_add (td, &p);
  p = t_now ();
  imps_mikey_chain_add (td, &p);
  p = imps_mikey_payload_rand (rnd16, 16);
  imps_mikey_chain_add (td, &p);
  p = imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_AES_CM_128, blob, 50, IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_chain_add (td, &p);
  p = v_sha1 ();
  imps_mikey_chain_add (td, &p);
  gsize td_len;
  const guint8 *tdb = imps_mikey_chain_serialize (td, IMPS_MIKEY_CHAIN_THDR, &td_len, NULL);
  g_assert_nonnull (tdb);

  ImpsMikeyPayload items[4] = {
    imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI, S ("kms.example.org")),
    imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI, S ("sip:alice@example.org")),
    imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRE, IMPS_MIKEY_TS_NTP_UTC_32, 0xEC3F2C5F),
    imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org")),
  };
  guint8 init[45] = { 9, 9, 1 };
  init[24] = 1;
  add (m, tp_payload (IMPS_MIKEY_PAYLOAD_TICKET, items, 4, tdb, td_len, init, with_init ? 45 : 0));
}

static ImpsMikeyMessage *
build (guint dt)
{
  ImpsMikeyMessage *m = NULL;
  switch (dt)
    {
    case IMPS_MIKEY_DATA_PSK_INIT:
      m = srtp_msg (dt, TRUE);
      add (m, t_now ());
      add (m, imps_mikey_payload_rand (rnd16, 16));
      add (m, imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, S ("alice@example.org")));
      add (m, imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, S ("bob@example.org")));
      add (m, sp_aes_cm_80 (0));
      add (m, kemac (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160));
      break;
    case IMPS_MIKEY_DATA_PSK_VERIFY:
    case IMPS_MIKEY_DATA_PK_VERIFY:
      m = srtp_msg (dt, FALSE);
      add (m, t_now ());
      add (m, imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, S ("bob@example.org")));
      add (m, v_sha1 ());
      break;
    case IMPS_MIKEY_DATA_PK_INIT:
      m = srtp_msg (dt, TRUE);
      add (m, t_now ());
      add (m, imps_mikey_payload_rand (rnd16, 16));
      add (m, cert ());
      add (m, imps_mikey_payload_id (IMPS_MIKEY_ID_URI, S ("sip:bob@example.org")));
      add (m, sp_aes_cm_80 (0));
      add (m, kemac (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_HMAC_SHA1_160));
      add (m, chash ());
      add (m, pke ());
      add (m, sign ());
      break;
    case IMPS_MIKEY_DATA_DH_INIT:
      m = srtp_msg (dt, TRUE);
      add (m, t_now ());
      add (m, imps_mikey_payload_rand (rnd16, 16));
      add (m, imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, S ("alice@example.org")));
      add (m, sp_aes_cm_80 (0));
      add (m, dh (IMPS_MIKEY_DH_OAKLEY2));
      add (m, sign ());
      break;
    case IMPS_MIKEY_DATA_DH_RESP:
      m = srtp_msg (dt, FALSE);
      add (m, t_now ());
      add (m, cert ());
      add (m, dh (IMPS_MIKEY_DH_OAKLEY5));
      add (m, dh (IMPS_MIKEY_DH_OAKLEY1));
      add (m, sign ());
      break;
    case IMPS_MIKEY_DATA_ERROR:
      m = empty_msg (dt, FALSE, 0);
      add (m, t_now ());
      add (m, imps_mikey_payload_err (IMPS_MIKEY_ERR_AUTH_FAILURE));
      add (m, imps_mikey_payload_err (IMPS_MIKEY_ERR_INVALID_TICKET));
      add (m, v_sha1 ());
      break;
    case IMPS_MIKEY_DATA_DHHMAC_INIT:
      m = srtp_msg (dt, TRUE);
      add (m, t_now ());
      add (m, imps_mikey_payload_rand (rnd16, 16));
      add (m, imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, S ("alice@example.org")));
      add (m, dh (IMPS_MIKEY_DH_OAKLEY2));
      add (m, kemac (IMPS_MIKEY_ENCR_NULL, IMPS_MIKEY_MAC_HMAC_SHA1_160));
      break;
    case IMPS_MIKEY_DATA_DHHMAC_RESP:
      m = srtp_msg (dt, FALSE);
      add (m, t_now ());
      add (m, imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, S ("bob@example.org")));
      add (m, dh (IMPS_MIKEY_DH_OAKLEY2));
      add (m, dh (IMPS_MIKEY_DH_OAKLEY2));
      add (m, kemac (IMPS_MIKEY_ENCR_NULL, IMPS_MIKEY_MAC_HMAC_SHA1_160));
      break;
    case IMPS_MIKEY_DATA_RSA_R_INIT:
      m = srtp_msg (dt, TRUE);
      add (m, t_now ());
      add (m, imps_mikey_payload_rand (rnd16, 16));
      add (m, cert ());
      add (m, sp_aes_cm_80 (0));
      add (m, sign ());
      break;
    case IMPS_MIKEY_DATA_RSA_R_RESP:
      m = srtp_msg (dt, FALSE);
      add (m, t_now ());
      add (m, cert ());
      add (m, kemac (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_NULL));
      add (m, pke ());
      add (m, sign ());
      break;
    case IMPS_MIKEY_DATA_REQUEST_INIT_PK:
    case IMPS_MIKEY_DATA_REQUEST_INIT_PSK:
      {
        /* desired TP with a desired-keys KEMAC (A-7: zero key bytes, KV Null) */
        static const guint8 kd[] = { 0x00, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        ImpsMikeyPayload items[4] = {
          imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRS, IMPS_MIKEY_TS_NTP_UTC_32, 0xEC3F1E4F),
          imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRE, IMPS_MIKEY_TS_NTP_UTC_32, 0xEC3F2C5F),
          imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_NULL, kd, sizeof kd, IMPS_MIKEY_MAC_NULL, NULL, 0),
          imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org")),
        };
        gboolean pk = dt == IMPS_MIKEY_DATA_REQUEST_INIT_PK;
        m = empty_msg (dt, TRUE, 0);
        add (m, t_now ());
        add (m, imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_I, rnd16, 16));
        add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI, S ("sip:alice@example.org")));
        if (pk)
          add (m, cert ());
        add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI, S ("kms.example.org")));
        add (m, tp_payload (IMPS_MIKEY_PAYLOAD_TP, items, 4, NULL, 0, NULL, 0));
        if (pk)
          {
            add (m, chash ());
            add (m, pke ());
            add (m, sign ());
          }
        else
          {
            add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_PSK, IMPS_MIKEY_ID_BYTE_STRING,
                                            S ("ZmFrZVJBTkQ=@bsf.example.org")));
            add (m, v_sha1 ());
          }
      }
      break;
    case IMPS_MIKEY_DATA_REQUEST_RESP:
      m = empty_msg (dt, FALSE, 0);
      add (m, t_now ());
      add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI, S ("kms.example.org")));
      add_ticket (m, FALSE);
      add (m, kemac (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_NULL));
      add (m, v_sha1 ());
      break;
    case IMPS_MIKEY_DATA_TRANSFER_INIT:
      m = generic_msg (dt, TRUE, FALSE);
      add (m, t_now ());
      add (m, imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_I, rnd16, 16));
      add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI, S ("sip:alice@example.org")));
      add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org")));
      add (m, sp_aes_cm_80 (1));
      add_ticket (m, TRUE);
      add (m, imps_mikey_payload_general_ext (IMPS_MIKEY_EXT_SDP_IDS, S ("mikey")));
      add (m, v_sha1 ());
      break;
    case IMPS_MIKEY_DATA_TRANSFER_RESP:
      m = generic_msg (dt, FALSE, TRUE);
      add (m, t_now ());
      add (m, imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_R, rnd16, 16));
      add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org")));
      add (m, imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_KMS, rnd16, 16));
      add (m, sp_aes_cm_80 (2));
      add (m, kemac (IMPS_MIKEY_ENCR_AES_CM_128, IMPS_MIKEY_MAC_NULL));
      add (m, imps_mikey_payload_general_ext (IMPS_MIKEY_EXT_SDP_IDS, S ("mikey")));
      add (m, v_sha1 ());
      break;
    case IMPS_MIKEY_DATA_RESOLVE_INIT_PSK:
    case IMPS_MIKEY_DATA_RESOLVE_INIT_PK:
      {
        gboolean pk = dt == IMPS_MIKEY_DATA_RESOLVE_INIT_PK;
        m = empty_msg (dt, TRUE, 0);
        add (m, t_now ());
        add (m, imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_R, rnd16, 16));
        add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org")));
        if (pk)
          add (m, cert ());
        add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI, S ("kms.example.org")));
        add_ticket (m, TRUE);
        if (pk)
          {
            add (m, chash ());
            add (m, pke ());
            add (m, sign ());
          }
        else
          {
            add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_PSK, IMPS_MIKEY_ID_BYTE_STRING,
                                            S ("QmJiQkJiQkI=@bsf.example.org")));
            add (m, v_sha1 ());
          }
      }
      break;
    case IMPS_MIKEY_DATA_RESOLVE_RESP:
      m = empty_msg (dt, FALSE, 1);
      add (m, t_now ());
      add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI, S ("kms.example.org")));
      add (m, kemac (IMPS_MIKEY_ENCR_AES_CM_256, IMPS_MIKEY_MAC_NULL));
      add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org")));
      add (m, imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_KMS, rnd16, 16));
      add (m, imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA256_256, blob, 32));
      break;
    case IMPS_MIKEY_DATA_SAKKE:
      {
        ImpsMikeyPayload s = { .type = IMPS_MIKEY_PAYLOAD_SAKKE };
        s.u.sakke.params = 1;
        s.u.sakke.id_scheme = 1;
        s.u.sakke.data = (ImpsMikeyBytes) { blob, 97 };
        m = srtp_msg (dt, FALSE);
        add (m, t_now ());
        add (m, imps_mikey_payload_rand (rnd16, 16));
        add (m, imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI, S ("tel:+441234567890")));
        add (m, s);
        {
          ImpsMikeyPayload sg = sign ();
          sg.u.sign.sign_type = IMPS_MIKEY_SIGN_ECCSI;
          add (m, sg);
        }
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return m;
}

static const gchar v11_hex[] =
  "010B05801234567800010F00EC3F1E4F000000000E0110C0C1C2C3C4C5C6C7C8"
  "C9CACBCCCDCECF0E010100157369703A616C696365406578616D706C652E6F72"
  "67100301000F6B6D732E6578616D706C652E6F72670E0001010101F46000190E"
  "00020100137369703A626F62406578616D706C652E6F7267090402001C5A6D46"
  "725A564A42546B513D406273662E6578616D706C652E6F72670001B738DB098B"
  "9911DCB628CE5D2A2B867581CF8271";

static gchar *
corpus_path (const gchar *name)
{
  return g_test_build_filename (G_TEST_DIST, "..", "fuzz", "mikey", "corpus", "mikey-message",
                                name, NULL);
}

static void
check_or_write (const gchar *name, const guint8 *data, gsize len)
{
  g_autofree gchar *path = corpus_path (name);
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (g_getenv ("IMPS_WRITE_CORPUS"), "1") == 0)
    {
      g_assert_true (g_file_set_contents (path, (const gchar *) data, (gssize) len, &error));
      g_assert_no_error (error);
      return;
    }
  g_autofree gchar *contents = NULL;
  gsize clen = 0;
  if (!g_file_get_contents (path, &contents, &clen, &error))
    g_error ("corpus file %s missing (%s); run with IMPS_WRITE_CORPUS=1", path, error->message);
  g_assert_cmpmem (contents, clen, data, len);
}

static void
test_corpus_data_types (void)
{
  static const guint dts[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 26 };
  for (guint i = 0; i < G_N_ELEMENTS (dts); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsMikeyMessage) m = build (dts[i]);
      gsize len;
      const guint8 *out = imps_mikey_message_serialize (m, &len, &error);
      g_assert_no_error (error);
      /* valid under the data type's rules, no unexpected payloads, and
       * serialises back to the same bytes */
      g_autoptr (ImpsMikeyMessage) back = imps_mikey_message_parse (out, len, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (back->hdr.data_type, ==, dts[i]);
      for (guint k = 0; k < back->body.n_payloads; k++)
        if (back->body.payloads[k].unexpected)
          g_error ("data type %u: payload %u (%s) unexpected", dts[i], k,
                   imps_mikey_payload_type_name (back->body.payloads[k].type));
      gsize len2;
      const guint8 *out2 = imps_mikey_message_serialize (back, &len2, &error);
      g_assert_cmpmem (out, len, out2, len2);

      g_autofree gchar *lname = g_ascii_strdown (imps_mikey_data_type_name (dts[i]), -1);
      g_strdelimit (lname, " _/", '-');
      g_autofree gchar *name = g_strdup_printf ("dt%02u-%s.mikey", dts[i], lname);
      check_or_write (name, out, len);
    }
}

static void
test_corpus_vectors (void)
{
  g_autoptr (GBytes) v11 = imps_test_hex (v11_hex);
  check_or_write ("v11-request-init-psk.mikey", g_bytes_get_data (v11, NULL), g_bytes_get_size (v11));
  static const gchar *const b64[2] = {
    "AQAFgM0XflABAAAAAAAAAAAAAAsAyONQ6gAAAAAGEEoo2pee4hp2UaDX8ZE22YwKAAAPZG9uYWxkQGR1Y2suY29tAQAAAAAAAQAk0JKpgaVkDaawi9whVBtBt0KZ14ymNuu62+Nv3ozPLygwK/GbAV9iemnGUIZ19fWQUOSrzKTAv9zV",
    "AQEFgM0XflABAAAAAAAAAAAAAAYAyONQ6gAAAAAJAAAQbWlja2V5QG1vdXNlLmNvbQABn8HdGE5BMDXFIuGEga+62AgY5cc=",
  };
  static const gchar *const names[2] = { "rfc4567-offer.mikey", "rfc4567-answer.mikey" };
  for (guint i = 0; i < 2; i++)
    {
      gsize len;
      g_autofree guint8 *d = g_base64_decode (b64[i], &len);
      check_or_write (names[i], d, len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mikey/codec-corpus/data-types", test_corpus_data_types);
  g_test_add_func ("/mikey/codec-corpus/vectors", test_corpus_vectors);
  return g_test_run ();
}
