/*
 * lib/kafka/ktable: a changelog topic on librdkafka's mock cluster,
 * started inside each test (its threads do not survive Check's fork: a
 * checked fixture), read into a live table: loading to the end as of
 * start, upserts, tombstones, bad rows said with their place, --strict
 * failing the table, updates after the load, and the set-up failures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "err.h"
#include "kafka/kconf.h"
#include "kafka/kdown.h"
#include "kafka/ktable.h"
#include "joinconf.h"
#include "jtable.h"
#include "unit.h"

#define TOPIC	"kt"
#define NPART	2
#define TMO	10000

static rd_kafka_t *prod;
static struct tide_kconf kconf;
static struct tide_ktable kt;
static int ktopen;

/* What the table said, one line each, from its thread. */
static pthread_mutex_t saidmu = PTHREAD_MUTEX_INITIALIZER;
static char said[8192];
static int nfail;

static void
say(void *ctx, enum tide_ktable_say level, const char *msg)
{
	(void)ctx;
	pthread_mutex_lock(&saidmu);
	snprintf(said + strlen(said), sizeof(said) - strlen(said), "%s%s\n",
	    level == TIDE_KTABLE_FAIL ? "FAIL " : level == TIDE_KTABLE_INFO ?
	    "INFO " : "", msg);
	if (level == TIDE_KTABLE_FAIL)
		nfail++;
	pthread_mutex_unlock(&saidmu);
}

static int
said_has(const char *s)
{
	int r;

	pthread_mutex_lock(&saidmu);
	r = strstr(said, s) != NULL;
	pthread_mutex_unlock(&saidmu);
	return r;
}

/* Produce value (NULL: a tombstone) under key to partition p. */
static void
produce(int32_t p, const char *key, const char *value)
{
	ck_assert_int_eq(rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(TOPIC),
	    RD_KAFKA_V_PARTITION(p),
	    RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
	    RD_KAFKA_V_VALUE((void *)value, value ? strlen(value) : 0),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END), 0);
}

static void
setup(void)
{
	unit_mock_start();
	unit_mock_topic(TOPIC, NPART);
	prod = unit_mock_producer("linger.ms", "0", NULL);
	unit_mock_kconf(&kconf);
	said[0] = '\0';
	nfail = 0;
	ktopen = 0;
}

static void
teardown(void)
{
	if (ktopen)
		tide_ktable_close(&kt);
	tide_kconf_release(&kconf);
	rd_kafka_destroy(prod);
	unit_mock_stop();
}

static void
ktconf(struct tide_ktable_conf *c, const char *topic)
{
	static const char *const extra[] = { "group.id=check_ktable",
		"fetch.error.backoff.ms=10", NULL };

	memset(c, 0, sizeof(*c));
	c->topic = topic;
	c->spec.nkeys = 1;
	c->spec.keys[0] = "k";
	c->spec.ncols = 1;
	c->spec.cols[0] = "v";
	c->kc = &kconf;
	c->client_id = "check";
	c->extra = extra;
	c->prefix = "table 'kafka:kt': ";
	c->down_ms = 0;
	c->every_ms = TMO;
	c->say = say;
}

/* Open and start the table on conf; 0 or the failing code, err filled. */
static int
start(const struct tide_ktable_conf *c, struct tide_ktable_err *err)
{
	int r;

	r = tide_ktable_open(&kt, c, err);
	ktopen = 1;
	if (r < 0)
		return r;
	return tide_ktable_start(&kt, err);
}

/* Wait for the load: what tide_ktable_wait() ends with, within TMO. */
static int
load(void)
{
	int64_t t0 = tide_kdown_now();
	int r;

	while ((r = tide_ktable_wait(&kt, 100)) == TIDE_EAGAIN &&
	    tide_kdown_now() - t0 < TMO)
		;
	return r;
}

/* The column v of key under the lock, into out ("" on a miss). */
static void
lookup(const char *key, char *out, size_t cap)
{
	struct tide_table_row row;
	const char *p;
	size_t len;

	out[0] = '\0';
	tide_ktable_rdlock(&kt);
	if (tide_table_get(tide_ktable_table(&kt), key, strlen(key), 0,
	    TIDE_TABLE_BACKWARD, -1, &row) == TIDE_TABLE_HIT &&
	    tide_table_col_next(&row, &p, &len))
		snprintf(out, cap, "%.*s", (int)len, len ? p : "null");
	tide_ktable_unlock(&kt);
}

START_TEST(test_ktable_open_bad_spec_is_einval)
{
	struct tide_ktable_conf c;
	struct tide_ktable_err err;

	ktconf(&c, TOPIC);
	c.spec.keys[0] = "a..b";
	ck_assert_int_eq(tide_ktable_open(&kt, &c, &err), TIDE_EINVAL);
	ck_assert_msg(err.msg[0] != '\0', "no reason");
	tide_ktable_close(&kt);
}
END_TEST

START_TEST(test_ktable_open_bad_setting_is_einval)
{
	static const char *const extra[] = { "no.such.property=1", NULL };
	struct tide_ktable_conf c;
	struct tide_ktable_err err;

	ktconf(&c, TOPIC);
	c.extra = extra;
	ck_assert_int_eq(tide_ktable_open(&kt, &c, &err), TIDE_EINVAL);
	ck_assert_msg(strstr(err.msg, "no.such.property") != NULL, "%s",
	    err.msg);
	tide_ktable_close(&kt);
}
END_TEST

START_TEST(test_ktable_unknown_topic_is_enoent)
{
	struct tide_ktable_conf c;
	struct tide_ktable_err err;

	ktconf(&c, "nope");
	ck_assert_int_eq(start(&c, &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "topic 'nope' not found");
	ck_assert_int_eq(tide_ktable_failed(&kt), 0);
}
END_TEST

START_TEST(test_ktable_empty_topic_is_loaded_at_once)
{
	struct tide_ktable_conf c;
	struct tide_ktable_err err;

	ktconf(&c, TOPIC);
	ck_assert_int_eq(start(&c, &err), 0);
	ck_assert_int_eq(tide_ktable_nparts(&kt), NPART);
	ck_assert_int_eq(tide_ktable_wait(&kt, 0), 0);
	ck_assert_int_eq(tide_table_nkeys(tide_ktable_table(&kt)), 0);
}
END_TEST

/* Upserts in offset order, a tombstone, bad rows said with their
 * partition and offset and skipped; the load ends at the end as of
 * start. */
START_TEST(test_ktable_loads_the_changelog_to_its_end)
{
	struct tide_ktable_conf c;
	struct tide_ktable_err err;
	struct tide_ktable_stats s;
	char v[64];

	produce(0, "a", "{\"k\":\"a\",\"v\":1}");
	produce(0, "b", "{\"k\":\"b\",\"v\":\"x\"}");
	produce(0, "a", "{\"k\":\"a\",\"v\":2}");
	produce(1, "c", "{\"k\":\"c\",\"v\":3}");
	produce(1, "c", NULL);
	produce(1, "d", "[1,2]");
	produce(1, NULL, "{\"k\":\"e\",\"v\":5}");
	ck_assert_int_eq(rd_kafka_flush(prod, TMO), 0);

	ktconf(&c, TOPIC);
	ck_assert_int_eq(start(&c, &err), 0);
	ck_assert_int_eq(load(), 0);
	lookup("a", v, sizeof(v));
	ck_assert_str_eq(v, "2");
	lookup("b", v, sizeof(v));
	ck_assert_str_eq(v, "\"x\"");
	lookup("c", v, sizeof(v));
	ck_assert_str_eq(v, "");
	lookup("e", v, sizeof(v));
	ck_assert_str_eq(v, "");
	tide_ktable_stats(&kt, &s);
	ck_assert_uint_eq(s.msgs, 7);
	ck_assert_uint_eq(s.upserts, 4);
	ck_assert_uint_eq(s.deletes, 1);
	ck_assert_uint_eq(s.badrows, 2);
	ck_assert_msg(said_has("partition 1 offset 2: value is not a JSON "
	    "object\n"), "%s", said);
	ck_assert_msg(said_has("partition 1 offset 3: no message key "
	    "(--table-key takes the key from the value)\n"), "%s", said);
	ck_assert_int_eq(nfail, 0);
	ck_assert_int_eq(tide_ktable_failed(&kt), 0);
}
END_TEST

/* After the load the table follows the topic. */
START_TEST(test_ktable_follows_the_topic_after_the_load)
{
	struct tide_ktable_conf c;
	struct tide_ktable_err err;
	int64_t t0;
	char v[64];

	produce(0, "a", "{\"k\":\"a\",\"v\":1}");
	ck_assert_int_eq(rd_kafka_flush(prod, TMO), 0);
	ktconf(&c, TOPIC);
	ck_assert_int_eq(start(&c, &err), 0);
	ck_assert_int_eq(load(), 0);
	lookup("a", v, sizeof(v));
	ck_assert_str_eq(v, "1");

	produce(1, "a", "{\"k\":\"a\",\"v\":9}");
	produce(1, "z", "{\"k\":\"z\",\"v\":true}");
	ck_assert_int_eq(rd_kafka_flush(prod, TMO), 0);
	t0 = tide_kdown_now();
	do {
		struct timespec ts = { 0, 10 * 1000000 };

		nanosleep(&ts, NULL);
		lookup("z", v, sizeof(v));
	} while (strcmp(v, "true") != 0 && tide_kdown_now() - t0 < TMO);
	ck_assert_str_eq(v, "true");
	lookup("a", v, sizeof(v));
	ck_assert_str_eq(v, "9");
	tide_ktable_stop(&kt);
	/* Stopped: the table stays readable. */
	lookup("a", v, sizeof(v));
	ck_assert_str_eq(v, "9");
}
END_TEST

/* Keyed by a value field: the message key is not needed, except by a
 * tombstone. */
START_TEST(test_ktable_keyed_by_fields)
{
	struct tide_ktable_conf c;
	struct tide_ktable_err err;
	char v[64];

	produce(0, NULL, "{\"k\":\"a\",\"v\":1}");
	produce(0, NULL, NULL);
	ck_assert_int_eq(rd_kafka_flush(prod, TMO), 0);
	ktconf(&c, TOPIC);
	c.keyfields = 1;
	ck_assert_int_eq(start(&c, &err), 0);
	ck_assert_int_eq(load(), 0);
	lookup("a", v, sizeof(v));
	ck_assert_str_eq(v, "1");
	ck_assert_msg(said_has("partition 0 offset 1: tombstone without a "
	    "message key\n"), "%s", said);
}
END_TEST

/* Strict: the first bad row fails the table, said once, and the wait
 * returns the code. */
START_TEST(test_ktable_strict_bad_row_fails_the_table)
{
	struct tide_ktable_conf c;
	struct tide_ktable_err err;

	produce(0, "a", "{\"k\":\"a\",\"v\":1}");
	produce(0, "b", "not json");
	ck_assert_int_eq(rd_kafka_flush(prod, TMO), 0);
	ktconf(&c, TOPIC);
	c.strict = 1;
	ck_assert_int_eq(start(&c, &err), 0);
	ck_assert_int_eq(load(), TIDE_EINVAL);
	ck_assert_int_eq(tide_ktable_failed(&kt), TIDE_EINVAL);
	ck_assert_msg(said_has("FAIL partition 0 offset 1: value is not a "
	    "JSON object\n"), "%s", said);
	ck_assert_int_eq(nfail, 1);
}
END_TEST

/* tide-join's configuration as a Kafka table's (no broker needed). */
START_TEST(test_ktable_join_conf)
{
	struct tide_joinconf c;
	struct tide_joinconf_err err;
	struct tide_ktable_conf k;
	struct tide_kconf kc;
	char prefix[64];

	tide_kconf_init(&kc);
	tide_joinconf_init(&c);
	c.table = "kafka:cust";
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a,b", &err), 0);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TABLEKEY, "x,y", &err),
	    0);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "s", &err), 0);
	c.topic = "cust";
	c.js.asof = "ts";
	c.strict = 1;
	tide_ktable_join_conf(&k, &c, &kc, prefix, sizeof(prefix));
	ck_assert_str_eq(k.topic, "cust");
	ck_assert_int_eq(k.spec.nkeys, 2);
	ck_assert_str_eq(k.spec.keys[0], "a");
	ck_assert_int_eq(k.spec.ncols, 1);
	ck_assert_str_eq(k.spec.cols[0], "s");
	ck_assert_int_eq(k.spec.versioned, 1);
	ck_assert_int_eq(k.keyfields, 2);
	ck_assert_int_eq(k.strict, 1);
	ck_assert_ptr_eq(k.kc, &kc);
	ck_assert_str_eq(k.client_id, "tide-join");
	ck_assert_str_eq(k.extra[0], "group.id=tide-join");
	ck_assert_ptr_null(k.extra[1]);
	ck_assert_str_eq(k.prefix, "table 'kafka:cust': ");
	ck_assert_int_eq(k.down_ms, 300000);
	ck_assert_int_eq(k.every_ms, 10000);
	ck_assert_ptr_null(k.say);
	c.downms = 0;
	c.mdtimeout = 500;
	tide_ktable_join_conf(&k, &c, &kc, prefix, 8);
	ck_assert_str_eq(k.prefix, "table '");
	ck_assert_int_eq(k.down_ms, 0);
	ck_assert_int_eq(k.every_ms, 500);
	tide_joinconf_release(&c);
	tide_kconf_release(&kc);
}
END_TEST

/* The jtable's say(): as say(), "W " before a warning. */
static void
jsay(void *ctx, enum tide_jtable_level level, const char *msg)
{
	(void)ctx;
	pthread_mutex_lock(&saidmu);
	snprintf(said + strlen(said), sizeof(said) - strlen(said), "%s%s\n",
	    level == TIDE_JTABLE_INFO ? "INFO " : "W ", msg);
	pthread_mutex_unlock(&saidmu);
}

/* c: tide-join -T kafka:topic --on k. */
static void
jconf(struct tide_joinconf *c, const char *table, const char *topic)
{
	struct tide_joinconf_err err;

	tide_joinconf_init(c);
	ck_assert_int_eq(tide_joinconf_set(c, TIDE_JC_ON, "k", &err), 0);
	c->table = table;
	c->topic = topic;
	c->mdtimeout = TMO;
}

/* tide-join's Kafka table: opened and started in one step, its thread's
 * words prefixed and said through the jtable, behind lib/jtable's
 * operations. */
START_TEST(test_ktable_join_open_and_jtable_ops)
{
	struct tide_joinconf c;
	struct tide_jtable_err err;
	struct tide_jtable_stats s;

	produce(0, "a", "{\"k\":\"a\",\"v\":1}");
	produce(0, "b", "[1]");
	produce(0, "c", "{\"k\":\"c\",\"v\":2}");
	ck_assert_int_eq(rd_kafka_flush(prod, TMO), 0);
	jconf(&c, "kafka:kt", TOPIC);
	ck_assert_int_eq(tide_ktable_join_open(&kt, &c, &kconf, jsay, NULL,
	    &err), 0);
	ktopen = 1;
	ck_assert_int_eq(load(), 0);
	ck_assert_str_eq(kt.jt.ops->kind, "kafka");
	ck_assert_ptr_eq(kt.jt.table, tide_ktable_table(&kt));
	ck_assert_str_eq(kt.jt.label, "kafka:kt");
	ck_assert_msg(said_has("W table 'kafka:kt': partition 0 offset 1: "
	    "value is not a JSON object\n"), "%s", said);
	ck_assert_int_eq(tide_jtable_reload(&kt.jt, &err), 1);
	ck_assert_str_eq(err.msg, "table 'kafka:kt' follows its topic: nothing "
	    "to reload");
	ck_assert_ptr_null(kt.jt.next);
	tide_jtable_stats(&kt.jt, &s);
	ck_assert_uint_eq(s.rows, 2);
	ck_assert_uint_eq(s.keys, 2);
	ck_assert_str_eq(s.line, "table 'kafka:kt': 3 messages, 2 upserts, "
	    "0 deletes, 1 bad");
	tide_jtable_close(&kt.jt);
	ktopen = 0;
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_ktable_join_open_failures)
{
	struct tide_joinconf c;
	struct tide_jtable_err err;

	/* No such topic: the service's answer (69 in tide-join). */
	jconf(&c, "kafka:nope", "nope");
	ck_assert_int_eq(tide_ktable_join_open(&kt, &c, &kconf, jsay, NULL,
	    &err), TIDE_ENOENT);
	ktopen = 1;
	ck_assert_int_eq(err.usage, 0);
	ck_assert_int_eq(err.remote, 1);
	ck_assert_str_eq(err.msg, "table 'kafka:nope': topic 'nope' not found");
	tide_ktable_close(&kt);
	ktopen = 0;
	/* A field that is not a path: a usage error, the message whole. */
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "a..b",
	    &(struct tide_joinconf_err){ { 0 } }), 0);
	ck_assert_int_eq(tide_ktable_join_open(&kt, &c, &kconf, jsay, NULL,
	    &err), TIDE_EINVAL);
	ktopen = 1;
	ck_assert_int_eq(err.usage, 1);
	ck_assert_int_eq(err.remote, 0);
	ck_assert_msg(strstr(err.msg, "a..b") != NULL &&
	    strncmp(err.msg, "table '", 7) != 0, "%s", err.msg);
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_ktable_join_brokers)
{
	struct tide_kconf k;
	struct tide_joinconf_err err;

	unsetenv("TIDE_BROKERS");
	unsetenv("TIDE_CONFIG");
	tide_kconf_init(&k);
	ck_assert_int_eq(tide_ktable_join_brokers(&k, "-T kafka:t", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "-T kafka:t needs brokers: -b or TIDE_BROKERS");
	tide_kconf_release(&k);
	tide_kconf_init(&k);
	ck_assert_int_eq(tide_kconf_brokers(&k, "localhost:1"), 0);
	ck_assert_int_eq(tide_ktable_join_brokers(&k, "-T kafka:t", &err), 0);
	tide_kconf_release(&k);
	/* From the environment. */
	setenv("TIDE_BROKERS", "localhost:2", 1);
	tide_kconf_init(&k);
	ck_assert_int_eq(tide_ktable_join_brokers(&k, "-T kafka:t", &err), 0);
	tide_kconf_release(&k);
	unsetenv("TIDE_BROKERS");
}
END_TEST

Suite *
suite_ktable(void)
{
	Suite *s = suite_create("ktable");
	TCase *tk = tcase_create("mock");

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_ktable_open_bad_spec_is_einval);
	tcase_add_test(tk, test_ktable_open_bad_setting_is_einval);
	tcase_add_test(tk, test_ktable_unknown_topic_is_enoent);
	tcase_add_test(tk, test_ktable_empty_topic_is_loaded_at_once);
	tcase_add_test(tk, test_ktable_loads_the_changelog_to_its_end);
	tcase_add_test(tk, test_ktable_follows_the_topic_after_the_load);
	tcase_add_test(tk, test_ktable_keyed_by_fields);
	tcase_add_test(tk, test_ktable_strict_bad_row_fails_the_table);
	tcase_add_test(tk, test_ktable_join_open_and_jtable_ops);
	tcase_add_test(tk, test_ktable_join_open_failures);
	suite_add_tcase(s, tk);
	tk = tcase_create("conf");
	tcase_add_test(tk, test_ktable_join_conf);
	tcase_add_test(tk, test_ktable_join_brokers);
	suite_add_tcase(s, tk);
	return s;
}
