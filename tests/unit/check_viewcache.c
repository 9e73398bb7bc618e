/* struct tide_viewcache: LRU, time-bounded, remembers misses. */
#include <stdio.h>
#include <string.h>

#include "htab.h"
#include "unit.h"
#include "view/viewcache.h"

START_TEST(test_viewcache_lru_evicts_least_recent)
{
	struct tide_viewcache c;
	const char *val;
	size_t len;
	int found;

	tide_viewcache_init(&c, 2, 1000);
	tide_viewcache_put(&c, "a", 1, 0, 1, "A", 1);
	tide_viewcache_put(&c, "b", 1, 0, 0, NULL, 0);
	ck_assert_int_eq(tide_viewcache_get(&c, "a", 1, 10, &found, &val, &len), 1);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(len, 1);
	ck_assert_int_eq(val[0], 'A');
	tide_viewcache_put(&c, "c", 1, 10, 1, "CC", 2);	/* evicts b */
	ck_assert_int_eq(tide_viewcache_get(&c, "b", 1, 10, &found, &val, &len), 0);
	ck_assert_int_eq(tide_viewcache_get(&c, "a", 1, 10, &found, &val, &len), 1);
	ck_assert_int_eq(tide_viewcache_get(&c, "c", 1, 10, &found, &val, &len), 1);
	ck_assert_int_eq(len, 2);
	tide_viewcache_put(&c, "b", 1, 20, 0, NULL, 0);	/* evicts a */
	ck_assert_int_eq(tide_viewcache_get(&c, "a", 1, 20, &found, &val, &len), 0);
	ck_assert_int_eq(tide_viewcache_get(&c, "b", 1, 20, &found, &val, &len), 1);
	ck_assert_int_eq(found, 0);
	/* Stale after ttl; a clock going back does not trust the entry. */
	ck_assert_int_eq(tide_viewcache_get(&c, "c", 1, 1009, &found, &val, &len), 1);
	ck_assert_int_eq(tide_viewcache_get(&c, "c", 1, 1010, &found, &val, &len), 0);
	ck_assert_int_eq(tide_viewcache_get(&c, "b", 1, 5, &found, &val, &len), 0);
	tide_viewcache_clear(&c);
	ck_assert_int_eq(tide_viewcache_get(&c, "b", 1, 20, &found, &val, &len), 0);
	tide_viewcache_release(&c);

	tide_viewcache_init(&c, 8, 0);	/* off */
	tide_viewcache_put(&c, "a", 1, 0, 1, "A", 1);
	ck_assert_int_eq(tide_viewcache_get(&c, "a", 1, 0, &found, &val, &len), 0);
	tide_viewcache_release(&c);
}
END_TEST

START_TEST(test_viewcache_many_keys_stay_bounded)
{
	struct tide_viewcache c;
	const char *val;
	size_t len;
	char k[16];
	int i, found, hits = 0;

	tide_viewcache_init(&c, 100, 1000000);
	for (i = 0; i < 100000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		tide_viewcache_put(&c, k, strlen(k), i, 1, k, strlen(k));
	}
	ck_assert_uint_eq(tide_htab_count(&c.idx), 100);
	for (i = 0; i < 100000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		if (tide_viewcache_get(&c, k, strlen(k), 100000, &found, &val, &len)) {
			hits++;
			ck_assert_int_eq(i >= 99900, 1);
			ck_assert_int_eq(memcmp(val, k, len), 0);
		}
	}
	ck_assert_int_eq(hits, 100);
	tide_viewcache_release(&c);
}
END_TEST

START_TEST(test_viewcache_put_replaces_and_counts)
{
	struct tide_viewcache c;
	const char *val;
	size_t len;
	int found;

	tide_viewcache_init(&c, 4, 100);
	ck_assert_int_eq(tide_viewcache_get(&c, "k", 1, 0, &found, &val, &len), 0);
	tide_viewcache_put(&c, "k", 1, 0, 1, "old", 3);
	tide_viewcache_put(&c, "k", 1, 1, 1, "newer", 5);
	ck_assert_uint_eq(tide_htab_count(&c.idx), 1);
	ck_assert_int_eq(tide_viewcache_get(&c, "k", 1, 2, &found, &val, &len), 1);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(len, 5);
	ck_assert_int_eq(memcmp(val, "newer", 5), 0);
	/* A miss is remembered as one, and replaced by a hit. */
	tide_viewcache_put(&c, "k", 1, 3, 0, NULL, 0);
	ck_assert_int_eq(tide_viewcache_get(&c, "k", 1, 4, &found, &val, &len), 1);
	ck_assert_int_eq(found, 0);
	ck_assert_uint_eq(c.hits, 2);
	ck_assert_uint_eq(c.misses, 1);
	/* Keys are bytes: a NUL and a prefix are other keys. */
	tide_viewcache_put(&c, "a\0b", 3, 5, 1, "x", 1);
	ck_assert_int_eq(tide_viewcache_get(&c, "a", 1, 5, &found, &val, &len), 0);
	ck_assert_int_eq(tide_viewcache_get(&c, "a\0b", 3, 5, &found, &val, &len), 1);
	tide_viewcache_release(&c);

	tide_viewcache_init(&c, 0, 1000);	/* no room: off */
	tide_viewcache_put(&c, "a", 1, 0, 1, "A", 1);
	ck_assert_int_eq(tide_viewcache_get(&c, "a", 1, 0, &found, &val, &len), 0);
	ck_assert_uint_eq(c.misses, 1);
	tide_viewcache_release(&c);
}
END_TEST

Suite *
suite_viewcache(void)
{
	Suite *s = suite_create("viewcache");
	TCase *tc = tcase_create("viewcache");

	tcase_add_test(tc, test_viewcache_lru_evicts_least_recent);
	tcase_add_test(tc, test_viewcache_many_keys_stay_bounded);
	tcase_add_test(tc, test_viewcache_put_replaces_and_counts);
	suite_add_tcase(s, tc);
	return s;
}
