#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kafka/kconf.h"
#include "kafka/kdown.h"
#include "sig.h"
#include "time.h"
#include "unit.h"

START_TEST(test_kdown_check_is_up_until_begun)
{
	struct tide_kdown d;
	int64_t shown = -7;

	tide_kdown_init(&d, 3000, 1000);
	ck_assert_int_eq(tide_kdown_is_down(&d), 0);
	ck_assert_int_eq(tide_kdown_check(&d, 123456, &shown), TIDE_KDOWN_UP);
	ck_assert_int_eq(shown, -7);
	ck_assert_int_eq(tide_kdown_end(&d, 123456, &shown), 0);
	ck_assert_int_eq(shown, -7);
}
END_TEST

START_TEST(test_kdown_notes_every_interval_then_gives_up_at_the_bound)
{
	struct tide_kdown d;
	int64_t shown;

	tide_kdown_init(&d, 3000, 1000);
	tide_kdown_begin(&d, 10000);
	ck_assert_int_eq(tide_kdown_is_down(&d), 1);
	ck_assert_int_eq(tide_kdown_check(&d, 10000, &shown), TIDE_KDOWN_WAIT);
	ck_assert_int_eq(shown, 0);
	ck_assert_int_eq(tide_kdown_check(&d, 10999, &shown), TIDE_KDOWN_WAIT);
	ck_assert_int_eq(shown, 999);	/* under 1 s: as it is */
	ck_assert_int_eq(tide_kdown_check(&d, 11400, &shown), TIDE_KDOWN_NOTE);
	ck_assert_int_eq(shown, 1000);	/* whole seconds from 1 s on */
	/* The next note is due an interval after the last one. */
	ck_assert_int_eq(tide_kdown_check(&d, 12399, &shown), TIDE_KDOWN_WAIT);
	ck_assert_int_eq(tide_kdown_check(&d, 12400, &shown), TIDE_KDOWN_NOTE);
	ck_assert_int_eq(shown, 2000);
	/* At the bound, giving up wins over a note that is due. */
	ck_assert_int_eq(tide_kdown_check(&d, 12999, &shown), TIDE_KDOWN_WAIT);
	ck_assert_int_eq(tide_kdown_check(&d, 13000, &shown), TIDE_KDOWN_GIVE_UP);
	ck_assert_int_eq(shown, 3000);
	ck_assert_int_eq(tide_kdown_check(&d, 20000, &shown), TIDE_KDOWN_GIVE_UP);
	ck_assert_int_eq(shown, 10000);
}
END_TEST

START_TEST(test_kdown_bound_zero_never_gives_up)
{
	struct tide_kdown d;
	int64_t shown;

	tide_kdown_init(&d, 0, 10000);
	tide_kdown_begin(&d, 0);
	ck_assert_int_eq(tide_kdown_check(&d, 86400000, &shown), TIDE_KDOWN_NOTE);
	ck_assert_int_eq(shown, 86400000);
	ck_assert_int_eq(tide_kdown_check(&d, 86400001, &shown), TIDE_KDOWN_WAIT);
	ck_assert_int_eq(tide_kdown_wait_ms(&d, 86400001, 250), 250);
	/* A negative bound is "never" too. */
	tide_kdown_init(&d, -1, 10000);
	tide_kdown_begin(&d, 0);
	ck_assert_int_eq(tide_kdown_check(&d, 999999999, &shown), TIDE_KDOWN_NOTE);
}
END_TEST

START_TEST(test_kdown_begin_keeps_a_running_clock_restart_does_not)
{
	struct tide_kdown d;
	int64_t shown;

	tide_kdown_init(&d, 5000, 1000);
	tide_kdown_begin(&d, 1000);
	ck_assert_int_eq(tide_kdown_check(&d, 2500, &shown), TIDE_KDOWN_NOTE);
	tide_kdown_begin(&d, 2500);	/* already down: no change */
	ck_assert_int_eq(tide_kdown_check(&d, 6000, &shown), TIDE_KDOWN_GIVE_UP);
	tide_kdown_restart(&d, 6000);	/* afresh, nothing noted yet */
	ck_assert_int_eq(tide_kdown_check(&d, 6500, &shown), TIDE_KDOWN_WAIT);
	ck_assert_int_eq(shown, 500);
	ck_assert_int_eq(tide_kdown_end(&d, 6500, &shown), 0);
}
END_TEST

START_TEST(test_kdown_end_says_reachable_only_after_a_note)
{
	struct tide_kdown d;
	int64_t shown = -1;

	tide_kdown_init(&d, 0, 1000);
	tide_kdown_begin(&d, 0);
	ck_assert_int_eq(tide_kdown_check(&d, 900, &shown), TIDE_KDOWN_WAIT);
	/* A short outage, never reported: nothing to say when it ends. */
	ck_assert_int_eq(tide_kdown_end(&d, 950, &shown), 0);
	ck_assert_int_eq(tide_kdown_is_down(&d), 0);
	ck_assert_int_eq(tide_kdown_check(&d, 5000, &shown), TIDE_KDOWN_UP);

	tide_kdown_begin(&d, 10000);
	ck_assert_int_eq(tide_kdown_check(&d, 11000, &shown), TIDE_KDOWN_NOTE);
	ck_assert_int_eq(tide_kdown_end(&d, 12999, &shown), 1);
	ck_assert_int_eq(shown, 2000);	/* whole seconds, rounded down */
	ck_assert_int_eq(tide_kdown_is_down(&d), 0);
	/* Over: a second end says nothing; a new outage starts afresh. */
	ck_assert_int_eq(tide_kdown_end(&d, 13000, &shown), 0);
	tide_kdown_begin(&d, 20000);
	ck_assert_int_eq(tide_kdown_check(&d, 20500, &shown), TIDE_KDOWN_WAIT);
}
END_TEST

/* The note's words, with the bound or "never". */
START_TEST(test_kdown_say_down_words)
{
	struct tide_kdown d;
	char out[256];

	tide_kdown_init(&d, 300000, 10000);
	snprintf(d.brokers, sizeof(d.brokers), "h1:9092");
	tide_kdown_say_down(&d, 10000, out, sizeof(out));
	ck_assert_str_eq(out, "brokers h1:9092 unreachable for 10s, still "
	    "trying (giving up after 5m)");
	d.bound = 0;
	tide_kdown_say_down(&d, 90000, out, sizeof(out));
	ck_assert_str_eq(out, "brokers h1:9092 unreachable for 1m30s, still "
	    "trying (giving up after never)");
}
END_TEST

START_TEST(test_kdown_wait_ms_ends_at_the_bound)
{
	struct tide_kdown d;

	tide_kdown_init(&d, 3000, 1000);
	ck_assert_int_eq(tide_kdown_wait_ms(&d, 0, 100), 100);	/* not down */
	tide_kdown_begin(&d, 1000);
	ck_assert_int_eq(tide_kdown_wait_ms(&d, 1000, 100), 100);
	ck_assert_int_eq(tide_kdown_wait_ms(&d, 3950, 100), 50);
	ck_assert_int_eq(tide_kdown_wait_ms(&d, 4000, 100), 0);
	ck_assert_int_eq(tide_kdown_wait_ms(&d, 9000, 100), 0);
}
END_TEST

START_TEST(test_kdown_conf_has_shared_defaults_client_id_and_extra)
{
	static const char *const extra[] = {
		"group.id=g1", "fetch.wait.max.ms=500", NULL
	};
	struct tide_kconf_err err;
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_brokers(&kc, "h1:9092,h2:9092"), 0);
	ck_assert_int_eq(tide_kconf_set(&kc, "fetch.min.bytes=7", &err), 0);
	tide_kdown_init(&d, 0, 1000);
	conf = tide_kdown_conf(&d, &kc, "tide-x", extra, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(unit_kconf_get(conf, "client.id"), "tide-x");
	ck_assert_str_eq(unit_kconf_get(conf, "group.id"), "g1");
	ck_assert_str_eq(unit_kconf_get(conf, "enable.partition.eof"), "true");
	ck_assert_str_eq(unit_kconf_get(conf, "enable.auto.commit"), "false");
	ck_assert_str_eq(unit_kconf_get(conf, "enable.auto.offset.store"), "false");
	ck_assert_str_eq(unit_kconf_get(conf, "log.connection.close"), "false");
	ck_assert_str_eq(unit_kconf_get(conf, "fetch.error.backoff.ms"), "50");
	/* A program's extra default replaces a shared one; the user's
	 * setting replaces both. */
	ck_assert_str_eq(unit_kconf_get(conf, "fetch.wait.max.ms"), "500");
	ck_assert_str_eq(unit_kconf_get(conf, "fetch.min.bytes"), "7");
	ck_assert_str_eq(d.brokers, "h1:9092,h2:9092");
	ck_assert_int_eq(d.debug, 0);
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kdown_conf_without_brokers_or_extra)
{
	struct tide_kconf_err err;
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_conf_t *conf;

	tide_kconf_init(&kc);
	ck_assert_int_eq(tide_kconf_debug(&kc, "broker"), 0);
	tide_kdown_init(&d, 0, 1000);
	conf = tide_kdown_conf(&d, &kc, "tide-y", NULL, &err);
	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(unit_kconf_get(conf, "client.id"), "tide-y");
	ck_assert_str_eq(d.brokers, "(none)");
	ck_assert_int_eq(d.debug, 1);
	rd_kafka_conf_destroy(conf);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kdown_conf_reports_a_bad_setting)
{
	static const char *const extra[] = { "no.such.property=1", NULL };
	struct tide_kconf_err err;
	struct tide_kconf kc;
	struct tide_kdown d;

	tide_kconf_init(&kc);
	tide_kdown_init(&d, 0, 1000);
	ck_assert_ptr_null(tide_kdown_conf(&d, &kc, "tide-z", extra, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "no.such.property"));
	tide_kconf_release(&kc);
}
END_TEST

static int fatal_calls;
static char fatal_reason[256];

static void
on_fatal(void *ctx, const char *reason)
{
	ck_assert_ptr_eq(ctx, &fatal_calls);
	fatal_calls++;
	snprintf(fatal_reason, sizeof(fatal_reason), "%s", reason);
}

/* A consumer handle with d's callbacks and no brokers to talk to. */
static rd_kafka_t *
client(struct tide_kdown *d, struct tide_kconf *kc)
{
	struct tide_kconf_err err;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	char errstr[256];

	tide_kconf_init(kc);
	conf = tide_kdown_conf(d, kc, "tide-t", NULL, &err);
	ck_assert_ptr_nonnull(conf);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_ptr_nonnull(rk);
	return rk;
}

START_TEST(test_kdown_error_cb_keeps_last_error_and_starts_the_clock)
{
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_t *rk;

	tide_kdown_init(&d, 0, 1000);
	rk = client(&d, &kc);
	ck_assert_ptr_eq(rd_kafka_opaque(rk), &d);
	tide_kdown_error_cb(rk, RD_KAFKA_RESP_ERR__TRANSPORT, "conn refused", &d);
	ck_assert_str_eq(d.lasterr, "conn refused");
	ck_assert_int_eq(tide_kdown_is_down(&d), 0);
	tide_kdown_error_cb(rk, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
	    "2/2 brokers are down", &d);
	ck_assert_str_eq(d.lasterr, "2/2 brokers are down");
	ck_assert_int_eq(tide_kdown_is_down(&d), 1);
	/* Without track, the program runs the clock itself. */
	tide_kdown_end(&d, 0, &(int64_t){ 0 });
	d.track = 0;
	tide_kdown_error_cb(rk, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "down", &d);
	ck_assert_int_eq(tide_kdown_is_down(&d), 0);
	ck_assert_str_eq(d.lasterr, "down");
	ck_assert_int_eq(fatal_calls, 0);
	/* The recording part alone, for a producer's error hook. */
	d.track = 1;
	tide_kdown_error(&d, RD_KAFKA_RESP_ERR__TRANSPORT, "refused");
	ck_assert_str_eq(d.lasterr, "refused");
	ck_assert_int_eq(tide_kdown_is_down(&d), 0);
	tide_kdown_error(&d, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "all down");
	ck_assert_int_eq(tide_kdown_is_down(&d), 1);
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
}
END_TEST

/* No brokers answer: the probe fails, and the clock decides. */
START_TEST(test_kdown_poll_without_brokers_follows_the_clock)
{
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_t *rk;
	int64_t shown = -1, now;

	tide_kdown_init(&d, 60000, 50);
	rk = client(&d, &kc);
	/* No outage: no probe, up at once. */
	ck_assert_int_eq(tide_kdown_poll(&d, rk, &shown), TIDE_KDOWN_UP);
	ck_assert_int_eq(shown, -1);
	now = tide_mono_us() / 1000;
	tide_kdown_begin(&d, now - 500);
	/* Half a second down, notes every 50 ms: the first poll notes it. */
	ck_assert_int_eq(tide_kdown_poll(&d, rk, &shown), TIDE_KDOWN_NOTE);
	ck_assert_int_ge(shown, 500);
	ck_assert_int_eq(tide_kdown_is_down(&d), 1);
	/* Past the bound: give up. */
	tide_kdown_restart(&d, now - 61000);
	ck_assert_int_eq(tide_kdown_poll(&d, rk, &shown), TIDE_KDOWN_GIVE_UP);
	ck_assert_int_ge(shown, 61000);
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
}
END_TEST

START_TEST(test_kdown_error_cb_hands_a_fatal_error_to_the_hook)
{
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_t *rk;

	tide_kdown_init(&d, 0, 1000);
	d.on_fatal = on_fatal;
	d.ctx = &fatal_calls;
	rk = client(&d, &kc);
	fatal_calls = 0;
	/* librdkafka's own fatal-error path, served by poll. */
	ck_assert_int_eq(rd_kafka_test_fatal_error(rk,
	    RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "test fatal"), 0);
	rd_kafka_poll(rk, 500);
	ck_assert_int_eq(fatal_calls, 1);
	ck_assert_ptr_nonnull(strstr(fatal_reason, "test fatal"));
	ck_assert_ptr_nonnull(strstr(d.lasterr, "test fatal"));
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
}
END_TEST

/* A client with d's callbacks, the user's setting set (or NULL) and, with
 * mock, librdkafka's built-in one-broker cluster, which answers. */
static rd_kafka_t *
client_with(struct tide_kdown *d, struct tide_kconf *kc, const char *set,
    int mock)
{
	struct tide_kconf_err err;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	char errstr[256];

	tide_kconf_init(kc);
	if (set)
		ck_assert_int_eq(tide_kconf_set(kc, set, &err), 0);
	if (mock)
		ck_assert_int_eq(tide_kconf_set(kc, "test.mock.num.brokers=1",
		    &err), 0);
	conf = tide_kdown_conf(d, kc, "tide-t", NULL, &err);
	ck_assert_ptr_nonnull(conf);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_ptr_nonnull(rk);
	return rk;
}

/* The question at the bound waits 1.5 reconnect backoffs and a second:
 * tide's default backoff (1 s), the user's, none without a client. */
START_TEST(test_kdown_attach_waits_for_the_reconnect_backoff)
{
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_t *rk;

	tide_kdown_init(&d, 3000, 1000);
	ck_assert_ptr_null(d.rk);
	rk = client_with(&d, &kc, NULL, 0);
	tide_kdown_attach(&d, rk);
	ck_assert_ptr_eq(d.rk, rk);
	ck_assert_int_eq(d.ask_ms, 2500);
	tide_kdown_attach(&d, NULL);
	ck_assert_ptr_null(d.rk);
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
	rk = client_with(&d, &kc, "reconnect.backoff.max.ms=200", 0);
	tide_kdown_attach(&d, rk);
	ck_assert_int_eq(d.ask_ms, 1300);
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
}
END_TEST

/* Brokers that answer at the bound restart the clock, once: the second
 * bound, from the answer, is the end. */
START_TEST(test_kdown_bound_restarts_once_when_the_brokers_answer)
{
	struct tide_kconf kc;
	struct tide_kdown d;
	char say[512], want[128], lim[32];
	rd_kafka_t *rk;
	int64_t shown, now, limit;

	tide_kdown_init(&d, 3000, 1000);
	rk = client_with(&d, &kc, NULL, 1);
	tide_kdown_attach(&d, rk);
	now = tide_kdown_now();
	tide_kdown_begin(&d, now - 3000);
	ck_assert_int_eq(tide_kdown_check(&d, now, &shown), TIDE_KDOWN_WAIT);
	ck_assert_int_eq(shown, 3000);
	ck_assert_int_eq(tide_kdown_is_down(&d), 1);
	/* Another bound from the answer: at least 6 s in all, and no more
	 * than the question's longest wait beyond that. */
	limit = tide_kdown_limit(&d);
	ck_assert_int_ge(limit, 6000);
	ck_assert_int_le(limit, 6000 + 2500);
	ck_assert_int_eq(tide_kdown_wait_ms(&d, now, 100000), limit - 3000);
	/* The note says the new limit. */
	tide_dur_fmt(lim, limit);
	snprintf(want, sizeof(want), "unreachable for 4s, still trying "
	    "(giving up after %s)", lim);
	tide_kdown_say_down(&d, 4000, say, sizeof(say));
	ck_assert_ptr_nonnull(strstr(say, want));
	/* Up to it, a note (it is due): still waiting. */
	ck_assert_int_eq(tide_kdown_check(&d, d.since + limit - 1, &shown),
	    TIDE_KDOWN_NOTE);
	/* The second bound: no question, the end at once. */
	now = tide_kdown_now();
	ck_assert_int_eq(tide_kdown_check(&d, d.since + limit, &shown),
	    TIDE_KDOWN_GIVE_UP);
	ck_assert_int_lt(tide_kdown_now() - now, 500);
	ck_assert_int_eq(tide_kdown_check(&d, d.since + limit + 1, &shown),
	    TIDE_KDOWN_GIVE_UP);
	/* A new outage (or a new wait) may ask again. */
	tide_kdown_restart(&d, tide_kdown_now() - 3000);
	ck_assert_int_eq(tide_kdown_limit(&d), 3000);
	ck_assert_int_eq(tide_kdown_check(&d, tide_kdown_now(), &shown),
	    TIDE_KDOWN_WAIT);
	/* The brokers answering, a poll ends the outage. */
	ck_assert_int_eq(tide_kdown_poll(&d, rk, &shown), TIDE_KDOWN_UP);
	ck_assert_int_eq(tide_kdown_is_down(&d), 0);
	ck_assert_int_eq(tide_kdown_limit(&d), 3000);
	tide_kdown_attach(&d, NULL);
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
}
END_TEST

/* Brokers that do not answer: the bound is the end, after the question
 * (at most the bound long); the length shown is the one at the bound. */
START_TEST(test_kdown_bound_gives_up_when_the_brokers_do_not_answer)
{
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_t *rk;
	int64_t shown, now;

	tide_kdown_init(&d, 300, 100);
	rk = client_with(&d, &kc, "bootstrap.servers=127.0.0.1:1", 0);
	tide_kdown_attach(&d, rk);
	now = tide_kdown_now();
	tide_kdown_begin(&d, now - 300);
	ck_assert_int_eq(tide_kdown_check(&d, now, &shown),
	    TIDE_KDOWN_GIVE_UP);
	ck_assert_int_eq(shown, 300);
	ck_assert_int_eq(tide_kdown_limit(&d), 300);
	/* Asked once: the next check does not wait. */
	now = tide_kdown_now();
	ck_assert_int_eq(tide_kdown_check(&d, now, &shown),
	    TIDE_KDOWN_GIVE_UP);
	ck_assert_int_lt(tide_kdown_now() - now, 100);
	/* Without a client, nobody is asked. */
	tide_kdown_attach(&d, NULL);
	tide_kdown_restart(&d, now - 300);
	ck_assert_int_eq(tide_kdown_check(&d, now, &shown),
	    TIDE_KDOWN_GIVE_UP);
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
}
END_TEST

static void *
int_later(void *arg)
{
	(void)arg;
	usleep(300000);
	kill(getpid(), SIGINT);
	return NULL;
}

START_TEST(test_kdown_metadata_ends_at_the_bound_or_a_stop_signal)
{
	const struct rd_kafka_metadata *md = NULL;
	struct tide_kconf kc;
	struct tide_kdown d;
	rd_kafka_resp_err_t e;
	rd_kafka_t *rk;
	pthread_t t;

	tide_kdown_init(&d, 60000, 1000);
	rk = client(&d, &kc);
	/* No brokers: the bound ends it, with their error. */
	e = tide_kdown_metadata(rk, 1, NULL, &md, 300);
	ck_assert_int_ne(e, RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_ne(e, RD_KAFKA_RESP_ERR__INTR);
	/* A stop signal during the wait ends it (long before the minute:
	 * the test case's own timeout would end it first). */
	tide_sig_init(0);
	ck_assert_int_eq(pthread_create(&t, NULL, int_later, NULL), 0);
	e = tide_kdown_metadata(rk, 1, NULL, &md, 60000);
	pthread_join(t, NULL);
	ck_assert_int_eq(e, RD_KAFKA_RESP_ERR__INTR);
	ck_assert_int_eq(tide_sig_last(), SIGINT);
	tide_sig_reset();
	signal(SIGINT, SIG_DFL);
	rd_kafka_destroy(rk);
	tide_kconf_release(&kc);
}
END_TEST

Suite *
suite_kdown(void)
{
	Suite *s = suite_create("kdown");
	TCase *tc = tcase_create("kdown");

	tcase_add_test(tc, test_kdown_check_is_up_until_begun);
	tcase_add_test(tc, test_kdown_notes_every_interval_then_gives_up_at_the_bound);
	tcase_add_test(tc, test_kdown_bound_zero_never_gives_up);
	tcase_add_test(tc, test_kdown_begin_keeps_a_running_clock_restart_does_not);
	tcase_add_test(tc, test_kdown_end_says_reachable_only_after_a_note);
	tcase_add_test(tc, test_kdown_wait_ms_ends_at_the_bound);
	tcase_add_test(tc, test_kdown_say_down_words);
	tcase_add_test(tc, test_kdown_conf_has_shared_defaults_client_id_and_extra);
	tcase_add_test(tc, test_kdown_conf_without_brokers_or_extra);
	tcase_add_test(tc, test_kdown_conf_reports_a_bad_setting);
	tcase_add_test(tc, test_kdown_error_cb_keeps_last_error_and_starts_the_clock);
	tcase_add_test(tc, test_kdown_poll_without_brokers_follows_the_clock);
	tcase_add_test(tc, test_kdown_error_cb_hands_a_fatal_error_to_the_hook);
	tcase_add_test(tc, test_kdown_attach_waits_for_the_reconnect_backoff);
	tcase_add_test(tc, test_kdown_bound_restarts_once_when_the_brokers_answer);
	tcase_add_test(tc, test_kdown_bound_gives_up_when_the_brokers_do_not_answer);
	tcase_add_test(tc, test_kdown_metadata_ends_at_the_bound_or_a_stop_signal);
	suite_add_tcase(s, tc);
	return s;
}
