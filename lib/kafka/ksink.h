/*
 * struct tide_ksink: records produced to one Kafka topic with nothing lost
 * -- the Kafka back end of tide-sink, over lib/producer (idempotent
 * producer, delivery reports) and lib/kdown (the outage clock).
 *
 * A record is produced as it is (its key, partition and timestamp taken
 * from fields when asked), or, with envelope, rebuilt from a tide-source
 * -J envelope.  A record that cannot be delivered -- refused at once, or
 * reported failed -- is a dead letter: a JSON line {source, line, error,
 * raw} written to conf.dead (stderr when NULL), and counted in
 * undelivered.  With tee, a record confirmed delivered is written to
 * conf.tee_fd.
 *
 * The topic: one that does not exist is refused, or created as
 * conf.create says (lib/kafka/kadmin.h).  Its retention.ms is read at
 * start, bounded by conf.connect_ms; a record whose timestamp is older
 * than that is produced all the same (the brokers may delete it at once):
 * the first one is warned of, and each is counted in expired.  A cluster
 * that does not say its retention (no controller to ask, as with
 * librdkafka's mock; no rights to read it) costs a note under -v, never
 * a wait or a failure.
 *
 * With conf.txn_id, records are produced in transactions
 * (lib/kafka/ktxn.h): the back end's txn operations (lib/sinkbe.h) commit
 * one at each barrier, with the barrier's offsets as the group's; with no
 * tide stage upstream (no barriers), every second and at the end, without
 * offsets; and, with one, when no barrier came for TIDE_KSINK_TXN_WAIT_MS
 * while records did (then at least once, said).  A failed commit aborts
 * the transaction and stops the run (TIDE_EKAFKA); a second signal aborts
 * the open one.
 *
 * Outages: when every broker is unreachable after start, the wait is
 * bounded by conf.down_ms, with a note every conf.connect_ms; giving up
 * stops the reading, and what is not delivered then is dead-lettered.
 *
 * lib never prints: warnings (level 0) and notes shown under -v (level 1)
 * go to conf.say, formatted, for the caller to print.  Exit statuses are
 * the caller's: calls return TIDE_E* codes and flags.
 */
#ifndef TIDE_KSINK_H
#define TIDE_KSINK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "envelope.h"
#include "json.h"
#include "kafka/kdown.h"
#include "kafka/ktxn.h"
#include "kafka/producer.h"
#include "rio.h"
#include "sinkbe.h"
#include "time.h"

#define TIDE_KSINK_CREATE_AUTO	(-1)
#define TIDE_KSINK_TXN_WAIT_MS 10000	/* for a barrier, with records */

/* Encode one JSON value for a message, id the schema id its envelope
 * names (-1: none): 0 and the bytes in *out, *outlen (valid until the
 * next call), or < 0 with why: TIDE_EAGAIN or TIDE_EIO when a service
 * the encoder needs cannot be used (the run stops), any other code when
 * the value does not fit (a bad record). */
typedef int tide_ksink_enc_fn(void *ctx, const char *json, size_t len,
    int64_t id, const void **out, size_t *outlen, char *why, size_t whylen);

/* How to produce.  Pointers are borrowed: they must outlive the sink. */
struct tide_ksink_conf {
	const char *topic;
	int envelope;			/* records are -J envelopes */
	int keep_partition;		/* envelope: to its partition */
	int create;			/* a topic that does not exist: 0
					 * refuses it, TIDE_KSINK_CREATE_AUTO
					 * lets the brokers create it, n > 0
					 * creates it with n partitions */
	int32_t partition;		/* fixed, or RD_KAFKA_PARTITION_UA */
	const struct tide_path *keypath, *partpath, *tspath;	/* or NULL */
	int ts_default;			/* tspath is the default ts: a record
					 * without it gets the producer's clock */
	enum tide_time_unit unit;	/* of numeric timestamps */
	const struct tide_env_hdr *hdrs;	/* added to every message */
	size_t nhdrs;
	size_t maxrec;			/* longest envelope */
	FILE *dead;			/* dead letters; NULL: stderr */
	int tee;			/* write delivered records to tee_fd */
	int tee_fd;
	int64_t down_ms, connect_ms;	/* outage bound, note period */
	const char *txn_id;		/* transactional.id: produce in
					 * transactions (lib/kafka/ktxn.h);
					 * NULL: none */
	const uint64_t *nread;		/* the caller's count of records read,
					 * for the give-up message */
	void (*say)(void *ctx, int level, const char *msg);
	void *ctx;
	/* Encoders (lib/schema/senc.h's tide_senc_encode), or NULL: the
	 * value (with envelope, the envelope's value, with its
	 * value_schema_id) and the key (the -k field's JSON; not with
	 * envelope) are produced as encode() makes them from their JSON,
	 * with value_enc and key_enc as its ctx.  A record it refuses is a
	 * bad record, with its why; a service it cannot use stops the run
	 * (put's TIDE_EIO). */
	tide_ksink_enc_fn *encode;
	void *value_enc, *key_enc;
};

struct tide_ksink {
	struct tide_ksink_conf c;
	char *source;			/* "kafka:TOPIC", for dead letters */
	struct tide_producer prod;
	struct tide_kdown kd;		/* the outage clock, the last error */
	struct tide_ktxn txn;		/* with conf.txn_id */
	int txn_paced;			/* barriers pace the commits */
	uint64_t txn_sent;		/* sent when the open one began */
	int txn_unpaced_said;		/* a commit without a barrier, said */
	int gave_up;			/* down_ms ran out */
	char whybuf[600];		/* a dead letter's error after that */
	uint64_t polls;
	struct tide_wout tee_out;
	int tee_dead;			/* the tee's reader went away */
	struct tide_env_dec dec;
	struct tide_buf keybuf;		/* unescaped key */
	struct tide_buf dlbuf;		/* dead-letter / envelope lines */
	struct tide_env_hdr *allhdrs;	/* envelope headers + conf.hdrs */
	size_t allcap;
	struct tide_env_hdr *rhdrs;	/* headers of a delivery report */
	size_t rcap;
	uint64_t undelivered, dlshown;
	int64_t retention_ms;		/* the topic's, or -1 (for ever, or
					 * not known) */
	uint64_t expired;		/* records stamped older than that */
	int dlerr;			/* writing a dead letter failed */
	/* Messages by sequence number (the librdkafka opaque): seq < sent
	 * were handed to librdkafka, seq < low are handled (delivered or
	 * dead-lettered); a ring of cap (a power of two) holds each one's
	 * input line and whether it is handled, from low to sent. */
	uint64_t sent, low;
	uint64_t *ringline;
	unsigned char *ringdone;
	size_t cap;
};

/*
 * Start producing to conf->topic with the librdkafka configuration conf
 * (taken over, even on failure); with conf->txn_id, transactions are
 * initialised (within conf->connect_ms) and the first begun, each later
 * call bounded by conf->down_ms (0: librdkafka's own bound).  Returns 0;
 * TIDE_ENOENT when the topic does not exist, unless conf->create
 * (lib/kafka/producer.h); TIDE_EKAFKA
 * when the topic cannot be created (conf->create > 0) or
 * cannot be produced to (why in k->prod.errstr); TIDE_ERANGE when
 * conf->partition is not one of the topic's.  Release either way.
 */
int tide_ksink_open(struct tide_ksink *k, const struct tide_ksink_conf *conf,
    rd_kafka_conf_t *kconf);

/*
 * Produce one validated JSON value line[0..len) of type type, read at
 * line lineno.  Returns 0; TIDE_EINVAL for a bad record, reason in
 * why[0..whylen); TIDE_EIO, why in why[], when conf.encode cannot reach
 * the service it needs (stop: the record was not produced);
 * TIDE_EKAFKA when the producer failed for good (it was
 * dead-lettered; stop: records are not delivered); TIDE_ERANGE, why in
 * why[], when an envelope's partition is not one of the topic's under
 * keep_partition (stop: the topic cannot hold the copy); 1 when the
 * outage bound ran out (stop reading).
 */
int tide_ksink_put(struct tide_ksink *k, uint64_t lineno, const char *line,
    size_t len, enum tide_json_type type, char *why, size_t whylen);

/*
 * A mark of everything put so far, and whether it is all handled since
 * (delivered, or failed and dead-lettered), as of the delivery reports
 * served: a barrier's acknowledgement waits for its mark without holding
 * up the records after it (tide_ksink_sync() waits for all of them).
 * tide_ksink_marked() serves what reports are in, and flushes the tee
 * once the mark is reached.
 */
uint64_t tide_ksink_mark(const struct tide_ksink *k);
int tide_ksink_marked(struct tide_ksink *k, uint64_t mark);

/* Before the caller blocks on input: serve delivery reports, flush the
 * tee.  Input quiet for a while: tide_ksink_quiet() probes the brokers of
 * an outage, 1 once given up. */
void tide_ksink_idle(struct tide_ksink *k);
int tide_ksink_quiet(struct tide_ksink *k);

/*
 * A barrier: wait until every record produced so far has its delivery
 * report (failed ones are dead-lettered, as ever), then flush the tee.
 * 0 once they are all in; 1 when the outage bound ran out or *stop (may
 * be NULL) has reached 2 -- a second stop signal: stop reading, finish()
 * decides what becomes of the rest.
 */
int tide_ksink_sync(struct tide_ksink *k, volatile sig_atomic_t *stop);

/*
 * At the end: wait for every delivery, bounded by librdkafka's
 * message.timeout.ms and the outage bound; once *stop reaches 2 (a second
 * stop signal: the first only drained the input), give up on the rest,
 * which are dead-lettered.  Then flush the tee: its write error, other
 * than the reader going away, in *tee_err.
 */
void tide_ksink_finish(struct tide_ksink *k, volatile sig_atomic_t *stop,
    int *tee_err);

void tide_ksink_release(struct tide_ksink *k);

/*
 * The sink as a back end of tide-sink (lib/sinkbe.h): put() is
 * tide_ksink_put() (TIDE_EINVAL, TIDE_EKAFKA, TIDE_EIO -- err.remote --
 * or 1 as there; be.done when
 * the --tee reader went away), idle() and quiet() as above, sync() is
 * tide_ksink_sync(), finish() waits for every delivery -- giving up on
 * the rest once *stop reaches 2, or at once with be.abort -- and says
 * how many records were not delivered and where they were kept (deadpath,
 * or "stderr" when NULL).  stop and deadpath are borrowed.
 */
struct tide_ksink_be {
	struct tide_sinkbe be;
	struct tide_ksink ks;
	const char *deadpath;
	volatile sig_atomic_t *stop;
};

/* As tide_ksink_open(); be.say and be.ctx are conf->say and conf->ctx.
 * Release with be.ops->close() either way. */
int tide_ksink_be_open(struct tide_ksink_be *k,
    const struct tide_ksink_conf *conf, rd_kafka_conf_t *kconf,
    const char *deadpath, volatile sig_atomic_t *stop);

#endif
