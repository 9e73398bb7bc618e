/*
 * struct tide_table: an in-memory lookup table for stream-table joins,
 * keyed by one or more fields, built from JSON object rows (NDJSON lines,
 * or CSV rows turned into objects) and read-only once finished.
 *
 * Storage is compact because tables are large (a 1M-row customer table must
 * fit in twice its CSV size).  All rows live in one arena: per key, the key
 * bytes, the number of versions, their times (timed tables only) and one
 * value block per version.  A value block holds the selected columns' JSON
 * text, each behind a varint length (0 = null), so column names are stored
 * once, not per row.  The index is open addressing over 32-bit arena
 * offsets: 4 bytes per slot, no per-row allocation.  The arena is therefore
 * capped at 4 GiB (TIDE_ETOOBIG past it).
 *
 * Keys are compared by their canonical text (tide_table_key, by the rule
 * of lib/key.h that every program keys by): so the CSV value "42", the
 * JSON numbers 42 and 42.0 and the string "42" are one key.  null or an
 * absent field is no key at all.  Several key fields are joined with
 * length prefixes, so ("a,b","c") and ("a","b,c") stay apart.
 *
 * A plain table keeps one row per key (a later row with the same key
 * replaces an earlier one).  A timed table (spec.timefield set) keeps every
 * version of a key sorted by its time, for point-in-time lookups; two rows
 * of a key with the same time: the later one wins.
 *
 * Threads: a finished file table is immutable, so any number of threads
 * may read it.  A reload builds a second table and the owner swaps pointers
 * between records, so no lookup ever sees half a table.
 *
 * Live tables (spec.live: a Kafka changelog) keep changing after
 * tide_table_finish(): tide_table_upsert() replaces a key's row (or adds a
 * version), tide_table_delete() drops it (or, timed, adds a deletion
 * version: lookups landing on it miss, earlier versions stay for
 * point-in-time reads).  An update may move the arena, so the caller must
 * keep lookups (and their row pointers) out while it runs -- tide-join
 * holds a reader-writer lock.  Replaced entries are garbage in the arena
 * until it is compacted, which happens once they are most of it.
 */
#ifndef TIDE_TABLE_H
#define TIDE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "time.h"

#define TIDE_TABLE_MAXKEYS 8
#define TIDE_TABLE_MAXCOLS 256

/* How to build a table.  Strings are borrowed: they must outlive it. */
struct tide_table_spec {
	int nkeys;
	const char *keys[TIDE_TABLE_MAXKEYS];	/* table key fields (paths) */
	int ncols;		/* 0: every top-level field of the first row
				 * (a CSV header) except the key fields */
	const char *cols[TIDE_TABLE_MAXCOLS];	/* selected fields (paths) */
	const char *timefield;	/* NULL for a plain table */
	enum tide_time_unit unit;	/* of numeric table times */
	int versioned;		/* keep versions even without timefield: times
				 * come from tide_table_upsert()'s ts */
	int live;		/* updated after finish; columns (without
				 * cols) come from the first upserted row */
};

/* Why a row was rejected, for the caller to report with its line. */
struct tide_table_rowerr {
	char msg[256];
};

enum tide_table_miss {
	TIDE_TABLE_HIT = 0,
	TIDE_TABLE_NO_MATCH,		/* key not in the table */
	TIDE_TABLE_BEFORE_FIRST,	/* backward: every version is later */
	TIDE_TABLE_AFTER_LAST,		/* forward: every version is earlier */
	TIDE_TABLE_BEYOND_TOLERANCE,	/* nearest version too far away */
};

enum tide_table_dir {
	TIDE_TABLE_BACKWARD = 0,	/* latest version at or before t */
	TIDE_TABLE_FORWARD,		/* earliest version at or after t */
	TIDE_TABLE_NEAREST,		/* closest; a tie goes backward */
};

struct tide_table {
	struct tide_table_spec spec;
	struct tide_path *path;		/* keys, then columns, then time */
	int npath;
	int ncol;			/* -1 until known (first row) */
	char **colname;			/* ncol names as given, owned */
	int timed;

	char *arena;			/* entries; see the top comment */
	size_t alen, acap;
	uint32_t *slot;			/* arena offset + 1; 0 is empty */
	size_t cap, nkey;

	/* Timed tables stage rows here until tide_table_finish() writes each
	 * key's versions together: rows are appended as they come (time,
	 * key, block), and stageoff holds each row's key hash << 32 | its
	 * offset, sorted by hash at finish so that a key's rows meet and its
	 * entries go to the arena (and the index) in slot order. */
	struct tide_buf stage;
	uint64_t *stageoff;
	size_t nstage, stagecap;
	size_t stageresv, offresv;	/* bytes mapped for them, or 0 */

	struct tide_buf kbuf, vbuf, tbuf;	/* scratch, reused per row */
	struct tide_json_val *vals;
	uint64_t rows, dups, versions;
	size_t waste;			/* arena bytes of replaced entries */
	int finished;
};

/*
 * Start a table.  Returns 0 or TIDE_EINVAL (a bad path in spec, too many
 * keys or columns) with err naming it.  Release with tide_table_release()
 * either way.
 */
int tide_table_init(struct tide_table *t, const struct tide_table_spec *spec,
    struct tide_table_rowerr *err);
void tide_table_release(struct tide_table *t);

/*
 * Add one row, the validated JSON object rec[0..n).  Returns 0, or
 * TIDE_ENOENT (a key field absent or null), TIDE_ETYPE (a key that is an
 * object or array, a table time that is not a time), TIDE_ETOOBIG (arena
 * full) with err saying why; a rejected row leaves the table as it was.
 */
int tide_table_add(struct tide_table *t, const char *rec, size_t n,
    struct tide_table_rowerr *err);

/* Sort versions and shrink the storage: call once after the last add,
 * before any lookup.  0 or TIDE_ETOOBIG. */
int tide_table_finish(struct tide_table *t);

/*
 * Live updates of a finished table (see the top comment).  upsert: the
 * row is the validated JSON object rec[0..n); its key is key[0..klen)
 * (already normalised, e.g. a Kafka message key) or, with key NULL, taken
 * from the row's key fields; ts is the version time unless the table has
 * a time field.  Errors as tide_table_add().  delete: drop key (plain) or
 * add a deletion version at ts (timed); 0 or TIDE_ETOOBIG.
 */
int tide_table_upsert(struct tide_table *t, const char *key, size_t klen,
    const char *rec, size_t n, int64_t ts, struct tide_table_rowerr *err);
int tide_table_delete(struct tide_table *t, const char *key, size_t klen,
    int64_t ts);

/*
 * Canonical key of values v[0..n) (n key fields of one record) into out
 * (reset first): one value's tide_key_text() (lib/key.h), several behind
 * varint lengths.  Returns 0, TIDE_ENOENT when a value is absent or null, TIDE_ETYPE for a
 * value of no JSON type.
 */
int tide_table_key(struct tide_buf *out, const struct tide_json_val *v, int n);

/* The value block of a matching version, for tide_table_col_next(). */
struct tide_table_row {
	const unsigned char *p, *end;
	int64_t time;			/* its table time (timed tables) */
};

/*
 * Look key[0..klen) up.  Plain tables: HIT or NO_MATCH.  Timed tables: the
 * version chosen by dir for event time ts, within tol ms (tol < 0: no
 * limit).  On a HIT *row is set.
 */
enum tide_table_miss tide_table_get(const struct tide_table *t,
    const char *key, size_t klen, int64_t ts, enum tide_table_dir dir,
    int64_t tol, struct tide_table_row *row);

/*
 * The same lookup with the key's hash h from tide_table_hash(), for callers
 * that hash a key ahead of its lookup to prefetch (below).
 */
uint64_t tide_table_hash(const char *key, size_t klen);
enum tide_table_miss tide_table_get_h(const struct tide_table *t,
    const char *key, size_t klen, uint64_t h, int64_t ts,
    enum tide_table_dir dir, int64_t tol, struct tide_table_row *row);

/* The home slot of a key of hash h: by its high bits, so that keys in
 * hash order are in slot order (a finishing table writes them so). */
static inline size_t
tide_table_home(const struct tide_table *t, uint64_t h)
{
	return (size_t)(((h >> 32) * (uint64_t)t->cap) >> 32);
}

/*
 * Prefetching for a lookup of the key of hash h, which a big table would
 * otherwise wait for in memory twice (its index slot, then its entry):
 * tide_table_prefetch_slot() first, tide_table_prefetch_entry() once that
 * slot has had time to arrive (it reads it), then tide_table_get_h().  Both
 * are hints: any table, any order, nothing changes.  Not under live
 * updates (the arena may move).  Always inlined: GCC takes a function
 * that only prefetches for one without effects and drops its calls.
 */
static inline __attribute__((always_inline)) void
tide_table_prefetch_slot(const struct tide_table *t, uint64_t h)
{
	if (t->cap)
		__builtin_prefetch(&t->slot[tide_table_home(t, h)]);
}

static inline __attribute__((always_inline)) void
tide_table_prefetch_entry(const struct tide_table *t, uint64_t h)
{
	const char *e;
	uint32_t s;

	if (t->cap == 0 || (s = t->slot[tide_table_home(t, h)]) == 0)
		return;
	/* The key, then (timed) the times and the latest version's block:
	 * a few lines, not the whole entry. */
	e = t->arena + s - 1;
	__builtin_prefetch(e);
	__builtin_prefetch(e + 64);
	if (t->timed)
		__builtin_prefetch(e + 128);
}

/*
 * Build in b (reset first) the value block of columns v[0..n) -- each
 * one's JSON text; absent or null is null -- as tide_table_get() gives
 * one and tide_table_col_next() reads it: for a caller whose rows come
 * from elsewhere (a view's record) and are written like a table's.
 * Returns 0 or TIDE_ETOOBIG (b's cap).
 */
int tide_table_row_build(struct tide_buf *b, const struct tide_json_val *v,
    int n);

/* Next column's JSON text in a row: 1 with *p and *len (len 0: null), 0 at the
 * end.  Columns come in the order of tide_table_colname(). */
static inline int
tide_table_col_next(struct tide_table_row *row, const char **p, size_t *len)
{
	size_t v = 0;
	int shift = 0;

	if (row->p >= row->end)
		return 0;
	while (*row->p & 0x80) {
		v |= (size_t)(*row->p++ & 0x7f) << shift;
		shift += 7;
	}
	v |= (size_t)*row->p++ << shift;
	*p = (const char *)row->p;
	*len = v;
	row->p += v;
	return 1;
}

static inline int tide_table_ncols(const struct tide_table *t) { return t->ncol < 0 ? 0 : t->ncol; }
static inline const char *tide_table_colname(const struct tide_table *t, int i) { return t->colname[i]; }
static inline size_t tide_table_nkeys(const struct tide_table *t) { return t->nkey; }
/* Bytes held by the table (arena and index), for --stats and tests. */
size_t tide_table_bytes(const struct tide_table *t);

enum tide_table_fmt {
	TIDE_TABLE_AUTO = 0,	/* by name: .csv[.zst] is CSV, else NDJSON */
	TIDE_TABLE_NDJSON,
	TIDE_TABLE_CSV,
};

/* Told about each rejected row of a file (lineno counts the file's lines,
 * a CSV header included); returns 0 to skip it and go on, non-zero to stop
 * the load. */
typedef int (*tide_table_bad_fn)(void *ctx, uint64_t lineno, const char *msg);

/*
 * Add every row of a file ("-" is stdin) to t, then finish it.  Returns 0,
 * TIDE_EIO (errno set), TIDE_EFORMAT (a broken CSV or zstd stream) or
 * TIDE_EINVAL when bad() asked to stop, with err saying why.  Rows that
 * are not JSON objects, or that tide_table_add() rejects, go to bad().
 */
int tide_table_load(struct tide_table *t, const char *path,
    enum tide_table_fmt fmt, size_t maxrec, tide_table_bad_fn bad, void *ctx,
    struct tide_table_rowerr *err);
/* The format a name implies under TIDE_TABLE_AUTO. */
enum tide_table_fmt tide_table_fmt_of(const char *path);

/* The name of a miss reason as --miss-field writes it ("no_match"). */
const char *tide_table_miss_name(enum tide_table_miss m);

#endif
