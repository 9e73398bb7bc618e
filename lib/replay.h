/*
 * The replay loop: records from a time-ordered merge of sources
 * (lib/merge.h), paced (lib/pace.h), written out, once or looped.
 *
 * The sources are the caller's, behind a table of operations: open them
 * and put those with a head in the merge, give a source's head key, write
 * it, move the source on (advance or drop it in the merge), close them.
 * One pass writes the top of the merge while the merge has one, each
 * record followed by a newline, until --limit records, --duration of
 * replay (by the schedule when paced, else the clock) or a stop signal
 * (tide_sig_stops()).  Paced, a record waits for its due time; records
 * due together, or already due (behind schedule), are written as a run
 * and flushed together before the next wait (and whenever the caller
 * flushes: before it blocks); a record's lateness is counted at that
 * flush, when it has gone out, and a run is cut at TIDE_REPLAY_PENDING
 * records so it is never held long.  Looped, each pass after the first
 * runs later on the schedule by the span -- the --from/--to range when
 * both are given, else the data's own span (first_ts .. last_ts, known up
 * front when the caller scanned the data, else seen on the first pass) --
 * and with shift set its times move forward by the span too.
 *
 * Ownership: the caller's writer (out) and the sources outlive the
 * struct; the pacing schedule, the merge and the record buffer are the
 * struct's.  lib never prints or exits: a write error comes back from
 * tide_replay_run() and tide_replay_flush(); what the operations say and
 * whether they exit is theirs.  Nothing allocates per record.
 */
#ifndef TIDE_REPLAY_H
#define TIDE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "merge.h"
#include "pace.h"
#include "rio.h"

#define TIDE_REPLAY_PENDING	128	/* paced records written, not flushed */

struct tide_replay;

struct tide_replay_ops {
	/* Open the sources; add each with a head to m.  0, or < 0 to stop. */
	int (*open)(void *ctx, struct tide_merge *m);
	/* The merge key of src's head. */
	const struct tide_merge_key *(*key)(const void *src);
	/* Append src's head to b, its time moved forward by shift ms. */
	void (*emit)(void *ctx, void *src, struct tide_buf *b, int64_t shift);
	/* src's head has been written: its next (tide_merge_advance) or its
	 * end (tide_merge_drop).  0, or < 0 to stop. */
	int (*advance)(void *ctx, void *src, struct tide_merge *m);
	/* Let go of the sources after a pass. */
	void (*close)(void *ctx);
	/* After each record written (progress, counters on request). */
	void (*tick)(void *ctx, const struct tide_replay *rp);
};

struct tide_replay {
	const struct tide_replay_ops *ops;
	void *ctx;
	struct tide_wout *out;
	struct tide_pace pace;
	struct tide_merge merge;
	struct tide_buf ob;
	/* configuration */
	long long limit;		/* records; < 0 none */
	int64_t duration_ms;		/* < 0 none */
	long long loops;		/* 0: until stopped */
	int shift_on;			/* --shift-time */
	int have_range;			/* the span is range_ms */
	int64_t range_ms;
	int no_newline;			/* emit() ends its own lines (--print) */
	/* A filter: emit src's head to b as ops->emit does and return 1, or
	 * return 0 to drop it (not written, not paced, counted in filtered);
	 * NULL: every record is written. */
	int (*emit_if)(void *ctx, void *src, struct tide_buf *b, int64_t shift);
	/* state, for the caller to read */
	uint64_t nout;			/* records written */
	uint64_t filtered;		/* records emit_if dropped */
	int scanned;			/* first_ts, last_ts set up front */
	int64_t first_ts, last_ts;	/* of the data */
	int64_t span;			/* the step between loops */
	int64_t shift;			/* of the current loop */
	long long loop;
	int64_t cur_ts;			/* of the last record, shifted */
	int stopping;			/* --limit or --duration reached */
	int64_t pend[TIDE_REPLAY_PENDING];	/* due times not flushed */
	size_t npend;
};

/* rp over ops (with ctx) writing to out, paced as tide_pace_init() says;
 * no limit, no duration, one loop.  Set the configuration next. */
void tide_replay_init(struct tide_replay *rp, const struct tide_replay_ops *ops,
    void *ctx, struct tide_wout *out, double speed, double rate,
    int64_t max_gap_ms);
void tide_replay_release(struct tide_replay *rp);
/* Whether records wait for their due times. */
static inline int
tide_replay_paced(const struct tide_replay *rp)
{
	return tide_pace_paced(&rp->pace);
}
/* Flush the writer, counting the lateness of the paced records it put
 * out.  0 or the writer's error. */
int tide_replay_flush(struct tide_replay *rp);
/*
 * Every pass.  0 when done (rp->stopping says whether a bound ended it),
 * 1 when a stop signal or an operation stopped it, or a write error
 * (TIDE_EPIPE, TIDE_EIO).  Not flushed at the end.
 */
int tide_replay_run(struct tide_replay *rp);
/*
 * The --stats line's words onto b (no newline): records and bytes out, bad
 * records, seconds and rate, and for a paced replay its lateness (p50, p99,
 * max) and lag.
 */
void tide_replay_stats(const struct tide_replay *rp, uint64_t bad,
    double secs, struct tide_buf *b);

#endif
