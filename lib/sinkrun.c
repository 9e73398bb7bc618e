#include <stdio.h>
#include <string.h>

#include "err.h"
#include "exitcode.h"
#include "flow.h"
#include "sig.h"
#include "sinkbe.h"
#include "sinkrun.h"
#include "time.h"

void
tide_sinkrun_init(struct tide_sinkrun *run, const char *prog,
    int64_t drain_ms, int from_tty)
{
	memset(run, 0, sizeof(*run));
	run->drain_ms = drain_ms;
	run->from_tty = from_tty;
	run->t0_us = tide_mono_us();
	run->recorded = (struct tide_barrier_offs)TIDE_BARRIER_OFFS_INIT;
	tide_flow_init(&run->flow, TIDE_FLOW_SINK, prog, 0);
}

int
tide_sinkrun_open(struct tide_sinkrun *run, struct tide_sinkbe *be,
    int in_fd, int out_fd, struct tide_stage_err *err,
    struct tide_sinkbe_err *berr)
{
	int r;

	run->be = be;
	berr->msg[0] = '\0';
	berr->remote = 0;
	if ((r = tide_flow_connect(&run->flow, in_fd, err)) < 0)
		return r;
	/* Exactly once: only behind a tide stage, whose source starts where
	 * the output's record says; alone, the output is written as ever. */
	if (be->once && tide_flow_upstream(&run->flow)) {
		if ((r = be->once->recorded(be, &run->recorded, berr)) < 0) {
			run->failed = 1;
			return r;
		}
		run->once = 1;
		if (run->recorded.n)
			tide_sinkbe_say(be, 1, "%zu offset%s recorded in %s: the "
			    "source starts there", run->recorded.n,
			    run->recorded.n == 1 ? "" : "s",
			    be->once->where(be));
	} else if (be->once && be->once->forget)
		be->once->forget(be);
	/* Transactions: committed with each barrier's offsets, which the
	 * source then leaves to us (the hello says txn). */
	if (be->txn) {
		run->flow.txn = tide_flow_upstream(&run->flow);
		be->txn->paced(be, run->flow.txn);
	}
	return tide_flow_open(&run->flow, in_fd, out_fd,
	    run->once ? &run->recorded : NULL, err);
}

int
tide_sinkrun_drain(struct tide_sinkrun *run)
{
	switch (tide_sig_drain(tide_mono_us() / 1000, run->drain_ms)) {
	case TIDE_SIG_RUN:
		break;
	case TIDE_SIG_DRAINING:
		/* A terminal's input ends at the signal. */
		if (run->from_tty)
			run->ended = TIDE_SINKRUN_TTY;
		break;
	case TIDE_SIG_TIMEOUT:
	case TIDE_SIG_ABORT:
		run->ended = TIDE_SINKRUN_CUT;
		break;
	}
	return run->ended != 0;
}

/* Acknowledge seq upstream.  Upstream gone (or never there: barriers read
 * from a file) is no failure of ours: there is nobody to tell. */
static void
ack(struct tide_sinkrun *run, int64_t seq)
{
	int r = tide_flow_ack(&run->flow, seq);

	if (r < 0 && r != TIDE_EPIPE)
		tide_sinkbe_say(run->be, 1, "cannot acknowledge barrier %lld: %s",
		    (long long)seq, tide_strerror(r));
}

void
tide_sinkrun_settle(struct tide_sinkrun *run)
{
	int n = 0;

	while (n < run->npend && run->be->async->marked(run->be,
	    run->pend[n].mark))
		n++;
	if (n == 0)
		return;
	/* Acknowledgements are cumulative: the newest covers the rest. */
	ack(run, run->pend[n - 1].seq);
	memmove(&run->pend[0], &run->pend[n],
	    (size_t)(run->npend - n) * sizeof(run->pend[0]));
	run->npend -= n;
}

int
tide_sinkrun_idle(struct tide_sinkrun *run, struct tide_sinkbe_err *err)
{
	int r = run->be->ops->idle(run->be, err);

	if (run->npend)
		tide_sinkrun_settle(run);
	/* The control channel: a zero-timeout poll. */
	tide_flow_service(&run->flow, tide_mono_us() / 1000);
	return r;
}

int
tide_sinkrun_quiet(struct tide_sinkrun *run, struct tide_sinkbe_err *err)
{
	if (run->npend)
		tide_sinkrun_settle(run);
	tide_flow_service(&run->flow, tide_mono_us() / 1000);
	return run->be->ops->quiet(run->be, err);
}

int
tide_sinkrun_barrier(struct tide_sinkrun *run, const char *line, size_t len,
    struct tide_sinkbe_err *err)
{
	struct tide_flow *f = &run->flow;
	int64_t seq;
	int r;

	if (tide_flow_read_barrier(f, line, len) < 0) {
		/* Bad input like any other line: counted in and bad. */
		run->in++;
		tide_sinkbe_errf(err, "broken barrier: %s at byte %zu",
		    f->berr.reason ? f->berr.reason : "bad JSON",
		    f->berr.offset);
		return TIDE_EINVAL;
	}
	seq = f->b.seq;
	if (run->be->txn) {
		/* The transaction and the offsets, committed together. */
		if ((r = run->be->txn->commit(run->be, &f->b, err)) != 0)
			return r;
		run->npend = 0;
		ack(run, seq);
		tide_flow_service(f, tide_mono_us() / 1000);
		return 0;
	}
	/* Exactly once: the barrier's offsets made durable with the output
	 * (a barrier read from a file is synced only: no source to tell). */
	if (run->once) {
		/* The record covers every partition seen since the first
		 * run: a barrier names only those read in this one. */
		if ((r = tide_barrier_offs_merge(&run->recorded,
		    &f->b.offs)) < 0) {
			tide_sinkbe_errf(err, "barrier %lld: %s", (long long)seq,
			    tide_strerror(r));
			return TIDE_EIO;
		}
		r = run->be->once->record(run->be, &run->recorded, err);
	} else if (run->be->async && !f->b.final &&
	    run->npend < TIDE_SINKRUN_PENDING) {
		/* Durable in the background: acknowledged when its mark is
		 * reached, and the records after it go on meanwhile. */
		run->pend[run->npend].seq = seq;
		run->pend[run->npend++].mark = run->be->async->mark(run->be);
		tide_sinkrun_settle(run);
		tide_flow_service(f, tide_mono_us() / 1000);
		return 0;
	} else
		r = run->be->ops->sync(run->be, err);
	if (r != 0)
		return r;
	/* Everything before it is durable: the ones waiting too. */
	run->npend = 0;
	ack(run, seq);
	tide_flow_service(f, tide_mono_us() / 1000);
	return 0;
}

int
tide_sinkrun_stop_status(int r, const struct tide_sinkbe_err *err,
    int status)
{
	switch (r) {
	case TIDE_EPIPE:
		return TIDE_EX_OK;
	case TIDE_EKAFKA:
		return TIDE_EX_TEMPFAIL;
	case TIDE_EIO:
		return err->remote ? TIDE_EX_UNAVAILABLE : tide_exit_of(r);
	default:	/* stop reading; nothing failed */
		return status;
	}
}

int
tide_sinkrun_end_status(unsigned end, int remote, int status)
{
	if ((end & TIDE_SINKBE_TEE_FAILED) && status == TIDE_EX_OK)
		status = TIDE_EX_IOERR;
	if ((end & TIDE_SINKBE_UNDELIVERED) && (status == TIDE_EX_OK ||
	    status == TIDE_EX_DATAERR))
		status = TIDE_EX_TEMPFAIL;
	if ((end & TIDE_SINKBE_GAVE_UP) && status == TIDE_EX_OK)
		status = TIDE_EX_UNAVAILABLE;
	if (end & TIDE_SINKBE_WRITE_FAILED)
		status = remote ? TIDE_EX_UNAVAILABLE : TIDE_EX_IOERR;
	return status;
}

uint64_t
tide_sinkrun_undelivered(const struct tide_sinkrun *run, uint64_t nbad)
{
	uint64_t done = nbad + run->be->out;

	return run->in > done ? run->in - done : 0;
}

/* Deliver or commit what is pending: the status of the run. */
static int
finish(struct tide_sinkrun *run, int status)
{
	struct tide_sinkbe_err err;
	unsigned end;

	memset(&err, 0, sizeof(err));
	end = run->be->ops->finish(run->be, status == TIDE_EX_IOERR ||
	    status == TIDE_EX_UNAVAILABLE, &err);
	if (end & TIDE_SINKBE_DEAD_FAILED)
		run->dead_failed = 1;
	return tide_sinkrun_end_status(end, err.remote, status);
}

int
tide_sinkrun_finish(struct tide_sinkrun *run, int status, int eof,
    uint64_t nbad)
{
	uint64_t n;
	int sig;

	/* A second signal that stopped a wait of the back end's (a barrier's
	 * deliveries) ends the run as one that came between reads. */
	if (run->ended == 0 && tide_sig_stops() > 1)
		run->ended = TIDE_SINKRUN_CUT;
	if (run->ended == TIDE_SINKRUN_CUT) {
		/* A second signal, or a drain that outlasted its bound: what
		 * is in flight is given up (Kafka: dead-lettered), and said. */
		sig = tide_sig_drain(tide_mono_us() / 1000, run->drain_ms) ==
		    TIDE_SIG_ABORT;
		run->be->abort = 1;
		if (status == TIDE_EX_OK)
			status = sig ? tide_sig_exit_status() :
			    TIDE_EX_TEMPFAIL;
		status = finish(run, status);
		n = tide_sinkrun_undelivered(run, nbad);
		tide_sinkbe_say(run->be, 0, "%s: %llu record%s read and not "
		    "delivered", sig ? "second signal" : "--drain-timeout: "
		    "input did not end", (unsigned long long)n,
		    n == 1 ? "" : "s");
	} else
		status = finish(run, status);
	/* Barriers came and the final one did not: whatever wrote them died
	 * before its end, so this end is not the pipeline's. */
	if (eof && tide_flow_input_ended(&run->flow) == TIDE_EPIPE) {
		tide_sinkbe_say(run->be, 0, "input ended without the source's "
		    "final barrier: a stage before this one died");
		if (status == TIDE_EX_OK || status == TIDE_EX_DATAERR)
			status = TIDE_EX_TEMPFAIL;
	}
	return status;
}

void
tide_sinkrun_close(struct tide_sinkrun *run)
{
	tide_flow_close(&run->flow);
	tide_barrier_offs_release(&run->recorded);
}

void
tide_sinkrun_stats(const struct tide_sinkrun *run, uint64_t nbad,
    int64_t now_us, struct tide_buf *out)
{
	double secs = (double)(now_us - run->t0_us) / 1e6;

	tide_buf_addf(out, "in %llu, bad %llu, ", (unsigned long long)run->in,
	    (unsigned long long)nbad);
	if (run->where.e)
		tide_buf_addf(out, "filtered %llu, ",
		    (unsigned long long)run->where.filtered);
	run->be->ops->stats(run->be, out);
	tide_buf_addf(out, ", %.0f records/s",
	    secs > 0 ? (double)run->in / secs : 0.0);
}
