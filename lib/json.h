/*
 * JSON: a validating scanner, path lookup, typed getters and a writer.
 *
 * The scanner works in place on a record's bytes and never allocates.
 * tide_json_check() validates a whole document against RFC 8259 (UTF-8
 * included, nesting bounded by a depth limit).  Lookups assume a document
 * that tide_json_check() accepted: they skip values without re-validating,
 * which is what keeps the hot path cheap.  A struct tide_json_val points into
 * the record: it is valid as long as the record's bytes are.
 *
 * Paths name fields with dots: `amount`, `card.bin`; a segment holding a dot
 * or a quote is written in double quotes: `"a.b".c`.  Compile a path once
 * (tide_path_parse) and reuse it for every record.
 *
 * The writer appends to a struct tide_buf: escaped strings, integers,
 * doubles in their shortest round-trip form, and objects, including
 * appending fields to an existing object while keeping its original bytes.
 */
#ifndef TIDE_JSON_H
#define TIDE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TIDE_JSON_MAXDEPTH 128	/* default nesting limit */

enum tide_json_type {
	TIDE_JSON_NONE = 0,	/* not found */
	TIDE_JSON_NULL,
	TIDE_JSON_FALSE,
	TIDE_JSON_TRUE,
	TIDE_JSON_NUMBER,
	TIDE_JSON_STRING,
	TIDE_JSON_ARRAY,
	TIDE_JSON_OBJECT,
};

/* Where and why a document was rejected. */
struct tide_json_err {
	size_t offset;		/* byte offset of the problem */
	const char *reason;	/* static text, e.g. "unterminated string" */
};

/* A value inside a document.  p/len cover its raw bytes: a string with its
 * quotes, a number as written, a whole object or array. */
struct tide_json_val {
	enum tide_json_type type;
	const char *p;
	size_t len;
};

#define TIDE_PATH_MAXSEG 16

struct tide_path {
	int nseg;
	struct {
		const char *name;	/* owned, NUL-terminated, unescaped */
		size_t len;
	} seg[TIDE_PATH_MAXSEG];
	char *text;			/* the path as given, for messages */
};

/*
 * Validate p[0..n) as one JSON document (any value at the top level,
 * surrounding whitespace allowed).  Returns 0 or TIDE_EJSON / TIDE_EUTF8 /
 * TIDE_EDEPTH with err (may be NULL) filled in.  If type is not NULL it
 * receives the top-level type.
 */
int tide_json_check(const char *p, size_t n, int maxdepth,
    enum tide_json_type *type, struct tide_json_err *err);

/* Parse a path spec.  Returns 0 or TIDE_EINVAL (empty segment, bad quoting,
 * too many segments).  Release with tide_path_release(). */
int tide_path_parse(struct tide_path *path, const char *spec);
void tide_path_release(struct tide_path *path);

/* A one-segment path naming the member name[0..n) as it is, dots and all
 * (no parsing: a column or field name, not a spec).  It owns a copy of the
 * name; release with tide_path_release().  tide_path_name() is the same
 * for a C string. */
void tide_path_raw(struct tide_path *path, const char *name, size_t n);
void tide_path_name(struct tide_path *path, const char *name);

/*
 * Find path in the validated object doc[0..n).  Returns 1 and fills v when
 * found, 0 when absent (a missing field, or an intermediate value that is
 * not an object).  With duplicate names the last one wins, as in most
 * parsers.
 */
int tide_json_get(const char *doc, size_t n, const struct tide_path *path,
    struct tide_json_val *v);

/*
 * Look up npath paths in one pass over the validated object doc[0..n);
 * out[i] gets the value of paths[i] or type TIDE_JSON_NONE.  Returns the
 * number found.  Cheaper than npath calls of tide_json_get() when several
 * fields of the same record are needed.
 */
int tide_json_get_many(const char *doc, size_t n, const struct tide_path *paths,
    int npath, struct tide_json_val *out);

/*
 * tide_json_check() and tide_json_get_many() in one pass over the record:
 * returns what tide_json_check() would when the document is bad (out[] is
 * then undefined), else the number of paths found.  The hot path of every
 * program that reads records.
 */
int tide_json_check_many(const char *p, size_t n, int maxdepth,
    enum tide_json_type *type, struct tide_json_err *err,
    const struct tide_path *paths, int npath, struct tide_json_val *out);

/* Iterate the members of an object value: *pos starts at 0.  Returns 1 with
 * name (raw, with quotes) and value, or 0 at the end. */
int tide_json_obj_next(const struct tide_json_val *obj, size_t *pos,
    struct tide_json_val *name, struct tide_json_val *value);
/* Iterate the elements of an array value the same way. */
int tide_json_arr_next(const struct tide_json_val *arr, size_t *pos,
    struct tide_json_val *elem);

/*
 * Typed getters.  Each returns 0, or TIDE_ETYPE when v is of another type,
 * TIDE_ERANGE when the number does not fit (int64: a fraction or exponent
 * that does not give an integer is TIDE_ETYPE).
 */
int tide_json_int64(const struct tide_json_val *v, int64_t *out);
int tide_json_double(const struct tide_json_val *v, double *out);
int tide_json_bool(const struct tide_json_val *v, int *out);
/* Append the unescaped string value to out (not NUL-terminated). */
int tide_json_str(const struct tide_json_val *v, struct tide_buf *out);
/* Compare a string value with s[0..n) without unescaping into a buffer;
 * returns 1 when equal. */
int tide_json_str_eq(const struct tide_json_val *v, const char *s, size_t n);

/* Whether p[0..n) is valid UTF-8 (no overlongs, surrogates or code points
 * past U+10FFFF). */
int tide_utf8_valid(const char *p, size_t n);

/* Writer.  Each returns 0 or TIDE_ETOOBIG from the buffer. */
int tide_json_write_str(struct tide_buf *b, const char *s, size_t n);
int tide_json_write_int(struct tide_buf *b, int64_t v);
/* Shortest form that reads back to the same double; integral values within
 * 2^53 are written without a fraction.  NaN and infinities become null. */
int tide_json_write_double(struct tide_buf *b, double d);
/* Format a double as tide_json_write_double does into out (>= 32 bytes);
 * returns its length. */
size_t tide_json_fmt_double(char *out, double d);

/*
 * Object writer.  tide_jobj_begin() writes "{"; tide_jobj_append() writes a
 * validated object rec[0..n) without its closing brace, so fields added next
 * land after the original bytes, which are kept as they were.
 * tide_jobj_key() writes the separator and "name": — follow it with exactly
 * one value.  tide_jobj_end() writes "}".
 */
struct tide_jobj {
	struct tide_buf *b;
	int empty;
};

int tide_jobj_begin(struct tide_jobj *o, struct tide_buf *b);
int tide_jobj_append(struct tide_jobj *o, struct tide_buf *b,
    const char *rec, size_t n);
int tide_jobj_key(struct tide_jobj *o, const char *name, size_t n);
int tide_jobj_end(struct tide_jobj *o);

#endif
