/*
 * lib/kafka/kparts: the partition table of tide-source -- lookup, the
 * end-of-range and end-of-partition rules with and without a group, the
 * group's assign and revoke, totals and the --dry-run line as pure
 * functions; discovery and resolution against librdkafka's mock cluster
 * (started in each test: its threads do not survive Check's fork),
 * unknown topics, missing partitions and bad patterns included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "err.h"
#include "kafka/kconf.h"
#include "kafka/kparts.h"
#include "unit.h"

#define TMO	10000

static char *names2[] = { "a", "b" };

START_TEST(test_kparts_add_find_and_names)
{
	struct tide_kparts kp;
	struct tide_kpart *p;

	tide_kparts_init(&kp, names2, 2, 0, 0);
	ck_assert_ptr_null(tide_kparts_find(&kp, "a", 0));
	p = tide_kparts_add(&kp, "b", 3);
	ck_assert_ptr_eq(p->topic, names2[1]);	/* the caller's name */
	ck_assert_int_eq(p->end, -1);
	ck_assert_int_eq(p->next, -1);
	ck_assert_int_eq(p->committed, -1);
	p = tide_kparts_add(&kp, "matched", 0);
	ck_assert_str_eq(p->topic, "matched");
	ck_assert_uint_eq(kp.nnames, 3);
	ck_assert_ptr_eq(tide_kparts_find(&kp, "b", 3), &kp.v[0]);
	ck_assert_ptr_eq(tide_kparts_find(&kp, "matched", 0), &kp.v[1]);
	ck_assert_ptr_null(tide_kparts_find(&kp, "b", 0));
	ck_assert_ptr_null(tide_kparts_find(&kp, "c", 3));
	tide_kparts_release(&kp);
}
END_TEST

START_TEST(test_kparts_direct_read_ends_at_each_range_end)
{
	struct tide_kparts kp;
	struct tide_kpart *p, *q;

	tide_kparts_init(&kp, names2, 2, 0, 0);
	ck_assert(!tide_kparts_all_done(&kp));	/* nothing yet: not done */
	p = tide_kparts_add(&kp, "a", 0);
	q = tide_kparts_add(&kp, "a", 1);
	p->start = 0;
	p->end = 2;
	q->start = 5;
	q->end = 5;
	ck_assert_uint_eq(tide_kparts_total(&kp), 2);
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 0, 0), 1);
	ck_assert_int_eq(p->next, 1);
	ck_assert(!p->done);
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 0, 1), 1);
	ck_assert(p->done);
	/* Done: a message fetched past it is dropped. */
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 0, 2), 0);
	ck_assert(!tide_kparts_all_done(&kp));
	/* An end-of-partition event at the end finishes the other. */
	tide_kparts_eof(&kp, "a", 1, 5);
	ck_assert(q->done);
	ck_assert(tide_kparts_all_done(&kp));
	ck_assert_uint_eq(kp.ndone, 2);
	/* Unknown partitions: dropped, no harm. */
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 7, 0), 0);
	tide_kparts_eof(&kp, "zz", 0, 0);
	tide_kparts_release(&kp);
}
END_TEST

START_TEST(test_kparts_past_the_end_is_done_not_written)
{
	struct tide_kparts kp;
	struct tide_kpart *p;

	tide_kparts_init(&kp, names2, 1, 0, 0);
	p = tide_kparts_add(&kp, "a", 0);
	p->end = 4;
	/* Offsets 2 and 3 were markers: 4 comes, past the range. */
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 0, 1), 1);
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 0, 4), 0);
	ck_assert(p->done);
	ck_assert_int_eq(p->next, 2);
	/* No end: never done by a message. */
	p = tide_kparts_add(&kp, "a", 1);
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 1, 1000), 1);
	tide_kparts_eof(&kp, "a", 1, 1001);
	ck_assert(!p->done);
	ck_assert_uint_eq(tide_kparts_total(&kp), 0);
	tide_kparts_release(&kp);
}
END_TEST

START_TEST(test_kparts_group_assign_revoke_and_eof)
{
	struct tide_kparts kp;
	struct tide_kpart *p;

	tide_kparts_init(&kp, names2, 1, 1, 1);
	ck_assert(!tide_kparts_all_done(&kp));	/* none assigned */
	p = tide_kparts_assigned(&kp, "a", 2);
	ck_assert(p->assigned);
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 2, 7), 1);
	ck_assert_int_eq(p->next, 8);
	/* End of partition past next: next moves over the markers; with
	 * -e and no range, the partition is done. */
	tide_kparts_eof(&kp, "a", 2, 10);
	ck_assert_int_eq(p->next, 10);
	ck_assert(p->done);
	ck_assert(tide_kparts_all_done(&kp));
	/* Revoked: not done, not assigned, its messages dropped. */
	tide_kparts_revoked(&kp, "a", 2);
	ck_assert(!p->assigned);
	ck_assert(!p->done);
	ck_assert_uint_eq(kp.ndone, 0);
	ck_assert_int_eq(tide_kparts_msg(&kp, "a", 2, 10), 0);
	ck_assert(!tide_kparts_all_done(&kp));
	/* Assigned again: fresh. */
	p = tide_kparts_assigned(&kp, "a", 2);
	ck_assert_uint_eq(kp.n, 1);
	ck_assert_int_eq(p->next, -1);
	ck_assert_int_eq(p->end, -1);
	tide_kparts_revoked(&kp, "nope", 0);
	tide_kparts_release(&kp);
}
END_TEST

START_TEST(test_kparts_group_without_exit_is_never_done)
{
	struct tide_kparts kp;
	struct tide_kpart *p;

	tide_kparts_init(&kp, names2, 1, 1, 0);
	p = tide_kparts_assigned(&kp, "a", 0);
	tide_kparts_eof(&kp, "a", 0, 3);
	ck_assert(!p->done);
	ck_assert(!tide_kparts_all_done(&kp));
	tide_kparts_release(&kp);
}
END_TEST

START_TEST(test_kparts_range_json)
{
	struct tide_kparts kp;
	struct tide_kpart *p;
	struct tide_buf b;

	tide_buf_init(&b, TIDE_BUF_NOMAX);
	tide_kparts_init(&kp, names2, 2, 0, 0);
	p = tide_kparts_add(&kp, "b", 1);
	p->low = 2;
	p->high = 9;
	p->start = 3;
	p->end = 9;
	tide_kparts_range_json(p, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"topic\":\"b\",\"partition\":1,"
	    "\"low\":2,\"high\":9,\"start\":3,\"end\":9}\n");
	tide_buf_reset(&b);
	p->start = RD_KAFKA_OFFSET_STORED;
	p->end = -1;
	tide_kparts_range_json(p, &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"topic\":\"b\",\"partition\":1,"
	    "\"low\":2,\"high\":9,\"start\":\"stored\",\"end\":null}\n");
	tide_kparts_release(&kp);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_kparts_resume_within_the_watermarks)
{
	struct tide_kpart p;

	memset(&p, 0, sizeof(p));
	p.low = 10;
	p.high = 50;
	p.start = 10;
	p.end = 40;
	ck_assert_int_eq(tide_kparts_resume(&p, -1), 0);
	ck_assert_int_eq(p.start, 10);
	ck_assert_int_eq(tide_kparts_resume(&p, 20), 0);
	ck_assert_int_eq(p.start, 20);
	/* Past the end of the range, within the partition: at the end. */
	ck_assert_int_eq(tide_kparts_resume(&p, 45), 0);
	ck_assert_int_eq(p.start, 40);
	/* Deleted before they were read: from the low watermark. */
	ck_assert_int_eq(tide_kparts_resume(&p, 3), 1);
	ck_assert_int_eq(p.start, 10);
	/* Past the partition: not this topic's state. */
	ck_assert_int_eq(tide_kparts_resume(&p, 51), TIDE_ERANGE);
	ck_assert_int_eq(p.start, 10);
	/* No end: the offset as it is. */
	p.end = -1;
	ck_assert_int_eq(tide_kparts_resume(&p, 50), 0);
	ck_assert_int_eq(p.start, 50);
}
END_TEST

/* ---- against the mock cluster ---- */

static struct tide_kconf kconf;
static struct tide_kconsumer c;
static int warns;

static void
setup(void)
{
	unit_mock_start();
	unit_mock_topic("kp1", 2);
	unit_mock_topic("kp2", 3);
	unit_mock_topic("other", 1);
	unit_mock_kconf(&kconf);
	tide_kconsumer_init(&c, 5000, 1000);
	warns = 0;
}

static void
teardown(void)
{
	tide_kconsumer_close(&c, TIDE_KCONSUMER_ABANDON);
	tide_kconf_release(&kconf);
	unit_mock_stop();
}

static void
on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	ck_assert_str_eq(msg, "no topic matches '^nomatch' yet");
	warns++;
}

static void
open_consumer(void)
{
	static const char *const extra[] = { "group.id=check_kparts", NULL };
	struct tide_kconsumer_err err;
	rd_kafka_conf_t *conf;

	ck_assert_int_eq(tide_kconsumer_conf(&c, &kconf, "check", extra,
	    TIDE_KCONSUMER_RANGES, &conf, &err), 0);
	ck_assert_int_eq(tide_kconsumer_open(&c, conf, 0, &err), 0);
}

START_TEST(test_kparts_discover_names_patterns_and_resolve)
{
	static char *names[] = { "other", "^kp", "^nomatch" };
	struct tide_offspec from = { TIDE_OFF_BEGINNING, 0 };
	struct tide_offspec to = { TIDE_OFF_END, 0 };
	struct tide_kconsumer_err err;
	struct tide_kparts kp;
	size_t base, i, total = 0;
	int n;

	open_consumer();
	tide_kparts_init(&kp, names, 3, 0, 1);
	kp.on_warn = on_warn;
	ck_assert_int_eq(tide_kparts_discover(&kp, c.rk, NULL, 0, TMO, &err),
	    0);
	ck_assert_int_eq(warns, 1);
	ck_assert_uint_eq(kp.n, 6);
	ck_assert_str_eq(kp.v[0].topic, "other");
	ck_assert_uint_eq(kp.nnames, 5);	/* kp1, kp2 matched */
	for (i = 0; i < kp.nnames; i++) {
		n = tide_kparts_resolve(&kp, &c, i, &from, &to, TMO, &base,
		    &err);
		ck_assert_int_ge(n, 0);
		if (strcmp(kp.names[i], "kp2") == 0) {
			ck_assert_int_eq(n, 3);
			ck_assert_str_eq(kp.v[base].topic, "kp2");
		}
		total += (size_t)n;
	}
	ck_assert_uint_eq(total, 6);
	for (i = 0; i < kp.n; i++) {
		ck_assert_int_eq(kp.v[i].start, 0);
		ck_assert_int_eq(kp.v[i].end, 0);
	}
	ck_assert_uint_eq(tide_kparts_total(&kp), 0);
	/* Empty ranges: done without assigning anything. */
	ck_assert_int_eq(tide_kparts_assign(&kp, c.rk, &err), 0);
	ck_assert(tide_kparts_all_done(&kp));
	tide_kparts_release(&kp);
}
END_TEST

START_TEST(test_kparts_discover_wanted_partitions)
{
	static char *names[] = { "kp2" };
	static const int32_t want[] = { 2, 0 };
	struct tide_kconsumer_err err;
	struct tide_kparts kp;

	open_consumer();
	tide_kparts_init(&kp, names, 1, 0, 0);
	ck_assert_int_eq(tide_kparts_discover(&kp, c.rk, want, 2, TMO, &err),
	    0);
	ck_assert_uint_eq(kp.n, 2);
	ck_assert_int_eq(kp.v[0].partition + kp.v[1].partition, 2);
	tide_kparts_release(&kp);
}
END_TEST

START_TEST(test_kparts_discover_bad_input)
{
	static char *missing[] = { "kp1", "nosuch" };
	static char *badre[] = { "^(" };
	static char *nopart[] = { "kp1" };
	static const int32_t want[] = { 5 };
	struct tide_kconsumer_err err;
	struct tide_kparts kp;

	open_consumer();
	tide_kparts_init(&kp, missing, 2, 0, 0);
	ck_assert_int_eq(tide_kparts_discover(&kp, c.rk, NULL, 0, TMO, &err),
	    TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "topic 'nosuch' not found");
	tide_kparts_release(&kp);

	tide_kparts_init(&kp, badre, 1, 0, 0);
	ck_assert_int_eq(tide_kparts_discover(&kp, c.rk, NULL, 0, TMO, &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "-t: bad regular expression '^('");
	tide_kparts_release(&kp);

	tide_kparts_init(&kp, nopart, 1, 0, 0);
	ck_assert_int_eq(tide_kparts_discover(&kp, c.rk, want, 1, TMO, &err),
	    TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "topic 'kp1' has no partition 5");
	tide_kparts_release(&kp);

	/* A group finds topics but adds no partitions: the group assigns. */
	tide_kparts_init(&kp, nopart, 1, 1, 0);
	ck_assert_int_eq(tide_kparts_discover(&kp, c.rk, NULL, 0, TMO, &err),
	    0);
	ck_assert_uint_eq(kp.n, 0);
	tide_kparts_release(&kp);
}
END_TEST

Suite *
suite_kparts(void)
{
	Suite *s = suite_create("kparts");
	TCase *tc = tcase_create("core");
	TCase *tk = tcase_create("mock");

	tcase_add_test(tc, test_kparts_add_find_and_names);
	tcase_add_test(tc, test_kparts_direct_read_ends_at_each_range_end);
	tcase_add_test(tc, test_kparts_past_the_end_is_done_not_written);
	tcase_add_test(tc, test_kparts_group_assign_revoke_and_eof);
	tcase_add_test(tc, test_kparts_group_without_exit_is_never_done);
	tcase_add_test(tc, test_kparts_range_json);
	tcase_add_test(tc, test_kparts_resume_within_the_watermarks);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_kparts_discover_names_patterns_and_resolve);
	tcase_add_test(tk, test_kparts_discover_wanted_partitions);
	tcase_add_test(tk, test_kparts_discover_bad_input);
	suite_add_tcase(s, tk);
	return s;
}
