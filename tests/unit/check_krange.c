/*
 * lib/kafka/krange: a topic's range read message by message, against
 * librdkafka's mock cluster (started in each test: its threads do not
 * survive Check's fork): the whole topic, an offset range over some
 * partitions, a tombstone, a topic that is not there.
 */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "err.h"
#include "kafka/kconf.h"
#include "kafka/krange.h"
#include "unit.h"

#define TMO	10000

static void
setup(void)
{
	rd_kafka_t *p;
	char v[32];
	int i;

	unit_mock_start();
	unit_mock_topic("kr", 3);
	p = unit_mock_producer(NULL);
	/* Partition i % 3 gets values i: 0..29, ten a partition. */
	for (i = 0; i < 30; i++) {
		snprintf(v, sizeof(v), "{\"i\":%d}", i);
		ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("kr"),
		    RD_KAFKA_V_PARTITION(i % 3), RD_KAFKA_V_VALUE(v, strlen(v)),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END), 0);
	}
	ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("kr"),
	    RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(NULL, 0),
	    RD_KAFKA_V_END), 0);
	ck_assert_int_eq(rd_kafka_flush(p, TMO), 0);
	rd_kafka_destroy(p);
}

static void
teardown(void)
{
	unit_mock_stop();
}

/* Read spec to the end: the sum of the values' i (-1000 for a
 * tombstone), their count into *n. */
static int
read_all(const struct tide_krange_spec *spec, int *n, int *code)
{
	struct tide_kconsumer_err err;
	struct tide_krange k;
	struct tide_kconf kc;
	const char *p;
	size_t len;
	int32_t part;
	int64_t off;
	int sum = 0, i, r = 0;

	unit_mock_kconf(&kc);
	*n = 0;
	*code = tide_krange_open(&k, &kc, "check-krange", spec, TMO, &err);
	while (*code == 0 && (r = tide_krange_next(&k, &p, &len, &part, &off,
	    &err)) == 1) {
		(*n)++;
		if (len == 0) {
			sum -= 1000;
			continue;
		}
		ck_assert_int_eq(sscanf(p, "{\"i\":%d}", &i), 1);
		ck_assert_int_eq(i % 3, part);	/* its partition */
		ck_assert_int_eq(i / 3, off);	/* and its offset */
		sum += i;
	}
	if (*code == 0)
		*code = r;
	tide_krange_close(&k);
	tide_kconf_release(&kc);
	return sum;
}

START_TEST(test_krange_reads_a_topic_to_its_end)
{
	struct tide_krange_spec spec = { .topic = "kr" };
	int n, code;

	ck_assert_int_eq(read_all(&spec, &n, &code), 435 - 1000);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(n, 31);
}
END_TEST

START_TEST(test_krange_reads_an_offset_range_of_some_partitions)
{
	static const int32_t parts[] = { 1, 2 };
	struct tide_krange_spec spec = { .topic = "kr", .parts = parts,
	    .nparts = 2, .from = { TIDE_OFF_TAIL, 2 } };
	int n, code;

	/* The last two of partitions 1 and 2: 25, 28; 26, 29. */
	ck_assert_int_eq(read_all(&spec, &n, &code), 25 + 28 + 26 + 29);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(n, 4);
	spec.from = (struct tide_offspec){ TIDE_OFF_ABS, 8 };
	spec.to = (struct tide_offspec){ TIDE_OFF_ABS, 9 };
	ck_assert_int_eq(read_all(&spec, &n, &code), 25 + 26);
	ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(test_krange_a_topic_not_there)
{
	struct tide_krange_spec spec = { .topic = "nosuch" };
	int n, code;

	read_all(&spec, &n, &code);
	ck_assert_int_eq(code, TIDE_ENOENT);
	ck_assert_int_eq(n, 0);
}
END_TEST

Suite *
suite_krange(void)
{
	Suite *s = suite_create("krange");
	TCase *tk = tcase_create("mock");

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_krange_reads_a_topic_to_its_end);
	tcase_add_test(tk, test_krange_reads_an_offset_range_of_some_partitions);
	tcase_add_test(tk, test_krange_a_topic_not_there);
	suite_add_tcase(s, tk);
	return s;
}
