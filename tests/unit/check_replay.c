/*
 * lib/replay: the paced merge loop over sources behind a table of
 * operations -- order, --limit, --duration, loops with their span and
 * --shift-time, a write error, an operation that stops the replay -- at
 * speed max, written to a temporary file read back whole.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "replay.h"
#include "unit.h"

/* A source: a sorted array of keys. */
struct arr {
	const struct tide_merge_key *k;
	size_t n, i;
};

static struct arr srcs[3];
static size_t nsrcs;
static int opens, closes, ticks, stop_after = -1;

static int
op_open(void *ctx, struct tide_merge *m)
{
	size_t i;

	(void)ctx;
	opens++;
	for (i = 0; i < nsrcs; i++) {
		srcs[i].i = 0;
		if (srcs[i].n)
			tide_merge_add(m, &srcs[i].k[0], &srcs[i]);
	}
	return 0;
}

static const struct tide_merge_key *
op_key(const void *src)
{
	const struct arr *a = src;

	return &a->k[a->i];
}

static void
op_emit(void *ctx, void *src, struct tide_buf *b, int64_t shift)
{
	struct arr *a = src;

	(void)ctx;
	tide_buf_addf(b, "%d:%lld", (int)a->k[a->i].partition,
	    (long long)(a->k[a->i].ts + shift));
}

static int
op_advance(void *ctx, void *src, struct tide_merge *m)
{
	struct arr *a = src;

	(void)ctx;
	if (stop_after >= 0 && ticks >= stop_after)
		return -1;
	if (++a->i < a->n)
		tide_merge_advance(m, &a->k[a->i]);
	else
		tide_merge_drop(m);
	return 0;
}

static void
op_close(void *ctx)
{
	(void)ctx;
	closes++;
}

static void
op_tick(void *ctx, const struct tide_replay *rp)
{
	(void)ctx;
	ck_assert_uint_eq(rp->nout, (uint64_t)++ticks);
}

static const struct tide_replay_ops ops = {
	op_open, op_key, op_emit, op_advance, op_close, op_tick,
};

static const struct tide_merge_key p0[] = { { 10, 0, 0 }, { 30, 0, 1 } };
static const struct tide_merge_key p1[] = { { 10, 1, 0 }, { 20, 1, 1 },
	{ 40, 1, 2 } };

static FILE *outf;
static struct tide_wout out;
static struct tide_replay rp;

static void
setup(void)
{
	srcs[0].k = p0;
	srcs[0].n = 2;
	srcs[1].k = p1;
	srcs[1].n = 3;
	nsrcs = 2;
	opens = closes = ticks = 0;
	stop_after = -1;
	outf = tmpfile();
	ck_assert_ptr_nonnull(outf);
	tide_wout_init(&out, fileno(outf));
	tide_replay_init(&rp, &ops, NULL, &out, 0, 0, -1);
}

static void
teardown(void)
{
	tide_replay_release(&rp);
	tide_wout_release(&out);
	fclose(outf);
}

/* What was written, flushed. */
static const char *
written(void)
{
	static char buf[1024];
	size_t n;

	ck_assert_int_eq(tide_replay_flush(&rp), 0);
	rewind(outf);
	n = fread(buf, 1, sizeof(buf) - 1, outf);
	buf[n] = '\0';
	return buf;
}

/* A filter (emit_if) that keeps partition 1's records. */
static int
op_emit_p1(void *ctx, void *src, struct tide_buf *b, int64_t shift)
{
	struct arr *a = src;

	if (a->k[a->i].partition != 1)
		return 0;
	op_emit(ctx, src, b, shift);
	return 1;
}

START_TEST(test_replay_filter_drops_and_counts)
{
	struct tide_buf b = TIDE_BUF_INIT;

	rp.emit_if = op_emit_p1;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "1:10\n1:20\n1:40\n");
	ck_assert_uint_eq(rp.nout, 3);
	ck_assert_uint_eq(rp.filtered, 2);
	ck_assert_int_eq(ticks, 3);	/* written records only */
	tide_replay_stats(&rp, 0, 1.0, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "records_out 3, bytes_out 15, "
	    "bad 0, filtered 2, 1.000s, 3 records/s");
	tide_buf_release(&b);
}
END_TEST

/* Paced at the records' own speed, a dropped record waits for nothing:
 * partition 0's record 1000 s after the others would hold the run past
 * the test's timeout. */
START_TEST(test_replay_filter_drops_before_the_wait)
{
	static const struct tide_merge_key q0[] = { { 10, 0, 0 },
		{ 1000010, 0, 1 } };
	static const struct tide_merge_key q1[] = { { 10, 1, 0 },
		{ 20, 1, 1 } };

	srcs[0].k = q0;
	srcs[1].k = q1;
	srcs[1].n = 2;
	tide_pace_init(&rp.pace, 1, 0, -1);
	rp.emit_if = op_emit_p1;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "1:10\n1:20\n");
	ck_assert_uint_eq(rp.filtered, 2);
}
END_TEST

START_TEST(test_replay_merges_in_time_partition_order)
{
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "0:10\n1:10\n1:20\n0:30\n1:40\n");
	ck_assert_uint_eq(rp.nout, 5);
	ck_assert_int_eq(ticks, 5);
	ck_assert_int_eq(opens, 1);
	ck_assert_int_eq(closes, 1);
	ck_assert_int_eq(rp.stopping, 0);
	ck_assert_int_eq(rp.first_ts, 10);
	ck_assert_int_eq(rp.last_ts, 40);
	ck_assert_int_eq(rp.cur_ts, 40);
	ck_assert(!tide_replay_paced(&rp));
}
END_TEST

/* --print's formats end their own lines: nothing is added. */
START_TEST(test_replay_no_newline_leaves_line_ends_to_emit)
{
	rp.no_newline = 1;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "0:101:101:200:301:40");
	ck_assert_uint_eq(rp.nout, 5);
}
END_TEST

START_TEST(test_replay_limit_stops_and_says_so)
{
	rp.limit = 3;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "0:10\n1:10\n1:20\n");
	ck_assert_int_eq(rp.stopping, 1);
	ck_assert_int_eq(closes, 1);
}
END_TEST

START_TEST(test_replay_limit_zero_writes_nothing)
{
	rp.limit = 0;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "");
	ck_assert_int_eq(rp.stopping, 1);
}
END_TEST

START_TEST(test_replay_loops_shift_by_the_data_span)
{
	rp.loops = 2;
	rp.shift_on = 1;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	/* Span 40 - 10 + 1 = 31. */
	ck_assert_int_eq(rp.span, 31);
	ck_assert_str_eq(written(), "0:10\n1:10\n1:20\n0:30\n1:40\n"
	    "0:41\n1:41\n1:51\n0:61\n1:71\n");
	ck_assert_int_eq(opens, 2);
	ck_assert_int_eq(closes, 2);
}
END_TEST

START_TEST(test_replay_loops_by_the_range_without_shift)
{
	rp.loops = 2;
	rp.have_range = 1;
	rp.range_ms = 100;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_int_eq(rp.span, 100);
	ck_assert_int_eq(rp.shift, 0);
	ck_assert_str_eq(written(), "0:10\n1:10\n1:20\n0:30\n1:40\n"
	    "0:10\n1:10\n1:20\n0:30\n1:40\n");
}
END_TEST

START_TEST(test_replay_no_records_no_second_loop)
{
	nsrcs = 0;
	rp.loops = 0;	/* until stopped: ends at once when empty */
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "");
	ck_assert_int_eq(opens, 1);
}
END_TEST

START_TEST(test_replay_duration_zero_stops_before_the_first)
{
	rp.duration_ms = 0;
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_str_eq(written(), "");
	ck_assert_int_eq(rp.stopping, 1);
	ck_assert_int_eq(closes, 1);
}
END_TEST

START_TEST(test_replay_operation_stop_is_one)
{
	stop_after = 2;
	rp.loops = 3;
	ck_assert_int_eq(tide_replay_run(&rp), 1);
	ck_assert_str_eq(written(), "0:10\n1:10\n");
	ck_assert_int_eq(opens, 1);
	ck_assert_int_eq(closes, 1);
	ck_assert_int_eq(rp.stopping, 0);
}
END_TEST

START_TEST(test_replay_write_to_closed_pipe_is_epipe)
{
	struct tide_wout w;
	int fd[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(fd), 0);
	close(fd[0]);
	tide_wout_init(&w, fd[1]);
	rp.out = &w;
	rp.loops = 0;
	/* Paced, the records are flushed at TIDE_REPLAY_PENDING at the
	 * latest: the loop ends there with the error, the sources closed. */
	tide_pace_init(&rp.pace, 0, 1e9, -1);
	ck_assert_int_eq(tide_replay_run(&rp), TIDE_EPIPE);
	ck_assert_int_eq(closes, opens);
	ck_assert_uint_le(rp.nout, TIDE_REPLAY_PENDING);
	rp.out = &out;
	tide_wout_release(&w);
	close(fd[1]);
}
END_TEST

START_TEST(test_replay_paced_lateness_counted_at_flush)
{
	tide_pace_init(&rp.pace, 0, 1e6, -1);
	ck_assert(tide_replay_paced(&rp));
	ck_assert_int_eq(tide_replay_run(&rp), 0);
	ck_assert_uint_eq(rp.npend, 5);
	ck_assert_uint_eq(rp.pace.nsent, 0);
	ck_assert_str_eq(written(), "0:10\n1:10\n1:20\n0:30\n1:40\n");
	ck_assert_uint_eq(rp.npend, 0);
	ck_assert_uint_eq(rp.pace.nsent, 5);
}
END_TEST

/* The --stats words: unpaced, records, bytes (flushed and buffered), bad,
 * seconds and rate; paced, the lateness and lag after them. */
START_TEST(test_replay_stats_words)
{
	struct tide_buf b = TIDE_BUF_INIT;
	const char *p;

	ck_assert_int_eq(tide_replay_run(&rp), 0);
	tide_replay_stats(&rp, 2, 2.0, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "records_out 5, bytes_out 25, "
	    "bad 2, 2.000s, 2 records/s");
	tide_buf_reset(&b);
	tide_replay_stats(&rp, 0, 0.0, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "records_out 5, bytes_out 25, "
	    "bad 0, 0.000s, 0 records/s");
	tide_buf_reset(&b);
	tide_pace_init(&rp.pace, 0, 1e6, -1);
	tide_replay_stats(&rp, 0, 1.0, &b);
	p = tide_buf_cstr(&b);
	ck_assert_ptr_nonnull(strstr(p, "records/s, lateness p50 "));
	ck_assert_ptr_nonnull(strstr(p, "ms, lag "));
	tide_buf_release(&b);
}
END_TEST

Suite *
suite_replay(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replay_merges_in_time_partition_order);
	tcase_add_test(tc, test_replay_no_newline_leaves_line_ends_to_emit);
	tcase_add_test(tc, test_replay_limit_stops_and_says_so);
	tcase_add_test(tc, test_replay_limit_zero_writes_nothing);
	tcase_add_test(tc, test_replay_loops_shift_by_the_data_span);
	tcase_add_test(tc, test_replay_loops_by_the_range_without_shift);
	tcase_add_test(tc, test_replay_no_records_no_second_loop);
	tcase_add_test(tc, test_replay_duration_zero_stops_before_the_first);
	tcase_add_test(tc, test_replay_operation_stop_is_one);
	tcase_add_test(tc, test_replay_write_to_closed_pipe_is_epipe);
	tcase_add_test(tc, test_replay_paced_lateness_counted_at_flush);
	tcase_add_test(tc, test_replay_stats_words);
	tcase_add_test(tc, test_replay_filter_drops_and_counts);
	tcase_add_test(tc, test_replay_filter_drops_before_the_wait);
	suite_add_tcase(s, tc);
	return s;
}
