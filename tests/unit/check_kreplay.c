/*
 * lib/kafka/kreplay: the partitions of a topic as merge sources, against
 * librdkafka's mock cluster (started in each test: its threads do not
 * survive Check's fork).  Ranges read to their ends, heads and keys,
 * the read-ahead ring pausing and resuming a partition, events routed,
 * and a second start from the beginning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "err.h"
#include "kafka/kconf.h"
#include "kafka/kreplay.h"
#include "time.h"
#include "unit.h"

#define TOPIC	"kr"
#define NPART	3
#define NMSG	20
#define TMO	10000

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mc;
static char boot[256];
static struct tide_kconf kconf;
static struct tide_kconsumer c;
static struct tide_kreplay kr;
static struct tide_prange *r;
static int notes;

static void
setup(void)
{
	struct tide_kconf_err kerr;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *p;
	char errstr[256], val[32];
	int i, len;

	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(mock_rk != NULL, "%s", errstr);
	mc = rd_kafka_mock_cluster_new(mock_rk, 1);
	ck_assert_ptr_nonnull(mc);
	snprintf(boot, sizeof(boot), "%s", rd_kafka_mock_cluster_bootstraps(mc));
	ck_assert_int_eq(rd_kafka_mock_topic_create(mc, TOPIC, NPART, 1), 0);

	/* Partition 0: NMSG messages at 1000, 3000, ...; partition 1:
	 * NMSG at 2000, 4000, ...; partition 2 empty. */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "bootstrap.servers", boot, errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
	p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p != NULL, "%s", errstr);
	for (i = 0; i < 2 * NMSG; i++) {
		len = snprintf(val, sizeof(val), "{\"i\":%d}", i);
		ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
		    RD_KAFKA_V_PARTITION(i % 2),
		    RD_KAFKA_V_VALUE(val, (size_t)len),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_TIMESTAMP((int64_t)(i + 1) * 1000),
		    RD_KAFKA_V_END), 0);
	}
	ck_assert_int_eq(rd_kafka_flush(p, TMO), 0);
	rd_kafka_destroy(p);

	tide_kconf_init(&kconf);
	ck_assert_int_eq(tide_kconf_brokers(&kconf, boot), 0);
	ck_assert_int_eq(tide_kconf_set(&kconf, "log_level=0", &kerr), 0);
	tide_kconsumer_init(&c, 5000, 1000);
	notes = 0;
	r = NULL;
}

static void
teardown(void)
{
	tide_kreplay_release(&kr);
	free(r);
	tide_kconsumer_close(&c, TIDE_KCONSUMER_ABANDON);
	tide_kconf_release(&kconf);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
}

static void
on_note(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
	notes++;
}

/* The consumer, and kr over the topic's ranges [from, to). */
static void
open_replay(int64_t from, int64_t to)
{
	static const char *const extra[] = { "group.id=check_kreplay",
		"fetch.error.backoff.ms=10", NULL };
	struct tide_offspec f = { TIDE_OFF_ABS, from }, t = { TIDE_OFF_ABS, to };
	struct tide_kconsumer_err err;
	rd_kafka_conf_t *conf;

	ck_assert_int_eq(tide_kconsumer_conf(&c, &kconf, "check", extra,
	    TIDE_KCONSUMER_RANGES, &conf, &err), 0);
	ck_assert_int_eq(tide_kconsumer_open(&c, conf, 0, &err), 0);
	ck_assert_int_eq(tide_kconsumer_partitions(&c, TOPIC, NULL, 0, TMO, &r,
	    &err), NPART);
	if (to < 0)
		t.kind = TIDE_OFF_END;
	ck_assert_int_eq(tide_kconsumer_resolve(&c, TOPIC, r, NPART, &f, &t,
	    TMO, &err), 0);
	tide_kreplay_init(&kr, &c, TOPIC, r, NPART);
	kr.on_note = on_note;
}

/* Take from the queue until p has a head or is done. */
static void
fill(struct tide_kreplay_part *p)
{
	struct tide_kconsumer_err err;
	rd_kafka_message_t *m;
	int64_t t0 = tide_kdown_now();
	ssize_t n;

	while (tide_kreplay_starved(p)) {
		ck_assert_msg(tide_kdown_now() - t0 < TMO, "no head");
		n = tide_kreplay_take(&kr, TIDE_KREPLAY_BATCH, &err);
		ck_assert_int_ge(n, 0);
		if (n == 0 && tide_kconsumer_wait(&c, &m, 50, &err) > 0)
			ck_assert_int_eq(tide_kreplay_route(&kr, m, &err), 0);
	}
}

/* p's head written as its payload, and as an envelope shifted 5 ms. */
static void
emitted(struct tide_kreplay_part *p, int64_t i)
{
	struct tide_buf b;
	char want[64];

	tide_buf_init(&b, TIDE_BUF_NOMAX);
	ck_assert_int_eq(tide_kreplay_emit(&kr, p, &b, 0, 5), 0);
	snprintf(want, sizeof(want), "{\"i\":%lld}", (long long)i);
	ck_assert_str_eq(tide_buf_cstr(&b), want);
	tide_buf_reset(&b);
	ck_assert_int_eq(tide_kreplay_emit(&kr, p, &b, 1, 5), 0);
	snprintf(want, sizeof(want), "\"ts\":%lld,", (long long)(i + 1) * 1000 + 5);
	ck_assert_msg(strstr(tide_buf_cstr(&b), want) != NULL, "%s",
	    tide_buf_cstr(&b));
	tide_buf_release(&b);
}

START_TEST(test_kreplay_init_copies_ranges_and_total)
{
	open_replay(2, 7);
	ck_assert_uint_eq(kr.n, NPART);
	ck_assert_int_eq(kr.v[0].partition, 0);
	ck_assert_int_eq(kr.v[0].start, 2);
	ck_assert_int_eq(kr.v[0].end, 7);
	ck_assert_int_eq(kr.v[0].high, NMSG);
	ck_assert_int_eq(kr.v[2].start, kr.v[2].end);
	/* 5 + 5 + 0 */
	ck_assert_uint_eq(kr.total, 10);
	ck_assert_ptr_eq(tide_kreplay_find(&kr, 1), &kr.v[1]);
	ck_assert_ptr_null(tide_kreplay_find(&kr, 3));
	ck_assert_ptr_null(tide_kreplay_find(&kr, -1));
}
END_TEST

START_TEST(test_kreplay_reads_ranges_in_order_to_their_ends)
{
	struct tide_kconsumer_err err;
	struct tide_kreplay_part *p;
	int64_t want;
	int i;

	open_replay(2, 7);
	ck_assert_int_eq(tide_kreplay_start(&kr, &err), 0);
	/* The empty range is done at once; the others are not. */
	ck_assert(kr.v[2].done);
	ck_assert(!tide_kreplay_starved(&kr.v[2]));
	for (i = 0; i < 2; i++) {
		p = &kr.v[i];
		for (want = 2; want < 7; want++) {
			fill(p);
			ck_assert_uint_gt(p->rlen, 0);
			tide_kreplay_key(p);
			ck_assert_int_eq(p->key.partition, i);
			ck_assert_int_eq(p->key.offset, want);
			/* Message k of partition i was the (2k+i)th. */
			ck_assert_int_eq(p->key.ts, (2 * want + i + 1) * 1000);
			ck_assert_int_eq(tide_kreplay_head(p)->offset, want);
			emitted(p, 2 * want + i);
			tide_kreplay_pop(&kr, p);
		}
		fill(p);
		ck_assert(p->done);
		ck_assert_uint_eq(p->rlen, 0);
		ck_assert_int_eq(p->next, 7);
	}
	ck_assert_int_eq(notes, 0);
	tide_kreplay_stop(&kr);
}
END_TEST

START_TEST(test_kreplay_full_ring_pauses_and_drained_resumes)
{
	struct tide_kconsumer_err err;
	struct tide_kreplay_part *p;
	int64_t t0;

	open_replay(0, -1);
	kr.readahead = 4;
	kr.resume_at = 1;
	ck_assert_int_eq(tide_kreplay_start(&kr, &err), 0);
	p = &kr.v[0];
	/* Read until partition 0 has its read-ahead (others may come too). */
	t0 = tide_kdown_now();
	while (p->rlen < 4) {
		rd_kafka_message_t *m;

		ck_assert_msg(tide_kdown_now() - t0 < TMO, "no read-ahead");
		if (tide_kreplay_take(&kr, 1, &err) == 0 &&
		    tide_kconsumer_wait(&c, &m, 50, &err) > 0)
			ck_assert_int_eq(tide_kreplay_route(&kr, m, &err), 0);
	}
	ck_assert(p->paused);
	ck_assert(!p->done);
	tide_kreplay_key(p);
	ck_assert_int_eq(p->key.offset, 0);
	tide_kreplay_pop(&kr, p);
	tide_kreplay_pop(&kr, p);
	ck_assert(p->paused);		/* 2 left: over resume_at */
	tide_kreplay_pop(&kr, p);
	ck_assert(!p->paused);		/* 1 left: resumed */
	tide_kreplay_key(p);
	ck_assert_int_eq(p->key.offset, 3);
	tide_kreplay_stop(&kr);
	ck_assert_uint_eq(p->rlen, 0);
}
END_TEST

START_TEST(test_kreplay_start_again_rereads_from_the_start)
{
	struct tide_kconsumer_err err;
	struct tide_kreplay_part *p;

	open_replay(5, 6);
	p = &kr.v[1];
	ck_assert_int_eq(tide_kreplay_start(&kr, &err), 0);
	fill(p);
	tide_kreplay_key(p);
	ck_assert_int_eq(p->key.offset, 5);
	tide_kreplay_stop(&kr);
	ck_assert_int_eq(tide_kreplay_start(&kr, &err), 0);
	ck_assert(!p->done);
	ck_assert_int_eq(p->next, 5);
	fill(p);
	tide_kreplay_key(p);
	ck_assert_int_eq(p->key.offset, 5);
	tide_kreplay_pop(&kr, p);
	fill(p);
	ck_assert(p->done);
	tide_kreplay_stop(&kr);
}
END_TEST

START_TEST(test_kreplay_setup_ranges_json_and_bad_topic)
{
	static const char *const extra[] = { "group.id=check_kreplay", NULL };
	static const int32_t want[] = { 1 }, nowant[] = { 9 };
	struct tide_offspec f = { TIDE_OFF_ABS, 3 }, t = { TIDE_OFF_END, 0 };
	struct tide_kconsumer_err err;
	rd_kafka_conf_t *conf;
	struct tide_buf b;

	ck_assert_int_eq(tide_kconsumer_conf(&c, &kconf, "check", extra,
	    TIDE_KCONSUMER_RANGES, &conf, &err), 0);
	ck_assert_int_eq(tide_kconsumer_open(&c, conf, 0, &err), 0);
	ck_assert_int_eq(tide_kreplay_setup(&kr, &c, "nosuch", NULL, 0, &f,
	    &t, TMO, &err), TIDE_ENOENT);
	ck_assert_int_eq(tide_kreplay_setup(&kr, &c, TOPIC, nowant, 1, &f,
	    &t, TMO, &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "topic 'kr' has no partition 9");
	ck_assert_int_eq(tide_kreplay_setup(&kr, &c, TOPIC, want, 1, &f, &t,
	    TMO, &err), 0);
	ck_assert_uint_eq(kr.n, 1);
	ck_assert_uint_eq(kr.total, NMSG - 3);
	tide_buf_init(&b, TIDE_BUF_NOMAX);
	tide_kreplay_range_json(&kr, &kr.v[0], &b);
	ck_assert_str_eq(tide_buf_cstr(&b), "{\"topic\":\"kr\",\"partition\":1,"
	    "\"low\":0,\"high\":20,\"start\":3,\"end\":20,\"records\":17}\n");
	tide_buf_release(&b);
}
END_TEST

/* The consumer and the ranges in one step, as tide-replay opens them;
 * its failures say whether they are usage errors or unavailability. */
START_TEST(test_kreplay_open_in_one_step_and_its_failures)
{
	static const int32_t want[] = { 0, 1 }, nowant[] = { 9 };
	struct tide_kreplay_conf kc = { &kconf, "check_kreplay", TOPIC, want,
	    2, { TIDE_OFF_TIME, 5000 }, { TIDE_OFF_END, 0 }, -1, TMO, NULL,
	    NULL };
	struct tide_kreplay_err err;
	struct tide_kconf bad;
	struct tide_kconf_err kerr;
	struct tide_buf b;

	/* Settings each valid, that the client refuses together:
	 * TIDE_EINVAL, not unavailable (tide-replay exits 64). */
	tide_kconf_init(&bad);
	ck_assert_int_eq(tide_kconf_brokers(&bad, boot), 0);
	ck_assert_int_eq(tide_kconf_set(&bad, "security.protocol="
	    "sasl_plaintext", &kerr), 0);
	ck_assert_int_eq(tide_kconf_set(&bad, "sasl.mechanisms=PLAIN", &kerr),
	    0);
	kc.kc = &bad;
	ck_assert_int_eq(tide_kreplay_open(&kr, &c, &kc, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 0);
	ck_assert_int_eq(err.unavailable, 0);
	ck_assert_str_eq(err.msg, "sasl.username and sasl.password must be "
	    "set");
	tide_kconf_release(&bad);
	tide_kconsumer_close(&c, TIDE_KCONSUMER_ABANDON);

	/* No such partition: unavailable, with the topic's words. */
	kc.kc = &kconf;
	kc.want = nowant;
	kc.nwant = 1;
	ck_assert_int_eq(tide_kreplay_open(&kr, &c, &kc, &err), TIDE_ENOENT);
	ck_assert_int_eq(err.usage, 0);
	ck_assert_int_eq(err.unavailable, 1);
	ck_assert_str_eq(err.msg, "topic 'kr' has no partition 9");
	tide_kconsumer_close(&c, TIDE_KCONSUMER_ABANDON);

	/* Partitions 0 and 1 from time 5000: offsets 2 and 2 (times 5000
	 * and 6000), to their ends; the outage bound is the metadata one. */
	kc.want = want;
	kc.nwant = 2;
	ck_assert_int_eq(tide_kreplay_open(&kr, &c, &kc, &err), 0);
	ck_assert_int_eq(c.kd.track, 0);
	ck_assert_uint_eq(kr.n, 2);
	ck_assert_uint_eq(kr.total, 2 * (NMSG - 2));
	tide_buf_init(&b, TIDE_BUF_NOMAX);
	tide_kreplay_dryrun_json(&kr, &b);
	ck_assert_str_eq(tide_buf_cstr(&b),
	    "{\"topic\":\"kr\",\"partition\":0,\"low\":0,\"high\":20,"
	    "\"start\":2,\"end\":20,\"records\":18}\n"
	    "{\"topic\":\"kr\",\"partition\":1,\"low\":0,\"high\":20,"
	    "\"start\":2,\"end\":20,\"records\":18}\n"
	    "{\"records\":36}\n");
	tide_buf_release(&b);
}
END_TEST

/* The words of a late partition, on the outage clock's own terms. */
START_TEST(test_kreplay_outage_words)
{
	char say[512], want[160], d[32];
	int64_t now, limit;

	open_replay(2, 7);
	c.kd.bound = 60000;
	c.kd.every = 10000;
	now = tide_kdown_now();
	tide_kdown_restart(&c.kd, now);
	ck_assert_int_eq(tide_kreplay_outage(&kr, &kr.v[1], now, say,
	    sizeof(say)), TIDE_KDOWN_WAIT);
	ck_assert_str_eq(say, "");
	ck_assert_int_eq(tide_kreplay_outage(&kr, &kr.v[1], now + 10000, say,
	    sizeof(say)), TIDE_KDOWN_NOTE);
	ck_assert_str_eq(say, "topic 'kr' partition 1: nothing from offset 0 "
	    "for 10s, still trying (giving up after 1m)");
	/* At the bound the brokers (the mock) answer: the clock restarts
	 * from their answer, once (lib/kafka/kdown.h). */
	ck_assert_int_eq(tide_kreplay_outage(&kr, &kr.v[1], now + 60000, say,
	    sizeof(say)), TIDE_KDOWN_WAIT);
	limit = tide_kdown_limit(&c.kd);
	ck_assert_int_ge(limit, 120000);
	ck_assert_int_lt(limit, 130000);
	tide_dur_fmt(d, limit);
	snprintf(want, sizeof(want), "topic 'kr' partition 1: nothing from "
	    "offset 0 for 1m10s, still trying (giving up after %s)", d);
	ck_assert_int_eq(tide_kreplay_outage(&kr, &kr.v[1], now + 70000, say,
	    sizeof(say)), TIDE_KDOWN_NOTE);
	ck_assert_str_eq(say, want);
	ck_assert_int_eq(tide_kreplay_outage(&kr, &kr.v[1], now + limit - 1,
	    say, sizeof(say)), TIDE_KDOWN_NOTE);
	/* The second bound is the end, said with the whole wait. */
	ck_assert_int_eq(tide_kreplay_outage(&kr, &kr.v[1], now + limit, say,
	    sizeof(say)), TIDE_KDOWN_GIVE_UP);
	tide_dur_fmt(d, limit / 1000 * 1000);
	snprintf(want, sizeof(want), "topic 'kr' partition 1: nothing from "
	    "offset 0 (of 2..7) for %s (--down-timeout 1m)", d);
	ck_assert_str_eq(say, want);
	/* Without brokers to ask, the bound is the end. */
	tide_kdown_attach(&c.kd, NULL);
	tide_kdown_restart(&c.kd, now);
	ck_assert_int_eq(tide_kreplay_outage(&kr, &kr.v[1], now + 60000, say,
	    sizeof(say)), TIDE_KDOWN_GIVE_UP);
	ck_assert_str_eq(say, "topic 'kr' partition 1: nothing from offset 0 "
	    "(of 2..7) for 1m (--down-timeout 1m)");
}
END_TEST

Suite *
suite_kreplay(void)
{
	Suite *s = suite_create("kreplay");
	TCase *tk = tcase_create("mock");

	tcase_add_checked_fixture(tk, setup, teardown);
	tcase_set_timeout(tk, 60);
	tcase_add_test(tk, test_kreplay_init_copies_ranges_and_total);
	tcase_add_test(tk, test_kreplay_reads_ranges_in_order_to_their_ends);
	tcase_add_test(tk, test_kreplay_full_ring_pauses_and_drained_resumes);
	tcase_add_test(tk, test_kreplay_start_again_rereads_from_the_start);
	tcase_add_test(tk, test_kreplay_setup_ranges_json_and_bad_topic);
	tcase_add_test(tk, test_kreplay_outage_words);
	tcase_add_test(tk, test_kreplay_open_in_one_step_and_its_failures);
	suite_add_tcase(s, tk);
	return s;
}
