/*
 * What a consumer-group member commits (tide-source -G): on write, the
 * offsets of what it has written and flushed; or, once a tide stage reads
 * its output (doc/DELIVERY.md), only the offsets of the barriers its
 * readers acknowledged as durable -- and nothing at all while a reader
 * may yet say hello, or once a reader's hello says a transactional sink
 * commits them with its output (`txn`: the barriers then carry the
 * group's metadata for it, doc/DELIVERY.md section 3).  Over the partition table of lib/kafka/kparts.h
 * (what was written, what is committed) and a head's struct tide_flow
 * (lib/flow.h): a barrier written into the output every interval, the
 * acknowledgements taken, the warning when they stop coming, the final
 * barrier and the wait for it at the end, and the group's rebalances (a
 * revoked partition's records flushed and committed before it goes).
 * Without a group nothing is committed and no barrier written: the calls
 * only flush.
 *
 * Ownership: the struct is the caller's; the partition table, the client
 * and the output (struct tide_wout, lib/rio.h, on the program's stdout)
 * are the caller's too, kept, not copied: they must outlive it, and the
 * client's rebalances call tide_kcommit_rebalance() until it is closed, so
 * release this after the client.  Used from one thread (librdkafka calls
 * the rebalance callback from the caller's poll).
 *
 * lib never prints: a failed write of the output comes back as its code
 * (TIDE_EPIPE, TIDE_EIO with errno) at once, for the caller to treat as
 * any failed write; warnings (a failed commit, barriers unacknowledged)
 * and -v notes (assignments) go, worded, to on_warn and on_info.
 */
#ifndef TIDE_KAFKA_KCOMMIT_H
#define TIDE_KAFKA_KCOMMIT_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "barrier.h"
#include "buf.h"
#include "flow.h"
#include "kafka/kconsumer.h"
#include "kafka/kparts.h"
#include "rio.h"
#include "stage.h"

struct tide_kcommit {
	struct tide_kparts *kp;		/* the caller's */
	rd_kafka_t *rk;			/* the caller's */
	struct tide_wout *out;		/* the caller's */
	int group;			/* a group member: commit at all */
	/* Settings: the caller's, before tide_kcommit_start(). */
	int64_t ack_ms;			/* warn after, linger at the end */
	int md_timeout_ms;		/* -e's watermark query */
	void (*on_warn)(void *ctx, const char *msg);
	void (*on_info)(void *ctx, const char *msg);
	void *ctx;

	int64_t lastcommit;		/* monotonic ms of the last commit */
	int use_flow;			/* a tide reader may say hello */
	struct tide_flow flow;
	struct tide_barrier_offs boffs;	/* the next barrier's offsets */
	struct tide_barrier_offs acked;	/* the newest acknowledged */
	int64_t acked_seq;		/* its sequence, -1 none */
	struct tide_buf bline;		/* a barrier line */
	int64_t lastservice;
	struct tide_kconsumer_err err;	/* the last failed commit's words */
	/* Exactly once: the readers' recorded offsets, taken at the first
	 * assignment; each used once (a later assignment of the partition
	 * starts at the group's commit, which has moved on since). */
	int txn_said;			/* the -v note of a transactional sink */
	int resume_taken;
	size_t nresume;
	unsigned char *resume_used;
};

/* Commits for kp's partitions read by rk, written to out; group says
 * whether there is a group to commit to.  No delivery channel yet. */
void tide_kcommit_init(struct tide_kcommit *c, struct tide_kparts *kp,
    rd_kafka_t *rk, struct tide_wout *out, int group);
/*
 * With a group and acked commits (acked set; else commits follow what is
 * written), listen on the output's descriptor for tide readers, as the
 * head prog writing a barrier every interval_ms.  0, c->use_flow saying
 * whether a reader can come (the output is a pipe); negative when the
 * channel could not be opened (err says what and errno): commits then
 * follow what is written.
 */
int tide_kcommit_start(struct tide_kcommit *c, const char *prog, int acked,
    int64_t interval_ms, struct tide_stage_err *err);
void tide_kcommit_release(struct tide_kcommit *c);

/*
 * Commit, with a group: what has been written (the caller has flushed
 * it), or with a tide reader what it acknowledged (none while a reader
 * may yet say hello); only the partitions no longer assigned with
 * only_unassigned.  0, or TIDE_EKAFKA after on_warn said "commit failed:
 * ..." (c->err holds why).
 */
int tide_kcommit_commit(struct tide_kcommit *c, int async,
    int only_unassigned);
/* Flush the output, then commit.  0 or the write's code. */
int tide_kcommit_flush(struct tide_kcommit *c, int async);
/* Whether a commit is due: a group, every_ms since the last one. */
int tide_kcommit_due(const struct tide_kcommit *c, int64_t now_ms,
    int64_t every_ms);
/*
 * The delivery's turn in the main loop, as of now_ms (monotonic): the
 * readers' acknowledgements, a barrier when one is due (written after
 * what was written, and flushed: a barrier that waits in the buffer is not
 * acknowledged), on_warn when they stop coming for ack_ms.  At most every
 * 10 ms.  0 or the write's code.
 */
int tide_kcommit_tick(struct tide_kcommit *c, int64_t now_ms);
/*
 * The end of a read.  Without a tide reader: flush and commit.  With one
 * (waiting out the time a reader may yet say hello): the final barrier,
 * the output's descriptor closed (its end of file lets the pipeline
 * drain), up to ack_ms for the barrier's acknowledgement, and the commit
 * of what was acknowledged; on_warn when it was not.  0, or the write's
 * code (a failed close: TIDE_EIO, errno set).
 */
int tide_kcommit_finish(struct tide_kcommit *c);
/* Whether the output's reader is a tide stage that said hello: when it
 * goes away, what it read is not durable. */
int tide_kcommit_had_reader(const struct tide_kcommit *c);

/*
 * The group's rebalance (librdkafka's rebalance callback, rk its client):
 * assigned partitions enter the table (with -e, ending at their high
 * watermark, or at the first end of partition when the broker does not
 * say: on_warn); revoked ones leave it once what was written of them is
 * flushed and committed, so another member does not read it again.  Then
 * the (incremental, under the cooperative protocol) assignment.  The
 * first assignment waits for the readers' hellos to reach a sink (up to
 * TIDE_FLOW_RESUME_WAIT_MS from the start, lib/flow.h), and a partition
 * an exactly-once sink recorded offsets for starts there, the first time
 * it is assigned (doc/DELIVERY.md section 3): within the partition's
 * watermarks, as --resume (past the end: the group's offset; below the
 * start: there; both said to on_warn).  0 or the
 * flush's code (nothing more done).
 */
int tide_kcommit_rebalance(struct tide_kcommit *c, rd_kafka_t *rk,
    rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *tl);

#endif
