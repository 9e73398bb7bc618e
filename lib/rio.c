#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "rio.h"
#include "time.h"
#include "xalloc.h"

static ssize_t
fd_read(void *ctx, void *p, size_t n)
{
	struct tide_rin *in = ctx;
	ssize_t r;

	do
		r = read(in->fd, p, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? TIDE_EIO : r;
}

void
tide_rin_init(struct tide_rin *in, int fd, size_t max)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->fn = fd_read;
	in->fnctx = in;
	in->max = max ? max : TIDE_MAX_RECORD;
	in->cap = TIDE_RIO_BUFSZ;
	in->buf = tide_xmalloc(in->cap);
}

void
tide_rin_init_fn(struct tide_rin *in, tide_read_fn fn, void *ctx, size_t max)
{
	tide_rin_init(in, -1, max);
	in->fn = fn;
	in->fnctx = ctx;
}

void
tide_rin_set_read(struct tide_rin *in, tide_read_fn fn, void *ctx)
{
	in->fn = fn;
	in->fnctx = ctx;
}

void
tide_rin_set_idle(struct tide_rin *in, tide_idle_fn idle, void *ctx)
{
	in->idle = idle;
	in->idlectx = ctx;
}

void
tide_rin_preload(struct tide_rin *in, const void *p, size_t n)
{
	memcpy(in->buf + in->end, p, n);
	in->end += n;
	in->bytes += n;
}

void
tide_rin_release(struct tide_rin *in)
{
	free(in->buf);
	in->buf = NULL;
}

/* A complete line in buf[start..end)?  Remembers how far it looked. */
static char *
find_nl(struct tide_rin *in)
{
	char *p = memchr(in->buf + in->start + in->scanned, '\n',
	    in->end - in->start - in->scanned);

	/* Up to the newline found, or all: the next look starts there
	 * (tide_rin_buffered() then tide_rin_next() scan a line once). */
	in->scanned = p ? (size_t)(p - (in->buf + in->start)) :
	    in->end - in->start;
	return p;
}

int
tide_rin_buffered(struct tide_rin *in)
{
	return in->start < in->end && find_nl(in) != NULL;
}

/*
 * Wait until fd is readable: 0 ready, TIDE_EAGAIN on timeout, TIDE_EINTR
 * when a signal arrived.  Before blocking, the idle hook runs (flushing
 * output), so nothing is held back while the input is quiet.
 */
static int
wait_readable(struct tide_rin *in, int timeout_ms)
{
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	int r;

	if (in->fd < 0)
		return 0;
	r = poll(&pfd, 1, 0);
	if (r > 0)
		return 0;
	if (in->idle && (r = in->idle(in->idlectx)) < 0)
		return r;
	if (timeout_ms == 0)
		return TIDE_EAGAIN;
	r = poll(&pfd, 1, timeout_ms);
	if (r > 0)
		return 0;
	if (r == 0)
		return TIDE_EAGAIN;
	return errno == EINTR ? TIDE_EINTR : TIDE_EIO;
}

/* Make room at the end of buf: compact, then grow up to max + 1 bytes. */
static void
make_room(struct tide_rin *in)
{
	size_t used = in->end - in->start;

	if (in->start > 0 && (in->start >= in->cap / 2 || in->end == in->cap)) {
		memmove(in->buf, in->buf + in->start, used);
		in->start = 0;
		in->end = used;
	}
	if (in->end == in->cap && in->cap < in->max + 1) {
		size_t cap = in->cap * 2;

		if (cap > in->max + 1)
			cap = in->max + 1;
		in->buf = tide_xrealloc(in->buf, cap);
		in->cap = cap;
	}
}

int
tide_rin_next(struct tide_rin *in, const char **line, size_t *len, int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? tide_mono_us() + (int64_t)timeout_ms * 1000 : 0;

	for (;;) {
		char *nl = in->start < in->end ? find_nl(in) : NULL;
		ssize_t r;
		int w;

		if (nl) {
			char *p = in->buf + in->start;
			size_t n = (size_t)(nl - p);

			in->start += n + 1;
			in->scanned = 0;
			if (in->skipping) {
				in->skipping = 0;
				continue;	/* the tail of an oversized line */
			}
			in->lineno++;
			/*
			 * The cap counts a trailing "\r": a line that fills the
			 * buffer before its "\n" arrives was measured with it, and
			 * the verdict must not depend on where a read ended.
			 */
			if (n > in->max)
				return TIDE_ETOOBIG;
			if (n > 0 && p[n - 1] == '\r')
				n--;
			*line = p;
			*len = n;
			return 1;
		}
		if (in->end - in->start > in->max) {
			/* Over the cap with no newline yet: drop what we have and
			 * skip to the next newline, keeping memory bounded. */
			if (!in->skipping) {
				in->skipping = 1;
				in->lineno++;
				in->start = in->end = in->scanned = 0;
				return TIDE_ETOOBIG;
			}
			in->start = in->end = in->scanned = 0;
		}
		if (in->eof) {
			if (in->start < in->end) {
				/* A last line without a newline is still a record. */
				char *p = in->buf + in->start;
				size_t n = in->end - in->start;

				in->start = in->end = in->scanned = 0;
				if (in->skipping) {
					in->skipping = 0;
					return TIDE_EOF;
				}
				in->lineno++;
				if (n > 0 && p[n - 1] == '\r')
					n--;
				*line = p;
				*len = n;
				return 1;
			}
			return TIDE_EOF;
		}
		if (timeout_ms >= 0 || in->idle) {
			int t = timeout_ms;

			if (timeout_ms > 0) {
				int64_t left = deadline - tide_mono_us();
				t = left <= 0 ? 0 : (int)((left + 999) / 1000);
			}
			if ((w = wait_readable(in, t)) < 0)
				return w;
		}
		make_room(in);
		r = in->fn(in->fnctx, in->buf + in->end, in->cap - in->end);
		if (r < 0)
			return (int)r;
		if (r == 0)
			in->eof = 1;
		in->end += (size_t)r;
		in->bytes += (uint64_t)r;
	}
}

void
tide_wout_init(struct tide_wout *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = TIDE_RIO_BUFSZ;
	w->buf = tide_xmalloc(w->cap);
}

void
tide_wout_release(struct tide_wout *w)
{
	free(w->buf);
	w->buf = NULL;
}

static int
write_all(struct tide_wout *w, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(w->fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };
				poll(&pfd, 1, 100);
				continue;
			}
			return w->err = errno == EPIPE ? TIDE_EPIPE : TIDE_EIO;
		}
		p += r;
		n -= (size_t)r;
		w->bytes += (uint64_t)r;
	}
	return 0;
}

int
tide_wout_flush(struct tide_wout *w)
{
	int r;

	if (w->err)
		return w->err;
	if (w->len == 0)
		return 0;
	r = write_all(w, w->buf, w->len);
	w->len = 0;
	return r;
}

int
tide_wout_add(struct tide_wout *w, const void *p, size_t n)
{
	if (w->err)
		return w->err;
	if (w->cap - w->len < n) {
		int r = tide_wout_flush(w);

		if (r < 0)
			return r;
		if (n >= w->cap)	/* large: write it straight through */
			return write_all(w, p, n);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int
tide_wout_rec(struct tide_wout *w, const void *p, size_t n)
{
	int r;

	if (w->err)
		return w->err;
	if (w->cap - w->len > n) {
		memcpy(w->buf + w->len, p, n);
		w->buf[w->len + n] = '\n';
		w->len += n + 1;
		return 0;
	}
	if ((r = tide_wout_add(w, p, n)) < 0)
		return r;
	return tide_wout_add(w, "\n", 1);
}

int
tide_wout_idle(void *ctx)
{
	return tide_wout_flush(ctx);
}
