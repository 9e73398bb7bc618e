/* Checkpoint files and their Kafka offsets: see ckpt.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "err.h"
#include "xalloc.h"
#include "zfile.h"

#define TOPIC_MAX 249

static int
topic_ok(const char *t, size_t n)
{
	size_t i;

	if (n == 0 || n > TOPIC_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)t[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-'))
			return 0;
	}
	return 1;
}

static struct tide_ckpt_part *
find(const struct tide_ckpt_offs *o, const char *topic, size_t n,
    int32_t partition)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->v[i].partition == partition && o->v[i].topiclen == n &&
		    memcmp(o->v[i].topic, topic, n) == 0)
			return &o->v[i];
	return NULL;
}

static void
put(struct tide_ckpt_offs *o, const char *topic, size_t n, int32_t partition,
    int64_t next)
{
	struct tide_ckpt_part *p;

	o->v = tide_xreallocarray(o->v, o->n + 1, sizeof(*o->v));
	p = &o->v[o->n];
	p->topic = tide_xmemdup(topic, n);
	p->topiclen = n;
	p->partition = partition;
	p->next = next;
	o->last = o->n++;
}

int
tide_ckpt_offs_see(struct tide_ckpt_offs *o, const char *topic,
    size_t topiclen, int64_t partition, int64_t offset)
{
	struct tide_ckpt_part *p;

	if (partition < 0 || partition > INT32_MAX || offset < 0 ||
	    offset == INT64_MAX)
		return TIDE_EINVAL;
	/* Records come a partition at a time: the last one usually. */
	if (o->n > 0) {
		p = &o->v[o->last];
		if (p->partition == partition && p->topiclen == topiclen &&
		    memcmp(p->topic, topic, topiclen) == 0) {
			if (offset >= p->next)
				p->next = offset + 1;
			return 0;
		}
	}
	if ((p = find(o, topic, topiclen, (int32_t)partition)) != NULL) {
		o->last = (size_t)(p - o->v);
		if (offset >= p->next)
			p->next = offset + 1;
		return 0;
	}
	if (!topic_ok(topic, topiclen))
		return TIDE_EINVAL;
	put(o, topic, topiclen, (int32_t)partition, offset + 1);
	return 0;
}

int64_t
tide_ckpt_offs_get(const struct tide_ckpt_offs *o, const char *topic,
    int32_t partition)
{
	const struct tide_ckpt_part *p = find(o, topic, strlen(topic), partition);

	return p ? p->next : -1;
}

static int
cmp_part(const void *a, const void *b)
{
	const struct tide_ckpt_part *x = a, *y = b;
	size_t n = x->topiclen < y->topiclen ? x->topiclen : y->topiclen;
	int c = memcmp(x->topic, y->topic, n);

	if (c)
		return c;
	if (x->topiclen != y->topiclen)
		return x->topiclen < y->topiclen ? -1 : 1;
	return x->partition < y->partition ? -1 : x->partition > y->partition;
}

void
tide_ckpt_offs_write(struct tide_ckpt_offs *o, struct tide_buf *b)
{
	size_t i;

	if (o->n > 1)
		qsort(o->v, o->n, sizeof(*o->v), cmp_part);
	o->last = 0;
	for (i = 0; i < o->n; i++)
		tide_buf_addf(b, "kafka %.*s %" PRId32 " %" PRId64 "\n",
		    (int)o->v[i].topiclen, o->v[i].topic, o->v[i].partition,
		    o->v[i].next);
}

/* A decimal number from *p before end, up to the next space or end:
 * 0 or TIDE_EINVAL (no digits, a sign, other bytes, over max). */
static int
number(const char **p, const char *end, int64_t max, int64_t *out)
{
	const char *s = *p;
	int64_t v = 0;

	if (s == end || *s < '0' || *s > '9')
		return TIDE_EINVAL;
	for (; s < end && *s != ' '; s++) {
		if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10)
			return TIDE_EINVAL;
		v = v * 10 + (*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int
tide_ckpt_offs_line(struct tide_ckpt_offs *o, const char *l, size_t n)
{
	const char *end = l + n, *t, *p;
	int64_t part, next;
	size_t tl;

	if (n < 5 || memcmp(l, "kafka", 5) != 0 || (n > 5 && l[5] != ' '))
		return 0;
	/* kafka TOPIC PARTITION NEXT, one space apart. */
	if (n < 6 || (p = memchr(t = l + 6, ' ', (size_t)(end - l - 6))) == NULL)
		return TIDE_EINVAL;
	tl = (size_t)(p - t);
	p++;
	if (!topic_ok(t, tl) || number(&p, end, INT32_MAX, &part) < 0 ||
	    p == end || *p++ != ' ' || number(&p, end, INT64_MAX - 1,
	    &next) < 0 || p != end || find(o, t, tl, (int32_t)part) != NULL)
		return TIDE_EINVAL;
	put(o, t, tl, (int32_t)part, next);
	return 1;
}

void
tide_ckpt_offs_free(struct tide_ckpt_offs *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].topic);
	free(o->v);
	o->v = NULL;
	o->n = o->last = 0;
}

const char *
tide_ckpt_line(const char **p, const char *end, size_t *n)
{
	const char *s = *p, *nl;

	if (s >= end || (nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
		return NULL;
	*n = (size_t)(nl - s);
	*p = nl + 1;
	return s;
}

int
tide_ckpt_read(const char *path, struct tide_buf *b, int head_only,
    int *errnum)
{
	static const char data[] = "\ndata\n";
	struct tide_zr z;
	char chunk[65536];
	size_t seen = 0;
	ssize_t got;
	int r = 0;

	*errnum = 0;
	if ((r = tide_zr_open(&z, path)) < 0) {
		*errnum = z.errnum;
		tide_zr_close(&z);
		if (r == TIDE_EIO && *errnum == ENOENT)
			return TIDE_ENOENT;
		return r;
	}
	while ((got = tide_zr_read(&z, chunk, sizeof(chunk))) != 0) {
		if (got == TIDE_EINTR)
			continue;
		if (got < 0) {
			r = (int)got;
			*errnum = z.errnum;
			break;
		}
		tide_buf_add(b, chunk, (size_t)got);
		if (head_only) {
			/* Look again from just before what came in. */
			if (b->len >= sizeof(data) - 1 &&
			    memmem(b->data + seen, b->len - seen, data,
			    sizeof(data) - 1) != NULL)
				break;
			seen = b->len > sizeof(data) ? b->len - sizeof(data) : 0;
		}
	}
	tide_zr_close(&z);
	if (r == 0 && !tide_ckpt_is(b))
		r = TIDE_EFORMAT;
	return r;
}

int
tide_ckpt_is(const struct tide_buf *b)
{
	size_t ml = sizeof(TIDE_CKPT_MAGIC) - 1;

	return b->len > ml && memcmp(b->data, TIDE_CKPT_MAGIC "\n", ml + 1) == 0;
}

int
tide_ckpt_offs_load(struct tide_ckpt_offs *o, const char *path, int *missing,
    int *errnum)
{
	struct tide_buf b = TIDE_BUF_INIT;
	const char *p, *end, *l;
	size_t n;
	int r;

	*missing = 0;
	if ((r = tide_ckpt_read(path, &b, 1, errnum)) < 0) {
		tide_buf_release(&b);
		if (r == TIDE_ENOENT) {
			*missing = 1;
			return 0;
		}
		return r;
	}
	p = b.data;
	end = b.data + b.len;
	tide_ckpt_line(&p, end, &n);	/* the magic line */
	for (;;) {
		if ((l = tide_ckpt_line(&p, end, &n)) == NULL) {
			r = TIDE_EFORMAT;	/* no "data": cut short */
			break;
		}
		if (n == 4 && memcmp(l, "data", 4) == 0)
			break;
		if (tide_ckpt_offs_line(o, l, n) < 0) {
			r = TIDE_EFORMAT;
			break;
		}
	}
	tide_buf_release(&b);
	if (r < 0)
		tide_ckpt_offs_free(o);
	return r;
}
