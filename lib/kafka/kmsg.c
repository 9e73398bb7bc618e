#include <stdlib.h>
#include <string.h>

#include "kafka/kmsg.h"
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
	/* rd_kafka_message_headers() wants a non-const message but only
	 * parses the headers it carries. */
	if (rd_kafka_message_headers((rd_kafka_message_t *)m, &hs) == 0) {
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
	e->hdrs = *hdrs;
	e->nhdrs = i;
}

int
tide_kmsg_where(struct tide_expr *x, const rd_kafka_message_t *m,
    const char *rec, size_t n, struct tide_env_hdr **hdrs, size_t *cap)
{
	struct tide_expr_meta meta;
	struct tide_env e;

	memset(&meta, 0, sizeof(meta));
	if (x->uses_meta) {
		tide_kmsg_env(m, &e, hdrs, cap);
		tide_expr_meta_env(&meta, &e);
	}
	return rec ? tide_expr_eval_rec(x, rec, n, &meta) :
	    tide_expr_eval(x, NULL, &meta);
}

/* m's line, raw (before --keep, --drop or --print) or as written. */
static void
out_line(struct tide_kmsg_out *ko, const rd_kafka_message_t *m,
    struct tide_buf *b, int raw)
{
	struct tide_env e;
	int print = ko->pf && ko->pf->on && !raw;
	size_t start = b->len;
	int r;

	if (!ko->envelope && !print)
		r = tide_env_payload(b, m->payload, m->len, NULL);
	else {
		/* The envelope tide-replay -J writes too: one builder. */
		tide_kmsg_env(m, &e, &ko->hdrs, &ko->hdrcap);
		if (print) {
			(void)tide_printfmt_write(ko->pf, &e, b);
			return;
		}
		r = tide_env_encode(b, &e);
	}
	if (r == 0 && !raw && ko->proj)
		r = tide_proj_tail(ko->proj, b, start);
	if (r == 0)
		(void)tide_buf_addc(b, '\n');
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
	    (r = tide_kmsg_where(ko->where, m, NULL, 0, &ko->hdrs,
	    &ko->hdrcap)) != 1)
		return r;
	if (ko->where && !ko->where->meta_only) {
		out_line(ko, m, b, shaped);
		r = tide_kmsg_where(ko->where, m, b->data + at, b->len - at - 1,
		    &ko->hdrs, &ko->hdrcap);
		if (r != 1 || shaped || !write)
			b->len = at;
		if (r != 1 || !shaped || !write)
			return r;
	}
	if (write)
		out_line(ko, m, b, 0);
	return 1;
}

void
tide_kmsg_out_release(struct tide_kmsg_out *ko)
{
	free(ko->hdrs);
	ko->hdrs = NULL;
	ko->hdrcap = 0;
}
