/*
 * lib/kafka/kconsumer: the event classification and end-of-range rule as
 * pure functions, then partitions, ranges, assignment and reading a range
 * to its end against librdkafka's mock cluster, started inside each test
 * (its threads do not survive Check's fork: a checked fixture).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "err.h"
#include "kafka/kconf.h"
#include "kafka/kconsumer.h"
#include "unit.h"

#define TOPIC	"kc"
#define NPART	3
#define TMO	10000

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mc;
static char boot[256];
static struct tide_kconf kconf;
static struct tide_kconsumer c;

static void
setup(void)
{
	struct tide_kconf_err kerr;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *p;
	char errstr[256], val[32], prop[300];
	int i, len;

	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(mock_rk != NULL, "%s", errstr);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	snprintf(boot, sizeof(boot), "%s", rd_kafka_mock_cluster_bootstraps(mc));
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, TOPIC, NPART, 1), 0);

	/* Partition 1: five messages; 0 and 2 empty. */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", boot, errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p != NULL, "%s", errstr);
	for (i = 0; i < 5; i++) {
		len = snprintf(val, sizeof(val), "{\"i\":%d}", i);
		ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
		    RD_KAFKA_V_PARTITION(1), RD_KAFKA_V_VALUE(val, (size_t)len),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_TIMESTAMP((int64_t)(i + 1) * 1000),
		    RD_KAFKA_V_END), 0);
	}
	ck_assert_int_eq(rd_kafka_flush(p, TMO), 0);
	rd_kafka_destroy(p);

	tide_kconf_init(&kconf);
	ck_assert_int_eq(tide_kconf_brokers(&kconf, boot), 0);
	snprintf(prop, sizeof(prop), "log_level=0");
	ck_assert_int_eq(tide_kconf_set(&kconf, prop, &kerr), 0);
	tide_kconsumer_init(&c, 5000, 1000);
}

static void
teardown(void)
{
	tide_kconsumer_close(&c, TIDE_KCONSUMER_ABANDON);
	tide_kconf_release(&kconf);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
}

static void
open_consumer(void)
{
	static const char *const extra[] = { "group.id=check_kconsumer",
		"fetch.error.backoff.ms=10", NULL };
	struct tide_kconsumer_err err;
	rd_kafka_conf_t *conf;

	ck_assert_int_eq(tide_kconsumer_conf(&c, &kconf, "check", extra,
	    TIDE_KCONSUMER_RANGES, &conf, &err), 0);
	ck_assert_int_eq(c.eof_forced, 0);
	ck_assert_int_eq(tide_kconsumer_open(&c, conf, 0, &err), 0);
	ck_assert_ptr_nonnull(c.rk);
	ck_assert_ptr_nonnull(c.q);
}

START_TEST(test_kconsumer_event_classifies_errors)
{
	rd_kafka_message_t m;

	memset(&m, 0, sizeof(m));
	memset(&c, 0, sizeof(c));
	m.err = RD_KAFKA_RESP_ERR_NO_ERROR;
	ck_assert_int_eq(tide_kconsumer_event(&c, &m), TIDE_KEV_MSG);
	m.err = RD_KAFKA_RESP_ERR__PARTITION_EOF;
	ck_assert_int_eq(tide_kconsumer_event(&c, &m), TIDE_KEV_EOF);
	m.err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
	ck_assert_int_eq(tide_kconsumer_event(&c, &m), TIDE_KEV_GONE);
	m.err = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
	ck_assert_int_eq(tide_kconsumer_event(&c, &m), TIDE_KEV_GONE);
	m.err = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
	ck_assert_int_eq(tide_kconsumer_event(&c, &m), TIDE_KEV_GONE);
}
END_TEST

START_TEST(test_kconsumer_ended_at_or_past_the_end_only)
{
	struct tide_prange r;

	ck_assert(!tide_kconsumer_ended(-1, 0));
	ck_assert(!tide_kconsumer_ended(-1, INT64_MAX));
	ck_assert(!tide_kconsumer_ended(10, 9));
	ck_assert(tide_kconsumer_ended(10, 10));
	ck_assert(tide_kconsumer_ended(10, 11));
	ck_assert(tide_kconsumer_ended(0, 0));

	memset(&r, 0, sizeof(r));
	r.start = 5;
	r.end = 5;
	ck_assert(tide_kconsumer_empty(&r));
	r.end = 6;
	ck_assert(!tide_kconsumer_empty(&r));
	r.end = -1;
	ck_assert(!tide_kconsumer_empty(&r));
	r.start = RD_KAFKA_OFFSET_STORED;
	r.end = 0;
	ck_assert(!tide_kconsumer_empty(&r));
}
END_TEST

START_TEST(test_kconsumer_outage_words)
{
	struct tide_kdown d;
	char out[512];

	tide_kdown_init(&d, 300000, 10000);
	snprintf(d.brokers, sizeof(d.brokers), "h:1");
	tide_kdown_say_back(&d, 12000, out, sizeof(out));
	ck_assert_str_eq(out, "brokers h:1 reachable again after 12s");
	tide_kdown_say_gone(&d, 300000, out, sizeof(out));
	ck_assert_str_eq(out, "brokers h:1 unreachable for 5m "
	    "(--down-timeout 5m)");
}
END_TEST

START_TEST(test_kconsumer_conf_bad_setting_is_einval)
{
	static const char *const extra[] = { "no.such.property=1", NULL };
	struct tide_kconsumer_err err;
	struct tide_kconf kc;
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	tide_kconsumer_init(&c, 0, 1000);
	ck_assert_int_eq(tide_kconsumer_conf(&c, &kc, "check", extra, 0, &conf,
	    &err), TIDE_EINVAL);
	ck_assert_ptr_null(conf);
	ck_assert_msg(strstr(err.msg, "no.such.property") != NULL, "%s",
	    err.msg);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kconsumer_conf_forces_partition_eof_for_ranges)
{
	struct tide_kconf_err kerr;
	struct tide_kconsumer_err err;
	rd_kafka_conf_t *conf;

	ck_assert_int_eq(tide_kconf_set(&kconf, "enable.partition.eof=false",
	    &kerr), 0);
	ck_assert_int_eq(tide_kconsumer_conf(&c, &kconf, "check", NULL, 0,
	    &conf, &err), 0);
	ck_assert_str_eq(unit_kconf_get(conf, "enable.partition.eof"), "false");
	rd_kafka_conf_destroy(conf);
	ck_assert_int_eq(tide_kconsumer_conf(&c, &kconf, "check", NULL,
	    TIDE_KCONSUMER_RANGES, &conf, &err), 0);
	ck_assert_int_eq(c.eof_forced, 1);
	ck_assert_str_eq(unit_kconf_get(conf, "enable.partition.eof"), "true");
	ck_assert_str_eq(unit_kconf_get(conf, "client.id"), "check");
	rd_kafka_conf_destroy(conf);
}
END_TEST

START_TEST(test_kconsumer_partitions_in_order_and_wanted)
{
	struct tide_kconsumer_err err;
	struct tide_prange *r;
	const int32_t want[] = { 2, 0 }, bad[] = { 1, 7 };

	open_consumer();
	ck_assert_int_eq(tide_kconsumer_partitions(&c, TOPIC, NULL, 0, TMO, &r,
	    &err), NPART);
	ck_assert_int_eq(r[0].partition, 0);
	ck_assert_int_eq(r[1].partition, 1);
	ck_assert_int_eq(r[2].partition, 2);
	free(r);
	ck_assert_int_eq(tide_kconsumer_partitions(&c, TOPIC, want, 2, TMO, &r,
	    &err), 2);
	ck_assert_int_eq(r[0].partition, 0);
	ck_assert_int_eq(r[1].partition, 2);
	free(r);
	ck_assert_int_eq(tide_kconsumer_partitions(&c, TOPIC, bad, 2, TMO, &r,
	    &err), TIDE_ENOENT);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.msg, "topic 'kc' has no partition 7");
	ck_assert_int_eq(tide_kconsumer_partitions(&c, "nope", NULL, 0, TMO, &r,
	    &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "topic 'nope' not found");
}
END_TEST

/* Read [1, 4) of partition 1 (and the empty others): exactly offsets 1, 2,
 * 3, and the range is seen to end. */
START_TEST(test_kconsumer_reads_a_range_to_its_end)
{
	struct tide_offspec from = { TIDE_OFF_ABS, 1 }, to = { TIDE_OFF_ABS, 4 };
	struct tide_kconsumer_err err;
	struct tide_prange *r;
	rd_kafka_message_t *msgs[16], *m;
	int64_t next = 1, t0 = tide_kdown_now();
	ssize_t n, i;
	int done = 0, got = 0;

	open_consumer();
	ck_assert_int_eq(tide_kconsumer_partitions(&c, TOPIC, NULL, 0, TMO, &r,
	    &err), NPART);
	ck_assert_int_eq(tide_kconsumer_resolve(&c, TOPIC, r, NPART, &from,
	    &to, TMO, &err), 0);
	ck_assert_int_eq(r[1].low, 0);
	ck_assert_int_eq(r[1].high, 5);
	ck_assert_int_eq(r[1].start, 1);
	ck_assert_int_eq(r[1].end, 4);
	ck_assert(tide_kconsumer_empty(&r[0]));
	ck_assert(tide_kconsumer_empty(&r[2]));
	ck_assert_int_eq(tide_kconsumer_assign(&c, TOPIC, r, NPART, 0, &err), 0);
	while (!done && tide_kdown_now() - t0 < TMO) {
		n = tide_kconsumer_take(&c, msgs, 16);
		if (n == 0) {
			n = tide_kconsumer_wait(&c, &m, 100, &err);
			ck_assert_int_ge(n, 0);
			msgs[0] = m;
		}
		for (i = 0; i < n; i++) {
			m = msgs[i];
			ck_assert_int_eq(m->partition, 1);
			switch (tide_kconsumer_event(&c, m)) {
			case TIDE_KEV_MSG:
				if (tide_kconsumer_ended(r[1].end, m->offset)) {
					done = 1;
					break;
				}
				ck_assert_int_eq(m->offset, next);
				next = m->offset + 1;
				got++;
				done = tide_kconsumer_ended(r[1].end, next);
				break;
			case TIDE_KEV_EOF:
				done = tide_kconsumer_ended(r[1].end, m->offset);
				break;
			default:
				ck_abort_msg("%s", rd_kafka_message_errstr(m));
			}
			rd_kafka_message_destroy(m);
		}
	}
	ck_assert(done);
	ck_assert_int_eq(got, 3);
	/* No outage: nothing to say. */
	{
		char say[64] = "x";
		int64_t len;

		ck_assert_int_eq(tide_kconsumer_up(&c, &len), 0);
		ck_assert_int_eq(tide_kconsumer_outage(&c, 0, 0, say,
		    sizeof(say)), TIDE_KDOWN_UP);
		ck_assert_str_eq(say, "");
	}
	tide_kconsumer_unassign(&c);
	free(r);
}
END_TEST

/* An outage is seen by the error callback; the probe ends it when the
 * brokers answer, and the words say it was noted. */
START_TEST(test_kconsumer_outage_ends_when_brokers_answer)
{
	char say[512];

	open_consumer();
	tide_kdown_begin(&c.kd, tide_kdown_now() - 2500);
	c.kd.noted = 1000;
	ck_assert_int_eq(tide_kconsumer_outage(&c, 0, 0, say, sizeof(say)),
	    TIDE_KDOWN_BACK);
	ck_assert_msg(strncmp(say, "brokers ", 8) == 0 &&
	    strstr(say, " reachable again after 2s") != NULL, "%s", say);
	ck_assert(!tide_kdown_is_down(&c.kd));
}
END_TEST

Suite *
suite_kconsumer(void)
{
	Suite *s = suite_create("kconsumer");
	TCase *tc = tcase_create("core");
	TCase *tk = tcase_create("mock");

	tcase_add_test(tc, test_kconsumer_event_classifies_errors);
	tcase_add_test(tc, test_kconsumer_ended_at_or_past_the_end_only);
	tcase_add_test(tc, test_kconsumer_outage_words);
	tcase_add_test(tc, test_kconsumer_conf_bad_setting_is_einval);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_kconsumer_conf_forces_partition_eof_for_ranges);
	tcase_add_test(tk, test_kconsumer_partitions_in_order_and_wanted);
	tcase_add_test(tk, test_kconsumer_reads_a_range_to_its_end);
	tcase_add_test(tk, test_kconsumer_outage_ends_when_brokers_answer);
	suite_add_tcase(s, tk);
	return s;
}
