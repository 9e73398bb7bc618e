/*
 * The sides of an interval join and its output: see ijsrc.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "err.h"
#include "ijsrc.h"
#include "time.h"
#include "wm.h"
#include "xalloc.h"

int
tide_ijside_init(struct tide_ijside *s, const struct tide_joinspec *js,
    const char *timefield, size_t maxrec, int side, char **paths, int npaths,
    struct tide_ijsrc_err *err)
{
	const char *name;
	int i;

	memset(s, 0, sizeof(*s));
	s->js = js;
	s->timefield = timefield;
	s->maxrec = maxrec;
	s->side = side;
	s->paths = paths;
	s->npaths = npaths;
	s->maxts = INT64_MIN;
	tide_buf_init(&s->key, maxrec);
	s->nkpath = js->nkeys + 1;
	if (side == TIDE_IJOIN_LEFT && js->where) {
		s->where = js->where;
		s->nkpath += js->where->e->npath;
	}
	s->kpath = tide_xcalloc((size_t)s->nkpath, sizeof(*s->kpath));
	s->vals = tide_xcalloc((size_t)s->nkpath, sizeof(*s->vals));
	for (i = 0; i < js->nkeys; i++) {
		name = side ? js->tkey[i] : js->skey[i];
		if (tide_path_parse(&s->kpath[i], name) < 0) {
			snprintf(err->msg, sizeof(err->msg), "--on: bad field "
			    "name '%s'", name);
			return TIDE_EINVAL;
		}
	}
	if (tide_path_parse(&s->kpath[js->nkeys], timefield) < 0) {
		snprintf(err->msg, sizeof(err->msg), "--time: bad field name "
		    "'%s'", timefield);
		return TIDE_EINVAL;
	}
	/* There is room for them. */
	i = js->nkeys + 1;
	if (s->where)
		(void)tide_where_paths(s->where, s->kpath, &i, s->nkpath);
	return 0;
}

void
tide_ijside_release(struct tide_ijside *s)
{
	int i;

	if (s->open)
		tide_recin_close(&s->in);
	/* --where's paths are its own. */
	for (i = 0; s->kpath && i <= s->js->nkeys; i++)
		tide_path_release(&s->kpath[i]);
	free(s->kpath);
	free(s->vals);
	s->kpath = NULL;
	s->vals = NULL;
	tide_buf_release(&s->key);
	s->open = 0;
}

int
tide_ijside_check(struct tide_ijside *s, char *why, size_t whylen)
{
	const struct tide_joinspec *js = s->js;
	struct tide_json_err jerr;
	enum tide_json_type type;
	struct tide_json_val *tv = &s->vals[js->nkeys];
	int r;

	if (tide_json_check_many(s->line, s->len, TIDE_JSON_MAXDEPTH, &type,
	    &jerr, s->kpath, s->nkpath, s->vals) < 0) {
		snprintf(why, whylen, "not valid JSON: %s at byte %zu",
		    jerr.reason, jerr.offset);
		return TIDE_EINVAL;
	}
	if (type != TIDE_JSON_OBJECT) {
		snprintf(why, whylen, "not a JSON object");
		return TIDE_EINVAL;
	}
	/* Before the time and key: a record --where drops is not bad. */
	if (s->where && (r = tide_joinplan_where(js, s->vals, why,
	    whylen)) != 1)
		return r == 0 ? 1 : r;
	if (tv->type == TIDE_JSON_NONE || tv->type == TIDE_JSON_NULL) {
		snprintf(why, whylen, "time field '%s' is missing",
		    s->timefield);
		return TIDE_EINVAL;
	}
	if (tide_time_from_json(tv, js->unit, &s->ts) < 0) {
		snprintf(why, whylen, "field '%s' is not a time: %.*s",
		    s->timefield, (int)(tv->len > 64 ? 64 : tv->len), tv->p);
		return TIDE_EINVAL;
	}
	s->nokey = 0;
	if ((r = tide_table_key(&s->key, s->vals, js->nkeys)) < 0) {
		if (r == TIDE_ENOENT && s->side == 0 &&
		    js->kind == TIDE_JOIN_LEFT)
			s->nokey = 1;
		else {
			tide_join_key_why(why, whylen, s->side ? js->tkey :
			    js->skey, js->nkeys, r, s->vals);
			return TIDE_EINVAL;
		}
	}
	return 0;
}

int
tide_ijside_next(struct tide_ijside *s, int timeout_ms,
    struct tide_ijsrc_err *err)
{
	struct tide_rec rec;
	int64_t wall;
	int r;

	s->have = 0;
	for (;;) {
		if (!s->open) {
			if (s->idx == s->npaths) {
				s->eof = 1;
				return 0;
			}
			s->path = s->paths[s->idx++];
			/* Files may be zstd; stdin is read as it is.  Records
			 * come raw: tide_ijside_check() checks them, as it
			 * does a Kafka stream's. */
			if ((r = tide_recin_open(&s->in, s->path,
			    TIDE_RECIN_RAW, s->maxrec)) < 0) {
				snprintf(err->msg, sizeof(err->msg), "cannot "
				    "open '%s': %s", s->path,
				    tide_recin_strerror(&s->in, r));
				tide_recin_close(&s->in);
				return r == TIDE_EIO ? TIDE_EIO : TIDE_EFORMAT;
			}
			/* Output goes out while stdin is quiet. */
			if (s->out && strcmp(s->path, "-") == 0)
				tide_recin_set_idle(&s->in, tide_wout_idle,
				    s->out);
			s->open = 1;
		}
		r = tide_recin_next(&s->in, &rec, NULL, timeout_ms);
		if (r == TIDE_EOF) {
			tide_recin_close(&s->in);
			s->open = 0;
			continue;
		}
		if (r == TIDE_EINTR || r == TIDE_EAGAIN)
			return r;
		if (r == TIDE_EPIPE || (r == TIDE_EIO && s->out &&
		    s->out->err)) {
			s->eof = 1;	/* the idle flush found stdout closed */
			return 0;
		}
		if (r == TIDE_EIO) {
			snprintf(err->msg, sizeof(err->msg), "%s: read error: "
			    "%s", s->path, tide_recin_strerror(&s->in, r));
			return TIDE_EIO;
		}
		if (r == TIDE_EFORMAT) {
			snprintf(err->msg, sizeof(err->msg), "%s: not a valid "
			    "zstd file", s->path);
			return TIDE_EFORMAT;
		}
		/* A barrier line is not a record: an interval join passes
		 * none on (doc/DELIVERY.md), and skips them. */
		if (__builtin_expect(tide_barrier_is(rec.p, rec.len), 0))
			continue;
		s->line = rec.p;
		s->len = rec.len;
		s->lineno = rec.lineno;
		wall = s->wall;
		s->wall = tide_mono_us() / 1000;
		if (rec.err == TIDE_REC_TOOBIG) {
			tide_rec_reason(&rec, s->maxrec, err->msg,
			    sizeof(err->msg));
			return TIDE_IJSIDE_BAD;
		}
		if ((r = tide_ijside_check(s, err->msg, sizeof(err->msg))) < 0)
			return TIDE_IJSIDE_BAD;
		if (r == 1) {
			s->wall = wall;
			return TIDE_IJSIDE_FILTERED;
		}
		s->have = 1;
		return 1;
	}
}

int64_t
tide_ijside_hold(const struct tide_ijside *s, int64_t idle, int64_t now)
{
	struct tide_wm_part side = { s->maxts, s->wall };

	if (s->eof || tide_wm_quiet(&side, idle, now))
		return INT64_MAX;
	return s->maxts;
}

int64_t
tide_ijside_watermark(const struct tide_ijside *l, const struct tide_ijside *r,
    int64_t delay)
{
	int64_t a = l->eof ? INT64_MAX : l->maxts;
	int64_t b = r->eof ? INT64_MAX : r->maxts;
	int64_t m = a < b ? a : b;

	if (m == INT64_MAX || m == INT64_MIN)
		return m;
	return tide_wm_less(m, delay);
}

int64_t
tide_ijside_live_watermark(const struct tide_ijside *l,
    const struct tide_ijside *r, int64_t a, int64_t b, int64_t delay,
    int64_t now)
{
	int64_t m = a < b ? a : b, mx, last;

	if (m == INT64_MIN)
		return m;
	if (m != INT64_MAX)
		return tide_wm_less(m, delay);
	if (l->eof && r->eof)
		return INT64_MAX;
	/* Both quiet (or the left ended and the other is quiet). */
	mx = l->maxts > r->maxts ? l->maxts : r->maxts;
	last = l->wall > r->wall ? l->wall : r->wall;
	if (mx == INT64_MIN)
		return INT64_MIN;
	mx = tide_wm_less(mx, delay);
	return now - last > INT64_MAX - mx ? INT64_MAX - 1 : mx + (now - last);
}

/* The added name of --select path p: --prefix and its last segment, in
 * o->nb. */
static void
sel_name(struct tide_ijout *o, const struct tide_path *p)
{
	tide_buf_reset(&o->nb);
	if (o->js->prefix)
		tide_buf_adds(&o->nb, o->js->prefix);
	tide_buf_add(&o->nb, p->seg[p->nseg - 1].name,
	    p->seg[p->nseg - 1].len);
}

int
tide_ijout_init(struct tide_ijout *o, const struct tide_joinspec *js,
    int nsel, char *const *sel, struct tide_wout *out, size_t maxrec,
    struct tide_joinstats *st, tide_ijout_bad_fn bad, void *badctx,
    struct tide_ijsrc_err *err)
{
	int i, k;

	memset(o, 0, sizeof(*o));
	o->js = js;
	o->out = out;
	o->st = st;
	o->bad = bad;
	o->badctx = badctx;
	tide_buf_init(&o->ob, maxrec + (1u << 20));
	tide_buf_init(&o->nb, TIDE_BUF_NOMAX);
	tide_buf_init(&o->frag, TIDE_BUF_NOMAX);
	tide_buf_init(&o->names, TIDE_BUF_NOMAX);
	tide_buf_init(&o->missfrag, TIDE_BUF_NOMAX);
	for (i = 0; i < nsel; i++) {
		if (tide_path_parse(&o->sel[i], sel[i]) < 0) {
			snprintf(err->msg, sizeof(err->msg), "--select: bad "
			    "field name '%s'", sel[i]);
			return TIDE_EINVAL;
		}
		o->nsel = i + 1;
		sel_name(o, &o->sel[i]);
		if (i)
			tide_buf_addc(&o->missfrag, ',');
		tide_json_write_str(&o->missfrag, o->nb.data, o->nb.len);
		tide_buf_addc(&o->missfrag, ':');
		for (k = js->ndef - 1; k >= 0; k--)
			if (strcmp(js->defname[k], tide_buf_cstr(&o->nb) +
			    (js->prefix ? strlen(js->prefix) : 0)) == 0)
				break;
		tide_buf_adds(&o->missfrag, k >= 0 ? js->defval[k] : "null");
	}
	for (k = 0; k < js->ndef; k++) {
		for (i = 0; i < nsel; i++)
			if (strcmp(js->defname[k], o->sel[i].seg[o->sel[i].nseg -
			    1].name) == 0)
				break;
		if (i == nsel) {
			snprintf(err->msg, sizeof(err->msg), "--default: '%s' "
			    "is not a --select field", js->defname[k]);
			return TIDE_EINVAL;
		}
	}
	return 0;
}

void
tide_ijout_release(struct tide_ijout *o)
{
	int i;

	for (i = 0; i < o->nsel; i++)
		tide_path_release(&o->sel[i]);
	tide_buf_release(&o->ob);
	tide_buf_release(&o->nb);
	tide_buf_release(&o->frag);
	tide_buf_release(&o->names);
	tide_buf_release(&o->missfrag);
	memset(o, 0, sizeof(*o));
}

/* The right record's fields to append: (name, value) into o->frag as
 * "name":value pairs separated by commas; names unescaped in o->names,
 * each ended by a NUL. */
static void
ij_fields(struct tide_ijout *o, const struct tide_ijoin_rec *r)
{
	const struct tide_joinspec *js = o->js;
	struct tide_buf *nb = &o->frag, *names = &o->names;
	struct tide_json_val obj, name, val;
	const char *line = tide_ijoin_rec_line(r);
	size_t pos = 0, len = r->len;
	int i, k, skip;

	tide_buf_reset(nb);
	tide_buf_reset(names);
	if (o->nsel) {
		for (i = 0; i < o->nsel; i++) {
			const struct tide_path *p = &o->sel[i];

			tide_json_get(line, len, p, &val);
			if (nb->len)
				tide_buf_addc(nb, ',');
			sel_name(o, p);
			tide_json_write_str(nb, o->nb.data, o->nb.len);
			tide_buf_addc(nb, ':');
			if (val.type == TIDE_JSON_NONE)
				tide_buf_add(nb, "null", 4);
			else
				tide_buf_add(nb, val.p, val.len);
			tide_buf_add(names, o->nb.data, o->nb.len);
			tide_buf_addc(names, '\0');
		}
		return;
	}
	tide_join_obj_of(&obj, line, len);
	while (tide_json_obj_next(&obj, &pos, &name, &val)) {
		for (skip = 0, k = 0; k < js->nkeys && !skip; k++)
			skip = tide_json_str_eq(&name, js->tkey[k],
			    strlen(js->tkey[k]));
		if (skip)
			continue;
		tide_buf_reset(&o->nb);
		if (js->prefix)
			tide_buf_adds(&o->nb, js->prefix);
		if (tide_json_str(&name, &o->nb) < 0)
			continue;
		if (nb->len)
			tide_buf_addc(nb, ',');
		tide_json_write_str(nb, o->nb.data, o->nb.len);
		tide_buf_addc(nb, ':');
		tide_buf_add(nb, val.p, val.len);
		tide_buf_add(names, o->nb.data, o->nb.len);
		tide_buf_addc(names, '\0');
	}
}

/* Write the record p[0..n) as it is joined, if --having keeps it: 0,
 * the bad() hook's status (its regex at the match limit: the record
 * being added is the bad one, as for a collision), or TIDE_EIO. */
static int
ij_out(struct tide_ijout *o, const char *p, size_t n)
{
	const struct tide_ijside *s = o->cur;
	char why[512];
	int r;

	if ((r = tide_joinplan_having(o->js, p, n, why, sizeof(why))) != 1)
		return r == 0 ? 0 : o->bad(o->badctx, s->path, s->lineno,
		    s->line, s->len, why);
	o->st->out++;
	return tide_wout_rec(o->out, p, n) < 0 ? TIDE_EIO : 0;
}

/* Write left record line[0..len) with o->frag appended (names in
 * o->names). */
static int
ij_write(struct tide_ijout *o, const char *line, size_t len)
{
	const char *frag = o->frag.data, *names = o->names.data;
	size_t flen = o->frag.len, nlen = o->names.len;
	struct tide_json_val obj, name, val;
	struct tide_namelist nl = { names, nlen };
	struct tide_jobj jo;
	struct tide_buf *ob = &o->ob;
	char why[512];
	size_t pos = 0, q;
	int collide = 0;

	tide_join_obj_of(&obj, line, len);
	while (nlen && !collide && tide_json_obj_next(&obj, &pos, &name, &val))
		collide = tide_namelist_drop(&nl, &name);
	if (collide && !o->js->overwrite) {
		const struct tide_ijside *s = o->cur;

		for (q = 0; q < nlen; q += strlen(names + q) + 1) {
			struct tide_json_val v2;
			struct tide_path p;

			tide_path_name(&p, names + q);
			tide_json_get(line, len, &p, &v2);
			tide_path_release(&p);
			if (v2.type != TIDE_JSON_NONE)
				break;
		}
		snprintf(why, sizeof(why), "field '%s' is also a field of the "
		    "other stream (--overwrite replaces it)", names + q);
		return o->bad(o->badctx, s->path, s->lineno, s->line, s->len,
		    why);
	}
	tide_buf_reset(ob);
	if (collide)
		tide_join_copy_members(&jo, ob, line, len, tide_namelist_drop,
		    &nl);
	else if (tide_jobj_append(&jo, ob, line, len) < 0)
		goto toobig;
	if (flen) {
		if (!jo.empty)
			tide_buf_addc(ob, ',');
		jo.empty = 0;
		tide_buf_add(ob, frag, flen);
	}
	if (tide_jobj_end(&jo) < 0)
		goto toobig;
	return ij_out(o, ob->data, ob->len);
toobig:
	snprintf(why, sizeof(why), "joined record longer than %zu bytes",
	    ob->max);
	return o->bad(o->badctx, o->cur->path, o->cur->lineno, "", 0, why);
}

int
tide_ijout_match(void *ctx, const struct tide_ijoin_rec *l,
    const struct tide_ijoin_rec *r)
{
	struct tide_ijout *o = ctx;
	const struct tide_joinspec *js = o->js;

	o->pairs++;
	o->st->matched++;
	if (js->kind == TIDE_JOIN_ANTI)
		return 0;
	ij_fields(o, r);
	if (js->missfield) {
		if (o->frag.len)
			tide_buf_addc(&o->frag, ',');
		tide_json_write_str(&o->frag, js->missfield,
		    strlen(js->missfield));
		tide_buf_adds(&o->frag, ":null");
		tide_buf_adds(&o->names, js->missfield);
		tide_buf_addc(&o->names, '\0');
	}
	return ij_write(o, tide_ijoin_rec_line(l), l->len);
}

/* A left record without a match, written once its interval has closed. */
static int
ij_miss(struct tide_ijout *o, const char *line, size_t len,
    const char *reason)
{
	const struct tide_joinspec *js = o->js;
	int i;

	o->unmatched++;
	o->st->missed++;
	if (js->kind == TIDE_JOIN_INNER)
		return 0;
	if (js->kind == TIDE_JOIN_ANTI)
		return ij_out(o, line, len);
	tide_buf_reset(&o->frag);
	tide_buf_reset(&o->names);
	tide_buf_add(&o->frag, o->missfrag.data, o->missfrag.len);
	for (i = 0; i < o->nsel; i++) {
		const struct tide_path *p = &o->sel[i];

		if (js->prefix)
			tide_buf_adds(&o->names, js->prefix);
		tide_buf_add(&o->names, p->seg[p->nseg - 1].name,
		    p->seg[p->nseg - 1].len);
		tide_buf_addc(&o->names, '\0');
	}
	if (js->missfield) {
		if (o->frag.len)
			tide_buf_addc(&o->frag, ',');
		tide_json_write_str(&o->frag, js->missfield,
		    strlen(js->missfield));
		tide_buf_addc(&o->frag, ':');
		tide_buf_addc(&o->frag, '"');
		tide_buf_adds(&o->frag, reason);
		tide_buf_addc(&o->frag, '"');
		tide_buf_adds(&o->names, js->missfield);
		tide_buf_addc(&o->names, '\0');
	}
	return ij_write(o, line, len);
}

int
tide_ijout_expire(void *ctx, const struct tide_ijoin_rec *r)
{
	if (r->side != TIDE_IJOIN_LEFT || r->matched)
		return 0;
	return ij_miss(ctx, tide_ijoin_rec_line(r), r->len, "no_match");
}

int
tide_ijout_late(struct tide_ijout *o, struct tide_ijside *s, int64_t wm)
{
	s->have = 0;
	o->cur = s;
	if (s->ts >= wm)
		return 0;
	o->late_n++;
	return 1;
}

int
tide_ijout_take(struct tide_ijout *o, struct tide_ijoin *ij,
    struct tide_ijside *s)
{
	s->have = 0;
	o->cur = s;
	if (s->ts > s->maxts)
		s->maxts = s->ts;
	if (s->nokey)
		return ij_miss(o, s->line, s->len, "no_key");
	return tide_ijoin_add(ij, s->side, s->key.data, s->key.len, s->ts,
	    s->line, s->len, tide_ijout_match, o);
}

void
tide_ijdrive_init(struct tide_ijdrive *d, struct tide_ijout *o,
    struct tide_ijoin *ij, struct tide_ijside *l, struct tide_ijside *r)
{
	memset(d, 0, sizeof(*d));
	d->o = o;
	d->ij = ij;
	d->l = l;
	d->r = r;
	d->wm = INT64_MIN;
	d->wait_ms = -1;
}

int
tide_ijdrive_next(struct tide_ijdrive *d, struct tide_ijside *s,
    int timeout_ms)
{
	struct tide_ijsrc_err err;
	int r;

	for (;;) {
		if (*d->stop)
			return 0;
		r = tide_ijside_next(s, timeout_ms, &err);
		if (r == 1 || r == TIDE_IJSIDE_BAD || r == TIDE_IJSIDE_FILTERED)
			d->o->st->in++;
		if (r == 1 || r == 0)
			return r;
		if (r == TIDE_IJSIDE_FILTERED)
			continue;
		if (r == TIDE_IJSIDE_BAD) {
			if ((r = d->o->bad(d->o->badctx, s->path, s->lineno,
			    s->line, s->len, err.msg)) != 0)
				return tide_ijdrive_stop(d, r);
			continue;
		}
		/* A signal: the caller's round() looks at it. */
		if ((r == TIDE_EAGAIN && timeout_ms >= 0) || r == TIDE_EINTR)
			return TIDE_IJDRIVE_NONE;
		if (r == TIDE_EAGAIN)
			continue;
		d->fail(d->ctx, err.msg);
		return tide_ijdrive_stop(d, r);
	}
}

int
tide_ijdrive_take(struct tide_ijdrive *d)
{
	struct tide_ijside *l = d->l, *r = d->r;
	struct tide_ijside *s = l->have && (!r->have || l->ts <= r->ts) ? l : r;
	int st;

	if (tide_ijout_late(d->o, s, d->wm))
		st = d->late(d->ctx, s, d->wm);
	else
		st = tide_ijout_take(d->o, d->ij, s);
	return st != 0 ? tide_ijdrive_stop(d, st) : 0;
}

int
tide_ijdrive_advance(struct tide_ijdrive *d, int64_t wm)
{
	int st;

	if (wm <= d->wm)
		return 0;
	d->wm = wm;
	if ((st = tide_ijoin_advance(d->ij, wm, tide_ijout_expire, d->o)) != 0)
		return tide_ijdrive_stop(d, st);
	return 0;
}

int
tide_ijdrive_files(struct tide_ijdrive *d)
{
	struct tide_ijside *l = d->l, *r = d->r;
	int st, adv;

	l->out = d->o->out;
	while (!*d->stop) {
		if ((!l->have && !l->eof && (st = tide_ijdrive_next(d, l,
		    d->wait_ms)) != 1 && st != 0) || (!r->have && !r->eof &&
		    (st = tide_ijdrive_next(d, r, d->wait_ms)) != 1 && st != 0)) {
			if (st < 0)
				return d->status;
			/* A signal, or wait_ms passed: round() decides. */
			if ((st = d->round(d->ctx)) != 0)
				return st;
			continue;
		}
		if (!l->have && !r->have)
			break;
		if (tide_ijdrive_take(d) < 0)
			return d->status;
		adv = tide_ijdrive_advance(d, tide_ijside_watermark(l, r,
		    d->delay));
		st = d->round(d->ctx);
		if (adv < 0)
			return d->status;
		if (st != 0)
			return st;
	}
	return 0;
}

int
tide_ijrun_init(struct tide_ijrun *run, const struct tide_joinconf *c,
    char **operands, int noperands, struct tide_wout *out,
    struct tide_joinstats *st, tide_ijout_bad_fn bad, void *badctx,
    struct tide_ijsrc_err *err)
{
	static char *stdin_path[] = { "-" };
	int r;

	memset(run, 0, sizeof(*run));
	tide_ijoin_init(&run->ij, c->within);
	if ((r = tide_ijout_init(&run->o, &c->js, c->nsel, c->sel, out,
	    c->maxrec, st, bad, badctx, err)) < 0)
		return r;
	if (c->latefile && (run->late = fopen(c->latefile, "a")) == NULL) {
		snprintf(err->msg, sizeof(err->msg), "cannot open '%s': %s",
		    c->latefile, strerror(errno));
		return TIDE_EIO;
	}
	if (noperands == 0) {
		operands = stdin_path;
		noperands = 1;
	}
	if ((r = tide_ijside_init(&run->l, &c->js, c->timefield, c->maxrec,
	    TIDE_IJOIN_LEFT, operands, noperands, err)) < 0 ||
	    (r = tide_ijside_init(&run->r, &c->js, c->timefield, c->maxrec,
	    TIDE_IJOIN_RIGHT, (char **)&c->with, 1, err)) < 0)
		return r;
	tide_ijdrive_init(&run->d, &run->o, &run->ij, &run->l, &run->r);
	run->d.delay = c->delay;
	run->d.idle = c->idle;
	return 0;
}

int
tide_ijrun_late(struct tide_ijrun *run, const struct tide_ijside *s)
{
	if (run->late && (fwrite(s->line, 1, s->len, run->late) != s->len ||
	    putc('\n', run->late) == EOF))
		return TIDE_EIO;
	return 0;
}

int
tide_ijrun_close_late(struct tide_ijrun *run)
{
	int r = 0;

	if (run->late && fclose(run->late) != 0)
		r = TIDE_EIO;
	run->late = NULL;
	return r;
}

void
tide_ijrun_release(struct tide_ijrun *run)
{
	if (run->late)
		fclose(run->late);
	run->late = NULL;
	tide_ijoin_release(&run->ij);
	/* A side is released once its init has run. */
	if (run->l.js)
		tide_ijside_release(&run->l);
	if (run->r.js)
		tide_ijside_release(&run->r);
	tide_ijout_release(&run->o);
}
