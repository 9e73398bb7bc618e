/* lib/jtable: tide-join's table behind one table of operations; the file
 * table (struct tide_jfile): load, what it says, reload, commit and drop,
 * stats, and the failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "jtable.h"
#include "unit.h"

static char dir[] = "/tmp/check_jtableXXXXXX", path[64];
static char said[4096];
static int nsaid;

static void
say(void *ctx, enum tide_jtable_level level, const char *msg)
{
	(void)ctx;
	nsaid++;
	snprintf(said + strlen(said), sizeof(said) - strlen(said), "%s %s\n",
	    level == TIDE_JTABLE_INFO ? "I" : "W", msg);
}

static void
put(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	said[0] = '\0';
	nsaid = 0;
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

/* A configuration: --on id, -T path. */
static void
conf(struct tide_joinconf *c)
{
	struct tide_joinconf_err err;

	tide_joinconf_init(c);
	c->table = path;
	ck_assert_int_eq(tide_joinconf_set(c, TIDE_JC_ON, "id", &err), 0);
}

/* The value of column 0 for key k in t, as text, or "-" on a miss. */
static const char *
col0(const struct tide_table *t, const char *k)
{
	static char v[64];
	struct tide_table_row row;
	const char *p;
	size_t n;

	if (tide_table_get(t, k, strlen(k), 0, TIDE_TABLE_BACKWARD, -1, &row) !=
	    TIDE_TABLE_HIT)
		return "-";
	ck_assert_int_eq(tide_table_col_next(&row, &p, &n), 1);
	snprintf(v, sizeof(v), "%.*s", (int)n, p);
	return v;
}

START_TEST(test_jtable_file_loads_says_and_counts)
{
	struct tide_joinconf c;
	struct tide_jfile f;
	struct tide_jtable_err err;
	struct tide_jtable_stats s;

	put("id,name\n1,ann\n2,bob\n2,bea\n");
	conf(&c);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), 0);
	ck_assert_str_eq(f.jt.ops->kind, "file");
	ck_assert_ptr_nonnull(f.jt.table);
	ck_assert_ptr_null(f.jt.next);
	ck_assert_int_eq(tide_table_ncols(f.jt.table), 1);
	ck_assert_str_eq(tide_table_colname(f.jt.table, 0), "name");
	ck_assert_str_eq(col0(f.jt.table, "1"), "\"ann\"");
	ck_assert_str_eq(col0(f.jt.table, "2"), "\"bea\"");
	ck_assert_str_eq(col0(f.jt.table, "3"), "-");
	ck_assert_int_eq(nsaid, 1);
	ck_assert_int_eq(strncmp(said, "I table '", 9), 0);
	ck_assert_ptr_nonnull(strstr(said, "': 3 rows, 2 keys, 2 versions, "));
	tide_jtable_stats(&f.jt, &s);
	ck_assert_uint_eq(s.rows, 3);
	ck_assert_uint_eq(s.keys, 2);
	ck_assert_uint_eq(s.versions, 2);
	ck_assert_uint_eq(s.bytes, tide_table_bytes(f.jt.table));
	ck_assert_str_eq(s.line, "");
	tide_jtable_close(&f.jt);
	ck_assert_ptr_null(f.jt.table);
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_jtable_no_table_counts_zero)
{
	struct tide_jtable_stats s;

	memset(&s, 0xff, sizeof(s));
	tide_jtable_stats(NULL, &s);
	ck_assert_uint_eq(s.rows, 0);
	ck_assert_uint_eq(s.keys, 0);
	ck_assert_uint_eq(s.versions, 0);
	ck_assert_uint_eq(s.bytes, 0);
	ck_assert_str_eq(s.line, "");
	tide_jtable_close(NULL);
}
END_TEST

START_TEST(test_jtable_file_reload_commit_and_drop)
{
	struct tide_joinconf c;
	struct tide_jfile f;
	struct tide_jtable_err err;
	struct tide_table *old;

	put("id,name\n1,ann\n");
	conf(&c);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), 0);
	old = f.jt.table;
	put("id,name\n1,amy\n4,dan\n");
	ck_assert_int_eq(tide_jtable_reload(&f.jt, &err), 0);
	/* The old table serves until the commit. */
	ck_assert_ptr_eq(f.jt.table, old);
	ck_assert_ptr_nonnull(f.jt.next);
	ck_assert_str_eq(col0(f.jt.table, "1"), "\"ann\"");
	ck_assert_str_eq(col0(f.jt.next, "4"), "\"dan\"");
	tide_jtable_commit(&f.jt);
	ck_assert_ptr_null(f.jt.next);
	ck_assert_str_eq(col0(f.jt.table, "1"), "\"amy\"");
	/* A reload dropped keeps the table. */
	put("id,name\n9,zed\n");
	ck_assert_int_eq(tide_jtable_reload(&f.jt, &err), 0);
	old = f.jt.table;
	tide_jtable_drop(&f.jt);
	ck_assert_ptr_null(f.jt.next);
	ck_assert_ptr_eq(f.jt.table, old);
	ck_assert_str_eq(col0(f.jt.table, "9"), "-");
	/* A commit with nothing next changes nothing. */
	tide_jtable_commit(&f.jt);
	ck_assert_ptr_eq(f.jt.table, old);
	/* A reload that fails keeps the table and says why (err starts
	 * clean: no usage error left from before). */
	unlink(path);
	memset(&err, 0xff, sizeof(err));
	ck_assert_int_eq(tide_jtable_reload(&f.jt, &err), TIDE_EIO);
	ck_assert_int_eq(err.usage, 0);
	ck_assert_ptr_null(f.jt.next);
	ck_assert_ptr_eq(f.jt.table, old);
	ck_assert_int_eq(strncmp(err.msg, "table '", 7), 0);
	/* A reload left pending is freed by the close. */
	put("id,name\n1,x\n");
	ck_assert_int_eq(tide_jtable_reload(&f.jt, &err), 0);
	ck_assert_ptr_nonnull(f.jt.next);
	tide_jtable_close(&f.jt);
	ck_assert_ptr_null(f.jt.next);
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_jtable_file_bad_rows_shown_then_counted)
{
	struct tide_joinconf c;
	struct tide_jfile f;
	struct tide_jtable_err err;
	char text[512], want[256];
	int i;

	/* Twelve rows without a key, then one good one. */
	strcpy(text, "id,name\n");
	for (i = 0; i < 12; i++)
		strcat(text, ",x\n");
	strcat(text, "1,ann\n");
	put(text);
	conf(&c);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), 0);
	/* Ten in full, a line saying the rest are counted, the count, the
	 * size. */
	ck_assert_int_eq(nsaid, 13);
	snprintf(want, sizeof(want), "W %s: line 2: ", path);
	ck_assert_int_eq(strncmp(said, want, strlen(want)), 0);
	snprintf(want, sizeof(want), "W %s: line 11: ", path);
	ck_assert_ptr_nonnull(strstr(said, want));
	snprintf(want, sizeof(want), "W %s: line 12: ", path);
	ck_assert_ptr_null(strstr(said, want));
	snprintf(want, sizeof(want), "W %s: further bad rows are counted, "
	    "not shown\n", path);
	ck_assert_ptr_nonnull(strstr(said, want));
	snprintf(want, sizeof(want), "W table '%s': 12 bad rows skipped\n",
	    path);
	ck_assert_ptr_nonnull(strstr(said, want));
	ck_assert_uint_eq(f.jt.table->rows, 1);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_jtable_file_strict_stops_at_the_first_bad_row)
{
	struct tide_joinconf c;
	struct tide_jfile f;
	struct tide_jtable_err err;
	char want[256];

	put("id,name\n1,ann\n,x\n2,bob\n");
	conf(&c);
	c.strict = 1;
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 0);
	ck_assert_ptr_null(f.jt.table);
	ck_assert_int_eq(nsaid, 1);
	snprintf(want, sizeof(want), "W %s: line 3: ", path);
	ck_assert_int_eq(strncmp(said, want, strlen(want)), 0);
	snprintf(want, sizeof(want), "table '%s': ", path);
	ck_assert_int_eq(strncmp(err.msg, want, strlen(want)), 0);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_jtable_file_failures)
{
	struct tide_joinconf c;
	struct tide_jfile f;
	struct tide_jtable_err err;
	struct tide_joinconf_err jerr;
	char want[256];

	/* No such file. */
	conf(&c);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), TIDE_EIO);
	ck_assert_int_eq(err.usage, 0);
	snprintf(want, sizeof(want), "table '%s': ", path);
	ck_assert_int_eq(strncmp(err.msg, want, strlen(want)), 0);
	ck_assert_ptr_null(f.jt.table);
	ck_assert_int_eq(nsaid, 0);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);
	/* A field that is not a path: a usage error, nothing read. */
	put("id,name\n1,ann\n");
	conf(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "a..b", &jerr),
	    0);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 1);
	ck_assert_str_ne(err.msg, "");
	ck_assert_int_eq(nsaid, 0);
	tide_jtable_close(&f.jt);
	/* A file that is there but bad under --strict, err dirty before:
	 * not a usage error. */
	put("id,name\n,x\n");
	c.strict = 1;
	tide_joinconf_release(&c);
	conf(&c);
	c.strict = 1;
	memset(&err, 0xff, sizeof(err));
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 0);
	ck_assert_int_eq(err.remote, 0);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);
}
END_TEST

/* A key or --select field a CSV header lacks: a usage error before any
 * row is read (nothing said); an NDJSON table's first row lacking a
 * --select field: said once; rows and none good: an error, not usage. */
START_TEST(test_jtable_file_fields_the_table_lacks)
{
	struct tide_joinconf c;
	struct tide_jfile f;
	struct tide_jtable_err err;
	struct tide_joinconf_err jerr;
	char want[512], nd[80];
	FILE *fp;

	put("name,id\nann,1\n");
	tide_joinconf_init(&c);
	c.table = path;
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "k=key", &jerr), 0);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 1);
	snprintf(want, sizeof(want), "table '%s' has no column 'key' for the "
	    "key: its header is name,id", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(nsaid, 0);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);

	conf(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "name,tier",
	    &jerr), 0);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 1);
	snprintf(want, sizeof(want), "table '%s' has no column 'tier' for "
	    "--select: its header is name,id", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(nsaid, 0);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);

	/* The fields there: loaded. */
	conf(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "name", &jerr),
	    0);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), 0);
	ck_assert_str_eq(col0(f.jt.table, "1"), "\"ann\"");
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);

	/* NDJSON: said once, loaded. */
	snprintf(nd, sizeof(nd), "%s/t.ndjson", dir);
	fp = fopen(nd, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("{\"id\":1,\"name\":\"ann\"}\n{\"id\":2,\"tier\":3}\n", fp);
	fclose(fp);
	conf(&c);
	c.table = nd;
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "tier", &jerr),
	    0);
	said[0] = '\0';
	nsaid = 0;
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), 0);
	snprintf(want, sizeof(want), "W table '%s': its first row has no "
	    "field 'tier' (--select): rows without it join as null\n", nd);
	ck_assert_int_eq(strncmp(said, want, strlen(want)), 0);
	ck_assert_uint_eq(f.jt.table->rows, 2);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);

	/* Rows and none good: TIDE_EINVAL, not usage. */
	conf(&c);
	c.table = nd;
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "k=key", &jerr), 0);
	ck_assert_int_eq(tide_jfile_open(&f, &c, say, NULL, &err), TIDE_EINVAL);
	ck_assert_int_eq(err.usage, 0);
	snprintf(want, sizeof(want), "table '%s': no good rows (2 bad)", nd);
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(f.jt.table);
	tide_jtable_close(&f.jt);
	tide_joinconf_release(&c);
	unlink(nd);
}
END_TEST

Suite *
suite_jtable(void)
{
	Suite *s = suite_create("jtable");
	TCase *tc = tcase_create("jtable");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jtable_file_loads_says_and_counts);
	tcase_add_test(tc, test_jtable_no_table_counts_zero);
	tcase_add_test(tc, test_jtable_file_reload_commit_and_drop);
	tcase_add_test(tc, test_jtable_file_bad_rows_shown_then_counted);
	tcase_add_test(tc, test_jtable_file_strict_stops_at_the_first_bad_row);
	tcase_add_test(tc, test_jtable_file_failures);
	tcase_add_test(tc, test_jtable_file_fields_the_table_lacks);
	suite_add_tcase(s, tc);
	return s;
}
