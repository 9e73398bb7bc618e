#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "schema/avro.h"
#include "schema/senc.h"
#include "schema/sreg.h"

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
	if (!(*a = tide_avro_parse(s->text, s->len, err, sizeof(err)))) {
		snprintf(why, whylen, "%s: schema id %ld: not an Avro schema "
		    "tide can use: %s", e->name, (long)id32, err);
		return TIDE_EINVAL;
	}
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

	if (!a) {
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
	if ((rc = tide_avro_encode(a, json, len, &e->out, reason,
	    sizeof(reason))) < 0) {
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
	if (e->byid.slots)
		while ((ap = tide_htab_next(&e->byid, &pos, &k, &kl)))
			tide_avro_free(*ap);
	tide_htab_release(&e->byid);
	tide_buf_release(&e->out);
}
