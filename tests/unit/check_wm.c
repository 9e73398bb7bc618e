#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "wm.h"
#include "unit.h"

START_TEST(test_wm_less_saturates)
{
	ck_assert(tide_wm_less(100, 30) == 70);
	ck_assert(tide_wm_less(INT64_MIN, 0) == INT64_MIN);
	ck_assert(tide_wm_less(INT64_MIN + 5, 10) == INT64_MIN);
	ck_assert(tide_wm_less(INT64_MAX, 0) == INT64_MAX);
}
END_TEST

START_TEST(test_wm_quiet_only_with_idle)
{
	struct tide_wm_part p = { 100, 1000 };

	ck_assert(!tide_wm_quiet(&p, 0, 1000000));	/* idle 0: never */
	ck_assert(!tide_wm_quiet(&p, 500, 1499));
	ck_assert(tide_wm_quiet(&p, 500, 1500));
}
END_TEST

START_TEST(test_wm_low_skips_quiet_partitions)
{
	struct tide_wm_part p[3] = {
		{ 300, 1000 }, { 100, 0 }, { INT64_MIN, 1000 },
	};

	/* One not seen yet holds everything back. */
	ck_assert(tide_wm_low(p, 3, 0, 1000) == INT64_MIN);
	ck_assert(tide_wm_low(p, 2, 0, 1000) == 100);
	/* p[1] quiet for 1000 ms no longer holds. */
	ck_assert(tide_wm_low(p, 2, 1000, 1000) == 300);
	/* All quiet: nothing holds. */
	ck_assert(tide_wm_low(p, 3, 10, 5000) == INT64_MAX);
	ck_assert(tide_wm_low(p, 0, 0, 0) == INT64_MAX);
}
END_TEST

START_TEST(test_wm_save_load_round_trip)
{
	struct tide_wm m, n;
	struct tide_buf b = TIDE_BUF_INIT;
	const char *p, *end;

	tide_wm_init(&m, 5, 0);
	tide_wm_see(&m, "p0", 2, 100, 0);
	tide_wm_see(&m, "p1", 2, 300, 0);
	ck_assert(tide_wm_see(&m, "p0", 2, 200, 0) == 195);
	tide_wm_save(&m, &b);
	tide_wm_init(&n, 5, 0);
	p = b.data;
	end = b.data + b.len;
	ck_assert_int_eq(tide_wm_load(&n, &p, end, 7), 0);
	ck_assert_ptr_eq(p, end);
	ck_assert(n.wm == 195 && n.max == 300 && n.nparts == 2);
	/* The restored partitions hold as before: p0 at 200. */
	ck_assert(tide_wm_see(&n, "p1", 2, 400, 8) == 195);
	ck_assert(tide_wm_see(&n, "p0", 2, 350, 9) == 345);
	tide_wm_release(&n);
	/* Cut short, or the same partition twice: not a watermark. */
	tide_wm_init(&n, 5, 0);
	p = b.data;
	ck_assert_int_eq(tide_wm_load(&n, &p, end - 1, 7), TIDE_EFORMAT);
	tide_wm_release(&n);
	tide_wm_init(&n, 5, 0);
	p = b.data;
	ck_assert_int_eq(tide_wm_load(&n, &p, end, 7), 0);
	p = b.data;
	ck_assert_int_eq(tide_wm_load(&n, &p, end, 7), TIDE_EFORMAT);
	tide_wm_release(&n);
	tide_wm_release(&m);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_wm_tick_moves_with_the_wall_clock_when_idle)
{
	struct tide_wm m;

	tide_wm_init(&m, 10, 1000);
	ck_assert(tide_wm_tick(&m, 5000) == INT64_MIN);	/* nothing seen */
	ck_assert(tide_wm_see(&m, NULL, 0, 100, 0) == 90);
	ck_assert(tide_wm_tick(&m, 999) == 90);
	ck_assert(tide_wm_tick(&m, 1000) == 1090);
	ck_assert(tide_wm_see(&m, NULL, 0, 50, 1001) == 1090);	/* never back */
	tide_wm_release(&m);
}
END_TEST

Suite *suite_wm(void);

Suite *
suite_wm(void)
{
	Suite *s = suite_create("wm");
	TCase *tc = tcase_create("wm");

	tcase_add_test(tc, test_wm_less_saturates);
	tcase_add_test(tc, test_wm_quiet_only_with_idle);
	tcase_add_test(tc, test_wm_low_skips_quiet_partitions);
	tcase_add_test(tc, test_wm_save_load_round_trip);
	tcase_add_test(tc, test_wm_tick_moves_with_the_wall_clock_when_idle);
	suite_add_tcase(s, tc);
	return s;
}
