/* The UE's SIP user agent and call state (profile §6), with the media
 * security of each call (profile §3, §5; mikey-ticket.md §13) and the media
 * endpoint of imps-ue-media.h.
 *
 * An ImpsUeSip attaches to the SIP bus at the UE's address, port 5060 by
 * default. It registers with an outbound proxy (the P-CSCF) when one is
 * configured, places calls (to the outbound proxy, or straight to another
 * UE's contact when a target address is given) and answers calls: 100, then
 * 180 and, after the ring time on the virtual clock, 200 with the SDP
 * answer; or a configured rejection status. The caller starts its media
 * with the 200, the callee with the ACK (so no SRTP reaches a caller that
 * has no keys yet). Dialog state follows RFC 3261
 * §12 through core/sip (Call-ID, tags, CSeq, Via branches, Route from
 * Record-Route). An INVITE without a final answer after Timer B (64*T1 =
 * 32 s, stopped by a provisional answer) ends with 408. A registration is
 * refreshed at half the expiry the registrar granted. Re-INVITE is not
 * supported (501). Calls stay in the agent, readable, until the agent is
 * freed; IMPS_UE_SIP_MEDIA_LINGER_US after its end a call's media endpoint
 * closes (its ports go back to the bus, its SRTP sessions are freed, its
 * statistics stay) and its SDP and MIKEY messages and resolved keys are
 * freed; IMPS_UE_SIP_TIMER_B_US later its INVITE and dialog too. What the
 * getters below read stays.
 *
 * Security per call:
 *   NONE          m=audio RTP/AVP, plain RTP.
 *   SDES_E2E      RTP/SAVP with a=crypto (imps_sdes_offer/answer/negotiate).
 *   SDES_E2AE     the same plus a=3ge2ae:requested in the offer; the answer
 *                 comes from the P-CSCF's IMS-ALG, which the UE treats as the
 *                 peer (profile §5).
 *   MIKEY_TICKET  the caller gets a ticket through the KMS interface below,
 *                 puts TRANSFER_INIT in a media-level a=key-mgmt:mikey with
 *                 the CS ID map of profile §3 (its SSRC in CS 1) and the SDP
 *                 IDs General Extension; the callee prechecks it, resolves
 *                 the ticket through its own KMS, and answers TRANSFER_RESP
 *                 in the 200's a=key-mgmt (its SSRC in CS 2). A refusal is
 *                 answered 488 with the reason in the event log.
 * The callee takes the security its offer asks for (a=key-mgmt: MIKEY;
 * a=crypto: SDES; RTP/AVP: none).
 *
 * Secrets: SDP with keys is wiped when freed; keys reach the key log only
 * (MIKEY_TEK, SRTP; profile §8).
 */
#pragma once

#include "imps-ue.h"
#include "imps-ue-media.h"
#include "imps-sip-bus.h"
#include "mikey/imps-mikey-exchange.h"
#include "sdp/imps-sdp.h"

G_BEGIN_DECLS

#define IMPS_UE_SIP_ERROR (imps_ue_sip_error_quark ())
GQuark imps_ue_sip_error_quark (void);

typedef enum {
  IMPS_UE_SIP_ERROR_PORT_TAKEN,  /* the SIP port is in use on the bus */
  IMPS_UE_SIP_ERROR_NO_ROUTE,    /* no target address and no outbound proxy */
  IMPS_UE_SIP_ERROR_NO_KMS,      /* MIKEY-TICKET asked for without a KMS interface */
  IMPS_UE_SIP_ERROR_INVALID,     /* a bad argument (URI) */
} ImpsUeSipError;

#define IMPS_UE_SIP_PORT 5060
#define IMPS_UE_SIP_TIMER_B_US (32 * G_USEC_PER_SEC)  /* 64 * T1 */
#define IMPS_UE_SIP_MEDIA_PORT_BASE 40000
#define IMPS_UE_SIP_MIKEY_SKEW 300                     /* profile §3 */
/* The Expires of the UE's REGISTER (TS 24.229 §5.1.1.2.1); the registrar
 * may grant less. */
#define IMPS_UE_SIP_REGISTER_EXPIRES 600000
#define IMPS_UE_SIP_MEDIA_LINGER_US (1 * G_USEC_PER_SEC) /* end to closing the media */

/* How long after a successful REGISTER (µs) the UE registers again for a
 * registration of GRANTED seconds (TS 24.229 §5.1.1.4.1): 600 s before it
 * expires when it was for more than 1,200 s, else at half of it. */
gint64 imps_ue_sip_refresh_after_us (guint32 granted);

typedef enum {
  IMPS_UE_SECURITY_NONE,
  IMPS_UE_SECURITY_SDES_E2E,
  IMPS_UE_SECURITY_SDES_E2AE,
  IMPS_UE_SECURITY_MIKEY_TICKET,
} ImpsUeSecurity;

const gchar *imps_ue_security_name (ImpsUeSecurity security);

typedef enum {
  IMPS_UE_CALL_PREPARING,   /* caller: getting a ticket before the INVITE */
  IMPS_UE_CALL_CALLING,     /* INVITE sent / received, no provisional yet */
  IMPS_UE_CALL_PROCEEDING,  /* 100 */
  IMPS_UE_CALL_RINGING,     /* 180 */
  IMPS_UE_CALL_ESTABLISHED, /* 200 sent or received (media runs) */
  IMPS_UE_CALL_TERMINATED,  /* rejected, cancelled, failed or hung up */
} ImpsUeCallState;

const gchar *imps_ue_call_state_name (ImpsUeCallState state);

/* MIKEY-TICKET's KMS side, as an interface so that a test can supply a KMS
 * in memory and a node wires in the UE's Ua client (imps-ue-ua.h). Both
 * are asynchronous; the callback gets @source NULL.
 * request_ticket_finish returns the held ticket, borrowed: it must stay
 * valid for the call (the Ua client's cache keeps it). resolve_finish
 * returns an owned ImpsMikeyResolved. */
typedef struct {
  void (*request_ticket_async) (gpointer kms, const ImpsMikeyTp *desired,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
  ImpsMikeyHeldTicket *(*request_ticket_finish) (gpointer kms, GAsyncResult *result,
                                                 GError **error);
  void (*resolve_async) (gpointer kms, const ImpsMikeyMessage *transfer_init,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data);
  ImpsMikeyResolved *(*resolve_finish) (gpointer kms, GAsyncResult *result, GError **error);
  /* May be NULL. The callee refused (488) the offer that carried @held: a
   * cached ticket is forgotten, so the next call asks the KMS for a new
   * one instead of offering the refused one again. TRUE when it was cached. */
  gboolean (*drop_ticket) (gpointer kms, ImpsMikeyHeldTicket *held);
  /* May be NULL. A call uses @held from request_ticket_finish until it
   * releases it (a second after its end), so that a cache can let a spent
   * ticket go once no call uses it. */
  void (*hold_ticket) (gpointer kms, ImpsMikeyHeldTicket *held);
  void (*release_ticket) (gpointer kms, ImpsMikeyHeldTicket *held);
  gpointer kms;
} ImpsUeSipKms;

/* The UE's Ua client (imps-ue-ua.h) as the KMS interface; @ua is borrowed
 * and must outlive the agent. Tickets come from its cache, which keeps
 * them until imps_ue_ua_forget_tickets() (do not call that during a call). */
struct _ImpsUeUa;
void imps_ue_sip_kms_for_ua (ImpsUeSipKms *kms, struct _ImpsUeUa *ua);

typedef struct {
  const gchar *impu;              /* "sip:alice@home1.net" */
  guint16 sip_port;               /* 0: 5060 */
  const gchar *proxy_address;     /* outbound proxy (P-CSCF), NULL: none */
  guint16 proxy_port;             /* 0: 5060 */
  gint64 ring_us;                 /* callee: 180 to 200 */
  gint64 resolve_delay_us;        /* callee: virtual time before it resolves a ticket (0: at
                                   * once); devices of one user staggered by it resolve one
                                   * after the other, so a seeded run repeats exactly */
  guint reject_status;            /* callee: 0 answers, else rejects (486, 603...) */
  gboolean mikey_suite_256;       /* the 256-bit MIKEY suite */
  gboolean mikey_forking;         /* ask for tickets with I = 1 (profile §3 forking) */
} ImpsUeSipConfig;

typedef struct _ImpsUeSip ImpsUeSip;
typedef struct _ImpsUeCall ImpsUeCall;

/* @ue and @bus are borrowed and must outlive the agent. The config is
 * copied. NULL with @error when the SIP port is taken. */
ImpsUeSip *imps_ue_sip_new (ImpsUe *ue, ImpsSipBus *bus, const ImpsUeSipConfig *config,
                            GError **error);
void imps_ue_sip_free (ImpsUeSip *sip);

/* @kms is copied; its kms pointer is borrowed. */
void imps_ue_sip_set_kms (ImpsUeSip *sip, const ImpsUeSipKms *kms);
/* Callee behaviour for the calls that come next. */
void imps_ue_sip_set_answer (ImpsUeSip *sip, gint64 ring_us, guint reject_status);

/* A group identity the user is a member of: the agent answers a
 * MIKEY-TICKET offer addressed to it (To and IDRr), as well as those to
 * its own IMPU. */
void imps_ue_sip_add_group (ImpsUeSip *sip, const gchar *identity);
/* Another public identity of the user (its implicit registration set,
 * e.g. a tel: number): the agent answers a MIKEY-TICKET offer whose IDRr
 * names it, as one that names its own IMPU; the KMS checks on resolve that
 * the identity is the user's. */
void imps_ue_sip_add_identity (ImpsUeSip *sip, const gchar *identity);

/* The next MIKEY-TICKET call uses @held (borrowed: it must outlive that
 * call) instead of asking the KMS or its cache, whatever its policy: an
 * expired or used single-use ticket is for the callee and its KMS to
 * refuse. NULL: ask as usual. */
void imps_ue_sip_set_next_ticket (ImpsUeSip *sip, ImpsMikeyHeldTicket *held);

/* A rogue caller for scenario attacks: the TRANSFER_INITs it sends name
 * @uri as IDRi (their MAC computed over it, so they verify), while its
 * ticket names its own identity; NULL names its IMPU again. */
void imps_ue_sip_set_claimed_initiator (ImpsUeSip *sip, const gchar *uri);

/* Every call's state changes (for runners and tests). */
typedef void (*ImpsUeCallFunc) (ImpsUeSip *sip, ImpsUeCall *call, gpointer user_data);
void imps_ue_sip_set_call_callback (ImpsUeSip *sip, ImpsUeCallFunc func, gpointer user_data);
/* Called each time the agent adds a call to its list (imps_ue_sip_get_call()),
 * before the call has its Call-ID: for an index of the calls that looks at
 * the agents that have new ones only. Independent of the call callback. */
typedef void (*ImpsUeNewCallFunc) (ImpsUeSip *sip, gpointer user_data);
void imps_ue_sip_set_new_call_func (ImpsUeSip *sip, ImpsUeNewCallFunc func, gpointer user_data);

/* Called just before the agent frees a released call (imps_ue_call_release()),
 * with its place in the list (imps_ue_sip_get_call()); the calls after it
 * then move down by one. */
typedef void (*ImpsUeCallGoneFunc) (ImpsUeSip *sip, ImpsUeCall *call, guint index,
                                    gpointer user_data);
void imps_ue_sip_set_call_gone_func (ImpsUeSip *sip, ImpsUeCallGoneFunc func,
                                     gpointer user_data);

/* A hook on every SDP this agent sends (offer or answer), before it is
 * written: for tests that play a man in the middle. */
typedef void (*ImpsUeSdpHook) (ImpsUeSip *sip, ImpsSdp *sdp, gboolean is_offer,
                               gpointer user_data);
void imps_ue_sip_set_sdp_hook (ImpsUeSip *sip, ImpsUeSdpHook hook, gpointer user_data);

/* REGISTER with the outbound proxy (Contact: the UE's address). */
gboolean imps_ue_sip_register (ImpsUeSip *sip, GError **error);
gboolean imps_ue_sip_is_registered (ImpsUeSip *sip);
/* Called with the status of every final answer to a REGISTER (the agent's
 * state, imps_ue_sip_is_registered(), is already updated), so that a
 * runner waits for the answer instead of polling. NULL removes it. */
typedef void (*ImpsUeRegisterFunc) (ImpsUeSip *sip, guint status, gpointer user_data);
void imps_ue_sip_set_register_callback (ImpsUeSip *sip, ImpsUeRegisterFunc func,
                                        gpointer user_data);

/* The media ports of its calls: RTP at even ports from @first, RTCP at
 * the next, none above @last; after @last they start at @first again.
 * FALSE (nothing changed) when @first is odd or the range holds no pair.
 * The default is IMPS_UE_SIP_MEDIA_PORT_BASE to 65535. */
gboolean imps_ue_sip_set_media_ports (ImpsUeSip *sip, guint16 first, guint16 last);

/* Places a call to @to_uri. @target_address/@target_port: where the
 * INVITE goes (another UE's contact); NULL: the outbound proxy. The call is
 * owned by the agent and stays readable after it ends (until it is
 * released and forgotten: imps_ue_call_release()). */
ImpsUeCall *imps_ue_sip_call (ImpsUeSip *sip, const gchar *to_uri, ImpsUeSecurity security,
                              const gchar *target_address, guint16 target_port,
                              GError **error);

/* Calls, in the order they began (incoming and outgoing). */
guint imps_ue_sip_n_calls (ImpsUeSip *sip);
ImpsUeCall *imps_ue_sip_get_call (ImpsUeSip *sip, guint index);

/* Ends a call: BYE when established, CANCEL when the caller has no final
 * answer yet (the call ends with the 487, or with ACK and BYE when a 200
 * crossed the CANCEL), 603 Decline when the callee has not answered. */
void imps_ue_call_hangup (ImpsUeCall *call);

/* Whoever reads the call is done with it: the agent frees it once it is
 * forgotten (IMPS_UE_SIP_TIMER_B_US after its media closed) and no KMS
 * answer for it is still to come, the gone callback told first; a call
 * that never ends stays. Until then it stays readable and listed. Without
 * a release a call stays until the agent is freed. */
void imps_ue_call_release (ImpsUeCall *call);

/* How many of its set-up objects a call still holds (for tests of what a
 * finished call keeps): the SDP offer and answer, the TRANSFER_INIT and the
 * keys its KMS resolved (freed IMPS_UE_SIP_MEDIA_LINGER_US after the end,
 * with the media endpoint), the INVITE and the dialog (IMPS_UE_SIP_TIMER_B_US
 * after that). */
guint imps_ue_call_count_setup_objects (ImpsUeCall *call);
gboolean imps_ue_call_is_caller (ImpsUeCall *call);
ImpsUeCallState imps_ue_call_get_state (ImpsUeCall *call);
ImpsUeSecurity imps_ue_call_get_security (ImpsUeCall *call);
/* The final status of the INVITE (sent or received); 0 before one. */
guint imps_ue_call_get_status (ImpsUeCall *call);
/* Why the call failed or ended (NULL while fine). */
const gchar *imps_ue_call_get_reason (ImpsUeCall *call);
const gchar *imps_ue_call_get_call_id (ImpsUeCall *call);
/* The media endpoint (NULL before the SDP was made). */
ImpsUeMedia *imps_ue_call_get_media (ImpsUeCall *call);
/* MIKEY: the CSB ID of the TRANSFER_INIT (0 for other calls). */
guint32 imps_ue_call_get_csb_id (ImpsUeCall *call);
/* SHA-256 over the call's MIKEY media keys (key ‖ salt of every crypto
 * session), a fingerprint that is not a secret; FALSE before the keys
 * exist (and for SDES or plain calls). Two forks of one call must differ. */
gboolean imps_ue_call_get_key_fingerprint (ImpsUeCall *call, guint8 out[32]);
/* SHA-256 over the TGK the call's MIKEY-TICKET keys derive from: a fork's
 * own TGK' when the ticket allows forking (I=1), the caller's TGK when it
 * does not; FALSE before the keys exist. Forks share it exactly when their
 * keys are not forked. */
gboolean imps_ue_call_get_tgk_fingerprint (ImpsUeCall *call, guint8 out[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsUeSip, imps_ue_sip_free)

G_END_DECLS
