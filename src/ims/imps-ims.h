/* The simulated IMS core (profile §1, §5, §6, §9): an S-CSCF per operator
 * (registrar, parallel forking, Mw routing to other operators' S-CSCFs)
 * and a P-CSCF per operator (first hop on Gm, P-Asserted-Identity, and the
 * IMS-ALG with its IMS-AGW for e2ae SDES).
 *
 * Every node attaches to the SIP bus (src/net/imps-sip-bus.h) at its
 * address and talks to the others only through it: SIP as RFC 3261 bytes,
 * media as RTP/SRTP bytes. All timers (registration expiry, timer C) run on
 * the network's virtual clock.
 *
 * Ownership: a node borrows @net and @bus, which must outlive it. Strings
 * passed in are copied. Nodes hold SRTP keys only in the IMS-AGW's libsrtp
 * sessions (and, between offer and answer, in the ALG's pending SDES state,
 * which is wiped); nothing here logs a key.
 *
 * Protocol choices the specifications leave open are listed in the module's
 * report (docs/profile.md §11 "IMS core"), and named where they apply.
 */
#pragma once

#include <glib.h>

#include "imps-sip-bus.h"

G_BEGIN_DECLS

#define IMPS_IMS_ERROR (imps_ims_error_quark ())
GQuark imps_ims_error_quark (void);

typedef enum {
  IMPS_IMS_ERROR_ADDRESS,   /* an address does not parse, or is taken on the bus */
  IMPS_IMS_ERROR_CONFIG,    /* a configuration value is out of range */
  IMPS_IMS_ERROR_FRAMING,   /* a SIP stream on TCP that cannot be framed */
} ImpsImsError;

/* Default SIP port of every CSCF and UE (profile §9). */
#define IMPS_IMS_SIP_PORT 5060
/* Timer C of a forking proxy (RFC 3261 §16.6 item 11: > 3 minutes). */
#define IMPS_IMS_TIMER_C_US (181 * G_USEC_PER_SEC)
/* Registration expiry when the REGISTER names none (RFC 3261 §10.2.1.1). */
#define IMPS_IMS_DEFAULT_EXPIRES 3600
/* Longest registration the registrar grants by default (s): the UE's own
 * request of TS 24.229 §5.1.1.2.1, so a registrar that keeps the default
 * shortens none (imps_scscf_set_max_expires()). */
#define IMPS_IMS_MAX_EXPIRES 600000
/* Contacts one IMPU may register. */
#define IMPS_IMS_MAX_CONTACTS 16

/* What one node saw and held of a call's media keys (per Call-ID), for the
 * network observer. */
typedef struct {
  gboolean seen;              /* the node handled a message of this call */
  gboolean saw_sdes_keys;     /* an SDP it handled carried a=crypto (inline keys in clear) */
  gboolean saw_key_mgmt;      /* an SDP it handled carried a=key-mgmt (MIKEY: no keys in clear) */
  gboolean e2ae;              /* the IMS-ALG applied e2ae protection on this call */
  gboolean holds_media_keys;  /* the node (its IMS-AGW) holds SRTP master keys of the call */
} ImpsImsExposure;

/* ---- S-CSCF --------------------------------------------------------- */

typedef struct _ImpsScscf ImpsScscf;

/* An S-CSCF for @domain ("home1.net") at @address:@port (profile §9:
 * 127.0.<op>.50:5060). */
ImpsScscf *imps_scscf_new (ImpsNetwork *net, ImpsSipBus *bus, const gchar *domain,
                           const gchar *address, guint16 port, GError **error);
void imps_scscf_free (ImpsScscf *scscf);

/* Mw routing table: requests for users of @domain go to the S-CSCF at
 * @address:@port. A domain that is neither the S-CSCF's own nor in the
 * table gets 404. */
void imps_scscf_add_route (ImpsScscf *scscf, const gchar *domain, const gchar *address,
                           guint16 port);
/* Declares a subscriber: its public identities (sip: or tel: URIs) form one
 * implicit registration set, so a REGISTER of any of them binds them all and
 * a call to any of them reaches its devices; tel: URIs are found here first,
 * then in the ENUM table. Once one subscriber is declared, a request for an identity of the
 * S-CSCF's domain that no subscriber has gets 404 (unknown user) instead of
 * 480 (known, not registered). */
gboolean imps_scscf_add_subscriber (ImpsScscf *scscf, const gchar *const *impus, GError **error);
/* The lab's ENUM (RFC 6116): the telephone number @number ("tel:+15550101")
 * of another operator's subscriber translates into @sip_uri (its SIP
 * identity, or "sip:+15550101@home2.net;user=phone"). A tel: Request-URI
 * that is neither a subscriber's here nor in this table gets 404. */
gboolean imps_scscf_add_enum (ImpsScscf *scscf, const gchar *number, const gchar *sip_uri,
                              GError **error);
/* A group identity (not a subscriber's): a call to it forks to every
 * registered contact of every member, the caller's own contact left out.
 * A member of another domain (a sip: URI) gets one branch to its S-CSCF
 * through the Mw routing table (imps_scscf_add_route()), which forks on
 * to the member's devices. */
gboolean imps_scscf_add_group (ImpsScscf *scscf, const gchar *identity,
                               const gchar *const *members, GError **error);
/* Timer C (µs of virtual time); default IMPS_IMS_TIMER_C_US. */
void imps_scscf_set_timer_c (ImpsScscf *scscf, gint64 timer_c_us);
/* The longest registration the S-CSCF grants (s, > 0): a REGISTER asking
 * for more gets this (TS 24.229 §5.4.1.2.2: the registrar's policy);
 * default IMPS_IMS_MAX_EXPIRES. */
void imps_scscf_set_max_expires (ImpsScscf *scscf, guint32 seconds);

/* The registered contacts of @impu ("sip:bob@home1.net") that have not
 * expired, as URI strings in registration order (free the array). */
GPtrArray *imps_scscf_dup_contacts (ImpsScscf *scscf, const gchar *impu);
/* INVITE server transactions still held (for tests: all end). */
guint imps_scscf_n_transactions (ImpsScscf *scscf);

/* The S-CSCF restarts (it keeps no store): every registration, INVITE
 * transaction and fork is gone; its configuration (subscribers, groups,
 * ENUM, Mw routes) stays. Established calls are not touched: their
 * in-dialog requests follow the Route set of their dialog. What it saw of
 * the calls before (imps_scscf_call_exposure()) stays too: a restart does
 * not unsee keys. */
void imps_scscf_restart (ImpsScscf *scscf);
/* Exposure facts of the call with @call_id; FALSE (and zeros) when the
 * S-CSCF never saw it. */
gboolean imps_scscf_call_exposure (ImpsScscf *scscf, const gchar *call_id,
                                   ImpsImsExposure *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsScscf, imps_scscf_free)

/* ---- P-CSCF with IMS-ALG and IMS-AGW -------------------------------- */

typedef struct {
  const gchar *domain;        /* "home1.net" */
  const gchar *address;       /* P-CSCF, 127.0.<op>.40 */
  guint16 port;               /* 0: IMPS_IMS_SIP_PORT */
  const gchar *agw_address;   /* IMS-AGW, 127.0.<op>.41 */
  guint16 agw_first_port;     /* first media port of the AGW (even); 0: 20000 */
  guint agw_max_legs;         /* media legs at a time; 0: 64 */
  const gchar *scscf_address; /* the operator's S-CSCF */
  guint16 scscf_port;         /* 0: IMPS_IMS_SIP_PORT */
} ImpsPcscfConfig;

typedef struct _ImpsPcscf ImpsPcscf;

ImpsPcscf *imps_pcscf_new (ImpsNetwork *net, ImpsSipBus *bus, const ImpsPcscfConfig *config,
                           GError **error);
void imps_pcscf_free (ImpsPcscf *pcscf);

/* The IMPU the P-CSCF asserts for the UE at @ue_address, or NULL when that
 * UE is not registered (owned by the P-CSCF; valid until the next
 * message). */
const gchar *imps_pcscf_registered_impu (ImpsPcscf *pcscf, const gchar *ue_address);

gboolean imps_pcscf_call_exposure (ImpsPcscf *pcscf, const gchar *call_id,
                                   ImpsImsExposure *out);

/* IMS-AGW counters of one call (all its e2ae media lines together). */
typedef struct {
  guint legs;                 /* media lines the AGW relays for the call */
  guint64 rtp_to_core;        /* SRTP from the UE unprotected and sent on as RTP */
  guint64 rtp_to_ue;          /* RTP from the core protected and sent to the UE */
  guint64 rtcp_to_core;
  guint64 rtcp_to_ue;
  guint64 auth_failures;      /* SRTP/SRTCP from the UE that failed authentication */
  guint64 replays;
  guint64 dropped;            /* malformed, no destination yet, or the bus refused */
} ImpsAgwStats;

/* FALSE (and zeros) when the AGW relayed no media line of @call_id. The
 * counters of ended calls stay readable until 512 newer calls pushed them
 * out. */
gboolean imps_pcscf_agw_stats (ImpsPcscf *pcscf, const gchar *call_id, ImpsAgwStats *out);

/* The P-CSCF restarts (it keeps no store): every registered UE is gone, so
 * a UE must register again before it may call. Its IMS-AGW, a media node
 * of its own (TS 23.334), keeps the media legs and SRTP keys of the calls
 * in progress, so their e2ae media goes on and their BYE releases them as
 * before. What it saw of the calls (imps_pcscf_call_exposure()) stays. */
void imps_pcscf_restart (ImpsPcscf *pcscf);

/* The IMS-AGW restarts (the P-CSCF and its registrations stay): every media
 * leg is released and its SRTP keys wiped, so the media of e2ae calls in
 * progress is no longer relayed; the counters stay for the observer. */
void imps_pcscf_restart_agw (ImpsPcscf *pcscf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsPcscf, imps_pcscf_free)

G_END_DECLS
