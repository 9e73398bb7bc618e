/*
 * Where to start and stop reading each partition: -o beginning|end|stored|
 * N|-N and --from/--to TIME, resolved once at start against the partition's
 * watermarks, so a bounded read of a live topic (or of a partition that has
 * gone idle) always ends.  tide-source and tide-replay share it.
 *
 * A time is resolved to the first offset whose timestamp is at or after it
 * (Kafka's offsets-for-times rule).  The broker is asked first; where it
 * answers -1 (some brokers, and the librdkafka mock cluster, cannot look up
 * by time), the offset is found by a binary search over the partition's
 * message timestamps between its low and high watermarks, consuming single
 * messages at chosen offsets -- all partitions of a topic in parallel, so
 * the cost is about log2(messages) fetch round trips.  Either way the
 * answer assumes timestamps that do not decrease within a partition.
 *
 * Offsets are not all messages: on a transactional topic commit and abort
 * markers take an offset each and are never delivered, nor (under
 * isolation.level=read_committed, librdkafka's default) are records of
 * aborted transactions.  The search takes a gap for what it is (no
 * message from an offset to the high watermark means the answer is
 * before it), and a range may end, or hold nothing but, such offsets: a
 * reader must not wait for offset end - 1, but end at the first message
 * at or past end or at the end-of-partition event there.  The high
 * watermark comes from ListOffsets with the handle's isolation level, so
 * under read_committed it is the last stable offset: "end as of start"
 * stops before a transaction still open.  A range's size (end - start)
 * counts markers and aborted records: it is an upper bound on the
 * records read.
 *
 * The consumer handle passed in must have a group.id (librdkafka needs one
 * for assign()); the lookups assign and unassign it, so call this before
 * the real assignment.
 */
#ifndef TIDE_KAFKA_OFFSETS_H
#define TIDE_KAFKA_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

enum tide_off_kind {
	TIDE_OFF_NONE = 0,	/* no bound (an end only) */
	TIDE_OFF_BEGINNING,	/* the low watermark */
	TIDE_OFF_END,		/* the high watermark at start */
	TIDE_OFF_STORED,	/* the group's committed offset */
	TIDE_OFF_ABS,		/* offset v, clamped to the watermarks */
	TIDE_OFF_TAIL,		/* v messages before the high watermark */
	TIDE_OFF_TIME,		/* first message with timestamp >= v (ms) */
};

struct tide_offspec {
	enum tide_off_kind kind;
	int64_t v;
};

/*
 * Set enable.partition.eof=true in the configuration of the handle that
 * will be passed here and read ranges: where a range's last offsets are
 * never delivered (markers, aborted records) its end is seen only by that
 * event, and the time search needs it too.  1 if conf had it off (the
 * caller may say it is overridden), 0 if it was on, TIDE_EKAFKA if it
 * cannot be set.
 */
int tide_offsets_conf(rd_kafka_conf_t *conf);

/* Parse "beginning", "end", "stored", "N" or "-N": 0 or TIDE_EINVAL. */
int tide_offspec_parse(const char *s, struct tide_offspec *o);

/* One partition's range.  start may be RD_KAFKA_OFFSET_STORED; end is one
 * past the last offset to read, or -1 for no end. */
struct tide_prange {
	int32_t partition;
	int64_t low, high;	/* watermarks when resolved */
	int64_t start;
	int64_t end;
	int searched;		/* a time was found by binary search */
};

struct tide_offsets_err {
	char msg[256];
};

/*
 * The partitions of topic, from a metadata request on rk bounded by
 * timeout_ms.  Returns the count (>= 0) with *parts (caller frees), or
 * TIDE_ENOENT (no such topic), TIDE_EKAFKA (brokers unreachable or
 * another failure), with err filled in.
 */
int tide_offsets_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms,
    int32_t **parts, struct tide_offsets_err *err);

/*
 * Resolve r[0..n) (partition set by the caller) of topic: watermarks, then
 * start from *from and end from *to (kinds NONE, END, TIME, ABS).  A start
 * past the end is set to the end (an empty range).  0 or TIDE_EKAFKA with
 * err.  Every broker call is bounded by timeout_ms.
 */
int tide_offsets_resolve(rd_kafka_t *rk, const char *topic,
    struct tide_prange *r, size_t n, const struct tide_offspec *from,
    const struct tide_offspec *to, int timeout_ms, struct tide_offsets_err *err);

#endif
