/* Zh (BSF - HSS, MAR/MAA, application 16777221, gba.md §9) and Zn (NAF/KMS -
 * BSF, BIR/BIA, application 16777220, gba.md §10) messages as plain structs.
 *
 * Each struct owns its strings; key material lives in fixed arrays that
 * the free function wipes (the whole struct is wiped). The _build functions
 * return the wire bytes (a GBytes that wipes itself when freed); the _parse
 * functions take a parsed ImpsDiameterMessage and check its command,
 * application, R flag, Vendor-Specific-Application-Id and every required
 * AVP, with sizes of keys and vectors exact.
 *
 * Requests are sent with R and P set; answers with P set (gba.md §9.1,
 * §10.1 "PXY"). All 3GPP AVPs carry V and M (see docs/profile.md).
 */
#pragma once

#include "imps-diameter.h"

G_BEGIN_DECLS

#define IMPS_DIAMETER_SCHEME_DIGEST_AKAV1_MD5 "Digest-AKAv1-MD5"
#define IMPS_DIAMETER_RAND_LEN 16
#define IMPS_DIAMETER_AUTS_LEN 14
#define IMPS_DIAMETER_SIP_AUTHENTICATE_LEN 32   /* RAND || AUTN */
#define IMPS_DIAMETER_RESYNC_LEN 30             /* RAND || AUTS */
#define IMPS_DIAMETER_XRES_MIN 4
#define IMPS_DIAMETER_XRES_MAX 16
#define IMPS_DIAMETER_CK_LEN 16
#define IMPS_DIAMETER_IK_LEN 16
#define IMPS_DIAMETER_KS_NAF_LEN 32
/* Upper bound on a GUSS or USS list carried in GBA-UserSecSettings. */
#define IMPS_DIAMETER_MAX_GUSS (32 * 1024)
#define IMPS_DIAMETER_MAX_GSIDS 16

/* Multimedia-Auth-Request (Zh). */
typedef struct {
  guint32 hop_by_hop;
  guint32 end_to_end;
  gchar *session_id;           /* required */
  gchar *origin_host;          /* required: the BSF */
  gchar *origin_realm;         /* required */
  gchar *destination_realm;    /* required: the HSS realm */
  gchar *destination_host;     /* optional */
  gchar *impi;                 /* User-Name; IMPI or IMPU is required */
  gchar *impu;                 /* Public-Identity, optional */
  guint32 number_auth_items;   /* SIP-Number-Auth-Items; 0 = absent */
  gchar *auth_scheme;          /* NULL: "Digest-AKAv1-MD5" when building */
  gboolean has_resync;
  guint8 resync[IMPS_DIAMETER_RESYNC_LEN];  /* RAND || AUTS (gba.md §9.3) */
  gboolean has_guss_timestamp;
  guint32 guss_timestamp;      /* NTP seconds */
} ImpsDiameterMar;

/* Multimedia-Auth-Answer (Zh). */
typedef struct {
  guint32 hop_by_hop;
  guint32 end_to_end;
  gchar *session_id;           /* required */
  gchar *origin_host;          /* required: the HSS */
  gchar *origin_realm;         /* required */
  guint32 result_code;         /* 0 = absent; one of the two is required */
  guint32 experimental_result; /* vendor 10415 code, 0 = absent */
  gchar *impi;                 /* optional */
  gchar *impu;                 /* optional */
  guint32 number_auth_items;   /* 0 = absent */
  gboolean has_av;             /* SIP-Auth-Data-Item present */
  gchar *auth_scheme;          /* NULL: "Digest-AKAv1-MD5" when building */
  guint8 sip_authenticate[IMPS_DIAMETER_SIP_AUTHENTICATE_LEN];  /* RAND || AUTN */
  guint8 xres[IMPS_DIAMETER_XRES_MAX];
  gsize xres_len;              /* 4..16 */
  guint8 ck[IMPS_DIAMETER_CK_LEN];
  guint8 ik[IMPS_DIAMETER_IK_LEN];
  guint8 *guss;                /* GBA-UserSecSettings XML, optional, NUL after it */
  gsize guss_len;
  const ImpsDiameterAvp *failed_avp; /* building: sent back in Failed-AVP (borrowed); NULL: none */
} ImpsDiameterMaa;

/* Bootstrapping-Info-Request (Zn). */
typedef struct {
  guint32 hop_by_hop;
  guint32 end_to_end;
  gchar *session_id;           /* required */
  gchar *origin_host;          /* required: the NAF (KMS) */
  gchar *origin_realm;         /* required */
  gchar *destination_realm;    /* required: the BSF realm */
  gchar *destination_host;     /* optional */
  gchar *btid;                 /* Transaction-Identifier, required */
  guint8 *naf_id;              /* NAF-Id = FQDN || Ua id (binary), required */
  gsize naf_id_len;
  gchar **gsids;               /* GAA-Service-Identifier list, NULL-terminated, optional */
  gint gba_u_awareness;        /* -1 absent, 0 NO, 1 YES */
} ImpsDiameterBir;

/* Bootstrapping-Info-Answer (Zn). */
typedef struct {
  guint32 hop_by_hop;
  guint32 end_to_end;
  gchar *session_id;           /* required */
  gchar *origin_host;          /* required: the BSF */
  gchar *origin_realm;         /* required */
  guint32 result_code;         /* 0 = absent; one of the two is required */
  guint32 experimental_result; /* vendor 10415 code, 0 = absent */
  gchar *impi;                 /* User-Name, optional */
  gboolean has_me_key;
  guint8 me_key[IMPS_DIAMETER_KS_NAF_LEN];    /* Ks_NAF or Ks_ext_NAF */
  gboolean has_uicc_key;
  guint8 uicc_key[IMPS_DIAMETER_KS_NAF_LEN];  /* Ks_int_NAF */
  gboolean has_key_expiry;
  guint32 key_expiry;          /* NTP seconds */
  gboolean has_creation_time;
  guint32 creation_time;       /* NTP seconds */
  guint8 *guss;                /* USS list XML, optional, NUL after it */
  gsize guss_len;
  gint gba_type;               /* -1 absent, 0 3G GBA, 1 2G GBA */
  const ImpsDiameterAvp *failed_avp; /* building: sent back in Failed-AVP (borrowed); NULL: none */
} ImpsDiameterBia;

ImpsDiameterMar *imps_diameter_mar_new (void);
void imps_diameter_mar_free (ImpsDiameterMar *mar);
GBytes *imps_diameter_mar_build (const ImpsDiameterMar *mar);
ImpsDiameterMar *imps_diameter_mar_parse (const ImpsDiameterMessage *msg, GError **error);

ImpsDiameterMaa *imps_diameter_maa_new (void);
/* An MAA for @mar: ids, Session-Id and User-Name copied. */
ImpsDiameterMaa *imps_diameter_maa_new_for (const ImpsDiameterMar *mar);
void imps_diameter_maa_free (ImpsDiameterMaa *maa);
GBytes *imps_diameter_maa_build (const ImpsDiameterMaa *maa);
ImpsDiameterMaa *imps_diameter_maa_parse (const ImpsDiameterMessage *msg, GError **error);

ImpsDiameterBir *imps_diameter_bir_new (void);
void imps_diameter_bir_free (ImpsDiameterBir *bir);
GBytes *imps_diameter_bir_build (const ImpsDiameterBir *bir);
ImpsDiameterBir *imps_diameter_bir_parse (const ImpsDiameterMessage *msg, GError **error);

ImpsDiameterBia *imps_diameter_bia_new (void);
/* A BIA for @bir: ids and Session-Id copied. */
ImpsDiameterBia *imps_diameter_bia_new_for (const ImpsDiameterBir *bir);
void imps_diameter_bia_free (ImpsDiameterBia *bia);
GBytes *imps_diameter_bia_build (const ImpsDiameterBia *bia);
ImpsDiameterBia *imps_diameter_bia_parse (const ImpsDiameterMessage *msg, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterMar, imps_diameter_mar_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterMaa, imps_diameter_maa_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterBir, imps_diameter_bir_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterBia, imps_diameter_bia_free)

G_END_DECLS
