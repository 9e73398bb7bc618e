#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "pace.h"
#include "time.h"

void
tide_pace_init(struct tide_pace *p, double speed, double rate,
    int64_t max_gap_ms)
{
	memset(p, 0, sizeof(*p));
	p->speed = speed;
	p->rate = rate;
	p->max_gap_ms = max_gap_ms;
}

int
tide_pace_paced(const struct tide_pace *p)
{
	return p->rate > 0 || p->speed > 0;
}

int64_t
tide_pace_next(struct tide_pace *p, int64_t ts, int64_t now_us)
{
	int64_t gap;
	uint64_t i = p->n++;

	if (!p->started) {
		p->started = 1;
		p->start_us = now_us;
		p->prev_ts = ts;
		p->sched_ms = 0;
	} else {
		gap = ts > p->prev_ts ? ts - p->prev_ts : 0;
		if (p->max_gap_ms >= 0 && gap > p->max_gap_ms)
			gap = p->max_gap_ms;
		p->sched_ms += gap;
		/* A step back does not move prev_ts back: the records after
		 * it are timed from the latest time seen. */
		if (ts > p->prev_ts)
			p->prev_ts = ts;
	}
	if (p->rate > 0)
		return p->start_us + (int64_t)llround((double)i * 1e6 / p->rate);
	if (p->speed > 0)
		return p->start_us +
		    (int64_t)llround((double)p->sched_ms * 1000.0 / p->speed);
	return now_us;
}

int64_t
tide_pace_offset(const struct tide_pace *p, int64_t due_us)
{
	return due_us - p->start_us;
}

static int
sleep_until(int64_t us)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR ? TIDE_EINTR : 0;
}

int64_t
tide_pace_margin(const struct tide_pace *p, int64_t left_us)
{
	double m;

	/* The margin is capped at a quarter of the wait, so a replay spins
	 * at most a quarter of a CPU: on a saturated machine a process that
	 * spins more is scheduled later, and its waits get worse. */
	m = p->nwake == 0 ? TIDE_PACE_MARGIN_INIT_US :
	    ceil(p->wake_med + 4 * p->wake_dev);
	if (m > (double)left_us / 4)
		m = (double)left_us / 4;
	if (m < TIDE_PACE_MARGIN_MIN_US)
		return TIDE_PACE_MARGIN_MIN_US;
	if (m > TIDE_PACE_MARGIN_MAX_US)
		return TIDE_PACE_MARGIN_MAX_US;
	return (int64_t)m;
}

/*
 * One sleep woke up late_us after the time asked for.  The usual delay is
 * a running median (a step of 1/16 towards each sample), not a mean: the
 * delays of a busy machine have a long tail, and sleeping to the mean
 * would wake most waits early and spin the difference.  A delay past the
 * largest margin counts as that much.
 */
static void
wake_sample(struct tide_pace *p, int64_t late_us)
{
	double v = late_us < 0 ? 0 : (double)late_us, step;

	if (v > TIDE_PACE_MARGIN_MAX_US)
		v = TIDE_PACE_MARGIN_MAX_US;
	if (p->nwake++ == 0) {
		p->wake_med = v;
		p->wake_dev = v / 2;
		return;
	}
	step = p->wake_med / 16 > 1 ? p->wake_med / 16 : 1;
	if (v > p->wake_med)
		p->wake_med += step;
	else if (v < p->wake_med)
		p->wake_med = p->wake_med > step ? p->wake_med - step : 0;
	p->wake_dev += (fabs(v - p->wake_med) - p->wake_dev) / 4;
}

/*
 * Sleeping to the usual wake-up delay before the due time costs no CPU;
 * the spin that follows is the jitter around it.  A sleep cut short by a
 * signal is not a sample: it did not wake up late.
 */
int
tide_pace_wait(struct tide_pace *p, int64_t due_us)
{
	int64_t now, at;

	if (due_us <= 0)
		return 0;
	now = tide_mono_us();
	if (now >= due_us)
		return 0;
	at = due_us - tide_pace_margin(p, due_us - now);
	if (at > now) {
		if (sleep_until(at) == TIDE_EINTR)
			return TIDE_EINTR;
		now = tide_mono_us();
		wake_sample(p, now - at);
	}
	while (now < due_us)
		now = tide_mono_us();
	return 0;
}

static unsigned
bucket(int64_t v)
{
	unsigned e;

	if (v < TIDE_PACE_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll((unsigned long long)v);	/* >= 5 */
	return TIDE_PACE_SUB * (e - 4) +
	    (unsigned)((v >> (e - 5)) & (TIDE_PACE_SUB - 1));
}

/* The middle of bucket b's range of values. */
static int64_t
bucket_value(unsigned b)
{
	unsigned e;
	int64_t lo, width;

	if (b < TIDE_PACE_SUB)
		return b;
	e = b / TIDE_PACE_SUB + 4;
	width = (int64_t)1 << (e - 5);
	lo = ((int64_t)1 << e) + (int64_t)(b % TIDE_PACE_SUB) * width;
	return lo + (width - 1) / 2;
}

void
tide_pace_sent(struct tide_pace *p, int64_t due_us, int64_t now_us)
{
	int64_t late = now_us - due_us;
	unsigned b;

	if (late < 0)
		late = 0;
	b = bucket(late);
	if (b >= TIDE_PACE_NBUCKET)
		b = TIDE_PACE_NBUCKET - 1;
	p->hist[b]++;
	p->nsent++;
	if (late > p->max_late_us)
		p->max_late_us = late;
	p->last_late_us = late;
}

int64_t
tide_pace_quantile(const struct tide_pace *p, double q)
{
	uint64_t want, sum = 0;
	unsigned b;
	int64_t v;

	if (p->nsent == 0)
		return 0;
	if (q >= 1)
		return p->max_late_us;
	want = (uint64_t)ceil(q * (double)p->nsent);
	if (want == 0)
		want = 1;
	for (b = 0; b < TIDE_PACE_NBUCKET; b++) {
		sum += p->hist[b];
		if (sum >= want)
			break;
	}
	v = bucket_value(b);
	return v > p->max_late_us ? p->max_late_us : v;
}
