#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "xalloc.h"

/*
 * Layout: each slot is a struct tide_htab_ent followed by the value, the
 * whole rounded up to 8 bytes.  A zero hash marks an empty slot; real hashes
 * are forced non-zero.
 */

uint64_t
tide_hash(const void *p, size_t n)
{
	/* FNV-1a over 8-byte words, then a murmur-style finalizer: cheap for
	 * the short keys tide sees (account ids, merchant names). */
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ (n * 0x9E3779B97F4A7C15ULL);

	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

static inline struct tide_htab_ent *
slot(const struct tide_htab *h, size_t i)
{
	return (struct tide_htab_ent *)(void *)(h->slots + i * h->entsize);
}

static inline void *
value(struct tide_htab_ent *e)
{
	return (char *)e + sizeof(*e);
}

void
tide_htab_init(struct tide_htab *h, size_t vsize)
{
	memset(h, 0, sizeof(*h));
	h->vsize = vsize;
	h->entsize = (sizeof(struct tide_htab_ent) + vsize + 7) & ~(size_t)7;
}

void
tide_htab_release(struct tide_htab *h)
{
	free(h->slots);
	free(h->arena);
	tide_htab_init(h, h->vsize);
}

void
tide_htab_clear(struct tide_htab *h)
{
	if (h->slots != NULL)
		memset(h->slots, 0, h->cap * h->entsize);
	h->count = 0;
	h->alen = 0;
	h->awaste = 0;
}

static void
resize(struct tide_htab *h, size_t cap)
{
	unsigned char *old = h->slots;
	size_t oldcap = h->cap, i;

	h->slots = tide_xcalloc(cap, h->entsize);
	h->cap = cap;
	for (i = 0; i < oldcap; i++) {
		struct tide_htab_ent *e = (void *)(old + i * h->entsize);
		size_t j;

		if (e->hash == 0)
			continue;
		j = e->hash & (cap - 1);
		while (slot(h, j)->hash)
			j = (j + 1) & (cap - 1);
		memcpy(slot(h, j), e, h->entsize);
	}
	free(old);
}

static struct tide_htab_ent *
find(const struct tide_htab *h, uint64_t hash, const void *key, size_t klen,
    size_t *idx)
{
	size_t i;

	if (h->cap == 0)
		return NULL;
	for (i = hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		struct tide_htab_ent *e = slot(h, i);

		if (e->hash == 0) {
			*idx = i;
			return NULL;
		}
		if (e->hash == hash && e->klen == klen &&
		    (klen == 0 || memcmp(h->arena + e->koff, key, klen) == 0)) {
			*idx = i;
			return e;
		}
	}
}

void *
tide_htab_get(const struct tide_htab *h, const void *key, size_t klen)
{
	size_t i;
	struct tide_htab_ent *e = find(h, tide_hash(key, klen), key, klen, &i);

	return e ? value(e) : NULL;
}

void *
tide_htab_put(struct tide_htab *h, const void *key, size_t klen, int *isnew)
{
	uint64_t hash = tide_hash(key, klen);
	struct tide_htab_ent *e;
	size_t i;

	if ((e = find(h, hash, key, klen, &i)) != NULL) {
		if (isnew)
			*isnew = 0;
		return value(e);
	}
	if ((h->count + 1) * 4 > h->cap * 3) {
		resize(h, h->cap ? h->cap * 2 : 16);
		find(h, hash, key, klen, &i);
	}
	if (h->acap - h->alen < klen) {
		size_t cap = h->acap ? h->acap : 256;

		while (cap - h->alen < klen)
			cap *= 2;
		h->arena = tide_xrealloc(h->arena, cap);
		h->acap = cap;
	}
	if (klen)
		memcpy(h->arena + h->alen, key, klen);
	e = slot(h, i);
	e->hash = hash;
	e->klen = (uint32_t)klen;
	e->koff = (uint32_t)h->alen;
	memset(value(e), 0, h->vsize);
	h->alen += klen;
	h->count++;
	if (isnew)
		*isnew = 1;
	return value(e);
}

int
tide_htab_del(struct tide_htab *h, const void *key, size_t klen)
{
	size_t i, j, mask = h->cap - 1;
	struct tide_htab_ent *e = find(h, tide_hash(key, klen), key, klen, &i);

	if (e == NULL)
		return 0;
	h->awaste += e->klen;
	h->count--;
	/* Backward-shift deletion: pull later entries of the run into the
	 * hole when their home slot allows it. */
	for (j = (i + 1) & mask;; j = (j + 1) & mask) {
		struct tide_htab_ent *n = slot(h, j);
		size_t home;

		if (n->hash == 0)
			break;
		home = n->hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			memcpy(slot(h, i), n, h->entsize);
			i = j;
		}
	}
	slot(h, i)->hash = 0;
	return 1;
}

void *
tide_htab_next(const struct tide_htab *h, size_t *pos, const char **key,
    size_t *klen)
{
	while (*pos < h->cap) {
		struct tide_htab_ent *e = slot(h, (*pos)++);

		if (e->hash) {
			if (key)
				*key = h->arena + e->koff;
			if (klen)
				*klen = e->klen;
			return value(e);
		}
	}
	return NULL;
}

const char *
tide_htab_key(const struct tide_htab *h, const void *val, size_t *klen)
{
	const struct tide_htab_ent *e = (const void *)((const char *)val - sizeof(*e));

	if (klen)
		*klen = e->klen;
	return h->arena + e->koff;
}

size_t
tide_htab_waste(const struct tide_htab *h)
{
	return h->awaste;
}

void
tide_htab_compact(struct tide_htab *h)
{
	char *arena = tide_xmalloc(h->alen - h->awaste + 1);
	size_t i, len = 0;

	for (i = 0; i < h->cap; i++) {
		struct tide_htab_ent *e = slot(h, i);

		if (e->hash == 0)
			continue;
		if (e->klen)
			memcpy(arena + len, h->arena + e->koff, e->klen);
		e->koff = (uint32_t)len;
		len += e->klen;
	}
	free(h->arena);
	h->arena = arena;
	h->alen = len;
	h->acap = len;
	h->awaste = 0;
}

size_t
tide_htab_bytes(const struct tide_htab *h)
{
	return h->cap * h->entsize + h->acap;
}
