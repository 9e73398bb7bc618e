#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "tjoin.h"
#include "unit.h"

/* What a join wrote and what it found bad. */
struct run {
	struct tide_joinspec js;
	struct tide_joinplan pl;
	struct tide_table t;
	struct tide_tjoin j;
	struct tide_joinstats st;
	struct tide_wout w;
	FILE *out;
	char path[64];
	char bad[512];
	int nbad, locks, stop_at_bad;
};

static int
on_bad(void *ctx, const char *src, uint64_t lineno, const char *line,
    size_t len, const char *why)
{
	struct run *r = ctx;
	size_t n = strlen(r->bad);

	(void)src;
	(void)line;
	(void)len;
	snprintf(r->bad + n, sizeof(r->bad) - n, "%llu: %s;",
	    (unsigned long long)lineno, why);
	return ++r->nbad == r->stop_at_bad ? 65 : 0;
}

static void
setup_run(struct run *r, const char *input)
{
	static const struct tide_table_spec spec = { .nkeys = 1,
	    .keys = { "id" } };
	static char id[] = "id";
	struct tide_table_rowerr err;
	struct tide_joinplan_err perr;
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->js.kind = TIDE_JOIN_LEFT;
	r->js.nkeys = 1;
	r->js.skey[0] = r->js.tkey[0] = id;
	ck_assert_int_eq(tide_table_init(&r->t, &spec, &err), 0);
	ck_assert_int_eq(tide_table_add(&r->t, "{\"id\":1,\"name\":\"a\"}", 19,
	    &err), 0);
	ck_assert_int_eq(tide_table_finish(&r->t), 0);
	ck_assert_int_eq(tide_joinplan_build(&r->pl, &r->js, r->t.ncol,
	    r->t.colname, &perr), 0);
	strcpy(r->path, "/tmp/check_tjoinXXXXXX");
	f = fdopen(mkstemp(r->path), "w");
	fputs(input, f);
	fclose(f);
	r->out = tmpfile();
	tide_wout_init(&r->w, fileno(r->out));
	r->j.pl = &r->pl;
	r->j.table = &r->t;
	r->j.dir = TIDE_TABLE_BACKWARD;
	r->j.tol = -1;
	r->j.maxrec = 64;
	r->j.out = &r->w;
	r->j.st = &r->st;
	r->j.bad = on_bad;
	r->j.badctx = r;
	r->j.ctx = r;
}

/* Join the whole input: the last result. */
static int
join_all(struct run *r, int lag)
{
	int x;

	ck_assert_int_eq(tide_tjoin_open(&r->j, r->path, lag), 0);
	while ((x = tide_tjoin_next(&r->j, -1)) == 0)
		;
	if (x == TIDE_EOF)
		x = tide_tjoin_drain(&r->j);
	return x;
}

static const char *
output(struct run *r)
{
	static char buf[2048];
	ssize_t n;

	tide_wout_flush(&r->w);
	rewind(r->out);
	n = read(fileno(r->out), buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void
teardown_run(struct run *r)
{
	tide_tjoin_close(&r->j);
	tide_wout_release(&r->w);
	fclose(r->out);
	tide_joinplan_release(&r->pl);
	tide_table_release(&r->t);
	unlink(r->path);
}

/* Many records, so that the read-ahead ring goes round. */
static void
many(char *buf, size_t cap, int n)
{
	size_t at = 0;
	int i;

	for (i = 0; i < n; i++)
		at += (size_t)snprintf(buf + at, cap - at, "{\"id\":%d,\"i\":%d}\n",
		    i % 3, i);
}

START_TEST(test_tjoin_joins_in_order_with_and_without_lag)
{
	static char in[4096], want[8192];
	struct run r;
	size_t at = 0;
	int i, lag;

	many(in, sizeof(in), 50);
	for (i = 0; i < 50; i++)
		at += (size_t)snprintf(want + at, sizeof(want) - at,
		    "{\"id\":%d,\"i\":%d,\"name\":%s}\n", i % 3, i,
		    i % 3 == 1 ? "\"a\"" : "null");
	for (lag = 0; lag <= 1; lag++) {
		setup_run(&r, in);
		ck_assert_int_eq(join_all(&r, lag), 0);
		ck_assert_str_eq(output(&r), want);
		ck_assert_uint_eq(r.st.in, 50);
		ck_assert_uint_eq(r.st.matched, 17);
		ck_assert_uint_eq(r.st.missed, 33);
		ck_assert_int_eq(r.nbad, 0);
		teardown_run(&r);
	}
}
END_TEST

START_TEST(test_tjoin_bad_records_go_to_the_hook)
{
	struct run r;

	setup_run(&r, "{\"id\":1}\nnot json\n\n{\"id\":null}\n"
	    "{\"id\":1,\"name\":\"x\"}\n"
	    "{\"id\":1,\"pad\":\"0123456789012345678901234567890123456789012345678901234567890\"}\n"
	    "{\"id\":1,\"z\":2}\n");
	ck_assert_int_eq(join_all(&r, 1), 0);
	/* A null key under --left is a miss, not a bad record. */
	ck_assert_str_eq(r.bad, "2: not valid JSON: bad literal at byte 0;"
	    "3: empty line;"
	    "5: field 'name' is also a table field (--overwrite replaces it);"
	    "6: record longer than 64 bytes;");
	ck_assert_str_eq(output(&r), "{\"id\":1,\"name\":\"a\"}\n"
	    "{\"id\":null,\"name\":null}\n"
	    "{\"id\":1,\"z\":2,\"name\":\"a\"}\n");
	ck_assert_uint_eq(r.st.in, 7);
	teardown_run(&r);
	/* A bad record the hook stops at. */
	setup_run(&r, "{\"id\":1}\nnot json\n{\"id\":1}\n");
	r.stop_at_bad = 1;
	ck_assert_int_eq(join_all(&r, 1), 1);
	ck_assert_int_eq(r.j.status, 65);
	teardown_run(&r);
}
END_TEST

/* A barrier line comes back, after every record before it is written, and
 * is no record: not counted, not bad; a line only starting like one is a
 * broken barrier for the caller (it still comes back, with its line). */
START_TEST(test_tjoin_barriers_come_back_in_order)
{
	static char in[8192];
	static const char bar[] = "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}";
	struct run r;
	size_t at;
	int lag, x, nbar;
	char seen[64];

	for (lag = 0; lag <= 1; lag++) {
		many(in, sizeof(in), 20);
		at = strlen(in);
		at += (size_t)snprintf(in + at, sizeof(in) - at, "%s\n", bar);
		many(in + at, sizeof(in) - at, 3);
		at = strlen(in);
		snprintf(in + at, sizeof(in) - at, "{\"@barrier\":x\n");
		setup_run(&r, in);
		ck_assert_int_eq(tide_tjoin_open(&r.j, r.path, lag), 0);
		nbar = 0;
		while ((x = tide_tjoin_next(&r.j, -1)) == 0 ||
		    x == TIDE_TJOIN_BARRIER) {
			if (x != TIDE_TJOIN_BARRIER)
				continue;
			/* Everything before it is written. */
			ck_assert_uint_eq(r.st.out, nbar == 0 ? 20 : 23);
			snprintf(seen, sizeof(seen), "%.*s", (int)r.j.barlen,
			    r.j.bar);
			ck_assert_str_eq(seen, nbar == 0 ? bar : "{\"@barrier\":x");
			ck_assert_uint_eq(r.j.barlineno, nbar == 0 ? 21 : 25);
			nbar++;
		}
		ck_assert_int_eq(x, TIDE_EOF);
		ck_assert_int_eq(tide_tjoin_drain(&r.j), 0);
		ck_assert_int_eq(nbar, 2);
		ck_assert_uint_eq(r.st.in, 23);
		ck_assert_int_eq(r.nbad, 0);
		ck_assert_ptr_null(strstr(output(&r), "@barrier"));
		teardown_run(&r);
	}
}
END_TEST

/*
 * Output whose reader has gone (a sink killed by kill -9), found by the
 * idle hook's flush as the read of a quiet stdin is about to wait: the
 * join stops (1, j->status TIDE_EIO, out's TIDE_EPIPE) each time it is
 * asked, and takes nothing for a line.  It took the last line read for
 * a new one: the barrier before came back again and again, with a length
 * left from another call ("line 2: broken barrier: barrier line too
 * long", delivery.sh).
 */
START_TEST(test_tjoin_stops_when_out_breaks_as_the_read_waits)
{
	static const char in[] = "{\"id\":1}\n"
	    "{\"@barrier\":{\"seq\":1,\"offsets\":[]}}\n";
	struct run r;
	void (*oldpipe)(int);
	int ip[2], op[2], saved, lag;

	oldpipe = signal(SIGPIPE, SIG_IGN);
	for (lag = 0; lag <= 1; lag++) {
		setup_run(&r, "");
		/* stdin: the two lines, its writer still there (quiet). */
		ck_assert_int_eq(pipe(ip), 0);
		ck_assert_int_eq(pipe(op), 0);
		ck_assert_int_ge(saved = dup(STDIN_FILENO), 0);
		ck_assert_int_eq(dup2(ip[0], STDIN_FILENO), STDIN_FILENO);
		close(ip[0]);
		ck_assert_int_eq(write(ip[1], in, strlen(in)),
		    (ssize_t)strlen(in));
		/* out: a pipe whose reader has gone. */
		close(op[0]);
		tide_wout_release(&r.w);
		tide_wout_init(&r.w, op[1]);
		ck_assert_int_eq(tide_tjoin_open(&r.j, "-", lag), 0);
		ck_assert_int_eq(tide_tjoin_next(&r.j, -1), 0);
		ck_assert_int_eq(tide_tjoin_next(&r.j, -1), TIDE_TJOIN_BARRIER);
		ck_assert_uint_eq(r.j.barlineno, 2);
		ck_assert_uint_eq(r.st.out, 1);
		/* Nothing more to read: the idle flush meets the broken pipe. */
		ck_assert_int_eq(tide_tjoin_next(&r.j, -1), 1);
		ck_assert_int_eq(r.j.status, TIDE_EIO);
		ck_assert_int_eq(r.w.err, TIDE_EPIPE);
		ck_assert_str_eq(r.j.msg, "write error: broken pipe");
		ck_assert_int_eq(tide_tjoin_next(&r.j, -1), 1);
		ck_assert_int_eq(tide_tjoin_next(&r.j, 0), 1);
		ck_assert_uint_eq(r.st.in, 1);
		ck_assert_int_eq(r.nbad, 0);
		ck_assert_uint_eq(tide_recin_lineno(&r.j.in), 2);
		tide_wout_release(&r.w);
		tide_wout_init(&r.w, fileno(r.out));
		teardown_run(&r);
		close(op[1]);
		close(ip[1]);
		ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
		close(saved);
	}
	signal(SIGPIPE, oldpipe);
}
END_TEST

static int
lookup(void *ctx, const struct tide_json_val *v, int64_t ts,
    struct tide_table_row *row, enum tide_table_miss *m, int *learnt,
    char *why, size_t whylen)
{
	struct run *r = ctx;
	static struct tide_buf b;
	struct tide_json_val cv = { TIDE_JSON_STRING, "\"v\"", 3 };

	(void)ts;
	*learnt = 0;
	if (v[0].len == 1 && v[0].p[0] == '9') {
		snprintf(why, whylen, "broken");
		return -1;
	}
	if (v[0].len == 1 && v[0].p[0] == '8')
		return 74;
	if (b.data == NULL)
		tide_buf_init(&b, 1024);
	tide_table_row_build(&b, &cv, 1);
	row->p = (const unsigned char *)b.data;
	row->end = row->p + b.len;
	*m = TIDE_TABLE_HIT;
	r->locks++;
	return 0;
}

START_TEST(test_tjoin_lookup_hook_for_a_table_not_in_memory)
{
	struct run r;

	setup_run(&r, "{\"id\":2}\n{\"id\":9}\n{\"id\":8}\n{\"id\":3}\n");
	r.j.table = NULL;
	r.j.lookup = lookup;
	ck_assert_int_eq(join_all(&r, 1), 1);
	ck_assert_int_eq(r.j.status, 74);
	ck_assert_str_eq(r.bad, "2: broken;");
	ck_assert_str_eq(output(&r), "{\"id\":2,\"name\":\"v\"}\n");
	ck_assert_int_eq(r.locks, 1);
	teardown_run(&r);
}
END_TEST

static int
lock(void *ctx)
{
	((struct run *)ctx)->locks++;
	return 0;
}

static void
unlock(void *ctx)
{
	((struct run *)ctx)->locks += 100;
}

START_TEST(test_tjoin_lock_hooks_around_each_join)
{
	struct run r;

	setup_run(&r, "{\"id\":1}\n{\"id\":2}\nnot json\n");
	r.j.lock = lock;
	r.j.unlock = unlock;
	ck_assert_int_eq(join_all(&r, 0), 0);
	ck_assert_int_eq(r.locks, 202);
	ck_assert_str_eq(output(&r), "{\"id\":1,\"name\":\"a\"}\n"
	    "{\"id\":2,\"name\":null}\n");
	teardown_run(&r);
}
END_TEST

START_TEST(test_tjoin_open_fails_on_a_missing_file)
{
	struct run r;

	setup_run(&r, "");
	ck_assert_int_lt(tide_tjoin_open(&r.j, "/nonexistent/in.ndjson", 1), 0);
	ck_assert_int_eq(strncmp(r.j.msg, "cannot open '/nonexistent/in.ndjson': ",
	    38), 0);
	teardown_run(&r);
}
END_TEST

Suite *
suite_tjoin(void)
{
	Suite *s = suite_create("tjoin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tjoin_joins_in_order_with_and_without_lag);
	tcase_add_test(tc, test_tjoin_bad_records_go_to_the_hook);
	tcase_add_test(tc, test_tjoin_barriers_come_back_in_order);
	tcase_add_test(tc, test_tjoin_stops_when_out_breaks_as_the_read_waits);
	tcase_add_test(tc, test_tjoin_lookup_hook_for_a_table_not_in_memory);
	tcase_add_test(tc, test_tjoin_lock_hooks_around_each_join);
	tcase_add_test(tc, test_tjoin_open_fails_on_a_missing_file);
	suite_add_tcase(s, tc);
	return s;
}
