/*
 * The two stores behind struct tide_view: thin adapters from the common
 * operations to lib/view/sqlview and lib/view/redisview: a record that
 * goes in, or a key looked up, costs one indirect call and one jump.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "view/view.h"

/* The stores' error structs are the shape of struct tide_view_err (the
 * assertions below hold it so): a store writes the caller's directly, and
 * each operation is one jump into the store's function. */
#define SQLERR(err) ((struct tide_sqlview_err *)(void *)(err))
#define REDISERR(err) ((struct tide_redisview_err *)(void *)(err))

_Static_assert(sizeof(struct tide_sqlview_err) == sizeof(struct tide_view_err) &&
    sizeof(((struct tide_sqlview_err *)0)->msg) ==
    sizeof(((struct tide_view_err *)0)->msg),
    "struct tide_sqlview_err is not struct tide_view_err's shape");
_Static_assert(sizeof(struct tide_redisview_err) == sizeof(struct tide_view_err) &&
    sizeof(((struct tide_redisview_err *)0)->msg) ==
    sizeof(((struct tide_view_err *)0)->msg),
    "struct tide_redisview_err is not struct tide_view_err's shape");

/* SQLite */

static int
sql_open(struct tide_view *v, const struct tide_view_conf *c,
    struct tide_view_err *err)
{
	struct tide_sqlview_conf sc;

	memset(&sc, 0, sizeof(sc));
	sc.path = c->target;
	sc.table = c->table;
	sc.nkey = c->nkey;
	memcpy(sc.keys, c->keys, sizeof(sc.keys));
	sc.ncol = c->ncol;
	sc.cols = c->cols;
	sc.timefield = c->timefield;
	sc.unit = c->unit;
	sc.history = c->history;
	sc.ttl_ms = c->ttl_ms;
	sc.batch = c->batch;
	sc.batch_ms = c->batch_ms;
	sc.busy_ms = c->busy_ms;
	return tide_sqlview_open(&v->u.sql, &sc, SQLERR(err));
}

static int
sql_open_reader(struct tide_view *v, const struct tide_view_conf *c,
    struct tide_view_err *err)
{
	return tide_sqlview_open_reader(&v->u.sql, c->target, c->table,
	    c->busy_ms, SQLERR(err));
}

static int
sql_put(struct tide_view *v, const char *rec, size_t n, int64_t now_ms,
    struct tide_view_err *err)
{
	return tide_sqlview_put(&v->u.sql, rec, n, now_ms, SQLERR(err));
}

static int
sql_tick(struct tide_view *v, int64_t now_ms, struct tide_view_err *err)
{
	return tide_sqlview_tick(&v->u.sql, now_ms, SQLERR(err));
}

static int
sql_commit(struct tide_view *v, struct tide_view_err *err)
{
	return tide_sqlview_commit(&v->u.sql, SQLERR(err));
}

static int
sql_lookup(struct tide_view *v, const struct tide_json_val *k, int nkey,
    int64_t now_ms, const char **rec, size_t *len, struct tide_view_err *err)
{
	return tide_sqlview_lookup(&v->u.sql, k, nkey, now_ms, rec, len,
	    SQLERR(err));
}

static int
sql_lookup_asof(struct tide_view *v, const struct tide_json_val *k, int nkey,
    int64_t t_ms, const char **rec, size_t *len, struct tide_view_err *err)
{
	return tide_sqlview_lookup_asof(&v->u.sql, k, nkey, t_ms, rec, len,
	    SQLERR(err));
}

static int sql_nkeys(const struct tide_view *v) { return tide_sqlview_nkeys(&v->u.sql); }
static const char *sql_keyname(const struct tide_view *v, int i) { return tide_sqlview_keyname(&v->u.sql, i); }
static int sql_is_history(const struct tide_view *v) { return tide_sqlview_is_history(&v->u.sql); }
static int sql_nfields(const struct tide_view *v) { return tide_sqlview_nfields(&v->u.sql); }
static char *const *sql_fields(const struct tide_view *v) { return v->u.sql.fields; }
static struct tide_viewcache *sql_cache(struct tide_view *v) { return &v->u.sql.cache; }

static void
sql_stats(const struct tide_view *v, struct tide_view_stats *st)
{
	st->upserts = v->u.sql.upserts;
	st->commits = v->u.sql.commits;
	st->expired = v->u.sql.expired;
	st->merged = v->u.sql.merged;
}

static void sql_close(struct tide_view *v) { tide_sqlview_close(&v->u.sql); }

const struct tide_view_ops tide_view_sqlite_ops = {
	"sqlite", 0, sql_open, sql_open_reader, sql_put, sql_tick, sql_commit,
	sql_lookup, sql_lookup_asof, sql_nkeys, sql_keyname, sql_is_history,
	sql_nfields, sql_fields, sql_cache, sql_stats, sql_close,
};

/* Redis */

static int
redis_open(struct tide_view *v, const struct tide_view_conf *c,
    struct tide_view_err *err)
{
	struct tide_redisview_conf rc;

	memset(&rc, 0, sizeof(rc));
	rc.url = c->target;
	rc.nkey = c->nkey;
	memcpy(rc.keys, c->keys, sizeof(rc.keys));
	rc.prefix = c->prefix;
	rc.ttl_ms = c->ttl_ms;
	rc.as_json = c->as_json;
	rc.batch = c->batch;
	rc.batch_ms = c->batch_ms;
	rc.timeout_ms = c->timeout_ms;
	return tide_redisview_open(&v->u.redis, &rc, REDISERR(err));
}

static int
redis_open_reader(struct tide_view *v, const struct tide_view_conf *c,
    struct tide_view_err *err)
{
	return tide_redisview_open_reader(&v->u.redis, c->target, c->prefix,
	    c->timeout_ms, REDISERR(err));
}

static int
redis_put(struct tide_view *v, const char *rec, size_t n, int64_t now_ms,
    struct tide_view_err *err)
{
	return tide_redisview_put(&v->u.redis, rec, n, now_ms, REDISERR(err));
}

static int
redis_tick(struct tide_view *v, int64_t now_ms, struct tide_view_err *err)
{
	return tide_redisview_tick(&v->u.redis, now_ms, REDISERR(err));
}

static int
redis_commit(struct tide_view *v, struct tide_view_err *err)
{
	return tide_redisview_commit(&v->u.redis, REDISERR(err));
}

static int
redis_lookup(struct tide_view *v, const struct tide_json_val *k, int nkey,
    int64_t now_ms, const char **rec, size_t *len, struct tide_view_err *err)
{
	return tide_redisview_lookup(&v->u.redis, k, nkey, now_ms, rec, len,
	    REDISERR(err));
}

static int redis_nkeys(const struct tide_view *v) { (void)v; return -1; }
static const char *redis_keyname(const struct tide_view *v, int i) { (void)v; (void)i; return NULL; }
static int redis_is_history(const struct tide_view *v) { (void)v; return 0; }
static int redis_nfields(const struct tide_view *v) { (void)v; return 0; }
static char *const *redis_fields(const struct tide_view *v) { (void)v; return NULL; }
static struct tide_viewcache *redis_cache(struct tide_view *v) { return &v->u.redis.cache; }

static void
redis_stats(const struct tide_view *v, struct tide_view_stats *st)
{
	st->upserts = v->u.redis.upserts;
	st->commits = v->u.redis.commits;
	st->expired = 0;
	st->merged = v->u.redis.merged;
}

static void redis_close(struct tide_view *v) { tide_redisview_close(&v->u.redis); }

const struct tide_view_ops tide_view_redis_ops = {
	"redis", 1, redis_open, redis_open_reader, redis_put, redis_tick,
	redis_commit, redis_lookup, NULL, redis_nkeys, redis_keyname,
	redis_is_history, redis_nfields, redis_fields, redis_cache,
	redis_stats, redis_close,
};

/* The view */

static const struct tide_view_ops *
ops_of(enum tide_view_kind kind)
{
	return kind == TIDE_VIEW_REDIS ? &tide_view_redis_ops :
	    &tide_view_sqlite_ops;
}

int
tide_view_open(struct tide_view *v, const struct tide_view_conf *conf,
    struct tide_view_err *err)
{
	memset(v, 0, sizeof(*v));
	v->ops = ops_of(conf->kind);
	return v->ops->open(v, conf, err);
}

int
tide_view_open_reader(struct tide_view *v, const struct tide_view_conf *conf,
    uint32_t cache_n, int64_t cache_ttl_ms, struct tide_view_err *err)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->ops = ops_of(conf->kind);
	if ((r = v->ops->open_reader(v, conf, err)) < 0)
		return r;
	tide_viewcache_release(v->ops->cache(v));
	tide_viewcache_init(v->ops->cache(v), cache_n, cache_ttl_ms);
	return 0;
}

int
tide_view_lookup_asof(struct tide_view *v, const struct tide_json_val *k,
    int nkey, int64_t t_ms, const char **rec, size_t *len,
    struct tide_view_err *err)
{
	if (v->ops->lookup_asof == NULL) {
		snprintf(err->msg, sizeof(err->msg), "a %s view keeps no history",
		    v->ops->name);
		return TIDE_EINVAL;
	}
	return v->ops->lookup_asof(v, k, nkey, t_ms, rec, len, err);
}

void
tide_view_clear_cache(struct tide_view *v)
{
	tide_viewcache_clear(v->ops->cache(v));
}

void
tide_view_stats(const struct tide_view *v, struct tide_view_stats *st)
{
	const struct tide_viewcache *c;

	memset(st, 0, sizeof(*st));
	v->ops->stats(v, st);
	c = v->ops->cache((struct tide_view *)v);
	st->hits = c->hits;
	st->misses = c->misses;
}

void
tide_view_close(struct tide_view *v)
{
	if (v->ops != NULL)
		v->ops->close(v);
	v->ops = NULL;
}
