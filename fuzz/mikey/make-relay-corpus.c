/* Writes the seed corpus of fuzz-mikey-relay-answer.c: the issuing KMS's
 * answers to the target's fixed relayed RESOLVE_INIT (a RESOLVE_RESP under
 * the pair key for the plain and the forking ticket, and the MIKEY Error
 * it sends when it refuses), each prefixed with the target's selector byte.
 * Not part of the build; run by hand when the context changes (from the
 * source root, after ninja -C build):
 *
 *   cc -Isrc/core -Isrc/core/common $(pkg-config --cflags glib-2.0) \
 *      fuzz/mikey/make-relay-corpus.c build/src/core/libimpscore.a \
 *      $(pkg-config --libs glib-2.0 gio-2.0 libcrypto libsrtp2) -o make-relay-corpus
 *   ./make-relay-corpus fuzz/mikey/corpus/mikey-relay-answer
 */
#include "fuzz-mikey-relay-answer.c"

#include <glib/gstdio.h>

static void
write_seed (const gchar *dir, const gchar *name, guint8 selector, const ImpsMikeyMessage *m)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, &selector, 1);
  g_byte_array_append (b, m->body.raw, (guint) m->body.raw_len);
  if (!g_file_set_contents (path, (const gchar *) b->data, b->len, &error))
    g_error ("%s", error->message);
  /* the seed is accepted (RESOLVE_RESP) or read as a refusal (Error) */
  LLVMFuzzerTestOneInput (b->data, b->len);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  guint64 now = RELAY_NOW + RELAY_SEC (2);
  if (argc != 2)
    g_error ("usage: make-relay-corpus DIR");
  for (guint forking = 0; forking < 2; forking++)
    {
      RelayContext *c = relay_context (forking);
      /* kms1: finds the pair key by IDRpsk, verifies, answers */
      g_autoptr (ImpsMikeyMessage) relay = imps_mikey_message_parse (c->relay_init->body.raw,
                                                                     c->relay_init->body.raw_len,
                                                                     &error);
      relay_check (relay != NULL, error);
      relay_check (imps_mikey_initial_verify (relay, c->pair, 32, RELAY_KMS1, now, RELAY_SKEW,
                                              NULL, &error), error);
      g_autoptr (ImpsMikeyMessage) rr = imps_mikey_resolve_resp_build (&c->kms1, &c->policy1,
                                                                      relay, c->pair, 32, now,
                                                                      c->rnd, NULL, &error);
      relay_check (rr != NULL, error);
      write_seed (argv[1], forking ? "resolve-resp-forked.mikey" : "resolve-resp.mikey",
                  (guint8) forking, rr);
      /* the check passes: the relay re-wraps it */
      guint8 err_no;
      gboolean refused;
      g_autoptr (ImpsMikeyMessage) out
        = imps_mikey_resolve_relay_answer (&c->kms2, c->relay_init, rr->body.raw,
                                           rr->body.raw_len, c->pair, 32, c->from_responder,
                                           c->bob_psk, 32, now, RELAY_SKEW, &err_no, &refused,
                                           &error);
      relay_check (out != NULL, error);
      if (!forking)
        {
          /* kms1 refuses (no agreement naming this responder, say):
           * Invalid ID, with V under the pair key, as imps_kms_refuse()
           * answers */
          guint8 errs[1] = { IMPS_MIKEY_ERR_INVALID_ID };
          ImpsMikeyMsgKeys keys;
          memset (&keys, 0, sizeof keys);
          relay_check (imps_mikey_error_keys (relay, c->pair, 32, &keys, &error), error);
          g_autoptr (ImpsMikeyMessage) em = imps_mikey_error_build (&relay->hdr, errs, 1, &keys,
                                                                   now, &error);
          imps_mikey_msg_keys_clear (&keys);
          relay_check (em != NULL, error);
          write_seed (argv[1], "error-invalid-id.mikey", 0, em);
          g_autoptr (ImpsMikeyMessage) none
            = imps_mikey_resolve_relay_answer (&c->kms2, c->relay_init, em->body.raw,
                                               em->body.raw_len, c->pair, 32, c->from_responder,
                                               c->bob_psk, 32, now, RELAY_SKEW, &err_no,
                                               &refused, NULL);
          g_assert (none == NULL && refused && err_no == IMPS_MIKEY_ERR_INVALID_ID);
        }
    }
  return 0;
}
