/*
 * One Kafka consumer, as tide-source, tide-replay and tide-join's
 * --with kafka: stream read a topic: the client and its queue, the
 * partitions and their offset/time ranges (lib/kafka/offsets.h), the
 * assignment, the classification of what the queue hands back, the
 * end-of-range rule, and the outage clock (lib/kafka/kdown.h) with the
 * words a program says about it.
 *
 * Ownership: struct tide_kconsumer is the caller's, and must not move
 * once tide_kconsumer_conf() has run: the configuration's callbacks hold
 * a pointer to its kd.  tide_kconsumer_open() takes the configuration
 * (consumed, even on failure); the client (rk) and its consumer queue (q)
 * are the struct's until tide_kconsumer_close().  Ranges handed back by
 * tide_kconsumer_partitions() are the caller's to free.  Messages taken
 * from q are the caller's (rd_kafka_message_destroy()).
 *
 * lib never prints: a failure returns a TIDE_E* code with the reason in
 * the caller's struct tide_kconsumer_err; the outage step hands back what
 * to say, and the program says it with its own prefix and exit status.
 * Nothing here allocates per message.
 */
#ifndef TIDE_KAFKA_KCONSUMER_H
#define TIDE_KAFKA_KCONSUMER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#include "kafka/kconf.h"
#include "kafka/kdown.h"
#include "kafka/offsets.h"

struct tide_kconsumer {
	rd_kafka_t *rk;		/* NULL until tide_kconsumer_open() */
	rd_kafka_queue_t *q;	/* the consumer queue */
	struct tide_kdown kd;	/* the callbacks' opaque: last error, outage */
	int eof_forced;		/* enable.partition.eof was set off, is on */
	int64_t probed;		/* monotonic ms of the last outage probe */
};

struct tide_kconsumer_err {
	char msg[512];
};

enum tide_kconsumer_flags {
	/* Ranges are read: force enable.partition.eof on (the end of a
	 * range may be seen only by that event; lib/kafka/offsets.h). */
	TIDE_KCONSUMER_RANGES = 1 << 0,
	/* librdkafka's threads start with every signal blocked, so signals
	 * stay with the program's threads. */
	TIDE_KCONSUMER_NOSIGNALS = 1 << 1,
	/* tide_kconsumer_assign(): every partition from the beginning, a
	 * table that follows the topic, empty ranges included. */
	TIDE_KCONSUMER_FOLLOW = 1 << 2,
};

/* How tide_kconsumer_close() lets go of the client. */
enum tide_kconsumer_close {
	TIDE_KCONSUMER_DESTROY,	/* rd_kafka_destroy() */
	TIDE_KCONSUMER_LEAVE,	/* leave the group first (consumer_close) */
	TIDE_KCONSUMER_UNASSIGN,	/* unassign, then destroy */
	TIDE_KCONSUMER_ABANDON,	/* no close handshake: brokers may be gone */
};

/* What a message taken from the queue is. */
enum tide_kev {
	TIDE_KEV_MSG = 0,	/* a message */
	TIDE_KEV_EOF,		/* end of partition; m->offset is that end */
	TIDE_KEV_GONE,		/* the topic or partition does not exist */
	TIDE_KEV_FATAL,		/* librdkafka's fatal error: client unusable */
	TIDE_KEV_ERROR,		/* another error, passing: detail for -v */
};

/* No client; the outage clock as tide_kdown_init(&c->kd, down_ms,
 * every_ms) sets it.  Set c->kd's hooks (on_fatal, prefix, track) next. */
void tide_kconsumer_init(struct tide_kconsumer *c, int64_t down_ms,
    int64_t every_ms);

/*
 * The consumer's configuration into *confp: tide_kdown_conf() (shared
 * defaults, "client.id=client_id", extra, the user's settings in kc, c's
 * callbacks), and with TIDE_KCONSUMER_RANGES enable.partition.eof on
 * (c->eof_forced set when the user had it off: the program may say so).
 * 0; TIDE_EINVAL on a bad setting (a usage error); TIDE_EKAFKA when
 * enable.partition.eof cannot be set.  err says which.
 */
int tide_kconsumer_conf(struct tide_kconsumer *c, const struct tide_kconf *kc,
    const char *client_id, const char *const *extra, int flags,
    rd_kafka_conf_t **confp, struct tide_kconsumer_err *err);

/* Create the client from conf (consumed, even on failure), route its
 * events to the consumer queue and take that queue into c->q.  0, or
 * TIDE_EKAFKA with librdkafka's reason.  flags: NOSIGNALS. */
int tide_kconsumer_open(struct tide_kconsumer *c, rd_kafka_conf_t *conf,
    int flags, struct tide_kconsumer_err *err);

/* Let go of the queue and the client (nothing when not open). */
void tide_kconsumer_close(struct tide_kconsumer *c, enum tide_kconsumer_close how);

/*
 * The partitions of topic from a metadata request bounded by timeout_ms,
 * those in want[0..nwant) (all when nwant is 0), in partition order, as
 * ranges with only .partition set, into *rp (the caller frees it; it has
 * room for at least one).  Returns the count; TIDE_ENOENT when the topic
 * does not exist or lacks a wanted partition, TIDE_EKAFKA when the brokers
 * do not answer (c->kd.lasterr may say more).  err says which.
 */
int tide_kconsumer_partitions(struct tide_kconsumer *c, const char *topic,
    const int32_t *want, size_t nwant, int timeout_ms,
    struct tide_prange **rp, struct tide_kconsumer_err *err);

/* Resolve r[0..n) of topic from *from and *to: tide_offsets_resolve(),
 * nothing asked when n is 0.  0 or TIDE_EKAFKA with err. */
int tide_kconsumer_resolve(struct tide_kconsumer *c, const char *topic,
    struct tide_prange *r, size_t n, const struct tide_offspec *from,
    const struct tide_offspec *to, int timeout_ms,
    struct tide_kconsumer_err *err);

/*
 * Assign r[0..n) of topic, each at its start, leaving out the ranges with
 * nothing to read (tide_kconsumer_empty()); none left: nothing is asked.
 * With TIDE_KCONSUMER_FOLLOW: every partition from the beginning, the
 * assignment made even when it is empty.  0 or TIDE_EKAFKA with err.
 */
int tide_kconsumer_assign(struct tide_kconsumer *c, const char *topic,
    const struct tide_prange *r, size_t n, int flags,
    struct tide_kconsumer_err *err);

/* Stop or go on fetching one partition of topic (read-ahead control);
 * what is already in the queue stays there. */
void tide_kconsumer_pause(struct tide_kconsumer *c, const char *topic,
    int32_t partition, int pause);
/* Give up the whole assignment. */
void tide_kconsumer_unassign(struct tide_kconsumer *c);

/*
 * What the queue holds, without waiting: up to max messages into msgs,
 * the count returned (rd_kafka_consume_batch_queue()).
 */
static inline ssize_t
tide_kconsumer_take(struct tide_kconsumer *c, rd_kafka_message_t **msgs,
    size_t max)
{
	return rd_kafka_consume_batch_queue(c->q, 0, msgs, max);
}

/*
 * Wait up to wait_ms for one message: 1 with *m, 0 when none came,
 * TIDE_EKAFKA with err.  One, not a batch: a batch call with a timeout
 * holds what has arrived until the batch is full or the timeout passes,
 * which would add that much latency to a quiet stream.
 */
int tide_kconsumer_wait(struct tide_kconsumer *c, rd_kafka_message_t **m,
    int wait_ms, struct tide_kconsumer_err *err);

/* What m is.  An unknown topic or partition is GONE even when the
 * client has also failed fatally; then tide_kconsumer_fatal() says so. */
static inline enum tide_kev
tide_kconsumer_event(const struct tide_kconsumer *c,
    const rd_kafka_message_t *m)
{
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
		return TIDE_KEV_MSG;
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
		return TIDE_KEV_EOF;
	if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	    m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
	    m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
		return TIDE_KEV_GONE;
	return rd_kafka_fatal_error(c->rk, NULL, 0) ? TIDE_KEV_FATAL :
	    TIDE_KEV_ERROR;
}

/* Whether the client has raised a fatal error. */
int tide_kconsumer_fatal(const struct tide_kconsumer *c);

/*
 * The end-of-range rule (lib/kafka/offsets.h): a range that ends at end
 * (end < 0: no end) has been read once a message at or past end comes,
 * once the offset after the last message taken reaches end, or at an
 * end-of-partition event at or past end -- never by waiting for offset
 * end - 1, which may be a marker that is never delivered.  off is any of
 * the three.
 */
static inline int
tide_kconsumer_ended(int64_t end, int64_t off)
{
	return end >= 0 && off >= end;
}

/* A range with nothing to read: it ends at or before its start (a stored
 * start is not known yet, so not empty). */
static inline int
tide_kconsumer_empty(const struct tide_prange *r)
{
	return r->end >= 0 && r->start != RD_KAFKA_OFFSET_STORED &&
	    r->start >= r->end;
}

/*
 * A message or end of partition came: the brokers answer, any outage is
 * over.  1 when it was noted (say so: tide_kdown_say_back() with *len),
 * else 0.  Costs a test, no clock read, when there is no outage.
 */
static inline int
tide_kconsumer_up(struct tide_kconsumer *c, int64_t *len)
{
	if (!tide_kdown_is_down(&c->kd))
		return 0;
	return tide_kdown_end(&c->kd, tide_kdown_now(), len);
}

/*
 * The outage step of a poll loop that got nothing.  No outage: UP at once.
 * In one, ask the brokers (tide_kdown_probe(), waiting probe_ms, 0:
 * tide_kdown_poll()'s wait, and no sooner than gap_ms after the last
 * probe, 0: every call); when they answer the outage ends: BACK when it
 * was noted, else UP.  Otherwise what tide_kdown_check() says.  out gets
 * the words for BACK (tide_kdown_say_back()), NOTE (tide_kdown_say_down())
 * and GIVE_UP (tide_kdown_say_gone()), "" for the others.
 */
enum tide_kdown_act tide_kconsumer_outage(struct tide_kconsumer *c,
    int probe_ms, int64_t gap_ms, char *out, size_t cap);

#endif
