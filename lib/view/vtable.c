/*
 * A view read as a join table; see vtable.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "view/vtable.h"
#include "xalloc.h"

void
tide_vtable_init(struct tide_vtable *t, int nkey, const char *const *tkey,
    int asof)
{
	memset(t, 0, sizeof(*t));
	t->nkey = nkey;
	t->tkey = tkey;
	t->asof = asof;
	t->ncol = -1;
	tide_buf_init(&t->row, TIDE_BUF_NOMAX);
}

static void
columns_release(struct tide_vtable *t)
{
	int i;

	for (i = 0; i < t->ncol; i++) {
		free(t->col[i]);
		tide_path_release(&t->path[i]);
	}
	free(t->col);
	free(t->path);
	free(t->vals);
	t->col = NULL;
	t->path = NULL;
	t->vals = NULL;
	t->ncol = -1;
}

int
tide_vtable_columns(struct tide_vtable *t, int ncol, char *const *n, int sel,
    int *bad)
{
	int i;

	columns_release(t);
	t->col = tide_xcalloc((size_t)ncol + 1, sizeof(*t->col));
	t->path = tide_xcalloc((size_t)ncol + 1, sizeof(*t->path));
	t->vals = tide_xcalloc((size_t)ncol + 1, sizeof(*t->vals));
	for (i = 0; i < ncol; i++) {
		t->ncol = i;
		if (!sel) {
			tide_path_name(&t->path[i], n[i]);
			t->col[i] = tide_xstrdup(n[i]);
			continue;
		}
		if (tide_path_parse(&t->path[i], n[i]) < 0) {
			*bad = i;
			return TIDE_EINVAL;
		}
		/* A nested field is named by its last segment, as in a file
		 * table. */
		t->col[i] = tide_xmemdup(t->path[i].seg[t->path[i].nseg - 1].name,
		    t->path[i].seg[t->path[i].nseg - 1].len);
	}
	t->ncol = ncol;
	return 0;
}

/* Learn the columns from the first record found: its top-level fields but
 * the key fields. */
static void
learn(struct tide_vtable *t, const char *rec, size_t len)
{
	struct tide_json_val obj, name, val;
	struct tide_buf nb = TIDE_BUF_INIT;
	char *n[TIDE_TABLE_MAXCOLS];
	size_t pos = 0;
	int i, nc = 0, skip, bad;

	obj.type = TIDE_JSON_OBJECT;
	obj.p = rec;
	obj.len = len;
	while (nc < TIDE_TABLE_MAXCOLS &&
	    tide_json_obj_next(&obj, &pos, &name, &val)) {
		tide_buf_reset(&nb);
		if (tide_json_str(&name, &nb) < 0 ||
		    memchr(nb.data, '\0', nb.len) != NULL)
			continue;
		for (skip = 0, i = 0; i < t->nkey && !skip; i++)
			skip = strcmp(t->tkey[i], tide_buf_cstr(&nb)) == 0;
		for (i = 0; i < nc && !skip; i++)
			skip = strcmp(n[i], tide_buf_cstr(&nb)) == 0;
		if (!skip)
			n[nc++] = tide_xstrdup(tide_buf_cstr(&nb));
	}
	tide_vtable_columns(t, nc, n, 0, &bad);
	for (i = 0; i < nc; i++)
		free(n[i]);
	tide_buf_release(&nb);
}

int
tide_vtable_get(struct tide_vtable *t, const struct tide_json_val *k,
    int64_t ts, int64_t now_ms, struct tide_table_row *row,
    enum tide_table_miss *m, int *learnt, struct tide_view_err *err)
{
	enum tide_json_type type;
	const char *rec;
	size_t len;
	int r;

	t->lookups++;
	if (t->asof) {
		r = tide_view_lookup_asof(&t->view, k, t->nkey, ts, &rec, &len,
		    err);
		/* A key with versions, all later, is not a plain miss. */
		if (r == 0 && (r = tide_view_lookup(&t->view, k, t->nkey,
		    now_ms, &rec, &len, err)) == 1) {
			*m = TIDE_TABLE_BEFORE_FIRST;
			return 0;
		}
	} else
		r = tide_view_lookup(&t->view, k, t->nkey, now_ms, &rec, &len,
		    err);
	if (r < 0)
		return r;
	if (r == 0) {
		*m = TIDE_TABLE_NO_MATCH;
		return 0;
	}
	/* Another writer may have put anything in the store. */
	if (tide_json_check(rec, len, TIDE_JSON_MAXDEPTH, &type, NULL) < 0 ||
	    type != TIDE_JSON_OBJECT) {
		snprintf(err->msg, sizeof(err->msg), "the view's record of this "
		    "key is not a JSON object");
		return TIDE_EFORMAT;
	}
	if (t->ncol < 0) {
		learn(t, rec, len);
		*learnt = 1;
	}
	tide_json_get_many(rec, len, t->path, t->ncol, t->vals);
	if ((r = tide_table_row_build(&t->row, t->vals, t->ncol)) < 0)
		return r;
	row->p = (const unsigned char *)t->row.data;
	row->end = row->p + t->row.len;
	*m = TIDE_TABLE_HIT;
	return 0;
}

void
tide_vtable_release(struct tide_vtable *t)
{
	tide_view_close(&t->view);
	columns_release(t);
	tide_buf_release(&t->row);
}

/* Set the columns; a name that is not a path is a usage error. */
static int
columns(struct tide_vtable *t, int ncol, char *const *n, int sel,
    struct tide_vtable_err *err)
{
	int i;

	if (tide_vtable_columns(t, ncol, n, sel, &i) < 0) {
		snprintf(err->msg, sizeof(err->msg), "--select: bad field name "
		    "'%s'", n[i]);
		return TIDE_EINVAL;
	}
	return 0;
}

int
tide_vtable_open(struct tide_vtable *t, const struct tide_view_conf *vc,
    uint32_t cache_n, int64_t ttl_ms, const char *label, int nkey,
    char *const *skey, char *const *tkey, int asof, int nsel,
    char *const *sel, struct tide_vtable_err *err)
{
	struct tide_view_err verr;
	int i, r, n;

	tide_vtable_init(t, nkey, (const char *const *)tkey, asof);
	if ((r = tide_view_open_reader(&t->view, vc, cache_n, ttl_ms,
	    &verr)) < 0) {
		if (r == TIDE_EINVAL)
			snprintf(err->msg, sizeof(err->msg), "-T: %s", verr.msg);
		else
			snprintf(err->msg, sizeof(err->msg), "table '%s': %s",
			    label, verr.msg);
		return r;
	}
	if (vc->kind == TIDE_VIEW_REDIS) {
		if (nsel && (r = columns(t, nsel, sel, 1, err)) < 0)
			return r;
		snprintf(err->msg, sizeof(err->msg), "table '%s': redis view",
		    label);
		return 0;
	}
	n = tide_view_nkeys(&t->view);
	if (n != nkey) {
		snprintf(err->msg, sizeof(err->msg), "table '%s' is keyed by %d "
		    "field%s ('%s'%s), '--on' names %d", label, n,
		    n == 1 ? "" : "s", tide_view_keyname(&t->view, 0),
		    n > 1 ? ", ..." : "", nkey);
		return TIDE_EINVAL;
	}
	for (i = 0; i < n; i++)
		if (strcmp(tkey[i], tide_view_keyname(&t->view, i)) != 0) {
			snprintf(err->msg, sizeof(err->msg), "table '%s': key "
			    "field %d is '%s', not '%s' (--on %s=%s)", label,
			    i + 1, tide_view_keyname(&t->view, i), tkey[i],
			    skey[i], tide_view_keyname(&t->view, i));
			return TIDE_EINVAL;
		}
	if (asof && !tide_view_is_history(&t->view)) {
		snprintf(err->msg, sizeof(err->msg), "--as-of: table '%s' keeps "
		    "no history (tide-sink --history)", label);
		return TIDE_EINVAL;
	}
	if (nsel)
		r = columns(t, nsel, sel, 1, err);
	else
		r = columns(t, tide_view_nfields(&t->view),
		    tide_view_fields(&t->view), 0, err);
	if (r < 0)
		return r;
	snprintf(err->msg, sizeof(err->msg), "table '%s': sqlite view, %d key "
	    "fields, %d columns%s", label, n, t->ncol,
	    tide_view_is_history(&t->view) ? ", history" : "");
	return 0;
}

static int
vt_jreload(struct tide_jtable *jt, struct tide_jtable_err *err)
{
	(void)err;
	/* A view is read live: forget what the cache holds. */
	tide_view_clear_cache(&((struct tide_vtable *)((char *)jt -
	    offsetof(struct tide_vtable, jt)))->view);
	return 0;
}

static void
vt_jstats(struct tide_jtable *jt, struct tide_jtable_stats *s)
{
	struct tide_vtable *t = (struct tide_vtable *)((char *)jt -
	    offsetof(struct tide_vtable, jt));
	struct tide_view_stats vs;

	tide_view_stats(&t->view, &vs);
	snprintf(s->line, sizeof(s->line), "table '%s': %llu lookups, %llu "
	    "cache hits, %llu misses", jt->label,
	    (unsigned long long)t->lookups, (unsigned long long)vs.hits,
	    (unsigned long long)vs.misses);
}

static void
vt_jclose(struct tide_jtable *jt)
{
	tide_vtable_release((struct tide_vtable *)((char *)jt -
	    offsetof(struct tide_vtable, jt)));
}

static const struct tide_jtable_ops vt_jops = {
	"view", vt_jreload, vt_jstats, vt_jclose,
};

int
tide_vtable_join_open(struct tide_vtable *t, const struct tide_joinconf *c,
    uint32_t cache_n, struct tide_jtable_err *err)
{
	struct tide_view_conf vc;
	struct tide_vtable_err verr;
	int r;

	memset(&vc, 0, sizeof(vc));
	vc.kind = c->view == TIDE_JC_VIEW_REDIS ? TIDE_VIEW_REDIS :
	    TIDE_VIEW_SQLITE;
	vc.target = c->view == TIDE_JC_VIEW_REDIS ? c->vurl : c->vfile;
	vc.table = c->vtable;
	r = tide_vtable_open(t, &vc, cache_n, c->cachettl, c->table,
	    c->js.nkeys, c->js.skey, c->js.tkey, c->js.asof != NULL, c->nsel,
	    c->sel, &verr);
	memset(err, 0, sizeof(*err));
	snprintf(err->msg, sizeof(err->msg), "%s", verr.msg);
	err->usage = r == TIDE_EINVAL;
	err->remote = r < 0 && r != TIDE_EINVAL && tide_view_remote(&t->view);
	/* After the open, which starts t afresh. */
	memset(&t->jt, 0, sizeof(t->jt));
	t->jt.ops = &vt_jops;
	t->jt.label = c->table;
	return r;
}
