/* struct tide_wflow: a window stage's barriers, saved at, held, passed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "barrier.h"
#include "err.h"
#include "rio.h"
#include "wflow.h"
#include "window.h"
#include "winout.h"
#include "wm.h"
#include "wstate.h"
#include "unit.h"

/* Tumbling count windows of 10 ms on key k, written to a file, with their
 * watermark, a state (used with --state only) and the flow, not opened:
 * alone, so a barrier passed on is acknowledged (TIDE_FLOW_ACK). */
struct fx {
	char path[64], dir[64], spath[128];
	int fd;
	struct tide_aggspec spec;
	struct tide_win_conf wc;
	struct tide_wout out;
	struct tide_winout wo;
	struct tide_win win;
	struct tide_wm wm;
	struct tide_wstate ws;
	struct tide_wflow wf;
	struct tide_wflow_err err;
	char text[4096];
};

static char kname[] = "k";
static char *names[] = { kname };

static void
fx_init(struct fx *f, int with_state)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->path, "/tmp/tide-wflow-XXXXXX");
	f->fd = mkstemp(f->path);
	ck_assert_int_ge(f->fd, 0);
	strcpy(f->dir, "/tmp/tide-wflow.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->spath, sizeof(f->spath), "%s/st", f->dir);
	ck_assert_int_eq(tide_aggspec_parse(&f->spec, "count", 0, NULL), 0);
	f->wc.kind = TIDE_WIN_TUMBLE;
	f->wc.size = 10;
	f->wc.spec = &f->spec;
	tide_wout_init(&f->out, f->fd);
	tide_winout_init(&f->wo, &f->out, &f->spec, names, 1, 0, 0);
	tide_win_init(&f->win, &f->wc, tide_winout_emit, &f->wo);
	tide_wm_init(&f->wm, 0, 0);
	tide_wstate_init(&f->ws, f->spath, &f->wc, names, 1, &f->spec);
	tide_wflow_init(&f->wf, &f->out, &f->wo, &f->win, &f->wm,
	    with_state ? &f->ws : NULL);
}

static void
fx_release(struct fx *f)
{
	char cmd[128];

	tide_wflow_close(&f->wf, -1);
	tide_wstate_release(&f->ws);
	tide_win_release(&f->win);
	tide_wm_release(&f->wm);
	ck_assert_int_eq(tide_winout_release(&f->wo), 0);
	tide_wout_release(&f->out);
	tide_aggspec_release(&f->spec);
	close(f->fd);
	unlink(f->path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A record of key "a" at t, added and the watermark advanced. */
static void
add(struct fx *f, int64_t t)
{
	struct tide_aggval v[1];
	const void *ov = NULL;

	memset(v, 0, sizeof(v));
	ck_assert_int_eq(tide_win_add(&f->win, t, "\"a\"", 3, v, &ov), 0);
	ck_assert_int_eq(tide_win_advance(&f->win, tide_wm_see(&f->wm, NULL, 0,
	    t, 0)), 0);
}

/* The barrier seq read and given to the flow. */
static int
barrier(struct fx *f, int64_t seq, int final)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), "{\"@barrier\":{\"seq\":%lld,%s"
	    "\"offsets\":[]}}", (long long)seq, final ? "\"final\":true," : "");
	ck_assert_int_eq(tide_flow_read_barrier(&f->wf.flow, line, (size_t)n),
	    0);
	return tide_wflow_barrier(&f->wf, line, (size_t)n, &f->err);
}

/* What reached the file (not what sits in the writer's buffer). */
static const char *
on_disk(struct fx *f)
{
	ssize_t n = pread(f->fd, f->text, sizeof(f->text) - 1, 0);

	ck_assert_int_ge(n, 0);
	f->text[n] = '\0';
	return f->text;
}

START_TEST(test_wflow_barrier_with_no_open_window_passes_at_once)
{
	struct fx f;

	fx_init(&f, 0);
	ck_assert_int_eq(barrier(&f, 1, 0), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 0);
	/* Acknowledged, not written on: the output holds no barrier. */
	ck_assert_str_eq(on_disk(&f), "");
	ck_assert_int_eq(f.wf.final_fwd, -1);
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_barrier_waits_for_the_windows_open_when_it_came)
{
	struct fx f;

	fx_init(&f, 0);
	add(&f, 5);			/* [0,10) open */
	ck_assert_int_eq(barrier(&f, 1, 0), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 1);
	ck_assert_int_eq(tide_bhold_head(&f.wf.held)->until, 10);
	ck_assert_int_eq(tide_bhold_head(&f.wf.held)->upto, 5);
	add(&f, 15);			/* [10,20) open too */
	ck_assert_int_eq(barrier(&f, 2, 0), 0);
	/* [0,10) has fired at watermark 15: the first barrier went as the
	 * second came, after the window's result; the second waits for
	 * [10,20). */
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 1);
	ck_assert_int_eq(tide_bhold_head(&f.wf.held)->seq, 2);
	ck_assert_int_eq(tide_bhold_head(&f.wf.held)->until, 20);
	ck_assert_str_eq(on_disk(&f), "{\"window_start\":0,\"window_end\":10,"
	    "\"k\":\"a\",\"count\":1}\n");
	ck_assert_int_eq(tide_wflow_pass_held(&f.wf, 0, &f.err), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 1);
	add(&f, 20);
	ck_assert_int_eq(tide_wflow_pass_held(&f.wf, 0, &f.err), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 0);
	ck_assert_str_eq(on_disk(&f), "{\"window_start\":0,\"window_end\":10,"
	    "\"k\":\"a\",\"count\":1}\n{\"window_start\":10,\"window_end\":20,"
	    "\"k\":\"a\",\"count\":1}\n");
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_later_barrier_waits_behind_the_held_ones)
{
	struct fx f;

	fx_init(&f, 0);
	add(&f, 25);
	ck_assert_int_eq(barrier(&f, 1, 0), 0);		/* until 30 */
	/* Held behind the first, in arrival order, until no earlier. */
	ck_assert_int_eq(barrier(&f, 2, 0), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 2);
	ck_assert_int_eq(tide_bhold_tail(&f.wf.held)->until, 30);
	/* The end of input: every window written, every barrier passes. */
	ck_assert_int_eq(tide_win_flush(&f.win), 0);
	ck_assert_int_eq(tide_wflow_pass_held(&f.wf, 1, &f.err), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 0);
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_idle_passes_what_fired_and_flushes)
{
	struct fx f;

	fx_init(&f, 0);
	add(&f, 5);
	ck_assert_int_eq(barrier(&f, 1, 0), 0);
	add(&f, 12);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 1);
	ck_assert_int_eq(tide_wflow_idle(&f.wf, &f.err), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 0);
	ck_assert_str_eq(on_disk(&f), "{\"window_start\":0,\"window_end\":10,"
	    "\"k\":\"a\",\"count\":1}\n");
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_with_a_reader_the_line_goes_on_in_order)
{
	struct fx f;

	fx_init(&f, 0);
	/* As if a tide stage had said hello on our socket. */
	f.wf.flow.listening = 1;
	f.wf.flow.srv.npeer = 1;
	f.wf.flow.srv.peer[0].hello = 1;
	add(&f, 5);
	ck_assert_int_eq(barrier(&f, 1, 0), 0);
	add(&f, 10);
	ck_assert_int_eq(barrier(&f, 2, 1), 0);
	ck_assert_int_eq(tide_wflow_idle(&f.wf, &f.err), 0);
	ck_assert_str_eq(on_disk(&f), "{\"window_start\":0,\"window_end\":10,"
	    "\"k\":\"a\",\"count\":1}\n"
	    "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}\n");
	/* The final one waits for [10,20) like any other. */
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 1);
	ck_assert_int_eq(f.wf.final_fwd, -1);
	ck_assert_int_eq(tide_win_flush(&f.win), 0);
	ck_assert_int_eq(tide_wflow_pass_held(&f.wf, 1, &f.err), 0);
	ck_assert_int_eq(f.wf.final_fwd, 2);
	ck_assert_int_eq(tide_wout_flush(&f.out), 0);
	ck_assert_str_eq(on_disk(&f), "{\"window_start\":0,\"window_end\":10,"
	    "\"k\":\"a\",\"count\":1}\n"
	    "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}\n"
	    "{\"window_start\":10,\"window_end\":20,\"k\":\"a\",\"count\":1}\n"
	    "{\"@barrier\":{\"seq\":2,\"final\":true,\"offsets\":[]}}\n");
	f.wf.flow.srv.npeer = 0;
	f.wf.flow.listening = 0;
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_a_reader_gone_still_gets_barriers)
{
	struct fx f;

	fx_init(&f, 0);
	f.wf.flow.had_reader = 1;
	ck_assert_int_eq(tide_wout_add(&f.out, "x\n", 2), 0);
	ck_assert_int_eq(barrier(&f, 1, 1), 0);
	/* Written on after the record, so a dead reader's broken pipe ends
	 * the stage; never acknowledged upstream. */
	ck_assert_int_eq(tide_wout_flush(&f.out), 0);
	ck_assert_str_eq(on_disk(&f), "x\n"
	    "{\"@barrier\":{\"seq\":1,\"final\":true,\"offsets\":[]}}\n");
	ck_assert_int_eq(f.wf.final_fwd, 1);
	f.wf.flow.had_reader = 0;
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_with_state_saves_at_the_barrier_and_passes_it)
{
	struct fx f;
	struct tide_win w2;
	struct tide_wm m2;
	struct tide_wstate s2;
	struct tide_wstate_err serr;

	fx_init(&f, 1);
	tide_wstate_every(&f.ws, 3600000, 0);
	ck_assert_int_eq(tide_wout_add(&f.out, "x\n", 2), 0);
	add(&f, 5);
	ck_assert_int_eq(barrier(&f, 1, 0), 0);
	ck_assert_uint_eq(tide_bhold_count(&f.wf.held), 0);
	/* The output before it is out, the checkpoint clock restarted. */
	ck_assert_str_eq(on_disk(&f), "x\n");
	ck_assert_int_gt(f.ws.next, 3600000);
	/* The state holds the open window. */
	tide_win_init(&w2, &f.wc, tide_winout_emit, &f.wo);
	tide_wm_init(&m2, 0, 0);
	tide_wstate_init(&s2, f.spath, &f.wc, names, 1, &f.spec);
	ck_assert_int_eq(tide_wstate_load(&s2, &w2, &m2, 0, &serr), 0);
	ck_assert_uint_eq(tide_win_states(&w2), 1);
	ck_assert_int_eq(m2.max, 5);
	tide_wstate_release(&s2);
	tide_win_release(&w2);
	tide_wm_release(&m2);
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_state_failure_says_state)
{
	struct fx f;

	fx_init(&f, 1);
	f.ws.path = "/nonexistent-dir/st";
	ck_assert_int_eq(barrier(&f, 1, 0), TIDE_EIO);
	ck_assert_int_eq(f.err.where, TIDE_WFLOW_STATE);
	ck_assert_str_eq(f.err.state.msg, "cannot write state "
	    "'/nonexistent-dir/st.tmp': No such file or directory");
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_late_file_failure_says_late)
{
	struct fx f;

	fx_init(&f, 0);
	f.wo.late = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(f.wo.late);
	f.wo.latepath = "/dev/full";
	ck_assert_int_eq(tide_winout_late(&f.wo, "{}", 2), 0);
	ck_assert_int_eq(barrier(&f, 1, 0), TIDE_EIO);
	ck_assert_int_eq(f.err.where, TIDE_WFLOW_LATE);
	ck_assert_int_eq(f.err.errnum, ENOSPC);
	clearerr(f.wo.late);
	fclose(f.wo.late);
	f.wo.late = NULL;
	fx_release(&f);
}
END_TEST

START_TEST(test_wflow_output_failure_says_out)
{
	struct fx f;

	fx_init(&f, 0);
	close(f.fd);
	f.out.fd = f.fd = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(f.fd, 0);
	ck_assert_int_eq(tide_wout_add(&f.out, "x\n", 2), 0);
	ck_assert_int_eq(barrier(&f, 1, 0), TIDE_EIO);
	ck_assert_int_eq(f.err.where, TIDE_WFLOW_OUT);
	f.out.len = 0;
	fx_release(&f);
}
END_TEST

Suite *
suite_wflow(void)
{
	Suite *s = suite_create("wflow");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_wflow_barrier_with_no_open_window_passes_at_once);
	tcase_add_test(tc, test_wflow_barrier_waits_for_the_windows_open_when_it_came);
	tcase_add_test(tc, test_wflow_later_barrier_waits_behind_the_held_ones);
	tcase_add_test(tc, test_wflow_idle_passes_what_fired_and_flushes);
	tcase_add_test(tc, test_wflow_with_a_reader_the_line_goes_on_in_order);
	tcase_add_test(tc, test_wflow_a_reader_gone_still_gets_barriers);
	tcase_add_test(tc, test_wflow_with_state_saves_at_the_barrier_and_passes_it);
	tcase_add_test(tc, test_wflow_state_failure_says_state);
	tcase_add_test(tc, test_wflow_late_file_failure_says_late);
	tcase_add_test(tc, test_wflow_output_failure_says_out);
	suite_add_tcase(s, tc);
	return s;
}
