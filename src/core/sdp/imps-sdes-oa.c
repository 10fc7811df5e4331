/* SDES offer/answer (RFC 4568 §7.1.1-7.1.3, digest §14.2) with the
 * profile's suites and refusals (docs/profile.md §5). */
#include "imps-sdes.h"
#include "imps-sdp-private.h"
#include "imps-secret.h"

#include <string.h>

static const ImpsSdesSuite offer_order[] = {
  IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_80,
  IMPS_SDES_SUITE_AES_CM_128_HMAC_SHA1_32,
  IMPS_SDES_SUITE_AEAD_AES_128_GCM,
  IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_80,
};

static ImpsSdpCrypto *
crypto_new_random (guint32 tag, ImpsSdesSuite suite, ImpsRandom *rnd)
{
  const ImpsSdesSuiteInfo *info = imps_sdes_suite_info (suite);
  guint8 ks[IMPS_SDES_MAX_KEY_SALT];
  gsize n = info->key_len + info->salt_len;
  imps_random_fill (rnd, ks, n);
  ImpsSdpCrypto *c = imps_sdp_crypto_new (tag, suite, ks, n);
  imps_wipe (ks, sizeof ks);
  return c;
}

GPtrArray *
imps_sdes_offer_new (const ImpsSdesPolicy *policy, ImpsRandom *rnd)
{
  g_return_val_if_fail (policy != NULL && rnd != NULL, NULL);
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sdp_crypto_free);
  guint32 tag = 1;
  for (guint i = 0; i < G_N_ELEMENTS (offer_order); i++)
    {
      ImpsSdesSuite s = offer_order[i];
      if (s == IMPS_SDES_SUITE_AEAD_AES_128_GCM && !policy->offer_gcm)
        continue;
      if (s == IMPS_SDES_SUITE_AES_256_CM_HMAC_SHA1_80 && !policy->offer_aes_256)
        continue;
      g_ptr_array_add (list, crypto_new_random (tag++, s, rnd));
    }
  return list;
}

static gboolean
add_crypto_attribute (ImpsSdpMedia *m, const ImpsSdpCrypto *c, GError **error)
{
  gchar *v = imps_sdp_crypto_to_string (c);
  gboolean ok = imps_sdp_media_add_attribute (m, "crypto", v, error);
  imps_sdp_string_free (v);
  return ok;
}

gboolean
imps_sdes_offer_add (ImpsSdpMedia *m, const ImpsSdesPolicy *policy, ImpsRandom *rnd,
                     GError **error)
{
  g_return_val_if_fail (m != NULL, FALSE);
  g_autoptr (GPtrArray) list = imps_sdes_offer_new (policy, rnd);
  for (guint i = 0; i < list->len; i++)
    if (!add_crypto_attribute (m, g_ptr_array_index (list, i), error))
      return FALSE;
  return TRUE;
}

static void
copy_negotiated_params (ImpsSdpCrypto *answer, const ImpsSdpCrypto *offer)
{
  /* The negotiated parameters the answerer accepts are echoed, in the
   * offer's order (RFC 4568 §6.3). Declarative ones (KDR, WSH, FEC_KEY)
   * describe the offerer's stream and are not echoed. */
  for (guint i = 0; i < offer->n_params; i++)
    switch (offer->params[i])
      {
      case IMPS_SDES_PARAM_UNENCRYPTED_SRTP:
        answer->unencrypted_srtp = TRUE;
        answer->params[answer->n_params++] = offer->params[i];
        break;
      case IMPS_SDES_PARAM_UNENCRYPTED_SRTCP:
        answer->unencrypted_srtcp = TRUE;
        answer->params[answer->n_params++] = offer->params[i];
        break;
      case IMPS_SDES_PARAM_UNAUTHENTICATED_SRTP:
        answer->unauthenticated_srtp = TRUE;
        answer->params[answer->n_params++] = offer->params[i];
        break;
      case IMPS_SDES_PARAM_FEC_ORDER:
        answer->fec_order = offer->fec_order;
        answer->params[answer->n_params++] = offer->params[i];
        break;
      case IMPS_SDES_PARAM_KDR:
      case IMPS_SDES_PARAM_FEC_KEY:
      case IMPS_SDES_PARAM_WSH:
      case IMPS_SDES_PARAM_EXTENSION:
      default:
        break;
      }
}

ImpsSdpCrypto *
imps_sdes_answer_new (const ImpsSdpMedia *offer, const ImpsSdesPolicy *policy, ImpsRandom *rnd,
                      GError **error)
{
  g_return_val_if_fail (offer != NULL && policy != NULL && rnd != NULL, NULL);
  g_autoptr (GString) why = g_string_new (NULL);
  guint32 tags[IMPS_SDP_MAX_ATTRIBUTES];
  guint n_tags = 0;
  const gchar *v;

  for (guint i = 0; (v = imps_sdp_media_find_attribute (offer, "crypto", i)) != NULL; i++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (ImpsSdpCrypto) c = imps_sdp_crypto_parse (v, strlen (v), &local);
      if (c != NULL)
        {
          for (guint j = 0; j < n_tags; j++)
            if (tags[j] == c->tag)
              {
                g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                             "offer: a=crypto tag %u used on more than one line", c->tag);
                return NULL;
              }
          if (n_tags < G_N_ELEMENTS (tags))
            tags[n_tags++] = c->tag;
        }
      if (c == NULL || !imps_sdes_check_honourable (c, policy, &local))
        {
          g_string_append_printf (why, "%sline %u: %s", why->len > 0 ? "; " : "", i + 1,
                                  local->message);
          continue;
        }
      ImpsSdpCrypto *a = crypto_new_random (c->tag, c->suite, rnd);
      if (imps_mem_equal (a->keys[0].key_salt, c->keys[0].key_salt, a->keys[0].key_salt_len))
        {
          imps_sdp_crypto_free (a);
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                       "answer: fresh key for tag %u equals the offered key", c->tag);
          return NULL;
        }
      copy_negotiated_params (a, c);
      return a;
    }
  g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_NO_ACCEPTABLE,
               "offer: no acceptable a=crypto line (%s)",
               why->len > 0 ? why->str : "none offered");
  return NULL;
}

gboolean
imps_sdes_answer_add (const ImpsSdpMedia *offer, ImpsSdpMedia *answer_media,
                      const ImpsSdesPolicy *policy, ImpsRandom *rnd, GError **error)
{
  g_return_val_if_fail (answer_media != NULL, FALSE);
  g_autoptr (ImpsSdpCrypto) a = imps_sdes_answer_new (offer, policy, rnd, error);
  if (a == NULL)
    return FALSE;
  return add_crypto_attribute (answer_media, a, error);
}

gboolean
imps_sdes_negotiate (const ImpsSdpMedia *offer, const ImpsSdpMedia *answer,
                     const ImpsSdesPolicy *policy, ImpsSdesKeys *out, GError **error)
{
  g_return_val_if_fail (offer != NULL && answer != NULL && policy != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  const gchar *av = imps_sdp_media_find_attribute (answer, "crypto", 0);
  guint n_answer = 0;
  while (imps_sdp_media_find_attribute (answer, "crypto", n_answer) != NULL)
    n_answer++;
  if (n_answer != 1)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                   "answer: %u a=crypto lines, expected exactly one", n_answer);
      return FALSE;
    }
  g_autoptr (ImpsSdpCrypto) a = imps_sdp_crypto_parse (av, strlen (av), error);
  if (a == NULL)
    {
      g_prefix_error (error, "answer: ");
      return FALSE;
    }

  g_autoptr (ImpsSdpCrypto) o = NULL;
  const gchar *v;
  for (guint i = 0; (v = imps_sdp_media_find_attribute (offer, "crypto", i)) != NULL; i++)
    {
      ImpsSdpCrypto *c = imps_sdp_crypto_parse (v, strlen (v), NULL);
      if (c == NULL)
        continue;
      if (c->tag != a->tag)
        {
          imps_sdp_crypto_free (c);
          continue;
        }
      if (o != NULL)
        {
          imps_sdp_crypto_free (c);
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                       "offer: a=crypto tag %u used on more than one line", a->tag);
          return FALSE;
        }
      o = c;
    }
  if (o == NULL)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                   "answer: a=crypto tag %u was not offered", a->tag);
      return FALSE;
    }
  if (o->suite != a->suite || g_ascii_strcasecmp (o->suite_name, a->suite_name) != 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                   "answer: a=crypto tag %u was offered with %s, answered with %s",
                   a->tag, o->suite_name, a->suite_name);
      return FALSE;
    }
  if (!imps_sdes_check_honourable (o, policy, error))
    {
      g_prefix_error (error, "offer: ");
      return FALSE;
    }
  if (!imps_sdes_check_honourable (a, policy, error))
    {
      g_prefix_error (error, "answer: ");
      return FALSE;
    }
  if ((a->unencrypted_srtp && !o->unencrypted_srtp)
      || (a->unencrypted_srtcp && !o->unencrypted_srtcp)
      || (a->unauthenticated_srtp && !o->unauthenticated_srtp))
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                   "answer: a=crypto tag %u: UNENCRYPTED/UNAUTHENTICATED parameter that the offer did not carry",
                   a->tag);
      return FALSE;
    }
  const ImpsSdesKey *ok = &o->keys[0], *ak = &a->keys[0];
  if (imps_mem_equal (ok->key_salt, ak->key_salt, ok->key_salt_len))
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_MISMATCH,
                   "answer: a=crypto tag %u reuses the offer's key", a->tag);
      return FALSE;
    }

  out->suite = a->suite;
  out->tag = a->tag;
  out->key_salt_len = ok->key_salt_len;
  memcpy (out->offerer_key_salt, ok->key_salt, ok->key_salt_len);
  memcpy (out->answerer_key_salt, ak->key_salt, ak->key_salt_len);
  out->offerer_mki_len = ok->has_mki ? ok->mki_len : 0;
  out->offerer_mki = ok->mki_value;
  out->answerer_mki_len = ak->has_mki ? ak->mki_len : 0;
  out->answerer_mki = ak->mki_value;
  out->offerer_lifetime = ok->has_lifetime ? ok->lifetime : 0;
  out->answerer_lifetime = ak->has_lifetime ? ak->lifetime : 0;
  out->unencrypted_srtp = a->unencrypted_srtp;
  out->unencrypted_srtcp = a->unencrypted_srtcp;
  out->unauthenticated_srtp = a->unauthenticated_srtp;
  return TRUE;
}

void
imps_sdes_keys_clear (ImpsSdesKeys *keys)
{
  if (keys != NULL)
    imps_wipe (keys, sizeof *keys);
}
