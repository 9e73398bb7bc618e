#include <stdio.h>
#include <string.h>

#include "err.h"
#include "srule.h"
#include "unit.h"

START_TEST(test_uniq_duplicates_within_either_side)
{
	struct tide_uniq u;
	int64_t prev = -1;

	tide_uniq_init(&u, 1000);
	ck_assert_int_eq(tide_uniq_seen(&u, "a", 1, 5000, &prev), 0);
	tide_uniq_note(&u, "a", 1, 5000);
	ck_assert_int_eq(tide_uniq_seen(&u, "a", 1, 6000, &prev), 1);
	ck_assert_int_eq(prev, 5000);
	ck_assert_int_eq(tide_uniq_seen(&u, "a", 1, 4000, &prev), 1);
	ck_assert_int_eq(tide_uniq_seen(&u, "a", 1, 6001, &prev), 0);
	ck_assert_int_eq(tide_uniq_seen(&u, "b", 1, 5000, &prev), 0);
	tide_uniq_release(&u);
}
END_TEST

/* Memory bounded by time: a key accepted within the span of the newest
 * time is kept; none older than twice the span. */
START_TEST(test_uniq_forgets_by_time)
{
	struct tide_uniq u;
	char k[16];
	int64_t prev, t;
	int i;

	tide_uniq_init(&u, 1000);
	for (i = 0; i < 10000; i++) {
		t = (int64_t)i * 10;
		snprintf(k, sizeof(k), "k%d", i);
		tide_uniq_note(&u, k, strlen(k), t);
		/* Every key of the last span is known... */
		snprintf(k, sizeof(k), "k%d", i - 100 < 0 ? 0 : i - 100);
		ck_assert_int_eq(tide_uniq_seen(&u, k, strlen(k), t, &prev), 1);
		/* ...and at most two spans' worth are held (a generation
		 * ends past its span: 101 keys each). */
		ck_assert_uint_le(tide_uniq_keys(&u), 202);
	}
	tide_uniq_release(&u);
}
END_TEST

START_TEST(test_ratelim_periods)
{
	struct tide_ratelim l;
	int64_t n, per, c = -1;

	ck_assert_int_eq(tide_ratelim_parse("2/s", &n, &per), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(per, 1000);
	ck_assert_int_eq(tide_ratelim_parse("100/10s", &n, &per), 0);
	ck_assert_int_eq(per, 10000);
	ck_assert_int_eq(tide_ratelim_parse("5/h", &n, &per), 0);
	ck_assert_int_eq(per, 3600000);
	ck_assert_int_eq(tide_ratelim_parse("0/s", &n, &per), TIDE_EINVAL);
	ck_assert_int_eq(tide_ratelim_parse("2", &n, &per), TIDE_EINVAL);
	ck_assert_int_eq(tide_ratelim_parse("2/", &n, &per), TIDE_EINVAL);
	ck_assert_int_eq(tide_ratelim_parse("x/s", &n, &per), TIDE_EINVAL);
	ck_assert_int_eq(tide_ratelim_parse("2/parsec", &n, &per),
	    TIDE_EINVAL);

	tide_ratelim_init(&l, 2, 1000);
	ck_assert_int_eq(tide_ratelim_over(&l, "a", 1, 1000, &c), 0);
	tide_ratelim_note(&l, "a", 1, 1000);
	tide_ratelim_note(&l, "a", 1, 1999);
	ck_assert_int_eq(tide_ratelim_over(&l, "a", 1, 1500, &c), 1);
	ck_assert_int_eq(c, 2);
	ck_assert_int_eq(tide_ratelim_over(&l, "b", 1, 1500, &c), 0);
	/* The next period starts afresh; the one before is still counted. */
	ck_assert_int_eq(tide_ratelim_over(&l, "a", 1, 2000, &c), 0);
	tide_ratelim_note(&l, "a", 1, 2000);
	ck_assert_int_eq(tide_ratelim_over(&l, "a", 1, 1001, &c), 1);
	/* Older than the last two: not counted against anything. */
	tide_ratelim_note(&l, "a", 1, 5000);
	ck_assert_int_eq(tide_ratelim_over(&l, "a", 1, 1001, &c), 0);
	/* Negative times fall in their own periods. */
	tide_ratelim_release(&l);
	tide_ratelim_init(&l, 1, 1000);
	tide_ratelim_note(&l, "a", 1, -1);
	ck_assert_int_eq(tide_ratelim_over(&l, "a", 1, -1000, &c), 1);
	ck_assert_int_eq(tide_ratelim_over(&l, "a", 1, 0, &c), 0);
	tide_ratelim_release(&l);
}
END_TEST

START_TEST(test_failwin_share_over_the_span)
{
	struct tide_failwin w;
	uint64_t total, failed;
	int i;

	tide_failwin_init(&w, 10000);
	for (i = 0; i < 10; i++)
		tide_failwin_add(&w, (int64_t)i * 1000, i < 5);
	ck_assert_int_eq(tide_failwin_full(&w), 0);
	tide_failwin_sum(&w, &total, &failed);
	ck_assert_uint_eq(total, 10);
	ck_assert_uint_eq(failed, 5);
	/* Ten seconds on: the first second has gone out. */
	tide_failwin_add(&w, 10000, 0);
	ck_assert_int_eq(tide_failwin_full(&w), 1);
	tide_failwin_sum(&w, &total, &failed);
	ck_assert_uint_eq(total, 10);
	ck_assert_uint_eq(failed, 4);
	/* A jump past the whole window empties it. */
	tide_failwin_add(&w, 100000, 1);
	tide_failwin_sum(&w, &total, &failed);
	ck_assert_uint_eq(total, 1);
	ck_assert_uint_eq(failed, 1);
	/* A record older than the window counts in its oldest slot. */
	tide_failwin_add(&w, 0, 0);
	tide_failwin_sum(&w, &total, &failed);
	ck_assert_uint_eq(total, 2);
}
END_TEST

Suite *suite_srule(void);

Suite *
suite_srule(void)
{
	Suite *s = suite_create("srule");
	TCase *tc = tcase_create("srule");

	tcase_add_test(tc, test_uniq_duplicates_within_either_side);
	tcase_add_test(tc, test_uniq_forgets_by_time);
	tcase_add_test(tc, test_ratelim_periods);
	tcase_add_test(tc, test_failwin_share_over_the_span);
	suite_add_tcase(s, tc);
	return s;
}
