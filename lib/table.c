#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"
#include "err.h"
#include "csvrec.h"
#include "htab.h"
#include "key.h"
#include "recin.h"
#include "rio.h"
#include "table.h"
#include "xalloc.h"

/*
 * Arena entry: varint klen, key bytes, varint nver, then (timed tables)
 * nver int64 times in ascending order, then nver value blocks in
 * descending time order (the latest first: most lookups want it, and so
 * find it right after the times), each a varint (length << 1 | gone) and
 * the block.  "gone" marks a deletion
 * version of a live timed table (a Kafka tombstone): a lookup that lands
 * on it misses.  Staged rows of timed tables: int64 time, varint klen,
 * key, varint blen, block.
 */

#define ARENA_MAX ((size_t)UINT32_MAX - 1)

static size_t
varint_put(unsigned char *p, size_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static inline size_t
varint_get(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	size_t v = 0;
	int shift = 0;

	while (*p & 0x80) {
		v |= (size_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	v |= (size_t)*p++ << shift;
	*pp = p;
	return v;
}

/*
 * Loading writes tens of MiB (staged rows, then the arena) once and reads
 * the index at random: lib/bigmem.h puts those arrays on huge pages, which
 * saves most page faults and TLB misses.
 *
 * A timed table's stage and its offsets grow to sizes not known in
 * advance and are dropped at finish.  Grown by doublings they were copied
 * each time, the load touching (and the kernel clearing) about twice their
 * final size.  Instead each is one mapping of address space, which costs
 * no memory until written (MAP_NORESERVE), that it grows into in place,
 * on a 2 MiB boundary for huge pages.  Where such a mapping is refused (a
 * strict overcommit policy, an address-space limit) they grow by
 * tide_big_grow().
 */
#define RESV_SZ ((size_t)((uint64_t)1 << 32))

static void *
resv_map(size_t *resv)
{
	size_t n = RESV_SZ + TIDE_BIG_HUGE, head;
	char *p, *a;

	*resv = 0;
	if (RESV_SZ == 0)
		return NULL;	/* no room for it in a 32-bit address space */
	p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + TIDE_BIG_HUGE - 1) & ~(uintptr_t)(TIDE_BIG_HUGE - 1));
	head = (size_t)(a - p);
	if (head)
		munmap(p, head);
	munmap(a + RESV_SZ, n - head - RESV_SZ);
#ifdef MADV_HUGEPAGE
	madvise(a, RESV_SZ, MADV_HUGEPAGE);
#endif
	*resv = RESV_SZ;
	return a;
}

/* Grow p (a block of used bytes, *cap of room, *resv reserved by
 * resv_map() or 0) to at least n bytes of room. */
static void *
resv_grow(void *p, size_t used, size_t *cap, size_t *resv, size_t n)
{
	size_t want;

	if (p == NULL && (p = resv_map(resv)) != NULL) {
		*cap = *resv;
		return p;
	}
	if (*resv)
		return p;	/* n is never past the reservation */
	want = *cap ? *cap : 64 * 1024;
	while (want < n)
		want *= 2;
	if (want > ARENA_MAX && n <= ARENA_MAX)
		want = ARENA_MAX;
	*cap = want;
	return tide_big_grow(p, used, want);
}

static void
resv_free(void *p, size_t resv)
{
	if (resv)
		munmap(p, resv);
	else
		free(p);
}

/* Drop a timed table's stage (after finish, or a failed load). */
static void
stage_free(struct tide_table *t)
{
	resv_free(t->stage.data, t->stageresv);
	resv_free(t->stageoff, t->offresv);
	t->stage.data = NULL;
	t->stage.len = t->stage.cap = 0;
	t->stageoff = NULL;
	t->nstage = t->stagecap = 0;
	t->stageresv = t->offresv = 0;
}

int
tide_table_row_build(struct tide_buf *b, const struct tide_json_val *v, int n)
{
	unsigned char tmp[10];
	size_t len, k, j;
	int i, r;

	tide_buf_reset(b);
	for (i = 0; i < n; i++) {
		len = v[i].type == TIDE_JSON_NONE || v[i].type == TIDE_JSON_NULL ?
		    0 : v[i].len;
		/* One check for room per column: this runs per record for a
		 * view table. */
		k = varint_put(tmp, len);
		if (b->cap - b->len < k + len &&
		    (r = tide_buf_grow(b, k + len)) < 0)
			return r;
		for (j = 0; j < k; j++)
			b->data[b->len++] = (char)tmp[j];
		if (len)
			memcpy(b->data + b->len, v[i].p, len);
		b->len += len;
	}
	return 0;
}

int
tide_table_init(struct tide_table *t, const struct tide_table_spec *spec,
    struct tide_table_rowerr *err)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->spec = *spec;
	t->ncol = -1;
	t->timed = spec->timefield != NULL || spec->versioned;
	tide_buf_init(&t->kbuf, TIDE_BUF_NOMAX);
	tide_buf_init(&t->vbuf, TIDE_BUF_NOMAX);
	tide_buf_init(&t->tbuf, TIDE_BUF_NOMAX);
	if (spec->nkeys < 1 || spec->nkeys > TIDE_TABLE_MAXKEYS) {
		snprintf(err->msg, sizeof(err->msg), "between 1 and %d key fields",
		    TIDE_TABLE_MAXKEYS);
		return TIDE_EINVAL;
	}
	if (spec->ncols < 0 || spec->ncols > TIDE_TABLE_MAXCOLS) {
		snprintf(err->msg, sizeof(err->msg), "at most %d columns",
		    TIDE_TABLE_MAXCOLS);
		return TIDE_EINVAL;
	}
	/* Compile the key and time paths now, so a bad one fails before any
	 * row is read; columns may have to wait for the first row. */
	t->path = tide_xcalloc((size_t)spec->nkeys + TIDE_TABLE_MAXCOLS + 1,
	    sizeof(*t->path));
	for (i = 0; i < spec->nkeys; i++) {
		if (tide_path_parse(&t->path[i], spec->keys[i]) < 0) {
			snprintf(err->msg, sizeof(err->msg),
			    "bad field name '%s'", spec->keys[i]);
			return TIDE_EINVAL;
		}
		t->npath++;
	}
	if (spec->ncols > 0) {
		t->colname = tide_xcalloc((size_t)spec->ncols, sizeof(char *));
		for (i = 0; i < spec->ncols; i++) {
			struct tide_path *p = &t->path[spec->nkeys + i];

			if (tide_path_parse(p, spec->cols[i]) < 0) {
				snprintf(err->msg, sizeof(err->msg),
				    "bad field name '%s'", spec->cols[i]);
				return TIDE_EINVAL;
			}
			t->npath++;
			/* A nested column is named by its last segment. */
			t->colname[i] = tide_xmemdup(p->seg[p->nseg - 1].name,
			    p->seg[p->nseg - 1].len);
		}
		t->ncol = spec->ncols;
	}
	if (spec->timefield) {
		struct tide_path *p = &t->path[spec->nkeys + TIDE_TABLE_MAXCOLS];

		if (tide_path_parse(p, spec->timefield) < 0) {
			snprintf(err->msg, sizeof(err->msg),
			    "bad field name '%s'", spec->timefield);
			return TIDE_EINVAL;
		}
	}
	t->vals = tide_xcalloc((size_t)spec->nkeys + TIDE_TABLE_MAXCOLS + 1,
	    sizeof(*t->vals));
	return 0;
}

void
tide_table_release(struct tide_table *t)
{
	int i;

	if (t->path) {
		for (i = 0; i < t->spec.nkeys + TIDE_TABLE_MAXCOLS + 1; i++)
			tide_path_release(&t->path[i]);
		free(t->path);
	}
	if (t->colname) {
		for (i = 0; i < t->ncol; i++)
			free(t->colname[i]);
		free(t->colname);
	}
	free(t->arena);
	free(t->slot);
	stage_free(t);
	free(t->vals);
	tide_buf_release(&t->kbuf);
	tide_buf_release(&t->vbuf);
	tide_buf_release(&t->tbuf);
	memset(t, 0, sizeof(*t));
}

/* The columns of a table without --select: the first row's top-level
 * fields, less the key fields. */
static int
columns_from_row(struct tide_table *t, const char *rec, size_t n,
    struct tide_table_rowerr *err)
{
	struct tide_json_val obj = { TIDE_JSON_OBJECT, rec, n }, name, val;
	struct tide_buf nb = TIDE_BUF_INIT;
	size_t pos = 0;
	int i, nc = 0, iskey;

	/* obj_next wants the object's own bytes: trim surrounding space. */
	while (obj.len && (obj.p[0] == ' ' || obj.p[0] == '\t'))
		obj.p++, obj.len--;
	while (obj.len && (obj.p[obj.len - 1] == ' ' ||
	    obj.p[obj.len - 1] == '\t' || obj.p[obj.len - 1] == '\r'))
		obj.len--;
	t->colname = tide_xcalloc(TIDE_TABLE_MAXCOLS, sizeof(char *));
	while (tide_json_obj_next(&obj, &pos, &name, &val)) {
		tide_buf_reset(&nb);
		if (tide_json_str(&name, &nb) < 0)
			continue;
		iskey = 0;
		for (i = 0; i < t->spec.nkeys; i++)
			if (t->path[i].nseg == 1 && t->path[i].seg[0].len ==
			    nb.len && memcmp(t->path[i].seg[0].name, nb.data,
			    nb.len) == 0)
				iskey = 1;
		for (i = 0; i < nc && !iskey; i++)
			if (strlen(t->colname[i]) == nb.len &&
			    memcmp(t->colname[i], nb.data, nb.len) == 0)
				iskey = 1;	/* a duplicate name */
		if (iskey)
			continue;
		if (nc == TIDE_TABLE_MAXCOLS) {
			tide_buf_release(&nb);
			snprintf(err->msg, sizeof(err->msg),
			    "more than %d columns", TIDE_TABLE_MAXCOLS);
			t->ncol = nc;
			return TIDE_ETOOBIG;
		}
		tide_path_raw(&t->path[t->spec.nkeys + nc], nb.len ? nb.data : "",
		    nb.len);
		t->colname[nc] = tide_xmemdup(nb.len ? nb.data : "", nb.len);
		nc++;
	}
	tide_buf_release(&nb);
	t->ncol = nc;
	t->npath = t->spec.nkeys + nc;
	return 0;
}

int
tide_table_key(struct tide_buf *out, const struct tide_json_val *v, int n)
{
	unsigned char tmp[10];
	size_t start, vl, k;
	int i, r;

	tide_buf_reset(out);
	if (n == 1)
		return tide_key_text(out, &v[0]);
	for (i = 0; i < n; i++) {
		/* The text after a length placeholder, then the length. */
		start = out->len;
		if ((r = tide_buf_add(out, "\0\0\0\0\0", 5)) < 0 ||
		    (r = tide_key_text(out, &v[i])) < 0)
			return r;
		vl = out->len - start - 5;
		k = varint_put(tmp, vl);
		memmove(out->data + start + k, out->data + start + 5, vl);
		memcpy(out->data + start, tmp, k);
		out->len = start + k + vl;
	}
	return 0;
}

/* A table time: an epoch number or RFC 3339 string, or (CSV) a string
 * holding an epoch number. */
static int
table_time(const struct tide_json_val *v, enum tide_time_unit unit,
    int64_t *ms)
{
	struct tide_json_val num;
	enum tide_json_type type;

	if (v->type == TIDE_JSON_STRING && v->len > 2 &&
	    tide_json_check(v->p + 1, v->len - 2, 1, &type, NULL) == 0 &&
	    type == TIDE_JSON_NUMBER) {
		num.type = TIDE_JSON_NUMBER;
		num.p = v->p + 1;
		num.len = v->len - 2;
		return tide_time_from_json(&num, unit, ms);
	}
	return tide_time_from_json(v, unit, ms);
}

/* Slot index holding key (of hash h), or of the empty slot where it
 * would go. */
static size_t
probe_h(const struct tide_table *t, const char *key, size_t klen, uint64_t h,
    int *found)
{
	size_t mask = t->cap - 1, i = tide_table_home(t, h);
	const unsigned char *e;
	uint32_t s;

	while ((s = t->slot[i]) != 0) {
		e = (const unsigned char *)t->arena + s - 1;
		if (varint_get(&e) == klen && memcmp(e, key, klen) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
	*found = 0;
	return i;
}

static size_t
probe(const struct tide_table *t, const char *key, size_t klen, int *found)
{
	return probe_h(t, key, klen, tide_hash(key, klen), found);
}

uint64_t
tide_table_hash(const char *key, size_t klen)
{
	return tide_hash(key, klen);
}

static void
index_grow(struct tide_table *t)
{
	uint32_t *old = t->slot;
	size_t oldcap = t->cap, i, j, klen;
	const unsigned char *e;

	t->cap = oldcap ? oldcap * 2 : 1024;
	t->slot = tide_big_calloc(t->cap, sizeof(*t->slot));
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		e = (const unsigned char *)t->arena + old[i] - 1;
		klen = varint_get(&e);
		j = tide_table_home(t, tide_hash(e, klen));
		while (t->slot[j])
			j = (j + 1) & (t->cap - 1);
		t->slot[j] = old[i];
	}
	free(old);
}

static int
arena_reserve(struct tide_table *t, size_t n)
{
	size_t want;

	if (n > ARENA_MAX - t->alen)
		return TIDE_ETOOBIG;
	if (t->acap - t->alen >= n)
		return 0;
	want = t->acap ? t->acap : 64 * 1024;
	while (want - t->alen < n)
		want *= 2;
	if (want > ARENA_MAX)
		want = ARENA_MAX;
	t->arena = tide_big_grow(t->arena, t->alen, want);
	t->acap = want;
	return 0;
}

/* Point the index at a new entry at offset off for key, of hash h
 * (replacing any). */
static void
index_put(struct tide_table *t, const char *key, size_t klen, uint64_t h,
    size_t off)
{
	size_t i;
	int found;

	if ((t->nkey + 1) * 4 > t->cap * 3)
		index_grow(t);
	i = probe_h(t, key, klen, h, &found);
	if (!found)
		t->nkey++;
	else
		t->dups++;
	t->slot[i] = (uint32_t)(off + 1);
}

/*
 * Take a row apart: its key into t->kbuf (unless nokey), its table time
 * into *ts (when the table has a time field) and its value block into
 * t->vbuf.  0 or an error as tide_table_add() says.
 */
static int
row_prepare_vals(struct tide_table *t, const struct tide_json_val *v,
    const struct tide_json_val *tvp, int nokey, int64_t *ts,
    struct tide_table_rowerr *err)
{
	int i, r, nk = t->spec.nkeys;

	if (!nokey && (r = tide_table_key(&t->kbuf, v, nk)) < 0) {
		for (i = 0; i < nk; i++)
			if (v[i].type == TIDE_JSON_NONE ||
			    v[i].type == TIDE_JSON_NULL)
				break;
		if (r != TIDE_ENOENT) {
			snprintf(err->msg, sizeof(err->msg),
			    "key field is not a valid JSON value");
			return TIDE_ETYPE;
		}
		snprintf(err->msg, sizeof(err->msg), "key field '%s' is %s",
		    t->spec.keys[i < nk ? i : 0],
		    i < nk && v[i].type == TIDE_JSON_NULL ? "null" : "missing");
		return r;
	}
	if (t->spec.timefield) {
		struct tide_json_val tv = *tvp;

		if (tv.type == TIDE_JSON_NONE || tv.type == TIDE_JSON_NULL) {
			snprintf(err->msg, sizeof(err->msg),
			    "time field '%s' is missing", t->spec.timefield);
			return TIDE_ENOENT;
		}
		if (table_time(&tv, t->spec.unit, ts) < 0) {
			snprintf(err->msg, sizeof(err->msg),
			    "time field '%s' is not a time: %.*s",
			    t->spec.timefield, (int)(tv.len > 64 ? 64 : tv.len),
			    tv.p);
			return TIDE_ETYPE;
		}
	}
	/* The value block. */
	return tide_table_row_build(&t->vbuf, v + nk, t->ncol);
}

/*
 * Stage the prepared row (key in t->kbuf, block in t->vbuf) at time ts:
 * appended to the stage, its key's hash and its offset to stageoff.
 * Nothing is looked up: finish sorts.  0 or TIDE_ETOOBIG, the table as
 * it was.
 */
static int
stage_row(struct tide_table *t, int64_t ts)
{
	const char *key = t->kbuf.data;
	size_t klen = t->kbuf.len, roff = t->stage.len, need;
	unsigned char *p;

	need = sizeof(ts) + 10 + klen + 10 + t->vbuf.len;
	if (need > ARENA_MAX - roff)
		return TIDE_ETOOBIG;
	/* Grown here rather than by tide_buf: see resv_map(). */
	if (t->stage.cap - roff < need)
		t->stage.data = resv_grow(t->stage.data, roff, &t->stage.cap,
		    &t->stageresv, roff + need);
	if (t->nstage == t->stagecap) {
		size_t cap = t->stagecap * sizeof(*t->stageoff);

		t->stageoff = resv_grow(t->stageoff,
		    t->nstage * sizeof(*t->stageoff), &cap, &t->offresv,
		    (t->nstage + 1) * sizeof(*t->stageoff));
		t->stagecap = cap / sizeof(*t->stageoff);
	}
	p = (unsigned char *)t->stage.data + roff;
	memcpy(p, &ts, sizeof(ts));
	p += sizeof(ts);
	p += varint_put(p, klen);
	memcpy(p, key, klen);
	p += klen;
	p += varint_put(p, t->vbuf.len);
	memcpy(p, t->vbuf.data, t->vbuf.len);
	p += t->vbuf.len;
	t->stage.len = (size_t)((char *)p - t->stage.data);
	t->stageoff[t->nstage++] = tide_hash(key, klen) >> 32 << 32 | roff;
	return 0;
}

static int
row_prepare(struct tide_table *t, const char *rec, size_t n, int nokey,
    int64_t *ts, struct tide_table_rowerr *err)
{
	struct tide_json_val tv = { TIDE_JSON_NONE, NULL, 0 };
	int r;

	if (t->ncol < 0 && (r = columns_from_row(t, rec, n, err)) < 0)
		return r;
	tide_json_get_many(rec, n, t->path, t->npath, t->vals);
	if (t->spec.timefield)
		tide_json_get(rec, n, &t->path[t->spec.nkeys +
		    TIDE_TABLE_MAXCOLS], &tv);
	return row_prepare_vals(t, t->vals, &tv, nokey, ts, err);
}

/* Add the row prepared in t->kbuf and t->vbuf at table time ts. */
static int
add_prepared(struct tide_table *t, int64_t ts, struct tide_table_rowerr *err)
{
	unsigned char hdr[32];
	size_t hl, off;
	int r;

	t->rows++;
	if (t->timed) {
		if ((r = stage_row(t, ts)) < 0) {
			t->rows--;
			snprintf(err->msg, sizeof(err->msg), "table too big");
			return r;
		}
		return 0;
	}
	hl = varint_put(hdr, t->kbuf.len);
	if (arena_reserve(t, hl + t->kbuf.len + 1 + 10 + t->vbuf.len) < 0) {
		t->rows--;
		snprintf(err->msg, sizeof(err->msg), "table too big");
		return TIDE_ETOOBIG;
	}
	off = t->alen;
	memcpy(t->arena + t->alen, hdr, hl);
	t->alen += hl;
	memcpy(t->arena + t->alen, t->kbuf.data, t->kbuf.len);
	t->alen += t->kbuf.len;
	t->arena[t->alen++] = 1;	/* one version */
	t->alen += varint_put((unsigned char *)t->arena + t->alen,
	    t->vbuf.len << 1);
	memcpy(t->arena + t->alen, t->vbuf.data, t->vbuf.len);
	t->alen += t->vbuf.len;
	index_put(t, t->kbuf.data, t->kbuf.len,
	    tide_hash(t->kbuf.data, t->kbuf.len), off);
	t->versions = t->nkey;
	return 0;
}

int
tide_table_add(struct tide_table *t, const char *rec, size_t n,
    struct tide_table_rowerr *err)
{
	int64_t ts = 0;
	int r;

	if ((r = row_prepare(t, rec, n, 0, &ts, err)) < 0)
		return r;
	return add_prepared(t, ts, err);
}

/* A staged row: its time, key and block, at stage offset off. */
struct staged {
	uint64_t off;
	int64_t time;
	const unsigned char *key, *blk;
	size_t klen, blen;
};

static void
staged_at(const struct tide_table *t, uint64_t off, struct staged *s)
{
	const unsigned char *p = (const unsigned char *)t->stage.data + off;

	s->off = off;
	memcpy(&s->time, p, sizeof(s->time));
	p += sizeof(s->time);
	s->klen = varint_get(&p);
	s->key = p;
	p += s->klen;
	s->blen = varint_get(&p);
	s->blk = p;
}

/* Staged rows of one key in (time, arrival) order; arrival is the stage
 * offset, so the order is total and the sort stable. */
static int
staged_cmp(const void *a, const void *b)
{
	const struct staged *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Sort a[0..n) by their high 32 bits (a key's hash), stably, so that rows
 * of a hash stay in arrival order: four radix passes of 8 bits through
 * tmp (n entries) and back.
 */
static void
sort_by_hash(uint64_t *a, uint64_t *tmp, size_t n)
{
	size_t count[256], i, sum, c;
	uint64_t *src = a, *dst = tmp, *sw;
	int shift;

	for (shift = 32; shift < 64; shift += 8) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 255]++;
		for (sum = 0, i = 0; i < 256; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 255]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
}

/* Of the rows so[k..j) that share a hash, move those with so[k]'s key to
 * so[k..w) keeping their order (and the others' order), and return w.
 * Two keys share a 32-bit hash only rarely: this is seldom more than a
 * look at each row. */
static size_t
group_key(const struct tide_table *t, uint64_t *so, size_t k, size_t j)
{
	struct staged a, b;
	size_t x, w = k + 1;
	uint64_t r;

	if (j - k == 1)
		return j;
	staged_at(t, (uint32_t)so[k], &a);
	for (x = k + 1; x < j; x++) {
		staged_at(t, (uint32_t)so[x], &b);
		if (b.klen != a.klen || memcmp(b.key, a.key, a.klen) != 0)
			continue;
		r = so[x];
		memmove(so + w + 1, so + w, (x - w) * sizeof(*so));
		so[w++] = r;
	}
	return w;
}

/*
 * The arena entry of one key from its m staged rows (arrival order), its
 * versions in time order.  Rows usually arrive in time order per key (a
 * history appended to), so they are sorted only when they are not.  Of
 * rows with the same time the last one wins.  *vp (*vcap entries) is
 * scratch.  0 or TIDE_ETOOBIG.
 */
static int
entry_write(struct tide_table *t, const uint64_t *rows, size_t m, uint64_t h,
    struct staged **vp, size_t *vcap)
{
	struct staged *v = *vp;
	size_t i, nver, need, off;
	int sorted = 1;

	if (m > *vcap) {
		while (*vcap < m)
			*vcap = *vcap ? *vcap * 2 : 16;
		*vp = v = tide_xreallocarray(v, *vcap, sizeof(*v));
	}
	need = 20;
	for (i = 0; i < m; i++) {
		staged_at(t, (uint32_t)rows[i], &v[i]);
		if (i > 0 && v[i].time < v[i - 1].time)
			sorted = 0;
		need += 10 + sizeof(int64_t) + v[i].blen;
	}
	need += v[0].klen;
	if (!sorted)
		qsort(v, m, sizeof(*v), staged_cmp);
	/* Drop rows superseded by a later one at the same time. */
	nver = 0;
	for (i = 0; i < m; i++) {
		if (i + 1 < m && v[i].time == v[i + 1].time) {
			t->dups++;
			continue;
		}
		v[nver++] = v[i];
	}
	if (arena_reserve(t, need) < 0)
		return TIDE_ETOOBIG;
	off = t->alen;
	t->alen += varint_put((unsigned char *)t->arena + t->alen, v[0].klen);
	memcpy(t->arena + t->alen, v[0].key, v[0].klen);
	t->alen += v[0].klen;
	t->alen += varint_put((unsigned char *)t->arena + t->alen, nver);
	/* Times first, so a lookup binary-searches them in one place. */
	for (i = 0; i < nver; i++) {
		memcpy(t->arena + t->alen, &v[i].time, sizeof(v[i].time));
		t->alen += sizeof(v[i].time);
	}
	for (i = nver; i-- > 0;) {
		t->alen += varint_put((unsigned char *)t->arena + t->alen,
		    v[i].blen << 1);
		memcpy(t->arena + t->alen, v[i].blk, v[i].blen);
		t->alen += v[i].blen;
	}
	index_put(t, (const char *)v[0].key, v[0].klen, h, off);
	t->versions += nver;
	return 0;
}

/* Rows this far ahead in hash order are prefetched while one is written:
 * they lie anywhere in the stage. */
#define STAGE_AHEAD 16

/*
 * Each staged key becomes one arena entry.  The rows are sorted by hash,
 * so a key's rows meet without a per-row lookup, and the entries are
 * written (and indexed) in hash order, which is slot order: the index is
 * filled front to back and a probe compares against entries just written.
 */
static int
finish_timed(struct tide_table *t)
{
	struct staged *v = NULL;
	size_t vcap = 0, n = t->nstage, nh, i, j, k, w, x, need;
	uint64_t *so, *tmp;
	const char *sd = t->stage.data;
	int r = 0;

	if (n == 0)
		goto out;
	/* The sort's scratch is mapped for it alone and unmapped after, so
	 * that it is not resident beside the arena: the load's peak. */
	tmp = mmap(NULL, n * sizeof(*tmp), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tmp == MAP_FAILED) {
		tmp = tide_xmalloc(n * sizeof(*tmp));
		sort_by_hash(t->stageoff, tmp, n);
		free(tmp);
	} else {
		sort_by_hash(t->stageoff, tmp, n);
		munmap(tmp, n * sizeof(*tmp));
	}
	so = t->stageoff;
	/* Room for every entry at once: a version takes no more than its
	 * staged row and a byte, a key no more than a count besides.
	 * Doublings would copy the arena, the old copy resident beside the
	 * new one and the stage: the load's peak. */
	need = t->stage.len + 11 * n;
	if (need > ARENA_MAX - t->alen)
		need = ARENA_MAX - t->alen;
	if (t->acap - t->alen < need) {
		t->arena = tide_big_grow(t->arena, t->alen, t->alen + need);
		t->acap = t->alen + need;
	}
	/* Size the index for every key at once rather than by doublings:
	 * for the distinct hashes, no more than the keys (index_put() grows
	 * it for a key whose hash another has, which is rare). */
	for (nh = 1, i = 1; i < n; i++)
		if (so[i] >> 32 != so[i - 1] >> 32)
			nh++;
	if (t->cap == 0) {
		size_t cap = 1024;

		while (nh * 4 > cap * 3)
			cap *= 2;
		t->cap = cap;
		t->slot = tide_big_calloc(cap, sizeof(*t->slot));
	}
	for (i = 0; i < n; i = j) {
		/* Rows [i, j) share a hash. */
		for (j = i; j < n && so[j] >> 32 == so[i] >> 32; j++) {
			if (j + STAGE_AHEAD < n) {
				x = (uint32_t)so[j + STAGE_AHEAD];
				__builtin_prefetch(sd + x);
				__builtin_prefetch(sd + x + 63);
			}
		}
		for (k = i; k < j; k = w) {
			w = group_key(t, so, k, j);
			if ((r = entry_write(t, so + k, w - k, so[k] >> 32 << 32,
			    &v, &vcap)) < 0)
				goto out;
		}
	}
out:
	free(v);
	stage_free(t);
	return r;
}

int
tide_table_finish(struct tide_table *t)
{
	int r;

	if (t->finished)
		return 0;
	if (t->timed && (r = finish_timed(t)) < 0)
		return r;
	if (t->cap == 0)
		index_grow(t);
	/* Give back the doubling slack: realloc shrinks in place or, for
	 * large blocks, remaps without copying. */
	if (t->alen && t->alen < t->acap) {
		t->arena = tide_xrealloc(t->arena, t->alen);
		t->acap = t->alen;
	}
	if (t->ncol < 0 && !t->spec.live)
		t->ncol = 0;
	tide_buf_release(&t->kbuf);
	tide_buf_release(&t->vbuf);
	tide_buf_init(&t->kbuf, TIDE_BUF_NOMAX);
	tide_buf_init(&t->vbuf, TIDE_BUF_NOMAX);
	t->finished = 1;
	return 0;
}

/* Skip k value blocks. */
static const unsigned char *
skip_blocks(const unsigned char *p, size_t k)
{
	while (k--) {
		size_t l = varint_get(&p) >> 1;

		p += l;
	}
	return p;
}

/* Bytes of the arena entry at e. */
static size_t
entry_size(const struct tide_table *t, const unsigned char *e)
{
	const unsigned char *p = e;
	size_t klen, nver, l;

	klen = varint_get(&p);
	p += klen;
	nver = varint_get(&p);
	if (t->timed)
		p += nver * sizeof(int64_t);
	while (nver--) {
		l = varint_get(&p) >> 1;
		p += l;
	}
	return (size_t)(p - e);
}

/* Empty slot i, shifting later members of its probe run back so that
 * linear probing still finds them (no tombstones in the index). */
static void
slot_remove(struct tide_table *t, size_t i)
{
	size_t mask = t->cap - 1, j = i, k, klen;
	const unsigned char *e;

	for (;;) {
		j = (j + 1) & mask;
		if (t->slot[j] == 0)
			break;
		e = (const unsigned char *)t->arena + t->slot[j] - 1;
		klen = varint_get(&e);
		k = tide_table_home(t, tide_hash(e, klen));
		/* An entry whose home lies cyclically in (i, j] stays. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->slot[i] = t->slot[j];
		i = j;
	}
	t->slot[i] = 0;
}

/* Copy the live entries into a new arena once replaced ones make up
 * most of it, so a long-running changelog does not grow without end. */
static void
compact(struct tide_table *t)
{
	size_t i, n, len = 0, cap = t->alen - t->waste + 64 * 1024;
	char *na = tide_xmalloc(cap);
	const unsigned char *e;

	for (i = 0; i < t->cap; i++) {
		if (t->slot[i] == 0)
			continue;
		e = (const unsigned char *)t->arena + t->slot[i] - 1;
		n = entry_size(t, e);
		memcpy(na + len, e, n);
		t->slot[i] = (uint32_t)(len + 1);
		len += n;
	}
	free(t->arena);
	t->arena = na;
	t->alen = len;
	t->acap = cap;
	t->waste = 0;
}

/*
 * Put a version (or, gone, a deletion) of key at time ts into a finished
 * table: plain tables replace or drop the key's one row; timed tables
 * insert the version in time order (the same time: the new one wins).
 */
static int
live_put(struct tide_table *t, const char *key, size_t klen, int64_t ts,
    const char *blk, size_t blen, int gone)
{
	const unsigned char *e, *times = NULL, *blocks = NULL, *p;
	size_t i, off, oldoff = 0, oldsz = 0, nver = 0, pos = 0, need, k, l;
	int found, replace = 0;
	int64_t tm;

	i = probe(t, key, klen, &found);
	if (!found && gone)
		return 0;	/* nothing to delete, no history to end */
	if (found) {
		oldoff = t->slot[i] - 1;
		oldsz = entry_size(t, (const unsigned char *)t->arena + oldoff);
	}
	if (!t->timed && gone) {
		slot_remove(t, i);
		t->nkey--;
		t->versions--;
		t->waste += oldsz;
		goto out;
	}
	need = oldsz + 2 * 10 + klen + sizeof(int64_t) + 10 + blen;
	if (arena_reserve(t, need) < 0)
		return TIDE_ETOOBIG;
	/* The arena may have moved: find the old entry by offset. */
	if (found && t->timed) {
		e = (const unsigned char *)t->arena + oldoff;
		l = varint_get(&e);
		e += l;
		nver = varint_get(&e);
		times = e;
		blocks = e + nver * sizeof(int64_t);
		for (pos = 0; pos < nver; pos++) {
			memcpy(&tm, times + pos * sizeof(int64_t), sizeof(tm));
			if (tm > ts)
				break;
		}
		if (pos > 0) {
			memcpy(&tm, times + (pos - 1) * sizeof(int64_t),
			    sizeof(tm));
			if (tm == ts) {
				pos--;
				replace = 1;
				t->dups++;
			}
		}
	}
	off = t->alen;
	t->alen += varint_put((unsigned char *)t->arena + t->alen, klen);
	memcpy(t->arena + t->alen, key, klen);
	t->alen += klen;
	t->alen += varint_put((unsigned char *)t->arena + t->alen,
	    nver + !replace);
	if (t->timed) {
		if (pos)
			memcpy(t->arena + t->alen, times, pos * sizeof(int64_t));
		t->alen += pos * sizeof(int64_t);
		memcpy(t->arena + t->alen, &ts, sizeof(ts));
		t->alen += sizeof(ts);
		k = pos + replace;
		if (nver > k)
			memcpy(t->arena + t->alen, times + k * sizeof(int64_t),
			    (nver - k) * sizeof(int64_t));
		t->alen += (nver - k) * sizeof(int64_t);
	}
	/* Blocks are latest first: those after pos (less a replaced one),
	 * the new one, the replaced one skipped, those before pos. */
	k = pos + replace;
	p = blocks;
	if (nver > k) {
		e = p;
		p = skip_blocks(p, nver - k);
		memcpy(t->arena + t->alen, e, (size_t)(p - e));
		t->alen += (size_t)(p - e);
	}
	t->alen += varint_put((unsigned char *)t->arena + t->alen,
	    blen << 1 | (gone != 0));
	memcpy(t->arena + t->alen, blk, blen);
	t->alen += blen;
	if (replace)
		p = skip_blocks(p, 1);
	if (pos > 0) {
		e = p;
		p = skip_blocks(p, pos);
		memcpy(t->arena + t->alen, e, (size_t)(p - e));
		t->alen += (size_t)(p - e);
	}
	if (found) {
		t->slot[i] = (uint32_t)(off + 1);
		t->waste += oldsz;
		if (!t->timed)
			t->dups++;
	} else {
		index_put(t, key, klen, tide_hash(key, klen), off);
		if (!t->timed)
			t->versions++;
	}
	if (t->timed && !replace)
		t->versions++;
out:
	if (t->waste > (1u << 20) && t->waste * 2 > t->alen)
		compact(t);
	return 0;
}

int
tide_table_upsert(struct tide_table *t, const char *key, size_t klen,
    const char *rec, size_t n, int64_t ts, struct tide_table_rowerr *err)
{
	int r;

	if ((r = row_prepare(t, rec, n, key != NULL, &ts, err)) < 0)
		return r;
	if (key == NULL) {
		key = t->kbuf.data;
		klen = t->kbuf.len;
	}
	if ((r = live_put(t, key, klen, ts, t->vbuf.data, t->vbuf.len, 0)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "table too big");
		return r;
	}
	t->rows++;
	return 0;
}

int
tide_table_delete(struct tide_table *t, const char *key, size_t klen,
    int64_t ts)
{
	t->rows++;
	return live_put(t, key, klen, ts, "", 0, 1);
}

enum tide_table_miss
tide_table_get(const struct tide_table *t, const char *key, size_t klen,
    int64_t ts, enum tide_table_dir dir, int64_t tol,
    struct tide_table_row *row)
{
	return tide_table_get_h(t, key, klen, tide_hash(key, klen), ts, dir,
	    tol, row);
}

enum tide_table_miss
tide_table_get_h(const struct tide_table *t, const char *key, size_t klen,
    uint64_t h, int64_t ts, enum tide_table_dir dir, int64_t tol,
    struct tide_table_row *row)
{
	const unsigned char *e, *times;
	size_t i, nver, lo, hi, mid, pick, l;
	int64_t tm, tb, tf;
	int found;

	if (t->cap == 0)
		return TIDE_TABLE_NO_MATCH;
	i = probe_h(t, key, klen, h, &found);
	if (!found)
		return TIDE_TABLE_NO_MATCH;
	e = (const unsigned char *)t->arena + t->slot[i] - 1;
	l = varint_get(&e);
	e += l;
	nver = varint_get(&e);
	if (!t->timed) {
		l = varint_get(&e) >> 1;
		row->p = e;
		row->end = e + l;
		row->time = 0;
		return TIDE_TABLE_HIT;
	}
	times = e;
	e += nver * sizeof(int64_t);
	/* lo = the number of versions at or before ts. */
	lo = 0;
	hi = nver;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		memcpy(&tm, times + mid * sizeof(int64_t), sizeof(tm));
		if (tm <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	switch (dir) {
	case TIDE_TABLE_BACKWARD:
		if (lo == 0)
			return TIDE_TABLE_BEFORE_FIRST;
		pick = lo - 1;
		break;
	case TIDE_TABLE_FORWARD:
		/* An exact match counts: the version at ts itself. */
		if (lo > 0) {
			memcpy(&tm, times + (lo - 1) * sizeof(int64_t),
			    sizeof(tm));
			if (tm == ts) {
				pick = lo - 1;
				/* Equal times were merged: one version. */
				break;
			}
		}
		if (lo == nver)
			return TIDE_TABLE_AFTER_LAST;
		pick = lo;
		break;
	default:
		if (lo == 0)
			pick = 0;
		else if (lo == nver)
			pick = nver - 1;
		else {
			memcpy(&tb, times + (lo - 1) * sizeof(int64_t),
			    sizeof(tb));
			memcpy(&tf, times + lo * sizeof(int64_t), sizeof(tf));
			pick = (uint64_t)(tf - ts) < (uint64_t)(ts - tb) ?
			    lo : lo - 1;
		}
		break;
	}
	memcpy(&tm, times + pick * sizeof(int64_t), sizeof(tm));
	if (tol >= 0 && (tm > ts ? (uint64_t)tm - (uint64_t)ts :
	    (uint64_t)ts - (uint64_t)tm) > (uint64_t)tol)
		return TIDE_TABLE_BEYOND_TOLERANCE;
	e = skip_blocks(e, nver - 1 - pick);
	l = varint_get(&e);
	if (l & 1)
		return TIDE_TABLE_NO_MATCH;	/* deleted at that time */
	l >>= 1;
	row->p = e;
	row->end = e + l;
	row->time = tm;
	return TIDE_TABLE_HIT;
}

size_t
tide_table_bytes(const struct tide_table *t)
{
	return t->acap + t->cap * sizeof(*t->slot);
}

const char *
tide_table_miss_name(enum tide_table_miss m)
{
	switch (m) {
	case TIDE_TABLE_HIT:
		return "match";
	case TIDE_TABLE_NO_MATCH:
		return "no_match";
	case TIDE_TABLE_BEFORE_FIRST:
		return "before_first_version";
	case TIDE_TABLE_AFTER_LAST:
		return "after_last_version";
	case TIDE_TABLE_BEYOND_TOLERANCE:
		return "beyond_tolerance";
	}
	return "?";
}

enum tide_table_fmt
tide_table_fmt_of(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && strcmp(path + n - 4, ".zst") == 0)
		n -= 4;
	if (n > 4 && strncmp(path + n - 4, ".csv", 4) == 0)
		return TIDE_TABLE_CSV;
	return TIDE_TABLE_NDJSON;
}

/* NDJSON rows, checked by the reader (blank lines are not rows). */
static int
load_ndjson(struct tide_table *t, struct tide_recin *in, tide_table_bad_fn bad,
    void *ctx, struct tide_table_rowerr *err)
{
	struct tide_table_rowerr rerr;
	struct tide_rec rec;
	int r;

	for (;;) {
		r = tide_recin_next(in, &rec, NULL, -1);
		if (r == TIDE_EOF)
			return 0;
		if (r == TIDE_EIO || r == TIDE_EFORMAT) {
			snprintf(err->msg, sizeof(err->msg), "%s",
			    tide_recin_strerror(in, r));
			return r;
		}
		if (r < 0)
			continue;
		if (rec.err) {
			tide_rec_reason(&rec, in->max, rerr.msg, sizeof(rerr.msg));
			goto badrow;
		}
		if ((r = tide_table_add(t, rec.p, rec.len, &rerr)) == 0)
			continue;
		if (r == TIDE_ETOOBIG) {
			/* Too many columns or a full arena: no row fixes it. */
			memcpy(err->msg, rerr.msg, sizeof(err->msg));
			return r;
		}
badrow:
		if (bad && bad(ctx, rec.lineno, rerr.msg) != 0) {
			snprintf(err->msg, sizeof(err->msg), "line %llu: %.200s",
			    (unsigned long long)rec.lineno, rerr.msg);
			return TIDE_EINVAL;
		}
	}
}

struct csvload {
	struct tide_table *t;
	tide_table_bad_fn bad;
	void *ctx;
	int stop;		/* TIDE_EINVAL (bad() said stop), TIDE_ETOOBIG */
	struct tide_table_rowerr *err;
	struct tide_csv *csv;
	/* The CSV column of each table path (keys, columns, then time at
	 * [nkeys + ncol]), -1 for none: set up at the second row, once the
	 * columns are known; fast = 1 when every path is a plain name, so
	 * rows are taken from csvrec's values without a JSON lookup. */
	int *map;
	int fast;
};

/* A CSV row is a flat object: a one-segment path is a column by name,
 * a longer one matches nothing (no column holds an object). */
static void
csv_map(struct csvload *cl)
{
	struct tide_table *t = cl->t;
	int i, j, np = t->spec.nkeys + t->ncol + 1;
	const struct tide_path *pa;
	const char *name;
	size_t nlen;

	cl->map = tide_xreallocarray(NULL, (size_t)np, sizeof(*cl->map));
	cl->fast = 1;
	for (i = 0; i < np; i++) {
		cl->map[i] = -1;
		if (i == np - 1) {
			if (!t->spec.timefield)
				continue;
			pa = &t->path[t->spec.nkeys + TIDE_TABLE_MAXCOLS];
		} else
			pa = &t->path[i];
		if (pa->nseg != 1) {
			cl->fast = 0;
			continue;
		}
		for (j = 0; j < cl->csv->nhdr; j++) {
			name = tide_csv_name(cl->csv, j, &nlen);
			if (nlen == pa->seg[0].len &&
			    memcmp(name, pa->seg[0].name, nlen) == 0)
				cl->map[i] = j;
		}
	}
}

static int
csv_add(struct csvload *cl, const struct tide_csv_row *row,
    struct tide_table_rowerr *err)
{
	static const struct tide_json_val none = { TIDE_JSON_NONE, NULL, 0 };
	struct tide_table *t = cl->t;
	int i, r, np, m;
	int64_t ts = 0;

	if (t->ncol < 0)
		return tide_table_add(t, row->rec, row->len, err);
	if (cl->map == NULL)
		csv_map(cl);
	if (!cl->fast)
		return tide_table_add(t, row->rec, row->len, err);
	np = t->spec.nkeys + t->ncol;
	for (i = 0; i < np; i++)
		t->vals[i] = (m = cl->map[i]) < 0 ? none : row->val[m];
	m = cl->map[np];
	if ((r = row_prepare_vals(t, t->vals, m < 0 ? &none : &row->val[m], 0,
	    &ts, err)) < 0)
		return r;
	return add_prepared(t, ts, err);
}

static int
csv_row(void *ctx, const struct tide_csv_row *row)
{
	struct csvload *cl = ctx;
	struct tide_table_rowerr rerr;
	int r;

	if (row->err) {
		snprintf(rerr.msg, sizeof(rerr.msg), "%s", row->reason);
	} else if ((r = csv_add(cl, row, &rerr)) == 0) {
		return 0;
	} else if (r == TIDE_ETOOBIG) {
		memcpy(cl->err->msg, rerr.msg, sizeof(rerr.msg));
		cl->stop = r;
		return r;
	}
	if (cl->bad && cl->bad(cl->ctx, row->line, rerr.msg) != 0) {
		snprintf(cl->err->msg, sizeof(cl->err->msg), "line %llu: %.200s",
		    (unsigned long long)row->line, rerr.msg);
		cl->stop = TIDE_EINVAL;
		return TIDE_EINVAL;
	}
	return 0;
}

/* CSV rows become JSON objects (csvrec): numbers typed, an empty cell
 * null, so a table cell with nothing in it joins as null. */
static int
load_csv(struct tide_table *t, struct tide_recin *in, tide_table_bad_fn bad,
    void *ctx, struct tide_table_rowerr *err)
{
	struct csvload cl = { t, bad, ctx, 0, err, NULL, NULL, 0 };
	struct tide_csv c;
	int r, readerr;

	cl.csv = &c;
	tide_csv_init(&c, TIDE_CSV_EMPTY_NULL, in->max, csv_row, &cl);
	r = tide_recin_csv(in, &c, &readerr);
	if (readerr)
		snprintf(err->msg, sizeof(err->msg), "%s",
		    tide_recin_strerror(in, r));
	else if (r < 0) {
		if (cl.stop)
			r = cl.stop;
		else {
			snprintf(err->msg, sizeof(err->msg), "line %llu: %s",
			    (unsigned long long)c.errline, c.reason ? c.reason :
			    tide_strerror(r));
			r = TIDE_EFORMAT;
		}
	}
	tide_csv_release(&c);
	free(cl.map);
	return r;
}

int
tide_table_load(struct tide_table *t, const char *path,
    enum tide_table_fmt fmt, size_t maxrec, tide_table_bad_fn bad, void *ctx,
    struct tide_table_rowerr *err)
{
	struct tide_recin in;
	int r;

	if (fmt == TIDE_TABLE_AUTO)
		fmt = tide_table_fmt_of(path);
	/* zstd or plain, whatever the name says: recin sniffs (stdin too,
	 * as tide_zr_open() did). */
	if ((r = tide_recin_open(&in, path, TIDE_RECIN_SNIFF_STDIN |
	    TIDE_RECIN_SKIP_BLANK, maxrec)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s",
		    tide_recin_strerror(&in, r));
		tide_recin_close(&in);
		return r;
	}
	if (fmt == TIDE_TABLE_CSV)
		r = load_csv(t, &in, bad, ctx, err);
	else
		r = load_ndjson(t, &in, bad, ctx, err);
	tide_recin_close(&in);
	if (r == 0 && (r = tide_table_finish(t)) < 0)
		snprintf(err->msg, sizeof(err->msg), "table too big");
	return r;
}
