/*
 * Signals, taken the one way every program takes them.
 *
 * tide_sig_init() installs the handlers: SIGINT, SIGTERM and SIGHUP ask the
 * program to stop (SIGHUP reloads instead with TIDE_SIG_HUP_RELOADS), SIGUSR1
 * asks for the --stats counters, SIGPIPE is ignored (a write to a closed
 * pipe then fails with EPIPE, which lib/rio reports as TIDE_EPIPE).  The
 * handlers only count into volatile sig_atomic_t variables; the main loop
 * asks.  They are installed without SA_RESTART, so a blocked read returns
 * EINTR and the loop sees a signal at once.
 *
 * What a stop means depends on where the program stands in a pipeline
 * (doc/DELIVERY.md): a head (tide-source, tide-replay, tide-gen) stops
 * reading at the first one; a stage (tide-window, tide-join, tide-sink)
 * drains its standard input to the end and then exits 0, for at most a
 * drain timeout.  A second stop signal ends any program at once, with
 * status 128 + that signal (tide_sig_exit_status()); the same signal again
 * within TIDE_SIG_SAME_MS of the first is the same stop, not a second.
 *
 * The state is the process's: one program, one set of handlers.  Nothing
 * here prints.
 */
#ifndef TIDE_SIG_H
#define TIDE_SIG_H

#include <signal.h>
#include <stdint.h>

/* A stop signal that repeats the last one within this many milliseconds
 * is not a second signal (timeout(1) sends its signal twice at once). */
#define TIDE_SIG_SAME_MS 100

enum tide_sig_flags {
	TIDE_SIG_HUP_RELOADS = 1 << 0,	/* SIGHUP reloads, not stops */
};

/* Install the handlers (again: counts are kept). */
void tide_sig_init(unsigned flags);

/* Every signal handled so far, of any kind: a main loop that does not
 * block (a busy input) compares it with the last value it saw, once a
 * record, and asks the functions below only when it moved. */
extern volatile sig_atomic_t tide_sig_count;
static inline int
tide_sig_pending(sig_atomic_t *seen)
{
	if (__builtin_expect(tide_sig_count == *seen, 1))
		return 0;
	*seen = tide_sig_count;
	return 1;
}

/* Stop signals received so far (0: none); inline, for per-record loops. */
extern volatile sig_atomic_t tide_sig_nstops;
static inline unsigned
tide_sig_stops(void)
{
	return (unsigned)tide_sig_nstops;
}
/* The first and the latest stop signal's number, or 0. */
int tide_sig_first(void);
int tide_sig_last(void);
/* The latest stop signal's name for messages ("SIGINT", "SIGTERM",
 * "SIGHUP"; "a signal" with none). */
const char *tide_sig_name(void);
/* 128 + the latest stop signal (the status of a program a second signal
 * ended), or 0 with none. */
int tide_sig_exit_status(void);

/* Whether SIGUSR1 (SIGHUP with TIDE_SIG_HUP_RELOADS) came since the last
 * call; each call consumes it. */
int tide_sig_take_stats(void);
int tide_sig_take_reload(void);

/*
 * The drain of a stage.  The first call that finds a stop signal starts
 * the drain's clock (now_ms, any monotonic clock in milliseconds);
 * tide_sig_drain() then answers:
 *   TIDE_SIG_RUN       no stop signal: carry on
 *   TIDE_SIG_DRAINING  one stop signal, less than timeout_ms ago (or
 *                      timeout_ms is 0, "for ever"): read on to the end
 *   TIDE_SIG_TIMEOUT   the drain has lasted timeout_ms: end now
 *   TIDE_SIG_ABORT     a second stop signal: end now
 */
enum tide_sig_drain {
	TIDE_SIG_RUN = 0,
	TIDE_SIG_DRAINING,
	TIDE_SIG_TIMEOUT,
	TIDE_SIG_ABORT,
};
enum tide_sig_drain tide_sig_drain(int64_t now_ms, int64_t timeout_ms);
/* Milliseconds the drain may still last (for a poll timeout): -1 with no
 * drain or no limit, else >= 0. */
int64_t tide_sig_drain_left(int64_t now_ms, int64_t timeout_ms);

/* Forget every signal received (tests). */
void tide_sig_reset(void);

#endif
