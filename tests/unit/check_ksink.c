/*
 * lib/kafka/ksink: tide-sink's Kafka back end against librdkafka's mock
 * cluster, started inside each test (its threads do not survive Check's
 * fork, so the fixture is a checked one).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "kafka/ksink.h"
#include "time.h"
#include "unit.h"

#define TOPIC	"ks"
#define NPART	2

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mc;
static char boot[256];
static struct tide_buf said;	/* what the sink asked to print */

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
setup(void)
{
	const char *mkv[] = { "log_level", "0", NULL };
	char errstr[256];

	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf_for(mkv), errstr,
	    sizeof(errstr));
	ck_assert_msg(mock_rk != NULL, "%s", errstr);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	snprintf(boot, sizeof(boot), "%s", rd_kafka_mock_cluster_bootstraps(mc));
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, TOPIC, NPART, 1), 0);
	tide_buf_init(&said, TIDE_BUF_NOMAX);
}

static void
teardown(void)
{
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
	tide_buf_release(&said);
}

static void
on_say(void *ctx, int level, const char *msg)
{
	(void)ctx;
	tide_buf_addf(&said, "%d %s\n", level, msg);
}

static rd_kafka_conf_t *
producer_conf(const char *maxbytes)
{
	const char *kv[] = { "bootstrap.servers", boot, "linger.ms", "0",
		"log_level", "0", "message.max.bytes", maxbytes, NULL };

	return conf_for(kv);
}

static void
conf_init(struct tide_ksink_conf *c, FILE *dead, int tee_fd)
{
	memset(c, 0, sizeof(*c));
	c->topic = TOPIC;
	c->partition = RD_KAFKA_PARTITION_UA;
	c->unit = TIDE_UNIT_MS;
	c->maxrec = 1 << 20;
	c->dead = dead;
	c->tee = tee_fd >= 0;
	c->tee_fd = tee_fd;
	c->down_ms = 60000;
	c->connect_ms = 5000;
	c->say = on_say;
}

static int
put(struct tide_ksink *k, uint64_t lineno, const char *rec, char *why)
{
	enum tide_json_type type;

	ck_assert_int_eq(tide_json_check(rec, strlen(rec), 64, &type, NULL), 0);
	return tide_ksink_put(k, lineno, rec, strlen(rec), type, why, 256);
}

/* All of a file's bytes, from its start, in a static buffer. */
static const char *
slurp(int fd)
{
	static char buf[8192];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

START_TEST(test_ksink_fields_bad_records_and_tee)
{
	struct tide_ksink k;
	struct tide_ksink_conf c;
	struct tide_path key, part, ts;
	volatile sig_atomic_t stop = 0;
	FILE *tee = tmpfile();
	char why[256];
	int tee_err;

	ck_assert_ptr_nonnull(tee);
	ck_assert_int_eq(tide_path_parse(&key, "k"), 0);
	ck_assert_int_eq(tide_path_parse(&part, "p"), 0);
	ck_assert_int_eq(tide_path_parse(&ts, "ts"), 0);
	conf_init(&c, NULL, fileno(tee));
	c.keypath = &key;
	c.partpath = &part;
	c.tspath = &ts;
	ck_assert_int_eq(tide_ksink_open(&k, &c, producer_conf("1000000")), 0);
	ck_assert_int_eq(k.prod.npart, NPART);
	ck_assert_int_eq(put(&k, 1, "{\"k\":\"a\\\"b\",\"p\":1,\"ts\":5}", why), 0);
	ck_assert_int_eq(put(&k, 2, "{\"k\":7,\"p\":0,\"ts\":6}", why), 0);
	ck_assert_int_eq(put(&k, 3, "[1]", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "not a JSON object");
	ck_assert_int_eq(put(&k, 4, "{\"p\":0,\"ts\":6}", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "no key field 'k'");
	ck_assert_int_eq(put(&k, 5, "{\"k\":1,\"p\":2,\"ts\":6}", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "field 'p' is not a partition of the topic");
	ck_assert_int_eq(put(&k, 6, "{\"k\":1,\"p\":0,\"ts\":\"x\"}", why),
	    TIDE_EINVAL);
	ck_assert_str_eq(why, "field 'ts' is not a time: \"x\"");
	ck_assert_int_eq(put(&k, 7, "{\"k\":1,\"p\":0,\"ts\":0}", why),
	    TIDE_EINVAL);
	ck_assert_str_eq(why, "field 'ts': 0 is not a Kafka timestamp (those "
	    "are after 1970-01-01T00:00:00Z)");
	tide_ksink_idle(&k);
	tide_ksink_finish(&k, &stop, &tee_err);
	ck_assert_int_eq(tee_err, 0);
	ck_assert_uint_eq(k.prod.sent, 2);
	ck_assert_uint_eq(k.prod.delivered, 2);
	ck_assert_uint_eq(k.undelivered, 0);
	/* Delivered records, in delivery order (two partitions: either). */
	ck_assert_int_eq(strlen(slurp(fileno(tee))),
	    strlen("{\"k\":\"a\\\"b\",\"p\":1,\"ts\":5}\n{\"k\":7,\"p\":0,\"ts\":6}\n"));
	ck_assert_ptr_nonnull(strstr(slurp(fileno(tee)), "{\"k\":7,\"p\":0,\"ts\":6}\n"));
	ck_assert_int_eq(tide_ksink_quiet(&k), 0);
	/* The mock says no retention: a note under -v, nothing checked. */
	ck_assert_str_eq(tide_buf_cstr(&said), "1 topic 'ks': retention.ms not "
	    "known (the brokers name no controller to ask): timestamps are not "
	    "checked against it\n");
	ck_assert_int_eq(k.retention_ms, -1);
	ck_assert_uint_eq(k.expired, 0);
	tide_ksink_release(&k);
	tide_path_release(&key);
	tide_path_release(&part);
	tide_path_release(&ts);
	fclose(tee);
}
END_TEST

START_TEST(test_ksink_refused_record_is_a_dead_letter)
{
	struct tide_ksink k;
	struct tide_ksink_conf c;
	volatile sig_atomic_t stop = 0;
	FILE *dead = tmpfile();
	const char *big = "{\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}";
	const char *dl;
	char why[256];
	int tee_err;

	ck_assert_ptr_nonnull(dead);
	conf_init(&c, dead, -1);
	ck_assert_int_eq(tide_ksink_open(&k, &c, producer_conf("1000")), 0);
	ck_assert_int_eq(put(&k, 1, "{\"i\":1}", why), 0);
	/* Over message.max.bytes: refused at once, not fatal. */
	ck_assert_int_eq(put(&k, 2, big, why), 0);
	tide_ksink_finish(&k, &stop, &tee_err);
	ck_assert_uint_eq(k.undelivered, 1);
	ck_assert_uint_eq(k.prod.delivered, 1);
	ck_assert_int_eq(k.dlerr, 0);
	fflush(dead);
	dl = slurp(fileno(dead));
	ck_assert_msg(strncmp(dl, "{\"source\":\"kafka:ks\",\"line\":2,"
	    "\"error\":\"", 38) == 0, "%s", dl);
	ck_assert_ptr_nonnull(strstr(dl, ",\"raw\":\"{\\\"pad\\\":\\\"xxx"));
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said),
	    "0 line 2: not delivered to 'ks': "));
	tide_ksink_release(&k);
	fclose(dead);
}
END_TEST

START_TEST(test_ksink_fixed_partition_must_exist)
{
	struct tide_ksink k;
	struct tide_ksink_conf c;

	conf_init(&c, NULL, -1);
	c.partition = NPART;
	ck_assert_int_eq(tide_ksink_open(&k, &c, producer_conf("1000000")),
	    TIDE_ERANGE);
	tide_ksink_release(&k);
}
END_TEST

/* As a back end of tide-sink (lib/sinkbe.h): the same sink behind the
 * table of operations, its outcomes as flags and its counters as text. */
START_TEST(test_ksink_be_puts_finishes_and_counts)
{
	struct tide_ksink_be k;
	struct tide_ksink_conf c;
	struct tide_sinkbe_err err;
	struct tide_buf st = TIDE_BUF_INIT;
	volatile sig_atomic_t stop = 0;
	FILE *dead = tmpfile();
	char big[1200];
	enum tide_json_type type;
	unsigned end;

	ck_assert_ptr_nonnull(dead);
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"p\":\"", 6);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	conf_init(&c, dead, -1);
	ck_assert_int_eq(tide_ksink_be_open(&k, &c, producer_conf("1000"),
	    "dead.ndjson", &stop), 0);
	ck_assert_int_eq(k.be.timeout, 100);
	ck_assert_int_eq(k.be.counts_out, 0);
	ck_assert_int_eq(k.be.ops->put(&k.be, 1, "{\"i\":1}", 7,
	    TIDE_JSON_OBJECT, &err), 0);
	ck_assert_int_eq(tide_json_check(big, strlen(big), 64, &type, NULL), 0);
	ck_assert_int_eq(k.be.ops->put(&k.be, 2, big, strlen(big), type, &err),
	    0);
	/* Without a key or partition field any JSON value goes. */
	ck_assert_int_eq(k.be.ops->put(&k.be, 3, "[1]", 3, TIDE_JSON_ARRAY,
	    &err), 0);
	ck_assert_int_eq(k.be.ops->idle(&k.be, &err), 0);
	ck_assert_int_eq(k.be.ops->quiet(&k.be, &err), 0);
	ck_assert_int_eq(k.be.done, 0);
	end = k.be.ops->finish(&k.be, 0, &err);
	ck_assert_uint_eq(end, TIDE_SINKBE_UNDELIVERED);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said),
	    "0 1 record not delivered, kept in dead.ndjson\n"));
	k.be.ops->stats(&k.be, &st);
	ck_assert_str_eq(tide_buf_cstr(&st),
	    "sent 2, delivered 2, failed 1, pending 0");
	k.be.ops->close(&k.be);
	tide_buf_release(&st);
	fclose(dead);
}
END_TEST

/*
 * A record stamped older than the topic's retention is produced all the
 * same, warned of once and counted.  The mock cannot say a retention
 * (check_kadmin.c): the test sets the one the sink would have read.
 */
START_TEST(test_ksink_past_retention_is_warned_once_and_counted)
{
	struct tide_ksink_be k;
	struct tide_ksink_conf c;
	struct tide_sinkbe_err err;
	struct tide_path ts;
	struct tide_buf st = TIDE_BUF_INIT;
	volatile sig_atomic_t stop = 0;
	char rec[4][64];
	enum tide_json_type type;
	int64_t now = tide_now_ms();
	size_t i;

	ck_assert_int_eq(tide_path_parse(&ts, "ts"), 0);
	conf_init(&c, NULL, -1);
	c.tspath = &ts;
	c.ts_default = 1;
	ck_assert_int_eq(tide_ksink_be_open(&k, &c, producer_conf("1000000"),
	    NULL, &stop), 0);
	k.ks.retention_ms = 86400000;		/* 1d */
	tide_buf_reset(&said);
	snprintf(rec[0], sizeof(rec[0]), "{\"ts\":%lld}", (long long)now);
	snprintf(rec[1], sizeof(rec[1]), "{\"ts\":\"1970-01-02T00:00:00Z\"}");
	snprintf(rec[2], sizeof(rec[2]), "{\"ts\":%lld}",
	    (long long)(now - 2 * 86400000LL));
	snprintf(rec[3], sizeof(rec[3]), "{\"no\":1}");	/* the clock */
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(tide_json_check(rec[i], strlen(rec[i]), 64,
		    &type, NULL), 0);
		ck_assert_int_eq(k.be.ops->put(&k.be, i + 1, rec[i],
		    strlen(rec[i]), type, &err), 0);
	}
	ck_assert_uint_eq(k.be.ops->finish(&k.be, 0, &err), 0);
	ck_assert_str_eq(tide_buf_cstr(&said), "0 line 2: timestamp "
	    "1970-01-02T00:00:00.000Z is older than the retention of topic 'ks' "
	    "(retention.ms 86400000, 1d): the brokers may delete the record at "
	    "once; --timestamp now stamps the producer's clock instead (said "
	    "once; --stats counts them)\n");
	ck_assert_uint_eq(k.ks.expired, 2);
	k.be.ops->stats(&k.be, &st);
	ck_assert_str_eq(tide_buf_cstr(&st), "sent 4, delivered 4, failed 0, "
	    "pending 0, past retention 2");
	k.be.ops->close(&k.be);
	tide_buf_release(&st);
	tide_path_release(&ts);
}
END_TEST

/* librdkafka logs a fatal error at level 0, which log_level does not
 * silence: the fenced case's conf drops it. */
static void
no_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf;
}

/* A barrier with seq, one offset of TOPIC and, with group, the group's
 * metadata as tide-source writes it. */
static void
txn_barrier(struct tide_barrier *b, int64_t seq, const char *group)
{
	rd_kafka_consumer_group_metadata_t *md;
	void *p;
	size_t n;

	tide_barrier_reset(b);
	b->seq = seq;
	ck_assert_int_eq(tide_barrier_offs_set(&b->offs, "src", 3, 0, seq * 10),
	    0);
	if (group == NULL)
		return;
	md = rd_kafka_consumer_group_metadata_new(group);
	ck_assert_ptr_null(rd_kafka_consumer_group_metadata_write(md, &p, &n));
	ck_assert_int_eq(tide_buf_add(&b->group, p, n), 0);
	rd_kafka_mem_free(NULL, p);
	rd_kafka_consumer_group_metadata_destroy(md);
}

START_TEST(test_ksink_be_transactions_commit_at_barriers)
{
	struct tide_ksink_be k;
	struct tide_ksink_conf c;
	struct tide_sinkbe_err err;
	struct tide_barrier b = TIDE_BARRIER_INIT;
	struct tide_buf st = TIDE_BUF_INIT;
	volatile sig_atomic_t stop = 0;
	FILE *dead = tmpfile();
	int i;

	ck_assert_ptr_nonnull(dead);
	conf_init(&c, dead, -1);
	c.txn_id = "ks-tx";
	ck_assert_int_eq(tide_ksink_be_open(&k, &c, producer_conf("100000"),
	    "dead.ndjson", &stop), 0);
	ck_assert_ptr_nonnull(k.be.txn);
	ck_assert_int_eq(k.ks.txn.open, 1);
	k.be.txn->paced(&k.be, 1);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(k.be.ops->put(&k.be, (uint64_t)i + 1,
		    "{\"i\":1}", 7, TIDE_JSON_OBJECT, &err), 0);
	txn_barrier(&b, 1, "g1");
	ck_assert_int_eq(k.be.txn->commit(&k.be, &b, &err), 0);
	ck_assert_uint_eq(k.ks.prod.delivered, 5);
	ck_assert_int_eq(k.ks.txn.open, 1);	/* the next one begun */
	/* A barrier without the group: committed, with no offsets. */
	txn_barrier(&b, 2, NULL);
	ck_assert_int_eq(k.be.txn->commit(&k.be, &b, &err), 0);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said), "1 barrier 1: "
	    "transaction 1 committed with the group's offsets\n1 barrier 2: "
	    "transaction 2 committed without offsets (no group upstream)\n"));
	/* Paced: a quiet input commits nothing on its own. */
	ck_assert_int_eq(k.be.ops->put(&k.be, 6, "{\"i\":1}", 7,
	    TIDE_JSON_OBJECT, &err), 0);
	ck_assert_int_eq(k.be.ops->quiet(&k.be, &err), 0);
	ck_assert_uint_eq(k.ks.txn.committed, 2);
	/* The end commits the records since the last barrier. */
	ck_assert_uint_eq(k.be.ops->finish(&k.be, 0, &err), 0);
	k.be.ops->stats(&k.be, &st);
	ck_assert_str_eq(tide_buf_cstr(&st), "sent 6, delivered 6, failed 0, "
	    "pending 0, transactions 3, with offsets 1, aborted 0");
	k.be.ops->close(&k.be);
	tide_barrier_release(&b);
	tide_buf_release(&st);
	fclose(dead);
}
END_TEST

START_TEST(test_ksink_be_transaction_failures_stop_the_run)
{
	struct tide_ksink_be k;
	struct tide_ksink_conf c;
	struct tide_sinkbe_err err;
	struct tide_barrier b = TIDE_BARRIER_INIT;
	struct tide_buf st = TIDE_BUF_INIT;
	volatile sig_atomic_t stop = 0;
	FILE *dead = tmpfile();
	rd_kafka_conf_t *kc;

	ck_assert_ptr_nonnull(dead);
	conf_init(&c, dead, -1);
	c.txn_id = "ks-tx2";
	/* Metadata that is not a group's: the transaction is aborted, and
	 * no later commit is tried. */
	ck_assert_int_eq(tide_ksink_be_open(&k, &c, producer_conf("100000"),
	    "dead.ndjson", &stop), 0);
	k.be.txn->paced(&k.be, 1);
	ck_assert_int_eq(k.be.ops->put(&k.be, 1, "{\"i\":1}", 7,
	    TIDE_JSON_OBJECT, &err), 0);
	txn_barrier(&b, 1, NULL);
	ck_assert_int_eq(tide_buf_add(&b.group, "junk", 4), 0);
	ck_assert_int_eq(k.be.txn->commit(&k.be, &b, &err), TIDE_EKAFKA);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said), "0 --transactional-id "
	    "'ks-tx2': the barrier's group metadata: "));
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said), ": transaction "
	    "aborted: the records since the last commit are not delivered, "
	    "and their offsets not committed: the group reads them again\n"));
	ck_assert_int_eq(k.be.txn->commit(&k.be, &b, &err), TIDE_EKAFKA);
	ck_assert_uint_eq(k.be.ops->finish(&k.be, 0, &err),
	    TIDE_SINKBE_UNDELIVERED);
	k.be.ops->stats(&k.be, &st);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&st), ", transactions 0, "
	    "with offsets 0, aborted 1"));
	k.be.ops->close(&k.be);

	/* Fenced, as the coordinator answers EndTxn: fatal. */
	tide_buf_reset(&said);
	c.txn_id = "ks-tx3";
	kc = producer_conf("100000");
	rd_kafka_conf_set_log_cb(kc, no_log);
	ck_assert_int_eq(tide_ksink_be_open(&k, &c, kc, "dead.ndjson", &stop),
	    0);
	k.be.txn->paced(&k.be, 1);
	ck_assert_int_eq(k.be.ops->put(&k.be, 1, "{\"i\":1}", 7,
	    TIDE_JSON_OBJECT, &err), 0);
	rd_kafka_mock_push_request_errors(mc, 26 /* EndTxn */, 1,
	    RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
	txn_barrier(&b, 1, "g1");
	ck_assert_int_eq(k.be.txn->commit(&k.be, &b, &err), TIDE_EKAFKA);
	ck_assert_int_eq(k.ks.txn.fatal, 1);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said), "0 --transactional-id "
	    "'ks-tx3': commit transaction: "));
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said), "(fatal: "));
	ck_assert_uint_eq(k.be.ops->finish(&k.be, 0, &err) &
	    TIDE_SINKBE_UNDELIVERED, TIDE_SINKBE_UNDELIVERED);
	k.be.ops->close(&k.be);
	tide_barrier_release(&b);
	tide_buf_release(&st);
	fclose(dead);
}
END_TEST

START_TEST(test_ksink_be_sync_waits_for_every_delivery_report)
{
	struct tide_ksink_be k;
	struct tide_ksink_conf c;
	struct tide_sinkbe_err err;
	struct tide_buf st = TIDE_BUF_INIT;
	volatile sig_atomic_t stop = 0;
	FILE *dead = tmpfile();
	unsigned end;
	int i;

	ck_assert_ptr_nonnull(dead);
	conf_init(&c, dead, -1);
	ck_assert_int_eq(tide_ksink_be_open(&k, &c, producer_conf("100000"),
	    "dead.ndjson", &stop), 0);
	for (i = 0; i < 50; i++)
		ck_assert_int_eq(k.be.ops->put(&k.be, (uint64_t)i + 1,
		    "{\"i\":1}", 7, TIDE_JSON_OBJECT, &err), 0);
	/* Durable: every report in, none pending, before it returns. */
	ck_assert_int_eq(k.be.ops->sync(&k.be, &err), 0);
	ck_assert_uint_eq(tide_producer_pending(&k.ks.prod), 0);
	ck_assert_uint_eq(k.ks.prod.delivered, 50);
	/* Nothing new: at once. */
	ck_assert_int_eq(k.be.ops->sync(&k.be, &err), 0);
	end = k.be.ops->finish(&k.be, 0, &err);
	ck_assert_uint_eq(end, 0);
	ck_assert_uint_eq(k.be.out, 50);
	k.be.ops->stats(&k.be, &st);
	ck_assert_str_eq(tide_buf_cstr(&st),
	    "sent 50, delivered 50, failed 0, pending 0");
	k.be.ops->close(&k.be);
	tide_buf_release(&st);
	fclose(dead);
}
END_TEST

START_TEST(test_ksink_be_sync_and_finish_give_up_on_a_second_signal)
{
	struct tide_ksink_be k;
	struct tide_ksink_conf c;
	struct tide_sinkbe_err err;
	volatile sig_atomic_t stop = 0;
	FILE *dead = tmpfile();
	unsigned end;

	ck_assert_ptr_nonnull(dead);
	conf_init(&c, dead, -1);
	ck_assert_int_eq(tide_ksink_be_open(&k, &c, producer_conf("100000"),
	    "dead.ndjson", &stop), 0);
	/* The broker away: the records wait. */
	rd_kafka_mock_broker_set_down(mc, 1);
	ck_assert_int_eq(k.be.ops->put(&k.be, 1, "{\"i\":1}", 7,
	    TIDE_JSON_OBJECT, &err), 0);
	ck_assert_int_eq(k.be.ops->put(&k.be, 2, "{\"i\":2}", 7,
	    TIDE_JSON_OBJECT, &err), 0);
	/* A second stop signal: the barrier's wait ends, reading stops. */
	stop = 2;
	ck_assert_int_eq(k.be.ops->sync(&k.be, &err), 1);
	ck_assert_uint_eq(tide_producer_pending(&k.ks.prod), 2);
	/* And the end does not wait: what is in flight is dead-lettered. */
	k.be.abort = 1;
	end = k.be.ops->finish(&k.be, 0, &err);
	ck_assert_uint_eq(end, TIDE_SINKBE_UNDELIVERED);
	ck_assert_uint_eq(k.be.out, 0);
	ck_assert_uint_eq(k.ks.undelivered, 2);
	ck_assert_ptr_nonnull(strstr(tide_buf_cstr(&said),
	    "0 2 records not delivered, kept in dead.ndjson\n"));
	k.be.ops->close(&k.be);
	fclose(dead);
}
END_TEST

Suite *
suite_ksink(void)
{
	Suite *s = suite_create("ksink");
	TCase *tk = tcase_create("ksink");

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_ksink_fields_bad_records_and_tee);
	tcase_add_test(tk, test_ksink_be_puts_finishes_and_counts);
	tcase_add_test(tk, test_ksink_past_retention_is_warned_once_and_counted);
	tcase_add_test(tk, test_ksink_be_sync_waits_for_every_delivery_report);
	tcase_add_test(tk, test_ksink_be_transactions_commit_at_barriers);
	tcase_add_test(tk, test_ksink_be_transaction_failures_stop_the_run);
	tcase_add_test(tk, test_ksink_be_sync_and_finish_give_up_on_a_second_signal);
	tcase_add_test(tk, test_ksink_refused_record_is_a_dead_letter);
	tcase_add_test(tk, test_ksink_fixed_partition_must_exist);
	suite_add_tcase(s, tk);
	return s;
}
