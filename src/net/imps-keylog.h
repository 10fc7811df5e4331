/* The key log (profile §8): one text line per key, for research and for
 * decrypting captures. Written only when the user asked for it: the caller
 * opens the FILE* or GOutputStream and hands it over; with no key log
 * (NULL) every function here does nothing, so callers need not check.
 *
 * Lines, space-separated, hex in lower case, an absent value written "-",
 * CS IDs in decimal:
 *
 *   GBA_KS <IMPI> <B-TID> <Ks hex>
 *   GBA_KS_NAF <B-TID> <NAF_Id hex> <Ks_NAF hex>
 *   MIKEY_MPK <CSB ID hex> <i|r|rf> <key hex>
 *   MIKEY_TGK <CSB ID hex> <SPI hex or -> <TGK hex>
 *   MIKEY_TEK <CSB ID hex> <CS ID> <RANDRi hex> <RANDRr hex or -> <TEK hex> <salt hex>
 *   SRTP <src ip:port> <dst ip:port> <SSRC hex> <suite name> <base64 master key||salt>
 *   KMS_TPK <KMS name> <TPK index, decimal> <TPK hex>
 *
 * Each line is assembled in one buffer that is wiped after the write, and
 * written whole (a line is never interleaved with another). The stream is
 * flushed after every line so that a crash loses nothing.
 */
#pragma once

#include <gio/gio.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct _ImpsKeyLog ImpsKeyLog;

/* @file is borrowed: the caller keeps it open while the key log lives and
 * closes it afterwards. */
ImpsKeyLog *imps_key_log_new_file (FILE *file);
/* @stream is reffed; it is not closed by imps_key_log_free(). */
ImpsKeyLog *imps_key_log_new_stream (GOutputStream *stream);
void imps_key_log_free (ImpsKeyLog *log);

/* Number of lines written, and the first write error (NULL when none):
 * a key log that cannot be written does not stop a run, but the run can
 * report it. */
guint64 imps_key_log_get_lines (ImpsKeyLog *log);
const GError *imps_key_log_get_error (ImpsKeyLog *log);

typedef enum {
  IMPS_KEY_LOG_MPK_INITIATOR,      /* "i": MPKi */
  IMPS_KEY_LOG_MPK_RESPONDER,      /* "r": MPKr */
  IMPS_KEY_LOG_MPK_FORKED,         /* "rf": MPKr' of one answering device */
} ImpsKeyLogMpkRole;

void imps_key_log_gba_ks (ImpsKeyLog *log, const gchar *impi, const gchar *btid,
                          const guint8 *ks, gsize ks_len);
void imps_key_log_gba_ks_naf (ImpsKeyLog *log, const gchar *btid,
                              const guint8 *naf_id, gsize naf_id_len,
                              const guint8 *ks_naf, gsize ks_naf_len);
/* A static PSK provisioned for @user instead of GBA (profile §2). */
void imps_key_log_static_psk (ImpsKeyLog *log, const gchar *key_id, const gchar *user,
                              const guint8 *key, gsize key_len);
/* @csb_id: the CSB ID of the TRANSFER_INIT. */
void imps_key_log_mikey_mpk (ImpsKeyLog *log, guint32 csb_id, ImpsKeyLogMpkRole role,
                             const guint8 *key, gsize key_len);
/* @spi NULL (or @spi_len 0): written as "-". */
void imps_key_log_mikey_tgk (ImpsKeyLog *log, guint32 csb_id,
                             const guint8 *spi, gsize spi_len,
                             const guint8 *tgk, gsize tgk_len);
/* @randrr NULL (or @randrr_len 0): written as "-". */
void imps_key_log_mikey_tek (ImpsKeyLog *log, guint32 csb_id, guint cs_id,
                             const guint8 *randri, gsize randri_len,
                             const guint8 *randrr, gsize randrr_len,
                             const guint8 *tek, gsize tek_len,
                             const guint8 *salt, gsize salt_len);
/* @src and @dst: "ip:port" as written in the pcap; @suite: e.g.
 * "AES_CM_128_HMAC_SHA1_80". The last field is base64(master key || salt). */
void imps_key_log_srtp (ImpsKeyLog *log, const gchar *src, const gchar *dst,
                        guint32 ssrc, const gchar *suite,
                        const guint8 *master_key, gsize key_len,
                        const guint8 *master_salt, gsize salt_len);

/* A KMS's Ticket Protection Key: every TPK the KMS holds when the key log
 * is attached, then each new one when it is made. */
void imps_key_log_kms_tpk (ImpsKeyLog *log, const gchar *kms, guint32 index,
                           const guint8 *tpk, gsize tpk_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsKeyLog, imps_key_log_free)

G_END_DECLS
