#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "printfmt.h"
#include "time.h"
#include "xalloc.h"

#define TRY(x)	do { int r_ = (x); if (r_ < 0) return r_; } while (0)

static void
piece(struct tide_printfmt *f, char what, int field, size_t off, size_t len)
{
	f->v = tide_xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	f->v[f->n].what = what;
	f->v[f->n].field = field;
	f->v[f->n].off = off;
	f->v[f->n].len = len;
	f->n++;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Literal text s[0..n) with kcat's escapes done, as one piece. */
static void
literal(struct tide_printfmt *f, const char *s, size_t n)
{
	size_t off = f->lits.len, i;
	char c;
	int h;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '\\' && i + 1 < n) {
			c = s[++i];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'x':
				/* \xHH: up to two hex digits; none: 'x'. */
				if (i + 1 < n && (h = hexval(s[i + 1])) >= 0) {
					c = (char)h;
					i++;
					if (i + 1 < n && (h = hexval(s[i + 1])) >= 0) {
						c = (char)(c * 16 + h);
						i++;
					}
				}
				break;
			default:
				break;	/* \\ and \c: c */
			}
		}
		/* No cap on lits: cannot fail. */
		(void)tide_buf_addc(&f->lits, c);
	}
	piece(f, 0, 0, off, f->lits.len - off);
}

int
tide_printfmt_parse(struct tide_printfmt *f, const char *spec, char *why)
{
	const char *s = spec, *t, *e;
	char *path;

	memset(f, 0, sizeof(*f));
	tide_buf_init(&f->lits, TIDE_BUF_NOMAX);
	tide_buf_init(&f->scratch, TIDE_BUF_NOMAX);
	while (*s) {
		if ((t = strchr(s, '%')) == NULL)
			t = s + strlen(s);
		literal(f, s, (size_t)(t - s));
		if (*t == '\0')
			break;
		switch (t[1]) {
		case 't': case 'p': case 'o': case 'k': case 'K': case 's':
		case 'S': case 'T': case 'I': case 'h':
			piece(f, t[1], 0, 0, 0);
			f->hdrs |= t[1] == 'h';
			s = t + 2;
			continue;
		case '%':
			literal(f, "%", 1);
			s = t + 2;
			continue;
		case '\0':
			snprintf(why, TIDE_PRINTFMT_WHY, "'%%' at the end: '%%%%' "
			    "writes a percent sign");
			goto bad;
		case '{':
			break;
		default:
			snprintf(why, TIDE_PRINTFMT_WHY, "unknown directive "
			    "'%%%c' at column %zu (known: %%t %%p %%o %%k %%K "
			    "%%s %%S %%T %%I %%h %%{field} %%%%)", t[1],
			    (size_t)(t - spec) + 1);
			goto bad;
		}
		/* %{path}: the path may quote a segment holding a '}'. */
		for (e = t + 2; *e && *e != '}'; e++)
			if (*e == '"')
				while (*++e && *e != '"')
					if (*e == '\\' && e[1])
						e++;
		if (*e != '}') {
			snprintf(why, TIDE_PRINTFMT_WHY, "unclosed '%%{' at column "
			    "%zu", (size_t)(t - spec) + 1);
			goto bad;
		}
		if (e == t + 2) {
			snprintf(why, TIDE_PRINTFMT_WHY, "empty '%%{}' at column "
			    "%zu", (size_t)(t - spec) + 1);
			goto bad;
		}
		if (f->npath == TIDE_PRINTFMT_MAXFIELD) {
			snprintf(why, TIDE_PRINTFMT_WHY, "more than %d fields",
			    TIDE_PRINTFMT_MAXFIELD);
			goto bad;
		}
		path = tide_xmemdup(t + 2, (size_t)(e - t - 2));
		if (tide_path_parse(&f->paths[f->npath], path) < 0) {
			snprintf(why, TIDE_PRINTFMT_WHY, "bad field path '%.200s' "
			    "at column %zu", path, (size_t)(t - spec) + 1);
			free(path);
			goto bad;
		}
		free(path);
		piece(f, '{', f->npath++, 0, 0);
		s = e + 1;
	}
	f->on = 1;
	return 0;
bad:
	tide_printfmt_release(f);
	return TIDE_EINVAL;
}

void
tide_printfmt_release(struct tide_printfmt *f)
{
	int i;

	for (i = 0; i < f->npath; i++)
		tide_path_release(&f->paths[i]);
	free(f->v);
	tide_buf_release(&f->lits);
	tide_buf_release(&f->scratch);
	memset(f, 0, sizeof(*f));
}

void
tide_printfmt_env_rec(struct tide_env *e, const char *rec, size_t n)
{
	memset(e, 0, sizeof(*e));
	e->partition = -1;
	e->offset = -1;
	e->ts = -1;
	e->ts_type = TIDE_ENV_TS_NONE;
	e->value = rec;
	e->len = n;
}

int
tide_printfmt_rec(struct tide_printfmt *f, const char *rec, size_t n,
    struct tide_buf *out)
{
	struct tide_env e;

	tide_printfmt_env_rec(&e, rec, n);
	return tide_printfmt_write(f, &e, out);
}

static int
headers(const struct tide_env *e, struct tide_buf *out)
{
	size_t i;

	for (i = 0; i < e->nhdrs; i++) {
		if (i > 0)
			TRY(tide_buf_addc(out, ','));
		TRY(tide_buf_add(out, e->hdrs[i].name, e->hdrs[i].namelen));
		TRY(tide_buf_addc(out, '='));
		if (e->hdrs[i].value == NULL)
			TRY(tide_buf_add(out, "NULL", 4));
		else
			TRY(tide_buf_add(out, e->hdrs[i].value, e->hdrs[i].len));
	}
	return 0;
}

/* A field for people: a string's text, another value's JSON. */
static int
field(const struct tide_json_val *v, struct tide_buf *out)
{
	if (v->type == TIDE_JSON_NONE)
		return 0;
	if (v->type == TIDE_JSON_STRING)
		return tide_json_str(v, out);
	return tide_buf_add(out, v->p, v->len);
}

/*
 * A key or value p[0..n) for people (%k, %s): a decoded one (as JSON, a
 * format read it) that is a JSON string as its text, as a plain key's
 * bytes are; any other as it is.  len: only its length in bytes (%K, %S),
 * -1 for a null one.
 */
static int
payload(const char *p, size_t n, enum tide_env_as as, int len,
    struct tide_buf *out)
{
	struct tide_json_val v = { TIDE_JSON_STRING, p, n };
	size_t at = out->len;

	if (p == NULL)
		return len ? tide_buf_addi64(out, -1) : 0;
	if (as != TIDE_ENV_AS_JSON || n < 2 || p[0] != '"')
		return len ? tide_buf_addi64(out, (int64_t)n) :
		    tide_buf_add(out, p, n);
	TRY(tide_json_str(&v, out));
	if (len) {
		n = out->len - at;
		out->len = at;
		return tide_buf_addi64(out, (int64_t)n);
	}
	return 0;
}

int
tide_printfmt_write(struct tide_printfmt *f, const struct tide_env *e,
    struct tide_buf *out)
{
	const struct tide_printfmt_piece *pc;
	enum tide_json_type type;
	int64_t ts = e->ts_type == TIDE_ENV_TS_NONE ? -1 : e->ts;
	char tbuf[32];
	size_t i;
	int k;

	if (f->npath > 0) {
		/* One pass: validated and looked up; not an object, none. */
		if (e->value == NULL || tide_json_check_many(e->value, e->len,
		    TIDE_JSON_MAXDEPTH, &type, NULL, f->paths, f->npath,
		    f->vals) < 0 || type != TIDE_JSON_OBJECT)
			for (k = 0; k < f->npath; k++)
				f->vals[k].type = TIDE_JSON_NONE;
	}
	for (i = 0; i < f->n; i++) {
		pc = &f->v[i];
		switch (pc->what) {
		case 0:
			TRY(tide_buf_add(out, f->lits.data + pc->off, pc->len));
			break;
		case 't':
			if (e->topic)
				TRY(tide_buf_add(out, e->topic, e->topiclen));
			break;
		case 'p':
			TRY(tide_buf_addi64(out, e->partition));
			break;
		case 'o':
			TRY(tide_buf_addi64(out, e->offset));
			break;
		case 'k':
		case 'K':
			TRY(payload(e->key, e->keylen, e->key_as,
			    pc->what == 'K', out));
			break;
		case 's':
		case 'S':
			TRY(payload(e->value, e->len, e->value_as,
			    pc->what == 'S', out));
			break;
		case 'T':
			TRY(tide_buf_addi64(out, ts));
			break;
		case 'I':
			if (e->ts_type != TIDE_ENV_TS_NONE)
				TRY(tide_buf_add(out, tbuf, tide_time_fmt(tbuf,
				    e->ts)));
			break;
		case 'h':
			TRY(headers(e, out));
			break;
		case '{':
			TRY(field(&f->vals[pc->field], out));
			break;
		}
	}
	return 0;
}
