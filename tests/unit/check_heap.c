#include "heap.h"
#include "unit.h"

START_TEST(test_heap_orders_by_priority_then_tie)
{
	struct tide_heap h;
	struct tide_heap_ent e;
	int64_t prios[] = { 5, 1, 3, 1, 9, -2, 3 };
	uint64_t ties[] = { 0, 7, 1, 2, 0, 0, 0 };
	int64_t want_p[] = { -2, 1, 1, 3, 3, 5, 9 };
	uint64_t want_t[] = { 0, 2, 7, 0, 1, 0, 0 };
	size_t i;

	tide_heap_init(&h);
	ck_assert_ptr_null(tide_heap_top(&h));
	ck_assert_int_eq(tide_heap_pop(&h, &e), 0);
	for (i = 0; i < 7; i++)
		tide_heap_push(&h, prios[i], ties[i], NULL);
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(tide_heap_pop(&h, &e), 1);
		ck_assert_int_eq(e.prio, want_p[i]);
		ck_assert_uint_eq(e.tie, want_t[i]);
	}
	ck_assert_int_eq(tide_heap_pop(&h, &e), 0);
	tide_heap_release(&h);
}
END_TEST

START_TEST(test_heap_replace_top_keeps_order)
{
	struct tide_heap h;
	struct tide_heap_ent e;
	int i;

	tide_heap_init(&h);
	for (i = 0; i < 100; i++)
		tide_heap_push(&h, i, 0, NULL);
	tide_heap_replace_top(&h, 50, 1, NULL);	/* 0 becomes (50,1) */
	ck_assert_int_eq(tide_heap_top(&h)->prio, 1);
	for (i = 1; i <= 50; i++)
		tide_heap_pop(&h, &e);
	ck_assert_int_eq(e.prio, 50);
	ck_assert_uint_eq(e.tie, 0);
	tide_heap_pop(&h, &e);
	ck_assert_int_eq(e.prio, 50);
	ck_assert_uint_eq(e.tie, 1);
	tide_heap_release(&h);
}
END_TEST

Suite *suite_heap(void);

Suite *
suite_heap(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("heap");

	tcase_add_test(tc, test_heap_orders_by_priority_then_tie);
	tcase_add_test(tc, test_heap_replace_top_keeps_order);
	suite_add_tcase(s, tc);
	return s;
}
