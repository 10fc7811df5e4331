/* The clock every node reads: all protocol time comes from here, so that a
 * scenario can jump two hours ahead and a seeded run repeats exactly.
 *
 * A virtual clock only moves when told to (imps_clock_advance()) or, with
 * auto-advance on, when the main loop has nothing else to do and no network
 * operation is in flight (imps_clock_hold()/imps_clock_release() bracket
 * those): it then jumps straight to the earliest timer. A real clock follows
 * the system's wall clock and its timers are ordinary GLib timeouts.
 *
 * Timers run on the thread-default main context of the thread that created
 * the clock.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImpsClock ImpsClock;

/* Microseconds since the Unix epoch. */
ImpsClock *imps_clock_new_virtual (gint64 start_unix_us);
ImpsClock *imps_clock_new_real (void);
/* A skewed view of @base (reffed): its time is @base's plus @offset_us
 * (negative: behind), for a node whose clock is off (a scenario's
 * clock-skew). Everything else (timers, holds, advancing) is @base's: a
 * timer set on the view runs after the same delay as on @base. A view of a
 * view views the first clock, with the offsets summed. */
ImpsClock *imps_clock_new_skewed (ImpsClock *base, gint64 offset_us);
/* The offset of a skewed view; 0 for a clock of its own. */
gint64 imps_clock_get_skew (ImpsClock *clock);
ImpsClock *imps_clock_ref (ImpsClock *clock);
void imps_clock_unref (ImpsClock *clock);

gboolean imps_clock_is_virtual (ImpsClock *clock);
gint64 imps_clock_now_us (ImpsClock *clock);
/* The current time as a 64-bit NTP timestamp (seconds since 1900 in the
 * upper 32 bits, binary fraction in the lower 32), as MIKEY's NTP-UTC. */
guint64 imps_clock_now_ntp (ImpsClock *clock);

/* Calls @func once after @delay_us (virtual or real). Returns an id > 0.
 * @func's return value is ignored: timers are one-shot. */
guint imps_clock_timeout_add (ImpsClock *clock, gint64 delay_us,
                              GSourceFunc func, gpointer data,
                              GDestroyNotify notify);
/* A timer whose @func only changes memory and this clock's timers: it
 * makes no GSource ready (no idle, no socket, no real-time timeout) and
 * takes no hold (what a packet of media does: protect, send on the bus,
 * receive, count). With auto-advance, instants whose timers are all quiet
 * run one after another in one turn of the main loop, as the loop would
 * have found nothing else to do between them. */
guint imps_clock_quiet_timeout_add (ImpsClock *clock, gint64 delay_us,
                                    GSourceFunc func, gpointer data,
                                    GDestroyNotify notify);
/* Returns FALSE when @id is unknown or has already fired. */
gboolean imps_clock_timeout_remove (ImpsClock *clock, guint id);
guint imps_clock_pending_timers (ImpsClock *clock);
/* Timers run since the clock was made: the work a run cost in clock
 * events (what a scale test or benchmark compares). */
guint64 imps_clock_count_fired (ImpsClock *clock);

/* Virtual clocks only: moves time forward by @delta_us, running every timer
 * that falls due on the way, each at its own due time, in order (timers
 * added by a callback run too if they fall within the window). */
void imps_clock_advance (ImpsClock *clock, gint64 delta_us);
/* Virtual clocks only: jumps to the earliest timer and runs it (and all
 * timers due at that same instant). Returns FALSE when there is none. */
gboolean imps_clock_advance_to_next (ImpsClock *clock);

/* Virtual clocks only: with auto-advance the clock jumps to the next timer
 * whenever the main loop is idle and nothing is held. */
void imps_clock_set_auto_advance (ImpsClock *clock, gboolean enabled);
void imps_clock_hold (ImpsClock *clock);
void imps_clock_release (ImpsClock *clock);

/* Conversions. */
guint64 imps_ntp_from_unix_us (gint64 unix_us);
gint64 imps_unix_us_from_ntp (guint64 ntp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImpsClock, imps_clock_unref)

G_END_DECLS
