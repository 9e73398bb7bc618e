/*
 * lib/kafka/kmsg: a consumed message as the envelope tide-source -J and
 * tide-replay -J write.  The message comes from librdkafka's mock cluster,
 * started inside the test (a checked fixture: its threads do not survive
 * Check's fork), so its headers are real ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "buf.h"
#include "envelope.h"
#include "kafka/kmsg.h"
#include "unit.h"

#define TOPIC	"km"
#define TMO	10000

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mc;
static char boot[256];

static rd_kafka_t *
client(rd_kafka_type_t type, const char *const *kv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];
	rd_kafka_t *rk;

	for (; kv && kv[0]; kv += 2)
		ck_assert_msg(rd_kafka_conf_set(conf, kv[0], kv[1], errstr,
		    sizeof(errstr)) == RD_KAFKA_CONF_OK, "%s", errstr);
	rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
	ck_assert_msg(rk != NULL, "%s", errstr);
	return rk;
}

static void
setup(void)
{
	const char *kv[] = { "log_level", "0", NULL };

	mock_rk = client(RD_KAFKA_PRODUCER, kv);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	snprintf(boot, sizeof(boot), "%s", rd_kafka_mock_cluster_bootstraps(mc));
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, TOPIC, 1, 1), 0);
}

static void
teardown(void)
{
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
}

/* Produce the messages, then consume them all into envelopes: out with
 * their headers, bare without. */
static void
roundtrip(struct tide_buf *out, struct tide_buf *bare)
{
	const char *pkv[] = { "bootstrap.servers", boot, "linger.ms", "0",
		"log_level", "0", NULL };
	const char *ckv[] = { "bootstrap.servers", boot, "group.id", "km",
		"enable.partition.eof", "true", "log_level", "0",
		"fetch.wait.max.ms", "10", NULL };
	rd_kafka_topic_partition_list_t *tl;
	struct tide_env_hdr *hdrs = NULL;
	struct tide_env e;
	rd_kafka_headers_t *hs;
	rd_kafka_message_t *m;
	rd_kafka_t *p, *c;
	size_t cap = 0;
	int eof = 0;

	p = client(RD_KAFKA_PRODUCER, pkv);
	hs = rd_kafka_headers_new(10);
	for (int i = 0; i < 10; i++) {
		char n[16];

		snprintf(n, sizeof(n), "h%d", i);
		rd_kafka_header_add(hs, n, -1, i == 9 ? NULL : "v", i == 9 ? 0 : 1);
	}
	ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
	    RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("k1", 2),
	    RD_KAFKA_V_VALUE("{\"a\":1}", 7), RD_KAFKA_V_TIMESTAMP(1000),
	    RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_END), 0);
	ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
	    RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE("hello", 5),
	    RD_KAFKA_V_TIMESTAMP(2000), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_END), 0);
	ck_assert_int_eq(rd_kafka_flush(p, TMO), 0);
	rd_kafka_destroy(p);

	c = client(RD_KAFKA_CONSUMER, ckv);
	rd_kafka_poll_set_consumer(c);
	tl = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tl, TOPIC, 0)->offset =
	    RD_KAFKA_OFFSET_BEGINNING;
	ck_assert_int_eq(rd_kafka_assign(c, tl), 0);
	rd_kafka_topic_partition_list_destroy(tl);
	while (!eof && (m = rd_kafka_consumer_poll(c, TMO)) != NULL) {
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eof = 1;
		else {
			ck_assert_msg(m->err == 0, "%s",
			    rd_kafka_message_errstr(m));
			/* Without the array: no headers, the rest the
			 * same. */
			tide_kmsg_env(m, &e, NULL, NULL);
			ck_assert_uint_eq(e.nhdrs, 0);
			ck_assert_ptr_null(e.hdrs);
			ck_assert_int_eq(tide_env_encode(bare, &e), 0);
			tide_buf_addc(bare, '\n');
			tide_kmsg_env(m, &e, &hdrs, &cap);
			ck_assert_int_eq(tide_env_encode(out, &e), 0);
			tide_buf_addc(out, '\n');
		}
		rd_kafka_message_destroy(m);
	}
	ck_assert(eof);
	/* Ten headers: the array grew past its first 8. */
	ck_assert_uint_ge(cap, 10);
	free(hdrs);
	rd_kafka_assign(c, NULL);
	rd_kafka_destroy(c);
}

START_TEST(test_kmsg_env_holds_key_headers_time_and_value)
{
	struct tide_buf out, bare;

	tide_buf_init(&out, TIDE_BUF_NOMAX);
	tide_buf_init(&bare, TIDE_BUF_NOMAX);
	roundtrip(&out, &bare);
	tide_buf_addc(&out, '\0');
	tide_buf_addc(&bare, '\0');
	ck_assert_str_eq(bare.data,
	    "{\"topic\":\"km\",\"partition\":0,\"offset\":0,\"ts\":1000,"
	    "\"ts_type\":\"create\",\"key\":\"k1\",\"headers\":[],"
	    "\"value\":{\"a\":1}}\n"
	    "{\"topic\":\"km\",\"partition\":0,\"offset\":1,\"ts\":2000,"
	    "\"ts_type\":\"create\","
	    "\"key\":null,\"headers\":[],\"value\":\"hello\"}\n");
	tide_buf_release(&bare);
	ck_assert_str_eq(out.data,
	    "{\"topic\":\"km\",\"partition\":0,\"offset\":0,\"ts\":1000,"
	    "\"ts_type\":\"create\","
	    "\"key\":\"k1\",\"headers\":[[\"h0\",\"v\"],[\"h1\",\"v\"],"
	    "[\"h2\",\"v\"],[\"h3\",\"v\"],[\"h4\",\"v\"],[\"h5\",\"v\"],"
	    "[\"h6\",\"v\"],[\"h7\",\"v\"],[\"h8\",\"v\"],[\"h9\",null]],"
	    "\"value\":{\"a\":1}}\n"
	    "{\"topic\":\"km\",\"partition\":0,\"offset\":1,\"ts\":2000,"
	    "\"ts_type\":\"create\","
	    "\"key\":null,\"headers\":[],\"value\":\"hello\"}\n");
	tide_buf_release(&out);
}
END_TEST

Suite *
suite_kmsg(void)
{
	Suite *s = suite_create("kmsg");
	TCase *tk = tcase_create("mock");

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_kmsg_env_holds_key_headers_time_and_value);
	suite_add_tcase(s, tk);
	return s;
}
