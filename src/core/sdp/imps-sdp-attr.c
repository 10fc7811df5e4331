/* Strict base64, a=key-mgmt (RFC 4567 §3, digest §13.1), a=3ge2ae
 * (TS 24.229 §7.5.2, digest §14.4), a=extmap (RFC 8285) and a=rtcp
 * (RFC 3605). */
#include "imps-sdp.h"
#include "imps-sdp-private.h"
#include "imps-secret.h"

#include <string.h>

/* ---- base64 ----------------------------------------------------------- */

static const gchar b64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static gint
b64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

gboolean
imps_sdp_b64_decode (const gchar *s, gsize len, ImpsSdpB64Pad pad, guint8 *out,
                     gsize out_cap, gsize *out_len, gboolean *padded,
                     const gchar *what, gsize offset, GError **error)
{
  gsize npad = 0;
  while (npad < len && s[len - 1 - npad] == '=')
    npad++;
  gsize ndata = len - npad;

  if (ndata == 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_BASE64,
                   "%s: empty base64 at byte offset %zu", what, offset);
      return FALSE;
    }
  for (gsize i = 0; i < ndata; i++)
    if (b64_value ((guchar) s[i]) < 0)
      {
        g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_BASE64,
                     "%s: character 0x%02x is not base64, at byte offset %zu",
                     what, (guchar) s[i], offset + i);
        return FALSE;
      }
  if (npad > 2)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_BASE64,
                   "%s: %zu '=' padding characters, at byte offset %zu",
                   what, npad, offset + ndata);
      return FALSE;
    }
  gsize rem = ndata % 4;
  if (rem == 1)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_BASE64,
                   "%s: %zu base64 characters cannot encode whole bytes, at byte offset %zu",
                   what, ndata, offset);
      return FALSE;
    }
  if ((npad > 0 || pad == IMPS_SDP_B64_PAD_REQUIRED) && len % 4 != 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_BASE64,
                   "%s: padding: length %zu is not a multiple of 4, at byte offset %zu",
                   what, len, offset);
      return FALSE;
    }
  gsize n = ndata / 4 * 3 + (rem == 2 ? 1 : rem == 3 ? 2 : 0);
  if (n > out_cap)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "%s: decodes to %zu bytes, more than the limit of %zu, at byte offset %zu",
                   what, n, out_cap, offset);
      return FALSE;
    }

  gsize o = 0;
  guint32 acc = 0;
  guint bits = 0;
  for (gsize i = 0; i < ndata; i++)
    {
      acc = (acc << 6) | (guint32) b64_value ((guchar) s[i]);
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[o++] = (guint8) (acc >> bits);
        }
    }
  if ((acc & ((1u << bits) - 1)) != 0)
    {
      imps_wipe (out, o);
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_BASE64,
                   "%s: non-zero trailing bits in the last base64 character, at byte offset %zu",
                   what, offset + ndata - 1);
      return FALSE;
    }
  acc = 0;
  *out_len = o;
  if (padded != NULL)
    *padded = npad > 0;
  return TRUE;
}

void
imps_sdp_b64_append (GString *out, const guint8 *data, gsize len, gboolean pad)
{
  gsize i = 0;
  for (; i + 3 <= len; i += 3)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8) | data[i + 2];
      g_string_append_c (out, b64_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, b64_alphabet[(v >> 6) & 63]);
      g_string_append_c (out, b64_alphabet[v & 63]);
    }
  if (len - i == 1)
    {
      guint32 v = (guint32) data[i] << 16;
      g_string_append_c (out, b64_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64_alphabet[(v >> 12) & 63]);
      if (pad)
        g_string_append (out, "==");
    }
  else if (len - i == 2)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8);
      g_string_append_c (out, b64_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, b64_alphabet[(v >> 6) & 63]);
      if (pad)
        g_string_append_c (out, '=');
    }
}

/* ---- a=key-mgmt --------------------------------------------------------- */

ImpsSdpKeyMgmt *
imps_sdp_key_mgmt_parse (const gchar *value, gsize len, GError **error)
{
  g_return_val_if_fail (value != NULL || len == 0, NULL);
  gsize pos = 0;

  if (len > IMPS_SDP_MAX_LINE)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "a=key-mgmt: %zu bytes, more than the limit of %u", len, IMPS_SDP_MAX_LINE);
      return NULL;
    }
  if (pos < len && value[pos] == ' ')
    pos++;
  gsize id_start = pos;
  while (pos < len && g_ascii_isalnum (value[pos]))
    pos++;
  gsize id_len = pos - id_start;
  if (id_len == 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=key-mgmt: prtcl-id: expected 1*(ALPHA / DIGIT) at byte offset %zu", id_start);
      return NULL;
    }
  if (id_len > IMPS_SDP_KEY_MGMT_MAX_PRTCL)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "a=key-mgmt: prtcl-id: %zu bytes, more than the limit of %u, at byte offset %zu",
                   id_len, IMPS_SDP_KEY_MGMT_MAX_PRTCL, id_start);
      return NULL;
    }
  if (pos >= len || value[pos] != ' ')
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=key-mgmt: prtcl-id: expected a space before keymgmt-data at byte offset %zu",
                   pos);
      return NULL;
    }
  pos++;

  gsize cap = imps_sdp_b64_decoded_max (len - pos);
  guint8 *buf = g_malloc (cap);
  gsize n = 0;
  if (!imps_sdp_b64_decode (value + pos, len - pos, IMPS_SDP_B64_PAD_REQUIRED, buf, cap,
                            &n, NULL, "a=key-mgmt: keymgmt-data", pos, error))
    {
      g_free (buf);
      return NULL;
    }
  ImpsSdpKeyMgmt *km = g_new0 (ImpsSdpKeyMgmt, 1);
  memcpy (km->prtcl_id, value + id_start, id_len);
  km->prtcl_id[id_len] = '\0';
  km->data = g_bytes_new_take (buf, n);
  return km;
}

ImpsSdpKeyMgmt *
imps_sdp_key_mgmt_new (const gchar *prtcl_id, const guint8 *data, gsize len)
{
  g_return_val_if_fail (prtcl_id != NULL && (data != NULL || len == 0), NULL);
  gsize id_len = strlen (prtcl_id);
  g_return_val_if_fail (id_len > 0 && id_len <= IMPS_SDP_KEY_MGMT_MAX_PRTCL, NULL);
  for (gsize i = 0; i < id_len; i++)
    g_return_val_if_fail (g_ascii_isalnum (prtcl_id[i]), NULL);
  ImpsSdpKeyMgmt *km = g_new0 (ImpsSdpKeyMgmt, 1);
  memcpy (km->prtcl_id, prtcl_id, id_len + 1);
  km->data = g_bytes_new (data, len);
  return km;
}

void
imps_sdp_key_mgmt_free (ImpsSdpKeyMgmt *km)
{
  if (km == NULL)
    return;
  g_bytes_unref (km->data);
  g_free (km);
}

gchar *
imps_sdp_key_mgmt_to_string (const ImpsSdpKeyMgmt *km)
{
  g_return_val_if_fail (km != NULL, NULL);
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (km->data, &n);
  GString *s = g_string_sized_new (strlen (km->prtcl_id) + 2 + (n + 2) / 3 * 4);
  g_string_append (s, km->prtcl_id);
  g_string_append_c (s, ' ');
  imps_sdp_b64_append (s, d, n, TRUE);
  return g_string_free (s, FALSE);
}

static GPtrArray *
key_mgmt_list_section (const ImpsSdp *sdp, const ImpsSdpMedia *media, GError **error)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_sdp_key_mgmt_free);
  for (guint i = 0;; i++)
    {
      const gchar *v = media != NULL ? imps_sdp_media_find_attribute (media, "key-mgmt", i)
                                     : imps_sdp_find_attribute (sdp, "key-mgmt", i);
      if (v == NULL)
        break;
      ImpsSdpKeyMgmt *km = imps_sdp_key_mgmt_parse (v, strlen (v), error);
      if (km == NULL)
        {
          g_prefix_error (error, "%s a=key-mgmt number %u: ",
                          media != NULL ? "media-level" : "session-level", i + 1);
          g_ptr_array_unref (list);
          return NULL;
        }
      g_ptr_array_add (list, km);
    }
  return list;
}

GPtrArray *
imps_sdp_key_mgmt_list (const ImpsSdp *sdp, const ImpsSdpMedia *media, GError **error)
{
  g_return_val_if_fail (sdp != NULL, NULL);
  return key_mgmt_list_section (sdp, media, error);
}

GPtrArray *
imps_sdp_key_mgmt_effective (const ImpsSdp *sdp, const ImpsSdpMedia *media, GError **error)
{
  g_return_val_if_fail (sdp != NULL && media != NULL, NULL);
  GPtrArray *list = key_mgmt_list_section (sdp, media, error);
  if (list == NULL || list->len > 0)
    return list;
  g_ptr_array_unref (list);
  return key_mgmt_list_section (sdp, NULL, error);
}

gchar *
imps_sdp_key_mgmt_ids (GPtrArray *list)
{
  g_return_val_if_fail (list != NULL, NULL);
  GString *s = g_string_sized_new (16);
  for (guint i = 0; i < list->len; i++)
    {
      const ImpsSdpKeyMgmt *km = g_ptr_array_index (list, i);
      if (i > 0)
        g_string_append_c (s, ';');
      g_string_append (s, km->prtcl_id);
    }
  return g_string_free (s, FALSE);
}

gboolean
imps_sdp_add_key_mgmt (ImpsSdp *sdp, ImpsSdpMedia *media, const gchar *prtcl_id,
                       const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (sdp != NULL, FALSE);
  g_autoptr (ImpsSdpKeyMgmt) km = imps_sdp_key_mgmt_new (prtcl_id, data, len);
  g_return_val_if_fail (km != NULL, FALSE);
  g_autofree gchar *v = imps_sdp_key_mgmt_to_string (km);
  return media != NULL ? imps_sdp_media_add_attribute (media, "key-mgmt", v, error)
                       : imps_sdp_add_attribute (sdp, "key-mgmt", v, error);
}

/* ---- a=3ge2ae ----------------------------------------------------------- */

gboolean
imps_sdp_e2ae_parse (const gchar *value, gsize len, ImpsSdpE2ae *out, gchar **token,
                     GError **error)
{
  g_return_val_if_fail ((value != NULL || len == 0) && out != NULL, FALSE);
  if (token != NULL)
    *token = NULL;
  if (len == 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=3ge2ae: indicator: empty at byte offset 0");
      return FALSE;
    }
  if (len > 64)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "a=3ge2ae: indicator: %zu bytes, more than the limit of 64", len);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (!imps_sdp_is_token_char ((guchar) value[i]))
      {
        g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                     "a=3ge2ae: indicator: character 0x%02x is not a token character, at byte offset %zu",
                     (guchar) value[i], i);
        return FALSE;
      }
  if (len == 9 && memcmp (value, "requested", 9) == 0)
    *out = IMPS_SDP_E2AE_REQUESTED;
  else if (len == 7 && memcmp (value, "applied", 7) == 0)
    *out = IMPS_SDP_E2AE_APPLIED;
  else
    {
      *out = IMPS_SDP_E2AE_OTHER;
      if (token != NULL)
        *token = g_strndup (value, len);
    }
  return TRUE;
}

const gchar *
imps_sdp_e2ae_to_string (ImpsSdpE2ae e2ae)
{
  switch (e2ae)
    {
    case IMPS_SDP_E2AE_REQUESTED:
      return "requested";
    case IMPS_SDP_E2AE_APPLIED:
      return "applied";
    case IMPS_SDP_E2AE_OTHER:
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
imps_sdp_media_get_e2ae (const ImpsSdpMedia *m, ImpsSdpE2ae *out, GError **error)
{
  g_return_val_if_fail (m != NULL && out != NULL, FALSE);
  const gchar *v = imps_sdp_media_find_attribute (m, "3ge2ae", 0);
  if (v == NULL)
    {
      if (imps_sdp_media_has_attribute (m, "3ge2ae"))
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "a=3ge2ae: indicator: missing (no ':' value)");
        }
      return FALSE;
    }
  if (!imps_sdp_e2ae_parse (v, strlen (v), out, NULL, error))
    return FALSE;
  return TRUE;
}

/* ---- a=extmap ----------------------------------------------------------- */

static const gchar *const extmap_directions[] = {
  NULL, "sendonly", "recvonly", "sendrecv", "inactive",
};

void
imps_sdp_extmap_clear (ImpsSdpExtmap *e)
{
  if (e == NULL)
    return;
  g_clear_pointer (&e->uri, g_free);
  g_clear_pointer (&e->attributes, g_free);
  e->id = 0;
  e->direction = IMPS_SDP_EXTMAP_DIR_NONE;
}

gboolean
imps_sdp_extmap_parse (const gchar *value, gsize len, ImpsSdpExtmap *out, GError **error)
{
  g_return_val_if_fail ((value != NULL || len == 0) && out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  gsize i = 0;
  guint id = 0;

  for (gsize j = 0; j < len; j++)
    if ((guchar) value[j] < 0x20 || value[j] == 0x7f)
      {
        g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                     "a=extmap: control character 0x%02x at byte offset %zu",
                     (guchar) value[j], j);
        return FALSE;
      }
  while (i < len && g_ascii_isdigit (value[i]) && i < 5)
    id = id * 10 + (guint) (value[i++] - '0');
  if (i == 0 || (i < len && g_ascii_isdigit (value[i])))
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=extmap: ID: %s at byte offset 0",
                   i == 0 ? "not a number" : "more than 5 digits");
      return FALSE;
    }
  if (id < 1 || id > IMPS_SDP_EXTMAP_MAX_ID)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=extmap: ID %u is outside 1..%u (RFC 8285 §5)", id, IMPS_SDP_EXTMAP_MAX_ID);
      return FALSE;
    }
  ImpsSdpExtmapDirection dir = IMPS_SDP_EXTMAP_DIR_NONE;
  if (i < len && value[i] == '/')
    {
      gsize start = ++i;
      while (i < len && value[i] != ' ')
        i++;
      for (guint d = IMPS_SDP_EXTMAP_DIR_SENDONLY; d <= IMPS_SDP_EXTMAP_DIR_INACTIVE; d++)
        if (i - start == strlen (extmap_directions[d])
            && memcmp (value + start, extmap_directions[d], i - start) == 0)
          dir = d;
      if (dir == IMPS_SDP_EXTMAP_DIR_NONE)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "a=extmap: direction \"%.*s\" at byte offset %zu is not sendonly, "
                       "recvonly, sendrecv or inactive",
                       (int) MIN (i - start, 32), value + start, start);
          return FALSE;
        }
    }
  if (i >= len || value[i] != ' ')
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=extmap: expected a space and the extension URI at byte offset %zu", i);
      return FALSE;
    }
  gsize uri_start = ++i;
  gboolean colon = FALSE;
  while (i < len && value[i] != ' ')
    {
      if ((guchar) value[i] > 0x7e)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "a=extmap: URI: byte 0x%02x at byte offset %zu is not a URI character",
                       (guchar) value[i], i);
          return FALSE;
        }
      if (value[i] == ':' && i > uri_start)
        colon = TRUE;
      i++;
    }
  gsize uri_len = i - uri_start;
  if (uri_len > IMPS_SDP_EXTMAP_MAX_URI)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "a=extmap: URI: %zu bytes, more than the limit of %u", uri_len,
                   IMPS_SDP_EXTMAP_MAX_URI);
      return FALSE;
    }
  if (uri_len == 0 || !colon || !g_ascii_isalpha (value[uri_start]))
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=extmap: URI at byte offset %zu is %s", uri_start,
                   uri_len == 0 ? "empty" : "not an absolute URI (scheme \":\" ...)");
      return FALSE;
    }
  for (gsize j = uri_start + 1; j < uri_start + uri_len && value[j] != ':'; j++)
    if (!g_ascii_isalnum (value[j]) && value[j] != '+' && value[j] != '-' && value[j] != '.')
      {
        g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                     "a=extmap: URI: scheme character '%c' at byte offset %zu", value[j], j);
        return FALSE;
      }
  const gchar *attrs = NULL;
  gsize attrs_len = 0;
  if (i < len)
    {
      attrs = value + i + 1;       /* value[i] is the space */
      attrs_len = len - i - 1;
      if (attrs_len > IMPS_SDP_EXTMAP_MAX_ATTRIBUTES)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                       "a=extmap: extension attributes: %zu bytes, more than the limit of %u",
                       attrs_len, IMPS_SDP_EXTMAP_MAX_ATTRIBUTES);
          return FALSE;
        }
      if (attrs_len == 0)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "a=extmap: trailing space at byte offset %zu", i);
          return FALSE;
        }
    }
  out->id = id;
  out->direction = dir;
  out->uri = g_strndup (value + uri_start, uri_len);
  out->attributes = attrs != NULL ? g_strndup (attrs, attrs_len) : NULL;
  return TRUE;
}

gchar *
imps_sdp_extmap_to_string (const ImpsSdpExtmap *e)
{
  g_return_val_if_fail (e != NULL && e->uri != NULL, NULL);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%u", e->id);
  if (e->direction != IMPS_SDP_EXTMAP_DIR_NONE && e->direction <= IMPS_SDP_EXTMAP_DIR_INACTIVE)
    g_string_append_printf (s, "/%s", extmap_directions[e->direction]);
  g_string_append_printf (s, " %s", e->uri);
  if (e->attributes != NULL)
    g_string_append_printf (s, " %s", e->attributes);
  return g_string_free (s, FALSE);
}

/* One level (media section, or the session when @m is NULL). Returns -1 on
 * error, 0 when absent, 1 when found. */
static int
find_extmap_level (const ImpsSdp *sdp, const ImpsSdpMedia *m, const gchar *uri, guint *id,
                   GError **error)
{
  const gchar *uris[IMPS_SDP_EXTMAP_MAX_ID + 1] = { NULL };
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  int found = 0;
  const gchar *v;
  for (guint n = 0;
       (v = m != NULL ? imps_sdp_media_find_attribute (m, "extmap", n)
                      : imps_sdp_find_attribute (sdp, "extmap", n)) != NULL;
       n++)
    {
      g_auto (ImpsSdpExtmap) e = { 0 };
      if (!imps_sdp_extmap_parse (v, strlen (v), &e, error))
        return -1;
      if (uris[e.id] != NULL && strcmp (uris[e.id], e.uri) != 0)
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "a=extmap: ID %u is given to both %s and %s", e.id, uris[e.id], e.uri);
          return -1;
        }
      if (uris[e.id] == NULL)
        {
          uris[e.id] = e.uri;
          g_ptr_array_add (keep, g_steal_pointer (&e.uri));
        }
      if (found == 0 && strcmp (uris[e.id], uri) == 0)
        {
          *id = e.id;
          found = 1;
        }
    }
  return found;
}

gboolean
imps_sdp_media_find_extmap (const ImpsSdp *sdp, const ImpsSdpMedia *media, const gchar *uri,
                            guint *id, GError **error)
{
  g_return_val_if_fail (sdp != NULL && uri != NULL && id != NULL, FALSE);
  int r = media != NULL ? find_extmap_level (sdp, media, uri, id, error) : 0;
  if (r == 0)
    r = find_extmap_level (sdp, NULL, uri, id, error);
  return r == 1;
}

gboolean
imps_sdp_media_add_extmap (ImpsSdpMedia *media, guint id, const gchar *uri, GError **error)
{
  g_return_val_if_fail (media != NULL && uri != NULL, FALSE);
  ImpsSdpExtmap e = { .id = id, .uri = (gchar *) uri };
  g_autofree gchar *v = imps_sdp_extmap_to_string (&e);
  /* checked as a parser would read it */
  g_auto (ImpsSdpExtmap) check = { 0 };
  if (!imps_sdp_extmap_parse (v, strlen (v), &check, error))
    return FALSE;
  return imps_sdp_media_add_attribute (media, "extmap", v, error);
}

/* ---- a=rtcp ------------------------------------------------------------- */

/* The next space-separated field of @v (length @len) from *@pos: its start
 * and length; FALSE at the end. One space between fields (RFC 4566 §5). */
static gboolean
rtcp_field (const gchar *v, gsize len, gsize *pos, const gchar **start, gsize *flen)
{
  if (*pos >= len)
    return FALSE;
  gsize e = *pos;
  while (e < len && v[e] != ' ')
    e++;
  *start = v + *pos;
  *flen = e - *pos;
  *pos = e < len ? e + 1 : e;
  return TRUE;
}

gboolean
imps_sdp_rtcp_parse (const gchar *value, gsize len, ImpsSdpRtcp *out, GError **error)
{
  g_return_val_if_fail (value != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  for (gsize i = 0; i < len; i++)
    if ((guchar) value[i] < 0x20 || value[i] == 0x7f)
      {
        g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                     "a=rtcp: control character 0x%02x at byte %" G_GSIZE_FORMAT,
                     (guchar) value[i], i);
        return FALSE;
      }
  gsize pos = 0, n = 0;
  const gchar *f = NULL;
  if (!rtcp_field (value, len, &pos, &f, &n) || n == 0 || n > 5)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=rtcp: port: %s", n > 5 ? "more than 5 digits" : "missing");
      return FALSE;
    }
  guint port = 0;
  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (f[i]))
        {
          g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                       "a=rtcp: port: '%c' is not a digit", f[i]);
          return FALSE;
        }
      port = port * 10 + (guint) (f[i] - '0');
    }
  if (port == 0 || port > G_MAXUINT16)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=rtcp: port %u is outside 1..65535", port);
      return FALSE;
    }
  out->port = (guint16) port;
  if (pos >= len && (len == 0 || value[len - 1] != ' '))
    return TRUE;
  const gchar *net = NULL, *at = NULL, *addr = NULL;
  gsize net_len = 0, at_len = 0, addr_len = 0;
  if (!rtcp_field (value, len, &pos, &net, &net_len)
      || !rtcp_field (value, len, &pos, &at, &at_len)
      || !rtcp_field (value, len, &pos, &addr, &addr_len) || net_len == 0 || at_len == 0
      || addr_len == 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=rtcp: after the port there must be nettype, addrtype and address, "
                   "one space apart");
      return FALSE;
    }
  if (pos < len || value[len - 1] == ' ')
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=rtcp: text after the connection address");
      return FALSE;
    }
  if (net_len != 2 || memcmp (net, "IN", 2) != 0)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=rtcp: nettype '%.*s' is not IN", (gint) MIN (net_len, 16), net);
      return FALSE;
    }
  if (at_len != 3 || (memcmp (at, "IP4", 3) != 0 && memcmp (at, "IP6", 3) != 0))
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=rtcp: addrtype '%.*s' is neither IP4 nor IP6", (gint) MIN (at_len, 16), at);
      return FALSE;
    }
  if (addr_len > IMPS_SDP_RTCP_MAX_ADDRESS)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_LIMIT,
                   "a=rtcp: address of %" G_GSIZE_FORMAT " bytes, more than %u", addr_len,
                   IMPS_SDP_RTCP_MAX_ADDRESS);
      return FALSE;
    }
  if (memchr (addr, '/', addr_len) != NULL)
    {
      g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                   "a=rtcp: address '%.*s' has a '/' (no TTL or count in a=rtcp)",
                   (gint) MIN (addr_len, 64), addr);
      return FALSE;
    }
  out->has_address = TRUE;
  memcpy (out->nettype, net, net_len);
  memcpy (out->addrtype, at, at_len);
  memcpy (out->address, addr, addr_len);
  return TRUE;
}

gboolean
imps_sdp_media_get_rtcp (const ImpsSdpMedia *m, ImpsSdpRtcp *out, GError **error)
{
  g_return_val_if_fail (m != NULL && out != NULL, FALSE);
  const gchar *v = imps_sdp_media_find_attribute (m, "rtcp", 0);
  if (v == NULL)
    {
      if (imps_sdp_media_has_attribute (m, "rtcp"))
        g_set_error (error, IMPS_SDP_ERROR, IMPS_SDP_ERROR_SYNTAX,
                     "a=rtcp: port: missing (no ':' value)");
      return FALSE;
    }
  return imps_sdp_rtcp_parse (v, strlen (v), out, error);
}
