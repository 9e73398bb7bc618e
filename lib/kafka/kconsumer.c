#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kafka/kconsumer.h"
#include "xalloc.h"

void
tide_kconsumer_init(struct tide_kconsumer *c, int64_t down_ms,
    int64_t every_ms)
{
	memset(c, 0, sizeof(*c));
	tide_kdown_init(&c->kd, down_ms, every_ms);
}

int
tide_kconsumer_conf(struct tide_kconsumer *c, const struct tide_kconf *kc,
    const char *client_id, const char *const *extra, int flags,
    rd_kafka_conf_t **confp, struct tide_kconsumer_err *err)
{
	struct tide_kconf_err kerr;
	rd_kafka_conf_t *conf;
	int r;

	*confp = NULL;
	if ((conf = tide_kdown_conf(&c->kd, kc, client_id, extra,
	    &kerr)) == NULL) {
		snprintf(err->msg, sizeof(err->msg), "%s", kerr.msg);
		return TIDE_EINVAL;
	}
	if (flags & TIDE_KCONSUMER_RANGES) {
		if ((r = tide_offsets_conf(conf)) < 0) {
			rd_kafka_conf_destroy(conf);
			snprintf(err->msg, sizeof(err->msg),
			    "cannot set enable.partition.eof");
			return TIDE_EKAFKA;
		}
		c->eof_forced = r > 0;
	}
	*confp = conf;
	return 0;
}

int
tide_kconsumer_open(struct tide_kconsumer *c, rd_kafka_conf_t *conf,
    int flags, struct tide_kconsumer_err *err)
{
	sigset_t all, old;

	if (flags & TIDE_KCONSUMER_NOSIGNALS) {
		/* librdkafka's threads inherit this mask. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
	}
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err->msg,
	    sizeof(err->msg));
	if (flags & TIDE_KCONSUMER_NOSIGNALS)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (c->rk == NULL) {
		/* rd_kafka_new() leaves a refused conf with the caller. */
		rd_kafka_conf_destroy(conf);
		return TIDE_EKAFKA;
	}
	rd_kafka_poll_set_consumer(c->rk);
	c->q = rd_kafka_queue_get_consumer(c->rk);
	tide_kdown_attach(&c->kd, c->rk);
	return 0;
}

void
tide_kconsumer_close(struct tide_kconsumer *c, enum tide_kconsumer_close how)
{
	if (c->rk == NULL)
		return;
	if (how == TIDE_KCONSUMER_UNASSIGN)
		rd_kafka_assign(c->rk, NULL);
	if (c->q)
		rd_kafka_queue_destroy(c->q);
	if (how == TIDE_KCONSUMER_LEAVE)
		rd_kafka_consumer_close(c->rk);
	if (how == TIDE_KCONSUMER_ABANDON)
		rd_kafka_destroy_flags(c->rk,
		    RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
	else
		rd_kafka_destroy(c->rk);
	c->rk = NULL;
	c->q = NULL;
	tide_kdown_attach(&c->kd, NULL);
}

int
tide_kconsumer_partitions(struct tide_kconsumer *c, const char *topic,
    const int32_t *want, size_t nwant, int timeout_ms,
    struct tide_prange **rp, struct tide_kconsumer_err *err)
{
	struct tide_offsets_err oerr;
	struct tide_prange *r, t;
	int32_t *parts = NULL;
	size_t i, j, n, k;
	int got;

	*rp = NULL;
	if ((got = tide_offsets_partitions(c->rk, topic, timeout_ms, &parts,
	    &oerr)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", oerr.msg);
		return got;
	}
	n = (size_t)got;
	for (i = 0; i < nwant; i++) {
		for (j = 0; j < n && parts[j] != want[i]; j++)
			;
		if (j == n) {
			snprintf(err->msg, sizeof(err->msg), "topic '%.200s' "
			    "has no partition %" PRId32, topic, want[i]);
			free(parts);
			return TIDE_ENOENT;
		}
	}
	r = tide_xcalloc(n + 1, sizeof(*r));
	for (k = 0, j = 0; j < n; j++) {
		for (i = 0; i < nwant && want[i] != parts[j]; i++)
			;
		if (nwant == 0 || i < nwant)
			r[k++].partition = parts[j];
	}
	free(parts);
	/* Partition order, so that ties and listings come out the same way
	 * whatever order the metadata gives them in. */
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && r[j - 1].partition > r[j].partition; j--) {
			t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	*rp = r;
	return (int)k;
}

int
tide_kconsumer_resolve(struct tide_kconsumer *c, const char *topic,
    struct tide_prange *r, size_t n, const struct tide_offspec *from,
    const struct tide_offspec *to, int timeout_ms,
    struct tide_kconsumer_err *err)
{
	struct tide_offsets_err oerr;
	int rc;

	if (n == 0)
		return 0;
	if ((rc = tide_offsets_resolve(c->rk, topic, r, n, from, to,
	    timeout_ms, &oerr)) < 0)
		snprintf(err->msg, sizeof(err->msg), "%s", oerr.msg);
	return rc;
}

int
tide_kconsumer_assign(struct tide_kconsumer *c, const char *topic,
    const struct tide_prange *r, size_t n, int flags,
    struct tide_kconsumer_err *err)
{
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
	int follow = (flags & TIDE_KCONSUMER_FOLLOW) != 0;
	size_t i;

	tl = rd_kafka_topic_partition_list_new(n > 0 ? (int)n : 1);
	for (i = 0; i < n; i++) {
		if (!follow && tide_kconsumer_empty(&r[i]))
			continue;
		rd_kafka_topic_partition_list_add(tl, topic,
		    r[i].partition)->offset = follow ?
		    RD_KAFKA_OFFSET_BEGINNING : r[i].start;
	}
	if (follow || tl->cnt)
		e = rd_kafka_assign(c->rk, tl);
	rd_kafka_topic_partition_list_destroy(tl);
	if (e) {
		snprintf(err->msg, sizeof(err->msg), "%s", rd_kafka_err2str(e));
		return TIDE_EKAFKA;
	}
	return 0;
}

void
tide_kconsumer_pause(struct tide_kconsumer *c, const char *topic,
    int32_t partition, int pause)
{
	rd_kafka_topic_partition_list_t *tl;

	tl = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tl, topic, partition);
	if (pause)
		rd_kafka_pause_partitions(c->rk, tl);
	else
		rd_kafka_resume_partitions(c->rk, tl);
	rd_kafka_topic_partition_list_destroy(tl);
}

void
tide_kconsumer_unassign(struct tide_kconsumer *c)
{
	rd_kafka_assign(c->rk, NULL);
}

int
tide_kconsumer_wait(struct tide_kconsumer *c, rd_kafka_message_t **m,
    int wait_ms, struct tide_kconsumer_err *err)
{
	rd_kafka_resp_err_t e;

	if ((*m = rd_kafka_consume_queue(c->q, wait_ms)) != NULL)
		return 1;
	e = rd_kafka_last_error();
	if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s", rd_kafka_err2str(e));
	return TIDE_EKAFKA;
}

int
tide_kconsumer_fatal(const struct tide_kconsumer *c)
{
	return rd_kafka_fatal_error(c->rk, NULL, 0) != 0;
}

enum tide_kdown_act
tide_kconsumer_outage(struct tide_kconsumer *c, int probe_ms, int64_t gap_ms,
    char *out, size_t cap)
{
	enum tide_kdown_act act;
	int64_t now, len = 0;

	out[0] = '\0';
	if (!tide_kdown_is_down(&c->kd))
		return TIDE_KDOWN_UP;
	if (probe_ms == 0 && gap_ms == 0)
		act = tide_kdown_poll(&c->kd, c->rk, &len);
	else {
		now = tide_kdown_now();
		if (now - c->probed >= gap_ms) {
			c->probed = now;
			if (tide_kdown_probe(c->rk, probe_ms > 0 ? probe_ms :
			    TIDE_KDOWN_PROBE_MS)) {
				act = tide_kdown_end(&c->kd, tide_kdown_now(),
				    &len) ? TIDE_KDOWN_BACK : TIDE_KDOWN_UP;
				goto say;
			}
			now = tide_kdown_now();
		}
		act = tide_kdown_check(&c->kd, now, &len);
	}
say:
	if (act == TIDE_KDOWN_BACK)
		tide_kdown_say_back(&c->kd, len, out, cap);
	else if (act == TIDE_KDOWN_NOTE)
		tide_kdown_say_down(&c->kd, len, out, cap);
	else if (act == TIDE_KDOWN_GIVE_UP)
		tide_kdown_say_gone(&c->kd, len, out, cap);
	return act;
}
