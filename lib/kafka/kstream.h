/*
 * A Kafka topic as one side of an interval join (tide-join --with
 * kafka:TOPIC): every partition from the beginning, as a Kafka table reads
 * it, on the caller's thread, over struct tide_kconsumer.  librdkafka
 * writes a byte to a pipe (tide_kstream_fd()) when the consumer queue
 * becomes non-empty, so one poll() waits for stdin and the topic at once.
 *
 * Watermark: each partition's greatest event time holds the stream's
 * watermark (INT64_MIN before its first record), as tide-window's
 * partitions do, until it has been quiet for --idle (since the start, for
 * one that has had no record); a partition still behind the topic's end
 * holds it regardless (tide_kstream_hold()).  So without --idle an empty
 * partition holds the join's output back until the other stream ends.
 *
 * Ownership: struct tide_kstream is the caller's and must not move once
 * opened (its consumer's callbacks point into it).  The head record that
 * tide_kstream_next() puts into a struct tide_ijside points into a message
 * the stream holds until the next call or tide_kstream_close().  lib never
 * prints: failures come back as codes with the whole message in the
 * caller's struct tide_kstream_err; what is only said (the brokers are
 * back, an event of the queue) goes to the say() hook.  Nothing is
 * allocated per message.
 */
#ifndef TIDE_KAFKA_KSTREAM_H
#define TIDE_KAFKA_KSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "ijsrc.h"
#include "joinconf.h"
#include "wm.h"
#include "kafka/kconf.h"
#include "kafka/kconsumer.h"
#include "kafka/offsets.h"

enum tide_kstream_say { TIDE_KSTREAM_INFO, TIDE_KSTREAM_WARN };

struct tide_kstream_err {
	char msg[1200];
	int usage;		/* a bad setting: a usage error */
	int unavailable;	/* the topic or its brokers are not there */
};

struct tide_kstream_conf {
	const struct tide_kconf *kc;	/* -b, -X, -F ... */
	const char *topic;
	const char *name;	/* in messages: "stream 'kafka:T'" */
	const char *src;	/* in bad records' sources: "kafka:T" */
	int64_t down_ms;	/* give up after an outage this long, 0 never */
	int64_t every_ms;	/* --metadata-timeout, and outage notes */
	size_t maxrec;
	/* librdkafka's fatal error, said from its thread. */
	void (*on_fatal)(void *ctx, const char *reason);
	void (*say)(void *ctx, enum tide_kstream_say level, const char *msg);
	void *ctx;
};

struct tide_kstream {
	struct tide_kconsumer kc;
	struct tide_kstream_conf conf;
	int open;
	int evfd[2];
	struct tide_prange *r;		/* end: to read up to before the end */
	int64_t *next;			/* next offset per partition */
	struct tide_wm_part *p;		/* wall: monotonic ms */
	size_t nparts;
	rd_kafka_message_t *m;		/* the head record's message */
	char src[256];			/* its source name for bad records */
	char prefix[300];		/* "stream 'kafka:T': " */
};

/*
 * Open the consumer, find the topic's partitions and their ends (bounded
 * by every_ms) and assign each from its beginning.  Returns 0 or a code with err
 * (err->usage: a bad setting; err->unavailable: an unknown topic or
 * unreachable brokers).  tide_kstream_close() either way.
 */
int tide_kstream_open(struct tide_kstream *ks,
    const struct tide_kstream_conf *conf, struct tide_kstream_err *err);

/* tide-join's other stream (--with kafka:TOPIC) as its configuration c
 * names it: the topic, src "kafka:TOPIC", --down-timeout (default 5
 * minutes), --metadata-timeout, --max-record, the Kafka settings kc, and
 * name for messages.  The hooks are left to the caller. */
void tide_kstream_join_conf(struct tide_kstream_conf *kconf,
    const struct tide_joinconf *c, const struct tide_kconf *kc,
    const char *name);
void tide_kstream_close(struct tide_kstream *ks);

/* Start every partition's --idle clock at wall (monotonic ms). */
void tide_kstream_set_wall(struct tide_kstream *ks, int64_t wall);

/* The descriptor that becomes readable when messages are queued. */
static inline int tide_kstream_fd(const struct tide_kstream *ks) { return ks->evfd[0]; }

/*
 * The next record of the topic into s's head, without waiting: 1 with a
 * good one; TIDE_IJSIDE_BAD with a bad one (why in err->msg; s->len 0
 * when it is too long to show); TIDE_EAGAIN when none is ready;
 * TIDE_EKAFKA when the topic or partition is gone or the client failed
 * (err->msg).
 */
int tide_kstream_next(struct tide_kstream *ks, struct tide_ijside *s,
    struct tide_kstream_err *err);

/* Where the stream holds the watermark at monotonic time now (ms). */
int64_t tide_kstream_hold(const struct tide_kstream *ks, int64_t idle,
    int64_t now);

/* Every partition has been read up to its end (as of open, or of
 * tide_kstream_set_end()). */
int tide_kstream_caught_up(const struct tide_kstream *ks);

/* The other stream has ended: read the topic up to its end as of now.
 * 0 or TIDE_EKAFKA (err). */
int tide_kstream_set_end(struct tide_kstream *ks, struct tide_kstream_err *err);

/*
 * Nothing ready: if the brokers are all away (lib/kafka/kdown.h), say so
 * every every_ms and give up after down_ms: 0, or TIDE_EKAFKA (err: the
 * giving up).  A probe once a second, short, so the other stream is not
 * held up.
 */
int tide_kstream_outage(struct tide_kstream *ks, struct tide_kstream_err *err);

/*
 * Drive an interval join (lib/ijsrc.h) whose left side is files or stdin
 * and whose right side d->r is this stream: both unbounded, so neither is
 * waited for while the other has a record ready; with nothing ready, the
 * writer is flushed and the stream's descriptor and stdin are polled (at
 * most 100 ms, or --idle), and the outage clock looked at.  The
 * watermark: the left side's hold and the stream's, or the wall clock
 * once both are quiet.  When the left side ends, the topic is read up to
 * its end as of then (or until no left record waits for a partner).
 * Returns as tide_ijdrive_files(): TIDE_EKAFKA when the stream failed
 * (d->fail() has its message); a stdout gone away ends it with 0.
 */
int tide_kstream_drive(struct tide_kstream *ks, struct tide_ijdrive *d);

#endif
