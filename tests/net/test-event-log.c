#include "imps-event-log.h"

#include <string.h>

static void
count_cb (ImpsEventLog *log, const ImpsEvent *e, gpointer data)
{
  guint *n = data;
  (*n)++;
}

static void
test_log (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  g_autoptr (GBytes) body = g_bytes_new_static ("abc", 3);
  guint seen = 0;

  guint id = imps_event_log_add_listener (log, count_cb, &seen);
  const ImpsEvent *e = imps_event_log_add (log, 5, IMPS_EVENT_MESSAGE, IMPS_REF_UA,
                                           IMPS_PROTO_HTTP, "ue1", "kms.home1.net",
                                           "REQUEST_INIT_PSK", NULL, body, "ua-1");
  g_assert_cmpuint (e->seq, ==, 0);
  g_assert_true (g_strcmp0 (e->from, "ue1") == 0);
  g_assert_cmpstr (e->summary, ==, "REQUEST_INIT_PSK");
  g_assert_cmpuint (g_bytes_get_size (e->bytes), ==, 3);
  imps_event_log_add (log, 6, IMPS_EVENT_REFUSAL, IMPS_REF_NONE, IMPS_PROTO_NONE,
                      "kms.home1.net", NULL, "refused", "MAC mismatch: got 00, want 01",
                      NULL, NULL);
  g_assert_cmpuint (seen, ==, 2);
  imps_event_log_remove_listener (log, id);
  imps_event_log_add (log, 7, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE,
                      "ue1", NULL, "note", NULL, NULL, NULL);
  g_assert_cmpuint (seen, ==, 2);
  g_assert_cmpuint (imps_event_log_len (log), ==, 3);
  g_assert_cmpstr (imps_event_log_get (log, 1)->detail, ==, "MAC mismatch: got 00, want 01");
  g_assert_cmpstr (imps_ref_point_name (IMPS_REF_ZK), ==, "Zk");
  g_assert_cmpstr (imps_protocol_name (IMPS_PROTO_DIAMETER), ==, "Diameter");
}

/* serve's ring: only the last N events stay, numbering goes on, and
 * dropped events are freed (their names with them: a peer name per source
 * port is not kept for the life of the process). */
static void
test_ring (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  guint seen = 0;
  imps_event_log_add_listener (log, count_cb, &seen);
  for (guint i = 0; i < 3; i++)
    imps_event_log_add (log, i, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, "a", NULL,
                        "before", NULL, NULL, NULL);
  imps_event_log_set_ring (log, 4);
  g_assert_cmpuint (imps_event_log_first (log), ==, 0);
  g_assert_cmpstr (imps_event_log_get (log, 2)->summary, ==, "before");
  g_autoptr (GBytes) secret = g_bytes_new_static ("\x01\x02\x03", 3);
  for (guint i = 3; i < 1000; i++)
    {
      g_autofree gchar *peer = g_strdup_printf ("127.0.0.1:%u", 10000 + i);
      imps_event_log_add (log, i, IMPS_EVENT_MESSAGE, IMPS_REF_UA, IMPS_PROTO_HTTP, peer,
                          "kms", "m", NULL, secret, NULL);
    }
  g_assert_cmpuint (seen, ==, 1000);
  g_assert_cmpuint (imps_event_log_len (log), ==, 1000);
  g_assert_cmpuint (imps_event_log_first (log), ==, 996);
  g_assert_null (imps_event_log_get (log, 995));
  g_assert_null (imps_event_log_get (log, 0));
  const ImpsEvent *last = imps_event_log_get (log, 999);
  g_assert_cmpuint (last->seq, ==, 999);
  g_assert_cmpstr (last->from, ==, "127.0.0.1:10999");
  g_assert_cmpuint (imps_event_log_get (log, 996)->seq, ==, 996);
  /* the event keeps its own copy of the bytes (wiped when it goes) */
  g_assert_true (g_bytes_equal (last->bytes, secret));
  g_assert_true (g_bytes_get_data (last->bytes, NULL) != g_bytes_get_data (secret, NULL));
}

static void
bytes_cb (ImpsEventLog *log, const ImpsEvent *e, gpointer data)
{
  GString *got = data;
  if (e->bytes)
    g_string_append_len (got, g_bytes_get_data (e->bytes, NULL), (gssize) e->size);
}

/* Without bytes kept, listeners still get every message's bytes as it is
 * added, and the entry keeps its summary and size; names are shared. */
static void
test_summaries_only (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  g_autoptr (GBytes) body = g_bytes_new_static ("INVITE sip:bob", 14);
  g_autoptr (GString) got = g_string_new (NULL);
  imps_event_log_add_listener (log, bytes_cb, got);
  const ImpsEvent *kept = imps_event_log_add (log, 1, IMPS_EVENT_MESSAGE, IMPS_REF_GM,
                                              IMPS_PROTO_SIP, "alice", "pcscf.home1.net",
                                              "INVITE", NULL, body, NULL);
  g_assert_nonnull (kept->bytes);
  imps_event_log_set_keep_bytes (log, FALSE);
  const ImpsEvent *e = imps_event_log_add (log, 2, IMPS_EVENT_MESSAGE, IMPS_REF_GM,
                                           IMPS_PROTO_SIP, "alice", "pcscf.home1.net",
                                           "INVITE", NULL, body, NULL);
  g_assert_cmpstr (got->str, ==, "INVITE sip:bobINVITE sip:bob");
  g_assert_null (e->bytes);
  g_assert_cmpuint (e->size, ==, 14);
  g_assert_cmpstr (e->summary, ==, "INVITE");
  g_assert_cmpstr (e->to, ==, "pcscf.home1.net");
  /* One copy of each name for every entry. */
  g_assert_true (e->from == kept->from);
  g_assert_true (e->to == kept->to);
  /* The entries before keep their bytes. */
  g_assert_cmpuint (g_bytes_get_size (imps_event_log_get (log, 0)->bytes), ==, 14);
}

static void
same_bytes_cb (ImpsEventLog *log, const ImpsEvent *e, gpointer data)
{
  const GBytes **seen = data;
  *seen = e->bytes;
}

/* An entry is one block (its summary and detail follow it), its stream
 * is kept once for all the entries of the connection (a SIP or HTTP
 * connection carries dozens), and a log that keeps no bytes shows its
 * listeners the caller's message as it is, without a copy of it; one that
 * keeps them copies. A ring's entries carry their stream in their block. */
static void
test_entry_cost (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  g_autoptr (GBytes) body = g_bytes_new_static ("BYE sip:bob", 11);
  const GBytes *seen = NULL;
  imps_event_log_add_listener (log, same_bytes_cb, &seen);
  const ImpsEvent *e = imps_event_log_add (log, 1, IMPS_EVENT_REFUSAL, IMPS_REF_GM,
                                           IMPS_PROTO_SIP, "alice", "pcscf.home1.net", "BYE",
                                           "no dialog", body, "sip alice");
  g_assert_true (seen != body);
  g_assert_true (e->summary == (const gchar *) (e + 1));
  g_assert_true (e->detail == e->summary + sizeof "BYE");
  g_assert_cmpstr (e->detail, ==, "no dialog");
  g_assert_cmpstr (e->stream, ==, "sip alice");
  gchar stream[] = "sip alice";
  const ImpsEvent *e2 = imps_event_log_add (log, 1, IMPS_EVENT_MESSAGE, IMPS_REF_GM,
                                            IMPS_PROTO_SIP, "pcscf.home1.net", "alice",
                                            "481", NULL, NULL, stream);
  g_assert_true (e2->stream == e->stream);
  g_assert_true (e2->stream != stream);
  /* a ring takes the entries it keeps with their stream in their block */
  imps_event_log_set_ring (log, 8);
  memset (stream, 'x', sizeof stream - 1);
  for (guint i = 0; i < 2; i++)
    {
      const ImpsEvent *r = imps_event_log_get (log, i);
      g_assert_cmpstr (r->stream, ==, "sip alice");
      g_assert_true (r->stream > r->summary);
      g_assert_true (r->stream <= r->summary + strlen (r->summary) + 1
                                   + (r->detail ? strlen (r->detail) + 1 : 0));
      g_assert_cmpstr (r->summary, ==, i ? "481" : "BYE");
    }
  e = imps_event_log_add (log, 1, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP, "alice",
                          "pcscf.home1.net", "ACK", NULL, NULL, "sip alice");
  g_assert_true (e->stream == e->summary + sizeof "ACK");
  g_clear_pointer (&log, imps_event_log_free);
  log = imps_event_log_new ();
  imps_event_log_add_listener (log, same_bytes_cb, &seen);
  imps_event_log_set_keep_bytes (log, FALSE);
  e = imps_event_log_add (log, 2, IMPS_EVENT_MESSAGE, IMPS_REF_GM, IMPS_PROTO_SIP, "alice",
                          "pcscf.home1.net", "BYE", NULL, body, NULL);
  g_assert_true (seen == body);
  g_assert_null (e->bytes);
  g_assert_null (e->detail);
  g_assert_null (e->stream);
  g_assert_cmpuint (e->size, ==, 11);
}

/* A run whose log nothing reads afterwards forgets what came before the
 * current action: the entries go, the numbering stays, later entries are
 * found at their index, and the listeners saw everything. */
static void
test_forget (void)
{
  g_autoptr (ImpsEventLog) log = imps_event_log_new ();
  guint seen = 0;
  imps_event_log_add_listener (log, count_cb, &seen);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree gchar *summary = g_strdup_printf ("m%u", i);
      imps_event_log_add (log, i, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, "a", NULL,
                          summary, NULL, NULL, NULL);
    }
  imps_event_log_forget_before (log, 4);
  g_assert_cmpuint (imps_event_log_len (log), ==, 10);
  g_assert_cmpuint (imps_event_log_first (log), ==, 4);
  g_assert_null (imps_event_log_get (log, 3));
  g_assert_cmpstr (imps_event_log_get (log, 4)->summary, ==, "m4");
  g_assert_cmpuint (imps_event_log_get (log, 9)->seq, ==, 9);
  /* before what is already gone: nothing happens */
  imps_event_log_forget_before (log, 2);
  g_assert_cmpuint (imps_event_log_first (log), ==, 4);
  imps_event_log_add (log, 10, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, "a", NULL,
                      "m10", NULL, NULL, NULL);
  g_assert_cmpstr (imps_event_log_get (log, 10)->summary, ==, "m10");
  /* past the end: everything goes, and the next entry gets the next index */
  imps_event_log_forget_before (log, 100);
  g_assert_cmpuint (imps_event_log_first (log), ==, 11);
  g_assert_null (imps_event_log_get (log, 10));
  imps_event_log_add (log, 11, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, "a", NULL,
                      "m11", NULL, NULL, NULL);
  g_assert_cmpuint (imps_event_log_len (log), ==, 12);
  g_assert_cmpstr (imps_event_log_get (log, 11)->summary, ==, "m11");
  g_assert_cmpuint (seen, ==, 12);
  /* a log that forgets keeps no stream names beyond its entries' lives:
   * the stream is in the entry's block */
  const ImpsEvent *e = imps_event_log_add (log, 12, IMPS_EVENT_MESSAGE, IMPS_REF_GM,
                                           IMPS_PROTO_SIP, "a", "b", "BYE", NULL, NULL,
                                           "u1->u2 audio");
  g_assert_true (e->stream == e->summary + sizeof "BYE");

  /* a ring keeps its own bound */
  g_autoptr (ImpsEventLog) ring = imps_event_log_new ();
  imps_event_log_set_ring (ring, 4);
  for (guint i = 0; i < 3; i++)
    imps_event_log_add (ring, i, IMPS_EVENT_NOTE, IMPS_REF_NONE, IMPS_PROTO_NONE, "a", NULL,
                        "r", NULL, NULL, NULL);
  imps_event_log_forget_before (ring, 2);
  g_assert_cmpuint (imps_event_log_first (ring), ==, 0);
  g_assert_nonnull (imps_event_log_get (ring, 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/event-log/basic", test_log);
  g_test_add_func ("/event-log/ring", test_ring);
  g_test_add_func ("/event-log/forget", test_forget);
  g_test_add_func ("/event-log/summaries-only", test_summaries_only);
  g_test_add_func ("/event-log/entry-cost", test_entry_cost);
  return g_test_run ();
}
