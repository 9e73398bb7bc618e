/*
 * struct tide_sqlview: a materialized view in an SQLite table -- the latest
 * record per key (or every version, with history), kept up to date from a
 * stream and readable by any SQLite client while it is written.
 *
 * The table has a column per top-level field of the first record (or of
 * conf.cols): INTEGER, REAL or TEXT by the JSON type of its value, nested
 * objects and arrays as JSON text, true/false as 1/0; a `record` column
 * holding the whole record as written; and, when a time field is given, a
 * `tide_time` column of event time in epoch milliseconds.  The primary key
 * is the key columns (named by the key paths as given), plus tide_time in
 * history mode, so a replayed record lands on the row it landed on before:
 * a view rebuilt from the same stream converges to the same content.
 * Fields that appear only in later records are kept in `record` alone.
 * Column names ignore ASCII case (SQLite's rule) and `record` and
 * `tide_time` are the view's: conf.cols that clash are refused at open, a
 * first record whose fields clash is refused by tide_sqlview_put() (bad
 * input: the next record makes the table).  A
 * table that already exists is used as it is, provided its primary key is
 * the one asked for.  A lone INTEGER key column is SQLite's rowid, which
 * holds integers only: a record whose key is anything else (a string
 * other than digits, 1.5, a number past int64) is refused by
 * tide_sqlview_put(), so that it is the record's error and not its batch's.
 *
 * Writes: records are buffered (copied) into a batch of conf.batch
 * records (or 64 MiB), written in one transaction when it is full or,
 * through tide_sqlview_tick(), conf.batch_ms after it began (the caller
 * drives time), or by tide_sqlview_commit().  Each record written is one
 * execution of a prepared INSERT ... ON CONFLICT DO UPDATE (no SQL text
 * built per record); a record whose key (and, with history, time) comes
 * again later in the same batch is left out, since the batch commits whole
 * and only the last would show.  The write lock is held only while a
 * batch is written.  The database is in
 * WAL mode, so readers never block the writer nor see a partial batch, and
 * a batch is committed or not at all when the process dies.  With a TTL,
 * each commit first deletes rows whose event time is older than the newest
 * event time seen (in this run or stored before it) minus the TTL.
 *
 * Reads: tide_sqlview_open_reader() opens an existing view read-only and
 * finds its key columns itself; tide_sqlview_lookup() returns the record of
 * a key through a small LRU cache (tide_sqlview_set_cache).
 *
 * lib never prints: rich error text goes to the caller's struct
 * tide_sqlview_err.
 */
#ifndef TIDE_SQLVIEW_H
#define TIDE_SQLVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "barrier.h"
#include "buf.h"
#include "htab.h"
#include "json.h"
#include "time.h"
#include "view/viewcache.h"

#define TIDE_SQLVIEW_MAXKEYS 8
#define TIDE_SQLVIEW_MAXCOLS 1000	/* more fields stay in `record` */
#define TIDE_SQLVIEW_BATCH 10000	/* records per transaction by default */
#define TIDE_SQLVIEW_CKPT "10000"	/* WAL pages before a checkpoint */
#define TIDE_SQLVIEW_SHAPE 64		/* member names remembered by position */
#define TIDE_SQLVIEW_PENDMAX (64u << 20)	/* batch bytes before a commit */

struct tide_sqlview_err {
	char msg[256];
};

/* How to open a view for writing.  Strings are borrowed for the call. */
struct tide_sqlview_conf {
	const char *path;		/* database file */
	const char *table;
	int nkey;
	const char *keys[TIDE_SQLVIEW_MAXKEYS];	/* key field paths */
	int ncol;			/* 0: from the first record */
	const char *const *cols;	/* top-level field names */
	const char *timefield;		/* event time path, or NULL */
	enum tide_time_unit unit;	/* of numeric event times */
	int history;			/* keep every version (needs timefield) */
	int64_t ttl_ms;			/* 0: keep rows forever (needs timefield) */
	uint64_t batch;			/* 0: TIDE_SQLVIEW_BATCH */
	int64_t batch_ms;		/* 0: commit by count only */
	int busy_ms;			/* 0: 5000 */
};

/* A member name of the last record and the parameter its column binds. */
struct tide_sqlview_shape {
	size_t off, len;		/* raw name in shapenames */
	int param;			/* 0: no column */
};

/* A record buffered in the batch: its bytes in pendbuf, its time. */
struct tide_sqlview_pend {
	size_t off, len;
	int64_t t;
	int dead;			/* its key comes again later */
};

/* A buffered record's key value, as an offset into the record. */
struct tide_sqlview_pkey {
	enum tide_json_type type;
	size_t off, len;
};

struct tide_sqlview {
	struct sqlite3 *db;
	struct sqlite3_stmt *ins, *ttl, *get, *getasof;
	char *table;
	int nkey;
	char *keyname[TIDE_SQLVIEW_MAXKEYS];
	struct tide_path path[TIDE_SQLVIEW_MAXKEYS + 1];	/* keys, time */
	int npath;
	struct tide_json_val *vals;
	int timed, history, readonly;
	enum tide_time_unit unit;
	int64_t ttl_ms;

	/* Field columns: name -> SQL parameter number (int). */
	struct tide_htab cols;
	int ncol;			/* -1 until the table exists */
	int recparam, timeparam;	/* parameter numbers */
	int rowidkey;			/* the one key column is SQLite's rowid */
	struct tide_sqlview_shape shape[TIDE_SQLVIEW_SHAPE];
	int nshape;
	struct tide_buf shapenames;
	char **defcols;			/* conf.cols, until the table exists */
	int ndefcols;
	char **fields;			/* readers: the field columns */
	int nfields;

	uint64_t batch, inbatch;
	struct tide_buf pendbuf, mkey;
	struct tide_sqlview_pend *pend;
	struct tide_sqlview_pkey *pkeys;	/* nkey per record */
	size_t npend, pendcap;
	struct tide_htab seen;		/* merge key -> index in pend */
	int64_t batch_ms, batch_start;
	int intx;
	int64_t maxtime;		/* INT64_MIN: none seen */

	struct tide_buf scratch, res;
	struct tide_viewcache cache;
	struct tide_buf ckey;
	uint64_t upserts, commits, expired;
	uint64_t merged;		/* records replaced within their batch */
	uint64_t written;		/* rows upserted in SQLite */
};

/*
 * Open (creating if needed) the database and, when it exists or conf.cols
 * is given, the table.  Returns 0, TIDE_EINVAL (a bad path or option mix),
 * TIDE_EIO (SQLite could not open or set up the file) or TIDE_EFORMAT (the
 * table exists with another key), with err saying why.  Call
 * tide_sqlview_close() either way.
 */
int tide_sqlview_open(struct tide_sqlview *v, const struct tide_sqlview_conf *conf,
    struct tide_sqlview_err *err);

/*
 * Add one record, the validated JSON object rec[0..n) (copied), to the
 * current batch (starting one at now_ms if none is open; writing and
 * committing it when it reaches conf.batch records).  The first record
 * creates the table if it does not exist.  Returns 0, or for a record that
 * cannot go in and was left out: TIDE_ENOENT (a key or time field absent
 * or null), TIDE_ETYPE (a key that is an object or array, or not an
 * integer for a rowid key; a time that is not a time; the first record of
 * a new table with field names that clash), TIDE_ETOOBIG (longer than SQLite takes); or TIDE_EIO when
 * SQLite failed (the batch is lost: treat it as fatal).
 */
int tide_sqlview_put(struct tide_sqlview *v, const char *rec, size_t n,
    int64_t now_ms, struct tide_sqlview_err *err);

/* Commit the open batch if conf.batch_ms has passed since it began: 1 when
 * it committed, 0 when not, TIDE_EIO. */
int tide_sqlview_tick(struct tide_sqlview *v, int64_t now_ms,
    struct tide_sqlview_err *err);

/* Commit the open batch now (TTL deletes first): 0 or TIDE_EIO. */
int tide_sqlview_commit(struct tide_sqlview *v, struct tide_sqlview_err *err);

/*
 * Exactly once (doc/DELIVERY.md section 3): a pipeline's offsets kept in
 * the table TIDE_SQLVIEW_OFFSETS beside the view,
 *
 *	tide_offsets(topic TEXT, partition INTEGER, next INTEGER,
 *	    PRIMARY KEY (topic, partition))
 *
 * one row per partition: the next offset to read after the records the
 * view holds.  tide_sqlview_offsets() reads them into o (reset first;
 * empty when the table does not exist): 0, TIDE_EFORMAT when a table of
 * that name has another shape or a row is out of range (err says which),
 * TIDE_EIO.  tide_sqlview_commit_offs() commits the open batch and upserts
 * o's offsets in the same transaction (the table made on first use), also
 * when the batch is empty: 0, TIDE_EFORMAT, TIDE_EIO.  The view's own
 * table may not be called so (TIDE_EINVAL from either).
 */
#define TIDE_SQLVIEW_OFFSETS "tide_offsets"
int tide_sqlview_offsets(struct tide_sqlview *v, struct tide_barrier_offs *o,
    struct tide_sqlview_err *err);
int tide_sqlview_commit_offs(struct tide_sqlview *v,
    const struct tide_barrier_offs *o, struct tide_sqlview_err *err);

/* Close; an uncommitted batch is rolled back, as a crash would. */
void tide_sqlview_close(struct tide_sqlview *v);

/*
 * Open an existing view read-only for lookups: the key columns are the
 * table's primary key (less tide_time in a history table).  Returns 0,
 * TIDE_EIO, or TIDE_ENOENT (no such table, or not a view: no `record`
 * column) with err saying why.  Close with tide_sqlview_close().
 */
int tide_sqlview_open_reader(struct tide_sqlview *v, const char *path,
    const char *table, int busy_ms, struct tide_sqlview_err *err);

/* Cache up to n lookups for ttl_ms each (0 turns the cache off). */
void tide_sqlview_set_cache(struct tide_sqlview *v, uint32_t n, int64_t ttl_ms);

/* Number of key columns and their names (readers: as found in the table). */
static inline int tide_sqlview_nkeys(const struct tide_sqlview *v) { return v->nkey; }
static inline const char *tide_sqlview_keyname(const struct tide_sqlview *v, int i) { return v->keyname[i]; }
static inline int tide_sqlview_is_history(const struct tide_sqlview *v) { return v->history; }
/* Readers: the field columns, in table order (not the key columns,
 * `record` or `tide_time`): the top-level fields the view was built with. */
static inline int tide_sqlview_nfields(const struct tide_sqlview *v) { return v->nfields; }
static inline const char *tide_sqlview_field(const struct tide_sqlview *v, int i) { return v->fields[i]; }

/*
 * Look up the record of key values k[0..nkey) (JSON values, e.g. from
 * tide_json_get_many on a stream record; strings, numbers or booleans) at
 * time now_ms for the cache.  Returns 1 with *rec and *len (valid until the next
 * lookup), 0 when the view has no such key (an object or array key is
 * looked up by its JSON text, as file tables key it), TIDE_ENOENT / TIDE_ETYPE for a
 * missing or unusable key value, TIDE_EIO when SQLite failed.  A history
 * view answers with the latest version.
 */
int tide_sqlview_lookup(struct tide_sqlview *v, const struct tide_json_val *k,
    int nkey, int64_t now_ms, const char **rec, size_t *len,
    struct tide_sqlview_err *err);

/* History views: the latest version at or before t_ms (not cached).  Same
 * returns as tide_sqlview_lookup(); TIDE_EINVAL on a view without history. */
int tide_sqlview_lookup_asof(struct tide_sqlview *v,
    const struct tide_json_val *k, int nkey, int64_t t_ms, const char **rec,
    size_t *len, struct tide_sqlview_err *err);

#endif
