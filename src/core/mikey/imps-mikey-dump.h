/* MIKEY decoding for people: a tree of named fields from a parsed message.
 *
 * Field names follow Wireshark's packet-mikey.c display filters (mikey.*,
 * spec/peers.md §1.1) where Wireshark has the field, and the same style
 * where it does not (mikey.tr.*, mikey.randr.*, mikey.tp.*, mikey.ticket.*,
 * mikey.thdr.*, mikey.generic_id.*). Values are text; byte fields are lower
 * case hex. The CLI prints the tree as indented text or JSON.
 *
 * Key material: a NULL-encrypted KEMAC's key data is shown as it is on the
 * wire (it is plaintext in the input). An opened ticket's keys (see
 * ImpsMikeyDumpTicketFunc) are shown only when the caller asks for it.
 */
#pragma once

#include "imps-mikey-message.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpsMikeyField ImpsMikeyField;

struct _ImpsMikeyField {
  gchar *name;              /* display filter name, e.g. "mikey.t.ts_type" */
  gchar *label;             /* e.g. "TS type" */
  gchar *value;             /* text, or NULL for a pure subtree */
  gsize offset;             /* byte offset in the message, if has_offset */
  gsize length;
  gboolean has_offset;
  GPtrArray *children;      /* of ImpsMikeyField*, owned; NULL when none */
};

ImpsMikeyField *imps_mikey_field_new (const gchar *name, const gchar *label, const gchar *value);
void imps_mikey_field_free (ImpsMikeyField *field);
/* Appends a new child (value formatted; NULL fmt for none); returns it
 * (owned by @parent). */
ImpsMikeyField *imps_mikey_field_add (ImpsMikeyField *parent, const gchar *name,
                                      const gchar *label, const gchar *fmt, ...) G_GNUC_PRINTF (4, 5);
/* Appends @child (takes ownership). */
void imps_mikey_field_append (ImpsMikeyField *parent, ImpsMikeyField *child);
/* The first field named @name in a depth-first walk, or NULL. */
const ImpsMikeyField *imps_mikey_field_find (const ImpsMikeyField *root, const gchar *name);

/* Indented text, one field per line: "label: value [name]". */
gchar *imps_mikey_field_to_text (const ImpsMikeyField *root);

/* Hook to open a TICKET (e.g. with a TPK): returns a subtree to show under
 * the TICKET, or NULL with @error set (the error is shown instead). */
typedef ImpsMikeyField *(*ImpsMikeyDumpTicketFunc) (const ImpsMikeyPayload *ticket,
                                                    gpointer user_data, GError **error);

typedef struct {
  ImpsMikeyDumpTicketFunc open_ticket;   /* may be NULL */
  gpointer user_data;
} ImpsMikeyDumpOptions;

/* The tree of @msg: root "mikey" with HDR and every payload. @opts may be
 * NULL. */
ImpsMikeyField *imps_mikey_dump_message (const ImpsMikeyMessage *msg,
                                         const ImpsMikeyDumpOptions *opts);

/* Subtrees for one payload and for a key data chain (used by hooks). */
ImpsMikeyField *imps_mikey_dump_payload (const ImpsMikeyPayload *p, const ImpsMikeyDumpOptions *opts);
ImpsMikeyField *imps_mikey_dump_key_data (const ImpsMikeyKeyData *k);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsMikeyField, imps_mikey_field_free)

G_END_DECLS
