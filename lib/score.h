/*
 * A stream scored in micro-batches (tide-score): the records of one input
 * read, checked and their features looked up in one pass (lib/recin),
 * each turned into a row of doubles, held in a batch of at most `batch`
 * rows while more records are already buffered, and scored together by
 * the caller's predict() hook; each record is then written as it was
 * read with one field appended, `"NAME":value` (a number, null for NaN,
 * or an array of numbers when the model gives several values per
 * record), in the order read.
 *
 * A record is never held waiting for input: the batch is scored and
 * written before any read that would need more bytes than the reader has
 * buffered (so also before a read that may block, where the idle hook
 * flushes the output), at a barrier line, before a bad record is handed
 * to the bad() hook, and on tide_score_drain().
 *
 * A feature is a JSON number, or true (1) / false (0).  A feature that is
 * missing or null is NaN (the model's missing value) unless missing_bad
 * is set or the model takes no missing values (nan_ok 0): then the
 * record is bad.  Anything else (a string, an object, an array, a number
 * out of the range of a double) makes the record bad, as does a record
 * that already has a field of the appended name.
 *
 * Latency: with lat set, each record adds to it the microseconds from
 * the read of its batch's first record to the batch written to out.
 *
 * Ownership: the paths, the writer, the sketch and the hooks are the
 * caller's; the batch's rows point into the reader's buffer.  The matrix
 * and result buffers are allocated at open (and at tide_score_set_nout()),
 * never per record.  The caller may change the predict hook, its context,
 * nout and nan_ok between records, after tide_score_drain() (a model
 * reloaded).  Nothing here prints: failures come back as codes with the
 * message in s->msg.
 */
#ifndef TIDE_SCORE_H
#define TIDE_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "recin.h"
#include "rio.h"
#include "sketch.h"

/* Score rows x[0 .. n*nfeat) into y[0 .. n*nout): 0, or a code with msg. */
typedef int (*tide_score_fn)(void *ctx, const double *x, size_t n,
    double *y, char *msg, size_t msglen);

struct tide_score {
	/* Set by the caller before tide_score_open(). */
	const struct tide_path *paths;	/* the features, in the model's order */
	int nfeat;
	int nout;			/* values per record */
	const char *as;			/* the field appended */
	int missing_bad;		/* a missing or null feature is bad */
	int nan_ok;			/* the model takes NaN as missing */
	size_t batch;			/* records per batch, >= 1 */
	size_t maxrec;
	struct tide_wout *out;
	tide_score_fn predict;
	void *predctx;
	/* A bad record, reported: 0 to go on, or a status (> 0) to stop. */
	int (*bad)(void *ctx, const char *src, uint64_t lineno,
	    const char *line, size_t len, const char *why);
	void *ctx;
	tide_idle_fn idle;		/* for stdin; NULL: tide_wout_idle */
	void *idlectx;
	struct tide_dds *lat;		/* NULL: no latency kept */

	uint64_t nin, nscored, nbatch;	/* records read, scored; batches */
	/* The barrier line tide_score_next() found: valid until the next
	 * call. */
	const char *bar;
	size_t barlen;
	uint64_t barlineno;
	/* Why tide_score_next() or _drain() said stop: a hook's status (> 0),
	 * or TIDE_EIO (the writer failed), TIDE_EINVAL (predict failed). */
	int status;
	char msg[512];

	/* Private. */
	const char *path;
	struct tide_recin in;
	struct tide_path *rpaths;	/* paths, then the appended name's */
	struct tide_json_val *vals;
	const char **line;		/* the batch's records */
	size_t *len;
	double *x, *y;
	size_t n;
	int64_t t0;
	struct tide_buf ob;		/* one record written */
	int last;
};

/*
 * Open path ("-": stdin; a file may be zstd) for scoring.  Returns 0, or
 * a code (TIDE_EIO: cannot be read) with s->msg.  Close with
 * tide_score_close() either way.
 */
int tide_score_open(struct tide_score *s, const char *path);
void tide_score_close(struct tide_score *s);

/* tide_score_next(): a barrier line (lib/barrier.h), not a record. */
#define TIDE_SCORE_BARRIER 2

/*
 * Read the next record (waiting at most timeout_ms, -1: block) and score
 * what is due.  Returns 0; 1 when a hook said stop or a write or the
 * prediction failed (s->status); TIDE_SCORE_BARRIER when the line read is
 * a barrier: every record before it has been scored and written, and
 * s->bar, s->barlen, s->barlineno hold it until the next call, for the
 * caller to pass on (lib/stagerun); TIDE_EOF
 * (the batch is not yet scored: tide_score_drain()); TIDE_EINTR or
 * TIDE_EAGAIN (nothing read); or a read failure, TIDE_EIO or
 * TIDE_EFORMAT, with s->msg.
 */
int tide_score_next(struct tide_score *s, int timeout_ms);

/* Score and write the batch: 0, or 1 (s->status). */
int tide_score_drain(struct tide_score *s);

/* A new number of values per record (the batch drained first). */
void tide_score_set_nout(struct tide_score *s, int nout);

#endif
