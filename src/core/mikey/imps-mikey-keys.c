/* MIKEY PRF, RFC 6043 key derivations, KEMAC crypto and V MACs.
 * See imps-mikey-keys.h; section numbers refer to mikey-ticket.md. */
#include "imps-mikey-keys.h"

#include "imps-bytes.h"
#include "imps-secret.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <string.h>

gboolean
imps_mikey_prf_supported (guint prf)
{
  return prf == IMPS_MIKEY_PRF_MIKEY_1 || prf == IMPS_MIKEY_PRF_HMAC_SHA256;
}

gboolean
imps_mikey_encr_supported (guint encr_alg)
{
  return encr_alg <= IMPS_MIKEY_ENCR_AES_CM_256;
}

gboolean
imps_mikey_mac_supported (guint mac_alg)
{
  return mac_alg <= IMPS_MIKEY_MAC_HMAC_SHA256_256;
}

gsize
imps_mikey_encr_key_len (guint encr_alg)
{
  switch (encr_alg)
    {
    case IMPS_MIKEY_ENCR_AES_CM_128:
    case IMPS_MIKEY_ENCR_AES_KW_128:
      return 16;
    case IMPS_MIKEY_ENCR_AES_CM_256:
      return 32;
    default:
      return 0;
    }
}

gsize
imps_mikey_encr_salt_len (guint encr_alg)
{
  switch (encr_alg)
    {
    case IMPS_MIKEY_ENCR_AES_CM_128:
    case IMPS_MIKEY_ENCR_AES_CM_256:
      return IMPS_MIKEY_SALT_LEN; /* 112 bits for both sizes, A-11 */
    case IMPS_MIKEY_ENCR_AES_KW_128:
      return IMPS_MIKEY_KW_SALT_LEN;
    default:
      return 0;
    }
}

gsize
imps_mikey_mac_len (guint mac_alg)
{
  switch (mac_alg)
    {
    case IMPS_MIKEY_MAC_HMAC_SHA1_160:
      return 20;
    case IMPS_MIKEY_MAC_HMAC_SHA256_256:
      return 32;
    default:
      return 0;
    }
}

/* §6.1: P(s, label, m) = HMAC(s, A_1 ‖ label) ‖ ... with A_0 = label and
 * A_i = HMAC(s, A_(i-1)); PRF = XOR of P over the 256-bit blocks of inkey
 * (the last block is the remainder, a full block when inkey_len is a
 * multiple of 32), truncated to out_len. PRF 1 uses HMAC-SHA-256 with
 * m = ceil(bits/256).
 *
 * Speed: a KMS derives a dozen keys per message. Setting up an OpenSSL
 * HMAC context (fetching the digest, keying) costs far more than hashing
 * a 40-byte label, so a PrfState keys one context per inkey block once and
 * re-initialises it with the same key (EVP_MAC_init with a NULL key) for
 * every HMAC of every label derived from that inkey. The contexts are
 * copies of one per digest made once with its digest already set
 * (prf_template()): naming the digest again would make OpenSSL fetch the
 * HMAC and the digest by name (a lock and a lookup each) for every state. */
#define PRF_MAX_BLOCKS 4

/* The HMAC context of @digest ("SHA1", "SHA256"), keyless, made once;
 * read-only after. */
static const EVP_MAC_CTX *
prf_template (guint which, const char *digest)
{
  static EVP_MAC_CTX *templates[2];
  static gsize once[2];
  if (g_once_init_enter (&once[which]))
    {
      EVP_MAC *mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
      if (mac == NULL)
        g_error ("OpenSSL has no HMAC");
      OSSL_PARAM params[2];
      params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) digest, 0);
      params[1] = OSSL_PARAM_construct_end ();
      templates[which] = EVP_MAC_CTX_new (mac);
      EVP_MAC_free (mac); /* the context keeps its own reference */
      if (templates[which] == NULL || !EVP_MAC_CTX_set_params (templates[which], params))
        g_error ("cannot set up HMAC-%s", digest);
      g_once_init_leave (&once[which], 1);
    }
  return templates[which];
}

typedef struct {
  EVP_MAC_CTX *ctx[PRF_MAX_BLOCKS];
  guint n;
  gsize hlen;
} PrfState;

static void
prf_state_clear (PrfState *st)
{
  for (guint i = 0; i < st->n; i++)
    EVP_MAC_CTX_free (st->ctx[i]); /* wipes the key schedule */
  memset (st, 0, sizeof *st);
}

/* FALSE for an unknown PRF or an inkey of more than PRF_MAX_BLOCKS blocks
 * (then the caller uses the plain path). */
static gboolean
prf_state_init (PrfState *st, guint prf, const guint8 *inkey, gsize inkey_len)
{
  static const guint8 empty_key[1] = { 0 };
  const EVP_MAC_CTX *template;
  gsize nblocks = inkey_len == 0 ? 1 : (inkey_len + 31) / 32;

  memset (st, 0, sizeof *st);
  if (prf == IMPS_MIKEY_PRF_MIKEY_1)
    {
      template = prf_template (0, "SHA1");
      st->hlen = 20;
    }
  else if (prf == IMPS_MIKEY_PRF_HMAC_SHA256)
    {
      template = prf_template (1, "SHA256");
      st->hlen = 32;
    }
  else
    return FALSE;
  if (nblocks > PRF_MAX_BLOCKS)
    return FALSE;
  for (gsize j = 0; j < nblocks; j++)
    {
      gsize slen = inkey_len == 0 ? 0 : MIN (32, inkey_len - j * 32);
      st->ctx[j] = EVP_MAC_CTX_dup (template);
      st->n++;
      if (st->ctx[j] == NULL
          || !EVP_MAC_init (st->ctx[j], slen > 0 ? inkey + j * 32 : empty_key, slen, NULL))
        g_error ("EVP_MAC_init failed");
    }
  return TRUE;
}

static void
prf_hmac (EVP_MAC_CTX *ctx, const guint8 *a, gsize a_len, const guint8 *b, gsize b_len,
          guint8 *out)
{
  gsize outlen = 0;
  if (!EVP_MAC_init (ctx, NULL, 0, NULL))
    g_error ("EVP_MAC_init (re-key) failed");
  if (a_len > 0)
    EVP_MAC_update (ctx, a, a_len);
  if (b_len > 0)
    EVP_MAC_update (ctx, b, b_len);
  EVP_MAC_final (ctx, out, &outlen, IMPS_HASH_MAX_LEN);
}

static void
prf_state_run (PrfState *st, const guint8 *label, gsize label_len, guint8 *out, gsize out_len)
{
  guint8 a[IMPS_HASH_MAX_LEN];
  guint8 block[IMPS_HASH_MAX_LEN];
  gsize hlen = st->hlen;

  memset (out, 0, out_len);
  for (guint j = 0; j < st->n; j++)
    {
      prf_hmac (st->ctx[j], label, label_len, NULL, 0, a); /* A_1 */
      for (gsize off = 0; off < out_len; off += hlen)
        {
          prf_hmac (st->ctx[j], a, hlen, label, label_len, block);
          gsize take = MIN (hlen, out_len - off);
          for (gsize k = 0; k < take; k++)
            out[off + k] ^= block[k];
          if (off + hlen < out_len)
            prf_hmac (st->ctx[j], a, hlen, NULL, 0, a); /* A_(i+1) */
        }
    }
  imps_wipe (a, sizeof a);
  imps_wipe (block, sizeof block);
}

/* The plain path (any inkey length): one HMAC context per call. */
static gboolean
prf_plain (guint prf, const guint8 *inkey, gsize inkey_len,
           const guint8 *label, gsize label_len,
           guint8 *out, gsize out_len)
{
  ImpsHash hash;
  gsize hlen;
  guint8 a[IMPS_HASH_MAX_LEN];
  guint8 block[IMPS_HASH_MAX_LEN];

  if (prf == IMPS_MIKEY_PRF_MIKEY_1)
    hash = IMPS_HASH_SHA1;
  else if (prf == IMPS_MIKEY_PRF_HMAC_SHA256)
    hash = IMPS_HASH_SHA256;
  else
    return FALSE;
  hlen = imps_hash_len (hash);
  memset (out, 0, out_len);

  gsize nblocks = inkey_len == 0 ? 1 : (inkey_len + 31) / 32;
  for (gsize j = 0; j < nblocks; j++)
    {
      const guint8 *s = inkey + j * 32;
      gsize slen = inkey_len == 0 ? 0 : MIN (32, inkey_len - j * 32);
      ImpsIovec iov[2];

      iov[0].data = label;
      iov[0].len = label_len;
      imps_hmac_iov (hash, s, slen, iov, 1, a);
      for (gsize off = 0; off < out_len; off += hlen)
        {
          iov[0].data = a;
          iov[0].len = hlen;
          iov[1].data = label;
          iov[1].len = label_len;
          imps_hmac_iov (hash, s, slen, iov, 2, block);
          gsize take = MIN (hlen, out_len - off);
          for (gsize k = 0; k < take; k++)
            out[off + k] ^= block[k];
          if (off + hlen < out_len)
            {
              iov[0].data = a;
              iov[0].len = hlen;
              imps_hmac_iov (hash, s, slen, iov, 1, a);
            }
        }
    }
  imps_wipe (a, sizeof a);
  imps_wipe (block, sizeof block);
  return TRUE;
}

gboolean
imps_mikey_prf (guint prf, const guint8 *inkey, gsize inkey_len,
                const guint8 *label, gsize label_len,
                guint8 *out, gsize out_len)
{
  PrfState st;

  if (!prf_state_init (&st, prf, inkey, inkey_len))
    return prf_plain (prf, inkey, inkey_len, label, label_len, out, out_len);
  prf_state_run (&st, label, label_len, out, out_len);
  prf_state_clear (&st);
  return TRUE;
}

/* Several labels from one inkey share one PrfState. */
static void
prf_many (guint prf, const guint8 *inkey, gsize inkey_len, guint n,
          const guint8 *const *labels, const gsize *label_lens,
          guint8 *const *outs, const gsize *out_lens)
{
  PrfState st;
  gboolean fast = prf_state_init (&st, prf, inkey, inkey_len);

  for (guint i = 0; i < n; i++)
    {
      if (out_lens[i] == 0)
        continue;
      if (fast)
        prf_state_run (&st, labels[i], label_lens[i], outs[i], out_lens[i]);
      else
        prf_plain (prf, inkey, inkey_len, labels[i], label_lens[i], outs[i], out_lens[i]);
    }
  if (fast)
    prf_state_clear (&st);
}

void
imps_mikey_msg_keys_clear (ImpsMikeyMsgKeys *keys)
{
  if (keys != NULL)
    imps_wipe (keys, sizeof *keys);
}

/* Label buffer: const(4) ‖ FF ‖ CSB(4) ‖ type ‖ len8 ‖ RAND ‖ len8 ‖ RAND
 * is at most 4 + 1 + 4 + 1 + 2 * 256 bytes; the fork label with a 16-bit
 * ID length is bounded by the caller (see derive_fork). */
#define LABEL_MAX (10 + 2 * (1 + IMPS_MIKEY_MAX_RAND_LEN))

static gsize
msg_label (guint8 *l, guint32 constant, guint32 csb_id, guint8 type,
           const guint8 *r1, gsize r1_len, const guint8 *r2, gsize r2_len,
           gboolean second)
{
  gsize n = 0;
  imps_store_u32 (l, constant);
  n = 4;
  l[n++] = 0xFF;
  imps_store_u32 (l + n, csb_id);
  n += 4;
  l[n++] = type;
  l[n++] = (guint8) r1_len;
  if (r1_len > 0)
    memcpy (l + n, r1, r1_len);
  n += r1_len;
  if (second)
    {
      l[n++] = (guint8) r2_len;
      if (r2_len > 0)
        memcpy (l + n, r2, r2_len);
      n += r2_len;
    }
  return n;
}

static gboolean
derive_three (guint prf, const guint8 *inkey, gsize inkey_len,
              guint32 csb_id, guint8 type,
              const guint8 *r1, gsize r1_len, const guint8 *r2, gsize r2_len,
              gboolean second, guint encr_alg, guint mac_alg,
              ImpsMikeyMsgKeys *out)
{
  guint8 label[LABEL_MAX];

  memset (out, 0, sizeof *out);
  if (!imps_mikey_prf_supported (prf) || !imps_mikey_encr_supported (encr_alg)
      || !imps_mikey_mac_supported (mac_alg)
      || r1_len > IMPS_MIKEY_MAX_RAND_LEN || r2_len > IMPS_MIKEY_MAX_RAND_LEN)
    return FALSE;
  out->prf = (guint8) prf;
  out->encr_alg = (guint8) encr_alg;
  out->mac_alg = (guint8) mac_alg;
  out->encr_len = (guint8) imps_mikey_encr_key_len (encr_alg);
  out->salt_len = (guint8) imps_mikey_encr_salt_len (encr_alg);
  out->auth_len = (guint8) imps_mikey_mac_len (mac_alg);

  {
    guint8 l_encr[LABEL_MAX], l_salt[LABEL_MAX];
    const guint8 *labels[3] = { l_encr, l_salt, label };
    gsize lens[3];
    guint8 *outs[3] = { out->encr, out->salt, out->auth };
    gsize out_lens[3] = { out->encr_len, out->encr_len > 0 ? out->salt_len : 0, out->auth_len };
    lens[0] = msg_label (l_encr, IMPS_MIKEY_CONST_ENCR, csb_id, type, r1, r1_len, r2, r2_len, second);
    lens[1] = msg_label (l_salt, IMPS_MIKEY_CONST_MSG_SALT, csb_id, type, r1, r1_len, r2, r2_len,
                         second);
    lens[2] = msg_label (label, IMPS_MIKEY_CONST_AUTH, csb_id, type, r1, r1_len, r2, r2_len, second);
    prf_many (prf, inkey, inkey_len, 3, labels, lens, outs, out_lens);
  }
  return TRUE;
}

gboolean
imps_mikey_derive_msg_keys (guint prf, const guint8 *inkey, gsize inkey_len,
                            guint32 csb_id, ImpsMikeyLabelType type,
                            const guint8 *randri, gsize randri_len,
                            const guint8 *randrr, gsize randrr_len,
                            guint encr_alg, guint mac_alg,
                            ImpsMikeyMsgKeys *out)
{
  return derive_three (prf, inkey, inkey_len, csb_id, (guint8) type,
                       randri, randri_len, randrr, randrr_len, TRUE,
                       encr_alg, mac_alg, out);
}

gboolean
imps_mikey_derive_ticket_keys (guint prf, const guint8 *tpk, gsize tpk_len,
                               const guint8 *rand, gsize rand_len,
                               guint encr_alg, guint mac_alg,
                               ImpsMikeyMsgKeys *out)
{
  return derive_three (prf, tpk, tpk_len, 0xFFFFFFFFu, IMPS_MIKEY_LABEL_TICKET,
                       rand, rand_len, NULL, 0, FALSE, encr_alg, mac_alg, out);
}

gboolean
imps_mikey_derive_mpk_pair (guint prf, const guint8 *mpk, gsize mpk_len,
                            const guint8 *rand, gsize rand_len,
                            guint8 *mpki, guint8 *mpkr)
{
  guint8 label[LABEL_MAX];

  if (!imps_mikey_prf_supported (prf) || rand_len > IMPS_MIKEY_MAX_RAND_LEN)
    return FALSE;
  {
    guint8 label2[LABEL_MAX];
    const guint8 *labels[2] = { label, label2 };
    gsize lens[2];
    guint8 *outs[2] = { mpki, mpkr };
    gsize out_lens[2] = { mpk_len, mpk_len };
    lens[0] = msg_label (label, IMPS_MIKEY_CONST_MPKI, 0xFFFFFFFFu, IMPS_MIKEY_LABEL_MPK,
                         rand, rand_len, NULL, 0, FALSE);
    lens[1] = msg_label (label2, IMPS_MIKEY_CONST_MPKR, 0xFFFFFFFFu, IMPS_MIKEY_LABEL_MPK,
                         rand, rand_len, NULL, 0, FALSE);
    prf_many (prf, mpk, mpk_len, 2, labels, lens, outs, out_lens);
  }
  return TRUE;
}

/* §6.3 "key forking": const ‖ FF ‖ FFFFFFFF ‖ 00 ‖ len16(ID Data) ‖ ID Data
 * ‖ len8(RANDRkms) ‖ RANDRkms. */
gboolean
imps_mikey_derive_fork (guint prf, guint32 constant,
                        const guint8 *inkey, gsize inkey_len,
                        const guint8 *id_data, gsize id_len,
                        const guint8 *randrkms, gsize randrkms_len,
                        guint8 *out)
{
  guint8 stack[512];
  guint8 *label = stack;
  gsize need = 4 + 1 + 4 + 1 + 2 + id_len + 1 + randrkms_len;
  gsize n = 0;

  if (!imps_mikey_prf_supported (prf) || id_len > G_MAXUINT16
      || randrkms_len > IMPS_MIKEY_MAX_RAND_LEN)
    return FALSE;
  if (need > sizeof stack)
    label = g_malloc (need); /* only for identities over ~480 bytes */
  imps_store_u32 (label, constant);
  n = 4;
  label[n++] = 0xFF;
  imps_store_u32 (label + n, 0xFFFFFFFFu);
  n += 4;
  label[n++] = IMPS_MIKEY_LABEL_FORK;
  imps_store_u16 (label + n, (guint16) id_len);
  n += 2;
  if (id_len > 0)
    memcpy (label + n, id_data, id_len);
  n += id_len;
  label[n++] = (guint8) randrkms_len;
  if (randrkms_len > 0)
    memcpy (label + n, randrkms, randrkms_len);
  n += randrkms_len;
  imps_mikey_prf (prf, inkey, inkey_len, label, n, out, inkey_len);
  if (label != stack)
    g_free (label);
  return TRUE;
}

gboolean
imps_mikey_derive_vr_key (guint prf, const guint8 *mpkr, gsize mpkr_len,
                          guint mac_alg, guint8 *out)
{
  guint8 label[10];
  gsize len = imps_mikey_mac_len (mac_alg);

  if (!imps_mikey_prf_supported (prf) || len == 0)
    return FALSE;
  imps_store_u32 (label, IMPS_MIKEY_CONST_AUTH);
  label[4] = 0xFF;
  imps_store_u32 (label + 5, 0xFFFFFFFFu);
  label[9] = IMPS_MIKEY_LABEL_VR;
  return imps_mikey_prf (prf, mpkr, mpkr_len, label, sizeof label, out, len);
}

/* §6.3 TEK row: const ‖ CS ID ‖ FFFFFFFF ‖ 03 ‖ len8(RANDRi) ‖ RANDRi ‖
 * len8(RANDRr) ‖ RANDRr. */
static gsize
tek_label (guint8 *l, guint32 constant, guint8 cs_id,
           const guint8 *ri, gsize ri_len, const guint8 *rr, gsize rr_len)
{
  gsize n = 0;
  imps_store_u32 (l, constant);
  n = 4;
  l[n++] = cs_id;
  imps_store_u32 (l + n, 0xFFFFFFFFu);
  n += 4;
  l[n++] = IMPS_MIKEY_LABEL_TEK;
  l[n++] = (guint8) ri_len;
  if (ri_len > 0)
    memcpy (l + n, ri, ri_len);
  n += ri_len;
  l[n++] = (guint8) rr_len;
  if (rr_len > 0)
    memcpy (l + n, rr, rr_len);
  n += rr_len;
  return n;
}

gboolean
imps_mikey_derive_tek (guint prf, const guint8 *tgk, gsize tgk_len,
                       guint8 cs_id,
                       const guint8 *randri, gsize randri_len,
                       const guint8 *randrr, gsize randrr_len,
                       guint8 *tek, gsize tek_len,
                       guint8 *salt, gsize salt_len)
{
  guint8 label[LABEL_MAX];
  gsize n;

  if (!imps_mikey_prf_supported (prf) || randri_len > IMPS_MIKEY_MAX_RAND_LEN
      || randrr_len > IMPS_MIKEY_MAX_RAND_LEN)
    return FALSE;
  n = tek_label (label, IMPS_MIKEY_CONST_TEK, cs_id, randri, randri_len, randrr, randrr_len);
  imps_mikey_prf (prf, tgk, tgk_len, label, n, tek, tek_len);
  if (salt != NULL && salt_len > 0)
    {
      n = tek_label (label, IMPS_MIKEY_CONST_SALT, cs_id, randri, randri_len, randrr, randrr_len);
      imps_mikey_prf (prf, tgk, tgk_len, label, n, salt, salt_len);
    }
  return TRUE;
}

gboolean
imps_mikey_derive_rfc3830 (guint prf, guint32 constant,
                           const guint8 *inkey, gsize inkey_len,
                           guint8 cs_id_or_ff, guint32 csb_id,
                           const guint8 *rand, gsize rand_len,
                           guint8 *out, gsize out_len)
{
  guint8 label[9 + IMPS_MIKEY_MAX_RAND_LEN];

  if (!imps_mikey_prf_supported (prf) || rand_len > IMPS_MIKEY_MAX_RAND_LEN)
    return FALSE;
  imps_store_u32 (label, constant);
  label[4] = cs_id_or_ff;
  imps_store_u32 (label + 5, csb_id);
  if (rand_len > 0)
    memcpy (label + 9, rand, rand_len);
  return imps_mikey_prf (prf, inkey, inkey_len, label, 9 + rand_len, out, out_len);
}

guint64
imps_mikey_ts64 (guint ts_type, guint64 value)
{
  switch (ts_type)
    {
    case 2: /* COUNTER: zero-extended on the left */
      return value & 0xFFFFFFFFu;
    case 3: /* NTP-UTC-32: seconds, zero fraction appended */
      return (value & 0xFFFFFFFFu) << 32;
    default:
      return value;
    }
}

void
imps_mikey_kemac_iv (const guint8 salt[IMPS_MIKEY_SALT_LEN], guint32 csb_id,
                     guint64 t, guint8 iv[16])
{
  guint8 x[14] = { 0 };

  imps_store_u32 (x + 2, csb_id);
  imps_store_u32 (x + 6, (guint32) (t >> 32));
  imps_store_u32 (x + 10, (guint32) t);
  for (guint i = 0; i < 14; i++)
    iv[i] = salt[i] ^ x[i];
  iv[14] = 0;
  iv[15] = 0;
}

gboolean
imps_mikey_aes_kw (gboolean wrap, const guint8 *kek, gsize kek_len,
                   const guint8 iv[8], const guint8 *in, gsize len,
                   guint8 *out)
{
  const gchar *name;
  EVP_CIPHER *cipher;
  EVP_CIPHER_CTX *ctx;
  int outl = 0, finl = 0;
  gboolean ok = FALSE;

  if (len % 8 != 0 || len < (wrap ? 16u : 24u) || len > G_MAXINT - 8)
    return FALSE;
  switch (kek_len)
    {
    case 16: name = "AES-128-WRAP"; break;
    case 24: name = "AES-192-WRAP"; break;
    case 32: name = "AES-256-WRAP"; break;
    default: return FALSE;
    }
  cipher = EVP_CIPHER_fetch (NULL, name, NULL);
  ctx = EVP_CIPHER_CTX_new ();
  if (cipher == NULL || ctx == NULL)
    g_error ("OpenSSL has no %s", name);
  if (wrap)
    ok = EVP_EncryptInit_ex2 (ctx, cipher, kek, iv, NULL)
         && EVP_EncryptUpdate (ctx, out, &outl, in, (int) len)
         && EVP_EncryptFinal_ex (ctx, out + outl, &finl);
  else
    ok = EVP_DecryptInit_ex2 (ctx, cipher, kek, iv, NULL)
         && EVP_DecryptUpdate (ctx, out, &outl, in, (int) len)
         && EVP_DecryptFinal_ex (ctx, out + outl, &finl);
  EVP_CIPHER_CTX_free (ctx);
  EVP_CIPHER_free (cipher);
  return ok && (gsize) (outl + finl) == (wrap ? len + 8 : len - 8);
}

gboolean
imps_mikey_kemac_encrypt (const ImpsMikeyMsgKeys *keys, guint32 csb_id,
                          guint64 t, const guint8 *in, gsize len,
                          GByteArray *out)
{
  guint8 iv[16];
  guint start = out->len;

  switch (keys->encr_alg)
    {
    case IMPS_MIKEY_ENCR_NULL:
      imps_put_bytes (out, in, len);
      return TRUE;
    case IMPS_MIKEY_ENCR_AES_CM_128:
    case IMPS_MIKEY_ENCR_AES_CM_256:
      if (len > (1u << 20)) /* 2^23 bits at most per KEMAC, §8 */
        return FALSE;
      imps_mikey_kemac_iv (keys->salt, csb_id, t, iv);
      g_byte_array_set_size (out, start + len);
      imps_aes_ctr (keys->encr, keys->encr_len, iv, in, out->data + start, len);
      return TRUE;
    case IMPS_MIKEY_ENCR_AES_KW_128:
      g_byte_array_set_size (out, start + len + 8);
      if (!imps_mikey_aes_kw (TRUE, keys->encr, keys->encr_len, keys->salt, in,
                              len, out->data + start))
        {
          g_byte_array_set_size (out, start);
          return FALSE;
        }
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
imps_mikey_kemac_decrypt (const ImpsMikeyMsgKeys *keys, guint32 csb_id,
                          guint64 t, const guint8 *in, gsize len,
                          guint8 *out, gsize *out_len)
{
  guint8 iv[16];

  switch (keys->encr_alg)
    {
    case IMPS_MIKEY_ENCR_NULL:
      if (len > 0)
        memmove (out, in, len);
      *out_len = len;
      return TRUE;
    case IMPS_MIKEY_ENCR_AES_CM_128:
    case IMPS_MIKEY_ENCR_AES_CM_256:
      if (len > (1u << 20))
        return FALSE;
      imps_mikey_kemac_iv (keys->salt, csb_id, t, iv);
      imps_aes_ctr (keys->encr, keys->encr_len, iv, in, out, len);
      *out_len = len;
      return TRUE;
    case IMPS_MIKEY_ENCR_AES_KW_128:
      if (!imps_mikey_aes_kw (FALSE, keys->encr, keys->encr_len, keys->salt, in,
                              len, out))
        return FALSE;
      *out_len = len - 8;
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
imps_mikey_mac (guint mac_alg, const guint8 *key, gsize key_len,
                const ImpsIovec *iov, gsize n, guint8 *out)
{
  switch (mac_alg)
    {
    case IMPS_MIKEY_MAC_HMAC_SHA1_160:
      imps_hmac_iov (IMPS_HASH_SHA1, key, key_len, iov, n, out);
      return TRUE;
    case IMPS_MIKEY_MAC_HMAC_SHA256_256:
      imps_hmac_iov (IMPS_HASH_SHA256, key, key_len, iov, n, out);
      return TRUE;
    default:
      return FALSE;
    }
}
