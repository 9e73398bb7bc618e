/*
 * tide-sink's run over its back end (lib/sinkbe.h) and its part in the
 * pipeline's delivery (lib/flow.h, doc/DELIVERY.md): the records read, a
 * barrier made durable (the back end's sync) and then acknowledged
 * upstream, the drain a stop signal starts, and the exit status the run
 * comes to at its end.  The command reads and validates records, counts
 * bad ones and prints; this module decides.
 *
 * Its warnings (level 0) and notes for -v (1) go, formatted, to the back
 * end's say callback, as the back end's own do; nothing here prints or
 * exits.  A filter (--where, run->where.e set by the caller) is looked
 * up in the scan that validates a record (tide_sinkrun_check()) and
 * decides before the back end (tide_sinkrun_keep()): a record it drops
 * is read, counted as filtered, neither written nor bad.  The struct is the caller's, one per process (signals are the
 * process's: lib/sig.h).  The per-record calls are inline and read no
 * clock unless a stop signal came.
 */
#ifndef TIDE_SINKRUN_H
#define TIDE_SINKRUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "expr.h"
#include "flow.h"
#include "sig.h"
#include "sinkbe.h"
#include "stage.h"
#include "time.h"

/* How reading ended, besides at the end of input (run->ended). */
enum tide_sinkrun_ended {
	TIDE_SINKRUN_TTY = 1,	/* a stop signal ended a terminal's input */
	TIDE_SINKRUN_CUT,	/* a second signal or --drain-timeout */
};

#define TIDE_SINKRUN_PENDING 16	/* barriers waiting for their marks */

struct tide_sinkrun {
	struct tide_sinkbe *be;		/* borrowed, from tide_sinkrun_open() */
	struct tide_flow flow;		/* barriers and their acks */
	int64_t drain_ms;		/* the drain's bound; 0: none */
	int from_tty;			/* input from a terminal */
	uint64_t in;			/* records read: bad ones too, no
					 * barriers (ksink's nread may point
					 * here) */
	int64_t t0_us;			/* the start, for records/s */
	int ended;			/* 0 or enum tide_sinkrun_ended */
	int dead_failed;		/* finish(): a dead letter failed */
	int once;			/* exactly once: barriers recorded */
	int failed;			/* open: the record could not be read */
	struct tide_barrier_offs recorded;	/* what an earlier run recorded */
	/* Barriers read and not yet acknowledged, oldest first, each with
	 * the back end's mark (be->async): acknowledged as the marks are
	 * reached (tide_sinkrun_settle()). */
	struct {
		int64_t seq;
		uint64_t mark;
	} pend[TIDE_SINKRUN_PENDING];
	int npend;
	sig_atomic_t sigseen;
	struct tide_where where;	/* --where; where.e NULL: none */
	struct tide_json_val wvals[TIDE_EXPR_MAXPATHS];
};

/* Start a run of the program prog (for the flow's hello) with nothing
 * open: the clock of records/s starts now. */
void tide_sinkrun_init(struct tide_sinkrun *run, const char *prog,
    int64_t drain_ms, int from_tty);
/*
 * Take the open back end be and open the flow on the input and output
 * descriptors: as tide_flow_open(), 0 or negative with err (the run then
 * goes on alone).  Exactly once (doc/DELIVERY.md section 3): with a tide
 * stage upstream and a back end that can (be->once), what an earlier run
 * recorded is read (and the output made ready to go on after it) and
 * said in the hello, so the source starts there; every barrier is then
 * recorded with the output (run->once).  A back end with transactions
 * (be->txn) is told whether barriers pace them, and its hello says `txn`
 * so that the source commits nothing itself.  When that record cannot be read,
 * run->failed is set and the code returned with berr->msg saying why: the
 * caller stops (writing on would repeat or lose records).
 */
int tide_sinkrun_open(struct tide_sinkrun *run, struct tide_sinkbe *be,
    int in_fd, int out_fd, struct tide_stage_err *err,
    struct tide_sinkbe_err *berr);

/* The timeout of the next read: the back end's, or less while a drain
 * runs out (then the clock is read; else not). */
static inline int
tide_sinkrun_timeout(const struct tide_sinkrun *run)
{
	int64_t left, tmo = run->be->timeout;

	if (tide_sig_stops() != 0 && (left = tide_sig_drain_left(
	    tide_mono_us() / 1000, run->drain_ms)) >= 0 &&
	    (tmo < 0 || left < tmo))
		tmo = left;
	return (int)tmo;
}

/* After a read that returned r: whether a signal came to be looked at
 * (tide_sig_take_stats(), then tide_sinkrun_drain()).  While draining,
 * every time: a busy input never blocks to be woken. */
static inline int
tide_sinkrun_signalled(struct tide_sinkrun *run, int r)
{
	return r == TIDE_EINTR || tide_sig_pending(&run->sigseen) ||
	    tide_sig_stops() != 0;
}

/* Validate the record p[0..n) as tide_json_check() does, under --where
 * looking the filter's fields up in the same pass. */
static inline int
tide_sinkrun_check(struct tide_sinkrun *run, const char *p, size_t n,
    enum tide_json_type *type, struct tide_json_err *err)
{
	const struct tide_expr *e = run->where.e;

	if (!e)
		return tide_json_check(p, n, TIDE_JSON_MAXDEPTH, type, err);
	return tide_json_check_many(p, n, TIDE_JSON_MAXDEPTH, type, err,
	    e->paths, e->npath, run->wvals);
}

/* Whether the record just checked (of that type) goes to the back end: 1,
 * or 0 when --where drops it (counted), or TIDE_ERANGE when a regex
 * reached its match limit (tide_expr_limit_regex(): bad input). */
static inline int
tide_sinkrun_keep(struct tide_sinkrun *run, enum tide_json_type type)
{
	int k;

	if (!run->where.e)
		return 1;
	if (type != TIDE_JSON_OBJECT)
		for (k = 0; k < run->where.e->npath; k++)
			run->wvals[k].type = TIDE_JSON_NONE;
	return tide_where_keep(&run->where, run->wvals);
}

/* Where the drain stands: 1 when reading ends now (run->ended says why:
 * a terminal's input ends at the first stop signal; a second one or the
 * drain's bound cut the run short), else 0: read on. */
int tide_sinkrun_drain(struct tide_sinkrun *run);

/* The back end's idle() and a look at the flow's sockets, before the
 * input blocks: idle()'s code, err as idle() fills it. */
int tide_sinkrun_idle(struct tide_sinkrun *run, struct tide_sinkbe_err *err);
/* No input came for be->timeout ms: the flow's sockets, then quiet(). */
int tide_sinkrun_quiet(struct tide_sinkrun *run, struct tide_sinkbe_err *err);
/* Acknowledge the barriers whose marks the back end has reached (called by
 * idle, quiet and barrier; cheap when none waits). */
void tide_sinkrun_settle(struct tide_sinkrun *run);

/*
 * A barrier line (tide_barrier_is() said yes), never a record.  A good
 * one makes every record before it durable (the back end's sync) and is
 * then acknowledged upstream: 0, or sync's code.  With transactions
 * (be->txn) the barrier commits the transaction with its offsets first.  A back end whose records
 * become durable in the background (be->async) is not waited for: the
 * barrier is acknowledged once its mark is reached, by this call or a
 * later tide_sinkrun_settle() (the final barrier, or one past
 * TIDE_SINKRUN_PENDING waiting, still syncs).  A broken one is bad
 * input, counted in: TIDE_EINVAL with err->msg "broken barrier: REASON at
 * byte N".  An acknowledgement upstream cannot take is a note for -v, and
 * none when there is no upstream (barriers read from a file).
 */
int tide_sinkrun_barrier(struct tide_sinkrun *run, const char *line,
    size_t len, struct tide_sinkbe_err *err);

/*
 * The exit status a code of put(), quiet() or sync() stops the run with,
 * status the status so far: TIDE_EPIPE 0 (the reader of standard output
 * went away), TIDE_EKAFKA 75 (a record dead-lettered), TIDE_EIO 69 when a
 * server failed (err->remote), else 74; a positive code (stop, nothing
 * failed) keeps status.  TIDE_EINVAL is a bad record: the caller's.
 */
int tide_sinkrun_stop_status(int r, const struct tide_sinkbe_err *err,
    int status);
/*
 * The exit status of a run that came to status before finish() found end
 * (enum tide_sinkbe_end; remote as err->remote): a failed --tee output
 * 74, records dead-lettered 75 (over 0 and 65), brokers gone 69 (over 0),
 * an output not completed 69 (remote) or 74 over anything.
 */
int tide_sinkrun_end_status(unsigned end, int remote, int status);

/*
 * The end of the run: the back end's finish(), given up at once
 * (be->abort) when the run was cut short (also by a second signal that
 * ended a wait of the back end's), and said with the records read and not
 * delivered; nbad is the bad records counted.  eof: the input reached its
 * end, which is the pipeline's only with the source's final barrier when
 * barriers came (else said, and 75 over 0 and 65).  Returns the exit
 * status; run->dead_failed when writing a dead letter failed.
 */
int tide_sinkrun_finish(struct tide_sinkrun *run, int status, int eof,
    uint64_t nbad);
/* Close the flow (the back end is the caller's to close). */
void tide_sinkrun_close(struct tide_sinkrun *run);

/* Records read and neither bad nor written (after finish()). */
uint64_t tide_sinkrun_undelivered(const struct tide_sinkrun *run,
    uint64_t nbad);

/* Append the --stats line, after the program's name: "in 3, bad 0, out 3,
 * (with --where "in 3, bad 0, filtered 1, out 2,")
 * ..., 120 records/s" (the back end's counters in the middle), as of
 * now_us on tide_mono_us()'s clock. */
void tide_sinkrun_stats(const struct tide_sinkrun *run, uint64_t nbad,
    int64_t now_us, struct tide_buf *out);

#endif
