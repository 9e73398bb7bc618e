#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "time.h"
#include "view/vsink.h"
#include "xalloc.h"

/* The store failed: a local file is an I/O error, a server one that is
 * unavailable. */
static int
vfail(struct tide_vsink *v, const struct tide_view_err *verr,
    struct tide_sinkbe_err *err)
{
	tide_sinkbe_errf(err, "%s: %s", v->vpath, verr->msg);
	err->remote = tide_view_remote(&v->view);
	return TIDE_EIO;
}

static int
vs_put(struct tide_sinkbe *be, uint64_t lineno, const char *line, size_t len,
    enum tide_json_type type, struct tide_sinkbe_err *err)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_view_err verr;
	int64_t now = tide_mono_us() / 1000;
	int r;

	(void)lineno;
	if (type != TIDE_JSON_OBJECT) {
		tide_sinkbe_errf(err, "not a JSON object");
		return TIDE_EINVAL;
	}
	r = tide_view_put(&v->view, line, len, now, &verr);
	if (r == 0)
		r = tide_view_tick(&v->view, now, &verr);
	if (r == TIDE_ENOENT || r == TIDE_ETYPE || r == TIDE_ETOOBIG) {
		tide_sinkbe_errf(err, "%s", verr.msg);
		return TIDE_EINVAL;
	}
	if (r < 0)
		return vfail(v, &verr, err);
	be->out++;
	return 0;
}

static int
vs_idle(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_view_err verr;

	err->msg[0] = '\0';
	err->remote = 0;
	if (tide_view_commit(&v->view, &verr) < 0) {
		tide_sinkbe_errf(err, "%s: %s", v->vopt, verr.msg);
		if (tide_view_remote(&v->view)) {
			err->remote = 1;
			return TIDE_EPIPE;
		}
		return TIDE_EIO;
	}
	return 0;
}

static int
vs_quiet(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_view_err verr;

	if (tide_view_tick(&v->view, tide_mono_us() / 1000, &verr) < 0)
		return vfail(v, &verr, err);
	return 0;
}

/* A barrier: the batch committed now (SQLite: the transaction; Redis:
 * every reply read). */
static int
vs_sync(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_view_err verr;

	err->msg[0] = '\0';
	err->remote = 0;
	if (tide_view_commit(&v->view, &verr) < 0)
		return vfail(v, &verr, err);
	return 0;
}

static unsigned
vs_finish(struct tide_sinkbe *be, int failed, struct tide_sinkbe_err *err)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_view_err verr;

	/* Commit what was read, also after a bad record under --strict: it
	 * was good input up to there. */
	err->msg[0] = '\0';
	err->remote = 0;
	if (!failed && tide_view_commit(&v->view, &verr) < 0) {
		vfail(v, &verr, err);
		tide_sinkbe_say(be, 0, "%s", err->msg);
		return TIDE_SINKBE_WRITE_FAILED;
	}
	return 0;
}

static void
vs_stats(struct tide_sinkbe *be, struct tide_buf *b)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_view_stats st;

	tide_view_stats(&v->view, &st);
	tide_buf_addf(b, "upserts %llu, commits %llu, expired %llu, merged %llu",
	    (unsigned long long)st.upserts, (unsigned long long)st.commits,
	    (unsigned long long)st.expired, (unsigned long long)st.merged);
}

static void
vs_close(struct tide_sinkbe *be)
{
	struct tide_vsink *v = (struct tide_vsink *)be;

	tide_view_close(&v->view);
	free(v->vopt);
	v->vopt = NULL;
}

/* ---- Exactly once: SQLite's offsets table ---------------------------- */

/* The SQLite view under the view interface (the only store with offsets:
 * Redis has no transaction that reads back). */
static struct tide_sqlview *
sqlview_of(struct tide_vsink *v)
{
	return &v->view.u.sql;
}

static const char *
vs_where(struct tide_sinkbe *be)
{
	(void)be;
	return "table " TIDE_SQLVIEW_OFFSETS;
}

static int
vs_recorded(struct tide_sinkbe *be, struct tide_barrier_offs *o,
    struct tide_sinkbe_err *err)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_sqlview_err verr;
	int r;

	if ((r = tide_sqlview_offsets(sqlview_of(v), o, &verr)) < 0)
		tide_sinkbe_errf(err, "%s: %s", v->vopt, verr.msg);
	return r;
}

static int
vs_record(struct tide_sinkbe *be, const struct tide_barrier_offs *o,
    struct tide_sinkbe_err *err)
{
	struct tide_vsink *v = (struct tide_vsink *)be;
	struct tide_sqlview_err verr;
	int r;

	err->msg[0] = '\0';
	err->remote = 0;
	if ((r = tide_sqlview_commit_offs(sqlview_of(v), o, &verr)) < 0) {
		tide_sinkbe_errf(err, "%s: %s", v->vpath, verr.msg);
		return r == TIDE_EIO ? r : TIDE_EIO;
	}
	return 0;
}

static const struct tide_sinkbe_once vsink_once = {
	vs_where, vs_recorded, vs_record, NULL,
};

static const struct tide_sinkbe_ops vsink_ops = {
	"view", vs_put, vs_idle, vs_quiet, vs_sync, vs_finish, vs_stats,
	vs_close,
};

int
tide_vsink_open(struct tide_vsink *v, const struct tide_view_conf *conf,
    const char *opt, tide_sinkbe_say_fn say, void *ctx,
    struct tide_sinkbe_err *err)
{
	struct tide_view_err verr;
	int r;

	memset(v, 0, sizeof(*v));
	v->be.ops = &vsink_ops;
	v->be.say = say;
	v->be.ctx = ctx;
	if (conf->kind == TIDE_VIEW_SQLITE) {
		v->be.once = &vsink_once;
		v->vpath = conf->target;
		v->vopt = tide_xmalloc(strlen(opt) + strlen(conf->target) + 4);
		sprintf(v->vopt, "%s '%s'", opt, conf->target);
	} else {
		v->vpath = opt;
		v->vopt = tide_xstrdup(opt);
	}
	v->be.timeout = conf->batch_ms > 0 ?
	    (int)(conf->batch_ms < 1000 ? conf->batch_ms : 1000) : -1;
	if ((r = tide_view_open(&v->view, conf, &verr)) < 0) {
		tide_sinkbe_errf(err, "%s: %s", v->vopt, verr.msg);
		err->remote = tide_view_remote(&v->view);
	}
	return r;
}
