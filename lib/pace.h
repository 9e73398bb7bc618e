/*
 * The pacing schedule of a replay (after tcpreplay): when each record is
 * due on the monotonic clock, and how late it went out.
 *
 * Record i is due at start + (t_i - t_0) / speed, where start is the
 * monotonic time of the first record and t_i its schedule time: the event
 * time with every gap between consecutive records capped at max_gap (a
 * backwards step counts as no gap).  t_i is kept as an exact integer sum
 * and each due time is computed from it afresh, so rounding and sleeping
 * errors never accumulate: a record sent late does not delay the next.
 * With a rate instead, record i is due at start + i / rate.  At speed 0
 * ("max") every record is due at once.
 *
 * Lateness (send time minus due time) is counted in a log-linear histogram
 * of 32 steps per power of two (quantiles within about 3%, max exact),
 * constant memory whatever the length of the replay.
 *
 * Waiting (tide_pace_wait): an absolute sleep on the monotonic clock to a
 * margin before the due time, then the clock is read in a loop until it
 * is due.  A sleep ends some tens of microseconds after the time asked for
 * (the timer, then the scheduler's wake-up), more on a busy machine.  The
 * margin is that wake-up delay as measured on this schedule's own sleeps
 * -- its running median plus four mean deviations (after TCP's estimate
 * of its retransmission timeout, RFC 6298) -- but no more than a quarter
 * of the wait, and between TIDE_PACE_MARGIN_MIN_US and
 * TIDE_PACE_MARGIN_MAX_US.  So a wait spins about the wake-up jitter, and
 * never more than a quarter of a CPU on average.
 */
#ifndef TIDE_PACE_H
#define TIDE_PACE_H

#include <stdint.h>

#define TIDE_PACE_MARGIN_MIN_US 20	/* tide_pace_wait(): spin at least */
#define TIDE_PACE_MARGIN_MAX_US 1000	/* and at most this long */
#define TIDE_PACE_MARGIN_INIT_US 100	/* before any sleep was measured */
#define TIDE_PACE_SUB 32
#define TIDE_PACE_NBUCKET (TIDE_PACE_SUB * 60)

struct tide_pace {
	double speed;		/* x original; 0: as fast as possible */
	double rate;		/* records per second; 0: by timestamps */
	int64_t max_gap_ms;	/* cap on one gap; < 0: none */
	int started;
	int64_t start_us;	/* monotonic time record 0 was due */
	int64_t prev_ts;	/* event time of the last record (ms) */
	int64_t sched_ms;	/* schedule time since record 0 (ms) */
	uint64_t n;		/* records scheduled */
	/* lateness, microseconds */
	uint64_t hist[TIDE_PACE_NBUCKET];
	uint64_t nsent;
	int64_t max_late_us;
	int64_t last_late_us;	/* the lag of the last record sent */
	/* wake-up delay of tide_pace_wait()'s sleeps, us */
	double wake_med, wake_dev;
	uint64_t nwake;
};

/* speed 0 is as fast as possible; rate > 0 paces by count and ignores
 * speed and event times; max_gap_ms < 0 caps nothing. */
void tide_pace_init(struct tide_pace *p, double speed, double rate,
    int64_t max_gap_ms);
/* Whether records ever wait (not speed max). */
int tide_pace_paced(const struct tide_pace *p);
/*
 * Schedule the next record, of event time ts (ms): returns the monotonic
 * time (us) it is due.  The first call starts the schedule at now_us.
 */
int64_t tide_pace_next(struct tide_pace *p, int64_t ts, int64_t now_us);
/* Time (us) from the start of the schedule to due. */
int64_t tide_pace_offset(const struct tide_pace *p, int64_t due_us);
/*
 * Wait until due_us on the monotonic clock: sleep (absolute, so time spent
 * before the call is not slept again) until tide_pace_margin() before it,
 * then spin on the clock; never returns before due_us.  The sleep's
 * wake-up delay is measured into p's margin.  0 when it is time,
 * TIDE_EINTR when a signal cut the sleep short (the caller checks its
 * flags and calls again).  A caller after precision also lowers its timer
 * slack (prctl PR_SET_TIMERSLACK): lib does not change the process's
 * settings.
 */
int tide_pace_wait(struct tide_pace *p, int64_t due_us);
/* The margin (us) before the due time that a wait of left_us sleeps to. */
int64_t tide_pace_margin(const struct tide_pace *p, int64_t left_us);
/* Count a record that was due at due_us and went out at now_us. */
void tide_pace_sent(struct tide_pace *p, int64_t due_us, int64_t now_us);
/* The q-quantile (0..1) of lateness in us; 0 when nothing was sent. */
int64_t tide_pace_quantile(const struct tide_pace *p, double q);

#endif
