/* Diameter base protocol messages for outside peers (RFC 6733 §5,
 * docs/profile.md §1): CER/CEA, DWR/DWA, DPR/DPA.
 *
 * Each message is built from, and parsed into, a plain struct that owns its
 * strings. Answers are built from the request's parsed message, so the
 * hop-by-hop and end-to-end ids are the request's.
 */
#pragma once

#include "imps-diameter.h"

G_BEGIN_DECLS

#define IMPS_DIAMETER_MAX_HOST_ADDRESSES 8
#define IMPS_DIAMETER_MAX_LISTED_APPS 16
/* The relay application id (RFC 6733 §2.4). */
#define IMPS_DIAMETER_APP_RELAY 0xffffffffu

typedef struct {
  guint16 family;     /* IMPS_DIAMETER_ADDRESS_IPV4 or _IPV6 */
  guint8 addr[16];    /* 4 or 16 bytes used */
} ImpsDiameterAddress;

typedef struct {
  guint32 vendor_id;
  guint32 auth_application_id;
} ImpsDiameterVendorApp;

/* CER and CEA. */
typedef struct {
  guint32 hop_by_hop;
  guint32 end_to_end;
  guint32 result_code;                    /* CEA: required; CER: 0 */
  gchar *origin_host;                     /* required */
  gchar *origin_realm;                    /* required */
  guint n_addresses;                      /* at least 1 */
  ImpsDiameterAddress addresses[IMPS_DIAMETER_MAX_HOST_ADDRESSES];
  guint32 vendor_id;                      /* Vendor-Id of the peer (0 allowed) */
  gchar *product_name;                    /* required */
  gboolean has_origin_state_id;
  guint32 origin_state_id;
  guint n_supported_vendors;
  guint32 supported_vendors[IMPS_DIAMETER_MAX_LISTED_APPS];
  guint n_auth_apps;
  guint32 auth_apps[IMPS_DIAMETER_MAX_LISTED_APPS];
  guint n_vendor_apps;
  ImpsDiameterVendorApp vendor_apps[IMPS_DIAMETER_MAX_LISTED_APPS];
  gboolean has_firmware_revision;
  guint32 firmware_revision;
  gchar *error_message;                   /* CEA, optional */
} ImpsDiameterCapabilities;

ImpsDiameterCapabilities *imps_diameter_capabilities_new (void);
void imps_diameter_capabilities_free (ImpsDiameterCapabilities *caps);
/* TRUE when @caps advertises @application_id (as Auth-Application-Id or
 * inside Vendor-Specific-Application-Id), or the relay application. */
gboolean imps_diameter_capabilities_supports (const ImpsDiameterCapabilities *caps,
                                              guint32 application_id);

GBytes *imps_diameter_cer_build (const ImpsDiameterCapabilities *caps);
/* A CEA answering @cer with the local @caps (its result_code). */
GBytes *imps_diameter_cea_build (const ImpsDiameterMessage *cer,
                                 const ImpsDiameterCapabilities *caps);
/* Parses a CER or a CEA (the R flag tells which). Lists longer than the
 * fixed arrays are refused (IMPS_DIAMETER_ERROR_TOO_MANY_AVPS). */
ImpsDiameterCapabilities *imps_diameter_capabilities_parse (const ImpsDiameterMessage *msg,
                                                            GError **error);

/* DWR/DWA and DPR/DPA. */
typedef struct {
  guint32 hop_by_hop;
  guint32 end_to_end;
  guint32 result_code;          /* answers: required */
  gchar *origin_host;           /* required */
  gchar *origin_realm;          /* required */
  gboolean has_origin_state_id;
  guint32 origin_state_id;      /* DWR, DWA */
  guint32 disconnect_cause;     /* DPR: required (IMPS_DIAMETER_DISCONNECT_*) */
  gchar *error_message;         /* answers, optional */
} ImpsDiameterPeerControl;

ImpsDiameterPeerControl *imps_diameter_peer_control_new (void);
void imps_diameter_peer_control_free (ImpsDiameterPeerControl *ctl);

GBytes *imps_diameter_dwr_build (const ImpsDiameterPeerControl *ctl);
GBytes *imps_diameter_dwa_build (const ImpsDiameterMessage *dwr,
                                 const ImpsDiameterPeerControl *ctl);
GBytes *imps_diameter_dpr_build (const ImpsDiameterPeerControl *ctl);
GBytes *imps_diameter_dpa_build (const ImpsDiameterMessage *dpr,
                                 const ImpsDiameterPeerControl *ctl);
/* Parses a DWR, DWA, DPR or DPA (command and R flag tell which). */
ImpsDiameterPeerControl *imps_diameter_peer_control_parse (const ImpsDiameterMessage *msg,
                                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterCapabilities, imps_diameter_capabilities_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsDiameterPeerControl, imps_diameter_peer_control_free)

G_END_DECLS
