#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "unit.h"

START_TEST(test_big_alloc_small_is_plain_large_is_huge_aligned)
{
	char *p = tide_big_alloc(0), *q;

	ck_assert_ptr_nonnull(p);
	free(p);
	q = tide_big_alloc(TIDE_BIG_HUGE + 1);
	ck_assert_uint_eq((uintptr_t)q % TIDE_BIG_HUGE, 0);
	/* Rounded up to whole huge pages: all of them are ours. */
	memset(q, 1, 2 * TIDE_BIG_HUGE);
	free(q);
}
END_TEST

START_TEST(test_big_calloc_zeroes_both_sizes)
{
	size_t n = TIDE_BIG_HUGE / sizeof(uint64_t) + 7, i;
	uint64_t *a = tide_big_calloc(3, sizeof(*a));
	uint64_t *b = tide_big_calloc(n, sizeof(*b));

	ck_assert(a[0] == 0 && a[2] == 0);
	ck_assert_uint_eq((uintptr_t)b % TIDE_BIG_HUGE, 0);
	for (i = 0; i < n; i++)
		ck_assert(b[i] == 0);
	free(a);
	free(b);
}
END_TEST

/* Growing from nothing, across TIDE_BIG_HUGE and past it keeps what was
 * written. */
static void
grow_keeps_contents(void *(*grow)(void *, size_t, size_t), int lines)
{
	unsigned char *p = NULL;
	size_t old = 0, n, i;

	for (n = 64; n <= 4 * TIDE_BIG_HUGE; n *= 4) {
		p = grow(p, old, n);
		if (lines || n >= TIDE_BIG_HUGE)
			ck_assert_uint_eq((uintptr_t)p %
			    (n >= TIDE_BIG_HUGE ? TIDE_BIG_HUGE : 64), 0);
		for (i = 0; i < old; i++)
			ck_assert_uint_eq(p[i], (unsigned char)(i * 7));
		for (i = old; i < n; i++)
			p[i] = (unsigned char)(i * 7);
		old = n;
	}
	free(p);
}

START_TEST(test_big_grow_keeps_contents)
{
	grow_keeps_contents(tide_big_grow, 0);
}
END_TEST

START_TEST(test_big_grow_lines_keeps_contents_cache_line_aligned)
{
	grow_keeps_contents(tide_big_grow_lines, 1);
}
END_TEST

Suite *suite_bigmem(void);

Suite *
suite_bigmem(void)
{
	Suite *s = suite_create("bigmem");
	TCase *tc = tcase_create("bigmem");

	/*
	 * Huge pages: with defrag=madvise a fault in a MADV_HUGEPAGE region
	 * may compact memory first, seconds of system time on a machine
	 * whose memory is fragmented by other work (seen: 3 s of sys, 12 s
	 * wall on a loaded machine).  Correctness, not speed, is checked.
	 */
	tcase_set_timeout(tc, 60);

	tcase_add_test(tc, test_big_alloc_small_is_plain_large_is_huge_aligned);
	tcase_add_test(tc, test_big_calloc_zeroes_both_sizes);
	tcase_add_test(tc, test_big_grow_keeps_contents);
	tcase_add_test(tc, test_big_grow_lines_keeps_contents_cache_line_aligned);
	suite_add_tcase(s, tc);
	return s;
}
