/*
 * zstd files, read and written transparently.
 *
 * struct tide_zr reads a file that may or may not be zstd-compressed.  It
 * looks at the first four bytes: the zstd magic number (28 b5 2f fd)
 * means zstd whatever the name; a name ending in ".zst" without it is
 * TIDE_EFORMAT (a broken file, not plain text); anything else is read as
 * it is.  Concatenated frames (as `cat a.zst b.zst` or an appending
 * writer make) and skippable frames are read through.  Input that stops
 * inside a frame, or is not valid zstd (a bad block, a checksum mismatch,
 * bytes after a frame that are not another frame), is TIDE_EFORMAT after
 * the data that could be decoded.  tide_zr_read() is a tide_read_fn, so
 * struct tide_rin reads lines through it:
 *
 *	tide_zr_open(&z, path);
 *	tide_rin_init_fn(&in, tide_zr_read, &z, max);
 *
 * struct tide_zw writes to a file descriptor through a large buffer,
 * compressed (one zstd frame with a checksum) or plain.  tide_zw_flush()
 * makes everything written so far readable (ZSTD_e_flush ends a block, not
 * the frame); tide_zw_end_frame() ends it and goes on in a new one;
 * tide_zw_close() ends the frame.  Nothing is written to the
 * descriptor except by the write, flush and close calls.
 *
 * Neither closes a descriptor it was given; tide_zr_open() closes the one
 * it opened.  Errors are sticky: once a call fails, every later one returns
 * the same code.  TIDE_EIO leaves errno in errnum.
 */
#ifndef TIDE_ZFILE_H
#define TIDE_ZFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TIDE_ZFILE_BUFSZ (256 * 1024)

struct tide_zr {
	int fd;
	int owned;		/* opened by tide_zr_open(): close it */
	int zstd;		/* decompressing */
	int eof;		/* the descriptor is at its end */
	int midframe;		/* inside a zstd frame */
	int err;		/* sticky error */
	int errnum;		/* errno of a TIDE_EIO */
	void *ds;		/* ZSTD_DStream */
	char *buf;		/* input read ahead */
	size_t start, end;	/* unread input is buf[start..end) */
	uint64_t bytes_in;	/* bytes read from the descriptor */
};

/* Open path ("-" is stdin) and sniff its format.  0, TIDE_EIO (errno
 * saved in errnum) or TIDE_EFORMAT.  Release with tide_zr_close() even
 * on failure. */
int tide_zr_open(struct tide_zr *z, const char *path);
/* The same on an open descriptor; name (may be NULL) only decides whether
 * a missing magic number is an error (".zst"). */
int tide_zr_fdopen(struct tide_zr *z, int fd, const char *name);
/* Read up to n decompressed bytes into p: >0 count, 0 at the end,
 * TIDE_EFORMAT, TIDE_EIO, or TIDE_EINTR when a signal interrupted the
 * read (call again).  ctx is the struct tide_zr. */
ssize_t tide_zr_read(void *ctx, void *p, size_t n);
void tide_zr_close(struct tide_zr *z);

struct tide_zw {
	int fd;
	int zstd;
	int err;
	int errnum;
	void *cc;		/* ZSTD_CCtx */
	char *buf;		/* plain: data; zstd: compressed output */
	size_t len, cap;
	uint64_t bytes_in;	/* bytes given to tide_zw_write() */
	uint64_t bytes_out;	/* bytes written to fd */
	uint64_t end_in;	/* bytes_in when a frame last ended (0: none) */
};

/* Whether path names a zstd file (ends with ".zst"). */
int tide_zst_path(const char *path);
/* Write to fd, zstd-compressed at level when zstd is set (0: zstd's
 * default level), plain otherwise. */
void tide_zw_init(struct tide_zw *w, int fd, int zstd, int level);
/* The same, compressed when path ends with ".zst". */
void tide_zw_init_path(struct tide_zw *w, int fd, const char *path,
    int level);
/* 0, TIDE_EIO, TIDE_EPIPE (the reader went away) or TIDE_EFORMAT (a
 * compressor failure). */
int tide_zw_write(struct tide_zw *w, const void *p, size_t n);
int tide_zw_flush(struct tide_zw *w);
/* Make everything written so far a complete file: zstd ends the frame
 * (the next write starts another; readers go through concatenated
 * frames), plain output is flushed.  Same returns as tide_zw_write(). */
int tide_zw_end_frame(struct tide_zw *w);
/* End the frame, write out everything and free the state; fd stays open.
 * Returns the first error seen, if any. */
int tide_zw_close(struct tide_zw *w);

#endif
