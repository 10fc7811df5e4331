#include "imps-script.h"
#include "imps-callctl.h"
#include "imps-tickets.h"
#include "sip/imps-sip-uri.h"

#include <string.h>

static const gchar *const ref_names[] = { "Ub", "Zh", "Zn", "Ua", "Zk", "Gm", "Mw", "media" };

static const gchar *const security_names[] = {
  [IMPS_SCRIPT_SECURITY_NONE] = "none",
  [IMPS_SCRIPT_SECURITY_SDES_E2E] = "sdes-e2e",
  [IMPS_SCRIPT_SECURITY_SDES_E2AE] = "sdes-e2ae",
  [IMPS_SCRIPT_SECURITY_MIKEY_TICKET] = "mikey-ticket",
};

static const struct {
  const gchar *kind;
  guint bit;
} node_kinds[] = {
  { "hss", IMPS_OP_NODE_HSS },     { "bsf", IMPS_OP_NODE_BSF },
  { "kms", IMPS_OP_NODE_KMS },     { "pcscf", IMPS_OP_NODE_PCSCF },
  { "scscf", IMPS_OP_NODE_SCSCF }, { "agw", IMPS_OP_NODE_AGW },
};

#define USAGE_EXPECT                                                                          \
  "usage: expect = ok | fail [TEXT] | refusal NODE [TEXT] | message REF [TEXT] "              \
  "| no-message REF [TEXT] | bootstrapped DEVICE | established | sip STATUS | media "         \
  "| exposure NODE keys|none | forks-differ | forks-share "                                   \
  "| media-rejected DEVICE replays|auth-failures | answered-by DEVICE | cancelled N "        \
  "| ticket NAME flags X=0|1 ... | ticket NAME validity DURATION"

/* What the checks carry from one step to the next. */
typedef struct {
  const ImpsScenario *s;
  GHashTable *registered;  /* device names a register step names */
  GHashTable *refresh_us;  /* a refresh interval (µs) -> how many registered devices have it */
  gint64 advance_us;       /* sum of every advance so far */
  gint64 media_us;         /* sum of every call's media= so far */
  guint64 refreshes;       /* estimated REGISTER refreshes so far */
  guint actions;           /* action steps so far */
  guint attacks_unused;    /* attack steps with no call after them yet */
  const ImpsStepSpec *last_attack;
  gboolean prev_attack;    /* the step before was an attack */
  GHashTable *tickets;     /* ticket NAME -> the device that asked for it */
} Checker;

void
imps_script_step_free (ImpsScriptStep *st)
{
  if (st == NULL)
    return;
  g_free (st->device);
  g_free (st->node);
  g_free (st->callee);
  g_free (st->ref);
  g_free (st->text);
  g_free (st->from);
  g_free (st->to);
  g_free (st->ticket);
  imps_attack_spec_free (st->attack);
  imps_load_spec_free (st->load);
  g_free (st);
}

static gboolean G_GNUC_PRINTF (4, 5)
step_error (const ImpsScenario *sc, const ImpsStepSpec *spec, GError **error,
            const gchar *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE, "%s:%u: [script] %s: %s",
               sc->path, spec->line, spec->verb, msg);
  return FALSE;
}

gboolean
imps_script_parse_duration_us (const gchar *text, gint64 *out, GError **error)
{
  static const struct {
    const gchar *unit;
    gint64 us;
  } units[] = {
    { "ms", 1000 }, { "s", G_USEC_PER_SEC }, { "", G_USEC_PER_SEC },
    { "m", 60 * G_USEC_PER_SEC }, { "h", G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC },
    { "d", G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC },
  };
  const gchar *p = text;
  guint64 whole = 0, frac = 0, frac_scale = 1;
  guint digits = 0;

  /* Whole part: at most 12 digits, so nothing below overflows. */
  for (; g_ascii_isdigit (*p); p++, digits++)
    if (digits >= 12)
      goto bad;
    else
      whole = whole * 10 + (guint64) (*p - '0');
  if (digits == 0)
    goto bad;
  if (*p == '.')
    {
      guint f = 0;
      for (p++; g_ascii_isdigit (*p); p++, f++)
        if (f < 6)
          frac = frac * 10 + (guint64) (*p - '0'), frac_scale *= 10;
      if (f == 0)
        goto bad;
    }
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (p, units[i].unit) == 0)
      {
        /* At most 6 fraction digits count: frac < 10^6, unit <= 8.64 * 10^10. */
        if (whole > G_MAXINT64 / (guint64) units[i].us / 2)
          goto bad;
        *out = (gint64) (whole * (guint64) units[i].us
                         + (frac * (guint64) units[i].us + frac_scale / 2) / frac_scale);
        return TRUE;
      }
bad:
  g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
               "'%s' is not a duration (digits with an optional fraction, then ms, s, m, h or d)",
               text);
  return FALSE;
}

gboolean
imps_script_is_node (const ImpsScenario *s, const gchar *name)
{
  for (guint i = 0; i < s->operators->len; i++)
    {
      const ImpsOperatorSpec *o = g_ptr_array_index (s->operators, i);
      for (guint k = 0; k < G_N_ELEMENTS (node_kinds); k++)
        {
          gsize l = strlen (node_kinds[k].kind);
          if ((o->nodes & node_kinds[k].bit) && strncmp (name, node_kinds[k].kind, l) == 0
              && name[l] == '.' && g_ascii_strcasecmp (name + l + 1, o->domain) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* "hss.home1.net, bsf.home1.net, ..." (at most 24) for error messages. */
static gchar *
node_names (const ImpsScenario *s)
{
  GString *out = g_string_new (NULL);
  guint n = 0;
  for (guint i = 0; i < s->operators->len; i++)
    {
      const ImpsOperatorSpec *o = g_ptr_array_index (s->operators, i);
      for (guint k = 0; k < G_N_ELEMENTS (node_kinds); k++)
        if (o->nodes & node_kinds[k].bit)
          {
            if (n++ == 24)
              {
                g_string_append (out, ", ...");
                return g_string_free (out, FALSE);
              }
            g_string_append_printf (out, "%s%s.%s", out->len ? ", " : "", node_kinds[k].kind,
                                    o->domain);
          }
    }
  return g_string_free (out, FALSE);
}

static const ImpsOperatorSpec *
device_operator (const ImpsScenario *s, const ImpsSubscriberSpec *u)
{
  return g_ptr_array_index (s->operators, u->op);
}

gint64
imps_script_refresh_us (guint registration_max)
{
  /* What the UE does (TS 24.229 §5.1.1.4.1): 600 s before the end of a
   * registration of more than 1,200 s, else at half of it. */
  if (registration_max > 1200)
    return (gint64) (registration_max - 600) * G_USEC_PER_SEC;
  return MAX ((gint64) registration_max * G_USEC_PER_SEC / 2, 1);
}

/* A device named in the script, whose operator runs @need (0: anything). */
static gboolean
check_device (Checker *k, const ImpsStepSpec *spec, const gchar *name, guint need,
              const gchar *what, gchar **out, GError **error)
{
  const ImpsSubscriberSpec *u = NULL;
  guint d = 0;
  g_autoptr (GError) e = NULL;
  if (!imps_scenario_find_device (k->s, name, &u, &d, &e))
    return step_error (k->s, spec, error, "%s", e->message);
  const ImpsOperatorSpec *o = device_operator (k->s, u);
  if ((o->nodes & need) != need)
    return step_error (k->s, spec, error, "the home operator of '%s' (%s) runs no %s", name,
                       o->name, what);
  *out = imps_scenario_device_name (u, d);
  return TRUE;
}

/* A callee URI the caller's SIP stack will take: sip: or tel:, at most 256
 * printable bytes, and valid for the SIP URI parser. */
static gboolean
check_uri (const gchar *v, GError **error)
{
  gsize n = strlen (v);
  if (n < 5 || n > 256 || !(g_str_has_prefix (v, "sip:") || g_str_has_prefix (v, "tel:")))
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                   "not a sip: or tel: URI of at most 256 bytes");
      return FALSE;
    }
  for (const gchar *p = v; *p; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f || strchr ("<>\"", *p))
      {
        g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_VALUE,
                     "byte %zu is a space, a control byte or one of <>\"", (gsize) (p - v));
        return FALSE;
      }
  return imps_sip_uri_validate (v, -1, error);
}

static gboolean
parse_call (Checker *k, ImpsScriptStep *st, gint argc, gchar **argv, GError **error)
{
  const ImpsStepSpec *spec = st->spec;
  gboolean have_security = FALSE, have_media = FALSE, have_cancel = FALSE;
  const gchar *ticket_name = NULL;

  st->security = IMPS_SCRIPT_SECURITY_NONE;
  st->media_us = 2 * G_USEC_PER_SEC;
  if (argc < 2)
    goto usage;
  if (!check_device (k, spec, argv[0], IMPS_OP_NODE_PCSCF, "IMS core", &st->device, error))
    return FALSE;
  if (strchr (argv[1], ':') != NULL)
    {
      g_autoptr (GError) e = NULL;
      if (!check_uri (argv[1], &e))
        return step_error (k->s, spec, error, "callee '%s' is not a URI to call: %s", argv[1],
                           e->message);
      st->callee = g_strdup (argv[1]);
    }
  else
    {
      const ImpsSubscriberSpec *u = imps_scenario_find_subscriber (k->s, argv[1]);
      if (u == NULL)
        return step_error (k->s, spec, error, "no subscriber '%s' (a NAME or a sip: or tel: URI)",
                           argv[1]);
      st->callee = g_strdup (u->impus[0]);
    }
  for (gint i = 2; i < argc; i++)
    {
      g_autoptr (GError) e = NULL;
      if (g_str_has_prefix (argv[i], "security=") && !have_security)
        {
          const gchar *v = argv[i] + 9;
          guint n;
          for (n = 0; n < G_N_ELEMENTS (security_names); n++)
            if (g_str_equal (v, security_names[n]))
              break;
          if (n == G_N_ELEMENTS (security_names))
            return step_error (k->s, spec, error,
                               "security=%s: one of none, sdes-e2e, sdes-e2ae, mikey-ticket", v);
          st->security = (ImpsScriptSecurity) n;
          have_security = TRUE;
        }
      else if (g_str_has_prefix (argv[i], "media=") && !have_media)
        {
          if (!imps_script_parse_duration_us (argv[i] + 6, &st->media_us, &e))
            return step_error (k->s, spec, error, "media=: %s", e->message);
          if (st->media_us > IMPS_SCRIPT_MAX_MEDIA_US)
            return step_error (k->s, spec, error, "media=%s: at most 1h of media a call",
                               argv[i] + 6);
          have_media = TRUE;
        }
      else if (g_str_has_prefix (argv[i], "ticket=") && ticket_name == NULL)
        ticket_name = argv[i] + 7;
      else if (g_str_has_prefix (argv[i], "cancel-after=") && !have_cancel)
        {
          if (!imps_script_parse_duration_us (argv[i] + 13, &st->cancel_after_us, &e))
            return step_error (k->s, spec, error, "cancel-after=: %s", e->message);
          if (st->cancel_after_us == 0 || st->cancel_after_us > IMPS_SCRIPT_MAX_MEDIA_US)
            return step_error (k->s, spec, error, "cancel-after=%s: more than 0 and at most 1h",
                               argv[i] + 13);
          have_cancel = TRUE;
        }
      else
        goto usage;
    }
  if (ticket_name != NULL)
    {
      const gchar *owner = g_hash_table_lookup (k->tickets, ticket_name);
      if (owner == NULL)
        return step_error (k->s, spec, error, "ticket=%s: no ticket step names '%s' before this",
                           ticket_name, ticket_name);
      if (strcmp (owner, st->device) != 0)
        return step_error (k->s, spec, error, "ticket=%s: the ticket is %s's, not %s's",
                           ticket_name, owner, st->device);
      if (have_security && st->security != IMPS_SCRIPT_SECURITY_MIKEY_TICKET)
        return step_error (k->s, spec, error, "ticket= needs security=mikey-ticket");
      st->security = IMPS_SCRIPT_SECURITY_MIKEY_TICKET;
      st->ticket = g_strdup (ticket_name);
    }
  if (st->security == IMPS_SCRIPT_SECURITY_MIKEY_TICKET)
    {
      const ImpsSubscriberSpec *u = NULL;
      imps_scenario_find_device (k->s, argv[0], &u, NULL, NULL);
      if (!(device_operator (k->s, u)->nodes & IMPS_OP_NODE_KMS))
        return step_error (k->s, spec, error, "security=mikey-ticket needs a kms at %s's operator",
                           argv[0]);
    }
  k->media_us += st->media_us;
  if (k->media_us > IMPS_SCRIPT_MAX_TOTAL_MEDIA_US)
    return step_error (k->s, spec, error,
                       "the script's calls would run more than 4h of media in all");
  return TRUE;
usage:
  return step_error (k->s, spec, error,
                     "usage: call = CALLER CALLEE [security=none|sdes-e2e|sdes-e2ae|mikey-ticket] "
                     "[media=DURATION] [cancel-after=DURATION] [ticket=NAME], each option at most "
                     "once");
}

static gboolean
parse_advance (Checker *k, ImpsScriptStep *st, gint argc, gchar **argv, GError **error)
{
  g_autoptr (GError) e = NULL;
  if (argc != 1)
    return step_error (k->s, st->spec, error, "usage: advance = DURATION (e.g. 2h, 90s, 20ms)");
  if (!imps_script_parse_duration_us (argv[0], &st->duration_us, &e))
    return step_error (k->s, st->spec, error, "%s", e->message);
  if (st->duration_us > IMPS_SCRIPT_MAX_ADVANCE_US)
    return step_error (k->s, st->spec, error, "%s: at most 30d a step", argv[0]);
  k->advance_us += st->duration_us;
  if (k->advance_us > IMPS_SCRIPT_MAX_TOTAL_ADVANCE_US)
    return step_error (k->s, st->spec, error,
                       "the script would advance the clock by more than 366d in all");
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, k->refresh_us);
  while (g_hash_table_iter_next (&it, &key, &value))
    k->refreshes += (guint64) (st->duration_us / *(const gint64 *) key) * GPOINTER_TO_UINT (value);
  if (k->refreshes > IMPS_SCRIPT_MAX_REFRESHES)
    return step_error (k->s, st->spec, error,
                       "with %u registered devices the script's advances would cause about %"
                       G_GUINT64_FORMAT " REGISTER refreshes, more than the limit of %u",
                       g_hash_table_size (k->registered), k->refreshes, IMPS_SCRIPT_MAX_REFRESHES);
  return TRUE;
}

static gboolean
parse_restart (Checker *k, ImpsScriptStep *st, gint argc, gchar **argv, GError **error)
{
  static const gchar *const kinds[] = { "hss", "bsf", "kms", "pcscf", "scscf", "agw" };
  /* The IMS core runs as one: P-CSCF, S-CSCF and IMS-AGW together. */
  static const guint ims = IMPS_OP_NODE_PCSCF | IMPS_OP_NODE_SCSCF | IMPS_OP_NODE_AGW;
  static const guint bits[] = { IMPS_OP_NODE_HSS, IMPS_OP_NODE_BSF, IMPS_OP_NODE_KMS,
                                ims, ims, ims };
  guint n = G_N_ELEMENTS (kinds);
  for (guint i = 0; (argc == 2 || argc == 3) && i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (argv[0], kinds[i]))
      n = i;
  if (n == G_N_ELEMENTS (kinds))
    return step_error (k->s, st->spec, error,
                       "usage: restart = hss|bsf|kms|pcscf|scscf|agw OPERATOR, or "
                       "restart = hss|bsf|kms OPERATOR wiped");
  /* Only the nodes with a store can start with an empty one. */
  if (argc == 3 && !g_str_equal (argv[2], "wiped"))
    return step_error (k->s, st->spec, error, "restart %s: unknown option '%s' (known: wiped)",
                       argv[0], argv[2]);
  if (argc == 3 && n >= 3)
    return step_error (k->s, st->spec, error,
                       "restart %s: only hss, bsf and kms have a store to wipe (the IMS nodes "
                       "keep none)", argv[0]);
  st->wiped = argc == 3;
  const ImpsOperatorSpec *o = NULL;
  for (guint i = 0; i < k->s->operators->len && o == NULL; i++)
    if (g_str_equal (((const ImpsOperatorSpec *) g_ptr_array_index (k->s->operators, i))->name,
                     argv[1]))
      {
        o = g_ptr_array_index (k->s->operators, i);
        st->op = i;
      }
  if (o == NULL)
    return step_error (k->s, st->spec, error, "no operator '%s'", argv[1]);
  if ((o->nodes & bits[n]) != bits[n])
    return step_error (k->s, st->spec, error, "operator %s runs no %s", o->name, kinds[n]);
  st->node = g_strdup (argv[0]);
  return TRUE;
}

/* NODE of refusal: a node of the network or a device (a UE refuses too). */
static gboolean
check_node (Checker *k, const ImpsStepSpec *spec, const gchar *name, gboolean devices,
            GError **error)
{
  if (imps_script_is_node (k->s, name)
      || (devices && imps_scenario_find_device (k->s, name, NULL, NULL, NULL)))
    return TRUE;
  g_autofree gchar *nodes = node_names (k->s);
  return step_error (k->s, spec, error, "no node '%s' in this network (%s%s)", name, nodes,
                     devices ? ", or a device" : "");
}

static gboolean
parse_expect (Checker *k, ImpsScriptStep *st, gint argc, gchar **argv, GError **error)
{
  const ImpsStepSpec *spec = st->spec;
  const gchar *w = argc > 0 ? argv[0] : "";

  if (g_str_equal (w, "ok") && argc == 1)
    st->expect = IMPS_EXPECT_OK;
  else if (g_str_equal (w, "fail"))
    st->expect = IMPS_EXPECT_FAIL;
  else if (g_str_equal (w, "refusal") && argc >= 2)
    {
      const ImpsSubscriberSpec *u = NULL;
      guint d = 0;
      st->expect = IMPS_EXPECT_REFUSAL;
      if (!check_node (k, spec, argv[1], TRUE, error))
        return FALSE;
      /* A device by the name its events carry ("bob" for "bob.phone"). */
      st->node = !imps_script_is_node (k->s, argv[1])
                         && imps_scenario_find_device (k->s, argv[1], &u, &d, NULL)
                     ? imps_scenario_device_name (u, d)
                     : g_strdup (argv[1]);
    }
  else if ((g_str_equal (w, "message") || g_str_equal (w, "no-message")) && argc >= 2)
    {
      st->expect = g_str_equal (w, "message") ? IMPS_EXPECT_MESSAGE : IMPS_EXPECT_NO_MESSAGE;
      for (guint i = 0; i < G_N_ELEMENTS (ref_names) && st->ref == NULL; i++)
        if (g_ascii_strcasecmp (argv[1], ref_names[i]) == 0)
          st->ref = g_strdup (ref_names[i]);
      if (st->ref == NULL)
        return step_error (k->s, spec, error,
                           "'%s' is not a reference point (Ub, Zh, Zn, Ua, Zk, Gm, Mw, media)",
                           argv[1]);
    }
  else if (g_str_equal (w, "cancelled") && argc == 2)
    {
      guint64 v = 0;
      st->expect = IMPS_EXPECT_CANCELLED;
      if (!g_ascii_string_to_unsigned (argv[1], 10, 0, 16 * 16384, &v, NULL))
        return step_error (k->s, spec, error, "cancelled '%s': a number of devices", argv[1]);
      st->count = (guint) v;
    }
  else if (g_str_equal (w, "ticket"))
    {
      g_autoptr (GError) te = NULL;
      st->expect = IMPS_EXPECT_TICKET;
      if (!imps_tickets_parse_expect (st, argc, argv, &te))
        return step_error (k->s, spec, error, "%s", te->message);
      if (!g_hash_table_contains (k->tickets, st->ticket))
        return step_error (k->s, spec, error, "no ticket step names '%s' before this",
                           st->ticket);
    }
  else if (g_str_equal (w, "established") && argc == 1)
    st->expect = IMPS_EXPECT_ESTABLISHED;
  else if (g_str_equal (w, "sip") && argc == 2)
    {
      guint64 v = 0;
      st->expect = IMPS_EXPECT_SIP;
      if (!g_ascii_string_to_unsigned (argv[1], 10, 100, 699, &v, NULL))
        return step_error (k->s, spec, error, "'%s' is not a SIP status (100-699)", argv[1]);
      st->status = (guint) v;
    }
  else if (g_str_equal (w, "media") && argc == 1)
    st->expect = IMPS_EXPECT_MEDIA;
  else if (g_str_equal (w, "forks-differ") && argc == 1)
    st->expect = IMPS_EXPECT_FORKS_DIFFER;
  else if (g_str_equal (w, "forks-share") && argc == 1)
    st->expect = IMPS_EXPECT_FORKS_SHARE;
  else if (g_str_equal (w, "exposure") && argc == 3
           && (g_str_equal (argv[2], "keys") || g_str_equal (argv[2], "none")))
    {
      st->expect = IMPS_EXPECT_EXPOSURE;
      if (!check_node (k, spec, argv[1], FALSE, error))
        return FALSE;
      st->node = g_strdup (argv[1]);
      st->keys = g_str_equal (argv[2], "keys");
    }
  else if (g_str_equal (w, "media-rejected") && argc == 3
           && (g_str_equal (argv[2], "replays") || g_str_equal (argv[2], "auth-failures")))
    {
      st->expect = IMPS_EXPECT_MEDIA_REJECTED;
      if (!check_device (k, spec, argv[1], 0, "", &st->device, error))
        return FALSE;
      st->keys = g_str_equal (argv[2], "replays");
    }
  else if (g_str_equal (w, "answered-by") && argc == 2)
    {
      st->expect = IMPS_EXPECT_ANSWERED_BY;
      if (!check_device (k, spec, argv[1], IMPS_OP_NODE_PCSCF, "IMS core", &st->device, error))
        return FALSE;
    }
  else if (g_str_equal (w, "bootstrapped") && argc == 2)
    {
      st->expect = IMPS_EXPECT_BOOTSTRAPPED;
      if (!check_device (k, spec, argv[1], 0, "", &st->device, error))
        return FALSE;
    }
  else
    return step_error (k->s, spec, error, USAGE_EXPECT);

  /* message and no-message: count=N, from=NODE, to=NODE anywhere after
   * REF are options, not text. */
  g_autoptr (GPtrArray) words = g_ptr_array_new ();   /* the free text, borrowed */
  guint skip = st->expect == IMPS_EXPECT_FAIL ? 1 : 2;
  for (gint i = (gint) skip; i < argc; i++)
    {
      gboolean msg = st->expect == IMPS_EXPECT_MESSAGE || st->expect == IMPS_EXPECT_NO_MESSAGE;
      gchar **slot = !msg ? NULL
                     : g_str_has_prefix (argv[i], "from=") ? &st->from
                     : g_str_has_prefix (argv[i], "to=") ? &st->to : NULL;
      if (msg && g_str_has_prefix (argv[i], "count="))
        {
          guint64 v = 0;
          if (st->expect != IMPS_EXPECT_MESSAGE || st->has_count
              || !g_ascii_string_to_unsigned (argv[i] + 6, 10, 0, 1000000, &v, NULL))
            return step_error (k->s, spec, error,
                               "'%s': count=N at most once, N a number, with message only",
                               argv[i]);
          st->count = (guint) v;
          st->has_count = TRUE;
        }
      else if (slot != NULL)
        {
          const gchar *v = strchr (argv[i], '=') + 1;
          const ImpsSubscriberSpec *u = NULL;
          guint d = 0;
          if (*slot != NULL)
            return step_error (k->s, spec, error, "'%s': given twice", argv[i]);
          if (!check_node (k, spec, v, TRUE, error))
            return FALSE;
          *slot = !imps_script_is_node (k->s, v)
                          && imps_scenario_find_device (k->s, v, &u, &d, NULL)
                      ? imps_scenario_device_name (u, d)
                      : g_ascii_strdown (v, -1);
        }
      else
        g_ptr_array_add (words, argv[i]);
    }
  /* The free text of fail, refusal, message and no-message. */
  if ((st->expect == IMPS_EXPECT_FAIL || st->expect == IMPS_EXPECT_REFUSAL
       || st->expect == IMPS_EXPECT_MESSAGE || st->expect == IMPS_EXPECT_NO_MESSAGE)
      && words->len > 0)
    {
      g_ptr_array_add (words, NULL);
      st->text = g_strjoinv (" ", (gchar **) words->pdata);
    }
  if (k->actions == 0)
    return step_error (k->s, spec, error, "an expect needs an action before it");
  return TRUE;
}

/* attack = ...: the acting node must be a CSCF of the network (the nodes
 * that forward SIP). */
static gboolean
parse_attack (Checker *k, ImpsScriptStep *st, gint argc, gchar **argv, GError **error)
{
  g_autoptr (GError) e = NULL;
  st->attack = imps_attack_spec_parse (argc, argv, &e);
  if (st->attack == NULL)
    return step_error (k->s, st->spec, error, "%s", e->message);
  if (st->attack->kind == IMPS_ATTACK_MEDIA)
    {
      if (!check_device (k, st->spec, st->attack->device, IMPS_OP_NODE_PCSCF, "IMS core",
                         &st->device, error))
        return FALSE;
      k->attacks_unused++;
      k->last_attack = st->spec;
      return TRUE;
    }
  if (st->attack->kind == IMPS_ATTACK_DECRYPT)
    {
      /* the rogue resolves with its own KMS; the victim needs an IMS core */
      g_autofree gchar *victim = NULL;
      if (!check_device (k, st->spec, st->attack->victim, IMPS_OP_NODE_PCSCF, "IMS core",
                         &victim, error)
          || !check_device (k, st->spec, st->attack->device, IMPS_OP_NODE_KMS, "kms",
                            &st->device, error))
        return FALSE;
      if (g_strcmp0 (victim, st->device) == 0)
        return step_error (k->s, st->spec, error,
                           "decrypt: %s is both the device attacked and the rogue", victim);
      g_free (st->attack->victim);
      st->attack->victim = g_steal_pointer (&victim);
      k->attacks_unused++;
      k->last_attack = st->spec;
      return TRUE;
    }
  if (st->attack->field == IMPS_ATTACK_FIELD_REQUEST_INIT)
    {
      /* both devices use one KMS: the copy goes to the rogue's */
      g_autofree gchar *victim = NULL;
      const ImpsSubscriberSpec *u = NULL, *v = NULL;
      guint d = 0;
      if (!check_device (k, st->spec, st->attack->victim, IMPS_OP_NODE_KMS, "kms", &victim,
                         error)
          || !check_device (k, st->spec, st->attack->device, IMPS_OP_NODE_KMS, "kms",
                            &st->device, error))
        return FALSE;
      if (imps_scenario_find_device (k->s, st->attack->victim, &v, &d, NULL)
          && imps_scenario_find_device (k->s, st->attack->device, &u, &d, NULL)
          && device_operator (k->s, u) != device_operator (k->s, v))
        return step_error (k->s, st->spec, error,
                           "replay REQUEST_INIT: %s (operator %s) and %s (operator %s) use "
                           "different KMSs; the copy goes to the KMS of %s", victim,
                           device_operator (k->s, v)->name, st->device,
                           device_operator (k->s, u)->name, st->device);
      g_free (st->attack->victim);
      st->attack->victim = g_steal_pointer (&victim);
      k->attacks_unused++;
      k->last_attack = st->spec;
      return TRUE;
    }
  if (st->attack->kind == IMPS_ATTACK_FORGE)
    {
      g_autoptr (GError) ue = NULL;
      if (!check_uri (st->attack->identity, &ue))
        return step_error (k->s, st->spec, error, "forge: '%s' is not an identity to claim: %s",
                           st->attack->identity, ue->message);
      if (!check_device (k, st->spec, st->attack->device, IMPS_OP_NODE_KMS, "kms", &st->device,
                         error))
        return FALSE;
      k->attacks_unused++;
      k->last_attack = st->spec;
      return TRUE;
    }
  if (!imps_script_is_node (k->s, st->attack->node)
      || !(g_str_has_prefix (st->attack->node, "pcscf.")
           || g_str_has_prefix (st->attack->node, "scscf.")))
    {
      g_autofree gchar *nodes = node_names (k->s);
      return step_error (k->s, st->spec, error,
                         "no P-CSCF or S-CSCF '%s' in this network (%s): an attack acts "
                         "through a node that forwards SIP", st->attack->node, nodes);
    }
  if (st->attack->kind == IMPS_ATTACK_RELAY
      && (!g_str_has_prefix (st->attack->victim, "kms.")
          || !imps_script_is_node (k->s, st->attack->victim)))
    {
      g_autofree gchar *nodes = node_names (k->s);
      return step_error (k->s, st->spec, error,
                         "relay: no KMS '%s' in this network (%s): the relay goes to a KMS of "
                         "the network", st->attack->victim, nodes);
    }
  if (st->attack->kind == IMPS_ATTACK_STEAL
      && !check_device (k, st->spec, st->attack->device, IMPS_OP_NODE_KMS, "kms", &st->device,
                        error))
    return FALSE;
  k->attacks_unused++;
  k->last_attack = st->spec;
  return TRUE;
}

static ImpsScriptStep *
parse_step (Checker *k, const ImpsStepSpec *spec, GError **error)
{
  g_autoptr (GError) e = NULL;
  g_auto (GStrv) argv = NULL;
  gint argc = 0;

  if (spec->args[0] != '\0' && !g_shell_parse_argv (spec->args, &argc, &argv, &e))
    {
      step_error (k->s, spec, error, "cannot read the arguments: %s", e->message);
      return NULL;
    }
  g_autoptr (ImpsScriptStep) st = g_new0 (ImpsScriptStep, 1);
  st->spec = spec;
  gboolean ok;
  if (g_str_equal (spec->verb, "bootstrap"))
    {
      st->verb = IMPS_SCRIPT_BOOTSTRAP;
      ok = argc == 1 ? check_device (k, spec, argv[0], IMPS_OP_NODE_BSF, "bsf", &st->device, error)
                     : step_error (k->s, spec, error, "usage: bootstrap = DEVICE");
    }
  else if (g_str_equal (spec->verb, "register") || g_str_equal (spec->verb, "hangup"))
    {
      st->verb = g_str_equal (spec->verb, "register") ? IMPS_SCRIPT_REGISTER : IMPS_SCRIPT_HANGUP;
      ok = argc == 1 ? check_device (k, spec, argv[0], IMPS_OP_NODE_PCSCF, "IMS core", &st->device,
                                     error)
                     : step_error (k->s, spec, error, "usage: %s = DEVICE", spec->verb);
      if (ok && st->verb == IMPS_SCRIPT_REGISTER && !g_hash_table_contains (k->registered, st->device))
        {
          g_hash_table_add (k->registered, g_strdup (st->device));
          const ImpsSubscriberSpec *u = NULL;
          guint d = 0;
          gint64 every = IMPS_SCRIPT_REFRESH_US;
          if (imps_scenario_find_device (k->s, st->device, &u, &d, NULL))
            every = imps_script_refresh_us (device_operator (k->s, u)->registration_max);
          gpointer n = g_hash_table_lookup (k->refresh_us, &every);
          if (n == NULL)
            g_hash_table_insert (k->refresh_us, g_memdup2 (&every, sizeof every), GUINT_TO_POINTER (1));
          else
            g_hash_table_insert (k->refresh_us, g_memdup2 (&every, sizeof every),
                                 GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
        }
    }
  else if (g_str_equal (spec->verb, "call"))
    {
      st->verb = IMPS_SCRIPT_CALL;
      ok = parse_call (k, st, argc, argv, error);
      k->attacks_unused = 0;
    }
  else if (g_str_equal (spec->verb, "advance"))
    {
      st->verb = IMPS_SCRIPT_ADVANCE;
      ok = parse_advance (k, st, argc, argv, error);
    }
  else if (g_str_equal (spec->verb, "restart"))
    {
      st->verb = IMPS_SCRIPT_RESTART;
      ok = parse_restart (k, st, argc, argv, error);
    }
  else if (g_str_equal (spec->verb, "attack"))
    {
      st->verb = IMPS_SCRIPT_ATTACK;
      ok = parse_attack (k, st, argc, argv, error);
    }
  else if (g_str_equal (spec->verb, "answer"))
    {
      g_autoptr (GError) ae = NULL;
      st->verb = IMPS_SCRIPT_ANSWER;
      ok = argc >= 1
           && check_device (k, spec, argv[0], IMPS_OP_NODE_PCSCF, "IMS core", &st->device, error);
      if (ok && !imps_callctl_parse_answer (st, argc, argv, &ae))
        ok = step_error (k->s, spec, error, "%s", ae->message);
      else if (argc < 1)
        ok = step_error (k->s, spec, error,
                         "usage: answer = DEVICE after=DURATION|reject=STATUS|busy|decline|never");
    }
  else if (g_str_equal (spec->verb, "forget-btid"))
    {
      /* forget-btid = bsf OPERATOR DEVICE: the restart checks name the
       * operator and its bsf */
      st->verb = IMPS_SCRIPT_FORGET_BTID;
      if (argc != 3 || !g_str_equal (argv[0], "bsf"))
        ok = step_error (k->s, spec, error, "usage: forget-btid = bsf OPERATOR DEVICE");
      else
        ok = parse_restart (k, st, 2, argv, error)
             && check_device (k, spec, argv[2], IMPS_OP_NODE_BSF, "bsf", &st->device, error);
    }
  else if (g_str_equal (spec->verb, "ticket"))
    {
      g_autoptr (GError) te = NULL;
      st->verb = IMPS_SCRIPT_TICKET;
      if (!imps_tickets_parse_step (k->s, st, argc, argv, &te))
        ok = step_error (k->s, spec, error, "%s", te->message);
      else
        ok = check_device (k, spec, argv[0], IMPS_OP_NODE_KMS, "kms", &st->device, error);
      if (ok && g_hash_table_contains (k->tickets, st->ticket))
        ok = step_error (k->s, spec, error, "a ticket named '%s' already exists", st->ticket);
      if (ok)
        g_hash_table_insert (k->tickets, g_strdup (st->ticket), g_strdup (st->device));
    }
  else if (g_str_equal (spec->verb, "expect"))
    {
      st->verb = IMPS_SCRIPT_EXPECT;
      ok = parse_expect (k, st, argc, argv, error);
    }
  else if (g_str_equal (spec->verb, "load"))
    {
      g_autoptr (GError) le = NULL;
      st->verb = IMPS_SCRIPT_LOAD;
      st->load = imps_load_spec_parse (k->s, argc, argv, &le);
      ok = st->load != NULL || step_error (k->s, spec, error, "%s", le->message);
      k->attacks_unused = 0;
    }
  else
    ok = step_error (k->s, spec, error,
                     "unknown verb (known: bootstrap, register, call, hangup, advance, restart, "
                     "answer, ticket, forget-btid, attack, expect, load)");
  /* An attack arms for the next call: an expect straight after it would
   * judge the action before the attack, which reads wrong. */
  if (ok && st->verb == IMPS_SCRIPT_EXPECT && k->prev_attack)
    ok = step_error (k->s, spec, error,
                     "an expect right after an attack: the attack acts on the next call, put "
                     "the expects after that call");
  k->prev_attack = st->verb == IMPS_SCRIPT_ATTACK;
  if (ok && st->verb != IMPS_SCRIPT_EXPECT && st->verb != IMPS_SCRIPT_ATTACK)
    k->actions++;
  return ok ? g_steal_pointer (&st) : NULL;
}

GPtrArray *
imps_script_parse (const ImpsScenario *s, GError **error)
{
  g_autoptr (GPtrArray) steps = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_script_step_free);
  Checker k = { .s = s,
                .registered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
                .refresh_us = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL),
                .tickets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free) };
  gboolean ok = TRUE;

  if (s->steps->len == 0)
    {
      g_set_error (error, IMPS_SCENARIO_ERROR, IMPS_SCENARIO_ERROR_MISSING,
                   "%s: no [script] steps: a run needs at least one step to judge", s->path);
      ok = FALSE;
    }
  for (guint i = 0; ok && i < s->steps->len; i++)
    {
      ImpsScriptStep *st = parse_step (&k, g_ptr_array_index (s->steps, i), error);
      ok = st != NULL;
      if (ok)
        g_ptr_array_add (steps, st);
    }
  if (ok && k.attacks_unused > 0)
    ok = step_error (s, k.last_attack, error,
                     "no call after this attack: an attack acts on the next call");
  g_hash_table_unref (k.registered);
  g_hash_table_unref (k.refresh_us);
  g_hash_table_unref (k.tickets);
  return ok ? g_steal_pointer (&steps) : NULL;
}
