/*
 * Rotating file output: the file half of tide-sink.
 *
 * struct tide_fileout writes records to a sequence of segment files named
 * by a path pattern.  The pattern may hold strftime(3) conversions,
 * expanded in UTC from a time the caller gives with each record (its event
 * time, or the wall clock).  A pattern ending in ".zst" is written as a
 * zstd stream (one frame per segment, with a checksum).  A new segment
 * starts when the expanded name changes, when --rotate's size (bytes of
 * records written to the segment, before compression) would be exceeded,
 * or when the record's time leaves the segment's time slot (slots are
 * aligned to multiples of the rotation duration since the epoch; a record
 * older than the open slot goes to the open segment: segments only move
 * forward).
 *
 * Each segment is written as NAME.part; when it is complete it is flushed,
 * fsync(2)ed, renamed to NAME, and the directory is fsync'ed, so a reader
 * never sees a torn file under a final name (lib/afile.h: NAME.part is
 * created afresh, and a file or symbolic link found there is removed, not
 * written through).  With no strftime conversion
 * and no rotation, NAME is replaced as by a shell redirection (atomically);
 * otherwise an existing file is never overwritten: a name already taken gets
 * "-N" inserted before its extension (out.ndjson.zst -> out-1.ndjson.zst).
 *
 * A path naming an existing device or FIFO (/dev/null, a named pipe) is
 * written in place, without .part or rename.
 *
 * The path "-" means the file descriptor given at open (stdout): no
 * segments, no renames, no compression; tide_fileout_idle() flushes it, so
 * output is not held back while input is idle.
 *
 * Records are NDJSON lines written as given, or CSV: the header is the
 * top-level field names of the first record (kept for the whole run and
 * written at the top of every segment); later records give the values of
 * those fields (missing or null: an empty cell; strings unescaped; numbers
 * and booleans as written; objects and arrays as JSON text), quoted per RFC
 * 4180 where needed.  Fields the header lacks are counted in csv_extra.
 *
 * No allocation per record: buffers are reused.  Errors are TIDE_EIO with
 * errno saved in f->errnum and the file named by tide_fileout_errpath().
 * A segment that failed (a full disk) is not kept: tide_fileout_close()
 * removes its NAME.part -- or, when tide_fileout_sync() made part of it
 * durable (a barrier: promised), cuts it back to that part -- and what is
 * gone leaves the counts, which then hold what is in complete files, in
 * synced parts, and on a device or stdout.
 */
#ifndef TIDE_FILEOUT_H
#define TIDE_FILEOUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "zfile.h"

enum tide_fileout_format {
	TIDE_FILEOUT_NDJSON = 0,
	TIDE_FILEOUT_CSV,
};

struct tide_fileout_opts {
	enum tide_fileout_format format;
	int level;		/* zstd level; 0 for zstd's default */
	uint64_t rotate_bytes;	/* 0: no size rotation */
	int64_t rotate_ms;	/* 0: no time rotation */
	int stdout_fd;		/* the descriptor "-" means (normally 1) */
};

struct tide_fileout {
	char *pattern;
	struct tide_fileout_opts o;
	int is_stdout;
	int templated;		/* the pattern holds a strftime conversion */
	int zstd;
	int fd;			/* open segment, or -1 */
	int direct;		/* writing a device or FIFO in place */
	char *path;		/* its final name */
	char *part;		/* its name while written */
	char *errpath;		/* the file of the last error */
	int errnum;
	uint64_t seg_bytes;	/* record bytes in the open segment */
	int64_t slot;		/* time slot of the open segment (rotate_ms) */
	int64_t seg_t;		/* time the open segment was named for */
	char *base;		/* its name before any "-N" */
	int err;		/* sticky: first error */
	int64_t sec;		/* second the cached name was expanded for */
	struct tide_buf name;	/* expanded name of the cached second */
	struct tide_zw w;	/* the open segment's (or stdout's) writer */
	int wopen;		/* w is initialised and not yet closed */
	/* CSV */
	int ncol;
	struct tide_path *cols;
	struct tide_json_val *vals;
	struct tide_buf header;
	struct tide_buf row;
	struct tide_buf cell;
	uint64_t csv_extra;	/* records with fields the header lacks */
	uint64_t files;		/* segments completed */
	uint64_t bytes;		/* record bytes written in all */
	uint64_t records;	/* records written in all */
	uint64_t seg_records;	/* records in the open segment */
	int own_part;		/* its NAME.part is ours to remove */
	/* At the segment's last tide_fileout_sync(): its records, record
	 * bytes and file size, which a failure afterwards keeps. */
	uint64_t sync_records, sync_bytes;
	int64_t sync_size;
};

/* Check the pattern and options; nothing is created until the first
 * record (or, for a plain name, tide_fileout_close()).  0 or TIDE_EINVAL (an empty pattern, "-" with rotation, or a
 * pattern whose expansion is empty). */
int tide_fileout_open(struct tide_fileout *f, const char *pattern,
    const struct tide_fileout_opts *o);
/*
 * Write one record rec[0..n) (without its newline; it must have passed
 * tide_json_check) stamped with time t_ms (epoch ms, used for the name and
 * time rotation).  0, TIDE_ETYPE when CSV output is given a record that is
 * not an object (nothing written), TIDE_EIO, or TIDE_EPIPE on stdout.
 */
int tide_fileout_write(struct tide_fileout *f, int64_t t_ms, const char *rec,
    size_t n);
/* Write buffered bytes out (stdout: to the reader; files: to the kernel). */
int tide_fileout_flush(struct tide_fileout *f);
/*
 * Make every record written so far durable (a barrier, doc/DELIVERY.md):
 * the open segment's zstd frame ends (the next record starts another),
 * its bytes are written out and fsync(2)ed -- it stays NAME.part until it
 * is complete.  Standard output is flushed, and fsynced when it is a
 * regular file; a device or FIFO is flushed (fsync where it applies).
 * 0, TIDE_EIO or TIDE_EPIPE on stdout.
 */
int tide_fileout_sync(struct tide_fileout *f);
/*
 * Exactly once (doc/DELIVERY.md section 3, lib/sidecar.h) applies to a
 * plain file: not "-", no strftime conversion, no rotation, NDJSON, not a
 * device or FIFO.  tide_fileout_plain() says whether f is one.
 * tide_fileout_resume() goes on writing after the first length bytes of
 * an earlier run's file: NAME.part if it is there (a run that died), else
 * NAME (a run that ended; renamed back to NAME.part until this one ends),
 * cut to length.  0; TIDE_ENOENT when neither is there, TIDE_EFORMAT when
 * it holds fewer than length bytes (errno 0), TIDE_EIO.  Call it before
 * the first write.  tide_fileout_mark() is tide_fileout_sync() that
 * creates the file first if no record made it yet, and says in *length
 * its bytes.
 */
int tide_fileout_plain(const struct tide_fileout *f);
int tide_fileout_resume(struct tide_fileout *f, int64_t length);
int tide_fileout_mark(struct tide_fileout *f, int64_t *length);
/* An idle hook for tide_rin_set_idle(): flushes stdout output only. */
int tide_fileout_idle(void *f);
/* Complete the open segment (flush, fsync, rename into place).  With a
 * plain name (no strftime conversion, no rotation) and no record written,
 * create the file empty, as a shell redirection would; a pattern or
 * rotation has no time to name a file by, so nothing is created. */
int tide_fileout_close(struct tide_fileout *f);
/* Free everything.  An open segment is left as NAME.part (call close
 * first to keep it). */
void tide_fileout_release(struct tide_fileout *f);
const char *tide_fileout_errpath(const struct tide_fileout *f);
/* Expand pattern for t_ms (UTC) into out; used for names and messages. */
int tide_fileout_expand(const char *pattern, int64_t t_ms,
    struct tide_buf *out);

#endif
