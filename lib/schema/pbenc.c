/*
 * JSON to Protobuf (pbenc.h).  A length-delimited value (a message, a
 * string, bytes, a packed array) is written after a one-byte length that
 * is widened in place once the value is known, so the message is written
 * in one pass over the JSON; only a value of 128 bytes or more moves.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "err.h"
#include "htab.h"
#include "json.h"
#include "schema/pbenc.h"
#include "schema/pbuf.h"
#include "xalloc.h"

/* FieldDescriptorProto.Type. */
enum { T_DOUBLE = 1, T_FLOAT, T_INT64, T_UINT64, T_INT32, T_FIXED64,
	T_FIXED32, T_BOOL, T_STRING, T_GROUP, T_MESSAGE, T_BYTES, T_UINT32,
	T_ENUM, T_SFIXED32, T_SFIXED64, T_SINT32, T_SINT64 };

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static const char *const type_names[] = { "", "double", "float", "int64",
	"uint64", "int32", "fixed64", "fixed32", "bool", "string", "group",
	"message", "bytes", "uint32", "enum", "sfixed32", "sfixed64", "sint32",
	"sint64" };

/* A field by name, and its place among its message's fields. */
struct pfent {
	struct tide_pbuf_field f;
	int idx;
};

struct tide_pbenc {
	const struct tide_pbuf *p;
	const struct tide_pbuf_msg *root;
	struct tide_htab fields;	/* (type, name) -> struct pfent */
	struct tide_htab values;	/* (enum, name) -> int32_t */
	struct tide_buf key;		/* a lookup's key, reused */
	struct tide_buf last;		/* each message's fields: the member
					 * that sets them (uint32_t), a stack */
	/* per call */
	struct tide_buf *out;
	char *err;
	size_t errlen;
	int depth;
	char path[256];
	size_t pathlen;
};

/* ---- the names, found once ----------------------------------------------- */

static void
put_key(struct tide_buf *k, const void *owner, const char *name, size_t n)
{
	tide_buf_reset(k);
	(void)tide_buf_add(k, &owner, sizeof(owner));
	(void)tide_buf_add(k, name, n);
}

struct tide_pbenc *
tide_pbenc_new(const struct tide_pbuf *p, const struct tide_pbuf_msg *m)
{
	struct tide_pbenc *e = tide_xcalloc(1, sizeof(*e));
	struct tide_htab seen;
	struct tide_buf todo = TIDE_BUF_INIT;
	const struct tide_pbuf_msg *cur;
	struct tide_pbuf_field f;
	struct pfent *pe;
	int i, j, isnew;

	e->p = p;
	e->root = m;
	tide_htab_init(&e->fields, sizeof(struct pfent));
	tide_htab_init(&e->values, sizeof(int32_t));
	tide_buf_init(&e->key, TIDE_BUF_NOMAX);
	tide_buf_init(&e->last, TIDE_BUF_NOMAX);
	tide_htab_init(&seen, 1);
	/* Every type reachable from m, once each (a type may contain
	 * itself): a work list, not recursion. */
	(void)tide_htab_put(&seen, &m, sizeof(m), NULL);
	(void)tide_buf_add(&todo, &m, sizeof(m));
	while (todo.len > 0) {
		todo.len -= sizeof(cur);
		memcpy(&cur, todo.data + todo.len, sizeof(cur));
		for (i = 0; i < tide_pbuf_msg_nfields(cur); i++) {
			tide_pbuf_msg_field(p, cur, i, &f);
			/* json_name first: a .proto name that is another
			 * field's json_name is that field. */
			put_key(&e->key, cur, f.jname, strlen(f.jname));
			pe = tide_htab_put(&e->fields, e->key.data, e->key.len,
			    NULL);
			pe->f = f;
			pe->idx = i;
			put_key(&e->key, cur, f.name, strlen(f.name));
			pe = tide_htab_put(&e->fields, e->key.data, e->key.len,
			    NULL);
			pe->f = f;
			pe->idx = i;
			if (f.msg) {
				(void)tide_htab_put(&seen, &f.msg,
				    sizeof(f.msg), &isnew);
				if (isnew)
					(void)tide_buf_add(&todo, &f.msg,
					    sizeof(f.msg));
			}
			if (f.en) {
				(void)tide_htab_put(&seen, &f.en, sizeof(f.en),
				    &isnew);
				for (j = 0; isnew &&
				    j < tide_pbuf_enum_nvalues(f.en); j++) {
					int32_t num;
					const char *nm = tide_pbuf_enum_value(
					    f.en, j, &num);

					put_key(&e->key, f.en, nm, strlen(nm));
					/* An alias keeps the first number. */
					if (!tide_htab_get(&e->values,
					    e->key.data, e->key.len))
						*(int32_t *)tide_htab_put(
						    &e->values, e->key.data,
						    e->key.len, NULL) = num;
				}
			}
		}
	}
	tide_htab_release(&seen);
	tide_buf_release(&todo);
	return e;
}

void
tide_pbenc_free(struct tide_pbenc *e)
{
	if (!e)
		return;
	tide_htab_release(&e->fields);
	tide_htab_release(&e->values);
	tide_buf_release(&e->key);
	tide_buf_release(&e->last);
	free(e);
}

/* ---- failures, with the path --------------------------------------------- */

static int fail(struct tide_pbenc *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), cold));

static int
fail(struct tide_pbenc *e, int code, const char *fmt, ...)
{
	va_list ap;
	int k = 0;

	if (!e->err || e->errlen == 0)
		return code;
	if (e->pathlen > 0)
		k = snprintf(e->err, e->errlen, "%s: ", e->path);
	if (k < 0 || (size_t)k >= e->errlen)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->err + k, e->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return code;
}

/* The JSON value as it was written, cut for a message. */
#define SHOW(v)	(int)((v)->len > 40 ? 40 : (v)->len), (v)->p

static const char *
jtype(const struct tide_json_val *v)
{
	switch (v->type) {
	case TIDE_JSON_NULL:
		return "null";
	case TIDE_JSON_TRUE:
	case TIDE_JSON_FALSE:
		return "a boolean";
	case TIDE_JSON_NUMBER:
		return "a number";
	case TIDE_JSON_STRING:
		return "a string";
	case TIDE_JSON_ARRAY:
		return "an array";
	default:
		return "an object";
	}
}

static int
mismatch(struct tide_pbenc *e, const struct tide_json_val *v, const char *want)
{
	return fail(e, TIDE_ETYPE, "%s where the schema has %s", jtype(v), want);
}

static size_t
path_push(struct tide_pbenc *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t
path_push(struct tide_pbenc *e, const char *fmt, ...)
{
	size_t saved = e->pathlen;
	va_list ap;
	int k;

	if (e->pathlen + 1 >= sizeof(e->path))
		return saved;
	va_start(ap, fmt);
	k = vsnprintf(e->path + e->pathlen, sizeof(e->path) - e->pathlen, fmt,
	    ap);
	va_end(ap);
	if (k > 0)
		e->pathlen += (size_t)k < sizeof(e->path) - e->pathlen ?
		    (size_t)k : sizeof(e->path) - e->pathlen - 1;
	return saved;
}

static void
path_pop(struct tide_pbenc *e, size_t saved)
{
	e->pathlen = saved;
	e->path[saved] = '\0';
}

/* ---- the writer ---------------------------------------------------------- */

static int
wr_varint(struct tide_buf *b, uint64_t u)
{
	unsigned char t[10];
	size_t n = 0;

	while (u >= 0x80) {
		t[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	t[n++] = (unsigned char)u;
	return tide_buf_add(b, t, n);
}

static int
wr_tag(struct tide_buf *b, uint32_t num, int wt)
{
	return wr_varint(b, (uint64_t)num << 3 | (uint64_t)wt);
}

static int
wr_fixed(struct tide_buf *b, uint64_t u, size_t n)
{
	unsigned char t[8];
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = (unsigned char)(u >> (8 * i));
	return tide_buf_add(b, t, n);
}

/* A length-delimited value starts: a one-byte length for len_end. */
static int
len_begin(struct tide_buf *b, uint32_t num, size_t *at)
{
	int r;

	if ((r = wr_tag(b, num, WT_LEN)) < 0 || (r = tide_buf_addc(b, 0)) < 0)
		return r;
	*at = b->len;
	return 0;
}

/* ... and ends: the length written before it, widened as needed. */
static int
len_end(struct tide_buf *b, size_t at)
{
	size_t n = b->len - at, k = 1, i;
	uint64_t u = n;
	int r;

	while (u >= 0x80) {
		u >>= 7;
		k++;
	}
	if (k > 1) {
		if ((r = tide_buf_grow(b, k - 1)) < 0)
			return r;
		memmove(b->data + at + k - 1, b->data + at, n);
		b->len += k - 1;
	}
	for (u = n, i = 0; i < k; i++, u >>= 7)
		b->data[at - 1 + i] = (char)((u & 0x7f) | (i + 1 < k ? 0x80 : 0));
	return 0;
}

/* ---- scalars ------------------------------------------------------------- */

/* The text of a number: a JSON number's, or a string's that holds one
 * (checked here: the JSON scanner vouched only for real numbers). */
static int
num_text(const struct tide_json_val *v, struct tide_json_val *t)
{
	const char *s, *end;

	if (v->type == TIDE_JSON_NUMBER) {
		*t = *v;
		return 0;
	}
	if (v->type != TIDE_JSON_STRING || v->len < 3 ||
	    memchr(v->p + 1, '\\', v->len - 2))
		return -1;
	t->type = TIDE_JSON_NUMBER;
	t->p = s = v->p + 1;
	t->len = v->len - 2;
	end = s + t->len;
	if (*s == '-')
		s++;
	if (s == end || *s < '0' || *s > '9')
		return -1;
	if (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	if (s < end && *s == '.') {
		if (++s == end || *s < '0' || *s > '9')
			return -1;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		if (++s < end && (*s == '+' || *s == '-'))
			s++;
		if (s == end || *s < '0' || *s > '9')
			return -1;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	return s == end ? 0 : -1;
}

/* v as an integer of type t, its bits in *u (sign-extended for the
 * signed ones): 0, or TIDE_ETYPE with the reason. */
static int
get_int(struct tide_pbenc *e, int t, const struct tide_json_val *v,
    uint64_t *u)
{
	struct tide_json_val n;
	int64_t i;
	int uns = t == T_UINT64 || t == T_FIXED64 || t == T_UINT32 ||
	    t == T_FIXED32;
	int is64 = t == T_INT64 || t == T_UINT64 || t == T_FIXED64 ||
	    t == T_SFIXED64 || t == T_SINT64;
	const char *s;
	size_t k;
	int r;

	if (v->type != TIDE_JSON_NUMBER && v->type != TIDE_JSON_STRING)
		return mismatch(e, v, type_names[t]);
	if (num_text(v, &n) < 0)
		return fail(e, TIDE_ETYPE, "%.*s is not a number", SHOW(v));
	r = tide_json_int64(&n, &i);
	if (r == TIDE_ERANGE && uns && n.p[0] != '-') {
		/* Past int64: a uint64 of plain digits. */
		uint64_t x = 0;

		for (s = n.p, k = 0; k < n.len; k++) {
			if (s[k] < '0' || s[k] > '9' ||
			    x > (UINT64_MAX - (uint64_t)(s[k] - '0')) / 10)
				goto range;
			x = x * 10 + (uint64_t)(s[k] - '0');
		}
		if (t != T_UINT64 && t != T_FIXED64)
			goto range;
		*u = x;
		return 0;
	}
	if (r == TIDE_ERANGE)
		goto range;
	if (r < 0)
		return fail(e, TIDE_ETYPE, "%.*s is not an integer", SHOW(v));
	if (uns && i < 0)
		goto range;
	if (!is64 && (uns ? i > (int64_t)UINT32_MAX :
	    i < INT32_MIN || i > INT32_MAX))
		goto range;
	*u = (uint64_t)i;
	return 0;
range:
	return fail(e, TIDE_ETYPE, "%.*s is out of range for %s", SHOW(v),
	    type_names[t]);
}

static int
get_double(struct tide_pbenc *e, int t, const struct tide_json_val *v,
    double *d)
{
	struct tide_json_val n;

	if (v->type == TIDE_JSON_STRING) {
		if (tide_json_str_eq(v, "NaN", 3)) {
			*d = NAN;
			return 0;
		}
		if (tide_json_str_eq(v, "Infinity", 8)) {
			*d = INFINITY;
			return 0;
		}
		if (tide_json_str_eq(v, "-Infinity", 9)) {
			*d = -INFINITY;
			return 0;
		}
	} else if (v->type != TIDE_JSON_NUMBER)
		return mismatch(e, v, type_names[t]);
	if (num_text(v, &n) < 0)
		return fail(e, TIDE_ETYPE, "%.*s is not a number", SHOW(v));
	if (tide_json_double(&n, d) < 0 ||
	    (t == T_FLOAT && (*d > FLT_MAX || *d < -FLT_MAX)))
		return fail(e, TIDE_ETYPE, "%.*s is out of range for %s",
		    SHOW(v), type_names[t]);
	return 0;
}

static int
get_enum(struct tide_pbenc *e, const struct tide_pbuf_field *f,
    const struct tide_json_val *v, uint64_t *u)
{
	const int32_t *num;
	size_t at;
	int r;

	if (v->type == TIDE_JSON_NULL && tide_pbuf_enum_isnull(f->en)) {
		*u = 0;
		return 0;
	}
	if (v->type == TIDE_JSON_NUMBER) {
		if ((r = get_int(e, T_INT32, v, u)) < 0)
			return r;
		/* NullValue has one value, which is null. */
		if (*u != 0 && tide_pbuf_enum_isnull(f->en))
			return fail(e, TIDE_ETYPE, "%.*s where the schema has "
			    "google.protobuf.NullValue (null)", SHOW(v));
		return 0;
	}
	if (v->type != TIDE_JSON_STRING)
		return mismatch(e, v, "enum");
	tide_buf_reset(&e->key);
	(void)tide_buf_add(&e->key, &f->en, sizeof(f->en));
	at = e->key.len;
	if ((r = tide_json_str(v, &e->key)) < 0)
		return r;
	if (!(num = tide_htab_get(&e->values, e->key.data, e->key.len)))
		return fail(e, TIDE_ETYPE, "no value %.*s in the enum",
		    (int)(e->key.len - at > 40 ? 40 : e->key.len - at),
		    e->key.data + at);
	*u = (uint64_t)(int64_t)*num;
	return 0;
}

static int
wire_of(int t)
{
	switch (t) {
	case T_DOUBLE:
	case T_FIXED64:
	case T_SFIXED64:
		return WT_I64;
	case T_FLOAT:
	case T_FIXED32:
	case T_SFIXED32:
		return WT_I32;
	case T_STRING:
	case T_BYTES:
	case T_MESSAGE:
	case T_GROUP:
		return WT_LEN;
	default:
		return WT_VARINT;
	}
}

/* A number, bool or enum's bits without the tag. */
static int
enc_number(struct tide_pbenc *e, const struct tide_pbuf_field *f,
    const struct tide_json_val *v)
{
	union { double d; uint64_t u; } d;
	union { float f; uint32_t u; } g;
	uint64_t u;
	int r;

	switch (f->type) {
	case T_DOUBLE:
		if ((r = get_double(e, f->type, v, &d.d)) < 0)
			return r;
		return wr_fixed(e->out, d.u, 8);
	case T_FLOAT:
		if ((r = get_double(e, f->type, v, &d.d)) < 0)
			return r;
		g.f = (float)d.d;
		return wr_fixed(e->out, g.u, 4);
	case T_BOOL:
		if (v->type != TIDE_JSON_TRUE && v->type != TIDE_JSON_FALSE)
			return mismatch(e, v, "bool");
		return tide_buf_addc(e->out, v->type == TIDE_JSON_TRUE);
	case T_ENUM:
		if ((r = get_enum(e, f, v, &u)) < 0)
			return r;
		return wr_varint(e->out, u);
	default:
		break;
	}
	if ((r = get_int(e, f->type, v, &u)) < 0)
		return r;
	switch (f->type) {
	case T_SINT32:
		u = (uint32_t)((uint32_t)u << 1) ^ (uint32_t)((int32_t)u >> 31);
		break;
	case T_SINT64:
		u = (u << 1) ^ (uint64_t)((int64_t)u >> 63);
		break;
	case T_FIXED32:
	case T_SFIXED32:
		return wr_fixed(e->out, u, 4);
	case T_FIXED64:
	case T_SFIXED64:
		return wr_fixed(e->out, u, 8);
	default:
		break;
	}
	return wr_varint(e->out, u);
}

/* ---- messages ------------------------------------------------------------ */

static int enc_body(struct tide_pbenc *e, const struct tide_pbuf_msg *m,
    const struct tide_json_val *v);
static int enc_value(struct tide_pbenc *e, const struct tide_json_val *v);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char **s, const char *end, int n, int *out)
{
	int x = 0;

	for (; n > 0; n--, (*s)++) {
		if (*s >= end || **s < '0' || **s > '9')
			return -1;
		x = x * 10 + (**s - '0');
	}
	*out = x;
	return 0;
}

/* An RFC 3339 time: seconds since the epoch and nanoseconds. */
static int
rfc3339(const char *s, const char *end, int64_t *sec, int32_t *ns)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	int y, mo, d, h, mi, sc, oh = 0, om = 0, k = 0, sign = 0;
	int32_t frac = 0;

	if (digits(&s, end, 4, &y) < 0 || s >= end || *s++ != '-' ||
	    digits(&s, end, 2, &mo) < 0 || s >= end || *s++ != '-' ||
	    digits(&s, end, 2, &d) < 0 || s >= end ||
	    (*s != 'T' && *s != 't' && *s != ' ') || ++s >= end ||
	    digits(&s, end, 2, &h) < 0 || s >= end || *s++ != ':' ||
	    digits(&s, end, 2, &mi) < 0 || s >= end || *s++ != ':' ||
	    digits(&s, end, 2, &sc) < 0)
		return -1;
	if (s < end && *s == '.') {
		for (s++; s < end && *s >= '0' && *s <= '9'; s++, k++) {
			if (k >= 9)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (k == 0)
			return -1;
		for (; k < 9; k++)
			frac *= 10;
	}
	if (s < end && (*s == 'Z' || *s == 'z'))
		s++;
	else if (s < end && (*s == '+' || *s == '-')) {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, end, 2, &oh) < 0 || s >= end || *s++ != ':' ||
		    digits(&s, end, 2, &om) < 0 || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (s != end || y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || (mo == 2 && d == 29 && (y % 4 ||
	    (y % 100 == 0 && y % 400))) || h > 23 || mi > 59 || sc > 59)
		return -1;
	*sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sc - sign * (oh * 3600 + om * 60);
	*ns = frac;
	/* The offset may not carry it outside years 1 to 9999 either. */
	return *sec < -62135596800LL || *sec > 253402300799LL ? -1 : 0;
}

/* "-1.5s": seconds and nanoseconds of one sign. */
static int
duration(const char *s, const char *end, int64_t *sec, int32_t *ns)
{
	int neg = 0, k = 0;
	int64_t x = 0;
	int32_t frac = 0;

	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		if ((x = x * 10 + (*s - '0')) > 315576000000LL)
			return -1;
	if (s < end && *s == '.') {
		for (s++; s < end && *s >= '0' && *s <= '9'; s++, k++) {
			if (k >= 9)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (k == 0)
			return -1;
		for (; k < 9; k++)
			frac *= 10;
	}
	if (s + 1 != end || *s != 's')
		return -1;
	*sec = neg ? -x : x;
	*ns = neg ? -frac : frac;
	return 0;
}

/* Timestamp and Duration: seconds (1) and nanos (2), the zeros left out
 * as protobuf leaves them. */
static int
enc_time(struct tide_pbenc *e, int dur, const struct tide_json_val *v)
{
	int64_t sec;
	int32_t ns;
	int r;

	if (v->type != TIDE_JSON_STRING)
		return mismatch(e, v, dur ? "google.protobuf.Duration (a "
		    "string: \"1.5s\")" : "google.protobuf.Timestamp (an RFC "
		    "3339 string)");
	if ((dur ? duration(v->p + 1, v->p + v->len - 1, &sec, &ns) :
	    rfc3339(v->p + 1, v->p + v->len - 1, &sec, &ns)) < 0)
		return fail(e, TIDE_ETYPE, dur ? "%.*s is not a duration "
		    "(seconds ending in s, up to 10000 years)" : "%.*s is not "
		    "an RFC 3339 time in years 1 to 9999", SHOW(v));
	if (sec != 0 && ((r = wr_tag(e->out, 1, WT_VARINT)) < 0 ||
	    (r = wr_varint(e->out, (uint64_t)sec)) < 0))
		return r;
	if (ns != 0 && ((r = wr_tag(e->out, 2, WT_VARINT)) < 0 ||
	    (r = wr_varint(e->out, (uint64_t)(int64_t)ns)) < 0))
		return r;
	return 0;
}

static int
deeper(struct tide_pbenc *e)
{
	if (++e->depth > TIDE_PBUF_MAXDEPTH)
		return fail(e, TIDE_EDEPTH, "nested deeper than %d",
		    TIDE_PBUF_MAXDEPTH);
	return 0;
}

/* Struct: its members as map entries of string keys (1) and Values (2). */
static int
enc_struct(struct tide_pbenc *e, const struct tide_json_val *v)
{
	struct tide_json_val name, val;
	size_t pos = 0, at, at2, saved;
	int r;

	if (v->type != TIDE_JSON_OBJECT)
		return mismatch(e, v, "google.protobuf.Struct (an object)");
	if ((r = deeper(e)) < 0)
		return r;
	while (tide_json_obj_next(v, &pos, &name, &val)) {
		saved = path_push(e, "%s%.*s", e->pathlen ? "." : "",
		    (int)(name.len - 2), name.p + 1);
		if ((r = len_begin(e->out, 1, &at)) < 0 ||
		    (r = len_begin(e->out, 1, &at2)) < 0 ||
		    (r = tide_json_str(&name, e->out)) < 0 ||
		    (r = len_end(e->out, at2)) < 0 ||
		    (r = len_begin(e->out, 2, &at2)) < 0 ||
		    (r = enc_value(e, &val)) < 0 ||
		    (r = len_end(e->out, at2)) < 0 ||
		    (r = len_end(e->out, at)) < 0)
			return r;
		path_pop(e, saved);
	}
	e->depth--;
	return 0;
}

/* ListValue: each element a Value (1). */
static int
enc_list(struct tide_pbenc *e, const struct tide_json_val *v)
{
	struct tide_json_val el;
	size_t pos = 0, at, saved, i = 0;
	int r;

	if (v->type != TIDE_JSON_ARRAY)
		return mismatch(e, v, "google.protobuf.ListValue (an array)");
	if ((r = deeper(e)) < 0)
		return r;
	while (tide_json_arr_next(v, &pos, &el)) {
		saved = path_push(e, "[%zu]", i++);
		if ((r = len_begin(e->out, 1, &at)) < 0 ||
		    (r = enc_value(e, &el)) < 0 ||
		    (r = len_end(e->out, at)) < 0)
			return r;
		path_pop(e, saved);
	}
	e->depth--;
	return 0;
}

/* Value: null_value 1, number_value 2, string_value 3, bool_value 4,
 * struct_value 5, list_value 6. */
static int
enc_value(struct tide_pbenc *e, const struct tide_json_val *v)
{
	struct tide_buf *b = e->out;
	union { double d; uint64_t u; } d;
	size_t at;
	int r;

	switch (v->type) {
	case TIDE_JSON_NULL:
		if ((r = wr_tag(b, 1, WT_VARINT)) < 0)
			return r;
		return tide_buf_addc(b, 0);
	case TIDE_JSON_NUMBER:
		if (tide_json_double(v, &d.d) < 0)
			return fail(e, TIDE_ETYPE, "%.*s is out of range for "
			    "double", SHOW(v));
		if ((r = wr_tag(b, 2, WT_I64)) < 0)
			return r;
		return wr_fixed(b, d.u, 8);
	case TIDE_JSON_STRING:
		if ((r = len_begin(b, 3, &at)) < 0 ||
		    (r = tide_json_str(v, b)) < 0)
			return r;
		return len_end(b, at);
	case TIDE_JSON_TRUE:
	case TIDE_JSON_FALSE:
		if ((r = wr_tag(b, 4, WT_VARINT)) < 0)
			return r;
		return tide_buf_addc(b, v->type == TIDE_JSON_TRUE);
	default:
		if ((r = len_begin(b, v->type == TIDE_JSON_OBJECT ? 5 : 6,
		    &at)) < 0 || (r = v->type == TIDE_JSON_OBJECT ?
		    enc_struct(e, v) : enc_list(e, v)) < 0)
			return r;
		return len_end(b, at);
	}
}

/* One value of f with its tag (v is not null unless f takes null). */
static int
enc_one(struct tide_pbenc *e, const struct tide_pbuf_field *f,
    const struct tide_json_val *v)
{
	size_t at;
	int r;

	switch (f->type) {
	case T_MESSAGE:
		if ((r = len_begin(e->out, f->num, &at)) < 0 ||
		    (r = enc_body(e, f->msg, v)) < 0)
			return r;
		return len_end(e->out, at);
	case T_STRING:
		if (v->type != TIDE_JSON_STRING)
			return mismatch(e, v, "string");
		if ((r = len_begin(e->out, f->num, &at)) < 0 ||
		    (r = tide_json_str(v, e->out)) < 0)
			return r;
		return len_end(e->out, at);
	case T_BYTES:
		if (v->type != TIDE_JSON_STRING)
			return mismatch(e, v, "bytes (base64)");
		if ((r = len_begin(e->out, f->num, &at)) < 0)
			return r;
		if (memchr(v->p, '\\', v->len) ||
		    tide_b64_decode(e->out, v->p + 1, v->len - 2) < 0)
			return fail(e, TIDE_ETYPE, "%.*s is not base64",
			    SHOW(v));
		return len_end(e->out, at);
	case T_GROUP:
		return fail(e, TIDE_ETYPE, "a group (proto2's deprecated "
		    "groups are not written)");
	default:
		if ((r = wr_tag(e->out, f->num, wire_of(f->type))) < 0)
			return r;
		return enc_number(e, f, v);
	}
}

/* Whether null is a value of f (not a field left out). */
static int
takes_null(const struct tide_pbuf_field *f)
{
	return (f->msg && tide_pbuf_msg_wkt(f->msg) == TIDE_PBUF_WKT_VALUE) ||
	    (f->en && tide_pbuf_enum_isnull(f->en));
}

/* A map entry's key (1) from a member's name, as the key's type reads
 * it: the name is a JSON string, its text the key's. */
static int
enc_mapkey(struct tide_pbenc *e, const struct tide_pbuf_field *kf,
    const struct tide_json_val *name)
{
	struct tide_json_val t = *name;

	if (kf->type == T_STRING)
		return enc_one(e, kf, name);
	if (kf->type == T_BOOL) {
		if (tide_json_str_eq(name, "true", 4))
			t.type = TIDE_JSON_TRUE;
		else if (tide_json_str_eq(name, "false", 5))
			t.type = TIDE_JSON_FALSE;
		else
			return fail(e, TIDE_ETYPE, "map key %.*s is not true "
			    "or false", SHOW(name));
	}
	return enc_one(e, kf, &t);
}

static int
enc_field(struct tide_pbenc *e, const struct tide_pbuf_field *f,
    const struct tide_json_val *v)
{
	struct tide_json_val el, name;
	struct tide_pbuf_field kf, vf;
	size_t pos = 0, at, at2, saved, i = 0;
	int r;

	if (f->map) {
		if (v->type != TIDE_JSON_OBJECT)
			return mismatch(e, v, "a map (an object)");
		if ((r = deeper(e)) < 0)
			return r;
		tide_pbuf_msg_field(e->p, f->msg, 0, &kf);
		tide_pbuf_msg_field(e->p, f->msg, 1, &vf);
		while (tide_json_obj_next(v, &pos, &name, &el)) {
			saved = path_push(e, "[%.*s]", (int)(name.len - 2),
			    name.p + 1);
			if (el.type == TIDE_JSON_NULL && !takes_null(&vf))
				return fail(e, TIDE_ETYPE, "null as a map "
				    "value");
			if ((r = len_begin(e->out, f->num, &at)) < 0 ||
			    (r = enc_mapkey(e, &kf, &name)) < 0 ||
			    (r = enc_one(e, &vf, &el)) < 0 ||
			    (r = len_end(e->out, at)) < 0)
				return r;
			path_pop(e, saved);
		}
		e->depth--;
		return 0;
	}
	if (!f->repeated)
		return enc_one(e, f, v);
	if (v->type != TIDE_JSON_ARRAY)
		return mismatch(e, v, "a repeated field (an array)");
	if ((r = deeper(e)) < 0)
		return r;
	/* Numbers packed: one length for them all. */
	if (wire_of(f->type) != WT_LEN) {
		size_t len0 = e->out->len;

		if ((r = len_begin(e->out, f->num, &at2)) < 0)
			return r;
		while (tide_json_arr_next(v, &pos, &el)) {
			saved = path_push(e, "[%zu]", i++);
			if ((r = enc_number(e, f, &el)) < 0)
				return r;
			path_pop(e, saved);
		}
		if (i == 0)
			e->out->len = len0;
		else if ((r = len_end(e->out, at2)) < 0)
			return r;
		e->depth--;
		return 0;
	}
	while (tide_json_arr_next(v, &pos, &el)) {
		saved = path_push(e, "[%zu]", i++);
		if (el.type == TIDE_JSON_NULL && !takes_null(f))
			return fail(e, TIDE_ETYPE, "null in a repeated field");
		if ((r = enc_one(e, f, &el)) < 0)
			return r;
		path_pop(e, saved);
	}
	e->depth--;
	return 0;
}

/* The field of m a member's name names, or NULL. */
static const struct pfent *
lookup(struct tide_pbenc *e, const struct tide_pbuf_msg *m,
    const struct tide_json_val *name)
{
	tide_buf_reset(&e->key);
	(void)tide_buf_add(&e->key, &m, sizeof(m));
	if (memchr(name->p, '\\', name->len)) {
		if (tide_json_str(name, &e->key) < 0)
			return NULL;
	} else if (tide_buf_add(&e->key, name->p + 1, name->len - 2) < 0)
		return NULL;
	return tide_htab_get(&e->fields, e->key.data, e->key.len);
}

/* The fields of a message of type m, from v: an object, or the JSON form
 * of a well-known type. */
static int
enc_body(struct tide_pbenc *e, const struct tide_pbuf_msg *m,
    const struct tide_json_val *v)
{
	struct tide_json_val name, val;
	const struct pfent *pe;
	struct tide_pbuf_field f;
	size_t pos = 0, saved, base, nf;
	uint32_t ord = 0;
	int r;

	switch (tide_pbuf_msg_wkt(m)) {
	case TIDE_PBUF_WKT_TIMESTAMP:
	case TIDE_PBUF_WKT_DURATION:
		return enc_time(e, tide_pbuf_msg_wkt(m) ==
		    TIDE_PBUF_WKT_DURATION, v);
	case TIDE_PBUF_WKT_WRAPPER:
		if (v->type == TIDE_JSON_NULL)
			return 0;
		tide_pbuf_msg_field(e->p, m, 0, &f);
		return enc_one(e, &f, v);
	case TIDE_PBUF_WKT_STRUCT:
		return enc_struct(e, v);
	case TIDE_PBUF_WKT_VALUE:
		return enc_value(e, v);
	case TIDE_PBUF_WKT_LIST:
		return enc_list(e, v);
	default:
		break;
	}
	if (v->type != TIDE_JSON_OBJECT)
		return mismatch(e, v, "a message (an object)");
	if ((r = deeper(e)) < 0)
		return r;
	/* A field named twice takes the last, as tide's readers do (a
	 * repeated field's arrays are not joined): the member that sets
	 * each field is found first, on a stack addressed by index. */
	base = e->last.len;
	nf = (size_t)tide_pbuf_msg_nfields(m);
	if ((r = tide_buf_grow(&e->last, nf * sizeof(uint32_t))) < 0)
		return r;
	memset(e->last.data + base, 0, nf * sizeof(uint32_t));
	e->last.len += nf * sizeof(uint32_t);
	while (tide_json_obj_next(v, &pos, &name, &val)) {
		ord++;
		if ((pe = lookup(e, m, &name)))
			memcpy(e->last.data + base + (size_t)pe->idx *
			    sizeof(uint32_t), &ord, sizeof(ord));
	}
	pos = 0;
	ord = 0;
	while (tide_json_obj_next(v, &pos, &name, &val)) {
		uint32_t set;

		++ord;
		/* A member that names no field is left out. */
		if (!(pe = lookup(e, m, &name)))
			continue;
		memcpy(&set, e->last.data + base + (size_t)pe->idx *
		    sizeof(uint32_t), sizeof(set));
		if (set != ord)
			continue;
		f = pe->f;
		if (val.type == TIDE_JSON_NULL && (f.repeated || f.map ||
		    !takes_null(&f)))
			continue;
		saved = path_push(e, "%s%s", e->pathlen ? "." : "", f.name);
		if ((r = enc_field(e, &f, &val)) < 0)
			return r;
		path_pop(e, saved);
	}
	e->last.len = base;
	e->depth--;
	return 0;
}

int
tide_pbenc_encode(struct tide_pbenc *e, const char *json, size_t len,
    struct tide_buf *out, char *err, size_t errlen)
{
	struct tide_json_err jerr;
	struct tide_json_val v;
	size_t was = out->len;
	int r;

	e->out = out;
	e->err = err;
	e->errlen = errlen;
	e->depth = 0;
	e->last.len = 0;
	e->pathlen = 0;
	e->path[0] = '\0';
	if ((r = tide_json_check(json, len, 0, &v.type, &jerr)) < 0) {
		snprintf(err, errlen, "not JSON: %s at byte %zu", jerr.reason,
		    jerr.offset);
		return TIDE_EJSON;
	}
	v.p = json;
	v.len = len;
	while (v.len > 0 && (*v.p == ' ' || *v.p == '\t' || *v.p == '\n' ||
	    *v.p == '\r')) {
		v.p++;
		v.len--;
	}
	while (v.len > 0 && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t' ||
	    v.p[v.len - 1] == '\n' || v.p[v.len - 1] == '\r'))
		v.len--;
	r = enc_body(e, e->root, &v);
	if (r == TIDE_ETOOBIG && err && errlen > 0)
		snprintf(err, errlen, "the encoded message is over the cap");
	if (r < 0)
		out->len = was;
	return r;
}
