/*
 * A progress line on stderr for long bounded work: a bounded read in
 * tide-source, file output in tide-sink, a replay, a table load.
 *
 * struct tide_progress draws one line, redrawn in place ("\r", then the
 * line, then erase-to-end-of-line) at most every TIDE_PROGRESS_INTERVAL_US
 * and erased by tide_progress_clear() -- at the end, and before anything
 * else is written to the same terminal, so messages never land in the
 * middle of the line.  The first call to tide_progress_due() is always
 * due, so even a short run draws once (and clears it).  It writes with
 * write(2) to the descriptor it was given and ignores failures: a progress
 * line never changes a program's outcome.
 *
 * The caller decides whether to draw (tide_progress_wanted(): --progress,
 * --no-progress, else whether the descriptor is a terminal) and hands in
 * the numbers; the module formats them (tide_progress_format(), a pure
 * function, unit-tested) and keeps the line within the terminal's width.
 * Typical use, per batch or per record:
 *
 *	if (tide_progress_due(&pr)) {
 *		st.records = n; ...
 *		tide_progress_draw(&pr, &st);
 *	}
 *	...
 *	tide_progress_clear(&pr);
 */
#ifndef TIDE_PROGRESS_H
#define TIDE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#define TIDE_PROGRESS_INTERVAL_US 250000	/* ~4 updates a second */
#define TIDE_PROGRESS_LINE 256

/* What pos and total count. */
enum tide_progress_unit {
	TIDE_PROGRESS_RECORDS = 0,
	TIDE_PROGRESS_BYTES,
};

/* The numbers of one line. */
struct tide_progress_stat {
	uint64_t records;	/* records done */
	uint64_t bytes;		/* bytes done, shown without a total (0: not) */
	uint64_t pos;		/* progress towards total, in unit */
	uint64_t total;		/* 0: no known end (no percentage, no ETA) */
	enum tide_progress_unit unit;
	int64_t elapsed_us;	/* since the start: the rates are averages */
	const char *note;	/* appended after ", " if not NULL */
};

struct tide_progress {
	int fd;			/* -1: off */
	const char *label;	/* the program's name, not copied */
	int64_t t0;		/* start, tide_mono_us() */
	int64_t last;		/* last draw; INT64_MIN before the first */
	size_t width;		/* the terminal's columns, 0 if unknown */
	int shown;		/* a line is on the screen */
	char line[TIDE_PROGRESS_LINE];
};

/* Whether to draw on fd: force > 0 always (--progress), force == 0 never
 * (--no-progress), force < 0 when fd is a terminal. */
int tide_progress_wanted(int force, int fd);
/* Start the clock; draw on fd, or nothing when fd < 0. */
void tide_progress_init(struct tide_progress *p, int fd, const char *label);
/* Whether a line should be drawn now: on and never drawn, or the interval
 * has passed since the last draw.  Cheap: one clock read. */
int tide_progress_due(struct tide_progress *p);
/* Format and draw st (its elapsed_us is filled in from the clock). */
void tide_progress_draw(struct tide_progress *p, struct tide_progress_stat *st);
/* Erase the line if one is shown. */
void tide_progress_clear(struct tide_progress *p);

/*
 * The line for st, without "\r" or newline, into buf[0..n) (truncated,
 * always terminated when n > 0); returns its length.  Forms:
 *
 *	tide-source: 1234/5000 records (24%), 617 records/s, ETA 7s
 *	tide-source: 1.2 MiB/10.0 MiB (12%), 1234 records, 4.5k records/s, 1.1 MiB/s, ETA 8s
 *	tide-sink: 1234 records, 1.2 MiB, 4.5k records/s, 1.1 MiB/s
 *
 * (the second form's bytes rate is that of pos).  Counts and rates of
 * 10000 or more are scaled (12.3k, 4.5M, 1.2G), bytes are binary (B, KiB,
 * MiB, GiB, TiB), the percentage is rounded down and capped at 100, the
 * ETA (1h02m05s, 3m07s, 9s) is what is left at the average rate so far,
 * rounded up, "?" while nothing is done yet.
 */
size_t tide_progress_format(char *buf, size_t n, const char *label,
    const struct tide_progress_stat *st);

#endif
