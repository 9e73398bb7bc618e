/*
 * lib/kafka/kwatch against librdkafka's mock cluster in this process: a
 * partition filled past the mock's 5 MiB is said once, a partition under
 * it never; holds follow the API keys that the watch's requests use.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "err.h"
#include "kafka/kwatch.h"
#include "unit.h"

static struct {
	pthread_mutex_t lock;
	int n;
	char topic[64];
	int32_t partition;
	int64_t start;
} said = { PTHREAD_MUTEX_INITIALIZER, 0, "", 0, 0 };

static void
on_dropped(void *ctx, const char *topic, int32_t partition, int64_t start)
{
	(void)ctx;
	pthread_mutex_lock(&said.lock);
	said.n++;
	snprintf(said.topic, sizeof(said.topic), "%s", topic);
	said.partition = partition;
	said.start = start;
	pthread_mutex_unlock(&said.lock);
}

static int
said_n(void)
{
	int n;

	pthread_mutex_lock(&said.lock);
	n = said.n;
	pthread_mutex_unlock(&said.lock);
	return n;
}

static void
setup(void)
{
	unit_mock_start();
	unit_mock_topic("full", 1);
	unit_mock_topic("small", 2);
	said.n = 0;
}

static void
teardown(void)
{
	unit_mock_stop();
}

/* n messages of size bytes each into topic's partition 0, uncompressed. */
static void
produce(const char *topic, int n, size_t size)
{
	rd_kafka_t *rk = unit_mock_producer("compression.type", "none", NULL);
	char *buf;
	int i;

	buf = malloc(size);
	memset(buf, 'x', size);
	for (i = 0; i < n; i++)
		while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
		    RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(buf, size),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) ==
		    RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 10);
	ck_assert_int_eq(rd_kafka_flush(rk, 30000), 0);
	free(buf);
	rd_kafka_destroy(rk);
}

START_TEST(test_kwatch_says_a_dropped_partition_once)
{
	struct tide_kwatch w;
	int i;

	ck_assert_int_eq(tide_kwatch_start(&w,
	    unit_mock_boot(), 100, on_dropped, NULL), 0);
	produce("small", 100, 1024);	/* 100 KiB: kept */
	produce("full", 7000, 1024);	/* 7 MiB: the oldest go */
	/* A hang guard, not a timing: the watch looks every 100 ms. */
	for (i = 0; i < 300 && said_n() == 0; i++)
		usleep(100000);
	ck_assert_int_eq(said_n(), 1);
	ck_assert_str_eq(said.topic, "full");
	ck_assert_int_eq(said.partition, 0);
	ck_assert(said.start > 0 && said.start < 7000);
	/* Ten more rounds: once per partition, and none for "small". */
	usleep(1000000);
	ck_assert_int_eq(said_n(), 1);
	tide_kwatch_stop(&w);
}
END_TEST

START_TEST(test_kwatch_holds_by_api)
{
	struct tide_kwatch w;

	ck_assert_int_eq(tide_kwatch_start(&w,
	    unit_mock_boot(), 100, on_dropped, NULL), 0);
	ck_assert_int_eq(tide_kwatch_held(&w), 0);
	tide_kwatch_hold(&w, 0, 1);	/* Produce: not the watch's */
	tide_kwatch_hold(&w, 1, 1);	/* Fetch */
	ck_assert_int_eq(tide_kwatch_held(&w), 0);
	tide_kwatch_hold(&w, 2, 1);	/* ListOffsets */
	tide_kwatch_hold(&w, 3, 1);	/* Metadata */
	ck_assert_int_eq(tide_kwatch_held(&w), 1);
	ck_assert_ptr_null(w.rk);	/* its client is gone at once */
	tide_kwatch_hold(&w, 2, 0);
	ck_assert_int_eq(tide_kwatch_held(&w), 1);	/* Metadata still */
	tide_kwatch_hold(&w, 3, 0);
	ck_assert_int_eq(tide_kwatch_held(&w), 0);
	tide_kwatch_hold(&w, 18, 1);	/* ApiVersions */
	ck_assert_int_eq(tide_kwatch_held(&w), 1);
	tide_kwatch_stop(&w);
}
END_TEST

START_TEST(test_kwatch_held_says_nothing_until_cleared)
{
	struct tide_kwatch w;
	int i;

	ck_assert_int_eq(tide_kwatch_start(&w,
	    unit_mock_boot(), 100, on_dropped, NULL), 0);
	tide_kwatch_hold(&w, 2, 1);
	produce("full", 7000, 1024);
	usleep(1000000);		/* ten rounds it skips */
	ck_assert_int_eq(said_n(), 0);
	tide_kwatch_hold(&w, 2, 0);
	for (i = 0; i < 300 && said_n() == 0; i++)
		usleep(100000);
	ck_assert_int_eq(said_n(), 1);
	tide_kwatch_stop(&w);
}
END_TEST

Suite *suite_kwatch(void);

Suite *
suite_kwatch(void)
{
	Suite *s = suite_create("kwatch");
	TCase *tc = tcase_create("mock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_kwatch_says_a_dropped_partition_once);
	tcase_add_test(tc, test_kwatch_holds_by_api);
	tcase_add_test(tc, test_kwatch_held_says_nothing_until_cleared);
	suite_add_tcase(s, tc);
	return s;
}
