#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "base64.h"
#include "err.h"
#include "json.h"
#include "xalloc.h"

static void
seterr(struct tide_barrier_err *err, size_t offset, long index,
    const char *reason)
{
	if (err) {
		err->offset = offset;
		err->index = index;
		err->reason = reason;
	}
}

void
tide_barrier_offs_reset(struct tide_barrier_offs *o)
{
	o->n = 0;
	tide_buf_reset(&o->names);
}

void
tide_barrier_offs_release(struct tide_barrier_offs *o)
{
	free(o->v);
	o->v = NULL;
	o->n = o->cap = 0;
	tide_buf_release(&o->names);
}

const char *
tide_barrier_offs_topic(const struct tide_barrier_offs *o, size_t i,
    size_t *len)
{
	if (len)
		*len = o->v[i].topiclen;
	return o->names.data + o->v[i].topic;
}

static long
find(const struct tide_barrier_offs *o, const char *topic, size_t topiclen,
    int32_t partition)
{
	size_t i;

	for (i = o->n; i-- > 0;) {
		const struct tide_barrier_off *e = &o->v[i];
		if (e->partition == partition && e->topiclen == topiclen &&
		    memcmp(o->names.data + e->topic, topic, topiclen) == 0)
			return (long)i;
	}
	return -1;
}

int64_t
tide_barrier_offs_get(const struct tide_barrier_offs *o, const char *topic,
    size_t topiclen, int32_t partition)
{
	long i = find(o, topic, topiclen, partition);

	return i < 0 ? -1 : o->v[i].next;
}

/* Append without looking for the pair (the parser checks for duplicates
 * once, by sorting). */
static int
append(struct tide_barrier_offs *o, const char *topic, size_t topiclen,
    int64_t partition, int64_t next)
{
	struct tide_barrier_off *e;
	int r;

	if (topiclen == 0 || memchr(topic, '\0', topiclen) ||
	    partition < 0 || next < 0)
		return TIDE_EINVAL;
	if (partition > INT32_MAX)
		return TIDE_ERANGE;
	if (topiclen > TIDE_BARRIER_TOPICMAX || o->n >= TIDE_BARRIER_MAXPARTS)
		return TIDE_ETOOBIG;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		o->v = tide_xrealloc(o->v, cap * sizeof(*o->v));
		o->cap = cap;
	}
	e = &o->v[o->n];
	e->topic = o->names.len;
	e->topiclen = topiclen;
	e->partition = (int32_t)partition;
	e->next = next;
	if ((r = tide_buf_add(&o->names, topic, topiclen)) < 0 ||
	    (r = tide_buf_addc(&o->names, '\0')) < 0) {
		o->names.len = e->topic;
		return r;
	}
	o->n++;
	return 0;
}

int
tide_barrier_offs_set(struct tide_barrier_offs *o, const char *topic,
    size_t topiclen, int64_t partition, int64_t next)
{
	long i;

	if (partition >= 0 && partition <= INT32_MAX && next >= 0 &&
	    (i = find(o, topic, topiclen, (int32_t)partition)) >= 0) {
		o->v[i].next = next;
		return 0;
	}
	return append(o, topic, topiclen, partition, next);
}

int
tide_barrier_offs_merge(struct tide_barrier_offs *dst,
    const struct tide_barrier_offs *src)
{
	size_t i, len;
	const char *t;
	int r;

	for (i = 0; i < src->n; i++) {
		t = tide_barrier_offs_topic(src, i, &len);
		if ((r = tide_barrier_offs_set(dst, t, len, src->v[i].partition,
		    src->v[i].next)) < 0)
			return r;
	}
	return 0;
}

int
tide_barrier_offs_write(const struct tide_barrier_offs *o, struct tide_buf *b)
{
	size_t i, start = b->len;
	int r = 0;

	if ((r = tide_buf_addc(b, '[')) < 0)
		goto fail;
	for (i = 0; i < o->n; i++) {
		const struct tide_barrier_off *e = &o->v[i];
		if ((i && (r = tide_buf_addc(b, ',')) < 0) ||
		    (r = tide_buf_addc(b, '[')) < 0 ||
		    (r = tide_json_write_str(b, o->names.data + e->topic,
		    e->topiclen)) < 0 ||
		    (r = tide_buf_addc(b, ',')) < 0 ||
		    (r = tide_json_write_int(b, e->partition)) < 0 ||
		    (r = tide_buf_addc(b, ',')) < 0 ||
		    (r = tide_json_write_int(b, e->next)) < 0 ||
		    (r = tide_buf_addc(b, ']')) < 0)
			goto fail;
	}
	if ((r = tide_buf_addc(b, ']')) < 0)
		goto fail;
	return 0;
fail:
	b->len = start;
	return r;
}

static int
cmp_off(const void *a, const void *b, void *arg)
{
	const struct tide_barrier_offs *o = arg;
	const struct tide_barrier_off *x = &o->v[*(const size_t *)a];
	const struct tide_barrier_off *y = &o->v[*(const size_t *)b];
	size_t n = x->topiclen < y->topiclen ? x->topiclen : y->topiclen;
	int c = memcmp(o->names.data + x->topic, o->names.data + y->topic, n);

	if (c)
		return c;
	if (x->topiclen != y->topiclen)
		return x->topiclen < y->topiclen ? -1 : 1;
	if (x->partition != y->partition)
		return x->partition < y->partition ? -1 : 1;
	return 0;
}

/* The index of an element whose pair appears earlier too, or -1. */
static long
duplicate(const struct tide_barrier_offs *o)
{
	size_t *ix, i;
	long dup = -1;

	if (o->n < 2)
		return -1;
	ix = tide_xmalloc(o->n * sizeof(*ix));
	for (i = 0; i < o->n; i++)
		ix[i] = i;
	qsort_r(ix, o->n, sizeof(*ix), cmp_off, (void *)o);
	for (i = 1; i < o->n && dup < 0; i++)
		if (cmp_off(&ix[i - 1], &ix[i], (void *)o) == 0)
			dup = (long)(ix[i - 1] > ix[i] ? ix[i - 1] : ix[i]);
	free(ix);
	return dup;
}

/* Parse the validated array value arr into o (appended). */
static int
parse_offs(struct tide_barrier_offs *o, const struct tide_json_val *arr,
    const char *base, struct tide_barrier_err *err)
{
	struct tide_json_val elem, f[4];
	struct tide_buf topic = TIDE_BUF_INIT;
	size_t pos = 0;
	long idx = 0, dup;
	int64_t part, next;
	int r = 0;

	if (arr->type != TIDE_JSON_ARRAY) {
		seterr(err, (size_t)(arr->p - base), -1,
		    "offsets is not an array");
		return TIDE_EINVAL;
	}
	tide_buf_init(&topic, TIDE_BARRIER_TOPICMAX);
	for (; tide_json_arr_next(arr, &pos, &elem); idx++) {
		size_t epos = 0;
		int k = 0;
		size_t at = (size_t)(elem.p - base);

		if (elem.type != TIDE_JSON_ARRAY) {
			seterr(err, at, idx, "an offsets element is not an array");
			r = TIDE_EINVAL;
			goto out;
		}
		while (k < 4 && tide_json_arr_next(&elem, &epos, &f[k]))
			k++;
		if (k != 3) {
			seterr(err, at, idx,
			    "an offsets element is not [topic,partition,next]");
			r = TIDE_EINVAL;
			goto out;
		}
		if (f[0].type != TIDE_JSON_STRING) {
			seterr(err, at, idx, "a topic is not a string");
			r = TIDE_EINVAL;
			goto out;
		}
		tide_buf_reset(&topic);
		if (tide_json_str(&f[0], &topic) < 0) {
			seterr(err, at, idx, "a topic is too long");
			r = TIDE_ETOOBIG;
			goto out;
		}
		if ((r = tide_json_int64(&f[1], &part)) < 0 ||
		    (r = tide_json_int64(&f[2], &next)) < 0) {
			seterr(err, at, idx, r == TIDE_ERANGE ?
			    "a partition or offset is out of range" :
			    "a partition or offset is not an integer");
			r = r == TIDE_ERANGE ? TIDE_ERANGE : TIDE_EINVAL;
			goto out;
		}
		if ((r = append(o, topic.data ? topic.data : "", topic.len,
		    part, next)) < 0) {
			seterr(err, at, idx,
			    r == TIDE_ETOOBIG ? "too many partitions" :
			    r == TIDE_ERANGE ? "a partition is out of range" :
			    topic.len == 0 ? "a topic is empty" :
			    memchr(topic.data, '\0', topic.len) ?
			    "a topic holds U+0000" :
			    "a partition or offset is negative");
			goto out;
		}
	}
	if ((dup = duplicate(o)) >= 0) {
		seterr(err, (size_t)(arr->p - base), dup,
		    "a partition appears twice");
		r = TIDE_EINVAL;
	}
out:
	tide_buf_release(&topic);
	return r;
}

int
tide_barrier_offs_parse(struct tide_barrier_offs *o, const char *p, size_t n,
    struct tide_barrier_err *err)
{
	struct tide_json_err jerr;
	struct tide_json_val arr;
	size_t i = 0;
	int r;

	tide_barrier_offs_reset(o);
	seterr(err, 0, -1, NULL);
	if ((r = tide_json_check(p, n, 4, &arr.type, &jerr)) < 0) {
		seterr(err, jerr.offset, -1, jerr.reason);
		return r;
	}
	/* The scanner allows surrounding whitespace; the value is the rest. */
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
	    p[i] == '\r'))
		i++;
	while (n > i && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	arr.p = p + i;
	arr.len = n - i;
	if ((r = parse_offs(o, &arr, p, err)) < 0)
		tide_barrier_offs_reset(o);
	return r;
}

void
tide_barrier_reset(struct tide_barrier *b)
{
	b->seq = 0;
	b->final = 0;
	tide_barrier_offs_reset(&b->offs);
	tide_buf_reset(&b->group);
}

void
tide_barrier_release(struct tide_barrier *b)
{
	b->seq = 0;
	b->final = 0;
	tide_barrier_offs_release(&b->offs);
	tide_buf_release(&b->group);
}

int
tide_barrier_write(const struct tide_barrier *b, struct tide_buf *out)
{
	size_t start = out->len;
	int r;

	if (b->seq < 0)
		return TIDE_EINVAL;
	if ((r = tide_buf_adds(out, TIDE_BARRIER_PREFIX "{\"seq\":")) < 0 ||
	    (r = tide_json_write_int(out, b->seq)) < 0 ||
	    (b->final && (r = tide_buf_adds(out, ",\"final\":true")) < 0) ||
	    (r = tide_buf_adds(out, ",\"offsets\":")) < 0 ||
	    (r = tide_barrier_offs_write(&b->offs, out)) < 0 ||
	    (b->group.len && ((r = tide_buf_adds(out, ",\"group\":\"")) < 0 ||
	    (r = tide_b64_encode(out, b->group.data, b->group.len)) < 0 ||
	    (r = tide_buf_addc(out, '"')) < 0)) ||
	    (r = tide_buf_adds(out, "}}")) < 0) {
		out->len = start;
		return r;
	}
	return 0;
}

static int
key_is(const struct tide_json_val *name, const char *s)
{
	return tide_json_str_eq(name, s, strlen(s));
}

static int
parse_body(struct tide_barrier *b, const struct tide_json_val *top,
    const char *line, struct tide_barrier_err *err)
{
	struct tide_json_val name, val, body = { TIDE_JSON_NONE, NULL, 0 };
	size_t pos = 0;
	int seen_seq = 0, seen_final = 0, seen_offs = 0, seen_group = 0, r;

	/* Exactly one top-level key, "@barrier". */
	while (tide_json_obj_next(top, &pos, &name, &val)) {
		if (!key_is(&name, "@barrier") || body.type != TIDE_JSON_NONE) {
			seterr(err, (size_t)(name.p - line), -1,
			    "a key beside \"@barrier\"");
			return TIDE_EINVAL;
		}
		body = val;
	}
	if (body.type != TIDE_JSON_OBJECT) {
		seterr(err, body.p ? (size_t)(body.p - line) : 0, -1,
		    "\"@barrier\" is not an object");
		return TIDE_EINVAL;
	}
	pos = 0;
	while (tide_json_obj_next(&body, &pos, &name, &val)) {
		size_t at = (size_t)(val.p - line);
		int *seen = key_is(&name, "seq") ? &seen_seq :
		    key_is(&name, "final") ? &seen_final :
		    key_is(&name, "offsets") ? &seen_offs :
		    key_is(&name, "group") ? &seen_group : NULL;

		if (!seen)
			continue;	/* a later field: ignored */
		if (*seen) {
			seterr(err, (size_t)(name.p - line), -1,
			    "a field appears twice");
			return TIDE_EINVAL;
		}
		*seen = 1;
		if (seen == &seen_seq) {
			if ((r = tide_json_int64(&val, &b->seq)) < 0 ||
			    b->seq < 0) {
				seterr(err, at, -1, r == TIDE_ERANGE ?
				    "seq is out of range" :
				    "seq is not a non-negative integer");
				return r == TIDE_ERANGE ? TIDE_ERANGE :
				    TIDE_EINVAL;
			}
		} else if (seen == &seen_final) {
			if (tide_json_bool(&val, &b->final) < 0) {
				seterr(err, at, -1, "final is not true or false");
				return TIDE_EINVAL;
			}
		} else if (seen == &seen_group) {
			/* Base64 has no escapes: the bytes between the quotes. */
			if (val.type != TIDE_JSON_STRING || val.len < 3 ||
			    (val.len - 2) / 4 * 3 > TIDE_BARRIER_GROUPMAX ||
			    tide_b64_decode(&b->group, val.p + 1,
			    val.len - 2) < 0) {
				tide_buf_reset(&b->group);
				seterr(err, at, -1, "group is not base64 of up "
				    "to 4096 bytes");
				return TIDE_EINVAL;
			}
		} else if ((r = parse_offs(&b->offs, &val, line, err)) < 0) {
			return r;
		}
	}
	if (!seen_seq || !seen_offs) {
		seterr(err, (size_t)(body.p - line), -1, !seen_seq ?
		    "no seq" : "no offsets");
		return TIDE_EINVAL;
	}
	return 0;
}

int
tide_barrier_parse(struct tide_barrier *b, const char *line, size_t len,
    struct tide_barrier_err *err)
{
	struct tide_json_err jerr;
	struct tide_json_val top;
	int r;

	tide_barrier_reset(b);
	seterr(err, 0, -1, NULL);
	if (!tide_barrier_is(line, len)) {
		seterr(err, 0, -1, "not a barrier line");
		return TIDE_EINVAL;
	}
	if (len > TIDE_BARRIER_MAXLINE) {
		seterr(err, TIDE_BARRIER_MAXLINE, -1, "barrier line too long");
		return TIDE_ETOOBIG;
	}
	if ((r = tide_json_check(line, len, 8, &top.type, &jerr)) < 0) {
		seterr(err, jerr.offset, -1, jerr.reason);
		return r;
	}
	/* The prefix pins the object to the first byte; only whitespace
	 * may follow it, which the value's span leaves out. */
	top.p = line;
	top.len = len;
	while (top.len && (line[top.len - 1] == ' ' ||
	    line[top.len - 1] == '\t' || line[top.len - 1] == '\r' ||
	    line[top.len - 1] == '\n'))
		top.len--;
	if ((r = parse_body(b, &top, line, err)) < 0)
		tide_barrier_reset(b);
	return r;
}
