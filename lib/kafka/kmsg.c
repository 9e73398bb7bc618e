#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "kafka/kmsg.h"
#include "schema/wire.h"
#include "xalloc.h"

void
tide_kmsg_env(const rd_kafka_message_t *m, struct tide_env *e,
    struct tide_env_hdr **hdrs, size_t *cap)
{
	rd_kafka_headers_t *hs;
	rd_kafka_timestamp_type_t tt;
	const void *hv;
	const char *hn;
	size_t hl, i = 0;

	e->topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
	e->topiclen = strlen(e->topic);
	e->partition = m->partition;
	e->offset = m->offset;
	e->ts = rd_kafka_message_timestamp(m, &tt);
	e->ts_type = tt == RD_KAFKA_TIMESTAMP_CREATE_TIME ? TIDE_ENV_TS_CREATE :
	    tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? TIDE_ENV_TS_LOG_APPEND :
	    TIDE_ENV_TS_NONE;
	e->key = m->key;
	e->keylen = m->key_len;
	e->value = m->payload;
	e->len = m->len;
	e->key_as = e->value_as = TIDE_ENV_AS_AUTO;
	e->has_key_schema_id = e->has_value_schema_id = 0;
	e->key_schema_id = e->value_schema_id = 0;
	/* rd_kafka_message_headers() wants a non-const message but only
	 * parses the headers it carries; it allocates (a list, even an
	 * empty one), so only for a caller that writes them. */
	if (hdrs && rd_kafka_message_headers((rd_kafka_message_t *)m,
	    &hs) == 0) {
		for (; rd_kafka_header_get_all(hs, i, &hn, &hv, &hl) == 0; i++) {
			if (i == *cap) {
				*cap = *cap ? 2 * *cap : 8;
				*hdrs = tide_xreallocarray(*hdrs, *cap,
				    sizeof(**hdrs));
			}
			(*hdrs)[i].name = hn;
			(*hdrs)[i].namelen = strlen(hn);
			(*hdrs)[i].value = hv;
			(*hdrs)[i].len = hv ? hl : 0;
		}
	}
	e->hdrs = hdrs ? *hdrs : NULL;
	e->nhdrs = i;
}

static enum tide_env_as env_as(enum tide_wire_as as);

int
tide_kmsg_where(struct tide_expr *x, struct tide_wire *w,
    const rd_kafka_message_t *m, const char *rec, size_t n,
    struct tide_env_hdr **hdrs, size_t *cap)
{
	struct tide_expr_meta meta;
	struct tide_wire_out k;
	struct tide_env e;
	int r;

	memset(&meta, 0, sizeof(meta));
	if (x->uses_meta) {
		tide_kmsg_env(m, &e, x->uses_hdrs ? hdrs : NULL, cap);
		if (w) {
			if ((r = tide_wire_decode(w, 0, e.key, e.keylen,
			    &k)) < 0)
				return r;
			e.key = k.p;
			e.keylen = k.n;
			e.key_as = env_as(k.as);
		}
		tide_expr_meta_env(&meta, &e);
	}
	return rec ? tide_expr_eval_rec(x, rec, n, &meta) :
	    tide_expr_eval(x, NULL, &meta);
}

static enum tide_env_as
env_as(enum tide_wire_as as)
{
	return as == TIDE_WIRE_TEXT ? TIDE_ENV_AS_JSON :
	    as == TIDE_WIRE_B64 ? TIDE_ENV_AS_B64 : TIDE_ENV_AS_AUTO;
}

int
tide_kmsg_decode(struct tide_wire *w, struct tide_env *e)
{
	struct tide_wire_out k, v;
	int r;

	if ((r = tide_wire_decode(w, 0, e->key, e->keylen, &k)) < 0 ||
	    (r = tide_wire_decode(w, 1, e->value, e->len, &v)) < 0)
		return r;
	e->key = k.p;
	e->keylen = k.n;
	e->key_as = env_as(k.as);
	e->has_key_schema_id = k.schema_id >= 0;
	e->key_schema_id = k.schema_id;
	e->value = v.p;
	e->len = v.n;
	e->value_as = env_as(v.as);
	e->has_value_schema_id = v.schema_id >= 0;
	e->value_schema_id = v.schema_id;
	return 0;
}

int
tide_kmsg_payload(struct tide_buf *b, const struct tide_env *e)
{
	int r;

	switch (e->value_as) {
	case TIDE_ENV_AS_JSON:
		return e->value ? tide_buf_add(b, e->value, e->len) :
		    tide_buf_add(b, "null", 4);
	case TIDE_ENV_AS_B64:
		if ((r = tide_buf_addc(b, '"')) < 0 ||
		    (r = tide_b64_encode(b, e->value, e->len)) < 0)
			return r;
		return tide_buf_addc(b, '"');
	default:
		return tide_env_payload(b, e->value, e->len, NULL);
	}
}

/* m's line, raw (before --keep, --drop or --print) or as written: 0, or
 * the wire's error (the message does not decode), b as it was. */
static int
out_line(struct tide_kmsg_out *ko, const rd_kafka_message_t *m,
    struct tide_buf *b, int raw)
{
	struct tide_env e;
	int print = ko->pf && ko->pf->on && !raw;
	size_t start = b->len;
	int r;

	if (!ko->envelope && !print && ko->wire == NULL)
		r = tide_env_payload(b, m->payload, m->len, NULL);
	else {
		/* The envelope tide-replay -J writes too: one builder;
		 * the headers only when they are written. */
		tide_kmsg_env(m, &e, ko->envelope || (print && ko->pf->hdrs) ?
		    &ko->hdrs : NULL, &ko->hdrcap);
		if (ko->wire && (r = tide_kmsg_decode(ko->wire, &e)) < 0)
			return r;
		if (print) {
			(void)tide_printfmt_write(ko->pf, &e, b);
			return 0;
		}
		r = ko->envelope ? tide_env_encode(b, &e) :
		    tide_kmsg_payload(b, &e);
	}
	if (r == 0 && !raw && ko->proj)
		r = tide_proj_tail(ko->proj, b, start);
	if (r == 0)
		(void)tide_buf_addc(b, '\n');
	return 0;
}

int
tide_kmsg_out(struct tide_kmsg_out *ko, const rd_kafka_message_t *m,
    struct tide_buf *b, int write)
{
	size_t at = b->len;
	int shaped = (ko->pf && ko->pf->on) || (ko->proj &&
	    tide_proj_on(ko->proj));
	int r;

	if (ko->where && ko->where->meta_only &&
	    (r = tide_kmsg_where(ko->where, ko->wire, m, NULL, 0, &ko->hdrs,
	    &ko->hdrcap)) != 1)
		return r;
	if (ko->where && !ko->where->meta_only) {
		if ((r = out_line(ko, m, b, shaped)) < 0)
			return r;
		r = tide_kmsg_where(ko->where, ko->wire, m, b->data + at,
		    b->len - at - 1, &ko->hdrs, &ko->hdrcap);
		if (r != 1 || shaped || !write)
			b->len = at;
		if (r != 1 || !shaped || !write)
			return r;
	}
	if (write && (r = out_line(ko, m, b, 0)) < 0)
		return r;
	if (!write && ko->wire && !(ko->where && !ko->where->meta_only)) {
		/* --summary counts what decodes: bad input is not counted. */
		struct tide_env e;

		tide_kmsg_env(m, &e, NULL, NULL);
		if ((r = tide_kmsg_decode(ko->wire, &e)) < 0)
			return r;
	}
	return 1;
}

void
tide_kmsg_out_release(struct tide_kmsg_out *ko)
{
	free(ko->hdrs);
	ko->hdrs = NULL;
	ko->hdrcap = 0;
}
