/* struct tide_vsink: a materialized view as a back end of tide-sink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "unit.h"
#include "view/vsink.h"

static char dir[64];
static char dbpath[128];
static struct tide_buf said;

static void
setup(void)
{
	strcpy(dir, "/tmp/tide-vsink.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/v.db", dir);
	tide_buf_init(&said, TIDE_BUF_NOMAX);
}

static void
teardown(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	tide_buf_release(&said);
}

static void
say(void *ctx, int level, const char *msg)
{
	(void)ctx;
	tide_buf_addf(&said, "%d %s\n", level, msg);
}

static void
conf_init(struct tide_view_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = TIDE_VIEW_SQLITE;
	c->target = dbpath;
	c->table = "feat";
	c->nkey = 1;
	c->keys[0] = "id";
}

static int
put(struct tide_sinkbe *be, const char *rec, struct tide_sinkbe_err *err)
{
	enum tide_json_type type;

	ck_assert_int_eq(tide_json_check(rec, strlen(rec), 64, &type, NULL), 0);
	return be->ops->put(be, 1, rec, strlen(rec), type, err);
}

/* The rows of the table, by sqlite3(1)'s own reading of the file. */
static const char *
rows(void)
{
	static char buf[512];
	char cmd[256];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'select id, v from feat "
	    "order by id' 2>/dev/null", dbpath);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

START_TEST(test_vsink_upserts_and_commits_at_finish)
{
	struct tide_view_conf c;
	struct tide_vsink v;
	struct tide_sinkbe_err err;
	struct tide_buf st = TIDE_BUF_INIT;

	conf_init(&c);
	ck_assert_int_eq(tide_vsink_open(&v, &c, "--sqlite", say, NULL, &err),
	    0);
	ck_assert_int_eq(v.be.timeout, -1);
	ck_assert_int_eq(v.be.counts_out, 0);
	ck_assert_str_eq(v.vpath, dbpath);
	ck_assert_int_eq(strncmp(v.vopt, "--sqlite '/tmp/tide-vsink.", 26), 0);
	ck_assert_int_eq(put(&v.be, "{\"id\":1,\"v\":\"a\"}", &err), 0);
	ck_assert_int_eq(put(&v.be, "{\"id\":2,\"v\":\"b\"}", &err), 0);
	ck_assert_int_eq(put(&v.be, "{\"id\":1,\"v\":\"c\"}", &err), 0);
	ck_assert_int_eq(v.be.ops->quiet(&v.be, &err), 0);
	ck_assert_uint_eq(v.be.out, 3);
	ck_assert_uint_eq(v.be.ops->finish(&v.be, 0, &err), 0);
	v.be.ops->stats(&v.be, &st);
	ck_assert_str_eq(tide_buf_cstr(&st),
	    "upserts 3, commits 1, expired 0, merged 1");
	v.be.ops->close(&v.be);
	ck_assert_str_eq(rows(), "1|c\n2|b\n");
	ck_assert_str_eq(tide_buf_cstr(&said), "");
	tide_buf_release(&st);
}
END_TEST

START_TEST(test_vsink_idle_commits_the_batch)
{
	struct tide_view_conf c;
	struct tide_vsink v;
	struct tide_sinkbe_err err;

	conf_init(&c);
	ck_assert_int_eq(tide_vsink_open(&v, &c, "--sqlite", say, NULL, &err),
	    0);
	ck_assert_int_eq(put(&v.be, "{\"id\":1,\"v\":\"a\"}", &err), 0);
	ck_assert_int_eq(v.be.ops->idle(&v.be, &err), 0);
	ck_assert_str_eq(rows(), "1|a\n");
	v.be.ops->close(&v.be);
}
END_TEST

START_TEST(test_vsink_sync_commits_for_other_readers)
{
	struct tide_view_conf c;
	struct tide_vsink v;
	struct tide_sinkbe_err err;
	struct tide_buf st = TIDE_BUF_INIT;

	conf_init(&c);
	c.batch = 1000;
	ck_assert_int_eq(tide_vsink_open(&v, &c, "--sqlite", say, NULL, &err),
	    0);
	ck_assert_int_eq(put(&v.be, "{\"id\":1,\"v\":\"a\"}", &err), 0);
	ck_assert_int_eq(put(&v.be, "{\"id\":2,\"v\":\"b\"}", &err), 0);
	/* Not committed yet: another connection sees nothing (not even the
	 * table). */
	ck_assert_str_eq(rows(), "");
	ck_assert_int_eq(v.be.ops->sync(&v.be, &err), 0);
	/* Committed: sqlite3(1), another connection, reads it. */
	ck_assert_str_eq(rows(), "1|a\n2|b\n");
	/* Nothing new: a second sync commits nothing more. */
	ck_assert_int_eq(v.be.ops->sync(&v.be, &err), 0);
	ck_assert_int_eq(put(&v.be, "{\"id\":1,\"v\":\"c\"}", &err), 0);
	ck_assert_int_eq(v.be.ops->sync(&v.be, &err), 0);
	ck_assert_str_eq(rows(), "1|c\n2|b\n");
	ck_assert_uint_eq(v.be.ops->finish(&v.be, 0, &err), 0);
	v.be.ops->stats(&v.be, &st);
	ck_assert_str_eq(tide_buf_cstr(&st),
	    "upserts 3, commits 2, expired 0, merged 0");
	v.be.ops->close(&v.be);
	ck_assert_str_eq(tide_buf_cstr(&said), "");
	tide_buf_release(&st);
}
END_TEST

START_TEST(test_vsink_bad_records_are_einval_with_the_reason)
{
	struct tide_view_conf c;
	struct tide_vsink v;
	struct tide_sinkbe_err err;

	conf_init(&c);
	ck_assert_int_eq(tide_vsink_open(&v, &c, "--sqlite", say, NULL, &err),
	    0);
	ck_assert_int_eq(put(&v.be, "[1]", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "not a JSON object");
	ck_assert_int_eq(put(&v.be, "{\"v\":1}", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "key field 'id' is missing");
	ck_assert_uint_eq(v.be.out, 0);
	v.be.ops->close(&v.be);
}
END_TEST

START_TEST(test_vsink_batch_time_sets_the_wait_at_most_a_second)
{
	struct tide_view_conf c;
	struct tide_vsink v;
	struct tide_sinkbe_err err;

	conf_init(&c);
	c.batch_ms = 250;
	ck_assert_int_eq(tide_vsink_open(&v, &c, "--sqlite", say, NULL, &err),
	    0);
	ck_assert_int_eq(v.be.timeout, 250);
	v.be.ops->close(&v.be);
	c.batch_ms = 60000;
	ck_assert_int_eq(tide_vsink_open(&v, &c, "--sqlite", say, NULL, &err),
	    0);
	ck_assert_int_eq(v.be.timeout, 1000);
	v.be.ops->close(&v.be);
}
END_TEST

START_TEST(test_vsink_open_failures_name_the_option)
{
	struct tide_view_conf c;
	struct tide_vsink v;
	struct tide_sinkbe_err err;
	int r;

	conf_init(&c);
	c.target = "/nonexistent-dir/v.db";
	r = tide_vsink_open(&v, &c, "--sqlite", say, NULL, &err);
	ck_assert_int_eq(r, TIDE_EIO);
	ck_assert_str_eq(err.msg, "--sqlite '/nonexistent-dir/v.db': sqlite: "
	    "cannot open '/nonexistent-dir/v.db': unable to open database file");
	ck_assert_int_eq(err.remote, 0);
	v.be.ops->close(&v.be);
	/* Redis: nobody listens on port 1. */
	memset(&c, 0, sizeof(c));
	c.kind = TIDE_VIEW_REDIS;
	c.target = "redis://127.0.0.1:1";
	c.nkey = 1;
	c.keys[0] = "id";
	c.timeout_ms = 500;
	r = tide_vsink_open(&v, &c, "--redis", say, NULL, &err);
	ck_assert_int_eq(r, TIDE_EIO);
	ck_assert_str_eq(err.msg, "--redis: redis 127.0.0.1:1: cannot connect: "
	    "Connection refused");
	ck_assert_int_eq(err.remote, 1);
	v.be.ops->close(&v.be);
}
END_TEST

Suite *
suite_vsink(void)
{
	Suite *s = suite_create("vsink");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_vsink_upserts_and_commits_at_finish);
	tcase_add_test(tc, test_vsink_idle_commits_the_batch);
	tcase_add_test(tc, test_vsink_sync_commits_for_other_readers);
	tcase_add_test(tc, test_vsink_bad_records_are_einval_with_the_reason);
	tcase_add_test(tc, test_vsink_batch_time_sets_the_wait_at_most_a_second);
	tcase_add_test(tc, test_vsink_open_failures_name_the_option);
	suite_add_tcase(s, tc);
	return s;
}
