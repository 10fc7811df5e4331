/* Tests of the MIKEY / MIKEY-TICKET payload and message codec and of the
 * decoder tree (src/core/mikey/imps-mikey-{payload,message,dump}).
 *
 * Vectors: mikey-ticket.md §18.2 V11 (REQUEST_INIT_PSK, 175 bytes) and
 * §13.4 (RFC 4567 §5.1 example messages). Everything else is computed by
 * this project (round trips of values we chose). */
#include "mikey/imps-mikey-dump.h"
#include "mikey/imps-mikey-message.h"
#include "imps-bytes.h"
#include "imps-hex.h"
#include "imps-secret.h"
#include "imps-test.h"

#include <string.h>

/* mikey-ticket.md §18.2 V11. */
static const gchar v11_hex[] =
  "010B05801234567800010F00EC3F1E4F000000000E0110C0C1C2C3C4C5C6C7C8"
  "C9CACBCCCDCECF0E010100157369703A616C696365406578616D706C652E6F72"
  "67100301000F6B6D732E6578616D706C652E6F72670E0001010101F46000190E"
  "00020100137369703A626F62406578616D706C652E6F7267090402001C5A6D46"
  "725A564A42546B513D406273662E6578616D706C652E6F72670001B738DB098B"
  "9911DCB628CE5D2A2B867581CF8271";
static const gchar v11_mac_hex[] = "b738db098b9911dcb628ce5d2a2b867581cf8271";

/* mikey-ticket.md §13.4 (RFC 4567 §5.1). */
static const gchar rfc4567_offer_b64[] =
  "AQAFgM0XflABAAAAAAAAAAAAAAsAyONQ6gAAAAAGEEoo2pee4hp2UaDX8ZE22YwKAAAPZG9uYWxkQGR1Y2suY29tAQAAAAAAAQAk0JKpgaVkDaawi9whVBtBt0KZ14ymNuu62+Nv3ozPLygwK/GbAV9iemnGUIZ19fWQUOSrzKTAv9zV";
static const gchar rfc4567_answer_b64[] =
  "AQEFgM0XflABAAAAAAAAAAAAAAYAyONQ6gAAAAAJAAAQbWlja2V5QG1vdXNlLmNvbQABn8HdGE5BMDXFIuGEga+62AgY5cc=";

#define S(str) (const guint8 *) (str), strlen (str)

static GBytes *
v11_bytes (void)
{
  return imps_test_hex (v11_hex);
}

static void
assert_bytes_str (ImpsMikeyBytes b, const gchar *s)
{
  g_assert_cmpuint (b.len, ==, strlen (s));
  g_assert_cmpmem (b.data, b.len, s, strlen (s));
}

/* ------------------------------------------------------------------ */

static void
test_v11_parse (void)
{
  g_autoptr (GBytes) raw = v11_bytes ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (raw, &len);
  g_assert_cmpuint (len, ==, 175);

  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_parse (data, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);

  /* HDR */
  g_assert_cmpuint (msg->hdr.version, ==, 1);
  g_assert_cmpuint (msg->hdr.data_type, ==, IMPS_MIKEY_DATA_REQUEST_INIT_PSK);
  g_assert_cmpuint (msg->hdr.next_payload, ==, IMPS_MIKEY_PAYLOAD_T);
  g_assert_true (msg->hdr.v);
  g_assert_cmpuint (msg->hdr.prf, ==, IMPS_MIKEY_PRF_MIKEY_1);
  g_assert_cmphex (msg->hdr.csb_id, ==, 0x12345678);
  g_assert_cmpuint (msg->hdr.n_cs, ==, 0);
  g_assert_cmpuint (msg->hdr.map_type, ==, IMPS_MIKEY_CS_MAP_EMPTY);
  g_assert_cmpuint (msg->hdr.length, ==, 10);
  g_assert_cmpuint (msg->body.n_payloads, ==, 7);
  g_assert_cmpuint (msg->body.raw_len, ==, 175);

  static const struct { guint type; gsize offset, length; } layout[] = {
    { IMPS_MIKEY_PAYLOAD_T, 10, 10 }, { IMPS_MIKEY_PAYLOAD_RANDR, 20, 19 },
    { IMPS_MIKEY_PAYLOAD_IDR, 39, 26 }, { IMPS_MIKEY_PAYLOAD_IDR, 65, 20 },
    { IMPS_MIKEY_PAYLOAD_TP, 85, 35 }, { IMPS_MIKEY_PAYLOAD_IDR, 120, 33 },
    { IMPS_MIKEY_PAYLOAD_V, 153, 22 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (layout); i++)
    {
      const ImpsMikeyPayload *p = &msg->body.payloads[i];
      g_assert_cmpuint (p->type, ==, layout[i].type);
      g_assert_cmpuint (p->offset, ==, layout[i].offset);
      g_assert_cmpuint (p->length, ==, layout[i].length);
      g_assert_false (p->unexpected);
      g_assert_true (p->raw.data == msg->body.raw + p->offset);
    }

  const ImpsMikeyPayload *t = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_T);
  g_assert_cmpuint (t->u.ts.ts_type, ==, IMPS_MIKEY_TS_NTP_UTC);
  g_assert_cmphex (t->u.ts.value, ==, G_GUINT64_CONSTANT (0xEC3F1E4F00000000));

  const ImpsMikeyPayload *r = imps_mikey_message_find_randr (msg, IMPS_MIKEY_RAND_ROLE_I);
  g_assert_nonnull (r);
  imps_assert_hex (r->u.rand.data.data, r->u.rand.data.len, "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
  g_assert_null (imps_mikey_message_find_randr (msg, IMPS_MIKEY_RAND_ROLE_R));

  const ImpsMikeyPayload *idri = imps_mikey_message_find_idr (msg, IMPS_MIKEY_ID_ROLE_I);
  g_assert_cmpuint (idri->u.id.id_type, ==, IMPS_MIKEY_ID_URI);
  assert_bytes_str (idri->u.id.data, "sip:alice@example.org");
  const ImpsMikeyPayload *idrk = imps_mikey_message_find_idr (msg, IMPS_MIKEY_ID_ROLE_KMS);
  g_assert_cmpuint (idrk->u.id.id_type, ==, IMPS_MIKEY_ID_URI);
  assert_bytes_str (idrk->u.id.data, "kms.example.org");
  const ImpsMikeyPayload *idrp = imps_mikey_message_find_idr (msg, IMPS_MIKEY_ID_ROLE_PSK);
  g_assert_cmpuint (idrp->u.id.id_type, ==, IMPS_MIKEY_ID_BYTE_STRING);
  assert_bytes_str (idrp->u.id.data, "ZmFrZVJBTkQ=@bsf.example.org");

  const ImpsMikeyPayload *tp = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_TP);
  const ImpsMikeyTicket *tk = &tp->u.ticket;
  g_assert_cmpuint (tk->ticket_type, ==, IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE);
  g_assert_cmpuint (tk->subtype, ==, 1);
  g_assert_cmpuint (tk->version, ==, 1);
  g_assert_cmpuint (tk->prf, ==, 0);
  /* flags 01 F4 60 = D, E F G H J, N O (§18.2 V11, profile §3) */
  g_assert_cmphex (tk->flags, ==, IMPS_MIKEY_TICKET_FLAG_D | IMPS_MIKEY_TICKET_FLAG_E
                   | IMPS_MIKEY_TICKET_FLAG_F | IMPS_MIKEY_TICKET_FLAG_G | IMPS_MIKEY_TICKET_FLAG_H
                   | IMPS_MIKEY_TICKET_FLAG_J | IMPS_MIKEY_TICKET_FLAG_N | IMPS_MIKEY_TICKET_FLAG_O);
  g_assert_cmpuint (tk->reserved, ==, 0);
  g_assert_cmpuint (tk->tp_data.len, ==, 25);
  g_assert_cmpuint (tk->tp_data_offset, ==, 95);
  g_assert_cmpuint (tk->n_tp_items, ==, 1);
  g_assert_cmpuint (tk->tp_items[0].type, ==, IMPS_MIKEY_PAYLOAD_IDR);
  g_assert_cmpuint (tk->tp_items[0].offset, ==, 96);
  g_assert_cmpuint (tk->tp_items[0].u.id.role, ==, IMPS_MIKEY_ID_ROLE_R);
  assert_bytes_str (tk->tp_items[0].u.id.data, "sip:bob@example.org");
  g_assert_nonnull (imps_mikey_payloads_find (tk->tp_items, tk->n_tp_items,
                                              IMPS_MIKEY_PAYLOAD_IDR, IMPS_MIKEY_ID_ROLE_R));

  const ImpsMikeyPayload *v = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_V);
  g_assert_cmpuint (v->u.v.auth_alg, ==, IMPS_MIKEY_MAC_HMAC_SHA1_160);
  g_assert_cmpuint (v->u.v.mac_offset, ==, 155);
  imps_assert_hex (v->u.v.mac.data, v->u.v.mac.len, v11_mac_hex);
  /* §18.2: the MAC input is the message up to and including V's Auth alg
   * byte, so the MAC field starts exactly at 175 - 20. */
  g_assert_cmpuint (v->u.v.mac_offset + 20, ==, len);

  const ImpsMikeyPayload *all[4];
  g_assert_cmpuint (imps_mikey_message_find_all_idr (msg, 0, all, 4), ==, 3);
  g_assert_true (all[2] == idrp);
}

/* Builds V11 from its values (§18.2). */
static ImpsMikeyMessage *
build_v11 (const guint8 *mac)
{
  static const guint8 randri[16] = {
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
    0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
  };
  ImpsMikeyMessage *msg = imps_mikey_message_new (IMPS_MIKEY_DATA_REQUEST_INIT_PSK, TRUE,
                                                  IMPS_MIKEY_PRF_MIKEY_1, 0x12345678,
                                                  IMPS_MIKEY_CS_MAP_EMPTY, 0);
  ImpsMikeyPayload p;

  p = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, G_GUINT64_CONSTANT (0xEC3F1E4F00000000));
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_I, randri, sizeof randri);
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI, S ("sip:alice@example.org"));
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI, S ("kms.example.org"));
  imps_mikey_message_add (msg, &p);

  ImpsMikeyPayload idrr = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI,
                                                  S ("sip:bob@example.org"));
  ImpsMikeyPayload tp = { .type = IMPS_MIKEY_PAYLOAD_TP };
  tp.u.ticket.ticket_type = IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE;
  tp.u.ticket.subtype = 1;
  tp.u.ticket.version = 1;
  tp.u.ticket.prf = 0;
  tp.u.ticket.flags = IMPS_MIKEY_TICKET_FLAG_D | IMPS_MIKEY_TICKET_FLAG_E | IMPS_MIKEY_TICKET_FLAG_F
                      | IMPS_MIKEY_TICKET_FLAG_G | IMPS_MIKEY_TICKET_FLAG_H | IMPS_MIKEY_TICKET_FLAG_J
                      | IMPS_MIKEY_TICKET_FLAG_N | IMPS_MIKEY_TICKET_FLAG_O;
  tp.u.ticket.tp_items = &idrr;
  tp.u.ticket.n_tp_items = 1;
  imps_mikey_message_add (msg, &tp);

  p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_PSK, IMPS_MIKEY_ID_BYTE_STRING,
                              S ("ZmFrZVJBTkQ=@bsf.example.org"));
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA1_160, mac, mac ? 20 : 0);
  imps_mikey_message_add (msg, &p);
  return msg;
}

static void
test_v11_build (void)
{
  g_autoptr (GBytes) expect = v11_bytes ();
  g_autoptr (GError) error = NULL;
  guint8 mac[20];
  gsize len = 0;

  /* The MAC is copied from the vector: this is a codec test; the MAC
   * computation is tested by the exchange half. */
  imps_test_hex_into (v11_mac_hex, mac, sizeof mac);

  g_autoptr (ImpsMikeyMessage) msg = build_v11 (mac);
  const guint8 *out = imps_mikey_message_serialize (msg, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (out, len, g_bytes_get_data (expect, NULL), g_bytes_get_size (expect));

  /* With the MAC left out, then filled in through the recorded offset. */
  g_autoptr (ImpsMikeyMessage) msg2 = build_v11 (NULL);
  out = imps_mikey_message_serialize (msg2, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, 175);
  const ImpsMikeyPayload *v = imps_mikey_message_find (msg2, IMPS_MIKEY_PAYLOAD_V);
  g_assert_cmpuint (v->u.v.mac_offset, ==, 155);
  for (guint i = 155; i < 175; i++)
    g_assert_cmpuint (out[i], ==, 0);
  g_assert_false (imps_mikey_message_set_v_mac (msg2, mac, 19));
  g_assert_true (imps_mikey_message_set_v_mac (msg2, mac, 20));
  g_assert_cmpmem (msg2->body.raw, msg2->body.raw_len,
                   g_bytes_get_data (expect, NULL), g_bytes_get_size (expect));
  imps_assert_hex (v->u.v.mac.data, 20, v11_mac_hex);
  g_autoptr (GBytes) b = imps_mikey_message_to_bytes (msg2, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (b, expect));
}

static void
test_rfc4567 (void)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  g_autofree guint8 *offer = g_base64_decode (rfc4567_offer_b64, &len);
  g_assert_cmpuint (len, ==, 132);

  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_parse (offer, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msg->hdr.data_type, ==, IMPS_MIKEY_DATA_PSK_INIT);
  g_assert_true (msg->hdr.v);
  g_assert_cmphex (msg->hdr.csb_id, ==, 0xCD177E50);
  g_assert_cmpuint (msg->hdr.n_cs, ==, 1);
  g_assert_cmpuint (msg->hdr.map_type, ==, IMPS_MIKEY_CS_MAP_SRTP_ID);
  g_assert_cmpuint (msg->hdr.cs[0].policy_no, ==, 0);
  g_assert_cmpuint (msg->hdr.cs[0].ssrc, ==, 0);
  g_assert_cmpuint (msg->hdr.cs[0].roc, ==, 0);
  g_assert_cmpuint (msg->hdr.length, ==, 19);
  g_assert_cmpuint (msg->body.n_payloads, ==, 5);
  const ImpsMikeyPayload *p = msg->body.payloads;
  g_assert_cmpuint (p[0].type, ==, IMPS_MIKEY_PAYLOAD_T);
  g_assert_cmphex (p[0].u.ts.value, ==, G_GUINT64_CONSTANT (0xC8E350EA00000000));
  g_assert_cmpuint (p[1].type, ==, IMPS_MIKEY_PAYLOAD_RAND);
  g_assert_cmpuint (p[1].u.rand.data.len, ==, 16);
  g_assert_cmpuint (p[1].u.rand.data.data[0], ==, 0x4A);
  g_assert_cmpuint (p[2].type, ==, IMPS_MIKEY_PAYLOAD_ID);
  g_assert_cmpuint (p[2].u.id.id_type, ==, IMPS_MIKEY_ID_NAI);
  assert_bytes_str (p[2].u.id.data, "donald@duck.com");
  g_assert_cmpuint (p[3].type, ==, IMPS_MIKEY_PAYLOAD_SP);
  g_assert_cmpuint (p[3].u.sp.policy_no, ==, 0);
  g_assert_cmpuint (p[3].u.sp.prot_type, ==, IMPS_MIKEY_PROT_SRTP);
  g_assert_cmpuint (p[3].u.sp.n_params, ==, 0);
  g_assert_cmpuint (p[4].type, ==, IMPS_MIKEY_PAYLOAD_KEMAC);
  g_assert_cmpuint (p[4].u.kemac.encr_alg, ==, IMPS_MIKEY_ENCR_AES_CM_128);
  g_assert_cmpuint (p[4].u.kemac.encr_data.len, ==, 36);
  g_assert_cmpuint (p[4].u.kemac.encr_data.data[0], ==, 0xD0);
  g_assert_cmpuint (p[4].u.kemac.mac_alg, ==, IMPS_MIKEY_MAC_HMAC_SHA1_160);
  g_assert_cmpuint (p[4].u.kemac.mac.len, ==, 20);
  g_assert_cmpuint (p[4].u.kemac.mac.data[0], ==, 0x5F);
  g_assert_cmpuint (p[4].u.kemac.mac_offset, ==, 112);
  g_assert_cmpuint (p[4].offset + p[4].length, ==, 132);

  /* Re-serialising gives the same bytes. */
  gsize olen;
  const guint8 *out = imps_mikey_message_serialize (msg, &olen, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (out, olen, offer, len);

  g_autofree guint8 *answer = g_base64_decode (rfc4567_answer_b64, &len);
  g_assert_cmpuint (len, ==, 71);
  g_autoptr (ImpsMikeyMessage) ans = imps_mikey_message_parse (answer, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ans->hdr.data_type, ==, IMPS_MIKEY_DATA_PSK_VERIFY);
  g_assert_cmpuint (ans->body.n_payloads, ==, 3);
  g_assert_cmpuint (ans->body.payloads[1].type, ==, IMPS_MIKEY_PAYLOAD_ID);
  assert_bytes_str (ans->body.payloads[1].u.id.data, "mickey@mouse.com");
  g_assert_cmpuint (ans->body.payloads[2].type, ==, IMPS_MIKEY_PAYLOAD_V);
  g_assert_cmpuint (ans->body.payloads[2].u.v.mac_offset, ==, 51);
  out = imps_mikey_message_serialize (ans, &olen, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (out, olen, answer, len);
}

/* ------------------------------------------------------------------ */
/* Round trips (values computed by this project)                        */

/* Serialises @msg, parses the bytes, serialises the parse, and checks both
 * byte strings are equal; returns the parsed message. */
static ImpsMikeyMessage *
round_trip (ImpsMikeyMessage *msg)
{
  g_autoptr (GError) error = NULL;
  gsize len, len2;
  const guint8 *out = imps_mikey_message_serialize (msg, &len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  ImpsMikeyMessage *back = imps_mikey_message_parse (out, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->body.n_payloads, ==, msg->body.n_payloads);
  for (guint i = 0; i < back->body.n_payloads; i++)
    {
      /* Offsets recorded on serialise equal those found on parse. */
      g_assert_cmpuint (back->body.payloads[i].type, ==, msg->body.payloads[i].type);
      g_assert_cmpuint (back->body.payloads[i].offset, ==, msg->body.payloads[i].offset);
      g_assert_cmpuint (back->body.payloads[i].length, ==, msg->body.payloads[i].length);
      g_assert_cmpmem (back->body.payloads[i].raw.data, back->body.payloads[i].raw.len,
                       msg->body.payloads[i].raw.data, msg->body.payloads[i].raw.len);
    }
  const guint8 *out2 = imps_mikey_message_serialize (back, &len2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (out, len, out2, len2);
  return back;
}

/* A data type without rules, so that any payload may appear. */
#define DT_FREE 200

static void
test_round_trip_t (void)
{
  static const struct { guint8 type; guint64 value; } ts[] = {
    { IMPS_MIKEY_TS_NTP_UTC, G_GUINT64_CONSTANT (0xEC3F1E4F80000000) },
    { IMPS_MIKEY_TS_NTP, G_GUINT64_CONSTANT (0x0102030405060708) },
    { IMPS_MIKEY_TS_COUNTER, 0xfffffffe },
    { IMPS_MIKEY_TS_NTP_UTC_32, 0xEC3F1E4F },
  };
  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_new (DT_FREE, FALSE, 1, 7,
                                                             IMPS_MIKEY_CS_MAP_EMPTY, 0);
  for (guint i = 0; i < G_N_ELEMENTS (ts); i++)
    {
      ImpsMikeyPayload p = imps_mikey_payload_t (ts[i].type, ts[i].value);
      imps_mikey_message_add (msg, &p);
    }
  for (guint role = 1; role <= 4; role++)
    for (guint i = 0; i < G_N_ELEMENTS (ts); i++)
      {
        ImpsMikeyPayload p = imps_mikey_payload_tr (role, ts[i].type, ts[i].value);
        imps_mikey_message_add (msg, &p);
      }
  g_autoptr (ImpsMikeyMessage) back = round_trip (msg);
  g_assert_cmpuint (back->hdr.prf, ==, 1);
  for (guint i = 0; i < back->body.n_payloads; i++)
    {
      const ImpsMikeyPayload *p = &back->body.payloads[i];
      guint k = i % G_N_ELEMENTS (ts);
      g_assert_cmpuint (p->u.ts.ts_type, ==, ts[k].type);
      g_assert_cmphex (p->u.ts.value, ==, ts[k].value);
      g_assert_cmpuint (p->length, ==, (i < 4 ? 2 : 3) + (ts[k].type < 2 ? 8 : 4));
      if (i >= 4)
        g_assert_cmpuint (p->u.ts.role, ==, 1 + (i - 4) / 4);
    }
  /* the 64-bit forms. */
  ImpsMikeyTimestamp c = { 0, IMPS_MIKEY_TS_COUNTER, 0x11223344 };
  ImpsMikeyTimestamp n32 = { 0, IMPS_MIKEY_TS_NTP_UTC_32, 0x11223344 };
  g_assert_cmphex (imps_mikey_timestamp_to_64 (&c), ==, 0x11223344);
  g_assert_cmphex (imps_mikey_timestamp_to_64 (&n32), ==, G_GUINT64_CONSTANT (0x1122334400000000));
}

static void
test_round_trip_ids (void)
{
  static const guint8 rnd[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_new (DT_FREE, TRUE, 0, 1,
                                                             IMPS_MIKEY_CS_MAP_EMPTY, 0);
  ImpsMikeyPayload p;
  for (guint role = 1; role <= 5; role++)
    for (guint type = 0; type <= 2; type++)
      {
        g_autofree gchar *id = g_strdup_printf ("sip:user%u-%u@example.org", role, type);
        p = imps_mikey_payload_idr (role, type, S (id));
        imps_mikey_message_add (msg, &p);
      }
  p = imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, S ("donald@duck.com"));
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_id (IMPS_MIKEY_ID_URI, NULL, 0);
  imps_mikey_message_add (msg, &p);
  for (guint ct = 0; ct <= 3; ct++)
    {
      p = imps_mikey_payload_cert (ct, rnd, 5 + ct);
      imps_mikey_message_add (msg, &p);
    }
  p = imps_mikey_payload_rand (rnd, 16);
  imps_mikey_message_add (msg, &p);
  for (guint role = 1; role <= 3; role++)
    {
      p = imps_mikey_payload_randr (role, rnd, 16 * (role == 3 ? 2 : 1));
      imps_mikey_message_add (msg, &p);
    }
  g_autoptr (ImpsMikeyMessage) back = round_trip (msg);
  guint i = 0;
  for (guint role = 1; role <= 5; role++)
    for (guint type = 0; type <= 2; type++, i++)
      {
        g_autofree gchar *id = g_strdup_printf ("sip:user%u-%u@example.org", role, type);
        g_assert_cmpuint (back->body.payloads[i].u.id.role, ==, role);
        g_assert_cmpuint (back->body.payloads[i].u.id.id_type, ==, type);
        assert_bytes_str (back->body.payloads[i].u.id.data, id);
      }
  g_assert_cmpuint (imps_mikey_message_find_all_idr (back, IMPS_MIKEY_ID_ROLE_R, NULL, 0), ==, 3);
  assert_bytes_str (back->body.payloads[15].u.id.data, "donald@duck.com");
  g_assert_cmpuint (back->body.payloads[16].u.id.data.len, ==, 0);
  for (guint ct = 0; ct <= 3; ct++)
    {
      const ImpsMikeyPayload *c = &back->body.payloads[17 + ct];
      g_assert_cmpuint (c->type, ==, IMPS_MIKEY_PAYLOAD_CERT);
      g_assert_cmpuint (c->u.id.id_type, ==, ct);
      g_assert_cmpmem (c->u.id.data.data, c->u.id.data.len, rnd, 5 + ct);
    }
  g_assert_cmpmem (back->body.payloads[21].u.rand.data.data, 16, rnd, 16);
  const ImpsMikeyPayload *rk = imps_mikey_message_find_randr (back, IMPS_MIKEY_RAND_ROLE_KMS);
  g_assert_cmpuint (rk->u.rand.data.len, ==, 32);
  g_assert_cmpmem (rk->u.rand.data.data, 32, rnd, 32);
}

static void
test_round_trip_misc (void)
{
  static const guint8 mac32[32] = { 0xaa, 0xbb, [31] = 0xcc };
  static const guint8 blob[200] = { 9, 8, 7, [199] = 0x42 };
  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_new (DT_FREE, FALSE, 0, 0xdeadbeef,
                                                             IMPS_MIKEY_CS_MAP_EMPTY, 0);
  ImpsMikeyPayload p;

  for (guint alg = 0; alg <= 2; alg++)
    {
      p = imps_mikey_payload_v (alg, alg ? mac32 : NULL, alg == 1 ? 20 : alg == 2 ? 32 : 0);
      imps_mikey_message_add (msg, &p);
    }
  for (guint e = 0; e <= 15; e++)
    {
      p = imps_mikey_payload_err (e);
      imps_mikey_message_add (msg, &p);
    }
  for (guint ea = 0; ea <= 3; ea++)
    for (guint ma = 0; ma <= 2; ma++)
      {
        p = imps_mikey_payload_kemac (ea, blob, 36 + ea, ma, ma ? mac32 : NULL,
                                      ma == 1 ? 20 : ma == 2 ? 32 : 0);
        imps_mikey_message_add (msg, &p);
      }
  p = imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_AES_CM_128, NULL, 0, IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_message_add (msg, &p);
  for (guint t = 0; t <= 5; t++)
    {
      p = imps_mikey_payload_general_ext (t, (const guint8 *) "mikey;keyp1", 5 + t);
      imps_mikey_message_add (msg, &p);
    }
  p = (ImpsMikeyPayload) { .type = IMPS_MIKEY_PAYLOAD_PKE };
  p.u.pke.cache = IMPS_MIKEY_PKE_CACHE_CSB;
  p.u.pke.data = (ImpsMikeyBytes) { blob, 128 };
  imps_mikey_message_add (msg, &p);
  for (guint hf = 0; hf <= 2; hf++)
    {
      p = (ImpsMikeyPayload) { .type = IMPS_MIKEY_PAYLOAD_CHASH };
      p.u.chash.hash_func = hf;
      p.u.chash.hash = (ImpsMikeyBytes) { blob, (gsize) imps_mikey_hash_func_len (hf) };
      imps_mikey_message_add (msg, &p);
    }
  for (guint g = 0; g <= 2; g++)
    {
      p = (ImpsMikeyPayload) { .type = IMPS_MIKEY_PAYLOAD_DH };
      p.u.dh.group = g;
      p.u.dh.value = (ImpsMikeyBytes) { blob, (gsize) imps_mikey_dh_group_len (g) };
      p.u.dh.kv = g;   /* Null, SPI, Interval */
      p.u.dh.spi = (ImpsMikeyBytes) { blob, g == 1 ? 4 : 0 };
      p.u.dh.valid_from = (ImpsMikeyBytes) { blob, g == 2 ? 6 : 0 };
      p.u.dh.valid_to = (ImpsMikeyBytes) { blob + 6, g == 2 ? 6 : 0 };
      imps_mikey_message_add (msg, &p);
    }
  p = (ImpsMikeyPayload) { .type = IMPS_MIKEY_PAYLOAD_SAKKE };
  p.u.sakke.params = 1;
  p.u.sakke.id_scheme = 1;
  p.u.sakke.data = (ImpsMikeyBytes) { blob, 97 };
  imps_mikey_message_add (msg, &p);
  p = (ImpsMikeyPayload) { .type = IMPS_MIKEY_PAYLOAD_SIGN };
  p.u.sign.sign_type = IMPS_MIKEY_SIGN_RSA_PSS;
  p.u.sign.signature = (ImpsMikeyBytes) { blob, 128 };
  imps_mikey_message_add (msg, &p);

  g_autoptr (ImpsMikeyMessage) back = round_trip (msg);
  const ImpsMikeyPayload *b = back->body.payloads;
  guint i = 0;
  for (guint alg = 0; alg <= 2; alg++, i++)
    {
      g_assert_cmpuint (b[i].u.v.auth_alg, ==, alg);
      g_assert_cmpuint (b[i].u.v.mac.len, ==, (guint) imps_mikey_mac_alg_len (alg));
      g_assert_cmpuint (b[i].u.v.mac_offset, ==, b[i].offset + 2);
    }
  for (guint e = 0; e <= 15; e++, i++)
    {
      g_assert_cmpuint (b[i].type, ==, IMPS_MIKEY_PAYLOAD_ERR);
      g_assert_cmpuint (b[i].u.err.error_no, ==, e);
      g_assert_cmpuint (b[i].length, ==, 4);
    }
  for (guint ea = 0; ea <= 3; ea++)
    for (guint ma = 0; ma <= 2; ma++, i++)
      {
        g_assert_cmpuint (b[i].u.kemac.encr_alg, ==, ea);
        g_assert_cmpuint (b[i].u.kemac.mac_alg, ==, ma);
        g_assert_cmpmem (b[i].u.kemac.encr_data.data, b[i].u.kemac.encr_data.len, blob, 36 + ea);
        g_assert_cmpuint (b[i].u.kemac.encr_data_offset, ==, b[i].offset + 4);
        g_assert_cmpuint (b[i].u.kemac.mac_offset, ==, b[i].offset + 5 + 36 + ea);
        if (ma)
          g_assert_cmpmem (b[i].u.kemac.mac.data, b[i].u.kemac.mac.len, mac32,
                           (gsize) imps_mikey_mac_alg_len (ma));
      }
  g_assert_cmpuint (b[i].u.kemac.encr_data.len, ==, 0);
  i++;
  for (guint t = 0; t <= 5; t++, i++)
    {
      g_assert_cmpuint (b[i].u.ext.ext_type, ==, t);
      g_assert_cmpmem (b[i].u.ext.data.data, b[i].u.ext.data.len, "mikey;keyp1", 5 + t);
    }
  g_assert_cmpuint (b[i].u.pke.cache, ==, IMPS_MIKEY_PKE_CACHE_CSB);
  g_assert_cmpuint (b[i].u.pke.data.len, ==, 128);
  i++;
  for (guint hf = 0; hf <= 2; hf++, i++)
    g_assert_cmpuint (b[i].u.chash.hash.len, ==, (guint) imps_mikey_hash_func_len (hf));
  for (guint g = 0; g <= 2; g++, i++)
    {
      g_assert_cmpuint (b[i].u.dh.group, ==, g);
      g_assert_cmpuint (b[i].u.dh.kv, ==, g);
      g_assert_cmpuint (b[i].u.dh.value.len, ==, (guint) imps_mikey_dh_group_len (g));
      g_assert_cmpuint (b[i].u.dh.spi.len, ==, g == 1 ? 4 : 0);
      g_assert_cmpuint (b[i].u.dh.valid_to.len, ==, g == 2 ? 6 : 0);
    }
  g_assert_cmpuint (b[i].u.sakke.data.len, ==, 97);
  i++;
  g_assert_cmpuint (b[i].type, ==, IMPS_MIKEY_PAYLOAD_SIGN);
  g_assert_cmpuint (b[i].u.sign.sign_type, ==, IMPS_MIKEY_SIGN_RSA_PSS);
  g_assert_cmpuint (b[i].u.sign.signature.len, ==, 128);
  g_assert_cmpuint (b[i].offset + b[i].length, ==, back->body.raw_len);
}

static void
test_round_trip_sp (void)
{
  /* All SRTP policy parameter types 0..20 (§4.12), one byte each except
   * ROC transmission rate (16-bit), and an unknown type 99. */
  ImpsMikeySpParam params[22];
  guint8 vals[22][2];
  for (guint t = 0; t <= 20; t++)
    {
      vals[t][0] = (guint8) (t + 1);
      vals[t][1] = 0x55;
      params[t].type = (guint8) t;
      params[t].value = (ImpsMikeyBytes) { vals[t], t == IMPS_MIKEY_SP_SRTP_ROC_RATE ? 2 : 1 };
    }
  params[21].type = 99;
  params[21].value = (ImpsMikeyBytes) { NULL, 0 };

  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_new (IMPS_MIKEY_DATA_TRANSFER_INIT, TRUE, 0,
                                                             0x01020304, IMPS_MIKEY_CS_MAP_GENERIC_ID, 2);
  /* GENERIC-ID: CS 1 with two policies, SSRC only; CS 2 with S = 1. */
  static const guint8 pols[] = { 1, 2 };
  static const guint8 spi[] = { 0, 0, 0, 7 };
  ImpsMikeyCsInfo cs1 = { .cs_id = 1, .prot_type = 0, .policies = { pols, 2 },
                          .has_ssrc = TRUE, .ssrc = 0x11223344, .spi = { spi, 4 } };
  ImpsMikeyCsInfo cs2 = { .cs_id = 2, .prot_type = 0, .s_flag = TRUE, .policies = { pols + 1, 1 },
                          .has_ssrc = TRUE, .ssrc = 0x55667788, .roc = 3, .seq = 0xbeef };
  imps_mikey_message_set_cs (msg, 0, &cs1);
  imps_mikey_message_set_cs (msg, 1, &cs2);
  ImpsMikeyPayload p = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, 1);
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_sp (1, IMPS_MIKEY_PROT_SRTP, params, G_N_ELEMENTS (params));
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_sp (2, IMPS_MIKEY_PROT_SRTP, NULL, 0);
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL, 0);
  imps_mikey_message_add (msg, &p);

  g_autoptr (ImpsMikeyMessage) back = round_trip (msg);
  g_assert_cmpuint (back->hdr.n_cs, ==, 2);
  g_assert_cmpuint (back->hdr.cs[0].cs_id, ==, 1);
  g_assert_cmpuint (back->hdr.cs[0].policies.len, ==, 2);
  g_assert_true (back->hdr.cs[0].has_ssrc);
  g_assert_cmphex (back->hdr.cs[0].ssrc, ==, 0x11223344);
  g_assert_cmpuint (back->hdr.cs[0].session_data.len, ==, 4);
  imps_assert_hex (back->hdr.cs[0].spi.data, back->hdr.cs[0].spi.len, "00000007");
  g_assert_true (back->hdr.cs[1].s_flag);
  g_assert_cmphex (back->hdr.cs[1].ssrc, ==, 0x55667788);
  g_assert_cmpuint (back->hdr.cs[1].roc, ==, 3);
  g_assert_cmphex (back->hdr.cs[1].seq, ==, 0xbeef);
  g_assert_cmpuint (back->hdr.cs[1].spi.len, ==, 0);
  /* 10 + CS1 (3 + 2 + 2 + 4 + 1 + 4) + CS2 (3 + 1 + 2 + 10 + 1) */
  g_assert_cmpuint (back->hdr.length, ==, 10 + 16 + 17);

  const ImpsMikeyPayload *sp = &back->body.payloads[1];
  g_assert_cmpuint (sp->u.sp.n_params, ==, 22);
  for (guint t = 0; t <= 20; t++)
    {
      const ImpsMikeySpParam *pp = imps_mikey_sp_find_param (&sp->u.sp, (guint8) t);
      g_assert_nonnull (pp);
      g_assert_cmpuint (pp->value.data[0], ==, t + 1);
    }
  g_assert_cmpuint (imps_mikey_sp_find_param (&sp->u.sp, 99)->value.len, ==, 0);
  g_assert_null (imps_mikey_sp_find_param (&back->body.payloads[2].u.sp, 0));

  /* SRTP-ID map (RFC 3830 data type 0), three sessions. */
  g_autoptr (ImpsMikeyMessage) m0 = imps_mikey_message_new (IMPS_MIKEY_DATA_PSK_INIT, TRUE, 0, 9,
                                                            IMPS_MIKEY_CS_MAP_SRTP_ID, 3);
  for (guint i = 0; i < 3; i++)
    {
      m0->hdr.cs[i].policy_no = (guint8) i;
      m0->hdr.cs[i].ssrc = 0x1000 + i;
      m0->hdr.cs[i].roc = i * 7;
    }
  static const guint8 rnd[16] = { 0 };
  p = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP, 5);
  imps_mikey_message_add (m0, &p);
  p = imps_mikey_payload_rand (rnd, 16);
  imps_mikey_message_add (m0, &p);
  p = imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_AES_CM_128, rnd, 16, IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL, 0);
  imps_mikey_message_add (m0, &p);
  g_autoptr (ImpsMikeyMessage) b0 = round_trip (m0);
  g_assert_cmpuint (b0->hdr.length, ==, 10 + 27);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (b0->hdr.cs[i].policy_no, ==, i);
      g_assert_cmpuint (b0->hdr.cs[i].ssrc, ==, 0x1000 + i);
      g_assert_cmpuint (b0->hdr.cs[i].roc, ==, i * 7);
    }
}

static void
test_key_data (void)
{
  /* Every key type 0..6 with every KV type 0..2 (computed by this project). */
  static const guint8 key[32] = { 0x00, 0x01, 0x02, 0x03, [31] = 0x1f };
  static const guint8 salt[14] = { 0xa0, [13] = 0xad };
  static const guint8 spi[4] = { 0, 0, 0, 1 };
  static const guint8 vf[6] = { 0, 0, 0, 0, 0, 1 }, vt[6] = { 0, 0, 0xff, 0xff, 0xff, 0xff };
  ImpsMikeyKeyData in[21], out[21];
  guint n = 0, nout = 0;
  g_autoptr (GError) error = NULL;

  for (guint type = 0; type <= 6; type++)
    for (guint kv = 0; kv <= 2; kv++, n++)
      {
        memset (&in[n], 0, sizeof in[n]);
        in[n].type = (guint8) type;
        in[n].kv = (guint8) kv;
        in[n].key = (ImpsMikeyBytes) { key, 16 + (type == 6 ? 16 : 0) };
        if (imps_mikey_key_type_has_salt (type))
          in[n].salt = (ImpsMikeyBytes) { salt, 14 };
        if (kv == 1)
          in[n].spi = (ImpsMikeyBytes) { spi, 4 };
        if (kv == 2)
          {
            in[n].valid_from = (ImpsMikeyBytes) { vf, 6 };
            in[n].valid_to = (ImpsMikeyBytes) { vt, 6 };
          }
      }
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_assert_true (imps_mikey_key_data_write (in, n, buf, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (buf->len, ==, imps_mikey_key_data_size (in, n));
  g_assert_true (imps_mikey_key_data_parse (buf->data, buf->len, out, G_N_ELEMENTS (out), &nout, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (nout, ==, n);
  gsize off = 0;
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (out[i].type, ==, in[i].type);
      g_assert_cmpuint (out[i].kv, ==, in[i].kv);
      g_assert_cmpmem (out[i].key.data, out[i].key.len, in[i].key.data, in[i].key.len);
      g_assert_cmpmem (out[i].salt.data, out[i].salt.len, in[i].salt.data, in[i].salt.len);
      g_assert_cmpmem (out[i].spi.data, out[i].spi.len, in[i].spi.data, in[i].spi.len);
      g_assert_cmpmem (out[i].valid_from.data, out[i].valid_from.len, in[i].valid_from.data, in[i].valid_from.len);
      g_assert_cmpmem (out[i].valid_to.data, out[i].valid_to.len, in[i].valid_to.data, in[i].valid_to.len);
      g_assert_cmpuint (out[i].offset, ==, off);
      off += out[i].length;
      /* views point into the plaintext, no copy */
      g_assert_true (out[i].key.data >= buf->data && out[i].key.data < buf->data + buf->len);
    }

  /* The V10 plaintext of mikey-ticket.md §18.2: TGK, KV SPI 00000001. */
  GBytes *v10 = imps_test_hex ("00010010000102030405060708090A0B0C0D0E0F0400000001");
  g_assert_true (imps_mikey_key_data_parse (g_bytes_get_data (v10, NULL), g_bytes_get_size (v10),
                                            out, 4, &nout, &error));
  g_assert_cmpuint (nout, ==, 1);
  g_assert_cmpuint (out[0].type, ==, IMPS_MIKEY_KEY_TGK);
  g_assert_cmpuint (out[0].kv, ==, IMPS_MIKEY_KV_SPI);
  imps_assert_hex (out[0].key.data, out[0].key.len, "000102030405060708090a0b0c0d0e0f");
  imps_assert_hex (out[0].spi.data, out[0].spi.len, "00000001");
  g_autoptr (GByteArray) re = g_byte_array_new ();
  g_assert_true (imps_mikey_key_data_write (out, 1, re, &error));
  g_assert_cmpmem (re->data, re->len, g_bytes_get_data (v10, NULL), g_bytes_get_size (v10));

  /* Negative: every truncation of the chain, a wrong Next Payload, too many
   * for the array, an unknown type. */
  for (gsize cut = 1; cut < buf->len; cut++)
    {
      g_assert_false (imps_mikey_key_data_parse (buf->data, cut, out, G_N_ELEMENTS (out), &nout, &error));
      g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
      g_assert_nonnull (strstr (error->message, "byte offset"));
      g_clear_error (&error);
    }
  g_assert_false (imps_mikey_key_data_parse (buf->data, buf->len, out, 3, &nout, &error));
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
  g_clear_error (&error);
  guint8 bad[25];
  memcpy (bad, g_bytes_get_data (v10, NULL), 25);
  bad[0] = 5;
  g_assert_false (imps_mikey_key_data_parse (bad, 25, out, 4, &nout, &error));
  g_assert_nonnull (strstr (error->message, "Next Payload 5"));
  g_clear_error (&error);
  bad[0] = 0;
  bad[1] = 0x71;   /* type 7 */
  g_assert_false (imps_mikey_key_data_parse (bad, 25, out, 4, &nout, &error));
  g_assert_nonnull (strstr (error->message, "unknown key data type 7"));
  g_clear_error (&error);
  g_bytes_unref (v10);
  imps_wipe (buf->data, buf->len);
}

/* A TRANSFER_INIT-like message with a TICKET that holds TP Data, Ticket
 * Data (a base-ticket-shaped chain) and Initiator Data (computed by this
 * project). */
static ImpsMikeyMessage *
build_transfer_init (gboolean with_init_data)
{
  static const guint8 rnd[16] = { 0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xcf };
  static const guint8 thdr[5] = { 1, 0, 0, 0, 7 };
  static const guint8 kemac_data[25] = { 0x11 };
  static const guint8 mac[20] = { 0x77, [19] = 0x78 };
  g_autoptr (GError) error = NULL;

  /* Ticket Data: THDR, T, RAND, KEMAC, IDRpsk, V (§9, A-8). */
  g_autoptr (ImpsMikeyChain) td = imps_mikey_chain_new ();
  ImpsMikeyPayload p = imps_mikey_payload_thdr (thdr, sizeof thdr);
  imps_mikey_chain_add (td, &p);
  p = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, G_GUINT64_CONSTANT (0xEC3F1E4F00000000));
  imps_mikey_chain_add (td, &p);
  p = imps_mikey_payload_rand (rnd, 16);
  imps_mikey_chain_add (td, &p);
  p = imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_AES_CM_128, kemac_data, sizeof kemac_data,
                                IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_chain_add (td, &p);
  p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_PSK, IMPS_MIKEY_ID_BYTE_STRING, S ("tpk-1"));
  imps_mikey_chain_add (td, &p);
  p = imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA1_160, NULL, 0);
  imps_mikey_chain_add (td, &p);
  gsize td_len;
  const guint8 *td_bytes = imps_mikey_chain_serialize (td, IMPS_MIKEY_CHAIN_THDR, &td_len, &error);
  g_assert_no_error (error);
  g_assert_true (imps_mikey_chain_set_v_mac (td, mac, 20));

  ImpsMikeyMessage *msg = imps_mikey_message_new (IMPS_MIKEY_DATA_TRANSFER_INIT, TRUE, 0, 0xabcdef01,
                                                  IMPS_MIKEY_CS_MAP_GENERIC_ID, 1);
  msg->hdr.cs[0].cs_id = 1;
  msg->hdr.cs[0].has_ssrc = TRUE;
  msg->hdr.cs[0].ssrc = 0x01020304;
  p = imps_mikey_payload_t (IMPS_MIKEY_TS_NTP_UTC, G_GUINT64_CONSTANT (0xEC3F1E5000000000));
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_randr (IMPS_MIKEY_RAND_ROLE_I, rnd, 16);
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_I, IMPS_MIKEY_ID_URI, S ("sip:alice@example.org"));
  imps_mikey_message_add (msg, &p);
  p = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org"));
  imps_mikey_message_add (msg, &p);

  ImpsMikeyPayload items[5];
  items[0] = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_KMS, IMPS_MIKEY_ID_URI, S ("kms.example.org"));
  items[1] = imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRS, IMPS_MIKEY_TS_NTP_UTC_32, 0xEC3F1E4F);
  items[2] = imps_mikey_payload_tr (IMPS_MIKEY_TS_ROLE_TRE, IMPS_MIKEY_TS_NTP_UTC_32, 0xEC3F2C5F);
  items[3] = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:bob@example.org"));
  items[4] = imps_mikey_payload_idr (IMPS_MIKEY_ID_ROLE_R, IMPS_MIKEY_ID_URI, S ("sip:carol@example.org"));
  ImpsMikeyPayload tk = { .type = IMPS_MIKEY_PAYLOAD_TICKET };
  tk.u.ticket.ticket_type = 1;
  tk.u.ticket.subtype = 1;
  tk.u.ticket.version = 1;
  tk.u.ticket.prf = 1;
  tk.u.ticket.flags = IMPS_MIKEY_TICKET_FLAGS_ALL;
  tk.u.ticket.tp_items = items;
  tk.u.ticket.n_tp_items = G_N_ELEMENTS (items);
  tk.u.ticket.ticket_data = (ImpsMikeyBytes) { td_bytes, td_len };
  imps_mikey_message_add (msg, &tk);
  p = imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA1_160, mac, 20);
  imps_mikey_message_add (msg, &p);
  g_assert_nonnull (imps_mikey_message_serialize (msg, NULL, &error));
  g_assert_no_error (error);
  if (with_init_data)
    {
      /* Initiator Data: first type 9, Vi (next 9), Vr (next 0). */
      guint8 init[1 + 22 + 22] = { 9, 9, 1 };
      memcpy (init + 3, mac, 20);
      init[23] = 0;
      init[24] = 1;
      memset (init + 25, 0x5a, 20);
      g_assert_true (imps_mikey_message_set_initiator_data (msg, init, sizeof init, &error));
      g_assert_no_error (error);
    }
  return msg;
}

static void
test_ticket_offsets (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) plain = build_transfer_init (FALSE);
  g_autoptr (ImpsMikeyMessage) forked = build_transfer_init (TRUE);
  const ImpsMikeyPayload *t0 = imps_mikey_message_find (plain, IMPS_MIKEY_PAYLOAD_TICKET);
  const ImpsMikeyPayload *t1 = imps_mikey_message_find (forked, IMPS_MIKEY_PAYLOAD_TICKET);

  g_assert_cmpuint (t0->u.ticket.initiator_data.len, ==, 0);
  g_assert_cmpuint (t1->u.ticket.initiator_data.len, ==, 45);
  g_assert_cmpuint (t1->u.ticket.n_init_items, ==, 2);
  g_assert_cmpuint (t1->u.ticket.init_items[0].type, ==, IMPS_MIKEY_PAYLOAD_V);
  g_assert_cmpuint (t1->u.ticket.init_items[0].offset, ==, t1->u.ticket.init_data_offset + 1);
  g_assert_cmpuint (t1->u.ticket.init_items[1].u.v.mac_offset, ==, t1->u.ticket.init_data_offset + 25);
  g_assert_cmpuint (t1->u.ticket.init_items[1].u.v.mac.data[0], ==, 0x5a);
  /* the Initiator Data length field is always there, 0 when empty. */
  g_assert_cmpuint (t0->u.ticket.init_data_offset, ==, t0->u.ticket.init_len_offset + 2);
  g_assert_cmpuint (imps_load_u16 (plain->body.raw + t0->u.ticket.init_len_offset), ==, 0);
  g_assert_cmpuint (imps_load_u16 (forked->body.raw + t1->u.ticket.init_len_offset), ==, 45);
  g_assert_cmpuint (t0->offset + t0->length, ==, t0->u.ticket.init_data_offset);

  /* excising [init_len_offset, init_data_offset + len) from the
   * message with Initiator Data gives the message without it, minus the
   * 2-byte length field: the MAC input does not depend on Initiator Data. */
  GByteArray *ex1 = g_byte_array_new (), *ex0 = g_byte_array_new ();
  const ImpsMikeyPayload *v1 = imps_mikey_message_find (forked, IMPS_MIKEY_PAYLOAD_V);
  const ImpsMikeyPayload *v0 = imps_mikey_message_find (plain, IMPS_MIKEY_PAYLOAD_V);
  gsize cut_end1 = t1->u.ticket.init_data_offset + t1->u.ticket.initiator_data.len;
  g_byte_array_append (ex1, forked->body.raw, t1->u.ticket.init_len_offset);
  g_byte_array_append (ex1, forked->body.raw + cut_end1, v1->u.v.mac_offset - cut_end1);
  gsize cut_end0 = t0->u.ticket.init_data_offset;
  g_byte_array_append (ex0, plain->body.raw, t0->u.ticket.init_len_offset);
  g_byte_array_append (ex0, plain->body.raw + cut_end0, v0->u.v.mac_offset - cut_end0);
  /* The HDR, payloads before TICKET and after it are identical. */
  g_assert_cmpmem (ex0->data, ex0->len, ex1->data, ex1->len);
  g_byte_array_unref (ex0);
  g_byte_array_unref (ex1);
  g_assert_cmpuint (forked->body.raw_len, ==, plain->body.raw_len + 45);
  g_assert_cmpuint (v1->u.v.mac_offset, ==, v0->u.v.mac_offset + 45);

  /* Ticket Data parses as a THDR-first chain; the base ticket V covers
   * [offset + 1, ticket_data_offset + len) (§7). */
  g_autoptr (ImpsMikeyChain) td = imps_mikey_chain_parse_ticket_data (t1->u.ticket.ticket_data.data,
                                                                     t1->u.ticket.ticket_data.len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (td->n_payloads, ==, 6);
  g_assert_cmpuint (td->payloads[0].type, ==, IMPS_MIKEY_PAYLOAD_THDR);
  imps_assert_hex (td->payloads[0].u.thdr.data.data, 5, "0100000007");
  g_assert_cmpuint (td->payloads[3].type, ==, IMPS_MIKEY_PAYLOAD_KEMAC);
  g_assert_cmpuint (td->payloads[5].type, ==, IMPS_MIKEY_PAYLOAD_V);
  g_assert_cmpuint (td->payloads[5].u.v.mac_offset + 20, ==, t1->u.ticket.ticket_data.len);
  g_assert_cmpuint (td->payloads[5].u.v.mac.data[0], ==, 0x77);
  g_assert_cmpuint (t1->u.ticket.ticket_data_offset, ==,
                    t1->u.ticket.tp_data_offset + t1->u.ticket.tp_data.len + 2);

  /* The whole thing round trips, TP Data items included. */
  g_autoptr (ImpsMikeyMessage) back = round_trip (forked);
  const ImpsMikeyPayload *tb = imps_mikey_message_find (back, IMPS_MIKEY_PAYLOAD_TICKET);
  g_assert_cmpuint (tb->u.ticket.prf, ==, 1);
  g_assert_cmphex (tb->u.ticket.flags, ==, IMPS_MIKEY_TICKET_FLAGS_ALL);
  g_assert_cmpuint (tb->u.ticket.n_tp_items, ==, 5);
  const ImpsMikeyPayload *rr[4];
  g_assert_cmpuint (imps_mikey_payloads_find_all (tb->u.ticket.tp_items, tb->u.ticket.n_tp_items,
                                                  IMPS_MIKEY_PAYLOAD_IDR, IMPS_MIKEY_ID_ROLE_R, rr, 4), ==, 2);
  assert_bytes_str (rr[1]->u.id.data, "sip:carol@example.org");
  const ImpsMikeyPayload *tre = imps_mikey_payloads_find (tb->u.ticket.tp_items, tb->u.ticket.n_tp_items,
                                                          IMPS_MIKEY_PAYLOAD_TR, IMPS_MIKEY_TS_ROLE_TRE);
  g_assert_cmphex (tre->u.ts.value, ==, 0xEC3F2C5F);
  g_assert_cmpuint (back->hdr.cs[0].ssrc, ==, 0x01020304);
  g_assert_cmpuint (tb->u.ticket.init_items[1].u.v.mac_offset, ==, t1->u.ticket.init_items[1].u.v.mac_offset);

  /* A standalone typed chain (TP Data) round trip. */
  g_autoptr (ImpsMikeyChain) tpd = imps_mikey_chain_parse (t1->u.ticket.tp_data.data,
                                                           t1->u.ticket.tp_data.len,
                                                           IMPS_MIKEY_CHAIN_TYPED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tpd->n_payloads, ==, 5);
  gsize l;
  const guint8 *again = imps_mikey_chain_serialize (tpd, IMPS_MIKEY_CHAIN_TYPED, &l, &error);
  g_assert_cmpmem (again, l, t1->u.ticket.tp_data.data, t1->u.ticket.tp_data.len);
}

/* ------------------------------------------------------------------ */
/* Negative cases                                                      */

static void
expect_malformed (const guint8 *data, gsize len, const gchar *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_parse (data, len, &error);
  g_assert_null (msg);
  g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "byte offset"));
  if (needle && strstr (error->message, needle) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", error->message, needle);
}

static void
test_truncations (void)
{
  /* Every truncation point of every payload of V11, of the rich ticket
   * message and of the round-trip message with all other payloads. */
  g_autoptr (GBytes) v11 = v11_bytes ();
  g_autoptr (ImpsMikeyMessage) ti = build_transfer_init (TRUE);
  GBytes *msgs[2] = { v11, NULL };
  msgs[1] = g_bytes_new (ti->body.raw, ti->body.raw_len);
  for (guint m = 0; m < G_N_ELEMENTS (msgs); m++)
    {
      gsize len;
      const guint8 *d = g_bytes_get_data (msgs[m], &len);
      for (gsize cut = 0; cut < len; cut++)
        expect_malformed (d, cut, NULL);
    }
  /* The error names the payload being read and the offset. */
  const guint8 *d = g_bytes_get_data (v11, NULL);
  expect_malformed (d, 5, "HDR: truncated CSB ID at byte offset 4");
  expect_malformed (d, 12, "T payload: truncated TS value at byte offset 12");
  expect_malformed (d, 45, "IDR payload: ID length 21 runs past the end");
  expect_malformed (d, 100, "TP payload: TP Data length 25 runs past the end");
  expect_malformed (d, 160, "V payload: MAC length 20 runs past the end");
  g_bytes_unref (msgs[1]);

  /* The same for the seed corpus, which holds a message of every data type
   * with every payload type (KEMAC, SP, ERR, CERT, PKE, SIGN, CHASH, DH,
   * SAKKE, General Extension, RAND, ID, SRTP-ID and GENERIC-ID maps). */
  g_autofree gchar *dir = g_test_build_filename (G_TEST_DIST, "..", "fuzz", "mikey", "corpus",
                                                 "mikey-message", NULL);
  g_autoptr (GDir) gd = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (gd);
  guint files = 0;
  const gchar *name;
  while ((name = g_dir_read_name (gd)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      g_autofree gchar *contents = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsMikeyMessage) ok = imps_mikey_message_parse ((const guint8 *) contents, len, &error);
      g_assert_no_error (error);
      for (gsize cut = 0; cut < len; cut++)
        expect_malformed ((const guint8 *) contents, cut, NULL);
      files++;
    }
  g_assert_cmpuint (files, >=, 23);
}

static void
test_negative_table (void)
{
  g_autoptr (GBytes) v11 = v11_bytes ();
  gsize len;
  const guint8 *orig = g_bytes_get_data (v11, &len);
  guint8 m[200];

  static const struct {
    gsize at;
    guint8 value;
    const gchar *needle;
  } patches[] = {
    { 0, 2, "unsupported version 2 (expected 1) at byte offset 0" },
    { 9, 7, "unknown CS ID map type 7" },
    { 8, 1, "Empty map (RFC 4563) needs 0" },
    { 2, 99, "payload of unknown type 99" },
    { 2, 20, "Key data sub-payload (20) outside a KEMAC" },
    { 11, 9, "unknown TS type 9 at byte offset 11" },
    { 22, 0xff, "RANDR payload: RAND length 255 runs past the end" },
    { 42, 0xff, "IDR payload: ID length 65301 runs past the end" },   /* 0x15 -> 0xff15 */
    { 93, 0xff, "TP payload: TP Data length 65305 runs past the end" },
    { 100, 0x10, "TP Data: 3 bytes after the last payload" },         /* IDRr length 19 -> 16 */
    { 154, 7, "unknown Auth alg 7" },
    { 153, 12, "ERR payload: truncated" },                            /* V next -> ERR, 0 bytes */
    /* duplicate: the IDRkms role changed to IDRi */
    { 66, IMPS_MIKEY_ID_ROLE_I, "duplicate IDRi payload in a REQUEST_INIT_PSK message" },
    /* missing mandatory RANDRi: role changed to RANDRkms (unexpected, kept) */
    { 21, IMPS_MIKEY_RAND_ROLE_KMS, "mandatory RANDRi payload missing" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (patches); i++)
    {
      memcpy (m, orig, len);
      m[patches[i].at] = patches[i].value;
      expect_malformed (m, len, patches[i].needle);
    }

  /* Trailing bytes after the last payload. */
  memcpy (m, orig, len);
  m[len] = 0;
  expect_malformed (m, len + 1, "1 bytes after the last payload");

  /* Wrong payloads built on purpose: ID and RAND in REQUEST_INIT_PSK,
   * SIGN in a PSK message, PKE in RESOLVE_INIT_PSK. */
  static const guint bad_types[] = { IMPS_MIKEY_PAYLOAD_ID, IMPS_MIKEY_PAYLOAD_RAND,
                                     IMPS_MIKEY_PAYLOAD_SIGN, IMPS_MIKEY_PAYLOAD_PKE };
  for (guint i = 0; i < G_N_ELEMENTS (bad_types); i++)
    {
      g_autoptr (ImpsMikeyMessage) msg = build_v11 (NULL);
      ImpsMikeyPayload p = { .type = bad_types[i] };
      static const guint8 x[16] = { 0 };
      if (bad_types[i] == IMPS_MIKEY_PAYLOAD_ID)
        p = imps_mikey_payload_id (IMPS_MIKEY_ID_NAI, x, 4);
      else if (bad_types[i] == IMPS_MIKEY_PAYLOAD_RAND)
        p = imps_mikey_payload_rand (x, 16);
      else if (bad_types[i] == IMPS_MIKEY_PAYLOAD_PKE)
        p.u.pke.data = (ImpsMikeyBytes) { x, 16 };
      if (bad_types[i] == IMPS_MIKEY_PAYLOAD_SIGN)
        {
          p.u.sign.signature = (ImpsMikeyBytes) { x, 16 };
          /* SIGN has to be last */
          imps_mikey_message_add (msg, &p);
        }
      else
        {
          /* insert before V: rebuild the list */
          ImpsMikeyPayload vcopy = msg->body.payloads[msg->body.n_payloads - 1];
          msg->body.n_payloads--;
          imps_mikey_message_add (msg, &p);
          imps_mikey_message_add (msg, &vcopy);
        }
      gsize l;
      g_autoptr (GError) error = NULL;
      const guint8 *out = imps_mikey_message_serialize (msg, &l, &error);
      g_assert_no_error (error);
      g_autofree gchar *needle = g_strdup_printf ("%s payload not allowed in a REQUEST_INIT_PSK message",
                                                  imps_mikey_payload_type_name (bad_types[i]));
      expect_malformed (out, l, needle);
      g_assert_cmpint (imps_mikey_data_type_payload_use (IMPS_MIKEY_DATA_REQUEST_INIT_PSK, bad_types[i], 0,
                                                         NULL, NULL), ==, IMPS_MIKEY_USE_FORBIDDEN);
    }

  /* Duplicate T and duplicate V. */
  for (guint which = 0; which < 2; which++)
    {
      g_autoptr (ImpsMikeyMessage) msg = build_v11 (NULL);
      ImpsMikeyPayload dup = msg->body.payloads[which == 0 ? 0 : msg->body.n_payloads - 1];
      imps_mikey_message_add (msg, &dup);
      gsize l;
      g_autoptr (GError) error = NULL;
      const guint8 *out = imps_mikey_message_serialize (msg, &l, &error);
      g_assert_no_error (error);
      expect_malformed (out, l, which == 0 ? "duplicate T payload" : "duplicate V payload");
    }

  /* Unexpected but well-formed: a General Extension in REQUEST_INIT_PSK is
   * kept and flagged. */
  {
    g_autoptr (ImpsMikeyMessage) msg = build_v11 (NULL);
    ImpsMikeyPayload ext = imps_mikey_payload_general_ext (IMPS_MIKEY_EXT_SDP_IDS, S ("mikey"));
    imps_mikey_message_add (msg, &ext);
    gsize l;
    g_autoptr (GError) error = NULL;
    const guint8 *out = imps_mikey_message_serialize (msg, &l, &error);
    g_autoptr (ImpsMikeyMessage) back = imps_mikey_message_parse (out, l, &error);
    g_assert_no_error (error);
    g_assert_true (back->body.payloads[7].unexpected);
    g_assert_false (back->body.payloads[6].unexpected);
    g_assert_cmpint (imps_mikey_data_type_payload_use (IMPS_MIKEY_DATA_REQUEST_INIT_PSK,
                                                       IMPS_MIKEY_PAYLOAD_GENERAL_EXT, 0, NULL, NULL),
                     ==, IMPS_MIKEY_USE_UNEXPECTED);
    guint mn, mx;
    g_assert_cmpint (imps_mikey_data_type_payload_use (IMPS_MIKEY_DATA_REQUEST_INIT_PSK,
                                                       IMPS_MIKEY_PAYLOAD_RANDR, IMPS_MIKEY_RAND_ROLE_I,
                                                       &mn, &mx), ==, IMPS_MIKEY_USE_REQUIRED);
    g_assert_cmpuint (mn, ==, 1);
    g_assert_cmpuint (mx, ==, 1);
    g_assert_cmpint (imps_mikey_data_type_payload_use (IMPS_MIKEY_DATA_TRANSFER_INIT, IMPS_MIKEY_PAYLOAD_SP,
                                                       0, &mn, &mx), ==, IMPS_MIKEY_USE_ALLOWED);
    g_assert_cmpuint (mx, ==, 255);
    g_assert_nonnull (imps_mikey_data_type_rules (IMPS_MIKEY_DATA_RESOLVE_RESP));
    g_assert_null (imps_mikey_data_type_rules (DT_FREE));
  }

  /* 64 payloads parse; 65 do not. */
  for (guint n = 64; n <= 65; n++)
    {
      g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_new (DT_FREE, FALSE, 0, 1, IMPS_MIKEY_CS_MAP_EMPTY, 0);
      ImpsMikeyPayload e = imps_mikey_payload_err (IMPS_MIKEY_ERR_UNSPECIFIED);
      for (guint i = 0; i < n; i++)
        imps_mikey_message_add (msg, &e);
      g_autoptr (GError) error = NULL;
      gsize l;
      const guint8 *out = imps_mikey_message_serialize (msg, &l, &error);
      if (n == 64)
        {
          g_assert_no_error (error);
          g_autoptr (ImpsMikeyMessage) back = imps_mikey_message_parse (out, l, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (back->body.n_payloads, ==, 64);
          /* hand-made 65th payload */
          g_autofree guint8 *more = g_malloc (l + 4);
          memcpy (more, out, l);
          more[l - 4] = IMPS_MIKEY_PAYLOAD_ERR;
          memcpy (more + l, "\x00\x0c\x00\x00", 4);
          expect_malformed (more, l + 4, "more than 64 payloads");
        }
      else
        {
          g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
          g_assert_null (out);
        }
    }

  /* More than 64 KiB. */
  {
    gsize big = IMPS_MIKEY_MAX_MESSAGE_SIZE + 1;
    g_autofree guint8 *b = g_malloc0 (big);
    memcpy (b, orig, len);
    expect_malformed (b, big, "larger than 65536 bytes");
    /* and a build that would exceed it */
    g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_new (DT_FREE, FALSE, 0, 1, IMPS_MIKEY_CS_MAP_EMPTY, 0);
    ImpsMikeyPayload c = imps_mikey_payload_cert (0, b, 60000);
    imps_mikey_message_add (msg, &c);
    imps_mikey_message_add (msg, &c);
    g_autoptr (GError) error = NULL;
    g_assert_null (imps_mikey_message_serialize (msg, NULL, &error));
    g_assert_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_MALFORMED);
  }

  /* Build-side field limits. */
  {
    g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_new (DT_FREE, FALSE, 0, 1, IMPS_MIKEY_CS_MAP_EMPTY, 0);
    static const guint8 x[300] = { 0 };
    ImpsMikeyPayload r = imps_mikey_payload_rand (x, 256);
    imps_mikey_message_add (msg, &r);
    g_autoptr (GError) error = NULL;
    g_assert_null (imps_mikey_message_serialize (msg, NULL, &error));
    g_assert_nonnull (strstr (error->message, "RAND length 256 does not fit"));
    g_clear_error (&error);
    ImpsMikeyPayload v = imps_mikey_payload_v (IMPS_MIKEY_MAC_HMAC_SHA1_160, x, 32);
    g_autoptr (GByteArray) ba = g_byte_array_new ();
    g_assert_false (imps_mikey_payload_write (&v, 0, ba, &error));
    g_assert_nonnull (strstr (error->message, "MAC length 32 does not fit"));
  }

  /* A GENERIC-ID SRTP Session Data of a wrong size. */
  {
    g_autoptr (ImpsMikeyMessage) msg = build_transfer_init (FALSE);
    guint8 *c = g_memdup2 (msg->body.raw, msg->body.raw_len);
    /* CS block at 10: cs_id, prot, #P, sdl(2) = 00 04 -> 00 03 */
    g_assert_cmpuint (c[14], ==, 4);
    c[14] = 3;
    expect_malformed (c, msg->body.raw_len, "SRTP Session Data is 3 bytes, expected 4");
    g_free (c);
  }
}

/* ------------------------------------------------------------------ */
/* Decoder tree                                                        */

static void
test_dump (void)
{
  g_autoptr (GBytes) raw = v11_bytes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) msg = imps_mikey_message_parse (g_bytes_get_data (raw, NULL),
                                                               g_bytes_get_size (raw), &error);
  g_assert_no_error (error);
  g_autoptr (ImpsMikeyField) root = imps_mikey_dump_message (msg, NULL);
  const ImpsMikeyField *f;

  g_assert_cmpstr (root->name, ==, "mikey");
  f = imps_mikey_field_find (root, "mikey.type");
  g_assert_cmpstr (f->value, ==, "REQUEST_INIT_PSK (11)");
  f = imps_mikey_field_find (root, "mikey.csb_id");
  g_assert_cmpstr (f->value, ==, "0x12345678");
  f = imps_mikey_field_find (root, "mikey.cs_id_map_type");
  g_assert_cmpstr (f->value, ==, "Empty map (1)");
  f = imps_mikey_field_find (root, "mikey.t.ntp");
  g_assert_nonnull (strstr (f->value, "2025-08-07"));
  f = imps_mikey_field_find (root, "mikey.randr.role");
  g_assert_cmpstr (f->value, ==, "RANDRi (1)");
  f = imps_mikey_field_find (root, "mikey.id.data");
  g_assert_cmpstr (f->value, ==, "sip:alice@example.org");
  f = imps_mikey_field_find (root, "mikey.tp.flags");
  g_assert_nonnull (strstr (f->value, "DEFGHJNO"));
  f = imps_mikey_field_find (root, "mikey.tp.flags.i");
  g_assert_cmpstr (f->value, ==, "0");
  f = imps_mikey_field_find (root, "mikey.v.ver_data");
  g_assert_cmpstr (f->value, ==, v11_mac_hex);
  f = imps_mikey_field_find (root, "mikey.v");
  g_assert_cmpuint (f->offset, ==, 153);
  g_assert_cmpuint (f->length, ==, 22);

  g_autofree gchar *text = imps_mikey_field_to_text (root);
  g_assert_nonnull (strstr (text, "\n  Common Header (HDR) [mikey.hdr]\n"));
  g_assert_nonnull (strstr (text, "        ID: sip:bob@example.org [mikey.id.data]\n"));
  g_assert_nonnull (strstr (text, "ID: ZmFrZVJBTkQ=@bsf.example.org [mikey.id.data]"));

  /* The rich message: ticket data decoded as a base ticket, initiator data,
   * GENERIC-ID map, SP parameters. */
  g_autoptr (ImpsMikeyMessage) ti = build_transfer_init (TRUE);
  g_autoptr (ImpsMikeyField) r2 = imps_mikey_dump_message (ti, NULL);
  g_assert_nonnull (imps_mikey_field_find (r2, "mikey.ticket.base"));
  g_assert_cmpstr (imps_mikey_field_find (r2, "mikey.thdr.data")->value, ==, "0100000007");
  g_assert_cmpstr (imps_mikey_field_find (r2, "mikey.generic_id.ssrc")->value, ==, "0x01020304");
  g_assert_cmpstr (imps_mikey_field_find (r2, "mikey.tr.ntp_utc_32")->value, ==,
                   "2025-08-07 12:45:03 UTC (0xec3f1e4f)");
  g_assert_cmpstr (imps_mikey_field_find (r2, "mikey.ticket.init_data_len")->value, ==, "45");
  g_assert_nonnull (imps_mikey_field_find (r2, "mikey.ticket.init_data"));

  /* SP parameters by name; NULL-encrypted KEMAC shows its key data. */
  static const guint8 one = 1, ten = 10;
  ImpsMikeySpParam params[2] = { { 0, { &one, 1 } }, { 11, { &ten, 1 } } };
  static const guint8 kd[] = { 0x00, 0x21, 0x00, 0x02, 0xaa, 0xbb, 0x04, 1, 2, 3, 4 };
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_message_new (IMPS_MIKEY_DATA_PSK_INIT, FALSE, 0, 1,
                                                           IMPS_MIKEY_CS_MAP_SRTP_ID, 1);
  ImpsMikeyPayload p = imps_mikey_payload_t (IMPS_MIKEY_TS_COUNTER, 42);
  imps_mikey_message_add (m, &p);
  p = imps_mikey_payload_rand (kd, 4);
  imps_mikey_message_add (m, &p);
  p = imps_mikey_payload_sp (0, 0, params, 2);
  imps_mikey_message_add (m, &p);
  p = imps_mikey_payload_kemac (IMPS_MIKEY_ENCR_NULL, kd, sizeof kd, IMPS_MIKEY_MAC_NULL, NULL, 0);
  imps_mikey_message_add (m, &p);
  g_autoptr (ImpsMikeyMessage) mb = round_trip (m);
  g_autoptr (ImpsMikeyField) r3 = imps_mikey_dump_message (mb, NULL);
  g_assert_cmpstr (imps_mikey_field_find (r3, "mikey.sp.encr_alg")->value, ==, "AES-CM (1)");
  g_assert_cmpstr (imps_mikey_field_find (r3, "mikey.sp.auth_tag_len")->value, ==, "10");
  g_assert_cmpstr (imps_mikey_field_find (r3, "mikey.key.type")->value, ==, "TEK (2)");
  g_assert_cmpstr (imps_mikey_field_find (r3, "mikey.key.kv.spi")->value, ==, "01020304");
  g_assert_cmpstr (imps_mikey_field_find (r3, "mikey.t.counter")->value, ==, "42");
  g_assert_cmpstr (imps_mikey_field_find (r3, "mikey.srtp_id.ssrc")->value, ==, "0x00000000");
}

static ImpsMikeyField *
fake_open (const ImpsMikeyPayload *ticket, gpointer user_data, GError **error)
{
  (*(guint *) user_data)++;
  if (ticket->u.ticket.ticket_type == 1)
    return imps_mikey_field_new ("mikey.ticket.opened", "Opened", "yes");
  g_set_error (error, IMPS_MIKEY_ERROR, IMPS_MIKEY_ERROR_INVALID_TICKET, "nope");
  return NULL;
}

static void
test_dump_hook (void)
{
  g_autoptr (ImpsMikeyMessage) ti = build_transfer_init (FALSE);
  guint calls = 0;
  ImpsMikeyDumpOptions opts = { fake_open, &calls };
  g_autoptr (ImpsMikeyField) r = imps_mikey_dump_message (ti, &opts);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpstr (imps_mikey_field_find (r, "mikey.ticket.opened")->value, ==, "yes");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mikey/codec/v11-parse", test_v11_parse);
  g_test_add_func ("/mikey/codec/v11-build", test_v11_build);
  g_test_add_func ("/mikey/codec/rfc4567", test_rfc4567);
  g_test_add_func ("/mikey/codec/round-trip/t", test_round_trip_t);
  g_test_add_func ("/mikey/codec/round-trip/ids", test_round_trip_ids);
  g_test_add_func ("/mikey/codec/round-trip/misc", test_round_trip_misc);
  g_test_add_func ("/mikey/codec/round-trip/sp-cs-map", test_round_trip_sp);
  g_test_add_func ("/mikey/codec/key-data", test_key_data);
  g_test_add_func ("/mikey/codec/ticket-offsets", test_ticket_offsets);
  g_test_add_func ("/mikey/codec/truncations", test_truncations);
  g_test_add_func ("/mikey/codec/negative", test_negative_table);
  g_test_add_func ("/mikey/codec/dump", test_dump);
  g_test_add_func ("/mikey/codec/dump-hook", test_dump_hook);
  return g_test_run ();
}
