#include "imps-attack.h"
#include "imps-scenario.h"
#include "mikey/imps-mikey-message.h"

#include <string.h>

static const struct {
  ImpsAttackKind kind;
  const gchar *verb;
  ImpsAttackField field;
  const gchar *name;
  const gchar *what;    /* for notes */
} fields[] = {
  { IMPS_ATTACK_STRIP, "strip", IMPS_ATTACK_FIELD_KEY_MGMT, "a=key-mgmt", "a=key-mgmt" },
  { IMPS_ATTACK_STRIP, "strip", IMPS_ATTACK_FIELD_CRYPTO, "a=crypto", "a=crypto" },
  { IMPS_ATTACK_STRIP, "strip", IMPS_ATTACK_FIELD_SECURITY, "security",
    "a=key-mgmt and a=crypto, and RTP/SAVP to RTP/AVP," },
  { IMPS_ATTACK_REPLAY, "replay", IMPS_ATTACK_FIELD_TRANSFER_INIT, "TRANSFER_INIT",
    "TRANSFER_INIT" },
  { IMPS_ATTACK_STEAL, "steal", IMPS_ATTACK_FIELD_TRANSFER_INIT, "TRANSFER_INIT",
    "TRANSFER_INIT" },
  { IMPS_ATTACK_FORGE, "forge", IMPS_ATTACK_FIELD_IDRI, "IDRi", "IDRi" },
  { IMPS_ATTACK_FORGE, "forge", IMPS_ATTACK_FIELD_IDRR, "IDRr", "IDRr" },
  { IMPS_ATTACK_TAMPER, "tamper", IMPS_ATTACK_FIELD_MAC, "mac", "the MAC (V payload)" },
  { IMPS_ATTACK_TAMPER, "tamper", IMPS_ATTACK_FIELD_TICKET, "ticket",
    "the Ticket Data (TICKET payload)" },
  { IMPS_ATTACK_TAMPER, "tamper", IMPS_ATTACK_FIELD_IDRI, "idri", "the IDRi identity" },
  { IMPS_ATTACK_TAMPER, "tamper", IMPS_ATTACK_FIELD_IDRR, "idrr", "the IDRr identity" },
  { IMPS_ATTACK_TAMPER, "tamper", IMPS_ATTACK_FIELD_T, "t", "the timestamp (T payload)" },
  { IMPS_ATTACK_TAMPER, "tamper", IMPS_ATTACK_FIELD_FLAGS, "flags",
    "the ticket's J flag (TICKET policy)" },
  { IMPS_ATTACK_TAMPER, "tamper", IMPS_ATTACK_FIELD_TRE, "tre",
    "the ticket's TRe (TICKET policy)" },
};

/* tamper tre: what an attacker who wants a longer-lived ticket adds */
#define TRE_EXTENSION_S 86400u

#define USAGE                                                                                 \
  "usage: attack = strip a=key-mgmt|a=crypto|security at NODE "                               \
  "| replay TRANSFER_INIT at NODE | replay REQUEST_INIT of DEVICE by DEVICE "                \
  "| tamper mac|ticket|flags|tre|idri|idrr|t at NODE | steal TRANSFER_INIT at NODE for DEVICE "        \
  "| forge IDRi=URI|IDRr=URI by DEVICE | forge IDRi=URI in TRANSFER_INIT by DEVICE "        \
  "| replay SRTP to DEVICE | inject SRTP to DEVICE "                                         \
  "| relay TRANSFER_INIT at NODE to KMS as ROGUE | decrypt media of DEVICE by DEVICE"


void
imps_attack_spec_free (ImpsAttackSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->node);
  g_free (spec->device);
  g_free (spec->identity);
  g_free (spec->victim);
  g_free (spec);
}

ImpsAttackSpec *
imps_attack_spec_parse (gint argc, gchar **argv, GError **error)
{
  if (argc > 0 && strcmp (argv[0], "forge") == 0)
    {
      /* forge IDRi=URI in TRANSFER_INIT by DEVICE: the TRANSFER_INIT only */
      gboolean in_transfer = argc == 6 && strcmp (argv[2], "in") == 0
                             && g_ascii_strcasecmp (argv[3], "TRANSFER_INIT") == 0
                             && g_ascii_strncasecmp (argv[1], "IDRi=", 5) == 0;
      const gchar *eq = argc == 4 || in_transfer ? strchr (argv[1], '=') : NULL;
      if (eq == NULL || strcmp (argv[in_transfer ? 4 : 2], "by") != 0 || eq[1] == '\0'
          || !((eq - argv[1] == 4) && (g_ascii_strncasecmp (argv[1], "IDRi", 4) == 0
                                       || g_ascii_strncasecmp (argv[1], "IDRr", 4) == 0)))
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "usage: attack = forge IDRi=URI by DEVICE | forge IDRr=URI by DEVICE "
                       "| forge IDRi=URI in TRANSFER_INIT by DEVICE");
          return NULL;
        }
      ImpsAttackSpec *spec = g_new0 (ImpsAttackSpec, 1);
      spec->kind = IMPS_ATTACK_FORGE;
      spec->field = g_ascii_tolower (argv[1][3]) == 'i' ? IMPS_ATTACK_FIELD_IDRI
                                                        : IMPS_ATTACK_FIELD_IDRR;
      spec->identity = g_strdup (eq + 1);
      spec->device = g_strdup (argv[in_transfer ? 5 : 3]);
      spec->in_transfer = in_transfer;
      return spec;
    }
  if (argc > 1 && strcmp (argv[0], "replay") == 0
      && g_ascii_strcasecmp (argv[1], "REQUEST_INIT") == 0)
    {
      if (argc != 6 || strcmp (argv[2], "of") != 0 || strcmp (argv[4], "by") != 0)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "usage: attack = replay REQUEST_INIT of DEVICE by DEVICE (the device "
                       "whose ticket request is copied, then the one that sends it again)");
          return NULL;
        }
      ImpsAttackSpec *spec = g_new0 (ImpsAttackSpec, 1);
      spec->kind = IMPS_ATTACK_REPLAY;
      spec->field = IMPS_ATTACK_FIELD_REQUEST_INIT;
      spec->victim = g_strdup (argv[3]);
      spec->device = g_strdup (argv[5]);
      return spec;
    }
  if (argc > 0 && strcmp (argv[0], "decrypt") == 0)
    {
      if (argc != 6 || strcmp (argv[1], "media") != 0 || strcmp (argv[2], "of") != 0
          || strcmp (argv[4], "by") != 0)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "usage: attack = decrypt media of DEVICE by DEVICE (the device whose "
                       "media is attacked, then the rogue device)");
          return NULL;
        }
      ImpsAttackSpec *spec = g_new0 (ImpsAttackSpec, 1);
      spec->kind = IMPS_ATTACK_DECRYPT;
      spec->field = IMPS_ATTACK_FIELD_MEDIA_KEYS;
      spec->victim = g_strdup (argv[3]);
      spec->device = g_strdup (argv[5]);
      return spec;
    }
  if (argc > 0 && strcmp (argv[0], "relay") == 0)
    {
      if (argc != 8 || g_ascii_strcasecmp (argv[1], "TRANSFER_INIT") != 0
          || strcmp (argv[2], "at") != 0 || strcmp (argv[4], "to") != 0
          || strcmp (argv[6], "as") != 0)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "usage: attack = relay TRANSFER_INIT at NODE to KMS as ROGUE (the CSCF "
                       "that copies it, the network's KMS it goes to, the rogue KMS's FQDN)");
          return NULL;
        }
      gsize n = strlen (argv[7]);
      gboolean ok = n > 0 && n <= 253 && argv[7][0] != '.' && argv[7][n - 1] != '.'
                    && strstr (argv[7], "..") == NULL && strchr (argv[7], '.') != NULL;
      for (gsize i = 0; ok && i < n; i++)
        ok = g_ascii_isalnum (argv[7][i]) || argv[7][i] == '-' || argv[7][i] == '.';
      if (!ok)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "relay: the rogue KMS '%s' is not a host name (letters, digits, '-' and "
                       "at least one '.', at most 253 bytes)", argv[7]);
          return NULL;
        }
      ImpsAttackSpec *spec = g_new0 (ImpsAttackSpec, 1);
      spec->kind = IMPS_ATTACK_RELAY;
      spec->field = IMPS_ATTACK_FIELD_TRANSFER_INIT;
      spec->node = g_ascii_strdown (argv[3], -1);
      spec->victim = g_ascii_strdown (argv[5], -1);
      spec->identity = g_ascii_strdown (argv[7], -1);
      return spec;
    }
  if (argc == 4 && (strcmp (argv[0], "replay") == 0 || strcmp (argv[0], "inject") == 0)
      && strcmp (argv[1], "SRTP") == 0)
    {
      if (strcmp (argv[2], "to") != 0)
        {
          g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                       "usage: attack = %s SRTP to DEVICE", argv[0]);
          return NULL;
        }
      ImpsAttackSpec *spec = g_new0 (ImpsAttackSpec, 1);
      spec->kind = IMPS_ATTACK_MEDIA;
      spec->field = argv[0][0] == 'r' ? IMPS_ATTACK_FIELD_SRTP_REPLAY
                                      : IMPS_ATTACK_FIELD_SRTP_FORGED;
      spec->device = g_strdup (argv[3]);
      return spec;
    }
  gboolean steal = argc > 0 && strcmp (argv[0], "steal") == 0;
  if (argc != (steal ? 6 : 4) || strcmp (argv[2], "at") != 0
      || (steal && strcmp (argv[4], "for") != 0))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, USAGE);
      return NULL;
    }
  gboolean verb_known = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (strcmp (argv[0], fields[i].verb) != 0)
        continue;
      verb_known = TRUE;
      if (g_ascii_strcasecmp (argv[1], fields[i].name) != 0)
        continue;
      ImpsAttackSpec *spec = g_new0 (ImpsAttackSpec, 1);
      spec->kind = fields[i].kind;
      spec->field = fields[i].field;
      spec->node = g_ascii_strdown (argv[3], -1);
      spec->device = steal ? g_strdup (argv[5]) : NULL;
      return spec;
    }
  if (verb_known)
    {
      g_autoptr (GString) known = g_string_new (NULL);
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        if (strcmp (argv[0], fields[i].verb) == 0)
          g_string_append_printf (known, "%s%s", known->len ? ", " : "", fields[i].name);
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "%s '%s': not one of %s", argv[0], argv[1], known->str);
    }
  else
    g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                 "unknown attack '%s' (strip, replay, tamper, steal, forge, inject, relay, decrypt); " USAGE, argv[0]);
  return NULL;
}

static guint
field_index (const ImpsAttackSpec *spec)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].kind == spec->kind && fields[i].field == spec->field)
      return i;
  g_return_val_if_reached (0);
}

gchar *
imps_attack_spec_describe (const ImpsAttackSpec *spec)
{
  if (spec->kind == IMPS_ATTACK_MEDIA)
    return g_strdup_printf ("%s SRTP to %s",
                            spec->field == IMPS_ATTACK_FIELD_SRTP_REPLAY ? "replay" : "inject",
                            spec->device);
  if (spec->field == IMPS_ATTACK_FIELD_REQUEST_INIT)
    return g_strdup_printf ("replay REQUEST_INIT of %s by %s", spec->victim, spec->device);
  if (spec->kind == IMPS_ATTACK_DECRYPT)
    return g_strdup_printf ("decrypt media of %s by %s", spec->victim, spec->device);
  if (spec->kind == IMPS_ATTACK_RELAY)
    return g_strdup_printf ("relay TRANSFER_INIT at %s to %s as %s", spec->node, spec->victim,
                            spec->identity);
  guint i = field_index (spec);
  if (spec->kind == IMPS_ATTACK_FORGE)
    return g_strdup_printf ("forge %s=%s%s by %s", fields[i].name, spec->identity,
                            spec->in_transfer ? " in TRANSFER_INIT" : "", spec->device);
  return g_strdup_printf ("%s %s at %s%s%s", fields[i].verb, fields[i].name, spec->node,
                          spec->device ? " for " : "", spec->device ? spec->device : "");
}

/* ---- the message ---- */

/* A SIP message split at its empty line. */
typedef struct {
  GString *head;   /* start line and headers, each with its CRLF */
  GString *body;
  gchar *what;     /* "INVITE", "200 (INVITE)"... for notes */
  gboolean invite; /* an INVITE request */
} Msg;

static void
msg_clear (Msg *m)
{
  if (m->head)
    g_string_free (m->head, TRUE);
  if (m->body)
    g_string_free (m->body, TRUE);
  g_free (m->what);
}

static gboolean
msg_split (GBytes *message, Msg *m)
{
  gsize len = 0;
  const gchar *p = g_bytes_get_data (message, &len);
  const gchar *sep = p ? g_strstr_len (p, (gssize) len, "\r\n\r\n") : NULL;
  memset (m, 0, sizeof *m);
  if (sep == NULL)
    return FALSE;
  gsize hl = (gsize) (sep - p) + 2;
  m->head = g_string_new_len (p, (gssize) hl);
  m->body = g_string_new_len (sep + 4, (gssize) (len - hl - 2));
  const gchar *eol = strstr (m->head->str, "\r\n");
  g_autofree gchar *first = g_strndup (m->head->str, (gsize) (eol - m->head->str));
  g_auto (GStrv) tok = g_strsplit (first, " ", 3);
  m->invite = g_strcmp0 (tok[0], "INVITE") == 0;
  m->what = g_str_has_prefix (first, "SIP/") && tok[1] ? g_strdup_printf ("%s response", tok[1])
                                                      : g_strdup (tok[0]);
  return TRUE;
}

/* The message again, with Content-Length set to the body's length. */
static GBytes *
msg_join (Msg *m)
{
  GString *out = g_string_sized_new (m->head->len + m->body->len + 16);
  const gchar *p = m->head->str;
  while (*p)
    {
      const gchar *eol = strstr (p, "\r\n");
      gsize n = eol ? (gsize) (eol - p) + 2 : strlen (p);
      if (g_ascii_strncasecmp (p, "Content-Length:", 15) == 0
          || g_ascii_strncasecmp (p, "l:", 2) == 0)
        g_string_append_printf (out, "Content-Length: %" G_GSIZE_FORMAT "\r\n", m->body->len);
      else
        g_string_append_len (out, p, (gssize) n);
      p += n;
    }
  g_string_append (out, "\r\n");
  g_string_append_len (out, m->body->str, (gssize) m->body->len);
  return g_string_free_to_bytes (out);
}

/* The body's first line starting with @prefix: its start and length
 * (without the line end). */
static gboolean
find_line (const GString *body, const gchar *prefix, gsize *start, gsize *len)
{
  gsize pos = 0;
  while (pos < body->len)
    {
      const gchar *nl = memchr (body->str + pos, '\n', body->len - pos);
      gsize end = nl ? (gsize) (nl - body->str) : body->len;
      gsize l = end - pos;
      if (l > 0 && body->str[end - 1] == '\r')
        l--;
      if (l >= strlen (prefix) && strncmp (body->str + pos, prefix, strlen (prefix)) == 0)
        {
          *start = pos;
          *len = l;
          return TRUE;
        }
      pos = end + 1;
    }
  return FALSE;
}

static guint
strip_lines (GString *body, const gchar *prefix)
{
  guint n = 0;
  gsize start, len;
  while (find_line (body, prefix, &start, &len))
    {
      gsize cut = len;
      if (start + cut < body->len && body->str[start + cut] == '\r')
        cut++;
      if (start + cut < body->len && body->str[start + cut] == '\n')
        cut++;
      g_string_erase (body, (gssize) start, (gssize) cut);
      n++;
    }
  return n;
}

/* Where in a TRANSFER_INIT @field lies: the offset of the byte to change
 * and the bits to flip there (@mask, left at 0x01 for most fields); for
 * TRe the offset of the 4-byte value. */
static gboolean
field_offset (const ImpsMikeyMessage *msg, ImpsAttackField field, gsize *off, guint8 *mask,
              gchar **why)
{
  const ImpsMikeyPayload *p = NULL;
  switch (field)
    {
    case IMPS_ATTACK_FIELD_MAC:
      p = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_V);
      if (p && p->u.v.mac.len > 0)
        {
          *off = p->u.v.mac_offset + p->u.v.mac.len - 1;
          return TRUE;
        }
      break;
    case IMPS_ATTACK_FIELD_TICKET:
      p = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_TICKET);
      if (p && p->u.ticket.ticket_data.len > 0)
        {
          *off = p->u.ticket.ticket_data_offset + p->u.ticket.ticket_data.len / 2;
          return TRUE;
        }
      break;
    case IMPS_ATTACK_FIELD_IDRI:
    case IMPS_ATTACK_FIELD_IDRR:
      p = imps_mikey_message_find_idr (msg, field == IMPS_ATTACK_FIELD_IDRI
                                                ? IMPS_MIKEY_ID_ROLE_I : IMPS_MIKEY_ID_ROLE_R);
      if (p && p->u.id.data.len > 0)
        {
          /* the identity's last byte: the payload ends with the ID data */
          *off = p->offset + p->length - 1;
          return TRUE;
        }
      break;
    case IMPS_ATTACK_FIELD_T:
      p = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_T);
      if (p && p->length > 0)
        {
          *off = p->offset + p->length - 1;
          return TRUE;
        }
      break;
    case IMPS_ATTACK_FIELD_FLAGS:
      /* Next Payload, Ticket Type (2), Subtype, Version, then PRF Func
       * and D in one byte, E-L in the next: J is its bit 2 */
      p = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_TICKET);
      if (p && p->length > 7)
        {
          *off = p->offset + 6;
          *mask = (guint8) (IMPS_MIKEY_TICKET_FLAG_J >> 8);
          return TRUE;
        }
      break;
    case IMPS_ATTACK_FIELD_TRE:
      p = imps_mikey_message_find (msg, IMPS_MIKEY_PAYLOAD_TICKET);
      for (guint i = 0; p && i < p->u.ticket.n_tp_items; i++)
        {
          const ImpsMikeyPayload *tr = &p->u.ticket.tp_items[i];
          if (tr->type == IMPS_MIKEY_PAYLOAD_TR && tr->u.ts.role == IMPS_MIKEY_TS_ROLE_TRE
              && tr->u.ts.ts_type == IMPS_MIKEY_TS_NTP_UTC_32 && tr->length >= 4)
            {
              /* the 4-byte NTP-UTC-32 value ends the payload */
              *off = tr->offset + tr->length - 4;
              return TRUE;
            }
        }
      if (p)
        {
          *why = g_strdup ("the ticket has no NTP-UTC-32 TRe");
          return FALSE;
        }
      break;
    default:
      break;
    }
  *why = g_strdup ("the TRANSFER_INIT has no such field");
  return FALSE;
}

GBytes *
imps_attack_apply (const ImpsAttackSpec *spec, GBytes *message, const gchar *recorded,
                   gchar **record, gchar **note)
{
  Msg m = { 0 };
  GBytes *out = NULL;
  gsize start = 0, len = 0;

  *note = NULL;
  if (record)
    *record = NULL;
  if (spec->kind == IMPS_ATTACK_FORGE || spec->kind == IMPS_ATTACK_MEDIA
      || spec->kind == IMPS_ATTACK_DECRYPT || spec->field == IMPS_ATTACK_FIELD_REQUEST_INIT || !msg_split (message, &m))
    goto done;
  switch (spec->kind)
    {
    case IMPS_ATTACK_STRIP:
      {
        guint n = 0, profiles = 0;
        if (spec->field != IMPS_ATTACK_FIELD_CRYPTO)
          n += strip_lines (m.body, "a=key-mgmt:");
        if (spec->field != IMPS_ATTACK_FIELD_KEY_MGMT)
          n += strip_lines (m.body, "a=crypto:");
        if (spec->field == IMPS_ATTACK_FIELD_SECURITY)
          {
            gsize at = 0;
            const gchar *hit;
            while ((hit = g_strstr_len (m.body->str + at, (gssize) (m.body->len - at),
                                        " RTP/SAVP ")) != NULL)
              {
                at = (gsize) (hit - m.body->str);
                g_string_erase (m.body, (gssize) at + 1, 8);
                g_string_insert (m.body, (gssize) at + 1, "RTP/AVP");
                at += 8;
                profiles++;
              }
          }
        if (n == 0 && profiles == 0)
          break;
        *note = g_strdup_printf ("attack: stripped %u %s line%s from the SDP of the %s%s", n,
                                 spec->field == IMPS_ATTACK_FIELD_KEY_MGMT ? "a=key-mgmt"
                                 : spec->field == IMPS_ATTACK_FIELD_CRYPTO ? "a=crypto"
                                                                           : "key",
                                 n == 1 ? "" : "s", m.what,
                                 profiles ? " and made its RTP/SAVP RTP/AVP" : "");
        out = msg_join (&m);
        break;
      }
    case IMPS_ATTACK_REPLAY:
      {
        if (!m.invite || !find_line (m.body, "a=key-mgmt:mikey ", &start, &len))
          break;
        g_autofree gchar *line = g_strndup (m.body->str + start, len);
        if (recorded == NULL)
          {
            if (record)
              *record = g_steal_pointer (&line);
            *note = g_strdup_printf ("attack: recorded the TRANSFER_INIT of the %s", m.what);
            break;
          }
        if (strcmp (line, recorded) == 0)
          break;   /* the recorded call's own INVITE again */
        g_string_erase (m.body, (gssize) start, (gssize) len);
        g_string_insert (m.body, (gssize) start, recorded);
        *note = g_strdup_printf ("attack: replayed the TRANSFER_INIT recorded earlier in place "
                                 "of this %s's", m.what);
        out = msg_join (&m);
        break;
      }
    case IMPS_ATTACK_FORGE:
    case IMPS_ATTACK_MEDIA:
    case IMPS_ATTACK_DECRYPT:
      break;
    case IMPS_ATTACK_STEAL:
    case IMPS_ATTACK_RELAY:
      if (m.invite && find_line (m.body, "a=key-mgmt:mikey ", &start, &len) && record)
        {
          *record = g_strndup (m.body->str + start, len);
          *note = g_strdup_printf ("attack: copied the TRANSFER_INIT of the %s for %s", m.what,
                                   spec->kind == IMPS_ATTACK_STEAL ? spec->device
                                                                   : spec->identity);
        }
      break;
    case IMPS_ATTACK_TAMPER:
      {
        if (!m.invite || !find_line (m.body, "a=key-mgmt:mikey ", &start, &len))
          break;
        gsize pre = strlen ("a=key-mgmt:mikey ");
        g_autofree gchar *b64 = g_strndup (m.body->str + start + pre, len - pre);
        gsize dlen = 0;
        g_autofree guint8 *data = g_base64_decode (b64, &dlen);
        g_autoptr (ImpsMikeyMessage) mk = imps_mikey_message_parse (data, dlen, NULL);
        g_autofree gchar *why = NULL;
        gsize off = 0;
        guint8 mask = 0x01;
        if (mk == NULL)
          break;
        gsize width = spec->field == IMPS_ATTACK_FIELD_TRE ? 4 : 1;
        if (!field_offset (mk, spec->field, &off, &mask, &why) || off + width > dlen)
          {
            *note = g_strdup_printf ("attack: nothing to tamper with in the %s: %s", m.what,
                                     why ? why : "offset out of range");
            break;
          }
        g_autofree gchar *change = NULL;
        if (spec->field == IMPS_ATTACK_FIELD_TRE)
          {
            guint32 tre = (guint32) data[off] << 24 | (guint32) data[off + 1] << 16
                          | (guint32) data[off + 2] << 8 | data[off + 3];
            guint32 later = tre + TRE_EXTENSION_S;
            for (guint b = 0; b < 4; b++)
              data[off + b] = (guint8) (later >> (24 - 8 * b));
            change = g_strdup_printf ("bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT
                                      ": %u -> %u, %u s later", off, off + 3, tre, later,
                                      TRE_EXTENSION_S);
          }
        else
          {
            guint8 old = data[off];
            data[off] ^= mask;
            change = g_strdup_printf ("byte %" G_GSIZE_FORMAT ": 0x%02x -> 0x%02x", off, old,
                                      data[off]);
          }
        g_autofree gchar *enc = g_base64_encode (data, dlen);
        g_string_erase (m.body, (gssize) (start + pre), (gssize) (len - pre));
        g_string_insert (m.body, (gssize) (start + pre), enc);
        *note = g_strdup_printf ("attack: changed %s of the TRANSFER_INIT in the %s (%s)",
                                 fields[field_index (spec)].what, m.what, change);
        out = msg_join (&m);
        break;
      }
    }
done:
  msg_clear (&m);
  return out;
}

