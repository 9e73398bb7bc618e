/*
 * The join plan: what a table's columns mean for tide-join's output, and
 * the writing of one joined record.  A struct tide_joinspec is the join
 * as the options name it (kind, keys, --prefix, --default, --miss-field,
 * --as-of ...); tide_joinplan_build() turns it and a table's column names
 * into a struct tide_joinplan: the columns' "name": texts, the fragment
 * written on a miss, and the record paths looked up per record (the keys,
 * the --as-of time, then the output names, to find collisions).  An
 * NDJSON, Kafka or view table may learn or change its columns: build a new
 * plan then, and release the old one.
 *
 * Filters (lib/expr.h, the spec's where and having, borrowed; NULL:
 * none): the
 * plan looks the --where expression's paths up with its own, after them
 * (paths[nplan..npath)), for tide_joinplan_where() to decide on the
 * stream record before its lookup; tide_joinplan_emit() writes a joined
 * record only when --having, on the record as joined, keeps it.
 *
 * Per record: tide_joinplan_check() says whether the record's key and
 * time make it joinable; the caller looks it up in its own table (file,
 * Kafka or view: the plan does not know which); tide_joinplan_emit()
 * writes the record with the row's fields (or the miss fragment), zero
 * copy: the record's own bytes are kept and the output is built in the
 * writer's free space when it fits.  Nothing is allocated per record.
 *
 * The record-building helpers below (tide_join_obj_of,
 * tide_join_copy_members, struct tide_namelist) are shared with the
 * interval join (lib/ijsrc.h).
 *
 * Ownership: the spec's strings are the caller's and must outlive every
 * plan built from it; the plan owns its buffers and paths.  lib never
 * prints: a failed build returns a code with the reason in the caller's
 * struct tide_joinplan_err, a bad record returns TIDE_EINVAL with the
 * reason in the caller's why[].
 */
#ifndef TIDE_JOINPLAN_H
#define TIDE_JOINPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "expr.h"
#include "json.h"
#include "rio.h"
#include "table.h"
#include "time.h"

enum tide_join_kind { TIDE_JOIN_INNER, TIDE_JOIN_LEFT, TIDE_JOIN_ANTI };

struct tide_joinspec {
	enum tide_join_kind kind;
	int nkeys;
	char *skey[TIDE_TABLE_MAXKEYS];		/* the stream's key fields */
	char *tkey[TIDE_TABLE_MAXKEYS];		/* the table's */
	const char *prefix;			/* of the added names, or NULL */
	int overwrite;
	int ndef;				/* --default name=JSON text */
	char *defname[TIDE_TABLE_MAXCOLS];
	char *defval[TIDE_TABLE_MAXCOLS];
	const char *missfield;			/* or NULL */
	const char *asof;			/* the stream's time, or NULL */
	enum tide_time_unit unit;
	struct tide_where *where;		/* on the stream record */
	struct tide_where *having;		/* on the joined record */
};

struct tide_joinplan {
	const struct tide_joinspec *js;
	int ncol;
	struct tide_buf names;		/* "name": per column, back to back */
	size_t *noff, *nlen;
	struct tide_buf missfrag;	/* "a":null,"b":"dflt" */
	struct tide_buf reasonkey;	/* "miss": */
	struct tide_path *paths;	/* keys, time, output names, then
					 * --where's (borrowed) */
	int npath, nout;
	int nplan;			/* the plan's own: paths[0..nplan) */
	struct tide_json_val *vals;	/* npath, the caller's to fill */
};

/* Counters: in is the caller's (records read, bad ones too); the emit
 * step keeps the others. */
struct tide_joinstats {
	uint64_t in, out, matched, missed;
};

struct tide_joinplan_err {
	char msg[256];
	const char *name;	/* TIDE_ENOENT: the --default with no column */
};

/*
 * Build the plan for a table of ncol columns (-1: not known yet) named
 * names[].  Returns 0; TIDE_EINVAL when a key or --as-of field is not a
 * path (err->msg: "--on: bad field name 'x'"); TIDE_ENOENT when a
 * --default names no column (err->name).  pl is released with
 * tide_joinplan_release() whatever the result.
 */
int tide_joinplan_build(struct tide_joinplan *pl,
    const struct tide_joinspec *js, int ncol, char *const *names,
    struct tide_joinplan_err *err);
void tide_joinplan_release(struct tide_joinplan *pl);

/*
 * Whether a record whose plan paths were looked up into v, and whose key
 * tide_table_key() gave kr for, can be joined: 0 with *nokey (a --left
 * record without a key: a miss) and *ts (its --as-of time, else 0), or
 * TIDE_EINVAL with the reason in why.
 */
int tide_joinplan_check(const struct tide_joinplan *pl, int kr,
    const struct tide_json_val *v, int64_t *ts, int *nokey, char *why,
    size_t whylen);

/* The spec's filters, for the table join's plan and the interval
 * join's (lib/ijsrc.h).  Whether --where keeps the record whose paths
 * are looked up in v (the caller's whole array, --where's at
 * js->where->at): 1, 0 (counted), or TIDE_EINVAL with why when a regex
 * reached its match limit (a bad record).  Whether --having keeps the
 * joined record p[0..n): the same. */
int tide_joinplan_where(const struct tide_joinspec *js,
    const struct tide_json_val *v, char *why, size_t whylen);
int tide_joinplan_having(const struct tide_joinspec *js, const char *p,
    size_t n, char *why, size_t whylen);

/*
 * Write the record line[0..len) (paths looked up in v) as the lookup m
 * (row on a hit; nokey from tide_joinplan_check()) makes it: with the
 * row's fields, the miss fragment, unchanged (--anti), or not at all;
 * not at all either when --having drops the record so made (counted).
 * ob is the caller's buffer for a record that does not fit the writer's
 * free space; its max bounds a joined record.  Returns 0, TIDE_EINVAL (a
 * bad record: a field collision without --overwrite, or too long; why
 * says which) or TIDE_EIO (the writer failed).
 */
int tide_joinplan_emit(const struct tide_joinplan *pl, struct tide_wout *out,
    struct tide_buf *ob, const char *line, size_t len,
    const struct tide_json_val *v, enum tide_table_miss m,
    const struct tide_table_row *row, int nokey, struct tide_joinstats *st,
    char *why, size_t whylen);

/* Why key fields names[0..n), of values v (r from tide_table_key()), gave
 * no key: "key field 'k' is null" (the first absent or null one; the last
 * when none is: then its value is not valid JSON). */
void tide_join_key_why(char *why, size_t whylen, char *const *names, int n,
    int r, const struct tide_json_val *v);

/* obj = the JSON object in line[0..len), from its brace to its brace. */
void tide_join_obj_of(struct tide_json_val *obj, const char *line,
    size_t len);

/* Whether a member called name is to be dropped. */
typedef int (*tide_join_drop_fn)(const void *ctx,
    const struct tide_json_val *name);

/* Open o in ob with the members of the record line[0..len) but those
 * drop() names, as they are written: the record whose fields the table's
 * (or the other stream's) replace under --overwrite. */
void tide_join_copy_members(struct tide_jobj *o, struct tide_buf *ob,
    const char *line, size_t len, tide_join_drop_fn drop, const void *ctx);

/* A tide_join_drop_fn over names, each ended by a NUL, in p[0..len). */
struct tide_namelist {
	const char *p;
	size_t len;
};
int tide_namelist_drop(const void *ctx, const struct tide_json_val *name);

#endif
