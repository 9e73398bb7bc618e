/*
 * struct tide_htab: an open-addressing hash table (linear probing, power-of-
 * two capacity, load <= 0.75) from byte-string keys to a fixed-size value
 * slot.  Keys are copied into an arena owned by the table, so a caller may
 * look up with bytes that point into a record (zero-copy) and only an insert
 * of a new key copies it.  Values are vsize bytes stored inline next to the
 * key's hash; a pointer returned by tide_htab_get/put stays valid until the
 * next insert or delete (which may move entries): do not keep it across
 * calls that add keys.
 *
 * Deletion uses backward-shift (no tombstones), so a table whose keys come
 * and go (window state) does not degrade.  Key bytes of deleted entries are
 * reclaimed when tide_htab_compact() rewrites the arena (call it when
 * tide_htab_waste() grows large).
 */
#ifndef TIDE_HTAB_H
#define TIDE_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct tide_htab_ent {
	uint64_t hash;		/* 0 marks an empty slot */
	uint32_t klen;
	uint32_t koff;		/* key bytes at arena + koff, when not inline */
};

struct tide_htab {
	unsigned char *slots;	/* cap entries of entsize bytes */
	size_t cap, count, entsize, vsize;
	char *arena;
	size_t alen, acap, awaste;
};

uint64_t tide_hash(const void *p, size_t n);

void tide_htab_init(struct tide_htab *h, size_t vsize);
void tide_htab_release(struct tide_htab *h);
/* Remove every key, keeping the slots and the arena for the keys to come. */
void tide_htab_clear(struct tide_htab *h);
/* Value slot of key, or NULL. */
void *tide_htab_get(const struct tide_htab *h, const void *key, size_t klen);
/* Value slot of key, inserted zero-filled when new (*isnew set if not NULL). */
void *tide_htab_put(struct tide_htab *h, const void *key, size_t klen, int *isnew);
/* Remove key: 1 when it was there. */
int tide_htab_del(struct tide_htab *h, const void *key, size_t klen);
static inline size_t tide_htab_count(const struct tide_htab *h) { return h->count; }

/* Iterate: *pos starts at 0; returns the value slot and sets key/klen, or
 * NULL at the end.  Do not insert or delete while iterating. */
void *tide_htab_next(const struct tide_htab *h, size_t *pos, const char **key,
    size_t *klen);
/* Key of a value slot returned by get/put/next. */
const char *tide_htab_key(const struct tide_htab *h, const void *val, size_t *klen);
size_t tide_htab_waste(const struct tide_htab *h);
void tide_htab_compact(struct tide_htab *h);
/* Bytes held (slots + arena), for --stats and memory tests. */
size_t tide_htab_bytes(const struct tide_htab *h);

#endif
