/*
 * lib/kafka/offsets: parsing -o specs, and resolving ranges against librdkafka's
 * mock cluster, started inside each test (the mock runs threads, which do
 * not survive Check's fork, so the fixture is a checked one).  The mock
 * answers offsets-for-times with -1, so every time here is found by the
 * binary search over message timestamps -- the path under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "err.h"
#include "kafka/offsets.h"
#include "unit.h"

#define TOPIC	"ts"
#define NPART	4
#define TMO	10000

/*
 * The data, by partition:
 *   0: ten messages at 1000, 2000 ... 10000 (offset i at (i + 1) * 1000)
 *   1: empty
 *   2: repeated timestamps 100 100 200 200 200 300
 *   3: one message at 5000
 */
static const int64_t p0_ts[] = { 1000, 2000, 3000, 4000, 5000, 6000, 7000,
	8000, 9000, 10000 };
static const int64_t p2_ts[] = { 100, 100, 200, 200, 200, 300 };
static const int64_t p3_ts[] = { 5000 };

static rd_kafka_t *mock_rk, *consumer;
static rd_kafka_mock_cluster_t *mc;
static char boot[256];

static rd_kafka_conf_t *
conf_for(const char *const *kv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];

	for (; kv[0]; kv += 2)
		ck_assert_msg(rd_kafka_conf_set(conf, kv[0], kv[1], errstr,
		    sizeof(errstr)) == RD_KAFKA_CONF_OK, "%s: %s", kv[0], errstr);
	return conf;
}

static void
produce(rd_kafka_t *p, int32_t part, const int64_t *ts, size_t n)
{
	char val[32];
	size_t i;

	for (i = 0; i < n; i++) {
		int len = snprintf(val, sizeof(val), "{\"i\":%zu}", i);

		ck_assert_int_eq(rd_kafka_producev(p,
		    RD_KAFKA_V_TOPIC(TOPIC),
		    RD_KAFKA_V_PARTITION(part),
		    RD_KAFKA_V_VALUE(val, (size_t)len),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_TIMESTAMP(ts[i]),
		    RD_KAFKA_V_END), 0);
	}
}

static rd_kafka_t *
new_consumer(const char *brokers)
{
	const char *kv[] = {
		"bootstrap.servers", brokers,
		"group.id", "check_offsets",
		"enable.partition.eof", "true",
		"enable.auto.commit", "false",
		"fetch.wait.max.ms", "10",
		"fetch.error.backoff.ms", "10",
		"log_level", "0",
		NULL,
	};
	char errstr[256];
	rd_kafka_t *rk;

	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf_for(kv), errstr,
	    sizeof(errstr));
	ck_assert_msg(rk != NULL, "%s", errstr);
	return rk;
}

static void
setup(void)
{
	const char *mkv[] = { "log_level", "0", NULL };
	const char *pkv[] = { "bootstrap.servers", NULL, "linger.ms", "0",
		"log_level", "0", NULL };
	char errstr[256];
	rd_kafka_t *p;

	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf_for(mkv), errstr,
	    sizeof(errstr));
	ck_assert_msg(mock_rk != NULL, "%s", errstr);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	snprintf(boot, sizeof(boot), "%s", rd_kafka_mock_cluster_bootstraps(mc));
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, TOPIC, NPART, 1), 0);

	pkv[1] = boot;
	p = rd_kafka_new(RD_KAFKA_PRODUCER, conf_for(pkv), errstr,
	    sizeof(errstr));
	ck_assert_msg(p != NULL, "%s", errstr);
	produce(p, 0, p0_ts, sizeof(p0_ts) / sizeof(p0_ts[0]));
	produce(p, 2, p2_ts, sizeof(p2_ts) / sizeof(p2_ts[0]));
	produce(p, 3, p3_ts, sizeof(p3_ts) / sizeof(p3_ts[0]));
	ck_assert_int_eq(rd_kafka_flush(p, TMO), 0);
	ck_assert_int_eq(rd_kafka_outq_len(p), 0);
	rd_kafka_destroy(p);
	consumer = new_consumer(boot);
}

static void
teardown(void)
{
	rd_kafka_consumer_close(consumer);
	rd_kafka_destroy(consumer);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
}

/* Resolve all four partitions with from and to. */
static void
resolve(const struct tide_offspec *from, const struct tide_offspec *to,
    struct tide_prange *r)
{
	struct tide_offsets_err err;
	int i;

	memset(r, 0, NPART * sizeof(*r));
	for (i = 0; i < NPART; i++)
		r[i].partition = i;
	err.msg[0] = '\0';
	ck_assert_msg(tide_offsets_resolve(consumer, TOPIC, r, NPART, from, to,
	    TMO, &err) == 0, "%s", err.msg);
}

static struct tide_offspec
at(int64_t ms)
{
	struct tide_offspec o = { TIDE_OFF_TIME, ms };

	return o;
}

static struct tide_offspec
kind(enum tide_off_kind k, int64_t v)
{
	struct tide_offspec o = { k, v };

	return o;
}

#define RANGE(p, s, e) do {						\
	ck_assert_int_eq(r[p].start, (s));				\
	ck_assert_int_eq(r[p].end, (e));				\
} while (0)

/* ---- tide_offspec_parse ----------------------------------------------- */

START_TEST(test_offspec_parse_accepts_words_and_numbers)
{
	static const struct {
		const char *s;
		enum tide_off_kind kind;
		int64_t v;
	} ok[] = {
		{ "beginning", TIDE_OFF_BEGINNING, 0 },
		{ "end", TIDE_OFF_END, 0 },
		{ "stored", TIDE_OFF_STORED, 0 },
		{ "0", TIDE_OFF_ABS, 0 },
		{ "42", TIDE_OFF_ABS, 42 },
		{ "007", TIDE_OFF_ABS, 7 },
		{ "9223372036854775807", TIDE_OFF_ABS, INT64_MAX },
		{ "-5", TIDE_OFF_TAIL, 5 },
		{ "-0", TIDE_OFF_TAIL, 0 },
		{ "-9223372036854775807", TIDE_OFF_TAIL, INT64_MAX },
	};
	struct tide_offspec o;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(tide_offspec_parse(ok[i].s, &o) == 0, "%s",
		    ok[i].s);
		ck_assert_msg(o.kind == ok[i].kind, "%s: kind %d", ok[i].s,
		    (int)o.kind);
		ck_assert_msg(o.v == ok[i].v, "%s: v %lld", ok[i].s,
		    (long long)o.v);
	}
}
END_TEST

START_TEST(test_offspec_parse_rejects_anything_else)
{
	static const char *const bad[] = {
		"", "-", "--5", "+5", " 5", "5 ", "5x", "x", "0x10", "1e3",
		"1.5", "Beginning", "begin", "END", "ends", "stored ",
		"9223372036854775808", "-9223372036854775808",
		"99999999999999999999",
	};
	struct tide_offspec o;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.kind = TIDE_OFF_ABS;
		o.v = 99;
		ck_assert_msg(tide_offspec_parse(bad[i], &o) == TIDE_EINVAL,
		    "'%s' accepted", bad[i]);
		/* Nothing half-parsed is left behind. */
		ck_assert_int_eq(o.kind, TIDE_OFF_NONE);
		ck_assert_int_eq(o.v, 0);
	}
}
END_TEST

/* ---- against the mock cluster ----------------------------------------- */

START_TEST(test_offsets_partitions_lists_the_topic)
{
	struct tide_offsets_err err;
	int32_t *parts = NULL;
	int n, i;

	n = tide_offsets_partitions(consumer, TOPIC, TMO, &parts, &err);
	ck_assert_int_eq(n, NPART);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(parts[i], i);
	free(parts);
}
END_TEST

START_TEST(test_offsets_partitions_unknown_topic_is_enoent)
{
	struct tide_offsets_err err;
	int32_t *parts = NULL;

	ck_assert_int_eq(tide_offsets_partitions(consumer, "nope", TMO, &parts,
	    &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "topic 'nope' not found");
	ck_assert_ptr_null(parts);
}
END_TEST

START_TEST(test_offsets_unreachable_brokers_fail_within_the_timeout)
{
	struct tide_offsets_err err;
	struct tide_prange r = { 0 };
	struct tide_offspec b = kind(TIDE_OFF_BEGINNING, 0);
	int32_t *parts = NULL;
	rd_kafka_t *rk;

	/* A port nothing listens on: the mock is running, just not there. */
	rk = new_consumer("127.0.0.1:1");
	ck_assert_int_eq(tide_offsets_partitions(rk, TOPIC, 300, &parts, &err),
	    TIDE_EKAFKA);
	ck_assert_str_eq(err.msg, "brokers unreachable");
	ck_assert_int_eq(tide_offsets_resolve(rk, TOPIC, &r, 1, &b, NULL, 300,
	    &err), TIDE_EKAFKA);
	ck_assert_msg(strncmp(err.msg, "watermarks of 'ts' [0]: ", 24) == 0,
	    "%s", err.msg);
	rd_kafka_destroy(rk);
}
END_TEST

START_TEST(test_offsets_times_at_exact_boundaries)
{
	struct tide_prange r[NPART];
	struct tide_offspec from = at(3000), to = at(7000);

	resolve(&from, &to, r);
	ck_assert_int_eq(r[0].low, 0);
	ck_assert_int_eq(r[0].high, 10);
	/* From is inclusive, to exclusive: 3000..6000 at offsets 2..5. */
	RANGE(0, 2, 6);
	ck_assert_int_eq(r[0].searched, 1);
	/* The one message at 5000 is inside. */
	RANGE(3, 0, 1);
	ck_assert_int_eq(r[3].searched, 1);
	/* Every repeated stamp is before 3000: empty, at the end. */
	RANGE(2, 6, 6);
}
END_TEST

START_TEST(test_offsets_times_between_messages)
{
	struct tide_prange r[NPART];
	struct tide_offspec from = at(2500), to = at(7001);

	resolve(&from, &to, r);
	RANGE(0, 2, 7);
	from = at(4999);
	to = at(5000);
	resolve(&from, &to, r);
	/* [4999, 5000) holds nothing in either partition. */
	RANGE(0, 4, 4);
	RANGE(3, 0, 0);
	from = at(5000);
	to = at(5001);
	resolve(&from, &to, r);
	RANGE(0, 4, 5);
	RANGE(3, 0, 1);
}
END_TEST

START_TEST(test_offsets_times_repeated_stamps_give_the_first)
{
	struct tide_prange r[NPART];
	struct tide_offspec from = at(200), to = at(300);

	resolve(&from, &to, r);
	RANGE(2, 2, 5);
	from = at(100);
	to = at(200);
	resolve(&from, &to, r);
	RANGE(2, 0, 2);
	from = at(150);
	to = at(301);
	resolve(&from, &to, r);
	RANGE(2, 2, 6);
}
END_TEST

START_TEST(test_offsets_times_before_first_and_after_last)
{
	struct tide_prange r[NPART];
	struct tide_offspec from = at(0), to = at(50);

	/* Both before the first message: an empty range at the start. */
	resolve(&from, &to, r);
	RANGE(0, 0, 0);
	RANGE(2, 0, 0);
	RANGE(3, 0, 0);
	/* An end before one partition's first message and after another's
	 * last. */
	to = at(500);
	resolve(&from, &to, r);
	RANGE(0, 0, 0);
	RANGE(2, 0, 6);
	/* Both after the last: an empty range at the high watermark. */
	from = at(20000);
	to = at(30000);
	resolve(&from, &to, r);
	RANGE(0, 10, 10);
	RANGE(2, 6, 6);
	RANGE(3, 1, 1);
	/* Around everything: the whole partition. */
	from = at(1);
	to = at(INT64_MAX / 2);
	resolve(&from, &to, r);
	RANGE(0, 0, 10);
	RANGE(2, 0, 6);
	RANGE(3, 0, 1);
}
END_TEST

START_TEST(test_offsets_times_on_an_empty_partition)
{
	struct tide_prange r[NPART];
	struct tide_offspec from = at(1000), to = at(5000);

	resolve(&from, &to, r);
	ck_assert_int_eq(r[1].low, 0);
	ck_assert_int_eq(r[1].high, 0);
	RANGE(1, 0, 0);
	/* Nothing to search in. */
	ck_assert_int_eq(r[1].searched, 0);
	/* Only a start: the end stays open. */
	resolve(&from, NULL, r);
	RANGE(1, 0, -1);
	RANGE(0, 0, -1);
}
END_TEST

START_TEST(test_offsets_positions_clamp_to_the_watermarks)
{
	struct tide_prange r[NPART];
	struct tide_offspec from, to;

	from = kind(TIDE_OFF_BEGINNING, 0);
	to = kind(TIDE_OFF_END, 0);
	resolve(&from, &to, r);
	RANGE(0, 0, 10);
	RANGE(1, 0, 0);
	ck_assert_int_eq(r[0].searched, 0);
	from = kind(TIDE_OFF_TAIL, 3);
	resolve(&from, &to, r);
	RANGE(0, 7, 10);
	RANGE(2, 3, 6);
	RANGE(3, 0, 1);	/* fewer than 3: from the start */
	from = kind(TIDE_OFF_ABS, 4);
	to = kind(TIDE_OFF_ABS, 8);
	resolve(&from, &to, r);
	RANGE(0, 4, 8);
	RANGE(2, 4, 6);	/* the end clamps to the high watermark */
	RANGE(3, 1, 1);	/* a start past the end: empty */
	/* Past the high watermark with no end: wait for it to be written. */
	from = kind(TIDE_OFF_ABS, 50);
	resolve(&from, NULL, r);
	RANGE(0, 50, -1);
	from = kind(TIDE_OFF_END, 0);
	resolve(&from, NULL, r);
	RANGE(0, 10, -1);
	RANGE(1, 0, -1);
	from = kind(TIDE_OFF_STORED, 0);
	to = at(5000);
	resolve(&from, &to, r);
	ck_assert_int_eq(r[0].start, RD_KAFKA_OFFSET_STORED);
	ck_assert_int_eq(r[0].end, 4);
	/* No start given: the beginning. */
	resolve(NULL, &to, r);
	RANGE(0, 0, 4);
}
END_TEST

Suite *
suite_offsets(void)
{
	Suite *s = suite_create("offsets");
	TCase *tc = tcase_create("parse");
	TCase *tk = tcase_create("mock");

	tcase_add_test(tc, test_offspec_parse_accepts_words_and_numbers);
	tcase_add_test(tc, test_offspec_parse_rejects_anything_else);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_offsets_partitions_lists_the_topic);
	tcase_add_test(tk, test_offsets_partitions_unknown_topic_is_enoent);
	tcase_add_test(tk, test_offsets_unreachable_brokers_fail_within_the_timeout);
	tcase_add_test(tk, test_offsets_times_at_exact_boundaries);
	tcase_add_test(tk, test_offsets_times_between_messages);
	tcase_add_test(tk, test_offsets_times_repeated_stamps_give_the_first);
	tcase_add_test(tk, test_offsets_times_before_first_and_after_last);
	tcase_add_test(tk, test_offsets_times_on_an_empty_partition);
	tcase_add_test(tk, test_offsets_positions_clamp_to_the_watermarks);
	suite_add_tcase(s, tk);
	return s;
}
