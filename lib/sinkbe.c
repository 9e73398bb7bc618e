#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "err.h"
#include "sidecar.h"
#include "sinkbe.h"

void
tide_sinkbe_say(struct tide_sinkbe *be, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (be->say)
		be->say(be->ctx, level, msg);
}

void
tide_sinkbe_errf(struct tide_sinkbe_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->remote = 0;
}

/* --- Files -------------------------------------------------------------- */

/* The event time of a record, for --time: 0 with *t, or TIDE_EINVAL.
 * Cold: kept out of put(), which runs per record. */
static int __attribute__((noinline))
file_time(struct tide_sinkbe_file *f, const char *line, size_t len,
    enum tide_json_type type, int64_t *t, struct tide_sinkbe_err *err)
{
	struct tide_json_val v;
	char wa[160];

	if (type != TIDE_JSON_OBJECT)
		tide_sinkbe_errf(err, "not a JSON object");
	else if (!tide_json_get(line, len, f->timepath, &v))
		tide_sinkbe_errf(err, "no time field '%s'%s", f->timepath->text,
		    tide_env_why_absent(line, len, f->timepath, wa,
		    sizeof(wa)));
	else if (tide_time_from_json(&v, f->unit, t) < 0)
		tide_sinkbe_errf(err, "field '%s' is not a time: %.*s",
		    f->timepath->text, v.len > 64 ? 64 : (int)v.len, v.p);
	else
		return 0;
	return TIDE_EINVAL;
}

static void
file_errf(struct tide_sinkbe_file *f, struct tide_sinkbe_err *err)
{
	tide_sinkbe_errf(err, "write '%s': %s", tide_fileout_errpath(&f->fo),
	    strerror(f->fo.errnum));
}

static int
file_put(struct tide_sinkbe *be, uint64_t lineno, const char *line,
    size_t len, enum tide_json_type type, struct tide_sinkbe_err *err)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;
	int64_t t;
	int r;

	(void)lineno;
	if (f->timepath == NULL)
		t = tide_now_ms();
	else if ((r = file_time(f, line, len, type, &t, err)) < 0)
		return r;
	r = tide_fileout_write(&f->fo, t, line, len);
	if (r >= 0) {
		be->out = f->fo.records;
		be->bytes = f->fo.bytes;
		return 0;
	}
	if (r == TIDE_ETYPE) {
		tide_sinkbe_errf(err, "not a JSON object (needed for csv)");
		return TIDE_EINVAL;
	}
	if (r == TIDE_EPIPE)
		return r;
	file_errf(f, err);
	return TIDE_EIO;
}

static int
file_idle(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;
	int r = tide_fileout_idle(&f->fo);

	err->msg[0] = '\0';
	err->remote = 0;
	if (r == TIDE_EIO && f->fo.err)
		file_errf(f, err);
	return r;
}

static int
file_quiet(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	(void)be;
	(void)err;
	return 0;
}

static int
file_sync(struct tide_sinkbe *be, struct tide_sinkbe_err *err)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;
	int r = tide_fileout_sync(&f->fo);

	err->msg[0] = '\0';
	err->remote = 0;
	if (r == TIDE_EIO)
		file_errf(f, err);
	return r;
}

static unsigned
file_finish(struct tide_sinkbe *be, int failed, struct tide_sinkbe_err *err)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;
	unsigned end = 0;
	int r = tide_fileout_close(&f->fo);

	err->remote = 0;
	/* A segment that failed is gone: its records are not out. */
	be->out = f->fo.records;
	be->bytes = f->fo.bytes;
	if (r == TIDE_EPIPE)
		r = 0;
	if (r < 0) {
		/* A write error that stopped the run was reported then. */
		if (!failed)
			tide_sinkbe_say(be, 0, "write '%s': %s",
			    tide_fileout_errpath(&f->fo), strerror(f->fo.errnum));
		end |= TIDE_SINKBE_WRITE_FAILED;
	}
	if (f->fo.csv_extra)
		tide_sinkbe_say(be, 0, "%llu record%s had fields not in the csv "
		    "header (dropped)", (unsigned long long)f->fo.csv_extra,
		    f->fo.csv_extra == 1 ? "" : "s");
	return end;
}

static void
file_stats(struct tide_sinkbe *be, struct tide_buf *b)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;

	tide_buf_addf(b, "out %llu, bytes %llu, files %llu",
	    (unsigned long long)be->out, (unsigned long long)f->fo.bytes,
	    (unsigned long long)f->fo.files);
}

static void
file_close(struct tide_sinkbe *be)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;

	tide_fileout_release(&f->fo);
	tide_buf_release(&f->scpath);
	tide_buf_release(&f->scbuf);
}

/* ---- Exactly once: the offsets sidecar (lib/sidecar.h) ---------------- */

static const char *
file_where(struct tide_sinkbe *be)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;

	return tide_buf_cstr(&f->scpath);
}

static int
file_recorded(struct tide_sinkbe *be, struct tide_barrier_offs *o,
    struct tide_sinkbe_err *err)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;
	struct tide_sidecar sc;
	const char *why = NULL, *sp = tide_buf_cstr(&f->scpath);
	const char *name = tide_sidecar_base(f->fo.pattern);
	size_t i, len;
	int r;

	tide_barrier_offs_reset(o);
	tide_sidecar_init(&sc);
	r = tide_sidecar_read(sp, &sc, &why);
	if (r == TIDE_ENOENT) {
		/* A first run: the file is made anew, as ever. */
		tide_sidecar_release(&sc);
		return 0;
	}
	if (r == TIDE_EIO)
		tide_sinkbe_errf(err, "cannot read '%s': %s", sp,
		    strerror(errno));
	else if (r < 0)
		tide_sinkbe_errf(err, "'%s' is damaged (%s): the offsets of "
		    "'%s' are not known; remove both to start afresh", sp, why,
		    f->fo.pattern);
	else if (strcmp(tide_buf_cstr(&sc.segment), name) != 0) {
		tide_sinkbe_errf(err, "'%s' records the file '%s', not '%s'",
		    sp, tide_buf_cstr(&sc.segment), name);
		r = TIDE_EFORMAT;
	} else if ((r = tide_fileout_resume(&f->fo, sc.length)) == TIDE_ENOENT)
		tide_sinkbe_errf(err, "'%s' records %lld bytes of '%s', and "
		    "neither it nor '%s.part' is there: remove '%s' to start "
		    "afresh", sp, (long long)sc.length, f->fo.pattern,
		    f->fo.pattern, sp);
	else if (r == TIDE_EFORMAT)
		tide_sinkbe_errf(err, "'%s' holds fewer bytes than the %lld "
		    "its sidecar '%s' records: not the file the offsets were "
		    "recorded with", f->fo.part, (long long)sc.length, sp);
	else if (r < 0)
		file_errf(f, err);
	for (i = 0; r == 0 && i < sc.offs.n; i++) {
		const char *t = tide_barrier_offs_topic(&sc.offs, i, &len);

		r = tide_barrier_offs_set(o, t, len, sc.offs.v[i].partition,
		    sc.offs.v[i].next);
	}
	if (r == 0 && sc.length > 0)
		tide_sinkbe_say(be, 1, "'%s': going on after its first %lld "
		    "bytes, as '%s' records", f->fo.pattern,
		    (long long)sc.length, sp);
	tide_sidecar_release(&sc);
	return r;
}

static int
file_record(struct tide_sinkbe *be, const struct tide_barrier_offs *o,
    struct tide_sinkbe_err *err)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;
	const char *failed;
	int64_t length;
	int r;

	err->msg[0] = '\0';
	err->remote = 0;
	if ((r = tide_fileout_mark(&f->fo, &length)) < 0) {
		if (r == TIDE_EIO)
			file_errf(f, err);
		return r;
	}
	if ((r = tide_sidecar_write(tide_buf_cstr(&f->scpath),
	    tide_sidecar_base(f->fo.pattern), length, o, &f->scbuf,
	    &failed)) < 0) {
		tide_sinkbe_errf(err, "write '%s': %s", failed,
		    r == TIDE_EIO ? strerror(errno) : tide_strerror(r));
		return TIDE_EIO;
	}
	return 0;
}

static void
file_forget(struct tide_sinkbe *be)
{
	struct tide_sinkbe_file *f = (struct tide_sinkbe_file *)be;

	if (unlink(tide_buf_cstr(&f->scpath)) == 0)
		tide_sinkbe_say(be, 1, "'%s' removed: no tide source upstream, "
		    "so '%s' is made anew", tide_buf_cstr(&f->scpath),
		    f->fo.pattern);
}

static const struct tide_sinkbe_once file_once = {
	file_where, file_recorded, file_record, file_forget,
};

static const struct tide_sinkbe_ops file_ops = {
	"file", file_put, file_idle, file_quiet, file_sync, file_finish,
	file_stats, file_close,
};

int
tide_sinkbe_file_open(struct tide_sinkbe_file *f, const char *pattern,
    const struct tide_fileout_opts *o, const struct tide_path *timepath,
    enum tide_time_unit unit, tide_sinkbe_say_fn say, void *ctx)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->be.ops = &file_ops;
	f->be.timeout = -1;
	f->be.counts_out = 1;
	f->be.say = say;
	f->be.ctx = ctx;
	f->timepath = timepath;
	f->unit = unit;
	tide_buf_init(&f->scpath, TIDE_BUF_NOMAX);
	tide_buf_init(&f->scbuf, TIDE_BUF_NOMAX);
	if ((r = tide_fileout_open(&f->fo, pattern, o)) < 0)
		return r;
	if (tide_fileout_plain(&f->fo) &&
	    tide_sidecar_path(pattern, &f->scpath) == 0)
		f->be.once = &file_once;
	return 0;
}
