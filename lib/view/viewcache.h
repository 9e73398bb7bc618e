/*
 * struct tide_viewcache: a small lookup cache in front of a materialized
 * view (lib/sqlview, lib/redisview), so a join that sees the same key many
 * times in a row does not go to the store for each record.  It maps key
 * bytes to the record the view returned -- or to "absent", since a miss is
 * as worth remembering as a hit -- for at most ttl_ms, and evicts the least
 * recently used entry when full.  Entries own copies of their key and
 * value; a value pointer returned by tide_viewcache_get() stays valid until
 * the next put.  Time is passed in by the caller, so the cache never reads a
 * clock itself.
 */
#ifndef TIDE_VIEWCACHE_H
#define TIDE_VIEWCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"

struct tide_viewcache_ent {
	struct tide_buf key, val;
	int64_t at;		/* when it was stored, ms */
	int found;
	uint32_t prev, next;	/* LRU list; UINT32_MAX ends it */
};

struct tide_viewcache {
	struct tide_htab idx;		/* key -> uint32_t entry index */
	struct tide_viewcache_ent *ent;
	uint32_t cap, n;
	uint32_t head, tail;		/* most and least recently used */
	int64_t ttl_ms;
	uint64_t hits, misses;
};

/* A cache of cap entries that live ttl_ms each; cap 0 or ttl_ms 0 turns
 * it off (get never hits, put keeps nothing). */
void tide_viewcache_init(struct tide_viewcache *c, uint32_t cap, int64_t ttl_ms);
void tide_viewcache_release(struct tide_viewcache *c);

/*
 * Look key[0..klen) up at time now_ms.  Returns 1 when a fresh entry is
 * cached, with *found (0: the view did not have the key) and, when found,
 * *val and *vlen; returns 0 when the view must be asked.
 */
int tide_viewcache_get(struct tide_viewcache *c, const void *key, size_t klen,
    int64_t now_ms, int *found, const char **val, size_t *vlen);

/* Remember the view's answer for key (found, val[0..vlen)) as of now_ms. */
void tide_viewcache_put(struct tide_viewcache *c, const void *key, size_t klen,
    int64_t now_ms, int found, const char *val, size_t vlen);

/* Forget everything (after the caller knows the view changed). */
void tide_viewcache_clear(struct tide_viewcache *c);

#endif
