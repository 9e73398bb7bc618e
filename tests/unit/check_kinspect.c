/*
 * lib/kafka/kinspect's pure part: messages counted into their partition's
 * row, the totals, and the text and JSON of -L, --lag and --summary, from
 * tables filled by hand (the requests: tests/kafka/inspect.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kafka/kinspect.h"
#include "unit.h"

static struct tide_kinspect t;
static struct tide_buf b;

static void
setup(void)
{
	tide_kinspect_init(&t);
	tide_buf_init(&b, TIDE_BUF_NOMAX);
}

static void
teardown(void)
{
	tide_kinspect_release(&t);
	tide_buf_release(&b);
}

static const char *
fmt(enum tide_kinspect_what what, int json)
{
	tide_buf_reset(&b);
	tide_kinspect_fmt(&t, what, json, "g", &b);
	return tide_buf_cstr(&b);
}

START_TEST(test_kinspect_count)
{
	tide_kinspect_add(&t, "tx", 1);
	tide_kinspect_add(&t, "tx", 0);
	tide_kinspect_add(&t, "a.b", 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "tx", 0, 2000), 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "tx", 0, 1000), 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "tx", 0, -1), 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "tx", 1, 5), 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "tx", 2, 5), -1);
	ck_assert_int_eq(tide_kinspect_count(&t, "nope", 0, 5), -1);
	ck_assert_str_eq(fmt(TIDE_KINSPECT_SUMMARY, 1), "{\"partitions\":["
	    "{\"topic\":\"a.b\",\"partition\":0,\"count\":0,\"min_ts\":null,"
	    "\"max_ts\":null},"
	    "{\"topic\":\"tx\",\"partition\":0,\"count\":3,\"min_ts\":1000,"
	    "\"max_ts\":2000},"
	    "{\"topic\":\"tx\",\"partition\":1,\"count\":1,\"min_ts\":5,"
	    "\"max_ts\":5}],\"count\":4,\"min_ts\":5,\"max_ts\":2000}\n");
	ck_assert_str_eq(fmt(TIDE_KINSPECT_SUMMARY, 0),
	    "topic  partition  count  min_ts                    max_ts\n"
	    "a.b    0          0      -                         -\n"
	    "tx     0          3      1970-01-01T00:00:01.000Z  1970-01-01T00:00:02.000Z\n"
	    "tx     1          1      1970-01-01T00:00:00.005Z  1970-01-01T00:00:00.005Z\n"
	    "total             4      1970-01-01T00:00:00.005Z  1970-01-01T00:00:02.000Z\n");
}
END_TEST

START_TEST(test_kinspect_summary_empty)
{
	ck_assert_str_eq(fmt(TIDE_KINSPECT_SUMMARY, 1), "{\"partitions\":[],"
	    "\"count\":0,\"min_ts\":null,\"max_ts\":null}\n");
	ck_assert_str_eq(fmt(TIDE_KINSPECT_SUMMARY, 0),
	    "topic  partition  count  min_ts  max_ts\n"
	    "total             0      -       -\n");
}
END_TEST

/* Files: a row each, in the order given, no partition. */
START_TEST(test_kinspect_files)
{
	tide_kinspect_add(&t, "z.ndjson", -1);
	tide_kinspect_add(&t, "-", -1);
	tide_kinspect_add(&t, "a \"b\".csv", -1);
	ck_assert_int_eq(tide_kinspect_count(&t, "-", -1, 7), 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "z.ndjson", -1, 9), 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "z.ndjson", -1, 8), 0);
	ck_assert_int_eq(tide_kinspect_count(&t, "z.ndjson", 0, 8), -1);
	ck_assert_str_eq(fmt(TIDE_KINSPECT_SUMMARY, 0),
	    "file       count  min_ts                    max_ts\n"
	    "z.ndjson   2      1970-01-01T00:00:00.008Z  1970-01-01T00:00:00.009Z\n"
	    "-          1      1970-01-01T00:00:00.007Z  1970-01-01T00:00:00.007Z\n"
	    "a \"b\".csv  0      -                         -\n"
	    "total      3      1970-01-01T00:00:00.007Z  1970-01-01T00:00:00.009Z\n");
	ck_assert_str_eq(fmt(TIDE_KINSPECT_SUMMARY, 1), "{\"files\":["
	    "{\"file\":\"z.ndjson\",\"count\":2,\"min_ts\":8,\"max_ts\":9},"
	    "{\"file\":\"-\",\"count\":1,\"min_ts\":7,\"max_ts\":7},"
	    "{\"file\":\"a \\\"b\\\".csv\",\"count\":0,\"min_ts\":null,"
	    "\"max_ts\":null}],\"count\":3,\"min_ts\":7,\"max_ts\":9}\n");
}
END_TEST

START_TEST(test_kinspect_lag)
{
	struct tide_kinspect_row *r;

	r = tide_kinspect_add(&t, "a-long-topic", 10);
	r->high = 1000000;
	r->committed = 1;
	r = tide_kinspect_add(&t, "a-long-topic", 2);
	r->high = 7;		/* no commit */
	r = tide_kinspect_add(&t, "b\"q", 0);
	r->high = 3;
	r->committed = 5;	/* past the end: no lag, not negative */
	r = tide_kinspect_add(&t, "a-long-topic", 1);
	r->high = 4;
	r->committed = 4;
	ck_assert_str_eq(fmt(TIDE_KINSPECT_LAG, 0),
	    "topic         partition  committed  end      lag\n"
	    "a-long-topic  1          4          4        0\n"
	    "a-long-topic  2          -          7        -\n"
	    "a-long-topic  10         1          1000000  999999\n"
	    "b\"q           0          5          3        0\n"
	    "total                                        999999\n");
	ck_assert_str_eq(fmt(TIDE_KINSPECT_LAG, 1), "{\"group\":\"g\","
	    "\"partitions\":["
	    "{\"topic\":\"a-long-topic\",\"partition\":1,\"committed\":4,"
	    "\"end\":4,\"lag\":0},"
	    "{\"topic\":\"a-long-topic\",\"partition\":2,\"committed\":null,"
	    "\"end\":7,\"lag\":null},"
	    "{\"topic\":\"a-long-topic\",\"partition\":10,\"committed\":1,"
	    "\"end\":1000000,\"lag\":999999},"
	    "{\"topic\":\"b\\\"q\",\"partition\":0,\"committed\":5,"
	    "\"end\":3,\"lag\":0}],\"lag\":999999,\"uncommitted\":1}\n");
}
END_TEST

START_TEST(test_kinspect_list)
{
	struct tide_kinspect_row *r;

	t.brokers = calloc(2, sizeof(*t.brokers));
	t.brokers[0].id = 1;
	t.brokers[0].name = strdup("h1:9092");
	t.brokers[1].id = 2;
	t.brokers[1].name = strdup("h2:9092");
	t.nbrokers = 2;
	r = tide_kinspect_add(&t, "t", 1);
	r->leader = 2;
	r->replicas[0] = 2, r->replicas[1] = 1, r->nreplicas = 2;
	r->isrs[0] = 2, r->nisrs = 1;
	r->low = 5, r->high = 9;
	r = tide_kinspect_add(&t, "s", 0);
	r->leader = 1;
	r->replicas[0] = 1, r->nreplicas = 1;
	r->isrs[0] = 1, r->nisrs = 1;
	r->low = 0, r->high = 0;
	ck_assert_str_eq(fmt(TIDE_KINSPECT_LIST, 0),
	    " 2 brokers:\n"
	    "  broker 1 at h1:9092\n"
	    "  broker 2 at h2:9092\n"
	    " 2 topics:\n"
	    "  topic \"s\" with 1 partitions:\n"
	    "    partition 0, leader 1, replicas: 1, isrs: 1, low 0, high 0\n"
	    "  topic \"t\" with 1 partitions:\n"
	    "    partition 1, leader 2, replicas: 2,1, isrs: 2, low 5, high 9\n");
	ck_assert_str_eq(fmt(TIDE_KINSPECT_LIST, 1), "{\"brokers\":["
	    "{\"id\":1,\"name\":\"h1:9092\"},{\"id\":2,\"name\":\"h2:9092\"}],"
	    "\"topics\":[{\"topic\":\"s\",\"partitions\":[{\"partition\":0,"
	    "\"leader\":1,\"replicas\":[1],\"isrs\":[1],\"low\":0,\"high\":0}]},"
	    "{\"topic\":\"t\",\"partitions\":[{\"partition\":1,\"leader\":2,"
	    "\"replicas\":[2,1],\"isrs\":[2],\"low\":5,\"high\":9}]}]}\n");
}
END_TEST

START_TEST(test_kinspect_list_empty)
{
	ck_assert_str_eq(fmt(TIDE_KINSPECT_LIST, 0),
	    " 0 brokers:\n 0 topics:\n");
	ck_assert_str_eq(fmt(TIDE_KINSPECT_LIST, 1),
	    "{\"brokers\":[],\"topics\":[]}\n");
}
END_TEST

Suite *suite_kinspect(void);

Suite *
suite_kinspect(void)
{
	Suite *s = suite_create("kinspect");
	TCase *tc = tcase_create("fmt");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_kinspect_count);
	tcase_add_test(tc, test_kinspect_summary_empty);
	tcase_add_test(tc, test_kinspect_files);
	tcase_add_test(tc, test_kinspect_lag);
	tcase_add_test(tc, test_kinspect_list);
	tcase_add_test(tc, test_kinspect_list_empty);
	suite_add_tcase(s, tc);
	return s;
}
