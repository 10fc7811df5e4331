/* The raw outside UE of the serve tests (outside-ue.c). */
#pragma once

#include <gio/gio.h>
#include <srtp2/srtp.h>

#include "imps-pcap.h"

G_BEGIN_DECLS

typedef struct {
  GSocket *sip;
  GSocketAddress *pcscf;
  guint16 sip_port;
  GSocket *rtp;
  guint16 rtp_port;
  guint cseq;
  GDataInputStream *out;   /* serve's stdout */
  const gchar *domain;     /* carol's: carol@DOMAIN, sip:DOMAIN */
  const gchar *password;   /* her SIP Digest password */
  gchar *last_bye;         /* the last BYE she answered, and her answer (a retransmission */
  gchar *last_bye_ok;      /* of it, late under load, gets the same answer again) */
} OuUe;

typedef struct {
  srtp_t tx;
  srtp_t rx;
  guint32 ssrc;
  guint16 seq;
  guint32 counter;
  guint received_ok;     /* from the far end, authenticated and as sent */
  guint received_auth;   /* authenticated (any payload) */
  guint refused;         /* did not unprotect */
} OuSrtp;

GSocket *ou_udp_socket (guint16 *port);
void ou_send_text (OuUe *ue, const gchar *text);
gchar *ou_receive_text (OuUe *ue, gboolean provisional_too);
gchar *ou_header (const gchar *msg, const gchar *name);
gchar *ou_header_lines (const gchar *msg, const gchar *name);
const gchar *ou_body (const gchar *msg);
void ou_sdp_read (const gchar *sdp, gchar addr[64], guint16 *port, guint8 key[30], guint *tag);
gchar *ou_sdp_offer (OuUe *ue, const guint8 key[30], guint tag, gboolean e2ae);
gchar *ou_register_text (OuUe *ue, const gchar *auth);
void ou_ue_register (OuUe *ue);
void ou_srtp_pair (OuSrtp *s, const guint8 tx_key[30], const guint8 rx_key[30]);
void ou_srtp_pair_clear (OuSrtp *s);
void ou_rtp_send (OuUe *ue, OuSrtp *s, GSocketAddress *to);
void ou_rtp_drain (OuUe *ue, OuSrtp *s);
void ou_media_run (OuUe *ue, OuSrtp *s, const gchar *addr, guint16 port, guint n);
/* Frees what @ue holds (sockets, the P-CSCF's address, the last BYE). */
void ou_clear (OuUe *ue);

/* Takes the BYE of call @call_id, answers it 200 and remembers both (a
 * retransmission of the BYE gets the same answer again). */
void ou_answer_bye (OuUe *ue, const gchar *call_id);
gboolean ou_report_numbers (GPtrArray *lines, const gchar *prefix, const gchar *call_id,
                            const gchar *label, guint64 *value);
void ou_die_with_parent (gpointer data);

/* UDP packets of @cap from @src:@sport (0: any) to @dst:@dport (0: any)
 * whose payload starts with @prefix (NULL: any). */
guint ou_count_udp (const ImpsPcapCapture *cap, const gchar *src, guint16 sport,
                    const gchar *dst, guint16 dport, const gchar *prefix);
GPtrArray *ou_serve_stop (GPid pid, GDataInputStream *in);

G_END_DECLS
