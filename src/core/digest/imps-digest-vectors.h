/* Known-answer vectors of the digest module, shared by tests/digest and
 * the compiled-in self test (`impsim tool selftest -m digest`). Each row
 * names where it comes from. */
#pragma once

#include "imps-digest.h"

G_BEGIN_DECLS

typedef struct {
  const gchar *source;
  const gchar *username;
  const gchar *realm;
  const gchar *password_hex;    /* raw password bytes (AKAv1: RES), or NULL */
  const gchar *password_text;   /* password as text, used when password_hex is NULL */
  const gchar *method;          /* "" for rspauth */
  const gchar *uri;
  const gchar *body;            /* entity body (auth-int) */
  ImpsDigestQop qop;
  const gchar *nonce;
  const gchar *nc;
  const gchar *cnonce;
  const gchar *ha1;
  const gchar *ha2;             /* NULL when the source gives none */
  const gchar *response;
} ImpsDigestVector;

typedef struct {
  const gchar *source;
  const gchar *rand;
  const gchar *autn;
  const gchar *nonce;
} ImpsDigestNonceVector;

typedef struct {
  const gchar *source;
  const gchar *res;
  const gchar *ik;
  const gchar *ck;
  const gchar *password;
} ImpsDigestAkav2Vector;

/* A header value exactly as gba.md writes it. */
typedef struct {
  const gchar *source;
  const gchar *value;
} ImpsDigestHeaderVector;

extern const ImpsDigestVector imps_digest_vectors[];
extern const gsize imps_digest_n_vectors;
extern const ImpsDigestNonceVector imps_digest_nonce_vectors[];
extern const gsize imps_digest_n_nonce_vectors;
extern const ImpsDigestAkav2Vector imps_digest_akav2_vectors[];
extern const gsize imps_digest_n_akav2_vectors;

/* gba.md §12.2 resync: AUTS and its base64. */
#define IMPS_DIGEST_VECTOR_AUTS_HEX "451e8beca41bf8ee589d46d835c9"
#define IMPS_DIGEST_VECTOR_AUTS_B64 "RR6L7KQb+O5YnUbYNck="

/* gba.md §6.2 and §6.3 header values (without the header name). */
extern const ImpsDigestHeaderVector imps_digest_challenge_vectors[];
extern const gsize imps_digest_n_challenge_vectors;
extern const ImpsDigestHeaderVector imps_digest_credentials_vectors[];
extern const gsize imps_digest_n_credentials_vectors;
extern const ImpsDigestHeaderVector imps_digest_auth_info_vectors[];
extern const gsize imps_digest_n_auth_info_vectors;

G_END_DECLS
