/*
 * struct tide_redisview: a materialized view in Redis -- the latest record
 * per key, for any client of a shared online store to read.
 *
 * Each record goes under the key PREFIX + its key value (a string as its
 * unescaped text, a number in canonical form; several key fields joined
 * with ':', each with '\' and ':' escaped by a '\', so that distinct
 * tuples are distinct keys), as a hash of its top-level fields (strings
 * unescaped, numbers, true, false and null as written, nested objects and
 * arrays as JSON text) or, with as_json, as one string holding the record
 * as written.  A hash is replaced, not merged: fields a newer record lacks
 * are gone.  With a ttl each key expires that long after its last write
 * (Redis's own clock).
 *
 * Writes are pipelined: commands are written in the Redis protocol into
 * one buffer per batch -- conf.batch records, or what came in conf.batch_ms
 * (the caller drives time through tide_redisview_tick) -- and sent in one
 * go; a batch's replies are read once the next batch is sent (one in
 * flight), or by tide_redisview_commit(), which waits for everything sent.
 * Within a batch only the last record of a key is sent (the others are
 * counted in merged).
 *
 * Atomicity is per record, not per batch.  A batch goes as MULTI/EXEC
 * transactions of up to conf.chunk records each, back to back in the same
 * write, and all of a record's commands (DEL, HSET, PEXPIRE; or SET) are
 * in one of them, so a reader never finds a key missing or half replaced.
 * Redis serves no one else while it runs a transaction: one transaction
 * per batch of 1000 records held a reader's lookup behind it for 3 ms or
 * so, where it now waits for one chunk at most -- about what Redis does
 * anyway between two lookups for a writer that pipelines without MULTI,
 * whose commands it reads 16 KiB at a time (some 80 records of 200
 * bytes).  A transaction costs the server about 4k instructions, against
 * some 25k per record: 32 records a chunk add 0.5% to a record's cost.
 * The price: a reader may see a batch partly applied, a
 * chunk at a time in the stream's order; and a writer killed while
 * sending a batch may leave its first chunks applied and not the rest, so
 * that each key of that batch holds either its record from before the
 * batch or its last one in it.  A batch never sent (not full yet, no
 * commit) is not applied at all.  Either way, feeding the stream again
 * from any earlier point converges to the same content, since a record
 * replaces its key whole.  (Promised before: a batch seen whole or not at
 * all, and a writer killed mid-batch leaving the store as of the previous
 * batch.  Neither holds now.)
 *
 * The default batch is one chunk.  The writer builds a batch on the CPU
 * without blocking, and on a machine shared with readers a reader whose
 * reply comes back while the writer runs waits for the writer's time
 * slice: with 1000-record batches a reader's p99 beside a writer flat out
 * was 674-796 us on 2 CPUs, with 32 it is 309-312 us (redis-cli --pipe in
 * the same runs: 316-385 us), for 11% fewer upserts a second alone
 * (373k -> 333k/s; the server is the limit).  A larger --batch buys
 * back the throughput and merges more repeated keys.
 *
 * Reads: tide_redisview_open_reader() and tide_redisview_lookup() give a
 * key's record back as a JSON object (HGETALL, or GET for as_json views,
 * told apart by the type of the key), through a small LRU cache.  Values of
 * a hash come back typed by their text: a value that reads as a JSON
 * number, true, false, null, object or array is one, anything else is a
 * string -- store with as_json where a string like "42" must stay a string.
 *
 * URLs: redis://[[user]:password@]host[:port][/db][?prefix=P].
 * lib never prints: rich error text goes to the caller's struct
 * tide_redisview_err.
 */
#ifndef TIDE_REDISVIEW_H
#define TIDE_REDISVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"
#include "json.h"
#include "view/viewcache.h"

#define TIDE_REDISVIEW_MAXKEYS 8
#define TIDE_REDISVIEW_BATCH 32	/* one chunk: see above */
#ifndef TIDE_REDISVIEW_CHUNK
#define TIDE_REDISVIEW_CHUNK 32	/* records per MULTI/EXEC */
#endif

struct tide_redisview_err {
	char msg[256];
};

/* How to open a view for writing.  Strings are borrowed for the call. */
struct tide_redisview_conf {
	const char *url;
	int nkey;
	const char *keys[TIDE_REDISVIEW_MAXKEYS];	/* key field paths */
	const char *prefix;		/* NULL: the URL's, or none */
	int64_t ttl_ms;			/* 0: no expiry */
	int as_json;			/* SET the record instead of a hash */
	uint64_t batch;			/* 0: TIDE_REDISVIEW_BATCH */
	uint64_t chunk;			/* records per transaction; 0:
					 * TIDE_REDISVIEW_CHUNK */
	int64_t batch_ms;		/* 0: commit by count only */
	int timeout_ms;			/* connect and reply timeout; 0: 5000 */
};

/* A parsed URL (tide_redisview_parse_url); strings owned. */
struct tide_redis_url {
	char *host;
	int port;
	int db;
	char *user, *password;		/* NULL when absent */
	char *prefix;			/* NULL when absent */
};

/* One record's commands in a batch being built. */
struct tide_redisview_rec {
	size_t off, len;		/* bytes in out */
	uint64_t ncmd;			/* commands */
	int dead;			/* replaced by a later record of its key */
};

struct tide_redisview {
	struct redisContext *rc;
	struct tide_redis_url url;
	char *prefix;
	size_t plen;
	int nkey;
	struct tide_path path[TIDE_REDISVIEW_MAXKEYS];
	struct tide_json_val *vals;
	int as_json;
	int64_t ttl_ms;
	char ttltext[24];

	/* The batch's commands in the Redis protocol (out), the command
	 * being built (cmd, argc arguments). */
	struct tide_buf out, cmd, key, kpart;
	size_t argc;
	/* The batch's records: their commands in out, and by key the last
	 * one (the index of its rec), so an earlier one is dropped. */
	struct tide_redisview_rec *recs;
	size_t nrec, reccap;
	struct tide_htab seen;

	uint64_t batch, chunk, inbatch, queued;
	uint64_t inflight;		/* replies due for the batch sent last */
	int64_t batch_ms, batch_start;

	int mode;			/* reader: 0 hash, 1 string */
	struct tide_buf res, ckey;
	struct tide_viewcache cache;
	uint64_t upserts, commits;
	uint64_t merged;		/* records replaced within their batch */
};

/* Parse a redis:// URL: 0 or TIDE_EINVAL with err.  Release with
 * tide_redis_url_release() either way. */
int tide_redis_url_parse(struct tide_redis_url *u, const char *url,
    struct tide_redisview_err *err);
void tide_redis_url_release(struct tide_redis_url *u);

/*
 * Connect for writing.  Returns 0, TIDE_EINVAL (a bad URL or key path) or
 * TIDE_EIO (cannot connect, authenticate or select the database), with err
 * saying why.  Call tide_redisview_close() either way.
 */
int tide_redisview_open(struct tide_redisview *v,
    const struct tide_redisview_conf *conf, struct tide_redisview_err *err);

/*
 * Queue one record, the validated JSON object rec[0..n), in the current
 * batch (sending it when it reaches conf.batch records).  Returns 0, or
 * for a record left out: TIDE_ENOENT (a key field absent or null),
 * TIDE_ETYPE (a key that is an object or array); or TIDE_EIO when Redis
 * failed or refused the batch (treat it as fatal).
 */
int tide_redisview_put(struct tide_redisview *v, const char *rec, size_t n,
    int64_t now_ms, struct tide_redisview_err *err);
/* Send the open batch if conf.batch_ms has passed since it began and wait
 * for everything sent: 1 when it did, 0 when not, TIDE_EIO. */
int tide_redisview_tick(struct tide_redisview *v, int64_t now_ms,
    struct tide_redisview_err *err);
/* Send the open batch now and wait for Redis to apply it: 0 or TIDE_EIO. */
int tide_redisview_commit(struct tide_redisview *v,
    struct tide_redisview_err *err);
/* Disconnect; a batch not committed is discarded. */
void tide_redisview_close(struct tide_redisview *v);

/* Connect for lookups; prefix NULL takes the URL's.  0, TIDE_EINVAL or
 * TIDE_EIO with err. */
int tide_redisview_open_reader(struct tide_redisview *v, const char *url,
    const char *prefix, int timeout_ms, struct tide_redisview_err *err);
/* Cache up to n lookups for ttl_ms each (0 turns the cache off). */
void tide_redisview_set_cache(struct tide_redisview *v, uint32_t n,
    int64_t ttl_ms);
/*
 * The record of key values k[0..nkey) as a JSON object: 1 with *rec and
 * *len (valid until the next lookup), 0 when absent, TIDE_ENOENT /
 * TIDE_ETYPE for an unusable key value, TIDE_EFORMAT when the key holds
 * something that is not a record (a string that is not a JSON object, a
 * list...), TIDE_EIO when Redis failed.
 */
int tide_redisview_lookup(struct tide_redisview *v,
    const struct tide_json_val *k, int nkey, int64_t now_ms, const char **rec,
    size_t *len, struct tide_redisview_err *err);

#endif
