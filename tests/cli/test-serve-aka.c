/* IMS AKA on Gm (RFC 3310 AKAv1-MD5) as a raw SIP client sees it over
 * loopback UDP, computing RES and AUTS with the project's Milenage as a
 * USIM would:
 *
 *   1. carol (an outside device slot with a password) asks for AKA with an
 *      empty Authorization naming algorithm=AKAv1-MD5: 401 with nonce =
 *      base64(RAND || AUTN) of a vector from the HSS, AUTN verifies with
 *      carol's K and OPc, the response made with RES as the password gets
 *      200 from the S-CSCF;
 *   2. a wrong RES gets 403;
 *   3. dave (AKA keys, no password) sends no credentials and gets an AKA
 *      challenge, not MD5; his USIM is ahead of the HSS, so he answers with
 *      AUTS: the P-CSCF has the HSS resynchronise and challenges again with
 *      an SQN above the USIM's, which verifies and registers;
 *   4. dave again through an outside P-CSCF on the S-CSCF's Mw socket: the
 *      S-CSCF asks the HSS for a vector and checks RES itself (200).
 *
 * serve's report counts the challenges, the verified REGISTERs and the
 * refusal. */
#include "imps-test.h"
#include "outside-ue.h"
#include "aka/imps-aka.h"
#include "digest/imps-digest.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static const gchar *impsim_path;

static const gchar scenario_text[] =
  "[scenario]\n"
  "name = outside-aka\n"
  "description = carol and dave register from outside with IMS AKA\n"
  "seed = 7\n"
  "start = 2026-01-01T08:00:00Z\n"
  "\n"
  "[operator lab]\n"
  "number = 6\n"
  "domain = lab6.net\n"
  "\n"
  "[subscriber carol]\n"
  "operator = lab\n"
  "impi = carol@lab6.net\n"
  "impu = sip:carol@lab6.net\n"
  "k = 9e5944aea94b81165c82fbf9f32db751\n"
  "opc = a64a507ae1a2a98bb88eb4210135dc87\n"
  "password = carol pass\n"
  "\n"
  "[subscriber dave]\n"
  "operator = lab\n"
  "impi = dave@lab6.net\n"
  "impu = sip:dave@lab6.net\n"
  "k = 465b5ce8b199b49faa5f0a2ee238a6bc\n"
  "opc = cd63cb71954a9f4e48a5994e37a02baf\n";

typedef struct {
  const gchar *user;      /* carol, dave */
  guint8 k[16];
  guint8 opc[16];
  GSocket *sip;
  guint16 sip_port;
  GSocketAddress *pcscf;
  guint cseq;
  gboolean path;          /* a proxy's Path (RFC 3327), for the S-CSCF's Mw */
} Ue;

static gchar *
exchange (Ue *ue, const gchar *auth)
{
  ue->cseq++;
  g_autofree gchar *text = g_strdup_printf (
    "REGISTER sip:lab6.net SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKaka%u;rport\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:%s@lab6.net>;tag=a1\r\nTo: <sip:%s@lab6.net>\r\n"
    "Call-ID: %s-aka-reg\r\nCSeq: %u REGISTER\r\nContact: <sip:%s@127.0.0.1:%u>\r\n"
    "Expires: 600\r\n%s%s%s%sContent-Length: 0\r\n\r\n",
    ue->sip_port, ue->cseq, ue->user, ue->user, ue->user, ue->cseq, ue->user, ue->sip_port,
    ue->path ? "Path: <sip:127.0.0.1;lr>\r\n" : "",
    auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (g_socket_send_to (ue->sip, ue->pcscf, text, strlen (text), NULL, &error), ==,
                   (gssize) strlen (text));
  for (;;)
    {
      gchar buf[8192];
      gssize n = g_socket_receive (ue->sip, buf, sizeof buf - 1, NULL, &error);
      g_assert_no_error (error);
      buf[n] = '\0';
      if (!g_str_has_prefix (buf, "SIP/2.0 1"))
        return g_strdup (buf);
    }
}

/* The AKA challenge of a 401: RAND and AUTN. */
static ImpsDigestChallenge *
aka_challenge (const gchar *answer, ImpsDigestAkaNonce *nonce)
{
  g_assert_true (g_str_has_prefix (answer, "SIP/2.0 401 "));
  g_autofree gchar *www = ou_header (answer, "WWW-Authenticate");
  g_assert_nonnull (www);
  g_autoptr (GError) error = NULL;
  ImpsDigestChallenge *c = imps_digest_challenge_parse (www, strlen (www), &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->algorithm, ==, IMPS_DIGEST_ALGORITHM_AKAV1_MD5);
  g_assert_cmpstr (c->realm, ==, "lab6.net");
  g_assert_true (imps_digest_aka_nonce_parse (c->nonce, strlen (c->nonce), nonce, &error));
  g_assert_no_error (error);
  return c;
}

/* Authorization for @c signed with @password (RES, or "" with @auts). */
static gchar *
aka_answer (Ue *ue, const ImpsDigestChallenge *c, const guint8 *password, gsize password_len,
            const guint8 *auts)
{
  g_autofree gchar *impi = g_strdup_printf ("%s@lab6.net", ue->user);
  g_autoptr (ImpsDigestCredentials) cred = imps_digest_credentials_new_for (
      c, impi, "sip:lab6.net", "0a4f113b", 1);
  imps_digest_credentials_sign (cred, "REGISTER", password, password_len, NULL, 0);
  if (auts)
    cred->auts = imps_digest_aka_auts_encode (auts);
  g_autoptr (GError) error = NULL;
  gchar *value = imps_digest_credentials_build (cred, &error);
  g_assert_no_error (error);
  return value;
}

static void
test_aka (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("impsim-serve-aka-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *scn = g_build_filename (dir, "aka.scn", NULL);
  g_assert_true (g_file_set_contents (scn, scenario_text, -1, &error));

  const gchar *argv[] = { impsim_path, "serve", "--log", scn, NULL };
  GPid pid;
  gint out_fd;
  g_assert_true (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           ou_die_with_parent, NULL, &pid, NULL, &out_fd, NULL,
                                           &error));
  g_autoptr (GInputStream) raw = g_unix_input_stream_new (out_fd, TRUE);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  guint gm_port = 0, mw_port = 0;
  for (;;)
    {
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      guint port;
      if (sscanf (line, "P-CSCF Gm sip:127.0.6.40:%u (UDP and TCP", &port) == 1)
        gm_port = port;
      if (sscanf (line, "S-CSCF Mw sip:127.0.6.50:%u (UDP and TCP", &port) == 1)
        mw_port = port;
      if (g_str_has_prefix (line, "serving "))
        break;
    }
  g_assert_cmpuint (gm_port, >, 0);
  g_assert_cmpuint (mw_port, >, 0);
  g_autoptr (GInetAddress) pa = g_inet_address_new_from_string ("127.0.6.40");

  /* 1. carol asks for AKA */
  Ue carol = { .user = "carol" };
  imps_test_hex_into ("9e5944aea94b81165c82fbf9f32db751", carol.k, 16);
  imps_test_hex_into ("a64a507ae1a2a98bb88eb4210135dc87", carol.opc, 16);
  carol.sip = ou_udp_socket (&carol.sip_port);
  carol.pcscf = g_inet_socket_address_new (pa, (guint16) gm_port);
  g_autofree gchar *a1 = exchange (&carol, "Digest username=\"carol@lab6.net\", "
                                   "realm=\"lab6.net\", nonce=\"\", uri=\"sip:lab6.net\", "
                                   "response=\"\", algorithm=AKAv1-MD5");
  ImpsDigestAkaNonce nonce;
  g_autoptr (ImpsDigestChallenge) c1 = aka_challenge (a1, &nonce);
  g_assert_true (c1->qop_options & IMPS_DIGEST_QOP_AUTH);
  g_autoptr (ImpsMilenage) mc = imps_milenage_new (carol.k, carol.opc);
  g_autoptr (ImpsAkaSqnState) carol_usim = imps_aka_sqn_state_new (IMPS_AKA_IND_LEN_DEFAULT);
  ImpsAkaResult r;
  guint8 auts[14];
  g_assert_true (imps_aka_check_autn (mc, carol_usim, nonce.rand, nonce.autn, &r, auts, &error));
  g_assert_no_error (error);
  /* 2. a wrong RES: 403 */
  guint8 wrong[8];
  memcpy (wrong, r.res, 8);
  wrong[0] ^= 1;
  g_autofree gchar *bad = aka_answer (&carol, c1, wrong, 8, NULL);
  g_autofree gchar *a2 = exchange (&carol, bad);
  g_assert_true (g_str_has_prefix (a2, "SIP/2.0 403 "));
  /* the nonce is spent: RES on it is challenged again, then RES on the new one registers */
  g_autofree gchar *good = aka_answer (&carol, c1, r.res, 8, NULL);
  g_autofree gchar *a3 = exchange (&carol, good);
  ImpsDigestAkaNonce nonce2;
  g_autoptr (ImpsDigestChallenge) c2 = aka_challenge (a3, &nonce2);
  g_assert_false (memcmp (nonce2.rand, nonce.rand, 16) == 0);
  g_assert_true (imps_aka_check_autn (mc, carol_usim, nonce2.rand, nonce2.autn, &r, auts,
                                      &error));
  g_autofree gchar *good2 = aka_answer (&carol, c2, r.res, 8, NULL);
  g_autofree gchar *a4 = exchange (&carol, good2);
  g_assert_true (g_str_has_prefix (a4, "SIP/2.0 200 "));
  imps_aka_result_clear (&r);

  /* 3. dave: AKA without asking, and a resynchronisation */
  Ue dave = { .user = "dave" };
  imps_test_hex_into ("465b5ce8b199b49faa5f0a2ee238a6bc", dave.k, 16);
  imps_test_hex_into ("cd63cb71954a9f4e48a5994e37a02baf", dave.opc, 16);
  dave.sip = ou_udp_socket (&dave.sip_port);
  dave.pcscf = g_inet_socket_address_new (pa, (guint16) gm_port);
  g_autofree gchar *d1 = exchange (&dave, NULL);
  ImpsDigestAkaNonce dn;
  g_autoptr (ImpsDigestChallenge) dc1 = aka_challenge (d1, &dn);
  g_autoptr (ImpsMilenage) md = imps_milenage_new (dave.k, dave.opc);
  /* the USIM has seen SQNs far above the HSS's */
  g_autoptr (ImpsAkaSqnState) dave_usim = imps_aka_sqn_state_new (IMPS_AKA_IND_LEN_DEFAULT);
  guint8 sqn[6];
  {
    g_autoptr (ImpsAkaSqnState) probe = imps_aka_sqn_state_new (IMPS_AKA_IND_LEN_DEFAULT);
    g_assert_true (imps_aka_check_autn (md, probe, dn.rand, dn.autn, &r, auts, &error));
    guint64 hss_sqn = imps_aka_sqn_from_bytes (r.sqn);
    guint64 ahead = hss_sqn + (G_GUINT64_CONSTANT (1000) << IMPS_AKA_IND_LEN_DEFAULT);
    g_assert_true (imps_aka_sqn_state_accept (dave_usim, ahead, &error));
    g_assert_no_error (error);
    imps_aka_sqn_to_bytes (ahead, sqn);
    imps_aka_result_clear (&r);
  }
  g_assert_false (imps_aka_check_autn (md, dave_usim, dn.rand, dn.autn, &r, auts, &error));
  g_assert_error (error, IMPS_AKA_ERROR, IMPS_AKA_ERROR_SYNC_FAILURE);
  g_clear_error (&error);
  g_autofree gchar *resync = aka_answer (&dave, dc1, (const guint8 *) "", 0, auts);
  g_autofree gchar *d2 = exchange (&dave, resync);
  ImpsDigestAkaNonce dn2;
  g_autoptr (ImpsDigestChallenge) dc2 = aka_challenge (d2, &dn2);
  g_assert_true (imps_aka_check_autn (md, dave_usim, dn2.rand, dn2.autn, &r, auts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imps_aka_sqn_from_bytes (r.sqn), >, imps_aka_sqn_from_bytes (sqn));
  g_autofree gchar *dgood = aka_answer (&dave, dc2, r.res, 8, NULL);
  g_autofree gchar *d3 = exchange (&dave, dgood);
  g_assert_true (g_str_has_prefix (d3, "SIP/2.0 200 "));
  imps_aka_result_clear (&r);

  /* 4. dave again, through an outside P-CSCF on the S-CSCF's Mw (profile
   * §6.2): the S-CSCF asks the HSS for the vector (Cx MAR) and checks RES */
  Ue px = { .user = "dave", .cseq = 100, .path = TRUE };
  px.sip = ou_udp_socket (&px.sip_port);
  g_autoptr (GInetAddress) sa = g_inet_address_new_from_string ("127.0.6.50");
  px.pcscf = g_inet_socket_address_new (sa, (guint16) mw_port);
  g_autofree gchar *m1 = exchange (&px, NULL);
  ImpsDigestAkaNonce mn;
  g_autoptr (ImpsDigestChallenge) mc1 = aka_challenge (m1, &mn);
  g_assert_true (imps_aka_check_autn (md, dave_usim, mn.rand, mn.autn, &r, auts, &error));
  g_assert_no_error (error);
  g_autofree gchar *mgood = aka_answer (&px, mc1, r.res, 8, NULL);
  g_autofree gchar *m2 = exchange (&px, mgood);
  g_assert_true (g_str_has_prefix (m2, "SIP/2.0 200 "));
  imps_aka_result_clear (&r);
  g_object_unref (px.sip);
  g_object_unref (px.pcscf);

  g_autoptr (GPtrArray) lines = ou_serve_stop (pid, in);
  gboolean challenged = FALSE, verified = FALSE, resynced = FALSE, report = FALSE;
  gboolean mw_report = FALSE;
  for (guint i = 0; i < lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (lines, i);
      if (strstr (line, "AKA challenge for dave@lab6.net after resynchronisation"))
        resynced = TRUE;
      if (strstr (line, "AKA challenge for carol@lab6.net"))
        challenged = TRUE;
      if (strstr (line, "AKA verified") && strstr (line, "dave@lab6.net"))
        verified = TRUE;
      /* 5 challenges (carol 2, dave 2... and none MD5), 2 verified, one 403 */
      if (g_str_has_prefix (line, "report gm pcscf.lab6.net: ")
          && strstr (line, "401 4, 403 1,"))
        report = TRUE;
      if (g_str_has_prefix (line, "report mw scscf.lab6.net: ")
          && strstr (line, "401 1, 403 0,"))
        mw_report = TRUE;
    }
  g_assert_true (challenged);
  g_assert_true (resynced);
  g_assert_true (verified);
  g_assert_true (report);
  g_assert_true (mw_report);

  g_object_unref (carol.sip);
  g_object_unref (carol.pcscf);
  g_object_unref (dave.sip);
  g_object_unref (dave.pcscf);
  g_unlink (scn);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert (argc == 2);
  impsim_path = argv[1];
  g_test_add_func ("/serve/outside-aka", test_aka);
  return g_test_run ();
}
