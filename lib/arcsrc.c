/* lib/arcsrc: a replay's archive inputs as merge sources (arcsrc.h). */
#include <stdlib.h>
#include <string.h>

#include "arcsrc.h"
#include "err.h"
#include "sig.h"
#include "xalloc.h"

void
tide_arcsrc_init(struct tide_arcsrcs *as, const struct tide_arcin_conf *conf,
    struct tide_bad *bad)
{
	memset(as, 0, sizeof(*as));
	as->conf = conf;
	as->bad = bad;
}

void
tide_arcsrc_release(struct tide_arcsrcs *as)
{
	tide_arcsrc_close(as);
	free(as->v);
	as->v = NULL;
	as->n = 0;
}

static int
src_open(struct tide_arcsrcs *as, struct tide_arcsrc *f)
{
	int r;

	if ((r = tide_arcin_open(&f->a)) < 0) {
		as->err.path = f->a.path;
		as->err.line = 0;
		as->err.errnum = f->a.in.errnum;
	}
	return r;
}

/*
 * Read f's next good line into its head.  1 with a head, 0 at the end,
 * TIDE_ARCSRC_STOPPED on a signal, or an error.  Bad lines are reported
 * when f reports them (its first pass, or its only one), else skipped.
 */
static int
src_next(struct tide_arcsrcs *as, struct tide_arcsrc *f)
{
	int r;

	for (;;) {
		if (tide_sig_stops())
			return TIDE_ARCSRC_STOPPED;
		r = tide_arcin_next(&f->a);
		as->ngood += r == 1 && f->report;
		if (r == 0 || r == 1)
			return r;
		if (r == TIDE_EINTR)
			continue;
		as->err.path = f->a.path;
		if (r == TIDE_ARCIN_BAD) {
			if (!f->report)
				continue;
			if (as->on_report)
				as->on_report(as->ctx);
			if ((r = tide_bad_record(as->bad, f->a.path,
			    tide_arcin_lineno(&f->a), f->a.bad, f->a.badlen,
			    "%s", f->a.why)) != 0) {
				as->err.bad = r;
				return TIDE_ARCSRC_BADSTOP;
			}
			continue;
		}
		as->err.line = tide_arcin_lineno(&f->a) + 1;
		as->err.errnum = f->a.in.errnum;
		return r;
	}
}

static struct tide_arcsrc *
add_src(struct tide_arcsrcs *as, const char *path, int idx)
{
	struct tide_arcsrc *f;

	as->v = tide_xreallocarray(as->v, as->n + 1, sizeof(*as->v));
	f = &as->v[as->n++];
	memset(f, 0, sizeof(*f));
	tide_arcin_init(&f->a, as->conf, path, idx);
	return f;
}

int
tide_arcsrc_scan(struct tide_arcsrcs *as, const char *path, int idx,
    struct tide_buf *dry)
{
	struct tide_arcscan sc;
	struct tide_arcsrc f, *n;
	size_t i;
	int r;

	memset(&f, 0, sizeof(f));
	tide_arcin_init(&f.a, as->conf, path, idx);
	f.report = 1;
	if ((r = src_open(as, &f)) < 0)
		return r;
	tide_arcscan_init(&sc);
	while ((r = src_next(as, &f)) > 0) {
		tide_arcscan_add(&sc, &f.a.key);
		if (as->total == 0 || f.a.key.ts < as->first_ts)
			as->first_ts = f.a.key.ts;
		if (as->total == 0 || f.a.key.ts > as->last_ts)
			as->last_ts = f.a.key.ts;
		as->total++;
	}
	tide_arcin_close(&f.a);
	if (r < 0) {
		tide_arcscan_release(&sc);
		return r;
	}
	for (i = 0; i < sc.n; i++) {
		if (dry)
			tide_arcscan_json(&sc.v[i], path,
			    as->conf->timefield == NULL, dry);
		if (sc.sorted && i > 0)
			continue;
		n = add_src(as, path, idx);
		n->a.all = sc.sorted;
		n->a.partition = sc.v[i].partition;
	}
	r = sc.sorted != 0;
	tide_arcscan_release(&sc);
	return r;
}

void
tide_arcsrc_add_once(struct tide_arcsrcs *as, const char *path, int idx)
{
	add_src(as, path, idx)->report = 1;
}

int
tide_arcsrc_open(struct tide_arcsrcs *as, struct tide_merge *m)
{
	size_t i;
	int r;

	for (i = 0; i < as->n; i++) {
		if ((r = src_open(as, &as->v[i])) < 0 ||
		    (r = src_next(as, &as->v[i])) < 0)
			return r;
		if (r)
			tide_merge_add(m, &as->v[i].a.key, &as->v[i]);
		else
			tide_arcin_close(&as->v[i].a);
	}
	return 0;
}

const struct tide_merge_key *
tide_arcsrc_key(const void *src)
{
	return &((const struct tide_arcsrc *)src)->a.key;
}

int
tide_arcsrc_advance(struct tide_arcsrcs *as, struct tide_arcsrc *f,
    struct tide_merge *m)
{
	struct tide_merge_key prev = f->a.key;
	int r, said = 0;

	if ((r = src_next(as, f)) < 0)
		return r;
	/* A one-pass input cannot be re-read per partition: its records
	 * go out in the order they come, which may not be merge order. */
	if (r && f->report && !f->unordered &&
	    tide_merge_cmp(&prev, &f->a.key) > 0)
		said = f->unordered = 1;
	if (r)
		tide_merge_advance(m, &f->a.key);
	else {
		tide_merge_drop(m);
		tide_arcin_close(&f->a);
	}
	return said ? TIDE_ARCSRC_UNORDERED : 0;
}

void
tide_arcsrc_close(struct tide_arcsrcs *as)
{
	size_t i;

	for (i = 0; i < as->n; i++)
		tide_arcin_close(&as->v[i].a);
}
