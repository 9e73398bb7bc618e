/*
 * A stream joined with a table (tide-join -T): the records of one input
 * read, checked and looked up in one pass (lib/recin), keyed and read
 * ahead of their join (lib/readahead, prefetching an in-memory table's
 * slots), then checked, looked up and written by the plan
 * (lib/joinplan), in the order read.  The caller's loop calls
 * tide_tjoin_next() per record and, between records, whatever it must do
 * with every record read joined first (a reload, --stats) after
 * tide_tjoin_drain().  A barrier line is handed back, after every record
 * before it, for the caller to pass on in order (lib/stagerun).
 *
 * The table: an in-memory one (a file's, or a Kafka table's) is looked up
 * here, straight; a Kafka table's lock() and unlock() hooks run around
 * each record's join (lock() says when the plan was rebuilt for new
 * columns); a table that is not in memory (a view) is looked up through
 * the lookup() hook.  Bad records go to the bad() hook, which decides
 * whether to go on (as struct tide_bad does).
 *
 * Ownership: the plan, the table, the writer and the stats are the
 * caller's; the caller may rebuild the plan in place and replace the
 * table between records (after tide_tjoin_drain()).  A record read ahead
 * points into the reader's buffer, so the ring is drained before any read
 * that may move or refill it.  Nothing is allocated per record.  lib
 * never prints: a failure comes back as a code with the message in
 * j->msg.
 */
#ifndef TIDE_TJOIN_H
#define TIDE_TJOIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "joinplan.h"
#include "readahead.h"
#include "recin.h"
#include "rio.h"
#include "table.h"

struct tide_tjoin {
	/* Set by the caller before tide_tjoin_open(). */
	struct tide_joinplan *pl;
	const struct tide_table *table;	/* NULL: lookup() */
	enum tide_table_dir dir;
	int64_t tol;
	size_t maxrec;
	struct tide_wout *out;
	struct tide_joinstats *st;	/* in counts every record read */
	int (*lock)(void *ctx);		/* 1: the plan was rebuilt */
	void (*unlock)(void *ctx);
	/* Look key values v up: 0 with *m (a hit's *row; *learnt when the
	 * plan was rebuilt), -1 for a bad record (why), or a status > 0. */
	int (*lookup)(void *ctx, const struct tide_json_val *v, int64_t ts,
	    struct tide_table_row *row, enum tide_table_miss *m, int *learnt,
	    char *why, size_t whylen);
	void *ctx;			/* lock(), unlock(), lookup()'s */
	/* A bad record, reported: 0 to go on, or a status (> 0) to stop. */
	int (*bad)(void *ctx, const char *src, uint64_t lineno,
	    const char *line, size_t len, const char *why);
	void *badctx;
	/* The idle hook for stdin (NULL: tide_wout_idle on out). */
	tide_idle_fn idle;
	void *idlectx;
	/* The barrier line tide_tjoin_next() found (TIDE_TJOIN_BARRIER),
	 * in the reader's buffer: valid until the next call. */
	const char *bar;
	size_t barlen;
	uint64_t barlineno;
	/* Why tide_tjoin_next() or _drain() said stop: a hook's status
	 * (> 0) or TIDE_EIO (the writer failed). */
	int status;
	char msg[512];			/* a failure's message */
	/* The input. */
	const char *path;
	struct tide_recin in;
	struct tide_readahead ra;
	struct tide_buf ob;		/* a joined record too big for out */
	int last;
};

/*
 * Open path ("-": stdin, read as it is; a file may be zstd) for joining.
 * lag: read ahead and prefetch (an in-memory table not under a lock).
 * Returns 0, or a code (TIDE_EIO: cannot be read) with j->msg.  Close
 * with tide_tjoin_close() either way.
 */
int tide_tjoin_open(struct tide_tjoin *j, const char *path, int lag);
void tide_tjoin_close(struct tide_tjoin *j);

/* tide_tjoin_next(): a barrier line (lib/barrier.h), not a record. */
#define TIDE_TJOIN_BARRIER 2

/*
 * Read the next record (waiting at most timeout_ms, -1: block) and join
 * what is due.  Returns 0; 1 when a join said stop (j->status), or when
 * out failed as the read was about to wait (the idle hook's flush: j->status
 * TIDE_EIO, out->err TIDE_EPIPE once its reader has gone; a hook of the
 * caller's that failed is taken so too);
 * TIDE_TJOIN_BARRIER when the line read is a barrier (tide_barrier_is()):
 * it is not a record (neither counted nor joined), every record read
 * before it has been joined and written to out, and j->bar, j->barlen,
 * j->barlineno hold it until the next call; TIDE_EOF;
 * TIDE_EINTR or TIDE_EAGAIN (a signal, the timeout: nothing read); or a
 * read failure, TIDE_EIO or TIDE_EFORMAT, with j->msg.
 */
int tide_tjoin_next(struct tide_tjoin *j, int timeout_ms);

/* Join every record read: 0, or 1 when a join said stop (j->status). */
int tide_tjoin_drain(struct tide_tjoin *j);

#endif
