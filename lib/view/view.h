/*
 * struct tide_view: a materialized view -- an SQLite table (lib/view/sqlview)
 * or Redis keys (lib/view/redisview) -- behind one table of operations, so
 * that the programs that write views (tide-sink) and read them (tide-join)
 * choose the store once, at open, and never branch on it again.
 *
 * A view is opened either for writing (tide_view_open: put, tick, commit)
 * or for reading (tide_view_open_reader: lookup, lookup_asof), never both.
 * The semantics of each call are the store's own; see sqlview.h and
 * redisview.h.  What differs between the stores is said by the operations
 * table: a store reached over the network (ops->remote: its failure means
 * a service is unavailable, not an I/O error); one that knows its key
 * columns and field columns (ops->nkeys and fields: SQLite; Redis keys
 * hold no schema); one that keeps versions (ops->lookup_asof).
 *
 * Every call returns 0 (or a count) or a negative TIDE_E* code with err
 * saying why; lib never prints.  Strings in conf are borrowed for the
 * open call only.  The struct is the caller's; tide_view_close() releases
 * what it holds, and may be called after a failed open.
 */
#ifndef TIDE_VIEW_H
#define TIDE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "time.h"
#include "view/redisview.h"
#include "view/sqlview.h"
#include "view/viewcache.h"

#define TIDE_VIEW_MAXKEYS 8

enum tide_view_kind { TIDE_VIEW_SQLITE, TIDE_VIEW_REDIS };

struct tide_view_err {
	char msg[256];
};

/* How to open a view: both stores' settings; each store reads its own
 * (the caller rejects option mixes that do not apply). */
struct tide_view_conf {
	enum tide_view_kind kind;
	const char *target;		/* SQLite: the database file; Redis: URL */
	const char *table;		/* SQLite */
	int nkey;			/* writers: key field paths */
	const char *keys[TIDE_VIEW_MAXKEYS];
	int ncol;			/* SQLite writers: columns, 0: first record */
	const char *const *cols;
	const char *timefield;		/* SQLite: event time path, or NULL */
	enum tide_time_unit unit;
	int history;			/* SQLite: keep every version */
	int64_t ttl_ms;			/* 0: keep forever */
	const char *prefix;		/* Redis: NULL takes the URL's */
	int as_json;			/* Redis: SET the record, not a hash */
	uint64_t batch;			/* 0: the store's default */
	int64_t batch_ms;		/* 0: commit by count only */
	int timeout_ms;			/* Redis: connect and reply; 0: 5000 */
	int busy_ms;			/* SQLite: 0: 5000 */
};

/* Counters, for --stats. */
struct tide_view_stats {
	uint64_t upserts, commits, expired, merged;
	uint64_t hits, misses;		/* the lookup cache's */
};

struct tide_view;

/*
 * A store.  Writers' put/tick/commit and readers' lookup are called per
 * record: each is one indirect call into the store's own function.
 */
struct tide_view_ops {
	const char *name;		/* "sqlite", "redis" */
	int remote;			/* failures mean: service unavailable */
	int (*open)(struct tide_view *, const struct tide_view_conf *,
	    struct tide_view_err *);
	int (*open_reader)(struct tide_view *, const struct tide_view_conf *,
	    struct tide_view_err *);
	int (*put)(struct tide_view *, const char *rec, size_t n,
	    int64_t now_ms, struct tide_view_err *);
	int (*tick)(struct tide_view *, int64_t now_ms, struct tide_view_err *);
	int (*commit)(struct tide_view *, struct tide_view_err *);
	int (*lookup)(struct tide_view *, const struct tide_json_val *k,
	    int nkey, int64_t now_ms, const char **rec, size_t *len,
	    struct tide_view_err *);
	/* NULL when the store keeps no versions. */
	int (*lookup_asof)(struct tide_view *, const struct tide_json_val *k,
	    int nkey, int64_t t_ms, const char **rec, size_t *len,
	    struct tide_view_err *);
	/* Readers: key columns (-1: the store does not know them), whether
	 * this view holds versions, its field columns (0 when unknown). */
	int (*nkeys)(const struct tide_view *);
	const char *(*keyname)(const struct tide_view *, int i);
	int (*is_history)(const struct tide_view *);
	int (*nfields)(const struct tide_view *);
	char *const *(*fields)(const struct tide_view *);
	struct tide_viewcache *(*cache)(struct tide_view *);
	void (*stats)(const struct tide_view *, struct tide_view_stats *);
	void (*close)(struct tide_view *);
};

extern const struct tide_view_ops tide_view_sqlite_ops, tide_view_redis_ops;

struct tide_view {
	const struct tide_view_ops *ops;	/* NULL: not open */
	union {
		struct tide_sqlview sql;
		struct tide_redisview redis;
	} u;
};

/* Open for writing (creating an SQLite table on the first record).
 * Returns 0, TIDE_EINVAL (a bad URL, path or option mix), TIDE_EIO (the
 * store cannot be opened or reached) or TIDE_EFORMAT (an SQLite table
 * with another key), with err. */
int tide_view_open(struct tide_view *v, const struct tide_view_conf *conf,
    struct tide_view_err *err);

/* Open for lookups, with a cache of cache_n keys for cache_ttl_ms each (0:
 * none).  Returns 0, TIDE_EINVAL, TIDE_EIO or TIDE_ENOENT (no such SQLite
 * table, or not a view), with err. */
int tide_view_open_reader(struct tide_view *v,
    const struct tide_view_conf *conf, uint32_t cache_n,
    int64_t cache_ttl_ms, struct tide_view_err *err);

/* Writers: see tide_sqlview_put() and tide_redisview_put(): 0; a record
 * left out: TIDE_ENOENT, TIDE_ETYPE, TIDE_ETOOBIG; TIDE_EIO (fatal). */
static inline int
tide_view_put(struct tide_view *v, const char *rec, size_t n, int64_t now_ms,
    struct tide_view_err *err)
{
	return v->ops->put(v, rec, n, now_ms, err);
}

/* Commit the open batch if its time has come: 1 when it did, 0, TIDE_EIO. */
static inline int
tide_view_tick(struct tide_view *v, int64_t now_ms, struct tide_view_err *err)
{
	return v->ops->tick(v, now_ms, err);
}

/* Commit the open batch now: 0 or TIDE_EIO. */
static inline int
tide_view_commit(struct tide_view *v, struct tide_view_err *err)
{
	return v->ops->commit(v, err);
}

/* Readers: the record of key values k[0..nkey): 1 with *rec and *len
 * (valid until the next lookup), 0 when absent, TIDE_ENOENT / TIDE_ETYPE
 * for an unusable key value, TIDE_EFORMAT when the store holds something
 * that is not a record there, TIDE_EIO when the store failed. */
static inline int
tide_view_lookup(struct tide_view *v, const struct tide_json_val *k, int nkey,
    int64_t now_ms, const char **rec, size_t *len, struct tide_view_err *err)
{
	return v->ops->lookup(v, k, nkey, now_ms, rec, len, err);
}

/* History views: the latest version at or before t_ms (not cached).  As
 * tide_view_lookup(); TIDE_EINVAL for a view without history. */
int tide_view_lookup_asof(struct tide_view *v, const struct tide_json_val *k,
    int nkey, int64_t t_ms, const char **rec, size_t *len,
    struct tide_view_err *err);

static inline int tide_view_remote(const struct tide_view *v) { return v->ops->remote; }
static inline int tide_view_nkeys(const struct tide_view *v) { return v->ops->nkeys(v); }
static inline const char *tide_view_keyname(const struct tide_view *v, int i) { return v->ops->keyname(v, i); }
static inline int tide_view_is_history(const struct tide_view *v) { return v->ops->is_history(v); }
static inline int tide_view_nfields(const struct tide_view *v) { return v->ops->nfields(v); }
static inline char *const *tide_view_fields(const struct tide_view *v) { return v->ops->fields(v); }

/* Forget what the lookup cache holds (the caller knows the view changed). */
void tide_view_clear_cache(struct tide_view *v);
void tide_view_stats(const struct tide_view *v, struct tide_view_stats *st);

/* Close; a batch not committed is discarded (rolled back). */
void tide_view_close(struct tide_view *v);

#endif
