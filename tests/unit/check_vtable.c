/* struct tide_vtable: a view read as a join table, rows as a table's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "err.h"
#include "joinconf.h"
#include "jtable.h"
#include "json.h"
#include "table.h"
#include "unit.h"
#include "view/vtable.h"

static char dir[64];
static char dbpath[128];
static const char *const tkey[] = { "id" };

static void
setup(void)
{
	struct tide_view_conf c;
	struct tide_view v;
	struct tide_view_err err;
	static const char *const recs[] = {
		"{\"id\":\"a\",\"ts\":1000,\"n\":1,\"o\":{\"p\":[1,2]},\"s\":\"x\"}",
		"{\"id\":\"a\",\"ts\":2000,\"n\":2,\"o\":{\"p\":3},\"s\":null}",
		"{\"id\":\"b\",\"ts\":1500,\"n\":9}",
	};
	size_t i;

	strcpy(dir, "/tmp/tide-vtable.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/v.db", dir);
	memset(&c, 0, sizeof(c));
	c.kind = TIDE_VIEW_SQLITE;
	c.target = dbpath;
	c.table = "feat";
	c.nkey = 1;
	c.keys[0] = "id";
	c.timefield = "ts";
	c.unit = TIDE_UNIT_MS;
	c.history = 1;
	ck_assert_int_eq(tide_view_open(&v, &c, &err), 0);
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		ck_assert_int_eq(tide_view_put(&v, recs[i], strlen(recs[i]), 0,
		    &err), 0);
	ck_assert_int_eq(tide_view_commit(&v, &err), 0);
	tide_view_close(&v);
}

static void
teardown(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
vt_open(struct tide_vtable *t, int asof)
{
	struct tide_view_conf c;
	struct tide_view_err err;

	memset(&c, 0, sizeof(c));
	c.kind = TIDE_VIEW_SQLITE;
	c.target = dbpath;
	c.table = "feat";
	tide_vtable_init(t, 1, tkey, asof);
	ck_assert_int_eq(tide_view_open_reader(&t->view, &c, 16, 1000, &err), 0);
}

/* The row of a lookup as "col=text|..." ("-" for null), or the miss. */
static const char *
get(struct tide_vtable *t, const char *key, int64_t ts, int *learnt)
{
	static char out[512];
	struct tide_view_err err;
	struct tide_json_val k;
	struct tide_table_row row;
	enum tide_table_miss m;
	const char *p;
	size_t len, at = 0;
	int r, i = 0;

	k.type = TIDE_JSON_STRING;
	k.p = key;
	k.len = strlen(key);
	r = tide_vtable_get(t, &k, ts, 0, &row, &m, learnt, &err);
	if (r < 0) {
		snprintf(out, sizeof(out), "error %d: %s", r, err.msg);
		return out;
	}
	if (m != TIDE_TABLE_HIT)
		return tide_table_miss_name(m);
	out[0] = '\0';
	while (tide_table_col_next(&row, &p, &len)) {
		ck_assert_int_lt(i, t->ncol);
		at += (size_t)snprintf(out + at, sizeof(out) - at, "%s%s=%.*s",
		    i ? "|" : "", t->col[i], len ? (int)len : 1, len ? p : "-");
		i++;
	}
	ck_assert_int_eq(i, t->ncol);
	return out;
}

START_TEST(test_vtable_rows_of_the_views_fields)
{
	struct tide_vtable t;
	int learnt = 0;

	vt_open(&t, 0);
	ck_assert_int_eq(tide_vtable_columns(&t, tide_view_nfields(&t.view),
	    tide_view_fields(&t.view), 0, NULL), 0);
	ck_assert_int_eq(t.ncol, 4);
	ck_assert_str_eq(get(&t, "\"a\"", 0, &learnt),
	    "ts=2000|n=2|o={\"p\":3}|s=-");
	ck_assert_str_eq(get(&t, "\"b\"", 0, &learnt), "ts=1500|n=9|o=-|s=-");
	ck_assert_str_eq(get(&t, "\"c\"", 0, &learnt), "no_match");
	ck_assert_int_eq(learnt, 0);
	ck_assert_uint_eq(t.lookups, 3);
	tide_vtable_release(&t);
}
END_TEST

START_TEST(test_vtable_select_paths_are_named_by_last_segment)
{
	struct tide_vtable t;
	char *sel[] = { "o.p", "n", "\"unterminated" };
	int learnt = 0, bad = -1;

	vt_open(&t, 0);
	ck_assert_int_eq(tide_vtable_columns(&t, 3, sel, 1, &bad), TIDE_EINVAL);
	ck_assert_int_eq(bad, 2);
	ck_assert_int_eq(tide_vtable_columns(&t, 2, sel, 1, &bad), 0);
	ck_assert_str_eq(get(&t, "\"a\"", 0, &learnt), "p=3|n=2");
	tide_vtable_release(&t);
}
END_TEST

START_TEST(test_vtable_learns_columns_from_the_first_record)
{
	struct tide_vtable t;
	int learnt = 0;

	vt_open(&t, 0);
	ck_assert_int_eq(t.ncol, -1);
	ck_assert_str_eq(get(&t, "\"zz\"", 0, &learnt), "no_match");
	ck_assert_int_eq(learnt, 0);
	/* The key field is not a column. */
	ck_assert_str_eq(get(&t, "\"b\"", 0, &learnt), "ts=1500|n=9");
	ck_assert_int_eq(learnt, 1);
	learnt = 0;
	ck_assert_str_eq(get(&t, "\"a\"", 0, &learnt), "ts=2000|n=2");
	ck_assert_int_eq(learnt, 0);
	tide_vtable_release(&t);
}
END_TEST

START_TEST(test_vtable_as_of_tells_before_first_from_no_match)
{
	struct tide_vtable t;
	int learnt = 0;

	vt_open(&t, 1);
	ck_assert_int_eq(tide_vtable_columns(&t, tide_view_nfields(&t.view),
	    tide_view_fields(&t.view), 0, NULL), 0);
	ck_assert_str_eq(get(&t, "\"a\"", 1999, &learnt),
	    "ts=1000|n=1|o={\"p\":[1,2]}|s=\"x\"");
	ck_assert_str_eq(get(&t, "\"a\"", 999, &learnt), "before_first_version");
	ck_assert_str_eq(get(&t, "\"c\"", 999, &learnt), "no_match");
	tide_vtable_release(&t);
}
END_TEST

START_TEST(test_vtable_record_that_is_not_an_object_is_a_format_error)
{
	struct tide_vtable t;
	sqlite3 *db;
	int learnt = 0;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE feat SET record = '[1]' "
	    "WHERE id = 'b'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	vt_open(&t, 0);
	ck_assert_str_eq(get(&t, "\"b\"", 0, &learnt), "error -14: the view's "
	    "record of this key is not a JSON object");
	ck_assert_int_eq(t.ncol, -1);
	tide_vtable_release(&t);
}
END_TEST

START_TEST(test_vtable_open_checks_keys_and_columns)
{
	struct tide_vtable t;
	struct tide_view_conf c;
	struct tide_vtable_err err;
	char *skey[] = { "cid", "x" }, *tk[] = { "id", "y" }, *wrong[] = { "key" };
	char *sel[] = { "n", "a..b" };
	char missing[160];
	int learnt = 0;

	memset(&c, 0, sizeof(c));
	c.kind = TIDE_VIEW_SQLITE;
	c.target = dbpath;
	c.table = "feat";
	ck_assert_int_eq(tide_vtable_open(&t, &c, 16, 1000, "v", 1, skey, tk, 1,
	    1, sel, &err), 0);
	ck_assert_str_eq(err.msg, "table 'v': sqlite view, 1 key fields, "
	    "1 columns, history");
	ck_assert_str_eq(get(&t, "\"a\"", 1700, &learnt), "n=1");
	tide_vtable_release(&t);
	ck_assert_int_eq(tide_vtable_open(&t, &c, 16, 1000, "v", 1, skey, tk, 0,
	    0, NULL, &err), 0);
	ck_assert_str_eq(err.msg, "table 'v': sqlite view, 1 key fields, "
	    "4 columns, history");
	tide_vtable_release(&t);
	ck_assert_int_eq(tide_vtable_open(&t, &c, 16, 1000, "v", 2, skey, tk, 0,
	    0, NULL, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "table 'v' is keyed by 1 field ('id'), "
	    "'--on' names 2");
	tide_vtable_release(&t);
	ck_assert_int_eq(tide_vtable_open(&t, &c, 16, 1000, "v", 1, skey, wrong,
	    0, 0, NULL, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "table 'v': key field 1 is 'id', not 'key' "
	    "(--on cid=id)");
	tide_vtable_release(&t);
	ck_assert_int_eq(tide_vtable_open(&t, &c, 16, 1000, "v", 1, skey, tk, 0,
	    2, sel, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--select: bad field name 'a..b'");
	tide_vtable_release(&t);
	snprintf(missing, sizeof(missing), "%s/none.db", dir);
	c.target = missing;
	ck_assert_int_lt(tide_vtable_open(&t, &c, 16, 1000, "v", 1, skey, tk, 0,
	    0, NULL, &err), 0);
	ck_assert_msg(strncmp(err.msg, "table 'v': ", 11) == 0 ||
	    strncmp(err.msg, "-T: ", 4) == 0, "%s", err.msg);
	tide_vtable_release(&t);
}
END_TEST

/* tide-join's view table: opened as the configuration names it, and
 * behind lib/jtable's operations. */
START_TEST(test_vtable_join_open_and_jtable_ops)
{
	struct tide_joinconf c;
	struct tide_joinconf_err jerr;
	struct tide_vtable t;
	struct tide_jtable_err err;
	struct tide_jtable_stats s;
	char missing[160];
	int learnt = 0;

	tide_joinconf_init(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "id", &jerr), 0);
	c.table = "sqlite:v.db:feat";
	c.view = TIDE_JC_VIEW_SQLITE;
	c.vfile = strdup(dbpath);	/* the configuration's own */
	c.vtable = "feat";
	ck_assert_int_eq(tide_vtable_join_open(&t, &c, 16, &err), 0);
	ck_assert_str_eq(err.msg, "table 'sqlite:v.db:feat': sqlite view, 1 key "
	    "fields, 4 columns, history");
	ck_assert_int_eq(err.usage, 0);
	ck_assert_int_eq(err.remote, 0);
	ck_assert_str_eq(t.jt.ops->kind, "view");
	ck_assert_ptr_null(t.jt.table);
	ck_assert_str_eq(t.jt.label, "sqlite:v.db:feat");
	ck_assert_str_eq(get(&t, "\"b\"", 0, &learnt), "ts=1500|n=9|o=-|s=-");
	ck_assert_str_eq(get(&t, "\"b\"", 0, &learnt), "ts=1500|n=9|o=-|s=-");
	tide_jtable_stats(&t.jt, &s);
	ck_assert_uint_eq(s.rows, 0);
	ck_assert_uint_eq(s.keys, 0);
	ck_assert_str_eq(s.line, "table 'sqlite:v.db:feat': 2 lookups, 1 cache "
	    "hits, 1 misses");
	/* A reload forgets the cache, and its counts: the next lookup
	 * misses it. */
	ck_assert_int_eq(tide_jtable_reload(&t.jt, &err), 0);
	ck_assert_ptr_null(t.jt.next);
	ck_assert_str_eq(get(&t, "\"b\"", 0, &learnt), "ts=1500|n=9|o=-|s=-");
	tide_jtable_stats(&t.jt, &s);
	ck_assert_str_eq(s.line, "table 'sqlite:v.db:feat': 3 lookups, 0 cache "
	    "hits, 1 misses");
	tide_jtable_close(&t.jt);
	/* --on naming two keys of a view keyed by one: a usage error. */
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "id,x", &jerr), 0);
	ck_assert_int_eq(tide_vtable_join_open(&t, &c, 16, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 1);
	ck_assert_int_eq(err.remote, 0);
	ck_assert_str_eq(err.msg, "table 'sqlite:v.db:feat' is keyed by 1 field "
	    "('id'), '--on' names 2");
	tide_vtable_release(&t);
	/* A file that is not there: not a usage error, not remote. */
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "id", &jerr), 0);
	snprintf(missing, sizeof(missing), "%s/none.db", dir);
	free(c.vfile);
	c.vfile = strdup(missing);
	ck_assert_int_lt(tide_vtable_join_open(&t, &c, 16, &err), 0);
	ck_assert_int_eq(err.usage, 0);
	ck_assert_int_eq(err.remote, 0);
	ck_assert_str_ne(err.msg, "");
	tide_vtable_release(&t);
	tide_joinconf_release(&c);
}
END_TEST

Suite *
suite_vtable(void)
{
	Suite *s = suite_create("vtable");
	TCase *tc = tcase_create("vtable");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_vtable_rows_of_the_views_fields);
	tcase_add_test(tc, test_vtable_select_paths_are_named_by_last_segment);
	tcase_add_test(tc, test_vtable_learns_columns_from_the_first_record);
	tcase_add_test(tc, test_vtable_as_of_tells_before_first_from_no_match);
	tcase_add_test(tc, test_vtable_record_that_is_not_an_object_is_a_format_error);
	tcase_add_test(tc, test_vtable_open_checks_keys_and_columns);
	tcase_add_test(tc, test_vtable_join_open_and_jtable_ops);
	suite_add_tcase(s, tc);
	return s;
}
