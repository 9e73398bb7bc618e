/*
 * The partition table of a consumer that reads several topics, directly
 * or as a member of a group (tide-source): which partitions it reads,
 * each one's range, where it has got to, what of that is committed, and
 * when it is done.
 *
 * Without a group the table is filled once from the metadata
 * (tide_kparts_discover(): names and ^patterns), the ranges resolved per
 * topic and every partition with something to read assigned.  With a
 * group the rebalance callback fills it (tide_kparts_assigned(),
 * tide_kparts_revoked()); a partition is kept when revoked, so what it
 * wrote can still be committed.  The end of a partition follows the
 * end-of-range rule of lib/kafka/kconsumer.h; with a group and -e (no
 * range) the first end-of-partition event, or the high watermark at
 * assignment when tide_kparts_set_end() could ask for it.  next is the
 * offset after the last record taken (the caller commits only what it has
 * written and flushed), raised over never-delivered offsets (transaction
 * markers) by an end-of-partition event, never past the range.
 *
 * Ownership: the table is the caller's.  Topic names: the first ones are
 * the caller's (tide_kparts_init(), kept, not copied: they must outlive
 * the table); names matched by a pattern are copied and owned by the
 * table.  A part's topic points to one of them.  Pointers to parts are
 * invalidated by tide_kparts_add() (the array grows).  lib never prints:
 * failures come back as TIDE_E* with the words in err; a pattern that
 * matches nothing yet goes to on_warn.
 */
#ifndef TIDE_KAFKA_KPARTS_H
#define TIDE_KAFKA_KPARTS_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "barrier.h"
#include "buf.h"
#include "kafka/kconsumer.h"
#include "kafka/offsets.h"

struct tide_kpart {
	const char *topic;	/* one of the table's names */
	int32_t partition;
	int64_t start, end;	/* end -1: none */
	int64_t low, high;	/* watermarks when resolved */
	int done;		/* reached its end */
	int assigned;
	int64_t next;		/* offset after the last record taken */
	int64_t committed;	/* last committed next */
};

struct tide_kparts {
	struct tide_kpart *v;
	size_t n, cap;
	size_t ndone;
	size_t last;		/* index of the last part looked up */
	char **names;		/* topic names; [nseed..] owned */
	size_t nnames, nseed;
	int group;		/* a group assigns the partitions */
	int exit_eof;		/* -e: end at the end as of start/assignment */
	void (*on_warn)(void *ctx, const char *msg);
	void *ctx;
};

/* An empty table over the topic names (and ^patterns) names[0..n). */
void tide_kparts_init(struct tide_kparts *kp, char *const *names, size_t n,
    int group, int exit_eof);
void tide_kparts_release(struct tide_kparts *kp);

/* The part of (topic, partition), or NULL. */
struct tide_kpart *tide_kparts_find(struct tide_kparts *kp, const char *topic,
    int32_t partition);
/* A new part for (topic, partition): no range, nothing taken. */
struct tide_kpart *tide_kparts_add(struct tide_kparts *kp, const char *topic,
    int32_t partition);
/* p has reached its end. */
void tide_kparts_done(struct tide_kparts *kp, struct tide_kpart *p);
/* Whether the read is over: without a group every part done; with one and
 * exit_eof every assigned part done (and at least one assigned). */
int tide_kparts_all_done(const struct tide_kparts *kp);

/*
 * Find the topics in the cluster's metadata (bounded by timeout_ms) and,
 * without a group, add their partitions (those in want[0..nwant), all when
 * nwant is 0), a name's partitions in metadata order, names in order.
 * 0; TIDE_EKAFKA when the brokers do not answer, TIDE_EINVAL for a bad
 * ^pattern, TIDE_ENOENT for a topic not found or a wanted partition it
 * lacks; err says which.
 */
int tide_kparts_discover(struct tide_kparts *kp, rd_kafka_t *rk,
    const int32_t *want, size_t nwant, int timeout_ms,
    struct tide_kconsumer_err *err);
/*
 * Resolve the ranges of the parts of kp->names[name] from *from and *to
 * (tide_kconsumer_resolve()): those parts are v[*base .. *base + count),
 * the count returned (0: none); TIDE_EKAFKA with err.
 */
int tide_kparts_resolve(struct tide_kparts *kp, struct tide_kconsumer *kc,
    size_t name, const struct tide_offspec *from,
    const struct tide_offspec *to, int timeout_ms, size_t *base,
    struct tide_kconsumer_err *err);
/*
 * Start p at offset at (where a saved state says its records end; < 0:
 * not in the state, p is left as resolved), within its watermarks and not
 * past its end.  0; 1 when at was below the low watermark (offsets low ..
 * at - 1 were deleted before they were read: p starts at low); TIDE_ERANGE
 * when at is past the high watermark (the state is not of this topic: p
 * unchanged).
 */
int tide_kparts_resume(struct tide_kpart *p, int64_t at);
/* p's resolved range as the --dry-run line (with a newline) onto b. */
void tide_kparts_range_json(const struct tide_kpart *p, struct tide_buf *b);
/* Assign every part at its start; one with nothing to read is done
 * instead.  0 or TIDE_EKAFKA with err. */
int tide_kparts_assign(struct tide_kparts *kp, rd_kafka_t *rk,
    struct tide_kconsumer_err *err);
/* Subscribe to the first names (the caller's).  0 or TIDE_EKAFKA. */
int tide_kparts_subscribe(struct tide_kparts *kp, rd_kafka_t *rk,
    struct tide_kconsumer_err *err);
/* Records in all ranges; 0 when a part has no end. */
uint64_t tide_kparts_total(const struct tide_kparts *kp);

/* The group assigned (topic, partition): its part, added if new, fresh
 * (no end, nothing taken, not done). */
struct tide_kpart *tide_kparts_assigned(struct tide_kparts *kp,
    const char *topic, int32_t partition);
/* The group revoked (topic, partition). */
void tide_kparts_revoked(struct tide_kparts *kp, const char *topic,
    int32_t partition);
/* -e in a group: p ends at its high watermark (bounded by timeout_ms).
 * 0, or TIDE_EKAFKA with err (p keeps no end). */
int tide_kparts_set_end(struct tide_kparts *kp, rd_kafka_t *rk,
    struct tide_kpart *p, int timeout_ms, struct tide_kconsumer_err *err);

/* An end-of-partition event at offset for (topic, partition). */
void tide_kparts_eof(struct tide_kparts *kp, const char *topic,
    int32_t partition, int64_t offset);
/* A message of (topic, partition) at offset: 1 when it is to be written
 * (p's next moves past it), 0 when it is dropped (unknown, done, past the
 * range, or of a partition the group has revoked). */
int tide_kparts_msg(struct tide_kparts *kp, const char *topic,
    int32_t partition, int64_t offset);

/* Commit each part's next (only parts no longer assigned, with
 * only_unassigned) where it is past what was committed.  0 (nothing to
 * commit too), or TIDE_EKAFKA with err (nothing marked committed). */
int tide_kparts_commit(struct tide_kparts *kp, rd_kafka_t *rk, int async,
    int only_unassigned, struct tide_kconsumer_err *err);

/* Put each part's next (parts that took a record) into o, replacing what
 * it held: the offsets a barrier carries (lib/flow.h).  0, or the
 * offsets' errors (TIDE_ETOOBIG). */
int tide_kparts_offsets(const struct tide_kparts *kp,
    struct tide_barrier_offs *o);
/* Commit o's offsets (an acknowledged barrier's) for the parts assigned
 * now, or, with only_unassigned, for the parts no longer assigned, where
 * they are past what was committed.  0, or TIDE_EKAFKA with err. */
int tide_kparts_commit_offs(struct tide_kparts *kp, rd_kafka_t *rk,
    const struct tide_barrier_offs *o, int async, int only_unassigned,
    struct tide_kconsumer_err *err);

#endif
