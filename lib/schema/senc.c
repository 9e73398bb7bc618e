#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "schema/avro.h"
#include "schema/pbenc.h"
#include "schema/pbuf.h"
#include "schema/senc.h"
#include "schema/sreg.h"
#include "xalloc.h"

#define SENC_MAXSCHEMA (16u << 20)

/* An .avsc file's text, NUL-terminated, in e->out (its cap: 16M). */
static int
senc_read(struct tide_senc *e, const char *file, char *err, size_t errlen)
{
	char chunk[8192];
	size_t n;
	FILE *f;
	int rc = 0, en;

	if ((f = fopen(file, "r")) == NULL) {
		en = errno;
		snprintf(err, errlen, "%s schema: cannot read '%s': %s",
		    e->name, file, strerror(en));
		errno = en;
		return TIDE_EIO;
	}
	e->out.max = SENC_MAXSCHEMA;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = tide_buf_add(&e->out, chunk, n);
	en = errno;
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s schema: cannot read '%s': %s",
		    e->name, file, strerror(en));
		rc = TIDE_EIO;
	} else if (rc < 0) {
		snprintf(err, errlen, "%s schema '%s': over 16M", e->name,
		    file);
		rc = TIDE_EINVAL;
	}
	fclose(f);
	e->out.max = TIDE_BUF_NOMAX;
	if (rc == 0)
		tide_buf_cstr(&e->out);
	errno = en;
	return rc;
}

/* The Protobuf set from .proto text (protoc), named as its file. */
static int
senc_compile(struct tide_senc *e, const char *file, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct tide_pbuf_src src;
	const char *base = file ? strrchr(file, '/') : NULL;
	char why[512];

	src.name = file ? (base ? base + 1 : file) : "schema.proto";
	src.text = text;
	src.len = len;
	if ((e->pb = tide_pbuf_compile(&src, 1, 0, why, sizeof(why))))
		return 0;
	snprintf(err, errlen, "%s schema%s%s%s: %s", e->name, file ? " '" : "",
	    file ? file : "", file ? "'" : "", why);
	/* protoc missing is the machine's trouble (69), not the schema's. */
	return strstr(why, "protobuf-compiler") ? TIDE_EIO : TIDE_EINVAL;
}

/* The message type to encode, its indexes in the framing, its encoder. */
static int
senc_message(struct tide_senc *e, const char *pmsg, char *err, size_t errlen)
{
	const struct tide_pbuf_msg *m;
	int32_t idx[TIDE_PBUF_MAXDEPTH + 1];
	unsigned char *o = e->idx;
	uint64_t z;
	int n, i;

	m = pmsg ? tide_pbuf_find(e->pb, pmsg) : tide_pbuf_first(e->pb);
	if (!m) {
		if (pmsg)
			snprintf(err, errlen, "%s: no message type %s in the "
			    "schema", e->name, pmsg);
		else
			snprintf(err, errlen, "%s: the schema's file declares "
			    "no message", e->name);
		return TIDE_EINVAL;
	}
	if ((n = tide_pbuf_indexes(e->pb, m, idx, TIDE_PBUF_MAXDEPTH)) < 0) {
		snprintf(err, errlen, "%s: message type %s is not in the "
		    "schema's own file (an import's)", e->name,
		    tide_pbuf_msg_name(m));
		return TIDE_EINVAL;
	}
	/* [0] is one 0 byte, as Confluent writes it; else zig-zag varints:
	 * the count, then the indexes. */
	if (n == 1 && idx[0] == 0)
		n = 0;
	for (i = -1; i < n; i++) {
		z = i < 0 ? (uint64_t)n << 1 : (uint64_t)idx[i] << 1;
		for (; z >= 0x80; z >>= 7)
			*o++ = (unsigned char)(z | 0x80);
		*o++ = (unsigned char)z;
	}
	e->nidx = (size_t)(o - e->idx);
	e->msgname = tide_pbuf_msg_name(m);
	e->pbe = tide_pbenc_new(e->pb, m);
	return 0;
}

/* The registry's Avro schema s parsed, the named types of its references
 * (fetched as the consume side fetches them, lib/schema/wire) known
 * first: 0 and *a, or a TIDE_E* code with err "NAME: schema id N: ...":
 * tide_sreg_deps's for a reference the registry cannot give, TIDE_EINVAL
 * for a schema tide cannot use. */
static int
senc_avro_reg(const char *name, struct tide_sreg *r,
    const struct tide_sreg_schema *s, struct tide_avro **a, char *err,
    size_t errlen)
{
	struct tide_sreg_dep *deps = NULL;
	struct tide_avro_ref *refs;
	size_t n = 0, i, k, m;
	char why[768];
	int rc;

	*a = NULL;
	if (s->nrefs > 0 && (rc = tide_sreg_deps(r, s, &deps, &n, why,
	    sizeof(why))) < 0) {
		snprintf(err, errlen, "%s: schema id %ld: %s", name,
		    (long)s->id, why);
		return rc;
	}
	/* A schema given under two names is parsed once. */
	refs = tide_xcalloc(n ? n : 1, sizeof(*refs));
	for (i = k = 0; i < n; i++) {
		for (m = 0; m < i && deps[m].schema != deps[i].schema; m++)
			;
		if (m < i)
			continue;
		refs[k].name = deps[i].name;
		refs[k].json = deps[i].schema->text;
		refs[k++].len = deps[i].schema->len;
	}
	*a = tide_avro_parse_refs(s->text, s->len, refs, k, why, sizeof(why));
	free(refs);
	free(deps);
	if (!*a) {
		snprintf(err, errlen, "%s: schema id %ld: not an Avro schema "
		    "tide can use: %s", name, (long)s->id, why);
		return TIDE_EINVAL;
	}
	return 0;
}

/* tide_senc_open for Protobuf: a .proto file (compiled, registered
 * unless its id is given), a descriptor set with its id, or a
 * subject's latest version or an id from the registry. */
static int
senc_open_proto(struct tide_senc *e, const struct tide_senc_conf *c,
    struct tide_sreg *r, char *err, size_t errlen)
{
	const struct tide_sreg_schema *s = NULL;
	struct tide_buf subj = TIDE_BUF_INIT;
	int32_t id = (int32_t)c->id;
	int rc;

	if (c->pdesc) {
		FILE *f;
		char why[512];

		if ((f = fopen(c->pdesc, "r")) == NULL) {
			snprintf(err, errlen, "--proto-descriptor: %s: %s",
			    c->pdesc, strerror(errno));
			e->file_err = 1;
			return TIDE_EIO;
		}
		fclose(f);
		if (!(e->pb = tide_pbuf_load_file(c->pdesc, why,
		    sizeof(why)))) {
			snprintf(err, errlen, "--proto-descriptor: %s", why);
			return TIDE_EINVAL;
		}
	} else if (c->file) {
		if ((rc = senc_read(e, c->file, err, errlen)) < 0) {
			e->file_err = rc == TIDE_EIO;
			return rc;
		}
		/* Compiled before it is registered: text protoc refuses
		 * never reaches the registry. */
		if ((rc = senc_compile(e, c->file, e->out.data, e->out.len, err,
		    errlen)) < 0)
			return rc;
		if (c->id < 0) {
			if (!r) {
				snprintf(err, errlen, "%s schema '%s': no "
				    "registry to register it with, and no "
				    "schema id", c->name, c->file);
				return TIDE_EINVAL;
			}
			if (c->subject)
				tide_buf_addf(&subj, "%s", c->subject);
			else
				tide_buf_addf(&subj, "%s-%s", c->topic ?
				    c->topic : "", c->name);
			rc = tide_sreg_register(r, tide_buf_cstr(&subj),
			    TIDE_SREG_PROTOBUF, e->out.data, e->out.len, &id,
			    err, errlen);
			tide_buf_release(&subj);
			if (rc < 0)
				return rc;
		}
	} else {
		if (!r) {
			snprintf(err, errlen, "%s: no schema registry to ask",
			    c->name);
			return TIDE_EINVAL;
		}
		rc = c->id >= 0 ? tide_sreg_by_id(r, id, &s, err, errlen) :
		    tide_sreg_latest(r, c->subject, &s, err, errlen);
		if (rc < 0)
			return rc;
		if (s->type != TIDE_SREG_PROTOBUF) {
			snprintf(err, errlen, "%s: schema id %ld is not a "
			    "Protobuf schema", c->name, (long)s->id);
			return TIDE_EINVAL;
		}
		id = s->id;
		if ((rc = senc_compile(e, NULL, s->text, s->len, err,
		    errlen)) < 0)
			return rc;
	}
	e->id = id;
	return senc_message(e, c->pmsg, err, errlen);
}

int
tide_senc_open(struct tide_senc *e, const struct tide_senc_conf *c,
    struct tide_sreg *r, char *err, size_t errlen)
{
	const struct tide_sreg_schema *s = NULL;
	struct tide_buf subj = TIDE_BUF_INIT;
	const char *text = NULL;
	size_t len = 0;
	char why[768];
	int32_t id;
	int rc;

	memset(e, 0, sizeof(*e));
	e->name = c->name;
	tide_buf_init(&e->out, TIDE_BUF_NOMAX);
	tide_htab_init(&e->byid, sizeof(struct tide_avro *));
	if (c->by_record) {
		if (!r) {
			snprintf(err, errlen, "%s: no schema registry to ask",
			    c->name);
			return TIDE_EINVAL;
		}
		e->reg = r;
		e->id = -1;
		return 0;
	}
	if (c->kind == TIDE_SENC_PROTOBUF)
		return senc_open_proto(e, c, r, err, errlen);
	if (c->file) {
		if ((rc = senc_read(e, c->file, err, errlen)) < 0) {
			e->file_err = rc == TIDE_EIO;
			return rc;
		}
		text = e->out.data;
		len = e->out.len;
		/* Parsed before it is registered: a file that is not a
		 * schema tide can use (not JSON, too deep, self-contained)
		 * is refused here, and never sent to the registry. */
		if (!(e->avro = tide_avro_parse(text, len, why,
		    sizeof(why)))) {
			snprintf(err, errlen, "%s schema '%s': not an Avro "
			    "schema: %s", c->name, c->file, why);
			return TIDE_EINVAL;
		}
	}
	if (text && c->id >= 0)
		id = (int32_t)c->id;
	else if (text) {
		if (!r) {
			snprintf(err, errlen, "%s schema '%s': no registry to "
			    "register it with, and no schema id", c->name,
			    c->file);
			return TIDE_EINVAL;
		}
		if (c->subject)
			tide_buf_addf(&subj, "%s", c->subject);
		else
			tide_buf_addf(&subj, "%s-%s", c->topic ? c->topic : "",
			    c->name);
		rc = tide_sreg_register(r, tide_buf_cstr(&subj),
		    TIDE_SREG_AVRO, text, len, &id, err, errlen);
		tide_buf_release(&subj);
		if (rc < 0)
			return rc;
	} else {
		if (!r) {
			snprintf(err, errlen, "%s: no schema registry to ask",
			    c->name);
			return TIDE_EINVAL;
		}
		if (c->id >= 0)
			rc = tide_sreg_by_id(r, (int32_t)c->id, &s, err, errlen);
		else if (c->subject)
			rc = tide_sreg_latest(r, c->subject, &s, err, errlen);
		else {
			snprintf(err, errlen, "%s: no schema given", c->name);
			return TIDE_EINVAL;
		}
		if (rc < 0)
			return rc;
		if (s->type != TIDE_SREG_AVRO) {
			snprintf(err, errlen, "%s: schema id %ld is not an "
			    "Avro schema", c->name, (long)s->id);
			return TIDE_EINVAL;
		}
		if ((rc = senc_avro_reg(c->name, r, s, &e->avro, err,
		    errlen)) < 0)
			return rc;
		id = s->id;
		text = s->text;
		len = s->len;
	}
	if (!e->avro &&
	    !(e->avro = tide_avro_parse(text, len, why, sizeof(why)))) {
		snprintf(err, errlen, "%s: schema id %ld: not an Avro schema "
		    "tide can use: %s", c->name, (long)id, why);
		return TIDE_EINVAL;
	}
	e->id = id;
	return 0;
}

/* The parsed schema of id, fetched and parsed once (by_record). */
static int __attribute__((noinline))
senc_schema(struct tide_senc *e, int64_t id, struct tide_avro **a, char *why,
    size_t whylen)
{
	const struct tide_sreg_schema *s;
	struct tide_avro **ap;
	char err[768];
	int32_t id32;
	int rc;

	if (id < 0) {
		snprintf(why, whylen, "%s: no %s_schema_id in the envelope, and "
		    "no schema given", e->name, e->name);
		return TIDE_EINVAL;
	}
	id32 = (int32_t)id;
	if ((ap = tide_htab_get(&e->byid, &id32, sizeof(id32)))) {
		*a = *ap;
		return 0;
	}
	if ((rc = tide_sreg_by_id(e->reg, id32, &s, err, sizeof(err))) < 0) {
		snprintf(why, whylen, "%s: %s", e->name, err);
		return rc == TIDE_ENOENT || rc == TIDE_EINVAL ? TIDE_EINVAL : rc;
	}
	if (s->type != TIDE_SREG_AVRO) {
		snprintf(why, whylen, "%s: schema id %ld is not an Avro schema",
		    e->name, (long)id32);
		return TIDE_EINVAL;
	}
	if ((rc = senc_avro_reg(e->name, e->reg, s, a, why, whylen)) < 0)
		return rc == TIDE_ENOENT || rc == TIDE_EINVAL ? TIDE_EINVAL :
		    rc;
	ap = tide_htab_put(&e->byid, &id32, sizeof(id32), NULL);
	*ap = *a;
	return 0;
}

int
tide_senc_encode(void *ctx, const char *json, size_t len, int64_t id,
    const void **out, size_t *outlen, char *why, size_t whylen)
{
	struct tide_senc *e = ctx;
	struct tide_avro *a = e->avro;
	uint32_t sid = (uint32_t)e->id;
	unsigned char hdr[5];
	char reason[512];
	int rc;

	if (!a && !e->pbe) {
		if ((rc = senc_schema(e, id, &a, why, whylen)) < 0)
			return rc;
		sid = (uint32_t)id;
	}
	hdr[0] = 0;
	hdr[1] = (unsigned char)(sid >> 24);
	hdr[2] = (unsigned char)(sid >> 16);
	hdr[3] = (unsigned char)(sid >> 8);
	hdr[4] = (unsigned char)sid;
	tide_buf_reset(&e->out);
	if ((rc = tide_buf_add(&e->out, hdr, sizeof(hdr))) < 0)
		return rc;
	if (e->pbe && (rc = tide_buf_add(&e->out, e->idx, e->nidx)) < 0)
		return rc;
	if ((rc = e->pbe ? tide_pbenc_encode(e->pbe, json, len, &e->out,
	    reason, sizeof(reason)) : tide_avro_encode(a, json, len, &e->out,
	    reason, sizeof(reason))) < 0) {
		snprintf(why, whylen, "%s does not fit the schema: %s", e->name,
		    reason);
		return rc;
	}
	*out = e->out.data;
	*outlen = e->out.len;
	return 0;
}

void
tide_senc_release(struct tide_senc *e)
{
	struct tide_avro **ap;
	const char *k;
	size_t kl, pos = 0;

	if (e->avro)
		tide_avro_free(e->avro);
	e->avro = NULL;
	tide_pbenc_free(e->pbe);
	e->pbe = NULL;
	if (e->pb)
		tide_pbuf_free(e->pb);
	e->pb = NULL;
	if (e->byid.slots)
		while ((ap = tide_htab_next(&e->byid, &pos, &k, &kl)))
			tide_avro_free(*ap);
	tide_htab_release(&e->byid);
	tide_buf_release(&e->out);
}

/* --- tide-sink's options ---------------------------------------------- */

/* 0: json or none, 1: avro, 2: protobuf, -1: none of them. */
static int
senc_fmt(const char *f)
{
	if (!f || strcmp(f, "json") == 0)
		return 0;
	if (strcmp(f, "avro") == 0)
		return 1;
	return strcmp(f, "protobuf") == 0 ? 2 : -1;
}

#define SENC_FAIL(...)	(snprintf(msg, msglen, __VA_ARGS__), TIDE_EINVAL)

int
tide_senc_opts_check(const struct tide_senc_opts *so, unsigned sink,
    unsigned *sides, char *msg, size_t msglen)
{
	static const char *const names[2][2] = {
		{ "key-schema", "key-subject" },
		{ "value-schema", "value-subject" } };
	static const char *const fname[] = { "json", "avro", "protobuf" };
	int fmt[2], i, on;

	*sides = 0;
	for (i = 1; i >= 0; i--) {
		if ((fmt[i] = senc_fmt(so->format[i])) < 0)
			return SENC_FAIL("--%s-format: unknown format '%s' "
			    "(json, avro, protobuf)", i ? "value" : "key",
			    so->format[i]);
		if (so->schema[i] && !*so->schema[i])
			return SENC_FAIL("--%s: empty name", names[i][0]);
		if (so->subject[i] && !*so->subject[i])
			return SENC_FAIL("--%s: empty name", names[i][1]);
	}
	if ((so->pdesc && !*so->pdesc) || (so->pmsg && !*so->pmsg))
		return SENC_FAIL("--proto-%s: empty name", so->pdesc &&
		    !*so->pdesc ? "descriptor" : "message");
	if (!fmt[1] && (so->schema[1] || so->subject[1] || so->schema_id >= 0))
		return SENC_FAIL("--value-schema, --value-subject and "
		    "--schema-id go with --value-format avro or protobuf");
	if (!fmt[0] && (so->schema[0] || so->subject[0]))
		return SENC_FAIL("--key-schema and --key-subject go with "
		    "--key-format avro or protobuf");
	if (fmt[1] != 2 && (so->pdesc || so->pmsg))
		return SENC_FAIL("--proto-descriptor and --proto-message go "
		    "with --value-format protobuf");
	if (!fmt[1] && !fmt[0])
		return 0;
	on = fmt[1] ? fmt[1] : fmt[0];
	if (!(sink & TIDE_SENC_TOPIC))
		return SENC_FAIL("--value-format %s and --key-format %s go "
		    "with -t", fname[on], fname[on]);
	if (sink & TIDE_SENC_TEE)
		return SENC_FAIL("--tee: not with %s: the messages are not "
		    "JSON", on == 1 ? "Avro" : "Protobuf");
	if (so->pdesc && (so->schema[1] || so->subject[1]))
		return SENC_FAIL("--proto-descriptor: not with --value-schema "
		    "or --value-subject (give its --schema-id)");
	/* --schema-id names the schema: a subject beside it would be
	 * neither registered under nor looked up, so it is refused, not
	 * ignored (as kafka-avro-console-producer refuses it). */
	if (so->subject[1] && so->schema_id >= 0)
		return SENC_FAIL("--value-subject and --schema-id: not "
		    "together (--schema-id names the schema%s; --value-subject "
		    "would be ignored)", so->schema[1] ? ", registered "
		    "already" : "");
	if (so->pdesc && so->schema_id < 0)
		return SENC_FAIL("--proto-descriptor: give --schema-id (or "
		    "--value-schema FILE.proto to register the schema)");
	if (fmt[1] == 1 && !so->schema[1] && !so->subject[1] &&
	    so->schema_id < 0 && !(sink & TIDE_SENC_ENVELOPE))
		return SENC_FAIL("--value-format avro: give --value-schema, "
		    "--value-subject or --schema-id (or -J: each envelope's "
		    "value_schema_id)");
	if (fmt[1] == 2 && !so->schema[1] && !so->subject[1] &&
	    so->schema_id < 0)
		return SENC_FAIL("--value-format protobuf: give --value-schema, "
		    "--value-subject, --schema-id or --proto-descriptor");
	if (fmt[0] && !so->schema[0] && !so->subject[0])
		return SENC_FAIL("--key-format %s: give --key-schema or "
		    "--key-subject", fname[fmt[0]]);
	if (fmt[0] && (!(sink & TIDE_SENC_KEY) || (sink & TIDE_SENC_ENVELOPE)))
		return SENC_FAIL("--key-format %s: goes with -k, not with -J",
		    fname[fmt[0]]);
	*sides = (fmt[0] ? 1u : 0u) | (fmt[1] ? 2u : 0u);
	return 0;
}

int
tide_senc_opts_need(const struct tide_senc_opts *so,
    const struct tide_sreg *r, char *msg, size_t msglen)
{
	int val = senc_fmt(so->format[1]) > 0, key = senc_fmt(so->format[0]) > 0;

	/* A file or a set with its id needs no registry; the rest does. */
	if (r || !((val && !((so->schema[1] || so->pdesc) &&
	    so->schema_id >= 0)) || key))
		return 0;
	return SENC_FAIL("no schema registry: give --schema-registry or set "
	    "TIDE_SCHEMA_REGISTRY%s", val && so->schema[1] ?
	    " (or --schema-id with --value-schema)" : "");
}

int
tide_senc_setup(struct tide_senc *e, const struct tide_senc_opts *so,
    int value, const char *topic, struct tide_sreg *r, char *err,
    size_t errlen)
{
	struct tide_senc_conf c;

	memset(&c, 0, sizeof(c));
	c.name = value ? "value" : "key";
	c.kind = senc_fmt(so->format[value]) == 2 ? TIDE_SENC_PROTOBUF :
	    TIDE_SENC_AVRO;
	if (value) {
		c.pdesc = so->pdesc;
		c.pmsg = so->pmsg;
	}
	c.file = so->schema[value];
	c.subject = so->subject[value];
	c.topic = topic;
	c.id = value ? so->schema_id : -1;
	/* -J and no schema named: each envelope's own schema id. */
	c.by_record = !c.file && !c.subject && c.id < 0 && !c.pdesc;
	return tide_senc_open(e, &c, r, err, errlen);
}

const char *
tide_senc_describe(const struct tide_senc *e, char *buf, size_t len)
{
	if (e->pbe)
		snprintf(buf, len, "%s: Protobuf schema id %ld, message %s",
		    e->name, (long)e->id, e->msgname);
	else if (e->avro)
		snprintf(buf, len, "%s: Avro schema id %ld", e->name,
		    (long)e->id);
	else
		snprintf(buf, len, "%s: Avro, each envelope's %s_schema_id",
		    e->name, e->name);
	return buf;
}
