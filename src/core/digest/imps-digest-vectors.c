/* Digest vectors: every value is copied from the spec digest gba.md at
 * the section named in the row. */
#include "imps-digest-vectors.h"
#include "gba/imps-gba-vectors.h"

#define UB_NONCE "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M="
#define UB_CNONCE "6629fae49393a05397450978507c4ef1"

const ImpsDigestVector imps_digest_vectors[] = {
  {
    "gba.md §5.1 RFC 2617 §3.5 example (Mufasa) [V]",
    "Mufasa", "testrealm@host.com", NULL, "Circle Of Life",
    "GET", "/dir/index.html", "", IMPS_DIGEST_QOP_AUTH,
    "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
    "939e7578ed9e3c518a452acee763bce9", "39aff3a2bab6126f332b942af96d3366",
    "6629fae49393a05397450978507c4ef1",
  },
  {
    "gba.md §12.2 Ub digest AKAv1-MD5, qop=auth-int [C]",
    "user1_private@home1.net", "bsf.home1.net", "a54211d5e3ba50bf", NULL,
    "GET", "/", "", IMPS_DIGEST_QOP_AUTH_INT,
    UB_NONCE, "00000001", UB_CNONCE,
    "308bb02714388e6e939e4649f5ec4fb0", "15df3e1aa09254633226c3d41891b148",
    "c3010b8b0c8fe3d6425a4d50b6a66ba8",
  },
  {
    "gba.md §12.2 Ub digest AKAv1-MD5, qop=auth [C]",
    "user1_private@home1.net", "bsf.home1.net", "a54211d5e3ba50bf", NULL,
    "GET", "/", "", IMPS_DIGEST_QOP_AUTH,
    UB_NONCE, "00000001", UB_CNONCE,
    "308bb02714388e6e939e4649f5ec4fb0", "71998c64aea37ae77020c49c00f73fa8",
    "1a8653e57ea05444d06a19a6e547dfdb",
  },
  {
    "gba.md §12.2 rspauth over the §6.2 (4) body, qop=auth-int [C]",
    "user1_private@home1.net", "bsf.home1.net", "a54211d5e3ba50bf", NULL,
    "", "/", imps_gba_bootstrapping_info_vector, IMPS_DIGEST_QOP_AUTH_INT,
    UB_NONCE, "00000001", UB_CNONCE,
    "308bb02714388e6e939e4649f5ec4fb0", "69542746d1fa74cf4c40056181a3d77d",
    "2f715cfe8ac1bc8ccccfc1a5654a7959",
  },
  {
    "gba.md §12.2 resync request, empty password, qop=auth-int [C]",
    "user1_private@home1.net", "bsf.home1.net", "", NULL,
    "GET", "/", "", IMPS_DIGEST_QOP_AUTH_INT,
    UB_NONCE, "00000001", UB_CNONCE,
    "ff5c2d17b4e6904e2d839d37fae926bd", "15df3e1aa09254633226c3d41891b148",
    "0c6b780251d1cc17f1efdcbe83e90720",
  },
  {
    "gba.md §12.2 AKAv2-MD5 password, qop=auth-int [C]",
    "user1_private@home1.net", "bsf.home1.net", NULL, "shzt3q8CWaZnCAWqs3WmEQ==",
    "GET", "/", "", IMPS_DIGEST_QOP_AUTH_INT,
    UB_NONCE, "00000001", UB_CNONCE,
    "70d963266e8506e596f42830bda6933f", "15df3e1aa09254633226c3d41891b148",
    "3a912f43f0f899c2bc13e4f80281f73d",
  },
  {
    "gba.md §12.2 Ua digest at the KMS, password base64(Ks_NAF), qop=auth [C]",
    "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net", "3GPP-bootstrapping@kms.home1.net",
    NULL, "dOuGcr7MCxnsy4byeAz7AXgJfohzlEeYqwltaec1GGI=",
    "GET", "/", "", IMPS_DIGEST_QOP_AUTH,
    "a3f1c9e2b7d84f6a9e0c5b1d2f3a4b5c", "00000001", "0a4f113b",
    "54d1139d3582df8ce12633eb765904d6", "71998c64aea37ae77020c49c00f73fa8",
    "9a334ed539e4d68396ce9fbf2d71de02",
  },
  {
    "gba.md §12.3 live trace, client Ub response, qop=auth-int [C from V inputs]",
    "123454901000504@ims.mnc045.mcc123.3gppnetwork.org",
    "bsf.mnc045.mcc123.pub.3gppnetwork.org", "4237c8c339014f60", NULL,
    "GET", "/", "", IMPS_DIGEST_QOP_AUTH_INT,
    "fve4iTWb1rTb297CzVSrpwx1bsNP9gAAiCivEWFj/Po=", "00000001", "468f5b9d04a32d38",
    "e052d6de8f48f88585aa663ba98f7557", NULL,
    "745d5b2f0473128bbe9532c6b3e416cd",
  },
};
const gsize imps_digest_n_vectors = G_N_ELEMENTS (imps_digest_vectors);

const ImpsDigestNonceVector imps_digest_nonce_vectors[] = {
  {
    "gba.md §12.2 nonce = base64(RAND || AUTN) [C]",
    "23553cbe9637a89d218ae64dae47bf35", "55f328b43577b9b94a9ffac354dfafb3",
    UB_NONCE,
  },
  {
    "gba.md §12.3 live trace 401 nonce [V]",
    "7ef7b889359bd6b4dbdbdec2cd54aba7", "0c756ec34ff600008828af116163fcfa",
    "fve4iTWb1rTb297CzVSrpwx1bsNP9gAAiCivEWFj/Po=",
  },
};
const gsize imps_digest_n_nonce_vectors = G_N_ELEMENTS (imps_digest_nonce_vectors);

const ImpsDigestAkav2Vector imps_digest_akav2_vectors[] = {
  {
    "gba.md §12.2 AKAv2 password (35.208 set 1 RES, IK, CK) [C]",
    "a54211d5e3ba50bf", "f769bcd751044604127672711c6d3441",
    "b40ba9a3c58b2a05bbf0d987b21bf8cb", "shzt3q8CWaZnCAWqs3WmEQ==",
  },
};
const gsize imps_digest_n_akav2_vectors = G_N_ELEMENTS (imps_digest_akav2_vectors);

const ImpsDigestHeaderVector imps_digest_challenge_vectors[] = {
  {
    "gba.md §6.2 (2) 401 WWW-Authenticate",
    "Digest realm=\"bsf.home1.net\", nonce=\"" UB_NONCE "\", algorithm=AKAv1-MD5, "
    "qop=\"auth-int\", opaque=\"5ccc069c403ebaf9f0171e9517f30e41\"",
  },
};
const gsize imps_digest_n_challenge_vectors = G_N_ELEMENTS (imps_digest_challenge_vectors);

const ImpsDigestHeaderVector imps_digest_credentials_vectors[] = {
  {
    "gba.md §6.2 (1) first Ub request",
    "Digest username=\"user1_private@home1.net\", realm=\"bsf.home1.net\", nonce=\"\", "
    "uri=\"/\", response=\"\"",
  },
  {
    "gba.md §6.2 (3) Ub request with credentials",
    "Digest username=\"user1_private@home1.net\", realm=\"bsf.home1.net\", nonce=\""
    UB_NONCE "\", uri=\"/\", qop=auth-int, nc=00000001, cnonce=\"" UB_CNONCE "\", "
    "response=\"c3010b8b0c8fe3d6425a4d50b6a66ba8\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f30e41\", algorithm=AKAv1-MD5",
  },
  {
    "gba.md §6.3 synchronisation failure request",
    "Digest username=\"user1_private@home1.net\", realm=\"bsf.home1.net\", nonce=\""
    UB_NONCE "\", uri=\"/\", qop=auth-int, nc=00000001, cnonce=\"" UB_CNONCE "\", "
    "response=\"0c6b780251d1cc17f1efdcbe83e90720\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f30e41\", algorithm=AKAv1-MD5, "
    "auts=\"RR6L7KQb+O5YnUbYNck=\"",
  },
};
const gsize imps_digest_n_credentials_vectors = G_N_ELEMENTS (imps_digest_credentials_vectors);

const ImpsDigestHeaderVector imps_digest_auth_info_vectors[] = {
  {
    "gba.md §6.2 (4) 200 OK Authentication-Info",
    "qop=auth-int, rspauth=\"2f715cfe8ac1bc8ccccfc1a5654a7959\", cnonce=\"" UB_CNONCE "\", "
    "nc=00000001, opaque=\"5ccc069c403ebaf9f0171e9517f30e41\", nonce=\"" UB_NONCE "\"",
  },
};
const gsize imps_digest_n_auth_info_vectors = G_N_ELEMENTS (imps_digest_auth_info_vectors);
