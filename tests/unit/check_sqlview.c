#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "view/sqlview.h"
#include "unit.h"

static char dir[64];
static char dbpath[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/tide-sqlview.XXXXXX");
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

static int
row_cb(void *ctx, int n, char **val, char **name)
{
	struct tide_buf *b = ctx;
	int i;

	(void)name;
	for (i = 0; i < n; i++) {
		if (i > 0)
			tide_buf_addc(b, '|');
		tide_buf_adds(b, val[i] != NULL ? val[i] : "NULL");
	}
	tide_buf_addc(b, '\n');
	return 0;
}

/* Rows of sql from a second, independent connection, as the sqlite3 shell
 * would list them ("a|b" lines); the result is static. */
static const char *
query(const char *sql)
{
	static struct tide_buf b = TIDE_BUF_INIT;
	sqlite3 *db;
	char *msg = NULL;

	tide_buf_reset(&b);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, row_cb, &b, &msg) != SQLITE_OK) {
		tide_buf_reset(&b);
		tide_buf_addf(&b, "error: %s\n", msg);
		sqlite3_free(msg);
	}
	sqlite3_close(db);
	return tide_buf_cstr(&b);
}

static void
conf_init(struct tide_sqlview_conf *c, const char *key)
{
	memset(c, 0, sizeof(*c));
	c->path = dbpath;
	c->table = "feat";
	c->nkey = 1;
	c->keys[0] = key;
}

static int
put(struct tide_sqlview *v, const char *rec, struct tide_sqlview_err *err)
{
	return tide_sqlview_put(v, rec, strlen(rec), 0, err);
}

START_TEST(test_sqlview_upsert_keeps_last_record_per_key)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":1,\"x\":1.5,\"ok\":true,\"o\":{\"p\": [1]}}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"n\":2,\"x\":2.5,\"ok\":false,\"o\":null}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":3,\"new\":7}", &err), 0);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT id,n,x,ok,o,record FROM feat ORDER BY id"),
	    "a|3|NULL|NULL|NULL|{\"id\":\"a\",\"n\":3,\"new\":7}\n"
	    "b|2|2.5|0|NULL|{\"id\":\"b\",\"n\":2,\"x\":2.5,\"ok\":false,\"o\":null}\n");
	ck_assert_str_eq(query("SELECT name,type,pk FROM pragma_table_info('feat')"),
	    "id|TEXT|1\nn|INTEGER|0\nx|REAL|0\nok|INTEGER|0\no|TEXT|0\n"
	    "record|TEXT|0\n");
	ck_assert_str_eq(query("PRAGMA journal_mode"), "wal\n");
}
END_TEST

START_TEST(test_sqlview_repeated_keys_in_a_batch_write_the_last)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":1,\"w\":0}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"7\",\"v\":2}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":3}", &err), 0);
	/* Another type: written too, after "7", into the same TEXT row. */
	ck_assert_int_eq(put(&v, "{\"id\":7,\"v\":4}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":5}", &err), 0);
	/* Nothing is written before the commit. */
	ck_assert_str_eq(query("SELECT count(*) FROM sqlite_master"), "0\n");
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	ck_assert_uint_eq(v.upserts, 5);
	ck_assert_uint_eq(v.merged, 2);
	ck_assert_uint_eq(v.written, 3);
	ck_assert_uint_eq(v.commits, 1);
	tide_sqlview_close(&v);
	/* Columns still come from the first record, though it was replaced. */
	ck_assert_str_eq(query("SELECT id,v,w,record FROM feat ORDER BY id"),
	    "7|4|NULL|{\"id\":7,\"v\":4}\n"
	    "a|5|NULL|{\"id\":\"a\",\"v\":5}\n");

	/* History: one row per key and time, so only the same version merges. */
	conf_init(&c, "id");
	c.table = "hist";
	c.timefield = "ts";
	c.unit = TIDE_UNIT_MS;
	c.history = 1;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":1000,\"v\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":2000,\"v\":2}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":1000,\"v\":3}", &err), 0);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	ck_assert_uint_eq(v.merged, 1);
	ck_assert_uint_eq(v.written, 2);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT id,tide_time,v FROM hist ORDER BY tide_time"),
	    "a|1000|3\na|2000|2\n");
}
END_TEST

START_TEST(test_sqlview_numbers_bound_as_sqlite_reads_them)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;
	static const char *const nums[] = { "0.1", "1.25", "-3.5", "0.3",
	    "123456789.123456", "9007199254740.993", "1.0", "-0.0", "2.50",
	    "0.000001", "12345678901234567890", "1e3", "1.5E-7",
	    "0.30000000000000004", "-17", "999999999999999999", "7" };
	char rec[128];
	size_t i;

	/* A column without affinity keeps each value as it was bound. */
	ck_assert_str_eq(query("CREATE TABLE feat(id INTEGER NOT NULL, x, "
	    "record TEXT NOT NULL, PRIMARY KEY(id))"), "");
	conf_init(&c, "id");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		snprintf(rec, sizeof(rec), "{\"id\":%zu,\"x\":%s}", i, nums[i]);
		ck_assert_int_eq(put(&v, rec, &err), 0);
	}
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	/* SQLite's own reading of each number in the record is the oracle
	 * (which keeps 1.0 a real where we store an integer). */
	ck_assert_str_eq(query("SELECT count(*) FROM (SELECT x, "
	    "json_extract(record, '$.x') AS j FROM feat) WHERE x IS NOT j OR "
	    "(typeof(x) IS NOT typeof(j) AND j <> CAST(j AS INTEGER))"),
	    "0\n");
	/* A decimal with an all-zero fraction is an integer. */
	ck_assert_str_eq(query("SELECT group_concat(typeof(x), ' ') FROM "
	    "(SELECT x FROM feat WHERE id IN (6, 7, 8, 16) ORDER BY id)"),
	    "integer integer real integer\n");
	ck_assert_str_eq(query("SELECT x FROM feat WHERE id = 5"),
	    "9007199254740.99\n");
}
END_TEST

START_TEST(test_sqlview_nested_values_and_escapes)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "k");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"k\":\"a\\\"b\",\"s\\u0074r\":\"x\\ny\",\"o\":{\"a\":[1,2]}}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"str\":\"\\u00e9\",\"k\":\"c\",\"o\":[true]}", &err), 0);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT k,str,o FROM feat ORDER BY k"),
	    "a\"b|x\ny|{\"a\":[1,2]}\nc|\xc3\xa9|[true]\n");
}
END_TEST

START_TEST(test_sqlview_missing_null_and_object_keys_are_rejected)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"x\":1}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'id' is missing");
	ck_assert_int_eq(put(&v, "{\"id\":null}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'id' is null");
	ck_assert_int_eq(put(&v, "{\"id\":{\"a\":1}}", &err), TIDE_ETYPE);
	ck_assert_str_eq(err.msg, "key field 'id' is an object");
	ck_assert_int_eq(put(&v, "{\"id\":[1]}", &err), TIDE_ETYPE);
	ck_assert_str_eq(err.msg, "key field 'id' is an array");
	ck_assert_int_eq(put(&v, "{\"id\":7,\"v\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"v\":2}", &err), TIDE_ENOENT);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	/* The first good record defined the table, with a numeric key. */
	ck_assert_str_eq(query("SELECT id,typeof(id),v FROM feat"), "7|integer|1\n");
}
END_TEST

START_TEST(test_sqlview_nested_and_multiple_keys)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "card.bin");
	c.nkey = 2;
	c.keys[1] = "acct";
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"acct\":1,\"card\":{\"bin\":\"4111\"},\"v\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"acct\":2,\"card\":{\"bin\":\"4111\"},\"v\":2}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"acct\":1,\"card\":{\"bin\":\"4111\"},\"v\":3}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"acct\":1,\"card\":{},\"v\":4}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'card.bin' is missing");
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT \"card.bin\",acct,v FROM feat ORDER BY acct"),
	    "4111|1|3\n4111|2|2\n");
	ck_assert_str_eq(query("SELECT name FROM pragma_table_info('feat') WHERE pk>0 ORDER BY pk"),
	    "card.bin\nacct\n");
}
END_TEST

START_TEST(test_sqlview_columns_given)
{
	static const char *const cols[] = { "b", "zz" };
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	c.ncol = 2;
	c.cols = cols;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":1,\"a\":1,\"b\":\"x\"}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":2,\"zz\":5,\"b\":2}", &err), 0);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT name,type FROM pragma_table_info('feat')"),
	    "id|INTEGER\nb|TEXT\nzz|\nrecord|TEXT\n");
	ck_assert_str_eq(query("SELECT id,b,zz FROM feat ORDER BY id"),
	    "1|x|NULL\n2|2|5\n");
}
END_TEST

START_TEST(test_sqlview_batch_commits_by_count_and_time)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	c.batch = 3;
	c.batch_ms = 100;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(tide_sqlview_put(&v, "{\"id\":1}", 8, 1000, &err), 0);
	ck_assert_int_eq(tide_sqlview_put(&v, "{\"id\":2}", 8, 1001, &err), 0);
	/* A reader sees the last committed state: no table yet. */
	ck_assert_str_eq(query("SELECT count(*) FROM feat"),
	    "error: no such table: feat\n");
	ck_assert_int_eq(tide_sqlview_put(&v, "{\"id\":3}", 8, 1002, &err), 0);
	ck_assert_str_eq(query("SELECT count(*) FROM feat"), "3\n");
	ck_assert_int_eq(tide_sqlview_put(&v, "{\"id\":4}", 8, 2000, &err), 0);
	ck_assert_int_eq(tide_sqlview_tick(&v, 2099, &err), 0);
	ck_assert_str_eq(query("SELECT count(*) FROM feat"), "3\n");
	ck_assert_int_eq(tide_sqlview_tick(&v, 2100, &err), 1);
	ck_assert_str_eq(query("SELECT count(*) FROM feat"), "4\n");
	ck_assert_int_eq(tide_sqlview_tick(&v, 9000, &err), 0);
	/* Closing with a batch open loses it, as a crash would. */
	ck_assert_int_eq(tide_sqlview_put(&v, "{\"id\":5}", 8, 9000, &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT group_concat(id) FROM feat"), "1,2,3,4\n");
}
END_TEST

START_TEST(test_sqlview_reopen_converges_and_checks_key)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;
	int i;

	conf_init(&c, "id");
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
		ck_assert_int_eq(put(&v, "{\"id\":1,\"v\":1}", &err), 0);
		ck_assert_int_eq(put(&v, "{\"id\":2,\"v\":2}", &err), 0);
		ck_assert_int_eq(put(&v, "{\"id\":1,\"v\":3}", &err), 0);
		ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
		tide_sqlview_close(&v);
		ck_assert_str_eq(query("SELECT id,v FROM feat ORDER BY id"),
		    "1|3\n2|2\n");
	}
	conf_init(&c, "v");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), TIDE_EFORMAT);
	ck_assert_str_eq(err.msg, "table 'feat' exists with another primary key");
	tide_sqlview_close(&v);
	conf_init(&c, "id");
	c.history = 1;
	c.timefield = "v";
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), TIDE_EFORMAT);
	tide_sqlview_close(&v);
}
END_TEST

START_TEST(test_sqlview_bad_options)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	c.history = 1;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "history needs a time field");
	tide_sqlview_close(&v);
	conf_init(&c, "id");
	c.ttl_ms = 10;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "a ttl needs a time field");
	tide_sqlview_close(&v);
	conf_init(&c, "record");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), TIDE_EINVAL);
	tide_sqlview_close(&v);
	conf_init(&c, "a..b");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "bad key field 'a..b'");
	tide_sqlview_close(&v);
	conf_init(&c, "id");
	c.path = "/nonexistent/dir/v.db";
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), TIDE_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open '/nonexistent/dir/v.db'"));
	tide_sqlview_close(&v);
}
END_TEST

START_TEST(test_sqlview_ttl_expires_by_event_time)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	c.timefield = "ts";
	c.unit = TIDE_UNIT_MS;
	c.ttl_ms = 10000;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":1,\"ts\":1000}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":2,\"ts\":5000}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":3,\"ts\":\"1970-01-01T00:00:12Z\"}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":4}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "time field 'ts' is missing");
	ck_assert_int_eq(put(&v, "{\"id\":4,\"ts\":\"soon\"}", &err), TIDE_ETYPE);
	ck_assert_str_eq(err.msg, "time field 'ts' is not a time: \"soon\"");
	ck_assert_int_eq(put(&v, "{\"id\":4,\"ts\":true}", &err), TIDE_ETYPE);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	/* Max event time 12 s: rows before 2 s are gone. */
	ck_assert_str_eq(query("SELECT id,tide_time FROM feat ORDER BY id"),
	    "2|5000\n3|12000\n");
	tide_sqlview_close(&v);
	/* A restart remembers the newest time from the table. */
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":5,\"ts\":1500}", &err), 0);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT group_concat(id) FROM feat"), "2,3\n");
}
END_TEST

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

static const char *
lookup(struct tide_sqlview *v, const char *key, int64_t now)
{
	static char out[512];
	struct tide_sqlview_err err;
	struct tide_json_val k = jv(key);
	const char *rec;
	size_t len;
	int r;

	r = tide_sqlview_lookup(v, &k, 1, now, &rec, &len, &err);
	if (r < 0)
		snprintf(out, sizeof(out), "error %d: %s", r, err.msg);
	else if (r == 0)
		snprintf(out, sizeof(out), "absent");
	else
		snprintf(out, sizeof(out), "%.*s", (int)len, rec);
	return out;
}

static const char *
lookup_asof(struct tide_sqlview *v, const char *key, int64_t t)
{
	static char out[512];
	struct tide_sqlview_err err;
	struct tide_json_val k = jv(key);
	const char *rec;
	size_t len;
	int r;

	r = tide_sqlview_lookup_asof(v, &k, 1, t, &rec, &len, &err);
	if (r < 0)
		snprintf(out, sizeof(out), "error %d: %s", r, err.msg);
	else if (r == 0)
		snprintf(out, sizeof(out), "absent");
	else
		snprintf(out, sizeof(out), "%.*s", (int)len, rec);
	return out;
}

START_TEST(test_sqlview_history_keeps_versions_for_asof_reads)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v, r;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	c.timefield = "ts";
	c.unit = TIDE_UNIT_MS;
	c.history = 1;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":2000,\"v\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":1000,\"v\":0}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":3000,\"v\":2}", &err), 0);
	/* The same version again (a replay) replaces, not duplicates. */
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"ts\":3000,\"v\":3}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"ts\":1500,\"v\":9}", &err), 0);
	ck_assert_int_eq(tide_sqlview_commit(&v, &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT id,tide_time,v FROM feat ORDER BY id,tide_time"),
	    "a|1000|0\na|2000|1\na|3000|3\nb|1500|9\n");

	ck_assert_int_eq(tide_sqlview_open_reader(&r, dbpath, "feat", 0, &err), 0);
	ck_assert_int_eq(tide_sqlview_is_history(&r), 1);
	ck_assert_int_eq(tide_sqlview_nkeys(&r), 1);
	ck_assert_str_eq(tide_sqlview_keyname(&r, 0), "id");
	ck_assert_str_eq(lookup(&r, "\"a\"", 0), "{\"id\":\"a\",\"ts\":3000,\"v\":3}");
	ck_assert_str_eq(lookup_asof(&r, "\"a\"", 999), "absent");
	ck_assert_str_eq(lookup_asof(&r, "\"a\"", 1000), "{\"id\":\"a\",\"ts\":1000,\"v\":0}");
	ck_assert_str_eq(lookup_asof(&r, "\"a\"", 2999), "{\"id\":\"a\",\"ts\":2000,\"v\":1}");
	ck_assert_str_eq(lookup_asof(&r, "\"b\"", 99999), "{\"id\":\"b\",\"ts\":1500,\"v\":9}");
	ck_assert_str_eq(lookup_asof(&r, "\"c\"", 99999), "absent");
	tide_sqlview_close(&r);
}
END_TEST

START_TEST(test_sqlview_reader_lookup_and_cache)
{
	struct tide_sqlview_conf c;
	struct tide_sqlview v, r;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	c.batch = 1;
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\\u0041\",\"v\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":42,\"v\":2}", &err), 0);

	ck_assert_int_eq(tide_sqlview_open_reader(&r, dbpath, "feat", 0, &err), 0);
	ck_assert_int_eq(tide_sqlview_is_history(&r), 0);
	ck_assert_str_eq(lookup(&r, "\"aA\"", 0), "{\"id\":\"a\\u0041\",\"v\":1}");
	ck_assert_str_eq(lookup(&r, "\"a\\u0041\"", 0), "{\"id\":\"a\\u0041\",\"v\":1}");
	ck_assert_str_eq(lookup(&r, "\"zz\"", 0), "absent");
	ck_assert_str_eq(lookup(&r, "null", 0), "error -9: key field 'id' is null");
	/* An array or object key is its JSON text, as in file tables. */
	ck_assert_str_eq(lookup(&r, "[1]", 0), "absent");
	ck_assert_int_eq(put(&v, "{\"id\":\"{\\\"o\\\":1}\",\"v\":3}", &err), 0);
	ck_assert_str_eq(lookup(&r, "{\"o\":1}", 0), "{\"id\":\"{\\\"o\\\":1}\",\"v\":3}");
	ck_assert_str_eq(lookup_asof(&r, "\"aA\"", 0), "error -2: table 'feat' keeps no history");

	/* Without a cache the reader sees each commit at once. */
	ck_assert_int_eq(put(&v, "{\"id\":\"aA\",\"v\":5}", &err), 0);
	ck_assert_str_eq(lookup(&r, "\"aA\"", 0), "{\"id\":\"aA\",\"v\":5}");

	/* With one, an answer (a miss too) lasts its ttl. */
	tide_sqlview_set_cache(&r, 16, 100);
	ck_assert_str_eq(lookup(&r, "\"aA\"", 1000), "{\"id\":\"aA\",\"v\":5}");
	ck_assert_str_eq(lookup(&r, "\"new\"", 1000), "absent");
	ck_assert_int_eq(put(&v, "{\"id\":\"aA\",\"v\":6}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"new\",\"v\":7}", &err), 0);
	ck_assert_str_eq(lookup(&r, "\"aA\"", 1099), "{\"id\":\"aA\",\"v\":5}");
	ck_assert_str_eq(lookup(&r, "\"new\"", 1099), "absent");
	ck_assert_str_eq(lookup(&r, "\"aA\"", 1100), "{\"id\":\"aA\",\"v\":6}");
	ck_assert_str_eq(lookup(&r, "\"new\"", 1100), "{\"id\":\"new\",\"v\":7}");
	/* 42 and 42.0 are one key, for SQLite and for the cache. */
	ck_assert_str_eq(lookup(&r, "42.0", 1100), "{\"id\":42,\"v\":2}");
	ck_assert_str_eq(lookup(&r, "42", 1100), "{\"id\":42,\"v\":2}");
	tide_sqlview_close(&r);
	tide_sqlview_close(&v);
}
END_TEST

START_TEST(test_sqlview_reader_rejects_missing_and_foreign_tables)
{
	struct tide_sqlview r;
	struct tide_sqlview_err err;
	char path[160];

	ck_assert_str_eq(query("CREATE TABLE plain(a, b)"), "");
	ck_assert_int_eq(tide_sqlview_open_reader(&r, dbpath, "nope", 0, &err), TIDE_ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no table 'nope'"));
	tide_sqlview_close(&r);
	ck_assert_int_eq(tide_sqlview_open_reader(&r, dbpath, "plain", 0, &err), TIDE_ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a view"));
	tide_sqlview_close(&r);
	snprintf(path, sizeof(path), "%s/absent.db", dir);
	ck_assert_int_eq(tide_sqlview_open_reader(&r, path, "t", 0, &err), TIDE_EIO);
	tide_sqlview_close(&r);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* ---- Exactly once: the offsets table ------------------------------------ */

START_TEST(test_sqlview_offsets_commit_with_the_rows)
{
	struct tide_barrier_offs o = TIDE_BARRIER_OFFS_INIT;
	struct tide_barrier_offs got = TIDE_BARRIER_OFFS_INIT;
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;

	conf_init(&c, "id");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	/* None yet: no table, nothing read. */
	ck_assert_int_eq(tide_sqlview_offsets(&v, &got, &err), 0);
	ck_assert_uint_eq(got.n, 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":1}", &err), 0);
	ck_assert_int_eq(tide_barrier_offs_set(&o, "tx", 2, 0, 5), 0);
	ck_assert_int_eq(tide_barrier_offs_set(&o, "tx", 2, 1, 9), 0);
	ck_assert_int_eq(tide_sqlview_commit_offs(&v, &o, &err), 0);
	ck_assert_str_eq(query("SELECT id FROM feat"), "a\n");
	ck_assert_str_eq(query("SELECT * FROM tide_offsets ORDER BY 2"),
	    "tx|0|5\ntx|1|9\n");
	/* An empty batch still moves the offsets (upserted per partition). */
	tide_barrier_offs_reset(&o);
	ck_assert_int_eq(tide_barrier_offs_set(&o, "tx", 2, 1, 12), 0);
	ck_assert_int_eq(tide_sqlview_commit_offs(&v, &o, &err), 0);
	ck_assert_str_eq(query("SELECT * FROM tide_offsets ORDER BY 2"),
	    "tx|0|5\ntx|1|12\n");
	/* Rows put after the barrier and rolled back (the process died) take
	 * no offsets with them. */
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"n\":2}", &err), 0);
	tide_sqlview_close(&v);
	ck_assert_str_eq(query("SELECT id FROM feat"), "a\n");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(tide_sqlview_offsets(&v, &got, &err), 0);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_int_eq(tide_barrier_offs_get(&got, "tx", 2, 0), 5);
	ck_assert_int_eq(tide_barrier_offs_get(&got, "tx", 2, 1), 12);
	tide_sqlview_close(&v);
	tide_barrier_offs_release(&o);
	tide_barrier_offs_release(&got);
}
END_TEST

START_TEST(test_sqlview_offsets_refuse_a_foreign_table)
{
	static const char *foreign[] = {
		"CREATE TABLE tide_offsets (topic TEXT, offset INTEGER)",
		"CREATE TABLE tide_offsets (topic TEXT, \"partition\" INTEGER, "
		    "next INTEGER)",
		"CREATE TABLE tide_offsets (topic TEXT, \"partition\" INTEGER, "
		    "next INTEGER, extra TEXT, PRIMARY KEY (topic, \"partition\"))",
		"CREATE TABLE tide_offsets (\"partition\" INTEGER, topic TEXT, "
		    "next INTEGER, PRIMARY KEY (topic, \"partition\"))",
	};
	struct tide_barrier_offs o = TIDE_BARRIER_OFFS_INIT;
	struct tide_sqlview_conf c;
	struct tide_sqlview v;
	struct tide_sqlview_err err;
	size_t i;

	conf_init(&c, "id");
	for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		query("DROP TABLE IF EXISTS tide_offsets");
		ck_assert_str_eq(query(foreign[i]), "");
		ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
		ck_assert_int_eq(tide_sqlview_offsets(&v, &o, &err),
		    TIDE_EFORMAT);
		ck_assert_msg(strstr(err.msg, "table tide_offsets is not "
		    "tide's") != NULL, "%zu: %s", i, err.msg);
		ck_assert_int_eq(tide_sqlview_commit_offs(&v, &o, &err),
		    TIDE_EFORMAT);
		tide_sqlview_close(&v);
	}
	/* A row of ours whose offset is not a number. */
	query("DROP TABLE tide_offsets");
	query("CREATE TABLE tide_offsets (topic TEXT NOT NULL, \"partition\" "
	    "INTEGER NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (topic, "
	    "\"partition\")); INSERT INTO tide_offsets VALUES ('t', 0, 'x')");
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(tide_sqlview_offsets(&v, &o, &err), TIDE_EFORMAT);
	ck_assert_str_eq(err.msg, "table tide_offsets holds a row that is not "
	    "a topic, a partition and an offset");
	ck_assert_uint_eq(o.n, 0);
	tide_sqlview_close(&v);
	/* The view itself may not take the name. */
	query("DROP TABLE tide_offsets");
	c.table = "tide_offsets";
	ck_assert_int_eq(tide_sqlview_open(&v, &c, &err), 0);
	ck_assert_int_eq(tide_sqlview_offsets(&v, &o, &err), TIDE_EINVAL);
	ck_assert_int_eq(tide_sqlview_commit_offs(&v, &o, &err), TIDE_EINVAL);
	tide_sqlview_close(&v);
	tide_barrier_offs_release(&o);
}
END_TEST

Suite *
suite_sqlview(void)
{
	Suite *s = suite_create("sqlview");
	TCase *tc = tcase_create("sqlview");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sqlview_upsert_keeps_last_record_per_key);
	tcase_add_test(tc, test_sqlview_repeated_keys_in_a_batch_write_the_last);
	tcase_add_test(tc, test_sqlview_numbers_bound_as_sqlite_reads_them);
	tcase_add_test(tc, test_sqlview_nested_values_and_escapes);
	tcase_add_test(tc, test_sqlview_missing_null_and_object_keys_are_rejected);
	tcase_add_test(tc, test_sqlview_nested_and_multiple_keys);
	tcase_add_test(tc, test_sqlview_columns_given);
	tcase_add_test(tc, test_sqlview_batch_commits_by_count_and_time);
	tcase_add_test(tc, test_sqlview_reopen_converges_and_checks_key);
	tcase_add_test(tc, test_sqlview_bad_options);
	tcase_add_test(tc, test_sqlview_ttl_expires_by_event_time);
	tcase_add_test(tc, test_sqlview_history_keeps_versions_for_asof_reads);
	tcase_add_test(tc, test_sqlview_reader_lookup_and_cache);
	tcase_add_test(tc, test_sqlview_reader_rejects_missing_and_foreign_tables);
	tcase_add_test(tc, test_sqlview_offsets_commit_with_the_rows);
	tcase_add_test(tc, test_sqlview_offsets_refuse_a_foreign_table);
	suite_add_tcase(s, tc);
	return s;
}
