#include <stdio.h>
#include <string.h>

#include "htab.h"
#include "unit.h"

START_TEST(test_htab_put_get_del)
{
	struct tide_htab h;
	int isnew;
	long *v;

	tide_htab_init(&h, sizeof(long));
	ck_assert_ptr_null(tide_htab_get(&h, "a", 1));
	v = tide_htab_put(&h, "a", 1, &isnew);
	ck_assert_int_eq(isnew, 1);
	ck_assert_int_eq(*v, 0);
	*v = 42;
	v = tide_htab_put(&h, "a", 1, &isnew);
	ck_assert_int_eq(isnew, 0);
	ck_assert_int_eq(*v, 42);
	ck_assert_int_eq(tide_htab_del(&h, "b", 1), 0);
	ck_assert_int_eq(tide_htab_del(&h, "a", 1), 1);
	ck_assert_ptr_null(tide_htab_get(&h, "a", 1));
	ck_assert_uint_eq(tide_htab_count(&h), 0);
	tide_htab_release(&h);
}
END_TEST

START_TEST(test_htab_empty_and_binary_keys_are_distinct)
{
	struct tide_htab h;
	int *v;

	tide_htab_init(&h, sizeof(int));
	*(int *)tide_htab_put(&h, "", 0, NULL) = 1;
	*(int *)tide_htab_put(&h, "\0", 1, NULL) = 2;
	*(int *)tide_htab_put(&h, "\0\0", 2, NULL) = 3;
	v = tide_htab_get(&h, "", 0);
	ck_assert_int_eq(*v, 1);
	v = tide_htab_get(&h, "\0", 1);
	ck_assert_int_eq(*v, 2);
	v = tide_htab_get(&h, "\0\0", 2);
	ck_assert_int_eq(*v, 3);
	tide_htab_release(&h);
}
END_TEST

START_TEST(test_htab_many_keys_with_churn_and_compaction)
{
	struct tide_htab h;
	char k[32];
	int i, n;

	tide_htab_init(&h, sizeof(int));
	for (i = 0; i < 100000; i++) {
		n = snprintf(k, sizeof(k), "key%d", i);
		*(int *)tide_htab_put(&h, k, (size_t)n, NULL) = i;
	}
	/* Delete the odd ones: backward shift must keep the rest findable. */
	for (i = 1; i < 100000; i += 2) {
		n = snprintf(k, sizeof(k), "key%d", i);
		ck_assert_int_eq(tide_htab_del(&h, k, (size_t)n), 1);
	}
	ck_assert_uint_eq(tide_htab_count(&h), 50000);
	ck_assert_uint_gt(tide_htab_waste(&h), 0);
	tide_htab_compact(&h);
	ck_assert_uint_eq(tide_htab_waste(&h), 0);
	for (i = 0; i < 100000; i++) {
		int *v;

		n = snprintf(k, sizeof(k), "key%d", i);
		v = tide_htab_get(&h, k, (size_t)n);
		if (i % 2) {
			ck_assert_ptr_null(v);
		} else {
			ck_assert_ptr_nonnull(v);
			ck_assert_int_eq(*v, i);
		}
	}
	tide_htab_release(&h);
}
END_TEST

START_TEST(test_htab_iteration_visits_each_key_once)
{
	struct tide_htab h;
	size_t pos = 0, klen, seen = 0;
	const char *key;
	int *v, sum = 0;

	tide_htab_init(&h, sizeof(int));
	*(int *)tide_htab_put(&h, "x", 1, NULL) = 1;
	*(int *)tide_htab_put(&h, "yy", 2, NULL) = 2;
	*(int *)tide_htab_put(&h, "zzz", 3, NULL) = 4;
	while ((v = tide_htab_next(&h, &pos, &key, &klen)) != NULL) {
		size_t kl;
		ck_assert_uint_eq(klen, (size_t)(*v == 4 ? 3 : *v));
		ck_assert_ptr_eq(tide_htab_key(&h, v, &kl), key);
		ck_assert_uint_eq(kl, klen);
		sum += *v;
		seen++;
	}
	ck_assert_uint_eq(seen, 3);
	ck_assert_int_eq(sum, 7);
	tide_htab_release(&h);
}
END_TEST

/* A cleared table holds no key and takes them again, in the memory it had. */
START_TEST(test_htab_clear_keeps_memory_and_takes_keys_again)
{
	struct tide_htab h;
	size_t pos = 0, klen, bytes;
	const char *key;
	char k[16];
	int i, isnew;

	tide_htab_init(&h, sizeof(int));
	tide_htab_clear(&h);	/* never used: nothing to clear */
	ck_assert_uint_eq(tide_htab_count(&h), 0);
	for (i = 0; i < 100; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		*(int *)tide_htab_put(&h, k, strlen(k), NULL) = i;
	}
	ck_assert_int_eq(tide_htab_del(&h, "key7", 4), 1);
	bytes = tide_htab_bytes(&h);
	tide_htab_clear(&h);
	ck_assert_uint_eq(tide_htab_count(&h), 0);
	ck_assert_uint_eq(tide_htab_waste(&h), 0);
	ck_assert_uint_eq(tide_htab_bytes(&h), bytes);
	ck_assert_ptr_null(tide_htab_get(&h, "key1", 4));
	ck_assert_ptr_null(tide_htab_next(&h, &pos, &key, &klen));
	*(int *)tide_htab_put(&h, "key1", 4, &isnew) = 11;
	ck_assert_int_eq(isnew, 1);
	*(int *)tide_htab_put(&h, "new", 3, &isnew) = 12;
	ck_assert_int_eq(*(int *)tide_htab_get(&h, "key1", 4), 11);
	ck_assert_int_eq(*(int *)tide_htab_get(&h, "new", 3), 12);
	ck_assert_ptr_null(tide_htab_get(&h, "key2", 4));
	ck_assert_uint_eq(tide_htab_count(&h), 2);
	ck_assert_uint_eq(tide_htab_bytes(&h), bytes);
	tide_htab_release(&h);
}
END_TEST

Suite *suite_htab(void);

Suite *
suite_htab(void)
{
	Suite *s = suite_create("htab");
	TCase *tc = tcase_create("htab");

	tcase_add_test(tc, test_htab_put_get_del);
	tcase_add_test(tc, test_htab_empty_and_binary_keys_are_distinct);
	tcase_add_test(tc, test_htab_many_keys_with_churn_and_compaction);
	tcase_add_test(tc, test_htab_iteration_visits_each_key_once);
	tcase_add_test(tc, test_htab_clear_keeps_memory_and_takes_keys_again);
	suite_add_tcase(s, tc);
	return s;
}
