/* MIKEY decoding for people: named field trees (see imps-mikey-dump.h). */
#include "imps-mikey-dump.h"

#include "imps-bytes.h"
#include "imps-hex.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Fields                                                              */

ImpsMikeyField *
imps_mikey_field_new (const gchar *name, const gchar *label, const gchar *value)
{
  ImpsMikeyField *f = g_new0 (ImpsMikeyField, 1);
  f->name = g_strdup (name);
  f->label = g_strdup (label);
  f->value = g_strdup (value);
  return f;
}

void
imps_mikey_field_free (ImpsMikeyField *field)
{
  if (field == NULL)
    return;
  g_free (field->name);
  g_free (field->label);
  g_free (field->value);
  if (field->children)
    g_ptr_array_unref (field->children);
  g_free (field);
}

void
imps_mikey_field_append (ImpsMikeyField *parent, ImpsMikeyField *child)
{
  if (parent->children == NULL)
    parent->children = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_mikey_field_free);
  g_ptr_array_add (parent->children, child);
}

ImpsMikeyField *
imps_mikey_field_add (ImpsMikeyField *parent, const gchar *name, const gchar *label,
                      const gchar *fmt, ...)
{
  ImpsMikeyField *f = imps_mikey_field_new (name, label, NULL);
  if (fmt)
    {
      va_list ap;
      va_start (ap, fmt);
      f->value = g_strdup_vprintf (fmt, ap);
      va_end (ap);
    }
  imps_mikey_field_append (parent, f);
  return f;
}

const ImpsMikeyField *
imps_mikey_field_find (const ImpsMikeyField *root, const gchar *name)
{
  if (g_strcmp0 (root->name, name) == 0)
    return root;
  if (root->children)
    for (guint i = 0; i < root->children->len; i++)
      {
        const ImpsMikeyField *f = imps_mikey_field_find (g_ptr_array_index (root->children, i), name);
        if (f)
          return f;
      }
  return NULL;
}

static void
to_text (const ImpsMikeyField *f, guint depth, GString *out)
{
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
  g_string_append (out, f->label ? f->label : f->name);
  if (f->value)
    g_string_append_printf (out, ": %s", f->value);
  if (f->name)
    g_string_append_printf (out, " [%s]", f->name);
  g_string_append_c (out, '\n');
  if (f->children)
    for (guint i = 0; i < f->children->len; i++)
      to_text (g_ptr_array_index (f->children, i), depth + 1, out);
}

gchar *
imps_mikey_field_to_text (const ImpsMikeyField *root)
{
  GString *out = g_string_new (NULL);
  to_text (root, 0, out);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static ImpsMikeyField *
add_code (ImpsMikeyField *parent, const gchar *name, const gchar *label, guint v,
          const gchar *(*namefn) (guint))
{
  const gchar *n = namefn ? namefn (v) : NULL;
  return imps_mikey_field_add (parent, name, label, "%s (%u)", n ? n : "Unknown", v);
}

static ImpsMikeyField *
add_uint (ImpsMikeyField *parent, const gchar *name, const gchar *label, guint64 v)
{
  return imps_mikey_field_add (parent, name, label, "%" G_GUINT64_FORMAT, v);
}

static ImpsMikeyField *
add_hex (ImpsMikeyField *parent, const gchar *name, const gchar *label, ImpsMikeyBytes b)
{
  ImpsMikeyField *f = imps_mikey_field_new (name, label, NULL);
  f->value = b.len ? imps_hex_encode (b.data, b.len) : g_strdup ("(empty)");
  imps_mikey_field_append (parent, f);
  return f;
}

static gboolean
printable (ImpsMikeyBytes b)
{
  if (b.len == 0)
    return FALSE;
  for (gsize i = 0; i < b.len; i++)
    if (b.data[i] < 0x20 || b.data[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/* Text when printable ASCII, else hex. */
static ImpsMikeyField *
add_text (ImpsMikeyField *parent, const gchar *name, const gchar *label, ImpsMikeyBytes b)
{
  if (!printable (b))
    return add_hex (parent, name, label, b);
  ImpsMikeyField *f = imps_mikey_field_new (name, label, NULL);
  f->value = g_strndup ((const gchar *) b.data, b.len);
  imps_mikey_field_append (parent, f);
  return f;
}

static const gchar *
next_payload_name (guint v)
{
  return imps_mikey_payload_type_name (v);
}

/* NTP seconds to text, in the 1968-2104 window of RFC 4330. */
static gchar *
ntp_text (guint32 seconds, guint32 fraction, gboolean with_fraction)
{
  gint64 unix_s = (gint64) seconds - G_GINT64_CONSTANT (2208988800);
  if ((seconds & 0x80000000u) == 0)
    unix_s += G_GINT64_CONSTANT (4294967296);   /* era 1: 2036-2104 */
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_s);
  if (dt == NULL)
    return g_strdup ("out of range");
  g_autofree gchar *s = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
  if (with_fraction)
    {
      guint64 us = ((guint64) fraction * 1000000u) >> 32;
      return g_strdup_printf ("%s.%06" G_GUINT64_FORMAT " UTC", s, us);
    }
  return g_strdup_printf ("%s UTC", s);
}

static void
add_ts_value (ImpsMikeyField *f, const gchar *prefix, const ImpsMikeyTimestamp *ts)
{
  g_autofree gchar *name = NULL;
  switch (ts->ts_type)
    {
    case IMPS_MIKEY_TS_NTP_UTC:
    case IMPS_MIKEY_TS_NTP:
      {
        g_autofree gchar *t = ntp_text ((guint32) (ts->value >> 32), (guint32) ts->value, TRUE);
        name = g_strdup_printf ("%s.ntp", prefix);
        imps_mikey_field_add (f, name, "NTP timestamp", "%s (0x%016" G_GINT64_MODIFIER "x)", t, ts->value);
      }
      break;
    case IMPS_MIKEY_TS_NTP_UTC_32:
      {
        g_autofree gchar *t = ntp_text ((guint32) ts->value, 0, FALSE);
        name = g_strdup_printf ("%s.ntp_utc_32", prefix);
        imps_mikey_field_add (f, name, "NTP-UTC-32 timestamp", "%s (0x%08x)", t, (guint32) ts->value);
      }
      break;
    default:
      name = g_strdup_printf ("%s.counter", prefix);
      imps_mikey_field_add (f, name, "Counter", "%" G_GUINT64_FORMAT, ts->value);
      break;
    }
}

static void
add_kv (ImpsMikeyField *f, guint8 kv, ImpsMikeyBytes spi, ImpsMikeyBytes from, ImpsMikeyBytes to)
{
  if (kv == IMPS_MIKEY_KV_SPI)
    {
      add_uint (f, "mikey.key.kv.spi.len", "Valid SPI len", spi.len);
      add_hex (f, "mikey.key.kv.spi", "Valid SPI", spi);
    }
  else if (kv == IMPS_MIKEY_KV_INTERVAL)
    {
      add_uint (f, "mikey.key.kv.from.len", "Valid from len", from.len);
      add_hex (f, "mikey.key.kv.from", "Valid from", from);
      add_uint (f, "mikey.key.kv.to.len", "Valid to len", to.len);
      add_hex (f, "mikey.key.kv.to", "Valid to", to);
    }
}

ImpsMikeyField *
imps_mikey_dump_key_data (const ImpsMikeyKeyData *k)
{
  ImpsMikeyField *f = imps_mikey_field_new ("mikey.key", "Key data (KEY)", NULL);
  add_code (f, "mikey.key.type", "Type", k->type, imps_mikey_key_type_name);
  add_code (f, "mikey.key.kv", "KV", k->kv, imps_mikey_kv_type_name);
  add_uint (f, "mikey.key.data.len", "Key len", k->key.len);
  add_hex (f, "mikey.key.data", "Key", k->key);
  if (imps_mikey_key_type_has_salt (k->type))
    {
      add_uint (f, "mikey.key.salt.len", "Salt key len", k->salt.len);
      add_hex (f, "mikey.key.salt", "Salt key", k->salt);
    }
  add_kv (f, k->kv, k->spi, k->valid_from, k->valid_to);
  return f;
}

static void
add_items (ImpsMikeyField *parent, const ImpsMikeyPayload *items, guint n,
           const ImpsMikeyDumpOptions *opts)
{
  for (guint i = 0; i < n; i++)
    imps_mikey_field_append (parent, imps_mikey_dump_payload (&items[i], opts));
}

static void
add_flags (ImpsMikeyField *f, const gchar *prefix, guint32 flags)
{
  static const struct { guint32 bit; const gchar *name; const gchar *label; } tab[] = {
    { IMPS_MIKEY_TICKET_FLAG_D, "d", "D: ticket generated by the KMS" },
    { IMPS_MIKEY_TICKET_FLAG_E, "e", "E: Ticket Resolve mandatory" },
    { IMPS_MIKEY_TICKET_FLAG_F, "f", "F: TRANSFER_RESP shall be sent" },
    { IMPS_MIKEY_TICKET_FLAG_G, "g", "G: Responder generates RANDRr" },
    { IMPS_MIKEY_TICKET_FLAG_H, "h", "H: RANDRi used in TGK derivation" },
    { IMPS_MIKEY_TICKET_FLAG_I, "i", "I: key forking" },
    { IMPS_MIKEY_TICKET_FLAG_J, "j", "J: ticket may be reused" },
    { IMPS_MIKEY_TICKET_FLAG_K, "k", "K: KMS changed the desired policy" },
    { IMPS_MIKEY_TICKET_FLAG_L, "l", "L: Initiator may supply session keys" },
    { IMPS_MIKEY_TICKET_FLAG_M, "m", "M: Responder may supply session keys" },
    { IMPS_MIKEY_TICKET_FLAG_N, "n", "N: plain RFC 6043 Initiator can use the ticket" },
    { IMPS_MIKEY_TICKET_FLAG_O, "o", "O: plain RFC 6043 Responder can use the ticket" },
  };
  GString *set = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tab); i++)
    if (flags & tab[i].bit)
      g_string_append_c (set, g_ascii_toupper (tab[i].name[0]));
  g_autofree gchar *fname = g_strdup_printf ("%s.flags", prefix);
  ImpsMikeyField *ff = imps_mikey_field_add (f, fname, "Flags", "%s (0x%05x)",
                                             set->len ? set->str : "none", flags);
  g_string_free (set, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (tab); i++)
    {
      g_autofree gchar *n = g_strdup_printf ("%s.flags.%s", prefix, tab[i].name);
      imps_mikey_field_add (ff, n, tab[i].label, "%u", (flags & tab[i].bit) ? 1 : 0);
    }
}

static void
add_ticket (ImpsMikeyField *f, const ImpsMikeyPayload *p, const ImpsMikeyDumpOptions *opts)
{
  const ImpsMikeyTicket *t = &p->u.ticket;
  gboolean is_ticket = p->type == IMPS_MIKEY_PAYLOAD_TICKET;
  const gchar *pre = is_ticket ? "mikey.ticket" : "mikey.tp";
  g_autofree gchar *n_type = g_strconcat (pre, ".ticket_type", NULL);
  g_autofree gchar *n_sub = g_strconcat (pre, ".subtype", NULL);
  g_autofree gchar *n_ver = g_strconcat (pre, ".version", NULL);
  g_autofree gchar *n_prf = g_strconcat (pre, ".prf_func", NULL);
  g_autofree gchar *n_res = g_strconcat (pre, ".reserved", NULL);
  g_autofree gchar *n_tpl = g_strconcat (pre, ".tp_data_len", NULL);
  g_autofree gchar *n_tpd = g_strconcat (pre, ".tp_data", NULL);

  add_code (f, n_type, "Ticket Type", t->ticket_type, imps_mikey_ticket_type_name);
  add_uint (f, n_sub, "Subtype", t->subtype);
  add_uint (f, n_ver, "Version", t->version);
  add_code (f, n_prf, "PRF Func", t->prf, imps_mikey_prf_name);
  add_flags (f, pre, t->flags);
  if (t->reserved)
    add_uint (f, n_res, "Reserved", t->reserved);
  add_uint (f, n_tpl, "TP Data length", t->tp_data.len);
  ImpsMikeyField *tpd = imps_mikey_field_add (f, n_tpd, "TP Data", NULL);
  tpd->offset = t->tp_data_offset;
  tpd->length = t->tp_data.len;
  tpd->has_offset = TRUE;
  if (t->n_tp_items)
    add_items (tpd, t->tp_items, t->n_tp_items, opts);
  else
    tpd->value = t->tp_data.len ? imps_hex_encode (t->tp_data.data, t->tp_data.len) : g_strdup ("(empty)");
  if (!is_ticket)
    return;

  add_uint (f, "mikey.ticket.data_len", "Ticket Data length", t->ticket_data.len);
  ImpsMikeyField *td = add_hex (f, "mikey.ticket.data", "Ticket Data", t->ticket_data);
  td->offset = t->ticket_data_offset;
  td->length = t->ticket_data.len;
  td->has_offset = TRUE;
  if (t->ticket_type == IMPS_MIKEY_TICKET_TYPE_MIKEY_BASE && t->ticket_data.len > 0)
    {
      /* The base ticket's Ticket Data is a THDR-first chain; only
       * its KEMAC is encrypted, so its structure can always be shown. */
      g_autoptr (GError) error = NULL;
      g_autoptr (ImpsMikeyChain) chain = imps_mikey_chain_parse_ticket_data (t->ticket_data.data,
                                                                            t->ticket_data.len,
                                                                            &error);
      if (chain)
        {
          ImpsMikeyField *dec = imps_mikey_field_add (td, "mikey.ticket.base", "MIKEY base ticket", NULL);
          add_items (dec, chain->payloads, chain->n_payloads, NULL);
        }
      else
        imps_mikey_field_add (td, "mikey.ticket.base.error", "Not a MIKEY base ticket", "%s",
                              error->message);
    }
  ImpsMikeyField *il = add_uint (f, "mikey.ticket.init_data_len", "Initiator Data length",
                                 t->initiator_data.len);
  il->offset = t->init_len_offset;
  il->length = 2;
  il->has_offset = TRUE;
  if (t->initiator_data.len)
    {
      ImpsMikeyField *id = imps_mikey_field_add (f, "mikey.ticket.init_data", "Initiator Data", NULL);
      id->offset = t->init_data_offset;
      id->length = t->initiator_data.len;
      id->has_offset = TRUE;
      if (t->n_init_items)
        add_items (id, t->init_items, t->n_init_items, opts);
      else
        id->value = imps_hex_encode (t->initiator_data.data, t->initiator_data.len);
    }
  if (opts && opts->open_ticket)
    {
      g_autoptr (GError) error = NULL;
      ImpsMikeyField *opened = opts->open_ticket (p, opts->user_data, &error);
      if (opened)
        imps_mikey_field_append (f, opened);
      else
        imps_mikey_field_add (f, "mikey.ticket.open_error", "Ticket not opened", "%s",
                              error ? error->message : "unknown error");
    }
}

static void
add_sp_params (ImpsMikeyField *f, const ImpsMikeySp *sp)
{
  static const gchar *const names[] = {
    "mikey.sp.encr_alg", "mikey.sp.encr_len", "mikey.sp.auth_alg", "mikey.sp.auth_key_len",
    "mikey.sp.salt_len", "mikey.sp.prf", "mikey.sp.kd_rate", "mikey.sp.srtp_encr",
    "mikey.sp.srtcp_encr", "mikey.sp.fec", "mikey.sp.srtp_auth", "mikey.sp.auth_tag_len",
    "mikey.sp.srtp_prefix", "mikey.sp.roc_rate", "mikey.sp.srtp_auth_alg",
    "mikey.sp.srtcp_auth_alg", "mikey.sp.srtp_auth_key_len", "mikey.sp.srtcp_auth_key_len",
    "mikey.sp.srtp_auth_tag_len", "mikey.sp.srtcp_auth_tag_len", "mikey.sp.aead_auth_tag_len",
  };
  for (guint i = 0; i < sp->n_params; i++)
    {
      const ImpsMikeySpParam *pp = &sp->params[i];
      ImpsMikeyField *pf = imps_mikey_field_add (f, "mikey.sp.param", "Policy param", NULL);
      gboolean srtp = sp->prot_type == IMPS_MIKEY_PROT_SRTP;
      const gchar *pn = srtp ? imps_mikey_sp_srtp_param_name (pp->type) : NULL;
      add_code (pf, "mikey.sp.param.type", "Type", pp->type,
                srtp ? imps_mikey_sp_srtp_param_name : NULL);
      add_uint (pf, "mikey.sp.param.len", "Length", pp->value.len);
      if (pn && pp->value.len >= 1 && pp->value.len <= 4)
        {
          guint32 v = 0;
          for (gsize k = 0; k < pp->value.len; k++)
            v = (v << 8) | pp->value.data[k];
          if (pp->type == IMPS_MIKEY_SP_SRTP_ENCR_ALG)
            add_code (pf, names[pp->type], pn, v, imps_mikey_srtp_encr_alg_name);
          else if (pp->type == IMPS_MIKEY_SP_SRTP_AUTH_ALG || pp->type == IMPS_MIKEY_SP_SRTP_SRTP_AUTH_ALG
                   || pp->type == IMPS_MIKEY_SP_SRTP_SRTCP_AUTH_ALG)
            add_code (pf, names[pp->type], pn, v, imps_mikey_srtp_auth_alg_name);
          else
            add_uint (pf, names[pp->type], pn, v);
          pf->value = g_strdup_printf ("%s = %u", pn, v);
        }
      else
        /* Wireshark's own spelling of this filter name. */
        add_hex (pf, "mikey.sp.patam.value", "Value", pp->value);
    }
}

static void
add_cs_map (ImpsMikeyField *h, const ImpsMikeyHdr *hdr)
{
  for (guint i = 0; i < hdr->n_cs; i++)
    {
      const ImpsMikeyCsInfo *cs = &hdr->cs[i];
      if (hdr->map_type == IMPS_MIKEY_CS_MAP_SRTP_ID)
        {
          ImpsMikeyField *f = imps_mikey_field_add (h, "mikey.srtp_id", "SRTP ID", "CS %u", i + 1);
          add_uint (f, "mikey.srtp_id.policy_no", "Policy No", cs->policy_no);
          imps_mikey_field_add (f, "mikey.srtp_id.ssrc", "SSRC", "0x%08x", cs->ssrc);
          add_uint (f, "mikey.srtp_id.roc", "ROC", cs->roc);
          continue;
        }
      ImpsMikeyField *f = imps_mikey_field_add (h, "mikey.generic_id", "GENERIC-ID", "CS %u", cs->cs_id);
      add_uint (f, "mikey.generic_id.cs_id", "CS ID", cs->cs_id);
      add_code (f, "mikey.generic_id.prot_type", "Prot type", cs->prot_type, imps_mikey_prot_type_name);
      add_uint (f, "mikey.generic_id.s", "S", cs->s_flag ? 1 : 0);
      add_uint (f, "mikey.generic_id.policy_count", "#P", cs->policies.len);
      for (gsize k = 0; k < cs->policies.len; k++)
        add_uint (f, "mikey.generic_id.policy_no", "Policy No", cs->policies.data[k]);
      add_uint (f, "mikey.generic_id.session_data_len", "Session Data Length", cs->session_data.len);
      if (cs->has_ssrc && cs->prot_type == IMPS_MIKEY_PROT_SRTP)
        {
          imps_mikey_field_add (f, "mikey.generic_id.ssrc", "SSRC", "0x%08x", cs->ssrc);
          if (cs->s_flag)
            {
              add_uint (f, "mikey.generic_id.roc", "ROC", cs->roc);
              add_uint (f, "mikey.generic_id.seq", "SEQ", cs->seq);
            }
        }
      else if (cs->session_data.len)
        add_hex (f, "mikey.generic_id.session_data", "Session Data", cs->session_data);
      add_uint (f, "mikey.generic_id.spi_len", "SPI Length", cs->spi.len);
      if (cs->spi.len)
        add_hex (f, "mikey.generic_id.spi", "SPI", cs->spi);
    }
}

/* ------------------------------------------------------------------ */
/* Payloads                                                            */

ImpsMikeyField *
imps_mikey_dump_payload (const ImpsMikeyPayload *p, const ImpsMikeyDumpOptions *opts)
{
  ImpsMikeyField *f;
  const gchar *tn = imps_mikey_payload_type_name (p->type);

  switch (p->type)
    {
    case IMPS_MIKEY_PAYLOAD_T:
      f = imps_mikey_field_new ("mikey.t", "Timestamp (T)", NULL);
      add_code (f, "mikey.t.ts_type", "TS type", p->u.ts.ts_type, imps_mikey_ts_type_name);
      add_ts_value (f, "mikey.t", &p->u.ts);
      break;
    case IMPS_MIKEY_PAYLOAD_TR:
      f = imps_mikey_field_new ("mikey.tr", "Timestamp with role (TR)", NULL);
      add_code (f, "mikey.tr.role", "TS role", p->u.ts.role, imps_mikey_ts_role_name);
      add_code (f, "mikey.tr.ts_type", "TS type", p->u.ts.ts_type, imps_mikey_ts_type_name);
      add_ts_value (f, "mikey.tr", &p->u.ts);
      break;
    case IMPS_MIKEY_PAYLOAD_ID:
      f = imps_mikey_field_new ("mikey.id", "ID", NULL);
      add_code (f, "mikey.id.type", "ID type", p->u.id.id_type, imps_mikey_id_type_name);
      add_uint (f, "mikey.id.len", "ID len", p->u.id.data.len);
      add_text (f, "mikey.id.data", "ID", p->u.id.data);
      break;
    case IMPS_MIKEY_PAYLOAD_IDR:
      f = imps_mikey_field_new ("mikey.idr", "IDR", NULL);
      add_code (f, "mikey.id.role", "ID role", p->u.id.role, imps_mikey_id_role_name);
      add_code (f, "mikey.id.type", "ID type", p->u.id.id_type, imps_mikey_id_type_name);
      add_uint (f, "mikey.id.len", "ID len", p->u.id.data.len);
      add_text (f, "mikey.id.data", "ID", p->u.id.data);
      break;
    case IMPS_MIKEY_PAYLOAD_CERT:
      f = imps_mikey_field_new ("mikey.cert", "Certificate (CERT)", NULL);
      add_code (f, "mikey.cert.type", "Certificate type", p->u.id.id_type, imps_mikey_cert_type_name);
      add_uint (f, "mikey.cert.len", "Certificate len", p->u.id.data.len);
      add_hex (f, "mikey.cert.data", "Certificate", p->u.id.data);
      break;
    case IMPS_MIKEY_PAYLOAD_RAND:
      f = imps_mikey_field_new ("mikey.rand", "RAND", NULL);
      add_uint (f, "mikey.rand.len", "RAND len", p->u.rand.data.len);
      add_hex (f, "mikey.rand.data", "RAND", p->u.rand.data);
      break;
    case IMPS_MIKEY_PAYLOAD_RANDR:
      f = imps_mikey_field_new ("mikey.randr", "RAND with role (RANDR)", NULL);
      add_code (f, "mikey.randr.role", "RAND role", p->u.rand.role, imps_mikey_rand_role_name);
      add_uint (f, "mikey.rand.len", "RAND len", p->u.rand.data.len);
      add_hex (f, "mikey.rand.data", "RAND", p->u.rand.data);
      break;
    case IMPS_MIKEY_PAYLOAD_V:
      f = imps_mikey_field_new ("mikey.v", "Ver msg (V)", NULL);
      add_code (f, "mikey.v.auth_alg", "Auth alg", p->u.v.auth_alg, imps_mikey_mac_alg_name);
      add_hex (f, "mikey.v.ver_data", "Ver data", p->u.v.mac);
      break;
    case IMPS_MIKEY_PAYLOAD_ERR:
      f = imps_mikey_field_new ("mikey.err", "Error (ERR)", NULL);
      add_code (f, "mikey.err.no", "Error no.", p->u.err.error_no, imps_mikey_err_no_name);
      imps_mikey_field_add (f, "mikey.err.reserved", "Reserved", "%04x", p->u.err.reserved);
      break;
    case IMPS_MIKEY_PAYLOAD_SP:
      {
        gsize plen = 0;
        for (guint i = 0; i < p->u.sp.n_params; i++)
          plen += 2 + p->u.sp.params[i].value.len;
        f = imps_mikey_field_new ("mikey.sp", "Security Policy (SP)", NULL);
        add_uint (f, "mikey.sp.no", "Policy No", p->u.sp.policy_no);
        add_code (f, "mikey.sp.proto_type", "Protocol type", p->u.sp.prot_type, imps_mikey_prot_type_name);
        add_uint (f, "mikey.sp.param_len", "Policy param length", plen);
        add_sp_params (f, &p->u.sp);
      }
      break;
    case IMPS_MIKEY_PAYLOAD_KEMAC:
      f = imps_mikey_field_new ("mikey.kemac", "Key Data Transport (KEMAC)", NULL);
      add_code (f, "mikey.kemac.encr_alg", "Encr alg", p->u.kemac.encr_alg, imps_mikey_encr_alg_name);
      add_uint (f, "mikey.kemac.key_data_len", "Key data len", p->u.kemac.encr_data.len);
      {
        ImpsMikeyField *kd = add_hex (f, "mikey.kemac.key_data", "Key data", p->u.kemac.encr_data);
        if (p->u.kemac.encr_alg == IMPS_MIKEY_ENCR_NULL && p->u.kemac.encr_data.len)
          {
            ImpsMikeyKeyData keys[IMPS_MIKEY_MAX_KEY_DATA];
            guint n = 0;
            g_autoptr (GError) error = NULL;
            if (imps_mikey_key_data_parse (p->u.kemac.encr_data.data, p->u.kemac.encr_data.len,
                                           keys, G_N_ELEMENTS (keys), &n, &error))
              for (guint i = 0; i < n; i++)
                imps_mikey_field_append (kd, imps_mikey_dump_key_data (&keys[i]));
            else
              imps_mikey_field_add (kd, "mikey.kemac.key_data.error", "Not a key data chain", "%s",
                                    error->message);
          }
      }
      add_code (f, "mikey.kemac.mac_alg", "Mac alg", p->u.kemac.mac_alg, imps_mikey_mac_alg_name);
      if (p->u.kemac.mac.len)
        add_hex (f, "mikey.kemac.mac", "MAC", p->u.kemac.mac);
      break;
    case IMPS_MIKEY_PAYLOAD_GENERAL_EXT:
      f = imps_mikey_field_new ("mikey.ext", "General Extension (EXT)", NULL);
      add_code (f, "mikey.ext.type", "Extension type", p->u.ext.ext_type, imps_mikey_ext_type_name);
      add_uint (f, "mikey.ext.len", "Length", p->u.ext.data.len);
      if (p->u.ext.ext_type == IMPS_MIKEY_EXT_SDP_IDS && printable (p->u.ext.data))
        add_text (f, "mikey.ext.value", "Value", p->u.ext.data);
      else
        add_hex (f, "mikey.ext.data", "Data", p->u.ext.data);
      break;
    case IMPS_MIKEY_PAYLOAD_PKE:
      f = imps_mikey_field_new ("mikey.pke", "Envelope Data (PKE)", NULL);
      add_code (f, "mikey.pke.c", "C", p->u.pke.cache, imps_mikey_pke_cache_name);
      add_uint (f, "mikey.pke.len", "Data len", p->u.pke.data.len);
      add_hex (f, "mikey.pke.data", "Data", p->u.pke.data);
      break;
    case IMPS_MIKEY_PAYLOAD_SIGN:
      f = imps_mikey_field_new ("mikey.sign", "Signature (SIGN)", NULL);
      add_code (f, "mikey.sign.type", "Signature type", p->u.sign.sign_type, imps_mikey_sign_type_name);
      add_uint (f, "mikey.sign.len", "Signature len", p->u.sign.signature.len);
      add_hex (f, "mikey.sign.data", "Signature", p->u.sign.signature);
      break;
    case IMPS_MIKEY_PAYLOAD_CHASH:
      f = imps_mikey_field_new ("mikey.chash", "CHASH", NULL);
      add_code (f, "mikey.chash.func", "Hash func", p->u.chash.hash_func, imps_mikey_hash_func_name);
      add_hex (f, "mikey.chash.hash", "Hash", p->u.chash.hash);
      break;
    case IMPS_MIKEY_PAYLOAD_DH:
      f = imps_mikey_field_new ("mikey.dh", "DH Data (DH)", NULL);
      add_code (f, "mikey.dh.group", "DH-Group", p->u.dh.group, imps_mikey_dh_group_name);
      add_hex (f, "mikey.dh.value", "DH-Value", p->u.dh.value);
      add_uint (f, "mikey.dh.reserv", "Reserv", p->u.dh.reserved);
      add_code (f, "mikey.dh.kv", "KV", p->u.dh.kv, imps_mikey_kv_type_name);
      add_kv (f, p->u.dh.kv, p->u.dh.spi, p->u.dh.valid_from, p->u.dh.valid_to);
      break;
    case IMPS_MIKEY_PAYLOAD_SAKKE:
      f = imps_mikey_field_new ("mikey.sakke", "SAKKE Encapsulated Data (SAKKE)", NULL);
      add_uint (f, "mikey.sakke.params", "SAKKE params", p->u.sakke.params);
      add_uint (f, "mikey.sakke.idscheme", "ID scheme", p->u.sakke.id_scheme);
      add_uint (f, "mikey.sakke.len", "SAKKE data length", p->u.sakke.data.len);
      add_hex (f, "mikey.sakke.data", "SAKKE data", p->u.sakke.data);
      break;
    case IMPS_MIKEY_PAYLOAD_THDR:
      f = imps_mikey_field_new ("mikey.thdr", "Ticket Header (THDR)", NULL);
      add_uint (f, "mikey.thdr.len", "THDR Data length", p->u.thdr.data.len);
      add_hex (f, "mikey.thdr.data", "THDR Data", p->u.thdr.data);
      break;
    case IMPS_MIKEY_PAYLOAD_TP:
      f = imps_mikey_field_new ("mikey.tp", "Ticket Policy (TP)", NULL);
      add_ticket (f, p, opts);
      break;
    case IMPS_MIKEY_PAYLOAD_TICKET:
      f = imps_mikey_field_new ("mikey.ticket", "Ticket (TICKET)", NULL);
      add_ticket (f, p, opts);
      break;
    default:
      f = imps_mikey_field_new ("mikey.payload", tn ? tn : "Unknown payload", NULL);
      add_hex (f, "mikey.payload.data", "Data", p->raw);
      break;
    }
  f->offset = p->offset;
  f->length = p->length;
  f->has_offset = TRUE;
  if (p->raw.len > 0 && p->type != IMPS_MIKEY_PAYLOAD_SIGN)
    {
      const gchar *nn = next_payload_name (p->raw.data[0]);
      ImpsMikeyField *nf = imps_mikey_field_new ("mikey.next_payload", "Next Payload", NULL);
      nf->value = g_strdup_printf ("%s (%u)", nn ? nn : "Unknown", p->raw.data[0]);
      if (f->children == NULL)
        imps_mikey_field_append (f, nf);
      else
        g_ptr_array_insert (f->children, 0, nf);
    }
  if (p->unexpected)
    imps_mikey_field_add (f, "mikey.unexpected", "Unexpected", "not listed for this data type; ignored");
  return f;
}

ImpsMikeyField *
imps_mikey_dump_message (const ImpsMikeyMessage *msg, const ImpsMikeyDumpOptions *opts)
{
  const ImpsMikeyHdr *h = &msg->hdr;
  ImpsMikeyField *root = imps_mikey_field_new ("mikey", "Multimedia Internet KEYing", NULL);
  root->value = g_strdup_printf ("%s, %u payloads, %" G_GSIZE_FORMAT " bytes",
                                 imps_mikey_data_type_name (h->data_type)
                                 ? imps_mikey_data_type_name (h->data_type) : "Unknown",
                                 msg->body.n_payloads, msg->body.raw_len);
  root->offset = 0;
  root->length = msg->body.raw_len;
  root->has_offset = TRUE;

  ImpsMikeyField *hf = imps_mikey_field_add (root, "mikey.hdr", "Common Header (HDR)", NULL);
  hf->offset = 0;
  hf->length = h->length;
  hf->has_offset = TRUE;
  add_uint (hf, "mikey.version", "Version", h->version);
  add_code (hf, "mikey.type", "Data Type", h->data_type, imps_mikey_data_type_name);
  add_code (hf, "mikey.next_payload", "Next Payload", h->next_payload, next_payload_name);
  add_uint (hf, "mikey.v.set", "V", h->v ? 1 : 0);
  add_code (hf, "mikey.prf_func", "PRF func", h->prf, imps_mikey_prf_name);
  imps_mikey_field_add (hf, "mikey.csb_id", "CSB ID", "0x%08x", h->csb_id);
  add_uint (hf, "mikey.cs_count", "#CS", h->n_cs);
  add_code (hf, "mikey.cs_id_map_type", "CS ID map type", h->map_type, imps_mikey_cs_map_type_name);
  add_cs_map (hf, h);

  add_items (root, msg->body.payloads, msg->body.n_payloads, opts);
  return root;
}
