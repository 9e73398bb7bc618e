#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "fileout.h"
#include "xalloc.h"
#include "zfile.h"

#define NAME_MAX_LEN 4096

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int
tide_fileout_expand(const char *pattern, int64_t t_ms, struct tide_buf *out)
{
	time_t sec = (time_t)floor_div(t_ms, 1000);
	struct tm tm;
	size_t cap = 256, n;
	int r;

	if (gmtime_r(&sec, &tm) == NULL)
		return TIDE_ERANGE;
	for (;;) {
		tide_buf_reset(out);
		if ((r = tide_buf_grow(out, cap)) < 0)
			return r;
		n = strftime(out->data, cap, pattern, &tm);
		if (n > 0) {
			out->len = n;
			return 0;
		}
		/* strftime gives 0 both for "too small" and "empty": retry
		 * bigger up to a sane name length, then call it empty. */
		if (cap >= NAME_MAX_LEN)
			return TIDE_EINVAL;
		cap *= 2;
	}
}

static int
has_conversion(const char *p)
{
	for (; *p; p++)
		if (*p == '%') {
			if (p[1] != '%')
				return 1;
			p++;
		}
	return 0;
}

static int
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

int
tide_fileout_open(struct tide_fileout *f, const char *pattern,
    const struct tide_fileout_opts *o)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->o = *o;
	f->sec = INT64_MIN;
	tide_buf_init(&f->name, NAME_MAX_LEN);
	tide_buf_init(&f->header, TIDE_BUF_NOMAX);
	tide_buf_init(&f->row, TIDE_BUF_NOMAX);
	tide_buf_init(&f->cell, TIDE_BUF_NOMAX);
	if (pattern == NULL || *pattern == '\0')
		return TIDE_EINVAL;
	f->pattern = tide_xstrdup(pattern);
	if (strcmp(pattern, "-") == 0) {
		if (o->rotate_bytes || o->rotate_ms)
			return TIDE_EINVAL;
		f->is_stdout = 1;
		f->fd = o->stdout_fd;
		tide_zw_init(&f->w, f->fd, 0, 0);
		f->wopen = 1;
		return 0;
	}
	f->templated = has_conversion(pattern);
	f->zstd = tide_zst_path(pattern);
	/* Check once that the pattern expands to something. */
	if (tide_fileout_expand(pattern, 0, &f->name) < 0)
		return TIDE_EINVAL;
	return 0;
}

static int
fail(struct tide_fileout *f, int err, const char *path)
{
	if (f->err == 0) {
		f->err = err;
		f->errnum = errno;
		free(f->errpath);
		f->errpath = tide_xstrdup(path ? path : "-");
	}
	return f->err;
}

/* A writer error as the module's: the writer keeps errno in errnum. */
static int
wfail(struct tide_fileout *f, int r)
{
	errno = r == TIDE_EFORMAT ? EIO : f->w.errnum;
	if (r == TIDE_EPIPE && f->is_stdout)
		return fail(f, TIDE_EPIPE, "-");
	return fail(f, TIDE_EIO, f->is_stdout ? "-" : f->part);
}

static int
emit(struct tide_fileout *f, const char *p, size_t n)
{
	int r;

	if ((r = tide_zw_write(&f->w, p, n)) < 0)
		return wfail(f, r);
	return 0;
}

/* Free the writer without writing what it holds: tide_zw_close() writes
 * nothing once an error is recorded, and the segment is being abandoned
 * (left as NAME.part) or has failed already. */
static void
w_abandon(struct tide_fileout *f)
{
	if (!f->wopen)
		return;
	if (f->w.err == 0)
		f->w.err = TIDE_EIO;
	(void)tide_zw_close(&f->w);
	f->wopen = 0;
}

int
tide_fileout_flush(struct tide_fileout *f)
{
	int r;

	if (f->err)
		return f->err;
	if (f->fd < 0)
		return 0;
	if ((r = tide_zw_flush(&f->w)) < 0)
		return wfail(f, r);
	return 0;
}

int
tide_fileout_sync(struct tide_fileout *f)
{
	int r;

	if (f->err)
		return f->err;
	if (f->fd < 0)
		return 0;
	if ((r = tide_zw_end_frame(&f->w)) < 0)
		return wfail(f, r);
	/* A pipe, a terminal or a device cannot be synced (EINVAL, EROFS):
	 * written is all there is. */
	if (fsync(f->fd) < 0 && errno != EINVAL && errno != EROFS)
		return fail(f, TIDE_EIO, f->is_stdout ? "-" : f->part);
	if (f->own_part) {
		f->sync_records = f->seg_records;
		f->sync_bytes = f->seg_bytes;
		f->sync_size = (int64_t)lseek(f->fd, 0, SEEK_CUR);
	}
	return 0;
}

int
tide_fileout_idle(void *ctx)
{
	struct tide_fileout *f = ctx;

	return f->is_stdout ? tide_fileout_flush(f) : f->err;
}

static int seg_open(struct tide_fileout *, int64_t);

/* After an error: the open segment's NAME.part goes (it would never be
 * complete), and what it held leaves the counts. */
static void
seg_drop(struct tide_fileout *f)
{
	w_abandon(f);
	if (f->own_part) {
		/* What a barrier was told is durable stays (the frame ended
		 * there, so the cut leaves a whole .zst); the rest goes. */
		if (f->sync_records == 0)
			(void)unlink(f->part);
		else if (f->fd >= 0)
			(void)ftruncate(f->fd, (off_t)f->sync_size);
		else
			(void)truncate(f->part, (off_t)f->sync_size);
		f->own_part = 0;
		f->records -= f->seg_records - f->sync_records;
		f->bytes -= f->seg_bytes - f->sync_bytes;
		f->seg_records = f->sync_records = 0;
		f->seg_bytes = f->sync_bytes = 0;
	}
	if (f->fd >= 0 && !f->is_stdout) {
		close(f->fd);
		f->fd = -1;
	}
}

int
tide_fileout_close(struct tide_fileout *f)
{
	const char *failed;
	int r, fd;

	if (f->err) {
		seg_drop(f);
		return f->err;
	}
	if (f->is_stdout)
		return tide_fileout_flush(f);
	/* A plain name is a redirection: it exists after a run without
	 * records too (empty, or an empty zstd frame), as `>FILE` would. */
	if (f->fd < 0 && f->files == 0 && !f->templated &&
	    !f->o.rotate_bytes && !f->o.rotate_ms && (r = seg_open(f, 0)) < 0)
		return r;
	if (f->fd < 0)
		return 0;
	/* End the zstd frame and write everything out. */
	f->wopen = 0;
	if ((r = tide_zw_close(&f->w)) < 0)
		return wfail(f, r);
	fd = f->fd;
	f->fd = -1;
	if (f->direct) {
		if (close(fd) < 0)
			return fail(f, TIDE_EIO, f->part);
	} else if (tide_afile_commit(fd, f->part, f->path, &failed) < 0) {
		r = fail(f, TIDE_EIO, failed);
		seg_drop(f);
		return r;
	}
	f->own_part = 0;
	f->files++;
	f->seg_records = f->sync_records = 0;
	f->seg_bytes = f->sync_bytes = 0;
	return 0;
}

/* base with "-N" inserted before its extension: the last dot of the file
 * name, not counting a final ".zst" nor a leading dot. */
static char *
numbered(const char *base, unsigned n)
{
	const char *name = strrchr(base, '/'), *end, *dot = NULL, *p;
	size_t len = strlen(base);
	struct tide_buf b = TIDE_BUF_INIT;

	name = name ? name + 1 : base;
	end = base + len;
	if (ends_with(base, ".zst") && end - 4 > name)
		end -= 4;
	for (p = name + 1; p < end; p++)
		if (*p == '.')
			dot = p;
	if (dot == NULL)
		dot = end;
	tide_buf_add(&b, base, (size_t)(dot - base));
	tide_buf_addf(&b, "-%u", n);
	tide_buf_adds(&b, dot);
	tide_buf_cstr(&b);
	return tide_buf_detach(&b, NULL);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Create the directories above path that do not exist yet (mkdir -p),
 * since a pattern like training/%Y/%m/day-%d.ndjson names new ones as time
 * goes on.  (A plain path is not a pattern: a missing directory there is
 * an error, as for a shell redirection.)  0, or -1 with errno set. */
static int
make_parents(const char *path)
{
	char *p = tide_xstrdup(path), *s;
	int r = 0;

	for (s = strchr(p + 1, '/'); s != NULL && r == 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	free(p);
	return r;
}

/* f->part: f->path + ".part". */
static void
set_part(struct tide_fileout *f)
{
	size_t plen = strlen(f->path);

	free(f->part);
	f->part = tide_xmalloc(plen + 6);
	memcpy(f->part, f->path, plen);
	memcpy(f->part + plen, ".part", 6);
}

static int
seg_open(struct tide_fileout *f, int64_t t)
{
	struct stat st;
	int r;
	unsigned n;

	if ((r = tide_fileout_expand(f->pattern, t, &f->name)) < 0) {
		errno = EINVAL;
		return fail(f, TIDE_EIO, f->pattern);
	}
	f->sec = floor_div(t, 1000);
	free(f->base);
	free(f->path);
	free(f->part);
	f->base = tide_xmemdup(f->name.data, f->name.len);
	f->path = tide_xstrdup(f->base);
	f->part = NULL;
	if (!f->templated && !f->o.rotate_bytes && !f->o.rotate_ms) {
		/* A plain name is replaced like a redirection.  A device or
		 * a FIFO (/dev/null, a named pipe) is written as it is:
		 * renaming a file over it would replace the device. */
		set_part(f);
		f->direct = stat(f->path, &st) == 0 && !S_ISREG(st.st_mode);
		if (f->direct) {
			memcpy(f->part, f->path, strlen(f->path) + 1);
			f->fd = open(f->part, O_WRONLY | O_CLOEXEC);
		} else
			f->fd = tide_afile_create(f->part, 0666);
		if (f->fd < 0)
			return fail(f, TIDE_EIO, f->part);
	} else {
		/* With patterns or rotation the names of a run's segments
		 * must not collide with each other, with earlier runs' nor
		 * with another sink's on the same pattern: a name is taken
		 * by creating its NAME.part (locked, lib/afile.h), and is
		 * ours if NAME is not there once we hold it; otherwise the
		 * next "-N". */
		f->direct = 0;
		set_part(f);
		if (f->templated && make_parents(f->part) < 0)
			return fail(f, TIDE_EIO, f->part);
		for (n = 1;; n++) {
			set_part(f);
			if (!exists(f->path)) {
				f->fd = tide_afile_create(f->part, 0666);
				if (f->fd < 0 && errno != EBUSY)
					return fail(f, TIDE_EIO, f->part);
				if (f->fd >= 0 && !exists(f->path))
					break;
				if (f->fd >= 0) {
					(void)unlink(f->part);
					close(f->fd);
					f->fd = -1;
				}
			}
			free(f->path);
			f->path = numbered(f->base, n);
		}
	}
	f->own_part = !f->direct;
	f->seg_bytes = f->sync_bytes = 0;
	f->seg_records = f->sync_records = 0;
	f->seg_t = t;
	/* One zstd frame (with a checksum) per segment. */
	tide_zw_init(&f->w, f->fd, f->zstd, f->o.level);
	f->wopen = 1;
	if (f->header.len)
		return emit(f, f->header.data, f->header.len);
	return 0;
}

/* Whether the record at t must start a new segment. */
static int
must_rotate(struct tide_fileout *f, int64_t t, size_t n)
{
	int64_t sec;

	if (f->o.rotate_bytes && f->seg_bytes > 0 &&
	    f->seg_bytes + n > f->o.rotate_bytes)
		return 1;
	if (f->o.rotate_ms)
		return floor_div(t, f->o.rotate_ms) > f->slot;
	if (!f->templated || t <= f->seg_t)
		return 0;
	sec = floor_div(t, 1000);
	if (sec == f->sec)
		return 0;
	/* Expand once per second of time at most: the finest strftime
	 * conversion is the second. */
	if (tide_fileout_expand(f->pattern, t, &f->name) < 0)
		return 0;
	f->sec = sec;
	return f->name.len != strlen(f->base) ||
	    memcmp(f->name.data, f->base, f->name.len) != 0;
}

static void
csv_cell(struct tide_buf *b, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			break;
	if (i == n) {
		tide_buf_add(b, p, n);
		return;
	}
	tide_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			tide_buf_addc(b, '"');
		tide_buf_addc(b, p[i]);
	}
	tide_buf_addc(b, '"');
}

static int
csv_header(struct tide_fileout *f, const struct tide_json_val *obj)
{
	struct tide_json_val name, val;
	size_t pos = 0;
	int i = 0;

	while (tide_json_obj_next(obj, &pos, &name, &val))
		f->ncol++;
	f->cols = tide_xcalloc((size_t)f->ncol + 1, sizeof(*f->cols));
	f->vals = tide_xcalloc((size_t)f->ncol + 1, sizeof(*f->vals));
	pos = 0;
	while (tide_json_obj_next(obj, &pos, &name, &val)) {
		tide_buf_reset(&f->cell);
		tide_json_str(&name, &f->cell);
		f->cols[i].nseg = 1;
		f->cols[i].seg[0].name = tide_xmemdup(f->cell.data, f->cell.len);
		f->cols[i].seg[0].len = f->cell.len;
		f->cols[i].text = tide_xmemdup(f->cell.data, f->cell.len);
		if (i > 0)
			tide_buf_addc(&f->header, ',');
		csv_cell(&f->header, f->cell.data, f->cell.len);
		i++;
	}
	tide_buf_addc(&f->header, '\n');
	/* The header goes at the top of the open segment (or stdout) too. */
	if (f->fd >= 0)
		return emit(f, f->header.data, f->header.len);
	return 0;
}

static int
csv_row(struct tide_fileout *f, const struct tide_json_val *obj)
{
	struct tide_json_val name, val;
	size_t pos = 0;
	int i, found, members = 0;

	found = tide_json_get_many(obj->p, obj->len, f->cols, f->ncol, f->vals);
	while (tide_json_obj_next(obj, &pos, &name, &val))
		members++;
	if (members > found)
		f->csv_extra++;
	tide_buf_reset(&f->row);
	for (i = 0; i < f->ncol; i++) {
		struct tide_json_val *v = &f->vals[i];

		if (i > 0)
			tide_buf_addc(&f->row, ',');
		switch (v->type) {
		case TIDE_JSON_NONE:
		case TIDE_JSON_NULL:
			break;
		case TIDE_JSON_STRING:
			tide_buf_reset(&f->cell);
			tide_json_str(v, &f->cell);
			csv_cell(&f->row, f->cell.data, f->cell.len);
			break;
		default:
			csv_cell(&f->row, v->p, v->len);
		}
	}
	return tide_buf_addc(&f->row, '\n');
}

int
tide_fileout_write(struct tide_fileout *f, int64_t t, const char *rec,
    size_t n)
{
	struct tide_json_val obj;
	const char *p = rec;
	size_t len = n;
	int r;

	if (f->err)
		return f->err;
	if (f->o.format == TIDE_FILEOUT_CSV) {
		/* The record was validated: trim the whitespace around it. */
		while (len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
		    p[len - 1] == '\n' || p[len - 1] == '\r'))
			len--;
		if (len == 0 || *p != '{')
			return TIDE_ETYPE;
		obj.type = TIDE_JSON_OBJECT;
		obj.p = p;
		obj.len = len;
		if (f->cols == NULL && (r = csv_header(f, &obj)) < 0)
			return r;
		if ((r = csv_row(f, &obj)) < 0)
			return r;
		p = f->row.data;
		len = f->row.len;
	} else
		len = n + 1;
	if (!f->is_stdout) {
		if (f->fd >= 0 && must_rotate(f, t, len) &&
		    (r = tide_fileout_close(f)) < 0)
			return r;
		if (f->fd < 0) {
			if (f->o.rotate_ms) {
				f->slot = floor_div(t, f->o.rotate_ms);
				t = f->slot * f->o.rotate_ms;
			}
			if ((r = seg_open(f, t)) < 0)
				return r;
		}
	}
	f->seg_bytes += len;
	f->bytes += len;
	f->seg_records++;
	f->records++;
	if (f->o.format == TIDE_FILEOUT_CSV)
		return emit(f, p, len);
	if ((r = emit(f, rec, n)) < 0)
		return r;
	return emit(f, "\n", 1);
}

/* ---- Exactly once ----------------------------------------------------- */

int
tide_fileout_plain(const struct tide_fileout *f)
{
	struct stat st;

	return !f->is_stdout && !f->templated && !f->o.rotate_bytes &&
	    !f->o.rotate_ms && f->o.format == TIDE_FILEOUT_NDJSON &&
	    !(stat(f->pattern, &st) == 0 && !S_ISREG(st.st_mode));
}

/* Name the plain file's segment: path, part, base. */
static void
plain_names(struct tide_fileout *f)
{
	size_t plen = strlen(f->pattern);

	free(f->base);
	free(f->path);
	free(f->part);
	f->base = tide_xstrdup(f->pattern);
	f->path = tide_xstrdup(f->pattern);
	f->part = tide_xmalloc(plen + 6);
	memcpy(f->part, f->path, plen);
	memcpy(f->part + plen, ".part", 6);
}

int
tide_fileout_resume(struct tide_fileout *f, int64_t length)
{
	struct stat st;

	if (!tide_fileout_plain(f) || f->fd >= 0 || f->err)
		return TIDE_EINVAL;
	plain_names(f);
	if (lstat(f->part, &st) < 0) {
		if (errno != ENOENT)
			return fail(f, TIDE_EIO, f->part);
		if (lstat(f->path, &st) < 0)
			return errno == ENOENT ? TIDE_ENOENT :
			    fail(f, TIDE_EIO, f->path);
		if (!S_ISREG(st.st_mode) || st.st_size < length) {
			errno = 0;
			return TIDE_EFORMAT;
		}
		/* The run that made NAME ended: it is written again. */
		if (rename(f->path, f->part) < 0)
			return fail(f, TIDE_EIO, f->part);
		tide_afile_sync_dir(f->part);
	} else if (!S_ISREG(st.st_mode) || st.st_size < length) {
		errno = 0;
		return TIDE_EFORMAT;
	}
	if ((f->fd = open(f->part, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return fail(f, TIDE_EIO, f->part);
	if (ftruncate(f->fd, (off_t)length) < 0 ||
	    lseek(f->fd, (off_t)length, SEEK_SET) < 0 || fsync(f->fd) < 0)
		return fail(f, TIDE_EIO, f->part);
	f->seg_bytes = 0;
	f->seg_t = 0;
	/* A zstd stream goes on with a frame of its own. */
	tide_zw_init(&f->w, f->fd, f->zstd, f->o.level);
	f->wopen = 1;
	return 0;
}

int
tide_fileout_mark(struct tide_fileout *f, int64_t *length)
{
	off_t at;
	int r;

	if (f->err)
		return f->err;
	if (f->fd < 0 && (r = seg_open(f, 0)) < 0)
		return r;
	if ((r = tide_fileout_sync(f)) < 0)
		return r;
	if ((at = lseek(f->fd, 0, SEEK_CUR)) < 0)
		return fail(f, TIDE_EIO, f->part);
	*length = (int64_t)at;
	return 0;
}

void
tide_fileout_release(struct tide_fileout *f)
{
	int i;

	w_abandon(f);
	if (f->fd >= 0 && !f->is_stdout)
		close(f->fd);
	f->fd = -1;
	for (i = 0; i < f->ncol; i++) {
		free((char *)f->cols[i].seg[0].name);
		free(f->cols[i].text);
	}
	free(f->cols);
	free(f->vals);
	f->cols = NULL;
	f->vals = NULL;
	f->ncol = 0;
	free(f->pattern);
	free(f->path);
	free(f->part);
	free(f->base);
	free(f->errpath);
	f->pattern = f->path = f->part = f->base = f->errpath = NULL;
	tide_buf_release(&f->name);
	tide_buf_release(&f->header);
	tide_buf_release(&f->row);
	tide_buf_release(&f->cell);
}

const char *
tide_fileout_errpath(const struct tide_fileout *f)
{
	return f->errpath ? f->errpath : "-";
}
