/*
 * CSV records: CSV with a header row turned into one JSON object per row,
 * and a field writer for CSV output.  (Named csvrec so that it does not
 * clash with libcsv's <csv.h>, which does the parsing.)
 *
 * Reading is streaming: tide_csv_feed() takes bytes in chunks of any size,
 * tide_csv_finish() ends the input, and each completed row is handed to a
 * callback as a JSON object line built in the parser's own buffer:
 *
 *	{"name":"x","amount":42}
 *
 * Keys are the header's names, in header order.  A value that matches the
 * JSON number grammar exactly ("42", "-1.5", "1e3") becomes that number,
 * written as it was; anything else ("007", "+1", "1.", " 1", "0x10",
 * "NaN") stays a string.  TIDE_CSV_STRINGS keeps every value a string.  An
 * empty field is "", or null under TIDE_CSV_EMPTY_NULL (a quoted "" stays
 * an empty string then, so null and "" remain distinguishable).
 *
 * The input is RFC 4180: fields separated by commas, quoted with double
 * quotes ("" inside quotes is one quote), quoted fields may hold commas
 * and line breaks.  Rows end with LF, CRLF or CR; empty lines are skipped;
 * spaces are data, never trimmed; a UTF-8 byte order mark at the start is
 * dropped.  Line numbers count "\n" (1-based, the header is line 1) and
 * name the line where a row starts.
 *
 * Errors.  A bad row is a data error: the callback sees it with err set
 * (a field count different from the header's, bad quoting such as a quote
 * inside an unquoted field or text after a closing quote, a field that is
 * not UTF-8, a field or record longer than max), and parsing carries on
 * with the next row; after bad quoting or an overlong field it carries on
 * at the next line.  Fatal errors make tide_csv_feed()/tide_csv_finish()
 * return a negative code, with c->errline and c->reason saying where and
 * why, and every later call returns it again: a bad header (an empty or
 * duplicate name, bad quoting, not UTF-8: TIDE_EFORMAT; a name longer
 * than max: TIDE_ETOOBIG), a quoted field still open at the end of input
 * (TIDE_EFORMAT), or the callback's own negative return.
 *
 * Raw bytes.  Each row, good or bad, comes with its own bytes as they
 * stand in the input (row.raw), without the line break that ends it, so a
 * bad row can be kept byte for byte (a dead letter).  They point into the
 * caller's chunk when the row lies in one chunk, and are copied into a
 * reused buffer only when it spans chunks: no allocation per row.  A bad
 * row broken by its quoting runs to the end of the line where it broke
 * (the rest of that line is skipped).  A row longer than max has no raw
 * bytes (NULL, 0), as a record over max has none.
 *
 * Memory stays bounded by about three times max whatever the input.
 */
#ifndef TIDE_CSVREC_H
#define TIDE_CSVREC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

enum tide_csv_flags {
	TIDE_CSV_STRINGS = 1 << 0,	/* every value a string */
	TIDE_CSV_EMPTY_NULL = 1 << 1,	/* an empty unquoted field is null */
};

/* What the callback gets for each row after the header. */
struct tide_csv_row {
	uint64_t line;		/* where the row starts (header: line 1) */
	int err;		/* 0, or why the row is not a record: */
	const char *reason;	/* e.g. "wrong number of fields: expected 4,
				 * got 3"; valid only during the call */
	int nfield;		/* fields in the row */
	const char *rec;	/* err == 0: the JSON object (no newline) */
	size_t len;
	/* err == 0: each field's value as it stands in rec (nfield of
	 * them, in header order), so a reader wanting fields by column need
	 * not look them up in rec again.  Valid only during the call. */
	const struct tide_json_val *val;
	/* Good or bad: the row's bytes in the input, without its final
	 * line break (and without a BOM); NULL when longer than max.  Valid
	 * only during the call. */
	const char *raw;
	size_t rawlen;
};

/*
 * Called for every row, good or bad.  rec points into the parser's buffer
 * and is valid only during the call.  Return 0 to go on, or a negative
 * TIDE_E* code to stop: feed/finish then return that code.
 */
typedef int (*tide_csv_fn)(void *ctx, const struct tide_csv_row *row);

struct csv_parser;

struct tide_csv {
	unsigned flags;
	size_t max;		/* longest field and longest record */
	tide_csv_fn fn;
	void *ctx;
	int nhdr;		/* columns; 0 until the header is read */
	int err;		/* sticky fatal error */
	uint64_t errline;	/* line of the fatal error */
	const char *reason;	/* static text for it */

	/* Private. */
	struct csv_parser *p;
	struct tide_buf rec;	/* the record being built */
	struct tide_buf names;	/* header names, unescaped, back to back */
	struct tide_buf keys;	/* ,"name": of each column, escaped */
	size_t *name_off;	/* nhdr + 1 offsets into names */
	size_t *key_off;	/* nhdr + 1 offsets into keys */
	size_t noff;		/* allocated offsets */
	struct tide_json_val *val;	/* the row's values; p = offset in rec */
	size_t *valoff;		/* until row_emit() points them into rec */
	int nval;		/* allocated values */
	int header;		/* 1 once the header row is complete */
	int nfield;		/* fields so far in the current row */
	int rowerr;
	const char *rowreason;
	char rowwhy[64];		/* a reason with numbers in it */
	uint64_t line;		/* line of the bytes being fed */
	uint64_t off;		/* bytes fed to the parser so far */
	uint64_t rowline;	/* line where the current row started */
	int between;		/* no row in progress */
	int skipline;		/* discarding up to the next "\n" */
	int bom;		/* BOM bytes matched; 3 or -1 when settled */
	/* The current row's raw bytes: from rowstart in the chunk being
	 * fed, or (rowstart NULL) in raw and on from chunk. */
	struct tide_buf raw;
	const char *chunk;	/* the bytes being fed, while feed() runs */
	const char *rowstart;	/* where the row started in them, or NULL */
	const char *segend;	/* end of the slice being parsed */
	int rawlost;		/* the row is longer than max */
	int pending;		/* a broken row waits for the end of its line */
};

/* Set up a reader.  max is the longest field and the longest record (0
 * for TIDE_MAX_RECORD); fn(ctx, row) gets every row. */
void tide_csv_init(struct tide_csv *c, unsigned flags, size_t max,
    tide_csv_fn fn, void *ctx);
void tide_csv_release(struct tide_csv *c);
/* Feed n bytes; rows completed by them are passed to the callback before
 * this returns.  0 or a fatal error. */
int tide_csv_feed(struct tide_csv *c, const void *p, size_t n);
/* End of input: the last row (with or without a final newline) is passed
 * on.  0 or a fatal error.  Empty input is 0 rows and nhdr 0. */
int tide_csv_finish(struct tide_csv *c);
/* The name of column i (0 <= i < nhdr), unescaped, not NUL-terminated. */
const char *tide_csv_name(const struct tide_csv *c, int i, size_t *len);

/*
 * Append s[0..n) to b as one CSV field, quoted per RFC 4180 only when it
 * must be: when it holds a comma, a quote, CR or LF, or starts or ends
 * with a space or tab (which many readers trim).  An empty field is
 * written as nothing: a row of one empty field would be an empty line,
 * which readers skip, so write "\"\"" for that yourself.  0 or
 * TIDE_ETOOBIG from the buffer.
 */
int tide_csv_write_field(struct tide_buf *b, const char *s, size_t n);

#endif
