#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "htab.h"
#include "schema/sreg.h"
#include "sig.h"
#include "time.h"
#include "xalloc.h"

/* An answer bigger than this is not a schema the registry meant. */
#define SREG_MAXBODY (16u << 20)
/* Back-off between retries: from 100 ms, doubling, at most 2 s. */
#define SREG_BACKOFF0_MS 100
#define SREG_BACKOFF_MAX_MS 2000
/* A stop signal is looked for this often while a request or a back-off
 * waits. */
#define SREG_STOP_POLL_MS 100

struct tide_sreg {
	CURL *h;
	struct curl_slist *hdrs;
	char *base;		/* the URL without user info or a final '/' */
	char *userpwd;		/* "user:password", or NULL */
	long timeout_ms;
	void (*on_retry)(void *, const char *, long);
	void *ctx;
	struct tide_htab ids;		/* int32 id -> struct tide_sreg_schema * */
	struct tide_htab subjects;	/* subject -> its latest, in ids */
	struct tide_htab missing;	/* int32 id -> struct sreg_miss */
	struct tide_buf body;
	unsigned stops;		/* tide_sig_stops() when the request began */
	unsigned retries;
	char why[512];
	char curlerr[CURL_ERROR_SIZE];
};

/* An id the registry said it does not have: the answer is kept for
 * SREG_MISS_MS, so a topic full of messages with an unknown id costs a
 * request every 30 s, not one a message; then the id is asked again (a
 * registry's follower may have been behind).  At most SREG_MISS_MAX ids
 * are kept (past them, each miss is asked). */
#define SREG_MISS_MS	30000
#define SREG_MISS_MAX	4096
struct sreg_miss {
	int64_t until_us;
	char err[512];
};

static pthread_once_t sreg_once = PTHREAD_ONCE_INIT;
static CURLcode sreg_global;

static void
sreg_global_init(void)
{
	sreg_global = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
sreg_write(char *p, size_t size, size_t n, void *ctx)
{
	struct tide_buf *b = ctx;

	if (tide_buf_add(b, p, size * n) < 0)
		return 0;	/* CURLE_WRITE_ERROR: over SREG_MAXBODY */
	return size * n;
}

/* libcurl's progress hook: a stop signal since the request began aborts
 * the transfer (CURLE_ABORTED_BY_CALLBACK), a connect that hangs too. */
static int
sreg_progress(void *ctx, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
    curl_off_t uln)
{
	struct tide_sreg *r = ctx;

	(void)dlt, (void)dln, (void)ult, (void)uln;
	return tide_sig_stops() != r->stops;
}

/* Split url into base (no user info, no final '/') and the user info,
 * percent-decoded. */
static int
sreg_split_url(struct tide_sreg *r, const char *url, char *err, size_t errlen)
{
	const char *auth, *at, *slash, *p;
	size_t n;

	if (strncmp(url, "http://", 7) == 0)
		auth = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		auth = url + 8;
	else
		goto bad;
	slash = auth + strcspn(auth, "/?#");
	at = NULL;
	for (p = auth; p < slash; p++)
		if (*p == '@')
			at = p;
	if (at) {
		int dl;
		char *dec = curl_easy_unescape(r->h, auth, (int)(at - auth), &dl);

		if (!dec)
			goto bad;
		r->userpwd = tide_xstrdup(dec);
		curl_free(dec);
		n = (size_t)(auth - url);
		r->base = tide_xmalloc(strlen(url) + 1);
		memcpy(r->base, url, n);
		strcpy(r->base + n, at + 1);
	} else
		r->base = tide_xstrdup(url);
	n = strlen(r->base);
	while (n > 0 && r->base[n - 1] == '/')
		r->base[--n] = '\0';
	/* Something must follow the scheme (and the user info). */
	p = r->base + strcspn(r->base, ":") + 3;
	if (*p == '\0' || *p == '/' ||
	    strchr(r->base, '?') || strchr(r->base, '#'))
		goto bad;
	/* And libcurl must read it (a bracket left open, a port past
	 * 65535, a space): said now, not as a registry that cannot be
	 * reached. */
	{
		CURLU *u = curl_url();
		CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, r->base, 0) :
		    CURLUE_OUT_OF_MEMORY;

		curl_url_cleanup(u);
		if (uc != CURLUE_OK)
			goto bad;
	}
	return 0;
bad:
	/* The URL as given, but never its password. */
	slash = strstr(url, "://");
	p = slash ? slash + 3 : url;
	at = strrchr(p, '@');
	if (at && at < p + strcspn(p, "/?#"))
		snprintf(err, errlen, "not a schema registry URL: '%.*s***@%.200s' "
		    "(http://host:port or https://...)", (int)(p - url), url,
		    at + 1);
	else
		snprintf(err, errlen, "not a schema registry URL: '%.200s' "
		    "(http://host:port or https://...)", url);
	return TIDE_EINVAL;
}

struct tide_sreg *
tide_sreg_new(const struct tide_sreg_conf *c, char *err, size_t errlen)
{
	struct tide_sreg *r;

	pthread_once(&sreg_once, sreg_global_init);
	if (sreg_global != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s",
		    curl_easy_strerror(sreg_global));
		return NULL;
	}
	r = tide_xcalloc(1, sizeof(*r));
	if (!(r->h = curl_easy_init())) {
		snprintf(err, errlen, "libcurl: cannot make a handle");
		free(r);
		return NULL;
	}
	if (!c->url || sreg_split_url(r, c->url, err, errlen) < 0) {
		if (!c->url)
			snprintf(err, errlen, "no schema registry URL");
		tide_sreg_free(r);
		return NULL;
	}
	if (c->basic_auth && *c->basic_auth) {
		free(r->userpwd);
		r->userpwd = tide_xstrdup(c->basic_auth);
	}
	r->timeout_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms :
	    30000;
	r->on_retry = c->on_retry;
	r->ctx = c->ctx;
	tide_htab_init(&r->ids, sizeof(struct tide_sreg_schema *));
	tide_htab_init(&r->subjects, sizeof(struct tide_sreg_schema *));
	tide_htab_init(&r->missing, sizeof(struct sreg_miss));
	tide_buf_init(&r->body, SREG_MAXBODY);
	r->hdrs = curl_slist_append(NULL,
	    "Accept: application/vnd.schemaregistry.v1+json, "
	    "application/json");
	r->hdrs = curl_slist_append(r->hdrs,
	    "Content-Type: application/vnd.schemaregistry.v1+json");

	curl_easy_setopt(r->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, sreg_write);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(r->h, CURLOPT_ERRORBUFFER, r->curlerr);
	curl_easy_setopt(r->h, CURLOPT_USERAGENT, "tide");
	curl_easy_setopt(r->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(r->h, CURLOPT_XFERINFOFUNCTION, sreg_progress);
	curl_easy_setopt(r->h, CURLOPT_XFERINFODATA, r);
	if (r->userpwd) {
		curl_easy_setopt(r->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(r->h, CURLOPT_USERPWD, r->userpwd);
	}
	if (c->ca_file)
		curl_easy_setopt(r->h, CURLOPT_CAINFO, c->ca_file);
	if (c->cert_file)
		curl_easy_setopt(r->h, CURLOPT_SSLCERT, c->cert_file);
	if (c->key_file)
		curl_easy_setopt(r->h, CURLOPT_SSLKEY, c->key_file);
	if (c->insecure) {
		curl_easy_setopt(r->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(r->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return r;
}

static void
sreg_schema_free(struct tide_sreg_schema *s)
{
	size_t i;

	if (s->decoder && s->decoder_free)
		s->decoder_free(s->decoder);
	for (i = 0; i < s->nrefs; i++) {
		free((char *)s->refs[i].name);
		free((char *)s->refs[i].subject);
	}
	free((struct tide_sreg_ref *)s->refs);
	free((char *)s->text);
	free(s);
}

void
tide_sreg_free(struct tide_sreg *r)
{
	struct tide_sreg_schema **sp;
	size_t pos = 0;
	const char *k;
	size_t kl;

	if (!r)
		return;
	if (r->ids.slots)
		while ((sp = tide_htab_next(&r->ids, &pos, &k, &kl)))
			sreg_schema_free(*sp);
	tide_htab_release(&r->ids);
	tide_htab_release(&r->subjects);
	tide_htab_release(&r->missing);
	tide_buf_release(&r->body);
	curl_slist_free_all(r->hdrs);
	if (r->h)
		curl_easy_cleanup(r->h);
	if (r->userpwd) {
		memset(r->userpwd, 0, strlen(r->userpwd));
		free(r->userpwd);
	}
	free(r->base);
	free(r);
}

const char *
tide_sreg_url(const struct tide_sreg *r)
{
	return r->base;
}

unsigned
tide_sreg_retrying(struct tide_sreg *r, const char **why)
{
	unsigned n = r->retries;

	r->retries = 0;
	if (why)
		*why = r->why;
	return n;
}

/* The registry's message in an error body, or "HTTP N". */
static void
sreg_errbody(struct tide_sreg *r, long status, char *err, size_t errlen)
{
	json_t *j, *m, *c;

	j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
	m = j ? json_object_get(j, "message") : NULL;
	c = j ? json_object_get(j, "error_code") : NULL;
	if (json_is_string(m) && json_is_integer(c))
		snprintf(err, errlen, "%.300s (error %lld)", json_string_value(m),
		    (long long)json_integer_value(c));
	else if (json_is_string(m))
		snprintf(err, errlen, "%.300s (HTTP %ld)", json_string_value(m),
		    status);
	else
		snprintf(err, errlen, "HTTP %ld", status);
	json_decref(j);
}

static int
sreg_retriable_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	default:
		return 0;
	}
}

/* Sleep ms, or less when a stop signal comes (1: it came). */
static int
sreg_sleep_ms(struct tide_sreg *r, long ms)
{
	struct timespec ts;
	long step;

	while (ms > 0 && tide_sig_stops() == r->stops) {
		step = ms < SREG_STOP_POLL_MS ? ms : SREG_STOP_POLL_MS;
		ts.tv_sec = step / 1000;
		ts.tv_nsec = (step % 1000) * 1000000L;
		/* A signal ends the nap early: the loop looks again. */
		(void)nanosleep(&ts, NULL);
		ms -= step;
	}
	return tide_sig_stops() != r->stops;
}

/* err: the wait for the registry ended by a stop signal. */
static int
sreg_stopped(struct tide_sreg *r, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: interrupted by %s while retrying",
	    r->base, tide_sig_name());
	return TIDE_EINTR;
}

/*
 * One request, retried while the registry cannot be reached or answers
 * 5xx, for r->timeout_ms in all.  0 with the 2xx answer in r->body and
 * *status, or an error with err set.  path starts with '/'.
 */
static int
sreg_request(struct tide_sreg *r, const char *path, const char *post,
    size_t postlen, long *status, char *err, size_t errlen)
{
	int64_t t0 = tide_mono_us() / 1000, now, left;
	unsigned tries = 0;
	long backoff = SREG_BACKOFF0_MS;
	struct tide_buf url = TIDE_BUF_INIT;
	CURLcode cc;
	int ret;

	tide_buf_addf(&url, "%s%s", r->base, path);
	curl_easy_setopt(r->h, CURLOPT_URL, tide_buf_cstr(&url));
	if (post) {
		curl_easy_setopt(r->h, CURLOPT_POST, 1L);
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)postlen);
	} else
		curl_easy_setopt(r->h, CURLOPT_HTTPGET, 1L);
	r->stops = tide_sig_stops();
	for (;;) {
		now = tide_mono_us() / 1000;
		left = r->timeout_ms - (now - t0);
		if (left < 100)
			left = 100;	/* the one retry past the bound */
		curl_easy_setopt(r->h, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
		curl_easy_setopt(r->h, CURLOPT_TIMEOUT_MS, (long)left);
		tide_buf_reset(&r->body);
		r->curlerr[0] = '\0';
		cc = curl_easy_perform(r->h);
		*status = 0;
		if (cc == CURLE_OK) {
			curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, status);
			if (*status >= 200 && *status < 300) {
				ret = 0;
				break;
			}
			if (*status < 500 && *status != 429 && *status != 408) {
				sreg_errbody(r, *status, err, errlen);
				ret = *status == 404 ? TIDE_ENOENT :
				    *status == 422 ? TIDE_EINVAL : TIDE_EIO;
				if (*status == 401 || *status == 403) {
					char m[400];

					snprintf(m, sizeof(m), "%s", err);
					snprintf(err, errlen, "%s: %s "
					    "(check the registry's user and "
					    "password)", r->base, m);
				}
				break;
			}
			sreg_errbody(r, *status, r->why, sizeof(r->why));
		} else if (cc == CURLE_WRITE_ERROR) {
			snprintf(err, errlen, "%s: an answer over %u bytes",
			    r->base, SREG_MAXBODY);
			ret = TIDE_EFORMAT;
			break;
		} else if (cc == CURLE_ABORTED_BY_CALLBACK) {
			ret = sreg_stopped(r, err, errlen);
			break;
		} else if (sreg_retriable_curl(cc))
			snprintf(r->why, sizeof(r->why), "%s",
			    r->curlerr[0] ? r->curlerr : curl_easy_strerror(cc));
		else {
			snprintf(err, errlen, "%s: %s", r->base,
			    r->curlerr[0] ? r->curlerr : curl_easy_strerror(cc));
			ret = TIDE_EIO;
			break;
		}
		/* Unreachable, or 5xx: again after a back-off, within the bound
		 * -- and once at least, however long the first try took (a
		 * loaded machine), so a failure is always retried. */
		now = tide_mono_us() / 1000;
		if (now - t0 >= r->timeout_ms && tries > 0) {
			char d[32];

			tide_dur_fmt(d, r->timeout_ms);
			snprintf(err, errlen, "%s: unreachable (retried for %s): "
			    "%s", r->base, d, r->why);
			ret = TIDE_EAGAIN;
			break;
		}
		r->retries++;
		if (tries++ == 0 && r->on_retry)
			r->on_retry(r->ctx, r->why, (long)(now - t0));
		left = r->timeout_ms - (now - t0);
		if (sreg_sleep_ms(r, backoff < left ? backoff :
		    (long)(left > 0 ? left : 0))) {
			ret = sreg_stopped(r, err, errlen);
			break;
		}
		backoff = backoff * 2 > SREG_BACKOFF_MAX_MS ?
		    SREG_BACKOFF_MAX_MS : backoff * 2;
	}
	tide_buf_release(&url);
	return ret;
}

static int
sreg_type_of(json_t *j, enum tide_sreg_type *t)
{
	json_t *st = json_object_get(j, "schemaType");
	const char *s;

	*t = TIDE_SREG_AVRO;
	if (!st)
		return 0;
	if (!json_is_string(st))
		return TIDE_EFORMAT;
	s = json_string_value(st);
	if (strcmp(s, "AVRO") == 0)
		*t = TIDE_SREG_AVRO;
	else if (strcmp(s, "PROTOBUF") == 0)
		*t = TIDE_SREG_PROTOBUF;
	else if (strcmp(s, "JSON") == 0)
		*t = TIDE_SREG_JSON;
	else
		return TIDE_EFORMAT;
	return 0;
}

/* The answer in r->body as a JSON object, or NULL with err set. */
static json_t *
sreg_answer(struct tide_sreg *r, const char *what, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
	if (j && json_is_object(j))
		return j;
	snprintf(err, errlen, "%s: %s: the answer is not a JSON object%s%s",
	    r->base, what, j ? "" : ": ", j ? "" : je.text);
	json_decref(j);
	return NULL;
}

/* The answer's "references" (absent, null or [] when there are none)
 * into s: 0, or TIDE_EFORMAT when it is not an array of {"name",
 * "subject", "version"} (what was read is s's, freed with it). */
static int
sreg_refs(struct tide_sreg_schema *s, json_t *j)
{
	json_t *a = json_object_get(j, "references"), *e, *nm, *sub, *v;
	struct tide_sreg_ref *refs;
	size_t i, n;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return TIDE_EFORMAT;
	if ((n = json_array_size(a)) == 0)
		return 0;
	refs = tide_xcalloc(n, sizeof(*refs));
	s->refs = refs;
	for (i = 0; i < n; i++) {
		e = json_array_get(a, i);
		nm = json_object_get(e, "name");
		sub = json_object_get(e, "subject");
		v = json_object_get(e, "version");
		if (!json_is_string(nm) || !json_is_string(sub) ||
		    !json_is_integer(v) || json_string_length(nm) == 0 ||
		    json_string_length(sub) == 0 ||
		    json_integer_value(v) < INT32_MIN ||
		    json_integer_value(v) > INT32_MAX)
			return TIDE_EFORMAT;
		refs[i].name = tide_xstrdup(json_string_value(nm));
		refs[i].subject = tide_xstrdup(json_string_value(sub));
		refs[i].version = (int32_t)json_integer_value(v);
		s->nrefs = i + 1;
	}
	return 0;
}

/* The schema (id, type, text, references) of answer j, cached by id, or
 * the one already cached: *out. */
static int
sreg_keep(struct tide_sreg *r, json_t *j, int32_t id,
    const struct tide_sreg_schema **out, const char *what, char *err,
    size_t errlen)
{
	struct tide_sreg_schema **sp, *s;
	json_t *text = json_object_get(j, "schema");
	enum tide_sreg_type t;

	if (!json_is_string(text) || sreg_type_of(j, &t) < 0) {
		snprintf(err, errlen, "%s: %s: the answer has no \"schema\" "
		    "string or an unknown \"schemaType\"", r->base, what);
		return TIDE_EFORMAT;
	}
	if ((sp = tide_htab_get(&r->ids, &id, sizeof(id)))) {
		*out = *sp;
		return 0;
	}
	s = tide_xcalloc(1, sizeof(*s));
	s->id = id;
	s->type = t;
	s->len = json_string_length(text);
	s->text = tide_xmemdup(json_string_value(text), s->len);
	if (sreg_refs(s, j) < 0) {
		snprintf(err, errlen, "%s: %s: the answer's \"references\" is "
		    "not an array of {\"name\", \"subject\", \"version\"}",
		    r->base, what);
		sreg_schema_free(s);
		return TIDE_EFORMAT;
	}
	sp = tide_htab_put(&r->ids, &id, sizeof(id), NULL);
	*sp = s;
	*out = s;
	return 0;
}

int
tide_sreg_by_id(struct tide_sreg *r, int32_t id,
    const struct tide_sreg_schema **out, char *err, size_t errlen)
{
	struct tide_sreg_schema **sp;
	struct sreg_miss *miss;
	char path[64], what[64];
	long status;
	json_t *j;
	int ret;

	if ((sp = tide_htab_get(&r->ids, &id, sizeof(id)))) {
		*out = *sp;
		return 0;
	}
	if ((miss = tide_htab_get(&r->missing, &id, sizeof(id)))) {
		if (tide_mono_us() < miss->until_us) {
			snprintf(err, errlen, "%s", miss->err);
			return TIDE_ENOENT;
		}
		tide_htab_del(&r->missing, &id, sizeof(id));
	}
	snprintf(what, sizeof(what), "schema id %ld", (long)id);
	if (id < 0) {
		snprintf(err, errlen, "%s: not a schema id", what);
		return TIDE_ENOENT;
	}
	snprintf(path, sizeof(path), "/schemas/ids/%ld", (long)id);
	if ((ret = sreg_request(r, path, NULL, 0, &status, err, errlen)) < 0) {
		if (ret == TIDE_ENOENT || ret == TIDE_EINVAL) {
			char m[400];

			snprintf(m, sizeof(m), "%s", err);
			snprintf(err, errlen, "%s: %s", what, m);
			ret = TIDE_ENOENT;
			if (tide_htab_count(&r->missing) < SREG_MISS_MAX) {
				miss = tide_htab_put(&r->missing, &id,
				    sizeof(id), NULL);
				miss->until_us = tide_mono_us() +
				    SREG_MISS_MS * 1000LL;
				snprintf(miss->err, sizeof(miss->err), "%s",
				    err);
			}
		}
		return ret;
	}
	if (!(j = sreg_answer(r, what, err, errlen)))
		return TIDE_EFORMAT;
	ret = sreg_keep(r, j, id, out, what, err, errlen);
	json_decref(j);
	return ret;
}

/* A version of subject ("latest", or a number), cached by subject and
 * version. */
static int
sreg_subject_version(struct tide_sreg *r, const char *subject,
    const char *ver, const struct tide_sreg_schema **out, char *err,
    size_t errlen)
{
	struct tide_sreg_schema **sp;
	struct tide_buf path = TIDE_BUF_INIT, key = TIDE_BUF_INIT;
	char what[300];
	json_t *j = NULL, *idj;
	char *esc;
	long status;
	int ret;

	tide_buf_add(&key, subject, strlen(subject) + 1);
	tide_buf_add(&key, ver, strlen(ver));
	if ((sp = tide_htab_get(&r->subjects, key.data, key.len))) {
		tide_buf_release(&key);
		*out = *sp;
		return 0;
	}
	if (strcmp(ver, "latest") == 0)
		snprintf(what, sizeof(what), "subject '%.200s'", subject);
	else
		snprintf(what, sizeof(what), "subject '%.200s' version %s",
		    subject, ver);
	esc = curl_easy_escape(r->h, subject, (int)strlen(subject));
	tide_buf_addf(&path, "/subjects/%s/versions/%s", esc, ver);
	curl_free(esc);
	ret = sreg_request(r, tide_buf_cstr(&path), NULL, 0, &status, err,
	    errlen);
	tide_buf_release(&path);
	if (ret < 0) {
		if (ret == TIDE_ENOENT || ret == TIDE_EINVAL) {
			char m[400];

			snprintf(m, sizeof(m), "%s", err);
			snprintf(err, errlen, "%s: %s", what, m);
			ret = TIDE_ENOENT;
		}
		tide_buf_release(&key);
		return ret;
	}
	if (!(j = sreg_answer(r, what, err, errlen))) {
		tide_buf_release(&key);
		return TIDE_EFORMAT;
	}
	idj = json_object_get(j, "id");
	if (!json_is_integer(idj) || json_integer_value(idj) < 0 ||
	    json_integer_value(idj) > INT32_MAX) {
		snprintf(err, errlen, "%s: %s: the answer has no \"id\"",
		    r->base, what);
		ret = TIDE_EFORMAT;
	} else if ((ret = sreg_keep(r, j, (int32_t)json_integer_value(idj),
	    out, what, err, errlen)) == 0) {
		sp = tide_htab_put(&r->subjects, key.data, key.len, NULL);
		*sp = (struct tide_sreg_schema *)*out;
	}
	json_decref(j);
	tide_buf_release(&key);
	return ret;
}

int
tide_sreg_latest(struct tide_sreg *r, const char *subject,
    const struct tide_sreg_schema **out, char *err, size_t errlen)
{
	return sreg_subject_version(r, subject, "latest", out, err, errlen);
}

int
tide_sreg_version(struct tide_sreg *r, const char *subject,
    int32_t version, const struct tide_sreg_schema **out, char *err,
    size_t errlen)
{
	char ver[16];

	snprintf(ver, sizeof(ver), "%ld", (long)version);
	return sreg_subject_version(r, subject, ver, out, err, errlen);
}

/* ---- references, followed ---- */

struct deps_walk {
	struct tide_sreg *r;
	const struct tide_sreg_schema *root;
	/* The schemas being followed, the root first, and the reference
	 * each is following now (for cycles and messages). */
	const struct tide_sreg_schema *stack[TIDE_SREG_MAXREFDEPTH + 1];
	const struct tide_sreg_ref *via[TIDE_SREG_MAXREFDEPTH + 1];
	int depth;
	struct tide_sreg_dep *out;
	size_t n, alloc;
	char *err;
	size_t errlen;
};

static const char *const sreg_type_names[] = { "AVRO", "PROTOBUF", "JSON" };

static const char *
sreg_type_name(enum tide_sreg_type t)
{
	return (unsigned)t < 3 ? sreg_type_names[t] : "?";
}

/* err: the chain of references followed ("reference \"a\" -> \"b\"")
 * and why; code returned. */
static int
deps_fail(struct deps_walk *w, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
deps_fail(struct deps_walk *w, int code, const char *fmt, ...)
{
	struct tide_buf b = TIDE_BUF_INIT;
	char why[600];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* The chain, its middle cut when long. */
	tide_buf_addf(&b, "reference");
	for (i = 0; i < w->depth; i++) {
		if (w->depth > 4 && i == 2) {
			tide_buf_addf(&b, " -> (%d more)", w->depth - 3);
			i = w->depth - 2;
			continue;
		}
		tide_buf_addf(&b, "%s\"%.100s\"", i ? " -> " : " ",
		    w->via[i]->name);
	}
	snprintf(w->err, w->errlen, "%s: %s", tide_buf_cstr(&b), why);
	tide_buf_release(&b);
	return code;
}

/* The dependency named name, or NULL. */
static struct tide_sreg_dep *
deps_named(struct deps_walk *w, const char *name)
{
	size_t k;

	for (k = 0; k < w->n; k++)
		if (strcmp(w->out[k].name, name) == 0)
			return &w->out[k];
	return NULL;
}

static int
deps_visit(struct deps_walk *w, const struct tide_sreg_schema *s)
{
	const struct tide_sreg_schema *t;
	const struct tide_sreg_ref *ref;
	struct tide_sreg_dep *d;
	char m[600];
	size_t i, k;
	int ret;

	if (s->nrefs > TIDE_SREG_MAXREFS) {
		if (w->depth == 0) {
			snprintf(w->err, w->errlen, "%zu references: more "
			    "than %d", s->nrefs, TIDE_SREG_MAXREFS);
			return TIDE_EINVAL;
		}
		return deps_fail(w, TIDE_EINVAL, "%zu references: more than "
		    "%d", s->nrefs, TIDE_SREG_MAXREFS);
	}
	w->stack[w->depth++] = s;
	for (i = 0; i < s->nrefs; i++) {
		ref = &s->refs[i];
		w->via[w->depth - 1] = ref;
		if ((ret = tide_sreg_version(w->r, ref->subject, ref->version,
		    &t, m, sizeof(m))) < 0)
			return deps_fail(w, ret, "%s", m);
		if (t->type != w->root->type)
			return deps_fail(w, TIDE_EINVAL, "subject '%.200s' "
			    "version %ld is of type %s, not %s",
			    ref->subject, (long)ref->version,
			    sreg_type_name(t->type),
			    sreg_type_name(w->root->type));
		for (k = 0; k < (size_t)w->depth; k++)
			if (w->stack[k] == t)
				return deps_fail(w, TIDE_EINVAL, "a cycle: "
				    "subject '%.200s' version %ld is schema "
				    "id %ld again", ref->subject,
				    (long)ref->version, (long)t->id);
		if ((d = deps_named(w, ref->name)) && d->schema == t)
			continue;	/* had already */
		for (k = 0; k < w->n; k++)
			if (w->out[k].schema == t)
				break;
		if (k == w->n) {
			/* Not seen yet: what it needs first. */
			if (w->depth > TIDE_SREG_MAXREFDEPTH)
				return deps_fail(w, TIDE_EINVAL, "references "
				    "nested deeper than %d levels",
				    TIDE_SREG_MAXREFDEPTH);
			if ((ret = deps_visit(w, t)) < 0)
				return ret;
			w->via[w->depth - 1] = ref;
		}
		if ((d = deps_named(w, ref->name))) {
			if (d->schema == t)
				continue;
			return deps_fail(w, TIDE_EINVAL, "the name is given "
			    "to two schemas (ids %ld and %ld)",
			    (long)d->schema->id, (long)t->id);
		}
		if (w->n >= TIDE_SREG_MAXREFS)
			return deps_fail(w, TIDE_EINVAL, "more than %d "
			    "schema references in all", TIDE_SREG_MAXREFS);
		if (w->n == w->alloc) {
			w->alloc = w->alloc ? 2 * w->alloc : 8;
			w->out = tide_xreallocarray(w->out, w->alloc,
			    sizeof(*w->out));
		}
		w->out[w->n].name = ref->name;
		w->out[w->n].schema = t;
		w->n++;
	}
	w->depth--;
	return 0;
}

int
tide_sreg_deps(struct tide_sreg *r, const struct tide_sreg_schema *s,
    struct tide_sreg_dep **deps, size_t *n, char *err, size_t errlen)
{
	struct deps_walk w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.r = r;
	w.root = s;
	w.err = err;
	w.errlen = errlen;
	*deps = NULL;
	*n = 0;
	if ((ret = deps_visit(&w, s)) < 0) {
		free(w.out);
		return ret;
	}
	*deps = w.out;
	*n = w.n;
	return 0;
}

int
tide_sreg_register(struct tide_sreg *r, const char *subject,
    enum tide_sreg_type type, const char *text, size_t len, int32_t *id,
    char *err, size_t errlen)
{
	struct tide_buf path = TIDE_BUF_INIT;
	json_t *req, *str, *j, *idj;
	char what[300], *body, *esc;
	long status;
	int ret;

	snprintf(what, sizeof(what), "subject '%.200s'", subject);
	if (!(str = json_stringn(text, len))) {
		snprintf(err, errlen, "%s: the schema is not UTF-8 text", what);
		return TIDE_EINVAL;
	}
	req = json_object();
	json_object_set_new(req, "schema", str);
	if (type != TIDE_SREG_AVRO && (unsigned)type < 3)
		json_object_set_new(req, "schemaType",
		    json_string(sreg_type_names[type]));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!body) {
		snprintf(err, errlen, "%s: out of memory", what);
		return TIDE_ENOMEM;
	}
	esc = curl_easy_escape(r->h, subject, (int)strlen(subject));
	tide_buf_addf(&path, "/subjects/%s/versions", esc);
	curl_free(esc);
	ret = sreg_request(r, tide_buf_cstr(&path), body, strlen(body),
	    &status, err, errlen);
	tide_buf_release(&path);
	free(body);
	if (ret < 0) {
		if (ret == TIDE_ENOENT || ret == TIDE_EINVAL) {
			char m[400];

			snprintf(m, sizeof(m), "%s", err);
			snprintf(err, errlen, "%s: the registry refused the "
			    "schema: %s", what, m);
			ret = TIDE_EINVAL;
		}
		return ret;
	}
	if (!(j = sreg_answer(r, what, err, errlen)))
		return TIDE_EFORMAT;
	idj = json_object_get(j, "id");
	if (!json_is_integer(idj) || json_integer_value(idj) < 0 ||
	    json_integer_value(idj) > INT32_MAX) {
		snprintf(err, errlen, "%s: %s: the answer has no \"id\"",
		    r->base, what);
		ret = TIDE_EFORMAT;
	} else
		*id = (int32_t)json_integer_value(idj);
	json_decref(j);
	return ret;
}
