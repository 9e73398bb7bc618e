/*
 * Record I/O: reading lines and writing output through large buffers.
 *
 * struct tide_rin reads newline-terminated records from a file descriptor
 * (or any read function, e.g. a zstd decoder) and hands out zero-copy views
 * into its buffer.  A view is valid until the next call to tide_rin_next().
 * A trailing "\r" is removed; a last line without "\n" is still a record.
 * A line longer than max (a trailing "\r" counts) is a data error:
 * tide_rin_next() returns
 * TIDE_ETOOBIG once for it (with its line number), skips the rest of the
 * line without buffering it, and carries on; memory stays bounded by max.
 *
 * struct tide_wout writes through a large buffer.  It is flushed when the
 * buffer fills, when the reader is about to block (the idle hook below: so
 * output is never held back while input is quiet), on tide_wout_flush() and
 * at close.  It is never line-buffered.  A write to a closed pipe gives
 * TIDE_EPIPE, which programs treat as a quiet end.
 */
#ifndef TIDE_RIO_H
#define TIDE_RIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TIDE_RIO_BUFSZ (256 * 1024)
#define TIDE_MAX_RECORD (16u * 1024 * 1024)

/* Reads up to n bytes: >0 count, 0 end of input, <0 TIDE_E* (errno set). */
typedef ssize_t (*tide_read_fn)(void *ctx, void *p, size_t n);
/* Called before the reader blocks; returns 0 or a TIDE_E* code that
 * tide_rin_next() passes on. */
typedef int (*tide_idle_fn)(void *ctx);

struct tide_rin {
	int fd;			/* -1 when reading through fn */
	tide_read_fn fn;
	void *fnctx;
	tide_idle_fn idle;
	void *idlectx;
	char *buf;
	size_t cap, start, end;	/* unread bytes are buf[start..end) */
	size_t max;		/* longest accepted record */
	size_t scanned;		/* bytes of buf[start..end) known to hold no \n */
	uint64_t lineno;	/* line number of the last record returned */
	uint64_t bytes;		/* bytes read in all */
	int eof;
	int skipping;		/* discarding the rest of an oversized line */
};

/* Read from fd; max is the longest record (0 for TIDE_MAX_RECORD). */
void tide_rin_init(struct tide_rin *in, int fd, size_t max);
/* Read through fn(ctx, ...) instead of a file descriptor. */
void tide_rin_init_fn(struct tide_rin *in, tide_read_fn fn, void *ctx,
    size_t max);
/* Read fd's bytes through fn(ctx, ...), still waiting on fd with poll(2)
 * (timeouts, the idle hook): for a reader that must see EINTR. */
void tide_rin_set_read(struct tide_rin *in, tide_read_fn fn, void *ctx);
/* Call idle(ctx) whenever the next read would block (fd input only). */
void tide_rin_set_idle(struct tide_rin *in, tide_idle_fn idle, void *ctx);
void tide_rin_release(struct tide_rin *in);

/*
 * Next record: returns 1 with *line and *len (no "\n", no trailing "\r"),
 * TIDE_EOF at the end, TIDE_ETOOBIG for an oversized line (skipped; lineno
 * names it), TIDE_EAGAIN when timeout_ms (>= 0) passed with no complete
 * record ready, TIDE_EINTR when a signal interrupted the wait, TIDE_EIO on a
 * read error.  timeout_ms < 0 waits as long as it takes.
 */
int tide_rin_next(struct tide_rin *in, const char **line, size_t *len,
    int timeout_ms);
/* Whether a complete record is already buffered (no read needed).  While
 * it is, the next tide_rin_next() moves nothing: views it handed out
 * before stay valid (tide-join reads ahead on this), unless the last
 * call returned TIDE_ETOOBIG. */
int tide_rin_buffered(struct tide_rin *in);
/* Bytes consumed: read in all, less those not yet handed out. */
static inline uint64_t
tide_rin_tell(const struct tide_rin *in)
{
	return in->bytes - (in->end - in->start);
}
/* Put n bytes already read from the input (a format sniff's) in front of
 * what is read next; only before the first tide_rin_next(), n <= the
 * buffer's size (TIDE_RIO_BUFSZ). */
void tide_rin_preload(struct tide_rin *in, const void *p, size_t n);

struct tide_wout {
	int fd;
	char *buf;
	size_t len, cap;
	uint64_t bytes;		/* bytes written in all */
	int err;		/* sticky: first TIDE_E* code seen */
};

void tide_wout_init(struct tide_wout *w, int fd);
void tide_wout_release(struct tide_wout *w);
/* Append; flushes when the buffer fills.  0 or the sticky error. */
int tide_wout_add(struct tide_wout *w, const void *p, size_t n);
/* Append a record and its newline. */
int tide_wout_rec(struct tide_wout *w, const void *p, size_t n);
int tide_wout_flush(struct tide_wout *w);
/* An idle hook for tide_rin_set_idle(): flushes the writer in ctx. */
int tide_wout_idle(void *w);

#endif
