/* A crash of `impsim serve --state-dir` under load, as an outside GBA and
 * MIKEY-TICKET client sees it. serve runs with a fixed --seed on loopback
 * ports (--port-base); clients bootstrap (Ub) and request tickets (Ua),
 * serve is killed with SIGKILL while bootstraps and ticket requests are in
 * flight, and started again with the same arguments. Then:
 *
 * - every store passes PRAGMA integrity_check (after each kill and after
 *   the clean stop);
 * - every ticket request that was answered before the kill has its audit
 *   row ("issued", by CSB ID) in the issuing KMS's store, and so has every
 *   resolve answered before a second kill (at both KMSs for a Zk relay);
 * - every B-TID issued before the kill still keys ticket requests and
 *   resolves, without a new bootstrap, and every ticket issued before it
 *   still resolves (at its own KMS and over Zk);
 * - no RAND (from the B-TIDs) and no B-TID of the second start repeats
 *   one of the first, although the seed is the same;
 * - the HSS hands out no SQN twice for a user (from serve --log).
 */
#include "imps-test.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "imps-clock.h"
#include "imps-netaddr.h"
#include "imps-network.h"
#include "imps-scenario.h"
#include "imps-ue-ua.h"
#include "imps-ue.h"
#include "aka/imps-milenage.h"
#include "mikey/imps-mikey-exchange.h"

#define SEED "4242"
/* operations of each kind kept in flight, and answered before the kill */
#define LOAD_IN_FLIGHT 6
#define KILL_AFTER 6
#define SKEW 300

static const gchar *impsim_path;
static const gchar *scenario_path;

/* ---- the serve process ---- */

typedef struct {
  GSubprocess *proc;
  GDataInputStream *out;
  GPtrArray *lines;      /* every stdout line */
  gboolean serving;
  gboolean eof;
  gchar *err_path;       /* serve's stderr */
} Serve;

static void read_next (Serve *s);
static Serve *current_serve;  /* for the failure report */

static void
on_line (GObject *src, GAsyncResult *res, gpointer data)
{
  Serve *s = data;
  g_autoptr (GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (src), res, NULL,
                                                           &error);
  if (line == NULL)
    {
      s->eof = TRUE;
      return;
    }
  if (g_str_has_prefix (line, "serving "))
    s->serving = TRUE;
  g_ptr_array_add (s->lines, line);
  read_next (s);
}

static void
read_next (Serve *s)
{
  g_data_input_stream_read_line_async (s->out, G_PRIORITY_DEFAULT, NULL, on_line, s);
}

static void
iterate_until (const gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
serve_start (Serve *s, GPtrArray *all_lines, const gchar *state, guint port_base,
             gchar **err_text)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *pb = g_strdup_printf ("%u", port_base);
  g_autofree gchar *top = g_path_get_dirname (state);
  g_autofree gchar *err_path = g_build_filename (top, "serve.err", NULL);
  const gchar *argv[] = { impsim_path, "serve", "--log", "--seed", SEED, "--state-dir", state,
                          "--port-base", pb, scenario_path, NULL };

  memset (s, 0, sizeof *s);
  s->lines = all_lines;
  s->err_path = g_strdup (err_path);
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (l, err_path);
  /* In the sanitizer pass serve keeps ASan and UBSan but not LeakSanitizer,
   * as the whole-network runs of tests/scenario: once Zk has loaded
   * GnuTLS, LSan cannot stop the world at exit. This process keeps it. */
  const gchar *asan = g_getenv ("ASAN_OPTIONS");
  if (asan)
    {
      g_autofree gchar *opts = g_strconcat (asan, ":detect_leaks=0", NULL);
      g_subprocess_launcher_setenv (l, "ASAN_OPTIONS", opts, TRUE);
    }
  s->proc = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  current_serve = s;
  s->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  read_next (s);
  while (!s->serving && !s->eof)
    g_main_context_iteration (NULL, TRUE);
  if (!s->serving)
    {
      g_file_get_contents (err_path, err_text, NULL, NULL);
      g_subprocess_wait (s->proc, NULL, NULL);
      g_clear_object (&s->proc);
      g_clear_object (&s->out);
      g_clear_pointer (&s->err_path, g_free);
    }
  return s->serving;
}

static void
serve_wait_gone (Serve *s)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_subprocess_wait (s->proc, NULL, &error));
  g_assert_no_error (error);
  iterate_until (&s->eof);
  g_clear_object (&s->out);
}

static void
serve_kill (Serve *s)
{
  g_subprocess_force_exit (s->proc);   /* SIGKILL */
  serve_wait_gone (s);
  g_assert_true (g_subprocess_get_if_signaled (s->proc));
  g_assert_cmpint (g_subprocess_get_term_sig (s->proc), ==, SIGKILL);
  g_clear_object (&s->proc);
  g_clear_pointer (&s->err_path, g_free);
}

static void
serve_stop (Serve *s)
{
  g_subprocess_send_signal (s->proc, SIGTERM);
  serve_wait_gone (s);
  if (!g_subprocess_get_if_exited (s->proc) || g_subprocess_get_exit_status (s->proc) != 0)
    {
      g_autofree gchar *err = NULL;
      g_file_get_contents (s->err_path, &err, NULL, NULL);
      g_error ("serve did not stop cleanly: %s", err ? err : "");
    }
  g_clear_object (&s->proc);
  g_clear_pointer (&s->err_path, g_free);
}

/* ---- clients ---- */

typedef struct {
  const ImpsSubscriberSpec *spec;
  const ImpsOperatorSpec *op;
  guint8 opc[16];
} User;

typedef struct {
  ImpsNetwork *net;
  ImpsClock *clock;
  ImpsRandom *rnd;
  guint port_base;
  User users[3];          /* alice, carol (home1), bob (home2) */
  guint next_ue[256];
  GHashTable *ue_addr;    /* ImpsUe* -> its address */
  guint pending;
  guint done;
  /* the load */
  gboolean loading;
  GPtrArray *ues;         /* ImpsUe* (owned) */
  GPtrArray *clients;     /* Client* (owned) */
  GPtrArray *load_boots;  /* Client* of the load's bootstraps */
  GPtrArray *load_tickets;
  guint boots_ok, tickets_ok;
} Fx;

enum { ALICE, CAROL, BOB };

typedef struct _Client Client;
static void load_bootstrap (Fx *fx, User *u);
static void load_ticket (Fx *fx);

struct _Client {
  Fx *fx;
  User *user;
  ImpsUe *ue;
  const gchar *addr;     /* the UE's address (owned by Fx) */
  ImpsUeUa *ua;
  gboolean finished;
  gboolean ok;
  gchar *btid;
  ImpsMikeyHeldTicket *held;   /* borrowed from ua's cache */
  ImpsMikeyResolved *resolved;
  gchar *why;
  gboolean load;         /* part of the load: replaced when it ends */
};

static gchar *
bsf_fqdn (User *u)
{
  return g_strdup_printf ("bsf.%s", u->op->domain);
}

static gchar *
kms_fqdn (User *u)
{
  return g_strdup_printf ("kms.%s", u->op->domain);
}

static ImpsUe *
new_ue (Fx *fx, User *u)
{
  guint n = ++fx->next_ue[u->op->number];
  g_assert_cmpuint (n, <, 255);
  g_autofree gchar *addr = imps_node_address (IMPS_NODE_UE, u->op->number, n);
  g_autofree gchar *name = g_strdup_printf ("%s-%u", u->spec->name, n);
  ImpsUeUsimConfig usim = { u->spec->impi, u->spec->k, u->opc, u->spec->ind_bits };
  ImpsUe *ue = imps_ue_new (fx->net, name, addr, &usim);
  g_hash_table_insert (fx->ue_addr, ue, g_steal_pointer (&addr));
  return ue;
}

static ImpsUeUa *
new_ua (Fx *fx, User *u, ImpsUe *ue, const gchar *addr)
{
  g_autofree gchar *bsf = bsf_fqdn (u);
  g_autofree gchar *kms = kms_fqdn (u);
  g_autofree gchar *bsf_addr = imps_node_address (IMPS_NODE_BSF, u->op->number, 0);
  g_autofree gchar *kms_addr = imps_node_address (IMPS_NODE_KMS, u->op->number, 0);
  ImpsUeUaKeySource src;
  imps_ue_ua_key_source_for_ue (&src, ue, bsf, bsf_addr, (guint16) (fx->port_base + 80));
  /* requests come from the UE's own address */
  return imps_ue_ua_new (fx->net, addr, u->spec->impus[0], kms, kms_addr,
                         (guint16) (fx->port_base + 80), &src);
}

static Client *
client_new (Fx *fx, User *u, ImpsUe *ue)
{
  Client *c = g_new0 (Client, 1);
  c->fx = fx;
  c->user = u;
  c->ue = ue;
  c->addr = g_hash_table_lookup (fx->ue_addr, ue);
  return c;
}

static void
client_free (gpointer p)
{
  Client *c = p;
  imps_mikey_resolved_free (c->resolved);
  imps_ue_ua_free (c->ua);
  g_free (c->btid);
  g_free (c->why);
  g_free (c);
}

static void
finish (Client *c, gboolean ok, GError *error)
{
  c->finished = TRUE;
  c->ok = ok;
  if (error)
    c->why = g_strdup (error->message);
  c->fx->pending--;
  c->fx->done++;
}

static void
on_bootstrap (GObject *src, GAsyncResult *res, gpointer data)
{
  Client *c = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = imps_ue_bootstrap_finish (c->ue, res, &error);
  if (ok)
    c->btid = g_strdup (imps_ue_get_btid (c->ue));
  finish (c, ok, error);
  if (c->load && c->fx->loading)
    {
      c->fx->boots_ok += ok;
      load_bootstrap (c->fx, c->user);
    }
}

static void
bootstrap_async (Client *c)
{
  g_autofree gchar *bsf = bsf_fqdn (c->user);
  g_autofree gchar *addr = imps_node_address (IMPS_NODE_BSF, c->user->op->number, 0);
  c->fx->pending++;
  imps_ue_bootstrap_async (c->ue, bsf, addr, (guint16) (c->fx->port_base + 80), NULL,
                           on_bootstrap, c);
}

static void
on_ticket (GObject *src, GAsyncResult *res, gpointer data)
{
  Client *c = data;
  g_autoptr (GError) error = NULL;
  gboolean cached = FALSE;
  c->held = imps_ue_ua_request_ticket_finish (c->ua, res, &cached, &error);
  g_assert_false (cached && c->held);
  finish (c, c->held != NULL, error);
  if (c->load && c->fx->loading)
    {
      c->fx->tickets_ok += c->ok;
      load_ticket (c->fx);
    }
}

/* A ticket request by @c (with the UE's current B-TID) for @responder,
 * from a UA of its own (an empty ticket cache: it reaches the KMS). */
static void
request_async (Client *c, const gchar *responder)
{
  ImpsMikeyTp tp;
  imps_mikey_tp_init_default (&tp, 0, FALSE);
  g_assert_true (imps_mikey_tp_add_responder (&tp, responder));
  g_clear_pointer (&c->ua, imps_ue_ua_free);
  c->ua = new_ua (c->fx, c->user, c->ue, c->addr);
  c->fx->pending++;
  imps_ue_ua_request_ticket_async (c->ua, &tp, NULL, on_ticket, c);
}

static void
on_resolve (GObject *src, GAsyncResult *res, gpointer data)
{
  Client *c = data;
  g_autoptr (GError) error = NULL;
  c->resolved = imps_ue_ua_resolve_finish (c->ua, res, &error);
  finish (c, c->resolved != NULL, error);
}

static void
resolve_async (Client *c, const ImpsMikeyMessage *ti)
{
  g_autoptr (GError) error = NULL;
  guint64 now = imps_clock_now_ntp (c->fx->clock);
  g_autoptr (ImpsMikeyMessage) pre = imps_mikey_transfer_init_precheck (
      ti->body.raw, ti->body.raw_len, c->user->spec->impus[0], now, SKEW, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&c->ua, imps_ue_ua_free);
  c->ua = new_ua (c->fx, c->user, c->ue, c->addr);
  c->fx->pending++;
  imps_ue_ua_resolve_async (c->ua, pre, NULL, on_resolve, c);
}

static void
wait_all (Fx *fx)
{
  while (fx->pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

/* A bootstrap of a new device of @u, as part of the load. */
static void
load_bootstrap (Fx *fx, User *u)
{
  ImpsUe *ue = new_ue (fx, u);
  g_ptr_array_add (fx->ues, ue);
  Client *c = client_new (fx, u, ue);
  c->load = TRUE;
  g_ptr_array_add (fx->clients, c);
  g_ptr_array_add (fx->load_boots, c);
  bootstrap_async (c);
}

/* A ticket request of Alice's first device for Carol, as part of the load. */
static void
load_ticket (Fx *fx)
{
  Client *first = g_ptr_array_index (fx->clients, ALICE);
  Client *c = client_new (fx, &fx->users[ALICE], first->ue);
  c->load = TRUE;
  g_ptr_array_add (fx->clients, c);
  g_ptr_array_add (fx->load_tickets, c);
  request_async (c, fx->users[CAROL].spec->impus[0]);
}

static void
assert_ok (Client *c, const gchar *what)
{
  if (c->ok)
    return;
  /* what serve said last, and whether it is still there */
  Serve *s = current_serve;
  for (guint i = s && s->lines->len > 40 ? s->lines->len - 40 : 0; s && i < s->lines->len; i++)
    g_printerr ("serve: %s\n", (const gchar *) g_ptr_array_index (s->lines, i));
  if (s && s->proc)
    g_printerr ("serve %s\n", g_subprocess_get_identifier (s->proc) ? "is running" : "has ended");
  g_error ("%s (%s): %s", what, c->user->spec->name, c->why ? c->why : "failed");
}

static ImpsMikeyMessage *
transfer_init (Fx *fx, ImpsMikeyHeldTicket *held, User *from, User *to)
{
  g_autoptr (GError) error = NULL;
  ImpsMikeyTransferParams p = { 0 };
  imps_mikey_suite_init (&p.suite, FALSE);
  p.initiator_uri = from->spec->impus[0];
  p.responder_uri = to->spec->impus[0];
  p.n_media = 1;
  p.ssrc[0] = 0x11110000 + g_random_int_range (0, 0xffff);
  ImpsMikeyMessage *ti = imps_mikey_transfer_init_build (held, &p, imps_clock_now_ntp (fx->clock),
                                                         fx->rnd, &error);
  g_assert_no_error (error);
  return ti;
}

static guint32
csb_of (const ImpsMikeyHeldTicket *held)
{
  return held->resp->hdr.csb_id;
}

/* ---- stores ---- */

static void
check_integrity (const gchar *state)
{
  g_autoptr (GDir) d = g_dir_open (state, 0, NULL);
  g_assert_nonnull (d);
  const gchar *name;
  guint stores = 0;
  while ((name = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (name, ".db"))
        continue;
      g_autofree gchar *p = g_build_filename (state, name, NULL);
      sqlite3 *db = NULL;
      g_assert_cmpint (sqlite3_open_v2 (p, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
      sqlite3_stmt *st = NULL;
      g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL), ==,
                       SQLITE_OK);
      g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
      g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "ok");
      sqlite3_finalize (st);
      sqlite3_close (db);
      stores++;
    }
  /* HSS, BSF and KMS of both operators */
  g_assert_cmpuint (stores, ==, 6);
}

static GHashTable *
audit_csb_ids (const gchar *state, const gchar *domain, const gchar *kind)
{
  g_autofree gchar *file = g_strdup_printf ("kms-%s.db", domain);
  g_autofree gchar *p = g_build_filename (state, file, NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open_v2 (p, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT csb_id FROM audit WHERE kind = ?1", -1, &st,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_text (st, 1, kind, -1, SQLITE_STATIC);
  GHashTable *ids = g_hash_table_new (g_direct_hash, g_direct_equal);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_hash_table_add (ids, GUINT_TO_POINTER ((guint32) sqlite3_column_int64 (st, 0)));
  sqlite3_finalize (st);
  sqlite3_close (db);
  return ids;
}

/* ---- what the logs and B-TIDs show ---- */

static void
add_unique (GHashTable *seen, const gchar *key, const gchar *what)
{
  if (g_hash_table_contains (seen, key))
    g_error ("%s %s was issued twice", what, key);
  g_hash_table_add (seen, g_strdup (key));
}

/* RAND of a B-TID: base64(RAND)@BSF (gba.md). */
static gchar *
rand_of (const gchar *btid)
{
  const gchar *at = strchr (btid, '@');
  g_assert_nonnull (at);
  g_autofree gchar *b64 = g_strndup (btid, at - btid);
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode (b64, &len);
  g_assert_cmpuint (len, ==, 16);
  GString *hex = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", raw[i]);
  return g_string_free (hex, FALSE);
}

/* "vector for IMPI with SQN HEX" notes of the HSSs. */
static guint
check_sqns (GPtrArray *lines)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = 0;
  for (guint i = 0; i < lines->len; i++)
    {
      const gchar *l = g_ptr_array_index (lines, i);
      const gchar *p = strstr (l, "vector for ");
      if (p == NULL)
        continue;
      gchar impi[128], sqn[16];
      if (sscanf (p, "vector for %127s with SQN %12[0-9a-f]", impi, sqn) != 2)
        continue;
      g_autofree gchar *key = g_strdup_printf ("%s/%s", impi, sqn);
      add_unique (seen, key, "SQN");
      n++;
    }
  return n;
}

/* ---- the test ---- */

static void
remove_dir (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree gchar *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_dir (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

static void
test_kill_restart (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ImpsScenario) scn = imps_scenario_load_file (scenario_path, &error);
  g_assert_no_error (error);
  g_autofree gchar *top = g_dir_make_tmp ("impsim-restart-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree gchar *state = g_build_filename (top, "state", NULL);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  Fx fx = { 0 };
  fx.clock = imps_clock_new_real ();
  fx.rnd = imps_random_new_system ();
  fx.net = imps_network_new (fx.clock, fx.rnd);
  fx.ue_addr = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  const gchar *names[] = { "alice", "carol", "bob" };
  for (guint i = 0; i < 3; i++)
    {
      User *u = &fx.users[i];
      u->spec = imps_scenario_find_subscriber (scn, names[i]);
      g_assert_nonnull (u->spec);
      u->op = g_ptr_array_index (scn->operators, u->spec->op);
      if (u->spec->has_op)
        imps_milenage_derive_opc (u->spec->k, u->spec->op_value, u->opc);
      else
        memcpy (u->opc, u->spec->opc, 16);
    }

  /* Fixed ports in a range picked at random, so that runs side by side
   * rarely meet (a taken range is tried again elsewhere), all below the
   * kernel's usual ephemeral ports (32768 on), so that no outgoing
   * connection holds one while serve is down. */
  Serve s;
  gboolean up = FALSE;
  for (guint attempt = 0; attempt < 8 && !up; attempt++)
    {
      g_autofree gchar *err = NULL;
      fx.port_base = (guint) g_random_int_range (10000, 32768 - 5060);
      up = serve_start (&s, lines, state, fx.port_base, &err);
      if (!up)
        {
          g_test_message ("port base %u: %s", fx.port_base, err ? err : "");
          g_assert_nonnull (err);
          g_assert_nonnull (strstr (err, "in use"));
          remove_dir (state);
        }
    }
  g_assert_true (up);

  fx.ues = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_ue_free);
  fx.clients = g_ptr_array_new_with_free_func (client_free);
  fx.load_boots = g_ptr_array_new ();
  fx.load_tickets = g_ptr_array_new ();
  GPtrArray *ues = fx.ues, *clients = fx.clients;
  g_autoptr (GPtrArray) btids = g_ptr_array_new_with_free_func (g_free);

  /* 1. Each user bootstraps; Alice asks for tickets to Carol (her own KMS)
   * and to Bob (resolved by home2's KMS over Zk). */
  Client *base[3];
  for (guint i = 0; i < 3; i++)
    {
      ImpsUe *ue = new_ue (&fx, &fx.users[i]);
      g_ptr_array_add (ues, ue);
      base[i] = client_new (&fx, &fx.users[i], ue);
      g_ptr_array_add (clients, base[i]);
      bootstrap_async (base[i]);
    }
  wait_all (&fx);
  for (guint i = 0; i < 3; i++)
    {
      assert_ok (base[i], "first bootstrap");
      g_ptr_array_add (btids, g_strdup (base[i]->btid));
    }
  Client *t_carol = client_new (&fx, &fx.users[ALICE], base[ALICE]->ue);
  Client *t_bob = client_new (&fx, &fx.users[ALICE], base[ALICE]->ue);
  g_ptr_array_add (clients, t_carol);
  g_ptr_array_add (clients, t_bob);
  request_async (t_carol, fx.users[CAROL].spec->impus[0]);
  request_async (t_bob, fx.users[BOB].spec->impus[0]);
  wait_all (&fx);
  assert_ok (t_carol, "ticket for Carol");
  assert_ok (t_bob, "ticket for Bob");
  g_autoptr (ImpsMikeyMessage) ti_carol = transfer_init (&fx, t_carol->held, &fx.users[ALICE],
                                                         &fx.users[CAROL]);
  g_autoptr (ImpsMikeyMessage) ti_bob = transfer_init (&fx, t_bob->held, &fx.users[ALICE],
                                                       &fx.users[BOB]);

  /* 2. Load: bootstraps of new devices of every user and ticket requests
   * of Alice, LOAD_IN_FLIGHT of each kind at any time (one ends, the next
   * starts); SIGKILL once KILL_AFTER of each have been answered. */
  fx.loading = TRUE;
  for (guint k = 0; k < LOAD_IN_FLIGHT; k++)
    {
      load_bootstrap (&fx, &fx.users[k % 3]);
      load_ticket (&fx);
    }
  while (fx.boots_ok < KILL_AFTER || fx.tickets_ok < KILL_AFTER)
    g_main_context_iteration (NULL, TRUE);
  guint in_flight = fx.pending;
  fx.loading = FALSE;
  serve_kill (&s);
  wait_all (&fx);
  GPtrArray *load_tickets = fx.load_tickets;

  guint boots_ok = 0, tickets_ok = 0;
  for (guint i = 0; i < fx.load_boots->len; i++)
    {
      Client *c = g_ptr_array_index (fx.load_boots, i);
      if (c->ok)
        {
          boots_ok++;
          g_ptr_array_add (btids, g_strdup (c->btid));
        }
    }
  for (guint i = 0; i < load_tickets->len; i++)
    tickets_ok += ((Client *) g_ptr_array_index (load_tickets, i))->ok;
  g_test_message ("SIGKILL with %u operations in flight; answered before it: %u bootstraps, "
                  "%u ticket requests", in_flight, boots_ok, tickets_ok);
  g_assert_cmpuint (in_flight, ==, 2 * LOAD_IN_FLIGHT);
  g_assert_cmpuint (boots_ok, >=, KILL_AFTER);
  g_assert_cmpuint (tickets_ok, >=, KILL_AFTER);

  /* 3. The stores after the crash. */
  check_integrity (state);
  {
    g_autoptr (GHashTable) issued = audit_csb_ids (state, "home1.net", "issued");
    g_assert_true (g_hash_table_contains (issued, GUINT_TO_POINTER (csb_of (t_carol->held))));
    g_assert_true (g_hash_table_contains (issued, GUINT_TO_POINTER (csb_of (t_bob->held))));
    for (guint i = 0; i < load_tickets->len; i++)
      {
        Client *c = g_ptr_array_index (load_tickets, i);
        if (c->ok && !g_hash_table_contains (issued, GUINT_TO_POINTER (csb_of (c->held))))
          g_error ("the audit row of answered ticket request %08x was lost", csb_of (c->held));
      }
  }

  /* 4. The same command again. */
  {
    g_autofree gchar *err = NULL;
    if (!serve_start (&s, lines, state, fx.port_base, &err))
      g_error ("restart: %s", err ? err : "");
  }

  /* Every B-TID from before keys a ticket request, without a new
   * bootstrap; every ticket from before resolves with the responder's
   * B-TID from before. */
  g_autoptr (GPtrArray) after = g_ptr_array_new_with_free_func (client_free);
  for (guint i = 0; i < clients->len; i++)
    {
      Client *c = g_ptr_array_index (clients, i);
      if (c->btid == NULL)
        continue;
      Client *r = client_new (&fx, c->user, c->ue);
      g_ptr_array_add (after, r);
      User *to = c->user == &fx.users[BOB] ? &fx.users[BOB] : &fx.users[CAROL];
      request_async (r, to->spec->impus[0]);
    }
  Client *r_carol = client_new (&fx, &fx.users[CAROL], base[CAROL]->ue);
  Client *r_bob = client_new (&fx, &fx.users[BOB], base[BOB]->ue);
  g_ptr_array_add (after, r_carol);
  g_ptr_array_add (after, r_bob);
  resolve_async (r_carol, ti_carol);
  resolve_async (r_bob, ti_bob);
  g_autoptr (GPtrArray) tis = g_ptr_array_new_with_free_func ((GDestroyNotify) imps_mikey_message_free);
  for (guint i = 0; i < load_tickets->len; i++)
    {
      Client *c = g_ptr_array_index (load_tickets, i);
      if (!c->ok)
        continue;
      ImpsMikeyMessage *ti = transfer_init (&fx, c->held, &fx.users[ALICE], &fx.users[CAROL]);
      g_ptr_array_add (tis, ti);
      Client *r = client_new (&fx, &fx.users[CAROL], base[CAROL]->ue);
      g_ptr_array_add (after, r);
      resolve_async (r, ti);
      /* all from Carol's one address: a few connections at a time */
      while (fx.pending > 4)
        g_main_context_iteration (NULL, TRUE);
    }
  wait_all (&fx);
  for (guint i = 0; i < after->len; i++)
    {
      Client *r = g_ptr_array_index (after, i);
      assert_ok (r, "after the restart, with a B-TID from before");
      g_assert_cmpuint (imps_ue_ua_count_bootstraps (r->ua), ==, 0);
    }
  g_assert_nonnull (r_carol->resolved);
  g_assert_nonnull (r_bob->resolved);

  /* New bootstraps after the restart: fresh RANDs and B-TIDs. */
  g_autoptr (GPtrArray) fresh = g_ptr_array_new ();
  for (guint k = 0; k < 2; k++)
    for (guint i = 0; i < 3; i++)
      {
        ImpsUe *ue = new_ue (&fx, &fx.users[i]);
        g_ptr_array_add (ues, ue);
        Client *c = client_new (&fx, &fx.users[i], ue);
        g_ptr_array_add (after, c);
        g_ptr_array_add (fresh, c);
        bootstrap_async (c);
      }
  wait_all (&fx);
  for (guint i = 0; i < fresh->len; i++)
    {
      Client *c = g_ptr_array_index (fresh, i);
      assert_ok (c, "bootstrap after the restart");
      g_ptr_array_add (btids, g_strdup (c->btid));
    }

  g_autoptr (GHashTable) rands = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < btids->len; i++)
    {
      const gchar *b = g_ptr_array_index (btids, i);
      g_autofree gchar *rand = rand_of (b);
      add_unique (seen, b, "B-TID");
      add_unique (rands, rand, "RAND");
    }

  /* A second SIGKILL right after the resolves were answered: their audit
   * rows are there too ("resolved" at home1 for Carol's, "resolved-zk"
   * at home1 and "relayed" at home2 for Bob's, relayed over Zk). */
  serve_kill (&s);
  check_integrity (state);
  {
    g_autoptr (GHashTable) resolved = audit_csb_ids (state, "home1.net", "resolved");
    g_autoptr (GHashTable) resolved_zk = audit_csb_ids (state, "home1.net", "resolved-zk");
    g_autoptr (GHashTable) relayed = audit_csb_ids (state, "home2.net", "relayed");
    /* a RESOLVE_RESP carries the CSB ID of the RESOLVE_INIT it answers */
    guint n_resolves = 0;
    for (guint i = 0; i < after->len; i++)
      {
        Client *r = g_ptr_array_index (after, i);
        if (r->resolved == NULL)
          continue;
        guint32 csb = r->resolved->resp->hdr.csb_id;
        if (r == r_bob)
          g_assert_true (g_hash_table_contains (relayed, GUINT_TO_POINTER (csb)));
        else
          {
            n_resolves++;
            if (!g_hash_table_contains (resolved, GUINT_TO_POINTER (csb)))
              g_error ("the audit row of answered resolve %08x was lost", csb);
          }
      }
    g_assert_cmpuint (n_resolves, ==, 1 + tis->len);
    g_assert_cmpuint (g_hash_table_size (resolved), ==, n_resolves);
    /* the issuer's row of the relayed resolve (the relaying KMS's CSB ID) */
    g_assert_cmpuint (g_hash_table_size (resolved_zk), ==, 1);
  }
  {
    g_autofree gchar *err = NULL;
    if (!serve_start (&s, lines, state, fx.port_base, &err))
      g_error ("second restart: %s", err ? err : "");
  }
  serve_stop (&s);
  check_integrity (state);
  /* every successful bootstrap took a vector; more were asked for by the
   * ones cut short */
  guint sqns = check_sqns (lines);
  g_test_message ("%u B-TIDs, %u SQNs, all distinct", btids->len, sqns);
  g_assert_cmpuint (sqns, >=, btids->len);

  /* clients (their UAs) before the UEs, and all before the network */
  g_clear_pointer (&after, g_ptr_array_unref);
  g_ptr_array_unref (fx.load_boots);
  g_ptr_array_unref (fx.load_tickets);
  g_ptr_array_unref (fx.clients);
  g_ptr_array_unref (fx.ues);
  remove_dir (top);
  g_hash_table_unref (fx.ue_addr);
  imps_network_free (fx.net);
  imps_random_free (fx.rnd);
  imps_clock_unref (fx.clock);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: test-serve-restart PATH-TO-IMPSIM SCENARIO");
  impsim_path = argv[1];
  scenario_path = argv[2];
  g_test_add_func ("/serve/kill-restart", test_kill_restart);
  return g_test_run ();
}
