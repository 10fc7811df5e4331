/* Attack steps: the change each attack makes to a SIP message, the script
 * checks on `attack =`, and for every attack scenario of the library that
 * its refusals are the attack's doing: the same file with the attack step
 * removed must fail every verdict of the attacked call. */
#include "imps-test.h"
#include "imps-attack.h"
#include "imps-script.h"
#include "mikey/imps-mikey-message.h"
#include "mikey/imps-mikey-ticket.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

static const gchar *impsim_path;
static const gchar *scenarios;
static gchar *tmpdir;

#define SDP                                                                                   \
  "v=0\r\no=- 1 1 IN IP4 127.1.1.1\r\ns=-\r\nc=IN IP4 127.1.1.1\r\nt=0 0\r\n"                 \
  "m=audio 4000 RTP/SAVP 0\r\n"

static GBytes *
invite (const gchar *attrs)
{
  g_autofree gchar *body = g_strconcat (SDP, attrs, NULL);
  gchar *msg = g_strdup_printf ("INVITE sip:bob@home1.net SIP/2.0\r\n"
                                "Call-ID: 1@127.1.1.1\r\n"
                                "Content-Type: application/sdp\r\n"
                                "Content-Length: %zu\r\n\r\n%s",
                                strlen (body), body);
  return g_bytes_new_take (msg, strlen (msg));
}

/* The message as text (it is NUL-free) and its Content-Length checked. */
static gchar *
text_checked (GBytes *b)
{
  gsize len = 0;
  const gchar *p = g_bytes_get_data (b, &len);
  gchar *t = g_strndup (p, len);
  const gchar *cl = strstr (t, "Content-Length: ");
  const gchar *body = strstr (t, "\r\n\r\n");
  g_assert_nonnull (cl);
  g_assert_nonnull (body);
  g_assert_cmpuint (g_ascii_strtoull (cl + 16, NULL, 10), ==, strlen (body + 4));
  return t;
}

static ImpsAttackSpec *
spec (const gchar *args)
{
  g_auto (GStrv) argv = g_strsplit (args, " ", -1);
  g_autoptr (GError) error = NULL;
  ImpsAttackSpec *s = imps_attack_spec_parse ((gint) g_strv_length (argv), argv, &error);
  g_assert_no_error (error);
  return s;
}

static void
test_strip (void)
{
  g_autoptr (ImpsAttackSpec) km = spec ("strip a=key-mgmt at pcscf.home1.net");
  g_autoptr (ImpsAttackSpec) cr = spec ("strip a=crypto at pcscf.home1.net");
  g_autoptr (ImpsAttackSpec) all = spec ("strip security at PCSCF.home1.net");
  g_autoptr (GBytes) in = invite ("a=key-mgmt:mikey AQID\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                                  "inline:AAAA\r\na=rtpmap:0 PCMU/8000\r\n");
  g_autofree gchar *note = NULL;

  g_assert_cmpstr (all->node, ==, "pcscf.home1.net");
  g_autoptr (GBytes) a = imps_attack_apply (km, in, NULL, NULL, &note);
  g_autofree gchar *at = text_checked (a);
  g_assert_null (strstr (at, "a=key-mgmt"));
  g_assert_nonnull (strstr (at, "a=crypto:1"));
  g_assert_nonnull (strstr (at, "a=rtpmap:0 PCMU/8000\r\n"));
  g_assert_cmpstr (note, ==, "attack: stripped 1 a=key-mgmt line from the SDP of the INVITE");
  g_clear_pointer (&note, g_free);

  g_autoptr (GBytes) b = imps_attack_apply (cr, in, NULL, NULL, &note);
  g_autofree gchar *bt = text_checked (b);
  g_assert_null (strstr (bt, "a=crypto"));
  g_assert_nonnull (strstr (bt, "a=key-mgmt:mikey AQID\r\n"));
  g_clear_pointer (&note, g_free);

  g_autoptr (GBytes) c = imps_attack_apply (all, in, NULL, NULL, &note);
  g_autofree gchar *ct = text_checked (c);
  g_assert_null (strstr (ct, "a=crypto"));
  g_assert_null (strstr (ct, "a=key-mgmt"));
  g_assert_null (strstr (ct, "RTP/SAVP"));
  g_assert_nonnull (strstr (ct, "m=audio 4000 RTP/AVP 0\r\n"));
  g_assert_nonnull (strstr (note, "made its RTP/SAVP RTP/AVP"));
  g_clear_pointer (&note, g_free);

  /* Nothing to strip: the message goes unchanged, with no note. */
  g_autoptr (GBytes) plain = invite ("a=rtpmap:0 PCMU/8000\r\n");
  g_assert_null (imps_attack_apply (km, plain, NULL, NULL, &note));
  g_assert_null (note);
  g_autoptr (GBytes) junk = g_bytes_new_static ("no empty line", 13);
  g_assert_null (imps_attack_apply (km, junk, NULL, NULL, &note));
}

static void
test_replay (void)
{
  g_autoptr (ImpsAttackSpec) rp = spec ("replay TRANSFER_INIT at scscf.home1.net");
  g_autoptr (GBytes) first = invite ("a=key-mgmt:mikey AQID\r\n");
  g_autoptr (GBytes) second = invite ("a=key-mgmt:mikey BAUGBwgJ\r\n");
  g_autofree gchar *note = NULL, *rec = NULL;

  /* The first INVITE is recorded, not changed. */
  g_assert_null (imps_attack_apply (rp, first, NULL, &rec, &note));
  g_assert_cmpstr (rec, ==, "a=key-mgmt:mikey AQID");
  g_assert_nonnull (strstr (note, "recorded"));
  g_clear_pointer (&note, g_free);
  /* The same one again (forwarded once more) is left alone. */
  g_autofree gchar *rec2 = NULL;
  g_assert_null (imps_attack_apply (rp, first, rec, &rec2, &note));
  g_assert_null (rec2);
  /* A later INVITE carries the recorded TRANSFER_INIT instead of its own. */
  g_autoptr (GBytes) out = imps_attack_apply (rp, second, rec, NULL, &note);
  g_autofree gchar *t = text_checked (out);
  g_assert_nonnull (strstr (t, "a=key-mgmt:mikey AQID\r\n"));
  g_assert_null (strstr (t, "BAUGBwgJ"));
  g_assert_nonnull (strstr (note, "replayed"));
}

static void
test_steal (void)
{
  g_autoptr (ImpsAttackSpec) st = spec ("steal TRANSFER_INIT at scscf.home1.net for carol");
  g_autoptr (GBytes) in = invite ("a=key-mgmt:mikey AQID\r\n");
  g_autofree gchar *note = NULL, *rec = NULL, *what = imps_attack_spec_describe (st);
  g_assert_cmpstr (st->device, ==, "carol");
  g_autoptr (ImpsAttackSpec) fg = spec ("forge IDRr=sip:bob@home1.net by carol");
  g_autofree gchar *fw = imps_attack_spec_describe (fg);
  g_assert_cmpstr (fw, ==, "forge IDRr=sip:bob@home1.net by carol");
  g_assert_null (fg->node);
  g_autoptr (ImpsAttackSpec) sr = spec ("replay SRTP to bob.tablet");
  g_autofree gchar *sw = imps_attack_spec_describe (sr);
  g_assert_cmpstr (sw, ==, "replay SRTP to bob.tablet");
  g_assert_true (sr->kind == IMPS_ATTACK_MEDIA && sr->field == IMPS_ATTACK_FIELD_SRTP_REPLAY);
  g_autoptr (ImpsAttackSpec) si = spec ("inject SRTP to bob");
  g_assert_true (si->kind == IMPS_ATTACK_MEDIA && si->field == IMPS_ATTACK_FIELD_SRTP_FORGED);
  g_assert_null (imps_attack_apply (si, in, NULL, NULL, &note));
  g_assert_null (imps_attack_apply (fg, in, NULL, NULL, &note));
  g_assert_null (note);
  g_assert_cmpstr (what, ==, "steal TRANSFER_INIT at scscf.home1.net for carol");
  g_autoptr (ImpsAttackSpec) rq = spec ("replay REQUEST_INIT of alice by mallory");
  g_autofree gchar *rw = imps_attack_spec_describe (rq);
  g_assert_cmpstr (rw, ==, "replay REQUEST_INIT of alice by mallory");
  g_assert_true (rq->kind == IMPS_ATTACK_REPLAY && rq->field == IMPS_ATTACK_FIELD_REQUEST_INIT);
  g_assert_null (rq->node);
  g_autoptr (ImpsAttackSpec) dm = spec ("decrypt media of bob.phone by bob.tablet");
  g_autofree gchar *dmw = imps_attack_spec_describe (dm);
  g_assert_cmpstr (dmw, ==, "decrypt media of bob.phone by bob.tablet");
  g_assert_true (dm->kind == IMPS_ATTACK_DECRYPT && dm->node == NULL);
  g_assert_null (imps_attack_apply (dm, in, NULL, NULL, &note));
  g_assert_null (note);
  g_autoptr (ImpsAttackSpec) rl = spec ("relay transfer_init at SCSCF.h.net to KMS.h.net as "
                                        "KMS.rogue.net");
  g_autofree gchar *rlw = imps_attack_spec_describe (rl);
  g_assert_cmpstr (rlw, ==, "relay TRANSFER_INIT at scscf.h.net to kms.h.net as kms.rogue.net");
  g_autofree gchar *rlnote = NULL, *rlrec = NULL;
  /* copied for the rogue, never changed */
  g_assert_null (imps_attack_apply (rl, in, NULL, &rlrec, &rlnote));
  g_assert_cmpstr (rlrec, ==, "a=key-mgmt:mikey AQID");
  g_assert_cmpstr (rlnote, ==, "attack: copied the TRANSFER_INIT of the INVITE for kms.rogue.net");
  g_assert_cmpstr (rq->victim, ==, "alice");
  g_assert_cmpstr (rq->device, ==, "mallory");
  /* it acts on Ua, never on SIP */
  g_assert_null (imps_attack_apply (rq, in, NULL, &rec, &note));
  g_assert_null (rec);
  g_assert_null (note);
  /* Copied, never changed. */
  g_assert_null (imps_attack_apply (st, in, NULL, &rec, &note));
  g_assert_cmpstr (rec, ==, "a=key-mgmt:mikey AQID");
  g_assert_cmpstr (note, ==, "attack: copied the TRANSFER_INIT of the INVITE for carol");
}

/* forge IDRi=URI in TRANSFER_INIT: the device's TRANSFER_INIT only, no
 * SIP message is changed on the way. */
static void
test_forge_in_transfer (void)
{
  g_autoptr (ImpsAttackSpec) f = spec ("forge IDRi=sip:alice@home1.net in TRANSFER_INIT by mallory");
  g_autoptr (ImpsAttackSpec) k = spec ("forge IDRi=sip:alice@home1.net by mallory");
  g_autofree gchar *what = imps_attack_spec_describe (f);
  g_autofree gchar *note = NULL;
  g_autoptr (GBytes) in = invite ("a=key-mgmt:mikey AQID\r\n");
  g_assert_true (f->kind == IMPS_ATTACK_FORGE && f->field == IMPS_ATTACK_FIELD_IDRI);
  g_assert_true (f->in_transfer);
  g_assert_false (k->in_transfer);
  g_assert_cmpstr (f->device, ==, "mallory");
  g_assert_cmpstr (f->identity, ==, "sip:alice@home1.net");
  g_assert_cmpstr (what, ==, "forge IDRi=sip:alice@home1.net in TRANSFER_INIT by mallory");
  g_assert_null (imps_attack_apply (f, in, NULL, NULL, &note));
  g_assert_null (note);
}

static void
test_tamper (void)
{
  g_autoptr (ImpsAttackSpec) mac = spec ("tamper mac at pcscf.home1.net");
  g_autofree gchar *note = NULL;
  /* Not a MIKEY message: nothing is changed. */
  g_autoptr (GBytes) bad = invite ("a=key-mgmt:mikey AQID\r\n");
  g_assert_null (imps_attack_apply (mac, bad, NULL, NULL, &note));
  g_assert_null (note);
  /* the ticket's policy fields, by name */
  g_autoptr (ImpsAttackSpec) flags = spec ("tamper FLAGS at pcscf.home1.net");
  g_autoptr (ImpsAttackSpec) tre = spec ("tamper tre at scscf.home1.net");
  g_assert_true (flags->kind == IMPS_ATTACK_TAMPER && flags->field == IMPS_ATTACK_FIELD_FLAGS);
  g_assert_true (tre->kind == IMPS_ATTACK_TAMPER && tre->field == IMPS_ATTACK_FIELD_TRE);
  g_autofree gchar *fw = imps_attack_spec_describe (flags);
  g_assert_cmpstr (fw, ==, "tamper flags at pcscf.home1.net");
  g_assert_null (imps_attack_apply (tre, bad, NULL, NULL, &note));
  g_assert_null (note);
}

/* The TICKET payload's policy of the TRANSFER_INIT in an INVITE. */
static ImpsMikeyMessage *
invite_ticket (GBytes *msg, ImpsMikeyTp *tp)
{
  gsize len = 0;
  const gchar *p = g_bytes_get_data (msg, &len);
  g_autofree gchar *t = g_strndup (p, len);
  const gchar *line = strstr (t, "a=key-mgmt:mikey ");
  g_assert_nonnull (line);
  line += strlen ("a=key-mgmt:mikey ");
  g_autofree gchar *b64 = g_strndup (line, strcspn (line, "\r\n"));
  gsize dlen = 0;
  g_autofree guint8 *data = g_base64_decode (b64, &dlen);
  g_autoptr (GError) error = NULL;
  ImpsMikeyMessage *m = imps_mikey_message_parse (data, dlen, &error);
  g_assert_no_error (error);
  const ImpsMikeyPayload *ticket = imps_mikey_message_find (m, IMPS_MIKEY_PAYLOAD_TICKET);
  g_assert_nonnull (ticket);
  g_assert_true (imps_mikey_tp_read (&ticket->u.ticket, tp, &error));
  return m;
}

/* tamper flags and tre on a real INVITE (the fuzz seed of a run): the J
 * flag alone flips, TRe alone moves one day later, nothing else changes
 * in the policy. */
static void
test_tamper_policy (void)
{
  g_autofree gchar *seed = g_build_filename (scenarios, "..", "fuzz", "scenario", "corpus",
                                             "attack", "invite-ticket-tre.txt", NULL);
  g_autofree gchar *raw = NULL;
  gsize raw_len = 0;
  g_assert_true (g_file_get_contents (seed, &raw, &raw_len, NULL));
  g_autoptr (GBytes) in = g_bytes_new (raw + 1, raw_len - 1);   /* the seed's attack byte */
  ImpsMikeyTp before, after;
  g_autoptr (ImpsMikeyMessage) m0 = invite_ticket (in, &before);
  g_assert_nonnull (m0);
  g_assert_cmpuint (before.valid_to, !=, 0);

  g_autoptr (ImpsAttackSpec) flags = spec ("tamper flags at pcscf.home1.net");
  g_autofree gchar *note = NULL;
  g_autoptr (GBytes) f = imps_attack_apply (flags, in, NULL, NULL, &note);
  g_assert_nonnull (f);
  g_autofree gchar *ft = text_checked (f);
  g_assert_nonnull (strstr (ft, "a=key-mgmt:mikey "));
  g_assert_nonnull (strstr (note, "changed the ticket's J flag (TICKET policy)"));
  g_autoptr (ImpsMikeyMessage) m1 = invite_ticket (f, &after);
  g_assert_nonnull (m1);
  g_assert_cmphex (after.flags ^ before.flags, ==, IMPS_MIKEY_TICKET_FLAG_J);
  g_assert_cmpuint (after.valid_to, ==, before.valid_to);
  g_assert_cmpuint (after.valid_from, ==, before.valid_from);
  g_clear_pointer (&note, g_free);

  g_autoptr (ImpsAttackSpec) tre = spec ("tamper tre at pcscf.home1.net");
  g_autoptr (GBytes) t = imps_attack_apply (tre, in, NULL, NULL, &note);
  g_assert_nonnull (t);
  g_autofree gchar *tt = text_checked (t);
  g_assert_nonnull (strstr (tt, "a=key-mgmt:mikey "));
  g_assert_nonnull (strstr (note, "86400 s later"));
  g_autoptr (ImpsMikeyMessage) m2 = invite_ticket (t, &after);
  g_assert_nonnull (m2);
  g_assert_cmpuint (after.valid_to, ==, before.valid_to + ((guint64) 86400 << 32));
  g_assert_cmpuint (after.valid_from, ==, before.valid_from);
  g_assert_cmphex (after.flags, ==, before.flags);
}

static void
test_parse_errors (void)
{
  static const struct {
    const gchar *args;
    const gchar *error;
  } cases[] = {
    { "strip a=key-mgmt pcscf.home1.net", "usage: attack = strip" },
    { "strip a=foo at pcscf.home1.net", "strip 'a=foo': not one of a=key-mgmt, a=crypto, security" },
    { "tamper hdr at pcscf.home1.net", "not one of mac, ticket, idri, idrr, t, flags, tre" },
    { "sniff mac at pcscf.home1.net", "unknown attack 'sniff'" },
    { "steal TRANSFER_INIT at scscf.home1.net", "usage: attack = " },
    { "forge IDRx=sip:b@h.net by carol", "usage: attack = forge" },
    { "inject SRTP at bob", "usage: attack = inject SRTP to DEVICE" },
    { "forge IDRi= by carol", "usage: attack = forge" },
    { "forge IDRi=sip:b@h.net at carol", "usage: attack = forge" },
    { "steal TRANSFER_INIT at scscf.home1.net by carol", "usage: attack = " },
    { "forge IDRr=sip:b@h.net in TRANSFER_INIT by carol", "usage: attack = forge" },
    { "forge IDRi=sip:b@h.net in TICKET by carol", "usage: attack = forge" },
    { "forge IDRi=sip:b@h.net in TRANSFER_INIT at carol", "usage: attack = forge" },
    { "replay REQUEST_INIT of alice at mallory", "usage: attack = replay REQUEST_INIT of DEVICE" },
    { "replay REQUEST_INIT by mallory", "usage: attack = replay REQUEST_INIT of DEVICE" },
    { "replay REQUEST_INIT at kms.h.net", "usage: attack = replay REQUEST_INIT of DEVICE" },
    { "relay TRANSFER_INIT at scscf.h.net to kms.h.net", "usage: attack = relay TRANSFER_INIT" },
    { "decrypt media of bob", "usage: attack = decrypt media of DEVICE by DEVICE" },
    { "decrypt keys of bob by carol", "usage: attack = decrypt media" },
    { "decrypt media of bob at carol", "usage: attack = decrypt media" },
    { "relay TICKET at scscf.h.net to kms.h.net as kms.x.net", "usage: attack = relay" },
    { "relay TRANSFER_INIT at scscf.h.net for kms.h.net as kms.x.net", "usage: attack = relay" },
    { "relay TRANSFER_INIT at scscf.h.net to kms.h.net as rogue",
      "relay: the rogue KMS 'rogue' is not a host name" },
    { "relay TRANSFER_INIT at scscf.h.net to kms.h.net as kms..x.net",
      "relay: the rogue KMS 'kms..x.net' is not a host name" },
    { "relay TRANSFER_INIT at scscf.h.net to kms.h.net as kms/x.net",
      "relay: the rogue KMS 'kms/x.net' is not a host name" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GStrv) argv = g_strsplit (cases[i].args, " ", -1);
      g_autoptr (GError) error = NULL;
      g_assert_null (imps_attack_spec_parse ((gint) g_strv_length (argv), argv, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].error) == NULL)
        g_error ("'%s': got '%s'", cases[i].args, error->message);
    }
}

/* ---- whole runs ---- */


static void
run (ImpsTestRun *r, const gchar *path)
{
  const gchar *args[] = { "run", "--quiet", path, NULL };
  imps_test_run_argv (r, impsim_path, args);
  g_assert_cmpint (r->status, >=, 0);
}

#define NET                                                                                   \
  "[scenario]\nseed = 1\n[operator h]\nnumber = 1\ndomain = h.net\n"                          \
  "[subscriber a]\noperator = h\nimpi = a@h.net\nimpu = sip:a@h.net\n"                        \
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\nopc = cd63cb71954a9f4e48a5994e37a02baf\n"           \
  "[subscriber b]\noperator = h\nimpi = b@h.net\nimpu = sip:b@h.net\n"                        \
  "k = fec86ba6eb707ed08905757b1bb44b8f\nopc = 1006020f0a478bf6b699f15c062e42b3\n"

static void
test_checks (void)
{
  static const struct {
    const gchar *script;
    const gchar *error;
  } cases[] = {
    { "register = a\nattack = strip a=crypto at kms.h.net\ncall = a b\n",
      "[script] attack: no P-CSCF or S-CSCF 'kms.h.net' in this network" },
    { "register = a\nattack = strip a=crypto at pcscf.g.net\ncall = a b\n",
      "[script] attack: no P-CSCF or S-CSCF 'pcscf.g.net'" },
    { "register = a\nattack = strip a=crypto at pcscf.h.net\nexpect = ok\ncall = a b\n",
      "[script] expect: an expect right after an attack" },
    { "register = a\ncall = a b\nattack = tamper mac at scscf.h.net\n",
      "[script] attack: no call after this attack" },
    { "register = a\nattack = steal TRANSFER_INIT at scscf.h.net for zed\ncall = a b\n",
      "[script] attack: no device 'zed' (a subscriber NAME or NAME.DEVICE: a, b)" },
    { "register = a\nattack = forge IDRi=bob by a\ncall = a b\n",
      "[script] attack: forge: 'bob' is not an identity to claim" },
    { "register = a\nattack = forge IDRi=sip:b@h.net by zed\ncall = a b\n",
      "[script] attack: no device 'zed'" },
    { "register = a\nattack = replay SRTP to zed\ncall = a b\n",
      "[script] attack: no device 'zed'" },
    { "register = a\ncall = a b\nexpect = media-rejected zed replays\n",
      "[script] expect: no device 'zed'" },
    { "register = a\ncall = a b\nexpect = answered-by zed\n",
      "[script] expect: no device 'zed'" },
    { "register = a\ncall = a b\nexpect = media-rejected b replay\n",
      "[script] expect: usage: expect = " },
    { "register = a\nattack = tamper hdr at scscf.h.net\ncall = a b\n",
      "[script] attack: tamper 'hdr': not one of" },
    { "register = a\nattack = replay REQUEST_INIT of zed by a\ncall = a b\n",
      "[script] attack: no device 'zed'" },
    { "register = a\nattack = replay REQUEST_INIT of a by zed\ncall = a b\n",
      "[script] attack: no device 'zed'" },
    { "register = a\nattack = decrypt media of a by a\ncall = a b\n",
      "[script] attack: decrypt: a is both the device attacked and the rogue" },
    { "register = a\nattack = decrypt media of zed by a\ncall = a b\n",
      "[script] attack: no device 'zed'" },
    { "register = a\nattack = decrypt media of a by zed\ncall = a b\n",
      "[script] attack: no device 'zed'" },
    { "register = a\nattack = relay TRANSFER_INIT at scscf.h.net to kms.g.net as kms.x.net\n"
      "call = a b\n", "[script] attack: relay: no KMS 'kms.g.net' in this network" },
    { "register = a\nattack = relay TRANSFER_INIT at scscf.h.net to bsf.h.net as kms.x.net\n"
      "call = a b\n", "[script] attack: relay: no KMS 'bsf.h.net' in this network" },
    { "register = a\nattack = relay TRANSFER_INIT at kms.h.net to kms.h.net as kms.x.net\n"
      "call = a b\n", "[script] attack: no P-CSCF or S-CSCF 'kms.h.net'" },
    { "register = a\nattack = replay REQUEST_INIT of a by b\nexpect = ok\ncall = a b\n",
      "[script] expect: an expect right after an attack" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = g_strconcat (NET, "[script]\n", cases[i].script, NULL);
      g_autofree gchar *path = g_build_filename (tmpdir, "check.scn", NULL);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      g_auto (ImpsTestRun) r;
      run (&r, path);
      g_assert_cmpint (r.status, ==, 2);
      if (strstr (r.err, cases[i].error) == NULL)
        g_error ("case %u: got '%s'", i, r.err);
    }
}

/* answered-by names the device that answered, and fails for another. */
static void
test_answered_by (void)
{
  g_autofree gchar *path = g_build_filename (scenarios, "ticket-three-operators.scn", NULL);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "expect = answered-by bob\n"));
  g_autoptr (GString) wrong = g_string_new (text);
  g_string_replace (wrong, "expect = answered-by bob\n", "expect = answered-by carol\n", 1);
  g_autofree gchar *wpath = g_build_filename (tmpdir, "answered.scn", NULL);
  g_assert_true (g_file_set_contents (wpath, wrong->str, -1, NULL));
  g_auto (ImpsTestRun) r;
  run (&r, wpath);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "expect answered-by carol: call "));
  g_assert_nonnull (strstr (r.out, " was answered by bob, not carol"));
}

/* "N passed, N failed, N skipped" */
static guint
count_failed (const gchar *out)
{
  const gchar *p = strstr (out, " passed, ");
  g_assert_nonnull (p);
  return (guint) g_ascii_strtoull (p + 9, NULL, 10);
}

/* Each attack scenario passes as written; with its attack steps removed,
 * every expect of the attacked call (the file's last call) fails: that call
 * now succeeds. */
static void
test_counterfactual (void)
{
  g_autoptr (GDir) d = g_dir_open (scenarios, 0, NULL);
  const gchar *name;
  guint n = 0;
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    {
      if (!g_str_has_prefix (name, "attack-") || !g_str_has_suffix (name, ".scn"))
        continue;
      g_autofree gchar *path = g_build_filename (scenarios, name, NULL);
      g_autofree gchar *text = NULL;
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_auto (ImpsTestRun) with;
      run (&with, path);
      if (with.status != 0)
        g_error ("%s: exit %d:\n%s%s", name, with.status, with.out, with.err);

      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      g_autoptr (GString) without = g_string_new (NULL);
      guint after = 0;
      gboolean seen = FALSE;
      for (guint i = 0; lines[i]; i++)
        {
          if (g_str_has_prefix (lines[i], "attack ="))
            {
              seen = TRUE;
              g_string_append (without, "# attack removed\n");
              continue;
            }
          /* the attacked call is the file's last call (a replay's attack
           * also spans the call it records, whose verdicts stay) */
          if (g_str_has_prefix (lines[i], "call ="))
            after = 0;
          after += seen && g_str_has_prefix (lines[i], "expect =");
          g_string_append_printf (without, "%s\n", lines[i]);
        }
      g_assert_true (seen);
      g_assert_cmpuint (after, >, 0);
      g_autofree gchar *wpath = g_build_filename (tmpdir, name, NULL);
      g_assert_true (g_file_set_contents (wpath, without->str, -1, NULL));
      g_auto (ImpsTestRun) wo;
      run (&wo, wpath);
      g_assert_cmpint (wo.status, ==, 1);
      if (count_failed (wo.out) != after)
        g_error ("%s without its attack: %u verdicts failed, expected the %u after the attack:\n%s",
                 name, count_failed (wo.out), after, wo.out);
      n++;
    }
  g_assert_cmpuint (n, >=, 13);
}

/* decrypt media: the attack can succeed, so its refusals say something.
 * With key forking off every fork shares one TGK and the rogue's keys open
 * the answering device's media; with it on, not one packet. */
static void
test_decrypt_without_forking (void)
{
  g_autofree gchar *path = g_build_filename (scenarios, "attack-fork-keys.scn", NULL);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "forking = true\n"));
  g_autoptr (GString) off = g_string_new (text);
  g_string_replace (off, "forking = true\n", "forking = false\n", 1);
  g_autofree gchar *opath = g_build_filename (tmpdir, "fork-keys-off.scn", NULL);
  g_assert_true (g_file_set_contents (opath, off->str, -1, NULL));

  /* the notes unwrapped, from the JSON report */
  g_autofree gchar *on_json = g_build_filename (tmpdir, "fork-keys-on.json", NULL);
  g_autofree gchar *on_opt = g_strconcat ("--json=", on_json, NULL);
  const gchar *on_args[] = { "run", "--quiet", on_opt, path, NULL };
  g_auto (ImpsTestRun) on;
  g_autofree gchar *on_text = NULL;
  imps_test_run_argv (&on, impsim_path, on_args);
  g_assert_cmpint (on.status, ==, 0);
  g_assert_true (g_file_get_contents (on_json, &on_text, NULL, NULL));
  g_assert_nonnull (strstr (on_text, "SRTP packets of bob: 0 decrypted, "));
  g_assert_null (strstr (on_text, "bob.tablet decrypted a packet"));

  g_autofree gchar *off_json = g_build_filename (tmpdir, "fork-keys-off.json", NULL);
  g_autofree gchar *off_opt = g_strconcat ("--json=", off_json, NULL);
  const gchar *off_args[] = { "run", "--quiet", off_opt, opath, NULL };
  g_auto (ImpsTestRun) r;
  g_autofree gchar *off_text = NULL;
  imps_test_run_argv (&r, impsim_path, off_args);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL  line 53: expect forks-differ"));
  g_assert_nonnull (strstr (r.out, "FAIL  line 58: expect refusal bob.tablet"));
  g_assert_nonnull (strstr (r.out, "FAIL  line 59: expect refusal bob.tablet"));
  g_assert_true (g_file_get_contents (off_json, &off_text, NULL, NULL));
  g_assert_nonnull (strstr (off_text, "bob.tablet decrypted a packet of the media of bob"));
  g_assert_nonnull (strstr (off_text, " decrypted, 0 failed authentication"));
}

/* replay REQUEST_INIT with a ticket already held: no request crosses Ua,
 * the refusals do not come and the rogue says why. */
static void
test_replay_request_nothing (void)
{
  g_autofree gchar *path = g_build_filename (scenarios, "attack-replay-request-init.scn", NULL);
  g_autofree gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_autoptr (GString) held = g_string_new (text);
  g_assert_cmpuint (g_string_replace (held, "attack = replay REQUEST_INIT",
                                      "call = alice bob security=mikey-ticket media=1s\n"
                                      "hangup = alice\nattack = replay REQUEST_INIT", 1), ==, 1);
  g_autofree gchar *hpath = g_build_filename (tmpdir, "replay-held.scn", NULL);
  g_assert_true (g_file_set_contents (hpath, held->str, -1, NULL));
  g_autofree gchar *json = g_build_filename (tmpdir, "replay-held.json", NULL);
  g_autofree gchar *opt = g_strconcat ("--json=", json, NULL);
  const gchar *args[] = { "run", "--quiet", opt, hpath, NULL };
  g_auto (ImpsTestRun) r;
  g_autofree gchar *report = NULL;
  imps_test_run_argv (&r, impsim_path, args);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpuint (count_failed (r.out), ==, 2);
  g_assert_true (g_file_get_contents (json, &report, NULL, NULL));
  g_assert_nonnull (strstr (report, "attack: alice sent no ticket request during the call"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-attack PATH-TO-IMPSIM SCENARIO-DIR");
  impsim_path = argv[1];
  scenarios = argv[2];
  tmpdir = g_dir_make_tmp ("impsim-attack-XXXXXX", NULL);
  g_test_add_func ("/attack/strip", test_strip);
  g_test_add_func ("/attack/replay", test_replay);
  g_test_add_func ("/attack/steal", test_steal);
  g_test_add_func ("/attack/tamper", test_tamper);
  g_test_add_func ("/attack/tamper-policy", test_tamper_policy);
  g_test_add_func ("/attack/forge-in-transfer", test_forge_in_transfer);
  g_test_add_func ("/attack/parse-errors", test_parse_errors);
  g_test_add_func ("/attack/checks", test_checks);
  g_test_add_func ("/attack/counterfactual", test_counterfactual);
  g_test_add_func ("/attack/answered-by", test_answered_by);
  g_test_add_func ("/attack/decrypt-without-forking", test_decrypt_without_forking);
  g_test_add_func ("/attack/replay-request-nothing", test_replay_request_nothing);
  int rc = g_test_run ();
  g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
  const gchar *n;
  while (d && (n = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (tmpdir, n, NULL);
      g_unlink (p);
    }
  g_rmdir (tmpdir);
  return rc;
}
