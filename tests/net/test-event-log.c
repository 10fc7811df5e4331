#include "imps-event-log.h"

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
  g_assert_true (e->from == g_intern_string ("ue1"));
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/event-log/basic", test_log);
  return g_test_run ();
}
