/* The Kafka side of a replay: see kreplay.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "kafka/kmsg.h"
#include "kafka/kreplay.h"
#include "printfmt.h"
#include "time.h"
#include "xalloc.h"

void
tide_kreplay_init(struct tide_kreplay *kr, struct tide_kconsumer *kc,
    const char *topic, const struct tide_prange *r, size_t n)
{
	size_t i;

	memset(kr, 0, sizeof(*kr));
	kr->kc = kc;
	kr->topic = topic;
	kr->readahead = TIDE_KREPLAY_READAHEAD;
	kr->resume_at = TIDE_KREPLAY_READAHEAD / 4;
	kr->v = tide_xcalloc(n + 1, sizeof(*kr->v));
	kr->n = n;
	for (i = 0; i < n; i++) {
		kr->v[i].partition = r[i].partition;
		kr->v[i].start = r[i].start;
		kr->v[i].end = r[i].end;
		kr->v[i].low = r[i].low;
		kr->v[i].high = r[i].high;
		kr->total += (uint64_t)(r[i].end - r[i].start);
	}
}

int
tide_kreplay_setup(struct tide_kreplay *kr, struct tide_kconsumer *kc,
    const char *topic, const int32_t *want, size_t nwant,
    const struct tide_offspec *from, const struct tide_offspec *to,
    int timeout_ms, struct tide_kconsumer_err *err)
{
	struct tide_kconsumer_err e;
	struct tide_prange *r;
	int n;

	n = tide_kconsumer_partitions(kc, topic, want, nwant, timeout_ms, &r,
	    &e);
	if (n == TIDE_ENOENT || n == TIDE_EINTR) {
		*err = e;
		return n;
	}
	if (n < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot reach brokers "
		    "at '%.100s' within %dms: %.150s%s%.150s", kc->kd.brokers,
		    timeout_ms, e.msg, kc->kd.lasterr[0] ? ": " : "",
		    kc->kd.lasterr);
		return n;
	}
	if (tide_kconsumer_resolve(kc, topic, r, (size_t)n, from, to,
	    timeout_ms, &e) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", topic,
		    e.msg);
		free(r);
		return TIDE_EKAFKA;
	}
	tide_kreplay_init(kr, kc, topic, r, (size_t)n);
	free(r);
	return 0;
}

int
tide_kreplay_open(struct tide_kreplay *kr, struct tide_kconsumer *kc,
    const struct tide_kreplay_conf *c, struct tide_kreplay_err *err)
{
	char group[256];
	const char *extra[] = { group, NULL };
	struct tide_kconsumer_err e;
	rd_kafka_conf_t *conf;
	int r;

	memset(err, 0, sizeof(*err));
	tide_kconsumer_init(kc, c->down_ms >= 0 ? c->down_ms : c->md_ms,
	    c->md_ms);
	kc->kd.track = 0;
	kc->kd.on_fatal = c->on_fatal;
	kc->kd.ctx = c->ctx;
	/* assign() needs a group id; nothing is ever committed. */
	snprintf(group, sizeof(group), "group.id=%s", c->client_id);
	if ((r = tide_kconsumer_conf(kc, c->kc, c->client_id, extra,
	    TIDE_KCONSUMER_RANGES, &conf, &e)) < 0) {
		err->usage = r == TIDE_EINVAL;
		snprintf(err->msg, sizeof(err->msg), "%s", e.msg);
		return r;
	}
	if (tide_kconsumer_open(kc, conf, 0, &e) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", e.msg);
		return TIDE_EINVAL;
	}
	if ((r = tide_kreplay_setup(kr, kc, c->topic, c->want, c->nwant,
	    &c->from, &c->to, (int)c->md_ms, &e)) < 0) {
		err->unavailable = 1;
		snprintf(err->msg, sizeof(err->msg), "%s", e.msg);
		return r;
	}
	return 0;
}

static void
drain(struct tide_kreplay_part *p)
{
	while (p->rlen) {
		rd_kafka_message_destroy(p->ring[p->rhead]);
		p->rhead = (p->rhead + 1) % p->rcap;
		p->rlen--;
	}
}

void
tide_kreplay_release(struct tide_kreplay *kr)
{
	size_t i;

	for (i = 0; i < kr->n; i++) {
		drain(&kr->v[i]);
		free(kr->v[i].ring);
	}
	free(kr->v);
	free(kr->hdrs);
	kr->v = NULL;
	kr->n = 0;
	kr->hdrs = NULL;
	kr->hdrcap = 0;
}

int
tide_kreplay_start(struct tide_kreplay *kr, struct tide_kconsumer_err *err)
{
	struct tide_prange *r;
	size_t i;
	int rc;

	r = tide_xcalloc(kr->n + 1, sizeof(*r));
	for (i = 0; i < kr->n; i++) {
		struct tide_kreplay_part *p = &kr->v[i];

		r[i].partition = p->partition;
		r[i].start = p->start;
		r[i].end = p->end;
		r[i].low = p->low;
		r[i].high = p->high;
		drain(p);
		p->next = p->start;
		p->done = tide_kconsumer_empty(&r[i]);
		p->paused = 0;
		p->rhead = 0;
	}
	rc = tide_kconsumer_assign(kr->kc, kr->topic, r, kr->n, 0, err);
	free(r);
	return rc;
}

void
tide_kreplay_stop(struct tide_kreplay *kr)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		drain(&kr->v[i]);
	tide_kconsumer_unassign(kr->kc);
}

struct tide_kreplay_part *
tide_kreplay_find(struct tide_kreplay *kr, int32_t partition)
{
	size_t i;

	/* Partitions are few and usually 0..n-1 in order. */
	if (partition >= 0 && (size_t)partition < kr->n &&
	    kr->v[partition].partition == partition)
		return &kr->v[partition];
	for (i = 0; i < kr->n; i++)
		if (kr->v[i].partition == partition)
			return &kr->v[i];
	return NULL;
}

static void
pause_part(struct tide_kreplay *kr, struct tide_kreplay_part *p, int pause)
{
	tide_kconsumer_pause(kr->kc, kr->topic, p->partition, pause);
	p->paused = pause;
}

static void
ring_push(struct tide_kreplay *kr, struct tide_kreplay_part *p,
    rd_kafka_message_t *m)
{
	if (p->rlen == p->rcap) {
		size_t ncap = p->rcap ? 2 * p->rcap : 256, i;
		rd_kafka_message_t **r = tide_xreallocarray(NULL, ncap,
		    sizeof(*r));

		for (i = 0; i < p->rlen; i++)
			r[i] = p->ring[(p->rhead + i) % p->rcap];
		free(p->ring);
		p->ring = r;
		p->rcap = ncap;
		p->rhead = 0;
	}
	p->ring[(p->rhead + p->rlen) % p->rcap] = m;
	p->rlen++;
	if (p->rlen >= kr->readahead && !p->paused && !p->done)
		pause_part(kr, p, 1);
}

int
tide_kreplay_route(struct tide_kreplay *kr, rd_kafka_message_t *m,
    struct tide_kconsumer_err *err)
{
	struct tide_kreplay_part *p;

	switch (tide_kconsumer_event(kr->kc, m)) {
	case TIDE_KEV_MSG:
		break;
	case TIDE_KEV_EOF:
		if (m->rkt && (p = tide_kreplay_find(kr, m->partition)) &&
		    tide_kconsumer_ended(p->end, m->offset))
			p->done = 1;
		rd_kafka_message_destroy(m);
		return 0;
	case TIDE_KEV_GONE:
		snprintf(err->msg, sizeof(err->msg), "%s",
		    rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		return TIDE_ENOENT;
	case TIDE_KEV_FATAL:
		snprintf(err->msg, sizeof(err->msg), "fatal: %s",
		    rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		return TIDE_EKAFKA;
	case TIDE_KEV_ERROR:
		if (kr->on_note)
			kr->on_note(kr->ctx, rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		return 0;
	}
	p = tide_kreplay_find(kr, m->partition);
	/* Fetched past the end, or again after a resume. */
	if (p == NULL || p->done || m->offset < p->next) {
		rd_kafka_message_destroy(m);
		return 0;
	}
	if (tide_kconsumer_ended(p->end, m->offset)) {
		p->done = 1;
		rd_kafka_message_destroy(m);
		return 0;
	}
	p->next = m->offset + 1;
	if (tide_kconsumer_ended(p->end, p->next))
		p->done = 1;
	ring_push(kr, p, m);
	return 0;
}

ssize_t
tide_kreplay_take(struct tide_kreplay *kr, size_t max,
    struct tide_kconsumer_err *err)
{
	rd_kafka_message_t *msgs[TIDE_KREPLAY_BATCH];
	ssize_t n, i;
	int r;

	if (max > TIDE_KREPLAY_BATCH)
		max = TIDE_KREPLAY_BATCH;
	if ((n = tide_kconsumer_take(kr->kc, msgs, max)) <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((r = tide_kreplay_route(kr, msgs[i], err)) < 0) {
			/* The program ends: let go of the rest. */
			while (++i < n)
				rd_kafka_message_destroy(msgs[i]);
			return r;
		}
	return n;
}

void
tide_kreplay_key(struct tide_kreplay_part *p)
{
	rd_kafka_message_t *m = p->ring[p->rhead];

	p->key.ts = rd_kafka_message_timestamp(m, NULL);
	p->key.partition = m->partition;
	p->key.offset = m->offset;
}

void
tide_kreplay_pop(struct tide_kreplay *kr, struct tide_kreplay_part *p)
{
	rd_kafka_message_destroy(p->ring[p->rhead]);
	p->rhead = (p->rhead + 1) % p->rcap;
	p->rlen--;
	if (p->paused && p->rlen <= kr->resume_at)
		pause_part(kr, p, 0);
}

enum tide_kdown_act
tide_kreplay_outage(struct tide_kreplay *kr, const struct tide_kreplay_part *p,
    int64_t now, char *out, size_t cap)
{
	struct tide_kdown *kd = &kr->kc->kd;
	enum tide_kdown_act act;
	int64_t shown;
	char d[32], b[32];

	act = tide_kdown_check(kd, now, &shown);
	if (cap)
		out[0] = '\0';
	if (act != TIDE_KDOWN_GIVE_UP && act != TIDE_KDOWN_NOTE)
		return act;
	d[tide_dur_fmt(d, shown)] = '\0';
	if (kd->bound > 0)
		b[tide_dur_fmt(b, act == TIDE_KDOWN_GIVE_UP ? kd->bound :
		    tide_kdown_limit(kd))] = '\0';
	else
		snprintf(b, sizeof(b), "never");
	if (act == TIDE_KDOWN_GIVE_UP)
		snprintf(out, cap, "topic '%s' partition %" PRId32 ": nothing "
		    "from offset %" PRId64 " (of %" PRId64 "..%" PRId64 ") for "
		    "%s (--down-timeout %s)", kr->topic, p->partition, p->next,
		    p->start, p->end, d, b);
	else
		snprintf(out, cap, "topic '%s' partition %" PRId32 ": nothing "
		    "from offset %" PRId64 " for %s, still trying (giving up "
		    "after %s)", kr->topic, p->partition, p->next, d, b);
	return act;
}

void
tide_kreplay_range_json(const struct tide_kreplay *kr,
    const struct tide_kreplay_part *p, struct tide_buf *b)
{
	tide_buf_adds(b, "{\"topic\":");
	tide_json_write_str(b, kr->topic, strlen(kr->topic));
	tide_buf_addf(b, ",\"partition\":%" PRId32 ",\"low\":%" PRId64
	    ",\"high\":%" PRId64 ",\"start\":%" PRId64 ",\"end\":%" PRId64
	    ",\"records\":%" PRId64 "}\n", p->partition, p->low, p->high,
	    p->start, p->end, p->end - p->start);
}

void
tide_kreplay_dryrun_json(const struct tide_kreplay *kr, struct tide_buf *b)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		tide_kreplay_range_json(kr, &kr->v[i], b);
	tide_buf_addf(b, "{\"records\":%" PRIu64 "}\n", kr->total);
}

int
tide_kreplay_emit(struct tide_kreplay *kr, const struct tide_kreplay_part *p,
    struct tide_buf *b, int envelope, int64_t shift)
{
	rd_kafka_message_t *m = p->ring[p->rhead];
	struct tide_env e;

	int r;

	if (!envelope && kr->wire == NULL)
		return tide_env_payload(b, m->payload, m->len, NULL);
	/* The headers only when they are written. */
	tide_kmsg_env(m, &e, envelope ? &kr->hdrs : NULL, &kr->hdrcap);
	if (kr->wire && (r = tide_kmsg_decode(kr->wire, &e)) < 0)
		return r;
	if (!envelope)
		return tide_kmsg_payload(b, &e);
	if (e.ts_type != TIDE_ENV_TS_NONE)
		e.ts += shift;
	return tide_env_encode(b, &e);
}

int
tide_kreplay_print(struct tide_kreplay *kr, const struct tide_kreplay_part *p,
    struct tide_printfmt *f, struct tide_buf *b, int64_t shift)
{
	struct tide_env e;

	int r;

	tide_kmsg_env(p->ring[p->rhead], &e, f->hdrs ? &kr->hdrs : NULL,
	    &kr->hdrcap);
	if (kr->wire && (r = tide_kmsg_decode(kr->wire, &e)) < 0)
		return r;
	if (e.ts_type != TIDE_ENV_TS_NONE)
		e.ts += shift;
	return tide_printfmt_write(f, &e, b);
}
