/*
 * The Kafka side of a replay: the partitions of one topic as sources of
 * the time-ordered merge (lib/merge.h), each with its resolved range and
 * a read-ahead ring of messages.
 *
 * tide_kreplay_open() makes the consumer for it and resolves the ranges
 * in one step, from the program's settings (struct tide_kreplay_conf).
 * Every partition is assigned at its start (tide_kreplay_start()).
 * Messages are taken from the consumer queue and routed to their
 * partition's ring (tide_kreplay_take(), tide_kreplay_route()); a
 * partition whose ring holds readahead messages is paused, and resumed
 * once the merge has drained it to resume_at, so memory is bounded by the
 * read-ahead, not by the range.  Messages past the end of a range, or
 * fetched again after a resume, are dropped; a partition is done once its
 * range has been read (the end-of-range rule of lib/kafka/kconsumer.h).
 * The merge needs every partition that is not done to have a head: the
 * caller waits for one (taking from the queue) before it asks the merge
 * for its top -- how long, and what to say meanwhile, is its own.
 *
 * Ownership: the consumer is the caller's, open, and outlives the
 * struct; the ranges are copied in.  Messages in a ring are the struct's
 * until tide_kreplay_pop() or tide_kreplay_stop() destroys them; a head
 * (tide_kreplay_head()) is valid until then.  A ring grows (doubling) to
 * its largest read-ahead and is kept across replays: nothing allocates
 * per message.  lib never prints: a passing error of the queue goes to
 * on_note (for -v), the end of the topic comes back as an error code.
 */
#ifndef TIDE_KAFKA_KREPLAY_H
#define TIDE_KAFKA_KREPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#include "buf.h"
#include "envelope.h"
#include "kafka/kconsumer.h"
#include "kafka/offsets.h"
#include "merge.h"

#define TIDE_KREPLAY_READAHEAD	4096	/* default: messages per partition */
#define TIDE_KREPLAY_BATCH	1024	/* most messages one take routes */

struct tide_kreplay_part {
	struct tide_merge_key key;	/* the head's (tide_kreplay_key()) */
	int32_t partition;
	int64_t start, end;		/* the range: [start, end) */
	int64_t low, high;		/* watermarks when resolved */
	int64_t next;			/* offset expected next */
	int done;			/* nothing more will be buffered */
	int paused;
	rd_kafka_message_t **ring;
	size_t rhead, rlen, rcap;
};

struct tide_kreplay {
	struct tide_kconsumer *kc;
	const char *topic;
	struct tide_kreplay_part *v;	/* in the ranges' order */
	size_t n;
	size_t readahead, resume_at;	/* pause at, resume at (ring length) */
	uint64_t total;			/* messages in all ranges */
	struct tide_env_hdr *hdrs;	/* tide_kreplay_emit()'s scratch */
	size_t hdrcap;
	/* Keys' and values' formats (lib/schema/wire.h), or NULL: as they
	 * are.  Set by the caller, who owns it. */
	struct tide_wire *wire;
	/* A passing error from the queue (librdkafka's words). */
	void (*on_note)(void *ctx, const char *msg);
	void *ctx;
};

/* kr over the ranges r[0..n) of topic (both copied/kept: topic must
 * outlive kr), read by kc; read-ahead TIDE_KREPLAY_READAHEAD, resumed at
 * a quarter of it. */
void tide_kreplay_init(struct tide_kreplay *kr, struct tide_kconsumer *kc,
    const char *topic, const struct tide_prange *r, size_t n);
/*
 * kr over the partitions of topic in want[0..nwant) (all when nwant is 0)
 * in partition order, their ranges resolved from *from and *to, each
 * request bounded by timeout_ms: tide_kconsumer_partitions(),
 * tide_kconsumer_resolve(), tide_kreplay_init().  0, or TIDE_ENOENT (no
 * such topic or partition) or TIDE_EKAFKA (no answer) with the whole
 * message in err; kr is not set up then.
 */
int tide_kreplay_setup(struct tide_kreplay *kr, struct tide_kconsumer *kc,
    const char *topic, const int32_t *want, size_t nwant,
    const struct tide_offspec *from, const struct tide_offspec *to,
    int timeout_ms, struct tide_kconsumer_err *err);
/* What tide_kreplay_open() is given: a replay's settings. */
struct tide_kreplay_conf {
	const struct tide_kconf *kc;	/* -b, -X, -F: the user's settings */
	const char *client_id;		/* also the group id (never committed) */
	const char *topic;		/* must outlive kr */
	const int32_t *want;		/* partitions (nwant 0: all) */
	size_t nwant;
	struct tide_offspec from, to;
	int64_t down_ms;		/* the wait's outage bound; < 0: md_ms */
	int64_t md_ms;			/* each metadata request's bound */
	void (*on_fatal)(void *ctx, const char *reason);
	void *ctx;
};

/* Why tide_kreplay_open() failed. */
struct tide_kreplay_err {
	char msg[512];
	int usage;		/* a bad setting: a usage error */
	int unavailable;	/* no such topic or partition, or no answer */
};

/*
 * The consumer and kr in one step: tide_kconsumer_init() with c's bounds
 * (the outage clock is the wait for a partition's next record, not
 * librdkafka's word that the brokers are gone: kd.track off), its
 * configuration for ranges (enable.partition.eof kept on: kc->eof_forced
 * when a setting had it off), the client, and tide_kreplay_setup() over
 * c's topic and partitions.  0; or with err: TIDE_EINVAL for a bad setting
 * (err->usage) or for settings the client refuses; TIDE_ENOENT or
 * TIDE_EKAFKA when the topic or a partition does not exist or the brokers
 * do not answer within md_ms (err->unavailable); TIDE_EKAFKA when the
 * configuration cannot be made.  Close kc with tide_kconsumer_close()
 * either way; release kr only after a 0.
 */
int tide_kreplay_open(struct tide_kreplay *kr, struct tide_kconsumer *kc,
    const struct tide_kreplay_conf *c, struct tide_kreplay_err *err);
/* Destroy what the rings hold, free them. */
void tide_kreplay_release(struct tide_kreplay *kr);

/* Every partition back at its start, nothing buffered, and assigned
 * (those with something to read).  0 or TIDE_EKAFKA with err. */
int tide_kreplay_start(struct tide_kreplay *kr, struct tide_kconsumer_err *err);
/* Drop what the rings hold and unassign: the end of one replay. */
void tide_kreplay_stop(struct tide_kreplay *kr);

/*
 * Route m (taken from kc's queue; kr owns it now) to its partition's
 * ring, or destroy it.  Returns 0, or when the topic or partition is gone
 * TIDE_ENOENT, when the client failed fatally TIDE_EKAFKA, with what to
 * say in err ("fatal: ..." for the latter).
 */
int tide_kreplay_route(struct tide_kreplay *kr, rd_kafka_message_t *m,
    struct tide_kconsumer_err *err);
/* Take what kc's queue holds, up to max (at most TIDE_KREPLAY_BATCH),
 * without waiting, and route it: the count taken, or route's error. */
ssize_t tide_kreplay_take(struct tide_kreplay *kr, size_t max,
    struct tide_kconsumer_err *err);

/* Whether p still needs waiting for: nothing buffered, not done. */
static inline int
tide_kreplay_starved(const struct tide_kreplay_part *p)
{
	return p->rlen == 0 && !p->done;
}
/* p's head: its first buffered message (p->rlen > 0). */
static inline rd_kafka_message_t *
tide_kreplay_head(const struct tide_kreplay_part *p)
{
	return p->ring[p->rhead];
}
/* Set p->key from its head (p->rlen > 0). */
void tide_kreplay_key(struct tide_kreplay_part *p);
/* The head has been emitted: destroy it, and resume p if it was paused
 * and has drained to resume_at. */
void tide_kreplay_pop(struct tide_kreplay *kr, struct tide_kreplay_part *p);
/*
 * The outage step of a wait for p's head, at now (monotonic ms): what
 * tide_kdown_check() says on kr->kc's clock (restarted by the caller when
 * the wait begins), with the words for NOTE ("topic 'T' partition P:
 * nothing from offset O for 10s, still trying (giving up after 1m)") and
 * GIVE_UP ("topic 'T' partition P: nothing from offset O (of S..E) for 1m
 * (--down-timeout 1m)") in out, for the program to prefix and print; ""
 * for the others.
 */
enum tide_kdown_act tide_kreplay_outage(struct tide_kreplay *kr,
    const struct tide_kreplay_part *p, int64_t now, char *out, size_t cap);
/* Append p's head to b as the replay writes it: its payload, or with
 * envelope set its envelope (lib/kafka/kmsg.h, tide-source -J's), the
 * time moved forward by shift ms, key and value decoded as kr->wire says.
 * No newline.  0, the encoder's error, or the wire's (kr->wire->err set:
 * the message does not decode), b as it was. */
int tide_kreplay_emit(struct tide_kreplay *kr,
    const struct tide_kreplay_part *p, struct tide_buf *b, int envelope,
    int64_t shift);
/* p's head as --print writes it (lib/printfmt.h), the time moved forward
 * by shift ms, decoded as for tide_kreplay_emit().  0, TIDE_ETOOBIG or the
 * wire's error. */
struct tide_printfmt;
int tide_kreplay_print(struct tide_kreplay *kr,
    const struct tide_kreplay_part *p, struct tide_printfmt *f,
    struct tide_buf *b, int64_t shift);
/* p's range as the --dry-run line (with a newline) onto b. */
void tide_kreplay_range_json(const struct tide_kreplay *kr,
    const struct tide_kreplay_part *p, struct tide_buf *b);
/* Every range's line, then {"records":TOTAL}, onto b: tide-replay's
 * --dry-run. */
void tide_kreplay_dryrun_json(const struct tide_kreplay *kr,
    struct tide_buf *b);
/* p of partition, or NULL. */
struct tide_kreplay_part *tide_kreplay_find(struct tide_kreplay *kr,
    int32_t partition);

#endif
