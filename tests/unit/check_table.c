#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "table.h"
#include "unit.h"

/* Build a table from NDJSON lines; NULL-terminated. */
static void
build(struct tide_table *t, const struct tide_table_spec *spec,
    const char *const *rows)
{
	struct tide_table_rowerr err;

	ck_assert_int_eq(tide_table_init(t, spec, &err), 0);
	for (; *rows; rows++)
		ck_assert_msg(tide_table_add(t, *rows, strlen(*rows), &err) == 0,
		    "row %s: %s", *rows, err.msg);
	ck_assert_int_eq(tide_table_finish(t), 0);
}

/* The looked-up row's columns as "v1|v2|...", null as "-". */
static const char *
cols(struct tide_table_row *row)
{
	static char out[256];
	const char *p;
	size_t len, n = 0;

	out[0] = '\0';
	while (tide_table_col_next(row, &p, &len)) {
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%.*s",
		    n ? "|" : "", len ? (int)len : 1, len ? p : "-");
	}
	return out;
}

/* Key text of one JSON value, for lookups as the stream side does. */
static size_t
key_of(struct tide_buf *b, const char *json)
{
	struct tide_json_val v;

	v.p = json;
	v.len = strlen(json);
	v.type = json[0] == '"' ? TIDE_JSON_STRING : json[0] == '{' ?
	    TIDE_JSON_OBJECT : json[0] == 'n' ? TIDE_JSON_NULL : json[0] == 't' ?
	    TIDE_JSON_TRUE : TIDE_JSON_NUMBER;
	ck_assert_int_eq(tide_table_key(b, &v, 1), 0);
	return b->len;
}

START_TEST(test_table_plain_lookup_selects_columns_and_last_row_wins)
{
	static const char *const rows[] = {
		"{\"id\":\"a\",\"x\":1,\"y\":\"p\"}",
		"{\"id\":\"b\",\"y\":\"q\",\"x\":[1, 2]}",
		"{\"id\":\"a\",\"x\":3}",
		NULL,
	};
	struct tide_table_spec spec = { 0 };
	struct tide_table t;
	struct tide_table_row row;
	struct tide_buf k = TIDE_BUF_INIT;

	spec.nkeys = 1;
	spec.keys[0] = "id";
	build(&t, &spec, rows);
	ck_assert_int_eq(tide_table_ncols(&t), 2);
	ck_assert_str_eq(tide_table_colname(&t, 0), "x");
	ck_assert_str_eq(tide_table_colname(&t, 1), "y");
	ck_assert_uint_eq(tide_table_nkeys(&t), 2);
	ck_assert_uint_eq(t.dups, 1);
	key_of(&k, "\"a\"");
	ck_assert_int_eq(tide_table_get(&t, k.data, k.len, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "3|-");
	key_of(&k, "\"b\"");
	ck_assert_int_eq(tide_table_get(&t, k.data, k.len, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "[1, 2]|\"q\"");
	key_of(&k, "\"c\"");
	ck_assert_int_eq(tide_table_get(&t, k.data, k.len, 0, 0, -1, &row),
	    TIDE_TABLE_NO_MATCH);
	tide_buf_release(&k);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_table_key_normalises_numbers_and_strings)
{
	struct tide_buf a = TIDE_BUF_INIT, b = TIDE_BUF_INIT;

	key_of(&a, "42");
	key_of(&b, "\"42\"");
	ck_assert_int_eq(a.len, b.len);
	ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
	key_of(&b, "42.0");
	ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
	key_of(&b, "4.2e1");
	ck_assert_int_eq(b.len, 2);
	ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
	key_of(&a, "-0");
	ck_assert_int_eq(a.len, 1);
	ck_assert_int_eq(a.data[0], '0');
	key_of(&a, "0.5e0");
	ck_assert_int_eq(a.len, 3);
	ck_assert_int_eq(memcmp(a.data, "0.5", 3), 0);
	key_of(&a, "\"a\\u0062\"");
	ck_assert_int_eq(a.len, 2);
	ck_assert_int_eq(memcmp(a.data, "ab", 2), 0);
	key_of(&a, "true");
	ck_assert_int_eq(memcmp(a.data, "true", 4), 0);
	/* "007" is text, not the number 7. */
	key_of(&a, "\"007\"");
	key_of(&b, "7");
	ck_assert_int_ne(a.len, b.len);
	tide_buf_release(&a);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_table_key_rejects_null_and_absent_keeps_objects_as_text)
{
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_json_val v[2];

	v[0].type = TIDE_JSON_NULL;
	v[0].p = "null";
	v[0].len = 4;
	ck_assert_int_eq(tide_table_key(&b, v, 1), TIDE_ENOENT);
	v[0].type = TIDE_JSON_NONE;
	ck_assert_int_eq(tide_table_key(&b, v, 1), TIDE_ENOENT);
	/* Objects and arrays are keys by their text as written, as
	 * tide-window's. */
	v[0].type = TIDE_JSON_OBJECT;
	v[0].p = "{ \"a\": 1 }";
	v[0].len = 10;
	ck_assert_int_eq(tide_table_key(&b, v, 1), 0);
	ck_assert_uint_eq(b.len, 10);
	ck_assert(memcmp(b.data, "{ \"a\": 1 }", 10) == 0);
	v[0].type = TIDE_JSON_ARRAY;
	v[0].p = "[]";
	v[0].len = 2;
	ck_assert_int_eq(tide_table_key(&b, v, 1), 0);
	ck_assert_uint_eq(b.len, 2);
	ck_assert(memcmp(b.data, "[]", 2) == 0);
	/* One good part does not rescue a missing one. */
	v[0].type = TIDE_JSON_STRING;
	v[0].p = "\"a\"";
	v[0].len = 3;
	v[1].type = TIDE_JSON_NONE;
	ck_assert_int_eq(tide_table_key(&b, v, 2), TIDE_ENOENT);
	tide_buf_release(&b);
}
END_TEST

START_TEST(test_table_multi_key_parts_do_not_run_together)
{
	static const char *const rows[] = {
		"{\"a\":\"x,y\",\"b\":\"z\",\"v\":1}",
		"{\"a\":\"x\",\"b\":\"y,z\",\"v\":2}",
		"{\"a\":\"x\\\"\",\"b\":\"q\",\"v\":3}",
		NULL,
	};
	struct tide_table_spec spec = { 0 };
	struct tide_table t;
	struct tide_table_row row;
	struct tide_buf k = TIDE_BUF_INIT;
	struct tide_json_val v[2];

	spec.nkeys = 2;
	spec.keys[0] = "a";
	spec.keys[1] = "b";
	build(&t, &spec, rows);
	ck_assert_uint_eq(tide_table_nkeys(&t), 3);
	ck_assert_int_eq(tide_table_ncols(&t), 1);
	v[0].type = v[1].type = TIDE_JSON_STRING;
	v[0].p = "\"x\"";
	v[0].len = 3;
	v[1].p = "\"y,z\"";
	v[1].len = 5;
	ck_assert_int_eq(tide_table_key(&k, v, 2), 0);
	ck_assert_int_eq(tide_table_get(&t, k.data, k.len, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "2");
	/* An escaped part is unescaped before it is length-prefixed. */
	v[0].p = "\"x\\u0022\"";
	v[0].len = 9;
	v[1].p = "\"q\"";
	v[1].len = 3;
	ck_assert_int_eq(tide_table_key(&k, v, 2), 0);
	ck_assert_int_eq(tide_table_get(&t, k.data, k.len, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "3");
	tide_buf_release(&k);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_table_rejects_rows_without_key_or_time)
{
	struct tide_table_spec spec = { 0 };
	struct tide_table_rowerr err;
	struct tide_table t;

	spec.nkeys = 1;
	spec.keys[0] = "id";
	spec.timefield = "t";
	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	ck_assert_int_eq(tide_table_add(&t, "{\"t\":1}", 7, &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'id' is missing");
	ck_assert_int_eq(tide_table_add(&t, "{\"id\":null,\"t\":1}", 17, &err),
	    TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'id' is null");
	/* An object key is a key (by its text). */
	ck_assert_int_eq(tide_table_add(&t, "{\"id\":{},\"t\":1}", 15, &err),
	    0);
	ck_assert_int_eq(tide_table_add(&t, "{\"id\":1}", 8, &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "time field 't' is missing");
	ck_assert_int_eq(tide_table_add(&t, "{\"id\":1,\"t\":\"soon\"}", 19,
	    &err), TIDE_ETYPE);
	ck_assert_str_eq(err.msg, "time field 't' is not a time: \"soon\"");
	ck_assert_int_eq(tide_table_finish(&t), 0);
	ck_assert_uint_eq(tide_table_nkeys(&t), 1);
	ck_assert_uint_eq(t.rows, 1);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_table_asof_directions_and_tolerance)
{
	/* Versions of k at 100, 200 (twice: the later row wins), 300, given
	 * out of order; times as numbers, RFC 3339 and numeric strings. */
	static const char *const rows[] = {
		"{\"k\":\"k\",\"t\":300,\"v\":3}",
		"{\"k\":\"k\",\"t\":\"1970-01-01T00:00:00.100Z\",\"v\":1}",
		"{\"k\":\"k\",\"t\":\"200\",\"v\":20}",
		"{\"k\":\"k\",\"t\":200,\"v\":2}",
		"{\"k\":\"j\",\"t\":50,\"v\":9}",
		NULL,
	};
	static const struct {
		int64_t ts;
		enum tide_table_dir dir;
		int64_t tol;
		enum tide_table_miss want;
		const char *v;
	} cases[] = {
		{ 99, TIDE_TABLE_BACKWARD, -1, TIDE_TABLE_BEFORE_FIRST, NULL },
		{ 100, TIDE_TABLE_BACKWARD, -1, TIDE_TABLE_HIT, "1" },
		{ 250, TIDE_TABLE_BACKWARD, -1, TIDE_TABLE_HIT, "2" },
		{ 9999, TIDE_TABLE_BACKWARD, -1, TIDE_TABLE_HIT, "3" },
		{ 9999, TIDE_TABLE_BACKWARD, 100, TIDE_TABLE_BEYOND_TOLERANCE, NULL },
		{ 301, TIDE_TABLE_FORWARD, -1, TIDE_TABLE_AFTER_LAST, NULL },
		{ 200, TIDE_TABLE_FORWARD, -1, TIDE_TABLE_HIT, "2" },
		{ 201, TIDE_TABLE_FORWARD, -1, TIDE_TABLE_HIT, "3" },
		{ 0, TIDE_TABLE_FORWARD, -1, TIDE_TABLE_HIT, "1" },
		{ 0, TIDE_TABLE_FORWARD, 99, TIDE_TABLE_BEYOND_TOLERANCE, NULL },
		{ 0, TIDE_TABLE_NEAREST, -1, TIDE_TABLE_HIT, "1" },
		{ 150, TIDE_TABLE_NEAREST, -1, TIDE_TABLE_HIT, "1" },	/* tie: back */
		{ 151, TIDE_TABLE_NEAREST, -1, TIDE_TABLE_HIT, "2" },
		{ 260, TIDE_TABLE_NEAREST, -1, TIDE_TABLE_HIT, "3" },
		{ 500, TIDE_TABLE_NEAREST, 200, TIDE_TABLE_HIT, "3" },
		{ 501, TIDE_TABLE_NEAREST, 200, TIDE_TABLE_BEYOND_TOLERANCE, NULL },
	};
	struct tide_table_spec spec = { 0 };
	struct tide_table t;
	struct tide_table_row row;
	struct tide_buf k = TIDE_BUF_INIT;
	size_t i;

	spec.nkeys = 1;
	spec.keys[0] = "k";
	spec.ncols = 1;
	spec.cols[0] = "v";
	spec.timefield = "t";
	spec.unit = TIDE_UNIT_MS;
	build(&t, &spec, rows);
	ck_assert_uint_eq(tide_table_nkeys(&t), 2);
	ck_assert_uint_eq(t.versions, 4);
	ck_assert_uint_eq(t.dups, 1);
	key_of(&k, "\"k\"");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tide_table_miss m = tide_table_get(&t, k.data, k.len,
		    cases[i].ts, cases[i].dir, cases[i].tol, &row);

		ck_assert_msg(m == cases[i].want, "case %zu: %s", i,
		    tide_table_miss_name(m));
		if (cases[i].v)
			ck_assert_str_eq(cols(&row), cases[i].v);
	}
	tide_buf_release(&k);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_table_timed_keys_sharing_a_hash_keep_their_own_versions)
{
	/* k306001 and k973205 share the high 32 bits of their hash, which
	 * is what a timed table's finish sorts its staged rows by: their
	 * versions arrive interleaved and out of order, and must not mix. */
	static const char *const rows[] = {
		"{\"k\":\"k973205\",\"t\":300,\"v\":\"b3\"}",
		"{\"k\":\"k306001\",\"t\":200,\"v\":\"a2\"}",
		"{\"k\":\"k1\",\"t\":100,\"v\":\"c1\"}",
		"{\"k\":\"k973205\",\"t\":100,\"v\":\"b1\"}",
		"{\"k\":\"k306001\",\"t\":100,\"v\":\"a1\"}",
		"{\"k\":\"k306001\",\"t\":200,\"v\":\"a2bis\"}",
		"{\"k\":\"k973205\",\"t\":200,\"v\":\"b2\"}",
		NULL,
	};
	static const struct {
		const char *key;
		int64_t ts;
		const char *v;		/* NULL: before the first version */
	} cases[] = {
		{ "\"k306001\"", 99, NULL },
		{ "\"k306001\"", 100, "\"a1\"" },
		{ "\"k306001\"", 250, "\"a2bis\"" },
		{ "\"k306001\"", 999, "\"a2bis\"" },
		{ "\"k973205\"", 150, "\"b1\"" },
		{ "\"k973205\"", 200, "\"b2\"" },
		{ "\"k973205\"", 999, "\"b3\"" },
		{ "\"k1\"", 999, "\"c1\"" },
	};
	struct tide_table_spec spec = { 0 };
	struct tide_table t;
	struct tide_table_row row, row2;
	struct tide_buf k = TIDE_BUF_INIT, k2 = TIDE_BUF_INIT;
	enum tide_table_miss m;
	uint64_t h;
	size_t i;

	key_of(&k, "\"k306001\"");
	key_of(&k2, "\"k973205\"");
	ck_assert_msg(tide_table_hash(k.data, k.len) >> 32 ==
	    tide_table_hash(k2.data, k2.len) >> 32,
	    "the keys no longer share a hash: pick two that do");
	spec.nkeys = 1;
	spec.keys[0] = "k";
	spec.ncols = 1;
	spec.cols[0] = "v";
	spec.timefield = "t";
	spec.unit = TIDE_UNIT_MS;
	build(&t, &spec, rows);
	ck_assert_uint_eq(tide_table_nkeys(&t), 3);
	ck_assert_uint_eq(t.versions, 6);
	ck_assert_uint_eq(t.dups, 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		key_of(&k, cases[i].key);
		h = tide_table_hash(k.data, k.len);
		/* Prefetching is a hint: lookups see the same either way. */
		tide_table_prefetch_slot(&t, h);
		tide_table_prefetch_entry(&t, h);
		m = tide_table_get_h(&t, k.data, k.len, h, cases[i].ts,
		    TIDE_TABLE_BACKWARD, -1, &row);
		ck_assert_int_eq(tide_table_get(&t, k.data, k.len, cases[i].ts,
		    TIDE_TABLE_BACKWARD, -1, &row2), m);
		if (cases[i].v == NULL) {
			ck_assert_msg(m == TIDE_TABLE_BEFORE_FIRST, "case %zu: %s",
			    i, tide_table_miss_name(m));
			continue;
		}
		ck_assert_msg(m == TIDE_TABLE_HIT, "case %zu: %s", i,
		    tide_table_miss_name(m));
		ck_assert_str_eq(cols(&row), cases[i].v);
	}
	tide_buf_release(&k);
	tide_buf_release(&k2);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_table_prefetch_and_hashed_lookup_on_empty_and_plain_tables)
{
	static const char *const rows[] = {
		"{\"id\":\"a\",\"x\":1}",
		NULL,
	};
	static const char *const none[] = { NULL };
	struct tide_table_spec spec = { 0 };
	struct tide_table t;
	struct tide_table_row row;
	struct tide_buf k = TIDE_BUF_INIT;
	uint64_t h;

	spec.nkeys = 1;
	spec.keys[0] = "id";
	key_of(&k, "\"a\"");
	h = tide_table_hash(k.data, k.len);
	/* Before finish (no index yet) and empty: hints do nothing. */
	ck_assert_int_eq(tide_table_init(&t, &spec, &(struct tide_table_rowerr){ "" }), 0);
	tide_table_prefetch_slot(&t, h);
	tide_table_prefetch_entry(&t, h);
	tide_table_release(&t);
	build(&t, &spec, none);
	tide_table_prefetch_slot(&t, h);
	tide_table_prefetch_entry(&t, h);
	ck_assert_int_eq(tide_table_get_h(&t, k.data, k.len, h, 0,
	    TIDE_TABLE_BACKWARD, -1, &row), TIDE_TABLE_NO_MATCH);
	tide_table_release(&t);
	build(&t, &spec, rows);
	tide_table_prefetch_slot(&t, h);
	tide_table_prefetch_entry(&t, h);
	ck_assert_int_eq(tide_table_get_h(&t, k.data, k.len, h, 0,
	    TIDE_TABLE_BACKWARD, -1, &row), TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "1");
	key_of(&k, "\"b\"");
	h = tide_table_hash(k.data, k.len);
	tide_table_prefetch_entry(&t, h);
	ck_assert_int_eq(tide_table_get_h(&t, k.data, k.len, h, 0,
	    TIDE_TABLE_BACKWARD, -1, &row), TIDE_TABLE_NO_MATCH);
	tide_buf_release(&k);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_table_many_rows_stay_compact)
{
	struct tide_table_spec spec = { 0 };
	struct tide_table_rowerr err;
	struct tide_table_row row;
	struct tide_table t;
	struct tide_buf k = TIDE_BUF_INIT;
	char rec[128], key[32];
	size_t csvbytes = 0;
	int i, n;

	spec.nkeys = 1;
	spec.keys[0] = "account";
	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	for (i = 0; i < 200000; i++) {
		n = snprintf(rec, sizeof(rec), "{\"account\":\"a%06d\","
		    "\"risk_score\":0.%03d,\"segment\":\"retail\","
		    "\"credit_limit\":%d}", i, i % 1000, 1000 + i % 50000);
		ck_assert_int_eq(tide_table_add(&t, rec, (size_t)n, &err), 0);
		/* The same row as CSV: a000001,0.001,retail,1001 */
		csvbytes += (size_t)snprintf(rec, sizeof(rec),
		    "a%06d,0.%03d,retail,%d\n", i, i % 1000, 1000 + i % 50000);
	}
	ck_assert_int_eq(tide_table_finish(&t), 0);
	ck_assert_uint_eq(tide_table_nkeys(&t), 200000);
	ck_assert_msg(tide_table_bytes(&t) <= 2 * csvbytes,
	    "%zu bytes for %zu of CSV", tide_table_bytes(&t), csvbytes);
	for (i = 0; i < 200000; i += 997) {
		n = snprintf(key, sizeof(key), "a%06d", i);
		ck_assert_int_eq(tide_table_get(&t, key, (size_t)n, 0, 0, -1,
		    &row), TIDE_TABLE_HIT);
		snprintf(rec, sizeof(rec), "0.%03d|\"retail\"|%d", i % 1000,
		    1000 + i % 50000);
		ck_assert_str_eq(cols(&row), rec);
	}
	ck_assert_int_eq(tide_table_get(&t, "a200000", 7, 0, 0, -1, &row),
	    TIDE_TABLE_NO_MATCH);
	tide_buf_release(&k);
	tide_table_release(&t);
}
END_TEST

static int nbad;
static char lastbad[256];

static int
count_bad(void *ctx, uint64_t lineno, const char *msg)
{
	(void)ctx;
	nbad++;
	snprintf(lastbad, sizeof(lastbad), "%llu: %s",
	    (unsigned long long)lineno, msg);
	return 0;
}

static int
stop_bad(void *ctx, uint64_t lineno, const char *msg)
{
	return count_bad(ctx, lineno, msg) || 1;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(test_table_load_csv_and_ndjson_report_bad_rows_by_line)
{
	char dir[] = "/tmp/check_table.XXXXXX", path[64];
	struct tide_table_spec spec = { 0 };
	struct tide_table_rowerr err;
	struct tide_table_row row;
	struct tide_table t;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	spec.nkeys = 1;
	spec.keys[0] = "id";

	snprintf(path, sizeof(path), "%s/t.csv", dir);
	write_file(path, "id,v,w\n1,x,\n2,\"y,z\",3\n3,too,many,fields\n,4,4\n");
	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	nbad = 0;
	ck_assert_int_eq(tide_table_load(&t, path, TIDE_TABLE_AUTO, 0,
	    count_bad, NULL, &err), 0);
	ck_assert_int_eq(nbad, 2);
	ck_assert_str_eq(lastbad, "5: key field 'id' is null");
	ck_assert_uint_eq(tide_table_nkeys(&t), 2);
	ck_assert_int_eq(tide_table_get(&t, "1", 1, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "\"x\"|-");
	ck_assert_int_eq(tide_table_get(&t, "2", 1, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "\"y,z\"|3");
	tide_table_release(&t);

	snprintf(path, sizeof(path), "%s/t.ndjson", dir);
	write_file(path, "{\"id\":1,\"v\":2}\n\n[1]\n{\"id\":2,\"v\":3}\n{bad\n");
	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	nbad = 0;
	ck_assert_int_eq(tide_table_load(&t, path, TIDE_TABLE_AUTO, 0,
	    count_bad, NULL, &err), 0);
	ck_assert_int_eq(nbad, 2);
	ck_assert_uint_eq(tide_table_nkeys(&t), 2);
	ck_assert_int_eq(strncmp(lastbad, "5: not valid JSON", 17), 0);
	tide_table_release(&t);

	/* A callback that says stop fails the load (--strict). */
	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	ck_assert_int_eq(tide_table_load(&t, path, TIDE_TABLE_NDJSON, 0,
	    stop_bad, NULL, &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "line 3: not a JSON object");
	tide_table_release(&t);

	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	snprintf(path, sizeof(path), "%s/missing.csv", dir);
	ck_assert_int_eq(tide_table_load(&t, path, TIDE_TABLE_AUTO, 0,
	    count_bad, NULL, &err), TIDE_EIO);
	tide_table_release(&t);

	snprintf(path, sizeof(path), "%s/t.csv", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.ndjson", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *suite_table(void);

/* A live plain table: upserts replace, deletes drop, the index survives
 * many deletions (backward-shift removal) and compaction. */
START_TEST(test_table_live_upsert_delete_and_compaction)
{
	struct tide_table_spec spec = { 0 };
	struct tide_table_rowerr err;
	struct tide_table t;
	struct tide_table_row row;
	struct tide_buf k = TIDE_BUF_INIT;
	char key[32], rec[128];
	int i, round;

	spec.nkeys = 1;
	spec.keys[0] = "id";
	spec.live = 1;
	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	ck_assert_int_eq(tide_table_finish(&t), 0);
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 0, 0, -1, &row),
	    TIDE_TABLE_NO_MATCH);
	/* Columns come from the first row, not from finish(). */
	ck_assert_int_eq(tide_table_upsert(&t, "a", 1,
	    "{\"id\":\"zz\",\"x\":1,\"y\":2}", 23, 0, &err), 0);
	ck_assert_int_eq(tide_table_ncols(&t), 2);
	ck_assert_int_eq(tide_table_upsert(&t, NULL, 0,
	    "{\"id\":\"b\",\"x\":5}", 16, 0, &err), 0);
	ck_assert_int_eq(tide_table_upsert(&t, "a", 1,
	    "{\"x\":\"new\"}", 11, 0, &err), 0);
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "\"new\"|-");
	key_of(&k, "\"b\"");
	ck_assert_int_eq(tide_table_get(&t, k.data, k.len, 0, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "5|-");
	ck_assert_int_eq(tide_table_delete(&t, "a", 1, 0), 0);
	ck_assert_int_eq(tide_table_delete(&t, "nope", 4, 0), 0);
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 0, 0, -1, &row),
	    TIDE_TABLE_NO_MATCH);
	ck_assert_uint_eq(tide_table_nkeys(&t), 1);
	/* Churn: 5000 keys written 8 times, odd ones deleted each round. */
	for (round = 0; round < 8; round++) {
		for (i = 0; i < 5000; i++) {
			int n = snprintf(rec, sizeof(rec),
			    "{\"x\":%d,\"y\":\"%0100d\"}", round * 100000 + i, 0);

			snprintf(key, sizeof(key), "k%d", i);
			ck_assert_int_eq(tide_table_upsert(&t, key, strlen(key),
			    rec, (size_t)n, 0, &err), 0);
		}
		for (i = 1; i < 5000; i += 2) {
			snprintf(key, sizeof(key), "k%d", i);
			ck_assert_int_eq(tide_table_delete(&t, key, strlen(key),
			    0), 0);
		}
	}
	ck_assert_uint_eq(tide_table_nkeys(&t), 2501);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (i & 1) {
			ck_assert_int_eq(tide_table_get(&t, key, strlen(key), 0,
			    0, -1, &row), TIDE_TABLE_NO_MATCH);
			continue;
		}
		ck_assert_int_eq(tide_table_get(&t, key, strlen(key), 0, 0, -1,
		    &row), TIDE_TABLE_HIT);
		snprintf(rec, sizeof(rec), "%d", 700000 + i);
		ck_assert_int_eq(strncmp(cols(&row), rec, strlen(rec)), 0);
	}
	/* 5 MB written, 0.3 MB live: compaction kept the arena small. */
	ck_assert_uint_lt(t.alen, 2u << 20);
	tide_table_release(&t);
	tide_buf_release(&k);
}
END_TEST

/* A live versioned table: versions in time order whatever the arrival
 * order, the same time replaced, a deletion version ends the key. */
START_TEST(test_table_live_versions_and_deletion_versions)
{
	struct tide_table_spec spec = { 0 };
	struct tide_table_rowerr err;
	struct tide_table t;
	struct tide_table_row row;

	spec.nkeys = 1;
	spec.keys[0] = "id";
	spec.cols[0] = "v";
	spec.ncols = 1;
	spec.live = 1;
	spec.versioned = 1;
	ck_assert_int_eq(tide_table_init(&t, &spec, &err), 0);
	ck_assert_int_eq(tide_table_finish(&t), 0);
	ck_assert_int_eq(tide_table_upsert(&t, "a", 1, "{\"v\":20}", 8, 20,
	    &err), 0);
	ck_assert_int_eq(tide_table_upsert(&t, "a", 1, "{\"v\":10}", 8, 10,
	    &err), 0);
	ck_assert_int_eq(tide_table_upsert(&t, "a", 1, "{\"v\":30}", 8, 30,
	    &err), 0);
	ck_assert_int_eq(tide_table_upsert(&t, "a", 1, "{\"v\":21}", 8, 20,
	    &err), 0);
	ck_assert_int_eq(tide_table_delete(&t, "a", 1, 40), 0);
	ck_assert_uint_eq(t.versions, 4);
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 5, 0, -1, &row),
	    TIDE_TABLE_BEFORE_FIRST);
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 10, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "10");
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 25, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "21");
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 39, 0, -1, &row),
	    TIDE_TABLE_HIT);
	ck_assert_str_eq(cols(&row), "30");
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 40, 0, -1, &row),
	    TIDE_TABLE_NO_MATCH);
	ck_assert_int_eq(tide_table_get(&t, "a", 1, 35, TIDE_TABLE_FORWARD, -1,
	    &row), TIDE_TABLE_NO_MATCH);
	/* A key first seen as deleted has no history to end. */
	ck_assert_int_eq(tide_table_delete(&t, "b", 1, 40), 0);
	ck_assert_uint_eq(tide_table_nkeys(&t), 1);
	tide_table_release(&t);
}
END_TEST

START_TEST(test_table_row_build_reads_back_with_col_next)
{
	struct tide_buf b = TIDE_BUF_INIT, big = TIDE_BUF_INIT;
	struct tide_json_val v[4];
	struct tide_table_row row;
	const char *p;
	size_t len, i;

	v[0].type = TIDE_JSON_NUMBER;
	v[0].p = "42";
	v[0].len = 2;
	v[1].type = TIDE_JSON_NULL;
	v[1].p = "null";
	v[1].len = 4;
	v[2].type = TIDE_JSON_NONE;
	v[2].p = NULL;
	v[2].len = 0;
	/* A value of 200 bytes: its length takes two varint bytes. */
	for (i = 0; i < 200; i++)
		tide_buf_addc(&big, 'x');
	v[3].type = TIDE_JSON_STRING;
	v[3].p = big.data;
	v[3].len = big.len;
	tide_buf_adds(&b, "junk");
	ck_assert_int_eq(tide_table_row_build(&b, v, 4), 0);
	ck_assert_uint_eq(b.len, 1 + 2 + 1 + 1 + 2 + 200);
	row.p = (const unsigned char *)b.data;
	row.end = row.p + b.len;
	ck_assert_int_eq(tide_table_col_next(&row, &p, &len), 1);
	ck_assert_int_eq(len, 2);
	ck_assert_int_eq(memcmp(p, "42", 2), 0);
	ck_assert_int_eq(tide_table_col_next(&row, &p, &len), 1);
	ck_assert_int_eq(len, 0);
	ck_assert_int_eq(tide_table_col_next(&row, &p, &len), 1);
	ck_assert_int_eq(len, 0);
	ck_assert_int_eq(tide_table_col_next(&row, &p, &len), 1);
	ck_assert_int_eq(len, 200);
	ck_assert_int_eq(tide_table_col_next(&row, &p, &len), 0);
	tide_buf_release(&b);
	tide_buf_release(&big);
}
END_TEST

Suite *
suite_table(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("table");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_table_plain_lookup_selects_columns_and_last_row_wins);
	tcase_add_test(tc, test_table_key_normalises_numbers_and_strings);
	tcase_add_test(tc, test_table_key_rejects_null_and_absent_keeps_objects_as_text);
	tcase_add_test(tc, test_table_multi_key_parts_do_not_run_together);
	tcase_add_test(tc, test_table_rejects_rows_without_key_or_time);
	tcase_add_test(tc, test_table_asof_directions_and_tolerance);
	tcase_add_test(tc, test_table_timed_keys_sharing_a_hash_keep_their_own_versions);
	tcase_add_test(tc, test_table_prefetch_and_hashed_lookup_on_empty_and_plain_tables);
	tcase_add_test(tc, test_table_many_rows_stay_compact);
	tcase_add_test(tc, test_table_load_csv_and_ndjson_report_bad_rows_by_line);
	tcase_add_test(tc, test_table_live_upsert_delete_and_compaction);
	tcase_add_test(tc, test_table_live_versions_and_deletion_versions);
	tcase_add_test(tc, test_table_row_build_reads_back_with_col_next);
	suite_add_tcase(s, tc);
	return s;
}
