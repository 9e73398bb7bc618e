#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "view/redisview.h"
#include "unit.h"

/*
 * The suite starts its own redis-server on a random loopback port, with
 * no persistence, in a temporary directory, and stops it at the end.
 */
static pid_t srv_pid = -1;
static int srv_port;
static char srv_dir[64];
static char url[64];

static int
have_redis(void)
{
	return system("command -v redis-server >/dev/null 2>&1") == 0;
}

static int
ping(int port)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	redisReply *rep;
	int ok = 0;

	if (c == NULL || c->err) {
		redisFree(c);
		return 0;
	}
	if ((rep = redisCommand(c, "PING")) != NULL) {
		ok = rep->type == REDIS_REPLY_STATUS;
		freeReplyObject(rep);
	}
	redisFree(c);
	return ok;
}

static void
srv_start(void)
{
	char portarg[16];
	int tries, i, status;

	strcpy(srv_dir, "/tmp/tide-redis.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(srv_dir));
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (tries = 0; tries < 5; tries++) {
		srv_port = 20000 + rand() % 40000;
		snprintf(portarg, sizeof(portarg), "%d", srv_port);
		if ((srv_pid = fork()) == 0) {
			freopen("/dev/null", "w", stdout);
			execlp("redis-server", "redis-server", "--port", portarg,
			    "--bind", "127.0.0.1", "--save", "", "--appendonly",
			    "no", "--dir", srv_dir, (char *)NULL);
			_exit(127);
		}
		for (i = 0; i < 100; i++) {
			if (ping(srv_port))
				goto up;
			if (waitpid(srv_pid, &status, WNOHANG) == srv_pid)
				break;	/* port taken: try another */
			usleep(20000);
		}
		kill(srv_pid, SIGKILL);
		waitpid(srv_pid, &status, 0);
	}
	srv_pid = -1;
	return;
up:
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", srv_port);
}

static void
srv_stop(void)
{
	char cmd[128];
	int status;

	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, &status, 0);
		srv_pid = -1;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv_dir);
	if (system(cmd) != 0)
		return;
}

/* A command through a separate plain hiredis client, its reply as text:
 * arrays as "a b c" (a nil or empty: "(nil)" / ""). */
static const char *
cli(const char *fmt, ...)
{
	static struct tide_buf b = TIDE_BUF_INIT;
	struct timeval tv = { 2, 0 };
	redisContext *c;
	redisReply *rep;
	va_list ap;
	size_t i;

	ck_assert_int_gt(srv_pid, 0);
	c = redisConnectWithTimeout("127.0.0.1", srv_port, tv);
	ck_assert(c != NULL && !c->err);
	va_start(ap, fmt);
	rep = redisvCommand(c, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(rep);
	tide_buf_reset(&b);
	switch (rep->type) {
	case REDIS_REPLY_ARRAY:
		for (i = 0; i < rep->elements; i++) {
			if (i > 0)
				tide_buf_addc(&b, ' ');
			tide_buf_add(&b, rep->element[i]->str,
			    rep->element[i]->len);
		}
		break;
	case REDIS_REPLY_INTEGER:
		tide_buf_addi64(&b, rep->integer);
		break;
	case REDIS_REPLY_NIL:
		tide_buf_adds(&b, "(nil)");
		break;
	default:
		tide_buf_add(&b, rep->str, rep->len);
	}
	freeReplyObject(rep);
	redisFree(c);
	return tide_buf_cstr(&b);
}

static void
flush(void)
{
	ck_assert_str_eq(cli("FLUSHALL"), "OK");
}

static void
conf_init(struct tide_redisview_conf *c, const char *key)
{
	memset(c, 0, sizeof(*c));
	c->url = url;
	c->nkey = 1;
	c->keys[0] = key;
}

static int
put(struct tide_redisview *v, const char *rec, struct tide_redisview_err *err)
{
	return tide_redisview_put(v, rec, strlen(rec), 0, err);
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

static const char *
lookup(struct tide_redisview *v, const char *key, int64_t now)
{
	static char out[512];
	struct tide_redisview_err err;
	struct tide_json_val k = jv(key);
	const char *rec;
	size_t len;
	int r;

	r = tide_redisview_lookup(v, &k, 1, now, &rec, &len, &err);
	if (r < 0)
		snprintf(out, sizeof(out), "error %d: %s", r, err.msg);
	else if (r == 0)
		snprintf(out, sizeof(out), "absent");
	else
		snprintf(out, sizeof(out), "%.*s", (int)len, rec);
	return out;
}

START_TEST(test_redisview_hash_keeps_last_record_per_key)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;

	flush();
	conf_init(&c, "id");
	c.prefix = "f:";
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":1,\"old\":true}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"s\":\"x\\ny\",\"o\":{\"p\": [1]},\"z\":null}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":2.5}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":7,\"n\":-1}", &err), 0);
	/* Nothing is applied before the batch is. */
	ck_assert_str_eq(cli("DBSIZE"), "0");
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	/* The first "a" never went: the second replaced it in the batch. */
	ck_assert_uint_eq(v.merged, 1);
	ck_assert_uint_eq(v.upserts, 4);
	tide_redisview_close(&v);
	ck_assert_str_eq(cli("KEYS f:a"), "f:a");
	ck_assert_str_eq(cli("HGETALL f:a"), "id a n 2.5");
	ck_assert_str_eq(cli("HGETALL f:b"), "id b s x\ny o {\"p\": [1]} z null");
	ck_assert_str_eq(cli("HGETALL f:7"), "id 7 n -1");
	ck_assert_str_eq(cli("DBSIZE"), "3");
	ck_assert_str_eq(cli("TTL f:a"), "-1");
}
END_TEST

START_TEST(test_redisview_repeated_keys_in_a_batch_send_the_last)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;
	long ttl;

	flush();
	conf_init(&c, "id");
	c.prefix = "m:";
	c.ttl_ms = 60000;
	c.batch = 5;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	/* "7" and 7 name the same Redis key, so one replaces the other. */
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":1,\"gone\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"7\",\"v\":2}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":3}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":7,\"v\":4}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":5}", &err), 0);
	/* That batch went whole; the next holds a key of the one before. */
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"v\":6}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"7\",\"v\":7}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	ck_assert_uint_eq(v.merged, 3);
	ck_assert_uint_eq(v.upserts, 7);
	ck_assert_uint_eq(v.commits, 2);
	tide_redisview_close(&v);
	ck_assert_str_eq(cli("HGETALL m:a"), "id a v 5");
	ck_assert_str_eq(cli("HGETALL m:7"), "id 7 v 7");
	ck_assert_str_eq(cli("HGETALL m:b"), "id b v 6");
	ck_assert_str_eq(cli("DBSIZE"), "3");
	/* The last record's expiry was sent with it. */
	ttl = strtol(cli("PTTL m:a"), NULL, 10);
	ck_assert(ttl > 50000 && ttl <= 60000);
}
END_TEST

START_TEST(test_redisview_json_strings_and_ttl)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;
	long ttl;

	flush();
	conf_init(&c, "id");
	c.as_json = 1;
	c.ttl_ms = 60000;
	c.batch = 2;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":\"42\"}", &err), 0);
	/* The batch of 2 went by itself (unconfirmed: the commit waits for
	 * it, so that the other connection cannot overtake it). */
	ck_assert_uint_gt(v.inflight, 0);
	ck_assert_uint_eq(v.inbatch, 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	ck_assert_str_eq(cli("GET a"), "{\"id\":\"a\",\"v\":\"42\"}");
	ttl = strtol(cli("PTTL a"), NULL, 10);
	ck_assert(ttl > 50000 && ttl <= 60000);
	tide_redisview_close(&v);

	conf_init(&c, "id");
	c.ttl_ms = 150;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"h\",\"v\":1}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	ck_assert_str_eq(cli("HGET h v"), "1");
	usleep(400000);
	ck_assert_str_eq(cli("EXISTS h"), "0");
	tide_redisview_close(&v);
}
END_TEST

START_TEST(test_redisview_bad_keys_are_left_out)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;

	flush();
	conf_init(&c, "id");
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"x\":1}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'id' is missing");
	ck_assert_int_eq(put(&v, "{\"id\":null}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'id' is null");
	ck_assert_int_eq(put(&v, "{\"id\":{}}", &err), TIDE_ETYPE);
	ck_assert_str_eq(err.msg, "key field 'id' is an object");
	ck_assert_int_eq(put(&v, "{\"id\":[]}", &err), TIDE_ETYPE);
	ck_assert_str_eq(err.msg, "key field 'id' is an array");
	ck_assert_int_eq(put(&v, "{\"id\":1.50}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	tide_redisview_close(&v);
	ck_assert_str_eq(cli("KEYS *"), "1.5");
}
END_TEST

START_TEST(test_redisview_multiple_and_nested_keys)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;

	flush();
	conf_init(&c, "card.bin");
	c.nkey = 2;
	c.keys[1] = "acct";
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"acct\":1,\"card\":{\"bin\":\"41\"}}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"acct\":1,\"card\":{}}", &err), TIDE_ENOENT);
	ck_assert_str_eq(err.msg, "key field 'card.bin' is missing");
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	tide_redisview_close(&v);
	ck_assert_str_eq(cli("KEYS *"), "41:1");
}
END_TEST

START_TEST(test_redisview_reader_lookup_types_and_cache)
{
	struct tide_redisview_conf c;
	struct tide_redisview v, r;
	struct tide_redisview_err err;
	char u[96];

	flush();
	conf_init(&c, "id");
	c.prefix = "p:";
	c.batch = 1;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"n\":1,\"x\":-2.5e3,\"b\":true,\"z\":null,\"o\":{\"k\":[1]},\"s\":\"hi \\\"q\\\"\",\"t\":\"true story\"}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	snprintf(u, sizeof(u), "%s/0?prefix=p:", url);
	ck_assert_int_eq(tide_redisview_open_reader(&r, u, NULL, 0, &err), 0);
	ck_assert_str_eq(lookup(&r, "\"a\"", 0),
	    "{\"id\":\"a\",\"n\":1,\"x\":-2.5e3,\"b\":true,\"z\":null,\"o\":{\"k\":[1]},\"s\":\"hi \\\"q\\\"\",\"t\":\"true story\"}");
	ck_assert_str_eq(lookup(&r, "\"nope\"", 0), "absent");
	ck_assert_str_eq(lookup(&r, "null", 0), "error -9: key field 'key' is null");
	/* An object key is its JSON text, as in file tables. */
	ck_assert_str_eq(cli("SET p:[1] {\"id\":\"[1]\"}"), "OK");
	ck_assert_str_eq(lookup(&r, "[1]", 0), "{\"id\":\"[1]\"}");
	ck_assert_str_eq(lookup(&r, "{\"o\":1}", 0), "absent");

	/* A string view is found by the same reader. */
	ck_assert_str_eq(cli("SET p:j {\"id\":\"j\",\"v\":\"42\"}"), "OK");
	ck_assert_str_eq(lookup(&r, "\"j\"", 0), "{\"id\":\"j\",\"v\":\"42\"}");
	ck_assert_str_eq(lookup(&r, "\"a\"", 0),
	    "{\"id\":\"a\",\"n\":1,\"x\":-2.5e3,\"b\":true,\"z\":null,\"o\":{\"k\":[1]},\"s\":\"hi \\\"q\\\"\",\"t\":\"true story\"}");
	ck_assert_str_eq(cli("SET p:bad notjson"), "OK");
	ck_assert_str_eq(lookup(&r, "\"bad\"", 0),
	    "error -14: redis key 'p:bad' does not hold a JSON object");

	/* Cached answers last their ttl. */
	tide_redisview_set_cache(&r, 8, 100);
	ck_assert_str_eq(lookup(&r, "\"a\"", 1000), lookup(&r, "\"a\"", 1000));
	ck_assert_str_eq(lookup(&r, "\"new\"", 1000), "absent");
	ck_assert_int_eq(put(&v, "{\"id\":\"new\",\"v\":1}", &err), 0);
	/* A full batch is sent without waiting for Redis's answer; the
	 * commit waits, so the reader's connection cannot overtake it. */
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	ck_assert_str_eq(lookup(&r, "\"new\"", 1099), "absent");
	ck_assert_str_eq(lookup(&r, "\"new\"", 1100), "{\"id\":\"new\",\"v\":1}");
	tide_redisview_close(&r);
	tide_redisview_close(&v);
}
END_TEST

START_TEST(test_redisview_batch_is_atomic_and_time_driven)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;

	flush();
	conf_init(&c, "id");
	c.batch = 100;
	c.batch_ms = 50;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(tide_redisview_put(&v, "{\"id\":1}", 8, 1000, &err), 0);
	ck_assert_int_eq(tide_redisview_put(&v, "{\"id\":2}", 8, 1010, &err), 0);
	ck_assert_int_eq(tide_redisview_tick(&v, 1049, &err), 0);
	ck_assert_str_eq(cli("DBSIZE"), "0");
	ck_assert_int_eq(tide_redisview_tick(&v, 1050, &err), 1);
	ck_assert_str_eq(cli("DBSIZE"), "2");
	ck_assert_int_eq(tide_redisview_tick(&v, 5000, &err), 0);
	/* A writer that goes away mid-batch leaves the last batch. */
	ck_assert_int_eq(tide_redisview_put(&v, "{\"id\":3}", 8, 6000, &err), 0);
	tide_redisview_close(&v);
	usleep(50000);
	ck_assert_str_eq(cli("DBSIZE"), "2");

	/* A key holding another type is replaced, not an error. */
	ck_assert_str_eq(cli("SET 9 x"), "OK");
	conf_init(&c, "id");
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":9,\"v\":1}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	ck_assert_str_eq(cli("HGET 9 v"), "1");
	tide_redisview_close(&v);
}
END_TEST

/* How many times the server ran command name since CONFIG RESETSTAT. */
static long
calls(const char *name)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "cmdstat_%s:calls=", name);
	p = strstr(cli("INFO commandstats"), pat);
	return p != NULL ? strtol(p + strlen(pat), NULL, 10) : 0;
}

START_TEST(test_redisview_batch_goes_as_transactions_of_chunk_records)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;
	long ttl;

	flush();
	ck_assert_str_eq(cli("CONFIG RESETSTAT"), "OK");
	conf_init(&c, "id");
	c.batch = 7;
	c.chunk = 2;
	c.ttl_ms = 60000;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":1,\"gone\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"v\":2}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":3}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"c\",\"v\":4}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"d\",\"v\":5}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"c\",\"v\":6}", &err), 0);
	/* The 7th record sends the batch: 5 live records, 3 transactions. */
	ck_assert_int_eq(put(&v, "{\"id\":\"e\",\"v\":7}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":\"a\",\"v\":8}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	ck_assert_uint_eq(v.merged, 2);
	ck_assert_uint_eq(v.commits, 2);
	ck_assert_int_eq(calls("multi"), 4);
	ck_assert_int_eq(calls("exec"), 4);
	ck_assert_int_eq(calls("del"), 6);
	ck_assert_int_eq(calls("hset"), 6);
	ck_assert_int_eq(calls("pexpire"), 6);
	/* Replies stay in step: a later batch on the same connection. */
	ck_assert_int_eq(put(&v, "{\"id\":\"b\",\"v\":9}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	ck_assert_int_eq(calls("exec"), 5);
	tide_redisview_close(&v);
	ck_assert_str_eq(cli("HGETALL a"), "id a v 8");
	ck_assert_str_eq(cli("HGETALL b"), "id b v 9");
	ck_assert_str_eq(cli("HGETALL c"), "id c v 6");
	ck_assert_str_eq(cli("HGETALL d"), "id d v 5");
	ck_assert_str_eq(cli("HGETALL e"), "id e v 7");
	ck_assert_str_eq(cli("DBSIZE"), "5");
	ttl = strtol(cli("PTTL c"), NULL, 10);
	ck_assert(ttl > 50000 && ttl <= 60000);

	/* One record per transaction, and a chunk larger than the batch. */
	flush();
	ck_assert_str_eq(cli("CONFIG RESETSTAT"), "OK");
	conf_init(&c, "id");
	c.as_json = 1;
	c.batch = 3;
	c.chunk = 1;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":2}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":3,\"x\":\"y\"}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	tide_redisview_close(&v);
	ck_assert_int_eq(calls("exec"), 3);
	ck_assert_int_eq(calls("set"), 3);
	ck_assert_str_eq(cli("GET 3"), "{\"id\":3,\"x\":\"y\"}");
	c.chunk = 100;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":1,\"n\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":2,\"n\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":3,\"n\":1}", &err), 0);
	ck_assert_int_eq(put(&v, "{\"id\":4,\"n\":1}", &err), 0);
	ck_assert_int_eq(tide_redisview_commit(&v, &err), 0);
	tide_redisview_close(&v);
	ck_assert_int_eq(calls("exec"), 5);
	ck_assert_str_eq(cli("MGET 1 2 3 4"),
	    "{\"id\":1,\"n\":1} {\"id\":2,\"n\":1} {\"id\":3,\"n\":1} {\"id\":4,\"n\":1}");
}
END_TEST

START_TEST(test_redisview_connection_errors)
{
	struct tide_redisview_conf c;
	struct tide_redisview v;
	struct tide_redisview_err err;
	char u[96];

	conf_init(&c, "id");
	c.url = "redis://127.0.0.1:1";
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), TIDE_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "redis 127.0.0.1:1: cannot connect"));
	tide_redisview_close(&v);
	snprintf(u, sizeof(u), "%s/99999", url);
	c.url = u;
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), TIDE_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "SELECT 99999"));
	tide_redisview_close(&v);
	snprintf(u, sizeof(u), "redis://:pw@127.0.0.1:%d", srv_port);
	ck_assert_int_eq(tide_redisview_open(&v, &c, &err), TIDE_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "AUTH"));
	tide_redisview_close(&v);
}
END_TEST

START_TEST(test_redis_url_parse)
{
	struct tide_redis_url u;
	struct tide_redisview_err err;

	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h", &err), 0);
	ck_assert_str_eq(u.host, "h");
	ck_assert_int_eq(u.port, 6379);
	ck_assert_int_eq(u.db, 0);
	ck_assert_ptr_null(u.password);
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u,
	    "redis://me:p%40ss@10.0.0.1:7000/3?prefix=user%3a", &err), 0);
	ck_assert_str_eq(u.host, "10.0.0.1");
	ck_assert_int_eq(u.port, 7000);
	ck_assert_int_eq(u.db, 3);
	ck_assert_str_eq(u.user, "me");
	ck_assert_str_eq(u.password, "p@ss");
	ck_assert_str_eq(u.prefix, "user:");
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://:pw@h/", &err), 0);
	ck_assert_ptr_null(u.user);
	ck_assert_str_eq(u.password, "pw");
	tide_redis_url_release(&u);

	ck_assert_int_eq(tide_redis_url_parse(&u, "http://h", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "not a redis:// URL: 'http://h'");
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "no host in 'redis://'");
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h:0", &err), TIDE_EINVAL);
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h:65536", &err), TIDE_EINVAL);
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h:12x", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "bad port in 'redis://h:12x'");
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h/x", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "bad database number in 'redis://h/x'");
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h/-1", &err), TIDE_EINVAL);
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h?db=1", &err), TIDE_EINVAL);
	ck_assert_str_eq(err.msg, "unknown parameter in 'redis://h?db=1' (only prefix=P)");
	tide_redis_url_release(&u);
	ck_assert_int_eq(tide_redis_url_parse(&u, "redis://h?prefix=%zz", &err), TIDE_EINVAL);
	tide_redis_url_release(&u);
}
END_TEST

Suite *
suite_redisview(void)
{
	Suite *s = suite_create("redisview");
	TCase *tc = tcase_create("redisview");
	TCase *tu = tcase_create("url");

	tcase_add_test(tu, test_redis_url_parse);
	suite_add_tcase(s, tu);
	if (!have_redis()) {
		fprintf(stderr, "redisview: redis-server not installed, "
		    "skipping the tests against it\n");
		return s;
	}
	tcase_add_unchecked_fixture(tc, srv_start, srv_stop);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_redisview_hash_keeps_last_record_per_key);
	tcase_add_test(tc, test_redisview_repeated_keys_in_a_batch_send_the_last);
	tcase_add_test(tc, test_redisview_json_strings_and_ttl);
	tcase_add_test(tc, test_redisview_bad_keys_are_left_out);
	tcase_add_test(tc, test_redisview_multiple_and_nested_keys);
	tcase_add_test(tc, test_redisview_reader_lookup_types_and_cache);
	tcase_add_test(tc, test_redisview_batch_is_atomic_and_time_driven);
	tcase_add_test(tc, test_redisview_batch_goes_as_transactions_of_chunk_records);
	tcase_add_test(tc, test_redisview_connection_errors);
	suite_add_tcase(s, tc);
	return s;
}
