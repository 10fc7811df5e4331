/* Fuzz target: one whole SIP message. When it parses, it is built, parsed
 * again, and the key fields must agree (start line, Call-ID, CSeq, tags,
 * Via count and branches, body). The typed getters and the transaction
 * helpers run over it too and must not crash. */
#include "sip/imps-sip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static void
compare (const ImpsSipMessage *a, const ImpsSipMessage *b)
{
  ImpsSipCSeq ca, cb;
  gchar ta[128], tb[128];

  check (imps_sip_message_is_request (a) == imps_sip_message_is_request (b));
  if (imps_sip_message_is_request (a))
    {
      check (strcmp (imps_sip_message_get_method (a), imps_sip_message_get_method (b)) == 0);
      check (strcmp (imps_sip_message_get_request_uri (a), imps_sip_message_get_request_uri (b)) == 0);
    }
  else
    {
      check (imps_sip_message_get_status (a) == imps_sip_message_get_status (b));
      check (strcmp (imps_sip_message_get_reason (a), imps_sip_message_get_reason (b)) == 0);
    }
  check (g_strcmp0 (imps_sip_message_get_call_id (a), imps_sip_message_get_call_id (b)) == 0);
  check (imps_sip_message_get_cseq (a, &ca, NULL) && imps_sip_message_get_cseq (b, &cb, NULL));
  check (ca.number == cb.number && strcmp (ca.method, cb.method) == 0);
  gboolean fa = imps_sip_message_get_from_tag (a, ta, sizeof ta);
  gboolean fb = imps_sip_message_get_from_tag (b, tb, sizeof tb);
  check (fa == fb && (!fa || strcmp (ta, tb) == 0));
  fa = imps_sip_message_get_to_tag (a, ta, sizeof ta);
  fb = imps_sip_message_get_to_tag (b, tb, sizeof tb);
  check (fa == fb && (!fa || strcmp (ta, tb) == 0));
  check (g_bytes_equal (imps_sip_message_get_body (a), imps_sip_message_get_body (b)));

  GPtrArray *va = imps_sip_message_get_vias (a, NULL);
  GPtrArray *vb = imps_sip_message_get_vias (b, NULL);
  check (va != NULL && vb != NULL && va->len == vb->len && va->len > 0);
  for (guint i = 0; i < va->len; i++)
    {
      const ImpsSipVia *x = va->pdata[i], *y = vb->pdata[i];
      check (g_strcmp0 (x->branch, y->branch) == 0 && strcmp (x->host, y->host) == 0
             && x->port == y->port);
    }
  g_ptr_array_unref (va);
  g_ptr_array_unref (vb);

  /* Every header line except Content-Length survives, in order. */
  guint j = 0;
  for (guint i = 0; i < imps_sip_message_get_n_headers (a); i++)
    {
      const ImpsSipHeader *h = imps_sip_message_get_header (a, i);
      if (h->id == IMPS_SIP_HDR_CONTENT_LENGTH)
        continue;
      while (j < imps_sip_message_get_n_headers (b)
             && imps_sip_message_get_header (b, j)->id == IMPS_SIP_HDR_CONTENT_LENGTH)
        j++;
      check (j < imps_sip_message_get_n_headers (b));
      const ImpsSipHeader *g = imps_sip_message_get_header (b, j++);
      check (h->id == g->id && strcmp (h->value, g->value) == 0);
    }
}

static void
exercise (const ImpsSipMessage *msg)
{
  GPtrArray *arr;
  ImpsSipNameAddr *na;
  ImpsSipContentType *ct;
  guint mf;
  guint32 exp;

  na = imps_sip_message_get_from (msg, NULL);
  check (na != NULL);
  imps_sip_name_addr_free (na);
  na = imps_sip_message_get_to (msg, NULL);
  check (na != NULL);
  imps_sip_name_addr_free (na);
  arr = imps_sip_message_get_contacts (msg, NULL);
  check (arr != NULL);
  g_ptr_array_unref (arr);
  static const gchar *const lists[] = { "Route", "Record-Route", "P-Asserted-Identity" };
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      arr = imps_sip_message_get_name_addrs (msg, lists[i], NULL);
      check (arr != NULL);
      g_ptr_array_unref (arr);
    }
  ct = imps_sip_message_get_content_type (msg, NULL);
  imps_sip_content_type_free (ct);
  imps_sip_message_get_max_forwards (msg, &mf, NULL);
  imps_sip_message_get_expires (msg, &exp, NULL);

  if (imps_sip_message_is_request (msg))
    {
      ImpsSipMessage *resp = imps_sip_message_new_response_for (msg, 180, NULL, "fuzz", NULL);
      check (resp != NULL);
      if (strcmp (imps_sip_message_get_method (msg), "INVITE") == 0)
        {
          ImpsSipMessage *cancel = imps_sip_message_new_cancel_for (msg, NULL);
          check (cancel != NULL);
          ImpsSipMessage *busy = imps_sip_message_new_response_for (msg, 486, NULL, "b", NULL);
          check (busy != NULL);
          ImpsSipMessage *ack = imps_sip_message_new_ack_for_error (msg, busy, NULL);
          check (ack != NULL);
          imps_sip_message_free (ack);

          /* A dialog from the INVITE and a 200; its BYE must build to
           * bytes that parse again. */
          ImpsSipMessage *ok = imps_sip_message_new_response_for (msg, 200, NULL, "d", NULL);
          ImpsSipDialog *dialog = imps_sip_dialog_new_uas (msg, ok, NULL);
          if (dialog != NULL)
            {
              ImpsSipVia *via = imps_sip_via_new ("UDP", "fuzz.example.com", -1, "z9hG4bKf");
              ImpsSipMessage *bye = imps_sip_dialog_new_request (dialog, "BYE", via, NULL);
              if (bye != NULL)
                {
                  GBytes *b = imps_sip_message_to_bytes (bye);
                  GError *e = NULL;
                  ImpsSipMessage *back = imps_sip_message_parse (g_bytes_get_data (b, NULL),
                                                                 g_bytes_get_size (b), &e);
                  check (back != NULL || g_error_matches (e, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE));
                  g_clear_error (&e);
                  imps_sip_message_free (back);
                  g_bytes_unref (b);
                  imps_sip_message_free (bye);
                }
              imps_sip_via_free (via);
              imps_sip_dialog_free (dialog);
            }
          imps_sip_message_free (ok);
          imps_sip_message_free (busy);
          imps_sip_message_free (cancel);
        }
      imps_sip_message_free (resp);
    }
  ImpsSipMessage *copy = imps_sip_message_copy (msg);
  imps_sip_message_pop_via (copy);
  imps_sip_message_pop_value (copy, "Route");
  imps_sip_message_free (copy);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ImpsSipMessage *msg = imps_sip_message_parse (data, size, NULL);

  if (msg == NULL)
    return 0;
  GBytes *bytes = imps_sip_message_to_bytes (msg);
  gsize len;
  const guint8 *built = g_bytes_get_data (bytes, &len);
  GError *error = NULL;
  ImpsSipMessage *again = imps_sip_message_parse (built, len, &error);
  /* Building can only grow the text by the Content-Length line and the
   * full header names; past the size bound a second parse may refuse. */
  if (again == NULL)
    check (g_error_matches (error, IMPS_SIP_ERROR, IMPS_SIP_ERROR_TOO_LARGE));
  else
    {
      compare (msg, again);
      GBytes *bytes2 = imps_sip_message_to_bytes (again);
      check (g_bytes_equal (bytes, bytes2));
      g_bytes_unref (bytes2);
      imps_sip_message_free (again);
    }
  g_clear_error (&error);
  exercise (msg);
  g_bytes_unref (bytes);
  imps_sip_message_free (msg);
  return 0;
}
