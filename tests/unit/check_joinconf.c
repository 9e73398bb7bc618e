#include <stdio.h>
#include <string.h>

#include "err.h"
#include "joinconf.h"
#include "unit.h"

static int
brokers_ok(void *ctx, const char *what, struct tide_joinconf_err *err)
{
	(void)ctx;
	(void)what;
	(void)err;
	return 0;
}

static int
brokers_none(void *ctx, const char *what, struct tide_joinconf_err *err)
{
	(void)ctx;
	snprintf(err->msg, sizeof(err->msg), "%s needs brokers", what);
	return TIDE_EINVAL;
}

/* c set up with --on id, table t (may be NULL). */
static void
setup(struct tide_joinconf *c, const char *t)
{
	struct tide_joinconf_err err;

	tide_joinconf_init(c);
	c->table = t;
	ck_assert_int_eq(tide_joinconf_set(c, TIDE_JC_ON, "id", &err), 0);
}

/* tide_joinconf_check()'s message, or "" when it passed. */
static const char *
check(struct tide_joinconf *c, tide_joinconf_brokers_fn b)
{
	static struct tide_joinconf_err err;
	int r;

	err.msg[0] = '\0';
	r = tide_joinconf_check(c, b ? b : brokers_ok, NULL, &err);
	ck_assert_int_eq(r, err.msg[0] ? TIDE_EINVAL : 0);
	return err.msg;
}

START_TEST(test_joinconf_defaults)
{
	struct tide_joinconf c;

	tide_joinconf_init(&c);
	ck_assert_int_eq(c.tol, -1);
	ck_assert_uint_eq(c.maxrec, 16u << 20);
	ck_assert_int_eq(c.mdtimeout, 10000);
	ck_assert_int_eq(c.downms, -1);
	ck_assert_int_eq(c.cachettl, 1000);
	ck_assert_int_eq(c.drain_ms, 30000);
	ck_assert_int_eq(c.js.nkeys, 0);
	ck_assert_int_eq(c.view, TIDE_JC_VIEW_NONE);
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_joinconf_on_and_lists)
{
	struct tide_joinconf c;
	struct tide_joinconf_err err;

	tide_joinconf_init(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a,b=c,d.e", &err),
	    0);
	ck_assert_int_eq(c.js.nkeys, 3);
	ck_assert_str_eq(c.js.skey[0], "a");
	ck_assert_str_eq(c.js.tkey[0], "a");
	ck_assert_str_eq(c.js.skey[1], "b");
	ck_assert_str_eq(c.js.tkey[1], "c");
	ck_assert_str_eq(c.js.skey[2], "d.e");
	/* Given again, it replaces the keys. */
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "x", &err), 0);
	ck_assert_int_eq(c.js.nkeys, 1);
	ck_assert_str_eq(c.js.skey[0], "x");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a,=b", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--on: bad key 'a,=b'");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a=", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--on: bad key 'a='");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a,,b", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--on: empty field name in 'a,,b'");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a,b,c,d,e,f,g,h,i",
	    &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--on: more than 8 fields");
	/* A refused --on leaves the keys as they were. */
	ck_assert_int_eq(c.js.nkeys, 1);
	ck_assert_str_eq(c.js.skey[0], "x");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "s,t", &err), 0);
	ck_assert_int_eq(c.nsel, 2);
	ck_assert_str_eq(c.sel[1], "t");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "u", &err), 0);
	ck_assert_int_eq(c.nsel, 1);
	ck_assert_str_eq(c.sel[0], "u");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "u,", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--select: empty field name in 'u,'");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TABLEKEY, "", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--table-key: empty field name in ''");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TABLEKEY, "k", &err), 0);
	ck_assert_int_eq(c.ntkey, 1);
	tide_joinconf_release(&c);
	ck_assert_int_eq(c.js.nkeys, 0);
	ck_assert_int_eq(c.nsel, 0);
}
END_TEST

START_TEST(test_joinconf_default_and_words)
{
	struct tide_joinconf c;
	struct tide_joinconf_err err;

	tide_joinconf_init(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_DEFAULT, "a=0.5", &err),
	    0);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_DEFAULT, "b=gold", &err),
	    0);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_DEFAULT, "c=", &err), 0);
	ck_assert_int_eq(c.js.ndef, 3);
	ck_assert_str_eq(c.js.defname[0], "a");
	ck_assert_str_eq(c.js.defval[0], "0.5");
	ck_assert_str_eq(c.js.defval[1], "\"gold\"");
	ck_assert_str_eq(c.js.defval[2], "\"\"");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_DEFAULT, "=x", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--default: expected field=value, not '=x'");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_DEFAULT, "x", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--default: expected field=value, not 'x'");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_DIRECTION, "nearest",
	    &err), 0);
	ck_assert_int_eq(c.dir, TIDE_TABLE_NEAREST);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_DIRECTION, "up", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--direction: expected backward, forward or "
	    "nearest, not 'up'");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TABLEFMT, "csv", &err),
	    0);
	ck_assert_int_eq(c.fmt, TIDE_TABLE_CSV);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TABLEFMT, "", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--table-format: expected csv or ndjson, "
	    "not ''");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TIMEUNIT, "us", &err),
	    0);
	ck_assert_int_eq(c.js.unit, TIDE_UNIT_US);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TIMEUNIT, "days", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--time-unit: not a unit: 'days' (s, ms, us, "
	    "ns, auto)");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_MISSFIELD, "", &err),
	    TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "--miss-field: empty name");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_MISSFIELD, "why", &err),
	    0);
	ck_assert_str_eq(c.js.missfield, "why");
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_joinconf_check_tables)
{
	struct tide_joinconf c;
	struct tide_joinconf_err err;

	setup(&c, "t.csv");
	ck_assert_str_eq(check(&c, NULL), "");
	ck_assert_ptr_null(c.topic);
	ck_assert_int_eq(c.view, TIDE_JC_VIEW_NONE);
	tide_joinconf_release(&c);

	setup(&c, NULL);
	ck_assert_str_eq(check(&c, NULL), "-T is required");
	tide_joinconf_release(&c);

	tide_joinconf_init(&c);
	c.table = "t.csv";
	ck_assert_str_eq(check(&c, NULL), "--on is required");
	tide_joinconf_release(&c);

	setup(&c, "t.csv");
	c.nkinds = 2;
	ck_assert_str_eq(check(&c, NULL), "--inner, --left and --anti exclude "
	    "each other");
	tide_joinconf_release(&c);

	setup(&c, "t.csv");
	c.js.missfield = "why";
	ck_assert_str_eq(check(&c, NULL), "--default and --miss-field need "
	    "--left");
	tide_joinconf_release(&c);

	setup(&c, "t.csv");
	c.given_cachettl = 1;
	ck_assert_str_eq(check(&c, NULL), "--cache-ttl needs a view table "
	    "(-T sqlite:file:table or -T redis:url)");
	tide_joinconf_release(&c);

	setup(&c, "t.csv");
	c.nowait = 1;
	ck_assert_str_eq(check(&c, NULL), "--table-key and --no-wait need a "
	    "kafka table");
	tide_joinconf_release(&c);

	setup(&c, "t.csv");
	c.js.asof = "ts";
	ck_assert_str_eq(check(&c, NULL), "--as-of and --table-time go "
	    "together");
	c.tabletime = "from";
	ck_assert_str_eq(check(&c, NULL), "");
	tide_joinconf_release(&c);

	setup(&c, "t.csv");
	c.tol = 5;
	ck_assert_str_eq(check(&c, NULL), "--direction and --tolerance need "
	    "--as-of");
	tide_joinconf_release(&c);

	setup(&c, "t.csv");
	c.downms = 0;
	ck_assert_str_eq(check(&c, NULL), "--down-timeout needs a kafka table "
	    "or stream (-T kafka:topic or --with kafka:topic)");
	tide_joinconf_release(&c);

	/* Kafka: a topic, brokers, --table-key as the keys. */
	setup(&c, "kafka:");
	ck_assert_str_eq(check(&c, NULL), "-T: no topic in 'kafka:'");
	tide_joinconf_release(&c);
	setup(&c, "kafka:cust");
	ck_assert_str_eq(check(&c, brokers_none), "a kafka table needs brokers");
	tide_joinconf_release(&c);
	setup(&c, "kafka:cust");
	c.watch = 1;
	ck_assert_str_eq(check(&c, NULL), "--watch: a kafka table follows its "
	    "topic already");
	tide_joinconf_release(&c);
	setup(&c, "kafka:cust");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a,b", &err), 0);
	ck_assert_str_eq(check(&c, NULL), "--on: a kafka table keyed by the "
	    "message key joins on one field (or use --table-key)");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TABLEKEY, "k", &err), 0);
	ck_assert_str_eq(check(&c, NULL), "--table-key: 1 fields for 2 in --on");
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TABLEKEY, "k1,k2", &err),
	    0);
	ck_assert_str_eq(check(&c, NULL), "");
	ck_assert_str_eq(c.topic, "cust");
	ck_assert_str_eq(c.js.skey[1], "b");
	ck_assert_str_eq(c.js.tkey[0], "k1");
	ck_assert_str_eq(c.js.tkey[1], "k2");
	ck_assert_int_eq(c.ntkey, 2);
	tide_joinconf_release(&c);

	/* Views. */
	setup(&c, "sqlite:v.db:cust");
	ck_assert_str_eq(check(&c, NULL), "");
	ck_assert_int_eq(c.view, TIDE_JC_VIEW_SQLITE);
	ck_assert_str_eq(c.vfile, "v.db");
	ck_assert_str_eq(c.vtable, "cust");
	tide_joinconf_release(&c);
	setup(&c, "sqlite:a:b:c");
	ck_assert_str_eq(check(&c, NULL), "");
	ck_assert_str_eq(c.vfile, "a:b");
	ck_assert_str_eq(c.vtable, "c");
	tide_joinconf_release(&c);
	setup(&c, "sqlite:v.db");
	ck_assert_str_eq(check(&c, NULL), "-T: expected sqlite:file:table, not "
	    "'sqlite:v.db'");
	tide_joinconf_release(&c);
	setup(&c, "redis:");
	ck_assert_str_eq(check(&c, NULL), "-T: expected redis:url, not "
	    "'redis:'");
	tide_joinconf_release(&c);
	setup(&c, "redis://h:1");
	c.given_cachettl = 1;
	ck_assert_str_eq(check(&c, NULL), "");
	ck_assert_int_eq(c.view, TIDE_JC_VIEW_REDIS);
	ck_assert_str_eq(c.vurl, "//h:1");
	c.js.asof = "ts";
	ck_assert_str_eq(check(&c, NULL), "--as-of: a redis view keeps no "
	    "history (use an sqlite view written with --history)");
	c.watch = 1;
	ck_assert_str_eq(check(&c, NULL), "--watch, --table-format, "
	    "--table-time, --table-key and --no-wait are not for view tables");
	c.watch = 0;
	c.tol = 0;
	ck_assert_str_eq(check(&c, NULL), "--direction and --tolerance are not "
	    "supported with view tables");
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_joinconf_check_interval)
{
	struct tide_joinconf c;

	setup(&c, NULL);
	c.with = "pay.ndjson";
	ck_assert_str_eq(check(&c, NULL), "--with needs --within");
	c.given_within = 1;
	ck_assert_str_eq(check(&c, NULL), "");
	ck_assert_str_eq(c.timefield, "ts");
	ck_assert_ptr_null(c.wtopic);
	c.idle = 5;
	ck_assert_str_eq(check(&c, NULL), "--idle needs --with kafka:topic (a "
	    "file does not go quiet)");
	c.table = "t.csv";
	ck_assert_str_eq(check(&c, NULL), "-T and --with exclude each other");
	c.table = NULL;
	c.watch = 1;
	ck_assert_str_eq(check(&c, NULL), "--as-of, --table-time, --watch, "
	    "--table-key and --no-wait are for table joins");
	c.watch = 0;
	c.with = "kafka:";
	ck_assert_str_eq(check(&c, NULL), "--with: no topic in 'kafka:'");
	c.with = "kafka:pay";
	ck_assert_str_eq(check(&c, brokers_none), "a kafka stream needs "
	    "brokers");
	c.timefield = "t";
	ck_assert_str_eq(check(&c, NULL), "");
	ck_assert_str_eq(c.wtopic, "pay");
	ck_assert_str_eq(c.timefield, "t");
	tide_joinconf_release(&c);

	/* Interval options without --with. */
	setup(&c, "t.csv");
	c.latefile = "late";
	ck_assert_str_eq(check(&c, NULL), "--within, --time, --delay, --idle "
	    "and --late-file need --with");
	tide_joinconf_release(&c);
}
END_TEST

START_TEST(test_joinconf_table_spec)
{
	struct tide_joinconf c;
	struct tide_joinconf_err err;
	struct tide_table_spec spec;

	tide_joinconf_init(&c);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_ON, "a=x,b", &err), 0);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_SELECT, "s", &err), 0);
	ck_assert_int_eq(tide_joinconf_set(&c, TIDE_JC_TIMEUNIT, "ms", &err),
	    0);
	c.tabletime = "from";
	tide_joinconf_table_spec(&c, &spec);
	ck_assert_int_eq(spec.nkeys, 2);
	ck_assert_str_eq(spec.keys[0], "x");
	ck_assert_str_eq(spec.keys[1], "b");
	ck_assert_int_eq(spec.ncols, 1);
	ck_assert_str_eq(spec.cols[0], "s");
	ck_assert_str_eq(spec.timefield, "from");
	ck_assert_int_eq(spec.unit, TIDE_UNIT_MS);
	ck_assert_int_eq(spec.versioned, 0);
	ck_assert_int_eq(spec.live, 0);
	tide_joinconf_release(&c);
}
END_TEST

Suite *
suite_joinconf(void)
{
	Suite *s = suite_create("joinconf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_joinconf_defaults);
	tcase_add_test(tc, test_joinconf_on_and_lists);
	tcase_add_test(tc, test_joinconf_default_and_words);
	tcase_add_test(tc, test_joinconf_check_tables);
	tcase_add_test(tc, test_joinconf_check_interval);
	tcase_add_test(tc, test_joinconf_table_spec);
	suite_add_tcase(s, tc);
	return s;
}
