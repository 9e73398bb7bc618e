/*
 * The join plan and the writing of one joined record: see joinplan.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "joinplan.h"
#include "xalloc.h"

void
tide_joinplan_release(struct tide_joinplan *pl)
{
	int i;

	tide_buf_release(&pl->names);
	tide_buf_release(&pl->missfrag);
	tide_buf_release(&pl->reasonkey);
	free(pl->noff);
	free(pl->nlen);
	if (pl->paths)
		for (i = 0; i < pl->nplan; i++)
			tide_path_release(&pl->paths[i]);
	free(pl->paths);
	free(pl->vals);
	memset(pl, 0, sizeof(*pl));
}

int
tide_joinplan_build(struct tide_joinplan *pl, const struct tide_joinspec *js,
    int ncol, char *const *names, struct tide_joinplan_err *err)
{
	struct tide_buf name = TIDE_BUF_INIT;
	int i, k, np = 0;

	memset(pl, 0, sizeof(*pl));
	memset(err, 0, sizeof(*err));
	pl->js = js;
	tide_buf_init(&pl->names, TIDE_BUF_NOMAX);
	tide_buf_init(&pl->missfrag, TIDE_BUF_NOMAX);
	tide_buf_init(&pl->reasonkey, TIDE_BUF_NOMAX);
	for (k = 0; k < js->ndef && ncol >= 0; k++) {
		for (i = 0; i < ncol; i++)
			if (strcmp(js->defname[k], names[i]) == 0)
				break;
		if (i == ncol) {
			err->name = js->defname[k];
			snprintf(err->msg, sizeof(err->msg), "the table has no "
			    "field '%s'", js->defname[k]);
			return TIDE_ENOENT;
		}
	}
	pl->ncol = ncol < 0 ? 0 : ncol;
	pl->noff = tide_xcalloc((size_t)pl->ncol + 1, sizeof(size_t));
	pl->nlen = tide_xcalloc((size_t)pl->ncol + 1, sizeof(size_t));
	pl->npath = pl->nplan = js->nkeys + 1 + pl->ncol + 1;
	if (js->where)
		pl->npath += js->where->e->npath;
	pl->paths = tide_xcalloc((size_t)pl->npath, sizeof(*pl->paths));
	pl->vals = tide_xcalloc((size_t)pl->npath, sizeof(*pl->vals));
	for (i = 0; i < js->nkeys; i++)
		if (tide_path_parse(&pl->paths[np++], js->skey[i]) < 0) {
			snprintf(err->msg, sizeof(err->msg), "--on: bad field "
			    "name '%s'", js->skey[i]);
			return TIDE_EINVAL;
		}
	if (js->asof && tide_path_parse(&pl->paths[np], js->asof) < 0) {
		snprintf(err->msg, sizeof(err->msg), "--as-of: bad field "
		    "name '%s'", js->asof);
		return TIDE_EINVAL;
	}
	np++;
	for (i = 0; i < pl->ncol; i++) {
		const char *cn = names[i];

		tide_buf_reset(&name);
		if (js->prefix)
			tide_buf_adds(&name, js->prefix);
		tide_buf_adds(&name, cn);
		tide_path_name(&pl->paths[np++], tide_buf_cstr(&name));
		pl->noff[i] = pl->names.len;
		tide_json_write_str(&pl->names, name.data, name.len);
		tide_buf_addc(&pl->names, ':');
		pl->nlen[i] = pl->names.len - pl->noff[i];
		if (i > 0)
			tide_buf_addc(&pl->missfrag, ',');
		tide_buf_add(&pl->missfrag, pl->names.data + pl->noff[i],
		    pl->nlen[i]);
		for (k = js->ndef - 1; k >= 0; k--)
			if (strcmp(js->defname[k], cn) == 0)
				break;
		tide_buf_adds(&pl->missfrag, k >= 0 ? js->defval[k] : "null");
	}
	if (js->missfield) {
		tide_path_name(&pl->paths[np++], js->missfield);
		tide_json_write_str(&pl->reasonkey, js->missfield,
		    strlen(js->missfield));
		tide_buf_addc(&pl->reasonkey, ':');
	}
	pl->nplan = np;
	pl->nout = np - js->nkeys - 1;
	/* --where's paths, shared: there is room for them. */
	if (js->where)
		(void)tide_where_paths(js->where, pl->paths, &np, pl->npath);
	pl->npath = np;
	tide_buf_release(&name);
	return 0;
}

void
tide_join_key_why(char *why, size_t whylen, char *const *names, int n, int r,
    const struct tide_json_val *v)
{
	int i;

	for (i = 0; i < n - 1; i++)
		if (v[i].type == TIDE_JSON_NONE || v[i].type == TIDE_JSON_NULL)
			break;
	snprintf(why, whylen, "key field '%s' is %s", names[i],
	    r != TIDE_ENOENT ? "not a valid JSON value" :
	    v[i].type == TIDE_JSON_NULL ? "null" : "missing");
}

void
tide_join_obj_of(struct tide_json_val *obj, const char *line, size_t len)
{
	obj->type = TIDE_JSON_OBJECT;
	obj->p = line;
	obj->len = len;
	while (obj->len && obj->p[0] != '{')
		obj->p++, obj->len--;
	while (obj->len && obj->p[obj->len - 1] != '}')
		obj->len--;
}

void
tide_join_copy_members(struct tide_jobj *o, struct tide_buf *ob,
    const char *line, size_t len, tide_join_drop_fn drop, const void *ctx)
{
	struct tide_json_val obj, name, val;
	size_t pos = 0;

	tide_join_obj_of(&obj, line, len);
	tide_jobj_begin(o, ob);
	while (tide_json_obj_next(&obj, &pos, &name, &val)) {
		if (drop(ctx, &name))
			continue;
		if (!o->empty)
			tide_buf_addc(ob, ',');
		o->empty = 0;
		tide_buf_add(ob, name.p, name.len);
		tide_buf_addc(ob, ':');
		tide_buf_add(ob, val.p, val.len);
	}
}

int
tide_namelist_drop(const void *ctx, const struct tide_json_val *name)
{
	const struct tide_namelist *nl = ctx;
	size_t q;

	for (q = 0; q < nl->len; q += strlen(nl->p + q) + 1)
		if (tide_json_str_eq(name, nl->p + q, strlen(nl->p + q)))
			return 1;
	return 0;
}

/* drop_fn: the plan's output names. */
static int
plan_names_drop(const void *ctx, const struct tide_json_val *name)
{
	const struct tide_joinplan *pl = ctx;
	int j;

	for (j = pl->js->nkeys + 1; j < pl->nplan; j++)
		if (tide_json_str_eq(name, pl->paths[j].seg[0].name,
		    pl->paths[j].seg[0].len))
			return 1;
	return 0;
}

int
tide_joinplan_check(const struct tide_joinplan *pl, int kr,
    const struct tide_json_val *v, int64_t *ts, int *nokey, char *why,
    size_t whylen)
{
	const struct tide_joinspec *js = pl->js;

	*nokey = 0;
	*ts = 0;
	if (kr < 0) {
		if (kr != TIDE_ENOENT || js->kind != TIDE_JOIN_LEFT) {
			tide_join_key_why(why, whylen, js->skey, js->nkeys, kr,
			    v);
			return TIDE_EINVAL;
		}
		*nokey = 1;
	}
	if (js->asof) {
		const struct tide_json_val *tv = &v[js->nkeys];

		if (tv->type == TIDE_JSON_NONE || tv->type == TIDE_JSON_NULL) {
			snprintf(why, whylen, "time field '%s' is missing",
			    js->asof);
			return TIDE_EINVAL;
		}
		if (tide_time_from_json(tv, js->unit, ts) < 0) {
			snprintf(why, whylen, "field '%s' is not a time: %.*s",
			    js->asof, (int)(tv->len > 64 ? 64 : tv->len), tv->p);
			return TIDE_EINVAL;
		}
	}
	return 0;
}

/*
 * The buffer to build a joined record of at most need bytes in: the
 * output writer's own free space when it has room (flushed first if it
 * has not), so the record is written once, not built in ob and copied;
 * else ob.  wb is the view of the writer's space; see out_commit().
 */
static struct tide_buf *
out_buf(struct tide_wout *out, struct tide_buf *wb, struct tide_buf *ob,
    size_t need)
{
	if (out->err == 0 && out->cap - out->len <= need && out->len > 0)
		(void)tide_wout_flush(out);	/* an error stays in out->err */
	if (out->err != 0 || out->cap - out->len <= need) {
		tide_buf_reset(ob);
		return ob;
	}
	/* Growing it fails rather than reallocating the writer's buffer:
	 * max is its room, less one byte for the newline. */
	wb->data = out->buf + out->len;
	wb->len = 0;
	wb->cap = wb->max = out->cap - out->len - 1;
	return wb;
}

/* Write the record built in b (from out_buf()): 0 or TIDE_EIO. */
static int
out_commit(struct tide_wout *out, struct tide_buf *b, struct tide_buf *wb)
{
	if (b != wb)
		return tide_wout_rec(out, b->data, b->len) < 0 ? TIDE_EIO : 0;
	wb->data[wb->len] = '\n';
	out->len += wb->len + 1;
	return 0;
}

/* A regex at its match limit: TIDE_EINVAL with why (a bad record). */
static int
limit_why(const char *opt, const struct tide_where *w, char *why,
    size_t whylen)
{
	snprintf(why, whylen, "%s: regex %s reached its match limit", opt,
	    tide_expr_limit_regex(w->e));
	return TIDE_EINVAL;
}

int
tide_joinplan_where(const struct tide_joinspec *js,
    const struct tide_json_val *v, char *why, size_t whylen)
{
	struct tide_where *w = js->where;
	int r;

	if (!w)
		return 1;
	r = tide_where_keep(w, v);
	return r >= 0 ? r : limit_why("--where", w, why, whylen);
}

int
tide_joinplan_having(const struct tide_joinspec *js, const char *p, size_t n,
    char *why, size_t whylen)
{
	struct tide_where *w = js->having;
	int r;

	if (!w)
		return 1;
	r = tide_where_keep_rec(w, p, n);
	return r >= 0 ? r : limit_why("--having", w, why, whylen);
}

int
tide_joinplan_emit(const struct tide_joinplan *pl, struct tide_wout *out,
    struct tide_buf *ob, const char *line, size_t len,
    const struct tide_json_val *v, enum tide_table_miss m,
    const struct tide_table_row *hit, int nokey, struct tide_joinstats *st,
    char *why, size_t whylen)
{
	const struct tide_joinspec *js = pl->js;
	struct tide_table_row row = *hit;
	struct tide_jobj o;
	struct tide_buf wb, *b;
	int i, r, collide = 0;
	const char *cp;
	size_t cl, need;

	if (m == TIDE_TABLE_HIT)
		st->matched++;
	else
		st->missed++;
	if (js->kind == TIDE_JOIN_ANTI) {
		if (m == TIDE_TABLE_HIT)
			return 0;
		if ((r = tide_joinplan_having(js, line, len, why, whylen)) != 1)
			return r;
		st->out++;
		return tide_wout_rec(out, line, len) < 0 ? TIDE_EIO : 0;
	}
	if (m != TIDE_TABLE_HIT && js->kind == TIDE_JOIN_INNER)
		return 0;
	for (i = js->nkeys + 1; i < pl->nplan; i++)
		if (v[i].type != TIDE_JSON_NONE)
			collide = 1;
	if (collide && !js->overwrite) {
		for (i = js->nkeys + 1; v[i].type == TIDE_JSON_NONE; i++)
			;
		snprintf(why, whylen, "field '%s' is also a table field "
		    "(--overwrite replaces it)", pl->paths[i].text);
		return TIDE_EINVAL;
	}
	/* At most: the record, each column's name and value (a null one as
	 * "null", a value no longer than its block), separators, the miss
	 * fragment, the reason and the braces. */
	need = len + pl->names.len + (size_t)(row.end - row.p) +
	    5 * (size_t)pl->ncol + pl->missfrag.len + pl->reasonkey.len + 32;
	b = out_buf(out, &wb, ob, need);
	if (collide) {
		/* Copy the record without the members the table replaces;
		 * only such records pay for it. */
		tide_join_copy_members(&o, b, line, len, plan_names_drop, pl);
	} else if (tide_jobj_append(&o, b, line, len) < 0)
		goto toobig;
	if (m == TIDE_TABLE_HIT) {
		for (i = 0; i < pl->ncol && tide_table_col_next(&row, &cp, &cl);
		    i++) {
			if (!o.empty)
				tide_buf_addc(b, ',');
			o.empty = 0;
			tide_buf_add(b, pl->names.data + pl->noff[i],
			    pl->nlen[i]);
			if (cl)
				tide_buf_add(b, cp, cl);
			else
				tide_buf_add(b, "null", 4);
		}
	} else if (pl->ncol) {
		if (!o.empty)
			tide_buf_addc(b, ',');
		o.empty = 0;
		tide_buf_add(b, pl->missfrag.data, pl->missfrag.len);
	}
	if (js->missfield) {
		if (!o.empty)
			tide_buf_addc(b, ',');
		o.empty = 0;
		tide_buf_add(b, pl->reasonkey.data, pl->reasonkey.len);
		if (m == TIDE_TABLE_HIT)
			tide_buf_add(b, "null", 4);
		else {
			tide_buf_addc(b, '"');
			tide_buf_adds(b, nokey ? "no_key" :
			    tide_table_miss_name(m));
			tide_buf_addc(b, '"');
		}
	}
	if (tide_jobj_end(&o) < 0 || b->len > ob->max)
		goto toobig;
	/* Dropped: out's length was not moved, the record is not out. */
	if ((r = tide_joinplan_having(js, b->data, b->len, why, whylen)) != 1)
		return r;
	st->out++;
	return out_commit(out, b, &wb);
toobig:
	snprintf(why, whylen, "joined record longer than %zu bytes", ob->max);
	return TIDE_EINVAL;
}
