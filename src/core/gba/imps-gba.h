/* GBA key derivation (TS 33.220 Annex B and H) and the identities built
 * from it: Ks, Ks_NAF / Ks_ext_NAF / Ks_int_NAF, NAF_Id, B-TID and TMPI.
 *
 * Spec digest: gba.md §1.2 (identities), §7 (KDF, Ks_NAF, Ua ids, TMPI).
 *
 * Keys live in ImpsGbaKey, whose clear and free functions wipe them. Use
 * `g_auto (ImpsGbaKey) k = IMPS_GBA_KEY_INIT;` for keys on the stack. Nothing
 * in this module allocates on the derivation path.
 */
#pragma once

#include <glib.h>

#include "imps-crypto.h"

G_BEGIN_DECLS

#define IMPS_GBA_ERROR (imps_gba_error_quark ())
GQuark imps_gba_error_quark (void);

typedef enum {
  IMPS_GBA_ERROR_NAF_ID,        /* a NAF_Id that is too short, too long or not an FQDN */
  IMPS_GBA_ERROR_BTID,          /* a B-TID that is not "local@domain" in printable ASCII */
  IMPS_GBA_ERROR_XML_SYNTAX,    /* BootstrappingInfo is not well-formed XML (as far as we read XML) */
  IMPS_GBA_ERROR_XML_LIMIT,     /* a size, depth, count or length bound was exceeded */
  IMPS_GBA_ERROR_XML_SCHEMA,    /* well-formed, but not a BootstrappingInfo of 24.109 Annex C */
  IMPS_GBA_ERROR_XML_VALUE,     /* an element's text is not of its type (dateTime, B-TID) */
} ImpsGbaError;

#define IMPS_GBA_RAND_LEN 16
#define IMPS_GBA_CK_LEN 16
#define IMPS_GBA_IK_LEN 16
#define IMPS_GBA_KEY_LEN 32          /* Ks and every KDF output */
#define IMPS_GBA_UA_ID_LEN 5
/* A KDF parameter length is a 16-bit field (gba.md §7.1). */
#define IMPS_GBA_KDF_MAX_PARAM_LEN 65535
/* Parameters P0..Pn that imps_gba_kdf() takes (the KDF allows more; no
 * user in TS 33.220 needs more than a handful). */
#define IMPS_GBA_KDF_MAX_PARAMS 8
/* Bounds for identities we accept from outside. */
#define IMPS_GBA_MAX_FQDN_LEN 255
#define IMPS_GBA_MAX_BTID_LEN 512
#define IMPS_GBA_FC_KS_NAF 0x01

/* Ua security protocol identifiers (gba.md §7.3, 33.220 H.3). */
extern const guint8 IMPS_GBA_UA_ID_DEFAULT[IMPS_GBA_UA_ID_LEN];      /* 00 00 00 00 00 */
extern const guint8 IMPS_GBA_UA_ID_33221[IMPS_GBA_UA_ID_LEN];        /* 01 00 00 00 00 */
extern const guint8 IMPS_GBA_UA_ID_MBMS[IMPS_GBA_UA_ID_LEN];         /* 01 00 00 00 01 */
extern const guint8 IMPS_GBA_UA_ID_HTTP_DIGEST[IMPS_GBA_UA_ID_LEN];  /* 01 00 00 00 02 */
extern const guint8 IMPS_GBA_UA_ID_MBMS_HTTP[IMPS_GBA_UA_ID_LEN];    /* 01 00 00 00 03 */
extern const guint8 IMPS_GBA_UA_ID_MBMS_SIP[IMPS_GBA_UA_ID_LEN];     /* 01 00 00 00 04 */
extern const guint8 IMPS_GBA_UA_ID_GPL[IMPS_GBA_UA_ID_LEN];          /* 01 00 00 00 05 */
extern const guint8 IMPS_GBA_UA_ID_IMS_MEDIA[IMPS_GBA_UA_ID_LEN];    /* 01 00 00 00 06: the KMS (profile §2) */
extern const guint8 IMPS_GBA_UA_ID_TLS13_PSK[IMPS_GBA_UA_ID_LEN];    /* 01 00 00 00 07 */
extern const guint8 IMPS_GBA_UA_ID_TMPI[IMPS_GBA_UA_ID_LEN];         /* 01 00 00 01 00 */

/* 01 00 01 yy zz (33.222 §5.3/5.4) and 01 00 02 yy zz (Annex D) for TLS
 * cipher suite yy zz. */
void imps_gba_ua_id_tls (guint16 cipher_suite, gboolean browser,
                         guint8 out[IMPS_GBA_UA_ID_LEN]);

/* A 32-byte GBA key (Ks, Ks_NAF, Ks_int_NAF, KDF output). */
typedef struct {
  guint8 bytes[IMPS_GBA_KEY_LEN];
} ImpsGbaKey;

#define IMPS_GBA_KEY_INIT { { 0 } }

ImpsGbaKey *imps_gba_key_new (const guint8 bytes[IMPS_GBA_KEY_LEN]);
/* Wipes in place (for keys on the stack or inside other structs). */
void imps_gba_key_clear (ImpsGbaKey *key);
/* Wipes and frees. NULL is allowed. */
void imps_gba_key_free (ImpsGbaKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsGbaKey, imps_gba_key_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImpsGbaKey, imps_gba_key_clear)

/* The generic KDF of 33.220 B.2 (gba.md §7.1):
 *   S = FC || P0 || L0 || ... || Pn || Ln,   out = HMAC-SHA-256(key, S)
 * with each Li a 16-bit big-endian length. @n_params is 1 ..
 * IMPS_GBA_KDF_MAX_PARAMS and every parameter at most 65535 bytes
 * (programming errors otherwise). */
void imps_gba_kdf (const guint8 *key, gsize key_len, guint8 fc,
                   const ImpsIovec *params, gsize n_params,
                   guint8 out[IMPS_GBA_KEY_LEN]);

/* Ks = CK || IK (gba.md §6.1 step 6). */
void imps_gba_ks_from_ck_ik (const guint8 ck[IMPS_GBA_CK_LEN],
                             const guint8 ik[IMPS_GBA_IK_LEN],
                             ImpsGbaKey *ks);

typedef enum {
  IMPS_GBA_NAF_KEY_ME,      /* P0 = "gba-me": Ks_NAF (GBA_ME) = Ks_ext_NAF (GBA_U) */
  IMPS_GBA_NAF_KEY_INT,     /* P0 = "gba-u":  Ks_int_NAF (GBA_U) */
} ImpsGbaNafKeyKind;

/* Ks_NAF = KDF(Ks, P0, RAND, IMPI, NAF_Id) with FC 0x01 and
 * NAF_Id = @naf_fqdn || @ua_id (gba.md §7.2). @impi and @naf_fqdn are
 * byte strings of the given lengths (they need not be NUL-terminated):
 * UTF-8 in NFKC as 33.220 B.2.1.2 asks (ASCII is already); they are used
 * as given. Allocation-free. */
void imps_gba_ks_naf (ImpsGbaNafKeyKind kind, const ImpsGbaKey *ks,
                      const guint8 rand[IMPS_GBA_RAND_LEN],
                      const gchar *impi, gsize impi_len,
                      const gchar *naf_fqdn, gsize naf_fqdn_len,
                      const guint8 ua_id[IMPS_GBA_UA_ID_LEN],
                      ImpsGbaKey *out);

/* Same with a NAF_Id as received (for example in a Zn NAF-Id AVP), which
 * must pass imps_gba_naf_id_check(). */
gboolean imps_gba_ks_naf_for_naf_id (ImpsGbaNafKeyKind kind, const ImpsGbaKey *ks,
                                     const guint8 rand[IMPS_GBA_RAND_LEN],
                                     const gchar *impi, gsize impi_len,
                                     const guint8 *naf_id, gsize naf_id_len,
                                     ImpsGbaKey *out, GError **error);

/* NAF_Id = FQDN || Ua id (gba.md §7.3). Returns a new GBytes. */
GBytes *imps_gba_naf_id_new (const gchar *naf_fqdn,
                             const guint8 ua_id[IMPS_GBA_UA_ID_LEN]);

/* Checks a NAF_Id from outside: a host name of 1..255 bytes (letters,
 * digits, '-', '.', '_') followed by 5 bytes of Ua id. On success
 * *@fqdn_len is the length of the FQDN part. */
gboolean imps_gba_naf_id_check (const guint8 *naf_id, gsize len,
                                gsize *fqdn_len, GError **error);

/* B-TID = base64(RAND) "@" BSF domain (gba.md §1.2). Free with g_free(). */
gchar *imps_gba_btid_new (const guint8 rand[IMPS_GBA_RAND_LEN],
                          const gchar *bsf_domain);

/* Checks that a B-TID from outside is "local@domain": printable ASCII
 * without spaces, one '@' with text on both sides, at most
 * IMPS_GBA_MAX_BTID_LEN bytes. The B-TID is otherwise opaque (gba.md §13
 * D3): never read RAND out of it. */
gboolean imps_gba_btid_check (const gchar *btid, gsize len, GError **error);

#define IMPS_GBA_TMPI_DOMAIN "tmpi.bsf.3gppnetwork.org"

/* TMPI = base64(first 24 bytes of KDF(Ks, "gba-me", RAND, IMPI,
 * BSF FQDN || 01 00 00 01 00)) "@tmpi.bsf.3gppnetwork.org" (gba.md §7.4).
 * Free with g_free(). */
gchar *imps_gba_tmpi_new (const ImpsGbaKey *ks,
                          const guint8 rand[IMPS_GBA_RAND_LEN],
                          const gchar *impi, const gchar *bsf_fqdn);

G_END_DECLS
