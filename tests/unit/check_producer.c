/*
 * lib/kafka/producer: every record produced is reported once, delivered
 * or failed; unreachable brokers are an error at start, within the time
 * given.  (The mock cluster creates any topic asked for, so an unknown
 * topic is not tested here.)  Against librdkafka's mock cluster, started inside
 * each test (a checked fixture: its threads do not survive Check's fork).
 */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "err.h"
#include "kafka/producer.h"
#include "unit.h"

#define TOPIC	"pr"
#define TMO	10000

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mc;
static char boot[256];
static int reports_ok, reports_failed;

static rd_kafka_conf_t *
conf_for(const char *brokers)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];

	ck_assert(rd_kafka_conf_set(conf, "log_level", "0", errstr,
	    sizeof(errstr)) == RD_KAFKA_CONF_OK);
	if (brokers)
		ck_assert(rd_kafka_conf_set(conf, "bootstrap.servers", brokers,
		    errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK);
	ck_assert(rd_kafka_conf_set(conf, "linger.ms", "0", errstr,
	    sizeof(errstr)) == RD_KAFKA_CONF_OK);
	return conf;
}

static void
setup(void)
{
	char errstr[256];

	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf_for(NULL), errstr,
	    sizeof(errstr));
	ck_assert_msg(mock_rk != NULL, "%s", errstr);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	snprintf(boot, sizeof(boot), "%s", rd_kafka_mock_cluster_bootstraps(mc));
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, TOPIC, 2, 1), 0);
	reports_ok = reports_failed = 0;
}

static void
teardown(void)
{
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
}

static void
on_delivery(void *ctx, const rd_kafka_message_t *m)
{
	(void)ctx;
	if (m->err)
		reports_failed++;
	else
		reports_ok++;
}

START_TEST(test_producer_reports_every_record_once)
{
	struct tide_producer p;
	struct tide_msg m;
	rd_kafka_resp_err_t err;
	char val[32];
	int i;

	memset(&p, 0, sizeof(p));
	p.on_delivery = on_delivery;
	ck_assert_msg(tide_producer_new(&p, conf_for(boot), TOPIC, TMO) == 0,
	    "%s", p.errstr);
	ck_assert_int_eq(p.npart, 2);
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 100; i++) {
		m.partition = i % 2;
		m.len = (size_t)snprintf(val, sizeof(val), "{\"i\":%d}", i);
		m.value = val;
		m.ts = 1000 + i;
		ck_assert_int_eq(tide_producer_send(&p, &m, &err), 0);
	}
	ck_assert_uint_eq(p.sent, 100);
	ck_assert_uint_eq(tide_producer_drain(&p, TMO), 0);
	ck_assert_uint_eq(tide_producer_pending(&p), 0);
	ck_assert_int_eq(reports_ok, 100);
	ck_assert_int_eq(reports_failed, 0);
	ck_assert_uint_eq(p.delivered, 100);
	/* A partition the topic lacks: refused at once, never reported. */
	m.partition = 7;
	ck_assert_int_eq(tide_producer_send(&p, &m, &err), TIDE_EKAFKA);
	ck_assert_int_eq(err, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
	ck_assert_uint_eq(tide_producer_drain(&p, TMO), 0);
	ck_assert_int_eq(reports_ok + reports_failed, 100);
	tide_producer_release(&p);
}
END_TEST

START_TEST(test_producer_unreachable_brokers_fail_within_the_timeout)
{
	struct tide_producer p;

	memset(&p, 0, sizeof(p));
	p.on_delivery = on_delivery;
	/* Port 1 on loopback: refused at once, for as long as we try. */
	ck_assert_int_eq(tide_producer_new(&p, conf_for("127.0.0.1:1"), TOPIC,
	    500), TIDE_EKAFKA);
	ck_assert_str_ne(p.errstr, "");
	tide_producer_release(&p);
}
END_TEST

Suite *
suite_producer(void)
{
	Suite *s = suite_create("producer");
	TCase *tk = tcase_create("mock");

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_producer_reports_every_record_once);
	tcase_add_test(tk, test_producer_unreachable_brokers_fail_within_the_timeout);
	suite_add_tcase(s, tk);
	return s;
}
