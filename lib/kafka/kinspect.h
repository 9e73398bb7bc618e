/*
 * Inspecting a cluster for tide-source -L, --lag and --summary: what a
 * person asks of a topic during an incident, answered with bounded
 * requests and no record written.
 *
 * One table, a row per partition (struct tide_kinspect), filled in one of
 * three ways: tide_kinspect_list() (the cluster's metadata: brokers,
 * leaders, replicas, in-sync replicas, then each partition's watermarks),
 * tide_kinspect_lag() (a group's committed offsets for the topics named,
 * or for every topic it has committed, and the high watermarks), or, for a summary of a range being read, a
 * row added per partition (tide_kinspect_add()) and each message counted
 * (tide_kinspect_count(): no allocation, the last row looked up is
 * remembered).  A summary of
 * files has a row per file: its name as the topic, partition -1, kept in
 * the order added (tide-source(1) names the column "file").  Formatting is
 * apart and pure (tide_kinspect_fmt()): text for people, or one JSON
 * document; tide-source(1) defines both.
 *
 * Lag is the high watermark minus the committed offset, never below 0; a
 * partition the group has not committed has neither (text "-", JSON
 * null), as kafka-consumer-groups.sh shows it, and is counted apart in
 * the totals, not in the total lag.
 *
 * Watermarks come from ListOffsets (earliest, latest) for all partitions
 * at once, through rd_kafka_offsets_for_times(), which keeps to its
 * timeout where a leader is down (rd_kafka_query_watermark_offsets() in
 * librdkafka 2.0 does not).  Under read_committed the latest is the last
 * stable offset.
 *
 * Every broker request is bounded by the caller's timeout: a cluster that
 * cannot be reached, or a leader that does not answer, is TIDE_EKAFKA with
 * err naming the brokers or the broker; a topic not in the metadata is
 * TIDE_ENOENT.  lib never prints: the caller writes the buffer.  The table
 * owns its rows, their copies of topic names and the broker list.
 */
#ifndef TIDE_KAFKA_KINSPECT_H
#define TIDE_KAFKA_KINSPECT_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "buf.h"

#define TIDE_KINSPECT_MAXREPL 16	/* replicas and ISRs kept per row */

struct tide_kinspect_row {
	char *topic;		/* owned */
	int32_t partition;
	int32_t leader;		/* -1 unknown */
	int32_t replicas[TIDE_KINSPECT_MAXREPL], isrs[TIDE_KINSPECT_MAXREPL];
	int nreplicas, nisrs;
	int64_t low, high;	/* watermarks, -1 unknown */
	int64_t committed;	/* the group's, -1 none */
	uint64_t count;		/* --summary: messages counted */
	int64_t tsmin, tsmax;	/* their timestamps, -1 none */
};

struct tide_kinspect_broker {
	int32_t id;
	char *name;		/* host:port, owned */
};

struct tide_kinspect {
	struct tide_kinspect_row *v;
	size_t n, cap;
	struct tide_kinspect_broker *brokers;
	size_t nbrokers;
	size_t last;		/* the row tide_kinspect_count() found last */
};

struct tide_kinspect_err {
	char msg[512];
};

enum tide_kinspect_what {
	TIDE_KINSPECT_LIST,	/* -L */
	TIDE_KINSPECT_LAG,	/* --lag */
	TIDE_KINSPECT_SUMMARY,	/* --summary */
};

void tide_kinspect_init(struct tide_kinspect *t);
void tide_kinspect_release(struct tide_kinspect *t);

/* A new row for (topic, partition): nothing known, nothing counted. */
struct tide_kinspect_row *tide_kinspect_add(struct tide_kinspect *t,
    const char *topic, int32_t partition);
/* A message of (topic, partition) with timestamp ts (-1: none): counted in
 * its row; 0, or -1 when there is no such row. */
int tide_kinspect_count(struct tide_kinspect *t, const char *topic,
    int32_t partition, int64_t ts);
/* Rows in order of topic name (byte order), then partition; files (rows
 * of partition -1) as they are. */
void tide_kinspect_sort(struct tide_kinspect *t);

/*
 * -L: the brokers, and the partitions of topics[0..n) (every topic when n
 * is 0; rows in order of name and partition) with leader, replicas, ISRs
 * and watermarks, from rk (any handle), each request bounded by
 * timeout_ms.  0, TIDE_ENOENT or TIDE_EKAFKA with err.
 */
int tide_kinspect_list(struct tide_kinspect *t, rd_kafka_t *rk,
    char *const *topics, size_t n, int timeout_ms,
    struct tide_kinspect_err *err);
/*
 * --lag: the committed offsets of the group rk was made with (group.id;
 * it does not join) for the partitions of topics[0..n), and each
 * partition's watermarks.  With n 0 the topics are those the group has
 * committed offsets for, asked of its coordinator with the Admin API's
 * ListConsumerGroupOffsets (all partitions; a topic deleted since is
 * left out); when it lists none, 1, no rows, and err says so (a group
 * with nothing committed is no error).
 * librdkafka 2.0's mock cluster lists none for any group (asked for all
 * of a group's offsets, it answers a null list of topics), so only that
 * answer is tested there.  0, 1, TIDE_ENOENT or TIDE_EKAFKA with err.
 */
int tide_kinspect_lag(struct tide_kinspect *t, rd_kafka_t *rk,
    const char *group, char *const *topics, size_t n, int timeout_ms,
    struct tide_kinspect_err *err);

/* The table as what says (rows sorted first), onto b: text, or one JSON
 * document with json (each with a final newline).  group: --lag's, for
 * the JSON. */
void tide_kinspect_fmt(struct tide_kinspect *t,
    enum tide_kinspect_what what, int json, const char *group,
    struct tide_buf *b);

#endif
