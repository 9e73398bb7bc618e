/*
 * lib/flow in one process: the head's listener is ours, and a reader is a
 * struct tide_stage_conn connected to it (Unix sockets deliver at send, so
 * one zero-timeout service sees what was sent).  A stage or sink's
 * upstream is a bare struct tide_stage_srv the test listens with.  Check
 * runs each test in its own process, so each has its own socket name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barrier.h"
#include "err.h"
#include "flow.h"
#include "stage.h"
#include "unit.h"

static struct tide_barrier_offs offs = TIDE_BARRIER_OFFS_INIT;

static const struct tide_barrier_offs *
offs_of(int64_t p0, int64_t p1)
{
	tide_barrier_offs_reset(&offs);
	ck_assert_int_eq(tide_barrier_offs_set(&offs, "tx", 2, 0, p0), 0);
	ck_assert_int_eq(tide_barrier_offs_set(&offs, "tx", 2, 1, p1), 0);
	return &offs;
}

/* A head listening on a pipe, with start_ms pinned to 0. */
static void
head_open(struct tide_flow *f, int fds[2])
{
	struct tide_stage_err err;

	ck_assert_int_eq(pipe(fds), 0);
	tide_flow_init(f, TIDE_FLOW_HEAD, "tide-source", 1000);
	ck_assert_int_eq(tide_flow_open(f, -1, fds[1], NULL, &err), 0);
	ck_assert_int_eq(f->listening, 1);
	f->start_ms = 0;
	f->last_barrier_ms = 0;
}

static void
reader_hello(struct tide_stage_conn *c, const char *prog,
    const struct tide_stage_up *via, const struct tide_barrier_offs *resume)
{
	tide_stage_conn_init(c);
	ck_assert_int_eq(tide_stage_connect(c, getpid(), NULL), 0);
	ck_assert_int_eq(tide_stage_hello(c, prog, via, resume), 0);
}

static int64_t
barrier(struct tide_flow *f, struct tide_buf *out, int64_t p0, int final,
    int64_t now)
{
	return tide_flow_barrier(f, offs_of(p0, p0 + 100), final, out, now);
}

START_TEST(test_flow_head_commits_on_write_without_reader)
{
	struct tide_flow f;
	int fds[2];

	/* Output not a pipe: nobody can say hello, commit on write. */
	tide_flow_init(&f, TIDE_FLOW_HEAD, "tide-source", 0);
	ck_assert_int_eq(tide_flow_open(&f, -1, -1, NULL, NULL), 0);
	ck_assert_int_eq(f.listening, 0);
	ck_assert_int_eq(tide_flow_mode(&f, f.start_ms), TIDE_FLOW_WRITTEN);
	ck_assert_int_eq(tide_flow_barrier_due(&f, f.start_ms + 5000), 0);
	tide_flow_close(&f);

	/* A pipe: wait for a hello through the grace, then on write. */
	head_open(&f, fds);
	ck_assert_int_eq(tide_flow_mode(&f, 0), TIDE_FLOW_WAIT);
	ck_assert_int_eq(tide_flow_mode(&f, TIDE_FLOW_GRACE_MS - 1),
	    TIDE_FLOW_WAIT);
	ck_assert_int_eq(tide_flow_mode(&f, TIDE_FLOW_GRACE_MS),
	    TIDE_FLOW_WRITTEN);
	ck_assert_int_eq(tide_flow_service(&f, 5000), 0);
	ck_assert_int_eq(tide_flow_barrier_due(&f, 5000), 0);
	ck_assert_ptr_null(tide_flow_commit_ready(&f, NULL));
	tide_flow_close(&f);
}
END_TEST

START_TEST(test_flow_head_commits_what_readers_acked)
{
	struct tide_flow f;
	struct tide_stage_conn c;
	struct tide_buf out = TIDE_BUF_INIT;
	const struct tide_barrier_offs *o;
	int64_t seq = -1;
	int fds[2];

	head_open(&f, fds);
	reader_hello(&c, "tide-sink", NULL, NULL);
	ck_assert_int_eq(tide_flow_service(&f, 10), 2);	/* connect, hello */
	ck_assert_int_eq(tide_flow_readers(&f), 1);
	ck_assert_int_eq(tide_flow_mode(&f, 10), TIDE_FLOW_ACKED);

	ck_assert_int_eq(tide_flow_barrier_due(&f, 999), 0);
	ck_assert_int_eq(tide_flow_barrier_due(&f, 1000), 1);
	ck_assert_int_eq(barrier(&f, &out, 10, 0, 1000), 1);
	ck_assert_int_eq(tide_flow_barrier_due(&f, 1999), 0);
	ck_assert_int_eq(barrier(&f, &out, 20, 0, 2000), 2);
	ck_assert_int_eq(barrier(&f, &out, 30, 0, 3000), 3);
	ck_assert_str_eq(tide_buf_cstr(&out),
	    "{\"@barrier\":{\"seq\":1,\"offsets\":[[\"tx\",0,10],[\"tx\",1,110]]}}\n"
	    "{\"@barrier\":{\"seq\":2,\"offsets\":[[\"tx\",0,20],[\"tx\",1,120]]}}\n"
	    "{\"@barrier\":{\"seq\":3,\"offsets\":[[\"tx\",0,30],[\"tx\",1,130]]}}\n");
	ck_assert_ptr_null(tide_flow_commit_ready(&f, &seq));

	/* Cumulative: an ack of 2 commits 2's offsets, once. */
	ck_assert_int_eq(tide_stage_ack(&c, 2), 0);
	ck_assert_int_eq(tide_flow_service(&f, 3100), 1);
	o = tide_flow_commit_ready(&f, &seq);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(seq, 2);
	ck_assert_int_eq(tide_barrier_offs_get(o, "tx", 2, 0), 20);
	ck_assert_int_eq(tide_barrier_offs_get(o, "tx", 2, 1), 120);
	ck_assert_ptr_null(tide_flow_commit_ready(&f, &seq));

	ck_assert_int_eq(tide_stage_ack(&c, 3), 0);
	tide_flow_service(&f, 3300);
	o = tide_flow_commit_ready(&f, &seq);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(seq, 3);
	ck_assert_int_eq(tide_barrier_offs_get(o, "tx", 2, 0), 30);
	ck_assert_int_eq(f.npend, 0);

	/* The reader goes: still ACKED, never back to commit on write, and
	 * barriers still due, so the write finds the broken pipe. */
	tide_stage_conn_close(&c);
	tide_flow_service(&f, 3400);
	tide_flow_service(&f, 3400);
	ck_assert_int_eq(tide_flow_readers(&f), 0);
	ck_assert_int_eq(tide_flow_mode(&f, 100000), TIDE_FLOW_ACKED);
	ck_assert_int_eq(tide_flow_barrier_due(&f, 100000), 1);
	tide_buf_release(&out);
	tide_flow_close(&f);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_flow_head_forgets_oldest_pending_past_the_cap)
{
	struct tide_flow f;
	struct tide_stage_conn c;
	struct tide_buf out = TIDE_BUF_INIT;
	const struct tide_barrier_offs *o;
	int64_t seq = -1, i;
	int fds[2];

	head_open(&f, fds);
	reader_hello(&c, "tide-sink", NULL, NULL);
	tide_flow_service(&f, 10);
	for (i = 1; i <= TIDE_FLOW_PENDING + 6; i++)
		ck_assert_int_eq(barrier(&f, &out, i, 0, 1000 * i), i);
	ck_assert_int_eq(f.npend, TIDE_FLOW_PENDING);
	/* An ack of a forgotten barrier commits nothing... */
	ck_assert_int_eq(tide_stage_ack(&c, 3), 0);
	tide_flow_service(&f, 100000);
	ck_assert_ptr_null(tide_flow_commit_ready(&f, &seq));
	/* ... and a later one commits its own offsets. */
	ck_assert_int_eq(tide_stage_ack(&c, 40), 0);
	tide_flow_service(&f, 100001);
	o = tide_flow_commit_ready(&f, &seq);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(seq, 40);
	ck_assert_int_eq(tide_barrier_offs_get(o, "tx", 2, 0), 40);
	ck_assert_int_eq(f.npend, TIDE_FLOW_PENDING + 6 - 40);
	tide_stage_conn_close(&c);
	tide_buf_release(&out);
	tide_flow_close(&f);
}
END_TEST

START_TEST(test_flow_head_warns_once_per_silence)
{
	struct tide_flow f;
	struct tide_stage_conn c;
	struct tide_buf out = TIDE_BUF_INIT;
	struct tide_stage_up via;
	int fds[2];

	memset(&via, 0, sizeof(via));
	via.nvia = 1;
	via.via[0].pid = 77;
	strcpy(via.via[0].comm, "jq");
	head_open(&f, fds);
	reader_hello(&c, "tide-window", &via, NULL);
	tide_flow_service(&f, 10);
	ck_assert_int_eq(tide_flow_overdue(&f, 100000, 30000), 0); /* none out */
	ck_assert_int_eq(barrier(&f, &out, 1, 0, 1000), 1);
	ck_assert_int_eq(tide_flow_overdue(&f, 30999, 30000), 0);
	ck_assert_int_eq(tide_flow_overdue(&f, 31000, 30000), 1);
	ck_assert_int_eq(tide_flow_overdue(&f, 60000, 30000), 0);
	{
		char want[256];

		snprintf(want, sizeof(want), "no acknowledgement of barriers "
		    "for 30s: a program between tide stages drops them? "
		    "tide-window (pid %ld) reading through jq (pid 77); nothing "
		    "is committed past barrier -1", (long)getpid());
		ck_assert_str_eq(tide_flow_why(&f, 31000), want);
	}
	tide_stage_conn_close(&c);
	tide_buf_release(&out);
	tide_flow_close(&f);
}
END_TEST

START_TEST(test_flow_head_hold_is_not_silence)
{
	struct tide_flow f;
	struct tide_stage_conn c;
	struct tide_buf out = TIDE_BUF_INIT;
	int fds[2];

	head_open(&f, fds);
	reader_hello(&c, "tide-window", NULL, NULL);
	tide_flow_service(&f, 10);
	ck_assert_int_eq(barrier(&f, &out, 1, 0, 1000), 1);
	ck_assert_int_eq(tide_stage_hold(&c, 1, 1700000060000), 0);
	tide_flow_service(&f, 20000);
	ck_assert_int_eq(tide_flow_overdue(&f, 49999, 30000), 0);
	ck_assert_int_eq(tide_flow_overdue(&f, 50000, 30000), 1);
	ck_assert_str_eq(tide_flow_why(&f, 50000),
	    "no acknowledgement of barriers for 30s (barrier 1 is held until "
	    "event time 1700000060000); nothing is committed past barrier -1");
	/* An ack re-arms the warning. */
	ck_assert_int_eq(tide_stage_ack(&c, 1), 0);
	tide_flow_service(&f, 60000);
	ck_assert_ptr_nonnull(tide_flow_commit_ready(&f, NULL));
	ck_assert_int_eq(barrier(&f, &out, 2, 0, 61000), 2);
	ck_assert_int_eq(tide_flow_overdue(&f, 90999, 30000), 0);
	ck_assert_int_eq(tide_flow_overdue(&f, 91000, 30000), 1);
	tide_stage_conn_close(&c);
	tide_buf_release(&out);
	tide_flow_close(&f);
}
END_TEST

/*
 * A stage that held a barrier and passed it on says so; hold reports of
 * later barriers then do not hide a program after it that drops them.
 */
START_TEST(test_flow_head_times_a_passed_barrier)
{
	struct tide_flow f;
	struct tide_stage_conn c;
	struct tide_buf out = TIDE_BUF_INIT;
	int64_t t, seq;
	int fds[2];
	char want[256];

	head_open(&f, fds);
	reader_hello(&c, "tide-window", NULL, NULL);
	tide_flow_service(&f, 10);
	/* Every second a barrier, and the window holds each. */
	for (t = 1000, seq = 1; t <= 9000; t += 1000, seq++) {
		ck_assert_int_eq(barrier(&f, &out, seq, 0, t), seq);
		ck_assert_int_eq(tide_stage_hold(&c, seq, 1700000060000), 0);
		tide_flow_service(&f, t);
	}
	/* Barrier 1 goes on at 10 s; nothing comes back, holds do. */
	ck_assert_int_eq(tide_stage_passed(&c, 1), 0);
	tide_flow_service(&f, 10000);
	for (t = 10000; t < 40000; t += 1000, seq++) {
		ck_assert_int_eq(barrier(&f, &out, seq, 0, t), seq);
		ck_assert_int_eq(tide_stage_hold(&c, seq, 1700000060000), 0);
		tide_flow_service(&f, t);
		ck_assert_int_eq(tide_flow_overdue(&f, t, 30000), 0);
	}
	ck_assert_int_eq(tide_flow_overdue(&f, 40000, 30000), 1);
	snprintf(want, sizeof(want), "no acknowledgement of barrier 1 for 30s "
	    "since a stage that held it passed it on: readers tide-window "
	    "(pid %ld); nothing is committed past barrier -1", (long)getpid());
	ck_assert_str_eq(tide_flow_why(&f, 40000), want);
	ck_assert_int_eq(tide_flow_overdue(&f, 90000, 30000), 0); /* once */
	/* An ack of it ends it; a later passed one is timed from then. */
	ck_assert_int_eq(tide_stage_ack(&c, 1), 0);
	tide_flow_service(&f, 95000);
	ck_assert_int_eq(tide_stage_passed(&c, 2), 0);
	tide_flow_service(&f, 96000);
	ck_assert_int_eq(tide_stage_hold(&c, 3, 1700000060000), 0);
	tide_flow_service(&f, 97000);
	ck_assert_int_eq(tide_flow_overdue(&f, 125999, 30000), 0);
	ck_assert_int_eq(tide_flow_overdue(&f, 126000, 30000), 1);
	tide_stage_conn_close(&c);
	tide_buf_release(&out);
	tide_flow_close(&f);
}
END_TEST

START_TEST(test_flow_head_takes_a_readers_resume)
{
	struct tide_flow f;
	struct tide_stage_conn c;
	const struct tide_barrier_offs *r;
	int fds[2];

	head_open(&f, fds);
	ck_assert_ptr_null(tide_flow_resume(&f));
	reader_hello(&c, "tide-sink", NULL, offs_of(5, 6));
	tide_flow_service(&f, 10);
	r = tide_flow_resume(&f);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(tide_barrier_offs_get(r, "tx", 2, 0), 5);
	ck_assert_int_eq(tide_barrier_offs_get(r, "tx", 2, 1), 6);
	tide_stage_conn_close(&c);
	tide_flow_close(&f);
}
END_TEST

START_TEST(test_flow_head_leaves_commits_to_a_transactional_sink)
{
	struct tide_flow f, sink;
	struct tide_stage_conn c;
	struct tide_stage_srv up;
	struct tide_stage_ev ev;
	struct tide_stage_err err;
	struct tide_buf out = TIDE_BUF_INIT;
	int fds[2], sfds[2];

	head_open(&f, fds);
	ck_assert_int_eq(tide_buf_add(&f.group, "g1", 2), 0);
	/* A window's hello: no txn, and the barrier carries no group. */
	tide_stage_conn_init(&c);
	ck_assert_int_eq(tide_stage_connect(&c, getpid(), NULL), 0);
	ck_assert_int_eq(tide_stage_hello_relays(&c, "tide-window", NULL, NULL,
	    1), 0);
	tide_flow_service(&f, 10);
	ck_assert_int_eq(f.txn, 0);
	ck_assert_int_eq(tide_flow_settled(&f, 10), 0);
	ck_assert_int_eq(barrier(&f, &out, 5, 0, 1000), 1);
	ck_assert_str_eq(tide_buf_cstr(&out), "{\"@barrier\":{\"seq\":1,"
	    "\"offsets\":[[\"tx\",0,5],[\"tx\",1,105]]}}\n");
	/* The sink's, relayed: txn, and it ends the chain. */
	ck_assert_int_eq(tide_stage_hello_flags(&c, "tide-sink", NULL, NULL,
	    TIDE_STAGE_HELLO_TXN), 0);
	tide_flow_service(&f, 20);
	ck_assert_int_eq(f.txn, 1);
	ck_assert_int_eq(tide_flow_settled(&f, 20), 1);
	tide_buf_reset(&out);
	ck_assert_int_eq(barrier(&f, &out, 6, 1, 2000), 2);
	ck_assert_str_eq(tide_buf_cstr(&out), "{\"@barrier\":{\"seq\":2,"
	    "\"final\":true,\"offsets\":[[\"tx\",0,6],[\"tx\",1,106]],"
	    "\"group\":\"ZzE=\"}}\n");
	tide_stage_conn_close(&c);
	tide_flow_close(&f);
	close(fds[0]);
	close(fds[1]);

	/* A sink flow with txn says so in its hello. */
	memset(&up, 0, sizeof(up));
	ck_assert_int_eq(tide_stage_listen(&up, &err), 0);
	ck_assert_int_eq(pipe(sfds), 0);
	tide_flow_init(&sink, TIDE_FLOW_SINK, "tide-sink", 0);
	ck_assert_int_eq(tide_stage_connect(&sink.up, getpid(), NULL), 0);
	sink.has_up = sink.searched = 1;
	sink.txn = 1;
	ck_assert_int_eq(tide_flow_open(&sink, sfds[0], -1, NULL, &err), 0);
	do
		ck_assert_int_eq(tide_stage_srv_next(&up, &ev, &err), 1);
	while (ev.type != TIDE_STAGE_EV_MSG);
	ck_assert_int_eq(ev.msg->type, TIDE_STAGE_HELLO);
	ck_assert_int_eq(ev.msg->txn, 1);
	tide_flow_close(&sink);
	tide_stage_srv_close(&up);
	close(sfds[0]);
	close(sfds[1]);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_flow_head_waits_for_the_hellos_to_reach_a_sink)
{
	struct tide_stage_msg m = TIDE_STAGE_MSG_INIT;
	struct tide_stage_ev ev;
	struct tide_stage_srv none;
	struct tide_flow f;
	struct tide_stage_conn c, c2;
	const struct tide_barrier_offs *r;
	int fds[2];

	/* No reader: settled once the grace for a hello is over. */
	head_open(&f, fds);
	ck_assert_int_eq(tide_flow_settled(&f, TIDE_FLOW_GRACE_MS - 1), 0);
	ck_assert_int_eq(tide_flow_settled(&f, TIDE_FLOW_GRACE_MS), 1);
	/* A window whose output is a pipe: its reader's hello will follow,
	 * so the head waits on, up to TIDE_FLOW_RESUME_WAIT_MS. */
	tide_stage_conn_init(&c);
	ck_assert_int_eq(tide_stage_connect(&c, getpid(), NULL), 0);
	ck_assert_int_eq(tide_stage_hello_relays(&c, "tide-window", NULL, NULL,
	    1), 0);
	tide_flow_service(&f, 10);
	ck_assert_int_eq(f.had_reader, 1);
	ck_assert_int_eq(tide_flow_settled(&f, TIDE_FLOW_GRACE_MS), 0);
	ck_assert_int_eq(tide_flow_settled(&f, TIDE_FLOW_RESUME_WAIT_MS - 1),
	    0);
	ck_assert_int_eq(tide_flow_settled(&f, TIDE_FLOW_RESUME_WAIT_MS), 1);
	ck_assert_ptr_null(tide_flow_resume(&f));
	/* The sink's hello, relayed by the window: settled at once. */
	memset(&ev, 0, sizeof(ev));
	memset(&none, 0, sizeof(none));
	m.type = TIDE_STAGE_HELLO;
	m.pid = 99999;
	strcpy(m.prog, "tide-sink");
	m.has_resume = 1;
	ck_assert_int_eq(tide_barrier_offs_set(&m.resume, "tx", 2, 0, 7), 0);
	ck_assert_int_eq(tide_barrier_offs_set(&m.resume, "tx", 2, 1, 3), 0);
	ev.type = TIDE_STAGE_EV_MSG;
	ev.msg = &m;
	ck_assert_int_eq(tide_stage_relay(&c, &none, &ev), 0);
	tide_flow_service(&f, 20);
	ck_assert_int_eq(tide_flow_settled(&f, 20), 1);
	r = tide_flow_resume(&f);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(tide_barrier_offs_get(r, "tx", 2, 0), 7);
	/* A second sink that recorded less: per partition the smaller. */
	reader_hello(&c2, "tide-sink", NULL, offs_of(5, 9));
	tide_flow_service(&f, 30);
	r = tide_flow_resume(&f);
	ck_assert_int_eq(tide_barrier_offs_get(r, "tx", 2, 0), 5);
	ck_assert_int_eq(tide_barrier_offs_get(r, "tx", 2, 1), 3);
	tide_stage_msg_release(&m);
	tide_stage_conn_close(&c);
	tide_stage_conn_close(&c2);
	tide_flow_close(&f);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_flow_head_lingers_for_the_final_ack)
{
	struct tide_flow f;
	struct tide_stage_conn c;
	struct tide_buf out = TIDE_BUF_INIT;
	int fds[2];
	int64_t s;

	head_open(&f, fds);
	reader_hello(&c, "tide-sink", NULL, NULL);
	tide_flow_service(&f, 10);
	s = barrier(&f, &out, 9, 1, 1000);
	ck_assert_int_eq(s, 1);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&out), "\"final\":true"));
	/* Not acknowledged: the time runs out (a hang guard of 50 ms). */
	ck_assert_int_eq(tide_flow_linger(&f, s, 50), 0);
	ck_assert_int_eq(tide_stage_ack(&c, s), 0);
	ck_assert_int_eq(tide_flow_linger(&f, s, 10000), 1);
	/* Every reader gone: no wait at all. */
	ck_assert_int_eq(barrier(&f, &out, 10, 1, 2000), 2);
	tide_stage_conn_close(&c);
	ck_assert_int_eq(tide_flow_linger(&f, 2, 10000), 0);
	tide_buf_release(&out);
	tide_flow_close(&f);
}
END_TEST

/* A sink whose upstream is the test's bare listener. */
static void
sink_on(struct tide_flow *f, struct tide_stage_srv *s)
{
	tide_flow_init(f, TIDE_FLOW_SINK, "tide-sink", 0);
	ck_assert_int_eq(tide_stage_listen(s, NULL), 0);
	ck_assert_int_eq(tide_stage_connect(&f->up, getpid(), NULL), 0);
	f->has_up = 1;
	ck_assert_int_eq(tide_stage_hello(&f->up, f->prog, NULL, NULL), 0);
}

static const struct tide_stage_msg *
next_msg(struct tide_stage_srv *s)
{
	struct tide_stage_ev ev;

	while (tide_stage_srv_next(s, &ev, NULL) > 0)
		if (ev.type == TIDE_STAGE_EV_MSG)
			return ev.msg;
	return NULL;
}

START_TEST(test_flow_sink_reads_and_acks_barriers)
{
	static const char b1[] =
	    "{\"@barrier\":{\"seq\":7,\"offsets\":[[\"tx\",0,10]]}}";
	static const char b2[] =
	    "{\"@barrier\":{\"seq\":8,\"final\":true,\"offsets\":[]}}";
	struct tide_flow f;
	struct tide_stage_srv s;
	const struct tide_stage_msg *m;

	sink_on(&f, &s);
	m = next_msg(&s);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->type, TIDE_STAGE_HELLO);
	ck_assert_str_eq(m->prog, "tide-sink");
	ck_assert_int_eq(tide_flow_input_ended(&f), 0);	/* none seen */

	ck_assert_int_eq(tide_flow_read_barrier(&f, b1, sizeof(b1) - 1), 0);
	ck_assert_int_eq(f.b.seq, 7);
	ck_assert_int_eq(tide_flow_input_ended(&f), TIDE_EPIPE);
	ck_assert_int_eq(tide_flow_pass(&f, f.start_ms), TIDE_FLOW_ACK);
	ck_assert_int_eq(tide_flow_ack(&f, f.b.seq), 0);
	m = next_msg(&s);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->type, TIDE_STAGE_ACK);
	ck_assert_int_eq(m->seq, 7);

	ck_assert_int_eq(tide_flow_hold(&f, 8, 1234), 0);
	m = next_msg(&s);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->type, TIDE_STAGE_HOLD);
	ck_assert_int_eq(m->until_ms, 1234);

	ck_assert_int_eq(tide_flow_read_barrier(&f, b2, sizeof(b2) - 1), 0);
	ck_assert_int_eq(tide_flow_input_ended(&f), 0);

	/* Upstream gone: an ack says so, once and for good. */
	tide_stage_srv_close(&s);
	ck_assert_int_eq(tide_flow_ack(&f, 8), TIDE_EPIPE);
	ck_assert_int_eq(tide_flow_upstream(&f), 0);
	ck_assert_int_eq(tide_flow_ack(&f, 9), TIDE_EPIPE);
	tide_flow_close(&f);
}
END_TEST

START_TEST(test_flow_broken_barriers_are_refused)
{
	static const char *bad[] = {
		"{\"@barrier\":",
		"{\"@barrier\":{}}",
		"{\"@barrier\":{\"seq\":-1,\"offsets\":[]}}",
		"{\"@barrier\":{\"seq\":1,\"offsets\":[]},\"x\":1}",
		"{\"@barrier\":{\"seq\":1,\"offsets\":[[\"t\",-1,0]]}}",
	};
	struct tide_flow f;
	size_t i;

	tide_flow_init(&f, TIDE_FLOW_SINK, "tide-sink", 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_lt(tide_flow_read_barrier(&f, bad[i],
		    strlen(bad[i])), 0);
		ck_assert_ptr_nonnull(f.berr.reason);
	}
	ck_assert_int_eq(f.nseen, 0);
	ck_assert_int_eq(tide_flow_input_ended(&f), 0);
	/* No upstream: nothing to acknowledge to. */
	ck_assert_int_eq(tide_flow_ack(&f, 1), TIDE_EPIPE);
	tide_flow_close(&f);
}
END_TEST

START_TEST(test_flow_stage_passes_by_its_readers)
{
	struct tide_flow f;
	struct tide_stage_err err;
	int fds[2];

	/* Output a file or terminal: acknowledge at once. */
	tide_flow_init(&f, TIDE_FLOW_STAGE, "tide-join", 0);
	ck_assert_int_eq(tide_flow_open(&f, -1, -1, NULL, &err), 0);
	ck_assert_int_eq(tide_flow_pass(&f, f.start_ms), TIDE_FLOW_ACK);
	tide_flow_close(&f);

	/* A pipe: drop (neither pass nor ack) through the grace, then ack;
	 * forward once a reader said hello, and still once it left (the
	 * write then meets the broken pipe). */
	ck_assert_int_eq(pipe(fds), 0);
	tide_flow_init(&f, TIDE_FLOW_STAGE, "tide-join", 0);
	ck_assert_int_eq(tide_flow_open(&f, -1, fds[1], NULL, &err), 0);
	f.start_ms = 0;
	ck_assert_int_eq(tide_flow_pass(&f, TIDE_FLOW_GRACE_MS - 1),
	    TIDE_FLOW_DROP);
	ck_assert_int_eq(tide_flow_pass(&f, TIDE_FLOW_GRACE_MS),
	    TIDE_FLOW_ACK);
	{
		struct tide_stage_conn c;

		reader_hello(&c, "tide-sink", NULL, NULL);
		tide_flow_service(&f, 10);
		ck_assert_int_eq(tide_flow_pass(&f, 10), TIDE_FLOW_FORWARD);
		ck_assert_int_eq(tide_flow_reader_gone(&f), 0);
		tide_stage_conn_close(&c);
		tide_flow_service(&f, 20);
		ck_assert_int_eq(tide_flow_reader_gone(&f), 1);
		ck_assert_int_eq(tide_flow_pass(&f, 100000), TIDE_FLOW_FORWARD);
	}
	tide_flow_close(&f);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

Suite *
suite_flow(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("flow");

	tcase_add_test(tc, test_flow_head_commits_on_write_without_reader);
	tcase_add_test(tc, test_flow_head_commits_what_readers_acked);
	tcase_add_test(tc, test_flow_head_forgets_oldest_pending_past_the_cap);
	tcase_add_test(tc, test_flow_head_warns_once_per_silence);
	tcase_add_test(tc, test_flow_head_hold_is_not_silence);
	tcase_add_test(tc, test_flow_head_times_a_passed_barrier);
	tcase_add_test(tc, test_flow_head_takes_a_readers_resume);
	tcase_add_test(tc, test_flow_head_waits_for_the_hellos_to_reach_a_sink);
	tcase_add_test(tc, test_flow_head_leaves_commits_to_a_transactional_sink);
	tcase_add_test(tc, test_flow_head_lingers_for_the_final_ack);
	tcase_add_test(tc, test_flow_sink_reads_and_acks_barriers);
	tcase_add_test(tc, test_flow_broken_barriers_are_refused);
	tcase_add_test(tc, test_flow_stage_passes_by_its_readers);
	suite_add_tcase(s, tc);
	return s;
}
