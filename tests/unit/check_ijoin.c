#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ijoin.h"
#include "unit.h"

/* What the callbacks saw, as text: "m L R" per pair, "x LINE matched"
 * per expired record. */
struct seen {
	char log[1024];
};

static int
on_match(void *ctx, const struct tide_ijoin_rec *l,
    const struct tide_ijoin_rec *r)
{
	struct seen *s = ctx;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "m %.*s %.*s;", (int)l->len,
	    tide_ijoin_rec_line(l), (int)r->len, tide_ijoin_rec_line(r));
	return 0;
}

static int
on_expire(void *ctx, const struct tide_ijoin_rec *r)
{
	struct seen *s = ctx;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "x %.*s %d;", (int)r->len,
	    tide_ijoin_rec_line(r), r->matched);
	return 0;
}

static void
add(struct tide_ijoin *j, struct seen *s, int side, const char *key,
    int64_t ts, const char *line)
{
	ck_assert_int_eq(tide_ijoin_add(j, side, key, strlen(key), ts, line,
	    strlen(line), on_match, s), 0);
}

START_TEST(test_ijoin_pairs_within_the_interval_either_way)
{
	struct tide_ijoin j;
	struct seen s = { "" };

	tide_ijoin_init(&j, 10);
	add(&j, &s, TIDE_IJOIN_LEFT, "k", 100, "L1");
	add(&j, &s, TIDE_IJOIN_RIGHT, "k", 110, "R1");	/* +10: joins */
	add(&j, &s, TIDE_IJOIN_RIGHT, "k", 89, "R2");	/* -11: does not */
	add(&j, &s, TIDE_IJOIN_RIGHT, "other", 100, "R3");	/* other key */
	add(&j, &s, TIDE_IJOIN_LEFT, "k", 95, "L2");	/* R1 is 15 away, R2 6 */
	ck_assert_str_eq(s.log, "m L1 R1;m L2 R2;");
	ck_assert_uint_eq(j.nrec, 5);
	ck_assert_uint_eq(j.nside[TIDE_IJOIN_LEFT], 2);
	ck_assert_uint_eq(j.nside[TIDE_IJOIN_RIGHT], 3);
	tide_ijoin_release(&j);
}
END_TEST

START_TEST(test_ijoin_expires_in_time_order_once_the_interval_closed)
{
	struct tide_ijoin j;
	struct seen s = { "" };

	tide_ijoin_init(&j, 10);
	add(&j, &s, TIDE_IJOIN_LEFT, "a", 200, "L200");
	add(&j, &s, TIDE_IJOIN_LEFT, "b", 100, "L100");
	add(&j, &s, TIDE_IJOIN_RIGHT, "b", 105, "R105");
	s.log[0] = '\0';
	/* ts + within < wm: 100 + 10 < 110 is false. */
	ck_assert_int_eq(tide_ijoin_advance(&j, 110, on_expire, &s), 0);
	ck_assert_str_eq(s.log, "");
	ck_assert_int_eq(tide_ijoin_advance(&j, 116, on_expire, &s), 0);
	ck_assert_str_eq(s.log, "x L100 1;x R105 1;");
	ck_assert_uint_eq(j.nside[TIDE_IJOIN_LEFT], 1);
	ck_assert_uint_eq(j.nside[TIDE_IJOIN_RIGHT], 0);
	/* An expired record joins nothing any more. */
	s.log[0] = '\0';
	add(&j, &s, TIDE_IJOIN_RIGHT, "b", 100, "R100");
	ck_assert_str_eq(s.log, "");
	ck_assert_int_eq(tide_ijoin_advance(&j, INT64_MAX, on_expire, &s), 0);
	ck_assert_str_eq(s.log, "x R100 0;x L200 0;");
	ck_assert_uint_eq(j.nrec, 0);
	ck_assert_uint_eq(j.nside[TIDE_IJOIN_LEFT], 0);
	ck_assert_uint_eq(j.peak, 3);
	tide_ijoin_release(&j);
}
END_TEST

START_TEST(test_ijoin_watermark_near_int64_min_does_not_overflow)
{
	struct tide_ijoin j;
	struct seen s = { "" };

	tide_ijoin_init(&j, 1000);
	add(&j, &s, TIDE_IJOIN_LEFT, "k", INT64_MIN, "Lmin");
	ck_assert_int_eq(tide_ijoin_advance(&j, INT64_MIN + 5, on_expire, &s), 0);
	ck_assert_str_eq(s.log, "");
	ck_assert_int_eq(tide_ijoin_advance(&j, INT64_MIN + 1001, on_expire,
	    &s), 0);
	ck_assert_str_eq(s.log, "x Lmin 0;");
	tide_ijoin_release(&j);
}
END_TEST

Suite *
suite_ijoin(void)
{
	Suite *s = suite_create("ijoin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ijoin_pairs_within_the_interval_either_way);
	tcase_add_test(tc, test_ijoin_expires_in_time_order_once_the_interval_closed);
	tcase_add_test(tc, test_ijoin_watermark_near_int64_min_does_not_overflow);
	suite_add_tcase(s, tc);
	return s;
}
