/*
 * lib/schema/wire: a record's key and value read as their formats say,
 * the Confluent framing stripped, the schema found by id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "err.h"
#include "json.h"
#include "schema/sreg.h"
#include "schema/wire.h"
#include "xalloc.h"

static const char *const fmtname[] = {
	"auto", "json", "avro", "protobuf", "string", "bytes"
};

/* What the registry's entry caches: the parsed schema, or why it is not
 * one (so a bad schema is parsed once, not once per record). */
struct wire_dec {
	struct tide_avro *avro;
	char err[256];
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
		return "--key-format: not auto, json, avro, protobuf, string "
		    "or bytes";
	if (wo->value && tide_wire_fmt_parse(wo->value, valuef) < 0)
		return "--value-format: not auto, json, avro, protobuf, "
		    "string or bytes";
	if (wo->json && strcmp(wo->json, "spec") == 0)
		*form = TIDE_AVRO_SPEC;
	else if (wo->json && strcmp(wo->json, "plain") != 0)
		return "--avro-json: not plain or spec";
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
}

void
tide_wire_release(struct tide_wire *w)
{
	tide_buf_release(&w->buf[0]);
	tide_buf_release(&w->buf[1]);
}

static void
dec_free(void *p)
{
	struct wire_dec *d = p;

	tide_avro_free(d->avro);
	free(d);
}

int
tide_wire_bad(int code)
{
	return code == TIDE_EFORMAT || code == TIDE_ENOENT ||
	    code == TIDE_EINVAL || code == TIDE_ETOOBIG;
}

/* The Confluent framing: the schema's id, and the payload after it. */
static int
framed(struct tide_wire *w, int value, const unsigned char *p, size_t n,
    struct tide_wire_out *o)
{
	const struct tide_sreg_schema *s;
	struct tide_sreg_schema *ms;
	struct wire_dec *d;
	struct tide_avro *a;
	const char *side = value ? "value" : "key";
	int32_t id;
	char err[256];
	int r;

	if (w->reg == NULL) {
		snprintf(w->err, sizeof(w->err), "%s: --%s-format %s needs "
		    "--schema-registry", side, side, fmtname[w->fmt[value]]);
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
	if (w->last[value] != NULL && w->last_id[value] == id) {
		a = w->last[value];
		goto decode;
	}
	if ((r = tide_sreg_by_id(w->reg, id, &s, err, sizeof(err))) < 0) {
		snprintf(w->err, sizeof(w->err), "%s: %s", side, err);
		/* An unknown id is the record's fault; the rest, the
		 * registry's (an answer that is not a schema included). */
		return r == TIDE_ENOENT || r == TIDE_EAGAIN ? r : TIDE_EIO;
	}
	if (s->type != TIDE_SREG_AVRO) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d is %s: not "
		    "supported yet", side, id, s->type == TIDE_SREG_PROTOBUF ?
		    "protobuf" : "a JSON schema");
		return TIDE_EINVAL;
	}
	/* The entry is the registry's; its decoder slot is ours to fill. */
	ms = (struct tide_sreg_schema *)s;
	if (ms->decoder == NULL) {
		d = tide_xcalloc(1, sizeof(*d));
		d->avro = tide_avro_parse(s->text, s->len, d->err,
		    sizeof(d->err));
		ms->decoder = d;
		ms->decoder_free = dec_free;
	}
	d = ms->decoder;
	if (d->avro == NULL) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d: %s", side,
		    id, d->err);
		return TIDE_EINVAL;
	}
	a = w->last[value] = d->avro;
	w->last_id[value] = id;
decode:
	tide_buf_reset(&w->buf[value]);
	if ((r = tide_avro_decode(a, p + 5, n - 5, w->form,
	    &w->buf[value], err, sizeof(err))) < 0) {
		snprintf(w->err, sizeof(w->err), "%s: schema id %d: %s", side,
		    id, err);
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
		if (w->reg == NULL || n < 5 || u[0] != 0)
			return 0;
		return framed(w, value, u, n, o);
	case TIDE_WIRE_AVRO:
		return framed(w, value, u, n, o);
	case TIDE_WIRE_PROTOBUF:
		snprintf(w->err, sizeof(w->err), "%s: protobuf is not "
		    "supported yet", value ? "value" : "key");
		return TIDE_EINVAL;
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
