/* LRU + time-bounded lookup cache for materialized views; see viewcache.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "view/viewcache.h"
#include "xalloc.h"

#define NIL UINT32_MAX

void
tide_viewcache_init(struct tide_viewcache *c, uint32_t cap, int64_t ttl_ms)
{
	memset(c, 0, sizeof(*c));
	if (ttl_ms <= 0)
		cap = 0;
	c->cap = cap;
	c->ttl_ms = ttl_ms;
	c->head = c->tail = NIL;
	tide_htab_init(&c->idx, sizeof(uint32_t));
	if (cap > 0)
		c->ent = tide_xcalloc(cap, sizeof(*c->ent));
}

void
tide_viewcache_release(struct tide_viewcache *c)
{
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		tide_buf_release(&c->ent[i].key);
		tide_buf_release(&c->ent[i].val);
	}
	free(c->ent);
	tide_htab_release(&c->idx);
	memset(c, 0, sizeof(*c));
}

static void
unlink_ent(struct tide_viewcache *c, uint32_t i)
{
	struct tide_viewcache_ent *e = &c->ent[i];

	if (e->prev != NIL)
		c->ent[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NIL)
		c->ent[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void
push_front(struct tide_viewcache *c, uint32_t i)
{
	struct tide_viewcache_ent *e = &c->ent[i];

	e->prev = NIL;
	e->next = c->head;
	if (c->head != NIL)
		c->ent[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

int
tide_viewcache_get(struct tide_viewcache *c, const void *key, size_t klen,
    int64_t now_ms, int *found, const char **val, size_t *vlen)
{
	struct tide_viewcache_ent *e;
	uint32_t *slot, i;

	if (c->cap == 0 || (slot = tide_htab_get(&c->idx, key, klen)) == NULL) {
		c->misses++;
		return 0;
	}
	i = *slot;
	e = &c->ent[i];
	/* A stale entry stays where it is: the put that follows reuses it. */
	if (now_ms - e->at >= c->ttl_ms || now_ms < e->at) {
		c->misses++;
		return 0;
	}
	if (c->head != i) {
		unlink_ent(c, i);
		push_front(c, i);
	}
	c->hits++;
	*found = e->found;
	*val = e->val.data;
	*vlen = e->val.len;
	return 1;
}

void
tide_viewcache_put(struct tide_viewcache *c, const void *key, size_t klen,
    int64_t now_ms, int found, const char *val, size_t vlen)
{
	struct tide_viewcache_ent *e;
	uint32_t *slot, i;
	int isnew;

	if (c->cap == 0)
		return;
	if ((slot = tide_htab_get(&c->idx, key, klen)) != NULL) {
		i = *slot;
		unlink_ent(c, i);
	} else {
		if (c->n < c->cap) {
			i = c->n++;
			tide_buf_init(&c->ent[i].key, TIDE_BUF_NOMAX);
			tide_buf_init(&c->ent[i].val, TIDE_BUF_NOMAX);
		} else {
			/* Evict the least recently used entry and reuse it. */
			i = c->tail;
			unlink_ent(c, i);
			tide_htab_del(&c->idx, c->ent[i].key.data,
			    c->ent[i].key.len);
			if (tide_htab_waste(&c->idx) > (1u << 20))
				tide_htab_compact(&c->idx);
		}
		e = &c->ent[i];
		tide_buf_reset(&e->key);
		(void)tide_buf_add(&e->key, key, klen);
		slot = tide_htab_put(&c->idx, key, klen, &isnew);
		*slot = i;
	}
	e = &c->ent[i];
	e->at = now_ms;
	e->found = found;
	tide_buf_reset(&e->val);
	if (found)
		(void)tide_buf_add(&e->val, val, vlen);
	push_front(c, i);
}

void
tide_viewcache_clear(struct tide_viewcache *c)
{
	uint32_t cap = c->cap;
	int64_t ttl = c->ttl_ms;

	tide_viewcache_release(c);
	tide_viewcache_init(c, cap, ttl);
}
