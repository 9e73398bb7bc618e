/*
 * A producer's transactions (tide-sink -t --transactional-id,
 * doc/DELIVERY.md section 3): records produced inside one transaction at
 * a time, each committed together with the offsets of the records it
 * holds, as the consumer group that read them, so that output and
 * offsets become visible together or not at all.  The group's metadata
 * comes from the source's barriers (rd_kafka_consumer_group_metadata_write()
 * there, _read() here) and goes to rd_kafka_send_offsets_to_transaction().
 *
 * Every call waits at most its bound.  A failure that leaves the
 * transaction abortable aborts it; one that is fatal (fenced: another
 * producer took the transactional id) leaves the producer unusable.  Both
 * end the transactions for good (t->failed), with t->errstr saying what
 * happened: the records of the aborted transaction are not visible to
 * read_committed consumers and their offsets not committed, so the group
 * reads them again.
 *
 * The struct is the caller's; the client is borrowed (a producer made
 * with transactional.id).  Used from one thread.  Nothing here prints.
 */
#ifndef TIDE_KAFKA_KTXN_H
#define TIDE_KAFKA_KTXN_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "barrier.h"

struct tide_ktxn {
	rd_kafka_t *rk;			/* borrowed */
	int timeout_ms;			/* each call's bound */
	int open;			/* a transaction is open */
	int failed;			/* aborted or fenced: no more */
	int fatal;			/* ... fenced, or another fatal error */
	uint64_t committed;		/* transactions committed */
	uint64_t with_offsets;		/* ... of them with offsets */
	uint64_t aborted;
	int64_t opened_ms;		/* monotonic ms the open one began */
	char errstr[512];
};

/*
 * Initialise the transactions of rk (its transactional.id's earlier
 * producer fenced, its transaction left open aborted) within init_ms,
 * and begin the first.  0, or TIDE_EKAFKA with errstr.  Later calls wait
 * at most timeout_ms each (-1: as librdkafka's transaction.timeout.ms).
 */
int tide_ktxn_start(struct tide_ktxn *t, rd_kafka_t *rk, int init_ms,
    int timeout_ms);
/*
 * Commit the open transaction: with offs as the group's next offsets to
 * read when group[0..glen) is a group's metadata (glen 0: no offsets),
 * then, with reopen, begin the next.  0, or TIDE_EKAFKA with errstr (the
 * transaction was aborted, or the producer is fenced); also when
 * t->failed already.
 */
int tide_ktxn_commit(struct tide_ktxn *t, const struct tide_barrier_offs *offs,
    const void *group, size_t glen, int reopen);
/* Abort the open transaction (a second signal: what is in it is given
 * up, and read again by the group). */
void tide_ktxn_abort(struct tide_ktxn *t);

#endif
