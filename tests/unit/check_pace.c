#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "err.h"
#include "pace.h"
#include "time.h"
#include "unit.h"

START_TEST(test_pace_due_times_follow_timestamps_over_speed)
{
	struct tide_pace p;

	tide_pace_init(&p, 2, 0, -1);
	ck_assert(tide_pace_paced(&p));
	/* The first record starts the schedule whenever it comes. */
	ck_assert_int_eq(tide_pace_next(&p, 1000, 5000000), 5000000);
	ck_assert_int_eq(tide_pace_next(&p, 1500, 5000001), 5250000);
	ck_assert_int_eq(tide_pace_next(&p, 3000, 9999999), 6000000);
	ck_assert_int_eq(tide_pace_offset(&p, 6000000), 1000000);
}
END_TEST

START_TEST(test_pace_errors_do_not_accumulate)
{
	struct tide_pace p;
	int64_t due = 0;
	int i;

	/* 1ms apart at speed 3: each due time is 333.33us after the last,
	 * rounded from the start, never from the previous due time. */
	tide_pace_init(&p, 3, 0, -1);
	for (i = 0; i <= 30000; i++)
		due = tide_pace_next(&p, 1000 + i, 0);
	ck_assert_int_eq(due, 10000000);
	/* Sending late does not move the schedule. */
	tide_pace_init(&p, 1, 0, -1);
	tide_pace_next(&p, 0, 0);
	tide_pace_sent(&p, 0, 700000);
	ck_assert_int_eq(tide_pace_next(&p, 1000, 700000), 1000000);
}
END_TEST

START_TEST(test_pace_max_gap_caps_silences)
{
	struct tide_pace p;

	tide_pace_init(&p, 1, 0, 500);
	tide_pace_next(&p, 0, 0);
	ck_assert_int_eq(tide_pace_next(&p, 200, 0), 200000);
	ck_assert_int_eq(tide_pace_next(&p, 60200, 0), 700000);	/* capped */
	ck_assert_int_eq(tide_pace_next(&p, 60300, 0), 800000);
	/* max_gap 0: every record due at once. */
	tide_pace_init(&p, 1, 0, 0);
	tide_pace_next(&p, 0, 42);
	ck_assert_int_eq(tide_pace_next(&p, 99999, 42), 42);
}
END_TEST

START_TEST(test_pace_step_back_is_no_gap)
{
	struct tide_pace p;

	tide_pace_init(&p, 1, 0, -1);
	tide_pace_next(&p, 1000, 0);
	ck_assert_int_eq(tide_pace_next(&p, 2000, 0), 1000000);
	ck_assert_int_eq(tide_pace_next(&p, 1500, 0), 1000000);
	/* Timed from the latest time seen, not from the step back. */
	ck_assert_int_eq(tide_pace_next(&p, 2100, 0), 1100000);
}
END_TEST

START_TEST(test_pace_rate_ignores_timestamps)
{
	struct tide_pace p;

	tide_pace_init(&p, 1, 4, -1);
	ck_assert_int_eq(tide_pace_next(&p, 0, 100), 100);
	ck_assert_int_eq(tide_pace_next(&p, 999999, 100), 250100);
	ck_assert_int_eq(tide_pace_next(&p, 5, 100), 500100);
}
END_TEST

START_TEST(test_pace_max_is_due_now)
{
	struct tide_pace p;

	tide_pace_init(&p, 0, 0, -1);
	ck_assert(!tide_pace_paced(&p));
	ck_assert_int_eq(tide_pace_next(&p, 0, 10), 10);
	ck_assert_int_eq(tide_pace_next(&p, 100000, 20), 20);
}
END_TEST

START_TEST(test_pace_lateness_quantiles)
{
	struct tide_pace p;
	int64_t q;
	int i;

	tide_pace_init(&p, 1, 0, -1);
	ck_assert_int_eq(tide_pace_quantile(&p, 0.5), 0);
	/* 98 records 10us late, one 1000us, one 50000us. */
	for (i = 0; i < 98; i++)
		tide_pace_sent(&p, 100, 110);
	tide_pace_sent(&p, 100, 1100);
	tide_pace_sent(&p, 100, 50100);
	ck_assert_int_eq(tide_pace_quantile(&p, 0.5), 10);
	q = tide_pace_quantile(&p, 0.99);
	ck_assert(q >= 970 && q <= 1030);
	ck_assert_int_eq(tide_pace_quantile(&p, 1), 50000);
	ck_assert_int_eq(p.max_late_us, 50000);
	ck_assert_int_eq(p.last_late_us, 50000);
	/* Early is counted as on time. */
	tide_pace_sent(&p, 100, 90);
	ck_assert_int_eq(p.last_late_us, 0);
}
END_TEST

START_TEST(test_pace_quantile_relative_error_is_small)
{
	struct tide_pace p;
	int64_t v, q;

	for (v = 33; v < (int64_t)1 << 40; v = v * 7 / 3) {
		tide_pace_init(&p, 1, 0, -1);
		tide_pace_sent(&p, 0, v);
		tide_pace_sent(&p, 0, v + 100000000000LL);
		q = tide_pace_quantile(&p, 0.5);
		ck_assert_msg((double)llabs(v - q) <= (double)v / 32,
		    "value %lld gave %lld", (long long)v, (long long)q);
	}
}
END_TEST

START_TEST(test_pace_wait_sleeps_until_due)
{
	struct tide_pace p;
	int64_t t0 = tide_mono_us(), t1;

	tide_pace_init(&p, 1, 0, -1);
	ck_assert_int_eq(tide_pace_wait(&p, t0 + 20000), 0);
	t1 = tide_mono_us();
	ck_assert(t1 - t0 >= 20000);
	ck_assert(t1 - t0 < 500000);
	/* The sleep's wake-up delay was measured. */
	ck_assert_int_eq(p.nwake, 1);
	/* A time past is no wait, and no sample. */
	ck_assert_int_eq(tide_pace_wait(&p, t0), 0);
	ck_assert_int_eq(p.nwake, 1);
}
END_TEST

/* Waits short (spun whole) and long (slept, then spun) never end before
 * the due time, whatever part of the wait the clock was spun for. */
START_TEST(test_pace_wait_never_early)
{
	static const int64_t waits[] = {
		1, 19, 20, 21, 50, 79, 80, 81, 99, 100, 101, 399, 400, 401,
		2000, 4001,
	};
	struct tide_pace p;
	int64_t due, t1;
	size_t i;
	int k;

	tide_pace_init(&p, 1, 0, -1);
	/* Twice: with the initial margin, then with measured ones. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
			due = tide_mono_us() + waits[i];
			ck_assert_int_eq(tide_pace_wait(&p, due), 0);
			t1 = tide_mono_us();
			ck_assert_msg(t1 >= due, "wait of %lld us ended %lld us "
			    "early", (long long)waits[i], (long long)(due - t1));
			ck_assert(t1 - due < 500000);
		}
	/* Not before the epoch of the clock either. */
	ck_assert_int_eq(tide_pace_wait(&p, 0), 0);
	ck_assert_int_eq(tide_pace_wait(&p, -5), 0);
}
END_TEST

START_TEST(test_pace_margin_follows_wake_delay_capped_at_quarter_wait)
{
	struct tide_pace p;

	tide_pace_init(&p, 1, 0, -1);
	/* Before any sleep: the initial margin, within a quarter of the
	 * wait, never under the minimum. */
	ck_assert_int_eq(tide_pace_margin(&p, 1000000),
	    TIDE_PACE_MARGIN_INIT_US);
	ck_assert_int_eq(tide_pace_margin(&p, 200), 50);
	ck_assert_int_eq(tide_pace_margin(&p, 30), TIDE_PACE_MARGIN_MIN_US);
	/* The state a steady 60us wake-up delay leaves: the margin is 60us
	 * on long waits. */
	p.nwake = 10;
	p.wake_med = 60;
	p.wake_dev = 0;
	ck_assert_int_eq(tide_pace_margin(&p, 1000000), 60);
	ck_assert_int_eq(tide_pace_margin(&p, 100), 25);
	/* Jitter widens it: median plus four mean deviations. */
	p.wake_dev = 10;
	ck_assert_int_eq(tide_pace_margin(&p, 1000000), 100);
	/* A stalled machine: capped. */
	p.wake_med = 50000;
	ck_assert_int_eq(tide_pace_margin(&p, 1000000),
	    TIDE_PACE_MARGIN_MAX_US);
}
END_TEST

/* Real sleeps: the estimate is fed by them and stays within its bounds
 * (the delay itself depends on the machine). */
START_TEST(test_pace_margin_measured_from_sleeps)
{
	struct tide_pace p;
	int i;

	tide_pace_init(&p, 1, 0, -1);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(tide_pace_wait(&p, tide_mono_us() + 2000), 0);
	ck_assert_int_eq(p.nwake, 20);
	ck_assert(p.wake_med >= 0 && p.wake_med <= TIDE_PACE_MARGIN_MAX_US);
	ck_assert(tide_pace_margin(&p, 1000000) >= TIDE_PACE_MARGIN_MIN_US);
	ck_assert(tide_pace_margin(&p, 1000000) <= TIDE_PACE_MARGIN_MAX_US);
	ck_assert(tide_pace_margin(&p, 400) <= 100);
}
END_TEST

Suite *
suite_pace(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("pace");

	tcase_add_test(tc, test_pace_due_times_follow_timestamps_over_speed);
	tcase_add_test(tc, test_pace_errors_do_not_accumulate);
	tcase_add_test(tc, test_pace_max_gap_caps_silences);
	tcase_add_test(tc, test_pace_step_back_is_no_gap);
	tcase_add_test(tc, test_pace_rate_ignores_timestamps);
	tcase_add_test(tc, test_pace_max_is_due_now);
	tcase_add_test(tc, test_pace_lateness_quantiles);
	tcase_add_test(tc, test_pace_quantile_relative_error_is_small);
	tcase_add_test(tc, test_pace_wait_sleeps_until_due);
	tcase_add_test(tc, test_pace_wait_never_early);
	tcase_add_test(tc,
	    test_pace_margin_follows_wake_delay_capped_at_quarter_wait);
	tcase_add_test(tc, test_pace_margin_measured_from_sleeps);
	suite_add_tcase(s, tc);
	return s;
}
