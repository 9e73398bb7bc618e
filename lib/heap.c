#include <stdlib.h>

#include "heap.h"
#include "xalloc.h"

static inline int
less(const struct tide_heap_ent *a, const struct tide_heap_ent *b)
{
	return a->prio < b->prio || (a->prio == b->prio && a->tie < b->tie);
}

void
tide_heap_init(struct tide_heap *h)
{
	h->e = NULL;
	h->len = h->cap = 0;
}

void
tide_heap_release(struct tide_heap *h)
{
	free(h->e);
	tide_heap_init(h);
}

static void
sift_down(struct tide_heap *h, size_t i)
{
	struct tide_heap_ent x = h->e[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->len)
			break;
		if (c + 1 < h->len && less(&h->e[c + 1], &h->e[c]))
			c++;
		if (!less(&h->e[c], &x))
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	h->e[i] = x;
}

void
tide_heap_push(struct tide_heap *h, int64_t prio, uint64_t tie, void *item)
{
	struct tide_heap_ent x = { prio, tie, item };
	size_t i;

	if (h->len == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->e = tide_xreallocarray(h->e, h->cap, sizeof(*h->e));
	}
	i = h->len++;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!less(&x, &h->e[p]))
			break;
		h->e[i] = h->e[p];
		i = p;
	}
	h->e[i] = x;
}

int
tide_heap_pop(struct tide_heap *h, struct tide_heap_ent *out)
{
	if (h->len == 0)
		return 0;
	if (out)
		*out = h->e[0];
	h->e[0] = h->e[--h->len];
	if (h->len)
		sift_down(h, 0);
	return 1;
}

void
tide_heap_replace_top(struct tide_heap *h, int64_t prio, uint64_t tie, void *item)
{
	h->e[0].prio = prio;
	h->e[0].tie = tie;
	h->e[0].item = item;
	sift_down(h, 0);
}
