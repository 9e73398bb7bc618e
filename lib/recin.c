/*
 * Record input (see recin.h).  The per-record path (tide_recin_next and
 * tide_recin_check) is inline in the header; this file opens, closes,
 * words reasons and drives the CSV parser.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "recin.h"

/*
 * zstd input: struct tide_rin reads through the decoder and cannot see the
 * descriptor block, so this does what its idle hook would: with no
 * compressed input buffered and none ready, the hook runs before the read.
 */
static ssize_t
zread(void *ctx, void *p, size_t n)
{
	struct tide_recin *r = ctx;
	struct tide_zr *z = &r->z;
	struct pollfd pfd;
	int k;

	if (r->idle && z->start == z->end && !z->eof) {
		pfd.fd = z->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0 && (k = r->idle(r->idlectx)) < 0)
			return k;
	}
	return tide_zr_read(z, p, n);
}

/*
 * Plain input opened by path (or sniffed stdin): read(2) once, and a
 * signal is TIDE_EINTR, as lib/zfile gives it, so a program blocked on a
 * quiet pipe sees its stop signal.
 */
static ssize_t
plain_read(void *ctx, void *p, size_t n)
{
	struct tide_recin *r = ctx;
	ssize_t got = read(r->in.fd, p, n);

	if (got >= 0)
		return got;
	return errno == EINTR ? TIDE_EINTR : TIDE_EIO;
}

int
tide_recin_open(struct tide_recin *r, const char *path, unsigned flags,
    size_t max)
{
	return tide_recin_open_at(r, path, flags, max, 0);
}

static int open_at(struct tide_recin *r, const char *path, unsigned flags,
    size_t max, uint64_t off);

/* A failed open leaves nothing to close: what it took is given back. */
int
tide_recin_open_at(struct tide_recin *r, const char *path, unsigned flags,
    size_t max, uint64_t off)
{
	int e, errnum;

	if ((e = open_at(r, path, flags, max, off)) < 0) {
		errnum = r->errnum;
		tide_recin_close(r);
		r->errnum = errnum;
	}
	return e;
}

static int
open_at(struct tide_recin *r, const char *path, unsigned flags,
    size_t max, uint64_t off)
{
	size_t k;
	ssize_t got;
	int e;

	memset(r, 0, sizeof(*r));
	r->name = path;
	r->flags = flags;
	r->max = max ? max : TIDE_MAX_RECORD;
	if (strcmp(path, "-") == 0 && !(flags & TIDE_RECIN_SNIFF_STDIN)) {
		tide_rin_init(&r->in, STDIN_FILENO, r->max);
		if (off > 0 && lseek(STDIN_FILENO, (off_t)off, SEEK_SET) < 0) {
			r->errnum = errno;
			return TIDE_ERANGE;
		}
		return 0;
	}
	r->zopen = 1;
	if ((e = tide_zr_open(&r->z, path)) < 0) {
		r->errnum = r->z.errnum;
		return e;
	}
	if (r->z.zstd) {
		tide_rin_init_fn(&r->in, zread, r, r->max);
		/* Skip off bytes of data, through the rin's buffer. */
		while (off > 0) {
			k = off < r->in.cap ? (size_t)off : r->in.cap;
			got = tide_zr_read(&r->z, r->in.buf, k);
			if (got == TIDE_EINTR)
				continue;
			if (got < 0) {
				r->errnum = r->z.errnum;
				return (int)got;
			}
			if (got == 0)
				break;
			off -= (uint64_t)got;
		}
		return 0;
	}
	/* Plain: read the descriptor directly, after the bytes the sniff
	 * took (or from off, where they do not matter). */
	tide_rin_init(&r->in, r->z.fd, r->max);
	tide_rin_set_read(&r->in, plain_read, r);
	if (off > 0) {
		if (lseek(r->z.fd, (off_t)off, SEEK_SET) < 0) {
			r->errnum = errno;
			return TIDE_ERANGE;
		}
	} else
		tide_rin_preload(&r->in, r->z.buf + r->z.start,
		    r->z.end - r->z.start);
	r->z.start = r->z.end;
	return 0;
}

void
tide_recin_close(struct tide_recin *r)
{
	tide_rin_release(&r->in);
	if (r->zopen)
		tide_zr_close(&r->z);
	r->zopen = 0;
}

int
tide_recin_is_csv(const char *path)
{
	size_t n = strlen(path);

	return (n >= 4 && strcmp(path + n - 4, ".csv") == 0) ||
	    (n >= 8 && strcmp(path + n - 8, ".csv.zst") == 0);
}

void
tide_recin_set_idle(struct tide_recin *r, tide_idle_fn idle, void *ctx)
{
	r->idle = idle;
	r->idlectx = ctx;
	if (!tide_recin_zstd(r))
		tide_rin_set_idle(&r->in, idle, ctx);
}

uint64_t
tide_recin_bytes_in(const struct tide_recin *r)
{
	return tide_recin_zstd(r) ? r->z.bytes_in : r->in.bytes;
}

const char *
tide_rec_reason(const struct tide_rec *rec, size_t max, char *buf, size_t n)
{
	switch (rec->err) {
	case TIDE_REC_TOOBIG:
		snprintf(buf, n, "record longer than %zu bytes", max);
		break;
	case TIDE_REC_EMPTY:
		snprintf(buf, n, "empty line");
		break;
	case TIDE_REC_JSON:
		snprintf(buf, n, "not valid JSON: %s at byte %zu",
		    rec->jerr.reason, rec->jerr.offset);
		break;
	case TIDE_REC_NOTOBJ:
		snprintf(buf, n, "not a JSON object");
		break;
	default:
		if (n > 0)
			buf[0] = '\0';
	}
	return buf;
}

const char *
tide_recin_strerror(const struct tide_recin *r, int code)
{
	if (code == TIDE_EIO)
		return strerror(r->errnum ? r->errnum : errno);
	if (code == TIDE_EFORMAT)
		return "not a valid zstd file";
	return tide_strerror(code);
}

/* Raw bytes for the CSV parser: what the reader buffered first, then
 * reads, with the idle hook run before one that would block. */
static ssize_t
csv_read(struct tide_recin *r, char *p, size_t n)
{
	struct tide_rin *in = &r->in;
	struct pollfd pfd;
	ssize_t got;
	int k;

	if (in->fd >= 0 && r->idle) {
		pfd.fd = in->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0 && (k = r->idle(r->idlectx)) < 0)
			return k;
	}
	got = in->fn(in->fnctx, p, n);
	if (got > 0 && in->fd >= 0)
		in->bytes += (uint64_t)got;
	return got;
}

int
tide_recin_csv(struct tide_recin *r, struct tide_csv *c, int *readerr)
{
	struct tide_rin *in = &r->in;
	ssize_t got;
	int k;

	*readerr = 0;
	/* The bytes a sniff left in the reader's buffer come first. */
	if (in->start < in->end) {
		k = tide_csv_feed(c, in->buf + in->start, in->end - in->start);
		in->start = in->end = 0;
		if (k < 0)
			return k;
	}
	for (;;) {
		got = csv_read(r, in->buf, in->cap);
		if (got == TIDE_EINTR)
			continue;
		if (got < 0) {
			if (got == TIDE_EIO)
				r->errnum = r->zopen && r->z.errnum ?
				    r->z.errnum : errno;
			*readerr = 1;
			return (int)got;
		}
		if (got == 0)
			return tide_csv_finish(c);
		if ((k = tide_csv_feed(c, in->buf, (size_t)got)) < 0)
			return k;
	}
}
