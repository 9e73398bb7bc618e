/*
 * Barrier lines: the checkpoints that travel down a pipeline in the data
 * stream, in order with the records (doc/DELIVERY.md, section 2).
 *
 *	{"@barrier":{"seq":17,"offsets":[["transactions",0,1043],...]}}
 *	{"@barrier":{"seq":18,"final":true,"offsets":[...]}}
 *
 * A barrier is a valid JSON object under one reserved key, so that jq does
 * not abort on it, and it is recognised by its first bytes: every stage
 * asks tide_barrier_is() of every line, which costs one 12-byte compare.
 * Only the exact form counts: no whitespace before or inside the prefix.
 * A foreign program between stages must pass the line through unchanged.
 *
 * `seq` is a non-negative integer; `offsets` holds, per partition, the next
 * offset to read after the records before the barrier; `final` (true or
 * false, absent = false) marks the last barrier of a head that ended
 * normally.  `group` (absent = none) is the Kafka consumer group's
 * metadata of the head that read the records, base64 of what
 * rd_kafka_consumer_group_metadata_write() gives, for a sink that commits
 * the offsets in its own transaction (doc/DELIVERY.md section 3); written
 * only when such a sink said so, and at most TIDE_BARRIER_GROUPMAX bytes
 * decoded.  Other keys inside the barrier object are ignored (room for
 * later fields); other keys beside
 * "@barrier" are not (the line is then not a barrier and is refused).
 * Topics are any JSON string without U+0000 up to TIDE_BARRIER_TOPICMAX
 * bytes; they round-trip through the writer's escaping.  A (topic,
 * partition) pair appears once.
 *
 * struct tide_barrier_offs is the list of offsets, also carried by a
 * downstream stage's "hello ... resume" (lib/stage.h).  It owns its memory:
 * topics live in one arena, so a parsed barrier allocates only while its
 * arrays grow; reuse one struct for every barrier and nothing is allocated
 * per barrier in the steady state.  Pointers returned by
 * tide_barrier_offs_topic() are valid until the next add, parse or reset.
 * Nothing here prints; no global state, so distinct structs may be used
 * from distinct threads.
 */
#ifndef TIDE_BARRIER_H
#define TIDE_BARRIER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define TIDE_BARRIER_PREFIX "{\"@barrier\":"
#define TIDE_BARRIER_PREFIX_LEN (sizeof(TIDE_BARRIER_PREFIX) - 1)
#define TIDE_BARRIER_TOPICMAX 1024	/* bytes of a topic, unescaped */
#define TIDE_BARRIER_MAXPARTS 65536	/* partitions in one barrier */
#define TIDE_BARRIER_GROUPMAX 4096	/* bytes of a group's metadata */
#define TIDE_BARRIER_MAXLINE (8u * 1024 * 1024)	/* bytes of a barrier line */

struct tide_barrier_off {
	size_t topic;		/* offset of the topic in the arena */
	size_t topiclen;
	int32_t partition;
	int64_t next;		/* the next offset to read */
};

struct tide_barrier_offs {
	struct tide_barrier_off *v;
	size_t n, cap;
	struct tide_buf names;	/* the topics, NUL-terminated each */
};

struct tide_barrier {
	int64_t seq;
	int final;
	struct tide_barrier_offs offs;
	struct tide_buf group;	/* the group's metadata, decoded; empty:
				 * none */
};

/* Where and why a line was refused: offset into the line (for a JSON
 * error) and a static reason; index is the offsets element at fault or -1. */
struct tide_barrier_err {
	size_t offset;
	long index;
	const char *reason;
};

#define TIDE_BARRIER_OFFS_INIT { NULL, 0, 0, TIDE_BUF_INIT }
#define TIDE_BARRIER_INIT { 0, 0, TIDE_BARRIER_OFFS_INIT, TIDE_BUF_INIT }

/*
 * Whether line[0..len) is a barrier line, by its first bytes only (the
 * hot path: every stage asks it of every record).  A line that starts so
 * and then fails tide_barrier_parse() is a broken barrier, not a record.
 */
static inline int
tide_barrier_is(const char *line, size_t len)
{
	return len >= TIDE_BARRIER_PREFIX_LEN &&
	    memcmp(line, TIDE_BARRIER_PREFIX, TIDE_BARRIER_PREFIX_LEN) == 0;
}

void tide_barrier_offs_reset(struct tide_barrier_offs *o);
void tide_barrier_offs_release(struct tide_barrier_offs *o);
/* Add or update topic's partition.  0, TIDE_EINVAL (negative partition or
 * offset, a NUL in the topic, an empty topic), TIDE_ETOOBIG (topic over
 * TIDE_BARRIER_TOPICMAX, more than TIDE_BARRIER_MAXPARTS partitions). */
int tide_barrier_offs_set(struct tide_barrier_offs *o, const char *topic,
    size_t topiclen, int64_t partition, int64_t next);
/* Each of src's offsets set in dst (added or updated; dst's others
 * stay): results as tide_barrier_offs_set().  A copy is a reset, then
 * this. */
int tide_barrier_offs_merge(struct tide_barrier_offs *dst,
    const struct tide_barrier_offs *src);
/* The next offset of topic's partition, or -1. */
int64_t tide_barrier_offs_get(const struct tide_barrier_offs *o,
    const char *topic, size_t topiclen, int32_t partition);
/* Element i's topic, NUL-terminated (length in *len if not NULL). */
const char *tide_barrier_offs_topic(const struct tide_barrier_offs *o,
    size_t i, size_t *len);
/* Append the JSON array [["topic",partition,next],...] in the order added.
 * 0 or TIDE_ETOOBIG from the buffer. */
int tide_barrier_offs_write(const struct tide_barrier_offs *o,
    struct tide_buf *b);
/* Parse such an array, p[0..n), validating it first (it may come from a
 * peer).  Replaces o's contents; on failure o is left empty.  0 or
 * TIDE_EJSON / TIDE_EUTF8 / TIDE_EDEPTH / TIDE_EINVAL / TIDE_ERANGE /
 * TIDE_ETOOBIG, with err (may be NULL) filled in. */
int tide_barrier_offs_parse(struct tide_barrier_offs *o, const char *p,
    size_t n, struct tide_barrier_err *err);

void tide_barrier_reset(struct tide_barrier *b);
void tide_barrier_release(struct tide_barrier *b);
/* Append b as one barrier line, without the newline.  0 or TIDE_ETOOBIG
 * (from out's cap), TIDE_EINVAL (a negative seq). */
int tide_barrier_write(const struct tide_barrier *b, struct tide_buf *out);
/*
 * Parse the barrier line[0..len) (no newline) into b, replacing what it
 * held; on failure b is left reset.  0, or TIDE_EINVAL (not a barrier:
 * wrong prefix, a missing or mistyped field, other top-level keys,
 * duplicate fields or partitions), TIDE_ERANGE (a number out of range),
 * TIDE_ETOOBIG (over TIDE_BARRIER_MAXLINE, a topic or partition count over
 * its cap), or the JSON errors of tide_json_check(); err (may be NULL)
 * says where and why.
 */
int tide_barrier_parse(struct tide_barrier *b, const char *line, size_t len,
    struct tide_barrier_err *err);

#endif
