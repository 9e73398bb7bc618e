/* struct tide_winout: tide-window's result records, --over records and the
 * late file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "buf.h"
#include "err.h"
#include "rio.h"
#include "window.h"
#include "winout.h"
#include "unit.h"

/* A window of kind over a spec, written through a winout to a file. */
struct fixture {
	char path[64];
	int fd;
	struct tide_aggspec spec;
	struct tide_wout out;
	struct tide_winout wo;
	struct tide_win win;
	struct tide_aggval v[4];
	char text[4096];
};

static void
setup(struct fixture *f, enum tide_win_kind kind, int64_t size, int64_t every,
    const char *aggs, const char *keys, int rfc3339, enum tide_win_emit emit)
{
	struct tide_win_conf c;
	char *names[4], *copy = strdup(keys), *save = NULL, *p;
	int n = 0;

	memset(f, 0, sizeof(*f));
	strcpy(f->path, "/tmp/tide-winout-XXXXXX");
	f->fd = mkstemp(f->path);
	ck_assert_int_ge(f->fd, 0);
	ck_assert_int_eq(tide_aggspec_parse(&f->spec, aggs, 0, NULL), 0);
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		names[n++] = p;
	tide_wout_init(&f->out, f->fd);
	tide_winout_init(&f->wo, &f->out, &f->spec, names, n, rfc3339,
	    emit != TIDE_EMIT_FINAL);
	free(copy);	/* the names are copied into the winout */
	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.size = size;
	c.every = every;
	c.emit = emit;
	c.early = 5;
	c.spec = &f->spec;
	tide_win_init(&f->win, &c, tide_winout_emit, &f->wo);
}

/* Everything written, as a string. */
static const char *
written(struct fixture *f)
{
	ssize_t n;

	ck_assert_int_eq(tide_wout_flush(&f->out), 0);
	n = pread(f->fd, f->text, sizeof(f->text) - 1, 0);
	ck_assert_int_ge(n, 0);
	f->text[n] = '\0';
	return f->text;
}

static void
done(struct fixture *f)
{
	ck_assert_int_eq(tide_winout_release(&f->wo), 0);
	tide_win_release(&f->win);
	tide_wout_release(&f->out);
	tide_aggspec_release(&f->spec);
	close(f->fd);
	unlink(f->path);
}

static void
add(struct fixture *f, int64_t t, const char *key, size_t klen)
{
	ck_assert_int_eq(tide_win_add(&f->win, t, key, klen, f->v, NULL), 0);
}

START_TEST(test_winout_tumble_results_have_times_keys_and_aggregates)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 10, 10, "count", "k", 0, TIDE_EMIT_FINAL);
	add(&f, 1, "\"a\"", 3);
	add(&f, 2, "\"b\"", 3);
	add(&f, 3, "\"a\"", 3);
	add(&f, 12, "7", 1);
	ck_assert_int_eq(tide_win_flush(&f.win), 0);
	ck_assert_str_eq(written(&f),
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"a\",\"count\":2}\n"
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"b\",\"count\":1}\n"
	    "{\"window_start\":10,\"window_end\":20,\"k\":7,\"count\":1}\n");
	ck_assert_uint_eq(f.wo.n, 3);
	done(&f);
}
END_TEST

START_TEST(test_winout_several_keys_split_at_nul_and_rfc3339_times)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 1000, 1000, "count as n", "host,dc", 1,
	    TIDE_EMIT_FINAL);
	add(&f, 1500, "\"h1\"\0\"eu\"", 9);
	ck_assert_int_eq(tide_win_flush(&f.win), 0);
	ck_assert_str_eq(written(&f),
	    "{\"window_start\":\"1970-01-01T00:00:01.000Z\","
	    "\"window_end\":\"1970-01-01T00:00:02.000Z\","
	    "\"host\":\"h1\",\"dc\":\"eu\",\"n\":1}\n");
	done(&f);
}
END_TEST

START_TEST(test_winout_hop_memo_gives_the_same_text_for_each_window)
{
	struct fixture f;

	/* One record is in the three windows ending at 10, 20 and 30. */
	setup(&f, TIDE_WIN_HOP, 30, 10, "count", "k", 0, TIDE_EMIT_FINAL);
	add(&f, 5, "\"a\"", 3);
	ck_assert_int_eq(tide_win_flush(&f.win), 0);
	ck_assert_str_eq(written(&f),
	    "{\"window_start\":-20,\"window_end\":10,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":-10,\"window_end\":20,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":0,\"window_end\":30,\"k\":\"a\",\"count\":1}\n");
	ck_assert_uint_eq(f.wo.n, 3);
	done(&f);
}
END_TEST

START_TEST(test_winout_marked_results_say_final_or_not)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 10, 10, "count", "k", 0, TIDE_EMIT_EVERY);
	add(&f, 1, "1", 1);
	ck_assert_int_eq(tide_win_advance(&f.win, 1), 0);
	ck_assert_int_eq(tide_win_advance(&f.win, 10), 0);
	ck_assert_str_eq(written(&f),
	    "{\"window_start\":0,\"window_end\":10,\"k\":1,\"count\":1,"
	    "\"final\":false}\n"
	    "{\"window_start\":0,\"window_end\":10,\"k\":1,\"count\":1,"
	    "\"final\":true}\n");
	done(&f);
}
END_TEST

START_TEST(test_winout_over_adds_the_aggregates_to_the_record)
{
	struct fixture f;
	const void *ov = NULL;

	setup(&f, TIDE_WIN_OVER, 10, 0, "count", "k", 0, TIDE_EMIT_FINAL);
	ck_assert_int_eq(tide_win_add(&f.win, 1, "1", 1, f.v, &ov), 0);
	ck_assert_ptr_nonnull(ov);
	ck_assert_int_eq(tide_winout_over(&f.wo, "{\"k\":1,\"ts\":1}", 14, ov),
	    0);
	ck_assert_int_eq(tide_win_add(&f.win, 2, "1", 1, f.v, &ov), 0);
	ck_assert_int_eq(tide_winout_over(&f.wo, "{}", 2, ov), 0);
	ck_assert_str_eq(written(&f),
	    "{\"k\":1,\"ts\":1,\"count\":1}\n{\"count\":2}\n");
	ck_assert_uint_eq(f.wo.n, 2);
	done(&f);
}
END_TEST

START_TEST(test_winout_late_records_are_counted_and_kept_in_the_file)
{
	struct fixture f;
	char late[64], buf[64];
	FILE *fp;
	size_t n;
	int fd;

	setup(&f, TIDE_WIN_TUMBLE, 10, 10, "count", "k", 0, TIDE_EMIT_FINAL);
	/* Without a file: counted only. */
	ck_assert_int_eq(tide_winout_late(&f.wo, "{\"a\":1}", 7), 0);
	strcpy(late, "/tmp/tide-late-XXXXXX");
	fd = mkstemp(late);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(tide_winout_late_open(&f.wo, late), 0);
	ck_assert_int_eq(tide_winout_late(&f.wo, "{\"b\":2}", 7), 0);
	ck_assert_int_eq(tide_winout_late(&f.wo, "{\"c\":3}", 7), 0);
	ck_assert_uint_eq(f.wo.late_n, 3);
	done(&f);
	fp = fopen(late, "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	unlink(late);
	ck_assert_str_eq(buf, "{\"b\":2}\n{\"c\":3}\n");
}
END_TEST

START_TEST(test_winout_late_file_that_cannot_be_opened_is_eio)
{
	struct fixture f;

	setup(&f, TIDE_WIN_TUMBLE, 10, 10, "count", "k", 0, TIDE_EMIT_FINAL);
	errno = 0;
	ck_assert_int_eq(tide_winout_late_open(&f.wo,
	    "/nonexistent-dir/late.ndjson"), TIDE_EIO);
	ck_assert_int_eq(errno, ENOENT);
	/* Still counted. */
	ck_assert_int_eq(tide_winout_late(&f.wo, "{}", 2), 0);
	ck_assert_uint_eq(f.wo.late_n, 1);
	done(&f);
}
END_TEST

START_TEST(test_winout_write_error_comes_back_from_emit)
{
	struct fixture f;
	int p[2];

	setup(&f, TIDE_WIN_TUMBLE, 10, 10, "count", "k", 0, TIDE_EMIT_FINAL);
	/* The reader went away: the flush at the end says so. */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	f.out.fd = p[1];
	add(&f, 1, "1", 1);
	ck_assert_int_eq(tide_win_flush(&f.win), 0);
	ck_assert_int_eq(tide_wout_flush(&f.out), TIDE_EPIPE);
	close(p[1]);
	f.out.len = 0;
	f.out.err = 0;
	done(&f);
}
END_TEST

Suite *
suite_winout(void)
{
	Suite *s = suite_create("winout");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_winout_tumble_results_have_times_keys_and_aggregates);
	tcase_add_test(tc, test_winout_several_keys_split_at_nul_and_rfc3339_times);
	tcase_add_test(tc, test_winout_hop_memo_gives_the_same_text_for_each_window);
	tcase_add_test(tc, test_winout_marked_results_say_final_or_not);
	tcase_add_test(tc, test_winout_over_adds_the_aggregates_to_the_record);
	tcase_add_test(tc, test_winout_late_records_are_counted_and_kept_in_the_file);
	tcase_add_test(tc, test_winout_late_file_that_cannot_be_opened_is_eio);
	tcase_add_test(tc, test_winout_write_error_comes_back_from_emit);
	suite_add_tcase(s, tc);
	return s;
}
