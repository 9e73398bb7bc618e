/*
 * A stream joined with a table: see tjoin.h.
 */
#include <stdio.h>
#include <string.h>

#include "barrier.h"
#include "err.h"
#include "tjoin.h"

int
tide_tjoin_open(struct tide_tjoin *j, const char *path, int lag)
{
	int r;

	j->path = path;
	j->last = 1;
	j->status = 0;
	j->msg[0] = '\0';
	tide_readahead_init(&j->ra, j->pl->js->nkeys, j->maxrec,
	    j->lookup == NULL, lag);
	tide_buf_init(&j->ob, j->maxrec + (1u << 20));
	/* Files may be zstd-compressed; stdin is read as it is, so the idle
	 * hook sees it block. */
	if ((r = tide_recin_open(&j->in, path, 0, j->maxrec)) < 0) {
		snprintf(j->msg, sizeof(j->msg), "cannot open '%s': %s", path,
		    tide_recin_strerror(&j->in, r));
		return r;
	}
	if (strcmp(path, "-") == 0) {
		if (j->idle)
			tide_recin_set_idle(&j->in, j->idle, j->idlectx);
		else
			tide_recin_set_idle(&j->in, tide_wout_idle, j->out);
	}
	return 0;
}

void
tide_tjoin_close(struct tide_tjoin *j)
{
	tide_readahead_release(&j->ra);
	tide_buf_release(&j->ob);
	tide_recin_close(&j->in);
}

/* Join rec, whose plan paths are looked up in v: 0, -1 when it is bad
 * (why), or a status to stop with (TIDE_EIO: the writer failed). */
static int
join_one(struct tide_tjoin *j, const struct tide_rarec *rec,
    const struct tide_json_val *v, char *why, size_t whylen)
{
	struct tide_joinplan *pl = j->pl;
	struct tide_table_row row = { NULL, NULL, 0 };
	enum tide_table_miss m = TIDE_TABLE_NO_MATCH;
	int64_t ts;
	int r, nokey, learnt = 0;

	if ((r = tide_joinplan_where(pl->js, v, why, whylen)) != 1)
		return r == 0 ? 0 : -1;
	if (tide_joinplan_check(pl, rec->kr, v, &ts, &nokey, why, whylen) < 0)
		return -1;
	if (nokey)
		;
	else if (j->lookup == NULL)
		m = tide_table_get_h(j->table, rec->kb.data, rec->kb.len, rec->h,
		    ts, j->dir, j->tol, &row);
	else {
		if ((r = j->lookup(j->ctx, v, ts, &row, &m, &learnt, why,
		    whylen)) != 0)
			return r;
		if (learnt) {
			/* The plan has new output names to look for. */
			tide_json_get_many(rec->line, rec->len, pl->paths,
			    pl->npath, pl->vals);
			v = pl->vals;
		}
	}
	r = tide_joinplan_emit(pl, j->out, &j->ob, rec->line, rec->len, v, m,
	    &row, nokey, j->st, why, whylen);
	return r == TIDE_EINVAL ? -1 : r;
}

/* Join the oldest record read: 0, or 1 to stop (j->status). */
static int
join_next(struct tide_tjoin *j)
{
	struct tide_rarec *rec = tide_readahead_take(&j->ra);
	const struct tide_json_val *v = rec->vals;
	struct tide_joinplan *pl = j->pl;
	char why[512];
	int r;

	j->st->in++;
	if (rec->err) {
		struct tide_rec rr = { .err = rec->err, .jerr = rec->jerr };

		tide_rec_reason(&rr, j->maxrec, why, sizeof(why));
		goto badrec;
	}
	if (j->lock) {
		/* New table columns: new names to look for. */
		if (j->lock(j->ctx)) {
			tide_json_get_many(rec->line, rec->len, pl->paths,
			    pl->npath, pl->vals);
			v = pl->vals;
		}
		r = join_one(j, rec, v, why, sizeof(why));
		j->unlock(j->ctx);
	} else
		r = join_one(j, rec, v, why, sizeof(why));
	if (r == -1)
		goto badrec;
	if (r == 0)
		return 0;
	j->status = r;
	return 1;
badrec:
	if ((r = j->bad(j->badctx, j->path, rec->lineno, rec->line, rec->len,
	    why)) == 0)
		return 0;
	j->status = r;
	return 1;
}

int
tide_tjoin_drain(struct tide_tjoin *j)
{
	while (tide_readahead_count(&j->ra) > 0)
		if (join_next(j) != 0)
			return 1;
	return 0;
}

int
tide_tjoin_next(struct tide_tjoin *j, int timeout_ms)
{
	struct tide_rec rr;
	int r;

	/* The records in the ring point into the reader's buffer: join them
	 * before a read may move it, or block. */
	if (tide_readahead_count(&j->ra) > 0 && (j->last != 1 ||
	    !tide_recin_buffered(&j->in)) && tide_tjoin_drain(j) != 0)
		return 1;
	/* The plan's paths are looked up as the record is read, into its
	 * ring slot. */
	tide_recin_set_paths(&j->in, j->pl->paths, j->pl->npath);
	r = tide_recin_next(&j->in, &rr, tide_readahead_vals(&j->ra,
	    j->pl->npath), timeout_ms);
	if (r == TIDE_EOF || r == TIDE_EINTR || r == TIDE_EAGAIN)
		return r;
	if (r == TIDE_EFORMAT) {
		snprintf(j->msg, sizeof(j->msg), "%s: not a valid zstd file",
		    j->path);
		return r;
	}
	if (r == TIDE_EIO && !j->out->err) {
		snprintf(j->msg, sizeof(j->msg), "%s: read error: %s", j->path,
		    tide_recin_strerror(&j->in, r));
		return r;
	}
	if (r != 1) {
		/* The idle hook flushes out before a read would block, so
		 * out's failure (TIDE_EPIPE: its reader went away) comes back
		 * from the read, as does any other code of the caller's hook.
		 * Nothing was read (rr holds nothing): stop, as a failed
		 * join's write does. */
		snprintf(j->msg, sizeof(j->msg), "write error: %s",
		    tide_strerror(r));
		j->status = TIDE_EIO;
		return 1;
	}
	/* A barrier is not a record: out in order, after those before it
	 * (they point into the buffer it is in; joining reads nothing). */
	if (__builtin_expect(tide_barrier_is(rr.p, rr.len), 0)) {
		if (tide_tjoin_drain(j) != 0)
			return 1;
		j->bar = rr.p;
		j->barlen = rr.len;
		j->barlineno = rr.lineno;
		j->last = r;
		return TIDE_TJOIN_BARRIER;
	}
	/* An oversized line moved the reader's buffer. */
	j->last = rr.err == TIDE_REC_TOOBIG ? TIDE_ETOOBIG : r;
	tide_readahead_add(&j->ra, &rr, j->table);
	if (tide_readahead_due(&j->ra) && join_next(j) != 0)
		return 1;
	return 0;
}
