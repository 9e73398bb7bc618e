/*
 * Protobuf from runtime descriptors (pbuf.h).  One wire-format reader
 * serves the descriptor set and the payloads.
 *
 * Decoding a message takes two passes over its bytes.  The first checks
 * the wire structure and notes each field's number and offset in the
 * scratch stack (struct tide_pbuf's, or the caller's for raw decoding);
 * the second writes the fields in wire order, a repeated field's
 * occurrences together as one array at its first.  When the numbers do
 * not decrease (what every serializer writes) the occurrences of a field
 * are one run; otherwise a sorted copy of the notes finds them, so a
 * payload of n fields costs O(n log n) at worst, never O(n^2).  A nested
 * message's notes go above its parent's on the same stack, which is
 * addressed by index because growing it may move it.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "err.h"
#include "json.h"
#include "schema/pbuf.h"
#include "xalloc.h"

extern char **environ;

/* Wire types. */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4,
	WT_I32 = 5 };

/* FieldDescriptorProto.Type. */
enum { T_DOUBLE = 1, T_FLOAT, T_INT64, T_UINT64, T_INT32, T_FIXED64,
	T_FIXED32, T_BOOL, T_STRING, T_GROUP, T_MESSAGE, T_BYTES, T_UINT32,
	T_ENUM, T_SFIXED32, T_SFIXED64, T_SINT32, T_SINT64 };

/* The well-known types written specially. */
enum { WKT_NONE = 0, WKT_TIMESTAMP, WKT_DURATION, WKT_WRAPPER, WKT_STRUCT,
	WKT_VALUE, WKT_LIST };

#define MAXFIELDNUM 536870911u	/* 2^29 - 1 */

struct pfield {
	uint32_t num;
	uint8_t type;
	uint8_t repeated;
	uint8_t map;		/* repeated map entries: written as an object */
	uint8_t utf8;		/* a proto3 string: must be UTF-8 */
	char *name, *jname;
	size_t namelen, jnamelen;
	char *tname;		/* type_name as the set has it */
	int32_t ref;		/* message or enum index, -1 */
};

struct tide_pbuf_msg {
	char *name;		/* full, without the leading dot */
	struct pfield *f;	/* sorted by number */
	int nf;
	int mapentry;
	int wkt;
	int32_t *nested;	/* nested message types, in declaration order */
	int nnested;
};

struct penum {
	char *name;
	struct { int32_t num; char *name; } *v;	/* sorted by number */
	int nv;
	int isnull;		/* google.protobuf.NullValue */
};

struct tide_pbuf {
	struct tide_pbuf_msg *m;
	int nm, capm;
	struct penum *e;
	int ne, cape;
	int32_t *top;		/* the last file's top-level messages */
	int ntop;
	long nfields;
	int32_t *byname;	/* message indexes sorted by name */
	struct tide_buf scr;	/* the decoder's notes (struct note) */
};

/* ---- the wire reader ---------------------------------------------------- */

struct rd {
	const uint8_t *p, *e;
};

/* A field's value as read: u for varint and fixed, p/n for a length. */
struct val {
	int wt;
	uint64_t u;
	const uint8_t *p;
	size_t n;
};

/* 0, or -1 with *why. */
static int
rd_varint(struct rd *r, uint64_t *v, const char **why)
{
	uint64_t x = 0;
	int s;

	for (s = 0; s < 70; s += 7) {
		uint8_t b;

		if (r->p >= r->e) {
			*why = "truncated varint";
			return -1;
		}
		b = *r->p++;
		if (s < 64)
			x |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	*why = "varint longer than 10 bytes";
	return -1;
}

/* The next field: 1 with *num and *v, 0 at the end, -1 with *why. */
static int
rd_field(struct rd *r, uint32_t *num, struct val *v, const char **why)
{
	uint64_t tag, n;

	if (r->p >= r->e)
		return 0;
	if (rd_varint(r, &tag, why) < 0)
		return -1;
	if (tag >> 3 == 0 || tag >> 3 > MAXFIELDNUM) {
		*why = "field number 0 or past 2^29-1";
		return -1;
	}
	*num = (uint32_t)(tag >> 3);
	v->wt = (int)(tag & 7);
	switch (v->wt) {
	case WT_VARINT:
		return rd_varint(r, &v->u, why) < 0 ? -1 : 1;
	case WT_I64:
		if (r->e - r->p < 8) {
			*why = "truncated 64-bit value";
			return -1;
		}
		v->u = 0;
		for (int i = 7; i >= 0; i--)
			v->u = v->u << 8 | r->p[i];
		r->p += 8;
		return 1;
	case WT_I32:
		if (r->e - r->p < 4) {
			*why = "truncated 32-bit value";
			return -1;
		}
		v->u = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8 |
		    (uint64_t)r->p[2] << 16 | (uint64_t)r->p[3] << 24;
		r->p += 4;
		return 1;
	case WT_LEN:
		if (rd_varint(r, &n, why) < 0)
			return -1;
		if (n > (uint64_t)(r->e - r->p)) {
			*why = "length past the end";
			return -1;
		}
		v->p = r->p;
		v->n = (size_t)n;
		r->p += n;
		return 1;
	case WT_SGROUP:
	case WT_EGROUP:
		*why = "group wire type (3, 4) is not supported";
		return -1;
	default:
		*why = "wire type 6 or 7 does not exist";
		return -1;
	}
}

/* ---- loading a descriptor set ------------------------------------------ */

struct ld {
	struct tide_pbuf *p;
	char *err;
	size_t errlen;
};

static int
ld_fail(struct ld *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, l->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
full_name(const char *prefix, const uint8_t *name, size_t n)
{
	size_t pl = prefix ? strlen(prefix) : 0;
	char *s = tide_xmalloc(pl + n + 2);

	if (pl) {
		memcpy(s, prefix, pl);
		s[pl++] = '.';
	}
	memcpy(s + pl, name, n);
	s[pl + n] = 0;
	return s;
}

static int
name_ok(const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 1024)
		return 0;
	for (i = 0; i < n; i++)
		if (!(p[i] == '_' || (p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
			return 0;
	return 1;
}

/* lowerCamel of a proto name, as protoc makes json_name. */
static char *
camel(const char *s, size_t *len)
{
	char *o = tide_xmalloc(strlen(s) + 1);
	size_t n = 0;
	int up = 0;

	for (; *s; s++) {
		if (*s == '_') {
			up = 1;
			continue;
		}
		o[n++] = up && *s >= 'a' && *s <= 'z' ? *s - 32 : *s;
		up = 0;
	}
	o[n] = 0;
	*len = n;
	return o;
}

/* Walk a message's fields: the common error text of the loaders. */
#define LD_WALK(l, r, what, num, v)					\
	for (int rc_; (rc_ = rd_field(&(r), &(num), &(v), &why)) != 0;)	\
		if (rc_ < 0)						\
			return ld_fail(l, "descriptor set: %s: %s", what, why); \
		else

/* The last value of field num (a length) in r: 0 with *v (v->p NULL when
 * there is none), or -1 with err. */
static int
last_len(struct ld *l, struct rd r, const char *what, uint32_t want,
    struct val *out)
{
	const char *why;
	uint32_t num;
	struct val v;
	int rc;

	out->p = NULL;
	out->n = 0;
	while ((rc = rd_field(&r, &num, &v, &why)) > 0)
		if (num == want && v.wt == WT_LEN)
			*out = v;
	if (rc < 0)
		return ld_fail(l, "descriptor set: %s: %s", what, why);
	return 0;
}

static int
ld_field(struct ld *l, struct rd r, const char *owner, int proto3,
    struct pfield *f)
{
	const char *why;
	uint32_t num;
	struct val v;
	uint64_t number = 0;
	int label = 1, opt3 = 0;

	memset(f, 0, sizeof(*f));
	f->ref = -1;
	LD_WALK(l, r, owner, num, v) {
		if (num == 1 && v.wt == WT_LEN) {
			if (!name_ok(v.p, v.n))
				return ld_fail(l, "descriptor set: %s: a field with a bad name", owner);
			free(f->name);
			f->name = full_name(NULL, v.p, v.n);
			f->namelen = v.n;
		} else if (num == 3 && v.wt == WT_VARINT)
			number = v.u;
		else if (num == 4 && v.wt == WT_VARINT)
			label = (int)v.u;
		else if (num == 5 && v.wt == WT_VARINT)
			f->type = v.u <= T_SINT64 ? (uint8_t)v.u : 0xff;
		else if (num == 6 && v.wt == WT_LEN) {
			free(f->tname);
			f->tname = full_name(NULL, v.p, v.n);
		} else if (num == 10 && v.wt == WT_LEN) {
			free(f->jname);
			f->jname = full_name(NULL, v.p, v.n);
			f->jnamelen = v.n;
		} else if (num == 17 && v.wt == WT_VARINT)
			opt3 = v.u != 0;
	}
	if (!f->name)
		return ld_fail(l, "descriptor set: %s: a field without a name", owner);
	if (number == 0 || number > MAXFIELDNUM)
		return ld_fail(l, "descriptor set: %s.%s: field number %" PRIu64 " out of range",
		    owner, f->name, number);
	if (f->type == 0 || f->type == 0xff)
		return ld_fail(l, "descriptor set: %s.%s: no or unknown field type",
		    owner, f->name);
	if (label < 1 || label > 3)
		return ld_fail(l, "descriptor set: %s.%s: unknown label %d",
		    owner, f->name, label);
	if ((f->type == T_MESSAGE || f->type == T_GROUP || f->type == T_ENUM) &&
	    !f->tname)
		return ld_fail(l, "descriptor set: %s.%s: no type name", owner,
		    f->name);
	f->num = (uint32_t)number;
	f->repeated = label == 3;
	f->utf8 = proto3 || opt3;
	if (!f->jname)
		f->jname = camel(f->name, &f->jnamelen);
	return 0;
}

static int
ld_enum(struct ld *l, struct rd r, const char *prefix)
{
	struct tide_pbuf *p = l->p;
	struct penum *en;
	const char *why;
	uint32_t num;
	struct val v;
	int i, cap = 0;
	char *name = NULL;

	if (p->nm + p->ne >= TIDE_PBUF_MAXTYPES)
		return ld_fail(l, "descriptor set: more than %d types", TIDE_PBUF_MAXTYPES);
	if (p->ne == p->cape) {
		p->cape = p->cape ? 2 * p->cape : 16;
		p->e = tide_xrealloc(p->e, p->cape * sizeof(*p->e));
	}
	en = &p->e[p->ne++];
	memset(en, 0, sizeof(*en));
	if (last_len(l, r, prefix ? prefix : "file", 1, &v) < 0)
		return -1;
	if (!v.p)
		return ld_fail(l, "descriptor set: %s: an enum without a name",
		    prefix ? prefix : "file");
	if (!name_ok(v.p, v.n))
		return ld_fail(l, "descriptor set: %s: an enum with a bad name",
		    prefix ? prefix : "file");
	name = full_name(prefix, v.p, v.n);
	en->name = name;
	en->isnull = strcmp(name, "google.protobuf.NullValue") == 0;
	LD_WALK(l, r, name, num, v) {
		struct rd vr;
		uint32_t vn;
		struct val vv;
		char *vname = NULL;
		int64_t number = 0;

		if (num != 2 || v.wt != WT_LEN)
			continue;
		if (++p->nfields > TIDE_PBUF_MAXFIELDS)
			return ld_fail(l, "descriptor set: more than %d fields and enum values",
			    TIDE_PBUF_MAXFIELDS);
		vr.p = v.p;
		vr.e = v.p + v.n;
		for (int rc; (rc = rd_field(&vr, &vn, &vv, &why)) != 0;) {
			if (rc < 0) {
				free(vname);
				return ld_fail(l, "descriptor set: %s: %s", name, why);
			}
			if (vn == 1 && vv.wt == WT_LEN) {
				free(vname);
				vname = full_name(NULL, vv.p, vv.n);
			} else if (vn == 2 && vv.wt == WT_VARINT)
				number = (int32_t)(uint32_t)vv.u;
		}
		if (!vname || !name_ok((const uint8_t *)vname, strlen(vname))) {
			free(vname);
			return ld_fail(l, "descriptor set: %s: a value without a name", name);
		}
		if (en->nv == cap) {
			cap = cap ? 2 * cap : 8;
			en->v = tide_xrealloc(en->v, cap * sizeof(*en->v));
		}
		en->v[en->nv].num = (int32_t)number;
		en->v[en->nv].name = vname;
		en->nv++;
	}
	/* Sorted by number, the first declared of aliases kept first. */
	for (i = 1; i < en->nv; i++) {
		int j = i;

		while (j > 0 && en->v[j - 1].num > en->v[j].num) {
			__typeof__(en->v[0]) t = en->v[j];

			en->v[j] = en->v[j - 1];
			en->v[j - 1] = t;
			j--;
		}
	}
	return 0;
}

static int
cmp_field(const void *a, const void *b)
{
	const struct pfield *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

static int
ld_msg(struct ld *l, struct rd r, const char *prefix, int proto3, int depth,
    int32_t *out)
{
	struct tide_pbuf *p = l->p;
	const char *why;
	uint32_t num;
	struct val v;
	char *name = NULL;
	int32_t i;
	int capf = 0, capn = 0;

	if (depth > TIDE_PBUF_MAXDEPTH)
		return ld_fail(l, "descriptor set: %s: types nested deeper than %d",
		    prefix, TIDE_PBUF_MAXDEPTH);
	if (p->nm + p->ne >= TIDE_PBUF_MAXTYPES)
		return ld_fail(l, "descriptor set: more than %d types", TIDE_PBUF_MAXTYPES);
	if (last_len(l, r, prefix ? prefix : "file", 1, &v) < 0)
		return -1;
	if (!v.p)
		return ld_fail(l, "descriptor set: %s: a message without a name",
		    prefix ? prefix : "file");
	if (!name_ok(v.p, v.n))
		return ld_fail(l, "descriptor set: %s: a message with a bad name",
		    prefix ? prefix : "file");
	name = full_name(prefix, v.p, v.n);
	if (p->nm == p->capm) {
		p->capm = p->capm ? 2 * p->capm : 16;
		p->m = tide_xrealloc(p->m, p->capm * sizeof(*p->m));
	}
	i = p->nm++;
	memset(&p->m[i], 0, sizeof(p->m[i]));
	p->m[i].name = name;
	*out = i;
	LD_WALK(l, r, name, num, v) {
		struct rd sub;
		int32_t k;

		if (v.wt != WT_LEN)
			continue;
		sub.p = v.p;
		sub.e = v.p + v.n;
		if (num == 2) {
			struct tide_pbuf_msg *m = &p->m[i];

			if (++p->nfields > TIDE_PBUF_MAXFIELDS)
				return ld_fail(l, "descriptor set: more than %d fields and enum values",
				    TIDE_PBUF_MAXFIELDS);
			if (m->nf == capf) {
				capf = capf ? 2 * capf : 8;
				m->f = tide_xrealloc(m->f, capf * sizeof(*m->f));
			}
			if (ld_field(l, sub, name, proto3, &m->f[m->nf]) < 0) {
				free(m->f[m->nf].name);
				free(m->f[m->nf].jname);
				free(m->f[m->nf].tname);
				return -1;
			}
			m->nf++;
		} else if (num == 3) {
			if (ld_msg(l, sub, name, proto3, depth + 1, &k) < 0)
				return -1;
			if (p->m[i].nnested == capn) {
				capn = capn ? 2 * capn : 4;
				p->m[i].nested = tide_xrealloc(p->m[i].nested,
				    capn * sizeof(int32_t));
			}
			p->m[i].nested[p->m[i].nnested++] = k;
		} else if (num == 4) {
			if (ld_enum(l, sub, name) < 0)
				return -1;
		} else if (num == 7) {
			uint32_t on;
			struct val ov;
			int rc;

			while ((rc = rd_field(&sub, &on, &ov, &why)) > 0)
				if (on == 7 && ov.wt == WT_VARINT)
					p->m[i].mapentry = ov.u != 0;
			if (rc < 0)
				return ld_fail(l, "descriptor set: %s: options: %s", name, why);
		}
	}
	{
		struct tide_pbuf_msg *m = &p->m[i];

		if (m->nf > 1)
			qsort(m->f, m->nf, sizeof(*m->f), cmp_field);
		for (int j = 1; j < m->nf; j++)
			if (m->f[j].num == m->f[j - 1].num)
				return ld_fail(l, "descriptor set: %s: two fields numbered %u",
				    name, m->f[j].num);
	}
	return 0;
}

static int
ld_file(struct ld *l, struct rd r)
{
	struct tide_pbuf *p = l->p;
	const char *why;
	uint32_t num;
	struct val v;
	char *pkg = NULL;
	int proto3 = 0, captop = 0, rc = 0;

	if (last_len(l, r, "file", 12, &v) < 0)
		return -1;
	proto3 = v.n == 6 && memcmp(v.p, "proto3", 6) == 0;
	if (last_len(l, r, "file", 2, &v) < 0)
		return -1;
	if (v.n > 0)
		pkg = full_name(NULL, v.p, v.n);
	free(p->top);
	p->top = NULL;
	p->ntop = 0;
	for (int k; (k = rd_field(&r, &num, &v, &why)) != 0;) {
		struct rd sub;
		int32_t idx;

		if (k < 0) {
			rc = ld_fail(l, "descriptor set: file: %s", why);
			break;
		}
		if (v.wt != WT_LEN)
			continue;
		sub.p = v.p;
		sub.e = v.p + v.n;
		if (num == 4) {
			if ((rc = ld_msg(l, sub, pkg, proto3, 1, &idx)) < 0)
				break;
			if (p->ntop == captop) {
				captop = captop ? 2 * captop : 8;
				p->top = tide_xrealloc(p->top, captop * sizeof(int32_t));
			}
			p->top[p->ntop++] = idx;
		} else if (num == 5 && (rc = ld_enum(l, sub, pkg)) < 0)
			break;
	}
	free(pkg);
	return rc;
}

static int
cmp_byname(const void *a, const void *b, void *arg)
{
	const struct tide_pbuf *p = arg;

	return strcmp(p->m[*(const int32_t *)a].name,
	    p->m[*(const int32_t *)b].name);
}

static int32_t
find_msg(const struct tide_pbuf *p, const char *name)
{
	int lo = 0, hi = p->nm;

	if (*name == '.')
		name++;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(p->m[p->byname[mid]].name, name);

		if (c == 0)
			return p->byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int32_t
find_enum(const struct tide_pbuf *p, const char *name)
{
	/* Enums are looked up only while loading: a linear scan of names
	 * that are few would do, but a set may hold many, so sort them. */
	int lo = 0, hi = p->ne;

	if (*name == '.')
		name++;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(p->e[mid].name, name);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
cmp_enum(const void *a, const void *b)
{
	return strcmp(((const struct penum *)a)->name,
	    ((const struct penum *)b)->name);
}

static const struct pfield *
field_of(const struct tide_pbuf_msg *m, uint32_t num)
{
	int lo = 0, hi = m->nf;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (m->f[mid].num == num)
			return &m->f[mid];
		if (m->f[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
scalar_key(int type)
{
	return type != T_DOUBLE && type != T_FLOAT && type != T_BYTES &&
	    type != T_MESSAGE && type != T_GROUP && type != T_ENUM;
}

/* Which well-known type m is, checked against the shape its code reads. */
static int
wkt_of(const struct tide_pbuf *p, const struct tide_pbuf_msg *m)
{
	static const char *wrappers[] = { "DoubleValue", "FloatValue",
		"Int64Value", "UInt64Value", "Int32Value", "UInt32Value",
		"BoolValue", "StringValue", "BytesValue" };
	const struct pfield *f1 = field_of(m, 1), *f2 = field_of(m, 2);
	const char *n = m->name;
	size_t i;

	if (strncmp(n, "google.protobuf.", 16) != 0)
		return WKT_NONE;
	n += 16;
	if (strcmp(n, "Timestamp") == 0 || strcmp(n, "Duration") == 0)
		return f1 && f1->type == T_INT64 && !f1->repeated && f2 &&
		    f2->type == T_INT32 && !f2->repeated ?
		    (*n == 'T' ? WKT_TIMESTAMP : WKT_DURATION) : WKT_NONE;
	for (i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++)
		if (strcmp(n, wrappers[i]) == 0)
			return f1 && !f1->repeated && f1->type != T_MESSAGE &&
			    f1->type != T_GROUP ? WKT_WRAPPER : WKT_NONE;
	if (strcmp(n, "Struct") == 0)
		return f1 && f1->map &&
		    p->m[f1->ref].nf == 2 && p->m[f1->ref].f[0].type == T_STRING ?
		    WKT_STRUCT : WKT_NONE;
	if (strcmp(n, "ListValue") == 0)
		return f1 && f1->repeated && !f1->map ? WKT_LIST : WKT_NONE;
	if (strcmp(n, "Value") == 0) {
		for (i = 0; i < (size_t)m->nf; i++)
			if (m->f[i].repeated)
				return WKT_NONE;
		return WKT_VALUE;
	}
	return WKT_NONE;
}

static int
ld_resolve(struct ld *l)
{
	struct tide_pbuf *p = l->p;
	int i, j;

	p->byname = tide_xmalloc((p->nm + 1) * sizeof(int32_t));
	for (i = 0; i < p->nm; i++)
		p->byname[i] = i;
	qsort_r(p->byname, p->nm, sizeof(int32_t), cmp_byname, p);
	for (i = 1; i < p->nm; i++)
		if (strcmp(p->m[p->byname[i]].name, p->m[p->byname[i - 1]].name) == 0)
			return ld_fail(l, "descriptor set: two messages named %s",
			    p->m[p->byname[i]].name);
	if (p->ne > 1)
		qsort(p->e, p->ne, sizeof(*p->e), cmp_enum);
	for (i = 1; i < p->ne; i++)
		if (strcmp(p->e[i].name, p->e[i - 1].name) == 0)
			return ld_fail(l, "descriptor set: two enums named %s",
			    p->e[i].name);
	for (i = 0; i < p->ne; i++)
		if (find_msg(p, p->e[i].name) >= 0)
			return ld_fail(l, "descriptor set: a message and an enum named %s",
			    p->e[i].name);
	for (i = 0; i < p->nm; i++) {
		struct tide_pbuf_msg *m = &p->m[i];

		for (j = 0; j < m->nf; j++) {
			struct pfield *f = &m->f[j];

			if (f->type == T_MESSAGE || f->type == T_GROUP) {
				if (f->tname[0] != '.')
					return ld_fail(l, "descriptor set: %s.%s: type name %s is not fully qualified",
					    m->name, f->name, f->tname);
				if ((f->ref = find_msg(p, f->tname)) < 0)
					return ld_fail(l, "descriptor set: %s.%s: type %s is not a message of the set",
					    m->name, f->name, f->tname);
			} else if (f->type == T_ENUM) {
				if (f->tname[0] != '.')
					return ld_fail(l, "descriptor set: %s.%s: type name %s is not fully qualified",
					    m->name, f->name, f->tname);
				if ((f->ref = find_enum(p, f->tname)) < 0)
					return ld_fail(l, "descriptor set: %s.%s: type %s is not an enum of the set",
					    m->name, f->name, f->tname);
			}
		}
	}
	/* Map entries: exactly a scalar key 1 and a value 2, used only by
	 * repeated fields. */
	for (i = 0; i < p->nm; i++) {
		struct tide_pbuf_msg *m = &p->m[i];

		if (m->mapentry && (m->nf != 2 || m->f[0].num != 1 ||
		    m->f[1].num != 2 || m->f[0].repeated || m->f[1].repeated ||
		    !scalar_key(m->f[0].type) || m->f[1].type == T_GROUP))
			return ld_fail(l, "descriptor set: %s: a map entry that is not a key and a value",
			    m->name);
		for (j = 0; j < m->nf; j++) {
			struct pfield *f = &m->f[j];

			if (f->type == T_MESSAGE && p->m[f->ref].mapentry) {
				if (!f->repeated)
					return ld_fail(l, "descriptor set: %s.%s: a map entry that is not repeated",
					    m->name, f->name);
				f->map = 1;
			}
		}
	}
	for (i = 0; i < p->nm; i++)
		p->m[i].wkt = wkt_of(p, &p->m[i]);
	return 0;
}

/* Whether p[0..n) is text (a .proto file, say): printable ASCII, white
 * space and UTF-8's high bytes alone.  A descriptor set's tags and
 * lengths are control bytes (0x12: a file's package, its messages'
 * fields ...) as soon as it holds anything. */
static int
is_text(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r' && p[i] != '\f')
			return 0;
		else if (p[i] == 0x7f)
			return 0;
	return n > 0;
}

struct tide_pbuf *
tide_pbuf_load(const void *set, size_t len, char *err, size_t errlen)
{
	struct tide_pbuf *p = tide_xcalloc(1, sizeof(*p));
	struct ld l = { p, err, errlen };
	struct rd r = { set, (const uint8_t *)set + len };
	const char *why;
	uint32_t num;
	struct val v;
	int k, nfiles = 0;

	tide_buf_init(&p->scr, TIDE_BUF_NOMAX);
	if (len > UINT32_MAX) {
		ld_fail(&l, "descriptor set: larger than 4 GB");
		goto bad;
	}
	while ((k = rd_field(&r, &num, &v, &why)) != 0) {
		struct rd sub;

		if (k < 0) {
			ld_fail(&l, "descriptor set: %s", why);
			goto bad;
		}
		if (num != 1 || v.wt != WT_LEN) {
			ld_fail(&l, "descriptor set: field %u is not a file: not a FileDescriptorSet", num);
			goto bad;
		}
		sub.p = v.p;
		sub.e = v.p + v.n;
		if (ld_file(&l, sub) < 0)
			goto bad;
		nfiles++;
	}
	if (nfiles == 0) {
		ld_fail(&l, "descriptor set: no files");
		goto bad;
	}
	if (ld_resolve(&l) < 0)
		goto bad;
	return p;
bad:
	/* Text is no set whatever the parse tripped on first. */
	if (is_text(set, len))
		ld_fail(&l, "descriptor set: not a FileDescriptorSet");
	tide_pbuf_free(p);
	return NULL;
}

struct tide_pbuf *
tide_pbuf_load_file(const char *path, char *err, size_t errlen)
{
	struct tide_buf b;
	struct tide_pbuf *p;
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	tide_buf_init(&b, (size_t)256 << 20);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || tide_buf_add(&b, chunk, (size_t)n) < 0) {
			snprintf(err, errlen, "%s: %s", path,
			    n < 0 ? strerror(errno) : "larger than 256 MB");
			close(fd);
			tide_buf_release(&b);
			return NULL;
		}
	}
	close(fd);
	p = tide_pbuf_load(b.data, b.len, err, errlen);
	if (!p) {
		/* "descriptor set: ..." becomes "PATH: ...", and a file
		 * that is no set says how to make one. */
		char tmp[512], *t, hint[1100];
		size_t pl = strlen(path);

		snprintf(tmp, sizeof(tmp), "%s", err);
		t = strncmp(tmp, "descriptor set: ", 16) == 0 ? tmp + 16 : tmp;
		hint[0] = '\0';
		if (strstr(t, "not a FileDescriptorSet") != NULL) {
			if (pl > 6 && strcmp(path + pl - 6, ".proto") == 0)
				snprintf(hint, sizeof(hint), ": compile it with "
				    "protoc --include_imports "
				    "--descriptor_set_out=%.*s.pb %s",
				    (int)(pl - 6), path, path);
			else
				snprintf(hint, sizeof(hint), ": compile the "
				    ".proto with protoc --include_imports "
				    "--descriptor_set_out=FILE.pb FILE.proto");
		}
		snprintf(err, errlen, "%s: %s%s", path, t, hint);
	}
	tide_buf_release(&b);
	return p;
}

void
tide_pbuf_free(struct tide_pbuf *p)
{
	int i, j;

	if (!p)
		return;
	for (i = 0; i < p->nm; i++) {
		struct tide_pbuf_msg *m = &p->m[i];

		for (j = 0; j < m->nf; j++) {
			free(m->f[j].name);
			free(m->f[j].jname);
			free(m->f[j].tname);
		}
		free(m->f);
		free(m->nested);
		free(m->name);
	}
	for (i = 0; i < p->ne; i++) {
		for (j = 0; j < p->e[i].nv; j++)
			free(p->e[i].v[j].name);
		free(p->e[i].v);
		free(p->e[i].name);
	}
	free(p->m);
	free(p->e);
	free(p->top);
	free(p->byname);
	tide_buf_release(&p->scr);
	free(p);
}

const struct tide_pbuf_msg *
tide_pbuf_find(const struct tide_pbuf *p, const char *name)
{
	int32_t i = find_msg(p, name);

	return i < 0 ? NULL : &p->m[i];
}

const char *
tide_pbuf_msg_name(const struct tide_pbuf_msg *m)
{
	return m->name;
}

/* ---- decoding ----------------------------------------------------------- */

/* A field noted by the first pass: its number and where its tag starts. */
struct note {
	uint32_t num;
	uint32_t pos;
};

struct dec {
	const struct tide_pbuf *p;
	struct tide_buf *out;
	struct tide_buf *scr;
	const uint8_t *base;	/* the payload, for offsets in messages */
	unsigned flags;
	int depth;
	char *err;
	size_t errlen;
};

#define NOTE(d, i) (((struct note *)(void *)(d)->scr->data)[i])

static int
dfail(struct dec *d, int code, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(d->err, d->errlen, "at byte %zu: ", (size_t)(at - d->base));
	if (n < 0 || (size_t)n >= d->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - n, fmt, ap);
	va_end(ap);
	return code;
}

static int
cmp_note(const void *a, const void *b)
{
	const struct note *x = a, *y = b;

	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* A copy of the k notes from base, above them: 0 or TIDE_ETOOBIG. */
static int
sorted_copy(struct dec *d, size_t base, size_t k)
{
	size_t n = k * sizeof(struct note);
	int rc;

	if ((rc = tide_buf_grow(d->scr, n)) < 0)
		return rc;
	memcpy(d->scr->data + d->scr->len, &NOTE(d, base), n);
	d->scr->len += n;
	qsort(&NOTE(d, base + k), k, sizeof(struct note), cmp_note);
	return 0;
}

/* The run of number num in the sorted notes [lo, hi): *s and *e, and
 * the position of its first occurrence. */
static uint32_t
run_of(struct dec *d, size_t lo, size_t hi, uint32_t num, size_t *s,
    size_t *e)
{
	size_t end = hi;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (NOTE(d, mid).num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	*s = lo;
	for (hi = lo + 1; hi < end && NOTE(d, hi).num == num; hi++)
		;
	*e = hi;
	return NOTE(d, lo).pos;
}

/*
 * The first pass over the message p[0..n): its fields noted from the
 * stack's top, *k of them, *sorted when no number is below the one
 * before.  TIDE_EFORMAT for a structure that does not read.
 */
static int
notes(struct dec *d, const uint8_t *p, size_t n, size_t *k, int *sorted)
{
	struct rd r = { p, p + n };
	const uint8_t *at = p;
	const char *why;
	uint32_t num, prev = 0;
	struct val v;
	int rc;

	*k = 0;
	*sorted = 1;
	while ((rc = rd_field(&r, &num, &v, &why)) > 0) {
		struct note nt = { num, (uint32_t)(at - p) };

		if (tide_buf_add(d->scr, &nt, sizeof(nt)) < 0)
			return dfail(d, TIDE_ETOOBIG, at, "too many fields");
		(*k)++;
		if (num < prev)
			*sorted = 0;
		prev = num;
		at = r.p;
	}
	if (rc < 0)
		return dfail(d, TIDE_EFORMAT, at, "%s", why);
	return 0;
}

/* The value of the field whose tag is at p (notes() has read it). */
static void
reread(const uint8_t *p, const uint8_t *e, struct val *v)
{
	struct rd r = { p, e };
	const char *why;
	uint32_t num;

	(void)rd_field(&r, &num, v, &why);
}

static int wire_of(int type)
{
	switch (type) {
	case T_DOUBLE: case T_FIXED64: case T_SFIXED64:
		return WT_I64;
	case T_FLOAT: case T_FIXED32: case T_SFIXED32:
		return WT_I32;
	case T_STRING: case T_BYTES: case T_MESSAGE:
		return WT_LEN;
	case T_GROUP:
		return WT_SGROUP;
	default:
		return WT_VARINT;
	}
}

static const char *const type_names[] = { "", "double", "float", "int64",
	"uint64", "int32", "fixed64", "fixed32", "bool", "string", "group",
	"message", "bytes", "uint32", "enum", "sfixed32", "sfixed64", "sint32",
	"sint64" };

static int dec_msg(struct dec *d, const struct tide_pbuf_msg *m,
    const uint8_t *p, size_t n);

static int
put_uint(struct tide_buf *b, uint64_t u)
{
	char s[24];
	int n = snprintf(s, sizeof(s), "%" PRIu64, u);

	return tide_buf_add(b, s, (size_t)n);
}

static int
put_special(struct tide_buf *b, double x)
{
	if (isnan(x))
		return tide_buf_adds(b, "\"NaN\"");
	return tide_buf_adds(b, x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
}

/* A float with the fewest digits, from 6 up, that read back to it (the
 * proto3 mapping's, as python's ToShortestFloat). */
static int
put_float(struct tide_buf *b, float x)
{
	char s[48];
	int prec, n = 0;

	if (!isfinite(x))
		return put_special(b, x);
	for (prec = 6; prec <= 9; prec++) {
		n = snprintf(s, sizeof(s), "%.*g", prec, (double)x);
		if (strtof(s, NULL) == x)
			break;
	}
	(void)n;
	return tide_json_write_double(b, strtod(s, NULL));
}

static int
put_b64(struct tide_buf *b, const uint8_t *p, size_t n)
{
	int r;

	if ((r = tide_buf_addc(b, '"')) < 0 ||
	    (r = tide_b64_encode(b, p, n)) < 0)
		return r;
	return tide_buf_addc(b, '"');
}

static const char *
enum_name(const struct penum *en, int32_t v)
{
	int lo = 0, hi = en->nv;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (en->v[mid].num == v) {
			while (mid > 0 && en->v[mid - 1].num == v)
				mid--;
			return en->v[mid].name;
		}
		if (en->v[mid].num < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int64_t
zz64(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static int32_t
zz32(uint32_t u)
{
	return (int32_t)(u >> 1) ^ -(int32_t)(u & 1);
}

/* One value of field f (its wire type checked by the caller). */
static int
put_value(struct dec *d, const struct pfield *f, const struct val *v)
{
	struct tide_buf *b = d->out;
	union { uint64_t u; double x; } u64;
	union { uint32_t u; float x; } u32;
	const char *nm;

	switch (f->type) {
	case T_DOUBLE:
		u64.u = v->u;
		return isfinite(u64.x) ? tide_json_write_double(b, u64.x) :
		    put_special(b, u64.x);
	case T_FLOAT:
		u32.u = (uint32_t)v->u;
		return put_float(b, u32.x);
	case T_INT64:
	case T_SFIXED64:
		return tide_json_write_int(b, (int64_t)v->u);
	case T_UINT64:
	case T_FIXED64:
		return put_uint(b, v->u);
	case T_INT32:
	case T_SFIXED32:
		return tide_json_write_int(b, (int32_t)(uint32_t)v->u);
	case T_UINT32:
	case T_FIXED32:
		return put_uint(b, (uint32_t)v->u);
	case T_SINT32:
		return tide_json_write_int(b, zz32((uint32_t)v->u));
	case T_SINT64:
		return tide_json_write_int(b, zz64(v->u));
	case T_BOOL:
		return tide_buf_adds(b, v->u ? "true" : "false");
	case T_ENUM:
		if (d->p->e[f->ref].isnull)
			return tide_buf_adds(b, "null");
		nm = enum_name(&d->p->e[f->ref], (int32_t)(uint32_t)v->u);
		return nm ? tide_json_write_str(b, nm, strlen(nm)) :
		    tide_json_write_int(b, (int32_t)(uint32_t)v->u);
	case T_STRING:
		if (f->utf8 && !tide_utf8_valid((const char *)v->p, v->n))
			return dfail(d, TIDE_EFORMAT, v->p,
			    "field %s: a string that is not UTF-8", f->name);
		return tide_json_write_str(b, (const char *)v->p, v->n);
	case T_BYTES:
		return put_b64(b, v->p, v->n);
	case T_MESSAGE:
		return dec_msg(d, &d->p->m[f->ref], v->p, v->n);
	default:
		return dfail(d, TIDE_EFORMAT, v->p, "field %s: a group",
		    f->name);
	}
}

/* f's default value, for a map entry that leaves it out. */
static int
put_default(struct dec *d, const struct pfield *f)
{
	static const uint8_t none[1];
	struct val v = { wire_of(f->type), 0, none, 0 };

	return put_value(d, f, &v);
}

static int
check_wire(struct dec *d, const struct pfield *f, const struct val *v,
    const uint8_t *at)
{
	if (v->wt == wire_of(f->type))
		return 0;
	return dfail(d, TIDE_EFORMAT, at,
	    "field %s (%u): wire type %d where %s has %d", f->name, f->num,
	    v->wt, type_names[f->type], wire_of(f->type));
}

/* One map entry of field f, "key":value. */
static int
put_entry(struct dec *d, const struct pfield *f, const struct val *ev,
    int first)
{
	const struct tide_pbuf_msg *em = &d->p->m[f->ref];
	const struct pfield *kf = &em->f[0], *vf = &em->f[1];
	struct rd r = { ev->p, ev->p + ev->n };
	const uint8_t *at = r.p;
	struct val kv, vv, v;
	int hk = 0, hv = 0, rc;
	uint32_t num;
	const char *why;
	size_t start;

	while ((rc = rd_field(&r, &num, &v, &why)) > 0) {
		if (num == 1 || num == 2) {
			if ((rc = check_wire(d, num == 1 ? kf : vf, &v, at)) < 0)
				return rc;
			if (num == 1) {
				kv = v;
				hk = 1;
			} else {
				vv = v;
				hv = 1;
			}
		}
		at = r.p;
	}
	if (rc < 0)
		return dfail(d, TIDE_EFORMAT, at, "%s", why);
	if (!first && (rc = tide_buf_addc(d->out, ',')) < 0)
		return rc;
	if (!hk) {
		static const uint8_t none[1];

		kv.wt = wire_of(kf->type);
		kv.u = 0;
		kv.p = none;
		kv.n = 0;
	}
	if (kf->type == T_STRING)
		rc = put_value(d, kf, &kv);
	else {
		start = d->out->len;
		if ((rc = tide_buf_addc(d->out, '"')) < 0 ||
		    (rc = put_value(d, kf, &kv)) < 0 ||
		    (rc = tide_buf_addc(d->out, '"')) < 0)
			d->out->len = start;
	}
	if (rc < 0 || (rc = tide_buf_addc(d->out, ':')) < 0)
		return rc;
	return hv ? put_value(d, vf, &vv) : put_default(d, vf);
}

/* One occurrence of repeated field f, its elements after *first. */
static int
put_elems(struct dec *d, const struct pfield *f, const struct val *v,
    const uint8_t *at, int *first)
{
	int rc;

	if (f->map) {
		if ((rc = check_wire(d, f, v, at)) < 0 ||
		    (rc = put_entry(d, f, v, *first)) < 0)
			return rc;
		*first = 0;
		return 0;
	}
	if (v->wt == WT_LEN && wire_of(f->type) != WT_LEN) {
		/* Packed. */
		struct rd r = { v->p, v->p + v->n };
		const char *why = NULL;
		struct val e;

		e.wt = wire_of(f->type);
		while (r.p < r.e) {
			const uint8_t *ep = r.p;

			if (e.wt == WT_VARINT) {
				if (rd_varint(&r, &e.u, &why) < 0)
					return dfail(d, TIDE_EFORMAT, ep,
					    "field %s: packed: %s", f->name, why);
			} else {
				size_t w = e.wt == WT_I64 ? 8 : 4;

				if ((size_t)(r.e - r.p) < w)
					return dfail(d, TIDE_EFORMAT, ep,
					    "field %s: packed: a partial %zu-byte value",
					    f->name, w);
				e.u = 0;
				for (size_t i = w; i-- > 0;)
					e.u = e.u << 8 | r.p[i];
				r.p += w;
			}
			if ((!*first && (rc = tide_buf_addc(d->out, ',')) < 0) ||
			    (rc = put_value(d, f, &e)) < 0)
				return rc;
			*first = 0;
		}
		return 0;
	}
	if ((rc = check_wire(d, f, v, at)) < 0)
		return rc;
	if ((!*first && (rc = tide_buf_addc(d->out, ',')) < 0) ||
	    (rc = put_value(d, f, v)) < 0)
		return rc;
	*first = 0;
	return 0;
}

static int
put_key(struct dec *d, struct tide_jobj *o, const struct pfield *f)
{
	if (d->flags & TIDE_PBUF_JSON_NAMES)
		return tide_jobj_key(o, f->jname, f->jnamelen);
	return tide_jobj_key(o, f->name, f->namelen);
}

/* Seconds and nanos, the last of each on the wire. */
static int
secs_nanos(struct dec *d, const uint8_t *p, size_t n, int64_t *s,
    int32_t *ns)
{
	struct rd r = { p, p + n };
	const uint8_t *at = p;
	const char *why;
	uint32_t num;
	struct val v;
	int rc;

	*s = 0;
	*ns = 0;
	while ((rc = rd_field(&r, &num, &v, &why)) > 0) {
		if ((num == 1 || num == 2) && v.wt != WT_VARINT)
			return dfail(d, TIDE_EFORMAT, at,
			    "field %s: wire type %d where int has 0",
			    num == 1 ? "seconds" : "nanos", v.wt);
		if (num == 1)
			*s = (int64_t)v.u;
		else if (num == 2)
			*ns = (int32_t)(uint32_t)v.u;
		at = r.p;
	}
	if (rc < 0)
		return dfail(d, TIDE_EFORMAT, at, "%s", why);
	return 0;
}

static int
put_frac(struct tide_buf *b, int32_t ns)
{
	if (ns == 0)
		return 0;
	if (ns % 1000000 == 0)
		return tide_buf_addf(b, ".%03d", ns / 1000000);
	if (ns % 1000 == 0)
		return tide_buf_addf(b, ".%06d", ns / 1000);
	return tide_buf_addf(b, ".%09d", ns);
}

static int
put_timestamp(struct dec *d, const uint8_t *p, size_t n)
{
	struct tm tm;
	time_t t;
	int64_t s;
	int32_t ns;
	int rc;

	if ((rc = secs_nanos(d, p, n, &s, &ns)) < 0)
		return rc;
	/* 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, as RFC 3339. */
	if (s < -62135596800LL || s > 253402300799LL || ns < 0 ||
	    ns > 999999999)
		return dfail(d, TIDE_EFORMAT, p,
		    "a Timestamp out of range: seconds %" PRId64 ", nanos %d",
		    s, (int)ns);
	t = (time_t)s;
	if (!gmtime_r(&t, &tm))
		return dfail(d, TIDE_EFORMAT, p, "a Timestamp out of range");
	if ((rc = tide_buf_addf(d->out, "\"%04d-%02d-%02dT%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec)) < 0 || (rc = put_frac(d->out, ns)) < 0)
		return rc;
	return tide_buf_adds(d->out, "Z\"");
}

static int
put_duration(struct dec *d, const uint8_t *p, size_t n)
{
	int64_t s;
	int32_t ns;
	int rc;

	if ((rc = secs_nanos(d, p, n, &s, &ns)) < 0)
		return rc;
	if (s < -315576000000LL || s > 315576000000LL || ns < -999999999 ||
	    ns > 999999999 || (s > 0 && ns < 0) || (s < 0 && ns > 0))
		return dfail(d, TIDE_EFORMAT, p,
		    "a Duration out of range: seconds %" PRId64 ", nanos %d",
		    s, (int)ns);
	if ((rc = tide_buf_addf(d->out, "\"%s%" PRId64,
	    s < 0 || ns < 0 ? "-" : "", s < 0 ? -s : s)) < 0 ||
	    (rc = put_frac(d->out, ns < 0 ? -ns : ns)) < 0)
		return rc;
	return tide_buf_adds(d->out, "s\"");
}

/*
 * The well-known types written as what they hold: a wrapper's field 1,
 * Value's one member, Struct's and ListValue's field 1 (a map, a list),
 * each read in one scan with no notes.
 */
static int
put_wkt(struct dec *d, const struct tide_pbuf_msg *m, const uint8_t *p,
    size_t n)
{
	struct rd r = { p, p + n };
	const uint8_t *at = p;
	const struct pfield *f, *last = NULL;
	const char *why;
	struct val v, lastv;
	uint32_t num;
	int rc, first = 1;

	switch (m->wkt) {
	case WKT_TIMESTAMP:
		return put_timestamp(d, p, n);
	case WKT_DURATION:
		return put_duration(d, p, n);
	case WKT_STRUCT:
	case WKT_LIST:
		if ((rc = tide_buf_addc(d->out, m->wkt == WKT_STRUCT ? '{' : '[')) < 0)
			return rc;
		f = &m->f[0];
		while ((rc = rd_field(&r, &num, &v, &why)) > 0) {
			if (num == 1 && (rc = put_elems(d, f, &v, at, &first)) < 0)
				return rc;
			at = r.p;
		}
		if (rc < 0)
			return dfail(d, TIDE_EFORMAT, at, "%s", why);
		return tide_buf_addc(d->out, m->wkt == WKT_STRUCT ? '}' : ']');
	default:
		while ((rc = rd_field(&r, &num, &v, &why)) > 0) {
			if ((f = field_of(m, num)) != NULL &&
			    (m->wkt == WKT_VALUE || num == 1)) {
				if ((rc = check_wire(d, f, &v, at)) < 0)
					return rc;
				last = f;
				lastv = v;
			}
			at = r.p;
		}
		if (rc < 0)
			return dfail(d, TIDE_EFORMAT, at, "%s", why);
		if (last)
			return put_value(d, last, &lastv);
		if (m->wkt == WKT_VALUE)
			return tide_buf_adds(d->out, "null");
		return put_default(d, field_of(m, 1));
	}
}

/* The occurrences of field f noted at [i, j) of the stack (sorted by
 * position), written as one member. */
static int
put_group(struct dec *d, struct tide_jobj *o, const struct pfield *f,
    const uint8_t *p, size_t n, size_t i, size_t j)
{
	int rc = 0, first = 1;
	struct val v;

	if (!f->repeated) {
		for (; i < j; i++) {
			const uint8_t *at = p + NOTE(d, i).pos;

			reread(at, p + n, &v);
			if ((rc = check_wire(d, f, &v, at)) < 0 ||
			    (rc = put_key(d, o, f)) < 0 ||
			    (rc = put_value(d, f, &v)) < 0)
				return rc;
		}
		return 0;
	}
	if (d->depth >= TIDE_PBUF_MAXDEPTH)
		return dfail(d, TIDE_EDEPTH, p + NOTE(d, i).pos,
		    "JSON nested deeper than %d", TIDE_PBUF_MAXDEPTH);
	if ((rc = put_key(d, o, f)) < 0 ||
	    (rc = tide_buf_addc(d->out, f->map ? '{' : '[')) < 0)
		return rc;
	d->depth++;
	for (; i < j; i++) {
		const uint8_t *at = p + NOTE(d, i).pos;

		reread(at, p + n, &v);
		if ((rc = put_elems(d, f, &v, at, &first)) < 0)
			break;
	}
	d->depth--;
	return rc < 0 ? rc : tide_buf_addc(d->out, f->map ? '}' : ']');
}

static int
dec_msg(struct dec *d, const struct tide_pbuf_msg *m, const uint8_t *p,
    size_t n)
{
	size_t base = d->scr->len / sizeof(struct note), k, i, j, s, e;
	struct tide_jobj o;
	int rc, sorted;

	if (d->depth >= TIDE_PBUF_MAXDEPTH)
		return dfail(d, TIDE_EDEPTH, p, "JSON nested deeper than %d",
		    TIDE_PBUF_MAXDEPTH);
	d->depth++;
	if (m->wkt) {
		rc = put_wkt(d, m, p, n);
		d->depth--;
		return rc;
	}
	if ((rc = notes(d, p, n, &k, &sorted)) < 0)
		goto out;
	if (!sorted) {
		/* A copy sorted by number then position, above the notes. */
		if ((rc = sorted_copy(d, base, k)) < 0) {
			rc = dfail(d, rc, p, "too many fields");
			goto out;
		}
	}
	if ((rc = tide_jobj_begin(&o, d->out)) < 0)
		goto out;
	for (i = 0; i < k; i = j) {
		uint32_t num = NOTE(d, base + i).num;
		const struct pfield *f = field_of(m, num);

		if (sorted) {
			for (j = i + 1; j < k && NOTE(d, base + j).num == num; j++)
				;
			if (f && (rc = put_group(d, &o, f, p, n, base + i,
			    base + j)) < 0)
				goto out;
			continue;
		}
		j = i + 1;
		if (!f)
			continue;
		if (!f->repeated) {
			if ((rc = put_group(d, &o, f, p, n, base + i, base + j)) < 0)
				goto out;
			continue;
		}
		/* The first of its number?  Its run in the sorted copy. */
		if (run_of(d, base + k, base + 2 * k, num, &s, &e) !=
		    NOTE(d, base + i).pos)
			continue;
		if ((rc = put_group(d, &o, f, p, n, s, e)) < 0)
			goto out;
	}
	rc = tide_jobj_end(&o);
out:
	d->scr->len = base * sizeof(struct note);
	d->depth--;
	return rc;
}

int
tide_pbuf_decode(struct tide_pbuf *p, const struct tide_pbuf_msg *m,
    const void *data, size_t len, unsigned flags, struct tide_buf *out,
    char *err, size_t errlen)
{
	struct dec d = { p, out, &p->scr, data, flags, 0, err, errlen };
	size_t start = out->len;
	int rc;

	if (len > UINT32_MAX)
		return dfail(&d, TIDE_ETOOBIG, data, "a message over 4 GB");
	p->scr.len = 0;
	if (errlen)
		err[0] = 0;
	rc = dec_msg(&d, m, data, len);
	if (rc < 0) {
		out->len = start;
		/* The writer's TIDE_ETOOBIG says nothing itself. */
		if (errlen && !err[0])
			snprintf(err, errlen, "the JSON is over the output's cap");
		return rc;
	}
	return 0;
}

int
tide_pbuf_confluent(const struct tide_pbuf *p, const void *data, size_t len,
    const struct tide_pbuf_msg **m, size_t *hdr, char *err, size_t errlen)
{
	struct rd r = { data, (const uint8_t *)data + len };
	const char *why;
	uint64_t u;
	int64_t count, idx;
	int32_t cur = -1;
	char path[160];
	size_t pn = 0;

	if (rd_varint(&r, &u, &why) < 0) {
		snprintf(err, errlen, "message indexes: %s", why);
		return TIDE_EFORMAT;
	}
	count = zz64(u);
	if (count < 0 || count > TIDE_PBUF_MAXDEPTH) {
		snprintf(err, errlen, "message indexes: a count of %" PRId64,
		    count);
		return TIDE_EFORMAT;
	}
	if (count == 0) {
		if (p->ntop == 0) {
			snprintf(err, errlen, "message indexes: the schema has no message");
			return TIDE_EFORMAT;
		}
		cur = p->top[0];
	}
	for (int64_t i = 0; i < count; i++) {
		int nk = cur < 0 ? p->ntop : p->m[cur].nnested;

		if (rd_varint(&r, &u, &why) < 0) {
			snprintf(err, errlen, "message indexes: %s", why);
			return TIDE_EFORMAT;
		}
		idx = zz64(u);
		/* The path read so far, for the message: [0, 2]. */
		if (pn < sizeof(path) - 24)
			pn += (size_t)snprintf(path + pn, sizeof(path) - pn,
			    "%s%" PRId64, i ? ", " : "", idx);
		else if (pn < sizeof(path) - 4)
			pn += (size_t)snprintf(path + pn, sizeof(path) - pn,
			    ", ...");
		if (idx < 0 || idx >= nk) {
			if (cur < 0)
				snprintf(err, errlen, "message indexes [%s]: "
				    "the schema has %d top-level message "
				    "type%s, so index %" PRId64 " names none",
				    path, nk, nk == 1 ? "" : "s", idx);
			else
				snprintf(err, errlen, "message indexes [%s]: "
				    "%s has %d nested message type%s, so "
				    "index %" PRId64 " names none", path,
				    p->m[cur].name, nk, nk == 1 ? "" : "s",
				    idx);
			return TIDE_EFORMAT;
		}
		cur = cur < 0 ? p->top[idx] : p->m[cur].nested[idx];
	}
	*m = &p->m[cur];
	*hdr = (size_t)(r.p - (const uint8_t *)data);
	return 0;
}

int
tide_pbuf_decode_confluent(struct tide_pbuf *p, const void *data, size_t len,
    unsigned flags, struct tide_buf *out, char *err, size_t errlen)
{
	const struct tide_pbuf_msg *m;
	size_t hdr;
	int rc;

	if ((rc = tide_pbuf_confluent(p, data, len, &m, &hdr, err, errlen)) < 0)
		return rc;
	return tide_pbuf_decode(p, m, (const uint8_t *)data + hdr, len - hdr,
	    flags, out, err, errlen);
}

/* ---- schemaless --------------------------------------------------------- */

/* Whether p[0..n) reads whole as fields (a message, perhaps). */
static int
is_msg(const uint8_t *p, size_t n)
{
	struct rd r = { p, p + n };
	const char *why;
	uint32_t num;
	struct val v;
	int rc;

	if (n == 0)
		return 0;
	while ((rc = rd_field(&r, &num, &v, &why)) > 0)
		;
	return rc == 0;
}

static int raw_msg(struct dec *d, const uint8_t *p, size_t n);

static int
raw_item(struct dec *d, const struct val *v)
{
	struct tide_buf *b = d->out;
	int rc;

	switch (v->wt) {
	case WT_VARINT:
		rc = tide_buf_adds(b, "{\"varint\":");
		break;
	case WT_I64:
		rc = tide_buf_adds(b, "{\"i64\":");
		break;
	case WT_I32:
		rc = tide_buf_adds(b, "{\"i32\":");
		break;
	default:
		/* A guess goes no deeper than the limit: the item's object,
		 * the message's, an array and an item in it. */
		if ((d->flags & TIDE_PBUF_RAW_GUESS) &&
		    d->depth + 4 <= TIDE_PBUF_MAXDEPTH && is_msg(v->p, v->n)) {
			if ((rc = tide_buf_adds(b, "{\"msg\":")) < 0)
				return rc;
			d->depth++;
			rc = raw_msg(d, v->p, v->n);
			d->depth--;
			if (rc < 0)
				return rc;
		} else if ((d->flags & TIDE_PBUF_RAW_GUESS) &&
		    tide_utf8_valid((const char *)v->p, v->n)) {
			if ((rc = tide_buf_adds(b, "{\"str\":")) < 0 ||
			    (rc = tide_json_write_str(b, (const char *)v->p,
			    v->n)) < 0)
				return rc;
		} else if ((rc = tide_buf_adds(b, "{\"len\":")) < 0 ||
		    (rc = put_b64(b, v->p, v->n)) < 0)
			return rc;
		return tide_buf_addc(b, '}');
	}
	if (rc < 0 || (rc = put_uint(b, v->u)) < 0)
		return rc;
	return tide_buf_addc(b, '}');
}

static int
raw_group(struct dec *d, struct tide_jobj *o, const uint8_t *p, size_t n,
    size_t i, size_t j)
{
	char key[16];
	struct val v;
	int rc, kn;

	kn = snprintf(key, sizeof(key), "%u", NOTE(d, i).num);
	if ((rc = tide_jobj_key(o, key, (size_t)kn)) < 0)
		return rc;
	if (j - i > 1 && (rc = tide_buf_addc(d->out, '[')) < 0)
		return rc;
	d->depth += j - i > 1;
	for (size_t x = i; x < j && rc == 0; x++) {
		reread(p + NOTE(d, x).pos, p + n, &v);
		if (x == i || (rc = tide_buf_addc(d->out, ',')) == 0)
			rc = raw_item(d, &v);
	}
	d->depth -= j - i > 1;
	if (rc < 0)
		return rc;
	return j - i > 1 ? tide_buf_addc(d->out, ']') : 0;
}

static int
raw_msg(struct dec *d, const uint8_t *p, size_t n)
{
	size_t base = d->scr->len / sizeof(struct note), k, i, j, s;
	struct tide_jobj o;
	int rc, sorted;

	if (d->depth >= TIDE_PBUF_MAXDEPTH)
		return dfail(d, TIDE_EDEPTH, p, "messages nested deeper than %d",
		    TIDE_PBUF_MAXDEPTH);
	d->depth++;
	if ((rc = notes(d, p, n, &k, &sorted)) < 0)
		goto out;
	if (!sorted) {
		if ((rc = sorted_copy(d, base, k)) < 0) {
			rc = dfail(d, rc, p, "too many fields");
			goto out;
		}
	}
	if ((rc = tide_jobj_begin(&o, d->out)) < 0)
		goto out;
	for (i = 0; i < k; i = j) {
		uint32_t num = NOTE(d, base + i).num;
		size_t lo;

		if (sorted) {
			for (j = i + 1; j < k && NOTE(d, base + j).num == num; j++)
				;
			if ((rc = raw_group(d, &o, p, n, base + i, base + j)) < 0)
				goto out;
			continue;
		}
		j = i + 1;
		if (run_of(d, base + k, base + 2 * k, num, &lo, &s) !=
		    NOTE(d, base + i).pos)
			continue;
		if ((rc = raw_group(d, &o, p, n, lo, s)) < 0)
			goto out;
	}
	rc = tide_jobj_end(&o);
out:
	d->scr->len = base * sizeof(struct note);
	d->depth--;
	return rc;
}

int
tide_pbuf_raw(const void *data, size_t len, unsigned flags,
    struct tide_buf *out, struct tide_buf *scratch, char *err, size_t errlen)
{
	struct dec d = { NULL, out, scratch, data, flags, 0, err, errlen };
	size_t start = out->len;
	int rc;

	if (len > UINT32_MAX)
		return dfail(&d, TIDE_ETOOBIG, data, "a message over 4 GB");
	scratch->len = 0;
	if (errlen)
		err[0] = 0;
	if ((rc = raw_msg(&d, data, len)) < 0) {
		out->len = start;
		if (errlen && !err[0])
			snprintf(err, errlen, "the JSON is over the output's cap");
		return rc;
	}
	return 0;
}

/* ---- protoc ------------------------------------------------------------- */

/* A name protoc may import: relative, no "..", no empty part. */
static int
src_name_ok(const char *s)
{
	const char *p;

	if (!*s || *s == '/' || strlen(s) > 512)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.' || *p == '/'))
			return 0;
	for (p = s; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (*p == '/' || *p == 0 || (p[0] == '.' && (p[1] == '/' ||
		    p[1] == 0 || (p[1] == '.' && (p[2] == '/' || p[2] == 0)))))
			return 0;
	}
	return 1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Write srcs under dir: 0, or -1 with err. */
static int
put_srcs(const char *dir, const struct tide_pbuf_src *srcs, int n, char *err,
    size_t errlen)
{
	char path[1024];
	int i;

	for (i = 0; i < n; i++) {
		size_t off = 0;
		char *slash;
		int fd;

		if (!srcs[i].name || !src_name_ok(srcs[i].name)) {
			snprintf(err, errlen, "protobuf schema: a file name protoc cannot import: \"%s\"",
			    srcs[i].name ? srcs[i].name : "");
			return -1;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, srcs[i].name) >=
		    sizeof(path)) {
			snprintf(err, errlen, "protobuf schema: a file name too long");
			return -1;
		}
		/* Its directories. */
		for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/'));
		    slash++) {
			*slash = 0;
			if (mkdir(path, 0700) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				return -1;
			}
			*slash = '/';
		}
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600)) < 0) {
			snprintf(err, errlen, errno == EEXIST ?
			    "protobuf schema: two files named %s" : "%s: %s",
			    errno == EEXIST ? srcs[i].name : path, strerror(errno));
			return -1;
		}
		while (off < srcs[i].len) {
			ssize_t w = write(fd, srcs[i].text + off, srcs[i].len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				close(fd);
				return -1;
			}
			off += (size_t)w;
		}
		close(fd);
	}
	return 0;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run protoc (argv) for at most timeout_ms: 0, or -1 with err (its
 * stderr's first lines when it fails). */
static int
run_protoc(char *const argv[], int envset, const char *dir, int timeout_ms,
    char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	char msg[2048];
	size_t mlen = 0;
	int64_t deadline = mono_ms() + timeout_ms;
	int fds[2], status, rc, done = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "protoc: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		if (rc == ENOENT && envset)
			snprintf(err, errlen, "TIDE_PROTOC=%s: not found (unset "
			    "it for protobuf-compiler's protoc)", argv[0]);
		else if (rc == ENOENT)
			snprintf(err, errlen, "%s not found (install protobuf-compiler)",
			    argv[0]);
		else
			snprintf(err, errlen, "%s: %s", argv[0], strerror(rc));
		return -1;
	}
	/* Its output until it closes it, then its status, by the deadline. */
	for (;;) {
		int64_t left = deadline - mono_ms();
		struct pollfd pfd = { fds[0], POLLIN, 0 };

		if (!done) {
			char chunk[512];
			ssize_t r;

			if (left <= 0)
				break;
			if (poll(&pfd, 1, (int)(left > 100 ? 100 : left)) <= 0)
				continue;
			r = read(fds[0], chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				done = 1;
				continue;
			}
			if ((size_t)r > sizeof(msg) - 1 - mlen)
				r = (ssize_t)(sizeof(msg) - 1 - mlen);
			memcpy(msg + mlen, chunk, (size_t)r);
			mlen += (size_t)r;
			continue;
		}
		rc = waitpid(pid, &status, WNOHANG);
		if (rc == pid)
			break;
		if (rc < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (left <= 0) {
			rc = 0;
			break;
		}
		poll(NULL, 0, 10);
	}
	close(fds[0]);
	if (rc != pid) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		snprintf(err, errlen, "%s: no answer in %d ms", argv[0],
		    timeout_ms);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	msg[mlen] = 0;
	/* Its paths are under our directory: say them as the schema's. */
	{
		char *s = msg, *w = msg;
		size_t dl = strlen(dir);

		while (*s) {
			if (strncmp(s, dir, dl) == 0 && s[dl] == '/')
				s += dl + 1;
			else
				*w++ = *s == '\n' ? ' ' : *s, s++;
		}
		while (w > msg && w[-1] == ' ')
			w--;
		*w = 0;
	}
	if (mlen)
		snprintf(err, errlen, "protoc: %s", msg);
	else if (WIFEXITED(status))
		snprintf(err, errlen, "protoc: exit status %d", WEXITSTATUS(status));
	else
		snprintf(err, errlen, "protoc: killed by signal %d",
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

struct tide_pbuf *
tide_pbuf_compile(const struct tide_pbuf_src *srcs, int n, int timeout_ms,
    char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR"), *protoc = getenv("TIDE_PROTOC");
	char dir[512], inc[600], out[600], in[1200];
	struct tide_pbuf *p = NULL;
	char *argv[6];

	if (n < 1) {
		snprintf(err, errlen, "protobuf schema: no .proto text");
		return NULL;
	}
	if (timeout_ms <= 0)
		timeout_ms = 30000;
	if (!tmp || !*tmp || strlen(tmp) > 400)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/tide-protoc.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (put_srcs(dir, srcs, n, err, errlen) < 0)
		goto out;
	snprintf(inc, sizeof(inc), "-I%s", dir);
	snprintf(out, sizeof(out), "--descriptor_set_out=%s/.set.pb", dir);
	snprintf(in, sizeof(in), "%s/%s", dir, srcs[0].name);
	argv[0] = (char *)(protoc && *protoc ? protoc : "protoc");
	argv[1] = inc;
	argv[2] = (char *)"--include_imports";
	argv[3] = out;
	argv[4] = in;
	argv[5] = NULL;
	if (run_protoc(argv, protoc && *protoc, dir, timeout_ms, err,
	    errlen) < 0)
		goto out;
	snprintf(in, sizeof(in), "%s/.set.pb", dir);
	p = tide_pbuf_load_file(in, err, errlen);
out:
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return p;
}

/* ---- reading the declarations (pbuf.h: for lib/schema/pbenc) ------------ */

_Static_assert(WKT_LIST == (int)TIDE_PBUF_WKT_LIST &&
    WKT_TIMESTAMP == (int)TIDE_PBUF_WKT_TIMESTAMP, "the wkt numbering");

int
tide_pbuf_msg_nfields(const struct tide_pbuf_msg *m)
{
	return m->nf;
}

void
tide_pbuf_msg_field(const struct tide_pbuf *p, const struct tide_pbuf_msg *m,
    int i, struct tide_pbuf_field *f)
{
	const struct pfield *pf = &m->f[i];

	f->num = pf->num;
	f->type = pf->type;
	f->repeated = pf->repeated;
	f->map = pf->map;
	f->utf8 = pf->utf8;
	f->name = pf->name;
	f->jname = pf->jname;
	f->msg = pf->type == T_MESSAGE && pf->ref >= 0 ? &p->m[pf->ref] : NULL;
	f->en = pf->type == T_ENUM && pf->ref >= 0 ?
	    (const struct tide_pbuf_enum *)&p->e[pf->ref] : NULL;
}

enum tide_pbuf_wkt
tide_pbuf_msg_wkt(const struct tide_pbuf_msg *m)
{
	return (enum tide_pbuf_wkt)m->wkt;
}

int
tide_pbuf_enum_nvalues(const struct tide_pbuf_enum *e)
{
	return ((const struct penum *)e)->nv;
}

const char *
tide_pbuf_enum_value(const struct tide_pbuf_enum *e, int i, int32_t *num)
{
	const struct penum *pe = (const struct penum *)e;

	*num = pe->v[i].num;
	return pe->v[i].name;
}

int
tide_pbuf_enum_isnull(const struct tide_pbuf_enum *e)
{
	return ((const struct penum *)e)->isnull;
}

const struct tide_pbuf_msg *
tide_pbuf_first(const struct tide_pbuf *p)
{
	return p->ntop > 0 ? &p->m[p->top[0]] : NULL;
}

/* Depth-first from the top-level types: a set's nesting is bounded by
 * TIDE_PBUF_MAXDEPTH, so the recursion is too. */
static int
indexes_in(const struct tide_pbuf *p, const int32_t *kids, int nk,
    int32_t want, int32_t *idx, int depth, int max)
{
	int i, n;

	if (depth >= max)
		return -1;
	for (i = 0; i < nk; i++) {
		idx[depth] = i;
		if (kids[i] == want)
			return depth + 1;
		if ((n = indexes_in(p, p->m[kids[i]].nested,
		    p->m[kids[i]].nnested, want, idx, depth + 1, max)) > 0)
			return n;
	}
	return -1;
}

int
tide_pbuf_indexes(const struct tide_pbuf *p, const struct tide_pbuf_msg *m,
    int32_t *idx, int max)
{
	return indexes_in(p, p->top, p->ntop, (int32_t)(m - p->m), idx, 0,
	    max);
}
