#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bad.h"
#include "base64.h"
#include "buf.h"
#include "err.h"
#include "json.h"
#include "prog.h"
#include "xalloc.h"

int
tide_bad_max_parse(struct tide_bad_max *m, const char *arg)
{
	char *end;
	double d;
	unsigned long long n;
	size_t len = strlen(arg);

	memset(m, 0, sizeof(*m));
	m->pct = -1;
	if (len > 1 && arg[len - 1] == '%') {
		errno = 0;
		d = strtod(arg, &end);
		if (end != arg + len - 1 || errno || !(d >= 0 && d <= 100) ||
		    arg[0] == ' ' || arg[0] == '+' || arg[0] == '-')
			return TIDE_EINVAL;
		m->pct = d;
	} else {
		if (len == 0 || arg[0] < '0' || arg[0] > '9')
			return TIDE_EINVAL;
		errno = 0;
		n = strtoull(arg, &end, 10);
		if (*end || errno)
			return TIDE_EINVAL;
		m->n = n;
	}
	m->given = 1;
	return 0;
}

int
tide_opt_max_bad(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	if (tide_bad_max_parse(opt->dest, arg) < 0) {
		snprintf(err->msg, sizeof(err->msg), "--max-bad: not a count "
		    "or a percentage (N or P%%): '%s'", arg);
		return TIDE_EINVAL;
	}
	return 0;
}

int
tide_bad_verdict(const struct tide_bad *bad, const struct tide_bad_max *m,
    uint64_t nread)
{
	unsigned long long nb = bad->count;

	if (nb == 0)
		return 0;
	if (nread < nb)
		nread = nb;
	if (m == NULL || !m->given) {
		if (nb < nread)
			return 0;
		tide_warn("no good records: %llu bad", nb);
		return TIDE_EINVAL;
	}
	if (m->pct < 0) {
		if (nb <= m->n)
			return 0;
		tide_warn("%llu bad record%s, over --max-bad %llu", nb,
		    nb == 1 ? "" : "s", (unsigned long long)m->n);
		return TIDE_EINVAL;
	}
	/* More than pct% of nread, compared without rounding the share. */
	if ((double)nb * 100.0 <= m->pct * (double)nread)
		return 0;
	tide_warn("%llu bad record%s of %llu read (%.4g%%), over --max-bad "
	    "%g%%", nb, nb == 1 ? "" : "s", (unsigned long long)nread,
	    (double)nb * 100.0 / (double)nread, m->pct);
	return TIDE_EINVAL;
}

int
tide_bad_init(struct tide_bad *bad, int strict, const char *deadpath)
{
	int fd, e;

	memset(bad, 0, sizeof(*bad));
	bad->strict = strict;
	if (deadpath) {
		if (strcmp(deadpath, "-") == 0)
			bad->dead = stderr;
		else {
			/* O_EXCL first, to know whether the file is ours to
			 * remove if it stays empty. */
			fd = open(deadpath, O_WRONLY | O_APPEND | O_CREAT |
			    O_EXCL | O_CLOEXEC, 0666);
			if (fd >= 0)
				bad->created = 1;
			else if (errno == EEXIST)
				fd = open(deadpath, O_WRONLY | O_APPEND |
				    O_CREAT | O_CLOEXEC, 0666);
			if (fd < 0)
				return TIDE_EIO;
			if ((bad->dead = fdopen(fd, "a")) == NULL) {
				e = errno;
				close(fd);
				if (bad->created)
					unlink(deadpath);
				errno = e;
				return TIDE_EIO;
			}
		}
		bad->deadpath = tide_xstrdup(deadpath);
	}
	return 0;
}

/*
 * The dead-letter line whose locating fields o already holds: the reason,
 * the raw bytes and the caller's extra members, then given to the hook
 * (tide-check's dead-letter topic) and written to the file.
 */
static int
dead_line(struct tide_bad *bad, struct tide_jobj *o, struct tide_buf *b,
    const char *reason, const char *raw, size_t n, const char *extra,
    size_t extralen)
{
	int r;

	tide_jobj_key(o, "error", 5);
	tide_json_write_str(b, reason, strlen(reason));
	if (tide_utf8_valid(raw, n)) {
		tide_jobj_key(o, "raw", 3);
		tide_json_write_str(b, raw, n);
	} else {
		tide_jobj_key(o, "raw_b64", 7);
		tide_buf_addc(b, '"');
		tide_b64_encode(b, raw, n);
		tide_buf_addc(b, '"');
	}
	if (extralen) {
		tide_buf_addc(b, ',');
		tide_buf_add(b, extra, extralen);
	}
	tide_jobj_end(o);
	if (bad->hook && (r = bad->hook(bad->hookctx, b->data, b->len)) < 0) {
		tide_buf_release(b);
		return r;
	}
	tide_buf_addc(b, '\n');
	errno = 0;
	if (bad->dead && fwrite(b->data, 1, b->len, bad->dead) != b->len) {
		if (bad->errnum == 0)
			bad->errnum = errno ? errno : EIO;
		tide_buf_release(b);
		return TIDE_EIO;
	}
	tide_buf_release(b);
	return 0;
}

/* Counted, and shown while fewer than TIDE_BAD_SHOWN were. */
static int
shown(struct tide_bad *bad)
{
	bad->count++;
	if (!bad->strict && bad->shown >= TIDE_BAD_SHOWN)
		return 0;
	return 1;
}

static void
shown_after(struct tide_bad *bad)
{
	if (++bad->shown == TIDE_BAD_SHOWN && !bad->strict)
		tide_warn("further bad records are counted, not shown");
}

static int
bad_record(struct tide_bad *bad, const char *source, uint64_t lineno,
    const char *raw, size_t n, const char *extra, size_t extralen,
    const char *reason)
{
	int r;

	if (shown(bad)) {
		if (strcmp(source, "-") == 0)
			tide_warn("line %llu: %s", (unsigned long long)lineno, reason);
		else
			tide_warn("%s: line %llu: %s", source,
			    (unsigned long long)lineno, reason);
		shown_after(bad);
	}
	if (bad->dead || bad->hook) {
		struct tide_buf b = TIDE_BUF_INIT;
		struct tide_jobj o;

		tide_jobj_begin(&o, &b);
		tide_jobj_key(&o, "source", 6);
		tide_json_write_str(&b, source, strlen(source));
		tide_jobj_key(&o, "line", 4);
		tide_json_write_int(&b, (int64_t)lineno);
		if ((r = dead_line(bad, &o, &b, reason, raw, n, extra,
		    extralen)) < 0)
			return r;
	}
	return bad->strict ? TIDE_EINVAL : 0;
}

int
tide_bad_record(struct tide_bad *bad, const char *source, uint64_t lineno,
    const char *raw, size_t n, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return bad_record(bad, source, lineno, raw, n, NULL, 0, reason);
}

int
tide_bad_record_with(struct tide_bad *bad, const char *source,
    uint64_t lineno, const char *raw, size_t n, const char *extra,
    size_t extralen, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return bad_record(bad, source, lineno, raw, n, extra, extralen, reason);
}

int
tide_bad_message(struct tide_bad *bad, const char *topic, int32_t partition,
    int64_t offset, const char *raw, size_t n, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (shown(bad)) {
		tide_warn("'%s' [%" PRId32 "] offset %" PRId64 ": %s", topic,
		    partition, offset, reason);
		shown_after(bad);
	}
	if (bad->dead || bad->hook) {
		struct tide_buf b = TIDE_BUF_INIT;
		struct tide_jobj o;

		tide_jobj_begin(&o, &b);
		tide_jobj_key(&o, "topic", 5);
		tide_json_write_str(&b, topic, strlen(topic));
		tide_jobj_key(&o, "partition", 9);
		tide_json_write_int(&b, partition);
		tide_jobj_key(&o, "offset", 6);
		tide_json_write_int(&b, offset);
		if ((r = dead_line(bad, &o, &b, reason, raw ? raw : "", n,
		    NULL, 0)) < 0)
			return r;
	}
	return bad->strict ? TIDE_EINVAL : 0;
}

int
tide_bad_flush(struct tide_bad *bad)
{
	if (bad->dead == NULL)
		return 0;
	errno = 0;
	if (fflush(bad->dead) != 0 || ferror(bad->dead)) {
		/* A stream's error stays set, and a later flush may fail
		 * with no errno: the first cause is the one to tell. */
		if (bad->errnum == 0)
			bad->errnum = errno ? errno : EIO;
		return TIDE_EIO;
	}
	return 0;
}

int
tide_bad_finish(struct tide_bad *bad)
{
	struct stat st;
	int r = 0, e = 0;

	/*
	 * Flush before the summary: a full disk shows only now, and the
	 * summary must not say the lines are kept in a file that refused them.
	 */
	if (tide_bad_flush(bad) != 0) {
		e = bad->errnum;
		r = TIDE_EIO;
	}
	if (bad->count && !bad->strict)
		tide_warn("%llu bad record%s skipped%s%s",
		    (unsigned long long)bad->count, bad->count == 1 ? "" : "s",
		    bad->deadpath && r == 0 ? ", kept in " : "",
		    bad->deadpath && r == 0 ? bad->deadpath : "");
	/* Nothing was kept: a file created for nothing goes again. */
	if (bad->dead && bad->dead != stderr && bad->created && r == 0 &&
	    fstat(fileno(bad->dead), &st) == 0 && st.st_size == 0)
		unlink(bad->deadpath);
	if (bad->dead && bad->dead != stderr && fclose(bad->dead) != 0 &&
	    r == 0) {
		e = errno ? errno : EIO;
		r = TIDE_EIO;
	}
	if (r)
		tide_warn("cannot write dead-letter file '%s': %s",
		    bad->deadpath, strerror(e));
	bad->dead = NULL;
	free(bad->deadpath);
	bad->deadpath = NULL;
	return r;
}
