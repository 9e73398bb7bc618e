/*
 * A Kafka producer that accounts for every record: each one produced is
 * later reported exactly once to the on_delivery hook, delivered or failed,
 * so a caller that dead-letters the failures loses nothing.
 *
 * tide_producer_new() creates the librdkafka handle from a configuration
 * (lib/kafka/kconf.h) and checks at once that the brokers answer and the topic
 * exists, within a bounded time, so an unreachable cluster is a clear
 * error at start rather than a hang.  tide_producer_send() copies the
 * message (RD_KAFKA_MSG_F_COPY: the caller's bytes may change right after)
 * and, when librdkafka's queue is full, serves delivery reports until there
 * is room, asking the on_full hook between waits whether to go on (a queue
 * stays full for as long as the brokers are away).  Delivery reports are only served from tide_producer_poll(),
 * tide_producer_send() and tide_producer_drain(), in the caller's thread.
 *
 * lib never prints: errors land in p->errstr, and librdkafka's own error
 * events go to the on_error hook.
 */
#ifndef TIDE_KAFKA_PRODUCER_H
#define TIDE_KAFKA_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "envelope.h"

/* One message to produce.  partition RD_KAFKA_PARTITION_UA lets the
 * partitioner choose; ts 0 means no timestamp (the producer's clock);
 * key/value NULL are null. */
struct tide_msg {
	int32_t partition;
	const void *key;
	size_t keylen;
	const void *value;
	size_t len;
	int64_t ts;
	const struct tide_env_hdr *hdrs;
	size_t nhdrs;
	void *opaque;		/* handed back in the delivery report */
};

struct tide_producer {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	int32_t npart;		/* partitions of the topic at start */
	uint64_t sent, delivered, failed;
	/* Called once per record from poll/send/drain; m->err says how it
	 * went.  m's payload and key are librdkafka's copies. */
	void (*on_delivery)(void *ctx, const rd_kafka_message_t *m);
	/* librdkafka's error events (transport errors, fatal errors). */
	void (*on_error)(void *ctx, int err, const char *reason);
	/* Called about every 10 ms while send waits for room in a full
	 * queue: nonzero gives up the wait.  NULL: wait for ever. */
	int (*on_full)(void *ctx);
	void *ctx;
	/* Set before tide_producer_new(): a topic that does not exist is
	 * asked for, so that brokers that create topics on first use create
	 * it; 0 (by default) refuses it. */
	int create;
	/* Set before tide_producer_new(), > 0: a topic that does not exist
	 * is created with this many partitions (lib/kafka/kadmin.h), and
	 * created says whether it was. */
	int32_t create_partitions;
	int created;
	int fatal;		/* a fatal (idempotence) error was raised */
	char errstr[512];
};

/*
 * Create the producer from conf (consumed, even on failure) for topic, and
 * wait up to timeout_ms for the brokers to answer with the topic's
 * metadata.  Returns 0; TIDE_EKAFKA when the handle cannot be created or
 * the brokers do not answer in time; TIDE_ENOENT when the topic does not
 * exist (and p->create is 0; the cluster's topic list is read first, as
 * asking for one topic's metadata may create it); TIDE_EKAFKA too when
 * create_partitions could not create it.  errstr says what happened.  Set the hooks before calling: the
 * configuration is bound to p.
 */
int tide_producer_new(struct tide_producer *p, rd_kafka_conf_t *conf,
    const char *topic, int timeout_ms);
/*
 * Produce one message.  Returns 0, or TIDE_EKAFKA when librdkafka refuses
 * it at once (unknown partition, message too large, fatal error); then
 * *err holds its error code and nothing is reported for it later.
 * On a full queue it polls until there is room, or until on_full says to
 * stop: then TIDE_EKAFKA with *err RD_KAFKA_RESP_ERR__QUEUE_FULL.
 */
int tide_producer_send(struct tide_producer *p, const struct tide_msg *m,
    rd_kafka_resp_err_t *err);
/* Serve delivery reports, waiting up to timeout_ms for the first. */
int tide_producer_poll(struct tide_producer *p, int timeout_ms);
/* Records produced and not yet reported. */
uint64_t tide_producer_pending(const struct tide_producer *p);
/* Wait up to timeout_ms (-1: as long as it takes; librdkafka's
 * message.timeout.ms bounds it) for every report.  Returns the number of
 * records still pending. */
uint64_t tide_producer_drain(struct tide_producer *p, int timeout_ms);
/* Give up on every record not yet delivered: each is reported as failed
 * (purged) by the next poll or drain. */
void tide_producer_abort(struct tide_producer *p);
void tide_producer_release(struct tide_producer *p);

#endif
