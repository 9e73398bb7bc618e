#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "time.h"
#include "flow.h"


static int
is_pipe(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

void
tide_flow_init(struct tide_flow *f, enum tide_flow_role role,
    const char *prog, int64_t interval_ms)
{
	struct tide_barrier b0 = TIDE_BARRIER_INIT;
	struct tide_barrier_offs o0 = TIDE_BARRIER_OFFS_INIT;
	int i;

	memset(f, 0, sizeof(*f));
	f->role = role;
	snprintf(f->prog, sizeof(f->prog), "%s", prog);
	f->start_ms = f->now_ms = tide_mono_us() / 1000;
	tide_stage_conn_init(&f->up);
	f->found.fd = -1;
	f->srv.fd = -1;
	f->interval_ms = interval_ms > 0 ? interval_ms : 1000;
	f->next_seq = 1;
	f->last_barrier_ms = f->start_ms;
	f->acked_seq = f->committed_seq = f->held_seq = f->passed_seq = -1;
	for (i = 0; i < TIDE_FLOW_PENDING; i++)
		f->pend[i].offs = o0;
	f->commit = o0;
	f->resume = o0;
	f->b = b0;
	tide_buf_init(&f->group, TIDE_BARRIER_GROUPMAX);
	tide_buf_init(&f->scratch, TIDE_BARRIER_MAXLINE);
}

int
tide_flow_connect(struct tide_flow *f, int in_fd, struct tide_stage_err *err)
{
	int r;

	if (f->searched)
		return 0;
	f->searched = 1;
	if (f->role != TIDE_FLOW_HEAD && is_pipe(in_fd)) {
		if ((r = tide_stage_find(in_fd, NULL, &f->found, err)) < 0)
			return r;
		if (f->found.pid > 0) {
			tide_stage_conn_adopt(&f->up, &f->found);
			f->has_up = 1;
		}
	}
	return 0;
}

int
tide_flow_open(struct tide_flow *f, int in_fd, int out_fd,
    const struct tide_barrier_offs *resume, struct tide_stage_err *err)
{
	int r;

	if ((r = tide_flow_connect(f, in_fd, err)) < 0)
		return r;
	if (f->has_up) {
		/* A stage whose output is a pipe may have a reader of its own,
		 * whose hello it will relay. */
		r = tide_stage_hello_flags(&f->up, f->prog, &f->found, resume,
		    (f->role == TIDE_FLOW_STAGE && is_pipe(out_fd) ?
		    TIDE_STAGE_HELLO_RELAYS : 0) |
		    (f->role == TIDE_FLOW_SINK && f->txn ?
		    TIDE_STAGE_HELLO_TXN : 0));
		if (r == TIDE_EPIPE)
			f->up_gone = 1;
	}
	if (f->role != TIDE_FLOW_SINK && is_pipe(out_fd)) {
		if ((r = tide_stage_listen(&f->srv, err)) < 0)
			return r;
		f->listening = 1;
	}
	return 0;
}

void
tide_flow_close(struct tide_flow *f)
{
	int i;

	if (f->listening)
		tide_stage_srv_close(&f->srv);
	f->listening = 0;
	tide_stage_conn_close(&f->up);
	if (f->found.fd >= 0)
		close(f->found.fd);
	f->found.fd = -1;
	for (i = 0; i < TIDE_FLOW_PENDING; i++)
		tide_barrier_offs_release(&f->pend[i].offs);
	tide_barrier_offs_release(&f->commit);
	tide_barrier_offs_release(&f->resume);
	tide_barrier_release(&f->b);
	tide_buf_release(&f->group);
	tide_buf_release(&f->scratch);
}

int
tide_flow_upstream(const struct tide_flow *f)
{
	return f->has_up && !f->up_gone;
}

int
tide_flow_readers(const struct tide_flow *f)
{
	return f->listening ? tide_stage_srv_readers(&f->srv) : 0;
}

int
tide_flow_reader_gone(const struct tide_flow *f)
{
	return f->listening && f->had_reader && tide_flow_readers(f) == 0;
}

/* Copy src into dst, reusing dst's memory. */
static int
offs_copy(struct tide_barrier_offs *dst, const struct tide_barrier_offs *src)
{
	tide_barrier_offs_reset(dst);
	return tide_barrier_offs_merge(dst, src);
}

/* Merge src into dst: per partition the smaller offset (a reader that
 * recorded less covers less of the input; starting later would lose what
 * it did not record). */
static int
offs_min(struct tide_barrier_offs *dst, const struct tide_barrier_offs *src)
{
	size_t i, len;
	const char *t;
	int64_t have;
	int r;

	for (i = 0; i < src->n; i++) {
		t = tide_barrier_offs_topic(src, i, &len);
		have = tide_barrier_offs_get(dst, t, len, src->v[i].partition);
		if ((have < 0 || src->v[i].next < have) &&
		    (r = tide_barrier_offs_set(dst, t, len, src->v[i].partition,
		    src->v[i].next)) < 0)
			return r;
	}
	return 0;
}

/* A reader's own hello: who reads us, for warnings. */
static void
note_reader(struct tide_flow *f, const struct tide_stage_msg *m)
{
	size_t n = strlen(f->readers);
	int i, w;

	if (n + 64 >= sizeof(f->readers))
		return;
	w = snprintf(f->readers + n, sizeof(f->readers) - n, "%s%s (pid %ld)",
	    n ? ", " : "", m->prog, (long)m->pid);
	if (w < 0)
		return;
	for (i = 0; i < m->nvia; i++) {
		n = strlen(f->readers);
		if (n + 40 >= sizeof(f->readers))
			break;
		snprintf(f->readers + n, sizeof(f->readers) - n, "%s%s (pid %ld)",
		    i ? ", " : " reading through ", m->via[i].comm,
		    (long)m->via[i].pid);
	}
}

static void
take(struct tide_flow *f, const struct tide_stage_ev *ev)
{
	const struct tide_stage_msg *m = ev->msg;
	int64_t acked;

	if (ev->type != TIDE_STAGE_EV_MSG)
		return;
	if (m->type == TIDE_STAGE_HELLO) {
		f->had_reader = 1;
		/* Relayed hellos too: the foreign programs between two
		 * stages further down are named in theirs. */
		note_reader(f, m);
		if (!m->relays || m->has_resume || m->txn)
			f->chain_ends++;
		if (m->txn && f->role == TIDE_FLOW_HEAD)
			f->txn = 1;
		if (m->has_resume && f->role == TIDE_FLOW_HEAD &&
		    offs_min(&f->resume, &m->resume) == 0)
			f->has_resume = 1;
	} else if (m->type == TIDE_STAGE_HOLD) {
		f->news_ms = f->now_ms;
		f->warned = 0;
		if (m->seq >= f->held_seq) {
			f->held_seq = m->seq;
			f->held_until = m->until_ms;
		}
	} else if (m->type == TIDE_STAGE_PASSED) {
		/* The clock of the oldest one not yet acknowledged runs. */
		if (m->seq > f->acked_seq) {
			if (f->passed_seq <= f->acked_seq)
				f->passed_ms = f->now_ms;
			if (m->seq > f->passed_seq)
				f->passed_seq = m->seq;
		}
	} else if (m->type == TIDE_STAGE_ACK) {
		acked = tide_stage_srv_acked(&f->srv);
		if (acked > f->acked_seq) {
			f->acked_seq = acked;
			f->news_ms = f->now_ms;
			f->warned = 0;
			/* Progress: a passed barrier still out starts anew. */
			f->passed_ms = f->now_ms;
			f->passed_warned = 0;
		}
	}
	if (f->role == TIDE_FLOW_STAGE && tide_flow_upstream(f) &&
	    tide_stage_relay(&f->up, &f->srv, ev) == TIDE_EPIPE)
		f->up_gone = 1;
}

int
tide_flow_service(struct tide_flow *f, int64_t now_ms)
{
	struct pollfd pfd[TIDE_STAGE_MAXPEERS + 2];
	struct tide_stage_ev ev;
	int n = 0, up = -1, nev = 0, r;

	f->now_ms = now_ms;
	if (f->listening)
		n = tide_stage_srv_pollfds(&f->srv, pfd, TIDE_STAGE_MAXPEERS + 1);
	if (tide_flow_upstream(f) && tide_stage_conn_events(&f->up)) {
		up = n;
		pfd[n].fd = f->up.fd;
		pfd[n].events = tide_stage_conn_events(&f->up);
		pfd[n++].revents = 0;
	}
	if (n == 0 || poll(pfd, (nfds_t)n, 0) <= 0)
		return 0;
	if (f->listening) {
		while ((r = tide_stage_srv_next(&f->srv, &ev, NULL)) > 0) {
			take(f, &ev);
			nev++;
		}
	}
	if (up >= 0 && pfd[up].revents &&
	    tide_stage_conn_service(&f->up, pfd[up].revents) == TIDE_EPIPE)
		f->up_gone = 1;
	return nev;
}

/* ---- Head ------------------------------------------------------------- */

enum tide_flow_mode
tide_flow_mode(const struct tide_flow *f, int64_t now_ms)
{
	if (f->had_reader)
		return TIDE_FLOW_ACKED;
	if (f->listening && now_ms - f->start_ms < TIDE_FLOW_GRACE_MS)
		return TIDE_FLOW_WAIT;
	return TIDE_FLOW_WRITTEN;
}

int
tide_flow_barrier_due(const struct tide_flow *f, int64_t now_ms)
{
	/* Once a reader has said hello, barriers go on being written even
	 * when it has gone: the write then fails, and a head whose reader
	 * died learns it even with no records to write. */
	return (tide_flow_readers(f) > 0 || f->had_reader) &&
	    now_ms - f->last_barrier_ms >= f->interval_ms;
}

int64_t
tide_flow_barrier(struct tide_flow *f, const struct tide_barrier_offs *offs,
    int final, struct tide_buf *out, int64_t now_ms)
{
	struct tide_flow_pend *p;
	struct tide_barrier b = TIDE_BARRIER_INIT;
	int r;

	if (f->npend == TIDE_FLOW_PENDING) {
		f->pfirst = (f->pfirst + 1) % TIDE_FLOW_PENDING;
		f->npend--;
	}
	p = &f->pend[(f->pfirst + f->npend) % TIDE_FLOW_PENDING];
	if ((r = offs_copy(&p->offs, offs)) < 0)
		return r;
	p->seq = f->next_seq;
	p->at_ms = now_ms;
	p->final = final;
	b.seq = p->seq;
	b.final = final;
	b.offs = p->offs;	/* shallow: only read */
	if (f->txn)
		b.group = f->group;	/* shallow too */
	if ((r = tide_barrier_write(&b, out)) < 0 ||
	    (r = tide_buf_addc(out, '\n')) < 0)
		return r;
	if (f->npend == 0 && f->news_ms < now_ms)
		f->news_ms = now_ms;	/* the silence starts now */
	f->npend++;
	f->next_seq++;
	f->last_barrier_ms = now_ms;
	return p->seq;
}

const struct tide_barrier_offs *
tide_flow_commit_ready(struct tide_flow *f, int64_t *seq)
{
	struct tide_flow_pend *p, *best = NULL;

	if (f->acked_seq <= f->committed_seq)
		return NULL;
	while (f->npend) {
		p = &f->pend[f->pfirst];
		if (p->seq > f->acked_seq)
			break;
		best = p;
		f->pfirst = (f->pfirst + 1) % TIDE_FLOW_PENDING;
		f->npend--;
	}
	f->committed_seq = f->acked_seq;
	if (!best || offs_copy(&f->commit, &best->offs) < 0)
		return NULL;
	if (seq)
		*seq = best->seq;
	return &f->commit;
}

/* A barrier passed on after a hold is out, unacknowledged, since when. */
static int
passed_out(const struct tide_flow *f)
{
	return f->passed_seq > f->acked_seq && f->npend > 0;
}

int
tide_flow_overdue(struct tide_flow *f, int64_t now_ms, int64_t timeout_ms)
{
	if (f->npend == 0 || timeout_ms <= 0)
		return 0;
	if (!f->passed_warned && passed_out(f) &&
	    now_ms - f->passed_ms >= timeout_ms) {
		f->passed_warned = f->warned = 1;
		return 1;
	}
	if (f->warned || now_ms - f->news_ms < timeout_ms)
		return 0;
	f->warned = 1;
	return 1;
}

const char *
tide_flow_why(struct tide_flow *f, int64_t now_ms)
{
	struct tide_buf *b = &f->scratch;
	int64_t s = f->npend ? (now_ms - f->news_ms) / 1000 : 0;

	tide_buf_reset(b);
	if (f->passed_warned && passed_out(f)) {
		if (tide_buf_addf(b, "no acknowledgement of barrier %lld for "
		    "%llds since a stage that held it passed it on",
		    (long long)f->passed_seq,
		    (long long)((now_ms - f->passed_ms) / 1000)) < 0)
			return "no acknowledgement of barriers";
		if (strstr(f->readers, " reading through "))
			tide_buf_addf(b, ": a program between tide stages "
			    "drops them? %s", f->readers);
		else if (f->readers[0])
			tide_buf_addf(b, ": readers %s", f->readers);
		tide_buf_addf(b, "; nothing is committed past barrier %lld",
		    (long long)f->committed_seq);
		return tide_buf_cstr(b);
	}
	if (tide_buf_addf(b, "no acknowledgement of barriers for %llds",
	    (long long)s) < 0)
		return "no acknowledgement of barriers";
	if (f->held_seq >= 0 && f->held_seq > f->acked_seq)
		tide_buf_addf(b, " (barrier %lld is held until event time "
		    "%lld)", (long long)f->held_seq, (long long)f->held_until);
	else if (strstr(f->readers, " reading through "))
		tide_buf_addf(b, ": a program between tide stages drops them? "
		    "%s", f->readers);
	else if (f->readers[0])
		tide_buf_addf(b, ": readers %s", f->readers);
	tide_buf_addf(b, "; nothing is committed past barrier %lld",
	    (long long)f->committed_seq);
	return tide_buf_cstr(b);
}

const struct tide_barrier_offs *
tide_flow_resume(const struct tide_flow *f)
{
	return f->has_resume ? &f->resume : NULL;
}

int
tide_flow_settled(const struct tide_flow *f, int64_t now_ms)
{
	if (!f->listening || f->chain_ends > 0)
		return 1;
	if (!f->had_reader)
		return now_ms - f->start_ms >= TIDE_FLOW_GRACE_MS;
	return now_ms - f->start_ms >= TIDE_FLOW_RESUME_WAIT_MS;
}

/* ---- Stage and sink ----------------------------------------------------- */

int
tide_flow_read_barrier(struct tide_flow *f, const char *line, size_t len)
{
	int r;

	if ((r = tide_barrier_parse(&f->b, line, len, &f->berr)) < 0)
		return r;
	f->nseen++;
	if (f->b.final)
		f->final_seen = 1;
	return 0;
}

enum tide_flow_pass
tide_flow_pass(const struct tide_flow *f, int64_t now_ms)
{
	if (tide_flow_readers(f) > 0)
		return TIDE_FLOW_FORWARD;
	if (f->listening && !f->had_reader &&
	    now_ms - f->start_ms < TIDE_FLOW_GRACE_MS)
		return TIDE_FLOW_DROP;
	/* Our reader went: never acknowledge for it; write the line on, so
	 * the output's broken pipe ends this stage as it would a record. */
	if (f->had_reader)
		return TIDE_FLOW_FORWARD;
	return TIDE_FLOW_ACK;
}

int
tide_flow_ack(struct tide_flow *f, int64_t seq)
{
	int r;

	if (!tide_flow_upstream(f))
		return TIDE_EPIPE;
	r = tide_stage_ack(&f->up, seq);
	if (r == TIDE_EPIPE)
		f->up_gone = 1;
	return r == TIDE_EAGAIN ? 0 : r;
}

int
tide_flow_hold(struct tide_flow *f, int64_t seq, int64_t until_ms)
{
	int r;

	if (!tide_flow_upstream(f))
		return TIDE_EPIPE;
	r = tide_stage_hold(&f->up, seq, until_ms);
	if (r == TIDE_EPIPE)
		f->up_gone = 1;
	return r == TIDE_EAGAIN ? 0 : r;
}

int
tide_flow_passed(struct tide_flow *f, int64_t seq)
{
	int r;

	if (!tide_flow_upstream(f))
		return TIDE_EPIPE;
	r = tide_stage_passed(&f->up, seq);
	if (r == TIDE_EPIPE)
		f->up_gone = 1;
	return r == TIDE_EAGAIN ? 0 : r;
}

int
tide_flow_input_ended(const struct tide_flow *f)
{
	return f->nseen > 0 && !f->final_seen ? TIDE_EPIPE : 0;
}

/* ---- Shutdown ------------------------------------------------------------- */

int
tide_flow_linger(struct tide_flow *f, int64_t seq, int64_t timeout_ms)
{
	int64_t start = tide_mono_us() / 1000, now = start;
	struct pollfd pfd[TIDE_STAGE_MAXPEERS + 2];
	int n;

	for (;;) {
		tide_flow_service(f, now);
		if (!f->listening || tide_flow_readers(f) == 0)
			return 0;
		if (tide_stage_srv_acked(&f->srv) >= seq) {
			/* A stage: what it relayed must leave too. */
			if (tide_flow_upstream(f))
				tide_stage_flush(&f->up);
			return 1;
		}
		if (now - start >= timeout_ms)
			return 0;
		n = tide_stage_srv_pollfds(&f->srv, pfd, TIDE_STAGE_MAXPEERS + 1);
		if (tide_flow_upstream(f) && tide_stage_conn_events(&f->up)) {
			pfd[n].fd = f->up.fd;
			pfd[n].events = tide_stage_conn_events(&f->up);
			pfd[n++].revents = 0;
		}
		poll(pfd, (nfds_t)n, (int)(timeout_ms - (now - start)));
		now = tide_mono_us() / 1000;
	}
}
