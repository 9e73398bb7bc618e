#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "agg.h"
#include "bigmem.h"
#include "err.h"
#include "sat.h"
#include "ser.h"
#include "window.h"
#include "xalloc.h"

#define NONE UINT32_MAX

/* Per-record values of one over-window entry; raw bytes live in the key's
 * arena at off, so the arena may move. */
struct ovv {
	enum tide_json_type type;
	double num;
	uint32_t off, len;
};

/* The records of one key that a rolling window may still need, in arrival
 * order. */
struct over {
	int64_t *t;
	struct ovv *v;		/* n * nfields */
	uint32_t n, cap;
	struct tide_buf raw;
	size_t liveraw;
	int64_t maxt;
};

/* An entry's raw bytes.  The arena has no memory until a value has bytes,
 * and NULL + 0 is undefined in C. */
static inline const char *
ov_raw(const struct over *ov, uint32_t off)
{
	return ov->raw.data != NULL ? ov->raw.data + off : "";
}

/* Key bytes up to this long live in struct wkey itself: no allocation per
 * key and no second cache miss to compare them. */
#define KINLINE 20

/*
 * The first 64 bytes hold what a record's lookup and a firing touch (key
 * bytes, sort prefix, states); the keys array is 64-byte aligned and a
 * key is 128 bytes, so that is one cache line.
 */
struct wkey {
	uint32_t len;
	uint32_t nst;
	struct kst *st;		/* open states, sorted by start */
	char ib[KINLINE];	/* key bytes up to KINLINE */
	uint32_t spare32;
	uint64_t pfx;		/* first 8 bytes, big-endian: sorts like memcmp */
	uint32_t cap;
	unsigned char used;
	unsigned char idle;	/* no open state: freed by the next sweep */
	unsigned char dirty;	/* early/every: changed since its last result */
	int64_t spare64;
	/* 64 */
	char *p;		/* key bytes when longer than KINLINE */
	uint64_t hash;
	int64_t dlo, dhi;	/* early/every: panes changed, first and last */
	int64_t expire;		/* over: when all its entries are dead */
	struct over *ov;
	uint32_t gen;		/* bumped on free: heap entries name a key by it */
	uint32_t nextfree;
	uint64_t spare;		/* to 128 bytes */
};

/* A key's open state and its start, kept with it so that finding a pane
 * does not touch the states. */
_Static_assert(sizeof(struct wkey) == 128, "struct wkey: two cache lines");

struct kst {
	int64_t start;
	uint32_t idx;
};

struct wstate {
	int64_t start, end;
	uint32_t kid, gen, nextfree;
	unsigned char used, fired, emitted;
	unsigned char dirty;	/* session, early/every: changed */
};

/* After each aggregate block: the first bytes of its key (len > KBLOB:
 * only in struct wkey). */
#define KBLOB 15

struct kb {
	unsigned char len;
	char b[KBLOB];
};

struct wfire {
	uint64_t pfx;
	int64_t start, end;
	uint32_t kid, idx;
};

/* Tumble and hop: the panes that start at one time, each with its key's
 * sort prefix, so that sorting and merging lists rarely touch the keys. */
struct wpent {
	uint64_t pfx;
	uint32_t idx, kid;
};

struct wpane {
	int64_t start;
	struct wpent *idx;
	uint32_t n, cap;
	int sorted;		/* idx is in key order */
};

/* Hop: a sorted run of pane entries being merged. */
struct wcur {
	const struct wpent *e;
	size_t n;
};

/* The large arrays (keys, their index, states and aggregate blocks) are
 * read at random: lib/bigmem.h puts them on huge pages. */

static char *
blob(const struct tide_win *w, uint32_t idx)
{
	return w->blob + (size_t)idx * w->bsz;
}

/* Hop: the memo of a state's block. */
static struct tide_win_memo *
memo_of(const struct tide_win *w, uint32_t idx)
{
	return (struct tide_win_memo *)(blob(w, idx) + w->moff);
}

/* The key of a state as its block's tail holds it: NULL when longer than
 * KBLOB. */
static const char *
blob_key(const struct tide_win *w, uint32_t idx, size_t *len)
{
	const struct kb *kb = (const struct kb *)(blob(w, idx) + w->koff);

	*len = kb->len;
	return kb->len <= KBLOB ? kb->b : NULL;
}

int64_t
tide_win_floor(int64_t t, int64_t d, int64_t align)
{
	/* Only the offset's remainder counts: reduced first, t - a cannot
	 * run past the int64 range for any offset the user gives. */
	int64_t a = align % d, x, base;

	if (a < 0)
		a += d;
	x = tide_sat_sub(t, a);
	base = x - x % d;
	if (x % d < 0)
		base = tide_sat_sub(base, d);
	return tide_sat_add(base, a);
}

int64_t
tide_gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

static uint64_t
tie(uint32_t gen, uint32_t idx)
{
	return (uint64_t)gen << 32 | idx;
}

/*
 * Whether merging one block into an empty one gives a block that emits
 * the same bytes: then a hop window holding a single pane of its key
 * (most windows when keys are sparse) is emitted from that pane, as
 * tumble does, without a merge.  Sums qualify: the merged block's s + c
 * is the pane's s + c rounded once.  Sketches need not.
 */
static int
single_pane_ok(const struct tide_aggspec *s)
{
	int i;

	for (i = 0; i < s->naggs; i++)
		switch (s->aggs[i].op) {
		case TIDE_AGG_COUNT:
		case TIDE_AGG_SUM:
		case TIDE_AGG_AVG:
		case TIDE_AGG_MIN:
		case TIDE_AGG_MAX:
		case TIDE_AGG_FIRST:
		case TIDE_AGG_LAST:
			break;
		default:
			return 0;
		}
	return 1;
}

void
tide_win_init(struct tide_win *w, const struct tide_win_conf *c,
    tide_win_emit_fn emit, void *ctx)
{
	int usememo = 0;

	memset(w, 0, sizeof(*w));
	w->c = *c;
	w->emit = emit;
	w->ctx = ctx;
	w->wm = INT64_MIN;
	w->fired_to = INT64_MIN;
	w->due = INT64_MIN;
	w->last_tick = INT64_MIN;
	w->freekey = NONE;
	w->freest = NONE;
	if (c->kind == TIDE_WIN_TUMBLE) {
		w->pane = c->size;
		w->c.every = c->size;
	} else if (c->kind == TIDE_WIN_HOP) {
		w->pane = tide_gcd64(c->size, c->every);
		/* A pane is in several windows, and most of them emit the
		 * pane's block as it stands when keys are sparse. */
		usememo = w->pane < c->size && single_pane_ok(c->spec);
	}
	tide_heap_init(&w->heap);
	/* A block is followed by the first bytes of its key (struct kb), so
	 * that a firing reads one cache line per window. */
	w->koff = (c->spec->size + 7) & ~(size_t)7;
	for (w->bsz = 8; w->bsz < w->koff + sizeof(struct kb) && w->bsz < 64;)
		w->bsz *= 2;
	if (w->bsz < w->koff + sizeof(struct kb))
		w->bsz = (w->koff + sizeof(struct kb) + 63) & ~(size_t)63;
	/* A memo is the cache line after its block: the two are fetched
	 * together, and come from one page. */
	if (usememo) {
		w->moff = (w->bsz + 63) & ~(size_t)63;
		w->bsz = w->moff + sizeof(struct tide_win_memo);
	}
	w->scratch = tide_xcalloc(1, c->spec->size ? c->spec->size : 1);
	tide_agg_init(c->spec, w->scratch);
	w->vscratch = tide_xcalloc((size_t)c->spec->nfields + 1,
	    sizeof(*w->vscratch));
	w->memnext = c->max_memory ? 0 : UINT64_MAX;
}

static void
over_free(struct over *ov)
{
	if (ov == NULL)
		return;
	free(ov->t);
	free(ov->v);
	tide_buf_release(&ov->raw);
	free(ov);
}

void
tide_win_release(struct tide_win *w)
{
	uint32_t i;

	for (i = 0; i < w->nst; i++)
		if (w->st[i].used)
			tide_agg_clear(w->c.spec, blob(w, i));
	for (i = 0; i < w->nkeys; i++)
		if (w->keys[i].used) {
			free(w->keys[i].p);
			free(w->keys[i].st);
			over_free(w->keys[i].ov);
		}
	for (i = 0; i < w->npanes; i++)
		free(w->panes[i].idx);
	for (i = 0; i < w->nspare; i++)
		free(w->spare[i].idx);
	tide_agg_clear(w->c.spec, w->scratch);
	free(w->scratch);
	free(w->vscratch);
	free(w->keys);
	free(w->kslot);
	free(w->st);
	free(w->blob);
	free(w->fire);
	free(w->ptmp);
	free(w->ptmp2);
	free(w->cur);
	free(w->dirty);
	free(w->panes);
	free(w->spare);
	tide_heap_release(&w->heap);
	memset(w, 0, sizeof(*w));
}

size_t
tide_win_keys(const struct tide_win *w)
{
	return w->livekeys - w->nidle;
}

size_t
tide_win_states(const struct tide_win *w)
{
	return w->livest;
}

/* --- keys ------------------------------------------------------------- */

/*
 * The key index: open addressing over 8-byte slots, (hash >> 32) << 32 |
 * (key id + 1), 0 for empty, load at most 1/2.  The key bytes are compared
 * in struct wkey, which the caller needs next anyway, so a lookup costs
 * about two cache misses.
 */
static const char *
kbytes(const struct wkey *k)
{
	return k->len <= KINLINE ? k->ib : k->p;
}

static uint64_t
key_pfx(const char *key, size_t klen)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (i < klen ? (unsigned char)key[i] : 0);
	return v;
}

static uint32_t
kidx_find(const struct tide_win *w, uint64_t hash, const char *key,
    size_t klen, size_t *pos)
{
	uint64_t tag = hash >> 32 << 32;
	size_t i, mask = w->kcap - 1;

	if (w->kcap == 0) {
		*pos = 0;
		return NONE;
	}
	for (i = hash & mask;; i = (i + 1) & mask) {
		uint64_t sl = w->kslot[i];
		const struct wkey *k;

		if (sl == 0) {
			*pos = i;
			return NONE;
		}
		if ((sl & 0xffffffff00000000ULL) != tag)
			continue;
		k = &w->keys[(uint32_t)sl - 1];
		if (k->len == klen && memcmp(kbytes(k), key, klen) == 0) {
			*pos = i;
			return (uint32_t)sl - 1;
		}
	}
}

static void
kidx_grow(struct tide_win *w)
{
	size_t cap = w->kcap ? 2 * w->kcap : 1024, i, j;
	uint64_t *old = w->kslot;

	w->kslot = tide_big_alloc(cap * sizeof(*w->kslot));
	memset(w->kslot, 0, cap * sizeof(*w->kslot));
	for (i = 0; i < w->kcap; i++) {
		if (old[i] == 0)
			continue;
		j = w->keys[(uint32_t)old[i] - 1].hash & (cap - 1);
		while (w->kslot[j])
			j = (j + 1) & (cap - 1);
		w->kslot[j] = old[i];
	}
	free(old);
	w->kcap = cap;
}

static void
kidx_del(struct tide_win *w, const struct wkey *k)
{
	size_t i, j, mask = w->kcap - 1;

	if (kidx_find(w, k->hash, kbytes(k), k->len, &i) == NONE)
		return;
	w->kcount--;
	/* Backward-shift deletion: no tombstones, so churn does not degrade
	 * the table. */
	for (j = (i + 1) & mask; w->kslot[j]; j = (j + 1) & mask) {
		size_t home = w->keys[(uint32_t)w->kslot[j] - 1].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			w->kslot[i] = w->kslot[j];
			i = j;
		}
	}
	w->kslot[i] = 0;
}

/* The number a cgroup limit file holds, or 0 for none ("max", v1's
 * near-2^63 "unlimited", unreadable). */
static unsigned long long
limit_file(const char *path)
{
	char buf[64], *end;
	unsigned long long v;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return 0;
	v = strtoull(buf, &end, 10);
	if (*end != '\0' && *end != '\n')
		return 0;
	return v >= 1ULL << 60 ? 0 : v;
}

size_t
tide_win_cgroup_limit(const char *cgfile, const char *root)
{
	char line[4096], path[4600], *p, *ctl, *cg, *save;
	unsigned long long v1 = 0, v2 = 0;
	FILE *fp;

	if ((fp = fopen(cgfile, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		/* hierarchy-id:controllers:path */
		if ((ctl = strchr(line, ':')) == NULL ||
		    (cg = strchr(ctl + 1, ':')) == NULL)
			continue;
		*cg++ = '\0';
		*ctl++ = '\0';
		if (strcmp(line, "0") == 0 && *ctl == '\0') {
			snprintf(path, sizeof(path), "%s%s/memory.max", root, cg);
			v2 = limit_file(path);
			continue;
		}
		for (p = strtok_r(ctl, ",", &save); p;
		    p = strtok_r(NULL, ",", &save))
			if (strcmp(p, "memory") == 0) {
				snprintf(path, sizeof(path), "%s/memory%s/"
				    "memory.limit_in_bytes", root, cg);
				v1 = limit_file(path);
			}
	}
	fclose(fp);
	if (v1 && (!v2 || v1 < v2))
		v2 = v1;
	return v2 > SIZE_MAX ? SIZE_MAX : (size_t)v2;
}

size_t
tide_win_default_max_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	unsigned long long mem, half;
	size_t cg;

	if (pages <= 0 || psz <= 0)
		return 0;
	mem = (unsigned long long)pages * (unsigned long long)psz;
	cg = tide_win_cgroup_limit("/proc/self/cgroup", "/sys/fs/cgroup");
	if (cg > 0 && cg < mem)
		mem = cg;
	half = mem / 2 & ~((1ULL << 20) - 1);
	return half > SIZE_MAX ? SIZE_MAX : (size_t)half;
}

/* Resident bytes: the second field of /proc/self/statm, in pages. */

size_t
tide_win_resident(void)
{
	char buf[128];
	unsigned long long size, res;
	struct rusage ru;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (sscanf(buf, "%llu %llu", &size, &res) == 2)
				return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
		}
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		return (size_t)ru.ru_maxrss * 1024;	/* KB on Linux */
	return 0;
}

/* Sample the resident size against max_memory; the next sample is due
 * after TIDE_WIN_MEMSTEP more bytes of growth. */
static void
mem_sample(struct tide_win *w)
{
	uint64_t g = w->c.spec->mem->grown;

	w->memover = tide_win_resident() > w->c.max_memory;
	w->memnext = g + TIDE_WIN_MEMSTEP > g ? g + TIDE_WIN_MEMSTEP :
	    UINT64_MAX;
}

/*
 * Past max_memory (as last sampled), a record must not make an open key's
 * state grow: 1 when adding vals to the block at idx (NONE: a new, empty
 * block of the key) would hold new values (tide_agg_grows), or always
 * with always set (--over keeps every record).  Every
 * TIDE_WIN_MEMEVERY such records the size is sampled again, so that
 * memory freed by windows that closed lets keys grow again.
 */
static int
mem_refuse(struct tide_win *w, uint32_t idx, const struct tide_aggval *vals,
    int always)
{
	const void *st;

	if (!w->memover)
		return 0;
	if (!always) {
		if (idx == NONE) {
			tide_agg_reset(w->c.spec, w->scratch);
			st = w->scratch;
		} else
			st = blob(w, idx);
		if (!tide_agg_grows(w->c.spec, st, vals))
			return 0;
	}
	if (w->memtick++ % TIDE_WIN_MEMEVERY == 0)
		mem_sample(w);
	return w->memover;
}

/* The key id of key, created when create is set: NONE when absent, or
 * NONE with *full set (TIDE_WIN_FULL, TIDE_WIN_MEMFULL) when a limit
 * stops a new one. */
static uint32_t
key_get(struct tide_win *w, const char *key, size_t klen, int create, int *full)
{
	uint64_t hash = tide_hash(key, klen);
	uint32_t kid;
	struct wkey *k;
	size_t pos;

	if ((kid = kidx_find(w, hash, key, klen, &pos)) != NONE) {
		k = &w->keys[kid];
		if (k->idle) {
			if (!create)
				return NONE;
			k->idle = 0;
			w->nidle--;
		}
		return kid;
	}
	if (!create)
		return NONE;
	if (w->c.max_keys && w->livekeys - w->nidle >= w->c.max_keys) {
		*full = TIDE_WIN_FULL;
		return NONE;
	}
	if (w->c.max_memory) {
		if (w->memtick++ % TIDE_WIN_MEMEVERY == 0)
			mem_sample(w);
		if (w->memover) {
			*full = TIDE_WIN_MEMFULL;
			return NONE;
		}
	}
	if ((w->kcount + 1) * 2 > w->kcap) {
		kidx_grow(w);
		kidx_find(w, hash, key, klen, &pos);
	}
	if (w->freekey != NONE) {
		kid = w->freekey;
		w->freekey = w->keys[kid].nextfree;
	} else {
		if (w->nkeys == w->capkeys) {
			/* Aligned, so a key's first half is one cache line. */
			size_t cap = w->capkeys ? 2 * (size_t)w->capkeys : 1024;

			w->keys = tide_big_grow_lines(w->keys,
			    w->nkeys * sizeof(*w->keys), cap * sizeof(*w->keys));
			w->capkeys = (uint32_t)cap;
		}
		kid = w->nkeys++;
		w->keys[kid].gen = 0;
	}
	k = &w->keys[kid];
	k->p = NULL;
	if (klen > KINLINE)
		k->p = tide_xmemdup(key, klen);
	else
		memcpy(k->ib, key, klen);
	k->len = (uint32_t)klen;
	k->hash = hash;
	k->pfx = key_pfx(key, klen);
	k->st = NULL;
	k->nst = k->cap = 0;
	k->expire = INT64_MIN;
	k->dirty = 0;
	k->dlo = k->dhi = 0;	/* saved by --state in every mode */
	k->ov = NULL;
	k->used = 1;
	k->idle = 0;
	w->kslot[pos] = (hash >> 32 << 32) | ((uint64_t)kid + 1);
	w->kcount++;
	w->livekeys++;
	return kid;
}

static void
key_free(struct tide_win *w, uint32_t kid)
{
	struct wkey *k = &w->keys[kid];

	if (k->idle) {
		k->idle = 0;
		w->nidle--;
	}
	kidx_del(w, k);
	free(k->p);
	free(k->st);
	over_free(k->ov);
	k->p = NULL;
	k->st = NULL;
	k->ov = NULL;
	k->used = 0;
	k->gen++;
	k->nextfree = w->freekey;
	w->freekey = kid;
	w->livekeys--;
}

/*
 * A key whose last window closed is kept for a while: keys recur, and
 * keeping them saves a free and an allocation per window.  Once idle keys
 * number IDLE_KEEP and outnumber the keys with open windows, they all go,
 * so memory follows the open windows plus at most IDLE_KEEP keys
 * (about 100 bytes each).
 */
#define IDLE_KEEP 131072

static void
key_idle(struct tide_win *w, uint32_t kid)
{
	uint32_t i;

	w->keys[kid].idle = 1;
	w->nidle++;
	if (w->nidle < IDLE_KEEP || w->nidle < w->livekeys - w->nidle)
		return;
	for (i = 0; i < w->nkeys; i++)
		if (w->keys[i].used && w->keys[i].idle)
			key_free(w, i);
}

void
tide_win_prefetch(const struct tide_win *w, const char *key, size_t klen,
    int stage)
{
	uint64_t hash, tag;
	size_t i, mask = w->kcap - 1;

	if (w->kcap == 0 || w->c.kind == TIDE_WIN_OVER)
		return;
	hash = tide_hash(key, klen);
	i = hash & mask;
	if (stage == 1) {
		__builtin_prefetch(&w->kslot[i]);
		return;
	}
	/* The slot is in cache by now: fetch the key it names (stage 2),
	 * then, the key being in cache too, its list of states (stage 3). */
	tag = hash >> 32 << 32;
	for (; w->kslot[i]; i = (i + 1) & mask)
		if ((w->kslot[i] & 0xffffffff00000000ULL) == tag) {
			const struct wkey *k = &w->keys[(uint32_t)w->kslot[i] - 1];

			if (stage == 2)
				__builtin_prefetch(k);
			else if (k->st != NULL)
				__builtin_prefetch(k->st + (k->nst ? k->nst - 1 : 0));
			return;
		}
}

/* --- states ----------------------------------------------------------- */

static uint32_t
state_new(struct tide_win *w, uint32_t kid, int64_t start, int64_t end)
{
	struct wkey *k;
	struct wstate *s;
	struct kb *kb;
	uint32_t idx, i;

	if (w->freest != NONE) {
		idx = w->freest;
		w->freest = w->st[idx].nextfree;
		/* The free list is a chain through the states: fetch the
		 * next link and block now, not when the next record waits
		 * on them. */
		if (w->freest != NONE) {
			__builtin_prefetch(&w->st[w->freest], 1);
			__builtin_prefetch(blob(w, w->freest), 1);
			if (w->moff)
				__builtin_prefetch(memo_of(w, w->freest), 1);
		}
	} else {
		if (w->nst == w->capst) {
			size_t old = w->capst, bs = w->bsz;

			w->capst = w->capst ? 2 * w->capst : 1024;
			w->st = tide_big_grow_lines(w->st, old * sizeof(*w->st),
			    (size_t)w->capst * sizeof(*w->st));
			w->blob = tide_big_grow_lines(w->blob, old * bs, (size_t)w->capst * bs);
		}
		idx = w->nst++;
		w->st[idx].gen = 0;
	}
	s = &w->st[idx];
	s->start = start;
	s->end = end;
	s->kid = kid;
	s->used = 1;
	s->fired = s->emitted = s->dirty = 0;
	tide_agg_init(w->c.spec, blob(w, idx));
	w->livest++;
	k = &w->keys[kid];
	kb = (struct kb *)(blob(w, idx) + w->koff);
	if (w->moff)
		memo_of(w, idx)->len = 0;
	if (k->len <= KBLOB) {
		kb->len = (unsigned char)k->len;
		memcpy(kb->b, kbytes(k), k->len);
	} else
		kb->len = KBLOB + 1;

	/* Insert into the key's list, kept sorted by start; new states are
	 * nearly always the latest. */
	if (k->nst == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 2;
		k->st = tide_xreallocarray(k->st, k->cap, sizeof(*k->st));
	}
	for (i = k->nst; i > 0 && k->st[i - 1].start > start; i--)
		k->st[i] = k->st[i - 1];
	k->st[i].start = start;
	k->st[i].idx = idx;
	k->nst++;
	return idx;
}

/* Free a state; the key goes idle when it was its last. */
static void
state_free(struct tide_win *w, uint32_t idx)
{
	struct wstate *s = &w->st[idx];
	struct wkey *k = &w->keys[s->kid];
	uint32_t i, j;

	for (i = 0, j = 0; i < k->nst; i++)
		if (k->st[i].idx != idx)
			k->st[j++] = k->st[i];
	k->nst = j;
	tide_agg_clear(w->c.spec, blob(w, idx));
	s->used = 0;
	s->gen++;
	s->nextfree = w->freest;
	w->freest = idx;
	w->livest--;
	if (k->nst == 0 && k->ov == NULL)
		key_idle(w, s->kid);
}

static void
push_state(struct tide_win *w, int64_t prio, uint32_t idx)
{
	tide_heap_push(&w->heap, prio, tie(w->st[idx].gen, idx), NULL);
}

static int
emit_state(struct tide_win *w, uint32_t idx, int update)
{
	struct wstate *s = &w->st[idx];
	struct wkey *k = &w->keys[s->kid];
	struct tide_win_out o;

	o.start = s->start;
	o.end = s->end;
	o.key = kbytes(k);
	o.klen = k->len;
	o.state = blob(w, idx);
	o.update = update;
	o.provisional = w->provisional;
	o.memo = NULL;
	if (w->provisional)
		w->early++;
	else if (update)
		w->updates++;
	else
		w->fired++;
	return w->emit(w->ctx, &o);
}

/* --- early and every: what changed since the last result ------------- */

static void
dirty_push(struct tide_win *w, uint32_t i)
{
	if (w->ndirty == w->capdirty) {
		w->capdirty = w->capdirty ? 2 * w->capdirty : 256;
		w->dirty = tide_xreallocarray(w->dirty, w->capdirty,
		    sizeof(*w->dirty));
	}
	w->dirty[w->ndirty++] = i;
}

/* Tumble, hop: the key's pane at ps took a record. */
static void
mark_key(struct tide_win *w, uint32_t kid, int64_t ps)
{
	struct wkey *k = &w->keys[kid];

	if (w->c.emit == TIDE_EMIT_FINAL)
		return;
	if (!k->dirty) {
		k->dirty = 1;
		k->dlo = k->dhi = ps;
		dirty_push(w, kid);
		return;
	}
	if (ps < k->dlo)
		k->dlo = ps;
	if (ps > k->dhi)
		k->dhi = ps;
}

/* Session: the state took a record. */
static void
mark_state(struct tide_win *w, uint32_t idx)
{
	if (w->c.emit == TIDE_EMIT_FINAL || w->st[idx].dirty)
		return;
	w->st[idx].dirty = 1;
	dirty_push(w, idx);
}

/* --- tumble and hop: panes -------------------------------------------- */

/*
 * Tumble is hop with every = size: one pane per window.  A record updates
 * the pane of its key that holds it; panes are listed by start time in
 * w->panes, so when the watermark passes a window end E, the keys to fire
 * are those with a pane in [E - size, E): the lists of size/pane pane
 * starts, not a heap entry per window.  fired_to is the last end fired:
 * every window ending at or before it is done.  A pane goes when every
 * window holding it is done and past the allowed lateness.
 */

/* The end of the last window that holds the pane starting at ps. */
static int64_t
pane_elast(const struct tide_win *w, int64_t ps)
{
	if (w->pane == w->c.size)
		return tide_sat_add(ps, w->c.size);
	return tide_win_floor(tide_sat_add(ps, w->c.size), w->c.every, w->c.align);
}

/* The end of the first window that holds the pane starting at ps. */
static int64_t
pane_efirst(const struct tide_win *w, int64_t ps)
{
	if (w->pane == w->c.size)
		return tide_sat_add(ps, w->c.size);
	return tide_sat_add(tide_win_floor(ps, w->c.every, w->c.align), w->c.every);
}

static struct wpane *
pane_list(struct tide_win *w, int64_t start)
{
	struct wpane *p;
	uint32_t lo = 0, hi = w->npanes;

	/* Nearly always the latest pane or one near it. */
	if (hi > 0 && w->panes[hi - 1].start == start)
		return &w->panes[hi - 1];
	if (hi > 0 && w->panes[hi - 1].start < start)
		lo = hi;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (w->panes[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < w->npanes && w->panes[lo].start == start)
		return &w->panes[lo];
	if (w->npanes == w->cappanes) {
		w->cappanes = w->cappanes ? 2 * w->cappanes : 16;
		w->panes = tide_xreallocarray(w->panes, w->cappanes,
		    sizeof(*w->panes));
	}
	memmove(&w->panes[lo + 1], &w->panes[lo],
	    (w->npanes - lo) * sizeof(*w->panes));
	w->npanes++;
	w->due = INT64_MIN;	/* it may fire before the next end due */
	p = &w->panes[lo];
	if (w->nspare > 0)
		*p = w->spare[--w->nspare];
	else
		memset(p, 0, sizeof(*p));
	p->start = start;
	p->n = 0;
	p->sorted = 0;
	return p;
}

/* Drop the first pane list, freeing its panes. */
static void
pane_drop_first(struct tide_win *w)
{
	struct wpane p = w->panes[0];
	uint32_t i;

	for (i = 0; i < p.n; i++) {
		if (i + 8 < p.n) {
			__builtin_prefetch(&w->st[p.idx[i + 8].idx]);
			__builtin_prefetch(&w->keys[p.idx[i + 8].kid]);
		}
		if (i + 4 < p.n)
			__builtin_prefetch(w->keys[p.idx[i + 4].kid].st);
		state_free(w, p.idx[i].idx);
	}
	memmove(&w->panes[0], &w->panes[1], (w->npanes - 1) * sizeof(*w->panes));
	w->npanes--;
	if (w->nspare == w->capspare) {
		w->capspare = w->capspare ? 2 * w->capspare : 8;
		w->spare = tide_xreallocarray(w->spare, w->capspare,
		    sizeof(*w->spare));
	}
	w->spare[w->nspare++] = p;
}

/* Emit window [end - size, end) of a key: its pane, or its panes merged. */
static int
emit_window(struct tide_win *w, uint32_t kid, int64_t end, uint32_t idx,
    int update)
{
	struct wkey *k = &w->keys[kid];
	struct tide_win_out o;
	int64_t start = tide_sat_sub(end, w->c.size);
	uint32_t i;

	o.state = NULL;
	if (w->pane == w->c.size) {
		if (idx == NONE)
			for (i = 0; i < k->nst; i++)
				if (k->st[i].start == start)
					idx = k->st[i].idx;
		o.state = blob(w, idx);
	} else {
		tide_agg_reset(w->c.spec, w->scratch);
		for (i = 0; i < k->nst; i++)
			if (k->st[i].start >= start && k->st[i].start < end)
				tide_agg_merge(w->c.spec, w->scratch,
				    blob(w, k->st[i].idx));
		o.state = w->scratch;
	}
	o.start = start;
	o.end = end;
	o.key = kbytes(k);
	o.klen = k->len;
	o.update = update;
	o.provisional = w->provisional;
	o.memo = NULL;
	if (w->provisional)
		w->early++;
	else if (update)
		w->updates++;
	else
		w->fired++;
	return w->emit(w->ctx, &o);
}

/*
 * The pane holding t, and the ends of its first and last windows: kept
 * for the next record, which nearly always falls in the same pane (each
 * costs divisions).  Only a pane away from the int64 limits is kept,
 * where tide_win_floor() does not saturate.
 */
static int64_t
pane_of(struct tide_win *w, int64_t t, int64_t *efirst, int64_t *elast)
{
	int64_t ps, lo, hi;

	if (t >= w->cps && t < w->cpe) {
		*efirst = w->cefirst;
		*elast = w->celast;
		return w->cps;
	}
	ps = tide_win_floor(t, w->pane, w->c.align);
	*efirst = pane_efirst(w, ps);
	*elast = pane_elast(w, ps);
	if (ps <= t && !__builtin_sub_overflow(ps, w->pane, &lo) &&
	    !__builtin_add_overflow(ps, w->pane, &hi)) {
		w->cps = ps;
		w->cpe = hi;
		w->cefirst = *efirst;
		w->celast = *elast;
	}
	return ps;
}

static int
add_pane(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals)
{
	int64_t efirst, elast, e;
	int64_t ps = pane_of(w, t, &efirst, &elast);
	uint32_t kid, idx = NONE, i;
	int full = 0, isnew = 0, r;
	struct wkey *k;

	if (tide_sat_add(elast, w->c.lateness) <= w->wm)
		return TIDE_WIN_LATE;
	if ((kid = key_get(w, key, klen, 1, &full)) == NONE)
		return full;
	k = &w->keys[kid];
	for (i = k->nst; i > 0; i--)
		if (k->st[i - 1].start == ps) {
			idx = k->st[i - 1].idx;
			break;
		} else if (k->st[i - 1].start < ps)
			break;
	if (mem_refuse(w, idx, vals, 0))
		return TIDE_WIN_MEMGROW;
	if (idx == NONE) {
		struct wpane *p;

		idx = state_new(w, kid, ps, tide_sat_add(ps, w->pane));
		p = pane_list(w, ps);
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 64;
			p->idx = tide_xreallocarray(p->idx, p->cap, sizeof(*p->idx));
		}
		p->idx[p->n].pfx = k->pfx;
		p->idx[p->n].idx = idx;
		p->idx[p->n++].kid = kid;
		p->sorted = 0;
		isnew = 1;	/* not in any window emitted so far */
	}
	tide_agg_update(w->c.spec, blob(w, idx), t, vals);
	mark_key(w, kid, ps);
	if (w->fired_to < efirst)
		return 0;
	/* A window of the pane has fired: what the memo holds, if
	 * anything, is of the block as it was. */
	if (w->moff)
		memo_of(w, idx)->len = 0;
	/* Within the allowed lateness of windows already done: correct them
	 * now.  A window was emitted before if the key had a pane in it. */
	for (e = efirst; e <= elast && e <= w->fired_to;
	    e = tide_sat_add(e, w->c.every)) {
		int update = !isnew;

		if (tide_sat_add(e, w->c.lateness) <= w->wm)
			continue;
		if (!update) {
			uint32_t j;

			k = &w->keys[kid];
			for (j = 0; j < k->nst; j++) {
				int64_t s = k->st[j].start;

				if (k->st[j].idx != idx &&
				    s >= tide_sat_sub(e, w->c.size) && s < e)
					update = 1;
			}
		}
		if ((r = emit_window(w, kid, e, idx, update)) < 0)
			return r;
	}
	return 0;
}

/* --- session ---------------------------------------------------------- */

static int
add_session(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals)
{
	int64_t e = tide_sat_add(t, w->c.gap);
	uint32_t kid, first = NONE, i, n = 0;
	int full = 0, wasfired = 0, wasemitted = 0;
	struct wkey *k;
	struct wstate *s;

	kid = key_get(w, key, klen, 0, &full);
	if (kid != NONE) {
		k = &w->keys[kid];
		for (i = 0; i < k->nst; i++) {
			s = &w->st[k->st[i].idx];
			if (s->start < e && t < s->end) {
				if (first == NONE)
					first = k->st[i].idx;
				n++;
			}
		}
	}
	if (first == NONE) {
		if (tide_sat_add(e, w->c.lateness) <= w->wm)
			return TIDE_WIN_LATE;
		if (kid != NONE && mem_refuse(w, NONE, vals, 0))
			return TIDE_WIN_MEMGROW;
		if (kid == NONE && (kid = key_get(w, key, klen, 1, &full)) == NONE)
			return full;
		first = state_new(w, kid, t, e);
		push_state(w, e, first);
		tide_agg_update(w->c.spec, blob(w, first), t, vals);
		mark_state(w, first);
		return 0;
	}
	if (mem_refuse(w, first, vals, 0))
		return TIDE_WIN_MEMGROW;
	k = &w->keys[kid];
	s = &w->st[first];
	wasfired = s->fired;
	wasemitted = s->emitted;
	if (n > 1) {
		/* The record bridges sessions: fold the later ones into the
		 * first.  Overlapping sessions are adjacent in the sorted list. */
		uint32_t victims[64], nv = 0;

		for (i = 0; i < k->nst; i++) {
			struct wstate *o = &w->st[k->st[i].idx];

			if (k->st[i].idx == first || !(o->start < e && t < o->end))
				continue;
			tide_agg_merge(w->c.spec, blob(w, first),
			    blob(w, k->st[i].idx));
			if (o->end > s->end)
				s->end = o->end;
			wasfired |= o->fired;
			wasemitted |= o->emitted;
			if (nv < 64)
				victims[nv++] = k->st[i].idx;
		}
		for (i = 0; i < nv; i++)
			state_free(w, victims[i]);
		k = &w->keys[kid];
		s = &w->st[first];
	}
	tide_agg_update(w->c.spec, blob(w, first), t, vals);
	mark_state(w, first);
	if (t < s->start) {
		s->start = t;
		for (i = 0; i < k->nst; i++)
			if (k->st[i].idx == first)
				k->st[i].start = t;
	}
	{
		int64_t oldend = s->end;
		int r;

		if (e > s->end)
			s->end = e;
		s->emitted = (unsigned char)wasemitted;
		if (s->end > w->wm) {
			/* Open (again): it fires, as an update if part of it
			 * was emitted, when the watermark reaches its end. */
			if (s->end != oldend || n > 1 || wasfired)
				push_state(w, s->end, first);
			s->fired = 0;
			return 0;
		}
		/* Only a fired session kept for lateness can end at or before
		 * the watermark: emit the correction now. */
		s->fired = 1;
		r = emit_state(w, first, 1);
		s = &w->st[first];
		s->emitted = 1;
		push_state(w, tide_sat_add(s->end, w->c.lateness), first);
		return r;
	}
}

/* --- over ------------------------------------------------------------- */

static void
over_compact_raw(struct tide_win *w, struct over *ov)
{
	struct tide_buf nb = TIDE_BUF_INIT;
	int nf = w->c.spec->nfields;
	uint32_t i;
	int j;

	for (i = 0; i < ov->n; i++)
		for (j = 0; j < nf; j++) {
			struct ovv *v = &ov->v[(size_t)i * nf + j];
			uint32_t off = (uint32_t)nb.len;

			tide_buf_add(&nb, ov_raw(ov, v->off), v->len);
			v->off = off;
		}
	tide_buf_release(&ov->raw);
	ov->raw = nb;
	ov->liveraw = nb.len;
}

static int
add_over(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals, const void **out)
{
	const struct tide_aggspec *sp = w->c.spec;
	int64_t cutoff = tide_sat_sub(tide_sat_sub(w->wm, w->c.lateness), w->c.size);
	int64_t lo = tide_sat_sub(t, w->c.size);
	int nf = sp->nfields, full = 0, j, isnew;
	uint32_t kid, i, n;
	size_t rawlen;
	struct over *ov;
	struct wkey *k;

	if (t < tide_sat_sub(w->wm, w->c.lateness))
		return TIDE_WIN_LATE;
	if ((kid = key_get(w, key, klen, 1, &full)) == NONE)
		return full;
	k = &w->keys[kid];
	isnew = k->ov == NULL;
	/* Every record is kept: past the limit an open key takes none. */
	if (!isnew && mem_refuse(w, NONE, vals, 1))
		return TIDE_WIN_MEMGROW;
	if (k->ov == NULL) {
		k->ov = tide_xcalloc(1, sizeof(*k->ov));
		k->ov->maxt = INT64_MIN;
		tide_buf_init(&k->ov->raw, TIDE_BUF_NOMAX);
	}
	ov = k->ov;
	tide_agg_reset(sp, w->scratch);
	/* One pass drops entries no record can need any more and adds those
	 * in (t - D, t] to the result. */
	for (i = 0, n = 0; i < ov->n; i++) {
		struct ovv *v = &ov->v[(size_t)i * nf];

		if (ov->t[i] <= cutoff) {
			for (j = 0; j < nf; j++)
				ov->liveraw -= v[j].len;
			continue;
		}
		if (ov->t[i] > lo && ov->t[i] <= t) {
			for (j = 0; j < nf; j++) {
				w->vscratch[j].type = v[j].type;
				w->vscratch[j].num = v[j].num;
				w->vscratch[j].raw = ov_raw(ov, v[j].off);
				w->vscratch[j].len = v[j].len;
			}
			tide_agg_update(sp, w->scratch, ov->t[i], w->vscratch);
		}
		if (n != i) {
			ov->t[n] = ov->t[i];
			memcpy(&ov->v[(size_t)n * nf], v, (size_t)nf * sizeof(*v));
		}
		n++;
	}
	ov->n = n;
	if (!w->c.exclude_current)
		tide_agg_update(sp, w->scratch, t, vals);
	if (ov->raw.len > 65536 && ov->liveraw * 2 < ov->raw.len)
		over_compact_raw(w, ov);
	else if (ov->n == 0)
		tide_buf_reset(&ov->raw);
	if (ov->n == ov->cap) {
		ov->cap = ov->cap ? 2 * ov->cap : 4;
		ov->t = tide_xreallocarray(ov->t, ov->cap, sizeof(*ov->t));
		ov->v = tide_xreallocarray(ov->v, (size_t)ov->cap * (nf ? nf : 1),
		    sizeof(*ov->v));
	}
	ov->t[ov->n] = t;
	rawlen = ov->raw.len;
	for (j = 0; j < nf; j++) {
		struct ovv *v = &ov->v[(size_t)ov->n * nf + j];

		v->type = vals[j].type;
		v->num = vals[j].num;
		v->off = (uint32_t)ov->raw.len;
		v->len = vals[j].type == TIDE_JSON_NONE ? 0 : (uint32_t)vals[j].len;
		if (v->len)
			tide_buf_add(&ov->raw, vals[j].raw, v->len);
		ov->liveraw += v->len;
	}
	ov->n++;
	/* What it keeps counts as growth, as an exact set's values do. */
	sp->mem->grown += sizeof(*ov->t) + (size_t)nf * sizeof(*ov->v) +
	    ov->raw.len - rawlen;
	if (t > ov->maxt)
		ov->maxt = t;
	k->expire = tide_sat_add(tide_sat_add(ov->maxt, w->c.size), w->c.lateness);
	if (isnew)
		tide_heap_push(&w->heap, k->expire, tie(k->gen, kid), NULL);
	if (out)
		*out = w->scratch;
	return 0;
}

/* --- common ----------------------------------------------------------- */


int
tide_win_add(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals, const void **over)
{
	int r = 0;

	/* A key's state may grow without a new key (an exact set's values,
	 * --over's records): the size is sampled every TIDE_WIN_MEMSTEP
	 * bytes of that too (and at the first record). */
	if (w->c.spec->mem->grown >= w->memnext)
		mem_sample(w);
	switch (w->c.kind) {
	case TIDE_WIN_TUMBLE:
	case TIDE_WIN_HOP:
		r = add_pane(w, t, key, klen, vals);
		break;
	case TIDE_WIN_SESSION:
		r = add_session(w, t, key, klen, vals);
		break;
	case TIDE_WIN_OVER:
		r = add_over(w, t, key, klen, vals, over);
		break;
	}
	if (r == TIDE_WIN_LATE)
		w->late++;
	return r;
}

static int
key_cmp(const struct wkey *kx, const struct wkey *ky)
{
	size_t n = kx->len < ky->len ? kx->len : ky->len;
	int c;

	if (kx->pfx != ky->pfx)
		return kx->pfx < ky->pfx ? -1 : 1;
	if ((c = memcmp(kbytes(kx), kbytes(ky), n)) != 0)
		return c;
	if (kx->len != ky->len)
		return kx->len < ky->len ? -1 : 1;
	return 0;
}

static int
fire_cmp(const void *a, const void *b, void *arg)
{
	const struct wfire *x = a, *y = b;
	const struct tide_win *w = arg;
	int c;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if ((c = key_cmp(&w->keys[x->kid], &w->keys[y->kid])) != 0)
		return c;
	return (x->start > y->start) - (x->start < y->start);
}

static int
pent_cmp(const struct tide_win *w, const struct wpent *x,
    const struct wpent *y)
{
	if (x->pfx != y->pfx)
		return x->pfx < y->pfx ? -1 : 1;
	if (x->kid == y->kid)
		return 0;
	return key_cmp(&w->keys[x->kid], &w->keys[y->kid]);
}

static int
pent_qcmp(const void *a, const void *b, void *arg)
{
	return pent_cmp(arg, a, b);
}

/* Sort a run of entries: insertion sort for the short runs of equal
 * prefixes the radix sort leaves. */
static void
pent_sort_run(const struct tide_win *w, struct wpent *a, size_t n)
{
	size_t i, j;

	if (n > 16) {
		qsort_r(a, n, sizeof(*a), pent_qcmp, (void *)(uintptr_t)w);
		return;
	}
	for (i = 1; i < n; i++) {
		struct wpent x = a[i];

		for (j = i; j > 0 && pent_cmp(w, &x, &a[j - 1]) < 0; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

static void
ptmp_grow(struct tide_win *w, size_t n)
{
	if (w->capptmp >= n)
		return;
	w->capptmp = n < 2 * w->capptmp ? 2 * w->capptmp : n;
	w->ptmp = tide_xreallocarray(w->ptmp, w->capptmp, sizeof(*w->ptmp));
	w->ptmp2 = tide_xreallocarray(w->ptmp2, w->capptmp, sizeof(*w->ptmp2));
}

/*
 * Sort a pane list by key, once (a list changes after that only when a
 * record comes behind the watermark): a radix sort on the keys' first 8
 * bytes, skipping bytes all keys share, then a comparison sort of each
 * run of equal prefixes.
 */
static void
pane_sort(struct tide_win *w, struct wpane *p)
{
	size_t n = p->n, i, cnt[8][256], b;
	struct wpent *a = p->idx, *t;

	p->sorted = 1;
	if (n < 32) {
		pent_sort_run(w, a, n);
		return;
	}
	ptmp_grow(w, n);
	t = w->ptmp;
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++)
			cnt[b][(a[i].pfx >> (8 * b)) & 0xff]++;
	for (b = 0; b < 8; b++) {
		size_t sum = 0, c, j;
		struct wpent *x;

		if (cnt[b][(a[0].pfx >> (8 * b)) & 0xff] == n)
			continue;	/* every key has this byte */
		for (j = 0; j < 256; j++) {
			c = cnt[b][j];
			cnt[b][j] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			t[cnt[b][(a[i].pfx >> (8 * b)) & 0xff]++] = a[i];
		x = a;
		a = t;
		t = x;
	}
	if (a != p->idx)
		memcpy(p->idx, a, n * sizeof(*a));
	a = p->idx;
	for (i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && a[j].pfx == a[i].pfx)
			j++;
		if (j - i > 1)
			pent_sort_run(w, a + i, j - i);
		i = j;
	}
}

static void
fire_add(struct tide_win *w, int64_t start, int64_t end, uint32_t kid,
    uint32_t idx)
{
	struct wfire *f;

	if (w->nfire == w->capfire) {
		w->capfire = w->capfire ? 2 * w->capfire : 256;
		w->fire = tide_xreallocarray(w->fire, w->capfire, sizeof(*w->fire));
	}
	f = &w->fire[w->nfire++];
	f->pfx = w->keys[kid].pfx;
	f->start = start;
	f->end = end;
	f->kid = kid;
	f->idx = idx;
}

/*
 * Early and every: emit, marked provisional, the open windows that took
 * records since their last result, in (end, key) order.
 */
static int
tick(struct tide_win *w)
{
	size_t i, n = w->ndirty;
	int r = 0;

	w->nfire = 0;
	w->ndirty = 0;
	for (i = 0; i < n; i++) {
		uint32_t x = w->dirty[i];

		if (w->c.kind == TIDE_WIN_SESSION) {
			struct wstate *s = &w->st[x];

			if (!s->used || !s->dirty)
				continue;
			s->dirty = 0;
			if (!s->fired && s->end > w->wm)
				fire_add(w, s->start, s->end, s->kid, x);
		} else {
			struct wkey *k = &w->keys[x];
			int64_t e, hi;
			uint32_t j;

			if (!k->used || !k->dirty)
				continue;
			k->dirty = 0;
			/*
			 * The windows from the first holding the lowest dirty
			 * pane to the last holding the highest that hold any
			 * state: walked from the key's states (sorted by
			 * start), whose windows' ends rise with them, so the
			 * cost follows the states and not the time between
			 * the dirty panes.
			 */
			hi = pane_elast(w, k->dhi);
			e = pane_efirst(w, k->dlo);
			for (j = 0; j < k->nst && e <= hi; j++) {
				int64_t a = pane_efirst(w, k->st[j].start);
				int64_t b = pane_elast(w, k->st[j].start);

				if (b < e)
					continue;
				if (a > e)
					e = a;
				for (; e <= b && e <= hi;
				    e = tide_sat_add(e, w->c.every)) {
					if (e > w->fired_to)
						fire_add(w, tide_sat_sub(e,
						    w->c.size), e, x, NONE);
					if (e == INT64_MAX) {
						j = k->nst;	/* no end after */
						break;
					}
				}
			}
		}
	}
	if (w->nfire == 0)
		return 0;
	qsort_r(w->fire, w->nfire, sizeof(*w->fire), fire_cmp, w);
	w->provisional = 1;
	for (i = 0; i < w->nfire && r >= 0; i++) {
		const struct wfire *f = &w->fire[i];

		if (w->c.kind == TIDE_WIN_SESSION)
			r = emit_state(w, f->idx, 0);
		else
			r = emit_window(w, f->kid, f->end, NONE, 0);
	}
	w->provisional = 0;
	w->nfire = 0;
	return r < 0 ? r : 0;
}

/* After the windows an advance fires: every, a tick; early, a tick when
 * the watermark has crossed a multiple of early. */
static int
early_tick(struct tide_win *w)
{
	int64_t n;

	if (w->c.emit == TIDE_EMIT_EVERY && w->c.kind != TIDE_WIN_OVER)
		return tick(w);
	if (w->c.emit != TIDE_EMIT_EARLY || w->wm == INT64_MIN ||
	    w->wm == INT64_MAX)
		return 0;
	n = tide_win_floor(w->wm, w->c.early, 0);
	if (n <= w->last_tick)
		return 0;
	if (w->last_tick == INT64_MIN) {
		/* The first watermark crosses nothing. */
		w->last_tick = n;
		return 0;
	}
	w->last_tick = n;
	return tick(w);
}

/* How far ahead to prefetch keys and blocks: their cache misses overlap
 * instead of following one another. */
#define AHEAD 8

/* Emit the window [e - size, e) of key kid from state; first is the
 * state of one of its panes, whose block's tail has the key's bytes;
 * memo is NULL or first's memo, when state is first's block. */
static int
fire_one(struct tide_win *w, uint32_t kid, uint32_t first, int64_t e,
    const void *state, struct tide_win_memo *memo)
{
	struct tide_win_out o;

	o.start = tide_sat_sub(e, w->c.size);
	o.end = e;
	if ((o.key = blob_key(w, first, &o.klen)) == NULL) {
		const struct wkey *k = &w->keys[kid];

		o.key = kbytes(k);
		o.klen = k->len;
	}
	o.state = state;
	o.update = 0;
	o.provisional = 0;
	o.memo = memo;
	w->fired++;
	return w->emit(w->ctx, &o);
}

/* Emit the window [e - size, e) of a key from the memo of its single
 * pane: neither the block nor the key is read. */
static int
fire_memo(struct tide_win *w, int64_t e, struct tide_win_memo *memo)
{
	struct tide_win_out o;

	o.start = tide_sat_sub(e, w->c.size);
	o.end = e;
	o.key = NULL;
	o.klen = 0;
	o.state = NULL;
	o.update = 0;
	o.provisional = 0;
	o.memo = memo;
	w->fired++;
	return w->emit(w->ctx, &o);
}

/* Merge sorted runs x and y into out, x's entries first between equal
 * keys (so a key's panes stay in start order). */
static struct wpent *
merge_runs(const struct tide_win *w, const struct wcur *x, const struct wcur *y,
    struct wpent *out)
{
	const struct wpent *a = x->e, *ae = a + x->n, *b = y->e, *be = b + y->n;

	/* Which run goes next is a coin toss for keys at random: chosen
	 * without a branch, the comparison of the keys themselves (equal
	 * prefixes of distinct keys) aside. */
	while (a < ae && b < be) {
		uintptr_t tb = b->pfx < a->pfx, pa = (uintptr_t)a;

		if (__builtin_expect(b->pfx == a->pfx && b->kid != a->kid, 0))
			tb = pent_cmp(w, b, a) < 0;
		/* The pick by a mask: the compiler would branch on tb. */
		*out++ = *(const struct wpent *)(pa ^ ((pa ^ (uintptr_t)b) & -tb));
		b += tb;
		a += 1 - tb;
	}
	memcpy(out, a, (size_t)(ae - a) * sizeof(*a));
	out += ae - a;
	/* y may be where its merged entries go (see fire_end): then what
	 * is left of it is in place already. */
	if (out != b)
		memcpy(out, b, (size_t)(be - b) * sizeof(*b));
	return out + (be - b);
}

/*
 * Fire the windows ending at e, whose panes start in the lists from
 * w->panes[i] on.  Each list is sorted by key (once), so a window of one
 * list (tumble) goes out in list order, and a hop window merges its
 * sorted lists pairwise (about log2(size/pane) linear passes, comparing
 * sort prefixes): each key's panes come together, in start order, to be
 * merged into w->scratch (or, when a key has a single pane and that
 * gives the same bytes, emitted from the pane) and emitted at once: no
 * per-window sort, no block per key.
 */
static int
fire_end(struct tide_win *w, uint32_t i, int64_t e)
{
	const struct tide_aggspec *sp = w->c.spec;
	int64_t lo = tide_sat_sub(e, w->c.size);
	int hop = w->pane != w->c.size, r = 0;
	int single = !hop || single_pane_ok(sp);
	size_t nl = 0, total = 0, n, j, m, pf;
	const struct wpent *a;
	struct wpent *buf;
	uint32_t first;

	for (; i < w->npanes && w->panes[i].start < e; i++) {
		struct wpane *p = &w->panes[i];

		if (p->start < lo || p->n == 0)
			continue;
		if (!p->sorted)
			pane_sort(w, p);
		if (nl == w->capcur) {
			w->capcur = w->capcur ? 2 * w->capcur : 16;
			w->cur = tide_xreallocarray(w->cur, w->capcur,
			    sizeof(*w->cur));
		}
		w->cur[nl].e = p->idx;
		w->cur[nl].n = p->n;
		total += p->n;
		nl++;
	}
	if (nl == 0)
		return 0;
	/*
	 * Merge the runs pairwise, level by level, into one.  An odd run
	 * out stays where it is, a pane's list or a level's buffer.  A run
	 * in a buffer is where its entries will be in the end (run i after
	 * the entries of runs 0..i-1): so the levels write around a run
	 * left behind, and when it is merged at last, it is the second run
	 * of a pair whose entries go over it, never ahead of its reading.
	 */
	ptmp_grow(w, total);
	for (buf = w->ptmp; nl > 1; buf = buf == w->ptmp ? w->ptmp2 : w->ptmp) {
		struct wpent *o = buf, *start;

		for (j = 0, m = 0; j < nl; j += 2, m++) {
			if (j + 1 == nl) {
				w->cur[m] = w->cur[j];
				continue;
			}
			start = o;
			o = merge_runs(w, &w->cur[j], &w->cur[j + 1], o);
			w->cur[m].e = start;
			w->cur[m].n = (size_t)(o - start);
		}
		nl = m;
	}
	/* Equal keys are next to each other now, in pane start order. */
	a = w->cur[0].e;
	n = w->cur[0].n;
	for (j = 0, pf = 0; j < n && r >= 0; j = m) {
		uint32_t kid = a[j].kid;

		for (m = j + 1; m < n && a[m].kid == kid; m++)
			;
		/*
		 * A block (with its key's bytes) is all a window reads
		 * unless its key is long: fetch those of the entries ahead,
		 * and their memos.  (Fetching only what each entry will
		 * read -- memos of keys alone in the window, blocks of the
		 * others and of memos found empty -- reads fewer lines, but
		 * looking waits for the memo: measured slower.)
		 */
		for (; pf < m + AHEAD && pf < n; pf++) {
			if (w->moff)
				__builtin_prefetch(memo_of(w, a[pf].idx));
			__builtin_prefetch(blob(w, a[pf].idx));
		}
		first = a[j].idx;
		if (m == j + 1 && single) {
			struct tide_win_memo *mm = NULL;

			if (w->moff && (mm = memo_of(w, first))->len > 0)
				r = fire_memo(w, e, mm);
			else
				r = fire_one(w, kid, first, e, blob(w, first), mm);
			continue;
		}
		tide_agg_reset(sp, w->scratch);
		for (; j < m; j++)
			tide_agg_merge(sp, w->scratch, blob(w, a[j].idx));
		r = fire_one(w, kid, first, e, w->scratch, NULL);
	}
	return r < 0 ? r : 0;
}

/*
 * Tumble and hop: fire the windows of every key that end at or before the
 * watermark, one window end at a time.  Nothing changes until the
 * watermark reaches w->due (the next end to fire, the next window end
 * past fired_to, the first pane's end of lateness): most records leave
 * it there, and checking costs no division.  A new pane list may fire
 * sooner: pane_list() sets due back to INT64_MIN.
 */
static int
advance_panes(struct tide_win *w)
{
	int64_t wm = w->wm, e, due = INT64_MAX;
	uint32_t i;
	int r;

	if (wm < w->due)
		return 0;
	for (;;) {
		/* The next end to fire: after fired_to, and no sooner than
		 * the first window of the earliest pane not done with. */
		for (i = 0; i < w->npanes; i++)
			if (w->panes[i].n > 0 &&
			    pane_elast(w, w->panes[i].start) > w->fired_to)
				break;
		if (i == w->npanes)
			break;
		e = pane_efirst(w, w->panes[i].start);
		if (w->fired_to != INT64_MIN && e <= w->fired_to)
			e = tide_sat_add(w->fired_to, w->c.every);
		if (e > wm) {
			due = e;
			break;
		}
		if ((r = fire_end(w, i, e)) < 0) {
			w->due = INT64_MIN;
			return r;
		}
		w->fired_to = e;
		while (w->npanes > 0) {
			int64_t el = pane_elast(w, w->panes[0].start);

			if (el > w->fired_to || tide_sat_add(el, w->c.lateness) > wm)
				break;
			pane_drop_first(w);
		}
	}
	/* Windows ending at or before the watermark with no pane are done
	 * too: a record landing in one later is late for it. */
	if (wm == INT64_MIN) {
		w->due = INT64_MIN;
		return 0;
	}
	e = tide_win_floor(wm, w->c.every, w->c.align);
	if (e > w->fired_to)
		w->fired_to = e;
	while (w->npanes > 0) {
		int64_t el = pane_elast(w, w->panes[0].start);

		if (el > w->fired_to)
			break;
		if (tide_sat_add(el, w->c.lateness) > wm) {
			if (tide_sat_add(el, w->c.lateness) < due)
				due = tide_sat_add(el, w->c.lateness);
			break;
		}
		pane_drop_first(w);
	}
	/* fired_to is a window end here: the next one moves it. */
	e = tide_sat_add(tide_win_floor(w->fired_to, w->c.every, w->c.align),
	    w->c.every);
	w->due = e < due ? e : due;
	return 0;
}

/* Take one heap entry due at wm: a window to fire (added to w->fire), a
 * fired window to forget, a key to look at. */
static void
take(struct tide_win *w, const struct tide_heap_ent *e, int64_t wm)
{
	uint32_t idx = (uint32_t)e->tie, gen = (uint32_t)(e->tie >> 32);

	switch (w->c.kind) {
	case TIDE_WIN_TUMBLE:
	case TIDE_WIN_HOP:
		return;
	case TIDE_WIN_SESSION: {
		struct wstate *s;

		if (idx >= w->nst)
			return;
		s = &w->st[idx];
		if (!s->used || s->gen != gen)
			return;
		if (!s->fired && s->end == e->prio)
			fire_add(w, s->start, s->end, s->kid, idx);
		else if (s->fired && tide_sat_add(s->end, w->c.lateness) == e->prio)
			state_free(w, idx);
		return;
	}
	case TIDE_WIN_OVER: {
		struct wkey *k = idx < w->nkeys ? &w->keys[idx] : NULL;

		if (k == NULL || !k->used || k->gen != gen)
			return;
		if (k->expire <= wm)
			key_free(w, idx);
		else
			tide_heap_push(&w->heap, k->expire, e->tie, NULL);
		return;
	}
	}
}

int
tide_win_advance(struct tide_win *w, int64_t wm)
{
	const struct tide_heap_ent *top;
	struct tide_heap_ent e;
	size_t i;
	int r;

	if (wm > w->wm)
		w->wm = wm;
	wm = w->wm;
	if (w->c.kind == TIDE_WIN_TUMBLE || w->c.kind == TIDE_WIN_HOP) {
		if ((r = advance_panes(w)) < 0)
			return r;
		return early_tick(w);
	}
	for (;;) {
		w->nfire = 0;
		while ((top = tide_heap_top(&w->heap)) != NULL && top->prio <= wm) {
			tide_heap_pop(&w->heap, &e);
			take(w, &e, wm);
		}
		if (w->nfire == 0)
			return early_tick(w);
		qsort_r(w->fire, w->nfire, sizeof(*w->fire), fire_cmp, w);
		for (i = 0; i < w->nfire; i++) {
			struct wfire *f = &w->fire[i];

			if ((r = emit_state(w, f->idx, w->st[f->idx].emitted)) < 0)
				return r;
		}
		for (i = 0; i < w->nfire; i++) {
			struct wfire *f = &w->fire[i];

			w->st[f->idx].fired = 1;
			w->st[f->idx].emitted = 1;
			if (w->c.lateness == 0)
				state_free(w, f->idx);
			else
				push_state(w, tide_sat_add(w->st[f->idx].end,
				    w->c.lateness), f->idx);
		}
	}
}

int
tide_win_flush(struct tide_win *w)
{
	return tide_win_advance(w, INT64_MAX);
}

int64_t
tide_win_open_end(const struct tide_win *w, int64_t upto)
{
	int64_t end = INT64_MIN, e;
	uint32_t i;

	switch (w->c.kind) {
	case TIDE_WIN_TUMBLE:
	case TIDE_WIN_HOP:
		/* Pane lists are by start: the last one in range with a pane
		 * holds the window that ends last. */
		for (i = w->npanes; i > 0; i--)
			if (w->panes[i - 1].n > 0 && w->panes[i - 1].start <= upto)
				break;
		if (i > 0 && (e = pane_elast(w, w->panes[i - 1].start)) > w->wm)
			end = e;
		return end;
	case TIDE_WIN_SESSION:
		for (i = 0; i < w->nst; i++)
			if (w->st[i].used && !w->st[i].fired &&
			    w->st[i].start <= upto && w->st[i].end > end)
				end = w->st[i].end;
		return end;
	case TIDE_WIN_OVER:
		break;
	}
	return end;
}

/* --- state files ------------------------------------------------------ */

#define WIN_MAGIC 0x314e495745444954ULL	/* "TIDEWIN1" */

int
tide_win_save(const struct tide_win *w, struct tide_buf *b)
{
	const struct tide_aggspec *sp = w->c.spec;
	uint32_t *map = tide_xcalloc((size_t)w->nkeys + 1, sizeof(*map));
	uint32_t i, nk = 0, ns = 0;
	int nf = sp->nfields, j;

	tide_ser_put_u64(b, WIN_MAGIC);
	tide_ser_put_u64(b, (uint64_t)w->wm);
	tide_ser_put_u64(b, (uint64_t)w->fired_to);
	tide_ser_put_u64(b, (uint64_t)w->last_tick);
	for (i = 0; i < w->nkeys; i++)
		if (w->keys[i].used && !w->keys[i].idle)
			map[i] = nk++;
	tide_ser_put_u64(b, nk);
	for (i = 0; i < w->nkeys; i++) {
		const struct wkey *k = &w->keys[i];
		const struct over *ov = k->ov;
		uint32_t e;

		if (!k->used || k->idle)
			continue;
		tide_ser_put_bytes(b, kbytes(k), k->len);
		tide_ser_put_u64(b, k->dirty);
		tide_ser_put_u64(b, (uint64_t)k->dlo);
		tide_ser_put_u64(b, (uint64_t)k->dhi);
		tide_ser_put_u64(b, ov ? ov->n + 1 : 0);
		if (ov == NULL)
			continue;
		tide_ser_put_u64(b, (uint64_t)ov->maxt);
		tide_ser_put_u64(b, (uint64_t)k->expire);
		for (e = 0; e < ov->n; e++) {
			tide_ser_put_u64(b, (uint64_t)ov->t[e]);
			for (j = 0; j < nf; j++) {
				const struct ovv *v = &ov->v[(size_t)e * nf + j];
				uint64_t num;

				memcpy(&num, &v->num, 8);
				tide_ser_put_u64(b, (uint64_t)v->type);
				tide_ser_put_u64(b, num);
				tide_ser_put_bytes(b, ov_raw(ov, v->off), v->len);
			}
		}
	}
	for (i = 0; i < w->nst; i++)
		if (w->st[i].used)
			ns++;
	tide_ser_put_u64(b, ns);
	for (i = 0; i < w->nst; i++) {
		const struct wstate *s = &w->st[i];

		if (!s->used)
			continue;
		tide_ser_put_u64(b, map[s->kid]);
		tide_ser_put_u64(b, (uint64_t)s->start);
		tide_ser_put_u64(b, (uint64_t)s->end);
		tide_ser_put_u64(b, (uint64_t)(s->fired | s->emitted << 1 |
		    s->dirty << 2));
		tide_agg_save(sp, blob(w, (uint32_t)i), b);
	}
	free(map);
	return 0;
}

int
tide_win_load(struct tide_win *w, const char **p, const char *end)
{
	const struct tide_aggspec *sp = w->c.spec;
	uint64_t magic, nk, ns, i, x;
	uint32_t *kids = NULL;
	size_t maxkeys = w->c.max_keys, maxmem = w->c.max_memory;
	int nf = sp->nfields, j, full = 0, r = TIDE_EFORMAT;

	w->c.max_keys = 0;	/* what was kept is kept */
	w->c.max_memory = 0;
	if (tide_ser_get_u64(p, end, &magic) < 0 || magic != WIN_MAGIC ||
	    tide_ser_get_i64(p, end, &w->wm) < 0 ||
	    tide_ser_get_i64(p, end, &w->fired_to) < 0 ||
	    tide_ser_get_i64(p, end, &w->last_tick) < 0 ||
	    tide_ser_get_u64(p, end, &nk) < 0 ||
	    nk > (uint64_t)(end - *p) / 8)
		goto out;
	kids = tide_xcalloc((size_t)nk + 1, sizeof(*kids));
	for (i = 0; i < nk; i++) {
		const char *kb;
		size_t kl;
		struct wkey *k;
		uint64_t dirty, n, e;

		if (tide_ser_get_bytes(p, end, &kb, &kl, UINT32_MAX) < 0 ||
		    tide_ser_get_u64(p, end, &dirty) < 0)
			goto out;
		kids[i] = key_get(w, kb, kl, 1, &full);
		k = &w->keys[kids[i]];
		if (tide_ser_get_i64(p, end, &k->dlo) < 0 ||
		    tide_ser_get_i64(p, end, &k->dhi) < 0 ||
		    tide_ser_get_u64(p, end, &n) < 0)
			goto out;
		if (dirty && !k->dirty) {
			k->dirty = 1;
			dirty_push(w, kids[i]);
		}
		if (n == 0)
			continue;
		n--;
		if (n > (uint64_t)(end - *p) / 8 || k->ov != NULL)
			goto out;
		k->ov = tide_xcalloc(1, sizeof(*k->ov));
		tide_buf_init(&k->ov->raw, TIDE_BUF_NOMAX);
		if (tide_ser_get_i64(p, end, &k->ov->maxt) < 0 ||
		    tide_ser_get_i64(p, end, &k->expire) < 0)
			goto out;
		for (e = 0; e < n; e++) {
			struct over *ov = k->ov;

			if (ov->n == ov->cap) {
				ov->cap = ov->cap ? 2 * ov->cap : 4;
				ov->t = tide_xreallocarray(ov->t, ov->cap,
				    sizeof(*ov->t));
				ov->v = tide_xreallocarray(ov->v,
				    (size_t)ov->cap * (nf ? nf : 1), sizeof(*ov->v));
			}
			if (tide_ser_get_i64(p, end, &ov->t[ov->n]) < 0)
				goto out;
			for (j = 0; j < nf; j++) {
				struct ovv *v = &ov->v[(size_t)ov->n * nf + j];
				const char *raw;
				size_t rl;
				uint64_t num;

				if (tide_ser_get_u64(p, end, &x) < 0 ||
				    tide_ser_get_u64(p, end, &num) < 0 ||
				    tide_ser_get_bytes(p, end, &raw, &rl,
				    UINT32_MAX) < 0)
					goto out;
				v->type = (enum tide_json_type)x;
				memcpy(&v->num, &num, 8);
				v->off = (uint32_t)ov->raw.len;
				v->len = (uint32_t)rl;
				tide_buf_add(&ov->raw, raw, rl);
				ov->liveraw += rl;
			}
			ov->n++;
		}
		k = &w->keys[kids[i]];
		tide_heap_push(&w->heap, k->expire, tie(k->gen, kids[i]), NULL);
	}
	if (tide_ser_get_u64(p, end, &ns) < 0 || ns > (uint64_t)(end - *p) / 8)
		goto out;
	for (i = 0; i < ns; i++) {
		int64_t start, stend;
		uint64_t ki;
		uint32_t idx;
		struct wstate *s;

		if (tide_ser_get_u64(p, end, &ki) < 0 || ki >= nk ||
		    tide_ser_get_i64(p, end, &start) < 0 ||
		    tide_ser_get_i64(p, end, &stend) < 0 ||
		    tide_ser_get_u64(p, end, &x) < 0)
			goto out;
		idx = state_new(w, kids[ki], start, stend);
		s = &w->st[idx];
		s->fired = x & 1;
		s->emitted = (x >> 1) & 1;
		if (tide_agg_load(sp, blob(w, idx), p, end) < 0)
			goto out;
		if (x & 4)
			mark_state(w, idx);
		if (w->c.kind == TIDE_WIN_SESSION) {
			push_state(w, s->fired ? tide_sat_add(s->end,
			    w->c.lateness) : s->end, idx);
		} else if (w->c.kind != TIDE_WIN_OVER) {
			struct wpane *pl = pane_list(w, start);

			if (pl->n == pl->cap) {
				pl->cap = pl->cap ? 2 * pl->cap : 64;
				pl->idx = tide_xreallocarray(pl->idx, pl->cap,
				    sizeof(*pl->idx));
			}
			pl->idx[pl->n].pfx = w->keys[kids[ki]].pfx;
			pl->idx[pl->n].idx = idx;
			pl->idx[pl->n++].kid = kids[ki];
			pl->sorted = 0;
		}
	}
	r = 0;
out:
	free(kids);
	w->c.max_keys = maxkeys;
	w->c.max_memory = maxmem;
	return r;
}
