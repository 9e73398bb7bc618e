#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "envelope.h"
#include "err.h"
#include "json.h"
#include "rio.h"
#include "xalloc.h"

#define ADD(b, s) do { if ((r = tide_buf_add((b), (s), sizeof(s) - 1)) < 0) return r; } while (0)
#define TRY(x) do { if ((r = (x)) < 0) return r; } while (0)

int
tide_env_embeddable(const char *p, size_t n)
{
	enum tide_json_type t;

	if (n < 2)
		return 0;
	if (!((p[0] == '{' && p[n - 1] == '}') || (p[0] == '[' && p[n - 1] == ']')))
		return 0;
	/* A line break would split the envelope line; such JSON goes in a
	 * string instead. */
	if (memchr(p, '\n', n) || memchr(p, '\r', n))
		return 0;
	return tide_json_check(p, n, 0, &t, NULL) == 0;
}

enum pkind { P_NULL, P_EMBED, P_STRING, P_B64 };

static enum pkind classify(const char *p, size_t n);

int
tide_env_payload(struct tide_buf *out, const char *p, size_t n, int *b64)
{
	enum pkind k = classify(p, n);
	int r;

	if (b64)
		*b64 = k == P_B64;
	switch (k) {
	case P_NULL:
		return tide_buf_add(out, "null", 4);
	case P_EMBED:
		return tide_buf_add(out, p, n);
	case P_STRING:
		return tide_json_write_str(out, p, n);
	case P_B64:
		break;
	}
	TRY(tide_buf_addc(out, '"'));
	TRY(tide_b64_encode(out, p, n));
	return tide_buf_addc(out, '"');
}

/* A header name or value: a string, null, or {"b64":"..."} for bytes that
 * are not UTF-8. */
static int
hdr_str(struct tide_buf *out, const char *p, size_t n)
{
	int r;

	if (p == NULL)
		return tide_buf_add(out, "null", 4);
	if (tide_utf8_valid(p, n))
		return tide_json_write_str(out, p, n);
	ADD(out, "{\"b64\":\"");
	TRY(tide_b64_encode(out, p, n));
	return tide_buf_add(out, "\"}", 2);
}

static enum pkind
classify(const char *p, size_t n)
{
	if (p == NULL)
		return P_NULL;
	if (tide_env_embeddable(p, n))
		return P_EMBED;
	return tide_utf8_valid(p, n) ? P_STRING : P_B64;
}

static int payload_value(struct tide_buf *out, const char *name,
    const char *p, size_t n, enum pkind k);

/* ,"name": or ,"name_b64": followed by the payload, and ,"name_schema_id":
 * when it has one. */
static int
payload_field(struct tide_buf *out, const char *name, const char *p, size_t n,
    enum tide_env_as as, int has_id, int32_t id)
{
	enum pkind k = p == NULL ? P_NULL : as == TIDE_ENV_AS_JSON ? P_EMBED :
	    as == TIDE_ENV_AS_B64 ? P_B64 : classify(p, n);
	int r;

	if ((r = payload_value(out, name, p, n, k)) < 0 || !has_id)
		return r;
	TRY(tide_buf_add(out, ",\"", 2));
	TRY(tide_buf_adds(out, name));
	ADD(out, "_schema_id\":");
	return tide_buf_addi64(out, id);
}

static int
payload_value(struct tide_buf *out, const char *name, const char *p, size_t n,
    enum pkind k)
{
	int r;

	TRY(tide_buf_add(out, ",\"", 2));
	TRY(tide_buf_adds(out, name));
	switch (k) {
	case P_NULL:
		return tide_buf_add(out, "\":null", 6);
	case P_EMBED:
		ADD(out, "\":");
		return tide_buf_add(out, p, n);
	case P_STRING:
		ADD(out, "\":");
		return tide_json_write_str(out, p, n);
	case P_B64:
		break;
	}
	ADD(out, "_b64\":\"");
	TRY(tide_b64_encode(out, p, n));
	return tide_buf_addc(out, '"');
}

int
tide_env_encode(struct tide_buf *out, const struct tide_env *e)
{
	size_t i;
	int r;

	ADD(out, "{\"topic\":");
	if (e->topic)
		TRY(tide_json_write_str(out, e->topic, e->topiclen));
	else
		ADD(out, "null");
	ADD(out, ",\"partition\":");
	TRY(tide_buf_addi64(out, e->partition));
	ADD(out, ",\"offset\":");
	TRY(tide_buf_addi64(out, e->offset));
	ADD(out, ",\"ts\":");
	switch (e->ts_type) {
	case TIDE_ENV_TS_CREATE:
		TRY(tide_buf_addi64(out, e->ts));
		ADD(out, ",\"ts_type\":\"create\"");
		break;
	case TIDE_ENV_TS_LOG_APPEND:
		TRY(tide_buf_addi64(out, e->ts));
		ADD(out, ",\"ts_type\":\"log_append\"");
		break;
	default:
		ADD(out, "null,\"ts_type\":\"none\"");
		break;
	}
	TRY(payload_field(out, "key", e->key, e->keylen, e->key_as,
	    e->has_key_schema_id, e->key_schema_id));
	ADD(out, ",\"headers\":[");
	for (i = 0; i < e->nhdrs; i++) {
		if (i)
			TRY(tide_buf_addc(out, ','));
		TRY(tide_buf_addc(out, '['));
		TRY(hdr_str(out, e->hdrs[i].name ? e->hdrs[i].name : "",
		    e->hdrs[i].namelen));
		TRY(tide_buf_addc(out, ','));
		TRY(hdr_str(out, e->hdrs[i].value, e->hdrs[i].len));
		TRY(tide_buf_addc(out, ']'));
	}
	TRY(tide_buf_addc(out, ']'));
	TRY(payload_field(out, "value", e->value, e->len, e->value_as,
	    e->has_value_schema_id, e->value_schema_id));
	return tide_buf_addc(out, '}');
}

/* Decoding. */

void
tide_env_dec_init(struct tide_env_dec *d, size_t max)
{
	memset(d, 0, sizeof(*d));
	tide_buf_init(&d->scratch, max ? max : TIDE_MAX_RECORD);
}

void
tide_env_dec_release(struct tide_env_dec *d)
{
	tide_buf_release(&d->scratch);
	free(d->hdrs);
	free(d->spans);
	memset(d, 0, sizeof(*d));
}

/*
 * While decoding, pointers into d->scratch are kept as offsets (the buffer
 * may move as it grows) and turned into pointers at the end.  A span either
 * points into the line (inscratch 0) or is an offset into scratch.
 */
struct span {
	int set;		/* 0 absent, 1 present */
	int isnull;
	int inscratch;
	const char *p;
	size_t off, len;
};

static int
fail(struct tide_env_dec *d, int code, const char *why)
{
	d->reason = why;
	return code;
}

/* A payload field: embedded object/array (kept in the line), a string
 * (unescaped into scratch), or null. */
static int
dec_payload(struct tide_env_dec *d, const struct tide_json_val *v,
    struct span *s, const char *field)
{
	int r;

	s->set = 1;
	switch (v->type) {
	case TIDE_JSON_NULL:
		s->isnull = 1;
		return 0;
	case TIDE_JSON_OBJECT:
	case TIDE_JSON_ARRAY:
		s->p = v->p;
		s->len = v->len;
		return 0;
	case TIDE_JSON_STRING:
		s->inscratch = 1;
		s->off = d->scratch.len;
		if ((r = tide_json_str(v, &d->scratch)) < 0)
			return fail(d, r, "envelope too big");
		s->len = d->scratch.len - s->off;
		return 0;
	default:
		(void)field;
		return fail(d, TIDE_ETYPE,
		    "payload is not an object, array, string or null");
	}
}

/* A base64 field: a string decoded into scratch (null is a null payload). */
static int
dec_b64(struct tide_env_dec *d, const struct tide_json_val *v, struct span *s)
{
	size_t start = d->scratch.len, tmp;
	int r;

	s->set = 1;
	if (v->type == TIDE_JSON_NULL) {
		s->isnull = 1;
		return 0;
	}
	if (v->type != TIDE_JSON_STRING)
		return fail(d, TIDE_ETYPE, "base64 payload is not a string");
	/* Unescape first (base64 text holds no escapes in practice, but a
	 * rewritten envelope may), then decode in place after it. */
	if ((r = tide_json_str(v, &d->scratch)) < 0)
		return fail(d, r, "envelope too big");
	tmp = d->scratch.len;
	/* The text is decoded from scratch into scratch: make room first so
	 * the decoder never moves the buffer under its own input. */
	if ((r = tide_buf_grow(&d->scratch, tmp - start + 4)) < 0) {
		d->scratch.len = start;
		return fail(d, r, "envelope too big");
	}
	if ((r = tide_b64_decode(&d->scratch, d->scratch.data + start,
	    tmp - start)) < 0) {
		d->scratch.len = start;
		return fail(d, r == TIDE_ETOOBIG ? r : TIDE_EINVAL,
		    r == TIDE_ETOOBIG ? "envelope too big" : "bad base64");
	}
	/* Slide the decoded bytes down over the text. */
	memmove(d->scratch.data + start, d->scratch.data + tmp,
	    d->scratch.len - tmp);
	d->scratch.len = start + (d->scratch.len - tmp);
	s->inscratch = 1;
	s->off = start;
	s->len = d->scratch.len - start;
	return 0;
}

static const char *
span_ptr(struct tide_env_dec *d, const struct span *s)
{
	if (s->isnull || !s->set)
		return NULL;
	if (s->inscratch)
		return d->scratch.len ? d->scratch.data + s->off : "";
	return s->p;
}

/* A header name or value: string, null or {"b64":"..."}. */
static int
dec_hdr_str(struct tide_env_dec *d, const struct tide_json_val *v,
    struct span *s)
{
	struct tide_json_val name, val;
	size_t pos = 0;

	memset(s, 0, sizeof(*s));
	switch (v->type) {
	case TIDE_JSON_NULL:
		s->set = 1;
		s->isnull = 1;
		return 0;
	case TIDE_JSON_STRING:
		return dec_payload(d, v, s, "header");
	case TIDE_JSON_OBJECT:
		if (tide_json_obj_next(v, &pos, &name, &val) &&
		    tide_json_str_eq(&name, "b64", 3))
			return dec_b64(d, &val, s);
		/* FALLTHROUGH */
	default:
		return fail(d, TIDE_ETYPE,
		    "header is not a string, null or {\"b64\":...}");
	}
}

static int
dec_headers(struct tide_env_dec *d, const struct tide_json_val *v,
    struct span **hs, size_t *nh, size_t *hcap)
{
	struct tide_json_val pair, nv, vv;
	size_t pos = 0, ppos;
	int r;

	if (v->type == TIDE_JSON_NULL)
		return 0;
	if (v->type != TIDE_JSON_ARRAY)
		return fail(d, TIDE_ETYPE, "headers is not an array");
	while (tide_json_arr_next(v, &pos, &pair)) {
		if (pair.type != TIDE_JSON_ARRAY)
			return fail(d, TIDE_ETYPE, "header is not a [name, value] pair");
		ppos = 0;
		if (!tide_json_arr_next(&pair, &ppos, &nv) ||
		    !tide_json_arr_next(&pair, &ppos, &vv) ||
		    tide_json_arr_next(&pair, &ppos, &pair))
			return fail(d, TIDE_ETYPE, "header is not a [name, value] pair");
		if (*nh + 1 > *hcap) {
			*hcap = *hcap ? *hcap * 2 : 8;
			*hs = tide_xreallocarray(*hs, *hcap, 2 * sizeof(**hs));
		}
		if ((r = dec_hdr_str(d, &nv, &(*hs)[2 * *nh])) < 0)
			return r;
		if ((*hs)[2 * *nh].isnull)
			return fail(d, TIDE_ETYPE, "header name is null");
		if ((r = dec_hdr_str(d, &vv, &(*hs)[2 * *nh + 1])) < 0)
			return r;
		(*nh)++;
	}
	return 0;
}

static int
dec_int(struct tide_env_dec *d, const struct tide_json_val *v, int64_t min,
    int64_t max, int64_t *out, const char *what)
{
	int r;

	if (v->type == TIDE_JSON_NULL) {
		*out = -1;
		return 0;
	}
	if ((r = tide_json_int64(v, out)) < 0)
		return fail(d, r, what);
	if (*out < min || *out > max)
		return fail(d, TIDE_ERANGE, what);
	return 0;
}

int
tide_env_decode(struct tide_env_dec *d, const char *line, size_t n)
{
	struct tide_json_val doc, name, v;
	struct tide_json_err jerr;
	enum tide_json_type t;
	struct span topic = { 0 }, key = { 0 }, value = { 0 };
	struct span *hs = d->spans;
	size_t pos = 0, nh = 0, hcap = d->spancap, i;
	int64_t part = -1, off = -1, ts = -1;
	int have_ts = 0, ts_type = -1, r = 0;

	memset(&d->env, 0, sizeof(d->env));
	d->reason = NULL;
	tide_buf_reset(&d->scratch);
	if (tide_json_check(line, n, 0, &t, &jerr) < 0 || t != TIDE_JSON_OBJECT)
		return fail(d, TIDE_EJSON, "not a JSON object");
	while (n > 0 && (*line == ' ' || *line == '\t' || *line == '\r' ||
	    *line == '\n'))
		line++, n--;
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
	    line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	doc.type = TIDE_JSON_OBJECT;
	doc.p = line;
	doc.len = n;

	while (r == 0 && tide_json_obj_next(&doc, &pos, &name, &v)) {
		if (tide_json_str_eq(&name, "value", 5)) {
			if (value.set)
				r = fail(d, TIDE_EINVAL, "value given twice");
			else
				r = dec_payload(d, &v, &value, "value");
		} else if (tide_json_str_eq(&name, "value_b64", 9)) {
			if (value.set)
				r = fail(d, TIDE_EINVAL, "value given twice");
			else
				r = dec_b64(d, &v, &value);
		} else if (tide_json_str_eq(&name, "key", 3)) {
			if (key.set)
				r = fail(d, TIDE_EINVAL, "key given twice");
			else
				r = dec_payload(d, &v, &key, "key");
		} else if (tide_json_str_eq(&name, "key_b64", 7)) {
			if (key.set)
				r = fail(d, TIDE_EINVAL, "key given twice");
			else
				r = dec_b64(d, &v, &key);
		} else if (tide_json_str_eq(&name, "topic", 5)) {
			if (v.type == TIDE_JSON_STRING)
				r = dec_payload(d, &v, &topic, "topic");
			else if (v.type != TIDE_JSON_NULL)
				r = fail(d, TIDE_ETYPE, "topic is not a string");
		} else if (tide_json_str_eq(&name, "partition", 9)) {
			r = dec_int(d, &v, -1, INT32_MAX, &part,
			    "partition is not an integer in range");
		} else if (tide_json_str_eq(&name, "offset", 6)) {
			r = dec_int(d, &v, -1, INT64_MAX, &off,
			    "offset is not an integer in range");
		} else if (tide_json_str_eq(&name, "ts", 2)) {
			if (v.type == TIDE_JSON_NULL)
				have_ts = 0;
			else if ((r = dec_int(d, &v, 0, INT64_MAX, &ts,
			    "ts is not a non-negative integer")) == 0)
				have_ts = 1;
		} else if (tide_json_str_eq(&name, "ts_type", 7)) {
			if (v.type == TIDE_JSON_NULL ||
			    tide_json_str_eq(&v, "none", 4))
				ts_type = TIDE_ENV_TS_NONE;
			else if (tide_json_str_eq(&v, "create", 6))
				ts_type = TIDE_ENV_TS_CREATE;
			else if (tide_json_str_eq(&v, "log_append", 10))
				ts_type = TIDE_ENV_TS_LOG_APPEND;
			else
				r = fail(d, TIDE_EINVAL, "unknown ts_type");
		} else if (tide_json_str_eq(&name, "headers", 7)) {
			nh = 0;
			r = dec_headers(d, &v, &hs, &nh, &hcap);
		} else if (tide_json_str_eq(&name, "value_schema_id", 15) ||
		    tide_json_str_eq(&name, "key_schema_id", 13)) {
			int isval = tide_json_str_eq(&name, "value_schema_id",
			    15);
			int64_t id;

			if ((r = dec_int(d, &v, 0, INT32_MAX, &id, isval ?
			    "value_schema_id is not a schema id" :
			    "key_schema_id is not a schema id")) == 0 &&
			    id >= 0) {
				if (isval) {
					d->env.has_value_schema_id = 1;
					d->env.value_schema_id = (int32_t)id;
				} else {
					d->env.has_key_schema_id = 1;
					d->env.key_schema_id = (int32_t)id;
				}
			}
		}
	}
	if (r == 0 && !value.set)
		r = fail(d, TIDE_ENOENT, "no value or value_b64");
	d->spans = hs;
	d->spancap = hcap;
	if (r < 0)
		return r;

	d->env.topic = span_ptr(d, &topic);
	d->env.topiclen = topic.len;
	d->env.partition = (int32_t)part;
	d->env.offset = off;
	if (!have_ts)
		d->env.ts_type = TIDE_ENV_TS_NONE;
	else
		d->env.ts_type = ts_type < 0 || ts_type == TIDE_ENV_TS_NONE ?
		    TIDE_ENV_TS_CREATE : (enum tide_env_ts_type)ts_type;
	d->env.ts = have_ts ? ts : -1;
	d->env.key = span_ptr(d, &key);
	d->env.keylen = key.len;
	d->env.value = span_ptr(d, &value);
	d->env.len = value.len;
	if (nh > d->hdrcap) {
		d->hdrs = tide_xreallocarray(d->hdrs, nh, sizeof(*d->hdrs));
		d->hdrcap = nh;
	}
	for (i = 0; i < nh; i++) {
		d->hdrs[i].name = span_ptr(d, &hs[2 * i]);
		d->hdrs[i].namelen = hs[2 * i].len;
		d->hdrs[i].value = span_ptr(d, &hs[2 * i + 1]);
		d->hdrs[i].len = hs[2 * i + 1].len;
	}
	d->env.hdrs = nh ? d->hdrs : NULL;
	d->env.nhdrs = nh;
	return 0;
}

/* --- why a path is absent ------------------------------------------------ */

static const char *
type_name(enum tide_json_type t)
{
	switch (t) {
	case TIDE_JSON_NULL:
		return "null";
	case TIDE_JSON_FALSE:
	case TIDE_JSON_TRUE:
		return "boolean";
	case TIDE_JSON_NUMBER:
		return "number";
	case TIDE_JSON_STRING:
		return "string";
	case TIDE_JSON_ARRAY:
		return "array";
	default:
		return "object";
	}
}

/* An envelope's payload written as a string: the text it holds is empty,
 * JSON of another type than an object, or not JSON. */
static void
why_text(const struct tide_json_val *v, char *buf, size_t cap)
{
	struct tide_buf t;
	enum tide_json_type type;

	tide_buf_init(&t, TIDE_BUF_NOMAX);
	if (tide_json_str(v, &t) < 0 || t.len == 0)
		snprintf(buf, cap, "%s", ": value is empty");
	else if (tide_json_check(t.data, t.len, TIDE_JSON_MAXDEPTH, &type,
	    NULL) == 0)
		snprintf(buf, cap, ": value is not an object: %s",
		    type_name(type));
	else
		snprintf(buf, cap, ": value is not JSON: %.*s%s",
		    (int)(v->len > 42 ? 40 : v->len), v->p,
		    v->len > 42 ? "..." : "");
	tide_buf_release(&t);
}

const char *
tide_env_why_absent(const char *doc, size_t n, const struct tide_path *path,
    char *buf, size_t cap)
{
	struct tide_path pre, top;
	struct tide_json_val v, e;
	char name[128];
	size_t at;
	int k, i, env;

	buf[0] = '\0';
	pre = *path;
	for (k = 1; k < path->nseg; k++) {
		pre.nseg = k;
		if (!tide_json_get(doc, n, &pre, &v))
			return buf;
		if (v.type == TIDE_JSON_OBJECT)
			continue;
		env = 0;
		if (k == 1 && strcmp(path->seg[0].name, "value") == 0) {
			top = *path;
			top.nseg = 1;
			top.seg[0].name = "offset";
			top.seg[0].len = 6;
			env = tide_json_get(doc, n, &top, &e);
			top.seg[0].name = "topic";
			top.seg[0].len = 5;
			env = env || tide_json_get(doc, n, &top, &e);
		}
		if (env && v.type == TIDE_JSON_NULL)
			snprintf(buf, cap, "%s", ": value is null (tombstone)");
		else if (env && v.type == TIDE_JSON_STRING)
			why_text(&v, buf, cap);
		else if (env)
			snprintf(buf, cap, ": value is not an object: %s",
			    type_name(v.type));
		if (env)
			return buf;
		/* The field on the way, named as its path: a.b. */
		for (i = 0, at = 0; i < k && at < sizeof(name); i++)
			at += (size_t)snprintf(name + at, sizeof(name) - at,
			    "%s%s", i ? "." : "", path->seg[i].name);
		if (v.type == TIDE_JSON_NULL)
			snprintf(buf, cap, ": '%s' is null", name);
		else
			snprintf(buf, cap, ": '%s' is not an object: %s", name,
			    type_name(v.type));
		return buf;
	}
	return buf;
}
