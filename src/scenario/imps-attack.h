/* Attack steps of a scenario script: a node of the network that changes
 * the SIP it forwards (RFC 6043 §12 and TS 33.328 threats), so that the
 * expectations after the next call can ask whether the endpoints noticed.
 *
 *   attack = strip a=key-mgmt|a=crypto at NODE
 *       NODE removes every such line from the SDP of the SIP it sends
 *       during the next call (bidding down).
 *   attack = strip security at NODE
 *       both kinds of line, and the m= lines' RTP/SAVP becomes RTP/AVP: an
 *       offer (or answer) that looks like a plain RTP one.
 *   attack = replay TRANSFER_INIT at NODE
 *       NODE records the TRANSFER_INIT of the first INVITE it forwards and
 *       puts it in place of the TRANSFER_INIT of the INVITE of a later
 *       call (the next call after the recorded one).
 *   attack = replay REQUEST_INIT of DEVICE by ROGUE
 *       a man in the middle on DEVICE's Ua copies DEVICE's next ticket
 *       request (REQUEST_INIT_PSK) and, once the KMS has answered it, ROGUE
 *       sends the same bytes to the KMS from its own address. NODE is
 *       NULL: ROGUE acts.
 *   attack = relay TRANSFER_INIT at NODE to KMS as ROGUE
 *       NODE copies the TRANSFER_INIT of the next INVITE it forwards
 *       (unchanged); ROGUE, a KMS outside the network whose Zk certificate
 *       comes from a CA of its own (not the run's), builds the RESOLVE_INIT
 *       a relaying KMS would send for it and sends it over Zk (HTTPS,
 *       mutual TLS) to KMS, a KMS of the network.
 *   attack = decrypt media of DEVICE by ROGUE
 *       during the next call (a forked MIKEY-TICKET call), ROGUE takes the
 *       TRANSFER_INIT and the TRANSFER_RESP that DEVICE answers with,
 *       resolves the TRANSFER_INIT with its own KMS (as the responder it
 *       is), derives the TEKs of DEVICE's fork from the TGK its KMS gave it
 *       and DEVICE's RANDRr, and tries them on DEVICE's SRTP in both
 *       directions. NODE is NULL: ROGUE acts.
 *   attack = tamper FIELD at NODE
 *       NODE changes FIELD (mac, ticket, idri, idrr, t: one bit; flags:
 *       the ticket's J flag; tre: the ticket's TRe, one day later) in the
 *       TRANSFER_INIT of the next INVITE it forwards (once).
 *   attack = steal TRANSFER_INIT at NODE for DEVICE
 *       NODE copies the TRANSFER_INIT of the next INVITE it forwards
 *       (unchanged) and DEVICE, a party the ticket does not name, asks its
 *       own KMS to resolve it.
 *   attack = forge IDRi=URI by DEVICE   (or IDRr=URI)
 *       DEVICE's Ua client claims URI, with its own B-TID, in its ticket
 *       requests (IDRi) and resolves (IDRr) during the next call. NODE is
 *       NULL: the device acts.
 *   attack = forge IDRi=URI in TRANSFER_INIT by DEVICE
 *       DEVICE gets its ticket as itself, then names URI as IDRi in the
 *       TRANSFER_INIT of its next call (its MAC, under the ticket's MPKi,
 *       computed over that IDRi, so it verifies).
 *   attack = replay SRTP to DEVICE | inject SRTP to DEVICE
 *       a man in the middle on the media path of the next call sends
 *       DEVICE, every tenth packet, a copy of a packet it received five
 *       packets before (replay), or a packet with the next sequence number
 *       and random payload and tag (inject: what a sender without the key
 *       can make). NODE is NULL.
 *
 * Every change is logged as a note of NODE ("attack: ...") just before
 * the changed message, so the ladder shows where it happened.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  IMPS_ATTACK_STRIP,
  IMPS_ATTACK_REPLAY,
  IMPS_ATTACK_TAMPER,
  IMPS_ATTACK_STEAL,
  IMPS_ATTACK_FORGE,
  IMPS_ATTACK_MEDIA,           /* replay or inject SRTP towards a device */
  IMPS_ATTACK_RELAY,           /* a rogue KMS relays a copied TRANSFER_INIT over Zk */
  IMPS_ATTACK_DECRYPT,         /* a device derives another fork's keys and tries its media */
} ImpsAttackKind;

typedef enum {
  IMPS_ATTACK_FIELD_KEY_MGMT,  /* strip: a=key-mgmt */
  IMPS_ATTACK_FIELD_CRYPTO,    /* strip: a=crypto */
  IMPS_ATTACK_FIELD_SECURITY,  /* strip: both, and RTP/SAVP becomes RTP/AVP */
  IMPS_ATTACK_FIELD_TRANSFER_INIT, /* replay */
  IMPS_ATTACK_FIELD_REQUEST_INIT, /* replay on Ua: a ticket request sent again */
  IMPS_ATTACK_FIELD_MEDIA_KEYS, /* decrypt: the media keys of another fork */
  IMPS_ATTACK_FIELD_MAC,       /* tamper: the V payload's MAC */
  IMPS_ATTACK_FIELD_TICKET,    /* tamper: the TICKET payload's Ticket Data */
  IMPS_ATTACK_FIELD_IDRI,      /* tamper: the IDRi payload's identity */
  IMPS_ATTACK_FIELD_IDRR,      /* tamper: the IDRr payload's identity */
  IMPS_ATTACK_FIELD_T,         /* tamper: the T payload's timestamp */
  IMPS_ATTACK_FIELD_FLAGS,     /* tamper: the TICKET payload's J flag */
  IMPS_ATTACK_FIELD_TRE,       /* tamper: the ticket's TRe, one day later */
  IMPS_ATTACK_FIELD_SRTP_REPLAY, /* media: old packets sent again */
  IMPS_ATTACK_FIELD_SRTP_FORGED, /* media: packets whose tag does not verify */
} ImpsAttackField;

typedef struct {
  ImpsAttackKind kind;
  ImpsAttackField field;
  gchar *node;                 /* the node that acts: "pcscf.home1.net" */
  gchar *device;               /* steal, forge, replay REQUEST_INIT: the rogue device, as
                                * named */
  gchar *victim;               /* replay REQUEST_INIT: the device whose request is copied;
                                * relay: the KMS of the network it is sent to; decrypt: the
                                * device whose media is attacked */
  gchar *identity;             /* forge: the identity claimed; relay: the rogue KMS's FQDN */
  gboolean in_transfer;        /* forge IDRi=URI in TRANSFER_INIT: the device's TRANSFER_INIT
                                * claims it, its ticket requests do not */
} ImpsAttackSpec;

void imps_attack_spec_free (ImpsAttackSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsAttackSpec, imps_attack_spec_free)

/* Reads the arguments of `attack = ...` (already split). The node's name
 * is not checked here (the script checker knows the network). */
ImpsAttackSpec *imps_attack_spec_parse (gint argc, gchar **argv, GError **error);

/* "strip a=key-mgmt at pcscf.home1.net" */
gchar *imps_attack_spec_describe (const ImpsAttackSpec *spec);

/* The change: @message changed as @spec says, with
 * @recorded the TRANSFER_INIT line a replay puts in (NULL: none yet).
 * Returns the changed message, or NULL with @note saying why nothing
 * changed; a replay with no line yet, and a steal, return NULL and set
 * @record to the message's a=key-mgmt line (when it has one). */
GBytes *imps_attack_apply (const ImpsAttackSpec *spec, GBytes *message, const gchar *recorded,
                           gchar **record, gchar **note);

G_END_DECLS
