#define PCRE2_CODE_UNIT_WIDTH 8

#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jschema.h"
#include "key.h"
#include "xalloc.h"

#define DRAFT "https://json-schema.org/draft/2020-12/schema"
#define JS_MATCHLIMIT 1000000	/* PCRE2 steps for one string */

/* Keywords that are checks, each one rule where it is given. */
enum kw {
	K_TYPE, K_REQUIRED, K_ENUM, K_CONST, K_MINIMUM, K_MAXIMUM, K_EXMIN,
	K_EXMAX, K_MINLEN, K_MAXLEN, K_PATTERN, K_FORMAT, K_MINITEMS,
	K_MAXITEMS, K_MINPROPS, K_MAXPROPS, K_ANYOF, K_ONEOF, K_NOT, K_FALSE,
	K_N
};

static const char *const kwname[K_N] = {
	"type", "required", "enum", "const", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
	"pattern", "format", "minItems", "maxItems", "minProperties",
	"maxProperties", "anyOf", "oneOf", "not", "false",
};

enum tbit {
	T_NULL = 1 << 0, T_BOOL = 1 << 1, T_OBJ = 1 << 2, T_ARR = 1 << 3,
	T_NUM = 1 << 4, T_INT = 1 << 5, T_STR = 1 << 6,
};

static const char *const tname[] = {
	"null", "boolean", "object", "array", "number", "integer", "string",
};

enum fmt { F_NONE, F_DATETIME, F_EMAIL, F_UUID };

struct prop {
	char *name;		/* unescaped */
	size_t len;
	int node;		/* -1: named by required only */
};

struct tide_jschema_node {
	char *loc;
	int boolean;		/* 1 true, 2 false, 0 an object schema */
	int rule[K_N];		/* rule index, -1 when not given */
	unsigned types;
	double num[4];		/* minimum, maximum, exclusive min, max */
	int64_t lim[6];		/* minLength maxLength minItems maxItems
				 * minProperties maxProperties */
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	char *pattern;
	enum fmt format;
	struct tide_json_val enumv, constv;	/* into s->text */
	struct tide_json_val *enums;	/* enumv's elements */
	int nenum;
	struct prop *props;
	int nprops;
	int *req;		/* indexes into props */
	int nreq;
	int addl, items, not, ref;	/* node indexes, -1 none */
	char *refstr;
	int *all, *any, *one;
	int nall, nany, none;
	int onstack;		/* cycle search */
};

/* ---- Compiling -------------------------------------------------------- */

struct comp {
	struct tide_jschema *s;
	struct tide_jschema_err *err;
	struct tide_buf loc;	/* the current location */
	struct tide_buf tmp;
};

static int
cfail(struct comp *c, const char *fmt, ...)
{
	va_list ap;
	size_t k;

	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	k = strlen(c->err->msg);
	snprintf(c->err->msg + k, sizeof(c->err->msg) - k, " (at %s)",
	    tide_buf_cstr(&c->loc));
	return TIDE_EINVAL;
}

/* Append a JSON pointer segment, escaped (~0, ~1). */
static void
loc_push(struct tide_buf *b, const char *s, size_t n)
{
	size_t i;

	tide_buf_addc(b, '/');
	for (i = 0; i < n; i++) {
		if (s[i] == '~')
			tide_buf_add(b, "~0", 2);
		else if (s[i] == '/')
			tide_buf_add(b, "~1", 2);
		else
			tide_buf_addc(b, s[i]);
	}
}

static int
add_rule(struct comp *c, const char *kw)
{
	struct tide_jschema *s = c->s;
	struct tide_buf b = TIDE_BUF_INIT;

	if (s->nrules == s->caprules) {
		s->caprules = s->caprules ? 2 * s->caprules : 16;
		s->rules = tide_xreallocarray(s->rules, s->caprules,
		    sizeof(*s->rules));
	}
	tide_buf_add(&b, c->loc.data, c->loc.len);
	if (kw)
		loc_push(&b, kw, strlen(kw));
	s->rules[s->nrules].loc = tide_xmemdup(b.data, b.len);
	s->rules[s->nrules].count = 0;
	tide_buf_release(&b);
	return s->nrules++;
}

static int
kw_is(const struct tide_json_val *name, const char *kw)
{
	size_t n = strlen(kw);

	return name->len == n + 2 && memcmp(name->p + 1, kw, n) == 0;
}

static int compile(struct comp *c, const struct tide_json_val *v);

static int
get_count(struct comp *c, const struct tide_json_val *v, const char *kw,
    int64_t *out)
{
	double d;

	if (v->type != TIDE_JSON_NUMBER || tide_json_double(v, &d) < 0 ||
	    d < 0 || d != floor(d) || d > 9e15)
		return cfail(c, "'%s' is not a non-negative integer", kw);
	*out = (int64_t)d;
	return 0;
}

static int
type_bit(struct comp *c, const struct tide_json_val *v, unsigned *bits)
{
	size_t i;

	if (v->type != TIDE_JSON_STRING)
		return cfail(c, "'type' names a type by a string");
	for (i = 0; i < sizeof(tname) / sizeof(tname[0]); i++)
		if (tide_json_str_eq(v, tname[i], strlen(tname[i]))) {
			*bits |= 1u << i;
			return 0;
		}
	return cfail(c, "'type': unknown type %.*s", (int)v->len, v->p);
}

/* A list of schemas (allOf, anyOf, oneOf): their node indexes. */
static int
compile_list(struct comp *c, const struct tide_json_val *v, const char *kw,
    int **out, int *nout)
{
	struct tide_json_val e;
	size_t pos = 0, save = c->loc.len;
	int k, n = 0;
	char num[24];

	if (v->type != TIDE_JSON_ARRAY)
		return cfail(c, "'%s' is not an array of schemas", kw);
	while (tide_json_arr_next(v, &pos, &e)) {
		*out = tide_xreallocarray(*out, (size_t)n + 1, sizeof(int));
		loc_push(&c->loc, kw, strlen(kw));
		snprintf(num, sizeof(num), "%d", n);
		loc_push(&c->loc, num, strlen(num));
		k = compile(c, &e);
		c->loc.len = save;
		if (k < 0)
			return k;
		(*out)[n++] = k;
	}
	if (n == 0)
		return cfail(c, "'%s' is an empty array", kw);
	*nout = n;
	return 0;
}

/* A sub-schema under kw (and name, for properties and $defs). */
static int
compile_sub(struct comp *c, const struct tide_json_val *v, const char *kw,
    const char *name, size_t nlen)
{
	size_t save = c->loc.len;
	int k;

	loc_push(&c->loc, kw, strlen(kw));
	if (name)
		loc_push(&c->loc, name, nlen);
	k = compile(c, v);
	c->loc.len = save;
	return k;
}

static int
compile_defs(struct comp *c, const struct tide_json_val *v, const char *kw)
{
	struct tide_json_val name, val;
	size_t pos = 0;
	int k;

	if (v->type != TIDE_JSON_OBJECT)
		return cfail(c, "'%s' is not an object", kw);
	while (tide_json_obj_next(v, &pos, &name, &val)) {
		tide_buf_reset(&c->tmp);
		tide_json_str(&name, &c->tmp);
		if ((k = compile_sub(c, &val, kw, c->tmp.data ? c->tmp.data :
		    "", c->tmp.len)) < 0)
			return k;
	}
	return 0;
}

static int
find_prop(struct tide_jschema_node *nd, const char *name, size_t len)
{
	int i;

	for (i = 0; i < nd->nprops; i++)
		if (nd->props[i].len == len && memcmp(nd->props[i].name, name,
		    len) == 0)
			return i;
	return -1;
}

static int
add_prop(struct comp *c, int ni, const char *name, size_t len)
{
	struct tide_jschema_node *nd = &c->s->n[ni];
	int i;

	if ((i = find_prop(nd, name, len)) >= 0)
		return i;
	if (nd->nprops == TIDE_JSCHEMA_MAXPROPS)
		return cfail(c, "more than %d property names",
		    TIDE_JSCHEMA_MAXPROPS);
	nd->props = tide_xreallocarray(nd->props, (size_t)nd->nprops + 1,
	    sizeof(*nd->props));
	nd->props[nd->nprops].name = tide_xmemdup(name, len);
	nd->props[nd->nprops].len = len;
	nd->props[nd->nprops].node = -1;
	return nd->nprops++;
}

#define ND (&c->s->n[ni])

static int
compile_pattern(struct comp *c, int ni, const struct tide_json_val *v)
{
	int ecode;
	PCRE2_SIZE eoff;
	PCRE2_UCHAR msg[120];

	if (v->type != TIDE_JSON_STRING)
		return cfail(c, "'pattern' is not a string");
	tide_buf_reset(&c->tmp);
	tide_json_str(v, &c->tmp);
	ND->pattern = tide_xmemdup(c->tmp.data ? c->tmp.data : "", c->tmp.len);
	ND->re = pcre2_compile((PCRE2_SPTR)ND->pattern, c->tmp.len, PCRE2_UTF,
	    &ecode, &eoff, NULL);
	if (ND->re == NULL) {
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return cfail(c, "'pattern': bad regex '%s': %s at offset %zu",
		    ND->pattern, (char *)msg, (size_t)eoff);
	}
	(void)pcre2_jit_compile(ND->re, PCRE2_JIT_COMPLETE);
	ND->md = pcre2_match_data_create_from_pattern(ND->re, NULL);
	ND->mc = pcre2_match_context_create(NULL);
	if (ND->md == NULL || ND->mc == NULL)
		return cfail(c, "out of memory for the regex");
	pcre2_set_match_limit(ND->mc, JS_MATCHLIMIT);
	pcre2_set_depth_limit(ND->mc, 10000);
	return 0;
}

static int
compile_keyword(struct comp *c, int ni, const struct tide_json_val *name,
    const struct tide_json_val *v, int root)
{
	struct tide_json_val e, pn, pv;
	size_t pos;
	int k, i, *list = NULL, nlist = 0;
	double d;

	if (kw_is(name, "type")) {
		if (v->type == TIDE_JSON_ARRAY) {
			pos = 0;
			while (tide_json_arr_next(v, &pos, &e))
				if ((k = type_bit(c, &e, &ND->types)) < 0)
					return k;
			if (ND->types == 0)
				return cfail(c, "'type' is an empty array");
		} else if ((k = type_bit(c, v, &ND->types)) < 0)
			return k;
		ND->rule[K_TYPE] = add_rule(c, "type");
	} else if (kw_is(name, "properties")) {
		if (v->type != TIDE_JSON_OBJECT)
			return cfail(c, "'properties' is not an object");
		pos = 0;
		while (tide_json_obj_next(v, &pos, &pn, &pv)) {
			tide_buf_reset(&c->tmp);
			tide_json_str(&pn, &c->tmp);
			if ((i = add_prop(c, ni, c->tmp.data ? c->tmp.data :
			    "", c->tmp.len)) < 0)
				return i;
			/* compile_sub() moves c->tmp: copy the name. */
			if ((k = compile_sub(c, &pv, "properties",
			    ND->props[i].name, ND->props[i].len)) < 0)
				return k;
			ND->props[i].node = k;
		}
	} else if (kw_is(name, "required")) {
		if (v->type != TIDE_JSON_ARRAY)
			return cfail(c, "'required' is not an array of "
			    "strings");
		pos = 0;
		while (tide_json_arr_next(v, &pos, &e)) {
			if (e.type != TIDE_JSON_STRING)
				return cfail(c, "'required' is not an array "
				    "of strings");
			tide_buf_reset(&c->tmp);
			tide_json_str(&e, &c->tmp);
			if ((i = add_prop(c, ni, c->tmp.data ? c->tmp.data :
			    "", c->tmp.len)) < 0)
				return i;
			ND->req = tide_xreallocarray(ND->req,
			    (size_t)ND->nreq + 1, sizeof(int));
			ND->req[ND->nreq++] = i;
		}
		if (ND->nreq)
			ND->rule[K_REQUIRED] = add_rule(c, "required");
	} else if (kw_is(name, "additionalProperties")) {
		if ((k = compile_sub(c, v, "additionalProperties", NULL,
		    0)) < 0)
			return k;
		ND->addl = k;
	} else if (kw_is(name, "items")) {
		if (v->type == TIDE_JSON_ARRAY)
			return cfail(c, "'items' as an array is draft 7's "
			    "tuple form: draft 2020-12 calls it prefixItems, "
			    "which is not supported");
		if ((k = compile_sub(c, v, "items", NULL, 0)) < 0)
			return k;
		ND->items = k;
	} else if (kw_is(name, "enum")) {
		if (v->type != TIDE_JSON_ARRAY)
			return cfail(c, "'enum' is not an array");
		ND->enumv = *v;
		pos = 0;
		while (tide_json_arr_next(v, &pos, &e)) {
			ND->enums = tide_xreallocarray(ND->enums,
			    (size_t)ND->nenum + 1, sizeof(e));
			ND->enums[ND->nenum++] = e;
		}
		ND->rule[K_ENUM] = add_rule(c, "enum");
	} else if (kw_is(name, "const")) {
		ND->constv = *v;
		ND->rule[K_CONST] = add_rule(c, "const");
	} else if (kw_is(name, "minimum") || kw_is(name, "maximum") ||
	    kw_is(name, "exclusiveMinimum") ||
	    kw_is(name, "exclusiveMaximum")) {
		i = kw_is(name, "minimum") ? 0 : kw_is(name, "maximum") ? 1 :
		    kw_is(name, "exclusiveMinimum") ? 2 : 3;
		if (v->type != TIDE_JSON_NUMBER || tide_json_double(v, &d) < 0)
			return cfail(c, "'%s' is not a number",
			    kwname[K_MINIMUM + i]);
		ND->num[i] = d;
		ND->rule[K_MINIMUM + i] = add_rule(c, kwname[K_MINIMUM + i]);
	} else if (kw_is(name, "minLength") || kw_is(name, "maxLength") ||
	    kw_is(name, "minItems") || kw_is(name, "maxItems") ||
	    kw_is(name, "minProperties") || kw_is(name, "maxProperties")) {
		i = kw_is(name, "minLength") ? 0 : kw_is(name, "maxLength") ?
		    1 : kw_is(name, "minItems") ? 2 : kw_is(name, "maxItems") ?
		    3 : kw_is(name, "minProperties") ? 4 : 5;
		static const int limkw[6] = { K_MINLEN, K_MAXLEN, K_MINITEMS,
		    K_MAXITEMS, K_MINPROPS, K_MAXPROPS };

		if ((k = get_count(c, v, kwname[limkw[i]], &ND->lim[i])) < 0)
			return k;
		ND->rule[limkw[i]] = add_rule(c, kwname[limkw[i]]);
	} else if (kw_is(name, "pattern")) {
		if ((k = compile_pattern(c, ni, v)) < 0)
			return k;
		ND->rule[K_PATTERN] = add_rule(c, "pattern");
	} else if (kw_is(name, "format")) {
		if (v->type != TIDE_JSON_STRING)
			return cfail(c, "'format' is not a string");
		if (tide_json_str_eq(v, "date-time", 9))
			ND->format = F_DATETIME;
		else if (tide_json_str_eq(v, "email", 5))
			ND->format = F_EMAIL;
		else if (tide_json_str_eq(v, "uuid", 4))
			ND->format = F_UUID;
		else
			return cfail(c, "format %.*s is not supported (only "
			    "date-time, email and uuid)", (int)v->len, v->p);
		ND->rule[K_FORMAT] = add_rule(c, "format");
	} else if (kw_is(name, "allOf")) {
		if ((k = compile_list(c, v, "allOf", &list, &nlist)) < 0) {
			free(list);
			return k;
		}
		free(ND->all);
		ND->all = list;
		ND->nall = nlist;
	} else if (kw_is(name, "anyOf")) {
		if ((k = compile_list(c, v, "anyOf", &list, &nlist)) < 0) {
			free(list);
			return k;
		}
		free(ND->any);
		ND->any = list;
		ND->nany = nlist;
		ND->rule[K_ANYOF] = add_rule(c, "anyOf");
	} else if (kw_is(name, "oneOf")) {
		if ((k = compile_list(c, v, "oneOf", &list, &nlist)) < 0) {
			free(list);
			return k;
		}
		free(ND->one);
		ND->one = list;
		ND->none = nlist;
		ND->rule[K_ONEOF] = add_rule(c, "oneOf");
	} else if (kw_is(name, "not")) {
		if ((k = compile_sub(c, v, "not", NULL, 0)) < 0)
			return k;
		ND->not = k;
		ND->rule[K_NOT] = add_rule(c, "not");
	} else if (kw_is(name, "$ref")) {
		if (v->type != TIDE_JSON_STRING)
			return cfail(c, "'$ref' is not a string");
		tide_buf_reset(&c->tmp);
		tide_json_str(v, &c->tmp);
		ND->refstr = tide_xmemdup(c->tmp.data ? c->tmp.data : "",
		    c->tmp.len);
		if (ND->refstr[0] != '#')
			return cfail(c, "remote $ref '%s' is not supported "
			    "(only references within the file, '#/...')",
			    ND->refstr);
		if (ND->refstr[1] != '\0' && ND->refstr[1] != '/')
			return cfail(c, "$ref '%s': anchors are not supported "
			    "(only JSON pointers, '#/...')", ND->refstr);
		if (strchr(ND->refstr, '%'))
			return cfail(c, "$ref '%s': percent-encoding is not "
			    "supported", ND->refstr);
	} else if (kw_is(name, "$defs") || kw_is(name, "definitions")) {
		if ((k = compile_defs(c, v, kw_is(name, "$defs") ? "$defs" :
		    "definitions")) < 0)
			return k;
	} else if (kw_is(name, "$schema")) {
		if (!root)
			return cfail(c, "'$schema' in a subschema is not "
			    "supported");
		if (!tide_json_str_eq(v, DRAFT, strlen(DRAFT)) &&
		    !tide_json_str_eq(v, DRAFT "#", strlen(DRAFT) + 1))
			return cfail(c, "$schema %.*s is not supported: "
			    "tide-check reads draft 2020-12 "
			    "(https://json-schema.org/draft/2020-12/schema)",
			    (int)(v->len > 100 ? 100 : v->len), v->p);
	} else if (kw_is(name, "$id")) {
		if (!root)
			return cfail(c, "'$id' in a subschema is not "
			    "supported");
	} else if (kw_is(name, "$comment") || kw_is(name, "title") ||
	    kw_is(name, "description") || kw_is(name, "default") ||
	    kw_is(name, "examples") || kw_is(name, "deprecated") ||
	    kw_is(name, "readOnly") || kw_is(name, "writeOnly")) {
		/* Annotations: nothing to check. */
	} else
		return cfail(c, "keyword %.*s is not supported",
		    (int)(name->len > 100 ? 100 : name->len), name->p);
	return 0;
}

static int
new_node(struct comp *c)
{
	struct tide_jschema *s = c->s;
	struct tide_jschema_node *nd;
	int i;

	if (s->nn == TIDE_JSCHEMA_MAXNODES)
		return cfail(c, "more than %d schemas", TIDE_JSCHEMA_MAXNODES);
	if (s->nn == s->capn) {
		s->capn = s->capn ? 2 * s->capn : 16;
		s->n = tide_xreallocarray(s->n, s->capn, sizeof(*s->n));
	}
	nd = &s->n[s->nn];
	memset(nd, 0, sizeof(*nd));
	for (i = 0; i < K_N; i++)
		nd->rule[i] = -1;
	nd->addl = nd->items = nd->not = nd->ref = -1;
	nd->loc = tide_xmemdup(c->loc.data, c->loc.len);
	return s->nn++;
}

static int
compile(struct comp *c, const struct tide_json_val *v)
{
	struct tide_json_val name, val;
	size_t pos = 0;
	int ni, k, root = c->s->nn == 0;

	if ((ni = new_node(c)) < 0)
		return ni;
	if (v->type == TIDE_JSON_TRUE || v->type == TIDE_JSON_FALSE) {
		ND->boolean = v->type == TIDE_JSON_TRUE ? 1 : 2;
		if (ND->boolean == 2)
			ND->rule[K_FALSE] = add_rule(c, NULL);
		return ni;
	}
	if (v->type != TIDE_JSON_OBJECT)
		return cfail(c, "a schema is an object or true or false");
	while (tide_json_obj_next(v, &pos, &name, &val)) {
		struct tide_json_val pn, pv;
		size_t ppos = 0;

		/* A keyword given twice: parsers disagree on which one
		 * counts, so neither does. */
		while (tide_json_obj_next(v, &ppos, &pn, &pv) && ppos < pos)
			if (pn.len == name.len && memcmp(pn.p, name.p,
			    name.len) == 0)
				return cfail(c, "keyword %.*s given twice",
				    (int)(name.len > 100 ? 100 : name.len),
				    name.p);
		if ((k = compile_keyword(c, ni, &name, &val, root)) < 0)
			return k;
	}
	return ni;
}

/* Whether node i reaches itself by keywords that stay on the same
 * value ($ref, allOf, anyOf, oneOf, not): evaluation would not end. */
static int
cycle(struct tide_jschema *s, int i)
{
	struct tide_jschema_node *nd = &s->n[i];
	int j, r = 0;

	if (nd->onstack == 1)
		return 1;
	if (nd->onstack == 2)
		return 0;
	nd->onstack = 1;
	if (nd->ref >= 0)
		r = cycle(s, nd->ref);
	if (!r && nd->not >= 0)
		r = cycle(s, nd->not);
	for (j = 0; !r && j < nd->nall; j++)
		r = cycle(s, nd->all[j]);
	for (j = 0; !r && j < nd->nany; j++)
		r = cycle(s, nd->any[j]);
	for (j = 0; !r && j < nd->none; j++)
		r = cycle(s, nd->one[j]);
	s->n[i].onstack = r ? 1 : 2;
	return r;
}

int
tide_jschema_compile(struct tide_jschema *s, const char *text, size_t n,
    struct tide_jschema_err *err)
{
	struct comp c;
	struct tide_json_val root;
	struct tide_json_err jerr;
	enum tide_json_type t;
	int i, j, r;

	memset(s, 0, sizeof(*s));
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.err = err;
	tide_buf_init(&c.loc, TIDE_BUF_NOMAX);
	tide_buf_init(&c.tmp, TIDE_BUF_NOMAX);
	tide_buf_addc(&c.loc, '#');
	s->text = tide_xmemdup(text, n);
	s->textlen = n;
	if (tide_json_check(s->text, n, TIDE_JSON_MAXDEPTH, &t, &jerr) < 0) {
		snprintf(err->msg, sizeof(err->msg), "not valid JSON: %s at "
		    "byte %zu", jerr.reason, jerr.offset);
		r = TIDE_EINVAL;
		goto out;
	}
	/* The document's value without the whitespace around it. */
	root.type = t;
	root.p = s->text;
	root.len = n;
	while (root.len && strchr(" \t\r\n", root.p[0])) {
		root.p++;
		root.len--;
	}
	while (root.len && strchr(" \t\r\n", root.p[root.len - 1]))
		root.len--;
	if ((r = compile(&c, &root)) < 0)
		goto out;
	r = 0;
	for (i = 0; i < s->nn; i++) {
		if (s->n[i].refstr == NULL)
			continue;
		for (j = 0; j < s->nn; j++)
			if (strcmp(s->n[j].loc, s->n[i].refstr) == 0)
				break;
		if (j == s->nn) {
			c.loc.len = 0;
			tide_buf_adds(&c.loc, s->n[i].loc);
			r = cfail(&c, "$ref '%s' names no schema in the file",
			    s->n[i].refstr);
			goto out;
		}
		s->n[i].ref = j;
	}
	for (i = 0; i < s->nn; i++)
		if (cycle(s, i)) {
			c.loc.len = 0;
			tide_buf_adds(&c.loc, s->n[i].loc);
			r = cfail(&c, "$ref cycle: the schema refers to itself "
			    "without descending into the value");
			goto out;
		}
out:
	tide_buf_release(&c.loc);
	tide_buf_release(&c.tmp);
	return r;
}

void
tide_jschema_release(struct tide_jschema *s)
{
	struct tide_jschema_node *nd;
	int i, j;

	for (i = 0; i < s->nn; i++) {
		nd = &s->n[i];
		free(nd->loc);
		if (nd->md)
			pcre2_match_data_free(nd->md);
		if (nd->mc)
			pcre2_match_context_free(nd->mc);
		if (nd->re)
			pcre2_code_free(nd->re);
		free(nd->pattern);
		for (j = 0; j < nd->nprops; j++)
			free(nd->props[j].name);
		free(nd->props);
		free(nd->req);
		free(nd->enums);
		free(nd->refstr);
		free(nd->all);
		free(nd->any);
		free(nd->one);
	}
	free(s->n);
	for (i = 0; i < s->nrules; i++)
		free(s->rules[i].loc);
	free(s->rules);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

/* ---- Evaluating ------------------------------------------------------- */

void
tide_jschema_run_init(struct tide_jschema_run *r)
{
	memset(r, 0, sizeof(*r));
	tide_buf_init(&r->viol, TIDE_BUF_NOMAX);
	tide_buf_init(&r->scratch, TIDE_BUF_NOMAX);
	tide_buf_init(&r->tmp, TIDE_BUF_NOMAX);
	tide_buf_init(&r->seg, TIDE_BUF_NOMAX);
}

void
tide_jschema_run_release(struct tide_jschema_run *r)
{
	tide_buf_release(&r->viol);
	tide_buf_release(&r->scratch);
	tide_buf_release(&r->tmp);
	tide_buf_release(&r->seg);
}

/* A string value's bytes, unescaped: into r->scratch only when it holds
 * an escape. */
static void
str_bytes(struct tide_jschema_run *r, const struct tide_json_val *v,
    const char **p, size_t *n)
{
	if (memchr(v->p + 1, '\\', v->len - 2) == NULL) {
		*p = v->p + 1;
		*n = v->len - 2;
		return;
	}
	tide_buf_reset(&r->scratch);
	tide_json_str(v, &r->scratch);
	*p = r->scratch.data ? r->scratch.data : "";
	*n = r->scratch.len;
}

/* Whether the member name is s[0..n); esc: the name holds an escape
 * (then it is unescaped to compare). */
static inline int
name_eq(const struct tide_json_val *name, int esc, const char *s, size_t n)
{
	if (!esc)
		return name->len == n + 2 && memcmp(name->p + 1, s, n) == 0;
	return tide_json_str_eq(name, s, n);
}

/* JSON equality: numbers by value, objects whatever their order. */
static int
json_eq(const struct tide_json_val *a, const struct tide_json_val *b)
{
	struct tide_json_val x, y, xn, yn;
	size_t pa = 0, pb = 0;
	double da, db;
	int na = 0, nb = 0, found;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case TIDE_JSON_NUMBER:
		if (tide_json_double(a, &da) < 0 || tide_json_double(b, &db) < 0)
			return 0;
		return da == db;
	case TIDE_JSON_STRING:
		if (a->len == b->len && memcmp(a->p, b->p, a->len) == 0)
			return 1;
		if (memchr(a->p, '\\', a->len) == NULL &&
		    memchr(b->p, '\\', b->len) == NULL)
			return 0;
		{
			/* An escape on either side: a unescaped (rare:
			 * allocates), compared with b in place. */
			struct tide_buf t = TIDE_BUF_INIT;
			int eq;

			tide_json_str(a, &t);
			eq = tide_json_str_eq(b, t.data ? t.data : "", t.len);
			tide_buf_release(&t);
			return eq;
		}
	case TIDE_JSON_ARRAY:
		for (;;) {
			int ka = tide_json_arr_next(a, &pa, &x);
			int kb = tide_json_arr_next(b, &pb, &y);

			if (ka != kb)
				return 0;
			if (!ka)
				return 1;
			if (!json_eq(&x, &y))
				return 0;
		}
	case TIDE_JSON_OBJECT:
		while (tide_json_obj_next(a, &pa, &xn, &x)) {
			na++;
			found = 0;
			pb = 0;
			while (tide_json_obj_next(b, &pb, &yn, &y)) {
				struct tide_buf t = TIDE_BUF_INIT;
				int eq;

				/* Names without escapes compare as bytes;
				 * only an escaped one is unescaped. */
				if (memchr(xn.p, '\\', xn.len) == NULL &&
				    memchr(yn.p, '\\', yn.len) == NULL)
					eq = xn.len == yn.len && memcmp(xn.p,
					    yn.p, xn.len) == 0;
				else {
					tide_json_str(&xn, &t);
					eq = tide_json_str_eq(&yn, t.data ?
					    t.data : "", t.len);
					tide_buf_release(&t);
				}
				if (eq) {
					found = json_eq(&x, &y);
					break;
				}
			}
			if (!found)
				return 0;
		}
		pb = 0;
		while (tide_json_obj_next(b, &pb, &yn, &y))
			nb++;
		return na == nb;
	default:
		return 1;
	}
}

/* The JSON pointer of the value being looked at, into r->tmp. */
static void
cur_path(struct tide_jschema_run *r)
{
	char num[24];
	int i;

	tide_buf_reset(&r->tmp);
	for (i = 1; i <= r->depth; i++) {
		if (r->frame[i] != NULL) {
			tide_buf_reset(&r->seg);
			tide_json_str(r->frame[i], &r->seg);
			loc_push(&r->tmp, r->seg.data ? r->seg.data : "",
			    r->seg.len);
		} else {
			snprintf(num, sizeof(num), "%ld", r->idx[i]);
			loc_push(&r->tmp, num, strlen(num));
		}
	}
}

static void
violation(struct tide_jschema *s, struct tide_jschema_run *r, int rule,
    const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->rules[rule].count++;
	cur_path(r);
	if (r->nviol++)
		tide_buf_addc(&r->viol, ',');
	tide_buf_add(&r->viol, "{\"rule\":", 8);
	tide_json_write_str(&r->viol, s->rules[rule].loc,
	    strlen(s->rules[rule].loc));
	tide_buf_add(&r->viol, ",\"path\":", 8);
	tide_json_write_str(&r->viol, r->tmp.data ? r->tmp.data : "",
	    r->tmp.len);
	tide_buf_add(&r->viol, ",\"message\":", 11);
	tide_json_write_str(&r->viol, msg, strlen(msg));
	tide_buf_addc(&r->viol, '}');
	/* A message cut at its end says so. */
	if (r->nviol == 1 && snprintf(r->first, sizeof(r->first),
	    "%s at '%.*s': %s", s->rules[rule].loc,
	    (int)(r->tmp.len > 80 ? 80 : r->tmp.len),
	    r->tmp.data ? r->tmp.data : "", msg) >= (int)sizeof(r->first))
		memcpy(r->first + sizeof(r->first) - 4, "...", 4);
}

/* A value's text for a message, cut short. */
#define SHOW(v) (int)((v)->len > 40 ? 40 : (v)->len), (v)->p

static int
digits(const char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static int
num2(const char *p)
{
	return (p[0] - '0') * 10 + p[1] - '0';
}

/* RFC 3339's date-time: full-date "T" full-time, T and Z in either case. */
static int
is_datetime(const char *p, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d;
	size_t i;

	if (n < 20 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) ||
	    p[7] != '-' || !digits(p + 8, 2) || (p[10] != 'T' &&
	    p[10] != 't') || !digits(p + 11, 2) || p[13] != ':' ||
	    !digits(p + 14, 2) || p[16] != ':' || !digits(p + 17, 2))
		return 0;
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + num2(p + 2);
	mo = num2(p + 5);
	d = num2(p + 8);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return 0;
	if (num2(p + 11) > 23 || num2(p + 14) > 59 || num2(p + 17) > 60)
		return 0;
	i = 19;
	if (p[i] == '.') {
		if (++i == n || p[i] < '0' || p[i] > '9')
			return 0;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i == n)
		return 0;
	if (p[i] == 'Z' || p[i] == 'z')
		return i + 1 == n;
	if ((p[i] != '+' && p[i] != '-') || n - i != 6 ||
	    !digits(p + i + 1, 2) || p[i + 3] != ':' || !digits(p + i + 4, 2))
		return 0;
	return num2(p + i + 1) <= 23 && num2(p + i + 4) <= 59;
}

/* An address: a local part and a domain around one '@', no spaces or
 * control characters, the domain's labels not empty. */
static int
is_email(const char *p, size_t n)
{
	const char *at = memchr(p, '@', n);
	size_t i, k;

	if (at == NULL || at == p || at == p + n - 1 ||
	    memchr(at + 1, '@', (size_t)(p + n - at - 1)) != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return 0;
	k = (size_t)(at - p) + 1;
	if (p[k] == '.' || p[n - 1] == '.')
		return 0;
	for (i = k; i + 1 < n; i++)
		if (p[i] == '.' && p[i + 1] == '.')
			return 0;
	return 1;
}

/* 8-4-4-4-12 hexadecimal digits, either case. */
static int
is_uuid(const char *p, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (p[i] != '-')
				return 0;
		} else if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f') || (p[i] >= 'A' && p[i] <= 'F')))
			return 0;
	}
	return 1;
}

static const char *const fmtname[] = { "", "date-time", "email", "uuid" };

static int eval(struct tide_jschema *s, struct tide_jschema_run *r, int ni,
    const struct tide_json_val *v, int report);

/* Report or not, each check: when not reporting, the first failure ends
 * the evaluation. */
#define FAIL(k, ...) do {						\
	if (!report)							\
		return 0;						\
	violation(s, r, nd->rule[k], __VA_ARGS__);			\
	ok = 0;								\
} while (0)

static void
type_words(unsigned types, char *out, size_t n)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(tname) / sizeof(tname[0]); i++)
		if (types & (1u << i))
			k += (size_t)snprintf(out + k, k < n ? n - k : 0,
			    "%s%s", k ? ", " : "", tname[i]);
}

static int
eval_object(struct tide_jschema *s, struct tide_jschema_run *r, int ni,
    const struct tide_json_val *v, int report)
{
	const struct tide_jschema_node *nd = &s->n[ni];
	uint64_t seen[TIDE_JSCHEMA_MAXPROPS / 64];
	struct tide_json_val name, val;
	size_t pos = 0;
	int64_t count = 0;
	int i, ok = 1, d = r->depth + 1;

	if (nd->nprops)
		memset(seen, 0, ((size_t)nd->nprops + 63) / 64 * 8);
	while (tide_json_obj_next(v, &pos, &name, &val)) {
		int esc = memchr(name.p + 1, '\\', name.len - 2) != NULL;

		count++;
		for (i = 0; i < nd->nprops; i++)
			if (name_eq(&name, esc, nd->props[i].name,
			    nd->props[i].len))
				break;
		r->frame[d] = &name;
		if (i < nd->nprops)
			seen[i / 64] |= 1ull << (i % 64);
		/* A name only required is not one of the properties:
		 * additionalProperties applies to it. */
		if (i < nd->nprops && nd->props[i].node >= 0) {
			r->depth = d;
			ok &= eval(s, r, nd->props[i].node, &val, report);
			r->depth = d - 1;
		} else if (nd->addl >= 0 && s->n[nd->addl].boolean == 2) {
			/* additionalProperties: false, said in words. */
			if (!report)
				return 0;
			r->depth = d;
			tide_buf_reset(&r->scratch);
			tide_json_str(&name, &r->scratch);
			tide_buf_addc(&r->scratch, '\0');
			violation(s, r, s->n[nd->addl].rule[K_FALSE],
			    "property '%.100s' is not allowed",
			    r->scratch.data);
			r->depth = d - 1;
			ok = 0;
		} else if (nd->addl >= 0) {
			r->depth = d;
			ok &= eval(s, r, nd->addl, &val, report);
			r->depth = d - 1;
		}
		if (!ok && !report)
			return 0;
	}
	for (i = 0; i < nd->nreq; i++)
		if (!(seen[nd->req[i] / 64] & (1ull << (nd->req[i] % 64))))
			FAIL(K_REQUIRED, "required property '%s' is missing",
			    nd->props[nd->req[i]].name);
	if (nd->rule[K_MINPROPS] >= 0 && count < nd->lim[4])
		FAIL(K_MINPROPS, "object of %lld properties has fewer than "
		    "%lld", (long long)count, (long long)nd->lim[4]);
	if (nd->rule[K_MAXPROPS] >= 0 && count > nd->lim[5])
		FAIL(K_MAXPROPS, "object of %lld properties has more than "
		    "%lld", (long long)count, (long long)nd->lim[5]);
	return ok;
}

static int
eval_string(struct tide_jschema *s, struct tide_jschema_run *r, int ni,
    const struct tide_json_val *v, int report)
{
	const struct tide_jschema_node *nd = &s->n[ni];
	const char *p;
	size_t n, i;
	int64_t cp = 0;
	int ok = 1, m;

	str_bytes(r, v, &p, &n);
	if (nd->rule[K_MINLEN] >= 0 || nd->rule[K_MAXLEN] >= 0) {
		for (i = 0; i < n; i++)
			cp += ((unsigned char)p[i] & 0xc0) != 0x80;
		if (nd->rule[K_MINLEN] >= 0 && cp < nd->lim[0])
			FAIL(K_MINLEN, "string of %lld characters is shorter "
			    "than %lld", (long long)cp, (long long)nd->lim[0]);
		if (nd->rule[K_MAXLEN] >= 0 && cp > nd->lim[1])
			FAIL(K_MAXLEN, "string of %lld characters is longer "
			    "than %lld", (long long)cp, (long long)nd->lim[1]);
	}
	if (nd->re) {
		m = pcre2_match(nd->re, (PCRE2_SPTR)p, n, 0, 0, nd->md, nd->mc);
		if (m == PCRE2_ERROR_NOMATCH)
			FAIL(K_PATTERN, "does not match pattern '%s'",
			    nd->pattern);
		else if (m < 0)
			FAIL(K_PATTERN, "pattern '%s' could not be matched "
			    "(PCRE2 error %d)", nd->pattern, m);
	}
	if (nd->format != F_NONE && !(nd->format == F_DATETIME ?
	    is_datetime(p, n) : nd->format == F_EMAIL ? is_email(p, n) :
	    is_uuid(p, n)))
		FAIL(K_FORMAT, "not a valid %s", fmtname[nd->format]);
	return ok;
}

static int
eval(struct tide_jschema *s, struct tide_jschema_run *r, int ni,
    const struct tide_json_val *v, int report)
{
	const struct tide_jschema_node *nd = &s->n[ni];
	struct tide_json_val e;
	unsigned t;
	size_t pos;
	double d = 0;
	int64_t count;
	int ok = 1, i, k, dd;
	char words[80];

	if (nd->boolean) {
		if (nd->boolean == 1)
			return 1;
		FAIL(K_FALSE, "no value is allowed here");
		return 0;
	}
	switch (v->type) {
	case TIDE_JSON_NULL:
		t = T_NULL;
		break;
	case TIDE_JSON_TRUE:
	case TIDE_JSON_FALSE:
		t = T_BOOL;
		break;
	case TIDE_JSON_OBJECT:
		t = T_OBJ;
		break;
	case TIDE_JSON_ARRAY:
		t = T_ARR;
		break;
	case TIDE_JSON_NUMBER:
		/* Past a double's range: an infinity, as Python reads it. */
		if (tide_json_double(v, &d) == TIDE_ERANGE)
			d = v->p[0] == '-' ? -HUGE_VAL : HUGE_VAL;
		t = T_NUM | (isfinite(d) && d == floor(d) ? T_INT : 0);
		break;
	default:
		t = T_STR;
		break;
	}
	if (nd->rule[K_TYPE] >= 0 && !(nd->types & t)) {
		type_words(nd->types, words, sizeof(words));
		FAIL(K_TYPE, "%.*s is not of type %s", SHOW(v), words);
	}
	if (nd->rule[K_ENUM] >= 0) {
		for (i = 0, k = 0; !k && i < nd->nenum; i++)
			k = json_eq(v, &nd->enums[i]);
		if (!k)
			FAIL(K_ENUM, "%.*s is not one of %.*s", SHOW(v),
			    SHOW(&nd->enumv));
	}
	if (nd->rule[K_CONST] >= 0 && !json_eq(v, &nd->constv))
		FAIL(K_CONST, "%.*s is not %.*s", SHOW(v), SHOW(&nd->constv));
	if (t & T_NUM) {
		if (nd->rule[K_MINIMUM] >= 0 && d < nd->num[0])
			FAIL(K_MINIMUM, "%.*s is less than the minimum %.17g",
			    SHOW(v), nd->num[0]);
		if (nd->rule[K_MAXIMUM] >= 0 && d > nd->num[1])
			FAIL(K_MAXIMUM, "%.*s is greater than the maximum "
			    "%.17g", SHOW(v), nd->num[1]);
		if (nd->rule[K_EXMIN] >= 0 && d <= nd->num[2])
			FAIL(K_EXMIN, "%.*s is not greater than %.17g",
			    SHOW(v), nd->num[2]);
		if (nd->rule[K_EXMAX] >= 0 && d >= nd->num[3])
			FAIL(K_EXMAX, "%.*s is not less than %.17g", SHOW(v),
			    nd->num[3]);
	} else if (t == T_STR) {
		if (nd->re || nd->format || nd->rule[K_MINLEN] >= 0 ||
		    nd->rule[K_MAXLEN] >= 0)
			ok &= eval_string(s, r, ni, v, report);
	} else if (t == T_OBJ) {
		if (nd->nprops || nd->addl >= 0 || nd->rule[K_MINPROPS] >= 0 ||
		    nd->rule[K_MAXPROPS] >= 0)
			ok &= eval_object(s, r, ni, v, report);
	} else if (t == T_ARR && (nd->items >= 0 ||
	    nd->rule[K_MINITEMS] >= 0 || nd->rule[K_MAXITEMS] >= 0)) {
		pos = 0;
		count = 0;
		dd = r->depth + 1;
		while (tide_json_arr_next(v, &pos, &e)) {
			if (nd->items >= 0) {
				r->frame[dd] = NULL;
				r->idx[dd] = (long)count;
				r->depth = dd;
				ok &= eval(s, r, nd->items, &e, report);
				r->depth = dd - 1;
				if (!ok && !report)
					return 0;
			}
			count++;
		}
		if (nd->rule[K_MINITEMS] >= 0 && count < nd->lim[2])
			FAIL(K_MINITEMS, "array of %lld items has fewer than "
			    "%lld", (long long)count, (long long)nd->lim[2]);
		if (nd->rule[K_MAXITEMS] >= 0 && count > nd->lim[3])
			FAIL(K_MAXITEMS, "array of %lld items has more than "
			    "%lld", (long long)count, (long long)nd->lim[3]);
	}
	if (!ok && !report)
		return 0;
	if (nd->ref >= 0)
		ok &= eval(s, r, nd->ref, v, report);
	for (i = 0; i < nd->nall && (ok || report); i++)
		ok &= eval(s, r, nd->all[i], v, report);
	if (!ok && !report)
		return 0;
	if (nd->nany) {
		for (i = 0, k = 0; i < nd->nany && !k; i++)
			k = eval(s, r, nd->any[i], v, 0);
		if (!k)
			FAIL(K_ANYOF, "matches none of the anyOf schemas");
	}
	if (nd->none) {
		for (i = 0, k = 0; i < nd->none && k < 2; i++)
			k += eval(s, r, nd->one[i], v, 0);
		if (k != 1)
			FAIL(K_ONEOF, k ? "matches more than one of the oneOf "
			    "schemas" : "matches none of the oneOf schemas");
	}
	if (nd->not >= 0 && eval(s, r, nd->not, v, 0))
		FAIL(K_NOT, "matches the schema under not");
	return ok;
}

int
tide_jschema_validate(struct tide_jschema *s, struct tide_jschema_run *r,
    const struct tide_json_val *doc)
{
	tide_buf_reset(&r->viol);
	r->nviol = 0;
	r->first[0] = '\0';
	r->depth = 0;
	if (s->nn == 0)
		return 0;
	eval(s, r, 0, doc, 1);
	return r->nviol;
}
