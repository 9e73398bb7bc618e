/* struct tide_view: SQLite and Redis views behind one table of operations. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "unit.h"
#include "view/view.h"

static char dir[64];
static char dbpath[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/tide-view.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/v.db", dir);
}

static void
teardown(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct tide_json_val
jv(const char *text)
{
	struct tide_json_val v;
	enum tide_json_type t;

	ck_assert_int_eq(tide_json_check(text, strlen(text), 64, &t, NULL), 0);
	v.type = t;
	v.p = text;
	v.len = strlen(text);
	return v;
}

static void
conf_init(struct tide_view_conf *c, enum tide_view_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->target = dbpath;
	c->table = "feat";
	c->nkey = 1;
	c->keys[0] = "id";
}

static int
put(struct tide_view *v, const char *rec, struct tide_view_err *err)
{
	return tide_view_put(v, rec, strlen(rec), 0, err);
}

/* What a lookup (or, t >= 0, an as-of lookup) says, as text. */
static const char *
lookup(struct tide_view *v, const char *key, int64_t t)
{
	static char out[512];
	struct tide_view_err err;
	struct tide_json_val k = jv(key);
	const char *rec;
	size_t len;
	int r;

	r = t < 0 ? tide_view_lookup(v, &k, 1, 0, &rec, &len, &err) :
	    tide_view_lookup_asof(v, &k, 1, t, &rec, &len, &err);
	if (r < 0)
		snprintf(out, sizeof(out), "error %d: %s", r, err.msg);
	else if (r == 0)
		snprintf(out, sizeof(out), "absent");
	else
		snprintf(out, sizeof(out), "%.*s", (int)len, rec);
	return out;
}

START_TEST(test_view_sqlite_written_and_read_through_one_interface)
{
	struct tide_view_conf c;
	struct tide_view v;
	struct tide_view_err err;
	struct tide_view_stats st;

	conf_init(&c, TIDE_VIEW_SQLITE);
	ck_assert_int_eq(tide_view_open(&v, &c, &err), 0);
	ck_assert_ptr_eq(v.ops, &tide_view_sqlite_ops);
	ck_assert_int_eq(tide_view_remote(&v), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"n\":2}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":3}", &err), 0);
	/* A record left out says why; the store is not failed. */
	ck_assert_int_eq(put(&v, "{\"n\":4}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'id' is missing");
	ck_assert_int_eq(tide_view_tick(&v, 0, &err), 0);
	ck_assert_int_eq(tide_view_commit(&v, &err), 0);
	tide_view_stats(&v, &st);
	ck_assert_uint_eq(st.upserts, 3);
	ck_assert_uint_eq(st.merged, 1);
	ck_assert_uint_eq(st.commits, 1);
	tide_view_close(&v);
	tide_view_close(&v);	/* twice is harmless */

	ck_assert_int_eq(tide_view_open_reader(&v, &c, 16, 1000, &err), 0);
	ck_assert_int_eq(tide_view_nkeys(&v), 1);
	ck_assert_str_eq(tide_view_keyname(&v, 0), "id");
	ck_assert_int_eq(tide_view_nfields(&v), 1);
	ck_assert_str_eq(tide_view_fields(&v)[0], "n");
	ck_assert_int_eq(tide_view_is_history(&v), 0);
	ck_assert_str_eq(lookup(&v, "\"a\"", -1), "{\"id\":\"a\",\"n\":3}");
	ck_assert_str_eq(lookup(&v, "\"a\"", -1), "{\"id\":\"a\",\"n\":3}");
	ck_assert_str_eq(lookup(&v, "\"zz\"", -1), "absent");
	ck_assert_str_eq(lookup(&v, "\"a\"", 5),
	    "error -2: table 'feat' keeps no history");
	tide_view_stats(&v, &st);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.misses, 2);
	tide_view_clear_cache(&v);	/* entries and counts */
	ck_assert_str_eq(lookup(&v, "\"a\"", -1), "{\"id\":\"a\",\"n\":3}");
	tide_view_stats(&v, &st);
	ck_assert_uint_eq(st.hits, 0);
	ck_assert_uint_eq(st.misses, 1);
	tide_view_close(&v);
}
END_TEST

START_TEST(test_view_sqlite_history_reads_as_of)
{
	struct tide_view_conf c;
	struct tide_view v;
	struct tide_view_err err;

	conf_init(&c, TIDE_VIEW_SQLITE);
	c.timefield = "ts";
	c.unit = TIDE_UNIT_MS;
	c.history = 1;
	ck_assert_int_eq(tide_view_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":1000,\"v\":0}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":2000,\"v\":1}", &err), 0);
	ck_assert_int_eq(tide_view_commit(&v, &err), 0);
	tide_view_close(&v);

	ck_assert_int_eq(tide_view_open_reader(&v, &c, 0, 0, &err), 0);
	ck_assert_int_eq(tide_view_is_history(&v), 1);
	ck_assert_str_eq(lookup(&v, "\"a\"", 999), "absent");
	ck_assert_str_eq(lookup(&v, "\"a\"", 1500), "{\"id\":\"a\",\"ts\":1000,\"v\":0}");
	ck_assert_str_eq(lookup(&v, "\"a\"", -1), "{\"id\":\"a\",\"ts\":2000,\"v\":1}");
	tide_view_close(&v);
}
END_TEST

START_TEST(test_view_sqlite_open_errors_say_why)
{
	struct tide_view_conf c;
	struct tide_view v;
	struct tide_view_err err;

	conf_init(&c, TIDE_VIEW_SQLITE);
	/* No file; then a file without the table. */
	ck_assert_int_eq(tide_view_open_reader(&v, &c, 0, 0, &err), TIDE_EIO);
	ck_assert_int_ne(err.msg[0], '\0');
	tide_view_close(&v);
	c.table = "other";
	ck_assert_int_eq(tide_view_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":1}", &err), 0);
	ck_assert_int_eq(tide_view_commit(&v, &err), 0);
	tide_view_close(&v);
	c.table = "feat";
	ck_assert_int_eq(tide_view_open_reader(&v, &c, 0, 0, &err), TIDE_ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "feat"));
	tide_view_close(&v);
	c.target = "/nonexistent/dir/v.db";
	ck_assert_int_lt(tide_view_open(&v, &c, &err), 0);
	ck_assert_int_ne(err.msg[0], '\0');
	tide_view_close(&v);
}
END_TEST

START_TEST(test_view_redis_is_a_remote_store_without_history)
{
	struct tide_view_conf c;
	struct tide_view v;
	struct tide_view_err err;
	struct tide_json_val k = jv("\"a\"");
	const char *rec;
	size_t len;

	ck_assert_int_eq(tide_view_redis_ops.remote, 1);
	ck_assert_ptr_null(tide_view_redis_ops.lookup_asof);
	ck_assert_str_eq(tide_view_redis_ops.name, "redis");
	conf_init(&c, TIDE_VIEW_REDIS);
	c.target = "http://localhost";
	ck_assert_int_eq(tide_view_open(&v, &c, &err), TIDE_EINVAL);
	ck_assert_int_ne(err.msg[0], '\0');
	tide_view_close(&v);
	/* Nothing listens on port 1: refused at once. */
	c.target = "redis://127.0.0.1:1";
	ck_assert_int_eq(tide_view_open_reader(&v, &c, 0, 0, &err), TIDE_EIO);
	ck_assert_int_eq(tide_view_remote(&v), 1);
	ck_assert_int_eq(tide_view_nkeys(&v), -1);
	ck_assert_int_eq(tide_view_nfields(&v), 0);
	ck_assert_int_eq(tide_view_lookup_asof(&v, &k, 1, 0, &rec, &len, &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "a redis view keeps no history");
	tide_view_close(&v);
}
END_TEST

Suite *
suite_view(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("view");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_view_sqlite_written_and_read_through_one_interface);
	tcase_add_test(tc, test_view_sqlite_history_reads_as_of);
	tcase_add_test(tc, test_view_sqlite_open_errors_say_why);
	tcase_add_test(tc, test_view_redis_is_a_remote_store_without_history);
	suite_add_tcase(s, tc);
	return s;
}
