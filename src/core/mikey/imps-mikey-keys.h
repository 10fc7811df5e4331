/* MIKEY and MIKEY-TICKET key derivation and key transport crypto.
 *
 * - the MIKEY PRF (RFC 3830 §4.1.2: MIKEY-1 with HMAC-SHA-1, and RFC 6043
 *   §6.1 PRF-HMAC-SHA-256; mikey-ticket.md §6.1, A-11),
 * - every label of mikey-ticket.md §6.3 (message keys with the label type
 *   byte 0x01/0x02, ticket keys 0x05, MPKi/MPKr 0x06, Vr key 0x04, TEK and
 *   salt 0x03, forking 0x00),
 * - KEMAC encryption (AES-CM-128/256, AES-KW-128; §8, A-2, A-11, A-13),
 * - the V MACs (HMAC-SHA-1-160, HMAC-SHA-256-256).
 *
 * Nothing here allocates on the per-message path except where a function
 * returns a buffer. Keys live in ImpsMikeyMsgKeys (clear with
 * imps_mikey_msg_keys_clear(), which wipes) or in caller buffers that the
 * caller wipes.
 */
#pragma once

#include <glib.h>

#include "imps-crypto.h"
#include "imps-mikey-types.h"

G_BEGIN_DECLS

/* Algorithm codes: ImpsMikeyPrf, ImpsMikeyEncrAlg and ImpsMikeyMacAlg of
 * imps-mikey-types.h (mikey-ticket.md §3.3, §3.4). */

/* Derivation constants, §6.2. */
#define IMPS_MIKEY_CONST_TEK      0x2AD01C64u
#define IMPS_MIKEY_CONST_SRTP_AUTH 0x1B5C7973u
#define IMPS_MIKEY_CONST_SRTP_ENCR 0x15798CEFu
#define IMPS_MIKEY_CONST_SALT     0x39A2C14Bu
#define IMPS_MIKEY_CONST_ENCR     0x150533E1u
#define IMPS_MIKEY_CONST_AUTH     0x2D22AC75u
#define IMPS_MIKEY_CONST_MSG_SALT 0x29B88916u
#define IMPS_MIKEY_CONST_MPKR_FORK 0x2B288856u
#define IMPS_MIKEY_CONST_TGK_FORK 0x1512B54Au
#define IMPS_MIKEY_CONST_MPKI     0x220E99A2u
#define IMPS_MIKEY_CONST_MPKR     0x1F4D675Bu

/* The label type byte of RFC 6043 labels, §6.3. */
typedef enum {
  IMPS_MIKEY_LABEL_FORK = 0x00,
  IMPS_MIKEY_LABEL_INITIAL = 0x01,
  IMPS_MIKEY_LABEL_RESPONSE = 0x02,
  IMPS_MIKEY_LABEL_TEK = 0x03,
  IMPS_MIKEY_LABEL_VR = 0x04,
  IMPS_MIKEY_LABEL_TICKET = 0x05,
  IMPS_MIKEY_LABEL_MPK = 0x06,
} ImpsMikeyLabelType;

/* Largest key, MAC, RAND and label this module handles. */
#define IMPS_MIKEY_MAX_KEY_LEN 64
#define IMPS_MIKEY_MAX_MAC_LEN 32
#define IMPS_MIKEY_MAX_RAND_LEN 255
#define IMPS_MIKEY_SALT_LEN 14
#define IMPS_MIKEY_KW_SALT_LEN 8

/* TRUE for the PRF funcs this module implements. */
gboolean imps_mikey_prf_supported (guint prf);
/* TRUE for the KEMAC Encr algs / MAC algs this module implements. */
gboolean imps_mikey_encr_supported (guint encr_alg);
gboolean imps_mikey_mac_supported (guint mac_alg);
/* Key lengths (bytes) of an algorithm: encr_key (16/32, 0 for NULL), the
 * salt_key (14 for AES-CM, 8 for AES-KW, 0 for NULL), the MAC (0/20/32),
 * the auth_key (0/20/32). */
gsize imps_mikey_encr_key_len (guint encr_alg);
gsize imps_mikey_encr_salt_len (guint encr_alg);
gsize imps_mikey_mac_len (guint mac_alg);

/* The MIKEY PRF (mikey-ticket.md §6.1): writes @out_len bytes of
 * PRF(@inkey, @label) to @out. @prf is 0 (MIKEY-1, HMAC-SHA-1 P-function)
 * or 1 (PRF-HMAC-SHA-256, A-11). Returns FALSE for another @prf (and
 * writes nothing). */
gboolean imps_mikey_prf (guint prf, const guint8 *inkey, gsize inkey_len,
                         const guint8 *label, gsize label_len,
                         guint8 *out, gsize out_len);

/* Message protection keys (encr_key, salt_key, auth_key). Fixed arrays;
 * clear with imps_mikey_msg_keys_clear(), which wipes them. */
typedef struct {
  guint8 encr[32];
  guint8 salt[IMPS_MIKEY_SALT_LEN];
  guint8 auth[32];
  guint8 encr_len;
  guint8 salt_len;
  guint8 auth_len;
  guint8 encr_alg;
  guint8 mac_alg;
  guint8 prf;
} ImpsMikeyMsgKeys;

void imps_mikey_msg_keys_clear (ImpsMikeyMsgKeys *keys);

/* RFC 6043 message keys (§6.3 rows "initial"/"response" ticket message
 * keys, also used for type 0x05 ticket keys with imps_mikey_derive_ticket_keys):
 * label = const ‖ 0xFF ‖ CSB ID ‖ type ‖ len8(RANDRi) ‖ RANDRi ‖ len8(RANDRr) ‖ RANDRr.
 * A NULL or empty RAND contributes its length byte 0 only. encr/salt keys
 * are sized for @encr_alg (none for NULL), the auth key for @mac_alg.
 * Returns FALSE for an unsupported PRF or algorithm. */
gboolean imps_mikey_derive_msg_keys (guint prf, const guint8 *inkey, gsize inkey_len,
                                     guint32 csb_id, ImpsMikeyLabelType type,
                                     const guint8 *randri, gsize randri_len,
                                     const guint8 *randrr, gsize randrr_len,
                                     guint encr_alg, guint mac_alg,
                                     ImpsMikeyMsgKeys *out);

/* MIKEY base ticket keys from the TPK (RFC 6043 App. A.2.1): label
 * const ‖ FF ‖ FFFFFFFF ‖ 05 ‖ len8(RAND) ‖ RAND, RAND = the ticket's RAND. */
gboolean imps_mikey_derive_ticket_keys (guint prf, const guint8 *tpk, gsize tpk_len,
                                        const guint8 *rand, gsize rand_len,
                                        guint encr_alg, guint mac_alg,
                                        ImpsMikeyMsgKeys *out);

/* MPKi and MPKr from the ticket's MPK (App. A.2.2): each as long as @mpk. */
gboolean imps_mikey_derive_mpk_pair (guint prf, const guint8 *mpk, gsize mpk_len,
                                     const guint8 *rand, gsize rand_len,
                                     guint8 *mpki, guint8 *mpkr);

/* Key forking (RFC 6043 §5.1.1): MPKr' (IMPS_MIKEY_CONST_MPKR_FORK) or
 * TGK' (IMPS_MIKEY_CONST_TGK_FORK) from MPKr / TGK, with the modifier
 * ID Data of IDRr and RANDRkms. @out receives @inkey_len bytes. */
gboolean imps_mikey_derive_fork (guint prf, guint32 constant,
                                 const guint8 *inkey, gsize inkey_len,
                                 const guint8 *id_data, gsize id_len,
                                 const guint8 *randrkms, gsize randrkms_len,
                                 guint8 *out);

/* The Initiator Data Vr auth_key from the unforked MPKr (label type 0x04),
 * sized for @mac_alg; @out holds imps_mikey_mac_len(@mac_alg) bytes. */
gboolean imps_mikey_derive_vr_key (guint prf, const guint8 *mpkr, gsize mpkr_len,
                                   guint mac_alg, guint8 *out);

/* RFC 6043 TEK and salt for crypto session @cs_id from a TGK, TGK' or GTGK
 * (§5.1.3, label type 0x03): RANDRi/RANDRr as the H/G flags say (NULL or
 * length 0 when absent). @salt may be NULL (salt carried in key data). */
gboolean imps_mikey_derive_tek (guint prf, const guint8 *tgk, gsize tgk_len,
                                guint8 cs_id,
                                const guint8 *randri, gsize randri_len,
                                const guint8 *randrr, gsize randrr_len,
                                guint8 *tek, gsize tek_len,
                                guint8 *salt, gsize salt_len);

/* Plain RFC 3830 derivations (for the vectors V1, V2 of §18.2):
 * TEK/salt label const ‖ CS ID ‖ CSB ID ‖ RAND; message key label
 * const ‖ 0xFF ‖ CSB ID ‖ RAND. */
gboolean imps_mikey_derive_rfc3830 (guint prf, guint32 constant,
                                    const guint8 *inkey, gsize inkey_len,
                                    guint8 cs_id_or_ff, guint32 csb_id,
                                    const guint8 *rand, gsize rand_len,
                                    guint8 *out, gsize out_len);

/* The AES-CM KEMAC IV (§8): (S XOR (0x0000 ‖ CSB ID ‖ T)) ‖ 0x0000, S the
 * 112-bit salt_key, @t the 64-bit timestamp value (A-2, A-13: COUNTER
 * zero-extended, NTP-UTC-32 with a zero fraction; see imps_mikey_ts64()). */
void imps_mikey_kemac_iv (const guint8 salt[IMPS_MIKEY_SALT_LEN], guint32 csb_id,
                          guint64 t, guint8 iv[16]);

/* The 64-bit value of a timestamp for the IV: TS type 0/1 as is,
 * 2 (COUNTER, 4 bytes) zero-extended on the left, 3 (NTP-UTC-32) followed
 * by 32 zero bits. @value is the TS value as read (low 32 bits for the
 * 4-byte types). */
guint64 imps_mikey_ts64 (guint ts_type, guint64 value);

/* Encrypts the key-data chain @in (@len bytes) for a KEMAC with @keys
 * (their encr_alg): AES-CM writes @len bytes, AES-KW-128 @len + 8 (IV = the
 * 64-bit salt_key; @len must be a multiple of 8, at least 16), NULL copies.
 * The result is appended to @out. Returns FALSE when the algorithm is not
 * supported or the length does not suit AES-KW. */
gboolean imps_mikey_kemac_encrypt (const ImpsMikeyMsgKeys *keys, guint32 csb_id,
                                   guint64 t, const guint8 *in, gsize len,
                                   GByteArray *out);

/* Decrypts KEMAC Encr data; the plaintext (len, or len - 8 for AES-KW) is
 * written to @out, which must hold @len bytes. *@out_len receives its
 * length. FALSE when the algorithm is not supported, or AES-KW's integrity
 * check fails. */
gboolean imps_mikey_kemac_decrypt (const ImpsMikeyMsgKeys *keys, guint32 csb_id,
                                   guint64 t, const guint8 *in, gsize len,
                                   guint8 *out, gsize *out_len);

/* AES key wrap (RFC 3394) with a caller-chosen 8-byte IV, as MIKEY's
 * AES-KW-128 needs (IV = salt_key); the common wrapper only has the default
 * IV. @out receives len + 8 bytes (wrap) or len - 8 (unwrap). */
gboolean imps_mikey_aes_kw (gboolean wrap, const guint8 *kek, gsize kek_len,
                            const guint8 iv[8], const guint8 *in, gsize len,
                            guint8 *out);

/* The V payload MAC over @n pieces with @keys->auth (their mac_alg); writes
 * imps_mikey_mac_len() bytes. FALSE for NULL or unknown MAC algs. */
gboolean imps_mikey_mac (guint mac_alg, const guint8 *key, gsize key_len,
                         const ImpsIovec *iov, gsize n, guint8 *out);

G_END_DECLS
