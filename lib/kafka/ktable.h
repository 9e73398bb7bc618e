/*
 * A Kafka changelog table: a live struct tide_table (lib/table.h) fed by a
 * consumer thread that reads every partition of a topic from the
 * beginning, for as long as the table is open, and applies each message in
 * offset order: a JSON object value is the key's new row (or, versioned, a
 * new version), a null value (tombstone) deletes the key (or ends its
 * history at the message's time).  The broker's compaction is not relied
 * on.
 *
 * Ownership: struct tide_ktable is the caller's and must not move once
 * tide_ktable_open() has run (the consumer's callbacks and the thread hold
 * pointers into it).  It owns the table, the consumer and the thread; the
 * configuration's strings (the topic, the spec's fields) are borrowed and
 * must outlive it.
 *
 * Threading: after tide_ktable_start() the consumer thread applies each
 * message under the write side of a reader-writer lock.  Any other thread
 * reads the table only between tide_ktable_rdlock() and
 * tide_ktable_unlock(): a lookup (tide_table_get_h()), its row pointers
 * and the columns' names (tide_table_colname()) are valid until the
 * unlock, and nothing from the table may be kept past it -- the next
 * update may move the arena.  So a reader sees the table before or after
 * an update, never half of one.  The lock prefers writers: a busy reader
 * cannot starve the consumer.  Prefetching (tide_table_prefetch_*) is not
 * for a live table.
 *
 * Loaded: each partition's high watermark is read once at start;
 * tide_ktable_wait() says when every partition has been applied up to it.
 *
 * Outage: when every broker is unreachable the table is stale but keeps
 * serving; the thread says so every every_ms and gives up after down_ms
 * (lib/kafka/kdown.h).
 *
 * lib never prints: what the thread has to say (a bad row, an outage, a
 * failure) goes to the caller's say() hook, called in the consumer thread
 * (a fatal client error too: the error callback runs in the thread that
 * polls), without the table's name: the program prefixes it.  The
 * client's own -v lines go through lib/kafka/kdown with conf->prefix.
 * A failure stops nothing by itself: it is said with TIDE_KTABLE_FAIL,
 * and from then on tide_ktable_failed() returns the first failure's code
 * for the program to stop with.  Set-up failures return a TIDE_E* code
 * with the reason in the caller's struct tide_ktable_err.  Nothing here
 * allocates per message beyond what the table's upsert does.
 */
#ifndef TIDE_KAFKA_KTABLE_H
#define TIDE_KAFKA_KTABLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "joinconf.h"
#include "jtable.h"
#include "kafka/kconf.h"
#include "kafka/kconsumer.h"
#include "kafka/offsets.h"
#include "table.h"

enum tide_ktable_say {
	TIDE_KTABLE_INFO,	/* detail for -v */
	TIDE_KTABLE_WARN,	/* a warning: bad row, outage */
	TIDE_KTABLE_FAIL,	/* the table has failed: stop */
};

/* Told what the thread has to say; msg is gone after the call. */
typedef void (*tide_ktable_say_fn)(void *ctx, enum tide_ktable_say level,
    const char *msg);

struct tide_ktable_conf {
	const char *topic;
	struct tide_table_spec spec;	/* live is set by tide_ktable_open() */
	int keyfields;		/* > 0: rows are keyed by the spec's key
				 * fields, not the message key (a tombstone
				 * still names its key by the message key,
				 * and cannot when keyfields > 1) */
	int strict;		/* a bad row fails the table (TIDE_EINVAL) */
	const struct tide_kconf *kc;	/* the user's Kafka settings */
	const char *client_id;
	const char *const *extra;	/* the program's defaults, NULL-ended */
	const char *prefix;	/* before the client's -v error lines */
	int64_t down_ms;	/* give up after an outage this long, 0 never */
	int64_t every_ms;	/* say an outage lasts this often; also the
				 * metadata requests' timeout */
	tide_ktable_say_fn say;
	void *ctx;
};

struct tide_ktable_err {
	char msg[1100];		/* room for a reason and the client's */
};

/* Counts for a human (--stats); read racily while the thread runs. */
struct tide_ktable_stats {
	uint64_t msgs, upserts, deletes, badrows;
};

struct tide_ktable {
	struct tide_table table;
	struct tide_kconsumer kc;
	pthread_rwlock_t lock;
	pthread_mutex_t mu;		/* guards behind; cv signals it */
	pthread_cond_t cv;
	pthread_t thr;
	int opened, started;
	struct tide_prange *r;		/* per partition: end = high at start */
	int64_t *next;			/* next offset to apply */
	size_t nparts, behind;
	atomic_int stop;
	atomic_int failed;		/* TIDE_E* code, once something failed */
	/* Written by the thread only. */
	_Atomic uint64_t msgs, upserts, deletes, badrows;
	/* Copied from the configuration. */
	const char *topic;
	int keyfields, strict;
	int64_t every_ms;
	tide_ktable_say_fn say;
	void *ctx;
	char prefix[300];
	struct tide_jtable jt;		/* tide_ktable_jtable() */
};

/*
 * The empty live table of conf->spec and the consumer (not started):
 * 0; TIDE_EINVAL on a bad spec or Kafka setting (a usage error: err says
 * which), TIDE_ETOOBIG ("table too big"), TIDE_EKAFKA when the client
 * cannot be made.  Close with tide_ktable_close() either way.
 */
int tide_ktable_open(struct tide_ktable *kt, const struct tide_ktable_conf *conf,
    struct tide_ktable_err *err);

/*
 * tide-join's table (-T kafka:TOPIC) as its configuration c names it:
 * the topic, the spec (versioned under --as-of), --table-key, --strict,
 * --down-timeout (default 5 minutes), --metadata-timeout, the Kafka
 * settings kc; client id and group id "tide-join" (assign() needs a group
 * id; nothing joins a group); prefix "table 'T': " written into
 * prefix[0..n).  say and ctx are left to the caller.
 */
void tide_ktable_join_conf(struct tide_ktable_conf *kconf,
    const struct tide_joinconf *c, const struct tide_kconf *kc, char *prefix,
    size_t n);

/*
 * Find the topic's partitions and their ends, bounded by every_ms, assign
 * them all from the beginning and start the consumer thread (librdkafka's
 * threads and ours start with every signal blocked, so signals stay with
 * the program's threads).  0; TIDE_ENOENT (no such topic), TIDE_EKAFKA
 * (brokers unreachable, assignment failed) with err's reason (the
 * client's last error appended); TIDE_ENOMEM when the thread cannot be
 * made.
 */
int tide_ktable_start(struct tide_ktable *kt, struct tide_ktable_err *err);

/*
 * Wait up to timeout_ms for the table to have caught up with the topic's
 * end as of start: 0 once it has, TIDE_EAGAIN when the time is up first,
 * or the failure's code (tide_ktable_failed()).
 */
int tide_ktable_wait(struct tide_ktable *kt, int64_t timeout_ms);

/* Stop the thread and let go of the consumer (nothing when not started);
 * the table stays readable, without the lock. */
void tide_ktable_stop(struct tide_ktable *kt);
/* Stop, and release everything. */
void tide_ktable_close(struct tide_ktable *kt);

/* The table, to read under the lock (see the top comment). */
static inline struct tide_table *
tide_ktable_table(struct tide_ktable *kt)
{
	return &kt->table;
}

static inline void
tide_ktable_rdlock(struct tide_ktable *kt)
{
	pthread_rwlock_rdlock(&kt->lock);
}

static inline void
tide_ktable_unlock(struct tide_ktable *kt)
{
	pthread_rwlock_unlock(&kt->lock);
}

/* 0, or the TIDE_E* code of the failure said: TIDE_EINVAL (a bad row under
 * strict), TIDE_EKAFKA (topic gone, fatal client error, outage given up),
 * TIDE_ETOOBIG (table too big).  A relaxed load: cheap per record. */
static inline int
tide_ktable_failed(struct tide_ktable *kt)
{
	return atomic_load_explicit(&kt->failed, memory_order_relaxed);
}

static inline size_t
tide_ktable_nparts(const struct tide_ktable *kt)
{
	return kt->nparts;
}

void tide_ktable_stats(struct tide_ktable *kt, struct tide_ktable_stats *s);

/*
 * The table as tide-join's struct tide_jtable (lib/jtable.h), labelled
 * label: &kt->jt, whose table is the live one (read it under the lock);
 * reload has nothing to do (it follows its topic), stats reads the table
 * and the counters under the read lock, close is tide_ktable_close().
 */
struct tide_jtable *tide_ktable_jtable(struct tide_ktable *kt,
    const char *label);

/*
 * tide-join's Kafka table, opened and started in one step as c and kc
 * name it (tide_ktable_join_conf); kt->jt set up (tide_ktable_jtable)
 * with sayfn and ctx, which the thread's say() goes to, prefixed "table
 * 'T': ".  0; TIDE_EINVAL with err->usage (err->msg
 * whole); the code of a failure to open ("table 'T': why"), of a failure
 * to start ("table 'T': why", err->remote: no such topic, brokers
 * unreachable), or TIDE_ENOMEM (no thread: err->msg the reason alone).
 */
int tide_ktable_join_open(struct tide_ktable *kt, const struct tide_joinconf *c,
    const struct tide_kconf *kc, tide_jtable_say_fn sayfn, void *ctx,
    struct tide_jtable_err *err);

/*
 * tide_joinconf_check()'s brokers() for a topic named by what: ctx is
 * the user's struct tide_kconf (its environment read in now); 0 when it
 * names brokers (-b, -F, TIDE_BROKERS or TIDE_CONFIG), else TIDE_EINVAL
 * with err->msg.
 */
int tide_ktable_join_brokers(void *ctx, const char *what,
    struct tide_joinconf_err *err);

#endif
