/*
 * zstd files (see zfile.h).  Both directions use libzstd's streaming API
 * with buffers of TIDE_ZFILE_BUFSZ, larger than its recommended sizes, so
 * a record-sized read or write seldom costs a system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "err.h"
#include "xalloc.h"
#include "zfile.h"

int
tide_zst_path(const char *path)
{
	size_t n;

	if (path == NULL)
		return 0;
	n = strlen(path);
	return n >= 4 && strcmp(path + n - 4, ".zst") == 0;
}

/* --- reading --- */

static int
is_zstd_magic(const unsigned char *b)
{
	/* A zstd frame (0xFD2FB528), or a skippable frame
	 * (0x184D2A50..0x184D2A5F), little-endian. */
	if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return 1;
	return (b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d &&
	    b[3] == 0x18;
}

/* read(2) into p: >0, 0 at the end, or a TIDE_E* code. */
static ssize_t
zr_sysread(struct tide_zr *z, void *p, size_t n)
{
	ssize_t r = read(z->fd, p, n);

	if (r > 0) {
		z->bytes_in += (uint64_t)r;
		return r;
	}
	if (r == 0) {
		z->eof = 1;
		return 0;
	}
	if (errno == EINTR)
		return TIDE_EINTR;
	z->errnum = errno;
	return z->err = TIDE_EIO;
}

int
tide_zr_fdopen(struct tide_zr *z, int fd, const char *name)
{
	ssize_t r;

	memset(z, 0, sizeof(*z));
	z->fd = fd;
	z->buf = tide_xmalloc(TIDE_ZFILE_BUFSZ);
	/* Sniff the first four bytes (fewer only at the end of input). */
	while (z->end < 4 && !z->eof) {
		r = zr_sysread(z, z->buf + z->end, TIDE_ZFILE_BUFSZ - z->end);
		if (r == TIDE_EINTR)
			continue;
		if (r < 0)
			return r;
		z->end += (size_t)r;
	}
	if (z->end >= 4 && is_zstd_magic((unsigned char *)z->buf)) {
		if ((z->ds = ZSTD_createDCtx()) == NULL) {
			z->errnum = ENOMEM;
			return z->err = TIDE_ENOMEM;
		}
		z->zstd = 1;
	} else if (tide_zst_path(name))
		return z->err = TIDE_EFORMAT;
	return 0;
}

int
tide_zr_open(struct tide_zr *z, const char *path)
{
	int fd, r;

	if (strcmp(path, "-") == 0)
		return tide_zr_fdopen(z, 0, NULL);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		memset(z, 0, sizeof(*z));
		z->fd = -1;
		z->errnum = errno;
		return z->err = TIDE_EIO;
	}
	r = tide_zr_fdopen(z, fd, path);
	z->owned = 1;
	return r;
}

static ssize_t
zr_read_plain(struct tide_zr *z, void *p, size_t n)
{
	size_t k;

	if (z->start < z->end) {
		k = z->end - z->start < n ? z->end - z->start : n;
		memcpy(p, z->buf + z->start, k);
		z->start += k;
		return (ssize_t)k;
	}
	if (z->eof)
		return 0;
	return zr_sysread(z, p, n);
}

static ssize_t
zr_read_zstd(struct tide_zr *z, void *p, size_t n)
{
	ZSTD_outBuffer out = { p, n, 0 };
	ZSTD_inBuffer in;
	ssize_t r;
	size_t ret;

	for (;;) {
		/* Decode what is buffered first: the decoder may hold
		 * output from earlier input, which must not wait for a
		 * read that can block. */
		if (z->start < z->end || z->midframe) {
			in.src = z->buf;
			in.size = z->end;
			in.pos = z->start;
			ret = ZSTD_decompressStream(z->ds, &out, &in);
			z->start = in.pos;
			if (ZSTD_isError(ret))
				return z->err = TIDE_EFORMAT;
			/* 0: a frame is complete and flushed; the next
			 * byte, if any, starts another frame. */
			z->midframe = ret != 0;
			if (out.pos > 0)
				return (ssize_t)out.pos;
			if (z->start < z->end)
				continue;
		}
		if (z->eof)
			/* Nothing more will come: a frame cut short? */
			return z->midframe ? (z->err = TIDE_EFORMAT) : 0;
		z->start = z->end = 0;
		if ((r = zr_sysread(z, z->buf, TIDE_ZFILE_BUFSZ)) < 0)
			return r;
		z->end = (size_t)r;
	}
}

ssize_t
tide_zr_read(void *ctx, void *p, size_t n)
{
	struct tide_zr *z = ctx;

	if (z->err)
		return z->err;
	if (n == 0)
		return 0;
	return z->zstd ? zr_read_zstd(z, p, n) : zr_read_plain(z, p, n);
}

void
tide_zr_close(struct tide_zr *z)
{
	ZSTD_freeDCtx(z->ds);	/* NULL is fine */
	z->ds = NULL;
	free(z->buf);
	z->buf = NULL;
	if (z->owned && z->fd >= 0)
		close(z->fd);
	z->fd = -1;
	z->owned = 0;
}

/* --- writing --- */

void
tide_zw_init(struct tide_zw *w, int fd, int zstd, int level)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = TIDE_ZFILE_BUFSZ;
	w->buf = tide_xmalloc(w->cap);
	if (!zstd)
		return;
	if ((w->cc = ZSTD_createCCtx()) == NULL) {
		w->err = TIDE_ENOMEM;
		return;
	}
	w->zstd = 1;
	ZSTD_CCtx_setParameter(w->cc, ZSTD_c_compressionLevel, level);
	/* A checksum, so a damaged file is an error, not wrong data. */
	ZSTD_CCtx_setParameter(w->cc, ZSTD_c_checksumFlag, 1);
}

void
tide_zw_init_path(struct tide_zw *w, int fd, const char *path, int level)
{
	tide_zw_init(w, fd, tide_zst_path(path), level);
}

static int
zw_syswrite(struct tide_zw *w, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = write(w->fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			w->errnum = errno;
			return w->err = errno == EPIPE ? TIDE_EPIPE : TIDE_EIO;
		}
		p += r;
		n -= (size_t)r;
		w->bytes_out += (uint64_t)r;
	}
	return 0;
}

static int
zw_drain(struct tide_zw *w)
{
	int r;

	if (w->len == 0)
		return 0;
	r = zw_syswrite(w, w->buf, w->len);
	w->len = 0;
	return r;
}

/* Run the compressor over p[0..n) with mode, writing out whatever it
 * produces, until it has taken all the input and (for flush and end)
 * has nothing left to give. */
static int
zw_compress(struct tide_zw *w, const void *p, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { p, n, 0 };
	ZSTD_outBuffer out;
	size_t rem;
	int r;

	for (;;) {
		out.dst = w->buf;
		out.size = w->cap;
		out.pos = w->len;
		rem = ZSTD_compressStream2(w->cc, &out, &in, mode);
		w->len = out.pos;
		if (ZSTD_isError(rem))
			return w->err = TIDE_EFORMAT;
		if (mode == ZSTD_e_continue ? in.pos == in.size : rem == 0)
			return 0;
		/* The output buffer is full, or the frame needs more room:
		 * write it out and go on. */
		if ((r = zw_drain(w)) < 0)
			return r;
	}
}

int
tide_zw_write(struct tide_zw *w, const void *p, size_t n)
{
	int r;

	if (w->err)
		return w->err;
	w->bytes_in += n;
	if (w->zstd) {
		if ((r = zw_compress(w, p, n, ZSTD_e_continue)) < 0)
			return r;
		return w->len == w->cap ? zw_drain(w) : 0;
	}
	if (w->cap - w->len < n) {
		if ((r = zw_drain(w)) < 0)
			return r;
		if (n >= w->cap)
			return zw_syswrite(w, p, n);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int
tide_zw_flush(struct tide_zw *w)
{
	int r;

	if (w->err)
		return w->err;
	if (w->zstd && (r = zw_compress(w, NULL, 0, ZSTD_e_flush)) < 0)
		return r;
	return zw_drain(w);
}

int
tide_zw_end_frame(struct tide_zw *w)
{
	int r;

	if (w->err)
		return w->err;
	/* Nothing since the last end: no empty frame. */
	if (w->zstd && w->bytes_in != w->end_in) {
		if ((r = zw_compress(w, NULL, 0, ZSTD_e_end)) < 0)
			return r;
		w->end_in = w->bytes_in;
	}
	return zw_drain(w);
}

int
tide_zw_close(struct tide_zw *w)
{
	int r = w->err;

	/* A frame, even an empty one, unless one ended with the last
	 * bytes written. */
	if (r == 0 && w->zstd && (w->end_in == 0 || w->bytes_in != w->end_in))
		r = zw_compress(w, NULL, 0, ZSTD_e_end);
	if (r == 0)
		r = zw_drain(w);
	ZSTD_freeCCtx(w->cc);	/* NULL is fine */
	w->cc = NULL;
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	if (w->err == 0)
		w->err = r;
	return r;
}
