/* impsim tool ticket-request / ticket-resolve: the Ua messages of
 * MIKEY-TICKET (RFC 6043; profile §2) for a client outside the simulator.
 * Given a B-TID and its Ks_NAF, builds REQUEST_INIT_PSK (a ticket for the
 * initiator) or RESOLVE_INIT_PSK (the keys of a received TRANSFER_INIT for
 * the responder); given the KMS's answer as well, verifies it and prints
 * the keys it carries. Stateless: the second step gets the message the
 * first one printed back with --request. */
#include "cli.h"
#include "decode-input.h"
#include "imps-hex.h"
#include "imps-random.h"
#include "imps-secret.h"
#include "mikey/imps-mikey-exchange.h"
#include "mikey/imps-mikey-types.h"

#include <stdio.h>
#include <string.h>

/* Seconds between 1900-01-01 (NTP era 0) and 1970-01-01. */
#define NTP_UNIX_OFFSET G_GINT64_CONSTANT (2208988800)
/* Messages here are Ua bodies: at most 64 KiB (profile §2). */
#define MAX_MESSAGE (64 * 1024)

typedef struct {
  gchar *btid, *ks_naf, *kms, *time_s, *request, *response;
  gint64 seed;
  gboolean hex;
} Common;

static void
common_clear (Common *c)
{
  if (c->ks_naf)
    imps_wipe (c->ks_naf, strlen (c->ks_naf));
  g_free (c->btid);
  g_free (c->ks_naf);
  g_free (c->kms);
  g_free (c->time_s);
  g_free (c->request);
  g_free (c->response);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Common, common_clear)

#define COMMON_ENTRIES(c)                                                                          \
  { "btid", 0, 0, G_OPTION_ARG_STRING, &(c).btid, "the B-TID of the bootstrapping (IDRpsk)", "B-TID" }, \
  { "ks-naf", 0, 0, G_OPTION_ARG_STRING, &(c).ks_naf,                                               \
    "Ks_NAF for the KMS (32 bytes of hex; impsim tool ks-naf derives it)", "HEX" },                \
  { "kms", 0, 0, G_OPTION_ARG_STRING, &(c).kms, "the KMS's FQDN (IDRkms), e.g. kms.home1.net", "FQDN" }, \
  { "time", 0, 0, G_OPTION_ARG_STRING, &(c).time_s,                                                 \
    "the time of the message and of the checks, Unix seconds (default: now)", "SECONDS" },         \
  { "seed", 0, 0, G_OPTION_ARG_INT64, &(c).seed,                                                    \
    "draw CSB ID and RANDs from this seed instead of the system (repeatable output)", "N" },       \
  { "hex", 0, 0, G_OPTION_ARG_NONE, &(c).hex, "print the message as hex instead of base64", NULL }, \
  { "request", 0, 0, G_OPTION_ARG_STRING, &(c).request,                                             \
    "with --response: the message this tool printed before (base64, hex or a file)", "MSG" },      \
  { "response", 0, 0, G_OPTION_ARG_STRING, &(c).response,                                           \
    "the KMS's answer to --request (base64, hex or a file): verify it and print the keys", "MSG" }

/* A message given on the command line: a file's bytes when @arg names a
 * file, else hex text, else base64 (as in a=key-mgmt, "mikey " allowed). */
static GBytes *
message_arg (const gchar *cmd, const gchar *name, const gchar *arg, gint *status)
{
  g_autoptr (GError) error = NULL;
  *status = CLI_EXIT_USAGE;
  if (arg == NULL || arg[0] == '\0')
    {
      cli_usage_error (cmd, "%s is empty", name);
      return NULL;
    }
  if (g_file_test (arg, G_FILE_TEST_IS_REGULAR))
    {
      gchar *data = NULL;
      gsize len = 0;
      if (!g_file_get_contents (arg, &data, &len, &error))
        {
          *status = CLI_EXIT_FAIL;
          cli_fail (cmd, "%s: %s", name, error->message);
          return NULL;
        }
      if (len == 0 || len > MAX_MESSAGE)
        {
          g_free (data);
          cli_usage_error (cmd, "%s: file of %" G_GSIZE_FORMAT " bytes; 1 to %u expected", name,
                           len, MAX_MESSAGE);
          return NULL;
        }
      /* a file of text is read as text */
      if (cli_is_hex_text (data, len) || cli_is_base64_text (data, len))
        {
          gchar *text = g_strndup (data, len);
          g_free (data);
          GBytes *b = message_arg (cmd, name, g_strstrip (text), status);
          g_free (text);
          return b;
        }
      *status = CLI_EXIT_OK;
      return g_bytes_new_take (data, len);
    }
  const gchar *s = cli_strip_key_mgmt (arg);
  gsize slen = strlen (s);
  if (slen > 4 * MAX_MESSAGE)
    {
      cli_usage_error (cmd, "%s: %" G_GSIZE_FORMAT " characters is too long", name, slen);
      return NULL;
    }
  guint8 *out = NULL;
  gsize len = 0;
  if (cli_is_hex_text (s, slen))
    {
      if (!imps_hex_decode (s, &out, &len, &error))
        {
          cli_usage_error (cmd, "%s: %s", name, error->message);
          return NULL;
        }
    }
  else if (cli_is_base64_text (s, slen))
    {
      g_autofree gchar *joined = g_malloc (slen + 1);
      gsize j = 0;
      for (gsize i = 0; i < slen; i++)
        if (!g_ascii_isspace (s[i]))
          joined[j++] = s[i];
      joined[j] = '\0';
      out = g_base64_decode (joined, &len);
    }
  if (out == NULL || len == 0)
    {
      g_free (out);
      cli_usage_error (cmd, "%s: not a file, hex or base64", name);
      return NULL;
    }
  *status = CLI_EXIT_OK;
  return g_bytes_new_take (out, len);
}

/* The options every form needs; the key in @psk. */
static gboolean
common_check (const gchar *cmd, Common *c, guint8 psk[32], guint64 *now, gint *status)
{
  *status = CLI_EXIT_USAGE;
  if (c->btid == NULL || c->btid[0] == '\0')
    return cli_usage_error (cmd, "--btid is required (the B-TID of the bootstrapping)"), FALSE;
  if (strlen (c->btid) > 255)
    return cli_usage_error (cmd, "--btid is longer than 255 bytes"), FALSE;
  if (c->kms == NULL || c->kms[0] == '\0')
    return cli_usage_error (cmd, "--kms is required (the KMS's FQDN)"), FALSE;
  if (strlen (c->kms) > 255)
    return cli_usage_error (cmd, "--kms is longer than 255 bytes"), FALSE;
  if (!cli_hex_arg (cmd, "--ks-naf", c->ks_naf, psk, 32))
    return FALSE;
  gint64 unix_s = g_get_real_time () / G_USEC_PER_SEC;
  if (c->time_s)
    {
      guint64 v;
      if (!g_ascii_string_to_unsigned (c->time_s, 10, 0, G_GINT64_CONSTANT (4294967295) - NTP_UNIX_OFFSET,
                                       &v, NULL))
        return cli_usage_error (cmd, "--time '%s' is not Unix seconds (0 to %" G_GINT64_FORMAT ")",
                                c->time_s, G_GINT64_CONSTANT (4294967295) - NTP_UNIX_OFFSET), FALSE;
      unix_s = (gint64) v;
    }
  *now = (guint64) (unix_s + NTP_UNIX_OFFSET) << 32;
  if ((c->request == NULL) != (c->response == NULL))
    return cli_usage_error (cmd, "--request and --response go together"), FALSE;
  *status = CLI_EXIT_OK;
  return TRUE;
}

static ImpsRandom *
make_random (const Common *c)
{
  return c->seed ? imps_random_new_seeded ((guint64) c->seed) : imps_random_new_system ();
}

static void
print_message (const Common *c, const gchar *name, const ImpsMikeyMessage *m, const gchar *kms,
               const gchar *requesttype)
{
  if (c->hex)
    cli_print_hex (name, m->body.raw, m->body.raw_len);
  else
    {
      g_autofree gchar *b64 = g_base64_encode (m->body.raw, m->body.raw_len);
      printf ("%s=%s\n", name, b64);
    }
  printf ("CSB_ID=%08x\n", m->hdr.csb_id);
  printf ("# POST it to http://%s/kms?requesttype=%s with Content-Type: application/mikey\n"
          "# (the body is the message's bytes); then give it back with --request and the\n"
          "# KMS's answer with --response.\n", kms, requesttype);
}

static void
print_key (const gchar *name, const ImpsMikeySessionKey *k)
{
  const gchar *tn = imps_mikey_key_type_name (k->type);
  printf ("%s_TYPE=%s\n", name, tn ? tn : "unknown");
  cli_print_hex (name, k->key, k->key_len);
  if (k->salt_len)
    {
      g_autofree gchar *n = g_strconcat (name, "_SALT", NULL);
      cli_print_hex (n, k->salt, k->salt_len);
    }
  if (k->spi_len)
    {
      g_autofree gchar *n = g_strconcat (name, "_SPI", NULL);
      cli_print_hex (n, k->spi, k->spi_len);
    }
}

static void
print_keys (const ImpsMikeyKeySet *set, const gchar *mpk1)
{
  if (set->n_mpks > 0)
    print_key ("MPKI", &set->mpks[0]);
  if (set->n_mpks > 1)
    print_key (mpk1, &set->mpks[1]);
  for (guint i = 0; i < set->n_keys; i++)
    {
      gchar name[16];
      g_snprintf (name, sizeof name, "KEY%u", i + 1);
      print_key (name, &set->keys[i]);
    }
}

/* A MIKEY Error as the answer: its codes, exit 1. FALSE when @resp is not
 * an Error. */
static gboolean
report_error (const gchar *cmd, GBytes *resp, gint *status)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (resp, &len);
  if (len < 2 || d[1] != IMPS_MIKEY_DATA_ERROR)
    return FALSE;
  guint8 errs[8];
  guint n = 0;
  gboolean auth = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_error_parse (d, len, NULL, errs, G_N_ELEMENTS (errs),
                                                           &n, &auth, &error);
  if (m == NULL)
    *status = cli_fail (cmd, "--response: a MIKEY Error that does not parse: %s", error->message);
  else
    {
      g_autoptr (GString) s = g_string_new (NULL);
      for (guint i = 0; i < n; i++)
        g_string_append_printf (s, "%sERR %u (%s)", i ? ", " : "", errs[i],
                                imps_mikey_err_no_name (errs[i]) ? imps_mikey_err_no_name (errs[i])
                                                                 : "unknown");
      *status = cli_fail (cmd, "the KMS refused: %s (its V not checked here)", s->str);
    }
  return TRUE;
}

#define CMD_REQ "tool ticket-request"

int
cli_tool_ticket_request (int argc, char **argv)
{
  g_auto (Common) c = { 0 };
  g_auto (GStrv) to = NULL;
  g_autofree gchar *from = NULL;
  gboolean forking = FALSE, suite_256 = FALSE;
  GOptionEntry entries[] = {
    COMMON_ENTRIES (c),
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "the initiator's identity (IDRi), e.g. sip:alice@home1.net", "URI" },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &to, "a responder the ticket is for (IDRr; repeatable)", "URI" },
    { "forking", 0, 0, G_OPTION_ARG_NONE, &forking, "ask for a ticket with key forking (flag I)", NULL },
    { "suite-256", 0, 0, G_OPTION_ARG_NONE, &suite_256,
      "the 256-bit suite (PRF HMAC-SHA-256, AES-256, HMAC-SHA-256-256) instead of the default", NULL },
    G_OPTION_ENTRY_NULL
  };
  guint8 psk[32];
  guint64 now = 0;
  gint status;

  if (!cli_parse_options (CMD_REQ, NULL,
                          "Builds the REQUEST_INIT_PSK that asks a KMS for a ticket on Ua\n"
                          "(RFC 6043 §5.3, profile §2), keyed by Ks_NAF, and prints it as\n"
                          "REQUEST_INIT_PSK=BASE64 (or hex) and CSB_ID=HEX. With --request and\n"
                          "--response it verifies the KMS's REQUEST_RESP instead and prints\n"
                          "the keys it carries: MPKI, MPKR and KEYn (TGK), each with its SPI.",
                          "Example:\n"
                          "  impsim tool ticket-request --btid 'B-TID' --ks-naf HEX --kms kms.home1.net \\\n"
                          "    --from sip:alice@home1.net --to sip:bob@home2.net\n"
                          "  impsim tool ticket-request --btid 'B-TID' --ks-naf HEX --kms kms.home1.net \\\n"
                          "    --from sip:alice@home1.net --to sip:bob@home2.net \\\n"
                          "    --request REQUEST_INIT_PSK --response KMS-ANSWER\n\n"
                          "Exit status: 0 built or verified, 1 the answer does not verify or\n"
                          "is a MIKEY Error, 2 bad arguments.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    return cli_usage_error (CMD_REQ, "unexpected argument '%s'", argv[1]);
  if (!common_check (CMD_REQ, &c, psk, &now, &status))
    {
      imps_wipe (psk, sizeof psk);
      return status;
    }
  if (from == NULL || from[0] == '\0')
    return imps_wipe (psk, sizeof psk), cli_usage_error (CMD_REQ, "--from is required (IDRi)");
  if (to == NULL || to[0] == NULL)
    return imps_wipe (psk, sizeof psk),
           cli_usage_error (CMD_REQ, "--to is required (at least one responder)");

  g_autoptr (GError) error = NULL;
  if (c.request)
    {
      g_autoptr (GBytes) req_b = message_arg (CMD_REQ, "--request", c.request, &status);
      g_autoptr (GBytes) resp_b = req_b ? message_arg (CMD_REQ, "--response", c.response, &status)
                                        : NULL;
      if (resp_b == NULL)
        return imps_wipe (psk, sizeof psk), status;
      gsize len;
      const guint8 *d = g_bytes_get_data (req_b, &len);
      g_autoptr (ImpsMikeyMessage) req = imps_mikey_message_parse (d, len, &error);
      if (req == NULL || req->hdr.data_type != IMPS_MIKEY_DATA_REQUEST_INIT_PSK)
        {
          imps_wipe (psk, sizeof psk);
          return cli_usage_error (CMD_REQ, "--request: not a REQUEST_INIT_PSK: %s",
                                  error ? error->message : "another data type");
        }
      if (report_error (CMD_REQ, resp_b, &status))
        return imps_wipe (psk, sizeof psk), status;
      d = g_bytes_get_data (resp_b, &len);
      g_autoptr (ImpsMikeyHeldTicket) held = imps_mikey_request_resp_process (
          req, d, len, psk, sizeof psk, now, IMPS_MIKEY_DEFAULT_SKEW_S, &error);
      imps_wipe (psk, sizeof psk);
      if (held == NULL)
        return cli_fail (CMD_REQ, "the REQUEST_RESP does not verify: %s", error->message);
      printf ("# REQUEST_RESP verified (V under Ks_NAF), KEMAC decrypted\n");
      print_keys (&held->keys, "MPKR");
      return CLI_EXIT_OK;
    }

  ImpsMikeyRequestParams p = { 0 };
  imps_mikey_suite_init (&p.suite, suite_256);
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, p.suite.prf, forking);
  for (guint i = 0; to[i]; i++)
    if (to[i][0] == '\0' || !imps_mikey_tp_add_responder (&tp, to[i]))
      return imps_wipe (psk, sizeof psk),
             cli_usage_error (CMD_REQ, "--to '%s': empty, or too many responders", to[i]);
  p.initiator_uri = from;
  p.kms_uri = c.kms;
  p.psk_id = (const guint8 *) c.btid;
  p.psk_id_len = strlen (c.btid);
  p.desired = &tp;
  g_autoptr (ImpsRandom) rnd = make_random (&c);
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_request_init_build (&p, psk, sizeof psk, now, rnd,
                                                                  &error);
  imps_wipe (psk, sizeof psk);
  if (m == NULL)
    return cli_usage_error (CMD_REQ, "REQUEST_INIT_PSK could not be built: %s", error->message);
  print_message (&c, "REQUEST_INIT_PSK", m, c.kms, "ticketrequest");
  return CLI_EXIT_OK;
}

#define CMD_RES "tool ticket-resolve"

int
cli_tool_ticket_resolve (int argc, char **argv)
{
  g_auto (Common) c = { 0 };
  g_autofree gchar *me = NULL, *transfer = NULL;
  GOptionEntry entries[] = {
    COMMON_ENTRIES (c),
    { "to", 0, 0, G_OPTION_ARG_STRING, &me, "the responder's own identity (IDRr), e.g. sip:bob@home2.net", "URI" },
    { "transfer-init", 0, 0, G_OPTION_ARG_STRING, &transfer,
      "the TRANSFER_INIT received (a=key-mgmt value, base64, hex or a file)", "MSG" },
    G_OPTION_ENTRY_NULL
  };
  guint8 psk[32];
  guint64 now = 0;
  gint status;

  if (!cli_parse_options (CMD_RES, NULL,
                          "Builds the RESOLVE_INIT_PSK with which a responder asks its KMS for\n"
                          "the keys of a received TRANSFER_INIT (RFC 6043 §5.3, profile §2),\n"
                          "keyed by Ks_NAF, and prints it as RESOLVE_INIT_PSK=BASE64 (or hex)\n"
                          "and CSB_ID=HEX. With --request and --response it verifies the KMS's\n"
                          "RESOLVE_RESP and the TRANSFER_INIT's MAC with it instead, and prints\n"
                          "the keys: MPKI, MPKR (MPKr' of a forked ticket) and KEYn (TGK).",
                          "Example:\n"
                          "  impsim tool ticket-resolve --btid 'B-TID' --ks-naf HEX --kms kms.home2.net \\\n"
                          "    --to sip:bob@home2.net --transfer-init 'mikey AQ4F...'\n\n"
                          "Exit status: 0 built or verified, 1 the answer does not verify or\n"
                          "is a MIKEY Error, 2 bad arguments.",
                          entries, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    return cli_usage_error (CMD_RES, "unexpected argument '%s'", argv[1]);
  if (!common_check (CMD_RES, &c, psk, &now, &status))
    {
      imps_wipe (psk, sizeof psk);
      return status;
    }
  if (me == NULL || me[0] == '\0')
    return imps_wipe (psk, sizeof psk), cli_usage_error (CMD_RES, "--to is required (IDRr)");
  if (transfer == NULL)
    return imps_wipe (psk, sizeof psk),
           cli_usage_error (CMD_RES, "--transfer-init is required (the TRANSFER_INIT received)");
  g_autoptr (GBytes) ti_b = message_arg (CMD_RES, "--transfer-init", transfer, &status);
  if (ti_b == NULL)
    return imps_wipe (psk, sizeof psk), status;
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *d = g_bytes_get_data (ti_b, &len);
  g_autoptr (ImpsMikeyMessage) ti = imps_mikey_message_parse (d, len, &error);
  if (ti == NULL || ti->hdr.data_type != IMPS_MIKEY_DATA_TRANSFER_INIT)
    {
      imps_wipe (psk, sizeof psk);
      return cli_usage_error (CMD_RES, "--transfer-init: not a TRANSFER_INIT: %s",
                              error ? error->message : "another data type");
    }

  if (c.request)
    {
      g_autoptr (GBytes) req_b = message_arg (CMD_RES, "--request", c.request, &status);
      g_autoptr (GBytes) resp_b = req_b ? message_arg (CMD_RES, "--response", c.response, &status)
                                        : NULL;
      if (resp_b == NULL)
        return imps_wipe (psk, sizeof psk), status;
      d = g_bytes_get_data (req_b, &len);
      g_autoptr (ImpsMikeyMessage) req = imps_mikey_message_parse (d, len, &error);
      if (req == NULL || req->hdr.data_type != IMPS_MIKEY_DATA_RESOLVE_INIT_PSK)
        {
          imps_wipe (psk, sizeof psk);
          return cli_usage_error (CMD_RES, "--request: not a RESOLVE_INIT_PSK: %s",
                                  error ? error->message : "another data type");
        }
      if (report_error (CMD_RES, resp_b, &status))
        return imps_wipe (psk, sizeof psk), status;
      d = g_bytes_get_data (resp_b, &len);
      g_autoptr (ImpsMikeyResolved) res = imps_mikey_resolve_resp_process (
          req, d, len, psk, sizeof psk, ti, me, now, IMPS_MIKEY_DEFAULT_SKEW_S, NULL, &error);
      imps_wipe (psk, sizeof psk);
      if (res == NULL)
        return cli_fail (CMD_RES, "the RESOLVE_RESP does not verify: %s", error->message);
      printf ("# RESOLVE_RESP verified (V under Ks_NAF), KEMAC decrypted, TRANSFER_INIT's MAC "
              "verified%s\n", res->forked ? "; forked: MPKR is MPKr', KEYn the TGK'" : "");
      print_keys (&res->keys, "MPKR");
      return CLI_EXIT_OK;
    }

  ImpsMikeyResolveParams p = { me, c.kms, (const guint8 *) c.btid, strlen (c.btid) };
  g_autoptr (ImpsRandom) rnd = make_random (&c);
  g_autoptr (ImpsMikeyMessage) m = imps_mikey_resolve_init_build (ti, &p, psk, sizeof psk, now,
                                                                  rnd, &error);
  imps_wipe (psk, sizeof psk);
  if (m == NULL)
    return cli_usage_error (CMD_RES, "RESOLVE_INIT_PSK could not be built: %s", error->message);
  print_message (&c, "RESOLVE_INIT_PSK", m, c.kms, "ticketresolve");
  return CLI_EXIT_OK;
}
