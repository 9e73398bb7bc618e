#include <stdio.h>
#include <string.h>

#include "err.h"
#include "kafka/kadmin.h"
#include "kafka/kdown.h"
#include "kafka/producer.h"
#include "sig.h"
#include "time.h"

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct tide_producer *p = opaque;

	(void)rk;
	if (m->err)
		p->failed++;
	else
		p->delivered++;
	if (p->on_delivery)
		p->on_delivery(p->ctx, m);
}

static void
error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct tide_producer *p = opaque;
	char buf[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		/* Idempotence broken: every queued record will fail; say why. */
		p->fatal = 1;
		err = rd_kafka_fatal_error(rk, buf, sizeof(buf));
		reason = buf;
	}
	if (p->on_error)
		p->on_error(p->ctx, err, reason);
}

int
tide_producer_new(struct tide_producer *p, rd_kafka_conf_t *conf,
    const char *topic, int timeout_ms)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
	int64_t deadline = tide_mono_us() + (int64_t)timeout_ms * 1000;
	int64_t left;
	char why[400];
	int r;

	p->rk = NULL;
	p->rkt = NULL;
	p->npart = 0;
	p->sent = p->delivered = p->failed = 0;
	p->fatal = 0;
	p->errstr[0] = '\0';
	rd_kafka_conf_set_opaque(conf, p);
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, p->errstr,
	    sizeof(p->errstr));
	if (p->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		return TIDE_EKAFKA;
	}
	/* Asking for one topic's metadata may create it on brokers that
	 * create topics on first use (a typo would then succeed): look it
	 * up in the list of all topics first. */
	p->created = 0;
	if (!p->create || p->create_partitions > 0) {
		int i, found = 0;

		left = (deadline - tide_mono_us()) / 1000;
		err = tide_kdown_metadata(p->rk, 1, NULL, &md,
		    (int)(left > 0 ? left : 1));
		if (err == RD_KAFKA_RESP_ERR__INTR) {
			snprintf(p->errstr, sizeof(p->errstr), "interrupted "
			    "by %s while waiting for the brokers",
			    tide_sig_name());
			return TIDE_EINTR;
		}
		if (err) {
			snprintf(p->errstr, sizeof(p->errstr),
			    "brokers did not answer within %d ms: %s", timeout_ms,
			    rd_kafka_err2str(err));
			return TIDE_EKAFKA;
		}
		for (i = 0; i < md->topic_cnt; i++)
			if (strcmp(md->topics[i].topic, topic) == 0)
				found = 1;
		rd_kafka_metadata_destroy(md);
		if (!found && p->create_partitions > 0) {
			/* Created here, or the brokers would create it on
			 * first use with their defaults; a failure stops
			 * before the topic is asked for. */
			left = (deadline - tide_mono_us()) / 1000;
			/* Without a controller among the brokers (librdkafka's
			 * mock) the request would only wait out the bound. */
			r = tide_kadmin_controller(p->rk, (int)(left > 0 ? left :
			    1), why, sizeof(why));
			if (r == 0)
				snprintf(why, sizeof(why), "the brokers name no "
				    "controller to ask");
			if (r == 1)
				r = tide_kadmin_create(p->rk, topic,
				    p->create_partitions, (int)(left > 0 ? left :
				    1), why, sizeof(why));
			else
				r = TIDE_EKAFKA;
			if (r < 0) {
				snprintf(p->errstr, sizeof(p->errstr), "could not "
				    "create it with %d partition%s (CreateTopics): "
				    "%s", (int)p->create_partitions,
				    p->create_partitions == 1 ? "" : "s", why);
				return TIDE_EKAFKA;
			}
			p->created = r == 0;
			found = 1;
		}
		if (!found) {
			snprintf(p->errstr, sizeof(p->errstr), "topic '%s': %s",
			    topic, rd_kafka_err2str(
			    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
			return TIDE_ENOENT;
		}
	}
	if ((p->rkt = rd_kafka_topic_new(p->rk, topic, NULL)) == NULL) {
		snprintf(p->errstr, sizeof(p->errstr), "topic '%s': %s", topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		return TIDE_EKAFKA;
	}
	/* Ask until the topic has partitions: a broker that auto-creates
	 * topics may first answer "leader not available". */
	for (;;) {
		left = (deadline - tide_mono_us()) / 1000;
		if (left <= 0)
			break;
		err = tide_kdown_metadata(p->rk, 0, p->rkt, &md, (int)left);
		if (err == RD_KAFKA_RESP_ERR__INTR) {
			snprintf(p->errstr, sizeof(p->errstr), "interrupted "
			    "by %s while waiting for the brokers",
			    tide_sig_name());
			return TIDE_EINTR;
		}
		if (err) {
			snprintf(p->errstr, sizeof(p->errstr),
			    "brokers did not answer within %d ms: %s", timeout_ms,
			    rd_kafka_err2str(err));
			return TIDE_EKAFKA;
		}
		if (md->topic_cnt == 1 && md->topics[0].err == 0 &&
		    md->topics[0].partition_cnt > 0) {
			p->npart = md->topics[0].partition_cnt;
			rd_kafka_metadata_destroy(md);
			return 0;
		}
		if (md->topic_cnt == 1)
			err = md->topics[0].err;
		rd_kafka_metadata_destroy(md);
		/* Just created: a broker may not know it yet. */
		if ((err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
		    !p->created) ||
		    err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
		    err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION) {
			snprintf(p->errstr, sizeof(p->errstr), "topic '%s': %s",
			    topic, rd_kafka_err2str(err));
			return TIDE_ENOENT;
		}
		rd_kafka_poll(p->rk, 100);
	}
	snprintf(p->errstr, sizeof(p->errstr),
	    "topic '%s' has no partitions after %d ms: %s", topic, timeout_ms,
	    rd_kafka_err2str(err));
	return TIDE_EKAFKA;
}

int
tide_producer_send(struct tide_producer *p, const struct tide_msg *m,
    rd_kafka_resp_err_t *errp)
{
	rd_kafka_headers_t *hdrs = NULL;
	rd_kafka_resp_err_t err;
	size_t i;

	if (m->nhdrs) {
		hdrs = rd_kafka_headers_new(m->nhdrs);
		for (i = 0; i < m->nhdrs; i++)
			rd_kafka_header_add(hdrs, m->hdrs[i].name,
			    (ssize_t)m->hdrs[i].namelen, m->hdrs[i].value,
			    m->hdrs[i].value ? (ssize_t)m->hdrs[i].len : -1);
	}
	for (;;) {
		err = rd_kafka_producev(p->rk,
		    RD_KAFKA_V_RKT(p->rkt),
		    RD_KAFKA_V_PARTITION(m->partition),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_VALUE((void *)m->value, m->value ? m->len : 0),
		    RD_KAFKA_V_KEY(m->key, m->key ? m->keylen : 0),
		    RD_KAFKA_V_TIMESTAMP(m->ts),
		    RD_KAFKA_V_HEADERS(hdrs),
		    RD_KAFKA_V_OPAQUE(m->opaque),
		    RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		/* Back-pressure: serve reports until the queue has room. */
		rd_kafka_poll(p->rk, 10);
		if (p->on_full && p->on_full(p->ctx))
			break;
	}
	if (err) {
		/* On failure the headers are still ours. */
		if (hdrs)
			rd_kafka_headers_destroy(hdrs);
		if (errp)
			*errp = err;
		snprintf(p->errstr, sizeof(p->errstr), "%s",
		    rd_kafka_err2str(err));
		return TIDE_EKAFKA;
	}
	p->sent++;
	return 0;
}

int
tide_producer_poll(struct tide_producer *p, int timeout_ms)
{
	return rd_kafka_poll(p->rk, timeout_ms);
}

uint64_t
tide_producer_pending(const struct tide_producer *p)
{
	return p->sent - p->delivered - p->failed;
}

uint64_t
tide_producer_drain(struct tide_producer *p, int timeout_ms)
{
	int64_t deadline = tide_mono_us() + (int64_t)timeout_ms * 1000;
	int64_t left;

	/* Count reports, not librdkafka's queue length: the idempotent
	 * producer keeps internal requests in that queue too. */
	while (tide_producer_pending(p) > 0) {
		if (timeout_ms < 0)
			left = 100;
		else if ((left = (deadline - tide_mono_us()) / 1000) <= 0)
			break;
		rd_kafka_flush(p->rk, left > 100 ? 100 : (int)left);
		rd_kafka_poll(p->rk, 0);
	}
	return tide_producer_pending(p);
}

void
tide_producer_abort(struct tide_producer *p)
{
	rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

void
tide_producer_release(struct tide_producer *p)
{
	if (p->rkt)
		rd_kafka_topic_destroy(p->rkt);
	if (p->rk)
		rd_kafka_destroy(p->rk);
	p->rkt = NULL;
	p->rk = NULL;
}
