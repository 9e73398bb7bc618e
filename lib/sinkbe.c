#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "err.h"
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
		tide_sinkbe_errf(err, "field '%s' is not a time",
		    f->timepath->text);
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
		be->out++;
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
}

static const struct tide_sinkbe_ops file_ops = {
	"file", file_put, file_idle, file_quiet, file_sync, file_finish,
	file_stats, file_close,
};

int
tide_sinkbe_file_open(struct tide_sinkbe_file *f, const char *pattern,
    const struct tide_fileout_opts *o, const struct tide_path *timepath,
    enum tide_time_unit unit, tide_sinkbe_say_fn say, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->be.ops = &file_ops;
	f->be.timeout = -1;
	f->be.counts_out = 1;
	f->be.say = say;
	f->be.ctx = ctx;
	f->timepath = timepath;
	f->unit = unit;
	return tide_fileout_open(&f->fo, pattern, o);
}
