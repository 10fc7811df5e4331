/* SRTP's AES-CM, AES-128-GCM and HMAC-SHA1 on OpenSSL, for libsrtp2 (see
 * imps-srtp-crypto.c). Private to src/core/srtp. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* After srtp_init(): replaces libsrtp2's AES-ICM-128, AES-ICM-256,
 * AES-GCM-128 and HMAC-SHA1 with these (libsrtp2 runs each one's known
 * answers first).
 * FALSE with libsrtp2's status in @status when one was refused. */
gboolean imps_srtp_crypto_install (int *status);

G_END_DECLS
