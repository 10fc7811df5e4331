#include "imps-hss.h"
#include "aka/imps-aka.h"
#include "aka/imps-milenage.h"
#include "diameter/imps-diameter-gba.h"
#include "gba/imps-gba-uss.h"
#include "imps-diameter-peer.h"
#include "imps-hex.h"
#include "imps-secret.h"
#include "imps-store.h"

#include <sqlite3.h>
#include <string.h>

G_DEFINE_QUARK (imps-hss-error-quark, imps_hss_error)

/* One subscriber as the HSS keeps it in memory. */
typedef struct {
  gchar *impi;
  GStrv impus;
  ImpsMilenage *milenage;
  guint8 amf[2];
  ImpsAkaSqnGenerator gen;
  guint64 reserved;        /* SEQ values up to here are recorded as used */
  guint ks_lifetime;
  gchar *guss;             /* built once from the above (build_guss) */
  gsize guss_len;
} Sub;

struct _ImpsHss {
  ImpsNetwork *net;
  gchar *domain;
  gchar *name;             /* hss.<domain> */
  sqlite3 *db;
  ImpsRandom *random;
  GHashTable *by_impi;     /* impi -> Sub* (owned) */
  GHashTable *by_impu;     /* impu -> Sub* (borrowed) */
  ImpsDiameterServer *server;
  guint64 session_counter;
};

static gchar *build_guss (const Sub *s);

static void
sub_free (gpointer p)
{
  Sub *s = p;
  g_free (s->impi);
  g_strfreev (s->impus);
  g_free (s->guss);
  imps_milenage_free (s->milenage);
  g_free (s);
}

static gboolean
store_fail (sqlite3 *db, const gchar *what, GError **error)
{
  g_set_error (error, IMPS_HSS_ERROR, IMPS_HSS_ERROR_STORE, "HSS store: %s: %s", what,
               db ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

static gboolean
store_exec (sqlite3 *db, const gchar *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, IMPS_HSS_ERROR, IMPS_HSS_ERROR_STORE, "HSS store: %s", msg);
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Records SEQ_HE's reservation and IND. Called once per block of vectors
 * and after every resynchronisation. */
static gboolean
store_save_sqn (ImpsHss *hss, Sub *s, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (hss->db,
                          "UPDATE subscriber SET seq_reserved = ?1, ind = ?2 WHERE impi = ?3",
                          -1, &st, NULL) != SQLITE_OK)
    return store_fail (hss->db, "prepare", error);
  sqlite3_bind_int64 (st, 1, (sqlite3_int64) s->reserved);
  sqlite3_bind_int (st, 2, (int) s->gen.ind);
  sqlite3_bind_text (st, 3, s->impi, -1, SQLITE_STATIC);
  gboolean ok = sqlite3_step (st) == SQLITE_DONE;
  sqlite3_finalize (st);
  return ok ? TRUE : store_fail (hss->db, "save SQN", error);
}

ImpsHss *
imps_hss_new (ImpsNetwork *net, const gchar *domain, const gchar *state_path,
              GError **error)
{
  g_return_val_if_fail (net != NULL && domain != NULL, NULL);

  g_autoptr (ImpsHss) hss = g_new0 (ImpsHss, 1);
  hss->net = net;
  hss->domain = g_strdup (domain);
  hss->name = g_strdup_printf ("hss.%s", domain);
  hss->random = imps_network_new_random (net, hss->name);
  hss->by_impi = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, sub_free);
  hss->by_impu = g_hash_table_new (g_str_hash, g_str_equal);

  /* K and OPc are kept; the file is 0600 and freed pages are zeroed. A
   * restart draws RANDs from a stream of its own (imps-store.h). */
  guint64 generation = 0;
  hss->db = imps_store_open (state_path, "HSS store", IMPS_HSS_ERROR, IMPS_HSS_ERROR_STORE,
                             &generation, error);
  if (hss->db == NULL)
    return NULL;
  imps_store_random_for_boot (&hss->random, generation);
  if (!store_exec (hss->db,
                      "CREATE TABLE IF NOT EXISTS subscriber ("
                      " impi TEXT PRIMARY KEY, impus TEXT NOT NULL,"
                      " k BLOB NOT NULL, opc BLOB NOT NULL, amf BLOB NOT NULL,"
                      " ind_len INTEGER NOT NULL, seq_reserved INTEGER NOT NULL,"
                      " ind INTEGER NOT NULL, ks_lifetime INTEGER NOT NULL)",
                      error))
    return NULL;
  return g_steal_pointer (&hss);
}

void
imps_hss_free (ImpsHss *hss)
{
  if (hss == NULL)
    return;
  imps_diameter_server_free (hss->server);
  g_hash_table_unref (hss->by_impu);
  g_hash_table_unref (hss->by_impi);
  if (hss->db)
    sqlite3_close (hss->db);
  imps_random_free (hss->random);
  g_free (hss->domain);
  g_free (hss->name);
  g_free (hss);
}

const gchar *
imps_hss_get_name (ImpsHss *hss)
{
  return hss->name;
}

gboolean
imps_hss_provision (ImpsHss *hss, const ImpsHssSubscriber *in, GError **error)
{
  g_return_val_if_fail (in->impi && in->impus && in->impus[0] && in->k && in->sqn && in->amf, FALSE);
  g_return_val_if_fail ((in->opc != NULL) != (in->op != NULL), FALSE);
  g_return_val_if_fail (in->ind_len <= IMPS_AKA_IND_LEN_MAX, FALSE);

  guint8 opc[16];
  if (in->opc)
    memcpy (opc, in->opc, 16);
  else
    imps_milenage_derive_opc (in->k, in->op, opc);

  /* Whatever a previous run recorded wins for the SQN state. */
  gint64 reserved = -1, ind = 0;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (hss->db, "SELECT seq_reserved, ind FROM subscriber WHERE impi = ?1",
                          -1, &st, NULL) != SQLITE_OK)
    {
      imps_wipe (opc, sizeof opc);
      return store_fail (hss->db, "prepare", error);
    }
  sqlite3_bind_text (st, 1, in->impi, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_ROW)
    {
      reserved = sqlite3_column_int64 (st, 0);
      ind = sqlite3_column_int64 (st, 1);
    }
  sqlite3_finalize (st);

  Sub *s = g_new0 (Sub, 1);
  s->impi = g_strdup (in->impi);
  s->impus = g_strdupv ((gchar **) in->impus);
  s->milenage = imps_milenage_new (in->k, opc);
  memcpy (s->amf, in->amf, 2);
  s->ks_lifetime = in->ks_lifetime;
  s->guss = build_guss (s);
  s->guss_len = strlen (s->guss);
  imps_aka_sqn_generator_init (&s->gen, in->ind_len);
  if (reserved >= 0)
    {
      /* Skip the rest of the block a previous run may have used. */
      s->gen.seq = (guint64) reserved;
      s->gen.ind = (guint) ind & ((1u << in->ind_len) - 1);
    }
  else
    {
      guint64 next = imps_aka_sqn_from_bytes (in->sqn);
      guint64 seq = next >> in->ind_len;
      s->gen.seq = seq > 0 ? seq - 1 : 0;
      s->gen.ind = (guint) (next & ((1u << in->ind_len) - 1));
    }
  s->reserved = s->gen.seq;

  g_autofree gchar *impus = g_strjoinv ("\n", (gchar **) in->impus);
  if (sqlite3_prepare_v2 (hss->db,
                          "INSERT INTO subscriber (impi, impus, k, opc, amf, ind_len, seq_reserved,"
                          " ind, ks_lifetime) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                          " ON CONFLICT (impi) DO UPDATE SET impus = ?2, k = ?3, opc = ?4,"
                          " amf = ?5, ind_len = ?6, ks_lifetime = ?9",
                          -1, &st, NULL) != SQLITE_OK)
    {
      imps_wipe (opc, sizeof opc);
      sub_free (s);
      return store_fail (hss->db, "prepare", error);
    }
  sqlite3_bind_text (st, 1, in->impi, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, impus, -1, SQLITE_STATIC);
  sqlite3_bind_blob (st, 3, in->k, 16, SQLITE_STATIC);
  sqlite3_bind_blob (st, 4, opc, 16, SQLITE_STATIC);
  sqlite3_bind_blob (st, 5, in->amf, 2, SQLITE_STATIC);
  sqlite3_bind_int (st, 6, (int) in->ind_len);
  sqlite3_bind_int64 (st, 7, (sqlite3_int64) s->reserved);
  sqlite3_bind_int (st, 8, (int) s->gen.ind);
  sqlite3_bind_int (st, 9, (int) in->ks_lifetime);
  gboolean ok = sqlite3_step (st) == SQLITE_DONE;
  sqlite3_finalize (st);
  imps_wipe (opc, sizeof opc);
  if (!ok)
    {
      sub_free (s);
      return store_fail (hss->db, "provision", error);
    }

  Sub *old = g_hash_table_lookup (hss->by_impi, in->impi);
  if (old)
    for (gchar **u = old->impus; *u; u++)
      g_hash_table_remove (hss->by_impu, *u);
  g_hash_table_replace (hss->by_impi, s->impi, s);
  for (gchar **u = s->impus; *u; u++)
    g_hash_table_replace (hss->by_impu, *u, s);
  return TRUE;
}

/* The next SQN, recording a new block in the store first when needed. */
static gboolean
next_sqn (ImpsHss *hss, Sub *s, guint8 sqn[6], GError **error)
{
  ImpsAkaSqnGenerator saved = s->gen;
  if (!imps_aka_sqn_generator_next (&s->gen, sqn, error))
    return FALSE;
  if (s->gen.seq > s->reserved)
    {
      guint64 old = s->reserved;
      s->reserved = s->gen.seq + IMPS_HSS_SQN_BLOCK - 1;
      if (!store_save_sqn (hss, s, error))
        {
          s->gen = saved;
          s->reserved = old;
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
imps_hss_peek_next_sqn (ImpsHss *hss, const gchar *impi, guint8 sqn[6], GError **error)
{
  Sub *s = g_hash_table_lookup (hss->by_impi, impi);
  if (s == NULL)
    {
      g_set_error (error, IMPS_HSS_ERROR, IMPS_HSS_ERROR_UNKNOWN, "no subscriber %s", impi);
      return FALSE;
    }
  ImpsAkaSqnGenerator copy = s->gen;
  return imps_aka_sqn_generator_next (&copy, sqn, error);
}

/* A GUSS (gba.md §9.4) with the key lifetime when the subscriber has one,
 * and one USS for the KMS's GAA service (GSID IMPS_GBA_GSID_IMS_MEDIA,
 * profile §11) listing the subscriber's public identities: the KMS gets
 * them over Zn and accepts only those as IDRi / IDRr (TS 33.220 §4.5.3).
 * Made once, when the subscriber is provisioned. */
static gchar *
build_guss (const Sub *s)
{
  g_autofree gchar *id = g_markup_escape_text (s->impi, -1);
  GString *x = g_string_new (NULL);
  g_string_append_printf (x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<guss id=\"%s\">", id);
  if (s->ks_lifetime > 0)
    g_string_append_printf (x, "<bsfInfo><uiccType>GBA</uiccType><lifeTime>%u</lifeTime></bsfInfo>",
                            s->ks_lifetime);
  if (s->impus == NULL || s->impus[0] == NULL)
    g_string_append (x, "<ussList/></guss>\n");
  else
    {
      g_string_append (x, "<ussList><uss id=\"1\" type=\"" IMPS_GBA_GSID_IMS_MEDIA "\"><uids>");
      for (guint i = 0; s->impus[i]; i++)
        {
          g_autofree gchar *u = g_markup_escape_text (s->impus[i], -1);
          g_string_append_printf (x, "<uid>%s</uid>", u);
        }
      g_string_append (x, "</uids><flags/></uss></ussList></guss>\n");
    }
  return g_string_free (x, FALSE);
}

static void
note (ImpsHss *hss, ImpsEventKind kind, const gchar *detail, const gchar *summary)
{
  imps_network_log (hss->net, kind, IMPS_REF_NONE, IMPS_PROTO_NONE, hss->name, NULL, NULL,
                    NULL, detail, "%s", summary);
}

static void
answer_maa (ImpsDiameterRequest *req, ImpsDiameterMaa *maa)
{
  g_autoptr (GBytes) bytes = imps_diameter_maa_build (maa);
  imps_diameter_request_answer (req, bytes);
}

void
imps_hss_zh_handle (ImpsDiameterServer *server, ImpsDiameterRequest *req, gpointer data)
{
  ImpsHss *hss = data;
  const ImpsDiameterMessage *msg = imps_diameter_request_get_message (req);
  g_autoptr (GError) error = NULL;

  if (msg->command != IMPS_DIAMETER_CMD_MULTIMEDIA_AUTH)
    {
      g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new_answer (msg);
      imps_diameter_builder_set_flags (b, imps_diameter_answer_flags (
                                              msg->flags, IMPS_DIAMETER_COMMAND_UNSUPPORTED));
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0, hss->name);
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0, hss->domain);
      imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                     IMPS_DIAMETER_COMMAND_UNSUPPORTED);
      g_autoptr (GBytes) a = imps_diameter_builder_finish (g_steal_pointer (&b));
      imps_diameter_request_answer (req, a);
      return;
    }

  g_autoptr (ImpsDiameterMar) mar = imps_diameter_mar_parse (msg, &error);
  if (mar == NULL)
    {
      note (hss, IMPS_EVENT_REFUSAL, error->message, "MAR refused");
      /* E only on 3xxx; Failed-AVP names the AVP (RFC 6733 §7.1, §7.5). */
      guint32 result = imps_diameter_error_result_code (error);
      g_autoptr (ImpsDiameterBuilder) b = imps_diameter_builder_new_answer (msg);
      imps_diameter_builder_set_flags (b, imps_diameter_answer_flags (msg->flags, result));
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_HOST, IMPS_DIAMETER_AVP_FLAG_M, 0, hss->name);
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ORIGIN_REALM, IMPS_DIAMETER_AVP_FLAG_M, 0, hss->domain);
      imps_diameter_builder_add_u32 (b, IMPS_DIAMETER_AVP_RESULT_CODE, IMPS_DIAMETER_AVP_FLAG_M, 0,
                                     result);
      imps_diameter_builder_add_utf8 (b, IMPS_DIAMETER_AVP_ERROR_MESSAGE, 0, 0, error->message);
      imps_diameter_builder_add_failed_avp (b, msg->raw, msg->raw_len, error);
      g_autoptr (GBytes) a = imps_diameter_builder_finish (g_steal_pointer (&b));
      imps_diameter_request_answer (req, a);
      return;
    }

  g_autoptr (ImpsDiameterMaa) maa = imps_diameter_maa_new_for (mar);
  maa->origin_host = g_strdup (hss->name);
  maa->origin_realm = g_strdup (hss->domain);

  Sub *s = mar->impi ? g_hash_table_lookup (hss->by_impi, mar->impi)
                     : g_hash_table_lookup (hss->by_impu, mar->impu ? mar->impu : "");
  if (s == NULL)
    {
      g_autofree gchar *why = g_strdup_printf ("no subscriber with %s %s",
                                               mar->impi ? "IMPI" : "IMPU",
                                               mar->impi ? mar->impi : (mar->impu ? mar->impu : "(none)"));
      note (hss, IMPS_EVENT_REFUSAL, why, "unknown user");
      maa->experimental_result = IMPS_DIAMETER_ERROR_IDENTITY_UNKNOWN;
      answer_maa (req, maa);
      return;
    }
  if (mar->auth_scheme && g_strcmp0 (mar->auth_scheme, "Digest-AKAv1-MD5") != 0
      && g_strcmp0 (mar->auth_scheme, "Digest-AKAv2-MD5") != 0)
    {
      g_autofree gchar *why = g_strdup_printf ("authentication scheme '%s' is not served "
                                               "(Digest-AKAv1-MD5, Digest-AKAv2-MD5)", mar->auth_scheme);
      note (hss, IMPS_EVENT_REFUSAL, why, "scheme refused");
      maa->result_code = IMPS_DIAMETER_INVALID_AVP_VALUE;
      /* 5004 carries the offending AVP (RFC 6733 §7.1.5). */
      gint item = imps_diameter_message_find (msg, IMPS_DIAMETER_VENDOR_3GPP,
                                              IMPS_DIAMETER_AVP_SIP_AUTH_DATA_ITEM);
      gint scheme = item < 0 ? -1
        : imps_diameter_message_find_child (msg, (guint) item, IMPS_DIAMETER_VENDOR_3GPP,
                                            IMPS_DIAMETER_AVP_SIP_AUTHENTICATION_SCHEME);
      if (scheme >= 0)
        maa->failed_avp = imps_diameter_message_avp (msg, (guint) scheme);
      answer_maa (req, maa);
      return;
    }

  if (mar->has_resync)
    {
      guint8 sqn_ms[6];
      gboolean resynced = imps_aka_resync (s->milenage, mar->resync, mar->resync + 16, sqn_ms,
                                           &error);
      imps_milenage_drop_cipher (s->milenage); /* made again for the vector below */
      if (!resynced)
        {
          /* No fresh vector without a valid AUTS: the BSF refuses the UE. */
          note (hss, IMPS_EVENT_REFUSAL, error->message, "AUTS refused");
          maa->experimental_result = IMPS_DIAMETER_ERROR_AUTHENTICATION_DATA_UNAVAILABLE;
          answer_maa (req, maa);
          return;
        }
      guint64 before = s->gen.seq;
      imps_aka_sqn_generator_resync (&s->gen, sqn_ms, IMPS_AKA_DELTA_DEFAULT);
      if (s->gen.seq > s->reserved)
        s->reserved = s->gen.seq;
      if (!store_save_sqn (hss, s, &error))
        {
          note (hss, IMPS_EVENT_FAILURE, error->message, "store failed");
          maa->result_code = IMPS_DIAMETER_UNABLE_TO_COMPLY;
          answer_maa (req, maa);
          return;
        }
      g_autofree gchar *hex = imps_hex_encode (sqn_ms, 6);
      g_autofree gchar *why = g_strdup_printf ("SQN_MS %s from AUTS; SEQ_HE %" G_GUINT64_FORMAT
                                               " -> %" G_GUINT64_FORMAT, hex, before, s->gen.seq);
      note (hss, IMPS_EVENT_NOTE, why, "resynchronised");
    }

  guint8 sqn[6], rand[16];
  if (!next_sqn (hss, s, sqn, &error))
    {
      note (hss, IMPS_EVENT_FAILURE, error->message, "no SQN");
      maa->experimental_result = IMPS_DIAMETER_ERROR_AUTHENTICATION_DATA_UNAVAILABLE;
      answer_maa (req, maa);
      return;
    }
  imps_random_fill (hss->random, rand, sizeof rand);
  g_auto (ImpsAkaVector) av = { 0 };
  imps_aka_generate_av (s->milenage, rand, sqn, s->amf, &av);
  /* an idle subscriber holds no key schedule */
  imps_milenage_drop_cipher (s->milenage);

  maa->result_code = IMPS_DIAMETER_SUCCESS;
  maa->has_av = TRUE;
  maa->number_auth_items = 1;
  memcpy (maa->sip_authenticate, av.rand, 16);
  memcpy (maa->sip_authenticate + 16, av.autn, 16);
  memcpy (maa->xres, av.xres, 8);
  maa->xres_len = 8;
  memcpy (maa->ck, av.ck, 16);
  memcpy (maa->ik, av.ik, 16);
  if (maa->impi == NULL)
    maa->impi = g_strdup (s->impi);
  maa->guss_len = s->guss_len;
  maa->guss = g_memdup2 (s->guss, s->guss_len + 1);

  g_autofree gchar *sqn_hex = imps_hex_encode (sqn, 6);
  g_autofree gchar *why = g_strdup_printf ("vector for %s with SQN %s", s->impi, sqn_hex);
  note (hss, IMPS_EVENT_NOTE, why, "authentication vector");
  answer_maa (req, maa);
}

gboolean
imps_hss_listen (ImpsHss *hss, const gchar *address, guint16 port, GError **error)
{
  static const guint32 apps[] = { IMPS_DIAMETER_APP_ZH };
  g_return_val_if_fail (hss->server == NULL, FALSE);
  hss->server = imps_diameter_server_new (hss->net, hss->name, hss->name, hss->domain,
                                          IMPS_REF_ZH, apps, G_N_ELEMENTS (apps),
                                          imps_hss_zh_handle, hss);
  if (!imps_diameter_server_listen (hss->server, address, port, error))
    {
      g_clear_pointer (&hss->server, imps_diameter_server_free);
      return FALSE;
    }
  imps_network_register_node (hss->net, hss->name, address);
  return TRUE;
}

void
imps_hss_allow_peer (ImpsHss *hss, const gchar *origin_host, const gchar *address)
{
  g_return_if_fail (hss->server != NULL);
  imps_diameter_server_allow_peer (hss->server, origin_host, address);
}

guint16
imps_hss_get_port (ImpsHss *hss)
{
  return hss->server ? imps_diameter_server_get_port (hss->server) : 0;
}
