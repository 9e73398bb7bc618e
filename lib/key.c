#include <string.h>

#include "err.h"
#include "key.h"

#define DIGIT(c) ((c) >= '0' && (c) <= '9')

/* Integers of up to this many digits are written in full; larger ones (and
 * fractions) as doubles. */
#define KEY_INTDIGITS 40

/* The i-th digit of the integer part ip[0..il) followed by the fraction. */
static char
digit_at(const char *ip, size_t il, const char *fp, size_t i)
{
	return i < il ? ip[i] : fp[i - il];
}

const char *
tide_key_number(const char *p, size_t n, char *out, size_t *len)
{
	const char *e = p + n, *s = p, *ip, *fp = "";
	size_t il, fl = 0, t, f, l, i, w = 0;
	long ex = 0, z;
	int neg = 0, eneg = 0, plain = 1;
	double d;

	if (s < e && *s == '-') {
		neg = 1;
		s++;
	}
	if (s == e || !DIGIT(*s))
		return NULL;
	ip = s;
	if (*s == '0')
		s++;
	else
		while (s < e && DIGIT(*s))
			s++;
	il = (size_t)(s - ip);
	if (s < e && *s == '.') {
		fp = ++s;
		while (s < e && DIGIT(*s))
			s++;
		if ((fl = (size_t)(s - fp)) == 0)
			return NULL;
		plain = 0;
	}
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < e && (*s == '+' || *s == '-'))
			eneg = *s++ == '-';
		if (s == e || !DIGIT(*s))
			return NULL;
		for (; s < e && DIGIT(*s); s++)
			if (ex < 1000000)
				ex = ex * 10 + (*s - '0');
		plain = 0;
	}
	if (s != e)
		return NULL;
	if (plain) {
		/* An integer as written: already canonical, but for -0. */
		if (neg && il == 1 && ip[0] == '0') {
			*len = 1;
			return "0";
		}
		*len = n;
		return p;
	}
	/* Digits f..l are the significant ones; the value is their integer
	 * times 10^z. */
	t = il + fl;
	for (f = 0; f < t && digit_at(ip, il, fp, f) == '0'; f++)
		;
	if (f == t) {
		*len = 1;
		return "0";
	}
	for (l = t - 1; digit_at(ip, il, fp, l) == '0'; l--)
		;
	z = (eneg ? -ex : ex) - (long)fl + (long)(t - 1 - l);
	if (z >= 0 && (long)(l - f + 1) + z <= KEY_INTDIGITS) {
		if (neg)
			out[w++] = '-';
		for (i = f; i <= l; i++)
			out[w++] = digit_at(ip, il, fp, i);
		memset(out + w, '0', (size_t)z);
		w += (size_t)z;
		out[w] = '\0';
		*len = w;
		return out;
	}
	if (tide_json_double(&(struct tide_json_val){ TIDE_JSON_NUMBER, p, n },
	    &d) < 0) {
		*len = n;	/* past a double's range: as written */
		return p;
	}
	*len = tide_json_fmt_double(out, d == 0 ? 0.0 : d);
	return out;
}

/* Whether s[0..n) may be a number: the first byte is a digit or '-'. */
static int
numberish(const char *s, size_t n)
{
	return n > 0 && (DIGIT(s[0]) || s[0] == '-');
}

/* A value other than a string, as a key: its text is its JSON, so
 * tide_key_text() and tide_key_json() append the same. */
static int
key_scalar(struct tide_buf *out, const struct tide_json_val *v)
{
	char num[64];
	const char *q;
	size_t n;

	switch (v->type) {
	case TIDE_JSON_NUMBER:
		if ((q = tide_key_number(v->p, v->len, num, &n)) == NULL)
			return TIDE_ETYPE;
		return tide_buf_add(out, q, n);
	case TIDE_JSON_TRUE:
	case TIDE_JSON_FALSE:
	case TIDE_JSON_OBJECT:
	case TIDE_JSON_ARRAY:
		return tide_buf_add(out, v->p, v->len);
	case TIDE_JSON_NONE:
	case TIDE_JSON_NULL:
		return TIDE_ENOENT;
	default:
		return TIDE_ETYPE;
	}
}

int
tide_key_text(struct tide_buf *out, const struct tide_json_val *v)
{
	char num[64];
	const char *q;
	size_t start, n;
	int r;

	if (v->type == TIDE_JSON_STRING) {
		if (memchr(v->p, '\\', v->len) != NULL) {
			start = out->len;
			if ((r = tide_json_str(v, out)) < 0)
				return r;
			if (!numberish(out->data + start, out->len - start) ||
			    (q = tide_key_number(out->data + start,
			    out->len - start, num, &n)) == NULL ||
			    q == out->data + start)
				return 0;	/* q is num or a literal */
			out->len = start;
			return tide_buf_add(out, q, n);
		}
		if (numberish(v->p + 1, v->len - 2) &&
		    (q = tide_key_number(v->p + 1, v->len - 2, num, &n)) != NULL)
			return tide_buf_add(out, q, n);
		return tide_buf_add(out, v->p + 1, v->len - 2);
	}
	return key_scalar(out, v);
}

/* A string's text s[0..n) as a key's JSON: a number or true/false when it
 * holds one, else NULL (the caller writes the string). */
static const char *
string_as_json(const char *s, size_t n, char *num, size_t *len)
{
	if (numberish(s, n))
		return tide_key_number(s, n, num, len);
	if ((n == 4 && memcmp(s, "true", 4) == 0) ||
	    (n == 5 && memcmp(s, "false", 5) == 0)) {
		*len = n;
		return s;
	}
	return NULL;
}

int
tide_key_json(struct tide_buf *out, const struct tide_json_val *v,
    struct tide_buf *scratch)
{
	char num[64];
	const char *q;
	size_t n;
	int r;

	if (v->type == TIDE_JSON_STRING) {
		if (memchr(v->p, '\\', v->len) != NULL) {
			tide_buf_reset(scratch);
			if ((r = tide_json_str(v, scratch)) < 0)
				return r;
			if ((q = string_as_json(scratch->data, scratch->len, num,
			    &n)) != NULL)
				return tide_buf_add(out, q, n);
			return tide_json_write_str(out, scratch->len ?
			    scratch->data : "", scratch->len);
		}
		if (v->len > 2 && (DIGIT(v->p[1]) || v->p[1] == '-' ||
		    v->p[1] == 't' || v->p[1] == 'f') &&
		    (q = string_as_json(v->p + 1, v->len - 2, num, &n)) != NULL)
			return tide_buf_add(out, q, n);
		return tide_buf_add(out, v->p, v->len);
	}
	return key_scalar(out, v);
}
