/*
 * A record stage's run (tide-join, tide-check, tide-score): the frame
 * around the main loop that these stages share, written once.  Its part
 * in the pipeline's delivery (lib/flow, doc/DELIVERY.md:
 * TIDE_FLOW_STAGE): the idle hook of stdin, which flushes the output,
 * relays the flow's messages and ends the stage as a broken pipe would
 * once a reader that said hello has gone; a barrier line read from
 * stdin, passed on in order (written on, or acknowledged once the
 * output is flushed, or dropped), a broken one reported as bad input;
 * the final barrier's seq, for the readers' acknowledgement at the
 * end.  And the drain a stop signal starts (lib/sig): where it leaves
 * the loop over an input (a terminal's input ends at the signal; a
 * second signal or --drain-timeout ends it now), how long a read may
 * wait meanwhile, and the status a cut-short run exits with.
 *
 * The command keeps its records, messages and statistics, and prints;
 * this module decides nothing about a record and prints nothing itself
 * (what lib/bad reports of a broken barrier, or of a bad record through
 * tide_stagerun_bad(), is lib/bad's).  The struct is the caller's, one
 * per process (signals are the process's); the writer and the bad-input
 * counter it points to are the caller's too.  The per-record calls are
 * inline and read no clock unless a stop signal came.
 */
#ifndef TIDE_STAGERUN_H
#define TIDE_STAGERUN_H

#include <stddef.h>
#include <stdint.h>

#include "bad.h"
#include "flow.h"
#include "rio.h"
#include "sig.h"
#include "stage.h"

/* How reading ended, besides at the end of input (sr->ended). */
enum tide_stagerun_ended {
	TIDE_STAGERUN_TTY = 1,	/* a stop signal ended a terminal's input */
	TIDE_STAGERUN_CUT,	/* a second signal or --drain-timeout */
};

struct tide_stagerun {
	struct tide_flow flow;		/* the stage's barriers and messages */
	struct tide_wout *out;		/* borrowed: the records' output */
	struct tide_bad *bad;		/* borrowed: broken barriers go there */
	int64_t drain_ms;		/* the drain's bound; 0: none */
	int from_tty;			/* stdin is a terminal */
	int ended;			/* 0 or enum tide_stagerun_ended */
	uint64_t badbar;		/* broken barriers: read, not records */
	int64_t final_seq;		/* the final barrier written on, or -1 */
};

/* Set sr up for the program prog (named in its hello): records written to
 * out (initialised by tide_stagerun_open() at the latest), broken
 * barriers reported to bad, a drain bounded by drain_ms.  After
 * tide_sig_init(). */
void tide_stagerun_init(struct tide_stagerun *sr, const char *prog,
    struct tide_wout *out, struct tide_bad *bad, int64_t drain_ms);
/* Take part in the delivery: find the stage upstream of in_fd (-1: none,
 * only listen for readers) and listen on out's fd.  0, or a negative code
 * with err (the stage then carries on alone, as before: a note for -v). */
int tide_stagerun_open(struct tide_stagerun *sr, int in_fd,
    struct tide_stage_err *err);
/*
 * The idle hook for stdin (tide_idle_fn, ctx: sr): out flushed, the
 * flow's messages served.  A reader that said hello and has gone ends
 * the read as a broken pipe would (TIDE_EPIPE, sticky in out->err): a
 * window before us that holds its barriers may write nothing on a quiet
 * topic, and we would wait for ever.
 */
int tide_stagerun_idle(void *ctx);
/*
 * A bad record, reported through lib/bad (the hook of lib/tjoin, lib/score
 * and lib/ijsrc; ctx: sr): 0 to go on, or the status to stop with.
 */
int tide_stagerun_bad(void *ctx, const char *src, uint64_t lineno,
    const char *line, size_t len, const char *why);
/*
 * The barrier line line[0..len) of src (line lineno), every record before
 * it written to out, passed on as of now_ms: one from stdin ("-") as
 * tide_flow_pass() says (written on, recorded in final_seq when final; or
 * acknowledged once out is flushed; or dropped), one in a file covers
 * nothing and is dropped.  A broken one is bad input, counted in badbar.
 * Returns 0, or the status to stop with (out failed: 74; lib/bad's).
 */
int tide_stagerun_barrier(struct tide_stagerun *sr, const char *src,
    uint64_t lineno, const char *line, size_t len, int64_t now_ms);

/* Where a stop signal leaves the loop reading path (NULL: none), into
 * sr->ended: 0 read on, TIDE_STAGERUN_TTY at path's end (stdin from a
 * terminal), TIDE_STAGERUN_CUT now.  Reads the clock. */
int tide_stagerun_drain_state(struct tide_stagerun *sr, const char *path);

/* The same, 0 at once while no stop signal came: once a record. */
static inline int
tide_stagerun_stopped(struct tide_stagerun *sr, const char *path)
{
	if (__builtin_expect(tide_sig_stops() == 0, 1))
		return 0;
	return tide_stagerun_drain_state(sr, path);
}

/* tmo bounded by what is left of a drain. */
int tide_stagerun_drain_timeout(const struct tide_stagerun *sr, int tmo);

/* How long the next read may wait (ms, -1: block): a second when wake
 * (the caller has something to look at: a watched file, a table's
 * consumer) or a reader said hello (it may go); at most what is left of
 * a drain. */
static inline int
tide_stagerun_timeout(const struct tide_stagerun *sr, int wake)
{
	int tmo = wake || sr->flow.had_reader ? 1000 : -1;

	if (__builtin_expect(tide_sig_stops() != 0, 0))
		tmo = tide_stagerun_drain_timeout(sr, tmo);
	return tmo;
}

/* A run cut short (sr->ended TIDE_STAGERUN_CUT): why, for the warning
 * ("second signal", "--drain-timeout"), with *status the status to exit
 * with (128 + the signal, 75); NULL when the run was not cut. */
const char *tide_stagerun_cut(const struct tide_stagerun *sr, int *status);

/* Flush out at the end: 0; TIDE_EPIPE when its reader has gone (not a
 * failure, as with head); or a failure (errno says). */
int tide_stagerun_flush(struct tide_stagerun *sr);

/* The end, after out is released: with a final barrier written on, out's
 * fd is closed (our end of input for the readers) and their
 * acknowledgement waited for, 5 s at most; the flow is closed. */
void tide_stagerun_close(struct tide_stagerun *sr);

#endif
