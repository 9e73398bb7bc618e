/*
 * A record stage's run: see stagerun.h.
 */
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "exitcode.h"
#include "stagerun.h"
#include "time.h"

void
tide_stagerun_init(struct tide_stagerun *sr, const char *prog,
    struct tide_wout *out, struct tide_bad *bad, int64_t drain_ms)
{
	memset(sr, 0, sizeof(*sr));
	tide_flow_init(&sr->flow, TIDE_FLOW_STAGE, prog, 0);
	sr->out = out;
	sr->bad = bad;
	sr->drain_ms = drain_ms;
	sr->from_tty = isatty(STDIN_FILENO);
	sr->final_seq = -1;
}

int
tide_stagerun_open(struct tide_stagerun *sr, int in_fd,
    struct tide_stage_err *err)
{
	return tide_flow_open(&sr->flow, in_fd, sr->out->fd, NULL, err);
}

int
tide_stagerun_idle(void *ctx)
{
	struct tide_stagerun *sr = ctx;
	int r = tide_wout_idle(sr->out);

	tide_flow_service(&sr->flow, tide_mono_us() / 1000);
	if (r == 0 && tide_flow_reader_gone(&sr->flow))
		r = sr->out->err = TIDE_EPIPE;
	return r;
}

int
tide_stagerun_bad(void *ctx, const char *src, uint64_t lineno,
    const char *line, size_t len, const char *why)
{
	struct tide_stagerun *sr = ctx;

	return tide_exit_of(tide_bad_record(sr->bad, src, lineno, line, len,
	    "%s", why));
}

int
tide_stagerun_barrier(struct tide_stagerun *sr, const char *src,
    uint64_t lineno, const char *line, size_t len, int64_t now_ms)
{
	struct tide_flow *f = &sr->flow;

	if (strcmp(src, "-") != 0)
		return 0;
	tide_flow_service(f, now_ms);
	if (tide_flow_read_barrier(f, line, len) < 0) {
		sr->badbar++;
		return tide_exit_of(tide_bad_record(sr->bad, src, lineno, line,
		    len, "broken barrier: %s", f->berr.reason));
	}
	switch (tide_flow_pass(f, now_ms)) {
	case TIDE_FLOW_FORWARD:
		if (tide_wout_rec(sr->out, line, len) < 0)
			return TIDE_EX_IOERR;
		if (f->b.final)
			sr->final_seq = f->b.seq;
		break;
	case TIDE_FLOW_ACK:
		if (tide_wout_flush(sr->out) < 0)
			return TIDE_EX_IOERR;
		tide_flow_ack(f, f->b.seq);
		break;
	case TIDE_FLOW_DROP:
		break;
	}
	return 0;
}

int
tide_stagerun_drain_state(struct tide_stagerun *sr, const char *path)
{
	switch (tide_sig_drain(tide_mono_us() / 1000, sr->drain_ms)) {
	case TIDE_SIG_RUN:
		return sr->ended = 0;
	case TIDE_SIG_DRAINING:
		return sr->ended = sr->from_tty && path != NULL &&
		    strcmp(path, "-") == 0 ? TIDE_STAGERUN_TTY : 0;
	default:
		return sr->ended = TIDE_STAGERUN_CUT;
	}
}

int
tide_stagerun_drain_timeout(const struct tide_stagerun *sr, int tmo)
{
	int64_t left = tide_sig_drain_left(tide_mono_us() / 1000,
	    sr->drain_ms);

	if (left >= 0 && (tmo < 0 || left < tmo))
		tmo = (int)left;
	return tmo;
}

const char *
tide_stagerun_cut(const struct tide_stagerun *sr, int *status)
{
	if (sr->ended != TIDE_STAGERUN_CUT)
		return NULL;
	if (tide_sig_drain(tide_mono_us() / 1000, sr->drain_ms) ==
	    TIDE_SIG_ABORT) {
		*status = tide_sig_exit_status();
		return "second signal";
	}
	*status = TIDE_EX_TEMPFAIL;
	return "--drain-timeout";
}

int
tide_stagerun_flush(struct tide_stagerun *sr)
{
	int r = tide_wout_flush(sr->out);

	return r == TIDE_EPIPE || sr->out->err == TIDE_EPIPE ? TIDE_EPIPE : r;
}

void
tide_stagerun_close(struct tide_stagerun *sr)
{
	if (sr->final_seq >= 0) {
		close(sr->out->fd);
		tide_flow_linger(&sr->flow, sr->final_seq, 5000);
	}
	tide_flow_close(&sr->flow);
}
