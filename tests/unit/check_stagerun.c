#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bad.h"
#include "err.h"
#include "exitcode.h"
#include "prog.h"
#include "sig.h"
#include "stagerun.h"
#include "unit.h"

static const struct tide_prog test_prog = { "check", "", "" };
static const struct tide_option no_opts[] = { TIDE_OPT_END };

static const char good[] = "{\"@barrier\":{\"seq\":7,\"final\":true,"
    "\"offsets\":[[\"t\",0,5]]}}";

/* A stage writing to a temporary file, its bad input counted. */
static struct tide_stagerun sr;
static struct tide_wout w;
static struct tide_bad bad;
static FILE *out;

static void
setup(void)
{
	struct tide_stage_err serr;

	tide_prog_init_opts(&test_prog, no_opts);
	tide_verbose = -1;
	tide_sig_reset();
	tide_sig_init(0);
	ck_assert_int_eq(tide_bad_init(&bad, 0, NULL), 0);
	out = tmpfile();
	tide_wout_init(&w, fileno(out));
	tide_stagerun_init(&sr, "check", &w, &bad, 30000);
	/* No pipes: no upstream, no listener. */
	ck_assert_int_eq(tide_stagerun_open(&sr, -1, &serr), 0);
	ck_assert_int_eq(sr.final_seq, -1);
	sr.from_tty = 0;
}

static void
teardown(void)
{
	sr.flow.listening = 0;
	tide_wout_release(&w);
	tide_stagerun_close(&sr);
	fclose(out);
	tide_sig_reset();
}

/* What the stage wrote to its file, flushed or not. */
static const char *
output(void)
{
	static char buf[2048];
	ssize_t n;

	rewind(out);
	n = read(fileno(out), buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int
barrier(const char *src, const char *line, int64_t now_ms)
{
	return tide_stagerun_barrier(&sr, src, 3, line, strlen(line), now_ms);
}

/* A barrier in a file covers nothing: dropped, not even read. */
START_TEST(test_stagerun_barrier_in_a_file_is_dropped)
{
	tide_wout_rec(&w, "{\"id\":1}", 8);
	ck_assert_int_eq(barrier("in.ndjson", good, 0), 0);
	ck_assert_int_eq(sr.flow.nseen, 0);
	ck_assert_uint_eq(w.len, 9);
	ck_assert_int_eq(sr.final_seq, -1);
}
END_TEST

/* With no tide reader (output not a pipe) a barrier from stdin is
 * acknowledged once the output is flushed: the record is in the file, the
 * barrier is not, and it is no final barrier written on. */
START_TEST(test_stagerun_barrier_without_a_reader_is_acked_after_a_flush)
{
	tide_wout_rec(&w, "{\"id\":1}", 8);
	ck_assert_int_eq(barrier("-", good, 0), 0);
	ck_assert_int_eq(sr.flow.b.seq, 7);
	ck_assert_int_eq(sr.flow.b.final, 1);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_str_eq(output(), "{\"id\":1}\n");
	ck_assert_int_eq(sr.final_seq, -1);
	ck_assert_uint_eq(sr.badbar, 0);
}
END_TEST

/* A reader said hello once: the barrier is written on, in order, and a
 * final one is remembered for the readers' acknowledgement at the end. */
START_TEST(test_stagerun_barrier_with_a_reader_is_written_on)
{
	sr.flow.had_reader = 1;
	tide_wout_rec(&w, "{\"id\":1}", 8);
	ck_assert_int_eq(barrier("-", good, 0), 0);
	ck_assert_int_eq(sr.final_seq, 7);
	tide_wout_flush(&w);
	ck_assert_str_eq(output(), "{\"id\":1}\n{\"@barrier\":{\"seq\":7,"
	    "\"final\":true,\"offsets\":[[\"t\",0,5]]}}\n");
	ck_assert_int_eq(barrier("-", "{\"@barrier\":{\"seq\":8,"
	    "\"offsets\":[]}}", 0), 0);
	ck_assert_int_eq(sr.final_seq, 7);
	sr.flow.had_reader = 0;
}
END_TEST

/* Listening, no reader yet, within the grace time: dropped. */
START_TEST(test_stagerun_barrier_in_the_grace_time_is_dropped)
{
	sr.flow.listening = 1;
	ck_assert_int_eq(barrier("-", good, sr.flow.start_ms + 1), 0);
	ck_assert_int_eq(sr.flow.b.seq, 7);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_str_eq(output(), "");
	ck_assert_int_eq(sr.final_seq, -1);
}
END_TEST

/* A broken barrier is bad input: reported, counted in badbar, not a
 * record; --strict stops (65). */
START_TEST(test_stagerun_broken_barrier_is_bad_input)
{
	static const char broken[] = "{\"@barrier\":{\"seq\":-1,\"offsets\":[]}}";

	ck_assert_int_eq(barrier("-", broken, 0), 0);
	ck_assert_uint_eq(sr.badbar, 1);
	ck_assert_uint_eq(bad.count, 1);
	ck_assert_str_eq(sr.flow.berr.reason,
	    "seq is not a non-negative integer");
	ck_assert_str_eq(output(), "");
	bad.strict = 1;
	ck_assert_int_eq(barrier("-", broken, 0), TIDE_EX_DATAERR);
	ck_assert_uint_eq(sr.badbar, 2);
}
END_TEST

/* The bad-record hook reports through lib/bad: 0, or 65 under
 * --strict. */
START_TEST(test_stagerun_bad_hook_counts_and_stops_when_strict)
{
	ck_assert_int_eq(tide_stagerun_bad(&sr, "-", 1, "x", 1, "not JSON"),
	    0);
	ck_assert_uint_eq(bad.count, 1);
	bad.strict = 1;
	ck_assert_int_eq(tide_stagerun_bad(&sr, "-", 2, "y", 1, "not JSON"),
	    TIDE_EX_DATAERR);
	ck_assert_uint_eq(sr.badbar, 0);
}
END_TEST

/* The idle hook flushes; a reader that said hello and has gone ends the
 * read as a broken pipe, sticky in the output. */
START_TEST(test_stagerun_idle_flushes_and_breaks_when_the_reader_went)
{
	tide_wout_rec(&w, "{\"id\":1}", 8);
	ck_assert_int_eq(tide_stagerun_idle(&sr), 0);
	ck_assert_str_eq(output(), "{\"id\":1}\n");
	ck_assert_int_eq(w.err, 0);
	sr.flow.listening = 1;
	sr.flow.had_reader = 1;
	ck_assert_int_eq(tide_stagerun_idle(&sr), TIDE_EPIPE);
	ck_assert_int_eq(w.err, TIDE_EPIPE);
	ck_assert_int_eq(tide_stagerun_flush(&sr), TIDE_EPIPE);
	sr.flow.had_reader = 0;
}
END_TEST

/* No stop signal: read on, block unless there is something to look at
 * (a second then), not cut short. */
START_TEST(test_stagerun_without_a_signal_reads_on)
{
	int status = 0;

	ck_assert_int_eq(tide_stagerun_stopped(&sr, "-"), 0);
	ck_assert_int_eq(tide_stagerun_timeout(&sr, 0), -1);
	ck_assert_int_eq(tide_stagerun_timeout(&sr, 1), 1000);
	sr.flow.had_reader = 1;
	ck_assert_int_eq(tide_stagerun_timeout(&sr, 0), 1000);
	sr.flow.had_reader = 0;
	ck_assert_ptr_null(tide_stagerun_cut(&sr, &status));
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(tide_stagerun_flush(&sr), 0);
}
END_TEST

/* One stop signal: a pipe or a file is read on to its end; a terminal's
 * input ends at the signal (stdin only); no path (a table loading)
 * reads on. */
START_TEST(test_stagerun_drain_ends_a_terminals_input_only)
{
	raise(SIGINT);
	ck_assert_int_eq(tide_stagerun_stopped(&sr, "-"), 0);
	ck_assert_int_eq(sr.ended, 0);
	sr.from_tty = 1;
	ck_assert_int_eq(tide_stagerun_stopped(&sr, "in.ndjson"), 0);
	ck_assert_int_eq(tide_stagerun_stopped(&sr, NULL), 0);
	ck_assert_int_eq(tide_stagerun_stopped(&sr, "-"), TIDE_STAGERUN_TTY);
	ck_assert_int_eq(sr.ended, TIDE_STAGERUN_TTY);
	/* A read waits at most for what is left of the drain. */
	ck_assert_int_le(tide_stagerun_timeout(&sr, 1), 1000);
	ck_assert_int_gt(tide_stagerun_timeout(&sr, 0), 1000);
	ck_assert_ptr_null(tide_stagerun_cut(&sr, NULL));
}
END_TEST

/* A second signal cuts the run short: 128 + the signal. */
START_TEST(test_stagerun_second_signal_cuts_short)
{
	int status = 0;

	raise(SIGINT);
	ck_assert_int_eq(tide_stagerun_stopped(&sr, "-"), 0);
	raise(SIGTERM);
	ck_assert_int_eq(tide_stagerun_stopped(&sr, "-"), TIDE_STAGERUN_CUT);
	ck_assert_str_eq(tide_stagerun_cut(&sr, &status), "second signal");
	ck_assert_int_eq(status, 128 + SIGTERM);
}
END_TEST

/* A drain that outlasts --drain-timeout: cut short, 75; the reads wait
 * no longer meanwhile. */
START_TEST(test_stagerun_drain_timeout_cuts_short_with_75)
{
	int status = 0;

	sr.drain_ms = 1;
	raise(SIGTERM);
	ck_assert_int_eq(tide_stagerun_stopped(&sr, "in.ndjson"), 0);
	usleep(20000);
	ck_assert_int_eq(tide_stagerun_timeout(&sr, 1), 0);
	ck_assert_int_eq(tide_stagerun_stopped(&sr, "in.ndjson"),
	    TIDE_STAGERUN_CUT);
	ck_assert_str_eq(tide_stagerun_cut(&sr, &status), "--drain-timeout");
	ck_assert_int_eq(status, TIDE_EX_TEMPFAIL);
}
END_TEST

Suite *
suite_stagerun(void)
{
	Suite *s = suite_create("stagerun");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stagerun_barrier_in_a_file_is_dropped);
	tcase_add_test(tc, test_stagerun_barrier_without_a_reader_is_acked_after_a_flush);
	tcase_add_test(tc, test_stagerun_barrier_with_a_reader_is_written_on);
	tcase_add_test(tc, test_stagerun_barrier_in_the_grace_time_is_dropped);
	tcase_add_test(tc, test_stagerun_broken_barrier_is_bad_input);
	tcase_add_test(tc, test_stagerun_bad_hook_counts_and_stops_when_strict);
	tcase_add_test(tc, test_stagerun_idle_flushes_and_breaks_when_the_reader_went);
	tcase_add_test(tc, test_stagerun_without_a_signal_reads_on);
	tcase_add_test(tc, test_stagerun_drain_ends_a_terminals_input_only);
	tcase_add_test(tc, test_stagerun_second_signal_cuts_short);
	tcase_add_test(tc, test_stagerun_drain_timeout_cuts_short_with_75);
	suite_add_tcase(s, tc);
	return s;
}
