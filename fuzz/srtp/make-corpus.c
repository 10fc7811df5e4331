/* Writes the seed corpus of fuzz-srtp-unprotect.c: packets protected by a
 * sender with the fuzz target's fixed keys, each prefixed with the selector
 * byte that makes the target's receiver match them. Not part of the build;
 * run by hand when the selector layout changes:
 *
 *   cc -Isrc/core -Isrc/core/common $(pkg-config --cflags glib-2.0) \
 *      fuzz/srtp/make-corpus.c src/core/srtp/imps-srtp.c src/core/srtp/imps-srtp-crypto.c \
 *      src/core/common/imps-*.c \
 *      $(pkg-config --libs glib-2.0 libcrypto libsrtp2) -o /tmp/make-corpus
 *   /tmp/make-corpus fuzz/srtp/corpus/srtp-unprotect
 */
#include "srtp/imps-srtp.h"

#include "imps-bytes.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#define FUZZ_SSRC 0x11223344u

static const guint mki_lens[4] = { 0, 1, 2, 4 };

static ImpsSrtpSession *
make_sender (guint8 selector, guint key)
{
  ImpsSrtpConfig cfg;
  ImpsSrtpMasterKey keys[2];
  guint8 k[2][IMPS_SRTP_MAX_KEY_SALT_LEN];
  g_autoptr (GError) error = NULL;

  imps_srtp_config_init (&cfg, IMPS_SRTP_SENDER);
  cfg.suite = (ImpsSrtpSuite) (selector & 3);
  cfg.mki_len = mki_lens[(selector >> 2) & 3];
  gsize n = imps_srtp_suite_key_len (cfg.suite) + imps_srtp_suite_salt_len (cfg.suite);
  for (guint i = 0; i < 2; i++)
    {
      for (gsize j = 0; j < n; j++)
        k[i][j] = (guint8) (0x40 + 16 * i + j);
      keys[i].key_salt = k[i];
      keys[i].key_salt_len = n;
      keys[i].mki = i + 1;
    }
  ImpsSrtpSession *s = imps_srtp_session_new (&cfg, keys, cfg.mki_len ? 2 : 1, &error);
  g_assert_no_error (error);
  if (cfg.mki_len)
    g_assert_true (imps_srtp_session_set_active_key (s, key, NULL));
  return s;
}

static void
write_seed (const gchar *dir, const gchar *name, guint8 selector,
            const guint8 *pkt, gsize len)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_byte_array_append (b, &selector, 1);
  g_byte_array_append (b, pkt, (guint) len);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (path, (const gchar *) b->data, b->len, &error))
    g_error ("%s", error->message);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s CORPUS_DIR\n", argv[0]);
      return 2;
    }
  for (guint suite = 0; suite < IMPS_SRTP_N_SUITES; suite++)
    for (guint m = 0; m < 4; m += 1)
      {
        if (m == 1 || (m == 3 && suite != 0))
          continue;   /* MKI 0, 2 for every suite; 4 for the first */
        guint8 selector = (guint8) (suite | (m << 2) | 0x10);
        guint key = m ? 1 : 0;
        g_autoptr (ImpsSrtpSession) tx = make_sender (selector, key);
        guint8 buf[400];
        gsize len, out;
        const gchar *sname = imps_srtp_suite_name ((ImpsSrtpSuite) suite);

        /* RTP: 12-byte header, PT 0, 160 bytes of PCMU (docs/profile.md §7). */
        memset (buf, 0, sizeof buf);
        buf[0] = 0x80;
        imps_store_u16 (buf + 2, 1);
        imps_store_u32 (buf + 4, 160);
        imps_store_u32 (buf + 8, FUZZ_SSRC);
        for (guint i = 0; i < 160; i++)
          buf[12 + i] = (guint8) (0xff - (i & 0x7f));
        len = 172;
        g_assert_true (imps_srtp_session_protect_rtp (tx, buf, len, sizeof buf, &out, NULL));
        g_autofree gchar *n1 = g_strdup_printf ("rtp-%s-mki%u", sname, mki_lens[m]);
        write_seed (argv[1], n1, selector, buf, out);

        /* RTP with 2 CSRCs, a header extension and padding. */
        memset (buf, 0, sizeof buf);
        buf[0] = 0xb2;   /* V=2 P=1 X=1 CC=2 */
        buf[1] = 0x80;   /* marker */
        imps_store_u16 (buf + 2, 2);
        imps_store_u32 (buf + 8, FUZZ_SSRC);
        imps_store_u32 (buf + 12, 0xaaaa0001);
        imps_store_u32 (buf + 16, 0xaaaa0002);
        imps_store_u16 (buf + 20, 0xbede);
        imps_store_u16 (buf + 22, 1);
        buf[24] = 0x10;
        buf[25] = 0x7f;
        len = 28 + 20;
        buf[len - 1] = 4;   /* padding count */
        g_assert_true (imps_srtp_session_protect_rtp (tx, buf, len, sizeof buf, &out, NULL));
        g_autofree gchar *n2 = g_strdup_printf ("rtp-ext-%s-mki%u", sname, mki_lens[m]);
        write_seed (argv[1], n2, selector, buf, out);

        /* SRTCP: a sender report with one report block. */
        memset (buf, 0, sizeof buf);
        buf[0] = 0x81;
        buf[1] = 200;
        imps_store_u16 (buf + 2, 12);
        imps_store_u32 (buf + 4, FUZZ_SSRC);
        for (guint i = 8; i < 52; i++)
          buf[i] = (guint8) i;
        len = 52;
        g_assert_true (imps_srtp_session_protect_rtcp (tx, buf, len, sizeof buf, &out, NULL));
        g_autofree gchar *n3 = g_strdup_printf ("rtcp-%s-mki%u", sname, mki_lens[m]);
        write_seed (argv[1], n3, selector, buf, out);
      }
  return 0;
}
