/*
 * The bad-input policy shared by every program.  A record that is not a
 * JSON object, lacks a required field or holds a wrong type is reported on
 * stderr with its source, line number and reason -- the first few in full,
 * then only counted, with a summary at exit -- skipped, counted, and, with
 * --dead-letter FILE, kept there with the reason.  Under --strict the first
 * one ends the program with exit 65.
 *
 * Dead-letter lines are JSON objects:
 *   {"source":"-","line":12,"error":"not valid JSON: ...","raw":"..."}
 * with "raw_b64" instead of "raw" when the line is not valid UTF-8, so a
 * dead-letter file is itself NDJSON and loses nothing.
 *
 * The file exists only when something is in it: tide_bad_init() opens it
 * (creating it if need be, so an unwritable path fails at start, before
 * any input is read), and tide_bad_finish() removes it again when it
 * created it and it is still empty.  A file that was already there is
 * appended to and never removed.  So `[ -e dead ]` and `[ -s dead ]` both
 * mean "some record was bad" after a normal exit (not after kill -9 or an
 * exit through tide_die(), which leave an empty file in place).  Programs
 * may write their own lines to the FILE (tide-sink's undelivered records);
 * such a file is not empty, and stays.
 */
#ifndef TIDE_BAD_H
#define TIDE_BAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TIDE_BAD_SHOWN 10	/* reports in full before only counting */

struct tide_bad {
	int strict;
	FILE *dead;		/* dead-letter file, or NULL */
	char *deadpath;
	int created;		/* tide_bad_init() created the file */
	uint64_t count;
	unsigned shown;
	int errnum;		/* errno of the first failed write, or 0 */
};

/* Open the dead-letter file (appending) when path is not NULL: 0 or
 * TIDE_EIO (errno set). */
int tide_bad_init(struct tide_bad *bad, int strict, const char *deadpath);
/*
 * Report one bad record: source names the input ("-" for stdin), lineno its
 * line (0 when unknown), raw[0..n) its bytes.  Returns 0 to skip it and go
 * on, or TIDE_EX_DATAERR when --strict says stop (the caller exits with it),
 * or TIDE_EX_IOERR when the dead-letter file cannot be written.
 */
int tide_bad_record(struct tide_bad *bad, const char *source, uint64_t lineno,
    const char *raw, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Write out what the dead-letter file holds (if any): 0, or TIDE_EX_IOERR
 * with the cause kept for tide_bad_finish()'s message (a full disk is
 * "No space left on device", however often it is flushed). */
int tide_bad_flush(struct tide_bad *bad);
/* Print the summary line if any record was bad; close the file, and remove
 * it if it was created empty and is still empty.  Returns 0 or
 * TIDE_EX_IOERR if the dead-letter file failed to flush. */
int tide_bad_finish(struct tide_bad *bad);

#endif
