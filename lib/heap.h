/*
 * struct tide_heap: a binary min-heap of (int64 priority, uint64 tie,
 * void *item) entries, ordered by priority then tie.  Used for window
 * firing by end time and for merging partitions by timestamp (ties broken
 * by partition, then offset -- pack them into tie).  The heap owns only its
 * array, not the items.
 */
#ifndef TIDE_HEAP_H
#define TIDE_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct tide_heap_ent {
	int64_t prio;
	uint64_t tie;
	void *item;
};

struct tide_heap {
	struct tide_heap_ent *e;
	size_t len, cap;
};

void tide_heap_init(struct tide_heap *h);
void tide_heap_release(struct tide_heap *h);
void tide_heap_push(struct tide_heap *h, int64_t prio, uint64_t tie, void *item);
/* The smallest entry, or NULL when empty. */
static inline const struct tide_heap_ent *
tide_heap_top(const struct tide_heap *h)
{
	return h->len ? &h->e[0] : NULL;
}
/* Remove the smallest entry into *out; 0 when empty. */
int tide_heap_pop(struct tide_heap *h, struct tide_heap_ent *out);
/* Replace the top's priority/tie (and item) and restore order: cheaper than
 * pop then push, for k-way merges. */
void tide_heap_replace_top(struct tide_heap *h, int64_t prio, uint64_t tie, void *item);

#endif
