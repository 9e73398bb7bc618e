#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"
#include "unit.h"

START_TEST(test_sig_none_means_run)
{
	tide_sig_reset();
	tide_sig_init(0);
	ck_assert_uint_eq(tide_sig_stops(), 0);
	ck_assert_int_eq(tide_sig_drain(1000, 500), TIDE_SIG_RUN);
	ck_assert_int_eq(tide_sig_drain_left(1000, 500), -1);
	ck_assert_int_eq(tide_sig_exit_status(), 0);
	ck_assert_int_eq(tide_sig_take_stats(), 0);
}
END_TEST

START_TEST(test_sig_first_stop_drains_until_timeout)
{
	tide_sig_reset();
	tide_sig_init(0);
	raise(SIGTERM);
	ck_assert_uint_eq(tide_sig_stops(), 1);
	ck_assert_int_eq(tide_sig_first(), SIGTERM);
	/* The clock starts at the first call that sees the signal. */
	ck_assert_int_eq(tide_sig_drain(1000, 500), TIDE_SIG_DRAINING);
	ck_assert_int_eq(tide_sig_drain_left(1200, 500), 300);
	ck_assert_int_eq(tide_sig_drain(1499, 500), TIDE_SIG_DRAINING);
	ck_assert_int_eq(tide_sig_drain(1500, 500), TIDE_SIG_TIMEOUT);
	ck_assert_int_eq(tide_sig_drain_left(1700, 500), 0);
	/* 0: no limit. */
	ck_assert_int_eq(tide_sig_drain(999999, 0), TIDE_SIG_DRAINING);
	ck_assert_int_eq(tide_sig_drain_left(999999, 0), -1);
}
END_TEST

START_TEST(test_sig_second_stop_aborts_with_its_status)
{
	tide_sig_reset();
	tide_sig_init(0);
	raise(SIGINT);
	ck_assert_int_eq(tide_sig_drain(0, 0), TIDE_SIG_DRAINING);
	raise(SIGTERM);
	ck_assert_int_eq(tide_sig_drain(1, 0), TIDE_SIG_ABORT);
	ck_assert_int_eq(tide_sig_first(), SIGINT);
	ck_assert_int_eq(tide_sig_last(), SIGTERM);
	ck_assert_int_eq(tide_sig_exit_status(), 128 + SIGTERM);
}
END_TEST

START_TEST(test_sig_same_signal_at_once_is_one_stop)
{
	struct timespec ts = { 0, (TIDE_SIG_SAME_MS + 20) * 1000000L };

	tide_sig_reset();
	tide_sig_init(0);
	/* timeout(1): the child, then its process group, at once. */
	raise(SIGTERM);
	raise(SIGTERM);
	ck_assert_uint_eq(tide_sig_stops(), 1);
	ck_assert_int_eq(tide_sig_drain(0, 0), TIDE_SIG_DRAINING);
	/* Later, the same signal is a second one. */
	nanosleep(&ts, NULL);
	raise(SIGTERM);
	ck_assert_uint_eq(tide_sig_stops(), 2);
	ck_assert_int_eq(tide_sig_drain(1, 0), TIDE_SIG_ABORT);
}
END_TEST

START_TEST(test_sig_hup_stops_unless_it_reloads)
{
	tide_sig_reset();
	tide_sig_init(0);
	raise(SIGHUP);
	ck_assert_uint_eq(tide_sig_stops(), 1);
	ck_assert_int_eq(tide_sig_take_reload(), 0);

	tide_sig_reset();
	tide_sig_init(TIDE_SIG_HUP_RELOADS);
	raise(SIGHUP);
	ck_assert_uint_eq(tide_sig_stops(), 0);
	ck_assert_int_eq(tide_sig_take_reload(), 1);
	ck_assert_int_eq(tide_sig_take_reload(), 0);	/* consumed */
}
END_TEST

START_TEST(test_sig_usr1_asks_for_stats_once)
{
	tide_sig_reset();
	tide_sig_init(0);
	raise(SIGUSR1);
	ck_assert_uint_eq(tide_sig_stops(), 0);
	ck_assert_int_eq(tide_sig_take_stats(), 1);
	ck_assert_int_eq(tide_sig_take_stats(), 0);
}
END_TEST

START_TEST(test_sig_pending_moves_once_per_signal)
{
	sig_atomic_t seen = 0;

	tide_sig_reset();
	tide_sig_init(0);
	ck_assert_int_eq(tide_sig_pending(&seen), 0);
	raise(SIGUSR1);
	ck_assert_int_eq(tide_sig_pending(&seen), 1);
	ck_assert_int_eq(tide_sig_pending(&seen), 0);
	raise(SIGTERM);
	raise(SIGHUP);
	ck_assert_int_eq(tide_sig_pending(&seen), 1);
	ck_assert_int_eq(tide_sig_pending(&seen), 0);
	ck_assert_uint_eq(tide_sig_stops(), 2);
}
END_TEST

START_TEST(test_sig_pipe_is_ignored)
{
	int p[2];

	tide_sig_reset();
	tide_sig_init(0);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	/* Without SIG_IGN this would kill the test process. */
	ck_assert_int_eq(write(p[1], "x", 1), -1);
	close(p[1]);
	ck_assert_uint_eq(tide_sig_stops(), 0);
}
END_TEST

Suite *
suite_sig(void)
{
	Suite *s = suite_create("sig");
	TCase *tc = tcase_create("sig");

	tcase_add_test(tc, test_sig_none_means_run);
	tcase_add_test(tc, test_sig_first_stop_drains_until_timeout);
	tcase_add_test(tc, test_sig_second_stop_aborts_with_its_status);
	tcase_add_test(tc, test_sig_same_signal_at_once_is_one_stop);
	tcase_add_test(tc, test_sig_hup_stops_unless_it_reloads);
	tcase_add_test(tc, test_sig_usr1_asks_for_stats_once);
	tcase_add_test(tc, test_sig_pending_moves_once_per_signal);
	tcase_add_test(tc, test_sig_pipe_is_ignored);
	suite_add_tcase(s, tc);
	return s;
}
