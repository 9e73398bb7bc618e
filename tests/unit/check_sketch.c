#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "sketch.h"
#include "unit.h"

START_TEST(test_hll_small_counts_are_exact)
{
	struct tide_hll h;
	char k[16];
	int i;

	tide_hll_init(&h, 14);
	ck_assert_double_eq(tide_hll_estimate(&h), 0);
	for (i = 0; i < 100; i++) {
		int n = snprintf(k, sizeof(k), "k%d", i % 50);

		tide_hll_add(&h, tide_hash(k, (size_t)n));
	}
	ck_assert_int_eq((int)llround(tide_hll_estimate(&h)), 50);
	tide_hll_release(&h);
}
END_TEST

START_TEST(test_hll_large_count_within_error_and_merge_is_union)
{
	struct tide_hll a, b, all;
	char k[16];
	double e;
	int i;

	tide_hll_init(&a, 12);
	tide_hll_init(&b, 12);
	tide_hll_init(&all, 12);
	for (i = 0; i < 200000; i++) {
		int n = snprintf(k, sizeof(k), "v%d", i);
		uint64_t hh = tide_hash(k, (size_t)n);

		tide_hll_add(i % 2 ? &a : &b, hh);
		tide_hll_add(&all, hh);
	}
	tide_hll_merge(&a, &b);
	/* 1.04/sqrt(4096) = 1.6%; allow 4 standard errors. */
	e = tide_hll_estimate(&a);
	ck_assert(fabs(e - 200000) < 0.065 * 200000);
	ck_assert_double_eq(e, tide_hll_estimate(&all));
	tide_hll_release(&a);
	tide_hll_release(&b);
	tide_hll_release(&all);
}
END_TEST

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* PERCENTILE_DISC's rank, ceil(q * n) - 1 from 0, in exact arithmetic
 * where q * n in doubles would round up past an integer (0.07 * 100). */
/*
 * The sparse form against a plain array of registers fed the same hashes
 * (the dense form as it was): same registers and the same estimate, bit for
 * bit, at every count across the sparse -> dense switch.
 */
static void
ref_add(uint8_t *reg, int p, uint64_t hash)
{
	uint64_t idx = hash >> (64 - p);
	uint64_t rest = (hash << p) | ((uint64_t)1 << (p - 1));
	uint8_t r = (uint8_t)(__builtin_clzll(rest) + 1);

	if (r > reg[idx])
		reg[idx] = r;
}

static double
ref_estimate(const uint8_t *reg, int p)
{
	size_t i, m = (size_t)1 << p, zeros = 0;
	double sum = 0, alpha, est;

	for (i = 0; i < m; i++) {
		sum += ldexp(1.0, -reg[i]);
		zeros += reg[i] == 0;
	}
	alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 :
	    0.7213 / (1.0 + 1.079 / (double)m);
	est = alpha * (double)m * (double)m / sum;
	if (zeros && est <= 2.5 * (double)m)
		est = (double)m * log((double)m / (double)zeros);
	return est;
}

static void
same_registers(const struct tide_hll *h, const uint8_t *reg)
{
	size_t i, m = (size_t)1 << h->p, nz = 0;

	if (h->reg) {
		ck_assert_int_eq(memcmp(h->reg, reg, m), 0);
		return;
	}
	for (i = 0; i < h->sn; i++)
		ck_assert_uint_eq(h->sp[i] & 0xff, reg[h->sp[i] >> 8]);
	for (i = 0; i < m; i++)
		nz += reg[i] != 0;
	ck_assert_uint_eq(nz, h->sn);
}

static uint64_t
nth_hash(int i)
{
	char k[32];
	int n = snprintf(k, sizeof(k), "value-%d", i);

	return tide_hash(k, (size_t)n);
}

START_TEST(test_hll_sparse_equals_dense_across_switch)
{
	static const int ps[] = { 4, 10, 14 };
	size_t t;

	for (t = 0; t < sizeof(ps) / sizeof(ps[0]); t++) {
		int p = ps[t], i, wasdense = 0;
		size_t m = (size_t)1 << p, nz = 0;
		uint8_t *reg = calloc(m, 1);
		struct tide_hll h;

		tide_hll_init(&h, p);
		for (i = 0; i < 3000; i++) {
			uint64_t hh = nth_hash(i % 2000);	/* repeats too */

			nz += reg[hh >> (64 - p)] == 0;
			ref_add(reg, p, hh);
			tide_hll_add(&h, hh);
			same_registers(&h, reg);
			/* Sparse while under a quarter of the dense bytes
			 * and 1024 entries; never back. */
			ck_assert_int_eq(h.reg != NULL,
			    nz > tide_hll_sparse_max(p) || wasdense);
			wasdense = h.reg != NULL;
			ck_assert_double_eq(tide_hll_estimate(&h),
			    ref_estimate(reg, p));
		}
		ck_assert(wasdense);
		tide_hll_release(&h);
		free(reg);
	}
	ck_assert_uint_eq(tide_hll_sparse_max(4), 1);
	ck_assert_uint_eq(tide_hll_sparse_max(10), 64);
	ck_assert_uint_eq(tide_hll_sparse_max(14), 1024);
}
END_TEST

START_TEST(test_hll_merge_sparse_and_dense_forms)
{
	/* a: sparse (100 values), b: sparse (500), c: dense (5000): every
	 * pair of forms merged equals the union's registers. */
	int p = 14, i;
	size_t m = (size_t)1 << p;
	uint8_t *ra = calloc(m, 1), *rab = calloc(m, 1), *rabc = calloc(m, 1);
	struct tide_hll a, b, c, x;

	tide_hll_init(&a, p);
	tide_hll_init(&b, p);
	tide_hll_init(&c, p);
	for (i = 0; i < 100; i++) {
		tide_hll_add(&a, nth_hash(i));
		ref_add(ra, p, nth_hash(i));
	}
	for (i = 50; i < 550; i++)
		tide_hll_add(&b, nth_hash(i));
	for (i = 0; i < 550; i++)
		ref_add(rab, p, nth_hash(i));
	for (i = 1000; i < 6000; i++)
		tide_hll_add(&c, nth_hash(i));
	memcpy(rabc, rab, m);
	for (i = 1000; i < 6000; i++)
		ref_add(rabc, p, nth_hash(i));
	ck_assert_ptr_null(a.reg);
	ck_assert_ptr_null(b.reg);
	ck_assert_ptr_nonnull(c.reg);

	/* sparse into sparse */
	tide_hll_init(&x, p);
	tide_hll_merge(&x, &a);
	same_registers(&x, ra);
	tide_hll_merge(&x, &b);
	ck_assert_ptr_null(x.reg);
	same_registers(&x, rab);
	ck_assert_double_eq(tide_hll_estimate(&x), ref_estimate(rab, p));
	/* dense into sparse */
	tide_hll_merge(&x, &c);
	ck_assert_ptr_nonnull(x.reg);
	same_registers(&x, rabc);
	tide_hll_release(&x);
	/* sparse into dense */
	tide_hll_merge(&c, &a);
	tide_hll_merge(&c, &b);
	same_registers(&c, rabc);
	ck_assert_double_eq(tide_hll_estimate(&c), ref_estimate(rabc, p));
	/* bad registers are refused */
	tide_hll_init(&x, 4);
	ck_assert_int_eq(tide_hll_set(&x, 16, 1), -1);
	ck_assert_int_eq(tide_hll_set(&x, 0, 0), -1);
	ck_assert_int_eq(tide_hll_set(&x, 0, 62), -1);
	ck_assert_int_eq(tide_hll_set(&x, 15, 61), 0);
	ck_assert_uint_eq(x.sn, 1);
	tide_hll_release(&x);
	/* A register past 52 - p: the sparse sum goes in index order (its
	 * terms no longer add exactly in any order). */
	memset(ra, 0, m);
	tide_hll_init(&x, p);
	for (i = 0; i < 40; i++) {
		tide_hll_add(&x, nth_hash(i));
		ref_add(ra, p, nth_hash(i));
	}
	ck_assert_int_eq(tide_hll_set(&x, 7, 51), 0);
	ra[7] = ra[7] > 51 ? ra[7] : 51;
	ck_assert_ptr_null(x.reg);
	same_registers(&x, ra);
	ck_assert_double_eq(tide_hll_estimate(&x), ref_estimate(ra, p));
	tide_hll_release(&x);
	tide_hll_release(&a);
	tide_hll_release(&b);
	tide_hll_release(&c);
	free(ra);
	free(rab);
	free(rabc);
}
END_TEST

/*
 * A DDSketch keeps up to 8 buckets within a span of 512 sparse: at every
 * count, across the switch, it answers every rank exactly as a dense one
 * fed the same values does; merges of every pair of forms too.
 */
static void
same_ranks(const struct tide_dds *a, const struct tide_dds *b)
{
	uint64_t r;

	ck_assert_uint_eq(a->count, b->count);
	for (r = 0; r < a->count + 1; r++) {
		double x = tide_dds_rank(a, r), y = tide_dds_rank(b, r);

		ck_assert_msg(x == y || (isnan(x) && isnan(y)),
		    "rank %llu: %.17g != %.17g", (unsigned long long)r, x, y);
	}
}

START_TEST(test_dds_sparse_answers_as_dense)
{
	/* Few close values; values spread over 1..1e6 (the span passes 512
	 * buckets); negative, zero and positive. */
	static const double scale[] = { 1.01, 1e6, -1e3 };
	size_t t;

	for (t = 0; t < sizeof(scale) / sizeof(scale[0]); t++) {
		struct tide_dds s, d, h1, h2;
		int i, wasdense = 0;
		unsigned x = 12345;

		tide_dds_init(&s);
		tide_dds_init(&d);
		tide_dds_init(&h1);
		tide_dds_init(&h2);
		for (i = 0; i < 60; i++) {
			double v;

			x = x * 1103515245u + 12345u;
			v = scale[t] < 0 ? (double)((int)(x >> 16) % 2001 - 1000) :
			    scale[t] < 2 ? 1 + (double)(x >> 16 & 7) * 0.004 :
			    1 + (double)(x >> 8 & 0xfffff);
			tide_dds_add(&s, v);
			tide_dds_add(&d, v);
			tide_dds_dense(&d);
			tide_dds_add(i % 3 ? &h1 : &h2, v);
			same_ranks(&s, &d);
			/* Sparse stays sparse until it must, then stays
			 * dense. */
			if (wasdense)
				ck_assert(s.pos.c || s.neg.c);
			wasdense = s.pos.c || s.neg.c;
			ck_assert_uint_le(s.pos.sn, TIDE_DDS_SPARSEN);
			ck_assert_uint_le(s.neg.sn, TIDE_DDS_SPARSEN);
		}
		if (t == 0)
			ck_assert(!wasdense);	/* 8 buckets at most */
		else
			ck_assert(wasdense);
		/* h1 + h2 in every pair of forms equals the one sketch. */
		{
			struct tide_dds m;

			tide_dds_init(&m);
			tide_dds_merge(&m, &h1);
			tide_dds_merge(&m, &h2);
			same_ranks(&m, &s);
			tide_dds_release(&m);
			tide_dds_init(&m);
			tide_dds_merge(&m, &h1);
			tide_dds_dense(&m);
			tide_dds_merge(&m, &h2);
			same_ranks(&m, &s);
			tide_dds_release(&m);
			tide_dds_dense(&h2);
			tide_dds_init(&m);
			tide_dds_merge(&m, &h1);
			tide_dds_merge(&m, &h2);
			same_ranks(&m, &s);
			tide_dds_release(&m);
		}
		tide_dds_release(&s);
		tide_dds_release(&d);
		tide_dds_release(&h1);
		tide_dds_release(&h2);
	}
}
END_TEST

START_TEST(test_dds_disc_rank)
{
	ck_assert_uint_eq(tide_dds_disc_rank(2, 99, 100), 1);
	ck_assert_uint_eq(tide_dds_disc_rank(2, 1, 2), 0);
	ck_assert_uint_eq(tide_dds_disc_rank(100, 7, 100), 6);
	ck_assert_uint_eq(tide_dds_disc_rank(100, 701, 10000), 7);
	ck_assert_uint_eq(tide_dds_disc_rank(1, 0, 100), 0);
	ck_assert_uint_eq(tide_dds_disc_rank(5, 100, 100), 4);
	ck_assert_uint_eq(tide_dds_disc_rank(0, 50, 100), 0);
	ck_assert_uint_eq(tide_dds_disc_rank(UINT64_MAX, 1, 2),
	    UINT64_MAX / 2);
}
END_TEST

START_TEST(test_dds_quantiles_within_relative_error)
{
	struct tide_dds d;
	double *v = malloc(10001 * sizeof(*v)), qs[] = { 0.01, 0.5, 0.9, 0.99 };
	unsigned s = 12345;
	int i, j;

	tide_dds_init(&d);
	ck_assert(isnan(tide_dds_quantile(&d, 0.5)));
	for (i = 0; i < 10001; i++) {
		s = s * 1103515245 + 12345;
		v[i] = (double)((s >> 8) % 100000) / 97.0 - 200.0;
		tide_dds_add(&d, v[i]);
	}
	qsort(v, 10001, sizeof(*v), dcmp);
	for (j = 0; j < 4; j++) {
		double x = v[(int)ceil(qs[j] * 10001) - 1];	/* nearest rank */

		ck_assert(fabs(tide_dds_quantile(&d, qs[j]) - x) <=
		    TIDE_DDS_ALPHA * fabs(x) + 1e-9);
	}
	ck_assert_double_eq(tide_dds_quantile(&d, 0), v[0]);
	ck_assert_double_eq(tide_dds_quantile(&d, 1), v[10000]);
	tide_dds_release(&d);
	free(v);
}
END_TEST

START_TEST(test_dds_merge_equals_one_sketch)
{
	struct tide_dds a, b, all;
	int i;

	tide_dds_init(&a);
	tide_dds_init(&b);
	tide_dds_init(&all);
	for (i = 1; i <= 5000; i++) {
		double x = i * 0.37 - 100;

		tide_dds_add(i % 3 ? &a : &b, x);
		tide_dds_add(&all, x);
	}
	tide_dds_merge(&a, &b);
	ck_assert_double_eq(tide_dds_quantile(&a, 0.5), tide_dds_quantile(&all, 0.5));
	ck_assert_double_eq(tide_dds_quantile(&a, 0.99), tide_dds_quantile(&all, 0.99));
	ck_assert_uint_eq(a.count, 5000);
	tide_dds_release(&a);
	tide_dds_release(&b);
	tide_dds_release(&all);
}
END_TEST

START_TEST(test_dds_wide_range_collapses_low_buckets_only)
{
	struct tide_dds d;
	int i;

	tide_dds_init(&d);
	for (i = -300; i <= 300; i++)
		tide_dds_add(&d, pow(10, i / 10.0));
	/* The high quantiles stay accurate when the lowest buckets fold. */
	ck_assert(fabs(tide_dds_quantile(&d, 0.99) / pow(10, 29.4) - 1) < 0.011);
	tide_dds_release(&d);
}
END_TEST

START_TEST(test_topk_exact_under_capacity_and_sorted)
{
	struct tide_topk t;

	tide_topk_init(&t, 8);
	tide_topk_add(&t, "b", 1, 1);
	tide_topk_add(&t, "a", 1, 1);
	tide_topk_add(&t, "c", 1, 3);
	tide_topk_add(&t, "b", 1, 1);
	tide_topk_sort(&t);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_mem_eq(t.e[0].v, "c", 1);
	ck_assert_uint_eq(t.e[0].count, 3);
	ck_assert_mem_eq(t.e[1].v, "b", 1);
	ck_assert_mem_eq(t.e[2].v, "a", 1);
	tide_topk_release(&t);
}
END_TEST

START_TEST(test_topk_keeps_heavy_hitters_past_capacity)
{
	struct tide_topk t, u;
	char k[16];
	int i;

	tide_topk_init(&t, 4);
	tide_topk_init(&u, 4);
	for (i = 0; i < 1000; i++) {
		int n = i % 3 == 0 ? snprintf(k, sizeof(k), "hot") :
		    snprintf(k, sizeof(k), "c%d", i);

		tide_topk_add(i < 500 ? &t : &u, k, (size_t)n, 1);
	}
	tide_topk_merge(&t, &u);
	tide_topk_sort(&t);
	ck_assert_mem_eq(t.e[0].v, "hot", 3);
	ck_assert(t.e[0].count >= 334);
	tide_topk_release(&t);
	tide_topk_release(&u);
}
END_TEST

/* The bytes a sketch takes, for --max-memory's growth count: a sparse
 * HyperLogLog's entries, then 2^p registers; DDSketch's sparse bins, then
 * dense buckets. */
START_TEST(test_sketch_bytes_follow_the_form)
{
	struct tide_hll h;
	struct tide_dds d;
	uint64_t i;

	tide_hll_init(&h, 12);
	ck_assert_uint_eq(tide_hll_bytes(&h), 0);
	tide_hll_add(&h, 0x123456789abcdef0ULL);
	ck_assert_ptr_null(h.reg);
	ck_assert_uint_eq(tide_hll_bytes(&h), (size_t)h.scap * 4);
	ck_assert_uint_gt(tide_hll_bytes(&h), 0);
	for (i = 1; h.reg == NULL; i++)
		tide_hll_add(&h, i * 0x9e3779b97f4a7c15ULL);
	ck_assert_uint_eq(tide_hll_bytes(&h), 4096);
	tide_hll_release(&h);
	tide_dds_init(&d);
	ck_assert_uint_eq(tide_dds_bytes(&d), 0);
	tide_dds_add(&d, 1.0);
	ck_assert_ptr_null(d.pos.c);
	ck_assert_uint_eq(tide_dds_bytes(&d), (size_t)d.pos.scap *
	    sizeof(*d.pos.sp));
	tide_dds_add(&d, -1.0);
	for (i = 0; d.pos.c == NULL; i++)
		tide_dds_add(&d, 1.0 + (double)i);
	ck_assert_uint_eq(tide_dds_bytes(&d), (size_t)d.pos.n * 8 +
	    (size_t)d.neg.scap * sizeof(*d.neg.sp));
	tide_dds_release(&d);
}
END_TEST

Suite *
suite_sketch(void)
{
	Suite *s = suite_create("sketch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sketch_bytes_follow_the_form);
	tcase_add_test(tc, test_hll_small_counts_are_exact);
	tcase_add_test(tc, test_hll_large_count_within_error_and_merge_is_union);
	tcase_add_test(tc, test_hll_sparse_equals_dense_across_switch);
	tcase_add_test(tc, test_hll_merge_sparse_and_dense_forms);
	tcase_add_test(tc, test_dds_sparse_answers_as_dense);
	tcase_add_test(tc, test_dds_quantiles_within_relative_error);
	tcase_add_test(tc, test_dds_disc_rank);
	tcase_add_test(tc, test_dds_merge_equals_one_sketch);
	tcase_add_test(tc, test_dds_wide_range_collapses_low_buckets_only);
	tcase_add_test(tc, test_topk_exact_under_capacity_and_sorted);
	tcase_add_test(tc, test_topk_keeps_heavy_hitters_past_capacity);
	suite_add_tcase(s, tc);
	return s;
}
