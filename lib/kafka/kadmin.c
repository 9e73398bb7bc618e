#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kafka/kadmin.h"

/* Wait for the request's result on q: librdkafka ends it with an error
 * event after the request timeout; the margin covers its own timer. */
static rd_kafka_event_t *
wait_result(rd_kafka_queue_t *q, int timeout_ms, char *errstr, size_t errlen)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);

	if (ev == NULL) {
		snprintf(errstr, errlen, "no answer within %d ms", timeout_ms);
		return NULL;
	}
	if (rd_kafka_event_error(ev)) {
		snprintf(errstr, errlen, "%s",
		    rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		return NULL;
	}
	return ev;
}

static rd_kafka_AdminOptions_t *
options(rd_kafka_t *rk, rd_kafka_admin_op_t op, int timeout_ms, int operation)
{
	rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
	char es[256];

	/* Neither can fail for a timeout in range. */
	(void)rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, es,
	    sizeof(es));
	if (operation)
		(void)rd_kafka_AdminOptions_set_operation_timeout(o,
		    timeout_ms, es, sizeof(es));
	return o;
}

int
tide_kadmin_create(rd_kafka_t *rk, const char *topic, int32_t partitions,
    int timeout_ms, char *errstr, size_t errlen)
{
	rd_kafka_NewTopic_t *nt;
	rd_kafka_AdminOptions_t *o;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	const rd_kafka_topic_result_t **res;
	rd_kafka_resp_err_t err;
	size_t n;
	int r = TIDE_EKAFKA;

	/* Replication factor -1: the brokers' default.replication.factor. */
	if ((nt = rd_kafka_NewTopic_new(topic, partitions, -1, errstr,
	    errlen)) == NULL)
		return TIDE_EKAFKA;
	o = options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms, 1);
	q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, o, q);
	if ((ev = wait_result(q, timeout_ms, errstr, errlen)) != NULL) {
		res = rd_kafka_CreateTopics_result_topics(
		    rd_kafka_event_CreateTopics_result(ev), &n);
		err = n == 1 ? rd_kafka_topic_result_error(res[0]) :
		    RD_KAFKA_RESP_ERR__BAD_MSG;
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
			r = 0;
		else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
			r = 1;
		else
			snprintf(errstr, errlen, "%s: %s", rd_kafka_err2name(err),
			    n == 1 && rd_kafka_topic_result_error_string(res[0]) ?
			    rd_kafka_topic_result_error_string(res[0]) :
			    rd_kafka_err2str(err));
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_NewTopic_destroy(nt);
	return r;
}

int
tide_kadmin_controller(rd_kafka_t *rk, int timeout_ms, char *errstr,
    size_t errlen)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t err;
	int32_t id;
	int i, found = 0;

	if ((err = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms)) != 0) {
		snprintf(errstr, errlen, "%s", rd_kafka_err2str(err));
		return TIDE_EKAFKA;
	}
	id = rd_kafka_controllerid(rk, 0);
	for (i = 0; i < md->broker_cnt; i++)
		if (md->brokers[i].id == id)
			found = 1;
	rd_kafka_metadata_destroy(md);
	return found;
}

int
tide_kadmin_retention(rd_kafka_t *rk, const char *topic, int timeout_ms,
    int64_t *ms, char *errstr, size_t errlen)
{
	rd_kafka_ConfigResource_t *cr;
	rd_kafka_AdminOptions_t *o;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	const rd_kafka_ConfigResource_t **res;
	const rd_kafka_ConfigEntry_t **ce;
	const char *v;
	char *end;
	size_t n, nc, i;
	long long x;
	int r = TIDE_EKAFKA;

	cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
	o = options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms, 0);
	q = rd_kafka_queue_new(rk);
	rd_kafka_DescribeConfigs(rk, &cr, 1, o, q);
	if ((ev = wait_result(q, timeout_ms, errstr, errlen)) == NULL)
		goto out;
	res = rd_kafka_DescribeConfigs_result_resources(
	    rd_kafka_event_DescribeConfigs_result(ev), &n);
	if (n != 1 || rd_kafka_ConfigResource_error(res[0])) {
		snprintf(errstr, errlen, "%s", n != 1 ? "no answer for the "
		    "topic" : rd_kafka_ConfigResource_error_string(res[0]));
		goto done;
	}
	ce = rd_kafka_ConfigResource_configs(res[0], &nc);
	snprintf(errstr, errlen, "no retention.ms among the topic's settings");
	for (i = 0; i < nc; i++) {
		if (strcmp(rd_kafka_ConfigEntry_name(ce[i]), "retention.ms") != 0)
			continue;
		v = rd_kafka_ConfigEntry_value(ce[i]);
		errno = 0;
		x = v ? strtoll(v, &end, 10) : 0;
		if (v == NULL || end == v || *end || errno || x < -1) {
			snprintf(errstr, errlen, "retention.ms is not a number "
			    "of ms: '%s'", v ? v : "(null)");
			break;
		}
		*ms = x;
		r = 0;
		break;
	}
done:
	rd_kafka_event_destroy(ev);
out:
	rd_kafka_queue_destroy(q);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_ConfigResource_destroy(cr);
	return r;
}

int
tide_kadmin_expired(int64_t retention_ms, int64_t ts_ms, int64_t now_ms)
{
	/* now_ms - retention_ms cannot overflow once both are >= 0. */
	if (retention_ms < 0 || now_ms < 0)
		return 0;
	return ts_ms < now_ms - retention_ms;
}
