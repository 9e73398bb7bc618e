/*
 * lib/kafka/kadmin: when a timestamp is past a retention (all of it here,
 * table-driven), and the Admin requests against librdkafka's mock
 * cluster, started inside each test: the mock (librdkafka 2.0.2) names no
 * controller among its brokers, so it answers neither CreateTopics nor
 * DescribeConfigs.  What these cases show is that the failure is bounded
 * and said, and that tide_kadmin_controller() tells such a cluster.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "err.h"
#include "kafka/kadmin.h"
#include "unit.h"

#define DAY	86400000LL

START_TEST(test_kadmin_expired_is_older_than_now_minus_retention)
{
	static const struct {
		int64_t retention, ts, now;
		int want;
	} c[] = {
		/* A week's retention, now 2026-12-07T00:00:00Z. */
		{ 7 * DAY, 1796601600000LL - 7 * DAY - 1, 1796601600000LL, 1 },
		{ 7 * DAY, 1796601600000LL - 7 * DAY, 1796601600000LL, 0 },
		{ 7 * DAY, 1796601600000LL - DAY, 1796601600000LL, 0 },
		{ 7 * DAY, 1000, 1796601600000LL, 1 },
		/* From the future: never past it. */
		{ 7 * DAY, 1796601600000LL + DAY, 1796601600000LL, 0 },
		/* For ever (-1), or not known (any negative): never. */
		{ -1, 1, 1796601600000LL, 0 },
		{ -2, 1, 1796601600000LL, 0 },
		/* retention.ms 0: anything before now. */
		{ 0, 1796601600000LL - 1, 1796601600000LL, 1 },
		{ 0, 1796601600000LL, 1796601600000LL, 0 },
		/* Kafka's largest retention: no overflow, never past it. */
		{ INT64_MAX, 1, 1796601600000LL, 0 },
		/* A clock before the epoch is not trusted. */
		{ DAY, 1, -5, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(tide_kadmin_expired(c[i].retention, c[i].ts,
		    c[i].now) == c[i].want, "case %zu", i);
}
END_TEST

static rd_kafka_t *mock_rk, *rk;
static rd_kafka_mock_cluster_t *mc;

static rd_kafka_t *
client(const char *boot)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];
	rd_kafka_t *h;

	ck_assert_int_eq(rd_kafka_conf_set(conf, "log_level", "0", errstr,
	    sizeof(errstr)), RD_KAFKA_CONF_OK);
	if (boot)
		ck_assert_int_eq(rd_kafka_conf_set(conf, "bootstrap.servers",
		    boot, errstr, sizeof(errstr)), RD_KAFKA_CONF_OK);
	h = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(h != NULL, "%s", errstr);
	return h;
}

static void
setup(void)
{
	mock_rk = client(NULL);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, "ka", 3, 1), 0);
	rk = client(rd_kafka_mock_cluster_bootstraps(mc));
}

static void
teardown(void)
{
	rd_kafka_destroy(rk);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
}

/* The topics the cluster lists, as "name:partitions,...". */
static const char *
topics(void)
{
	static char buf[256];
	const struct rd_kafka_metadata *md;
	size_t n = 0;
	int i;

	ck_assert_int_eq(rd_kafka_metadata(rk, 1, NULL, &md, 5000), 0);
	buf[0] = '\0';
	for (i = 0; i < md->topic_cnt; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s:%d",
		    i ? "," : "", md->topics[i].topic,
		    md->topics[i].partition_cnt);
	rd_kafka_metadata_destroy(md);
	return buf;
}

START_TEST(test_kadmin_mock_names_no_controller)
{
	char errstr[256];

	ck_assert_int_eq(tide_kadmin_controller(rk, 5000, errstr,
	    sizeof(errstr)), 0);
}
END_TEST

START_TEST(test_kadmin_create_fails_within_the_timeout_and_creates_nothing)
{
	char errstr[256];

	ck_assert_int_eq(tide_kadmin_create(rk, "ka.new", 4, 300, errstr,
	    sizeof(errstr)), TIDE_EKAFKA);
	ck_assert_str_eq(errstr, "Failed while waiting for controller: "
	    "Local: Timed out");
	ck_assert_str_eq(topics(), "ka:3");
	/* A bad count is refused before anything is sent. */
	ck_assert_int_eq(tide_kadmin_create(rk, "ka.new", 0, 300, errstr,
	    sizeof(errstr)), TIDE_EKAFKA);
	ck_assert_str_ne(errstr, "");
	ck_assert_str_eq(topics(), "ka:3");
}
END_TEST

START_TEST(test_kadmin_retention_fails_within_the_timeout)
{
	char errstr[256];
	int64_t ms = 12345;

	ck_assert_int_eq(tide_kadmin_retention(rk, "ka", 300, &ms, errstr,
	    sizeof(errstr)), TIDE_EKAFKA);
	ck_assert_str_eq(errstr, "Failed while waiting for controller: "
	    "Local: Timed out");
	ck_assert_int_eq(ms, 12345);
}
END_TEST

Suite *
suite_kadmin(void)
{
	Suite *s = suite_create("kadmin");
	TCase *tc = tcase_create("expired");
	TCase *tk = tcase_create("mock");

	tcase_add_test(tc, test_kadmin_expired_is_older_than_now_minus_retention);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_kadmin_mock_names_no_controller);
	tcase_add_test(tk,
	    test_kadmin_create_fails_within_the_timeout_and_creates_nothing);
	tcase_add_test(tk, test_kadmin_retention_fails_within_the_timeout);
	suite_add_tcase(s, tk);
	return s;
}
