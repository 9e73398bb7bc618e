/*
 * lib/kafka/kstream: a topic as one side of an interval join, against
 * librdkafka's mock cluster, started inside each test (its threads do not
 * survive Check's fork: a checked fixture).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "err.h"
#include "time.h"
#include "kafka/kconf.h"
#include "kafka/kstream.h"
#include "unit.h"

#define TOPIC	"ks"
#define TMO	10000

static struct tide_kconf kconf;
static struct tide_kstream ks;
static int nsaid;

static void
produce(rd_kafka_t *p, int32_t part, const char *val)
{
	ck_assert_int_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
	    RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_VALUE((void *)val,
	    val ? strlen(val) : 0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_END), 0);
}

static void
setup(void)
{
	rd_kafka_t *p;

	unit_mock_start();
	unit_mock_topic(TOPIC, 2);

	/* Partition 0: a record, a bad one, one without a value, a record;
	 * partition 1 empty. */
	p = unit_mock_producer("linger.ms", "0", NULL);
	produce(p, 0, "{\"rid\":1,\"ts\":10}");
	produce(p, 0, "{\"rid\":1");
	produce(p, 0, NULL);
	produce(p, 0, "{\"rid\":2,\"ts\":30}");
	ck_assert_int_eq(rd_kafka_flush(p, TMO), 0);
	rd_kafka_destroy(p);

	unit_mock_kconf(&kconf);
	nsaid = 0;
}

static void
teardown(void)
{
	tide_kstream_close(&ks);
	tide_kconf_release(&kconf);
	unit_mock_stop();
}

static void
on_say(void *ctx, enum tide_kstream_say level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
	nsaid++;
}

static void
stream_conf(struct tide_kstream_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->kc = &kconf;
	c->topic = TOPIC;
	c->name = "stream 'kafka:ks'";
	c->src = "kafka:ks";
	c->down_ms = 5000;
	c->every_ms = TMO;
	c->maxrec = 1024;
	c->say = on_say;
}

/* The next result of the stream that is not "none ready", waiting. */
static int
next(struct tide_ijside *s, struct tide_kstream_err *err)
{
	struct pollfd pfd;
	int64_t t0 = tide_mono_us();
	int r;

	while ((r = tide_kstream_next(&ks, s, err)) == TIDE_EAGAIN) {
		ck_assert_msg(tide_mono_us() - t0 < TMO * 1000LL, "timed out");
		pfd.fd = tide_kstream_fd(&ks);
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
	}
	return r;
}

START_TEST(test_kstream_reads_records_and_reports_bad_ones)
{
	struct tide_kstream_conf c;
	struct tide_kstream_err err;
	struct tide_joinspec js;
	struct tide_ijside s;
	struct tide_ijsrc_err ierr;
	static char rid[] = "rid";
	int64_t t0;

	memset(&js, 0, sizeof(js));
	js.nkeys = 1;
	js.skey[0] = js.tkey[0] = rid;
	js.unit = TIDE_UNIT_MS;
	ck_assert_int_eq(tide_ijside_init(&s, &js, "ts", 1024,
	    TIDE_IJOIN_RIGHT, NULL, 0, &ierr), 0);
	stream_conf(&c);
	ck_assert_int_eq(tide_kstream_open(&ks, &c, &err), 0);
	ck_assert_uint_eq(ks.nparts, 2);
	tide_kstream_set_wall(&ks, 0);
	ck_assert_int_eq(tide_kstream_caught_up(&ks), 0);
	/* Every partition holds the watermark before its first record. */
	ck_assert_int_eq(tide_kstream_hold(&ks, 0, 0), INT64_MIN);

	ck_assert_int_eq(next(&s, &err), 1);
	ck_assert_int_eq(s.ts, 10);
	ck_assert_uint_eq(s.lineno, 0);
	ck_assert_str_eq(s.path, "kafka:ks partition 0");
	ck_assert_int_eq(next(&s, &err), TIDE_IJSIDE_BAD);
	ck_assert_int_eq(strncmp(err.msg, "not valid JSON: ", 16), 0);
	ck_assert_uint_eq(s.lineno, 1);
	ck_assert_int_eq(next(&s, &err), TIDE_IJSIDE_BAD);
	ck_assert_str_eq(err.msg, "message value is null");
	ck_assert_int_eq(next(&s, &err), 1);
	ck_assert_int_eq(s.ts, 30);
	ck_assert_int_eq(s.have, 1);
	/* Read to the end: an empty partition holds nothing once quiet. */
	t0 = tide_mono_us();
	while (!tide_kstream_caught_up(&ks)) {
		ck_assert_msg(tide_mono_us() - t0 < TMO * 1000LL, "timed out");
		ck_assert_int_eq(next(&s, &err) == 1, 0);
	}
	ck_assert_int_eq(tide_kstream_hold(&ks, 0, 1), INT64_MIN);
	ck_assert_int_eq(tide_kstream_hold(&ks, 1000, tide_mono_us() / 1000 +
	    2000), INT64_MAX);
	ck_assert_int_eq(tide_kstream_set_end(&ks, &err), 0);
	ck_assert_int_eq(tide_kstream_caught_up(&ks), 1);
	ck_assert_int_eq(tide_kstream_outage(&ks, &err), 0);
	tide_ijside_release(&s);
}
END_TEST

static int
d_bad(void *ctx, const char *src, uint64_t lineno, const char *line,
    size_t len, const char *why)
{
	(void)src;
	(void)lineno;
	(void)line;
	(void)len;
	(void)why;
	(*(int *)ctx)++;
	return 0;
}

static int
d_round(void *ctx)
{
	(void)ctx;
	return 0;
}

static int
d_late(void *ctx, const struct tide_ijside *s, int64_t wm)
{
	(void)ctx;
	(void)s;
	(void)wm;
	return 0;
}

static void
d_fail(void *ctx, const char *msg)
{
	(void)ctx;
	ck_abort_msg("%s", msg);
}

START_TEST(test_kstream_drive_joins_a_file_with_the_topic)
{
	static volatile sig_atomic_t stop;
	static char rid[] = "rid";
	struct tide_kstream_conf c;
	struct tide_kstream_err err;
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_ijdrive d;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err ierr;
	struct tide_wout w;
	char lp[] = "/tmp/check_kstreamXXXXXX", *lpaths[] = { lp }, out[256];
	FILE *f = fdopen(mkstemp(lp), "w"), *of = tmpfile();
	int nbad = 0;
	ssize_t n;

	fputs("{\"rid\":1,\"ts\":11,\"a\":1}\n{\"rid\":2,\"ts\":90}\n", f);
	fclose(f);
	memset(&js, 0, sizeof(js));
	js.kind = TIDE_JOIN_INNER;
	js.nkeys = 1;
	js.skey[0] = js.tkey[0] = rid;
	js.unit = TIDE_UNIT_MS;
	js.overwrite = 1;
	tide_wout_init(&w, fileno(of));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 0, NULL, &w, 1024, &st, d_bad,
	    &nbad, &ierr), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, lpaths, 1, &ierr);
	tide_ijside_init(&r, &js, "ts", 1024, TIDE_IJOIN_RIGHT, NULL, 0, &ierr);
	tide_ijoin_init(&ij, 5);
	tide_ijdrive_init(&d, &o, &ij, &l, &r);
	d.stop = &stop;
	d.round = d_round;
	d.late = d_late;
	d.fail = d_fail;
	stream_conf(&c);
	ck_assert_int_eq(tide_kstream_open(&ks, &c, &err), 0);
	ck_assert_int_eq(tide_kstream_drive(&ks, &d), 0);
	ck_assert_int_eq(tide_kstream_caught_up(&ks), 1);
	ck_assert_int_eq(nbad, 2);
	ck_assert_uint_eq(st.in, 6);
	ck_assert_uint_eq(o.pairs, 1);
	tide_wout_flush(&w);
	rewind(of);
	n = read(fileno(of), out, sizeof(out) - 1);
	out[n < 0 ? 0 : n] = '\0';
	ck_assert_str_eq(out, "{\"rid\":1,\"a\":1,\"ts\":10}\n");
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_ijout_release(&o);
	tide_wout_release(&w);
	fclose(of);
	unlink(lp);
}
END_TEST

START_TEST(test_kstream_unreachable_brokers_are_unavailable)
{
	struct tide_kstream_conf c;
	struct tide_kstream_err err;
	struct tide_kconf kc;
	struct tide_kconf_err kerr;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_brokers(&kc, "127.0.0.1:1"), 0);
	ck_assert_int_eq(tide_kconf_set(&kc, "log_level=0", &kerr), 0);
	stream_conf(&c);
	c.kc = &kc;
	c.every_ms = 500;
	ck_assert_int_eq(tide_kstream_open(&ks, &c, &err), TIDE_EKAFKA);
	ck_assert_int_eq(err.usage, 0);
	ck_assert_int_eq(err.unavailable, 1);
	ck_assert_msg(strncmp(err.msg, "stream 'kafka:ks': ", 19) == 0, "%s",
	    err.msg);
	tide_kstream_close(&ks);
	tide_kconf_release(&kc);
}
END_TEST

/* tide-join's configuration as a Kafka stream's (no broker needed). */
START_TEST(test_kstream_join_conf)
{
	struct tide_joinconf c;
	struct tide_kstream_conf k;
	struct tide_kconf kc;

	tide_kconf_init(&kc);
	tide_joinconf_init(&c);
	c.with = "kafka:pay";
	c.wtopic = "pay";
	c.maxrec = 1000;
	tide_kstream_join_conf(&k, &c, &kc, "stream 'kafka:pay'");
	ck_assert_ptr_eq(k.kc, &kc);
	ck_assert_str_eq(k.topic, "pay");
	ck_assert_str_eq(k.name, "stream 'kafka:pay'");
	ck_assert_str_eq(k.src, "kafka:pay");
	ck_assert_int_eq(k.down_ms, 300000);
	ck_assert_int_eq(k.every_ms, 10000);
	ck_assert_uint_eq(k.maxrec, 1000);
	ck_assert_ptr_null(k.on_fatal);
	ck_assert_ptr_null(k.say);
	c.downms = 2000;
	tide_kstream_join_conf(&k, &c, &kc, "s");
	ck_assert_int_eq(k.down_ms, 2000);
	tide_joinconf_release(&c);
	tide_kconf_release(&kc);
}
END_TEST

Suite *
suite_kstream(void)
{
	Suite *s = suite_create("kstream");
	TCase *tc = tcase_create("mock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_kstream_reads_records_and_reports_bad_ones);
	tcase_add_test(tc, test_kstream_drive_joins_a_file_with_the_topic);
	tcase_add_test(tc, test_kstream_unreachable_brokers_are_unavailable);
	suite_add_tcase(s, tc);
	tc = tcase_create("conf");
	tcase_add_test(tc, test_kstream_join_conf);
	suite_add_tcase(s, tc);
	return s;
}
