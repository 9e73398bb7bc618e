#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fdiff.h"
#include "key.h"
#include "xalloc.h"

/* An encoded key field: a tag, the text's length (4 bytes, native order)
 * and the canonical text. */
#define TAG_NUM 'N'
#define TAG_TEXT 'T'
#define FIELD_HDR 5

void
tide_fdiff_init(struct tide_fdiff *d, const struct tide_fdiff_conf *conf)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->conf = *conf;
	tide_htab_init(&d->fields, sizeof(uint64_t));
	if (conf->nignore > 0)
		d->ign = tide_xcalloc((size_t)conf->nignore, sizeof(*d->ign));
	for (i = 0; i < conf->nignore; i++) {
		tide_buf_init(&d->ign[i], TIDE_BUF_NOMAX);
		(void)tide_json_write_str(&d->ign[i], conf->ignore[i],
		    strlen(conf->ignore[i]));
	}
	for (i = 0; i < TIDE_FDIFF_NKIND; i++)
		tide_buf_init(&d->ex[i], TIDE_BUF_NOMAX);
	tide_buf_init(&d->s1, TIDE_BUF_NOMAX);
	tide_buf_init(&d->s2, TIDE_BUF_NOMAX);
}

void
tide_fdiff_release(struct tide_fdiff *d)
{
	int i;

	for (i = 0; i < d->conf.nignore; i++)
		tide_buf_release(&d->ign[i]);
	free(d->ign);
	for (i = 0; i < TIDE_FDIFF_NKIND; i++)
		tide_buf_release(&d->ex[i]);
	tide_htab_release(&d->fields);
	free(d->lm);
	free(d->rm);
	free(d->rused);
	free(d->diffs);
	tide_buf_release(&d->s1);
	tide_buf_release(&d->s2);
}

/* Whether the canonical text p[0..n) is a number. */
static int
is_number(const char *p, size_t n)
{
	char num[64];
	size_t l;

	if (n == 0 || !((p[0] >= '0' && p[0] <= '9') || p[0] == '-'))
		return 0;
	return tide_key_number(p, n, num, &l) != NULL;
}

int
tide_fdiff_key(const struct tide_fdiff *d, const struct tide_json_val *kv,
    struct tide_buf *out, int *which)
{
	size_t at;
	uint32_t n;
	int i, r;

	tide_buf_reset(out);
	for (i = 0; i < d->conf.nkey; i++) {
		at = out->len;
		if ((r = tide_buf_add(out, "T\0\0\0\0", FIELD_HDR)) < 0)
			return r;
		if ((r = tide_key_text(out, &kv[i])) < 0) {
			if (r == TIDE_ENOENT || r == TIDE_ETYPE) {
				*which = i;
				return TIDE_ENOENT;
			}
			return r;
		}
		n = (uint32_t)(out->len - at - FIELD_HDR);
		memcpy(out->data + at + 1, &n, 4);
		/* A string may hold a number ("42" is 42); a number is one. */
		if (kv[i].type == TIDE_JSON_NUMBER || (kv[i].type ==
		    TIDE_JSON_STRING && is_number(out->data + at + FIELD_HDR,
		    n)))
			out->data[at] = TAG_NUM;
	}
	return 0;
}

/* Integer text: no fraction, no exponent. */
static int
is_int(const char *p, size_t n)
{
	return memchr(p, '.', n) == NULL && memchr(p, 'e', n) == NULL &&
	    memchr(p, 'E', n) == NULL;
}

static int
cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

/* Two canonical numbers by value; equal values of different texts (a long
 * integer and the double nearest it) by their bytes, so that only equal
 * keys compare equal. */
static int
cmp_num(const char *a, size_t an, const char *b, size_t bn)
{
	char ba[128], bb[128];
	double x, y;
	int na = a[0] == '-', nb = b[0] == '-', c;

	if (is_int(a, an) && is_int(b, bn)) {
		if (na != nb)
			return na ? -1 : 1;
		if (an != bn)
			c = an < bn ? -1 : 1;
		else
			c = memcmp(a, b, an);
		c = c < 0 ? -1 : c > 0;
		return na ? -c : c;
	}
	if (an >= sizeof(ba) || bn >= sizeof(bb))
		return cmp_bytes(a, an, b, bn);
	memcpy(ba, a, an);
	ba[an] = 0;
	memcpy(bb, b, bn);
	bb[bn] = 0;
	x = strtod(ba, NULL);
	y = strtod(bb, NULL);
	if (x != y)
		return x < y ? -1 : 1;
	return cmp_bytes(a, an, b, bn);
}

int
tide_fdiff_keycmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;
	uint32_t la, lb;
	int c;

	while (i + FIELD_HDR <= an && j + FIELD_HDR <= bn) {
		memcpy(&la, a + i + 1, 4);
		memcpy(&lb, b + j + 1, 4);
		if (a[i] != b[j])
			return a[i] == TAG_NUM ? -1 : 1;
		if (la == lb && memcmp(a + i + FIELD_HDR, b + j + FIELD_HDR,
		    la) == 0)
			c = 0;
		else if (a[i] == TAG_NUM)
			c = cmp_num(a + i + FIELD_HDR, la, b + j + FIELD_HDR, lb);
		else
			c = cmp_bytes(a + i + FIELD_HDR, la, b + j + FIELD_HDR,
			    lb);
		if (c != 0)
			return c;
		i += FIELD_HDR + la;
		j += FIELD_HDR + lb;
	}
	return (an - i > 0) - (bn - j > 0);
}

void
tide_fdiff_key_json(struct tide_buf *out, const char *k, size_t kn)
{
	size_t i = 0;
	uint32_t l;

	tide_buf_addc(out, '[');
	while (i + FIELD_HDR <= kn) {
		memcpy(&l, k + i + 1, 4);
		if (i > 0)
			tide_buf_addc(out, ',');
		if (k[i] == TAG_NUM)
			tide_buf_add(out, k + i + FIELD_HDR, l);
		else
			tide_json_write_str(out, k + i + FIELD_HDR, l);
		i += FIELD_HDR + l;
	}
	tide_buf_addc(out, ']');
}

static int
ignored(const struct tide_fdiff *d, const struct tide_json_val *name)
{
	int i;

	for (i = 0; i < d->conf.nignore; i++)
		if (d->ign[i].len == name->len &&
		    memcmp(d->ign[i].data, name->p, name->len) == 0)
			return 1;
	return 0;
}

static int
same_name(const struct tide_json_val *a, const struct tide_json_val *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static int
num_close(const struct tide_fdiff *d, const struct tide_json_val *a,
    const struct tide_json_val *b)
{
	double x, y, t;

	if (tide_json_double(a, &x) < 0 || tide_json_double(b, &y) < 0)
		return 0;
	if (x == y)
		return 1;
	t = d->conf.tol;
	if (t <= 0)
		return 0;
	if (d->conf.tol_rel)
		t *= fmax(fabs(x), fabs(y));
	return fabs(x - y) <= t;
}

/* Whether two values are equal: their bytes, else as the header says. */
static int
same_value(struct tide_fdiff *d, const struct tide_json_val *a,
    const struct tide_json_val *b)
{
	if (a->len == b->len && memcmp(a->p, b->p, a->len) == 0)
		return 1;
	if (a->type != b->type)
		return 0;
	if (a->type == TIDE_JSON_NUMBER)
		return num_close(d, a, b);
	if (a->type == TIDE_JSON_STRING) {
		tide_buf_reset(&d->s1);
		tide_buf_reset(&d->s2);
		if (tide_json_str(a, &d->s1) < 0 || tide_json_str(b, &d->s2) < 0)
			return 0;
		return d->s1.len == d->s2.len &&
		    memcmp(d->s1.data, d->s2.data, d->s1.len) == 0;
	}
	return 0;
}

/* The members of the object p[0..n) into *m (growing it): their count. */
static size_t
members(struct tide_fdiff *d, struct tide_fdiff_mem **m, const char *p,
    size_t n)
{
	struct tide_json_val obj = { TIDE_JSON_OBJECT, p, n };
	size_t pos = 0, k = 0;

	for (;;) {
		if (k == d->mcap) {
			d->mcap = d->mcap ? 2 * d->mcap : 32;
			d->lm = tide_xreallocarray(d->lm, d->mcap, sizeof(*d->lm));
			d->rm = tide_xreallocarray(d->rm, d->mcap, sizeof(*d->rm));
			d->rused = tide_xrealloc(d->rused, d->mcap);
			d->diffs = tide_xreallocarray(d->diffs, 2 * d->mcap,
			    sizeof(*d->diffs));
		}
		if (!tide_json_obj_next(&obj, &pos, &(*m)[k].name, &(*m)[k].val))
			return k;
		k++;
	}
}

static void
count_field(struct tide_fdiff *d, const struct tide_json_val *name)
{
	uint64_t *c = tide_htab_put(&d->fields, name->p, name->len, NULL);

	(*c)++;
}

static void
ex_num(struct tide_buf *b, const char *name, uint64_t v)
{
	tide_buf_adds(b, name);
	tide_buf_addi64(b, (int64_t)v);
}

/* Append ,"side_line":N or ,"side_partition":P,"side_offset":N. */
static void
ex_place(const struct tide_fdiff *d, struct tide_buf *b, int side,
    const struct tide_fdrec *rec)
{
	const char *name = side == 0 ? "left" : "right";

	tide_buf_adds(b, ",\"");
	tide_buf_adds(b, name);
	if (!d->conf.topic[side]) {
		ex_num(b, "_line\":", rec->line);
		return;
	}
	ex_num(b, "_partition\":", (uint64_t)rec->part);
	tide_buf_adds(b, ",\"");
	tide_buf_adds(b, name);
	ex_num(b, "_offset\":", rec->line);
}

int
tide_fdiff_pair(struct tide_fdiff *d, const struct tide_fdrec *lr,
    const struct tide_fdrec *rr)
{
	const char *l = lr->p, *r = rr->p;
	size_t ln = lr->len, rn = rr->len;
	struct tide_fdiff_mem *a, *b;
	struct tide_buf *ex;
	size_t nl, nr, i, j;
	int nd = 0, k;

	d->left++;
	d->right++;
	/* Most pairs of a stream and its replay are equal byte for byte. */
	if (ln == rn && memcmp(l, r, ln) == 0) {
		d->matched++;
		return 0;
	}
	nl = members(d, &d->lm, l, ln);
	nr = members(d, &d->rm, r, rn);
	a = d->lm;
	b = d->rm;
	memset(d->rused, 0, nr);
	for (i = 0; i < nl; i++) {
		if (d->conf.nignore > 0 && ignored(d, &a[i].name))
			continue;
		/* Both sides written by one program: the same order. */
		if (i < nr && !d->rused[i] && same_name(&a[i].name, &b[i].name))
			j = i;
		else
			for (j = 0; j < nr; j++)
				if (!d->rused[j] && same_name(&a[i].name,
				    &b[j].name))
					break;
		if (j == nr) {
			d->diffs[nd++] = (int)i;
			continue;
		}
		d->rused[j] = 1;
		if (!same_value(d, &a[i].val, &b[j].val))
			d->diffs[nd++] = (int)i;
	}
	for (j = 0; j < nr; j++)
		if (!d->rused[j] && !(d->conf.nignore > 0 &&
		    ignored(d, &b[j].name)))
			d->diffs[nd++] = -1 - (int)j;
	if (nd == 0) {
		d->matched++;
		return 0;
	}
	d->differing++;
	for (k = 0; k < nd; k++)
		count_field(d, d->diffs[k] >= 0 ? &a[d->diffs[k]].name :
		    &b[-1 - d->diffs[k]].name);
	if (d->nex[TIDE_FDIFF_DIFFERING] >= d->conf.examples)
		return 1;
	d->nex[TIDE_FDIFF_DIFFERING]++;
	ex = &d->ex[TIDE_FDIFF_DIFFERING];
	tide_buf_adds(ex, "{\"kind\":\"differing\",\"fields\":[");
	for (k = 0; k < nd; k++) {
		const struct tide_json_val *nm = d->diffs[k] >= 0 ?
		    &a[d->diffs[k]].name : &b[-1 - d->diffs[k]].name;

		if (k > 0)
			tide_buf_addc(ex, ',');
		tide_buf_add(ex, nm->p, nm->len);
	}
	tide_buf_addc(ex, ']');
	ex_place(d, ex, 0, lr);
	ex_place(d, ex, 1, rr);
	tide_buf_adds(ex, ",\"left\":");
	tide_buf_add(ex, l, ln);
	tide_buf_adds(ex, ",\"right\":");
	tide_buf_add(ex, r, rn);
	tide_buf_adds(ex, "}\n");
	return 1;
}

void
tide_fdiff_alone(struct tide_fdiff *d, enum tide_fdiff_kind kind,
    const struct tide_fdrec *rec)
{
	int side = kind == TIDE_FDIFF_MISSING_RIGHT ? 0 : 1;
	struct tide_buf *ex = &d->ex[kind];

	if (side == 0) {
		d->left++;
		d->missing_right++;
	} else {
		d->right++;
		d->missing_left++;
	}
	if (d->nex[kind] >= d->conf.examples)
		return;
	d->nex[kind]++;
	tide_buf_adds(ex, side == 0 ? "{\"kind\":\"missing_right\"" :
	    "{\"kind\":\"missing_left\"");
	ex_place(d, ex, side, rec);
	tide_buf_adds(ex, side == 0 ? ",\"left\":" : ",\"right\":");
	tide_buf_add(ex, rec->p, rec->len);
	tide_buf_adds(ex, "}\n");
}

void
tide_fdiff_bad(struct tide_fdiff *d, int side)
{
	if (side == 0)
		d->bad_left++;
	else
		d->bad_right++;
}

int
tide_fdiff_equal(const struct tide_fdiff *d)
{
	return d->differing == 0 && d->missing_left == 0 &&
	    d->missing_right == 0 && d->bad_left == 0 && d->bad_right == 0;
}

void
tide_fdiff_where(const struct tide_fdiff *d, int side, uint64_t line,
    int32_t part, struct tide_buf *out)
{
	if (d->conf.topic[side])
		tide_buf_addf(out, "partition %d offset %llu", (int)part,
		    (unsigned long long)line);
	else
		tide_buf_addf(out, "line %llu", (unsigned long long)line);
}

struct fieldcount {
	const char *name;
	size_t len;
	uint64_t n;
};

static int
cmp_field(const void *x, const void *y)
{
	const struct fieldcount *a = x, *b = y;

	return cmp_bytes(a->name, a->len, b->name, b->len);
}

void
tide_fdiff_report(struct tide_fdiff *d, struct tide_buf *out)
{
	struct fieldcount *fc;
	size_t pos = 0, n = 0, i;
	const char *k;
	size_t kl;
	uint64_t *v;

	ex_num(out, "{\"left\":", d->left);
	ex_num(out, ",\"right\":", d->right);
	ex_num(out, ",\"pairs\":", d->matched + d->differing);
	ex_num(out, ",\"matched\":", d->matched);
	ex_num(out, ",\"differing\":", d->differing);
	ex_num(out, ",\"missing_left\":", d->missing_left);
	ex_num(out, ",\"missing_right\":", d->missing_right);
	ex_num(out, ",\"bad_left\":", d->bad_left);
	ex_num(out, ",\"bad_right\":", d->bad_right);
	tide_buf_adds(out, ",\"fields\":{");
	fc = tide_xcalloc(tide_htab_count(&d->fields) + 1, sizeof(*fc));
	while ((v = tide_htab_next(&d->fields, &pos, &k, &kl)) != NULL) {
		fc[n].name = k;
		fc[n].len = kl;
		fc[n].n = *v;
		n++;
	}
	qsort(fc, n, sizeof(*fc), cmp_field);
	for (i = 0; i < n; i++) {
		if (i > 0)
			tide_buf_addc(out, ',');
		tide_buf_add(out, fc[i].name, fc[i].len);
		ex_num(out, ":", fc[i].n);
	}
	free(fc);
	tide_buf_adds(out, "}}\n");
	for (i = 0; i < TIDE_FDIFF_NKIND; i++)
		tide_buf_add(out, d->ex[i].data, d->ex[i].len);
}
