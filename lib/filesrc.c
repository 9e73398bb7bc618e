/* A head's input files as one source of records: see filesrc.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "barrier.h"
#include "envelope.h"
#include "err.h"
#include "filesrc.h"

static void warn(const struct tide_filesrc *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(const struct tide_filesrc *f, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (f->on_warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->on_warn(f->ctx, msg);
}

void
tide_filesrc_init(struct tide_filesrc *f, char *const *names, size_t n,
    const char *format, size_t max)
{
	struct stat st;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->names = names;
	f->n = n;
	f->csv = format ? strcmp(format, "csv") == 0 : -1;
	f->max = max;
	f->from = INT64_MIN;
	f->to = INT64_MAX;
	/* Progress by bytes when every file has a size. */
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "-") == 0 || stat(names[i], &st) < 0 ||
		    !S_ISREG(st.st_mode)) {
			f->total = 0;
			break;
		}
		f->total += (uint64_t)st.st_size;
	}
}

uint64_t
tide_filesrc_pos(const struct tide_filesrc *f)
{
	return f->done + (f->cur ? tide_recin_bytes_in(f->cur) : 0);
}

static const char *
read_error(const struct tide_recin *in, int r)
{
	return r == TIDE_EFORMAT ? "corrupt zstd data" :
	    tide_recin_strerror(in, r);
}

/* One file: 0 at its end, else what tide_filesrc_read() returns. */
static int
read_one(struct tide_filesrc *f, const char *name, struct tide_recfile_cb *cb)
{
	struct tide_recfile_err err;
	struct tide_recin in;
	int r, rc = 0;

	if (strcmp(name, "-") == 0 && f->idle)
		f->idle(f->idlectx);
	if ((r = tide_recin_open(&in, name, TIDE_RECIN_SNIFF_STDIN,
	    f->max)) < 0) {
		warn(f, "%s: %s", name, read_error(&in, r));
		tide_recin_close(&in);
		return r == TIDE_EFORMAT ? TIDE_EFORMAT : TIDE_EIO;
	}
	tide_recin_set_idle(&in, f->idle, f->idlectx);
	f->cur = &in;
	f->curname = name;
	cb->ctx = f->timepath || f->where ? (void *)f : (void *)name;
	f->curcsv = f->csv < 0 ? tide_recin_is_csv(name) : f->csv;
	if (f->where && f->where->npath > 0 && !f->curcsv) {
		tide_recin_set_paths(&in, f->where->paths, f->where->npath);
		cb->vals = f->wvals;
	} else
		cb->vals = NULL;
	r = tide_recfile_read(&in, f->curcsv, f->max, cb, &err);
	if (err.readerr) {
		warn(f, "%s: %s", name, read_error(&in, err.code));
		rc = err.code == TIDE_EFORMAT ? TIDE_EFORMAT : TIDE_EIO;
	}
	if (r > 0 || r == TIDE_EINTR)
		rc = r;
	else if (r < 0 && !err.readerr) {
		warn(f, "%s: line %" PRIu64 ": %s", name, err.line, err.reason);
		rc = TIDE_EFORMAT;
	}
	f->done += tide_recin_bytes_in(&in);
	f->cur = NULL;
	tide_recin_close(&in);
	return rc;
}

/* Under a time range: a bad record goes on to the caller's callback. */
static int
ranged_bad(void *ctx, uint64_t lineno, const char *raw, size_t n,
    const char *why)
{
	struct tide_filesrc *f = ctx;

	return f->ubad((void *)f->curname, lineno, raw, n, why);
}

/* Under a time range: a record in it goes on, one outside is counted, one
 * without a time is bad. */
static int
ranged_rec(void *ctx, const char *p, size_t n)
{
	struct tide_filesrc *f = ctx;
	struct tide_json_val v;
	char why[400], wa[160];
	int64_t t;

	if (n == 0 || p[0] != '{' || !tide_json_get(p, n, f->timepath, &v)) {
		snprintf(why, sizeof(why), "no time field '%s'%s",
		    f->timepath->text, n > 0 && p[0] == '{' ?
		    tide_env_why_absent(p, n, f->timepath, wa, sizeof(wa)) :
		    ": not a JSON object");
		return f->ubad((void *)f->curname, f->curline, p, n, why);
	}
	if (tide_time_from_json(&v, f->unit, &t) < 0) {
		snprintf(why, sizeof(why), "field '%s' is not a time: %.*s",
		    f->timepath->text, (int)(v.len > 64 ? 64 : v.len), v.p);
		return f->ubad((void *)f->curname, f->curline, p, n, why);
	}
	if (t < f->from || t >= f->to) {
		f->outside++;
		return 0;
	}
	f->t = t;
	return f->urec((void *)f->curname, p, n);
}

/* Under a filter: a record it keeps goes on, one it drops is counted. */
static int
where_rec(void *ctx, const char *p, size_t n)
{
	struct tide_filesrc *f = ctx;
	char why[300];
	int r, k;

	if (tide_barrier_is(p, n))
		return f->next(f, p, n);
	if (f->curcsv && f->where->npath > 0 &&
	    tide_json_get_many(p, n, f->where->paths, f->where->npath,
	    f->wvals) < 0)
		for (k = 0; k < f->where->npath; k++)
			f->wvals[k].type = TIDE_JSON_NONE;
	r = tide_expr_eval(f->where, f->wvals, NULL);
	if (r == 1)
		return f->next(f, p, n);
	if (r == 0) {
		f->filtered++;
		return 0;
	}
	snprintf(why, sizeof(why), "--where: regex %s reached its match "
	    "limit", tide_expr_limit_regex(f->where));
	return f->ubad((void *)f->curname, f->curline, p, n, why);
}

/* Without a time range under a filter: the caller's callback. */
static int
plain_rec(void *ctx, const char *p, size_t n)
{
	struct tide_filesrc *f = ctx;

	return f->urec((void *)f->curname, p, n);
}

int
tide_filesrc_read(struct tide_filesrc *f,
    int (*rec)(void *ctx, const char *p, size_t n),
    int (*bad)(void *ctx, uint64_t lineno, const char *raw, size_t n,
    const char *why))
{
	struct tide_recfile_cb cb = { rec, bad, NULL, &f->curline, NULL };
	size_t i;
	int r;

	f->urec = rec;
	f->ubad = bad;
	if (f->timepath || f->where)
		cb.bad = ranged_bad;
	if (f->timepath)
		cb.rec = ranged_rec;
	if (f->where) {
		f->next = f->timepath ? ranged_rec : plain_rec;
		cb.rec = where_rec;
	}

	for (i = 0; i < f->n; i++)
		if ((r = read_one(f, f->names[i], &cb)) != 0)
			return r;
	return 0;
}
