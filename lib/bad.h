/*
 * The bad-input policy shared by every program.  A record that is not a
 * JSON object, lacks a required field or holds a wrong type is reported on
 * stderr with its source, line number and reason -- the first few in full,
 * then only counted, with a summary at exit -- skipped, counted, and, with
 * --dead-letter FILE, kept there with the reason.  Under --strict the first
 * one ends the program with exit 65 (the functions return lib/err.h's codes;
 * the program maps them through tide_exit_of()).
 *
 * A run that ends with bad records is judged by tide_bad_verdict(): one
 * that read records and found none good fails (65), and --max-bad N|P%
 * sets the threshold instead: more than N bad records, or more than P% of
 * the records read.  A status that says more (75: records not delivered,
 * 74, 69) wins over it: the program asks only when it would exit 0.
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
	/* Set after tide_bad_init(), or NULL: each dead-letter line (its
	 * bytes, without the newline) is also handed to hook, which
	 * returns 0 or a TIDE_E* code that tide_bad_record() passes on;
	 * a program's other place for dead letters (tide-check's
	 * --dead-letter-topic, lib/kafka/kdead.h). */
	int (*hook)(void *ctx, const char *line, size_t n);
	void *hookctx;
};

/* --max-bad N|P%: how many bad records a run may have and still exit 0. */
struct tide_bad_max {
	int given;
	uint64_t n;		/* at most n bad records (pct < 0) */
	double pct;		/* at most pct% of the records read, or < 0 */
};

/* Parse N or P% (0 <= P <= 100) into *m: 0 or TIDE_EINVAL. */
int tide_bad_max_parse(struct tide_bad_max *m, const char *arg);

/* Open the dead-letter file (appending) when path is not NULL: 0 or
 * TIDE_EIO (errno set). */
int tide_bad_init(struct tide_bad *bad, int strict, const char *deadpath);
/*
 * Report one bad record: source names the input ("-" for stdin), lineno its
 * line (0 when unknown), raw[0..n) its bytes.  Returns 0 to skip it and go
 * on, or TIDE_EINVAL when --strict says stop, or TIDE_EIO when the
 * dead-letter file cannot be written: lib/err.h's codes, as everywhere in
 * lib/; the caller exits with tide_exit_of() of it (65, 74).
 */
int tide_bad_record(struct tide_bad *bad, const char *source, uint64_t lineno,
    const char *raw, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same, with more members for the dead-letter line: extra[0..n) is
 * JSON object members ("violations":[...]) put after the others. */
int tide_bad_record_with(struct tide_bad *bad, const char *source,
    uint64_t lineno, const char *raw, size_t n, const char *extra,
    size_t extralen, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/*
 * The same for a Kafka message (a key or value that does not decode):
 * reported as "'topic' [partition] offset N: reason", its dead-letter
 * line {"topic":..,"partition":..,"offset":..,"error":..,"raw":..} (or
 * "raw_b64"), raw[0..n) the message's value as it came.
 */
int tide_bad_message(struct tide_bad *bad, const char *topic, int32_t partition,
    int64_t offset, const char *raw, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* Write out what the dead-letter file holds (if any): 0, or TIDE_EIO
 * with the cause kept for tide_bad_finish()'s message (a full disk is
 * "No space left on device", however often it is flushed). */
int tide_bad_flush(struct tide_bad *bad);
/* Print the summary line if any record was bad; close the file, and remove
 * it if it was created empty and is still empty.  Returns 0 or
 * TIDE_EIO if the dead-letter file failed to flush. */
int tide_bad_finish(struct tide_bad *bad);
/*
 * The verdict on a run that ended with bad->count bad records out of nread
 * read (bad ones included; a bad record that is not a record, a broken
 * barrier, counts as read too): without --max-bad (m NULL or not given)
 * it failed when every record read was bad; with it, when there were more
 * than m->n bad records, or more than m->pct% of those read.  Says why on
 * stderr and returns TIDE_EINVAL (tide_exit_of: 65), or 0.
 */
int tide_bad_verdict(const struct tide_bad *bad, const struct tide_bad_max *m,
    uint64_t nread);

#endif
