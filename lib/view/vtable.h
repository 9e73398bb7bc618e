/*
 * struct tide_vtable: a materialized view (struct tide_view, opened for
 * reading) used as a join table -- tide-join -T sqlite:FILE:TABLE or
 * -T redis:URL.  Nothing is loaded: each lookup goes to the store, through
 * its cache, and the record the view returns is cut into the value block a
 * file table's lookup gives (struct tide_table_row, built with
 * tide_table_row_build), so that the join writes both the same way and
 * knows nothing of either's encoding.
 *
 * The columns are set once (tide_vtable_columns: --select paths, a nested
 * field named by its last segment; or the view's own field names), or else
 * learnt from the first record found -- its top-level fields but the key
 * fields -- for a store that holds no schema (Redis); the caller is told
 * (*learnt), since its output plan changes then.
 *
 * The vtable owns the view (open it in t->view after tide_vtable_init),
 * its column names and paths, and the row buffer: a row from
 * tide_vtable_get() is valid until the next call.  No allocation per
 * lookup once the row buffer has grown.
 */
#ifndef TIDE_VTABLE_H
#define TIDE_VTABLE_H

#include <stdint.h>

#include "buf.h"
#include "joinconf.h"
#include "jtable.h"
#include "json.h"
#include "table.h"
#include "view/view.h"

struct tide_vtable {
	struct tide_view view;
	int nkey;			/* key values per lookup */
	const char *const *tkey;	/* the view's key field names, borrowed */
	int asof;			/* look up versions by time */
	int ncol;			/* -1: not known yet */
	char **col;			/* output names */
	struct tide_path *path;		/* each column's path in a record */
	struct tide_json_val *vals;
	struct tide_buf row;		/* the value block of the last hit */
	uint64_t lookups;
	struct tide_jtable jt;		/* tide_vtable_join_open() */
};

/* Start a vtable for lookups by nkey key values, whose key fields are
 * named tkey[0..nkey) (borrowed: they must outlive it); asof: look up the
 * version at a time (a history view).  Then open t->view. */
void tide_vtable_init(struct tide_vtable *t, int nkey, const char *const *tkey,
    int asof);

/* Set the columns: names[0..ncol) as field paths (sel) or as member names
 * as they are.  0, or TIDE_EINVAL with *bad the index of a name that is
 * not a path. */
int tide_vtable_columns(struct tide_vtable *t, int ncol, char *const *names,
    int sel, int *bad);

/*
 * Look key values k[0..nkey) up as of event time ts (under asof) at
 * monotonic time now_ms (for the cache).  Returns 0 with *m (TIDE_TABLE_HIT,
 * _NO_MATCH or _BEFORE_FIRST: a key whose versions are all later) and, on
 * a hit, *row; *learnt set to 1 when the columns were learnt just now.
 * Returns TIDE_EFORMAT when the view's record of this key is not a record
 * (that record is bad, the store is not down), or another TIDE_E* code
 * when the store failed (see tide_view_remote()), with err.
 */
int tide_vtable_get(struct tide_vtable *t, const struct tide_json_val *k,
    int64_t ts, int64_t now_ms, struct tide_table_row *row,
    enum tide_table_miss *m, int *learnt, struct tide_view_err *err);

/*
 * Open a view table as tide-join -T names it, in one step: init, open the
 * view for reading (cache_n keys cached for ttl_ms), check that its key
 * fields are skey/tkey[0..nkey) (--on stream=table) and, under asof, that
 * it keeps history, and set its columns (--select sel[0..nsel), else the
 * view's own fields; a Redis view learns them from its first record).
 * label names the table in messages ("table 'sqlite:f:t'").  Returns 0
 * with a line to say in err->msg ("table '...': sqlite view, 1 key
 * fields, 3 columns"); TIDE_EINVAL for a usage error (err->msg, whole);
 * or the view's code (err->msg: "table '...': why"; tide_view_remote()
 * tells a store away from a file that cannot be read).  Release with
 * tide_vtable_release() either way.
 */
struct tide_vtable_err {
	char msg[1024];
};
int tide_vtable_open(struct tide_vtable *t, const struct tide_view_conf *vc,
    uint32_t cache_n, int64_t ttl_ms, const char *label, int nkey,
    char *const *skey, char *const *tkey, int asof, int nsel,
    char *const *sel, struct tide_vtable_err *err);

/*
 * tide_vtable_open() as tide-join's configuration c names the view (the
 * store, --on, --as-of, --select, --cache-ttl; cache_n keys cached),
 * labelled c->table; and t->jt, the table as a struct tide_jtable
 * (lib/jtable.h): no table in memory, reload forgets the cache, stats
 * counts lookups and the cache's hits and misses, close releases it.
 * Returns as tide_vtable_open(), with err->usage for TIDE_EINVAL and
 * err->remote for a store away (tide_view_remote()).
 */
int tide_vtable_join_open(struct tide_vtable *t, const struct tide_joinconf *c,
    uint32_t cache_n, struct tide_jtable_err *err);

/* Close the view and free everything. */
void tide_vtable_release(struct tide_vtable *t);

#endif
