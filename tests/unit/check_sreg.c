#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "schema/sreg.h"
#include "sig.h"
#include "unit.h"

/*
 * lib/schema/sreg against tests/kafka/registry.py (the test Schema
 * Registry), one started per test on a free port: hits cost no request
 * and misses one each (the registry's GET /_requests counts them), basic
 * auth from the URL or the conf, the registry's errors with its message,
 * 5xx retried, and an unreachable registry given up on at the bound.
 */

#define PY "/usr/bin/python3"
#define REGISTRY "../kafka/registry.py"

static const char v1[] =
    "{\"type\":\"record\",\"name\":\"Tx\",\"fields\":["
    "{\"name\":\"account\",\"type\":\"string\"},"
    "{\"name\":\"amount\",\"type\":\"double\"}]}";

static pid_t reg_pid;
static char reg_url[64];
static char err[1024];

/* Start registry.py with args (NULL-terminated, at most 6), loading v1 as
 * subject "t-value" (id 1); sets reg_url. */
static void
reg_start(const char *a1, const char *a2)
{
	char portfile[256], avsc[256], load[300], port[32];
	const char *argv[12];
	int n = 0, i;
	FILE *f;

	unit_tmp_start("sreg");
	snprintf(portfile, sizeof(portfile), "%s", unit_path("port"));
	snprintf(avsc, sizeof(avsc), "%s", unit_path("v1.avsc"));
	unit_put(avsc, v1);
	snprintf(load, sizeof(load), "t-value=%s", avsc);
	argv[n++] = PY;
	argv[n++] = REGISTRY;
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--load";
	argv[n++] = load;
	if (a1)
		argv[n++] = a1;
	if (a2)
		argv[n++] = a2;
	argv[n] = NULL;
	reg_pid = fork();
	ck_assert_int_ge(reg_pid, 0);
	if (reg_pid == 0) {
		/* Gone with the test's process, even when a failed assertion
		 * skips the teardown. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(PY, (char *const *)argv);
		_exit(127);
	}
	/* Up to 20 s for python to start: a hang guard, not a timing check. */
	for (i = 0; i < 400; i++) {
		if ((f = fopen(portfile, "r"))) {
			if (fgets(port, sizeof(port), f)) {
				fclose(f);
				port[strcspn(port, "\n")] = '\0';
				snprintf(reg_url, sizeof(reg_url),
				    "http://127.0.0.1:%s", port);
				return;
			}
			fclose(f);
		}
		ck_assert_int_eq(waitpid(reg_pid, NULL, WNOHANG), 0);
		usleep(50000);
	}
	ck_abort_msg("registry.py did not start");
}

static void
reg_plain(void)
{
	reg_start(NULL, NULL);
}

static void
reg_auth(void)
{
	reg_start("--user", "alice:s3cret");
}

static void
reg_flaky(void)
{
	reg_start("--fail-first", "2");
}

static void
reg_broken(void)
{
	reg_start("--fail-first", "100000");
}

static void
reg_slow(void)
{
	reg_start("--delay-ms", "400");
}

static void
reg_stop(void)
{
	if (reg_pid > 0) {
		kill(reg_pid, SIGTERM);
		waitpid(reg_pid, NULL, 0);
		reg_pid = 0;
	}
	unit_tmp_stop();
}

static size_t
collect(char *p, size_t size, size_t n, void *ctx)
{
	strncat(ctx, p, size * n < 4000 ? size * n : 4000);
	return size * n;
}

/* The API requests the registry has served so far. */
static int
reg_requests(void)
{
	char url[128], body[8192] = "";
	CURL *h = curl_easy_init();
	const char *c;

	snprintf(url, sizeof(url), "%s/_requests", reg_url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	ck_assert_ptr_nonnull(c = strstr(body, "\"count\": "));
	return atoi(c + 9);
}

static struct tide_sreg *
open_url(const char *url, const char *auth)
{
	struct tide_sreg_conf c = { 0 };
	struct tide_sreg *r;

	c.url = url;
	c.basic_auth = auth;
	c.connect_timeout_ms = 5000;
	r = tide_sreg_new(&c, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

START_TEST(test_sreg_by_id_hit_costs_nothing_and_each_miss_one_request)
{
	struct tide_sreg *r = open_url(reg_url, NULL);
	const struct tide_sreg_schema *s, *s2;

	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s->id, 1);
	ck_assert_int_eq(s->type, TIDE_SREG_AVRO);
	ck_assert_str_eq(s->text, v1);
	ck_assert_uint_eq(s->len, strlen(v1));
	ck_assert_int_eq(reg_requests(), 1);
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s2, err, sizeof(err)), 0);
	ck_assert_ptr_eq(s, s2);
	ck_assert_int_eq(reg_requests(), 1);

	ck_assert_int_eq(tide_sreg_by_id(r, 7, &s2, err, sizeof(err)),
	    TIDE_ENOENT);
	ck_assert_str_eq(err, "schema id 7: Schema 7 not found (error 40403)");
	ck_assert_int_eq(reg_requests(), 2);
	/* A miss is remembered (for 30 s): the same answer, no request. */
	err[0] = '\0';
	ck_assert_int_eq(tide_sreg_by_id(r, 7, &s2, err, sizeof(err)),
	    TIDE_ENOENT);
	ck_assert_str_eq(err, "schema id 7: Schema 7 not found (error 40403)");
	ck_assert_int_eq(reg_requests(), 2);
	ck_assert_int_eq(tide_sreg_by_id(r, 8, &s2, err, sizeof(err)),
	    TIDE_ENOENT);
	ck_assert_int_eq(reg_requests(), 3);
	ck_assert_uint_eq(tide_sreg_retrying(r, NULL), 0);
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_latest_shares_the_id_cache)
{
	struct tide_sreg *r = open_url(reg_url, NULL);
	const struct tide_sreg_schema *s, *s2;

	ck_assert_int_eq(tide_sreg_latest(r, "t-value", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s->id, 1);
	ck_assert_str_eq(s->text, v1);
	ck_assert_int_eq(tide_sreg_latest(r, "t-value", &s2, err, sizeof(err)), 0);
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s2, err, sizeof(err)), 0);
	ck_assert_ptr_eq(s, s2);
	ck_assert_int_eq(reg_requests(), 1);

	ck_assert_int_eq(tide_sreg_latest(r, "no such/value", &s, err,
	    sizeof(err)), TIDE_ENOENT);
	ck_assert_str_eq(err, "subject 'no such/value': Subject "
	    "'no such/value' not found. (error 40401)");
	ck_assert_int_eq(reg_requests(), 2);
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_register_returns_the_existing_id_and_refusals)
{
	static const char v2[] =
	    "{\"type\":\"record\",\"name\":\"Tx\",\"fields\":["
	    "{\"name\":\"account\",\"type\":\"string\"},"
	    "{\"name\":\"cur\",\"type\":\"string\",\"default\":\"EUR\"}]}";
	static const char proto[] =
	    "syntax = \"proto3\";\nmessage M { int64 a = 1; }\n";
	struct tide_sreg *r = open_url(reg_url, NULL);
	const struct tide_sreg_schema *s;
	int32_t id = -1;

	ck_assert_int_eq(tide_sreg_register(r, "t-value", TIDE_SREG_AVRO, v1,
	    strlen(v1), &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(tide_sreg_register(r, "t-value", TIDE_SREG_AVRO, v2,
	    strlen(v2), &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id, 2);
	ck_assert_int_eq(tide_sreg_register(r, "p-value", TIDE_SREG_PROTOBUF,
	    proto, strlen(proto), &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id, 3);
	ck_assert_int_eq(tide_sreg_by_id(r, 3, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s->type, TIDE_SREG_PROTOBUF);
	ck_assert_str_eq(s->text, proto);

	ck_assert_int_eq(tide_sreg_register(r, "bad-value", TIDE_SREG_AVRO,
	    "{\"type\":\"strin\"}", 16, &id, err, sizeof(err)), TIDE_EINVAL);
	ck_assert_str_eq(err, "subject 'bad-value': the registry refused the "
	    "schema: Invalid schema: Undefined type: strin "
	    "(error 42201)");
	ck_assert_int_eq(tide_sreg_register(r, "bad-value", TIDE_SREG_AVRO,
	    "\xff", 1, &id, err, sizeof(err)), TIDE_EINVAL);
	ck_assert_str_eq(err, "subject 'bad-value': the schema is not UTF-8 "
	    "text");
	ck_assert_int_eq(id, 3);
	ck_assert_int_eq(reg_requests(), 5);
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_basic_auth_from_url_or_conf_never_shown)
{
	const struct tide_sreg_schema *s;
	struct tide_sreg *r;
	char url[128];

	r = open_url(reg_url, NULL);
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)), TIDE_EIO);
	ck_assert_str_eq(err + strlen(reg_url), ": Unauthorized (error 40101) "
	    "(check the registry's user and password)");
	tide_sreg_free(r);

	r = open_url(reg_url, "alice:wrong");
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)), TIDE_EIO);
	ck_assert_ptr_null(strstr(err, "wrong"));
	ck_assert_str_eq(tide_sreg_url(r), reg_url);
	tide_sreg_free(r);

	r = open_url(reg_url, "alice:s3cret");
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s->text, v1);
	tide_sreg_free(r);

	/* User info in the URL, percent-encoded, and a final '/'. */
	snprintf(url, sizeof(url), "http://alice:s3cr%%65t@%s/",
	    reg_url + 7);
	r = open_url(url, NULL);
	ck_assert_str_eq(tide_sreg_url(r), reg_url);
	ck_assert_int_eq(tide_sreg_latest(r, "t-value", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s->id, 1);
	ck_assert_int_eq(tide_sreg_by_id(r, 9, &s, err, sizeof(err)),
	    TIDE_ENOENT);
	ck_assert_ptr_null(strstr(err, "s3cr"));
	tide_sreg_free(r);
	ck_assert_int_eq(reg_requests(), 5);
}
END_TEST

struct notes {
	int n;
	char why[256];
};

static void
on_retry(void *ctx, const char *why, long waited_ms)
{
	struct notes *nt = ctx;

	(void)waited_ms;
	nt->n++;
	snprintf(nt->why, sizeof(nt->why), "%s", why);
}

START_TEST(test_sreg_5xx_is_retried_and_counted)
{
	struct tide_sreg_conf c = { 0 };
	const struct tide_sreg_schema *s;
	struct notes nt = { 0, "" };
	struct tide_sreg *r;
	const char *why;

	c.url = reg_url;
	c.connect_timeout_ms = 20000;
	c.on_retry = on_retry;
	c.ctx = &nt;
	ck_assert_ptr_nonnull(r = tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s->text, v1);
	ck_assert_uint_eq(tide_sreg_retrying(r, &why), 2);
	ck_assert_str_eq(why, "Error in the backend data store (error 50001)");
	ck_assert_uint_eq(tide_sreg_retrying(r, &why), 0);
	/* One note a request, at its first retry. */
	ck_assert_int_eq(nt.n, 1);
	ck_assert_str_eq(nt.why, "Error in the backend data store (error 50001)");
	ck_assert_int_eq(reg_requests(), 3);
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_5xx_past_the_bound_is_eagain)
{
	struct tide_sreg_conf c = { 0 };
	const struct tide_sreg_schema *s;
	struct tide_sreg *r;
	char want[256];

	c.url = reg_url;
	c.connect_timeout_ms = 300;
	ck_assert_ptr_nonnull(r = tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)),
	    TIDE_EAGAIN);
	snprintf(want, sizeof(want), "%s: unreachable (retried for 300ms): "
	    "Error in the backend data store (error 50001)", reg_url);
	ck_assert_str_eq(err, want);
	ck_assert_uint_ge(tide_sreg_retrying(r, NULL), 1);
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_a_first_try_past_the_bound_is_retried_once)
{
	struct tide_sreg_conf c = { 0 };
	const struct tide_sreg_schema *s;
	struct tide_sreg *r;
	char want[256];

	/* Each try times out (the answer comes 400ms late, the bound is
	 * 100ms): the first uses the whole bound, and one retry follows. */
	c.url = reg_url;
	c.connect_timeout_ms = 100;
	ck_assert_ptr_nonnull(r = tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)),
	    TIDE_EAGAIN);
	ck_assert_uint_eq(tide_sreg_retrying(r, NULL), 1);
	snprintf(want, sizeof(want), "%s: unreachable (retried for 100ms): "
	    "Operation timed out after ", reg_url);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_unreachable_is_eagain_within_the_bound)
{
	struct sockaddr_in a = { 0 };
	socklen_t al = sizeof(a);
	struct tide_sreg_conf c = { 0 };
	const struct tide_sreg_schema *s;
	struct tide_sreg *r;
	char url[64], want[128];
	int fd;

	/* A port that was free a moment ago and has no listener. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://u:topsecret@127.0.0.1:%d",
	    ntohs(a.sin_port));
	c.url = url;
	c.connect_timeout_ms = 400;
	ck_assert_ptr_nonnull(r = tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)),
	    TIDE_EAGAIN);
	snprintf(want, sizeof(want), "http://127.0.0.1:%d: unreachable "
	    "(retried for 400ms): ",
	    ntohs(a.sin_port));
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	ck_assert_ptr_null(strstr(err, "topsecret"));
	ck_assert_uint_ge(tide_sreg_retrying(r, NULL), 1);
	/* Still unreachable: the next call is bounded too, and not cached. */
	ck_assert_int_eq(tide_sreg_latest(r, "t-value", &s, err, sizeof(err)),
	    TIDE_EAGAIN);
	tide_sreg_free(r);
}
END_TEST

/* A port that was free a moment ago and has no listener: its URL. */
static void
dead_url(char *url, size_t n)
{
	struct sockaddr_in a = { 0 };
	socklen_t al = sizeof(a);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	snprintf(url, n, "http://127.0.0.1:%d", ntohs(a.sin_port));
}

static void *
int_later(void *arg)
{
	struct notes *nt = arg;

	/* Once the wait has begun (its first retry noted). */
	while (__atomic_load_n(&nt->n, __ATOMIC_SEQ_CST) == 0)
		usleep(10000);
	kill(getpid(), SIGINT);
	return NULL;
}

START_TEST(test_sreg_a_stop_signal_ends_the_wait)
{
	struct tide_sreg_conf c = { 0 };
	const struct tide_sreg_schema *s;
	struct notes nt = { 0, "" };
	struct tide_sreg *r;
	char url[64], want[128];
	pthread_t t;

	tide_sig_init(0);
	dead_url(url, sizeof(url));
	c.url = url;
	c.connect_timeout_ms = 60000;	/* the test's own bound ends first */
	c.on_retry = on_retry;
	c.ctx = &nt;
	ck_assert_ptr_nonnull(r = tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_int_eq(pthread_create(&t, NULL, int_later, &nt), 0);
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)),
	    TIDE_EINTR);
	pthread_join(t, NULL);
	snprintf(want, sizeof(want), "%s: interrupted by SIGINT while "
	    "retrying", url);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(nt.n, 1);
	/* A signal that came before a request does not end it (a stage
	 * that drains still asks): the bound does. */
	tide_sreg_free(r);
	c.connect_timeout_ms = 300;
	ck_assert_ptr_nonnull(r = tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)),
	    TIDE_EAGAIN);
	ck_assert_int_eq(nt.n, 2);
	tide_sreg_free(r);
	tide_sig_reset();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
}
END_TEST

START_TEST(test_sreg_new_refuses_what_is_not_an_http_url)
{
	static const char *const bad[] = {
		"ftp://host:1", "localhost:8081", "http://", "https:///x",
		"http://h:1/?q", "", "http://[::1", "http://h:99999",
		"http://h st:1", "https://bob:pw@[::1:8081/x",
	};
	struct tide_sreg_conf c = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.url = bad[i];
		ck_assert_ptr_null(tide_sreg_new(&c, err, sizeof(err)));
		ck_assert_msg(strncmp(err, "not a schema registry URL: '", 28)
		    == 0, "%s: %s", bad[i], err);
	}
	c.url = "http://bob:hunter2@";
	ck_assert_ptr_null(tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_str_eq(err, "not a schema registry URL: 'http://***@' "
	    "(http://host:port or https://...)");
	c.url = NULL;
	ck_assert_ptr_null(tide_sreg_new(&c, err, sizeof(err)));
	ck_assert_str_eq(err, "no schema registry URL");
}
END_TEST

/* ---- references ---- */

static void
reg_unchecked(void)
{
	reg_start("--unchecked", NULL);
}

/* POST body (JSON) under subject: the id, or -(HTTP status). */
static int
reg_post(const char *subject, const char *body)
{
	char url[256], ans[8192] = "";
	struct curl_slist *hd;
	CURL *h = curl_easy_init();
	long status = 0;
	const char *c;

	snprintf(url, sizeof(url), "%s/subjects/%s/versions", reg_url,
	    subject);
	hd = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, ans);
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hd);
	if (status != 200)
		return -(int)status;
	ck_assert_ptr_nonnull(c = strstr(ans, "\"id\": "));
	return atoi(c + 6);
}

/* A Protobuf schema (message name m) with references refs (JSON). */
static int
post_proto(const char *subject, const char *m, const char *refs)
{
	struct tide_buf body = TIDE_BUF_INIT;
	int id;

	tide_buf_addf(&body, "{\"schemaType\":\"PROTOBUF\","
	    "\"schema\":\"syntax = \\\"proto3\\\";\\nmessage %s {}\\n\","
	    "\"references\":%s}", m, refs);
	id = reg_post(subject, tide_buf_cstr(&body));
	tide_buf_release(&body);
	return id;
}

START_TEST(test_sreg_references_come_with_the_schema)
{
	struct tide_sreg *r = open_url(reg_url, NULL);
	const struct tide_sreg_schema *s, *s2;
	int a, b;

	ck_assert_int_eq(a = post_proto("a", "A", "[]"), 2);
	ck_assert_int_eq(b = post_proto("b", "B", "[{\"name\":\"dir/a.proto\","
	    "\"subject\":\"a\",\"version\":1}]"), 3);
	/* The same text with other references is another schema. */
	ck_assert_int_eq(post_proto("b", "B", "[{\"name\":\"a.proto\","
	    "\"subject\":\"a\",\"version\":1}]"), 4);
	ck_assert_int_eq(tide_sreg_by_id(r, b, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s->nrefs, 1);
	ck_assert_str_eq(s->refs[0].name, "dir/a.proto");
	ck_assert_str_eq(s->refs[0].subject, "a");
	ck_assert_int_eq(s->refs[0].version, 1);
	ck_assert_int_eq(tide_sreg_by_id(r, a, &s2, err, sizeof(err)), 0);
	ck_assert_uint_eq(s2->nrefs, 0);
	ck_assert_ptr_null(s2->refs);
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s2, err, sizeof(err)), 0);
	ck_assert_uint_eq(s2->nrefs, 0);

	/* By version: cached by subject and version, and shares the id. */
	ck_assert_int_eq(reg_requests(), 6);
	ck_assert_int_eq(tide_sreg_version(r, "b", 1, &s2, err, sizeof(err)),
	    0);
	ck_assert_ptr_eq(s2, s);
	ck_assert_int_eq(tide_sreg_version(r, "b", 1, &s2, err, sizeof(err)),
	    0);
	ck_assert_int_eq(tide_sreg_version(r, "b", 2, &s2, err, sizeof(err)),
	    0);
	ck_assert_int_eq(s2->id, 4);
	ck_assert_str_eq(s2->refs[0].name, "a.proto");
	ck_assert_int_eq(reg_requests(), 8);
	ck_assert_int_eq(tide_sreg_version(r, "b", 3, &s2, err, sizeof(err)),
	    TIDE_ENOENT);
	ck_assert_str_eq(err, "subject 'b' version 3: Version 3 not found. "
	    "(error 40402)");
	ck_assert_int_eq(tide_sreg_version(r, "nope", 1, &s2, err,
	    sizeof(err)), TIDE_ENOENT);
	ck_assert_str_eq(err, "subject 'nope' version 1: Subject 'nope' not "
	    "found. (error 40401)");
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_deps_each_once_after_what_it_needs)
{
	struct tide_sreg *r = open_url(reg_url, NULL);
	const struct tide_sreg_schema *s;
	struct tide_sreg_dep *d;
	size_t n;
	int top, n0;

	/* A diamond: top needs m and t; t needs m (under the same name) and
	 * u; u needs m under another name. */
	post_proto("m", "M", "[]");
	post_proto("u", "U", "[{\"name\":\"other/m.proto\",\"subject\":\"m\","
	    "\"version\":1}]");
	post_proto("t", "T", "[{\"name\":\"m.proto\",\"subject\":\"m\","
	    "\"version\":1},{\"name\":\"u.proto\",\"subject\":\"u\","
	    "\"version\":1}]");
	top = post_proto("top", "Top", "[{\"name\":\"m.proto\",\"subject\":"
	    "\"m\",\"version\":1},{\"name\":\"t.proto\",\"subject\":\"t\","
	    "\"version\":1}]");
	ck_assert_int_gt(top, 0);
	n0 = reg_requests();
	ck_assert_int_eq(tide_sreg_by_id(r, top, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(tide_sreg_deps(r, s, &d, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(d[0].name, "m.proto");
	ck_assert_str_eq(d[1].name, "other/m.proto");
	ck_assert_ptr_eq(d[1].schema, d[0].schema);
	ck_assert_str_eq(d[2].name, "u.proto");
	ck_assert_str_eq(d[3].name, "t.proto");
	ck_assert_int_eq(d[3].schema->nrefs, 2);
	free(d);
	/* Each subject's version asked once, and not again. */
	ck_assert_int_eq(reg_requests(), n0 + 4);
	ck_assert_int_eq(tide_sreg_deps(r, s, &d, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 4);
	free(d);
	ck_assert_int_eq(reg_requests(), n0 + 4);

	/* None: nothing asked, nothing allocated. */
	ck_assert_int_eq(tide_sreg_by_id(r, 1, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(tide_sreg_deps(r, s, &d, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(d);

	/* The registry checks references: one to a version that is not
	 * there is refused. */
	ck_assert_int_eq(post_proto("x", "X", "[{\"name\":\"m.proto\","
	    "\"subject\":\"m\",\"version\":2}]"), -422);
	tide_sreg_free(r);
}
END_TEST

/* The answer for the schema posted with refs (JSON): by id. */
static int
deps_of(struct tide_sreg *r, const char *subject, const char *refs)
{
	const struct tide_sreg_schema *s;
	struct tide_sreg_dep *d = NULL;
	size_t n;
	int id, rc;

	ck_assert_int_gt(id = post_proto(subject, subject, refs), 0);
	if ((rc = tide_sreg_by_id(r, id, &s, err, sizeof(err))) < 0)
		return rc;
	rc = tide_sreg_deps(r, s, &d, &n, err, sizeof(err));
	if (rc < 0)
		ck_assert_ptr_null(d);
	free(d);
	return rc;
}

START_TEST(test_sreg_references_that_are_not_the_apis_are_eformat)
{
	static const char *const bad[] = {
		"{\"name\":\"a\"}",
		"\"a.proto\"",
		"[1]",
		"[{\"name\":\"a.proto\",\"subject\":\"a\"}]",
		"[{\"name\":\"a.proto\",\"subject\":\"a\",\"version\":\"1\"}]",
		"[{\"name\":\"\",\"subject\":\"a\",\"version\":1}]",
		"[{\"name\":\"a.proto\",\"subject\":\"\",\"version\":1}]",
		"[{\"name\":7,\"subject\":\"a\",\"version\":1}]",
		"[{\"name\":\"a.proto\",\"subject\":\"a\",\"version\":4294967297}]",
	};
	struct tide_sreg *r = open_url(reg_url, NULL);
	char subj[16], want[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(subj, sizeof(subj), "Bad%zu", i);
		ck_assert_msg(deps_of(r, subj, bad[i]) == TIDE_EFORMAT, "%s",
		    bad[i]);
		snprintf(want, sizeof(want), "%s: schema id %zu: the answer's "
		    "\"references\" is not an array of {\"name\", \"subject\", "
		    "\"version\"}", reg_url, i + 2);
		ck_assert_str_eq(err, want);
	}
	/* null and [] are no references. */
	ck_assert_int_eq(deps_of(r, "Null", "null"), 0);
	ck_assert_int_eq(deps_of(r, "Empty", "[]"), 0);
	tide_sreg_free(r);
}
END_TEST

START_TEST(test_sreg_hostile_references_are_refused_by_name)
{
	struct tide_sreg *r = open_url(reg_url, NULL);
	struct tide_buf b = TIDE_BUF_INIT;
	char refs[256], subj[16];
	int i, n0;

	ck_assert_int_eq(deps_of(r, "Miss", "[{\"name\":\"a.proto\","
	    "\"subject\":\"nosuch\",\"version\":1}]"), TIDE_ENOENT);
	ck_assert_str_eq(err, "reference \"a.proto\": subject 'nosuch' "
	    "version 1: Subject 'nosuch' not found. (error 40401)");

	/* Itself: its subject's version 1 is the schema. */
	ck_assert_int_eq(deps_of(r, "Self", "[{\"name\":\"s.proto\","
	    "\"subject\":\"Self\",\"version\":1}]"), TIDE_EINVAL);
	ck_assert_str_eq(err, "reference \"s.proto\": a cycle: subject 'Self' "
	    "version 1 is schema id 3 again");
	/* Through another. */
	post_proto("CycA", "CycA", "[{\"name\":\"b.proto\",\"subject\":"
	    "\"CycB\",\"version\":1}]");
	post_proto("CycB", "CycB", "[{\"name\":\"a.proto\",\"subject\":"
	    "\"CycA\",\"version\":1}]");
	ck_assert_int_eq(deps_of(r, "Cyc", "[{\"name\":\"a.proto\","
	    "\"subject\":\"CycA\",\"version\":1}]"), TIDE_EINVAL);
	ck_assert_str_eq(err, "reference \"a.proto\" -> \"b.proto\" -> "
	    "\"a.proto\": a cycle: subject 'CycA' version 1 is schema id 4 "
	    "again");

	/* Nested: 32 levels are followed, 33 are not. */
	for (i = 40; i >= 0; i--) {
		snprintf(subj, sizeof(subj), "D%d", i);
		if (i == 40)
			snprintf(refs, sizeof(refs), "[]");
		else
			snprintf(refs, sizeof(refs), "[{\"name\":\"d%d\","
			    "\"subject\":\"D%d\",\"version\":1}]", i + 1, i + 1);
		ck_assert_int_gt(post_proto(subj, subj, refs), 0);
	}
	ck_assert_int_eq(deps_of(r, "Deep32", "[{\"name\":\"d9\","
	    "\"subject\":\"D9\",\"version\":1}]"), 0);
	ck_assert_int_eq(deps_of(r, "Deep33", "[{\"name\":\"d8\","
	    "\"subject\":\"D8\",\"version\":1}]"), TIDE_EINVAL);
	ck_assert_str_eq(err, "reference \"d8\" -> \"d9\" -> (30 more) -> "
	    "\"d40\": references nested deeper than 32 levels");

	/* Many: a schema with more than 256 is refused before any is asked
	 * for, and so are more than 256 in all. */
	tide_buf_addf(&b, "[");
	for (i = 0; i < 1000; i++)
		tide_buf_addf(&b, "%s{\"name\":\"f%d\",\"subject\":\"D40\","
		    "\"version\":1}", i ? "," : "", i);
	tide_buf_addf(&b, "]");
	n0 = reg_requests();
	ck_assert_int_eq(deps_of(r, "Many", tide_buf_cstr(&b)), TIDE_EINVAL);
	ck_assert_str_eq(err, "1000 references: more than 256");
	ck_assert_int_eq(reg_requests(), n0 + 2);	/* the POST, the id */
	/* 100 names and then 200 more through another schema. */
	tide_buf_reset(&b);
	tide_buf_addf(&b, "[");
	for (i = 0; i < 200; i++)
		tide_buf_addf(&b, "%s{\"name\":\"g%d\",\"subject\":\"D40\","
		    "\"version\":1}", i ? "," : "", i);
	tide_buf_addf(&b, "]");
	ck_assert_int_gt(post_proto("H", "H", tide_buf_cstr(&b)), 0);
	tide_buf_reset(&b);
	tide_buf_addf(&b, "[");
	for (i = 0; i < 100; i++)
		tide_buf_addf(&b, "{\"name\":\"f%d\",\"subject\":\"D40\","
		    "\"version\":1},", i);
	tide_buf_addf(&b, "{\"name\":\"h\",\"subject\":\"H\","
	    "\"version\":1}]");
	ck_assert_int_eq(deps_of(r, "M300", tide_buf_cstr(&b)), TIDE_EINVAL);
	ck_assert_str_eq(err, "reference \"h\" -> \"g156\": more than 256 "
	    "schema references in all");
	tide_buf_release(&b);

	/* Another type; one name for two schemas. */
	ck_assert_int_gt(reg_post("Av", "{\"schema\":\"\\\"string\\\"\"}"), 0);
	ck_assert_int_eq(deps_of(r, "Ty", "[{\"name\":\"a\",\"subject\":"
	    "\"Av\",\"version\":1}]"), TIDE_EINVAL);
	ck_assert_str_eq(err, "reference \"a\": subject 'Av' version 1 is of "
	    "type AVRO, not PROTOBUF");
	ck_assert_int_eq(deps_of(r, "Two", "[{\"name\":\"a\",\"subject\":"
	    "\"D40\",\"version\":1},{\"name\":\"a\",\"subject\":\"D39\","
	    "\"version\":1}]"), TIDE_EINVAL);
	ck_assert_msg(strstr(err, "reference \"a\": the name is given to two "
	    "schemas (ids ") == err, "%s", err);
	tide_sreg_free(r);
}
END_TEST

Suite *
suite_sreg(void)
{
	Suite *s = suite_create("sreg");
	TCase *tc;

	tc = tcase_create("plain");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reg_plain, reg_stop);
	tcase_add_test(tc, test_sreg_by_id_hit_costs_nothing_and_each_miss_one_request);
	tcase_add_test(tc, test_sreg_latest_shares_the_id_cache);
	tcase_add_test(tc, test_sreg_register_returns_the_existing_id_and_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reg_auth, reg_stop);
	tcase_add_test(tc, test_sreg_basic_auth_from_url_or_conf_never_shown);
	suite_add_tcase(s, tc);

	tc = tcase_create("flaky");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reg_flaky, reg_stop);
	tcase_add_test(tc, test_sreg_5xx_is_retried_and_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("broken");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reg_broken, reg_stop);
	tcase_add_test(tc, test_sreg_5xx_past_the_bound_is_eagain);
	suite_add_tcase(s, tc);

	tc = tcase_create("slow");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reg_slow, reg_stop);
	tcase_add_test(tc, test_sreg_a_first_try_past_the_bound_is_retried_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("references");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reg_plain, reg_stop);
	tcase_add_test(tc, test_sreg_references_come_with_the_schema);
	tcase_add_test(tc, test_sreg_deps_each_once_after_what_it_needs);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile references");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, reg_unchecked, reg_stop);
	tcase_add_test(tc, test_sreg_references_that_are_not_the_apis_are_eformat);
	tcase_add_test(tc, test_sreg_hostile_references_are_refused_by_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("offline");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sreg_unreachable_is_eagain_within_the_bound);
	tcase_add_test(tc, test_sreg_a_stop_signal_ends_the_wait);
	tcase_add_test(tc, test_sreg_new_refuses_what_is_not_an_http_url);
	suite_add_tcase(s, tc);
	return s;
}
