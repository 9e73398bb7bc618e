/* A producer's transactions: see ktxn.h. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "kafka/ktxn.h"
#include "time.h"

/* Tries of a call that timed out (librdkafka: "retry call to resume"). */
#define RETRIES 3

/* e failed what: abort when it can be, say so in errstr; TIDE_EKAFKA. */
static int
failed(struct tide_ktxn *t, const char *what, rd_kafka_error_t *e)
{
	rd_kafka_error_t *a;

	t->failed = 1;
	if (rd_kafka_error_is_fatal(e)) {
		t->fatal = 1;
		snprintf(t->errstr, sizeof(t->errstr), "%s: %s (fatal: %s)",
		    what, rd_kafka_error_string(e),
		    rd_kafka_error_name(e));
	} else {
		snprintf(t->errstr, sizeof(t->errstr), "%s: %s: transaction "
		    "aborted", what, rd_kafka_error_string(e));
		if (t->open && (a = rd_kafka_abort_transaction(t->rk,
		    t->timeout_ms)) != NULL)
			rd_kafka_error_destroy(a);
		t->aborted++;
	}
	t->open = 0;
	rd_kafka_error_destroy(e);
	return TIDE_EKAFKA;
}

static int
begin(struct tide_ktxn *t)
{
	rd_kafka_error_t *e;

	if ((e = rd_kafka_begin_transaction(t->rk)) != NULL)
		return failed(t, "begin transaction", e);
	t->open = 1;
	t->opened_ms = tide_mono_us() / 1000;
	return 0;
}

int
tide_ktxn_start(struct tide_ktxn *t, rd_kafka_t *rk, int init_ms,
    int timeout_ms)
{
	rd_kafka_error_t *e;

	memset(t, 0, sizeof(*t));
	t->rk = rk;
	t->timeout_ms = timeout_ms;
	if ((e = rd_kafka_init_transactions(rk, init_ms)) != NULL) {
		t->failed = 1;
		snprintf(t->errstr, sizeof(t->errstr), "init transactions: %s",
		    rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		return TIDE_EKAFKA;
	}
	return begin(t);
}

/* Send offs as group's offsets into the open transaction. */
static int
send_offsets(struct tide_ktxn *t, const struct tide_barrier_offs *offs,
    const void *group, size_t glen)
{
	rd_kafka_consumer_group_metadata_t *md;
	rd_kafka_topic_partition_list_t *tl;
	rd_kafka_error_t *e;
	const char *topic;
	size_t i, len;
	int k;

	if ((e = rd_kafka_consumer_group_metadata_read(&md, group, glen)) !=
	    NULL)
		return failed(t, "the barrier's group metadata", e);
	tl = rd_kafka_topic_partition_list_new(offs->n ? (int)offs->n : 1);
	for (i = 0; i < offs->n; i++) {
		topic = tide_barrier_offs_topic(offs, i, &len);
		rd_kafka_topic_partition_list_add(tl, topic,
		    offs->v[i].partition)->offset = offs->v[i].next;
	}
	for (k = 0; ; k++) {
		e = rd_kafka_send_offsets_to_transaction(t->rk, tl, md,
		    t->timeout_ms);
		if (e == NULL || !rd_kafka_error_is_retriable(e) ||
		    k + 1 == RETRIES)
			break;
		rd_kafka_error_destroy(e);
	}
	rd_kafka_topic_partition_list_destroy(tl);
	rd_kafka_consumer_group_metadata_destroy(md);
	return e ? failed(t, "send offsets to transaction", e) : 0;
}

int
tide_ktxn_commit(struct tide_ktxn *t, const struct tide_barrier_offs *offs,
    const void *group, size_t glen, int reopen)
{
	rd_kafka_error_t *e;
	int k, r;

	if (t->failed)
		return TIDE_EKAFKA;
	if (!t->open && (r = begin(t)) < 0)
		return r;
	if (glen > 0 && offs && offs->n > 0 &&
	    (r = send_offsets(t, offs, group, glen)) < 0)
		return r;
	for (k = 0; ; k++) {
		e = rd_kafka_commit_transaction(t->rk, t->timeout_ms);
		if (e == NULL || !rd_kafka_error_is_retriable(e) ||
		    k + 1 == RETRIES)
			break;
		rd_kafka_error_destroy(e);
	}
	if (e)
		return failed(t, "commit transaction", e);
	t->open = 0;
	t->committed++;
	if (glen > 0 && offs && offs->n > 0)
		t->with_offsets++;
	return reopen ? begin(t) : 0;
}

void
tide_ktxn_abort(struct tide_ktxn *t)
{
	rd_kafka_error_t *e;

	if (!t->open || t->failed)
		return;
	if ((e = rd_kafka_abort_transaction(t->rk, t->timeout_ms)) != NULL)
		rd_kafka_error_destroy(e);
	t->open = 0;
	t->aborted++;
}
