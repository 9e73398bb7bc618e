/*
 * lib/schema/wire: a record's key and value read as their formats say,
 * the Confluent framing stripped, the schema found by id.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "err.h"
#include "json.h"
#include "schema/pbuf.h"
#include "schema/sreg.h"
#include "schema/wire.h"
#include "xalloc.h"

static const char *const fmtname[] = {
	"auto", "json", "avro", "protobuf", "string", "bytes", "protobuf-raw"
};

/* What the registry's entry caches: the parsed schema (Avro) or the
 * compiled one (Protobuf), or why it is not one (so a bad schema is
 * parsed or compiled once, not once per record). */
struct wire_dec {
	struct tide_avro *avro;
	struct tide_pbuf *pb;
	int fatal;	/* TIDE_EIO (protoc cannot be run, a reference the
			 * registry cannot give) or TIDE_EAGAIN (unreachable):
			 * the program's trouble, not the record's; or 0 */
	char err[400];
};

int
tide_wire_fmt_parse(const char *s, enum tide_wire_fmt *f)
{
	size_t i;

	for (i = 0; i < sizeof(fmtname) / sizeof(fmtname[0]); i++)
		if (strcmp(s, fmtname[i]) == 0) {
			*f = (enum tide_wire_fmt)i;
			return 0;
		}
	return TIDE_EINVAL;
}

const char *
tide_wire_opts_check(const struct tide_wire_opts *wo,
    enum tide_wire_fmt *keyf, enum tide_wire_fmt *valuef,
    enum tide_avro_json *form)
{
	*keyf = *valuef = TIDE_WIRE_AUTO;
	*form = TIDE_AVRO_PLAIN;
	if (wo->key && tide_wire_fmt_parse(wo->key, keyf) < 0)
		return "--key-format: not auto, json, avro, protobuf, "
		    "protobuf-raw, string or bytes";
	if (wo->value && tide_wire_fmt_parse(wo->value, valuef) < 0)
		return "--value-format: not auto, json, avro, protobuf, "
		    "protobuf-raw, string or bytes";
	if (wo->pmsg && !wo->pdesc)
		return "--proto-message goes with --proto-descriptor";
	if (wo->pdesc && *keyf != TIDE_WIRE_PROTOBUF &&
	    *valuef != TIDE_WIRE_PROTOBUF)
		return "--proto-descriptor goes with --key-format or "
		    "--value-format protobuf";
	if (wo->json && strcmp(wo->json, "spec") == 0)
		*form = TIDE_AVRO_SPEC;
	else if (wo->json && strcmp(wo->json, "plain") != 0)
		return "--avro-json: not plain or spec";
	if (wo->decimal && strcmp(wo->decimal, "number") == 0)
		*form |= TIDE_AVRO_DECNUM;
	else if (wo->decimal && strcmp(wo->decimal, "string") != 0)
		return "--decimal-format: not string or number";
	return NULL;
}

int
tide_wire_active(const struct tide_wire *w)
{
	int i;

	for (i = 0; i < 2; i++)
		if (w->fmt[i] == TIDE_WIRE_AVRO ||
		    w->fmt[i] == TIDE_WIRE_PROTOBUF ||
		    (w->fmt[i] == TIDE_WIRE_AUTO && w->reg != NULL))
			return 1;
	return 0;
}

void
tide_wire_init(struct tide_wire *w, struct tide_sreg *reg,
    enum tide_wire_fmt keyf, enum tide_wire_fmt valuef,
    enum tide_avro_json form)
{
	memset(w, 0, sizeof(*w));
	w->reg = reg;
	w->fmt[0] = keyf;
	w->fmt[1] = valuef;
	w->form = form;
	tide_buf_init(&w->buf[0], TIDE_BUF_NOMAX);
	tide_buf_init(&w->buf[1], TIDE_BUF_NOMAX);
	tide_buf_init(&w->scratch, TIDE_BUF_NOMAX);
}

int
tide_wire_proto(struct tide_wire *w, const char *desc, const char *msg)
{
	struct tide_pbuf *p;
	char err[400];
	int fd;

	if ((fd = open(desc, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(w->err, sizeof(w->err), "--proto-descriptor: %s: %s",
		    desc, strerror(errno));
		return TIDE_EIO;
	}
	close(fd);
	if ((p = tide_pbuf_load_file(desc, err, sizeof(err))) == NULL) {
		snprintf(w->err, sizeof(w->err), "--proto-descriptor: %s", err);
		return TIDE_EFORMAT;
	}
	if (msg && (w->pmsg = tide_pbuf_find(p, msg)) == NULL) {
		snprintf(w->err, sizeof(w->err), "--proto-message: %s: no "
		    "such message type in %s", msg, desc);
		tide_pbuf_free(p);
		return TIDE_ENOENT;
	}
	w->pdesc = p;
	return 0;
}

void
tide_wire_release(struct tide_wire *w)
{
	tide_buf_release(&w->buf[0]);
	tide_buf_release(&w->buf[1]);
	tide_buf_release(&w->scratch);
	tide_pbuf_free(w->pdesc);
	w->pdesc = NULL;
}

static void
dec_free(void *p)
{
	struct wire_dec *d = p;

	tide_avro_free(d->avro);
	tide_pbuf_free(d->pb);
	free(d);
}

/* A .proto file's import that is neither one of protoc's well-known
 * files (google/protobuf/) nor one of srcs[0..n) (the schema's
 * references, by the names they give): the name, into name[0..len), or
 * 0 when every import is there. */
static int
proto_ref(const char *t, size_t n, const struct tide_pbuf_src *srcs,
    size_t nsrc, char *name, size_t len)
{
	const char *e = t + n, *nl, *q, *z;
	size_t k, i;

	for (; t < e; t = nl + 1) {
		if ((nl = memchr(t, '\n', (size_t)(e - t))) == NULL)
			nl = e;
		while (t < nl && (*t == ' ' || *t == '\t'))
			t++;
		if (nl - t < 7 || memcmp(t, "import", 6) != 0 ||
		    (t[6] != ' ' && t[6] != '\t'))
			continue;
		/* import [public|weak] "name"; (or 'name') */
		for (q = t + 6; q < nl && *q != '"' && *q != '\''; q++)
			;
		if (q == nl)
			continue;
		if ((z = memchr(q + 1, *q, (size_t)(nl - q - 1))) == NULL)
			z = nl;
		k = (size_t)(z - q - 1);
		if (k > 16 && memcmp(q + 1, "google/protobuf/", 16) == 0)
			continue;
		for (i = 0; i < nsrc; i++)
			if (strlen(srcs[i].name) == k &&
			    memcmp(srcs[i].name, q + 1, k) == 0)
				break;
		if (i < nsrc)
			continue;
		if (k >= len)
			k = len - 1;
		memcpy(name, q + 1, k);
		name[k] = '\0';
		return 1;
	}
	return 0;
}

/* A failure to follow a schema's references, as d->fatal: the
 * registry's (unreachable; or its answers not the API's), or the
 * record's (0: a reference it does not have, or refused). */
static int
dec_fatal(int code)
{
	switch (code) {
	case TIDE_EAGAIN:
		return TIDE_EAGAIN;
	case TIDE_EINTR:	/* a stop signal ended the wait */
		return TIDE_EINTR;
	case TIDE_EIO:
	case TIDE_EFORMAT:
		return TIDE_EIO;
	default:
		return 0;
	}
}

/* The registry's .proto text compiled into d (protoc, once per id), with
 * the files its references name written beside it under those names. */
static void
proto_compile(struct wire_dec *d, struct tide_sreg *reg,
    const struct tide_sreg_schema *s)
{
	struct tide_sreg_dep *deps;
	struct tide_pbuf_src *src;
	char name[128], err[360];
	size_t n, i;
	int rc;

	if ((rc = tide_sreg_deps(reg, s, &deps, &n, d->err,
	    sizeof(d->err))) < 0) {
		d->fatal = dec_fatal(rc);
		return;
	}
	src = tide_xcalloc(n + 1, sizeof(*src));
	/* The schema's own name: one its references do not take. */
	src[0].name = "schema.proto";
	for (i = 0; i < n; i++)
		if (strcmp(deps[i].name, src[0].name) == 0)
			src[0].name = "tide-schema.proto";
	src[0].text = s->text;
	src[0].len = s->len;
	for (i = 0; i < n; i++) {
		src[i + 1].name = deps[i].name;
		src[i + 1].text = deps[i].schema->text;
		src[i + 1].len = deps[i].schema->len;
	}
	/* Each file's imports: protoc's own, or files given. */
	for (i = 0; i <= n; i++)
		if (proto_ref(src[i].text, src[i].len, src + 1, n, name,
		    sizeof(name))) {
			if (i == 0)
				snprintf(d->err, sizeof(d->err), "imports "
				    "\"%s\", which no schema reference names",
				    name);
			else
				snprintf(d->err, sizeof(d->err), "reference "
				    "\"%.100s\" imports \"%s\", which no "
				    "schema reference names", src[i].name,
				    name);
			goto out;
		}
	if ((d->pb = tide_pbuf_compile(src, (int)n + 1, 0, err, sizeof(err))))
		goto out;
	/* protoc that is not there stops the program; protoc refusing the
	 * registry's text makes its records bad input. */
	d->fatal = strstr(err, "protobuf-compiler") != NULL ? TIDE_EIO : 0;
	if (d->fatal || strncmp(err, "protobuf schema: ", 17) == 0)
		snprintf(d->err, sizeof(d->err), "%s", d->fatal ? err : err + 17);
	else
		snprintf(d->err, sizeof(d->err), "protobuf-compiler's %s",
		    err);
out:
	free(src);
	free(deps);
}

/* The registry's Avro schema parsed into d (once per id), the named types
 * of its references known first. */
static void
avro_compile(struct wire_dec *d, struct tide_sreg *reg,
    const struct tide_sreg_schema *s)
{
	struct tide_sreg_dep *deps;
	struct tide_avro_ref *refs;
	size_t n, i, k;
	int rc;

	if ((rc = tide_sreg_deps(reg, s, &deps, &n, d->err,
	    sizeof(d->err))) < 0) {
		d->fatal = dec_fatal(rc);
		return;
	}
	/* A schema given under two names is parsed once. */
	refs = tide_xcalloc(n ? n : 1, sizeof(*refs));
	for (i = k = 0; i < n; i++) {
		size_t m;

		for (m = 0; m < i; m++)
			if (deps[m].schema == deps[i].schema)
				break;
		if (m < i)
			continue;
		refs[k].name = deps[i].name;
		refs[k].json = deps[i].schema->text;
		refs[k++].len = deps[i].schema->len;
	}
	d->avro = tide_avro_parse_refs(s->text, s->len, refs, k, d->err,
	    sizeof(d->err));
	free(refs);
	free(deps);
}

/* The Confluent Protobuf framing's message indexes at p[0..n): their
 * length, or 0 when they do not read. */
static size_t
proto_indexes(const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t count = 0, k;
	int shift;

	for (k = 0; k <= count; k++) {
		uint64_t v = 0;

		for (shift = 0;; shift += 7) {
			if (i >= n || shift > 63)
				return 0;
			v |= (uint64_t)(p[i] & 0x7f) << shift;
			if (!(p[i++] & 0x80))
				break;
		}
		if (k == 0) {
			count = (v >> 1) ^ -(v & 1);
			if (count > n)
				return 0;
		}
	}
	return i;
}

int
tide_wire_bad(int code)
{
	return code == TIDE_EFORMAT || code == TIDE_ENOENT ||
	    code == TIDE_EINVAL || code == TIDE_ETOOBIG ||
	    code == TIDE_EDEPTH;
}

/* The registry's entry for id, its decoder made (once): 0 and *dp, or an
 * error with w->err. */
static int
schema_of(struct tide_wire *w, const char *side, int32_t id,
    struct wire_dec **dp)
{
	const struct tide_sreg_schema *s;
	struct tide_sreg_schema *ms;
	struct wire_dec *d;
	char err[256];
	int r;

	*dp = NULL;
	if ((r = tide_sreg_by_id(w->reg, id, &s, err, sizeof(err))) < 0) {
		const char *url = tide_sreg_url(w->reg);
		size_t ul = strlen(url);

		/* The registry's own trouble names it as such: "value:
		 * schema registry URL unreachable (...)". */
		if (r == TIDE_EAGAIN && strncmp(err, url, ul) == 0 &&
		    strncmp(err + ul, ": unreachable", 13) == 0)
			snprintf(w->err, sizeof(w->err), "%s: schema registry "
			    "%s%s", side, url, err + ul + 1);
		else if (r == TIDE_EAGAIN && strncmp(err, url, ul) == 0)
			snprintf(w->err, sizeof(w->err), "%s: schema registry "
			    "%s", side, err);
		else
			snprintf(w->err, sizeof(w->err), "%s: %s", side, err);
		/* An unknown id is the record's fault; the rest, the
		 * registry's (an answer that is not a schema included). */
		return r == TIDE_ENOENT || r == TIDE_EAGAIN ||
		    r == TIDE_EINTR ? r : TIDE_EIO;
	}
	if (s->type == TIDE_SREG_JSON) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d is a JSON "
		    "schema: not supported", side, id);
		return TIDE_EINVAL;
	}
	/* The entry is the registry's; its decoder slot is ours to fill. */
	ms = (struct tide_sreg_schema *)s;
	if (ms->decoder == NULL) {
		d = tide_xcalloc(1, sizeof(*d));
		if (s->type == TIDE_SREG_AVRO)
			avro_compile(d, w->reg, s);
		else
			proto_compile(d, w->reg, s);
		ms->decoder = d;
		ms->decoder_free = dec_free;
	}
	d = ms->decoder;
	if (d->avro == NULL && d->pb == NULL) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d: %s", side,
		    id, d->err);
		if ((r = d->fatal) == TIDE_EAGAIN) {
			/* A reference the registry did not answer for: asked
			 * again next time, not kept as this schema's fault. */
			ms->decoder = NULL;
			dec_free(d);
		}
		return r ? r : TIDE_EINVAL;
	}
	*dp = d;
	return 0;
}

/* The Confluent framing: the schema's id, and the payload after it. */
static int
framed(struct tide_wire *w, int value, const unsigned char *p, size_t n,
    struct tide_wire_out *o)
{
	struct wire_dec *d;
	struct tide_avro *a;
	struct tide_pbuf *pb;
	enum tide_wire_fmt f = w->fmt[value];
	const char *side = value ? "value" : "key";
	int32_t id;
	char err[256];
	int r;

	if (w->reg == NULL && !(f == TIDE_WIRE_PROTOBUF && w->pdesc)) {
		snprintf(w->err, sizeof(w->err), "%s: --%s-format %s needs "
		    "--schema-registry%s", side, side, fmtname[f],
		    f == TIDE_WIRE_PROTOBUF ? " or --proto-descriptor" : "");
		return TIDE_EINVAL;
	}
	if (n < 5 || p[0] != 0) {
		if (n == 0)
			snprintf(w->err, sizeof(w->err), "%s: empty, not in "
			    "the Confluent wire format", side);
		else if (p[0] != 0)
			snprintf(w->err, sizeof(w->err), "%s: magic byte "
			    "0x%02x, not 0: not in the Confluent wire format",
			    side, p[0]);
		else
			snprintf(w->err, sizeof(w->err), "%s: %zu bytes, "
			    "short of the Confluent framing's 5", side, n);
		return TIDE_EFORMAT;
	}
	id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 8 | p[4]);
	o->schema_id = id;
	if (f == TIDE_WIRE_PROTOBUF && w->pdesc) {
		/* --proto-descriptor: the set, whatever the id says. */
		a = NULL;
		pb = w->pdesc;
	} else {
		if (w->last[value] != NULL && w->last_id[value] == id) {
			d = w->last[value];
		} else {
			if ((r = schema_of(w, side, id, &d)) < 0)
				return r;
			w->last[value] = d;
			w->last_id[value] = id;
		}
		a = d->avro;
		pb = d->pb;
	}
	if (f == TIDE_WIRE_AVRO && a == NULL) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d is "
		    "protobuf, not avro", side, id);
		return TIDE_EINVAL;
	}
	if (f == TIDE_WIRE_PROTOBUF && pb == NULL) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d is avro, "
		    "not protobuf", side, id);
		return TIDE_EINVAL;
	}
	tide_buf_reset(&w->buf[value]);
	if (a)
		r = tide_avro_decode(a, p + 5, n - 5, w->form,
		    &w->buf[value], err, sizeof(err));
	else
		r = tide_pbuf_decode_confluent(pb, p + 5, n - 5, 0,
		    &w->buf[value], err, sizeof(err));
	if (r < 0) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d: %s", side,
		    id, err);
		return r;
	}
	o->as = TIDE_WIRE_TEXT;
	o->p = w->buf[value].data;
	o->n = w->buf[value].len;
	return 0;
}

/* protobuf with --proto-message (no framing), or protobuf-raw (the
 * Confluent framing skipped when there is one: a Protobuf message never
 * starts with a 0 byte, field number 0 being no field). */
static int
bare(struct tide_wire *w, int value, const unsigned char *p, size_t n,
    struct tide_wire_out *o)
{
	const char *side = value ? "value" : "key";
	char err[256];
	size_t h;
	int r;

	tide_buf_reset(&w->buf[value]);
	if (w->fmt[value] == TIDE_WIRE_PROTOBUF) {
		r = tide_pbuf_decode(w->pdesc, w->pmsg, p, n, 0,
		    &w->buf[value], err, sizeof(err));
	} else {
		if (n > 0 && p[0] == 0) {
			if (n < 5) {
				snprintf(w->err, sizeof(w->err), "%s: %zu "
				    "bytes, short of the Confluent framing's "
				    "5", side, n);
				return TIDE_EFORMAT;
			}
			o->schema_id = (int32_t)((uint32_t)p[1] << 24 |
			    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 |
			    p[4]);
			if ((h = proto_indexes(p + 5, n - 5)) == 0) {
				snprintf(w->err, sizeof(w->err), "%s: the "
				    "Confluent message indexes do not read",
				    side);
				return TIDE_EFORMAT;
			}
			p += 5 + h;
			n -= 5 + h;
		}
		r = tide_pbuf_raw(p, n, 0, &w->buf[value], &w->scratch, err,
		    sizeof(err));
	}
	if (r < 0) {
		snprintf(w->err, sizeof(w->err), "%s: %s", side, err);
		return r;
	}
	o->as = TIDE_WIRE_TEXT;
	o->p = w->buf[value].data;
	o->n = w->buf[value].len;
	return 0;
}

int
tide_wire_decode(struct tide_wire *w, int value, const void *p, size_t n,
    struct tide_wire_out *o)
{
	const unsigned char *u = p;
	enum tide_wire_fmt f = w->fmt[value];
	int r;

	o->as = TIDE_WIRE_ASIS;
	o->p = p;
	o->n = n;
	o->schema_id = -1;
	w->err[0] = '\0';
	if (p == NULL)
		return 0;	/* null (a tombstone) stays null */
	switch (f) {
	case TIDE_WIRE_AUTO:
		/* A first byte 0 is the framing's (no JSON and hardly any
		 * text starts so): short of its 5 bytes, it is bad input. */
		if (w->reg == NULL || n == 0 || u[0] != 0)
			return 0;
		return framed(w, value, u, n, o);
	case TIDE_WIRE_AVRO:
		return framed(w, value, u, n, o);
	case TIDE_WIRE_PROTOBUF:
		if (w->pmsg)
			return bare(w, value, u, n, o);
		return framed(w, value, u, n, o);
	case TIDE_WIRE_PROTOBUF_RAW:
		return bare(w, value, u, n, o);
	case TIDE_WIRE_STRING:
		tide_buf_reset(&w->buf[value]);
		if ((r = tide_json_write_str(&w->buf[value], p, n)) < 0)
			return r;
		o->as = TIDE_WIRE_TEXT;
		o->p = w->buf[value].data;
		o->n = w->buf[value].len;
		return 0;
	case TIDE_WIRE_BYTES:
		o->as = TIDE_WIRE_B64;
		return 0;
	default:
		return 0;
	}
}

int32_t
tide_wire_framed_id(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t id;

	if (p == NULL || n < 5 || b[0] != 0)
		return 0;
	id = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 8 | b[4];
	return id >= 1 && id < (1u << 24) ? (int32_t)id : 0;
}

int
tide_wire_watch(const struct tide_wire *w)
{
	return w->reg == NULL && w->fmt[1] == TIDE_WIRE_AUTO;
}
