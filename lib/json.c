/*
 * JSON scanning, lookup and writing in place (see json.h).
 *
 * Decisions the header leaves open, made here:
 *
 * - tide_json_check() follows RFC 8259's grammar.  Raw bytes inside strings
 *   must be valid UTF-8 (no overlongs, no UTF-8-encoded surrogates, nothing
 *   past U+10FFFF, no truncated sequences): those are TIDE_EUTF8.  So is
 *   an escaped lone surrogate such as "\ud800": the grammar allows any
 *   \uXXXX, but such a string holds no character, and were it read as
 *   U+FFFD, "\ud800", "\udc00" and "\ufffd" would be one key.  A high
 *   surrogate escape must be followed by a low one.  (tide_json_str()
 *   still turns a lone surrogate into U+FFFD, for text never checked.)
 *   A byte order mark is not whitespace and
 *   is rejected.  maxdepth <= 0 means TIDE_JSON_MAXDEPTH; maxdepth is
 *   capped at SCAN_MAXDEPTH, the size of the scanner's bit stack.  A
 *   document nested exactly maxdepth deep is accepted, one more is
 *   TIDE_EDEPTH.
 * - tide_json_int64() accepts numbers written with a fraction or exponent
 *   when they are exactly integral ("1.0", "1e2", "1.5e1"); otherwise
 *   TIDE_ETYPE ("1.5", "1e-2").  An integral value outside int64 is
 *   TIDE_ERANGE, whatever its notation.
 * - tide_json_double() returns TIDE_ERANGE when the number overflows a
 *   double; underflow gives the nearest subnormal or zero, which is what
 *   the text means.
 * - tide_json_fmt_double() writes -0.0 as "-0": it reads back to the same
 *   double, which is the rule for every other value.
 * - Paths: an unquoted segment is any non-empty run of bytes without '.'
 *   or '"'; a quoted segment may hold anything, with \" and \\ as its only
 *   escapes, and may be empty ("" names the empty key).  A path with no
 *   segment is never produced by tide_path_parse(); a zeroed path looks up
 *   the document itself.
 * - The writer keeps non-ASCII UTF-8 as it is and writes each byte of an
 *   invalid sequence as \ufffd, so its output is always valid JSON.
 *   Control characters use the short escapes where JSON has them, else
 *   \u00XX (lowercase hex).
 *
 * strtod() and snprintf() are used for doubles: the programs never call
 * setlocale(), so the decimal point is '.'.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "xalloc.h"

#define SCAN_MAXDEPTH 4096

/*
 * Byte classes for the scanner.  C_PLAIN bytes are copied over in a tight
 * loop; everything else in a string needs a look.
 */
enum {
	C_PLAIN = 0,	/* printable ASCII other than " and \ */
	C_QUOTE,
	C_BSLASH,
	C_CTRL,		/* 0x00-0x1f: must be escaped */
	C_HIGH,		/* 0x80-0xff: start (or wrong start) of UTF-8 */
};

static const unsigned char strclass[256] = {
	[0x00 ... 0x1f] = C_CTRL,
	['"'] = C_QUOTE,
	['\\'] = C_BSLASH,
	[0x80 ... 0xff] = C_HIGH,
};

/* Bytes the writer copies as they are (printable ASCII but " and \). */
static const unsigned char wrplain[256] = {
	[0x20 ... 0x21] = 1,		/* '"' is 0x22 */
	[0x23 ... 0x5b] = 1,		/* '\\' is 0x5c */
	[0x5d ... 0x7f] = 1,
};

/* Whitespace RFC 8259 allows between tokens. */
static const unsigned char wsclass[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
};

/* Bytes that matter while skipping over a container's contents. */
static const unsigned char nestclass[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
};

/*
 * Eight bytes at a time (SWAR, as in "Bit Twiddling Hacks"): whether a
 * word holds a byte that ends a run of plain string bytes.  Strings are
 * most of a record, so this is where the scanner spends its time.
 */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
#define HASZERO(x)	(((x) - ONES) & ~(x) & HIGHS)

static inline uint64_t
load8(const unsigned char *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
	return x;
}

/* A quote or a backslash. */
static inline uint64_t
word_has_stop(uint64_t x)
{
	return HASZERO(x ^ (ONES * '"')) | HASZERO(x ^ (ONES * '\\'));
}

/* Anything but printable ASCII other than quote and backslash. */
static inline uint64_t
word_not_plain(uint64_t x)
{
	return ((((x) - ONES * 0x20) & ~(x)) | HASZERO(x ^ (ONES * '"')) |
	    HASZERO(x ^ (ONES * '\\')) | x) & HIGHS;
}

/*
 * The borrows in HASZERO can only mark bytes above a true match, so the
 * lowest marked byte of a nonzero mask is the first one that stops a run:
 * on a little-endian machine, the number of plain bytes before it.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RUN_LEN(m)	((size_t)__builtin_ctzll(m) >> 3)
#endif

/* The end of the run of plain string bytes from s, eight at a time. */
static inline const unsigned char *
plain_run(const unsigned char *s, const unsigned char *end)
{
	uint64_t m;

	for (; end - s >= 8; s += 8)
		if ((m = word_not_plain(load8(s))) != 0) {
#ifdef RUN_LEN
			return s + RUN_LEN(m);
#else
			break;
#endif
		}
	while (s < end && strclass[*s] == C_PLAIN)
		s++;
	return s;
}

/* The end of the run of bytes from s that are neither '"' nor '\\' (in a
 * checked string, the next escape or the closing quote). */
static inline const unsigned char *
unquoted_run(const unsigned char *s, const unsigned char *end)
{
	uint64_t m;

	for (; end - s >= 8; s += 8)
		if ((m = word_has_stop(load8(s))) != 0) {
#ifdef RUN_LEN
			return s + RUN_LEN(m);
#else
			break;
#endif
		}
	while (s < end && *s != '"' && *s != '\\')
		s++;
	return s;
}

/* The type of the value whose first byte is c, in a checked document. */
static inline enum tide_json_type
type_of(unsigned char c)
{
	switch (c) {
	case '{': return TIDE_JSON_OBJECT;
	case '[': return TIDE_JSON_ARRAY;
	case '"': return TIDE_JSON_STRING;
	case 't': return TIDE_JSON_TRUE;
	case 'f': return TIDE_JSON_FALSE;
	case 'n': return TIDE_JSON_NULL;
	default: return TIDE_JSON_NUMBER;
	}
}

#ifdef RUN_LEN
/*
 * The value of eight ASCII digits, the first in the lowest byte: pairs,
 * then quads, then the whole, by multiply-and-shift (as in Lemire's
 * "Faster number parsing").
 */
static inline uint64_t
digits8(uint64_t w)
{
	w -= ONES * '0';
	w = (w * 10) + (w >> 8);
	w = (((w & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
	    (((w >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >> 32;
	return w;
}
#endif

/* Hex digit values plus one, so that 0 means "not a hex digit". */
static const unsigned char hexd1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};
#define HEXVAL(c) ((unsigned)hexd1[c] - 1)

/* Four hex digits; past 0xffff when one is not a hex digit. */
static unsigned
hex4(const unsigned char *s)
{
	return HEXVAL(s[0]) << 12 | HEXVAL(s[1]) << 8 | HEXVAL(s[2]) << 4 |
	    HEXVAL(s[3]);
}

#define ISDIGIT(c) ((unsigned)(c) - '0' < 10)

/*
 * Length of the valid UTF-8 sequence at s (s < end, *s >= 0x80), or 0.
 * Ranges per Unicode table 3-7: second bytes are narrowed after E0, ED,
 * F0 and F4 so overlongs, surrogates and values past U+10FFFF fail.
 */
static size_t
utf8_seq(const unsigned char *s, const unsigned char *end)
{
	size_t avail = (size_t)(end - s);
	unsigned c = s[0], lo = 0x80, hi = 0xbf;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		if (avail < 2 || s[1] < 0x80 || s[1] > 0xbf)
			return 0;
		return 2;
	}
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < 2 || s[1] < lo || s[1] > hi)
		return 0;
	if (avail < 3 || (s[2] & 0xc0) != 0x80)
		return 0;
	if (c < 0xf0)
		return 3;
	if (avail < 4 || (s[3] & 0xc0) != 0x80)
		return 0;
	return 4;
}

int
tide_utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	size_t k;

	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((k = utf8_seq(s, end)) == 0)
			return 0;
		s += k;
	}
	return 1;
}

/* Fail the scan: jump to the common exit with a code and a reason. */
#define FAIL(code, why) do { rc = (code); reason = (why); goto out; } while (0)

/*
 * Scan the string whose opening quote is at *sp.  On success *sp points
 * past the closing quote and 0 is returned; else *sp is where it failed.
 */
static int
scan_string(const unsigned char **sp, const unsigned char *end,
    const char **reason, int *esc)
{
	const unsigned char *s = *sp + 1;
	size_t k;

	for (;;) {
		/* The common case: runs of plain ASCII. */
		s = plain_run(s, end);
		if (s >= end) {
			*reason = "unterminated string";
			break;
		}
		switch (strclass[*s]) {
		case C_QUOTE:
			*sp = s + 1;
			return 0;
		case C_BSLASH:
			if (end - s < 2) {
				*reason = "unterminated string";
				goto fail;
			}
			*esc = 1;
			switch (s[1]) {
			case '"': case '\\': case '/': case 'b':
			case 'f': case 'n': case 'r': case 't':
				s += 2;
				continue;
			case 'u':
				if (end - s < 6 || !hexd1[s[2]] ||
				    !hexd1[s[3]] || !hexd1[s[4]] ||
				    !hexd1[s[5]]) {
					*reason = "bad \\u escape";
					goto fail;
				}
				/* A surrogate must be a high one followed
				 * by a low one: alone it is no character,
				 * and two such strings would read as one
				 * key. */
				if ((s[2] | 0x20) == 'd' && hexd1[s[3]] > 8) {
					unsigned lo;

					if (hexd1[s[3]] > 12 || end - s < 12 ||
					    s[6] != '\\' || s[7] != 'u' ||
					    (lo = hex4(s + 8)) < 0xdc00 ||
					    lo > 0xdfff) {
						*sp = s;
						*reason = "lone surrogate in string";
						return TIDE_EUTF8;
					}
					s += 12;
					continue;
				}
				s += 6;
				continue;
			default:
				*reason = "bad escape";
				goto fail;
			}
		case C_CTRL:
			*reason = "control character in string";
			goto fail;
		default:	/* C_HIGH */
			if ((k = utf8_seq(s, end)) == 0) {
				*sp = s;
				*reason = "invalid UTF-8 in string";
				return TIDE_EUTF8;
			}
			s += k;
			continue;
		}
	}
fail:
	*sp = s;
	return TIDE_EJSON;
}

/* The end of the run of decimal digits from s, eight at a time. */
static inline const unsigned char *
digit_run(const unsigned char *s, const unsigned char *end)
{
#ifdef RUN_LEN
	while (end - s >= 8) {
		uint64_t w = load8(s);
		uint64_t m = ((w - ONES * '0') | (w + ONES * 0x46)) & HIGHS;

		if (m != 0)
			return s + RUN_LEN(m);
		s += 8;
	}
#endif
	while (s < end && ISDIGIT(*s))
		s++;
	return s;
}

/* Scan a number at *sp (RFC 8259 grammar); 0 or TIDE_EJSON. */
static int
scan_number(const unsigned char **sp, const unsigned char *end,
    const char **reason)
{
	const unsigned char *s = *sp;

	if (s < end && *s == '-')
		s++;
	if (s >= end || !ISDIGIT(*s))
		goto bad;
	if (*s == '0')
		s++;
	else
		s = digit_run(s, end);
	if (s < end && *s == '.') {
		s++;
		if (s >= end || !ISDIGIT(*s))
			goto bad;
		s = digit_run(s, end);
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end || !ISDIGIT(*s))
			goto bad;
		while (s < end && ISDIGIT(*s))
			s++;
	}
	*sp = s;
	return 0;
bad:
	*sp = s;
	*reason = "bad number";
	return TIDE_EJSON;
}

/*
 * One loop over the bytes with an explicit stack of open containers (a bit
 * per level: 1 for an object), so deep input cannot exhaust the C stack.
 */
#define NAMELEN_BIT(l)	((uint64_t)1 << ((l) < 63 ? (l) : 63))

static void top_member(const unsigned char *name, const unsigned char *nend,
    int esc, const unsigned char *v, const unsigned char *vend,
    const struct tide_path *paths, int npath, struct tide_json_val *out);

/*
 * With paths (npath of them), the members of a top-level object are
 * matched against the paths' first segments as they are scanned: the
 * lookup of tide_json_get_many() without a second pass over the record.
 */
static int
check(const char *p, size_t n, int maxdepth, enum tide_json_type *type,
    struct tide_json_err *err, const struct tide_path *paths, int npath,
    struct tide_json_val *out)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	const unsigned char *kname = NULL, *kend = NULL, *vstart = NULL;
	uint64_t stack[SCAN_MAXDEPTH / 64];
	const char *reason = NULL;
	int depth = 0, rc = 0, inobj, kesc = 0, vesc, track = 0;
	uint64_t lens = 0;	/* bit l: a path's first name is l bytes */

	if (maxdepth <= 0)
		maxdepth = TIDE_JSON_MAXDEPTH;
	if (maxdepth > SCAN_MAXDEPTH)
		maxdepth = SCAN_MAXDEPTH;
	while (s < end && wsclass[*s])
		s++;
	if (s >= end)
		FAIL(TIDE_EJSON, "empty document");
	if (paths) {
		int i;

		for (i = 0; i < npath; i++) {
			out[i].type = TIDE_JSON_NONE;
			out[i].p = NULL;
			out[i].len = 0;
			if (paths[i].nseg > 0)
				lens |= NAMELEN_BIT(paths[i].seg[0].len);
		}
		track = *s == '{';
	}
	if (type)
		*type = type_of(*s);

value:
	if (s >= end)
		FAIL(TIDE_EJSON, "unexpected end of document");
	if (depth == 1 && track)
		vstart = s;
	switch (*s) {
	case '{':
	case '[':
		if (depth >= maxdepth)
			FAIL(TIDE_EDEPTH, "nesting too deep");
		if (*s == '{')
			stack[depth / 64] |= (uint64_t)1 << (depth % 64);
		else
			stack[depth / 64] &= ~((uint64_t)1 << (depth % 64));
		depth++;
		inobj = *s == '{';
		s++;
		while (s < end && wsclass[*s])
			s++;
		if (s < end && *s == (inobj ? '}' : ']')) {
			s++;
			depth--;
			goto after;
		}
		if (inobj)
			goto key;
		goto value;
	case '"':
		if ((rc = scan_string(&s, end, &reason, &vesc)) < 0)
			goto out;
		goto after;
	case 't':
		if (end - s < 4 || memcmp(s, "true", 4) != 0)
			FAIL(TIDE_EJSON, "bad literal");
		s += 4;
		goto after;
	case 'f':
		if (end - s < 5 || memcmp(s, "false", 5) != 0)
			FAIL(TIDE_EJSON, "bad literal");
		s += 5;
		goto after;
	case 'n':
		if (end - s < 4 || memcmp(s, "null", 4) != 0)
			FAIL(TIDE_EJSON, "bad literal");
		s += 4;
		goto after;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if ((rc = scan_number(&s, end, &reason)) < 0)
			goto out;
		goto after;
	default:
		FAIL(TIDE_EJSON, "expected a value");
	}

key:
	if (s >= end)
		FAIL(TIDE_EJSON, "unexpected end of document");
	if (*s != '"')
		FAIL(TIDE_EJSON, "expected a member name");
	if (depth == 1) {
		kname = s;
		kesc = 0;
	}
	if ((rc = scan_string(&s, end, &reason, depth == 1 ? &kesc : &vesc)) < 0)
		goto out;
	if (depth == 1)
		kend = s;
	while (s < end && wsclass[*s])
		s++;
	if (s >= end || *s != ':')
		FAIL(TIDE_EJSON, "expected ':'");
	s++;
	while (s < end && wsclass[*s])
		s++;
	goto value;

after:
	/* Only a top-level object's members start at depth 1 with a name. */
	if (depth == 1 && vstart) {
		/* Most members are not wanted: their length says so (a
		 * name with escapes may be shorter than its text). */
		if (kesc || (lens & NAMELEN_BIT((size_t)(kend - kname) - 2)))
			top_member(kname, kend, kesc, vstart, s, paths, npath,
			    out);
		vstart = NULL;
	}
	while (s < end && wsclass[*s])
		s++;
	if (depth == 0) {
		if (s != end)
			FAIL(TIDE_EJSON, "trailing data after the document");
		goto out;
	}
	if (s >= end)
		FAIL(TIDE_EJSON, "unexpected end of document");
	inobj = (stack[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
	if (*s == ',') {
		s++;
		while (s < end && wsclass[*s])
			s++;
		if (inobj)
			goto key;
		goto value;
	}
	if (*s == (inobj ? '}' : ']')) {
		s++;
		depth--;
		goto after;
	}
	FAIL(TIDE_EJSON, inobj ? "expected ',' or '}'" : "expected ',' or ']'");

out:
	if (rc < 0 && err) {
		err->offset = (size_t)((const char *)s - p);
		err->reason = reason;
	}
	return rc;
}

int
tide_json_check(const char *p, size_t n, int maxdepth,
    enum tide_json_type *type, struct tide_json_err *err)
{
	return check(p, n, maxdepth, type, err, NULL, 0, NULL);
}

/*
 * Lookup.  The helpers below assume a validated document; they still stop
 * at end, so a bad one gives a wrong answer rather than a wild read.
 */

static const unsigned char *
skip_ws(const unsigned char *s, const unsigned char *end)
{
	while (s < end && wsclass[*s])
		s++;
	return s;
}

/* Skip the string at s (on its opening quote); *esc says if it has '\'. */
static const unsigned char *
skip_string(const unsigned char *s, const unsigned char *end, int *esc)
{
	s++;
	for (;;) {
		s = unquoted_run(s, end);
		if (s >= end)
			return end;
		if (*s == '"')
			return s + 1;
		if (esc)
			*esc = 1;
		s += 2;
		if (s > end)
			return end;
	}
}

/* Skip one value at s; fills type. */
static const unsigned char *
skip_value(const unsigned char *s, const unsigned char *end,
    enum tide_json_type *type)
{
	int depth;

	if (s >= end) {
		*type = TIDE_JSON_NONE;
		return end;
	}
	switch (*s) {
	case '"':
		*type = TIDE_JSON_STRING;
		return skip_string(s, end, NULL);
	case '{':
	case '[':
		*type = *s == '{' ? TIDE_JSON_OBJECT : TIDE_JSON_ARRAY;
		depth = 0;
		while (s < end) {
			switch (nestclass[*s]) {
			case 1:
				s = skip_string(s, end, NULL);
				continue;
			case 2:
				depth++;
				break;
			case 3:
				if (--depth == 0)
					return s + 1;
				break;
			}
			s++;
		}
		return end;
	case 't':
		*type = TIDE_JSON_TRUE;
		return s + 4 <= end ? s + 4 : end;
	case 'f':
		*type = TIDE_JSON_FALSE;
		return s + 5 <= end ? s + 5 : end;
	case 'n':
		*type = TIDE_JSON_NULL;
		return s + 4 <= end ? s + 4 : end;
	default:
		*type = TIDE_JSON_NUMBER;
		while (s < end && (ISDIGIT(*s) || *s == '-' || *s == '+' ||
		    *s == '.' || *s == 'e' || *s == 'E'))
			s++;
		return s;
	}
}

/*
 * Whether the raw string token k[0..klen) (with quotes; esc says whether it
 * holds a backslash) names s[0..n).  Without escapes it is a memcmp.
 */
static int
name_eq(const unsigned char *k, size_t klen, int esc, const char *s, size_t n)
{
	struct tide_json_val v;

	/* The last byte first: names that share a prefix (f1, f2, ...) are
	 * told apart without a call. */
	if (!esc)
		return klen - 2 == n && (n == 0 ||
		    (k[n] == (unsigned char)s[n - 1] &&
		    memcmp(k + 1, s, n) == 0));
	/* Escapes only ever shrink the text. */
	if (klen - 2 < n)
		return 0;
	v.type = TIDE_JSON_STRING;
	v.p = (const char *)k;
	v.len = klen;
	return tide_json_str_eq(&v, s, n);
}

/* One member of an object, as obj_member() finds it. */
struct member {
	const unsigned char *name;	/* raw, with quotes */
	size_t namelen;
	int esc;
	struct tide_json_val val;
};

/*
 * From s, just after '{' or after a member's value, find the next member;
 * returns the position after its value, or NULL past the last one.
 */
static const unsigned char *
obj_member(const unsigned char *s, const unsigned char *end, struct member *m)
{
	const unsigned char *e;

	s = skip_ws(s, end);
	if (s < end && *s == ',')
		s = skip_ws(s + 1, end);
	if (s >= end || *s != '"')
		return NULL;
	m->esc = 0;
	e = skip_string(s, end, &m->esc);
	m->name = s;
	m->namelen = (size_t)(e - s);
	s = skip_ws(e, end);
	if (s >= end || *s != ':')
		return NULL;
	s = skip_ws(s + 1, end);
	e = skip_value(s, end, &m->val.type);
	m->val.p = (const char *)s;
	m->val.len = (size_t)(e - s);
	return e;
}

/* The value of member name in the object obj, last one winning. */
static int
obj_find(const struct tide_json_val *obj, const char *name, size_t len,
    struct tide_json_val *v)
{
	const unsigned char *s = (const unsigned char *)obj->p;
	const unsigned char *end = s + obj->len;
	struct member m;
	int found = 0;

	if (obj->type != TIDE_JSON_OBJECT)
		return 0;
	s++;
	while ((s = obj_member(s, end, &m)) != NULL) {
		if (name_eq(m.name, m.namelen, m.esc, name, len)) {
			*v = m.val;
			found = 1;
		}
	}
	return found;
}

/*
 * The top-level value of doc[0..n).  A checked document ends with it, so
 * trimming whitespace finds its end without a pass over it.
 */
static void
doc_val(const char *doc, size_t n, struct tide_json_val *v)
{
	const unsigned char *s = (const unsigned char *)doc, *end = s + n;

	s = skip_ws(s, end);
	while (end > s && wsclass[end[-1]])
		end--;
	v->type = s < end ? type_of(*s) : TIDE_JSON_NONE;
	v->p = (const char *)s;
	v->len = (size_t)(end - s);
}

int
tide_json_get(const char *doc, size_t n, const struct tide_path *path,
    struct tide_json_val *v)
{
	struct tide_json_val cur;
	int i;

	doc_val(doc, n, &cur);
	for (i = 0; i < path->nseg; i++) {
		if (!obj_find(&cur, path->seg[i].name, path->seg[i].len, &cur))
			goto none;
	}
	if (cur.type == TIDE_JSON_NONE)
		goto none;
	*v = cur;
	return 1;
none:
	v->type = TIDE_JSON_NONE;
	v->p = NULL;
	v->len = 0;
	return 0;
}

#define MANY_CHUNK 64

static void descend(const struct tide_path *paths, const int *idx, int nidx,
    int level, struct tide_json_val *out);

/*
 * One pass over the members of obj for the paths idx[0..nidx), matching
 * their segment number level.  out[] doubles as scratch: it holds the last
 * match at this level, and the paths that go deeper are then grouped by
 * the member they matched so each nested object is passed over once.
 */
static void
many_at(const struct tide_json_val *obj, const struct tide_path *paths,
    const int *idx, int nidx, int level, struct tide_json_val *out)
{
	const unsigned char *s, *end;
	struct member m;
	int i;

	if (nidx == 0)
		return;
	for (i = 0; i < nidx; i++) {
		out[idx[i]].type = TIDE_JSON_NONE;
		out[idx[i]].p = NULL;
		out[idx[i]].len = 0;
	}
	/* A parent that did not match has p == NULL: no arithmetic on it. */
	if (obj->type != TIDE_JSON_OBJECT)
		return;
	s = (const unsigned char *)obj->p;
	end = s + obj->len;
	s++;
	while ((s = obj_member(s, end, &m)) != NULL) {
		for (i = 0; i < nidx; i++) {
			const struct tide_path *pp = &paths[idx[i]];

			if (name_eq(m.name, m.namelen, m.esc,
			    pp->seg[level].name, pp->seg[level].len))
				out[idx[i]] = m.val;
		}
	}
	descend(paths, idx, nidx, level, out);
}

/*
 * The paths idx[0..nidx) that go deeper than level, grouped by the member
 * they matched there (out[]), so each nested object is passed over once.
 */
static void
descend(const struct tide_path *paths, const int *idx, int nidx, int level,
    struct tide_json_val *out)
{
	int sub[MANY_CHUNK], done[MANY_CHUNK];
	int i, j, nsub;

	for (i = 0; i < nidx; i++)
		done[i] = 0;
	for (i = 0; i < nidx; i++) {
		struct tide_json_val at;

		if (done[i] || paths[idx[i]].nseg == level + 1)
			continue;
		at = out[idx[i]];
		nsub = 0;
		for (j = i; j < nidx; j++) {
			if (done[j] || paths[idx[j]].nseg == level + 1 ||
			    out[idx[j]].p != at.p)
				continue;
			done[j] = 1;
			sub[nsub++] = idx[j];
		}
		many_at(&at, paths, sub, nsub, level + 1, out);
	}
}

/* A member of the top-level object, as check() scans it: the paths whose
 * first segment names it get its value (the last such member wins). */
static void
top_member(const unsigned char *name, const unsigned char *nend, int esc,
    const unsigned char *v, const unsigned char *vend,
    const struct tide_path *paths, int npath, struct tide_json_val *out)
{
	struct tide_json_val val;
	size_t nlen = (size_t)(nend - name);
	int i;

	val.type = TIDE_JSON_NONE;
	for (i = 0; i < npath; i++) {
		if (paths[i].nseg == 0 ||
		    !name_eq(name, nlen, esc, paths[i].seg[0].name,
		    paths[i].seg[0].len))
			continue;
		if (val.type == TIDE_JSON_NONE) {
			val.type = type_of(*v);
			val.p = (const char *)v;
			val.len = (size_t)(vend - v);
		}
		out[i] = val;
	}
}

int
tide_json_check_many(const char *p, size_t n, int maxdepth,
    enum tide_json_type *type, struct tide_json_err *err,
    const struct tide_path *paths, int npath, struct tide_json_val *out)
{
	struct tide_json_val top;
	int idx[MANY_CHUNK], nidx, i, k, rc, found = 0;

	if ((rc = check(p, n, maxdepth, type, err, paths, npath, out)) < 0)
		return rc;
	doc_val(p, n, &top);
	for (i = 0; i < npath; i += MANY_CHUNK) {
		nidx = 0;
		for (k = i; k < npath && k < i + MANY_CHUNK; k++) {
			if (paths[k].nseg == 0)
				out[k] = top;
			else if (paths[k].nseg > 1)
				idx[nidx++] = k;
		}
		descend(paths, idx, nidx, 0, out);
	}
	for (i = 0; i < npath; i++)
		if (out[i].type != TIDE_JSON_NONE)
			found++;
	return found;
}

int
tide_json_get_many(const char *doc, size_t n, const struct tide_path *paths,
    int npath, struct tide_json_val *out)
{
	struct tide_json_val top;
	int idx[MANY_CHUNK], nidx, i, k, found = 0;

	doc_val(doc, n, &top);
	for (i = 0; i < npath; i += MANY_CHUNK) {
		nidx = 0;
		for (k = i; k < npath && k < i + MANY_CHUNK; k++) {
			if (paths[k].nseg == 0)
				out[k] = top;
			else
				idx[nidx++] = k;
		}
		many_at(&top, paths, idx, nidx, 0, out);
	}
	for (i = 0; i < npath; i++)
		if (out[i].type != TIDE_JSON_NONE)
			found++;
	return found;
}

int
tide_json_obj_next(const struct tide_json_val *obj, size_t *pos,
    struct tide_json_val *name, struct tide_json_val *value)
{
	const unsigned char *s = (const unsigned char *)obj->p;
	const unsigned char *end = s + obj->len, *e;
	struct member m;

	if (obj->type != TIDE_JSON_OBJECT || obj->len < 2)
		return 0;
	if (*pos == 0)
		*pos = 1;
	if (*pos >= obj->len)
		return 0;
	if ((e = obj_member(s + *pos, end, &m)) == NULL) {
		*pos = obj->len;
		return 0;
	}
	name->type = TIDE_JSON_STRING;
	name->p = (const char *)m.name;
	name->len = m.namelen;
	*value = m.val;
	*pos = (size_t)(e - s);
	return 1;
}

int
tide_json_arr_next(const struct tide_json_val *arr, size_t *pos,
    struct tide_json_val *elem)
{
	const unsigned char *s = (const unsigned char *)arr->p;
	const unsigned char *end = s + arr->len, *t, *e;

	if (arr->type != TIDE_JSON_ARRAY || arr->len < 2)
		return 0;
	if (*pos == 0)
		*pos = 1;
	if (*pos >= arr->len)
		return 0;
	t = skip_ws(s + *pos, end);
	if (t < end && *t == ',')
		t = skip_ws(t + 1, end);
	if (t >= end || *t == ']') {
		*pos = arr->len;
		return 0;
	}
	e = skip_value(t, end, &elem->type);
	elem->p = (const char *)t;
	elem->len = (size_t)(e - t);
	*pos = (size_t)(e - s);
	return 1;
}

/* Paths. */

int
tide_path_parse(struct tide_path *path, const char *spec)
{
	size_t len = strlen(spec);
	const char *s = spec;
	char *mem, *w;

	path->nseg = 0;
	path->text = NULL;
	if (len == 0)
		return TIDE_EINVAL;
	/* The text, then each name NUL-terminated: names never outgrow it. */
	mem = tide_xmalloc(2 * len + 2 + TIDE_PATH_MAXSEG);
	memcpy(mem, spec, len + 1);
	w = mem + len + 1;
	for (;;) {
		if (path->nseg == TIDE_PATH_MAXSEG)
			goto bad;
		path->seg[path->nseg].name = w;
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\0')
					goto bad;
				if (*s == '\\') {
					s++;
					if (*s != '"' && *s != '\\')
						goto bad;
				}
				*w++ = *s;
			}
			s++;
		} else {
			if (*s == '.' || *s == '\0')
				goto bad;	/* empty segment */
			for (; *s != '.' && *s != '\0'; s++) {
				if (*s == '"')
					goto bad;
				*w++ = *s;
			}
		}
		path->seg[path->nseg].len =
		    (size_t)(w - path->seg[path->nseg].name);
		*w++ = '\0';
		path->nseg++;
		if (*s == '\0')
			break;
		if (*s != '.')
			goto bad;	/* text after a closing quote */
		s++;
	}
	path->text = mem;
	return 0;
bad:
	free(mem);
	path->nseg = 0;
	return TIDE_EINVAL;
}

void
tide_path_release(struct tide_path *path)
{
	free(path->text);
	path->text = NULL;
	path->nseg = 0;
}

void
tide_path_raw(struct tide_path *p, const char *name, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->text = tide_xmemdup(name, n);
	p->nseg = 1;
	p->seg[0].name = p->text;
	p->seg[0].len = n;
}

void
tide_path_name(struct tide_path *p, const char *name)
{
	tide_path_raw(p, name, strlen(name));
}

/* Typed getters. */

int
tide_json_int64(const struct tide_json_val *v, int64_t *out)
{
	const unsigned char *s = (const unsigned char *)v->p, *end, *t;
	uint64_t u = 0, lim;
	long exp = 0, eexp = 0, z = 0;
	int neg = 0, ndig = 0, big = 0, frac = 0, eneg = 0, d;

	if (v->type != TIDE_JSON_NUMBER)
		return TIDE_ETYPE;
	end = s + v->len;
	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	/*
	 * Fast path: a plain integer.  Up to 18 digits cannot overflow, so
	 * the common case (counts, amounts, epoch milliseconds) skips the
	 * overflow test.
	 */
	if (end - s <= 18) {
		t = s;
#ifdef RUN_LEN
		/* Eight digits at a time (epoch milliseconds have 13). */
		while (end - t >= 8) {
			uint64_t w = load8(t);

			if (((w - ONES * '0') | (w + ONES * 0x46)) & HIGHS)
				break;
			u = u * 100000000 + digits8(w);
			t += 8;
		}
#endif
		for (; t < end && ISDIGIT(*t); t++)
			u = u * 10 + (uint64_t)(*t - '0');
		if (t == end && t > s)
			goto done;
		u = 0;
	}
	for (t = s; t < end && ISDIGIT(*t); t++) {
		d = *t - '0';
		if (u > (lim - (uint64_t)d) / 10)
			goto slow;
		u = u * 10 + (uint64_t)d;
	}
	if (t == end && t > s)
		goto done;
slow:
	/*
	 * The value is D * 10^(z + exp): D the digits up to the last nonzero
	 * one (leading zeros dropped), z the zeros after it, exp minus the
	 * number of fraction digits plus the exponent.  D ends in a nonzero
	 * digit, so the value is integral exactly when z + exp >= 0.  Past
	 * 19 digits D no longer fits: only the sign of z + exp matters then.
	 */
	u = 0;
	for (t = s; t < end && (ISDIGIT(*t) || (*t == '.' && !frac)); t++) {
		if (*t == '.') {
			frac = 1;
			continue;
		}
		d = *t - '0';
		if (frac)
			exp--;
		if (d == 0) {
			if (ndig > 0)
				z++;
			continue;
		}
		ndig += (int)z + 1;
		if (ndig > 19)
			big = 1;
		else {
			for (; z > 0; z--)
				u *= 10;
			u = u * 10 + (uint64_t)d;
		}
		z = 0;
	}
	if (t < end && (*t == 'e' || *t == 'E')) {
		t++;
		if (t < end && (*t == '+' || *t == '-'))
			eneg = *t++ == '-';
		for (; t < end && ISDIGIT(*t); t++)
			if (eexp < 1000000)
				eexp = eexp * 10 + (*t - '0');
	}
	if (ndig == 0) {
		u = 0;
		goto done;
	}
	exp += z + (eneg ? -eexp : eexp);
	if (exp < 0)
		return TIDE_ETYPE;
	if (big)
		return TIDE_ERANGE;
	for (; exp > 0; exp--) {
		if (u > lim / 10)
			return TIDE_ERANGE;
		u *= 10;
	}
	if (u > lim)
		return TIDE_ERANGE;
done:
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int
tide_json_double(const struct tide_json_val *v, double *out)
{
	const unsigned char *s = (const unsigned char *)v->p, *end, *t;
	char tmp[128], *copy, *e;
	uint64_t u = 0;
	double d;

	if (v->type != TIDE_JSON_NUMBER)
		return TIDE_ETYPE;
	end = s + v->len;
	/* Fast path: up to 15 digits are exact in a double, and so is a
	 * power of ten up to 10^22: their quotient, one correctly rounded
	 * division, is the double nearest the decimal (Clinger's fast path),
	 * as strtod would give it. */
	t = s;
	if (t < end && *t == '-')
		t++;
	if (end - t > 0 && end - t <= 16) {
		static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
		    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
		const unsigned char *q = t, *dot = NULL;

		while (q < end && ISDIGIT(*q))
			u = u * 10 + (uint64_t)(*q++ - '0');
		/* A fraction of at most 15 digits in all (the point is the
		 * 16th byte): both u and the power of ten are exact doubles,
		 * and one division rounds correctly (Clinger's fast path),
		 * as strtod() would. */
		if (q < end && *q == '.' && q + 1 < end && q - t <= 15) {
			dot = q++;
			while (q < end && ISDIGIT(*q))
				u = u * 10 + (uint64_t)(*q++ - '0');
		}
		if (q == end && (dot == NULL || q - t <= 16)) {
			d = dot ? (double)u / p10[q - dot - 1] : (double)u;
			*out = t != s ? -d : d;
			return 0;
		}
	}
	/* strtod needs a NUL-terminated copy; the record may not have one. */
	copy = v->len < sizeof(tmp) ? tmp : tide_xmalloc(v->len + 1);
	memcpy(copy, v->p, v->len);
	copy[v->len] = '\0';
	errno = 0;
	d = strtod(copy, &e);
	if (copy != tmp)
		free(copy);
	if (e == copy)
		return TIDE_ETYPE;
	if (isinf(d))
		return TIDE_ERANGE;
	*out = d;
	return 0;
}

int
tide_json_bool(const struct tide_json_val *v, int *out)
{
	if (v->type == TIDE_JSON_TRUE)
		*out = 1;
	else if (v->type == TIDE_JSON_FALSE)
		*out = 0;
	else
		return TIDE_ETYPE;
	return 0;
}

/* Encode cp (a scalar value) as UTF-8 into o; returns the length. */
static size_t
utf8_put(unsigned char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode the escape at *sp (on the backslash) into o; returns the number
 * of bytes and moves *sp past it.  A surrogate pair joins; a lone
 * surrogate becomes U+FFFD.
 */
static size_t
unescape(const unsigned char **sp, const unsigned char *end, unsigned char *o)
{
	const unsigned char *s = *sp;
	unsigned cp, lo;

	if (end - s < 2) {
		*sp = end;
		return 0;
	}
	*sp = s + 2;
	switch (s[1]) {
	case 'b': o[0] = '\b'; return 1;
	case 'f': o[0] = '\f'; return 1;
	case 'n': o[0] = '\n'; return 1;
	case 'r': o[0] = '\r'; return 1;
	case 't': o[0] = '\t'; return 1;
	case 'u': break;
	default: o[0] = s[1]; return 1;
	}
	if (end - s < 6) {
		*sp = end;
		return 0;
	}
	cp = hex4(s + 2);
	*sp = s + 6;
	if (cp > 0xffff)	/* not hex: only in a document never checked */
		cp = 0xfffd;
	else if (cp >= 0xd800 && cp <= 0xdbff) {
		if (end - s >= 12 && s[6] == '\\' && s[7] == 'u' &&
		    (lo = hex4(s + 8)) >= 0xdc00 && lo <= 0xdfff) {
			*sp = s + 12;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else
			cp = 0xfffd;
	} else if (cp >= 0xdc00 && cp <= 0xdfff)
		cp = 0xfffd;
	return utf8_put(o, cp);
}

int
tide_json_str(const struct tide_json_val *v, struct tide_buf *out)
{
	const unsigned char *s, *end, *run;
	unsigned char u[4];
	size_t k, start = out->len;
	int r;

	if (v->type != TIDE_JSON_STRING || v->len < 2)
		return TIDE_ETYPE;
	s = (const unsigned char *)v->p + 1;
	end = (const unsigned char *)v->p + v->len - 1;
	while (s < end) {
		run = s;
		while (s < end && *s != '\\')
			s++;
		if ((r = tide_buf_add(out, run, (size_t)(s - run))) < 0)
			goto fail;
		if (s < end) {
			k = unescape(&s, end, u);
			if ((r = tide_buf_add(out, u, k)) < 0)
				goto fail;
		}
	}
	return 0;
fail:
	out->len = start;
	return r;
}

int
tide_json_str_eq(const struct tide_json_val *v, const char *str, size_t n)
{
	const unsigned char *s, *end, *run;
	const unsigned char *q = (const unsigned char *)str, *qend = q + n;
	unsigned char u[4];
	size_t k;

	if (v->type != TIDE_JSON_STRING || v->len < 2)
		return 0;
	s = (const unsigned char *)v->p + 1;
	end = (const unsigned char *)v->p + v->len - 1;
	while (s < end) {
		run = s;
		while (s < end && *s != '\\')
			s++;
		k = (size_t)(s - run);
		if ((size_t)(qend - q) < k || memcmp(run, q, k) != 0)
			return 0;
		q += k;
		if (s < end) {
			k = unescape(&s, end, u);
			if ((size_t)(qend - q) < k || memcmp(u, q, k) != 0)
				return 0;
			q += k;
		}
	}
	return q == qend;
}

/* Writer. */

int
tide_json_write_str(struct tide_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p, *end = s + n, *run;
	size_t start = b->len, k;
	char esc[6];
	int r;

	if ((r = tide_buf_addc(b, '"')) < 0)
		return r;
	while (s < end) {
		run = s;
		while (s < end && wrplain[*s])
			s++;
		if (s > run && (r = tide_buf_add(b, run, (size_t)(s - run))) < 0)
			goto fail;
		if (s >= end)
			break;
		if (*s >= 0x80) {
			if ((k = utf8_seq(s, end)) != 0)
				r = tide_buf_add(b, s, k);
			else {
				k = 1;
				r = tide_buf_add(b, "\\ufffd", 6);
			}
			s += k;
			if (r < 0)
				goto fail;
			continue;
		}
		esc[0] = '\\';
		k = 2;
		switch (*s) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 0xf];
			k = 6;
			break;
		}
		s++;
		if ((r = tide_buf_add(b, esc, k)) < 0)
			goto fail;
	}
	if ((r = tide_buf_addc(b, '"')) < 0)
		goto fail;
	return 0;
fail:
	b->len = start;
	return r;
}

int
tide_json_write_int(struct tide_buf *b, int64_t v)
{
	return tide_buf_addi64(b, v);
}

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * The fast path of tide_json_fmt_double(), giving the very bytes "%.15g"
 * would when that round-trips, without snprintf and strtod (ten times
 * the cost).  In 1e-4 <= |d| < 1e15 "%g" uses plain notation, and if some
 * m * 10^-k with m < 10^15 reads back as d, rounding d to 15 digits gives
 * that decimal, so the smallest such k yields "%.15g"'s digits.  m / 10^k
 * is what strtod makes of the decimal: both are exact (m < 2^53,
 * 10^k <= 10^22) and the division rounds correctly.  Returns 0 when d is
 * outside the range or needs more digits.
 */
static int
fmt_short(char *out, double d)
{
	char dig[24], *w = out;
	double a = fabs(d), m;
	int k, nd, i;
	uint64_t u;

	if (a < 1e-4 || a >= 1e15)
		return 0;
	for (k = 1; k <= 22; k++) {
		m = nearbyint(a * pow10tab[k]);
		if (m >= 1e15)
			return 0;
		if (m / pow10tab[k] == a)
			break;
	}
	if (k > 22)
		return 0;
	u = (uint64_t)m;
	nd = 0;
	do {
		dig[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (d < 0)
		*w++ = '-';
	if (nd <= k) {
		*w++ = '0';
		*w++ = '.';
		for (i = nd; i < k; i++)
			*w++ = '0';
		while (nd > 0)
			*w++ = dig[--nd];
	} else {
		for (i = nd; i > k; i--)
			*w++ = dig[i - 1];
		*w++ = '.';
		for (; i > 0; i--)
			*w++ = dig[i - 1];
	}
	*w = '\0';
	return (int)(w - out);
}

size_t
tide_json_fmt_double(char *out, double d)
{
	static const char *fmts[] = { "%.15g", "%.16g", "%.17g" };
	char *e;
	size_t i;
	int n = 0;

	if (isnan(d) || isinf(d)) {
		memcpy(out, "null", 5);
		return 4;
	}
	if (d == 0) {
		/* -0 reads back as -0 only if written so. */
		if (signbit(d)) {
			memcpy(out, "-0", 3);
			return 2;
		}
		memcpy(out, "0", 2);
		return 1;
	}
	/* 2^53: every integer below it is exact and printed in full. */
	if (fabs(d) < 9007199254740992.0 && d == trunc(d))
		return (size_t)snprintf(out, 32, "%lld", (long long)d);
	if ((n = fmt_short(out, d)) > 0)
		return (size_t)n;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		n = snprintf(out, 32, fmts[i], d);
		if (strtod(out, &e) == d)
			break;
	}
	return (size_t)n;
}

int
tide_json_write_double(struct tide_buf *b, double d)
{
	char tmp[32];
	size_t n = tide_json_fmt_double(tmp, d);

	return tide_buf_add(b, tmp, n);
}

/* Object writer. */

int
tide_jobj_begin(struct tide_jobj *o, struct tide_buf *b)
{
	o->b = b;
	o->empty = 1;
	return tide_buf_addc(b, '{');
}

int
tide_jobj_append(struct tide_jobj *o, struct tide_buf *b, const char *rec,
    size_t n)
{
	const unsigned char *s = (const unsigned char *)rec, *e = s + n;

	o->b = b;
	o->empty = 1;
	/* Whitespace around the object and before its '}' goes. */
	while (s < e && wsclass[*s])
		s++;
	while (e > s && wsclass[e[-1]])
		e--;
	if (e - s < 2 || *s != '{' || e[-1] != '}')
		return TIDE_EJSON;
	e--;
	while (e > s && wsclass[e[-1]])
		e--;
	if (e - s == 1)	/* "{" alone: an empty object */
		return tide_buf_addc(b, '{');
	o->empty = 0;
	return tide_buf_add(b, s, (size_t)(e - s));
}

int
tide_jobj_key(struct tide_jobj *o, const char *name, size_t n)
{
	size_t start = o->b->len;
	int r;

	if (!o->empty && (r = tide_buf_addc(o->b, ',')) < 0)
		return r;
	if ((r = tide_json_write_str(o->b, name, n)) < 0 ||
	    (r = tide_buf_addc(o->b, ':')) < 0) {
		o->b->len = start;
		return r;
	}
	o->empty = 0;
	return 0;
}

int
tide_jobj_end(struct tide_jobj *o)
{
	return tide_buf_addc(o->b, '}');
}
