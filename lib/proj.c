#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "err.h"
#include "proj.h"
#include "wrec.h"
#include "xalloc.h"

#define TRY(x)	do { int r_ = (x); if (r_ < 0) return r_; } while (0)

void
tide_proj_init(struct tide_proj *p)
{
	memset(p, 0, sizeof(*p));
}

void
tide_proj_release(struct tide_proj *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		tide_path_release(&p->paths[i]);
		if (p->names)
			free(p->names[i]);
	}
	free(p->paths);
	free(p->names);
	free(p->vals);
	tide_buf_release(&p->keys);
	tide_buf_release(&p->tmp);
	memset(p, 0, sizeof(*p));
}

static int
same_path(const struct tide_path *a, const struct tide_path *b)
{
	int i;

	if (a->nseg != b->nseg)
		return 0;
	for (i = 0; i < a->nseg; i++)
		if (a->seg[i].len != b->seg[i].len || memcmp(a->seg[i].name,
		    b->seg[i].name, a->seg[i].len) != 0)
			return 0;
	return 1;
}

/* One item, item[0..len): compiled into slot p->n, which it then owns. */
static int
add_item(struct tide_proj *p, const char *item, size_t len, char *why)
{
	struct tide_path *path = &p->paths[p->n];
	char wwhy[TIDE_WREC_WHY];
	char *copy, *name, *s, *e;
	int i;

	copy = tide_xmemdup(item, len);
	for (s = copy; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	if (tide_wrec_key_parse(s, path, &name, wwhy) < 0) {
		snprintf(why, TIDE_PROJ_WHY, "%s", wwhy);
		free(copy);
		return TIDE_EINVAL;
	}
	/* wrec leaves the path's text without its 'as' part. */
	if (p->mode == TIDE_PROJ_DROP && strlen(path->text) != strlen(s)) {
		snprintf(why, TIDE_PROJ_WHY, "'as' goes with --keep, not "
		    "--drop: '%s'", s);
		goto bad;
	}
	for (i = 0; i < p->n; i++) {
		if (p->mode == TIDE_PROJ_KEEP && strcmp(p->names[i], name) == 0) {
			snprintf(why, TIDE_PROJ_WHY, "two fields named '%s' "
			    "(rename one with 'as')", name);
			goto bad;
		}
		if (p->mode == TIDE_PROJ_DROP && same_path(&p->paths[i], path)) {
			snprintf(why, TIDE_PROJ_WHY, "'%s' given twice", s);
			goto bad;
		}
	}
	free(copy);
	if (p->mode == TIDE_PROJ_KEEP) {
		p->names[p->n] = name;
		p->keyoff[p->n] = p->keys.len;
		if (tide_json_write_str(&p->keys, name, strlen(name)) < 0 ||
		    tide_buf_addc(&p->keys, ':') < 0)
			return TIDE_ETOOBIG;	/* no cap: not reached */
		p->keyoff[p->n + 1] = p->keys.len;
	} else
		free(name);
	p->n++;
	return 0;
bad:
	tide_path_release(path);
	free(name);
	free(copy);
	return TIDE_EINVAL;
}

int
tide_proj_add(struct tide_proj *p, enum tide_proj_mode mode,
    const char *list, char *why)
{
	const char *s, *q;
	int inq = 0, r;

	if (p->mode != TIDE_PROJ_NONE && p->mode != mode) {
		snprintf(why, TIDE_PROJ_WHY, "--keep and --drop exclude each "
		    "other");
		return TIDE_EINVAL;
	}
	for (s = list; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '\0') {
		snprintf(why, TIDE_PROJ_WHY, "empty list");
		return TIDE_EINVAL;
	}
	p->mode = mode;
	if (p->paths == NULL) {
		tide_buf_init(&p->keys, TIDE_BUF_NOMAX);
		tide_buf_init(&p->tmp, TIDE_BUF_NOMAX);
		p->paths = tide_xcalloc(TIDE_PROJ_MAX, sizeof(*p->paths));
		p->vals = tide_xcalloc(TIDE_PROJ_MAX, sizeof(*p->vals));
		if (mode == TIDE_PROJ_KEEP)
			p->names = tide_xcalloc(TIDE_PROJ_MAX,
			    sizeof(*p->names));
	}
	/* A comma inside a quoted segment is part of the name. */
	for (s = q = list;; q++) {
		if (*q == '"')
			inq = !inq;
		else if (*q == '\\' && inq && q[1] != '\0')
			q++;
		else if ((*q == ',' && !inq) || *q == '\0') {
			const char *t = s;

			while (t < q && (*t == ' ' || *t == '\t'))
				t++;
			if (t == q) {
				snprintf(why, TIDE_PROJ_WHY, "empty field in "
				    "'%s'", list);
				return TIDE_EINVAL;
			}
			if (p->n == TIDE_PROJ_MAX) {
				snprintf(why, TIDE_PROJ_WHY, "more than %d "
				    "fields", TIDE_PROJ_MAX);
				return TIDE_EINVAL;
			}
			if ((r = add_item(p, s, (size_t)(q - s), why)) < 0)
				return r;
			if (*q == '\0')
				break;
			s = q + 1;
		}
	}
	return 0;
}

/* The object rec[0..n) trimmed of blanks, or 0 when it is no object. */
static int
as_object(const char *rec, size_t n, struct tide_json_val *obj)
{
	while (n > 0 && (*rec == ' ' || *rec == '\t' || *rec == '\r' ||
	    *rec == '\n')) {
		rec++;
		n--;
	}
	while (n > 0 && (rec[n - 1] == ' ' || rec[n - 1] == '\t' ||
	    rec[n - 1] == '\r' || rec[n - 1] == '\n'))
		n--;
	if (n < 2 || rec[0] != '{')
		return 0;
	obj->type = TIDE_JSON_OBJECT;
	obj->p = rec;
	obj->len = n;
	return 1;
}

static int
keep(struct tide_proj *p, const struct tide_json_val *obj,
    struct tide_buf *out)
{
	int i, first = 1;

	tide_json_get_many(obj->p, obj->len, p->paths, p->n, p->vals);
	TRY(tide_buf_addc(out, '{'));
	for (i = 0; i < p->n; i++) {
		if (p->vals[i].type == TIDE_JSON_NONE)
			continue;
		if (!first)
			TRY(tide_buf_addc(out, ','));
		first = 0;
		TRY(tide_buf_add(out, p->keys.data + p->keyoff[i],
		    p->keyoff[i + 1] - p->keyoff[i]));
		TRY(tide_buf_add(out, p->vals[i].p, p->vals[i].len));
	}
	return tide_buf_addc(out, '}');
}

/*
 * The object obj without the members the drop paths in mask name at this
 * depth: paths whose first depth segments led here.  A path that ends at
 * a member removes it; one that goes on rewrites the member's object.
 */
static int
drop(struct tide_proj *p, const struct tide_json_val *obj, int depth,
    uint64_t mask, struct tide_buf *out)
{
	struct tide_json_val name, val;
	size_t pos = 0;
	uint64_t sub;
	int i, first = 1, gone;

	TRY(tide_buf_addc(out, '{'));
	while (tide_json_obj_next(obj, &pos, &name, &val)) {
		sub = 0;
		gone = 0;
		for (i = 0; i < p->n; i++) {
			const struct tide_path *pa = &p->paths[i];

			if (!(mask & (UINT64_C(1) << i)) ||
			    !tide_json_str_eq(&name, pa->seg[depth].name,
			    pa->seg[depth].len))
				continue;
			if (pa->nseg == depth + 1)
				gone = 1;
			else
				sub |= UINT64_C(1) << i;
		}
		if (gone)
			continue;
		if (!first)
			TRY(tide_buf_addc(out, ','));
		first = 0;
		TRY(tide_buf_add(out, name.p, name.len));
		TRY(tide_buf_addc(out, ':'));
		if (sub && val.type == TIDE_JSON_OBJECT)
			TRY(drop(p, &val, depth + 1, sub, out));
		else
			TRY(tide_buf_add(out, val.p, val.len));
	}
	return tide_buf_addc(out, '}');
}

int
tide_proj_rec(struct tide_proj *p, const char *rec, size_t n,
    struct tide_buf *out)
{
	struct tide_json_val obj;

	if (p->mode == TIDE_PROJ_NONE || tide_barrier_is(rec, n) ||
	    !as_object(rec, n, &obj))
		return tide_buf_add(out, rec, n);
	if (p->mode == TIDE_PROJ_KEEP)
		return keep(p, &obj, out);
	return drop(p, &obj, 0, p->n == 64 ? UINT64_MAX :
	    (UINT64_C(1) << p->n) - 1, out);
}

int
tide_proj_tail(struct tide_proj *p, struct tide_buf *b, size_t start)
{
	size_t n = b->len - start;
	int nl = n > 0 && b->data[b->len - 1] == '\n';

	if (p->mode == TIDE_PROJ_NONE)
		return 0;
	tide_buf_reset(&p->tmp);
	TRY(tide_buf_add(&p->tmp, b->data + start, n - (size_t)nl));
	b->len = start;
	TRY(tide_proj_rec(p, p->tmp.data, p->tmp.len, b));
	return nl ? tide_buf_addc(b, '\n') : 0;
}
