/* One request to an impsim HTTP server: see imps-http.h. */
#include "imps-http-private.h"

#include <string.h>

/* One block holds the message, its field table and a copy of the head in
 * which every field ends with a NUL (the byte after each field in the head
 * is a delimiter: a space, '?', ':', CR or LF). */
ImpsHttpMessage *
imps_http_message_new (const guint8 *buf, const ImpsHttpHead *h, gsize body_len, GError **error)
{
  gsize fields_size = h->n_fields * sizeof (ImpsHttpPair);
  ImpsHttpMessage *m = g_malloc0 (sizeof *m + fields_size + h->head_len + 1);
  m->ref = 1;
  m->fields = (ImpsHttpPair *) (m + 1);
  gchar *text = (gchar *) m->fields + fields_size;
  imps_http_head_strings (buf, h, text, m->fields);
  m->head_len = h->head_len;
  m->raw = g_bytes_new (buf, h->head_len + body_len);
  m->minor = h->minor;
  m->keep_alive = h->keep_alive;

  text[h->method.off + h->method.len] = '\0';
  m->method = text + h->method.off;
  if (h->path.len == 0)
    m->path = "/";
  else
    {
      text[h->path.off + h->path.len] = '\0';
      m->path = text + h->path.off;
      if (strchr (m->path, '%') != NULL)
        {
          /* the path as handlers compare it: percent-decoded (RFC 3986 §2.1) */
          m->path_owned = g_uri_unescape_string (m->path, NULL);
          if (m->path_owned == NULL)
            {
              g_autofree gchar *cut = g_strndup (m->path, 40);
              g_autofree gchar *shown = g_strescape (cut, NULL);
              g_set_error (error, IMPS_HTTP_ERROR, 400, "path \"%s\" has a bad percent-encoding "
                           "(or encodes a NUL)", shown);
              imps_http_message_unref (m);
              return NULL;
            }
          m->path = m->path_owned;
        }
    }
  if (h->has_query)
    {
      text[h->query.off + h->query.len] = '\0';
      m->query = text + h->query.off;
    }
  m->n_fields = h->n_fields;
  m->content_type = imps_http_media_type (imps_http_pairs_find (m->fields, m->n_fields,
                                                                "Content-Type"),
                                          &m->content_type_owned);
  return m;
}

ImpsHttpMessage *
imps_http_message_ref (ImpsHttpMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  g_atomic_int_inc (&msg->ref);
  return msg;
}

void
imps_http_message_unref (ImpsHttpMessage *msg)
{
  if (msg == NULL || !g_atomic_int_dec_and_test (&msg->ref))
    return;
  for (guint i = 0; i < msg->n_answer; i++)
    {
      g_free ((gchar *) msg->answer[i].name);
      g_free ((gchar *) msg->answer[i].value);
    }
  g_bytes_unref (msg->raw);
  g_free (msg->content_type_owned);
  g_free (msg->path_owned);
  g_clear_pointer (&msg->body, g_bytes_unref);
  g_clear_pointer (&msg->peer, g_ref_string_release);
  g_clear_pointer (&msg->stream, g_ref_string_release);
  g_clear_object (&msg->peer_cert);
  g_free (msg);
}

const gchar *
imps_http_message_get_method (ImpsHttpMessage *msg)
{
  return msg->method;
}

const gchar *
imps_http_message_get_path (ImpsHttpMessage *msg)
{
  return msg->path;
}

const gchar *
imps_http_message_get_query (ImpsHttpMessage *msg)
{
  return msg->query;
}

const gchar *
imps_http_message_get_header (ImpsHttpMessage *msg, const gchar *name)
{
  return imps_http_pairs_find (msg->fields, msg->n_fields, name);
}

const gchar *
imps_http_message_get_content_type (ImpsHttpMessage *msg)
{
  return msg->content_type;
}

GBytes *
imps_http_message_get_body (ImpsHttpMessage *msg)
{
  if (msg->body == NULL)
    msg->body = g_bytes_new_from_bytes (msg->raw, msg->head_len,
                                        g_bytes_get_size (msg->raw) - msg->head_len);
  return msg->body;
}

GBytes *
imps_http_message_get_bytes (ImpsHttpMessage *msg)
{
  return msg->raw;
}

void
imps_http_message_set_header (ImpsHttpMessage *msg, const gchar *name, const gchar *value)
{
  g_return_if_fail (name != NULL && value != NULL && !msg->responded);
  for (guint i = 0; i < msg->n_answer; i++)
    if (g_ascii_strcasecmp (msg->answer[i].name, name) == 0)
      {
        g_free ((gchar *) msg->answer[i].value);
        msg->answer[i].value = g_strdup (value);
        return;
      }
  g_return_if_fail (msg->n_answer < IMPS_HTTP_MAX_ANSWER_FIELDS);
  msg->answer[msg->n_answer].name = g_strdup (name);
  msg->answer[msg->n_answer].value = g_strdup (value);
  msg->n_answer++;
}
