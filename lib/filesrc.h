/*
 * A head's input files (tide-source file ...), read in turn as one source
 * of records: each opened through lib/recin (zstd sniffed, stdin too),
 * read to its end through lib/recfile's pair of callbacks (NDJSON or CSV:
 * by the format given, else by the name), with the bytes of all of them
 * for progress by bytes when every one is a regular file.
 *
 * The names and the callbacks are the caller's, kept, not copied.  The
 * idle hook runs before a read that would block, and before stdin is
 * opened (opening it waits for its first bytes: what earlier files gave
 * is not held back meanwhile).  lib never prints: a file that cannot be
 * opened or read, or a CSV error that ends it, is worded to on_warn
 * ("NAME: why", "NAME: line N: why") and comes back as its code.
 *
 * A time range (timepath set, from and to): only the records whose event
 * time in timepath is in [from, to) reach the record callback; the others
 * are counted in outside, and a record without a time there is bad ("no
 * time field 'ts'", "field 'ts' is not a time: ...").  A file's records
 * are not taken to be in time order: every one is looked at.
 *
 * A filter (where set, lib/expr.h, borrowed): only the records it keeps go
 * on (to the time range, then the record callback); the others are counted
 * in filtered.  Its fields are looked up in the scan that validates an
 * NDJSON line (a CSV row: after it is built).  Barrier lines
 * (lib/barrier.h) pass untouched.  A record on which a regex reached its
 * match limit is bad ("--where: regex /.../ reached its match limit").
 */
#ifndef TIDE_FILESRC_H
#define TIDE_FILESRC_H

#include <stddef.h>
#include <stdint.h>

#include "expr.h"
#include "json.h"
#include "recfile.h"
#include "recin.h"
#include "rio.h"
#include "time.h"

struct tide_filesrc {
	char *const *names;
	size_t n;
	int csv;		/* 1 CSV, 0 NDJSON, -1 by each name */
	size_t max;		/* bytes of a record */
	uint64_t total;		/* bytes of all files; 0: one is not regular */
	uint64_t done;		/* bytes read of the files before cur */
	const struct tide_recin *cur;	/* the file being read, or NULL */
	tide_idle_fn idle;
	void *idlectx;
	void (*on_warn)(void *ctx, const char *msg);
	void *ctx;
	/* The time range, set by the caller after init; timepath (borrowed)
	 * NULL: none. */
	const struct tide_path *timepath;
	enum tide_time_unit unit;
	int64_t from, to;		/* [from, to), epoch ms */
	uint64_t outside;		/* records outside it, skipped */
	int64_t t;			/* the time of the record handed on */
	/* The filter, set by the caller after init; NULL: none. */
	struct tide_expr *where;
	uint64_t filtered;		/* records it dropped */
	/* The caller's callbacks and the file's name, while reading. */
	int (*urec)(void *ctx, const char *p, size_t n);
	int (*ubad)(void *ctx, uint64_t lineno, const char *raw, size_t n,
	    const char *why);
	const char *curname;
	uint64_t curline;		/* the record's line (recfile) */
	int curcsv;
	int (*next)(void *ctx, const char *p, size_t n);	/* after where */
	struct tide_json_val wvals[TIDE_EXPR_MAXPATHS];
};

/* The files names[0..n) ("-": stdin), format "csv", "ndjson" or NULL (by
 * name), records of at most max bytes; their total size looked up. */
void tide_filesrc_init(struct tide_filesrc *f, char *const *names, size_t n,
    const char *format, size_t max);
/* Bytes read so far, of all files: progress towards f->total. */
uint64_t tide_filesrc_pos(const struct tide_filesrc *f);
/*
 * Read the files in turn, handing each record to cb (its ctx is the
 * file's name, for the bad-input report).  Stops at the first file that
 * ends otherwise than at its end.  0 when all were read; a callback's
 * stop value (> 0) or TIDE_EINTR at a stop signal; TIDE_EIO (errno said
 * in the warning) or TIDE_EFORMAT (not zstd as its name says, corrupt
 * zstd data, a CSV error) for a file that could not be read to its end.
 * A read that fails as a callback stops is said and the stop returned.
 */
int tide_filesrc_read(struct tide_filesrc *f,
    int (*rec)(void *ctx, const char *p, size_t n),
    int (*bad)(void *ctx, uint64_t lineno, const char *raw, size_t n,
    const char *why));

#endif
