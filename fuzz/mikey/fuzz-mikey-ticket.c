/* Fuzz target: the MIKEY base ticket parser and what it reads on the way
 * (TICKET payload, TP Data into a policy, Ticket Data chain, THDR, KEMAC
 * key data, Initiator Data). The first byte picks the entry point:
 *   0: a TICKET payload (Next Payload byte first), opened with the fixed
 *      TPK the seeds were built under (so seeds reach the KEMAC), and its
 *      TP read into an ImpsMikeyTp;
 *   1: a decrypted key-data chain read into a key set (0, 1 or 2 MPKs);
 *   2: Initiator Data checked with a fixed MPKr.
 * Seeds: fuzz/mikey/corpus/mikey-ticket/, written by
 * tests/mikey/test-mikey-ticket.c (IMPS_UPDATE_CORPUS=1). */
#include "mikey/imps-mikey-message.h"
#include "mikey/imps-mikey-ticket.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
fixed_tpk (ImpsMikeyTpk *tpk)
{
  memset (tpk, 0, sizeof *tpk);
  tpk->index = 1;
  tpk->key_len = 16;
  for (guint i = 0; i < 16; i++)
    tpk->key[i] = (guint8) (0x60 + i);
}

static void
ticket (const guint8 *data, gsize len)
{
  ImpsMikeyTpk tpk;
  ImpsMikeyTicketContents c;
  GError *error = NULL;

  fixed_tpk (&tpk);
  if (imps_mikey_base_ticket_open_bytes (data, len, &tpk, 1, &c, &error))
    imps_mikey_ticket_contents_clear (&c);
  else
    {
      g_assert (error != NULL && error->message != NULL);
      g_clear_error (&error);
    }

  /* the TP of the same payload */
  if (len > 0 && len <= IMPS_MIKEY_MAX_MESSAGE_SIZE)
    {
      guint8 *buf = g_malloc (len + 1);
      ImpsMikeyChain *chain;
      buf[0] = IMPS_MIKEY_PAYLOAD_TICKET;
      memcpy (buf + 1, data, len);
      buf[1] = IMPS_MIKEY_PAYLOAD_LAST;
      chain = imps_mikey_chain_parse (buf, len + 1, IMPS_MIKEY_CHAIN_TYPED, &error);
      if (chain != NULL)
        {
          const ImpsMikeyPayload *p = imps_mikey_chain_find (chain, IMPS_MIKEY_PAYLOAD_TICKET, 0);
          ImpsMikeyTp tp;
          if (p != NULL && imps_mikey_tp_read (&p->u.ticket, &tp, &error))
            {
              imps_mikey_tp_check_flags (tp.flags, NULL);
              for (guint i = 0; i < tp.n_responders; i++)
                g_assert (tp.responders[i].len == 0 || tp.responders[i].data != NULL);
            }
          imps_mikey_chain_free (chain);
        }
      g_clear_error (&error);
      g_free (buf);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;

  if (size < 1)
    return 0;
  switch (data[0] % 3)
    {
    case 0:
      ticket (data + 1, size - 1);
      break;
    case 1:
      {
        ImpsMikeyKeySet set;
        for (guint n = 0; n <= 2; n++)
          {
            if (imps_mikey_key_set_read (data + 1, size - 1, n, &set, &error))
              imps_mikey_key_set_clear (&set);
            g_clear_error (&error);
          }
      }
      break;
    default:
      {
        guint8 mpkr[16];
        const guint8 *vi = NULL;
        guint8 alg = 0;
        for (guint i = 0; i < 16; i++)
          mpkr[i] = (guint8) (0x20 + i);
        if (!imps_mikey_initiator_data_verify (0, mpkr, 16, data + 1, size - 1, &vi, &alg, &error))
          g_clear_error (&error);
      }
      break;
    }
  return 0;
}
