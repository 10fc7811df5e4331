/* Known-answer vectors of the GBA module, shared by tests/gba and the
 * compiled-in self test (`impsim tool selftest -m gba`). Each row names
 * where it comes from. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const gchar *source;       /* digest section and status */
  const gchar *ks;           /* hex, 32 bytes */
  const gchar *rand;         /* hex, 16 bytes */
  const gchar *impi;
  const gchar *naf_fqdn;
  const gchar *ua_id;        /* hex, 5 bytes */
  const gchar *s;            /* hex of the KDF input S for "gba-me", or NULL */
  const gchar *ks_naf;       /* hex */
  const gchar *ks_naf_b64;   /* base64 of Ks_NAF (the Ua password), or NULL */
  const gchar *ks_int_naf;   /* hex, or NULL */
} ImpsGbaKsNafVector;

typedef struct {
  const gchar *source;
  const gchar *ck;
  const gchar *ik;
  const gchar *ks;
} ImpsGbaKsVector;

typedef struct {
  const gchar *source;
  const gchar *rand;
  const gchar *domain;
  const gchar *btid;
} ImpsGbaBtidVector;

typedef struct {
  const gchar *source;
  const gchar *ks;
  const gchar *rand;
  const gchar *impi;
  const gchar *bsf_fqdn;
  const gchar *kdf_out;      /* hex of the full 32-byte KDF output */
  const gchar *tmpi;
} ImpsGbaTmpiVector;

extern const ImpsGbaKsNafVector imps_gba_ks_naf_vectors[];
extern const gsize imps_gba_n_ks_naf_vectors;
extern const ImpsGbaKsVector imps_gba_ks_vectors[];
extern const gsize imps_gba_n_ks_vectors;
extern const ImpsGbaBtidVector imps_gba_btid_vectors[];
extern const gsize imps_gba_n_btid_vectors;
extern const ImpsGbaTmpiVector imps_gba_tmpi_vectors[];
extern const gsize imps_gba_n_tmpi_vectors;

/* The exact 195-byte 200 OK body of gba.md §6.2 (4), whose MD5 is given
 * in §12.2, with the values it carries. */
extern const gchar imps_gba_bootstrapping_info_vector[];
#define IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_BTID "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net"
/* 2004-01-08T11:13:17Z as seconds since 1970 (computed by this project). */
#define IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_LIFETIME G_GINT64_CONSTANT (1073560397)
#define IMPS_GBA_BOOTSTRAPPING_INFO_VECTOR_MD5 "a63c8b303812f74330da03844e470d2a"

G_END_DECLS
