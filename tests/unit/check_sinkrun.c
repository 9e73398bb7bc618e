/* struct tide_sinkrun: tide-sink's run over a back end -- barriers, the
 * drain, the exit status at the end -- over a fake back end. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "exitcode.h"
#include "sig.h"
#include "sinkbe.h"
#include "sinkrun.h"
#include "unit.h"

/* A back end that records its calls and answers as told. */
struct fake {
	struct tide_sinkbe be;
	int syncs, finishes, idles, quiets;
	int sync_r, idle_r, quiet_r;	/* what they return */
	unsigned end;			/* what finish() found */
	int end_remote;
	int failed;			/* finish()'s failed, as passed */
	int aborted;			/* be.abort as finish() saw it */
};

static struct tide_buf said;	/* what say got, a line each */

static void
say(void *ctx, int level, const char *msg)
{
	ck_assert_ptr_eq(ctx, &said);
	tide_buf_addf(&said, "%d %s\n", level, msg);
}

static int
f_put(struct tide_sinkbe *be, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, struct tide_sinkbe_err *err)
{
	(void)lineno;
	(void)line;
	(void)len;
	(void)type;
	(void)err;
	be->out++;
	return 0;
}

static int
f_idle(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct fake *f = (struct fake *)be;

	f->idles++;
	tide_sinkbe_errf(err, "%s", f->idle_r ? "idle failed" : "");
	return f->idle_r;
}

static int
f_quiet(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct fake *f = (struct fake *)be;

	(void)err;
	f->quiets++;
	return f->quiet_r;
}

static int
f_sync(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct fake *f = (struct fake *)be;

	f->syncs++;
	if (f->sync_r)
		tide_sinkbe_errf(err, "sync failed");
	return f->sync_r;
}

static unsigned
f_finish(struct tide_sinkbe *be, int failed, struct tide_sinkbe_err *err)
{
	struct fake *f = (struct fake *)be;

	f->finishes++;
	f->failed = failed;
	f->aborted = be->abort;
	err->remote = f->end_remote;
	return f->end;
}

static void
f_stats(struct tide_sinkbe *be, struct tide_buf *b)
{
	tide_buf_addf(b, "out %llu", (unsigned long long)be->out);
}

static void
f_close(struct tide_sinkbe *be)
{
	(void)be;
}

static const struct tide_sinkbe_ops fake_ops = {
	"fake", f_put, f_idle, f_quiet, f_sync, f_finish, f_stats, f_close,
};

static struct fake fk;
static struct tide_sinkrun run;

#define B1 "{\"@barrier\":{\"seq\":1,\"offsets\":[[\"tx\",0,2]]}}"
#define BFINAL "{\"@barrier\":{\"seq\":2,\"final\":true,\"offsets\":[]}}"

static void
setup(void)
{
	struct tide_stage_err serr;
	struct tide_sinkbe_err berr;

	tide_sig_reset();
	tide_sig_init(0);
	tide_buf_init(&said, TIDE_BUF_NOMAX);
	memset(&fk, 0, sizeof(fk));
	fk.be.ops = &fake_ops;
	fk.be.timeout = -1;
	fk.be.say = say;
	fk.be.ctx = &said;
	tide_sinkrun_init(&run, "tide-sink", 30000, 0);
	/* No descriptors (not pipes): no upstream, no listener. */
	ck_assert_int_eq(tide_sinkrun_open(&run, &fk.be, -1, -1, &serr,
	    &berr), 0);
	ck_assert_ptr_eq(run.be, &fk.be);
}

static void
teardown(void)
{
	tide_sinkrun_close(&run);
	tide_buf_release(&said);
	tide_sig_reset();
}

static int
barrier(const char *line, struct tide_sinkbe_err *err)
{
	return tide_sinkrun_barrier(&run, line, strlen(line), err);
}

START_TEST(test_sinkrun_barrier_syncs_and_is_not_a_record)
{
	struct tide_sinkbe_err err;

	ck_assert_int_eq(barrier(B1, &err), 0);
	ck_assert_int_eq(fk.syncs, 1);
	ck_assert_uint_eq(run.in, 0);
	ck_assert_int_eq(run.flow.b.seq, 1);
	/* No upstream to acknowledge to: no note either. */
	ck_assert_str_eq(tide_buf_cstr(&said), "");
}
END_TEST

/* A back end durable in the background (be->async): its mark is the
 * records put so far, reached once fk_durable says so. */
static uint64_t fk_durable;
static int fk_marks;

static uint64_t
f_mark(struct tide_sinkbe *be)
{
	fk_marks++;
	return be->out;
}

static int
f_marked(struct tide_sinkbe *be, uint64_t mark)
{
	(void)be;
	return fk_durable >= mark;
}

static const struct tide_sinkbe_async fake_async = { f_mark, f_marked };

static void
put2(void)
{
	struct tide_sinkbe_err err;

	ck_assert_int_eq(fk.be.ops->put(&fk.be, 1, "{}", 2, TIDE_JSON_OBJECT,
	    &err), 0);
	ck_assert_int_eq(fk.be.ops->put(&fk.be, 2, "{}", 2, TIDE_JSON_OBJECT,
	    &err), 0);
}

START_TEST(test_sinkrun_async_barrier_waits_for_its_mark_not_a_sync)
{
	struct tide_sinkbe_err err;

	fk.be.async = &fake_async;
	fk_durable = 0;
	fk_marks = 0;
	put2();
	ck_assert_int_eq(barrier(B1, &err), 0);
	/* No sync: the records after it go on; it waits for mark 2. */
	ck_assert_int_eq(fk.syncs, 0);
	ck_assert_int_eq(fk_marks, 1);
	ck_assert_int_eq(run.npend, 1);
	ck_assert_uint_eq(run.pend[0].mark, 2);
	put2();
	ck_assert_int_eq(tide_sinkrun_idle(&run, &err), 0);
	ck_assert_int_eq(run.npend, 1);
	fk_durable = 2;
	ck_assert_int_eq(tide_sinkrun_quiet(&run, &err), 0);
	ck_assert_int_eq(run.npend, 0);
	/* The final barrier syncs, as before. */
	ck_assert_int_eq(barrier(BFINAL, &err), 0);
	ck_assert_int_eq(fk.syncs, 1);
	ck_assert_int_eq(run.npend, 0);
}
END_TEST

/* A back end with transactions of its own (be->txn). */
static int fk_paced, fk_commits, fk_commit_r;
static int64_t fk_seq;
static size_t fk_glen, fk_noffs;

static void
f_paced(struct tide_sinkbe *be, int paced)
{
	(void)be;
	fk_paced = paced;
}

static int
f_txn_commit(struct tide_sinkbe *be, const struct tide_barrier *b,
    struct tide_sinkbe_err *err)
{
	(void)be;
	fk_commits++;
	fk_seq = b->seq;
	fk_glen = b->group.len;
	fk_noffs = b->offs.n;
	if (fk_commit_r)
		tide_sinkbe_errf(err, "commit failed");
	return fk_commit_r;
}

static const struct tide_sinkbe_txn fake_txn = { f_paced, f_txn_commit };

START_TEST(test_sinkrun_txn_barrier_commits_the_transaction)
{
	struct tide_stage_err serr;
	struct tide_sinkbe_err err;

	/* Opened again with transactions (and async, which they override). */
	tide_sinkrun_close(&run);
	fk.be.txn = &fake_txn;
	fk.be.async = &fake_async;
	fk_paced = -1;
	fk_commits = fk_commit_r = 0;
	fk_marks = 0;
	tide_sinkrun_init(&run, "tide-sink", 30000, 0);
	ck_assert_int_eq(tide_sinkrun_open(&run, &fk.be, -1, -1, &serr, &err),
	    0);
	/* No upstream: not paced, and no txn hello. */
	ck_assert_int_eq(fk_paced, 0);
	ck_assert_int_eq(run.flow.txn, 0);
	put2();
	ck_assert_int_eq(barrier("{\"@barrier\":{\"seq\":1,\"offsets\":"
	    "[[\"tx\",0,2]],\"group\":\"ZzE=\"}}", &err), 0);
	ck_assert_int_eq(fk_commits, 1);
	ck_assert_int_eq(fk_seq, 1);
	ck_assert_uint_eq(fk_glen, 2);
	ck_assert_uint_eq(fk_noffs, 1);
	ck_assert_int_eq(fk.syncs, 0);
	ck_assert_int_eq(fk_marks, 0);
	ck_assert_int_eq(run.npend, 0);
	/* Without a group: committed all the same, with no metadata. */
	ck_assert_int_eq(barrier(BFINAL, &err), 0);
	ck_assert_int_eq(fk_commits, 2);
	ck_assert_int_eq(fk_seq, 2);
	ck_assert_uint_eq(fk_glen, 0);
	/* A failed commit stops the run: 75, its words in err. */
	fk_commit_r = TIDE_EKAFKA;
	ck_assert_int_eq(barrier(B1, &err), TIDE_EKAFKA);
	ck_assert_str_eq(err.msg, "commit failed");
	ck_assert_int_eq(tide_sinkrun_stop_status(TIDE_EKAFKA, &err,
	    TIDE_EX_OK), TIDE_EX_TEMPFAIL);
	ck_assert_int_eq(fk.syncs, 0);
	fk.be.txn = NULL;
	fk.be.async = NULL;
}
END_TEST


START_TEST(test_sinkrun_async_barriers_past_the_cap_sync)
{
	struct tide_sinkbe_err err;
	int i;

	fk.be.async = &fake_async;
	fk_durable = 0;
	for (i = 0; i < TIDE_SINKRUN_PENDING; i++) {
		put2();
		ck_assert_int_eq(barrier(B1, &err), 0);
	}
	ck_assert_int_eq(run.npend, TIDE_SINKRUN_PENDING);
	ck_assert_int_eq(fk.syncs, 0);
	/* One more: nothing waits without bound; a sync covers them all. */
	put2();
	ck_assert_int_eq(barrier(B1, &err), 0);
	ck_assert_int_eq(fk.syncs, 1);
	ck_assert_int_eq(run.npend, 0);
	put2();
	ck_assert_int_eq(barrier(B1, &err), 0);
	ck_assert_int_eq(run.npend, 1);
}
END_TEST

START_TEST(test_sinkrun_broken_barrier_is_bad_input_counted_in)
{
	struct tide_sinkbe_err err;

	ck_assert_int_eq(barrier("{\"@barrier\":{\"seq\":\"x\",\"offsets\":[]}}",
	    &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "broken barrier: seq is not a non-negative "
	    "integer at byte 19");
	ck_assert_int_eq(fk.syncs, 0);
	ck_assert_uint_eq(run.in, 1);
	ck_assert_int_eq(barrier("{\"@barrier\":{\"seq\":4", &err),
	    TIDE_EINVAL);
	ck_assert_int_eq(strncmp(err.msg, "broken barrier: ", 16), 0);
	ck_assert_uint_eq(run.in, 2);
	ck_assert_int_eq(fk.syncs, 0);
}
END_TEST

START_TEST(test_sinkrun_barrier_returns_a_failed_sync)
{
	struct tide_sinkbe_err err;

	fk.sync_r = TIDE_EIO;
	ck_assert_int_eq(barrier(B1, &err), TIDE_EIO);
	ck_assert_str_eq(err.msg, "sync failed");
	fk.sync_r = 1;
	ck_assert_int_eq(barrier(B1, &err), 1);
	ck_assert_int_eq(fk.syncs, 2);
}
END_TEST

START_TEST(test_sinkrun_idle_and_quiet_call_the_back_end)
{
	struct tide_sinkbe_err err;

	ck_assert_int_eq(tide_sinkrun_idle(&run, &err), 0);
	fk.idle_r = TIDE_EIO;
	ck_assert_int_eq(tide_sinkrun_idle(&run, &err), TIDE_EIO);
	ck_assert_str_eq(err.msg, "idle failed");
	fk.quiet_r = TIDE_EPIPE;
	ck_assert_int_eq(tide_sinkrun_quiet(&run, &err), TIDE_EPIPE);
	ck_assert_int_eq(fk.idles, 2);
	ck_assert_int_eq(fk.quiets, 1);
}
END_TEST

START_TEST(test_sinkrun_stop_status_of_each_code)
{
	struct tide_sinkbe_err err = { "", 0 };

	ck_assert_int_eq(tide_sinkrun_stop_status(TIDE_EPIPE, &err, 65), 0);
	ck_assert_int_eq(tide_sinkrun_stop_status(TIDE_EKAFKA, &err, 0), 75);
	ck_assert_int_eq(tide_sinkrun_stop_status(TIDE_EIO, &err, 0), 74);
	err.remote = 1;
	ck_assert_int_eq(tide_sinkrun_stop_status(TIDE_EIO, &err, 0), 69);
	/* Stop, nothing failed: the status so far. */
	ck_assert_int_eq(tide_sinkrun_stop_status(1, &err, 0), 0);
	ck_assert_int_eq(tide_sinkrun_stop_status(1, &err, 65), 65);
}
END_TEST

START_TEST(test_sinkrun_end_status_of_each_flag)
{
	ck_assert_int_eq(tide_sinkrun_end_status(0, 0, 0), 0);
	ck_assert_int_eq(tide_sinkrun_end_status(0, 0, 65), 65);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_TEE_FAILED, 0, 0),
	    74);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_TEE_FAILED, 0,
	    65), 65);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_UNDELIVERED, 0,
	    0), 75);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_UNDELIVERED, 0,
	    65), 75);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_UNDELIVERED, 0,
	    130), 130);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_GAVE_UP, 0, 0),
	    69);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_GAVE_UP |
	    TIDE_SINKBE_UNDELIVERED, 0, 0), 75);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_WRITE_FAILED, 0,
	    65), 74);
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_WRITE_FAILED, 1,
	    0), 69);
	/* A failed dead letter is the caller's to report: no status here. */
	ck_assert_int_eq(tide_sinkrun_end_status(TIDE_SINKBE_DEAD_FAILED, 0,
	    0), 0);
}
END_TEST

START_TEST(test_sinkrun_finish_plain_end)
{
	ck_assert_int_eq(tide_sinkrun_finish(&run, 0, 1, 0), 0);
	ck_assert_int_eq(fk.finishes, 1);
	ck_assert_int_eq(fk.failed, 0);
	ck_assert_int_eq(fk.aborted, 0);
	ck_assert_int_eq(run.dead_failed, 0);
	ck_assert_str_eq(tide_buf_cstr(&said), "");
}
END_TEST

START_TEST(test_sinkrun_finish_tells_a_failed_run_and_a_dead_letter)
{
	fk.end = TIDE_SINKBE_DEAD_FAILED;
	ck_assert_int_eq(tide_sinkrun_finish(&run, 74, 1, 0), 74);
	ck_assert_int_eq(fk.failed, 1);
	ck_assert_int_eq(run.dead_failed, 1);
}
END_TEST

START_TEST(test_sinkrun_finish_without_the_final_barrier_is_75)
{
	struct tide_sinkbe_err err;

	ck_assert_int_eq(barrier(B1, &err), 0);
	ck_assert_int_eq(tide_sinkrun_finish(&run, 65, 1, 0), 75);
	ck_assert_str_eq(tide_buf_cstr(&said), "0 input ended without the "
	    "source's final barrier: a stage before this one died\n");
}
END_TEST

START_TEST(test_sinkrun_finish_without_eof_or_with_the_final_barrier)
{
	struct tide_sinkbe_err err;

	ck_assert_int_eq(barrier(B1, &err), 0);
	/* Not the end of input (the reader of stdout went away): not said. */
	ck_assert_int_eq(tide_sinkrun_finish(&run, 0, 0, 0), 0);
	ck_assert_int_eq(barrier(BFINAL, &err), 0);
	ck_assert_int_eq(tide_sinkrun_finish(&run, 0, 1, 0), 0);
	ck_assert_str_eq(tide_buf_cstr(&said), "");
}
END_TEST

START_TEST(test_sinkrun_drain_on_a_pipe_reads_on)
{
	ck_assert_int_eq(tide_sinkrun_signalled(&run, 0), 0);
	ck_assert_int_eq(tide_sinkrun_drain(&run), 0);
	raise(SIGTERM);
	ck_assert_int_eq(tide_sinkrun_signalled(&run, 0), 1);
	ck_assert_int_eq(tide_sinkrun_drain(&run), 0);
	ck_assert_int_eq(run.ended, 0);
	/* Draining: still signalled, so the clock is looked at. */
	ck_assert_int_eq(tide_sinkrun_signalled(&run, 0), 1);
	ck_assert_int_le(tide_sinkrun_timeout(&run), 30000);
	ck_assert_int_ge(tide_sinkrun_timeout(&run), 0);
	ck_assert_int_eq(tide_sinkrun_finish(&run, 0, 1, 0), 0);
	ck_assert_int_eq(fk.aborted, 0);
	ck_assert_str_eq(tide_buf_cstr(&said), "");
}
END_TEST

START_TEST(test_sinkrun_timeout_without_a_signal_is_the_back_ends)
{
	ck_assert_int_eq(tide_sinkrun_timeout(&run), -1);
	fk.be.timeout = 250;
	ck_assert_int_eq(tide_sinkrun_timeout(&run), 250);
	ck_assert_int_eq(tide_sinkrun_signalled(&run, TIDE_EINTR), 1);
	ck_assert_int_eq(tide_sinkrun_signalled(&run, TIDE_EAGAIN), 0);
}
END_TEST

START_TEST(test_sinkrun_drain_on_a_terminal_ends_the_input)
{
	tide_flow_close(&run.flow);
	tide_sinkrun_init(&run, "tide-sink", 30000, 1);
	run.be = &fk.be;
	raise(SIGINT);
	ck_assert_int_eq(tide_sinkrun_drain(&run), 1);
	ck_assert_int_eq(run.ended, TIDE_SINKRUN_TTY);
	ck_assert_int_eq(tide_sinkrun_finish(&run, 0, 0, 0), 0);
	ck_assert_int_eq(fk.aborted, 0);
}
END_TEST

START_TEST(test_sinkrun_second_signal_cuts_short_and_says_what_is_lost)
{
	run.in = 5;
	fk.be.out = 2;
	raise(SIGINT);
	ck_assert_int_eq(tide_sinkrun_drain(&run), 0);
	raise(SIGTERM);
	ck_assert_int_eq(tide_sinkrun_drain(&run), 1);
	ck_assert_int_eq(run.ended, TIDE_SINKRUN_CUT);
	ck_assert_int_eq(tide_sinkrun_finish(&run, 0, 0, 1), 128 + SIGTERM);
	ck_assert_int_eq(fk.aborted, 1);
	ck_assert_str_eq(tide_buf_cstr(&said), "0 second signal: 2 records "
	    "read and not delivered\n");
}
END_TEST

START_TEST(test_sinkrun_second_signal_during_a_wait_cuts_short)
{
	/* Two signals and no drain call between (a back end's wait took
	 * them): the end is cut short all the same; a failure stays. */
	run.in = 1;
	raise(SIGTERM);
	raise(SIGINT);	/* the same signal at once would be one stop */
	ck_assert_int_eq(tide_sinkrun_finish(&run, 74, 0, 0), 74);
	ck_assert_int_eq(fk.aborted, 1);
	ck_assert_str_eq(tide_buf_cstr(&said), "0 second signal: 1 record "
	    "read and not delivered\n");
}
END_TEST

START_TEST(test_sinkrun_drain_timeout_is_75)
{
	tide_flow_close(&run.flow);
	tide_sinkrun_init(&run, "tide-sink", 1, 0);
	run.be = &fk.be;
	raise(SIGTERM);
	ck_assert_int_eq(tide_sinkrun_drain(&run), 0);
	usleep(20000);
	ck_assert_int_eq(tide_sinkrun_timeout(&run), 0);
	ck_assert_int_eq(tide_sinkrun_drain(&run), 1);
	ck_assert_int_eq(run.ended, TIDE_SINKRUN_CUT);
	ck_assert_int_eq(tide_sinkrun_finish(&run, 0, 0, 0), 75);
	ck_assert_int_eq(fk.aborted, 1);
	ck_assert_str_eq(tide_buf_cstr(&said), "0 --drain-timeout: input did "
	    "not end: 0 records read and not delivered\n");
}
END_TEST

START_TEST(test_sinkrun_undelivered_never_below_zero)
{
	run.in = 5;
	fk.be.out = 3;
	ck_assert_uint_eq(tide_sinkrun_undelivered(&run, 1), 1);
	ck_assert_uint_eq(tide_sinkrun_undelivered(&run, 2), 0);
	ck_assert_uint_eq(tide_sinkrun_undelivered(&run, 9), 0);
}
END_TEST

/* Exactly once, with no tide stage upstream (no pipe): the record is not
 * read, it is forgotten, and a barrier read from a file is only synced. */
static int once_recorded, once_records, once_forgets;

static const char *
o_where(struct tide_sinkbe *be)
{
	(void)be;
	return "the fake's record";
}

static int
o_recorded(struct tide_sinkbe *be, struct tide_barrier_offs *o,
    struct tide_sinkbe_err *err)
{
	(void)be;
	(void)o;
	(void)err;
	once_recorded++;
	return 0;
}

static int
o_record(struct tide_sinkbe *be, const struct tide_barrier_offs *o,
    struct tide_sinkbe_err *err)
{
	(void)be;
	(void)o;
	(void)err;
	once_records++;
	return 0;
}

static void
o_forget(struct tide_sinkbe *be)
{
	(void)be;
	once_forgets++;
}

static const struct tide_sinkbe_once fake_once = {
	o_where, o_recorded, o_record, o_forget,
};

START_TEST(test_sinkrun_once_alone_forgets_and_only_syncs)
{
	struct tide_stage_err serr;
	struct tide_sinkbe_err berr;
	struct tide_sinkbe_err err;

	tide_sinkrun_close(&run);
	once_recorded = once_records = once_forgets = 0;
	fk.be.once = &fake_once;
	tide_sinkrun_init(&run, "tide-sink", 30000, 0);
	ck_assert_int_eq(tide_sinkrun_open(&run, &fk.be, -1, -1, &serr,
	    &berr), 0);
	ck_assert_int_eq(run.once, 0);
	ck_assert_int_eq(run.failed, 0);
	ck_assert_int_eq(once_recorded, 0);
	ck_assert_int_eq(once_forgets, 1);
	ck_assert_int_eq(tide_sinkrun_barrier(&run, B1, strlen(B1), &err), 0);
	ck_assert_int_eq(fk.syncs, 1);
	ck_assert_int_eq(once_records, 0);
}
END_TEST

START_TEST(test_sinkrun_stats_line)
{
	struct tide_buf b = TIDE_BUF_INIT;

	run.in = 4;
	fk.be.out = 3;
	tide_sinkrun_stats(&run, 1, run.t0_us, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "in 4, bad 1, out 3, 0 records/s");
	tide_buf_reset(&b);
	tide_sinkrun_stats(&run, 1, run.t0_us + 2000000, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "in 4, bad 1, out 3, 2 records/s");
	tide_buf_release(&b);
}
END_TEST

Suite *
suite_sinkrun(void)
{
	Suite *s = suite_create("sinkrun");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sinkrun_barrier_syncs_and_is_not_a_record);
	tcase_add_test(tc, test_sinkrun_async_barrier_waits_for_its_mark_not_a_sync);
	tcase_add_test(tc, test_sinkrun_txn_barrier_commits_the_transaction);
	tcase_add_test(tc, test_sinkrun_async_barriers_past_the_cap_sync);
	tcase_add_test(tc, test_sinkrun_broken_barrier_is_bad_input_counted_in);
	tcase_add_test(tc, test_sinkrun_barrier_returns_a_failed_sync);
	tcase_add_test(tc, test_sinkrun_idle_and_quiet_call_the_back_end);
	tcase_add_test(tc, test_sinkrun_stop_status_of_each_code);
	tcase_add_test(tc, test_sinkrun_end_status_of_each_flag);
	tcase_add_test(tc, test_sinkrun_finish_plain_end);
	tcase_add_test(tc, test_sinkrun_finish_tells_a_failed_run_and_a_dead_letter);
	tcase_add_test(tc, test_sinkrun_finish_without_the_final_barrier_is_75);
	tcase_add_test(tc, test_sinkrun_finish_without_eof_or_with_the_final_barrier);
	tcase_add_test(tc, test_sinkrun_drain_on_a_pipe_reads_on);
	tcase_add_test(tc, test_sinkrun_timeout_without_a_signal_is_the_back_ends);
	tcase_add_test(tc, test_sinkrun_drain_on_a_terminal_ends_the_input);
	tcase_add_test(tc, test_sinkrun_second_signal_cuts_short_and_says_what_is_lost);
	tcase_add_test(tc, test_sinkrun_second_signal_during_a_wait_cuts_short);
	tcase_add_test(tc, test_sinkrun_drain_timeout_is_75);
	tcase_add_test(tc, test_sinkrun_undelivered_never_below_zero);
	tcase_add_test(tc, test_sinkrun_stats_line);
	tcase_add_test(tc, test_sinkrun_once_alone_forgets_and_only_syncs);
	suite_add_tcase(s, tc);
	return s;
}
