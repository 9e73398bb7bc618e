/* Materialized views in Redis; see redisview.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis.h>

#include "err.h"
#include "htab.h"
#include "view/redisview.h"
#include "table.h"
#include "xalloc.h"

static int
fail(struct tide_redisview_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int send_batch(struct tide_redisview *, int, struct tide_redisview_err *);

static int
fail(struct tide_redisview_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static char *
xdup_range(const char *p, size_t n)
{
	return tide_xmemdup(p, n);
}

/* Undo %XX escapes in place (user, password and prefix may hold any
 * byte); 0 or -1 on a bad escape. */
static int
pct_decode(char *s)
{
	char *o = s;
	unsigned v;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if (sscanf(s + 1, "%2x", &v) != 1 || s[1] == '\0' || s[2] == '\0')
			return -1;
		*o++ = (char)v;
		s += 2;
	}
	*o = '\0';
	return 0;
}

void
tide_redis_url_release(struct tide_redis_url *u)
{
	free(u->host);
	free(u->user);
	free(u->password);
	free(u->prefix);
	memset(u, 0, sizeof(*u));
}

int
tide_redis_url_parse(struct tide_redis_url *u, const char *url,
    struct tide_redisview_err *err)
{
	const char *p, *at, *end, *colon, *q;
	char *e;
	long l;

	memset(u, 0, sizeof(*u));
	u->port = 6379;
	if (strncmp(url, "redis://", 8) != 0)
		return fail(err, TIDE_EINVAL, "not a redis:// URL: '%s'", url);
	p = url + 8;
	end = p + strcspn(p, "/?");
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon != NULL) {
			if (colon > p)
				u->user = xdup_range(p, (size_t)(colon - p));
			u->password = xdup_range(colon + 1,
			    (size_t)(at - colon - 1));
		} else {
			u->password = xdup_range(p, (size_t)(at - p));
		}
		if ((u->user != NULL && pct_decode(u->user) < 0) ||
		    pct_decode(u->password) < 0)
			return fail(err, TIDE_EINVAL, "bad %%-escape in the "
			    "credentials of '%s'", url);
		p = at + 1;
	}
	colon = memchr(p, ':', (size_t)(end - p));
	u->host = xdup_range(p, (size_t)((colon != NULL ? colon : end) - p));
	if (u->host[0] == '\0')
		return fail(err, TIDE_EINVAL, "no host in '%s'", url);
	if (colon != NULL) {
		errno = 0;
		l = strtol(colon + 1, &e, 10);
		if (e == colon + 1 || e != end || l < 1 || l > 65535)
			return fail(err, TIDE_EINVAL, "bad port in '%s'", url);
		u->port = (int)l;
	}
	p = end;
	if (*p == '/') {
		p++;
		q = p + strcspn(p, "?");
		if (q > p) {
			l = strtol(p, &e, 10);
			if (e != q || l < 0 || l > 1000000 || *p == '-' ||
			    *p == '+' || *p == ' ')
				return fail(err, TIDE_EINVAL, "bad database "
				    "number in '%s'", url);
			u->db = (int)l;
		}
		p = q;
	}
	if (*p == '?') {
		p++;
		if (strncmp(p, "prefix=", 7) != 0 || strchr(p, '&') != NULL)
			return fail(err, TIDE_EINVAL, "unknown parameter in '%s' "
			    "(only prefix=P)", url);
		u->prefix = tide_xstrdup(p + 7);
		if (pct_decode(u->prefix) < 0)
			return fail(err, TIDE_EINVAL, "bad %%-escape in the "
			    "prefix of '%s'", url);
	}
	return 0;
}

/* A command's reply: NULL on a connection error (err set). */
static redisReply *
command(struct tide_redisview *v, struct tide_redisview_err *err, int argc,
    const char **argv, const size_t *len)
{
	redisReply *rep;

	rep = redisCommandArgv(v->rc, argc, argv, len);
	if (rep == NULL)
		fail(err, TIDE_EIO, "redis %s:%d: %s", v->url.host, v->url.port,
		    v->rc->errstr[0] ? v->rc->errstr : "connection lost");
	return rep;
}

static int
connect_url(struct tide_redisview *v, const char *url, int timeout_ms,
    struct tide_redisview_err *err)
{
	struct timeval tv;
	redisReply *rep;
	const char *argv[3];
	size_t len[3];
	char db[16];
	int r;

	if ((r = tide_redis_url_parse(&v->url, url, err)) < 0)
		return r;
	if (timeout_ms <= 0)
		timeout_ms = 5000;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	v->rc = redisConnectWithTimeout(v->url.host, v->url.port, tv);
	if (v->rc == NULL || v->rc->err)
		return fail(err, TIDE_EIO, "redis %s:%d: cannot connect: %s",
		    v->url.host, v->url.port, v->rc != NULL ? v->rc->errstr :
		    "out of memory");
	redisSetTimeout(v->rc, tv);
	if (v->url.password != NULL) {
		argv[0] = "AUTH";
		argv[1] = v->url.user != NULL ? v->url.user : v->url.password;
		argv[2] = v->url.password;
		r = v->url.user != NULL ? 3 : 2;
		for (int i = 0; i < r; i++)
			len[i] = strlen(argv[i]);
		if ((rep = command(v, err, r, argv, len)) == NULL)
			return TIDE_EIO;
		r = rep->type == REDIS_REPLY_ERROR ? fail(err, TIDE_EIO,
		    "redis %s:%d: AUTH: %s", v->url.host, v->url.port,
		    rep->str) : 0;
		freeReplyObject(rep);
		if (r < 0)
			return r;
	}
	if (v->url.db != 0) {
		snprintf(db, sizeof(db), "%d", v->url.db);
		argv[0] = "SELECT";
		argv[1] = db;
		len[0] = 6;
		len[1] = strlen(db);
		if ((rep = command(v, err, 2, argv, len)) == NULL)
			return TIDE_EIO;
		r = rep->type == REDIS_REPLY_ERROR ? fail(err, TIDE_EIO,
		    "redis %s:%d: SELECT %s: %s", v->url.host, v->url.port, db,
		    rep->str) : 0;
		freeReplyObject(rep);
		if (r < 0)
			return r;
	}
	return 0;
}

static void
init_common(struct tide_redisview *v)
{
	memset(v, 0, sizeof(*v));
	tide_buf_init(&v->out, TIDE_BUF_NOMAX);
	tide_htab_init(&v->seen, sizeof(size_t));
	tide_buf_init(&v->cmd, TIDE_BUF_NOMAX);
	tide_buf_init(&v->key, TIDE_BUF_NOMAX);
	tide_buf_init(&v->kpart, TIDE_BUF_NOMAX);
	tide_buf_init(&v->res, TIDE_BUF_NOMAX);
	tide_buf_init(&v->ckey, TIDE_BUF_NOMAX);
	tide_viewcache_init(&v->cache, 0, 0);
}

static void
set_prefix(struct tide_redisview *v, const char *prefix)
{
	if (prefix == NULL)
		prefix = v->url.prefix != NULL ? v->url.prefix : "";
	v->prefix = tide_xstrdup(prefix);
	v->plen = strlen(prefix);
}

int
tide_redisview_open(struct tide_redisview *v,
    const struct tide_redisview_conf *conf, struct tide_redisview_err *err)
{
	int i, r;

	init_common(v);
	if (conf->nkey < 1 || conf->nkey > TIDE_REDISVIEW_MAXKEYS)
		return fail(err, TIDE_EINVAL, "between 1 and %d key fields",
		    TIDE_REDISVIEW_MAXKEYS);
	for (i = 0; i < conf->nkey; i++) {
		if (tide_path_parse(&v->path[i], conf->keys[i]) < 0)
			return fail(err, TIDE_EINVAL, "bad key field '%s'",
			    conf->keys[i]);
		v->nkey++;
	}
	v->vals = tide_xcalloc((size_t)v->nkey, sizeof(*v->vals));
	v->as_json = conf->as_json != 0;
	v->ttl_ms = conf->ttl_ms;
	snprintf(v->ttltext, sizeof(v->ttltext), "%lld", (long long)conf->ttl_ms);
	v->batch = conf->batch > 0 ? conf->batch : TIDE_REDISVIEW_BATCH;
	v->chunk = conf->chunk > 0 ? conf->chunk : TIDE_REDISVIEW_CHUNK;
	v->batch_ms = conf->batch_ms;
	if ((r = connect_url(v, conf->url, conf->timeout_ms, err)) < 0)
		return r;
	set_prefix(v, conf->prefix);
	return 0;
}

/* Append p[0..n) with '\' and ':' escaped by a '\'. */
static void
key_escape(struct tide_buf *b, const char *p, size_t n)
{
	const char *e = p + n, *q;

	while ((q = p) < e) {
		while (q < e && *q != ':' && *q != '\\')
			q++;
		tide_buf_add(b, p, (size_t)(q - p));
		if (q == e)
			break;
		tide_buf_addc(b, '\\');
		tide_buf_addc(b, *q);
		p = q + 1;
	}
}

/* The Redis key of key values k[0..n) into v->key: prefix, then each
 * value's canonical text, joined with ':'.  With several values each has
 * '\' and ':' escaped by a '\' first, so that distinct tuples give
 * distinct keys ("x:y","z" is x\:y:z, "x","y:z" is x:y\:z); one value
 * is its text as it stands. */
static int
make_key(struct tide_redisview *v, const struct tide_json_val *k, int n,
    struct tide_redisview_err *err)
{
	int i, r;

	tide_buf_reset(&v->key);
	tide_buf_add(&v->key, v->prefix, v->plen);
	for (i = 0; i < n; i++) {
		if ((r = tide_table_key(&v->kpart, &k[i], 1)) < 0) {
			if (r == TIDE_ENOENT)
				return fail(err, r, "key field '%s' is %s",
				    v->path[i].text != NULL ? v->path[i].text :
				    "key", k[i].type == TIDE_JSON_NONE ?
				    "missing" : "null");
			return fail(err, r, "key field '%s' is an %s",
			    v->path[i].text != NULL ? v->path[i].text : "key",
			    k[i].type == TIDE_JSON_OBJECT ? "object" : "array");
		}
		if (n == 1) {
			tide_buf_add(&v->key, v->kpart.data, v->kpart.len);
			break;
		}
		if (i > 0)
			tide_buf_addc(&v->key, ':');
		key_escape(&v->key, v->kpart.data, v->kpart.len);
	}
	return 0;
}

/*
 * Commands are written in the Redis protocol (RESP) by hand, straight into
 * the batch buffer v->out, and handed to hiredis once per batch: no
 * argument vector, no formatting allocation per record.  A command's
 * arguments go to v->cmd first, since its header counts them.
 */
static void
resp_len(struct tide_buf *b, char type, size_t n)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q = e;

	*--q = '\n';
	*--q = '\r';
	do
		*--q = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	*--q = type;
	tide_buf_add(b, q, (size_t)(e - q));
}

static void
arg_add(struct tide_redisview *v, const char *p, size_t n)
{
	resp_len(&v->cmd, '$', n);
	tide_buf_add(&v->cmd, p, n);
	tide_buf_add(&v->cmd, "\r\n", 2);
	v->argc++;
}

/* Add a JSON value as the text a hash field holds. */
static void
arg_val(struct tide_redisview *v, const struct tide_json_val *val)
{
	if (val->type == TIDE_JSON_STRING) {
		if (memchr(val->p, '\\', val->len) == NULL) {
			arg_add(v, val->p + 1, val->len - 2);
			return;
		}
		tide_buf_reset(&v->kpart);
		(void)tide_json_str(val, &v->kpart);
		arg_add(v, v->kpart.data, v->kpart.len);
		return;
	}
	arg_add(v, val->p, val->len);
}

static void
cmd_begin(struct tide_redisview *v)
{
	tide_buf_reset(&v->cmd);
	v->argc = 0;
}

/* The command in v->cmd joins the batch. */
static void
cmd_end(struct tide_redisview *v)
{
	resp_len(&v->out, '*', v->argc);
	tide_buf_add(&v->out, v->cmd.data, v->cmd.len);
	v->queued++;
}

int
tide_redisview_put(struct tide_redisview *v, const char *rec, size_t n,
    int64_t now_ms, struct tide_redisview_err *err)
{
	struct tide_json_val obj, name, val;
	struct tide_redisview_rec *rs;
	size_t pos = 0, i, *slot;
	int r, isnew;

	if (v->rc == NULL || v->vals == NULL)
		return fail(err, TIDE_EINVAL, "view is not open for writing");
	tide_json_get_many(rec, n, v->path, v->nkey, v->vals);
	/* A view is keyed by scalars (lookups take an object or array by its
	 * JSON text, which matches nothing written here). */
	for (i = 0; i < (size_t)v->nkey; i++)
		if (v->vals[i].type == TIDE_JSON_OBJECT ||
		    v->vals[i].type == TIDE_JSON_ARRAY)
			return fail(err, TIDE_ETYPE, "key field '%s' is an %s",
			    v->path[i].text != NULL ? v->path[i].text : "key",
			    v->vals[i].type ==
			    TIDE_JSON_OBJECT ? "object" : "array");
	if ((r = make_key(v, v->vals, v->nkey, err)) < 0)
		return r;
	if (v->inbatch == 0) {
		tide_buf_reset(&v->out);
		v->batch_start = now_ms;
		v->nrec = 0;
		tide_htab_release(&v->seen);
		tide_htab_init(&v->seen, sizeof(size_t));
	}
	if (v->nrec == v->reccap) {
		v->reccap = v->reccap ? v->reccap * 2 : 256;
		v->recs = tide_xreallocarray(v->recs, v->reccap, sizeof(*v->recs));
	}
	rs = &v->recs[v->nrec];
	rs->off = v->out.len;
	rs->ncmd = v->queued;
	rs->dead = 0;
	cmd_begin(v);
	if (v->as_json) {
		arg_add(v, "SET", 3);
		arg_add(v, v->key.data, v->key.len);
		arg_add(v, rec, n);
		if (v->ttl_ms > 0) {
			arg_add(v, "PX", 2);
			arg_add(v, v->ttltext, strlen(v->ttltext));
		}
		cmd_end(v);
	} else {
		/* Replace, not merge: a field the new record lacks goes. */
		arg_add(v, "DEL", 3);
		arg_add(v, v->key.data, v->key.len);
		cmd_end(v);
		cmd_begin(v);
		arg_add(v, "HSET", 4);
		arg_add(v, v->key.data, v->key.len);
		for (i = 0; i < n && rec[i] != '{'; i++)
			;
		obj.type = TIDE_JSON_OBJECT;
		obj.p = rec + i;
		obj.len = n - i;
		while (tide_json_obj_next(&obj, &pos, &name, &val)) {
			arg_val(v, &name);
			arg_val(v, &val);
		}
		if (v->argc > 2)
			cmd_end(v);
		if (v->ttl_ms > 0) {
			cmd_begin(v);
			arg_add(v, "PEXPIRE", 7);
			arg_add(v, v->key.data, v->key.len);
			arg_add(v, v->ttltext, strlen(v->ttltext));
			cmd_end(v);
		}
	}
	rs->len = v->out.len - rs->off;
	rs->ncmd = v->queued - rs->ncmd;
	/* A later record of the same key in the batch replaces this one's
	 * commands: the batch applies whole, so only the last one shows. */
	slot = tide_htab_put(&v->seen, v->key.data, v->key.len, &isnew);
	if (!isnew) {
		v->recs[*slot].dead = 1;
		v->merged++;
	}
	*slot = v->nrec++;
	v->upserts++;
	if (++v->inbatch >= v->batch)
		return send_batch(v, 0, err);
	return 0;
}

static int
append(struct tide_redisview *v, const char *p, size_t n,
    struct tide_redisview_err *err)
{
	if (n > 0 && redisAppendFormattedCommand(v->rc, p, n) != REDIS_OK)
		return fail(err, TIDE_EIO, "redis %s:%d: %s", v->url.host,
		    v->url.port, v->rc->errstr[0] ? v->rc->errstr :
		    "out of memory");
	return 0;
}

/*
 * Hand the open batch to hiredis as transactions of up to v->chunk live
 * records each -- MULTI, their commands, EXEC -- leaving out the records
 * replaced later in the batch.  Adjacent live records go in one piece.
 * Returns the number of transactions, or TIDE_EIO.
 */
static int
append_batch(struct tide_redisview *v, struct tide_redisview_err *err)
{
	static const char multi[] = "*1\r\n$5\r\nMULTI\r\n";
	static const char exec[] = "*1\r\n$4\r\nEXEC\r\n";
	const struct tide_redisview_rec *rs;
	size_t i, live = 0, run = 0, runlen = 0;
	int ntx = 0, r;

	for (i = 0; i < v->nrec; i++) {
		rs = &v->recs[i];
		if (rs->dead) {
			v->queued -= rs->ncmd;
			continue;
		}
		if (live % v->chunk == 0) {
			if (live > 0 && ((r = append(v, v->out.data + run,
			    runlen, err)) < 0 ||
			    (r = append(v, exec, sizeof(exec) - 1, err)) < 0))
				return r;
			if ((r = append(v, multi, sizeof(multi) - 1, err)) < 0)
				return r;
			ntx++;
			runlen = 0;
		}
		if (runlen > 0 && run + runlen == rs->off) {
			runlen += rs->len;
		} else {
			if ((r = append(v, v->out.data + run, runlen, err)) < 0)
				return r;
			run = rs->off;
			runlen = rs->len;
		}
		live++;
	}
	if ((r = append(v, v->out.data + run, runlen, err)) < 0 ||
	    (r = append(v, exec, sizeof(exec) - 1, err)) < 0)
		return r;
	return ntx;
}

/* Read a sent batch's replies: each transaction's MULTI, queued commands
 * and EXEC -- all of them even after an error, so the connection stays in
 * step.  Only EXEC answers with an array (its commands' replies). */
static int
read_replies(struct tide_redisview *v, uint64_t nrep,
    struct tide_redisview_err *err)
{
	redisReply *rep;
	uint64_t i;
	size_t j;
	int r = 0;

	for (i = 0; i < nrep; i++) {
		if (redisGetReply(v->rc, (void **)&rep) != REDIS_OK)
			return fail(err, TIDE_EIO, "redis %s:%d: %s",
			    v->url.host, v->url.port, v->rc->errstr[0] ?
			    v->rc->errstr : "connection lost");
		if (r == 0 && rep->type == REDIS_REPLY_ERROR)
			r = fail(err, TIDE_EIO, "redis %s:%d: %s", v->url.host,
			    v->url.port, rep->str);
		else if (r == 0 && rep->type == REDIS_REPLY_NIL)
			r = fail(err, TIDE_EIO, "redis %s:%d: the batch was "
			    "not applied", v->url.host, v->url.port);
		else if (r == 0 && rep->type == REDIS_REPLY_ARRAY)
			for (j = 0; j < rep->elements && r == 0; j++)
				if (rep->element[j]->type == REDIS_REPLY_ERROR)
					r = fail(err, TIDE_EIO, "redis %s:%d: %s",
					    v->url.host, v->url.port,
					    rep->element[j]->str);
		freeReplyObject(rep);
	}
	if (r == 0)
		v->commits++;
	return r;
}

/*
 * Send the open batch.  One batch stays in flight: the replies of the
 * previous one are read only after this one is on its way, so Redis
 * applies a batch while the next is being built.  With wait, this one's
 * replies are read too.
 */
static int
send_batch(struct tide_redisview *v, int wait, struct tide_redisview_err *err)
{
	uint64_t prev = v->inflight;
	int done = 0, r;

	if (v->inbatch > 0) {
		if ((r = append_batch(v, err)) < 0)
			return r;
		tide_buf_reset(&v->out);
		v->inflight = v->queued + 2 * (uint64_t)r;
		v->inbatch = 0;
		v->queued = 0;
		while (!done)
			if (redisBufferWrite(v->rc, &done) != REDIS_OK)
				return fail(err, TIDE_EIO, "redis %s:%d: %s",
				    v->url.host, v->url.port, v->rc->errstr);
	} else {
		prev = 0;
	}
	if (prev > 0 && (r = read_replies(v, prev, err)) < 0)
		return r;
	if (wait && v->inflight > 0) {
		prev = v->inflight;
		v->inflight = 0;
		return read_replies(v, prev, err);
	}
	return 0;
}

int
tide_redisview_commit(struct tide_redisview *v, struct tide_redisview_err *err)
{
	if (v->rc == NULL)
		return 0;
	return send_batch(v, 1, err);
}

int
tide_redisview_tick(struct tide_redisview *v, int64_t now_ms,
    struct tide_redisview_err *err)
{
	int r;

	if (v->inbatch == 0 || v->batch_ms <= 0 ||
	    now_ms - v->batch_start < v->batch_ms)
		return 0;
	/* Rare (once per batch_ms), so worth confirming at once. */
	if ((r = send_batch(v, 1, err)) < 0)
		return r;
	return 1;
}

void
tide_redisview_close(struct tide_redisview *v)
{
	int i;

	/* Closing the connection with a MULTI open discards the batch. */
	if (v->rc != NULL)
		redisFree(v->rc);
	for (i = 0; i < v->nkey; i++)
		tide_path_release(&v->path[i]);
	free(v->vals);
	free(v->prefix);
	tide_redis_url_release(&v->url);
	tide_buf_release(&v->out);
	tide_buf_release(&v->cmd);
	tide_htab_release(&v->seen);
	free(v->recs);
	tide_buf_release(&v->key);
	tide_buf_release(&v->kpart);
	tide_buf_release(&v->res);
	tide_buf_release(&v->ckey);
	tide_viewcache_release(&v->cache);
	memset(v, 0, sizeof(*v));
}

int
tide_redisview_open_reader(struct tide_redisview *v, const char *url,
    const char *prefix, int timeout_ms, struct tide_redisview_err *err)
{
	int r;

	init_common(v);
	if ((r = connect_url(v, url, timeout_ms, err)) < 0)
		return r;
	set_prefix(v, prefix);
	return 0;
}

void
tide_redisview_set_cache(struct tide_redisview *v, uint32_t n, int64_t ttl_ms)
{
	tide_viewcache_release(&v->cache);
	tide_viewcache_init(&v->cache, n, ttl_ms);
}

/* Whether a hash value reads back as the JSON value it spells. */
static int
is_json_text(const char *p, size_t n)
{
	enum tide_json_type t;

	if (n == 0)
		return 0;
	if (strchr("-0123456789{[tfn", p[0]) == NULL ||
	    strchr(" \t\r\n", p[n - 1]) != NULL)
		return 0;
	if (tide_json_check(p, n, TIDE_JSON_MAXDEPTH, &t, NULL) < 0)
		return 0;
	return t != TIDE_JSON_STRING;
}

static int
hash_to_json(struct tide_redisview *v, redisReply *rep,
    struct tide_redisview_err *err)
{
	struct tide_jobj o;
	redisReply *f, *x;
	size_t i;

	tide_buf_reset(&v->res);
	tide_jobj_begin(&o, &v->res);
	for (i = 0; i + 1 < rep->elements; i += 2) {
		f = rep->element[i];
		x = rep->element[i + 1];
		if (f->type != REDIS_REPLY_STRING || x->type != REDIS_REPLY_STRING)
			continue;
		if (!tide_utf8_valid(f->str, f->len) ||
		    !tide_utf8_valid(x->str, x->len))
			return fail(err, TIDE_EFORMAT, "redis key '%.*s' holds "
			    "a field that is not UTF-8", (int)v->key.len,
			    v->key.data);
		tide_jobj_key(&o, f->str, f->len);
		if (is_json_text(x->str, x->len))
			tide_buf_add(&v->res, x->str, x->len);
		else
			tide_json_write_str(&v->res, x->str, x->len);
	}
	tide_jobj_end(&o);
	return 1;
}

static int
fetch(struct tide_redisview *v, struct tide_redisview_err *err)
{
	redisReply *rep;
	const char *argv[2];
	size_t len[2];
	enum tide_json_type t;
	int r, tries;

	argv[1] = v->key.data;
	len[1] = v->key.len;
	for (tries = 0; tries < 2; tries++) {
		argv[0] = v->mode == 0 ? "HGETALL" : "GET";
		len[0] = strlen(argv[0]);
		if ((rep = command(v, err, 2, argv, len)) == NULL)
			return TIDE_EIO;
		if (rep->type == REDIS_REPLY_ERROR &&
		    strncmp(rep->str, "WRONGTYPE", 9) == 0) {
			/* A view of the other kind: remember and ask again. */
			v->mode = !v->mode;
			freeReplyObject(rep);
			continue;
		}
		if (rep->type == REDIS_REPLY_ERROR)
			r = fail(err, TIDE_EIO, "redis %s:%d: %s: %s",
			    v->url.host, v->url.port, argv[0], rep->str);
		else if (rep->type == REDIS_REPLY_NIL ||
		    (rep->type == REDIS_REPLY_ARRAY && rep->elements == 0))
			r = 0;
		else if (rep->type == REDIS_REPLY_ARRAY)
			r = hash_to_json(v, rep, err);
		else if (rep->type == REDIS_REPLY_STRING &&
		    tide_json_check(rep->str, rep->len, TIDE_JSON_MAXDEPTH, &t,
		    NULL) == 0 && t == TIDE_JSON_OBJECT) {
			tide_buf_reset(&v->res);
			tide_buf_add(&v->res, rep->str, rep->len);
			r = 1;
		} else
			r = fail(err, TIDE_EFORMAT, "redis key '%.*s' does not "
			    "hold a JSON object", (int)v->key.len, v->key.data);
		freeReplyObject(rep);
		return r;
	}
	return fail(err, TIDE_EFORMAT, "redis key '%.*s' is neither a hash nor "
	    "a string", (int)v->key.len, v->key.data);
}

int
tide_redisview_lookup(struct tide_redisview *v, const struct tide_json_val *k,
    int nkey, int64_t now_ms, const char **rec, size_t *len,
    struct tide_redisview_err *err)
{
	int r, found;

	if (v->rc == NULL)
		return fail(err, TIDE_EINVAL, "view is not open");
	if ((r = make_key(v, k, nkey, err)) < 0)
		return r;
	if (v->cache.cap > 0 && tide_viewcache_get(&v->cache, v->key.data,
	    v->key.len, now_ms, &found, rec, len))
		return found;
	if ((r = fetch(v, err)) < 0)
		return r;
	if (v->cache.cap > 0)
		tide_viewcache_put(&v->cache, v->key.data, v->key.len, now_ms,
		    r, v->res.data, v->res.len);
	*rec = v->res.data;
	*len = v->res.len;
	return r;
}
