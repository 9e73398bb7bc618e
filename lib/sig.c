#include <signal.h>
#include <string.h>
#include <time.h>

#include "sig.h"

volatile sig_atomic_t tide_sig_count, tide_sig_nstops;
static volatile sig_atomic_t first_sig, last_sig, stats, reload;
static unsigned sig_flags;
static int64_t drain_start = -1;
static volatile sig_atomic_t last_stop_ms;	/* of the last stop counted */

/* Milliseconds of the monotonic clock, wrapped to fit a sig_atomic_t:
 * only differences under a second are compared.  clock_gettime() is
 * async-signal-safe. */
static sig_atomic_t
stop_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sig_atomic_t)((ts.tv_sec % 1000000) * 1000 +
	    ts.tv_nsec / 1000000);
}

static void
on_signal(int sig)
{
	tide_sig_count++;
	if (sig == SIGUSR1) {
		stats = 1;
		return;
	}
	if (sig == SIGHUP && (sig_flags & TIDE_SIG_HUP_RELOADS)) {
		reload = 1;
		return;
	}
	/* The same signal again within TIDE_SIG_SAME_MS is the same stop:
	 * timeout(1) signals its child and then the child's process group,
	 * and a shell may pass one Ctrl-C on to a stage twice. */
	if (tide_sig_nstops && sig == last_sig) {
		sig_atomic_t now = stop_clock(), d = now - last_stop_ms;

		if (d >= 0 && d < TIDE_SIG_SAME_MS)
			return;
	}
	if (!first_sig)
		first_sig = sig;
	last_sig = sig;
	last_stop_ms = stop_clock();
	tide_sig_nstops++;
}

void
tide_sig_init(unsigned flags)
{
	struct sigaction sa;

	sig_flags = flags;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read must return so the loop sees it. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
tide_sig_first(void)
{
	return first_sig;
}

const char *
tide_sig_name(void)
{
	switch (tide_sig_last()) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "a signal";
	}
}

int
tide_sig_last(void)
{
	return last_sig;
}

int
tide_sig_exit_status(void)
{
	return last_sig ? 128 + last_sig : 0;
}

int
tide_sig_take_stats(void)
{
	if (!stats)
		return 0;
	stats = 0;
	return 1;
}

int
tide_sig_take_reload(void)
{
	if (!reload)
		return 0;
	reload = 0;
	return 1;
}

enum tide_sig_drain
tide_sig_drain(int64_t now_ms, int64_t timeout_ms)
{
	unsigned n = (unsigned)tide_sig_nstops;

	if (n == 0)
		return TIDE_SIG_RUN;
	if (n > 1)
		return TIDE_SIG_ABORT;
	if (drain_start < 0)
		drain_start = now_ms;
	if (timeout_ms > 0 && now_ms - drain_start >= timeout_ms)
		return TIDE_SIG_TIMEOUT;
	return TIDE_SIG_DRAINING;
}

int64_t
tide_sig_drain_left(int64_t now_ms, int64_t timeout_ms)
{
	int64_t left;

	if (tide_sig_nstops == 0 || timeout_ms <= 0)
		return -1;
	if (drain_start < 0)
		drain_start = now_ms;
	left = drain_start + timeout_ms - now_ms;
	return left > 0 ? left : 0;
}

void
tide_sig_reset(void)
{
	tide_sig_nstops = first_sig = last_sig = stats = reload = tide_sig_count = 0;
	drain_start = -1;
}
