#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fdpair.h"
#include "htab.h"
#include "xalloc.h"

/* Sorted. */

/* Read the next record of a side into *rec and check it comes after the
 * last one (whose key prev holds): 1, 0 at the end, or an error. */
static int
sorted_next(const struct tide_fdiff *d, struct tide_fdsrc *s, int side,
    struct tide_fdrec *rec, struct tide_buf *prev, struct tide_fdrec *prevat,
    struct tide_fdpair_err *err)
{
	int k = s->next(s->ctx, rec);

	if (k <= 0) {
		err->side = side;
		return k;
	}
	if (prev->len > 0 && tide_fdiff_keycmp(prev->data, prev->len,
	    rec->key, rec->klen) > 0) {
		struct tide_buf m = TIDE_BUF_INIT;

		err->side = side;
		err->line = rec->line;
		err->part = rec->part;
		tide_buf_adds(&m, "key ");
		tide_fdiff_key_json(&m, rec->key, rec->klen);
		tide_buf_adds(&m, " after ");
		tide_fdiff_key_json(&m, prev->data, prev->len);
		tide_buf_adds(&m, " (");
		tide_fdiff_where(d, side, prevat->line, prevat->part, &m);
		tide_buf_addc(&m, ')');
		snprintf(err->msg, sizeof(err->msg), "%.*s", (int)m.len, m.data);
		tide_buf_release(&m);
		return TIDE_ERANGE;
	}
	tide_buf_reset(prev);
	tide_buf_add(prev, rec->key, rec->klen);
	prevat->line = rec->line;
	prevat->part = rec->part;
	return 1;
}

int
tide_fdpair_sorted(struct tide_fdiff *d, struct tide_fdsrc *left,
    struct tide_fdsrc *right, struct tide_fdpair_err *err)
{
	struct tide_buf pl = TIDE_BUF_INIT, pr = TIDE_BUF_INIT;
	struct tide_fdrec a, b, pa = { .line = 0 }, pb = { .line = 0 };
	int ka, kb, c, r = 0;

	ka = sorted_next(d, left, 0, &a, &pl, &pa, err);
	kb = sorted_next(d, right, 1, &b, &pr, &pb, err);
	for (;;) {
		if (ka < 0 || kb < 0) {
			r = ka < 0 ? ka : kb;
			err->side = ka < 0 ? 0 : 1;
			break;
		}
		if (ka == 0 && kb == 0)
			break;
		if (ka == 0)
			c = 1;
		else if (kb == 0)
			c = -1;
		else
			c = tide_fdiff_keycmp(a.key, a.klen, b.key, b.klen);
		if (c == 0)
			tide_fdiff_pair(d, &a, &b);
		else if (c < 0)
			tide_fdiff_alone(d, TIDE_FDIFF_MISSING_RIGHT, &a);
		else
			tide_fdiff_alone(d, TIDE_FDIFF_MISSING_LEFT, &b);
		if (c <= 0)
			ka = sorted_next(d, left, 0, &a, &pl, &pa, err);
		if (c >= 0)
			kb = sorted_next(d, right, 1, &b, &pr, &pb, err);
	}
	tide_buf_release(&pl);
	tide_buf_release(&pr);
	return r;
}

/* Hashed. */

/* A record of RIGHT held: key and record bytes at arena + off; its place
 * (a partition is a Kafka one, at most INT32_MAX: 31 bits). */
struct ent {
	uint64_t off, line;
	uint32_t klen, len;
	uint32_t next;		/* next of the same key, index + 1 */
	uint32_t used : 1, part : 31;
};

/* A key's records not yet paired: indexes + 1. */
struct chain {
	uint32_t head, tail;
};

struct mem {
	char *arena;
	size_t alen, acap;
	struct ent *ents;
	size_t n, cap;
	struct tide_htab idx;
};

static size_t
mem_bytes(const struct mem *m)
{
	return m->acap + m->cap * sizeof(struct ent) + tide_htab_bytes(&m->idx);
}

static void
mem_add(struct mem *m, const struct tide_fdrec *rec)
{
	struct chain *ch;
	struct ent *e;
	size_t need = rec->klen + rec->len;

	if (m->acap - m->alen < need) {
		while (m->acap - m->alen < need)
			m->acap = m->acap ? 2 * m->acap : 1 << 16;
		m->arena = tide_xrealloc(m->arena, m->acap);
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->ents = tide_xreallocarray(m->ents, m->cap, sizeof(*m->ents));
	}
	e = &m->ents[m->n++];
	e->off = m->alen;
	e->line = rec->line;
	e->part = (uint32_t)rec->part & 0x7fffffff;
	e->klen = (uint32_t)rec->klen;
	e->len = (uint32_t)rec->len;
	e->next = 0;
	e->used = 0;
	memcpy(m->arena + m->alen, rec->key, rec->klen);
	memcpy(m->arena + m->alen + rec->klen, rec->p, rec->len);
	m->alen += need;
	ch = tide_htab_put(&m->idx, rec->key, rec->klen, NULL);
	if (ch->tail)
		m->ents[ch->tail - 1].next = (uint32_t)m->n;
	else
		ch->head = (uint32_t)m->n;
	ch->tail = (uint32_t)m->n;
}

/* A held record as a record. */
static void
mem_rec(const struct mem *m, const struct ent *e, struct tide_fdrec *rec)
{
	rec->key = m->arena + e->off;
	rec->klen = e->klen;
	rec->p = m->arena + e->off + e->klen;
	rec->len = e->len;
	rec->line = e->line;
	rec->part = (int32_t)e->part;
}

static void
mem_free(struct mem *m)
{
	free(m->arena);
	free(m->ents);
	tide_htab_release(&m->idx);
	memset(m, 0, sizeof(*m));
	tide_htab_init(&m->idx, sizeof(struct chain));
}

/* A partition file: records written as line, partition, key length,
 * record length (native order) and their bytes. */
struct part {
	FILE *f;
	struct tide_buf b;
};

struct parts {
	struct part p[TIDE_FDPAIR_NPART];
	int open;
};

static int
part_open(struct part *p, const char *tmpdir, struct tide_fdpair_err *err)
{
	struct tide_buf path = TIDE_BUF_INIT;
	int fd;

	tide_buf_addf(&path, "%s/tide-diff.XXXXXX", tmpdir);
	fd = mkstemp((char *)tide_buf_cstr(&path));
	if (fd >= 0)
		unlink(path.data);
	tide_buf_release(&path);
	if (fd < 0 || (p->f = fdopen(fd, "w+")) == NULL) {
		err->side = -1;
		err->errnum = errno;
		if (fd >= 0)
			close(fd);
		return TIDE_EIO;
	}
	tide_buf_init(&p->b, TIDE_BUF_NOMAX);
	return 0;
}

static void
parts_close(struct parts *ps)
{
	int i;

	for (i = 0; i < ps->open; i++) {
		fclose(ps->p[i].f);
		tide_buf_release(&ps->p[i].b);
	}
	ps->open = 0;
}

static int
parts_open(struct parts *ps, struct tide_fdpair_conf *c,
    struct tide_fdpair_err *err)
{
	int r;

	for (ps->open = 0; ps->open < TIDE_FDPAIR_NPART; ps->open++)
		if ((r = part_open(&ps->p[ps->open], c->tmpdir, err)) < 0) {
			parts_close(ps);
			return r;
		}
	c->spills += TIDE_FDPAIR_NPART;
	return 0;
}

static int
part_of(const char *key, size_t klen, int level)
{
	return (int)(tide_hash(key, klen) >> (60 - 4 * level)) & 0xf;
}

static int
part_put(struct parts *ps, int level, const struct tide_fdrec *rec,
    struct tide_fdpair_err *err)
{
	FILE *f = ps->p[part_of(rec->key, rec->klen, level)].f;
	uint32_t kl = (uint32_t)rec->klen, l = (uint32_t)rec->len;

	if (fwrite(&rec->line, sizeof(rec->line), 1, f) != 1 ||
	    fwrite(&rec->part, sizeof(rec->part), 1, f) != 1 ||
	    fwrite(&kl, sizeof(kl), 1, f) != 1 ||
	    fwrite(&l, sizeof(l), 1, f) != 1 ||
	    fwrite(rec->key, 1, rec->klen, f) != rec->klen ||
	    fwrite(rec->p, 1, rec->len, f) != rec->len) {
		err->side = -1;
		err->errnum = errno;
		return TIDE_EIO;
	}
	return 0;
}

/* A partition read back as a source. */
struct part_src {
	struct part *p;
	struct tide_fdpair_err *err;
};

static int
part_next(void *ctx, struct tide_fdrec *rec)
{
	struct part_src *s = ctx;
	struct part *p = s->p;
	uint32_t kl, l;

	if (fread(&rec->line, sizeof(rec->line), 1, p->f) != 1) {
		if (ferror(p->f))
			goto fail;
		return 0;
	}
	if (fread(&rec->part, sizeof(rec->part), 1, p->f) != 1 ||
	    fread(&kl, sizeof(kl), 1, p->f) != 1 ||
	    fread(&l, sizeof(l), 1, p->f) != 1)
		goto fail;
	tide_buf_reset(&p->b);
	if (tide_buf_grow(&p->b, (size_t)kl + l) < 0 ||
	    fread(p->b.data, 1, (size_t)kl + l, p->f) != (size_t)kl + l)
		goto fail;
	rec->key = p->b.data;
	rec->klen = kl;
	rec->p = p->b.data + kl;
	rec->len = l;
	return 1;
fail:
	s->err->errnum = ferror(p->f) ? errno : EIO;
	return TIDE_EIO;
}

static int hashed(struct tide_fdiff *d, struct tide_fdsrc *left,
    struct tide_fdsrc *right, struct tide_fdpair_conf *c, int level,
    struct tide_fdpair_err *err);

/* Diff partition by partition. */
static int
diff_parts(struct tide_fdiff *d, struct parts *pl, struct parts *pr,
    struct tide_fdpair_conf *c, int level, struct tide_fdpair_err *err)
{
	struct part_src sl, sr;
	struct tide_fdsrc a = { part_next, &sl }, b = { part_next, &sr };
	int i, r;

	for (i = 0; i < TIDE_FDPAIR_NPART; i++) {
		if (fflush(pl->p[i].f) != 0 || fflush(pr->p[i].f) != 0 ||
		    fseek(pl->p[i].f, 0, SEEK_SET) != 0 ||
		    fseek(pr->p[i].f, 0, SEEK_SET) != 0) {
			err->side = -1;
			err->errnum = errno;
			return TIDE_EIO;
		}
		sl.p = &pl->p[i];
		sr.p = &pr->p[i];
		sl.err = sr.err = err;
		if ((r = hashed(d, &a, &b, c, level + 1, err)) < 0) {
			if (r == TIDE_EIO)
				err->side = -1;	/* a partition, not an input */
			return r;
		}
		/* Give the space back as soon as it is done with. */
		if (ftruncate(fileno(pl->p[i].f), 0) != 0 ||
		    ftruncate(fileno(pr->p[i].f), 0) != 0) {
			err->side = -1;
			err->errnum = errno;
			return TIDE_EIO;
		}
	}
	return 0;
}

static int
hashed(struct tide_fdiff *d, struct tide_fdsrc *left,
    struct tide_fdsrc *right, struct tide_fdpair_conf *c, int level,
    struct tide_fdpair_err *err)
{
	struct parts pl = { .open = 0 }, pr = { .open = 0 };
	struct tide_fdrec rec, held;
	struct mem m;
	struct chain *ch;
	struct ent *e;
	size_t i;
	int k, r = 0, spill = 0;

	memset(&m, 0, sizeof(m));
	tide_htab_init(&m.idx, sizeof(struct chain));
	while ((k = right->next(right->ctx, &rec)) == 1) {
		if (spill) {
			if ((r = part_put(&pr, level, &rec, err)) < 0)
				goto out;
			continue;
		}
		mem_add(&m, &rec);
		if (c->max_memory == 0 || level >= TIDE_FDPAIR_LEVELS - 1 ||
		    mem_bytes(&m) <= c->max_memory)
			continue;
		/* Too much to hold: partition what is held, and the rest. */
		if ((r = parts_open(&pr, c, err)) < 0 ||
		    (r = parts_open(&pl, c, err)) < 0)
			goto out;
		for (i = 0; i < m.n; i++) {
			mem_rec(&m, &m.ents[i], &held);
			if ((r = part_put(&pr, level, &held, err)) < 0)
				goto out;
		}
		mem_free(&m);
		spill = 1;
	}
	if (k < 0) {
		err->side = 1;
		r = k;
		goto out;
	}
	while ((k = left->next(left->ctx, &rec)) == 1) {
		if (spill) {
			if ((r = part_put(&pl, level, &rec, err)) < 0)
				goto out;
			continue;
		}
		ch = tide_htab_get(&m.idx, rec.key, rec.klen);
		if (ch == NULL || ch->head == 0) {
			tide_fdiff_alone(d, TIDE_FDIFF_MISSING_RIGHT, &rec);
			continue;
		}
		e = &m.ents[ch->head - 1];
		ch->head = e->next;
		e->used = 1;
		mem_rec(&m, e, &held);
		tide_fdiff_pair(d, &rec, &held);
	}
	if (k < 0) {
		err->side = 0;
		r = k;
		goto out;
	}
	if (spill) {
		r = diff_parts(d, &pl, &pr, c, level, err);
		goto out;
	}
	for (i = 0; i < m.n; i++) {
		e = &m.ents[i];
		if (e->used)
			continue;
		mem_rec(&m, e, &held);
		tide_fdiff_alone(d, TIDE_FDIFF_MISSING_LEFT, &held);
	}
out:
	parts_close(&pl);
	parts_close(&pr);
	free(m.arena);
	free(m.ents);
	tide_htab_release(&m.idx);
	return r;
}

int
tide_fdpair_hashed(struct tide_fdiff *d, struct tide_fdsrc *left,
    struct tide_fdsrc *right, struct tide_fdpair_conf *c,
    struct tide_fdpair_err *err)
{
	return hashed(d, left, right, c, 0, err);
}
