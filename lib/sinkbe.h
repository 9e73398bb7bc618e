/*
 * tide-sink's back ends: where records go -- files (here), Kafka
 * (lib/kafka/ksink.h: struct tide_ksink_be) or a materialized view
 * (lib/view/vsink.h) -- behind one table of operations, chosen once at
 * open (curl's protocol handlers are the model).  The main loop reads
 * and validates records and knows no back end by name: for each record
 * put(); before it blocks on input idle(); when no input came for
 * be->timeout ms quiet(); at the end finish(), then close().
 *
 * Outcomes are TIDE_E* codes; what they mean for the run is decided in
 * one place, lib/sinkrun.h (the status to stop with, and at the end):
 *   0            done (put: the record is written or queued)
 *   1            stop reading; nothing failed (Kafka gave up on an outage,
 *                and finish() says so)
 *   TIDE_EINVAL  put: a bad record, not written; err->msg says why
 *   TIDE_EPIPE   the reader of standard output went away: stop, quietly
 *   TIDE_EKAFKA  put: a record could not be delivered (dead-lettered): stop
 *   TIDE_EIO     the output failed: stop; err->msg says how (empty when
 *                the failure was reported already), err->remote when a
 *                server failed (unavailable), not a local file
 * finish() returns what it found as enum tide_sinkbe_end flags.
 *
 * Warnings that are not the outcome of a call (records not delivered,
 * CSV fields dropped, a failed --tee) go, formatted, to the say callback
 * given at open, for the caller to print; nothing here prints or exits.
 *
 * A back end is a struct whose first member is a struct tide_sinkbe; the
 * caller owns it and passes &x.be around.  Counters are kept by the back
 * end; records read and bad ones are the caller's.  No allocation per
 * record.
 */
#ifndef TIDE_SINKBE_H
#define TIDE_SINKBE_H

#include <stddef.h>
#include <stdint.h>

#include "barrier.h"
#include "buf.h"
#include "fileout.h"
#include "json.h"
#include "time.h"

struct tide_sinkbe_err {
	char msg[512];
	int remote;		/* TIDE_EIO: a server's failure */
};

/* What finish() found. */
enum tide_sinkbe_end {
	TIDE_SINKBE_WRITE_FAILED = 1 << 0,	/* output not completed */
	TIDE_SINKBE_TEE_FAILED = 1 << 1,	/* --tee's output failed */
	TIDE_SINKBE_UNDELIVERED = 1 << 2,	/* records dead-lettered */
	TIDE_SINKBE_GAVE_UP = 1 << 3,		/* brokers stayed away */
	TIDE_SINKBE_DEAD_FAILED = 1 << 4,	/* writing a dead letter failed */
};

typedef void (*tide_sinkbe_say_fn)(void *ctx, int level, const char *msg);

struct tide_sinkbe;

struct tide_sinkbe_ops {
	const char *name;
	/* One validated JSON value line[0..len) of type type, read at line
	 * lineno. */
	int (*put)(struct tide_sinkbe *, uint64_t lineno, const char *line,
	    size_t len, enum tide_json_type type, struct tide_sinkbe_err *);
	int (*idle)(struct tide_sinkbe *, struct tide_sinkbe_err *);
	int (*quiet)(struct tide_sinkbe *, struct tide_sinkbe_err *);
	/* Make every record put so far durable, now: files flushed and
	 * fsynced (a zstd frame ended), Kafka every delivery report in
	 * (failed deliveries are dead-lettered as ever), a view's batch
	 * committed (SQLite: the transaction; Redis: every reply read).
	 * 0 when done; 1, TIDE_EPIPE, TIDE_EIO as above. */
	int (*sync)(struct tide_sinkbe *, struct tide_sinkbe_err *);
	/* Deliver or commit what is pending.  failed: the run already failed
	 * on its output (nothing more is committed, and the same failure is
	 * not reported twice).  With be->abort, give up at once on what is
	 * still in flight (Kafka: dead-lettered).  err->remote qualifies
	 * WRITE_FAILED. */
	unsigned (*finish)(struct tide_sinkbe *, int failed,
	    struct tide_sinkbe_err *);
	/* The back end's counters for --stats: "sent 3, delivered 3, ...". */
	void (*stats)(struct tide_sinkbe *, struct tide_buf *);
	void (*close)(struct tide_sinkbe *);
};

/*
 * Exactly once (doc/DELIVERY.md section 3): a back end that can make its
 * output and a barrier's offsets durable together has these, in
 * be->once; the others (Kafka, Redis; a file back end whose output is
 * not a plain file name) have NULL and stay at-least-once, except Kafka
 * with transactions of its own (struct tide_sinkbe_txn below).  They are
 * called only when a tide stage is upstream (tide_sinkrun_open()).
 */
struct tide_sinkbe_once {
	/* Where they are kept, for messages ("table tide_offsets"). */
	const char *(*where)(struct tide_sinkbe *);
	/* The offsets an earlier run recorded with the output, into o
	 * (reset first; empty when none were), and the output made ready to
	 * go on after them (a file: its tail past the recorded length cut
	 * off).  0, or TIDE_EFORMAT (a record of a foreign shape or a
	 * damaged one), TIDE_ENOENT (the recorded output is missing),
	 * TIDE_EIO, with err->msg saying what and what to do. */
	int (*recorded)(struct tide_sinkbe *, struct tide_barrier_offs *o,
	    struct tide_sinkbe_err *);
	/* As sync(), and o recorded with the output in the same step: both
	 * are durable, or neither (a file: its length, after the fsync). */
	int (*record)(struct tide_sinkbe *, const struct tide_barrier_offs *o,
	    struct tide_sinkbe_err *);
	/* This run does not record (no tide stage upstream): an earlier
	 * run's record that would no longer describe the output is removed
	 * (a file's sidecar: the file is made anew).  May be NULL. */
	void (*forget)(struct tide_sinkbe *);
};

/*
 * Exactly once on a system with transactions of its own (Kafka with
 * --transactional-id, doc/DELIVERY.md section 3): records are put inside
 * a transaction, and at each barrier the back end commits it together
 * with the barrier's offsets, as the consumer group that read them (the
 * barrier's group metadata) -- the way back is then the group's own
 * committed offsets, and the source commits none itself (the hello says
 * `txn`).  In be->txn; NULL for the others.
 */
struct tide_sinkbe_txn {
	/* Whether barriers pace the transactions (a tide stage is upstream):
	 * then commits come only at barriers; else the back end commits on
	 * its own, every second and at the end, without offsets.  Called
	 * once, before the first record. */
	void (*paced)(struct tide_sinkbe *, int paced);
	/* Commit the open transaction, with b's offsets when b has a group
	 * (else none: no group read them), and open the next.  0, or
	 * TIDE_EKAFKA with err->msg saying why (the transaction was aborted,
	 * or the producer was fenced: its records are read again). */
	int (*commit)(struct tide_sinkbe *, const struct tide_barrier *b,
	    struct tide_sinkbe_err *);
};

/*
 * A back end whose records become durable on their own, in the background
 * (Kafka: delivery reports), has these in be->async: a barrier is then
 * acknowledged once everything before it is durable, without a sync()
 * that would stop the records after it (tide_sinkrun_barrier()).
 */
struct tide_sinkbe_async {
	/* A mark of every record put so far. */
	uint64_t (*mark)(struct tide_sinkbe *);
	/* Whether everything up to mark is durable now (it may serve what
	 * has come in: Kafka's delivery reports). */
	int (*marked)(struct tide_sinkbe *, uint64_t mark);
};

struct tide_sinkbe {
	const struct tide_sinkbe_ops *ops;
	const struct tide_sinkbe_once *once;	/* NULL: at-least-once */
	const struct tide_sinkbe_async *async;	/* NULL: barriers sync() */
	const struct tide_sinkbe_txn *txn;	/* NULL: no transactions */
	int timeout;		/* ms the caller waits for input, or -1 */
	int done;		/* wants no more input (the --tee reader went
				 * away): stop reading, then finish() */
	int counts_out;		/* the progress line counts out, not input */
	int abort;		/* set by the caller before finish(): a second
				 * signal or a drain timeout, do not wait */
	uint64_t out;		/* records written */
	uint64_t bytes;		/* bytes written, 0 when not counted */
	tide_sinkbe_say_fn say;
	void *ctx;
};

/* Format a warning (level 0) or a note for -v (1) and hand it to say. */
void tide_sinkbe_say(struct tide_sinkbe *be, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fill err->msg (err->remote cleared). */
void tide_sinkbe_errf(struct tide_sinkbe_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Files and standard output (lib/fileout.h).  Each record is stamped with
 * its time field timepath (epoch numbers in unit), or with the wall clock
 * when timepath is NULL; a record without a usable time is a bad record
 * ("no time field 'ts'", "field 'ts' is not a time: \"x\""), as is one that is
 * not an object with --time or CSV output.  The path pattern and timepath
 * are borrowed.
 */
struct tide_sinkbe_file {
	struct tide_sinkbe be;
	struct tide_fileout fo;
	const struct tide_path *timepath;
	enum tide_time_unit unit;
	/* Exactly once: a plain file's offsets sidecar (lib/sidecar.h). */
	struct tide_buf scpath, scbuf;
};

/* 0 or TIDE_EINVAL (a bad path pattern).  Close even on failure. */
int tide_sinkbe_file_open(struct tide_sinkbe_file *f, const char *pattern,
    const struct tide_fileout_opts *o, const struct tide_path *timepath,
    enum tide_time_unit unit, tide_sinkbe_say_fn say, void *ctx);

#endif
