#include <stdint.h>
#include <stdlib.h>

#include "rng.h"
#include "unit.h"

/* splitmix64's published first outputs for seed 0 (Vigna's splitmix64.c),
 * which also make up the xoshiro state for seed 0. */
START_TEST(test_splitmix64_matches_reference)
{
	uint64_t s = 0;

	ck_assert_uint_eq(tide_splitmix64(&s), 0xe220a8397b1dcdafULL);
	ck_assert_uint_eq(tide_splitmix64(&s), 0x6e789e6aa1b965f4ULL);
	ck_assert_uint_eq(tide_splitmix64(&s), 0x06c45d188009454fULL);
	ck_assert_uint_eq(tide_hash64(0), 0xe220a8397b1dcdafULL);
}
END_TEST

/* Expected values from an independent (Python) xoshiro256** over the same
 * splitmix64 seeding: the generator's output is part of tide-gen's
 * byte-for-byte contract, so it must never change. */
START_TEST(test_rng_sequence_is_fixed)
{
	struct tide_rng r;

	tide_rng_seed(&r, 0);
	ck_assert_uint_eq(r.s[0], 0xe220a8397b1dcdafULL);
	ck_assert_uint_eq(r.s[3], 0xf88bb8a8724c81ecULL);
	ck_assert_uint_eq(tide_rng_next(&r), 0x99ec5f36cb75f2b4ULL);
	ck_assert_uint_eq(tide_rng_next(&r), 0xbf6e1f784956452aULL);
	ck_assert_uint_eq(tide_rng_next(&r), 0x1a5f849d4933e6e0ULL);
	tide_rng_seed(&r, 42);
	ck_assert_uint_eq(tide_rng_next(&r), 0x15780b2e0c2ec716ULL);
	ck_assert_uint_eq(tide_rng_next(&r), 0x6104d9866d113a7eULL);
	ck_assert_uint_eq(tide_rng_next(&r), 0xae17533239e499a1ULL);
}
END_TEST

START_TEST(test_rng_same_seed_same_sequence_other_seed_differs)
{
	struct tide_rng a, b, c;
	int i, same = 0;

	tide_rng_seed(&a, 7);
	tide_rng_seed(&b, 7);
	tide_rng_seed(&c, 8);
	for (i = 0; i < 1000; i++) {
		uint64_t x = tide_rng_next(&a);

		ck_assert_uint_eq(x, tide_rng_next(&b));
		same += x == tide_rng_next(&c);
	}
	ck_assert_int_eq(same, 0);
}
END_TEST

START_TEST(test_rng_below_stays_in_range_and_covers_it)
{
	struct tide_rng r;
	int seen[7] = { 0 }, i;

	tide_rng_seed(&r, 1);
	for (i = 0; i < 7000; i++) {
		uint64_t v = tide_rng_below(&r, 7);

		ck_assert_uint_lt(v, 7);
		seen[v]++;
	}
	/* Each bucket expects 1000; 800..1200 is > 6 standard deviations. */
	for (i = 0; i < 7; i++) {
		ck_assert_int_gt(seen[i], 800);
		ck_assert_int_lt(seen[i], 1200);
	}
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(tide_rng_below(&r, 1), 0);
	/* A bound above 2^63 exercises the rejection step. */
	for (i = 0; i < 100; i++)
		ck_assert_uint_lt(tide_rng_below(&r, UINT64_MAX - 5), UINT64_MAX - 5);
}
END_TEST

START_TEST(test_rng_range_is_inclusive)
{
	struct tide_rng r;
	int lo = 0, hi = 0, i;

	tide_rng_seed(&r, 3);
	for (i = 0; i < 1000; i++) {
		int64_t v = tide_rng_range(&r, -2, 2);

		ck_assert_int_ge(v, -2);
		ck_assert_int_le(v, 2);
		lo += v == -2;
		hi += v == 2;
	}
	ck_assert_int_gt(lo, 0);
	ck_assert_int_gt(hi, 0);
	ck_assert_int_eq(tide_rng_range(&r, 5, 5), 5);
	/* The full int64 span must not overflow. */
	(void)tide_rng_range(&r, INT64_MIN, INT64_MAX);
}
END_TEST

START_TEST(test_rng_double_in_unit_interval)
{
	struct tide_rng r;
	double sum = 0;
	int i;

	tide_rng_seed(&r, 4);
	for (i = 0; i < 10000; i++) {
		double d = tide_rng_double(&r);

		ck_assert(d >= 0 && d < 1);
		sum += d;
	}
	ck_assert(sum / 10000 > 0.48 && sum / 10000 < 0.52);
}
END_TEST

START_TEST(test_rng_chance_extremes)
{
	struct tide_rng r;
	int i, n = 0;

	tide_rng_seed(&r, 5);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(tide_rng_chance(&r, 0), 0);
		ck_assert_int_eq(tide_rng_chance(&r, 1), 1);
		n += tide_rng_chance(&r, 0.25);
	}
	ck_assert_int_gt(n, 180);
	ck_assert_int_lt(n, 320);
}
END_TEST

START_TEST(test_zipf_zero_skew_is_uniform)
{
	struct tide_zipf z;
	struct tide_rng r;
	int seen[4] = { 0 }, i;

	tide_zipf_init(&z, 4, 0);
	tide_rng_seed(&r, 6);
	for (i = 0; i < 4000; i++)
		seen[tide_zipf_draw(&z, &r)]++;
	for (i = 0; i < 4; i++) {
		ck_assert_int_gt(seen[i], 850);
		ck_assert_int_lt(seen[i], 1150);
	}
	tide_zipf_release(&z);
}
END_TEST

START_TEST(test_zipf_skew_favours_low_ranks)
{
	struct tide_zipf z;
	struct tide_rng r;
	int seen[10] = { 0 }, i;

	/* s = 1 over 10 ranks: P(0) = 1 / H(10) = 0.3414, P(9) = 0.0341. */
	tide_zipf_init(&z, 10, 1.0);
	tide_rng_seed(&r, 7);
	for (i = 0; i < 10000; i++) {
		size_t k = tide_zipf_draw(&z, &r);

		ck_assert_uint_lt(k, 10);
		seen[k]++;
	}
	ck_assert_int_gt(seen[0], 3200);
	ck_assert_int_lt(seen[0], 3650);
	ck_assert_int_gt(seen[9], 250);
	ck_assert_int_lt(seen[9], 450);
	for (i = 1; i < 10; i++)
		ck_assert_int_gt(seen[0], seen[i]);
	tide_zipf_release(&z);
}
END_TEST

START_TEST(test_zipf_single_rank)
{
	struct tide_zipf z;
	struct tide_rng r;
	int i;

	tide_zipf_init(&z, 1, 2.0);
	tide_rng_seed(&r, 8);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(tide_zipf_draw(&z, &r), 0);
	tide_zipf_release(&z);
	ck_assert_ptr_null(z.cdf);
}
END_TEST

Suite *suite_rng(void);

Suite *
suite_rng(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("rng");

	tcase_add_test(tc, test_splitmix64_matches_reference);
	tcase_add_test(tc, test_rng_sequence_is_fixed);
	tcase_add_test(tc, test_rng_same_seed_same_sequence_other_seed_differs);
	tcase_add_test(tc, test_rng_below_stays_in_range_and_covers_it);
	tcase_add_test(tc, test_rng_range_is_inclusive);
	tcase_add_test(tc, test_rng_double_in_unit_interval);
	tcase_add_test(tc, test_rng_chance_extremes);
	tcase_add_test(tc, test_zipf_zero_skew_is_uniform);
	tcase_add_test(tc, test_zipf_skew_favours_low_ranks);
	tcase_add_test(tc, test_zipf_single_rank);
	suite_add_tcase(s, tc);
	return s;
}
