/*
 * A k-way merge of record sources by (timestamp, partition, offset), the
 * order of a replay: two merges of the same sources give the same
 * sequence.  Each source (a Kafka partition, an archive file or one
 * partition of it) is in the merge while it has a head record, i.e. its
 * next one.  The caller emits the source at the top, then gives it its new
 * head (tide_merge_advance) or takes it out when it has no more
 * (tide_merge_drop).  The merge is only right if every source that is not
 * finished is in it with a head: a caller that reads ahead asynchronously
 * must wait for a source's next record (or its end) before the next
 * tide_merge_top().
 *
 * The key is packed into the heap's (prio, tie): partition + 1 in the top
 * 24 bits of tie (partitions -1 .. 2^24 - 2), the offset in the low 40
 * (offsets beyond 2^40 - 1 compare as equal); items of fully equal keys
 * come out in an unspecified order.
 */
#ifndef TIDE_MERGE_H
#define TIDE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

struct tide_merge_key {
	int64_t ts;		/* epoch ms */
	int32_t partition;	/* -1: none */
	int64_t offset;		/* or line number */
};

struct tide_merge {
	struct tide_heap heap;
};

void tide_merge_init(struct tide_merge *m);
void tide_merge_release(struct tide_merge *m);
/* Add a source whose head has key k. */
void tide_merge_add(struct tide_merge *m, const struct tide_merge_key *k,
    void *src);
/* The source with the least head, or NULL when none is left. */
void *tide_merge_top(const struct tide_merge *m);
/* The top source's head is now k. */
void tide_merge_advance(struct tide_merge *m, const struct tide_merge_key *k);
/* The top source has no more records: remove it. */
void tide_merge_drop(struct tide_merge *m);
/* Sources in the merge. */
size_t tide_merge_count(const struct tide_merge *m);
/* Compare two keys: <0, 0, >0. */
int tide_merge_cmp(const struct tide_merge_key *a,
    const struct tide_merge_key *b);

#endif
