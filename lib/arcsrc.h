/*
 * The archive inputs of a replay (tide-replay's files) as sources of the
 * time-ordered merge (lib/merge.h), each read through lib/arcin.
 *
 * An input that can be read again (a regular file) is scanned once up
 * front (tide_arcsrc_scan()): its bad lines reported, the records in
 * range counted, its time order checked.  It is then read as one source
 * when it is in merge order, else as one source per partition.  An input
 * that gives its bytes once (stdin, a pipe) is one source
 * (tide_arcsrc_add_once()), in the order it comes: its bad lines are
 * reported as they are met, and its first record out of merge order is
 * handed back once (TIDE_ARCSRC_UNORDERED) for the caller to warn about.
 *
 * Bad lines go to the bad-input policy (lib/bad.h), on_report called
 * first (the caller clears its progress line).  lib never prints: an
 * error comes back as a code, with what to say in as->err -- TIDE_EIO
 * (err.errnum), another code on opening (err.line 0) or on reading
 * (err.line, from 1), TIDE_ARCSRC_BADSTOP when the bad-input policy says
 * stop (its code in err.bad).  TIDE_ARCSRC_STOPPED is a stop signal
 * (lib/sig.h).
 *
 * Ownership: the paths, conf and bad are the caller's and outlive as;
 * the sources are as's (tide_arcsrc_release()).
 */
#ifndef TIDE_ARCSRC_H
#define TIDE_ARCSRC_H

#include <stddef.h>
#include <stdint.h>

#include "arcin.h"
#include "bad.h"
#include "buf.h"
#include "merge.h"

/* One source of the merge: an input, or one partition of it. */
struct tide_arcsrc {
	struct tide_arcin a;		/* its head: a.key */
	int report;			/* report bad lines as met */
	int unordered;			/* one pass, and out of order was said */
};

struct tide_arcsrc_err {
	const char *path;
	uint64_t line;			/* from 1; 0: on opening */
	int errnum;			/* TIDE_EIO's errno */
	int bad;			/* TIDE_ARCSRC_BADSTOP: lib/bad's code */
};

struct tide_arcsrcs {
	const struct tide_arcin_conf *conf;
	struct tide_bad *bad;
	struct tide_arcsrc *v;
	size_t n;
	uint64_t ngood;			/* good records of reported passes */
	uint64_t total;			/* records in range, scanned inputs */
	int64_t first_ts, last_ts;	/* theirs (total > 0) */
	struct tide_arcsrc_err err;
	void (*on_report)(void *ctx);	/* before a bad line is reported */
	void *ctx;
};

#define TIDE_ARCSRC_BADSTOP	(-1000)	/* the bad-input policy: stop */
#define TIDE_ARCSRC_STOPPED	(-1001)	/* a stop signal */
#define TIDE_ARCSRC_UNORDERED	1	/* tide_arcsrc_advance(): said once */

void tide_arcsrc_init(struct tide_arcsrcs *as,
    const struct tide_arcin_conf *conf, struct tide_bad *bad);
void tide_arcsrc_release(struct tide_arcsrcs *as);

/*
 * Scan the input path (idx: its place among the inputs) and add its
 * sources.  1 in merge order (one source), 0 not (one per partition),
 * TIDE_ARCSRC_STOPPED (nothing added), or an error.  With dry, each of
 * its partitions' counts appended as a JSON line (lib/arcin.h).
 */
int tide_arcsrc_scan(struct tide_arcsrcs *as, const char *path, int idx,
    struct tide_buf *dry);
/* A one-pass input as one source, bad lines reported as met. */
void tide_arcsrc_add_once(struct tide_arcsrcs *as, const char *path, int idx);

/* The struct tide_replay_ops of the sources (ctx: as): open each source
 * and add its head to m (0, TIDE_ARCSRC_STOPPED or an error); the head
 * of src; src's next head into m (0, TIDE_ARCSRC_UNORDERED,
 * TIDE_ARCSRC_STOPPED or an error); close them. */
int tide_arcsrc_open(struct tide_arcsrcs *as, struct tide_merge *m);
const struct tide_merge_key *tide_arcsrc_key(const void *src);
int tide_arcsrc_advance(struct tide_arcsrcs *as, struct tide_arcsrc *f,
    struct tide_merge *m);
void tide_arcsrc_close(struct tide_arcsrcs *as);

#endif
