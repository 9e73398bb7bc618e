/*
 * A Kafka consumer's link to its brokers, as tide-source, tide-replay and
 * tide-join see it: the consumer settings they share, librdkafka's log and
 * error callbacks, and the outage clock that bounds every wait for brokers
 * that went away after start (--down-timeout).
 *
 * tide_kdown_conf() builds the consumer's rd_kafka_conf_t (lib/kafka/kconf.h):
 * the shared defaults, the program's client.id and extra defaults, then the
 * user's settings; it installs the callbacks with the struct as opaque, so
 * the struct must outlive the client.  The callbacks run in the thread that
 * polls the client (the log callback maybe in librdkafka's own threads);
 * they speak only through lib/log.h, whose handler the program's frame
 * installs: librdkafka's log lines with -v or -d, error events with -v, and a fatal
 * error goes to the program's on_fatal hook.  The error callback keeps the
 * last error's text for the program's messages and, when track is set,
 * starts the outage clock on _ALL_BROKERS_DOWN.
 *
 * The outage clock never prints: the program passes the time (ms,
 * tide_mono_us() / 1000, the clock the error callback starts it by), asks
 * what to do, and says it.
 * tide_kdown_check() answers TIDE_KDOWN_NOTE once every `every` ms of an
 * outage (first after `every`), TIDE_KDOWN_GIVE_UP once it has lasted
 * `bound` ms (0: never), and tide_kdown_end() whether a note was given, so
 * "reachable again" is said only after an outage that was reported.  The
 * lengths handed back are for messages: whole seconds from 1 s on.
 *
 * The bound is on an outage, not on librdkafka's reconnect backoff: a
 * client retries a lost broker every reconnect.backoff.max.ms (tide's
 * default 1 s, librdkafka's jitter up to +50%), so brokers back shortly
 * before the bound may not be seen until after it.  So, with a client
 * attached (tide_kdown_attach(): every consumer of lib/kafka/kconsumer and
 * tide-sink's producer), the bound is not the end at once: the brokers are
 * asked for metadata, waiting up to 1.5 * reconnect.backoff.max.ms + 1 s
 * (TIDE_KDOWN_ASK_SLACK_MS; at most the bound), long enough for the client
 * to reconnect to brokers that are back.  If they answer, the clock
 * restarts from the answer, and TIDE_KDOWN_WAIT: the program goes on
 * waiting for what it waits for (a message, a delivery, the next probe).
 * This happens once per outage (per tide_kdown_restart()): brokers that
 * answer metadata but deliver nothing are given up on at the second bound,
 * so the longest wait is twice the bound and the question.  A program
 * thus survives every outage shorter than its bound, and one that ends
 * up to about a second after it.
 */
#ifndef TIDE_KAFKA_KDOWN_H
#define TIDE_KAFKA_KDOWN_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "kafka/kconf.h"

struct tide_kdown {
	int64_t since;		/* outage start (ms), or -1: brokers answer */
	int64_t noted;		/* outage length at the last note, 0 none */
	int64_t bound;		/* give up after this long (ms), 0 never */
	int64_t every;		/* note every this long (ms), > 0 */
	int track;		/* _ALL_BROKERS_DOWN starts the clock */
	int debug;		/* -d given: librdkafka's log lines shown */
	const char *prefix;	/* before -v error lines, e.g. "table 'x': " */
	/* Called by the error callback on a fatal error; NULL: nothing. */
	void (*on_fatal)(void *ctx, const char *reason);
	void *ctx;
	char lasterr[512];	/* librdkafka's last error, or "" */
	char brokers[256];	/* bootstrap.servers, or "(none)", for messages */
	rd_kafka_t *rk;		/* asked at the bound, or NULL: not asked */
	int64_t ask_ms;		/* how long the question at the bound waits */
	int64_t grace;		/* added to the bound: the clock's restart */
	int asked;		/* the question at the bound was asked */
};

enum tide_kdown_act {
	TIDE_KDOWN_UP,		/* no outage */
	TIDE_KDOWN_WAIT,	/* an outage: keep waiting */
	TIDE_KDOWN_NOTE,	/* an outage: say it lasts, keep waiting */
	TIDE_KDOWN_GIVE_UP,	/* the outage has lasted bound ms */
	TIDE_KDOWN_BACK,	/* a noted outage is over: say so */
};

/* No outage, no error, track set, no hook, prefix "", no client. */
void tide_kdown_init(struct tide_kdown *d, int64_t bound_ms, int64_t every_ms);

/* The client to ask at the bound (it must outlive d's use, or be detached
 * with NULL): the question waits 1.5 times its reconnect.backoff.max.ms
 * and TIDE_KDOWN_ASK_SLACK_MS for the connection and the answer. */
#define TIDE_KDOWN_ASK_SLACK_MS	1000
void tide_kdown_attach(struct tide_kdown *d, rd_kafka_t *rk);

/*
 * The consumer configuration: shared defaults (latency-minded fetching,
 * partition EOF events, no automatic commit or offset store, earliest
 * reset, no connection-close lines), "client.id=client_id", the program's
 * extra defaults (NULL-terminated "name=value" strings, at most 16; may be
 * NULL), the user's settings from kc, then d's callbacks; d->debug and
 * d->brokers are filled in.  NULL with err filled in on a bad setting.
 */
rd_kafka_conf_t *tide_kdown_conf(struct tide_kdown *d,
    const struct tide_kconf *kc, const char *client_id,
    const char *const *extra, struct tide_kconf_err *err);

/* The callbacks tide_kdown_conf() installs (opaque: the struct). */
void tide_kdown_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf);
void tide_kdown_error_cb(rd_kafka_t *rk, int err, const char *reason,
    void *opaque);
/* What the error callback records, without a word: the last error's text
 * and, with track, the outage start on _ALL_BROKERS_DOWN.  For a client
 * whose callbacks are another's (lib/kafka/producer's on_error hook). */
void tide_kdown_error(struct tide_kdown *d, int err, const char *reason);

/* Start the outage clock at now unless it runs.  tide_kdown_restart()
 * starts it afresh. */
void tide_kdown_begin(struct tide_kdown *d, int64_t now);
void tide_kdown_restart(struct tide_kdown *d, int64_t now);
int tide_kdown_is_down(const struct tide_kdown *d);
/* What to do at now; *shown gets the outage's length for a message.  At
 * the bound, with a client attached, may wait for the brokers' answer
 * (above); *shown is then the length at the bound. */
enum tide_kdown_act tide_kdown_check(struct tide_kdown *d, int64_t now,
    int64_t *shown);
/* When the clock gives up, as an outage length (ms): the bound, or later
 * once the clock has restarted; 0: never. */
int64_t tide_kdown_limit(const struct tide_kdown *d);
/* How long a wait may last at now: max, or less so it ends at the limit. */
int64_t tide_kdown_wait_ms(const struct tide_kdown *d, int64_t now,
    int64_t max);
/* What a TIDE_KDOWN_NOTE says, for the program to prefix and print:
 * "brokers B unreachable for 10s, still trying (giving up after 5m)" (the
 * limit), len
 * the outage's length as tide_kdown_check() handed it back. */
void tide_kdown_say_down(const struct tide_kdown *d, int64_t len, char *out,
    size_t cap);
/* The two other things a program says of an outage, for it to prefix
 * and finish: "brokers B reachable again after 10s" (len as
 * tide_kdown_end() handed it back) and "brokers B unreachable for 5m
 * (--down-timeout 5m)" (len as tide_kdown_check() handed it back with
 * TIDE_KDOWN_GIVE_UP). */
void tide_kdown_say_back(const struct tide_kdown *d, int64_t len, char *out,
    size_t cap);
void tide_kdown_say_gone(const struct tide_kdown *d, int64_t len, char *out,
    size_t cap);
/* The outage clock's time: monotonic ms (tide_mono_us() / 1000). */
int64_t tide_kdown_now(void);
/* The brokers answer: stop the clock.  1 when the outage was noted (say it
 * is over; *shown gets its length in whole seconds), else 0. */
int tide_kdown_end(struct tide_kdown *d, int64_t now, int64_t *shown);

/* Ask rk's brokers for metadata, waiting up to timeout_ms: 1 when they
 * answer.  A quiet topic brings no message to say an outage is over. */
int tide_kdown_probe(rd_kafka_t *rk, int timeout_ms);

/*
 * The outage step of a poll loop that got no message: with no outage,
 * TIDE_KDOWN_UP at once.  In one, ask rk's brokers (tide_kdown_probe,
 * waiting up to `every`, at most TIDE_KDOWN_PROBE_MS: a broker back but
 * slow to answer is not taken for one still away); when they answer, the
 * outage ends: TIDE_KDOWN_BACK if it was noted (*shown its length), else
 * TIDE_KDOWN_UP.  Otherwise what tide_kdown_check() says at the time after
 * the probe.
 */
#define TIDE_KDOWN_PROBE_MS	1000
enum tide_kdown_act tide_kdown_poll(struct tide_kdown *d, rd_kafka_t *rk,
    int64_t *shown);

/*
 * rd_kafka_metadata() for at most timeout_ms, as the waits for brokers at
 * start (--metadata-timeout) use it, asked in slices while the brokers
 * cannot be reached -- TIDE_KDOWN_SLICE_MS, doubling up to
 * TIDE_KDOWN_SLICE_MAX_MS, so a far cluster's slow answer still comes in
 * one -- so that a stop signal (lib/sig) that comes during the wait ends
 * it within a second: then RD_KAFKA_RESP_ERR__INTR and no *md.  A signal
 * that came before the call does not.  Otherwise as rd_kafka_metadata():
 * the answer, or the last slice's error once the time is over.
 */
#define TIDE_KDOWN_SLICE_MS 200
#define TIDE_KDOWN_SLICE_MAX_MS 1000
rd_kafka_resp_err_t tide_kdown_metadata(rd_kafka_t *rk, int all,
    rd_kafka_topic_t *only, const struct rd_kafka_metadata **md,
    int timeout_ms);

#endif
