/* The replay loop: see replay.h. */
#include <inttypes.h>
#include <string.h>

#include "err.h"
#include "replay.h"
#include "sig.h"
#include "time.h"

void
tide_replay_init(struct tide_replay *rp, const struct tide_replay_ops *ops,
    void *ctx, struct tide_wout *out, double speed, double rate,
    int64_t max_gap_ms)
{
	memset(rp, 0, sizeof(*rp));
	rp->ops = ops;
	rp->ctx = ctx;
	rp->out = out;
	tide_pace_init(&rp->pace, speed, rate, max_gap_ms);
	tide_buf_init(&rp->ob, TIDE_BUF_NOMAX);
	rp->limit = -1;
	rp->duration_ms = -1;
	rp->loops = 1;
}

void
tide_replay_release(struct tide_replay *rp)
{
	tide_buf_release(&rp->ob);
}

int
tide_replay_flush(struct tide_replay *rp)
{
	int64_t now;
	size_t i;
	int r;

	if ((r = tide_wout_flush(rp->out)) != 0)
		return r;
	if (rp->npend == 0)
		return 0;
	now = tide_mono_us();
	for (i = 0; i < rp->npend; i++)
		tide_pace_sent(&rp->pace, rp->pend[i], now);
	rp->npend = 0;
	return 0;
}

static int
limited(struct tide_replay *rp)
{
	if (rp->limit >= 0 && rp->nout >= (uint64_t)rp->limit) {
		rp->stopping = 1;
		return 1;
	}
	return 0;
}

/* One pass over the data: 0 when done, 1 when stopped, or a write error. */
static int
pass(struct tide_replay *rp)
{
	const struct tide_replay_ops *ops = rp->ops;
	int paced = tide_pace_paced(&rp->pace);
	int64_t ts, due, now;
	void *top;
	int r, w = 0;

	tide_merge_init(&rp->merge);
	r = ops->open(rp->ctx, &rp->merge);
	while (r == 0 && (top = tide_merge_top(&rp->merge)) != NULL) {
		if (limited(rp))
			break;
		ts = ops->key(top)->ts;
		if (rp->loop == 0 && !rp->scanned) {
			if (rp->nout == 0 || ts < rp->first_ts)
				rp->first_ts = ts;
			if (rp->nout == 0 || ts > rp->last_ts)
				rp->last_ts = ts;
		}
		/* The record is made before its wait: a filter's drop waits
		 * for nothing. */
		tide_buf_reset(&rp->ob);
		if (rp->emit_if == NULL)
			ops->emit(rp->ctx, top, &rp->ob, rp->shift);
		else if (!rp->emit_if(rp->ctx, top, &rp->ob, rp->shift)) {
			rp->filtered++;
			if (tide_sig_stops()) {
				r = -1;
				break;
			}
			r = ops->advance(rp->ctx, top, &rp->merge);
			continue;
		}
		now = tide_mono_us();
		due = tide_pace_next(&rp->pace, ts + rp->loop * rp->span, now);
		if (rp->duration_ms >= 0 && (paced ?
		    tide_pace_offset(&rp->pace, due) :
		    now - rp->pace.start_us) >= rp->duration_ms * 1000) {
			rp->stopping = 1;
			break;
		}
		if (due > now) {
			if ((w = tide_replay_flush(rp)) != 0)
				break;
			while (tide_pace_wait(&rp->pace, due) == TIDE_EINTR)
				if (tide_sig_stops())
					break;
			if (tide_sig_stops()) {
				r = -1;
				break;
			}
		}
		rp->cur_ts = ts + rp->shift;
		if (!rp->no_newline)
			tide_buf_addc(&rp->ob, '\n');
		if ((w = tide_wout_add(rp->out, rp->ob.data, rp->ob.len)) != 0)
			break;
		rp->nout++;
		if (paced) {
			rp->pend[rp->npend++] = due;
			if (rp->npend == TIDE_REPLAY_PENDING &&
			    (w = tide_replay_flush(rp)) != 0)
				break;
		}
		if (limited(rp))
			break;
		if (ops->tick)
			ops->tick(rp->ctx, rp);
		if (tide_sig_stops()) {
			r = -1;
			break;
		}
		r = ops->advance(rp->ctx, top, &rp->merge);
	}
	ops->close(rp->ctx);
	tide_merge_release(&rp->merge);
	if (w != 0)
		return w;
	return r < 0 ? 1 : 0;
}

int
tide_replay_run(struct tide_replay *rp)
{
	int r;

	for (rp->loop = 0; rp->loops == 0 || rp->loop < rp->loops;
	    rp->loop++) {
		if (rp->loop == 1) {
			/* The step between loops: the range when given,
			 * else the data's own span. */
			rp->span = rp->have_range ? rp->range_ms :
			    rp->last_ts - rp->first_ts + 1;
			if (rp->nout == 0)
				break;
		}
		rp->shift = rp->shift_on ? rp->loop * rp->span : 0;
		if ((r = pass(rp)) != 0)
			return r;
		if (rp->stopping || tide_sig_stops())
			break;
	}
	return 0;
}

void
tide_replay_stats(const struct tide_replay *rp, uint64_t bad, double secs,
    struct tide_buf *b)
{
	tide_buf_addf(b, "records_out %" PRIu64 ", bytes_out %" PRIu64 ", bad %"
	    PRIu64 "", rp->nout, rp->out->bytes + rp->out->len, bad);
	if (rp->emit_if)
		tide_buf_addf(b, ", filtered %" PRIu64, rp->filtered);
	tide_buf_addf(b, ", %.3fs, %.0f records/s", secs,
	    secs > 0 ? (double)rp->nout / secs : 0.0);
	if (tide_replay_paced(rp))
		tide_buf_addf(b, ", lateness p50 %.3fms p99 %.3fms max %.3fms, "
		    "lag %.3fms",
		    (double)tide_pace_quantile(&rp->pace, 0.5) / 1000.0,
		    (double)tide_pace_quantile(&rp->pace, 0.99) / 1000.0,
		    (double)rp->pace.max_late_us / 1000.0,
		    (double)rp->pace.last_late_us / 1000.0);
}
