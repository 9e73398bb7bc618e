#include <stdio.h>
#include <string.h>

#include "err.h"
#include "kafka/krange.h"

#define POLL_MS 200

int
tide_krange_open(struct tide_krange *k, const struct tide_kconf *kc,
    const char *client_id, const struct tide_krange_spec *spec,
    int64_t md_timeout_ms, struct tide_kconsumer_err *err)
{
	char gid[300];
	const char *extra[] = { gid, NULL };
	struct tide_offspec from = spec->from, to = spec->to;
	rd_kafka_conf_t *conf;
	size_t base;
	int r;

	memset(k, 0, sizeof(*k));
	/* A range ends: brokers lost on the way are waited for as long as
	 * brokers at start. */
	tide_kconsumer_init(&k->kc, md_timeout_ms, md_timeout_ms);
	k->names[0] = (char *)spec->topic;
	tide_kparts_init(&k->kp, k->names, 1, 0, 1);
	k->open = 1;
	/* assign() needs a group id; nothing is committed. */
	snprintf(gid, sizeof(gid), "group.id=%s", client_id);
	if ((r = tide_kconsumer_conf(&k->kc, kc, client_id, extra,
	    TIDE_KCONSUMER_RANGES, &conf, err)) < 0)
		return r;
	if ((r = tide_kconsumer_open(&k->kc, conf, 0, err)) < 0)
		return r;
	if ((r = tide_kparts_discover(&k->kp, k->kc.rk, spec->parts,
	    spec->nparts, (int)md_timeout_ms, err)) < 0)
		return r;
	if (from.kind == TIDE_OFF_NONE)
		from.kind = TIDE_OFF_BEGINNING;
	if (to.kind == TIDE_OFF_NONE)
		to.kind = TIDE_OFF_END;
	if ((r = tide_kparts_resolve(&k->kp, &k->kc, 0, &from, &to,
	    (int)md_timeout_ms, &base, err)) < 0)
		return r;
	return tide_kparts_assign(&k->kp, k->kc.rk, err);
}

int
tide_krange_next(struct tide_krange *k, const char **p, size_t *len,
    int32_t *partition, int64_t *offset, struct tide_kconsumer_err *err)
{
	rd_kafka_message_t *m;
	enum tide_kev ev;
	int64_t dlen;
	ssize_t n;

	if (k->cur != NULL) {
		rd_kafka_message_destroy(k->cur);
		k->cur = NULL;
	}
	for (;;) {
		if (k->i == k->n) {
			k->i = k->n = 0;
			if (tide_kparts_all_done(&k->kp))
				return 0;
			n = tide_kconsumer_take(&k->kc, k->msgs, TIDE_KRANGE_BATCH);
			if (n == 0) {
				switch (tide_kconsumer_outage(&k->kc, 0, 0,
				    err->msg, sizeof(err->msg))) {
				case TIDE_KDOWN_GIVE_UP:
					return TIDE_EKAFKA;
				case TIDE_KDOWN_WAIT:
				case TIDE_KDOWN_NOTE:
					continue;	/* the probe has waited */
				default:
					break;
				}
				n = tide_kconsumer_wait(&k->kc, k->msgs, POLL_MS,
				    err);
			}
			if (n < 0)
				return TIDE_EKAFKA;
			k->n = (size_t)n;
			continue;
		}
		m = k->msgs[k->i++];
		ev = tide_kconsumer_event(&k->kc, m);
		if (ev == TIDE_KEV_MSG || ev == TIDE_KEV_EOF)
			(void)tide_kconsumer_up(&k->kc, &dlen);
		if (ev == TIDE_KEV_EOF && m->rkt)
			tide_kparts_eof(&k->kp, rd_kafka_topic_name(m->rkt),
			    m->partition, m->offset);
		if (ev == TIDE_KEV_GONE || ev == TIDE_KEV_FATAL) {
			snprintf(err->msg, sizeof(err->msg), "%s%s",
			    ev == TIDE_KEV_FATAL ? "fatal: " : "",
			    rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			return TIDE_EKAFKA;
		}
		if (ev != TIDE_KEV_MSG || !tide_kparts_msg(&k->kp,
		    rd_kafka_topic_name(m->rkt), m->partition, m->offset)) {
			rd_kafka_message_destroy(m);
			continue;
		}
		k->cur = m;
		*p = m->payload ? m->payload : "";
		*len = m->payload ? m->len : 0;
		*partition = m->partition;
		*offset = m->offset;
		return 1;
	}
}

void
tide_krange_close(struct tide_krange *k)
{
	if (!k->open)
		return;
	if (k->cur != NULL)
		rd_kafka_message_destroy(k->cur);
	while (k->i < k->n)
		rd_kafka_message_destroy(k->msgs[k->i++]);
	tide_kconsumer_close(&k->kc, TIDE_KCONSUMER_DESTROY);
	tide_kparts_release(&k->kp);
	k->open = 0;
}
