/*
 * lib/schema/avro: an Avro schema compiled into a tree of nodes, and the
 * binary encoding walked over that tree (see avro.h for why the walk is
 * ours and not avro-c's generic value).
 */
#include <avro.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "err.h"
#include "json.h"
#include "schema/avro.h"
#include "time.h"
#include "xalloc.h"

#define AVRO_MAXNAMED 10000	/* records, enums and fixed */

enum kind {
	K_NULL, K_BOOLEAN, K_INT, K_LONG, K_FLOAT, K_DOUBLE, K_BYTES, K_STRING,
	K_RECORD, K_ENUM, K_ARRAY, K_MAP, K_UNION, K_FIXED
};

static const char *const kindname[] = {
	"null", "boolean", "int", "long", "float", "double", "bytes", "string",
	"record", "enum", "array", "map", "union", "fixed"
};

enum logical {
	L_NONE, L_DECIMAL, L_UUID, L_DATE, L_TIME_MS, L_TIME_US, L_TS_MS,
	L_TS_US
};

struct node {
	enum kind kind;
	enum logical lt;
	int precision, scale;
	size_t size;		/* fixed: its length */
	char *name;		/* a named type's full name, else NULL */
	const char *bname;	/* its name as a union's branch (spec form) */
	size_t n;		/* fields, symbols or branches */
	struct node **sub;	/* field types, branches; items or values: [0] */
	char **sym;		/* field names or enum symbols, NUL-terminated */
	size_t *symlen;
	char **def;		/* fields' defaults as JSON text, or NULL */
	size_t *deflen;
	/* What decoding writes, made once: a record's ["{"|","]"name": per
	 * field, an enum's "symbol" per symbol; a union branch's {"name": */
	char **json;
	size_t *jsonlen;
	char *wrap;
	size_t wraplen;
	size_t minsize;		/* fewest bytes a datum takes */
	int endable;		/* a datum of it can be finite */
};

struct tide_avro {
	struct node **node;	/* all nodes, for freeing */
	size_t nnode, nalloc;
	struct node *root;
	avro_schema_t schema;	/* avro-c's view, the check of the schema */
	size_t names;		/* fields and symbols, against MAXNAMES */
	char path[256];		/* where an encode or a parse failed */
	size_t pathlen;
	struct tide_buf tmp;	/* encode's unescaped strings and bytes */
};

/* ---- errors and paths ---- */

static void
path_push(struct tide_avro *a, const char *seg, size_t n, int dot,
    size_t *saved)
{
	size_t room;

	*saved = a->pathlen;
	room = sizeof(a->path) - a->pathlen - 1;
	if (dot && a->pathlen > 0 && room > 0) {
		a->path[a->pathlen++] = '.';
		room--;
	}
	if (n > room)
		n = room;
	memcpy(a->path + a->pathlen, seg, n);
	a->pathlen += n;
	a->path[a->pathlen] = '\0';
}

static void
path_pop(struct tide_avro *a, size_t saved)
{
	a->pathlen = saved;
	a->path[saved] = '\0';
}

static int
fail(struct tide_avro *a, char *err, size_t errlen, int code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail(struct tide_avro *a, char *err, size_t errlen, int code,
    const char *fmt, ...)
{
	va_list ap;
	int k = 0;

	if (err == NULL || errlen == 0)
		return code;
	if (a != NULL && a->pathlen > 0)
		k = snprintf(err, errlen, "%s: ", a->path);
	if (k < 0 || (size_t)k >= errlen)
		return code;
	va_start(ap, fmt);
	vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- the schema ---- */

struct parse {
	struct tide_avro *a;
	struct node **named;	/* named types defined so far */
	size_t nnamed, namedalloc;
	char *err;
	size_t errlen;
};

static struct node *
node_new(struct tide_avro *a, enum kind k)
{
	struct node *n = tide_xcalloc(1, sizeof(*n));

	n->kind = k;
	n->bname = kindname[k];
	n->endable = k != K_RECORD && k != K_UNION;
	if (a->nnode == a->nalloc) {
		a->nalloc = a->nalloc ? 2 * a->nalloc : 16;
		a->node = tide_xreallocarray(a->node, a->nalloc,
		    sizeof(*a->node));
	}
	a->node[a->nnode++] = n;
	return n;
}

static void
node_free(struct node *n)
{
	size_t i;

	for (i = 0; n->sym != NULL && i < n->n; i++)
		free(n->sym[i]);
	for (i = 0; n->def != NULL && i < n->n; i++)
		free(n->def[i]);
	for (i = 0; n->json != NULL && i < n->n; i++)
		free(n->json[i]);
	free(n->json);
	free(n->jsonlen);
	free(n->wrap);
	free(n->sym);
	free(n->symlen);
	free(n->def);
	free(n->deflen);
	free(n->sub);
	free(n->name);
	free(n);
}

static int
primitive(const char *s, enum kind *k)
{
	int i;

	for (i = K_NULL; i <= K_STRING; i++)
		if (strcmp(s, kindname[i]) == 0) {
			*k = (enum kind)i;
			return 1;
		}
	return 0;
}

static struct node *
lookup(struct parse *ps, const char *name, const char *ns)
{
	char full[512];
	size_t i;

	if (strchr(name, '.') == NULL && ns != NULL && *ns != '\0') {
		snprintf(full, sizeof(full), "%s.%s", ns, name);
		for (i = 0; i < ps->nnamed; i++)
			if (strcmp(ps->named[i]->name, full) == 0)
				return ps->named[i];
	}
	for (i = 0; i < ps->nnamed; i++)
		if (strcmp(ps->named[i]->name, name) == 0)
			return ps->named[i];
	return NULL;
}

/* The names the spec allows: [A-Za-z_][A-Za-z0-9_]*, dotted for full names. */
static int
name_ok(const char *s, int dotted)
{
	int start = 1;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (dotted && *s == '.' && !start) {
			start = 1;
			continue;
		}
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    *s == '_' || (!start && *s >= '0' && *s <= '9')))
			return 0;
		start = 0;
	}
	return !start;
}

static int
named_add(struct parse *ps, struct node *n, json_t *j, const char *ns)
{
	const char *name, *space;
	json_t *v;
	size_t k;

	v = json_object_get(j, "name");
	if (!json_is_string(v))
		return fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "a %s with no name", kindname[n->kind]);
	name = json_string_value(v);
	v = json_object_get(j, "namespace");
	space = json_is_string(v) ? json_string_value(v) : ns;
	if (!name_ok(name, 1) || (strchr(name, '.') == NULL &&
	    space != NULL && *space != '\0' && !name_ok(space, 1)))
		return fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "not a valid name: \"%s\"", name);
	if (strchr(name, '.') != NULL || space == NULL || *space == '\0')
		n->name = tide_xstrdup(name);
	else {
		k = strlen(space) + 1 + strlen(name) + 1;
		n->name = tide_xmalloc(k);
		snprintf(n->name, k, "%s.%s", space, name);
	}
	n->bname = n->name;
	if (lookup(ps, n->name, NULL) != NULL)
		return fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "%s is defined twice", n->name);
	/* Names are looked up one by one: a bound keeps a hostile schema's
	 * parse from going quadratic for long. */
	if (ps->nnamed >= AVRO_MAXNAMED)
		return fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "more than %d named types", AVRO_MAXNAMED);
	if (ps->nnamed == ps->namedalloc) {
		ps->namedalloc = ps->namedalloc ? 2 * ps->namedalloc : 16;
		ps->named = tide_xreallocarray(ps->named, ps->namedalloc,
		    sizeof(*ps->named));
	}
	ps->named[ps->nnamed++] = n;
	return 0;
}

static int
count_names(struct parse *ps, size_t k)
{
	ps->a->names += k;
	if (ps->a->names > TIDE_AVRO_MAXNAMES)
		return fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "more than %d fields and symbols", TIDE_AVRO_MAXNAMES);
	return 0;
}

static struct node *compile(struct parse *ps, json_t *j, const char *ns,
    int depth);

static void
logical(struct node *n, json_t *j)
{
	json_t *v = json_object_get(j, "logicalType");
	const char *lt;
	json_int_t p, s;

	if (!json_is_string(v))
		return;
	lt = json_string_value(v);
	if (n->kind == K_INT && strcmp(lt, "date") == 0)
		n->lt = L_DATE;
	else if (n->kind == K_INT && strcmp(lt, "time-millis") == 0)
		n->lt = L_TIME_MS;
	else if (n->kind == K_LONG && strcmp(lt, "time-micros") == 0)
		n->lt = L_TIME_US;
	else if (n->kind == K_LONG && strcmp(lt, "timestamp-millis") == 0)
		n->lt = L_TS_MS;
	else if (n->kind == K_LONG && strcmp(lt, "timestamp-micros") == 0)
		n->lt = L_TS_US;
	else if (n->kind == K_STRING && strcmp(lt, "uuid") == 0)
		n->lt = L_UUID;
	else if ((n->kind == K_BYTES || n->kind == K_FIXED) &&
	    strcmp(lt, "decimal") == 0) {
		/* The spec: an invalid decimal is its underlying type. */
		v = json_object_get(j, "precision");
		p = json_is_integer(v) ? json_integer_value(v) : 0;
		v = json_object_get(j, "scale");
		s = json_is_integer(v) ? json_integer_value(v) : 0;
		if (v != NULL && !json_is_integer(v))
			return;
		if (p < 1 || s < 0 || s > p || p > 1000)
			return;
		n->lt = L_DECIMAL;
		n->precision = (int)p;
		n->scale = (int)s;
	}
}

static struct node *
compile_record(struct parse *ps, struct node *n, json_t *j, const char *ns,
    int depth)
{
	json_t *fields = json_object_get(j, "fields"), *f, *v;
	size_t i, k, saved;
	const char *fname;
	char *d;

	if (!json_is_array(fields)) {
		fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "record %s has no fields array", n->name);
		return NULL;
	}
	n->n = json_array_size(fields);
	if (count_names(ps, n->n) < 0)
		return NULL;
	n->sub = tide_xcalloc(n->n ? n->n : 1, sizeof(*n->sub));
	n->sym = tide_xcalloc(n->n ? n->n : 1, sizeof(*n->sym));
	n->symlen = tide_xcalloc(n->n ? n->n : 1, sizeof(*n->symlen));
	n->def = tide_xcalloc(n->n ? n->n : 1, sizeof(*n->def));
	n->deflen = tide_xcalloc(n->n ? n->n : 1, sizeof(*n->deflen));
	for (i = 0; i < n->n; i++) {
		f = json_array_get(fields, i);
		v = json_object_get(f, "name");
		if (!json_is_string(v) || !name_ok(json_string_value(v), 0)) {
			fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
			    "field %zu of record %s has no valid name", i,
			    n->name);
			return NULL;
		}
		fname = json_string_value(v);
		for (k = 0; k < i; k++)
			if (strcmp(n->sym[k], fname) == 0) {
				fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
				    "record %s has two fields '%s'", n->name,
				    fname);
				return NULL;
			}
		n->sym[i] = tide_xstrdup(fname);
		n->symlen[i] = strlen(fname);
		path_push(ps->a, fname, n->symlen[i], 1, &saved);
		if (!json_is_object(f) || json_object_get(f, "type") == NULL) {
			fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
			    "a field with no type");
			return NULL;
		}
		n->sub[i] = compile(ps, json_object_get(f, "type"), ns,
		    depth + 1);
		if (n->sub[i] == NULL)
			return NULL;
		path_pop(ps->a, saved);
		if ((v = json_object_get(f, "default")) != NULL) {
			d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			if (d == NULL) {
				fail(ps->a, ps->err, ps->errlen, TIDE_ENOMEM,
				    "field %s: its default cannot be kept",
				    n->sym[i]);
				return NULL;
			}
			n->def[i] = tide_xstrdup(d);
			n->deflen[i] = strlen(d);
			free(d);
		}
	}
	return n;
}

static struct node *
compile_complex(struct parse *ps, json_t *j, const char *type,
    const char *ns, int depth)
{
	struct node *n;
	json_t *v, *s;
	size_t i, k;
	json_int_t size;

	if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
		n = node_new(ps->a, K_RECORD);
		if (named_add(ps, n, j, ns) < 0)
			return NULL;
		/* What it encloses takes the namespace of its full name. */
		{
			char space[512];
			const char *dot = strrchr(n->name, '.');

			snprintf(space, sizeof(space), "%.*s",
			    dot ? (int)(dot - n->name) : 0, n->name);
			return compile_record(ps, n, j, space, depth);
		}
	}
	if (strcmp(type, "enum") == 0) {
		n = node_new(ps->a, K_ENUM);
		if (named_add(ps, n, j, ns) < 0)
			return NULL;
		v = json_object_get(j, "symbols");
		if (!json_is_array(v) || json_array_size(v) == 0) {
			fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
			    "enum %s has no symbols", n->name);
			return NULL;
		}
		n->n = json_array_size(v);
		if (count_names(ps, n->n) < 0)
			return NULL;
		n->sym = tide_xcalloc(n->n, sizeof(*n->sym));
		n->symlen = tide_xcalloc(n->n, sizeof(*n->symlen));
		for (i = 0; i < n->n; i++) {
			s = json_array_get(v, i);
			if (!json_is_string(s) ||
			    !name_ok(json_string_value(s), 0)) {
				fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
				    "enum %s: symbol %zu is not a name",
				    n->name, i);
				return NULL;
			}
			n->sym[i] = tide_xstrdup(json_string_value(s));
			n->symlen[i] = strlen(n->sym[i]);
		}
		/* Duplicates, by a sort of the indexes would be faster; the
		 * names are bounded, and this runs once per schema. */
		if (n->n <= 4096)
			for (i = 0; i < n->n; i++)
				for (k = 0; k < i; k++)
					if (strcmp(n->sym[i], n->sym[k]) == 0) {
						fail(ps->a, ps->err, ps->errlen,
						    TIDE_EINVAL, "enum %s: "
						    "symbol %s twice", n->name,
						    n->sym[i]);
						return NULL;
					}
		return n;
	}
	if (strcmp(type, "fixed") == 0) {
		n = node_new(ps->a, K_FIXED);
		if (named_add(ps, n, j, ns) < 0)
			return NULL;
		v = json_object_get(j, "size");
		size = json_is_integer(v) ? json_integer_value(v) : -1;
		if (size < 0 || size > (1 << 20)) {
			fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
			    "fixed %s has no valid size", n->name);
			return NULL;
		}
		n->size = (size_t)size;
		logical(n, j);
		return n;
	}
	if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
		int arr = type[0] == 'a';

		n = node_new(ps->a, arr ? K_ARRAY : K_MAP);
		v = json_object_get(j, arr ? "items" : "values");
		if (v == NULL) {
			fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
			    "%s with no %s", type, arr ? "items" : "values");
			return NULL;
		}
		n->n = 1;
		n->sub = tide_xcalloc(1, sizeof(*n->sub));
		if ((n->sub[0] = compile(ps, v, ns, depth + 1)) == NULL)
			return NULL;
		return n;
	}
	fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL, "unknown type \"%s\"",
	    type);
	return NULL;
}

static struct node *
compile(struct parse *ps, json_t *j, const char *ns, int depth)
{
	struct node *n;
	enum kind k;
	json_t *t;
	size_t i, b;

	if (depth > TIDE_AVRO_MAXDEPTH) {
		fail(ps->a, ps->err, ps->errlen, TIDE_EDEPTH,
		    "nested deeper than %d levels", TIDE_AVRO_MAXDEPTH);
		return NULL;
	}
	if (json_is_string(j)) {
		if (primitive(json_string_value(j), &k))
			return node_new(ps->a, k);
		if ((n = lookup(ps, json_string_value(j), ns)) != NULL)
			return n;
		fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "unknown type \"%s\"", json_string_value(j));
		return NULL;
	}
	if (json_is_array(j)) {
		n = node_new(ps->a, K_UNION);
		n->n = json_array_size(j);
		if (n->n == 0) {
			fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
			    "a union with no branches");
			return NULL;
		}
		if (count_names(ps, n->n) < 0)
			return NULL;
		n->sub = tide_xcalloc(n->n, sizeof(*n->sub));
		for (i = 0; i < n->n; i++) {
			if ((n->sub[i] = compile(ps, json_array_get(j, i), ns,
			    depth + 1)) == NULL)
				return NULL;
			if (n->sub[i]->kind == K_UNION) {
				fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
				    "a union inside a union");
				return NULL;
			}
			for (b = 0; b < i; b++)
				if (strcmp(n->sub[b]->bname,
				    n->sub[i]->bname) == 0) {
					fail(ps->a, ps->err, ps->errlen,
					    TIDE_EINVAL, "a union with two "
					    "branches %s", n->sub[i]->bname);
					return NULL;
				}
		}
		return n;
	}
	if (!json_is_object(j)) {
		fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL, "not a schema");
		return NULL;
	}
	t = json_object_get(j, "type");
	if (json_is_array(t) || json_is_object(t))
		return compile(ps, t, ns, depth + 1);
	if (!json_is_string(t)) {
		fail(ps->a, ps->err, ps->errlen, TIDE_EINVAL,
		    "an object with no type");
		return NULL;
	}
	if (primitive(json_string_value(t), &k)) {
		n = node_new(ps->a, k);
		logical(n, j);
		return n;
	}
	if ((n = lookup(ps, json_string_value(t), ns)) != NULL)
		return n;
	return compile_complex(ps, j, json_string_value(t), ns, depth);
}

/* A record whose every datum would contain itself (a field of its own
 * type with no union, array or map to stop at) has no finite datum. */
static int
check_endable(struct tide_avro *a, char *err, size_t errlen)
{
	int changed = 1;
	size_t i, f;
	struct node *n;

	while (changed) {
		changed = 0;
		for (i = 0; i < a->nnode; i++) {
			n = a->node[i];
			if (n->endable)
				continue;
			if (n->kind == K_RECORD) {
				for (f = 0; f < n->n; f++)
					if (!n->sub[f]->endable)
						break;
				n->endable = f == n->n;
			} else if (n->kind == K_UNION) {
				for (f = 0; f < n->n; f++)
					if (n->sub[f]->endable)
						break;
				n->endable = f < n->n;
			}
			changed |= n->endable;
		}
	}
	for (i = 0; i < a->nnode; i++)
		if (!a->node[i]->endable && a->node[i]->kind == K_RECORD)
			return fail(NULL, err, errlen, TIDE_EINVAL,
			    "record %s contains itself with no way to end",
			    a->node[i]->name);
	return 0;
}

static size_t
minsize(struct node *n)
{
	size_t i, s;

	switch (n->kind) {
	case K_NULL:
		return 0;
	case K_FLOAT:
		return 4;
	case K_DOUBLE:
		return 8;
	case K_FIXED:
		return n->size;
	case K_RECORD:
		for (i = 0, s = 0; i < n->n; i++)
			s += n->sub[i]->minsize;
		return s;
	default:
		return 1;
	}
}

/* The JSON text decoding writes for names: escaped once, here. */
static void
prerender(struct node *n)
{
	struct tide_buf b = TIDE_BUF_INIT;
	size_t i;

	if (n->kind == K_RECORD || n->kind == K_ENUM) {
		n->json = tide_xcalloc(n->n ? n->n : 1, sizeof(*n->json));
		n->jsonlen = tide_xcalloc(n->n ? n->n : 1,
		    sizeof(*n->jsonlen));
		for (i = 0; i < n->n; i++) {
			tide_buf_reset(&b);
			if (n->kind == K_RECORD)
				tide_buf_addc(&b, i ? ',' : '{');
			tide_json_write_str(&b, n->sym[i], n->symlen[i]);
			if (n->kind == K_RECORD)
				tide_buf_addc(&b, ':');
			n->jsonlen[i] = b.len;
			n->json[i] = tide_xmemdup(b.data, b.len);
		}
	}
	tide_buf_reset(&b);
	tide_buf_addc(&b, '{');
	tide_json_write_str(&b, n->bname, strlen(n->bname));
	tide_buf_addc(&b, ':');
	n->wraplen = b.len;
	n->wrap = tide_xmemdup(b.data, b.len);
	tide_buf_release(&b);
}

void
tide_avro_free(struct tide_avro *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nnode; i++)
		node_free(a->node[i]);
	free(a->node);
	tide_buf_release(&a->tmp);
	if (a->schema != NULL)
		avro_schema_decref(a->schema);
	free(a);
}

/* The name of the record avro-c is given to hold a schema and its
 * references: one no schema of a user's will have. */
#define AVRO_HOLDER "tide_refs_holder_3c1f"

/* The text avro-c checks: json alone, or a record of its references and
 * then json (fields r0, r1, ... and "schema"), so that the named types of
 * each are known to those after it.  Malloc'd, or NULL (out of memory). */
static char *
holder_json(json_t *const *refs, size_t n, json_t *j)
{
	json_t *rec = json_object(), *fields = json_array(), *f;
	char name[32];
	char *text;
	size_t i;

	for (i = 0; i <= n; i++) {
		f = json_object();
		snprintf(name, sizeof(name), "r%zu", i);
		json_object_set_new(f, "name", json_string(i < n ? name :
		    "schema"));
		json_object_set(f, "type", i < n ? refs[i] : j);
		json_array_append_new(fields, f);
	}
	json_object_set_new(rec, "type", json_string("record"));
	json_object_set_new(rec, "name", json_string(AVRO_HOLDER));
	json_object_set_new(rec, "fields", fields);
	text = json_dumps(rec, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(rec);
	return text;
}

static struct tide_avro *
avro_parse(const char *json, size_t len, const struct tide_avro_ref *refs,
    size_t nrefs, char *err, size_t errlen)
{
	struct tide_avro *a = tide_xcalloc(1, sizeof(*a));
	struct parse ps = { a, NULL, 0, 0, err, errlen };
	json_t **rj = NULL;
	json_error_t jerr;
	json_t *j = NULL;
	char *holder = NULL;
	size_t i;
	int rc;

	tide_buf_init(&a->tmp, TIDE_BUF_NOMAX);

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	/* The references' named types first, in the order given. */
	if (nrefs > 0)
		rj = tide_xcalloc(nrefs, sizeof(*rj));
	for (i = 0; i < nrefs; i++) {
		char m[400];

		rj[i] = json_loadb(refs[i].json, refs[i].len, JSON_DECODE_ANY,
		    &jerr);
		if (rj[i] == NULL)
			fail(NULL, m, sizeof(m), TIDE_EJSON, "not JSON: %s at "
			    "line %d", jerr.text, jerr.line);
		else if (compile(&ps, rj[i], "", 0) == NULL)
			snprintf(m, sizeof(m), "%s", err ? err : "");
		else
			continue;
		fail(NULL, err, errlen, TIDE_EINVAL, "reference \"%.200s\": "
		    "%s", refs[i].name ? refs[i].name : "", m);
		goto bad;
	}
	a->pathlen = 0;
	a->path[0] = '\0';
	j = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	if (j == NULL) {
		fail(NULL, err, errlen, TIDE_EJSON, "not JSON: %s at line %d",
		    jerr.text, jerr.line);
		goto bad;
	}
	a->root = compile(&ps, j, "", 0);
	if (a->root == NULL || check_endable(a, err, errlen) < 0)
		goto bad;
	/* A lower bound, which is all the decoder needs: a record is made
	 * before the fields it defines (hence backwards), a type referred to
	 * by name before the record that refers to it (the second pass). */
	for (i = a->nnode; i-- > 0;)
		a->node[i]->minsize = minsize(a->node[i]);
	for (i = 0; i < a->nnode; i++) {
		a->node[i]->minsize = minsize(a->node[i]);
		prerender(a->node[i]);
	}
	/* avro-c is the second reader: a schema it refuses is refused. */
	if (nrefs == 0)
		rc = avro_schema_from_json_length(json, len, &a->schema);
	else if ((holder = holder_json(rj, nrefs, j)) == NULL) {
		fail(NULL, err, errlen, TIDE_ENOMEM, "out of memory");
		goto bad;
	} else
		rc = avro_schema_from_json_length(holder, strlen(holder),
		    &a->schema);
	if (rc != 0) {
		a->schema = NULL;
		fail(NULL, err, errlen, TIDE_EINVAL, "not an Avro schema: %s",
		    avro_strerror());
		goto bad;
	}
	a->pathlen = 0;
	a->path[0] = '\0';
	goto out;
bad:
	tide_avro_free(a);
	a = NULL;
out:
	free(holder);
	json_decref(j);
	for (i = 0; i < nrefs; i++)
		json_decref(rj[i]);
	free(rj);
	free(ps.named);
	return a;
}

struct tide_avro *
tide_avro_parse(const char *json, size_t len, char *err, size_t errlen)
{
	return avro_parse(json, len, NULL, 0, err, errlen);
}

struct tide_avro *
tide_avro_parse_refs(const char *json, size_t len,
    const struct tide_avro_ref *refs, size_t n, char *err, size_t errlen)
{
	return avro_parse(json, len, refs, n, err, errlen);
}

/* ---- decoding ---- */

struct dec {
	struct tide_avro *a;
	const unsigned char *p, *end;
	enum tide_avro_json form;
	struct tide_buf *out;
	char *err;
	size_t errlen;
	int depth;
};

static int
dfail(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2,
    3)));

static int
dfail(struct dec *d, const char *fmt, ...)
{
	va_list ap;

	if (d->err != NULL && d->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(d->err, d->errlen, fmt, ap);
		va_end(ap);
	}
	return TIDE_EFORMAT;
}

static int
rd_long(struct dec *d, int64_t *v)
{
	uint64_t u = 0;
	unsigned shift = 0, b;

	do {
		if (d->p >= d->end)
			return dfail(d, "payload ends inside a number");
		if (shift == 63 && (*d->p & 0x7e) != 0)
			return dfail(d, "a number past 64 bits");
		b = *d->p++;
		u |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && shift < 70);
	if (b & 0x80)
		return dfail(d, "a number past 64 bits");
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

static int
rd_int(struct dec *d, int64_t *v)
{
	int r;

	if ((r = rd_long(d, v)) < 0)
		return r;
	if (*v < INT32_MIN || *v > INT32_MAX)
		return dfail(d, "an int past 32 bits");
	return 0;
}

static int
rd_len(struct dec *d, size_t *n, const char *what)
{
	int64_t v;
	int r;

	if ((r = rd_long(d, &v)) < 0)
		return r;
	if (v < 0)
		return dfail(d, "%s of negative length %" PRId64, what, v);
	if ((uint64_t)v > (uint64_t)(d->end - d->p))
		return dfail(d, "%s of %" PRId64 " bytes past the payload's "
		    "end", what, v);
	*n = (size_t)v;
	return 0;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void
civil(int64_t z, int64_t *y, unsigned *m, unsigned *dd)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*dd = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned dd)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* v thousandths written exactly as a decimal number: 1500 is 1.5. */
static int
write_milli(struct tide_buf *b, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char frac[5];
	unsigned f = (unsigned)(u % 1000);
	int r, k;

	if (f == 0)
		return tide_json_write_int(b, v / 1000);
	if (v < 0 && (r = tide_buf_addc(b, '-')) < 0)
		return r;
	if ((r = tide_buf_addf(b, "%" PRIu64, u / 1000)) < 0)
		return r;
	k = snprintf(frac, sizeof(frac), ".%03u", f);
	while (frac[k - 1] == '0')
		k--;
	return tide_buf_add(b, frac, (size_t)k);
}

/* A big-endian two's complement integer with scale, as an exact decimal
 * string, as Python's format(Decimal, 'f') writes it; with
 * TIDE_AVRO_DECNUM the same digits as a JSON number. */
static int
write_decimal(struct dec *d, const unsigned char *p, size_t n, int scale)
{
	uint32_t limb[65];
	char dig[1100];
	size_t nl = 0, nd = 0, i;
	int neg = n > 0 && (p[0] & 0x80), r;
	int quote = !(d->form & TIDE_AVRO_DECNUM);
	struct tide_buf *b = d->out;
	uint64_t rem;
	unsigned char c, carry = 1;

	if (n > 256)
		return dfail(d, "a decimal of %zu bytes (at most 256)", n);
	/* Magnitude into little-endian 32-bit limbs. */
	memset(limb, 0, sizeof(limb));
	for (i = 0; i < n; i++) {
		c = p[n - 1 - i];
		if (neg) {
			unsigned t = (unsigned)(unsigned char)~c + carry;

			c = (unsigned char)t;
			carry = t >> 8;
		}
		limb[i / 4] |= (uint32_t)c << (8 * (i % 4));
	}
	nl = (n + 3) / 4;
	while (nl > 0 && limb[nl - 1] == 0)
		nl--;
	while (nl > 0) {
		rem = 0;
		for (i = nl; i-- > 0;) {
			uint64_t cur = rem << 32 | limb[i];

			limb[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (nl > 0 && limb[nl - 1] == 0)
			nl--;
		for (i = 0; i < 9 && (nl > 0 || rem > 0); i++) {
			dig[nd++] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	while (nd <= (size_t)scale)
		dig[nd++] = '0';
	if (quote && (r = tide_buf_addc(b, '"')) < 0)
		return r;
	if (neg && (r = tide_buf_addc(b, '-')) < 0)
		return r;
	for (i = nd; i-- > 0;) {
		if ((r = tide_buf_addc(b, dig[i])) < 0)
			return r;
		if (i == (size_t)scale && scale > 0 &&
		    (r = tide_buf_addc(b, '.')) < 0)
			return r;
	}
	return quote ? tide_buf_addc(b, '"') : 0;
}

static int decode(struct dec *d, struct node *n);

static int
dec_block_items(struct dec *d, struct node *n, int map)
{
	int64_t count, bytes;
	size_t i, total = 0, klen;
	int r, first = 1;

	for (;;) {
		if ((r = rd_long(d, &count)) < 0)
			return r;
		if (count == 0)
			return 0;
		if (count < 0) {
			if (count == INT64_MIN)
				return dfail(d, "a block count out of range");
			count = -count;
			if ((r = rd_long(d, &bytes)) < 0)
				return r;
			if (bytes < 0 || (uint64_t)bytes >
			    (uint64_t)(d->end - d->p))
				return dfail(d, "a block size past the "
				    "payload's end");
		}
		/* Each item takes at least minsize bytes (a key, one). */
		if (n->sub[0]->minsize + (size_t)map > 0) {
			if ((uint64_t)count > (uint64_t)(d->end - d->p) /
			    (n->sub[0]->minsize + (size_t)map))
				return dfail(d, "%s of %" PRId64 " items past "
				    "the payload's end", kindname[n->kind],
				    count);
		} else if ((uint64_t)count > 1000000 - total)
			return dfail(d, "%s of more than 1000000 empty "
			    "items", kindname[n->kind]);
		total += (size_t)count;
		for (i = 0; i < (size_t)count; i++) {
			if (!first && (r = tide_buf_addc(d->out, ',')) < 0)
				return r;
			first = 0;
			if (map) {
				if ((r = rd_len(d, &klen, "map key")) < 0)
					return r;
				if (!tide_utf8_valid((const char *)d->p,
				    klen))
					return dfail(d, "a map key that is "
					    "not UTF-8");
				if ((r = tide_json_write_str(d->out,
				    (const char *)d->p, klen)) < 0 ||
				    (r = tide_buf_addc(d->out, ':')) < 0)
					return r;
				d->p += klen;
			}
			if ((r = decode(d, n->sub[0])) < 0)
				return r;
		}
	}
}

static int
decode(struct dec *d, struct node *n)
{
	struct tide_buf *b = d->out;
	int64_t v;
	size_t len, i;
	int r;
	union {
		float f;
		double g;
		uint32_t u;
		uint64_t w;
	} x;

	switch (n->kind) {
	case K_NULL:
		return tide_buf_add(b, "null", 4);
	case K_BOOLEAN:
		if (d->p >= d->end)
			return dfail(d, "payload ends inside a boolean");
		if (*d->p > 1)
			return dfail(d, "a boolean of %u", *d->p);
		return *d->p++ ? tide_buf_add(b, "true", 4) :
		    tide_buf_add(b, "false", 5);
	case K_INT:
		if ((r = rd_int(d, &v)) < 0)
			return r;
		if (n->lt == L_DATE) {
			int64_t y;
			unsigned m, dd;

			civil(v, &y, &m, &dd);
			return tide_buf_addf(b, y >= 0 && y <= 9999 ?
			    "\"%04" PRId64 "-%02u-%02u\"" :
			    "\"%+05" PRId64 "-%02u-%02u\"", y, m, dd);
		}
		return tide_json_write_int(b, v);
	case K_LONG:
		if ((r = rd_long(d, &v)) < 0)
			return r;
		if (n->lt == L_TS_US || n->lt == L_TIME_US)
			return write_milli(b, v);
		return tide_json_write_int(b, v);
	case K_FLOAT:
		if (d->end - d->p < 4)
			return dfail(d, "payload ends inside a float");
		x.u = (uint32_t)d->p[0] | (uint32_t)d->p[1] << 8 |
		    (uint32_t)d->p[2] << 16 | (uint32_t)d->p[3] << 24;
		d->p += 4;
		return tide_json_write_double(b, (double)x.f);
	case K_DOUBLE:
		if (d->end - d->p < 8)
			return dfail(d, "payload ends inside a double");
		for (x.w = 0, i = 8; i-- > 0;)
			x.w = x.w << 8 | d->p[i];
		d->p += 8;
		return tide_json_write_double(b, x.g);
	case K_BYTES:
		if ((r = rd_len(d, &len, "bytes")) < 0)
			return r;
		d->p += len;
		if (n->lt == L_DECIMAL)
			return write_decimal(d, d->p - len, len, n->scale);
		goto b64;
	case K_FIXED:
		if ((size_t)(d->end - d->p) < n->size)
			return dfail(d, "payload ends inside fixed %s",
			    n->name);
		len = n->size;
		d->p += len;
		if (n->lt == L_DECIMAL)
			return write_decimal(d, d->p - len, len, n->scale);
b64:
		if ((r = tide_buf_addc(b, '"')) < 0 ||
		    (r = tide_b64_encode(b, d->p - len, len)) < 0)
			return r;
		return tide_buf_addc(b, '"');
	case K_STRING:
		if ((r = rd_len(d, &len, "string")) < 0)
			return r;
		if (!tide_utf8_valid((const char *)d->p, len))
			return dfail(d, "a string that is not UTF-8");
		d->p += len;
		return tide_json_write_str(b, (const char *)d->p - len, len);
	case K_ENUM:
		if ((r = rd_long(d, &v)) < 0)
			return r;
		if (v < 0 || (uint64_t)v >= n->n)
			return dfail(d, "enum %s index %" PRId64 " out of "
			    "range", n->name, v);
		return tide_buf_add(b, n->json[v], n->jsonlen[v]);
	default:
		break;
	}
	/* The kinds that nest. */
	if (++d->depth > TIDE_JSON_MAXDEPTH)
		return dfail(d, "nested deeper than %d levels",
		    TIDE_JSON_MAXDEPTH);
	switch (n->kind) {
	case K_RECORD:
		if (n->n == 0 && (r = tide_buf_addc(b, '{')) < 0)
			return r;
		for (i = 0; i < n->n; i++)
			if ((r = tide_buf_add(b, n->json[i], n->jsonlen[i])) < 0 ||
			    (r = decode(d, n->sub[i])) < 0)
				return r;
		r = tide_buf_addc(b, '}');
		break;
	case K_ARRAY:
	case K_MAP:
		if ((r = tide_buf_addc(b, n->kind == K_MAP ? '{' : '[')) < 0 ||
		    (r = dec_block_items(d, n, n->kind == K_MAP)) < 0)
			return r;
		r = tide_buf_addc(b, n->kind == K_MAP ? '}' : ']');
		break;
	case K_UNION:
		if ((r = rd_long(d, &v)) < 0)
			return r;
		if (v < 0 || (uint64_t)v >= n->n)
			return dfail(d, "union branch %" PRId64 " out of "
			    "range", v);
		if (!(d->form & TIDE_AVRO_SPEC) || n->sub[v]->kind == K_NULL) {
			r = decode(d, n->sub[v]);
			break;
		}
		if ((r = tide_buf_add(b, n->sub[v]->wrap,
		    n->sub[v]->wraplen)) < 0 ||
		    (r = decode(d, n->sub[v])) < 0)
			return r;
		r = tide_buf_addc(b, '}');
		break;
	default:
		r = dfail(d, "no such type");
		break;
	}
	d->depth--;
	return r;
}

int
tide_avro_decode(struct tide_avro *a, const void *data, size_t len,
    enum tide_avro_json form, struct tide_buf *out, char *err, size_t errlen)
{
	struct dec d;
	size_t was = out->len;
	int r;

	d.a = a;
	d.p = data;
	d.end = d.p + len;
	d.form = form;
	d.out = out;
	d.err = err;
	d.errlen = errlen;
	d.depth = 0;
	if (len == 0 && data == NULL)
		d.p = d.end = (const unsigned char *)"";
	r = decode(&d, a->root);
	if (r == 0 && d.p != d.end)
		r = dfail(&d, "%zu bytes after the datum",
		    (size_t)(d.end - d.p));
	if (r == TIDE_ETOOBIG && err != NULL && errlen > 0)
		snprintf(err, errlen, "the datum's JSON is over the cap");
	if (r < 0)
		out->len = was;
	return r;
}

/* ---- encoding ---- */

struct enc {
	struct tide_avro *a;
	struct tide_buf *out;
	char *err;
	size_t errlen;
	int depth;
};

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
	case TIDE_JSON_OBJECT:
		return "an object";
	default:
		return "nothing";
	}
}

static int
wr_long(struct tide_buf *b, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
	unsigned char tmp[10];
	size_t k = 0;

	while (u >= 0x80) {
		tmp[k++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	tmp[k++] = (unsigned char)u;
	return tide_buf_add(b, tmp, k);
}

static int
mismatch(struct enc *e, struct node *n, const struct tide_json_val *v)
{
	return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
	    "%s where the schema has %s", jtype(v), n->bname);
}

/* A number's digits, with or without a point (no sign, no exponent), as
 * an exact integer scaled by 10^scale (scale >= 0): 0, or TIDE_ERANGE /
 * TIDE_ETYPE. */
static int
mantissa(const char *p, const char *end, long scale, __int128 *out,
    int *digits)
{
	__int128 v = 0;
	long frac = -1;
	int nd = 0;

	if (p == end)
		return TIDE_ETYPE;
	for (; p < end; p++) {
		if (*p == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*p < '0' || *p > '9')
			return TIDE_ETYPE;
		if (frac >= 0 && ++frac > scale) {
			if (*p != '0')
				return TIDE_ERANGE;
			continue;
		}
		if (v != 0 || *p != '0')
			nd++;
		if (nd > 38)
			return TIDE_ERANGE;
		v = v * 10 + (*p - '0');
	}
	for (frac = frac < 0 ? 0 : frac > scale ? scale : frac; frac < scale;
	    frac++) {
		if (v != 0)
			nd++;
		if (nd > 38)
			return TIDE_ERANGE;
		v *= 10;
	}
	*out = v;
	*digits = nd;
	return 0;
}

/* A JSON number's text (or a string's: "12.50", "1.5e2") as an exact
 * integer scaled by 10^scale: 0, or TIDE_ERANGE / TIDE_ETYPE.  An
 * exponent moves the point (1.5e2 is 150, 1250e-2 is 12.5), as jq and
 * other JSON writers put large and small numbers. */
static int
scaled(const char *p, size_t n, int scale, __int128 *out, int *digits)
{
	const char *end = p + n, *m, *mend;
	__int128 v, q;
	long exp = 0, sh;
	int neg = 0, eneg = 0, r;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (m = p; p < end && *p != 'e' && *p != 'E'; p++)
		;
	mend = p;
	if (p < end) {
		if (++p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end)
			return TIDE_ETYPE;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return TIDE_ETYPE;
			if (exp < 100000)
				exp = exp * 10 + (*p - '0');
		}
	}
	sh = scale + (eneg ? -exp : exp);
	if ((r = mantissa(m, mend, sh < 0 ? 0 : sh, &v, digits)) < 0)
		return r;
	for (; sh < 0; sh++) {
		/* A negative shift divides: exact only when the digits
		 * dropped are zeros. */
		q = v / 10;
		if (q * 10 != v)
			return TIDE_ERANGE;
		v = q;
		if (v == 0)
			break;
		--*digits;
	}
	*out = neg ? -v : v;
	return 0;
}

static int
enc_decimal(struct enc *e, struct node *n, const struct tide_json_val *v)
{
	struct tide_buf *b = e->out;
	unsigned char be[17];
	const char *p = v->p;
	size_t len = v->len, k, i;
	__int128 x;
	int nd, r;

	if (v->type == TIDE_JSON_STRING) {
		p++;
		len -= 2;
	} else if (v->type != TIDE_JSON_NUMBER)
		return mismatch(e, n, v);
	if ((r = scaled(p, len, n->scale, &x, &nd)) == TIDE_ETYPE)
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "not a decimal number");
	if (r < 0)
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "a decimal with more than %d places or 38 digits",
		    n->scale);
	if (nd > n->precision)
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "a decimal of %d digits where the precision is %d", nd,
		    n->precision);
	for (i = 17; i-- > 0;) {
		be[i] = (unsigned char)(x & 0xff);
		x >>= 8;
	}
	/* The shortest two's complement, or the fixed's size. */
	for (k = 0; k < 16 && ((be[k] == 0 && !(be[k + 1] & 0x80)) ||
	    (be[k] == 0xff && (be[k + 1] & 0x80))); k++)
		;
	if (n->kind == K_BYTES) {
		if ((r = wr_long(b, (int64_t)(17 - k))) < 0)
			return r;
		return tide_buf_add(b, be + k, 17 - k);
	}
	if (17 - k > n->size)
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "a decimal too wide for fixed %s of %zu bytes", n->name,
		    n->size);
	for (i = 17 - k; i < n->size; i++)
		if ((r = tide_buf_addc(b, (be[0] & 0x80) ? '\xff' : 0)) < 0)
			return r;
	return tide_buf_add(b, be + k, 17 - k);
}

static int encode(struct enc *e, struct node *n,
    const struct tide_json_val *v);

/* The canonical text form of a UUID: 8-4-4-4-12 hexadecimal digits. */
static int
is_uuid(const char *s, size_t len)
{
	size_t i;

	if (len != 36)
		return 0;
	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    !((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

/* A timestamp-millis or -micros from RFC 3339 text, as tide(7) takes
 * times everywhere: the fraction's first three digits are the ms, the
 * next three the microseconds (more only truncate). */
static int
enc_rfc3339(struct enc *e, struct node *n, const struct tide_json_val *v)
{
	const char *p = v->p + 1;
	size_t len = v->len - 2, i, nd;
	int64_t ms;
	int us = 0;

	if (tide_time_parse_rfc3339(p, len, &ms) < 0)
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "%.*s is not an RFC 3339 time", (int)v->len, v->p);
	if (n->lt == L_TS_MS)
		return wr_long(e->out, ms);
	if (p[19] == '.') {
		for (i = 20, nd = 0; i < len && p[i] >= '0' && p[i] <= '9';
		    i++, nd++)
			if (nd >= 3 && nd < 6)
				us = us * 10 + (p[i] - '0');
		for (; nd < 6; nd++)
			if (nd >= 3)
				us *= 10;
	}
	if (ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000)
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "%.*s is out of range", (int)v->len, v->p);
	return wr_long(e->out, ms * 1000 + us);
}


static int
enc_union(struct enc *e, struct node *n, const struct tide_json_val *v)
{
	struct tide_json_val name, val, n2, v2;
	size_t was = e->out->len, i, pos, saved = e->a->pathlen;
	char *err = e->err;
	int r;

	/* The spec's form: {"branch": value}. */
	if (v->type == TIDE_JSON_OBJECT) {
		pos = 0;
		if (tide_json_obj_next(v, &pos, &name, &val) &&
		    !tide_json_obj_next(v, &pos, &n2, &v2))
			for (i = 0; i < n->n; i++) {
				if (n->sub[i]->kind == K_NULL ||
				    !tide_json_str_eq(&name, n->sub[i]->bname,
				    strlen(n->sub[i]->bname)))
					continue;
				e->err = NULL;
				if (wr_long(e->out, (int64_t)i) == 0 &&
				    encode(e, n->sub[i], &val) == 0) {
					e->err = err;
					return 0;
				}
				e->err = err;
				e->out->len = was;
				path_pop(e->a, saved);
			}
	}
	/* The plain form: the first branch it fits. */
	for (i = 0; i < n->n; i++) {
		e->err = NULL;
		r = wr_long(e->out, (int64_t)i);
		if (r == 0)
			r = encode(e, n->sub[i], v);
		e->err = err;
		if (r == 0)
			return 0;
		e->out->len = was;
		path_pop(e->a, saved);
		if (r == TIDE_ETOOBIG)
			return r;
	}
	{
		char list[128];
		size_t k = 0;

		for (i = 0; i < n->n && k < sizeof(list) - 1; i++)
			k += (size_t)snprintf(list + k, sizeof(list) - k,
			    "%s%s", i ? ", " : "", n->sub[i]->bname);
		if (k >= sizeof(list))
			k = sizeof(list) - 1;
		list[k] = '\0';
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "%s that fits no branch of [%s]", jtype(v), list);
	}
}

static int
enc_record(struct enc *e, struct node *n, const struct tide_json_val *v)
{
	struct tide_json_val name, val, fv;
	enum tide_json_type t;
	size_t i, pos, saved;
	int r, found;

	if (v->type != TIDE_JSON_OBJECT)
		return mismatch(e, n, v);
	for (i = 0; i < n->n; i++) {
		found = 0;
		pos = 0;
		while (tide_json_obj_next(v, &pos, &name, &val))
			if (tide_json_str_eq(&name, n->sym[i], n->symlen[i])) {
				fv = val;
				found = 1;
			}
		path_push(e->a, n->sym[i], n->symlen[i], 1, &saved);
		if (!found && n->def[i] != NULL) {
			tide_json_check(n->def[i], n->deflen[i], 0, &t, NULL);
			fv.type = t;
			fv.p = n->def[i];
			fv.len = n->deflen[i];
			found = 1;
		}
		if (!found) {
			fv.type = TIDE_JSON_NULL;
			fv.p = "null";
			fv.len = 4;
		}
		r = encode(e, n->sub[i], &fv);
		if (r < 0 && !found && r != TIDE_ETOOBIG)
			r = fail(e->a, e->err, e->errlen, TIDE_ETYPE,
			    "missing, and the field has no default");
		if (r < 0)
			return r;
		path_pop(e->a, saved);
	}
	return 0;
}

static int
enc_items(struct enc *e, struct node *n, const struct tide_json_val *v)
{
	struct tide_json_val name, val;
	struct tide_buf *key = &e->a->tmp;
	size_t pos = 0, count = 0, saved, idx;
	char seg[32];
	int r = 0, map = n->kind == K_MAP;

	if (v->type != (map ? TIDE_JSON_OBJECT : TIDE_JSON_ARRAY))
		return mismatch(e, n, v);
	if (map)
		while (tide_json_obj_next(v, &pos, &name, &val))
			count++;
	else
		while (tide_json_arr_next(v, &pos, &val))
			count++;
	if (count > 0 && (r = wr_long(e->out, (int64_t)count)) < 0)
		return r;
	pos = 0;
	for (idx = 0; idx < count; idx++) {
		if (map) {
			tide_json_obj_next(v, &pos, &name, &val);
			tide_buf_reset(key);
			if ((r = tide_json_str(&name, key)) < 0 ||
			    (r = wr_long(e->out, (int64_t)key->len)) < 0 ||
			    (r = tide_buf_add(e->out, key->data, key->len)) < 0)
				break;
			path_push(e->a, key->data, key->len, 1, &saved);
		} else {
			tide_json_arr_next(v, &pos, &val);
			snprintf(seg, sizeof(seg), "[%zu]", idx);
			path_push(e->a, seg, strlen(seg), 0, &saved);
		}
		if ((r = encode(e, n->sub[0], &val)) < 0)
			break;
		path_pop(e->a, saved);
	}
	if (r < 0)
		return r;
	return tide_buf_addc(e->out, 0);
}

static int
encode(struct enc *e, struct node *n, const struct tide_json_val *v)
{
	struct tide_buf *b = e->out, *s = &e->a->tmp;
	int64_t i;
	double g;
	size_t k;
	int r;
	union {
		float f;
		uint32_t u;
		double d;
		uint64_t w;
	} x;

	switch (n->kind) {
	case K_NULL:
		if (v->type != TIDE_JSON_NULL)
			return mismatch(e, n, v);
		return 0;
	case K_BOOLEAN:
		if (v->type != TIDE_JSON_TRUE && v->type != TIDE_JSON_FALSE)
			return mismatch(e, n, v);
		return tide_buf_addc(b, v->type == TIDE_JSON_TRUE);
	case K_INT:
		if (n->lt == L_DATE && v->type == TIDE_JSON_STRING) {
			int y, m, dd, end = 0;
			char tmp[16];

			if (v->len - 2 >= sizeof(tmp))
				goto baddate;
			memcpy(tmp, v->p + 1, v->len - 2);
			tmp[v->len - 2] = '\0';
			if (sscanf(tmp, "%4d-%2d-%2d%n", &y, &m, &dd, &end) != 3 ||
			    end != 10 || tmp[10] != '\0' || m < 1 || m > 12 ||
			    dd < 1 || dd > 31)
				goto baddate;
			i = days_from_civil(y, (unsigned)m, (unsigned)dd);
			{
				int64_t yy;
				unsigned mm, d2;

				civil(i, &yy, &mm, &d2);
				if (mm != (unsigned)m)
					goto baddate;
			}
			return wr_long(b, i);
baddate:
			return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
			    "not a date (YYYY-MM-DD)");
		}
		if (v->type != TIDE_JSON_NUMBER)
			return mismatch(e, n, v);
		if (tide_json_int64(v, &i) < 0 || i < INT32_MIN ||
		    i > INT32_MAX)
			return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
			    "%.*s is not an int", (int)v->len, v->p);
		return wr_long(b, i);
	case K_LONG:
		if ((n->lt == L_TS_MS || n->lt == L_TS_US) &&
		    v->type == TIDE_JSON_STRING)
			return enc_rfc3339(e, n, v);
		if (v->type != TIDE_JSON_NUMBER)
			return mismatch(e, n, v);
		if (n->lt == L_TS_US || n->lt == L_TIME_US) {
			__int128 w;
			int nd;

			/* Milliseconds, exact to the microsecond. */
			if (scaled(v->p, v->len, 3, &w, &nd) < 0 ||
			    w > INT64_MAX || w < INT64_MIN)
				return fail(e->a, e->err, e->errlen,
				    TIDE_ETYPE, "%.*s is not a time in "
				    "milliseconds to the microsecond",
				    (int)v->len, v->p);
			return wr_long(b, (int64_t)w);
		}
		if (tide_json_int64(v, &i) < 0)
			return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
			    "%.*s is not a long", (int)v->len, v->p);
		return wr_long(b, i);
	case K_FLOAT:
	case K_DOUBLE:
		if (v->type != TIDE_JSON_NUMBER ||
		    tide_json_double(v, &g) < 0)
			return mismatch(e, n, v);
		if (n->kind == K_FLOAT) {
			unsigned char t[4];

			x.f = (float)g;
			for (k = 0; k < 4; k++)
				t[k] = (unsigned char)(x.u >> (8 * k));
			return tide_buf_add(b, t, 4);
		} else {
			unsigned char t[8];

			x.d = g;
			for (k = 0; k < 8; k++)
				t[k] = (unsigned char)(x.w >> (8 * k));
			return tide_buf_add(b, t, 8);
		}
	case K_BYTES:
	case K_FIXED:
		if (n->lt == L_DECIMAL)
			return enc_decimal(e, n, v);
		if (v->type != TIDE_JSON_STRING)
			return mismatch(e, n, v);
		/* base64, as decoding writes it */
		tide_buf_reset(s);
		if (tide_b64_decode(s, v->p + 1, v->len - 2) < 0)
			return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
			    "not base64");
		if (n->kind == K_FIXED && s->len != n->size)
			return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
			    "%zu bytes where fixed %s has %zu", s->len,
			    n->name, n->size);
		r = n->kind == K_BYTES ? wr_long(b, (int64_t)s->len) : 0;
		return r == 0 ? tide_buf_add(b, s->data, s->len) : r;
	case K_STRING:
		if (v->type != TIDE_JSON_STRING)
			return mismatch(e, n, v);
		tide_buf_reset(s);
		if ((r = tide_json_str(v, s)) == 0 && n->lt == L_UUID &&
		    !is_uuid(s->data, s->len))
			return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
			    "%.*s is not a UUID "
			    "(8-4-4-4-12 hexadecimal digits)", (int)v->len,
			    v->p);
		if (r == 0 &&
		    (r = wr_long(b, (int64_t)s->len)) == 0)
			r = tide_buf_add(b, s->data, s->len);
		return r;
	case K_ENUM:
		if (v->type != TIDE_JSON_STRING)
			return mismatch(e, n, v);
		for (k = 0; k < n->n; k++)
			if (tide_json_str_eq(v, n->sym[k], n->symlen[k]))
				return wr_long(b, (int64_t)k);
		return fail(e->a, e->err, e->errlen, TIDE_ETYPE,
		    "%.*s is not a symbol of enum %s", (int)v->len, v->p,
		    n->name);
	default:
		break;
	}
	if (++e->depth > TIDE_JSON_MAXDEPTH)
		return fail(e->a, e->err, e->errlen, TIDE_EDEPTH,
		    "nested deeper than %d levels", TIDE_JSON_MAXDEPTH);
	switch (n->kind) {
	case K_RECORD:
		r = enc_record(e, n, v);
		break;
	case K_ARRAY:
	case K_MAP:
		r = enc_items(e, n, v);
		break;
	default:
		r = enc_union(e, n, v);
		break;
	}
	e->depth--;
	return r;
}

int
tide_avro_encode(struct tide_avro *a, const char *json, size_t len,
    struct tide_buf *out, char *err, size_t errlen)
{
	struct tide_json_err jerr;
	struct tide_json_val v;
	struct enc e;
	size_t was = out->len;
	int r;

	a->pathlen = 0;
	a->path[0] = '\0';
	if ((r = tide_json_check(json, len, 0, &v.type, &jerr)) < 0)
		return fail(NULL, err, errlen, TIDE_EJSON,
		    "not JSON: %s at byte %zu", jerr.reason, jerr.offset);
	v.p = json;
	v.len = len;
	/* The value's own bytes, without the whitespace around them. */
	while (v.len > 0 && (*v.p == ' ' || *v.p == '\t' || *v.p == '\n' ||
	    *v.p == '\r')) {
		v.p++;
		v.len--;
	}
	while (v.len > 0 && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t' ||
	    v.p[v.len - 1] == '\n' || v.p[v.len - 1] == '\r'))
		v.len--;
	e.a = a;
	e.out = out;
	e.err = err;
	e.errlen = errlen;
	e.depth = 0;
	r = encode(&e, a->root, &v);
	if (r == TIDE_ETOOBIG && err != NULL && errlen > 0)
		snprintf(err, errlen, "the encoded datum is over the cap");
	if (r < 0)
		out->len = was;
	a->pathlen = 0;
	a->path[0] = '\0';
	return r;
}
