#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "time.h"
#include "wflow.h"


void
tide_wflow_init(struct tide_wflow *wf, struct tide_wout *out,
    struct tide_winout *wo, struct tide_win *win, const struct tide_wm *wm,
    struct tide_wstate *ws)
{
	tide_flow_init(&wf->flow, TIDE_FLOW_STAGE, "tide-window", 0);
	tide_bhold_init(&wf->held, 0);
	wf->final_fwd = -1;
	wf->out = out;
	wf->wo = wo;
	wf->win = win;
	wf->wm = wm;
	wf->ws = ws;
}

int
tide_wflow_open(struct tide_wflow *wf, int in_fd, int out_fd,
    struct tide_stage_err *err)
{
	return tide_flow_open(&wf->flow, in_fd, out_fd, NULL, err);
}

void
tide_wflow_service(struct tide_wflow *wf)
{
	tide_flow_service(&wf->flow, tide_mono_us() / 1000);
}

/* Pass a barrier on, after everything written so far: 0 or a code.  held:
 * it was reported held, so its going on is reported too (the head then
 * times its acknowledgement: tide_flow_overdue()). */
static int
pass(struct tide_wflow *wf, const char *line, size_t len, int64_t seq,
    int final, int held, struct tide_wflow_err *err)
{
	int r;

	err->where = TIDE_WFLOW_OUT;
	switch (tide_flow_pass(&wf->flow, tide_mono_us() / 1000)) {
	case TIDE_FLOW_FORWARD:
		/* A tide stage reads us: the line goes into the output in
		 * order. */
		if ((r = tide_wout_add(wf->out, line, len)) < 0 ||
		    (r = tide_wout_add(wf->out, "\n", 1)) < 0)
			return r;
		if (final)
			wf->final_fwd = seq;
		if (held)
			(void)tide_flow_passed(&wf->flow, seq);
		break;
	case TIDE_FLOW_ACK:
		/* Nothing downstream will acknowledge it: we do, once the
		 * output before it is out. */
		if ((r = tide_wout_flush(wf->out)) < 0)
			return r;
		if (wf->wo->late && fflush(wf->wo->late) != 0) {
			err->where = TIDE_WFLOW_LATE;
			err->errnum = errno;
			return TIDE_EIO;
		}
		/* No upstream stage: nobody to tell. */
		(void)tide_flow_ack(&wf->flow, seq);
		break;
	case TIDE_FLOW_DROP:
		/* A reader may yet say hello; acknowledgements are
		 * cumulative: a later one covers it. */
		break;
	}
	return 0;
}

int
tide_wflow_pass_held(struct tide_wflow *wf, int all,
    struct tide_wflow_err *err)
{
	struct tide_bhold_ent *e;
	int64_t end;
	int r;

	while ((e = tide_bhold_head(&wf->held)) != NULL) {
		if (!all) {
			if (wf->win->wm < e->until)
				break;
			if ((end = tide_win_open_end(wf->win, e->upto)) >
			    wf->win->wm) {
				e->until = end;
				break;
			}
		}
		if ((r = pass(wf, e->line.data, e->line.len, e->seq, e->final,
		    1, err)) < 0)
			return r;
		tide_bhold_pop(&wf->held);
	}
	return 0;
}

int
tide_wflow_barrier(struct tide_wflow *wf, const char *line, size_t len,
    struct tide_wflow_err *err)
{
	const struct tide_barrier *b = &wf->flow.b;
	struct tide_bhold_ent *tail;
	int64_t until, upto;
	int r;

	err->where = TIDE_WFLOW_OUT;
	/* The stage after us died: what we hold would never be written,
	 * and we would never learn it.  End as on a broken pipe. */
	tide_wflow_service(wf);
	if (tide_flow_reader_gone(&wf->flow))
		return TIDE_EPIPE;
	if (wf->ws != NULL) {
		/* Out first, then the state that follows it. */
		if ((r = tide_wout_flush(wf->out)) < 0)
			return r;
		tide_wstate_barrier(wf->ws, &b->offs);
		if ((r = tide_wstate_save(wf->ws, wf->win, wf->wm,
		    &err->state)) < 0) {
			err->where = TIDE_WFLOW_STATE;
			return r;
		}
		return pass(wf, line, len, b->seq, b->final, 0, err);
	}
	if ((r = tide_wflow_pass_held(wf, 0, err)) < 0)
		return r;
	/* Every open window holds a record no later than the latest. */
	upto = wf->wm->max;
	until = tide_win_open_end(wf->win, upto);
	if (tide_bhold_count(&wf->held) == 0 && until <= wf->win->wm)
		return pass(wf, line, len, b->seq, b->final, 0, err);
	/* Behind the ones held already. */
	if ((tail = tide_bhold_tail(&wf->held)) != NULL && tail->until > until)
		until = tail->until;
	r = tide_bhold_push(&wf->held, line, len, b->seq, b->final, until,
	    upto);
	if (r > 0)
		(void)tide_flow_hold(&wf->flow, b->seq, until);
	return 0;
}

int
tide_wflow_idle(struct tide_wflow *wf, struct tide_wflow_err *err)
{
	int r;

	err->where = TIDE_WFLOW_OUT;
	if (wf->held.n > 0 && (r = tide_wflow_pass_held(wf, 0, err)) < 0)
		return r;
	r = tide_wout_flush(wf->out);
	tide_wflow_service(wf);
	return r;
}

void
tide_wflow_close(struct tide_wflow *wf, int out_fd)
{
	/* The final barrier went on: its acknowledgement comes back through
	 * us once our reader has it all (our output ends here). */
	if (wf->final_fwd >= 0 && out_fd >= 0) {
		close(out_fd);
		tide_flow_linger(&wf->flow, wf->final_fwd,
		    TIDE_WFLOW_LINGER_MS);
	}
	/* An acknowledgement the socket could not take at once goes now. */
	tide_wflow_service(wf);
	tide_flow_close(&wf->flow);
	tide_bhold_release(&wf->held);
}
