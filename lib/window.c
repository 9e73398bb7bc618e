#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "err.h"
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

struct wkey {
	char *p;
	uint32_t len;
	uint32_t gen;		/* bumped on free: heap entries name a key by it */
	uint32_t *st;		/* open states, sorted by start */
	uint32_t nst, cap;
	int64_t next_fire;	/* hop: end of the next window to fire */
	int64_t last_fired;	/* hop */
	int64_t expire;		/* over: when all its entries are dead */
	struct over *ov;
	uint32_t nextfree;
	int used;
	int idle;		/* no open state: freed by the next sweep */
};

struct wstate {
	int64_t start, end;
	uint32_t kid, gen, nextfree;
	unsigned char used, fired, emitted;
};

struct wfire {
	int64_t start, end;
	uint32_t kid, idx;
};

static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int64_t
sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b > 0 ? INT64_MIN : INT64_MAX;
	return r;
}

int64_t
tide_win_floor(int64_t t, int64_t d, int64_t align)
{
	int64_t x = sat_sub(t, align), q = x / d;

	if (x % d < 0)
		q--;
	return sat_add(q * d, align);
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

void
tide_win_init(struct tide_win *w, const struct tide_win_conf *c,
    tide_win_emit_fn emit, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->c = *c;
	w->emit = emit;
	w->ctx = ctx;
	w->wm = INT64_MIN;
	w->freekey = NONE;
	w->freest = NONE;
	if (c->kind == TIDE_WIN_HOP)
		w->pane = tide_gcd64(c->size, c->every);
	tide_htab_init(&w->keyidx, sizeof(uint32_t));
	tide_heap_init(&w->heap);
	w->scratch = tide_xcalloc(1, c->spec->size ? c->spec->size : 1);
	tide_agg_init(c->spec, w->scratch);
	w->vscratch = tide_xcalloc((size_t)c->spec->nfields + 1,
	    sizeof(*w->vscratch));
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
			tide_agg_clear(w->c.spec, w->blob + (size_t)i * w->c.spec->size);
	for (i = 0; i < w->nkeys; i++)
		if (w->keys[i].used) {
			free(w->keys[i].p);
			free(w->keys[i].st);
			over_free(w->keys[i].ov);
		}
	tide_agg_clear(w->c.spec, w->scratch);
	free(w->scratch);
	free(w->vscratch);
	free(w->keys);
	free(w->st);
	free(w->blob);
	free(w->fire);
	tide_htab_release(&w->keyidx);
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

static void *
blob(struct tide_win *w, uint32_t idx)
{
	return w->blob + (size_t)idx * w->c.spec->size;
}

/* --- keys ------------------------------------------------------------- */

/* The key id of key, created when create is set: NONE when absent, or
 * NONE with *full set when the key limit stops a new one. */
static uint32_t
key_get(struct tide_win *w, const char *key, size_t klen, int create, int *full)
{
	uint32_t *slot = tide_htab_get(&w->keyidx, key, klen), kid;
	struct wkey *k;

	if (slot) {
		k = &w->keys[*slot];
		if (k->idle) {
			if (!create)
				return NONE;
			k->idle = 0;
			w->nidle--;
		}
		return *slot;
	}
	if (!create)
		return NONE;
	if (w->c.max_keys && w->livekeys - w->nidle >= w->c.max_keys) {
		*full = 1;
		return NONE;
	}
	if (w->freekey != NONE) {
		kid = w->freekey;
		w->freekey = w->keys[kid].nextfree;
	} else {
		if (w->nkeys == w->capkeys) {
			w->capkeys = w->capkeys ? 2 * w->capkeys : 1024;
			w->keys = tide_xreallocarray(w->keys, w->capkeys,
			    sizeof(*w->keys));
		}
		kid = w->nkeys++;
		w->keys[kid].gen = 0;
	}
	k = &w->keys[kid];
	k->p = tide_xmemdup(key, klen);
	k->len = (uint32_t)klen;
	k->st = NULL;
	k->nst = k->cap = 0;
	k->next_fire = INT64_MAX;
	k->last_fired = INT64_MIN;
	k->expire = INT64_MIN;
	k->ov = NULL;
	k->used = 1;
	k->idle = 0;
	slot = tide_htab_put(&w->keyidx, key, klen, NULL);
	*slot = kid;
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
	tide_htab_del(&w->keyidx, k->p, k->len);
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
	/* Keys come and go: reclaim the bytes of deleted ones now and then. */
	if (tide_htab_waste(&w->keyidx) > 65536 &&
	    tide_htab_waste(&w->keyidx) > tide_htab_bytes(&w->keyidx) / 2)
		tide_htab_compact(&w->keyidx);
}

/*
 * A key whose last window closed is kept for a while: keys recur, and
 * keeping them saves a free and an allocation per window.  Once idle keys
 * outnumber the keys with open windows (and there are many), they all go,
 * so memory still follows the open windows.
 */
static void
key_idle(struct tide_win *w, uint32_t kid)
{
	uint32_t i;

	w->keys[kid].idle = 1;
	w->nidle++;
	if (w->nidle < 65536 || w->nidle < w->livekeys - w->nidle)
		return;
	for (i = 0; i < w->nkeys; i++)
		if (w->keys[i].used && w->keys[i].idle)
			key_free(w, i);
}

/* --- states ----------------------------------------------------------- */

static uint32_t
state_new(struct tide_win *w, uint32_t kid, int64_t start, int64_t end)
{
	struct wkey *k;
	struct wstate *s;
	uint32_t idx, i;

	if (w->freest != NONE) {
		idx = w->freest;
		w->freest = w->st[idx].nextfree;
	} else {
		if (w->nst == w->capst) {
			w->capst = w->capst ? 2 * w->capst : 1024;
			w->st = tide_xreallocarray(w->st, w->capst, sizeof(*w->st));
			w->blob = tide_xreallocarray(w->blob, w->capst,
			    w->c.spec->size ? w->c.spec->size : 1);
		}
		idx = w->nst++;
		w->st[idx].gen = 0;
	}
	s = &w->st[idx];
	s->start = start;
	s->end = end;
	s->kid = kid;
	s->used = 1;
	s->fired = s->emitted = 0;
	tide_agg_init(w->c.spec, blob(w, idx));
	w->livest++;

	/* Insert into the key's list, kept sorted by start; new states are
	 * nearly always the latest. */
	k = &w->keys[kid];
	if (k->nst == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 2;
		k->st = tide_xreallocarray(k->st, k->cap, sizeof(*k->st));
	}
	for (i = k->nst; i > 0 && w->st[k->st[i - 1]].start > start; i--)
		k->st[i] = k->st[i - 1];
	k->st[i] = idx;
	k->nst++;
	return idx;
}

/* Free a state; the key goes too when it was its last. */
static void
state_free(struct tide_win *w, uint32_t idx)
{
	struct wstate *s = &w->st[idx];
	struct wkey *k = &w->keys[s->kid];
	uint32_t i, j;

	for (i = 0, j = 0; i < k->nst; i++)
		if (k->st[i] != idx)
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
	o.key = k->p;
	o.klen = k->len;
	o.state = blob(w, idx);
	o.update = update;
	if (update)
		w->updates++;
	else
		w->fired++;
	return w->emit(w->ctx, &o);
}

/* --- tumble ----------------------------------------------------------- */

static int
add_tumble(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals)
{
	int64_t ws = tide_win_floor(t, w->c.size, w->c.align);
	int64_t we = sat_add(ws, w->c.size);
	uint32_t kid, idx = NONE, i;
	int full = 0;
	struct wkey *k;

	if (sat_add(we, w->c.lateness) <= w->wm)
		return TIDE_WIN_LATE;
	if ((kid = key_get(w, key, klen, 1, &full)) == NONE)
		return TIDE_WIN_FULL;
	k = &w->keys[kid];
	for (i = k->nst; i > 0; i--)
		if (w->st[k->st[i - 1]].start == ws) {
			idx = k->st[i - 1];
			break;
		} else if (w->st[k->st[i - 1]].start < ws)
			break;
	if (idx == NONE) {
		idx = state_new(w, kid, ws, we);
		push_state(w, we, idx);
	}
	tide_agg_update(w->c.spec, blob(w, idx), t, vals);
	if (w->st[idx].fired)
		return emit_state(w, idx, 1);
	return 0;
}

/* --- session ---------------------------------------------------------- */

static int
add_session(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals)
{
	int64_t e = sat_add(t, w->c.gap);
	uint32_t kid, first = NONE, i, n = 0;
	int full = 0, wasfired = 0, wasemitted = 0;
	struct wkey *k;
	struct wstate *s;

	kid = key_get(w, key, klen, 0, &full);
	if (kid != NONE) {
		k = &w->keys[kid];
		for (i = 0; i < k->nst; i++) {
			s = &w->st[k->st[i]];
			if (s->start < e && t < s->end) {
				if (first == NONE)
					first = k->st[i];
				n++;
			}
		}
	}
	if (first == NONE) {
		if (sat_add(e, w->c.lateness) <= w->wm)
			return TIDE_WIN_LATE;
		if (kid == NONE && (kid = key_get(w, key, klen, 1, &full)) == NONE)
			return TIDE_WIN_FULL;
		first = state_new(w, kid, t, e);
		push_state(w, e, first);
		tide_agg_update(w->c.spec, blob(w, first), t, vals);
		return 0;
	}
	k = &w->keys[kid];
	s = &w->st[first];
	wasfired = s->fired;
	wasemitted = s->emitted;
	if (n > 1) {
		/* The record bridges sessions: fold the later ones into the
		 * first.  Overlapping sessions are adjacent in the sorted list. */
		uint32_t victims[64], nv = 0;

		for (i = 0; i < k->nst; i++) {
			struct wstate *o = &w->st[k->st[i]];

			if (k->st[i] == first || !(o->start < e && t < o->end))
				continue;
			tide_agg_merge(w->c.spec, blob(w, first), blob(w, k->st[i]));
			if (o->end > s->end)
				s->end = o->end;
			wasfired |= o->fired;
			wasemitted |= o->emitted;
			if (nv < 64)
				victims[nv++] = k->st[i];
		}
		for (i = 0; i < nv; i++)
			state_free(w, victims[i]);
		k = &w->keys[kid];
		s = &w->st[first];
	}
	tide_agg_update(w->c.spec, blob(w, first), t, vals);
	if (t < s->start)
		s->start = t;
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
		push_state(w, sat_add(s->end, w->c.lateness), first);
		return r;
	}
}

/* --- hop ------------------------------------------------------------- */

static int
add_hop(struct tide_win *w, int64_t t, const char *key, size_t klen,
    const struct tide_aggval *vals)
{
	int64_t ps = tide_win_floor(t, w->pane, w->c.align);
	int64_t elast = tide_win_floor(sat_add(ps, w->c.size), w->c.every,
	    w->c.align);
	int64_t efirst = sat_add(tide_win_floor(ps, w->c.every, w->c.align),
	    w->c.every);
	uint32_t kid, idx = NONE, i;
	int full = 0;
	struct wkey *k;

	if (elast <= w->wm)
		return TIDE_WIN_LATE;
	if (efirst <= w->wm)
		efirst = sat_add(tide_win_floor(w->wm, w->c.every, w->c.align),
		    w->c.every);
	if ((kid = key_get(w, key, klen, 1, &full)) == NONE)
		return TIDE_WIN_FULL;
	k = &w->keys[kid];
	for (i = k->nst; i > 0; i--)
		if (w->st[k->st[i - 1]].start == ps) {
			idx = k->st[i - 1];
			break;
		} else if (w->st[k->st[i - 1]].start < ps)
			break;
	if (idx == NONE)
		idx = state_new(w, kid, ps, sat_add(ps, w->pane));
	k = &w->keys[kid];
	if (efirst < k->next_fire) {
		k->next_fire = efirst;
		tide_heap_push(&w->heap, efirst, tie(k->gen, kid), NULL);
	}
	tide_agg_update(w->c.spec, blob(w, idx), t, vals);
	return 0;
}

/* The end of the key's next window after e that holds a pane, or
 * INT64_MAX. */
static int64_t
hop_next(struct tide_win *w, const struct wkey *k, int64_t e)
{
	int64_t lo = sat_add(sat_sub(e, w->c.size), w->c.every), e2;
	uint32_t i;

	for (i = 0; i < k->nst; i++) {
		int64_t ps = w->st[k->st[i]].start;

		if (ps >= lo) {
			e2 = sat_add(tide_win_floor(ps, w->c.every, w->c.align),
			    w->c.every);
			return e2 > sat_add(e, w->c.every) ? e2 :
			    sat_add(e, w->c.every);
		}
	}
	return INT64_MAX;
}

static int
emit_hop(struct tide_win *w, const struct wfire *f)
{
	struct wkey *k = &w->keys[f->kid];
	struct tide_win_out o;
	int64_t start = sat_sub(f->end, w->c.size);
	uint32_t i;

	tide_agg_clear(w->c.spec, w->scratch);
	tide_agg_init(w->c.spec, w->scratch);
	for (i = 0; i < k->nst; i++) {
		struct wstate *s = &w->st[k->st[i]];

		if (s->start >= start && s->start < f->end)
			tide_agg_merge(w->c.spec, w->scratch, blob(w, k->st[i]));
	}
	o.start = start;
	o.end = f->end;
	o.key = k->p;
	o.klen = k->len;
	o.state = w->scratch;
	o.update = 0;
	w->fired++;
	return w->emit(w->ctx, &o);
}

/* After firing up to k->last_fired: drop panes no later window needs and
 * schedule the next one. */
static void
hop_after(struct tide_win *w, uint32_t kid)
{
	struct wkey *k = &w->keys[kid];
	int64_t lo = sat_add(sat_sub(k->last_fired, w->c.size), w->c.every);

	while (k->nst > 0 && w->st[k->st[0]].start < lo) {
		uint32_t gen = k->gen;

		state_free(w, k->st[0]);
		if (w->keys[kid].gen != gen)
			return;	/* the key went with its last pane */
		k = &w->keys[kid];
	}
	if (k->next_fire != INT64_MAX)
		tide_heap_push(&w->heap, k->next_fire, tie(k->gen, kid), NULL);
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

			tide_buf_add(&nb, ov->raw.data + v->off, v->len);
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
	int64_t cutoff = sat_sub(sat_sub(w->wm, w->c.lateness), w->c.size);
	int64_t lo = sat_sub(t, w->c.size);
	int nf = sp->nfields, full = 0, j, isnew;
	uint32_t kid, i, n;
	struct over *ov;
	struct wkey *k;

	if (t < sat_sub(w->wm, w->c.lateness))
		return TIDE_WIN_LATE;
	isnew = tide_htab_get(&w->keyidx, key, klen) == NULL;
	if ((kid = key_get(w, key, klen, 1, &full)) == NONE)
		return TIDE_WIN_FULL;
	k = &w->keys[kid];
	if (k->ov == NULL) {
		k->ov = tide_xcalloc(1, sizeof(*k->ov));
		k->ov->maxt = INT64_MIN;
		tide_buf_init(&k->ov->raw, TIDE_BUF_NOMAX);
	}
	ov = k->ov;
	tide_agg_clear(sp, w->scratch);
	tide_agg_init(sp, w->scratch);
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
				w->vscratch[j].raw = ov->raw.data + v[j].off;
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
	if (t > ov->maxt)
		ov->maxt = t;
	k->expire = sat_add(sat_add(ov->maxt, w->c.size), w->c.lateness);
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

	switch (w->c.kind) {
	case TIDE_WIN_TUMBLE:
		r = add_tumble(w, t, key, klen, vals);
		break;
	case TIDE_WIN_HOP:
		r = add_hop(w, t, key, klen, vals);
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
fire_cmp(const void *a, const void *b, void *arg)
{
	const struct wfire *x = a, *y = b;
	const struct tide_win *w = arg;
	const struct wkey *kx = &w->keys[x->kid], *ky = &w->keys[y->kid];
	size_t n;
	int c;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	n = kx->len < ky->len ? kx->len : ky->len;
	if ((c = memcmp(kx->p, ky->p, n)) != 0)
		return c;
	if (kx->len != ky->len)
		return kx->len < ky->len ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

static void
fire_add(struct tide_win *w, int64_t start, int64_t end, uint32_t kid,
    uint32_t idx)
{
	if (w->nfire == w->capfire) {
		w->capfire = w->capfire ? 2 * w->capfire : 256;
		w->fire = tide_xreallocarray(w->fire, w->capfire, sizeof(*w->fire));
	}
	w->fire[w->nfire].start = start;
	w->fire[w->nfire].end = end;
	w->fire[w->nfire].kid = kid;
	w->fire[w->nfire].idx = idx;
	w->nfire++;
}

/* Take one heap entry due at wm: a window to fire (added to w->fire), a
 * fired window to forget, a key to look at. */
static void
take(struct tide_win *w, const struct tide_heap_ent *e, int64_t wm)
{
	uint32_t idx = (uint32_t)e->tie, gen = (uint32_t)(e->tie >> 32);

	switch (w->c.kind) {
	case TIDE_WIN_TUMBLE:
	case TIDE_WIN_SESSION: {
		struct wstate *s;

		if (idx >= w->nst)
			return;
		s = &w->st[idx];
		if (!s->used || s->gen != gen)
			return;
		if (!s->fired && s->end == e->prio)
			fire_add(w, s->start, s->end, s->kid, idx);
		else if (s->fired && sat_add(s->end, w->c.lateness) == e->prio)
			state_free(w, idx);
		return;
	}
	case TIDE_WIN_HOP: {
		struct wkey *k = idx < w->nkeys ? &w->keys[idx] : NULL;
		int64_t end;

		if (k == NULL || !k->used || k->gen != gen ||
		    k->next_fire != e->prio)
			return;
		for (end = k->next_fire; end != INT64_MAX && end <= wm;
		    end = hop_next(w, k, end)) {
			fire_add(w, sat_sub(end, w->c.size), end, idx, NONE);
			k->last_fired = end;
		}
		k->next_fire = end;
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
	for (;;) {
		w->nfire = 0;
		while ((top = tide_heap_top(&w->heap)) != NULL && top->prio <= wm) {
			tide_heap_pop(&w->heap, &e);
			take(w, &e, wm);
		}
		if (w->nfire == 0)
			return 0;
		qsort_r(w->fire, w->nfire, sizeof(*w->fire), fire_cmp, w);
		for (i = 0; i < w->nfire; i++) {
			struct wfire *f = &w->fire[i];

			if (w->c.kind == TIDE_WIN_HOP) {
				if ((r = emit_hop(w, f)) < 0)
					return r;
				continue;
			}
			if ((r = emit_state(w, f->idx, w->st[f->idx].emitted)) < 0)
				return r;
		}
		for (i = 0; i < w->nfire; i++) {
			struct wfire *f = &w->fire[i];

			if (w->c.kind == TIDE_WIN_HOP) {
				/* Once per key: its last entry in the batch. */
				if (w->keys[f->kid].used &&
				    w->keys[f->kid].last_fired == f->end)
					hop_after(w, f->kid);
				continue;
			}
			w->st[f->idx].fired = 1;
			w->st[f->idx].emitted = 1;
			if (w->c.lateness == 0)
				state_free(w, f->idx);
			else
				push_state(w, sat_add(w->st[f->idx].end,
				    w->c.lateness), f->idx);
		}
	}
}

int
tide_win_flush(struct tide_win *w)
{
	return tide_win_advance(w, INT64_MAX);
}

/* --- watermarks ------------------------------------------------------- */

struct wpart {
	int64_t max, wall;
};

void
tide_wm_init(struct tide_wm *m, int64_t delay, int64_t idle)
{
	memset(m, 0, sizeof(*m));
	m->delay = delay;
	m->idle = idle;
	m->max = INT64_MIN;
	m->wm = INT64_MIN;
	tide_htab_init(&m->partidx, sizeof(uint32_t));
}

void
tide_wm_release(struct tide_wm *m)
{
	tide_htab_release(&m->partidx);
	free(m->parts);
	memset(m, 0, sizeof(*m));
}

static void
wm_raise(struct tide_wm *m, int64_t cand)
{
	if (cand > m->wm)
		m->wm = cand;
}

int64_t
tide_wm_see(struct tide_wm *m, const char *part, size_t plen, int64_t t,
    int64_t now)
{
	int64_t low = INT64_MAX;
	size_t i;

	m->lastwall = now;
	if (t > m->max)
		m->max = t;
	if (plen > 0) {
		int isnew = 0;
		uint32_t *slot = tide_htab_put(&m->partidx, part, plen, &isnew);
		struct wpart *p;

		if (isnew) {
			*slot = (uint32_t)m->nparts;
			m->parts = tide_xreallocarray(m->parts, m->nparts + 1,
			    sizeof(*m->parts));
			m->parts[m->nparts].max = INT64_MIN;
			m->nparts++;
		}
		p = &m->parts[*slot];
		if (t > p->max)
			p->max = t;
		p->wall = now;
		for (i = 0; i < m->nparts; i++) {
			if (m->idle > 0 && now - m->parts[i].wall >= m->idle)
				continue;
			if (m->parts[i].max < low)
				low = m->parts[i].max;
		}
		if (low == INT64_MAX)
			low = m->max;
	} else
		low = m->max;
	wm_raise(m, sat_sub(low, m->delay));
	return m->wm;
}

int64_t
tide_wm_tick(struct tide_wm *m, int64_t now)
{
	if (m->idle > 0 && m->max != INT64_MIN && now - m->lastwall >= m->idle)
		wm_raise(m, sat_add(sat_sub(m->max, m->delay), now - m->lastwall));
	return m->wm;
}
