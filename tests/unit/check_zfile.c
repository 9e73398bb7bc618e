#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "buf.h"
#include "err.h"
#include "rio.h"
#include "unit.h"
#include "zfile.h"

/* A temporary file under /tmp whose name ends with suffix ("" or ".zst");
 * the name goes to path (64 bytes).  Returns an fd open for writing. */
static int
tmpfile_with(char *path, const char *suffix)
{
	int fd;

	snprintf(path, 64, "/tmp/tide-zfile-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	ck_assert_int_ge(fd, 0);
	return fd;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static char *
read_file(const char *path, size_t *n)
{
	struct stat st;
	char *p;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return p;
}

/* Write data through a tide_zw (zstd or not) into a new temp file. */
static void
zw_file(char *path, const char *suffix, const void *p, size_t n)
{
	struct tide_zw w;
	int fd = tmpfile_with(path, suffix);

	tide_zw_init_path(&w, fd, path, 3);
	ck_assert_int_eq(tide_zw_write(&w, p, n), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	close(fd);
}

/*
 * Read all of path through tide_zr in reads of at most chunk bytes into
 * out (reset first).  Returns 0 at a clean end or the error seen; the
 * bytes decoded before an error are kept in out.
 */
static int
zr_slurp(const char *path, size_t chunk, struct tide_buf *out)
{
	struct tide_zr z;
	char *tmp = malloc(chunk);
	ssize_t r;
	int rc;

	tide_buf_reset(out);
	if ((rc = tide_zr_open(&z, path)) == 0) {
		while ((r = tide_zr_read(&z, tmp, chunk)) > 0) {
			ck_assert_int_le(r, (ssize_t)chunk);
			tide_buf_add(out, tmp, (size_t)r);
		}
		rc = (int)r;
		/* Sticky: asking again gives the same answer. */
		ck_assert_int_eq(tide_zr_read(&z, tmp, chunk), rc);
	}
	tide_zr_close(&z);
	free(tmp);
	return rc;
}

/* A few MiB of distinct lines. */
static char *
lines(size_t nlines, size_t *n)
{
	struct tide_buf b = TIDE_BUF_INIT;
	size_t i;

	for (i = 0; i < nlines; i++)
		tide_buf_addf(&b, "{\"i\":%zu,\"v\":\"%08zx\"}\n", i,
		    i * 2654435761u);
	return tide_buf_detach(&b, n);
}

START_TEST(test_zfile_zstd_round_trip_in_any_read_size)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	size_t n;
	char *data = lines(100000, &n);	/* about 2.5 MiB */
	char *raw;
	size_t rawn;

	zw_file(path, ".zst", data, n);
	/* It is compressed: much smaller, and starts with the magic. */
	raw = read_file(path, &rawn);
	ck_assert_uint_lt(rawn, n / 2);
	ck_assert(memcmp(raw, "\x28\xb5\x2f\xfd", 4) == 0);
	free(raw);
	ck_assert_int_eq(zr_slurp(path, 1 << 20, &out), 0);
	ck_assert_uint_eq(out.len, n);
	ck_assert(memcmp(out.data, data, n) == 0);
	ck_assert_int_eq(zr_slurp(path, 777, &out), 0);
	ck_assert_uint_eq(out.len, n);
	ck_assert(memcmp(out.data, data, n) == 0);
	unlink(path);
	free(data);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_plain_text_passes_through)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	const char *text = "{\"a\":1}\nplain, not compressed\n";
	char *raw;
	size_t rawn;

	zw_file(path, ".ndjson", text, strlen(text));
	raw = read_file(path, &rawn);
	ck_assert_uint_eq(rawn, strlen(text));
	ck_assert(memcmp(raw, text, rawn) == 0);
	free(raw);
	ck_assert_int_eq(zr_slurp(path, 5, &out), 0);
	ck_assert_uint_eq(out.len, strlen(text));
	ck_assert(memcmp(out.data, text, out.len) == 0);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_short_and_empty_plain_files)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	int fd = tmpfile_with(path, "");

	close(fd);
	ck_assert_int_eq(zr_slurp(path, 64, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	write_file(path, "ab", 2);
	ck_assert_int_eq(zr_slurp(path, 64, &out), 0);
	ck_assert_uint_eq(out.len, 2);
	ck_assert(memcmp(out.data, "ab", 2) == 0);
	/* The first three magic bytes alone are not zstd. */
	write_file(path, "\x28\xb5\x2f", 3);
	ck_assert_int_eq(zr_slurp(path, 64, &out), 0);
	ck_assert_uint_eq(out.len, 3);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_detects_zstd_by_magic_whatever_the_name)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;

	zw_file(path, ".zst", "hello\n", 6);
	/* Same bytes under a name without .zst. */
	{
		size_t rawn;
		char *raw = read_file(path, &rawn);
		char plain[64];
		int fd = tmpfile_with(plain, ".ndjson");

		ck_assert_int_eq(write(fd, raw, rawn), (ssize_t)rawn);
		close(fd);
		free(raw);
		ck_assert_int_eq(zr_slurp(plain, 64, &out), 0);
		ck_assert_uint_eq(out.len, 6);
		ck_assert(memcmp(out.data, "hello\n", 6) == 0);
		unlink(plain);
	}
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_zst_name_without_magic_is_eformat)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	int fd = tmpfile_with(path, ".zst");

	ck_assert_int_eq(write(fd, "not zstd\n", 9), 9);
	close(fd);
	ck_assert_int_eq(zr_slurp(path, 64, &out), TIDE_EFORMAT);
	write_file(path, "", 0);
	ck_assert_int_eq(zr_slurp(path, 64, &out), TIDE_EFORMAT);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_concatenated_frames_read_through)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	struct tide_zw w;
	char frame[256];
	size_t k;
	int fd = tmpfile_with(path, ".zst");

	/* Two frames from our writer, one from the one-shot API. */
	tide_zw_init(&w, fd, 1, 1);
	ck_assert_int_eq(tide_zw_write(&w, "one\n", 4), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	tide_zw_init(&w, fd, 1, 19);
	ck_assert_int_eq(tide_zw_write(&w, "two\n", 4), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	k = ZSTD_compress(frame, sizeof(frame), "three\n", 6, 1);
	ck_assert(!ZSTD_isError(k));
	ck_assert_int_eq(write(fd, frame, k), (ssize_t)k);
	close(fd);
	ck_assert_int_eq(zr_slurp(path, 3, &out), 0);
	ck_assert_uint_eq(out.len, 14);
	ck_assert(memcmp(out.data, "one\ntwo\nthree\n", 14) == 0);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_empty_frame_reads_as_empty)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;

	zw_file(path, ".zst", "", 0);
	ck_assert_int_eq(zr_slurp(path, 64, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_truncated_file_is_eformat_after_the_data)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	size_t n, rawn;
	char *data = lines(20000, &n);
	char *raw;

	zw_file(path, ".zst", data, n);
	raw = read_file(path, &rawn);
	/* Cut anywhere: mid-frame, or just the 4-byte checksum. */
	write_file(path, raw, rawn / 2);
	ck_assert_int_eq(zr_slurp(path, 4096, &out), TIDE_EFORMAT);
	ck_assert_uint_lt(out.len, n);
	ck_assert(memcmp(out.data, data, out.len) == 0);
	write_file(path, raw, rawn - 4);
	ck_assert_int_eq(zr_slurp(path, 4096, &out), TIDE_EFORMAT);
	write_file(path, raw, 5);
	ck_assert_int_eq(zr_slurp(path, 4096, &out), TIDE_EFORMAT);
	ck_assert_uint_eq(out.len, 0);
	unlink(path);
	free(raw);
	free(data);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_corrupt_file_is_eformat)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	size_t n, rawn;
	char *data = lines(20000, &n);
	char *raw;

	zw_file(path, ".zst", data, n);
	raw = read_file(path, &rawn);
	raw[rawn / 2] ^= 0x55;
	write_file(path, raw, rawn);
	ck_assert_int_eq(zr_slurp(path, 4096, &out), TIDE_EFORMAT);
	/* A damaged checksum: all data decodes, then the error. */
	raw[rawn / 2] ^= 0x55;
	raw[rawn - 1] ^= 0x01;
	write_file(path, raw, rawn);
	ck_assert_int_eq(zr_slurp(path, 4096, &out), TIDE_EFORMAT);
	unlink(path);
	free(raw);
	free(data);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_garbage_after_a_frame_is_eformat)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	struct tide_zw w;
	int fd = tmpfile_with(path, ".zst");

	tide_zw_init(&w, fd, 1, 3);
	ck_assert_int_eq(tide_zw_write(&w, "ok\n", 3), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	ck_assert_int_eq(write(fd, "trailing text\n", 14), 14);
	close(fd);
	ck_assert_int_eq(zr_slurp(path, 64, &out), TIDE_EFORMAT);
	ck_assert_uint_eq(out.len, 3);
	ck_assert(memcmp(out.data, "ok\n", 3) == 0);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_flush_makes_data_readable_before_close)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	struct tide_zw w;
	int fd = tmpfile_with(path, ".zst");

	tide_zw_init(&w, fd, 1, 3);
	ck_assert_int_eq(tide_zw_write(&w, "early\n", 6), 0);
	/* Before a flush nothing may have reached the file. */
	ck_assert_uint_eq(w.bytes_out, 0);
	ck_assert_int_eq(tide_zw_flush(&w), 0);
	ck_assert_uint_gt(w.bytes_out, 0);
	/* The frame is still open: the data is there, then the end of
	 * input inside the frame. */
	ck_assert_int_eq(zr_slurp(path, 64, &out), TIDE_EFORMAT);
	ck_assert_uint_eq(out.len, 6);
	ck_assert(memcmp(out.data, "early\n", 6) == 0);
	ck_assert_int_eq(tide_zw_write(&w, "late\n", 5), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	ck_assert_uint_eq(w.bytes_in, 11);
	close(fd);
	ck_assert_int_eq(zr_slurp(path, 64, &out), 0);
	ck_assert_uint_eq(out.len, 11);
	ck_assert(memcmp(out.data, "early\nlate\n", 11) == 0);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

/* Frames in the file at path: ZSTD_findFrameCompressedSize over it. */
static int
count_frames(const char *path)
{
	size_t n, at = 0, sz;
	char *p = read_file(path, &n);
	int frames = 0;

	while (at < n) {
		sz = ZSTD_findFrameCompressedSize(p + at, n - at);
		ck_assert(!ZSTD_isError(sz));
		at += sz;
		frames++;
	}
	free(p);
	return frames;
}

START_TEST(test_zfile_end_frame_makes_a_complete_file_and_goes_on)
{
	char path[64];
	struct tide_buf out = TIDE_BUF_INIT;
	struct tide_zw w;
	uint64_t n;
	int fd = tmpfile_with(path, ".zst");

	tide_zw_init(&w, fd, 1, 3);
	/* Nothing written: no frame. */
	ck_assert_int_eq(tide_zw_end_frame(&w), 0);
	ck_assert_uint_eq(w.bytes_out, 0);
	ck_assert_int_eq(tide_zw_write(&w, "early\n", 6), 0);
	ck_assert_int_eq(tide_zw_end_frame(&w), 0);
	/* A complete frame: it reads back to its end, no error. */
	ck_assert_int_eq(zr_slurp(path, 64, &out), 0);
	ck_assert_uint_eq(out.len, 6);
	ck_assert(memcmp(out.data, "early\n", 6) == 0);
	/* Nothing since: no empty frame. */
	n = w.bytes_out;
	ck_assert_int_eq(tide_zw_end_frame(&w), 0);
	ck_assert_uint_eq(w.bytes_out, n);
	ck_assert_int_eq(tide_zw_write(&w, "late\n", 5), 0);
	ck_assert_int_eq(tide_zw_end_frame(&w), 0);
	n = w.bytes_out;
	/* The close adds no frame after the last end. */
	ck_assert_int_eq(tide_zw_close(&w), 0);
	ck_assert_uint_eq(w.bytes_out, n);
	close(fd);
	ck_assert_int_eq(count_frames(path), 2);
	ck_assert_int_eq(zr_slurp(path, 64, &out), 0);
	ck_assert_uint_eq(out.len, 11);
	ck_assert(memcmp(out.data, "early\nlate\n", 11) == 0);
	unlink(path);
	tide_buf_release(&out);
}
END_TEST

START_TEST(test_zfile_plain_writer_buffers_until_flush)
{
	char path[64];
	struct tide_zw w;
	int fd = tmpfile_with(path, "");
	size_t n;
	char *big = lines(30000, &n);	/* larger than the buffer */
	char *raw;
	size_t rawn;

	tide_zw_init_path(&w, fd, path, 3);
	ck_assert_int_eq(w.zstd, 0);
	ck_assert_int_eq(tide_zw_write(&w, "x\n", 2), 0);
	ck_assert_uint_eq(w.bytes_out, 0);
	ck_assert_int_eq(tide_zw_flush(&w), 0);
	ck_assert_uint_eq(w.bytes_out, 2);
	ck_assert_int_eq(tide_zw_write(&w, big, n), 0);
	ck_assert_int_eq(tide_zw_write(&w, "y\n", 2), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	ck_assert_uint_eq(w.bytes_out, n + 4);
	close(fd);
	raw = read_file(path, &rawn);
	ck_assert_uint_eq(rawn, n + 4);
	ck_assert(memcmp(raw, "x\n", 2) == 0);
	ck_assert(memcmp(raw + 2, big, n) == 0);
	ck_assert(memcmp(raw + 2 + n, "y\n", 2) == 0);
	unlink(path);
	free(raw);
	free(big);
}
END_TEST

START_TEST(test_zfile_lines_through_tide_rin)
{
	char path[64];
	struct tide_zr z;
	struct tide_rin in;
	const char *line;
	size_t len;
	const char *text = "{\"a\":1}\r\n{\"a\":2}\n\nlast";

	zw_file(path, ".zst", text, strlen(text));
	ck_assert_int_eq(tide_zr_open(&z, path), 0);
	tide_rin_init_fn(&in, tide_zr_read, &z, 0);
	ck_assert_int_eq(tide_rin_next(&in, &line, &len, -1), 1);
	ck_assert_uint_eq(len, 7);
	ck_assert(memcmp(line, "{\"a\":1}", 7) == 0);
	ck_assert_int_eq(tide_rin_next(&in, &line, &len, -1), 1);
	ck_assert(len == 7 && memcmp(line, "{\"a\":2}", 7) == 0);
	ck_assert_int_eq(tide_rin_next(&in, &line, &len, -1), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(tide_rin_next(&in, &line, &len, -1), 1);
	ck_assert(len == 4 && memcmp(line, "last", 4) == 0);
	ck_assert_int_eq(tide_rin_next(&in, &line, &len, -1), TIDE_EOF);
	tide_rin_release(&in);
	tide_zr_close(&z);
	unlink(path);
}
END_TEST

START_TEST(test_zfile_open_missing_file_is_eio_with_errno)
{
	struct tide_zr z;

	ck_assert_int_eq(tide_zr_open(&z, "/tmp/tide-zfile-does-not-exist.zst"),
	    TIDE_EIO);
	ck_assert_int_eq(z.errnum, ENOENT);
	tide_zr_close(&z);
}
END_TEST

START_TEST(test_zfile_writer_reports_epipe)
{
	struct tide_zw w;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	close(fd[0]);
	tide_zw_init(&w, fd[1], 0, 0);
	ck_assert_int_eq(tide_zw_write(&w, "x\n", 2), 0);
	ck_assert_int_eq(tide_zw_flush(&w), TIDE_EPIPE);
	/* Sticky. */
	ck_assert_int_eq(tide_zw_write(&w, "y\n", 2), TIDE_EPIPE);
	ck_assert_int_eq(tide_zw_close(&w), TIDE_EPIPE);
	close(fd[1]);
	signal(SIGPIPE, old);
}
END_TEST

/* The zstd command line tool is an independent peer: what it writes we
 * read, what we write it reads. */
START_TEST(test_zfile_interoperates_with_zstd_cli)
{
	char path[64], cmd[256], plain[64];
	struct tide_buf out = TIDE_BUF_INIT;
	size_t n, rawn;
	char *data = lines(5000, &n), *raw;
	int fd;

	if (system("command -v zstd >/dev/null 2>&1") != 0)
		return;	/* not installed: the other tests still cover us */
	zw_file(path, ".zst", data, n);
	fd = tmpfile_with(plain, ".out");
	close(fd);
	snprintf(cmd, sizeof(cmd), "zstd -q -d -c %s > %s", path, plain);
	ck_assert_int_eq(system(cmd), 0);
	raw = read_file(plain, &rawn);
	ck_assert_uint_eq(rawn, n);
	ck_assert(memcmp(raw, data, n) == 0);
	free(raw);
	/* And back: the CLI compresses our plain copy. */
	snprintf(cmd, sizeof(cmd), "zstd -q -f -c %s > %s", plain, path);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(zr_slurp(path, 65536, &out), 0);
	ck_assert_uint_eq(out.len, n);
	ck_assert(memcmp(out.data, data, n) == 0);
	unlink(plain);
	unlink(path);
	free(data);
	tide_buf_release(&out);
}
END_TEST

Suite *suite_zfile(void);

Suite *
suite_zfile(void)
{
	Suite *s = suite_create("zfile");
	TCase *tc = tcase_create("zfile");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_zfile_zstd_round_trip_in_any_read_size);
	tcase_add_test(tc, test_zfile_plain_text_passes_through);
	tcase_add_test(tc, test_zfile_short_and_empty_plain_files);
	tcase_add_test(tc, test_zfile_detects_zstd_by_magic_whatever_the_name);
	tcase_add_test(tc, test_zfile_zst_name_without_magic_is_eformat);
	tcase_add_test(tc, test_zfile_concatenated_frames_read_through);
	tcase_add_test(tc, test_zfile_empty_frame_reads_as_empty);
	tcase_add_test(tc, test_zfile_truncated_file_is_eformat_after_the_data);
	tcase_add_test(tc, test_zfile_corrupt_file_is_eformat);
	tcase_add_test(tc, test_zfile_garbage_after_a_frame_is_eformat);
	tcase_add_test(tc, test_zfile_flush_makes_data_readable_before_close);
	tcase_add_test(tc, test_zfile_end_frame_makes_a_complete_file_and_goes_on);
	tcase_add_test(tc, test_zfile_plain_writer_buffers_until_flush);
	tcase_add_test(tc, test_zfile_lines_through_tide_rin);
	tcase_add_test(tc, test_zfile_open_missing_file_is_eio_with_errno);
	tcase_add_test(tc, test_zfile_writer_reports_epipe);
	tcase_add_test(tc, test_zfile_interoperates_with_zstd_cli);
	suite_add_tcase(s, tc);
	return s;
}
