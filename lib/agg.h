/*
 * Aggregates: the -a list of tide-window and the state each aggregate keeps.
 *
 * tide_aggspec_parse() compiles a list such as
 *   count,sum(amount),avg(amount) as a,p99(latency),top(3,merchant)
 * into a struct tide_aggspec: the aggregates, the distinct field paths they
 * read (each looked up once per record) and the layout of one state block.
 * A state block is spec->size bytes that the caller owns (window state lives
 * in large arrays, so blocks may move with memcpy): tide_agg_init() sets it
 * up, tide_agg_update() adds one record, tide_agg_merge() adds another
 * block (panes, sessions), tide_agg_emit() writes the results as JSON
 * members, and tide_agg_clear() frees what a block points to (sketches,
 * sets, copied values).  Merging blocks gives the same results as updating
 * one block with all their records, except where a sketch says otherwise.
 *
 * Absent and null values are ignored by every aggregate except count (which
 * counts records; count(f) counts records where f is present and not null).
 * A field read by a numeric aggregate (sum, avg, min, max, var, stddev, pN)
 * must hold a number: anything else makes the record bad input
 * (tide_agg_values() says which field).  first and last pick by event time;
 * between equal times the earlier-seen record is first and the later-seen
 * is last.
 */
#ifndef TIDE_AGG_H
#define TIDE_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

enum tide_agg_op {
	TIDE_AGG_COUNT,
	TIDE_AGG_SUM,
	TIDE_AGG_AVG,
	TIDE_AGG_MIN,
	TIDE_AGG_MAX,
	TIDE_AGG_FIRST,
	TIDE_AGG_LAST,
	TIDE_AGG_VAR,		/* population */
	TIDE_AGG_VAR_SAMP,
	TIDE_AGG_STDDEV,	/* population */
	TIDE_AGG_STDDEV_SAMP,
	TIDE_AGG_DISTINCT,	/* exact count of distinct values */
	TIDE_AGG_APPROX_DISTINCT,	/* HyperLogLog */
	TIDE_AGG_QUANTILE,	/* pN: DDSketch */
	TIDE_AGG_TOP,		/* top(k, f): Space-Saving */
};

struct tide_agg {
	enum tide_agg_op op;
	int field;		/* index into spec->paths; -1 for count */
	char *name;		/* output member name (owned) */
	char *qname;		/* "name": as JSON (owned) */
	size_t qlen;
	double q;		/* quantile in [0, 1] */
	uint64_t qnum, qden;	/* q exactly, for PERCENTILE_DISC's rank */
	int k;			/* top k */
	size_t off;		/* offset of its state in a block */
};

#define TIDE_AGG_LIMIT 64	/* aggregates in one list */

struct tide_aggspec {
	struct tide_agg *aggs;
	int naggs;
	struct tide_path *paths;	/* distinct fields read, in order */
	int nfields;
	unsigned char *numeric;	/* per field: read by a numeric aggregate */
	size_t size;		/* bytes of one state block */
	int hll_p;		/* HyperLogLog precision (default 14) */
	int plain;		/* blocks own no memory: tide_agg_init() is
				 * zeroing, tide_agg_clear() nothing */
	int precision;		/* digits after the point of double results;
				 * -1 (the default): shortest round trip */
	struct tide_aggwarn *warn;	/* results written inexactly (owned;
					 * tide_agg_emit() counts, the caller
					 * reads and reports) */
};

struct tide_aggwarn {
	uint64_t wide;		/* integer sums that left int64: doubles */
	uint64_t overflow;	/* results past a double's range: null */
};

/* Where and why a list was rejected. */
struct tide_aggerr {
	size_t offset;		/* byte offset into the text */
	char reason[96];
};

/* Compile text; 0 or TIDE_EINVAL with err filled in.  hll_p is the
 * HyperLogLog precision for approx_distinct. */
int tide_aggspec_parse(struct tide_aggspec *s, const char *text, int hll_p,
    struct tide_aggerr *err);
void tide_aggspec_release(struct tide_aggspec *s);

/* One record's value of one field, as the aggregates see it. */
struct tide_aggval {
	enum tide_json_type type;	/* NONE: absent (or null): ignored */
	double num;			/* when type is NUMBER */
	int64_t i;			/* the same, exactly, when isint */
	int isint;			/* an integer that fits int64 */
	const char *raw;		/* the value's JSON bytes */
	size_t len;
};

/*
 * Turn the looked-up values jv[spec->nfields] of a record into vals.
 * Returns 0, or TIDE_ETYPE with *badfield set when a numeric aggregate's
 * field holds something other than a number (or a number that does not
 * fit a double).
 */
int tide_agg_values(const struct tide_aggspec *s, const struct tide_json_val *jv,
    struct tide_aggval *vals, int *badfield);

void tide_agg_init(const struct tide_aggspec *s, void *st);
/* Add one record with event time t. */
void tide_agg_update(const struct tide_aggspec *s, void *st, int64_t t,
    const struct tide_aggval *vals);
/* Add block src into dst; src is left as it was. */
void tide_agg_merge(const struct tide_aggspec *s, void *dst, const void *src);
/* Write each aggregate as a member of o.  0 or TIDE_ETOOBIG. */
int tide_agg_emit(const struct tide_aggspec *s, const void *st,
    struct tide_jobj *o);
/* Free what the block points to; it must be initialised again before use. */
void tide_agg_clear(const struct tide_aggspec *s, void *st);
/* An empty block again, as tide_agg_clear() and tide_agg_init() make one,
 * keeping what memory it can for the records to come (first and last's
 * value, a distinct set). */
void tide_agg_reset(const struct tide_aggspec *s, void *st);

/*
 * State files (tide-window --state).  tide_aggspec_describe() appends a
 * text that differs whenever blocks would mean something else (the
 * aggregates, their fields, names and parameters).  tide_agg_save()
 * appends a block as bytes; tide_agg_load() reads one back into st (set
 * up by tide_agg_init()), advancing *p: 0, or TIDE_EFORMAT on truncated
 * or inconsistent bytes (st must then be cleared, not used).
 */
void tide_aggspec_describe(const struct tide_aggspec *s, struct tide_buf *b);
/* The bytes tide_json_fmt_double() writes for d (into out, 32 bytes),
 * found with integer arithmetic where it can: how results are written. */
size_t tide_agg_fmt_num(char *out, double d);
/* d rounded to prec digits after the point (at most 15), without trailing
 * zeros, into out (48 bytes); prec < 0, or |d| >= 1e15: as
 * tide_agg_fmt_num(). */
size_t tide_agg_fmt_prec(char *out, double d, int prec);
void tide_agg_save(const struct tide_aggspec *s, const void *st,
    struct tide_buf *b);
int tide_agg_load(const struct tide_aggspec *s, void *st, const char **p,
    const char *end);

#endif
