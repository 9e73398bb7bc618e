#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "expr.h"
#include "ijsrc.h"
#include "unit.h"

static void
spec(struct tide_joinspec *js, enum tide_join_kind kind)
{
	static char id[] = "id", rid[] = "rid";

	memset(js, 0, sizeof(*js));
	js->kind = kind;
	js->nkeys = 1;
	js->skey[0] = id;
	js->tkey[0] = rid;
	js->unit = TIDE_UNIT_MS;
}

/* Put line into s's head and check it. */
static int
check(struct tide_ijside *s, const char *line, char *why)
{
	s->line = line;
	s->len = strlen(line);
	return tide_ijside_check(s, why, 256);
}

START_TEST(test_ijside_check_time_and_key)
{
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijsrc_err err;
	char why[256];

	spec(&js, TIDE_JOIN_LEFT);
	ck_assert_int_eq(tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT,
	    NULL, 0, &err), 0);
	ck_assert_int_eq(tide_ijside_init(&r, &js, "ts", 1024,
	    TIDE_IJOIN_RIGHT, NULL, 0, &err), 0);
	ck_assert_int_eq(check(&l, "{\"id\":\"a\",\"ts\":5}", why), 0);
	ck_assert_int_eq(l.ts, 5);
	ck_assert_int_eq(l.nokey, 0);
	ck_assert_int_eq(check(&r, "{\"rid\":\"a\",\"ts\":\"1970-01-01T00:00:01Z\"}",
	    why), 0);
	ck_assert_int_eq(r.ts, 1000);
	ck_assert_uint_eq(l.key.len, r.key.len);
	ck_assert_int_eq(memcmp(l.key.data, r.key.data, l.key.len), 0);
	/* A keyless left record of a --left join is a miss, not bad. */
	ck_assert_int_eq(check(&l, "{\"ts\":5}", why), 0);
	ck_assert_int_eq(l.nokey, 1);
	ck_assert_int_eq(check(&r, "{\"ts\":5}", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "key field 'rid' is missing");
	ck_assert_int_eq(check(&l, "{\"id\":1}", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "time field 'ts' is missing");
	ck_assert_int_eq(check(&l, "{\"id\":1,\"ts\":\"soon\"}", why),
	    TIDE_EINVAL);
	ck_assert_str_eq(why, "field 'ts' is not a time: \"soon\"");
	ck_assert_int_eq(check(&l, "[1]", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "not a JSON object");
	ck_assert_int_eq(check(&l, "{\"id\":", why), TIDE_EINVAL);
	ck_assert_int_eq(strncmp(why, "not valid JSON: ", 16), 0);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
}
END_TEST

START_TEST(test_ijside_init_rejects_bad_paths)
{
	struct tide_joinspec js;
	struct tide_ijside s;
	struct tide_ijsrc_err err;

	spec(&js, TIDE_JOIN_INNER);
	ck_assert_int_eq(tide_ijside_init(&s, &js, "a..b", 1024,
	    TIDE_IJOIN_LEFT, NULL, 0, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--time: bad field name 'a..b'");
	tide_ijside_release(&s);
}
END_TEST

START_TEST(test_ijside_next_reads_files_in_turn)
{
	struct tide_joinspec js;
	struct tide_ijside s;
	struct tide_ijsrc_err err;
	char p1[] = "/tmp/check_ijsrc1XXXXXX", p2[] = "/tmp/check_ijsrc2XXXXXX";
	char *paths[3] = { p1, p2, "/nonexistent/x" };
	FILE *f;

	f = fdopen(mkstemp(p1), "w");
	fputs("{\"id\":1,\"ts\":1}\n{\"id\":2}\n", f);
	fclose(f);
	f = fdopen(mkstemp(p2), "w");
	fputs("{\"id\":3,\"ts\":3}\n", f);
	fclose(f);
	spec(&js, TIDE_JOIN_INNER);
	ck_assert_int_eq(tide_ijside_init(&s, &js, "ts", 1024, TIDE_IJOIN_LEFT,
	    paths, 3, &err), 0);
	ck_assert_int_eq(tide_ijside_next(&s, -1, &err), 1);
	ck_assert_int_eq(s.ts, 1);
	ck_assert_uint_eq(s.lineno, 1);
	ck_assert_int_eq(tide_ijside_next(&s, -1, &err), TIDE_IJSIDE_BAD);
	ck_assert_str_eq(err.msg, "time field 'ts' is missing");
	ck_assert_uint_eq(s.lineno, 2);
	ck_assert_str_eq(s.path, p1);
	ck_assert_int_eq(tide_ijside_next(&s, -1, &err), 1);
	ck_assert_int_eq(s.ts, 3);
	ck_assert_str_eq(s.path, p2);
	ck_assert_int_lt(tide_ijside_next(&s, -1, &err), 0);
	ck_assert_int_eq(strncmp(err.msg, "cannot open '/nonexistent/x': ",
	    30), 0);
	ck_assert_int_eq(tide_ijside_next(&s, -1, &err), 0);
	ck_assert_int_eq(s.eof, 1);
	tide_ijside_release(&s);
	unlink(p1);
	unlink(p2);
}
END_TEST

/* Barrier lines are not records: a side skips them, broken ones too. */
START_TEST(test_ijside_next_skips_barriers)
{
	struct tide_joinspec js;
	struct tide_ijside s;
	struct tide_ijsrc_err err;
	char p1[] = "/tmp/check_ijsrc3XXXXXX";
	char *paths[1] = { p1 };
	FILE *f;

	f = fdopen(mkstemp(p1), "w");
	fputs("{\"@barrier\":{\"seq\":1,\"offsets\":[]}}\n{\"id\":1,\"ts\":1}\n"
	    "{\"@barrier\":x\n{\"id\":2,\"ts\":2}\n{\"@barrier\":{}}\n", f);
	fclose(f);
	spec(&js, TIDE_JOIN_INNER);
	ck_assert_int_eq(tide_ijside_init(&s, &js, "ts", 1024, TIDE_IJOIN_LEFT,
	    paths, 1, &err), 0);
	ck_assert_int_eq(tide_ijside_next(&s, -1, &err), 1);
	ck_assert_int_eq(s.ts, 1);
	ck_assert_uint_eq(s.lineno, 2);
	ck_assert_int_eq(tide_ijside_next(&s, -1, &err), 1);
	ck_assert_int_eq(s.ts, 2);
	ck_assert_uint_eq(s.lineno, 4);
	ck_assert_int_eq(tide_ijside_next(&s, -1, &err), 0);
	ck_assert_int_eq(s.eof, 1);
	tide_ijside_release(&s);
	unlink(p1);
}
END_TEST

START_TEST(test_ijside_watermarks)
{
	struct tide_ijside l, r;

	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	l.maxts = 100;
	r.maxts = INT64_MIN;
	ck_assert_int_eq(tide_ijside_watermark(&l, &r, 10), INT64_MIN);
	r.maxts = 50;
	ck_assert_int_eq(tide_ijside_watermark(&l, &r, 10), 40);
	r.eof = 1;
	ck_assert_int_eq(tide_ijside_watermark(&l, &r, 10), 90);
	l.eof = 1;
	ck_assert_int_eq(tide_ijside_watermark(&l, &r, 10), INT64_MAX);
	/* Holds: an ended or quiet side holds nothing. */
	l.eof = r.eof = 0;
	l.wall = 1000;
	ck_assert_int_eq(tide_ijside_hold(&l, 0, 99999), 100);
	ck_assert_int_eq(tide_ijside_hold(&l, 500, 1499), 100);
	ck_assert_int_eq(tide_ijside_hold(&l, 500, 1500), INT64_MAX);
	/* Both quiet: the watermark moves on with the wall clock. */
	r.wall = 1200;
	ck_assert_int_eq(tide_ijside_live_watermark(&l, &r, 100, 50, 10, 0),
	    40);
	ck_assert_int_eq(tide_ijside_live_watermark(&l, &r, INT64_MAX,
	    INT64_MAX, 10, 1700), 90 + 500);
	ck_assert_int_eq(tide_ijside_live_watermark(&l, &r, INT64_MIN, 5, 10,
	    0), INT64_MIN);
}
END_TEST

/* The output of tide_ijout, through a tmpfile. */
struct cap {
	FILE *f;
	struct tide_wout w;
	int nbad;
	char bad[256];
};

static int
on_bad(void *ctx, const char *src, uint64_t lineno, const char *line,
    size_t len, const char *why)
{
	struct cap *c = ctx;

	(void)src;
	(void)lineno;
	(void)line;
	(void)len;
	c->nbad++;
	snprintf(c->bad, sizeof(c->bad), "%s", why);
	return 0;
}

static const char *
output(struct cap *c)
{
	static char out[2048];
	ssize_t n;

	tide_wout_flush(&c->w);
	rewind(c->f);
	n = read(fileno(c->f), out, sizeof(out) - 1);
	out[n < 0 ? 0 : n] = '\0';
	return out;
}

/* Take one record of side into the join. */
static int
take(struct tide_ijout *o, struct tide_ijoin *ij, struct tide_ijside *s,
    const char *line)
{
	char why[256];

	ck_assert_int_eq(check(s, line, why), 0);
	ck_assert_int_eq(tide_ijout_late(o, s, INT64_MIN), 0);
	return tide_ijout_take(o, ij, s);
}

START_TEST(test_ijout_left_join_pairs_and_misses)
{
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err err;
	struct cap c;
	char *sel[] = { "v" };
	char dname[] = "v", dval[] = "0";

	spec(&js, TIDE_JOIN_LEFT);
	js.missfield = "why";
	js.prefix = "r_";
	js.ndef = 1;
	js.defname[0] = dname;
	js.defval[0] = dval;
	memset(&c, 0, sizeof(c));
	c.f = tmpfile();
	tide_wout_init(&c.w, fileno(c.f));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 1, sel, &c.w, 1024, &st,
	    on_bad, &c, &err), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, NULL, 0, &err);
	tide_ijside_init(&r, &js, "ts", 1024, TIDE_IJOIN_RIGHT, NULL, 0, &err);
	tide_ijoin_init(&ij, 10);
	ck_assert_int_eq(take(&o, &ij, &r, "{\"rid\":1,\"ts\":5,\"v\":7}"), 0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":1,\"ts\":8}"), 0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":2,\"ts\":9}"), 0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"ts\":9}"), 0);
	ck_assert_int_eq(tide_ijoin_advance(&ij, INT64_MAX, tide_ijout_expire,
	    &o), 0);
	ck_assert_str_eq(output(&c),
	    "{\"id\":1,\"ts\":8,\"r_v\":7,\"why\":null}\n"
	    "{\"ts\":9,\"r_v\":0,\"why\":\"no_key\"}\n"
	    "{\"id\":2,\"ts\":9,\"r_v\":0,\"why\":\"no_match\"}\n");
	ck_assert_uint_eq(o.pairs, 1);
	ck_assert_uint_eq(o.unmatched, 2);
	ck_assert_uint_eq(st.out, 3);
	ck_assert_uint_eq(st.matched, 1);
	ck_assert_uint_eq(st.missed, 2);
	ck_assert_int_eq(c.nbad, 0);
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_ijout_release(&o);
	tide_wout_release(&c.w);
	fclose(c.f);
}
END_TEST

START_TEST(test_ijout_collision_is_bad_unless_overwrite)
{
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err err;
	struct cap c;

	spec(&js, TIDE_JOIN_INNER);
	memset(&c, 0, sizeof(c));
	c.f = tmpfile();
	tide_wout_init(&c.w, fileno(c.f));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 0, NULL, &c.w, 1024, &st,
	    on_bad, &c, &err), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, NULL, 0, &err);
	tide_ijside_init(&r, &js, "ts", 1024, TIDE_IJOIN_RIGHT, NULL, 0, &err);
	tide_ijoin_init(&ij, 10);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":1,\"ts\":1,\"x\":0}"), 0);
	ck_assert_int_eq(take(&o, &ij, &r, "{\"rid\":1,\"ts\":2,\"x\":5}"), 0);
	ck_assert_int_eq(c.nbad, 1);
	ck_assert_str_eq(c.bad, "field 'ts' is also a field of the other "
	    "stream (--overwrite replaces it)");
	js.overwrite = 1;
	ck_assert_int_eq(take(&o, &ij, &r, "{\"rid\":1,\"ts\":3,\"x\":6}"), 0);
	ck_assert_str_eq(output(&c), "{\"id\":1,\"ts\":3,\"x\":6}\n");
	/* Late: behind the watermark, counted and not joined. */
	ck_assert_int_eq(check(&l, "{\"id\":1,\"ts\":1}", c.bad), 0);
	ck_assert_int_eq(tide_ijout_late(&o, &l, 2), 1);
	ck_assert_uint_eq(o.late_n, 1);
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_ijout_release(&o);
	tide_wout_release(&c.w);
	fclose(c.f);
}
END_TEST

START_TEST(test_ijout_init_rejects_bad_select_and_default)
{
	struct tide_joinspec js;
	struct tide_ijout o;
	struct tide_joinstats st;
	struct tide_ijsrc_err err;
	char *bad[] = { "a..b" }, *sel[] = { "a.b" };
	char dname[] = "c", dval[] = "1";

	spec(&js, TIDE_JOIN_LEFT);
	ck_assert_int_eq(tide_ijout_init(&o, &js, 1, bad, NULL, 1024, &st,
	    on_bad, NULL, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--select: bad field name 'a..b'");
	tide_ijout_release(&o);
	js.ndef = 1;
	js.defname[0] = dname;
	js.defval[0] = dval;
	ck_assert_int_eq(tide_ijout_init(&o, &js, 1, sel, NULL, 1024, &st,
	    on_bad, NULL, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--default: 'c' is not a --select field");
	tide_ijout_release(&o);
	dname[0] = 'b';
	ck_assert_int_eq(tide_ijout_init(&o, &js, 1, sel, NULL, 1024, &st,
	    on_bad, NULL, &err), 0);
	ck_assert_str_eq(tide_buf_cstr(&o.missfrag), "\"b\":1");
	tide_ijout_release(&o);
}
END_TEST

/* Hooks for tide_ijdrive_files(): late records and failures logged. */
struct dlog {
	char log[512];
	int rounds;
};

static int
d_round(void *ctx)
{
	((struct dlog *)ctx)->rounds++;
	return 0;
}

static int
d_late(void *ctx, const struct tide_ijside *s, int64_t wm)
{
	struct dlog *l = ctx;
	size_t n = strlen(l->log);

	snprintf(l->log + n, sizeof(l->log) - n, "late %lld<%lld;",
	    (long long)s->ts, (long long)wm);
	return 0;
}

static void
d_fail(void *ctx, const char *msg)
{
	struct dlog *l = ctx;
	size_t n = strlen(l->log);

	snprintf(l->log + n, sizeof(l->log) - n, "fail %.20s;", msg);
}

static void
write_file(char *path, const char *text)
{
	FILE *f = fdopen(mkstemp(path), "w");

	fputs(text, f);
	fclose(f);
}

/* --where filters the left side's records, before their time and key
 * are asked for; the right side's are not filtered. */
START_TEST(test_ijside_where_filters_the_left_side)
{
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijsrc_err err;
	struct tide_expr e;
	struct tide_expr_err eerr;
	struct tide_where w = { &e, 0, 0 };
	char why[256], line[128], p1[] = "/tmp/check_ijsrc4XXXXXX";
	char *paths[1] = { p1 };

	ck_assert_int_eq(tide_expr_compile(&e, "a > 1 and b != \"x\"", &eerr),
	    0);
	spec(&js, TIDE_JOIN_INNER);
	js.where = &w;
	ck_assert_int_eq(tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT,
	    NULL, 0, &err), 0);
	ck_assert_int_eq(tide_ijside_init(&r, &js, "ts", 1024,
	    TIDE_IJOIN_RIGHT, NULL, 0, &err), 0);
	/* Its paths follow the key and the time. */
	ck_assert_int_eq(l.nkpath, 4);
	ck_assert_int_eq(w.at, 2);
	ck_assert_int_eq(r.nkpath, 2);
	ck_assert_int_eq(check(&l, "{\"id\":1,\"ts\":5,\"a\":2,\"b\":\"y\"}",
	    why), 0);
	ck_assert_int_eq(l.ts, 5);
	ck_assert_int_eq(check(&l, "{\"id\":1,\"ts\":5,\"a\":1}", why), 1);
	ck_assert_int_eq(check(&l, "{\"id\":1,\"ts\":5,\"a\":2,\"b\":\"x\"}",
	    why), 1);
	/* Dropped whatever its time and key: not bad. */
	ck_assert_int_eq(check(&l, "{\"a\":0}", why), 1);
	ck_assert_uint_eq(w.filtered, 3);
	/* Kept, it must be joinable. */
	ck_assert_int_eq(check(&l, "{\"a\":5,\"b\":\"y\"}", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "time field 'ts' is missing");
	ck_assert_int_eq(check(&l, "[1]", why), TIDE_EINVAL);
	ck_assert_str_eq(why, "not a JSON object");
	ck_assert_int_eq(check(&r, "{\"rid\":1,\"ts\":5,\"a\":0}", why), 0);
	ck_assert_uint_eq(w.filtered, 3);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_expr_release(&e);

	/* A regex at its match limit: a bad record. */
	ck_assert_int_eq(tide_expr_compile(&e, "s =~ /^(a+)+$/", &eerr), 0);
	w.filtered = 0;
	ck_assert_int_eq(tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT,
	    NULL, 0, &err), 0);
	snprintf(line, sizeof(line), "{\"id\":1,\"ts\":1,\"s\":\"%s!\"}",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert_int_eq(check(&l, line, why), TIDE_EINVAL);
	ck_assert_str_eq(why, "--where: regex /^(a+)+$/ reached its match "
	    "limit");
	ck_assert_uint_eq(w.filtered, 0);
	tide_ijside_release(&l);
	tide_expr_release(&e);

	/* Read from a file: a dropped record is as if never read. */
	write_file(p1, "{\"id\":1,\"ts\":1,\"a\":2}\n{\"id\":2,\"ts\":9,\"a\":0}\n"
	    "{\"ts\":3,\"a\":0}\n{\"id\":3,\"ts\":4,\"a\":3}\n");
	ck_assert_int_eq(tide_expr_compile(&e, "a > 1", &eerr), 0);
	w.filtered = 0;
	ck_assert_int_eq(tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT,
	    paths, 1, &err), 0);
	ck_assert_int_eq(tide_ijside_next(&l, -1, &err), 1);
	ck_assert_int_eq(l.ts, 1);
	l.maxts = 1;
	l.wall = 7;
	ck_assert_int_eq(tide_ijside_next(&l, -1, &err), TIDE_IJSIDE_FILTERED);
	ck_assert_uint_eq(l.lineno, 2);
	ck_assert_int_eq(l.have, 0);
	ck_assert_int_eq(l.wall, 7);
	ck_assert_int_eq(l.maxts, 1);
	ck_assert_int_eq(tide_ijside_next(&l, -1, &err), TIDE_IJSIDE_FILTERED);
	ck_assert_int_eq(tide_ijside_next(&l, -1, &err), 1);
	ck_assert_int_eq(l.ts, 4);
	ck_assert_int_ne(l.wall, 7);
	ck_assert_int_eq(tide_ijside_next(&l, -1, &err), 0);
	ck_assert_uint_eq(w.filtered, 2);
	tide_ijside_release(&l);
	tide_expr_release(&e);
	unlink(p1);
}
END_TEST

/* --having on what the output would write: pairs, misses, --anti's. */
START_TEST(test_ijout_having_drops_joined_records)
{
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err err;
	struct tide_expr e;
	struct tide_expr_err eerr;
	struct tide_where h = { &e, 0, 0 };
	struct cap c;
	char *sel[] = { "v" };

	ck_assert_int_eq(tide_expr_compile(&e, "r_v > 5 or why == \"no_key\"",
	    &eerr), 0);
	spec(&js, TIDE_JOIN_LEFT);
	js.missfield = "why";
	js.prefix = "r_";
	js.having = &h;
	memset(&c, 0, sizeof(c));
	c.f = tmpfile();
	tide_wout_init(&c.w, fileno(c.f));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 1, sel, &c.w, 1024, &st,
	    on_bad, &c, &err), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, NULL, 0, &err);
	tide_ijside_init(&r, &js, "ts", 1024, TIDE_IJOIN_RIGHT, NULL, 0, &err);
	tide_ijoin_init(&ij, 10);
	ck_assert_int_eq(take(&o, &ij, &r, "{\"rid\":1,\"ts\":5,\"v\":7}"), 0);
	ck_assert_int_eq(take(&o, &ij, &r, "{\"rid\":1,\"ts\":6,\"v\":3}"), 0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":1,\"ts\":8}"), 0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":2,\"ts\":9}"), 0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"ts\":9}"), 0);
	ck_assert_int_eq(tide_ijoin_advance(&ij, INT64_MAX, tide_ijout_expire,
	    &o), 0);
	ck_assert_str_eq(output(&c),
	    "{\"id\":1,\"ts\":8,\"r_v\":7,\"why\":null}\n"
	    "{\"ts\":9,\"r_v\":null,\"why\":\"no_key\"}\n");
	ck_assert_uint_eq(h.filtered, 2);
	ck_assert_uint_eq(st.out, 2);
	ck_assert_uint_eq(st.matched, 2);
	ck_assert_uint_eq(st.missed, 2);
	ck_assert_int_eq(c.nbad, 0);
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_ijout_release(&o);
	tide_wout_release(&c.w);
	fclose(c.f);
	tide_expr_release(&e);

	/* --anti: on the record as it is; a regex at its limit is bad. */
	ck_assert_int_eq(tide_expr_compile(&e, "s =~ /^(a+)+$/ or s == \"b\"",
	    &eerr), 0);
	h.filtered = 0;
	memset(&st, 0, sizeof(st));
	spec(&js, TIDE_JOIN_ANTI);
	js.having = &h;
	memset(&c, 0, sizeof(c));
	c.f = tmpfile();
	tide_wout_init(&c.w, fileno(c.f));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 0, NULL, &c.w, 1024, &st,
	    on_bad, &c, &err), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, NULL, 0, &err);
	tide_ijoin_init(&ij, 10);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":1,\"ts\":1,\"s\":\"b\"}"),
	    0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":2,\"ts\":2,\"s\":\"c\"}"),
	    0);
	ck_assert_int_eq(take(&o, &ij, &l, "{\"id\":3,\"ts\":3,\"s\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}"), 0);
	ck_assert_int_eq(tide_ijoin_advance(&ij, INT64_MAX, tide_ijout_expire,
	    &o), 0);
	ck_assert_str_eq(output(&c), "{\"id\":1,\"ts\":1,\"s\":\"b\"}\n");
	ck_assert_uint_eq(h.filtered, 1);
	ck_assert_uint_eq(st.out, 1);
	ck_assert_int_eq(c.nbad, 1);
	ck_assert_str_eq(c.bad, "--having: regex /^(a+)+$/ reached its match "
	    "limit");
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijout_release(&o);
	tide_wout_release(&c.w);
	fclose(c.f);
	tide_expr_release(&e);
}
END_TEST

START_TEST(test_ijdrive_files_merges_by_time_and_reports_late)
{
	static volatile sig_atomic_t stop;
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_ijdrive d;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err err;
	struct dlog dl;
	struct cap c;
	char lp[] = "/tmp/check_ijdriveLXXXXXX", rp[] = "/tmp/check_ijdriveRXXXXXX";
	char *lpaths[] = { lp }, *rpaths[] = { rp };

	/* By the left 3, the right stream has ended: the watermark is 50. */
	write_file(lp, "{\"id\":1,\"ts\":10}\n{\"id\":2,\"ts\":50}\n"
	    "{\"id\":3,\"ts\":3}\nnot json\n");
	write_file(rp, "{\"rid\":1,\"ts\":12,\"v\":1}\n{\"rid\":9,\"ts\":40}\n");
	spec(&js, TIDE_JOIN_LEFT);
	js.overwrite = 1;
	memset(&c, 0, sizeof(c));
	memset(&dl, 0, sizeof(dl));
	c.f = tmpfile();
	tide_wout_init(&c.w, fileno(c.f));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 0, NULL, &c.w, 1024, &st,
	    on_bad, &c, &err), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, lpaths, 1, &err);
	tide_ijside_init(&r, &js, "ts", 1024, TIDE_IJOIN_RIGHT, rpaths, 1,
	    &err);
	tide_ijoin_init(&ij, 5);
	tide_ijdrive_init(&d, &o, &ij, &l, &r);
	d.stop = &stop;
	d.round = d_round;
	d.late = d_late;
	d.fail = d_fail;
	d.ctx = &dl;
	ck_assert_int_eq(tide_ijdrive_files(&d), 0);
	ck_assert_int_eq(tide_ijoin_advance(&ij, INT64_MAX, tide_ijout_expire,
	    &o), 0);
	ck_assert_str_eq(dl.log, "late 3<50;");
	ck_assert_int_eq(dl.rounds, 5);
	ck_assert_int_eq(c.nbad, 1);
	ck_assert_uint_eq(st.in, 6);
	ck_assert_str_eq(output(&c), "{\"id\":1,\"ts\":12,\"v\":1}\n"
	    "{\"id\":2,\"ts\":50}\n");
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_ijout_release(&o);
	tide_wout_release(&c.w);
	fclose(c.f);
	unlink(lp);
	unlink(rp);
}
END_TEST

/* round() is asked when a read waited wait_ms (or a signal came), and
 * what it returns ends the drive: stdin open and quiet, here. */
static int
d_round_stop2(void *ctx)
{
	return ++((struct dlog *)ctx)->rounds == 2 ? 42 : 0;
}

START_TEST(test_ijdrive_files_asks_round_while_waiting)
{
	static volatile sig_atomic_t stop;
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_ijdrive d;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err err;
	struct dlog dl;
	struct cap c;
	char rp[] = "/tmp/check_ijdriveWXXXXXX";
	char *lpaths[] = { "-" }, *rpaths[] = { rp };
	int pfd[2];

	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], "{\"id\":1,\"ts\":1}\n", 16), 16);
	ck_assert_int_eq(dup2(pfd[0], 0), 0);
	write_file(rp, "{\"rid\":1,\"ts\":100}\n");
	spec(&js, TIDE_JOIN_INNER);
	memset(&c, 0, sizeof(c));
	memset(&dl, 0, sizeof(dl));
	c.f = tmpfile();
	tide_wout_init(&c.w, fileno(c.f));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 0, NULL, &c.w, 1024, &st,
	    on_bad, &c, &err), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, lpaths, 1, &err);
	tide_ijside_init(&r, &js, "ts", 1024, TIDE_IJOIN_RIGHT, rpaths, 1,
	    &err);
	tide_ijoin_init(&ij, 5);
	tide_ijdrive_init(&d, &o, &ij, &l, &r);
	ck_assert_int_eq(d.wait_ms, -1);
	d.wait_ms = 10;
	d.stop = &stop;
	d.round = d_round_stop2;
	d.late = d_late;
	d.fail = d_fail;
	d.ctx = &dl;
	/* One round for the record taken, the second for the wait. */
	ck_assert_int_eq(tide_ijdrive_files(&d), 42);
	ck_assert_int_eq(dl.rounds, 2);
	ck_assert_uint_eq(st.in, 2);
	ck_assert_int_eq(l.eof, 0);
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_ijout_release(&o);
	tide_wout_release(&c.w);
	fclose(c.f);
	close(pfd[1]);
	unlink(rp);
}
END_TEST

/* tide_ijrun: set up from a configuration; --late-file kept. */
START_TEST(test_ijrun_from_a_configuration)
{
	struct tide_joinconf c;
	struct tide_joinconf_err jerr;
	struct tide_ijrun run;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err err;
	struct dlog dl;
	struct cap cp;
	static volatile sig_atomic_t stop;
	char lp[] = "/tmp/check_ijrunLXXXXXX", rp[] = "/tmp/check_ijrunRXXXXXX";
	char latep[] = "/tmp/check_ijrunZXXXXXX";
	char *ops[] = { lp };
	char buf[256];
	FILE *f;
	size_t n;

	write_file(lp, "{\"id\":1,\"ts\":10}\n{\"id\":2,\"ts\":50}\n"
	    "{\"id\":3,\"ts\":3}\n");
	write_file(rp, "{\"rid\":1,\"ts\":12,\"v\":1}\n{\"rid\":9,\"ts\":40}\n");
	write_file(latep, "");
	tide_joinconf_init(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "id=rid", &jerr), 0);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "v", &jerr), 0);
	c.js.unit = TIDE_UNIT_MS;
	c.with = rp;
	c.within = 5;
	c.timefield = "ts";
	memset(&cp, 0, sizeof(cp));
	memset(&dl, 0, sizeof(dl));
	cp.f = tmpfile();
	tide_wout_init(&cp.w, fileno(cp.f));

	/* A --late-file that cannot be opened. */
	c.latefile = "/nonexistent/late";
	ck_assert_int_eq(tide_ijrun_init(&run, &c, ops, 1, &cp.w, &st, on_bad,
	    &cp, &err), TIDE_EIO);
	ck_assert_str_eq(err.msg, "cannot open '/nonexistent/late': No such "
	    "file or directory");
	tide_ijrun_release(&run);
	/* A bad --time field. */
	c.latefile = NULL;
	c.timefield = "a..b";
	ck_assert_int_eq(tide_ijrun_init(&run, &c, ops, 1, &cp.w, &st, on_bad,
	    &cp, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--time: bad field name 'a..b'");
	tide_ijrun_release(&run);

	c.timefield = "ts";
	c.latefile = latep;
	ck_assert_int_eq(tide_ijrun_init(&run, &c, ops, 1, &cp.w, &st, on_bad,
	    &cp, &err), 0);
	ck_assert_int_eq(run.ij.within, 5);
	ck_assert_int_eq(run.d.wait_ms, -1);
	run.d.stop = &stop;
	run.d.round = d_round;
	run.d.late = d_late;
	run.d.fail = d_fail;
	run.d.ctx = &dl;
	ck_assert_int_eq(tide_ijdrive_files(&run.d), 0);
	ck_assert_str_eq(dl.log, "late 3<50;");
	ck_assert_str_eq(output(&cp), "{\"id\":1,\"ts\":10,\"v\":1}\n");
	/* The late hook appends the late head record to the file. */
	run.l.line = "{\"id\":3,\"ts\":3}";
	run.l.len = strlen(run.l.line);
	ck_assert_int_eq(tide_ijrun_late(&run, &run.l), 0);
	ck_assert_int_eq(tide_ijrun_close_late(&run), 0);
	tide_ijrun_release(&run);
	f = fopen(latep, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "{\"id\":3,\"ts\":3}\n");
	tide_joinconf_release(&c);
	tide_wout_release(&cp.w);
	fclose(cp.f);
	unlink(lp);
	unlink(rp);
	unlink(latep);
}
END_TEST

START_TEST(test_ijdrive_files_stops_on_an_unreadable_side)
{
	static volatile sig_atomic_t stop;
	struct tide_joinspec js;
	struct tide_ijside l, r;
	struct tide_ijout o;
	struct tide_ijoin ij;
	struct tide_ijdrive d;
	struct tide_joinstats st = { 0, 0, 0, 0 };
	struct tide_ijsrc_err err;
	struct dlog dl;
	char *lpaths[] = { "/nonexistent/l" }, *rpaths[] = { "/nonexistent/r" };

	spec(&js, TIDE_JOIN_INNER);
	memset(&dl, 0, sizeof(dl));
	ck_assert_int_eq(tide_ijout_init(&o, &js, 0, NULL, NULL, 1024, &st,
	    on_bad, NULL, &err), 0);
	tide_ijside_init(&l, &js, "ts", 1024, TIDE_IJOIN_LEFT, lpaths, 1, &err);
	tide_ijside_init(&r, &js, "ts", 1024, TIDE_IJOIN_RIGHT, rpaths, 1,
	    &err);
	tide_ijoin_init(&ij, 5);
	tide_ijdrive_init(&d, &o, &ij, &l, &r);
	d.stop = &stop;
	d.round = d_round;
	d.late = d_late;
	d.fail = d_fail;
	d.ctx = &dl;
	ck_assert_int_lt(tide_ijdrive_files(&d), 0);
	ck_assert_str_eq(dl.log, "fail cannot open '/nonexi;");
	/* A stop signal: nothing is read. */
	stop = 1;
	dl.log[0] = '\0';
	ck_assert_int_eq(tide_ijdrive_files(&d), 0);
	ck_assert_str_eq(dl.log, "");
	tide_ijoin_release(&ij);
	tide_ijside_release(&l);
	tide_ijside_release(&r);
	tide_ijout_release(&o);
}
END_TEST

Suite *
suite_ijsrc(void)
{
	Suite *s = suite_create("ijsrc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ijside_check_time_and_key);
	tcase_add_test(tc, test_ijside_init_rejects_bad_paths);
	tcase_add_test(tc, test_ijside_next_reads_files_in_turn);
	tcase_add_test(tc, test_ijside_next_skips_barriers);
	tcase_add_test(tc, test_ijside_watermarks);
	tcase_add_test(tc, test_ijout_left_join_pairs_and_misses);
	tcase_add_test(tc, test_ijout_collision_is_bad_unless_overwrite);
	tcase_add_test(tc, test_ijout_init_rejects_bad_select_and_default);
	tcase_add_test(tc, test_ijside_where_filters_the_left_side);
	tcase_add_test(tc, test_ijout_having_drops_joined_records);
	tcase_add_test(tc, test_ijdrive_files_merges_by_time_and_reports_late);
	tcase_add_test(tc, test_ijdrive_files_stops_on_an_unreadable_side);
	tcase_add_test(tc, test_ijdrive_files_asks_round_while_waiting);
	tcase_add_test(tc, test_ijrun_from_a_configuration);
	suite_add_tcase(s, tc);
	return s;
}
