/*
 * Feature diff: two records with the same key compared field by field,
 * the counts of a diff (pairs that match, that differ, records left over
 * on either side, differences per field) and a few examples of each kind,
 * written as tide-diff's report.  Which records pair up is lib/fdpair's
 * business; this module is told "these two pair", "this one has no
 * partner".
 *
 * Keys.  tide_fdiff_key() encodes a record's key fields as their canonical
 * values (lib/key.h: 42, 42.0 and "42" are one key) into bytes that are
 * equal exactly when the keys are, for hashing and equality, and that
 * tide_fdiff_keycmp() orders: field by field, a number before any other
 * value, numbers by value, other values by the bytes of their canonical
 * text (as jq's sort_by orders numbers and strings).  A key field that is
 * null or absent is no key: TIDE_ENOENT with the index of the field.
 *
 * Fields.  The top-level members of the two objects are compared by name
 * as written, except those named in the configuration's ignore list.  A
 * member on one side only is a difference of that field.  Values equal as
 * written are equal; two numbers are equal when they are within the
 * tolerance (absolute |a - b| <= tol, or relative |a - b| <= tol *
 * max(|a|, |b|)); two strings when their unescaped values are; any other
 * pair (objects, arrays, values of different types) only as written.
 * Values are parsed only when their bytes differ, so equal streams cost a
 * memcmp per field.
 *
 * Bad records.  A record a side could not read (not JSON, no key) is
 * counted against its side (tide_fdiff_bad()): it was not compared, so
 * the streams cannot be said equal, whatever the others gave.
 *
 * Places.  A record of a file is at a line; a message of a topic (a side
 * the configuration marks as one) at a partition and an offset, which the
 * report and the messages name both (an offset alone names no message).
 *
 * The report: one summary line
 *   {"left":L,"right":R,"pairs":P,"matched":M,"differing":D,
 *    "missing_left":ML,"missing_right":MR,"bad_left":BL,"bad_right":BR,
 *    "fields":{"f":N,...}}
 * where left and right count the good records, missing_left RIGHT's
 * records that LEFT lacks and missing_right LEFT's that RIGHT lacks,
 * bad_left and bad_right each side's bad records (fields sorted by name),
 * then up to `examples` lines of each kind, in the order they were seen:
 *   {"kind":"differing","fields":["f",...],"left_line":N,"right_line":N,
 *    "left":{...},"right":{...}}
 *   {"kind":"missing_right","left_line":N,"left":{...}}
 *   {"kind":"missing_left","right_line":N,"right":{...}}
 * where a topic's side has "left_partition":P,"left_offset":N (or
 * right_...) in place of its line.
 * Nothing is allocated per pair once the scratch arrays have grown to the
 * widest record; examples are copied, up to their number.
 */
#ifndef TIDE_FDIFF_H
#define TIDE_FDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"
#include "json.h"

struct tide_fdiff_conf {
	const struct tide_path *keys;	/* the key fields */
	int nkey;
	const char *const *ignore;	/* top-level names left out */
	int nignore;
	double tol;			/* 0: numbers must be equal */
	int tol_rel;			/* tol is a fraction of the larger */
	int examples;			/* of each kind */
	int topic[2];			/* LEFT, RIGHT: a topic's messages */
};

/* A record: the validated object p[0..len), its place (a line of a file;
 * a message's offset in partition part, for a topic's side) and its
 * encoded key (tide_fdiff_key()). */
struct tide_fdrec {
	const char *p;
	size_t len;
	uint64_t line;
	int32_t part;
	const char *key;
	size_t klen;
};

/* A top-level member of a record: its name as written (quotes and all). */
struct tide_fdiff_mem {
	struct tide_json_val name, val;
};

enum tide_fdiff_kind {
	TIDE_FDIFF_DIFFERING,
	TIDE_FDIFF_MISSING_RIGHT,	/* LEFT's record without a partner */
	TIDE_FDIFF_MISSING_LEFT,	/* RIGHT's record without a partner */
	TIDE_FDIFF_NKIND,
};

struct tide_fdiff {
	struct tide_fdiff_conf conf;
	uint64_t left, right;		/* records seen, with or without a partner */
	uint64_t matched, differing;
	uint64_t missing_left, missing_right;
	uint64_t bad_left, bad_right;	/* not read: not compared */

	/* Private. */
	struct tide_buf *ign;		/* ignore names as JSON strings */
	struct tide_htab fields;	/* raw name -> uint64_t count */
	struct tide_buf ex[TIDE_FDIFF_NKIND];	/* example lines */
	int nex[TIDE_FDIFF_NKIND];
	struct tide_fdiff_mem *lm, *rm;	/* scratch: members */
	unsigned char *rused;
	int *diffs;			/* indexes into lm (>= 0) or rm (< 0) */
	size_t mcap;
	struct tide_buf s1, s2;		/* scratch: unescaped strings */
};

/* conf is copied; its paths and names must outlive d. */
void tide_fdiff_init(struct tide_fdiff *d, const struct tide_fdiff_conf *conf);
void tide_fdiff_release(struct tide_fdiff *d);

/*
 * Append the key of a record whose key fields were looked up into
 * kv[0..nkey) to out (reset first).  0; TIDE_ENOENT when a key field is
 * null or absent (*which set to its index); TIDE_ETOOBIG from out.
 */
int tide_fdiff_key(const struct tide_fdiff *d, const struct tide_json_val *kv,
    struct tide_buf *out, int *which);
/* Order two encoded keys: < 0, 0, > 0. */
int tide_fdiff_keycmp(const char *a, size_t an, const char *b, size_t bn);
/* Append an encoded key as a JSON array of canonical texts, for messages. */
void tide_fdiff_key_json(struct tide_buf *out, const char *k, size_t kn);

/* Two records (validated objects) with the same key: compare and count.
 * Returns 1 when they differ, 0 when they match. */
int tide_fdiff_pair(struct tide_fdiff *d, const struct tide_fdrec *l,
    const struct tide_fdrec *r);
/* A record of LEFT (TIDE_FDIFF_MISSING_RIGHT) or RIGHT
 * (TIDE_FDIFF_MISSING_LEFT) without a partner. */
void tide_fdiff_alone(struct tide_fdiff *d, enum tide_fdiff_kind kind,
    const struct tide_fdrec *rec);
/* A bad record of side (0 LEFT, 1 RIGHT): counted. */
void tide_fdiff_bad(struct tide_fdiff *d, int side);
/* Whether the two streams were equal: no difference, nothing alone, no
 * bad record on either side. */
int tide_fdiff_equal(const struct tide_fdiff *d);
/* Append where a record of side is, for messages: "line N", or
 * "partition P offset N" on a topic's side. */
void tide_fdiff_where(const struct tide_fdiff *d, int side, uint64_t line,
    int32_t part, struct tide_buf *out);

/* Append the report (summary line and examples, each ending in "\n"). */
void tide_fdiff_report(struct tide_fdiff *d, struct tide_buf *out);

#endif
