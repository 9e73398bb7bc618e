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
sorted_next(struct tide_fdsrc *s, int side, struct tide_fdrec *rec,
    struct tide_buf *prev, uint64_t *prevline, struct tide_fdpair_err *err)
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
		tide_buf_adds(&m, "key ");
		tide_fdiff_key_json(&m, rec->key, rec->klen);
		tide_buf_adds(&m, " after ");
		tide_fdiff_key_json(&m, prev->data, prev->len);
		tide_buf_addf(&m, " (line %llu)", (unsigned long long)*prevline);
		snprintf(err->msg, sizeof(err->msg), "%.*s", (int)m.len, m.data);
		tide_buf_release(&m);
		return TIDE_ERANGE;
	}
	tide_buf_reset(prev);
	tide_buf_add(prev, rec->key, rec->klen);
	*prevline = rec->line;
	return 1;
}

int
tide_fdpair_sorted(struct tide_fdiff *d, struct tide_fdsrc *left,
    struct tide_fdsrc *right, struct tide_fdpair_err *err)
{
	struct tide_buf pl = TIDE_BUF_INIT, pr = TIDE_BUF_INIT;
	struct tide_fdrec a, b;
	uint64_t la = 0, lb = 0;
	int ka, kb, c, r = 0;

	ka = sorted_next(left, 0, &a, &pl, &la, err);
	kb = sorted_next(right, 1, &b, &pr, &lb, err);
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
			tide_fdiff_pair(d, a.p, a.len, a.line, b.p, b.len, b.line);
		else if (c < 0)
			tide_fdiff_alone(d, TIDE_FDIFF_MISSING_RIGHT, a.p, a.len,
			    a.line);
		else
			tide_fdiff_alone(d, TIDE_FDIFF_MISSING_LEFT, b.p, b.len,
			    b.line);
		if (c <= 0)
			ka = sorted_next(left, 0, &a, &pl, &la, err);
		if (c >= 0)
			kb = sorted_next(right, 1, &b, &pr, &lb, err);
	}
	tide_buf_release(&pl);
	tide_buf_release(&pr);
	return r;
}

/* Hashed. */

/* A record of RIGHT held: key and record bytes at arena + off. */
struct ent {
	uint64_t off, line;
	uint32_t klen, len;
	uint32_t next;		/* next of the same key, index + 1 */
	uint32_t used;
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

static void
mem_free(struct mem *m)
{
	free(m->arena);
	free(m->ents);
	tide_htab_release(&m->idx);
	memset(m, 0, sizeof(*m));
	tide_htab_init(&m->idx, sizeof(struct chain));
}

/* A partition file: records written as line, key length, record length
 * (native order) and their bytes. */
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
part_put(struct parts *ps, int level, uint64_t line, const char *key,
    size_t klen, const char *p, size_t len, struct tide_fdpair_err *err)
{
	FILE *f = ps->p[part_of(key, klen, level)].f;
	uint32_t kl = (uint32_t)klen, l = (uint32_t)len;

	if (fwrite(&line, sizeof(line), 1, f) != 1 ||
	    fwrite(&kl, sizeof(kl), 1, f) != 1 ||
	    fwrite(&l, sizeof(l), 1, f) != 1 ||
	    fwrite(key, 1, klen, f) != klen || fwrite(p, 1, len, f) != len) {
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
	if (fread(&kl, sizeof(kl), 1, p->f) != 1 ||
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
	struct tide_fdrec rec;
	struct mem m;
	struct chain *ch;
	struct ent *e;
	size_t i;
	int k, r = 0, spill = 0;

	memset(&m, 0, sizeof(m));
	tide_htab_init(&m.idx, sizeof(struct chain));
	while ((k = right->next(right->ctx, &rec)) == 1) {
		if (spill) {
			if ((r = part_put(&pr, level, rec.line, rec.key,
			    rec.klen, rec.p, rec.len, err)) < 0)
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
			e = &m.ents[i];
			if ((r = part_put(&pr, level, e->line, m.arena + e->off,
			    e->klen, m.arena + e->off + e->klen, e->len,
			    err)) < 0)
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
			if ((r = part_put(&pl, level, rec.line, rec.key,
			    rec.klen, rec.p, rec.len, err)) < 0)
				goto out;
			continue;
		}
		ch = tide_htab_get(&m.idx, rec.key, rec.klen);
		if (ch == NULL || ch->head == 0) {
			tide_fdiff_alone(d, TIDE_FDIFF_MISSING_RIGHT, rec.p,
			    rec.len, rec.line);
			continue;
		}
		e = &m.ents[ch->head - 1];
		ch->head = e->next;
		e->used = 1;
		tide_fdiff_pair(d, rec.p, rec.len, rec.line,
		    m.arena + e->off + e->klen, e->len, e->line);
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
		if (!e->used)
			tide_fdiff_alone(d, TIDE_FDIFF_MISSING_LEFT,
			    m.arena + e->off + e->klen, e->len, e->line);
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
