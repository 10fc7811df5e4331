/* Reading the key log (profile §8) back: the SRTP lines, for tools that
 * decrypt a capture (impsim tool srtp-decrypt), and the KMS_TPK lines, for
 * opening tickets (impsim decode --keylog). Other lines are skipped; a
 * line of the kind read that does not parse is an error naming its line
 * number and the field. Keys are held in wiped memory (imps_key_log_srtp_list_free()
 * wipes them). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IMPS_KEY_LOG_READ_ERROR (imps_key_log_read_error_quark ())
GQuark imps_key_log_read_error_quark (void);

typedef enum {
  IMPS_KEY_LOG_READ_ERROR_MALFORMED, /* an SRTP or KMS_TPK line that does not parse */
  IMPS_KEY_LOG_READ_ERROR_TOO_LARGE, /* over IMPS_KEY_LOG_READ_MAX_* */
} ImpsKeyLogReadError;

#define IMPS_KEY_LOG_READ_MAX_BYTES (64 * 1024 * 1024)
#define IMPS_KEY_LOG_READ_MAX_LINE 4096
/* Master key || salt of the largest suite (AES_256_CM: 32 + 14). */
#define IMPS_KEY_LOG_MAX_KEY_SALT 46

/* One SRTP line: the sender's address and port, the receiver's, the SSRC,
 * the suite as named in SDP and the master key || salt. */
typedef struct {
  guint line;                 /* from 1 */
  guint32 src, dst;           /* IPv4, host order */
  guint16 sport, dport;
  guint32 ssrc;
  gchar *suite;
  guint8 key_salt[IMPS_KEY_LOG_MAX_KEY_SALT];
  gsize key_salt_len;
} ImpsKeyLogSrtp;

/* The SRTP lines of the key log text (@len bytes; need not end in a
 * newline): a new array of ImpsKeyLogSrtp *, NULL with @error. The suite
 * name is checked only for its characters (letters, digits, '_'); the
 * key's length is checked against the suite by the user. */
GPtrArray *imps_key_log_read_srtp (const gchar *text, gsize len, GError **error);

#define IMPS_KEY_LOG_MIN_TPK 16
#define IMPS_KEY_LOG_MAX_TPK 64

/* One KMS_TPK line: a KMS's Ticket Protection Key and its index. */
typedef struct {
  guint line;                 /* from 1 */
  gchar *kms;                 /* the KMS's name, e.g. kms.home1.net */
  guint32 index;              /* the TPK index a ticket's THDR names, 1 or more */
  guint8 key[IMPS_KEY_LOG_MAX_TPK];
  gsize key_len;              /* 16 to 64 */
} ImpsKeyLogTpk;

/* The KMS_TPK lines of the key log text, in the order written: a new
 * array of ImpsKeyLogTpk *, NULL with @error. Keys are wiped when the
 * array is freed. */
GPtrArray *imps_key_log_read_tpk (const gchar *text, gsize len, GError **error);

G_END_DECLS
