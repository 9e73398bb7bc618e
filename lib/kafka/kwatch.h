/*
 * The retention watch of tide-mock: tells when a partition of a cluster
 * has dropped its oldest records.
 *
 * librdkafka's mock cluster drops a partition's oldest batches past 5 MiB
 * or 100000 batches (LIMITS in tide-mock(1)) and says nothing, and its API
 * cannot report it.  So a thread of this module asks, every interval and
 * through an ordinary client of the cluster, where each partition's log
 * starts (Metadata for the partitions, then ListOffsets for the earliest
 * offsets, one request per broker); the first time a partition's start is
 * past 0 it calls the owner's function, once per partition.
 *
 * The client's own requests would take errors queued in the mock for
 * Metadata, ListOffsets or ApiVersions, which are meant for the programs
 * under test: tide_kwatch_hold() with queued set stops the watch and
 * destroys its client before it returns, and with queued 0 (the queue of
 * that API cleared) lets it go on once no such API is held.
 *
 * The struct is the caller's; tide_kwatch_start() and tide_kwatch_stop()
 * are called from one thread, tide_kwatch_hold() from any.  The function
 * runs in the watch's thread, with the watch's lock held (it must not call
 * back into the watch); nothing here prints.
 */
#ifndef TIDE_KAFKA_KWATCH_H
#define TIDE_KAFKA_KWATCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#define TIDE_KWATCH_INTERVAL_MS 1000
#define TIDE_KWATCH_TIMEOUT_MS 1000	/* of each request */

/* A partition's log now starts at start (> 0), said once. */
typedef void (*tide_kwatch_fn)(void *ctx, const char *topic,
    int32_t partition, int64_t start);

struct tide_kwatch_seen {
	char *topic;
	int32_t partition;
};

struct tide_kwatch {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int running;		/* the thread exists */
	int quit;		/* the thread is to end */
	unsigned held;		/* bit per API with errors queued */
	char *bootstraps;
	int64_t interval_ms;
	rd_kafka_t *rk;		/* the client; NULL while held or not yet made */
	tide_kwatch_fn fn;
	void *ctx;
	struct tide_kwatch_seen *seen;	/* partitions already said */
	size_t nseen;
};

/*
 * Start watching the cluster at bootstraps, every interval_ms (0: the
 * default), calling fn(ctx, ...) for each partition whose log start
 * moves.  0, or TIDE_EIO when the thread cannot be started (errno set):
 * the caller goes on without a watch, and tide_kwatch_stop() is still
 * safe.
 */
int tide_kwatch_start(struct tide_kwatch *w, const char *bootstraps,
    int64_t interval_ms, tide_kwatch_fn fn, void *ctx);
/* Errors were queued (queued != 0) or cleared (queued == 0) for the Kafka
 * protocol API key (2 ListOffsets, 3 Metadata, 18 ApiVersions hold the
 * watch; other keys change nothing). */
void tide_kwatch_hold(struct tide_kwatch *w, int api_key, int queued);
/* Whether the watch is held now. */
int tide_kwatch_held(struct tide_kwatch *w);
/* Stop the thread, destroy the client, free what was kept. */
void tide_kwatch_stop(struct tide_kwatch *w);

#endif
