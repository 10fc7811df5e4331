/* Fuzz target: MIKEY / MIKEY-TICKET message parse (imps_mikey_message_parse).
 *
 * When the input parses: serialise it and check the bytes are the input
 * (the codec keeps every field, so parse -> serialise is the identity),
 * parse those bytes again, check the same payloads come back, and walk
 * the parts a reader goes on to parse (key data of NULL-encrypted KEMACs,
 * base ticket Ticket Data, the decoder tree). */
#include "mikey/imps-mikey-dump.h"
#include "mikey/imps-mikey-message.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
walk (const ImpsMikeyMessage *msg)
{
  for (guint i = 0; i < msg->body.n_payloads; i++)
    {
      const ImpsMikeyPayload *p = &msg->body.payloads[i];
      if (p->type == IMPS_MIKEY_PAYLOAD_KEMAC)
        {
          ImpsMikeyKeyData keys[IMPS_MIKEY_MAX_KEY_DATA];
          guint n = 0;
          GError *error = NULL;
          if (!imps_mikey_key_data_parse (p->u.kemac.encr_data.data, p->u.kemac.encr_data.len,
                                          keys, G_N_ELEMENTS (keys), &n, &error))
            g_clear_error (&error);
          else if (n > 0)
            {
              GByteArray *b = g_byte_array_new ();
              if (!imps_mikey_key_data_write (keys, n, b, NULL)
                  || b->len != p->u.kemac.encr_data.len
                  || memcmp (b->data, p->u.kemac.encr_data.data, b->len) != 0)
                abort ();
              g_byte_array_unref (b);
            }
        }
      if (p->type == IMPS_MIKEY_PAYLOAD_TICKET && p->u.ticket.ticket_data.len)
        {
          GError *error = NULL;
          ImpsMikeyChain *c = imps_mikey_chain_parse_ticket_data (p->u.ticket.ticket_data.data,
                                                                 p->u.ticket.ticket_data.len, &error);
          if (c)
            {
              gsize len = 0;
              const guint8 *out = imps_mikey_chain_serialize (c, IMPS_MIKEY_CHAIN_THDR, &len, NULL);
              if (out == NULL || len != p->u.ticket.ticket_data.len
                  || memcmp (out, p->u.ticket.ticket_data.data, len) != 0)
                abort ();
              imps_mikey_chain_free (c);
            }
          else
            g_clear_error (&error);
        }
    }
  ImpsMikeyField *root = imps_mikey_dump_message (msg, NULL);
  gchar *text = imps_mikey_field_to_text (root);
  g_free (text);
  imps_mikey_field_free (root);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  ImpsMikeyMessage *msg = imps_mikey_message_parse (data, size, &error);
  if (msg == NULL)
    {
      /* Every failure is a MALFORMED GError that names an offset. */
      if (error == NULL || error->domain != IMPS_MIKEY_ERROR
          || error->code != IMPS_MIKEY_ERROR_MALFORMED
          || strstr (error->message, "byte offset") == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }

  gsize len = 0;
  const guint8 *out = imps_mikey_message_serialize (msg, &len, &error);
  if (out == NULL || len != size || memcmp (out, data, size) != 0)
    abort ();
  ImpsMikeyMessage *again = imps_mikey_message_parse (out, len, &error);
  if (again == NULL || again->body.n_payloads != msg->body.n_payloads)
    abort ();
  for (guint i = 0; i < msg->body.n_payloads; i++)
    if (again->body.payloads[i].type != msg->body.payloads[i].type
        || again->body.payloads[i].offset != msg->body.payloads[i].offset
        || again->body.payloads[i].length != msg->body.payloads[i].length)
      abort ();
  walk (again);
  imps_mikey_message_free (again);
  imps_mikey_message_free (msg);
  return 0;
}
