#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka/kdown.h"
#include "log.h"
#include "sig.h"
#include "time.h"

#define MAXEXTRA 16

/* Every consumer of tide reads from assigned partitions and decides itself
 * what it has read. */
static const char *const shared[] = {
	/* Latency: a quiet partition's fetch returns after at most this
	 * long; a busy one returns as soon as there is data. */
	"fetch.wait.max.ms=10",
	"fetch.min.bytes=1",
	"fetch.error.backoff.ms=50",
	"enable.partition.eof=true",
	"enable.auto.commit=false",
	"enable.auto.offset.store=false",
	"auto.offset.reset=earliest",
	"log.connection.close=false",
};

void
tide_kdown_init(struct tide_kdown *d, int64_t bound_ms, int64_t every_ms)
{
	memset(d, 0, sizeof(*d));
	d->since = -1;
	d->bound = bound_ms > 0 ? bound_ms : 0;
	d->every = every_ms > 0 ? every_ms : 1;
	d->track = 1;
	d->prefix = "";
	snprintf(d->brokers, sizeof(d->brokers), "(none)");
}

void
tide_kdown_attach(struct tide_kdown *d, rd_kafka_t *rk)
{
	long long max = 10000;	/* librdkafka's default */
	char v[32];
	size_t n = sizeof(v);

	d->rk = rk;
	if (rk && rd_kafka_conf_get(rd_kafka_conf(rk),
	    "reconnect.backoff.max.ms", v, &n) == RD_KAFKA_CONF_OK)
		max = strtoll(v, NULL, 10);
	d->ask_ms = max * 3 / 2 + TIDE_KDOWN_ASK_SLACK_MS;
}

rd_kafka_conf_t *
tide_kdown_conf(struct tide_kdown *d, const struct tide_kconf *kc,
    const char *client_id, const char *const *extra,
    struct tide_kconf_err *err)
{
	const char *defaults[sizeof(shared) / sizeof(shared[0]) + MAXEXTRA + 2];
	char cid[300];
	rd_kafka_conf_t *conf;
	size_t i, n = 0;

	snprintf(cid, sizeof(cid), "client.id=%s", client_id);
	defaults[n++] = cid;
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		defaults[n++] = shared[i];
	for (i = 0; extra && extra[i] && i < MAXEXTRA; i++)
		defaults[n++] = extra[i];
	defaults[n] = NULL;
	if ((conf = tide_kconf_build(kc, defaults, err)) == NULL)
		return NULL;
	d->debug = kc->debug != NULL;
	i = sizeof(d->brokers);
	if (rd_kafka_conf_get(conf, "bootstrap.servers", d->brokers, &i) !=
	    RD_KAFKA_CONF_OK)
		snprintf(d->brokers, sizeof(d->brokers), "(none)");
	rd_kafka_conf_set_opaque(conf, d);
	rd_kafka_conf_set_log_cb(conf, tide_kdown_log_cb);
	rd_kafka_conf_set_error_cb(conf, tide_kdown_error_cb);
	return conf;
}

void
tide_kdown_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf)
{
	const struct tide_kdown *d = rd_kafka_opaque(rk);

	/* Connection failures are reported once, by the program, with an
	 * exit status; librdkafka's own lines are detail for -v and -d. */
	tide_log(d && d->debug ? TIDE_LOG_WARN : TIDE_LOG_INFO,
	    "librdkafka: %d %s: %s", level, fac, buf);
}

void
tide_kdown_error_cb(rd_kafka_t *rk, int err, const char *reason,
    void *opaque)
{
	struct tide_kdown *d = opaque;

	tide_kdown_error(d, err, reason);
	if (rd_kafka_fatal_error(rk, NULL, 0)) {
		if (d->on_fatal)
			d->on_fatal(d->ctx, reason);
	} else
		tide_log(TIDE_LOG_INFO, "%s%s: %s", d->prefix,
		    rd_kafka_err2name(err), reason);
}

void
tide_kdown_error(struct tide_kdown *d, int err, const char *reason)
{
	snprintf(d->lasterr, sizeof(d->lasterr), "%s", reason);
	/* librdkafka says this once per outage, then retries for ever: the
	 * program bounds the wait from here. */
	if (d->track && err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		tide_kdown_begin(d, tide_mono_us() / 1000);
}

void
tide_kdown_begin(struct tide_kdown *d, int64_t now)
{
	if (d->since < 0)
		tide_kdown_restart(d, now);
}

void
tide_kdown_restart(struct tide_kdown *d, int64_t now)
{
	d->since = now;
	d->noted = 0;
	d->grace = 0;
	d->asked = 0;
}

int
tide_kdown_is_down(const struct tide_kdown *d)
{
	return d->since >= 0;
}

enum tide_kdown_act
tide_kdown_check(struct tide_kdown *d, int64_t now, int64_t *shown)
{
	int64_t len, t0;

	if (d->since < 0)
		return TIDE_KDOWN_UP;
	len = now - d->since;
	*shown = len >= 1000 ? len / 1000 * 1000 : len;
	if (d->bound > 0 && len >= d->bound + d->grace) {
		if (d->rk == NULL || d->asked)
			return TIDE_KDOWN_GIVE_UP;
		/* Brokers back shortly before the bound may not have been
		 * seen yet (the header): ask, once, long enough to see them. */
		d->asked = 1;
		t0 = tide_kdown_now();
		if (!tide_kdown_probe(d->rk, (int)(d->ask_ms < d->bound ?
		    d->ask_ms : d->bound)))
			return TIDE_KDOWN_GIVE_UP;
		/* They answer: the clock restarts from the answer, on the
		 * caller's clock. */
		d->grace = len + (tide_kdown_now() - t0);
		return TIDE_KDOWN_WAIT;
	}
	if (len >= d->noted + d->every) {
		d->noted = len;
		return TIDE_KDOWN_NOTE;
	}
	return TIDE_KDOWN_WAIT;
}

int64_t
tide_kdown_limit(const struct tide_kdown *d)
{
	return d->bound > 0 ? d->bound + d->grace : 0;
}

int64_t
tide_kdown_wait_ms(const struct tide_kdown *d, int64_t now, int64_t max)
{
	int64_t left;

	if (d->since < 0 || d->bound <= 0)
		return max;
	left = tide_kdown_limit(d) - (now - d->since);
	return left < 0 ? 0 : left < max ? left : max;
}

void
tide_kdown_say_down(const struct tide_kdown *d, int64_t len, char *out,
    size_t cap)
{
	char l[32], b[32] = "never";

	tide_dur_fmt(l, len);
	if (d->bound > 0)
		tide_dur_fmt(b, tide_kdown_limit(d));
	snprintf(out, cap, "brokers %s unreachable for %s, still trying "
	    "(giving up after %s)", d->brokers, l, b);
}

void
tide_kdown_say_back(const struct tide_kdown *d, int64_t len, char *out,
    size_t cap)
{
	char l[32];

	tide_dur_fmt(l, len);
	snprintf(out, cap, "brokers %s reachable again after %s", d->brokers,
	    l);
}

void
tide_kdown_say_gone(const struct tide_kdown *d, int64_t len, char *out,
    size_t cap)
{
	char l[32], b[32];

	tide_dur_fmt(l, len);
	tide_dur_fmt(b, d->bound);
	snprintf(out, cap, "brokers %s unreachable for %s (--down-timeout %s)",
	    d->brokers, l, b);
}

int64_t
tide_kdown_now(void)
{
	return tide_mono_us() / 1000;
}

int
tide_kdown_end(struct tide_kdown *d, int64_t now, int64_t *shown)
{
	int noted = d->noted > 0;

	if (d->since < 0)
		return 0;
	*shown = (now - d->since) / 1000 * 1000;
	d->since = -1;
	d->noted = 0;
	d->grace = 0;
	d->asked = 0;
	return noted;
}

int
tide_kdown_probe(rd_kafka_t *rk, int timeout_ms)
{
	const struct rd_kafka_metadata *md;

	if (rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	rd_kafka_metadata_destroy(md);
	return 1;
}

enum tide_kdown_act
tide_kdown_poll(struct tide_kdown *d, rd_kafka_t *rk, int64_t *shown)
{
	if (d->since < 0)
		return TIDE_KDOWN_UP;
	if (tide_kdown_probe(rk, d->every < TIDE_KDOWN_PROBE_MS ?
	    (int)d->every : TIDE_KDOWN_PROBE_MS))
		return tide_kdown_end(d, tide_mono_us() / 1000, shown) ?
		    TIDE_KDOWN_BACK : TIDE_KDOWN_UP;
	return tide_kdown_check(d, tide_mono_us() / 1000, shown);
}

/* Errors of a wait for brokers not there yet: asked again in the next
 * slice. */
static int
kdown_transient(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR__TRANSPORT ||
	    e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
	    e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
}

rd_kafka_resp_err_t
tide_kdown_metadata(rd_kafka_t *rk, int all, rd_kafka_topic_t *only,
    const struct rd_kafka_metadata **md, int timeout_ms)
{
	int64_t end = tide_mono_us() / 1000 + timeout_ms, left;
	int64_t slice = TIDE_KDOWN_SLICE_MS;
	unsigned stops = tide_sig_stops();
	rd_kafka_resp_err_t e;
	struct timespec ts = { 0, TIDE_KDOWN_SLICE_MS * 1000000L };

	for (;;) {
		left = end - tide_mono_us() / 1000;
		if (left < 1)
			left = 1;
		e = rd_kafka_metadata(rk, all, only, md,
		    (int)(left < slice ? left : slice));
		if (slice < TIDE_KDOWN_SLICE_MAX_MS)
			slice = 2 * slice < TIDE_KDOWN_SLICE_MAX_MS ? 2 * slice :
			    TIDE_KDOWN_SLICE_MAX_MS;
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR || !kdown_transient(e))
			return e;
		if (tide_sig_stops() != stops)
			return RD_KAFKA_RESP_ERR__INTR;
		if (tide_mono_us() / 1000 >= end)
			return e;
		/* A transport failure may come back at once: not a busy
		 * loop. */
		if (e != RD_KAFKA_RESP_ERR__TIMED_OUT)
			(void)nanosleep(&ts, NULL);
		if (tide_sig_stops() != stops)
			return RD_KAFKA_RESP_ERR__INTR;
	}
}
