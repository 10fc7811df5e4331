/* Inside the KMS: the node struct, shared by imps-kms.c (node, Ua, Zn,
 * request handling), imps-kms-store.c (SQLite store, policies in memory)
 * and imps-kms-zk.c (TLS, Zk server and relay client). */
#pragma once

#include "imps-kms.h"
#include "diameter/imps-diameter-gba.h"
#include "gba/imps-gba.h"
#include "imps-diameter-peer.h"
#include "imps-http.h"

#include <sqlite3.h>

/* A policy row in memory (owned strings). */
typedef struct {
  guint validity;
  gboolean reuse;
  gboolean forking;
  guint max_keys;
  GStrv patterns;          /* never NULL once loaded */
  gboolean implicit;       /* no may-request-for given: own domain plus the domains of
                            * operators with an agreement (profile §3) */
} KmsPolicy;

/* A group in memory; mg points into id/members. */
typedef struct {
  gchar *id;
  GStrv members;
} KmsGroup;

/* A cooperation agreement (pair key wiped on free). */
typedef struct {
  gchar *peer;             /* peer KMS FQDN, lower case */
  guint8 key[32];
  gsize key_len;
  gchar *zk_address;
  guint16 zk_port;
} KmsAgreement;

/* A TPK with the time until which it opens tickets (0 = current). */
typedef struct {
  ImpsMikeyTpk tpk;
  gint64 accept_until;     /* Unix seconds; 0: the current key */
} KmsTpk;

/* A cached Ks_NAF (or a static PSK). */
typedef struct {
  gchar *key_id;           /* B-TID or static key id */
  GBytes *naf_id;          /* NULL for a static PSK */
  guint8 key[IMPS_GBA_KEY_LEN];
  gsize key_len;
  gint64 expiry;           /* Unix seconds; G_MAXINT64 for static */
  gchar *impi;
  gchar *user;             /* static PSK: the one identity it serves, or NULL */
  GStrv impus;             /* Ks_NAF: the user's public identities from the BIA's USS
                            * (GSID IMPS_GBA_GSID_IMS_MEDIA), never NULL; NULL for a
                            * static PSK */
  GList fifo_link;         /* Ks_NAF: its place in ImpsKms.key_fifo (data = the key) */
  GQueue *fifo;            /* that queue while linked; NULL for a static PSK */
} KmsKey;

typedef struct {
  gint64 time;
  gchar *kind;             /* "issued", "resolved", "relayed", "refused" */
  guint32 csb_id;
  gchar *initiator;
  gchar *responder;
  guint32 tpk_index;
  gint64 valid_to;
  gchar *detail;
} KmsAudit;

struct _ImpsKms {
  ImpsNetwork *net;
  ImpsClock *clock;        /* its own (skewed) clock, reffed, or NULL: the network's */
  gchar *domain;
  gchar *name;             /* kms.<domain> */
  gchar *address;
  ImpsRandom *random;
  GBytes *naf_id;          /* name || 01 00 00 00 06 */
  ImpsMikeySuite suite;

  /* store */
  sqlite3 *db;
  KmsPolicy default_policy;
  GHashTable *user_policies;   /* user -> KmsPolicy* */
  GPtrArray *groups;           /* KmsGroup* */
  ImpsMikeyGroup *mgroups;     /* views for core/mikey, rebuilt on change */
  GHashTable *agreements;      /* peer fqdn -> KmsAgreement* */
  GArray *tpks;                /* KmsTpk; index 0 is the current key */
  ImpsMikeyTpk *tpk_view;      /* contiguous copy for core/mikey (wiped) */
  ImpsKeyLog *key_log;         /* borrowed, NULL: none */
  gchar *last_refusal;         /* the reason of the last refusal, for a 400's body */
  guint n_tpk_view;
  GPtrArray *audit;            /* KmsAudit* not yet written */
  guint audit_idle;            /* the flush timer of a memory store */
  sqlite3_stmt *st_audit;      /* prepared once: INSERT an audit row */
  sqlite3_stmt *st_audit_trim; /* DELETE the rows past IMPS_KMS_MEMORY_AUDIT_ROWS */
  guint64 audit_written;

  /* keys */
  GHashTable *keys;            /* key id -> KmsKey* (B-TIDs and static ids) */
  GQueue key_fifo;             /* the cached Ks_NAFs, oldest first (at most
                                * IMPS_KMS_KS_NAF_CACHE_MAX; static PSKs are not in it) */
  ImpsMikeyReplay *replay;
  ImpsMikeyReplay *uses;

  /* Ua, Zn */
  ImpsHttpLimits http_limits;  /* of Ua and Zk */
  ImpsHttpServer *ua;
  ImpsDiameterClient *zn;
  gchar *bsf_address;
  guint16 bsf_port;
  GCancellable *cancel;
  guint64 session_counter;

  /* Zk */
  GTlsCertificate *zk_cert;
  GTlsDatabase *zk_ca;
  gchar *zk_ca_path;           /* our temporary copy of the CA PEM (public) */
  ImpsHttpServer *zk_server;   /* HTTPS, mutual TLS */
  guint16 zk_port;
  SoupSession *zk_client;
};

gint64 imps_kms_now (ImpsKms *kms);
guint64 imps_kms_now_ntp (ImpsKms *kms);
void imps_kms_note (ImpsKms *kms, ImpsEventKind kind, const gchar *detail, const gchar *summary);
/* A 4xx answer on Ua or Zk: @why, the refusal's reason (names, sizes and
 * values of the request, never a key), is the text/plain body as well. */
void imps_kms_respond_refusal (ImpsHttpServer *server, ImpsHttpMessage *msg, guint status,
                               const gchar *why, const gchar *summary);

/* store (imps-kms-store.c) */
gboolean imps_kms_store_open (ImpsKms *kms, const gchar *state_path, GError **error);
void imps_kms_store_close (ImpsKms *kms);
const KmsPolicy *imps_kms_policy_for (ImpsKms *kms, const guint8 *user, gsize len);
gboolean imps_kms_policy_allows (ImpsKms *kms, const KmsPolicy *p, const guint8 *id, gsize len);
/* The patterns @p stands for, for messages (", "-joined). */
gchar *imps_kms_policy_describe (ImpsKms *kms, const KmsPolicy *p);
void imps_kms_audit (ImpsKms *kms, const gchar *kind, guint32 csb_id, const ImpsMikeyTp *tp,
                     const guint8 *responder, gsize responder_len, const gchar *detail);
void imps_kms_audit_flush (ImpsKms *kms);
void imps_kms_tpk_prune (ImpsKms *kms);
guint imps_kms_max_validity (ImpsKms *kms);
void kms_policy_clear (KmsPolicy *p);
void kms_policy_free (gpointer p);
void kms_agreement_free (gpointer p);
void kms_group_free (gpointer p);
void kms_key_free (gpointer p);
/* Caches a Ks_NAF fetched over Zn (takes @impus). At the bound, the key
 * cached first goes (O(1)); it is fetched again over Zn when its user
 * comes back. */
void kms_key_cache_add (ImpsKms *kms, const gchar *btid, const guint8 *key, gint64 expiry,
                        const gchar *impi, GStrv impus);
KmsAgreement *imps_kms_find_agreement (ImpsKms *kms, const guint8 *peer, gsize len);

/* Zk (imps-kms-zk.c) */
void imps_kms_zk_close (ImpsKms *kms);
/* Relays the responder's verified RESOLVE_INIT @in (keyed with @psk) to
 * the issuing KMS @issuer and answers @msg on @server (Ua) when it returns. */
/* A pair key's fingerprint for refusals: the first 4 bytes of its SHA-256
 * in hex (8 digits and a NUL), so that two KMSs that hold different keys
 * for one agreement can be told apart without showing a key. */
void imps_kms_pair_key_fingerprint (const guint8 *key, gsize len, gchar out[9]);
void imps_kms_zk_relay (ImpsKms *kms, ImpsHttpMessage *msg, const ImpsMikeyMessage *in,
                        const guint8 *psk, gsize psk_len, const guint8 *issuer, gsize issuer_len);

guint imps_kms_http_envelope (ImpsKms *kms, ImpsHttpMessage *msg, ImpsKmsRequestType *type,
                              GBytes **body, gchar **why);

/* The Error answer for @in_error (a parsed message) with @err_no; V keyed
 * from @psk when not NULL. Logs the refusal. */
void imps_kms_refuse (ImpsKms *kms, const ImpsMikeyHdr *hdr, const guint8 *data, gsize len,
                      guint8 err_no, const guint8 *psk, gsize psk_len, const gchar *check,
                      const gchar *why, GByteArray *out);
ImpsKmsOutcome imps_kms_process (ImpsKms *kms, ImpsKmsRequestType type, gboolean zk,
                                 const gchar *peer_cert_names_csv, const guint8 *data, gsize len,
                                 GByteArray *out, ImpsMikeyMessage **parsed);
