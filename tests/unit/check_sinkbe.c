/* struct tide_sinkbe: tide-sink's back-end interface and its file back end. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "sinkbe.h"
#include "unit.h"
#include "zfile.h"

static char dir[64];
static struct tide_buf said;	/* what the say callback got, a line each */

static void
setup(void)
{
	strcpy(dir, "/tmp/tide-sinkbe.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	tide_buf_init(&said, TIDE_BUF_NOMAX);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	tide_buf_release(&said);
}

static void
say(void *ctx, int level, const char *msg)
{
	ck_assert_ptr_eq(ctx, &said);
	tide_buf_addf(&said, "%d %s\n", level, msg);
}

static char *
path(const char *name)
{
	static char p[2][160];
	static int i;

	i = !i;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static const char *
slurp(const char *name)
{
	static char buf[1024];
	FILE *fp = fopen(path(name), "r");
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* put() of a JSON text, checked as the caller does. */
static int
put(struct tide_sinkbe *be, const char *rec, struct tide_sinkbe_err *err)
{
	enum tide_json_type type;

	ck_assert_int_eq(tide_json_check(rec, strlen(rec), 64, &type, NULL), 0);
	return be->ops->put(be, 1, rec, strlen(rec), type, err);
}

static void
open_file(struct tide_sinkbe_file *f, const char *name,
    enum tide_fileout_format format, const struct tide_path *tp)
{
	struct tide_fileout_opts o;

	memset(&o, 0, sizeof(o));
	o.format = format;
	o.stdout_fd = 1;
	ck_assert_int_eq(tide_sinkbe_file_open(f, path(name), &o, tp,
	    TIDE_UNIT_AUTO, say, &said), 0);
}

START_TEST(test_sinkbe_file_writes_records_and_counts_them)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;
	struct tide_buf st = TIDE_BUF_INIT;

	open_file(&f, "out.ndjson", TIDE_FILEOUT_NDJSON, NULL);
	ck_assert_int_eq(f.be.timeout, -1);
	ck_assert_int_eq(f.be.counts_out, 1);
	ck_assert_int_eq(put(&f.be, "{\"a\":1}", &err), 0);
	ck_assert_int_eq(put(&f.be, "[2]", &err), 0);
	ck_assert_int_eq(f.be.ops->quiet(&f.be, &err), 0);
	ck_assert_uint_eq(f.be.out, 2);
	ck_assert_uint_eq(f.be.bytes, 12);
	ck_assert_uint_eq(f.be.ops->finish(&f.be, 0, &err), 0);
	f.be.ops->stats(&f.be, &st);
	ck_assert_str_eq(tide_buf_cstr(&st), "out 2, bytes 12, files 1");
	f.be.ops->close(&f.be);
	ck_assert_str_eq(slurp("out.ndjson"), "{\"a\":1}\n[2]\n");
	ck_assert_str_eq(tide_buf_cstr(&said), "");
	tide_buf_release(&st);
}
END_TEST

START_TEST(test_sinkbe_file_time_field_names_the_file)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;
	struct tide_path tp;

	ck_assert_int_eq(tide_path_parse(&tp, "ts"), 0);
	open_file(&f, "%Y-%m-%d.ndjson", TIDE_FILEOUT_NDJSON, &tp);
	ck_assert_int_eq(put(&f.be, "{\"ts\":1700000000000,\"a\":1}", &err),
	    0);
	ck_assert_int_eq(put(&f.be, "{\"ts\":\"2023-11-14T05:00:00Z\"}", &err),
	    0);
	ck_assert_uint_eq(f.be.ops->finish(&f.be, 0, &err), 0);
	f.be.ops->close(&f.be);
	ck_assert_str_eq(slurp("2023-11-14.ndjson"), "{\"ts\":1700000000000,"
	    "\"a\":1}\n{\"ts\":\"2023-11-14T05:00:00Z\"}\n");
	tide_path_release(&tp);
}
END_TEST

START_TEST(test_sinkbe_file_records_without_a_usable_time_are_bad)
{
	static const struct {
		const char *rec, *why;
	} cases[] = {
		{ "[1]", "not a JSON object" },
		{ "{\"a\":1}", "no time field 'ts'" },
		{ "{\"ts\":\"yesterday\"}",
		    "field 'ts' is not a time: \"yesterday\"" },
		{ "{\"ts\":true}", "field 'ts' is not a time: true" },
		{ "{\"ts\":{\"a\":1}}", "field 'ts' is not a time: {\"a\":1}" },
	};
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;
	struct tide_path tp;
	size_t i;

	ck_assert_int_eq(tide_path_parse(&tp, "ts"), 0);
	open_file(&f, "out.ndjson", TIDE_FILEOUT_NDJSON, &tp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(put(&f.be, cases[i].rec, &err), TIDE_EINVAL);
		ck_assert_str_eq(err.msg, cases[i].why);
		ck_assert_int_eq(err.remote, 0);
	}
	ck_assert_uint_eq(f.be.out, 0);
	ck_assert_uint_eq(f.be.ops->finish(&f.be, 0, &err), 0);
	f.be.ops->close(&f.be);
	/* A plain name is created even empty, as a redirection would. */
	ck_assert_str_eq(slurp("out.ndjson"), "");
	tide_path_release(&tp);
}
END_TEST

START_TEST(test_sinkbe_file_csv_needs_objects_and_says_what_it_dropped)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;

	open_file(&f, "out.csv", TIDE_FILEOUT_CSV, NULL);
	ck_assert_int_eq(put(&f.be, "{\"a\":1,\"b\":\"x\"}", &err), 0);
	ck_assert_int_eq(put(&f.be, "[1]", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "not a JSON object (needed for csv)");
	ck_assert_int_eq(put(&f.be, "{\"a\":2,\"c\":3}", &err), 0);
	ck_assert_uint_eq(f.be.ops->finish(&f.be, 0, &err), 0);
	f.be.ops->close(&f.be);
	ck_assert_str_eq(slurp("out.csv"), "a,b\n1,x\n2,\n");
	ck_assert_str_eq(tide_buf_cstr(&said), "0 1 record had fields not in "
	    "the csv header (dropped)\n");
}
END_TEST

START_TEST(test_sinkbe_file_write_failure_is_eio_with_the_file_named)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;
	struct tide_fileout_opts o;
	unsigned end;

	memset(&o, 0, sizeof(o));
	o.stdout_fd = 1;
	o.rotate_bytes = 1000;
	ck_assert_int_eq(tide_sinkbe_file_open(&f, "/nonexistent-dir/x.ndjson",
	    &o, NULL, TIDE_UNIT_AUTO, say, &said), 0);
	ck_assert_int_eq(put(&f.be, "{}", &err), TIDE_EIO);
	ck_assert_int_eq(err.remote, 0);
	ck_assert_str_eq(err.msg, "write '/nonexistent-dir/x.ndjson.part': No "
	    "such file or directory");
	/* Reported then: finish() says it failed, without a second message. */
	end = f.be.ops->finish(&f.be, 1, &err);
	ck_assert_uint_eq(end & TIDE_SINKBE_WRITE_FAILED,
	    TIDE_SINKBE_WRITE_FAILED);
	ck_assert_str_eq(tide_buf_cstr(&said), "");
	f.be.ops->close(&f.be);
}
END_TEST

/* The size of a file, or -1 when it does not exist. */
static long long
fsize(const char *name)
{
	struct stat st;

	return stat(path(name), &st) == 0 ? (long long)st.st_size : -1;
}

/* A zstd file read back through lib/zfile, as a reader would. */
static const char *
zslurp(const char *name)
{
	static char buf[1024];
	struct tide_zr z;
	ssize_t n;
	size_t len = 0;

	ck_assert_int_eq(tide_zr_open(&z, path(name)), 0);
	while ((n = tide_zr_read(&z, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	ck_assert_int_eq(n, 0);
	tide_zr_close(&z);
	buf[len] = '\0';
	return buf;
}

START_TEST(test_sinkbe_file_sync_makes_the_segment_durable)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;

	open_file(&f, "out.ndjson", TIDE_FILEOUT_NDJSON, NULL);
	/* Nothing written yet: nothing to sync, no file made. */
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), 0);
	ck_assert_int_eq(fsize("out.ndjson.part"), -1);
	ck_assert_int_eq(put(&f.be, "{\"a\":1}", &err), 0);
	ck_assert_int_eq(put(&f.be, "[2]", &err), 0);
	/* Buffered until the sync; then in the file, still NAME.part. */
	ck_assert_int_eq(fsize("out.ndjson.part"), 0);
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), 0);
	ck_assert_str_eq(slurp("out.ndjson.part"), "{\"a\":1}\n[2]\n");
	ck_assert_int_eq(fsize("out.ndjson"), -1);
	ck_assert_int_eq(put(&f.be, "3", &err), 0);
	ck_assert_uint_eq(f.be.ops->finish(&f.be, 0, &err), 0);
	f.be.ops->close(&f.be);
	ck_assert_str_eq(slurp("out.ndjson"), "{\"a\":1}\n[2]\n3\n");
	ck_assert_int_eq(fsize("out.ndjson.part"), -1);
	ck_assert_str_eq(tide_buf_cstr(&said), "");
}
END_TEST

START_TEST(test_sinkbe_file_sync_ends_a_zstd_frame)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;
	long long n;

	open_file(&f, "out.ndjson.zst", TIDE_FILEOUT_NDJSON, NULL);
	ck_assert_int_eq(put(&f.be, "{\"a\":1}", &err), 0);
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), 0);
	/* A complete frame: it reads back whole, checksum and all. */
	ck_assert_str_eq(zslurp("out.ndjson.zst.part"), "{\"a\":1}\n");
	n = fsize("out.ndjson.zst.part");
	/* Nothing since: no empty frame. */
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), 0);
	ck_assert_int_eq(fsize("out.ndjson.zst.part"), n);
	ck_assert_int_eq(put(&f.be, "[2]", &err), 0);
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), 0);
	ck_assert_int_gt(fsize("out.ndjson.zst.part"), n);
	ck_assert_str_eq(zslurp("out.ndjson.zst.part"), "{\"a\":1}\n[2]\n");
	/* The end adds no frame after the last sync's. */
	n = fsize("out.ndjson.zst.part");
	ck_assert_uint_eq(f.be.ops->finish(&f.be, 0, &err), 0);
	f.be.ops->close(&f.be);
	ck_assert_int_eq(fsize("out.ndjson.zst"), n);
	ck_assert_str_eq(zslurp("out.ndjson.zst"), "{\"a\":1}\n[2]\n");
}
END_TEST

START_TEST(test_sinkbe_file_sync_on_a_pipe_flushes_it)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;
	struct tide_fileout_opts o;
	char buf[64];
	int fd[2];
	ssize_t n;

	ck_assert_int_eq(pipe(fd), 0);
	memset(&o, 0, sizeof(o));
	o.stdout_fd = fd[1];
	ck_assert_int_eq(tide_sinkbe_file_open(&f, "-", &o, NULL,
	    TIDE_UNIT_AUTO, say, &said), 0);
	ck_assert_int_eq(put(&f.be, "{\"a\":1}", &err), 0);
	/* A pipe cannot be fsynced: written is all there is, and no error. */
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), 0);
	n = read(fd[0], buf, sizeof(buf));
	ck_assert_int_eq(n, 8);
	ck_assert_int_eq(memcmp(buf, "{\"a\":1}\n", 8), 0);
	/* The reader gone: TIDE_EPIPE, as from a write. */
	close(fd[0]);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(put(&f.be, "[2]", &err), 0);
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), TIDE_EPIPE);
	f.be.ops->finish(&f.be, 0, &err);
	f.be.ops->close(&f.be);
	close(fd[1]);
}
END_TEST

START_TEST(test_sinkbe_file_sync_failure_is_eio_with_the_file_named)
{
	struct tide_sinkbe_file f;
	struct tide_sinkbe_err err;
	struct tide_fileout_opts o;
	unsigned end;

	ck_assert_int_eq(access("/dev/full", W_OK), 0);
	memset(&o, 0, sizeof(o));
	o.stdout_fd = 1;
	/* A device is written in place; the record waits in the buffer
	 * until the sync writes it, and fails. */
	ck_assert_int_eq(tide_sinkbe_file_open(&f, "/dev/full", &o, NULL,
	    TIDE_UNIT_AUTO, say, &said), 0);
	ck_assert_int_eq(put(&f.be, "{}", &err), 0);
	ck_assert_int_eq(f.be.ops->sync(&f.be, &err), TIDE_EIO);
	ck_assert_int_eq(err.remote, 0);
	ck_assert_str_eq(err.msg, "write '/dev/full': No space left on device");
	end = f.be.ops->finish(&f.be, 1, &err);
	ck_assert_uint_eq(end & TIDE_SINKBE_WRITE_FAILED,
	    TIDE_SINKBE_WRITE_FAILED);
	ck_assert_str_eq(tide_buf_cstr(&said), "");
	f.be.ops->close(&f.be);
}
END_TEST

START_TEST(test_sinkbe_file_bad_pattern_is_einval)
{
	struct tide_sinkbe_file f;
	struct tide_fileout_opts o;

	memset(&o, 0, sizeof(o));
	o.stdout_fd = 1;
	ck_assert_int_eq(tide_sinkbe_file_open(&f, "", &o, NULL,
	    TIDE_UNIT_AUTO, say, &said), TIDE_EINVAL);
	f.be.ops->close(&f.be);
	o.rotate_ms = 1000;
	ck_assert_int_eq(tide_sinkbe_file_open(&f, "-", &o, NULL,
	    TIDE_UNIT_AUTO, say, &said), TIDE_EINVAL);
	f.be.ops->close(&f.be);
}
END_TEST

START_TEST(test_sinkbe_say_and_errf_format)
{
	struct tide_sinkbe be;
	struct tide_sinkbe_err err;

	memset(&be, 0, sizeof(be));
	tide_sinkbe_say(&be, 0, "dropped %d", 1);	/* no callback: nothing */
	be.say = say;
	be.ctx = &said;
	tide_sinkbe_say(&be, 1, "note %s", "x");
	ck_assert_str_eq(tide_buf_cstr(&said), "1 note x\n");
	err.remote = 1;
	tide_sinkbe_errf(&err, "%s: %d", "a", 2);
	ck_assert_str_eq(err.msg, "a: 2");
	ck_assert_int_eq(err.remote, 0);
}
END_TEST

Suite *
suite_sinkbe(void)
{
	Suite *s = suite_create("sinkbe");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sinkbe_file_writes_records_and_counts_them);
	tcase_add_test(tc, test_sinkbe_file_time_field_names_the_file);
	tcase_add_test(tc, test_sinkbe_file_records_without_a_usable_time_are_bad);
	tcase_add_test(tc, test_sinkbe_file_csv_needs_objects_and_says_what_it_dropped);
	tcase_add_test(tc, test_sinkbe_file_write_failure_is_eio_with_the_file_named);
	tcase_add_test(tc, test_sinkbe_file_bad_pattern_is_einval);
	tcase_add_test(tc, test_sinkbe_file_sync_makes_the_segment_durable);
	tcase_add_test(tc, test_sinkbe_file_sync_ends_a_zstd_frame);
	tcase_add_test(tc, test_sinkbe_file_sync_on_a_pipe_flushes_it);
	tcase_add_test(tc, test_sinkbe_file_sync_failure_is_eio_with_the_file_named);
	tcase_add_test(tc, test_sinkbe_say_and_errf_format);
	suite_add_tcase(s, tc);
	return s;
}
