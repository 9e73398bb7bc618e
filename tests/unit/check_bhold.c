/*
 * lib/bhold: the FIFO of barriers tide-window holds until their windows
 * have fired.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "barrier.h"
#include "bhold.h"
#include "err.h"
#include "unit.h"

static int
push(struct tide_bhold *h, const char *line, int64_t seq, int final,
    int64_t until)
{
	return tide_bhold_push(h, line, strlen(line), seq, final, until,
	    until - 10);
}

static void
head_is(struct tide_bhold *h, const char *line, int64_t seq, int final,
    int64_t until)
{
	struct tide_bhold_ent *e = tide_bhold_head(h);

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->line.len, strlen(line));
	ck_assert(memcmp(e->line.data, line, e->line.len) == 0);
	ck_assert_int_eq(e->seq, seq);
	ck_assert_int_eq(e->final, final);
	ck_assert_int_eq(e->until, until);
	ck_assert_int_eq(e->upto, until - 10);
}

START_TEST(test_bhold_keeps_arrival_order_and_copies_lines)
{
	struct tide_bhold h;
	char line[64];

	tide_bhold_init(&h, 4);
	ck_assert_ptr_null(tide_bhold_head(&h));
	strcpy(line, "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}");
	ck_assert_int_eq(push(&h, line, 1, 0, 100), 1);
	/* The caller's bytes may change at once: the FIFO has its copy. */
	strcpy(line, "{\"@barrier\":{\"seq\":2,\"offsets\":[]}}");
	ck_assert_int_eq(push(&h, line, 2, 0, 200), 1);
	ck_assert_uint_eq(tide_bhold_count(&h), 2);
	ck_assert_int_eq(tide_bhold_tail(&h)->seq, 2);
	memset(line, 'x', sizeof(line) - 1);
	head_is(&h, "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}", 1, 0, 100);
	tide_bhold_pop(&h);
	head_is(&h, "{\"@barrier\":{\"seq\":2,\"offsets\":[]}}", 2, 0, 200);
	tide_bhold_pop(&h);
	ck_assert_ptr_null(tide_bhold_head(&h));
	ck_assert_ptr_null(tide_bhold_tail(&h));
	ck_assert_uint_eq(tide_bhold_count(&h), 0);
	tide_bhold_pop(&h);	/* empty: nothing */
	ck_assert_uint_eq(tide_bhold_count(&h), 0);
	ck_assert_uint_eq(h.dropped, 0);
	tide_bhold_release(&h);
}
END_TEST

START_TEST(test_bhold_wraps_around_and_reuses_its_buffers)
{
	struct tide_bhold h;
	char line[32];
	char *first;
	int i;

	tide_bhold_init(&h, 3);
	ck_assert_int_eq(push(&h, "a-rather-long-first-line", 1, 0, 1), 1);
	first = h.v[0].line.data;
	tide_bhold_pop(&h);
	/* Ten rounds through three slots: order kept, no slot grows anew. */
	for (i = 2; i < 32; i++) {
		snprintf(line, sizeof(line), "line%d", i);
		ck_assert_int_eq(push(&h, line, i, 0, i), 1);
		if (i % 2 == 0)
			continue;
		snprintf(line, sizeof(line), "line%d", i - 1);
		head_is(&h, line, i - 1, 0, i - 1);
		tide_bhold_pop(&h);
		snprintf(line, sizeof(line), "line%d", i);
		head_is(&h, line, i, 0, i);
		tide_bhold_pop(&h);
	}
	ck_assert_uint_eq(tide_bhold_count(&h), 0);
	ck_assert_ptr_eq(h.v[0].line.data, first);
	tide_bhold_release(&h);
}
END_TEST

START_TEST(test_bhold_full_drops_the_newest_arriving)
{
	struct tide_bhold h;

	tide_bhold_init(&h, 2);
	ck_assert_int_eq(push(&h, "b1", 1, 0, 10), 1);
	ck_assert_int_eq(push(&h, "b2", 2, 0, 20), 1);
	ck_assert_int_eq(push(&h, "b3", 3, 0, 30), 0);
	ck_assert_int_eq(push(&h, "b4", 4, 0, 40), 0);
	ck_assert_uint_eq(h.dropped, 2);
	ck_assert_uint_eq(tide_bhold_count(&h), 2);
	head_is(&h, "b1", 1, 0, 10);
	tide_bhold_pop(&h);
	/* Room again: the next one is held. */
	ck_assert_int_eq(push(&h, "b5", 5, 0, 50), 1);
	head_is(&h, "b2", 2, 0, 20);
	tide_bhold_pop(&h);
	head_is(&h, "b5", 5, 0, 50);
	tide_bhold_release(&h);
}
END_TEST

START_TEST(test_bhold_full_final_takes_the_newest_slot)
{
	struct tide_bhold h;

	tide_bhold_init(&h, 2);
	ck_assert_int_eq(push(&h, "b1", 1, 0, 10), 1);
	ck_assert_int_eq(push(&h, "b2", 2, 0, 20), 1);
	ck_assert_int_eq(push(&h, "b3", 3, 1, 30), 2);
	ck_assert_uint_eq(h.dropped, 1);
	ck_assert_uint_eq(tide_bhold_count(&h), 2);
	ck_assert_int_eq(tide_bhold_tail(&h)->seq, 3);
	head_is(&h, "b1", 1, 0, 10);
	tide_bhold_pop(&h);
	head_is(&h, "b3", 3, 1, 30);
	tide_bhold_pop(&h);
	ck_assert_ptr_null(tide_bhold_head(&h));
	tide_bhold_release(&h);
}
END_TEST

START_TEST(test_bhold_refuses_a_line_past_the_barrier_cap)
{
	struct tide_bhold h;

	tide_bhold_init(&h, 0);
	ck_assert_uint_eq(h.cap, TIDE_BHOLD_CAP);
	/* The length alone is looked at: no bytes are read. */
	ck_assert_int_eq(tide_bhold_push(&h, "", TIDE_BARRIER_MAXLINE + 1,
	    1, 0, 0, 0), TIDE_ETOOBIG);
	ck_assert_uint_eq(tide_bhold_count(&h), 0);
	tide_bhold_release(&h);
	tide_bhold_release(&h);	/* twice: harmless */
}
END_TEST

Suite *suite_bhold(void);

Suite *
suite_bhold(void)
{
	Suite *s = suite_create("bhold");
	TCase *tc = tcase_create("bhold");

	tcase_add_test(tc, test_bhold_keeps_arrival_order_and_copies_lines);
	tcase_add_test(tc, test_bhold_wraps_around_and_reuses_its_buffers);
	tcase_add_test(tc, test_bhold_full_drops_the_newest_arriving);
	tcase_add_test(tc, test_bhold_full_final_takes_the_newest_slot);
	tcase_add_test(tc, test_bhold_refuses_a_line_past_the_barrier_cap);
	suite_add_tcase(s, tc);
	return s;
}
