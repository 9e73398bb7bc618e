/* Filter expressions: see expr.h and tide-expr(7). */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "err.h"
#include "expr.h"
#include "time.h"
#include "xalloc.h"

enum kind {
	N_NUM, N_STR, N_TIME, N_BOOL, N_NULL,	/* literals */
	N_PATH, N_META,
	N_AND, N_OR, N_NOT,
	N_CMP, N_IN, N_ISNULL, N_EXISTS, N_TYPE,
	N_STARTS, N_ENDS, N_CONTAINS, N_MATCH,
	N_ARITH, N_NEG, N_ABS, N_LEN, N_LOWER,
};

enum cmpop { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

enum meta { M_KEY, M_PARTITION, M_OFFSET, M_TIMESTAMP, M_TOPIC, M_HEADER };

/* A value at run time.  s/n: a string's bytes (unescaped), or the raw JSON
 * of an array or object. */
enum vt { V_NONE, V_NULL, V_BOOL, V_INT, V_DBL, V_STR, V_TIME, V_ARR,
	V_OBJ };

struct val {
	enum vt t;
	int64_t i;		/* V_BOOL, V_INT, V_TIME (ms) */
	double d;		/* V_DBL */
	const char *s;
	size_t n;
};

struct tide_expr_node {
	enum kind k;
	int op;			/* cmpop, arithmetic char, meta, ISNULL's not */
	int a, b;		/* children, -1 none */
	int *list;		/* N_IN: its elements */
	int nlist;
	struct val lit;		/* literals */
	char *str;		/* owned bytes of a string literal, a header name */
	int pi;			/* N_PATH: index in e->paths */
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	struct tide_buf scratch;	/* unescaped string, lower() */
};

/* ---- parsing ----------------------------------------------------------- */

struct parser {
	struct tide_expr *e;
	const char *s;		/* the text */
	size_t pos;
	int depth;
	int64_t now;
	struct tide_expr_err *err;
	int failed;
};

static int fail(struct parser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	p->err->col = at + 1;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void
skip_ws(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	    p->s[p->pos] == '\n' || p->s[p->pos] == '\r')
		p->pos++;
}

static int
is_ident0(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_ident(int c)
{
	return is_ident0(c) || (c >= '0' && c <= '9');
}

/* The length of the identifier at p->pos (0: none). */
static size_t
ident_len(const struct parser *p, size_t at)
{
	size_t n = 0;

	if (!is_ident0((unsigned char)p->s[at]))
		return 0;
	while (is_ident((unsigned char)p->s[at + n]))
		n++;
	return n;
}

/* Whether the word at the current position is w (whole word). */
static int
word_is(const struct parser *p, const char *w)
{
	size_t n = strlen(w);

	return strncmp(p->s + p->pos, w, n) == 0 &&
	    !is_ident((unsigned char)p->s[p->pos + n]);
}

static int
accept_word(struct parser *p, const char *w)
{
	skip_ws(p);
	if (!word_is(p, w))
		return 0;
	p->pos += strlen(w);
	return 1;
}

static int
accept(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(p);
	if (strncmp(p->s + p->pos, tok, n) != 0)
		return 0;
	p->pos += n;
	return 1;
}

/* Words of the thing at the current position, for "unexpected ...". */
static int
unexpected(struct parser *p)
{
	size_t n;
	const char *t = p->s + p->pos;

	skip_ws(p);
	t = p->s + p->pos;
	if (*t == '\0')
		return fail(p, p->pos, "unexpected end of expression");
	if ((n = ident_len(p, p->pos)) == 0)
		n = 1;
	if (n > 32)
		n = 32;
	return fail(p, p->pos, "unexpected '%.*s'", (int)n, t);
}

static int
expect(struct parser *p, const char *tok)
{
	if (accept(p, tok))
		return 0;
	skip_ws(p);
	return fail(p, p->pos, "expected '%s'", tok);
}

static int
new_node(struct parser *p, enum kind k, size_t at)
{
	struct tide_expr *e = p->e;
	struct tide_expr_node *n;

	if (e->nn == TIDE_EXPR_MAXNODES)
		return fail(p, at, "expression too long: more than %d parts",
		    TIDE_EXPR_MAXNODES);
	if (e->nn == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->n = tide_xreallocarray(e->n, e->cap, sizeof(*e->n));
	}
	n = &e->n[e->nn];
	memset(n, 0, sizeof(*n));
	n->k = k;
	n->a = n->b = -1;
	n->pi = -1;
	tide_buf_init(&n->scratch, TIDE_BUF_NOMAX);
	return (int)e->nn++;
}

static int node2(struct parser *p, enum kind k, int op, int a, int b,
    size_t at)
{
	int i;

	if (a < 0 || b < 0 || (i = new_node(p, k, at)) < 0)
		return -1;
	p->e->n[i].op = op;
	p->e->n[i].a = a;
	p->e->n[i].b = b;
	return i;
}

static int parse_or(struct parser *p);

/* A nested part: the depth bound. */
static int
enter(struct parser *p)
{
	if (++p->depth > TIDE_EXPR_MAXDEPTH) {
		skip_ws(p);
		return fail(p, p->pos, "expression nested deeper than %d",
		    TIDE_EXPR_MAXDEPTH);
	}
	return 0;
}

/* A JSON-style string literal at p->pos (the opening quote): its decoded
 * bytes into *out (owned), length *n.  The position moves past it. */
static int
lex_string(struct parser *p, char **out, size_t *n)
{
	size_t at = p->pos, i = p->pos + 1;
	struct tide_buf b;
	const char *s = p->s;

	tide_buf_init(&b, TIDE_BUF_NOMAX);
	for (;;) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0') {
			tide_buf_release(&b);
			return fail(p, at, "unterminated string");
		}
		if (b.len > TIDE_EXPR_MAXLIT) {
			tide_buf_release(&b);
			return fail(p, at, "string longer than %d bytes",
			    TIDE_EXPR_MAXLIT);
		}
		if (c == '"')
			break;
		if (c == '\\') {
			unsigned cp = 0;
			char u[4];
			int k;

			c = (unsigned char)s[++i];
			switch (c) {
			case '"': case '\\': case '/':
				tide_buf_addc(&b, (char)c);
				break;
			case 'b': tide_buf_addc(&b, '\b'); break;
			case 'f': tide_buf_addc(&b, '\f'); break;
			case 'n': tide_buf_addc(&b, '\n'); break;
			case 'r': tide_buf_addc(&b, '\r'); break;
			case 't': tide_buf_addc(&b, '\t'); break;
			case 'u':
				for (k = 1; k <= 4; k++) {
					int h = s[i + k];

					cp <<= 4;
					if (h >= '0' && h <= '9')
						cp |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f')
						cp |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						cp |= (unsigned)(h - 'A' + 10);
					else {
						tide_buf_release(&b);
						return fail(p, i - 1, "bad \\u "
						    "escape");
					}
				}
				i += 4;
				if ((cp >= 0xd800 && cp < 0xe000) || cp == 0) {
					tide_buf_release(&b);
					return fail(p, i - 5, "\\u escape of "
					    "a surrogate or NUL");
				}
				if (cp < 0x80) {
					u[0] = (char)cp;
					k = 1;
				} else if (cp < 0x800) {
					u[0] = (char)(0xc0 | (cp >> 6));
					u[1] = (char)(0x80 | (cp & 0x3f));
					k = 2;
				} else {
					u[0] = (char)(0xe0 | (cp >> 12));
					u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					u[2] = (char)(0x80 | (cp & 0x3f));
					k = 3;
				}
				tide_buf_add(&b, u, (size_t)k);
				break;
			default:
				tide_buf_release(&b);
				return fail(p, i - 1, "bad escape in string");
			}
			i++;
			continue;
		}
		tide_buf_addc(&b, (char)c);
		i++;
	}
	p->pos = i + 1;
	if (!tide_utf8_valid(b.data ? b.data : "", b.len)) {
		tide_buf_release(&b);
		return fail(p, at, "string is not valid UTF-8");
	}
	tide_buf_addc(&b, '\0');
	*n = b.len - 1;
	*out = b.data;
	return 0;
}

/* The end of a quoted path segment at i (its opening quote), by
 * tide_path_parse()'s rules (\" and \\ only): the index past it, or 0. */
static size_t
path_quoted_end(const char *s, size_t i)
{
	for (i++; s[i] != '"'; i++) {
		if (s[i] == '\0')
			return 0;
		if (s[i] == '\\') {
			i++;
			if (s[i] != '"' && s[i] != '\\')
				return 0;
		}
	}
	return i + 1;
}

/* A path from at: segments (identifiers, digits, or quoted) joined by
 * dots; a leading dot is allowed.  Adds a N_PATH node. */
static int
parse_path(struct parser *p)
{
	size_t at = p->pos, i = p->pos, start, end;
	struct tide_expr *e = p->e;
	char *spec;
	int k, n;

	if (p->s[i] == '.')
		i++;
	start = i;
	for (;;) {
		if (p->s[i] == '"') {
			size_t j = path_quoted_end(p->s, i);

			if (j == 0)
				return fail(p, i, "bad quoted name in path");
			i = j;
		} else {
			size_t j = i;

			while (is_ident((unsigned char)p->s[j]) ||
			    (unsigned char)p->s[j] >= 0x80)
				j++;
			if (j == i)
				return fail(p, i, "expected a field name");
			i = j;
		}
		if (p->s[i] != '.')
			break;
		i++;
	}
	end = i;
	if (end - start > TIDE_EXPR_MAXLIT)
		return fail(p, at, "path longer than %d bytes",
		    TIDE_EXPR_MAXLIT);
	spec = tide_xmemdup(p->s + start, end - start);
	for (k = 0; k < e->npath; k++)
		if (strcmp(e->paths[k].text, spec) == 0)
			break;
	if (k == e->npath) {
		if (e->npath == TIDE_EXPR_MAXPATHS) {
			free(spec);
			return fail(p, at, "more than %d fields named",
			    TIDE_EXPR_MAXPATHS);
		}
		if (tide_path_parse(&e->paths[k], spec) < 0) {
			free(spec);
			return fail(p, at, "bad path (at most %d names)",
			    TIDE_PATH_MAXSEG);
		}
		e->npath++;
	}
	free(spec);
	p->pos = end;
	if ((n = new_node(p, N_PATH, at)) < 0)
		return -1;
	e->n[n].pi = k;
	return n;
}

/* @name: metadata. */
static int
parse_meta(struct parser *p)
{
	static const char *const names[] = { "key", "partition", "offset",
		"timestamp", "topic", "headers" };
	size_t at = p->pos, len;
	unsigned m;
	int n;

	p->pos++;
	len = ident_len(p, p->pos);
	for (m = 0; m < sizeof(names) / sizeof(names[0]); m++)
		if (len == strlen(names[m]) &&
		    strncmp(p->s + p->pos, names[m], len) == 0)
			break;
	if (m == sizeof(names) / sizeof(names[0]))
		return fail(p, at, "unknown metadata '@%.*s' (@key, @partition, "
		    "@offset, @timestamp, @topic, @headers.NAME)",
		    (int)(len > 32 ? 32 : len), p->s + p->pos);
	p->pos += len;
	if ((n = new_node(p, N_META, at)) < 0)
		return -1;
	p->e->n[n].op = (int)m;
	p->e->uses_meta = 1;
	if (m == M_HEADER) {
		char *name;
		size_t nl;

		p->e->uses_hdrs = 1;
		if (p->s[p->pos] != '.')
			return fail(p, p->pos, "expected '.NAME' after "
			    "@headers");
		p->pos++;
		if (p->s[p->pos] == '"') {
			if (lex_string(p, &name, &nl) < 0)
				return -1;
		} else {
			size_t j = p->pos;

			while (is_ident((unsigned char)p->s[j]) ||
			    p->s[j] == '-' || (unsigned char)p->s[j] >= 0x80)
				j++;
			if (j == p->pos)
				return fail(p, p->pos, "expected a header name");
			if (j - p->pos > TIDE_EXPR_MAXLIT)
				return fail(p, p->pos, "header name longer "
				    "than %d bytes", TIDE_EXPR_MAXLIT);
			nl = j - p->pos;
			name = tide_xmemdup(p->s + p->pos, nl);
			p->pos = j;
		}
		p->e->n[n].str = name;
		p->e->n[n].lit.s = name;
		p->e->n[n].lit.n = nl;
	}
	return n;
}

/* Whether a time literal (a date, 2026-11-01...) starts at i. */
static int
is_date(const char *s)
{
	int k;

	for (k = 0; k < 4; k++)
		if (!isdigit((unsigned char)s[k]))
			return 0;
	return s[4] == '-' && isdigit((unsigned char)s[5]) &&
	    isdigit((unsigned char)s[6]) && s[7] == '-' &&
	    isdigit((unsigned char)s[8]) && isdigit((unsigned char)s[9]);
}

static int
parse_time(struct parser *p)
{
	size_t at = p->pos, i = p->pos + 10;
	const char *s = p->s;
	char buf[64];
	int64_t ms;
	int n;

	if (s[i] == 'T') {
		i++;
		while (isdigit((unsigned char)s[i]) || s[i] == ':' ||
		    s[i] == '.')
			i++;
		if (s[i] == 'Z')
			i++;
		else if ((s[i] == '+' || s[i] == '-') &&
		    isdigit((unsigned char)s[i + 1]) &&
		    isdigit((unsigned char)s[i + 2]) && s[i + 3] == ':' &&
		    isdigit((unsigned char)s[i + 4]) &&
		    isdigit((unsigned char)s[i + 5]))
			i += 6;
	}
	if (i - at >= sizeof(buf) || is_ident((unsigned char)s[i]))
		return fail(p, at, "bad time");
	memcpy(buf, s + at, i - at);
	buf[i - at] = '\0';
	if (tide_time_parse_arg(buf, p->now, &ms) < 0)
		return fail(p, at, "bad time '%s'", buf);
	p->pos = i;
	if ((n = new_node(p, N_TIME, at)) < 0)
		return -1;
	p->e->n[n].lit.t = V_TIME;
	p->e->n[n].lit.i = ms;
	return n;
}

/* now, now-15m, now+1h. */
static int
parse_now(struct parser *p)
{
	size_t at = p->pos, save, j;
	int64_t ms = p->now, d;
	char buf[64];
	int n, sign;

	p->pos += 3;
	save = p->pos;
	skip_ws(p);
	if (p->s[p->pos] == '-' || p->s[p->pos] == '+') {
		sign = p->s[p->pos] == '-' ? -1 : 1;
		j = p->pos + 1;
		while (p->s[j] == ' ')
			j++;
		if (isdigit((unsigned char)p->s[j])) {
			size_t k = j;

			while (isalnum((unsigned char)p->s[k]) ||
			    p->s[k] == '.')
				k++;
			if (k - j >= sizeof(buf))
				return fail(p, j, "bad duration");
			memcpy(buf, p->s + j, k - j);
			buf[k - j] = '\0';
			if (tide_dur_parse(buf, &d) < 0)
				return fail(p, j, "bad duration '%s' (e.g. "
				    "15m, 1h30m)", buf);
			ms += sign * d;
			save = k;
		}
	}
	p->pos = save;
	if ((n = new_node(p, N_TIME, at)) < 0)
		return -1;
	p->e->n[n].lit.t = V_TIME;
	p->e->n[n].lit.i = ms;
	return n;
}

static int
parse_number(struct parser *p)
{
	size_t at = p->pos, i = p->pos;
	const char *s = p->s;
	char buf[80], *end;
	int isint = 1, n;

	while (isdigit((unsigned char)s[i]))
		i++;
	if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
		isint = 0;
		for (i++; isdigit((unsigned char)s[i]); i++)
			;
	}
	if ((s[i] == 'e' || s[i] == 'E') && (isdigit((unsigned char)s[i + 1]) ||
	    ((s[i + 1] == '+' || s[i + 1] == '-') &&
	    isdigit((unsigned char)s[i + 2])))) {
		isint = 0;
		for (i += 2; isdigit((unsigned char)s[i]); i++)
			;
	}
	if (is_ident((unsigned char)s[i]))
		return fail(p, at, "bad number");
	if (i - at > 64)
		return fail(p, at, "number longer than 64 characters");
	memcpy(buf, s + at, i - at);
	buf[i - at] = '\0';
	p->pos = i;
	if ((n = new_node(p, N_NUM, at)) < 0)
		return -1;
	if (isint) {
		long long v;

		errno = 0;
		v = strtoll(buf, &end, 10);
		if (errno == 0) {
			p->e->n[n].lit.t = V_INT;
			p->e->n[n].lit.i = v;
			return n;
		}
	}
	p->e->n[n].lit.t = V_DBL;
	p->e->n[n].lit.d = strtod(buf, &end);
	if (!isfinite(p->e->n[n].lit.d))
		return fail(p, at, "number out of range");
	return n;
}

static const struct {
	const char *name;
	enum kind k;
	int nargs;
} funcs[] = {
	{ "exists", N_EXISTS, 1 },
	{ "type", N_TYPE, 1 },
	{ "starts_with", N_STARTS, 2 },
	{ "ends_with", N_ENDS, 2 },
	{ "contains", N_CONTAINS, 2 },
	{ "abs", N_ABS, 1 },
	{ "len", N_LEN, 1 },
	{ "lower", N_LOWER, 1 },
};

static int
parse_call(struct parser *p, size_t at, size_t len)
{
	int args[2], nargs = 0, n;
	unsigned f;

	for (f = 0; f < sizeof(funcs) / sizeof(funcs[0]); f++)
		if (len == strlen(funcs[f].name) &&
		    strncmp(p->s + at, funcs[f].name, len) == 0)
			break;
	if (f == sizeof(funcs) / sizeof(funcs[0]))
		return fail(p, at, "unknown function '%.*s'",
		    (int)(len > 32 ? 32 : len), p->s + at);
	p->pos = at + len;
	if (expect(p, "(") < 0)
		return -1;
	do {
		skip_ws(p);
		if (nargs == funcs[f].nargs)
			return fail(p, p->pos, "%s() takes %d argument%s",
			    funcs[f].name, funcs[f].nargs,
			    funcs[f].nargs > 1 ? "s" : "");
		if (funcs[f].k == N_EXISTS) {
			if (p->s[p->pos] == '@')
				args[nargs] = parse_meta(p);
			else if (p->s[p->pos] == '.' || p->s[p->pos] == '"' ||
			    is_ident0((unsigned char)p->s[p->pos]))
				args[nargs] = parse_path(p);
			else
				return fail(p, p->pos, "exists() takes a "
				    "field path or @name");
		} else
			args[nargs] = parse_or(p);
		if (args[nargs++] < 0)
			return -1;
	} while (accept(p, ","));
	skip_ws(p);
	if (nargs < funcs[f].nargs && p->s[p->pos] == ')')
		return fail(p, p->pos, "%s() takes %d argument%s",
		    funcs[f].name, funcs[f].nargs,
		    funcs[f].nargs > 1 ? "s" : "");
	if (expect(p, ")") < 0)
		return -1;
	if ((n = new_node(p, funcs[f].k, at)) < 0)
		return -1;
	p->e->n[n].a = args[0];
	if (nargs > 1)
		p->e->n[n].b = args[1];
	return n;
}

static int
parse_primary(struct parser *p)
{
	size_t at, len;
	int n;

	skip_ws(p);
	at = p->pos;
	switch (p->s[at]) {
	case '(':
		p->pos++;
		if ((n = parse_or(p)) < 0 || expect(p, ")") < 0)
			return -1;
		return n;
	case '"': {
		char *str;
		size_t sl;

		/* "a.b".c is a path; "a.b" alone a string. */
		if ((len = path_quoted_end(p->s, at)) != 0 &&
		    p->s[len] == '.')
			return parse_path(p);
		if (lex_string(p, &str, &sl) < 0)
			return -1;
		if ((n = new_node(p, N_STR, at)) < 0) {
			free(str);
			return -1;
		}
		p->e->n[n].str = str;
		p->e->n[n].lit.t = V_STR;
		p->e->n[n].lit.s = str;
		p->e->n[n].lit.n = sl;
		return n;
	}
	case '@':
		return parse_meta(p);
	case '.':
		return parse_path(p);
	case '/':
		return fail(p, at, "a regex goes after =~");
	case '\0':
		return fail(p, at, "unexpected end of expression");
	default:
		break;
	}
	if (isdigit((unsigned char)p->s[at]))
		return is_date(p->s + at) ? parse_time(p) : parse_number(p);
	if ((len = ident_len(p, at)) == 0)
		return unexpected(p);
	if (word_is(p, "true") || word_is(p, "false")) {
		if ((n = new_node(p, N_BOOL, at)) < 0)
			return -1;
		p->e->n[n].lit.t = V_BOOL;
		p->e->n[n].lit.i = p->s[at] == 't';
		p->pos += len;
		return n;
	}
	if (word_is(p, "null")) {
		if ((n = new_node(p, N_NULL, at)) < 0)
			return -1;
		p->e->n[n].lit.t = V_NULL;
		p->pos += len;
		return n;
	}
	if (word_is(p, "now"))
		return parse_now(p);
	if (word_is(p, "and") || word_is(p, "or") || word_is(p, "not") ||
	    word_is(p, "in") || word_is(p, "is"))
		return fail(p, at, "unexpected '%.*s'", (int)len, p->s + at);
	{
		size_t j = at + len;

		while (p->s[j] == ' ' || p->s[j] == '\t')
			j++;
		if (p->s[j] == '(')
			return parse_call(p, at, len);
	}
	return parse_path(p);
}

static int
parse_unary(struct parser *p)
{
	size_t at;
	int a, n;

	skip_ws(p);
	at = p->pos;
	if (p->s[at] == '-' && !isdigit((unsigned char)p->s[at + 1])) {
		p->pos++;
		if (enter(p) < 0 || (a = parse_unary(p)) < 0)
			return -1;
		p->depth--;
		if ((n = new_node(p, N_NEG, at)) < 0)
			return -1;
		p->e->n[n].a = a;
		return n;
	}
	if (p->s[at] == '-') {	/* a negative number literal */
		p->pos++;
		if ((n = parse_number(p)) < 0)
			return -1;
		if (p->e->n[n].lit.t == V_INT &&
		    p->e->n[n].lit.i != INT64_MIN)
			p->e->n[n].lit.i = -p->e->n[n].lit.i;
		else {
			if (p->e->n[n].lit.t == V_INT) {
				p->e->n[n].lit.t = V_DBL;
				p->e->n[n].lit.d = (double)p->e->n[n].lit.i;
			}
			p->e->n[n].lit.d = -p->e->n[n].lit.d;
		}
		return n;
	}
	return parse_primary(p);
}

static int
parse_mul(struct parser *p)
{
	int a = parse_unary(p), op;
	size_t at;

	while (a >= 0) {
		skip_ws(p);
		at = p->pos;
		op = p->s[at];
		if (op != '*' && op != '/')
			break;
		p->pos++;
		a = node2(p, N_ARITH, op, a, parse_unary(p), at);
	}
	return a;
}

static int
parse_add(struct parser *p)
{
	int a = parse_mul(p), op;
	size_t at;

	while (a >= 0) {
		skip_ws(p);
		at = p->pos;
		op = p->s[at];
		if (op != '+' && op != '-')
			break;
		p->pos++;
		a = node2(p, N_ARITH, op, a, parse_mul(p), at);
	}
	return a;
}

/* /regex/flags after =~. */
static int
parse_regex(struct parser *p, int a, size_t opat)
{
	struct tide_buf pat;
	size_t at, i;
	uint32_t flags = PCRE2_UTF;
	int n, ecode;
	PCRE2_SIZE eoff;
	struct tide_expr_node *nd;

	skip_ws(p);
	at = p->pos;
	if (p->s[at] != '/')
		return fail(p, at, "expected /regex/ after =~");
	tide_buf_init(&pat, TIDE_BUF_NOMAX);
	for (i = at + 1; p->s[i] != '/'; i++) {
		if (p->s[i] == '\0') {
			tide_buf_release(&pat);
			return fail(p, at, "unterminated regex");
		}
		if (p->s[i] == '\\' && p->s[i + 1] == '/')
			i++;
		else if (p->s[i] == '\\' && p->s[i + 1] != '\0')
			tide_buf_addc(&pat, p->s[i++]);
		tide_buf_addc(&pat, p->s[i]);
		if (pat.len > TIDE_EXPR_MAXLIT) {
			tide_buf_release(&pat);
			return fail(p, at, "regex longer than %d bytes",
			    TIDE_EXPR_MAXLIT);
		}
	}
	for (i++; is_ident((unsigned char)p->s[i]); i++) {
		switch (p->s[i]) {
		case 'i': flags |= PCRE2_CASELESS; break;
		case 'm': flags |= PCRE2_MULTILINE; break;
		case 's': flags |= PCRE2_DOTALL; break;
		case 'x': flags |= PCRE2_EXTENDED; break;
		default:
			tide_buf_release(&pat);
			return fail(p, i, "unknown regex flag '%c' (i, m, s, x)",
			    p->s[i]);
		}
	}
	if ((n = node2(p, N_MATCH, 0, a, a, opat)) < 0) {
		tide_buf_release(&pat);
		return -1;
	}
	nd = &p->e->n[n];
	nd->b = -1;
	/* The regex as written, for the match-limit verdict. */
	nd->str = tide_xmemdup(p->s + at, i - at);
	nd->re = pcre2_compile((PCRE2_SPTR)(pat.data ? pat.data : ""), pat.len,
	    flags, &ecode, &eoff, NULL);
	tide_buf_release(&pat);
	if (nd->re == NULL) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return fail(p, at, "bad regex: %s", (char *)msg);
	}
	(void)pcre2_jit_compile(nd->re, PCRE2_JIT_COMPLETE);
	nd->md = pcre2_match_data_create_from_pattern(nd->re, NULL);
	nd->mc = pcre2_match_context_create(NULL);
	if (nd->md == NULL || nd->mc == NULL)
		return fail(p, at, "out of memory for the regex");
	pcre2_set_match_limit(nd->mc, TIDE_EXPR_MATCHLIMIT);
	pcre2_set_depth_limit(nd->mc, 10000);
	p->pos = i;
	return n;
}

static int
parse_cmp(struct parser *p)
{
	static const struct {
		const char *tok;
		enum cmpop op;
	} ops[] = {
		{ "==", C_EQ }, { "!=", C_NE }, { "<=", C_LE }, { ">=", C_GE },
		{ "<", C_LT }, { ">", C_GT },
	};
	int a = parse_add(p), b, n, neg;
	size_t at;
	unsigned k;

	if (a < 0)
		return -1;
	skip_ws(p);
	at = p->pos;
	if (accept(p, "=~"))
		return parse_regex(p, a, at);
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (accept(p, ops[k].tok)) {
			if ((b = parse_add(p)) < 0)
				return -1;
			/* x == null is x is null. */
			if ((ops[k].op == C_EQ || ops[k].op == C_NE) &&
			    (p->e->n[b].k == N_NULL ||
			    p->e->n[a].k == N_NULL)) {
				if (p->e->n[a].k == N_NULL)
					a = b;
				return node2(p, N_ISNULL, ops[k].op == C_NE,
				    a, a, at);
			}
			return node2(p, N_CMP, (int)ops[k].op, a, b, at);
		}
	if (p->s[at] == '=' || p->s[at] == '!')
		return fail(p, at, "unexpected '%c' (== != < <= > >= =~)",
		    p->s[at]);
	if (accept_word(p, "is")) {
		neg = accept_word(p, "not");
		if (!accept_word(p, "null")) {
			skip_ws(p);
			return fail(p, p->pos, "expected 'null' after 'is%s'",
			    neg ? " not" : "");
		}
		return node2(p, N_ISNULL, neg, a, a, at);
	}
	{
		size_t save = p->pos;

		neg = accept_word(p, "not");
		if (neg && !accept_word(p, "in")) {
			p->pos = save;
			return a;
		}
		if (neg || accept_word(p, "in")) {
			int *list = NULL, nl = 0, cap = 0;

			if (expect(p, "(") < 0)
				return -1;
			do {
				int x = parse_add(p);

				if (x < 0) {
					free(list);
					return -1;
				}
				if (nl == cap) {
					cap = cap ? 2 * cap : 8;
					list = tide_xreallocarray(list,
					    (size_t)cap, sizeof(*list));
				}
				list[nl++] = x;
			} while (accept(p, ","));
			if (expect(p, ")") < 0 ||
			    (n = node2(p, N_IN, 0, a, a, at)) < 0) {
				free(list);
				return -1;
			}
			p->e->n[n].list = list;
			p->e->n[n].nlist = nl;
			if (neg) {
				int m = new_node(p, N_NOT, at);

				if (m < 0)
					return -1;
				p->e->n[m].a = n;
				n = m;
			}
			return n;
		}
	}
	return a;
}

static int
parse_not(struct parser *p)
{
	size_t at;
	int a, n;

	skip_ws(p);
	at = p->pos;
	if (accept_word(p, "not")) {
		if (enter(p) < 0 || (a = parse_not(p)) < 0)
			return -1;
		p->depth--;
		if ((n = new_node(p, N_NOT, at)) < 0)
			return -1;
		p->e->n[n].a = a;
		return n;
	}
	return parse_cmp(p);
}

static int
parse_and(struct parser *p)
{
	int a = parse_not(p);
	size_t at;

	while (a >= 0) {
		skip_ws(p);
		at = p->pos;
		if (!accept_word(p, "and"))
			break;
		a = node2(p, N_AND, 0, a, parse_not(p), at);
	}
	return a;
}

static int
parse_or(struct parser *p)
{
	int a;
	size_t at;

	if (enter(p) < 0)
		return -1;
	a = parse_and(p);
	while (a >= 0) {
		skip_ws(p);
		at = p->pos;
		if (!accept_word(p, "or"))
			break;
		a = node2(p, N_OR, 0, a, parse_and(p), at);
	}
	p->depth--;
	return a;
}

static void
node_free(struct tide_expr_node *n)
{
	free(n->list);
	free(n->str);
	if (n->md)
		pcre2_match_data_free(n->md);
	if (n->mc)
		pcre2_match_context_free(n->mc);
	if (n->re)
		pcre2_code_free(n->re);
	tide_buf_release(&n->scratch);
}

void
tide_expr_release(struct tide_expr *e)
{
	size_t i;
	int k;

	for (i = 0; i < e->nn; i++)
		node_free(&e->n[i]);
	free(e->n);
	for (k = 0; k < e->npath; k++)
		tide_path_release(&e->paths[k]);
	free(e->text);
	e->n = NULL;
	e->nn = e->cap = 0;
	e->npath = 0;
	e->text = NULL;
}

int
tide_expr_compile(struct tide_expr *e, const char *text,
    struct tide_expr_err *err)
{
	struct parser p;
	size_t len = strlen(text);

	memset(e, 0, sizeof(*e));
	e->root = -1;
	e->limit_node = -1;
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.e = e;
	p.s = text;
	p.err = err;
	p.now = tide_now_ms();
	if (len > TIDE_EXPR_MAXTEXT) {
		fail(&p, 0, "expression longer than %d bytes",
		    TIDE_EXPR_MAXTEXT);
		return TIDE_EINVAL;
	}
	skip_ws(&p);
	if (text[p.pos] == '\0') {
		fail(&p, p.pos, "empty expression");
		return TIDE_EINVAL;
	}
	e->root = parse_or(&p);
	if (e->root >= 0) {
		skip_ws(&p);
		if (text[p.pos] != '\0') {
			if (text[p.pos] == ')')
				fail(&p, p.pos, "unexpected ')'");
			else
				unexpected(&p);
		}
	}
	if (p.failed || e->root < 0) {
		tide_expr_release(e);
		e->root = -1;
		return TIDE_EINVAL;
	}
	e->text = tide_xstrdup(text);
	e->meta_only = e->npath == 0;
	return 0;
}

/* ---- evaluation -------------------------------------------------------- */

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15,
};

/* A JSON number's value: an integer when written as one and within int64,
 * else a double (lib/agg's rule).  A fraction of at most 15 digits in all
 * and no exponent takes Clinger's fast path (m and 10^k exact doubles, so
 * m / 10^k is the correctly rounded value, strtod's), as lib/agg does. */
static void
num_of(const struct tide_json_val *jv, struct val *v)
{
	const char *p = jv->p, *e = jv->p + jv->len;
	uint64_t m = 0;
	int neg = 0, nd = 0, k;

	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < e && *p >= '0' && *p <= '9'; p++, nd++)
		m = m * 10 + (uint64_t)(*p - '0');
	if (p == e && nd > 0 && nd <= 18) {
		v->t = V_INT;
		v->i = neg ? -(int64_t)m : (int64_t)m;
		return;
	}
	if (p < e && *p == '.' && nd > 0 && nd < 15) {
		for (p++, k = 0; p < e && *p >= '0' && *p <= '9' &&
		    nd < 15; p++, nd++, k++)
			m = m * 10 + (uint64_t)(*p - '0');
		if (p == e && k > 0) {
			v->t = V_DBL;
			v->d = (double)m / pow10tab[k];
			if (neg)
				v->d = -v->d;
			return;
		}
	}
	if (p == e && tide_json_int64(jv, &v->i) == 0) {
		v->t = V_INT;
		return;
	}
	v->t = tide_json_double(jv, &v->d) == 0 && isfinite(v->d) ? V_DBL :
	    V_NONE;
}

/* A JSON value as a run-time value; strings with escapes unescaped into
 * scratch. */
static void
val_of(const struct tide_json_val *jv, struct tide_buf *scratch,
    struct val *v)
{
	switch (jv->type) {
	case TIDE_JSON_NONE:
		v->t = V_NONE;
		break;
	case TIDE_JSON_NULL:
		v->t = V_NULL;
		break;
	case TIDE_JSON_TRUE:
	case TIDE_JSON_FALSE:
		v->t = V_BOOL;
		v->i = jv->type == TIDE_JSON_TRUE;
		break;
	case TIDE_JSON_NUMBER:
		num_of(jv, v);
		break;
	case TIDE_JSON_STRING:
		v->t = V_STR;
		if (memchr(jv->p, '\\', jv->len) == NULL) {
			v->s = jv->p + 1;
			v->n = jv->len - 2;
		} else {
			tide_buf_reset(scratch);
			if (tide_json_str(jv, scratch) < 0)
				v->t = V_NONE;
			v->s = scratch->data;
			v->n = scratch->len;
		}
		break;
	case TIDE_JSON_ARRAY:
	case TIDE_JSON_OBJECT:
		v->t = jv->type == TIDE_JSON_ARRAY ? V_ARR : V_OBJ;
		v->s = jv->p;
		v->n = jv->len;
		break;
	}
}

struct ctx {
	struct tide_expr *e;
	const struct tide_json_val *vals;
	const struct tide_expr_meta *meta;
};

static void eval(struct ctx *c, int i, struct val *v);

static int
truth(struct ctx *c, int i)
{
	struct val v;

	eval(c, i, &v);
	return v.t == V_BOOL && v.i;
}

/* Three-way compare of integer x with double d (d finite). */
static int
cmp_int_dbl(int64_t x, double d)
{
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	{
		double fl = floor(d);
		int64_t di = (int64_t)fl;

		if (x < di)
			return -1;
		if (x > di)
			return 1;
		return fl < d ? -1 : 0;
	}
}

static int
is_num(const struct val *v)
{
	return v->t == V_INT || v->t == V_DBL || v->t == V_TIME;
}

/* A string as a time, for a comparison with a time: RFC 3339. */
static int
str_time(const struct val *v, int64_t *ms)
{
	return tide_time_parse_rfc3339(v->s, v->n, ms) == 0;
}

/*
 * Three-way compare a with b: 0 when they compare, with *r the order; -1
 * when they do not (across types, missing, NaN).  *eqonly set when only ==
 * and != apply (booleans, nulls).
 */
static int
compare(const struct val *a, const struct val *b, int *r, int *eqonly)
{
	struct val x = *a, y = *b;
	int64_t t;

	*eqonly = 0;
	if (x.t == V_NONE || y.t == V_NONE)
		return -1;
	/* A time with a string: the string read as RFC 3339. */
	if (x.t == V_TIME && y.t == V_STR) {
		if (!str_time(&y, &t))
			return -1;
		y.t = V_INT;
		y.i = t;
	} else if (y.t == V_TIME && x.t == V_STR) {
		if (!str_time(&x, &t))
			return -1;
		x.t = V_INT;
		x.i = t;
	}
	if (is_num(&x) && is_num(&y)) {
		if (x.t == V_DBL && y.t == V_DBL)
			*r = (x.d > y.d) - (x.d < y.d);
		else if (x.t != V_DBL && y.t != V_DBL)
			*r = (x.i > y.i) - (x.i < y.i);
		else if (x.t == V_DBL)
			*r = -cmp_int_dbl(y.i, x.d);
		else
			*r = cmp_int_dbl(x.i, y.d);
		return 0;
	}
	if (x.t == V_STR && y.t == V_STR) {
		size_t n = x.n < y.n ? x.n : y.n;
		int c = n ? memcmp(x.s, y.s, n) : 0;

		*r = c ? (c > 0) - (c < 0) : (x.n > y.n) - (x.n < y.n);
		return 0;
	}
	if (x.t == V_BOOL && y.t == V_BOOL) {
		*eqonly = 1;
		*r = x.i != y.i;
		return 0;
	}
	if (x.t == V_NULL && y.t == V_NULL) {
		*eqonly = 1;
		*r = 0;
		return 0;
	}
	return -1;
}

/* Whether order r (-1, 0, 1) of two numbers satisfies op. */
static inline int
order_holds(int r, enum cmpop op)
{
	switch (op) {
	case C_EQ: return r == 0;
	case C_NE: return r != 0;
	case C_LT: return r < 0;
	case C_LE: return r <= 0;
	case C_GT: return r > 0;
	case C_GE: return r >= 0;
	}
	return 0;
}

static int
cmp_holds(const struct val *a, const struct val *b, enum cmpop op)
{
	int r, eqonly;

	if (compare(a, b, &r, &eqonly) < 0)
		return 0;
	switch (op) {
	case C_EQ: return r == 0;
	case C_NE: return r != 0;
	case C_LT: return !eqonly && r < 0;
	case C_LE: return !eqonly && r <= 0;
	case C_GT: return !eqonly && r > 0;
	case C_GE: return !eqonly && r >= 0;
	}
	return 0;
}

static double
dbl_of(const struct val *v)
{
	return v->t == V_DBL ? v->d : (double)v->i;
}

static void
arith(int op, const struct val *a, const struct val *b, struct val *v)
{
	int64_t r;
	double d;

	v->t = V_NONE;
	if (!is_num(a) || !is_num(b))
		return;
	if (a->t != V_DBL && b->t != V_DBL) {
		int ok = 1;

		switch (op) {
		case '+': ok = !__builtin_add_overflow(a->i, b->i, &r); break;
		case '-': ok = !__builtin_sub_overflow(a->i, b->i, &r); break;
		case '*': ok = !__builtin_mul_overflow(a->i, b->i, &r); break;
		default:
			if (b->i == 0)
				return;
			ok = !(a->i == INT64_MIN && b->i == -1) &&
			    a->i % b->i == 0;
			if (ok)
				r = a->i / b->i;
			break;
		}
		if (ok) {
			/* A time moved by a number stays a time. */
			v->t = (a->t == V_TIME) != (b->t == V_TIME) &&
			    op != '*' && op != '/' ? V_TIME : V_INT;
			v->i = r;
			return;
		}
	}
	switch (op) {
	case '+': d = dbl_of(a) + dbl_of(b); break;
	case '-': d = dbl_of(a) - dbl_of(b); break;
	case '*': d = dbl_of(a) * dbl_of(b); break;
	default:
		if (dbl_of(b) == 0)
			return;
		d = dbl_of(a) / dbl_of(b);
		break;
	}
	if (!isfinite(d))
		return;
	v->t = V_DBL;
	v->d = d;
}

/* The type of the JSON text that starts with c (a decoded key: valid). */
static enum tide_json_type
json_type(char c)
{
	switch (c) {
	case '"': return TIDE_JSON_STRING;
	case '{': return TIDE_JSON_OBJECT;
	case '[': return TIDE_JSON_ARRAY;
	case 't': return TIDE_JSON_TRUE;
	case 'f': return TIDE_JSON_FALSE;
	case 'n': return TIDE_JSON_NULL;
	default: return TIDE_JSON_NUMBER;
	}
}

static void
eval_meta(struct ctx *c, struct tide_expr_node *n, struct val *v)
{
	const struct tide_expr_meta *m = c->meta;
	size_t k;

	v->t = V_NONE;
	if (m == NULL)
		return;
	switch (n->op) {
	case M_KEY:
		if (!(m->have & TIDE_EXPR_HAVE_KEY))
			return;
		if (m->key == NULL) {
			v->t = V_NULL;
			return;
		}
		if (m->key_json && m->keylen > 0) {
			struct tide_json_val jv = { json_type(*m->key),
			    m->key, m->keylen };

			val_of(&jv, &n->scratch, v);
			return;
		}
		v->t = V_STR;
		v->s = m->key;
		v->n = m->keylen;
		return;
	case M_TOPIC:
		if (!(m->have & TIDE_EXPR_HAVE_TOPIC))
			return;
		v->t = V_STR;
		v->s = m->topic;
		v->n = m->topiclen;
		return;
	case M_PARTITION:
		if (m->have & TIDE_EXPR_HAVE_PARTITION) {
			v->t = V_INT;
			v->i = m->partition;
		}
		return;
	case M_OFFSET:
		if (m->have & TIDE_EXPR_HAVE_OFFSET) {
			v->t = V_INT;
			v->i = m->offset;
		}
		return;
	case M_TIMESTAMP:
		if (m->have & TIDE_EXPR_HAVE_TIMESTAMP) {
			v->t = V_INT;
			v->i = m->timestamp;
		}
		return;
	default:
		break;
	}
	if (!(m->have & TIDE_EXPR_HAVE_HEADERS))
		return;
	/* The last header of the name, as the last of duplicate fields. */
	for (k = m->nhdrs; k-- > 0;)
		if (m->hdrs[k].namelen == n->lit.n &&
		    memcmp(m->hdrs[k].name, n->lit.s, n->lit.n) == 0) {
			if (m->hdrs[k].value == NULL) {
				v->t = V_NULL;
				return;
			}
			v->t = V_STR;
			v->s = m->hdrs[k].value;
			v->n = m->hdrs[k].len;
			return;
		}
}

static size_t
utf8_len(const char *s, size_t n)
{
	size_t k, c = 0;

	for (k = 0; k < n; k++)
		c += ((unsigned char)s[k] & 0xc0) != 0x80;
	return c;
}

static void
eval(struct ctx *c, int i, struct val *v)
{
	struct tide_expr_node *n = &c->e->n[i];
	struct val a, b;
	size_t pos, k;
	int r;

	switch (n->k) {
	case N_NUM: case N_STR: case N_TIME: case N_BOOL: case N_NULL:
		*v = n->lit;
		return;
	case N_PATH:
		if (c->vals == NULL) {
			v->t = V_NONE;
			return;
		}
		val_of(&c->vals[n->pi], &n->scratch, v);
		return;
	case N_META:
		eval_meta(c, n, v);
		return;
	default:
		break;
	}
	v->t = V_BOOL;
	v->i = 0;
	switch (n->k) {
	case N_AND:
		v->i = truth(c, n->a) && truth(c, n->b);
		return;
	case N_OR:
		v->i = truth(c, n->a) || truth(c, n->b);
		return;
	case N_NOT:
		v->i = !truth(c, n->a);
		return;
	case N_CMP:
		eval(c, n->a, &a);
		/* The common case, a field against a number literal: no copy
		 * of the literal, no search for the types' rule. */
		if (c->e->n[n->b].k == N_NUM && (a.t == V_INT || a.t == V_DBL)) {
			const struct val *l = &c->e->n[n->b].lit;

			r = a.t == V_INT && l->t == V_INT ?
			    (a.i > l->i) - (a.i < l->i) :
			    a.t == V_DBL && l->t == V_DBL ?
			    (a.d > l->d) - (a.d < l->d) : a.t == V_INT ?
			    cmp_int_dbl(a.i, l->d) : -cmp_int_dbl(l->i, a.d);
			v->i = order_holds(r, (enum cmpop)n->op);
			return;
		}
		eval(c, n->b, &b);
		v->i = cmp_holds(&a, &b, (enum cmpop)n->op);
		return;
	case N_IN:
		eval(c, n->a, &a);
		for (k = 0; k < (size_t)n->nlist && !v->i; k++) {
			eval(c, n->list[k], &b);
			v->i = cmp_holds(&a, &b, C_EQ);
		}
		return;
	case N_ISNULL:
		eval(c, n->a, &a);
		r = a.t == V_NULL || a.t == V_NONE;
		v->i = n->op ? !r : r;
		return;
	case N_EXISTS:
		eval(c, n->a, &a);
		v->i = a.t != V_NONE;
		return;
	case N_STARTS:
	case N_ENDS:
	case N_CONTAINS:
		eval(c, n->a, &a);
		eval(c, n->b, &b);
		if (a.t != V_STR || b.t != V_STR || b.n > a.n)
			return;
		if (n->k == N_STARTS)
			v->i = memcmp(a.s, b.s, b.n) == 0;
		else if (n->k == N_ENDS)
			v->i = memcmp(a.s + a.n - b.n, b.s, b.n) == 0;
		else
			v->i = b.n == 0 || memmem(a.s, a.n, b.s, b.n) != NULL;
		return;
	case N_MATCH:
		eval(c, n->a, &a);
		if (a.t != V_STR)
			return;
		r = pcre2_match(n->re, (PCRE2_SPTR)a.s, a.n, 0,
		    PCRE2_NO_UTF_CHECK, n->md, n->mc);
		if (r >= 0)
			v->i = 1;
		else if (r == PCRE2_ERROR_MATCHLIMIT ||
		    r == PCRE2_ERROR_DEPTHLIMIT || r == PCRE2_ERROR_HEAPLIMIT ||
		    r == PCRE2_ERROR_JIT_STACKLIMIT)
			c->e->limit_node = i;
		return;
	default:
		break;
	}
	v->t = V_NONE;
	switch (n->k) {
	case N_TYPE: {
		static const char *const names[] = {
			[V_NULL] = "null", [V_BOOL] = "boolean",
			[V_INT] = "number", [V_DBL] = "number",
			[V_TIME] = "number", [V_STR] = "string",
			[V_ARR] = "array", [V_OBJ] = "object",
		};

		eval(c, n->a, &a);
		if (a.t == V_NONE)
			return;
		v->t = V_STR;
		v->s = names[a.t];
		v->n = strlen(v->s);
		return;
	}
	case N_ARITH:
		eval(c, n->a, &a);
		eval(c, n->b, &b);
		arith(n->op, &a, &b, v);
		return;
	case N_NEG:
		eval(c, n->a, &a);
		b.t = V_INT;
		b.i = 0;
		arith('-', &b, &a, v);
		if (v->t == V_TIME)
			v->t = V_INT;
		return;
	case N_ABS:
		eval(c, n->a, &a);
		if (a.t == V_DBL) {
			v->t = V_DBL;
			v->d = fabs(a.d);
		} else if (a.t == V_INT || a.t == V_TIME) {
			if (a.i >= 0) {
				v->t = V_INT;
				v->i = a.i;
			} else {
				b.t = V_INT;
				b.i = 0;
				arith('-', &b, &a, v);
				if (v->t == V_TIME)
					v->t = V_INT;
			}
		}
		return;
	case N_LEN:
		eval(c, n->a, &a);
		v->t = V_INT;
		v->i = 0;
		if (a.t == V_STR)
			v->i = (int64_t)utf8_len(a.s, a.n);
		else if (a.t == V_ARR || a.t == V_OBJ) {
			struct tide_json_val jv = {
				a.t == V_ARR ? TIDE_JSON_ARRAY :
				    TIDE_JSON_OBJECT, a.s, a.n
			}, x, y;

			pos = 0;
			if (a.t == V_ARR)
				while (tide_json_arr_next(&jv, &pos, &x))
					v->i++;
			else
				while (tide_json_obj_next(&jv, &pos, &x, &y))
					v->i++;
		} else if (a.t != V_NULL)
			v->t = V_NONE;
		return;
	case N_LOWER:
		eval(c, n->a, &a);
		if (a.t != V_STR)
			return;
		tide_buf_reset(&n->scratch);
		if (tide_buf_grow(&n->scratch, a.n + 1) < 0)
			return;
		for (k = 0; k < a.n; k++) {
			char ch = a.s[k];

			n->scratch.data[k] = ch >= 'A' && ch <= 'Z' ?
			    (char)(ch - 'A' + 'a') : ch;
		}
		n->scratch.len = a.n;
		v->t = V_STR;
		v->s = n->scratch.data;
		v->n = a.n;
		return;
	default:
		return;
	}
}

int
tide_expr_eval(struct tide_expr *e, const struct tide_json_val *vals,
    const struct tide_expr_meta *meta)
{
	struct ctx c = { e, vals, meta };
	int r;

	e->limit_node = -1;
	r = truth(&c, e->root);
	return e->limit_node >= 0 ? TIDE_ERANGE : r;
}

int
tide_expr_eval_rec(struct tide_expr *e, const char *p, size_t n,
    const struct tide_expr_meta *meta)
{
	struct tide_json_val vals[TIDE_EXPR_MAXPATHS];
	enum tide_json_type t;
	int k;

	if (tide_barrier_is(p, n))
		return 1;
	if (e->npath == 0)
		return tide_expr_eval(e, NULL, meta);
	if (tide_json_check_many(p, n, TIDE_JSON_MAXDEPTH, &t, NULL, e->paths,
	    e->npath, vals) < 0 || t != TIDE_JSON_OBJECT)
		for (k = 0; k < e->npath; k++)
			vals[k].type = TIDE_JSON_NONE;
	return tide_expr_eval(e, vals, meta);
}

void
tide_expr_meta_env(struct tide_expr_meta *meta, const struct tide_env *e)
{
	meta->have = TIDE_EXPR_HAVE_KEY | TIDE_EXPR_HAVE_PARTITION |
	    TIDE_EXPR_HAVE_OFFSET | TIDE_EXPR_HAVE_TOPIC |
	    TIDE_EXPR_HAVE_HEADERS;
	if (e->ts_type != TIDE_ENV_TS_NONE)
		meta->have |= TIDE_EXPR_HAVE_TIMESTAMP;
	meta->key = e->key;
	meta->keylen = e->keylen;
	meta->key_json = e->key_as == TIDE_ENV_AS_JSON;
	meta->topic = e->topic;
	meta->topiclen = e->topiclen;
	meta->partition = e->partition;
	meta->offset = e->offset;
	meta->timestamp = e->ts;
	meta->hdrs = e->hdrs;
	meta->nhdrs = e->nhdrs;
}

int
tide_where_paths(struct tide_where *w, struct tide_path *paths, int *n,
    int max)
{
	if (!w->e)
		return 0;
	if (*n + w->e->npath > max)
		return -1;
	w->at = *n;
	memcpy(paths + *n, w->e->paths, (size_t)w->e->npath * sizeof(*paths));
	*n += w->e->npath;
	return 0;
}

int
tide_where_keep(struct tide_where *w, const struct tide_json_val *vals)
{
	int r;

	if (!w->e)
		return 1;
	r = tide_expr_eval(w->e, vals + w->at, NULL);
	if (r == 0)
		w->filtered++;
	return r;
}

int
tide_where_keep_rec(struct tide_where *w, const char *p, size_t n)
{
	int r;

	if (!w->e)
		return 1;
	r = tide_expr_eval_rec(w->e, p, n, NULL);
	if (r == 0)
		w->filtered++;
	return r;
}

const char *
tide_expr_limit_regex(const struct tide_expr *e)
{
	return e->limit_node >= 0 ? e->n[e->limit_node].str : "";
}

void
tide_expr_errfmt(const char *text, const struct tide_expr_err *err,
    char *buf, size_t cap)
{
	size_t col = err->col ? err->col - 1 : 0, len = strlen(text), w;
	char *nl;
	int k;

	/* Long expressions: the 60 bytes before the column and 20 after. */
	size_t from = col > 60 ? col - 60 : 0;
	size_t to = col + 20 < len ? col + 20 : len;

	if (to - from < 80 && len - from <= 80)
		to = len;
	k = snprintf(buf, cap, "%s at column %zu\n  %s%.*s%s\n  ", err->msg,
	    err->col, from ? "..." : "", (int)(to - from), text + from,
	    to < len ? "..." : "");
	if (k < 0 || (size_t)k >= cap)
		return;
	w = (size_t)k;
	/* The text on one line, the caret under its byte: tabs and newlines
	 * shown as spaces. */
	for (nl = strchr(buf, '\n') + 1; nl < buf + w - 3; nl++)
		if (*nl == '\t' || *nl == '\n' || *nl == '\r')
			*nl = ' ';
	if (from)
		col += 3;
	col -= from;
	while (col-- > 0 && w + 2 < cap)
		buf[w++] = ' ';
	if (w + 1 < cap)
		buf[w++] = '^';
	buf[w] = '\0';
}
