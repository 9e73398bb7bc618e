#include <stdint.h>
#include <stdlib.h>

#include "merge.h"
#include "unit.h"

/* A source: a sorted array of keys. */
struct arr {
	const struct tide_merge_key *k;
	size_t n, i;
};

static size_t
run(struct arr *a, size_t na, struct tide_merge_key *out)
{
	struct tide_merge m;
	struct arr *top;
	size_t i, n = 0;

	tide_merge_init(&m);
	for (i = 0; i < na; i++)
		if (a[i].n)
			tide_merge_add(&m, &a[i].k[0], &a[i]);
	while ((top = tide_merge_top(&m)) != NULL) {
		out[n++] = top->k[top->i++];
		if (top->i < top->n)
			tide_merge_advance(&m, &top->k[top->i]);
		else
			tide_merge_drop(&m);
	}
	ck_assert_uint_eq(tide_merge_count(&m), 0);
	tide_merge_release(&m);
	return n;
}

START_TEST(test_merge_orders_by_ts_partition_offset)
{
	static const struct tide_merge_key p0[] = {
		{ 10, 0, 0 }, { 20, 0, 1 }, { 20, 0, 2 }, { 40, 0, 3 } };
	static const struct tide_merge_key p1[] = {
		{ 5, 1, 7 }, { 20, 1, 8 }, { 30, 1, 9 } };
	static const struct tide_merge_key p2[] = { { 20, 2, 0 } };
	static const struct tide_merge_key want[] = {
		{ 5, 1, 7 }, { 10, 0, 0 }, { 20, 0, 1 }, { 20, 0, 2 },
		{ 20, 1, 8 }, { 20, 2, 0 }, { 30, 1, 9 }, { 40, 0, 3 } };
	struct arr a[] = { { p2, 1, 0 }, { p0, 4, 0 }, { NULL, 0, 0 },
	    { p1, 3, 0 } };
	struct tide_merge_key out[8];
	size_t i;

	ck_assert_uint_eq(run(a, 4, out), 8);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(tide_merge_cmp(&out[i], &want[i]), 0);
}
END_TEST

START_TEST(test_merge_ties_by_offset_across_sources_of_one_partition)
{
	/* Two archive files of the same partition. */
	static const struct tide_merge_key f0[] = { { 7, 3, 100 }, { 9, 3, 101 } };
	static const struct tide_merge_key f1[] = { { 7, 3, 5 }, { 7, 3, 6 } };
	struct arr a[] = { { f0, 2, 0 }, { f1, 2, 0 } };
	struct tide_merge_key out[4];

	ck_assert_uint_eq(run(a, 2, out), 4);
	ck_assert_int_eq(out[0].offset, 5);
	ck_assert_int_eq(out[1].offset, 6);
	ck_assert_int_eq(out[2].offset, 100);
	ck_assert_int_eq(out[3].offset, 101);
}
END_TEST

START_TEST(test_merge_partition_minus_one_and_negative_ts)
{
	static const struct tide_merge_key a0[] = { { -5, 0, 0 } };
	static const struct tide_merge_key a1[] = { { -5, -1, 9 } };
	static const struct tide_merge_key a2[] = { { INT64_MIN, 4, 0 } };
	struct arr a[] = { { a0, 1, 0 }, { a1, 1, 0 }, { a2, 1, 0 } };
	struct tide_merge_key out[3];

	ck_assert_uint_eq(run(a, 3, out), 3);
	ck_assert_int_eq(out[0].partition, 4);
	ck_assert_int_eq(out[1].partition, -1);
	ck_assert_int_eq(out[2].partition, 0);
}
END_TEST

START_TEST(test_merge_many_sources_sorted_output)
{
	enum { NS = 13, PER = 200 };
	struct tide_merge_key *k = calloc(NS * PER, sizeof(*k));
	struct tide_merge_key *out = calloc(NS * PER, sizeof(*out));
	struct arr a[NS];
	uint64_t x = 88172645463325252ULL;
	size_t i, j;

	for (i = 0; i < NS; i++) {
		int64_t ts = 0;

		for (j = 0; j < PER; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ts += (int64_t)(x % 4);	/* many ties */
			k[i * PER + j].ts = ts;
			k[i * PER + j].partition = (int32_t)i;
			k[i * PER + j].offset = (int64_t)j;
		}
		a[i].k = &k[i * PER];
		a[i].n = PER;
		a[i].i = 0;
	}
	ck_assert_uint_eq(run(a, NS, out), NS * PER);
	for (i = 1; i < NS * PER; i++)
		ck_assert_int_lt(tide_merge_cmp(&out[i - 1], &out[i]), 0);
	free(k);
	free(out);
}
END_TEST

START_TEST(test_merge_cmp)
{
	struct tide_merge_key a = { 1, 2, 3 }, b = a;

	ck_assert_int_eq(tide_merge_cmp(&a, &b), 0);
	b.offset = 4;
	ck_assert_int_lt(tide_merge_cmp(&a, &b), 0);
	b.partition = 1;
	ck_assert_int_gt(tide_merge_cmp(&a, &b), 0);
	b.ts = 2;
	ck_assert_int_lt(tide_merge_cmp(&a, &b), 0);
}
END_TEST

Suite *
suite_merge(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("merge");

	tcase_add_test(tc, test_merge_orders_by_ts_partition_offset);
	tcase_add_test(tc, test_merge_ties_by_offset_across_sources_of_one_partition);
	tcase_add_test(tc, test_merge_partition_minus_one_and_negative_ts);
	tcase_add_test(tc, test_merge_many_sources_sorted_output);
	tcase_add_test(tc, test_merge_cmp);
	suite_add_tcase(s, tc);
	return s;
}
