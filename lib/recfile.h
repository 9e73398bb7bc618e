/*
 * One input file of a head (tide-source), read to its end as records:
 * NDJSON lines (lib/recin.h) or CSV rows (lib/csvrec.h), through one pair
 * of callbacks whichever it is, so a program handles a record and a bad
 * one the same way for both.
 *
 * The reader is the caller's, opened (tide_recin_open(), zstd sniffed)
 * and closed by it; its idle hook (tide_recin_set_idle()) runs before a
 * read that would block.  A record handed to a callback points into the
 * reader's buffer: valid during the call only.  A stop signal
 * (tide_sig_stops()) is seen between records.  lib never prints: a read
 * error or a CSV error that ends the file comes back with its words in
 * the caller's struct tide_recfile_err.  Nothing is allocated per record.
 */
#ifndef TIDE_RECFILE_H
#define TIDE_RECFILE_H

#include <stddef.h>
#include <stdint.h>

#include "recin.h"

struct tide_recfile_cb {
	/* A record (no newline).  0 to go on, > 0 to stop. */
	int (*rec)(void *ctx, const char *p, size_t n);
	/* A bad record: its line, its bytes (none when longer than the
	 * maximum) and why.  0 to go on, > 0 to stop. */
	int (*bad)(void *ctx, uint64_t lineno, const char *raw, size_t n,
	    const char *why);
	void *ctx;
	/* Where the record handed to rec starts (line 1: the first; a CSV
	 * row's first line), set before each call when not NULL. */
	uint64_t *lineno;
	/* NDJSON with paths set on the reader (tide_recin_set_paths): the
	 * values of a record handed to rec, looked up in its one scan; NULL
	 * when no paths are set.  A CSV row's are not looked up. */
	struct tide_json_val *vals;
};

struct tide_recfile_err {
	int readerr;		/* the file could not be read (code) */
	int code;		/* the reader's error: tide_recin_strerror() */
	uint64_t line;		/* a CSV error: where */
	const char *reason;	/* and why (static text) */
};

/*
 * Read in to its end, as CSV when csv is set, records longer than max
 * bytes bad.  0 at the end; a callback's stop value (> 0); TIDE_EINTR at
 * a stop signal; or a negative code: the reader's (err->readerr set) or
 * the CSV parser's (err->line, err->reason).  err->readerr may be set
 * with a stop value too: a read failed as a callback stopped.
 */
int tide_recfile_read(struct tide_recin *in, int csv, size_t max,
    const struct tide_recfile_cb *cb, struct tide_recfile_err *err);

#endif
