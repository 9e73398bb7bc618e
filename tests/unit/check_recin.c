#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csvrec.h"
#include "err.h"
#include "json.h"
#include "recin.h"
#include "unit.h"
#include "zfile.h"

/* A file under /tmp named ...suffix holding p[0..n), zstd-compressed when
 * zstd is set; its name goes to path (64 bytes). */
static void
put_file(char *path, const char *suffix, const char *p, size_t n, int zstd)
{
	struct tide_zw w;
	int fd;

	snprintf(path, 64, "/tmp/tide-recin-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	ck_assert_int_ge(fd, 0);
	tide_zw_init(&w, fd, zstd, 1);
	ck_assert_int_eq(tide_zw_write(&w, p, n), 0);
	ck_assert_int_eq(tide_zw_close(&w), 0);
	close(fd);
}

static const char ndjson[] =
    "{\"ts\":1,\"k\":\"a\"}\n"
    "not json\n"
    "\n"
    "[1,2]\n"
    "{\"ts\":2,\"k\":\"b\"}\r\n"
    "{\"ts\":3,\"k\":\"c\",\"pad\":\"0123456789012345678901234567890123456789\"}\n"
    "{\"ts\":4}";

/* Read every record of path with k looked up; the results as one line
 * each ("LINENO ERR K-VALUE-OR-REASON") into out. */
static void
read_all(const char *path, unsigned flags, size_t max, char *out, size_t n)
{
	struct tide_recin r;
	struct tide_rec rec;
	struct tide_path k;
	struct tide_json_val v;
	char why[200];
	size_t used = 0;
	int got;

	ck_assert_int_eq(tide_path_parse(&k, "k"), 0);
	ck_assert_int_eq(tide_recin_open(&r, path, flags, max), 0);
	tide_recin_set_paths(&r, &k, 1);
	out[0] = '\0';
	while ((got = tide_recin_next(&r, &rec, &v, -1)) == 1) {
		ck_assert_uint_eq(rec.lineno, tide_recin_lineno(&r));
		if (rec.err)
			used += (size_t)snprintf(out + used, n - used, "%llu %s\n",
			    (unsigned long long)rec.lineno,
			    tide_rec_reason(&rec, r.max, why, sizeof(why)));
		else
			used += (size_t)snprintf(out + used, n - used,
			    "%llu %.*s\n", (unsigned long long)rec.lineno,
			    v.type == TIDE_JSON_NONE ? 1 : (int)v.len,
			    v.type == TIDE_JSON_NONE ? "-" : v.p);
	}
	ck_assert_int_eq(got, TIDE_EOF);
	tide_recin_close(&r);
	tide_path_release(&k);
}

static const char ndjson_want[] =
    "1 \"a\"\n"
    "2 not valid JSON: bad literal at byte 0\n"
    "3 empty line\n"
    "4 not a JSON object\n"
    "5 \"b\"\n"
    "6 record longer than 40 bytes\n"
    "7 -\n";

START_TEST(test_recin_ndjson_records_reasons_and_line_numbers)
{
	char path[64], out[1024];

	put_file(path, ".ndjson", ndjson, sizeof(ndjson) - 1, 0);
	read_all(path, 0, 40, out, sizeof(out));
	ck_assert_str_eq(out, ndjson_want);
	unlink(path);
}
END_TEST

START_TEST(test_recin_zstd_by_magic_and_by_name)
{
	char path[64], out[1024];

	/* The same records, compressed: with a ".zst" name and without. */
	put_file(path, ".ndjson.zst", ndjson, sizeof(ndjson) - 1, 1);
	read_all(path, 0, 40, out, sizeof(out));
	ck_assert_str_eq(out, ndjson_want);
	unlink(path);
	put_file(path, ".ndjson", ndjson, sizeof(ndjson) - 1, 1);
	read_all(path, 0, 40, out, sizeof(out));
	ck_assert_str_eq(out, ndjson_want);
	unlink(path);
}
END_TEST

START_TEST(test_recin_zst_name_without_magic_is_eformat)
{
	struct tide_recin r;
	char path[64];

	put_file(path, ".zst", "{}\n", 3, 0);
	ck_assert_int_eq(tide_recin_open(&r, path, 0, 0), TIDE_EFORMAT);
	ck_assert_str_eq(tide_recin_strerror(&r, TIDE_EFORMAT),
	    "not a valid zstd file");
	tide_recin_close(&r);
	unlink(path);
}
END_TEST

START_TEST(test_recin_missing_file_is_eio_with_errno)
{
	struct tide_recin r;

	ck_assert_int_eq(tide_recin_open(&r, "/nonexistent/x", 0, 0), TIDE_EIO);
	ck_assert_int_eq(r.errnum, ENOENT);
	ck_assert_str_eq(tide_recin_strerror(&r, TIDE_EIO), strerror(ENOENT));
	tide_recin_close(&r);
}
END_TEST

START_TEST(test_recin_truncated_zstd_is_eformat_after_the_data)
{
	struct tide_recin r;
	struct tide_rec rec;
	char path[64], big[4096];
	int fd, got, n = 0;
	off_t size;

	for (size_t i = 0; i + 16 < sizeof(big); i += 16)
		memcpy(big + i, "{\"a\":123456789}\n", 16);
	put_file(path, ".zst", big, sizeof(big) / 16 * 16 - 16, 1);
	fd = open(path, O_RDWR);
	size = lseek(fd, 0, SEEK_END);
	ck_assert_int_eq(ftruncate(fd, size - 8), 0);
	close(fd);
	ck_assert_int_eq(tide_recin_open(&r, path, 0, 0), 0);
	while ((got = tide_recin_next(&r, &rec, NULL, -1)) == 1)
		n++;
	ck_assert_int_eq(got, TIDE_EFORMAT);
	tide_recin_close(&r);
	unlink(path);
}
END_TEST

/* "-" is stdin: read as it is, or sniffed when asked. */
START_TEST(test_recin_stdin)
{
	struct tide_recin r;
	struct tide_rec rec;
	char path[64];
	int fd, save = dup(STDIN_FILENO);

	for (int sniff = 0; sniff < 2; sniff++) {
		put_file(path, "", "{\"x\":1}\n[]\n", 11, sniff);
		fd = open(path, O_RDONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
		close(fd);
		ck_assert_int_eq(tide_recin_open(&r, "-", sniff ?
		    TIDE_RECIN_SNIFF_STDIN : 0, 0), 0);
		ck_assert_int_eq(tide_recin_zstd(&r), sniff);
		ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
		ck_assert_int_eq(rec.err, TIDE_REC_OK);
		ck_assert_int_eq((int)rec.len, 7);
		ck_assert_int_eq(memcmp(rec.p, "{\"x\":1}", 7), 0);
		ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
		ck_assert_int_eq(rec.err, TIDE_REC_NOTOBJ);
		ck_assert_int_eq(rec.lineno, 2);
		ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), TIDE_EOF);
		tide_recin_close(&r);
		unlink(path);
	}
	dup2(save, STDIN_FILENO);
	close(save);
}
END_TEST

/* An oversized record is reported once with its line, without its bytes,
 * and reading goes on at the next line, memory bounded by max. */
START_TEST(test_recin_oversized_records_are_skipped_with_their_line)
{
	struct tide_recin r;
	struct tide_rec rec;
	char path[64], *big;
	size_t n = 3 * TIDE_RIO_BUFSZ, i;

	big = malloc(n + 32);
	memcpy(big, "{}\n", 3);
	for (i = 3; i < n; i++)
		big[i] = 'x';
	memcpy(big + n, "\n{\"ok\":1}\n", 10);
	put_file(path, ".zst", big, n + 10, 1);
	ck_assert_int_eq(tide_recin_open(&r, path, 0, 1000), 0);
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
	ck_assert_int_eq(rec.err, TIDE_REC_OK);
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
	ck_assert_int_eq(rec.err, TIDE_REC_TOOBIG);
	ck_assert_int_eq(rec.lineno, 2);
	ck_assert_int_eq((int)rec.len, 0);
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
	ck_assert_int_eq(rec.err, TIDE_REC_OK);
	ck_assert_int_eq(rec.lineno, 3);
	ck_assert_int_le(r.in.cap, TIDE_RIO_BUFSZ);	/* never grew */
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), TIDE_EOF);
	tide_recin_close(&r);
	unlink(path);
	free(big);
}
END_TEST

START_TEST(test_recin_raw_and_skip_blank)
{
	struct tide_recin r;
	struct tide_rec rec;
	char path[64];

	put_file(path, "", "x\n \t\n{}\n", 8, 0);
	ck_assert_int_eq(tide_recin_open(&r, path, TIDE_RECIN_RAW, 0), 0);
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
	ck_assert_int_eq(rec.err, TIDE_REC_OK);	/* unchecked */
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
	ck_assert_int_eq(rec.lineno, 2);
	tide_recin_close(&r);
	ck_assert_int_eq(tide_recin_open(&r, path, TIDE_RECIN_SKIP_BLANK, 0), 0);
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
	ck_assert_int_eq(rec.err, TIDE_REC_JSON);
	ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
	ck_assert_int_eq(rec.err, TIDE_REC_OK);
	ck_assert_int_eq(rec.lineno, 3);	/* line 2 skipped, counted */
	tide_recin_close(&r);
	unlink(path);
}
END_TEST

/* Read-ahead: while a record is buffered, records handed out before stay
 * valid; tell() is the end of the last record returned. */
START_TEST(test_recin_read_ahead_keeps_views_while_buffered)
{
	struct tide_recin r;
	struct tide_rec rec[8];
	struct tide_path p;
	struct tide_json_val v[8];
	char path[64], buf[8 * 16 + 16], name[16];
	int i, n = 0;

	/* 16 bytes each: {"n":0,"p":"x"} and its newline. */
	for (i = 0; i < 8; i++)
		snprintf(buf + i * 16, 32, "{\"n\":%d,\"p\":\"x\"}\n", i);
	put_file(path, ".zst", buf, 8 * 16, 1);
	ck_assert_int_eq(tide_path_parse(&p, "n"), 0);
	ck_assert_int_eq(tide_recin_open(&r, path, 0, 0), 0);
	tide_recin_set_paths(&r, &p, 1);
	ck_assert_int_eq(tide_recin_next(&r, &rec[n], &v[n], -1), 1);
	n++;
	while (n < 8 && tide_recin_buffered(&r)) {
		ck_assert_int_eq(tide_recin_next(&r, &rec[n], &v[n], -1), 1);
		ck_assert_uint_eq(tide_recin_tell(&r), (uint64_t)(n + 1) * 16);
		n++;
	}
	ck_assert_int_eq(n, 8);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "%d", i);
		ck_assert_int_eq(rec[i].err, TIDE_REC_OK);
		ck_assert_int_eq(rec[i].lineno, i + 1);
		ck_assert_int_eq(memcmp(v[i].p, name, 1), 0);
		ck_assert_ptr_eq(rec[i].p, rec[0].p + i * 16);
	}
	ck_assert_int_eq(tide_recin_buffered(&r), 0);
	ck_assert_int_eq(tide_recin_next(&r, &rec[0], &v[0], -1), TIDE_EOF);
	tide_recin_close(&r);
	tide_path_release(&p);
	unlink(path);
}
END_TEST

/* open_at: from off bytes in, plain (seeked) or zstd (skipped). */
START_TEST(test_recin_open_at_resumes_plain_and_zstd)
{
	struct tide_recin r;
	struct tide_rec rec;
	char path[64];

	for (int z = 0; z < 2; z++) {
		put_file(path, z ? ".zst" : "", "{\"a\":1}\n{\"b\":2}\n", 16, z);
		ck_assert_int_eq(tide_recin_open_at(&r, path, 0, 0, 8), 0);
		ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
		ck_assert_int_eq(memcmp(rec.p, "{\"b\":2}", 7), 0);
		ck_assert_uint_eq(tide_recin_tell(&r), 8);
		ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), TIDE_EOF);
		tide_recin_close(&r);
		unlink(path);
	}
}
END_TEST

struct rows {
	char out[512];
	size_t used;
};

static int
row_fn(void *ctx, const struct tide_csv_row *row)
{
	struct rows *rs = ctx;

	rs->used += (size_t)snprintf(rs->out + rs->used,
	    sizeof(rs->out) - rs->used, "%llu %.*s\n",
	    (unsigned long long)row->line,
	    row->err ? (int)strlen(row->reason) : (int)row->len,
	    row->err ? row->reason : row->rec);
	return 0;
}

START_TEST(test_recin_csv_plain_and_zstd)
{
	static const char csv[] = "k,x\na,1\nb,2,3\nc,3\n";
	struct tide_recin r;
	struct tide_csv c;
	struct rows rs;
	char path[64];
	int readerr;

	ck_assert_int_eq(tide_recin_is_csv("a.csv"), 1);
	ck_assert_int_eq(tide_recin_is_csv("a.csv.zst"), 1);
	ck_assert_int_eq(tide_recin_is_csv("a.ndjson.zst"), 0);
	ck_assert_int_eq(tide_recin_is_csv("csv"), 0);
	for (int z = 0; z < 2; z++) {
		memset(&rs, 0, sizeof(rs));
		put_file(path, z ? ".csv.zst" : ".csv", csv, sizeof(csv) - 1, z);
		ck_assert_int_eq(tide_recin_open(&r, path, 0, 0), 0);
		tide_csv_init(&c, 0, 0, row_fn, &rs);
		ck_assert_int_eq(tide_recin_csv(&r, &c, &readerr), 0);
		ck_assert_int_eq(readerr, 0);
		ck_assert_str_eq(rs.out, "2 {\"k\":\"a\",\"x\":1}\n"
		    "3 wrong number of fields: expected 2, got 3\n4 {\"k\":\"c\",\"x\":3}\n");
		ck_assert_uint_eq(tide_recin_bytes_in(&r),
		    z ? (uint64_t)lseek(r.z.fd, 0, SEEK_CUR) : sizeof(csv) - 1);
		tide_csv_release(&c);
		tide_recin_close(&r);
		unlink(path);
	}
}
END_TEST

static int idle_calls;

static int
idle_fn(void *ctx)
{
	(void)ctx;
	idle_calls++;
	return 0;
}

/* The idle hook runs before a read that would block: on a quiet pipe,
 * plain or zstd.  A child holds the pipe open, quiet, for a while. */
START_TEST(test_recin_idle_hook_on_a_quiet_pipe)
{
	struct tide_recin r;
	struct tide_rec rec;
	struct tide_zw w;
	int pfd[2], save = dup(STDIN_FILENO);
	pid_t pid;

	for (int z = 0; z < 2; z++) {
		ck_assert_int_eq(pipe(pfd), 0);
		tide_zw_init(&w, pfd[1], z, 1);
		tide_zw_write(&w, "{\"a\":1}\n", 8);
		tide_zw_flush(&w);
		if ((pid = fork()) == 0) {
			usleep(200 * 1000);
			_exit(0);
		}
		tide_zw_close(&w);
		close(pfd[1]);
		dup2(pfd[0], STDIN_FILENO);
		close(pfd[0]);
		ck_assert_int_eq(tide_recin_open(&r, "-",
		    TIDE_RECIN_SNIFF_STDIN, 0), 0);
		ck_assert_int_eq(tide_recin_zstd(&r), z);
		idle_calls = 0;
		tide_recin_set_idle(&r, idle_fn, NULL);
		ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), 1);
		ck_assert_int_eq(idle_calls, 0);	/* the sniff read it */
		ck_assert_int_eq(tide_recin_next(&r, &rec, NULL, -1), TIDE_EOF);
		ck_assert_int_ge(idle_calls, 1);
		tide_recin_close(&r);
		waitpid(pid, NULL, 0);
	}
	dup2(save, STDIN_FILENO);
	close(save);
}
END_TEST

Suite *suite_recin(void);

Suite *
suite_recin(void)
{
	Suite *s = suite_create("recin");
	TCase *tc = tcase_create("recin");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_recin_ndjson_records_reasons_and_line_numbers);
	tcase_add_test(tc, test_recin_zstd_by_magic_and_by_name);
	tcase_add_test(tc, test_recin_zst_name_without_magic_is_eformat);
	tcase_add_test(tc, test_recin_missing_file_is_eio_with_errno);
	tcase_add_test(tc, test_recin_truncated_zstd_is_eformat_after_the_data);
	tcase_add_test(tc, test_recin_stdin);
	tcase_add_test(tc, test_recin_oversized_records_are_skipped_with_their_line);
	tcase_add_test(tc, test_recin_raw_and_skip_blank);
	tcase_add_test(tc, test_recin_read_ahead_keeps_views_while_buffered);
	tcase_add_test(tc, test_recin_open_at_resumes_plain_and_zstd);
	tcase_add_test(tc, test_recin_csv_plain_and_zstd);
	tcase_add_test(tc, test_recin_idle_hook_on_a_quiet_pipe);
	suite_add_tcase(s, tc);
	return s;
}
