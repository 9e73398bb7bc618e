#include "merge.h"

#define OFFBITS 40
#define OFFMAX (((uint64_t)1 << OFFBITS) - 1)
#define PARTMAX (((uint64_t)1 << (64 - OFFBITS)) - 1)

static uint64_t
tie(const struct tide_merge_key *k)
{
	uint64_t p = (uint64_t)((int64_t)k->partition + 1);
	uint64_t o = k->offset < 0 ? 0 : (uint64_t)k->offset;

	if (p > PARTMAX)
		p = PARTMAX;
	if (o > OFFMAX)
		o = OFFMAX;
	return p << OFFBITS | o;
}

void
tide_merge_init(struct tide_merge *m)
{
	tide_heap_init(&m->heap);
}

void
tide_merge_release(struct tide_merge *m)
{
	tide_heap_release(&m->heap);
}

void
tide_merge_add(struct tide_merge *m, const struct tide_merge_key *k, void *src)
{
	tide_heap_push(&m->heap, k->ts, tie(k), src);
}

void *
tide_merge_top(const struct tide_merge *m)
{
	const struct tide_heap_ent *e = tide_heap_top(&m->heap);

	return e ? e->item : NULL;
}

void
tide_merge_advance(struct tide_merge *m, const struct tide_merge_key *k)
{
	tide_heap_replace_top(&m->heap, k->ts, tie(k), m->heap.e[0].item);
}

void
tide_merge_drop(struct tide_merge *m)
{
	struct tide_heap_ent e;

	tide_heap_pop(&m->heap, &e);
}

size_t
tide_merge_count(const struct tide_merge *m)
{
	return m->heap.len;
}

int
tide_merge_cmp(const struct tide_merge_key *a, const struct tide_merge_key *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->partition != b->partition)
		return a->partition < b->partition ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return 0;
}
